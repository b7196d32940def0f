/* test-receipt.c — receipts of paid and refunded bills, read back from the PDF
 *
 * Copyright 2026 The Paymint Desk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The PDFs are read with poppler-utils (pdftotext, pdffonts, pdfinfo), as a person or a
 * program opening the file would; without them the test is skipped (exit 77).
 */

#include "config.h"

#include <glib/gstdio.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pm-error.h"
#include "pm-ledger.h"
#include "pm-money.h"
#include "pm-receipt.h"
#include "pm-test-util.h"

static const char *tmp_dir;

static PmProfile *
make_profile (void)
{
  PmProfile *profile = pm_profile_new ();

  pm_profile_set_name (profile, "해피 피아노 학원");
  pm_profile_set_business_number (profile, "1234567890");
  return profile;
}

static PmBill *
make_paid_bill (void)
{
  PmBill *bill = pm_bill_new ();

  pm_bill_set_bill_id (bill, "RCPT0000000000000001");
  pm_bill_set_payer_name (bill, "김민지");
  pm_bill_set_phone (bill, "01011112222");
  pm_bill_set_product (bill, "11월 수강료");
  pm_bill_set_price (bill, 12000);
  pm_bill_set_state (bill, PM_BILL_STATE_PAID);
  pm_bill_set_appr_pay_type (bill, "CARD");
  pm_bill_set_appr_price (bill, 12000);
  pm_bill_set_appr_dt (bill, "20261123140509");
  pm_bill_set_appr_num (bill, "30012345");
  pm_bill_set_appr_issuer (bill, "신한카드");
  pm_bill_set_appr_card_type (bill, "신용");
  pm_bill_set_appr_monthly (bill, "00");
  return bill;
}

static char *
run_tool (const char * const *argv)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  int status = 0;

  g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, &out, &err,
                &status, &error);
  g_assert_no_error (error);
  if (!g_spawn_check_wait_status (status, &error))
    g_error ("%s failed: %s\n%s", argv[0], error->message, err);
  g_assert_true (g_utf8_validate (out, -1, NULL));
  return g_steal_pointer (&out);
}

static char *
pdf_text (const char *path)
{
  const char *argv[] = { "pdftotext", "-layout", "-enc", "UTF-8", path, "-", NULL };

  return run_tool (argv);
}

/* Whitespace left out, so a value wrapped over lines still reads as one. */
static char *
squeeze (const char *text)
{
  GString *out = g_string_new (NULL);

  for (const char *p = text; *p != '\0'; p = g_utf8_next_char (p))
    if (!g_unichar_isspace (g_utf8_get_char (p)))
      g_string_append_unichar (out, g_utf8_get_char (p));
  return g_string_free (out, FALSE);
}

static void
assert_has (const char *text,
            const char *want)
{
  g_autofree char *flat = squeeze (text);
  g_autofree char *flat_want = squeeze (want);

  if (strstr (flat, flat_want) == NULL)
    g_error ("“%s” is not in the receipt:\n%s", want, text);
}

/* The text on its lines as pdftotext lays it out (spaces kept). */
static void
assert_has_line_text (const char *text,
                      const char *want)
{
  if (strstr (text, want) == NULL)
    g_error ("“%s” is not in the receipt:\n%s", want, text);
}

static char *
write_pdf (PmReceipt      *receipt,
           PmReceiptPaper  paper,
           const char     *name)
{
  g_autoptr(GError) error = NULL;
  char *path = g_build_filename (tmp_dir, name, NULL);

  g_assert_true (pm_receipt_write_pdf_for_paper (receipt, paper, path, &error));
  g_assert_no_error (error);
  g_assert_true (g_file_test (path, G_FILE_TEST_IS_REGULAR));
  return path;
}

/* "Page size:      595.276 x 841.89 pts (A4)" → width, height; and one page. */
static void
pdf_page_size (const char *path,
               double     *width,
               double     *height)
{
  const char *argv[] = { "pdfinfo", path, NULL };
  g_autofree char *info = run_tool (argv);
  const char *size = strstr (info, "Page size:");
  const char *pages = strstr (info, "Pages:");

  g_assert_nonnull (size);
  g_assert_nonnull (pages);
  g_assert_cmpint (atoi (pages + strlen ("Pages:")), ==, 1);
  g_assert_cmpint (sscanf (size, "Page size: %lf x %lf", width, height), ==, 2);
}

