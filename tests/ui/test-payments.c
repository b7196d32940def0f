/* test-payments.c — the payments window on the sandbox, in a real window
 *
 * Copyright 2026 The Paymint Desk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <adwaita.h>

#include "pm-application.h"
#include "pm-bill-detail.h"
#include "pm-payments-view.h"
#include "pm-test-util.h"
#include "pm-window.h"

static PmApplication *app;
static GPtrArray *notifications; /* summaries the desktop was asked to show (not owned) */

static PmWindow *window;
static PmPaymentsView *view;

static GtkWidget *
find_label (GtkWidget  *root,
            const char *text)
{
  if (GTK_IS_LABEL (root) && gtk_widget_get_mapped (root)
      && g_strcmp0 (gtk_label_get_label (GTK_LABEL (root)), text) == 0)
    return root;
  for (GtkWidget *c = gtk_widget_get_first_child (root); c; c = gtk_widget_get_next_sibling (c))
    {
      GtkWidget *found = find_label (c, text);

      if (found != NULL)
        return found;
    }
  return NULL;
}

static GtkWidget *
find_button (GtkWidget  *root,
             const char *action)
{
  if (GTK_IS_BUTTON (root) && g_strcmp0 (gtk_actionable_get_action_name (GTK_ACTIONABLE (root)), action) == 0)
    return root;
  for (GtkWidget *c = gtk_widget_get_first_child (root); c; c = gtk_widget_get_next_sibling (c))
    {
      GtkWidget *found = find_button (c, action);

      if (found != NULL)
        return found;
    }
  return NULL;
}

typedef struct
{
  gboolean  done;
  PmBill   *bill;
} Sent;

static void
sent_cb (GObject      *object,
         GAsyncResult *result,
         gpointer      user_data)
{
  Sent *sent = user_data;
  g_autoptr(GError) error = NULL;

  sent->bill = pm_service_send_finish (PM_SERVICE (object), result, &error);
  g_assert_no_error (error);
  sent->done = TRUE;
}

static PmBill *
send_bill (const char *name,
           const char *phone,
           const char *product,
           gint64      price)
{
  g_autoptr(PmBill) bill = pm_bill_new ();
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  g_autoptr(GDateTime) later = g_date_time_add_days (now, 7);
  g_autofree char *expire = g_date_time_format (later, "%Y-%m-%d");
  Sent sent = { 0 };

  pm_bill_set_payer_name (bill, name);
  pm_bill_set_phone (bill, phone);
  pm_bill_set_product (bill, product);
  pm_bill_set_message (bill, "결제 부탁드립니다");
  pm_bill_set_price (bill, price);
  pm_bill_set_expire_date (bill, expire);
  pm_service_send_async (pm_application_get_service (app), bill, NULL, sent_cb, &sent);
  g_assert_true (pm_test_wait_flag (&sent.done, 10000));
  return sent.bill;
}

static guint want_rows;

static gboolean
rows_are (gpointer data)
{
  return g_list_model_get_n_items (pm_payments_view_get_model (view)) == want_rows;
}

static gboolean
label_shown (gpointer text)
{
  return find_label (GTK_WIDGET (window), text) != NULL;
}

static PmBill *sent_a, *sent_b, *sent_c;

static gboolean
totals_have (gpointer text)
{
  return strstr (pm_payments_view_get_totals_text (view), text) != NULL;
}

static gboolean
totals_lack (gpointer text)
{
  return strstr (pm_payments_view_get_totals_text (view), text) == NULL;
}

static void
test_listed (void)
{
  sent_a = send_bill ("김민지", "010-1111-2222", "11월 수강료", 120000);
  sent_b = send_bill ("이서준", "010-3333-4444", "교재비", 35000);
  sent_c = send_bill ("박지호", "010-5555-6666", "11월 수강료", 98000);

  want_rows = 3;
  pm_test_spin_until (rows_are, NULL, 5000);
  /* the rows are drawn, phone numbers formatted, amounts with won and separators */
  pm_test_spin_until (label_shown, (gpointer) "김민지", 5000);
  g_assert_nonnull (find_label (GTK_WIDGET (window), "010-1111-2222"));
  g_assert_nonnull (find_label (GTK_WIDGET (window), "₩120,000"));
  pm_test_spin_until (totals_have, (gpointer) "3 bills", 5000);
  pm_test_spin_until (totals_have, (gpointer) "₩253,000", 5000);
}

