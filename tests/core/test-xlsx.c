/* test-xlsx.c — bulk send from an Excel workbook: pm-xlsx.h reads the first sheet,
 * pm_csv_import_path / pm_csv_import_table run it through the CSV row pipeline
 *
 * Copyright 2026 The Paymint Desk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Good workbooks are written with libxlsxwriter, as a spreadsheet program writes them;
 * damaged and hostile ones with libarchive's zip writer, part by part.
 */

#include "config.h"

#include "pm-bill.h"
#include "pm-csv.h"
#include "pm-error.h"
#include "pm-xlsx.h"
#include "pm-test-util.h"

#include <archive.h>
#include <archive_entry.h>
#include <glib/gstdio.h>
#include <string.h>
#include <xlsxwriter.h>

static const char *tmp_root;

/* 2026-11-23 12:00 in Korea. */
static gint64
test_now (void)
{
  g_autoptr(GDateTime) dt = g_date_time_new_utc (2026, 11, 23, 3, 0, 0);

  return g_date_time_to_unix (dt);
}

static char *
tmp_path (const char *name)
{
  return g_build_filename (tmp_root, name, NULL);
}

static GBytes *
read_bytes (const char *path)
{
  g_autoptr(GError) error = NULL;
  char *contents = NULL;
  gsize len = 0;

  g_file_get_contents (path, &contents, &len, &error);
  g_assert_no_error (error);
  return g_bytes_new_take (contents, len);
}

static void
write_bytes (const char *path,
             GBytes     *bytes)
{
  g_autoptr(GError) error = NULL;
  gsize len;
  const char *data = g_bytes_get_data (bytes, &len);

  g_file_set_contents (path, data, (gssize) len, &error);
  g_assert_no_error (error);
}

/* ---------------------------------------------------------------------------------
 * Zips part by part (libarchive's writer)
 * ------------------------------------------------------------------------------ */

static la_ssize_t
zip_write_cb (struct archive *a,
              void           *user_data,
              const void     *buffer,
              size_t          length)
{
  g_byte_array_append (user_data, buffer, (guint) length);
  return (la_ssize_t) length;
}

/* A zip of @parts: name, content, name, content, …, NULL. A content of "@HUGE:n" is n
 * bytes: "<sst>", spaces, "</sst>". */
static GBytes *
zip_of (const char * const *parts)
{
  GByteArray *out = g_byte_array_new ();
  struct archive *a = archive_write_new ();

  g_assert_cmpint (archive_write_set_format_zip (a), ==, ARCHIVE_OK);
  archive_write_set_bytes_in_last_block (a, 1);
  g_assert_cmpint (archive_write_open (a, out, NULL, zip_write_cb, NULL), ==, ARCHIVE_OK);
  for (guint i = 0; parts[i] != NULL; i += 2)
    {
      struct archive_entry *entry = archive_entry_new ();
      const char *content = parts[i + 1];
      gsize huge = g_str_has_prefix (content, "@HUGE:") ? g_ascii_strtoull (content + 6, NULL, 10)
                                                        : 0;

      archive_entry_set_pathname (entry, parts[i]);
      archive_entry_set_filetype (entry, AE_IFREG);
      archive_entry_set_perm (entry, 0644);
      archive_entry_set_size (entry, huge ? (la_int64_t) huge : (la_int64_t) strlen (content));
      g_assert_cmpint (archive_write_header (a, entry), ==, ARCHIVE_OK);
      if (huge)
        {
          g_autofree char *spaces = g_malloc (1 << 20);
          gsize left = huge - 11;

          memset (spaces, ' ', 1 << 20);
          archive_write_data (a, "<sst>", 5);
          while (left > 0)
            {
              gsize n = MIN (left, (gsize) 1 << 20);

              archive_write_data (a, spaces, n);
              left -= n;
            }
          archive_write_data (a, "</sst>", 6);
        }
      else
        archive_write_data (a, content, strlen (content));
      archive_entry_free (entry);
    }
  g_assert_cmpint (archive_write_close (a), ==, ARCHIVE_OK);
  archive_write_free (a);
  return g_byte_array_free_to_bytes (out);
}

#define WORKBOOK(pr) \
  "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n" \
  "<workbook xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\" " \
  "xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships\">" pr \
  "<sheets><sheet name=\"청구\" sheetId=\"1\" r:id=\"rId1\"/></sheets></workbook>"
#define RELS \
  "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n" \
  "<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">" \
  "<Relationship Id=\"rId2\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/" \
  "relationships/styles\" Target=\"styles.xml\"/>" \
  "<Relationship Id=\"rId1\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/" \
  "relationships/worksheet\" Target=\"worksheets/sheet1.xml\"/></Relationships>"
#define SHEET(data) \
  "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n" \
  "<worksheet xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\">" \
  "<sheetData>" data "</sheetData></worksheet>"
#define STYLES \
  "<styleSheet xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\">" \
  "<numFmts count=\"3\"><numFmt numFmtId=\"164\" formatCode=\"yyyy&quot;년&quot; m&quot;월&quot; d&quot;일&quot;\"/>" \
  "<numFmt numFmtId=\"165\" formatCode=\"[h]:mm\"/>" \
  "<numFmt numFmtId=\"166\" formatCode=\"#,##0&quot;원&quot;;[Red]-#,##0&quot;원&quot;\"/></numFmts>" \
  "<cellStyleXfs count=\"1\"><xf numFmtId=\"14\"/></cellStyleXfs>" \
  "<cellXfs count=\"5\"><xf numFmtId=\"0\"/><xf numFmtId=\"14\"/><xf numFmtId=\"164\"/>" \
  "<xf numFmtId=\"165\"/><xf numFmtId=\"166\"/></cellXfs>" \
  "<dxfs count=\"1\"><dxf><numFmt numFmtId=\"167\" formatCode=\"yyyy\"/></dxf></dxfs>" \
  "</styleSheet>"

