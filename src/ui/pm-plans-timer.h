/* pm-plans-timer.h — the systemd user timer that runs plans with the window closed
 *
 * Copyright 2026 The Paymint Desk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * `systemctl --user is-enabled|enable --now|disable --now paymint-desk-plans.timer`, run
 * with GSubprocess. The program is "systemctl" from PATH, or the one PM_SYSTEMCTL names
 * (tests put a fake script there, so they never touch the real systemd).
 */

#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define PM_PLANS_TIMER_UNIT "paymint-desk-plans.timer"

/* Whether the timer is enabled. An error (no systemd user session, no systemctl) says
 * why it cannot be told, in a sentence for people. */
void     pm_plans_timer_query_async        (GCancellable        *cancellable,
                                            GAsyncReadyCallback  callback,
                                            gpointer             user_data);
gboolean pm_plans_timer_query_finish       (GAsyncResult        *result,
                                            gboolean            *enabled,
                                            GError             **error);
/* enable --now / disable --now. */
void     pm_plans_timer_set_enabled_async  (gboolean             enabled,
                                            GCancellable        *cancellable,
                                            GAsyncReadyCallback  callback,
                                            gpointer             user_data);
gboolean pm_plans_timer_set_enabled_finish (GAsyncResult        *result,
                                            GError             **error);

/* A preferences row with a switch: "Send plans on time even when Paymint Desk is
 * closed". Its subtitle says what is on, or why it cannot be changed.
 * Property "busy" (boolean, read-only): a systemctl call is under way. */
#define PM_TYPE_PLANS_TIMER_ROW (pm_plans_timer_row_get_type ())
G_DECLARE_FINAL_TYPE (PmPlansTimerRow, pm_plans_timer_row, PM, PLANS_TIMER_ROW, AdwActionRow)

GtkWidget *pm_plans_timer_row_new      (void);
gboolean   pm_plans_timer_row_get_busy (PmPlansTimerRow *self);

G_END_DECLS
