/* test-cli.c — paymint-cli driven as a program against the sandbox
 *
 * Copyright 2026 The Paymint Desk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Each test runs its own PmSandbox in this process on a loopback port and points the
 * CLI at it with --sandbox-url (so the bills the sandbox holds can be counted), with a
 * private ledger file; --sandbox (the CLI's own in-process sandbox) is tested too.
 */

#include "config.h"

#include <glib/gstdio.h>
#include <signal.h>
#include <sqlite3.h>
#include <string.h>

#include "cli-test-common.h"
#include "pm-ledger.h"
#include "pm-sandbox.h"
#include "pm-service.h"
#include "pm-test-util.h"

typedef CliSandbox Fixture;

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  cli_sandbox_start (f, 7, "pm-cli-XXXXXX");
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  cli_sandbox_stop (f);
}

/* paymint-cli --sandbox-url URL --ledger PATH ARGS… */
static int
run (Fixture     *f,
     const char  *input,
     char       **out,
     char       **err,
     ...)
{
  va_list ap;
  int status;

  va_start (ap, err);
  status = cli_sandbox_run_valist (f, input, out, err, va_arg (ap, const char *), ap);
  va_end (ap);
  return status;
}

static char *
json_string_member (const char *json_text,
                    const char *member)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  JsonNode *root;

  json_parser_load_from_data (parser, json_text, -1, &error);
  g_assert_no_error (error);
  root = json_parser_get_root (parser);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (root));
  return g_strdup (json_object_get_string_member (json_node_get_object (root), member));
}

static PmBill *
ledger_lookup (Fixture    *f,
               const char *bill_id)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PmLedger) ledger = pm_ledger_new (f->ledger, &error);
  PmBill *bill;

  g_assert_no_error (error);
  bill = pm_ledger_lookup (ledger, bill_id, &error);
  g_assert_no_error (error);
  return bill;
}

static guint
ledger_count (const char *path)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PmLedger) ledger = pm_ledger_new (path, &error);
  g_autoptr(PmLedgerQuery) query = pm_ledger_query_new ();
  guint n = 0;

  g_assert_no_error (error);
  pm_ledger_count (ledger, query, &n, &error);
  g_assert_no_error (error);
  return n;
}

