/* pm-autopay-charge-dialog.c — charge a registered card: payer, card, amount, reason
 *
 * Copyright 2026 The Paymint Desk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A charge is a bill of kind AutoPay sent through the service, so it follows the
 * no-double-charge rule of every send: its bill_id is chosen before the first attempt
 * and the intent is in the ledger before the request leaves. Here on top of that, the
 * Charge action is locked from the confirmation until the outcome is known, so a double
 * click or a second confirmation cannot make a second intent.
 *
 * The card's masked number ("•••• 1234") is what a clerk checks before charging: it is
 * shown in a label of its own that never shrinks; the payer's name and the card company
 * give way first.
 */

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "pm-autopay-charge-dialog.h"
#include "pm-bill.h"
#include "pm-error.h"
#include "pm-money.h"
#include "pm-ui.h"

/* The default message goes to the payer, who reads Korean: it is not translated with the
 * interface (an English desk still sends it in Korean). */
#define DEFAULT_MESSAGE "등록하신 카드로 자동결제되었습니다."

typedef struct
{
  char *name;
  char *phone;
  char *method_id;
  char *card;
  char *who;    /* "김민지 · 신한카드": may be shortened on screen */
  char *number; /* "•••• 1234": never shortened */
} Choice;

struct _PmAutopayChargeDialog
{
  AdwWindow      parent_instance;

  PmService     *service;
  GPtrArray     *choices;     /* of Choice, in the order of method_list */
  GtkWidget     *confirm;     /* the open confirmation, if any (weak) */
  PmBill        *draft;       /* the intent being confirmed or sent */
  gboolean       busy;

  GtkButton     *charge_button;
  GtkSpinner    *spinner;
  AdwComboRow   *method_row;
  GtkStringList *method_list;
  AdwEntryRow   *amount_row;
  GtkLabel      *amount_hint;
  AdwEntryRow   *product_row;
  GtkLabel      *product_error;
  AdwEntryRow   *message_row;
  GtkLabel      *message_error;
  GtkLabel      *status_label;
};

G_DEFINE_FINAL_TYPE (PmAutopayChargeDialog, pm_autopay_charge_dialog, ADW_TYPE_WINDOW)

enum {
  PROP_0,
  PROP_SERVICE,
  N_PROPS
};

