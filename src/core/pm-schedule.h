/* pm-schedule.h — when a bill is read next, and what a read changes in it
 *
 * Copyright 2026 The Paymint Desk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "pm-bill.h"

G_BEGIN_DECLS

/* The schedule (DESIGN.md): after sending 15 s, 1 min, 5 min, 30 min, then hourly until
 * the bill expires, then daily for 3 days; paid bills daily for 7 days after payment;
 * unsettled intents on the same steps without end; cancelled, destroyed, failed and not
 * sent never. Returns the unix time of the next check after @now, or 0 for none. */
gint64   pm_schedule_next_check (PmBill *bill,
                                 gint64  now);

/* Copies what a read said (state, approval data, link) into @bill and schedules its
 * next check. Returns TRUE when the state changed. */
gboolean pm_schedule_adopt_read (PmBill *bill,
                                 PmBill *server,
                                 gint64  now);

G_END_DECLS
