/* pm-plan.h — a monthly billing plan: roster, templates, schedule, validation
 *
 * Copyright 2026 The Paymint Desk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A plan bills the same payers every month: on its day (1–28, or the last day of the
 * month) at its time (Korea time) it sends every payer of its roster a bill (or charges
 * the payer's AutoPay card) whose reason and message come from templates.
 *
 * Periods are "YYYY-MM" strings everywhere. Times are unix seconds UTC; every function
 * that depends on "now" takes it as an argument (nothing here reads the clock).
 *
 * Templates: {이름} the payer's name, {금액} the amount (pm_money_format: "₩120,000"),
 * {월} the period's month ("3월"), {다음달} the month after it ("4월"). Any other text in
 * braces is an error: "unknown placeholder {이룸}; use {이름}, {금액}, {월} or {다음달}".
 *
 * Validation errors are PM_ERROR_INVALID; pm_error_get_field() names the field:
 * PM_PLAN_FIELD_* below. A roster row's error names PM_PLAN_FIELD_ROSTER and its message
 * starts with the row ("row 3, phone: …"); pm_plan_check_roster() gives every problem
 * with its row, for a window that marks rows.
 *
 * Bill ids: pm_plan_derive_bill_id() — pm_csv_derive_bill_id() with the seed
 * "PLAN-UUID/PAYER-ID/YYYY-MM/REVISION" (the payer id is the phone's digits), so one
 * payer of one plan gets one bill id per period and revision, on any computer, in any
 * process, after any crash: the ledger's and the server's uniqueness of bill_id then
 * make a second bill for them impossible.
 */

#pragma once

#include <gio/gio.h>

#include "pm-bill.h"

G_BEGIN_DECLS

#define PM_PLAN_FIELD_NAME        "name"
#define PM_PLAN_FIELD_DAY         "day"
#define PM_PLAN_FIELD_TIME        "time"
#define PM_PLAN_FIELD_DAYS_TO_PAY "days_to_pay"
#define PM_PLAN_FIELD_REASON      "reason"
#define PM_PLAN_FIELD_MESSAGE     "message"
#define PM_PLAN_FIELD_START       "start"
#define PM_PLAN_FIELD_END         "end"
#define PM_PLAN_FIELD_ROSTER      "roster"
#define PM_PLAN_FIELD_PERIOD      "period"

#define PM_PLAN_DAY_LAST            0    /* the "day" of a plan run on the month's last day */
#define PM_PLAN_DAY_MAX             28
#define PM_PLAN_DEFAULT_DAYS_TO_PAY 7
#define PM_PLAN_DEFAULT_TIME        (10 * 60)     /* 10:00 */
#define PM_PLAN_DEFAULT_GRACE       (24 * 3600)   /* a run late by more is "missed" */
#define PM_PLAN_MAX_PAYERS          10000

/* ---- one payer of a roster ---- */

typedef struct
{
  char   *name;
  char   *phone;      /* normalised digits; also the payer's id in the plan */
  gint64  amount;     /* won */
  char   *method_id;  /* NULL: send a bill; else charge this AutoPay card (kind AUTOPAY) */
} PmPlanPayer;

#define PM_TYPE_PLAN_PAYER (pm_plan_payer_get_type ())
GType        pm_plan_payer_get_type (void) G_GNUC_CONST;
/* @phone is normalised when it is a valid mobile number, else kept as given (validation
 * then names it). */
PmPlanPayer *pm_plan_payer_new      (const char        *name,
                                     const char        *phone,
                                     gint64             amount,
                                     const char        *method_id);
PmPlanPayer *pm_plan_payer_copy     (const PmPlanPayer *payer);
void         pm_plan_payer_free     (PmPlanPayer       *payer);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (PmPlanPayer, pm_plan_payer_free)

/* One problem of a roster. */
typedef struct
{
  guint  index;    /* 0-based position in the roster */
  guint  row;      /* the row a person sees: the file's row number, or index + 1 */
  char  *field;    /* "name", "phone", "amount", "method_id", or NULL (the whole row) */
  char  *message;  /* "row 3, phone: …", translated */
} PmPlanRosterProblem;

void pm_plan_roster_problem_free (PmPlanRosterProblem *problem);

/* ---- the plan ---- */

#define PM_TYPE_PLAN (pm_plan_get_type ())
G_DECLARE_FINAL_TYPE (PmPlan, pm_plan, PM, PLAN, GObject)

/* Properties (read-write, notify on a real change):
 *   "uuid" (string; a new plan gets a random one), "profile-id" (the connection profile
 *   whose bills it sends; set by pm_plan_store_add), "name", "day" (int 0–31 as set;
 *   PM_PLAN_DAY_LAST = the last day), "time" (int, minutes after midnight, Korea time;
 *   -1 = not a valid time), "days-to-pay" (int), "reason", "message" (the templates),
 *   "start-period", "end-period" ("YYYY-MM"; end NULL = no end), "paused" (boolean),
 *   "created-at", "updated-at" (gint64 unix UTC), "n-payers" (read-only).
 * Signals: "roster-changed" when the roster is replaced or a payer is added. */
PmPlan      *pm_plan_new                (void);
PmPlan      *pm_plan_copy               (PmPlan      *self);

const char  *pm_plan_get_uuid           (PmPlan      *self);
void         pm_plan_set_uuid           (PmPlan      *self,
                                         const char  *uuid);
const char  *pm_plan_get_profile_id     (PmPlan      *self);
void         pm_plan_set_profile_id     (PmPlan      *self,
                                         const char  *profile_id);
const char  *pm_plan_get_name           (PmPlan      *self);
void         pm_plan_set_name           (PmPlan      *self,
                                         const char  *name);