enum {
  SIGNAL_CHARGED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

static void
choice_free (Choice *choice)
{
  g_free (choice->name);
  g_free (choice->phone);
  g_free (choice->method_id);
  g_free (choice->card);
  g_free (choice->who);
  g_free (choice->number);
  g_free (choice);
}

static gboolean
is_number_char (gunichar c)
{
  return g_unichar_isdigit (c) || c == '*' || c == '-' || c == ' ' || c == 0x2022; /* • */
}

/* "신한카드 •••• 1234" → "신한카드" and "•••• 1234": the masked number is the run of digits,
 * masks, dashes and spaces at the end (with at least one digit). */
static void
split_card (const char  *card,
            char       **company,
            char       **number)
{
  const char *end = card + strlen (card);
  const char *start = end;
  gboolean digit = FALSE;

  while (start > card)
    {
      const char *prev = g_utf8_find_prev_char (card, start);
      gunichar c = g_utf8_get_char (prev);

      if (!is_number_char (c))
        break;
      digit = digit || g_unichar_isdigit (c);
      start = prev;
    }
  if (!digit)
    start = end;
  *company = g_strstrip (g_strndup (card, start - card));
  *number = g_strstrip (g_strdup (start));
}

static Choice *
chosen (PmAutopayChargeDialog *self)
{
  guint i = adw_combo_row_get_selected (self->method_row);

  return i < self->choices->len ? g_ptr_array_index (self->choices, i) : NULL;
}

/* ---- checks as the person types ---- */

static gboolean
check_amount (PmAutopayChargeDialog *self,
              gboolean               strict,
              gint64                *won)
{
  const char *text = gtk_editable_get_text (GTK_EDITABLE (self->amount_row));
  g_autoptr(GError) error = NULL;
  g_autofree char *figures = NULL;
  g_autofree char *words = NULL;
  g_autofree char *hint = NULL;
  g_autofree char *trimmed = g_strstrip (g_strdup (text));
  gint64 value = 0;

  if (!strict && *trimmed == '\0')
    {
      pm_ui_show_message (self->amount_hint, NULL);
      pm_ui_set_error_style (self->amount_row, FALSE);
      return FALSE;
    }
  if (!pm_money_parse (text, &value, &error))
    {
      pm_ui_show_message (self->amount_hint, error->message);
      gtk_widget_add_css_class (GTK_WIDGET (self->amount_hint), "error");
      gtk_widget_remove_css_class (GTK_WIDGET (self->amount_hint), "amount-words");
      pm_ui_set_error_style (self->amount_row, TRUE);
      return FALSE;
    }
  figures = pm_money_format (value);
  words = pm_money_format_korean (value);
  /* Translators: the amount in figures, then in Korean words: "₩120,000 — 십이만 원" */
  hint = g_strdup_printf (_("%s — %s"), figures, words);
  pm_ui_show_message (self->amount_hint, hint);
  gtk_widget_remove_css_class (GTK_WIDGET (self->amount_hint), "error");
  gtk_widget_add_css_class (GTK_WIDGET (self->amount_hint), "amount-words");
  pm_ui_set_error_style (self->amount_row, FALSE);
  if (won != NULL)
    *won = value;
  return TRUE;
}

static gboolean
check_text (AdwEntryRow *row,
            GtkLabel    *label,
            gboolean     strict,
            gboolean   (*check) (const char *, GError **))
{
  g_autofree char *text = pm_ui_entry_dup_text (row);
  g_autoptr(GError) error = NULL;
  gboolean ok = check (text, &error);

  if (!ok && !strict && *text == '\0')
    {
      pm_ui_show_message (label, NULL);
      pm_ui_set_error_style (row, FALSE);
      return FALSE;
    }
  pm_ui_show_message (label, ok ? NULL : error->message);
  pm_ui_set_error_style (row, !ok);
  return ok;
}

static void
update_charge (PmAutopayChargeDialog *self)
{
  g_autofree char *product = pm_ui_entry_dup_text (self->product_row);
  g_autofree char *message = pm_ui_entry_dup_text (self->message_row);
  gint64 won = 0;
  gboolean ready = !self->busy && self->confirm == NULL && chosen (self) != NULL
                   && pm_money_parse (gtk_editable_get_text (GTK_EDITABLE (self->amount_row)),
                                      &won, NULL)
                   && pm_bill_check_product_nm (product, NULL)
                   && pm_bill_check_message (message, NULL);

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "charge.charge", ready);
}

static void
amount_changed_cb (PmAutopayChargeDialog *self)
{
  check_amount (self, FALSE, NULL);
  pm_ui_show_message (self->status_label, NULL);
  update_charge (self);
}

static void
product_changed_cb (PmAutopayChargeDialog *self)
{
  check_text (self->product_row, self->product_error, FALSE, pm_bill_check_product_nm);
  pm_ui_show_message (self->status_label, NULL);
  update_charge (self);
}

static void
message_changed_cb (PmAutopayChargeDialog *self)
{
  check_text (self->message_row, self->message_error, FALSE, pm_bill_check_message);
  pm_ui_show_message (self->status_label, NULL);
  update_charge (self);
}

static void
entry_activated_cb (PmAutopayChargeDialog *self)
{
  gtk_widget_activate_action (GTK_WIDGET (self), "charge.charge", NULL);
}

/* ---- charging ---- */

static void
set_busy (PmAutopayChargeDialog *self,
          gboolean               busy)
{
  self->busy = busy;
  gtk_widget_set_visible (GTK_WIDGET (self->spinner), busy);
  gtk_spinner_set_spinning (self->spinner, busy);
  gtk_widget_set_sensitive (GTK_WIDGET (self->method_row), !busy);
  gtk_widget_set_sensitive (GTK_WIDGET (self->amount_row), !busy);
  gtk_widget_set_sensitive (GTK_WIDGET (self->product_row), !busy);
  gtk_widget_set_sensitive (GTK_WIDGET (self->message_row), !busy);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "window.close", !busy);
  update_charge (self);
}

static char *
error_text (const GError *error)
{
  const char *server = pm_error_get_server_text (error);

  return server != NULL && g_strcmp0 (server, error->message) != 0
           ? g_strdup_printf ("%s (%s)", error->message, server)
           : g_strdup (error->message);
}

