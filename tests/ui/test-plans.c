/* test-plans.c — the Plans page, the New Plan dialog and the timer switch in a real window
 *
 * Copyright 2026 The Paymint Desk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The page's clock is set (pm_plans_view_set_now): no test waits for a month. Bills are
 * counted on the in-process sandbox: a run makes exactly one per payer, a second run of
 * the same month none, a missed month none until Send Now.
 *
 * PM_PLANS_SCREENSHOTS=DIR also writes DIR/plans-{en,ko}-{list,missed,dialog}.png
 * (ImageMagick's import of the X display).
 */

#include "config.h"

#include <adwaita.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <string.h>

#include "pm-application.h"
#include "pm-money.h"
#include "pm-plan-dialog.h"
#include "pm-plans-timer.h"
#include "pm-plans-view.h"
#include "pm-preferences-window.h"
#include "pm-sandbox.h"
#include "pm-test-gtk-util.h"
#include "pm-test-util.h"
#include "pm-window.h"

#define PLAN_NAME "월 수강료"

static PmApplication *app;
static PmWindow *window;
static PmPlansView *view;
static PmSandbox *sandbox;
static GPtrArray *notifications;  /* summaries the desktop was asked to show (not owned) */
static char *tmpdir;
static char *first_period;        /* the plan's first month: next month, real clock */
static char *plan_uuid;

/* ---- helpers ---- */

static char *
write_file (const char *name,
            const char *text)
{
  char *path = g_build_filename (tmpdir, name, NULL);
  g_autoptr(GError) error = NULL;

  g_assert_true (g_file_set_contents (path, text, -1, &error));
  g_assert_no_error (error);
  return path;
}

static gboolean
not_busy (gpointer data)
{
  return !pm_plans_view_get_busy (PM_PLANS_VIEW (data));
}

static void
settle (PmPlansView *v)
{
  pm_test_spin (50);
  pm_test_spin_until (not_busy, v, 30000);
  pm_test_spin (50);
}

/* When the plan's run of @period is due (day 5, 10:00 Korea time). */
static gint64
due_at (const char *period)
{
  g_autoptr(PmPlan) plan = NULL;

  if (plan_uuid != NULL)
    plan = pm_plan_store_lookup (pm_plans_view_get_store (view), plan_uuid, NULL);
  if (plan == NULL)
    {
      plan = pm_plan_new ();
      pm_plan_set_day (plan, 5);
      pm_plan_set_time (plan, 10 * 60);
    }
  return pm_plan_due_at (plan, period);
}

static guint
n_rows (GtkListBox *list)
{
  guint n = 0;

  while (gtk_list_box_get_row_at_index (list, (int) n) != NULL)
    n++;
  return n;
}

static void
show_page (PmWindow *win)
{
  PmPlansView *v = PM_PLANS_VIEW (pm_test_find_widget (GTK_WIDGET (win), PM_TYPE_PLANS_VIEW));
  AdwViewStack *stack = ADW_VIEW_STACK (gtk_widget_get_ancestor (GTK_WIDGET (v),
                                                                 ADW_TYPE_VIEW_STACK));

  adw_view_stack_set_visible_child_name (stack, "plans");
  pm_test_spin (100);
}

static void
set_entry (PmPlanDialog *dialog,
           const char   *field,
           const char   *text)
{
  gtk_editable_set_text (pm_plan_dialog_get_entry (dialog, field), text);
}

/* What a click does (gtk_widget_activate clicks a moment later). */
static void
click (GtkWidget *button)
{
  g_assert_nonnull (button);
  g_assert_true (gtk_widget_is_sensitive (button));
  g_signal_emit_by_name (button, "clicked");
}

/* The history's row of @period, opened. */
static void
expand_period (GtkWidget  *root,
               const char *period)
{
  if (ADW_IS_EXPANDER_ROW (root)
      && g_strcmp0 (g_object_get_data (G_OBJECT (root), "pm-period"), period) == 0)
    {
      adw_expander_row_set_expanded (ADW_EXPANDER_ROW (root), TRUE);
      pm_test_spin (50);
      return;
    }
  for (GtkWidget *c = gtk_widget_get_first_child (root); c != NULL; c = gtk_widget_get_next_sibling (c))
    expand_period (c, period);
}

