/* pm-plans-view.h — the Plans page: monthly billing plans, their next run and history
 *
 * Copyright 2026 The Paymint Desk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "pm-plan-store.h"
#include "pm-service.h"

G_BEGIN_DECLS

#define PM_TYPE_PLANS_VIEW (pm_plans_view_get_type ())
G_DECLARE_FINAL_TYPE (PmPlansView, pm_plans_view, PM, PLANS_VIEW, GtkWidget)

/* Signals:
 *   "show-bills" (const char *batch_id, gint64 created_from, gint64 created_to)
 *       a period of a plan's history was activated: show its bills (the ledger batch
 *       @batch_id, which may be NULL; sent in [@created_from, @created_to), unix UTC,
 *       Korea midnights).
 *   "updated" ()  the lists were read again (after a change, a run, a check of due runs).
 *   "run-finished" (PmPlanRunReport *report)  a run sent from this window ended.
 *
 * Properties: "busy" (boolean, read-only): a run or a check is under way.
 *
 * Every minute (and when it is created) the page looks for due runs of the profile
 * (pm_plan_store_due_runs, PM_PLAN_DEFAULT_GRACE): due ones are sent, each with a
 * desktop notification; missed ones are shown at the top, waiting for Send Now or
 * Skip This Month. */
GtkWidget       *pm_plans_view_new                (PmService    *service);
PmPlanStore     *pm_plans_view_get_store          (PmPlansView  *self);
void             pm_plans_view_reload             (PmPlansView  *self);
/* Look for due runs now (what the minute timer does). */
void             pm_plans_view_check_due          (PmPlansView  *self);
/* Tests: act as if it were @now (unix UTC); 0 = the clock. */
void             pm_plans_view_set_now            (PmPlansView  *self,
                                                   gint64        now);
gint64           pm_plans_view_get_now            (PmPlansView  *self);
gboolean         pm_plans_view_get_busy           (PmPlansView  *self);
void             pm_plans_view_select_plan        (PmPlansView  *self,
                                                   const char   *uuid);
const char      *pm_plans_view_get_selected       (PmPlansView  *self);
/* The missed runs shown at the top (rows with Send Now and Skip This Month). */
GtkListBox      *pm_plans_view_get_missed_list    (PmPlansView  *self);
GtkListBox      *pm_plans_view_get_plans_list     (PmPlansView  *self);
GtkListBox      *pm_plans_view_get_preview_list   (PmPlansView  *self);
/* The preview's total as shown: "₩360,000 (금 삼십육만 원)". */
const char      *pm_plans_view_get_preview_total  (PmPlansView  *self);
/* Desktop notifications sent by this page, and the text of the last one. */
guint            pm_plans_view_get_n_notifications (PmPlansView *self);
const char      *pm_plans_view_get_last_notification (PmPlansView *self);

G_END_DECLS
