/* pm-export-dialog.h — "Export…": what the list shows, to an Excel or CSV file
 *
 * Copyright 2026 The Paymint Desk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gtk/gtk.h>

#include "pm-export.h"
#include "pm-service.h"

G_BEGIN_DECLS

/* Asks where to save (a GtkFileChooserNative: "결제내역-2026-11-10.xlsx" in a Korean UI,
 * "payments-2026-11-10.xlsx" otherwise; filters for Excel and CSV, the format from the
 * name's extension, else from the chosen filter), then exports the bills @query selects
 * (a copy is taken; the service scopes it to its profile) with
 * pm_export_dialog_export_to (). */
void   pm_export_dialog_present      (GtkWindow            *parent,
                                      PmService            *service,
                                      const PmLedgerQuery  *query);

/* What happens once the file is chosen: the export runs in the background with a toast on
 * @parent ("Exporting 1,200 of 5,000 bills…" with Cancel), then "Exported N bills to
 * FILE" with Open (the file in its default application); a failure is a dialog saying
 * why. The toast goes to the PmWindow's overlay, or the first AdwToastOverlay in @parent. */
void   pm_export_dialog_export_to    (GtkWindow            *parent,
                                      PmService            *service,
                                      const PmLedgerQuery  *query,
                                      GFile                *file,
                                      PmExportFormat        format);

/* The suggested file name for @format on the Korea-time day of @now_utc. */
char  *pm_export_dialog_default_name (PmExportFormat        format,
                                      gint64                now_utc);

G_END_DECLS
