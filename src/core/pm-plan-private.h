/* pm-plan-private.h — what pm-plan-store.c and pm-plan-run.c share
 *
 * Copyright 2026 The Paymint Desk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "pm-plan-store.h"
#include "pm-plan-sql.h"

G_BEGIN_DECLS

void          pm_plan_store_emit_plans_changed (PmPlanStore        *self);
void          pm_plan_store_emit_run_changed (PmPlanStore          *self,
                                              const char           *plan_uuid,
                                              const char           *period);
PmPlan       *pm_plan_store_lookup_full      (PmPlanStore          *self,
                                              const char           *uuid_or_name,
                                              gboolean              removed_too,
                                              GError              **error);
/* Stored run rows, newest first, without counts. (element-type PmPlanRunInfo) */
GPtrArray    *pm_plan_store_read_runs        (PmPlanStore          *self,
                                              const char           *plan_uuid,
                                              GError              **error);
/* payer id → newest revision + 1 (absent: no bill yet). */
GHashTable   *pm_plan_store_read_revisions   (PmPlanStore          *self,
                                              const char           *plan_uuid,
                                              const char           *period,
                                              GError              **error);
guint         pm_plan_revision_of            (GHashTable           *revisions,
                                              const char           *payer_id);
gboolean      pm_plan_store_mark_missed      (PmPlanStore          *self,
                                              const PmPlanRunInfo  *info,
                                              gint64                now,
                                              GError              **error);

/* Test hook (crash tests): called after every intent group is durable and after every
 * bill's outcome, with the number of intents written and outcomes so far. */
typedef void (*PmPlanRunHook) (guint n_written,
                               guint n_done);
void          pm_plan_set_run_hook_for_testing (PmPlanRunHook hook);

G_END_DECLS
