/* test-crash-pg.c — a shop ledger (PostgreSQL): senders killed at any instant, and the
 * database server killed under them, lose no intent and make no second bill
 *
 * Copyright 2026 The Paymint Desk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * test-crash.c's guarantees, with the ledger in a database of the run's PostgreSQL server
 * (tests/pm-test-pg.h; skipped when there is none) instead of a file. The sandbox is a
 * PmSandbox in this process, on a loopback port: it outlives every sender and every
 * server crash. The seed works as in test-crash.c (printed first; PM_CRASH_SEED=N replays
 * the same kill instants and prices).
 *
 * 1. /slow/crash-pg/sigkill-sender: crash-child (PmService, four sends at a time) on the
 *    shop ledger's URI, killed with SIGKILL 5–600 ms after it starts; 20 kills that land
 *    while it runs (40 with -m slow). After each kill a fresh PmService on the same
 *    database reconciles, and:
 *     - every bill the ledger says reached the server is on the sandbox, no failed one is;
 *     - the sandbox holds at least those and at most those plus the intents still without
 *       an outcome (a desk's intents stay leased to it for PM_LEDGER_PG_LEASE_SECONDS, so
 *       another desk's recovery leaves them alone that long).
 *    At the end, once those leases ended, a last reconcile settles every intent, and the
 *    sandbox holds exactly one bill per intent that reached it: none lost, none twice.
 *
 * 2. /slow/crash-pg/server-killed-single: crash-child sends 2000 bills; once some reached
 *    the sandbox, the PostgreSQL server is killed (SIGKILL of every server process, as a
 *    crash), the child is left to fail (and killed if it hangs), the server restarted
 *    and a fresh desk reconciles (the same checks as after a kill); three times (six with
 *    -m slow). Then, the leases ended, the recovery: the same checks, exact.
 *
 * 3. /slow/crash-pg/server-killed-bulk: the real paymint-cli bulk-send of a CSV of 1200
 *    rows (--ledger URI, --sandbox-url); the server is killed mid-send, then restarted,
 *    and the same command run again until it completes: every row on the sandbox exactly once,
 *    with its amount; one intent per row in the ledger, each on the sandbox; the same
 *    command once more sends nothing.
 *
 * The CLI and the child get a working directory of their own (pm_service_new() makes the
 * "folder" of a postgresql:// address relative to it).
 */

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "pm-ledger-pg-private.h"
#include "pm-sandbox.h"
#include "pm-service.h"
#include "pm-test-pg.h"
#include "pm-test-util.h"

#define PROFILE_UUID "c4a5b000-0000-4000-8000-00000000c4a6"
/* paymint-cli's profile with --sandbox-url (PM_CLI_SANDBOX_PROFILE_UUID in src/cli) */
#define CLI_PROFILE_UUID "5a4db0c5-0000-4000-8000-000000000001"

/* crash-child's bills when the server is killed, and the CSV's rows: a send that lasts
 * well beyond the seconds pg-server kill may take to land */
#define SERVER_KILL_BILLS 2000
#define BULK_ROWS         1200

enum
{
  STREAM_SINGLE = 1,
  STREAM_SERVER_KILL,
  STREAM_BULK,
};

static guint32 seed;
static char *work_dir;

static GRand *
stream_new (guint32 stream,
            guint32 index)
{
  guint32 words[3] = { seed, stream, index };

  return g_rand_new_with_seed_array (words, G_N_ELEMENTS (words));
}

static guint32
crash_seed (void)
{
  const char *env = g_getenv ("PM_CRASH_SEED");
  guint64 value = 0;
  g_autoptr(GError) error = NULL;

  if (env == NULL || *env == '\0')
    return g_random_int ();
  if (!g_ascii_string_to_unsigned (env, 10, 0, G_MAXUINT32, &value, &error))
    g_error ("PM_CRASH_SEED=%s: %s", env, error->message);
  return (guint32) value;
}

static gboolean
is_on_server (PmBillState state)
{
  return state == PM_BILL_STATE_UNPAID || state == PM_BILL_STATE_PAID
         || state == PM_BILL_STATE_CANCELLED || state == PM_BILL_STATE_DESTROYED;
}

static gboolean
is_unsettled (PmBillState state)
{
  return state == PM_BILL_STATE_QUEUED || state == PM_BILL_STATE_SENDING
         || state == PM_BILL_STATE_UNKNOWN;
}

