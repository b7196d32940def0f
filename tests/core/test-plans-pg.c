/* test-plans-pg.c — monthly plans in a shop ledger (PostgreSQL): the same guarantees as
 * in a desk's own file, with several desks on one database
 *
 * Copyright 2026 The Paymint Desk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Each test gets a fresh database on the run's private server (tests/pm-test-pg.h) and
 * skips when there is none. A "desk" is a PmService following a profile whose shop ledger
 * is that database, with its own PmPlanStore: two desks are two connections, as two
 * computers at a front desk would be. Bills go to the in-process sandbox. Time is
 * injected as in test-plans.c: the periods that send are next month's.
 */

#include "config.h"

#include <glib/gstdio.h>
#include <stdlib.h>
#include <string.h>

#include "pm-error.h"
#include "pm-ledger.h"
#include "pm-ledger-pg-private.h"
#include "pm-plan-private.h"
#include "pm-plan-store.h"
#include "pm-plan.h"
#include "pm-sandbox.h"
#include "pm-service.h"
#include "pm-test-pg.h"
#include "pm-test-service.h"
#include "pm-test-util.h"

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PGconn, PQfinish)

#define PROFILE_UUID "b0b0b0b0-0000-4000-8000-00000000b0b0"

typedef struct
{
  PmService   *service;
  PmPlanStore *store;
  char        *dir;
} Desk;

typedef struct
{
  PmSandbox *sandbox;
  PmProfile *profile;
  char      *uri;
  char      *period;   /* next month: its bills expire after the sandbox's today */
  Desk       a;
  Desk       b;
} Fixture;

static void
desk_open (Fixture *f,
           Desk    *desk)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;

  desk->dir = g_dir_make_tmp ("plans-pg-XXXXXX", &error);
  g_assert_no_error (error);
  /* the desk's own file, replaced by the shop ledger as soon as the profile is set */
  path = g_build_filename (desk->dir, "ledger.db", NULL);
  desk->service = pm_service_new (path, &error);
  g_assert_no_error (error);
  pm_service_set_follow_shop_ledger (desk->service, TRUE);
  pm_service_set_profile (desk->service, f->profile);
  pm_service_set_timeout (desk->service, 10);
  pm_service_set_polling (desk->service, FALSE, 4);
  g_assert_true (pm_ledger_is_shared (pm_service_get_ledger (desk->service)));
  desk->store = pm_plan_store_new (pm_service_get_ledger (desk->service), &error);
  g_assert_no_error (error);
  g_assert_nonnull (desk->store);
}

static void
desk_close (Desk *desk)
{
  g_autoptr(GPtrArray) files = NULL;

  if (desk->service == NULL)
    return;
  g_assert_finalize_object (desk->store);
  g_assert_finalize_object (desk->service);
  files = pm_test_list_files (desk->dir);
  for (guint i = 0; i < files->len; i++)
    g_unlink (g_ptr_array_index (files, i));
  g_rmdir (desk->dir);
  g_free (desk->dir);
  memset (desk, 0, sizeof *desk);
}

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *url = NULL;
  g_autofree char *this_month = pm_plan_period_at (g_get_real_time () / G_USEC_PER_SEC);

  if (!pm_test_pg_available ())
    return;
  f->sandbox = pm_sandbox_new ();
  pm_sandbox_set_seed (f->sandbox, 11);
  pm_sandbox_set_payers (f->sandbox, 0.0, 60, 120, 0.0);
  g_assert_true (pm_sandbox_start (f->sandbox, NULL, 0, &error));
  url = pm_sandbox_dup_base_url (f->sandbox);

  f->uri = pm_test_pg_new_database ("plans");
  f->profile = pm_profile_new ();
  pm_profile_set_uuid (f->profile, PROFILE_UUID);
  pm_profile_set_name (f->profile, "Sandbox");
  pm_profile_set_base_url (f->profile, url);
  pm_profile_set_api_key (f->profile, PM_SANDBOX_DEMO_KEY);
  pm_profile_set_mode (f->profile, PM_PROFILE_MODE_MMK);
  pm_profile_set_shop_ledger (f->profile, f->uri);
  f->period = pm_plan_period_add (this_month, 1);
  desk_open (f, &f->a);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  if (f->sandbox == NULL)
    return;
  desk_close (&f->a);
  desk_close (&f->b);
  g_clear_object (&f->profile);
  pm_sandbox_stop (f->sandbox);
  g_clear_object (&f->sandbox);
  g_free (f->uri);
  g_free (f->period);
}

static PmPlan *
good_plan (void)
{
  PmPlan *plan = pm_plan_new ();

  pm_plan_set_name (plan, "수강료");
  pm_plan_set_day (plan, 5);
  pm_plan_set_time (plan, 10 * 60);
  pm_plan_set_reason (plan, "{월} 수강료");
  pm_plan_set_message (plan, "{이름} 학생 {월} 수강료 {금액}입니다.");
  pm_plan_set_start_period (plan, "2027-01");
  return plan;
}

