/* test-live.c — one source of truth: the window follows what other processes do
 *
 * Copyright 2026 The Paymint Desk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A real window on the sandbox while a SECOND PROCESS — the real paymint-cli, on the
 * same ledger and the same sandbox — sends and voids bills: the list, the totals and
 * the empty state follow within seconds, and agree. Then the ledger failing reaches the
 * clerk as a banner with Retry; and the program's sandbox start-up shares one server
 * with paymint-cli --sandbox.
 */

#include "config.h"

#include <adwaita.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <string.h>

#include "pm-application.h"
#include "pm-bill-detail.h"
#include "pm-error.h"
#include "pm-ledger-private.h"
#include "pm-payments-view.h"
#include "pm-shared-sandbox.h"
#include "pm-storage-banner.h"
#include "pm-test-service.h"
#include "pm-test-util.h"
#include "pm-window.h"

static PmApplication *app;
static PmWindow *window;
static PmPaymentsView *view;

static const char *
build_path (const char *dir,
            const char *program)
{
  const char *root = g_getenv ("PM_BUILD_ROOT");

  g_assert_nonnull (root);
  return g_intern_string (g_build_filename (root, "src", dir, program, NULL));
}

static GtkWidget *
find_widget (GtkWidget *root,
             GType      type)
{
  if (G_TYPE_CHECK_INSTANCE_TYPE (root, type))
    return root;
  for (GtkWidget *c = gtk_widget_get_first_child (root); c != NULL;
       c = gtk_widget_get_next_sibling (c))
    {
      GtkWidget *found = find_widget (c, type);

      if (found != NULL)
        return found;
    }
  return NULL;
}

/* The list's empty state on screen: a status page outside the details pane (which has
 * its own, "No Bill Selected"). */
static gboolean
empty_state_shown (GtkWidget *root)
{
  if (!gtk_widget_get_mapped (root) || PM_IS_BILL_DETAIL (root))
    return FALSE;
  if (ADW_IS_STATUS_PAGE (root))
    return TRUE;
  for (GtkWidget *c = gtk_widget_get_first_child (root); c != NULL;
       c = gtk_widget_get_next_sibling (c))
    if (empty_state_shown (c))
      return TRUE;
  return FALSE;
}

/* ---- paymint-cli as a second process, while the window runs ---- */

typedef struct
{
  gboolean  done;
  char     *out;
  char     *err;
} CliRun;

static void
communicated_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  CliRun *run = user_data;
  g_autoptr(GError) error = NULL;

  g_subprocess_communicate_utf8_finish (G_SUBPROCESS (object), result, &run->out, &run->err,
                                        &error);
  g_assert_no_error (error);
  run->done = TRUE;
}

/* Runs paymint-cli ARGS… (NULL-terminated) to its end while the main loop — the
 * window — keeps going. Returns its exit status; @out gets what it printed. */
static int
run_cli (char **out,
         ...)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GSubprocess) proc = NULL;
  g_autoptr(GError) error = NULL;
  CliRun run = { 0 };
  va_list ap;

  g_ptr_array_add (argv, (char *) build_path ("cli", "paymint-cli"));
  va_start (ap, out);
  for (const char *a = va_arg (ap, const char *); a != NULL; a = va_arg (ap, const char *))
    g_ptr_array_add (argv, (char *) a);
  va_end (ap);
  g_ptr_array_add (argv, NULL);

  proc = g_subprocess_newv ((const char * const *) argv->pdata,
                            G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_PIPE
                            | G_SUBPROCESS_FLAGS_STDERR_PIPE, &error);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8_async (proc, "", NULL, communicated_cb, &run);
  g_assert_true (pm_test_wait_flag (&run.done, 90000));
  g_assert_true (g_subprocess_get_if_exited (proc));
  if (g_subprocess_get_exit_status (proc) != 0)
    g_test_message ("paymint-cli failed: %s", run.err);
  if (out != NULL)
    *out = g_steal_pointer (&run.out);
  g_free (run.out);
  g_free (run.err);
  return g_subprocess_get_exit_status (proc);
}

static char *
json_member (const char *json_text,
             const char *member)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;

  json_parser_load_from_data (parser, json_text, -1, &error);
  g_assert_no_error (error);
  return g_strdup (json_object_get_string_member (json_node_get_object (
                                                    json_parser_get_root (parser)), member));
}

/* ---- what the window shows ---- */

static guint want_rows;

