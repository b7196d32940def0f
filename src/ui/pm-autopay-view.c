/* pm-autopay-view.c — AutoPay: payers with their registered cards, register, charge
 *
 * Copyright 2026 The Paymint Desk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The payers are the phones registered on the active profile (kept in the ledger by the
 * service); their cards come from the server. A payer who was just sent a registration
 * link is polled while the page is visible — every 5 s at first, then less often — until
 * a card shows up, the way bills are polled for their status. A payer without a card and
 * without a link on its way (say after their card was deleted) is not waited for: the
 * page says so and offers a new link or removing the payer.
 */

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "pm-autopay-view.h"
#include "pm-autopay-charge-dialog.h"
#include "pm-autopay-register-dialog.h"
#include "pm-error.h"
#include "pm-phone.h"
#include "pm-service-profiles.h"
#include "pm-ui.h"

#define POLL_FIRST_S 5
#define POLL_MAX_S   120

typedef struct
{
  PmAutopayView       *view;       /* not a reference: the view owns the payer */
  char                *name;
  char                *phone;
  gint64               registered_at;
  GPtrArray           *methods;    /* of PmAutopayMethod; NULL until first loaded */
  char                *error;      /* why the last load failed, or NULL */
  char                *link;       /* registration link sent from this desk, if known */
  int                  wait_above; /* a link went out: poll until there are more cards
                                    * than this; -1: not waiting for a card */
  gboolean             loading;
  gboolean             sending;    /* a new registration link is on its way out */
  gboolean             again;      /* load again when the current load ends */
  guint                poll_id;
  guint                poll_interval;
  AdwPreferencesGroup *group;
  GtkSpinner          *spinner;
  GPtrArray           *rows;       /* the rows now in the group */
} Payer;

struct _PmAutopayView
{
  GtkWidget        parent_instance;

  PmService       *service;
  GCancellable    *cancellable;
  GPtrArray       *payers;  /* of Payer, in the ledger's order */
  GtkWidget       *register_dialog; /* the open dialogs (weak): one of each at a time */
  GtkWidget       *charge_dialog;

  AdwToastOverlay *toast_overlay;
  GtkStack        *stack;
  AdwStatusPage   *empty_page;
  GtkLabel        *summary_label;
  GtkBox          *payers_box;
};

G_DEFINE_FINAL_TYPE (PmAutopayView, pm_autopay_view, GTK_TYPE_WIDGET)