static PmBill *
row_bill (const char *bill_id)
{
  GListModel *model = pm_payments_view_get_model (view);

  for (guint i = 0; i < g_list_model_get_n_items (model); i++)
    {
      g_autoptr(PmBill) bill = g_list_model_get_item (model, i);

      if (g_strcmp0 (pm_bill_get_bill_id (bill), bill_id) == 0)
        return bill;
    }
  return NULL;
}

static gboolean
row_state_is (gpointer data)
{
  PmBill *bill = row_bill (pm_bill_get_bill_id (sent_a));

  return bill != NULL && pm_bill_get_state (bill) == GPOINTER_TO_INT (data);
}

static gboolean
notified_paid (gpointer data)
{
  for (guint i = 0; i < notifications->len; i++)
    if (g_strcmp0 (g_ptr_array_index (notifications, i), "김민지 paid ₩120,000") == 0)
      return TRUE;
  return FALSE;
}

static void
test_paid_by_itself (void)
{
  PmSandbox *sandbox = pm_application_get_sandbox (app);
  guint notified = pm_application_get_n_notifications (app);

  pm_payments_view_select_bill (view, pm_bill_get_bill_id (sent_b));
  /* the payer pays on their phone; nobody touches the desk */
  g_assert_true (pm_sandbox_pay_bill (sandbox, pm_bill_get_bill_id (sent_a)));
  pm_test_spin_until (row_state_is, GINT_TO_POINTER (PM_BILL_STATE_PAID), 40000);
  pm_test_spin_until (label_shown, (gpointer) "Paid", 2000);
  /* the selection stayed where it was, and the desk told the user */
  g_assert_cmpstr (pm_bill_get_bill_id (pm_payments_view_get_selected (view)), ==,
                   pm_bill_get_bill_id (sent_b));
  g_assert_cmpuint (pm_application_get_n_notifications (app), ==, notified + 1);
  pm_test_spin_until (notified_paid, NULL, 5000);
  pm_test_spin_until (totals_have, (gpointer) "Paid 1", 5000);
}

static void
test_search_and_filter (void)
{
  pm_payments_view_set_search (view, "수강료");
  want_rows = 2;
  pm_test_spin_until (rows_are, NULL, 5000);
  pm_test_spin_until (totals_have, (gpointer) "2 bills", 5000);

  pm_payments_view_set_search (view, "3333");
  want_rows = 1;
  pm_test_spin_until (rows_are, NULL, 5000);
  pm_test_spin_until (totals_have, (gpointer) "1 bill, ₩35,000", 5000);

  pm_payments_view_set_search (view, "");
  pm_payments_view_set_state_filter (view, 2); /* paid */
  want_rows = 1;
  pm_test_spin_until (rows_are, NULL, 5000);
  pm_test_spin_until (totals_have, (gpointer) "₩120,000", 5000);
  pm_test_spin_until (totals_lack, (gpointer) "Unpaid", 5000);

  pm_payments_view_set_state_filter (view, 0);
  want_rows = 3;
  pm_test_spin_until (rows_are, NULL, 5000);

  /* a custom range of days: one in the past shows nothing, one around today (picked
   * backwards) shows every bill again */
  {
    g_autoptr(GDateTime) old_first = g_date_time_new_utc (2020, 1, 1, 0, 0, 0);
    g_autoptr(GDateTime) old_last = g_date_time_new_utc (2020, 1, 31, 0, 0, 0);
    g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
    g_autoptr(GDateTime) week_ago = g_date_time_add_days (now, -7);
    g_autoptr(GDateTime) tomorrow = g_date_time_add_days (now, 1);

    pm_payments_view_set_date_range (view, old_first, old_last);
    want_rows = 0;
    pm_test_spin_until (rows_are, NULL, 5000);
    pm_test_spin_until (label_shown, (gpointer) "No Matching Bills", 5000);
    pm_test_spin_until (label_shown, (gpointer) "2020-01-01 – 2020-01-31", 5000);

    pm_payments_view_set_date_range (view, tomorrow, week_ago);
    want_rows = 3;
    pm_test_spin_until (rows_are, NULL, 5000);
  }
}

static GtkWindow *
find_dialog (void)
{
  GListModel *toplevels = gtk_window_get_toplevels ();

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GtkWindow) w = g_list_model_get_item (toplevels, i);

      if (ADW_IS_MESSAGE_DIALOG (w) && gtk_widget_get_visible (GTK_WIDGET (w)))
        return w;
    }
  return NULL;
}