/* The list has the rows, the totals count the same bills, no empty state is shown. */
static gboolean
list_and_totals_agree (gpointer data)
{
  GListModel *model = pm_payments_view_get_model (view);
  const char *totals = pm_payments_view_get_totals_text (view);
  g_autofree char *count = g_strdup_printf (want_rows == 1 ? "%u bill," : "%u bills,",
                                            want_rows);

  gboolean agree = g_list_model_get_n_items (model) == want_rows
                   && totals != NULL && g_str_has_prefix (totals, count)
                   && !empty_state_shown (GTK_WIDGET (view));

  if (!agree && data != NULL)
    g_test_message ("want %u rows: the list has %u, the totals say “%s”, empty state %s",
                    want_rows, g_list_model_get_n_items (model), totals,
                    empty_state_shown (GTK_WIDGET (view)) ? "shown" : "hidden");
  return agree;
}

/* Waits until list_and_totals_agree (), saying what the window showed if it never does. */
static void
wait_list_and_totals_agree (guint timeout_ms)
{
  gint64 end = g_get_monotonic_time () + (gint64) timeout_ms * 1000;

  while (!list_and_totals_agree (NULL) && g_get_monotonic_time () < end)
    if (!g_main_context_iteration (NULL, FALSE))
      g_usleep (1000);
  if (!list_and_totals_agree (GINT_TO_POINTER (1)))
    g_assert_not_reached ();
}

static gboolean
totals_have (gpointer text)
{
  const char *totals = pm_payments_view_get_totals_text (view);

  return totals != NULL && strstr (totals, text) != NULL;
}

static char *
write_csv (guint n)
{
  g_autoptr(GString) csv = g_string_new ("이름,전화번호,금액,상품명,메시지\n");
  g_autoptr(GError) error = NULL;
  char *path = g_build_filename (g_get_user_cache_dir (), "live.csv", NULL);

  for (guint i = 0; i < n; i++)
    g_string_append_printf (csv, "학생%02u,010-2345-%04u,%u,12월 수강료,수강료 안내\n", i,
                            6700 + i, 10000 + 1000 * i);
  g_mkdir_with_parents (g_get_user_cache_dir (), 0700);
  g_assert_true (g_file_set_contents (path, csv->str, (gssize) csv->len, &error));
  g_assert_no_error (error);
  return path;
}

/* paymint-cli bulk-send into the window's ledger while the window is open: rows,
 * totals and the empty state follow together, with nobody touching the window. */
static void
test_cli_bulk_send_shows (void)
{
  PmService *service = pm_application_get_service (app);
  g_autofree char *ledger = pm_service_default_ledger_path ();
  g_autofree char *url = pm_application_dup_sandbox_url (app);
  g_autofree char *csv = write_csv (12);
  g_autofree char *out = NULL;
  g_autofree char *voided = NULL;

  g_assert_nonnull (service);
  g_assert_nonnull (url);
  /* the window starts empty */
  want_rows = 0;
  g_assert_cmpuint (g_list_model_get_n_items (pm_payments_view_get_model (view)), ==, 0);

  g_assert_cmpint (run_cli (NULL, "--ledger", ledger, "--sandbox-url", url, "bulk-send",
                            "--yes", csv, NULL), ==, 0);
  want_rows = 12;
  wait_list_and_totals_agree (5000);

  /* another process voids one of them: its row and the totals change together */
  {
    g_autoptr(PmBill) first = g_list_model_get_item (pm_payments_view_get_model (view), 0);

    voided = g_strdup (pm_bill_get_bill_id (first));
  }
  g_assert_cmpint (run_cli (&out, "--ledger", ledger, "--sandbox-url", url, "destroy", "--yes",
                            voided, NULL), ==, 0);
  pm_test_spin_until (totals_have, (gpointer) "Voided 1", 5000);
  wait_list_and_totals_agree (2000);

  /* and one more, sent one by one */
  g_clear_pointer (&out, g_free);
  g_assert_cmpint (run_cli (&out, "--ledger", ledger, "--sandbox-url", url, "send", "--name",
                            "터미널", "--phone", "010-9876-5432", "--amount", "7000",
                            "--product", "교재", "--json", NULL), ==, 0);
  want_rows = 13;
  wait_list_and_totals_agree (5000);
}

/* ---- failures reach the clerk ---- */

typedef struct
{
  gboolean  done;
  PmBill   *bill;
  GError   *error;
} Sent;

static void
sent_cb (GObject      *object,
         GAsyncResult *result,
         gpointer      user_data)
{
  Sent *sent = user_data;

  sent->bill = pm_service_send_finish (PM_SERVICE (object), result, &sent->error);
  sent->done = TRUE;
}

