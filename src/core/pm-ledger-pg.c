/* pm-ledger-pg.c — the PostgreSQL backend of the ledger: a shop's ledger, shared by
 * every desk (connection, schema, writes, leases on due checks, change watching)
 *
 * Copyright 2026 The Paymint Desk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * How the money guarantees hold with several desks on one database:
 *  - An intent is one statement (the bill, its "created" event and the notification)
 *    committed with synchronous_commit on: when pm_ledger_insert_intent() returns, the
 *    server has it on disk, and only then does the sender let the request leave.
 *  - bill_id is the primary key: two desks cannot both hold one bill.
 *  - A desk's intents carry a lease (lease_owner, lease_until) while it sends them, so
 *    another desk's recovery (list_unsettled) leaves them alone. A desk lives while its
 *    session holds an advisory lock of its own: one that dies loses its leases at once
 *    (or when they end), and whoever looks next reads the bill back.
 *  - Due checks are leased the same way (list_due: FOR UPDATE SKIP LOCKED), so N desks
 *    read each bill once per schedule step, not N times.
 *  - A lost connection is never retried after a statement was sent (it may have been
 *    committed): the call fails with PM_ERROR_STORAGE, which pauses sending, and the
 *    next call reconnects first.
 *  - Every write statement ends with pg_notify (delivered at commit); the other desks'
 *    get_outside_serial counts what they receive (LISTEN), so their windows follow.
 */

#include "config.h"

#include "pm-ledger-pg-private.h"

#include "pm-error.h"

#include <string.h>
#include <unistd.h>
#include <glib/gi18n-lib.h>

/* pg_advisory_lock key of the schema step ("PmLedger" in ASCII). */
#define SCHEMA_LOCK_KEY "5795726097839236466"
#define CONNECT_TIMEOUT "5"
/* pg_advisory_lock class of the desks' lives ("PMDS"), and whether the desk that holds
 * the lease of bills row "b" still lives: a lease ends when its time is up or when its
 * desk's session is gone (a desk that died, whose process restarted). Read from pg_locks
 * once per statement (the "desks" CTE). */
#define DESK_LOCK_CLASS "1347240019"
#define LIVE_DESKS_CTE \
  "desks AS MATERIALIZED (SELECT objid FROM pg_catalog.pg_locks WHERE locktype = 'advisory'" \
  " AND classid = " DESK_LOCK_CLASS " AND objsubid = 2 AND granted)"
#define LEASE_LIVE(b, now) \
  "(" b ".lease_until > " now " AND (hashtext (" b ".lease_owner)::bigint & 4294967295)::oid" \
  " IN (SELECT objid FROM desks))"
#define RECONNECT_INTERVAL_S 5

/* ------------------------------------------------------------------------ */
/* Schema                                                                   */
/* ------------------------------------------------------------------------ */

/* Text columns sort byte-wise (COLLATE "C"), as SQLite's do: pages of a sorted list are
 * the same on both backends, whatever the database's own collation. */
static const char schema_v1[] =
  "CREATE TABLE paymint_ledger_meta ("
  "  key   text PRIMARY KEY,"
  "  value text NOT NULL"
  ");"
  "CREATE TABLE bills ("
  "  id              bigserial UNIQUE,"
  "  bill_id         text COLLATE \"C\" PRIMARY KEY,"
  "  profile_id      text COLLATE \"C\" NOT NULL DEFAULT '',"
  "  kind            text COLLATE \"C\" NOT NULL DEFAULT 'request',"
  "  payer_name      text COLLATE \"C\" NOT NULL DEFAULT '',"
  "  phone           text COLLATE \"C\" NOT NULL DEFAULT '',"
  "  product         text COLLATE \"C\" NOT NULL DEFAULT '',"
  "  message         text COLLATE \"C\" NOT NULL DEFAULT '',"
  "  price           bigint NOT NULL DEFAULT 0,"
  "  expire_date     text COLLATE \"C\" NOT NULL DEFAULT '',"
  "  method_id       text COLLATE \"C\" NOT NULL DEFAULT '',"
  "  note            text COLLATE \"C\" NOT NULL DEFAULT '',"
  "  batch_id        text COLLATE \"C\","
  "  state           text COLLATE \"C\" NOT NULL DEFAULT 'queued',"
  "  short_url       text COLLATE \"C\" NOT NULL DEFAULT '',"
  "  appr_pay_type   text COLLATE \"C\" NOT NULL DEFAULT '',"
  "  appr_price      bigint NOT NULL DEFAULT 0,"
  "  appr_dt         text COLLATE \"C\" NOT NULL DEFAULT '',"
  "  appr_num        text COLLATE \"C\" NOT NULL DEFAULT '',"
  "  appr_issuer     text COLLATE \"C\" NOT NULL DEFAULT '',"
  "  appr_card_type  text COLLATE \"C\" NOT NULL DEFAULT '',"
  "  appr_monthly    text COLLATE \"C\" NOT NULL DEFAULT '',"
  "  error_code      text COLLATE \"C\" NOT NULL DEFAULT '',"
  "  error_text      text COLLATE \"C\" NOT NULL DEFAULT '',"
  "  created_at      bigint NOT NULL DEFAULT 0,"
  "  updated_at      bigint NOT NULL DEFAULT 0,"
  "  last_checked_at bigint NOT NULL DEFAULT 0,"
  "  next_check_at   bigint NOT NULL DEFAULT 0,"
  "  lease_owner     text COLLATE \"C\","
  "  lease_until     bigint NOT NULL DEFAULT 0"
  ");"
  "CREATE INDEX bills_p_created ON bills (profile_id, created_at, bill_id);"
  "CREATE INDEX bills_batch ON bills (batch_id) WHERE batch_id IS NOT NULL;"
  "CREATE INDEX bills_due ON bills (next_check_at) WHERE state IN " NON_FINAL_STATES ";"
  /* next_due_time: the earliest moment a check is due for this desk (after any lease) */
  "CREATE INDEX bills_due_at ON bills (profile_id, greatest (next_check_at, lease_until))"
  "  WHERE state IN " NON_FINAL_STATES " AND next_check_at > 0;"
  "CREATE INDEX bills_unsettled ON bills (profile_id, created_at)"
  "  WHERE state IN ('queued', 'sending', 'unknown');"
  "CREATE TABLE events ("
  "  id         bigserial PRIMARY KEY,"
  "  bill_id    text COLLATE \"C\" NOT NULL REFERENCES bills (bill_id) ON DELETE CASCADE,"
  "  at         bigint NOT NULL,"
  "  kind       text NOT NULL,"
  "  from_state text,"
  "  to_state   text,"
  "  detail     text"
  ");"
  "CREATE INDEX events_bill ON events (bill_id, at, id);"
  "CREATE TABLE batches ("
  "  id           text COLLATE \"C\" PRIMARY KEY,"
  "  seq          bigserial,"
  "  created_at   bigint NOT NULL DEFAULT 0,"
  "  source_name  text NOT NULL DEFAULT '',"
  "  n_total      bigint NOT NULL DEFAULT 0,"
  "  n_sent       bigint NOT NULL DEFAULT 0,"
  "  n_failed     bigint NOT NULL DEFAULT 0,"
  "  name         text NOT NULL DEFAULT '',"
  "  profile_id   text COLLATE \"C\" NOT NULL DEFAULT '',"
  "  content_hash text COLLATE \"C\" NOT NULL DEFAULT ''"
  ");"
  "CREATE INDEX batches_content ON batches (profile_id, content_hash) WHERE content_hash <> '';"
  "CREATE TABLE payers ("
  "  profile_id    text COLLATE \"C\" NOT NULL,"
  "  phone         text COLLATE \"C\" NOT NULL,"
  "  name          text COLLATE \"C\" NOT NULL DEFAULT '',"
  "  registered_at bigint NOT NULL DEFAULT 0,"
  "  PRIMARY KEY (profile_id, phone)"
  ");";

/* ------------------------------------------------------------------------ */
/* Parameters and results                                                   */
/* ------------------------------------------------------------------------ */

void
pm_pg_params_init (PmPgParams *params)
{
  params->values = g_ptr_array_new_with_free_func (g_free);
}

void
pm_pg_params_clear (PmPgParams *params)
{
  g_clear_pointer (&params->values, g_ptr_array_unref);
}

void
pm_pg_params_text (PmPgParams *params,
                   const char *value)
{
  g_ptr_array_add (params->values, g_strdup (value != NULL ? value : ""));
}

void
pm_pg_params_text_or_null (PmPgParams *params,
                           const char *value)
{
  g_ptr_array_add (params->values, g_strdup (value));
}

void
pm_pg_params_int64 (PmPgParams *params,
                    gint64      value)
{
  g_ptr_array_add (params->values, g_strdup_printf ("%" G_GINT64_FORMAT, value));
}

