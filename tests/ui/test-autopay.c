/* test-autopay.c — the AutoPay page on the sandbox, in a real window
 *
 * Copyright 2026 The Paymint Desk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <adwaita.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/wait.h>

#include "pm-application.h"
#include "pm-autopay-charge-dialog.h"
#include "pm-autopay-register-dialog.h"
#include "pm-autopay-view.h"
#include "pm-ledger-model.h"
#include "pm-phone.h"
#include "pm-test-util.h"

#define PHONE "01011112222"
#define LONG_PHONE "01033334444"
/* 30 characters, the longest name Payssam takes */
#define LONG_NAME "가나다라마바사아자차카타파하거너더러머버서어저처커터퍼허고노"
#define DEFAULT_MESSAGE_KO "등록하신 카드로 자동결제되었습니다."

static PmApplication *app;
static PmService *service;
static PmSandbox *sandbox;
static GtkWindow *window;
static GtkWidget *view;

/* ---- driving the UI ---- */

/* What a mouse click does, at once (gtk_widget_activate() waits a quarter second). */
static void
click (GtkWidget *button)
{
  g_assert_true (GTK_IS_BUTTON (button));
  g_assert_true (gtk_widget_is_sensitive (button));
  g_signal_emit_by_name (button, "clicked");
}

static GtkWidget *
find_label (GtkWidget  *root,
            const char *text,
            gboolean    substring)
{
  if (GTK_IS_LABEL (root) && gtk_widget_get_mapped (root))
    {
      const char *label = gtk_label_get_label (GTK_LABEL (root));

      if (substring ? strstr (label, text) != NULL : g_strcmp0 (label, text) == 0)
        return root;
    }
  for (GtkWidget *c = gtk_widget_get_first_child (root); c; c = gtk_widget_get_next_sibling (c))
    {
      GtkWidget *found = find_label (c, text, substring);

      if (found != NULL)
        return found;
    }
  return NULL;
}

/* A mapped button for @action; with @phone, only one whose "(ss)" target names it. */
static GtkWidget *
find_button (GtkWidget  *root,
             const char *action,
             const char *phone)
{
  if (GTK_IS_BUTTON (root) && gtk_widget_get_mapped (root)
      && g_strcmp0 (gtk_actionable_get_action_name (GTK_ACTIONABLE (root)), action) == 0)
    {
      GVariant *target = gtk_actionable_get_action_target_value (GTK_ACTIONABLE (root));
      const char *target_phone = NULL;
      const char *method_id = NULL;

      if (phone == NULL)
        return root;
      if (target != NULL && g_variant_is_of_type (target, G_VARIANT_TYPE ("(ss)")))
        {
          g_variant_get (target, "(&s&s)", &target_phone, &method_id);
          if (g_strcmp0 (target_phone, phone) == 0)
            return root;
        }
    }
  for (GtkWidget *c = gtk_widget_get_first_child (root); c; c = gtk_widget_get_next_sibling (c))
    {
      GtkWidget *found = find_button (c, action, phone);

      if (found != NULL)
        return found;
    }
  return NULL;
}

static GtkEditable *
find_row (GtkWidget  *root,
          const char *title)
{
  if (ADW_IS_ENTRY_ROW (root)
      && g_strcmp0 (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (root)), title) == 0)
    return GTK_EDITABLE (root);
  for (GtkWidget *c = gtk_widget_get_first_child (root); c; c = gtk_widget_get_next_sibling (c))
    {
      GtkEditable *found = find_row (c, title);

      if (found != NULL)
        return found;
    }
  return NULL;
}

static GPtrArray *
visible_toplevels (GType type)
{
  GListModel *toplevels = gtk_window_get_toplevels ();
  GPtrArray *found = g_ptr_array_new ();

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GtkWindow) w = g_list_model_get_item (toplevels, i);

      if (G_TYPE_CHECK_INSTANCE_TYPE (w, type) && gtk_widget_get_visible (GTK_WIDGET (w)))
        g_ptr_array_add (found, w);
    }
  return found;
}

static GtkWindow *
find_toplevel (GType type)
{
  g_autoptr(GPtrArray) found = visible_toplevels (type);

  return found->len > 0 ? g_ptr_array_index (found, 0) : NULL;
}

static gboolean
toplevel_shown (gpointer type)
{
  return find_toplevel ((GType) GPOINTER_TO_SIZE (type)) != NULL;
}

