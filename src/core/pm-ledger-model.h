/* pm-ledger-model.h — a lazy GListModel of PmBill over a ledger query
 *
 * Copyright 2026 The Paymint Desk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "pm-ledger.h"
#include "pm-ledger-query.h"

G_BEGIN_DECLS

/* Rows are read in pages of this many bills; at most PM_LEDGER_MODEL_MAX_PAGES pages
 * are kept (least recently used go first), so the model itself never holds more than
 * PAGE_SIZE × MAX_PAGES bills, whatever the size of the ledger. */
#define PM_LEDGER_MODEL_PAGE_SIZE 200
#define PM_LEDGER_MODEL_MAX_PAGES 8

#define PM_TYPE_LEDGER_MODEL (pm_ledger_model_get_type ())
G_DECLARE_FINAL_TYPE (PmLedgerModel, pm_ledger_model, PM, LEDGER_MODEL, GObject)

/* A GListModel of PmBill: the bills @query selects, in its order. n_items is counted
 * in SQL (and kept); rows are fetched on demand.
 *
 * The same PmBill object stands for a bill as long as anyone holds it (the cache or
 * a caller): "bill-changed" from the ledger updates that object's properties in place
 * (each changed property notifies) and emits no items-changed.
 *
 * Rows appearing, leaving or moving ("bill-added", "bill-removed", or a change of
 * state under a state filter or a state / last-checked sort) are applied at the next
 * idle: one such change at an exactly known position gives a precise items-changed;
 * when the old position is unknown (the row was not cached) or several changes
 * arrived together, the model recounts and emits one items-changed (0, old, new). */
PmLedgerModel       *pm_ledger_model_new          (PmLedger            *ledger,
                                                   const PmLedgerQuery *query);
PmLedger            *pm_ledger_model_get_ledger   (PmLedgerModel       *self);
const PmLedgerQuery *pm_ledger_model_get_query    (PmLedgerModel       *self);
/* New filter, search or sort: recounts and emits items-changed for the whole range. */
void                 pm_ledger_model_set_query    (PmLedgerModel       *self,
                                                   const PmLedgerQuery *query);
/* Recounts and re-reads now (e.g. after the day changed, for "expired"). */
void                 pm_ledger_model_refresh      (PmLedgerModel       *self);
/* The last storage error met while counting or reading rows, or NULL. */
const GError        *pm_ledger_model_get_error    (PmLedgerModel       *self);

/* A model that does not count on the calling thread: it reads its first page and starts
 * with those rows (all of them when there are fewer than a page: then it is counted).
 * Its full size comes with pm_ledger_model_totals_finish(): the count and the totals are
 * one evaluation, made off the main thread. Until then n_items is the first page's. */
PmLedgerModel       *pm_ledger_model_new_deferred (PmLedger            *ledger,
                                                   const PmLedgerQuery *query);
/* Whether n_items is the size of the query's result (not only its first page). */
gboolean             pm_ledger_model_get_counted  (PmLedgerModel       *self);

/* The totals of the model's query (pm_ledger_totals), computed in a worker thread on a
 * connection of its own, so the main thread paints meanwhile. A cancelled call stops the
 * SQL where it is. On success, a model not yet counted takes totals->all.count as its
 * size (items-changed for the rows past its first page): the rows and the totals then
 * come from the same evaluation. A model already counted is left as it is; if its size
 * differs from totals->all.count, another connection wrote between the two reads and the
 * caller should read the rows again. */
void                 pm_ledger_model_totals_async  (PmLedgerModel       *self,
                                                    GCancellable        *cancellable,
                                                    GAsyncReadyCallback  callback,
                                                    gpointer             user_data);
gboolean             pm_ledger_model_totals_finish (PmLedgerModel       *self,
                                                    GAsyncResult        *result,
                                                    PmLedgerTotals      *totals,
                                                    GError             **error);

/* Test hook: every count of pm_ledger_model_totals_async() takes at least @ms longer, as
 * on a large ledger (0: as it is). */
void                 pm_ledger_model_set_totals_delay_for_testing (guint ms);

G_END_DECLS
