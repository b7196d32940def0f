/* bench-refresh.c — refreshing 10,000 open bills: the poller against a curl loop
 *
 * Copyright 2026 The Paymint Desk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * One sandbox, two clients, the same bills, the same parallelism: the desk's poller
 * (PmService refresh-all with concurrency P) and `xargs -P P curl` reading each bill.
 * Prints both rates and their ratio (DESIGN.md target: ≥ 3×). No pass/fail on time.
 * Usage: bench-refresh [N-BILLS] [PARALLELISM]
 */

#include "config.h"

#include <glib/gstdio.h>
#include <stdio.h>
#include <stdlib.h>

#include "pm-poller.h"
#include "pm-sandbox.h"
#include "pm-sender.h"
#include "pm-service.h"

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

int
main (int   argc,
      char *argv[])
{
  guint n = argc > 1 ? (guint) atoi (argv[1]) : 10000;
  guint parallel = argc > 2 ? (guint) atoi (argv[2]) : 8;
  g_autoptr(GError) error = NULL;
  g_autoptr(PmSandbox) sandbox = pm_sandbox_new ();
  g_autoptr(PmService) service = NULL;
  g_autoptr(PmProfile) profile = pm_profile_new ();
  g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *dir = g_dir_make_tmp ("bench-refresh-XXXXXX", NULL);
  g_autofree char *ledger = g_build_filename (dir, "ledger.db", NULL);
  g_autofree char *list = g_build_filename (dir, "ids.txt", NULL);
  g_autofree char *url = NULL;
  g_autofree char *cmd = NULL;
  g_autoptr(GString) lines = g_string_new (NULL);
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  g_autoptr(GDateTime) later = g_date_time_add_days (now, 7);
  g_autofree char *expire = g_date_time_format (later, "%Y-%m-%d");
  gboolean done = FALSE;
  gint64 t0, t1;
  double poller_rate, curl_rate;
  int status = 0;

  pm_sandbox_set_payers (sandbox, 0.5, 0, 0, 0.0);
  pm_sandbox_set_balance (sandbox, PM_SANDBOX_DEMO_KEY, G_GINT64_CONSTANT (1) << 50);
  if (!pm_sandbox_start (sandbox, NULL, 0, &error))
    g_error ("sandbox: %s", error->message);
  url = pm_sandbox_dup_base_url (sandbox);

  pm_profile_set_name (profile, "bench");
  pm_profile_set_base_url (profile, url);
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

  /* the desk: refresh all, P reads in flight */
  {
    g_autoptr(PmClient) client = pm_client_new (profile);
    g_autoptr(PmSender) sender = pm_sender_new (client, pm_service_get_ledger (service));
    g_autoptr(PmPoller) poller = pm_poller_new (client, pm_service_get_ledger (service), sender);
    guint queued;

    pm_poller_set_enabled (poller, FALSE);
    pm_poller_set_concurrency (poller, parallel);
    pm_poller_set_profile_id (poller, pm_profile_get_uuid (profile));
    g_signal_connect (poller, "idle", G_CALLBACK (idle_cb), &done);
    t0 = g_get_monotonic_time ();
    queued = pm_poller_refresh_all (poller);
    while (!done)
      g_main_context_iteration (NULL, TRUE);
    t1 = g_get_monotonic_time ();
    poller_rate = queued / ((t1 - t0) / 1e6);
    g_print ("poller: %u reads, parallelism %u, %.2f s, %.0f reads/s\n", queued, parallel,
             (t1 - t0) / 1e6, poller_rate);
  }

  /* a curl loop over the same bills with the same parallelism */
  for (guint i = 0; i < ids->len; i++)
    g_string_append_printf (lines, "%s\n", (char *) g_ptr_array_index (ids, i));
  if (!g_file_set_contents (list, lines->str, (gssize) lines->len, &error))
    g_error ("%s", error->message);
  cmd = g_strdup_printf ("xargs -P %u -I{} curl -s -o /dev/null -X POST "
                         "-H 'Content-Type: application/json' -H 'X-API-KEY: %s' "
                         "-H 'X-Paymint-MMK-Mode: true' -d '{\"bill_id\":\"{}\"}' %s/paymint/read < %s",
                         parallel, PM_SANDBOX_DEMO_KEY, url, list);
  t0 = g_get_monotonic_time ();
  {
    const char *sh_argv[] = { "/bin/sh", "-c", cmd, NULL };

    if (!g_spawn_sync (NULL, (char **) sh_argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, NULL, NULL,
                       &status, &error))
      g_error ("curl loop: %s", error->message);
  }
  t1 = g_get_monotonic_time ();
  curl_rate = ids->len / ((t1 - t0) / 1e6);
  g_print ("curl loop: %u reads, parallelism %u, %.2f s, %.0f reads/s\n", ids->len, parallel,
           (t1 - t0) / 1e6, curl_rate);
  g_print ("refresh %u open bills: poller %.0f/s vs curl %.0f/s = %.1f× (target ≥ 3×)\n",
           ids->len, poller_rate, curl_rate, poller_rate / curl_rate);

  g_clear_object (&service);
  pm_sandbox_stop (sandbox);
  g_unlink (list);
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
