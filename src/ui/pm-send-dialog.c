/* pm-send-dialog.c — the New Request form
 *
 * Copyright 2026 The Paymint Desk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * One payment request: every field is checked as it is typed, with the message next to
 * the field; the send is confirmed with a summary, guarded against duplicates, and runs
 * at most once per draft. The form moves through stages:
 *
 *   editing → confirming (duplicate question, then the summary) → sending → done
 *
 * and "send.send" does something only while editing, so a double click or a second
 * Ctrl+Enter never sends twice. A send whose outcome is not known (maybe done) never
 * returns to editing: the bill stays in the list as "Checking" and the engine settles it.
 */

#include "config.h"

#include <glib/gi18n.h>

#include "pm-send-dialog.h"
#include "pm-application.h"
#include "pm-error.h"
#include "pm-ledger.h"
#include "pm-money.h"
#include "pm-phone.h"
#include "pm-ui.h"
#include "pm-window.h"

#define N_SUGGESTIONS       6
#define DUPLICATE_DAYS      7
#define DUPLICATE_RECENT_S  (10 * 60)
#define DEFAULT_EXPIRY_DAYS 7

#define PLACEHOLDER_NAME   "{이름}"
#define PLACEHOLDER_AMOUNT "{금액}"
#define PLACEHOLDER_MONTH  "{월}"

typedef enum
{
  STAGE_EDITING,
  STAGE_CONFIRMING,
  STAGE_SENDING,
  STAGE_DONE,
} Stage;

typedef enum
{
  FIELD_NAME,
  FIELD_PHONE,
  FIELD_AMOUNT,
  FIELD_PRODUCT,
  FIELD_MESSAGE,
  FIELD_EXPIRY,
  N_FIELDS
} Field;

struct _PmSendDialog
{
  AdwWindow       parent_instance;

  PmService      *service;
  GSettings      *settings;
  GCancellable   *cancellable;
  Stage           stage;
  gboolean        close_when_done;
  gboolean        filling;           /* the form itself is changing a text */
  gboolean        touched[N_FIELDS]; /* "empty" and "too short" are shown only then */
  char           *expire_date;       /* "YYYY-MM-DD" */
  char           *template_text;     /* the template last applied, unrendered */
  char           *template_output;   /* what it gave, to follow name and amount */
  PmBill         *draft;             /* while confirming and sending */

  GtkWidget      *name_popover;
  GtkListBox     *name_list;
  GtkWidget      *phone_popover;
  GtkListBox     *phone_list;

  GtkWidget      *send_button;
  GtkSpinner     *send_spinner;
  GtkRevealer    *banner_revealer;
  GtkLabel       *banner_title;
  GtkLabel       *banner_label;
  GtkWidget      *form_box;
  GtkEntry       *name_entry;
  GtkLabel       *name_error;
  GtkEntry       *phone_entry;
  GtkLabel       *phone_error;
  GtkEntry       *amount_entry;
  GtkLabel       *amount_words;
  GtkLabel       *amount_error;
  GtkEntry       *product_entry;
  GtkLabel       *product_error;
  GtkMenuButton  *template_button;
  GtkTextView    *message_view;
  GtkLabel       *message_error;
  GtkMenuButton  *expiry_button;
  GtkCalendar    *expiry_calendar;
  GtkLabel       *expiry_hint;
  GtkLabel       *expiry_error;
  GtkEntry       *note_entry;
};

G_DEFINE_FINAL_TYPE (PmSendDialog, pm_send_dialog, ADW_TYPE_WINDOW)

enum
{
  SENT,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

/* ---- small helpers ---- */

static char *
entry_text (GtkEntry *entry)
{
  return g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (entry))));
}

static char *
message_text (PmSendDialog *self)
{
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (self->message_view);
  GtkTextIter start, end;
  char *text;

  gtk_text_buffer_get_bounds (buffer, &start, &end);
  text = gtk_text_buffer_get_text (buffer, &start, &end, FALSE);
  return g_strstrip (text);
}

static void
set_text (PmSendDialog *self,
          GtkEntry     *entry,
          const char   *text)
{
  self->filling = TRUE;
  gtk_editable_set_text (GTK_EDITABLE (entry), text);
  gtk_editable_set_position (GTK_EDITABLE (entry), -1);
  self->filling = FALSE;
}

static gboolean
is_blank (const char *text)
{
  for (const char *p = text; p != NULL && *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (!g_unichar_isspace (c) && c != 0x3000)
        return FALSE;
    }
  return TRUE;
}

/* Shows @message under a field (NULL hides it); @input gets the "error" class while
 * there is an error. A warning is shown without blocking and without the class. */
static void
show_message (GtkWidget  *input,
              GtkLabel   *label,
              const char *message,
              gboolean    warning)
{
  gboolean has = message != NULL && *message != '\0';

  gtk_label_set_label (label, has ? message : "");
  gtk_widget_set_visible (GTK_WIDGET (label), has);
  if (has && warning)
    {
      gtk_widget_remove_css_class (GTK_WIDGET (label), "error");
      gtk_widget_add_css_class (GTK_WIDGET (label), "warning");
    }
  else
    {
      gtk_widget_remove_css_class (GTK_WIDGET (label), "warning");
      gtk_widget_add_css_class (GTK_WIDGET (label), "error");
    }
  if (has && !warning)
    gtk_widget_add_css_class (input, "error");
  else
    gtk_widget_remove_css_class (input, "error");
}

static GtkWidget *
field_input (PmSendDialog *self,
             Field         field)
{
  switch (field)
    {
    case FIELD_NAME:
      return GTK_WIDGET (self->name_entry);
    case FIELD_PHONE:
      return GTK_WIDGET (self->phone_entry);
    case FIELD_AMOUNT:
      return GTK_WIDGET (self->amount_entry);
    case FIELD_PRODUCT:
      return GTK_WIDGET (self->product_entry);
    case FIELD_MESSAGE:
      return GTK_WIDGET (self->message_view);
    case FIELD_EXPIRY:
      return GTK_WIDGET (self->expiry_button);
    case N_FIELDS:
    default:
      g_return_val_if_reached (NULL);
    }
}

static GtkLabel *
field_label (PmSendDialog *self,
             Field         field)
{
  switch (field)
    {
    case FIELD_NAME:
      return self->name_error;
    case FIELD_PHONE:
      return self->phone_error;
    case FIELD_AMOUNT:
      return self->amount_error;
    case FIELD_PRODUCT:
      return self->product_error;
    case FIELD_MESSAGE:
      return self->message_error;
    case FIELD_EXPIRY:
      return self->expiry_error;
    case N_FIELDS:
    default:
      g_return_val_if_reached (NULL);
    }
}

