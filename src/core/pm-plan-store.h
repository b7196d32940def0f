/* pm-plan-store.h — monthly billing plans in the ledger, their runs, exactly once
 *
 * Copyright 2026 The Paymint Desk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The plans live in the ledger's own SQLite file, beside the bills, in tables this file
 * owns (created idempotently when a store is opened): so "one bill per payer per month"
 * is one database's guarantee.
 *
 *   plans         one row per plan (uuid, profile, the fields of PmPlan, removed flag)
 *   plan_payers   the roster, versioned: every row is valid from a period on; a roster
 *                 saved again applies from the first period not yet run
 *   plan_runs     one row per (plan, period): its state (due, running, done, skipped,
 *                 missed), the ledger batch of its bills, who runs it (a lease), counts
 *   plan_bills    one row per (plan, period, payer, revision): the derived bill_id
 *                 (UNIQUE), so the history shows every bill a period made, "bill again"
 *                 revisions included
 *
 * Time is always passed in ("now", unix UTC): nothing here reads the clock.
 *
 * Runs. A run of (plan, period) claims the run row, derives every payer's bill id
 * (pm_plan_derive_bill_id; revision = the newest the payer has for that period), writes
 * every intent durably before any request leaves (pm_service_write_intents, in groups),
 * then sends them with at most "parallel" in flight (pm_service_send_intent_async). A run
 * killed at any instant is resumed by the next one: intents written but not settled are
 * reconciled by the sender's rules (read first, same bill id), intents never written are
 * written. See pm-plan-run.c for why two runs at once cannot bill a payer twice.
 *
 * Missed runs. pm_plan_store_due_runs() lists the periods whose time has come. A period
 * due more than @grace seconds ago is "missed": run-due marks it so and does not send
 * it; a person decides (pm_plan_store_run_async with the period: "send now";
 * pm_plan_store_skip: "skip this month").
 */

#pragma once

#include <gio/gio.h>

#include "pm-ledger.h"
#include "pm-plan.h"
#include "pm-service.h"

G_BEGIN_DECLS

typedef enum
{
  PM_PLAN_RUN_DUE,      /* its time has come (or a run stopped before the end) */
  PM_PLAN_RUN_RUNNING,  /* a process is running it (it holds the lease) */
  PM_PLAN_RUN_DONE,     /* every payer's bill was written and sent (or settled) */
  PM_PLAN_RUN_SKIPPED,  /* a person skipped this month */
  PM_PLAN_RUN_MISSED,   /* not run within the grace period: waits for a person */
  PM_PLAN_RUN_PENDING,  /* not due yet (only in lists of future periods; never stored) */
} PmPlanRunState;

#define PM_TYPE_PLAN_RUN_STATE (pm_plan_run_state_get_type ())
GType        pm_plan_run_state_get_type     (void) G_GNUC_CONST;
const char  *pm_plan_run_state_to_string    (PmPlanRunState  state); /* "due", "running", … */
gboolean     pm_plan_run_state_from_string  (const char     *text,
                                             PmPlanRunState *state);
const char  *pm_plan_run_state_get_label    (PmPlanRunState  state); /* translated */

/* A period of a plan as the store has it (history, due list). */
typedef struct
{
  char           *plan_uuid;
  char           *plan_name;
  char           *period;       /* "YYYY-MM" */
  PmPlanRunState  state;
  gint64          due_at;       /* unix UTC */
  char           *batch_id;     /* the ledger batch of its bills (NULL before the run) */
  gint64          started_at;   /* 0 = never */
  gint64          finished_at;  /* 0 = not finished */
  guint           n_bills;      /* bills the run made (revisions counted once per payer) */
  guint           n_sent;       /* of them, created on the server (unpaid, paid, …) */
  guint           n_failed;     /* refused or not sent */
  guint           n_unknown;    /* without an outcome yet */
  gint64          won_sent;
} PmPlanRunInfo;

#define PM_TYPE_PLAN_RUN_INFO (pm_plan_run_info_get_type ())
GType          pm_plan_run_info_get_type (void) G_GNUC_CONST;
PmPlanRunInfo *pm_plan_run_info_copy     (const PmPlanRunInfo *info);
void           pm_plan_run_info_free     (PmPlanRunInfo       *info);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (PmPlanRunInfo, pm_plan_run_info_free)

/* One bill of a period, as it will be or was sent (preview, history). */
typedef struct
{
  PmPlanPayer *payer;
  guint        revision;
  PmBill      *bill;      /* the draft (preview) or the ledger's bill when it exists */
  gboolean     in_ledger; /* the ledger holds this bill already */
  char        *problem;   /* what the server would refuse (a sentence), or NULL */
} PmPlanBillRow;