/* A workbook from its parts; @shared and @styles may be NULL. */
static GBytes *
book_of (const char *workbook,
         const char *sheet,
         const char *shared,
         const char *styles)
{
  const char *parts[12];
  guint n = 0;

  parts[n++] = "[Content_Types].xml";
  parts[n++] = "<Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\"/>";
  /* the sheet first: the reader must not depend on the order of the parts */
  if (sheet != NULL)
    {
      parts[n++] = "xl/worksheets/sheet1.xml";
      parts[n++] = sheet;
    }
  parts[n++] = "xl/workbook.xml";
  parts[n++] = workbook;
  parts[n++] = "xl/_rels/workbook.xml.rels";
  parts[n++] = RELS;
  if (shared != NULL)
    {
      parts[n++] = "xl/sharedStrings.xml";
      parts[n++] = shared;
    }
  if (styles != NULL)
    {
      parts[n++] = "xl/styles.xml";
      parts[n++] = styles;
    }
  parts[n] = NULL;
  return zip_of (parts);
}

static PmXlsxSheet *
read_ok (GBytes *bytes)
{
  g_autoptr(GError) error = NULL;
  PmXlsxSheet *sheet = pm_xlsx_read (bytes, "청구.xlsx", 0, &error);

  g_assert_no_error (error);
  g_assert_nonnull (sheet);
  return sheet;
}

static void
assert_read_error (GBytes     *bytes,
                   guint       max_rows,
                   const char *message)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PmXlsxSheet) sheet = pm_xlsx_read (bytes, "청구.xlsx", max_rows, &error);

  g_assert_null (sheet);
  g_assert_error (error, PM_ERROR, PM_ERROR_INVALID);
  g_assert_cmpstr (error->message, ==, message);
}

/* The row's cells joined with "|", an empty cell as "", a missing one as "-". */
static char *
row_text (PmXlsxSheet *sheet,
          guint        i)
{
  const PmXlsxRow *row = pm_xlsx_sheet_get_row (sheet, i);
  GString *out = g_string_new (NULL);

  g_string_append_printf (out, "%u:", row->number);
  for (guint j = 0; j < row->n_cells; j++)
    {
      if (j > 0)
        g_string_append_c (out, '|');
      g_string_append (out, row->cells[j] != NULL ? row->cells[j] : "-");
    }
  return g_string_free (out, FALSE);
}

static void
assert_row (PmXlsxSheet *sheet,
            guint        i,
            const char  *expected)
{
  g_autofree char *text = row_text (sheet, i);

  g_assert_cmpstr (text, ==, expected);
}

/* ---------------------------------------------------------------------------------
 * Workbooks as Excel writes them (libxlsxwriter)
 * ------------------------------------------------------------------------------ */

#define KO_HEADER_CELLS { "이름", "전화번호", "금액", "상품명", "메시지", "만료일", "메모" }

static void
write_header (lxw_worksheet *ws)
{
  const char *header[] = KO_HEADER_CELLS;

  for (guint i = 0; i < G_N_ELEMENTS (header); i++)
    worksheet_write_string (ws, 0, (lxw_col_t) i, header[i], NULL);
}

/* The bills workbook: row 2 phone as text, row 3 phone as a number (its 0 lost), row 4
 * a bad amount, row 5 the amount by formula, row 7 (row 6 blank) a duplicate of row 2
 * with the date in another format; the memo column has gaps. */
static char *
write_bills_book (const char *name,
                  gboolean    constant_memory)
{
  char *path = tmp_path (name);
  lxw_workbook_options options = { .constant_memory = constant_memory, .tmpdir = NULL };
  lxw_workbook *wb = workbook_new_opt (path, &options);
  lxw_worksheet *ws = workbook_add_worksheet (wb, "3월 청구");
  lxw_format *date = workbook_add_format (wb);
  lxw_format *date14 = workbook_add_format (wb);
  lxw_format *won = workbook_add_format (wb);
  lxw_datetime dec31 = { 2026, 12, 31, 0, 0, 0 };
  lxw_datetime dec15 = { 2026, 12, 15, 9, 30, 0 };

  format_set_num_format (date, "yyyy-mm-dd");
  format_set_num_format_index (date14, 14);
  format_set_num_format (won, "#,##0\"원\"");
  write_header (ws);

  worksheet_write_string (ws, 1, 0, "김영희", NULL);
  worksheet_write_string (ws, 1, 1, "010-2345-6789", NULL);
  worksheet_write_number (ws, 1, 2, 120000, won);
  worksheet_write_string (ws, 1, 3, "3월 수강료", NULL);
  worksheet_write_string (ws, 1, 4, "수강료 안내드립니다", NULL);
  worksheet_write_datetime (ws, 1, 5, &dec31, date);
  worksheet_write_string (ws, 1, 6, "형제 할인", NULL);

  worksheet_write_string (ws, 2, 0, "이철수", NULL);
  worksheet_write_number (ws, 2, 1, 1012345678, NULL);
  worksheet_write_number (ws, 2, 2, 85000, NULL);
  worksheet_write_string (ws, 2, 3, "교재비", NULL);
  worksheet_write_string (ws, 2, 4, "교재비 안내", NULL);
  worksheet_write_datetime (ws, 2, 5, &dec15, date14);

  worksheet_write_string (ws, 3, 0, "박민수", NULL);
  worksheet_write_string (ws, 3, 1, "010-3456-7890", NULL);
  worksheet_write_string (ws, 3, 2, "12만", NULL);
  worksheet_write_string (ws, 3, 3, "3월 수강료", NULL);
  worksheet_write_string (ws, 3, 4, "안내", NULL);
  worksheet_write_datetime (ws, 3, 5, &dec31, date);

  worksheet_write_string (ws, 4, 0, "최지우", NULL);
  worksheet_write_string (ws, 4, 1, "01077778888", NULL);
  worksheet_write_formula_num (ws, 4, 2, "=C3*2", NULL, 170000);
  worksheet_write_string (ws, 4, 3, "특강", NULL);
  worksheet_write_string (ws, 4, 4, "특강 안내", NULL);
  worksheet_write_datetime (ws, 4, 5, &dec31, date);
  worksheet_write_string (ws, 4, 6, "현금영수증", NULL);

  worksheet_write_string (ws, 6, 0, "김영희", NULL);
  worksheet_write_string (ws, 6, 1, "01023456789", NULL);
  worksheet_write_number (ws, 6, 2, 120000, NULL);
  worksheet_write_string (ws, 6, 3, "3월 수강료", NULL);
  worksheet_write_string (ws, 6, 4, "두 번째 안내", NULL);
  worksheet_write_string (ws, 6, 5, "2026.12.31", NULL);

  /* a second sheet, never read */
  worksheet_write_string (workbook_add_worksheet (wb, "메모"), 0, 0, "읽지 않음", NULL);
  g_assert_cmpint (workbook_close (wb), ==, LXW_NO_ERROR);
  return path;
}