static void
show_field_error (PmAutopayChargeDialog *self,
                  const GError          *error)
{
  const char *field = pm_error_get_field (error);
  g_autofree char *text = error_text (error);

  if (g_strcmp0 (field, PM_BILL_FIELD_PRICE) == 0)
    {
      pm_ui_show_message (self->amount_hint, text);
      gtk_widget_add_css_class (GTK_WIDGET (self->amount_hint), "error");
      pm_ui_set_error_style (self->amount_row, TRUE);
    }
  else if (g_strcmp0 (field, PM_BILL_FIELD_PRODUCT_NM) == 0)
    {
      pm_ui_show_message (self->product_error, text);
      pm_ui_set_error_style (self->product_row, TRUE);
    }
  else if (g_strcmp0 (field, PM_BILL_FIELD_MESSAGE) == 0)
    {
      pm_ui_show_message (self->message_error, text);
      pm_ui_set_error_style (self->message_row, TRUE);
    }
  else
    pm_ui_show_message (self->status_label, text);
}

static void
charge_done_cb (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(PmAutopayChargeDialog) self = user_data;
  g_autoptr(PmBill) draft = g_steal_pointer (&self->draft);
  g_autoptr(PmBill) bill = NULL;
  g_autoptr(PmBill) stored = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *amount = pm_money_format (pm_bill_get_price (draft));
  g_autofree char *text = NULL;
  const char *name = pm_bill_get_payer_name (draft);

  bill = pm_service_send_finish (PM_SERVICE (object), result, &error);
  set_busy (self, FALSE);

  if (bill != NULL)
    {
      if (pm_bill_get_state (bill) == PM_BILL_STATE_PAID)
        /* Translators: "Charged ₩120,000 to 김민지’s card" */
        text = g_strdup_printf (_("Charged %s to %s’s card"), amount, name);
      else
        text = g_strdup_printf (_("Charge of %s to %s sent; it shows as “%s” in Payments "
                                  "until the card company settles it"),
                                amount, name, pm_ui_bill_status_label (bill, pm_ui_now (), NULL));
      g_signal_emit (self, signals[SIGNAL_CHARGED], 0, bill, TRUE, text);
      gtk_window_destroy (GTK_WINDOW (self));
      return;
    }

  stored = pm_service_lookup (PM_SERVICE (object), pm_bill_get_bill_id (draft), NULL);
  if (stored == NULL)
    {
      /* refused before anything was written down (a field, no connection) */
      show_field_error (self, error);
      update_charge (self);
      return;
    }
  if (pm_bill_get_state (stored) == PM_BILL_STATE_FAILED)
    {
      const char *reason = pm_bill_get_error_text (stored);
      g_autofree char *detail = error_text (error);

      /* Translators: "The charge of ₩120,000 to 김민지 failed: <the card company’s text>" */
      text = g_strdup_printf (_("The charge of %s to %s failed: %s"), amount, name,
                              reason != NULL && *reason != '\0' ? reason : detail);
      pm_ui_show_message (self->status_label, text);
      g_signal_emit (self, signals[SIGNAL_CHARGED], 0, stored, FALSE, text);
      update_charge (self);
      return;
    }
  /* sent, but the reply was lost: the service reconciles it with the same bill_id */
  text = g_strdup_printf (_("The outcome of the charge of %s to %s is not known yet. It is "
                            "checked again by itself and is never charged twice; see its "
                            "status in Payments."),
                          amount, name);
  g_signal_emit (self, signals[SIGNAL_CHARGED], 0, stored, FALSE, text);
  gtk_window_destroy (GTK_WINDOW (self));
}

static void
start_charge (PmAutopayChargeDialog *self)
{
  if (self->busy || self->draft == NULL)
    return;
  pm_ui_show_message (self->status_label, NULL);
  set_busy (self, TRUE);
  /* not the dialog's to cancel: once confirmed, the charge runs to a definite end */
  pm_service_send_async (self->service, self->draft, NULL, charge_done_cb, g_object_ref (self));
}

static void
confirm_response_cb (AdwMessageDialog      *dialog,
                     const char            *response,
                     PmAutopayChargeDialog *self)
{
  if (self->confirm != GTK_WIDGET (dialog))
    return;
  g_clear_weak_pointer (&self->confirm);
  if (g_strcmp0 (response, "charge") == 0)
    start_charge (self);
  else
    g_clear_object (&self->draft);
  update_charge (self);
}