void
pm_pg_params_bill (PmPgParams *params,
                   PmBill     *bill)
{
  pm_pg_params_text (params, pm_bill_get_bill_id (bill));
  pm_pg_params_text (params, pm_bill_get_profile_id (bill));
  pm_pg_params_text (params, pm_bill_kind_to_string (pm_bill_get_kind (bill)));
  pm_pg_params_text (params, pm_bill_get_payer_name (bill));
  pm_pg_params_text (params, pm_bill_get_phone (bill));
  pm_pg_params_text (params, pm_bill_get_product (bill));
  pm_pg_params_text (params, pm_bill_get_message (bill));
  pm_pg_params_int64 (params, pm_bill_get_price (bill));
  pm_pg_params_text (params, pm_bill_get_expire_date (bill));
  pm_pg_params_text (params, pm_bill_get_method_id (bill));
  pm_pg_params_text (params, pm_bill_get_note (bill));
  pm_pg_params_text_or_null (params, pm_bill_get_batch_id (bill));
  pm_pg_params_text (params, pm_bill_state_to_string (pm_bill_get_state (bill)));
  pm_pg_params_text (params, pm_bill_get_short_url (bill));
  pm_pg_params_text (params, pm_bill_get_appr_pay_type (bill));
  pm_pg_params_int64 (params, pm_bill_get_appr_price (bill));
  pm_pg_params_text (params, pm_bill_get_appr_dt (bill));
  pm_pg_params_text (params, pm_bill_get_appr_num (bill));
  pm_pg_params_text (params, pm_bill_get_appr_issuer (bill));
  pm_pg_params_text (params, pm_bill_get_appr_card_type (bill));
  pm_pg_params_text (params, pm_bill_get_appr_monthly (bill));
  pm_pg_params_text (params, pm_bill_get_error_code (bill));
  pm_pg_params_text (params, pm_bill_get_error_text (bill));
  pm_pg_params_int64 (params, pm_bill_get_created_at (bill));
  pm_pg_params_int64 (params, pm_bill_get_updated_at (bill));
  pm_pg_params_int64 (params, pm_bill_get_last_checked_at (bill));
  pm_pg_params_int64 (params, pm_bill_get_next_check_at (bill));
}

const char *
pm_pg_text (PGresult *res,
            int       row,
            int       column)
{
  if (PQgetisnull (res, row, column))
    return "";
  return PQgetvalue (res, row, column);
}

gint64
pm_pg_int64 (PGresult *res,
             int       row,
             int       column)
{
  if (PQgetisnull (res, row, column))
    return 0;
  return g_ascii_strtoll (PQgetvalue (res, row, column), NULL, 10);
}

PmBill *
pm_ledger_pg_bill_from_row (PGresult *res,
                            int       row)
{
  PmBill *bill = pm_bill_new ();
  PmBillState state = PM_BILL_STATE_UNKNOWN;
  PmBillKind kind = PM_BILL_KIND_REQUEST;

  pm_bill_state_from_string (pm_pg_text (res, row, COL_STATE), &state);
  pm_bill_kind_from_string (pm_pg_text (res, row, COL_KIND), &kind);

  pm_bill_set_bill_id (bill, pm_pg_text (res, row, COL_BILL_ID));
  pm_bill_set_profile_id (bill, pm_pg_text (res, row, COL_PROFILE_ID));
  pm_bill_set_kind (bill, kind);
  pm_bill_set_payer_name (bill, pm_pg_text (res, row, COL_PAYER_NAME));
  pm_bill_set_phone (bill, pm_pg_text (res, row, COL_PHONE));
  pm_bill_set_product (bill, pm_pg_text (res, row, COL_PRODUCT));
  pm_bill_set_message (bill, pm_pg_text (res, row, COL_MESSAGE));
  pm_bill_set_price (bill, pm_pg_int64 (res, row, COL_PRICE));
  pm_bill_set_expire_date (bill, pm_pg_text (res, row, COL_EXPIRE_DATE));
  pm_bill_set_method_id (bill, pm_pg_text (res, row, COL_METHOD_ID));
  pm_bill_set_note (bill, pm_pg_text (res, row, COL_NOTE));
  pm_bill_set_batch_id (bill, PQgetisnull (res, row, COL_BATCH_ID)
                                ? NULL : PQgetvalue (res, row, COL_BATCH_ID));
  pm_bill_set_state (bill, state);
  pm_bill_set_short_url (bill, pm_pg_text (res, row, COL_SHORT_URL));
  pm_bill_set_appr_pay_type (bill, pm_pg_text (res, row, COL_APPR_PAY_TYPE));
  pm_bill_set_appr_price (bill, pm_pg_int64 (res, row, COL_APPR_PRICE));
  pm_bill_set_appr_dt (bill, pm_pg_text (res, row, COL_APPR_DT));
  pm_bill_set_appr_num (bill, pm_pg_text (res, row, COL_APPR_NUM));
  pm_bill_set_appr_issuer (bill, pm_pg_text (res, row, COL_APPR_ISSUER));
  pm_bill_set_appr_card_type (bill, pm_pg_text (res, row, COL_APPR_CARD_TYPE));
  pm_bill_set_appr_monthly (bill, pm_pg_text (res, row, COL_APPR_MONTHLY));
  pm_bill_set_error_code (bill, pm_pg_text (res, row, COL_ERROR_CODE));
  pm_bill_set_error_text (bill, pm_pg_text (res, row, COL_ERROR_TEXT));
  pm_bill_set_created_at (bill, pm_pg_int64 (res, row, COL_CREATED_AT));
  pm_bill_set_updated_at (bill, pm_pg_int64 (res, row, COL_UPDATED_AT));
  pm_bill_set_last_checked_at (bill, pm_pg_int64 (res, row, COL_LAST_CHECKED_AT));
  pm_bill_set_next_check_at (bill, pm_pg_int64 (res, row, COL_NEXT_CHECK_AT));
  return bill;
}

static GPtrArray *
bills_from_result (PGresult *res)
{
  GPtrArray *bills = g_ptr_array_new_with_free_func (g_object_unref);

  for (int row = 0; row < PQntuples (res); row++)
    g_ptr_array_add (bills, pm_ledger_pg_bill_from_row (res, row));
  return bills;
}

/* ------------------------------------------------------------------------ */
/* Connection                                                               */
/* ------------------------------------------------------------------------ */

/* libpq's message, first line, without its "FATAL:  " decorations. */
static char *
server_message (const char *message)
{
  g_autofree char *copy = g_strdup (message != NULL ? message : "");
  char *line = g_strstrip (copy);
  char *newline = strchr (line, '\n');

  if (newline != NULL)
    *newline = '\0';
  while (g_str_has_prefix (line, "FATAL:") || g_str_has_prefix (line, "ERROR:"))
    line = g_strstrip (line + strlen ("ERROR:"));
  return g_strdup (line);
}

/* Why a connection attempt failed, as a person reads it. */
static void
set_connect_error (PmLedger   *self,
                   PGconn     *conn,
                   GError    **error)
{
  PmLedgerPg *pg = PM_LEDGER_PG (self);
  const char *raw = PQerrorMessage (conn);
  g_autofree char *message = server_message (raw);
  const char *user = PQuser (conn);
  const char *db = PQdb (conn);

  if (strstr (raw, "password authentication failed") != NULL
      || strstr (raw, "no password supplied") != NULL
      || strstr (raw, "authentication failed") != NULL)
    g_set_error (error, PM_ERROR, PM_ERROR_STORAGE,
                 _("The shop ledger refused the password of the user “%s”. Check the "
                   "password saved with this connection."), user != NULL ? user : "");
  else if (strstr (raw, "does not exist") != NULL && strstr (raw, "database") != NULL)
    g_set_error (error, PM_ERROR, PM_ERROR_STORAGE,
                 _("The shop ledger’s server has no database “%s”. Create it first (see "
                   "the README’s “One ledger for the whole shop”)."), db != NULL ? db : "");
  else
    g_set_error (error, PM_ERROR, PM_ERROR_STORAGE,
                 _("The shop ledger at %s cannot be reached: %s"), pg->uri, message);
}

static gboolean
start_listening (PmLedger  *self,
                 GError   **error)
{
  PmLedgerPg *pg = PM_LEDGER_PG (self);

  PmPgParams params;
  gboolean ok;

  pg->backend_pid = PQbackendPID (pg->conn);
  if (!pm_ledger_pg_command (self, "LISTEN " PM_LEDGER_PG_CHANNEL, NULL, error))
    return FALSE;
  /* This desk is alive while its session holds this lock: the server lets it go when
   * the desk dies (or its connection does), and its leases end with it (LEASE_LIVE). */
  pm_pg_params_init (&params);
  pm_pg_params_text (&params, pg->desk_id);
  ok = pm_ledger_pg_command (self,
                             "SELECT pg_advisory_lock (" DESK_LOCK_CLASS ", hashtext ($1))",
                             &params, error);
  pm_pg_params_clear (&params);
  return ok;
}

static void
notice_to_debug (void       *user_data,
                 const char *message)
{
  g_debug ("Shop ledger: %s", message);
}

