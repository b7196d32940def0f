/* pm-service-summary.h — a period at a glance, read off the main thread
 *
 * Copyright 2026 The Paymint Desk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "pm-ledger-summary.h"
#include "pm-service.h"

G_BEGIN_DECLS

/* The summary (pm_ledger_summarize) of the active profile (none: nothing, as the list
 * shows) for a month or a year of Korea time, reckoned now. It runs in a worker thread
 * on a second, read-only use connection to the same ledger file (one, kept for the
 * service's life and used by one thread at a time), so the window never waits for it;
 * WAL lets it read while the service writes. A ledger in memory (no file a second
 * connection could open) is read on the calling thread instead.
 *
 * The figures go out of date when the ledger changes: PmService::ledger-changed for other
 * processes, the ledger's bill-added / bill-changed / bill-removed for this one. Ask again
 * then. */
void             pm_service_summarize_async  (PmService            *self,
                                              PmSummarySpan         span,
                                              int                   year,
                                              int                   month,
                                              GCancellable         *cancellable,
                                              GAsyncReadyCallback   callback,
                                              gpointer              user_data);
PmLedgerSummary *pm_service_summarize_finish (PmService            *self,
                                              GAsyncResult         *result,
                                              GError              **error);

G_END_DECLS
