/* pm-export.c — what a list shows, to a CSV or an Excel (.xlsx) file
 *
 * Copyright 2026 The Paymint Desk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "pm-export.h"

#include "pm-error.h"
#include "pm-money.h"
#include "pm-phone.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>
#include <xlsxwriter.h>

/* Bills read per page: what is in memory at once. */
#define PAGE_SIZE 2000

/* Excel's limit on the characters of one cell. */
#define CELL_MAX_CHARS 32767

PmExportFormat
pm_export_format_for_path (const char *path)
{
  g_autofree char *lower = NULL;

  g_return_val_if_fail (path != NULL, PM_EXPORT_FORMAT_CSV);

  lower = g_ascii_strdown (path, -1);
  return g_str_has_suffix (lower, ".xlsx") ? PM_EXPORT_FORMAT_XLSX : PM_EXPORT_FORMAT_CSV;
}

gboolean
pm_export_format_from_string (const char     *name,
                              PmExportFormat *format)
{
  g_return_val_if_fail (format != NULL, FALSE);

  if (name == NULL)
    return FALSE;
  if (g_ascii_strcasecmp (name, "csv") == 0)
    *format = PM_EXPORT_FORMAT_CSV;
  else if (g_ascii_strcasecmp (name, "xlsx") == 0)
    *format = PM_EXPORT_FORMAT_XLSX;
  else
    return FALSE;
  return TRUE;
}

const char *
pm_export_format_to_string (PmExportFormat format)
{
  return format == PM_EXPORT_FORMAT_XLSX ? "xlsx" : "csv";
}

const char *
pm_export_format_extension (PmExportFormat format)
{
  return format == PM_EXPORT_FORMAT_XLSX ? ".xlsx" : ".csv";
}

/* ------------------------------------------------------------------------ */
/* Columns                                                                  */
/* ------------------------------------------------------------------------ */

typedef enum
{
  CELL_TEXT,
  CELL_PHONE,     /* text, formatted as a phone number */
  CELL_WON,       /* a number of won; blank for 0 when optional */
  CELL_DATETIME,  /* unix UTC → Korea time */
  CELL_DATE,      /* "YYYY-MM-DD" */
  CELL_APPR_DT,   /* "YYYYMMDDHHMMSS", Korea time */
  CELL_STATE,
} CellKind;

typedef enum
{
  COL_CREATED_AT,
  COL_PAYER_NAME,
  COL_PHONE,
  COL_PRODUCT,
  COL_PRICE,
  COL_STATE,
  COL_EXPIRE_DATE,
  COL_APPR_PRICE,
  COL_APPR_DT,
  COL_APPR_NUM,
  COL_APPR_ISSUER,
  COL_APPR_CARD_TYPE,
  COL_APPR_MONTHLY,
  COL_APPR_PAY_TYPE,
  COL_MESSAGE,
  COL_NOTE,
  COL_SHORT_URL,
  COL_ERROR_TEXT,
  COL_BILL_ID,
  COL_UPDATED_AT,
  N_COLS
} Column;

/* The CSV export's column ids (pm_ledger_export_csv), each with a title for people:
 * the XLSX sheet is the CSV's columns in the order a clerk reads them, less the ones
 * only other programs use (kind, method, batch, profile, check times, error code). */
