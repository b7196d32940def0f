/* pm-plan-sql.c — the plans' statements on either ledger backend
 *
 * Copyright 2026 The Paymint Desk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * SQLite: the ledger's cached prepared statements (pm_ledger_prepare). PostgreSQL: the
 * shop ledger's connection (pm_ledger_pg_exec), text parameters. Both read every row of
 * a statement into a PmPlanRows before returning.
 *
 * Locks on a shop ledger (PostgreSQL advisory locks, so nothing else in the database is
 * touched):
 *  - PLANS_LOCK_KEY, transaction-level: every plan write transaction takes it first
 *    (pm_plan_sql_begin), so they take turns as BEGIN IMMEDIATE makes them in SQLite —
 *    the claim of a run reads and writes its plan_runs row with no other desk between.
 *  - (RUN_LOCK_CLASS, hashtext (plan uuid/period)), session-level, on a connection of
 *    the run's own (pm_plan_run_lock_try): held while a desk runs that period. A desk
 *    that dies loses its session and so its lock, and whoever takes the lock next may
 *    take the period over; a desk that cannot take it reports the run busy.
 */

#include "config.h"

#include "pm-plan-sql.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "pm-error.h"
#include "pm-export.h"
#include "pm-ledger-pg-private.h"

/* pg_advisory_xact_lock key of plan writes ("PmPlans!" in ASCII). */
#define PLANS_LOCK_KEY "5795376721917014817"
/* pg_try_advisory_lock class of run locks ("PmRn" in ASCII). */
#define RUN_LOCK_CLASS "1349341806"

static const char sqlite_schema[] =
  "CREATE TABLE IF NOT EXISTS plans ("
  " uuid TEXT PRIMARY KEY,"
  " profile_id TEXT NOT NULL DEFAULT '',"
  " name TEXT NOT NULL,"
  " day INTEGER NOT NULL,"
  " time INTEGER NOT NULL,"
  " days_to_pay INTEGER NOT NULL,"
  " reason TEXT NOT NULL,"
  " message TEXT NOT NULL,"
  " start_period TEXT NOT NULL,"
  " end_period TEXT,"
  " paused INTEGER NOT NULL DEFAULT 0,"
  " removed_at INTEGER NOT NULL DEFAULT 0,"
  " created_at INTEGER NOT NULL,"
  " updated_at INTEGER NOT NULL);"
  /* the roster, versioned: the version in force for period P is the newest valid_from
   * <= P (the oldest one before the first) */
  "CREATE TABLE IF NOT EXISTS plan_payers ("
  " plan_uuid TEXT NOT NULL REFERENCES plans (uuid),"
  " valid_from TEXT NOT NULL,"
  " position INTEGER NOT NULL,"
  " payer_id TEXT NOT NULL,"
  " name TEXT NOT NULL,"
  " phone TEXT NOT NULL,"
  " amount INTEGER NOT NULL,"
  " method_id TEXT,"
  " PRIMARY KEY (plan_uuid, valid_from, position),"
  " UNIQUE (plan_uuid, valid_from, payer_id));"
  "CREATE TABLE IF NOT EXISTS plan_runs ("
  " plan_uuid TEXT NOT NULL REFERENCES plans (uuid),"
  " period TEXT NOT NULL,"
  " state TEXT NOT NULL,"
  " due_at INTEGER NOT NULL,"
  " batch_id TEXT,"
  " owner TEXT,"
  " lease_until INTEGER NOT NULL DEFAULT 0,"
  " started_at INTEGER NOT NULL DEFAULT 0,"
  " finished_at INTEGER NOT NULL DEFAULT 0,"
  " updated_at INTEGER NOT NULL,"
  " PRIMARY KEY (plan_uuid, period));"
  /* every bill a period made: revision 0 by the run, 1, 2, … by "bill again" */
  "CREATE TABLE IF NOT EXISTS plan_bills ("
  " plan_uuid TEXT NOT NULL REFERENCES plans (uuid),"
  " period TEXT NOT NULL,"
  " payer_id TEXT NOT NULL,"
  " revision INTEGER NOT NULL,"
  " bill_id TEXT NOT NULL UNIQUE,"
  " created_at INTEGER NOT NULL,"
  " PRIMARY KEY (plan_uuid, period, payer_id, revision));";