static void
check_bills_sheet (PmXlsxSheet *sheet)
{
  g_assert_cmpstr (pm_xlsx_sheet_get_name (sheet), ==, "3월 청구");
  g_assert_false (pm_xlsx_sheet_get_date1904 (sheet));
  g_assert_cmpuint (pm_xlsx_sheet_get_n_rows (sheet), ==, 6);
  assert_row (sheet, 0, "1:이름|전화번호|금액|상품명|메시지|만료일|메모");
  assert_row (sheet, 1, "2:김영희|010-2345-6789|120000|3월 수강료|수강료 안내드립니다|2026-12-31|"
                        "형제 할인");
  assert_row (sheet, 2, "3:이철수|1012345678|85000|교재비|교재비 안내|2026-12-15");
  assert_row (sheet, 3, "4:박민수|010-3456-7890|12만|3월 수강료|안내|2026-12-31");
  assert_row (sheet, 4, "5:최지우|01077778888|170000|특강|특강 안내|2026-12-31|현금영수증");
  /* row 6 is blank: not a row */
  assert_row (sheet, 5, "7:김영희|01023456789|120000|3월 수강료|두 번째 안내|2026.12.31");
}

static void
test_read_excel_book (void)
{
  g_autofree char *path = write_bills_book ("bills.xlsx", FALSE);
  g_autofree char *path_inline = write_bills_book ("bills-inline.xlsx", TRUE);
  g_autoptr(GBytes) bytes = read_bytes (path);
  g_autoptr(GBytes) bytes_inline = read_bytes (path_inline);
  g_autoptr(PmXlsxSheet) sheet = read_ok (bytes);
  g_autoptr(PmXlsxSheet) sheet_inline = NULL;

  /* shared strings */
  check_bills_sheet (sheet);
  /* libxlsxwriter's constant-memory mode writes inline strings (<is><t>) */
  sheet_inline = read_ok (bytes_inline);
  check_bills_sheet (sheet_inline);
  g_assert_true (pm_xlsx_is_workbook (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes)));
}

static void
test_read_values (void)
{
  g_autofree char *path = tmp_path ("values.xlsx");
  lxw_workbook *wb = workbook_new (path);
  lxw_worksheet *ws = workbook_add_worksheet (wb, NULL);
  lxw_format *bold = workbook_add_format (wb);
  lxw_format *korean_date = workbook_add_format (wb);
  lxw_format *time = workbook_add_format (wb);
  lxw_datetime leap = { 2028, 2, 29, 23, 59, 59 };
  lxw_datetime evening = { 2026, 12, 31, 18, 0, 0 };
  lxw_rich_string_tuple run1 = { .format = bold, .string = (char *) "김" };
  lxw_rich_string_tuple run2 = { .format = NULL, .string = (char *) "영희" };
  lxw_rich_string_tuple *rich[] = { &run1, &run2, NULL };
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(PmXlsxSheet) sheet = NULL;

  format_set_bold (bold);
  format_set_num_format (korean_date, "yyyy\"년\" m\"월\" d\"일\"");
  format_set_num_format (time, "h:mm");

  /* A1, C1: B1 empty */
  worksheet_write_string (ws, 0, 0, "A", NULL);
  worksheet_write_string (ws, 0, 2, "C", NULL);
  /* numbers: whole ones without .0 or an exponent, others as Excel shows them */
  worksheet_write_number (ws, 1, 0, 1012345678, NULL);
  worksheet_write_number (ws, 1, 1, 9999999999, NULL);
  worksheet_write_number (ws, 1, 2, 1e15, NULL);
  worksheet_write_number (ws, 1, 3, 0.5, NULL);
  worksheet_write_number (ws, 1, 4, 0.1 + 0.2, NULL);
  worksheet_write_number (ws, 1, 5, -42, NULL);
  worksheet_write_number (ws, 1, 6, 120000.5, NULL);
  /* dates in a Korean custom format, a leap day with a time; a time is not a date */
  worksheet_write_datetime (ws, 2, 0, &leap, korean_date);
  worksheet_write_datetime (ws, 2, 1, &evening, time);
  /* booleans, a rich-text run, a formula's text result, a blank with a format */
  worksheet_write_boolean (ws, 3, 0, 1, NULL);
  worksheet_write_boolean (ws, 3, 1, 0, NULL);
  worksheet_write_rich_string (ws, 3, 2, rich, NULL);
  worksheet_write_formula_str (ws, 3, 3, "=\"수강\"&\"료\"", NULL, "수강료");
  worksheet_write_blank (ws, 3, 4, bold);
  worksheet_write_string (ws, 3, 5, "끝", NULL);
  /* a row holding only blanks with a format is not a row; text far to the right */
  worksheet_write_blank (ws, 4, 0, bold);
  worksheet_write_string (ws, 5, 26, "AA열", NULL);
  g_assert_cmpint (workbook_close (wb), ==, LXW_NO_ERROR);

  bytes = read_bytes (path);
  sheet = read_ok (bytes);
  g_assert_cmpstr (pm_xlsx_sheet_get_name (sheet), ==, "Sheet1");
  g_assert_cmpuint (pm_xlsx_sheet_get_n_rows (sheet), ==, 5);
  assert_row (sheet, 0, "1:A|-|C");
  assert_row (sheet, 1, "2:1012345678|9999999999|1000000000000000|0.5|0.3|-42|120000.5");
  assert_row (sheet, 2, "3:2028-02-29|46387.75");
  assert_row (sheet, 3, "4:TRUE|FALSE|김영희|수강료|-|끝");
  g_assert_cmpuint (pm_xlsx_sheet_get_row (sheet, 4)->number, ==, 6);
  g_assert_cmpuint (pm_xlsx_sheet_get_row (sheet, 4)->n_cells, ==, 27);
  g_assert_cmpstr (pm_xlsx_sheet_get_row (sheet, 4)->cells[26], ==, "AA열");
  g_assert_null (pm_xlsx_sheet_get_row (sheet, 4)->cells[25]);
}

/* ---------------------------------------------------------------------------------
 * Hand-made parts: dates, shared strings, escapes
 * ------------------------------------------------------------------------------ */