/* Every word's box (pdftotext -bbox) lies on the page, inside its margins. */
static void
assert_words_on_page (const char *path,
                      double      page_width)
{
  const char *argv[] = { "pdftotext", "-bbox", path, "-", NULL };
  g_autofree char *html = run_tool (argv);
  const char *p = html;
  guint words = 0;

  while ((p = strstr (p, "<word xMin=\"")) != NULL)
    {
      double x_min, y_min, x_max, y_max;

      g_assert_cmpint (sscanf (p, "<word xMin=\"%lf\" yMin=\"%lf\" xMax=\"%lf\" yMax=\"%lf\"",
                               &x_min, &y_min, &x_max, &y_max), ==, 4);
      g_assert_cmpfloat (x_min, >=, 2.0);
      g_assert_cmpfloat (x_max, <=, page_width - 2.0);
      words++;
      p++;
    }
  g_assert_cmpuint (words, >, 10);
}

static void
test_paid (void)
{
  g_autoptr(PmBill) bill = make_paid_bill ();
  g_autoptr(PmProfile) profile = make_profile ();
  g_autoptr(GError) error = NULL;
  g_autoptr(PmReceipt) receipt = NULL;
  g_autofree char *path = NULL;
  g_autofree char *text = NULL;
  g_autofree char *amount = pm_money_format (12000);
  g_autofree char *words = pm_money_format_korean (12000);
  g_autofree char *fonts = NULL;
  double width, height;

  receipt = pm_receipt_new (bill, profile, 0, &error);
  g_assert_no_error (error);
  g_assert_false (pm_receipt_is_refunded (receipt));
  g_assert_cmpstr (pm_receipt_get_bill_id (receipt), ==, "RCPT0000000000000001");

  /* a later change to the bill does not change the receipt */
  pm_bill_set_payer_name (bill, "바뀐이름");

  path = write_pdf (receipt, PM_RECEIPT_PAPER_A4, "paid.pdf");
  pdf_page_size (path, &width, &height);
  g_assert_cmpfloat (fabs (width - 595.28), <, 0.5);
  g_assert_cmpfloat (fabs (height - 841.89), <, 0.5);

  text = pdf_text (path);
  g_test_message ("%s", text);
  assert_has (text, "Receipt");
  assert_has (text, "해피 피아노 학원");
  assert_has (text, "123-45-67890");
  assert_has (text, "김민지");
  g_assert_null (strstr (text, "바뀐이름"));
  assert_has (text, "11월 수강료");
  g_assert_cmpstr (amount, ==, "₩12,000");
  g_assert_cmpstr (words, ==, "만 이천 원");
  assert_has_line_text (text, amount);
  assert_has_line_text (text, words);
  assert_has (text, "30012345");
  assert_has (text, "신한카드");
  assert_has (text, "신용");
  assert_has (text, "Paid in full");
  assert_has_line_text (text, "2026-11-23 14:05:09 KST");
  assert_has (text, "RCPT0000000000000001");
  g_assert_null (strstr (text, "Refund"));
  assert_words_on_page (path, width);

  /* the Hangul is drawn with a font that has it, embedded */
  {
    const char *argv[] = { "pdffonts", path, NULL };

    fonts = run_tool (argv);
    g_assert_nonnull (strstr (fonts, "NotoSansCJK"));
  }

  /* the text form says the same */
  {
    g_autofree char *plain = pm_receipt_to_text (receipt);

    g_assert_nonnull (strstr (plain, "Payer: 김민지\n"));
    g_assert_nonnull (strstr (plain, "Amount: ₩12,000\n"));
    g_assert_nonnull (strstr (plain, "In words: 만 이천 원\n"));
    g_assert_nonnull (strstr (plain, "Paid at: 2026-11-23 14:05:09 KST\n"));
  }
}

