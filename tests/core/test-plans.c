/* test-plans.c — monthly billing plans: validation, templates, month ends, due and missed
 * runs, exactly one bill per payer and period, against the in-process sandbox
 *
 * Copyright 2026 The Paymint Desk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Time is injected: every "now" below is chosen, never waited for. Periods that send
 * bills are next month's (from the real clock), so their last day to pay is ahead of
 * the sandbox's own clock, which checks it.
 */

#include "config.h"

#include <glib/gstdio.h>
#include <sqlite3.h>
#include <string.h>
#include <unistd.h>

#include "pm-csv.h"
#include "pm-error.h"
#include "pm-ledger.h"
#include "pm-plan-store.h"
#include "pm-plan.h"
#include "pm-sandbox.h"
#include "pm-service.h"
#include "pm-test-service.h"
#include "pm-test-util.h"

/* ---- pure: validation, templates, month ends ---- */

static gint64
korea (int y, int mo, int d, int h, int mi)
{
  g_autoptr(GTimeZone) tz = pm_bill_korea_time_zone ();
  g_autoptr(GDateTime) dt = g_date_time_new (tz, y, mo, d, h, mi, 0);

  return g_date_time_to_unix (dt);
}

static PmPlan *
good_plan (void)
{
  PmPlan *plan = pm_plan_new ();
  g_autoptr(PmPlanPayer) a = pm_plan_payer_new ("김영희", "010-1234-5678", 120000, NULL);
  g_autoptr(PmPlanPayer) b = pm_plan_payer_new ("이철수", "010-2222-3333", 150000, NULL);

  pm_plan_set_name (plan, "수강료");
  pm_plan_set_day (plan, 5);
  pm_plan_set_time (plan, 10 * 60);
  pm_plan_set_reason (plan, "{월} 수강료");
  pm_plan_set_message (plan, "{이름} 학생 {월} 수강료 {금액}입니다. {다음달}에 뵙겠습니다.");
  pm_plan_set_start_period (plan, "2027-01");
  pm_plan_add_payer (plan, a);
  pm_plan_add_payer (plan, b);
  return plan;
}

static void
assert_invalid (GError     *error,
                const char *field,
                const char *message)
{
  g_assert_error (error, PM_ERROR, PM_ERROR_INVALID);
  g_assert_cmpstr (pm_error_get_field (error), ==, field);
  g_assert_cmpstr (error->message, ==, message);
}

static void
test_parse_bad_input (void)
{
  int day = -1, minutes = -1;

  {
    g_autoptr(GError) error = NULL;

    g_assert_false (pm_plan_parse_day ("31", &day, &error));
    assert_invalid (error, "day", "Not every month has a day 31: choose 1 to 28, or “last” "
                                  "for the last day of the month.");
  }
  {
    g_autoptr(GError) error = NULL;

    g_assert_false (pm_plan_parse_day ("0", &day, &error));
    assert_invalid (error, "day", "There is no day 0 in a month: choose 1 to 28, or “last” "
                                  "for the last day of the month.");
  }
  {
    g_autoptr(GError) error = NULL;

    g_assert_false (pm_plan_parse_day ("fifth", &day, &error));
    assert_invalid (error, "day", "“fifth” is not a day of the month: choose 1 to 28, or "
                                  "“last” for the last day of the month.");
  }
  {
    g_autoptr(GError) error = NULL;

    g_assert_false (pm_plan_parse_time ("25:00", &minutes, &error));
    assert_invalid (error, "time", "“25:00” is not a time of day: write HH:MM, from 00:00 to "
                                   "23:59 (Korea time).");
  }
  {
    g_autoptr(GError) error = NULL;

    g_assert_false (pm_plan_check_template ("{이룸} 수강료", "reason", &error));
    assert_invalid (error, "reason",
                    "unknown placeholder {이룸}; use {이름}, {금액}, {월} or {다음달}");
  }
  {
    g_autoptr(GError) error = NULL;

    g_assert_false (pm_plan_parse_period ("2027-13", "start", NULL, NULL, &error));
    assert_invalid (error, "start", "“2027-13” is not a month: write YYYY-MM, such as 2027-03.");
  }

  g_assert_true (pm_plan_parse_day ("28", &day, NULL));
  g_assert_cmpint (day, ==, 28);
  g_assert_true (pm_plan_parse_day("last", &day, NULL));
  g_assert_cmpint (day, ==, PM_PLAN_DAY_LAST);
  g_assert_true (pm_plan_parse_day ("말일", &day, NULL));
  g_assert_cmpint (day, ==, PM_PLAN_DAY_LAST);
  g_assert_true (pm_plan_parse_time ("09:30", &minutes, NULL));
  g_assert_cmpint (minutes, ==, 9 * 60 + 30);
  g_assert_true (pm_plan_parse_time ("23:59", &minutes, NULL));
  g_assert_false (pm_plan_parse_time ("24:00", &minutes, NULL));
  g_assert_false (pm_plan_parse_time ("10:5", &minutes, NULL));
  /* braces that are no placeholder pair are text */
  g_assert_true (pm_plan_check_template ("{ 열린 괄호만", "message", NULL));
}

static void
test_validate_plan (void)
{
  g_autoptr(PmPlan) plan = good_plan ();
  g_autoptr(GError) error = NULL;

  g_assert_true (pm_plan_validate (plan, &error));
  g_assert_no_error (error);

  pm_plan_set_day (plan, 31);
  g_assert_false (pm_plan_validate (plan, &error));
  assert_invalid (error, "day", "Not every month has a day 31: choose 1 to 28, or “last” for "
                                "the last day of the month.");
  g_clear_error (&error);
  pm_plan_set_day (plan, PM_PLAN_DAY_LAST);

  pm_plan_set_time (plan, 25 * 60);
  g_assert_false (pm_plan_validate (plan, &error));
  assert_invalid (error, "time", "The time must be between 00:00 and 23:59 (Korea time).");
  g_clear_error (&error);
  pm_plan_set_time (plan, 10 * 60);

  pm_plan_set_message (plan, "{이름}님 {이룸}");
  g_assert_false (pm_plan_validate (plan, &error));
  assert_invalid (error, "message",
                  "unknown placeholder {이룸}; use {이름}, {금액}, {월} or {다음달}");
  g_clear_error (&error);
  pm_plan_set_message (plan, "{이름}님");

  pm_plan_set_end_period (plan, "2026-12");
  g_assert_false (pm_plan_validate (plan, &error));
  assert_invalid (error, "end", "The last month (2026-12) is before the first (2027-01).");
  g_clear_error (&error);
  pm_plan_set_end_period (plan, NULL);

  g_assert_true (pm_plan_validate (plan, NULL));
}