static void
test_dates (void)
{
  /* 1900 system: 59 is 1900-02-28, 60 Excel's phantom 1900-02-29, 61 1900-03-01;
   * 46387 is 2026-12-31 (time of day dropped); custom format with 년/월/일; [h]:mm and a
   * won format are not dates; the style that is a date only in cellStyleXfs or dxfs
   * is not used by the cells */
  const char *cells =
    "<row r=\"1\"><c r=\"A1\" s=\"1\"><v>59</v></c><c r=\"B1\" s=\"1\"><v>60</v></c>"
    "<c r=\"C1\" s=\"1\"><v>61</v></c><c r=\"D1\" s=\"2\"><v>46387.99</v></c>"
    "<c r=\"E1\" s=\"3\"><v>1.5</v></c><c r=\"F1\" s=\"4\"><v>120000</v></c>"
    "<c r=\"G1\"><v>46387</v></c><c r=\"H1\" s=\"1\"><v>-1</v></c>"
    "<c r=\"I1\" t=\"d\"><v>2026-12-31T00:00:00</v></c></row>";
  g_autofree char *sheet_xml = g_strdup_printf (SHEET ("%s"), cells);
  g_autoptr(GBytes) book = book_of (WORKBOOK (""), sheet_xml, NULL, STYLES);
  g_autoptr(GBytes) book1904 = book_of (WORKBOOK ("<workbookPr date1904=\"1\"/>"), sheet_xml,
                                        NULL, STYLES);
  g_autoptr(PmXlsxSheet) sheet = read_ok (book);
  g_autoptr(PmXlsxSheet) sheet1904 = read_ok (book1904);

  assert_row (sheet, 0, "1:1900-02-28|1900-02-29|1900-03-01|2026-12-31|1.5|120000|46387|-1|"
                        "2026-12-31");
  /* 1904 system: day 0 is 1904-01-01, 1462 days after the 1900 system's */
  g_assert_true (pm_xlsx_sheet_get_date1904 (sheet1904));
  assert_row (sheet1904, 0, "1:1904-02-29|1904-03-01|1904-03-02|2031-01-01|1.5|120000|46387|-1|"
                            "2026-12-31");
}

static void
test_shared_strings (void)
{
  /* rich-text runs joined, phonetic runs (rPh) left out, _x000D_ and _x005F_ decoded,
   * entities and CDATA, spaces kept; a part starting with a byte order mark; a prefixed
   * namespace (x:) as some writers use */
  const char *shared =
    "\xef\xbb\xbf<sst xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\" count=\"4\">"
    "<si><t>이름</t></si>"
    "<si><r><rPr><b/></rPr><t>김</t></r><r><t xml:space=\"preserve\">영 희</t></r>"
    "<rPh sb=\"0\" eb=\"1\"><t>キム</t></rPh></si>"
    "<si><t>줄1_x000D_\n줄2 _x005F_x0041_ A&amp;B &lt;3</t></si>"
    "<si><t></t></si><si><t><![CDATA[<글>]]></t></si></sst>";
  const char *sheet_xml = SHEET (
    "<row r=\"2\"><c r=\"A2\" t=\"s\"><v>0</v></c><c r=\"B2\" t=\"s\"><v>1</v></c>"
    "<c r=\"D2\" t=\"s\"><v>2</v></c><c r=\"E2\" t=\"s\"><v>3</v></c>"
    "<c r=\"F2\" t=\"inlineStr\"><is><r><t>인라인</t></r><r><t>글</t></r></is></c>"
    "<c r=\"G2\" t=\"s\"><v>4</v></c></row>");
  g_autoptr(GBytes) book = book_of (WORKBOOK (""), sheet_xml, shared, NULL);
  g_autoptr(PmXlsxSheet) sheet = read_ok (book);
  const char *prefixed_sheet =
    "<x:worksheet xmlns:x=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\">"
    "<x:sheetData><x:row><x:c t=\"inlineStr\"><x:is><x:t>앞</x:t></x:is></x:c>"
    "<x:c><x:v>7</x:v></x:c></x:row></x:sheetData></x:worksheet>";
  g_autoptr(GBytes) prefixed = book_of (WORKBOOK (""), prefixed_sheet, NULL, NULL);
  g_autoptr(PmXlsxSheet) sheet2 = read_ok (prefixed);

  assert_row (sheet, 0, "2:이름|김영 희|-|줄1\r\n줄2 _x0041_ A&B <3|-|인라인글|<글>");
  /* rows and cells without r="": one after the other */
  assert_row (sheet2, 0, "1:앞|7");
}

/* ---------------------------------------------------------------------------------
 * What is refused
 * ------------------------------------------------------------------------------ */

#define DAMAGED "“청구.xlsx” is damaged and cannot be read as an Excel workbook. Open it in " \
  "Excel and save it again as .xlsx, or save it as “CSV UTF-8”."