static gboolean
toplevel_gone (gpointer type)
{
  return find_toplevel ((GType) GPOINTER_TO_SIZE (type)) == NULL;
}

static GtkWindow *
wait_toplevel (GType type)
{
  pm_test_spin_until (toplevel_shown, GSIZE_TO_POINTER (type), 5000);
  return find_toplevel (type);
}

static gboolean
view_shows (gpointer text)
{
  return find_label (view, text, FALSE) != NULL;
}

static gboolean
view_lacks (gpointer text)
{
  return find_label (view, text, FALSE) == NULL;
}

static gboolean
card_shown (gpointer data)
{
  return find_button (view, "autopay.delete-method", PHONE) != NULL;
}

static gboolean
card_gone (gpointer data)
{
  return find_button (view, "autopay.delete-method", PHONE) == NULL;
}

static gboolean
toast_has (gpointer text)
{
  const char *toast = g_object_get_data (G_OBJECT (view), "pm-last-toast");

  return toast != NULL && strstr (toast, text) != NULL;
}

static GtkWidget *
find_type (GtkWidget *root,
           GType      type)
{
  if (G_TYPE_CHECK_INSTANCE_TYPE (root, type))
    return root;
  for (GtkWidget *c = gtk_widget_get_first_child (root); c; c = gtk_widget_get_next_sibling (c))
    {
      GtkWidget *found = find_type (c, type);

      if (found != NULL)
        return found;
    }
  return NULL;
}

/* A spinner that spins where the user can see it. */
static gboolean
spinner_spinning (GtkWidget *root)
{
  if (GTK_IS_SPINNER (root) && gtk_widget_get_mapped (root)
      && gtk_spinner_get_spinning (GTK_SPINNER (root)))
    return TRUE;
  for (GtkWidget *c = gtk_widget_get_first_child (root); c; c = gtk_widget_get_next_sibling (c))
    if (spinner_spinning (c))
      return TRUE;
  return FALSE;
}

/* A confirmation opens with its safe answer focused: Enter does no harm. */
static void
assert_safe_focus (AdwMessageDialog *dialog,
                   const char       *label)
{
  GtkWidget *focus;

  pm_test_spin_until ((gboolean (*) (gpointer)) gtk_widget_get_mapped, dialog, 5000);
  pm_test_spin (50);
  g_assert_cmpstr (adw_message_dialog_get_default_response (dialog), ==, "cancel");
  focus = gtk_root_get_focus (GTK_ROOT (dialog));
  g_assert_nonnull (focus);
  if (!GTK_IS_BUTTON (focus))
    focus = gtk_widget_get_ancestor (focus, GTK_TYPE_BUTTON);
  g_assert_nonnull (focus);
  g_assert_cmpstr (gtk_button_get_label (GTK_BUTTON (focus)), ==, label);
}

typedef struct
{
  gboolean   done;
  GPtrArray *methods;
  gpointer   reply;
  GError    *error;
} Call;

static void
methods_cb (GObject      *object,
            GAsyncResult *result,
            gpointer      user_data)
{
  Call *call = user_data;

  call->methods = pm_service_autopay_methods_finish (PM_SERVICE (object), result, &call->error);
  call->done = TRUE;
}

/* The last four digits of @phone's first card, as the server has it. */
static char *
first_card_last_four (const char *phone)
{
  Call call = { 0 };
  const PmAutopayMethod *method;
  const char *no;
  char last[5] = { 0 };
  int n = 0;

  pm_service_autopay_methods_async (service, phone, NULL, methods_cb, &call);
  g_assert_true (pm_test_wait_flag (&call.done, 10000));
  g_assert_no_error (call.error);
  g_assert_cmpuint (call.methods->len, >=, 1);
  method = g_ptr_array_index (call.methods, 0);
  no = method->card_no;
  for (const char *p = no + strlen (no); p > no && n < 4;)
    if (g_ascii_isdigit (*--p))
      last[3 - n++] = *p;
  g_assert_cmpint (n, ==, 4);
  g_ptr_array_unref (call.methods);
  return g_strdup (last);
}

