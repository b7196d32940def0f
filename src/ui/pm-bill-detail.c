/* pm-bill-detail.c — every field of one bill, its timeline and the actions valid now
 *
 * Copyright 2026 The Paymint Desk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The buttons name the payments view's "bill.*" actions; this widget shows only those
 * valid in the bill's state (pm_bill_action_allowed) and redraws when the bill changes.
 * Harmless actions sit together in a flow box with no gaps (a hidden action hides its
 * cell); Void and Refund, which cannot be undone, stand apart below them. Another bill
 * starts at the top: its name, amount and actions in view.
 *
 * A paid or refunded bill also has Receipt…: the print dialog (GtkPrintOperation, whose
 * "Print to File" saves a PDF) with the receipt PmReceipt draws, the same as
 * `paymint-cli receipt`. The business on it is the connection's, from the service.
 */

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "pm-bill-detail.h"
#include "pm-application.h"
#include "pm-ledger.h"
#include "pm-money.h"
#include "pm-phone.h"
#include "pm-receipt.h"
#include "pm-service.h"
#include "pm-ui.h"

struct _PmBillDetail
{
  GtkWidget            parent_instance;

  PmBill              *bill;
  gulong               notify_id;
  GPtrArray           *events;   /* the bill's timeline, or NULL */
  PmService           *service;  /* set, or NULL: the application's */
  GtkPrintOperation   *printing; /* the receipt's print dialog while it is open */

  GtkWidget           *scroller;
  GtkWidget           *placeholder;
  GtkLabel            *payer_label;
  GtkLabel            *amount_label;
  GtkLabel            *words_label;
  GtkLabel            *status_label;
  GtkWidget           *refresh_button;
  GtkWidget           *resend_button;
  GtkWidget           *void_button;
  GtkWidget           *refund_button;
  GtkWidget           *copy_button;
  GtkWidget           *open_button;
  GtkWidget           *receipt_button;
  GtkWidget           *danger_actions;
  AdwActionRow        *phone_row;
  AdwActionRow        *product_row;
  AdwActionRow        *message_row;
  AdwActionRow        *expiry_row;
  AdwActionRow        *link_row;
  AdwActionRow        *bill_id_row;
  AdwActionRow        *sent_row;
  AdwActionRow        *checked_row;
  AdwActionRow        *error_row;
  AdwActionRow        *note_row;
  AdwPreferencesGroup *approval_group;
  AdwActionRow        *appr_num_row;
  AdwActionRow        *appr_issuer_row;
  AdwActionRow        *appr_type_row;
  AdwActionRow        *appr_monthly_row;
  AdwActionRow        *appr_dt_row;
  AdwActionRow        *appr_price_row;
  GtkListBox          *timeline_list;
};

G_DEFINE_FINAL_TYPE (PmBillDetail, pm_bill_detail, GTK_TYPE_WIDGET)

/* A button in the flow box shows or hides its cell with it: no blank cells. */
static void
set_action_visible (GtkWidget *button,
                    gboolean   visible)
{
  GtkWidget *parent = gtk_widget_get_parent (button);

  gtk_widget_set_visible (button, visible);
  if (GTK_IS_FLOW_BOX_CHILD (parent))
    gtk_widget_set_visible (parent, visible);
}

static void
set_row (AdwActionRow *row,
         const char   *value)
{
  gboolean has = value != NULL && *value != '\0';

  adw_action_row_set_subtitle (row, has ? value : "");
  gtk_widget_set_visible (GTK_WIDGET (row), has);
}

static char *
event_text (const PmLedgerEvent *event)
{
  if (g_strcmp0 (event->kind, PM_LEDGER_EVENT_CREATED) == 0)
    return g_strdup (_("Request written down"));
  if (g_strcmp0 (event->kind, PM_LEDGER_EVENT_RESEND) == 0)
    return g_strdup (_("Sent to the payer again"));
  if (g_strcmp0 (event->kind, PM_LEDGER_EVENT_SEND_AGAIN) == 0)
    return g_strdup (_("You asked to send it again"));
  if (g_strcmp0 (event->kind, PM_LEDGER_EVENT_NOTE) == 0 && event->detail != NULL)
    return g_strdup (event->detail);
  if (event->to_state >= 0 && event->from_state != event->to_state)
    {
      switch ((PmBillState) event->to_state)
        {
        case PM_BILL_STATE_SENDING:
          return g_strdup (_("Sending to Payssam"));
        case PM_BILL_STATE_UNKNOWN:
          return g_strdup (_("No answer yet; checking whether it arrived"));
        case PM_BILL_STATE_FAILED:
          return g_strdup (_("Refused; nothing was charged"));
        case PM_BILL_STATE_UNPAID:
          return g_strdup (_("Sent; waiting for the payer"));
        case PM_BILL_STATE_PAID:
          return g_strdup (_("Paid"));
        case PM_BILL_STATE_CANCELLED:
          return g_strdup (_("Refunded"));
        case PM_BILL_STATE_DESTROYED:
          return g_strdup (_("Voided"));
        case PM_BILL_STATE_NOT_SENT:
          return g_strdup (_("Not sent: Payssam has no record of it; nothing was charged"));
        case PM_BILL_STATE_QUEUED:
        default:
          return g_strdup (_("Waiting to be sent"));
        }
    }
  return g_strdup (event->kind);
}