static gboolean
has_notification (const char *text)
{
  for (guint i = 0; i < notifications->len; i++)
    if (g_strcmp0 (g_ptr_array_index (notifications, i), text) == 0)
      return TRUE;
  return FALSE;
}

static gboolean
notified_cb (gpointer data)
{
  return has_notification (data);
}

/* ---- the empty page ---- */

static void
test_empty (void)
{
  AdwStatusPage *page;

  show_page (window);
  page = ADW_STATUS_PAGE (pm_test_find_widget (GTK_WIDGET (view), ADW_TYPE_STATUS_PAGE));
  g_assert_true (gtk_widget_get_mapped (GTK_WIDGET (page)));
  g_assert_cmpstr (adw_status_page_get_title (page), ==, "No Monthly Plans Yet");
  g_assert_nonnull (pm_test_find_button_labelled (GTK_WIDGET (page), "New Plan…"));
}

/* ---- New Plan: a bad roster row shown at its row, Save disabled; fixed → saved ---- */

static const char *bad_roster =
  "이름,휴대폰,금액\n"
  "김민지,010-1234-5678,120000\n"
  "이서준,02-123-4567,120000\n"
  "박하윤,010-2345-6789,90000\n";

static const char *good_roster =
  "이름,휴대폰,금액\n"
  "김민지,010-1234-5678,120000\n"
  "이서준,010-3456-7890,120000\n"
  "박하윤,010-2345-6789,90000\n";

static PmPlanDialog *
open_dialog (PmPlansView *v)
{
  GListModel *toplevels = gtk_window_get_toplevels ();

  gtk_widget_activate_action (GTK_WIDGET (v), "plans.new", NULL);
  pm_test_spin (100);
  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GtkWindow) w = g_list_model_get_item (toplevels, i);

      if (PM_IS_PLAN_DIALOG (w) && gtk_widget_get_visible (GTK_WIDGET (w)))
        return PM_PLAN_DIALOG (w);
    }
  g_assert_not_reached ();
}