enum {
  PROP_0,
  PROP_SERVICE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void load_methods  (Payer *payer);
static void schedule_poll (Payer *payer);

static void
toast (PmAutopayView *self,
       const char    *text)
{
  g_autofree char *markup = g_markup_escape_text (text, -1);
  AdwToast *t = adw_toast_new (markup); /* the title is markup */

  /* kept for whoever asks what the user was just told (tests, accessibility) */
  g_object_set_data_full (G_OBJECT (self), "pm-last-toast", g_strdup (text), g_free);
  adw_toast_set_timeout (t, 6);
  adw_toast_overlay_add_toast (self->toast_overlay, t);
}

static char *
error_text (const GError *error)
{
  const char *server = pm_error_get_server_text (error);

  return server != NULL && g_strcmp0 (server, error->message) != 0
           ? g_strdup_printf ("%s (%s)", error->message, server)
           : g_strdup (error->message);
}

static gboolean
is_cancelled (const GError *error)
{
  return g_error_matches (error, PM_ERROR, PM_ERROR_CANCELLED)
         || g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
}

/* "•••• 1234" from a masked number such as "4518-****-****-1234": the last four digits
 * are what a clerk checks. A number with fewer digits is shown as it came. */
static char *
masked_card_number (const char *card_no)
{
  char last[5] = { 0 };
  int n = 0;

  if (card_no == NULL)
    return g_strdup ("");
  for (const char *p = card_no + strlen (card_no); p > card_no && n < 4;)
    {
      p--;
      if (g_ascii_isdigit (*p))
        last[3 - n++] = *p;
    }
  if (n < 4)
    return g_strdup (card_no);
  return g_strdup_printf ("•••• %s", last);
}

static char *
card_label (const PmAutopayMethod *method)
{
  const char *name = method->card_name != NULL && *method->card_name != '\0'
                       ? method->card_name : _("Card");
  g_autofree char *number = NULL;

  if (method->card_no == NULL || *method->card_no == '\0')
    return g_strdup (name);
  number = masked_card_number (method->card_no);
  /* Translators: card company and masked number: "신한카드 •••• 1234" */
  return g_strdup_printf (_("%s %s"), name, number);
}

static const char *
status_label (const char *status)
{
  if (status == NULL || *status == '\0' || g_ascii_strcasecmp (status, "active") == 0)
    return C_("AutoPay card status", "Active");
  if (g_ascii_strcasecmp (status, "inactive") == 0)
    return C_("AutoPay card status", "Inactive");
  if (g_ascii_strcasecmp (status, "expired") == 0)
    return C_("AutoPay card status", "Expired");
  return status;
}

/* ---- payers ---- */

static void
payer_free (Payer *payer)
{
  g_clear_handle_id (&payer->poll_id, g_source_remove);
  if (payer->group != NULL)
    gtk_box_remove (payer->view->payers_box, GTK_WIDGET (payer->group));
  g_clear_pointer (&payer->methods, g_ptr_array_unref);
  g_ptr_array_unref (payer->rows);
  g_free (payer->name);
  g_free (payer->phone);
  g_free (payer->error);
  g_free (payer->link);
  g_free (payer);
}

static Payer *
find_payer (PmAutopayView *self,
            const char    *phone)
{
  for (guint i = 0; i < self->payers->len; i++)
    {
      Payer *payer = g_ptr_array_index (self->payers, i);

      if (g_strcmp0 (payer->phone, phone) == 0)
        return payer;
    }
  return NULL;
}

static const PmAutopayMethod *
find_method (Payer      *payer,
             const char *method_id)
{
  for (guint i = 0; payer->methods != NULL && i < payer->methods->len; i++)
    {
      const PmAutopayMethod *method = g_ptr_array_index (payer->methods, i);

      if (g_strcmp0 (method->method_id, method_id) == 0)
        return method;
    }
  return NULL;
}

static gboolean
methods_equal (GPtrArray *a,
               GPtrArray *b)
{
  if (a == NULL || b == NULL || a->len != b->len)
    return FALSE;
  for (guint i = 0; i < a->len; i++)
    {
      const PmAutopayMethod *x = g_ptr_array_index (a, i);
      const PmAutopayMethod *y = g_ptr_array_index (b, i);

      if (g_strcmp0 (x->method_id, y->method_id) != 0
          || g_strcmp0 (x->card_name, y->card_name) != 0
          || g_strcmp0 (x->card_no, y->card_no) != 0
          || g_strcmp0 (x->registered_at, y->registered_at) != 0
          || g_strcmp0 (x->status, y->status) != 0)
        return FALSE;
    }
  return TRUE;
}

/* Waiting for a card: only while a link this desk sent is on its way. */
static gboolean
payer_waiting (Payer *payer)
{
  guint n = payer->methods != NULL ? payer->methods->len : 0;

  return payer->wait_above >= 0 && (int) n <= payer->wait_above;
}

static gboolean
payer_without_card (Payer *payer)
{
  return payer->methods != NULL && payer->methods->len == 0;
}

static GtkWidget *
icon_button (const char *icon,
             const char *tooltip,
             const char *action,
             GVariant   *target)
{
  GtkWidget *button = gtk_button_new_from_icon_name (icon);

  gtk_widget_set_tooltip_text (button, tooltip);
  gtk_accessible_update_property (GTK_ACCESSIBLE (button), GTK_ACCESSIBLE_PROPERTY_LABEL, tooltip,
                                  -1);
  gtk_widget_set_valign (button, GTK_ALIGN_CENTER);
  gtk_widget_add_css_class (button, "flat");
  gtk_actionable_set_action_name (GTK_ACTIONABLE (button), action);
  gtk_actionable_set_action_target_value (GTK_ACTIONABLE (button), target);
  return button;
}

static void
add_row (Payer     *payer,
         GtkWidget *row)
{
  adw_preferences_group_add (payer->group, row);
  g_ptr_array_add (payer->rows, row);
  /* Korean wraps between words; a row showing a link (no spaces) keeps its own wrapping */
  if (g_object_get_data (G_OBJECT (row), "pm-shows-link") == NULL)
    pm_ui_wrap_words_within (row);
}

/* "Remove Payer…", for a payer without a card */
static GtkWidget *
remove_payer_button (Payer *payer)
{
  GtkWidget *button = icon_button ("list-remove-symbolic", _("Remove the Payer…"),
                                   "autopay.remove-payer", g_variant_new_string (payer->phone));

  return button;
}

static GtkWidget *
method_row (Payer                 *payer,
            const PmAutopayMethod *method)
{
  GtkWidget *row = adw_action_row_new ();
  GtkWidget *charge;
  g_autofree char *title = card_label (method);
  g_autofree char *when = pm_ui_format_appr_dt (method->registered_at);
  g_autofree char *subtitle = NULL;
  GVariant *target;

  if (*when != '\0')
    /* Translators: "Registered 2026-11-23 14:05:09 · Active" */
    subtitle = g_strdup_printf (_("Registered %s · %s"), when, status_label (method->status));
  else
    subtitle = g_strdup (status_label (method->status));
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
  adw_action_row_add_prefix (ADW_ACTION_ROW (row),
                             gtk_image_new_from_icon_name ("auth-smartcard-symbolic"));

  target = g_variant_new ("(ss)", payer->phone, method->method_id);
  g_variant_ref_sink (target);
  charge = gtk_button_new_with_mnemonic (_("C_harge…"));
  gtk_widget_set_valign (charge, GTK_ALIGN_CENTER);
  gtk_actionable_set_action_name (GTK_ACTIONABLE (charge), "autopay.charge-method");
  gtk_actionable_set_action_target_value (GTK_ACTIONABLE (charge), target);
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), charge);
  adw_action_row_add_suffix (ADW_ACTION_ROW (row),
                             icon_button ("document-edit-symbolic",
                                          _("Send a Link to Change the Card"),
                                          "autopay.update-method", target));
  adw_action_row_add_suffix (ADW_ACTION_ROW (row),
                             icon_button ("user-trash-symbolic", _("Delete the Card"),
                                          "autopay.delete-method", target));
  g_variant_unref (target);
  return row;
}

static void
update_summary (PmAutopayView *self)
{
  guint n_cards = 0;
  guint n_waiting = 0;
  g_autofree char *payers = NULL;
  g_autofree char *cards = NULL;
  g_autofree char *text = NULL;

  for (guint i = 0; i < self->payers->len; i++)
    {
      Payer *payer = g_ptr_array_index (self->payers, i);

      n_cards += payer->methods != NULL ? payer->methods->len : 0;
      if (payer->methods != NULL && payer_waiting (payer))
        n_waiting++;
    }
  payers = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u payer", "%u payers",
                                         self->payers->len),
                            self->payers->len);
  cards = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u card", "%u cards", n_cards),
                           n_cards);
  if (n_waiting > 0)
    /* Translators: "3 payers · 2 cards · 1 waiting for a card" */
    text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%s · %s · %u waiting for a card",
                                         "%s · %s · %u waiting for a card", n_waiting),
                            payers, cards, n_waiting);
  else
    /* Translators: "3 payers · 2 cards" */
    text = g_strdup_printf (_("%s · %s"), payers, cards);
  gtk_label_set_label (self->summary_label, text);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "autopay.charge", n_cards > 0);
  gtk_stack_set_visible_child_name (self->stack, self->payers->len > 0 ? "list" : "empty");
}

