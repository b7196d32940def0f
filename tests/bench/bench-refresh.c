/* bench-refresh.c — refreshing N open bills: the poller against one parallel curl
 *
 * Copyright 2026 The Paymint Desk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * One sandbox, two clients, the same bills, the same parallelism: the desk's poller
 * (refresh-all with concurrency P) and the fair peer, ONE `curl --parallel
 * --parallel-max P` process reading every bill (POST /paymint/read, the same headers)
 * from a config file over kept-alive connections. Runs both RUNS times (alternating) and
 * prints every figure, the medians and their ratio (DESIGN.md target: ≥ 1.0× at 10,000
 * bills), with each client's CPU time per read (and instructions per read where the
 * kernel counts them; valgrind --tool=callgrind --collect-atstart=no
 * --toggle-collect=run_poller counts them anywhere, load or not). Then, once, automatic
 * polling (the app's steady state: the poller enabled, every bill due) reading all the
 * bills, with the number of due lists it asked the ledger for (PM_BENCH_NO_AUTOMATIC=1
 * skips it; so does --url). No pass/fail on time.
 * Usage: bench-refresh [--sandbox PATH | --in-process | --url URL [--create-url URL]
 *                      [--cacert FILE]] [N-BILLS] [PARALLELISM] [RUNS]
 * N-BILLS defaults to $PM_BENCH_REFRESH_BILLS, else 3000 (set it to 10000 for the target).
 * Without --url the sandbox runs on loopback as its own process (`paymint-sandbox --port 0
 * --seed 1 --pay-share 0`, from --sandbox, else the one built beside this benchmark), so
 * both clients face the same server and neither shares its process with it: the poller
 * and the sandbox in one process would share one malloc, GLib's global locks and the
 * same cores' caches, while curl has a process of its own. --in-process keeps the old
 * arrangement (the sandbox's worker threads in this process) for comparison. With --url
 * (a base URL ending in /api/v1, e.g. https://127.0.0.1:PORT/api/v1 through
 * bench-wan.sh's delay proxy) both clients read from that sandbox, started by the caller
 * with payers off; the bills are created through --create-url when given (the sandbox's
 * own port, skipping the slow link). --cacert is passed to curl; the desk trusts only
 * what the system trusts.
 */

#include "config.h"

#include <glib/gstdio.h>
#include <errno.h>
#include <locale.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>
#ifdef __linux__
#include <linux/perf_event.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#endif
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pm-poller.h"
#include "pm-sandbox.h"
#include "pm-sender.h"
#include "pm-service.h"

static char *opt_url;
static char *opt_create_url;
static char *opt_cacert;
static char *opt_sandbox;
static gboolean opt_in_process;

static guint sent;
static guint failed;

static void
sent_cb (GObject      *object,
         GAsyncResult *result,
         gpointer      user_data)
{
  g_autoptr(PmBill) bill = NULL;
  g_autoptr(GError) error = NULL;
  GPtrArray *ids = user_data;

  bill = pm_service_send_finish (PM_SERVICE (object), result, &error);
  if (bill != NULL)
    g_ptr_array_add (ids, g_strdup (pm_bill_get_bill_id (bill)));
  else
    failed++;
  sent++;
}

static void
idle_cb (PmPoller *poller,
         gboolean *done)
{
  *done = TRUE;
}

static int
cmp_double (gconstpointer a,
            gconstpointer b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return x < y ? -1 : x > y;
}

static double
median (GArray *values)
{
  g_array_sort (values, cmp_double);
  if (values->len == 0)
    return 0;
  if (values->len % 2)
    return g_array_index (values, double, values->len / 2);
  return (g_array_index (values, double, values->len / 2 - 1)
          + g_array_index (values, double, values->len / 2)) / 2;
}

/* Instructions this process (and the children it starts meanwhile) executes, user and
 * kernel: unlike seconds, they hardly change with the machine's load. -1 where the
 * kernel does not let us count. */
static int instr_fd = -2;