static void
test_refunded (void)
{
  g_autoptr(PmBill) bill = make_paid_bill ();
  g_autoptr(PmProfile) profile = make_profile ();
  g_autoptr(GPtrArray) events = g_ptr_array_new_with_free_func ((GDestroyNotify) pm_ledger_event_free);
  g_autoptr(GError) error = NULL;
  g_autoptr(PmReceipt) receipt = NULL;
  g_autoptr(GDateTime) refund_time = g_date_time_new_utc (2026, 11, 24, 1, 2, 3);
  g_autofree char *path = NULL;
  g_autofree char *text = NULL;
  PmLedgerEvent paid = { 0, (char *) "RCPT0000000000000001", 1763874309, (char *) "state",
                         PM_BILL_STATE_UNPAID, PM_BILL_STATE_PAID, NULL };
  PmLedgerEvent refunded = { 0, (char *) "RCPT0000000000000001",
                             g_date_time_to_unix (refund_time), (char *) "state",
                             PM_BILL_STATE_PAID, PM_BILL_STATE_CANCELLED, NULL };
  PmLedgerEvent note = { 0, (char *) "RCPT0000000000000001",
                         g_date_time_to_unix (refund_time) + 60, (char *) "note", -1, -1,
                         (char *) "checked" };

  /* the refund's time comes from the timeline: the change to refunded */
  g_assert_cmpint (pm_receipt_find_refund_time (NULL), ==, 0);
  g_ptr_array_add (events, pm_ledger_event_copy (&paid));
  g_assert_cmpint (pm_receipt_find_refund_time (events), ==, 0);
  g_ptr_array_add (events, pm_ledger_event_copy (&refunded));
  g_ptr_array_add (events, pm_ledger_event_copy (&note));
  g_assert_cmpint (pm_receipt_find_refund_time (events), ==, g_date_time_to_unix (refund_time));

  pm_bill_set_state (bill, PM_BILL_STATE_CANCELLED);
  receipt = pm_receipt_new (bill, profile, pm_receipt_find_refund_time (events), &error);
  g_assert_no_error (error);
  g_assert_true (pm_receipt_is_refunded (receipt));
  path = write_pdf (receipt, PM_RECEIPT_PAPER_A4, "refunded.pdf");
  text = pdf_text (path);
  g_test_message ("%s", text);
  /* the payment, then the refund: 10:02:03 in Korea is 01:02:03 UTC */
  assert_has (text, "This payment was cancelled and refunded.");
  assert_has (text, "김민지");
  assert_has_line_text (text, "2026-11-23 14:05:09 KST");
  assert_has (text, "30012345");
  assert_has (text, "Refund");
  assert_has (text, "Refunded in full");
  assert_has_line_text (text, "₩12,000 (만 이천 원)");
  assert_has_line_text (text, "2026-11-24 10:02:03 KST");

  /* with no time recorded, the receipt says so instead of making one up */
  {
    g_autoptr(PmReceipt) unknown = pm_receipt_new (bill, profile, 0, &error);
    g_autofree char *plain = NULL;

    g_assert_no_error (error);
    plain = pm_receipt_to_text (unknown);
    g_assert_nonnull (strstr (plain, "Refunded at: Not recorded\n"));
  }
}

