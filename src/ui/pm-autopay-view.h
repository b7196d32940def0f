/* pm-autopay-view.h — AutoPay: payers with their registered cards, register, charge
 *
 * Copyright 2026 The Paymint Desk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "pm-service.h"

G_BEGIN_DECLS

#define PM_TYPE_AUTOPAY_VIEW (pm_autopay_view_get_type ())
G_DECLARE_FINAL_TYPE (PmAutopayView, pm_autopay_view, PM, AUTOPAY_VIEW, GtkWidget)

GtkWidget *pm_autopay_view_new    (PmService     *service);
/* Re-reads the payers from the ledger and their cards from the server. */
void       pm_autopay_view_reload (PmAutopayView *self);

G_END_DECLS