static void
assert_integrity (const char *path)
{
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = NULL;

  g_assert_cmpint (sqlite3_open_v2 (path, &db, SQLITE_OPEN_READONLY, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_prepare_v2 (db, "PRAGMA integrity_check", -1, &stmt, NULL), ==,
                   SQLITE_OK);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  g_assert_cmpstr ((const char *) sqlite3_column_text (stmt, 0), ==, "ok");
  sqlite3_finalize (stmt);
  sqlite3_close (db);
}

static char *
write_file (Fixture    *f,
            const char *name,
            const char *contents,
            gssize      length)
{
  g_autoptr(GError) error = NULL;
  char *path = g_build_filename (f->dir, name, NULL);

  g_file_set_contents (path, contents, length, &error);
  g_assert_no_error (error);
  return path;
}

/* A CSV of @n distinct valid rows (UTF-8). */
static char *
make_rows (guint n)
{
  GString *s = g_string_new ("이름,전화번호,금액,상품명,메시지\n");

  for (guint i = 0; i < n; i++)
    g_string_append_printf (s, "학생%u,010-%04u-%04u,%u,11월 수강료,\"안내, %u번\"\n", i,
                            1000 + i / 100, 2000 + i, 1000 + i * 10, i);
  return g_string_free (s, FALSE);
}

/* ---- help and usage ---- */

static void
test_help (void)
{
  static const char *commands[][2] = {
    { "profiles", NULL }, { "licenses", NULL }, { "send", NULL }, { "bulk-send", NULL },
    { "read", NULL }, { "cancel", NULL }, { "destroy", NULL }, { "resend", NULL },
    { "send-again", NULL },
    { "refresh", NULL }, { "list", NULL }, { "export", NULL }, { "autopay", "register" },
    { "autopay", "methods" }, { "autopay", "update" }, { "autopay", "charge" },
    { "autopay", "delete" }, { "profiles", "add" }, { "profiles", "remove" },
  };
  g_autofree char *out = NULL;

  g_assert_cmpint (cli_test_runv (NULL, &out, NULL, "--help", NULL), ==, 0);
  g_assert_nonnull (strstr (out, "bulk-send"));
  g_assert_nonnull (strstr (out, "send-again"));
  g_assert_nonnull (strstr (out, "Exit status"));
  {
    g_autofree char *bulk = NULL;

    g_assert_cmpint (cli_test_runv (NULL, &bulk, NULL, "bulk-send", "--help", NULL), ==, 0);
    g_assert_nonnull (strstr (bulk, "--allow-duplicates"));
    g_assert_nonnull (strstr (bulk, "--as-new-batch"));
  }
  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    {
      g_autofree char *text = NULL;
      int status;

      if (commands[i][1] != NULL)
        status = cli_test_runv (NULL, &text, NULL, commands[i][0], commands[i][1], "--help",
                                NULL);
      else
        status = cli_test_runv (NULL, &text, NULL, commands[i][0], "--help", NULL);
      g_assert_cmpint (status, ==, 0);
      g_assert_nonnull (strstr (text, "Usage"));
    }
}

static void
test_usage_errors (Fixture       *f,
                   gconstpointer  data)
{
  g_autofree char *err = NULL;
  const char *no_args[] = { NULL };

  g_assert_cmpint (cli_test_run (no_args, NULL, NULL, NULL), ==, 1);
  g_assert_cmpint (cli_test_runv (NULL, NULL, &err, "frobnicate", NULL), ==, 1);
  g_assert_nonnull (strstr (err, "frobnicate"));
  g_assert_cmpint (cli_test_runv (NULL, NULL, NULL, "--sandbox", "--sandbox-url", f->url,
                                  "list", NULL), ==, 1);
  g_assert_cmpint (run (f, NULL, NULL, NULL, "list", "--state", "bogus", NULL), ==, 1);
  g_assert_cmpint (run (f, NULL, NULL, NULL, "list", "--from", "2026-13-45", NULL), ==, 1);
  g_assert_cmpint (run (f, NULL, NULL, NULL, "list", "--sort", "colour", NULL), ==, 1);
  g_assert_cmpint (run (f, NULL, NULL, NULL, "list", "--json", "--csv", NULL), ==, 1);
  g_assert_cmpint (run (f, NULL, NULL, NULL, "list", "--no-such-option", NULL), ==, 1);
  g_assert_cmpint (run (f, NULL, NULL, NULL, "read", NULL), ==, 1);
  g_assert_cmpint (run (f, NULL, NULL, NULL, "read", "not-a-bill-id!", NULL), ==, 1);
  g_assert_cmpint (run (f, NULL, NULL, NULL, "read", "NOSUCHBILL", NULL), ==, 1);
  g_assert_cmpint (run (f, NULL, NULL, NULL, "refresh", NULL), ==, 1);
  g_assert_cmpint (run (f, NULL, NULL, NULL, "export", NULL), ==, 1);
  g_assert_cmpint (run (f, NULL, NULL, NULL, "autopay", NULL), ==, 1);
  g_assert_cmpint (run (f, NULL, NULL, NULL, "autopay", "charge", "--phone", "01023456789",
                        NULL), ==, 1);
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (run (f, NULL, NULL, &err, "send", "--name", "홍길동", "--phone",
                        "02-123-4567", "--amount", "1000", "--product", "수강료", NULL), ==, 1);
  g_assert_nonnull (strstr (err, "phone"));
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (run (f, NULL, NULL, &err, "send", "--name", "홍길동", "--phone",
                        "010-2345-6789", "--amount", "열 냥", "--product", "수강료", NULL), ==, 1);
  g_assert_nonnull (strstr (err, "price"));
  g_assert_cmpint (run (f, NULL, NULL, NULL, "send", "--name", "홍길동", "--phone",
                        "010-2345-6789", "--amount", "1000", "--product", "수강료", "--expire",
                        "2001-01-01", NULL), ==, 1);
  g_assert_cmpint (run (f, "{\"member_nm\": 5}", NULL, NULL, "send", NULL), ==, 1);
  g_assert_cmpint (run (f, "{\"member_nm\": \"a\", \"colour\": \"red\"}", NULL, NULL, "send",
                        NULL), ==, 1);
  g_assert_cmpint (run (f, "not json", NULL, NULL, "send", NULL), ==, 1);
  /* nothing reached the server */
  g_assert_cmpuint (pm_sandbox_count_bills (f->sandbox), ==, 0);
}

/* ---- one bill through its life ---- */

static void
test_send_and_actions (Fixture       *f,
                       gconstpointer  data)
{
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autofree char *bill_id = NULL;
  g_autofree char *bill2 = NULL;
  g_autofree char *state = NULL;
  g_autofree char *csv_path = g_build_filename (f->dir, "out.csv", NULL);
  g_autofree char *csv = NULL;
  g_autoptr(PmBill) bill = NULL;

  g_assert_cmpint (run (f, NULL, &out, NULL, "send", "--name", "홍길동", "--phone",
                        "010-2345-6789", "--amount", "30,000원", "--product", "11월 수강료",
                        "--message", "11월 수강료 안내드립니다", "--json", NULL), ==, 0);
  bill_id = json_string_member (out, "bill_id");
  g_assert_cmpuint (strlen (bill_id), ==, 20);
  state = pm_sandbox_dup_bill_state (f->sandbox, bill_id);
  g_assert_cmpstr (state, ==, "W");
  bill = ledger_lookup (f, bill_id);
  g_assert_nonnull (bill);
  g_assert_cmpint (pm_bill_get_price (bill), ==, 30000);
  g_assert_cmpstr (pm_bill_get_phone (bill), ==, "01023456789");
  g_assert_cmpint (pm_bill_get_state (bill), ==, PM_BILL_STATE_UNPAID);
  g_clear_object (&bill);

  /* the JSON form on stdin, with the API's field names */
  g_clear_pointer (&out, g_free);
  {
    /* the last day to pay is at most 365 days ahead */
    g_autofree char *expire = pm_bill_korea_date (g_get_real_time () / G_USEC_PER_SEC
                                                  + 300 * 86400);
    g_autofree char *json =
      g_strdup_printf ("{\"member_nm\": \"김영희\", \"phone\": \"01098765432\", "
                       "\"price\": 15000, \"product_nm\": \"교재비\", \"message\": \"안내\", "
                       "\"expire_dt\": \"%s\", \"bill_id\": \"MYBILL0001\"}", expire);

    g_assert_cmpint (run (f, json, &out, NULL, "send", "--json", NULL), ==, 0);
  }
  bill2 = json_string_member (out, "bill_id");
  g_assert_cmpstr (bill2, ==, "MYBILL0001");
  g_clear_pointer (&state, g_free);
  state = pm_sandbox_dup_bill_state (f->sandbox, "MYBILL0001");
  g_assert_cmpstr (state, ==, "W");
  g_assert_cmpuint (pm_sandbox_count_bills (f->sandbox), ==, 2);

  /* read, resend */
  g_clear_pointer (&out, g_free);
  g_assert_cmpint (run (f, NULL, &out, NULL, "read", bill_id, NULL), ==, 0);
  g_assert_nonnull (strstr (out, bill_id));
  g_assert_nonnull (strstr (out, "₩30,000"));
  g_assert_nonnull (strstr (out, "삼만 원"));
  g_assert_cmpint (run (f, NULL, NULL, NULL, "resend", bill_id, NULL), ==, 0);
  g_assert_cmpuint (pm_sandbox_count_bills (f->sandbox), ==, 2);

  /* list: table, JSON, CSV, filters */
  g_clear_pointer (&out, g_free);
  g_assert_cmpint (run (f, NULL, &out, NULL, "list", NULL), ==, 0);
  g_assert_nonnull (strstr (out, "홍길동"));
  g_assert_nonnull (strstr (out, "김영희"));
  g_clear_pointer (&out, g_free);
  g_assert_cmpint (run (f, NULL, &out, NULL, "list", "--search", "김영희", "--json", NULL), ==, 0);
  g_assert_nonnull (strstr (out, "MYBILL0001"));
  g_assert_null (strstr (out, bill_id));
  g_clear_pointer (&out, g_free);
  g_assert_cmpint (run (f, NULL, &out, NULL, "list", "--sort", "amount:asc", "--limit", "1",
                        "--csv", NULL), ==, 0);
  g_assert_nonnull (strstr (out, "MYBILL0001"));
  g_assert_null (strstr (out, bill_id));
  g_clear_pointer (&out, g_free);
  g_assert_cmpint (run (f, NULL, &out, NULL, "list", "--state", "paid", "--json", NULL), ==, 0);
  g_assert_null (strstr (out, "bill_id"));

  /* paid on the server: destroy is refused there (2), read adopts it, cancel refunds */
  g_assert_true (pm_sandbox_pay_bill (f->sandbox, bill_id));
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (run (f, NULL, NULL, &err, "destroy", "--yes", bill_id, NULL), ==, 2);
  g_assert_cmpint (run (f, NULL, NULL, NULL, "read", bill_id, NULL), ==, 0);
  bill = ledger_lookup (f, bill_id);
  g_assert_cmpint (pm_bill_get_state (bill), ==, PM_BILL_STATE_PAID);
  g_clear_object (&bill);
  /* no confirmation possible without a terminal */
  g_assert_cmpint (run (f, NULL, NULL, NULL, "cancel", bill_id, NULL), ==, 1);
  g_clear_pointer (&state, g_free);
  state = pm_sandbox_dup_bill_state (f->sandbox, bill_id);
  g_assert_cmpstr (state, ==, "F");
  g_assert_cmpint (run (f, NULL, NULL, NULL, "cancel", "--yes", bill_id, NULL), ==, 0);
  g_clear_pointer (&state, g_free);
  state = pm_sandbox_dup_bill_state (f->sandbox, bill_id);
  g_assert_cmpstr (state, ==, "C");

  /* destroy the unpaid one */
  g_assert_cmpint (run (f, NULL, NULL, NULL, "destroy", "--yes", "MYBILL0001", NULL), ==, 0);
  g_clear_pointer (&state, g_free);
  state = pm_sandbox_dup_bill_state (f->sandbox, "MYBILL0001");
  g_assert_cmpstr (state, ==, "D");

  /* refresh and export */
  g_clear_pointer (&out, g_free);
  g_assert_cmpint (run (f, NULL, &out, NULL, "refresh", "--all", NULL), ==, 0);
  g_assert_cmpint (run (f, NULL, NULL, NULL, "refresh", bill_id, "MYBILL0001", NULL), ==, 0);
  g_assert_cmpint (run (f, NULL, NULL, NULL, "export", csv_path, NULL), ==, 0);
  g_file_get_contents (csv_path, &csv, NULL, NULL);
  g_assert_nonnull (csv);
  g_assert_nonnull (strstr (csv, bill_id));
  g_assert_nonnull (strstr (csv, "cancelled"));
  g_assert_nonnull (strstr (csv, "destroyed"));

  /* licenses */
  g_clear_pointer (&out, g_free);
  g_assert_cmpint (run (f, NULL, &out, NULL, "licenses", NULL), ==, 0);
  g_assert_nonnull (strstr (out, PM_SANDBOX_DEMO_BUSINESS_NUMBER));
}

static void
test_exit_codes (Fixture       *f,
                 gconstpointer  data)
{
  g_autofree char *err = NULL;

  /* 4: not enough balance */
  pm_sandbox_set_balance (f->sandbox, PM_SANDBOX_DEMO_KEY, 0);
  g_assert_cmpint (run (f, NULL, NULL, &err, "send", "--name", "홍길동", "--phone",
                        "010-2345-6789", "--amount", "1000", "--product", "수강료", NULL), ==, 4);
  g_assert_nonnull (strstr (err, "not created"));
  g_assert_cmpuint (pm_sandbox_count_bills (f->sandbox), ==, 0);
  pm_sandbox_set_balance (f->sandbox, PM_SANDBOX_DEMO_KEY, 1000000);

  /* 3: the request may have been applied and nobody can tell yet */
  pm_sandbox_set_fault (f->sandbox, "request", PM_SANDBOX_FAULT_RESET_AFTER, 1.0);
  pm_sandbox_set_fault (f->sandbox, "read", PM_SANDBOX_FAULT_HTTP_503, 1.0);
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (run (f, NULL, NULL, &err, "send", "--name", "홍길동", "--phone",
                        "010-2345-6789", "--amount", "1000", "--product", "수강료", NULL), ==, 3);
  g_assert_nonnull (strstr (err, "refresh"));
  pm_sandbox_clear_faults (f->sandbox);
  /* settled afterwards: exactly one bill */
  g_assert_cmpint (run (f, NULL, NULL, NULL, "refresh", "--all", NULL), ==, 0);
  g_assert_cmpuint (pm_sandbox_count_bills (f->sandbox), ==, 1);
  g_assert_cmpuint (ledger_count (f->ledger), ==, 2); /* the refused one stays, as failed */
}

static void
test_autopay (Fixture       *f,
              gconstpointer  data)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autofree char *out = NULL;
  g_autofree char *method = NULL;
  g_autoptr(GError) error = NULL;
  JsonArray *array;

  g_assert_cmpint (run (f, NULL, &out, NULL, "autopay", "register", "--name", "홍길동",
                        "--phone", "010-2345-6789", NULL), ==, 0);
  g_assert_nonnull (strstr (out, "http"));
  g_assert_true (pm_sandbox_open_autopay_link (f->sandbox, "01023456789"));
  g_clear_pointer (&out, g_free);
  g_assert_cmpint (run (f, NULL, &out, NULL, "autopay", "methods", "--phone", "010-2345-6789",
                        "--json", NULL), ==, 0);
  json_parser_load_from_data (parser, out, -1, &error);
  g_assert_no_error (error);
  array = json_node_get_array (json_parser_get_root (parser));
  g_assert_cmpuint (json_array_get_length (array), ==, 1);
  method = g_strdup (json_object_get_string_member (json_array_get_object_element (array, 0),
                                                    "method_id"));
  g_assert_cmpint (run (f, NULL, NULL, NULL, "autopay", "update", "--phone", "01023456789",
                        "--method", method, NULL), ==, 0);
  g_assert_cmpint (run (f, NULL, NULL, NULL, "autopay", "charge", "--name", "홍길동",
                        "--phone", "01023456789", "--method", method, "--amount", "50000",
                        "--product", "정기 수강료", NULL), ==, 1); /* no --yes, no terminal */
  g_assert_cmpuint (pm_sandbox_count_bills (f->sandbox), ==, 0);
  {
    int status = run (f, NULL, NULL, NULL, "autopay", "charge", "--name", "홍길동", "--phone",
                      "01023456789", "--method", method, "--amount", "50000", "--product",
                      "정기 수강료", "--yes", NULL);

    g_assert_cmpint (status, ==, 0);
  }
  g_assert_cmpuint (pm_sandbox_count_bills (f->sandbox), ==, 1);
  g_clear_pointer (&out, g_free);
  g_assert_cmpint (run (f, NULL, &out, NULL, "autopay", "payers", NULL), ==, 0);
  g_assert_nonnull (strstr (out, "홍길동"));
  g_assert_cmpint (run (f, NULL, NULL, NULL, "autopay", "delete", "--phone", "01023456789",
                        "--method", method, "--yes", NULL), ==, 0);
  g_clear_pointer (&out, g_free);
  g_assert_cmpint (run (f, NULL, &out, NULL, "autopay", "methods", "--phone", "01023456789",
                        "--json", NULL), ==, 0);
  g_assert_null (strstr (out, method));
}