static gint64
instructions (void)
{
#ifdef __linux__
  guint64 value = 0;

  if (instr_fd == -2)
    {
      struct perf_event_attr attr = { 0 };

      attr.type = PERF_TYPE_HARDWARE;
      attr.size = sizeof attr;
      attr.config = PERF_COUNT_HW_INSTRUCTIONS;
      attr.inherit = 1;
      attr.exclude_hv = 1;
      instr_fd = (int) syscall (SYS_perf_event_open, &attr, 0, -1, -1, 0);
      if (instr_fd < 0)
        {
          attr.exclude_kernel = 1;
          instr_fd = (int) syscall (SYS_perf_event_open, &attr, 0, -1, -1, 0);
        }
      if (instr_fd < 0)
        instr_fd = -1;
    }
  if (instr_fd >= 0 && read (instr_fd, &value, sizeof value) == sizeof value)
    return (gint64) value;
#endif
  return -1;
}

static void
print_instructions (gint64 i0,
                    gint64 i1,
                    guint  n)
{
  if (i0 >= 0 && i1 >= i0)
    g_print (", %.0f k instructions per read", (double) (i1 - i0) / MAX (n, 1) / 1000.0);
}

static gint64
cpu_usec (int who)
{
  struct rusage usage;

  getrusage (who, &usage);
  return (gint64) usage.ru_utime.tv_sec * G_USEC_PER_SEC + usage.ru_utime.tv_usec
         + (gint64) usage.ru_stime.tv_sec * G_USEC_PER_SEC + usage.ru_stime.tv_usec;
}

/* the desk: refresh all, P reads in flight, one poller as PmService runs it (never
 * inlined: valgrind --tool=callgrind --toggle-collect=run_poller counts its instructions) */
static G_GNUC_NO_INLINE double
run_poller (PmService *service,
            PmProfile *profile,
            guint      parallel)
{
  g_autoptr(PmClient) client = pm_client_new (profile);
  g_autoptr(PmSender) sender = pm_sender_new (client, pm_service_get_ledger (service));
  g_autoptr(PmPoller) poller = pm_poller_new (client, pm_service_get_ledger (service), sender);
  gboolean done = FALSE;
  guint queued, commits = 0;
  gint64 t0, t1, c0, c1, i0, i1;

  pm_poller_set_enabled (poller, FALSE);
  pm_poller_set_concurrency (poller, parallel);
  pm_poller_set_profile_id (poller, pm_profile_get_uuid (profile));
  g_signal_connect (poller, "idle", G_CALLBACK (idle_cb), &done);
  i0 = instructions ();
  c0 = cpu_usec (RUSAGE_SELF);
  t0 = g_get_monotonic_time ();
  queued = pm_poller_refresh_all (poller);
  while (!done)
    g_main_context_iteration (NULL, TRUE);
  t1 = g_get_monotonic_time ();
  c1 = cpu_usec (RUSAGE_SELF);
  i1 = instructions ();
  if (g_object_class_find_property (G_OBJECT_GET_CLASS (poller), "n-commits") != NULL)
    g_object_get (poller, "n-commits", &commits, NULL);
  /* CPU per read: the client's alone when the sandbox has its own process */
  g_print ("  poller: %u reads, parallelism %u, %.2f s, %.0f reads/s, %u ledger commits, "
           "%.0f µs CPU per read%s",
           queued, parallel, (t1 - t0) / 1e6, queued / ((t1 - t0) / 1e6), commits,
           (double) (c1 - c0) / MAX (queued, 1), opt_in_process ? " (with the sandbox)" : "");
  print_instructions (i0, i1, queued);
  g_print ("\n");
  return queued / ((t1 - t0) / 1e6);
}

static void
checked_cb (PmPoller *poller,
            PmBill   *bill,
            guint    *checked)
{
  (*checked)++;
}

