/* pm-ledger.c — the SQLite store of bills, their timeline, batches and payers
 *
 * Copyright 2026 The Paymint Desk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "pm-ledger.h"
#include "pm-ledger-private.h"

#include "pm-error.h"
#include "pm-phone.h"

#include <errno.h>
#include <string.h>
#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>
#include <sqlite3.h>

#define BUSY_TIMEOUT_MS 5000
#define CACHE_KIB       32768   /* SQLite page cache: 32 MiB (a million bills stay under 200 MB) */

/* ------------------------------------------------------------------------ */
/* Schema                                                                   */
/* ------------------------------------------------------------------------ */

/* The state ids (pm_bill_state_to_string) in PmBillState order; the schema uses them
 * for the sort rank and the "due" index, and a test checks they match. */
#define STATE_RANK_EXPR \
  "(CASE state WHEN 'queued' THEN 0 WHEN 'sending' THEN 1 WHEN 'unknown' THEN 2 " \
  "WHEN 'failed' THEN 3 WHEN 'unpaid' THEN 4 WHEN 'paid' THEN 5 " \
  "WHEN 'cancelled' THEN 6 WHEN 'destroyed' THEN 7 ELSE 8 END)"
#define NON_FINAL_STATES "('queued','sending','unknown','unpaid','paid')"

static const char schema_v1[] =
  "CREATE TABLE bills ("
  "  id              INTEGER PRIMARY KEY,"
  "  bill_id         TEXT NOT NULL UNIQUE,"
  "  profile_id      TEXT NOT NULL DEFAULT '',"
  "  kind            TEXT NOT NULL DEFAULT 'request',"
  "  payer_name      TEXT NOT NULL DEFAULT '',"
  "  phone           TEXT NOT NULL DEFAULT '',"
  "  product         TEXT NOT NULL DEFAULT '',"
  "  message         TEXT NOT NULL DEFAULT '',"
  "  price           INTEGER NOT NULL DEFAULT 0,"
  "  expire_date     TEXT NOT NULL DEFAULT '',"
  "  method_id       TEXT NOT NULL DEFAULT '',"
  "  note            TEXT NOT NULL DEFAULT '',"
  "  batch_id        TEXT,"
  "  state           TEXT NOT NULL DEFAULT 'queued',"
  "  short_url       TEXT NOT NULL DEFAULT '',"
  "  appr_pay_type   TEXT NOT NULL DEFAULT '',"
  "  appr_price      INTEGER NOT NULL DEFAULT 0,"
  "  appr_dt         TEXT NOT NULL DEFAULT '',"
  "  appr_num        TEXT NOT NULL DEFAULT '',"
  "  appr_issuer     TEXT NOT NULL DEFAULT '',"
  "  appr_card_type  TEXT NOT NULL DEFAULT '',"
  "  appr_monthly    TEXT NOT NULL DEFAULT '',"
  "  error_code      TEXT NOT NULL DEFAULT '',"
  "  error_text      TEXT NOT NULL DEFAULT '',"
  "  created_at      INTEGER NOT NULL DEFAULT 0,"
  "  updated_at      INTEGER NOT NULL DEFAULT 0,"
  "  last_checked_at INTEGER NOT NULL DEFAULT 0,"
  "  next_check_at   INTEGER NOT NULL DEFAULT 0"
  ");"
  /* The list: one profile, sorted; the count and totals of a state filter. */
  "CREATE INDEX bills_created ON bills (created_at);"
  "CREATE INDEX bills_p_created ON bills (profile_id, created_at);"
  "CREATE INDEX bills_p_state ON bills (profile_id, state, expire_date, price);"
  "CREATE INDEX bills_p_state_created ON bills (profile_id, state, created_at);"
  "CREATE INDEX bills_p_rank ON bills (profile_id, " STATE_RANK_EXPR ", created_at);"
  "CREATE INDEX bills_p_payer ON bills (profile_id, payer_name);"
  "CREATE INDEX bills_p_price ON bills (profile_id, price);"
  "CREATE INDEX bills_p_expire ON bills (profile_id, expire_date);"
  "CREATE INDEX bills_p_checked ON bills (profile_id, last_checked_at);"
  /* Short searches: prefixes of these (bill_id has its UNIQUE index). */
  "CREATE INDEX bills_payer ON bills (payer_name);"
  "CREATE INDEX bills_phone ON bills (phone);"
  "CREATE INDEX bills_product ON bills (product);"
  "CREATE INDEX bills_batch ON bills (batch_id) WHERE batch_id IS NOT NULL;"
  /* The poller. */
  "CREATE INDEX bills_due ON bills (next_check_at) WHERE state IN " NON_FINAL_STATES ";"
  "CREATE TABLE events ("
  "  id         INTEGER PRIMARY KEY,"
  "  bill_id    TEXT NOT NULL REFERENCES bills (bill_id) ON DELETE CASCADE,"
  "  at         INTEGER NOT NULL,"
  "  kind       TEXT NOT NULL,"
  "  from_state TEXT,"
  "  to_state   TEXT,"
  "  detail     TEXT"
  ");"
  "CREATE INDEX events_bill ON events (bill_id, at, id);"
  "CREATE TABLE batches ("
  "  id          TEXT PRIMARY KEY NOT NULL,"
  "  created_at  INTEGER NOT NULL DEFAULT 0,"
  "  source_name TEXT NOT NULL DEFAULT '',"
  "  n_total     INTEGER NOT NULL DEFAULT 0,"
  "  n_sent      INTEGER NOT NULL DEFAULT 0,"
  "  n_failed    INTEGER NOT NULL DEFAULT 0"
  ");"
  "CREATE TABLE payers ("
  "  profile_id    TEXT NOT NULL,"
  "  phone         TEXT NOT NULL,"
  "  name          TEXT NOT NULL DEFAULT '',"
  "  registered_at INTEGER NOT NULL DEFAULT 0,"
  "  PRIMARY KEY (profile_id, phone)"
  ");"
  /* Bills and won per profile and state, kept by triggers: counts and totals of the
   * unfiltered list without scanning a million rows. */
  "CREATE TABLE bill_counts ("
  "  profile_id TEXT NOT NULL,"
  "  state      TEXT NOT NULL,"
  "  n          INTEGER NOT NULL DEFAULT 0,"
  "  won        INTEGER NOT NULL DEFAULT 0,"
  "  PRIMARY KEY (profile_id, state)"
  ") WITHOUT ROWID;"
  "CREATE TRIGGER bill_counts_insert AFTER INSERT ON bills BEGIN"
  "  INSERT INTO bill_counts (profile_id, state, n, won)"
  "    VALUES (new.profile_id, new.state, 1, new.price)"
  "    ON CONFLICT (profile_id, state) DO UPDATE SET n = n + 1, won = won + excluded.won;"
  "END;"
  "CREATE TRIGGER bill_counts_delete AFTER DELETE ON bills BEGIN"
  "  UPDATE bill_counts SET n = n - 1, won = won - old.price"
  "    WHERE profile_id = old.profile_id AND state = old.state;"
  "END;"
  "CREATE TRIGGER bill_counts_update AFTER UPDATE OF profile_id, state, price ON bills BEGIN"
  "  UPDATE bill_counts SET n = n - 1, won = won - old.price"
  "    WHERE profile_id = old.profile_id AND state = old.state;"
  "  INSERT INTO bill_counts (profile_id, state, n, won)"
  "    VALUES (new.profile_id, new.state, 1, new.price)"
  "    ON CONFLICT (profile_id, state) DO UPDATE SET n = n + 1, won = won + excluded.won;"
  "END;"
  /* Substring search: trigrams over the searchable columns, kept in sync by triggers. */
  "CREATE VIRTUAL TABLE bills_fts USING fts5 ("
  "  payer_name, phone, product, bill_id,"
  "  content = 'bills', content_rowid = 'id', tokenize = 'trigram'"
  ");"
  "CREATE TRIGGER bills_fts_insert AFTER INSERT ON bills BEGIN"
  "  INSERT INTO bills_fts (rowid, payer_name, phone, product, bill_id)"
  "    VALUES (new.id, new.payer_name, new.phone, new.product, new.bill_id);"
  "END;"
  "CREATE TRIGGER bills_fts_delete AFTER DELETE ON bills BEGIN"
  "  INSERT INTO bills_fts (bills_fts, rowid, payer_name, phone, product, bill_id)"
  "    VALUES ('delete', old.id, old.payer_name, old.phone, old.product, old.bill_id);"
  "END;"
  "CREATE TRIGGER bills_fts_update AFTER UPDATE OF payer_name, phone, product, bill_id"
  "  ON bills BEGIN"
  "  INSERT INTO bills_fts (bills_fts, rowid, payer_name, phone, product, bill_id)"
  "    VALUES ('delete', old.id, old.payer_name, old.phone, old.product, old.bill_id);"
  "  INSERT INTO bills_fts (rowid, payer_name, phone, product, bill_id)"
  "    VALUES (new.id, new.payer_name, new.phone, new.product, new.bill_id);"
  "END;";

/* v2: "AFTER UPDATE OF col" fires whenever col is in the SET list, and a bill's update
 * sets every column; so every state change re-indexed the bill's text and recounted its
 * totals. Only real changes do now. */
static const char schema_v2[] =
  "DROP TRIGGER bills_fts_update;"
  "CREATE TRIGGER bills_fts_update AFTER UPDATE OF payer_name, phone, product, bill_id"
  "  ON bills WHEN old.payer_name IS NOT new.payer_name OR old.phone IS NOT new.phone"
  "    OR old.product IS NOT new.product OR old.bill_id IS NOT new.bill_id BEGIN"
  "  INSERT INTO bills_fts (bills_fts, rowid, payer_name, phone, product, bill_id)"
  "    VALUES ('delete', old.id, old.payer_name, old.phone, old.product, old.bill_id);"
  "  INSERT INTO bills_fts (rowid, payer_name, phone, product, bill_id)"
  "    VALUES (new.id, new.payer_name, new.phone, new.product, new.bill_id);"
  "END;"
  "DROP TRIGGER bill_counts_update;"
  "CREATE TRIGGER bill_counts_update AFTER UPDATE OF profile_id, state, price ON bills"
  "  WHEN old.profile_id IS NOT new.profile_id OR old.state IS NOT new.state"
  "    OR old.price IS NOT new.price BEGIN"
  "  UPDATE bill_counts SET n = n - 1, won = won - old.price"
  "    WHERE profile_id = old.profile_id AND state = old.state;"
  "  INSERT INTO bill_counts (profile_id, state, n, won)"
  "    VALUES (new.profile_id, new.state, 1, new.price)"
  "    ON CONFLICT (profile_id, state) DO UPDATE SET n = n + 1, won = won + excluded.won;"
  "END;";

/* v3: a batch knows the name it was sent under, its profile and a hash of the content
 * of its rows (pm_csv_import_get_content_hash), so bulk-send recognises a file it sent
 * before even under another file name or batch name. */
static const char schema_v3[] =
  "ALTER TABLE batches ADD COLUMN name TEXT NOT NULL DEFAULT '';"
  "ALTER TABLE batches ADD COLUMN profile_id TEXT NOT NULL DEFAULT '';"
  "ALTER TABLE batches ADD COLUMN content_hash TEXT NOT NULL DEFAULT '';"
  "CREATE INDEX batches_content ON batches (profile_id, content_hash)"
  "  WHERE content_hash <> '';";

/* v4: one- and two-character searches in payer names through an index. A trigram index
 * cannot hold them, and a Korean given name ("영희" in "김영희") is no prefix, so they
 * read every name with LIKE. bill_grams holds, per bill, each distinct character and
 * each pair of adjacent characters of its payer name (ASCII letters lowered, no pair or
 * character that holds a space), kept by triggers as bills_fts is; gram_seq is the
 * positions 1 … 128 the triggers walk (a trigger cannot use WITH). A name longer than
 * 128 characters is indexed in its first 128 (names are at most 30: PM_BILL_MEMBER_NM_MAX).
 * Insert cost: about five B-tree rows per bill (INSERT OR IGNORE drops a repeated gram).
 *
 * It also drops the indexes no query uses (EXPLAIN QUERY PLAN over every query shape,
 * tests/bench/bench-ledger.c with PM_BENCH_PLANS=1): every list, count, total and search
 * is scoped to one profile (pm_service_scope_query; "-" when there is none), so the
 * (profile_id, …) indexes serve them, and
 *  - bills_created (created_at) served only a list over every profile, which nothing asks;
 *  - bills_payer (payer_name) served that too, and prefixes of payer names in a search of
 *    one or two characters, which bill_grams now answers (a name containing the word), or
 *    of a bill-id-like word (bill_grams by its first pair, then LIKE on those names). */
#define GRAMS_OF(row) \
  "SELECT lower (substr (" row ".payer_name, i, 1)) AS g FROM gram_seq" \
  "  WHERE i <= length (" row ".payer_name) AND substr (" row ".payer_name, i, 1) <> ' '" \
  " UNION ALL SELECT lower (substr (" row ".payer_name, i, 2)) FROM gram_seq" \
  "  WHERE i < length (" row ".payer_name) AND instr (substr (" row ".payer_name, i, 2), ' ') = 0"

static const char schema_v4[] =
  "DROP INDEX IF EXISTS bills_created;"
  "DROP INDEX IF EXISTS bills_payer;"
  "CREATE TABLE gram_seq (i INTEGER PRIMARY KEY);"
  "WITH RECURSIVE n (i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 128)"
  "  INSERT INTO gram_seq (i) SELECT i FROM n;"
  "CREATE TABLE bill_grams ("
  "  gram TEXT NOT NULL,"
  "  id   INTEGER NOT NULL,"
  "  PRIMARY KEY (gram, id)"
  ") WITHOUT ROWID;"
  "INSERT OR IGNORE INTO bill_grams (gram, id)"
  "  SELECT lower (substr (b.payer_name, s.i, 1)), b.id FROM bills b, gram_seq s"
  "    WHERE s.i <= length (b.payer_name) AND substr (b.payer_name, s.i, 1) <> ' ';"
  "INSERT OR IGNORE INTO bill_grams (gram, id)"
  "  SELECT lower (substr (b.payer_name, s.i, 2)), b.id FROM bills b, gram_seq s"
  "    WHERE s.i < length (b.payer_name) AND instr (substr (b.payer_name, s.i, 2), ' ') = 0;"
  "CREATE TRIGGER bill_grams_insert AFTER INSERT ON bills WHEN new.payer_name <> '' BEGIN"
  "  INSERT OR IGNORE INTO bill_grams (gram, id) SELECT g, new.id FROM (" GRAMS_OF ("new") ");"
  "END;"
  "CREATE TRIGGER bill_grams_delete AFTER DELETE ON bills WHEN old.payer_name <> '' BEGIN"
  "  DELETE FROM bill_grams WHERE id = old.id AND gram IN (" GRAMS_OF ("old") ");"
  "END;"
  "CREATE TRIGGER bill_grams_update AFTER UPDATE OF payer_name ON bills"
  "  WHEN old.payer_name IS NOT new.payer_name BEGIN"
  "  DELETE FROM bill_grams WHERE id = old.id AND gram IN (" GRAMS_OF ("old") ");"
  "  INSERT OR IGNORE INTO bill_grams (gram, id) SELECT g, new.id FROM (" GRAMS_OF ("new") ");"
  "END;";