static PmSandbox *
sandbox_start (char **url)
{
  PmSandbox *sandbox = pm_sandbox_new ();
  g_autoptr(GError) error = NULL;

  pm_sandbox_set_payers (sandbox, 0.0, 60, 60, 0.0);
  g_assert_true (pm_sandbox_start (sandbox, NULL, 0, &error));
  g_assert_no_error (error);
  *url = pm_sandbox_dup_base_url (sandbox);
  return sandbox;
}

static PmProfile *
profile_new (const char *uuid,
             const char *url)
{
  PmProfile *profile = pm_profile_new ();

  pm_profile_set_uuid (profile, uuid);
  pm_profile_set_name (profile, "crash-pg");
  pm_profile_set_base_url (profile, url);
  pm_profile_set_api_key (profile, PM_SANDBOX_DEMO_KEY);
  return profile;
}

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

typedef struct
{
  guint on_server;   /* intents the ledger says reached the server */
  guint failed;
  guint unsettled;   /* queued, sending, unknown: leased to a dead desk, or not settled */
  guint total;
} LedgerState;

/* A fresh desk opens the shop ledger, reconciles (as the app does on start) and checks it
 * against the sandbox. @exact: every intent must be settled now, and the sandbox hold
 * exactly the ones that reached it. */
static LedgerState
reconcile_and_check (PmSandbox  *sandbox,
                     const char *uri,
                     PmProfile  *profile,
                     gboolean    exact)
{
  g_autoptr(PmService) service = NULL;
  g_autoptr(PmLedgerQuery) query = pm_ledger_query_new ();
  g_autoptr(GPtrArray) bills = NULL;
  g_autoptr(GHashTable) ids = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GError) error = NULL;
  guint n_unsettled = G_MAXUINT;
  LedgerState s = { 0 };
  guint on_sandbox;

  service = pm_service_new (uri, &error);
  g_assert_no_error (error);
  pm_service_set_profile (service, profile);
  pm_service_set_polling (service, FALSE, 1);
  pm_service_start_async (service, NULL, started_cb, &n_unsettled);
  while (n_unsettled == G_MAXUINT)
    g_main_context_iteration (NULL, TRUE);
  if (exact)
    g_assert_cmpuint (n_unsettled, ==, 0);

  bills = pm_ledger_fetch (pm_service_get_ledger (service), query, 0, 0, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < bills->len; i++)
    {
      PmBill *bill = g_ptr_array_index (bills, i);
      PmBillState state = pm_bill_get_state (bill);
      const char *id = pm_bill_get_bill_id (bill);
      g_autofree char *server = pm_sandbox_dup_bill_state (sandbox, id);

      /* one row per bill id */
      g_assert_false (g_hash_table_contains (ids, id));
      g_hash_table_add (ids, (gpointer) id);
      s.total++;
      if (is_on_server (state))
        {
          if (server == NULL)
            g_test_fail_printf ("bill %s is %s in the ledger but not on the server", id,
                                pm_bill_state_to_string (state));
          s.on_server++;
        }
      else if (state == PM_BILL_STATE_FAILED || state == PM_BILL_STATE_NOT_SENT)
        {
          if (server != NULL)
            g_test_fail_printf ("bill %s is %s in the ledger but on the server", id,
                                pm_bill_state_to_string (state));
          s.failed++;
        }
      else
        {
          g_assert_true (is_unsettled (state));
          s.unsettled++;
        }
    }
  on_sandbox = pm_sandbox_count_bills (sandbox);
  g_test_message ("ledger: %u bills, %u on the server, %u failed or not sent, %u without an "
                  "outcome; the sandbox has %u", s.total, s.on_server, s.failed, s.unsettled,
                  on_sandbox);
  if (exact)
    {
      g_assert_cmpuint (s.unsettled, ==, 0);
      /* each sandbox bill is one of the ledger's (its ids are unique): none lost, none
       * twice */
      g_assert_cmpuint (on_sandbox, ==, s.on_server);
    }
  else
    {
      g_assert_cmpuint (on_sandbox, >=, s.on_server);
      g_assert_cmpuint (on_sandbox, <=, s.on_server + s.unsettled);
    }
  return s;
}

/* Until every lease a dead desk held has ended (its intents are then another desk's to
 * settle). Waiting, not asserting a time. */
