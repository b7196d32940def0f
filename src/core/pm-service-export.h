/* pm-service-export.h — exporting what the list shows, off the main thread
 *
 * Copyright 2026 The Paymint Desk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The export runs in a GTask thread on a connection of its own to the ledger file
 * (read-only, in one snapshot), so the window stays responsive and sending goes on while
 * a million bills are written. See pm-export.h for the formats.
 */

#pragma once

#include <gio/gio.h>

#include "pm-export.h"
#include "pm-service.h"

G_BEGIN_DECLS

/* Writes the bills @query selects, within the active profile (pm_service_scope_query),
 * to @path in @format. @query is copied at the call.
 *
 * @progress (optional) is called on the thread-default main context of the call, with
 * the bills written so far and the total, now and then while it runs and never after
 * @callback; @progress_destroy frees @progress_data when the export is over.
 *
 * Errors: see pm_export_query_to_path (); PM_ERROR_CANCELLED when @cancellable was
 * cancelled (the target is then left as it was). */
void     pm_service_export_async   (PmService             *self,
                                    const PmLedgerQuery   *query,
                                    const char            *path,
                                    PmExportFormat         format,
                                    GCancellable          *cancellable,
                                    PmExportProgressFunc   progress,
                                    gpointer               progress_data,
                                    GDestroyNotify         progress_destroy,
                                    GAsyncReadyCallback    callback,
                                    gpointer               user_data);
/* The number of bills written, or -1 with @error set. */
gint64   pm_service_export_finish  (PmService             *self,
                                    GAsyncResult          *result,
                                    GError               **error);

G_END_DECLS