/* Add a step here to change the schema: { N, "ALTER TABLE …;" }, and bump
 * PM_LEDGER_SCHEMA_VERSION. */
static const PmLedgerMigration migrations[] = {
  { 1, schema_v1 },
  { 2, schema_v2 },
  { 3, schema_v3 },
  { 4, schema_v4 },
};

G_STATIC_ASSERT (G_N_ELEMENTS (migrations) == PM_LEDGER_SCHEMA_VERSION);

const PmLedgerMigration *
pm_ledger_get_migrations (guint *n_steps)
{
  *n_steps = G_N_ELEMENTS (migrations);
  return migrations;
}

/* ------------------------------------------------------------------------ */
/* Boxed types                                                              */
/* ------------------------------------------------------------------------ */

G_DEFINE_BOXED_TYPE (PmLedgerEvent, pm_ledger_event, pm_ledger_event_copy, pm_ledger_event_free)
G_DEFINE_BOXED_TYPE (PmLedgerPayer, pm_ledger_payer, pm_ledger_payer_copy, pm_ledger_payer_free)

PmLedgerEvent *
pm_ledger_event_copy (const PmLedgerEvent *event)
{
  PmLedgerEvent *copy = g_memdup2 (event, sizeof *event);

  copy->bill_id = g_strdup (event->bill_id);
  copy->kind = g_strdup (event->kind);
  copy->detail = g_strdup (event->detail);
  return copy;
}

void
pm_ledger_event_free (PmLedgerEvent *event)
{
  if (event == NULL)
    return;
  g_free (event->bill_id);
  g_free (event->kind);
  g_free (event->detail);
  g_free (event);
}

PmLedgerPayer *
pm_ledger_payer_copy (const PmLedgerPayer *payer)
{
  PmLedgerPayer *copy = g_memdup2 (payer, sizeof *payer);

  copy->profile_id = g_strdup (payer->profile_id);
  copy->name = g_strdup (payer->name);
  copy->phone = g_strdup (payer->phone);
  return copy;
}

void
pm_ledger_payer_free (PmLedgerPayer *payer)
{
  if (payer == NULL)
    return;
  g_free (payer->profile_id);
  g_free (payer->name);
  g_free (payer->phone);
  g_free (payer);
}

/* ------------------------------------------------------------------------ */
/* The object                                                               */
/* ------------------------------------------------------------------------ */

struct _PmLedger
{
  GObject     parent_instance;

  char       *path;
  sqlite3    *db;
  GHashTable *statements;     /* SQL text → sqlite3_stmt (prepared once) */
  GTimeZone  *korea;
  guint       in_transaction : 1;

  /* Bumped by every write; keys the cached size of the last text search. */
  guint64     generation;
  char       *text_count_key;
  guint64     text_count_generation;
  gint64      text_count;

  /* Change watching: SQLite's data_version as last read (see pm_ledger_poll_changes). */
  gint64      data_version;
  gboolean    data_version_known;
  guint64     outside_serial; /* outside changes seen so far, from 1 */
};

enum
{
  SIGNAL_BILL_ADDED,
  SIGNAL_BILL_CHANGED,
  SIGNAL_BILL_REMOVED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (PmLedger, pm_ledger, G_TYPE_OBJECT)

static void
pm_ledger_finalize (GObject *object)
{
  PmLedger *self = PM_LEDGER (object);

  g_clear_pointer (&self->statements, g_hash_table_unref);
  if (self->db != NULL)
    {
      sqlite3_close_v2 (self->db);
      self->db = NULL;
    }
  g_clear_pointer (&self->korea, g_time_zone_unref);
  g_clear_pointer (&self->path, g_free);
  g_clear_pointer (&self->text_count_key, g_free);

  G_OBJECT_CLASS (pm_ledger_parent_class)->finalize (object);
}

static void
pm_ledger_class_init (PmLedgerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = pm_ledger_finalize;

  signals[SIGNAL_BILL_ADDED] =
    g_signal_new ("bill-added", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
  signals[SIGNAL_BILL_CHANGED] =
    g_signal_new ("bill-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
  signals[SIGNAL_BILL_REMOVED] =
    g_signal_new ("bill-removed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
}

static void
finalize_statement (gpointer data)
{
  sqlite3_finalize (data);
}

static void
pm_ledger_init (PmLedger *self)
{
  self->statements = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                            finalize_statement);
  self->korea = pm_bill_korea_time_zone ();
  self->outside_serial = 1;
}

const char *
pm_ledger_get_path (PmLedger *self)
{
  g_return_val_if_fail (PM_IS_LEDGER (self), NULL);
  return self->path;
}

/* ------------------------------------------------------------------------ */
/* SQLite helpers                                                           */
/* ------------------------------------------------------------------------ */

static gboolean
fail (PmLedger  *self,
      int        rc,
      GError   **error)
{
  int code = rc & 0xff;

  if (code == SQLITE_BUSY || code == SQLITE_LOCKED)
    g_set_error (error, PM_ERROR, PM_ERROR_STORAGE,
                 _("The payments database is busy: another program (perhaps another "
                   "Paymint Desk) kept it locked for %d seconds. Try again in a moment."),
                 BUSY_TIMEOUT_MS / 1000);
  else if (code == SQLITE_FULL)
    g_set_error (error, PM_ERROR, PM_ERROR_STORAGE,
                 _("The disk is full: the payments database could not be written."));
  else if (code == SQLITE_READONLY || code == SQLITE_PERM || code == SQLITE_CANTOPEN)
    g_set_error (error, PM_ERROR, PM_ERROR_STORAGE,
                 _("The payments database “%s” cannot be written: %s"),
                 self->path, sqlite3_errstr (rc));
  else if (code == SQLITE_CORRUPT || code == SQLITE_NOTADB)
    g_set_error (error, PM_ERROR, PM_ERROR_STORAGE,
                 _("The payments database “%s” is damaged (%s)."),
                 self->path, sqlite3_errstr (rc));
  else
    g_set_error (error, PM_ERROR, PM_ERROR_STORAGE,
                 _("The payments database failed: %s"),
                 self->db != NULL ? sqlite3_errmsg (self->db) : sqlite3_errstr (rc));
  return FALSE;
}

/* A prepared statement for @sql, reset and ready to bind. */
static sqlite3_stmt *
prepare (PmLedger    *self,
         const char  *sql,
         GError     **error)
{
  sqlite3_stmt *stmt = g_hash_table_lookup (self->statements, sql);
  int rc;

  if (stmt != NULL)
    {
      sqlite3_reset (stmt);
      sqlite3_clear_bindings (stmt);
      return stmt;
    }

  rc = sqlite3_prepare_v3 (self->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt, NULL);
  if (rc != SQLITE_OK)
    {
      fail (self, rc, error);
      return NULL;
    }
  /* Query shapes vary with the filter; keep the cache bounded. No statement is in use
   * across a call to prepare(), so dropping them all is safe. */
  if (g_hash_table_size (self->statements) >= 128)
    g_hash_table_remove_all (self->statements);
  g_hash_table_insert (self->statements, g_strdup (sql), stmt);
  return stmt;
}

/* Runs a statement to completion; resets it. */
static gboolean
run (PmLedger      *self,
     sqlite3_stmt  *stmt,
     GError       **error)
{
  int rc = sqlite3_step (stmt);

  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE && rc != SQLITE_ROW)
    return fail (self, rc, error);
  return TRUE;
}

static gboolean
exec (PmLedger    *self,
      const char  *sql,
      GError     **error)
{
  int rc = sqlite3_exec (self->db, sql, NULL, NULL, NULL);

  if (rc != SQLITE_OK)
    return fail (self, rc, error);
  return TRUE;
}

static void
bind_text (sqlite3_stmt *stmt,
           int           index,
           const char   *value)
{
  sqlite3_bind_text (stmt, index, value != NULL ? value : "", -1, SQLITE_TRANSIENT);
}

static void
bind_text_or_null (sqlite3_stmt *stmt,
                   int           index,
                   const char   *value)
{
  if (value == NULL || *value == '\0')
    sqlite3_bind_null (stmt, index);
  else
    sqlite3_bind_text (stmt, index, value, -1, SQLITE_TRANSIENT);
}

static const char *
column_text (sqlite3_stmt *stmt,
             int           column)
{
  const char *text = (const char *) sqlite3_column_text (stmt, column);

  return text != NULL ? text : "";
}

static gint64
now_utc (void)
{
  return g_get_real_time () / G_USEC_PER_SEC;
}

static gboolean maybe_analyze (PmLedger  *self,
                               GError   **error);
static gboolean read_data_version (PmLedger  *self,
                                   GError   **error);

/* Write transactions. Inside pm_ledger_begin() they join the caller's. */
static gboolean
write_begin (PmLedger  *self,
             gboolean   durable,
             GError   **error)
{
  /* an explicit transaction already runs with synchronous=FULL (pm_ledger_begin) */
  if (self->in_transaction)
    return TRUE;
  if (durable && !exec (self, "PRAGMA synchronous = FULL", error))
    return FALSE;
  if (!exec (self, "BEGIN IMMEDIATE", error))
    {
      if (durable)
        exec (self, "PRAGMA synchronous = NORMAL", NULL);
      return FALSE;
    }
  return TRUE;
}

static gboolean
write_end (PmLedger  *self,
           gboolean   durable,
           gboolean   ok,
           GError   **error)
{
  if (self->in_transaction)
    return ok;
  if (ok)
    ok = exec (self, "COMMIT", error);
  if (!ok)
    exec (self, "ROLLBACK", NULL);
  if (durable)
    exec (self, "PRAGMA synchronous = NORMAL", NULL);
  return ok;
}

gboolean
pm_ledger_begin (PmLedger  *self,
                 GError   **error)
{
  g_return_val_if_fail (PM_IS_LEDGER (self), FALSE);
  g_return_val_if_fail (!self->in_transaction, FALSE);

  /* SQLite cannot change the safety level inside a transaction, so an explicit one is
   * always committed with synchronous=FULL: intents written in it are durable at
   * pm_ledger_commit(), and the cost is one sync for the whole transaction. */
  if (!exec (self, "PRAGMA synchronous = FULL", error))
    return FALSE;
  if (!exec (self, "BEGIN IMMEDIATE", error))
    {
      exec (self, "PRAGMA synchronous = NORMAL", NULL);
      return FALSE;
    }
  self->in_transaction = TRUE;
  return TRUE;
}

gboolean
pm_ledger_commit (PmLedger  *self,
                  GError   **error)
{
  gboolean ok;

  g_return_val_if_fail (PM_IS_LEDGER (self), FALSE);
  g_return_val_if_fail (self->in_transaction, FALSE);

  ok = exec (self, "COMMIT", error);
  if (!ok)
    exec (self, "ROLLBACK", NULL);
  exec (self, "PRAGMA synchronous = NORMAL", NULL);
  self->in_transaction = FALSE;
  return ok && maybe_analyze (self, error);
}

void
pm_ledger_rollback (PmLedger *self)
{
  g_return_if_fail (PM_IS_LEDGER (self));
  g_return_if_fail (self->in_transaction);

  exec (self, "ROLLBACK", NULL);
  exec (self, "PRAGMA synchronous = NORMAL", NULL);
  self->in_transaction = FALSE;
}

/* ------------------------------------------------------------------------ */
/* Opening and migrating                                                    */
/* ------------------------------------------------------------------------ */

static gboolean
refuse (const char  *path,
        const char  *reason,
        GError     **error)
{
  g_set_error (error, PM_ERROR, PM_ERROR_STORAGE,
               _("The payments database “%s” is damaged (%s). It was left as it is; "
                 "restore it from a backup or move it away to start a new one."),
               path, reason);
  return FALSE;
}

/* Reads the 100-byte SQLite header without SQLite: a file that is not a database,
 * or shorter than the size its header records, is refused before anything opens it
 * for writing. An empty file is a new database. */
static gboolean
check_file_header (const char  *path,
                   GError     **error)
{
  static const char magic[16] = "SQLite format 3";
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GFileInputStream) in = NULL;
  g_autoptr(GFileInfo) info = NULL;
  g_autoptr(GError) local_error = NULL;
  guint8 header[100];
  gsize n_read = 0;
  goffset size;
  guint32 page_size, n_pages, change_counter, valid_for;
  g_autofree char *wal_path = NULL;
  GStatBuf wal_stat;

  in = g_file_read (file, NULL, &local_error);
  if (in == NULL)
    {
      if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND))
        return TRUE;
      g_set_error (error, PM_ERROR, PM_ERROR_STORAGE,
                   _("The payments database “%s” cannot be read: %s"),
                   path, local_error->message);
      return FALSE;
    }
  info = g_file_input_stream_query_info (in, G_FILE_ATTRIBUTE_STANDARD_SIZE, NULL, &local_error);
  if (info == NULL
      || !g_input_stream_read_all (G_INPUT_STREAM (in), header, sizeof header, &n_read,
                                   NULL, &local_error))
    {
      g_set_error (error, PM_ERROR, PM_ERROR_STORAGE,
                   _("The payments database “%s” cannot be read: %s"),
                   path, local_error->message);
      return FALSE;
    }
  size = g_file_info_get_size (info);
  if (size == 0)
    return TRUE;
  if (n_read < sizeof header || memcmp (header, magic, sizeof magic) != 0)
    return refuse (path, _("it is not an SQLite database"), error);

  page_size = ((guint32) header[16] << 8) | header[17];
  if (page_size == 1)
    page_size = 65536;
  if (page_size < 512 || (page_size & (page_size - 1)) != 0)
    return refuse (path, _("its header is invalid"), error);
  /* A process killed during a checkpoint can leave the file shorter than its header
   * says while the write-ahead log still holds the pages: SQLite completes it. */
  wal_path = g_strconcat (path, "-wal", NULL);
  if (g_stat (wal_path, &wal_stat) == 0 && wal_stat.st_size > 0)
    return TRUE;

  if (size % page_size != 0)
    return refuse (path, _("it was cut short"), error);

  memcpy (&n_pages, header + 28, sizeof n_pages);
  memcpy (&change_counter, header + 24, sizeof change_counter);
  memcpy (&valid_for, header + 92, sizeof valid_for);
  n_pages = GUINT32_FROM_BE (n_pages);
  if (n_pages != 0 && change_counter == valid_for && (guint64) size < (guint64) n_pages * page_size)
    return refuse (path, _("it was cut short"), error);
  return TRUE;
}

static gboolean
read_user_version (PmLedger  *self,
                   int       *version,
                   GError   **error)
{
  sqlite3_stmt *stmt = NULL;
  int rc;

  /* Reading the schema touches every page of sqlite_master: a damaged one fails here. */
  rc = sqlite3_prepare_v2 (self->db,
                           "SELECT (SELECT count(*) FROM sqlite_master), "
                           "(SELECT user_version FROM pragma_user_version)",
                           -1, &stmt, NULL);
  if (rc == SQLITE_OK)
    rc = sqlite3_step (stmt);
  if (rc != SQLITE_ROW)
    {
      sqlite3_finalize (stmt);
      if ((rc & 0xff) == SQLITE_NOTADB || (rc & 0xff) == SQLITE_CORRUPT)
        return refuse (self->path, sqlite3_errstr (rc), error);
      return fail (self, rc, error);
    }
  *version = sqlite3_column_int (stmt, 1);
  sqlite3_finalize (stmt);
  return TRUE;
}

