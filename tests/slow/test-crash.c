/* test-crash.c — a sender killed at any instant loses no intent and makes no second bill
 *
 * Copyright 2026 The Paymint Desk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The seed. Every random choice below (kill instants, prices, the CSV rows, the CLI's
 * --parallel, the sandbox's latencies) comes from one 32-bit seed, drawn afresh on every
 * run (g_random) and printed first, as the TAP comment "# seed: N" and on stderr. To
 * replay a run, give its seed back:
 *
 *     PM_CRASH_SEED=N meson test -C _build --suite slow test-crash
 *
 * Each kill, price and row is drawn from its own stream (seed, phase, index: the single
 * send's run, the CSV round, the round and run of a bulk-send), so a replay kills at the
 * same instants and sends the same rows whatever happened before. What it cannot replay
 * is the machine's own timing: the same instant may land a few milliseconds earlier or
 * later in the sender's work, so a replayed round may end a run earlier or later.
 *
 * The sandbox is a PmSandbox in this process, on a loopback port, with a state file: it
 * outlives every sender killed here. Two phases, against the one sandbox:
 *
 * 1. Single sends. 50 runs (100 with -m slow): a child process (crash-child) sends 40 bills,
 *    four at a time, through PmService and is killed with SIGKILL 5–350 ms after it
 *    starts.
 *    After each kill a new PmService opens the same ledger and reconciles. Then:
 *     - every intent in the ledger is in a definite state;
 *     - every intent the ledger says reached the server exists on the sandbox, and every
 *       intent that failed does not;
 *     - the sandbox holds exactly as many bills as those intents, so no intent produced
 *       two bills (the sandbox also refuses a reused bill_id).
 *
 * 2. A CSV batch, sent and resumed. The real paymint-cli runs `bulk-send --yes --batch
 *    NAME FILE` on a CSV of 40–80 unique rows (its own ledger, --sandbox-url), is killed
 *    with SIGKILL at a random instant of its run (start-up and settling of the last
 *    run's intents included), and the same command is run again, killed again, … 40
 *    kills in all (80 with -m slow); a run that ends by itself completes its round, and
 *    the next round sends a new file under a new batch name. Each run draws its kill
 *    instant (0–500 ms), its --parallel (1, 2, 4, 8) and the sandbox's latencies
 *    (request 2–40 ms, read 0–20 ms). After every kill:
 *     - the ledger never holds two intents for one row, nor a row of another file;
 *     - every intent the ledger says reached the server exists on the sandbox, none
 *       failed, and the sandbox never holds more of the batch's bills than the ledger
 *       has intents (a bill without its intent would be a lost intent).
 *    When a round completes (and for the last one, run to its end without a kill):
 *     - the run ended with exit status 0; a final reconcile leaves nothing unsettled;
 *     - the ledger holds exactly one intent per row, each unpaid (or paid), with the
 *       row's amount, each on the sandbox; the sandbox gained exactly one bill per row;
 *     - the same command once more sends nothing.
 *    At least 15 of the kills must land while the batch was being sent or resumed: new
 *    bills reached the sandbox during the killed run, or it changed the ledger (settled
 *    intents of an earlier run, or wrote new ones) — not merely while starting. On a
 *    loaded machine, where more kills land in the start-up, it kills on past 40 until
 *    they do.
 *
 * At the end the sandbox is restarted from its state file and still holds them all, and
 * that file, read bill by bill, holds exactly one bill for every CSV row (by phone, with
 * the row's amount) and no other bill but the single sends' ones.
 *
 * Failing: the temporary directory named at the start keeps the ledgers, the sandbox's
 * state file and cli.log (everything paymint-cli printed, run by run).
 */

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "pm-sandbox.h"
#include "pm-service.h"
#include "pm-test-util.h"

#define PROFILE_UUID "c4a5b000-0000-4000-8000-00000000c4a5"
/* paymint-cli's profile with --sandbox-url (PM_CLI_SANDBOX_PROFILE_UUID in src/cli) */
#define CLI_PROFILE_UUID "5a4db0c5-0000-4000-8000-000000000001"