/* The same tables on a shop's server: bigint integers, byte-wise text keys (as SQLite
 * compares them), and plan_bills.seq for SQLite's rowid (the order bills were made). */
static const char pg_schema[] =
  "CREATE TABLE IF NOT EXISTS plans ("
  " uuid text COLLATE \"C\" PRIMARY KEY,"
  " profile_id text COLLATE \"C\" NOT NULL DEFAULT '',"
  " name text COLLATE \"C\" NOT NULL,"
  " day bigint NOT NULL,"
  " time bigint NOT NULL,"
  " days_to_pay bigint NOT NULL,"
  " reason text COLLATE \"C\" NOT NULL,"
  " message text COLLATE \"C\" NOT NULL,"
  " start_period text COLLATE \"C\" NOT NULL,"
  " end_period text COLLATE \"C\","
  " paused bigint NOT NULL DEFAULT 0,"
  " removed_at bigint NOT NULL DEFAULT 0,"
  " created_at bigint NOT NULL,"
  " updated_at bigint NOT NULL);"
  "CREATE TABLE IF NOT EXISTS plan_payers ("
  " plan_uuid text COLLATE \"C\" NOT NULL REFERENCES plans (uuid),"
  " valid_from text COLLATE \"C\" NOT NULL,"
  " position bigint NOT NULL,"
  " payer_id text COLLATE \"C\" NOT NULL,"
  " name text COLLATE \"C\" NOT NULL,"
  " phone text COLLATE \"C\" NOT NULL,"
  " amount bigint NOT NULL,"
  " method_id text COLLATE \"C\","
  " PRIMARY KEY (plan_uuid, valid_from, position),"
  " UNIQUE (plan_uuid, valid_from, payer_id));"
  "CREATE TABLE IF NOT EXISTS plan_runs ("
  " plan_uuid text COLLATE \"C\" NOT NULL REFERENCES plans (uuid),"
  " period text COLLATE \"C\" NOT NULL,"
  " state text COLLATE \"C\" NOT NULL,"
  " due_at bigint NOT NULL,"
  " batch_id text COLLATE \"C\","
  " owner text COLLATE \"C\","
  " lease_until bigint NOT NULL DEFAULT 0,"
  " started_at bigint NOT NULL DEFAULT 0,"
  " finished_at bigint NOT NULL DEFAULT 0,"
  " updated_at bigint NOT NULL,"
  " PRIMARY KEY (plan_uuid, period));"
  "CREATE TABLE IF NOT EXISTS plan_bills ("
  " seq bigserial UNIQUE,"
  " plan_uuid text COLLATE \"C\" NOT NULL REFERENCES plans (uuid),"
  " period text COLLATE \"C\" NOT NULL,"
  " payer_id text COLLATE \"C\" NOT NULL,"
  " revision bigint NOT NULL,"
  " bill_id text COLLATE \"C\" NOT NULL UNIQUE,"
  " created_at bigint NOT NULL,"
  " PRIMARY KEY (plan_uuid, period, payer_id, revision));";

struct _PmPlanRows
{
  guint      n_columns;
  GPtrArray *cells;   /* char *, NULL for SQL NULL; row after row */
};

static PmPlanRows *
rows_new (guint n_columns)
{
  PmPlanRows *rows = g_new0 (PmPlanRows, 1);

  rows->n_columns = n_columns;
  rows->cells = g_ptr_array_new_with_free_func (g_free);
  return rows;
}

void
pm_plan_rows_free (PmPlanRows *rows)
{
  if (rows == NULL)
    return;
  g_ptr_array_unref (rows->cells);
  g_free (rows);
}