/* --sandbox: the CLI's own in-process sandbox, state kept in the user's data folder */
static void
test_builtin_sandbox (void)
{
  g_autofree char *out = NULL;
  g_autofree char *bill_id = NULL;
  g_autofree char *state_file = g_build_filename (g_get_user_data_dir (), "paymint-desk",
                                                  "sandbox-state.json", NULL);
  g_autofree char *ledger = g_build_filename (g_get_user_data_dir (), "paymint-desk",
                                              "ledger.db", NULL);

  g_assert_cmpint (cli_test_runv (NULL, &out, NULL, "--sandbox", "send", "--name", "홍길동",
                                  "--phone", "010-2345-6789", "--amount", "12000", "--product",
                                  "체험", "--json", NULL), ==, 0);
  bill_id = json_string_member (out, "bill_id");
  g_assert_true (g_file_test (state_file, G_FILE_TEST_EXISTS));
  g_assert_true (g_file_test (ledger, G_FILE_TEST_EXISTS)); /* the app's ledger by default */
  /* a second process finds the bill on its sandbox (state file) */
  g_clear_pointer (&out, g_free);
  g_assert_cmpint (cli_test_runv (NULL, &out, NULL, "--sandbox", "read", "--json", bill_id,
                                  NULL), ==, 0);
  g_assert_nonnull (strstr (out, bill_id));
  g_assert_cmpint (cli_test_runv (NULL, NULL, NULL, "--sandbox", "destroy", "--yes", bill_id,
                                  NULL), ==, 0);
  g_clear_pointer (&out, g_free);
  g_assert_cmpint (cli_test_runv (NULL, &out, NULL, "list", "--sandbox", "--state",
                                  "destroyed", "--json", NULL), ==, 0);
  g_assert_nonnull (strstr (out, bill_id));
}

