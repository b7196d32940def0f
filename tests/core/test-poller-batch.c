/* test-poller-batch.c — the poller writes completed reads in groups
 *
 * Copyright 2026 The Paymint Desk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * N reads end in fewer than N ledger commits ("n-commits"), every bill is still checked
 * and written, and "bill-transition" fires for each bill only once its write is
 * committed (another connection to the same file already sees the new state).
 */

#include "config.h"

#include <glib/gstdio.h>

#include "pm-ledger.h"
#include "pm-poller.h"
#include "pm-sandbox.h"
#include "pm-sender.h"
#include "pm-service.h"
#include "pm-test-desk.h"
#include "pm-test-util.h"

#define N_BILLS 60

typedef PmTestDesk Fixture;

typedef struct
{
  PmLedger *other;        /* a second connection to the same file */
  guint     checked;
  guint     transitions;
  guint     committed;    /* transitions the other connection already saw */
  gboolean  idle;
} Counts;

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  static const PmTestDeskBills bills = { "한결", "01012345678", "11월 수강료", "수강료 안내", 1000 };

  pm_test_desk_set_up (f, "poller-batch", 7, N_BILLS, 0, &bills);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  pm_test_desk_tear_down (f);
}

static void
checked_cb (PmPoller *poller,
            PmBill   *bill,
            Counts   *c)
{
  c->checked++;
}

static void
transition_cb (PmPoller *poller,
               PmBill   *bill,
               int       before,
               int       after,
               Counts   *c)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PmBill) seen = pm_ledger_lookup (c->other, pm_bill_get_bill_id (bill), &error);

  g_assert_no_error (error);
  g_assert_nonnull (seen);
  c->transitions++;
  if (pm_bill_get_state (seen) == after)
    c->committed++;
}

static void
idle_cb (PmPoller *poller,
         Counts   *c)
{
  c->idle = TRUE;
}

static void
test_grouped_commits (Fixture       *f,
                      gconstpointer  data)
{
  g_autoptr(PmClient) client = pm_client_new (f->profile);
  PmLedger *ledger = pm_service_get_ledger (f->service);
  g_autoptr(PmSender) sender = pm_sender_new (client, ledger);
  g_autoptr(PmPoller) poller = pm_poller_new (client, ledger, sender);
  g_autoptr(GError) error = NULL;
  Counts c = { 0 };
  guint n, commits = 0, paid = 0;

  c.other = pm_ledger_new (f->ledger_path, &error);
  g_assert_no_error (error);

  /* half of them get paid: those reads change the bill (a transition each) */
  for (guint i = 0; i < f->ids->len; i += 2)
    {
      g_assert_true (pm_sandbox_pay_bill (f->sandbox, g_ptr_array_index (f->ids, i)));
      paid++;
    }

  pm_poller_set_enabled (poller, FALSE);
  pm_poller_set_concurrency (poller, 8);
  pm_poller_set_profile_id (poller, pm_profile_get_uuid (f->profile));
  g_signal_connect (poller, "bill-checked", G_CALLBACK (checked_cb), &c);
  g_signal_connect (poller, "bill-transition", G_CALLBACK (transition_cb), &c);
  g_signal_connect (poller, "idle", G_CALLBACK (idle_cb), &c);

  n = pm_poller_refresh_all (poller);
  g_assert_cmpuint (n, ==, N_BILLS);
  g_assert_true (pm_test_wait_flag (&c.idle, 30000));

  g_assert_cmpuint (c.checked, ==, N_BILLS);
  g_assert_cmpuint (c.transitions, ==, paid);
  /* every transition was told after its commit: another connection saw it */
  g_assert_cmpuint (c.committed, ==, paid);
  g_object_get (poller, "n-commits", &commits, NULL);
  g_test_message ("%u reads, %u commits", N_BILLS, commits);
  g_assert_cmpuint (commits, >=, 1);
  g_assert_cmpuint (commits, <, N_BILLS);

  /* and what was written is there, for every bill */
  for (guint i = 0; i < f->ids->len; i++)
    {
      g_autoptr(PmBill) bill = pm_ledger_lookup (c.other, g_ptr_array_index (f->ids, i), &error);

      g_assert_no_error (error);
      g_assert_cmpint (pm_bill_get_state (bill), ==,
                       i % 2 == 0 ? PM_BILL_STATE_PAID : PM_BILL_STATE_UNPAID);
      g_assert_cmpint (pm_bill_get_last_checked_at (bill), >, 0);
    }
  g_object_unref (c.other);
}

/* A single refresh still completes at once (no read left in flight: no wait for a group). */
static void
refresh_cb (GObject      *object,
            GAsyncResult *result,
            gpointer      user_data)
{
  PmBill **out = user_data;
  g_autoptr(GError) error = NULL;

  *out = pm_poller_refresh_bill_finish (PM_POLLER (object), result, &error);
  g_assert_no_error (error);
}

static void
test_single_refresh (Fixture       *f,
                     gconstpointer  data)
{
  g_autoptr(PmClient) client = pm_client_new (f->profile);
  PmLedger *ledger = pm_service_get_ledger (f->service);
  g_autoptr(PmSender) sender = pm_sender_new (client, ledger);
  g_autoptr(PmPoller) poller = pm_poller_new (client, ledger, sender);
  g_autoptr(PmBill) bill = NULL;
  const char *id = g_ptr_array_index (f->ids, 0);

  pm_poller_set_enabled (poller, FALSE);
  pm_poller_set_profile_id (poller, pm_profile_get_uuid (f->profile));
  g_assert_true (pm_sandbox_pay_bill (f->sandbox, id));
  pm_poller_refresh_bill_async (poller, id, NULL, refresh_cb, &bill);
  while (bill == NULL)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpint (pm_bill_get_state (bill), ==, PM_BILL_STATE_PAID);
  {
    g_autoptr(PmBill) stored = pm_ledger_lookup (ledger, id, NULL);

    g_assert_cmpint (pm_bill_get_state (stored), ==, PM_BILL_STATE_PAID);
  }
}

int
main (int   argc,
      char *argv[])
{
  pm_test_init (&argc, &argv);

  g_test_add ("/poller/grouped-commits", Fixture, NULL, fixture_set_up,
              test_grouped_commits, fixture_tear_down);
  g_test_add ("/poller/single-refresh", Fixture, NULL, fixture_set_up,
              test_single_refresh, fixture_tear_down);
  return g_test_run ();
}