static gboolean
field_from_wire_name (const char *name,
                      Field      *field)
{
  static const struct
  {
    const char *name;
    Field       field;
  } map[] = {
    { PM_BILL_FIELD_MEMBER_NM, FIELD_NAME },
    { PM_BILL_FIELD_PHONE, FIELD_PHONE },
    { PM_BILL_FIELD_PRICE, FIELD_AMOUNT },
    { PM_BILL_FIELD_PRODUCT_NM, FIELD_PRODUCT },
    { PM_BILL_FIELD_MESSAGE, FIELD_MESSAGE },
    { PM_BILL_FIELD_EXPIRE_DT, FIELD_EXPIRY },
  };

  for (guint i = 0; i < G_N_ELEMENTS (map); i++)
    if (g_strcmp0 (name, map[i].name) == 0)
      {
        *field = map[i].field;
        return TRUE;
      }
  return FALSE;
}

static void
show_field_error (PmSendDialog *self,
                  Field         field,
                  const char   *message)
{
  show_message (field_input (self, field), field_label (self, field), message, FALSE);
}

static void
hide_banner (PmSendDialog *self)
{
  gtk_revealer_set_reveal_child (self->banner_revealer, FALSE);
}

static void
show_banner (PmSendDialog *self,
             const char   *title,
             const char   *text)
{
  gtk_label_set_label (self->banner_title, title);
  gtk_label_set_label (self->banner_label, text);
  gtk_revealer_set_reveal_child (self->banner_revealer, TRUE);
}

/* ---- checks, one per field ---- */

static gboolean
check_name (PmSendDialog *self)
{
  g_autofree char *text = entry_text (self->name_entry);
  g_autoptr(GError) error = NULL;

  if (is_blank (text) && !self->touched[FIELD_NAME])
    {
      show_field_error (self, FIELD_NAME, NULL);
      return FALSE;
    }
  pm_bill_check_member_nm (text, &error);
  show_field_error (self, FIELD_NAME, error != NULL ? error->message : NULL);
  return error == NULL;
}

static gboolean
check_phone (PmSendDialog *self,
             char        **digits_out)
{
  g_autofree char *text = entry_text (self->phone_entry);
  g_autofree char *digits = NULL;
  PmPhoneCheck check = pm_phone_check (text, &digits);
  gboolean pending = check == PM_PHONE_EMPTY || check == PM_PHONE_TOO_SHORT;

  if (pending && !self->touched[FIELD_PHONE])
    {
      show_message (GTK_WIDGET (self->phone_entry), self->phone_error, NULL, FALSE);
      return FALSE;
    }
  show_message (GTK_WIDGET (self->phone_entry), self->phone_error,
                pm_phone_check_message (check), check == PM_PHONE_LEGACY);
  if (check != PM_PHONE_VALID && check != PM_PHONE_LEGACY)
    return FALSE;
  if (digits_out != NULL)
    *digits_out = g_steal_pointer (&digits);
  return TRUE;
}

static gboolean
check_amount (PmSendDialog *self,
              gint64       *won_out)
{
  g_autofree char *text = entry_text (self->amount_entry);
  g_autoptr(GError) error = NULL;
  g_autofree char *words = NULL;
  gint64 won = 0;

  if (is_blank (text) && !self->touched[FIELD_AMOUNT])
    {
      gtk_widget_set_visible (GTK_WIDGET (self->amount_words), FALSE);
      show_field_error (self, FIELD_AMOUNT, NULL);
      return FALSE;
    }
  if (pm_money_parse (text, &won, &error))
    pm_bill_check_price (won, &error);
  show_field_error (self, FIELD_AMOUNT, error != NULL ? error->message : NULL);
  if (error != NULL)
    {
      gtk_widget_set_visible (GTK_WIDGET (self->amount_words), FALSE);
      return FALSE;
    }
  words = pm_money_format_korean (won);
  gtk_label_set_label (self->amount_words, words);
  gtk_widget_set_visible (GTK_WIDGET (self->amount_words), TRUE);
  if (won_out != NULL)
    *won_out = won;
  return TRUE;
}

static gboolean
check_product (PmSendDialog *self)
{
  g_autofree char *text = entry_text (self->product_entry);
  g_autoptr(GError) error = NULL;

  if (is_blank (text) && !self->touched[FIELD_PRODUCT])
    {
      show_field_error (self, FIELD_PRODUCT, NULL);
      return FALSE;
    }
  pm_bill_check_product_nm (text, &error);
  show_field_error (self, FIELD_PRODUCT, error != NULL ? error->message : NULL);
  return error == NULL;
}

static gboolean
check_message (PmSendDialog *self)
{
  g_autofree char *text = message_text (self);
  g_autoptr(GError) error = NULL;
  const char *placeholders[] = { PLACEHOLDER_NAME, PLACEHOLDER_AMOUNT, PLACEHOLDER_MONTH };

  if (is_blank (text) && !self->touched[FIELD_MESSAGE])
    {
      show_field_error (self, FIELD_MESSAGE, NULL);
      return FALSE;
    }
  if (pm_bill_check_message (text, &error))
    {
      for (guint i = 0; i < G_N_ELEMENTS (placeholders); i++)
        if (strstr (text, placeholders[i]) != NULL)
          {
            g_autofree char *message = NULL;

            if (g_str_equal (placeholders[i], PLACEHOLDER_NAME))
              message = g_strdup_printf (_("The message still holds %s: enter the payer’s "
                                           "name above, or edit the message."),
                                         placeholders[i]);
            else if (g_str_equal (placeholders[i], PLACEHOLDER_AMOUNT))
              message = g_strdup_printf (_("The message still holds %s: enter the amount "
                                           "above, or edit the message."),
                                         placeholders[i]);
            else
              message = g_strdup_printf (_("The message still holds %s: edit the message."),
                                         placeholders[i]);
            show_field_error (self, FIELD_MESSAGE, message);
            return FALSE;
          }
    }
  show_field_error (self, FIELD_MESSAGE, error != NULL ? error->message : NULL);
  return error == NULL;
}

static gboolean
check_expiry (PmSendDialog *self)
{
  g_autoptr(GError) error = NULL;

  pm_bill_check_expire_date (self->expire_date, pm_ui_now (), &error);
  show_field_error (self, FIELD_EXPIRY, error != NULL ? error->message : NULL);
  return error == NULL;
}

/* ---- the expiry date ---- */