/* ---- CSV ---- */

static void
test_bulk_csv_forms (Fixture       *f,
                     gconstpointer  data)
{
  const char *utf8 = "이름,전화번호,금액,상품명,메시지\n"
                     "홍길동,010-2345-6789,\"30,000\",\"교재, 노트\",\"첫 줄\n둘째 줄\"\n"
                     "김철수,010-3456-7890,20000,수강료,안내\n";
  g_autofree char *bom_text = g_strconcat ("\xef\xbb\xbf", utf8, NULL);
  g_autofree char *bom = write_file (f, "bom.csv", bom_text, -1);
  g_autofree char *cp949_bytes = NULL;
  g_autofree char *cp949 = NULL;
  g_autofree char *mixed = NULL;
  g_autofree char *err = NULL;
  g_autoptr(GError) error = NULL;
  gsize len = 0;

  g_assert_cmpint (run (f, NULL, NULL, &err, "bulk-send", "--yes", bom, NULL), ==, 0);
  g_assert_cmpuint (pm_sandbox_count_bills (f->sandbox), ==, 2);
  g_assert_nonnull (strstr (err, "BOM"));

  /* the same rows in CP949, as Korean Excel saves "CSV": the same content, so refused
   * under another batch name unless it is meant as a new batch */
  cp949_bytes = g_convert (utf8, -1, "CP949", "UTF-8", NULL, &len, &error);
  g_assert_no_error (error);
  cp949 = write_file (f, "cp949.csv", cp949_bytes, (gssize) len);
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (run (f, NULL, NULL, &err, "bulk-send", "--yes", "--batch", "cp949", cp949,
                        NULL), ==, 1);
  g_assert_nonnull (strstr (err, "as batch “bom.csv” (2 bills)"));
  g_assert_cmpuint (pm_sandbox_count_bills (f->sandbox), ==, 2);
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (run (f, NULL, NULL, &err, "bulk-send", "--yes", "--batch", "cp949",
                        "--as-new-batch", cp949, NULL), ==, 0);
  g_assert_nonnull (strstr (err, "CP949"));
  g_assert_cmpuint (pm_sandbox_count_bills (f->sandbox), ==, 4);
  {
    g_autofree char *out = NULL;

    g_assert_cmpint (run (f, NULL, &out, NULL, "list", "--search", "교재", "--json",
                          NULL), ==, 0);
    g_assert_nonnull (strstr (out, "첫 줄\\n둘째 줄"));
  }

  /* bad rows mixed with good ones */
  mixed = write_file (f, "mixed.csv",
                      "name,phone,amount,product,message\n"
                      "박지성,010-1111-2222,5000,간식비,안내\n"
                      "차범근,02-123-4567,5000,간식비,안내\n"
                      "손흥민,010-3333-4444,0,간식비,안내\n"
                      "이강인,010-5555-6666,7000,간식비,안내\n", -1);
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (run (f, NULL, NULL, &err, "bulk-send", "--yes", mixed, NULL), ==, 1);
  g_assert_nonnull (strstr (err, "row 3"));
  g_assert_nonnull (strstr (err, "row 4"));
  g_assert_null (strstr (err, "row 2,"));
  g_assert_cmpuint (pm_sandbox_count_bills (f->sandbox), ==, 4);
  g_assert_cmpint (run (f, NULL, NULL, NULL, "bulk-send", "--dry-run", "--skip-invalid", mixed,
                        NULL), ==, 1);
  g_assert_cmpuint (pm_sandbox_count_bills (f->sandbox), ==, 4);
  g_assert_cmpint (run (f, NULL, NULL, NULL, "bulk-send", "--yes", "--skip-invalid", mixed,
                        NULL), ==, 0);
  g_assert_cmpuint (pm_sandbox_count_bills (f->sandbox), ==, 6);
  /* without --yes and without a terminal: refused, nothing sent */
  g_assert_cmpint (run (f, NULL, NULL, NULL, "bulk-send", "--batch", "again", bom, NULL), ==, 1);
  g_assert_cmpuint (pm_sandbox_count_bills (f->sandbox), ==, 6);
  /* explicit column mapping by number */
  {
    g_autofree char *odd = write_file (f, "odd.csv",
                                       "a,b,c\n010-7777-8888,8000,최민수\n", -1);

    g_assert_cmpint (run (f, NULL, NULL, NULL, "bulk-send", "--yes", "--col-phone", "1",
                          "--col-amount", "2", "--col-name", "3", "--product", "간식비",
                          "--message", "안내", odd, NULL), ==, 0);
    g_assert_cmpuint (pm_sandbox_count_bills (f->sandbox), ==, 7);
  }
}

static guint
batch_bills (Fixture    *f,
             const char *state_filter)
{
  g_autofree char *out = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;

  g_assert_cmpint (run (f, NULL, &out, NULL, "list", "--limit", "0", "--json",
                        state_filter != NULL ? "--state" : NULL, state_filter, NULL), ==, 0);
  json_parser_load_from_data (parser, out, -1, &error);
  g_assert_no_error (error);
  return json_array_get_length (json_node_get_array (json_parser_get_root (parser)));
}