guint
pm_plan_rows_len (PmPlanRows *rows)
{
  return rows->n_columns > 0 ? rows->cells->len / rows->n_columns : 0;
}

const char *
pm_plan_rows_text_or_null (PmPlanRows *rows,
                           guint       row,
                           guint       column)
{
  g_return_val_if_fail (row < pm_plan_rows_len (rows) && column < rows->n_columns, NULL);

  return g_ptr_array_index (rows->cells, row * rows->n_columns + column);
}

const char *
pm_plan_rows_text (PmPlanRows *rows,
                   guint       row,
                   guint       column)
{
  const char *text = pm_plan_rows_text_or_null (rows, row, column);

  return text != NULL ? text : "";
}

gint64
pm_plan_rows_int64 (PmPlanRows *rows,
                    guint       row,
                    guint       column)
{
  const char *text = pm_plan_rows_text_or_null (rows, row, column);

  if (text == NULL)
    return 0;
  if (strcmp (text, "t") == 0)
    return 1;
  return g_ascii_strtoll (text, NULL, 10);
}

/* ---- running a statement ---- */

/* ?N → $N, and a bare ? → $k in order, outside quoted literals. */
static char *
pg_text_of (const char *sql)
{
  GString *out = g_string_sized_new (strlen (sql) + 16);
  gboolean quoted = FALSE;
  guint next = 0;

  for (const char *p = sql; *p != '\0'; p++)
    {
      if (*p == '\'')
        quoted = !quoted;
      if (*p != '?' || quoted)
        {
          g_string_append_c (out, *p);
          continue;
        }
      g_string_append_c (out, '$');
      if (g_ascii_isdigit (p[1]))
        continue;
      g_string_append_printf (out, "%u", ++next);
    }
  return g_string_free (out, FALSE);
}

static gboolean
run_sqlite (PmLedger          *ledger,
            const PmPlanStmt  *stmt,
            PmPlanRows       **rows_out,
            guint64           *changes,
            GError           **error,
            const char        *types,
            va_list            ap)
{
  sqlite3_stmt *s = pm_ledger_prepare (ledger, stmt->sqlite, error);
  g_autoptr(PmPlanRows) rows = NULL;
  int rc;

  if (s == NULL)
    return FALSE;
  for (int i = 0; types[i] != '\0'; i++)
    switch (types[i])
      {
      case 't':
        pm_ledger_bind_text (s, i + 1, va_arg (ap, const char *));
        break;
      case 'n':
        pm_ledger_bind_text_or_null (s, i + 1, va_arg (ap, const char *));
        break;
      case 'i':
        sqlite3_bind_int (s, i + 1, va_arg (ap, int));
        break;
      case 'l':
        sqlite3_bind_int64 (s, i + 1, va_arg (ap, gint64));
        break;
      default:
        g_assert_not_reached ();
      }
  rows = rows_new ((guint) sqlite3_column_count (s));
  while ((rc = sqlite3_step (s)) == SQLITE_ROW)
    for (guint c = 0; c < rows->n_columns; c++)
      g_ptr_array_add (rows->cells, g_strdup ((const char *) sqlite3_column_text (s, (int) c)));
  sqlite3_reset (s);
  if (rc != SQLITE_DONE)
    return pm_ledger_fail (ledger, rc, error);
  if (changes != NULL)
    *changes = (guint64) sqlite3_changes (ledger->db);
  if (rows_out != NULL)
    *rows_out = g_steal_pointer (&rows);
  return TRUE;
}