static void
test_refused_structure (void)
{
  g_autofree char *path = write_bills_book ("cut.xlsx", FALSE);
  g_autoptr(GBytes) whole = read_bytes (path);
  g_autoptr(GBytes) cut = g_bytes_new_from_bytes (whole, 0, g_bytes_get_size (whole) / 2);
  g_autoptr(GBytes) garbage = g_bytes_new_static ("PK\x03\x04garbage, not a zip at all", 30);
  const char *no_workbook_parts[] = { "docProps/app.xml", "<Properties/>",
                                      "xl/worksheets/sheet1.xml", SHEET (""), NULL };
  g_autoptr(GBytes) no_workbook = zip_of (no_workbook_parts);
  g_autoptr(GBytes) no_sheets = book_of (
    "<workbook><sheets/></workbook>", SHEET (""), NULL, NULL);
  g_autoptr(GBytes) missing_part = book_of (WORKBOOK (""), NULL, NULL, NULL);
  g_autoptr(GBytes) bad_xml = book_of (WORKBOOK (""), SHEET ("<row r=\"1\">\n<c r=\"A1\">"
                                                             "<v>1</v></row>"), NULL, NULL);
  g_autoptr(GBytes) bad_shared = book_of (WORKBOOK (""), SHEET (""), "<sst><si><t>a</si></sst>",
                                          NULL);
  g_autoptr(GBytes) bad_index = book_of (WORKBOOK (""), SHEET ("<row r=\"3\"><c r=\"B3\" "
                                                               "t=\"s\"><v>5</v></c></row>"),
                                         "<sst><si><t>a</t></si></sst>", NULL);
  g_autoptr(GBytes) bad_number = book_of (WORKBOOK (""), SHEET ("<row r=\"3\"><c r=\"C3\">"
                                                                "<v>12만</v></c></row>"),
                                          NULL, NULL);
  g_autoptr(GBytes) bad_ref = book_of (WORKBOOK (""), SHEET ("<row r=\"3\"><c r=\"C4\">"
                                                             "<v>1</v></c></row>"), NULL, NULL);
  g_autoptr(GBytes) rows_backwards = book_of (WORKBOOK (""), SHEET (
    "<row r=\"3\"><c><v>1</v></c></row><row r=\"2\"><c><v>1</v></c></row>"), NULL, NULL);

  assert_read_error (cut, 0, DAMAGED);
  assert_read_error (garbage, 0, DAMAGED);
  assert_read_error (no_workbook, 0,
                     "“청구.xlsx” is a zip file but not an Excel workbook (it has no "
                     "xl/workbook.xml). Choose an .xlsx file saved by Excel, or a CSV file.");
  assert_read_error (no_sheets, 0,
                     "“청구.xlsx” has no worksheet to read. Put the bills on the first sheet of "
                     "the workbook and save it again.");
  assert_read_error (missing_part, 0,
                     "“청구.xlsx” has no worksheet to read. Put the bills on the first sheet of "
                     "the workbook and save it again.");
  assert_read_error (bad_xml, 0,
                     "“청구.xlsx” is damaged: its part xl/worksheets/sheet1.xml is not valid XML "
                     "(line 3). Open it in Excel and save it again.");
  assert_read_error (bad_shared, 0,
                     "“청구.xlsx” is damaged: its part xl/sharedStrings.xml is not valid XML "
                     "(line 1). Open it in Excel and save it again.");
  assert_read_error (bad_index, 0,
                     "“청구.xlsx”, sheet “청구”, cell B3: the cell cannot be read; the file is "
                     "damaged. Open it in Excel and save it again.");
  assert_read_error (bad_number, 0,
                     "“청구.xlsx”, sheet “청구”, cell C3: the cell cannot be read; the file is "
                     "damaged. Open it in Excel and save it again.");
  assert_read_error (bad_ref, 0, DAMAGED);
  assert_read_error (rows_backwards, 0, DAMAGED);
}

static void
test_refused_formulas (void)
{
  g_autoptr(GBytes) no_value = book_of (WORKBOOK (""), SHEET (
    "<row r=\"7\"><c r=\"A7\"><v>1</v></c><c r=\"B7\"><f>A7*2</f></c></row>"), NULL, NULL);
  g_autoptr(GBytes) error_value = book_of (WORKBOOK (""), SHEET (
    "<row r=\"2\"><c r=\"D2\" t=\"e\"><f>1/0</f><v>#DIV/0!</v></c></row>"), NULL, NULL);
  g_autoptr(GBytes) cached = book_of (WORKBOOK (""), SHEET (
    "<row r=\"2\"><c r=\"A2\"><f>1+1</f><v>2</v></c><c r=\"B2\" t=\"str\"><f>\"\"</f><v></v></c>"
    "<c r=\"C2\" t=\"str\"><f>T(\"x\")</f><v>x</v></c></row>"), NULL, NULL);
  g_autoptr(PmXlsxSheet) sheet = read_ok (cached);

  assert_read_error (no_value, 0,
                     "“청구.xlsx”, sheet “청구”, cell B7: the formula has no saved result, so its "
                     "value is not known. Open the file in Excel so it calculates, then save it "
                     "again (or paste the values instead of the formulas).");
  assert_read_error (error_value, 0,
                     "“청구.xlsx”, sheet “청구”, cell D2 holds the error #DIV/0!. Correct the "
                     "formula or type the value, then save the file again.");
  /* a cached result is the value; an empty text result is an empty cell */
  assert_row (sheet, 0, "2:2|-|x");
}

static void
test_refused_merged (void)
{
  g_autofree char *path = tmp_path ("merged.xlsx");
  lxw_workbook *wb = workbook_new (path);
  lxw_worksheet *ws = workbook_add_worksheet (wb, "청구");
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GBytes) above = NULL;
  g_autoptr(PmXlsxSheet) sheet = NULL;

  write_header (ws);
  worksheet_write_string (ws, 1, 0, "김영희", NULL);
  worksheet_merge_range (ws, 2, 3, 3, 4, "3월 수강료", NULL);
  g_assert_cmpint (workbook_close (wb), ==, LXW_NO_ERROR);
  bytes = read_bytes (path);
  assert_read_error (bytes, 0,
                     "“청구.xlsx”, sheet “청구”: the cells D3:E4 are merged. A bulk send needs one "
                     "value per cell: unmerge them (Home › Merge & Center), put the value in every "
                     "row that needs it, and save the file again.");

  /* merged cells in blank rows above the table are harmless */
  above = book_of (WORKBOOK (""),
                   "<worksheet><sheetData><row r=\"3\"><c r=\"A3\"><v>1</v></c></row></sheetData>"
                   "<mergeCells count=\"1\"><mergeCell ref=\"a1:b2\"/></mergeCells></worksheet>",
                   NULL, NULL);
  sheet = read_ok (above);
  assert_row (sheet, 0, "3:1");
}