static const struct
{
  const char *id;
  const char *title;   /* NC_ ("export column", …) */
  CellKind    kind;
  double      min_width;
  double      max_width;
} columns[N_COLS] = {
  [COL_CREATED_AT]     = { "created_at", NC_ ("export column", "Sent At"), CELL_DATETIME, 19, 19 },
  [COL_PAYER_NAME]     = { "payer_name", NC_ ("export column", "Payer"), CELL_TEXT, 8, 24 },
  [COL_PHONE]          = { "phone", NC_ ("export column", "Phone"), CELL_PHONE, 14, 20 },
  [COL_PRODUCT]        = { "product", NC_ ("export column", "Product"), CELL_TEXT, 10, 40 },
  [COL_PRICE]          = { "price", NC_ ("export column", "Amount"), CELL_WON, 12, 20 },
  [COL_STATE]          = { "state", NC_ ("export column", "State"), CELL_STATE, 8, 16 },
  [COL_EXPIRE_DATE]    = { "expire_date", NC_ ("export column", "Last Day to Pay"), CELL_DATE, 11, 11 },
  [COL_APPR_PRICE]     = { "appr_price", NC_ ("export column", "Approved Amount"), CELL_WON, 12, 20 },
  [COL_APPR_DT]        = { "appr_dt", NC_ ("export column", "Approved At"), CELL_APPR_DT, 19, 19 },
  [COL_APPR_NUM]       = { "appr_num", NC_ ("export column", "Approval Number"), CELL_TEXT, 10, 20 },
  [COL_APPR_ISSUER]    = { "appr_issuer", NC_ ("export column", "Card Issuer"), CELL_TEXT, 8, 20 },
  [COL_APPR_CARD_TYPE] = { "appr_card_type", NC_ ("export column", "Card Type"), CELL_TEXT, 8, 16 },
  [COL_APPR_MONTHLY]   = { "appr_monthly", NC_ ("export column", "Instalment Months"), CELL_TEXT, 6, 12 },
  [COL_APPR_PAY_TYPE]  = { "appr_pay_type", NC_ ("export column", "Payment Method"), CELL_TEXT, 8, 16 },
  [COL_MESSAGE]        = { "message", NC_ ("export column", "Message"), CELL_TEXT, 10, 50 },
  [COL_NOTE]           = { "note", NC_ ("export column", "Note"), CELL_TEXT, 8, 40 },
  [COL_SHORT_URL]      = { "short_url", NC_ ("export column", "Payment Link"), CELL_TEXT, 10, 40 },
  [COL_ERROR_TEXT]     = { "error_text", NC_ ("export column", "Error"), CELL_TEXT, 8, 50 },
  [COL_BILL_ID]        = { "bill_id", NC_ ("export column", "Bill ID"), CELL_TEXT, 22, 24 },
  [COL_UPDATED_AT]     = { "updated_at", NC_ ("export column", "Updated At"), CELL_DATETIME, 19, 19 },
};

static const char *
column_title (Column column)
{
  return g_dpgettext2 (GETTEXT_PACKAGE, "export column", columns[column].title);
}

/* The label the list shows for a bill's state (pm_ui_bill_status_label's words). */
static const char *
state_label (PmBillState  state,
             gboolean     expired)
{
  switch (state)
    {
    case PM_BILL_STATE_QUEUED:
    case PM_BILL_STATE_SENDING:
      return C_("bill status", "Sending");
    case PM_BILL_STATE_UNKNOWN:
      return C_("bill status", "Checking");
    case PM_BILL_STATE_FAILED:
      return C_("bill status", "Failed");
    case PM_BILL_STATE_NOT_SENT:
      return C_("bill status", "Not sent");
    case PM_BILL_STATE_UNPAID:
      return expired ? C_("bill status", "Expired") : C_("bill status", "Unpaid");
    case PM_BILL_STATE_PAID:
      return C_("bill status", "Paid");
    case PM_BILL_STATE_CANCELLED:
      return C_("bill status", "Refunded");
    case PM_BILL_STATE_DESTROYED:
      return C_("bill status", "Voided");
    default:
      return pm_bill_state_to_string (state);
    }
}

/* How wide @text shows, in Excel's character widths (Hangul and other wide characters
 * take two). */
static double
text_width (const char *text)
{
  double width = 0;

  for (const char *p = text; p != NULL && *p != '\0'; p = g_utf8_next_char (p))
    width += g_unichar_iswide (g_utf8_get_char (p)) ? 2 : 1;
  return width;
}

/* ------------------------------------------------------------------------ */
/* Errors                                                                   */
/* ------------------------------------------------------------------------ */

static gboolean
fail_path (GError     **error,
           const char  *path,
           const char  *reason)
{
  g_set_error (error, PM_ERROR, PM_ERROR_STORAGE, _("“%s” cannot be written: %s"), path, reason);
  return FALSE;
}

static gboolean
fail_cancelled (GError **error)
{
  g_set_error_literal (error, PM_ERROR, PM_ERROR_CANCELLED,
                       pm_error_code_get_message (PM_ERROR_CANCELLED));
  return FALSE;
}

static gboolean
fail_too_many (GError  **error,
               guint64   n_bills)
{
  g_autofree char *count = pm_money_format_digits ((gint64) n_bills);
  g_autofree char *limit = pm_money_format_digits ((gint64) PM_EXPORT_XLSX_MAX_ROWS);

  g_set_error (error, PM_ERROR, PM_ERROR_INVALID,
               _("%s bills are too many for one Excel sheet, which holds at most %s. "
                 "Narrow the list with a filter or a search, or export to CSV instead."),
               count, limit);
  return FALSE;
}