static void
render_payer (Payer *payer)
{
  PmAutopayView *self = payer->view;
  g_autofree char *phone = pm_phone_format_display (payer->phone);
  g_autofree char *when = pm_ui_format_time (payer->registered_at);
  g_autofree char *description = NULL;
  g_autofree char *title = NULL;
  g_autofree char *escaped = NULL;

  if (payer->group == NULL)
    {
      payer->group = ADW_PREFERENCES_GROUP (adw_preferences_group_new ());
      payer->spinner = GTK_SPINNER (gtk_spinner_new ());
      gtk_widget_set_valign (GTK_WIDGET (payer->spinner), GTK_ALIGN_CENTER);
      adw_preferences_group_set_header_suffix (payer->group, GTK_WIDGET (payer->spinner));
      gtk_box_append (self->payers_box, GTK_WIDGET (payer->group));
    }
  /* both are markup */
  title = g_markup_escape_text (payer->name, -1);
  adw_preferences_group_set_title (payer->group, title);
  if (*when != '\0')
    /* Translators: "010-1234-5678 · registered on this desk 2026-11-23 14:05" */
    description = g_strdup_printf (_("%s · registered on this desk %s"), phone, when);
  else
    description = g_strdup (phone);
  escaped = g_markup_escape_text (description, -1);
  adw_preferences_group_set_description (payer->group, escaped);
  gtk_spinner_set_spinning (payer->spinner, payer->loading);
  gtk_widget_set_visible (GTK_WIDGET (payer->spinner), payer->loading);

  for (guint i = 0; i < payer->rows->len; i++)
    adw_preferences_group_remove (payer->group, g_ptr_array_index (payer->rows, i));
  g_ptr_array_set_size (payer->rows, 0);
  pm_ui_wrap_words_within (GTK_WIDGET (payer->group)); /* its title and description */

  for (guint i = 0; payer->methods != NULL && i < payer->methods->len; i++)
    add_row (payer, method_row (payer, g_ptr_array_index (payer->methods, i)));

  if (payer->error != NULL)
    {
      GtkWidget *row = adw_action_row_new ();

      adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), _("Could not load the cards"));
      adw_action_row_set_subtitle (ADW_ACTION_ROW (row), payer->error);
      gtk_widget_add_css_class (row, "error");
      adw_action_row_add_suffix (ADW_ACTION_ROW (row),
                                 icon_button ("view-refresh-symbolic", _("Try Again"),
                                              "autopay.refresh-payer",
                                              g_variant_new_string (payer->phone)));
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), remove_payer_button (payer));
      add_row (payer, row);
    }
  else if (payer->methods == NULL)
    {
      GtkWidget *row = adw_action_row_new ();

      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), _("Loading the cards…"));
      add_row (payer, row);
    }

  if (payer->methods != NULL && payer_waiting (payer) && payer->error == NULL)
    {
      GtkWidget *row = adw_action_row_new ();
      GtkWidget *spinner = gtk_spinner_new ();
      g_autofree char *waiting = g_strdup_printf (_("Waiting for %s to register a card"),
                                                  payer->name);

      adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), waiting);
      if (payer->link != NULL)
        {
          adw_action_row_set_subtitle (ADW_ACTION_ROW (row), payer->link);
          g_object_set_data (G_OBJECT (row), "pm-shows-link", GINT_TO_POINTER (TRUE));
        }
      else
        adw_action_row_set_subtitle (ADW_ACTION_ROW (row),
                                     _("The registration link went out by KakaoTalk. The card "
                                       "shows up here by itself once it is registered."));
      gtk_spinner_set_spinning (GTK_SPINNER (spinner), TRUE);
      adw_action_row_add_prefix (ADW_ACTION_ROW (row), spinner);
      if (payer->link != NULL)
        adw_action_row_add_suffix (ADW_ACTION_ROW (row),
                                   icon_button ("edit-copy-symbolic",
                                                _("Copy the Registration Link"),
                                                "autopay.copy-link",
                                                g_variant_new_string (payer->link)));
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), remove_payer_button (payer));
      add_row (payer, row);
    }
  else if (payer_without_card (payer) && payer->error == NULL)
    {
      /* no card, and none on its way (deleted, or the link is long gone): no spinner */
      GtkWidget *row = adw_action_row_new ();
      GtkWidget *send = gtk_button_new_with_mnemonic (_("_Send a New Link"));

      adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), _("No card registered"));
      adw_action_row_set_subtitle (ADW_ACTION_ROW (row),
                                   _("To charge this payer, send them a new registration link. "
                                     "A card registered through an earlier link shows up after "
                                     "a refresh."));
      adw_action_row_add_prefix (ADW_ACTION_ROW (row),
                                 gtk_image_new_from_icon_name ("auth-smartcard-symbolic"));
      gtk_widget_set_valign (send, GTK_ALIGN_CENTER);
      gtk_actionable_set_action_name (GTK_ACTIONABLE (send), "autopay.send-link");
      gtk_actionable_set_action_target_value (GTK_ACTIONABLE (send),
                                              g_variant_new_string (payer->phone));
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), send);
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), remove_payer_button (payer));
      add_row (payer, row);
    }
  update_summary (self);
}

/* ---- loading the cards, and polling for new ones ---- */

typedef struct
{
  PmAutopayView *view;
  char          *phone;
} Fetch;

static void
fetch_free (Fetch *fetch)
{
  g_object_unref (fetch->view);
  g_free (fetch->phone);
  g_free (fetch);
}