static void
test_bulk_resume (Fixture       *f,
                  gconstpointer  data)
{
  const guint n = 150;
  g_autofree char *rows = make_rows (n);
  g_autofree char *path = write_file (f, "rows.csv", rows, -1);
  g_autoptr(GSubprocess) proc = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GHashTable) ids = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  const char *argv[] = { "--sandbox-url", f->url, "--ledger", f->ledger, "bulk-send", "--yes",
                         "--parallel", "4", path, NULL };
  gint64 deadline;

  /* a first run stopped by --limit */
  g_assert_cmpint (run (f, NULL, NULL, NULL, "bulk-send", "--yes", "--limit", "30", path, NULL),
                   ==, 0);
  g_assert_cmpuint (pm_sandbox_count_bills (f->sandbox), ==, 30);

  /* a second run killed (SIGKILL) in the middle */
  pm_sandbox_set_latency (f->sandbox, "request", 30);
  proc = cli_test_spawn (argv, &error);
  g_assert_no_error (error);
  deadline = g_get_monotonic_time () + 20 * G_USEC_PER_SEC;
  while (pm_sandbox_count_bills (f->sandbox) < 60 && g_get_monotonic_time () < deadline)
    g_usleep (2000);
  g_subprocess_send_signal (proc, SIGKILL);
  g_subprocess_wait (proc, NULL, &error);
  g_assert_no_error (error);
  g_assert_false (g_subprocess_get_if_exited (proc));
  g_assert_cmpuint (pm_sandbox_count_bills (f->sandbox), >=, 60);
  g_assert_cmpuint (pm_sandbox_count_bills (f->sandbox), <, n);
  pm_sandbox_set_latency (f->sandbox, "request", 0);

  /* resumed: every row exactly once */
  g_assert_cmpint (run (f, NULL, NULL, NULL, "bulk-send", "--yes", path, NULL), ==, 0);
  g_assert_cmpuint (pm_sandbox_count_bills (f->sandbox), ==, n);
  g_assert_cmpuint (ledger_count (f->ledger), ==, n);
  g_assert_cmpuint (batch_bills (f, "unpaid"), ==, n);
  /* once more: nothing to do */
  g_assert_cmpint (run (f, NULL, NULL, NULL, "bulk-send", "--yes", path, NULL), ==, 0);
  g_assert_cmpuint (pm_sandbox_count_bills (f->sandbox), ==, n);
  /* another batch name alone does not bill the same rows again: the content was sent */
  g_assert_cmpint (run (f, NULL, NULL, NULL, "bulk-send", "--yes", "--batch", "12월", "--limit",
                        "5", path, NULL), ==, 1);
  g_assert_cmpuint (pm_sandbox_count_bills (f->sandbox), ==, n);
  /* a new batch, said so, does (next month) */
  g_assert_cmpint (run (f, NULL, NULL, NULL, "bulk-send", "--yes", "--batch", "12월", "--limit",
                        "5", "--as-new-batch", path, NULL), ==, 0);
  g_assert_cmpuint (pm_sandbox_count_bills (f->sandbox), ==, n + 5);
  assert_integrity (f->ledger);
}


/* ---- bulk input the clerk can trust ---- */

static void
test_bulk_duplicates (Fixture       *f,
                      gconstpointer  data)
{
  g_autofree char *path = write_file (f, "dup.csv",
                                      "이름,전화번호,금액,상품명,메시지\n"
                                      "김영희,010-1234-5678,\"120,000\",3월 수강료,안내\n"
                                      "이민수,010-2222-3333,5000,간식비,안내\n"
                                      "김영희,01012345678,120000,3월 수강료,다시 안내\n"
                                      "박지민,010-4444-5555,5000,간식비,안내\n", -1);
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;

  /* listed before anything is sent, and refused */
  g_assert_cmpint (run (f, NULL, &out, &err, "bulk-send", "--yes", path, NULL), ==, 1);
  g_assert_nonnull (strstr (err, "rows 2 and 4 are the same bill: 김영희 010-1234-5678, "
                                 "₩120,000, 3월 수강료"));
  g_assert_nonnull (strstr (err, "--allow-duplicates"));
  g_assert_cmpuint (pm_sandbox_count_bills (f->sandbox), ==, 0);

  /* in a dry run too, which then fails like the real run would */
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (run (f, NULL, &out, &err, "bulk-send", "--dry-run", path, NULL), ==, 1);
  g_assert_nonnull (strstr (err, "rows 2 and 4 are the same bill"));
  g_assert_cmpuint (pm_sandbox_count_bills (f->sandbox), ==, 0);
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (run (f, NULL, &out, &err, "bulk-send", "--dry-run", "--allow-duplicates",
                        path, NULL), ==, 0);
  g_assert_nonnull (strstr (err, "rows 2 and 4 are the same bill"));

  /* said so: every row is sent, each once */
  g_assert_cmpint (run (f, NULL, NULL, NULL, "bulk-send", "--yes", "--allow-duplicates", path,
                        NULL), ==, 0);
  g_assert_cmpuint (pm_sandbox_count_bills (f->sandbox), ==, 4);
  g_assert_cmpint (run (f, NULL, NULL, NULL, "bulk-send", "--yes", "--allow-duplicates", path,
                        NULL), ==, 0);
  g_assert_cmpuint (pm_sandbox_count_bills (f->sandbox), ==, 4);
}

static void
test_bulk_sent_before (Fixture       *f,
                       gconstpointer  data)
{
  g_autofree char *rows = make_rows (12);
  g_autofree char *path = write_file (f, "11월.csv", rows, -1);
  g_autofree char *copy_text = NULL;
  g_autofree char *copy = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;

  g_assert_cmpint (run (f, NULL, NULL, NULL, "bulk-send", "--yes", "--limit", "5", path, NULL),
                   ==, 0);
  g_assert_cmpuint (pm_sandbox_count_bills (f->sandbox), ==, 5);

  /* a renamed copy, saved again by Excel (BOM, CRLF) with the rows in another order */
  {
    g_auto(GStrv) lines = g_strsplit (rows, "\n", -1);
    GString *s = g_string_new ("\xef\xbb\xbf");
    guint n = g_strv_length (lines);

    g_string_append_printf (s, "%s\r\n", lines[0]);
    for (guint i = n - 1; i >= 1; i--)
      if (lines[i][0] != '\0')
        g_string_append_printf (s, "%s\r\n", lines[i]);
    copy_text = g_string_free (s, FALSE);
  }
  copy = write_file (f, "11월 (2).csv", copy_text, -1);
  g_assert_cmpint (run (f, NULL, &out, &err, "bulk-send", "--yes", copy, NULL), ==, 1);
  g_assert_nonnull (strstr (err, "this file was sent on "));
  g_assert_nonnull (strstr (err, " as batch “11월.csv” (5 bills)"));
  g_assert_nonnull (strstr (err, "--as-new-batch"));
  g_assert_cmpuint (pm_sandbox_count_bills (f->sandbox), ==, 5);
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (run (f, NULL, NULL, &err, "bulk-send", "--dry-run", copy, NULL), ==, 1);
  g_assert_nonnull (strstr (err, "as batch “11월.csv”"));

  /* going on with that batch under its name is resuming: only the rest is sent */
  g_assert_cmpint (run (f, NULL, NULL, NULL, "bulk-send", "--yes", "--batch", "11월.csv", copy,
                        NULL), ==, 0);
  g_assert_cmpuint (pm_sandbox_count_bills (f->sandbox), ==, 12);
  g_assert_cmpint (run (f, NULL, NULL, NULL, "bulk-send", "--yes", path, NULL), ==, 0);
  g_assert_cmpuint (pm_sandbox_count_bills (f->sandbox), ==, 12);

  /* --as-new-batch needs a name no batch has */
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (run (f, NULL, NULL, &err, "bulk-send", "--yes", "--as-new-batch", path,
                        NULL), ==, 1);
  g_assert_nonnull (strstr (err, "there is a batch named “11월.csv” already"));
  g_assert_cmpuint (pm_sandbox_count_bills (f->sandbox), ==, 12);

  /* and then bills the rows again, once */
  g_assert_cmpint (run (f, NULL, NULL, NULL, "bulk-send", "--yes", "--as-new-batch", copy,
                        NULL), ==, 0);
  g_assert_cmpuint (pm_sandbox_count_bills (f->sandbox), ==, 24);
  g_assert_cmpint (run (f, NULL, NULL, NULL, "bulk-send", "--yes", copy, NULL), ==, 0);
  g_assert_cmpuint (pm_sandbox_count_bills (f->sandbox), ==, 24);

  /* another file with one row changed is other content */
  {
    g_autofree char *changed_text = g_strconcat (rows, "새학생,010-9999-0000,1000,11월 수강료,안내\n",
                                                 NULL);
    g_autofree char *changed = write_file (f, "11월 추가.csv", changed_text, -1);

    g_assert_cmpint (run (f, NULL, NULL, NULL, "bulk-send", "--yes", changed, NULL), ==, 0);
    g_assert_cmpuint (pm_sandbox_count_bills (f->sandbox), ==, 37);
  }
  assert_integrity (f->ledger);
}