static void
test_validate_roster (void)
{
  struct
  {
    const char *name;
    const char *phone;
    gint64      amount;
    const char *message;
    const char *field;
  } cases[] = {
    { "박민수", "02-123-4567", 90000,
      "row 3, phone: This is not a Korean mobile number. Enter one like 010-1234-5678.", "phone" },
    { "박민수", "010-4444-5555", 0, "row 3, amount: The amount must be at least ₩1.", "amount" },
    { "박민수", "010 1234 5678", 90000,
      "row 3, phone: the same payer as row 1 (010-1234-5678): each phone number can be in a "
      "roster only once.", "phone" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(PmPlan) plan = good_plan ();
      g_autoptr(PmPlanPayer) p = pm_plan_payer_new (cases[i].name, cases[i].phone,
                                                    cases[i].amount, NULL);
      g_autoptr(GError) error = NULL;
      g_autoptr(GPtrArray) problems = NULL;
      PmPlanRosterProblem *problem;

      pm_plan_add_payer (plan, p);
      g_assert_false (pm_plan_validate (plan, &error));
      assert_invalid (error, "roster", cases[i].message);

      problems = pm_plan_check_roster (plan);
      g_assert_cmpuint (problems->len, ==, 1);
      problem = g_ptr_array_index (problems, 0);
      g_assert_cmpuint (problem->index, ==, 2);
      g_assert_cmpuint (problem->row, ==, 3);
      g_assert_cmpstr (problem->field, ==, cases[i].field);
    }
}

static char *
write_temp (const char *name,
            const char *text)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("plan-roster-XXXXXX", &error);
  char *path;

  g_assert_no_error (error);
  path = g_build_filename (dir, name, NULL);
  g_file_set_contents (path, text, -1, &error);
  g_assert_no_error (error);
  return path;
}

static void
remove_temp (const char *path)
{
  g_autofree char *dir = g_path_get_dirname (path);

  g_unlink (path);
  g_rmdir (dir);
}

static void
test_roster_from_file (void)
{
  gint64 now = korea (2027, 1, 1, 9, 0);
  struct
  {
    const char *text;
    const char *message;
  } bad[] = {
    { "이름,전화번호,금액\n김영희,010-1234-5678,120000\n이철수,02-123-4567,150000\n",
      "row 3, column 전화번호: This is not a Korean mobile number. Enter one like "
      "010-1234-5678." },
    { "이름,전화번호,금액\n김영희,010-1234-5678,120000\n이철수,010-2222-3333,0\n",
      "row 3, column 금액: The amount must be at least ₩1." },
    { "이름,전화번호,금액\n김영희,010-1234-5678,120000\n이철수,010 1234 5678,10000\n",
      "row 3, column 전화번호: the same payer as row 2 (010-1234-5678): each phone number can "
      "be in a roster only once." },
  };

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autofree char *path = write_temp ("roster.csv", bad[i].text);
      g_autoptr(GError) error = NULL;
      g_autoptr(GPtrArray) roster = pm_plan_roster_from_file (path, now, &error);

      g_assert_null (roster);
      assert_invalid (error, "roster", bad[i].message);
      remove_temp (path);
    }

  {
    /* the bulk reader's column detection: English headers, amounts as people write them */
    g_autofree char *path =
      write_temp ("roster.csv", "name,mobile,amount\n김영희,010-1234-5678,\"120,000\"\n"
                                "이철수,+82 10 2222 3333,150000원\n");
    g_autoptr(GError) error = NULL;
    g_autoptr(GPtrArray) roster = pm_plan_roster_from_file (path, now, &error);
    PmPlanPayer *p;

    g_assert_no_error (error);
    g_assert_cmpuint (roster->len, ==, 2);
    p = g_ptr_array_index (roster, 1);
    g_assert_cmpstr (p->name, ==, "이철수");
    g_assert_cmpstr (p->phone, ==, "01022223333");
    g_assert_cmpint (p->amount, ==, 150000);
    g_assert_null (p->method_id);
    remove_temp (path);
  }
}