static gboolean
run_pg (PmLedger          *ledger,
        const PmPlanStmt  *stmt,
        PmPlanRows       **rows_out,
        guint64           *changes,
        GError           **error,
        const char        *types,
        va_list            ap)
{
  g_autofree char *derived = stmt->pg == NULL ? pg_text_of (stmt->sqlite) : NULL;
  g_autoptr(PGresult) res = NULL;
  g_autoptr(PmPlanRows) rows = NULL;
  PmPgParams params;
  const char *text;

  pm_pg_params_init (&params);
  for (int i = 0; types[i] != '\0'; i++)
    switch (types[i])
      {
      case 't':
        pm_pg_params_text (&params, va_arg (ap, const char *));
        break;
      case 'n':
        text = va_arg (ap, const char *);
        pm_pg_params_text_or_null (&params, text != NULL && *text != '\0' ? text : NULL);
        break;
      case 'i':
        pm_pg_params_int64 (&params, va_arg (ap, int));
        break;
      case 'l':
        pm_pg_params_int64 (&params, va_arg (ap, gint64));
        break;
      default:
        g_assert_not_reached ();
      }
  res = pm_ledger_pg_exec (ledger, stmt->pg != NULL ? stmt->pg : derived, &params, error);
  pm_pg_params_clear (&params);
  if (res == NULL)
    return FALSE;
  rows = rows_new ((guint) PQnfields (res));
  for (int r = 0; r < PQntuples (res); r++)
    for (int c = 0; c < (int) rows->n_columns; c++)
      g_ptr_array_add (rows->cells, PQgetisnull (res, r, c) ? NULL
                                                            : g_strdup (PQgetvalue (res, r, c)));
  if (changes != NULL)
    *changes = g_ascii_strtoull (PQcmdTuples (res), NULL, 10);
  if (rows_out != NULL)
    *rows_out = g_steal_pointer (&rows);
  return TRUE;
}

PmPlanRows *
pm_plan_sql_query (PmLedger          *ledger,
                   const PmPlanStmt  *stmt,
                   GError           **error,
                   const char        *types,
                   ...)
{
  PmPlanRows *rows = NULL;
  va_list ap;

  va_start (ap, types);
  if (pm_ledger_is_shared (ledger))
    run_pg (ledger, stmt, &rows, NULL, error, types, ap);
  else
    run_sqlite (ledger, stmt, &rows, NULL, error, types, ap);
  va_end (ap);
  return rows;
}

gboolean
pm_plan_sql_exec (PmLedger          *ledger,
                  const PmPlanStmt  *stmt,
                  guint64           *changes,
                  GError           **error,
                  const char        *types,
                  ...)
{
  gboolean ok;
  va_list ap;

  va_start (ap, types);
  if (pm_ledger_is_shared (ledger))
    ok = run_pg (ledger, stmt, NULL, changes, error, types, ap);
  else
    ok = run_sqlite (ledger, stmt, NULL, changes, error, types, ap);
  va_end (ap);
  return ok;
}

/* ---- transactions and tables ---- */

gboolean
pm_plan_sql_begin (PmLedger  *ledger,
                   GError   **error)
{
  if (!pm_ledger_begin (ledger, error))
    return FALSE;
  if (!pm_ledger_is_shared (ledger))
    return TRUE;
  if (pm_ledger_pg_command (ledger, "SELECT pg_advisory_xact_lock (" PLANS_LOCK_KEY ")", NULL,
                            error))
    return TRUE;
  pm_ledger_rollback (ledger);
  return FALSE;
}

gboolean
pm_plan_sql_create_tables (PmLedger  *ledger,
                           GError   **error)
{
  gboolean ok;

  /* SQLite: one BEGIN IMMEDIATE transaction, so several processes opening the ledger at
   * once take turns (the busy timeout) and the second finds the tables there.
   * PostgreSQL: the plans' lock for the transaction does the same across desks (two
   * CREATE TABLE IF NOT EXISTS at once may otherwise both try to create). */
  if (!pm_plan_sql_begin (ledger, error))
    return FALSE;
  if (pm_ledger_is_shared (ledger))
    ok = pm_ledger_pg_command (ledger, pg_schema, NULL, error);
  else
    {
      int rc = sqlite3_exec (ledger->db, sqlite_schema, NULL, NULL, NULL);

      ok = rc == SQLITE_OK || pm_ledger_fail (ledger, rc, error);
    }
  if (!ok)
    {
      pm_ledger_rollback (ledger);
      return FALSE;
    }
  return pm_ledger_commit (ledger, error);
}