static gboolean
refuse_newer (PmLedger  *self,
              int        version,
              int        latest,
              GError   **error)
{
  g_set_error (error, PM_ERROR, PM_ERROR_STORAGE,
               _("The payments database “%s” was written by a newer version of "
                 "Paymint Desk (format %d; this version reads up to %d). It was left as "
                 "it is; update Paymint Desk to open it."),
               self->path, version, latest);
  return FALSE;
}

/* Brings the file from @from to the last step's version, one transaction per step.
 * Several processes may open an old (or brand-new) file at once: each step takes the
 * write lock first (BEGIN IMMEDIATE waits up to the busy timeout) and then reads the
 * version again, so a step another process completed meanwhile is skipped, not run twice
 * ("table bills already exists"). */
static gboolean
migrate (PmLedger                 *self,
         int                       from,
         const PmLedgerMigration  *steps,
         guint                     n_steps,
         GError                  **error)
{
  int latest = n_steps > 0 ? steps[n_steps - 1].version : 0;

  for (guint i = 0; i < n_steps; i++)
    {
      g_autofree char *set_version = NULL;
      int version = 0;

      if (steps[i].version <= from)
        continue;

      if (!exec (self, "BEGIN IMMEDIATE", error))
        return FALSE;
      if (!read_user_version (self, &version, error))
        {
          exec (self, "ROLLBACK", NULL);
          return FALSE;
        }
      if (version > latest)
        {
          exec (self, "ROLLBACK", NULL);
          return refuse_newer (self, version, latest, error);
        }
      if (version >= steps[i].version)
        {
          /* done by another process while this one waited for the lock */
          exec (self, "ROLLBACK", NULL);
          from = version;
          continue;
        }

      /* The version is our own constant, never user input. */
      set_version = g_strdup_printf ("PRAGMA user_version = %d", steps[i].version);
      if (!exec (self, steps[i].sql, error) || !exec (self, set_version, error))
        {
          exec (self, "ROLLBACK", NULL);
          g_prefix_error (error, _("Updating the payments database to version %d failed: "),
                          steps[i].version);
          return FALSE;
        }
      if (!exec (self, "COMMIT", error))
        {
          exec (self, "ROLLBACK", NULL);
          return FALSE;
        }
      from = steps[i].version;
    }
  return TRUE;
}

/* Puts the file in WAL mode. Changing the journal mode needs every other connection out
 * of the file for a moment, and SQLite does not wait for that with the busy handler (the
 * wait could deadlock), it answers "busy" or leaves the mode as it was; so this retries,
 * with short randomised pauses, until the busy timeout. A file already in WAL mode
 * answers at once. */
static gboolean
set_wal (PmLedger  *self,
         GError   **error)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) BUSY_TIMEOUT_MS * 1000;
  gulong pause = 500;

  for (;;)
    {
      sqlite3_stmt *stmt = NULL;
      gboolean wal = FALSE;
      int rc;

      rc = sqlite3_prepare_v2 (self->db, "PRAGMA journal_mode = WAL", -1, &stmt, NULL);
      if (rc == SQLITE_OK)
        rc = sqlite3_step (stmt);
      if (rc == SQLITE_ROW)
        wal = g_ascii_strcasecmp (column_text (stmt, 0), "wal") == 0;
      sqlite3_finalize (stmt);
      if (wal)
        return TRUE;
      if (rc != SQLITE_ROW && (rc & 0xff) != SQLITE_BUSY && (rc & 0xff) != SQLITE_LOCKED)
        return fail (self, rc, error);
      if (g_get_monotonic_time () >= deadline)
        return fail (self, SQLITE_BUSY, error);
      g_usleep (pause + (gulong) g_random_int_range (0, (gint32) pause));
      pause = MIN (pause * 2, 20000);
    }
}

/* The query planner needs statistics to know that, say, one profile holds every bill
 * and a trigram match holds few: without them it walks a million rows. Gather them
 * (sampled, so it takes milliseconds) when missing or when the table doubled. */
static gboolean
maybe_analyze (PmLedger  *self,
               GError   **error)
{
  sqlite3_stmt *stmt;
  gint64 rows = 0, analyzed = -1;
  int rc;

  stmt = prepare (self, "SELECT coalesce (max (id), 0) FROM bills", error);
  if (stmt == NULL)
    return FALSE;
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    rows = sqlite3_column_int64 (stmt, 0);
  sqlite3_reset (stmt);
  if (rc != SQLITE_ROW)
    return fail (self, rc, error);
  if (rows < 1000)
    return TRUE;

  if (sqlite3_table_column_metadata (self->db, NULL, "sqlite_stat1", "stat",
                                     NULL, NULL, NULL, NULL, NULL) == SQLITE_OK)
    {
      stmt = prepare (self, "SELECT stat FROM sqlite_stat1 "
                            "WHERE tbl = 'bills' AND idx = 'bills_p_created'", error);
      if (stmt == NULL)
        return FALSE;
      if (sqlite3_step (stmt) == SQLITE_ROW)
        analyzed = g_ascii_strtoll (column_text (stmt, 0), NULL, 10);
      sqlite3_reset (stmt);
    }
  if (analyzed >= 0 && rows <= 2 * analyzed + 1000)
    return TRUE;

  g_debug ("Ledger: gathering query statistics (%" G_GINT64_FORMAT " bills)", rows);
  return exec (self, "PRAGMA analysis_limit = 1000; ANALYZE; PRAGMA optimize;", error);
}

PmLedger *
pm_ledger_new_with_migrations (const char               *path,
                               const PmLedgerMigration  *steps,
                               guint                     n_steps,
                               GError                  **error)
{
  g_autoptr(PmLedger) self = NULL;
  g_autofree char *dir = NULL;
  int latest = n_steps > 0 ? steps[n_steps - 1].version : 0;
  int version = 0;
  int rc;

  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!check_file_header (path, error))
    return NULL;

  dir = g_path_get_dirname (path);
  if (g_mkdir_with_parents (dir, 0700) != 0)
    {
      int saved_errno = errno;

      g_set_error (error, PM_ERROR, PM_ERROR_STORAGE,
                   _("The folder for the payments database, “%s”, cannot be created: %s"),
                   dir, g_strerror (saved_errno));
      return NULL;
    }

  self = g_object_new (PM_TYPE_LEDGER, NULL);
  self->path = g_strdup (path);

  rc = sqlite3_open_v2 (path, &self->db,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                        NULL);
  if (rc != SQLITE_OK)
    {
      fail (self, rc, error);
      return NULL;
    }
  sqlite3_extended_result_codes (self->db, 1);
  sqlite3_busy_timeout (self->db, BUSY_TIMEOUT_MS);

  /* Only reads until the file is known to be ours and not too new. */
  if (!read_user_version (self, &version, error))
    return NULL;
  if (version > latest)
    {
      refuse_newer (self, version, latest, error);
      return NULL;
    }

  if (!set_wal (self, error)
      || !exec (self, "PRAGMA foreign_keys = ON", error)
      || !exec (self, "PRAGMA synchronous = NORMAL", error)
      /* sorts, UNION/DISTINCT sets and statement journals in memory: no temporary
       * file created and deleted for them (they are small: pages of ids) */
      || !exec (self, "PRAGMA temp_store = MEMORY", error)
      || !exec (self, "PRAGMA cache_size = -" G_STRINGIFY (CACHE_KIB), error))
    return NULL;

  if (!migrate (self, version, steps, n_steps, error))
    return NULL;

  if (!maybe_analyze (self, error))
    return NULL;

  /* from here on, a commit by another connection is an outside change */
  if (!read_data_version (self, error))
    return NULL;

  return g_steal_pointer (&self);
}

PmLedger *
pm_ledger_new (const char  *path,
               GError     **error)
{
  return pm_ledger_new_with_migrations (path, migrations, G_N_ELEMENTS (migrations), error);
}

/* ------------------------------------------------------------------------ */
/* Change watching                                                          */
/* ------------------------------------------------------------------------ */

/* Reads SQLite's data_version: it changes when another connection has committed since
 * this one last looked, and never for this connection's own commits. An outside change
 * also ends what this connection cached about the tables (the last search's size). */
static gboolean
read_data_version (PmLedger  *self,
                   GError   **error)
{
  sqlite3_stmt *stmt = prepare (self, "PRAGMA data_version", error);
  gint64 version;
  int rc;

  if (stmt == NULL)
    return FALSE;
  rc = sqlite3_step (stmt);
  version = rc == SQLITE_ROW ? sqlite3_column_int64 (stmt, 0) : 0;
  sqlite3_reset (stmt);
  if (rc != SQLITE_ROW)
    return fail (self, rc, error);
  if (self->data_version_known && version != self->data_version)
    {
      self->outside_serial++;
      self->generation++;
    }
  self->data_version = version;
  self->data_version_known = TRUE;
  return TRUE;
}

guint64
pm_ledger_get_outside_serial (PmLedger  *self,
                              GError   **error)
{
  g_return_val_if_fail (PM_IS_LEDGER (self), 0);

  if (!read_data_version (self, error))
    return 0;
  return self->outside_serial;
}

gboolean
pm_ledger_check_writable (PmLedger  *self,
                          GError   **error)
{
  g_autofree char *sql = NULL;
  gboolean ok;
  int version = 0;

  g_return_val_if_fail (PM_IS_LEDGER (self), FALSE);
  g_return_val_if_fail (!self->in_transaction, FALSE);

  /* the schema version written again: a real commit that changes nothing */
  if (!read_user_version (self, &version, error))
    return FALSE;
  sql = g_strdup_printf ("PRAGMA user_version = %d", version);
  if (!write_begin (self, FALSE, error))
    return FALSE;
  ok = exec (self, sql, error);
  return write_end (self, FALSE, ok, error);
}

void
pm_ledger_set_fail_writes_for_testing (PmLedger *self,
                                       gboolean  fail_writes)
{
  g_return_if_fail (PM_IS_LEDGER (self));

  /* SQLite itself then refuses every write with SQLITE_READONLY, as it would a file
   * that cannot be written: the same errors through the same paths */
  exec (self, fail_writes ? "PRAGMA query_only = 1" : "PRAGMA query_only = 0", NULL);
}

/* ------------------------------------------------------------------------ */
/* Rows ↔ bills                                                             */
/* ------------------------------------------------------------------------ */

#define BILL_COLUMNS \
  "b.bill_id, b.profile_id, b.kind, b.payer_name, b.phone, b.product, b.message, " \
  "b.price, b.expire_date, b.method_id, b.note, b.batch_id, b.state, b.short_url, " \
  "b.appr_pay_type, b.appr_price, b.appr_dt, b.appr_num, b.appr_issuer, " \
  "b.appr_card_type, b.appr_monthly, b.error_code, b.error_text, b.created_at, " \
  "b.updated_at, b.last_checked_at, b.next_check_at"

enum
{
  COL_BILL_ID,
  COL_PROFILE_ID,
  COL_KIND,
  COL_PAYER_NAME,
  COL_PHONE,
  COL_PRODUCT,
  COL_MESSAGE,
  COL_PRICE,
  COL_EXPIRE_DATE,
  COL_METHOD_ID,
  COL_NOTE,
  COL_BATCH_ID,
  COL_STATE,
  COL_SHORT_URL,
  COL_APPR_PAY_TYPE,
  COL_APPR_PRICE,
  COL_APPR_DT,
  COL_APPR_NUM,
  COL_APPR_ISSUER,
  COL_APPR_CARD_TYPE,
  COL_APPR_MONTHLY,
  COL_ERROR_CODE,
  COL_ERROR_TEXT,
  COL_CREATED_AT,
  COL_UPDATED_AT,
  COL_LAST_CHECKED_AT,
  COL_NEXT_CHECK_AT,
  N_COLUMNS
};

static PmBill *
bill_from_row (sqlite3_stmt *stmt)
{
  PmBill *bill = pm_bill_new ();
  PmBillState state = PM_BILL_STATE_UNKNOWN;
  PmBillKind kind = PM_BILL_KIND_REQUEST;
  const char *batch_id = (const char *) sqlite3_column_text (stmt, COL_BATCH_ID);

  pm_bill_state_from_string (column_text (stmt, COL_STATE), &state);
  pm_bill_kind_from_string (column_text (stmt, COL_KIND), &kind);

  pm_bill_set_bill_id (bill, column_text (stmt, COL_BILL_ID));
  pm_bill_set_profile_id (bill, column_text (stmt, COL_PROFILE_ID));
  pm_bill_set_kind (bill, kind);
  pm_bill_set_payer_name (bill, column_text (stmt, COL_PAYER_NAME));
  pm_bill_set_phone (bill, column_text (stmt, COL_PHONE));
  pm_bill_set_product (bill, column_text (stmt, COL_PRODUCT));
  pm_bill_set_message (bill, column_text (stmt, COL_MESSAGE));
  pm_bill_set_price (bill, sqlite3_column_int64 (stmt, COL_PRICE));
  pm_bill_set_expire_date (bill, column_text (stmt, COL_EXPIRE_DATE));
  pm_bill_set_method_id (bill, column_text (stmt, COL_METHOD_ID));
  pm_bill_set_note (bill, column_text (stmt, COL_NOTE));
  pm_bill_set_batch_id (bill, batch_id);
  pm_bill_set_state (bill, state);
  pm_bill_set_short_url (bill, column_text (stmt, COL_SHORT_URL));
  pm_bill_set_appr_pay_type (bill, column_text (stmt, COL_APPR_PAY_TYPE));
  pm_bill_set_appr_price (bill, sqlite3_column_int64 (stmt, COL_APPR_PRICE));
  pm_bill_set_appr_dt (bill, column_text (stmt, COL_APPR_DT));
  pm_bill_set_appr_num (bill, column_text (stmt, COL_APPR_NUM));
  pm_bill_set_appr_issuer (bill, column_text (stmt, COL_APPR_ISSUER));
  pm_bill_set_appr_card_type (bill, column_text (stmt, COL_APPR_CARD_TYPE));
  pm_bill_set_appr_monthly (bill, column_text (stmt, COL_APPR_MONTHLY));
  pm_bill_set_error_code (bill, column_text (stmt, COL_ERROR_CODE));
  pm_bill_set_error_text (bill, column_text (stmt, COL_ERROR_TEXT));
  pm_bill_set_created_at (bill, sqlite3_column_int64 (stmt, COL_CREATED_AT));
  pm_bill_set_updated_at (bill, sqlite3_column_int64 (stmt, COL_UPDATED_AT));
  pm_bill_set_last_checked_at (bill, sqlite3_column_int64 (stmt, COL_LAST_CHECKED_AT));
  pm_bill_set_next_check_at (bill, sqlite3_column_int64 (stmt, COL_NEXT_CHECK_AT));
  return bill;
}

