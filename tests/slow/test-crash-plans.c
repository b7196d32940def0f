/* test-crash-plans.c — `plans run-due` killed at random instants, then resumed: exactly
 * one bill per payer and month
 *
 * Copyright 2026 The Paymint Desk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The sandbox is a PmSandbox in this process: it outlives every paymint-cli killed here.
 * Rounds: a plan of 30–60 payers (a new plan each round, billing next month); the real
 * paymint-cli runs `plans run-due --now DUE --parallel P` and is killed with SIGKILL
 * 0–600 ms after it starts (its start-up, the claim, the intents, the sends and the
 * settling of a killed run's intents all get hit); then the same command again, killed
 * again, … until a run ends by itself. After every kill:
 *   - every bill on the sandbox is one of the plan's derived bill ids (one per payer):
 *     nothing else was created, so no payer has a second bill;
 *   - the ledger holds at most one intent per payer, and every bill on the sandbox has
 *     its intent in the ledger (no intent was lost).
 * When a round ends: the sandbox holds exactly one bill per payer, the ledger one unpaid
 * intent per payer, and run-due once more sends nothing.
 *
 * The seed of every random choice is printed ("# seed: N"); replay one with
 *     PM_CRASH_SEED=N meson test -C _build --suite slow test-crash-plans
 * (the machine's own timing is not replayed). At least 10 kills must land after the run
 * changed something (new intents or bills), or it kills on until they do.
 *
 * /crash/plans-run-due-pg does the same with a shop ledger (a database of the run's
 * PostgreSQL server, tests/pm-test-pg.h; skipped without one): a killed paymint-cli loses
 * its sessions and so its run lock, and the next one takes the period over. Its kills
 * come 0–1500 ms after the start (paymint-cli starts slower on a shop ledger).
 */

#include "config.h"

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <signal.h>
#include <string.h>

#include "pm-ledger.h"
#include "pm-plan.h"
#include "pm-sandbox.h"
#include "pm-test-pg.h"
#include "pm-test-util.h"

typedef struct
{
  PmSandbox *sandbox;
  char      *url;
  char      *dir;
  char      *ledger;
  char      *cli;
  char      *period;
  char      *now;
  GRand     *rand;
  PGconn    *pg;       /* a shop ledger: the test's own session on its database */
  guint      max_delay_ms;
} Crash;

/* A shop ledger: waits until the server has ended the killed process's sessions (and
 * with them its run lock), as it does as soon as it sees their sockets closed. */
static void
wait_for_dead_sessions (Crash *c)
{
  if (c->pg == NULL)
    return;
  for (;;)
    {
      g_autofree char *n = pm_test_pg_query (c->pg, "SELECT count (*) FROM pg_locks "
                                                    "WHERE locktype = 'advisory' AND "
                                                    "classid = 1349341806 AND database = "
                                                    "(SELECT oid FROM pg_database WHERE "
                                                    "datname = current_database ())");

      if (g_strcmp0 (n, "0") == 0)
        return;
      g_usleep (5 * 1000);
    }
}

static GSubprocess *
spawn (Crash       *c,
       const char  *log_name,
       guint        parallel,
       const char  *first,
       ...)
{
  g_autoptr(GPtrArray) args = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GSubprocessLauncher) launcher =
    g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_MERGE);
  g_autoptr(GError) error = NULL;
  GSubprocess *proc;
  va_list ap;

  g_ptr_array_add (args, g_strdup (c->cli));
  g_ptr_array_add (args, g_strdup ("--sandbox-url"));
  g_ptr_array_add (args, g_strdup (c->url));
  g_ptr_array_add (args, g_strdup ("--ledger"));
  g_ptr_array_add (args, g_strdup (c->ledger));
  va_start (ap, first);
  for (const char *a = first; a != NULL; a = va_arg (ap, const char *))
    g_ptr_array_add (args, g_strdup (a));
  va_end (ap);
  if (parallel > 0)
    {
      g_ptr_array_add (args, g_strdup ("--parallel"));
      g_ptr_array_add (args, g_strdup_printf ("%u", parallel));
    }
  g_ptr_array_add (args, NULL);
  proc = g_subprocess_launcher_spawnv (launcher, (const char * const *) args->pdata, &error);
  g_assert_no_error (error);
  return proc;
}

static int
finish (GSubprocess  *proc,
        char        **out)
{
  g_autoptr(GError) error = NULL;

  g_subprocess_communicate_utf8 (proc, NULL, NULL, out, NULL, &error);
  g_assert_no_error (error);
  if (!g_subprocess_get_if_exited (proc))
    return -g_subprocess_get_term_sig (proc);
  return g_subprocess_get_exit_status (proc);
}

/* The plan's payers' derived bill ids, in roster order. */
static GPtrArray *
derived_ids (const char *plan_uuid,
             const char *period,
             guint       n)
{
  GPtrArray *ids = g_ptr_array_new_with_free_func (g_free);

  for (guint i = 1; i <= n; i++)
    {
      g_autofree char *phone = g_strdup_printf ("010%02u%02u%04u", 70 + i % 20, i % 100, i);

      g_ptr_array_add (ids, pm_plan_derive_bill_id (plan_uuid, phone, period, 0));
    }
  return ids;
}