/* libxlsxwriter says which step failed; errno, when it is one a person can act on (a full
 * disk, no permission), says why. */
static gboolean
fail_lxw (GError     **error,
          const char  *path,
          lxw_error    code,
          int          saved_errno)
{
  switch (saved_errno)
    {
    case ENOSPC:
#ifdef EDQUOT
    case EDQUOT:
#endif
    case EFBIG:
    case EACCES:
    case EPERM:
    case EROFS:
    case EIO:
      return fail_path (error, path, g_strerror (saved_errno));
    default:
      return fail_path (error, path, lxw_strerror (code));
    }
}

/* ------------------------------------------------------------------------ */
/* XLSX                                                                     */
/* ------------------------------------------------------------------------ */

typedef struct
{
  const char           *path;
  lxw_workbook         *workbook;
  lxw_worksheet        *sheet;
  lxw_format           *header;
  lxw_format           *won;
  lxw_format           *datetime;
  lxw_format           *date;
  lxw_format           *text;
  lxw_format           *total_label;
  lxw_format           *total_count;
  lxw_format           *total_won;
  GTimeZone            *korea;
  char                 *today;
  lxw_row_t             row;        /* the next row to write */
  guint64               n_total;
  gint64                sum_price;
  gint64                sum_appr_price;
  double                widths[N_COLS];
  PmExportProgressFunc  progress;
  gpointer              progress_data;
  GCancellable         *cancellable;
} Xlsx;

static void
xlsx_width (Xlsx       *x,
            Column      column,
            double      width)
{
  x->widths[column] = MAX (x->widths[column], width);
}

static gboolean
xlsx_check (Xlsx       *x,
            lxw_error   rc,
            GError    **error)
{
  if (rc == LXW_NO_ERROR)
    return TRUE;
  /* errno tells only of file operations */
  switch (rc)
    {
    case LXW_ERROR_CREATING_XLSX_FILE:
    case LXW_ERROR_CREATING_TMPFILE:
    case LXW_ERROR_READING_TMPFILE:
    case LXW_ERROR_ZIP_FILE_OPERATION:
    case LXW_ERROR_ZIP_FILE_ADD:
    case LXW_ERROR_ZIP_CLOSE:
      return fail_lxw (error, x->path, rc, errno);
    default:
      return fail_lxw (error, x->path, rc, 0);
    }
}

static gboolean
xlsx_text (Xlsx        *x,
           Column       column,
           const char  *value,
           lxw_format  *format,
           GError     **error)
{
  g_autofree char *cut = NULL;

  if (value == NULL || *value == '\0')
    return TRUE;
  if (g_utf8_strlen (value, -1) > CELL_MAX_CHARS)
    value = cut = g_utf8_substring (value, 0, CELL_MAX_CHARS);
  xlsx_width (x, column, text_width (value));
  return xlsx_check (x, worksheet_write_string (x->sheet, x->row, column, value, format), error);
}

static gboolean
xlsx_won (Xlsx        *x,
          Column       column,
          gint64       won,
          gboolean     blank_if_zero,
          GError     **error)
{
  g_autofree char *digits = NULL;

  if (won == 0 && blank_if_zero)
    return TRUE;
  /* "1,234,567원": the digits, separators and a unit */
  digits = g_strdup_printf ("%" G_GINT64_FORMAT, won);
  xlsx_width (x, column, strlen (digits) * 4.0 / 3 + 3);
  return xlsx_check (x, worksheet_write_number (x->sheet, x->row, column, (double) won, x->won),
                     error);
}

static gboolean
xlsx_datetime (Xlsx        *x,
               Column       column,
               int          year,
               int          month,
               int          day,
               int          hour,
               int          minute,
               int          second,
               lxw_format  *format,
               GError     **error)
{
  lxw_datetime value = { year, month, day, hour, minute, second };

  return xlsx_check (x, worksheet_write_datetime (x->sheet, x->row, column, &value, format),
                     error);
}