static void
methods_done_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  Fetch *fetch = user_data;
  PmAutopayView *self = fetch->view;
  g_autoptr(GPtrArray) methods = NULL;
  g_autoptr(GError) error = NULL;
  Payer *payer;

  methods = pm_service_autopay_methods_finish (PM_SERVICE (object), result, &error);
  payer = is_cancelled (error) ? NULL : find_payer (self, fetch->phone);
  fetch_free (fetch);
  if (payer == NULL)
    return;

  payer->loading = FALSE;
  if (methods != NULL && payer->error == NULL && methods_equal (methods, payer->methods))
    {
      /* nothing new: leave the rows (and the focus in them) alone */
      gtk_spinner_set_spinning (payer->spinner, FALSE);
      gtk_widget_set_visible (GTK_WIDGET (payer->spinner), FALSE);
    }
  else
    {
      g_clear_pointer (&payer->error, g_free);
      if (methods != NULL)
        {
          g_clear_pointer (&payer->methods, g_ptr_array_unref);
          payer->methods = g_steal_pointer (&methods);
          if (!payer_waiting (payer))
            {
              /* found: no more polling for this payer */
              payer->wait_above = -1;
              g_clear_pointer (&payer->link, g_free);
              g_clear_handle_id (&payer->poll_id, g_source_remove);
            }
        }
      else
        payer->error = error_text (error);
      render_payer (payer);
    }

  if (payer->again)
    {
      payer->again = FALSE;
      load_methods (payer);
      return;
    }
  schedule_poll (payer);
}

static void
load_methods (Payer *payer)
{
  PmAutopayView *self = payer->view;
  Fetch *fetch;

  if (payer->loading)
    {
      payer->again = TRUE;
      return;
    }
  payer->loading = TRUE;
  gtk_spinner_set_spinning (payer->spinner, TRUE);
  gtk_widget_set_visible (GTK_WIDGET (payer->spinner), TRUE);
  fetch = g_new0 (Fetch, 1);
  fetch->view = g_object_ref (self);
  fetch->phone = g_strdup (payer->phone);
  pm_service_autopay_methods_async (self->service, payer->phone, self->cancellable,
                                    methods_done_cb, fetch);
}

static gboolean
poll_cb (gpointer user_data)
{
  Payer *payer = user_data;

  payer->poll_id = 0;
  /* back off: 5 s, 7 s, 10 s, 15 s, … up to two minutes */
  payer->poll_interval = MIN (payer->poll_interval + payer->poll_interval / 2, POLL_MAX_S);
  load_methods (payer);
  return G_SOURCE_REMOVE;
}

static void
schedule_poll (Payer *payer)
{
  if (payer->poll_id != 0 || payer->loading || !payer_waiting (payer)
      || !gtk_widget_get_mapped (GTK_WIDGET (payer->view)))
    return;
  if (payer->poll_interval == 0)
    payer->poll_interval = POLL_FIRST_S;
  payer->poll_id = g_timeout_add_seconds (payer->poll_interval, poll_cb, payer);
}

static void
load_all (PmAutopayView *self,
          gboolean       only_unloaded)
{
  for (guint i = 0; i < self->payers->len; i++)
    {
      Payer *payer = g_ptr_array_index (self->payers, i);

      if (!only_unloaded || (payer->methods == NULL && !payer->loading))
        {
          g_clear_handle_id (&payer->poll_id, g_source_remove);
          payer->poll_interval = POLL_FIRST_S;
          load_methods (payer);
        }
      else
        schedule_poll (payer);
    }
}

/* Merges the ledger's payers into the list, keeping what is known about each. */
static void
read_payers (PmAutopayView *self)
{
  g_autoptr(GPtrArray) list = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) payers = g_ptr_array_new_with_free_func ((GDestroyNotify) payer_free);

  if (self->service == NULL)
    return;
  list = pm_service_list_payers (self->service, &error);
  if (list == NULL)
    {
      toast (self, error->message);
      return;
    }
  for (guint i = 0; i < list->len; i++)
    {
      const PmLedgerPayer *row = g_ptr_array_index (list, i);
      Payer *payer = NULL;

      for (guint j = 0; j < self->payers->len; j++)
        if (g_strcmp0 (((Payer *) g_ptr_array_index (self->payers, j))->phone, row->phone) == 0)
          {
            payer = g_ptr_array_steal_index (self->payers, j);
            break;
          }
      if (payer == NULL)
        {
          payer = g_new0 (Payer, 1);
          payer->view = self;
          payer->phone = g_strdup (row->phone);
          payer->wait_above = -1;
          payer->rows = g_ptr_array_new ();
        }
      g_free (payer->name);
      payer->name = g_strdup (row->name);
      payer->registered_at = row->at;
      g_ptr_array_add (payers, payer);
    }
  /* what is left is no longer in the ledger (another profile) */
  g_ptr_array_unref (self->payers);
  self->payers = g_steal_pointer (&payers);

  /* the groups follow the ledger's order */
  for (guint i = 0; i < self->payers->len; i++)
    {
      Payer *payer = g_ptr_array_index (self->payers, i);
      Payer *before = i > 0 ? g_ptr_array_index (self->payers, i - 1) : NULL;

      render_payer (payer);
      gtk_box_reorder_child_after (self->payers_box, GTK_WIDGET (payer->group),
                                   before != NULL ? GTK_WIDGET (before->group) : NULL);
    }
  update_summary (self);
}

void
pm_autopay_view_reload (PmAutopayView *self)
{
  g_return_if_fail (PM_IS_AUTOPAY_VIEW (self));

  read_payers (self);
  if (gtk_widget_get_mapped (GTK_WIDGET (self)))
    load_all (self, FALSE);
}

static void
profile_changed_cb (PmAutopayView *self)
{
  /* other payers, other cards: start over */
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();
  g_ptr_array_set_size (self->payers, 0);
  pm_autopay_view_reload (self);
}

/* ---- register ---- */