static void
charge_action_cb (GtkWidget  *widget,
                  const char *action_name,
                  GVariant   *parameter)
{
  PmAutopayChargeDialog *self = PM_AUTOPAY_CHARGE_DIALOG (widget);
  Choice *choice = chosen (self);
  g_autofree char *product = NULL;
  g_autofree char *message = NULL;
  g_autofree char *bill_id = NULL;
  g_autofree char *expire = NULL;
  g_autofree char *amount = NULL;
  g_autofree char *words = NULL;
  g_autofree char *heading = NULL;
  g_autofree char *body = NULL;
  g_autoptr(GError) error = NULL;
  gint64 won = 0;
  gboolean ok;
  GtkWidget *dialog;

  /* one intent at a time: a second click lands here while the first is confirmed or sent */
  if (self->busy || self->confirm != NULL || self->draft != NULL)
    return;
  ok = check_amount (self, TRUE, &won);
  ok = check_text (self->product_row, self->product_error, TRUE, pm_bill_check_product_nm) && ok;
  ok = check_text (self->message_row, self->message_error, TRUE, pm_bill_check_message) && ok;
  if (!ok || choice == NULL)
    return;

  product = pm_ui_entry_dup_text (self->product_row);
  message = pm_ui_entry_dup_text (self->message_row);
  bill_id = pm_bill_generate_id ();
  /* valid until the end of tomorrow (Korea time), so midnight cannot make it late */
  expire = pm_bill_korea_date (pm_ui_now () + 86400);

  self->draft = pm_bill_new ();
  pm_bill_set_bill_id (self->draft, bill_id);
  pm_bill_set_kind (self->draft, PM_BILL_KIND_AUTOPAY);
  pm_bill_set_method_id (self->draft, choice->method_id);
  pm_bill_set_payer_name (self->draft, choice->name);
  pm_bill_set_phone (self->draft, choice->phone);
  pm_bill_set_product (self->draft, product);
  pm_bill_set_message (self->draft, message);
  pm_bill_set_price (self->draft, won);
  pm_bill_set_expire_date (self->draft, expire);
  if (!pm_bill_validate (self->draft, &error))
    {
      g_clear_object (&self->draft);
      show_field_error (self, error);
      return;
    }

  amount = pm_money_format (won);
  words = pm_money_format_korean (won);
  /* Translators: "Charge ₩120,000 to 김민지?" */
  heading = g_strdup_printf (_("Charge %s to %s?"), amount, choice->name);
  /* Translators: amount in figures, in Korean words, the card, the payer, the reason */
  body = g_strdup_printf (_("%s (%s) is charged now to the card %s of %s, for “%s”. The payer "
                            "does not approve it first. Charging uses Paymint balance."),
                          amount, words, choice->card, choice->name, product);
  dialog = adw_message_dialog_new (GTK_WINDOW (self), heading, body);
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog), "cancel", _("_Cancel"),
                                    "charge", _("_Charge the Card"), NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "charge",
                                              ADW_RESPONSE_SUGGESTED);
  /* the safe answer has the focus, as in every confirmation of the desk */
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  adw_message_dialog_set_body_use_markup (ADW_MESSAGE_DIALOG (dialog), FALSE);
  pm_ui_wrap_words_within (dialog);
  g_signal_connect_object (dialog, "response", G_CALLBACK (confirm_response_cb), self, 0);
  g_set_weak_pointer (&self->confirm, dialog);
  update_charge (self);
  gtk_window_present (GTK_WINDOW (dialog));
}

static gboolean
pm_autopay_charge_dialog_close_request (GtkWindow *window)
{
  PmAutopayChargeDialog *self = PM_AUTOPAY_CHARGE_DIALOG (window);

  /* stays until the charge on the wire has a definite outcome */
  if (self->busy)
    return TRUE;
  return GTK_WINDOW_CLASS (pm_autopay_charge_dialog_parent_class)->close_request (window);
}