/* Every mapped label under @root that shows @digits: none may be cut short. */
static guint
assert_digits_whole (GtkWidget  *root,
                     const char *digits)
{
  guint n = 0;

  if (GTK_IS_LABEL (root) && gtk_widget_get_mapped (root)
      && strstr (gtk_label_get_text (GTK_LABEL (root)), digits) != NULL)
    {
      PangoLayout *layout = gtk_label_get_layout (GTK_LABEL (root));

      g_assert_false (pango_layout_is_ellipsized (layout));
      g_assert_cmpint (pango_layout_get_line_count (layout), ==, 1);
      n++;
    }
  for (GtkWidget *c = gtk_widget_get_first_child (root); c; c = gtk_widget_get_next_sibling (c))
    n += assert_digits_whole (c, digits);
  return n;
}

static PmBill *
ledger_bill (guint state)
{
  g_autoptr(PmLedgerQuery) query = pm_ledger_query_new ();
  g_autoptr(PmLedgerModel) model = NULL;

  pm_ledger_query_set_text (query, PHONE);
  query->states = PM_LEDGER_STATE_BIT (state);
  pm_service_scope_query (service, query);
  model = pm_service_create_model (service, query);
  if (g_list_model_get_n_items (G_LIST_MODEL (model)) != 1)
    return NULL;
  return g_list_model_get_item (G_LIST_MODEL (model), 0);
}

/* ---- tests ---- */

static void
test_empty (void)
{
  /* nobody registered yet: the page explains AutoPay and offers to register */
  pm_test_spin_until (view_shows, (gpointer) "No AutoPay Payers Yet", 5000);
  g_assert_nonnull (find_button (view, "autopay.register", NULL));
}

static void
test_register (void)
{
  GtkWindow *dialog;
  GtkEditable *name, *phone;
  GtkWidget *send;
  const char *link;
  g_autoptr(GPtrArray) payers = NULL;
  const PmLedgerPayer *payer;

  g_assert_true (gtk_widget_activate_action (view, "autopay.register", NULL));
  dialog = wait_toplevel (PM_TYPE_AUTOPAY_REGISTER_DIALOG);
  name = find_row (GTK_WIDGET (dialog), "_Name");
  phone = find_row (GTK_WIDGET (dialog), "_Mobile Number");
  send = find_button (GTK_WIDGET (dialog), "register.send", NULL);
  g_assert_nonnull (name);
  g_assert_nonnull (phone);
  g_assert_nonnull (send);
  g_assert_false (gtk_widget_get_sensitive (send));

  /* a landline is refused as it is typed, with the reason next to the field */
  gtk_editable_set_text (name, "김민지");
  gtk_editable_set_text (phone, "02-123-4567");
  pm_test_spin (50);
  g_assert_nonnull (find_label (GTK_WIDGET (dialog),
                                pm_phone_check_message (PM_PHONE_NOT_MOBILE), FALSE));
  g_assert_false (gtk_widget_get_sensitive (send));

  gtk_editable_set_text (phone, "010-1111-2222");
  pm_test_spin (50);
  g_assert_null (find_label (GTK_WIDGET (dialog),
                             pm_phone_check_message (PM_PHONE_NOT_MOBILE), FALSE));
  g_assert_true (gtk_widget_get_sensitive (send));
  click (send);

  /* the link is sent and shown, with a copy button */
  pm_test_spin_until (view_shows, (gpointer) "Waiting for 김민지 to register a card", 10000);
  link = pm_autopay_register_dialog_get_link (PM_AUTOPAY_REGISTER_DIALOG (dialog));
  g_assert_nonnull (link);
  g_assert_true (g_str_has_prefix (link, "http"));
  g_assert_nonnull (find_label (GTK_WIDGET (dialog), link, FALSE));
  g_assert_true (gtk_widget_get_sensitive (find_button (GTK_WIDGET (dialog),
                                                        "register.copy-link", NULL)));
  g_assert_true (toast_has ((gpointer) "Registration link sent to 김민지"));

  /* the payer is kept in the ledger */
  payers = pm_service_list_payers (service, NULL);
  g_assert_cmpuint (payers->len, ==, 1);
  payer = g_ptr_array_index (payers, 0);
  g_assert_cmpstr (payer->phone, ==, PHONE);
  g_assert_cmpstr (payer->name, ==, "김민지");
  gtk_window_destroy (dialog);

  /* no card yet: the page waits; the payer opens the link on their phone and the card
   * shows up without anyone pressing refresh */
  pm_test_spin (300);
  g_assert_true (card_gone (NULL));
  g_assert_true (pm_sandbox_open_autopay_link (sandbox, PHONE));
  pm_test_spin_until (card_shown, NULL, 15000);
  pm_test_spin_until (view_lacks, (gpointer) "Waiting for 김민지 to register a card", 2000);
  g_assert_true (gtk_widget_is_sensitive (find_button (view, "autopay.charge", NULL)));
}