static PGconn *
connect_to (PmLedger  *self,
            GError   **error)
{
  PmLedgerPg *pg = PM_LEDGER_PG (self);
  const char *keys[5] = { "dbname", "application_name", "connect_timeout", NULL, NULL };
  const char *values[5] = { pg->uri, "paymint-desk", CONNECT_TIMEOUT, NULL, NULL };
  PGconn *conn;

  if (pg->password != NULL)
    {
      keys[3] = "password";
      values[3] = pg->password;
    }
  conn = PQconnectdbParams (keys, values, 1);
  if (conn == NULL)
    {
      g_set_error (error, PM_ERROR, PM_ERROR_STORAGE,
                   _("The shop ledger at %s cannot be reached: out of memory"), pg->uri);
      return NULL;
    }
  if (PQstatus (conn) != CONNECTION_OK)
    {
      set_connect_error (self, conn, error);
      PQfinish (conn);
      return NULL;
    }
  /* our integers and texts, whatever the role's defaults */
  PQsetClientEncoding (conn, "UTF8");
  /* the server's notices ("already exists, skipping") are for the debug log */
  PQsetNoticeProcessor (conn, notice_to_debug, NULL);
  /* Only intents must be on disk before the call returns; they say so themselves (the
   * intent statement, and pm_ledger_begin's transactions). Everything else — what the
   * server told us, check times, leases — is read again if a crash loses it, so it does
   * not wait for the disk (as the SQLite backend groups those commits). */
  {
    PGresult *res = PQexec (conn, "SET synchronous_commit = off");

    if (res == NULL || PQresultStatus (res) != PGRES_COMMAND_OK)
      {
        g_set_error (error, PM_ERROR, PM_ERROR_STORAGE,
                     _("The shop ledger at %s cannot be reached: %s"), pg->uri,
                     PQerrorMessage (conn));
        g_clear_pointer (&res, PQclear);
        PQfinish (conn);
        return NULL;
      }
    PQclear (res);
  }
  return conn;
}

static gboolean check_version  (PmLedger  *self,
                                GError   **error);
static gboolean prepare_schema (PmLedger  *self,
                                GError   **error);

/* A connection lost since the last call: one new one, before anything is sent. */
static gboolean
ensure_connected (PmLedger  *self,
                  GError   **error)
{
  PmLedgerPg *pg = PM_LEDGER_PG (self);
  PGconn *conn;

  if (pg->conn != NULL && PQstatus (pg->conn) == CONNECTION_OK)
    return TRUE;
  if (pg->in_transaction)
    {
      g_set_error (error, PM_ERROR, PM_ERROR_STORAGE,
                   _("The connection to the shop ledger was lost in the middle of a "
                     "transaction; nothing of it was kept."));
      return FALSE;
    }
  conn = connect_to (self, error);
  if (conn == NULL)
    return FALSE;
  g_clear_pointer (&pg->conn, PQfinish);
  pg->conn = conn;
  /* what others wrote while we were away was not announced to us */
  pg->outside_serial++;
  if (!pg->schema_ready && !pg->read_only)
    {
      /* opened while the server could not be reached (pm_ledger_new_shop_lazy) */
      pg->server_version = PQserverVersion (conn);
      if (!check_version (self, error) || !prepare_schema (self, error))
        {
          g_clear_pointer (&pg->conn, PQfinish);
          return FALSE;
        }
      pg->schema_ready = TRUE;
    }
  return start_listening (self, error);
}

static void
set_result_error (PmLedger  *self,
                  PGresult  *res,
                  GError   **error)
{
  PmLedgerPg *pg = PM_LEDGER_PG (self);
  const char *state = res != NULL ? PQresultErrorField (res, PG_DIAG_SQLSTATE) : NULL;
  g_autofree char *message = server_message (res != NULL ? PQresultErrorMessage (res)
                                                         : PQerrorMessage (pg->conn));

  if (state != NULL && g_str_equal (state, "23505"))
    g_set_error (error, PM_ERROR, PM_ERROR_DUPLICATE_BILL, "%s", message);
  else if (state != NULL && g_str_equal (state, "23503"))
    g_set_error (error, PM_ERROR, PM_ERROR_NOT_FOUND, "%s", message);
  else if (state != NULL && g_str_equal (state, "25006"))
    g_set_error (error, PM_ERROR, PM_ERROR_STORAGE,
                 _("The shop ledger cannot be written: %s"), message);
  else if (PQstatus (pg->conn) != CONNECTION_OK)
    g_set_error (error, PM_ERROR, PM_ERROR_STORAGE,
                 _("The connection to the shop ledger at %s was lost: %s"), pg->uri, message);
  else
    g_set_error (error, PM_ERROR, PM_ERROR_STORAGE,
                 _("The shop ledger failed: %s"), message);
}

/* BEGIN, COMMIT, SAVEPOINT…: the command tag, or NULL with @error set. */
static char *
control (PmLedger    *self,
         const char  *sql,
         GError     **error)
{
  PmLedgerPg *pg = PM_LEDGER_PG (self);
  g_autoptr(PGresult) res = NULL;

  if (pg->conn == NULL || PQstatus (pg->conn) != CONNECTION_OK)
    {
      g_set_error (error, PM_ERROR, PM_ERROR_STORAGE,
                   _("The connection to the shop ledger was lost in the middle of a "
                     "transaction; nothing of it was kept."));
      return NULL;
    }
  res = PQexec (pg->conn, sql);
  if (res == NULL || PQresultStatus (res) != PGRES_COMMAND_OK)
    {
      set_result_error (self, res, error);
      return NULL;
    }
  return g_strdup (PQcmdStatus (res));
}

/* Runs one statement. On failure: NULL, @error set, and *@retry set when the server
 * undid it for a reason that may not hold a moment later (a deadlock, a serialization
 * failure): running it again is safe, nothing of it was kept. */
static PGresult *
exec_now (PmLedger    *self,
          const char  *sql,
          PmPgParams  *params,
          gboolean    *retry,
          GError     **error)
{
  PmLedgerPg *pg = PM_LEDGER_PG (self);
  PGresult *res;
  ExecStatusType status;
  const char *state;
  int n = params != NULL ? (int) params->values->len : 0;

  *retry = FALSE;
  /* without parameters, the simple protocol: several statements may run at once (the
   * schema) */
  if (params == NULL)
    res = PQexec (pg->conn, sql);
  else
    res = PQexecParams (pg->conn, sql, n, NULL, (const char *const *) params->values->pdata,
                        NULL, NULL, 0);
  status = res != NULL ? PQresultStatus (res) : PGRES_FATAL_ERROR;
  if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK)
    return res;
  state = res != NULL ? PQresultErrorField (res, PG_DIAG_SQLSTATE) : NULL;
  *retry = state != NULL && (g_str_equal (state, "40P01") || g_str_equal (state, "40001"));
  set_result_error (self, res, error);
  g_clear_pointer (&res, PQclear);
  return NULL;
}

#define MAX_ATTEMPTS 3

PGresult *
pm_ledger_pg_exec (PmLedger    *self,
                   const char  *sql,
                   PmPgParams  *params,
                   GError     **error)
{
  PmLedgerPg *pg = PM_LEDGER_PG (self);
  PGresult *res = NULL;

  if (!ensure_connected (self, error))
    return NULL;
  for (guint attempt = 1; ; attempt++)
    {
      g_autoptr(GError) local_error = NULL;
      g_autofree char *tag = NULL;
      gboolean retry = FALSE;

      if (!pg->in_transaction)
        res = exec_now (self, sql, params, &retry, &local_error);
      else
        {
          /* Inside a transaction, one failed statement would abort all of it; as on
           * SQLite, only that statement is undone and the others stay to be committed. */
          tag = control (self, "SAVEPOINT pm_statement", error);
          if (tag == NULL)
            return NULL;
          res = exec_now (self, sql, params, &retry, &local_error);
          g_free (control (self, res != NULL ? "RELEASE SAVEPOINT pm_statement"
                                             : "ROLLBACK TO SAVEPOINT pm_statement", NULL));
        }
      if (res != NULL)
        return res;
      if (!retry || attempt == MAX_ATTEMPTS)
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return NULL;
        }
      g_debug ("Shop ledger: %s; trying again", local_error->message);
    }
}

gboolean
pm_ledger_pg_command (PmLedger    *self,
                      const char  *sql,
                      PmPgParams  *params,
                      GError     **error)
{
  g_autoptr(PGresult) res = pm_ledger_pg_exec (self, sql, params, error);

  return res != NULL;
}

static gboolean
refuse_writes (PmLedger  *self,
               GError   **error)
{
  if (!PM_LEDGER_PG (self)->fail_writes && !PM_LEDGER_PG (self)->read_only)
    return FALSE;
  g_set_error (error, PM_ERROR, PM_ERROR_STORAGE,
               _("The shop ledger cannot be written: %s"),
               PM_LEDGER_PG (self)->read_only ? "a reader" : "writes refused (test)");
  return TRUE;
}

/* ------------------------------------------------------------------------ */
/* Opening: whose database is it, which version, the schema                 */
/* ------------------------------------------------------------------------ */