/* the streams of random numbers drawn from the seed */
enum
{
  STREAM_SINGLE = 1,  /* index: run */
  STREAM_BULK_KILL,   /* index: round << 16 | run of the round */
  STREAM_BULK_ROWS,   /* index: round */
};

/* The latest instant, in ms after it starts, at which a bulk-send is killed. A resumed
 * CLI first settles the intents the last one left without an outcome (up to 32, one
 * read each), then writes intents 32 at a time and sends them: here it starts in some
 * 50 ms, settles in 0–300 ms and sends a row in 2–40 ms (/ --parallel), so the instants
 * fall in start-up, settling, writing and sending alike, and a round of 40–80 rows takes
 * some 3–10 runs on an idle machine, 20–40 on a loaded one. */
#define BULK_KILL_MAX_MS 500
#define BULK_MIN_MID_BATCH 15

static GRand *
stream_new (guint32 seed,
            guint32 stream,
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

static gboolean
is_unsettled (PmBillState state)
{
  return state == PM_BILL_STATE_QUEUED || state == PM_BILL_STATE_SENDING
         || state == PM_BILL_STATE_UNKNOWN;
}

static GPtrArray *
ledger_fetch_all (PmLedger *ledger)
{
  g_autoptr(PmLedgerQuery) query = pm_ledger_query_new ();
  g_autoptr(GError) error = NULL;
  GPtrArray *bills;

  bills = pm_ledger_fetch (ledger, query, 0, 0, &error);
  g_assert_no_error (error);
  return bills;
}

/* Reconciles the ledger in a fresh service and checks it against the sandbox; returns
 * the number of intents that reached the server. */
static guint
reconcile_and_check (PmSandbox  *sandbox,
                     const char *ledger_path,
                     PmProfile  *profile)
{
  g_autoptr(PmService) service = NULL;
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

  bills = ledger_fetch_all (pm_service_get_ledger (service));
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

/* ---- phase 1: single sends ---- */

static guint
single_sends (PmSandbox   *sandbox,
              const char  *dir,
              const char  *url,
              guint32      seed)
{
  g_autoptr(PmProfile) profile = pm_profile_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *ledger = g_build_filename (dir, "ledger.db", NULL);
  g_autofree char *child = g_test_build_filename (G_TEST_BUILT, "slow", "crash-child", NULL);
  guint runs = g_test_slow () ? 100 : 50;
  guint on_server = 0;
  guint killed_mid_send = 0;
  gint64 started = g_get_monotonic_time ();

  pm_profile_set_uuid (profile, PROFILE_UUID);
  pm_profile_set_name (profile, "crash");
  pm_profile_set_base_url (profile, url);
  pm_profile_set_api_key (profile, PM_SANDBOX_DEMO_KEY);
  /* a little latency widens the window in which a request is on the wire */
  pm_sandbox_set_latency (sandbox, "request", 15);

  guint run;

  /* A child that happens to finish before its kill still counts as a checked run, but
   * not toward the kills: keep going (within a cap) until @runs kills landed while the
   * child was sending, whatever the machine's load. */
  for (run = 0; killed_mid_send < runs && run < runs * 4; run++)
    {
      g_autoptr(GRand) rng = stream_new (seed, STREAM_SINGLE, run);
      guint delay_ms = (guint) g_rand_int_range (rng, 5, 350);
      g_autofree char *child_seed = g_strdup_printf ("%u", g_rand_int (rng));
      const char *argv[] = { child, ledger, url, PROFILE_UUID, "40", child_seed, NULL };
      GPid pid;
      int in_fd;
      int status = 0;
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

      g_test_message ("single %u: killed after %u ms; the sandbox had %u bills before, %u now",
                      run, delay_ms, before, pm_sandbox_count_bills (sandbox));
      on_server = reconcile_and_check (sandbox, ledger, profile);
    }

  g_test_message ("single sends: %u runs, %u killed while sending, %u bills on the server "
                  "(%.1f s)", run, killed_mid_send, on_server,
                  (g_get_monotonic_time () - started) / (double) G_USEC_PER_SEC);
  g_assert_cmpuint (killed_mid_send, >=, runs);
  g_assert_cmpuint (on_server, >, 0);
  return on_server;
}

/* ---- phase 2: a CSV batch, sent and resumed ---- */

typedef struct
{
  guint       index;
  char       *path;
  char       *batch;
  guint       n_rows;
  GHashTable *rows;   /* phone digits → amount in won (GINT_TO_POINTER) */
} Round;

static void
round_free (Round *round)
{
  g_free (round->path);
  g_free (round->batch);
  g_hash_table_unref (round->rows);
  g_free (round);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Round, round_free)

/* Round @index: a CSV file of 40–80 rows, no two alike (every phone and name differs,
 * across rounds too), under a batch name of its own. */
static Round *
round_new (const char *dir,
           guint32     seed,
           guint       index)
{
  g_autoptr(GRand) rng = stream_new (seed, STREAM_BULK_ROWS, index);
  g_autoptr(GString) csv = g_string_new ("이름,전화번호,금액,상품명,메시지\n");
  g_autoptr(GError) error = NULL;
  g_autofree char *name = g_strdup_printf ("round-%u.csv", index);
  Round *round = g_new0 (Round, 1);

  round->index = index;
  round->path = g_build_filename (dir, name, NULL);
  round->batch = g_strdup_printf ("crash %u-%u", seed, index);
  round->n_rows = (guint) g_rand_int_range (rng, 40, 81);
  round->rows = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  for (guint i = 0; i < round->n_rows; i++)
    {
      guint won = (guint) g_rand_int_range (rng, 10, 5000) * 100;
      g_autofree char *phone = g_strdup_printf ("010%04u%04u", 7000 + index, 1000 + i);

      g_string_append_printf (csv, "고객%u-%u,%.3s-%.4s-%.4s,%u,%u월 회비,\"안내, %u번\"\n",
                              index, i, phone, phone + 3, phone + 7, won,
                              1 + g_rand_int_range (rng, 0, 12), i);
      g_hash_table_insert (round->rows, g_steal_pointer (&phone), GINT_TO_POINTER (won));
    }
  g_assert_true (g_file_set_contents (round->path, csv->str, (gssize) csv->len, &error));
  g_assert_no_error (error);
  return round;
}

static GSubprocess *
cli_spawn (const char *ledger,
           const char *url,
           const char *log,
           Round      *round,
           guint       parallel,
           GError    **error)
{
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_NONE);
  g_autofree char *cli = g_build_filename (g_getenv ("PM_BUILD_ROOT"), "src", "cli",
                                           "paymint-cli", NULL);
  g_autofree char *jobs = g_strdup_printf ("%u", parallel);
  int fd = g_open (log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);

  g_assert_cmpint (fd, >=, 0);
  g_subprocess_launcher_set_stdin_file_path (launcher, "/dev/null");
  g_subprocess_launcher_take_stdout_fd (launcher, dup (fd));
  g_subprocess_launcher_take_stderr_fd (launcher, fd);
  return g_subprocess_launcher_spawn (launcher, error, cli, "--sandbox-url", url, "--ledger",
                                      ledger, "bulk-send", "--yes", "--batch", round->batch,
                                      "--parallel", jobs, round->path, NULL);
}

static void
log_line (const char *log,
          const char *format,
          ...) G_GNUC_PRINTF (2, 3);

static void
log_line (const char *log,
          const char *format,
          ...)
{
  g_autofree char *text = NULL;
  int fd = g_open (log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  va_list ap;

  va_start (ap, format);
  text = g_strdup_vprintf (format, ap);
  va_end (ap);
  g_assert_cmpint (fd, >=, 0);
  g_assert_cmpint (write (fd, text, strlen (text)), ==, (gssize) strlen (text));
  close (fd);
}

typedef struct
{
  guint intents;    /* of this round's rows */
  guint on_server;  /* of those, in a state on the server */
  guint unsettled;  /* of those, queued, sending or unknown */
} RoundLedger;

/* Checks the bulk ledger after a kill or a run: one intent at most per row, only rows
 * of the files sent so far, none failed, each one the ledger says is on the server is
 * there; and the sandbox has no more of this round's bills than there are intents. */
static RoundLedger
check_bulk_ledger (PmSandbox  *sandbox,
                   const char *ledger_path,
                   Round      *round,
                   guint       round_bills)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PmLedger) ledger = pm_ledger_new (ledger_path, &error);
  g_autoptr(GPtrArray) bills = NULL;
  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  RoundLedger r = { 0 };

  g_assert_no_error (error);
  bills = ledger_fetch_all (ledger);
  for (guint i = 0; i < bills->len; i++)
    {
      PmBill *bill = g_ptr_array_index (bills, i);
      PmBillState state = pm_bill_get_state (bill);
      const char *phone = pm_bill_get_phone (bill);
      gpointer won;

      /* a row of an earlier round or of this one, never twice */
      g_assert_true (g_str_has_prefix (phone, "0107"));
      g_assert_false (g_hash_table_contains (seen, phone));
      g_hash_table_add (seen, (gpointer) phone);
      g_assert_cmpint (state, !=, PM_BILL_STATE_FAILED);
      if (is_on_server (state))
        {
          g_autofree char *server = pm_sandbox_dup_bill_state (sandbox,
                                                               pm_bill_get_bill_id (bill));

          g_assert_nonnull (server);
        }
      if (!g_hash_table_lookup_extended (round->rows, phone, NULL, &won))
        continue;
      g_assert_cmpint (pm_bill_get_price (bill), ==, GPOINTER_TO_INT (won));
      r.intents++;
      if (is_on_server (state))
        r.on_server++;
      else if (is_unsettled (state))
        r.unsettled++;
    }
  /* a bill on the server without its intent would be a lost intent */
  g_assert_cmpuint (round_bills, <=, r.intents);
  return r;
}