static PmAutopayChargeDialog *
open_charge (const char *amount,
             const char *product)
{
  GtkWindow *dialog;
  GtkEditable *row;
  g_autoptr(GPtrArray) dialogs = NULL;

  /* a double click on the card's Charge button opens one dialog */
  click (find_button (view, "autopay.charge-method", PHONE));
  g_signal_emit_by_name (find_button (view, "autopay.charge-method", PHONE), "clicked");
  dialog = wait_toplevel (PM_TYPE_AUTOPAY_CHARGE_DIALOG);
  pm_test_spin (50);
  dialogs = visible_toplevels (PM_TYPE_AUTOPAY_CHARGE_DIALOG);
  g_assert_cmpuint (dialogs->len, ==, 1);
  row = find_row (GTK_WIDGET (dialog), "_Amount (₩)");
  g_assert_nonnull (row);
  gtk_editable_set_text (row, amount);
  row = find_row (GTK_WIDGET (dialog), "_What For");
  g_assert_nonnull (row);
  gtk_editable_set_text (row, product);
  pm_test_spin (50);
  return PM_AUTOPAY_CHARGE_DIALOG (dialog);
}

static void
test_charge (void)
{
  PmAutopayChargeDialog *dialog = open_charge ("120,000", "11월 수강료");
  guint bills = pm_sandbox_count_bills (sandbox);
  g_autoptr(GPtrArray) confirms = NULL;
  g_autoptr(PmBill) bill = NULL;
  AdwMessageDialog *confirm;
  GtkWidget *charge;
  const char *body;

  /* the amount is read back in figures and in Korean words as it is typed */
  g_assert_nonnull (find_label (GTK_WIDGET (dialog), "₩120,000 — 십이만 원", FALSE));

  /* the card's last four digits are shown whole at the dialog's default width */
  {
    g_autofree char *digits = first_card_last_four (PHONE);
    GtkWidget *method_row = find_type (GTK_WIDGET (dialog), ADW_TYPE_COMBO_ROW);

    g_assert_nonnull (method_row);
    g_assert_cmpuint (assert_digits_whole (method_row, digits), >=, 1);
  }

  /* the message goes to a Korean payer: Korean, whatever the interface speaks (English) */
  g_assert_cmpstr (gtk_editable_get_text (find_row (GTK_WIDGET (dialog),
                                                    "M_essage to the Payer")),
                   ==, DEFAULT_MESSAGE_KO);

  /* a double click on Charge asks once */
  charge = find_button (GTK_WIDGET (dialog), "charge.charge", NULL);
  g_assert_true (gtk_widget_get_sensitive (charge));
  click (charge);
  /* the second click of the pair (the button is locked already: sent to it regardless) */
  g_signal_emit_by_name (charge, "clicked");
  confirm = ADW_MESSAGE_DIALOG (wait_toplevel (ADW_TYPE_MESSAGE_DIALOG));
  assert_safe_focus (confirm, "_Cancel");
  pm_test_spin (100);
  confirms = visible_toplevels (ADW_TYPE_MESSAGE_DIALOG);
  g_assert_cmpuint (confirms->len, ==, 1);
  body = adw_message_dialog_get_body (confirm);
  g_assert_nonnull (strstr (body, "₩120,000"));
  g_assert_nonnull (strstr (body, "십이만 원"));
  g_assert_nonnull (strstr (body, "charged now"));
  g_assert_nonnull (strstr (body, "balance"));
  g_assert_nonnull (strstr (adw_message_dialog_get_heading (confirm), "김민지"));

  /* … and a double confirmation charges once; the button stays locked meanwhile */
  pm_sandbox_set_latency (sandbox, "autopay/request", 700);
  adw_message_dialog_response (confirm, "charge");
  adw_message_dialog_response (confirm, "charge");
  gtk_window_destroy (GTK_WINDOW (confirm));
  g_assert_true (pm_autopay_charge_dialog_get_busy (dialog));
  g_assert_false (gtk_widget_get_sensitive (charge));
  /* even a click that got through, or the shortcut, does nothing */
  g_signal_emit_by_name (charge, "clicked");
  gtk_widget_activate_action (GTK_WIDGET (dialog), "charge.charge", NULL);
  pm_test_spin (100);
  g_assert_true (toplevel_gone (GSIZE_TO_POINTER (ADW_TYPE_MESSAGE_DIALOG)));

  pm_test_spin_until (toplevel_gone, GSIZE_TO_POINTER (PM_TYPE_AUTOPAY_CHARGE_DIALOG), 10000);
  pm_sandbox_set_latency (sandbox, "autopay/request", 0);
  pm_test_spin_until (toast_has, (gpointer) "Charged ₩120,000 to 김민지", 2000);
  g_assert_cmpuint (pm_sandbox_count_bills (sandbox), ==, bills + 1);

  /* the charge is a paid AutoPay bill in the ledger, which Payments lists */
  bill = ledger_bill (PM_BILL_STATE_PAID);
  g_assert_nonnull (bill);
  g_assert_cmpint (pm_bill_get_kind (bill), ==, PM_BILL_KIND_AUTOPAY);
  g_assert_cmpint (pm_bill_get_price (bill), ==, 120000);
  g_assert_cmpstr (pm_bill_get_product (bill), ==, "11월 수강료");
  g_assert_cmpstr (pm_bill_get_message (bill), ==, DEFAULT_MESSAGE_KO);
  g_assert_nonnull (pm_bill_get_method_id (bill));
}

