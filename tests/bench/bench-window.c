/* bench-window.c — the payments window on a large ledger
 *
 * Copyright 2026 The Paymint Desk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Usage: bench-window N-BILLS CACHE-DIR
 * Builds (once, kept in CACHE-DIR) a ledger of N bills of the built-in Sandbox profile,
 * then starts the app on it in a real window and prints: time until the first rows are
 * drawn, time for a search and a state filter to show their rows, and resident memory.
 * Run under a display (bench-window.sh uses xvfb-run). No pass/fail on time.
 */

#include "config.h"

#include <adwaita.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "pm-application.h"
#include "pm-ledger.h"
#include "pm-payments-view.h"
#include "pm-window.h"

#define SANDBOX_PROFILE "5a4db0c5-0000-4000-8000-000000000001"

static const char *names[] = { "김민지", "이서준", "박지호", "최유나", "정하은", "강서연",
                               "윤태오", "임채원", "송민재", "한도윤", "오지안", "배수아" };
static const char *products[] = { "11월 수강료", "교재비", "도수치료 3회", "PT 10회",
                                  "원데이 클래스", "12월 수강료" };

static void
build_ledger (const char *path,
              guint       n)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PmLedger) ledger = pm_ledger_new (path, &error);
  gint64 t0 = g_get_monotonic_time ();
  gint64 base = g_get_real_time () / G_USEC_PER_SEC - (gint64) n * 30;

  if (ledger == NULL)
    g_error ("%s", error->message);
  for (guint i = 0; i < n; i += 10000)
    {
      if (!pm_ledger_begin (ledger, &error))
        g_error ("%s", error->message);
      for (guint j = i; j < MIN (n, i + 10000); j++)
        {
          g_autoptr(PmBill) bill = pm_bill_new ();
          g_autofree char *id = g_strdup_printf ("BENCH%015u", j);
          g_autofree char *phone = g_strdup_printf ("010%08u", (j * 7919u) % 100000000u);
          static const PmBillState states[] = { PM_BILL_STATE_PAID, PM_BILL_STATE_UNPAID,
                                                PM_BILL_STATE_PAID, PM_BILL_STATE_CANCELLED,
                                                PM_BILL_STATE_PAID, PM_BILL_STATE_DESTROYED };

          pm_bill_set_bill_id (bill, id);
          pm_bill_set_profile_id (bill, SANDBOX_PROFILE);
          pm_bill_set_payer_name (bill, names[j % G_N_ELEMENTS (names)]);
          pm_bill_set_phone (bill, phone);
          pm_bill_set_product (bill, products[j % G_N_ELEMENTS (products)]);
          pm_bill_set_message (bill, "결제 부탁드립니다");
          pm_bill_set_price (bill, 10000 + (j % 500) * 1000);
          pm_bill_set_expire_date (bill, "2030-12-31");
          pm_bill_set_state (bill, states[j % G_N_ELEMENTS (states)]);
          pm_bill_set_created_at (bill, base + (gint64) j * 30);
          pm_bill_set_updated_at (bill, base + (gint64) j * 30);
          if (!pm_ledger_insert_bill (ledger, bill, &error))
            g_error ("%s", error->message);
        }
      if (!pm_ledger_commit (ledger, &error))
        g_error ("%s", error->message);
    }
  g_print ("built a ledger of %u bills in %.1f s\n", n, (g_get_monotonic_time () - t0) / 1e6);
}

static gboolean
rows_drawn (GtkWidget *root)
{
  if (GTK_IS_LABEL (root) && gtk_widget_get_mapped (root)
      && gtk_widget_get_ancestor (root, GTK_TYPE_COLUMN_VIEW) != NULL
      && g_strcmp0 (gtk_label_get_label (GTK_LABEL (root)), "") != 0
)
    return TRUE;
  for (GtkWidget *c = gtk_widget_get_first_child (root); c; c = gtk_widget_get_next_sibling (c))
    if (rows_drawn (c))
      return TRUE;
  return FALSE;
}

static long
rss_kb (void)
{
  g_autofree char *status = NULL;
  const char *line;

  if (!g_file_get_contents ("/proc/self/status", &status, NULL, NULL))
    return -1;
  line = strstr (status, "VmRSS:");
  return line != NULL ? strtol (line + 6, NULL, 10) : -1;
}

