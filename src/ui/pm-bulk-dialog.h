/* pm-bulk-dialog.h — "Send from a Spreadsheet…": bulk send in the window
 *
 * Copyright 2026 The Paymint Desk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A front on PmBulk (src/core/pm-bulk.h), as paymint-cli bulk-send is: choose a file
 * (CSV or .xlsx), map its columns, check every row in a preview, confirm the count and
 * the total, watch the run, read every row's outcome. Nothing is sent before the clerk
 * confirms a clean preview (rows with problems skipped, identical rows allowed, both
 * explicitly).
 */

#pragma once

#include <adwaita.h>

#include "pm-bulk.h"
#include "pm-service.h"

G_BEGIN_DECLS

#define PM_TYPE_BULK_DIALOG (pm_bulk_dialog_get_type ())
G_DECLARE_FINAL_TYPE (PmBulkDialog, pm_bulk_dialog, PM, BULK_DIALOG, AdwWindow)

/* Opens the window, modal to @parent, on its first page (choose a file). */
void          pm_bulk_dialog_present             (GtkWindow    *parent,
                                                  PmService    *service);
/* The same with @path already chosen: reads it and shows the columns page. */
PmBulkDialog *pm_bulk_dialog_present_for_file    (GtkWindow    *parent,
                                                  PmService    *service,
                                                  const char   *path);

/* What the window shows: "choose", "map", "preview", "sending" or "result". */
const char   *pm_bulk_dialog_get_step            (PmBulkDialog *self);
/* The file as read now (NULL before or when reading failed); for tests. */
PmBulk       *pm_bulk_dialog_get_bulk            (PmBulkDialog *self);
/* The column chooser of @field on the columns page; for tests. */
GtkDropDown  *pm_bulk_dialog_get_column_dropdown (PmBulkDialog *self,
                                                  PmCsvField    field);
/* TRUE while a file is being read, its columns learnt or it is checked against the
 * ledger. */
gboolean      pm_bulk_dialog_get_busy            (PmBulkDialog *self);

G_END_DECLS