static gboolean
xlsx_unix_time (Xlsx        *x,
                Column       column,
                gint64       unix_utc,
                GError     **error)
{
  g_autoptr(GDateTime) utc = NULL;
  g_autoptr(GDateTime) korea = NULL;

  if (unix_utc == 0 || (utc = g_date_time_new_from_unix_utc (unix_utc)) == NULL)
    return TRUE;
  korea = g_date_time_to_timezone (utc, x->korea);
  /* Excel's dates start in 1900 */
  if (g_date_time_get_year (korea) < 1900)
    return TRUE;
  return xlsx_datetime (x, column, g_date_time_get_year (korea), g_date_time_get_month (korea),
                        g_date_time_get_day_of_month (korea), g_date_time_get_hour (korea),
                        g_date_time_get_minute (korea), g_date_time_get_second (korea),
                        x->datetime, error);
}

/* Reads @count digits at @text as a number; -1 if they are not all digits. */
static int
digits_at (const char *text,
           guint       count)
{
  int value = 0;

  for (guint i = 0; i < count; i++)
    {
      if (!g_ascii_isdigit (text[i]))
        return -1;
      value = value * 10 + (text[i] - '0');
    }
  return value;
}

/* "YYYY-MM-DD" as a date, "YYYYMMDDHHMMSS" as a date-time; anything else as the text it is. */
static gboolean
xlsx_date_text (Xlsx        *x,
                Column       column,
                const char  *value,
                gboolean     with_time,
                GError     **error)
{
  int year, month, day, hour = 0, minute = 0, second = 0;
  gboolean valid;

  if (value == NULL || *value == '\0')
    return TRUE;
  if (with_time)
    {
      valid = strlen (value) == 14;
      year = valid ? digits_at (value, 4) : -1;
      month = valid ? digits_at (value + 4, 2) : -1;
      day = valid ? digits_at (value + 6, 2) : -1;
      hour = valid ? digits_at (value + 8, 2) : -1;
      minute = valid ? digits_at (value + 10, 2) : -1;
      second = valid ? digits_at (value + 12, 2) : -1;
    }
  else
    {
      valid = strlen (value) == 10 && value[4] == '-' && value[7] == '-';
      year = valid ? digits_at (value, 4) : -1;
      month = valid ? digits_at (value + 5, 2) : -1;
      day = valid ? digits_at (value + 8, 2) : -1;
    }
  valid = valid && year >= 1900 && g_date_valid_dmy (day, month, year) && hour >= 0
          && hour < 24 && minute >= 0 && minute < 60 && second >= 0 && second < 60;
  if (!valid)
    return xlsx_text (x, column, value, NULL, error);
  return xlsx_datetime (x, column, year, month, day, hour, minute, second,
                        with_time ? x->datetime : x->date, error);
}

static gboolean
xlsx_bill (Xlsx    *x,
           PmBill  *bill,
           GError **error)
{
  const char *expire = pm_bill_get_expire_date (bill);
  PmBillState state = pm_bill_get_state (bill);
  gboolean expired = state == PM_BILL_STATE_UNPAID && expire != NULL && *expire != '\0'
                     && strcmp (expire, x->today) < 0;
  g_autofree char *phone = NULL;

  if (pm_bill_get_phone (bill) != NULL && *pm_bill_get_phone (bill) != '\0')
    phone = pm_phone_format_display (pm_bill_get_phone (bill));

  x->sum_price += pm_bill_get_price (bill);
  x->sum_appr_price += pm_bill_get_appr_price (bill);

  return xlsx_unix_time (x, COL_CREATED_AT, pm_bill_get_created_at (bill), error)
         && xlsx_text (x, COL_PAYER_NAME, pm_bill_get_payer_name (bill), NULL, error)
         && xlsx_text (x, COL_PHONE, phone != NULL ? phone : pm_bill_get_phone (bill), x->text,
                       error)
         && xlsx_text (x, COL_PRODUCT, pm_bill_get_product (bill), NULL, error)
         && xlsx_won (x, COL_PRICE, pm_bill_get_price (bill), FALSE, error)
         && xlsx_text (x, COL_STATE, state_label (state, expired), NULL, error)
         && xlsx_date_text (x, COL_EXPIRE_DATE, expire, FALSE, error)
         && xlsx_won (x, COL_APPR_PRICE, pm_bill_get_appr_price (bill), TRUE, error)
         && xlsx_date_text (x, COL_APPR_DT, pm_bill_get_appr_dt (bill), TRUE, error)
         && xlsx_text (x, COL_APPR_NUM, pm_bill_get_appr_num (bill), x->text, error)
         && xlsx_text (x, COL_APPR_ISSUER, pm_bill_get_appr_issuer (bill), NULL, error)
         && xlsx_text (x, COL_APPR_CARD_TYPE, pm_bill_get_appr_card_type (bill), NULL, error)
         && xlsx_text (x, COL_APPR_MONTHLY, pm_bill_get_appr_monthly (bill), x->text, error)
         && xlsx_text (x, COL_APPR_PAY_TYPE, pm_bill_get_appr_pay_type (bill), NULL, error)
         && xlsx_text (x, COL_MESSAGE, pm_bill_get_message (bill), NULL, error)
         && xlsx_text (x, COL_NOTE, pm_bill_get_note (bill), NULL, error)
         && xlsx_text (x, COL_SHORT_URL, pm_bill_get_short_url (bill), NULL, error)
         && xlsx_text (x, COL_ERROR_TEXT, pm_bill_get_error_text (bill), NULL, error)
         && xlsx_text (x, COL_BILL_ID, pm_bill_get_bill_id (bill), x->text, error)
         && xlsx_unix_time (x, COL_UPDATED_AT, pm_bill_get_updated_at (bill), error);
}

