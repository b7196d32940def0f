/* pm-bill-detail.h — every field of one bill, its timeline and the actions valid now
 *
 * Copyright 2026 The Paymint Desk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "pm-bill.h"

G_BEGIN_DECLS

#define PM_TYPE_BILL_DETAIL (pm_bill_detail_get_type ())
G_DECLARE_FINAL_TYPE (PmBillDetail, pm_bill_detail, PM, BILL_DETAIL, GtkWidget)

GtkWidget *pm_bill_detail_new       (void);
/* @events: (element-type PmLedgerEvent) (nullable): the timeline, oldest first */
void       pm_bill_detail_set_bill  (PmBillDetail *self,
                                     PmBill       *bill,
                                     GPtrArray    *events);
PmBill    *pm_bill_detail_get_bill  (PmBillDetail *self);

G_END_DECLS