/* Checks after a kill (or at the end, @complete): returns the bills on the sandbox and
 * the intents in the ledger among @ids. */
static void
check (Crash     *c,
       GPtrArray *ids,
       guint      bills_before,
       gboolean   complete,
       guint     *n_on_sandbox,
       guint     *n_in_ledger)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PmLedger) ledger = pm_ledger_new (c->ledger, &error);
  guint on_sandbox = 0, in_ledger = 0;
  guint count_before, count_after;

  g_assert_no_error (error);
  /* A request the killed process wrote before it died may still be on its way through
   * the sandbox (its latency is up to 30 ms): look while nothing lands, so that the count
   * and the bills looked at are of the same moment. */
again:
  on_sandbox = in_ledger = 0;
  count_before = pm_sandbox_count_bills (c->sandbox);
  for (guint i = 0; i < ids->len; i++)
    {
      const char *id = g_ptr_array_index (ids, i);
      g_autofree char *state = pm_sandbox_dup_bill_state (c->sandbox, id);
      g_autoptr(PmBill) bill = pm_ledger_lookup (ledger, id, &error);

      g_assert_no_error (error);
      if (state != NULL)
        {
          on_sandbox++;
          /* a bill on the server always has its intent: none was lost */
          g_assert_nonnull (bill);
        }
      if (bill != NULL)
        {
          in_ledger++;
          g_assert_cmpstr (pm_bill_get_bill_id (bill), ==, id);
          if (complete)
            {
              g_assert_cmpint (pm_bill_get_state (bill), ==, PM_BILL_STATE_UNPAID);
              g_assert_nonnull (state);
            }
        }
    }
  count_after = pm_sandbox_count_bills (c->sandbox);
  if (count_after != count_before)
    {
      g_usleep (50 * 1000);
      goto again;
    }
  /* nothing but the derived ids was created: one bill per payer at most */
  g_assert_cmpuint (count_after - bills_before, ==, on_sandbox);
  if (complete)
    {
      g_assert_cmpuint (on_sandbox, ==, ids->len);
      g_assert_cmpuint (in_ledger, ==, ids->len);
    }
  *n_on_sandbox = on_sandbox;
  *n_in_ledger = in_ledger;
}

static char *
plan_uuid_of (Crash      *c,
              const char *name)
{
  g_autoptr(GSubprocess) proc = spawn (c, NULL, 0, "plans", "show", name, "--json", NULL);
  g_autofree char *out = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;

  g_assert_cmpint (finish (proc, &out), ==, 0);
  json_parser_load_from_data (parser, out, -1, &error);
  g_assert_no_error (error);
  return g_strdup (json_object_get_string_member (
    json_node_get_object (json_parser_get_root (parser)), "uuid"));
}

