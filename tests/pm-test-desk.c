/* pm-test-desk.c — a desk on the in-process sandbox, with bills already sent
 *
 * Copyright 2026 The Paymint Desk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gstdio.h>

#include "pm-test-desk.h"
#include "pm-test-util.h"

static void
sent_cb (GObject      *object,
         GAsyncResult *result,
         gpointer      user_data)
{
  PmTestDesk *desk = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(PmBill) bill = pm_service_send_finish (PM_SERVICE (object), result, &error);

  g_assert_no_error (error);
  g_ptr_array_add (desk->ids, g_strdup (pm_bill_get_bill_id (bill)));
}

void
pm_test_desk_set_up (PmTestDesk            *desk,
                     const char            *name,
                     guint                  seed,
                     guint                  n_bills,
                     guint                  in_flight,
                     const PmTestDeskBills *bills)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *url = NULL;
  g_autofree char *template = g_strconcat (name, "-XXXXXX", NULL);
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  g_autoptr(GDateTime) later = g_date_time_add_days (now, 7);
  g_autofree char *expire = g_date_time_format (later, "%Y-%m-%d");

  desk->sandbox = pm_sandbox_new ();
  pm_sandbox_set_seed (desk->sandbox, seed);
  pm_sandbox_set_payers (desk->sandbox, 0.0, 60, 120, 0.0);
  g_assert_true (pm_sandbox_start (desk->sandbox, NULL, 0, &error));
  g_assert_no_error (error);
  url = pm_sandbox_dup_base_url (desk->sandbox);

  desk->dir = g_dir_make_tmp (template, &error);
  g_assert_no_error (error);
  desk->ledger_path = g_build_filename (desk->dir, "ledger.db", NULL);
  desk->service = pm_service_new (desk->ledger_path, &error);
  g_assert_no_error (error);
  desk->profile = pm_profile_new ();
  pm_profile_set_name (desk->profile, "Sandbox");
  pm_profile_set_base_url (desk->profile, url);
  pm_profile_set_api_key (desk->profile, PM_SANDBOX_DEMO_KEY);
  pm_profile_set_mode (desk->profile, PM_PROFILE_MODE_MMK);
  pm_service_set_profile (desk->service, desk->profile);
  pm_service_set_polling (desk->service, FALSE, 4);

  desk->ids = g_ptr_array_new_with_free_func (g_free);
  for (guint i = 0; i < n_bills; i++)
    {
      g_autoptr(PmBill) bill = pm_bill_new ();

      pm_bill_set_payer_name (bill, bills->payer);
      pm_bill_set_phone (bill, bills->phone);
      pm_bill_set_product (bill, bills->product);
      pm_bill_set_message (bill, bills->message);
      pm_bill_set_price (bill, bills->first_price + i);
      pm_bill_set_expire_date (bill, expire);
      pm_service_send_async (desk->service, bill, NULL, sent_cb, desk);
      while (in_flight > 0 && i + 1 - desk->ids->len >= in_flight)
        g_main_context_iteration (NULL, TRUE);
    }
  while (desk->ids->len < n_bills)
    g_main_context_iteration (NULL, TRUE);
}

void
pm_test_desk_tear_down (PmTestDesk *desk)
{
  g_autoptr(GPtrArray) files = pm_test_list_files (desk->dir);

  g_assert_finalize_object (desk->service);
  g_clear_object (&desk->profile);
  pm_sandbox_stop (desk->sandbox);
  g_clear_object (&desk->sandbox);
  g_ptr_array_unref (desk->ids);
  for (guint i = 0; i < files->len; i++)
    g_unlink (g_ptr_array_index (files, i));
  g_rmdir (desk->dir);
  g_free (desk->dir);
  g_free (desk->ledger_path);
}