static void
update_timeline (PmBillDetail *self,
                 GPtrArray    *events)
{
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->timeline_list))) != NULL)
    gtk_list_box_remove (self->timeline_list, child);
  if (events == NULL)
    return;
  /* newest first, as people read a history */
  for (guint i = events->len; i > 0; i--)
    {
      const PmLedgerEvent *event = g_ptr_array_index (events, i - 1);
      g_autofree char *title = event_text (event);
      g_autofree char *when = pm_ui_format_time (event->at);
      GtkWidget *row = adw_action_row_new ();

      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
      adw_action_row_set_subtitle (ADW_ACTION_ROW (row), when);
      if (event->detail != NULL && *event->detail != '\0')
        gtk_widget_set_tooltip_text (row, event->detail);
      gtk_list_box_append (self->timeline_list, row);
      pm_ui_wrap_words_within (row);
    }
}

static void
update (PmBillDetail *self)
{
  PmBill *bill = self->bill;
  gint64 now = pm_ui_now ();
  g_autofree char *amount = NULL;
  g_autofree char *words = NULL;
  g_autofree char *phone = NULL;
  g_autofree char *sent = NULL;
  g_autofree char *checked = NULL;
  g_autofree char *appr_dt = NULL;
  g_autofree char *appr_price = NULL;
  g_autofree char *expiry = NULL;
  PmBillState state;
  gboolean approved;

  if (bill == NULL)
    return;

  state = pm_bill_get_state (bill);
  gtk_label_set_label (self->payer_label, pm_bill_get_payer_name (bill));
  amount = pm_money_format (pm_bill_get_price (bill));
  words = pm_money_format_korean (pm_bill_get_price (bill));
  gtk_label_set_label (self->amount_label, amount);
  gtk_label_set_label (self->words_label, words);
  pm_ui_set_status_badge (self->status_label, bill, now);

  set_action_visible (self->refresh_button,
                      pm_bill_action_allowed (bill, PM_BILL_ACTION_REFRESH, now));
  set_action_visible (self->copy_button,
                      pm_bill_action_allowed (bill, PM_BILL_ACTION_COPY_LINK, now));
  set_action_visible (self->open_button,
                      pm_bill_action_allowed (bill, PM_BILL_ACTION_COPY_LINK, now));
  set_action_visible (self->receipt_button, pm_receipt_bill_has_receipt (bill));
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "detail.receipt",
                                 pm_receipt_bill_has_receipt (bill));
  set_action_visible (self->resend_button,
                      pm_bill_action_allowed (bill, PM_BILL_ACTION_RESEND, now)
                      || pm_bill_action_allowed (bill, PM_BILL_ACTION_SEND_AGAIN, now));
  set_action_visible (self->void_button,
                      pm_bill_action_allowed (bill, PM_BILL_ACTION_DESTROY, now));
  set_action_visible (self->refund_button,
                      pm_bill_action_allowed (bill, PM_BILL_ACTION_CANCEL, now));
  gtk_widget_set_visible (self->danger_actions,
                          gtk_widget_get_visible (self->void_button)
                          || gtk_widget_get_visible (self->refund_button));

  phone = pm_phone_format_display (pm_bill_get_phone (bill));
  set_row (self->phone_row, phone);
  set_row (self->product_row, pm_bill_get_product (bill));
  set_row (self->message_row, pm_bill_get_message (bill));
  expiry = g_strdup (pm_bill_get_expire_date (bill));
  set_row (self->expiry_row, expiry);
  set_row (self->link_row, pm_bill_get_short_url (bill));
  set_row (self->bill_id_row, pm_bill_get_bill_id (bill));
  sent = pm_ui_format_time (pm_bill_get_created_at (bill));
  set_row (self->sent_row, sent);
  checked = pm_ui_format_relative (pm_bill_get_last_checked_at (bill), now);
  set_row (self->checked_row, checked);
  set_row (self->error_row, state == PM_BILL_STATE_FAILED || state == PM_BILL_STATE_UNKNOWN
                            || state == PM_BILL_STATE_NOT_SENT
                              ? pm_bill_get_error_text (bill) : NULL);
  set_row (self->note_row, pm_bill_get_note (bill));

  approved = pm_bill_get_appr_num (bill) != NULL && *pm_bill_get_appr_num (bill) != '\0';
  gtk_widget_set_visible (GTK_WIDGET (self->approval_group), approved);
  if (approved)
    {
      set_row (self->appr_num_row, pm_bill_get_appr_num (bill));
      set_row (self->appr_issuer_row, pm_bill_get_appr_issuer (bill));
      set_row (self->appr_type_row, pm_bill_get_appr_card_type (bill));
      set_row (self->appr_monthly_row,
               g_strcmp0 (pm_bill_get_appr_monthly (bill), "00") == 0
                 ? _("Paid in full") : pm_bill_get_appr_monthly (bill));
      appr_dt = pm_ui_format_appr_dt (pm_bill_get_appr_dt (bill));
      set_row (self->appr_dt_row, appr_dt);
      appr_price = pm_money_format (pm_bill_get_appr_price (bill));
      set_row (self->appr_price_row, pm_bill_get_appr_price (bill) > 0 ? appr_price : NULL);
    }
}