static gboolean
xlsx_page_cb (GPtrArray  *bills,
              gpointer    user_data,
              GError    **error)
{
  Xlsx *x = user_data;

  for (guint i = 0; i < bills->len; i++)
    {
      if ((guint64) x->row > PM_EXPORT_XLSX_MAX_ROWS)
        return fail_too_many (error, (guint64) x->row);
      if (!xlsx_bill (x, g_ptr_array_index (bills, i), error))
        return FALSE;
      x->row++;
    }
  if (g_cancellable_is_cancelled (x->cancellable))
    return fail_cancelled (error);
  if (x->progress != NULL)
    x->progress ((guint64) x->row - 1, x->n_total, x->progress_data);
  return TRUE;
}

/* SUBTOTAL (109: sum, 103: count) of the rows of @of, in @column of the totals row: it
 * leaves out the rows the autofilter hides. Its value is written too, for readers that
 * do not calculate. */
static gboolean
xlsx_subtotal (Xlsx        *x,
               int          function,
               Column       of,
               Column       column,
               double       value,
               lxw_format  *format,
               GError     **error)
{
  char first[16], last[16];
  g_autofree char *formula = NULL;

  if (x->row == 1)
    return xlsx_check (x, worksheet_write_number (x->sheet, x->row, column, value, format),
                       error);
  lxw_rowcol_to_cell (first, 1, of);
  lxw_rowcol_to_cell (last, x->row - 1, of);
  formula = g_strdup_printf ("=SUBTOTAL(%d,%s:%s)", function, first, last);
  return xlsx_check (x, worksheet_write_formula_num (x->sheet, x->row, column, formula, format,
                                                     value), error);
}

/* "Total", the number of bills (under the payers: counted over the bill ids, which every
 * bill has), the sum of the amounts and of the approved amounts. */
static gboolean
xlsx_totals (Xlsx    *x,
             GError **error)
{
  double n_bills = (double) (x->row - 1);

  return xlsx_check (x, worksheet_write_string (x->sheet, x->row, COL_CREATED_AT,
                                                C_("export totals", "Total"), x->total_label),
                     error)
         && xlsx_subtotal (x, 103, COL_BILL_ID, COL_PAYER_NAME, n_bills, x->total_count, error)
         && xlsx_subtotal (x, 109, COL_PRICE, COL_PRICE, (double) x->sum_price, x->total_won,
                           error)
         && xlsx_subtotal (x, 109, COL_APPR_PRICE, COL_APPR_PRICE, (double) x->sum_appr_price,
                           x->total_won, error);
}

static lxw_format *
xlsx_format (lxw_workbook *workbook,
             gboolean      bold,
             const char   *number_format)
{
  lxw_format *format = workbook_add_format (workbook);

  if (bold)
    format_set_bold (format);
  if (number_format != NULL)
    format_set_num_format (format, number_format);
  return format;
}