static void
pm_autopay_charge_dialog_set_property (GObject      *object,
                                       guint         prop_id,
                                       const GValue *value,
                                       GParamSpec   *pspec)
{
  PmAutopayChargeDialog *self = PM_AUTOPAY_CHARGE_DIALOG (object);

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
pm_autopay_charge_dialog_dispose (GObject *object)
{
  PmAutopayChargeDialog *self = PM_AUTOPAY_CHARGE_DIALOG (object);

  if (self->confirm != NULL)
    gtk_window_destroy (GTK_WINDOW (self->confirm));
  g_clear_weak_pointer (&self->confirm);
  gtk_widget_dispose_template (GTK_WIDGET (self), PM_TYPE_AUTOPAY_CHARGE_DIALOG);
  g_clear_object (&self->service);
  g_clear_object (&self->draft);

  G_OBJECT_CLASS (pm_autopay_charge_dialog_parent_class)->dispose (object);
}

static void
pm_autopay_charge_dialog_finalize (GObject *object)
{
  PmAutopayChargeDialog *self = PM_AUTOPAY_CHARGE_DIALOG (object);

  g_ptr_array_unref (self->choices);

  G_OBJECT_CLASS (pm_autopay_charge_dialog_parent_class)->finalize (object);
}

static void
pm_autopay_charge_dialog_class_init (PmAutopayChargeDialogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  GtkWindowClass *window_class = GTK_WINDOW_CLASS (klass);

  pm_ui_ensure_resources ();

  object_class->set_property = pm_autopay_charge_dialog_set_property;
  object_class->dispose = pm_autopay_charge_dialog_dispose;
  object_class->finalize = pm_autopay_charge_dialog_finalize;
  window_class->close_request = pm_autopay_charge_dialog_close_request;

  properties[PROP_SERVICE] =
    g_param_spec_object ("service", NULL, NULL, PM_TYPE_SERVICE,
                         G_PARAM_WRITABLE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /* the bill as recorded (or NULL), whether it went through, what to tell the user */
  signals[SIGNAL_CHARGED] =
    g_signal_new ("charged", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 3, PM_TYPE_BILL, G_TYPE_BOOLEAN, G_TYPE_STRING);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               RESOURCE_PATH "/pm-autopay-charge-dialog.ui");
  gtk_widget_class_bind_template_child (widget_class, PmAutopayChargeDialog, charge_button);
  gtk_widget_class_bind_template_child (widget_class, PmAutopayChargeDialog, spinner);
  gtk_widget_class_bind_template_child (widget_class, PmAutopayChargeDialog, method_row);
  gtk_widget_class_bind_template_child (widget_class, PmAutopayChargeDialog, method_list);
  gtk_widget_class_bind_template_child (widget_class, PmAutopayChargeDialog, amount_row);
  gtk_widget_class_bind_template_child (widget_class, PmAutopayChargeDialog, amount_hint);
  gtk_widget_class_bind_template_child (widget_class, PmAutopayChargeDialog, product_row);
  gtk_widget_class_bind_template_child (widget_class, PmAutopayChargeDialog, product_error);
  gtk_widget_class_bind_template_child (widget_class, PmAutopayChargeDialog, message_row);
  gtk_widget_class_bind_template_child (widget_class, PmAutopayChargeDialog, message_error);
  gtk_widget_class_bind_template_child (widget_class, PmAutopayChargeDialog, status_label);
  gtk_widget_class_bind_template_callback (widget_class, amount_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, product_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, message_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, entry_activated_cb);

  gtk_widget_class_install_action (widget_class, "charge.charge", NULL, charge_action_cb);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Return, GDK_CONTROL_MASK,
                                       "charge.charge", NULL);
}

/* ---- how a card is shown in the row and its list ---- */

static void
card_setup_cb (GtkSignalListItemFactory *factory,
               GtkListItem              *item,
               gpointer                  user_data)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  GtkWidget *who = gtk_label_new (NULL);
  GtkWidget *number = gtk_label_new (NULL);

  /* the name gives way in its middle; the number keeps its full width */
  gtk_label_set_ellipsize (GTK_LABEL (who), PANGO_ELLIPSIZE_MIDDLE);
  gtk_label_set_xalign (GTK_LABEL (who), 0);
  gtk_widget_set_hexpand (who, FALSE);
  gtk_label_set_ellipsize (GTK_LABEL (number), PANGO_ELLIPSIZE_NONE);
  gtk_label_set_xalign (GTK_LABEL (number), 0);
  gtk_widget_add_css_class (number, "numeric");
  gtk_box_append (GTK_BOX (box), who);
  gtk_box_append (GTK_BOX (box), number);
  gtk_list_item_set_child (item, box);
}

