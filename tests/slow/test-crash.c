/* test-crash.c — a sender killed at any instant loses no intent and makes no second bill
 *
 * Copyright 2026 The Paymint Desk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * 50 seeded runs: a child process (crash-child) sends bills to the sandbox, which keeps
 * a state file, and is killed with SIGKILL at a random instant. After each kill a new
 * PmService opens the same ledger and reconciles. Then:
 *  - every intent in the ledger is in a definite state;
 *  - every intent the ledger says reached the server exists on the sandbox, and every
 *    intent that failed does not;
 *  - the sandbox holds exactly as many bills as those intents, so no intent produced
 *    two bills (the sandbox also refuses a reused bill_id).
 * At the end the sandbox is restarted from its state file and still holds them all.
 */

#include "config.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "pm-sandbox.h"
#include "pm-service.h"
#include "pm-test-util.h"

#define PROFILE_UUID "c4a5b000-0000-4000-8000-00000000c4a5"

static void
started_cb (GObject      *object,
            GAsyncResult *result,
            gpointer      user_data)
{
  guint *n_unsettled = user_data;
  g_autoptr(GError) error = NULL;

  g_assert_true (pm_service_start_finish (PM_SERVICE (object), result, n_unsettled, &error));
  g_assert_no_error (error);
}

static gboolean
is_on_server (PmBillState state)
{
  return state == PM_BILL_STATE_UNPAID || state == PM_BILL_STATE_PAID
         || state == PM_BILL_STATE_CANCELLED || state == PM_BILL_STATE_DESTROYED;
}

/* Reconciles the ledger in a fresh service and checks it against the sandbox; returns
 * the number of intents that reached the server. */
static guint
reconcile_and_check (PmSandbox  *sandbox,
                     const char *ledger_path,
                     PmProfile  *profile)
{
  g_autoptr(PmService) service = NULL;
  g_autoptr(PmLedgerQuery) query = pm_ledger_query_new ();
  g_autoptr(GPtrArray) bills = NULL;
  g_autoptr(GError) error = NULL;
  guint n_unsettled = G_MAXUINT;
  guint on_server = 0;

  service = pm_service_new (ledger_path, &error);
  g_assert_no_error (error);
  pm_service_set_profile (service, profile);
  pm_service_set_polling (service, FALSE, 1);
  pm_service_start_async (service, NULL, started_cb, &n_unsettled);
  while (n_unsettled == G_MAXUINT)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpuint (n_unsettled, ==, 0);

  bills = pm_ledger_fetch (pm_service_get_ledger (service), query, 0, 0, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < bills->len; i++)
    {
      PmBill *bill = g_ptr_array_index (bills, i);
      PmBillState state = pm_bill_get_state (bill);
      g_autofree char *server = pm_sandbox_dup_bill_state (sandbox, pm_bill_get_bill_id (bill));

      g_assert_true (is_on_server (state) || state == PM_BILL_STATE_FAILED);
      if (is_on_server (state))
        {
          g_assert_nonnull (server);
          on_server++;
        }
      else
        g_assert_null (server);
    }
  g_assert_cmpuint (pm_sandbox_count_bills (sandbox), ==, on_server);
  return on_server;
}

static void
test_crash (void)
{
  g_autoptr(PmSandbox) sandbox = pm_sandbox_new ();
  g_autoptr(PmProfile) profile = pm_profile_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("crash-XXXXXX", &error);
  g_autofree char *ledger = g_build_filename (dir, "ledger.db", NULL);
  g_autofree char *state = g_build_filename (dir, "sandbox.json", NULL);
  g_autofree char *url = NULL;
  g_autofree char *child = g_test_build_filename (G_TEST_BUILT, "slow", "crash-child", NULL);
  g_autoptr(GRand) rng = g_rand_new_with_seed (20261123);
  guint runs = g_test_slow () ? 100 : 50;
  guint on_server = 0;
  guint killed_mid_send = 0;

  g_assert_no_error (error);
  pm_sandbox_set_payers (sandbox, 0.0, 60, 60, 0.0);
  g_assert_true (pm_sandbox_set_state_file (sandbox, state, &error));
  g_assert_no_error (error);
  /* a little latency widens the window in which a request is on the wire */
  pm_sandbox_set_latency (sandbox, "request", 15);
  g_assert_true (pm_sandbox_start (sandbox, NULL, 0, &error));
  url = pm_sandbox_dup_base_url (sandbox);

  pm_profile_set_uuid (profile, PROFILE_UUID);
  pm_profile_set_name (profile, "crash");
  pm_profile_set_base_url (profile, url);
  pm_profile_set_api_key (profile, PM_SANDBOX_DEMO_KEY);

  for (guint run = 0; run < runs; run++)
    {
      g_autofree char *seed = g_strdup_printf ("%u", run);
      const char *argv[] = { child, ledger, url, PROFILE_UUID, "40", seed, NULL };
      GPid pid;
      int in_fd;
      int status = 0;
      guint delay_ms = (guint) g_rand_int_range (rng, 5, 350);
      guint before = pm_sandbox_count_bills (sandbox);

      g_spawn_async_with_pipes (NULL, (char **) argv, NULL, G_SPAWN_DO_NOT_REAP_CHILD, NULL,
                                NULL, &pid, &in_fd, NULL, NULL, &error);
      g_assert_no_error (error);
      g_assert_cmpint (write (in_fd, PM_SANDBOX_DEMO_KEY "\n", strlen (PM_SANDBOX_DEMO_KEY) + 1),
                       >, 0);
      close (in_fd);

      g_usleep (delay_ms * 1000);
      kill (pid, SIGKILL);
      while (waitpid (pid, &status, 0) < 0 && errno == EINTR)
        ;
      g_spawn_close_pid (pid);
      if (WIFSIGNALED (status))
        killed_mid_send++;

      g_test_message ("run %u: killed after %u ms; the sandbox had %u bills before, %u now",
                      run, delay_ms, before, pm_sandbox_count_bills (sandbox));
      on_server = reconcile_and_check (sandbox, ledger, profile);
    }

  g_test_message ("%u runs, %u killed while sending, %u bills on the server", runs,
                  killed_mid_send, on_server);
  g_assert_cmpuint (killed_mid_send, >, runs * 3 / 4);
  g_assert_cmpuint (on_server, >, 0);

  /* the sandbox's own state survives a restart */
  pm_sandbox_stop (sandbox);
  g_clear_object (&sandbox);
  sandbox = pm_sandbox_new ();
  g_assert_true (pm_sandbox_set_state_file (sandbox, state, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (pm_sandbox_count_bills (sandbox), ==, on_server);

  {
    g_autoptr(GPtrArray) files = pm_test_list_files (dir);

    for (guint i = 0; i < files->len; i++)
      g_unlink (g_ptr_array_index (files, i));
    g_rmdir (dir);
  }
}

int
main (int   argc,
      char *argv[])
{
  pm_test_init (&argc, &argv);
  g_test_add_func ("/slow/crash/sigkill-at-random", test_crash);
  return g_test_run ();
}