/* @shop_uri: a shop ledger's address, or NULL for a ledger file */
static void
crash_plans (const char *shop_uri)
{
  Crash c = { 0 };
  g_autoptr(GError) error = NULL;
  guint32 seed;
  const char *env = g_getenv ("PM_CRASH_SEED");
  guint kills = 0, kills_mid_run = 0, rounds = 0;
  guint kills_wanted = g_test_slow () ? 60 : 30;
  g_autofree char *this_month = pm_plan_period_at (g_get_real_time () / G_USEC_PER_SEC);

  seed = env != NULL ? (guint32) g_ascii_strtoull (env, NULL, 10) : g_random_int ();
  g_test_message ("seed: %" G_GUINT32_FORMAT, seed);
  g_printerr ("test-crash-plans: seed %" G_GUINT32_FORMAT "\n", seed);
  c.rand = g_rand_new_with_seed (seed);

  c.sandbox = pm_sandbox_new ();
  pm_sandbox_set_seed (c.sandbox, seed);
  pm_sandbox_set_payers (c.sandbox, 0.0, 60, 120, 0.0);
  g_assert_true (pm_sandbox_start (c.sandbox, NULL, 0, &error));
  c.url = pm_sandbox_dup_base_url (c.sandbox);
  c.dir = g_dir_make_tmp ("crash-plans-XXXXXX", &error);
  g_assert_no_error (error);
  /* a shop ledger: paymint-cli takes longer to start (connections, the schema check),
   * so the kills spread wider to land as often in the middle of a run */
  c.max_delay_ms = shop_uri != NULL ? 1500 : 600;
  if (shop_uri != NULL)
    {
      c.ledger = g_strdup (shop_uri);
      c.pg = pm_test_pg_connect (shop_uri);
    }
  else
    c.ledger = g_build_filename (c.dir, "ledger.db", NULL);
  c.cli = g_build_filename (g_getenv ("PM_BUILD_ROOT"), "src", "cli", "paymint-cli", NULL);
  c.period = pm_plan_period_add (this_month, 1);
  c.now = g_strdup_printf ("%s-05 10:01", c.period);

  while (kills_mid_run < 10 || kills < kills_wanted)
    {
      guint n = (guint) g_rand_int_range (c.rand, 30, 61);
      GString *csv = g_string_new ("이름,전화번호,금액\n");
      g_autofree char *name = g_strdup_printf ("수강료%u", ++rounds);
      g_autofree char *roster = g_strdup_printf ("%s/roster%u.csv", c.dir, rounds);
      g_autofree char *uuid = NULL;
      g_autoptr(GPtrArray) ids = NULL;
      guint bills_before = pm_sandbox_count_bills (c.sandbox);
      gboolean done = FALSE;

      for (guint i = 1; i <= n; i++)
        g_string_append_printf (csv, "학생%u,010-%02u%02u-%04u,%u\n", i, 70 + i % 20, i % 100, i,
                                1000 + i);
      g_assert_true (g_file_set_contents (roster, csv->str, -1, NULL));
      g_string_free (csv, TRUE);
      {
        g_autoptr(GSubprocess) add =
          spawn (&c, NULL, 0, "plans", "add", "--name", name, "--day", "5", "--roster", roster,
                 "--reason", "{월} 수강료", "--message", "{이름} {금액}", "--start", c.period,
                 NULL);
        g_autofree char *out = NULL;

        g_assert_cmpint (finish (add, &out), ==, 0);
      }
      uuid = plan_uuid_of (&c, name);
      ids = derived_ids (uuid, c.period, n);

      while (!done)
        {
          guint parallel = 1u << g_rand_int_range (c.rand, 0, 4);
          guint delay_ms = (guint) g_rand_int_range (c.rand, 0, (gint32) c.max_delay_ms);
          gboolean kill_it = kills < kills_wanted || kills_mid_run < 10;
          guint on_sandbox_before, in_ledger_before, on_sandbox, in_ledger;
          g_autoptr(GSubprocess) proc = NULL;
          g_autofree char *out = NULL;
          int status;

          check (&c, ids, bills_before, FALSE, &on_sandbox_before, &in_ledger_before);
          wait_for_dead_sessions (&c);
          pm_sandbox_set_latency (c.sandbox, "request", (guint) g_rand_int_range (c.rand, 2, 30));
          pm_sandbox_set_latency (c.sandbox, "read", (guint) g_rand_int_range (c.rand, 0, 15));
          proc = spawn (&c, NULL, parallel, "plans", "run-due", "--now", c.now, NULL);
          if (kill_it)
            {
              g_usleep (delay_ms * 1000);
              g_subprocess_force_exit (proc);
            }
          status = finish (proc, &out);
          check (&c, ids, bills_before, FALSE, &on_sandbox, &in_ledger);
          if (status == -SIGKILL || (kill_it && status < 0))
            {
              kills++;
              if (on_sandbox > on_sandbox_before || in_ledger > in_ledger_before)
                kills_mid_run++;
              continue;
            }
          /* it ended by itself: the round is complete */
          g_test_message ("round %u (%u payers): %s", rounds, n, out);
          g_assert_cmpint (status, ==, 0);
          check (&c, ids, bills_before, TRUE, &on_sandbox, &in_ledger);
          done = TRUE;
        }

      /* once more: nothing */
      {
        g_autoptr(GSubprocess) again = spawn (&c, NULL, 0, "plans", "run-due", "--now", c.now,
                                              NULL);
        g_autofree char *out = NULL;
        guint a, b;

        g_assert_cmpint (finish (again, &out), ==, 0);
        check (&c, ids, bills_before, TRUE, &a, &b);
      }
      if (rounds > 40)
        break;
    }
  g_test_message ("%u kills in %u rounds, %u while the run was changing something", kills,
                  rounds, kills_mid_run);
  g_assert_cmpuint (kills_mid_run, >=, 10);

  pm_sandbox_stop (c.sandbox);
  g_clear_object (&c.sandbox);
  {
    g_autoptr(GPtrArray) files = pm_test_list_files (c.dir);

    for (guint i = 0; i < files->len; i++)
      g_unlink (g_ptr_array_index (files, i));
    g_rmdir (c.dir);
  }
  g_rand_free (c.rand);
  g_clear_pointer (&c.pg, PQfinish);
  g_free (c.url);
  g_free (c.dir);
  g_free (c.ledger);
  g_free (c.cli);
  g_free (c.period);
  g_free (c.now);
}

static void
test_crash_plans (void)
{
  crash_plans (NULL);
}

static void
test_crash_plans_pg (void)
{
  g_autofree char *uri = NULL;

  PM_TEST_PG_REQUIRE ();
  uri = pm_test_pg_new_database ("crash_plans");
  crash_plans (uri);
}

int
main (int   argc,
      char *argv[])
{
  pm_test_init (&argc, &argv);
  g_test_add_func ("/crash/plans-run-due", test_crash_plans);
  g_test_add_func ("/crash/plans-run-due-pg", test_crash_plans_pg);
  return g_test_run ();
}