static void
test_new_plan (void)
{
  PmPlanDialog *dialog;
  g_autofree char *bad = write_file ("bad.csv", bad_roster);
  g_autofree char *good = write_file ("good.csv", good_roster);
  g_autofree char *figures = pm_money_format (330000);
  g_autofree char *words = pm_money_format_korean (330000);
  g_autofree char *total = g_strdup_printf ("%s (%s)", figures, words);
  GtkListBoxRow *row;
  GtkListBox *plans;
  const char *error;
  guint before = pm_sandbox_count_bills (sandbox);

  /* the page's clock: an hour before the first month's run */
  pm_plans_view_set_now (view, due_at (first_period) - 3600);
  dialog = open_dialog (view);
  g_assert_false (pm_plan_dialog_get_can_save (dialog));

  set_entry (dialog, PM_PLAN_FIELD_NAME, PLAN_NAME);
  pm_plan_dialog_set_day (dialog, 5);
  /* a bad time is named at its field */
  set_entry (dialog, PM_PLAN_FIELD_TIME, "25:00");
  g_assert_nonnull (pm_plan_dialog_get_field_error (dialog, PM_PLAN_FIELD_TIME));
  set_entry (dialog, PM_PLAN_FIELD_TIME, "10:00");
  g_assert_null (pm_plan_dialog_get_field_error (dialog, PM_PLAN_FIELD_TIME));
  /* an unknown placeholder, at the reason */
  set_entry (dialog, PM_PLAN_FIELD_REASON, "{이룸} 수강료");
  error = pm_plan_dialog_get_field_error (dialog, PM_PLAN_FIELD_REASON);
  g_assert_nonnull (error);
  g_assert_nonnull (strstr (error, "{이룸}"));
  set_entry (dialog, PM_PLAN_FIELD_REASON, "{월} 수강료");
  g_assert_null (pm_plan_dialog_get_field_error (dialog, PM_PLAN_FIELD_REASON));
  set_entry (dialog, PM_PLAN_FIELD_START, first_period);

  /* the landline: the file's row 3, marked; the others not; Save disabled */
  pm_plan_dialog_load_roster (dialog, bad);
  g_assert_cmpuint (n_rows (pm_plan_dialog_get_roster_list (dialog)), ==, 3);
  row = gtk_list_box_get_row_at_index (pm_plan_dialog_get_roster_list (dialog), 1);
  g_assert_true (gtk_widget_has_css_class (GTK_WIDGET (row), "error"));
  g_assert_nonnull (strstr (adw_action_row_get_subtitle (ADW_ACTION_ROW (row)), "row 3"));
  row = gtk_list_box_get_row_at_index (pm_plan_dialog_get_roster_list (dialog), 0);
  g_assert_false (gtk_widget_has_css_class (GTK_WIDGET (row), "error"));
  error = pm_plan_dialog_get_field_error (dialog, PM_PLAN_FIELD_ROSTER);
  g_assert_nonnull (error);
  g_assert_nonnull (strstr (error, "row 3"));
  g_assert_false (pm_plan_dialog_get_can_save (dialog));
  g_assert_false (gtk_widget_get_sensitive (pm_test_find_button_labelled (GTK_WIDGET (dialog),
                                                                          "Save")));
  g_assert_false (pm_plan_dialog_save (dialog));
  g_assert_null (pm_plan_store_lookup (pm_plans_view_get_store (view), PLAN_NAME, NULL));

  /* the fixed file: clean, saved */
  pm_plan_dialog_load_roster (dialog, good);
  g_assert_null (pm_plan_dialog_get_field_error (dialog, PM_PLAN_FIELD_ROSTER));
  g_assert_true (pm_plan_dialog_get_can_save (dialog));
  g_assert_true (gtk_widget_get_sensitive (pm_test_find_button_labelled (GTK_WIDGET (dialog),
                                                                         "Save")));
  g_object_add_weak_pointer (G_OBJECT (dialog), (gpointer *) &dialog);
  click (pm_test_find_button_labelled (GTK_WIDGET (dialog), "Save"));
  pm_test_spin (200);
  /* saved: the dialog is gone */
  g_assert_null (dialog);

  /* the page lists it, selected, with its preview */
  plans = pm_plans_view_get_plans_list (view);
  g_assert_cmpuint (n_rows (plans), ==, 1);
  row = gtk_list_box_get_row_at_index (plans, 0);
  g_assert_cmpstr (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (row)), ==, PLAN_NAME);
  g_assert_nonnull (strstr (adw_action_row_get_subtitle (ADW_ACTION_ROW (row)), "3 payers"));
  g_assert_nonnull (strstr (adw_action_row_get_subtitle (ADW_ACTION_ROW (row)), figures));
  plan_uuid = g_strdup (pm_plans_view_get_selected (view));
  g_assert_nonnull (plan_uuid);
  g_assert_cmpuint (n_rows (pm_plans_view_get_preview_list (view)), ==, 3);
  g_assert_cmpstr (pm_plans_view_get_preview_total (view), ==, total);
  g_assert_nonnull (pm_test_find_label (GTK_WIDGET (view), "₩90,000"));
  /* nothing is due yet: nothing sent, Send Now not offered */
  pm_plans_view_check_due (view);
  settle (view);
  g_assert_cmpuint (pm_sandbox_count_bills (sandbox), ==, before);
  g_assert_false (gtk_widget_get_visible (GTK_WIDGET (pm_plans_view_get_missed_list (view))) &&
                  n_rows (pm_plans_view_get_missed_list (view)) > 0);
}

/* ---- a missed month: shown, not sent, until Send Now; a second run sends nothing ---- */