static void
test_long_names (void)
{
  g_autoptr(PmBill) bill = make_paid_bill ();
  g_autoptr(PmProfile) profile = make_profile ();
  g_autoptr(GError) error = NULL;
  g_autoptr(PmReceipt) receipt = NULL;
  g_autoptr(GString) product = g_string_new (NULL);
  g_autofree char *payer = NULL;
  const char *payer_words = "황보 김박이최정강조윤장임한오서신권황안송류전홍고문양손배백";

  /* the longest a payer name (30) and a reason (100 characters) may be */
  payer = g_strdup (payer_words);
  g_assert_cmpint (g_utf8_strlen (payer, -1), ==, PM_BILL_MEMBER_NM_MAX);
  while (g_utf8_strlen (product->str, -1) < PM_BILL_PRODUCT_NM_MAX - 12)
    g_string_append (product, "겨울방학 특강 ");
  g_string_append (product, "피아노레슨교재비포함");
  g_assert_cmpint (g_utf8_strlen (product->str, -1), <=, PM_BILL_PRODUCT_NM_MAX);
  pm_bill_set_payer_name (bill, payer);
  pm_bill_set_product (bill, product->str);
  pm_bill_set_price (bill, 1234000);
  pm_bill_set_appr_price (bill, 1234000);
  pm_bill_set_appr_monthly (bill, "12");
  pm_profile_set_name (profile, "서울특별시 강남구 대치동 해피 피아노 음악 교습소 본점");

  receipt = pm_receipt_new (bill, profile, 0, &error);
  g_assert_no_error (error);

  for (int paper = PM_RECEIPT_PAPER_A4; paper <= PM_RECEIPT_PAPER_ROLL; paper++)
    {
      g_autofree char *path = write_pdf (receipt, paper, paper == PM_RECEIPT_PAPER_A4
                                                           ? "long-a4.pdf" : "long-roll.pdf");
      g_autofree char *text = pdf_text (path);
      double width, height;

      g_test_message ("%s", text);
      pdf_page_size (path, &width, &height);
      if (paper == PM_RECEIPT_PAPER_ROLL)
        {
          /* 80 mm wide, as long as the receipt */
          g_assert_cmpfloat (fabs (width - 226.77), <, 0.5);
          g_assert_cmpfloat (height, >, width);
          g_assert_cmpfloat (height, ==, pm_receipt_get_height (receipt, width));
        }
      assert_has (text, payer);
      assert_has (text, product->str);
      assert_has (text, "서울특별시 강남구 대치동 해피 피아노 음악 교습소 본점");
      assert_has (text, "₩1,234,000");
      assert_has (text, "백이십삼만 사천 원");
      assert_has (text, "12 months");
      assert_has (text, "30012345");
      assert_has (text, "RCPT0000000000000001");
      /* nothing runs off the paper, however narrow */
      assert_words_on_page (path, width);
    }

  /* the longest receipt still fits one A4 page without being shrunk */
  g_assert_cmpfloat (pm_receipt_get_height (receipt, PM_RECEIPT_A4_WIDTH), <,
                     PM_RECEIPT_A4_HEIGHT);
}

static void
test_unpaid_refused (void)
{
  const PmBillState no_receipt[] = {
    PM_BILL_STATE_QUEUED, PM_BILL_STATE_SENDING, PM_BILL_STATE_UNKNOWN, PM_BILL_STATE_FAILED,
    PM_BILL_STATE_UNPAID, PM_BILL_STATE_DESTROYED, PM_BILL_STATE_NOT_SENT,
  };
  g_autoptr(PmProfile) profile = make_profile ();

  for (guint i = 0; i < G_N_ELEMENTS (no_receipt); i++)
    {
      g_autoptr(PmBill) bill = make_paid_bill ();
      g_autoptr(GError) error = NULL;
      g_autoptr(PmReceipt) receipt = NULL;

      pm_bill_set_state (bill, no_receipt[i]);
      g_assert_false (pm_receipt_bill_has_receipt (bill));
      receipt = pm_receipt_new (bill, profile, 0, &error);
      g_assert_null (receipt);
      g_assert_error (error, PM_ERROR, PM_ERROR_INVALID);
      g_assert_cmpstr (error->message, ==, "This bill has not been paid; there is no receipt.");
      g_assert_cmpstr (pm_error_get_field (error), ==, "state");
    }
}

static guint
count_files (const char *dir)
{
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  guint n = 0;

  g_assert_nonnull (d);
  while (g_dir_read_name (d) != NULL)
    n++;
  return n;
}