static void
try_send (const char  *name,
          PmBill     **bill,
          GError     **error)
{
  g_autoptr(PmBill) draft = pm_bill_new ();
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  g_autoptr(GDateTime) later = g_date_time_add_days (now, 7);
  g_autofree char *expire = g_date_time_format (later, "%Y-%m-%d");
  Sent sent = { 0 };

  pm_bill_set_payer_name (draft, name);
  pm_bill_set_phone (draft, "01055556666");
  pm_bill_set_product (draft, "교재");
  pm_bill_set_message (draft, "결제 부탁드립니다");
  pm_bill_set_price (draft, 9000);
  pm_bill_set_expire_date (draft, expire);
  pm_service_send_async (pm_application_get_service (app), draft, NULL, sent_cb, &sent);
  g_assert_true (pm_test_wait_flag (&sent.done, 10000));
  *bill = sent.bill;
  if (sent.error != NULL)
    g_propagate_error (error, sent.error);
}

static gboolean
banner_shown (gpointer banner)
{
  return gtk_widget_get_mapped (banner);
}

static gboolean
banner_hidden (gpointer banner)
{
  return !gtk_widget_get_mapped (banner);
}

/* The ledger cannot be written: the banner says what failed and what to do, sending
 * refuses, Retry tells whether it helped, and once it did the banner goes. */
static void
check_banner (PmStorageBanner *banner)
{
  PmService *service = pm_application_get_service (app);
  PmLedger *ledger = pm_service_get_ledger (service);
  g_autoptr(GError) error = NULL;
  g_autoptr(PmBill) refused = NULL;
  g_autoptr(PmBill) sent = NULL;
  g_autofree char *text = NULL;

  g_assert_false (gtk_widget_get_mapped (GTK_WIDGET (banner)));

  pm_ledger_set_fail_writes_for_testing (ledger, TRUE);
  try_send ("저장 안 됨", &refused, &error);
  g_assert_null (refused);
  g_assert_error (error, PM_ERROR, PM_ERROR_STORAGE);
  g_clear_error (&error);
  pm_test_spin_until (banner_shown, banner, 2000);
  text = pm_storage_banner_dup_text (banner);
  g_assert_nonnull (strstr (text, "sending is paused"));
  g_assert_nonnull (strstr (text, "cannot be written")); /* what failed */
  g_assert_nonnull (strstr (text, "Free some disk space")); /* what to do */

  /* Retry while it still fails: still there, and it says the Retry was heard */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (banner), "storage.retry", NULL));
  pm_test_spin (100);
  g_assert_true (gtk_widget_get_mapped (GTK_WIDGET (banner)));
  g_clear_pointer (&text, g_free);
  text = pm_storage_banner_dup_text (banner);
  g_assert_nonnull (strstr (text, "It still cannot be written"));

  /* fixed: Retry, the banner goes, sending works */
  pm_ledger_set_fail_writes_for_testing (ledger, FALSE);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (banner), "storage.retry", NULL));
  pm_test_spin_until (banner_hidden, banner, 2000);
  g_assert_null (pm_service_get_storage_error (service));
  try_send ("다시 됨", &sent, &error);
  g_assert_no_error (error);
  g_assert_cmpint (pm_bill_get_state (sent), ==, PM_BILL_STATE_UNPAID);
}

/* The widget itself, in a window of its own. */
static void
test_storage_banner (void)
{
  GtkWidget *win = gtk_window_new ();
  GtkWidget *banner = pm_storage_banner_new (pm_application_get_service (app));

  gtk_window_set_child (GTK_WINDOW (win), banner);
  gtk_window_present (GTK_WINDOW (win));
  pm_test_spin (100);
  check_banner (PM_STORAGE_BANNER (banner));
  gtk_window_destroy (GTK_WINDOW (win));
  pm_test_spin (50);
}

/* Where the clerk sees it: in the main window. */
static void
test_storage_banner_in_window (void)
{
  GtkWidget *banner = find_widget (GTK_WIDGET (window), PM_TYPE_STORAGE_BANNER);

  g_assert_nonnull (banner); /* the window has one (wired in pm-window) */
  check_banner (PM_STORAGE_BANNER (banner));
}

/* ---- one sandbox per user: the program's start-up and paymint-cli --sandbox ---- */

static PmBill *
act (PmService    *service,
     const char   *bill_id,
     PmBillAction  action)
{
  g_autoptr(GError) error = NULL;
  PmBill *bill = pm_test_act (service, bill_id, action, &error);

  g_assert_no_error (error);
  return bill;
}

static gboolean
has_profile (gpointer data)
{
  return pm_service_get_profile (pm_application_get_service (data)) != NULL;
}