static void
test_missed (void)
{
  g_autoptr(PmPlanRunInfo) info = NULL;
  g_autofree char *missed_text = NULL;
  GtkListBox *missed = pm_plans_view_get_missed_list (view);
  GtkListBoxRow *row;
  GtkWidget *send;
  guint before = pm_sandbox_count_bills (sandbox);
  guint notified = pm_plans_view_get_n_notifications (view);

  g_assert_nonnull (plan_uuid);
  /* three days late: past the grace period */
  pm_plans_view_set_now (view, due_at (first_period) + 3 * 86400);
  pm_plans_view_check_due (view);
  settle (view);
  pm_plans_view_check_due (view);
  settle (view);
  g_assert_cmpuint (pm_sandbox_count_bills (sandbox), ==, before);
  g_assert_cmpuint (pm_plans_view_get_n_notifications (view), ==, notified);

  g_assert_cmpuint (n_rows (missed), ==, 1);
  g_assert_true (gtk_widget_get_mapped (GTK_WIDGET (missed)));
  info = pm_plan_store_get_run (pm_plans_view_get_store (view), plan_uuid, first_period,
                                pm_plans_view_get_now (view), NULL);
  g_assert_nonnull (info);
  g_assert_cmpint (info->state, ==, PM_PLAN_RUN_MISSED);
  missed_text = pm_plan_run_info_dup_missed_text (info);
  row = gtk_list_box_get_row_at_index (missed, 0);
  g_assert_cmpstr (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (row)), ==, missed_text);

  /* the page fits a 360 px window (a phone-sized desk), banner and details shown */
  {
    int min = 0;

    gtk_widget_measure (GTK_WIDGET (view), GTK_ORIENTATION_HORIZONTAL, -1, &min, NULL, NULL,
                        NULL);
    g_test_message ("plans page minimum width: %d", min);
    g_assert_cmpint (min, <=, 360);
  }

  /* Send Now: one bill per payer */
  send = pm_test_find_button_labelled (GTK_WIDGET (row), "Send Now");
  g_assert_nonnull (send);
  click (send);
  settle (view);
  g_assert_cmpuint (pm_sandbox_count_bills (sandbox), ==, before + 3);
  g_assert_cmpuint (n_rows (missed), ==, 0);
  g_assert_false (gtk_widget_get_mapped (GTK_WIDGET (missed)));
  g_assert_cmpuint (pm_plans_view_get_n_notifications (view), ==, notified + 1);
  pm_test_spin_until (notified_cb, (gpointer) pm_plans_view_get_last_notification (view),
                      10000);

  /* the same month again: nothing more */
  gtk_widget_activate_action (GTK_WIDGET (view), "plans.run", "(ss)", plan_uuid, first_period);
  settle (view);
  g_assert_cmpuint (pm_sandbox_count_bills (sandbox), ==, before + 3);
  pm_plans_view_check_due (view);
  settle (view);
  g_assert_cmpuint (pm_sandbox_count_bills (sandbox), ==, before + 3);
  /* and the history says so */
  g_assert_nonnull (pm_test_find_label (GTK_WIDGET (view), "3 sent (₩330,000) · 0 paid · 3 unpaid · 0 not sent"));
}

/* ---- a due month while the window is open: sent by itself, with a notification ---- */

static void
test_due (void)
{
  g_autofree char *second = pm_plan_period_add (first_period, 1);
  guint before = pm_sandbox_count_bills (sandbox);
  guint notified = pm_plans_view_get_n_notifications (view);
  const char *summary;

  g_assert_nonnull (plan_uuid);
  pm_plans_view_set_now (view, due_at (second) + 60);
  pm_plans_view_check_due (view);
  settle (view);
  g_assert_cmpuint (pm_sandbox_count_bills (sandbox), ==, before + 3);
  g_assert_cmpuint (pm_plans_view_get_n_notifications (view), ==, notified + 1);
  summary = pm_plans_view_get_last_notification (view);
  g_assert_nonnull (strstr (summary, PLAN_NAME));
  g_assert_nonnull (strstr (summary, "3 bills sent"));
  pm_test_spin_until (notified_cb, (gpointer) summary, 10000);
  g_assert_cmpuint (n_rows (pm_plans_view_get_missed_list (view)), ==, 0);

  /* the minute after: nothing more */
  pm_plans_view_set_now (view, due_at (second) + 120);
  pm_plans_view_check_due (view);
  settle (view);
  g_assert_cmpuint (pm_sandbox_count_bills (sandbox), ==, before + 3);
  g_assert_cmpuint (pm_plans_view_get_n_notifications (view), ==, notified + 1);
}

/* ---- bill again: after a void, one new bill for that payer, once ---- */

static void
voided_cb (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PmBill) bill = pm_service_bill_action_finish (PM_SERVICE (object), result, &error);

  g_assert_no_error (error);
  g_assert_cmpint (pm_bill_get_state (bill), ==, PM_BILL_STATE_DESTROYED);
  *(gboolean *) user_data = TRUE;
}

