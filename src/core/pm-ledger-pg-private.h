/* pm-ledger-pg-private.h — the PostgreSQL backend's state and helpers, shared by
 * pm-ledger-pg.c (connection, schema, writes, leases, change watching) and
 * pm-ledger-pg-select.c (queries, totals, summary, export)
 *
 * Copyright 2026 The Paymint Desk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "pm-ledger-private.h"

#include <libpq-fe.h>

G_BEGIN_DECLS

/* The schema version this build writes (paymint_ledger_meta 'schema_version'). */
#define PM_LEDGER_PG_SCHEMA_VERSION 1
/* What paymint_ledger_meta 'application' says in a database that is ours. */
#define PM_LEDGER_PG_APPLICATION    "paymint-desk"
/* The oldest server this backend uses (FOR UPDATE SKIP LOCKED, pg_trgm, websearch…). */
#define PM_LEDGER_PG_MIN_VERSION    130000
/* LISTEN/NOTIFY channel: every committed write of a desk notifies it. */
#define PM_LEDGER_PG_CHANNEL        "paymint_ledger"
/* A desk's lease on a due check (list_due) lasts this long unless it reports first. */
#define PM_LEDGER_PG_LEASE_SECONDS  60

typedef struct
{
  PGconn     *conn;
  char       *uri;            /* as given, without the password */
  char       *password;       /* NULL: none */
  char       *desk_id;        /* this connection's lease owner: host, pid, random */
  int         server_version;
  int         backend_pid;    /* notifications from this pid are our own */

  guint       in_transaction : 1;  /* pm_ledger_begin / begin_observed / snapshot */
  guint       fail_writes : 1;     /* test hook: refuse writes */
  guint       notify_pending : 1;  /* a write in the open transaction, to be announced */
  guint       read_only : 1;       /* a reader (pm_ledger_open_reader) */
  guint       schema_ready : 1;    /* checked (and created) on this server */
  guint       snapshot_joined : 1; /* begin_snapshot joined the owner's transaction */

  guint       group_delay_ms;
  guint64     group_commits;
  guint64     outside_serial;      /* outside changes seen so far, from 1 */
  gint64      next_reconnect;      /* monotonic time of the watch's next attempt */
} PmLedgerPg;

#define PM_LEDGER_PG(ledger) ((PmLedgerPg *) (ledger)->backend_data)

/* Parameters of one statement, as text ($1, $2, …). */
typedef struct
{
  GPtrArray *values;   /* char *, NULL for SQL NULL */
} PmPgParams;

void        pm_pg_params_init        (PmPgParams  *params);
void        pm_pg_params_clear       (PmPgParams  *params);
void        pm_pg_params_text        (PmPgParams  *params,
                                      const char  *value);   /* NULL: '' */
void        pm_pg_params_text_or_null (PmPgParams *params,
                                      const char  *value);
void        pm_pg_params_int64       (PmPgParams  *params,
                                      gint64       value);
/* The 27 bill columns in BILL_COLUMNS order ($k … $k+26 from the current count). */
void        pm_pg_params_bill        (PmPgParams  *params,
                                      PmBill      *bill);

/* Runs @sql with @params on the ledger's connection (@params NULL: no parameters, and
 * @sql may hold several statements). A result that is not
 * COMMAND_OK or TUPLES_OK is cleared and turned into a PM_ERROR that says what failed;
 * a lost connection is tried once more, reconnecting, when no transaction was open.
 * SQLSTATE 23505 (unique violation) gives PM_ERROR_DUPLICATE_BILL. */
PGresult   *pm_ledger_pg_exec        (PmLedger    *self,
                                      const char  *sql,
                                      PmPgParams  *params,
                                      GError     **error);
/* The same, for statements whose rows are not needed. */
gboolean    pm_ledger_pg_command     (PmLedger    *self,
                                      const char  *sql,
                                      PmPgParams  *params,
                                      GError     **error);

/* Field helpers: "" for NULL, 0 for NULL or unreadable. */
const char *pm_pg_text               (PGresult    *res,
                                      int          row,
                                      int          column);
gint64      pm_pg_int64              (PGresult    *res,
                                      int          row,
                                      int          column);
/* A bill from a row whose first 27 columns are BILL_COLUMNS. */
PmBill     *pm_ledger_pg_bill_from_row (PGresult  *res,
                                        int        row);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PGresult, PQclear)

/* ---- pm-ledger-pg-select.c ---- */

/* CREATE INDEX IF NOT EXISTS … the reads need; run by the schema step. */
extern const char pm_ledger_pg_select_indexes_sql[];

gboolean         pm_ledger_pg_count        (PmLedger *self, const PmLedgerQuery *query,
                                            guint *n_bills, GError **error);
GPtrArray       *pm_ledger_pg_fetch        (PmLedger *self, const PmLedgerQuery *query,
                                            guint offset, guint limit, GError **error);
gboolean         pm_ledger_pg_totals       (PmLedger *self, const PmLedgerQuery *query,
                                            PmLedgerTotals *totals, GError **error);
gboolean         pm_ledger_pg_locate       (PmLedger *self, const PmLedgerQuery *query,
                                            const char *bill_id, gboolean *selected,
                                            guint *position, GError **error);
GPtrArray       *pm_ledger_pg_recent_payers (PmLedger *self, const char *profile_id,
                                             const char *prefix, guint limit,
                                             GError **error);
gboolean         pm_ledger_pg_export_csv   (PmLedger *self, const PmLedgerQuery *query,
                                            GOutputStream *stream, guint64 *n_rows,
                                            GCancellable *cancellable, GError **error);
PmLedgerSummary *pm_ledger_pg_summarize    (PmLedger *self, const char *profile_id,
                                            PmSummarySpan span, int year, int month,
                                            gint64 now, GError **error);
char            *pm_ledger_pg_explain      (PmLedger *self, const PmLedgerQuery *query,
                                            guint offset, guint limit);

G_END_DECLS