static void
test_bulk_bad_cells (Fixture       *f,
                     gconstpointer  data)
{
  g_autofree char *path = write_file (f, "cells.csv",
                                      "이름,전화번호,금액,상품명,메시지\n"
                                      "홍길동,010-2345-6789,1000,수강료,안내\n"
                                      "김\x1b[2J철수,010-3456-7890,1000,수강료,안내\n"
                                      "이\"영희,010-4567-8901,1000,수강료,안내\n"
                                      "박지성,010-5678-9012,1000,\xe2\x80\xae수강료,안내\n", -1);
  g_autofree char *dup_header = write_file (f, "header.csv",
                                            "이름,전화번호,금액,상품명,메시지,전화 번호\n", -1);
  g_autofree char *err = NULL;

  g_assert_cmpint (run (f, NULL, NULL, &err, "bulk-send", "--yes", path, NULL), ==, 1);
  g_assert_nonnull (strstr (err, "row 3, column 이름: This cell holds the control character "
                                 "U+001B (escape)"));
  g_assert_nonnull (strstr (err, "row 4, column 이름: There is a quote mark"));
  g_assert_nonnull (strstr (err, "row 5, column 상품명: This cell holds the invisible character "
                                 "U+202E (right-to-left override)"));
  g_assert_null (strstr (err, "binary"));
  g_assert_null (strstr (err, "\x1b"));
  g_assert_cmpuint (pm_sandbox_count_bills (f->sandbox), ==, 0);

  g_clear_pointer (&err, g_free);
  g_assert_cmpint (run (f, NULL, NULL, &err, "bulk-send", "--yes", dup_header, NULL), ==, 1);
  g_assert_nonnull (strstr (err, "row 1, column F: The column name “전화 번호” is used by "
                                 "column B too"));

  /* the good row alone, when asked */
  g_assert_cmpint (run (f, NULL, NULL, NULL, "bulk-send", "--yes", "--skip-invalid", path, NULL),
                   ==, 0);
  g_assert_cmpuint (pm_sandbox_count_bills (f->sandbox), ==, 1);
}

/* A bill the ledger holds as not sent (as the sender leaves one it proved was never
 * created, too late to send again by itself). */
static void
insert_not_sent (Fixture    *f,
                 const char *bill_id)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PmLedger) ledger = pm_ledger_new (f->ledger, &error);
  g_autoptr(PmBill) bill = pm_bill_new ();
  g_autofree char *expire = pm_bill_korea_date (g_get_real_time () / G_USEC_PER_SEC + 3 * 86400);

  g_assert_no_error (error);
  pm_bill_set_bill_id (bill, bill_id);
  pm_bill_set_profile_id (bill, "5a4db0c5-0000-4000-8000-000000000001");
  pm_bill_set_payer_name (bill, "최민수");
  pm_bill_set_phone (bill, "01077778888");
  pm_bill_set_price (bill, 42000);
  pm_bill_set_product (bill, "교재비");
  pm_bill_set_message (bill, "안내");
  pm_bill_set_expire_date (bill, expire);
  pm_bill_set_state (bill, PM_BILL_STATE_NOT_SENT);
  pm_bill_set_created_at (bill, g_get_real_time () / G_USEC_PER_SEC - 3600);
  g_assert_true (pm_ledger_insert_bill (ledger, bill, &error));
  g_assert_no_error (error);
}

static void
test_send_again (Fixture       *f,
                 gconstpointer  data)
{
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autofree char *state = NULL;
  g_autofree char *other = NULL;
  g_autoptr(PmBill) bill = NULL;

  /* usage */
  g_assert_cmpint (run (f, NULL, NULL, NULL, "send-again", NULL), ==, 1);
  g_assert_cmpint (run (f, NULL, NULL, NULL, "send-again", "not-an-id!", NULL), ==, 1);
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (run (f, NULL, NULL, &err, "send-again", "NOSUCHBILL", NULL), ==, 1);
  g_assert_nonnull (strstr (err, "not in the payments ledger"));

  /* a not-sent bill: sent with its own bill id, once */
  insert_not_sent (f, "NOTSENT0001");
  g_assert_cmpint (run (f, NULL, &out, NULL, "send-again", "--json", "NOTSENT0001", NULL), ==, 0);
  other = json_string_member (out, "state");
  g_assert_cmpstr (other, ==, "unpaid");
  state = pm_sandbox_dup_bill_state (f->sandbox, "NOTSENT0001");
  g_assert_cmpstr (state, ==, "W");
  g_assert_cmpuint (pm_sandbox_count_bills (f->sandbox), ==, 1);
  bill = ledger_lookup (f, "NOTSENT0001");
  g_assert_cmpint (pm_bill_get_state (bill), ==, PM_BILL_STATE_UNPAID);

  /* it is not "not sent" any more: refused, nothing sent */
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (run (f, NULL, NULL, &err, "send-again", "NOTSENT0001", NULL), ==, 1);
  g_assert_nonnull (strstr (err, "not sent"));
  g_assert_null (strstr (err, "nothing was charged"));
  g_assert_cmpuint (pm_sandbox_count_bills (f->sandbox), ==, 1);

  /* the plain output names the bill and its state */
  insert_not_sent (f, "NOTSENT0002");
  g_clear_pointer (&out, g_free);
  g_assert_cmpint (run (f, NULL, &out, NULL, "send-again", "NOTSENT0002", NULL), ==, 0);
  g_assert_nonnull (strstr (out, "NOTSENT0002"));
  g_assert_nonnull (strstr (out, "₩42,000"));
  g_assert_cmpuint (pm_sandbox_count_bills (f->sandbox), ==, 2);
}