static void
test_bill_again (void)
{
  PmService *service = pm_application_get_service (app);
  PmPlanStore *store = pm_plans_view_get_store (view);
  g_autoptr(GPtrArray) bills = NULL;
  g_autofree char *voided_id = NULL;
  g_autofree char *voided_phone = NULL;
  PmPlanBillRow *first;
  GtkWidget *again;
  gboolean voided = FALSE;
  guint before = pm_sandbox_count_bills (sandbox);

  bills = pm_plan_store_list_bills (store, plan_uuid, first_period, NULL);
  g_assert_cmpuint (bills->len, ==, 3);
  /* nothing to bill again while every bill stands */
  pm_plans_view_reload (view);
  g_assert_null (pm_test_find_button (GTK_WIDGET (view), "plans.bill-again"));

  first = g_ptr_array_index (bills, 0);
  voided_id = g_strdup (pm_bill_get_bill_id (first->bill));
  voided_phone = g_strdup (first->payer->phone);
  pm_service_bill_action_async (service, voided_id, PM_BILL_ACTION_DESTROY, NULL, voided_cb,
                                &voided);
  g_assert_true (pm_test_wait_flag (&voided, 10000));
  pm_plans_view_reload (view);

  again = pm_test_find_button (GTK_WIDGET (view), "plans.bill-again");
  g_assert_nonnull (again);
  {
    GVariant *target = gtk_actionable_get_action_target_value (GTK_ACTIONABLE (again));
    const char *uuid, *period, *phone;

    g_variant_get (target, "(&s&s&s)", &uuid, &period, &phone);
    g_assert_cmpstr (uuid, ==, plan_uuid);
    g_assert_cmpstr (period, ==, first_period);
    g_assert_cmpstr (phone, ==, voided_phone);
  }
  expand_period (GTK_WIDGET (view), first_period);
  click (again);
  settle (view);
  g_assert_cmpuint (pm_sandbox_count_bills (sandbox), ==, before + 1);
  g_clear_pointer (&bills, g_ptr_array_unref);
  bills = pm_plan_store_list_bills (store, plan_uuid, first_period, NULL);
  g_assert_cmpuint (bills->len, ==, 4);
  /* the period stays open across the reload, and shows the new revision */
  g_assert_nonnull (pm_test_find_label (GTK_WIDGET (view), "Billed again (1)"));
  /* the new bill stands: no second "bill again" */
  g_assert_null (pm_test_find_button (GTK_WIDGET (view), "plans.bill-again"));
  gtk_widget_activate_action (GTK_WIDGET (view), "plans.bill-again", "(sss)", plan_uuid,
                              first_period, voided_phone);
  settle (view);
  g_assert_cmpuint (pm_sandbox_count_bills (sandbox), ==, before + 1);
}

/* ---- a period of the history leads to the Payments page ---- */

static void
show_bills_cb (PmPlansView *v,
               const char  *batch_id,
               gint64       from,
               gint64       to,
               gint64      *range)
{
  range[0] = from;
  range[1] = to;
}

static void
test_show_period (void)
{
  g_autoptr(PmPlanRunInfo) info = NULL;
  AdwViewStack *stack = ADW_VIEW_STACK (gtk_widget_get_ancestor (GTK_WIDGET (view),
                                                                 ADW_TYPE_VIEW_STACK));
  gint64 range[2] = { 0, 0 };
  gulong id;

  info = pm_plan_store_get_run (pm_plans_view_get_store (view), plan_uuid, first_period,
                                pm_plans_view_get_now (view), NULL);
  g_assert_cmpint (info->state, ==, PM_PLAN_RUN_DONE);
  id = g_signal_connect (view, "show-bills", G_CALLBACK (show_bills_cb), range);
  gtk_widget_activate_action (GTK_WIDGET (view), "plans.show-period", "(ss)", plan_uuid,
                              first_period);
  g_signal_handler_disconnect (view, id);
  /* the days the run sent its bills */
  g_assert_cmpint (range[0], <=, info->started_at);
  g_assert_cmpint (range[1], >, info->finished_at);
  g_assert_cmpint (range[1] - range[0], <=, 40 * 86400);
  g_assert_cmpstr (adw_view_stack_get_visible_child_name (stack), ==, "payments");
  show_page (window);
}

/* ---- pause, skip: what the buttons do to the store ---- */