static void
spin_until_drawn (GtkWidget *window)
{
  gint64 end = g_get_monotonic_time () + 60 * G_USEC_PER_SEC;

  while (!rows_drawn (window) && g_get_monotonic_time () < end)
    g_main_context_iteration (NULL, TRUE);
}

int
main (int   argc,
      char *argv[])
{
  guint n = argc > 1 ? (guint) atoi (argv[1]) : 1000000;
  const char *cache = argc > 2 ? argv[2] : g_get_tmp_dir ();
  g_autofree char *home = g_dir_make_tmp ("bench-window-XXXXXX", NULL);
  g_autofree char *data = g_build_filename (home, "data", "paymint-desk", NULL);
  g_autofree char *cached = NULL;
  g_autofree char *ledger = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(PmApplication) app = NULL;
  GtkWidget *window;
  PmPaymentsView *view;
  gint64 t0, t1;
  guint before;

  cached = g_strdup_printf ("%s/bench-window-%u.db", cache, n);
  if (!g_file_test (cached, G_FILE_TEST_EXISTS))
    build_ledger (cached, n);

  /* the app's default ledger is $XDG_DATA_HOME/paymint-desk/ledger.db */
  g_mkdir_with_parents (data, 0700);
  ledger = g_build_filename (data, "ledger.db", NULL);
  if (symlink (cached, ledger) != 0)
    g_error ("could not link the ledger");
  g_setenv ("XDG_DATA_HOME", g_build_filename (home, "data", NULL), TRUE);

  t0 = g_get_monotonic_time ();
  app = pm_application_new ();
  g_application_set_flags (G_APPLICATION (app), G_APPLICATION_NON_UNIQUE);
  pm_application_set_use_sandbox (app, TRUE);
  if (!g_application_register (G_APPLICATION (app), NULL, &error))
    g_error ("%s", error->message);
  g_print ("window, %u bills: started (GTK, sandbox, ledger) after %.0f ms\n", n,
           (g_get_monotonic_time () - t0) / 1e3);
  g_application_activate (G_APPLICATION (app));
  window = GTK_WIDGET (gtk_application_get_active_window (GTK_APPLICATION (app)));
  g_print ("window, %u bills: window built after %.0f ms\n", n,
           (g_get_monotonic_time () - t0) / 1e3);
  spin_until_drawn (window);
  t1 = g_get_monotonic_time ();
  view = PM_PAYMENTS_VIEW (pm_window_get_payments_view (PM_WINDOW (window)));
  g_print ("window, %u bills: first rows drawn after %.0f ms\n", n, (t1 - t0) / 1e3);

  before = g_list_model_get_n_items (pm_payments_view_get_model (view));
  t0 = g_get_monotonic_time ();
  pm_payments_view_set_search (view, "도수치료");
  t1 = g_get_monotonic_time ();
  while (g_main_context_iteration (NULL, FALSE))
    ;
  g_print ("window, %u bills: search \"도수치료\" → %u of %u rows: rows updated in "
           "%.0f ms, redrawn after %.0f ms\n", n,
           g_list_model_get_n_items (pm_payments_view_get_model (view)), before, (t1 - t0) / 1e3,
           (g_get_monotonic_time () - t0) / 1e3);

  pm_payments_view_set_search (view, "");
  t0 = g_get_monotonic_time ();
  pm_payments_view_set_state_filter (view, 3); /* refunded */
  t1 = g_get_monotonic_time ();
  while (g_main_context_iteration (NULL, FALSE))
    ;
  g_print ("window, %u bills: filter refunded → %u rows: rows updated in %.0f ms, "
           "redrawn after %.0f ms\n", n,
           g_list_model_get_n_items (pm_payments_view_get_model (view)), (t1 - t0) / 1e3,
           (g_get_monotonic_time () - t0) / 1e3);
  g_print ("window, %u bills: resident memory %.1f MB\n", n, rss_kb () / 1024.0);

  gtk_window_destroy (GTK_WINDOW (window));
  g_application_quit (G_APPLICATION (app));
  g_unlink (ledger);
  return 0;
}
