/* test-ledger-summary.c — a period at a glance: exact counts and sums over a hand-built
 * ledger, Korea-time day boundaries, the ages, and the service's async call
 *
 * Copyright 2026 The Paymint Desk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "pm-ledger-summary.h"
#include "pm-service-summary.h"

#include "pm-error.h"
#include "pm-test-util.h"

#include <string.h>
#include <glib/gstdio.h>

#define SUM_PROFILE "11111111-2222-4333-8444-555555555555"
#define OTHER   "99999999-2222-4333-8444-555555555555"

static const char *tmp_dir;

/* unix UTC of a Korea wall-clock time */
static gint64
kst (int year,
     int month,
     int day,
     int hour,
     int minute)
{
  g_autoptr(GTimeZone) korea = pm_bill_korea_time_zone ();
  g_autoptr(GDateTime) local = g_date_time_new (korea, year, month, day, hour, minute, 0);

  return g_date_time_to_unix (local);
}

static guint serial;

static void
add_bill (PmLedger    *ledger,
          const char  *profile_id,
          PmBillState  state,
          gint64       price,
          gint64       appr_price,
          const char  *expire_date,
          gint64       created_at)
{
  g_autoptr(PmBill) bill = pm_bill_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *id = g_strdup_printf ("SUM%017u", ++serial);

  pm_bill_set_bill_id (bill, id);
  pm_bill_set_profile_id (bill, profile_id);
  pm_bill_set_payer_name (bill, "김민지");
  pm_bill_set_phone (bill, "01012345678");
  pm_bill_set_product (bill, "3월 수강료");
  pm_bill_set_price (bill, price);
  pm_bill_set_appr_price (bill, appr_price);
  pm_bill_set_expire_date (bill, expire_date);
  pm_bill_set_state (bill, state);
  pm_bill_set_created_at (bill, created_at);
  pm_bill_set_updated_at (bill, created_at);
  g_assert_true (pm_ledger_insert_bill (ledger, bill, &error));
  g_assert_no_error (error);
}

/* "Now" for every figure: 2026-05-20 12:00 Korea time. */
static gint64
test_now (void)
{
  return kst (2026, 5, 20, 12, 0);
}

/* The hand-built ledger (see each line for where it must count). */
static PmLedger *
build_ledger (const char *name)
{
  g_autofree char *path = g_build_filename (tmp_dir, name, NULL);
  g_autoptr(GError) error = NULL;
  PmLedger *ledger = pm_ledger_new (path, &error);

  g_assert_no_error (error);
  serial = 0;
  /* February's last minute: February, not March */
  add_bill (ledger, SUM_PROFILE, PM_BILL_STATE_PAID, 10000, 10000, "2026-03-07", kst (2026, 2, 28, 23, 59));
  /* March 1st, one minute past midnight (2026-02-28 15:01 UTC): March, day 1 */
  add_bill (ledger, SUM_PROFILE, PM_BILL_STATE_PAID, 20000, 20000, "2026-03-08", kst (2026, 3, 1, 0, 1));
  /* March's last minute, unpaid and expired at "now": March, day 31 */
  add_bill (ledger, SUM_PROFILE, PM_BILL_STATE_UNPAID, 30000, 0, "2026-03-31", kst (2026, 3, 31, 23, 59));
  /* unpaid, not expired */
  add_bill (ledger, SUM_PROFILE, PM_BILL_STATE_UNPAID, 40000, 0, "2026-12-31", kst (2026, 3, 15, 10, 0));
  /* refunded (cancelled after payment) and voided, day 10 */
  add_bill (ledger, SUM_PROFILE, PM_BILL_STATE_CANCELLED, 50000, 50000, "2026-03-17", kst (2026, 3, 10, 9, 0));
  add_bill (ledger, SUM_PROFILE, PM_BILL_STATE_DESTROYED, 60000, 0, "2026-03-17", kst (2026, 3, 10, 9, 30));
  /* never reached the server, or not known to have: not sent */
  add_bill (ledger, SUM_PROFILE, PM_BILL_STATE_NOT_SENT, 70000, 0, "2026-03-18", kst (2026, 3, 11, 9, 0));
  add_bill (ledger, SUM_PROFILE, PM_BILL_STATE_FAILED, 80000, 0, "2026-03-18", kst (2026, 3, 11, 9, 0));
  add_bill (ledger, SUM_PROFILE, PM_BILL_STATE_QUEUED, 90000, 0, "2026-03-18", kst (2026, 3, 11, 9, 0));
  add_bill (ledger, SUM_PROFILE, PM_BILL_STATE_UNKNOWN, 95000, 0, "2026-03-18", kst (2026, 3, 11, 9, 0));
  /* another profile's bills: never counted */
  add_bill (ledger, OTHER, PM_BILL_STATE_PAID, 100000, 100000, "2026-03-12", kst (2026, 3, 5, 9, 0));
  add_bill (ledger, OTHER, PM_BILL_STATE_UNPAID, 100000, 0, "2026-05-30", kst (2026, 5, 19, 9, 0));
  /* April's first minute: April, not March; expired at "now" */
  add_bill (ledger, SUM_PROFILE, PM_BILL_STATE_UNPAID, 11000, 0, "2026-04-30", kst (2026, 4, 1, 0, 1));
  /* paid without an approved amount recorded (the price counts), and paid less than asked */
  add_bill (ledger, SUM_PROFILE, PM_BILL_STATE_PAID, 5000, 0, "2026-03-27", kst (2026, 3, 20, 9, 0));
  add_bill (ledger, SUM_PROFILE, PM_BILL_STATE_PAID, 7000, 6500, "2026-03-27", kst (2026, 3, 20, 18, 0));
  /* ages at "now" (today 2026-05-20): 0 and 7 days; 8 and 30; 31 */
  add_bill (ledger, SUM_PROFILE, PM_BILL_STATE_UNPAID, 500, 0, "2026-06-20", kst (2026, 5, 20, 9, 0));
  add_bill (ledger, SUM_PROFILE, PM_BILL_STATE_UNPAID, 1000, 0, "2026-06-20", kst (2026, 5, 13, 0, 1));
  add_bill (ledger, SUM_PROFILE, PM_BILL_STATE_UNPAID, 2000, 0, "2026-06-20", kst (2026, 5, 12, 23, 59));
  add_bill (ledger, SUM_PROFILE, PM_BILL_STATE_UNPAID, 4000, 0, "2026-06-20", kst (2026, 4, 20, 0, 1));
  add_bill (ledger, SUM_PROFILE, PM_BILL_STATE_UNPAID, 3000, 0, "2026-04-26", kst (2026, 4, 19, 23, 59));
  return ledger;
}

