/* pm-csv.h — CSV (and spreadsheet) import for bulk send
 *
 * Copyright 2026 The Paymint Desk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Reads a spreadsheet export (UTF-8, UTF-8 with BOM, CP949/EUC-KR as Korean Excel
 * writes "CSV", UTF-16 with BOM as Excel writes "Unicode text"), maps its columns to
 * the fields of a bill by header name (Korean or English) or by the caller's explicit
 * mapping, and turns every data row into either a PmBill draft (kind REQUEST, validated
 * with the same rules as the form) or a list of errors, one per bad field.
 *
 * Rows are numbered as a spreadsheet shows the file: one row per record, blank ones
 * included, the header usually row 1; a quoted cell holding line breaks is still one row
 * (PmCsvRow.number). PmCsvRow.line is the physical line where the record starts.
 * Messages about a cell read "row R, column C: what is wrong", C the column's header, or
 * its letter (A, B, …, AA) when the header is empty or is itself the problem.
 *
 * What the reader refuses, cell by cell (the row is then invalid, the rest of the file
 * still reads): a quote mark inside a cell that does not start with one (김"영희), text
 * after the closing quote of a quoted cell ("김"영희) other than spaces; any control
 * character (C0 including tab, DEL, C1) and any bidirectional embedding, override or
 * isolate (U+202A–U+202E, U+2066–U+2069). The one exception is a line break inside a
 * quoted cell of the message or note column or of a column that is not used, which
 * spreadsheets write for a cell of several lines. Spaces, tabs and line breaks at either
 * end of a cell are trimmed first. In the header row the same problems, or two columns
 * whose names are equal once normalised (case, spaces, "_-.", remarks in brackets),
 * fail the whole file; so do two columns whose names both mean one field (전화번호 and
 * 휴대폰: the caller must choose one in PmCsvOptions.columns) and a mapping that puts
 * two fields on one column. A file with NUL bytes, or made mostly of control characters,
 * or not decodable, is "not a text file".
 *
 * Spreadsheets: pm_csv_import_path() reads the first worksheet of an .xlsx (pm-xlsx.h)
 * and pm_csv_import_table() any table of cells, through the same header mapping, row
 * checks, duplicates, row keys and content hash; the cells' own checks (control and
 * bidirectional characters, line breaks) apply, the quoting ones cannot arise.
 *
 * Identical rows: two valid rows are the same bill when they bill the same payer (name
 * and mobile number) the same amount for the same product, compared as they would be
 * sent (phone digits, amount in won, name and product trimmed, NFC). The message, the
 * last day to pay and the note do not make another bill. pm_csv_import_get_duplicates()
 * lists the groups; the file is still read (whether to send them is the caller's call).
 *
 * Content hash: pm_csv_import_get_content_hash(), lowercase hex SHA-256 over
 * "pmcsv-content1" and, for each distinct bill identity of the valid rows in byte order,
 * RS (0x1e) phone US amount US name US product US count — the bills the file makes,
 * whatever its name, encoding, BOM, delimiter, quoting, spelling of numbers and phones,
 * or row order.
 *
 * Resumable bulk send — the fingerprint scheme:
 *
 *   row key  = lowercase hex of the first 16 bytes of
 *              SHA-256 ("pmcsv1" US phone US amount US payer US product US expiry US ordinal)
 *              where US is the byte 0x1f, phone the normalised digits, amount the
 *              decimal number of won, payer/product the trimmed NFC text of the cells,
 *              expiry the normalised "YYYY-MM-DD", and ordinal (1, 2, …) the position
 *              of this row among the valid rows of the file with the same five values,
 *              so identical rows stay distinct. A product or expiry that came from the
 *              caller's default (no column, or an empty cell) enters the key as the
 *              empty string: running the same file again with another default (say a
 *              later --expire) still maps every row to the same key, so rows already
 *              sent are skipped rather than charged twice. The message and note are not
 *              part of the key. Only valid rows have a key.
 *
 *   bill id  = pm_csv_derive_bill_id (seed, key): HMAC-SHA-256 keyed with @seed over
 *              "pmcsv1-bill" US key US counter, its bytes below 252 taken modulo 36 into
 *              [A-Z0-9] until 20 characters are had (about 103 bits). The same seed and
 *              the same row always give the same bill_id, so even without the ledger the
 *              server's 9800 makes a second bill for that row impossible.
 *
 *   Choosing the seed is the caller's job: it names the billing run, not the file's
 *   bytes (fixing one bad row must not change the other rows' bill ids), e.g. the
 *   profile uuid plus a batch name the user gives ("2026-11 tuition"). Next month's
 *   run with the same rows must use another seed.
 */

#pragma once

#include <gio/gio.h>

#include "pm-bill.h"