static void
wait_leases_end (void)
{
  g_test_message ("waiting %d s for the dead desks' leases to end",
                  PM_LEDGER_PG_LEASE_SECONDS + 2);
  pm_test_spin ((PM_LEDGER_PG_LEASE_SECONDS + 2) * 1000);
}

/* crash-child on @uri, @count bills; its API key on stdin. */
static GPid
child_spawn (const char *uri,
             const char *url,
             guint       count,
             guint32     child_seed)
{
  g_autofree char *child = g_test_build_filename (G_TEST_BUILT, "slow", "crash-child", NULL);
  g_autofree char *count_text = g_strdup_printf ("%u", count);
  g_autofree char *seed_text = g_strdup_printf ("%u", child_seed);
  const char *argv[] = { child, uri, url, PROFILE_UUID, count_text, seed_text, NULL };
  g_autoptr(GError) error = NULL;
  GPid pid;
  int in_fd;

  g_spawn_async_with_pipes (work_dir, (char **) argv, NULL, G_SPAWN_DO_NOT_REAP_CHILD, NULL,
                            NULL, &pid, &in_fd, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (write (in_fd, PM_SANDBOX_DEMO_KEY "\n", strlen (PM_SANDBOX_DEMO_KEY) + 1),
                   >, 0);
  close (in_fd);
  return pid;
}

/* Reaps @pid; TRUE when it died of a signal. */
static gboolean
child_reap (GPid pid,
            int *status_out)
{
  int status = 0;

  while (waitpid (pid, &status, 0) < 0 && errno == EINTR)
    ;
  g_spawn_close_pid (pid);
  if (status_out != NULL)
    *status_out = status;
  return WIFSIGNALED (status);
}

/* Whether @pid has ended within @ms (reaped then), polling. */
static gboolean
child_wait (GPid  pid,
            guint ms,
            int  *status)
{
  for (guint waited = 0; waited < ms; waited += 50)
    {
      int st = 0;
      pid_t r = waitpid (pid, &st, WNOHANG);

      if (r == pid)
        {
          g_spawn_close_pid (pid);
          *status = st;
          return TRUE;
        }
      g_usleep (50 * 1000);
    }
  return FALSE;
}

/* Until the sandbox holds more than @than bills, for at most @ms; whether it does. */
static gboolean
sandbox_wait_above (PmSandbox *sandbox,
                    guint      than,
                    guint      ms)
{
  for (guint waited = 0; waited < ms; waited += 10)
    {
      if (pm_sandbox_count_bills (sandbox) > than)
        return TRUE;
      g_usleep (10 * 1000);
    }
  return pm_sandbox_count_bills (sandbox) > than;
}

static void
kill_server (void)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (pm_test_pg_kill (&error));
  g_assert_no_error (error);
}

static void
restart_server (void)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (pm_test_pg_restart (&error));
  g_assert_no_error (error);
}

static void
print_seed (const char *what)
{
  g_test_message ("seed: %" G_GUINT32_FORMAT, seed);
  g_printerr ("test-crash-pg %s: seed %" G_GUINT32_FORMAT " (replay: PM_CRASH_SEED=%"
              G_GUINT32_FORMAT "), files in %s\n", what, seed, seed, work_dir);
}

/* ---- 1: the sender killed ---- */

static void
test_sigkill_sender (void)
{
  g_autofree char *url = NULL;
  g_autoptr(PmSandbox) sandbox = NULL;
  g_autoptr(PmProfile) profile = NULL;
  g_autofree char *uri = NULL;
  guint runs = g_test_slow () ? 40 : 20;
  guint killed = 0;
  guint run;
  LedgerState s;

  PM_TEST_PG_REQUIRE ();
  print_seed ("sigkill-sender");
  uri = pm_test_pg_new_database ("crash_single");
  sandbox = sandbox_start (&url);
  profile = profile_new (PROFILE_UUID, url);
  pm_sandbox_set_latency (sandbox, "request", 15);

  for (run = 0; killed < runs && run < runs * 4; run++)
    {
      g_autoptr(GRand) rng = stream_new (STREAM_SINGLE, run);
      guint delay_ms = (guint) g_rand_int_range (rng, 5, 600);
      guint before = pm_sandbox_count_bills (sandbox);
      GPid pid = child_spawn (uri, url, 40, g_rand_int (rng));

      g_usleep (delay_ms * 1000);
      kill (pid, SIGKILL);
      if (child_reap (pid, NULL))
        killed++;
      /* what the dead child left on the wire lands within the latency */
      g_usleep (60 * 1000);
      g_test_message ("run %u: killed after %u ms; the sandbox had %u bills, now %u", run,
                      delay_ms, before, pm_sandbox_count_bills (sandbox));
      reconcile_and_check (sandbox, uri, profile, FALSE);
    }
  g_assert_cmpuint (killed, >=, runs);

  wait_leases_end ();
  s = reconcile_and_check (sandbox, uri, profile, TRUE);
  g_test_message ("%u runs, %u killed; %u bills on the server", run, killed, s.on_server);
  g_assert_cmpuint (s.on_server, >, 0);
}