static gboolean
dialog_shown (gpointer data)
{
  return find_dialog () != NULL;
}

static void
confirm_dialog (const char *expect_in_body)
{
  AdwMessageDialog *dialog;

  pm_test_spin_until (dialog_shown, NULL, 5000);
  dialog = ADW_MESSAGE_DIALOG (find_dialog ());
  g_assert_nonnull (strstr (adw_message_dialog_get_body (dialog), expect_in_body));
  adw_message_dialog_response (dialog, "confirm");
  gtk_window_destroy (GTK_WINDOW (dialog));
}

static gboolean
server_state_is (gpointer data)
{
  const char **want = data;
  g_autofree char *state = pm_sandbox_dup_bill_state (pm_application_get_sandbox (app), want[0]);

  return g_strcmp0 (state, want[1]) == 0;
}

static void
test_actions (void)
{
  GtkWidget *detail;
  const char *want[2];

  /* an unpaid bill offers void and resend, never refund */
  pm_payments_view_select_bill (view, pm_bill_get_bill_id (sent_c));
  pm_test_spin (100);
  detail = find_button (GTK_WIDGET (view), "bill.void");
  g_assert_true (gtk_widget_get_visible (detail));
  g_assert_true (gtk_widget_get_visible (find_button (GTK_WIDGET (view), "bill.resend")));
  g_assert_false (gtk_widget_get_visible (find_button (GTK_WIDGET (view), "bill.refund")));

  /* void: the dialog names payer and amount in figures and words; the server agrees */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (view), "bill.void", NULL));
  confirm_dialog ("구만 팔천 원");
  want[0] = pm_bill_get_bill_id (sent_c);
  want[1] = "D";
  pm_test_spin_until (server_state_is, want, 10000);
  pm_test_spin_until (label_shown, (gpointer) "Voided", 5000);
  g_assert_false (gtk_widget_get_visible (find_button (GTK_WIDGET (view), "bill.void")));

  /* a paid bill offers refund, not void */
  pm_payments_view_select_bill (view, pm_bill_get_bill_id (sent_a));
  pm_test_spin (100);
  g_assert_true (gtk_widget_get_visible (find_button (GTK_WIDGET (view), "bill.refund")));
  g_assert_false (gtk_widget_get_visible (find_button (GTK_WIDGET (view), "bill.void")));
  g_assert_false (gtk_widget_activate_action (GTK_WIDGET (view), "bill.void", NULL) &&
                  dialog_shown (NULL));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (view), "bill.refund", NULL));
  confirm_dialog ("십이만 원");
  want[0] = pm_bill_get_bill_id (sent_a);
  want[1] = "C";
  pm_test_spin_until (server_state_is, want, 10000);
  pm_test_spin_until (row_state_is, GINT_TO_POINTER (PM_BILL_STATE_CANCELLED), 5000);
}

static gboolean
toast_mentions_balance (gpointer data)
{
  const char *toast = g_object_get_data (G_OBJECT (view), "pm-last-toast");

  return toast != NULL && (strstr (toast, "balance") != NULL || strstr (toast, "잔액") != NULL);
}

static void
test_balance_error (void)
{
  PmSandbox *sandbox = pm_application_get_sandbox (app);

  /* resending spends balance; with none left the user is told so, not "error" */
  pm_sandbox_set_balance (sandbox, PM_SANDBOX_DEMO_KEY, 0);
  pm_payments_view_select_bill (view, pm_bill_get_bill_id (sent_b));
  pm_test_spin (100);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (view), "bill.resend", NULL));
  confirm_dialog ("balance");
  pm_test_spin_until (toast_mentions_balance, NULL, 10000);
  pm_sandbox_set_balance (sandbox, PM_SANDBOX_DEMO_KEY, 10000000);
}

static gboolean
bill_row_state_is (gpointer data)
{
  const char **want = data;
  PmBill *bill = row_bill (want[0]);

  return bill != NULL && g_strcmp0 (pm_bill_state_to_string (pm_bill_get_state (bill)),
                                    want[1]) == 0;
}

/* API.md §5: a request whose outcome was unknown, proved never created, too old to send by
 * itself: the window says "Not sent", offers Send Again, and that sends it once. */