void pm_plan_bill_row_free (PmPlanBillRow *row);

#define PM_TYPE_PLAN_STORE (pm_plan_store_get_type ())
G_DECLARE_FINAL_TYPE (PmPlanStore, pm_plan_store, PM, PLAN_STORE, GObject)

/* Signals:
 *   "plans-changed" ()       a plan was added, saved, paused, resumed or removed here
 *   "run-changed" (plan_uuid, period)   a run's state or counts changed here
 * Changes made by other processes are not signalled: the ledger's outside serial
 * (pm_ledger_get_outside_serial; PmService's "ledger-changed") tells of them.
 * Properties: "ledger" (PmLedger, construct-only). */
PmPlanStore *pm_plan_store_new            (PmLedger      *ledger,
                                           GError       **error);
PmLedger    *pm_plan_store_get_ledger     (PmPlanStore   *self);

/* Plans of @profile_id (NULL: every profile), by name; removed ones left out.
 * Each has its newest roster. (element-type PmPlan) */
GPtrArray   *pm_plan_store_list           (PmPlanStore   *self,
                                           const char    *profile_id,
                                           GError       **error);
/* By uuid, or by name (exact, then case-insensitive). NULL with PM_ERROR_NOT_FOUND.
 * The roster is the newest one. */
PmPlan      *pm_plan_store_lookup         (PmPlanStore   *self,
                                           const char    *uuid_or_name,
                                           GError       **error);
/* Validates and stores a new plan of @profile_id; its roster is valid from its start
 * period. A name another plan has is refused (field "name"). */
gboolean     pm_plan_store_add            (PmPlanStore   *self,
                                           PmPlan        *plan,
                                           const char    *profile_id,
                                           gint64         now,
                                           GError       **error);
/* Saves the fields of @plan (validated); a roster that differs from the stored one
 * becomes a new roster version valid from the first period not run yet. */
gboolean     pm_plan_store_save           (PmPlanStore   *self,
                                           PmPlan        *plan,
                                           gint64         now,
                                           GError       **error);
gboolean     pm_plan_store_set_paused     (PmPlanStore   *self,
                                           const char    *plan_uuid,
                                           gboolean       paused,
                                           gint64         now,
                                           GError       **error);
/* Ends the plan: no run after this; its history (runs, bills) stays. */
gboolean     pm_plan_store_remove         (PmPlanStore   *self,
                                           const char    *plan_uuid,
                                           gint64         now,
                                           GError       **error);
/* "Skip this month": the period is not billed. Refused (PM_ERROR_INVALID, field
 * "period") when the run is done or running, or has bills already. */
gboolean     pm_plan_store_skip           (PmPlanStore   *self,
                                           const char    *plan_uuid,
                                           const char    *period,
                                           gint64         now,
                                           GError       **error);

/* The roster in force for @period. (element-type PmPlanPayer) */
GPtrArray   *pm_plan_store_roster_for     (PmPlanStore   *self,
                                           const char    *plan_uuid,
                                           const char    *period,
                                           GError       **error);
/* The plan's periods that have a run row (history), newest first, with the counts
 * read from the ledger's bills. (element-type PmPlanRunInfo) */
GPtrArray   *pm_plan_store_list_runs      (PmPlanStore   *self,
                                           const char    *plan_uuid,
                                           GError       **error);
/* One period (a row that is not stored yet: state DUE or PENDING at @now). */
PmPlanRunInfo *pm_plan_store_get_run      (PmPlanStore   *self,
                                           const char    *plan_uuid,
                                           const char    *period,
                                           gint64         now,
                                           GError       **error);
/* The next period of the plan not run, skipped or missed yet, at or after @now's
 * period (NULL when the plan has ended). */
char        *pm_plan_store_next_period    (PmPlanStore   *self,
                                           PmPlan        *plan,
                                           gint64         now,
                                           GError       **error);
/* Every bill the period made, in the order they were made, each payer's revisions
 * included ("bill again" adds revision 1, 2, …): the payer (name and phone, from the
 * ledger's bill), the revision, the ledger's bill (NULL, in_ledger FALSE, when its intent
 * was never written: a run cut off before it). (element-type PmPlanBillRow) */
GPtrArray   *pm_plan_store_list_bills     (PmPlanStore   *self,
                                           const char    *plan_uuid,
                                           const char    *period,
                                           GError       **error);
/* Every bill of the period as it will be sent (or, once in the ledger, as it is), with
 * the roster in force and each payer's newest revision. (element-type PmPlanBillRow) */
GPtrArray   *pm_plan_store_preview        (PmPlanStore   *self,
                                           const char    *plan_uuid,
                                           const char    *period,
                                           gint64         now,
                                           GError       **error);

