/* test-cli-shared-sandbox.c — one sandbox per user: the desk and paymint-cli share it
 *
 * Copyright 2026 The Paymint Desk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * This process joins the user's shared sandbox exactly as the desk's start-up does
 * (pm_shared_sandbox_join: the real paymint-sandbox program, started detached) and sends
 * through a PmService, while the real paymint-cli --sandbox runs beside it on the same
 * ledger. Each test ends with the server gone, so the next one starts from nothing.
 */

#include "config.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <signal.h>
#include <string.h>

#include "cli-test-common.h"
#include "pm-sandbox.h"
#include "pm-service.h"
#include "pm-shared-sandbox.h"
#include "pm-test-service.h"
#include "pm-test-util.h"

/* paymint-cli's Sandbox profile (PM_CLI_SANDBOX_PROFILE_UUID), the desk's too */
#define SANDBOX_PROFILE_UUID "5a4db0c5-0000-4000-8000-000000000001"

static char *
sandbox_program (void)
{
  const char *root = g_getenv ("PM_BUILD_ROOT");

  g_assert_nonnull (root);
  return g_build_filename (root, "src", "sandbox", "paymint-sandbox", NULL);
}

/* Whether @pid has ended (gone, or a zombie nobody reaped yet). */
static gboolean
process_gone (GPid pid)
{
  g_autofree char *path = g_strdup_printf ("/proc/%d/stat", (int) pid);
  g_autofree char *stat = NULL;
  const char *paren;

  if (kill (pid, 0) != 0 && errno == ESRCH)
    return TRUE;
  if (!g_file_get_contents (path, &stat, NULL, NULL))
    return TRUE;
  paren = strrchr (stat, ')');
  return paren != NULL && (paren[2] == 'Z' || paren[2] == 'X');
}

static gboolean
gone_cb (gpointer data)
{
  return process_gone ((GPid) GPOINTER_TO_INT (data));
}

/* The pid sandbox.json names, or 0 when there is none. */
static GPid
published_pid (void)
{
  g_autofree char *path = pm_shared_sandbox_dup_address_path ();
  g_autoptr(JsonParser) parser = json_parser_new ();

  if (!json_parser_load_from_file (parser, path, NULL))
    return 0;
  return (GPid) json_object_get_int_member (json_node_get_object (json_parser_get_root (parser)),
                                            "pid");
}

static char *
ledger_path (void)
{
  return g_build_filename (g_get_user_data_dir (), "paymint-desk", "ledger.db", NULL);
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

/* The desk's side: a PmService on the default ledger with the Sandbox profile. */
static PmService *
desk_service (PmSharedSandbox *sandbox)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *ledger = ledger_path ();
  g_autoptr(PmProfile) profile = pm_profile_new ();
  PmService *service;

  service = pm_service_new (ledger, &error);
  g_assert_no_error (error);
  pm_profile_set_uuid (profile, SANDBOX_PROFILE_UUID);
  pm_profile_set_name (profile, "Sandbox");
  pm_profile_set_base_url (profile, pm_shared_sandbox_get_base_url (sandbox));
  pm_profile_set_api_key (profile, PM_SANDBOX_DEMO_KEY);
  pm_profile_set_mode (profile, PM_PROFILE_MODE_MMK);
  pm_service_set_profile (service, profile);
  pm_service_set_polling (service, FALSE, 4);
  return service;
}

static PmBill *
desk_send (PmService  *service,
           const char *name)
{
  g_autoptr(PmBill) draft = pm_bill_new ();
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  g_autoptr(GDateTime) later = g_date_time_add_days (now, 7);
  g_autofree char *expire = g_date_time_format (later, "%Y-%m-%d");
  g_autoptr(GError) error = NULL;
  PmBill *bill;

  pm_bill_set_payer_name (draft, name);
  pm_bill_set_phone (draft, "01023456789");
  pm_bill_set_product (draft, "체험 수업");
  pm_bill_set_message (draft, "결제 부탁드립니다");
  pm_bill_set_price (draft, 15000);
  pm_bill_set_expire_date (draft, expire);
  bill = pm_test_send (service, draft, &error);
  g_assert_no_error (error);
  g_assert_cmpint (pm_bill_get_state (bill), ==, PM_BILL_STATE_UNPAID);
  return bill;
}

static PmBill *
desk_action (PmService    *service,
             const char   *bill_id,
             PmBillAction  action)
{
  g_autoptr(GError) error = NULL;
  PmBill *bill = pm_test_act (service, bill_id, action, &error);

  g_assert_no_error (error);
  return bill;
}

/* Drops this process's hold and waits for the server to go, as it must once its last
 * user has. */