static void
test_refused_limits (void)
{
  g_autoptr(GBytes) huge = NULL;
  g_autoptr(GBytes) wide = book_of (WORKBOOK (""), SHEET (
    "<row r=\"2\"><c r=\"A2\"><v>1</v></c><c r=\"DX2\"><v>1</v></c></row>"
    "<row r=\"3\"><c r=\"A3\"><v>1</v></c><c r=\"DY3\"><v>1</v></c></row>"), NULL, NULL);
  g_autoptr(GBytes) wide_blank = book_of (WORKBOOK (""), SHEET (
    "<row r=\"2\"><c r=\"A2\"><v>1</v></c><c r=\"XFD2\" s=\"0\"/></row>"), NULL, NULL);
  g_autoptr(GBytes) rows = book_of (WORKBOOK (""), SHEET (
    "<row r=\"1\"><c><v>1</v></c></row><row r=\"2\"><c><v>1</v></c></row>"
    "<row r=\"3\"/><row r=\"4\"><c><v>1</v></c></row><row r=\"5\"><c><v>1</v></c></row>"),
    NULL, NULL);
  g_autoptr(PmXlsxSheet) sheet = NULL;
  g_autofree char *shared = NULL;
  g_autofree char *long_text = g_strnfill (30000, 'x');
  g_autoptr(GString) amplified = g_string_new (NULL);
  g_autoptr(GBytes) amplified_book = NULL;
  const char *parts[] = { "xl/workbook.xml", WORKBOOK (""), "xl/_rels/workbook.xml.rels", RELS,
                          "xl/worksheets/sheet1.xml", SHEET (""),
                          "xl/sharedStrings.xml", "@HUGE:67108865", NULL };

  assert_read_error (wide, 0,
                     "“청구.xlsx”, sheet “청구”, cell DY3: there are values beyond column DX; a "
                     "bulk send reads at most 128 columns. Delete or move the columns that are "
                     "not needed.");
  sheet = read_ok (wide_blank);
  assert_row (sheet, 0, "2:1");
  g_clear_pointer (&sheet, pm_xlsx_sheet_free);

  /* max_rows: rows with values after the first (the header); row 3 is empty */
  sheet = pm_xlsx_read (rows, "청구.xlsx", 3, NULL);
  g_assert_nonnull (sheet);
  g_assert_cmpuint (pm_xlsx_sheet_get_n_rows (sheet), ==, 4);
  assert_read_error (rows, 2,
                     "The file has more than 2 rows; a bulk send can read at most that many. "
                     "Split it into smaller files.");

  /* a part that unpacks past 64 MiB (a few kilobytes zipped) */
  huge = zip_of (parts);
  g_test_message ("zip bomb: %" G_GSIZE_FORMAT " bytes", g_bytes_get_size (huge));
  g_assert_cmpuint (g_bytes_get_size (huge), <, 1024 * 1024);
  assert_read_error (huge, 0,
                     "“청구.xlsx” is too big once unpacked: its part xl/sharedStrings.xml holds "
                     "more than 67.1\u00a0MB, the most a bulk send reads. Split the bills into smaller "
                     "files. (A small file that unpacks to this much may be damaged or harmful.)");

  /* one long shared string in many cells: more text than the limit in all */
  shared = g_strdup_printf ("<sst><si><t>%s</t></si></sst>", long_text);
  for (guint r = 1; r <= 600; r++)
    {
      g_string_append_printf (amplified, "<row r=\"%u\">", r);
      for (guint c = 0; c < 4; c++)
        g_string_append (amplified, "<c t=\"s\"><v>0</v></c>");
      g_string_append (amplified, "</row>");
    }
  {
    g_autofree char *sheet_xml = g_strdup_printf (SHEET ("%s"), amplified->str);

    amplified_book = book_of (WORKBOOK (""), sheet_xml, shared, NULL);
  }
  assert_read_error (amplified_book, 0,
                     "“청구.xlsx”, sheet “청구”: the cells hold more than 67.1\u00a0MB of text, the "
                     "most a bulk send reads. Split the bills into smaller files.");
}

/* An OLE compound file: the magic, then directory entries named in UTF-16LE. */
static GBytes *
ole_with (const char *stream)
{
  GByteArray *out = g_byte_array_new ();
  static const guint8 zeros[512] = { 0 };

  g_byte_array_append (out, (const guint8 *) "\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", 8);
  g_byte_array_append (out, zeros, 504);
  for (const char *p = stream; *p != '\0'; p++)
    {
      guint8 unit[2] = { (guint8) *p, 0 };

      g_byte_array_append (out, unit, 2);
    }
  g_byte_array_append (out, zeros, 64);
  return g_byte_array_free_to_bytes (out);
}

#define PASSWORD_MESSAGE(file) "“" file "” is protected with a password, so it cannot be read. " \
  "Open it in Excel, save it without a password (File › Info › Protect Workbook › Encrypt " \
  "with Password, then clear the password), and choose it again."
#define XLS_MESSAGE(file) "“" file "” is an old Excel workbook (.xls), which cannot be read. In " \
  "Excel, use File › Save As and choose “Excel Workbook (.xlsx)” or “CSV UTF-8”."

static void
test_refused_ole (void)
{
  g_autoptr(GBytes) encrypted = ole_with ("EncryptionInfo");
  g_autoptr(GBytes) encrypted2 = ole_with ("EncryptedPackage");
  g_autoptr(GBytes) xls = ole_with ("Workbook");
  g_autofree char *path = tmp_path ("비밀번호.xlsx");
  g_autofree char *xls_path = tmp_path ("old.xls");
  g_autoptr(GError) error = NULL;
  g_autoptr(PmCsvImport) import = NULL;

  assert_read_error (encrypted, 0, PASSWORD_MESSAGE ("청구.xlsx"));
  assert_read_error (encrypted2, 0, PASSWORD_MESSAGE ("청구.xlsx"));
  assert_read_error (xls, 0, XLS_MESSAGE ("청구.xlsx"));
  g_assert_true (pm_xlsx_is_workbook (g_bytes_get_data (xls, NULL), 8));
  g_assert_false (pm_xlsx_is_workbook ((const guint8 *) "이름,전화번호\n", 10));

  /* through the import, by content whatever the name */
  write_bytes (path, encrypted);
  import = pm_csv_import_path (path, NULL, &error);
  g_assert_null (import);
  g_assert_error (error, PM_ERROR, PM_ERROR_INVALID);
  g_assert_cmpstr (error->message, ==, PASSWORD_MESSAGE ("비밀번호.xlsx"));
  g_clear_error (&error);
  write_bytes (xls_path, xls);
  import = pm_csv_import_path (xls_path, NULL, &error);
  g_assert_null (import);
  g_assert_cmpstr (error->message, ==, XLS_MESSAGE ("old.xls"));
}

/* ---------------------------------------------------------------------------------
 * Through the row pipeline
 * ------------------------------------------------------------------------------ */

static PmCsvRow *
row_at (PmCsvImport *import,
        guint        i)
{
  GPtrArray *rows = pm_csv_import_get_rows (import);

  g_assert_cmpuint (i, <, rows->len);
  return g_ptr_array_index (rows, i);
}