static void
assert_total (const PmLedgerTotal *total,
              gint64               count,
              gint64               won)
{
  g_assert_cmpint (total->count, ==, count);
  g_assert_cmpint (total->won, ==, won);
}

static void
test_summary_month (void)
{
  g_autoptr(PmLedger) ledger = build_ledger ("month.db");
  g_autoptr(PmLedgerSummary) march = NULL;
  g_autoptr(PmLedgerSummary) february = NULL;
  g_autoptr(GError) error = NULL;
  gint64 sum_sent = 0, sum_paid = 0;

  march = pm_ledger_summarize (ledger, SUM_PROFILE, PM_SUMMARY_SPAN_MONTH, 2026, 3, test_now (), &error);
  g_assert_no_error (error);
  g_assert_nonnull (march);
  g_assert_true (march->has_bills);
  g_assert_cmpint (march->from, ==, kst (2026, 3, 1, 0, 0));
  g_assert_cmpint (march->to, ==, kst (2026, 4, 1, 0, 0));
  g_assert_cmpint (march->from, ==, 1772290800); /* 2026-02-28 15:00 UTC */

  /* sent: paid 20000 + 5000 + 7000, unpaid 30000 + 40000, refunded 50000, voided 60000 */
  assert_total (&march->sent, 7, 212000);
  /* paid: the approved amounts (5000 has none recorded: its price) */
  assert_total (&march->paid, 3, 20000 + 5000 + 6500);
  assert_total (&march->refunded, 1, 50000);
  assert_total (&march->outstanding, 2, 70000);
  assert_total (&march->expired, 1, 30000);
  assert_total (&march->voided, 1, 60000);
  /* every sent bill is in exactly one of them */
  g_assert_cmpint (march->paid.count + march->refunded.count + march->outstanding.count
                   + march->voided.count, ==, march->sent.count);

  /* by day: 1st, 10th, 15th, 20th and 31st */
  g_assert_cmpuint (march->n_points, ==, 31);
  g_assert_cmpint (march->points[0].start, ==, kst (2026, 3, 1, 0, 0));
  g_assert_cmpint (march->points[30].start, ==, kst (2026, 3, 31, 0, 0));
  g_assert_cmpint (march->points[0].sent_won, ==, 20000);
  g_assert_cmpint (march->points[0].paid_won, ==, 20000);
  g_assert_cmpint (march->points[9].sent_won, ==, 110000);
  g_assert_cmpint (march->points[9].sent_count, ==, 2);
  g_assert_cmpint (march->points[9].paid_won, ==, 0);
  g_assert_cmpint (march->points[14].sent_won, ==, 40000);
  g_assert_cmpint (march->points[19].sent_won, ==, 12000);
  g_assert_cmpint (march->points[19].paid_won, ==, 11500);
  g_assert_cmpint (march->points[19].paid_count, ==, 2);
  g_assert_cmpint (march->points[30].sent_won, ==, 30000);
  g_assert_cmpint (march->points[30].sent_count, ==, 1);
  for (guint i = 0; i < march->n_points; i++)
    {
      sum_sent += march->points[i].sent_won;
      sum_paid += march->points[i].paid_won;
    }
  g_assert_cmpint (sum_sent, ==, march->sent.won);
  g_assert_cmpint (sum_paid, ==, march->paid.won);

  /* February: only its last minute's bill, on the 28th */
  february = pm_ledger_summarize (ledger, SUM_PROFILE, PM_SUMMARY_SPAN_MONTH, 2026, 2, test_now (),
                                  &error);
  g_assert_no_error (error);
  g_assert_cmpuint (february->n_points, ==, 28);
  assert_total (&february->sent, 1, 10000);
  assert_total (&february->paid, 1, 10000);
  g_assert_cmpint (february->points[27].sent_won, ==, 10000);

  /* the other profile, and a profile with nothing */
  {
    g_autoptr(PmLedgerSummary) other = pm_ledger_summarize (ledger, OTHER, PM_SUMMARY_SPAN_MONTH,
                                                            2026, 3, test_now (), &error);
    g_autoptr(PmLedgerSummary) none = pm_ledger_summarize (ledger, "-", PM_SUMMARY_SPAN_MONTH,
                                                           2026, 3, test_now (), &error);

    g_assert_no_error (error);
    assert_total (&other->sent, 1, 100000);
    assert_total (&other->paid, 1, 100000);
    g_assert_true (other->has_bills);
    g_assert_false (none->has_bills);
    assert_total (&none->sent, 0, 0);
    assert_total (&none->age[PM_SUMMARY_AGE_OLDER], 0, 0);
  }
  g_assert_finalize_object (g_steal_pointer (&ledger));
}

