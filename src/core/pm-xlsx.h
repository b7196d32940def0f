/* pm-xlsx.h — the first worksheet of an Excel workbook (.xlsx) as a table of text
 *
 * Copyright 2026 The Paymint Desk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Reads the zip with libarchive and the XML parts with GMarkup: xl/workbook.xml and
 * xl/_rels/workbook.xml.rels name the first sheet's part, xl/sharedStrings.xml holds the
 * shared text (rich-text runs joined, phonetic runs left out), xl/styles.xml says which
 * cells are dates. Every cell becomes text, as a clerk sees it:
 *
 *   text (shared, inline, a formula's text result)  as written; _xHHHH_ escapes decoded
 *   a whole number                                  its digits, no ".0" or exponent:
 *                                                   1012345678, 120000
 *   another number                                  up to 15 significant digits: 0.5
 *   a date (a built-in date format 14–22 or a Korean one, or a custom format with y, m
 *   or d outside quotes and brackets)               "YYYY-MM-DD" (the time of day dropped;
 *                                                   1900 system with Excel's phantom
 *                                                   1900-02-29, or the 1904 system)
 *   TRUE / FALSE                                    "TRUE" / "FALSE"
 *   a formula                                       its saved result (<v>)
 *
 * Only rows holding at least one value are kept, with the row number Excel shows; a row's
 * cells run from column A to its last value, the empty ones NULL.
 *
 * Refused, as PM_ERROR_INVALID naming the file (and the cell, "B7", where there is one):
 * a damaged zip or not a workbook; a password-protected workbook (an OLE compound file
 * holding EncryptionInfo); an old .xls (an OLE compound file without it); no worksheet;
 * merged cells on the rows that hold the data (the range named); a formula without a
 * saved result; an error value (#DIV/0!); a value beyond PM_XLSX_MAX_COLUMNS; a part
 * larger than PM_XLSX_MAX_PART_BYTES once unpacked or more than that much cell text in
 * all (a zip bomb); more than @max_rows rows after the first (the header); XML that
 * does not parse.
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define PM_XLSX_MAX_PART_BYTES ((gsize) 64 * 1024 * 1024)  /* each part, unpacked */
#define PM_XLSX_MAX_TEXT_BYTES ((gsize) 64 * 1024 * 1024)  /* all cell text read */
#define PM_XLSX_MAX_COLUMNS    128u                        /* A … DX */
#define PM_XLSX_MAX_CELL_CHARS 32767                       /* Excel's own limit */

typedef struct
{
  guint         number;   /* the row number Excel shows, 1-based */
  guint         n_cells;  /* column A up to the row's last value */
  const char  **cells;    /* n_cells texts, NULL for an empty cell; owned by the sheet */
} PmXlsxRow;

typedef struct _PmXlsxSheet PmXlsxSheet;

/* TRUE when @data starts like a zip file ("PK\3\4", "PK\5\6") or an OLE compound file
 * (an .xls, or an .xlsx with a password): pm_xlsx_read() has something to say about it. */
gboolean         pm_xlsx_is_workbook       (const guint8  *data,
                                            gsize          len);

/* Reads the first worksheet of @bytes. @display_name names the file in messages.
 * @max_rows: rows with values allowed after the first one (0: no limit). */
PmXlsxSheet     *pm_xlsx_read              (GBytes        *bytes,
                                            const char    *display_name,
                                            guint          max_rows,
                                            GError       **error);
void             pm_xlsx_sheet_free        (PmXlsxSheet   *sheet);

const char      *pm_xlsx_sheet_get_name    (PmXlsxSheet   *sheet);
gboolean         pm_xlsx_sheet_get_date1904 (PmXlsxSheet  *sheet);
guint            pm_xlsx_sheet_get_n_rows  (PmXlsxSheet   *sheet);
const PmXlsxRow *pm_xlsx_sheet_get_row     (PmXlsxSheet   *sheet,
                                            guint          index);

/* "A", "B", …, "Z", "AA" for the 0-based @column; "B7" for a cell. */
char            *pm_xlsx_column_letter     (guint          column);
char            *pm_xlsx_cell_name         (guint          column,
                                            guint          row);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PmXlsxSheet, pm_xlsx_sheet_free)

G_END_DECLS