/* A registration link went out to @phone: wait for one card more than now. */
static void
start_waiting (PmAutopayView *self,
               const char    *phone,
               const char    *link)
{
  Payer *payer = find_payer (self, phone);

  if (payer == NULL)
    return;
  g_free (payer->link);
  payer->link = g_strdup (link);
  payer->wait_above = payer->methods != NULL ? (int) payer->methods->len : 0;
  g_clear_handle_id (&payer->poll_id, g_source_remove);
  payer->poll_interval = POLL_FIRST_S;
  if (payer->methods == NULL)
    payer->methods = g_ptr_array_new_with_free_func ((GDestroyNotify) pm_autopay_method_free);
  render_payer (payer);
  schedule_poll (payer);
}

typedef struct
{
  PmAutopayView *view;
  char          *name;
  char          *phone;
} LinkCall;

static void
link_call_free (LinkCall *call)
{
  g_object_unref (call->view);
  g_free (call->name);
  g_free (call->phone);
  g_free (call);
}

static void
link_sent_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  LinkCall *call = user_data;
  PmAutopayView *self = call->view;
  Payer *payer;
  g_autoptr(PmSendResult) reply = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;

  reply = pm_service_autopay_register_finish (PM_SERVICE (object), result, &error);
  if (is_cancelled (error))
    {
      link_call_free (call);
      return;
    }
  payer = find_payer (self, call->phone);
  if (payer != NULL)
    payer->sending = FALSE;
  if (reply == NULL)
    {
      g_autofree char *reason = error_text (error);

      /* Translators: "Could not send 김민지 a registration link: <why>" */
      text = g_strdup_printf (_("Could not send %s a registration link: %s"), call->name, reason);
    }
  else
    {
      start_waiting (self, call->phone,
                     reply->short_url != NULL && *reply->short_url != '\0' ? reply->short_url
                                                                           : NULL);
      text = g_strdup_printf (_("Registration link sent to %s"), call->name);
    }
  toast (self, text);
  link_call_free (call);
}

/* A new registration link for a payer already on the list, without retyping them. */
static void
send_link_action_cb (GtkWidget  *widget,
                     const char *action_name,
                     GVariant   *parameter)
{
  PmAutopayView *self = PM_AUTOPAY_VIEW (widget);
  Payer *payer = find_payer (self, g_variant_get_string (parameter, NULL));
  LinkCall *call;

  /* one link per click, however many clicks */
  if (payer == NULL || payer_waiting (payer) || payer->sending)
    return;
  payer->sending = TRUE;
  call = g_new0 (LinkCall, 1);
  call->view = g_object_ref (self);
  call->name = g_strdup (payer->name);
  call->phone = g_strdup (payer->phone);
  pm_service_autopay_register_async (self->service, payer->name, payer->phone, NULL, NULL,
                                     self->cancellable, link_sent_cb, call);
}

/* ---- remove a payer ---- */

static void
remove_response_cb (AdwMessageDialog *dialog,
                    const char       *response,
                    PmAutopayView    *self)
{
  const char *phone = g_object_get_data (G_OBJECT (dialog), "pm-phone");
  Payer *payer = find_payer (self, phone);
  g_autoptr(GError) error = NULL;
  g_autofree char *name = NULL;
  g_autofree char *text = NULL;

  if (g_strcmp0 (response, "remove") != 0 || payer == NULL)
    return;
  name = g_strdup (payer->name);
  if (!pm_service_remove_payer (self->service, payer->phone, &error))
    {
      /* Translators: "Could not remove 김민지: <why>" */
      text = g_strdup_printf (_("Could not remove %s: %s"), name, error->message);
      toast (self, text);
      return;
    }
  /* the ledger's list is the truth: read it again, the payer's group goes with it */
  read_payers (self);
  /* Translators: "Removed 김민지 from AutoPay" */
  text = g_strdup_printf (_("Removed %s from AutoPay"), name);
  toast (self, text);
}

static void
remove_payer_action_cb (GtkWidget  *widget,
                        const char *action_name,
                        GVariant   *parameter)
{
  PmAutopayView *self = PM_AUTOPAY_VIEW (widget);
  Payer *payer = find_payer (self, g_variant_get_string (parameter, NULL));
  g_autofree char *heading = NULL;
  g_autofree char *body = NULL;
  GtkWidget *dialog;

  if (payer == NULL)
    return;
  /* Translators: %s is a payer's name */
  heading = g_strdup_printf (_("Remove %s?"), payer->name);
  body = g_strdup_printf (_("%s is taken off this desk’s AutoPay list. Charges already made "
                            "stay in Payments. To charge them again, register them again."),
                          payer->name);
  dialog = adw_message_dialog_new (GTK_WINDOW (gtk_widget_get_root (widget)), heading, body);
  adw_message_dialog_set_body_use_markup (ADW_MESSAGE_DIALOG (dialog), FALSE);
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog), "cancel", _("_Keep"),
                                    "remove", _("_Remove"), NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "remove",
                                              ADW_RESPONSE_DESTRUCTIVE);
  /* the safe answer has the focus, as in every confirmation of the desk */
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  pm_ui_wrap_words_within (dialog);
  g_object_set_data_full (G_OBJECT (dialog), "pm-phone", g_strdup (payer->phone), g_free);
  g_signal_connect_object (dialog, "response", G_CALLBACK (remove_response_cb), self, 0);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
registered_cb (PmAutopayRegisterDialog *dialog,
               const char              *name,
               const char              *phone,
               const char              *link,
               PmAutopayView           *self)
{
  g_autofree char *text = NULL;

  read_payers (self);
  start_waiting (self, phone, link);
  text = g_strdup_printf (_("Registration link sent to %s"), name);
  toast (self, text);
}