/* A bulk row whose bill became "not sent" is reported as such, never as sent, and the
 * command exits 2 (not done). */
static void
test_bulk_not_sent (Fixture       *f,
                    gconstpointer  data)
{
  g_autofree char *rows = make_rows (3);
  g_autofree char *path = write_file (f, "three.csv", rows, -1);
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autofree char *bill_id = NULL;
  g_autofree char *expect = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;

  g_assert_cmpint (run (f, NULL, NULL, NULL, "bulk-send", "--yes", path, NULL), ==, 0);
  g_assert_cmpuint (pm_sandbox_count_bills (f->sandbox), ==, 3);

  /* the row of 학생1 (row 3) as the sender leaves a request it proved never created */
  g_assert_cmpint (run (f, NULL, &out, NULL, "list", "--search", "학생1", "--json", NULL), ==, 0);
  json_parser_load_from_data (parser, out, -1, &error);
  g_assert_no_error (error);
  bill_id = g_strdup (json_object_get_string_member (
    json_array_get_object_element (json_node_get_array (json_parser_get_root (parser)), 0),
    "bill_id"));
  {
    g_autoptr(PmLedger) ledger = pm_ledger_new (f->ledger, &error);

    g_assert_no_error (error);
    g_assert_true (pm_ledger_set_state (ledger, bill_id, PM_BILL_STATE_NOT_SENT, "test",
                                        g_get_real_time () / G_USEC_PER_SEC, &error));
    g_assert_no_error (error);
  }

  g_clear_pointer (&out, g_free);
  g_assert_cmpint (run (f, NULL, &out, &err, "bulk-send", "--yes", path, NULL), ==, 2);
  expect = g_strdup_printf ("row 3 (bill %s): not sent — nothing was charged; use "
                            "“paymint-cli send-again %s”", bill_id, bill_id);
  if (strstr (err, expect) == NULL)
    g_error ("“%s” not in “%s”", expect, err);
  g_assert_nonnull (strstr (err, "2 rows were sent in an earlier run"));
  g_assert_null (strstr (out, "every valid row"));
  g_assert_cmpuint (pm_sandbox_count_bills (f->sandbox), ==, 3);

  /* send-again settles it (the server had it after all: read, never a second bill) */
  g_assert_cmpint (run (f, NULL, NULL, NULL, "send-again", bill_id, NULL), ==, 0);
  g_assert_cmpuint (pm_sandbox_count_bills (f->sandbox), ==, 3);
  g_assert_cmpint (run (f, NULL, NULL, NULL, "bulk-send", "--yes", path, NULL), ==, 0);
}

/* An option's value that is not UTF-8 is refused naming the option; file names may be
 * any bytes. */
static void
test_non_utf8_arguments (Fixture       *f,
                         gconstpointer  data)
{
  g_autofree char *err = NULL;
  g_autofree char *odd_ledger = g_build_filename (f->dir, "장부\xff.db", NULL);
  g_autofree char *rows = make_rows (2);
  g_autofree char *odd_csv = write_file (f, "명단\xfe.csv", rows, -1);

  g_assert_cmpint (run (f, NULL, NULL, &err, "send", "--name", "\xff\xfe", "--phone",
                        "010-2345-6789", "--amount", "1000", "--product", "수강료", NULL), ==, 1);
  g_assert_nonnull (strstr (err, "paymint-cli send: --name: not valid UTF-8 text"));
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (run (f, NULL, NULL, &err, "send", "--name", "홍길동", "--phone",
                        "010-2345-6789", "--amount", "1000", "--product=\xc0\xaf", NULL), ==, 1);
  g_assert_nonnull (strstr (err, "--product: not valid UTF-8 text"));
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (run (f, NULL, NULL, &err, "autopay", "register", "--name", "홍길동",
                        "--phone", "\xed\xa0\x80", NULL), ==, 1);
  g_assert_nonnull (strstr (err, "--phone: not valid UTF-8 text"));
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (run (f, NULL, NULL, &err, "bulk-send", "--yes", "-b", "\xff", odd_csv, NULL),
                   ==, 1);
  g_assert_nonnull (strstr (err, "-b: not valid UTF-8 text"));
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (cli_test_runv (NULL, NULL, &err, "--profile", "\xff", "list", NULL), ==, 1);
  g_assert_nonnull (strstr (err, "--profile: not valid UTF-8 text"));
  g_assert_cmpuint (pm_sandbox_count_bills (f->sandbox), ==, 0);

  /* a ledger path and a CSV file name are file names */
  g_assert_cmpint (cli_test_runv (NULL, NULL, NULL, "--sandbox-url", f->url, "--ledger",
                                  odd_ledger, "bulk-send", "--yes", odd_csv, NULL), ==, 0);
  g_assert_true (g_file_test (odd_ledger, G_FILE_TEST_EXISTS));
  g_assert_cmpuint (pm_sandbox_count_bills (f->sandbox), ==, 2);
  g_assert_cmpuint (ledger_count (odd_ledger), ==, 2);
}

/* ---- the shared ledger ---- */

typedef struct
{
  guint sent;
  guint failed;
} Counts;

static void
service_sent_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  Counts *c = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(PmBill) bill = pm_service_send_finish (PM_SERVICE (object), result, &error);

  if (bill != NULL)
    c->sent++;
  else
    {
      g_printerr ("send failed: %s\n", error->message);
      c->failed++;
    }
}

static void
proc_done_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  int *status = user_data;
  g_autoptr(GError) error = NULL;

  g_subprocess_wait_finish (G_SUBPROCESS (object), result, &error);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_if_exited (G_SUBPROCESS (object)));
  *status = g_subprocess_get_exit_status (G_SUBPROCESS (object));
}