G_BEGIN_DECLS

#define PM_CSV_MAX_BYTES ((gsize) 50 * 1024 * 1024) /* 50 MB */
#define PM_CSV_MAX_ROWS  100000u                   /* data rows, header not counted */
#define PM_CSV_ROW_KEY_LENGTH 32                   /* hex characters */

typedef enum
{
  PM_CSV_FIELD_NONE = -1,  /* an error about the whole row (wrong number of columns) */
  PM_CSV_FIELD_PAYER = 0,  /* member_nm */
  PM_CSV_FIELD_PHONE,      /* phone */
  PM_CSV_FIELD_AMOUNT,     /* price */
  PM_CSV_FIELD_PRODUCT,    /* product_nm */
  PM_CSV_FIELD_MESSAGE,    /* message */
  PM_CSV_FIELD_EXPIRY,     /* expire_dt */
  PM_CSV_FIELD_NOTE,       /* local note, optional */
  PM_CSV_FIELD_BILL_ID,    /* bill_id, optional (resuming) */
  PM_CSV_N_FIELDS
} PmCsvField;

/* "payer", "phone", "amount", "product", "message", "expiry", "note", "bill_id". */
const char  *pm_csv_field_to_string   (PmCsvField   field);
gboolean     pm_csv_field_from_string (const char  *str,
                                       PmCsvField  *field);
/* The field's name for people, translated ("phone" → "phone" / "전화번호"). */
const char  *pm_csv_field_get_label   (PmCsvField   field);

typedef struct
{
  /* NULL: detect (BOM, then UTF-8, then CP949, then EUC-KR). Otherwise an iconv name
   * ("UTF-8", "CP949", "EUC-KR", …); a BOM in the file still wins. */
  const char *encoding;
  /* 0: detect from the header line (comma, tab or semicolon; comma when unsure). */
  char        delimiter;
  /* Explicit mapping per field: a header name (matched like the automatic one) or a
   * 1-based column number ("3"). NULL: find the column by its header name. */
  const char *columns[PM_CSV_N_FIELDS];
  /* Used when the column is missing or its cell is empty. Without a default, the
   * product, message and expiry columns are required. */
  const char *default_product;
  const char *default_message;
  const char *default_expiry;   /* any form a cell accepts */
  /* The time expiry dates are checked against (unix seconds UTC); 0 = now. */
  gint64      now_utc;
  /* 0 = PM_CSV_MAX_BYTES / PM_CSV_MAX_ROWS. */
  gsize       max_bytes;
  guint       max_rows;
} PmCsvOptions;

typedef struct
{
  PmCsvField  field;    /* PM_CSV_FIELD_NONE for an error about the whole row or about a
                         * column that is not used */
  int         column;   /* 0-based column of the cell, or -1 (the whole row; a value taken
                         * from a default) */
  char       *message;  /* a sentence for people, translated */
} PmCsvRowError;

typedef struct
{
  guint       line;          /* physical line number where the record starts */
  guint       number;        /* the row number a spreadsheet shows (header: usually 1) */
  PmBill     *bill;          /* the draft, NULL when the row has errors */
  GPtrArray  *errors;        /* PmCsvRowError*, empty when valid; one per field at most */
  char       *key;           /* row key (see above), NULL when the row has errors */
  gboolean    legacy_phone;  /* valid but an old 01[16789] number */
} PmCsvRow;

#define PM_TYPE_CSV_IMPORT (pm_csv_import_get_type ())
G_DECLARE_FINAL_TYPE (PmCsvImport, pm_csv_import, PM, CSV_IMPORT, GObject)

/* File-level failures (unreadable, too big, not text, undecodable, no header, missing
 * required columns, bad explicit mapping) are PM_ERROR_INVALID with a specific message.
 * Bad rows are not failures: they are in the result. @options may be NULL. */
PmCsvImport *pm_csv_import_file        (const char          *path,
                                        const PmCsvOptions  *options,
                                        GError             **error);
PmCsvImport *pm_csv_import_bytes       (GBytes              *bytes,
                                        const PmCsvOptions  *options,
                                        GError             **error);

/* One row of a table already split into cells (a spreadsheet's sheet). */
typedef struct
{
  guint               number;   /* the row number the spreadsheet shows, 1-based */
  guint               n_cells;
  const char * const *cells;    /* n_cells texts; NULL is an empty cell */
} PmCsvTableRow;

typedef enum
{
  PM_CSV_FORMAT_CSV,    /* pm_csv_import_bytes / _file, or _path on a text file */
  PM_CSV_FORMAT_XLSX,   /* pm_csv_import_path on an .xlsx: its first worksheet */
  PM_CSV_FORMAT_TABLE,  /* pm_csv_import_table */
} PmCsvFormat;