static void
register_action_cb (GtkWidget  *widget,
                    const char *action_name,
                    GVariant   *parameter)
{
  PmAutopayView *self = PM_AUTOPAY_VIEW (widget);
  GtkWidget *dialog;

  if (self->register_dialog != NULL)
    {
      gtk_window_present (GTK_WINDOW (self->register_dialog));
      return;
    }
  dialog = pm_autopay_register_dialog_new (self->service);
  g_set_weak_pointer (&self->register_dialog, dialog);
  gtk_window_set_transient_for (GTK_WINDOW (dialog), GTK_WINDOW (gtk_widget_get_root (widget)));
  g_signal_connect_object (dialog, "registered", G_CALLBACK (registered_cb), self, 0);
  gtk_window_present (GTK_WINDOW (dialog));
}

/* ---- charge ---- */

static void
charged_cb (PmAutopayChargeDialog *dialog,
            PmBill                *bill,
            gboolean               success,
            const char            *text,
            PmAutopayView         *self)
{
  toast (self, text);
}

static void
open_charge (PmAutopayView *self,
             const char    *phone,
             const char    *method_id)
{
  GtkWidget *dialog;

  /* a double click opens one dialog; a charge in flight keeps its card */
  if (self->charge_dialog != NULL)
    {
      if (phone != NULL && method_id != NULL
          && !pm_autopay_charge_dialog_get_busy (PM_AUTOPAY_CHARGE_DIALOG (self->charge_dialog)))
        pm_autopay_charge_dialog_select (PM_AUTOPAY_CHARGE_DIALOG (self->charge_dialog), phone,
                                         method_id);
      gtk_window_present (GTK_WINDOW (self->charge_dialog));
      return;
    }
  dialog = pm_autopay_charge_dialog_new (self->service);
  g_set_weak_pointer (&self->charge_dialog, dialog);
  for (guint i = 0; i < self->payers->len; i++)
    {
      Payer *payer = g_ptr_array_index (self->payers, i);

      for (guint j = 0; payer->methods != NULL && j < payer->methods->len; j++)
        {
          const PmAutopayMethod *method = g_ptr_array_index (payer->methods, j);
          g_autofree char *card = card_label (method);

          pm_autopay_charge_dialog_add_method (PM_AUTOPAY_CHARGE_DIALOG (dialog), payer->name,
                                               payer->phone, method->method_id, card);
        }
    }
  if (phone != NULL && method_id != NULL)
    pm_autopay_charge_dialog_select (PM_AUTOPAY_CHARGE_DIALOG (dialog), phone, method_id);
  gtk_window_set_transient_for (GTK_WINDOW (dialog),
                                GTK_WINDOW (gtk_widget_get_root (GTK_WIDGET (self))));
  g_signal_connect_object (dialog, "charged", G_CALLBACK (charged_cb), self, 0);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
charge_action_cb (GtkWidget  *widget,
                  const char *action_name,
                  GVariant   *parameter)
{
  PmAutopayView *self = PM_AUTOPAY_VIEW (widget);
  const char *phone = NULL;
  const char *method_id = NULL;

  if (parameter != NULL)
    g_variant_get (parameter, "(&s&s)", &phone, &method_id);
  open_charge (self, phone, method_id);
}

/* ---- update and delete a card ---- */

typedef struct
{
  PmAutopayView *view;
  char          *name;
  char          *phone;
  char          *card;
} MethodCall;

static void
method_call_free (MethodCall *call)
{
  g_object_unref (call->view);
  g_free (call->name);
  g_free (call->phone);
  g_free (call->card);
  g_free (call);
}

static MethodCall *
method_call_new (PmAutopayView         *self,
                 Payer                 *payer,
                 const PmAutopayMethod *method)
{
  MethodCall *call = g_new0 (MethodCall, 1);

  call->view = g_object_ref (self);
  call->name = g_strdup (payer->name);
  call->phone = g_strdup (payer->phone);
  call->card = card_label (method);
  return call;
}

static void
link_response_cb (AdwMessageDialog *dialog,
                  const char       *response,
                  PmAutopayView    *self)
{
  const char *link = g_object_get_data (G_OBJECT (dialog), "pm-link");

  if (g_strcmp0 (response, "copy") == 0 && link != NULL)
    {
      gdk_clipboard_set_text (gtk_widget_get_clipboard (GTK_WIDGET (self)), link);
      toast (self, _("Link copied"));
    }
}

static void
manage_done_cb (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  MethodCall *call = user_data;
  PmAutopayView *self = call->view;
  g_autoptr(PmSendResult) reply = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *heading = NULL;
  g_autofree char *body = NULL;
  GtkWidget *dialog;

  reply = pm_service_autopay_manage_finish (PM_SERVICE (object), result, &error);
  if (is_cancelled (error) || gtk_widget_get_root (GTK_WIDGET (self)) == NULL)
    {
      method_call_free (call);
      return;
    }
  if (reply == NULL)
    {
      g_autofree char *reason = error_text (error);
      g_autofree char *text = g_strdup_printf (_("Could not send %s a link to change the card: %s"),
                                               call->name, reason);

      toast (self, text);
      method_call_free (call);
      return;
    }

  heading = g_strdup (_("Card Change Link Sent"));
  if (reply->short_url != NULL && *reply->short_url != '\0')
    body = g_strdup_printf (_("%s got a KakaoTalk message with a link to replace the card %s:\n%s"),
                            call->name, call->card, reply->short_url);
  else
    body = g_strdup_printf (_("%s got a KakaoTalk message with a link to replace the card %s."),
                            call->name, call->card);
  dialog = adw_message_dialog_new (GTK_WINDOW (gtk_widget_get_root (GTK_WIDGET (self))),
                                   heading, body);
  adw_message_dialog_set_body_use_markup (ADW_MESSAGE_DIALOG (dialog), FALSE);
  adw_message_dialog_add_response (ADW_MESSAGE_DIALOG (dialog), "close", _("_Close"));
  if (reply->short_url != NULL && *reply->short_url != '\0')
    {
      adw_message_dialog_add_response (ADW_MESSAGE_DIALOG (dialog), "copy", _("_Copy Link"));
      adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "copy");
      g_object_set_data_full (G_OBJECT (dialog), "pm-link", g_strdup (reply->short_url), g_free);
    }
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "close");
  pm_ui_wrap_words_within (dialog);
  g_signal_connect_object (dialog, "response", G_CALLBACK (link_response_cb), self, 0);
  gtk_window_present (GTK_WINDOW (dialog));

  /* the new card shows up by itself: watch this payer's cards for a while */
  {
    Payer *payer = find_payer (self, call->phone);

    if (payer != NULL)
      load_methods (payer);
  }
  method_call_free (call);
}