static void
bill_notify_cb (PmBill       *bill,
                GParamSpec   *pspec,
                PmBillDetail *self)
{
  update (self);
}

void
pm_bill_detail_set_bill (PmBillDetail *self,
                         PmBill       *bill,
                         GPtrArray    *events)
{
  gboolean another;

  g_return_if_fail (PM_IS_BILL_DETAIL (self));
  g_return_if_fail (bill == NULL || PM_IS_BILL (bill));

  another = bill != NULL
            && (self->bill == NULL
                || g_strcmp0 (pm_bill_get_bill_id (self->bill), pm_bill_get_bill_id (bill)) != 0);
  if (self->bill != bill)
    {
      if (self->bill != NULL)
        g_clear_signal_handler (&self->notify_id, self->bill);
      g_set_object (&self->bill, bill);
      if (bill != NULL)
        self->notify_id = g_signal_connect (bill, "notify", G_CALLBACK (bill_notify_cb), self);
    }
  gtk_widget_set_visible (self->scroller, bill != NULL);
  gtk_widget_set_visible (self->placeholder, bill == NULL);
  g_clear_pointer (&self->events, g_ptr_array_unref);
  if (events != NULL)
    self->events = g_ptr_array_ref (events);
  update (self);
  update_timeline (self, events);
  /* another bill: back to the top (the same bill read afresh stays where it was) */
  if (another)
    gtk_adjustment_set_value (gtk_scrolled_window_get_vadjustment (GTK_SCROLLED_WINDOW (self->scroller)),
                              0);
}

PmBill *
pm_bill_detail_get_bill (PmBillDetail *self)
{
  g_return_val_if_fail (PM_IS_BILL_DETAIL (self), NULL);

  return self->bill;
}

void
pm_bill_detail_set_service (PmBillDetail *self,
                            PmService    *service)
{
  g_return_if_fail (PM_IS_BILL_DETAIL (self));
  g_return_if_fail (service == NULL || PM_IS_SERVICE (service));

  g_set_object (&self->service, service);
}

/* The service set, or else the one of the application this window belongs to. */
static PmService *
get_service (PmBillDetail *self)
{
  GtkRoot *root;
  GtkApplication *app;

  if (self->service != NULL)
    return self->service;
  root = gtk_widget_get_root (GTK_WIDGET (self));
  app = GTK_IS_WINDOW (root) ? gtk_window_get_application (GTK_WINDOW (root)) : NULL;
  if (PM_IS_APPLICATION (app))
    return pm_application_get_service (PM_APPLICATION (app));
  return NULL;
}

/* ---- the receipt ---- */

static void
receipt_draw_page_cb (GtkPrintOperation *operation,
                      GtkPrintContext   *context,
                      int                page_nr,
                      PmReceipt         *receipt)
{
  pm_receipt_draw (receipt, gtk_print_context_get_cairo_context (context),
                   gtk_print_context_get_width (context),
                   gtk_print_context_get_height (context));
}