static gboolean
dialog_says_failed (gpointer dialog)
{
  return find_label (dialog, "The charge of ₩50,000 to 김민지 failed: ", TRUE) != NULL;
}

static void
test_declined (void)
{
  PmAutopayChargeDialog *dialog;
  guint bills = pm_sandbox_count_bills (sandbox);
  g_autoptr(PmBill) bill = NULL;
  AdwMessageDialog *confirm;
  GtkWidget *reason;

  /* every card declines */
  pm_sandbox_set_payers (sandbox, 0.0, 60, 60, 1.0);
  dialog = open_charge ("50000", "교재비");
  click (find_button (GTK_WIDGET (dialog), "charge.charge", NULL));
  confirm = ADW_MESSAGE_DIALOG (wait_toplevel (ADW_TYPE_MESSAGE_DIALOG));
  g_assert_nonnull (strstr (adw_message_dialog_get_body (confirm), "오만 원"));
  adw_message_dialog_response (confirm, "charge");
  gtk_window_destroy (GTK_WINDOW (confirm));

  /* the dialog stays, saying it failed and why, in the card company's words */
  pm_test_spin_until (dialog_says_failed, dialog, 10000);
  reason = find_label (GTK_WIDGET (dialog), "The charge of ₩50,000 to 김민지 failed: ", TRUE);
  g_assert_nonnull (strstr (gtk_label_get_label (GTK_LABEL (reason)), "declined"));
  g_assert_true (toast_has ((gpointer) "declined"));
  g_assert_false (pm_autopay_charge_dialog_get_busy (dialog));
  g_assert_cmpuint (pm_sandbox_count_bills (sandbox), ==, bills);

  /* recorded as a failed bill with the reason */
  bill = ledger_bill (PM_BILL_STATE_FAILED);
  g_assert_nonnull (bill);
  g_assert_cmpint (pm_bill_get_price (bill), ==, 50000);
  g_assert_nonnull (strstr (pm_bill_get_error_text (bill), "declined"));

  gtk_window_destroy (GTK_WINDOW (dialog));
  pm_sandbox_set_payers (sandbox, 0.0, 60, 60, 0.0);
}

static void
test_update (void)
{
  AdwMessageDialog *shown;

  /* the payer gets a link to change the card; the desk shows it and copies it */
  click (find_button (view, "autopay.update-method", PHONE));
  shown = ADW_MESSAGE_DIALOG (wait_toplevel (ADW_TYPE_MESSAGE_DIALOG));
  g_assert_cmpstr (adw_message_dialog_get_heading (shown), ==, "Card Change Link Sent");
  g_assert_nonnull (strstr (adw_message_dialog_get_body (shown), "김민지"));
  g_assert_nonnull (strstr (adw_message_dialog_get_body (shown), "https://"));
  g_assert_true (adw_message_dialog_has_response (shown, "copy"));
  adw_message_dialog_response (shown, "copy");
  gtk_window_destroy (GTK_WINDOW (shown));
  pm_test_spin_until (toast_has, (gpointer) "Link copied", 2000);
  /* the card is still there */
  g_assert_true (card_shown (NULL));
}