static void
test_templates (void)
{
  g_autoptr(PmPlanPayer) p = pm_plan_payer_new ("김영희", "010-1234-5678", 1234000, NULL);
  g_autofree char *march = pm_plan_render_template ("{이름} {월} 수강료 {금액}, {다음달}에도", p,
                                                    "2027-03", NULL);
  g_autofree char *december = pm_plan_render_template ("{월}→{다음달}", p, "2027-12", NULL);
  g_autofree char *literal = pm_plan_render_template ("{ 그대로 }}", p, "2027-12", NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *bad = pm_plan_render_template ("{월급}", p, "2027-03", &error);

  g_assert_cmpstr (march, ==, "김영희 3월 수강료 ₩1,234,000, 4월에도");
  g_assert_cmpstr (december, ==, "12월→1월");
  g_assert_null (bad);
  g_assert_cmpstr (error->message, ==,
                   "unknown placeholder {월급}; use {이름}, {금액}, {월} or {다음달}");
  /* "{ 그대로 }" is a pair, but an unknown one */
  g_assert_null (literal);
}

static void
test_month_ends (void)
{
  g_autoptr(PmPlan) plan = good_plan ();

  pm_plan_set_day (plan, PM_PLAN_DAY_LAST);
  g_assert_cmpint (pm_plan_run_day (plan, "2027-02"), ==, 28);
  g_assert_cmpint (pm_plan_run_day (plan, "2028-02"), ==, 29);
  g_assert_cmpint (pm_plan_run_day (plan, "2027-04"), ==, 30);
  g_assert_cmpint (pm_plan_run_day (plan, "2027-12"), ==, 31);
  /* Korea time: 10:00 KST on the 28th is 01:00 UTC that day */
  g_assert_cmpint (pm_plan_due_at (plan, "2027-02"), ==, korea (2027, 2, 28, 10, 0));
  g_assert_cmpint (pm_plan_due_at (plan, "2028-02"), ==, korea (2028, 2, 29, 10, 0));
  g_assert_cmpint (pm_plan_due_at (plan, "2027-02") % 86400, ==, 3600);

  pm_plan_set_day (plan, 28);
  g_assert_cmpint (pm_plan_run_day (plan, "2028-02"), ==, 28);

  {
    g_autofree char *p = pm_plan_period_at (korea (2027, 3, 1, 0, 30)); /* 2027-02-28 15:30 UTC */
    g_autofree char *next = pm_plan_period_add ("2027-12", 1);
    g_autofree char *prev = pm_plan_period_add ("2027-01", -1);

    g_assert_cmpstr (p, ==, "2027-03");
    g_assert_cmpstr (next, ==, "2028-01");
    g_assert_cmpstr (prev, ==, "2026-12");
  }
}

static void
test_bill_ids (void)
{
  g_autofree char *a = pm_plan_derive_bill_id ("u-1", "01012345678", "2027-03", 0);
  g_autofree char *again = pm_plan_derive_bill_id ("u-1", "01012345678", "2027-03", 0);
  g_autofree char *rev = pm_plan_derive_bill_id ("u-1", "01012345678", "2027-03", 1);
  g_autofree char *month = pm_plan_derive_bill_id ("u-1", "01012345678", "2027-04", 0);
  g_autofree char *csv = pm_csv_derive_bill_id ("u-1/01012345678/2027-03/0", "pmplan1");
  g_autoptr(GError) error = NULL;

  g_assert_cmpstr (a, ==, again);
  g_assert_cmpstr (a, ==, csv);
  g_assert_cmpstr (a, !=, rev);
  g_assert_cmpstr (a, !=, month);
  g_assert_true (pm_bill_check_bill_id (a, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (strlen (a), ==, PM_BILL_BILL_ID_MAX);
}

/* ---- with a ledger and the sandbox ---- */

typedef struct
{
  PmSandbox   *sandbox;
  PmService   *service;
  PmProfile   *profile;
  PmPlanStore *store;
  char        *dir;
  char        *ledger_path;
  char        *period;     /* next month: its bills expire after the sandbox's today */
} Fixture;

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *url = NULL;
  g_autofree char *this_month = pm_plan_period_at (g_get_real_time () / G_USEC_PER_SEC);

  f->sandbox = pm_sandbox_new ();
  pm_sandbox_set_seed (f->sandbox, 11);
  pm_sandbox_set_payers (f->sandbox, 0.0, 60, 120, 0.0);
  g_assert_true (pm_sandbox_start (f->sandbox, NULL, 0, &error));
  url = pm_sandbox_dup_base_url (f->sandbox);

  f->dir = g_dir_make_tmp ("plans-XXXXXX", &error);
  g_assert_no_error (error);
  f->ledger_path = g_build_filename (f->dir, "ledger.db", NULL);
  f->service = pm_service_new (f->ledger_path, &error);
  g_assert_no_error (error);
  f->profile = pm_profile_new ();
  pm_profile_set_uuid (f->profile, "b0b0b0b0-0000-4000-8000-00000000b0b0");
  pm_profile_set_name (f->profile, "Sandbox");
  pm_profile_set_base_url (f->profile, url);
  pm_profile_set_api_key (f->profile, PM_SANDBOX_DEMO_KEY);
  pm_profile_set_mode (f->profile, PM_PROFILE_MODE_MMK);
  pm_service_set_profile (f->service, f->profile);
  pm_service_set_timeout (f->service, 10);
  pm_service_set_polling (f->service, FALSE, 4);
  f->store = pm_plan_store_new (pm_service_get_ledger (f->service), &error);
  g_assert_no_error (error);
  f->period = pm_plan_period_add (this_month, 1);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(GPtrArray) files = pm_test_list_files (f->dir);

  g_assert_finalize_object (f->store);
  g_assert_finalize_object (f->service);
  g_clear_object (&f->profile);
  pm_sandbox_stop (f->sandbox);
  g_clear_object (&f->sandbox);
  for (guint i = 0; i < files->len; i++)
    g_unlink (g_ptr_array_index (files, i));
  g_rmdir (f->dir);
  g_free (f->dir);
  g_free (f->ledger_path);
  g_free (f->period);
}

/* A plan of @n payers (010-70NN-NNNN) on day 5 at 10:00, from f->period. */
static PmPlan *
add_plan (Fixture    *f,
          const char *name,
          guint       n)
{
  g_autoptr(PmPlan) plan = good_plan ();
  g_autoptr(GPtrArray) roster =
    g_ptr_array_new_with_free_func ((GDestroyNotify) pm_plan_payer_free);
  g_autoptr(GError) error = NULL;

  for (guint i = 1; i <= n; i++)
    {
      g_autofree char *pname = g_strdup_printf ("학생%u", i);
      g_autofree char *phone = g_strdup_printf ("010-70%02u-%04u", i % 100, i);

      g_ptr_array_add (roster, pm_plan_payer_new (pname, phone, 10000 + i, NULL));
    }
  pm_plan_set_name (plan, name);
  pm_plan_set_roster (plan, roster);
  pm_plan_set_start_period (plan, f->period);
  g_assert_true (pm_plan_store_add (f->store, plan, pm_profile_get_uuid (f->profile),
                                    g_get_real_time () / G_USEC_PER_SEC, &error));
  g_assert_no_error (error);
  return g_steal_pointer (&plan);
}

static void
store_result_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  *(GAsyncResult **) user_data = g_object_ref (result);
}

static gboolean
result_ready (gpointer data)
{
  return *(GAsyncResult **) data != NULL;
}

static PmPlanRunReport *
run_period (Fixture    *f,
            PmPlan     *plan,
            const char *period,
            gint64      now,
            GError    **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  pm_plan_store_run_async (f->store, f->service, pm_plan_get_uuid (plan), period, now, 4, NULL,
                           store_result_cb, &result);
  pm_test_spin_until (result_ready, &result, 60000);
  return pm_plan_store_run_finish (f->store, result, error);
}

static GPtrArray *
run_due (Fixture  *f,
         gint64    now,
         gint64    grace,
         guint    *n_missed)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  GPtrArray *reports;

  pm_plan_store_run_due_async (f->store, f->service, now, grace, 4, NULL, store_result_cb,
                               &result);
  pm_test_spin_until (result_ready, &result, 60000);
  reports = pm_plan_store_run_due_finish (f->store, result, n_missed, &error);
  g_assert_no_error (error);
  return reports;
}