/* Binds parameters 1 … N_COLUMNS in BILL_COLUMNS order. */
static void
bind_bill (sqlite3_stmt *stmt,
           PmBill       *bill)
{
  bind_text (stmt, 1 + COL_BILL_ID, pm_bill_get_bill_id (bill));
  bind_text (stmt, 1 + COL_PROFILE_ID, pm_bill_get_profile_id (bill));
  bind_text (stmt, 1 + COL_KIND, pm_bill_kind_to_string (pm_bill_get_kind (bill)));
  bind_text (stmt, 1 + COL_PAYER_NAME, pm_bill_get_payer_name (bill));
  bind_text (stmt, 1 + COL_PHONE, pm_bill_get_phone (bill));
  bind_text (stmt, 1 + COL_PRODUCT, pm_bill_get_product (bill));
  bind_text (stmt, 1 + COL_MESSAGE, pm_bill_get_message (bill));
  sqlite3_bind_int64 (stmt, 1 + COL_PRICE, pm_bill_get_price (bill));
  bind_text (stmt, 1 + COL_EXPIRE_DATE, pm_bill_get_expire_date (bill));
  bind_text (stmt, 1 + COL_METHOD_ID, pm_bill_get_method_id (bill));
  bind_text (stmt, 1 + COL_NOTE, pm_bill_get_note (bill));
  bind_text_or_null (stmt, 1 + COL_BATCH_ID, pm_bill_get_batch_id (bill));
  bind_text (stmt, 1 + COL_STATE, pm_bill_state_to_string (pm_bill_get_state (bill)));
  bind_text (stmt, 1 + COL_SHORT_URL, pm_bill_get_short_url (bill));
  bind_text (stmt, 1 + COL_APPR_PAY_TYPE, pm_bill_get_appr_pay_type (bill));
  sqlite3_bind_int64 (stmt, 1 + COL_APPR_PRICE, pm_bill_get_appr_price (bill));
  bind_text (stmt, 1 + COL_APPR_DT, pm_bill_get_appr_dt (bill));
  bind_text (stmt, 1 + COL_APPR_NUM, pm_bill_get_appr_num (bill));
  bind_text (stmt, 1 + COL_APPR_ISSUER, pm_bill_get_appr_issuer (bill));
  bind_text (stmt, 1 + COL_APPR_CARD_TYPE, pm_bill_get_appr_card_type (bill));
  bind_text (stmt, 1 + COL_APPR_MONTHLY, pm_bill_get_appr_monthly (bill));
  bind_text (stmt, 1 + COL_ERROR_CODE, pm_bill_get_error_code (bill));
  bind_text (stmt, 1 + COL_ERROR_TEXT, pm_bill_get_error_text (bill));
  sqlite3_bind_int64 (stmt, 1 + COL_CREATED_AT, pm_bill_get_created_at (bill));
  sqlite3_bind_int64 (stmt, 1 + COL_UPDATED_AT, pm_bill_get_updated_at (bill));
  sqlite3_bind_int64 (stmt, 1 + COL_LAST_CHECKED_AT, pm_bill_get_last_checked_at (bill));
  sqlite3_bind_int64 (stmt, 1 + COL_NEXT_CHECK_AT, pm_bill_get_next_check_at (bill));
}

G_STATIC_ASSERT (N_COLUMNS == 27);

static const char insert_sql[] =
  "INSERT INTO bills (bill_id, profile_id, kind, payer_name, phone, product, message, "
  "price, expire_date, method_id, note, batch_id, state, short_url, appr_pay_type, "
  "appr_price, appr_dt, appr_num, appr_issuer, appr_card_type, appr_monthly, error_code, "
  "error_text, created_at, updated_at, last_checked_at, next_check_at) VALUES "
  "(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, "
  "?20, ?21, ?22, ?23, ?24, ?25, ?26, ?27)";

static const char update_sql[] =
  "UPDATE bills SET profile_id = ?2, kind = ?3, payer_name = ?4, phone = ?5, "
  "product = ?6, message = ?7, price = ?8, expire_date = ?9, method_id = ?10, note = ?11, "
  "batch_id = ?12, state = ?13, short_url = ?14, appr_pay_type = ?15, appr_price = ?16, "
  "appr_dt = ?17, appr_num = ?18, appr_issuer = ?19, appr_card_type = ?20, "
  "appr_monthly = ?21, error_code = ?22, error_text = ?23, created_at = ?24, "
  "updated_at = ?25, last_checked_at = ?26, next_check_at = ?27 WHERE bill_id = ?1";

/* ------------------------------------------------------------------------ */
/* Writes                                                                   */
/* ------------------------------------------------------------------------ */

static gboolean
insert_event (PmLedger    *self,
              const char  *bill_id,
              gint64       at,
              const char  *kind,
              int          from_state,
              int          to_state,
              const char  *detail,
              GError     **error)
{
  sqlite3_stmt *stmt;

  stmt = prepare (self,
                  "INSERT INTO events (bill_id, at, kind, from_state, to_state, detail) "
                  "VALUES (?, ?, ?, ?, ?, ?)", error);
  if (stmt == NULL)
    return FALSE;
  bind_text (stmt, 1, bill_id);
  sqlite3_bind_int64 (stmt, 2, at);
  bind_text (stmt, 3, kind);
  if (from_state >= 0)
    bind_text (stmt, 4, pm_bill_state_to_string (from_state));
  if (to_state >= 0)
    bind_text (stmt, 5, pm_bill_state_to_string (to_state));
  if (detail != NULL)
    bind_text (stmt, 6, detail);
  return run (self, stmt, error);
}

/* The stored state of @bill_id: FALSE with PM_ERROR_NOT_FOUND when there is no row. */
static gboolean
stored_state (PmLedger     *self,
              const char   *bill_id,
              PmBillState  *state,
              GError      **error)
{
  sqlite3_stmt *stmt = prepare (self, "SELECT state FROM bills WHERE bill_id = ?", error);
  int rc;

  if (stmt == NULL)
    return FALSE;
  bind_text (stmt, 1, bill_id);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    {
      *state = PM_BILL_STATE_UNKNOWN;
      pm_bill_state_from_string (column_text (stmt, 0), state);
      sqlite3_reset (stmt);
      return TRUE;
    }
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    return fail (self, rc, error);
  g_set_error (error, PM_ERROR, PM_ERROR_NOT_FOUND,
               _("The bill “%s” is not in the payments database."), bill_id);
  return FALSE;
}

static gboolean
insert_bill (PmLedger  *self,
             PmBill    *bill,
             gboolean   intent,
             GError   **error)
{
  sqlite3_stmt *stmt;
  const char *bill_id;
  gint64 now = now_utc ();
  gboolean ok;
  int rc;

  bill_id = pm_bill_get_bill_id (bill);
  if (bill_id == NULL || *bill_id == '\0')
    {
      g_set_error (error, PM_ERROR, PM_ERROR_INVALID,
                   _("A bill needs its bill id before it is written down."));
      return FALSE;
    }

  if (intent)
    pm_bill_set_state (bill, PM_BILL_STATE_QUEUED);
  if (pm_bill_get_created_at (bill) == 0)
    pm_bill_set_created_at (bill, now);
  if (pm_bill_get_updated_at (bill) == 0)
    pm_bill_set_updated_at (bill, pm_bill_get_created_at (bill));

  if (!write_begin (self, intent, error))
    return FALSE;

  stmt = prepare (self, insert_sql, error);
  ok = stmt != NULL;
  if (ok)
    {
      bind_bill (stmt, bill);
      rc = sqlite3_step (stmt);
      sqlite3_reset (stmt);
      if (rc == SQLITE_CONSTRAINT_UNIQUE)
        {
          g_set_error (error, PM_ERROR, PM_ERROR_DUPLICATE_BILL,
                       _("A bill with the id “%s” is already in the payments database."),
                       bill_id);
          ok = FALSE;
        }
      else if (rc != SQLITE_DONE)
        ok = fail (self, rc, error);
    }
  ok = ok && insert_event (self, bill_id, pm_bill_get_created_at (bill),
                           PM_LEDGER_EVENT_CREATED, -1, pm_bill_get_state (bill), NULL, error);
  if (!write_end (self, intent, ok, error))
    return FALSE;

  self->generation++;
  g_signal_emit (self, signals[SIGNAL_BILL_ADDED], 0, bill_id);
  return TRUE;
}

