/* test-cli-receipt.c — paymint-cli receipt BILL --pdf FILE, against the sandbox
 *
 * Copyright 2026 The Paymint Desk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A bill is sent, paid on the sandbox, read, then refunded; the receipts paymint-cli
 * writes at each step are read back with pdftotext (poppler-utils; skipped without it).
 */

#include "config.h"

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <stdio.h>
#include <string.h>

#include "cli-test-common.h"
#include "pm-ledger.h"
#include "pm-sandbox.h"
#include "pm-test-util.h"

typedef CliSandbox Fixture;

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  cli_sandbox_start (f, 11, "pm-cli-receipt-XXXXXX");
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
     char       **out,
     char       **err,
     ...)
{
  va_list ap;
  int status;

  va_start (ap, err);
  status = cli_sandbox_run_valist (f, NULL, out, err, va_arg (ap, const char *), ap);
  va_end (ap);
  return status;
}

static char *
run_tool (const char * const *argv)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *out = NULL;
  int status = 0;

  g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_STDERR_TO_DEV_NULL,
                NULL, NULL, &out, NULL, &status, &error);
  g_assert_no_error (error);
  g_spawn_check_wait_status (status, &error);
  g_assert_no_error (error);
  return g_steal_pointer (&out);
}

static char *
pdf_text (const char *path)
{
  const char *argv[] = { "pdftotext", "-layout", "-enc", "UTF-8", path, "-", NULL };

  return run_tool (argv);
}

static double
pdf_page_width (const char *path)
{
  const char *argv[] = { "pdfinfo", path, NULL };
  g_autofree char *info = run_tool (argv);
  const char *size = strstr (info, "Page size:");
  double width = 0, height = 0;

  g_assert_nonnull (size);
  g_assert_cmpint (sscanf (size, "Page size: %lf x %lf", &width, &height), ==, 2);
  return width;
}

static void
assert_has (const char *text,
            const char *want)
{
  if (strstr (text, want) == NULL)
    g_error ("“%s” is not in:\n%s", want, text);
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
  g_assert_nonnull (bill);
  return bill;
}

/* The Korea time of the bill's change to refunded, as the timeline has it. */
static char *
ledger_refund_time (Fixture    *f,
                    const char *bill_id)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PmLedger) ledger = pm_ledger_new (f->ledger, &error);
  g_autoptr(GPtrArray) events = NULL;
  g_autoptr(GTimeZone) korea = pm_bill_korea_time_zone ();
  gint64 at = 0;

  g_assert_no_error (error);
  events = pm_ledger_list_events (ledger, bill_id, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < events->len; i++)
    {
      PmLedgerEvent *event = g_ptr_array_index (events, i);

      if (event->to_state == PM_BILL_STATE_CANCELLED)
        at = event->at;
    }
  g_assert_cmpint (at, >, 0);
  {
    g_autoptr(GDateTime) utc = g_date_time_new_from_unix_utc (at);
    g_autoptr(GDateTime) local = g_date_time_to_timezone (utc, korea);

    return g_date_time_format (local, "%Y-%m-%d %H:%M:%S KST");
  }
}

static char *
send_bill (Fixture *f)
{
  g_autofree char *out = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;

  g_assert_cmpint (run (f, &out, NULL, "send", "--name", "홍길동", "--phone", "010-2345-6789",
                        "--amount", "30,000원", "--product", "11월 수강료", "--json", NULL), ==, 0);
  json_parser_load_from_data (parser, out, -1, &error);
  g_assert_no_error (error);
  return g_strdup (json_object_get_string_member (json_node_get_object (json_parser_get_root (parser)),
                                                  "bill_id"));
}