static void
test_run_due_twice (Fixture       *f,
                    gconstpointer  data)
{
  g_autoptr(PmPlan) plan = add_plan (f, "수강료", 12);
  gint64 due = pm_plan_due_at (plan, f->period);
  g_autoptr(GPtrArray) before = NULL;
  g_autoptr(GPtrArray) first = NULL;
  g_autoptr(GPtrArray) second = NULL;
  g_autoptr(GPtrArray) due_list = NULL;
  g_autoptr(GPtrArray) runs = NULL;
  g_autoptr(GError) error = NULL;
  PmPlanRunReport *r;
  PmPlanRunInfo *info;
  guint n_missed = 99;

  /* a minute before its time, nothing is due */
  before = run_due (f, due - 60, PM_PLAN_DEFAULT_GRACE, &n_missed);
  g_assert_cmpuint (before->len, ==, 0);
  g_assert_cmpuint (n_missed, ==, 0);
  g_assert_cmpuint (pm_sandbox_count_bills (f->sandbox), ==, 0);

  first = run_due (f, due + 60, PM_PLAN_DEFAULT_GRACE, &n_missed);
  g_assert_cmpuint (first->len, ==, 1);
  r = g_ptr_array_index (first, 0);
  g_assert_cmpstr (r->period, ==, f->period);
  g_assert_cmpuint (r->n_bills, ==, 12);
  g_assert_cmpuint (r->n_sent, ==, 12);
  g_assert_cmpuint (r->n_failed + r->n_unknown, ==, 0);
  g_assert_cmpuint (pm_sandbox_count_bills (f->sandbox), ==, 12);
  {
    g_autofree char *summary = pm_plan_run_report_dup_summary (r);
    g_autofree char *expected = g_strdup_printf ("%d월 수강료: 12 bills sent", atoi (f->period + 5));

    g_assert_cmpstr (summary, ==, expected);
  }

  /* the timer fires again a quarter of an hour later: nothing more */
  second = run_due (f, due + 15 * 60, PM_PLAN_DEFAULT_GRACE, NULL);
  g_assert_cmpuint (second->len, ==, 0);
  /* and a run of the period asked for by hand sends nothing either */
  {
    g_autoptr(PmPlanRunReport) again = run_period (f, plan, f->period, due + 20 * 60, &error);

    g_assert_no_error (error);
    g_assert_cmpuint (again->n_sent, ==, 0);
    g_assert_cmpuint (again->n_written, ==, 0);
    g_assert_cmpuint (again->n_already, ==, 12);
  }
  g_assert_cmpuint (pm_sandbox_count_bills (f->sandbox), ==, 12);

  due_list = pm_plan_store_due_runs (f->store, NULL, due + 3600, PM_PLAN_DEFAULT_GRACE, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (due_list->len, ==, 0);
  runs = pm_plan_store_list_runs (f->store, pm_plan_get_uuid (plan), &error);
  g_assert_no_error (error);
  g_assert_cmpuint (runs->len, ==, 1);
  info = g_ptr_array_index (runs, 0);
  g_assert_cmpint (info->state, ==, PM_PLAN_RUN_DONE);
  g_assert_cmpuint (info->n_sent, ==, 12);
  g_assert_cmpint (info->won_sent, ==, 12 * 10000 + 78);
  g_assert_nonnull (info->batch_id);

  /* every bill carries the derived id, the rendered texts and the batch */
  {
    g_autofree char *id = pm_plan_derive_bill_id (pm_plan_get_uuid (plan), "01070010001",
                                                  f->period, 0);
    g_autoptr(PmBill) bill = pm_service_lookup (f->service, id, &error);
    int month = atoi (f->period + 5);
    g_autofree char *reason = g_strdup_printf ("%d월 수강료", month);

    g_assert_no_error (error);
    g_assert_nonnull (bill);
    g_assert_cmpstr (pm_bill_get_product (bill), ==, reason);
    g_assert_cmpstr (pm_bill_get_batch_id (bill), ==, info->batch_id);
    g_assert_cmpint (pm_bill_get_state (bill), ==, PM_BILL_STATE_UNPAID);
  }
}

static void
test_missed (Fixture       *f,
             gconstpointer  data)
{
  g_autoptr(PmPlan) plan = add_plan (f, "수강료", 3);
  gint64 due = pm_plan_due_at (plan, f->period);
  g_autoptr(GPtrArray) reports = NULL;
  g_autoptr(GPtrArray) listed = NULL;
  g_autoptr(PmPlanRunInfo) info = NULL;
  g_autoptr(GError) error = NULL;
  guint n_missed = 0;

  /* the computer was off: two days late, the grace is one day */
  reports = run_due (f, due + 2 * 86400, PM_PLAN_DEFAULT_GRACE, &n_missed);
  g_assert_cmpuint (reports->len, ==, 0);
  g_assert_cmpuint (n_missed, ==, 1);
  g_assert_cmpuint (pm_sandbox_count_bills (f->sandbox), ==, 0);
  info = pm_plan_store_get_run (f->store, pm_plan_get_uuid (plan), f->period, due + 2 * 86400,
                                &error);
  g_assert_no_error (error);
  g_assert_cmpint (info->state, ==, PM_PLAN_RUN_MISSED);
  {
    g_autofree char *text = pm_plan_run_info_dup_missed_text (info);
    g_autofree char *expected = g_strdup_printf ("%d월 수강료 was due on day 5.",
                                                 atoi (f->period + 5));

    g_assert_cmpstr (text, ==, expected);
  }

  /* still listed for a person, and still not sent by the timer */
  listed = pm_plan_store_due_runs (f->store, NULL, due + 3 * 86400, PM_PLAN_DEFAULT_GRACE,
                                   &error);
  g_assert_no_error (error);
  g_assert_cmpuint (listed->len, ==, 1);
  g_assert_cmpint (((PmPlanRunInfo *) g_ptr_array_index (listed, 0))->state, ==,
                   PM_PLAN_RUN_MISSED);
  g_clear_pointer (&reports, g_ptr_array_unref);
  reports = run_due (f, due + 3 * 86400, PM_PLAN_DEFAULT_GRACE, NULL);
  g_assert_cmpuint (reports->len, ==, 0);
  g_assert_cmpuint (pm_sandbox_count_bills (f->sandbox), ==, 0);

  /* with a longer grace the same delay is on time */
  {
    g_autoptr(PmPlan) other = add_plan (f, "교재비", 2);
    g_autoptr(GPtrArray) late = run_due (f, due + 2 * 86400, 3 * 86400, &n_missed);

    g_assert_cmpuint (late->len, ==, 1);
    g_assert_cmpstr (((PmPlanRunReport *) g_ptr_array_index (late, 0))->plan_name, ==, "교재비");
    g_assert_cmpuint (pm_sandbox_count_bills (f->sandbox), ==, 2);
  }

  /* "send now" */
  {
    g_autoptr(PmPlanRunReport) now = run_period (f, plan, f->period, due + 3 * 86400, &error);

    g_assert_no_error (error);
    g_assert_cmpuint (now->n_sent, ==, 3);
    g_assert_cmpuint (pm_sandbox_count_bills (f->sandbox), ==, 5);
  }
}

static void
test_skip_and_pause (Fixture       *f,
                     gconstpointer  data)
{
  g_autoptr(PmPlan) plan = add_plan (f, "수강료", 2);
  gint64 due = pm_plan_due_at (plan, f->period);
  g_autofree char *next = pm_plan_period_add (f->period, 1);
  g_autoptr(GPtrArray) reports = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(PmPlanRunReport) r = NULL;

  g_assert_true (pm_plan_store_skip (f->store, pm_plan_get_uuid (plan), f->period, due - 86400,
                                     &error));
  g_assert_no_error (error);
  reports = run_due (f, due + 60, PM_PLAN_DEFAULT_GRACE, NULL);
  g_assert_cmpuint (reports->len, ==, 0);
  r = run_period (f, plan, f->period, due + 60, &error);
  g_assert_null (r);
  g_assert_error (error, PM_ERROR, PM_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_cmpuint (pm_sandbox_count_bills (f->sandbox), ==, 0);

  g_assert_true (pm_plan_store_set_paused (f->store, pm_plan_get_uuid (plan), TRUE, due, &error));
  g_clear_pointer (&reports, g_ptr_array_unref);
  reports = run_due (f, pm_plan_due_at (plan, next) + 60, PM_PLAN_DEFAULT_GRACE, NULL);
  g_assert_cmpuint (reports->len, ==, 0);
  g_assert_true (pm_plan_store_set_paused (f->store, pm_plan_get_uuid (plan), FALSE, due,
                                           &error));
  g_clear_pointer (&reports, g_ptr_array_unref);
  reports = run_due (f, pm_plan_due_at (plan, next) + 60, PM_PLAN_DEFAULT_GRACE, NULL);
  g_assert_cmpuint (reports->len, ==, 1);
  g_assert_cmpuint (pm_sandbox_count_bills (f->sandbox), ==, 2);

  /* a month with bills cannot be skipped any more */
  g_assert_false (pm_plan_store_skip (f->store, pm_plan_get_uuid (plan), next, due, &error));
  g_assert_error (error, PM_ERROR, PM_ERROR_INVALID);
  g_assert_cmpstr (pm_error_get_field (error), ==, "period");
}

static void
test_two_runs_at_once (Fixture       *f,
                       gconstpointer  data)
{
  g_autoptr(PmPlan) plan = add_plan (f, "수강료", 20);
  gint64 due = pm_plan_due_at (plan, f->period);
  g_autoptr(GError) error = NULL;
  g_autoptr(GAsyncResult) a = NULL;
  g_autoptr(GAsyncResult) b = NULL;
  g_autoptr(GAsyncResult) c = NULL;
  g_autoptr(PmPlanRunReport) ra = NULL;
  g_autoptr(PmPlanRunReport) rb = NULL;
  g_autoptr(GPtrArray) rc = NULL;

  /* the window's own timer, its "send now" and run-due at once, in one process (other
   * processes: test-cli-plans) */
  pm_plan_store_run_async (f->store, f->service, pm_plan_get_uuid (plan), f->period, due + 60,
                           2, NULL, store_result_cb, &a);
  pm_plan_store_run_async (f->store, f->service, pm_plan_get_uuid (plan), f->period, due + 60, 2,
                           NULL, store_result_cb, &b);
  pm_plan_store_run_due_async (f->store, f->service, due + 60, PM_PLAN_DEFAULT_GRACE, 2, NULL,
                               store_result_cb, &c);
  pm_test_spin_until (result_ready, &a, 60000);
  pm_test_spin_until (result_ready, &b, 60000);
  pm_test_spin_until (result_ready, &c, 60000);
  ra = pm_plan_store_run_finish (f->store, a, &error);
  g_assert_no_error (error);
  rb = pm_plan_store_run_finish (f->store, b, &error);
  g_assert_no_error (error);
  rc = pm_plan_store_run_due_finish (f->store, c, NULL, &error);
  g_assert_no_error (error);
  /* the later claims found the first one's live lease */
  g_assert_false (ra->busy);
  g_assert_true (rb->busy);
  g_assert_cmpuint (rc->len, ==, 1);
  g_assert_true (((PmPlanRunReport *) g_ptr_array_index (rc, 0))->busy);
  g_assert_cmpuint (ra->n_sent, ==, 20);
  g_assert_cmpuint (pm_sandbox_count_bills (f->sandbox), ==, 20);
}

/* A run that a dead process left "running" is taken over; a live owner's is not. */
static void
test_take_over (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(PmPlan) plan = add_plan (f, "수강료", 5);
  gint64 due = pm_plan_due_at (plan, f->period);
  g_autoptr(GError) error = NULL;
  g_autofree char *boot = NULL;
  g_autofree char *live = NULL;
  g_autofree char *dead = NULL;
  sqlite3 *db;
  g_autoptr(PmPlanRunReport) r1 = NULL;
  g_autoptr(PmPlanRunReport) r2 = NULL;
  const char *sql = "INSERT INTO plan_runs (plan_uuid, period, state, due_at, owner, "
                    "lease_until, started_at, updated_at) VALUES (?, ?, 'running', 0, ?, ?, 1, 1) "
                    "ON CONFLICT (plan_uuid, period) DO UPDATE SET owner = excluded.owner";

  g_assert_true (g_file_get_contents ("/proc/sys/kernel/random/boot_id", &boot, NULL, NULL));
  g_strstrip (boot);
  /* pid 1 always exists; a pid above the kernel's limit never does */
  live = g_strdup_printf ("%s:1:someone", boot);
  dead = g_strdup_printf ("%s:99999999:someone", boot);

  g_assert_cmpint (sqlite3_open (f->ledger_path, &db), ==, SQLITE_OK);
  for (guint i = 0; i < 2; i++)
    {
      sqlite3_stmt *stmt;

      g_assert_cmpint (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL), ==, SQLITE_OK);
      sqlite3_bind_text (stmt, 1, pm_plan_get_uuid (plan), -1, SQLITE_STATIC);
      sqlite3_bind_text (stmt, 2, f->period, -1, SQLITE_STATIC);
      sqlite3_bind_text (stmt, 3, i == 0 ? live : dead, -1, SQLITE_STATIC);
      sqlite3_bind_int64 (stmt, 4, due + 86400);
      g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_DONE);
      sqlite3_finalize (stmt);
      if (i == 0)
        {
          r1 = run_period (f, plan, f->period, due + 60, &error);
          g_assert_no_error (error);
          g_assert_true (r1->busy);
          g_assert_cmpuint (pm_sandbox_count_bills (f->sandbox), ==, 0);
        }
    }
  sqlite3_close (db);
  r2 = run_period (f, plan, f->period, due + 60, &error);
  g_assert_no_error (error);
  g_assert_false (r2->busy);
  g_assert_cmpuint (r2->n_sent, ==, 5);
  g_assert_cmpuint (pm_sandbox_count_bills (f->sandbox), ==, 5);
}