static void
update_expiry (PmSendDialog *self)
{
  g_autoptr(GDateTime) date = gtk_calendar_get_date (self->expiry_calendar);
  g_autofree char *today = pm_bill_korea_date (pm_ui_now ());
  g_autofree char *hint = NULL;
  int y, m, d;

  g_free (self->expire_date);
  self->expire_date = g_date_time_format (date, "%Y-%m-%d");
  gtk_menu_button_set_label (self->expiry_button, self->expire_date);

  if (today != NULL && sscanf (today, "%d-%d-%d", &y, &m, &d) == 3)
    {
      GDate a, b;
      int days;

      g_date_clear (&a, 1);
      g_date_clear (&b, 1);
      g_date_set_dmy (&a, (GDateDay) d, (GDateMonth) m, (GDateYear) y);
      g_date_set_dmy (&b, (GDateDay) g_date_time_get_day_of_month (date),
                      (GDateMonth) g_date_time_get_month (date),
                      (GDateYear) g_date_time_get_year (date));
      days = g_date_days_between (&a, &b);
      if (days == 0)
        hint = g_strdup (_("The payer can pay until the end of today (Korea time)."));
      else if (days > 0)
        hint = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                             "The payer can pay for %d more day after today.",
                                             "The payer can pay for %d more days after today.",
                                             days),
                                days);
    }
  gtk_label_set_label (self->expiry_hint, hint != NULL ? hint : "");
  gtk_widget_set_visible (GTK_WIDGET (self->expiry_hint), hint != NULL);
  check_expiry (self);
}

static void
expiry_day_selected_cb (GtkCalendar  *calendar,
                        PmSendDialog *self)
{
  update_expiry (self);
}

static void
set_default_expiry (PmSendDialog *self)
{
  g_autofree char *date = pm_bill_korea_date (pm_ui_now () + DEFAULT_EXPIRY_DAYS * 86400);
  g_autoptr(GDateTime) dt = NULL;
  int y, m, d;

  if (date != NULL && sscanf (date, "%d-%d-%d", &y, &m, &d) == 3)
    dt = g_date_time_new_local (y, m, d, 12, 0, 0);
  if (dt != NULL)
    gtk_calendar_select_day (self->expiry_calendar, dt);
  update_expiry (self);
}

/* ---- message templates ---- */

static char *
render_template (PmSendDialog *self,
                 const char   *text)
{
  g_autoptr(GString) out = g_string_new (text);
  g_autofree char *name = entry_text (self->name_entry);
  g_autofree char *amount_text = entry_text (self->amount_entry);
  g_autofree char *today = pm_bill_korea_date (pm_ui_now ());
  gint64 won = 0;

  if (!is_blank (name))
    g_string_replace (out, PLACEHOLDER_NAME, name, 0);
  if (pm_money_parse (amount_text, &won, NULL))
    {
      g_autofree char *digits = pm_money_format_digits (won);
      /* the message to the payer is Korean whatever the desk's language */
      g_autofree char *amount = g_strconcat (digits, "원", NULL);

      g_string_replace (out, PLACEHOLDER_AMOUNT, amount, 0);
    }
  if (today != NULL && strlen (today) == 10)
    {
      g_autofree char *month = g_strdup_printf ("%d", atoi (today + 5));

      g_string_replace (out, PLACEHOLDER_MONTH, month, 0);
    }
  return g_string_free (g_steal_pointer (&out), FALSE);
}

static void
set_message (PmSendDialog *self,
             const char   *text)
{
  self->filling = TRUE;
  gtk_text_buffer_set_text (gtk_text_view_get_buffer (self->message_view), text, -1);
  self->filling = FALSE;
  check_message (self);
}

static void
apply_template (PmSendDialog *self,
                int           index)
{
  g_autoptr(GVariant) templates = g_settings_get_value (self->settings, "message-templates");
  const char *text = NULL;

  if (index < 0 || (gsize) index >= g_variant_n_children (templates))
    return;
  g_variant_get_child (templates, (gsize) index, "(&s&s)", NULL, &text);
  g_free (self->template_text);
  self->template_text = g_strdup (text);
  g_free (self->template_output);
  self->template_output = render_template (self, text);
  self->touched[FIELD_MESSAGE] = TRUE;
  set_message (self, self->template_output);
}

/* The message follows the name and amount while it is what a template made. */
static void
follow_template (PmSendDialog *self)
{
  g_autofree char *current = NULL;
  g_autofree char *made = NULL;
  g_autofree char *output = NULL;

  if (self->template_text == NULL)
    return;
  current = message_text (self);
  made = g_strstrip (g_strdup (self->template_output));
  if (g_strcmp0 (current, made) != 0)
    {
      g_clear_pointer (&self->template_text, g_free);
      g_clear_pointer (&self->template_output, g_free);
      return;
    }
  output = render_template (self, self->template_text);
  if (g_strcmp0 (output, self->template_output) == 0)
    return;
  g_free (self->template_output);
  self->template_output = g_steal_pointer (&output);
  set_message (self, self->template_output);
}

static void
apply_template_cb (GtkWidget  *widget,
                   const char *action_name,
                   GVariant   *parameter)
{
  apply_template (PM_SEND_DIALOG (widget), g_variant_get_int32 (parameter));
}

static void
rebuild_template_menu (PmSendDialog *self)
{
  g_autoptr(GVariant) templates = g_settings_get_value (self->settings, "message-templates");
  g_autoptr(GMenu) menu = g_menu_new ();
  gsize n = g_variant_n_children (templates);

  for (gsize i = 0; i < n; i++)
    {
      const char *name = NULL;
      g_auto(GStrv) parts = NULL;
      g_autofree char *label = NULL;
      g_autoptr(GMenuItem) item = NULL;

      g_variant_get_child (templates, i, "(&s&s)", &name, NULL);
      /* a menu reads "_" as a mnemonic: show the name as written */
      parts = g_strsplit (name, "_", -1);
      label = g_strjoinv ("__", parts);
      item = g_menu_item_new (label, NULL);
      g_menu_item_set_action_and_target_value (item, "send.apply-template",
                                               g_variant_new_int32 ((gint32) i));
      g_menu_append_item (menu, item);
    }
  gtk_menu_button_set_menu_model (self->template_button, G_MENU_MODEL (menu));
  gtk_widget_set_sensitive (GTK_WIDGET (self->template_button), n > 0);
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->template_button),
                               n > 0 ? _("Fill the Message From a Template")
                                     : _("No Templates Yet — Add Them in Preferences"));
}

static void
templates_changed_cb (GSettings    *settings,
                      const char   *key,
                      PmSendDialog *self)
{
  rebuild_template_menu (self);
}

/* ---- recent payers ---- */