static void
test_not_sent (void)
{
  PmService *service = pm_application_get_service (app);
  g_autoptr(PmBill) bill = pm_bill_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *bill_id = pm_bill_generate_id ();
  g_autofree char *expire = pm_bill_korea_date (g_get_real_time () / G_USEC_PER_SEC + 7 * 86400);
  guint before = pm_sandbox_count_bills (pm_application_get_sandbox (app));
  AdwMessageDialog *dialog;
  const char *want[2];

  pm_bill_set_bill_id (bill, bill_id);
  pm_bill_set_profile_id (bill, pm_service_get_profile_id (service));
  pm_bill_set_payer_name (bill, "정미발");
  pm_bill_set_phone (bill, "01077778888");
  pm_bill_set_product (bill, "12월 수강료");
  pm_bill_set_message (bill, "결제 부탁드립니다");
  pm_bill_set_price (bill, 64000);
  pm_bill_set_expire_date (bill, expire);
  pm_bill_set_state (bill, PM_BILL_STATE_NOT_SENT);
  pm_bill_set_error_text (bill, "Not sent: Payssam has no record of this request");
  g_assert_true (pm_ledger_insert_bill (pm_service_get_ledger (service), bill, &error));
  g_assert_no_error (error);
  pm_payments_view_reload (view);

  want[0] = bill_id;
  want[1] = "not_sent";
  pm_test_spin_until (bill_row_state_is, want, 5000);
  pm_payments_view_select_bill (view, bill_id);
  pm_test_spin (100);
  pm_test_spin_until (label_shown, (gpointer) "Not sent", 5000);
  /* Send Again is offered; a not-sent bill has nothing to void or refund */
  g_assert_true (gtk_widget_get_visible (find_button (GTK_WIDGET (view), "bill.resend")));
  g_assert_false (gtk_widget_get_visible (find_button (GTK_WIDGET (view), "bill.void")));
  g_assert_false (gtk_widget_get_visible (find_button (GTK_WIDGET (view), "bill.refund")));

  /* the confirmation says nothing was charged, and names the amount in words */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (view), "bill.resend", NULL));
  pm_test_spin_until (dialog_shown, NULL, 5000);
  dialog = ADW_MESSAGE_DIALOG (find_dialog ());
  g_assert_nonnull (strstr (adw_message_dialog_get_heading (dialog), "정미발"));
  g_assert_nonnull (strstr (adw_message_dialog_get_body (dialog), "nothing was charged"));
  confirm_dialog ("육만 사천 원");

  want[1] = "W";
  pm_test_spin_until (server_state_is, want, 10000);
  want[1] = "unpaid";
  pm_test_spin_until (bill_row_state_is, want, 5000);
  g_assert_cmpuint (pm_sandbox_count_bills (pm_application_get_sandbox (app)), ==, before + 1);
  /* the timeline says the user asked */
  pm_test_spin_until (label_shown, (gpointer) "You asked to send it again", 5000);
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GError) error = NULL;
  int ret;

  pm_test_init (&argc, &argv);
  notifications = pm_test_start_notification_server ();
  app = pm_application_new ();
  g_application_set_flags (G_APPLICATION (app), G_APPLICATION_NON_UNIQUE);
  pm_application_set_use_sandbox (app, TRUE);
  g_application_register (G_APPLICATION (app), NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (pm_application_get_sandbox (app));
  /* nobody pays by themselves in these tests unless the test says so */
  pm_sandbox_set_payers (pm_application_get_sandbox (app), 0.0, 60, 60, 0.0);

  g_application_activate (G_APPLICATION (app));
  window = PM_WINDOW (gtk_application_get_active_window (GTK_APPLICATION (app)));
  view = PM_PAYMENTS_VIEW (pm_window_get_payments_view (window));
  g_assert_nonnull (view);

  g_test_add_func ("/payments/listed", test_listed);
  g_test_add_func ("/payments/paid-by-itself", test_paid_by_itself);
  g_test_add_func ("/payments/search-and-filter", test_search_and_filter);
  g_test_add_func ("/payments/actions", test_actions);
  g_test_add_func ("/payments/balance-error", test_balance_error);
  g_test_add_func ("/payments/not-sent", test_not_sent);

  ret = g_test_run ();
  g_clear_object (&sent_a);
  g_clear_object (&sent_b);
  g_clear_object (&sent_c);
  gtk_window_destroy (GTK_WINDOW (window));
  g_application_quit (G_APPLICATION (app));
  g_clear_object (&app);
  return ret;
}