gboolean
pm_ledger_insert_intent (PmLedger  *self,
                         PmBill    *bill,
                         GError   **error)
{
  g_return_val_if_fail (PM_IS_LEDGER (self), FALSE);
  g_return_val_if_fail (PM_IS_BILL (bill), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  return insert_bill (self, bill, TRUE, error);
}

gboolean
pm_ledger_insert_bill (PmLedger  *self,
                       PmBill    *bill,
                       GError   **error)
{
  g_return_val_if_fail (PM_IS_LEDGER (self), FALSE);
  g_return_val_if_fail (PM_IS_BILL (bill), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  return insert_bill (self, bill, FALSE, error);
}

gboolean
pm_ledger_update_bill (PmLedger  *self,
                       PmBill    *bill,
                       GError   **error)
{
  g_autofree char *bill_id = NULL;
  sqlite3_stmt *stmt;
  PmBillState old_state = PM_BILL_STATE_UNKNOWN;
  PmBillState new_state;
  gint64 at;
  gboolean ok;

  g_return_val_if_fail (PM_IS_LEDGER (self), FALSE);
  g_return_val_if_fail (PM_IS_BILL (bill), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  bill_id = g_strdup (pm_bill_get_bill_id (bill));
  new_state = pm_bill_get_state (bill);
  at = pm_bill_get_updated_at (bill) != 0 ? pm_bill_get_updated_at (bill) : now_utc ();

  if (!write_begin (self, FALSE, error))
    return FALSE;
  ok = stored_state (self, bill_id, &old_state, error);
  if (ok)
    {
      stmt = prepare (self, update_sql, error);
      ok = stmt != NULL;
      if (ok)
        {
          bind_bill (stmt, bill);
          ok = run (self, stmt, error);
        }
    }
  if (ok && old_state != new_state)
    ok = insert_event (self, bill_id, at, PM_LEDGER_EVENT_STATE,
                       old_state, new_state, NULL, error);
  if (!write_end (self, FALSE, ok, error))
    return FALSE;

  self->generation++;
  g_signal_emit (self, signals[SIGNAL_BILL_CHANGED], 0, bill_id);
  return TRUE;
}

gboolean
pm_ledger_set_state (PmLedger     *self,
                     const char   *bill_id,
                     PmBillState   new_state,
                     const char   *detail,
                     gint64        now,
                     GError      **error)
{
  PmBillState old_state = PM_BILL_STATE_UNKNOWN;
  sqlite3_stmt *stmt;
  gboolean ok;

  g_return_val_if_fail (PM_IS_LEDGER (self), FALSE);
  g_return_val_if_fail (bill_id != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!write_begin (self, FALSE, error))
    return FALSE;
  ok = stored_state (self, bill_id, &old_state, error);
  if (ok && old_state == new_state)
    return write_end (self, FALSE, TRUE, error);
  if (ok)
    {
      stmt = prepare (self, "UPDATE bills SET state = ?, updated_at = ? WHERE bill_id = ?",
                      error);
      ok = stmt != NULL;
      if (ok)
        {
          bind_text (stmt, 1, pm_bill_state_to_string (new_state));
          sqlite3_bind_int64 (stmt, 2, now);
          bind_text (stmt, 3, bill_id);
          ok = run (self, stmt, error);
        }
    }
  ok = ok && insert_event (self, bill_id, now, PM_LEDGER_EVENT_STATE,
                           old_state, new_state, detail, error);
  if (!write_end (self, FALSE, ok, error))
    return FALSE;

  self->generation++;
  g_signal_emit (self, signals[SIGNAL_BILL_CHANGED], 0, bill_id);
  return TRUE;
}

gboolean
pm_ledger_set_check_times (PmLedger    *self,
                           const char  *bill_id,
                           gint64       last_checked_at,
                           gint64       next_check_at,
                           GError     **error)
{
  sqlite3_stmt *stmt;

  g_return_val_if_fail (PM_IS_LEDGER (self), FALSE);
  g_return_val_if_fail (bill_id != NULL, FALSE);

  stmt = prepare (self,
                  "UPDATE bills SET last_checked_at = ?, next_check_at = ? WHERE bill_id = ?",
                  error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, last_checked_at);
  sqlite3_bind_int64 (stmt, 2, next_check_at);
  bind_text (stmt, 3, bill_id);
  if (!run (self, stmt, error))
    return FALSE;
  if (sqlite3_changes (self->db) == 0)
    {
      g_set_error (error, PM_ERROR, PM_ERROR_NOT_FOUND,
                   _("The bill “%s” is not in the payments database."), bill_id);
      return FALSE;
    }
  self->generation++;
  g_signal_emit (self, signals[SIGNAL_BILL_CHANGED], 0, bill_id);
  return TRUE;
}

gboolean
pm_ledger_delete_bill (PmLedger    *self,
                       const char  *bill_id,
                       GError     **error)
{
  sqlite3_stmt *stmt;

  g_return_val_if_fail (PM_IS_LEDGER (self), FALSE);
  g_return_val_if_fail (bill_id != NULL, FALSE);

  stmt = prepare (self, "DELETE FROM bills WHERE bill_id = ?", error);
  if (stmt == NULL)
    return FALSE;
  bind_text (stmt, 1, bill_id);
  if (!run (self, stmt, error))
    return FALSE;
  if (sqlite3_changes (self->db) == 0)
    {
      g_set_error (error, PM_ERROR, PM_ERROR_NOT_FOUND,
                   _("The bill “%s” is not in the payments database."), bill_id);
      return FALSE;
    }
  self->generation++;
  g_signal_emit (self, signals[SIGNAL_BILL_REMOVED], 0, bill_id);
  return TRUE;
}

gboolean
pm_ledger_add_event (PmLedger    *self,
                     const char  *bill_id,
                     gint64       at,
                     const char  *kind,
                     int          from_state,
                     int          to_state,
                     const char  *detail,
                     GError     **error)
{
  g_autoptr(GError) local_error = NULL;

  g_return_val_if_fail (PM_IS_LEDGER (self), FALSE);
  g_return_val_if_fail (bill_id != NULL && kind != NULL, FALSE);

  if (insert_event (self, bill_id, at, kind, from_state, to_state, detail, &local_error))
    return TRUE;
  if (sqlite3_extended_errcode (self->db) == SQLITE_CONSTRAINT_FOREIGNKEY)
    g_set_error (error, PM_ERROR, PM_ERROR_NOT_FOUND,
                 _("The bill “%s” is not in the payments database."), bill_id);
  else
    g_propagate_error (error, g_steal_pointer (&local_error));
  return FALSE;
}

GPtrArray *
pm_ledger_list_events (PmLedger    *self,
                       const char  *bill_id,
                       GError     **error)
{
  g_autoptr(GPtrArray) events = NULL;
  sqlite3_stmt *stmt;
  int rc;

  g_return_val_if_fail (PM_IS_LEDGER (self), NULL);
  g_return_val_if_fail (bill_id != NULL, NULL);

  stmt = prepare (self,
                  "SELECT id, bill_id, at, kind, from_state, to_state, detail FROM events "
                  "WHERE bill_id = ? ORDER BY at, id", error);
  if (stmt == NULL)
    return NULL;
  bind_text (stmt, 1, bill_id);
  events = g_ptr_array_new_with_free_func ((GDestroyNotify) pm_ledger_event_free);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      PmLedgerEvent *event = g_new0 (PmLedgerEvent, 1);
      PmBillState state;

      event->id = sqlite3_column_int64 (stmt, 0);
      event->bill_id = g_strdup (column_text (stmt, 1));
      event->at = sqlite3_column_int64 (stmt, 2);
      event->kind = g_strdup (column_text (stmt, 3));
      event->from_state = pm_bill_state_from_string (column_text (stmt, 4), &state) ? (int) state : -1;
      event->to_state = pm_bill_state_from_string (column_text (stmt, 5), &state) ? (int) state : -1;
      event->detail = g_strdup ((const char *) sqlite3_column_text (stmt, 6));
      g_ptr_array_add (events, event);
    }
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    {
      fail (self, rc, error);
      return NULL;
    }
  return g_steal_pointer (&events);
}

/* ------------------------------------------------------------------------ */
/* Query building                                                           */
/* ------------------------------------------------------------------------ */

typedef struct
{
  gboolean  is_text;
  char     *text;
  gint64    number;
} Bind;

typedef struct
{
  GString   *sql;
  GPtrArray *binds;
} Sql;

static void
bind_free (gpointer data)
{
  Bind *bind = data;

  g_free (bind->text);
  g_free (bind);
}

static void
sql_init (Sql        *sql,
          const char *start)
{
  sql->sql = g_string_new (start);
  sql->binds = g_ptr_array_new_with_free_func (bind_free);
}

static void
sql_clear (Sql *sql)
{
  if (sql->sql != NULL)
    g_string_free (sql->sql, TRUE);
  g_clear_pointer (&sql->binds, g_ptr_array_unref);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Sql, sql_clear)

static void
sql_text (Sql        *sql,
          const char *value)
{
  Bind *bind = g_new0 (Bind, 1);

  bind->is_text = TRUE;
  bind->text = g_strdup (value);
  g_ptr_array_add (sql->binds, bind);
}

static void
sql_int (Sql    *sql,
         gint64  value)
{
  Bind *bind = g_new0 (Bind, 1);

  bind->number = value;
  g_ptr_array_add (sql->binds, bind);
}

static sqlite3_stmt *
sql_prepare (PmLedger  *self,
             Sql       *sql,
             GError   **error)
{
  sqlite3_stmt *stmt = prepare (self, sql->sql->str, error);

  if (stmt == NULL)
    return NULL;
  for (guint i = 0; i < sql->binds->len; i++)
    {
      Bind *bind = g_ptr_array_index (sql->binds, i);

      if (bind->is_text)
        sqlite3_bind_text (stmt, i + 1, bind->text, -1, SQLITE_TRANSIENT);
      else
        sqlite3_bind_int64 (stmt, i + 1, bind->number);
    }
  return stmt;
}

static char *
query_today (const PmLedgerQuery *query)
{
  if (query->today != NULL && *query->today != '\0')
    return g_strdup (query->today);
  return pm_bill_korea_date (now_utc ());
}

/* A word of a search: digits written like a phone number ("010-1234", "+82 10…")
 * search by their digits. */
static char *
normalize_word (const char *word)
{
  GString *digits = g_string_new (NULL);
  gboolean phone_like = TRUE;

  for (const char *p = word; *p != '\0'; p++)
    {
      if (g_ascii_isdigit (*p))
        g_string_append_c (digits, *p);
      else if (*p != '-' && *p != '.' && *p != '+' && *p != '(' && *p != ')')
        phone_like = FALSE;
    }
  if (phone_like && digits->len >= 3 && digits->len != strlen (word))
    return g_string_free (digits, FALSE);
  g_string_free (digits, TRUE);
  return g_strdup (word);
}

/* The end of a BINARY range of strings starting with @prefix. */
static char *
prefix_end (const char *prefix)
{
  return g_strconcat (prefix, "\xf4\x8f\xbf\xbf", NULL);
}

/* A short word (or one better read as a prefix, use_prefix()): the ids of bills whose
 * payer name contains it, or whose phone, product or bill id starts with it, each read
 * from an index. */
static void
add_prefix_set (Sql        *sql,
                const char *word)
{
  g_autofree char *end = prefix_end (word);
  g_autofree char *upper = g_ascii_strup (word, -1);
  g_autofree char *upper_end = prefix_end (upper);
  gboolean digits = TRUE, ascii_alnum = TRUE;

  for (const char *p = word; *p != '\0'; p++)
    {
      digits = digits && g_ascii_isdigit (*p);
      ascii_alnum = ascii_alnum && g_ascii_isalnum (*p);
    }

  g_string_append (sql->sql, "SELECT id FROM (");
  if (digits)
    {
      g_string_append (sql->sql, "SELECT id FROM bills WHERE phone >= ? AND phone < ?");
      sql_text (sql, word);
      sql_text (sql, end);
    }
  else
    {
      /* The payer name: one or two characters anywhere in it, through bill_grams (schema
       * v4; a Korean given name, "영희" in "김영희", is no prefix); a longer word (a
       * bill-id-like one, letters and digits) anywhere in it through the trigram index. */
      if (g_utf8_strlen (word, -1) <= 2)
        {
          g_autofree char *gram = g_ascii_strdown (word, -1);

          g_string_append (sql->sql, "SELECT id FROM bill_grams WHERE gram = ?");
          sql_text (sql, gram);
        }
      else
        {
          /* use_prefix() words are ASCII letters and digits: nothing to escape. Names
           * holding the word's first pair (few: it looks like a bill id), then checked.
           * (The trigram index would read the postings of digit trigrams, which every
           * bill id and phone holds.) */
          g_autofree char *pair = g_ascii_strdown (word, 2);
          g_autofree char *like = g_strdup_printf ("%%%s%%", word);

          g_string_append (sql->sql, "SELECT g.id FROM bill_grams g CROSS JOIN bills b"
                                     " ON b.id = g.id WHERE g.gram = ? AND b.payer_name LIKE ?");
          sql_text (sql, pair);
          sql_text (sql, like);
        }
      g_string_append (sql->sql, " UNION SELECT id FROM bills WHERE product >= ? AND product < ?");
      sql_text (sql, word);
      sql_text (sql, end);
    }
  if (ascii_alnum)
    {
      g_string_append (sql->sql, " UNION SELECT id FROM bills WHERE bill_id >= ? AND bill_id < ?");
      sql_text (sql, upper);
      sql_text (sql, upper_end);
    }
  g_string_append (sql->sql, ")");
}

/* Words better read as the start of a value than searched inside one: the beginning of
 * a mobile number ("010…", whose trigrams are in every phone) and bill ids (letters and
 * digits together, whose digit trigrams are everywhere). */
static gboolean
use_prefix (const char *word)
{
  gboolean digits = TRUE, letter = FALSE, digit = FALSE;

  for (const char *p = word; *p != '\0'; p++)
    {
      if (!g_ascii_isalnum (*p))
        return FALSE;
      digits = digits && g_ascii_isdigit (*p);
      letter = letter || g_ascii_isalpha (*p);
      digit = digit || g_ascii_isdigit (*p);
    }
  if (digits)
    return g_str_has_prefix (word, "01");
  return letter && digit;
}

/* Free text: the ids of bills matching every word, as one compound SELECT. Words of 3+
 * characters match anywhere in the payer name, phone, product or bill id (trigram
 * index); shorter ones match the start of one of them (B-tree ranges), since a trigram
 * index cannot hold them. Text that is not UTF-8 matches nothing. */
static void
add_text_set (Sql        *sql,
              const char *text)
{
  g_autofree char *normal = g_utf8_normalize (text, -1, G_NORMALIZE_NFC);
  g_auto(GStrv) words = NULL;
  g_autoptr(GString) match = g_string_new (NULL);
  guint n_sets = 0;

  if (normal == NULL)
    {
      g_string_append (sql->sql, "SELECT NULL WHERE 0");
      return;
    }
  words = g_strsplit_set (g_strstrip (normal), " \t\r\n", -1);
  for (guint i = 0; words[i] != NULL; i++)
    {
      g_autofree char *word = NULL;

      if (*words[i] == '\0')
        continue;
      word = normalize_word (words[i]);
      if (g_utf8_strlen (word, -1) >= 3 && !use_prefix (word))
        {
          if (match->len > 0)
            g_string_append_c (match, ' ');
          g_string_append_c (match, '"');
          for (const char *p = word; *p != '\0'; p++)
            {
              if (*p == '"')
                g_string_append_c (match, '"');
              g_string_append_c (match, *p);
            }
          g_string_append_c (match, '"');
        }
      else
        {
          if (n_sets++ > 0)
            g_string_append (sql->sql, " INTERSECT ");
          add_prefix_set (sql, word);
        }
    }
  if (match->len > 0)
    {
      if (n_sets++ > 0)
        g_string_append (sql->sql, " INTERSECT ");
      g_string_append (sql->sql, "SELECT rowid AS id FROM bills_fts WHERE bills_fts MATCH ?");
      sql_text (sql, match->str);
    }
  if (n_sets == 0)
    g_string_append (sql->sql, "SELECT id FROM bills");
}

static gboolean
has_text (const PmLedgerQuery *query)
{
  return query->text != NULL && *query->text != '\0';
}

static void
add_state_condition (Sql                 *sql,
                     const PmLedgerQuery *query)
{
  g_autofree char *today = NULL;
  gboolean unpaid = (query->states & PM_LEDGER_STATE_BIT (PM_BILL_STATE_UNPAID)) != 0;
  gboolean expired = (query->states & PM_LEDGER_STATE_EXPIRED) != 0;
  guint n_plain = 0;

  if (query->states == PM_LEDGER_STATES_ALL)
    return;

  g_string_append (sql->sql, " AND (b.state IN (");
  for (int s = PM_BILL_STATE_QUEUED; s < PM_BILL_N_STATES; s++)
    {
      if (s == PM_BILL_STATE_UNPAID && !(unpaid && expired))
        continue;
      if ((query->states & PM_LEDGER_STATE_BIT (s)) == 0)
        continue;
      g_string_append (sql->sql, n_plain++ > 0 ? ", ?" : "?");
      sql_text (sql, pm_bill_state_to_string (s));
    }
  g_string_append (sql->sql, ")");
  if (unpaid != expired)
    {
      today = query_today (query);
      g_string_append (sql->sql, " OR (b.state = ? AND ");
      sql_text (sql, pm_bill_state_to_string (PM_BILL_STATE_UNPAID));
      if (expired)
        g_string_append (sql->sql, "b.expire_date <> '' AND b.expire_date < ?)");
      else
        g_string_append (sql->sql, "(b.expire_date = '' OR b.expire_date >= ?))");
      sql_text (sql, today);
    }
  g_string_append (sql->sql, ")");
}

/* Appends " FROM … WHERE …" for the query's filter (not its window). A search is
 * either read first, its matches joined to the bills (few matches: the planner must
 * not walk a million rows looking for them), or with @scan_in_order only checked on
 * each row while walking the sort index ("+b.id" stops the planner from driving the
 * query from it: many matches, the page is found after a few hundred rows). */
static void
add_from_where_full (Sql                 *sql,
                     const PmLedgerQuery *query,
                     gboolean             scan_in_order)
{
  if (has_text (query) && !scan_in_order)
    {
      g_string_append (sql->sql, " FROM (");
      add_text_set (sql, query->text);
      g_string_append (sql->sql, ") AS m CROSS JOIN bills b ON b.id = m.id WHERE 1");
    }
  else
    g_string_append (sql->sql, " FROM bills b WHERE 1");
  if (query->profile_id != NULL && *query->profile_id != '\0')
    {
      g_string_append (sql->sql, " AND b.profile_id = ?");
      sql_text (sql, query->profile_id);
    }
  add_state_condition (sql, query);
  if (query->created_from != 0)
    {
      g_string_append (sql->sql, " AND b.created_at >= ?");
      sql_int (sql, query->created_from);
    }
  if (query->created_to != 0)
    {
      g_string_append (sql->sql, " AND b.created_at < ?");
      sql_int (sql, query->created_to);
    }
  if (has_text (query) && scan_in_order)
    {
      g_string_append (sql->sql, " AND +b.id IN (");
      add_text_set (sql, query->text);
      g_string_append (sql->sql, ")");
    }
}

static void
add_from_where (Sql                 *sql,
                const PmLedgerQuery *query)
{
  add_from_where_full (sql, query, FALSE);
}

/* The ORDER BY keys of a sort, before the final tie-break on b.id. */
static guint
sort_keys (PmLedgerSort  sort,
           const char   *keys[2])
{
  switch (sort)
    {
    case PM_LEDGER_SORT_PAYER:
      keys[0] = "b.payer_name";
      return 1;
    case PM_LEDGER_SORT_AMOUNT:
      keys[0] = "b.price";
      return 1;
    case PM_LEDGER_SORT_STATE:
      keys[0] = STATE_RANK_EXPR;
      keys[1] = "b.created_at";
      return 2;
    case PM_LEDGER_SORT_EXPIRE_DATE:
      keys[0] = "b.expire_date";
      return 1;
    case PM_LEDGER_SORT_LAST_CHECKED:
      keys[0] = "b.last_checked_at";
      return 1;
    case PM_LEDGER_SORT_CREATED_AT:
    default:
      keys[0] = "b.created_at";
      return 1;
    }
}

static void
add_order (Sql                 *sql,
           const PmLedgerQuery *query)
{
  const char *dir = query->descending ? "DESC" : "ASC";
  guint states = query->states & ~PM_LEDGER_STATE_EXPIRED;
  const char *keys[2];
  guint n_keys = sort_keys (query->sort, keys);

  g_string_append (sql->sql, " ORDER BY ");
  /* Sorted by state with one state selected, the rank is the same on every row: leave
   * it out, so the planner can follow the (profile, state, created_at) index. */
  if (query->sort == PM_LEDGER_SORT_STATE && states != 0 && (states & (states - 1)) == 0
      && (query->states == states || states == PM_LEDGER_STATE_BIT (PM_BILL_STATE_UNPAID)))
    {
      keys[0] = keys[1];
      n_keys = 1;
    }
  for (guint i = 0; i < n_keys; i++)
    g_string_append_printf (sql->sql, "%s %s, ", keys[i], dir);
  g_string_append_printf (sql->sql, "b.id %s", dir);
}

/* The query's window combined with a page inside it. */
static void
window (const PmLedgerQuery *query,
        guint                offset,
        guint                limit,
        gint64              *sql_offset,
        gint64              *sql_limit)
{
  gint64 lim = limit == 0 ? -1 : (gint64) limit;

  if (query->limit != 0)
    {
      gint64 left = (gint64) query->limit - offset;

      left = MAX (left, 0);
      lim = lim < 0 ? left : MIN (lim, left);
    }
  *sql_offset = (gint64) query->offset + offset;
  *sql_limit = lim;
}

/* ------------------------------------------------------------------------ */
/* Queries                                                                  */
/* ------------------------------------------------------------------------ */

/* ---- counts without scanning ---- */

/* Whether the query's filter is only a profile and states: then bill_counts knows. */
static gboolean
query_is_plain (const PmLedgerQuery *query)
{
  return (query->text == NULL || *query->text == '\0')
         && query->created_from == 0 && query->created_to == 0;
}

static gboolean
bucket_selected (const PmLedgerQuery *query,
                 guint                bucket)
{
  if (query->states == PM_LEDGER_STATES_ALL)
    return TRUE;
  if (bucket == PM_LEDGER_BUCKET_EXPIRED)
    return (query->states & PM_LEDGER_STATE_EXPIRED) != 0;
  return (query->states & PM_LEDGER_STATE_BIT (bucket)) != 0;
}

/* Totals of every bucket for the query's profile, from bill_counts plus one small
 * index range: unpaid bills not yet expired (recent ones). */
static gboolean
plain_totals (PmLedger             *self,
              const PmLedgerQuery  *query,
              PmLedgerTotals       *totals,
              GError              **error)
{
  g_auto(Sql) sql = { 0 };
  g_auto(Sql) fresh = { 0 };
  g_autofree char *today = query_today (query);
  gboolean profile = query->profile_id != NULL && *query->profile_id != '\0';
  sqlite3_stmt *stmt;
  gint64 fresh_count = 0, fresh_won = 0;
  int rc;

  memset (totals, 0, sizeof *totals);

  sql_init (&sql, "SELECT state, sum (n), sum (won) FROM bill_counts");
  if (profile)
    {
      g_string_append (sql.sql, " WHERE profile_id = ?");
      sql_text (&sql, query->profile_id);
    }
  g_string_append (sql.sql, " GROUP BY state");
  stmt = sql_prepare (self, &sql, error);
  if (stmt == NULL)
    return FALSE;
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      PmBillState state;

      if (!pm_bill_state_from_string (column_text (stmt, 0), &state))
        continue;
      totals->by_state[state].count += sqlite3_column_int64 (stmt, 1);
      totals->by_state[state].won += sqlite3_column_int64 (stmt, 2);
    }
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    return fail (self, rc, error);

  /* Unpaid and not expired: expire-date today or later, or none. */
  sql_init (&fresh, "SELECT count (*), sum (b.price) FROM bills b WHERE b.state = ?");
  sql_text (&fresh, pm_bill_state_to_string (PM_BILL_STATE_UNPAID));
  if (profile)
    {
      g_string_append (fresh.sql, " AND b.profile_id = ?");
      sql_text (&fresh, query->profile_id);
    }
  g_string_append (fresh.sql, " AND b.expire_date >= ? UNION ALL SELECT count (*), "
                              "sum (b.price) FROM bills b WHERE b.state = ?");
  sql_text (&fresh, today);
  sql_text (&fresh, pm_bill_state_to_string (PM_BILL_STATE_UNPAID));
  if (profile)
    {
      g_string_append (fresh.sql, " AND b.profile_id = ?");
      sql_text (&fresh, query->profile_id);
    }
  g_string_append (fresh.sql, " AND b.expire_date = ''");
  stmt = sql_prepare (self, &fresh, error);
  if (stmt == NULL)
    return FALSE;
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      fresh_count += sqlite3_column_int64 (stmt, 0);
      fresh_won += sqlite3_column_int64 (stmt, 1);
    }
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    return fail (self, rc, error);

  totals->by_state[PM_LEDGER_BUCKET_EXPIRED].count =
    totals->by_state[PM_BILL_STATE_UNPAID].count - fresh_count;
  totals->by_state[PM_LEDGER_BUCKET_EXPIRED].won =
    totals->by_state[PM_BILL_STATE_UNPAID].won - fresh_won;
  totals->by_state[PM_BILL_STATE_UNPAID].count = fresh_count;
  totals->by_state[PM_BILL_STATE_UNPAID].won = fresh_won;

  for (guint b = 0; b < PM_LEDGER_N_BUCKETS; b++)
    {
      if (!bucket_selected (query, b))
        {
          totals->by_state[b].count = 0;
          totals->by_state[b].won = 0;
        }
      totals->all.count += totals->by_state[b].count;
      totals->all.won += totals->by_state[b].won;
    }
  return TRUE;
}

