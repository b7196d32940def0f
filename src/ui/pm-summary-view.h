/* pm-summary-view.h — the Summary page: a period's totals, a chart, unpaid bills by age
 *
 * Copyright 2026 The Paymint Desk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "pm-service.h"
#include "pm-ledger-summary.h"

G_BEGIN_DECLS

#define PM_TYPE_SUMMARY_VIEW (pm_summary_view_get_type ())
G_DECLARE_FINAL_TYPE (PmSummaryView, pm_summary_view, PM, SUMMARY_VIEW, GtkWidget)

/* Signals:
 *   "show-bills" (guint states, gint64 created_from, gint64 created_to)
 *       an unpaid-by-age row was activated: show the bills a PmLedgerQuery selects with
 *       states = @states (PM_SUMMARY_UNPAID_STATES: every unpaid bill, expired or not)
 *       and created-at in [@created_from, @created_to) (unix UTC, Korea midnights).
 *   "updated" ()  new figures are shown (after a period change, a ledger change, a
 *       profile change).
 *
 * Properties: "preset" (string: "this-month", "last-month", "this-year", or "" for a
 * period chosen with the arrows); "loading" (boolean, read-only). */

GtkWidget             *pm_summary_view_new          (PmService      *service);
/* Reads the figures again (the ledger or the profile changed). */
void                   pm_summary_view_reload       (PmSummaryView  *self);
void                   pm_summary_view_set_period   (PmSummaryView  *self,
                                                     PmSummarySpan   span,
                                                     int             year,
                                                     int             month);
void                   pm_summary_view_get_period   (PmSummaryView  *self,
                                                     PmSummarySpan  *span,
                                                     int            *year,
                                                     int            *month);
/* The figures shown; NULL before the first answer. */
const PmLedgerSummary *pm_summary_view_get_summary  (PmSummaryView  *self);
gboolean               pm_summary_view_get_loading  (PmSummaryView  *self);

G_END_DECLS