/* ---- 2: the server killed under the sender ---- */

static void
test_server_killed_single (void)
{
  g_autofree char *url = NULL;
  g_autoptr(PmSandbox) sandbox = NULL;
  g_autoptr(PmProfile) profile = NULL;
  g_autofree char *uri = NULL;
  g_autoptr(GRand) rng = NULL;
  LedgerState s;
  guint rounds = g_test_slow () ? 6 : 3;

  PM_TEST_PG_REQUIRE ();
  print_seed ("server-killed-single");
  uri = pm_test_pg_new_database ("crash_server");
  sandbox = sandbox_start (&url);
  profile = profile_new (PROFILE_UUID, url);

  for (guint round = 0; round < rounds; round++)
    {
      guint before = pm_sandbox_count_bills (sandbox);
      guint after_kill;
      GPid pid;
      int status = 0;

      rng = stream_new (STREAM_SERVER_KILL, round);
      pm_sandbox_set_latency (sandbox, "request", (guint) g_rand_int_range (rng, 20, 40));
      pid = child_spawn (uri, url, SERVER_KILL_BILLS, g_rand_int (rng));

      /* mid-send: some bills reached the sandbox, then a few more milliseconds */
      if (!sandbox_wait_above (sandbox, before, 20000))
        {
          kill (pid, SIGKILL);
          child_reap (pid, NULL);
          g_error ("round %u: crash-child sent nothing in 20 s", round);
        }
      g_usleep ((guint) g_rand_int_range (rng, 0, 300) * 1000);
      kill_server ();
      after_kill = pm_sandbox_count_bills (sandbox);
      /* the kill landed while it sent (pg-server kill may take seconds on a busy machine) */
      g_assert_cmpuint (after_kill - before, <, SERVER_KILL_BILLS);

      /* the sender fails on (or hangs): it is not asked to survive, only not to lie */
      if (!child_wait (pid, 30000, &status))
        {
          kill (pid, SIGKILL);
          child_reap (pid, &status);
          g_test_message ("round %u: crash-child still ran 30 s after the server died: killed",
                          round);
        }
      else
        g_test_message ("round %u: crash-child ended by itself (%s %d) after the server died",
                        round, WIFSIGNALED (status) ? "signal" : "exit",
                        WIFSIGNALED (status) ? WTERMSIG (status) : WEXITSTATUS (status));
      g_test_message ("round %u: the server was killed with %u of this round's bills on the "
                      "sandbox, %u now", round, after_kill - before,
                      pm_sandbox_count_bills (sandbox) - before);

      restart_server ();
      /* right away: a desk starts while the dead one's leases still hold */
      s = reconcile_and_check (sandbox, uri, profile, FALSE);
      g_assert_cmpuint (s.on_server + s.unsettled, >=, after_kill);
    }

  /* the recovery, once the dead desks' leases ended: every intent settled, exactly */
  wait_leases_end ();
  s = reconcile_and_check (sandbox, uri, profile, TRUE);
  g_assert_cmpuint (s.on_server, >, 0);
}

/* ---- 3: the server killed under paymint-cli bulk-send ---- */

typedef struct
{
  char       *path;
  char       *batch;
  guint       n_rows;
  GHashTable *rows;   /* phone digits → amount in won */
} Csv;

static void
csv_free (Csv *csv)
{
  g_free (csv->path);
  g_free (csv->batch);
  g_hash_table_unref (csv->rows);
  g_free (csv);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Csv, csv_free)

