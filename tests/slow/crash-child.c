/* crash-child.c — sends bills until it is killed (driven by test-crash)
 *
 * Copyright 2026 The Paymint Desk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Usage: crash-child LEDGER URL PROFILE-UUID COUNT SEED
 * The API key comes on stdin (never on the command line). Sends COUNT bills, at most
 * four at a time, through PmService, then exits 0 — unless the parent kills it first.
 */

#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include "pm-service.h"

static guint remaining;
static guint in_flight;
static GRand *rng;
static PmService *service;
static GMainLoop *loop;

static void send_next (void);

static void
sent_cb (GObject      *object,
         GAsyncResult *result,
         gpointer      user_data)
{
  g_autoptr(PmBill) bill = NULL;
  g_autoptr(GError) error = NULL;

  bill = pm_service_send_finish (PM_SERVICE (object), result, &error);
  in_flight--;
  send_next ();
  if (remaining == 0 && in_flight == 0)
    g_main_loop_quit (loop);
}

static void
send_next (void)
{
  while (remaining > 0 && in_flight < 4)
    {
      g_autoptr(PmBill) bill = pm_bill_new ();
      g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
      g_autoptr(GDateTime) later = g_date_time_add_days (now, 3);
      g_autofree char *expire = g_date_time_format (later, "%Y-%m-%d");

      pm_bill_set_payer_name (bill, "충돌시험");
      pm_bill_set_phone (bill, "01098765432");
      pm_bill_set_product (bill, "crash test");
      pm_bill_set_message (bill, "crash test");
      pm_bill_set_price (bill, g_rand_int_range (rng, 1000, 500000));
      pm_bill_set_expire_date (bill, expire);
      remaining--;
      in_flight++;
      pm_service_send_async (service, bill, NULL, sent_cb, NULL);
    }
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PmProfile) profile = NULL;
  char key[256] = "";

  if (argc != 6 || fgets (key, sizeof key, stdin) == NULL)
    {
      fprintf (stderr, "usage: crash-child LEDGER URL PROFILE-UUID COUNT SEED < key\n");
      return 1;
    }
  g_strchomp (key);

  service = pm_service_new (argv[1], &error);
  if (service == NULL)
    {
      fprintf (stderr, "crash-child: %s\n", error->message);
      return 1;
    }
  profile = pm_profile_new ();
  pm_profile_set_uuid (profile, argv[3]);
  pm_profile_set_name (profile, "crash");
  pm_profile_set_base_url (profile, argv[2]);
  pm_profile_set_api_key (profile, key);
  pm_service_set_profile (service, profile);
  pm_service_set_timeout (service, 5);
  pm_service_set_polling (service, FALSE, 1);

  remaining = (guint) atoi (argv[4]);
  rng = g_rand_new_with_seed ((guint32) atoi (argv[5]));
  loop = g_main_loop_new (NULL, FALSE);
  send_next ();
  if (remaining > 0 || in_flight > 0)
    g_main_loop_run (loop);
  g_main_loop_unref (loop);
  g_rand_free (rng);
  g_object_unref (service);
  return 0;
}