/* With a search, the bills come from the text index; when the profile holds every bill
 * (the usual single-profile ledger), checking it on each match is wasted work. */
static PmLedgerQuery *
effective_query (PmLedger             *self,
                 const PmLedgerQuery  *query)
{
  PmLedgerQuery *copy = pm_ledger_query_copy (query);
  sqlite3_stmt *stmt;

  if (!has_text (query) || query->profile_id == NULL || *query->profile_id == '\0')
    return copy;
  stmt = prepare (self, "SELECT (SELECT coalesce (sum (n), 0) FROM bill_counts WHERE profile_id = ?)"
                        " = (SELECT coalesce (sum (n), 0) FROM bill_counts)", NULL);
  if (stmt == NULL)
    return copy;
  bind_text (stmt, 1, query->profile_id);
  if (sqlite3_step (stmt) == SQLITE_ROW && sqlite3_column_int (stmt, 0) == 1)
    g_clear_pointer (&copy->profile_id, g_free);
  sqlite3_reset (stmt);
  return copy;
}

/* How many bills the text alone matches (cached until the next write, here or by
 * another connection). */
static gboolean
text_match_count (PmLedger    *self,
                  const char  *text,
                  gint64      *count,
                  GError     **error)
{
  g_auto(Sql) sql = { 0 };
  sqlite3_stmt *stmt;
  int rc;

  read_data_version (self, NULL);
  if (self->text_count_key != NULL && g_str_equal (self->text_count_key, text)
      && self->text_count_generation == self->generation)
    {
      *count = self->text_count;
      return TRUE;
    }
  sql_init (&sql, "SELECT count(*) FROM (");
  add_text_set (&sql, text);
  g_string_append (sql.sql, ")");
  stmt = sql_prepare (self, &sql, error);
  if (stmt == NULL)
    return FALSE;
  rc = sqlite3_step (stmt);
  *count = rc == SQLITE_ROW ? sqlite3_column_int64 (stmt, 0) : 0;
  sqlite3_reset (stmt);
  if (rc != SQLITE_ROW)
    return fail (self, rc, error);
  g_free (self->text_count_key);
  self->text_count_key = g_strdup (text);
  self->text_count_generation = self->generation;
  self->text_count = *count;
  return TRUE;
}

static gint64
total_bills (PmLedger *self)
{
  sqlite3_stmt *stmt = prepare (self, "SELECT coalesce (sum (n), 0) FROM bill_counts", NULL);
  gint64 total = 0;

  if (stmt == NULL)
    return 0;
  if (sqlite3_step (stmt) == SQLITE_ROW)
    total = sqlite3_column_int64 (stmt, 0);
  sqlite3_reset (stmt);
  return total;
}

/* How to read rows @offset … @offset + @limit of a search. Walking the sort index
 * (which holds the row ids, so checking each against the matches reads no bill) costs
 * about (offset + limit) × bills / matches index entries; reading the matches costs one
 * bill each plus a sort. Walk when that stays small: always for broad searches near the
 * top of the list, never for narrow ones deep down. Other filters make each step of the
 * walk read the bill, so the budget is smaller then. */
static gboolean
scan_in_order (PmLedger             *self,
               const PmLedgerQuery  *query,
               guint                 offset,
               guint                 limit)
{
  gint64 matches = 0, total, expected, budget;

  /* the sort indexes all start with the profile (schema v4 dropped the others) */
  if (query->profile_id == NULL || *query->profile_id == '\0')
    return FALSE;
  if (!has_text (query) || !text_match_count (self, query->text, &matches, NULL) || matches == 0)
    return FALSE;
  total = total_bills (self);
  if (limit == 0)
    limit = (guint) MIN (matches, (gint64) G_MAXUINT);
  expected = ((gint64) query->offset + offset + limit + 1) * (total / matches + 1);
  budget = query->states == PM_LEDGER_STATES_ALL && query->created_from == 0
           && query->created_to == 0 ? 60000 : 10000;
  return expected <= budget;
}

gboolean
pm_ledger_count (PmLedger             *self,
                 const PmLedgerQuery  *query,
                 guint                *n_bills,
                 GError              **error)
{
  g_auto(Sql) sql = { 0 };
  sqlite3_stmt *stmt;
  gint64 count;
  int rc;

  g_return_val_if_fail (PM_IS_LEDGER (self), FALSE);
  g_return_val_if_fail (query != NULL && n_bills != NULL, FALSE);

  if (query_is_plain (query))
    {
      PmLedgerTotals totals;

      if (!plain_totals (self, query, &totals, error))
        return FALSE;
      count = totals.all.count;
    }
  else
    {
      g_autoptr(PmLedgerQuery) effective = effective_query (self, query);

      if (effective->profile_id == NULL && effective->states == PM_LEDGER_STATES_ALL
          && effective->created_from == 0 && effective->created_to == 0)
        {
          /* Only text: count the matching ids without reading the bills. */
          gint64 matches = 0;

          if (!text_match_count (self, effective->text, &matches, error))
            return FALSE;
          count = MAX (matches - (gint64) query->offset, 0);
          if (query->limit != 0)
            count = MIN (count, (gint64) query->limit);
          *n_bills = (guint) MIN (count, (gint64) G_MAXUINT);
          return TRUE;
        }
      else
        {
          sql_init (&sql, "SELECT count(*)");
          add_from_where (&sql, effective);
        }
      stmt = sql_prepare (self, &sql, error);
      if (stmt == NULL)
        return FALSE;
      rc = sqlite3_step (stmt);
      count = rc == SQLITE_ROW ? sqlite3_column_int64 (stmt, 0) : 0;
      sqlite3_reset (stmt);
      if (rc != SQLITE_ROW)
        return fail (self, rc, error);
    }

  count = MAX (count - (gint64) query->offset, 0);
  if (query->limit != 0)
    count = MIN (count, (gint64) query->limit);
  *n_bills = (guint) MIN (count, (gint64) G_MAXUINT);
  return TRUE;
}

static GPtrArray *
fetch_bills (PmLedger      *self,
             sqlite3_stmt  *stmt,
             GError       **error)
{
  g_autoptr(GPtrArray) bills = g_ptr_array_new_with_free_func (g_object_unref);
  int rc;

  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    g_ptr_array_add (bills, bill_from_row (stmt));
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    {
      fail (self, rc, error);
      return NULL;
    }
  return g_steal_pointer (&bills);
}

/* The SELECT of rows @offset … @offset + @limit of @query, in @sql. */
static void
fetch_sql (PmLedger             *self,
           const PmLedgerQuery  *query,
           guint                 offset,
           guint                 limit,
           const char           *start,
           Sql                  *sql)
{
  g_autoptr(PmLedgerQuery) effective = NULL;
  gint64 sql_offset, sql_limit;

  window (query, offset, limit, &sql_offset, &sql_limit);
  sql_init (sql, start);
  g_string_append (sql->sql, "SELECT " BILL_COLUMNS);
  if (scan_in_order (self, query, offset, limit))
    add_from_where_full (sql, query, TRUE);
  else
    {
      effective = effective_query (self, query);
      add_from_where (sql, effective);
    }
  add_order (sql, query);
  g_string_append (sql->sql, " LIMIT ? OFFSET ?");
  sql_int (sql, sql_limit);
  sql_int (sql, sql_offset);
}

GPtrArray *
pm_ledger_fetch (PmLedger             *self,
                 const PmLedgerQuery  *query,
                 guint                 offset,
                 guint                 limit,
                 GError              **error)
{
  g_auto(Sql) sql = { 0 };
  sqlite3_stmt *stmt;

  g_return_val_if_fail (PM_IS_LEDGER (self), NULL);
  g_return_val_if_fail (query != NULL, NULL);

  fetch_sql (self, query, offset, limit, "", &sql);
  stmt = sql_prepare (self, &sql, error);
  if (stmt == NULL)
    return NULL;
  return fetch_bills (self, stmt, error);
}

/* The plan SQLite chose for pm_ledger_fetch (@query, @offset, @limit) and for the count
 * of the text alone, one line per step ("SCAN b", "SEARCH bill_grams USING …"). */
char *
pm_ledger_explain_for_testing (PmLedger            *self,
                               const PmLedgerQuery *query,
                               guint                offset,
                               guint                limit)
{
  g_autoptr(GString) plan = g_string_new (NULL);
  g_auto(Sql) fetch = { 0 };
  g_auto(Sql) count = { 0 };
  Sql *shapes[2] = { &fetch, &count };

  g_return_val_if_fail (PM_IS_LEDGER (self), NULL);

  fetch_sql (self, query, offset, limit, "EXPLAIN QUERY PLAN ", &fetch);
  sql_init (&count, "EXPLAIN QUERY PLAN SELECT count(*) FROM (");
  if (has_text (query))
    add_text_set (&count, query->text);
  else
    g_string_append (count.sql, "SELECT id FROM bills");
  g_string_append (count.sql, ")");
  for (guint i = 0; i < G_N_ELEMENTS (shapes); i++)
    {
      sqlite3_stmt *stmt = sql_prepare (self, shapes[i], NULL);

      if (stmt == NULL)
        return NULL;
      while (sqlite3_step (stmt) == SQLITE_ROW)
        g_string_append_printf (plan, "%s\n", column_text (stmt, 3));
      sqlite3_reset (stmt);
    }
  return g_string_free (g_steal_pointer (&plan), FALSE);
}

gboolean
pm_ledger_totals (PmLedger             *self,
                  const PmLedgerQuery  *query,
                  PmLedgerTotals       *totals,
                  GError              **error)
{
  g_auto(Sql) sql = { 0 };
  g_autofree char *today = NULL;
  sqlite3_stmt *stmt;
  int rc;

  g_return_val_if_fail (PM_IS_LEDGER (self), FALSE);
  g_return_val_if_fail (query != NULL && totals != NULL, FALSE);

  if (query_is_plain (query) && query->offset == 0 && query->limit == 0)
    return plain_totals (self, query, totals, error);

  memset (totals, 0, sizeof *totals);
  today = query_today (query);

  sql_init (&sql, "SELECT b.state, b.state = ? AND b.expire_date <> '' AND b.expire_date < ?, "
                  "count(*), total(b.price), sum(b.price)");
  sql_text (&sql, pm_bill_state_to_string (PM_BILL_STATE_UNPAID));
  sql_text (&sql, today);
  if (query->offset != 0 || query->limit != 0)
    {
      gint64 sql_offset, sql_limit;

      window (query, 0, 0, &sql_offset, &sql_limit);
      g_string_append (sql.sql, " FROM (SELECT b.state, b.expire_date, b.price");
      add_from_where (&sql, query);
      add_order (&sql, query);
      g_string_append (sql.sql, " LIMIT ? OFFSET ?) AS b");
      sql_int (&sql, sql_limit);
      sql_int (&sql, sql_offset);
    }
  else
    {
      add_from_where (&sql, query);
    }
  g_string_append (sql.sql, " GROUP BY 1, 2");

  stmt = sql_prepare (self, &sql, error);
  if (stmt == NULL)
    return FALSE;
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      PmBillState state = PM_BILL_STATE_UNKNOWN;
      gint64 count = sqlite3_column_int64 (stmt, 2);
      gint64 won = sqlite3_column_int64 (stmt, 4);
      guint bucket;

      if (!pm_bill_state_from_string (column_text (stmt, 0), &state))
        continue;
      bucket = sqlite3_column_int (stmt, 1) ? PM_LEDGER_BUCKET_EXPIRED : (guint) state;
      totals->by_state[bucket].count += count;
      totals->by_state[bucket].won += won;
      totals->all.count += count;
      totals->all.won += won;
    }
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    return fail (self, rc, error);
  return TRUE;
}