static gboolean
xlsx_write (Xlsx                 *x,
            PmLedger             *ledger,
            const PmLedgerQuery  *query,
            const char           *tmp_path,
            GError              **error)
{
  /* no ZIP64: a million rows make a sheet of about a gigabyte before compression, within
   * plain zip's 4 GB (beyond it, closing fails with a message), and older Excel versions
   * refuse ZIP64 */
  lxw_workbook_options options = { .constant_memory = LXW_TRUE, .tmpdir = NULL,
                                   .use_zip64 = LXW_FALSE };
  /* Translators: Excel's number format of amounts of won in an exported spreadsheet.
   * Korean: #,##0"원" (digits, then 원; keep the quotes). */
  const char *won_format = C_("xlsx number format", "\"₩\"#,##0");
  /* Translators: Excel's number format of the number of bills in the totals row of an
   * exported spreadsheet. Korean: #,##0"건" (keep the quotes). */
  const char *count_format = C_("xlsx number format", "#,##0\" bills\"");
  lxw_error rc;

  x->workbook = workbook_new_opt (tmp_path, &options);
  if (x->workbook == NULL)
    return fail_path (error, x->path, lxw_strerror (LXW_ERROR_MEMORY_MALLOC_FAILED));
  /* Translators: the name of the sheet of an exported spreadsheet (at most 31 characters,
   * none of []:*?/\) */
  x->sheet = workbook_add_worksheet (x->workbook, C_("xlsx sheet name", "Payments"));
  if (x->sheet == NULL)
    return fail_lxw (error, x->path, LXW_ERROR_CREATING_TMPFILE, errno);

  x->header = xlsx_format (x->workbook, TRUE, NULL);
  format_set_bottom (x->header, LXW_BORDER_THIN);
  x->won = xlsx_format (x->workbook, FALSE, won_format);
  x->datetime = xlsx_format (x->workbook, FALSE, "yyyy-mm-dd hh:mm:ss");
  x->date = xlsx_format (x->workbook, FALSE, "yyyy-mm-dd");
  x->text = xlsx_format (x->workbook, FALSE, "@");
  x->total_label = xlsx_format (x->workbook, TRUE, NULL);
  format_set_top (x->total_label, LXW_BORDER_THIN);
  x->total_count = xlsx_format (x->workbook, TRUE, count_format);
  format_set_top (x->total_count, LXW_BORDER_THIN);
  x->total_won = xlsx_format (x->workbook, TRUE, won_format);
  format_set_top (x->total_won, LXW_BORDER_THIN);

  for (int c = 0; c < N_COLS; c++)
    {
      const char *title = column_title (c);

      /* room for the autofilter's button */
      xlsx_width (x, c, text_width (title) + 3);
      if (!xlsx_check (x, worksheet_write_string (x->sheet, 0, c, title, x->header), error))
        return FALSE;
    }
  worksheet_freeze_panes (x->sheet, 1, 0);
  /* constant-memory mode takes the autofilter only before the rows; the count was read
   * in the same snapshot as the rows */
  if (!xlsx_check (x, worksheet_autofilter (x->sheet, 0, 0, MAX (x->n_total, 1), N_COLS - 1),
                   error))
    return FALSE;
  x->row = 1;

  if (!pm_ledger_foreach_page (ledger, query, PAGE_SIZE, xlsx_page_cb, x, x->cancellable,
                               error))
    return FALSE;
  if (!xlsx_totals (x, error))
    return FALSE;

  for (int c = 0; c < N_COLS; c++)
    {
      double width = CLAMP (x->widths[c] + 1, columns[c].min_width, columns[c].max_width);

      if (!xlsx_check (x, worksheet_set_column (x->sheet, c, c, width, NULL), error))
        return FALSE;
    }
  workbook_set_properties (x->workbook, &(lxw_doc_properties) {
                             .title = (char *) C_("xlsx sheet name", "Payments"),
                             .author = (char *) "Paymint Desk",
                           });

  if (g_cancellable_is_cancelled (x->cancellable))
    return fail_cancelled (error);
  errno = 0;
  rc = workbook_close (x->workbook);
  x->workbook = NULL;
  if (rc != LXW_NO_ERROR)
    return fail_lxw (error, x->path, rc, errno);
  return TRUE;
}

/* A new empty file next to @path (so the rename stays on one file system), named after
 * it; the name is set in @tmp_path. */