/* Run in a fresh process (its own folders, so no other sandbox holds the state file). */
static void
shared_sandbox_app (void)
{
  g_autoptr(PmApplication) shared = pm_application_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(PmBill) mine = NULL;
  g_autoptr(PmBill) voided = NULL;
  g_autoptr(PmBill) theirs_voided = NULL;
  g_autofree char *ledger = pm_service_default_ledger_path ();
  g_autofree char *url = NULL;
  g_autofree char *out = NULL;
  g_autofree char *theirs = NULL;
  g_autofree char *address = pm_shared_sandbox_dup_address_path ();
  g_autofree char *published = NULL;
  PmService *service;

  app = shared; /* try_send () sends through it */
  g_application_set_flags (G_APPLICATION (shared), G_APPLICATION_NON_UNIQUE);
  g_application_set_application_id (G_APPLICATION (shared), APP_ID ".Shared");
  pm_application_set_shared_sandbox (shared, TRUE);
  pm_application_set_use_sandbox (shared, TRUE);
  g_application_register (G_APPLICATION (shared), NULL, &error);
  g_assert_no_error (error);
  pm_test_spin_until (has_profile, shared, 20000);
  service = pm_application_get_service (shared);

  /* the shared server, a process of its own, not one in this process */
  g_assert_null (pm_application_get_sandbox (shared));
  url = pm_application_dup_sandbox_url (shared);
  g_assert_nonnull (url);
  g_assert_true (g_file_get_contents (address, &published, NULL, NULL));
  g_assert_nonnull (strstr (published, url));

  /* the desk sends, paymint-cli --sandbox voids it */
  try_send ("데스크", &mine, &error);
  g_assert_no_error (error);
  g_assert_cmpint (run_cli (NULL, "--sandbox", "--ledger", ledger, "destroy", "--yes",
                            pm_bill_get_bill_id (mine), NULL), ==, 0);
  voided = act (service, pm_bill_get_bill_id (mine), PM_BILL_ACTION_REFRESH);
  g_assert_cmpint (pm_bill_get_state (voided), ==, PM_BILL_STATE_DESTROYED);

  /* paymint-cli --sandbox sends, the desk voids it */
  g_assert_cmpint (run_cli (&out, "--sandbox", "--ledger", ledger, "send", "--name", "터미널",
                            "--phone", "010-2345-6789", "--amount", "12000", "--product",
                            "체험", "--json", NULL), ==, 0);
  theirs = json_member (out, "bill_id");
  theirs_voided = act (service, theirs, PM_BILL_ACTION_DESTROY);
  g_assert_cmpint (pm_bill_get_state (theirs_voided), ==, PM_BILL_STATE_DESTROYED);

  /* still the one server the desk joined */
  g_clear_pointer (&published, g_free);
  g_assert_true (g_file_get_contents (address, &published, NULL, NULL));
  g_assert_nonnull (strstr (published, url));
  app = NULL;
}

static void
test_shared_sandbox_app (void)
{
  if (g_test_subprocess ())
    {
      shared_sandbox_app ();
      return;
    }
  g_test_trap_subprocess (NULL, 120 * G_USEC_PER_SEC, G_TEST_SUBPROCESS_INHERIT_STDERR);
  g_test_trap_assert_passed ();
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GError) error = NULL;
  int ret;

  pm_test_init (&argc, &argv);
  g_setenv ("PAYMINT_SANDBOX_PROGRAM", build_path ("sandbox", "paymint-sandbox"), TRUE);

  g_test_add_func ("/live/shared-sandbox-app", test_shared_sandbox_app);
  if (g_test_subprocess ())
    return g_test_run ();

  pm_test_start_notification_server ();
  app = pm_application_new ();
  g_application_set_flags (G_APPLICATION (app), G_APPLICATION_NON_UNIQUE);
  pm_application_set_use_sandbox (app, TRUE);
  g_application_register (G_APPLICATION (app), NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (pm_application_get_sandbox (app));
  /* nobody pays by themselves here */
  pm_sandbox_set_payers (pm_application_get_sandbox (app), 0.0, 60, 60, 0.0);

  g_application_activate (G_APPLICATION (app));
  window = PM_WINDOW (gtk_application_get_active_window (GTK_APPLICATION (app)));
  view = PM_PAYMENTS_VIEW (pm_window_get_payments_view (window));
  g_assert_nonnull (view);

  g_test_add_func ("/live/cli-bulk-send-shows", test_cli_bulk_send_shows);
  g_test_add_func ("/live/storage-banner", test_storage_banner);
  g_test_add_func ("/live/storage-banner-in-window", test_storage_banner_in_window);

  ret = g_test_run ();
  gtk_window_destroy (GTK_WINDOW (window));
  g_application_quit (G_APPLICATION (app));
  g_clear_object (&app);
  return ret;
}