/* After a run that ended by itself: every row of @round exactly once, in a definite
 * state, and nothing more to send. */
static void
check_round_complete (PmSandbox  *sandbox,
                      const char *ledger_path,
                      const char *url,
                      const char *log,
                      Round      *round,
                      guint       other_bills)
{
  g_autoptr(PmProfile) profile = pm_profile_new ();
  g_autoptr(PmService) service = NULL;
  g_autoptr(GPtrArray) bills = NULL;
  g_autoptr(GSubprocess) proc = NULL;
  g_autoptr(GError) error = NULL;
  guint n_unsettled = G_MAXUINT;
  guint n_round = 0;
  guint before;

  /* the final reconcile, as the app would do on opening this ledger */
  pm_profile_set_uuid (profile, CLI_PROFILE_UUID);
  pm_profile_set_name (profile, "Sandbox");
  pm_profile_set_base_url (profile, url);
  pm_profile_set_api_key (profile, PM_SANDBOX_DEMO_KEY);
  pm_profile_set_mode (profile, PM_PROFILE_MODE_MMK);
  service = pm_service_new (ledger_path, &error);
  g_assert_no_error (error);
  pm_service_set_profile (service, profile);
  pm_service_set_polling (service, FALSE, 1);
  pm_service_start_async (service, NULL, started_cb, &n_unsettled);
  while (n_unsettled == G_MAXUINT)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpuint (n_unsettled, ==, 0);

  bills = ledger_fetch_all (pm_service_get_ledger (service));
  for (guint i = 0; i < bills->len; i++)
    {
      PmBill *bill = g_ptr_array_index (bills, i);
      PmBillState state = pm_bill_get_state (bill);
      g_autofree char *server = pm_sandbox_dup_bill_state (sandbox, pm_bill_get_bill_id (bill));

      g_assert_true (state == PM_BILL_STATE_UNPAID || state == PM_BILL_STATE_PAID);
      g_assert_nonnull (server);
      if (g_hash_table_contains (round->rows, pm_bill_get_phone (bill)))
        n_round++;
    }
  g_clear_object (&service);
  g_assert_cmpuint (n_round, ==, round->n_rows);
  g_assert_cmpuint (check_bulk_ledger (sandbox, ledger_path, round,
                                       round->n_rows).on_server, ==, round->n_rows);
  /* exactly one bill per row reached the sandbox: no row twice, none missing */
  g_assert_cmpuint (pm_sandbox_count_bills (sandbox), ==, other_bills + round->n_rows);

  /* the same command once more: nothing to send */
  before = pm_sandbox_count_bills (sandbox);
  log_line (log, "== round %u: once more\n", round->index);
  proc = cli_spawn (ledger_path, url, log, round, 8, &error);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_wait (proc, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_if_exited (proc));
  g_assert_cmpint (g_subprocess_get_exit_status (proc), ==, 0);
  g_assert_cmpuint (pm_sandbox_count_bills (sandbox), ==, before);
}