PmBill *
pm_ledger_lookup (PmLedger    *self,
                  const char  *bill_id,
                  GError     **error)
{
  g_autoptr(GPtrArray) bills = NULL;
  sqlite3_stmt *stmt;

  g_return_val_if_fail (PM_IS_LEDGER (self), NULL);
  g_return_val_if_fail (bill_id != NULL, NULL);

  stmt = prepare (self, "SELECT " BILL_COLUMNS " FROM bills b WHERE b.bill_id = ?", error);
  if (stmt == NULL)
    return NULL;
  bind_text (stmt, 1, bill_id);
  bills = fetch_bills (self, stmt, error);
  if (bills == NULL || bills->len == 0)
    return NULL;
  return g_object_ref (g_ptr_array_index (bills, 0));
}

GPtrArray *
pm_ledger_list_due (PmLedger   *self,
                    const char *profile_id,
                    gint64      now,
                    guint       limit,
                    GError    **error)
{
  sqlite3_stmt *stmt;

  g_return_val_if_fail (PM_IS_LEDGER (self), NULL);

  stmt = prepare (self,
                  "SELECT " BILL_COLUMNS " FROM bills b WHERE b.state IN " NON_FINAL_STATES
                  " AND b.next_check_at > 0 AND b.next_check_at <= ?1"
                  " AND (?3 IS NULL OR b.profile_id = ?3)"
                  " ORDER BY b.next_check_at LIMIT ?2", error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, now);
  sqlite3_bind_int64 (stmt, 2, limit == 0 ? -1 : (gint64) limit);
  bind_text_or_null (stmt, 3, profile_id);
  return fetch_bills (self, stmt, error);
}

gint64
pm_ledger_next_due_time (PmLedger   *self,
                         const char *profile_id,
                         GError    **error)
{
  sqlite3_stmt *stmt;
  gint64 next = 0;
  int rc;

  g_return_val_if_fail (PM_IS_LEDGER (self), 0);

  stmt = prepare (self,
                  "SELECT min(b.next_check_at) FROM bills b WHERE b.state IN " NON_FINAL_STATES
                  " AND b.next_check_at > 0 AND (?1 IS NULL OR b.profile_id = ?1)", error);
  if (stmt == NULL)
    return 0;
  bind_text_or_null (stmt, 1, profile_id);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    next = sqlite3_column_int64 (stmt, 0);
  sqlite3_reset (stmt);
  if (rc != SQLITE_ROW)
    fail (self, rc, error);
  return next;
}

static int
compare_created (gconstpointer a,
                 gconstpointer b)
{
  PmBill *x = *(PmBill **) a;
  PmBill *y = *(PmBill **) b;
  gint64 cx = pm_bill_get_created_at (x);
  gint64 cy = pm_bill_get_created_at (y);

  if (cx != cy)
    return cx < cy ? -1 : 1;
  return g_strcmp0 (pm_bill_get_bill_id (x), pm_bill_get_bill_id (y));
}

GPtrArray *
pm_ledger_list_unsettled (PmLedger   *self,
                          const char *profile_id,
                          GError    **error)
{
  GPtrArray *bills;
  sqlite3_stmt *stmt;

  g_return_val_if_fail (PM_IS_LEDGER (self), NULL);

  /* Unsettled intents are few: they are sorted here, not by SQL. With an ORDER BY
   * (and "?1 IS NULL OR profile_id = ?1") SQLite walked the date index over every bill
   * instead of the (profile_id, state) index, at each start. */
  if (profile_id != NULL)
    stmt = prepare (self,
                    "SELECT " BILL_COLUMNS " FROM bills b "
                    "WHERE b.profile_id = ?1 AND b.state IN ('queued', 'sending', 'unknown')",
                    error);
  else
    stmt = prepare (self,
                    "SELECT " BILL_COLUMNS " FROM bills b "
                    "WHERE b.state IN ('queued', 'sending', 'unknown')", error);
  if (stmt == NULL)
    return NULL;
  if (profile_id != NULL)
    bind_text (stmt, 1, profile_id);
  bills = fetch_bills (self, stmt, error);
  if (bills != NULL)
    g_ptr_array_sort (bills, compare_created);
  return bills;
}

GPtrArray *
pm_ledger_recent_payers (PmLedger    *self,
                         const char  *profile_id,
                         const char  *prefix,
                         guint        limit,
                         GError     **error)
{
  g_auto(Sql) sql = { 0 };
  g_autoptr(GPtrArray) payers = NULL;
  g_autoptr(GHashTable) seen = NULL;
  sqlite3_stmt *stmt;
  int rc;

  g_return_val_if_fail (PM_IS_LEDGER (self), NULL);

  sql_init (&sql, "SELECT b.profile_id, b.payer_name, b.phone, b.created_at FROM bills b "
                  "WHERE b.payer_name <> ''");
  if (profile_id != NULL && *profile_id != '\0')
    {
      g_string_append (sql.sql, " AND b.profile_id = ?");
      sql_text (&sql, profile_id);
    }
  if (prefix != NULL && *prefix != '\0')
    {
      g_autofree char *word = normalize_word (prefix);
      g_autofree char *end = prefix_end (word);

      g_string_append (sql.sql, " AND ((b.payer_name >= ? AND b.payer_name < ?)"
                                " OR (b.phone >= ? AND b.phone < ?))");
      sql_text (&sql, word);
      sql_text (&sql, end);
      sql_text (&sql, word);
      sql_text (&sql, end);
    }
  /* Scan a bounded number of the newest matching bills for distinct payers. */
  g_string_append (sql.sql, " ORDER BY b.created_at DESC, b.id DESC LIMIT 5000");
  stmt = sql_prepare (self, &sql, error);
  if (stmt == NULL)
    return NULL;

  payers = g_ptr_array_new_with_free_func ((GDestroyNotify) pm_ledger_payer_free);
  seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      PmLedgerPayer *payer;
      char *key = g_strconcat (column_text (stmt, 1), "\n", column_text (stmt, 2), NULL);

      if (!g_hash_table_add (seen, key))
        continue;
      payer = g_new0 (PmLedgerPayer, 1);
      payer->profile_id = g_strdup (column_text (stmt, 0));
      payer->name = g_strdup (column_text (stmt, 1));
      payer->phone = g_strdup (column_text (stmt, 2));
      payer->at = sqlite3_column_int64 (stmt, 3);
      g_ptr_array_add (payers, payer);
      if (limit != 0 && payers->len >= limit)
        break;
    }
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE && rc != SQLITE_ROW)
    {
      fail (self, rc, error);
      return NULL;
    }
  return g_steal_pointer (&payers);
}

gboolean
pm_ledger_locate (PmLedger             *self,
                  const PmLedgerQuery  *query,
                  const char           *bill_id,
                  gboolean             *selected,
                  guint                *position,
                  GError              **error)
{
  g_auto(Sql) sql = { 0 };
  g_auto(Sql) before = { 0 };
  sqlite3_stmt *stmt;
  sqlite3_value *key[2] = { NULL, NULL };
  gint64 id = 0, count = 0;
  const char *cmp = query->descending ? ">" : "<";
  const char *keys[2];
  guint n_keys = sort_keys (query->sort, keys);
  int rc;

  *selected = FALSE;
  *position = 0;

  sql_init (&sql, "SELECT ");
  for (guint i = 0; i < n_keys; i++)
    g_string_append_printf (sql.sql, "%s, ", keys[i]);
  g_string_append (sql.sql, "b.id");
  add_from_where (&sql, query);
  g_string_append (sql.sql, " AND b.bill_id = ?");
  sql_text (&sql, bill_id);
  stmt = sql_prepare (self, &sql, error);
  if (stmt == NULL)
    return FALSE;
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    {
      for (guint i = 0; i < n_keys; i++)
        key[i] = sqlite3_value_dup (sqlite3_column_value (stmt, i));
      id = sqlite3_column_int64 (stmt, n_keys);
    }
  sqlite3_reset (stmt);
  if (rc == SQLITE_DONE)
    return TRUE;
  if (rc != SQLITE_ROW)
    return fail (self, rc, error);

  /* Rows before it: (keys…, id) compares as a row value, which the planner can read
   * as one range of the sort index. */
  sql_init (&before, "SELECT count(*)");
  add_from_where (&before, query);
  g_string_append (before.sql, " AND (");
  for (guint i = 0; i < n_keys; i++)
    g_string_append_printf (before.sql, "%s, ", keys[i]);
  g_string_append_printf (before.sql, "b.id) %s (?1000, ", cmp);
  if (n_keys == 2)
    g_string_append (before.sql, "?1001, ");
  g_string_append (before.sql, "?1002)");
  stmt = sql_prepare (self, &before, error);
  if (stmt != NULL)
    {
      for (guint i = 0; i < n_keys; i++)
        sqlite3_bind_value (stmt, 1000 + i, key[i]);
      sqlite3_bind_int64 (stmt, 1002, id);
    }
  for (guint i = 0; i < n_keys; i++)
    sqlite3_value_free (key[i]);
  if (stmt == NULL)
    return FALSE;
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    count = sqlite3_column_int64 (stmt, 0);
  sqlite3_reset (stmt);
  if (rc != SQLITE_ROW)
    return fail (self, rc, error);

  if (count < (gint64) query->offset
      || (query->limit != 0 && count >= (gint64) query->offset + query->limit))
    return TRUE;
  *selected = TRUE;
  *position = (guint) (count - query->offset);
  return TRUE;
}

void
pm_ledger_copy_bill_into (PmBill *from,
                          PmBill *to)
{
  g_autofree GParamSpec **pspecs = NULL;
  guint n_pspecs = 0;

  if (from == to)
    return;
  pspecs = g_object_class_list_properties (G_OBJECT_GET_CLASS (to), &n_pspecs);
  g_object_freeze_notify (G_OBJECT (to));
  for (guint i = 0; i < n_pspecs; i++)
    {
      GParamSpec *pspec = pspecs[i];
      g_auto(GValue) old_value = G_VALUE_INIT;
      g_auto(GValue) new_value = G_VALUE_INIT;

      if ((pspec->flags & G_PARAM_READWRITE) != G_PARAM_READWRITE
          || (pspec->flags & G_PARAM_CONSTRUCT_ONLY) != 0)
        continue;
      g_value_init (&old_value, pspec->value_type);
      g_value_init (&new_value, pspec->value_type);
      g_object_get_property (G_OBJECT (to), pspec->name, &old_value);
      g_object_get_property (G_OBJECT (from), pspec->name, &new_value);
      if (g_param_values_cmp (pspec, &old_value, &new_value) != 0)
        g_object_set_property (G_OBJECT (to), pspec->name, &new_value);
    }
  g_object_thaw_notify (G_OBJECT (to));
}

/* ------------------------------------------------------------------------ */
/* CSV export                                                               */
/* ------------------------------------------------------------------------ */

static void
csv_field (GString    *out,
           const char *value)
{
  if (value == NULL)
    value = "";
  if (strpbrk (value, ",\"\r\n") == NULL)
    {
      g_string_append (out, value);
      return;
    }
  g_string_append_c (out, '"');
  for (const char *p = value; *p != '\0'; p++)
    {
      if (*p == '"')
        g_string_append_c (out, '"');
      g_string_append_c (out, *p);
    }
  g_string_append_c (out, '"');
}

/* Free text that people typed (or a CSV import brought in): a cell that starts like a
 * formula (= + - @, a tab or a carriage return) would run as one when the export is
 * opened in a spreadsheet, so it gets a leading apostrophe and is shown as text. */
static void
csv_text_field (GString    *out,
                const char *value)
{
  g_autofree char *escaped = NULL;

  if (value != NULL && strchr ("=+-@\t\r", value[0]) != NULL && value[0] != '\0')
    {
      escaped = g_strconcat ("'", value, NULL);
      value = escaped;
    }
  csv_field (out, value);
}

static void
csv_time (PmLedger *self,
          GString  *out,
          gint64    unix_utc)
{
  g_autoptr(GDateTime) utc = NULL;
  g_autoptr(GDateTime) local = NULL;
  g_autofree char *text = NULL;

  if (unix_utc == 0)
    return;
  utc = g_date_time_new_from_unix_utc (unix_utc);
  if (utc == NULL)
    return;
  local = g_date_time_to_timezone (utc, self->korea);
  text = g_date_time_format (local, "%Y-%m-%d %H:%M:%S");
  g_string_append (out, text);
}

/* appr_dt "YYYYMMDDHHMMSS" (already Korea time) in the same form as the other times. */
static void
csv_appr_dt (GString    *out,
             const char *value)
{
  gboolean digits = strlen (value) == 14;

  for (guint i = 0; digits && i < 14; i++)
    digits = g_ascii_isdigit (value[i]);
  if (!digits)
    {
      csv_field (out, value);
      return;
    }
  g_string_append_printf (out, "%.4s-%.2s-%.2s %.2s:%.2s:%.2s",
                          value, value + 4, value + 6, value + 8, value + 10, value + 12);
}

static const char csv_header[] =
  "bill_id,state,expired,payer_name,phone,product,message,price,expire_date,created_at,"
  "updated_at,short_url,appr_pay_type,appr_price,appr_dt,appr_num,appr_issuer,"
  "appr_card_type,appr_monthly,error_code,error_text,note,kind,method_id,batch_id,"
  "profile_id,last_checked_at,next_check_at\r\n";

static void
csv_row (PmLedger     *self,
         GString      *out,
         sqlite3_stmt *stmt,
         const char   *today)
{
  const char *state = column_text (stmt, COL_STATE);
  const char *expire = column_text (stmt, COL_EXPIRE_DATE);
  g_autofree char *phone = NULL;

  if (*column_text (stmt, COL_PHONE) != '\0')
    phone = pm_phone_format_display (column_text (stmt, COL_PHONE));

  csv_field (out, column_text (stmt, COL_BILL_ID));
  g_string_append_c (out, ',');
  csv_field (out, state);
  g_string_append_c (out, ',');
  g_string_append (out, g_str_equal (state, "unpaid") && *expire != '\0'
                        && strcmp (expire, today) < 0 ? "yes" : "no");
  g_string_append_c (out, ',');
  csv_text_field (out, column_text (stmt, COL_PAYER_NAME));
  g_string_append_c (out, ',');
  csv_field (out, phone != NULL ? phone : column_text (stmt, COL_PHONE));
  g_string_append_c (out, ',');
  csv_text_field (out, column_text (stmt, COL_PRODUCT));
  g_string_append_c (out, ',');
  csv_text_field (out, column_text (stmt, COL_MESSAGE));
  g_string_append_printf (out, ",%" G_GINT64_FORMAT ",",
                          (gint64) sqlite3_column_int64 (stmt, COL_PRICE));
  csv_field (out, expire);
  g_string_append_c (out, ',');
  csv_time (self, out, sqlite3_column_int64 (stmt, COL_CREATED_AT));
  g_string_append_c (out, ',');
  csv_time (self, out, sqlite3_column_int64 (stmt, COL_UPDATED_AT));
  g_string_append_c (out, ',');
  csv_field (out, column_text (stmt, COL_SHORT_URL));
  g_string_append_c (out, ',');
  csv_field (out, column_text (stmt, COL_APPR_PAY_TYPE));
  g_string_append_c (out, ',');
  if (sqlite3_column_int64 (stmt, COL_APPR_PRICE) != 0)
    g_string_append_printf (out, "%" G_GINT64_FORMAT,
                            (gint64) sqlite3_column_int64 (stmt, COL_APPR_PRICE));
  g_string_append_c (out, ',');
  csv_appr_dt (out, column_text (stmt, COL_APPR_DT));
  for (int col = COL_APPR_NUM; col <= COL_ERROR_TEXT; col++)
    {
      g_string_append_c (out, ',');
      csv_field (out, column_text (stmt, col));
    }
  g_string_append_c (out, ',');
  csv_text_field (out, column_text (stmt, COL_NOTE));
  g_string_append_c (out, ',');
  csv_field (out, column_text (stmt, COL_KIND));
  g_string_append_c (out, ',');
  csv_field (out, column_text (stmt, COL_METHOD_ID));
  g_string_append_c (out, ',');
  csv_field (out, column_text (stmt, COL_BATCH_ID));
  g_string_append_c (out, ',');
  csv_field (out, column_text (stmt, COL_PROFILE_ID));
  g_string_append_c (out, ',');
  csv_time (self, out, sqlite3_column_int64 (stmt, COL_LAST_CHECKED_AT));
  g_string_append_c (out, ',');
  csv_time (self, out, sqlite3_column_int64 (stmt, COL_NEXT_CHECK_AT));
  g_string_append (out, "\r\n");
}