static void
test_unwritable (void)
{
  g_autoptr(PmBill) bill = make_paid_bill ();
  g_autoptr(PmReceipt) receipt = pm_receipt_new (bill, NULL, 0, NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *missing = g_build_filename (tmp_dir, "no-such-folder", "r.pdf", NULL);
  g_autofree char *locked = g_build_filename (tmp_dir, "locked", NULL);
  g_autofree char *in_locked = g_build_filename (locked, "r.pdf", NULL);
  g_autofree char *a_dir = g_build_filename (tmp_dir, "a-folder.pdf", NULL);

  g_assert_nonnull (receipt);

  /* a folder that is not there: an error naming the file, and no file */
  g_assert_false (pm_receipt_write_pdf (receipt, missing, &error));
  g_assert_nonnull (error);
  {
    g_autofree char *want = g_strdup_printf ("Could not write the receipt to “%s”: "
                                             "the folder does not exist", missing);

    g_assert_cmpstr (error->message, ==, want);
  }
  g_assert_false (g_file_test (missing, G_FILE_TEST_EXISTS));
  g_clear_error (&error);

  /* a folder as the target: refused, the folder left as it was */
  g_assert_cmpint (g_mkdir (a_dir, 0700), ==, 0);
  g_assert_false (pm_receipt_write_pdf (receipt, a_dir, &error));
  g_assert_nonnull (error);
  {
    g_autofree char *want = g_strdup_printf ("Could not write the receipt to “%s”: "
                                             "that is a folder, not a file", a_dir);

    g_assert_cmpstr (error->message, ==, want);
  }
  g_assert_true (g_file_test (a_dir, G_FILE_TEST_IS_DIR));
  g_clear_error (&error);

  /* a folder nobody may write: no file, no temporary file left behind; an older
   * receipt there stays whole */
  g_assert_cmpint (g_mkdir (locked, 0700), ==, 0);
  g_assert_true (g_file_set_contents (in_locked, "old receipt", -1, NULL));
  g_assert_cmpint (g_chmod (locked, 0500), ==, 0);
  if (access (locked, W_OK) == 0)
    {
      g_test_message ("running as root: a read-only folder is writable; skipped that part");
    }
  else
    {
      g_autofree char *contents = NULL;

      g_assert_false (pm_receipt_write_pdf (receipt, in_locked, &error));
      g_assert_nonnull (error);
      g_assert_nonnull (strstr (error->message, in_locked));
      g_assert_nonnull (strstr (error->message, "you may not write there"));
      g_clear_error (&error);
      g_assert_true (g_file_get_contents (in_locked, &contents, NULL, NULL));
      g_assert_cmpstr (contents, ==, "old receipt");
      g_assert_cmpuint (count_files (locked), ==, 1);
    }
  g_assert_cmpint (g_chmod (locked, 0700), ==, 0);

  /* and where it can be written, an older file is replaced whole */
  g_assert_true (pm_receipt_write_pdf (receipt, in_locked, &error));
  g_assert_no_error (error);
  {
    g_autofree char *contents = NULL;
    gsize length = 0;

    g_assert_true (g_file_get_contents (in_locked, &contents, &length, NULL));
    g_assert_true (g_str_has_prefix (contents, "%PDF-"));
    g_assert_cmpuint (count_files (locked), ==, 1);
  }
}

static void
test_no_business_number (void)
{
  g_autoptr(PmBill) bill = make_paid_bill ();
  g_autoptr(PmProfile) profile = make_profile ();
  g_autoptr(PmReceipt) receipt = NULL;
  g_autofree char *plain = NULL;

  /* MMK connections often have no business number: the line is left out */
  pm_profile_set_business_number (profile, NULL);
  pm_bill_set_appr_monthly (bill, "0");
  receipt = pm_receipt_new (bill, profile, 0, NULL);
  plain = pm_receipt_to_text (receipt);
  g_assert_null (strstr (plain, "Business registration number"));
  g_assert_nonnull (strstr (plain, "해피 피아노 학원\n"));
  g_assert_nonnull (strstr (plain, "Instalments: Paid in full\n"));
  g_assert_true (g_str_has_prefix (plain, "Receipt\n"));
}

int
main (int   argc,
      char *argv[])
{
  const char *tools[] = { "pdftotext", "pdfinfo", "pdffonts" };

  tmp_dir = pm_test_init (&argc, &argv);
  for (guint i = 0; i < G_N_ELEMENTS (tools); i++)
    {
      g_autofree char *found = g_find_program_in_path (tools[i]);

      if (found == NULL)
        {
          g_printerr ("%s (poppler-utils) is not installed: skipped\n", tools[i]);
          return 77;
        }
    }

  g_test_add_func ("/receipt/paid", test_paid);
  g_test_add_func ("/receipt/refunded", test_refunded);
  g_test_add_func ("/receipt/long-names", test_long_names);
  g_test_add_func ("/receipt/unpaid-refused", test_unpaid_refused);
  g_test_add_func ("/receipt/unwritable", test_unwritable);
  g_test_add_func ("/receipt/no-business-number", test_no_business_number);
  return g_test_run ();
}
