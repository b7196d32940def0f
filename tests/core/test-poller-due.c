/* test-poller-due.c — automatic polling lists the due bills once for many reads
 *
 * Copyright 2026 The Paymint Desk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * With every bill due, automatic polling reads each bill once and asks the ledger for
 * its due list far fewer times than it reads ("n-due-lists"; it used to ask after every
 * read). A bill still waiting in the listed queue that someone else checked meanwhile
 * (another connection to the same file) is passed over, not read again. And an answer
 * that says only what the ledger said when its read began does not turn back a change
 * the ledger took meanwhile (a refund written while the read was on its way).
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

#define N_BILLS 120

typedef PmTestDesk Fixture;

typedef struct
{
  GHashTable *reads;   /* bill_id → number of "bill-checked" */
  guint       checked;
  guint       want;    /* done when checked reaches it */
  gboolean    done;
} Counts;

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  static const PmTestDeskBills bills = { "도윤", "01023456789", "12월 관리비", "관리비 안내", 2000 };
  g_autoptr(GError) error = NULL;
  PmLedger *ledger;
  gint64 t = g_get_real_time () / G_USEC_PER_SEC;

  pm_test_desk_set_up (f, "poller-due", 11, N_BILLS, 16, &bills);

  /* every bill due now, one second apart, in the order of f->ids */
  ledger = pm_service_get_ledger (f->service);
  for (guint i = 0; i < f->ids->len; i++)
    {
      g_assert_true (pm_ledger_set_check_times (ledger, g_ptr_array_index (f->ids, i),
                                                t - 2000, t - 1000 + (gint64) i, &error));
      g_assert_no_error (error);
    }
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
  const char *id = pm_bill_get_bill_id (bill);
  guint n = GPOINTER_TO_UINT (g_hash_table_lookup (c->reads, id));

  g_hash_table_insert (c->reads, g_strdup (id), GUINT_TO_POINTER (n + 1));
  if (++c->checked >= c->want)
    c->done = TRUE;
}

static PmPoller *
new_poller (Fixture *f,
            guint    concurrency,
            Counts  *c)
{
  g_autoptr(PmClient) client = pm_client_new (f->profile);
  PmLedger *ledger = pm_service_get_ledger (f->service);
  g_autoptr(PmSender) sender = pm_sender_new (client, ledger);
  PmPoller *poller = pm_poller_new (client, ledger, sender);

  pm_poller_set_enabled (poller, FALSE);
  pm_poller_set_concurrency (poller, concurrency);
  pm_poller_set_profile_id (poller, pm_profile_get_uuid (f->profile));
  c->reads = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_signal_connect (poller, "bill-checked", G_CALLBACK (checked_cb), c);
  return poller;
}

/* Every due bill read once; one due list serves many reads. */
static void
test_lists_once_for_many (Fixture       *f,
                          gconstpointer  data)
{
  Counts c = { .want = N_BILLS };
  g_autoptr(PmPoller) poller = new_poller (f, 2, &c);
  g_autoptr(GError) error = NULL;
  gint64 t0 = g_get_real_time () / G_USEC_PER_SEC;
  guint lists = 0;

  pm_poller_set_enabled (poller, TRUE);
  g_assert_true (pm_test_wait_flag (&c.done, 60000));
  g_object_get (poller, "n-due-lists", &lists, NULL);
  g_test_message ("%u reads, %u due lists", c.checked, lists);

  g_assert_cmpuint (c.checked, ==, N_BILLS);
  for (guint i = 0; i < f->ids->len; i++)
    {
      const char *id = g_ptr_array_index (f->ids, i);
      g_autoptr(PmBill) bill = pm_service_lookup (f->service, id, &error);

      g_assert_no_error (error);
      g_assert_cmpuint (GPOINTER_TO_UINT (g_hash_table_lookup (c.reads, id)), ==, 1);
      g_assert_cmpint (pm_bill_get_last_checked_at (bill), >=, t0);
      g_assert_cmpint (pm_bill_get_next_check_at (bill), >, t0);
    }
  /* A list asks for 4 × concurrency bills beyond those in flight or being written, so
   * it serves at least 8 reads here (about 16 lists for 120 reads; a list after every
   * read made about 120). The bound leaves room for the wake-up timer, which lists
   * again once a second while bills are due, on a slow machine. */
  g_assert_cmpuint (lists, >=, 1);
  g_assert_cmpuint (lists, <=, N_BILLS / 3);
  g_hash_table_unref (c.reads);
}