static Csv *
csv_new (guint n_rows)
{
  g_autoptr(GRand) rng = stream_new (STREAM_BULK, 0);
  g_autoptr(GString) text = g_string_new ("이름,전화번호,금액,상품명,메시지\n");
  g_autoptr(GError) error = NULL;
  Csv *csv = g_new0 (Csv, 1);

  csv->path = g_build_filename (work_dir, "shop.csv", NULL);
  csv->batch = g_strdup_printf ("crash-pg %u", seed);
  csv->n_rows = n_rows;
  csv->rows = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  for (guint i = 0; i < n_rows; i++)
    {
      guint won = (guint) g_rand_int_range (rng, 10, 5000) * 100;
      g_autofree char *phone = g_strdup_printf ("0108%03u%04u", 100 + i % 7, 2000 + i);

      g_string_append_printf (text, "손님%u,%.3s-%.4s-%.4s,%u,12월 회비,\"안내, %u번\"\n", i,
                              phone, phone + 3, phone + 7, won, i);
      g_hash_table_insert (csv->rows, g_steal_pointer (&phone), GUINT_TO_POINTER (won));
    }
  g_assert_true (g_file_set_contents (csv->path, text->str, (gssize) text->len, &error));
  g_assert_no_error (error);
  return csv;
}

static GSubprocess *
cli_spawn (const char *uri,
           const char *url,
           Csv        *csv,
           GError    **error)
{
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_NONE);
  g_autofree char *cli = g_build_filename (g_getenv ("PM_BUILD_ROOT"), "src", "cli",
                                           "paymint-cli", NULL);
  g_autofree char *log = g_build_filename (work_dir, "cli.log", NULL);
  int fd = g_open (log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);

  g_assert_cmpint (fd, >=, 0);
  g_subprocess_launcher_set_cwd (launcher, work_dir);
  g_subprocess_launcher_set_stdin_file_path (launcher, "/dev/null");
  g_subprocess_launcher_take_stdout_fd (launcher, dup (fd));
  g_subprocess_launcher_take_stderr_fd (launcher, fd);
  return g_subprocess_launcher_spawn (launcher, error, cli, "--sandbox-url", url, "--ledger",
                                      uri, "bulk-send", "--yes", "--batch", csv->batch,
                                      "--parallel", "4", csv->path, NULL);
}

/* Runs the CLI to its end; its exit status. */
static int
cli_run (const char *uri,
         const char *url,
         Csv        *csv)
{
  g_autoptr(GSubprocess) proc = NULL;
  g_autoptr(GError) error = NULL;

  proc = cli_spawn (uri, url, csv, &error);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_wait (proc, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_if_exited (proc));
  return g_subprocess_get_exit_status (proc);
}

/* The ledger's intents of @csv's rows: at most one per row, none of another phone. */
static guint
check_bulk_ledger (PmSandbox  *sandbox,
                   const char *uri,
                   Csv        *csv,
                   gboolean    complete)
{
  g_autoptr(PmLedger) ledger = NULL;
  g_autoptr(PmLedgerQuery) query = pm_ledger_query_new ();
  g_autoptr(GPtrArray) bills = NULL;
  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GError) error = NULL;
  guint on_server = 0;

  ledger = pm_ledger_new (uri, &error);
  g_assert_no_error (error);
  bills = pm_ledger_fetch (ledger, query, 0, 0, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < bills->len; i++)
    {
      PmBill *bill = g_ptr_array_index (bills, i);
      const char *phone = pm_bill_get_phone (bill);
      PmBillState state = pm_bill_get_state (bill);
      gpointer won;

      g_assert_true (g_hash_table_lookup_extended (csv->rows, phone, NULL, &won));
      if (g_hash_table_contains (seen, phone))
        g_test_fail_printf ("row %s has two intents", phone);
      g_hash_table_add (seen, (gpointer) phone);
      g_assert_cmpint (pm_bill_get_price (bill), ==, GPOINTER_TO_UINT (won));
      if (is_on_server (state))
        {
          g_autofree char *server = pm_sandbox_dup_bill_state (sandbox,
                                                               pm_bill_get_bill_id (bill));

          g_assert_nonnull (server);
          on_server++;
        }
      if (complete)
        g_assert_true (state == PM_BILL_STATE_UNPAID || state == PM_BILL_STATE_PAID);
    }
  if (complete)
    g_assert_cmpuint (g_hash_table_size (seen), ==, csv->n_rows);
  /* a bill on the sandbox without its intent would be a lost intent */
  g_assert_cmpuint (pm_sandbox_count_bills (sandbox), <=, bills->len);
  return on_server;
}

