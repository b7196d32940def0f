/* pm-plan-dialog.h — New Plan: schedule, templates, roster from a file, problems at the field
 *
 * Copyright 2026 The Paymint Desk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "pm-plan-store.h"
#include "pm-service.h"

G_BEGIN_DECLS

#define PM_TYPE_PLAN_DIALOG (pm_plan_dialog_get_type ())
G_DECLARE_FINAL_TYPE (PmPlanDialog, pm_plan_dialog, PM, PLAN_DIALOG, AdwWindow)

/* Signals: "saved" (PmPlan *plan)  the plan was added to the store; the dialog closes.
 * Property "can-save" (boolean, read-only): every field is valid.
 * @now (unix UTC) is when the dialog is opened: the start month's default and the
 * roster's expiry checks. */
PmPlanDialog *pm_plan_dialog_new             (GtkWindow    *parent,
                                              PmService    *service,
                                              PmPlanStore  *store,
                                              gint64        now);
/* What "Choose File…" does with the file chosen. */
void          pm_plan_dialog_load_roster     (PmPlanDialog *self,
                                              const char   *path);
/* The text entry of a field (PM_PLAN_FIELD_NAME, _TIME, _DAYS_TO_PAY, _REASON, _MESSAGE,
 * _START, _END), for tests and for focus. */
GtkEditable  *pm_plan_dialog_get_entry       (PmPlanDialog *self,
                                              const char   *field);
/* Day: 1–28, or PM_PLAN_DAY_LAST. */
void          pm_plan_dialog_set_day         (PmPlanDialog *self,
                                              int           day);
/* The problem shown at @field, or NULL. */
const char   *pm_plan_dialog_get_field_error (PmPlanDialog *self,
                                              const char   *field);
gboolean      pm_plan_dialog_get_can_save    (PmPlanDialog *self);
/* The roster's list: one row per row of the file; a row with a problem has the CSS
 * class "error" and the problem as its subtitle. */
GtkListBox   *pm_plan_dialog_get_roster_list (PmPlanDialog *self);
/* Save, as the button does (FALSE and nothing saved when a field is not valid). */
gboolean      pm_plan_dialog_save            (PmPlanDialog *self);

G_END_DECLS
