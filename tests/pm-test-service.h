/* pm-test-service.h — waiting for PmService's async calls in tests
 *
 * Copyright 2026 The Paymint Desk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "pm-service.h"

G_BEGIN_DECLS

/* pm_service_send_async, the main context spun until it finishes (30 s at most). */
PmBill *pm_test_send (PmService     *service,
                      PmBill        *draft,
                      GError       **error);

/* pm_service_bill_action_async, likewise. */
PmBill *pm_test_act  (PmService     *service,
                      const char    *bill_id,
                      PmBillAction   action,
                      GError       **error);

G_END_DECLS