static void
test_server_killed_bulk (void)
{
  g_autofree char *url = NULL;
  g_autoptr(PmSandbox) sandbox = NULL;
  g_autoptr(GSubprocess) proc = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(Csv) csv = NULL;
  g_autofree char *uri = NULL;
  g_autoptr(GRand) rng = NULL;
  guint after_kill;
  int status;
  guint attempt;

  PM_TEST_PG_REQUIRE ();
  print_seed ("server-killed-bulk");
  uri = pm_test_pg_new_database ("crash_bulk");
  sandbox = sandbox_start (&url);
  rng = stream_new (STREAM_BULK, 1);
  pm_sandbox_set_latency (sandbox, "request", 30);
  csv = csv_new (BULK_ROWS);

  proc = cli_spawn (uri, url, csv, &error);
  g_assert_no_error (error);
  if (!sandbox_wait_above (sandbox, 0, 30000))
    {
      g_subprocess_force_exit (proc);
      g_error ("paymint-cli bulk-send sent nothing in 30 s (see %s/cli.log)", work_dir);
    }
  g_usleep ((guint) g_rand_int_range (rng, 0, 200) * 1000);
  kill_server ();
  after_kill = pm_sandbox_count_bills (sandbox);
  g_test_message ("the server was killed with %u of %u rows on the sandbox", after_kill,
                  csv->n_rows);

  /* the CLI fails (or hangs, and is killed): it must not claim the batch was sent */
  {
    gboolean ended = FALSE;

    for (guint waited = 0; waited < 30000 && !ended; waited += 100)
      {
        g_usleep (100 * 1000);
        ended = g_subprocess_get_identifier (proc) == NULL;
      }
    if (!ended)
      {
        g_test_message ("bulk-send still ran 30 s after the server died: killed");
        g_subprocess_force_exit (proc);
      }
    g_assert_true (g_subprocess_wait (proc, NULL, &error));
    g_assert_no_error (error);
    if (g_subprocess_get_if_exited (proc))
      {
        g_test_message ("bulk-send exited with %d", g_subprocess_get_exit_status (proc));
        g_assert_cmpint (g_subprocess_get_exit_status (proc), !=, 0);
      }
  }
  g_assert_cmpuint (pm_sandbox_count_bills (sandbox), <, csv->n_rows);

  restart_server ();
  check_bulk_ledger (sandbox, uri, csv, FALSE);

  /* the recovery: the same command again, at once (the dead run's leases may still hold
   * its intents: then the run cannot settle them and says so), and after they ended */
  for (attempt = 0; attempt < 4; attempt++)
    {
      status = cli_run (uri, url, csv);
      g_test_message ("bulk-send again (%u): exit %d; %u of %u rows on the sandbox", attempt,
                      status, pm_sandbox_count_bills (sandbox), csv->n_rows);
      check_bulk_ledger (sandbox, uri, csv, FALSE);
      if (status == 0)
        break;
      wait_leases_end ();
    }
  g_assert_cmpint (status, ==, 0);

  /* every row exactly once on the sandbox, with its amount */
  g_assert_cmpuint (check_bulk_ledger (sandbox, uri, csv, TRUE), ==, csv->n_rows);
  g_assert_cmpuint (pm_sandbox_count_bills (sandbox), ==, csv->n_rows);

  /* once more: nothing to send */
  g_assert_cmpint (cli_run (uri, url, csv), ==, 0);
  g_assert_cmpuint (pm_sandbox_count_bills (sandbox), ==, csv->n_rows);
}

int
main (int   argc,
      char *argv[])
{
  const char *home;

  home = pm_test_init (&argc, &argv);
  seed = crash_seed ();
  work_dir = g_build_filename (home, "crash-pg", NULL);
  g_assert_cmpint (g_mkdir_with_parents (work_dir, 0700), ==, 0);
  /* pm_service_new() makes the "folder" of the address, relative to here */
  g_assert_cmpint (g_chdir (work_dir), ==, 0);

  g_test_add_func ("/slow/crash-pg/sigkill-sender", test_sigkill_sender);
  g_test_add_func ("/slow/crash-pg/server-killed-single", test_server_killed_single);
  g_test_add_func ("/slow/crash-pg/server-killed-bulk", test_server_killed_bulk);
  return g_test_run ();
}