static gboolean
read_meta (PmLedger  *self,
           gboolean  *exists,
           char     **application,
           int       *version,
           GError   **error)
{
  g_autoptr(PGresult) res = NULL;

  res = pm_ledger_pg_exec (self, "SELECT to_regclass('paymint_ledger_meta') IS NOT NULL", NULL,
                           error);
  if (res == NULL)
    return FALSE;
  *exists = g_str_equal (pm_pg_text (res, 0, 0), "t");
  *application = NULL;
  *version = 0;
  if (!*exists)
    return TRUE;
  g_clear_pointer (&res, PQclear);
  res = pm_ledger_pg_exec (self,
                           "SELECT (SELECT value FROM paymint_ledger_meta WHERE key = 'application'),"
                           " (SELECT value FROM paymint_ledger_meta WHERE key = 'schema_version')",
                           NULL, error);
  if (res == NULL)
    return FALSE;
  *application = g_strdup (pm_pg_text (res, 0, 0));
  *version = (int) pm_pg_int64 (res, 0, 1);
  return TRUE;
}

static gboolean
create_schema (PmLedger  *self,
               GError   **error)
{
  PmPgParams params;
  gboolean ok;

  /* the tables first, then what the reads need (pm-ledger-pg-select.c); one transaction */
  if (!pm_ledger_pg_command (self, schema_v1, NULL, error)
      || !pm_ledger_pg_command (self, pm_ledger_pg_select_indexes_sql, NULL, error))
    return FALSE;
  pm_pg_params_init (&params);
  pm_pg_params_text (&params, PM_LEDGER_PG_APPLICATION);
  pm_pg_params_int64 (&params, PM_LEDGER_PG_SCHEMA_VERSION);
  ok = pm_ledger_pg_command (self,
                             "INSERT INTO paymint_ledger_meta (key, value) VALUES "
                             "('application', $1), ('schema_version', $2::text)",
                             &params, error);
  pm_pg_params_clear (&params);
  return ok;
}

/* Under an advisory lock, in one transaction: whichever desk comes first creates the
 * schema; the others wait, then find it. A database with tables of its own but not ours
 * is someone else's and is left untouched. */
static gboolean
prepare_schema (PmLedger  *self,
                GError   **error)
{
  PmLedgerPg *pg = PM_LEDGER_PG (self);
  g_autofree char *application = NULL;
  g_autoptr(GError) local_error = NULL;
  gboolean exists = FALSE;
  int version = 0;
  gboolean ok;

  if (!pm_ledger_pg_command (self, "BEGIN", NULL, error))
    return FALSE;
  pg->in_transaction = TRUE;
  ok = pm_ledger_pg_command (self, "SELECT pg_advisory_xact_lock (" SCHEMA_LOCK_KEY ")", NULL,
                             &local_error)
       && read_meta (self, &exists, &application, &version, &local_error);
  if (ok && !exists)
    {
      g_autoptr(PGresult) res = NULL;

      res = pm_ledger_pg_exec (self,
                               "SELECT count(*) FROM pg_catalog.pg_class c "
                               "JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
                               "WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'v', 'm', 'p')",
                               NULL, &local_error);
      ok = res != NULL;
      if (ok && pm_pg_int64 (res, 0, 0) > 0)
        {
          g_set_error (&local_error, PM_ERROR, PM_ERROR_STORAGE,
                       _("The database “%s” belongs to another application: it has tables, "
                         "but not Paymint Desk’s. Nothing was changed; give the shop ledger a "
                         "database of its own."), PQdb (pg->conn));
          ok = FALSE;
        }
      ok = ok && create_schema (self, &local_error);
    }
  else if (ok && g_strcmp0 (application, PM_LEDGER_PG_APPLICATION) != 0)
    {
      g_set_error (&local_error, PM_ERROR, PM_ERROR_STORAGE,
                   _("The database “%s” belongs to another application (“%s”). Nothing was "
                     "changed."), PQdb (pg->conn), application);
      ok = FALSE;
    }
  else if (ok && version > PM_LEDGER_PG_SCHEMA_VERSION)
    {
      g_set_error (&local_error, PM_ERROR, PM_ERROR_STORAGE,
                   _("The shop ledger was written by a newer Paymint Desk (schema %d; this "
                     "one knows %d). Update Paymint Desk on this desk."),
                   version, PM_LEDGER_PG_SCHEMA_VERSION);
      ok = FALSE;
    }
  else if (ok)
    /* the same schema: what the reads need may have grown (idempotent statements) */
    ok = pm_ledger_pg_command (self, pm_ledger_pg_select_indexes_sql, NULL, &local_error);

  if (ok)
    {
      g_autofree char *tag = control (self, "COMMIT", &local_error);

      ok = tag != NULL;
    }
  pg->in_transaction = FALSE;
  if (!ok)
    {
      PGresult *res = PQexec (pg->conn, "ROLLBACK");

      g_clear_pointer (&res, PQclear);
      g_propagate_error (error, g_steal_pointer (&local_error));
    }
  return ok;
}

static char *
new_desk_id (void)
{
  return g_strdup_printf ("%s:%d:%08x", g_get_host_name (), (int) getpid (), g_random_int ());
}

static gboolean
open_connection (PmLedger    *self,
                 const char  *uri,
                 const char  *password,
                 gboolean     read_only,
                 GError     **error)
{
  PmLedgerPg *pg;
  PQconninfoOption *options;
  char *parse_error = NULL;

  options = PQconninfoParse (uri, &parse_error);
  if (options == NULL)
    {
      g_autofree char *why = server_message (parse_error);

      g_set_error (error, PM_ERROR, PM_ERROR_INVALID,
                   _("The shop ledger’s address “%s” is not valid: %s"), uri, why);
      PQfreemem (parse_error);
      return FALSE;
    }
  for (PQconninfoOption *o = options; o->keyword != NULL; o++)
    if (g_str_equal (o->keyword, "password") && o->val != NULL && *o->val != '\0')
      {
        PQconninfoFree (options);
        g_set_error (error, PM_ERROR, PM_ERROR_INVALID,
                     _("The shop ledger’s address holds a password. Remove it from the "
                       "address: the password is kept in the keyring."));
        return FALSE;
      }
  PQconninfoFree (options);

  pg = g_new0 (PmLedgerPg, 1);
  pg->uri = g_strdup (uri);
  pg->password = g_strdup (password);
  pg->desk_id = new_desk_id ();
  pg->outside_serial = 1;
  pg->read_only = read_only;
  self->backend = &pm_ledger_pg_backend;
  self->backend_data = pg;

  pg->conn = connect_to (self, error);
  if (pg->conn == NULL)
    return FALSE;
  pg->server_version = PQserverVersion (pg->conn);
  return check_version (self, error);
}

static gboolean
check_version (PmLedger  *self,
               GError   **error)
{
  PmLedgerPg *pg = PM_LEDGER_PG (self);

  if (pg->server_version >= PM_LEDGER_PG_MIN_VERSION)
    return TRUE;
  g_set_error (error, PM_ERROR, PM_ERROR_STORAGE,
               _("The shop ledger’s server runs PostgreSQL %d.%d; Paymint Desk needs "
                 "%d or newer."), pg->server_version / 10000,
               pg->server_version % 10000, PM_LEDGER_PG_MIN_VERSION / 10000);
  return FALSE;
}

gboolean
pm_ledger_pg_open (PmLedger    *self,
                   const char  *uri,
                   const char  *password,
                   gboolean     lazy,
                   GError     **error)
{
  g_autoptr(GError) local_error = NULL;

  if (open_connection (self, uri, password, FALSE, &local_error)
      && prepare_schema (self, &local_error)
      && start_listening (self, &local_error))
    {
      PM_LEDGER_PG (self)->schema_ready = TRUE;
      return TRUE;
    }
  /* a valid address whose server is away (or refuses): every call says why, and the
   * first that reaches it makes the schema ready */
  if (lazy && self->backend_data != NULL)
    {
      g_debug ("Shop ledger not ready yet: %s", local_error->message);
      g_clear_pointer (&PM_LEDGER_PG (self)->conn, PQfinish);
      return TRUE;
    }
  g_propagate_error (error, g_steal_pointer (&local_error));
  return FALSE;
}

static PmLedger *
pg_open_reader (PmLedger  *self,
                GError   **error)
{
  PmLedgerPg *pg = PM_LEDGER_PG (self);
  g_autoptr(PmLedger) reader = g_object_new (PM_TYPE_LEDGER, NULL);

  reader->path = g_strdup (pg->uri);
  if (!open_connection (reader, pg->uri, pg->password, TRUE, error))
    return NULL;
  return g_steal_pointer (&reader);
}

static void
pg_close (PmLedger *self)
{
  PmLedgerPg *pg = PM_LEDGER_PG (self);

  if (pg == NULL)
    return;
  g_clear_pointer (&pg->conn, PQfinish);
  g_free (pg->uri);
  if (pg->password != NULL)
    {
      memset (pg->password, 0, strlen (pg->password));
      g_free (pg->password);
    }
  g_free (pg->desk_id);
  g_free (pg);
  self->backend_data = NULL;
}

/* ------------------------------------------------------------------------ */
/* Bills                                                                    */
/* ------------------------------------------------------------------------ */

#define NOTIFY "pg_notify ('" PM_LEDGER_PG_CHANNEL "', '')"

static gboolean
not_found (const char  *bill_id,
           GError     **error)
{
  g_set_error (error, PM_ERROR, PM_ERROR_NOT_FOUND,
               _("The bill “%s” is not in the payments database."), bill_id);
  return FALSE;
}