static void
test_pause_skip (void)
{
  g_autofree char *third = pm_plan_period_add (first_period, 2);
  g_autoptr(PmPlan) plan = NULL;
  g_autoptr(PmPlanRunInfo) info = NULL;
  guint before = pm_sandbox_count_bills (sandbox);

  pm_plans_view_set_now (view, due_at (third) - 86400);
  pm_plans_view_reload (view);
  click (pm_test_find_button_labelled (GTK_WIDGET (view), "Pause"));
  pm_test_spin (50);
  plan = pm_plan_store_lookup (pm_plans_view_get_store (view), plan_uuid, NULL);
  g_assert_true (pm_plan_get_paused (plan));
  g_assert_nonnull (pm_test_find_label (GTK_WIDGET (view), "Paused"));
  click (pm_test_find_button_labelled (GTK_WIDGET (view), "Resume"));
  pm_test_spin (50);
  g_clear_object (&plan);
  plan = pm_plan_store_lookup (pm_plans_view_get_store (view), plan_uuid, NULL);
  g_assert_false (pm_plan_get_paused (plan));

  /* skip the third month: its day passes and nothing is sent */
  click (pm_test_find_button_labelled (GTK_WIDGET (view), "Skip This Month"));
  pm_test_spin (50);
  info = pm_plan_store_get_run (pm_plans_view_get_store (view), plan_uuid, third,
                                pm_plans_view_get_now (view), NULL);
  g_assert_cmpint (info->state, ==, PM_PLAN_RUN_SKIPPED);
  pm_plans_view_set_now (view, due_at (third) + 60);
  pm_plans_view_check_due (view);
  settle (view);
  g_assert_cmpuint (pm_sandbox_count_bills (sandbox), ==, before);
}

/* ---- the preferences switch runs a fake systemctl ---- */

static const char *fake_systemctl =
  "#!/bin/sh\n"
  "echo \"$*\" >> \"$PM_FAKE_DIR/calls\"\n"
  "case \"$2\" in\n"
  "  is-enabled) if [ -e \"$PM_FAKE_DIR/enabled\" ]; then echo enabled; exit 0; fi\n"
  "              echo disabled; exit 1 ;;\n"
  "  enable) if [ -e \"$PM_FAKE_DIR/no-bus\" ]; then\n"
  "            echo 'Failed to connect to bus: No medium found' >&2; exit 1; fi\n"
  "          touch \"$PM_FAKE_DIR/enabled\" ;;\n"
  "  disable) rm -f \"$PM_FAKE_DIR/enabled\" ;;\n"
  "esac\n"
  "exit 0\n";

static char *
read_calls (void)
{
  g_autofree char *path = g_build_filename (tmpdir, "calls", NULL);
  char *text = NULL;

  if (!g_file_get_contents (path, &text, NULL, NULL))
    return g_strdup ("");
  return text;
}

static gboolean
row_idle (gpointer data)
{
  return !pm_plans_timer_row_get_busy (PM_PLANS_TIMER_ROW (data));
}

