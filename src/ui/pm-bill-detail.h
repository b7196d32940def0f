/* pm-bill-detail.h — every field of one bill, its timeline and the actions valid now
 *
 * Copyright 2026 The Paymint Desk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "pm-bill.h"
#include "pm-service.h"

G_BEGIN_DECLS

#define PM_TYPE_BILL_DETAIL (pm_bill_detail_get_type ())
G_DECLARE_FINAL_TYPE (PmBillDetail, pm_bill_detail, PM, BILL_DETAIL, GtkWidget)

GtkWidget *pm_bill_detail_new       (void);
/* @events: (element-type PmLedgerEvent) (nullable): the timeline, oldest first */
void       pm_bill_detail_set_bill  (PmBillDetail *self,
                                     PmBill       *bill,
                                     GPtrArray    *events);
PmBill    *pm_bill_detail_get_bill  (PmBillDetail *self);
/* Where the business on a receipt comes from (pm_service_get_profile); without one, the
 * service of the window's PmApplication. */
void       pm_bill_detail_set_service (PmBillDetail *self,
                                       PmService    *service);
/* The print operation of the receipt of the bill shown (one page, A4 by default, drawn
 * by pm_receipt_draw; job name and "Print to File" name set), as Receipt… runs it with
 * the print dialog. NULL with an error when the bill has no receipt (never paid).
 * (transfer full) */
GtkPrintOperation *pm_bill_detail_create_receipt_operation (PmBillDetail  *self,
                                                            GError       **error);

G_END_DECLS