int          pm_plan_get_day            (PmPlan      *self);
void         pm_plan_set_day            (PmPlan      *self,
                                         int          day);
int          pm_plan_get_time           (PmPlan      *self);
void         pm_plan_set_time           (PmPlan      *self,
                                         int          minutes);
int          pm_plan_get_days_to_pay    (PmPlan      *self);
void         pm_plan_set_days_to_pay    (PmPlan      *self,
                                         int          days);
const char  *pm_plan_get_reason         (PmPlan      *self);
void         pm_plan_set_reason         (PmPlan      *self,
                                         const char  *reason);
const char  *pm_plan_get_message        (PmPlan      *self);
void         pm_plan_set_message        (PmPlan      *self,
                                         const char  *message);
const char  *pm_plan_get_start_period   (PmPlan      *self);
void         pm_plan_set_start_period   (PmPlan      *self,
                                         const char  *period);
const char  *pm_plan_get_end_period     (PmPlan      *self);
void         pm_plan_set_end_period     (PmPlan      *self,
                                         const char  *period);
gboolean     pm_plan_get_paused         (PmPlan      *self);
void         pm_plan_set_paused         (PmPlan      *self,
                                         gboolean     paused);
gint64       pm_plan_get_created_at     (PmPlan      *self);
void         pm_plan_set_created_at     (PmPlan      *self,
                                         gint64       at);
gint64       pm_plan_get_updated_at     (PmPlan      *self);
void         pm_plan_set_updated_at     (PmPlan      *self,
                                         gint64       at);

/* The roster: PmPlanPayer, in order (borrowed; do not change it). set copies @payers. */
GPtrArray   *pm_plan_get_roster         (PmPlan      *self);
void         pm_plan_set_roster         (PmPlan      *self,
                                         GPtrArray   *payers);
void         pm_plan_add_payer          (PmPlan      *self,
                                         const PmPlanPayer *payer);
guint        pm_plan_get_n_payers       (PmPlan      *self);
gint64       pm_plan_get_total          (PmPlan      *self);  /* sum of the amounts */

/* The first problem of the plan (fields in the order a form shows them, then the roster
 * row by row), PM_ERROR_INVALID with the field; TRUE when there is none. */
gboolean     pm_plan_validate           (PmPlan      *self,
                                         GError     **error);
/* Every problem of the roster (element-type PmPlanRosterProblem), empty when none. */
GPtrArray   *pm_plan_check_roster       (PmPlan      *self);

/* ---- parsing what a person types ---- */

/* "1" … "28", "last" / "말일" / "마지막" → PM_PLAN_DAY_LAST. Field "day". */
gboolean     pm_plan_parse_day          (const char  *text,
                                         int         *day,
                                         GError     **error);
/* "HH:MM" (00:00–23:59) → minutes. Field "time". */
gboolean     pm_plan_parse_time         (const char  *text,
                                         int         *minutes,
                                         GError     **error);
/* "YYYY-MM" → year and month (either may be NULL). @field names the error's field. */
gboolean     pm_plan_parse_period       (const char  *text,
                                         const char  *field,
                                         int         *year,
                                         int         *month,
                                         GError     **error);
/* "last" or "5"; "HH:MM". */
char        *pm_plan_format_day         (int          day);
char        *pm_plan_format_time        (int          minutes);

/* ---- templates ---- */

/* Checks that every {…} of @text is a known placeholder; @field names the error. */
gboolean     pm_plan_check_template     (const char  *text,
                                         const char  *field,
                                         GError     **error);
/* @text with its placeholders filled in for @payer and @period. */
char        *pm_plan_render_template    (const char        *text,
                                         const PmPlanPayer *payer,
                                         const char        *period,
                                         GError           **error);

/* ---- periods and time ---- */

/* The period ("YYYY-MM") @unix_utc falls in, Korea time. */
char        *pm_plan_period_at          (gint64       unix_utc);
/* @period moved by @months (may be negative). */
char        *pm_plan_period_add         (const char  *period,
                                         int          months);
/* The day of the month the plan runs in @period (the last day resolved: 28 or 29 for a
 * February), and when (unix UTC): that day at the plan's time, Korea time. */
int          pm_plan_run_day            (PmPlan      *self,
                                         const char  *period);
gint64       pm_plan_due_at             (PmPlan      *self,
                                         const char  *period);
/* Whether @period is within the plan's start and end. */
gboolean     pm_plan_covers             (PmPlan      *self,
                                         const char  *period);

/* ---- the bills ---- */

char        *pm_plan_derive_bill_id     (const char  *plan_uuid,
                                         const char  *payer_id,
                                         const char  *period,
                                         guint        revision);
/* The draft the plan sends @payer for @period (revision @revision): bill id derived,
 * reason and message rendered, kind AUTOPAY with the method for a card, expiry the
 * later of the due day and @now's day plus the days to pay, note naming the plan. The
 * draft is not validated (pm_bill_validate_at tells what the server would refuse). */
PmBill      *pm_plan_make_draft         (PmPlan            *self,
                                         const PmPlanPayer *payer,
                                         const char        *period,
                                         guint              revision,
                                         gint64             now,
                                         GError           **error);

/* ---- rosters from files ---- */

/* Reads a roster from a CSV or .xlsx file with the bulk-send reader (pm_csv_import_path:
 * the same column detection and row checks: name, phone and amount columns; reason,
 * message and expiry columns are not needed). Any bad row, or two rows with one phone,
 * fails with PM_ERROR_INVALID, field "roster", naming the row and column.
 * (element-type PmPlanPayer) */
GPtrArray   *pm_plan_roster_from_file   (const char  *path,
                                         gint64       now,
                                         GError     **error);

G_END_DECLS