/* automatic polling: every bill made due, the poller enabled, until each was read */
static G_GNUC_NO_INLINE void
run_automatic (PmService *service,
               PmProfile *profile,
               GPtrArray *ids,
               guint      parallel)
{
  PmLedger *ledger = pm_service_get_ledger (service);
  g_autoptr(PmClient) client = pm_client_new (profile);
  g_autoptr(PmSender) sender = pm_sender_new (client, ledger);
  g_autoptr(PmPoller) poller = NULL;
  g_autoptr(GError) error = NULL;
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;
  guint checked = 0, lists = 0;
  gint64 t0, t1, c0, c1, i0, i1;

  if (!pm_ledger_begin (ledger, &error))
    g_error ("%s", error->message);
  for (guint i = 0; i < ids->len; i++)
    if (!pm_ledger_set_check_times (ledger, g_ptr_array_index (ids, i), now - 3600,
                                    now - 1800 + (gint64) (i % 1000), &error))
      g_error ("%s", error->message);
  if (!pm_ledger_commit (ledger, &error))
    g_error ("%s", error->message);

  poller = pm_poller_new (client, ledger, sender);
  pm_poller_set_enabled (poller, FALSE);
  pm_poller_set_concurrency (poller, parallel);
  pm_poller_set_profile_id (poller, pm_profile_get_uuid (profile));
  g_signal_connect (poller, "bill-checked", G_CALLBACK (checked_cb), &checked);
  i0 = instructions ();
  c0 = cpu_usec (RUSAGE_SELF);
  t0 = g_get_monotonic_time ();
  pm_poller_set_enabled (poller, TRUE);
  while (checked < ids->len)
    g_main_context_iteration (NULL, TRUE);
  t1 = g_get_monotonic_time ();
  c1 = cpu_usec (RUSAGE_SELF);
  i1 = instructions ();
  pm_poller_set_enabled (poller, FALSE);
  if (g_object_class_find_property (G_OBJECT_GET_CLASS (poller), "n-due-lists") != NULL)
    g_object_get (poller, "n-due-lists", &lists, NULL);
  g_print ("automatic polling, all %u bills due, concurrency %u: %.2f s, %.0f reads/s, "
           "%.0f µs CPU per read, %u due lists", ids->len, parallel, (t1 - t0) / 1e6,
           ids->len / ((t1 - t0) / 1e6), (double) (c1 - c0) / MAX (ids->len, 1), lists);
  print_instructions (i0, i1, ids->len);
  g_print ("\n");
}

/* the fair peer: one curl process, P transfers at once over kept-alive connections */
static double
run_curl (const char *config,
          guint       n,
          guint       parallel)
{
  g_autofree char *parallel_max = g_strdup_printf ("%u", parallel);
  const char *argv[] = { "curl", "--silent", "--no-progress-meter", "--parallel",
                         "--parallel-max", parallel_max,
                         "--config", config,
                         opt_cacert != NULL ? "--cacert" : NULL, opt_cacert, NULL };
  g_autofree char *out = NULL;
  g_autoptr(GError) error = NULL;
  int status = 0;
  guint ok = 0;
  gint64 t0, t1, c0, c1, i0, i1;

  i0 = instructions ();
  c0 = cpu_usec (RUSAGE_CHILDREN);
  t0 = g_get_monotonic_time ();
  if (!g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, &out, NULL,
                     &status, &error))
    g_error ("curl: %s", error->message);
  t1 = g_get_monotonic_time ();
  c1 = cpu_usec (RUSAGE_CHILDREN);
  i1 = instructions ();
  for (const char *p = out; p != NULL && (p = strstr (p, "200")) != NULL; p += 3)
    ok++;
  if (ok != n)
    g_printerr ("  curl: only %u of %u reads answered 200\n", ok, n);
  g_print ("  curl --parallel --parallel-max %u: %u reads, %.2f s, %.0f reads/s, "
           "%.0f µs CPU per read", parallel, n,
           (t1 - t0) / 1e6, n / ((t1 - t0) / 1e6), (double) (c1 - c0) / MAX (n, 1));
  /* curl's own, its process start included (it is counted as a child of this one) */
  print_instructions (i0, i1, n);
  g_print ("\n");
  return n / ((t1 - t0) / 1e6);
}

/* in the sandbox's process before it starts: it ends with us, even if we abort */
static void
sandbox_child_setup (gpointer user_data)
{
#ifdef __linux__
  prctl (PR_SET_PDEATHSIG, SIGTERM);
#endif
}

/* The sandbox as its own process, payers off: its base URL, read from its first line. */
static char *
start_sandbox_process (const char  *path,
                       GPid        *pid,
                       FILE       **out)
{
  const char *argv[] = { path, "--port", "0", "--seed", "1", "--pay-share", "0",
                         "--balance", "9999999999", NULL };
  g_autoptr(GError) error = NULL;
  char line[1024];
  int fd = -1;

  if (!g_spawn_async_with_pipes (NULL, (char **) argv, NULL, G_SPAWN_DO_NOT_REAP_CHILD,
                                 sandbox_child_setup, NULL, pid, NULL, &fd, NULL, &error))
    g_error ("%s: %s", path, error->message);
  *out = fdopen (fd, "r");
  while (fgets (line, sizeof line, *out) != NULL)
    {
      static const char prefix[] = "Paymint sandbox listening on ";

      if (g_str_has_prefix (line, prefix))
        {
          const char *url = line + strlen (prefix);

          return g_strndup (url, strcspn (url, " \r\n"));
        }
    }
  g_error ("%s did not say where it listens", path);
}