static void
test_summary_year (void)
{
  g_autoptr(PmLedger) ledger = build_ledger ("year.db");
  g_autoptr(PmLedgerSummary) year = NULL;
  g_autoptr(GError) error = NULL;

  year = pm_ledger_summarize (ledger, SUM_PROFILE, PM_SUMMARY_SPAN_YEAR, 2026, 0, test_now (), &error);
  g_assert_no_error (error);
  g_assert_cmpint (year->from, ==, kst (2026, 1, 1, 0, 0));
  g_assert_cmpint (year->to, ==, kst (2027, 1, 1, 0, 0));
  g_assert_cmpuint (year->n_points, ==, 12);
  g_assert_cmpint (year->points[3].start, ==, kst (2026, 4, 1, 0, 0));
  /* February 10000; March 212000; April 11000 + 4000 + 3000; May 500 + 1000 + 2000 */
  g_assert_cmpint (year->points[0].sent_won, ==, 0);
  g_assert_cmpint (year->points[1].sent_won, ==, 10000);
  g_assert_cmpint (year->points[2].sent_won, ==, 212000);
  g_assert_cmpint (year->points[2].paid_won, ==, 31500);
  g_assert_cmpint (year->points[3].sent_won, ==, 18000);
  g_assert_cmpint (year->points[4].sent_won, ==, 3500);
  g_assert_cmpint (year->points[4].sent_count, ==, 3);
  assert_total (&year->sent, 14, 10000 + 212000 + 18000 + 3500);
  assert_total (&year->paid, 4, 41500);
  /* unpaid: March's two, April's three, May's three; expired: 03-31, 04-30, 04-26 */
  assert_total (&year->outstanding, 8, 30000 + 40000 + 11000 + 4000 + 3000 + 500 + 1000 + 2000);
  assert_total (&year->expired, 3, 30000 + 11000 + 3000);

  /* 2025: nothing, but the profile has bills */
  {
    g_autoptr(PmLedgerSummary) before = pm_ledger_summarize (ledger, SUM_PROFILE, PM_SUMMARY_SPAN_YEAR,
                                                             2025, 0, test_now (), &error);

    g_assert_no_error (error);
    assert_total (&before->sent, 0, 0);
    g_assert_true (before->has_bills);
  }

  /* no such period */
  g_assert_null (pm_ledger_summarize (ledger, SUM_PROFILE, PM_SUMMARY_SPAN_MONTH, 2026, 13,
                                      test_now (), &error));
  g_assert_error (error, PM_ERROR, PM_ERROR_INVALID);
  g_assert_finalize_object (g_steal_pointer (&ledger));
}