static GtkWidget *
payer_row_new (const PmLedgerPayer *payer)
{
  g_autofree char *phone = pm_phone_format_display (payer->phone);
  GtkWidget *row = gtk_list_box_row_new ();
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 12);
  GtkWidget *name = gtk_label_new (payer->name);
  GtkWidget *number = gtk_label_new (phone);

  gtk_widget_set_hexpand (name, TRUE);
  gtk_label_set_xalign (GTK_LABEL (name), 0);
  gtk_label_set_ellipsize (GTK_LABEL (name), PANGO_ELLIPSIZE_END);
  gtk_widget_add_css_class (number, "dim-label");
  gtk_widget_add_css_class (number, "amount");
  gtk_widget_set_margin_start (box, 6);
  gtk_widget_set_margin_end (box, 6);
  gtk_widget_set_margin_top (box, 4);
  gtk_widget_set_margin_bottom (box, 4);
  gtk_box_append (GTK_BOX (box), name);
  gtk_box_append (GTK_BOX (box), number);
  gtk_list_box_row_set_child (GTK_LIST_BOX_ROW (row), box);
  /* the entry keeps the keyboard while the list is open */
  gtk_widget_set_focusable (row, FALSE);
  g_object_set_data_full (G_OBJECT (row), "pm-name", g_strdup (payer->name), g_free);
  g_object_set_data_full (G_OBJECT (row), "pm-phone", g_strdup (payer->phone), g_free);
  return row;
}

static void
hide_suggestions (PmSendDialog *self)
{
  gtk_popover_popdown (GTK_POPOVER (self->name_popover));
  gtk_popover_popdown (GTK_POPOVER (self->phone_popover));
}

static void
suggest_payers (PmSendDialog *self,
                GtkEntry     *entry,
                GtkWidget    *popover,
                GtkListBox   *list)
{
  g_autofree char *prefix = entry_text (entry);
  g_autofree char *name = entry_text (self->name_entry);
  g_autofree char *phone_text = entry_text (self->phone_entry);
  g_autofree char *phone = NULL;
  g_autoptr(GPtrArray) payers = NULL;
  g_autoptr(GError) error = NULL;
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (list))) != NULL)
    gtk_list_box_remove (list, child);

  if (self->service == NULL || is_blank (prefix))
    {
      gtk_popover_popdown (GTK_POPOVER (popover));
      return;
    }
  payers = pm_service_recent_payers (self->service, prefix, N_SUGGESTIONS, &error);
  if (payers == NULL)
    {
      g_debug ("Could not look up recent payers: %s", error->message);
      gtk_popover_popdown (GTK_POPOVER (popover));
      return;
    }
  pm_phone_check (phone_text, &phone);
  for (guint i = 0; i < payers->len; i++)
    {
      const PmLedgerPayer *payer = g_ptr_array_index (payers, i);

      /* what is already filled in needs no suggestion */
      if (g_strcmp0 (payer->name, name) == 0 && g_strcmp0 (payer->phone, phone) == 0)
        continue;
      gtk_list_box_append (list, payer_row_new (payer));
    }
  if (gtk_widget_get_first_child (GTK_WIDGET (list)) == NULL)
    {
      gtk_popover_popdown (GTK_POPOVER (popover));
      return;
    }
  gtk_list_box_unselect_all (list);
  gtk_popover_popup (GTK_POPOVER (popover));
}

static void
pick_payer (PmSendDialog  *self,
            GtkListBoxRow *row)
{
  const char *name = g_object_get_data (G_OBJECT (row), "pm-name");
  const char *phone = g_object_get_data (G_OBJECT (row), "pm-phone");
  g_autofree char *display = pm_phone_format_display (phone);

  hide_suggestions (self);
  set_text (self, self->name_entry, name);
  set_text (self, self->phone_entry, display);
  self->touched[FIELD_NAME] = TRUE;
  self->touched[FIELD_PHONE] = TRUE;
  check_name (self);
  check_phone (self, NULL);
  follow_template (self);
  gtk_widget_grab_focus (GTK_WIDGET (self->amount_entry));
}

static void
payer_row_activated_cb (GtkListBox    *list,
                        GtkListBoxRow *row,
                        PmSendDialog  *self)
{
  pick_payer (self, row);
}

/* Up and Down move through the open list, Enter picks, Escape closes it. */
static gboolean
suggestion_key_cb (GtkEventControllerKey *controller,
                   guint                  keyval,
                   guint                  keycode,
                   GdkModifierType        state,
                   PmSendDialog          *self)
{
  GtkWidget *entry = gtk_event_controller_get_widget (GTK_EVENT_CONTROLLER (controller));
  gboolean is_name = entry == GTK_WIDGET (self->name_entry);
  GtkWidget *popover = is_name ? self->name_popover : self->phone_popover;
  GtkListBox *list = is_name ? self->name_list : self->phone_list;
  GtkListBoxRow *selected;
  int index;

  if (!gtk_widget_get_visible (popover))
    return FALSE;
  selected = gtk_list_box_get_selected_row (list);
  index = selected != NULL ? gtk_list_box_row_get_index (selected) : -1;
  switch (keyval)
    {
    case GDK_KEY_Down:
    case GDK_KEY_KP_Down:
      {
        GtkListBoxRow *next = gtk_list_box_get_row_at_index (list, index + 1);

        if (next != NULL)
          gtk_list_box_select_row (list, next);
        return TRUE;
      }
    case GDK_KEY_Up:
    case GDK_KEY_KP_Up:
      if (index > 0)
        gtk_list_box_select_row (list, gtk_list_box_get_row_at_index (list, index - 1));
      else
        gtk_list_box_unselect_all (list);
      return TRUE;
    case GDK_KEY_Return:
    case GDK_KEY_KP_Enter:
    case GDK_KEY_ISO_Enter:
      if (selected == NULL || (state & GDK_CONTROL_MASK) != 0)
        return FALSE;
      pick_payer (self, selected);
      return TRUE;
    case GDK_KEY_Escape:
      gtk_popover_popdown (GTK_POPOVER (popover));
      return TRUE;
    default:
      return FALSE;
    }
}

static GtkWidget *
suggestion_popover_new (PmSendDialog  *self,
                        GtkEntry      *entry,
                        GtkListBox   **list_out)
{
  GtkWidget *popover = gtk_popover_new ();
  GtkWidget *list = gtk_list_box_new ();
  GtkEventController *keys = gtk_event_controller_key_new ();

  gtk_popover_set_autohide (GTK_POPOVER (popover), FALSE);
  gtk_popover_set_has_arrow (GTK_POPOVER (popover), FALSE);
  gtk_popover_set_position (GTK_POPOVER (popover), GTK_POS_BOTTOM);
  gtk_widget_set_halign (popover, GTK_ALIGN_START);
  gtk_list_box_set_selection_mode (GTK_LIST_BOX (list), GTK_SELECTION_SINGLE);
  gtk_list_box_set_activate_on_single_click (GTK_LIST_BOX (list), TRUE);
  gtk_widget_set_focusable (list, FALSE);
  gtk_widget_set_size_request (list, 280, -1);
  gtk_widget_add_css_class (list, "navigation-sidebar");
  gtk_popover_set_child (GTK_POPOVER (popover), list);
  gtk_widget_set_parent (popover, GTK_WIDGET (entry));
  g_signal_connect_object (list, "row-activated", G_CALLBACK (payer_row_activated_cb), self, 0);

  gtk_event_controller_set_propagation_phase (keys, GTK_PHASE_CAPTURE);
  g_signal_connect_object (keys, "key-pressed", G_CALLBACK (suggestion_key_cb), self, 0);
  gtk_widget_add_controller (GTK_WIDGET (entry), keys);

  *list_out = GTK_LIST_BOX (list);
  return popover;
}