static void
show_receipt_error (PmBillDetail *self,
                    const GError *error)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
  GtkWidget *dialog;

  dialog = adw_message_dialog_new (GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
                                   _("Could Not Print the Receipt"), error->message);
  adw_message_dialog_add_response (ADW_MESSAGE_DIALOG (dialog), "close", _("_Close"));
  gtk_window_present (GTK_WINDOW (dialog));
}

GtkPrintOperation *
pm_bill_detail_create_receipt_operation (PmBillDetail  *self,
                                         GError       **error)
{
  g_autoptr(GtkPrintOperation) operation = NULL;
  g_autoptr(GtkPrintSettings) settings = NULL;
  g_autoptr(GtkPageSetup) page_setup = NULL;
  g_autoptr(GtkPaperSize) a4 = NULL;
  g_autoptr(PmReceipt) receipt = NULL;
  g_autoptr(GPtrArray) events = NULL;
  g_autofree char *title = NULL;
  g_autofree char *file_name = NULL;
  PmService *service;
  PmProfile *profile = NULL;

  g_return_val_if_fail (PM_IS_BILL_DETAIL (self), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (self->bill == NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, _("No bill is selected."));
      return NULL;
    }
  service = get_service (self);
  if (service != NULL)
    {
      profile = pm_service_get_profile (service);
      /* the timeline as it is now (a refund may have come after the details were shown) */
      if (pm_bill_get_state (self->bill) == PM_BILL_STATE_CANCELLED)
        events = pm_service_list_events (service, pm_bill_get_bill_id (self->bill), NULL);
    }
  receipt = pm_receipt_new (self->bill, profile,
                            pm_receipt_find_refund_time (events != NULL ? events : self->events),
                            error);
  if (receipt == NULL)
    return NULL;

  title = pm_receipt_dup_title (receipt);
  file_name = pm_receipt_dup_file_name (receipt);
  operation = gtk_print_operation_new ();
  gtk_print_operation_set_job_name (operation, title);
  gtk_print_operation_set_n_pages (operation, 1);
  gtk_print_operation_set_unit (operation, GTK_UNIT_POINTS);
  gtk_print_operation_set_embed_page_setup (operation, TRUE);
  a4 = gtk_paper_size_new (GTK_PAPER_NAME_A4);
  page_setup = gtk_page_setup_new ();
  gtk_page_setup_set_paper_size_and_default_margins (page_setup, a4);
  gtk_print_operation_set_default_page_setup (operation, page_setup);
  /* "Print to File" suggests the receipt's own name, as a PDF */
  settings = gtk_print_settings_new ();
  if (g_str_has_suffix (file_name, ".pdf"))
    file_name[strlen (file_name) - strlen (".pdf")] = '\0';
  gtk_print_settings_set (settings, GTK_PRINT_SETTINGS_OUTPUT_BASENAME, file_name);
  gtk_print_settings_set (settings, GTK_PRINT_SETTINGS_OUTPUT_FILE_FORMAT, "pdf");
  gtk_print_operation_set_print_settings (operation, settings);
  g_signal_connect_data (operation, "draw-page", G_CALLBACK (receipt_draw_page_cb),
                         g_steal_pointer (&receipt), (GClosureNotify) g_object_unref, 0);
  return g_steal_pointer (&operation);
}

/* "done" comes at the end of a run, during gtk_print_operation_run() or after it */
static void
receipt_done_cb (GtkPrintOperation       *operation,
                 GtkPrintOperationResult  result,
                 PmBillDetail            *self)
{
  if (result == GTK_PRINT_OPERATION_RESULT_ERROR)
    {
      g_autoptr(GError) error = NULL;

      gtk_print_operation_get_error (operation, &error);
      if (error != NULL)
        show_receipt_error (self, error);
      g_object_set_data (G_OBJECT (operation), "pm-error-shown", GINT_TO_POINTER (TRUE));
    }
  /* the emission holds its own reference */
  if (self->printing == operation)
    g_clear_object (&self->printing);
}