static void
test_summary_ages (void)
{
  g_autoptr(PmLedger) ledger = build_ledger ("ages.db");
  g_autoptr(PmLedgerSummary) summary = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *today = pm_bill_korea_date (test_now ());

  /* the ages do not depend on the period */
  summary = pm_ledger_summarize (ledger, SUM_PROFILE, PM_SUMMARY_SPAN_MONTH, 2025, 1, test_now (), &error);
  g_assert_no_error (error);
  /* 0 days (today) and 7 days (05-13 00:01) */
  assert_total (&summary->age[PM_SUMMARY_AGE_WEEK], 2, 1500);
  /* 8 days (05-12 23:59) and 30 days (04-20 00:01) */
  assert_total (&summary->age[PM_SUMMARY_AGE_MONTH], 2, 6000);
  /* 31 days (04-19 23:59), 03-15, 03-31, 04-01 — expired or not */
  assert_total (&summary->age[PM_SUMMARY_AGE_OLDER], 4, 3000 + 40000 + 30000 + 11000);

  g_assert_cmpint (summary->age_from[PM_SUMMARY_AGE_WEEK], ==, kst (2026, 5, 13, 0, 0));
  g_assert_cmpint (summary->age_to[PM_SUMMARY_AGE_WEEK], ==, kst (2026, 5, 21, 0, 0));
  g_assert_cmpint (summary->age_from[PM_SUMMARY_AGE_MONTH], ==, kst (2026, 4, 20, 0, 0));
  g_assert_cmpint (summary->age_to[PM_SUMMARY_AGE_MONTH], ==, kst (2026, 5, 13, 0, 0));
  g_assert_cmpint (summary->age_from[PM_SUMMARY_AGE_OLDER], ==, kst (2026, 3, 15, 0, 0));
  g_assert_cmpint (summary->age_to[PM_SUMMARY_AGE_OLDER], ==, kst (2026, 4, 20, 0, 0));

  /* each row leads to a list: that filter selects exactly the bills counted */
  for (guint a = 0; a < PM_SUMMARY_N_AGES; a++)
    {
      g_autoptr(PmLedgerQuery) query = pm_ledger_query_new ();
      PmLedgerTotals totals;
      guint n = 0;

      pm_ledger_query_set_profile_id (query, SUM_PROFILE);
      pm_ledger_query_set_today (query, today);
      query->states = PM_SUMMARY_UNPAID_STATES;
      query->created_from = summary->age_from[a];
      query->created_to = summary->age_to[a];
      g_assert_true (pm_ledger_count (ledger, query, &n, &error));
      g_assert_no_error (error);
      g_assert_cmpint (n, ==, summary->age[a].count);
      g_assert_true (pm_ledger_totals (ledger, query, &totals, &error));
      g_assert_cmpint (totals.all.won, ==, summary->age[a].won);
    }

  /* a bill paid leaves its bucket, a bill voided too */
  {
    g_autoptr(PmLedgerSummary) after = NULL;

    g_assert_true (pm_ledger_set_state (ledger, "SUM00000000000000016", PM_BILL_STATE_PAID, NULL,
                                        test_now (), &error));
    g_assert_true (pm_ledger_set_state (ledger, "SUM00000000000000004", PM_BILL_STATE_DESTROYED,
                                        NULL, test_now (), &error));
    g_assert_no_error (error);
    after = pm_ledger_summarize (ledger, SUM_PROFILE, PM_SUMMARY_SPAN_MONTH, 2026, 3, test_now (), &error);
    assert_total (&after->age[PM_SUMMARY_AGE_WEEK], 1, 1000);
    assert_total (&after->age[PM_SUMMARY_AGE_OLDER], 3, 3000 + 30000 + 11000);
    assert_total (&after->outstanding, 1, 30000);
    assert_total (&after->voided, 2, 100000);
  }
  g_assert_finalize_object (g_steal_pointer (&ledger));
}