static void
test_timer_switch (void)
{
  g_autofree char *script = write_file ("systemctl", fake_systemctl);
  g_autofree char *no_bus = g_build_filename (tmpdir, "no-bus", NULL);
  g_autofree char *calls = NULL;
  PmPreferencesWindow *prefs;
  PmPlansTimerRow *row;
  GtkSwitch *toggle;

  g_assert_cmpint (g_chmod (script, 0755), ==, 0);
  g_setenv ("PM_SYSTEMCTL", script, TRUE);
  g_setenv ("PM_FAKE_DIR", tmpdir, TRUE);

  prefs = pm_preferences_window_new (app, GTK_WINDOW (window));
  gtk_window_present (GTK_WINDOW (prefs));
  row = PM_PLANS_TIMER_ROW (pm_test_find_widget (GTK_WIDGET (prefs), PM_TYPE_PLANS_TIMER_ROW));
  g_assert_nonnull (row);
  toggle = GTK_SWITCH (pm_test_find_widget (GTK_WIDGET (row), GTK_TYPE_SWITCH));
  pm_test_spin_until (row_idle, row, 10000);
  calls = read_calls ();
  g_assert_cmpstr (calls, ==, "--user is-enabled paymint-desk-plans.timer\n");
  g_assert_false (gtk_switch_get_active (toggle));
  g_assert_true (g_str_has_prefix (adw_action_row_get_subtitle (ADW_ACTION_ROW (row)), "Off"));

  /* on */
  gtk_switch_set_active (toggle, TRUE);
  pm_test_spin (50);
  pm_test_spin_until (row_idle, row, 10000);
  g_free (calls);
  calls = read_calls ();
  g_assert_cmpstr (calls, ==,
                   "--user is-enabled paymint-desk-plans.timer\n"
                   "--user enable --now paymint-desk-plans.timer\n"
                   "--user is-enabled paymint-desk-plans.timer\n");
  g_assert_true (gtk_switch_get_state (toggle));
  g_assert_true (g_str_has_prefix (adw_action_row_get_subtitle (ADW_ACTION_ROW (row)), "On"));

  /* off */
  gtk_switch_set_active (toggle, FALSE);
  pm_test_spin (50);
  pm_test_spin_until (row_idle, row, 10000);
  g_free (calls);
  calls = read_calls ();
  g_assert_nonnull (strstr (calls, "--user disable --now paymint-desk-plans.timer\n"));
  g_assert_false (gtk_switch_get_state (toggle));

  /* no systemd user session: the switch stays off and says why */
  g_assert_true (g_file_set_contents (no_bus, "", 0, NULL));
  gtk_switch_set_active (toggle, TRUE);
  pm_test_spin (50);
  pm_test_spin_until (row_idle, row, 10000);
  g_assert_false (gtk_switch_get_state (toggle));
  g_assert_false (gtk_switch_get_active (toggle));
  g_assert_nonnull (strstr (adw_action_row_get_subtitle (ADW_ACTION_ROW (row)),
                            "Failed to connect to bus"));
  g_unlink (no_bus);

  gtk_window_destroy (GTK_WINDOW (prefs));
  g_unsetenv ("PM_SYSTEMCTL");
  pm_test_spin (50);
}

/* ---- Screenshots (PM_PLANS_SCREENSHOTS=DIR) ---- */

static void
screenshot (GtkWidget  *win,
            const char *dir,
            const char *name)
{
  g_autofree char *path = g_strdup_printf ("%s/plans-%s.png", dir, name);
  g_autofree char *command = NULL;
  g_autoptr(GError) error = NULL;
  int status = 0;

  pm_test_wait_for_draw (win);
  pm_test_spin (400);
  pm_test_wait_for_draw (win);
  command = g_strdup_printf ("import -window root -crop %dx%d+0+0 %s",
                             gtk_widget_get_width (win), gtk_widget_get_height (win), path);
  g_assert_true (g_spawn_command_line_sync (command, NULL, NULL, &status, &error));
  g_assert_no_error (error);
  g_test_message ("wrote %s", path);
}

static void
shoot (const char *dir,
       const char *lang)
{
  PmWindow *win = pm_window_new (app);
  PmPlansView *v;
  PmPlanDialog *dialog;
  g_autofree char *name = NULL;
  g_autofree char *bad = write_file ("bad.csv", bad_roster);
  g_autofree char *fourth = pm_plan_period_add (first_period, 3);
  GtkWidget *expander;

  gtk_window_set_default_size (GTK_WINDOW (win), 1000, 1000);
  gtk_window_present (GTK_WINDOW (win));
  show_page (win);
  v = PM_PLANS_VIEW (pm_test_find_widget (GTK_WIDGET (win), PM_TYPE_PLANS_VIEW));
  pm_plans_view_set_now (v, due_at (fourth) - 86400);
  pm_plans_view_select_plan (v, plan_uuid);
  expander = pm_test_find_widget (GTK_WIDGET (v), ADW_TYPE_EXPANDER_ROW);
  if (expander != NULL)
    adw_expander_row_set_expanded (ADW_EXPANDER_ROW (expander), TRUE);
  name = g_strdup_printf ("%s-list", lang);
  screenshot (GTK_WIDGET (win), dir, name);

  /* two days after the fourth month's day: missed */
  pm_plans_view_set_now (v, due_at (fourth) + 2 * 86400);
  pm_plans_view_check_due (v);
  settle (v);
  g_free (name);
  name = g_strdup_printf ("%s-missed", lang);
  screenshot (GTK_WIDGET (win), dir, name);

  gtk_window_set_default_size (GTK_WINDOW (win), 360, 1000);
  g_free (name);
  name = g_strdup_printf ("%s-missed-narrow", lang);
  screenshot (GTK_WIDGET (win), dir, name);
  gtk_window_set_default_size (GTK_WINDOW (win), 1000, 1000);

  dialog = open_dialog (v);
  set_entry (dialog, PM_PLAN_FIELD_NAME, "피아노 레슨");
  set_entry (dialog, PM_PLAN_FIELD_TIME, "25:00");
  pm_plan_dialog_load_roster (dialog, bad);
  g_free (name);
  name = g_strdup_printf ("%s-dialog", lang);
  gtk_window_set_default_size (GTK_WINDOW (dialog), 640, 980);
  screenshot (GTK_WIDGET (win), dir, name);
  gtk_window_destroy (GTK_WINDOW (dialog));
  gtk_window_destroy (GTK_WINDOW (win));
  pm_test_spin (100);
}