static void
test_receipt (Fixture       *f,
              gconstpointer  data)
{
  g_autofree char *bill_id = send_bill (f);
  g_autofree char *pdf = g_build_filename (f->dir, "영수증.pdf", NULL);
  g_autofree char *roll = g_build_filename (f->dir, "roll.pdf", NULL);
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autofree char *text = NULL;
  g_autofree char *paid_at = NULL;
  g_autofree char *refunded_at = NULL;
  g_autoptr(PmBill) bill = NULL;

  /* not paid yet: no receipt, and no file */
  g_assert_cmpint (run (f, &out, &err, "receipt", bill_id, "--pdf", pdf, NULL), ==, 1);
  assert_has (err, "This bill has not been paid; there is no receipt.");
  assert_has (err, bill_id);
  g_assert_false (g_file_test (pdf, G_FILE_TEST_EXISTS));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  /* paid on the payer's phone, read by the desk: the receipt */
  g_assert_true (pm_sandbox_pay_bill (f->sandbox, bill_id));
  g_assert_cmpint (run (f, NULL, NULL, "read", bill_id, NULL), ==, 0);
  bill = ledger_lookup (f, bill_id);
  g_assert_cmpint (pm_bill_get_state (bill), ==, PM_BILL_STATE_PAID);
  g_assert_cmpuint (strlen (pm_bill_get_appr_num (bill)), >, 0);
  g_assert_cmpuint (strlen (pm_bill_get_appr_dt (bill)), ==, 14);

  g_assert_cmpint (run (f, &out, &err, "receipt", bill_id, "--pdf", pdf, NULL), ==, 0);
  assert_has (out, "Wrote the receipt of bill");
  assert_has (out, bill_id);
  text = pdf_text (pdf);
  g_test_message ("%s", text);
  assert_has (text, "Receipt");
  assert_has (text, "Sandbox");  /* the connection's name is the business */
  assert_has (text, "홍길동");
  assert_has (text, "11월 수강료");
  assert_has (text, "₩30,000");
  assert_has (text, "삼만 원");
  assert_has (text, pm_bill_get_appr_num (bill));
  assert_has (text, pm_bill_get_appr_issuer (bill));
  assert_has (text, pm_bill_get_appr_card_type (bill));
  assert_has (text, "Paid in full");  /* the sandbox pays in one go: "00" */
  {
    const char *dt = pm_bill_get_appr_dt (bill);

    paid_at = g_strdup_printf ("%.4s-%.2s-%.2s %.2s:%.2s:%.2s KST", dt, dt + 4, dt + 6, dt + 8,
                               dt + 10, dt + 12);
  }
  assert_has (text, paid_at);
  assert_has (text, bill_id);
  g_assert_null (strstr (text, "Refund"));
  g_assert_cmpfloat (pdf_page_width (pdf), >, 595.0);  /* A4 */
  g_clear_pointer (&text, g_free);
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  /* the narrow roll */
  g_assert_cmpint (run (f, NULL, NULL, "receipt", bill_id, "--pdf", roll, "--paper", "roll",
                        NULL), ==, 0);
  g_assert_cmpfloat (pdf_page_width (roll), <, 227.0);
  text = pdf_text (roll);
  assert_has (text, "₩30,000");
  g_clear_pointer (&text, g_free);

  /* refunded: the receipt (written over the old one) says so, with the refund's time */
  g_assert_cmpint (run (f, NULL, NULL, "cancel", "--yes", bill_id, NULL), ==, 0);
  g_assert_cmpint (run (f, NULL, NULL, "receipt", bill_id, "--pdf", pdf, NULL), ==, 0);
  refunded_at = ledger_refund_time (f, bill_id);
  text = pdf_text (pdf);
  g_test_message ("%s", text);
  assert_has (text, "This payment was cancelled and refunded.");
  assert_has (text, "홍길동");
  assert_has (text, paid_at);
  assert_has (text, "Refunded in full");
  assert_has (text, "₩30,000 (삼만 원)");
  assert_has (text, refunded_at);
}