static void
leave_and_wait_gone (PmSharedSandbox *sandbox)
{
  GPid pid = pm_shared_sandbox_get_server_pid (sandbox);
  g_autofree char *address = pm_shared_sandbox_dup_address_path ();

  g_assert_cmpint (pid, >, 0);
  g_assert_finalize_object (sandbox);
  pm_test_spin_until (gone_cb, GINT_TO_POINTER (pid), PM_SHARED_SANDBOX_LINGER_MS + 8000);
  g_assert_false (g_file_test (address, G_FILE_TEST_EXISTS));
}

/* The desk and the CLI at once on one sandbox: each voids a bill the other sent. */
static void
test_void_across (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PmSharedSandbox) sandbox = NULL;
  g_autoptr(PmService) service = NULL;
  g_autoptr(PmBill) mine = NULL;
  g_autoptr(PmBill) voided = NULL;
  g_autoptr(PmBill) theirs_voided = NULL;
  g_autofree char *ledger = ledger_path ();
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autofree char *theirs = NULL;
  GPid server;

  sandbox = pm_shared_sandbox_join (&error);
  g_assert_no_error (error);
  g_assert_true (pm_shared_sandbox_get_started (sandbox));
  server = pm_shared_sandbox_get_server_pid (sandbox);
  g_assert_cmpint (published_pid (), ==, server);
  service = desk_service (sandbox);

  /* the desk sends; paymint-cli --sandbox voids it: the server knows the bill */
  mine = desk_send (service, "데스크에서 보냄");
  g_assert_cmpint (cli_test_runv (NULL, &out, &err, "--sandbox", "--ledger", ledger, "destroy",
                                  "--yes", pm_bill_get_bill_id (mine), NULL), ==, 0);
  voided = desk_action (service, pm_bill_get_bill_id (mine), PM_BILL_ACTION_REFRESH);
  g_assert_cmpint (pm_bill_get_state (voided), ==, PM_BILL_STATE_DESTROYED);
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  /* paymint-cli --sandbox sends; the desk voids it */
  g_assert_cmpint (cli_test_runv (NULL, &out, &err, "--sandbox", "--ledger", ledger, "send",
                                  "--name", "터미널에서 보냄", "--phone", "010-2345-6789",
                                  "--amount", "12000", "--product", "체험", "--json", NULL),
                   ==, 0);
  theirs = json_member (out, "bill_id");
  theirs_voided = desk_action (service, theirs, PM_BILL_ACTION_DESTROY);
  g_assert_cmpint (pm_bill_get_state (theirs_voided), ==, PM_BILL_STATE_DESTROYED);

  /* and all along one server: the CLI joined, it did not start its own */
  g_assert_cmpint (published_pid (), ==, server);
  g_assert_false (process_gone (server));

  g_assert_finalize_object (g_steal_pointer (&service));
  leave_and_wait_gone (g_steal_pointer (&sandbox));
}

/* A user that crashes does not take the server down; the server does not outlive the
 * last one, crashed or not. */
static void
test_outlives_no_user (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PmSharedSandbox) sandbox = NULL;
  g_autoptr(GSubprocess) other = NULL;
  g_autofree char *users = NULL;
  g_autofree char *user_file = NULL;
  g_autofree char *address = pm_shared_sandbox_dup_address_path ();
  g_autofree char *runtime = pm_shared_sandbox_dup_runtime_dir ();
  GPid server;

  sandbox = pm_shared_sandbox_join (&error);
  g_assert_no_error (error);
  server = pm_shared_sandbox_get_server_pid (sandbox);

  /* another user: a process registered the way the desk and the CLI register */
  other = g_subprocess_new (G_SUBPROCESS_FLAGS_NONE, &error, "sleep", "60", NULL);
  g_assert_no_error (error);
  users = g_build_filename (runtime, "sandbox-users", NULL);
  user_file = g_build_filename (users, g_subprocess_get_identifier (other), NULL);
  g_assert_true (g_file_set_contents (user_file, "0\n", -1, &error));

  /* this process leaves: the other user keeps it */
  g_clear_object (&sandbox);
  pm_test_spin (PM_SHARED_SANDBOX_LINGER_MS + 2000);
  g_assert_false (process_gone (server));
  g_assert_true (g_file_test (address, G_FILE_TEST_EXISTS));
  {
    /* and it still serves: a new user joins it */
    g_autoptr(PmSharedSandbox) again = pm_shared_sandbox_join (&error);

    g_assert_no_error (error);
    g_assert_false (pm_shared_sandbox_get_started (again));
    g_assert_cmpint (pm_shared_sandbox_get_server_pid (again), ==, server);
  }

  /* the other user crashes (SIGKILL: it says nothing): the server goes by itself */
  g_subprocess_force_exit (other);
  g_subprocess_wait (other, NULL, NULL);
  pm_test_spin_until (gone_cb, GINT_TO_POINTER (server), PM_SHARED_SANDBOX_LINGER_MS + 8000);
  g_assert_false (g_file_test (address, G_FILE_TEST_EXISTS));
  g_assert_false (g_file_test (user_file, G_FILE_TEST_EXISTS));
}

