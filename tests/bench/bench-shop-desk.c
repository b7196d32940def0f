/* bench-shop-desk.c — one front desk's poller on a shop ledger, until nothing is due
 *
 * Copyright 2026 The Paymint Desk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Usage: bench-shop-desk LEDGER SANDBOX-URL PROFILE-ID [CONCURRENCY]
 * Opens LEDGER (a postgresql:// URI or a SQLite path) as a desk does and runs its poller
 * (automatic polling on, CONCURRENCY reads at once, default 8) for the bills of
 * PROFILE-ID against the sandbox at SANDBOX-URL (…/api/v1, demo key, MMK mode): it
 * takes what pm_ledger_list_due() gives it (on a shop ledger: leased to this desk) and
 * stops when the poller is idle (nothing in flight, nothing due that is not another
 * desk's). bench-shop.sh starts three of these at once on one database.
 * Prints one line: "desk PID: N reads, S s, C ledger commits, E storage errors".
 * Exit 0, or 1 when the ledger could not be opened.
 */

#include "config.h"

#include <locale.h>
#include <stdlib.h>
#include <unistd.h>

#include "pm-client.h"
#include "pm-ledger.h"
#include "pm-poller.h"
#include "pm-profile.h"
#include "pm-sandbox.h"
#include "pm-sender.h"

typedef struct
{
  gboolean done;
  guint    reads;
  guint    storage_errors;
} Desk;

static void
checked_cb (PmPoller *poller,
            PmBill   *bill,
            Desk     *desk)
{
  desk->reads++;
}

static void
idle_cb (PmPoller *poller,
         Desk     *desk)
{
  desk->done = TRUE;
}

static void
storage_failed_cb (PmPoller *poller,
                   GError   *error,
                   Desk     *desk)
{
  if (desk->storage_errors++ < 5)
    g_printerr ("desk %d: storage error: %s\n", (int) getpid (), error->message);
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PmLedger) ledger = NULL;
  g_autoptr(PmProfile) profile = NULL;
  g_autoptr(PmClient) client = NULL;
  g_autoptr(PmSender) sender = NULL;
  g_autoptr(PmPoller) poller = NULL;
  Desk desk = { FALSE, 0, 0 };
  guint concurrency = 8;
  guint commits = 0;
  gint64 t0, t1;

  setlocale (LC_ALL, "");
  if (argc < 4)
    {
      g_printerr ("usage: bench-shop-desk LEDGER SANDBOX-URL PROFILE-ID [CONCURRENCY]\n");
      return 2;
    }
  if (argc > 4 && atoi (argv[4]) > 0)
    concurrency = (guint) atoi (argv[4]);

  ledger = pm_ledger_new (argv[1], &error);
  if (ledger == NULL)
    {
      g_printerr ("desk %d: could not open %s: %s\n", (int) getpid (), argv[1], error->message);
      return 1;
    }
  profile = pm_profile_new ();
  pm_profile_set_uuid (profile, argv[3]);
  pm_profile_set_name (profile, "bench-shop");
  pm_profile_set_base_url (profile, argv[2]);
  pm_profile_set_api_key (profile, PM_SANDBOX_DEMO_KEY);
  pm_profile_set_mode (profile, PM_PROFILE_MODE_MMK);
  client = pm_client_new (profile);
  sender = pm_sender_new (client, ledger);
  poller = pm_poller_new (client, ledger, sender);
  pm_poller_set_concurrency (poller, concurrency);
  pm_poller_set_profile_id (poller, argv[3]);
  g_signal_connect (poller, "bill-checked", G_CALLBACK (checked_cb), &desk);
  g_signal_connect (poller, "idle", G_CALLBACK (idle_cb), &desk);
  g_signal_connect (poller, "storage-failed", G_CALLBACK (storage_failed_cb), &desk);

  t0 = g_get_monotonic_time ();
  pm_poller_set_enabled (poller, TRUE);
  while (!desk.done)
    g_main_context_iteration (NULL, TRUE);
  t1 = g_get_monotonic_time ();
  g_object_get (poller, "n-commits", &commits, NULL);
  g_print ("desk %d: %u reads, %.2f s, %u ledger commits, %u storage errors\n", (int) getpid (),
           desk.reads, (t1 - t0) / 1e6, commits, desk.storage_errors);
  return 0;
}
