/* test-csv.c — CSV import for bulk send
 *
 * Copyright 2026 The Paymint Desk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "pm-bill.h"
#include "pm-csv.h"
#include "pm-error.h"
#include "pm-money.h"
#include "pm-test-util.h"

#include <glib/gstdio.h>
#include <string.h>

static const char *tmp_root;

/* 2026-11-23 12:00 in Korea. */
static gint64
test_now (void)
{
  g_autoptr(GDateTime) dt = g_date_time_new_utc (2026, 11, 23, 3, 0, 0);

  return g_date_time_to_unix (dt);
}

static PmCsvImport *
import_text_full (const char          *text,
                  gssize               len,
                  const PmCsvOptions  *options,
                  GError             **error)
{
  PmCsvOptions o = { 0 };
  g_autoptr(GBytes) bytes = NULL;

  if (options != NULL)
    o = *options;
  if (o.now_utc == 0)
    o.now_utc = test_now ();
  bytes = g_bytes_new (text, len < 0 ? strlen (text) : (gsize) len);
  return pm_csv_import_bytes (bytes, &o, error);
}

static PmCsvImport *
import_ok (const char         *text,
           const PmCsvOptions *options)
{
  g_autoptr(GError) error = NULL;
  PmCsvImport *import = import_text_full (text, -1, options, &error);

  g_assert_no_error (error);
  g_assert_nonnull (import);
  return import;
}

static PmCsvRow *
row_at (PmCsvImport *import,
        guint        i)
{
  GPtrArray *rows = pm_csv_import_get_rows (import);

  g_assert_cmpuint (i, <, rows->len);
  return g_ptr_array_index (rows, i);
}

static PmBill *
bill_at (PmCsvImport *import,
         guint        i)
{
  PmCsvRow *row = row_at (import, i);

  if (row->bill == NULL)
    {
      for (guint j = 0; j < row->errors->len; j++)
        {
          PmCsvRowError *e = g_ptr_array_index (row->errors, j);
          g_test_message ("row %u %s: %s", row->line, pm_csv_field_to_string (e->field),
                          e->message);
        }
    }
  g_assert_nonnull (row->bill);
  g_assert_cmpuint (row->errors->len, ==, 0);
  return row->bill;
}

static const char *
error_for (PmCsvRow   *row,
           PmCsvField  field)
{
  for (guint j = 0; j < row->errors->len; j++)
    {
      PmCsvRowError *e = g_ptr_array_index (row->errors, j);

      if (e->field == field)
        return e->message;
    }
  return NULL;
}

static void
assert_file_error (const char         *text,
                   gssize              len,
                   const PmCsvOptions *options,
                   const char         *message_has)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PmCsvImport) import = import_text_full (text, len, options, &error);

  g_assert_null (import);
  g_assert_error (error, PM_ERROR, PM_ERROR_INVALID);
  if (message_has != NULL && strstr (error->message, message_has) == NULL)
    g_error ("“%s” not in “%s”", message_has, error->message);
}

#define EN_HEADER "name,phone,amount,product,message,expiry\n"
#define KO_HEADER "이름,전화번호,금액,상품명,메시지,만료일\n"

static void
test_utf8 (void)
{
  g_autoptr(PmCsvImport) import =
    import_ok (EN_HEADER
               "Kim Minsu,010-2345-6789,\"120,000\",Tuition,Please pay,2026-12-31\n"
               "홍길동,+82 10 1111 2222,₩5000,교재비,감사합니다,2026-11-30\n", NULL);
  PmBill *bill;

  g_assert_cmpstr (pm_csv_import_get_encoding (import), ==, "UTF-8");
  g_assert_false (pm_csv_import_get_had_bom (import));
  g_assert_cmpint (pm_csv_import_get_delimiter (import), ==, ',');
  g_assert_cmpuint (pm_csv_import_get_n_rows (import), ==, 2);
  g_assert_cmpuint (pm_csv_import_get_n_valid (import), ==, 2);
  g_assert_cmpuint (pm_csv_import_get_n_invalid (import), ==, 0);
  g_assert_cmpint (pm_csv_import_get_total_won (import), ==, 125000);

  bill = bill_at (import, 0);
  g_assert_cmpint (pm_bill_get_kind (bill), ==, PM_BILL_KIND_REQUEST);
  g_assert_cmpstr (pm_bill_get_payer_name (bill), ==, "Kim Minsu");
  g_assert_cmpstr (pm_bill_get_phone (bill), ==, "01023456789");
  g_assert_cmpint (pm_bill_get_price (bill), ==, 120000);
  g_assert_cmpstr (pm_bill_get_product (bill), ==, "Tuition");
  g_assert_cmpstr (pm_bill_get_message (bill), ==, "Please pay");
  g_assert_cmpstr (pm_bill_get_expire_date (bill), ==, "2026-12-31");
  g_assert_true (pm_bill_validate_at (bill, test_now (), NULL));
  g_assert_cmpuint (row_at (import, 0)->line, ==, 2);

  bill = bill_at (import, 1);
  g_assert_cmpstr (pm_bill_get_payer_name (bill), ==, "홍길동");
  g_assert_cmpstr (pm_bill_get_phone (bill), ==, "01011112222");
  g_assert_cmpuint (row_at (import, 1)->line, ==, 3);
}

static void
test_utf8_bom (void)
{
  g_autoptr(PmCsvImport) import =
    import_ok ("\xef\xbb\xbf" KO_HEADER "김철수,01023456789,120000원,수강료,안내,2026-12-31\n", NULL);

  g_assert_cmpstr (pm_csv_import_get_encoding (import), ==, "UTF-8");
  g_assert_true (pm_csv_import_get_had_bom (import));
  g_assert_cmpstr (pm_csv_import_get_headers (import)[0], ==, "이름");
  g_assert_cmpint (pm_csv_import_get_column (import, PM_CSV_FIELD_PAYER), ==, 0);
  g_assert_cmpstr (pm_bill_get_payer_name (bill_at (import, 0)), ==, "김철수");
  g_assert_cmpint (pm_bill_get_price (bill_at (import, 0)), ==, 120000);
}

static char *
to_charset (const char *utf8,
            const char *charset,
            gsize      *len)
{
  g_autoptr(GError) error = NULL;
  char *out = g_convert (utf8, -1, charset, "UTF-8", NULL, len, &error);

  g_assert_no_error (error);
  return out;
}