static void
stop_sandbox_process (GPid  pid,
                      FILE *out)
{
  int status;

  kill (pid, SIGTERM);
  while (waitpid (pid, &status, 0) < 0 && errno == EINTR)
    ;
  g_spawn_close_pid (pid);
  fclose (out);
}

int
main (int   argc,
      char *argv[])
{
  static const GOptionEntry entries[] = {
    { "url", 0, 0, G_OPTION_ARG_STRING, &opt_url,
      "Read from the sandbox at this base URL (…/api/v1) instead of one in-process", "URL" },
    { "create-url", 0, 0, G_OPTION_ARG_STRING, &opt_create_url,
      "Create the bills through this base URL (default: --url)", "URL" },
    { "cacert", 0, 0, G_OPTION_ARG_FILENAME, &opt_cacert,
      "The CA file curl trusts", "FILE" },
    { "sandbox", 0, 0, G_OPTION_ARG_FILENAME, &opt_sandbox,
      "The paymint-sandbox to start (default: the one built with this benchmark)", "PATH" },
    { "in-process", 0, 0, G_OPTION_ARG_NONE, &opt_in_process,
      "Run the sandbox in this process (the old arrangement, for comparison)", NULL },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new ("[N-BILLS] [PARALLELISM] [RUNS]");
  const char *env_n = g_getenv ("PM_BENCH_REFRESH_BILLS");
  guint n, parallel, runs;
  g_autoptr(GError) error = NULL;
  g_autoptr(PmSandbox) sandbox = pm_sandbox_new ();
  g_autoptr(PmService) service = NULL;
  g_autoptr(PmProfile) profile = pm_profile_new ();
  g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *dir = g_dir_make_tmp ("bench-refresh-XXXXXX", NULL);
  g_autofree char *ledger = g_build_filename (dir, "ledger.db", NULL);
  g_autofree char *config = g_build_filename (dir, "curl.conf", NULL);
  g_autofree char *url = NULL;
  g_autoptr(GString) lines = g_string_new (NULL);
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  g_autoptr(GDateTime) later = g_date_time_add_days (now, 7);
  g_autofree char *expire = g_date_time_format (later, "%Y-%m-%d");
  g_autoptr(GArray) ours = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GArray) peer = g_array_new (FALSE, FALSE, sizeof (double));
  gint64 t0, t1;
  double m_ours, m_peer;
  GPid sandbox_pid = 0;
  FILE *sandbox_out = NULL;

  setlocale (LC_ALL, "");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("bench-refresh: %s\n", error->message);
      return 2;
    }
  n = argc > 1 ? (guint) atoi (argv[1]) : env_n != NULL ? (guint) atoi (env_n) : 3000;
  parallel = argc > 2 ? (guint) atoi (argv[2]) : 8;
  runs = argc > 3 ? (guint) atoi (argv[3]) : 3;
  if (parallel == 0)
    parallel = 8;
  if (n == 0)
    n = 3000;
  if (runs == 0)
    runs = 1;
  if (!g_find_program_in_path ("curl"))
    {
      g_print ("bench-refresh: curl is not installed\n");
      return 77;
    }

  if (opt_url != NULL)
    url = g_strdup (opt_url);
  else if (!opt_in_process)
    {
      const char *path = opt_sandbox;

#ifdef PM_BENCH_SANDBOX_EXE
      if (path == NULL)
        path = PM_BENCH_SANDBOX_EXE;
#endif
      if (path == NULL)
        path = "paymint-sandbox";
      if (!g_path_is_absolute (path))
        path = g_find_program_in_path (path);
      if (path == NULL)
        g_error ("paymint-sandbox not found (give --sandbox PATH)");
      url = start_sandbox_process (path, &sandbox_pid, &sandbox_out);
    }
  else
    {
      /* nobody pays during the run: both clients read the same unpaid bills */
      pm_sandbox_set_payers (sandbox, 0.0, 0, 0, 0.0);
      pm_sandbox_set_balance (sandbox, PM_SANDBOX_DEMO_KEY, G_GINT64_CONSTANT (1) << 50);
      if (!pm_sandbox_start (sandbox, NULL, 0, &error))
        g_error ("sandbox: %s", error->message);
      url = pm_sandbox_dup_base_url (sandbox);
    }

  pm_profile_set_name (profile, "bench");
  pm_profile_set_base_url (profile, opt_create_url != NULL ? opt_create_url : url);
  pm_profile_set_api_key (profile, PM_SANDBOX_DEMO_KEY);
  service = pm_service_new (ledger, &error);
  if (service == NULL)
    g_error ("ledger: %s", error->message);
  pm_service_set_profile (service, profile);
  pm_service_set_polling (service, FALSE, parallel);

  g_print ("creating %u bills…\n", n);
  t0 = g_get_monotonic_time ();
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(PmBill) bill = pm_bill_new ();

      pm_bill_set_payer_name (bill, "벤치");
      pm_bill_set_phone (bill, "01055556666");
      pm_bill_set_product (bill, "refresh bench");
      pm_bill_set_message (bill, "refresh bench");
      pm_bill_set_price (bill, 1000 + i);
      pm_bill_set_expire_date (bill, expire);
      pm_service_send_async (service, bill, NULL, sent_cb, ids);
      while (i + 1 - sent >= 32) /* a bounded number of sends in flight */
        g_main_context_iteration (NULL, TRUE);
    }
  while (sent < n)
    g_main_context_iteration (NULL, TRUE);
  t1 = g_get_monotonic_time ();
  g_print ("created %u bills in %.2f s (%.0f/s), %u failed\n", ids->len,
           (t1 - t0) / 1e6, ids->len / ((t1 - t0) / 1e6), failed);
  if (ids->len == 0)
    {
      g_printerr ("bench-refresh: no bill could be created at %s\n",
                  pm_profile_get_base_url (profile));
      return 1;
    }
  /* the reads go where the peer's go (the bills were perhaps made on a faster path) */
  pm_profile_set_base_url (profile, url);
  g_print ("reading from %s\n", url);

  /* the same reads as the poller's: POST /paymint/read {"bill_id": …}, key and mode headers */
  for (guint i = 0; i < ids->len; i++)
    g_string_append_printf (lines,
                            "silent\n"
                            "url = \"%s/paymint/read\"\n"
                            "header = \"Content-Type: application/json\"\n"
                            "header = \"Accept: application/json\"\n"
                            "header = \"X-API-KEY: %s\"\n"
                            "header = \"X-Paymint-MMK-Mode: true\"\n"
                            "data = \"{\\\"bill_id\\\":\\\"%s\\\"}\"\n"
                            "output = \"/dev/null\"\n"
                            "write-out = \"%%{http_code}\\n\"\n"
                            "%s",
                            url, PM_SANDBOX_DEMO_KEY, (char *) g_ptr_array_index (ids, i),
                            i + 1 < ids->len ? "next\n" : "");
  if (!g_file_set_contents (config, lines->str, (gssize) lines->len, &error))
    g_error ("%s", error->message);

  for (guint r = 0; r < runs; r++)
    {
      double v;

      g_print ("run %u of %u\n", r + 1, runs);
      v = run_poller (service, profile, parallel);
      g_array_append_val (ours, v);
      v = run_curl (config, ids->len, parallel);
      g_array_append_val (peer, v);
    }
  if (opt_url == NULL && g_getenv ("PM_BENCH_NO_AUTOMATIC") == NULL)
    run_automatic (service, profile, ids, parallel);
  m_ours = median (ours);
  m_peer = median (peer);
  g_print ("refresh %u open bills%s, parallelism %u, median of %u runs: poller %.0f reads/s vs "
           "one curl --parallel %.0f reads/s = %.2f×%s\n",
           ids->len, opt_url != NULL ? " (given URL)"
                     : opt_in_process ? " (sandbox in this process)"
                     : " (sandbox in its own process)", parallel, runs, m_ours, m_peer,
           m_ours / m_peer, opt_url != NULL ? "" : " (target ≥ 1.0× at 10,000)");

  g_clear_object (&service);
  if (sandbox_pid != 0)
    stop_sandbox_process (sandbox_pid, sandbox_out);
  else if (opt_url == NULL)
    pm_sandbox_stop (sandbox);
  g_unlink (config);
  g_unlink (ledger);
  {
    g_autofree char *wal = g_strconcat (ledger, "-wal", NULL);
    g_autofree char *shm = g_strconcat (ledger, "-shm", NULL);

    g_unlink (wal);
    g_unlink (shm);
  }
  g_rmdir (dir);
  return 0;
}
