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
#include "pm-test-gtk-util.h"
#include "pm-test-util.h"
#include "pm-window.h"

static PmApplication *app;
static GPtrArray *notifications; /* summaries the desktop was asked to show (not owned) */

static PmWindow *window;
static PmPaymentsView *view;

#define find_label pm_test_find_label
#define find_button pm_test_find_button

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

/* A bill of this desk's connection written straight into @ledger, as another process
 * (or this desk's own ledger) would. */
static void
insert_bill (PmLedger    *ledger,
             const char  *name,
             const char  *phone,
             const char  *product,
             gint64       price,
             const char  *expire,
             PmBillState  state,
             gint64       created_at)
{
  PmService *service = pm_application_get_service (app);
  g_autoptr(GError) error = NULL;
  g_autoptr(PmBill) bill = pm_bill_new ();
  g_autofree char *bill_id = pm_bill_generate_id ();

  pm_bill_set_bill_id (bill, bill_id);
  pm_bill_set_profile_id (bill, pm_service_get_profile_id (service));
  pm_bill_set_payer_name (bill, name);
  pm_bill_set_phone (bill, phone);
  pm_bill_set_product (bill, product);
  pm_bill_set_message (bill, "결제 부탁드립니다");
  pm_bill_set_price (bill, price);
  pm_bill_set_expire_date (bill, expire);
  pm_bill_set_state (bill, state);
  if (created_at != 0)
    pm_bill_set_created_at (bill, created_at);
  g_assert_true (pm_ledger_insert_bill (ledger, bill, &error));
  g_assert_no_error (error);
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


/* ---- the window's layout ---- */

static guint
position_of (const char *bill_id)
{
  GListModel *model = pm_payments_view_get_model (view);

  for (guint i = 0; i < g_list_model_get_n_items (model); i++)
    {
      g_autoptr(PmBill) bill = g_list_model_get_item (model, i);

      if (g_strcmp0 (pm_bill_get_bill_id (bill), bill_id) == 0)
        return i;
    }
  g_assert_not_reached ();
}

/* Picks a row as a click on it does. */
static void
click_row (PmBill *bill)
{
  /* the column view's rows are a list view inside it */
  GtkWidget *columns = pm_test_find_widget (GTK_WIDGET (view), GTK_TYPE_COLUMN_VIEW);
  GtkWidget *rows = pm_test_find_widget (columns, GTK_TYPE_LIST_VIEW);

  g_assert_true (gtk_widget_activate_action (rows, "list.select-item", "(ubb)",
                                             position_of (pm_bill_get_bill_id (bill)),
                                             FALSE, FALSE));
}

static GtkWidget *
detail_widget (void)
{
  return pm_test_find_widget (GTK_WIDGET (view), PM_TYPE_BILL_DETAIL);
}

/* The action buttons the clerk sees, in reading order, and no blank cell among them. */
static char *
visible_actions (void)
{
  g_autoptr(GPtrArray) buttons = g_ptr_array_new ();
  g_autoptr(GPtrArray) cells = g_ptr_array_new ();
  g_autoptr(GString) names = g_string_new (NULL);

  pm_test_collect_mapped (detail_widget (), GTK_TYPE_BUTTON, buttons);
  for (guint i = 0; i < buttons->len; i++)
    {
      const char *action = gtk_actionable_get_action_name (buttons->pdata[i]);

      if (action != NULL && g_str_has_prefix (action, "bill."))
        g_string_append_printf (names, "%s%s", names->len > 0 ? " " : "", action + 5);
    }
  /* a cell on screen holds a button on screen */
  pm_test_collect_mapped (detail_widget (), GTK_TYPE_FLOW_BOX_CHILD, cells);
  for (guint i = 0; i < cells->len; i++)
    {
      GtkWidget *child = gtk_flow_box_child_get_child (cells->pdata[i]);

      g_assert_nonnull (child);
      g_assert_true (gtk_widget_get_mapped (child));
    }
  return g_string_free (g_steal_pointer (&names), FALSE);
}

static void
test_action_area (void)
{
  g_autofree char *paid = NULL;
  g_autofree char *unpaid = NULL;
  GtkWidget *refund;
  GtkWidget *refresh;

  /* a paid bill: harmless actions together, then Refund apart; no hole where Send Again
   * and Void would be */
  click_row (sent_a);
  pm_test_wait_for_draw (GTK_WIDGET (view));
  paid = visible_actions ();
  g_assert_cmpstr (paid, ==, "refresh copy-link open-link refund");
  refund = find_button (detail_widget (), "bill.refund");
  refresh = find_button (detail_widget (), "bill.refresh");
  g_assert_null (gtk_widget_get_ancestor (refund, GTK_TYPE_FLOW_BOX));
  g_assert_nonnull (gtk_widget_get_ancestor (refresh, GTK_TYPE_FLOW_BOX));
  /* below the harmless ones, not among them */
  {
    graphene_point_t a, b;

    g_assert_true (gtk_widget_compute_point (refresh, GTK_WIDGET (view), &GRAPHENE_POINT_INIT (0, 0), &a));
    g_assert_true (gtk_widget_compute_point (refund, GTK_WIDGET (view), &GRAPHENE_POINT_INIT (0, 0), &b));
    g_assert_cmpfloat (b.y, >=, a.y + gtk_widget_get_height (refresh));
  }

  /* an unpaid bill: Send Again with the harmless ones, Void apart */
  click_row (sent_b);
  pm_test_wait_for_draw (GTK_WIDGET (view));
  unpaid = visible_actions ();
  g_assert_cmpstr (unpaid, ==, "refresh copy-link open-link resend void");
  g_assert_null (gtk_widget_get_ancestor (find_button (detail_widget (), "bill.void"),
                                          GTK_TYPE_FLOW_BOX));
}

static void
test_details_scrolled_to_top (void)
{
  GtkScrolledWindow *scroller;
  GtkAdjustment *adj;

  /* a short window, so the details of a paid bill (with its approval) must scroll */
  gtk_window_set_default_size (GTK_WINDOW (window), 1100, 480);
  click_row (sent_a);
  pm_test_wait_for_draw (GTK_WIDGET (view));
  pm_test_wait_for_draw (GTK_WIDGET (view));
  {
    g_autoptr(GPtrArray) shown = g_ptr_array_new ();

    pm_test_collect_mapped (detail_widget (), GTK_TYPE_SCROLLED_WINDOW, shown);
    g_assert_cmpuint (shown->len, ==, 1);
    scroller = shown->pdata[0];
  }
  adj = gtk_scrolled_window_get_vadjustment (scroller);
  /* the clerk reads down to the timeline… */
  g_assert_cmpfloat (gtk_adjustment_get_upper (adj), >, gtk_adjustment_get_page_size (adj));
  gtk_adjustment_set_value (adj, gtk_adjustment_get_upper (adj));
  pm_test_wait_for_draw (GTK_WIDGET (view));
  g_assert_cmpfloat (gtk_adjustment_get_value (adj), >, 0);

  /* …then picks another bill: its name, amount and actions are in view */
  click_row (sent_b);
  pm_test_wait_for_draw (GTK_WIDGET (view));
  g_assert_cmpfloat (gtk_adjustment_get_value (adj), ==, 0);
  g_assert_nonnull (pm_test_find_label (detail_widget (), "이서준"));
  g_assert_true (gtk_widget_get_mapped (find_button (detail_widget (), "bill.void")));
  gtk_window_set_default_size (GTK_WINDOW (window), 1100, 720);
  pm_test_wait_for_draw (GTK_WIDGET (view));
}

static gboolean
narrow_is (gpointer want)
{
  return pm_payments_view_get_narrow (view) == GPOINTER_TO_INT (want);
}

static gboolean
mapped (gpointer widget)
{
  return gtk_widget_get_mapped (widget);
}

static gboolean
unmapped (gpointer widget)
{
  return !gtk_widget_get_mapped (widget);
}

static char *
column_titles (void)
{
  GtkColumnView *columns = GTK_COLUMN_VIEW (pm_test_find_widget (GTK_WIDGET (view),
                                                                 GTK_TYPE_COLUMN_VIEW));
  GListModel *list = gtk_column_view_get_columns (columns);
  g_autoptr(GString) titles = g_string_new (NULL);

  for (guint i = 0; i < g_list_model_get_n_items (list); i++)
    {
      g_autoptr(GtkColumnViewColumn) col = g_list_model_get_item (list, i);

      if (gtk_column_view_column_get_visible (col))
        g_string_append_printf (titles, "%s%s", titles->len > 0 ? " " : "",
                                gtk_column_view_column_get_title (col));
    }
  return g_string_free (g_steal_pointer (&titles), FALSE);
}

static void
test_adaptive (void)
{
  AdwLeaflet *leaflet = ADW_LEAFLET (pm_test_find_widget (GTK_WIDGET (view), ADW_TYPE_LEAFLET));
  GtkWidget *columns = pm_test_find_widget (GTK_WIDGET (view), GTK_TYPE_COLUMN_VIEW);
  GtkWidget *back = find_button (GTK_WIDGET (view), "payments.back");
  g_autofree char *narrow_titles = NULL;
  g_autofree char *wide_titles = NULL;

  /* 600 px: the list alone, without Phone, Sent and Checked */
  gtk_window_set_default_size (GTK_WINDOW (window), 600, 700);
  pm_test_wait_for_frames_until (GTK_WIDGET (view), narrow_is, GINT_TO_POINTER (TRUE), 5000);
  pm_test_wait_for_frames_until (GTK_WIDGET (view), unmapped, detail_widget (), 5000);
  g_assert_cmpint (gtk_widget_get_width (GTK_WIDGET (view)), <=, 600);
  g_assert_true (adw_leaflet_get_folded (leaflet));
  g_assert_true (gtk_widget_get_mapped (columns));
  g_assert_false (gtk_widget_get_mapped (back));
  narrow_titles = column_titles ();
  g_assert_cmpstr (narrow_titles, ==, "Payer Reason Amount Status");
  /* the table fits or scrolls sideways; it is never cut off */
  {
    GtkScrolledWindow *scroller = GTK_SCROLLED_WINDOW (gtk_widget_get_ancestor (columns, GTK_TYPE_SCROLLED_WINDOW));
    GtkAdjustment *h = gtk_scrolled_window_get_hadjustment (scroller);
    int min = 0;
    GtkPolicyType policy;

    gtk_widget_measure (columns, GTK_ORIENTATION_HORIZONTAL, -1, &min, NULL, NULL, NULL);
    g_assert_cmpfloat (gtk_adjustment_get_upper (h), >=, min);
    gtk_scrolled_window_get_policy (scroller, &policy, NULL);
    g_assert_cmpint (policy, !=, GTK_POLICY_NEVER);
  }

  /* a row picked: its details as a page, with a back button that works */
  click_row (sent_a);
  pm_test_wait_for_frames_until (GTK_WIDGET (view), unmapped, columns, 5000);
  g_assert_true (gtk_widget_get_mapped (detail_widget ()));
  g_assert_nonnull (pm_test_find_label (detail_widget (), "김민지"));
  g_assert_true (gtk_widget_get_mapped (back));
  g_signal_emit_by_name (back, "clicked");
  pm_test_wait_for_frames_until (GTK_WIDGET (view), unmapped, detail_widget (), 5000);
  g_assert_true (gtk_widget_get_mapped (columns));

  /* Enter (or a double click) on a row opens it too */
  g_signal_emit_by_name (columns, "activate", position_of (pm_bill_get_bill_id (sent_b)));
  pm_test_wait_for_frames_until (GTK_WIDGET (view), unmapped, columns, 5000);
  g_assert_nonnull (pm_test_find_label (detail_widget (), "이서준"));
  g_assert_true (gtk_widget_get_mapped (back));
  g_signal_emit_by_name (back, "clicked");
  pm_test_wait_for_frames_until (GTK_WIDGET (view), unmapped, detail_widget (), 5000);
  g_assert_true (gtk_widget_get_mapped (columns));
  /* the selection stayed; Alt+← or the back button, the list is where it was */
  g_assert_cmpstr (pm_bill_get_bill_id (pm_payments_view_get_selected (view)), ==,
                   pm_bill_get_bill_id (sent_b));

  /* 1280 px: both panes, every column, no back button */
  gtk_window_set_default_size (GTK_WINDOW (window), 1280, 800);
  pm_test_wait_for_frames_until (GTK_WIDGET (view), narrow_is, GINT_TO_POINTER (FALSE), 5000);
  pm_test_wait_for_frames_until (GTK_WIDGET (view), mapped, detail_widget (), 5000);
  g_assert_false (adw_leaflet_get_folded (leaflet));
  g_assert_true (gtk_widget_get_mapped (columns));
  g_assert_false (gtk_widget_get_mapped (back));
  wide_titles = column_titles ();
  g_assert_cmpstr (wide_titles, ==, "Payer Phone Reason Amount Status Sent Checked");
  g_assert_nonnull (pm_test_find_label (detail_widget (), "이서준"));

  gtk_window_set_default_size (GTK_WINDOW (window), 1100, 720);
  pm_test_wait_for_draw (GTK_WIDGET (view));
}

static gboolean
payer_width_saved (gpointer want)
{
  GSettings *settings = pm_application_get_settings (app);
  g_autoptr(GVariant) widths = g_settings_get_value (settings, "column-widths");
  int width = 0;

  return g_variant_lookup (widths, "payer", "i", &width) && width == GPOINTER_TO_INT (want);
}

static void
test_columns_remembered (void)
{
  GtkColumnView *columns = GTK_COLUMN_VIEW (pm_test_find_widget (GTK_WIDGET (view),
                                                                 GTK_TYPE_COLUMN_VIEW));
  GListModel *list = gtk_column_view_get_columns (columns);
  g_autoptr(GtkColumnViewColumn) payer = g_list_model_get_item (list, 0);
  PmWindow *second;
  GtkColumnView *second_columns;
  g_autoptr(GtkColumnViewColumn) second_payer = NULL;

  /* every column can be dragged wider or narrower */
  for (guint i = 0; i < g_list_model_get_n_items (list); i++)
    {
      g_autoptr(GtkColumnViewColumn) col = g_list_model_get_item (list, i);

      g_assert_true (gtk_column_view_column_get_resizable (col));
    }
  /* names are not cut at the default 1100 px */
  g_assert_cmpint (gtk_widget_get_width (GTK_WIDGET (window)), >=, 1000);
  g_assert_cmpint (gtk_column_view_column_get_fixed_width (payer), >=, 90);

  /* the clerk drags the Payer column wider (a drag sets the column's fixed width)… */
  g_assert_cmpstr (gtk_column_view_column_get_title (payer), ==, "Payer");
  gtk_column_view_column_set_fixed_width (payer, 173);
  pm_test_spin_until (payer_width_saved, GINT_TO_POINTER (173), 5000);

  /* …and a new window opens with it */
  second = pm_window_new (app);
  gtk_window_present (GTK_WINDOW (second));
  pm_test_spin_until (mapped, second, 5000);
  second_columns = GTK_COLUMN_VIEW (pm_test_find_widget (pm_window_get_payments_view (second),
                                                         GTK_TYPE_COLUMN_VIEW));
  second_payer = g_list_model_get_item (gtk_column_view_get_columns (second_columns), 0);
  g_assert_cmpint (gtk_column_view_column_get_fixed_width (second_payer), ==, 173);
  pm_test_wait_for_draw (GTK_WIDGET (second));
  g_clear_object (&second_payer);
  gtk_window_destroy (GTK_WINDOW (second));
  pm_test_wait_for_draw (GTK_WIDGET (view));

  gtk_column_view_column_set_fixed_width (payer, 100);
  g_settings_reset (pm_application_get_settings (app), "column-widths");
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
toast_is (gpointer text)
{
  return g_strcmp0 (g_object_get_data (G_OBJECT (view), "pm-last-toast"), text) == 0;
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
  pm_test_spin_until (toast_is, (gpointer) "Voided the ₩98,000 bill to 박지호", 5000);
  g_assert_false (gtk_widget_get_visible (find_button (GTK_WIDGET (view), "bill.void")));

  /* a paid bill offers refund, not void; refunded under the "Paid" filter it leaves the
   * list, but its details stay, and the toast names the amount and shows it again */
  pm_payments_view_set_state_filter (view, 2); /* paid */
  want_rows = 1;
  pm_test_spin_until (rows_are, NULL, 5000);
  pm_payments_view_select_bill (view, pm_bill_get_bill_id (sent_a));
  pm_test_wait_for_draw (GTK_WIDGET (view));
  g_assert_true (gtk_widget_get_visible (find_button (GTK_WIDGET (view), "bill.refund")));
  g_assert_false (gtk_widget_get_visible (find_button (GTK_WIDGET (view), "bill.void")));
  g_assert_false (gtk_widget_activate_action (GTK_WIDGET (view), "bill.void", NULL) &&
                  dialog_shown (NULL));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (view), "bill.refund", NULL));
  confirm_dialog ("십이만 원");
  want[0] = pm_bill_get_bill_id (sent_a);
  want[1] = "C";
  pm_test_spin_until (server_state_is, want, 10000);
  pm_test_spin_until (toast_is, (gpointer) "Refunded ₩120,000 to 김민지", 10000);
  want_rows = 0;
  pm_test_spin_until (rows_are, NULL, 5000);
  {
    PmBillDetail *shown = PM_BILL_DETAIL (pm_test_find_widget (GTK_WIDGET (view),
                                                               PM_TYPE_BILL_DETAIL));
    GtkWidget *show;

    /* the details did not vanish: the refunded bill, and a way back to it */
    pm_test_wait_for_draw (GTK_WIDGET (view));
    g_assert_true (gtk_widget_get_mapped (GTK_WIDGET (shown)));
    g_assert_cmpstr (pm_bill_get_bill_id (pm_bill_detail_get_bill (shown)), ==,
                     pm_bill_get_bill_id (sent_a));
    g_assert_cmpint (pm_bill_get_state (pm_bill_detail_get_bill (shown)), ==,
                     PM_BILL_STATE_CANCELLED);
    g_assert_nonnull (pm_test_find_button_labelled (GTK_WIDGET (view), "Show in List"));

    /* the toast's button selects the bill, clearing the filter that hid it */
    pm_test_spin_until (label_shown, (gpointer) "Refunded ₩120,000 to 김민지", 5000);
    /* the "Show" of that toast (AdwToastWidget is private; found by name) */
    show = gtk_widget_get_ancestor (find_label (GTK_WIDGET (view), "Refunded ₩120,000 to 김민지"),
                                    g_type_from_name ("AdwToastWidget"));
    g_assert_nonnull (show);
    show = pm_test_find_button_labelled (show, "Show");
    g_assert_nonnull (show);
    g_signal_emit_by_name (show, "clicked");
    want_rows = 3;
    pm_test_spin_until (rows_are, NULL, 5000);
    g_assert_nonnull (pm_payments_view_get_selected (view));
    g_assert_cmpstr (pm_bill_get_bill_id (pm_payments_view_get_selected (view)), ==,
                     pm_bill_get_bill_id (sent_a));
    pm_test_wait_for_draw (GTK_WIDGET (view));
    g_assert_null (pm_test_find_button_labelled (GTK_WIDGET (view), "Show in List"));
  }
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


static guint live_want;

static gboolean
list_and_totals_agree_at (gpointer data)
{
  g_autofree char *count = g_strdup_printf ("%u bills, ", live_want);
  GtkWidget *stack_empty = find_label (GTK_WIDGET (view), "No Payment Requests Yet");

  return g_list_model_get_n_items (pm_payments_view_get_model (view)) == live_want
         && g_str_has_prefix (pm_payments_view_get_totals_text (view), count)
         && stack_empty == NULL;
}

/* Another process (here: a second connection to the same ledger file, as paymint-cli
 * or a second window has) writes bills: within a second or two the rows, the totals and
 * the empty state all show them, together; the selection stays. */
static void
test_live (void)
{
  PmService *service = pm_application_get_service (app);
  g_autoptr(GError) error = NULL;
  g_autoptr(PmLedger) other = pm_ledger_new (pm_ledger_get_path (pm_service_get_ledger (service)),
                                             &error);
  guint before = g_list_model_get_n_items (pm_payments_view_get_model (view));
  g_autofree char *expire = pm_bill_korea_date (g_get_real_time () / G_USEC_PER_SEC + 7 * 86400);

  g_assert_no_error (error);
  pm_payments_view_set_state_filter (view, 0);
  pm_payments_view_set_search (view, "");
  pm_payments_view_select_bill (view, pm_bill_get_bill_id (sent_b));
  g_assert_nonnull (pm_payments_view_get_selected (view));

  for (guint i = 0; i < 5; i++)
    {
      g_autofree char *name = g_strdup_printf ("다른창%u", i);

      insert_bill (other, name, "01022223333", "12월 수강료", 10000, expire,
                   PM_BILL_STATE_NOT_SENT, 0);
    }

  /* nobody touches the window */
  live_want = before + 5;
  pm_test_spin_until (list_and_totals_agree_at, NULL, 5000);
  pm_test_wait_for_draw (GTK_WIDGET (view));
  g_assert_nonnull (find_label (GTK_WIDGET (view), "다른창4"));
  g_assert_cmpstr (pm_bill_get_bill_id (pm_payments_view_get_selected (view)), ==,
                   pm_bill_get_bill_id (sent_b));
}

/* The count at the start of the totals line ("1,234 bills, …"), or -1 if it is empty. */
static gint64
totals_count (void)
{
  const char *text = pm_payments_view_get_totals_text (view);
  gint64 count = 0;

  if (text == NULL || *text == '\0')
    return -1;
  for (const char *p = text; *p != '\0' && *p != ' '; p++)
    if (g_ascii_isdigit (*p))
      count = count * 10 + (*p - '0');
  return count;
}

typedef struct
{
  guint    want;
  gboolean contradicted;   /* a totals line whose count was not the list's */
  gboolean rows_first;     /* the rows were there while the totals line was empty */
} Watch;

static gboolean
many_shown (gpointer data)
{
  Watch *watch = data;
  guint n = g_list_model_get_n_items (pm_payments_view_get_model (view));
  gint64 count = totals_count ();

  if (count >= 0 && count != n)
    watch->contradicted = TRUE;
  if (count < 0 && n > 0)
    watch->rows_first = TRUE;
  return n == watch->want && count == watch->want;
}

/* Whether the column view lists as many rows as the data says (a GUINT_TO_POINTER). */
static gboolean
all_rows_listed (gpointer data)
{
  GtkColumnView *columns = GTK_COLUMN_VIEW (pm_test_find_widget (GTK_WIDGET (view),
                                                                 GTK_TYPE_COLUMN_VIEW));

  return g_list_model_get_n_items (G_LIST_MODEL (gtk_column_view_get_model (columns)))
         == GPOINTER_TO_UINT (data);
}

/* More bills than a page: the list shows its first page, the totals and the full length
 * of the list come after from one count, and the totals line never shows a figure the
 * list contradicts (issue 14), nor the previous search's figure beside the new rows. */
static void
test_many_totals_after_rows (void)
{
  PmService *service = pm_application_get_service (app);
  g_autoptr(GError) error = NULL;
  g_autoptr(PmLedger) other = pm_ledger_new (pm_ledger_get_path (pm_service_get_ledger (service)),
                                             &error);
  Watch watch = { 0 };

  g_assert_no_error (error);
  g_assert_true (pm_ledger_begin (other, &error));
  for (guint i = 0; i < 450; i++)
    {
      g_autofree char *name = g_strdup_printf ("대량고객%u", i);

      insert_bill (other, name, "01077778888", "교재비", 1000, "2099-12-31",
                   PM_BILL_STATE_PAID, g_get_real_time () / G_USEC_PER_SEC - i);
    }
  g_assert_true (pm_ledger_commit (other, &error));
  g_assert_no_error (error);

  pm_payments_view_set_state_filter (view, 0);
  pm_payments_view_set_search (view, "대량고객");
  watch.want = 450;
  pm_test_spin_until (many_shown, &watch, 10000);
  /* the first page came before the count, with no stale figure beside it */
  g_assert_true (watch.rows_first);
  g_assert_false (watch.contradicted);
  g_assert_true (totals_have ((gpointer) "₩450,000"));
  /* every row is in the list once the first frame was painted (the start-up cut it to
   * the rows that frame could show) */
  pm_test_spin_until (all_rows_listed, GUINT_TO_POINTER (450), 10000);

  /* a narrower search: from 450 to 1, never a figure the list contradicts */
  watch = (Watch) { .want = 11 }; /* 대량고객44 and 대량고객440 … 449 */
  pm_payments_view_set_search (view, "대량고객44");
  pm_test_spin_until (many_shown, &watch, 10000);
  g_assert_true (watch.rows_first);
  g_assert_false (watch.contradicted);
  g_assert_true (totals_have ((gpointer) "₩11,000"));
  pm_test_wait_for_draw (GTK_WIDGET (view));
  g_assert_nonnull (find_label (GTK_WIDGET (view), "대량고객449"));

  /* this desk and another process add bills while the search is shown: the list grows,
   * and the totals line is empty until the new totals come, never the old count beside
   * the new rows */
  watch = (Watch) { .want = 14 };
  for (guint i = 0; i < 3; i++)
    {
      g_autofree char *name = g_strdup_printf ("대량고객44%c", 'a' + i);

      insert_bill (i == 0 ? other : pm_service_get_ledger (service), name, "01077778888",
                   "교재비", 1000, "2099-12-31", PM_BILL_STATE_PAID,
                   g_get_real_time () / G_USEC_PER_SEC);
    }
  pm_test_spin_until (many_shown, &watch, 10000);
  g_assert_false (watch.contradicted);
  g_assert_true (totals_have ((gpointer) "₩14,000"));

  pm_payments_view_set_search (view, "");
}

/* A list that keeps changing while its totals are counted (a poller moving states on a
 * large ledger): the count under way is left to finish and counted again after, so the
 * totals line keeps up; a count restarted at every change would never end. */
typedef struct
{
  char  *last;      /* the last non-empty totals text seen */
  guint  updates;   /* how many different ones */
} Busy;

static gboolean
busy_tick (gpointer data)
{
  Busy *busy = data;
  const char *text = pm_payments_view_get_totals_text (view);

  if (text != NULL && *text != '\0' && g_strcmp0 (text, busy->last) != 0)
    {
      g_free (busy->last);
      busy->last = g_strdup (text);
      busy->updates++;
    }
  return FALSE;
}

static void
test_totals_keep_up (void)
{
  PmService *service = pm_application_get_service (app);
  PmLedger *ledger = pm_service_get_ledger (service);
  g_autofree char *bill_id = NULL;
  g_autoptr(GError) error = NULL;
  Busy busy = { 0 };
  gint64 end;
  guint flips = 0;

  pm_payments_view_set_state_filter (view, 0);
  pm_payments_view_set_search (view, "");
  insert_bill (ledger, "상태왕복", "01012121212", "교재비", 1000, "2099-12-31",
               PM_BILL_STATE_UNPAID, 0);
  {
    g_autoptr(PmLedgerQuery) query = pm_ledger_query_new ();
    g_autoptr(GPtrArray) found = NULL;

    pm_ledger_query_set_text (query, "상태왕복");
    found = pm_ledger_fetch (ledger, query, 0, 1, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (found->len, ==, 1);
    bill_id = g_strdup (pm_bill_get_bill_id (g_ptr_array_index (found, 0)));
  }
  pm_test_spin_until (totals_have, (gpointer) "₩", 10000);

  /* each count takes 400 ms; the bill changes every 100 ms for 2.5 s */
  pm_ledger_model_set_totals_delay_for_testing (400);
  end = g_get_monotonic_time () + 2500 * 1000;
  while (g_get_monotonic_time () < end)
    {
      gint64 next = g_get_monotonic_time () + 100 * 1000;
      g_autoptr(PmBill) bill = pm_ledger_lookup (ledger, bill_id, &error);

      /* the amount changes too, so every count that finishes shows a new figure */
      g_assert_no_error (error);
      pm_bill_set_state (bill, flips % 2 == 0 ? PM_BILL_STATE_PAID : PM_BILL_STATE_UNPAID);
      pm_bill_set_price (bill, 1000 + ++flips);
      g_assert_true (pm_ledger_update_bill (ledger, bill, &error));
      g_assert_no_error (error);
      /* as the poller tells of what it saw */
      g_signal_emit_by_name (service, "bill-transition", bill, (int) PM_BILL_STATE_UNPAID,
                             (int) pm_bill_get_state (bill));
      while (g_get_monotonic_time () < next)
        {
          if (!g_main_context_iteration (NULL, FALSE))
            g_usleep (1000);
          busy_tick (&busy);
        }
    }
  pm_ledger_model_set_totals_delay_for_testing (0);
  /* counts finished while the changes went on, and the line showed them */
  g_assert_cmpuint (busy.updates, >=, 2);
  g_free (busy.last);
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
  g_test_add_func ("/payments/action-area", test_action_area);
  g_test_add_func ("/payments/details-scrolled-to-top", test_details_scrolled_to_top);
  g_test_add_func ("/payments/adaptive", test_adaptive);
  g_test_add_func ("/payments/columns-remembered", test_columns_remembered);
  g_test_add_func ("/payments/search-and-filter", test_search_and_filter);
  g_test_add_func ("/payments/actions", test_actions);
  g_test_add_func ("/payments/balance-error", test_balance_error);
  g_test_add_func ("/payments/not-sent", test_not_sent);
  g_test_add_func ("/payments/live", test_live);
  g_test_add_func ("/payments/many-totals-after-rows", test_many_totals_after_rows);
  g_test_add_func ("/payments/totals-keep-up", test_totals_keep_up);

  ret = g_test_run ();
  g_clear_object (&sent_a);
  g_clear_object (&sent_b);
  g_clear_object (&sent_c);
  gtk_window_destroy (GTK_WINDOW (window));
  g_application_quit (G_APPLICATION (app));
  g_clear_object (&app);
  return ret;
}