/* ---- run locks ---- */

struct _PmPlanRunLock
{
  PmLedger *conn;    /* a reader of the shop ledger: a session of its own */
  char     *key;     /* plan uuid/period */
};

void
pm_plan_run_lock_free (PmPlanRunLock *lock)
{
  if (lock == NULL)
    return;
  /* closing the session ends the lock */
  g_clear_object (&lock->conn);
  g_free (lock->key);
  g_free (lock);
}

PmPlanRunLock *
pm_plan_run_lock_try (PmLedger    *ledger,
                      const char  *plan_uuid,
                      const char  *period,
                      GError     **error)
{
  PmPlanRunLock *lock = g_new0 (PmPlanRunLock, 1);
  g_autoptr(PGresult) res = NULL;
  PmPgParams params;

  g_return_val_if_fail (pm_ledger_is_shared (ledger), NULL);

  lock->key = g_strdup_printf ("%s/%s", plan_uuid, period);
  lock->conn = pm_ledger_open_reader (ledger, error);
  if (lock->conn == NULL)
    {
      pm_plan_run_lock_free (lock);
      return NULL;
    }
  pm_pg_params_init (&params);
  pm_pg_params_text (&params, lock->key);
  res = pm_ledger_pg_exec (lock->conn, "SELECT pg_try_advisory_lock (" RUN_LOCK_CLASS
                           ", hashtext ($1))", &params, error);
  pm_pg_params_clear (&params);
  if (res == NULL || PQntuples (res) != 1 || strcmp (PQgetvalue (res, 0, 0), "t") != 0)
    {
      pm_plan_run_lock_free (lock);
      return NULL;
    }
  return lock;
}

gboolean
pm_plan_run_lock_check (PmPlanRunLock  *lock,
                        GError        **error)
{
  g_autoptr(PGresult) res = NULL;
  g_autoptr(GError) local = NULL;
  PmPgParams params;

  /* the lock's own session must still be the one holding it: a connection that was
   * lost and made again holds nothing */
  pm_pg_params_init (&params);
  pm_pg_params_text (&params, lock->key);
  res = pm_ledger_pg_exec (lock->conn,
                           "SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' "
                           "AND pid = pg_backend_pid () AND granted AND objsubid = 2 "
                           "AND classid = (" RUN_LOCK_CLASS "::bigint & 4294967295)::oid "
                           "AND objid = (hashtext ($1)::bigint & 4294967295)::oid)",
                           &params, &local);
  pm_pg_params_clear (&params);
  if (res != NULL && PQntuples (res) == 1 && strcmp (PQgetvalue (res, 0, 0), "t") == 0)
    return TRUE;
  g_set_error (error, PM_ERROR, PM_ERROR_STORAGE,
               _("This desk lost its hold on the plan’s run in the shop ledger (%s); the "
                 "run stops here and the next run takes it up."),
               local != NULL ? local->message : _("another desk may have taken it over"));
  return FALSE;
}

gboolean
pm_plan_sql_free_intent (PmLedger    *ledger,
                         const char  *bill_id,
                         GError     **error)
{
  PmPgParams params;
  gboolean ok;

  if (!pm_ledger_is_shared (ledger))
    return TRUE;
  pm_pg_params_init (&params);
  pm_pg_params_text (&params, bill_id);
  ok = pm_ledger_pg_command (ledger,
                             "UPDATE bills SET lease_owner = NULL, lease_until = 0 "
                             "WHERE bill_id = $1 AND state IN ('queued', 'sending', 'unknown')",
                             &params, error);
  pm_pg_params_clear (&params);
  return ok;
}
