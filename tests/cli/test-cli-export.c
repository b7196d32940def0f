/* test-cli-export.c — paymint-cli export --format csv|xlsx
 *
 * Copyright 2026 The Paymint Desk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Bills are sent through paymint-cli to a sandbox in this process, then exported; the
 * .xlsx files are opened with libarchive (not with the library that wrote them).
 */

#include "config.h"

#include <archive.h>
#include <archive_entry.h>
#include <glib/gstdio.h>
#include <string.h>

#include "cli-test-common.h"
#include "pm-sandbox.h"
#include "pm-test-util.h"

typedef CliSandbox Fixture;

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  cli_sandbox_start (f, 7, "pm-cli-export-XXXXXX");
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

/* The sheet of an .xlsx, read with libarchive; NULL when @path is no zip. */
static char *
read_sheet (const char *path)
{
  struct archive *archive = archive_read_new ();
  struct archive_entry *entry;
  GString *sheet = NULL;

  archive_read_support_format_zip (archive);
  if (archive_read_open_filename (archive, path, 16384) == ARCHIVE_OK)
    while (archive_read_next_header (archive, &entry) == ARCHIVE_OK)
      {
        char buffer[16384];
        la_ssize_t n;

        if (!g_str_equal (archive_entry_pathname (entry), "xl/worksheets/sheet1.xml"))
          continue;
        sheet = g_string_new (NULL);
        while ((n = archive_read_data (archive, buffer, sizeof buffer)) > 0)
          g_string_append_len (sheet, buffer, n);
        g_assert_cmpint (n, ==, 0);
        break;
      }
  archive_read_free (archive);
  return sheet != NULL ? g_string_free (sheet, FALSE) : NULL;
}

static gboolean
is_csv (const char *path)
{
  g_autofree char *contents = NULL;

  g_assert_true (g_file_get_contents (path, &contents, NULL, NULL));
  return g_str_has_prefix (contents, "\xef\xbb\xbf" "bill_id,state,");
}

static void
test_export_formats (Fixture       *f,
                     gconstpointer  data)
{
  g_autofree char *xlsx = g_build_filename (f->dir, "결제내역.xlsx", NULL);
  g_autofree char *upper = g_build_filename (f->dir, "PAYMENTS.XLSX", NULL);
  g_autofree char *dat = g_build_filename (f->dir, "payments.dat", NULL);
  g_autofree char *csv = g_build_filename (f->dir, "payments.csv", NULL);
  g_autofree char *csv_named_xlsx = g_build_filename (f->dir, "really-csv.xlsx", NULL);
  g_autofree char *bad = g_build_filename (f->dir, "payments.pdf", NULL);
  g_autofree char *missing = g_build_filename (f->dir, "no-folder", "payments.xlsx", NULL);
  g_autofree char *sheet = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;

  g_assert_cmpint (run (f, NULL, NULL, "send", "--name", "김민수", "--phone", "010-1111-2222",
                        "--amount", "150000", "--product", "필라테스 10회", NULL), ==, 0);
  g_assert_cmpint (run (f, NULL, NULL, "send", "--name", "이서연", "--phone", "010-5555-6666",
                        "--amount", "80000", "--product", "3월 수강료", NULL), ==, 0);

  /* .xlsx: an Excel workbook, by the name alone */
  g_assert_cmpint (run (f, &out, NULL, "export", xlsx, NULL), ==, 0);
  g_assert_nonnull (strstr (out, "Exported 2 bills"));
  sheet = read_sheet (xlsx);
  g_assert_nonnull (sheet);
  g_assert_nonnull (strstr (sheet, "김민수"));
  g_assert_nonnull (strstr (sheet, "이서연"));
  g_assert_nonnull (strstr (sheet, "<v>230000</v>")); /* the totals row */
  g_clear_pointer (&sheet, g_free);
  g_assert_cmpint (run (f, NULL, NULL, "export", upper, NULL), ==, 0);
  sheet = read_sheet (upper);
  g_assert_nonnull (sheet);
  g_clear_pointer (&sheet, g_free);

  /* --format wins over the name */
  g_assert_cmpint (run (f, NULL, NULL, "export", "--format", "xlsx", dat, NULL), ==, 0);
  sheet = read_sheet (dat);
  g_assert_nonnull (sheet);
  g_clear_pointer (&sheet, g_free);
  g_assert_cmpint (run (f, NULL, NULL, "export", "--format", "csv", csv_named_xlsx, NULL), ==, 0);
  g_assert_true (is_csv (csv_named_xlsx));
  g_assert_null (read_sheet (csv_named_xlsx));

  /* anything else is CSV, as before */
  g_assert_cmpint (run (f, NULL, NULL, "export", csv, NULL), ==, 0);
  g_assert_true (is_csv (csv));

  /* the filters apply: a search */
  g_clear_pointer (&out, g_free);
  g_assert_cmpint (run (f, &out, NULL, "export", "--search", "이서연", xlsx, NULL), ==, 0);
  g_assert_nonnull (strstr (out, "Exported 1 bills"));
  sheet = read_sheet (xlsx);
  g_assert_nonnull (strstr (sheet, "이서연"));
  g_assert_null (strstr (sheet, "김민수"));
  g_clear_pointer (&sheet, g_free);

  /* an unknown format: a usage error naming it, and no file */
  g_assert_cmpint (run (f, NULL, &err, "export", "--format", "pdf", bad, NULL), ==, 1);
  g_assert_nonnull (strstr (err, "--format"));
  g_assert_nonnull (strstr (err, "“pdf”"));
  g_assert_false (g_file_test (bad, G_FILE_TEST_EXISTS));

  /* a folder that is not there: the message names the file */
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (run (f, NULL, &err, "export", missing, NULL), ==, 2);
  g_assert_nonnull (strstr (err, missing));
}

int
main (int    argc,
      char **argv)
{
  pm_test_init (&argc, &argv);

  g_test_add ("/cli/export/formats", Fixture, NULL, fixture_setup, test_export_formats,
              fixture_teardown);
  return g_test_run ();
}
