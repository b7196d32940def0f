/* pm-payments-view.h — every bill with its live status, searchable, with a detail pane
 *
 * Copyright 2026 The Paymint Desk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "pm-service.h"

G_BEGIN_DECLS

#define PM_TYPE_PAYMENTS_VIEW (pm_payments_view_get_type ())
G_DECLARE_FINAL_TYPE (PmPaymentsView, pm_payments_view, PM, PAYMENTS_VIEW, GtkWidget)

GtkWidget     *pm_payments_view_new           (PmService      *service);
/* Re-reads the rows, the totals and the empty state together (after the active profile
 * changed, or the ledger was written behind the view's back). */
void           pm_payments_view_reload        (PmPaymentsView *self);
GListModel    *pm_payments_view_get_model     (PmPaymentsView *self);
void           pm_payments_view_select_bill   (PmPaymentsView *self,
                                               const char     *bill_id);
PmBill        *pm_payments_view_get_selected  (PmPaymentsView *self);
/* Whether the list and the details do not fit side by side ("narrow" property). */
gboolean       pm_payments_view_get_narrow    (PmPaymentsView *self);
/* The totals line as shown. */
const char    *pm_payments_view_get_totals_text (PmPaymentsView *self);
void           pm_payments_view_set_search    (PmPaymentsView *self,
                                               const char     *text);
/* Bills sent from @first to @last (days, inclusive; in either order). */
void           pm_payments_view_set_date_range (PmPaymentsView *self,
                                                GDateTime      *first,
                                                GDateTime      *last);
/* 0 all, 1 unpaid, 2 paid, 3 refunded, 4 voided, 5 expired, 6 in progress, 7 failed or
 * not sent, 8 unpaid or expired */
void           pm_payments_view_set_state_filter (PmPaymentsView *self,
                                                  guint           index);

G_END_DECLS