/* Returns the number of bills the bulk sends made (one per row of every round). */
static guint
bulk_sends (PmSandbox  *sandbox,
            const char *dir,
            const char *url,
            guint32     seed,
            guint       single_bills,
            guint      *n_rounds_out)
{
  g_autofree char *ledger = g_build_filename (dir, "bulk-ledger.db", NULL);
  g_autofree char *log = g_build_filename (dir, "cli.log", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(Round) round = NULL;
  guint kills_wanted = g_test_slow () ? 80 : 40;
  guint kills = 0;
  guint killed_sending = 0;  /* new bills reached the sandbox during the killed run */
  guint killed_settling = 0; /* the killed run changed the ledger, but no new bill yet */
  RoundLedger last = { 0 };
  guint runs_of_round = 0;
  guint other_bills = single_bills;  /* bills not of the current round */
  gint64 started = g_get_monotonic_time ();
  guint attempt;

  round = round_new (dir, seed, 0);
  /* a loaded machine starts the CLI slower, so more kills land in its start-up: then
   * more are made, until enough of them land in the batch itself */
  for (attempt = 0;
       kills < kills_wanted || killed_sending + killed_settling < BULK_MIN_MID_BATCH;
       attempt++)
    {
      guint run = runs_of_round++;
      g_autoptr(GRand) rng = stream_new (seed, STREAM_BULK_KILL, round->index << 16 | run);
      guint delay_ms = (guint) g_rand_int_range (rng, 0, BULK_KILL_MAX_MS);
      guint parallel = 1u << g_rand_int_range (rng, 0, 4);   /* 1, 2, 4 or 8 */
      guint request_ms = (guint) g_rand_int_range (rng, 2, 40);
      guint read_ms = (guint) g_rand_int_range (rng, 0, 20);
      g_autoptr(GSubprocess) proc = NULL;
      guint before = pm_sandbox_count_bills (sandbox) - other_bills;
      guint after;
      gint64 spawned;
      guint ran_ms;
      RoundLedger r;

      /* runs that end by themselves, or kills that never land in the batch, would mean
       * the instants do not fit this machine */
      g_assert_cmpuint (attempt, <, kills_wanted * 4);
      pm_sandbox_set_latency (sandbox, "request", request_ms);
      pm_sandbox_set_latency (sandbox, "read", read_ms);
      log_line (log, "== round %u run %u (attempt %u): --parallel %u, request %u ms, "
                "read %u ms, kill at %u ms\n", round->index, run, attempt, parallel,
                request_ms, read_ms, delay_ms);

      spawned = g_get_monotonic_time ();
      proc = cli_spawn (ledger, url, log, round, parallel, &error);
      g_assert_no_error (error);
      g_usleep (delay_ms * 1000);
      g_subprocess_send_signal (proc, SIGKILL);
      g_assert_true (g_subprocess_wait (proc, NULL, &error));
      g_assert_no_error (error);
      ran_ms = (guint) ((g_get_monotonic_time () - spawned) / 1000);

      /* requests the dead CLI left on the wire land within their latency */
      g_usleep ((request_ms + read_ms + 20) * 1000);
      after = pm_sandbox_count_bills (sandbox) - other_bills;
      g_assert_cmpuint (after, <=, round->n_rows);
      r = check_bulk_ledger (sandbox, ledger, round, after);

      if (g_subprocess_get_if_signaled (proc))
        {
          const char *when;

          g_assert_cmpint (g_subprocess_get_term_sig (proc), ==, SIGKILL);
          kills++;
          if (after > before)
            {
              killed_sending++;
              when = "sending";
            }
          else if (r.intents != last.intents || r.unsettled != last.unsettled
                   || r.on_server != last.on_server)
            {
              killed_settling++;
              when = "settling or writing intents";
            }
          else
            when = "starting";
          g_test_message ("bulk %u: round %u run %u killed at %u ms while %s (--parallel %u, "
                          "latency %u/%u ms): the sandbox had %u of %u rows, now %u; the "
                          "ledger %u intents, %u without an outcome",
                          attempt, round->index, run, delay_ms, when, parallel,
                          request_ms, read_ms, before, round->n_rows, after, r.intents,
                          r.unsettled);
          last = r;
          continue;
        }

      /* the run ended by itself: the round is complete */
      g_assert_true (g_subprocess_get_if_exited (proc));
      g_test_message ("bulk %u: round %u run %u ended by itself before its kill at %u ms "
                      "(--parallel %u, latency %u/%u ms; exit %d, reaped after %u ms): %u of "
                      "%u rows on the sandbox", attempt, round->index, run, delay_ms, parallel,
                      request_ms, read_ms, g_subprocess_get_exit_status (proc), ran_ms, after,
                      round->n_rows);
      g_assert_cmpint (g_subprocess_get_exit_status (proc), ==, 0);
      check_round_complete (sandbox, ledger, url, log, round, other_bills);
      other_bills += round->n_rows;
      {
        guint next = round->index + 1;

        g_clear_pointer (&round, round_free);
        round = round_new (dir, seed, next);
      }
      runs_of_round = 0;
      last = (RoundLedger) { 0 };
    }

  /* the last round: run to its end */
  {
    g_autoptr(GSubprocess) proc = NULL;

    pm_sandbox_set_latency (sandbox, "request", 15);
    pm_sandbox_set_latency (sandbox, "read", 0);
    log_line (log, "== round %u: to the end\n", round->index);
    proc = cli_spawn (ledger, url, log, round, 8, &error);
    g_assert_no_error (error);
    g_assert_true (g_subprocess_wait (proc, NULL, &error));
    g_assert_no_error (error);
    g_assert_true (g_subprocess_get_if_exited (proc));
    g_assert_cmpint (g_subprocess_get_exit_status (proc), ==, 0);
    check_round_complete (sandbox, ledger, url, log, round, other_bills);
    other_bills += round->n_rows;
  }

  g_test_message ("bulk sends: %u kills in %u runs (%u while sending, %u while settling or "
                  "writing intents, %u while starting), %u rounds, %u bills (%.1f s)", kills,
                  attempt + 1, killed_sending, killed_settling,
                  kills - killed_sending - killed_settling, round->index + 1,
                  other_bills - single_bills,
                  (g_get_monotonic_time () - started) / (double) G_USEC_PER_SEC);
  g_assert_cmpuint (killed_sending + killed_settling, >=, BULK_MIN_MID_BATCH);
  *n_rounds_out = round->index + 1;
  return other_bills - single_bills;
}

/* The sandbox's state file, bill by bill: one bill per CSV row of every round (by phone,
 * with its amount), and besides those only the single sends' bills. */
static void
check_state_file (const char *state,
                  const char *dir,
                  guint32     seed,
                  guint       n_rounds,
                  guint       single_bills)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GHashTable) count = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(GError) error = NULL;
  JsonArray *bills;
  guint n_single = 0;
  guint n_rows = 0;

  json_parser_load_from_file (parser, state, &error);
  g_assert_no_error (error);
  bills = json_object_get_array_member (json_node_get_object (json_parser_get_root (parser)),
                                        "bills");
  for (guint i = 0; i < json_array_get_length (bills); i++)
    {
      JsonObject *bill = json_array_get_object_element (bills, i);
      const char *phone = json_object_get_string_member (bill, "phone");
      g_autoptr(GString) digits = g_string_new (NULL);

      for (const char *p = phone; *p != '\0'; p++)
        if (g_ascii_isdigit (*p))
          g_string_append_c (digits, *p);
      if (strcmp (digits->str, "01098765432") == 0)
        {
          n_single++;
          continue;
        }
      g_hash_table_insert (count, g_strdup (digits->str),
                           GUINT_TO_POINTER (GPOINTER_TO_UINT (g_hash_table_lookup (count,
                                                                                   digits->str))
                                             + 1));
      /* the amount of the row: checked below through the rounds */
      g_hash_table_insert (count, g_strconcat (digits->str, ":won", NULL),
                           GINT_TO_POINTER ((int) json_object_get_int_member (bill, "price")));
    }
  g_assert_cmpuint (n_single, ==, single_bills);
  for (guint r = 0; r < n_rounds; r++)
    {
      g_autoptr(Round) round = round_new (dir, seed, r);
      GHashTableIter iter;
      gpointer phone, won;

      g_hash_table_iter_init (&iter, round->rows);
      while (g_hash_table_iter_next (&iter, &phone, &won))
        {
          g_autofree char *won_key = g_strconcat (phone, ":won", NULL);

          g_assert_cmpuint (GPOINTER_TO_UINT (g_hash_table_lookup (count, phone)), ==, 1);
          g_assert_cmpint (GPOINTER_TO_INT (g_hash_table_lookup (count, won_key)), ==,
                           GPOINTER_TO_INT (won));
          n_rows++;
        }
    }
  /* no bill for a phone of no row: every key is a row's phone or its amount */
  g_assert_cmpuint (g_hash_table_size (count), ==, 2 * n_rows);
  g_assert_cmpuint (json_array_get_length (bills), ==, single_bills + n_rows);
}