/* The same header mapping, row checks, duplicates and content hash as a CSV file, over
 * @n_rows rows given as cells: the first row that is not blank is the header; blank rows
 * are skipped; a short row has empty cells after its last one; a column without a header
 * is named by its letter. Messages name cells spreadsheet-style: "row 7, column C (금액): …"
 * (pm_csv_import_dup_column_name() gives "C (금액)"); PmCsvRow.line is the row number
 * too. The content hash and row keys are those a CSV file with the same bills gives.
 * The cells are borrowed for the call only. */
PmCsvImport *pm_csv_import_table       (const PmCsvTableRow *rows,
                                        guint                n_rows,
                                        const PmCsvOptions  *options,
                                        GError             **error);
/* Reads @path by its content, not its name: a zip (.xlsx) → the first worksheet through
 * pm-xlsx.h, then as pm_csv_import_table(); an OLE compound file → PM_ERROR_INVALID
 * saying it is password-protected or an old .xls; anything else → as
 * pm_csv_import_bytes(). PmCsvOptions.encoding and .delimiter apply to CSV only;
 * .max_bytes caps the file's size and .max_rows the rows in both. */
PmCsvImport *pm_csv_import_path        (const char          *path,
                                        const PmCsvOptions  *options,
                                        GError             **error);

PmCsvFormat  pm_csv_import_get_format     (PmCsvImport *self);
/* The worksheet read (PM_CSV_FORMAT_XLSX), else NULL. */
const char  *pm_csv_import_get_sheet_name (PmCsvImport *self);

/* "UTF-8", "CP949", "EUC-KR", "UTF-16LE", … (what the text was decoded from; "UTF-8" for
 * a spreadsheet, whose XML is) */
const char  *pm_csv_import_get_encoding  (PmCsvImport *self);
gboolean     pm_csv_import_get_had_bom   (PmCsvImport *self);
char         pm_csv_import_get_delimiter (PmCsvImport *self);  /* 0 for a spreadsheet */
/* The header cells as read (NULL-terminated). */
const char * const *pm_csv_import_get_headers (PmCsvImport *self);
/* 0-based column used for @field, or -1 (none: default value or optional field). */
int          pm_csv_import_get_column    (PmCsvImport *self,
                                          PmCsvField   field);
/* PmCsvRow*, in file order; rows that are entirely empty are skipped. */
GPtrArray   *pm_csv_import_get_rows      (PmCsvImport *self);
guint        pm_csv_import_get_n_rows    (PmCsvImport *self);
guint        pm_csv_import_get_n_valid   (PmCsvImport *self);
guint        pm_csv_import_get_n_invalid (PmCsvImport *self);
gint64       pm_csv_import_get_total_won (PmCsvImport *self); /* sum over valid rows */

/* The header of 0-based @column, or its letter ("C") when the header is empty; for a
 * spreadsheet (XLSX, TABLE) its letter and header: "C (금액)", or "C". */
char        *pm_csv_import_dup_column_name (PmCsvImport *self,
                                            guint        column);
/* Groups (two rows or more) of valid rows that are the same bill (see above), in the order
 * of their first rows. (element-type GPtrArray (element-type PmCsvRow)) */
GPtrArray   *pm_csv_import_get_duplicates (PmCsvImport *self);
/* The content hash of the valid rows (see above): 64 hex characters. */
const char  *pm_csv_import_get_content_hash (PmCsvImport *self);

/* A report for people: a summary line, then one line per error of each bad row:
 * "row 12, column 전화번호: This number is too short…". */
char        *pm_csv_format_report        (PmCsvImport *import);
/* One line per group of identical rows: "rows 3 and 17 are the same bill: 김영희
 * 010-1234-5678, ₩120,000, 3월 수강료"; "" when there is none. */
char        *pm_csv_format_duplicates    (PmCsvImport *import);

/* The fingerprint and bill id scheme described at the top of this file. @product and
 * @expiry may be NULL (taken from a default). Returns PM_CSV_ROW_KEY_LENGTH hex chars. */
char        *pm_csv_row_key              (const char  *phone,
                                          gint64       amount,
                                          const char  *payer,
                                          const char  *product,
                                          const char  *expiry,
                                          guint        ordinal);
/* 20 characters [A-Z0-9]. */
char        *pm_csv_derive_bill_id       (const char  *seed,
                                          const char  *row_key);

/* Normalises the date forms a cell may hold — YYYY-MM-DD, YYYY.MM.DD, YYYY/MM/DD,
 * one-digit month and day, a trailing time as Excel writes it ("2026-11-30 00:00:00") —
 * to "YYYY-MM-DD"; NULL if @text is none of them (the date itself is not checked). */
char        *pm_csv_normalize_date       (const char  *text);

G_END_DECLS