static gboolean
make_temp_file (const char  *path,
                char       **tmp_path,
                GError     **error)
{
  g_autofree char *dir = g_path_get_dirname (path);
  g_autofree char *base = g_path_get_basename (path);
  g_autofree char *name = g_strdup_printf (".%s.XXXXXX", base);
  g_autofree char *template = g_build_filename (dir, name, NULL);
  int fd;

  /* 0666 less the umask, as any new file */
  fd = g_mkstemp_full (template, O_RDWR, 0666);
  if (fd < 0)
    {
      int saved_errno = errno;

      return fail_path (error, path, g_strerror (saved_errno));
    }
  close (fd);
  *tmp_path = g_steal_pointer (&template);
  return TRUE;
}

static gboolean
export_xlsx (PmLedger              *ledger,
             const PmLedgerQuery   *query,
             const char            *path,
             guint64                n_total,
             PmExportProgressFunc   progress,
             gpointer               progress_data,
             guint64               *n_written,
             GCancellable          *cancellable,
             GError               **error)
{
  g_autofree char *tmp_path = NULL;
  Xlsx x = { 0 };
  gboolean ok;

  if (!make_temp_file (path, &tmp_path, error))
    return FALSE;

  x.path = path;
  x.korea = pm_bill_korea_time_zone ();
  x.today = query->today != NULL && *query->today != '\0'
              ? g_strdup (query->today)
              : pm_bill_korea_date (g_get_real_time () / G_USEC_PER_SEC);
  x.n_total = n_total;
  x.progress = progress;
  x.progress_data = progress_data;
  x.cancellable = cancellable;

  ok = xlsx_write (&x, ledger, query, tmp_path, error);
  if (x.workbook != NULL)
    lxw_workbook_free (x.workbook);
  if (ok && g_rename (tmp_path, path) != 0)
    {
      int saved_errno = errno;

      ok = fail_path (error, path, g_strerror (saved_errno));
    }
  if (!ok)
    g_unlink (tmp_path);
  *n_written = (guint64) x.row - 1;

  g_time_zone_unref (x.korea);
  g_free (x.today);
  return ok;
}

/* ------------------------------------------------------------------------ */
/* Both                                                                     */
/* ------------------------------------------------------------------------ */

gboolean
pm_export_query_to_path (PmLedger              *ledger,
                         const PmLedgerQuery   *query,
                         const char            *path,
                         PmExportFormat         format,
                         PmExportProgressFunc   progress,
                         gpointer               progress_data,
                         guint64               *n_rows,
                         GCancellable          *cancellable,
                         GError               **error)
{
  g_autoptr(PmLedgerQuery) pinned = NULL;
  g_autoptr(GError) local_error = NULL;
  guint n_total = 0;
  guint64 n_written = 0;
  gboolean ok;

  g_return_val_if_fail (PM_IS_LEDGER (ledger), FALSE);
  g_return_val_if_fail (query != NULL, FALSE);
  g_return_val_if_fail (path != NULL && *path != '\0', FALSE);

  if (g_cancellable_is_cancelled (cancellable))
    return fail_cancelled (error);

  /* "expired" means one day throughout, even across midnight */
  pinned = pm_ledger_query_copy (query);
  if (pinned->today == NULL || *pinned->today == '\0')
    {
      g_autofree char *today = pm_bill_korea_date (g_get_real_time () / G_USEC_PER_SEC);

      pm_ledger_query_set_today (pinned, today);
    }

  if (!pm_ledger_begin_snapshot (ledger, error))
    return FALSE;
  ok = pm_ledger_count (ledger, pinned, &n_total, error);
  if (ok && format == PM_EXPORT_FORMAT_XLSX && n_total > PM_EXPORT_XLSX_MAX_ROWS)
    ok = fail_too_many (error, n_total);
  if (ok && progress != NULL)
    progress (0, n_total, progress_data);
  if (ok && format == PM_EXPORT_FORMAT_XLSX)
    {
      ok = export_xlsx (ledger, pinned, path, n_total, progress, progress_data, &n_written,
                        cancellable, &local_error);
    }
  else if (ok)
    {
      ok = pm_ledger_export_csv_to_path (ledger, pinned, path, &n_written, cancellable,
                                         &local_error);
    }
  pm_ledger_end_snapshot (ledger);

  if (local_error != NULL)
    {
      /* the CSV writer tells of a cancel as a file that could not be written */
      if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_CANCELLED)
          || g_cancellable_is_cancelled (cancellable))
        return fail_cancelled (error);
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  if (!ok)
    return FALSE;
  if (progress != NULL)
    progress (n_written, n_written, progress_data);
  if (n_rows != NULL)
    *n_rows = n_written;
  return TRUE;
}