static void
receipt_action (GtkWidget  *widget,
                const char *action_name,
                GVariant   *parameter)
{
  PmBillDetail *self = PM_BILL_DETAIL (widget);
  g_autoptr(GError) error = NULL;
  GtkPrintOperation *operation;
  GtkRoot *root = gtk_widget_get_root (widget);
  GtkPrintOperationResult result;

  operation = pm_bill_detail_create_receipt_operation (self, &error);
  if (operation == NULL)
    {
      show_receipt_error (self, error);
      return;
    }
  gtk_print_operation_set_allow_async (operation, TRUE);
  g_signal_connect_object (operation, "done", G_CALLBACK (receipt_done_cb), self, 0);
  /* kept while the dialog is open (and cancelled if the details go away first) */
  if (self->printing != NULL)
    gtk_print_operation_cancel (self->printing);
  g_set_object (&self->printing, operation);
  result = gtk_print_operation_run (operation, GTK_PRINT_OPERATION_ACTION_PRINT_DIALOG,
                                    GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL, &error);
  if (result == GTK_PRINT_OPERATION_RESULT_ERROR && error != NULL
      && g_object_get_data (G_OBJECT (operation), "pm-error-shown") == NULL)
    show_receipt_error (self, error);
  if (result != GTK_PRINT_OPERATION_RESULT_IN_PROGRESS && self->printing == operation)
    g_clear_object (&self->printing);
  g_object_unref (operation);
}

static void
pm_bill_detail_dispose (GObject *object)
{
  PmBillDetail *self = PM_BILL_DETAIL (object);

  if (self->bill != NULL)
    g_clear_signal_handler (&self->notify_id, self->bill);
  g_clear_object (&self->bill);
  g_clear_pointer (&self->events, g_ptr_array_unref);
  g_clear_object (&self->service);
  if (self->printing != NULL)
    {
      g_signal_handlers_disconnect_by_func (self->printing, receipt_done_cb, self);
      gtk_print_operation_cancel (self->printing);
      g_clear_object (&self->printing);
    }
  gtk_widget_dispose_template (GTK_WIDGET (self), PM_TYPE_BILL_DETAIL);

  G_OBJECT_CLASS (pm_bill_detail_parent_class)->dispose (object);
}

static void
pm_bill_detail_class_init (PmBillDetailClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  pm_ui_ensure_resources ();

  object_class->dispose = pm_bill_detail_dispose;

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_template_from_resource (widget_class, RESOURCE_PATH "/pm-bill-detail.ui");
#define BIND(name) gtk_widget_class_bind_template_child (widget_class, PmBillDetail, name)
  BIND (scroller);
  BIND (placeholder);
  BIND (payer_label);
  BIND (amount_label);
  BIND (words_label);
  BIND (status_label);
  BIND (refresh_button);
  BIND (resend_button);
  BIND (void_button);
  BIND (refund_button);
  BIND (copy_button);
  BIND (open_button);
  BIND (receipt_button);
  BIND (danger_actions);
  BIND (phone_row);
  BIND (product_row);
  BIND (message_row);
  BIND (expiry_row);
  BIND (link_row);
  BIND (bill_id_row);
  BIND (sent_row);
  BIND (checked_row);
  BIND (error_row);
  BIND (note_row);
  BIND (approval_group);
  BIND (appr_num_row);
  BIND (appr_issuer_row);
  BIND (appr_type_row);
  BIND (appr_monthly_row);
  BIND (appr_dt_row);
  BIND (appr_price_row);
  BIND (timeline_list);
#undef BIND

  gtk_widget_class_install_action (widget_class, "detail.receipt", NULL, receipt_action);
}

static void
pm_bill_detail_init (PmBillDetail *self)
{
  GtkWidget *flow;

  gtk_widget_init_template (GTK_WIDGET (self));
  gtk_widget_set_visible (self->scroller, FALSE);
  gtk_widget_set_visible (self->placeholder, TRUE);
  /* the buttons take the focus, not the cells around them */
  flow = gtk_widget_get_parent (gtk_widget_get_parent (self->refresh_button));
  for (GtkWidget *cell = gtk_widget_get_first_child (flow); cell != NULL;
       cell = gtk_widget_get_next_sibling (cell))
    gtk_widget_set_focusable (cell, FALSE);
  /* selectable, but not where the focus lands when the details open (it would select
   * the whole name) */
  gtk_widget_set_focusable (GTK_WIDGET (self->payer_label), FALSE);
  gtk_widget_set_focusable (GTK_WIDGET (self->amount_label), FALSE);
  /* Korean wraps at spaces, never inside a word: names, values, the amount in words */
  pm_ui_wrap_words_within (GTK_WIDGET (self));
}

GtkWidget *
pm_bill_detail_new (void)
{
  return g_object_new (PM_TYPE_BILL_DETAIL, NULL);
}