static void
delete_done_cb (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  MethodCall *call = user_data;
  PmAutopayView *self = call->view;
  g_autoptr(PmSendResult) reply = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;
  Payer *payer;

  reply = pm_service_autopay_delete_finish (PM_SERVICE (object), result, &error);
  if (is_cancelled (error))
    {
      method_call_free (call);
      return;
    }
  if (reply == NULL)
    {
      g_autofree char *reason = error_text (error);

      text = g_strdup_printf (_("Could not delete %s’s card %s: %s"), call->name, call->card,
                              reason);
    }
  else
    /* Translators: "Deleted 김민지’s card 신한카드 ****1234" */
    text = g_strdup_printf (_("Deleted %s’s card %s"), call->name, call->card);
  toast (self, text);

  payer = find_payer (self, call->phone);
  if (payer != NULL)
    {
      /* a deleted card is not waited for: no spinner, no polling, until a link goes out */
      if (reply != NULL)
        {
          payer->wait_above = -1;
          g_clear_pointer (&payer->link, g_free);
          g_clear_handle_id (&payer->poll_id, g_source_remove);
        }
      payer->poll_interval = POLL_FIRST_S;
      load_methods (payer);
    }
  method_call_free (call);
}

static void
delete_response_cb (AdwMessageDialog *dialog,
                    const char       *response,
                    PmAutopayView    *self)
{
  const char *phone = g_object_get_data (G_OBJECT (dialog), "pm-phone");
  const char *method_id = g_object_get_data (G_OBJECT (dialog), "pm-method-id");
  Payer *payer = find_payer (self, phone);
  const PmAutopayMethod *method;

  if (g_strcmp0 (response, "delete") != 0 || payer == NULL)
    return;
  method = find_method (payer, method_id);
  if (method == NULL)
    return;
  pm_service_autopay_delete_async (self->service, payer->phone, method->method_id,
                                   self->cancellable, delete_done_cb,
                                   method_call_new (self, payer, method));
}

static void
method_action_cb (GtkWidget  *widget,
                  const char *action_name,
                  GVariant   *parameter)
{
  PmAutopayView *self = PM_AUTOPAY_VIEW (widget);
  const char *phone = NULL;
  const char *method_id = NULL;
  const PmAutopayMethod *method;
  Payer *payer;

  g_variant_get (parameter, "(&s&s)", &phone, &method_id);
  payer = find_payer (self, phone);
  method = payer != NULL ? find_method (payer, method_id) : NULL;
  if (method == NULL)
    return;

  if (g_str_equal (action_name, "autopay.update-method"))
    pm_service_autopay_manage_async (self->service, payer->phone, method->method_id,
                                     self->cancellable, manage_done_cb,
                                     method_call_new (self, payer, method));
  else
    {
      g_autofree char *card = card_label (method);
      g_autofree char *heading = g_strdup_printf (_("Delete %s’s Card?"), payer->name);
      g_autofree char *body = NULL;
      GtkWidget *dialog;

      body = g_strdup_printf (_("The card %s is removed from AutoPay and can no longer be "
                                "charged. %s has to register a card again before the next "
                                "AutoPay charge. Charges already made stay as they are."),
                              card, payer->name);
      dialog = adw_message_dialog_new (GTK_WINDOW (gtk_widget_get_root (widget)), heading, body);
      adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog), "cancel", _("_Keep"),
                                        "delete", _("_Delete"), NULL);
      adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "delete",
                                                  ADW_RESPONSE_DESTRUCTIVE);
      /* the safe answer has the focus, as in every confirmation of the desk */
      adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
      adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
      adw_message_dialog_set_body_use_markup (ADW_MESSAGE_DIALOG (dialog), FALSE);
      pm_ui_wrap_words_within (dialog);
      g_object_set_data_full (G_OBJECT (dialog), "pm-phone", g_strdup (payer->phone), g_free);
      g_object_set_data_full (G_OBJECT (dialog), "pm-method-id", g_strdup (method->method_id),
                              g_free);
      g_signal_connect_object (dialog, "response", G_CALLBACK (delete_response_cb), self, 0);
      gtk_window_present (GTK_WINDOW (dialog));
    }
}

/* ---- small actions ---- */

static void
refresh_action_cb (GtkWidget  *widget,
                   const char *action_name,
                   GVariant   *parameter)
{
  PmAutopayView *self = PM_AUTOPAY_VIEW (widget);

  read_payers (self);
  load_all (self, FALSE);
}

static void
refresh_payer_action_cb (GtkWidget  *widget,
                         const char *action_name,
                         GVariant   *parameter)
{
  PmAutopayView *self = PM_AUTOPAY_VIEW (widget);
  Payer *payer = find_payer (self, g_variant_get_string (parameter, NULL));

  if (payer != NULL)
    {
      g_clear_handle_id (&payer->poll_id, g_source_remove);
      payer->poll_interval = POLL_FIRST_S;
      load_methods (payer);
    }
}

static void
copy_link_action_cb (GtkWidget  *widget,
                     const char *action_name,
                     GVariant   *parameter)
{
  gdk_clipboard_set_text (gtk_widget_get_clipboard (widget),
                          g_variant_get_string (parameter, NULL));
  toast (PM_AUTOPAY_VIEW (widget), _("Link copied"));
}

/* ---- life cycle ---- */