gboolean
pm_ledger_export_csv (PmLedger             *self,
                      const PmLedgerQuery  *query,
                      GOutputStream        *stream,
                      guint64              *n_rows,
                      GCancellable         *cancellable,
                      GError              **error)
{
  g_auto(Sql) sql = { 0 };
  g_autoptr(GString) out = g_string_sized_new (128 * 1024);
  g_autofree char *today = NULL;
  sqlite3_stmt *stmt;
  gint64 sql_offset, sql_limit;
  guint64 count = 0;
  gboolean ok = TRUE;
  int rc;

  g_return_val_if_fail (PM_IS_LEDGER (self), FALSE);
  g_return_val_if_fail (query != NULL, FALSE);
  g_return_val_if_fail (G_IS_OUTPUT_STREAM (stream), FALSE);

  today = query_today (query);
  window (query, 0, 0, &sql_offset, &sql_limit);
  sql_init (&sql, "SELECT " BILL_COLUMNS);
  add_from_where_full (&sql, query, scan_in_order (self, query, 0, 0));
  add_order (&sql, query);
  g_string_append (sql.sql, " LIMIT ? OFFSET ?");
  sql_int (&sql, sql_limit);
  sql_int (&sql, sql_offset);
  stmt = sql_prepare (self, &sql, error);
  if (stmt == NULL)
    return FALSE;

  g_string_append (out, "\xef\xbb\xbf");
  g_string_append (out, csv_header);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      csv_row (self, out, stmt, today);
      count++;
      if (out->len >= 64 * 1024)
        {
          ok = g_output_stream_write_all (stream, out->str, out->len, NULL, cancellable, error);
          g_string_truncate (out, 0);
          if (!ok)
            break;
        }
    }
  sqlite3_reset (stmt);
  if (!ok)
    return FALSE;
  if (rc != SQLITE_DONE)
    return fail (self, rc, error);
  if (!g_output_stream_write_all (stream, out->str, out->len, NULL, cancellable, error))
    return FALSE;
  if (n_rows != NULL)
    *n_rows = count;
  return TRUE;
}

gboolean
pm_ledger_export_csv_to_path (PmLedger             *self,
                              const PmLedgerQuery  *query,
                              const char           *path,
                              guint64              *n_rows,
                              GCancellable         *cancellable,
                              GError              **error)
{
  g_autoptr(GFile) file = NULL;
  g_autoptr(GFileOutputStream) out = NULL;
  g_autoptr(GError) local_error = NULL;

  g_return_val_if_fail (PM_IS_LEDGER (self), FALSE);
  g_return_val_if_fail (path != NULL, FALSE);

  file = g_file_new_for_path (path);
  out = g_file_replace (file, NULL, FALSE, G_FILE_CREATE_REPLACE_DESTINATION,
                        cancellable, &local_error);
  if (out == NULL)
    {
      g_set_error (error, PM_ERROR, PM_ERROR_STORAGE, _("“%s” cannot be written: %s"),
                   path, local_error->message);
      return FALSE;
    }
  if (!pm_ledger_export_csv (self, query, G_OUTPUT_STREAM (out), n_rows, cancellable,
                             &local_error))
    {
      /* Closing a cancelled replace leaves the old file in place. */
      g_autoptr(GCancellable) abandon = g_cancellable_new ();

      g_cancellable_cancel (abandon);
      g_output_stream_close (G_OUTPUT_STREAM (out), abandon, NULL);
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  if (!g_output_stream_close (G_OUTPUT_STREAM (out), cancellable, &local_error))
    {
      g_set_error (error, PM_ERROR, PM_ERROR_STORAGE, _("“%s” cannot be written: %s"),
                   path, local_error->message);
      return FALSE;
    }
  return TRUE;
}

/* ------------------------------------------------------------------------ */
/* Batches and payers                                                       */
/* ------------------------------------------------------------------------ */

gboolean
pm_ledger_insert_batch (PmLedger    *self,
                        const char  *batch_id,
                        const char  *source_name,
                        guint        n_total,
                        gint64       created_at,
                        GError     **error)
{
  sqlite3_stmt *stmt;

  g_return_val_if_fail (PM_IS_LEDGER (self), FALSE);
  g_return_val_if_fail (batch_id != NULL, FALSE);

  stmt = prepare (self, "INSERT INTO batches (id, created_at, source_name, n_total) "
                        "VALUES (?, ?, ?, ?)", error);
  if (stmt == NULL)
    return FALSE;
  bind_text (stmt, 1, batch_id);
  sqlite3_bind_int64 (stmt, 2, created_at);
  bind_text (stmt, 3, source_name);
  sqlite3_bind_int64 (stmt, 4, n_total);
  return run (self, stmt, error);
}

gboolean
pm_ledger_insert_batch_full (PmLedger             *self,
                             const PmLedgerBatch  *batch,
                             GError              **error)
{
  sqlite3_stmt *stmt;

  g_return_val_if_fail (PM_IS_LEDGER (self), FALSE);
  g_return_val_if_fail (batch != NULL && batch->id != NULL, FALSE);

  /* A batch that runs again keeps its first record; only what a ledger from before
   * schema 3 did not record is filled in. */
  stmt = prepare (self,
                  "INSERT INTO batches (id, created_at, source_name, n_total, name, profile_id, "
                  "content_hash) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET "
                  "name = CASE WHEN name = '' THEN excluded.name ELSE name END, "
                  "profile_id = CASE WHEN profile_id = '' THEN excluded.profile_id "
                  "ELSE profile_id END, "
                  "content_hash = CASE WHEN content_hash = '' THEN excluded.content_hash "
                  "ELSE content_hash END", error);
  if (stmt == NULL)
    return FALSE;
  bind_text (stmt, 1, batch->id);
  sqlite3_bind_int64 (stmt, 2, batch->created_at);
  bind_text (stmt, 3, batch->source_name);
  sqlite3_bind_int64 (stmt, 4, batch->n_total);
  bind_text (stmt, 5, batch->name);
  bind_text (stmt, 6, batch->profile_id);
  bind_text (stmt, 7, batch->content_hash);
  return run (self, stmt, error);
}

void
pm_ledger_batch_free (PmLedgerBatch *batch)
{
  if (batch == NULL)
    return;
  g_free (batch->id);
  g_free (batch->name);
  g_free (batch->source_name);
  g_free (batch->profile_id);
  g_free (batch->content_hash);
  g_free (batch);
}

#define BATCH_SELECT \
  "SELECT t.id, t.name, t.source_name, t.profile_id, t.content_hash, t.created_at, " \
  "t.n_total, t.n_sent, t.n_failed, " \
  "(SELECT count(*) FROM bills WHERE batch_id = t.id), " \
  "(SELECT count(*) FROM bills WHERE batch_id = t.id AND state NOT IN (?, ?)) " \
  "FROM batches t "

static PmLedgerBatch *
batch_from_row (sqlite3_stmt *stmt)
{
  PmLedgerBatch *batch = g_new0 (PmLedgerBatch, 1);

  batch->id = g_strdup (column_text (stmt, 0));
  batch->name = g_strdup (column_text (stmt, 1));
  batch->source_name = g_strdup (column_text (stmt, 2));
  batch->profile_id = g_strdup (column_text (stmt, 3));
  batch->content_hash = g_strdup (column_text (stmt, 4));
  batch->created_at = sqlite3_column_int64 (stmt, 5);
  batch->n_total = (guint) sqlite3_column_int64 (stmt, 6);
  batch->n_sent = (guint) sqlite3_column_int64 (stmt, 7);
  batch->n_failed = (guint) sqlite3_column_int64 (stmt, 8);
  batch->n_bills = (guint) sqlite3_column_int64 (stmt, 9);
  batch->n_live = (guint) sqlite3_column_int64 (stmt, 10);
  return batch;
}

/* The states that mean nothing was created or charged. */
static void
bind_dead_states (sqlite3_stmt *stmt)
{
  bind_text (stmt, 1, pm_bill_state_to_string (PM_BILL_STATE_FAILED));
  bind_text (stmt, 2, pm_bill_state_to_string (PM_BILL_STATE_NOT_SENT));
}

PmLedgerBatch *
pm_ledger_lookup_batch (PmLedger    *self,
                        const char  *batch_id,
                        GError     **error)
{
  PmLedgerBatch *batch = NULL;
  sqlite3_stmt *stmt;
  int rc;

  g_return_val_if_fail (PM_IS_LEDGER (self), NULL);
  g_return_val_if_fail (batch_id != NULL, NULL);

  stmt = prepare (self, BATCH_SELECT "WHERE t.id = ?", error);
  if (stmt == NULL)
    return NULL;
  bind_dead_states (stmt);
  bind_text (stmt, 3, batch_id);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    batch = batch_from_row (stmt);
  sqlite3_reset (stmt);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    fail (self, rc, error);
  return batch;
}

GPtrArray *
pm_ledger_find_batches_by_content (PmLedger    *self,
                                   const char  *profile_id,
                                   const char  *content_hash,
                                   GError     **error)
{
  g_autoptr(GPtrArray) batches = NULL;
  sqlite3_stmt *stmt;
  int rc;

  g_return_val_if_fail (PM_IS_LEDGER (self), NULL);
  g_return_val_if_fail (profile_id != NULL && content_hash != NULL, NULL);

  batches = g_ptr_array_new_with_free_func ((GDestroyNotify) pm_ledger_batch_free);
  if (content_hash[0] == '\0')
    return g_steal_pointer (&batches);
  /* "<> ''" lets the partial index batches_content serve the query */
  stmt = prepare (self, BATCH_SELECT "WHERE t.profile_id = ? AND t.content_hash = ? "
                                     "AND t.content_hash <> '' "
                                     "ORDER BY t.created_at DESC, t.rowid DESC", error);
  if (stmt == NULL)
    return NULL;
  bind_dead_states (stmt);
  bind_text (stmt, 3, profile_id);
  bind_text (stmt, 4, content_hash);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    g_ptr_array_add (batches, batch_from_row (stmt));
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    {
      fail (self, rc, error);
      return NULL;
    }
  return g_steal_pointer (&batches);
}

gboolean
pm_ledger_update_batch (PmLedger    *self,
                        const char  *batch_id,
                        guint        n_sent,
                        guint        n_failed,
                        GError     **error)
{
  sqlite3_stmt *stmt;

  g_return_val_if_fail (PM_IS_LEDGER (self), FALSE);
  g_return_val_if_fail (batch_id != NULL, FALSE);

  stmt = prepare (self, "UPDATE batches SET n_sent = ?, n_failed = ? WHERE id = ?", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, n_sent);
  sqlite3_bind_int64 (stmt, 2, n_failed);
  bind_text (stmt, 3, batch_id);
  if (!run (self, stmt, error))
    return FALSE;
  if (sqlite3_changes (self->db) == 0)
    {
      g_set_error (error, PM_ERROR, PM_ERROR_NOT_FOUND,
                   _("The batch “%s” is not in the payments database."), batch_id);
      return FALSE;
    }
  return TRUE;
}

gboolean
pm_ledger_save_payer (PmLedger    *self,
                      const char  *profile_id,
                      const char  *phone,
                      const char  *name,
                      gint64       registered_at,
                      GError     **error)
{
  sqlite3_stmt *stmt;

  g_return_val_if_fail (PM_IS_LEDGER (self), FALSE);
  g_return_val_if_fail (profile_id != NULL && phone != NULL, FALSE);

  stmt = prepare (self,
                  "INSERT INTO payers (profile_id, phone, name, registered_at) "
                  "VALUES (?, ?, ?, ?) ON CONFLICT (profile_id, phone) DO UPDATE SET "
                  "name = excluded.name, registered_at = excluded.registered_at", error);
  if (stmt == NULL)
    return FALSE;
  bind_text (stmt, 1, profile_id);
  bind_text (stmt, 2, phone);
  bind_text (stmt, 3, name);
  sqlite3_bind_int64 (stmt, 4, registered_at);
  return run (self, stmt, error);
}

gboolean
pm_ledger_delete_payer (PmLedger    *self,
                        const char  *profile_id,
                        const char  *phone,
                        GError     **error)
{
  sqlite3_stmt *stmt;

  g_return_val_if_fail (PM_IS_LEDGER (self), FALSE);
  g_return_val_if_fail (profile_id != NULL && phone != NULL, FALSE);

  stmt = prepare (self, "DELETE FROM payers WHERE profile_id = ? AND phone = ?", error);
  if (stmt == NULL)
    return FALSE;
  bind_text (stmt, 1, profile_id);
  bind_text (stmt, 2, phone);
  return run (self, stmt, error);
}

GPtrArray *
pm_ledger_list_payers (PmLedger    *self,
                       const char  *profile_id,
                       GError     **error)
{
  g_autoptr(GPtrArray) payers = NULL;
  sqlite3_stmt *stmt;
  int rc;

  g_return_val_if_fail (PM_IS_LEDGER (self), NULL);
  g_return_val_if_fail (profile_id != NULL, NULL);

  stmt = prepare (self, "SELECT profile_id, name, phone, registered_at FROM payers "
                        "WHERE profile_id = ? ORDER BY name, phone", error);
  if (stmt == NULL)
    return NULL;
  bind_text (stmt, 1, profile_id);
  payers = g_ptr_array_new_with_free_func ((GDestroyNotify) pm_ledger_payer_free);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      PmLedgerPayer *payer = g_new0 (PmLedgerPayer, 1);

      payer->profile_id = g_strdup (column_text (stmt, 0));
      payer->name = g_strdup (column_text (stmt, 1));
      payer->phone = g_strdup (column_text (stmt, 2));
      payer->at = sqlite3_column_int64 (stmt, 3);
      g_ptr_array_add (payers, payer);
    }
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    {
      fail (self, rc, error);
      return NULL;
    }
  return g_steal_pointer (&payers);
}