/* ---- editing ---- */

static void
name_changed_cb (GtkEditable  *editable,
                 PmSendDialog *self)
{
  check_name (self);
  follow_template (self);
  if (!self->filling)
    suggest_payers (self, self->name_entry, self->name_popover, self->name_list);
}

static void
phone_changed_cb (GtkEditable  *editable,
                  PmSendDialog *self)
{
  check_phone (self, NULL);
  if (!self->filling)
    suggest_payers (self, self->phone_entry, self->phone_popover, self->phone_list);
}

static void
amount_changed_cb (GtkEditable  *editable,
                   PmSendDialog *self)
{
  check_amount (self, NULL);
  follow_template (self);
}

static void
product_changed_cb (GtkEditable  *editable,
                    PmSendDialog *self)
{
  check_product (self);
}

static void
message_changed_cb (GtkTextBuffer *buffer,
                    PmSendDialog  *self)
{
  if (self->filling)
    return;
  self->touched[FIELD_MESSAGE] = TRUE;
  check_message (self);
}

/* Leaving a field: it counts as touched, and a good phone number or amount is shown
 * in its usual form (010-1234-5678, ₩120,000). */
static void
focus_leave_cb (GtkEventControllerFocus *controller,
                PmSendDialog            *self)
{
  GtkWidget *widget = gtk_event_controller_get_widget (GTK_EVENT_CONTROLLER (controller));
  g_autofree char *digits = NULL;
  gint64 won = 0;

  if (widget == GTK_WIDGET (self->name_entry))
    {
      g_autofree char *text = entry_text (self->name_entry);

      self->touched[FIELD_NAME] = self->touched[FIELD_NAME] || !is_blank (text);
      check_name (self);
      gtk_popover_popdown (GTK_POPOVER (self->name_popover));
    }
  else if (widget == GTK_WIDGET (self->phone_entry))
    {
      g_autofree char *text = entry_text (self->phone_entry);

      self->touched[FIELD_PHONE] = self->touched[FIELD_PHONE] || !is_blank (text);
      gtk_popover_popdown (GTK_POPOVER (self->phone_popover));
      if (check_phone (self, &digits))
        {
          g_autofree char *display = pm_phone_format_display (digits);

          if (g_strcmp0 (display, gtk_editable_get_text (GTK_EDITABLE (self->phone_entry))) != 0)
            set_text (self, self->phone_entry, display);
        }
    }
  else if (widget == GTK_WIDGET (self->amount_entry))
    {
      g_autofree char *text = entry_text (self->amount_entry);

      self->touched[FIELD_AMOUNT] = self->touched[FIELD_AMOUNT] || !is_blank (text);
      if (check_amount (self, &won))
        {
          g_autofree char *display = pm_money_format (won);

          if (g_strcmp0 (display, gtk_editable_get_text (GTK_EDITABLE (self->amount_entry))) != 0)
            {
              set_text (self, self->amount_entry, display);
              check_amount (self, NULL);
            }
        }
    }
  else if (widget == GTK_WIDGET (self->product_entry))
    {
      g_autofree char *text = entry_text (self->product_entry);

      self->touched[FIELD_PRODUCT] = self->touched[FIELD_PRODUCT] || !is_blank (text);
      check_product (self);
    }
}

static void
watch_focus (PmSendDialog *self,
             GtkWidget    *widget)
{
  GtkEventController *focus = gtk_event_controller_focus_new ();

  g_signal_connect_object (focus, "leave", G_CALLBACK (focus_leave_cb), self, 0);
  gtk_widget_add_controller (widget, focus);
}

/* ---- stages ---- */

static void
set_stage (PmSendDialog *self,
           Stage         stage)
{
  self->stage = stage;
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "send.send", stage == STAGE_EDITING);
  gtk_widget_set_visible (GTK_WIDGET (self->send_spinner), stage == STAGE_SENDING);
  gtk_spinner_set_spinning (self->send_spinner, stage == STAGE_SENDING);
  gtk_widget_set_sensitive (self->form_box, stage == STAGE_EDITING
                                              || stage == STAGE_CONFIRMING);
  if (stage != STAGE_CONFIRMING && stage != STAGE_SENDING)
    g_clear_object (&self->draft);
}

/* Every field checked at once, as the server would; the first bad one gets the focus.
 * Returns the draft, or NULL. */
static PmBill *
build_draft (PmSendDialog *self)
{
  g_autoptr(PmBill) draft = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *name = NULL;
  g_autofree char *digits = NULL;
  g_autofree char *product = NULL;
  g_autofree char *message = NULL;
  g_autofree char *note = NULL;
  g_autofree char *bill_id = NULL;
  gboolean ok[N_FIELDS];
  gint64 won = 0;
  Field field;

  for (guint i = 0; i < N_FIELDS; i++)
    self->touched[i] = TRUE;
  ok[FIELD_NAME] = check_name (self);
  ok[FIELD_PHONE] = check_phone (self, &digits);
  ok[FIELD_AMOUNT] = check_amount (self, &won);
  ok[FIELD_PRODUCT] = check_product (self);
  ok[FIELD_MESSAGE] = check_message (self);
  ok[FIELD_EXPIRY] = check_expiry (self);
  for (guint i = 0; i < N_FIELDS; i++)
    if (!ok[i])
      {
        gtk_widget_grab_focus (field_input (self, (Field) i));
        return NULL;
      }

  name = entry_text (self->name_entry);
  product = entry_text (self->product_entry);
  message = message_text (self);
  note = entry_text (self->note_entry);
  /* The id is fixed here, so the "Checking" bill can be found if the outcome is not
   * known; a new draft (after a definite refusal) gets a new one. */
  bill_id = pm_bill_generate_id ();

  draft = pm_bill_new ();
  pm_bill_set_bill_id (draft, bill_id);
  pm_bill_set_kind (draft, PM_BILL_KIND_REQUEST);
  pm_bill_set_payer_name (draft, name);
  pm_bill_set_phone (draft, digits);
  pm_bill_set_product (draft, product);
  pm_bill_set_message (draft, message);
  pm_bill_set_price (draft, won);
  pm_bill_set_expire_date (draft, self->expire_date);
  pm_bill_set_note (draft, is_blank (note) ? NULL : note);

  if (!pm_bill_validate (draft, &error))
    {
      if (field_from_wire_name (pm_error_get_field (error), &field))
        {
          show_field_error (self, field, error->message);
          gtk_widget_grab_focus (field_input (self, field));
        }
      else
        show_banner (self, _("The request was not sent"), error->message);
      return NULL;
    }
  return g_steal_pointer (&draft);
}