static char *
phone_of (guint i)
{
  return g_strdup_printf ("010-70%02u-%04u", i % 100, i);
}

static char *
digits_of (guint i)
{
  return g_strdup_printf ("01070%02u%04u", i % 100, i);
}

/* A plan of @n payers (010-70NN-NNNN) on day 5 at 10:00, from f->period, added by @desk. */
static PmPlan *
add_plan (Fixture    *f,
          Desk       *desk,
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
      g_autofree char *phone = phone_of (i);

      g_ptr_array_add (roster, pm_plan_payer_new (pname, phone, 10000 + i, NULL));
    }
  pm_plan_set_name (plan, name);
  pm_plan_set_roster (plan, roster);
  pm_plan_set_start_period (plan, f->period);
  g_assert_true (pm_plan_store_add (desk->store, plan, PROFILE_UUID,
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
run_period (Desk       *desk,
            PmPlan     *plan,
            const char *period,
            gint64      now,
            GError    **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  pm_plan_store_run_async (desk->store, desk->service, pm_plan_get_uuid (plan), period, now, 4,
                           NULL, store_result_cb, &result);
  pm_test_spin_until (result_ready, &result, 60000);
  return pm_plan_store_run_finish (desk->store, result, error);
}

static GPtrArray *
run_due (Desk   *desk,
         gint64  now,
         gint64  grace,
         guint  *n_missed)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  GPtrArray *reports;

  pm_plan_store_run_due_async (desk->store, desk->service, now, grace, 4, NULL,
                               store_result_cb, &result);
  pm_test_spin_until (result_ready, &result, 60000);
  reports = pm_plan_store_run_due_finish (desk->store, result, n_missed, &error);
  g_assert_no_error (error);
  return reports;
}

/* Every payer of @plan (1…@n) has exactly its derived bill in the shop ledger, unpaid,
 * and the sandbox holds @n bills in all. */
static void
assert_one_bill_each (Fixture *f,
                      PmPlan  *plan,
                      guint    n)
{
  PmLedger *ledger = pm_service_get_ledger (f->a.service);
  g_autoptr(GError) error = NULL;
  g_autoptr(PGconn) conn = pm_test_pg_connect (f->uri);
  g_autofree char *count = NULL;

  for (guint i = 1; i <= n; i++)
    {
      g_autofree char *digits = digits_of (i);
      g_autofree char *id = pm_plan_derive_bill_id (pm_plan_get_uuid (plan), digits, f->period,
                                                    0);
      g_autoptr(PmBill) bill = pm_ledger_lookup (ledger, id, &error);
      g_autofree char *state = pm_sandbox_dup_bill_state (f->sandbox, id);

      g_assert_no_error (error);
      g_assert_nonnull (bill);
      g_assert_cmpint (pm_bill_get_state (bill), ==, PM_BILL_STATE_UNPAID);
      g_assert_nonnull (state);
    }
  g_assert_cmpuint (pm_sandbox_count_bills (f->sandbox), ==, n);
  /* and nothing else: no second bill under another id */
  count = pm_test_pg_query (conn, "SELECT count (*) FROM bills");
  g_assert_cmpint (atoi (count), ==, (int) n);
}

/* ---- the tables ---- */

static void
test_tables (Fixture       *f,
             gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PmLedger) other = NULL;
  g_autoptr(PmPlanStore) again = NULL;
  g_autoptr(PmPlan) plan = NULL;
  g_autoptr(PmPlan) seen = NULL;
  g_autoptr(PGconn) conn = NULL;
  g_autofree char *types = NULL;
  g_autofree char *collation = NULL;

  PM_TEST_PG_REQUIRE ();
  /* a second desk opening the same database finds the tables and the first desk's plan */
  plan = add_plan (f, &f->a, "수강료", 2);
  other = pm_ledger_new (f->uri, &error);
  g_assert_no_error (error);
  again = pm_plan_store_new (other, &error);
  g_assert_no_error (error);
  seen = pm_plan_store_lookup (again, "수강료", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (pm_plan_get_uuid (seen), ==, pm_plan_get_uuid (plan));
  g_assert_cmpuint (pm_plan_get_n_payers (seen), ==, 2);

  /* integers are bigint, text keys compare byte-wise */
  conn = pm_test_pg_connect (f->uri);
  types = pm_test_pg_query (conn, "SELECT string_agg (DISTINCT data_type, ',' ORDER BY "
                                  "data_type) FROM information_schema.columns WHERE table_name "
                                  "IN ('plans', 'plan_payers', 'plan_runs', 'plan_bills')");
  g_assert_cmpstr (types, ==, "bigint,text");
  collation = pm_test_pg_query (conn, "SELECT collation_name FROM information_schema.columns "
                                      "WHERE table_name = 'plan_bills' AND column_name = "
                                      "'bill_id'");
  g_assert_cmpstr (collation, ==, "C");
  g_clear_object (&again);
}

/* ---- add, list, show, save, pause, remove ---- */

static void
test_store_names (Fixture       *f,
                  gconstpointer  data)
{
  g_autoptr(PmPlan) plan = NULL;
  g_autoptr(PmPlan) same = good_plan ();
  g_autoptr(PmPlan) found = NULL;
  g_autoptr(GPtrArray) list = NULL;
  g_autoptr(GPtrArray) other_profile = NULL;
  g_autoptr(GError) error = NULL;

  PM_TEST_PG_REQUIRE ();
  plan = add_plan (f, &f->a, "수강료", 2);
  {
    g_autoptr(PmPlanPayer) payer = pm_plan_payer_new ("김영희", "010-1234-5678", 120000, NULL);

    pm_plan_add_payer (same, payer);
  }
  pm_plan_set_name (same, "수강료");
  pm_plan_set_start_period (same, f->period);
  g_assert_false (pm_plan_store_add (f->a.store, same, PROFILE_UUID, 1, &error));
  g_assert_error (error, PM_ERROR, PM_ERROR_INVALID);
  g_assert_cmpstr (error->message, ==,
                   "There is already a plan named “수강료”: choose another name.");
  g_clear_error (&error);

  found = pm_plan_store_lookup (f->a.store, "수강료", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (pm_plan_get_uuid (found), ==, pm_plan_get_uuid (plan));
  g_assert_cmpuint (pm_plan_get_n_payers (found), ==, 2);
  g_assert_cmpstr (pm_plan_get_profile_id (found), ==, PROFILE_UUID);
  g_assert_null (pm_plan_get_end_period (found));
  g_assert_cmpint (pm_plan_get_day (found), ==, 5);
  g_assert_cmpint (pm_plan_get_time (found), ==, 10 * 60);
  g_assert_false (pm_plan_get_paused (found));

  list = pm_plan_store_list (f->a.store, PROFILE_UUID, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (list->len, ==, 1);
  other_profile = pm_plan_store_list (f->a.store, "someone-else", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (other_profile->len, ==, 0);

  /* an edit is saved and read back */
  pm_plan_set_end_period (found, "2099-12");
  pm_plan_set_days_to_pay (found, 10);
  g_assert_true (pm_plan_store_save (f->a.store, found, 5, &error));
  g_assert_no_error (error);
  g_clear_object (&found);
  found = pm_plan_store_lookup (f->a.store, pm_plan_get_uuid (plan), &error);
  g_assert_no_error (error);
  g_assert_cmpstr (pm_plan_get_end_period (found), ==, "2099-12");
  g_assert_cmpint (pm_plan_get_days_to_pay (found), ==, 10);

  g_assert_true (pm_plan_store_set_paused (f->a.store, pm_plan_get_uuid (plan), TRUE, 6, &error));
  g_clear_object (&found);
  found = pm_plan_store_lookup (f->a.store, pm_plan_get_uuid (plan), &error);
  g_assert_true (pm_plan_get_paused (found));

  g_assert_true (pm_plan_store_remove (f->a.store, pm_plan_get_uuid (plan), 7, &error));
  g_clear_pointer (&list, g_ptr_array_unref);
  list = pm_plan_store_list (f->a.store, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (list->len, ==, 0);
  g_clear_object (&found);
  found = pm_plan_store_lookup (f->a.store, "수강료", &error);
  g_assert_null (found);
  g_assert_error (error, PM_ERROR, PM_ERROR_NOT_FOUND);
  g_clear_error (&error);
  /* the history still finds it */
  found = pm_plan_store_lookup_full (f->a.store, "수강료", TRUE, &error);
  g_assert_no_error (error);
  g_assert_nonnull (found);
  g_assert_false (pm_plan_store_remove (f->a.store, pm_plan_get_uuid (plan), 8, &error));
  g_assert_error (error, PM_ERROR, PM_ERROR_NOT_FOUND);
}

/* ---- runs ---- */

static void
test_run_due_twice (Fixture       *f,
                    gconstpointer  data)
{
  g_autoptr(PmPlan) plan = NULL;
  g_autoptr(GPtrArray) before = NULL;
  g_autoptr(GPtrArray) preview = NULL;
  g_autoptr(GPtrArray) first = NULL;
  g_autoptr(GPtrArray) second = NULL;
  g_autoptr(GPtrArray) runs = NULL;
  g_autoptr(GPtrArray) bills = NULL;
  g_autoptr(GError) error = NULL;
  PmPlanRunReport *r;
  PmPlanRunInfo *info;
  guint n_missed = 99;
  gint64 due;

  PM_TEST_PG_REQUIRE ();
  plan = add_plan (f, &f->a, "수강료", 12);
  due = pm_plan_due_at (plan, f->period);

  before = run_due (&f->a, due - 60, PM_PLAN_DEFAULT_GRACE, &n_missed);
  g_assert_cmpuint (before->len, ==, 0);
  g_assert_cmpuint (n_missed, ==, 0);

  preview = pm_plan_store_preview (f->a.store, pm_plan_get_uuid (plan), f->period, due,
                                   &error);
  g_assert_no_error (error);
  g_assert_cmpuint (preview->len, ==, 12);
  g_assert_false (((PmPlanBillRow *) g_ptr_array_index (preview, 0))->in_ledger);
  g_assert_null (((PmPlanBillRow *) g_ptr_array_index (preview, 0))->problem);

  first = run_due (&f->a, due + 60, PM_PLAN_DEFAULT_GRACE, &n_missed);
  g_assert_cmpuint (first->len, ==, 1);
  r = g_ptr_array_index (first, 0);
  g_assert_false (r->busy);
  g_assert_cmpstr (r->period, ==, f->period);
  g_assert_cmpuint (r->n_bills, ==, 12);
  g_assert_cmpuint (r->n_sent, ==, 12);
  g_assert_cmpuint (r->n_failed + r->n_unknown, ==, 0);
  assert_one_bill_each (f, plan, 12);

  /* the timer again, and the period by hand: nothing more */
  second = run_due (&f->a, due + 15 * 60, PM_PLAN_DEFAULT_GRACE, NULL);
  g_assert_cmpuint (second->len, ==, 0);
  {
    g_autoptr(PmPlanRunReport) again = run_period (&f->a, plan, f->period, due + 20 * 60,
                                                   &error);

    g_assert_no_error (error);
    g_assert_false (again->busy);
    g_assert_cmpuint (again->n_written, ==, 0);
    g_assert_cmpuint (again->n_already, ==, 12);
  }
  assert_one_bill_each (f, plan, 12);

  runs = pm_plan_store_list_runs (f->a.store, pm_plan_get_uuid (plan), &error);
  g_assert_no_error (error);
  g_assert_cmpuint (runs->len, ==, 1);
  info = g_ptr_array_index (runs, 0);
  g_assert_cmpint (info->state, ==, PM_PLAN_RUN_DONE);
  g_assert_cmpuint (info->n_sent, ==, 12);
  g_assert_cmpint (info->won_sent, ==, 12 * 10000 + 78);
  g_assert_nonnull (info->batch_id);

  bills = pm_plan_store_list_bills (f->a.store, pm_plan_get_uuid (plan), f->period, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (bills->len, ==, 12);
  for (guint i = 0; i < bills->len; i++)
    {
      PmPlanBillRow *row = g_ptr_array_index (bills, i);
      g_autofree char *digits = digits_of (i + 1);

      /* in the order the run made them: the roster's */
      g_assert_cmpstr (row->payer->phone, ==, digits);
      g_assert_true (row->in_ledger);
      g_assert_cmpstr (pm_bill_get_batch_id (row->bill), ==, info->batch_id);
    }
}

static void
test_missed (Fixture       *f,
             gconstpointer  data)
{
  g_autoptr(PmPlan) plan = NULL;
  g_autoptr(GPtrArray) reports = NULL;
  g_autoptr(PmPlanRunInfo) info = NULL;
  g_autoptr(PmPlanRunReport) now = NULL;
  g_autoptr(GError) error = NULL;
  guint n_missed = 0;
  gint64 due;

  PM_TEST_PG_REQUIRE ();
  plan = add_plan (f, &f->a, "수강료", 3);
  due = pm_plan_due_at (plan, f->period);
  reports = run_due (&f->a, due + 2 * 86400, PM_PLAN_DEFAULT_GRACE, &n_missed);
  g_assert_cmpuint (reports->len, ==, 0);
  g_assert_cmpuint (n_missed, ==, 1);
  info = pm_plan_store_get_run (f->a.store, pm_plan_get_uuid (plan), f->period, due + 2 * 86400,
                                &error);
  g_assert_no_error (error);
  g_assert_cmpint (info->state, ==, PM_PLAN_RUN_MISSED);
  g_assert_cmpuint (pm_sandbox_count_bills (f->sandbox), ==, 0);

  now = run_period (&f->a, plan, f->period, due + 3 * 86400, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (now->n_sent, ==, 3);
  assert_one_bill_each (f, plan, 3);
}

static void
test_skip_and_pause (Fixture       *f,
                     gconstpointer  data)
{
  g_autoptr(PmPlan) plan = NULL;
  g_autofree char *next = pm_plan_period_add (f->period, 1);
  g_autoptr(GPtrArray) reports = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(PmPlanRunReport) r = NULL;
  gint64 due;

  PM_TEST_PG_REQUIRE ();
  plan = add_plan (f, &f->a, "수강료", 2);
  due = pm_plan_due_at (plan, f->period);
  g_assert_true (pm_plan_store_skip (f->a.store, pm_plan_get_uuid (plan), f->period,
                                     due - 86400, &error));
  g_assert_no_error (error);
  reports = run_due (&f->a, due + 60, PM_PLAN_DEFAULT_GRACE, NULL);
  g_assert_cmpuint (reports->len, ==, 0);
  r = run_period (&f->a, plan, f->period, due + 60, &error);
  g_assert_null (r);
  g_assert_error (error, PM_ERROR, PM_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_cmpuint (pm_sandbox_count_bills (f->sandbox), ==, 0);

  g_assert_true (pm_plan_store_set_paused (f->a.store, pm_plan_get_uuid (plan), TRUE, due,
                                           &error));
  g_clear_pointer (&reports, g_ptr_array_unref);
  reports = run_due (&f->a, pm_plan_due_at (plan, next) + 60, PM_PLAN_DEFAULT_GRACE, NULL);
  g_assert_cmpuint (reports->len, ==, 0);
  g_assert_true (pm_plan_store_set_paused (f->a.store, pm_plan_get_uuid (plan), FALSE, due,
                                           &error));
  g_clear_pointer (&reports, g_ptr_array_unref);
  reports = run_due (&f->a, pm_plan_due_at (plan, next) + 60, PM_PLAN_DEFAULT_GRACE, NULL);
  g_assert_cmpuint (reports->len, ==, 1);
  g_assert_cmpuint (pm_sandbox_count_bills (f->sandbox), ==, 2);

  /* a month with bills cannot be skipped any more */
  g_assert_false (pm_plan_store_skip (f->a.store, pm_plan_get_uuid (plan), next, due, &error));
  g_assert_error (error, PM_ERROR, PM_ERROR_INVALID);
  g_assert_cmpstr (pm_error_get_field (error), ==, "period");
}

static void
test_bill_again (Fixture       *f,
                 gconstpointer  data)
{
  g_autoptr(PmPlan) plan = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(PmPlanRunReport) r = NULL;
  g_autofree char *first_id = NULL;
  g_autofree char *second_id = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(PmBill) bill = NULL;
  g_autoptr(PmBill) voided = NULL;
  g_autoptr(GPtrArray) preview = NULL;
  g_autoptr(GPtrArray) bills = NULL;
  gint64 due;

  PM_TEST_PG_REQUIRE ();
  plan = add_plan (f, &f->a, "수강료", 3);
  due = pm_plan_due_at (plan, f->period);
  r = run_period (&f->a, plan, f->period, due + 60, &error);
  g_assert_no_error (error);
  first_id = pm_plan_derive_bill_id (pm_plan_get_uuid (plan), "01070020002", f->period, 0);
  second_id = pm_plan_derive_bill_id (pm_plan_get_uuid (plan), "01070020002", f->period, 1);
  g_assert_cmpuint (pm_sandbox_count_bills (f->sandbox), ==, 3);

  /* refused while the bill is unpaid */
  pm_plan_store_bill_again_async (f->a.store, f->a.service, pm_plan_get_uuid (plan), f->period,
                                  "010-7002-0002", due + 120, NULL, store_result_cb, &result);
  pm_test_spin_until (result_ready, &result, 30000);
  g_assert_null (pm_plan_store_bill_again_finish (f->a.store, result, &error));
  g_assert_error (error, PM_ERROR, PM_ERROR_INVALID);
  g_clear_error (&error);
  g_clear_object (&result);

  voided = pm_test_act (f->a.service, first_id, PM_BILL_ACTION_DESTROY, &error);
  g_assert_no_error (error);
  g_assert_cmpint (pm_bill_get_state (voided), ==, PM_BILL_STATE_DESTROYED);

  pm_plan_store_bill_again_async (f->a.store, f->a.service, pm_plan_get_uuid (plan), f->period,
                                  "010-7002-0002", due + 180, NULL, store_result_cb, &result);
  pm_test_spin_until (result_ready, &result, 30000);
  bill = pm_plan_store_bill_again_finish (f->a.store, result, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (pm_bill_get_bill_id (bill), ==, second_id);
  g_assert_cmpint (pm_bill_get_state (bill), ==, PM_BILL_STATE_UNPAID);
  g_assert_cmpuint (pm_sandbox_count_bills (f->sandbox), ==, 4);

  /* the run again adds nothing; the preview shows the newest revision */
  g_clear_pointer (&r, pm_plan_run_report_free);
  r = run_period (&f->a, plan, f->period, due + 240, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (r->n_written, ==, 0);
  g_assert_cmpuint (pm_sandbox_count_bills (f->sandbox), ==, 4);
  preview = pm_plan_store_preview (f->a.store, pm_plan_get_uuid (plan), f->period, due + 240,
                                   &error);
  g_assert_no_error (error);
  g_assert_cmpuint (((PmPlanBillRow *) g_ptr_array_index (preview, 1))->revision, ==, 1);
  g_assert_true (((PmPlanBillRow *) g_ptr_array_index (preview, 1))->in_ledger);

  bills = pm_plan_store_list_bills (f->a.store, pm_plan_get_uuid (plan), f->period, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (bills->len, ==, 4);
  g_assert_cmpuint (((PmPlanBillRow *) g_ptr_array_index (bills, 3))->revision, ==, 1);
  g_assert_cmpstr (pm_bill_get_bill_id (((PmPlanBillRow *) g_ptr_array_index (bills, 3))->bill),
                   ==, second_id);
}

static void
test_roster_versions (Fixture       *f,
                      gconstpointer  data)
{
  g_autoptr(PmPlan) plan = NULL;
  g_autofree char *next = pm_plan_period_add (f->period, 1);
  g_autoptr(GError) error = NULL;
  g_autoptr(PmPlanRunReport) r = NULL;
  g_autoptr(PmPlanPayer) extra = pm_plan_payer_new ("새학생", "010-9999-0000", 50000, NULL);
  g_autoptr(GPtrArray) old_roster = NULL;
  g_autoptr(GPtrArray) new_roster = NULL;
  gint64 due;

  PM_TEST_PG_REQUIRE ();
  plan = add_plan (f, &f->a, "수강료", 3);
  due = pm_plan_due_at (plan, f->period);
  r = run_period (&f->a, plan, f->period, due + 60, &error);
  g_assert_no_error (error);
  pm_plan_add_payer (plan, extra);
  g_assert_true (pm_plan_store_save (f->a.store, plan, due + 3600, &error));
  g_assert_no_error (error);
  old_roster = pm_plan_store_roster_for (f->a.store, pm_plan_get_uuid (plan), f->period, &error);
  new_roster = pm_plan_store_roster_for (f->a.store, pm_plan_get_uuid (plan), next, &error);
  g_assert_cmpuint (old_roster->len, ==, 3);
  g_assert_cmpuint (new_roster->len, ==, 4);

  g_clear_pointer (&r, pm_plan_run_report_free);
  r = run_period (&f->a, plan, f->period, due + 7200, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (r->n_bills, ==, 3);
  g_assert_cmpuint (pm_sandbox_count_bills (f->sandbox), ==, 3);
}

/* ---- several desks ---- */

/* Two desks' timers fire on the same due month at once, with one desk's run still
 * sending while the other's starts: one runs, the other is told it is busy. */
static void
test_two_desks (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(PmPlan) plan = NULL;
  g_autoptr(GAsyncResult) a = NULL;
  g_autoptr(GAsyncResult) b = NULL;
  g_autoptr(GAsyncResult) c = NULL;
  g_autoptr(GPtrArray) ra = NULL;
  g_autoptr(GPtrArray) rb = NULL;
  g_autoptr(PmPlanRunReport) rc = NULL;
  g_autoptr(GPtrArray) later = NULL;
  g_autoptr(PmPlanRunInfo) info = NULL;
  g_autoptr(GError) error = NULL;
  PmPlanRunReport *ra0, *rb0;
  gint64 due;

  PM_TEST_PG_REQUIRE ();
  desk_open (f, &f->b);
  plan = add_plan (f, &f->a, "수강료", 20);
  due = pm_plan_due_at (plan, f->period);

  pm_plan_store_run_due_async (f->a.store, f->a.service, due + 60, PM_PLAN_DEFAULT_GRACE, 2,
                               NULL, store_result_cb, &a);
  pm_plan_store_run_due_async (f->b.store, f->b.service, due + 61, PM_PLAN_DEFAULT_GRACE, 2,
                               NULL, store_result_cb, &b);
  /* and a person's "send now" at the second desk */
  pm_plan_store_run_async (f->b.store, f->b.service, pm_plan_get_uuid (plan), f->period,
                           due + 62, 2, NULL, store_result_cb, &c);
  pm_test_spin_until (result_ready, &a, 60000);
  pm_test_spin_until (result_ready, &b, 60000);
  pm_test_spin_until (result_ready, &c, 60000);
  ra = pm_plan_store_run_due_finish (f->a.store, a, NULL, &error);
  g_assert_no_error (error);
  rb = pm_plan_store_run_due_finish (f->b.store, b, NULL, &error);
  g_assert_no_error (error);
  rc = pm_plan_store_run_finish (f->b.store, c, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (ra->len, ==, 1);
  g_assert_cmpuint (rb->len, ==, 1);
  ra0 = g_ptr_array_index (ra, 0);
  rb0 = g_ptr_array_index (rb, 0);
  g_assert_false (ra0->busy);
  g_assert_cmpuint (ra0->n_sent, ==, 20);
  g_assert_true (rb0->busy);
  g_assert_true (rc->busy);
  g_assert_cmpuint (rb0->n_written + rc->n_written, ==, 0);
  assert_one_bill_each (f, plan, 20);

  /* the month is done for both desks */
  later = run_due (&f->b, due + 3600, PM_PLAN_DEFAULT_GRACE, NULL);
  g_assert_cmpuint (later->len, ==, 0);
  info = pm_plan_store_get_run (f->b.store, pm_plan_get_uuid (plan), f->period, due + 3600,
                                &error);
  g_assert_no_error (error);
  g_assert_cmpint (info->state, ==, PM_PLAN_RUN_DONE);
  g_assert_cmpuint (info->n_sent, ==, 20);
  assert_one_bill_each (f, plan, 20);
}

/* Another session holds the period's run lock (a desk elsewhere is running it): busy,
 * nothing sent, and the row says nothing; once it lets go, the run goes through. */
static void
test_lock_held_elsewhere (Fixture       *f,
                          gconstpointer  data)
{
  g_autoptr(PmPlan) plan = NULL;
  g_autoptr(PGconn) conn = NULL;
  g_autoptr(PmPlanRunReport) r1 = NULL;
  g_autoptr(PmPlanRunReport) r2 = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *sql = NULL;
  g_autofree char *got = NULL;
  gint64 due;

  PM_TEST_PG_REQUIRE ();
  plan = add_plan (f, &f->a, "수강료", 4);
  due = pm_plan_due_at (plan, f->period);
  conn = pm_test_pg_connect (f->uri);
  sql = g_strdup_printf ("SELECT pg_try_advisory_lock (1349341806, hashtext ('%s/%s'))",
                         pm_plan_get_uuid (plan), f->period);
  got = pm_test_pg_query (conn, sql);
  g_assert_cmpstr (got, ==, "t");

  r1 = run_period (&f->a, plan, f->period, due + 60, &error);
  g_assert_no_error (error);
  g_assert_true (r1->busy);
  g_assert_cmpuint (pm_sandbox_count_bills (f->sandbox), ==, 0);

  /* the other desk goes away: its session, and with it the lock */
  g_clear_pointer (&conn, PQfinish);
  r2 = run_period (&f->a, plan, f->period, due + 120, &error);
  g_assert_no_error (error);
  g_assert_false (r2->busy);
  g_assert_cmpuint (r2->n_sent, ==, 4);
  assert_one_bill_each (f, plan, 4);
}

/* A row left "running" by a desk that is gone (no session holds the lock, whatever its
 * lease says) is taken over. */
static void
test_stale_row (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(PmPlan) plan = NULL;
  g_autoptr(PGconn) conn = NULL;
  g_autoptr(PmPlanRunReport) r = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *sql = NULL;
  g_autofree char *owner = NULL;
  gint64 due;

  PM_TEST_PG_REQUIRE ();
  plan = add_plan (f, &f->a, "수강료", 5);
  due = pm_plan_due_at (plan, f->period);
  conn = pm_test_pg_connect (f->uri);
  sql = g_strdup_printf ("INSERT INTO plan_runs (plan_uuid, period, state, due_at, owner, "
                         "lease_until, started_at, updated_at) VALUES ('%s', '%s', 'running', "
                         "0, 'front-2:4242:gone', %" G_GINT64_FORMAT ", 1, 1)",
                         pm_plan_get_uuid (plan), f->period, due + 86400);
  g_free (pm_test_pg_query (conn, sql));

  r = run_period (&f->a, plan, f->period, due + 60, &error);
  g_assert_no_error (error);
  g_assert_false (r->busy);
  g_assert_cmpuint (r->n_sent, ==, 5);
  assert_one_bill_each (f, plan, 5);
  g_free (sql);
  sql = g_strdup_printf ("SELECT state || ' ' || coalesce (owner, '-') || ' ' || started_at "
                         "FROM plan_runs WHERE plan_uuid = '%s'", pm_plan_get_uuid (plan));
  owner = pm_test_pg_query (conn, sql);
  /* done, released, and it keeps the first start */
  g_assert_cmpstr (owner, ==, "done - 1");
}

/* ---- a desk dies in the middle of the month's run ---- */

static struct
{
  PGconn   *admin;
  char     *dbname;       /* the test's database: other tests may hold run locks elsewhere */
  int       ledger_pid;   /* desk A's ledger connection */
  gboolean  done;
  guint     n_written;
} killer;

static void
terminate_and_wait (int pid)
{
  g_autofree char *sql = g_strdup_printf ("SELECT pg_terminate_backend (%d)", pid);
  g_autofree char *gone = g_strdup_printf ("SELECT count (*) FROM pg_stat_activity "
                                           "WHERE pid = %d", pid);

  g_free (pm_test_pg_query (killer.admin, sql));
  for (;;)
    {
      g_autofree char *n = pm_test_pg_query (killer.admin, gone);

      if (g_strcmp0 (n, "0") == 0)
        break;
      g_usleep (10 * 1000);
    }
}

/* After desk A's first group of intents is durable, before any is sent: its sessions
 * end as if its computer lost power (the run lock's and the ledger's). */
static void
kill_desk_hook (guint n_written,
                guint n_done)
{
  g_autofree char *holder = NULL;
  g_autofree char *sql = NULL;

  if (killer.done || n_written == 0)
    return;
  killer.done = TRUE;
  killer.n_written = n_written;
  sql = g_strdup_printf ("SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND "
                         "objsubid = 2 AND granted AND classid = 1349341806 AND database = "
                         "(SELECT oid FROM pg_database WHERE datname = '%s')", killer.dbname);
  holder = pm_test_pg_query (killer.admin, sql);
  g_assert_nonnull (holder);
  terminate_and_wait (atoi (holder));
  terminate_and_wait (killer.ledger_pid);
}

static void
test_desk_dies (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(PmPlan) plan = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(PmPlanRunReport) ra = NULL;
  g_autoptr(PmPlanRunReport) rb = NULL;
  g_autoptr(PmPlanRunReport) again = NULL;
  g_autoptr(PmPlanRunInfo) info = NULL;
  g_autoptr(PGconn) conn = NULL;
  g_autofree char *sql = NULL;
  g_autofree char *row = NULL;
  g_autofree char *queued = NULL;
  gint64 due;

  PM_TEST_PG_REQUIRE ();
  desk_open (f, &f->b);
  plan = add_plan (f, &f->a, "수강료", 12);
  due = pm_plan_due_at (plan, f->period);

  killer.admin = pm_test_pg_connect (pm_test_pg_conninfo ());
  killer.dbname = pm_test_pg_database_name (f->uri);
  killer.ledger_pid = PQbackendPID (PM_LEDGER_PG (pm_service_get_ledger (f->a.service))->conn);
  killer.done = FALSE;
  pm_plan_set_run_hook_for_testing (kill_desk_hook);
  ra = run_period (&f->a, plan, f->period, due + 60, &error);
  pm_plan_set_run_hook_for_testing (NULL);
  g_assert_true (killer.done);
  g_assert_cmpuint (killer.n_written, ==, 12);
  g_test_message ("desk A: %s", ra != NULL ? "a report" : error->message);
  /* desk A got no further than its intents: it stopped, saying why */
  if (ra != NULL)
    g_assert_cmpuint (ra->n_sent, <, 12);
  g_clear_error (&error);
  g_assert_cmpuint (pm_sandbox_count_bills (f->sandbox), <, 12);

  /* what desk A left: the period "running" under its name, its intents leased to it */
  conn = pm_test_pg_connect (f->uri);
  sql = g_strdup_printf ("SELECT state FROM plan_runs WHERE plan_uuid = '%s'",
                         pm_plan_get_uuid (plan));
  row = pm_test_pg_query (conn, sql);
  g_assert_cmpstr (row, ==, "running");
  queued = pm_test_pg_query (conn, "SELECT count (*) FROM bills WHERE state = 'queued' "
                                   "AND lease_owner IS NOT NULL");
  g_assert_cmpint (atoi (queued), >, 0);

  /* desk B's timer: it takes the month over and finishes it */
  rb = run_period (&f->b, plan, f->period, due + 120, &error);
  g_assert_no_error (error);
  g_test_message ("desk B: %u sent, %u already", rb->n_sent, rb->n_already);
  g_assert_false (rb->busy);
  g_assert_cmpuint (rb->n_sent + rb->n_already, ==, 12);
  g_assert_cmpuint (rb->n_failed + rb->n_unknown, ==, 0);
  assert_one_bill_each (f, plan, 12);
  info = pm_plan_store_get_run (f->b.store, pm_plan_get_uuid (plan), f->period, due + 120,
                                &error);
  g_assert_no_error (error);
  g_assert_cmpint (info->state, ==, PM_PLAN_RUN_DONE);

  /* and desk A, back, finds nothing left to do */
  again = run_period (&f->a, plan, f->period, due + 180, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (again->n_written, ==, 0);
  g_assert_cmpuint (again->n_already, ==, 12);
  assert_one_bill_each (f, plan, 12);
  g_clear_pointer (&killer.admin, PQfinish);
  g_clear_pointer (&killer.dbname, g_free);
}

int
main (int   argc,
      char *argv[])
{
  pm_test_init (&argc, &argv);
#define ADD(path, func) \
  g_test_add ("/plans-pg/" path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("tables", test_tables);
  ADD ("store-names", test_store_names);
  ADD ("run-due-twice", test_run_due_twice);
  ADD ("missed", test_missed);
  ADD ("skip-pause", test_skip_and_pause);
  ADD ("bill-again", test_bill_again);
  ADD ("roster-versions", test_roster_versions);
  ADD ("two-desks", test_two_desks);
  ADD ("lock-held-elsewhere", test_lock_held_elsewhere);
  ADD ("stale-row", test_stale_row);
  ADD ("desk-dies", test_desk_dies);
#undef ADD
  return g_test_run ();
}
