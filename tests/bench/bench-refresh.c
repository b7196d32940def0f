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
 * bills). No pass/fail on time.
 * Usage: bench-refresh [--url URL [--create-url URL] [--cacert FILE]] [N-BILLS] [PARALLELISM] [RUNS]
 * N-BILLS defaults to $PM_BENCH_REFRESH_BILLS, else 3000 (set it to 10000 for the target).
 * Without --url the sandbox runs in-process on loopback. With --url (a base URL ending in
 * /api/v1, e.g. https://127.0.0.1:PORT/api/v1 through bench-wan.sh's delay proxy) both
 * clients read from that sandbox, started by the caller with payers off; the bills are
 * created through --create-url when given (the sandbox's own port, skipping the slow link).
 * --cacert is passed to curl; the desk trusts only what the system trusts.
 */

#include "config.h"

#include <glib/gstdio.h>
#include <locale.h>
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

/* the desk: refresh all, P reads in flight, one poller as PmService runs it */
static double
run_poller (PmService *service,
            PmProfile *profile,
            guint      parallel)
{
  g_autoptr(PmClient) client = pm_client_new (profile);
  g_autoptr(PmSender) sender = pm_sender_new (client, pm_service_get_ledger (service));
  g_autoptr(PmPoller) poller = pm_poller_new (client, pm_service_get_ledger (service), sender);
  gboolean done = FALSE;
  guint queued, commits = 0;
  gint64 t0, t1;

  pm_poller_set_enabled (poller, FALSE);
  pm_poller_set_concurrency (poller, parallel);
  pm_poller_set_profile_id (poller, pm_profile_get_uuid (profile));
  g_signal_connect (poller, "idle", G_CALLBACK (idle_cb), &done);
  t0 = g_get_monotonic_time ();
  queued = pm_poller_refresh_all (poller);
  while (!done)
    g_main_context_iteration (NULL, TRUE);
  t1 = g_get_monotonic_time ();
  if (g_object_class_find_property (G_OBJECT_GET_CLASS (poller), "n-commits") != NULL)
    g_object_get (poller, "n-commits", &commits, NULL);
  g_print ("  poller: %u reads, parallelism %u, %.2f s, %.0f reads/s, %u ledger commits\n",
           queued, parallel, (t1 - t0) / 1e6, queued / ((t1 - t0) / 1e6), commits);
  return queued / ((t1 - t0) / 1e6);
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
  gint64 t0, t1;

  t0 = g_get_monotonic_time ();
  if (!g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, &out, NULL,
                     &status, &error))
    g_error ("curl: %s", error->message);
  t1 = g_get_monotonic_time ();
  for (const char *p = out; p != NULL && (p = strstr (p, "200")) != NULL; p += 3)
    ok++;
  if (ok != n)
    g_printerr ("  curl: only %u of %u reads answered 200\n", ok, n);
  g_print ("  curl --parallel --parallel-max %u: %u reads, %.2f s, %.0f reads/s\n", parallel, n,
           (t1 - t0) / 1e6, n / ((t1 - t0) / 1e6));
  return n / ((t1 - t0) / 1e6);
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
  m_ours = median (ours);
  m_peer = median (peer);
  g_print ("refresh %u open bills%s, parallelism %u, median of %u runs: poller %.0f reads/s vs "
           "one curl --parallel %.0f reads/s = %.2f×%s\n",
           ids->len, opt_url != NULL ? " (given URL)" : "", parallel, runs, m_ours, m_peer,
           m_ours / m_peer, opt_url != NULL ? "" : " (target ≥ 1.0× at 10,000)");

  g_clear_object (&service);
  if (opt_url == NULL)
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