static void
test_import_xlsx (void)
{
  g_autofree char *path = write_bills_book ("import.xlsx", FALSE);
  g_autofree char *csv_path = tmp_path ("import.csv");
  g_autoptr(GError) error = NULL;
  g_autoptr(PmCsvImport) import = NULL;
  g_autoptr(PmCsvImport) csv = NULL;
  g_autofree char *report = NULL;
  g_autofree char *dups = NULL;
  g_autofree char *name = NULL;
  PmCsvOptions options = { 0 };
  PmBill *bill;

  options.now_utc = test_now ();
  import = pm_csv_import_path (path, &options, &error);
  g_assert_no_error (error);
  g_assert_nonnull (import);
  g_assert_cmpint (pm_csv_import_get_format (import), ==, PM_CSV_FORMAT_XLSX);
  g_assert_cmpstr (pm_csv_import_get_sheet_name (import), ==, "3월 청구");
  g_assert_cmpstr (pm_csv_import_get_encoding (import), ==, "UTF-8");
  g_assert_cmpuint (pm_csv_import_get_n_rows (import), ==, 5);
  g_assert_cmpuint (pm_csv_import_get_n_valid (import), ==, 4);
  g_assert_cmpuint (pm_csv_import_get_n_invalid (import), ==, 1);
  g_assert_cmpint (pm_csv_import_get_total_won (import), ==, 120000 + 85000 + 170000 + 120000);
  g_assert_cmpint (pm_csv_import_get_column (import, PM_CSV_FIELD_NOTE), ==, 6);

  bill = row_at (import, 0)->bill;
  g_assert_cmpstr (pm_bill_get_payer_name (bill), ==, "김영희");
  g_assert_cmpstr (pm_bill_get_phone (bill), ==, "01023456789");
  g_assert_cmpint (pm_bill_get_price (bill), ==, 120000);
  g_assert_cmpstr (pm_bill_get_expire_date (bill), ==, "2026-12-31");
  g_assert_cmpstr (pm_bill_get_note (bill), ==, "형제 할인");
  g_assert_cmpuint (row_at (import, 0)->number, ==, 2);
  /* a phone stored as a number lost its 0: the phone parser puts it back */
  bill = row_at (import, 1)->bill;
  g_assert_cmpstr (pm_bill_get_phone (bill), ==, "01012345678");
  g_assert_cmpstr (pm_bill_get_expire_date (bill), ==, "2026-12-15");
  /* the formula's saved result */
  g_assert_cmpint (pm_bill_get_price (row_at (import, 3)->bill), ==, 170000);
  g_assert_cmpuint (row_at (import, 4)->number, ==, 7);

  /* row errors name the spreadsheet row and the column letter with its header */
  g_assert_null (row_at (import, 2)->bill);
  report = pm_csv_format_report (import);
  g_assert_cmpstr (report, ==,
                   "5 rows read: 4 valid, 1 with errors; valid rows total ₩495,000.\n"
                   "row 4, column C (금액): Write the amount as digits only, like 12,000.\n");
  name = pm_csv_import_dup_column_name (import, 2);
  g_assert_cmpstr (name, ==, "C (금액)");

  /* duplicates across rows 2 and 7, whatever the spelling of phone and date */
  g_assert_cmpuint (pm_csv_import_get_duplicates (import)->len, ==, 1);
  dups = pm_csv_format_duplicates (import);
  g_assert_cmpstr (dups, ==,
                   "rows 2 and 7 are the same bill: 김영희 010-2345-6789, ₩120,000, 3월 수강료\n");

  /* the same bills as CSV: the same content hash and row keys */
  g_assert_true (g_file_set_contents (csv_path,
                                      "이름,전화번호,금액,상품명,메시지,만료일,메모\n"
                                      "김영희,01023456789,\"120,000\",3월 수강료,수강료 안내드립니다,"
                                      "2026-12-31,형제 할인\n"
                                      "이철수,010-1234-5678,85000,교재비,교재비 안내,2026/12/15,\n"
                                      "박민수,010-3456-7890,12만,3월 수강료,안내,2026-12-31,\n"
                                      "최지우,01077778888,170000,특강,특강 안내,2026-12-31,x\n"
                                      "김영희,010-2345-6789,120000,3월 수강료,두 번째,2026-12-31,\n",
                                      -1, NULL));
  csv = pm_csv_import_path (csv_path, &options, &error);
  g_assert_no_error (error);
  g_assert_cmpint (pm_csv_import_get_format (csv), ==, PM_CSV_FORMAT_CSV);
  g_assert_cmpuint (pm_csv_import_get_n_valid (csv), ==, 4);
  g_assert_null (pm_csv_import_get_sheet_name (csv));
  g_assert_cmpstr (pm_csv_import_get_content_hash (csv), ==,
                   pm_csv_import_get_content_hash (import));
  for (guint i = 0; i < 5; i++)
    g_assert_cmpstr (row_at (csv, i)->key, ==, row_at (import, i)->key);
}