static void
test_errors (Fixture       *f,
             gconstpointer  data)
{
  g_autofree char *bill_id = send_bill (f);
  g_autofree char *missing_dir = g_build_filename (f->dir, "no-such-folder", "r.pdf", NULL);
  g_autofree char *pdf = g_build_filename (f->dir, "r.pdf", NULL);
  g_autofree char *err = NULL;
  g_autofree char *out = NULL;

  g_assert_true (pm_sandbox_pay_bill (f->sandbox, bill_id));
  g_assert_cmpint (run (f, NULL, NULL, "read", bill_id, NULL), ==, 0);

  /* no --pdf */
  g_assert_cmpint (run (f, NULL, &err, "receipt", bill_id, NULL), ==, 1);
  assert_has (err, "paymint-cli receipt: Give the PDF file to write with --pdf FILE.");
  g_clear_pointer (&err, g_free);

  /* no bill, two bills, a bill id that cannot be one */
  g_assert_cmpint (run (f, NULL, &err, "receipt", "--pdf", pdf, NULL), ==, 1);
  assert_has (err, "Give exactly one bill id.");
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (run (f, NULL, &err, "receipt", bill_id, bill_id, "--pdf", pdf, NULL), ==, 1);
  assert_has (err, "Give exactly one bill id.");
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (run (f, NULL, &err, "receipt", "not a bill!", "--pdf", pdf, NULL), ==, 1);
  assert_has (err, "paymint-cli receipt: ");
  g_clear_pointer (&err, g_free);

  /* a bill the ledger does not have */
  g_assert_cmpint (run (f, NULL, &err, "receipt", "NOSUCHBILL0000000001", "--pdf", pdf, NULL),
                   ==, 1);
  assert_has (err, "Bill NOSUCHBILL0000000001 is not in the payments ledger of the profile");
  g_clear_pointer (&err, g_free);

  /* a paper that does not exist */
  g_assert_cmpint (run (f, NULL, &err, "receipt", bill_id, "--pdf", pdf, "--paper", "letter",
                        NULL), ==, 1);
  assert_has (err, "--paper: “letter” is not a paper; use a4 or roll.");
  g_clear_pointer (&err, g_free);
  g_assert_false (g_file_test (pdf, G_FILE_TEST_EXISTS));

  /* a file that cannot be written: the message names it; nothing is left */
  g_assert_cmpint (run (f, &out, &err, "receipt", bill_id, "--pdf", missing_dir, NULL), ==, 2);
  assert_has (err, missing_dir);
  assert_has (err, "the folder does not exist");
  g_assert_cmpstr (out, ==, "");
  g_assert_false (g_file_test (missing_dir, G_FILE_TEST_EXISTS));
  g_clear_pointer (&err, g_free);

  /* the command is listed, with its options */
  g_clear_pointer (&out, g_free);
  g_assert_cmpint (cli_test_runv (NULL, &out, NULL, "--help", NULL), ==, 0);
  assert_has (out, "receipt");
  g_clear_pointer (&out, g_free);
  g_assert_cmpint (cli_test_runv (NULL, &out, NULL, "receipt", "--help", NULL), ==, 0);
  assert_has (out, "--pdf");
  assert_has (out, "--paper");
}

int
main (int   argc,
      char *argv[])
{
  const char *tools[] = { "pdftotext", "pdfinfo" };

  pm_test_init (&argc, &argv);
  for (guint i = 0; i < G_N_ELEMENTS (tools); i++)
    {
      g_autofree char *found = g_find_program_in_path (tools[i]);

      if (found == NULL)
        {
          g_printerr ("%s (poppler-utils) is not installed: skipped\n", tools[i]);
          return 77;
        }
    }

  g_test_add ("/cli/receipt/paid-and-refunded", Fixture, NULL, fixture_setup, test_receipt,
              fixture_teardown);
  g_test_add ("/cli/receipt/errors", Fixture, NULL, fixture_setup, test_errors,
              fixture_teardown);
  return g_test_run ();
}