/* An earlier bill the payer may not want a second of: an open bill with the same phone
 * and amount in the last week, or any bill to the same phone in the last ten minutes. */
static PmBill *
find_duplicate (PmSendDialog *self,
                PmBill       *draft,
                gboolean     *same_amount)
{
  g_autoptr(PmLedgerQuery) query = pm_ledger_query_new ();
  g_autoptr(GPtrArray) bills = NULL;
  g_autoptr(GError) error = NULL;
  gint64 now = pm_ui_now ();

  pm_service_scope_query (self->service, query);
  pm_ledger_query_set_text (query, pm_bill_get_phone (draft));
  query->created_from = now - DUPLICATE_DAYS * 86400;
  query->sort = PM_LEDGER_SORT_CREATED_AT;
  query->descending = TRUE;
  bills = pm_ledger_fetch (pm_service_get_ledger (self->service), query, 0, 200, &error);
  if (bills == NULL)
    {
      g_debug ("Could not look for earlier bills: %s", error->message);
      return NULL;
    }

  for (guint i = 0; i < bills->len; i++)
    {
      PmBill *bill = g_ptr_array_index (bills, i);

      if (g_strcmp0 (pm_bill_get_phone (bill), pm_bill_get_phone (draft)) != 0
          || pm_bill_get_price (bill) != pm_bill_get_price (draft))
        continue;
      switch (pm_bill_get_state (bill))
        {
        case PM_BILL_STATE_QUEUED:
        case PM_BILL_STATE_SENDING:
        case PM_BILL_STATE_UNKNOWN:
        case PM_BILL_STATE_UNPAID:
          *same_amount = TRUE;
          return g_object_ref (bill);
        case PM_BILL_STATE_FAILED:
        case PM_BILL_STATE_PAID:
        case PM_BILL_STATE_CANCELLED:
        case PM_BILL_STATE_DESTROYED:
        default:
          break;
        }
    }
  for (guint i = 0; i < bills->len; i++)
    {
      PmBill *bill = g_ptr_array_index (bills, i);

      /* a refused request never reached the payer */
      if (g_strcmp0 (pm_bill_get_phone (bill), pm_bill_get_phone (draft)) == 0
          && pm_bill_get_state (bill) != PM_BILL_STATE_FAILED
          && pm_bill_get_created_at (bill) >= now - DUPLICATE_RECENT_S)
        {
          *same_amount = FALSE;
          return g_object_ref (bill);
        }
    }
  return NULL;
}

static void send_draft (PmSendDialog *self);

/* Shows a question over the form. The text field with the focus gives it up first: GTK
 * 4.8 does not tell a text field of an inactive window that it lost the focus, and its
 * cursor would keep blinking (and warning) behind the dialog. */
static void
present_question (PmSendDialog *self,
                  GtkWidget    *dialog)
{
  gtk_window_set_focus (GTK_WINDOW (self), NULL);
  gtk_window_set_destroy_with_parent (GTK_WINDOW (dialog), TRUE);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
confirm_response_cb (AdwMessageDialog *dialog,
                     const char       *response,
                     PmSendDialog     *self)
{
  if (self->stage != STAGE_CONFIRMING)
    return;
  if (g_strcmp0 (response, "send") == 0)
    send_draft (self);
  else
    set_stage (self, STAGE_EDITING);
}

static void
ask_confirm (PmSendDialog *self)
{
  PmBill *draft = self->draft;
  g_autofree char *amount = pm_money_format (pm_bill_get_price (draft));
  g_autofree char *words = pm_money_format_korean (pm_bill_get_price (draft));
  g_autofree char *phone = pm_phone_format_display (pm_bill_get_phone (draft));
  g_autofree char *heading = NULL;
  g_autofree char *body = NULL;
  GtkWidget *dialog;

  heading = g_strdup_printf (_("Send %s to %s?"), amount, pm_bill_get_payer_name (draft));
  /* Translators: the summary before sending; payer, mobile number, amount in figures,
   * amount in Korean words, what it is for, the last day to pay */
  body = g_strdup_printf (_("Payer: %s\n"
                            "Mobile: %s\n"
                            "Amount: %s (%s)\n"
                            "For: %s\n"
                            "Last day to pay: %s\n\n"
                            "The payer gets a payment link by KakaoTalk. "
                            "Sending uses Paymint balance."),
                          pm_bill_get_payer_name (draft), phone, amount, words,
                          pm_bill_get_product (draft), pm_bill_get_expire_date (draft));

  dialog = adw_message_dialog_new (GTK_WINDOW (self), heading, body);
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog),
                                    "cancel", _("_Back"),
                                    "send", _("_Send"),
                                    NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "send",
                                              ADW_RESPONSE_SUGGESTED);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "send");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  g_signal_connect_object (dialog, "response", G_CALLBACK (confirm_response_cb), self, 0);
  present_question (self, dialog);
}

static void
duplicate_response_cb (AdwMessageDialog *dialog,
                       const char       *response,
                       PmSendDialog     *self)
{
  if (self->stage != STAGE_CONFIRMING)
    return;
  if (g_strcmp0 (response, "send") == 0)
    ask_confirm (self);
  else
    set_stage (self, STAGE_EDITING);
}

static void
ask_duplicate (PmSendDialog *self,
               PmBill       *earlier,
               gboolean      same_amount)
{
  g_autofree char *amount = pm_money_format (pm_bill_get_price (earlier));
  g_autofree char *phone = pm_phone_format_display (pm_bill_get_phone (earlier));
  g_autofree char *when = pm_ui_format_time (pm_bill_get_created_at (earlier));
  g_autofree char *ago = pm_ui_format_relative (pm_bill_get_created_at (earlier), pm_ui_now ());
  g_autofree char *body = NULL;
  GtkWidget *dialog;

  if (same_amount)
    /* Translators: payer, mobile number, amount, "5 min ago", "2026-11-23 14:05" */
    body = g_strdup_printf (_("%s (%s) already has an unpaid bill for %s, sent %s (%s). "
                              "Send another request for the same amount anyway?"),
                            pm_bill_get_payer_name (earlier), phone, amount, ago, when);
  else
    /* Translators: payer, mobile number, amount, "5 min ago", "2026-11-23 14:05" */
    body = g_strdup_printf (_("A bill to %s (%s) for %s was sent only %s (%s). "
                              "Send another request to the same number anyway?"),
                            pm_bill_get_payer_name (earlier), phone, amount, ago, when);

  dialog = adw_message_dialog_new (GTK_WINDOW (self), _("Send Anyway?"), body);
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog),
                                    "cancel", _("_Don’t Send"),
                                    "send", _("Send _Anyway"),
                                    NULL);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  g_signal_connect_object (dialog, "response", G_CALLBACK (duplicate_response_cb), self, 0);
  present_question (self, dialog);
}