static void
test_import_xlsx_refused (void)
{
  g_autofree char *path = tmp_path ("rows.xlsx");
  g_autofree char *empty_path = tmp_path ("empty.xlsx");
  lxw_workbook *wb = workbook_new (path);
  lxw_worksheet *ws = workbook_add_worksheet (wb, NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(PmCsvImport) import = NULL;
  PmCsvOptions options = { 0 };

  write_header (ws);
  for (guint r = 1; r <= 3; r++)
    {
      worksheet_write_string (ws, (lxw_row_t) r, 0, "김영희", NULL);
      worksheet_write_number (ws, (lxw_row_t) r, 1, 1023456789, NULL);
      worksheet_write_number (ws, (lxw_row_t) r, 2, 1000 * r, NULL);
      worksheet_write_string (ws, (lxw_row_t) r, 3, "수강료", NULL);
      worksheet_write_string (ws, (lxw_row_t) r, 4, "안내", NULL);
      worksheet_write_string (ws, (lxw_row_t) r, 5, "2026-12-31", NULL);
    }
  g_assert_cmpint (workbook_close (wb), ==, LXW_NO_ERROR);

  options.now_utc = test_now ();
  options.max_rows = 2;
  import = pm_csv_import_path (path, &options, &error);
  g_assert_null (import);
  g_assert_error (error, PM_ERROR, PM_ERROR_INVALID);
  g_assert_cmpstr (error->message, ==,
                   "The file has more than 2 rows; a bulk send can read at most that many. "
                   "Split it into smaller files.");
  g_clear_error (&error);
  options.max_rows = 3;
  import = pm_csv_import_path (path, &options, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (pm_csv_import_get_n_valid (import), ==, 3);
  g_clear_object (&import);

  /* the file's size is checked before it is unpacked */
  options.max_bytes = 100;
  import = pm_csv_import_path (path, &options, &error);
  g_assert_null (import);
  g_assert_true (g_str_has_prefix (error->message, "The file is too big ("));
  g_clear_error (&error);

  /* a workbook with an empty first sheet */
  wb = workbook_new (empty_path);
  workbook_add_worksheet (wb, NULL);
  g_assert_cmpint (workbook_close (wb), ==, LXW_NO_ERROR);
  import = pm_csv_import_path (empty_path, NULL, &error);
  g_assert_null (import);
  g_assert_cmpstr (error->message, ==,
                   "The file is empty: it needs a header row naming the columns, then one row "
                   "per bill.");
}

static void
test_import_table (void)
{
  const char *header[] = { "이름", NULL, "전화번호", "금액", "상품명", "메시지", "만료일" };
  const char *good[] = { "김영희", NULL, "010-2345-6789", "120000", "수강료", "안내",
                         "2026-12-31" };
  const char *bad[] = { "이철수", "x\x1b", "0102", "100" };
  const char *blank[] = { NULL, " " };
  PmCsvTableRow rows[] = {
    { 3, G_N_ELEMENTS (blank), blank },
    { 4, G_N_ELEMENTS (header), header },
    { 5, G_N_ELEMENTS (good), good },
    { 6, 0, NULL },
    { 9, G_N_ELEMENTS (bad), bad },
  };
  g_autoptr(GError) error = NULL;
  g_autoptr(PmCsvImport) import = NULL;
  g_autofree char *report = NULL;
  PmCsvOptions options = { 0 };

  options.now_utc = test_now ();
  import = pm_csv_import_table (rows, G_N_ELEMENTS (rows), &options, &error);
  g_assert_no_error (error);
  g_assert_cmpint (pm_csv_import_get_format (import), ==, PM_CSV_FORMAT_TABLE);
  g_assert_cmpint (pm_csv_import_get_column (import, PM_CSV_FIELD_PHONE), ==, 2);
  g_assert_cmpuint (pm_csv_import_get_n_rows (import), ==, 2);
  g_assert_nonnull (row_at (import, 0)->bill);
  g_assert_cmpuint (row_at (import, 0)->number, ==, 5);
  report = pm_csv_format_report (import);
  g_assert_cmpstr (report, ==,
                   "2 rows read: 1 valid, 1 with errors; valid rows total ₩120,000.\n"
                   "row 9, column B: This cell holds the control character U+001B (escape), "
                   "which cannot be sent. Remove it (it may have come with text copied from "
                   "another program).\n"
                   "row 9, column C (전화번호): This number is too short. A mobile number looks "
                   "like 010-1234-5678.\n"
                   "row 9, column E (상품명): Enter what the bill is for.\n"
                   "row 9, column F (메시지): Enter a message for the payer.\n"
                   "row 9, column G (만료일): Enter the last day the bill can be paid.\n");
}

static void
test_column_mapped_twice (void)
{
  const char *csv = "이름,전화번호,금액,상품명,메시지,만료일,휴대폰\n"
                    "김영희,010-2345-6789,1000,수강료,안내,2026-12-31,010-2345-6789\n";
  const char *header[] = { "name", "phone", "amount", "product", "message", "expiry" };
  PmCsvTableRow rows[] = { { 1, G_N_ELEMENTS (header), header } };
  g_autoptr(GBytes) bytes = g_bytes_new_static (csv, strlen (csv));
  g_autoptr(GError) error = NULL;
  g_autoptr(PmCsvImport) import = NULL;
  PmCsvOptions options = { 0 };

  options.now_utc = test_now ();

  /* two headers that both mean the phone */
  import = pm_csv_import_bytes (bytes, &options, &error);
  g_assert_null (import);
  g_assert_error (error, PM_ERROR, PM_ERROR_INVALID);
  g_assert_cmpstr (error->message, ==,
                   "Columns B (전화번호) and G (휴대폰) both look like the phone. Choose the "
                   "column to use for the phone, or rename the other one.");
  g_clear_error (&error);
  /* choosing one settles it */
  options.columns[PM_CSV_FIELD_PHONE] = "휴대폰";
  import = pm_csv_import_bytes (bytes, &options, &error);
  g_assert_no_error (error);
  g_assert_cmpint (pm_csv_import_get_column (import, PM_CSV_FIELD_PHONE), ==, 6);
  g_clear_object (&import);

  /* two fields on one column */
  options.columns[PM_CSV_FIELD_PHONE] = "2";
  options.columns[PM_CSV_FIELD_NOTE] = "전화번호";
  import = pm_csv_import_bytes (bytes, &options, &error);
  g_assert_null (import);
  g_assert_cmpstr (error->message, ==,
                   "Column B (전화번호) was chosen for both the phone and the note; choose a "
                   "different column for each.");
  g_clear_error (&error);

  /* the same through a table */
  memset (&options, 0, sizeof options);
  options.now_utc = test_now ();
  options.columns[PM_CSV_FIELD_PAYER] = "1";
  options.columns[PM_CSV_FIELD_PRODUCT] = "name";
  import = pm_csv_import_table (rows, 1, &options, &error);
  g_assert_null (import);
  g_assert_cmpstr (error->message, ==,
                   "Column A (name) was chosen for both the payer name and the product; choose "
                   "a different column for each.");
}

int
main (int   argc,
      char *argv[])
{
  tmp_root = pm_test_init (&argc, &argv);

  g_test_add_func ("/xlsx/read/excel-book", test_read_excel_book);
  g_test_add_func ("/xlsx/read/values", test_read_values);
  g_test_add_func ("/xlsx/read/dates", test_dates);
  g_test_add_func ("/xlsx/read/shared-strings", test_shared_strings);
  g_test_add_func ("/xlsx/refused/structure", test_refused_structure);
  g_test_add_func ("/xlsx/refused/formulas", test_refused_formulas);
  g_test_add_func ("/xlsx/refused/merged", test_refused_merged);
  g_test_add_func ("/xlsx/refused/limits", test_refused_limits);
  g_test_add_func ("/xlsx/refused/ole", test_refused_ole);
  g_test_add_func ("/xlsx/import/xlsx", test_import_xlsx);
  g_test_add_func ("/xlsx/import/xlsx-refused", test_import_xlsx_refused);
  g_test_add_func ("/xlsx/import/table", test_import_table);
  g_test_add_func ("/xlsx/import/column-mapped-twice", test_column_mapped_twice);

  return g_test_run ();
}