static void
test_crash (void)
{
  g_autoptr(PmSandbox) sandbox = pm_sandbox_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("crash-XXXXXX", &error);
  g_autofree char *state = g_build_filename (dir, "sandbox.json", NULL);
  g_autofree char *url = NULL;
  guint32 seed = crash_seed ();
  guint single_bills;
  guint bulk_bills;
  guint n_rounds = 0;

  g_assert_no_error (error);
  g_test_message ("seed: %" G_GUINT32_FORMAT, seed);
  g_printerr ("test-crash: seed %" G_GUINT32_FORMAT " (replay: PM_CRASH_SEED=%"
              G_GUINT32_FORMAT "), files in %s\n", seed, seed, dir);
  g_test_message ("files in %s", dir);

  pm_sandbox_set_payers (sandbox, 0.0, 60, 60, 0.0);
  g_assert_true (pm_sandbox_set_state_file (sandbox, state, &error));
  g_assert_no_error (error);
  g_assert_true (pm_sandbox_start (sandbox, NULL, 0, &error));
  url = pm_sandbox_dup_base_url (sandbox);

  single_bills = single_sends (sandbox, dir, url, seed);
  bulk_bills = bulk_sends (sandbox, dir, url, seed, single_bills, &n_rounds);

  /* the sandbox's own state survives a restart */
  pm_sandbox_stop (sandbox);
  g_clear_object (&sandbox);
  sandbox = pm_sandbox_new ();
  g_assert_true (pm_sandbox_set_state_file (sandbox, state, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (pm_sandbox_count_bills (sandbox), ==, single_bills + bulk_bills);
  check_state_file (state, dir, seed, n_rounds, single_bills);

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