static void
test_concurrent_writers (Fixture       *f,
                         gconstpointer  data)
{
  g_autofree char *rows_a = make_rows (60);
  g_autofree char *path_a = write_file (f, "a.csv", rows_a, -1);
  g_autoptr(GSubprocess) proc_a = NULL;
  g_autoptr(GSubprocess) proc_b = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(PmService) service = NULL;
  g_autoptr(PmProfile) profile = pm_profile_new ();
  const char *argv_a[] = { "--sandbox-url", f->url, "--ledger", f->ledger, "-q", "bulk-send",
                           "--yes", "--batch", "A", "--as-new-batch", path_a, NULL };
  const char *argv_b[] = { "--sandbox-url", f->url, "--ledger", f->ledger, "-q", "bulk-send",
                           "--yes", "--batch", "B", "--as-new-batch", path_a, NULL };
  int status_a = -1, status_b = -1;
  Counts c = { 0 };
  const guint n_app = 40;

  /* the "app": a PmService open on the same ledger, sending while the CLIs run */
  service = pm_service_new (f->ledger, &error);
  g_assert_no_error (error);
  pm_profile_set_uuid (profile, "5a4db0c5-0000-4000-8000-000000000001");
  pm_profile_set_name (profile, "Sandbox");
  pm_profile_set_base_url (profile, f->url);
  pm_profile_set_api_key (profile, PM_SANDBOX_DEMO_KEY);
  pm_service_set_profile (service, profile);
  pm_service_set_polling (service, FALSE, 4);

  proc_a = cli_test_spawn (argv_a, &error);
  g_assert_no_error (error);
  proc_b = cli_test_spawn (argv_b, &error);
  g_assert_no_error (error);
  g_subprocess_wait_async (proc_a, NULL, proc_done_cb, &status_a);
  g_subprocess_wait_async (proc_b, NULL, proc_done_cb, &status_b);

  for (guint i = 0; i < n_app; i++)
    {
      g_autoptr(PmBill) draft = pm_bill_new ();
      g_autofree char *phone = g_strdup_printf ("0109999%04u", i);
      g_autofree char *expire = pm_bill_korea_date (g_get_real_time () / G_USEC_PER_SEC + 86400 * 3);

      pm_bill_set_payer_name (draft, "앱 사용자");
      pm_bill_set_phone (draft, phone);
      pm_bill_set_price (draft, 1000 + i);
      pm_bill_set_product (draft, "앱에서 보냄");
      pm_bill_set_message (draft, "안내");
      pm_bill_set_expire_date (draft, expire);
      pm_service_send_async (service, draft, NULL, service_sent_cb, &c);
      /* a few at a time, interleaved with the CLIs */
      while (c.sent + c.failed + 4 <= i)
        g_main_context_iteration (NULL, TRUE);
    }
  while (c.sent + c.failed < n_app || status_a < 0 || status_b < 0)
    g_main_context_iteration (NULL, TRUE);

  g_assert_cmpuint (c.failed, ==, 0);
  g_assert_cmpint (status_a, ==, 0);
  g_assert_cmpint (status_b, ==, 0);
  g_assert_cmpuint (pm_sandbox_count_bills (f->sandbox), ==, 60 + 60 + n_app);
  g_clear_object (&service);
  g_assert_cmpuint (ledger_count (f->ledger), ==, 60 + 60 + n_app);
  g_assert_cmpuint (batch_bills (f, "unpaid"), ==, 60 + 60 + n_app);
  assert_integrity (f->ledger);

  /* and two plain sends at once */
  {
    const char *s1[] = { "--sandbox-url", f->url, "--ledger", f->ledger, "send", "--name", "가",
                         "--phone", "010-1212-3434", "--amount", "100", "--product", "x", NULL };
    const char *s2[] = { "--sandbox-url", f->url, "--ledger", f->ledger, "send", "--name", "나",
                         "--phone", "010-5656-7878", "--amount", "200", "--product", "y", NULL };
    g_autoptr(GSubprocess) p1 = cli_test_spawn (s1, &error);
    g_autoptr(GSubprocess) p2 = cli_test_spawn (s2, &error);

    g_assert_no_error (error);
    g_subprocess_wait_check (p1, NULL, &error);
    g_assert_no_error (error);
    g_subprocess_wait_check (p2, NULL, &error);
    g_assert_no_error (error);
  }
  g_assert_cmpuint (ledger_count (f->ledger), ==, 60 + 60 + n_app + 2);
  assert_integrity (f->ledger);
}

/* Another program holds the ledger's write lock longer than the 5 s busy timeout: the
 * CLI says so, sends nothing, and works again once the lock is gone. */
static void
test_ledger_busy (Fixture       *f,
                  gconstpointer  data)
{
  g_autofree char *err = NULL;
  sqlite3 *db = NULL;

  /* create the ledger first */
  g_assert_cmpint (run (f, NULL, NULL, NULL, "list", NULL), ==, 0);
  g_assert_cmpint (sqlite3_open (f->ledger, &db), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (db, "BEGIN IMMEDIATE", NULL, NULL, NULL), ==, SQLITE_OK);
  g_assert_cmpint (run (f, NULL, NULL, &err, "send", "--name", "홍길동", "--phone",
                        "010-2345-6789", "--amount", "1000", "--product", "수강료", NULL), ==, 2);
  g_assert_nonnull (strstr (err, "busy"));
  g_assert_cmpuint (pm_sandbox_count_bills (f->sandbox), ==, 0);
  g_assert_cmpint (sqlite3_exec (db, "ROLLBACK", NULL, NULL, NULL), ==, SQLITE_OK);
  sqlite3_close (db);
  g_assert_cmpint (run (f, NULL, NULL, NULL, "send", "--name", "홍길동", "--phone",
                        "010-2345-6789", "--amount", "1000", "--product", "수강료", NULL), ==, 0);
  g_assert_cmpuint (pm_sandbox_count_bills (f->sandbox), ==, 1);
  assert_integrity (f->ledger);
}

int
main (int   argc,
      char *argv[])
{
  pm_test_init (&argc, &argv);

  g_test_add_func ("/cli/help", test_help);
  g_test_add ("/cli/usage-errors", Fixture, NULL, fixture_setup, test_usage_errors,
              fixture_teardown);
  g_test_add ("/cli/send-and-actions", Fixture, NULL, fixture_setup, test_send_and_actions,
              fixture_teardown);
  g_test_add ("/cli/exit-codes", Fixture, NULL, fixture_setup, test_exit_codes,
              fixture_teardown);
  g_test_add ("/cli/autopay", Fixture, NULL, fixture_setup, test_autopay, fixture_teardown);
  g_test_add_func ("/cli/builtin-sandbox", test_builtin_sandbox);
  g_test_add ("/cli/bulk/csv-forms", Fixture, NULL, fixture_setup, test_bulk_csv_forms,
              fixture_teardown);
  g_test_add ("/cli/bulk/resume", Fixture, NULL, fixture_setup, test_bulk_resume,
              fixture_teardown);
  g_test_add ("/cli/bulk/duplicates", Fixture, NULL, fixture_setup, test_bulk_duplicates,
              fixture_teardown);
  g_test_add ("/cli/bulk/sent-before", Fixture, NULL, fixture_setup, test_bulk_sent_before,
              fixture_teardown);
  g_test_add ("/cli/bulk/bad-cells", Fixture, NULL, fixture_setup, test_bulk_bad_cells,
              fixture_teardown);
  g_test_add ("/cli/bulk/not-sent", Fixture, NULL, fixture_setup, test_bulk_not_sent,
              fixture_teardown);
  g_test_add ("/cli/send-again", Fixture, NULL, fixture_setup, test_send_again,
              fixture_teardown);
  g_test_add ("/cli/non-utf8-arguments", Fixture, NULL, fixture_setup, test_non_utf8_arguments,
              fixture_teardown);
  g_test_add ("/cli/concurrent-writers", Fixture, NULL, fixture_setup, test_concurrent_writers,
              fixture_teardown);
  g_test_add ("/cli/ledger-busy", Fixture, NULL, fixture_setup, test_ledger_busy,
              fixture_teardown);
  return g_test_run ();
}