static void
test_delete (void)
{
  AdwMessageDialog *confirm;

  /* keeping the card changes nothing */
  click (find_button (view, "autopay.delete-method", PHONE));
  confirm = ADW_MESSAGE_DIALOG (wait_toplevel (ADW_TYPE_MESSAGE_DIALOG));
  adw_message_dialog_response (confirm, "cancel");
  gtk_window_destroy (GTK_WINDOW (confirm));
  pm_test_spin (500);
  g_assert_true (card_shown (NULL));

  click (find_button (view, "autopay.delete-method", PHONE));
  confirm = ADW_MESSAGE_DIALOG (wait_toplevel (ADW_TYPE_MESSAGE_DIALOG));
  assert_safe_focus (confirm, "_Keep");
  g_assert_nonnull (strstr (adw_message_dialog_get_heading (confirm), "김민지"));
  g_assert_cmpint (adw_message_dialog_get_response_appearance (confirm, "delete"), ==,
                   ADW_RESPONSE_DESTRUCTIVE);
  g_assert_cmpstr (adw_message_dialog_get_default_response (confirm), ==, "cancel");
  adw_message_dialog_response (confirm, "delete");
  gtk_window_destroy (GTK_WINDOW (confirm));

  pm_test_spin_until (card_gone, NULL, 10000);
  pm_test_spin_until (toast_has, (gpointer) "Deleted 김민지’s card", 2000);
  g_assert_false (gtk_widget_is_sensitive (find_button (view, "autopay.charge", NULL)));

  /* nobody is registering a card: the page says so, and does not wait (no spinner, now
   * or at the next poll, which came 5 s later) */
  pm_test_spin_until (view_shows, (gpointer) "No card registered", 5000);
  {
    gint64 end = g_get_monotonic_time () + 6 * G_USEC_PER_SEC;

    while (g_get_monotonic_time () < end)
      {
        g_assert_false (spinner_spinning (view));
        g_assert_null (find_label (view, "Waiting for 김민지 to register a card", FALSE));
        if (!g_main_context_iteration (NULL, FALSE))
          g_usleep (1000);
      }
  }
  /* what can be done instead: a new link, or removing the payer */
  g_assert_nonnull (find_button (view, "autopay.send-link", NULL));
  g_assert_nonnull (find_button (view, "autopay.remove-payer", NULL));
}

/* A payer without a card gets a new link in one click, without being typed again; the
 * page then waits for their card (and can still remove them). */
static void
test_send_new_link (void)
{
  GtkWidget *send = find_button (view, "autopay.send-link", NULL);

  click (send);
  g_signal_emit_by_name (send, "clicked"); /* a double click sends one link */
  pm_test_spin_until (toast_has, (gpointer) "Registration link sent to 김민지", 5000);
  pm_test_spin_until (view_shows, (gpointer) "Waiting for 김민지 to register a card", 2000);
  g_assert_null (find_label (view, "No card registered", FALSE));
  g_assert_nonnull (find_button (view, "autopay.copy-link", NULL));
  g_assert_nonnull (find_button (view, "autopay.remove-payer", NULL));
}