static void
send_activated_cb (GtkWidget  *widget,
                   const char *action_name,
                   GVariant   *parameter)
{
  PmSendDialog *self = PM_SEND_DIALOG (widget);
  g_autoptr(PmBill) earlier = NULL;
  gboolean same_amount = FALSE;

  /* one draft is sent at most once: nothing happens past the editing stage */
  if (self->stage != STAGE_EDITING)
    return;
  hide_suggestions (self);
  hide_banner (self);
  if (self->service == NULL)
    {
      show_banner (self, _("The request was not sent"),
                   _("The desk is not connected. Choose a connection first."));
      return;
    }
  self->draft = build_draft (self);
  if (self->draft == NULL)
    return;
  set_stage (self, STAGE_CONFIRMING);
  earlier = find_duplicate (self, self->draft, &same_amount);
  if (earlier != NULL)
    ask_duplicate (self, earlier, same_amount);
  else
    ask_confirm (self);
}

static void
finish (PmSendDialog *self,
        PmBill       *bill,
        const char   *message)
{
  GtkWindow *parent = gtk_window_get_transient_for (GTK_WINDOW (self));
  g_autoptr(PmBill) kept = g_object_ref (bill);

  set_stage (self, STAGE_DONE);
  g_signal_emit (self, signals[SENT], 0, kept, message);
  if (parent != NULL && PM_IS_WINDOW (parent))
    {
      AdwToast *toast = adw_toast_new (message);

      adw_toast_set_timeout (toast, 6);
      pm_window_add_toast (PM_WINDOW (parent), toast);
    }
  g_object_set_data_full (G_OBJECT (self), "pm-result", g_strdup (message), g_free);
  gtk_window_destroy (GTK_WINDOW (self));
}

static void
show_send_error (PmSendDialog *self,
                 const GError *error)
{
  const char *server = pm_error_get_server_text (error);
  g_autofree char *text = NULL;
  const char *title;
  Field field;

  if (field_from_wire_name (pm_error_get_field (error), &field))
    {
      g_autofree char *message = NULL;

      if (server != NULL && g_strcmp0 (server, error->message) != 0)
        message = g_strdup_printf ("%s (%s)", error->message, server);
      show_field_error (self, field, message != NULL ? message : error->message);
      gtk_widget_grab_focus (field_input (self, field));
      return;
    }

  if (error->domain != PM_ERROR)
    title = _("The request was not sent");
  else
    switch ((PmErrorCode) error->code)
      {
      case PM_ERROR_LICENSE_REQUIRED:
        title = _("A Pro license is needed to send requests");
        break;
      case PM_ERROR_INSUFFICIENT_BALANCE:
        title = _("Not enough Paymint balance");
        break;
      case PM_ERROR_UNAUTHORIZED:
        title = _("The API key was not accepted");
        break;
      case PM_ERROR_FORBIDDEN:
        title = _("This account may not send requests");
        break;
      case PM_ERROR_NETWORK:
      case PM_ERROR_TLS:
      case PM_ERROR_TIMEOUT:
        title = _("Could not reach Payssam");
        break;
      case PM_ERROR_INVALID:
      case PM_ERROR_NOT_FOUND:
      case PM_ERROR_DUPLICATE_BILL:
      case PM_ERROR_ALREADY_PAID:
      case PM_ERROR_ALREADY_CANCELLED:
      case PM_ERROR_SERVER:
      case PM_ERROR_PROTOCOL:
      case PM_ERROR_CANCELLED:
      case PM_ERROR_STORAGE:
      default:
        title = _("The request was not sent");
        break;
      }
  if (server != NULL && g_strcmp0 (server, error->message) != 0)
    /* Translators: the app's explanation, then the server's own words */
    text = g_strdup_printf (_("%s Nothing was sent and nothing was charged. (Server: %s)"),
                            error->message, server);
  else
    text = g_strdup_printf (_("%s Nothing was sent and nothing was charged."), error->message);
  show_banner (self, title, text);
}

static void
send_done_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(PmSendDialog) self = user_data;
  g_autoptr(PmBill) bill = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *payer = NULL;
  g_autofree char *bill_id = NULL;
  g_autofree char *message = NULL;

  bill = pm_service_send_finish (PM_SERVICE (object), result, &error);
  payer = g_strdup (self->draft != NULL ? pm_bill_get_payer_name (self->draft) : "");
  bill_id = g_strdup (self->draft != NULL ? pm_bill_get_bill_id (self->draft) : NULL);

  if (bill != NULL)
    {
      g_autofree char *amount = pm_money_format (pm_bill_get_price (bill));

      message = g_strdup_printf (_("Sent a request for %s to %s"), amount,
                                 pm_bill_get_payer_name (bill));
      finish (self, bill, message);
      return;
    }

  if (pm_error_is_maybe_done (error))
    {
      /* Never back to editing: the engine settles this bill by itself. */
      g_autoptr(PmBill) recorded = NULL;

      if (bill_id != NULL)
        recorded = pm_service_lookup (self->service, bill_id, NULL);
      message = g_strdup_printf (_("No answer yet for the request to %s. The desk is "
                                   "checking whether it arrived and will never send it "
                                   "twice; do not send it again by hand."),
                                 payer);
      finish (self, recorded != NULL ? recorded : self->draft, message);
      return;
    }

  if (g_cancellable_is_cancelled (self->cancellable))
    return;

  /* Definitely refused: nothing was created, the form can be fixed and sent again. */
  set_stage (self, STAGE_EDITING);
  show_send_error (self, error);
  if (self->close_when_done)
    {
      GtkWindow *parent = gtk_window_get_transient_for (GTK_WINDOW (self));

      if (parent != NULL && PM_IS_WINDOW (parent))
        pm_window_add_toast (PM_WINDOW (parent), adw_toast_new (error->message));
      gtk_window_destroy (GTK_WINDOW (self));
    }
}

static void
send_draft (PmSendDialog *self)
{
  set_stage (self, STAGE_SENDING);
  pm_service_send_async (self->service, self->draft, self->cancellable, send_done_cb,
                         g_object_ref (self));
}