/* Bills listed but not yet read, then checked by another connection: passed over. */
static void
test_listed_then_checked_elsewhere (Fixture       *f,
                                    gconstpointer  data)
{
  Counts c = { .want = N_BILLS - 3 };
  g_autoptr(PmPoller) poller = new_poller (f, 1, &c);
  g_autoptr(PmLedger) other = NULL;
  g_autoptr(GError) error = NULL;
  gint64 t = g_get_real_time () / G_USEC_PER_SEC;
  guint lists = 0;

  other = pm_ledger_new (f->ledger_path, &error);
  g_assert_no_error (error);

  /* the first pump lists the 4 bills due first (4 × concurrency 1) and starts the
   * first; its answer cannot come in the same main-loop iteration */
  pm_poller_set_enabled (poller, TRUE);
  while (lists == 0)
    {
      g_main_context_iteration (NULL, TRUE);
      g_object_get (poller, "n-due-lists", &lists, NULL);
    }
  g_assert_cmpuint (c.checked, ==, 0);
  g_assert_cmpuint (pm_poller_get_n_in_flight (poller), ==, 1);

  /* the other three listed ones are checked elsewhere meanwhile */
  for (guint i = 1; i <= 3; i++)
    {
      g_assert_true (pm_ledger_set_check_times (other, g_ptr_array_index (f->ids, i), t,
                                                t + 3600, &error));
      g_assert_no_error (error);
    }

  g_assert_true (pm_test_wait_flag (&c.done, 60000));
  /* let anything left in flight finish */
  while (pm_poller_get_n_in_flight (poller) > 0)
    g_main_context_iteration (NULL, TRUE);

  g_assert_cmpuint (c.checked, ==, N_BILLS - 3);
  for (guint i = 0; i < f->ids->len; i++)
    {
      const char *id = g_ptr_array_index (f->ids, i);
      guint reads = GPOINTER_TO_UINT (g_hash_table_lookup (c.reads, id));

      g_assert_cmpuint (reads, ==, i >= 1 && i <= 3 ? 0 : 1);
    }
  g_hash_table_unref (c.reads);
}

/* One read in flight when the ledger marks every bill refunded: that read's answer
 * (unpaid, as the ledger said when it began) leaves the refund; the reads that begin
 * after it take the server's word (unpaid) as always. */
static void
test_older_answer_keeps_change (Fixture       *f,
                                gconstpointer  data)
{
  Counts c = { .want = N_BILLS };
  g_autoptr(PmPoller) poller = new_poller (f, 1, &c);
  PmLedger *ledger = pm_service_get_ledger (f->service);
  g_autoptr(GError) error = NULL;
  gint64 t = g_get_real_time () / G_USEC_PER_SEC;
  guint refunded = 0, unpaid = 0;

  g_assert_cmpuint (pm_poller_refresh_all (poller), ==, N_BILLS);
  while (pm_poller_get_n_in_flight (poller) == 0)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpuint (c.checked, ==, 0);

  for (guint i = 0; i < f->ids->len; i++)
    {
      g_assert_true (pm_ledger_set_state (ledger, g_ptr_array_index (f->ids, i),
                                          PM_BILL_STATE_CANCELLED, "test", t, &error));
      g_assert_no_error (error);
    }

  g_assert_true (pm_test_wait_flag (&c.done, 60000));
  for (guint i = 0; i < f->ids->len; i++)
    {
      g_autoptr(PmBill) bill = pm_service_lookup (f->service, g_ptr_array_index (f->ids, i),
                                                  &error);

      g_assert_no_error (error);
      if (pm_bill_get_state (bill) == PM_BILL_STATE_CANCELLED)
        refunded++;
      else if (pm_bill_get_state (bill) == PM_BILL_STATE_UNPAID)
        unpaid++;
    }
  g_assert_cmpuint (refunded, ==, 1);
  g_assert_cmpuint (unpaid, ==, N_BILLS - 1);
  g_hash_table_unref (c.reads);
}

int
main (int   argc,
      char *argv[])
{
  pm_test_init (&argc, &argv);

  g_test_add ("/poller/due/lists-once-for-many", Fixture, NULL, fixture_set_up,
              test_lists_once_for_many, fixture_tear_down);
  g_test_add ("/poller/due/listed-then-checked-elsewhere", Fixture, NULL, fixture_set_up,
              test_listed_then_checked_elsewhere, fixture_tear_down);
  g_test_add ("/poller/older-answer-keeps-change", Fixture, NULL, fixture_set_up,
              test_older_answer_keeps_change, fixture_tear_down);
  return g_test_run ();
}