static void
test_remove_payer (void)
{
  AdwMessageDialog *confirm;
  g_autoptr(GPtrArray) payers = NULL;

  /* keeping the payer changes nothing */
  click (find_button (view, "autopay.remove-payer", NULL));
  confirm = ADW_MESSAGE_DIALOG (wait_toplevel (ADW_TYPE_MESSAGE_DIALOG));
  assert_safe_focus (confirm, "_Keep");
  g_assert_nonnull (strstr (adw_message_dialog_get_heading (confirm), "김민지"));
  g_assert_cmpint (adw_message_dialog_get_response_appearance (confirm, "remove"), ==,
                   ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_response (confirm, "cancel");
  gtk_window_destroy (GTK_WINDOW (confirm));
  pm_test_spin (100);
  g_assert_true (view_shows ((gpointer) "김민지"));
  payers = pm_service_list_payers (service, NULL);
  g_assert_cmpuint (payers->len, ==, 1);
  g_clear_pointer (&payers, g_ptr_array_unref);

  /* removed: off the page and off the ledger's list */
  click (find_button (view, "autopay.remove-payer", NULL));
  confirm = ADW_MESSAGE_DIALOG (wait_toplevel (ADW_TYPE_MESSAGE_DIALOG));
  adw_message_dialog_response (confirm, "remove");
  gtk_window_destroy (GTK_WINDOW (confirm));
  pm_test_spin_until (toast_has, (gpointer) "Removed 김민지 from AutoPay", 2000);
  pm_test_spin_until (view_shows, (gpointer) "No AutoPay Payers Yet", 2000);
  g_assert_null (find_label (view, "김민지", FALSE));
  payers = pm_service_list_payers (service, NULL);
  g_assert_cmpuint (payers->len, ==, 0);

  /* a new page on the same ledger agrees */
  pm_autopay_view_reload (PM_AUTOPAY_VIEW (view));
  pm_test_spin (100);
  g_assert_true (view_shows ((gpointer) "No AutoPay Payers Yet"));
}

/* Korean wraps between words, never inside one ("카드를" stays whole). */
static void
test_korean_wraps_at_spaces (void)
{
  const char *korean = "자동결제는 납부자가 카카오톡으로 받은 링크에서 카드를 한 번 등록하면 "
                       "결제가 필요할 때마다 결제 요청을 보내지 않고 바로 청구하는 기능입니다. "
                       "카드 정보는 이 데스크를 거치지 않습니다.";
  GtkWidget *label = find_label (view, "With AutoPay a payer registers a card once", TRUE);
  PangoLayout *layout;
  const char *text;
  guint n_breaks = 0;

  g_assert_nonnull (label);
  g_assert_true (gtk_label_get_wrap (GTK_LABEL (label)));
  /* as a Korean desk shows it, at a narrow width */
  gtk_label_set_label (GTK_LABEL (label), korean);
  gtk_window_set_default_size (window, 360, 700);
  pm_test_spin (300);

  layout = gtk_label_get_layout (GTK_LABEL (label));
  text = pango_layout_get_text (layout);
  g_assert_cmpstr (text, ==, korean);
  for (GSList *l = pango_layout_get_lines_readonly (layout); l != NULL; l = l->next)
    {
      PangoLayoutLine *line = l->data;

      if (line->start_index == 0)
        continue;
      /* every line but the first starts right after a space */
      g_assert_cmpint (text[line->start_index - 1], ==, ' ');
      n_breaks++;
    }
  g_assert_cmpuint (n_breaks, >=, 2);
  gtk_window_set_default_size (window, 900, 700);
  pm_test_spin (100);
}

typedef struct
{
  gboolean      done;
  PmSendResult *reply;
  GError       *error;
} Registered;

static void
registered_cb (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  Registered *r = user_data;

  r->reply = pm_service_autopay_register_finish (PM_SERVICE (object), result, &r->error);
  r->done = TRUE;
}

static gboolean
long_card_shown (gpointer data)
{
  return find_button (view, "autopay.charge-method", LONG_PHONE) != NULL;
}

/* However long the payer's name, the last four digits of the card are never cut. */
static void
test_charge_long_name (void)
{
  Registered r = { 0 };
  g_autofree char *digits = NULL;
  GtkWindow *dialog;
  GtkWidget *method_row;

  pm_service_autopay_register_async (service, LONG_NAME, LONG_PHONE, NULL, NULL, NULL,
                                     registered_cb, &r);
  g_assert_true (pm_test_wait_flag (&r.done, 10000));
  g_assert_no_error (r.error);
  g_clear_pointer (&r.reply, pm_send_result_free);
  g_assert_true (pm_sandbox_open_autopay_link (sandbox, LONG_PHONE));
  pm_autopay_view_reload (PM_AUTOPAY_VIEW (view));
  pm_test_spin_until (long_card_shown, NULL, 10000);

  digits = first_card_last_four (LONG_PHONE);
  click (find_button (view, "autopay.charge-method", LONG_PHONE));
  dialog = wait_toplevel (PM_TYPE_AUTOPAY_CHARGE_DIALOG);
  pm_test_spin (200);
  method_row = find_type (GTK_WIDGET (dialog), ADW_TYPE_COMBO_ROW);
  g_assert_cmpuint (assert_digits_whole (method_row, digits), >=, 1);
  gtk_window_destroy (dialog);
  pm_test_spin (50);
}

/* --help and --version answer without the settings schema an uninstalled build lacks;
 * without it otherwise, the desk says what is missing instead of aborting. */
static void
test_help_without_schema (void)
{
  g_autofree char *binary = g_build_filename (g_getenv ("PM_BUILD_ROOT"), "src", "paymint-desk",
                                              NULL);
  g_autofree char *empty = g_dir_make_tmp ("paymint-noschema-XXXXXX", NULL);
  g_auto(GStrv) env = g_get_environ ();
  const char *runs[][2] = { { "--help", "--sandbox" }, { "--version", "0." }, { NULL, NULL } };

  g_assert_true (g_file_test (binary, G_FILE_TEST_IS_EXECUTABLE));
  env = g_environ_unsetenv (env, "GSETTINGS_SCHEMA_DIR");
  env = g_environ_setenv (env, "XDG_DATA_DIRS", empty, TRUE);
  for (guint i = 0; i < G_N_ELEMENTS (runs); i++)
    {
      const char *argv[] = { binary, runs[i][0], NULL };
      g_autofree char *out = NULL;
      g_autofree char *err = NULL;
      g_autoptr(GError) error = NULL;
      int status = 0;

      g_assert_true (g_spawn_sync (NULL, (char **) argv, env, G_SPAWN_DEFAULT, NULL, NULL, &out,
                                   &err, &status, &error));
      g_assert_no_error (error);
      if (runs[i][0] != NULL)
        {
          g_assert_true (g_spawn_check_wait_status (status, &error));
          g_assert_no_error (error);
          g_assert_nonnull (strstr (out, runs[i][1]));
        }
      else
        {
          /* no abort, a sentence and exit status 1 */
          g_assert_true (WIFEXITED (status));
          g_assert_cmpint (WEXITSTATUS (status), ==, 1);
          g_assert_nonnull (strstr (err, "settings schema"));
        }
    }
  g_rmdir (empty);
}

static gboolean
view_finalized (gpointer data)
{
  return view == NULL;
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GError) error = NULL;
  int ret;

  pm_test_init (&argc, &argv);
  /* an English interface: payer-facing texts must stay Korean all the same */
  g_setenv ("LANGUAGE", "en", TRUE);
  app = pm_application_new ();
  g_application_set_flags (G_APPLICATION (app), G_APPLICATION_NON_UNIQUE);
  pm_application_set_use_sandbox (app, TRUE);
  g_application_register (G_APPLICATION (app), NULL, &error);
  g_assert_no_error (error);
  service = pm_application_get_service (app);
  sandbox = pm_application_get_sandbox (app);
  g_assert_nonnull (service);
  g_assert_nonnull (sandbox);
  /* nobody pays or registers by themselves unless the test says so */
  pm_sandbox_set_payers (sandbox, 0.0, 60, 60, 0.0);
  pm_sandbox_set_autopay_delay (sandbox, 0);
  /* paid-bill notifications are test-payments' business; no notification server here */
  g_settings_set_boolean (pm_application_get_settings (app), "notify-paid", FALSE);

  window = GTK_WINDOW (adw_window_new ());
  gtk_window_set_default_size (window, 900, 700);
  view = pm_autopay_view_new (service);
  adw_window_set_content (ADW_WINDOW (window), view);
  gtk_window_present (window);

  g_test_add_func ("/autopay/empty", test_empty);
  g_test_add_func ("/autopay/register", test_register);
  g_test_add_func ("/autopay/charge", test_charge);
  g_test_add_func ("/autopay/declined", test_declined);
  g_test_add_func ("/autopay/update", test_update);
  g_test_add_func ("/autopay/delete", test_delete);
  g_test_add_func ("/autopay/send-new-link", test_send_new_link);
  g_test_add_func ("/autopay/remove-payer", test_remove_payer);
  g_test_add_func ("/autopay/korean-wraps-at-spaces", test_korean_wraps_at_spaces);
  g_test_add_func ("/autopay/charge-long-name", test_charge_long_name);
  g_test_add_func ("/autopay/help-without-schema", test_help_without_schema);

  ret = g_test_run ();

  /* the page goes with its window, late replies and timers included */
  g_object_add_weak_pointer (G_OBJECT (view), (gpointer *) &view);
  gtk_window_destroy (window);
  pm_test_spin_until (view_finalized, NULL, 5000);
  g_application_quit (G_APPLICATION (app));
  g_clear_object (&app);
  return ret;
}