static gboolean
pm_send_dialog_close_request (GtkWindow *window)
{
  PmSendDialog *self = PM_SEND_DIALOG (window);

  /* A send in flight finishes by itself; the form only steps aside. */
  if (self->stage == STAGE_SENDING)
    {
      self->close_when_done = TRUE;
      gtk_widget_set_visible (GTK_WIDGET (self), FALSE);
      return TRUE;
    }
  return GTK_WINDOW_CLASS (pm_send_dialog_parent_class)->close_request (window);
}

/* ---- object ---- */

static void
pm_send_dialog_dispose (GObject *object)
{
  PmSendDialog *self = PM_SEND_DIALOG (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_pointer (&self->name_popover, gtk_widget_unparent);
  g_clear_pointer (&self->phone_popover, gtk_widget_unparent);
  gtk_widget_dispose_template (GTK_WIDGET (self), PM_TYPE_SEND_DIALOG);
  g_clear_object (&self->draft);
  g_clear_object (&self->settings);
  g_clear_object (&self->service);

  G_OBJECT_CLASS (pm_send_dialog_parent_class)->dispose (object);
}

static void
pm_send_dialog_finalize (GObject *object)
{
  PmSendDialog *self = PM_SEND_DIALOG (object);

  g_clear_object (&self->cancellable);
  g_free (self->expire_date);
  g_free (self->template_text);
  g_free (self->template_output);

  G_OBJECT_CLASS (pm_send_dialog_parent_class)->finalize (object);
}

static void
pm_send_dialog_class_init (PmSendDialogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  GtkWindowClass *window_class = GTK_WINDOW_CLASS (klass);

  pm_ui_ensure_resources ();

  object_class->dispose = pm_send_dialog_dispose;
  object_class->finalize = pm_send_dialog_finalize;
  window_class->close_request = pm_send_dialog_close_request;

  signals[SENT] = g_signal_new ("sent", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                NULL, NULL, NULL, G_TYPE_NONE, 2, PM_TYPE_BILL,
                                G_TYPE_STRING);

  gtk_widget_class_install_action (widget_class, "send.send", NULL, send_activated_cb);
  gtk_widget_class_install_action (widget_class, "send.apply-template", "i",
                                   apply_template_cb);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               RESOURCE_PATH "/pm-send-dialog.ui");
#define BIND(name) gtk_widget_class_bind_template_child (widget_class, PmSendDialog, name)
  BIND (send_button);
  BIND (send_spinner);
  BIND (banner_revealer);
  BIND (banner_title);
  BIND (banner_label);
  BIND (form_box);
  BIND (name_entry);
  BIND (name_error);
  BIND (phone_entry);
  BIND (phone_error);
  BIND (amount_entry);
  BIND (amount_words);
  BIND (amount_error);
  BIND (product_entry);
  BIND (product_error);
  BIND (template_button);
  BIND (message_view);
  BIND (message_error);
  BIND (expiry_button);
  BIND (expiry_calendar);
  BIND (expiry_hint);
  BIND (expiry_error);
  BIND (note_entry);
#undef BIND
}

static void
add_send_shortcuts (PmSendDialog *self)
{
  /* In the capture phase, so Ctrl+Enter sends even from the message text. */
  GtkEventController *controller = gtk_shortcut_controller_new ();
  const char *triggers[] = { "<Control>Return", "<Control>KP_Enter", "<Control>ISO_Enter" };

  gtk_event_controller_set_name (controller, "pm-send-shortcuts");
  gtk_event_controller_set_propagation_phase (controller, GTK_PHASE_CAPTURE);
  for (guint i = 0; i < G_N_ELEMENTS (triggers); i++)
    {
      GtkShortcutTrigger *trigger = gtk_shortcut_trigger_parse_string (triggers[i]);

      gtk_shortcut_controller_add_shortcut (GTK_SHORTCUT_CONTROLLER (controller),
                                            gtk_shortcut_new (trigger,
                                                              gtk_named_action_new ("send.send")));
    }
  gtk_widget_add_controller (GTK_WIDGET (self), controller);
}

static void
pm_send_dialog_init (PmSendDialog *self)
{
  self->cancellable = g_cancellable_new ();
  gtk_widget_init_template (GTK_WIDGET (self));

  self->name_popover = suggestion_popover_new (self, self->name_entry, &self->name_list);
  self->phone_popover = suggestion_popover_new (self, self->phone_entry, &self->phone_list);

  g_signal_connect_object (self->name_entry, "changed", G_CALLBACK (name_changed_cb), self, 0);
  g_signal_connect_object (self->phone_entry, "changed", G_CALLBACK (phone_changed_cb), self, 0);
  g_signal_connect_object (self->amount_entry, "changed", G_CALLBACK (amount_changed_cb), self,
                           0);
  g_signal_connect_object (self->product_entry, "changed", G_CALLBACK (product_changed_cb),
                           self, 0);
  g_signal_connect_object (gtk_text_view_get_buffer (self->message_view), "changed",
                           G_CALLBACK (message_changed_cb), self, 0);
  g_signal_connect_object (self->expiry_calendar, "day-selected",
                           G_CALLBACK (expiry_day_selected_cb), self, 0);
  watch_focus (self, GTK_WIDGET (self->name_entry));
  watch_focus (self, GTK_WIDGET (self->phone_entry));
  watch_focus (self, GTK_WIDGET (self->amount_entry));
  watch_focus (self, GTK_WIDGET (self->product_entry));
  add_send_shortcuts (self);

  set_default_expiry (self);
  set_stage (self, STAGE_EDITING);
}

static GSettings *
app_settings (void)
{
  GApplication *app = g_application_get_default ();

  if (app != NULL && PM_IS_APPLICATION (app))
    return g_object_ref (pm_application_get_settings (PM_APPLICATION (app)));
  return g_settings_new (BASE_ID);
}

/**
 * pm_send_dialog_new:
 * @service: (nullable): the engine; without one the form says it is not connected
 * @parent: (nullable): the window the form belongs to
 *
 * Returns: (transfer none): a new form, not yet shown
 */
GtkWidget *
pm_send_dialog_new (PmService *service,
                    GtkWindow *parent)
{
  PmSendDialog *self;

  g_return_val_if_fail (service == NULL || PM_IS_SERVICE (service), NULL);
  g_return_val_if_fail (parent == NULL || GTK_IS_WINDOW (parent), NULL);

  /* not added to the application: a modal form takes no app shortcuts (Ctrl+N) */
  self = g_object_new (PM_TYPE_SEND_DIALOG, "transient-for", parent, NULL);
  self->service = service != NULL ? g_object_ref (service) : NULL;
  self->settings = app_settings ();
  g_signal_connect_object (self->settings, "changed::message-templates",
                           G_CALLBACK (templates_changed_cb), self, 0);
  rebuild_template_menu (self);
  return GTK_WIDGET (self);
}