/* The queries go through indexes, never reading the whole table. */
static void
test_summary_plans (void)
{
  g_autoptr(PmLedger) ledger = build_ledger ("plans.db");
  g_autofree char *plans = pm_ledger_summary_explain (ledger, SUM_PROFILE);
  g_auto(GStrv) lines = g_strsplit (plans, "\n", -1);

  g_test_message ("%s", plans);
  g_assert_nonnull (strstr (plans, "bills_p_state_created"));
  for (guint i = 0; lines[i] != NULL; i++)
    {
      /* "SCAN b" alone is the whole table; a covering index scan says USING */
      if (strstr (lines[i], "SCAN b") != NULL)
        g_assert_nonnull (strstr (lines[i], "USING"));
    }
  g_assert_finalize_object (g_steal_pointer (&ledger));
}

static void
summarized_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  PmLedgerSummary **out = user_data;
  g_autoptr(GError) error = NULL;

  *out = pm_service_summarize_finish (PM_SERVICE (source), result, &error);
  g_assert_no_error (error);
  g_assert_nonnull (*out);
}

static void
cancelled_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(GError) error = NULL;

  g_assert_null (pm_service_summarize_finish (PM_SERVICE (source), result, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  *(gboolean *) user_data = TRUE;
}

static gboolean
pointer_set (gpointer data)
{
  return *(gpointer *) data != NULL;
}

static PmLedgerSummary *
summarize_async (PmService *service,
                 int        year,
                 int        month)
{
  PmLedgerSummary *summary = NULL;

  pm_service_summarize_async (service, PM_SUMMARY_SPAN_MONTH, year, month, NULL, summarized_cb,
                              &summary);
  /* not before the main loop runs: the answer comes back to it */
  g_assert_null (summary);
  pm_test_spin_until (pointer_set, &summary, 10000);
  return summary;
}

/* The service reads on a second connection in a thread and sees every commit. */
static void
test_summary_service (void)
{
  g_autofree char *path = g_build_filename (tmp_dir, "service.db", NULL);
  g_autoptr(PmService) service = NULL;
  g_autoptr(PmProfile) profile = pm_profile_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(PmLedgerSummary) none = NULL;
  g_autoptr(PmLedgerSummary) first = NULL;
  g_autoptr(PmLedgerSummary) second = NULL;
  g_autoptr(GDateTime) now = g_date_time_new_now (pm_bill_korea_time_zone ());
  int year = g_date_time_get_year (now), month = g_date_time_get_month (now);
  gint64 noon = kst (year, month, 1, 12, 0);

  service = pm_service_new (path, &error);
  g_assert_no_error (error);

  /* no profile: nothing, as the list shows nothing */
  add_bill (pm_service_get_ledger (service), SUM_PROFILE, PM_BILL_STATE_PAID, 1000, 1000, "", noon);
  none = summarize_async (service, year, month);
  g_assert_false (none->has_bills);
  assert_total (&none->sent, 0, 0);

  pm_profile_set_uuid (profile, SUM_PROFILE);
  pm_service_set_profile (service, profile);
  first = summarize_async (service, year, month);
  g_assert_true (first->has_bills);
  assert_total (&first->paid, 1, 1000);

  /* a write through the service's own connection is seen by the reader's next call */
  add_bill (pm_service_get_ledger (service), SUM_PROFILE, PM_BILL_STATE_UNPAID, 2000, 0, "", noon + 60);
  second = summarize_async (service, year, month);
  assert_total (&second->sent, 2, 3000);
  assert_total (&second->outstanding, 1, 2000);
  g_assert_cmpint (second->points[0].sent_won, ==, 3000);

  /* cancelled before it ran: an error, never a stale result */
  {
    g_autoptr(GCancellable) cancellable = g_cancellable_new ();
    gboolean cancelled = FALSE;

    g_cancellable_cancel (cancellable);
    pm_service_summarize_async (service, PM_SUMMARY_SPAN_MONTH, year, month, cancellable,
                                cancelled_cb, &cancelled);
    g_assert_true (pm_test_wait_flag (&cancelled, 10000));
  }
  pm_service_set_profile (service, NULL);
  pm_test_spin (100);
}

int
main (int   argc,
      char *argv[])
{
  tmp_dir = pm_test_init (&argc, &argv);

  g_test_add_func ("/summary/month", test_summary_month);
  g_test_add_func ("/summary/year", test_summary_year);
  g_test_add_func ("/summary/ages", test_summary_ages);
  g_test_add_func ("/summary/plans", test_summary_plans);
  g_test_add_func ("/summary/service", test_summary_service);
  return g_test_run ();
}
