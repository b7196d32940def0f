/* pm-export.h — what a list shows, to a CSV or an Excel (.xlsx) file
 *
 * Copyright 2026 The Paymint Desk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * CSV: pm_ledger_export_csv's format (UTF-8 with a BOM, stable column ids, plain
 * integers), for other programs.
 *
 * XLSX (libxlsxwriter, constant-memory mode: rows are streamed a page at a time): one
 * sheet for people. The header row holds the column titles in the UI language (gettext),
 * bold, frozen, with the autofilter; amounts are numbers in a won format (the translation
 * decides: "₩"#,##0 in English, #,##0"원" in Korean); times are Excel date-times in Korea
 * time, the last day to pay an Excel date; phone numbers are text ("010-1234-5678");
 * states are the labels the list shows ("Expired" for an unpaid bill past its last day).
 * After the rows, a bold totals row: the number of bills and the sums of the amounts and
 * of the approved amounts, as SUBTOTAL formulas (which follow the autofilter) with their
 * values written beside them. More than PM_EXPORT_XLSX_MAX_ROWS bills (Excel's limit of
 * 1,048,576 rows, less the header and the totals) are refused before anything is written:
 * CSV has no such limit.
 *
 * Both are written to a temporary file next to the target and renamed into place at the
 * end: a failure or a cancel leaves the target as it was and no file behind.
 */

#pragma once

#include <gio/gio.h>

#include "pm-ledger.h"

G_BEGIN_DECLS

typedef enum
{
  PM_EXPORT_FORMAT_CSV,
  PM_EXPORT_FORMAT_XLSX,
} PmExportFormat;

/* 1,048,576 rows less the header and the totals row. */
#define PM_EXPORT_XLSX_MAX_ROWS G_GUINT64_CONSTANT (1048574)

/* XLSX for a name ending in ".xlsx" (any case), CSV for any other. */
PmExportFormat  pm_export_format_for_path    (const char      *path);
/* "csv", "xlsx" (any case); FALSE for anything else. */
gboolean        pm_export_format_from_string (const char      *name,
                                              PmExportFormat  *format);
const char     *pm_export_format_to_string   (PmExportFormat   format);   /* "csv", "xlsx" */
const char     *pm_export_format_extension   (PmExportFormat   format);   /* ".csv", ".xlsx" */

/* Progress: @n_done of @n_total bills written. Called from the thread that exports. */
typedef void (*PmExportProgressFunc) (guint64   n_done,
                                      guint64   n_total,
                                      gpointer  user_data);

/* Writes every bill @query selects (its filter, search, sort and window) from @ledger to
 * @path in @format. @n_rows (optional) gets the number of bills written. Errors:
 * PM_ERROR_STORAGE naming @path (cannot be written: permission, a full disk, a missing
 * folder) or the ledger's failure; PM_ERROR_INVALID for too many rows for XLSX;
 * PM_ERROR_CANCELLED. Run it on the thread that owns @ledger. */
gboolean        pm_export_query_to_path      (PmLedger              *ledger,
                                              const PmLedgerQuery   *query,
                                              const char            *path,
                                              PmExportFormat         format,
                                              PmExportProgressFunc   progress,
                                              gpointer               progress_data,
                                              guint64               *n_rows,
                                              GCancellable          *cancellable,
                                              GError               **error);

/* ---- Ledger reads for exports (pm-ledger-export.c; they belong in pm-ledger.h) ---- */

/* A second connection to @ledger's database for another thread: read-only for a file
 * at this build's schema version (else it is opened the ordinary way, which migrates it
 * or says why not); for a shop ledger, another connection to its server. Only reading
 * @ledger's address, it may be called from any thread while @ledger lives. */
PmLedger       *pm_ledger_open_reader        (PmLedger              *ledger,
                                              GError               **error);

/* A snapshot: every read between these sees the ledger as it was at the first one, so
 * the pages of a long export neither miss nor repeat a bill that changes meanwhile. */
gboolean        pm_ledger_begin_snapshot     (PmLedger              *self,
                                              GError               **error);
void            pm_ledger_end_snapshot       (PmLedger              *self);

/* Every bill @query selects, in its order, @page_size at a time (at most that many bills
 * in memory): @func gets each page (element-type PmBill) and returns FALSE (with @error
 * set) to stop. Sorted by creation time (the list's default) it reads each page from
 * where the last ended; other sorts skip the rows before each page. */
typedef gboolean (*PmLedgerPageFunc) (GPtrArray  *bills,
                                      gpointer    user_data,
                                      GError    **error);

gboolean        pm_ledger_foreach_page       (PmLedger              *self,
                                              const PmLedgerQuery   *query,
                                              guint                  page_size,
                                              PmLedgerPageFunc       func,
                                              gpointer               user_data,
                                              GCancellable          *cancellable,
                                              GError               **error);

G_END_DECLS