static void
pm_autopay_view_map (GtkWidget *widget)
{
  PmAutopayView *self = PM_AUTOPAY_VIEW (widget);

  /* shown at last: its widgets are styled and measured from now on (see init) */
  gtk_widget_set_visible (GTK_WIDGET (self->toast_overlay), TRUE);
  GTK_WIDGET_CLASS (pm_autopay_view_parent_class)->map (widget);
  /* visible: load what was never loaded, and resume polling */
  load_all (self, TRUE);
}

static void
pm_autopay_view_unmap (GtkWidget *widget)
{
  PmAutopayView *self = PM_AUTOPAY_VIEW (widget);

  /* not visible: no polling */
  for (guint i = 0; i < self->payers->len; i++)
    g_clear_handle_id (&((Payer *) g_ptr_array_index (self->payers, i))->poll_id, g_source_remove);
  GTK_WIDGET_CLASS (pm_autopay_view_parent_class)->unmap (widget);
}

static void
pm_autopay_view_constructed (GObject *object)
{
  PmAutopayView *self = PM_AUTOPAY_VIEW (object);

  G_OBJECT_CLASS (pm_autopay_view_parent_class)->constructed (object);

  adw_status_page_set_icon_name (self->empty_page, APP_ID "-symbolic");
  pm_ui_wrap_words_within (GTK_WIDGET (self->empty_page));
  if (self->service != NULL)
    g_signal_connect_object (self->service, "notify::profile", G_CALLBACK (profile_changed_cb),
                             self, G_CONNECT_SWAPPED);
  read_payers (self);
}

static void
pm_autopay_view_set_property (GObject      *object,
                              guint         prop_id,
                              const GValue *value,
                              GParamSpec   *pspec)
{
  PmAutopayView *self = PM_AUTOPAY_VIEW (object);

  switch (prop_id)
    {
    case PROP_SERVICE:
      g_set_object (&self->service, g_value_get_object (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
pm_autopay_view_dispose (GObject *object)
{
  PmAutopayView *self = PM_AUTOPAY_VIEW (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_weak_pointer (&self->register_dialog);
  g_clear_weak_pointer (&self->charge_dialog);
  /* the payers' groups live in payers_box: drop them before the template goes */
  g_ptr_array_set_size (self->payers, 0);
  gtk_widget_dispose_template (GTK_WIDGET (self), PM_TYPE_AUTOPAY_VIEW);
  g_clear_object (&self->service);

  G_OBJECT_CLASS (pm_autopay_view_parent_class)->dispose (object);
}

static void
pm_autopay_view_finalize (GObject *object)
{
  PmAutopayView *self = PM_AUTOPAY_VIEW (object);

  g_clear_object (&self->cancellable);
  g_ptr_array_unref (self->payers);

  G_OBJECT_CLASS (pm_autopay_view_parent_class)->finalize (object);
}

static void
pm_autopay_view_class_init (PmAutopayViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  pm_ui_ensure_resources ();

  object_class->constructed = pm_autopay_view_constructed;
  object_class->set_property = pm_autopay_view_set_property;
  object_class->dispose = pm_autopay_view_dispose;
  object_class->finalize = pm_autopay_view_finalize;
  widget_class->map = pm_autopay_view_map;
  widget_class->unmap = pm_autopay_view_unmap;

  properties[PROP_SERVICE] =
    g_param_spec_object ("service", NULL, NULL, PM_TYPE_SERVICE,
                         G_PARAM_WRITABLE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               RESOURCE_PATH "/pm-autopay-view.ui");
  gtk_widget_class_bind_template_child (widget_class, PmAutopayView, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, PmAutopayView, stack);
  gtk_widget_class_bind_template_child (widget_class, PmAutopayView, empty_page);
  gtk_widget_class_bind_template_child (widget_class, PmAutopayView, summary_label);
  gtk_widget_class_bind_template_child (widget_class, PmAutopayView, payers_box);

  gtk_widget_class_install_action (widget_class, "autopay.register", NULL, register_action_cb);
  gtk_widget_class_install_action (widget_class, "autopay.charge", NULL, charge_action_cb);
  gtk_widget_class_install_action (widget_class, "autopay.charge-method", "(ss)", charge_action_cb);
  gtk_widget_class_install_action (widget_class, "autopay.update-method", "(ss)", method_action_cb);
  gtk_widget_class_install_action (widget_class, "autopay.delete-method", "(ss)", method_action_cb);
  gtk_widget_class_install_action (widget_class, "autopay.refresh", NULL, refresh_action_cb);
  gtk_widget_class_install_action (widget_class, "autopay.refresh-payer", "s",
                                   refresh_payer_action_cb);
  gtk_widget_class_install_action (widget_class, "autopay.copy-link", "s", copy_link_action_cb);
  gtk_widget_class_install_action (widget_class, "autopay.send-link", "s", send_link_action_cb);
  gtk_widget_class_install_action (widget_class, "autopay.remove-payer", "s",
                                   remove_payer_action_cb);

  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_r, GDK_CONTROL_MASK,
                                       "autopay.refresh", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_F5, 0, "autopay.refresh", NULL);
}

static void
pm_autopay_view_init (PmAutopayView *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  /* Hidden until the page is first shown (map): the window builds every page at start-up,
   * and a page of an AdwViewStack is measured even while another one is shown, so the
   * start-up's first frame would style and measure this one for nothing. */
  gtk_widget_set_visible (GTK_WIDGET (self->toast_overlay), FALSE);

  self->cancellable = g_cancellable_new ();
  self->payers = g_ptr_array_new_with_free_func ((GDestroyNotify) payer_free);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "autopay.charge", FALSE);
}

GtkWidget *
pm_autopay_view_new (PmService *service)
{
  g_return_val_if_fail (service == NULL || PM_IS_SERVICE (service), NULL);

  return g_object_new (PM_TYPE_AUTOPAY_VIEW, "service", service, NULL);
}