/* The server crashes: its address file stays behind, answering nothing. The next user
 * starts a new server, which keeps the bills of the state file. */
static void
test_stale_address_replaced (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PmSharedSandbox) first = NULL;
  g_autoptr(PmSharedSandbox) second = NULL;
  g_autofree char *address = pm_shared_sandbox_dup_address_path ();
  g_autofree char *ledger = ledger_path ();
  g_autofree char *stale = NULL;
  g_autofree char *fresh = NULL;
  g_autofree char *out = NULL;
  g_autofree char *bill_id = NULL;
  GPid crashed;

  first = pm_shared_sandbox_join (&error);
  g_assert_no_error (error);
  crashed = pm_shared_sandbox_get_server_pid (first);
  g_assert_cmpint (cli_test_runv (NULL, &out, NULL, "--sandbox", "--ledger", ledger, "send",
                                  "--name", "남는 청구", "--phone", "010-2345-6789", "--amount",
                                  "5000", "--product", "체험", "--json", NULL), ==, 0);
  bill_id = json_member (out, "bill_id");
  g_clear_pointer (&out, g_free);

  g_assert_cmpint (kill (crashed, SIGKILL), ==, 0);
  pm_test_spin_until (gone_cb, GINT_TO_POINTER (crashed), 5000);
  g_assert_true (g_file_get_contents (address, &stale, NULL, NULL));

  /* a user finds the stale address: no answer there, so it starts a new server */
  second = pm_shared_sandbox_join (&error);
  g_assert_no_error (error);
  g_assert_true (pm_shared_sandbox_get_started (second));
  g_assert_cmpint (pm_shared_sandbox_get_server_pid (second), !=, crashed);
  g_assert_cmpstr (pm_shared_sandbox_get_base_url (second), !=,
                   pm_shared_sandbox_get_base_url (first));
  g_assert_true (g_file_get_contents (address, &fresh, NULL, NULL));
  g_assert_cmpstr (fresh, !=, stale);
  g_assert_cmpint (published_pid (), ==, pm_shared_sandbox_get_server_pid (second));

  /* the CLI joins the new one, and the bill sent before the crash is still known */
  g_assert_cmpint (cli_test_runv (NULL, &out, NULL, "--sandbox", "--ledger", ledger, "read",
                                  "--json", bill_id, NULL), ==, 0);
  g_assert_nonnull (strstr (out, bill_id));
  g_assert_cmpint (published_pid (), ==, pm_shared_sandbox_get_server_pid (second));

  g_clear_object (&first);
  leave_and_wait_gone (g_steal_pointer (&second));
}

/* Only one sandbox writes a state file: a second one is refused, in this process or as
 * a --shared server (which then exits with PM_SHARED_SANDBOX_EXIT_BUSY). */
static void
test_state_file_locked (void)
{
  g_autofree char *state = g_build_filename (g_get_user_data_dir (), "locked-state.json", NULL);
  g_autofree char *program = sandbox_program ();
  g_autoptr(GError) error = NULL;
  g_autoptr(PmSandbox) owner = pm_sandbox_new ();
  g_autoptr(PmSandbox) second = pm_sandbox_new ();
  g_autoptr(GSubprocess) server = NULL;

  g_assert_true (pm_sandbox_set_state_file (owner, state, &error));
  g_assert_no_error (error);
  g_assert_false (pm_sandbox_set_state_file (second, state, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_BUSY);
  g_clear_error (&error);

  server = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE | G_SUBPROCESS_FLAGS_STDERR_SILENCE,
                             &error, program, "--shared", "--state-file", state, NULL);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_wait (server, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_if_exited (server));
  g_assert_cmpint (g_subprocess_get_exit_status (server), ==, PM_SHARED_SANDBOX_EXIT_BUSY);

  /* the owner gone, the lock is free */
  g_assert_finalize_object (g_steal_pointer (&owner));
  g_assert_true (pm_sandbox_set_state_file (second, state, &error));
  g_assert_no_error (error);
}

int
main (int   argc,
      char *argv[])
{
  g_autofree char *program = NULL;

  pm_test_init (&argc, &argv);
  program = sandbox_program ();
  g_setenv ("PAYMINT_SANDBOX_PROGRAM", program, TRUE);

  g_test_add_func ("/shared-sandbox/void-across", test_void_across);
  g_test_add_func ("/shared-sandbox/outlives-no-user", test_outlives_no_user);
  g_test_add_func ("/shared-sandbox/stale-address-replaced", test_stale_address_replaced);
  g_test_add_func ("/shared-sandbox/state-file-locked", test_state_file_locked);
  return g_test_run ();
}