static void
test_bill_again (Fixture       *f,
                 gconstpointer  data)
{
  g_autoptr(PmPlan) plan = add_plan (f, "수강료", 3);
  gint64 due = pm_plan_due_at (plan, f->period);
  g_autoptr(GError) error = NULL;
  g_autoptr(PmPlanRunReport) r = run_period (f, plan, f->period, due + 60, &error);
  g_autofree char *first_id = pm_plan_derive_bill_id (pm_plan_get_uuid (plan), "01070020002",
                                                      f->period, 0);
  g_autofree char *second_id = pm_plan_derive_bill_id (pm_plan_get_uuid (plan), "01070020002",
                                                       f->period, 1);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(PmBill) bill = NULL;
  g_autoptr(PmBill) voided = NULL;
  g_autoptr(GPtrArray) preview = NULL;

  g_assert_no_error (error);
  g_assert_cmpuint (pm_sandbox_count_bills (f->sandbox), ==, 3);

  /* refused while the bill is unpaid */
  pm_plan_store_bill_again_async (f->store, f->service, pm_plan_get_uuid (plan), f->period,
                                  "010-7002-0002", due + 120, NULL, store_result_cb, &result);
  pm_test_spin_until (result_ready, &result, 30000);
  g_assert_null (pm_plan_store_bill_again_finish (f->store, result, &error));
  g_assert_error (error, PM_ERROR, PM_ERROR_INVALID);
  g_clear_error (&error);
  g_clear_object (&result);

  voided = pm_test_act (f->service, first_id, PM_BILL_ACTION_DESTROY, &error);
  g_assert_no_error (error);
  g_assert_cmpint (pm_bill_get_state (voided), ==, PM_BILL_STATE_DESTROYED);

  pm_plan_store_bill_again_async (f->store, f->service, pm_plan_get_uuid (plan), f->period,
                                  "010-7002-0002", due + 180, NULL, store_result_cb, &result);
  pm_test_spin_until (result_ready, &result, 30000);
  bill = pm_plan_store_bill_again_finish (f->store, result, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (pm_bill_get_bill_id (bill), ==, second_id);
  g_assert_cmpint (pm_bill_get_state (bill), ==, PM_BILL_STATE_UNPAID);
  g_assert_cmpuint (pm_sandbox_count_bills (f->sandbox), ==, 4);

  /* the run again adds nothing; the preview shows the newest revision */
  g_clear_pointer (&r, pm_plan_run_report_free);
  r = run_period (f, plan, f->period, due + 240, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (r->n_written, ==, 0);
  g_assert_cmpuint (pm_sandbox_count_bills (f->sandbox), ==, 4);
  preview = pm_plan_store_preview (f->store, pm_plan_get_uuid (plan), f->period, due + 240,
                                   &error);
  g_assert_no_error (error);
  g_assert_cmpuint (((PmPlanBillRow *) g_ptr_array_index (preview, 1))->revision, ==, 1);
  g_assert_true (((PmPlanBillRow *) g_ptr_array_index (preview, 1))->in_ledger);

  /* the history keeps both bills of that payer and month */
  {
    g_autoptr(GPtrArray) bills = pm_plan_store_list_bills (f->store, pm_plan_get_uuid (plan),
                                                           f->period, &error);
    PmPlanBillRow *last;

    g_assert_no_error (error);
    g_assert_cmpuint (bills->len, ==, 4);
    last = g_ptr_array_index (bills, 3);
    g_assert_cmpuint (last->revision, ==, 1);
    g_assert_cmpstr (last->payer->phone, ==, "01070020002");
    g_assert_cmpstr (pm_bill_get_bill_id (last->bill), ==, second_id);
    g_assert_cmpint (pm_bill_get_state (((PmPlanBillRow *) g_ptr_array_index (bills, 1))->bill),
                     ==, PM_BILL_STATE_DESTROYED);
  }
}

static void
test_roster_versions (Fixture       *f,
                      gconstpointer  data)
{
  g_autoptr(PmPlan) plan = add_plan (f, "수강료", 3);
  gint64 due = pm_plan_due_at (plan, f->period);
  g_autofree char *next = pm_plan_period_add (f->period, 1);
  g_autoptr(GError) error = NULL;
  g_autoptr(PmPlanRunReport) r = run_period (f, plan, f->period, due + 60, &error);
  g_autoptr(PmPlanPayer) extra = pm_plan_payer_new ("새학생", "010-9999-0000", 50000, NULL);
  g_autoptr(GPtrArray) old_roster = NULL;
  g_autoptr(GPtrArray) new_roster = NULL;
  g_autoptr(GPtrArray) preview = NULL;
  gint64 total = 0;

  g_assert_no_error (error);
  /* a payer joins after this month's run: from next month on */
  pm_plan_add_payer (plan, extra);
  g_assert_true (pm_plan_store_save (f->store, plan, due + 3600, &error));
  g_assert_no_error (error);
  old_roster = pm_plan_store_roster_for (f->store, pm_plan_get_uuid (plan), f->period, &error);
  new_roster = pm_plan_store_roster_for (f->store, pm_plan_get_uuid (plan), next, &error);
  g_assert_cmpuint (old_roster->len, ==, 3);
  g_assert_cmpuint (new_roster->len, ==, 4);

  preview = pm_plan_store_preview (f->store, pm_plan_get_uuid (plan), next, due + 3600, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (preview->len, ==, 4);
  for (guint i = 0; i < preview->len; i++)
    {
      PmPlanBillRow *row = g_ptr_array_index (preview, i);

      g_assert_false (row->in_ledger);
      g_assert_null (row->problem);
      total += pm_bill_get_price (row->bill);
    }
  g_assert_cmpint (total, ==, 3 * 10000 + 6 + 50000);

  /* the same run again does not bill the new payer for the month already run */
  g_clear_pointer (&r, pm_plan_run_report_free);
  r = run_period (f, plan, f->period, due + 7200, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (r->n_bills, ==, 3);
  g_assert_cmpuint (pm_sandbox_count_bills (f->sandbox), ==, 3);
}

static void
methods_cb (GObject      *object,
            GAsyncResult *result,
            gpointer      user_data)
{
  *(GAsyncResult **) user_data = g_object_ref (result);
}

/* A payer with an AutoPay card is charged (kind AUTOPAY, the method), under the same
 * derived bill id and the same exactly-once rules. */
static void
test_autopay_payer (Fixture       *f,
                    gconstpointer  data)
{
  g_autoptr(PmPlan) plan = good_plan ();
  g_autoptr(PmPlanPayer) card_payer = NULL;
  g_autoptr(PmPlanPayer) bill_payer = pm_plan_payer_new ("이철수", "010-2222-3333", 150000, NULL);
  g_autoptr(GPtrArray) roster = g_ptr_array_new ();
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GAsyncResult) reg = NULL;
  g_autoptr(GPtrArray) methods = NULL;
  g_autoptr(PmSendResult) link = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(PmPlanRunReport) r = NULL;
  g_autoptr(PmPlanRunReport) again = NULL;
  g_autoptr(PmBill) charged = NULL;
  g_autofree char *charge_id = NULL;
  PmAutopayMethod *method;
  gint64 due;

  pm_service_autopay_register_async (f->service, "김영희", "010-1234-5678", NULL, NULL, NULL,
                                     methods_cb, &reg);
  pm_test_spin_until (result_ready, &reg, 10000);
  link = pm_service_autopay_register_finish (f->service, reg, &error);
  g_assert_no_error (error);
  g_assert_true (pm_sandbox_open_autopay_link (f->sandbox, "01012345678"));
  pm_service_autopay_methods_async (f->service, "01012345678", NULL, methods_cb, &result);
  pm_test_spin_until (result_ready, &result, 10000);
  methods = pm_service_autopay_methods_finish (f->service, result, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (methods->len, ==, 1);
  method = g_ptr_array_index (methods, 0);

  card_payer = pm_plan_payer_new ("김영희", "010-1234-5678", 120000, method->method_id);
  g_ptr_array_add (roster, card_payer);
  g_ptr_array_add (roster, bill_payer);
  pm_plan_set_roster (plan, roster);
  pm_plan_set_start_period (plan, f->period);
  g_assert_true (pm_plan_store_add (f->store, plan, pm_profile_get_uuid (f->profile), 1, &error));
  due = pm_plan_due_at (plan, f->period);

  r = run_period (f, plan, f->period, due + 60, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (r->n_sent, ==, 2);
  g_assert_cmpuint (pm_sandbox_count_bills (f->sandbox), ==, 2);
  charge_id = pm_plan_derive_bill_id (pm_plan_get_uuid (plan), "01012345678", f->period, 0);
  charged = pm_service_lookup (f->service, charge_id, &error);
  g_assert_no_error (error);
  g_assert_cmpint (pm_bill_get_kind (charged), ==, PM_BILL_KIND_AUTOPAY);
  g_assert_cmpstr (pm_bill_get_method_id (charged), ==, method->method_id);
  g_assert_cmpint (pm_bill_get_state (charged), ==, PM_BILL_STATE_PAID);

  again = run_period (f, plan, f->period, due + 120, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (again->n_already, ==, 2);
  g_assert_cmpuint (pm_sandbox_count_bills (f->sandbox), ==, 2);
}

/* A backup taken before the run and restored after it knows nothing of the bills: the
 * run made again asks the server for the same derived ids, gets "exists" (9800), reads
 * them and adopts them — no second bill. */
static void
test_restored_backup (Fixture       *f,
                      gconstpointer  data)
{
  g_autoptr(PmPlan) plan = add_plan (f, "수강료", 6);
  gint64 due = pm_plan_due_at (plan, f->period);
  g_autofree char *backup = g_build_filename (f->dir, "backup.db", NULL);
  g_autofree char *sql = g_strdup_printf ("VACUUM INTO '%s'", backup);
  g_autoptr(GError) error = NULL;
  g_autoptr(PmPlanRunReport) r = NULL;
  g_autoptr(PmPlanRunReport) again = NULL;
  g_autoptr(PmService) restored = NULL;
  g_autoptr(PmPlanStore) restored_store = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(PmLedgerQuery) query = pm_ledger_query_new ();
  sqlite3 *db;
  guint n = 0;

  g_assert_cmpint (sqlite3_open (f->ledger_path, &db), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (db, sql, NULL, NULL, NULL), ==, SQLITE_OK);
  sqlite3_close (db);

  r = run_period (f, plan, f->period, due + 60, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (r->n_sent, ==, 6);
  g_assert_cmpuint (pm_sandbox_count_bills (f->sandbox), ==, 6);

  restored = pm_service_new (backup, &error);
  g_assert_no_error (error);
  pm_service_set_profile (restored, f->profile);
  pm_service_set_timeout (restored, 10);
  pm_service_set_polling (restored, FALSE, 4);
  restored_store = pm_plan_store_new (pm_service_get_ledger (restored), &error);
  g_assert_no_error (error);
  pm_plan_store_run_async (restored_store, restored, pm_plan_get_uuid (plan), f->period,
                           due + 600, 4, NULL, store_result_cb, &result);
  pm_test_spin_until (result_ready, &result, 60000);
  again = pm_plan_store_run_finish (restored_store, result, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (again->n_written, ==, 6);
  g_assert_cmpuint (again->n_sent, ==, 6);  /* adopted: they exist on the server */
  g_assert_cmpuint (pm_sandbox_count_bills (f->sandbox), ==, 6);
  g_assert_true (pm_ledger_count (pm_service_get_ledger (restored), query, &n, &error));
  g_assert_cmpuint (n, ==, 6);
  g_clear_object (&result);  /* the run's task holds the service */
  g_clear_object (&restored_store);
  g_assert_finalize_object (g_steal_pointer (&restored));
}

static void
test_store_names (Fixture       *f,
                  gconstpointer  data)
{
  g_autoptr(PmPlan) plan = add_plan (f, "수강료", 2);
  g_autoptr(PmPlan) same = good_plan ();
  g_autoptr(PmPlan) found = NULL;
  g_autoptr(GPtrArray) list = NULL;
  g_autoptr(GError) error = NULL;

  pm_plan_set_name (same, "수강료");
  pm_plan_set_start_period (same, f->period);
  g_assert_false (pm_plan_store_add (f->store, same, pm_profile_get_uuid (f->profile), 1, &error));
  assert_invalid (error, "name", "There is already a plan named “수강료”: choose another name.");
  g_clear_error (&error);

  found = pm_plan_store_lookup (f->store, "수강료", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (pm_plan_get_uuid (found), ==, pm_plan_get_uuid (plan));
  g_assert_cmpuint (pm_plan_get_n_payers (found), ==, 2);
  g_assert_cmpstr (pm_plan_get_profile_id (found), ==, pm_profile_get_uuid (f->profile));
  g_assert_null (pm_plan_get_end_period (found));

  g_assert_true (pm_plan_store_remove (f->store, pm_plan_get_uuid (plan), 5, &error));
  list = pm_plan_store_list (f->store, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (list->len, ==, 0);
  g_clear_object (&found);
  found = pm_plan_store_lookup (f->store, "수강료", &error);
  g_assert_null (found);
  g_assert_error (error, PM_ERROR, PM_ERROR_NOT_FOUND);
}

/* Several processes open one ledger at once: the tables are made once, by whichever. */
static void
test_tables_idempotent (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("plans-tables-XXXXXX", &error);
  g_autofree char *path = g_build_filename (dir, "ledger.db", NULL);
  g_autoptr(PmLedger) a = pm_ledger_new (path, &error);
  g_autoptr(PmLedger) b = pm_ledger_new (path, &error);
  g_autoptr(PmPlanStore) sa = pm_plan_store_new (a, &error);
  g_autoptr(PmPlanStore) sb = pm_plan_store_new (b, &error);
  g_autoptr(PmPlan) plan = good_plan ();
  g_autoptr(PmPlan) seen = NULL;
  g_autoptr(GPtrArray) files = NULL;

  g_assert_no_error (error);
  g_assert_true (pm_plan_store_add (sa, plan, "p", 1, &error));
  seen = pm_plan_store_lookup (sb, pm_plan_get_uuid (plan), &error);
  g_assert_no_error (error);
  g_assert_cmpstr (pm_plan_get_name (seen), ==, "수강료");
  g_clear_object (&sa);
  g_clear_object (&sb);
  g_clear_object (&a);
  g_clear_object (&b);
  files = pm_test_list_files (dir);
  for (guint i = 0; i < files->len; i++)
    g_unlink (g_ptr_array_index (files, i));
  g_rmdir (dir);
}

int
main (int   argc,
      char *argv[])
{
  pm_test_init (&argc, &argv);

  g_test_add_func ("/plans/parse-bad-input", test_parse_bad_input);
  g_test_add_func ("/plans/validate", test_validate_plan);
  g_test_add_func ("/plans/roster", test_validate_roster);
  g_test_add_func ("/plans/roster-file", test_roster_from_file);
  g_test_add_func ("/plans/templates", test_templates);
  g_test_add_func ("/plans/month-ends", test_month_ends);
  g_test_add_func ("/plans/bill-ids", test_bill_ids);
  g_test_add_func ("/plans/tables-idempotent", test_tables_idempotent);
#define ADD(path, func) \
  g_test_add ("/plans/" path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("store-names", test_store_names);
  ADD ("run-due-twice", test_run_due_twice);
  ADD ("missed", test_missed);
  ADD ("skip-pause", test_skip_and_pause);
  ADD ("two-runs-at-once", test_two_runs_at_once);
  ADD ("take-over", test_take_over);
  ADD ("bill-again", test_bill_again);
  ADD ("roster-versions", test_roster_versions);
  ADD ("autopay-payer", test_autopay_payer);
  ADD ("restored-backup", test_restored_backup);
#undef ADD
  return g_test_run ();
}