static void
test_cp949 (void)
{
  /* 똠 and 햏 exist in CP949 (Excel's Korean "CSV") but not in plain EUC-KR. */
  const char *text = KO_HEADER
    "똠방각하,010-2345-6789,\"1,000\",햏 교재,안내 문구,2026-12-31\n"
    "홍길동,010-1111-2222,2000,수강료,감사합니다,2026.12.01\n";
  gsize len = 0;
  g_autofree char *bytes = to_charset (text, "CP949", &len);
  g_autoptr(PmCsvImport) import = NULL;
  g_autoptr(GError) error = NULL;
  PmCsvOptions options = { 0 };

  g_assert_false (g_utf8_validate (bytes, len, NULL));
  import = import_text_full (bytes, len, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (pm_csv_import_get_encoding (import), ==, "CP949");
  g_assert_cmpstr (pm_csv_import_get_headers (import)[1], ==, "전화번호");
  g_assert_cmpstr (pm_bill_get_payer_name (bill_at (import, 0)), ==, "똠방각하");
  g_assert_cmpstr (pm_bill_get_product (bill_at (import, 0)), ==, "햏 교재");
  g_assert_cmpstr (pm_bill_get_payer_name (bill_at (import, 1)), ==, "홍길동");
  g_assert_cmpstr (pm_bill_get_expire_date (bill_at (import, 1)), ==, "2026-12-01");
  g_clear_object (&import);

  /* Told it is UTF-8: a clear error pointing at CP949, not mojibake. */
  options.encoding = "UTF-8";
  assert_file_error (bytes, len, &options, "CP949");
  /* Plain EUC-KR cannot hold 똠: a clear error, no crash. */
  options.encoding = "EUC-KR";
  assert_file_error (bytes, len, &options, "EUC-KR");
  options.encoding = "NO-SUCH-CHARSET";
  assert_file_error (bytes, len, &options, "NO-SUCH-CHARSET");
}

static void
test_euc_kr (void)
{
  const char *text = KO_HEADER "이영희,010-3333-4444,50000,교재비,감사합니다,2026-12-31\n";
  gsize len = 0;
  g_autofree char *bytes = to_charset (text, "EUC-KR", &len);
  g_autoptr(PmCsvImport) detected = NULL;
  g_autoptr(PmCsvImport) chosen = NULL;
  PmCsvOptions options = { 0 };
  g_autoptr(GError) error = NULL;

  /* Detected: CP949 is a superset of EUC-KR, so it decodes the same text. */
  detected = import_text_full (bytes, len, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (pm_csv_import_get_encoding (detected), ==, "CP949");
  g_assert_cmpstr (pm_bill_get_payer_name (bill_at (detected, 0)), ==, "이영희");
  g_assert_cmpstr (pm_bill_get_message (bill_at (detected, 0)), ==, "감사합니다");

  options.encoding = "euc-kr";
  chosen = import_text_full (bytes, len, &options, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (pm_csv_import_get_encoding (chosen), ==, "EUC-KR");
  g_assert_cmpstr (pm_bill_get_payer_name (bill_at (chosen, 0)), ==, "이영희");
}

static void
test_utf16 (void)
{
  const char *text = "이름\t전화번호\t금액\t상품명\t메시지\t만료일\r\n"
                     "박민수\t010-5555-6666\t30,000\t간식비\t안내\t2026-12-31\r\n";
  gsize len = 0;
  g_autofree char *utf16 = to_charset (text, "UTF-16LE", &len);
  g_autoptr(GByteArray) bytes = g_byte_array_new ();
  g_autoptr(PmCsvImport) import = NULL;
  g_autoptr(GError) error = NULL;

  g_byte_array_append (bytes, (const guint8 *) "\xff\xfe", 2);
  g_byte_array_append (bytes, (const guint8 *) utf16, len);
  import = import_text_full ((const char *) bytes->data, bytes->len, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (pm_csv_import_get_encoding (import), ==, "UTF-16LE");
  g_assert_true (pm_csv_import_get_had_bom (import));
  g_assert_cmpint (pm_csv_import_get_delimiter (import), ==, '\t');
  g_assert_cmpstr (pm_bill_get_payer_name (bill_at (import, 0)), ==, "박민수");
  g_assert_cmpint (pm_bill_get_price (bill_at (import, 0)), ==, 30000);
  g_clear_object (&import);

  /* Without a BOM: recognised by the zero bytes of its ASCII characters. */
  import = import_text_full (utf16, len, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (pm_csv_import_get_encoding (import), ==, "UTF-16LE");
  g_assert_false (pm_csv_import_get_had_bom (import));
  g_assert_cmpstr (pm_bill_get_product (bill_at (import, 0)), ==, "간식비");
}

static void
test_headers (void)
{
  g_autoptr(PmCsvImport) en =
    import_ok (" NAME ,Mobile,Price,Product_NM,Message,Expire_DT,Memo,bill_id\n"
               "Lee,01023456789,1000,Books,Hi,2026-12-31,vip,ABC123\n", NULL);
  g_autoptr(PmCsvImport) ko =
    import_ok ("비고,학생명,연락처,결제금액,청구사유,안내문구,결제기한\n"
               "메모1,최지우,010 7777 8888,\"2,500\",간식,안내,2026/12/31\n", NULL);
  g_autoptr(PmCsvImport) other =
    import_ok ("성명,핸드폰,청구금액,항목,안내,유효기간\n"
               "정우성,01099998888,700,우유,안내,2026-12-31 00:00:00\n", NULL);
  PmBill *bill;

  bill = bill_at (en, 0);
  g_assert_cmpstr (pm_bill_get_payer_name (bill), ==, "Lee");
  g_assert_cmpstr (pm_bill_get_note (bill), ==, "vip");
  g_assert_cmpstr (pm_bill_get_bill_id (bill), ==, "ABC123");
  g_assert_cmpint (pm_csv_import_get_column (en, PM_CSV_FIELD_EXPIRY), ==, 5);

  bill = bill_at (ko, 0);
  g_assert_cmpint (pm_csv_import_get_column (ko, PM_CSV_FIELD_NOTE), ==, 0);
  g_assert_cmpint (pm_csv_import_get_column (ko, PM_CSV_FIELD_PAYER), ==, 1);
  g_assert_cmpstr (pm_bill_get_payer_name (bill), ==, "최지우");
  g_assert_cmpstr (pm_bill_get_phone (bill), ==, "01077778888");
  g_assert_cmpint (pm_bill_get_price (bill), ==, 2500);
  g_assert_cmpstr (pm_bill_get_expire_date (bill), ==, "2026-12-31");
  g_assert_cmpstr (pm_bill_get_note (bill), ==, "메모1");
  g_assert_cmpint (pm_csv_import_get_column (ko, PM_CSV_FIELD_BILL_ID), ==, -1);

  bill = bill_at (other, 0);
  g_assert_cmpstr (pm_bill_get_product (bill), ==, "우유");
  g_assert_cmpstr (pm_bill_get_expire_date (bill), ==, "2026-12-31");
}

static void
test_explicit_mapping (void)
{
  const char *text = "a,b,c,d\n"
                     "1023456789,Kim,\"10,000\",Lessons\n";
  PmCsvOptions options = { 0 };
  g_autoptr(PmCsvImport) import = NULL;
  PmBill *bill;

  options.columns[PM_CSV_FIELD_PHONE] = "1";
  options.columns[PM_CSV_FIELD_PAYER] = "B";
  options.columns[PM_CSV_FIELD_AMOUNT] = "3";
  options.columns[PM_CSV_FIELD_PRODUCT] = " d ";
  options.default_message = "Thank you";
  options.default_expiry = "2026.12.15";
  import = import_ok (text, &options);
  g_assert_cmpint (pm_csv_import_get_column (import, PM_CSV_FIELD_PHONE), ==, 0);
  g_assert_cmpint (pm_csv_import_get_column (import, PM_CSV_FIELD_PAYER), ==, 1);
  g_assert_cmpint (pm_csv_import_get_column (import, PM_CSV_FIELD_MESSAGE), ==, -1);
  bill = bill_at (import, 0);
  g_assert_cmpstr (pm_bill_get_phone (bill), ==, "01023456789");
  g_assert_cmpstr (pm_bill_get_payer_name (bill), ==, "Kim");
  g_assert_cmpint (pm_bill_get_price (bill), ==, 10000);
  g_assert_cmpstr (pm_bill_get_product (bill), ==, "Lessons");
  g_assert_cmpstr (pm_bill_get_message (bill), ==, "Thank you");
  g_assert_cmpstr (pm_bill_get_expire_date (bill), ==, "2026-12-15");

  /* An explicit choice beats the header names. */
  {
    PmCsvOptions swap = { 0 };
    g_autoptr(PmCsvImport) swapped = NULL;

    swap.columns[PM_CSV_FIELD_PAYER] = "product";
    swap.columns[PM_CSV_FIELD_PRODUCT] = "name";
    swapped = import_ok (EN_HEADER "Tuition,01023456789,100,Kim,Hi,2026-12-31\n", &swap);
    g_assert_cmpstr (pm_bill_get_payer_name (bill_at (swapped, 0)), ==, "Kim");
    g_assert_cmpstr (pm_bill_get_product (bill_at (swapped, 0)), ==, "Tuition");
  }

  options.columns[PM_CSV_FIELD_AMOUNT] = "9";
  assert_file_error (text, -1, &options, "only 4 columns");
  options.columns[PM_CSV_FIELD_AMOUNT] = "0";
  assert_file_error (text, -1, &options, "only 4 columns");
  options.columns[PM_CSV_FIELD_AMOUNT] = "가격";
  assert_file_error (text, -1, &options, "“가격”");
  assert_file_error (text, -1, &options, "“a”, “b”, “c”, “d”");
}

static void
test_delimiters (void)
{
  g_autoptr(PmCsvImport) tab =
    import_ok ("name\tphone\tamount\tproduct\tmessage\texpiry\n"
               "Kim, Minsu\t01023456789\t1,000\tBooks\tHi\t2026-12-31\n", NULL);
  g_autoptr(PmCsvImport) semi =
    import_ok ("name;phone;amount;product;message;expiry\n"
               "Kim;01023456789;\"1.000\";Books, vol. 2;Hi;2026-12-31\n"
               "Lee;01023456780;1000;Books;Hi;2026-12-31\n", NULL);
  PmCsvOptions options = { 0 };
  g_autoptr(PmCsvImport) forced = NULL;

  g_assert_cmpint (pm_csv_import_get_delimiter (tab), ==, '\t');
  g_assert_cmpstr (pm_bill_get_payer_name (bill_at (tab, 0)), ==, "Kim, Minsu");
  g_assert_cmpint (pm_bill_get_price (bill_at (tab, 0)), ==, 1000);

  g_assert_cmpint (pm_csv_import_get_delimiter (semi), ==, ';');
  /* "1.000" is a decimal to the money module: rejected, the next row still reads. */
  g_assert_nonnull (error_for (row_at (semi, 0), PM_CSV_FIELD_AMOUNT));
  g_assert_cmpstr (pm_bill_get_product (bill_at (semi, 1)), ==, "Books");

  options.delimiter = '|';
  forced = import_ok ("name|phone|amount|product|message|expiry\n"
                      "Kim|01023456789|1,000|Books|Hi, there|2026-12-31\n", &options);
  g_assert_cmpint (pm_csv_import_get_delimiter (forced), ==, '|');
  g_assert_cmpstr (pm_bill_get_message (bill_at (forced, 0)), ==, "Hi, there");
}

static void
check_quoting (const char *eol)
{
  g_autofree char *text =
    g_strjoin (eol,
               "name,phone,amount,product,message,expiry",
               "\"Kim, Minsu\",01023456789,\"1,000\",\"The \"\"big\"\" book\",\"Line one",
               "Line two",
               "Line three\",2026-12-31",
               "Lee,0102345,1000,Books,Hi,2026-12-31",
               "",
               "  \"Park\" ,01023456780,1000,\"\",Hi,2026-12-31",
               "",
               "",
               NULL);
  g_autoptr(PmCsvImport) import = import_ok (text, NULL);
  PmBill *bill = bill_at (import, 0);
  PmCsvRow *row;

  g_assert_cmpuint (pm_csv_import_get_n_rows (import), ==, 3);
  g_assert_cmpstr (pm_bill_get_payer_name (bill), ==, "Kim, Minsu");
  g_assert_cmpstr (pm_bill_get_product (bill), ==, "The \"big\" book");
  g_assert_cmpstr (pm_bill_get_message (bill), ==, "Line one\nLine two\nLine three");
  g_assert_cmpuint (row_at (import, 0)->line, ==, 2);
  g_assert_cmpuint (row_at (import, 0)->number, ==, 2);

  /* After a record spanning lines 2–4, the next record is on line 5, but in the
   * spreadsheet's row 3. */
  row = row_at (import, 1);
  g_assert_cmpuint (row->line, ==, 5);
  g_assert_cmpuint (row->number, ==, 3);
  g_assert_null (row->bill);
  g_assert_nonnull (error_for (row, PM_CSV_FIELD_PHONE));

  /* A blank line is skipped but still counted; an empty quoted product is reported. */
  row = row_at (import, 2);
  g_assert_cmpuint (row->line, ==, 7);
  g_assert_cmpuint (row->number, ==, 5);
  g_assert_cmpstr (error_for (row, PM_CSV_FIELD_PRODUCT), ==, "Enter what the bill is for.");
  g_assert_cmpuint (row->errors->len, ==, 1);
}

static void
test_quoting_lf (void)
{
  check_quoting ("\n");
}

static void
test_quoting_crlf (void)
{
  check_quoting ("\r\n");
}

static void
test_quoting_cr (void)
{
  check_quoting ("\r");
}

static void
test_ragged (void)
{
  g_autoptr(PmCsvImport) import =
    import_ok (EN_HEADER
               "Kim,01023456789,1000,Books\n"
               "Lee,01023456789,1000,Books,Hi,2026-12-31,,\n"
               "Park,01023456789,1000,Books,Hi,2026-12-31,extra\n"
               "Choi,01023456780,2000,Books,Hi,2026-12-31\n", NULL);
  PmCsvRow *row;

  g_assert_cmpuint (pm_csv_import_get_n_rows (import), ==, 4);
  g_assert_cmpuint (pm_csv_import_get_n_valid (import), ==, 2);
  g_assert_cmpuint (pm_csv_import_get_n_invalid (import), ==, 2);

  row = row_at (import, 0);
  g_assert_null (row->bill);
  g_assert_cmpuint (row->errors->len, ==, 1);
  g_assert_nonnull (strstr (error_for (row, PM_CSV_FIELD_NONE), "4 cells"));
  g_assert_nonnull (strstr (error_for (row, PM_CSV_FIELD_NONE), "has 6"));

  /* Padding with empty cells is what spreadsheets do: fine. */
  g_assert_cmpstr (pm_bill_get_payer_name (bill_at (import, 1)), ==, "Lee");

  row = row_at (import, 2);
  g_assert_null (row->bill);
  g_assert_nonnull (strstr (error_for (row, PM_CSV_FIELD_NONE), "7 cells"));
  g_assert_cmpint (pm_csv_import_get_total_won (import), ==, 3000);
}

typedef struct
{
  const char *line;
  PmCsvField  field;
  const char *message_has;
} BadRow;

static void
test_bad_rows (void)
{
  static const BadRow bad[] = {
    { "Kim,02-123-4567,1000,Books,Hi,2026-12-31", PM_CSV_FIELD_PHONE, NULL },
    { "Kim,010123,1000,Books,Hi,2026-12-31", PM_CSV_FIELD_PHONE, NULL },
    { "Kim,01023456789,0,Books,Hi,2026-12-31", PM_CSV_FIELD_AMOUNT, "at least ₩1" },
    { "Kim,01023456789,-500,Books,Hi,2026-12-31", PM_CSV_FIELD_AMOUNT, "negative" },
    { "Kim,01023456789,12345678901,Books,Hi,2026-12-31", PM_CSV_FIELD_AMOUNT, "at most" },
    { "Kim,01023456789,12.5,Books,Hi,2026-12-31", PM_CSV_FIELD_AMOUNT, "decimal" },
    { "Kim,01023456789,abc,Books,Hi,2026-12-31", PM_CSV_FIELD_AMOUNT, "digits" },
    { "Kim,01023456789,1000,Books,Hi,2026-11-22", PM_CSV_FIELD_EXPIRY, "past" },
    { "Kim,01023456789,1000,Books,Hi,2026-02-30", PM_CSV_FIELD_EXPIRY, "real date" },
    { "Kim,01023456789,1000,Books,Hi,next week", PM_CSV_FIELD_EXPIRY, "YYYY-MM-DD" },
    { "Kim,01023456789,1000,Books,Hi,", PM_CSV_FIELD_EXPIRY, "last day" },
    { ",01023456789,1000,Books,Hi,2026-12-31", PM_CSV_FIELD_PAYER, "payer’s name" },
    { "Kim,01023456789,1000,Books,,2026-12-31", PM_CSV_FIELD_MESSAGE, "message" },
    { "Kim,01023456789,1000,PRODUCT,Hi,2026-12-31", PM_CSV_FIELD_PRODUCT, "at most 100" },
  };
  g_autoptr(GString) text = g_string_new (EN_HEADER "Good,01023456789,1000,Books,Hi,2026-11-23\n");
  g_autoptr(PmCsvImport) import = NULL;
  g_autofree char *long_product = g_strnfill (101, 'x');
  g_autofree char *report = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autofree char *line = NULL;
      GString *l = g_string_new (bad[i].line);

      g_string_replace (l, "PRODUCT", long_product, 0);
      line = g_string_free (l, FALSE);
      g_string_append_printf (text, "%s\nGood %u,01023456789,\"1,000\",Books,Hi,2026-12-31\n",
                              line, i);
    }
  /* Two bad fields in one row: both reported. */
  g_string_append (text, "Both,010,0,Books,Hi,2026-12-31\n");

  import = import_ok (text->str, NULL);
  g_assert_cmpuint (pm_csv_import_get_n_rows (import), ==, 2 * G_N_ELEMENTS (bad) + 2);
  g_assert_cmpuint (pm_csv_import_get_n_invalid (import), ==, G_N_ELEMENTS (bad) + 1);
  g_assert_cmpuint (pm_csv_import_get_n_valid (import), ==, G_N_ELEMENTS (bad) + 1);
  g_assert_cmpint (pm_csv_import_get_total_won (import), ==, 1000 * (G_N_ELEMENTS (bad) + 1));

  /* Today in Korea is a valid last day. */
  g_assert_cmpstr (pm_bill_get_expire_date (bill_at (import, 0)), ==, "2026-11-23");

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      PmCsvRow *row = row_at (import, 1 + 2 * i);
      const char *message = error_for (row, bad[i].field);

      g_test_message ("row %u: %s", row->line, message ? message : "(none)");
      g_assert_cmpuint (row->line, ==, 3 + 2 * i);
      g_assert_null (row->bill);
      g_assert_null (row->key);
      g_assert_cmpuint (row->errors->len, ==, 1);
      g_assert_nonnull (message);
      if (bad[i].message_has != NULL && strstr (message, bad[i].message_has) == NULL)
        g_error ("row %u: “%s” not in “%s”", row->line, bad[i].message_has, message);
      g_assert_nonnull (bill_at (import, 2 + 2 * i));
    }

  /* The amount messages are the money module's own. */
  {
    g_autoptr(GError) money_error = NULL;
    gint64 won;

    g_assert_false (pm_money_parse ("12.5", &won, &money_error));
    g_assert_cmpstr (error_for (row_at (import, 1 + 2 * 5), PM_CSV_FIELD_AMOUNT), ==,
                     money_error->message);
  }

  {
    PmCsvRow *both = row_at (import, pm_csv_import_get_n_rows (import) - 1);

    g_assert_cmpuint (both->errors->len, ==, 2);
    g_assert_nonnull (error_for (both, PM_CSV_FIELD_PHONE));
    g_assert_nonnull (error_for (both, PM_CSV_FIELD_AMOUNT));
  }

  report = pm_csv_format_report (import);
  g_test_message ("%s", report);
  g_assert_nonnull (strstr (report, "row 3, column phone: "));
  g_assert_nonnull (strstr (report, "row 7, column amount: The amount must be at least ₩1."));
  g_assert_nonnull (strstr (report, "row 17, column expiry: The last day cannot be in the past"));
  g_assert_nonnull (strstr (report, "30 rows read: 15 valid, 15 with errors"));
  g_assert_nonnull (strstr (report, "₩15,000"));
}

static void
test_report_korean_headers (void)
{
  g_autoptr(PmCsvImport) import =
    import_ok (KO_HEADER "김,010-12,1000,책,안내,2026-12-31\n"
                         "이,01023456789,1000,책,안내,2026-12-31,x\n", NULL);
  g_autofree char *report = pm_csv_format_report (import);

  g_assert_nonnull (strstr (report, "row 2, column 전화번호: "));
  g_assert_nonnull (strstr (report, "row 3: This row has 7 cells"));
}

static void
test_missing_columns (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PmCsvImport) import =
    import_text_full ("이름,금액,상품명,메시지,만료일,휴대폰 뒷자리?\nKim,1000,a,b,2026-12-31,1\n",
                      -1, NULL, &error);

  g_assert_null (import);
  g_assert_error (error, PM_ERROR, PM_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "A required column is missing: phone."));
  g_assert_nonnull (strstr (error->message, "“이름”, “금액”, “상품명”, “메시지”, “만료일”, "
                                            "“휴대폰 뒷자리?”"));

  /* Without defaults, product, message and expiry are required too. */
  assert_file_error ("name,phone,amount\nKim,01023456789,1000\n", -1, NULL,
                     "Required columns are missing: product, message, expiry date.");
  assert_file_error ("first,second\n1,2\n", -1, NULL, "payer name, phone, amount");
}

static void
test_defaults (void)
{
  PmCsvOptions options = { 0 };
  g_autoptr(PmCsvImport) import = NULL;
  g_autoptr(PmCsvImport) with_column = NULL;

  options.default_product = "12월 수강료";
  options.default_message = "납부 부탁드립니다";
  options.default_expiry = "2026-12-10 00:00:00";
  import = import_ok ("name,phone,amount\n"
                      "Kim,01023456789,1000\n"
                      "Lee,01023456780,2000\n", &options);
  g_assert_cmpuint (pm_csv_import_get_n_valid (import), ==, 2);
  g_assert_cmpstr (pm_bill_get_product (bill_at (import, 1)), ==, "12월 수강료");
  g_assert_cmpstr (pm_bill_get_message (bill_at (import, 1)), ==, "납부 부탁드립니다");
  g_assert_cmpstr (pm_bill_get_expire_date (bill_at (import, 1)), ==, "2026-12-10");
  g_assert_cmpint (pm_csv_import_get_total_won (import), ==, 3000);

  /* An empty cell takes the default; a filled one wins. */
  with_column = import_ok (EN_HEADER
                           "Kim,01023456789,1000,,,\n"
                           "Lee,01023456780,2000,Books,Hi,2026-12-31\n", &options);
  g_assert_cmpstr (pm_bill_get_product (bill_at (with_column, 0)), ==, "12월 수강료");
  g_assert_cmpstr (pm_bill_get_expire_date (bill_at (with_column, 0)), ==, "2026-12-10");
  g_assert_cmpstr (pm_bill_get_product (bill_at (with_column, 1)), ==, "Books");
  g_assert_cmpstr (pm_bill_get_expire_date (bill_at (with_column, 1)), ==, "2026-12-31");

  /* A default that every row would fail on is a file-level error. */
  options.default_expiry = "2026-01-01";
  assert_file_error ("name,phone,amount\nKim,01023456789,1000\n", -1, &options,
                     "The default expiry date is not usable");
  options.default_expiry = "2026-12-10";
  options.default_message = "   ";
  assert_file_error ("name,phone,amount\nKim,01023456789,1000\n", -1, &options,
                     "The default message is not usable");
}

static void
test_dates (void)
{
  static const struct { const char *in; const char *out; } cases[] = {
    { "2026-12-31", "2026-12-31" },
    { "2026.12.31", "2026-12-31" },
    { "2026/12/31", "2026-12-31" },
    { "2026-1-5", "2026-01-05" },
    { "2026. 12. 31.", "2026-12-31" },
    { "2026-11-30 00:00:00", "2026-11-30" },
    { "2026-11-30 0:00", "2026-11-30" },
    { "2026/11/30 12:00:00 AM", "2026-11-30" },
    { " 2026-11-30T00:00:00 ", "2026-11-30" },
    { "2026-11/30", NULL },
    { "26-11-30", NULL },
    { "20261130", NULL },
    { "2026-11-30x", NULL },
    { "2026-123-1", NULL },
    { "", NULL },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *out = pm_csv_normalize_date (cases[i].in);

      g_assert_cmpstr (out, ==, cases[i].out);
    }
  g_assert_null (pm_csv_normalize_date (NULL));
}

static void
test_row_keys (void)
{
  const char *text = EN_HEADER
    "Kim,010-2345-6789,1000,Books,Hi,2026-12-31\n"
    "Kim,01023456789,\"1,000\",Books,Other message,2026.12.31\n"
    "Kim,01023456789,1000,Books,Hi,2026-12-31\n"
    "Lee,01023456789,1000,Books,Hi,2026-12-31\n"
    "Kim,01023456789,1001,Books,Hi,2026-12-31\n"
    "Kim,bad,1000,Books,Hi,2026-12-31\n";
  g_autoptr(PmCsvImport) a = import_ok (text, NULL);
  g_autoptr(PmCsvImport) b = import_ok (text, NULL);
  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  g_autofree char *expected = NULL;

  for (guint i = 0; i < 5; i++)
    {
      const char *key = row_at (a, i)->key;

      g_assert_nonnull (key);
      g_assert_cmpuint (strlen (key), ==, PM_CSV_ROW_KEY_LENGTH);
      g_assert_cmpuint (strspn (key, "0123456789abcdef"), ==, PM_CSV_ROW_KEY_LENGTH);
      g_assert_cmpstr (key, ==, row_at (b, i)->key);
      g_assert_false (g_hash_table_contains (seen, key));
      g_hash_table_add (seen, (gpointer) key);
    }
  g_assert_null (row_at (a, 5)->key);

  /* Rows 1–3 are the same bill written differently: the ordinal tells them apart, and
   * the key follows the documented scheme. */
  expected = pm_csv_row_key ("01023456789", 1000, "Kim", "Books", "2026-12-31", 2);
  g_assert_cmpstr (row_at (a, 1)->key, ==, expected);
  g_clear_pointer (&expected, g_free);
  expected = pm_csv_row_key ("01023456789", 1000, "Kim", "Books", "2026-12-31", 1);
  g_assert_cmpstr (row_at (a, 0)->key, ==, expected);

  /* A bad row earlier in the file does not shift the keys of the good ones. */
  {
    g_autoptr(GString) shifted = g_string_new (EN_HEADER "Bad,0,0,Books,Hi,2026-12-31\n");
    g_autoptr(PmCsvImport) c = NULL;

    g_string_append (shifted, text + strlen (EN_HEADER));
    c = import_ok (shifted->str, NULL);
    for (guint i = 0; i < 5; i++)
      g_assert_cmpstr (row_at (c, i + 1)->key, ==, row_at (a, i)->key);
  }

  /* Defaults do not enter the key: a later run with another --expire maps to the
   * same rows. */
  {
    PmCsvOptions one = { 0 }, two = { 0 };
    g_autoptr(PmCsvImport) d = NULL;
    g_autoptr(PmCsvImport) e = NULL;

    one.default_product = two.default_product = "Books";
    one.default_message = two.default_message = "Hi";
    one.default_expiry = "2026-12-01";
    two.default_expiry = "2026-12-20";
    d = import_ok ("name,phone,amount\nKim,01023456789,1000\n", &one);
    e = import_ok ("name,phone,amount\nKim,01023456789,1000\n", &two);
    g_assert_cmpstr (row_at (d, 0)->key, ==, row_at (e, 0)->key);
    g_assert_cmpstr (pm_bill_get_expire_date (bill_at (e, 0)), ==, "2026-12-20");
  }
}

static void
test_bill_ids (void)
{
  g_autofree char *key1 = pm_csv_row_key ("01023456789", 1000, "Kim", "Books", "2026-12-31", 1);
  g_autofree char *key2 = pm_csv_row_key ("01023456789", 1000, "Kim", "Books", "2026-12-31", 2);
  g_autoptr(GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autofree char *a = pm_csv_derive_bill_id ("batch-seed", key1);
  g_autofree char *a_again = pm_csv_derive_bill_id ("batch-seed", key1);
  g_autofree char *b = pm_csv_derive_bill_id ("batch-seed", key2);
  g_autofree char *c = pm_csv_derive_bill_id ("other-seed", key1);

  g_assert_cmpuint (strlen (a), ==, 20);
  g_assert_cmpuint (strspn (a, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"), ==, 20);
  g_assert_true (pm_bill_check_bill_id (a, NULL));
  g_assert_cmpstr (a, ==, a_again);
  g_assert_cmpstr (a, !=, b);
  g_assert_cmpstr (a, !=, c);

  /* Many rows: all distinct, all well-formed, letters and digits both used. */
  {
    gboolean letter = FALSE, digit = FALSE;

    for (guint i = 1; i <= 2000; i++)
      {
        g_autofree char *key = pm_csv_row_key ("01023456789", 1000, "Kim", NULL, NULL, i);
        char *id = pm_csv_derive_bill_id ("seed", key);

        g_assert_cmpuint (strlen (id), ==, 20);
        g_assert_cmpuint (strspn (id, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"), ==, 20);
        letter |= strpbrk (id, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") != NULL;
        digit |= strpbrk (id, "0123456789") != NULL;
        g_assert_false (g_hash_table_contains (seen, id));
        g_hash_table_add (seen, id);
      }
    g_assert_true (letter && digit);
  }
}

static void
test_large (void)
{
  const guint n = PM_CSV_MAX_ROWS;
  g_autoptr(GString) text = g_string_sized_new (n * 64);
  g_autoptr(PmCsvImport) import = NULL;
  g_autoptr(GError) error = NULL;
  gint64 start, elapsed;

  g_string_append (text, "이름,전화번호,금액,상품명,메시지,만료일\r\n");
  for (guint i = 0; i < n; i++)
    g_string_append_printf (text, "학생%u,010-%04u-%04u,\"%u,000\",수강료,\"안내, %u\",2026-12-31\r\n",
                            i, i / 10000, i % 10000, 1 + i % 900, i);

  start = g_get_monotonic_time ();
  import = import_text_full (text->str, text->len, NULL, &error);
  elapsed = g_get_monotonic_time () - start;
  g_assert_no_error (error);
  g_test_message ("%u rows (%.1f MB) imported in %.3f s", n, text->len / 1e6, elapsed / 1e6);
  g_assert_cmpuint (pm_csv_import_get_n_rows (import), ==, n);
  g_assert_cmpuint (pm_csv_import_get_n_valid (import), ==, n);
  g_assert_cmpuint (row_at (import, n - 1)->line, ==, n + 1);
  g_assert_cmpstr (pm_bill_get_payer_name (bill_at (import, n - 1)), ==, "학생99999");
  g_clear_object (&import);

  /* One more row is over the limit: a clear error. */
  g_string_append (text, "한명더,010-1234-5678,1000,수강료,안내,2026-12-31\r\n");
  assert_file_error (text->str, text->len, NULL, "more than 100000 rows");
}

static void
test_limits_and_files (void)
{
  PmCsvOptions options = { 0 };
  g_autofree char *path = g_build_filename (tmp_root, "bills.csv", NULL);
  g_autofree char *missing = g_build_filename (tmp_root, "nope.csv", NULL);
  const char *text = KO_HEADER "김,010-2345-6789,1000,책,안내,2026-12-31\n";
  g_autoptr(GError) error = NULL;
  g_autoptr(PmCsvImport) import = NULL;

  options.max_bytes = 20;
  assert_file_error (text, -1, &options, "too big");
  options.max_bytes = 0;
  options.max_rows = 1;
  assert_file_error (KO_HEADER "김,010-2345-6789,1000,책,안내,2026-12-31\n"
                               "이,010-2345-6789,1000,책,안내,2026-12-31\n", -1, &options,
                     "more than 1 row");

  g_assert_true (g_file_set_contents (path, text, -1, NULL));
  options.max_rows = 0;
  options.now_utc = test_now ();
  import = pm_csv_import_file (path, &options, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (pm_bill_get_payer_name (bill_at (import, 0)), ==, "김");

  options.max_bytes = 10;
  g_assert_null (pm_csv_import_file (path, &options, &error));
  g_assert_error (error, PM_ERROR, PM_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "too big"));
  g_clear_error (&error);

  g_assert_null (pm_csv_import_file (missing, NULL, &error));
  g_assert_error (error, PM_ERROR, PM_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "nope.csv"));
  g_clear_error (&error);

  g_assert_null (pm_csv_import_file (tmp_root, NULL, &error));
  g_assert_error (error, PM_ERROR, PM_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "not a file"));
  g_clear_error (&error);
}

static void
test_garbage (void)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (4242);
  guint8 junk[4096];
  const char *good = EN_HEADER
    "\"Kim, M\",010-2345-6789,\"1,000\",Books,\"Hi\nthere\",2026-12-31\n"
    "Lee,01023456780,2000,Books,Hi,2026-12-31\n";
  gsize good_len = strlen (good);

  for (guint i = 0; i < sizeof junk; i++)
    junk[i] = (guint8) g_rand_int_range (rand, 0, 256);
  assert_file_error ((const char *) junk, sizeof junk, NULL, "text");
  assert_file_error ("PK\x03\x04\x14\0\0\0", 8, NULL, "Excel");
  assert_file_error ("\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1\0\0", 10, NULL, ".xls");
  assert_file_error ("name,phone\0\0\0\x01\x02", 15, NULL, "binary");
  assert_file_error ("", 0, NULL, "empty");
  assert_file_error ("\n\r\n,,,\n", -1, NULL, "empty");
  assert_file_error ("\xef\xbb\xbf", 3, NULL, "empty");
  assert_file_error (EN_HEADER "Kim,\"0102345", -1, NULL, "row 2");
  assert_file_error ("\x01\x02\x03\x04\x05\x06\x07\x08,\x0e\x0f\n", -1, NULL, "binary");

  /* Mangled copies of a good file: an import or a clean error, never a crash. */
  for (guint round = 0; round < 3000; round++)
    {
      g_autofree char *copy = g_memdup2 (good, good_len);
      g_autoptr(GError) error = NULL;
      g_autoptr(PmCsvImport) import = NULL;
      guint flips = (guint) g_rand_int_range (rand, 1, 6);
      gsize len = (gsize) g_rand_int_range (rand, 0, (gint32) good_len + 1);

      for (guint f = 0; f < flips; f++)
        {
          static const char specials[] = "\",\n\r\t;\0\xff\xea";
          gsize at = (gsize) g_rand_int_range (rand, 0, (gint32) good_len);

          copy[at] = specials[g_rand_int_range (rand, 0, sizeof specials - 1)];
        }
      import = import_text_full (copy, len, NULL, &error);
      g_assert_true ((import == NULL) != (error == NULL));
      if (error != NULL)
        g_assert_error (error, PM_ERROR, PM_ERROR_INVALID);
      else
        {
          g_autofree char *report = pm_csv_format_report (import);

          guint n_checked = pm_csv_import_get_n_valid (import)
                            + pm_csv_import_get_n_invalid (import);

          g_assert_cmpuint (n_checked, ==, pm_csv_import_get_n_rows (import));
          g_assert_true (g_utf8_validate (report, -1, NULL));
        }
    }
}


/* The only error of @row: its column and a piece of its message. */
static void
assert_cell_error (PmCsvRow   *row,
                   int         column,
                   const char *message_has)
{
  PmCsvRowError *e;

  g_assert_null (row->bill);
  g_assert_null (row->key);
  g_assert_cmpuint (row->errors->len, ==, 1);
  e = g_ptr_array_index (row->errors, 0);
  g_assert_cmpint (e->column, ==, column);
  if (strstr (e->message, message_has) == NULL)
    g_error ("row %u: “%s” not in “%s”", row->number, message_has, e->message);
}

static void
assert_report_has (PmCsvImport *import,
                   const char  *line)
{
  g_autofree char *report = pm_csv_format_report (import);

  if (strstr (report, line) == NULL)
    g_error ("“%s” not in the report:\n%s", line, report);
}

static void
test_stray_quotes (void)
{
  g_autoptr(PmCsvImport) import =
    import_ok ("name,phone,amount,product,message,expiry,class\n"
               "김\"영희,01023456789,1000,Books,Hi,2026-12-31,\n"           /* 2 */
               "\"김\"영희,01023456789,1000,Books,Hi,2026-12-31,\n"         /* 3 */
               "\"김영희\" ,01023456789,1000,Books,Hi,2026-12-31,\n"         /* 4 */
               "Kim,01023456789,1000,\"He said \"\"hi\"\"\",Hi,2026-12-31,\n" /* 5 */
               "Lee,01023456789,1000,Books,Hi,2026-12-31,5\"\n"              /* 6 */
               "Park,01023456789,1000,Books,\"Hi\"x\"\",2026-12-31,\n",      /* 7 */
               NULL);

  g_assert_cmpuint (pm_csv_import_get_n_rows (import), ==, 6);

  /* a quote inside a cell that does not start with one */
  assert_cell_error (row_at (import, 0), 0, "quote mark");
  g_assert_cmpint (((PmCsvRowError *) g_ptr_array_index (row_at (import, 0)->errors, 0))->field,
                   ==, PM_CSV_FIELD_PAYER);
  /* text after the closing quote */
  assert_cell_error (row_at (import, 1), 0, "after the closing quote");
  /* spaces after it are fine, and so are doubled quotes inside quotes */
  g_assert_cmpstr (pm_bill_get_payer_name (bill_at (import, 2)), ==, "김영희");
  g_assert_cmpstr (pm_bill_get_product (bill_at (import, 3)), ==, "He said \"hi\"");
  /* in a column that is not used too: the file's structure is in doubt */
  assert_cell_error (row_at (import, 4), 6, "quote mark");
  g_assert_cmpint (((PmCsvRowError *) g_ptr_array_index (row_at (import, 4)->errors, 0))->field,
                   ==, PM_CSV_FIELD_NONE);
  assert_cell_error (row_at (import, 5), 4, "after the closing quote");
  g_assert_cmpuint (pm_csv_import_get_n_valid (import), ==, 2);

  assert_report_has (import, "row 2, column name: There is a quote mark (\") inside this cell.");
  assert_report_has (import, "row 3, column name: There is text after the closing quote");
  assert_report_has (import, "row 6, column class: There is a quote mark");
  assert_report_has (import, "row 7, column message: There is text after the closing quote");

  /* in the header row: the whole file */
  assert_file_error ("name,pho\"ne,amount,product,message,expiry\n", -1, NULL,
                     "row 1, column B: There is a quote mark");
  assert_file_error ("\n\nname,\"phone\"x,amount,product,message,expiry\n", -1, NULL,
                     "row 3, column B: There is text after the closing quote");
}

static void
test_control_characters (void)
{
  g_autoptr(PmCsvImport) import =
    import_ok ("name,phone,amount,product,message,expiry,memo\n"
               "Kim\x1b[31m,01023456789,1000,Books,Hi,2026-12-31,\n"            /* 2 */
               "Lee,01023456789,1000,Books\u202e,Hi,2026-12-31,\n"               /* 3 */
               "Park,01023456789,1000,Books,Hi\xc2\x85there,2026-12-31,\n"         /* 4 */
               "\"Choi\tJ\",01023456789,1000,Books,Hi,2026-12-31,\n"             /* 5 */
               "\"Jung\nMin\",01023456789,1000,Books,Hi,2026-12-31,\n"           /* 6 */
               "Han,01023456789,1000,Books,\"Line 1\nLine 2\",2026-12-31,\n"     /* 7 */
               "Yoon,01023456789,1000,Books,Hi,2026-12-31,\"memo\nline\"\n"      /* 8 */
               "Kang,01023456789,1000,Books,Hi,2026-12-31,x\u2066y\u2069\n"      /* 9 */
               "\tSeo\t,01023456789,1000,Books,Hi,2026-12-31,\n",                /* 10 */
               NULL);
  g_autoptr(GError) error = NULL;

  g_assert_cmpuint (pm_csv_import_get_n_rows (import), ==, 9);
  assert_cell_error (row_at (import, 0), 0, "control character U+001B (escape)");
  assert_cell_error (row_at (import, 1), 3, "U+202E (right-to-left override)");
  assert_cell_error (row_at (import, 2), 4, "control character U+0085");
  assert_cell_error (row_at (import, 3), 0, "U+0009 (tab)");
  assert_cell_error (row_at (import, 4), 0, "line break");
  /* several lines are fine in a message, a note or a column that is not used */
  g_assert_cmpstr (pm_bill_get_message (bill_at (import, 5)), ==, "Line 1\nLine 2");
  g_assert_nonnull (bill_at (import, 6));
  assert_cell_error (row_at (import, 7), 6, "U+2066 (bidirectional isolate)");
  /* tabs at either end are trimmed like spaces */
  g_assert_cmpstr (pm_bill_get_payer_name (bill_at (import, 8)), ==, "Seo");

  assert_report_has (import, "row 2, column name: This cell holds the control character "
                             "U+001B (escape), which cannot be sent.");
  assert_report_has (import, "row 3, column product: This cell holds the invisible character "
                             "U+202E (right-to-left override)");
  assert_report_has (import, "row 6, column name: This cell holds a line break");
  assert_report_has (import, "row 9, column memo: This cell holds the invisible character "
                             "U+2066");

  /* an escape in a small file is a bad cell, not "binary data" */
  g_clear_object (&import);
  import = import_text_full ("name,phone,amount,product,message,expiry\n"
                             "\x1b,01023456789,1000,Books,Hi,2026-12-31\n", -1, NULL,
                             &error);
  g_assert_no_error (error);
  assert_cell_error (row_at (import, 0), 0, "U+001B (escape)");
  assert_report_has (import, "row 2, column name: This cell holds the control character");

  /* in the header: the whole file, named by the column's letter */
  assert_file_error ("name,phone\x07,amount,product,message,expiry\n", -1, NULL,
                     "row 1, column B: This cell holds the control character U+0007");
  assert_file_error ("name,phone,amount,product,message,\u202dexpiry\n", -1, NULL,
                     "row 1, column F: This cell holds the invisible character U+202D");
}

static void
test_duplicate_headers (void)
{
  g_autoptr(PmCsvImport) padded = NULL;

  assert_file_error ("name,phone,amount,product,message,expiry,Phone\n", -1, NULL,
                     "row 1, column G: The column name “Phone” is used by column B too");
  assert_file_error ("이름,전화번호,금액,상품명,메시지,만료일,전화 번호 (집)\n", -1, NULL,
                     "column G: The column name “전화 번호 (집)” is used by column B too");
  /* even in columns the import would not use */
  assert_file_error ("name,phone,amount,product,message,expiry,memo,MEMO\n", -1, NULL,
                     "row 1, column H:");
  /* empty header cells are padding, not names */
  padded = import_ok ("name,phone,amount,product,message,expiry,,\n"
                      "Kim,01023456789,1000,Books,Hi,2026-12-31,,\n", NULL);
  g_assert_nonnull (bill_at (padded, 0));
}

static void
test_row_and_column_names (void)
{
  g_autoptr(GString) wide = g_string_new ("\n" EN_HEADER);
  g_autoptr(PmCsvImport) import = NULL;
  g_autoptr(PmCsvImport) letters = NULL;
  g_autofree char *name = NULL;

  /* a blank line before the header, a record of three lines: rows as a spreadsheet
   * counts them */
  import = import_ok ("\n" EN_HEADER
                      "Kim,01023456789,1000,Books,\"a\nb\nc\",2026-12-31\n"
                      "Lee,0102,1000,Books,Hi,2026-12-31\n", NULL);
  g_assert_cmpuint (row_at (import, 1)->line, ==, 6);
  g_assert_cmpuint (row_at (import, 1)->number, ==, 4);
  assert_report_has (import, "row 4, column phone: ");

  /* columns without a header are named by their letter, up to AA and beyond */
  g_string_truncate (wide, wide->len - 1);
  for (guint i = 6; i < 27; i++)
    g_string_append_c (wide, ',');
  g_string_append (wide, "\nKim,01023456789,1000,Books,Hi,2026-12-31");
  for (guint i = 6; i < 27; i++)
    g_string_append (wide, i == 26 ? ",\x1b" : i == 6 ? ",\"x\"y" : i == 7 ? ",\"a\nb\"" : ",");
  g_string_append_c (wide, '\n');
  letters = import_ok (wide->str, NULL);
  g_assert_cmpuint (row_at (letters, 0)->errors->len, ==, 2);
  assert_report_has (letters, "row 3, column G: There is text after the closing quote");
  assert_report_has (letters, "row 3, column AA: This cell holds the control character");
  name = pm_csv_import_dup_column_name (letters, 1);
  g_assert_cmpstr (name, ==, "phone");
  g_clear_pointer (&name, g_free);
  name = pm_csv_import_dup_column_name (letters, 25);
  g_assert_cmpstr (name, ==, "Z");
}

static void
test_duplicates (void)
{
  g_autoptr(PmCsvImport) import =
    import_ok (KO_HEADER
               "김영희,010-1234-5678,\"120,000\",3월 수강료,안내,2026-12-31\n"      /* 2 */
               "김영희,010-1234-5678,120000,4월 수강료,안내,2026-12-31\n"            /* 3 */
               "김영희,01012345678,120000원,3월 수강료,다른 안내,2026-12-20\n"       /* 4 */
               "김영희,010-1234-5679,120000,3월 수강료,안내,2026-12-31\n"            /* 5 */
               "이민수,010-2222-3333,5000,간식비,안내,2026-12-31\n"                  /* 6 */
               "이민수,010-2222-3333,5000,간식비,안내,2026-12-31\n"                  /* 7 */
               "이민수 ,+82 10 2222 3333,\"5,000\",간식비,안내,2026-12-31\n"         /* 8 */
               "이민수,010-2222-3333,5000,간식비,안내,2020-01-01\n"                  /* 9: bad */
               "김영희,010-1234-5678,120001,3월 수강료,안내,2026-12-31\n"            /* 10 */
               "김영이,010-1234-5678,120000,3월 수강료,안내,2026-12-31\n",           /* 11 */
               NULL);
  GPtrArray *groups = pm_csv_import_get_duplicates (import);
  g_autofree char *text = pm_csv_format_duplicates (import);
  GPtrArray *group;

  g_test_message ("%s", text);
  g_assert_cmpuint (groups->len, ==, 2);
  group = g_ptr_array_index (groups, 0);
  g_assert_cmpuint (group->len, ==, 2);
  g_assert_cmpuint (((PmCsvRow *) g_ptr_array_index (group, 0))->number, ==, 2);
  g_assert_cmpuint (((PmCsvRow *) g_ptr_array_index (group, 1))->number, ==, 4);
  group = g_ptr_array_index (groups, 1);
  g_assert_cmpuint (group->len, ==, 3);
  g_assert_cmpuint (((PmCsvRow *) g_ptr_array_index (group, 2))->number, ==, 8);
  g_assert_nonnull (strstr (text, "rows 2 and 4 are the same bill: 김영희 010-1234-5678, "
                                  "₩120,000, 3월 수강료\n"));
  g_assert_nonnull (strstr (text, "rows 6, 7 and 8 are the same bill: 이민수 010-2222-3333, "
                                  "₩5,000, 간식비\n"));

  /* identical rows still get distinct row keys (and so bill ids) */
  g_assert_cmpstr (row_at (import, 0)->key, !=, row_at (import, 2)->key);

  /* none: an empty list and text */
  {
    g_autoptr(PmCsvImport) plain = import_ok (KO_HEADER "김,010-2345-6789,1000,책,안내,2026-12-31\n",
                                              NULL);
    g_autofree char *none = pm_csv_format_duplicates (plain);

    g_assert_cmpuint (pm_csv_import_get_duplicates (plain)->len, ==, 0);
    g_assert_cmpstr (none, ==, "");
  }
}

static const char *
content_hash_of (PmCsvImport *import)
{
  const char *hash = pm_csv_import_get_content_hash (import);

  g_assert_nonnull (hash);
  g_assert_cmpuint (strlen (hash), ==, 64);
  g_assert_cmpuint (strspn (hash, "0123456789abcdef"), ==, 64);
  return hash;
}

static void
test_content_hash (void)
{
  const char *rows = "김영희,010-1234-5678,\"120,000\",3월 수강료,안내,2026-12-31\n"
                     "이민수,010-2222-3333,5000,간식비,\"여러 줄\n안내\",2026-12-31\n"
                     "이민수,010-2222-3333,5000,간식비,안내,2026-12-31\n";
  g_autofree char *plain_text = g_strconcat (KO_HEADER, rows, NULL);
  g_autoptr(PmCsvImport) plain = import_ok (plain_text, NULL);
  const char *hash = content_hash_of (plain);
  g_autoptr(GPtrArray) same = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GPtrArray) other = g_ptr_array_new_with_free_func (g_object_unref);
  gsize len = 0;
  g_autofree char *bom_crlf = NULL;
  g_autofree char *cp949 = NULL;
  PmCsvOptions defaults = { 0 };

  /* the same bills: BOM and CRLF, CP949, another delimiter, other column names and
   * order, other spellings, another message and last day, an extra column, rows in
   * another order, invalid rows added */
  {
    GString *s = g_string_new ("\xef\xbb\xbf" KO_HEADER);

    g_string_append (s, rows);
    g_string_replace (s, "\n", "\r\n", 0);
    bom_crlf = g_string_free (s, FALSE);
  }
  g_ptr_array_add (same, import_ok (bom_crlf, NULL));
  cp949 = to_charset (plain_text, "CP949", &len);
  {
    g_autoptr(GError) error = NULL;

    g_ptr_array_add (same, import_text_full (cp949, len, NULL, &error));
    g_assert_no_error (error);
  }
  g_ptr_array_add (same, import_ok ("phone;amount;name;product;message;expiry;memo\n"
                                    "01022223333;5000;이민수;간식비;x;2026-12-30;a\n"
                                    "+82 10 1234 5678;₩120,000;김영희;3월 수강료;y;2026.12.29;b\n"
                                    "010 2222 3333;5,000원;이민수 ;간식비;z;2026-12-28;c\n"
                                    "01099998888;0;bad row;간식비;z;2026-12-28;c\n", NULL));
  for (guint i = 0; i < same->len; i++)
    g_assert_cmpstr (content_hash_of (g_ptr_array_index (same, i)), ==, hash);

  /* other bills: an amount, a name, a row more, a duplicate less */
  g_ptr_array_add (other, import_ok (KO_HEADER
                                     "김영희,010-1234-5678,120001,3월 수강료,안내,2026-12-31\n"
                                     "이민수,010-2222-3333,5000,간식비,안내,2026-12-31\n"
                                     "이민수,010-2222-3333,5000,간식비,안내,2026-12-31\n", NULL));
  g_ptr_array_add (other, import_ok (KO_HEADER
                                     "김영이,010-1234-5678,120000,3월 수강료,안내,2026-12-31\n"
                                     "이민수,010-2222-3333,5000,간식비,안내,2026-12-31\n"
                                     "이민수,010-2222-3333,5000,간식비,안내,2026-12-31\n", NULL));
  {
    g_autofree char *more = g_strconcat (plain_text, "박,010-3333-4444,1000,책,안내,2026-12-31\n",
                                         NULL);

    g_ptr_array_add (other, import_ok (more, NULL));
  }
  g_ptr_array_add (other, import_ok (KO_HEADER
                                     "김영희,010-1234-5678,120000,3월 수강료,안내,2026-12-31\n"
                                     "이민수,010-2222-3333,5000,간식비,안내,2026-12-31\n", NULL));
  for (guint i = 0; i < other->len; i++)
    g_assert_cmpstr (content_hash_of (g_ptr_array_index (other, i)), !=, hash);

  /* a product given as a default is part of the bill: next month's --product differs */
  defaults.default_message = "안내";
  defaults.default_expiry = "2026-12-31";
  defaults.default_product = "3월 수강료";
  {
    g_autoptr(PmCsvImport) march = import_ok ("name,phone,amount\n김,01012345678,1000\n",
                                              &defaults);
    g_autoptr(PmCsvImport) april = NULL;
    g_autofree char *march_hash = g_strdup (content_hash_of (march));

    defaults.default_product = "4월 수강료";
    april = import_ok ("name,phone,amount\n김,01012345678,1000\n", &defaults);
    g_assert_cmpstr (content_hash_of (april), !=, march_hash);
  }
}

static void
test_fields (void)
{
  PmCsvField field;

  for (int f = 0; f < PM_CSV_N_FIELDS; f++)
    {
      g_assert_true (pm_csv_field_from_string (pm_csv_field_to_string ((PmCsvField) f), &field));
      g_assert_cmpint (field, ==, f);
      g_assert_nonnull (pm_csv_field_get_label ((PmCsvField) f));
    }
  g_assert_false (pm_csv_field_from_string ("colour", &field));
  g_assert_true (pm_csv_field_from_string ("PHONE", &field));
  g_assert_cmpint (field, ==, PM_CSV_FIELD_PHONE);
}

static void
test_legacy_and_excel_phone (void)
{
  g_autoptr(PmCsvImport) import =
    import_ok (EN_HEADER
               "Kim,1023456789,1000,Books,Hi,2026-12-31\n"
               "Lee,011-234-5678,1000,Books,Hi,2026-12-31\n", NULL);

  g_assert_cmpstr (pm_bill_get_phone (bill_at (import, 0)), ==, "01023456789");
  g_assert_false (row_at (import, 0)->legacy_phone);
  g_assert_cmpstr (pm_bill_get_phone (bill_at (import, 1)), ==, "0112345678");
  g_assert_true (row_at (import, 1)->legacy_phone);
}

int
main (int   argc,
      char *argv[])
{
  tmp_root = pm_test_init (&argc, &argv);

  g_test_add_func ("/csv/fields", test_fields);
  g_test_add_func ("/csv/encoding/utf8", test_utf8);
  g_test_add_func ("/csv/encoding/utf8-bom", test_utf8_bom);
  g_test_add_func ("/csv/encoding/cp949", test_cp949);
  g_test_add_func ("/csv/encoding/euc-kr", test_euc_kr);
  g_test_add_func ("/csv/encoding/utf16", test_utf16);
  g_test_add_func ("/csv/headers", test_headers);
  g_test_add_func ("/csv/explicit-mapping", test_explicit_mapping);
  g_test_add_func ("/csv/delimiters", test_delimiters);
  g_test_add_func ("/csv/quoting/lf", test_quoting_lf);
  g_test_add_func ("/csv/quoting/crlf", test_quoting_crlf);
  g_test_add_func ("/csv/quoting/cr", test_quoting_cr);
  g_test_add_func ("/csv/ragged", test_ragged);
  g_test_add_func ("/csv/bad-rows", test_bad_rows);
  g_test_add_func ("/csv/report-korean-headers", test_report_korean_headers);
  g_test_add_func ("/csv/missing-columns", test_missing_columns);
  g_test_add_func ("/csv/defaults", test_defaults);
  g_test_add_func ("/csv/dates", test_dates);
  g_test_add_func ("/csv/phones", test_legacy_and_excel_phone);
  g_test_add_func ("/csv/row-keys", test_row_keys);
  g_test_add_func ("/csv/bill-ids", test_bill_ids);
  g_test_add_func ("/csv/limits-and-files", test_limits_and_files);
  g_test_add_func ("/csv/garbage", test_garbage);
  g_test_add_func ("/csv/large", test_large);
  g_test_add_func ("/csv/stray-quotes", test_stray_quotes);
  g_test_add_func ("/csv/control-characters", test_control_characters);
  g_test_add_func ("/csv/duplicate-headers", test_duplicate_headers);
  g_test_add_func ("/csv/row-and-column-names", test_row_and_column_names);
  g_test_add_func ("/csv/duplicates", test_duplicates);
  g_test_add_func ("/csv/content-hash", test_content_hash);

  return g_test_run ();
}