/* Runs whose time has come at @now, for every plan of @profile_id (NULL: all) that is
 * not paused or removed: state DUE (due within @grace seconds, or a run that stopped
 * before its end) or MISSED (due more than @grace ago; stored as missed by
 * pm_plan_store_run_due_async, never sent by it). Oldest first.
 * (element-type PmPlanRunInfo) */
GPtrArray   *pm_plan_store_due_runs       (PmPlanStore   *self,
                                           const char    *profile_id,
                                           gint64         now,
                                           gint64         grace,
                                           GError       **error);

/* ---- running ---- */

/* What one run did. */
typedef struct
{
  char    *plan_uuid;
  char    *plan_name;
  char    *period;
  guint    n_bills;      /* the payers of the period */
  guint    n_written;    /* intents this run wrote */
  guint    n_sent;       /* created on the server by this run (or settled as created) */
  guint    n_already;    /* already settled by an earlier run: not sent again */
  guint    n_failed;     /* refused (nothing charged) or not sent */
  guint    n_unknown;    /* outcome not known yet: settled later, never sent twice */
  gint64   won_sent;
  gboolean busy;         /* another process or run holds the period: nothing done */
  char    *error_text;   /* the first failure, for people, or NULL */
} PmPlanRunReport;

#define PM_TYPE_PLAN_RUN_REPORT (pm_plan_run_report_get_type ())
GType            pm_plan_run_report_get_type (void) G_GNUC_CONST;
PmPlanRunReport *pm_plan_run_report_copy     (const PmPlanRunReport *report);
void             pm_plan_run_report_free     (PmPlanRunReport       *report);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (PmPlanRunReport, pm_plan_run_report_free)

/* For a desktop notification: "3월 수강료: 42 bills sent, 1 not sent" (the month of the
 * period, the plan's name; "…, 2 not known yet" when some are unknown). Translated. */
char            *pm_plan_run_report_dup_summary (const PmPlanRunReport *report);
/* For a missed run: "3월 수강료 was due on the 5th." Translated. */
char            *pm_plan_run_info_dup_missed_text (const PmPlanRunInfo *info);

#define PM_PLAN_DEFAULT_PARALLEL    8
#define PM_PLAN_DEFAULT_WRITE_AHEAD 32

/* Runs (or resumes) @period of the plan through @service (its profile must be the
 * plan's), whatever the run's state except SKIPPED and a run held by another live
 * process (report->busy). A MISSED period is sent ("send now"). @parallel: requests in
 * flight at most (0: PM_PLAN_DEFAULT_PARALLEL). Cancelling stops new sends; the run
 * stays DUE and the next run resumes it. */
void             pm_plan_store_run_async      (PmPlanStore          *self,
                                               PmService            *service,
                                               const char           *plan_uuid,
                                               const char           *period,
                                               gint64                now,
                                               guint                 parallel,
                                               GCancellable         *cancellable,
                                               GAsyncReadyCallback   callback,
                                               gpointer              user_data);
PmPlanRunReport *pm_plan_store_run_finish     (PmPlanStore          *self,
                                               GAsyncResult         *result,
                                               GError              **error);

/* Every due run of the service's profile at @now, one after another; missed ones are
 * stored as MISSED and not sent. Completes with a report per run sent (element-type
 * PmPlanRunReport); @n_missed gets how many were marked missed. */
void             pm_plan_store_run_due_async  (PmPlanStore          *self,
                                               PmService            *service,
                                               gint64                now,
                                               gint64                grace,
                                               guint                 parallel,
                                               GCancellable         *cancellable,
                                               GAsyncReadyCallback   callback,
                                               gpointer              user_data);
GPtrArray       *pm_plan_store_run_due_finish (PmPlanStore          *self,
                                               GAsyncResult         *result,
                                               guint                *n_missed,
                                               GError              **error);

/* "Bill again": after the payer's bill for @period was voided (destroyed), cancelled
 * (refunded), failed or not sent, makes the period's next revision for that payer — a
 * new derived bill id, recorded in plan_bills — and sends it. Refused (PM_ERROR_INVALID)
 * while the payer's newest bill is unpaid, paid or without an outcome. Completes with
 * the bill as recorded. */
void             pm_plan_store_bill_again_async  (PmPlanStore        *self,
                                                  PmService          *service,
                                                  const char         *plan_uuid,
                                                  const char         *period,
                                                  const char         *phone,
                                                  gint64              now,
                                                  GCancellable       *cancellable,
                                                  GAsyncReadyCallback callback,
                                                  gpointer            user_data);
PmBill          *pm_plan_store_bill_again_finish (PmPlanStore        *self,
                                                  GAsyncResult       *result,
                                                  GError            **error);

G_END_DECLS