static void
test_screenshots (void)
{
  const char *dir = g_getenv ("PM_PLANS_SCREENSHOTS");
  g_autofree char *localedir = g_build_filename (g_getenv ("PM_BUILD_ROOT"), "po", NULL);
  g_autofree char *old_domain = NULL;

  if (dir == NULL)
    {
      g_test_skip ("PM_PLANS_SCREENSHOTS is not set");
      return;
    }
  gtk_widget_set_visible (GTK_WIDGET (window), FALSE);
  shoot (dir, "en");
  old_domain = g_strdup (textdomain (NULL));
  g_setenv ("LANGUAGE", "ko", TRUE);
  textdomain (GETTEXT_PACKAGE);
  bindtextdomain (GETTEXT_PACKAGE, localedir);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  shoot (dir, "ko");
  g_unsetenv ("LANGUAGE");
  textdomain (old_domain);
  gtk_widget_set_visible (GTK_WIDGET (window), TRUE);
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GError) error = NULL;
  g_autofree char *this_period = NULL;
  int ret;

  pm_test_init (&argc, &argv);
  notifications = pm_test_start_notification_server ();
  tmpdir = g_dir_make_tmp ("test-plans-XXXXXX", &error);
  g_assert_no_error (error);
  app = pm_application_new ();
  g_application_set_flags (G_APPLICATION (app), G_APPLICATION_NON_UNIQUE);
  pm_application_set_use_sandbox (app, TRUE);
  g_application_register (G_APPLICATION (app), NULL, &error);
  g_assert_no_error (error);
  sandbox = pm_application_get_sandbox (app);
  g_assert_nonnull (sandbox);
  pm_sandbox_set_payers (sandbox, 0.0, 60, 60, 0.0);
  g_application_activate (G_APPLICATION (app));
  window = PM_WINDOW (gtk_application_get_active_window (GTK_APPLICATION (app)));
  gtk_window_set_default_size (GTK_WINDOW (window), 1000, 900);
  view = PM_PLANS_VIEW (pm_test_find_widget (GTK_WIDGET (window), PM_TYPE_PLANS_VIEW));
  g_assert_nonnull (view);

  /* next month, so that every bill's expiry is ahead of the sandbox's real clock */
  this_period = pm_plan_period_at (g_get_real_time () / G_USEC_PER_SEC);
  first_period = pm_plan_period_add (this_period, 1);

  g_test_add_func ("/plans/empty", test_empty);
  g_test_add_func ("/plans/new-plan", test_new_plan);
  g_test_add_func ("/plans/missed", test_missed);
  g_test_add_func ("/plans/due", test_due);
  g_test_add_func ("/plans/bill-again", test_bill_again);
  g_test_add_func ("/plans/show-period", test_show_period);
  g_test_add_func ("/plans/pause-skip", test_pause_skip);
  g_test_add_func ("/plans/timer-switch", test_timer_switch);
  g_test_add_func ("/plans/screenshots", test_screenshots);

  ret = g_test_run ();
  gtk_window_destroy (GTK_WINDOW (window));
  g_application_quit (G_APPLICATION (app));
  g_clear_object (&app);
  g_free (first_period);
  g_free (plan_uuid);
  return ret;
}
