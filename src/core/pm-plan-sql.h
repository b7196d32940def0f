/* pm-plan-sql.h — the plans' statements on either ledger backend
 *
 * Copyright 2026 The Paymint Desk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Monthly plans keep their own tables beside the bills: in the desk's SQLite file, or in
 * a shop's PostgreSQL database (pm_ledger_is_shared). pm-plan-store.c and pm-plan-run.c
 * say what to read and write once, as a PmPlanStmt — the SQLite text, and the PostgreSQL
 * text where the two dialects differ — and run it here, on the ledger's own connection
 * (so inside its pm_ledger_begin transaction, when one is open).
 *
 * Parameters are written ?1, ?2, … (or ?, numbered in order) in the SQLite text; the
 * PostgreSQL text, when not given, is the same with $1, $2, …. Their values follow the
 * error argument, described by a string of one letter each:
 *   t  const char *  text (NULL: '')
 *   n  const char *  text or NULL (NULL and '' are both stored as NULL)
 *   i  int
 *   l  gint64
 * Rows are read whole into memory: a statement is finished before the next one starts.
 */

#pragma once

#include "pm-ledger.h"

G_BEGIN_DECLS

typedef struct
{
  const char *sqlite;
  const char *pg;       /* NULL: the SQLite text, ?N read as $N */
} PmPlanStmt;

typedef struct _PmPlanRows PmPlanRows;

/* Creates the plans' tables if they are missing, in one transaction that any number of
 * desks may run at once. */
gboolean    pm_plan_sql_create_tables (PmLedger          *ledger,
                                       GError           **error);

/* pm_ledger_begin(), and on a shop ledger the plans' write lock for the transaction:
 * plan writes take turns there as BEGIN IMMEDIATE makes them take turns in SQLite. */
gboolean    pm_plan_sql_begin         (PmLedger          *ledger,
                                       GError           **error);

PmPlanRows *pm_plan_sql_query         (PmLedger          *ledger,
                                       const PmPlanStmt  *stmt,
                                       GError           **error,
                                       const char        *types,
                                       ...);
/* @changes (may be NULL): how many rows the statement changed. */
gboolean    pm_plan_sql_exec          (PmLedger          *ledger,
                                       const PmPlanStmt  *stmt,
                                       guint64           *changes,
                                       GError           **error,
                                       const char        *types,
                                       ...);

guint       pm_plan_rows_len          (PmPlanRows        *rows);
/* "" for NULL */
const char *pm_plan_rows_text         (PmPlanRows        *rows,
                                       guint              row,
                                       guint              column);
/* NULL for NULL */
const char *pm_plan_rows_text_or_null (PmPlanRows        *rows,
                                       guint              row,
                                       guint              column);
/* 0 for NULL; a PostgreSQL boolean is 1 or 0 */
gint64      pm_plan_rows_int64        (PmPlanRows        *rows,
                                       guint              row,
                                       guint              column);
void        pm_plan_rows_free         (PmPlanRows        *rows);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PmPlanRows, pm_plan_rows_free)

/* ---- the run lock of a shop ledger (pm-plan-run.c) ---- */

typedef struct _PmPlanRunLock PmPlanRunLock;

/* Tries to take the run lock of (@plan_uuid, @period) for this desk: a PostgreSQL
 * session lock held on a connection of its own until pm_plan_run_lock_free() (or until
 * the desk dies: the server then drops it). NULL with no error: another desk holds it. */
PmPlanRunLock *pm_plan_run_lock_try   (PmLedger          *ledger,
                                       const char        *plan_uuid,
                                       const char        *period,
                                       GError           **error);
/* Whether the lock is still held (its connection alive); FALSE sets @error. */
gboolean       pm_plan_run_lock_check (PmPlanRunLock     *lock,
                                       GError           **error);
void           pm_plan_run_lock_free  (PmPlanRunLock     *lock);

/* Ends whatever desk's lease on the unsettled intent @bill_id (a shop ledger; nothing on
 * SQLite), so that this desk's recovery reconciles it now: called by the desk holding
 * the period's run lock for the intents an earlier run of that period left. */
gboolean       pm_plan_sql_free_intent (PmLedger         *ledger,
                                        const char       *bill_id,
                                        GError          **error);

G_END_DECLS