static Choice *
choice_for_item (PmAutopayChargeDialog *self,
                 gpointer               item)
{
  for (guint i = 0; i < self->choices->len; i++)
    {
      g_autoptr(GObject) other = g_list_model_get_item (G_LIST_MODEL (self->method_list), i);

      if (other == item)
        return g_ptr_array_index (self->choices, i);
    }
  return NULL;
}

static void
card_bind_cb (GtkSignalListItemFactory *factory,
              GtkListItem              *item,
              PmAutopayChargeDialog    *self)
{
  GtkWidget *box = gtk_list_item_get_child (item);
  GtkWidget *who = gtk_widget_get_first_child (box);
  GtkWidget *number = gtk_widget_get_last_child (box);
  Choice *choice = choice_for_item (self, gtk_list_item_get_item (item));

  gtk_label_set_text (GTK_LABEL (who), choice != NULL ? choice->who : "");
  gtk_label_set_text (GTK_LABEL (number), choice != NULL ? choice->number : "");
  gtk_widget_set_visible (number, choice != NULL && *choice->number != '\0');
}

static void
pm_autopay_charge_dialog_init (PmAutopayChargeDialog *self)
{
  g_autoptr(GtkListItemFactory) factory = gtk_signal_list_item_factory_new ();

  gtk_widget_init_template (GTK_WIDGET (self));

  self->choices = g_ptr_array_new_with_free_func ((GDestroyNotify) choice_free);
  g_signal_connect (factory, "setup", G_CALLBACK (card_setup_cb), NULL);
  g_signal_connect_object (factory, "bind", G_CALLBACK (card_bind_cb), self, 0);
  adw_combo_row_set_factory (self->method_row, factory);
  gtk_editable_set_text (GTK_EDITABLE (self->message_row), DEFAULT_MESSAGE);
  pm_ui_wrap_words_within (GTK_WIDGET (self));
  g_signal_connect_swapped (self->method_row, "notify::selected", G_CALLBACK (update_charge), self);
  update_charge (self);
}

GtkWidget *
pm_autopay_charge_dialog_new (PmService *service)
{
  g_return_val_if_fail (PM_IS_SERVICE (service), NULL);

  return g_object_new (PM_TYPE_AUTOPAY_CHARGE_DIALOG, "service", service, NULL);
}

void
pm_autopay_charge_dialog_add_method (PmAutopayChargeDialog *self,
                                     const char            *name,
                                     const char            *phone,
                                     const char            *method_id,
                                     const char            *card)
{
  Choice *choice;
  g_autofree char *label = NULL;

  g_return_if_fail (PM_IS_AUTOPAY_CHARGE_DIALOG (self));
  g_return_if_fail (phone != NULL && method_id != NULL);

  choice = g_new0 (Choice, 1);
  choice->name = g_strdup (name);
  choice->phone = g_strdup (phone);
  choice->method_id = g_strdup (method_id);
  choice->card = g_strdup (card != NULL ? card : "");
  {
    g_autofree char *company = NULL;

    split_card (choice->card, &company, &choice->number);
    /* Translators: a payer and their card company: "김민지 · 신한카드" */
    choice->who = *company != '\0' ? g_strdup_printf (_("%s · %s"), name, company)
                                    : g_strdup (name);
  }
  g_ptr_array_add (self->choices, choice);
  /* Translators: a payer and their card: "김민지 · 신한카드 •••• 1234" */
  label = g_strdup_printf (_("%s · %s"), name, choice->card);
  gtk_string_list_append (self->method_list, label);
  update_charge (self);
}

void
pm_autopay_charge_dialog_select (PmAutopayChargeDialog *self,
                                 const char            *phone,
                                 const char            *method_id)
{
  g_return_if_fail (PM_IS_AUTOPAY_CHARGE_DIALOG (self));

  for (guint i = 0; i < self->choices->len; i++)
    {
      Choice *choice = g_ptr_array_index (self->choices, i);

      if (g_strcmp0 (choice->phone, phone) == 0 && g_strcmp0 (choice->method_id, method_id) == 0)
        {
          adw_combo_row_set_selected (self->method_row, i);
          return;
        }
    }
}

gboolean
pm_autopay_charge_dialog_get_busy (PmAutopayChargeDialog *self)
{
  g_return_val_if_fail (PM_IS_AUTOPAY_CHARGE_DIALOG (self), FALSE);

  return self->busy;
}