/* One statement: the bill, its "created" event, the announcement. $1…$27 the bill,
 * $28 the lease owner (NULL: none), $29 the lease's end. */
static const char insert_sql[] =
  "WITH b AS (INSERT INTO bills (bill_id, profile_id, kind, payer_name, phone, product, "
  "message, price, expire_date, method_id, note, batch_id, state, short_url, appr_pay_type, "
  "appr_price, appr_dt, appr_num, appr_issuer, appr_card_type, appr_monthly, error_code, "
  "error_text, created_at, updated_at, last_checked_at, next_check_at, lease_owner, "
  "lease_until) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, "
  "$16, $17, $18, $19, $20, $21, $22, $23, $24, $25, $26, $27, $28, $29) "
  "RETURNING bill_id, created_at, state), "
  "e AS (INSERT INTO events (bill_id, at, kind, to_state) "
  "SELECT bill_id, created_at, '" PM_LEDGER_EVENT_CREATED "', state FROM b) "
  /* durable: the commit of this statement waits for the disk */
  "SELECT " NOTIFY ", set_config ('synchronous_commit', 'on', true)";

static gboolean
insert_bill (PmLedger  *self,
             PmBill    *bill,
             gboolean   intent,
             GError   **error)
{
  PmLedgerPg *pg = PM_LEDGER_PG (self);
  const char *bill_id = pm_bill_get_bill_id (bill);
  g_autoptr(GError) local_error = NULL;
  gint64 now = pm_ledger_now_utc ();
  PmPgParams params;
  gboolean ok;

  if (bill_id == NULL || *bill_id == '\0')
    {
      g_set_error (error, PM_ERROR, PM_ERROR_INVALID,
                   _("A bill needs its bill id before it is written down."));
      return FALSE;
    }
  if (refuse_writes (self, error))
    return FALSE;
  if (intent)
    pm_bill_set_state (bill, PM_BILL_STATE_QUEUED);
  if (pm_bill_get_created_at (bill) == 0)
    pm_bill_set_created_at (bill, now);
  if (pm_bill_get_updated_at (bill) == 0)
    pm_bill_set_updated_at (bill, pm_bill_get_created_at (bill));

  pm_pg_params_init (&params);
  pm_pg_params_bill (&params, bill);
  /* this desk is sending it: another desk's recovery leaves it alone meanwhile */
  pm_pg_params_text_or_null (&params, intent ? pg->desk_id : NULL);
  pm_pg_params_int64 (&params, intent ? now + PM_LEDGER_PG_LEASE_SECONDS : 0);
  ok = pm_ledger_pg_command (self, insert_sql, &params, &local_error);
  pm_pg_params_clear (&params);
  if (!ok)
    {
      if (g_error_matches (local_error, PM_ERROR, PM_ERROR_DUPLICATE_BILL))
        g_set_error (error, PM_ERROR, PM_ERROR_DUPLICATE_BILL,
                     _("A bill with the id “%s” is already in the payments database."),
                     bill_id);
      else
        g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  pm_ledger_emit_bill_added (self, bill_id);
  return TRUE;
}

static gboolean
pg_insert_intent (PmLedger  *self,
                  PmBill    *bill,
                  GError   **error)
{
  return insert_bill (self, bill, TRUE, error);
}

static gboolean
pg_insert_bill (PmLedger  *self,
                PmBill    *bill,
                GError   **error)
{
  return insert_bill (self, bill, FALSE, error);
}

/* $1…$27 the bill, $28 the time of the state event. A state change ends the lease.
 * "old" is read from the statement's snapshot, the row before "u" changes it (a FOR
 * UPDATE there would skip the row this very statement updated). */
static const char update_sql[] =
  "WITH old AS (SELECT state FROM bills WHERE bill_id = $1), "
  "u AS (UPDATE bills SET profile_id = $2, kind = $3, payer_name = $4, phone = $5, "
  "product = $6, message = $7, price = $8, expire_date = $9, method_id = $10, note = $11, "
  "batch_id = $12, state = $13, short_url = $14, appr_pay_type = $15, appr_price = $16, "
  "appr_dt = $17, appr_num = $18, appr_issuer = $19, appr_card_type = $20, "
  "appr_monthly = $21, error_code = $22, error_text = $23, created_at = $24, "
  "updated_at = $25, last_checked_at = $26, next_check_at = $27, "
  "lease_owner = CASE WHEN state = $13 THEN lease_owner END, "
  "lease_until = CASE WHEN state = $13 THEN lease_until ELSE 0 END "
  "WHERE bill_id = $1 RETURNING bill_id), "
  "e AS (INSERT INTO events (bill_id, at, kind, from_state, to_state) "
  "SELECT $1, $28, '" PM_LEDGER_EVENT_STATE "', old.state, $13 FROM old, u "
  "WHERE old.state <> $13) "
  "SELECT (SELECT count(*) FROM u), " NOTIFY;

static gboolean
pg_update_bill (PmLedger  *self,
                PmBill    *bill,
                GError   **error)
{
  g_autofree char *bill_id = g_strdup (pm_bill_get_bill_id (bill));
  g_autoptr(PGresult) res = NULL;
  PmPgParams params;
  gint64 at;

  if (refuse_writes (self, error))
    return FALSE;
  at = pm_bill_get_updated_at (bill) != 0 ? pm_bill_get_updated_at (bill) : pm_ledger_now_utc ();
  pm_pg_params_init (&params);
  pm_pg_params_bill (&params, bill);
  pm_pg_params_int64 (&params, at);
  res = pm_ledger_pg_exec (self, update_sql, &params, error);
  pm_pg_params_clear (&params);
  if (res == NULL)
    return FALSE;
  if (pm_pg_int64 (res, 0, 0) == 0)
    return not_found (bill_id, error);
  pm_ledger_emit_bill_changed (self, bill_id);
  return TRUE;
}

/* $1 bill, $2 new state, $3 now, $4 detail, $5 this desk. Nothing when the state is
 * already that. A bill still without a definite answer stays leased to the desk working
 * on it (renewed); an answer ends the lease. */
static const char set_state_sql[] =
  "WITH old AS (SELECT state FROM bills WHERE bill_id = $1), "
  "u AS (UPDATE bills SET state = $2::text, updated_at = $3::bigint, "
  "lease_owner = CASE WHEN $2 IN ('queued', 'sending', 'unknown') THEN lease_owner END, "
  "lease_until = CASE WHEN $2 NOT IN ('queued', 'sending', 'unknown') THEN 0 "
  "WHEN lease_owner = $5::text THEN $3::bigint + " G_STRINGIFY (PM_LEDGER_PG_LEASE_SECONDS) " "
  "ELSE lease_until END "
  "WHERE bill_id = $1 AND state <> $2 RETURNING bill_id), "
  "e AS (INSERT INTO events (bill_id, at, kind, from_state, to_state, detail) "
  "SELECT $1, $3, '" PM_LEDGER_EVENT_STATE "', old.state, $2, $4 FROM old, u) "
  "SELECT (SELECT count(*) FROM old), (SELECT count(*) FROM u), "
  "(SELECT count(*) FROM (SELECT " NOTIFY " FROM u) n)";

static gboolean
pg_set_state (PmLedger     *self,
              const char   *bill_id,
              PmBillState   new_state,
              const char   *detail,
              gint64        now,
              GError      **error)
{
  g_autoptr(PGresult) res = NULL;
  PmPgParams params;

  if (refuse_writes (self, error))
    return FALSE;
  pm_pg_params_init (&params);
  pm_pg_params_text (&params, bill_id);
  pm_pg_params_text (&params, pm_bill_state_to_string (new_state));
  pm_pg_params_int64 (&params, now);
  pm_pg_params_text_or_null (&params, detail);
  pm_pg_params_text (&params, PM_LEDGER_PG (self)->desk_id);
  res = pm_ledger_pg_exec (self, set_state_sql, &params, error);
  pm_pg_params_clear (&params);
  if (res == NULL)
    return FALSE;
  if (pm_pg_int64 (res, 0, 0) == 0)
    return not_found (bill_id, error);
  if (pm_pg_int64 (res, 0, 1) > 0)
    pm_ledger_emit_bill_changed (self, bill_id);
  return TRUE;
}

/* The poller's report on one bill: its lease ends. Not announced: only the times moved,
 * and every desk's poller works from the ledger, not from announcements. */
static gboolean
pg_set_check_times (PmLedger    *self,
                    const char  *bill_id,
                    gint64       last_checked_at,
                    gint64       next_check_at,
                    GError     **error)
{
  g_autoptr(PGresult) res = NULL;
  PmPgParams params;

  if (refuse_writes (self, error))
    return FALSE;
  pm_pg_params_init (&params);
  pm_pg_params_text (&params, bill_id);
  pm_pg_params_int64 (&params, last_checked_at);
  pm_pg_params_int64 (&params, next_check_at);
  res = pm_ledger_pg_exec (self,
                           "UPDATE bills SET last_checked_at = $2, next_check_at = $3, "
                           "lease_owner = NULL, lease_until = 0 WHERE bill_id = $1",
                           &params, error);
  pm_pg_params_clear (&params);
  if (res == NULL)
    return FALSE;
  if (g_ascii_strtoll (PQcmdTuples (res), NULL, 10) == 0)
    return not_found (bill_id, error);
  pm_ledger_emit_bill_changed (self, bill_id);
  return TRUE;
}

static gboolean
pg_delete_bill (PmLedger    *self,
                const char  *bill_id,
                GError     **error)
{
  g_autoptr(PGresult) res = NULL;
  PmPgParams params;

  if (refuse_writes (self, error))
    return FALSE;
  pm_pg_params_init (&params);
  pm_pg_params_text (&params, bill_id);
  res = pm_ledger_pg_exec (self,
                           "WITH d AS (DELETE FROM bills WHERE bill_id = $1 RETURNING 1) "
                           "SELECT (SELECT count(*) FROM d), " NOTIFY,
                           &params, error);
  pm_pg_params_clear (&params);
  if (res == NULL)
    return FALSE;
  if (pm_pg_int64 (res, 0, 0) == 0)
    return not_found (bill_id, error);
  pm_ledger_emit_bill_removed (self, bill_id);
  return TRUE;
}

static gboolean
pg_add_event (PmLedger    *self,
              const char  *bill_id,
              gint64       at,
              const char  *kind,
              int          from_state,
              int          to_state,
              const char  *detail,
              GError     **error)
{
  g_autoptr(GError) local_error = NULL;
  PmPgParams params;
  gboolean ok;

  if (refuse_writes (self, error))
    return FALSE;
  pm_pg_params_init (&params);
  pm_pg_params_text (&params, bill_id);
  pm_pg_params_int64 (&params, at);
  pm_pg_params_text (&params, kind);
  pm_pg_params_text_or_null (&params, from_state >= 0 ? pm_bill_state_to_string (from_state) : NULL);
  pm_pg_params_text_or_null (&params, to_state >= 0 ? pm_bill_state_to_string (to_state) : NULL);
  pm_pg_params_text_or_null (&params, detail);
  ok = pm_ledger_pg_command (self,
                             "WITH e AS (INSERT INTO events (bill_id, at, kind, from_state, "
                             "to_state, detail) VALUES ($1, $2, $3, $4, $5, $6)) SELECT " NOTIFY,
                             &params, &local_error);
  pm_pg_params_clear (&params);
  if (ok)
    return TRUE;
  if (g_error_matches (local_error, PM_ERROR, PM_ERROR_NOT_FOUND))
    return not_found (bill_id, error);
  g_propagate_error (error, g_steal_pointer (&local_error));
  return FALSE;
}

static GPtrArray *
pg_list_events (PmLedger    *self,
                const char  *bill_id,
                GError     **error)
{
  g_autoptr(PGresult) res = NULL;
  GPtrArray *events;
  PmPgParams params;

  pm_pg_params_init (&params);
  pm_pg_params_text (&params, bill_id);
  res = pm_ledger_pg_exec (self,
                           "SELECT id, bill_id, at, kind, from_state, to_state, detail FROM events "
                           "WHERE bill_id = $1 ORDER BY at, id", &params, error);
  pm_pg_params_clear (&params);
  if (res == NULL)
    return NULL;
  events = g_ptr_array_new_with_free_func ((GDestroyNotify) pm_ledger_event_free);
  for (int row = 0; row < PQntuples (res); row++)
    {
      PmLedgerEvent *event = g_new0 (PmLedgerEvent, 1);
      PmBillState state;

      event->id = pm_pg_int64 (res, row, 0);
      event->bill_id = g_strdup (pm_pg_text (res, row, 1));
      event->at = pm_pg_int64 (res, row, 2);
      event->kind = g_strdup (pm_pg_text (res, row, 3));
      event->from_state = pm_bill_state_from_string (pm_pg_text (res, row, 4), &state) ? (int) state : -1;
      event->to_state = pm_bill_state_from_string (pm_pg_text (res, row, 5), &state) ? (int) state : -1;
      event->detail = PQgetisnull (res, row, 6) ? NULL : g_strdup (PQgetvalue (res, row, 6));
      g_ptr_array_add (events, event);
    }
  return events;
}

static PmBill *
pg_lookup (PmLedger    *self,
           const char  *bill_id,
           GError     **error)
{
  g_autoptr(PGresult) res = NULL;
  PmPgParams params;

  pm_pg_params_init (&params);
  pm_pg_params_text (&params, bill_id);
  res = pm_ledger_pg_exec (self, "SELECT " BILL_COLUMNS " FROM bills b WHERE b.bill_id = $1",
                           &params, error);
  pm_pg_params_clear (&params);
  if (res == NULL || PQntuples (res) == 0)
    return NULL;
  return pm_ledger_pg_bill_from_row (res, 0);
}

static int
compare_next_check (gconstpointer a,
                    gconstpointer b)
{
  gint64 x = pm_bill_get_next_check_at (*(PmBill **) a);
  gint64 y = pm_bill_get_next_check_at (*(PmBill **) b);

  return x < y ? -1 : x > y;
}

/* Due checks, leased to this desk: rows another desk is leasing (or locking this very
 * moment) are skipped, so each bill is read by one desk per schedule step. */
static GPtrArray *
pg_list_due (PmLedger   *self,
             const char *profile_id,
             gint64      now,
             guint       limit,
             GError    **error)
{
  PmLedgerPg *pg = PM_LEDGER_PG (self);
  g_autoptr(PGresult) res = NULL;
  GPtrArray *bills;
  PmPgParams params;

  pm_pg_params_init (&params);
  pm_pg_params_int64 (&params, now);
  if (limit > 0)
    pm_pg_params_int64 (&params, limit);
  else
    pm_pg_params_text_or_null (&params, NULL);
  pm_pg_params_text_or_null (&params, profile_id);
  pm_pg_params_text (&params, pg->desk_id);
  pm_pg_params_int64 (&params, now + PM_LEDGER_PG_LEASE_SECONDS);
  res = pm_ledger_pg_exec (self,
                           "WITH " LIVE_DESKS_CTE ", due AS (SELECT bill_id FROM bills"
                           " WHERE state IN " NON_FINAL_STATES
                           " AND next_check_at > 0 AND next_check_at <= $1"
                           " AND ($3::text IS NULL OR profile_id = $3)"
                           " AND (lease_until <= $1 OR lease_owner = $4"
                           " OR NOT " LEASE_LIVE ("bills", "$1") ")"
                           " ORDER BY next_check_at LIMIT $2::bigint FOR UPDATE SKIP LOCKED)"
                           ", leased AS (UPDATE bills b SET lease_owner = $4, lease_until = $5 FROM due"
                           " WHERE b.bill_id = due.bill_id RETURNING " BILL_COLUMNS ") "
                           /* a lease need not wait for the disk: lost in a crash, it is
                            * only a check that another desk may make again */
                           "SELECT leased.*, set_config ('synchronous_commit', 'off', true)"
                           " FROM leased",
                           &params, error);
  pm_pg_params_clear (&params);
  if (res == NULL)
    return NULL;
  bills = bills_from_result (res);
  g_ptr_array_sort (bills, compare_next_check);
  return bills;
}

/* A bill leased to another desk is due for us only when its lease ends. */
static gint64
pg_next_due_time (PmLedger   *self,
                  const char *profile_id,
                  GError    **error)
{
  g_autoptr(PGresult) res = NULL;
  PmPgParams params;

  pm_pg_params_init (&params);
  pm_pg_params_text_or_null (&params, profile_id);
  /* one query per case, so that a desk's (the common one) is an index lookup */
  if (profile_id != NULL)
    res = pm_ledger_pg_exec (self,
                             "SELECT min(greatest (next_check_at, lease_until)) FROM bills"
                             " WHERE state IN " NON_FINAL_STATES " AND next_check_at > 0"
                             " AND profile_id = $1", &params, error);
  else
    res = pm_ledger_pg_exec (self,
                             "SELECT min(greatest (next_check_at, lease_until)) FROM bills"
                             " WHERE state IN " NON_FINAL_STATES " AND next_check_at > 0"
                             " AND $1::text IS NULL", &params, error);
  pm_pg_params_clear (&params);
  if (res == NULL)
    return 0;
  return pm_pg_int64 (res, 0, 0);
}

/* Intents without a definite answer that no other desk is working on: ours, or with no
 * lease, or with one that has ended (its time is up, or its desk died). */
static GPtrArray *
pg_list_unsettled (PmLedger   *self,
                   const char *profile_id,
                   GError    **error)
{
  PmLedgerPg *pg = PM_LEDGER_PG (self);
  g_autoptr(PGresult) res = NULL;
  PmPgParams params;

  pm_pg_params_init (&params);
  pm_pg_params_text_or_null (&params, profile_id);
  pm_pg_params_text (&params, pg->desk_id);
  pm_pg_params_int64 (&params, pm_ledger_now_utc ());
  res = pm_ledger_pg_exec (self,
                           "WITH " LIVE_DESKS_CTE " "
                           "SELECT " BILL_COLUMNS " FROM bills b"
                           " WHERE b.state IN ('queued', 'sending', 'unknown')"
                           " AND ($1::text IS NULL OR b.profile_id = $1)"
                           " AND (b.lease_owner IS NULL OR b.lease_owner = $2"
                           " OR NOT " LEASE_LIVE ("b", "$3") ")"
                           " ORDER BY b.created_at, b.bill_id", &params, error);
  pm_pg_params_clear (&params);
  if (res == NULL)
    return NULL;
  return bills_from_result (res);
}

/* ------------------------------------------------------------------------ */
/* Batches and payers                                                       */
/* ------------------------------------------------------------------------ */

#define BATCH_SELECT \
  "SELECT t.id, t.name, t.source_name, t.profile_id, t.content_hash, t.created_at, " \
  "t.n_total, t.n_sent, t.n_failed, " \
  "(SELECT count(*) FROM bills WHERE batch_id = t.id), " \
  "(SELECT count(*) FROM bills WHERE batch_id = t.id AND state NOT IN ('failed', 'not_sent')) " \
  "FROM batches t "

static PmLedgerBatch *
batch_from_row (PGresult *res,
                int       row)
{
  PmLedgerBatch *batch = g_new0 (PmLedgerBatch, 1);

  batch->id = g_strdup (pm_pg_text (res, row, 0));
  batch->name = g_strdup (pm_pg_text (res, row, 1));
  batch->source_name = g_strdup (pm_pg_text (res, row, 2));
  batch->profile_id = g_strdup (pm_pg_text (res, row, 3));
  batch->content_hash = g_strdup (pm_pg_text (res, row, 4));
  batch->created_at = pm_pg_int64 (res, row, 5);
  batch->n_total = (guint) pm_pg_int64 (res, row, 6);
  batch->n_sent = (guint) pm_pg_int64 (res, row, 7);
  batch->n_failed = (guint) pm_pg_int64 (res, row, 8);
  batch->n_bills = (guint) pm_pg_int64 (res, row, 9);
  batch->n_live = (guint) pm_pg_int64 (res, row, 10);
  return batch;
}

static gboolean
pg_insert_batch_full (PmLedger             *self,
                      const PmLedgerBatch  *batch,
                      GError              **error)
{
  PmPgParams params;
  gboolean ok;

  if (refuse_writes (self, error))
    return FALSE;
  pm_pg_params_init (&params);
  pm_pg_params_text (&params, batch->id);
  pm_pg_params_int64 (&params, batch->created_at);
  pm_pg_params_text (&params, batch->source_name);
  pm_pg_params_int64 (&params, batch->n_total);
  pm_pg_params_text (&params, batch->name);
  pm_pg_params_text (&params, batch->profile_id);
  pm_pg_params_text (&params, batch->content_hash);
  /* a batch that runs again keeps its first record */
  ok = pm_ledger_pg_command (self,
                             "INSERT INTO batches (id, created_at, source_name, n_total, name, "
                             "profile_id, content_hash) VALUES ($1, $2, $3, $4, $5, $6, $7) "
                             "ON CONFLICT (id) DO UPDATE SET "
                             "name = CASE WHEN batches.name = '' THEN excluded.name ELSE batches.name END, "
                             "profile_id = CASE WHEN batches.profile_id = '' THEN excluded.profile_id "
                             "ELSE batches.profile_id END, "
                             "content_hash = CASE WHEN batches.content_hash = '' THEN excluded.content_hash "
                             "ELSE batches.content_hash END", &params, error);
  pm_pg_params_clear (&params);
  return ok;
}

static gboolean
pg_insert_batch (PmLedger    *self,
                 const char  *batch_id,
                 const char  *source_name,
                 guint        n_total,
                 gint64       created_at,
                 GError     **error)
{
  PmLedgerBatch batch = { 0 };

  batch.id = (char *) batch_id;
  batch.name = (char *) "";
  batch.source_name = (char *) (source_name != NULL ? source_name : "");
  batch.profile_id = (char *) "";
  batch.content_hash = (char *) "";
  batch.created_at = created_at;
  batch.n_total = n_total;
  return pg_insert_batch_full (self, &batch, error);
}

static PmLedgerBatch *
pg_lookup_batch (PmLedger    *self,
                 const char  *batch_id,
                 GError     **error)
{
  g_autoptr(PGresult) res = NULL;
  PmPgParams params;

  pm_pg_params_init (&params);
  pm_pg_params_text (&params, batch_id);
  res = pm_ledger_pg_exec (self, BATCH_SELECT "WHERE t.id = $1", &params, error);
  pm_pg_params_clear (&params);
  if (res == NULL || PQntuples (res) == 0)
    return NULL;
  return batch_from_row (res, 0);
}

static GPtrArray *
pg_find_batches_by_content (PmLedger    *self,
                            const char  *profile_id,
                            const char  *content_hash,
                            GError     **error)
{
  g_autoptr(PGresult) res = NULL;
  GPtrArray *batches;
  PmPgParams params;

  batches = g_ptr_array_new_with_free_func ((GDestroyNotify) pm_ledger_batch_free);
  if (content_hash[0] == '\0')
    return batches;
  pm_pg_params_init (&params);
  pm_pg_params_text (&params, profile_id);
  pm_pg_params_text (&params, content_hash);
  res = pm_ledger_pg_exec (self, BATCH_SELECT "WHERE t.profile_id = $1 AND t.content_hash = $2 "
                                 "AND t.content_hash <> '' ORDER BY t.created_at DESC, t.seq DESC",
                           &params, error);
  pm_pg_params_clear (&params);
  if (res == NULL)
    {
      g_ptr_array_unref (batches);
      return NULL;
    }
  for (int row = 0; row < PQntuples (res); row++)
    g_ptr_array_add (batches, batch_from_row (res, row));
  return batches;
}

static gboolean
pg_update_batch (PmLedger    *self,
                 const char  *batch_id,
                 guint        n_sent,
                 guint        n_failed,
                 GError     **error)
{
  g_autoptr(PGresult) res = NULL;
  PmPgParams params;

  if (refuse_writes (self, error))
    return FALSE;
  pm_pg_params_init (&params);
  pm_pg_params_int64 (&params, n_sent);
  pm_pg_params_int64 (&params, n_failed);
  pm_pg_params_text (&params, batch_id);
  res = pm_ledger_pg_exec (self, "UPDATE batches SET n_sent = $1, n_failed = $2 WHERE id = $3",
                           &params, error);
  pm_pg_params_clear (&params);
  if (res == NULL)
    return FALSE;
  if (g_ascii_strtoll (PQcmdTuples (res), NULL, 10) == 0)
    {
      g_set_error (error, PM_ERROR, PM_ERROR_NOT_FOUND,
                   _("The batch “%s” is not in the payments database."), batch_id);
      return FALSE;
    }
  return TRUE;
}

static gboolean
pg_save_payer (PmLedger    *self,
               const char  *profile_id,
               const char  *phone,
               const char  *name,
               gint64       registered_at,
               GError     **error)
{
  PmPgParams params;
  gboolean ok;

  if (refuse_writes (self, error))
    return FALSE;
  pm_pg_params_init (&params);
  pm_pg_params_text (&params, profile_id);
  pm_pg_params_text (&params, phone);
  pm_pg_params_text (&params, name);
  pm_pg_params_int64 (&params, registered_at);
  ok = pm_ledger_pg_command (self,
                             "INSERT INTO payers (profile_id, phone, name, registered_at) "
                             "VALUES ($1, $2, $3, $4) ON CONFLICT (profile_id, phone) DO UPDATE SET "
                             "name = excluded.name, registered_at = excluded.registered_at",
                             &params, error);
  pm_pg_params_clear (&params);
  return ok;
}

static gboolean
pg_delete_payer (PmLedger    *self,
                 const char  *profile_id,
                 const char  *phone,
                 GError     **error)
{
  PmPgParams params;
  gboolean ok;

  if (refuse_writes (self, error))
    return FALSE;
  pm_pg_params_init (&params);
  pm_pg_params_text (&params, profile_id);
  pm_pg_params_text (&params, phone);
  ok = pm_ledger_pg_command (self, "DELETE FROM payers WHERE profile_id = $1 AND phone = $2",
                             &params, error);
  pm_pg_params_clear (&params);
  return ok;
}

static GPtrArray *
pg_list_payers (PmLedger    *self,
                const char  *profile_id,
                GError     **error)
{
  g_autoptr(PGresult) res = NULL;
  GPtrArray *payers;
  PmPgParams params;

  pm_pg_params_init (&params);
  pm_pg_params_text (&params, profile_id);
  res = pm_ledger_pg_exec (self, "SELECT profile_id, name, phone, registered_at FROM payers "
                                 "WHERE profile_id = $1 ORDER BY name, phone", &params, error);
  pm_pg_params_clear (&params);
  if (res == NULL)
    return NULL;
  payers = g_ptr_array_new_with_free_func ((GDestroyNotify) pm_ledger_payer_free);
  for (int row = 0; row < PQntuples (res); row++)
    {
      PmLedgerPayer *payer = g_new0 (PmLedgerPayer, 1);

      payer->profile_id = g_strdup (pm_pg_text (res, row, 0));
      payer->name = g_strdup (pm_pg_text (res, row, 1));
      payer->phone = g_strdup (pm_pg_text (res, row, 2));
      payer->at = pm_pg_int64 (res, row, 3);
      g_ptr_array_add (payers, payer);
    }
  return payers;
}

/* ------------------------------------------------------------------------ */
/* Change watching, transactions                                            */
/* ------------------------------------------------------------------------ */

/* What other desks committed since the last call, from the notifications LISTEN
 * collected: no round trip to the server. A connection found lost is made again, and
 * counts as a change (what happened meanwhile was not announced to us). */
static guint64
pg_get_outside_serial (PmLedger  *self,
                       GError   **error)
{
  PmLedgerPg *pg = PM_LEDGER_PG (self);
  gboolean outside = FALSE;
  PGnotify *notify;

  if (pg->conn == NULL || PQstatus (pg->conn) != CONNECTION_OK || !PQconsumeInput (pg->conn))
    {
      gint64 now = g_get_monotonic_time ();

      if (pg->in_transaction)
        return pg->outside_serial;
      /* a server that is away is asked again now and then, not at every tick: a
       * connection attempt to a host that does not answer waits for its timeout */
      if (pg->next_reconnect > now)
        {
          g_set_error (error, PM_ERROR, PM_ERROR_STORAGE,
                       _("The shop ledger at %s cannot be reached."), pg->uri);
          return 0;
        }
      pg->next_reconnect = now + RECONNECT_INTERVAL_S * G_USEC_PER_SEC;
      if (pg->conn != NULL && PQstatus (pg->conn) == CONNECTION_OK)
        PQfinish (g_steal_pointer (&pg->conn));
      /* counts the reconnection as a change: what happened meanwhile was not announced */
      if (!ensure_connected (self, error))
        return 0;
      pg->next_reconnect = 0;
      return pg->outside_serial;
    }
  while ((notify = PQnotifies (pg->conn)) != NULL)
    {
      if (notify->be_pid != pg->backend_pid)
        outside = TRUE;
      PQfreemem (notify);
    }
  if (outside)
    pg->outside_serial++;
  return pg->outside_serial;
}

/* A real round trip that writes: the meta row written again as it is. */
static gboolean
pg_check_writable (PmLedger  *self,
                   GError   **error)
{
  if (refuse_writes (self, error))
    return FALSE;
  return pm_ledger_pg_command (self,
                               "UPDATE paymint_ledger_meta SET value = value WHERE key = 'application'",
                               NULL, error);
}

static gboolean
begin_with (PmLedger    *self,
            const char  *sql,
            GError     **error)
{
  PmLedgerPg *pg = PM_LEDGER_PG (self);

  g_return_val_if_fail (!pg->in_transaction, FALSE);
  if (!pm_ledger_pg_command (self, sql, NULL, error))
    return FALSE;
  pg->in_transaction = TRUE;
  return TRUE;
}

/* BEGIN, and whether its commit waits for the disk. */
static gboolean
begin_synchronous (PmLedger    *self,
                   gboolean     durable,
                   GError     **error)
{
  g_autofree char *tag = NULL;

  if (!begin_with (self, "BEGIN", error))
    return FALSE;
  tag = control (self, durable ? "SET LOCAL synchronous_commit = on"
                               : "SET LOCAL synchronous_commit = off", error);
  if (tag != NULL)
    return TRUE;
  pm_ledger_rollback (self);
  return FALSE;
}

/* A transaction of intents (a bulk send's write-ahead group): durable at its commit. */
static gboolean
pg_begin (PmLedger  *self,
          GError   **error)
{
  return begin_synchronous (self, TRUE, error);
}

/* What the server told us: a crash may lose the last of it (it is read again), so its
 * commit need not wait for the disk. */
static gboolean
pg_begin_observed (PmLedger  *self,
                   GError   **error)
{
  return begin_synchronous (self, FALSE, error);
}

static gboolean
pg_commit (PmLedger  *self,
           GError   **error)
{
  PmLedgerPg *pg = PM_LEDGER_PG (self);
  g_autofree char *tag = NULL;

  g_return_val_if_fail (pg->in_transaction, FALSE);
  tag = control (self, "COMMIT", error);
  pg->in_transaction = FALSE;
  if (tag == NULL)
    return FALSE;
  /* a transaction the server had aborted answers COMMIT with "ROLLBACK": nothing of it
   * was kept, and saying otherwise would lose intents */
  if (!g_str_equal (tag, "COMMIT"))
    {
      g_set_error (error, PM_ERROR, PM_ERROR_STORAGE,
                   _("The shop ledger did not keep the last writes: the server rolled "
                     "their transaction back."));
      return FALSE;
    }
  return TRUE;
}

static void
pg_rollback (PmLedger *self)
{
  PmLedgerPg *pg = PM_LEDGER_PG (self);

  if (!pg->in_transaction)
    return;
  pg->in_transaction = FALSE;
  if (pg->conn != NULL && PQstatus (pg->conn) == CONNECTION_OK)
    {
      PGresult *res = PQexec (pg->conn, "ROLLBACK");

      g_clear_pointer (&res, PQclear);
    }
}

/* Inside a transaction of this connection's owner, reads are consistent already: join
 * it, and leave it to its owner (as the SQLite backend does). */
static gboolean
pg_begin_snapshot (PmLedger  *self,
                   GError   **error)
{
  PmLedgerPg *pg = PM_LEDGER_PG (self);

  if (pg->in_transaction)
    {
      pg->snapshot_joined = TRUE;
      return TRUE;
    }
  return begin_with (self, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", error);
}

static void
pg_end_snapshot (PmLedger *self)
{
  PmLedgerPg *pg = PM_LEDGER_PG (self);

  if (pg->snapshot_joined)
    {
      pg->snapshot_joined = FALSE;
      return;
    }
  pg_rollback (self);
}

/* Each write is its own statement, committed at once (the server groups the disk
 * flushes of concurrent commits itself): there is no group to keep open. */
static void
pg_set_group_commit (PmLedger *self,
                     guint     delay_ms)
{
  PM_LEDGER_PG (self)->group_delay_ms = delay_ms;
}

static gboolean
pg_flush (PmLedger  *self,
          GError   **error)
{
  return TRUE;
}

static guint64
pg_get_group_commits (PmLedger *self)
{
  return PM_LEDGER_PG (self)->group_commits;
}

/* The text indexes are kept by the server as rows are written. */
static gboolean
pg_index_text (PmLedger  *self,
               guint      max_bills,
               guint     *n_left,
               GError   **error)
{
  if (n_left != NULL)
    *n_left = 0;
  return TRUE;
}

/* Nothing waits for them: the server keeps them as rows are written. */
static void
pg_hold_text_index (PmLedger *self,
                    gboolean  hold)
{
}

static void
pg_set_fail_writes (PmLedger *self,
                    gboolean  fail_writes)
{
  PM_LEDGER_PG (self)->fail_writes = fail_writes;
}

/* ------------------------------------------------------------------------ */
/* The table of operations                                                  */
/* ------------------------------------------------------------------------ */

const PmLedgerBackend pm_ledger_pg_backend = {
  .name = "postgresql",
  .close = pg_close,
  .open_reader = pg_open_reader,
  .insert_intent = pg_insert_intent,
  .insert_bill = pg_insert_bill,
  .update_bill = pg_update_bill,
  .set_state = pg_set_state,
  .set_check_times = pg_set_check_times,
  .delete_bill = pg_delete_bill,
  .add_event = pg_add_event,
  .list_events = pg_list_events,
  .count = pm_ledger_pg_count,
  .fetch = pm_ledger_pg_fetch,
  .totals = pm_ledger_pg_totals,
  .locate = pm_ledger_pg_locate,
  .lookup = pg_lookup,
  .list_due = pg_list_due,
  .next_due_time = pg_next_due_time,
  .list_unsettled = pg_list_unsettled,
  .recent_payers = pm_ledger_pg_recent_payers,
  .export_csv = pm_ledger_pg_export_csv,
  .summarize = pm_ledger_pg_summarize,
  .explain = pm_ledger_pg_explain,
  .begin_snapshot = pg_begin_snapshot,
  .end_snapshot = pg_end_snapshot,
  .insert_batch = pg_insert_batch,
  .insert_batch_full = pg_insert_batch_full,
  .lookup_batch = pg_lookup_batch,
  .find_batches_by_content = pg_find_batches_by_content,
  .update_batch = pg_update_batch,
  .save_payer = pg_save_payer,
  .delete_payer = pg_delete_payer,
  .list_payers = pg_list_payers,
  .get_outside_serial = pg_get_outside_serial,
  .check_writable = pg_check_writable,
  .begin = pg_begin,
  .begin_observed = pg_begin_observed,
  .commit = pg_commit,
  .rollback = pg_rollback,
  .set_group_commit = pg_set_group_commit,
  .flush = pg_flush,
  .get_group_commits = pg_get_group_commits,
  .index_text = pg_index_text,
  .hold_text_index = pg_hold_text_index,
  .set_fail_writes = pg_set_fail_writes,
};
