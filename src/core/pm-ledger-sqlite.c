/* pm-ledger-sqlite.c — the SQLite backend of the ledger: schema, writes, transactions
 * (the reads are in pm-ledger-select.c)
 *
 * Copyright 2026 The Paymint Desk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "pm-ledger.h"
#include "pm-ledger-backend.h"
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

/* v5: an insert writes only what its own queries need. The text indexes (bills_fts and
 * bill_grams) were kept by insert triggers: about half of an insert's cost, paid on the
 * path that makes intents durable before they are sent. They now index new bills later,
 * in groups: ledger_meta's text_indexed_to is the highest bills.id both indexes hold;
 * bills above it are indexed by pm_ledger_index_text() (after a group of writes, when the
 * main loop is idle, when the ledger is closed, and before any text search, so a search
 * never misses a bill). The delete and update triggers touch the indexes only for bills
 * they hold, and a bill that gets an id at or below the mark (SQLite reuses the highest
 * id after it was deleted) is indexed at once by bills_text_late. */
#define INDEXED_TO "(SELECT value FROM ledger_meta WHERE key = 'text_indexed_to')"
#define FTS_INSERT(row) \
  "INSERT INTO bills_fts (rowid, payer_name, phone, product, bill_id)" \
  "  VALUES (" row ".id, " row ".payer_name, " row ".phone, " row ".product, " row ".bill_id);"
#define FTS_DELETE(row) \
  "INSERT INTO bills_fts (bills_fts, rowid, payer_name, phone, product, bill_id)" \
  "  VALUES ('delete', " row ".id, " row ".payer_name, " row ".phone, " row ".product, " \
  row ".bill_id);"

static const char schema_v5[] =
  "CREATE TABLE ledger_meta ("
  "  key   TEXT PRIMARY KEY NOT NULL,"
  "  value INTEGER NOT NULL"
  ") WITHOUT ROWID;"
  "INSERT INTO ledger_meta (key, value)"
  "  VALUES ('text_indexed_to', (SELECT coalesce (max (id), 0) FROM bills));"
  "DROP TRIGGER bills_fts_insert;"
  "DROP TRIGGER bill_grams_insert;"
  "DROP TRIGGER bills_fts_delete;"
  "DROP TRIGGER bill_grams_delete;"
  "DROP TRIGGER bills_fts_update;"
  "DROP TRIGGER bill_grams_update;"
  "CREATE TRIGGER bills_text_late AFTER INSERT ON bills WHEN new.id <= " INDEXED_TO " BEGIN"
  "  " FTS_INSERT ("new")
  "  INSERT OR IGNORE INTO bill_grams (gram, id) SELECT g, new.id FROM (" GRAMS_OF ("new") ");"
  "END;"
  "CREATE TRIGGER bills_text_delete AFTER DELETE ON bills WHEN old.id <= " INDEXED_TO " BEGIN"
  "  " FTS_DELETE ("old")
  "  DELETE FROM bill_grams WHERE id = old.id AND gram IN (" GRAMS_OF ("old") ");"
  "END;"
  "CREATE TRIGGER bills_fts_update AFTER UPDATE OF payer_name, phone, product, bill_id"
  "  ON bills WHEN old.id <= " INDEXED_TO " AND (old.payer_name IS NOT new.payer_name"
  "    OR old.phone IS NOT new.phone OR old.product IS NOT new.product"
  "    OR old.bill_id IS NOT new.bill_id) BEGIN"
  "  " FTS_DELETE ("old")
  "  " FTS_INSERT ("new")
  "END;"
  "CREATE TRIGGER bill_grams_update AFTER UPDATE OF payer_name ON bills"
  "  WHEN old.id <= " INDEXED_TO " AND old.payer_name IS NOT new.payer_name BEGIN"
  "  DELETE FROM bill_grams WHERE id = old.id AND gram IN (" GRAMS_OF ("old") ");"
  "  INSERT OR IGNORE INTO bill_grams (gram, id) SELECT g, new.id FROM (" GRAMS_OF ("new") ");"
  "END;";

/* v6:
 * - the poller's partial index no longer names the states in an IN list: SQLite built a
 *   temporary table of the list on every insert and every change of state to evaluate
 *   the index's WHERE (about a tenth of a bulk send's instructions). It holds the bills
 *   with a next check; the poller's queries say next_check_at > 0 and still use it.
 * - bills_facts: the few columns a count or a total reads (pm-ledger-select.c,
 *   add_from_where_facts), keyed by id. A search's matches are ids; their totals read one
 *   narrow entry each, not the bill's wide row (a 1-syllable search on a million bills
 *   matches a sixth of them: 167,000 rows of about a kilobyte each). New bills have the
 *   highest ids, so an insert appends to its last page. */
static const char schema_v6[] =
  "DROP INDEX bills_due;"
  "CREATE INDEX bills_due ON bills (next_check_at) WHERE next_check_at > 0;"
  "CREATE INDEX bills_facts ON bills (id, profile_id, state, expire_date, price, created_at);";

/* pm_ledger_index_text(): the bills above the mark, up to ?1, into both indexes. */
static const char *const index_text_steps[] = {
  "INSERT INTO bills_fts (rowid, payer_name, phone, product, bill_id)"
  "  SELECT id, payer_name, phone, product, bill_id FROM bills"
  "  WHERE id > " INDEXED_TO " AND id <= ?1",
  "INSERT OR IGNORE INTO bill_grams (gram, id)"
  "  SELECT lower (substr (b.payer_name, s.i, 1)), b.id FROM bills b, gram_seq s"
  "    WHERE b.id > " INDEXED_TO " AND b.id <= ?1"
  "      AND s.i <= length (b.payer_name) AND substr (b.payer_name, s.i, 1) <> ' '",
  "INSERT OR IGNORE INTO bill_grams (gram, id)"
  "  SELECT lower (substr (b.payer_name, s.i, 2)), b.id FROM bills b, gram_seq s"
  "    WHERE b.id > " INDEXED_TO " AND b.id <= ?1"
  "      AND s.i < length (b.payer_name) AND instr (substr (b.payer_name, s.i, 2), ' ') = 0",
  "UPDATE ledger_meta SET value = ?1 WHERE key = 'text_indexed_to'",
};

/* Add a step here to change the schema: { N, "ALTER TABLE …;" }, and bump
 * PM_LEDGER_SCHEMA_VERSION. */
static const PmLedgerMigration migrations[] = {
  { 1, schema_v1 },
  { 2, schema_v2 },
  { 3, schema_v3 },
  { 4, schema_v4 },
  { 5, schema_v5 },
  { 6, schema_v6 },
};

G_STATIC_ASSERT (G_N_ELEMENTS (migrations) == PM_LEDGER_SCHEMA_VERSION);

const PmLedgerMigration *
pm_ledger_get_migrations (guint *n_steps)
{
  *n_steps = G_N_ELEMENTS (migrations);
  return migrations;
}

/* ------------------------------------------------------------------------ */
/* The backend's part of the object                                         */
/* ------------------------------------------------------------------------ */

static gboolean commit_group (PmLedger  *self,
                              GError   **error);

static void
finalize_statement (gpointer data)
{
  sqlite3_finalize (data);
}

PmLedger *
pm_ledger_sqlite_object_new (const char *path)
{
  PmLedger *self = g_object_new (PM_TYPE_LEDGER, NULL);

  self->backend = &pm_ledger_sqlite_backend;
  self->path = g_strdup (path);
  self->statements = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                            finalize_statement);
  return self;
}

static void
sqlite_close (PmLedger *self)
{
  g_autoptr(GError) error = NULL;

  if (self->explicit_in_group)
    pm_ledger_rollback (self);
  g_clear_handle_id (&self->text_source, g_source_remove);
  /* the next process to search would index them anyway; a short process (the CLI)
   * leaves the ledger as it found it */
  if (self->db != NULL && self->text_dirty && !self->in_transaction
      && !pm_ledger_index_text (self, 0, NULL, &error))
    {
      g_debug ("Text index left for the next search: %s", error->message);
      g_clear_error (&error);
    }
  if (self->db != NULL && !commit_group (self, &error))
    g_warning ("The last writes to the payments database were lost: %s", error->message);
  g_clear_pointer (&self->statements, g_hash_table_unref);
  if (self->db != NULL)
    {
      sqlite3_close_v2 (self->db);
      self->db = NULL;
    }
  g_clear_pointer (&self->text_count_key, g_free);
}

/* ------------------------------------------------------------------------ */
/* SQLite helpers                                                           */
/* ------------------------------------------------------------------------ */

gboolean
pm_ledger_fail (PmLedger  *self,
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
sqlite3_stmt *
pm_ledger_prepare (PmLedger    *self,
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
      pm_ledger_fail (self, rc, error);
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
gboolean
pm_ledger_run (PmLedger      *self,
               sqlite3_stmt  *stmt,
               GError       **error)
{
  int rc = sqlite3_step (stmt);

  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE && rc != SQLITE_ROW)
    return pm_ledger_fail (self, rc, error);
  return TRUE;
}

static gboolean
exec (PmLedger    *self,
      const char  *sql,
      GError     **error)
{
  int rc = sqlite3_exec (self->db, sql, NULL, NULL, NULL);

  if (rc != SQLITE_OK)
    return pm_ledger_fail (self, rc, error);
  return TRUE;
}

/* One statement, prepared once: the transaction control that every write runs (BEGIN,
 * SAVEPOINT, RELEASE, COMMIT, the safety level) was parsed and compiled anew each time,
 * several times per bill. */
static gboolean
exec_one (PmLedger    *self,
          const char  *sql,
          GError     **error)
{
  sqlite3_stmt *stmt = pm_ledger_prepare (self, sql, error);

  return stmt != NULL && pm_ledger_run (self, stmt, error);
}

void
pm_ledger_bind_text (sqlite3_stmt *stmt,
                     int           index,
                     const char   *value)
{
  sqlite3_bind_text (stmt, index, value != NULL ? value : "", -1, SQLITE_TRANSIENT);
}

void
pm_ledger_bind_text_or_null (sqlite3_stmt *stmt,
                             int           index,
                             const char   *value)
{
  if (value == NULL || *value == '\0')
    sqlite3_bind_null (stmt, index);
  else
    sqlite3_bind_text (stmt, index, value, -1, SQLITE_TRANSIENT);
}

const char *
pm_ledger_column_text (sqlite3_stmt *stmt,
                       int           column)
{
  const char *text = (const char *) sqlite3_column_text (stmt, column);

  return text != NULL ? text : "";
}

gint64
pm_ledger_now_utc (void)
{
  return g_get_real_time () / G_USEC_PER_SEC;
}

static gboolean maybe_analyze (PmLedger  *self,
                               GError   **error);

/* Write transactions. Inside pm_ledger_begin() they join the caller's.
 *
 * Three kinds of write:
 * - durable (intents): committed with synchronous=FULL before the call returns, and
 *   after everything written before them (an open group is committed first);
 * - grouped (everything else, when group commit is on): what the server told us, check
 *   times, timeline notes. They join one open transaction that commits a few
 *   milliseconds later, each in a savepoint so a failed write undoes only itself. A
 *   crash loses at most the last group, and only writes a read of the server, or the
 *   bill_id of a repeated send (API.md: 9800 → read), recovers: the intents before
 *   them are durable, and the group never commits after a later durable write;
 * - immediate: the same without group commit, one commit each (synchronous=NORMAL).
 */
static gboolean
commit_group (PmLedger  *self,
              GError   **error)
{
  gboolean ok;

  g_clear_handle_id (&self->group_source, g_source_remove);
  if (!self->grouped)
    return TRUE;
  g_return_val_if_fail (!self->explicit_in_group, FALSE);
  ok = exec_one (self, "COMMIT", error);
  if (!ok)
    exec_one (self, "ROLLBACK", NULL);
  self->grouped = FALSE;
  self->group_writes = 0;
  self->group_commits++;
  return ok;
}

static gboolean
group_timeout_cb (gpointer user_data)
{
  PmLedger *self = user_data;
  g_autoptr(GError) error = NULL;

  self->group_source = 0;
  if (self->explicit_in_group)
    {
      /* pm_ledger_commit() of the caller's transaction commits the group */
      return G_SOURCE_REMOVE;
    }
  if (!commit_group (self, &error))
    pm_ledger_emit_storage_failed (self, error);
  return G_SOURCE_REMOVE;
}

static gboolean
open_group (PmLedger  *self,
            GError   **error)
{
  if (self->grouped)
    return TRUE;
  if (!exec_one (self, "BEGIN IMMEDIATE", error))
    return FALSE;
  self->grouped = TRUE;
  self->group_writes = 0;
  self->group_source = g_timeout_add (self->group_delay_ms, group_timeout_cb, self);
  return TRUE;
}

static gboolean
write_begin (PmLedger  *self,
             gboolean   durable,
             GError   **error)
{
  /* an explicit transaction: its pm_ledger_commit() decides */
  if (self->in_transaction)
    return TRUE;
  if (!durable && self->group_delay_ms > 0)
    return open_group (self, error) && exec_one (self, "SAVEPOINT pm_write", error);
  if (!commit_group (self, error))
    return FALSE;
  if (durable && !exec_one (self, "PRAGMA synchronous = FULL", error))
    return FALSE;
  if (!exec_one (self, "BEGIN IMMEDIATE", error))
    {
      if (durable)
        exec_one (self, "PRAGMA synchronous = NORMAL", NULL);
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
  if (!durable && self->grouped)
    {
      if (!ok)
        exec_one (self, "ROLLBACK TO pm_write", NULL);
      if (!exec_one (self, "RELEASE pm_write", ok ? error : NULL))
        ok = FALSE;
      if (ok && ++self->group_writes >= PM_LEDGER_GROUP_MAX)
        ok = commit_group (self, error);
      return ok;
    }
  if (ok)
    ok = exec_one (self, "COMMIT", error);
  if (!ok)
    exec_one (self, "ROLLBACK", NULL);
  if (durable)
    exec_one (self, "PRAGMA synchronous = NORMAL", NULL);
  return ok;
}

void
pm_ledger_sqlite_set_group_commit (PmLedger *self,
                                   guint     delay_ms)
{
  g_return_if_fail (PM_IS_LEDGER (self));

  if (delay_ms == 0)
    pm_ledger_flush (self, NULL);
  self->group_delay_ms = delay_ms;
}

gboolean
pm_ledger_sqlite_flush (PmLedger  *self,
                        GError   **error)
{
  g_return_val_if_fail (PM_IS_LEDGER (self), FALSE);
  g_return_val_if_fail (!self->explicit_in_group, FALSE);

  if (!commit_group (self, error))
    {
      if (error != NULL && *error != NULL)
        pm_ledger_emit_storage_failed (self, *error);
      return FALSE;
    }
  return TRUE;
}

guint64
pm_ledger_sqlite_get_group_commits (PmLedger *self)
{
  g_return_val_if_fail (PM_IS_LEDGER (self), 0);
  return self->group_commits;
}

static gboolean
begin_explicit (PmLedger  *self,
                gboolean   durable,
                GError   **error)
{
  g_return_val_if_fail (PM_IS_LEDGER (self), FALSE);
  g_return_val_if_fail (!self->in_transaction, FALSE);

  /* Not durable, with group commit on: the caller's writes join the open group, as one
   * savepoint that pm_ledger_rollback() undoes alone. */
  if (!durable && self->group_delay_ms > 0)
    {
      if (!open_group (self, error) || !exec_one (self, "SAVEPOINT pm_explicit", error))
        return FALSE;
      self->explicit_in_group = TRUE;
      self->in_transaction = TRUE;
      return TRUE;
    }
  if (!commit_group (self, error))
    return FALSE;
  /* SQLite cannot change the safety level inside a transaction, so a durable one is
   * committed with synchronous=FULL: intents written in it are durable at
   * pm_ledger_commit(), and the cost is one sync for the whole transaction. */
  if (durable && !exec_one (self, "PRAGMA synchronous = FULL", error))
    return FALSE;
  if (!exec_one (self, "BEGIN IMMEDIATE", error))
    {
      exec_one (self, "PRAGMA synchronous = NORMAL", NULL);
      return FALSE;
    }
  self->in_transaction = TRUE;
  return TRUE;
}

gboolean
pm_ledger_sqlite_begin (PmLedger  *self,
                        GError   **error)
{
  return begin_explicit (self, TRUE, error);
}

gboolean
pm_ledger_sqlite_begin_observed (PmLedger  *self,
                                 GError   **error)
{
  return begin_explicit (self, FALSE, error);
}

gboolean
pm_ledger_sqlite_commit (PmLedger  *self,
                         GError   **error)
{
  gboolean ok;

  g_return_val_if_fail (PM_IS_LEDGER (self), FALSE);
  g_return_val_if_fail (self->in_transaction, FALSE);

  self->in_transaction = FALSE;
  if (self->explicit_in_group)
    {
      self->explicit_in_group = FALSE;
      ok = exec_one (self, "RELEASE pm_explicit", error);
      if (!ok)
        {
          exec_one (self, "ROLLBACK TO pm_explicit", NULL);
          exec_one (self, "RELEASE pm_explicit", NULL);
          return FALSE;
        }
      if (++self->group_writes >= PM_LEDGER_GROUP_MAX || self->group_source == 0)
        ok = commit_group (self, error);
      return ok;
    }
  ok = exec_one (self, "COMMIT", error);
  if (!ok)
    exec_one (self, "ROLLBACK", NULL);
  exec_one (self, "PRAGMA synchronous = NORMAL", NULL);
  return ok && maybe_analyze (self, error);
}

void
pm_ledger_sqlite_rollback (PmLedger *self)
{
  g_return_if_fail (PM_IS_LEDGER (self));
  g_return_if_fail (self->in_transaction);

  self->in_transaction = FALSE;
  if (self->explicit_in_group)
    {
      self->explicit_in_group = FALSE;
      exec_one (self, "ROLLBACK TO pm_explicit", NULL);
      exec_one (self, "RELEASE pm_explicit", NULL);
      if (self->group_source == 0)
        commit_group (self, NULL);
      return;
    }
  exec_one (self, "ROLLBACK", NULL);
  exec_one (self, "PRAGMA synchronous = NORMAL", NULL);
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
      return pm_ledger_fail (self, rc, error);
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
        wal = g_ascii_strcasecmp (pm_ledger_column_text (stmt, 0), "wal") == 0;
      sqlite3_finalize (stmt);
      if (wal)
        return TRUE;
      if (rc != SQLITE_ROW && (rc & 0xff) != SQLITE_BUSY && (rc & 0xff) != SQLITE_LOCKED)
        return pm_ledger_fail (self, rc, error);
      if (g_get_monotonic_time () >= deadline)
        return pm_ledger_fail (self, SQLITE_BUSY, error);
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

  stmt = pm_ledger_prepare (self, "SELECT coalesce (max (id), 0) FROM bills", error);
  if (stmt == NULL)
    return FALSE;
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    rows = sqlite3_column_int64 (stmt, 0);
  sqlite3_reset (stmt);
  if (rc != SQLITE_ROW)
    return pm_ledger_fail (self, rc, error);
  if (rows < 1000)
    return TRUE;

  if (sqlite3_table_column_metadata (self->db, NULL, "sqlite_stat1", "stat",
                                     NULL, NULL, NULL, NULL, NULL) == SQLITE_OK)
    {
      stmt = pm_ledger_prepare (self, "SELECT stat FROM sqlite_stat1 "
                            "WHERE tbl = 'bills' AND idx = 'bills_p_created'", error);
      if (stmt == NULL)
        return FALSE;
      if (sqlite3_step (stmt) == SQLITE_ROW)
        analyzed = g_ascii_strtoll (pm_ledger_column_text (stmt, 0), NULL, 10);
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

  self = pm_ledger_sqlite_object_new (path);

  rc = sqlite3_open_v2 (path, &self->db,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                        NULL);
  if (rc != SQLITE_OK)
    {
      pm_ledger_fail (self, rc, error);
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
  if (!pm_ledger_read_data_version (self, error))
    return NULL;

  return g_steal_pointer (&self);
}

PmLedger *
pm_ledger_sqlite_new (const char  *path,
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
gboolean
pm_ledger_read_data_version (PmLedger  *self,
                             GError   **error)
{
  sqlite3_stmt *stmt = pm_ledger_prepare (self, "PRAGMA data_version", error);
  gint64 version;
  int rc;

  if (stmt == NULL)
    return FALSE;
  rc = sqlite3_step (stmt);
  version = rc == SQLITE_ROW ? sqlite3_column_int64 (stmt, 0) : 0;
  sqlite3_reset (stmt);
  if (rc != SQLITE_ROW)
    return pm_ledger_fail (self, rc, error);
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
pm_ledger_sqlite_get_outside_serial (PmLedger  *self,
                                     GError   **error)
{
  g_return_val_if_fail (PM_IS_LEDGER (self), 0);

  /* An open write group reads the file as it was when the group began: commit it, so
   * that what another process committed since is both counted here and seen by the
   * reads that follow. */
  if (self->grouped && !self->in_transaction && !pm_ledger_flush (self, error))
    return 0;
  if (!pm_ledger_read_data_version (self, error))
    return 0;
  return self->outside_serial;
}

gboolean
pm_ledger_sqlite_check_writable (PmLedger  *self,
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
  /* a commit of its own, never one of a group */
  if (!commit_group (self, error) || !exec (self, "BEGIN IMMEDIATE", error))
    return FALSE;
  ok = exec (self, sql, error) && exec (self, "COMMIT", error);
  if (!ok)
    exec (self, "ROLLBACK", NULL);
  return ok;
}

void
pm_ledger_sqlite_set_fail_writes_for_testing (PmLedger *self,
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


PmBill *
pm_ledger_bill_from_row (sqlite3_stmt *stmt)
{
  PmBill *bill = pm_bill_new ();
  PmBillState state = PM_BILL_STATE_UNKNOWN;
  PmBillKind kind = PM_BILL_KIND_REQUEST;
  const char *batch_id = (const char *) sqlite3_column_text (stmt, COL_BATCH_ID);

  pm_bill_state_from_string (pm_ledger_column_text (stmt, COL_STATE), &state);
  pm_bill_kind_from_string (pm_ledger_column_text (stmt, COL_KIND), &kind);

  pm_bill_set_bill_id (bill, pm_ledger_column_text (stmt, COL_BILL_ID));
  pm_bill_set_profile_id (bill, pm_ledger_column_text (stmt, COL_PROFILE_ID));
  pm_bill_set_kind (bill, kind);
  pm_bill_set_payer_name (bill, pm_ledger_column_text (stmt, COL_PAYER_NAME));
  pm_bill_set_phone (bill, pm_ledger_column_text (stmt, COL_PHONE));
  pm_bill_set_product (bill, pm_ledger_column_text (stmt, COL_PRODUCT));
  pm_bill_set_message (bill, pm_ledger_column_text (stmt, COL_MESSAGE));
  pm_bill_set_price (bill, sqlite3_column_int64 (stmt, COL_PRICE));
  pm_bill_set_expire_date (bill, pm_ledger_column_text (stmt, COL_EXPIRE_DATE));
  pm_bill_set_method_id (bill, pm_ledger_column_text (stmt, COL_METHOD_ID));
  pm_bill_set_note (bill, pm_ledger_column_text (stmt, COL_NOTE));
  pm_bill_set_batch_id (bill, batch_id);
  pm_bill_set_state (bill, state);
  pm_bill_set_short_url (bill, pm_ledger_column_text (stmt, COL_SHORT_URL));
  pm_bill_set_appr_pay_type (bill, pm_ledger_column_text (stmt, COL_APPR_PAY_TYPE));
  pm_bill_set_appr_price (bill, sqlite3_column_int64 (stmt, COL_APPR_PRICE));
  pm_bill_set_appr_dt (bill, pm_ledger_column_text (stmt, COL_APPR_DT));
  pm_bill_set_appr_num (bill, pm_ledger_column_text (stmt, COL_APPR_NUM));
  pm_bill_set_appr_issuer (bill, pm_ledger_column_text (stmt, COL_APPR_ISSUER));
  pm_bill_set_appr_card_type (bill, pm_ledger_column_text (stmt, COL_APPR_CARD_TYPE));
  pm_bill_set_appr_monthly (bill, pm_ledger_column_text (stmt, COL_APPR_MONTHLY));
  pm_bill_set_error_code (bill, pm_ledger_column_text (stmt, COL_ERROR_CODE));
  pm_bill_set_error_text (bill, pm_ledger_column_text (stmt, COL_ERROR_TEXT));
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
  pm_ledger_bind_text (stmt, 1 + COL_BILL_ID, pm_bill_get_bill_id (bill));
  pm_ledger_bind_text (stmt, 1 + COL_PROFILE_ID, pm_bill_get_profile_id (bill));
  pm_ledger_bind_text (stmt, 1 + COL_KIND, pm_bill_kind_to_string (pm_bill_get_kind (bill)));
  pm_ledger_bind_text (stmt, 1 + COL_PAYER_NAME, pm_bill_get_payer_name (bill));
  pm_ledger_bind_text (stmt, 1 + COL_PHONE, pm_bill_get_phone (bill));
  pm_ledger_bind_text (stmt, 1 + COL_PRODUCT, pm_bill_get_product (bill));
  pm_ledger_bind_text (stmt, 1 + COL_MESSAGE, pm_bill_get_message (bill));
  sqlite3_bind_int64 (stmt, 1 + COL_PRICE, pm_bill_get_price (bill));
  pm_ledger_bind_text (stmt, 1 + COL_EXPIRE_DATE, pm_bill_get_expire_date (bill));
  pm_ledger_bind_text (stmt, 1 + COL_METHOD_ID, pm_bill_get_method_id (bill));
  pm_ledger_bind_text (stmt, 1 + COL_NOTE, pm_bill_get_note (bill));
  pm_ledger_bind_text_or_null (stmt, 1 + COL_BATCH_ID, pm_bill_get_batch_id (bill));
  pm_ledger_bind_text (stmt, 1 + COL_STATE, pm_bill_state_to_string (pm_bill_get_state (bill)));
  pm_ledger_bind_text (stmt, 1 + COL_SHORT_URL, pm_bill_get_short_url (bill));
  pm_ledger_bind_text (stmt, 1 + COL_APPR_PAY_TYPE, pm_bill_get_appr_pay_type (bill));
  sqlite3_bind_int64 (stmt, 1 + COL_APPR_PRICE, pm_bill_get_appr_price (bill));
  pm_ledger_bind_text (stmt, 1 + COL_APPR_DT, pm_bill_get_appr_dt (bill));
  pm_ledger_bind_text (stmt, 1 + COL_APPR_NUM, pm_bill_get_appr_num (bill));
  pm_ledger_bind_text (stmt, 1 + COL_APPR_ISSUER, pm_bill_get_appr_issuer (bill));
  pm_ledger_bind_text (stmt, 1 + COL_APPR_CARD_TYPE, pm_bill_get_appr_card_type (bill));
  pm_ledger_bind_text (stmt, 1 + COL_APPR_MONTHLY, pm_bill_get_appr_monthly (bill));
  pm_ledger_bind_text (stmt, 1 + COL_ERROR_CODE, pm_bill_get_error_code (bill));
  pm_ledger_bind_text (stmt, 1 + COL_ERROR_TEXT, pm_bill_get_error_text (bill));
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

/* The columns in BILL_COLUMNS order, for an update that sets only what changed. */
static const char *const column_names[N_COLUMNS] = {
  "bill_id", "profile_id", "kind", "payer_name", "phone", "product", "message", "price",
  "expire_date", "method_id", "note", "batch_id", "state", "short_url", "appr_pay_type",
  "appr_price", "appr_dt", "appr_num", "appr_issuer", "appr_card_type", "appr_monthly",
  "error_code", "error_text", "created_at", "updated_at", "last_checked_at", "next_check_at",
};

/* What bind_bill() writes in a column of integers for @bill. */
static gint64
bill_integer (PmBill *bill,
              int     column)
{
  switch (column)
    {
    case COL_PRICE:
      return pm_bill_get_price (bill);
    case COL_APPR_PRICE:
      return pm_bill_get_appr_price (bill);
    case COL_CREATED_AT:
      return pm_bill_get_created_at (bill);
    case COL_UPDATED_AT:
      return pm_bill_get_updated_at (bill);
    case COL_LAST_CHECKED_AT:
      return pm_bill_get_last_checked_at (bill);
    case COL_NEXT_CHECK_AT:
      return pm_bill_get_next_check_at (bill);
    default:
      g_return_val_if_reached (0);
    }
}

/* What bind_bill() writes in a text column for @bill (NULL for "" in batch_id). */
static const char *
bill_text (PmBill *bill,
           int     column)
{
  switch (column)
    {
    case COL_BILL_ID:
      return pm_bill_get_bill_id (bill);
    case COL_PROFILE_ID:
      return pm_bill_get_profile_id (bill);
    case COL_KIND:
      return pm_bill_kind_to_string (pm_bill_get_kind (bill));
    case COL_PAYER_NAME:
      return pm_bill_get_payer_name (bill);
    case COL_PHONE:
      return pm_bill_get_phone (bill);
    case COL_PRODUCT:
      return pm_bill_get_product (bill);
    case COL_MESSAGE:
      return pm_bill_get_message (bill);
    case COL_EXPIRE_DATE:
      return pm_bill_get_expire_date (bill);
    case COL_METHOD_ID:
      return pm_bill_get_method_id (bill);
    case COL_NOTE:
      return pm_bill_get_note (bill);
    case COL_BATCH_ID:
      return pm_bill_get_batch_id (bill);
    case COL_STATE:
      return pm_bill_state_to_string (pm_bill_get_state (bill));
    case COL_SHORT_URL:
      return pm_bill_get_short_url (bill);
    case COL_APPR_PAY_TYPE:
      return pm_bill_get_appr_pay_type (bill);
    case COL_APPR_DT:
      return pm_bill_get_appr_dt (bill);
    case COL_APPR_NUM:
      return pm_bill_get_appr_num (bill);
    case COL_APPR_ISSUER:
      return pm_bill_get_appr_issuer (bill);
    case COL_APPR_CARD_TYPE:
      return pm_bill_get_appr_card_type (bill);
    case COL_APPR_MONTHLY:
      return pm_bill_get_appr_monthly (bill);
    case COL_ERROR_CODE:
      return pm_bill_get_error_code (bill);
    case COL_ERROR_TEXT:
      return pm_bill_get_error_text (bill);
    default:
      g_return_val_if_reached (NULL);
    }
}

/* Whether column @column of the stored row (@stmt, selected in BILL_COLUMNS order)
 * differs from what bind_bill() would write for @bill. NULL and "" are one value: the
 * only nullable column, batch_id, is written NULL for "". */
static gboolean
column_differs (sqlite3_stmt *stmt,
                int           column,
                PmBill       *bill)
{
  const char *text;

  switch (column)
    {
    case COL_PRICE:
    case COL_APPR_PRICE:
    case COL_CREATED_AT:
    case COL_UPDATED_AT:
    case COL_LAST_CHECKED_AT:
    case COL_NEXT_CHECK_AT:
      return sqlite3_column_int64 (stmt, column) != bill_integer (bill, column);
    default:
      text = bill_text (bill, column);
      return g_strcmp0 (pm_ledger_column_text (stmt, column), text != NULL ? text : "") != 0;
    }
}

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

  stmt = pm_ledger_prepare (self,
                            "INSERT INTO events (bill_id, at, kind, from_state, to_state, detail) "
                            "VALUES (?, ?, ?, ?, ?, ?)", error);
  if (stmt == NULL)
    return FALSE;
  pm_ledger_bind_text (stmt, 1, bill_id);
  sqlite3_bind_int64 (stmt, 2, at);
  pm_ledger_bind_text (stmt, 3, kind);
  if (from_state >= 0)
    pm_ledger_bind_text (stmt, 4, pm_bill_state_to_string (from_state));
  if (to_state >= 0)
    pm_ledger_bind_text (stmt, 5, pm_bill_state_to_string (to_state));
  if (detail != NULL)
    pm_ledger_bind_text (stmt, 6, detail);
  return pm_ledger_run (self, stmt, error);
}

/* The stored state of @bill_id: FALSE with PM_ERROR_NOT_FOUND when there is no row. */
static gboolean
stored_state (PmLedger     *self,
              const char   *bill_id,
              PmBillState  *state,
              GError      **error)
{
  sqlite3_stmt *stmt = pm_ledger_prepare (self, "SELECT state FROM bills WHERE bill_id = ?", error);
  int rc;

  if (stmt == NULL)
    return FALSE;
  pm_ledger_bind_text (stmt, 1, bill_id);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    {
      *state = PM_BILL_STATE_UNKNOWN;
      pm_bill_state_from_string (pm_ledger_column_text (stmt, 0), state);
      sqlite3_reset (stmt);
      return TRUE;
    }
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    return pm_ledger_fail (self, rc, error);
  g_set_error (error, PM_ERROR, PM_ERROR_NOT_FOUND,
               _("The bill “%s” is not in the payments database."), bill_id);
  return FALSE;
}

/* ---- the text indexes, kept up later (schema v5) ---- */

#define TEXT_INDEX_CHUNK 4096   /* bills per transaction when the main loop is idle */

static gboolean
text_index_range (PmLedger  *self,
                  gint64    *indexed_to,
                  gint64    *last_id,
                  GError   **error)
{
  sqlite3_stmt *stmt;

  stmt = pm_ledger_prepare (self, "SELECT " INDEXED_TO ", (SELECT coalesce (max (id), 0) FROM bills)",
                            error);
  if (stmt == NULL)
    return FALSE;
  if (sqlite3_step (stmt) != SQLITE_ROW)
    {
      sqlite3_reset (stmt);
      return pm_ledger_fail (self, sqlite3_errcode (self->db), error);
    }
  *indexed_to = sqlite3_column_int64 (stmt, 0);
  *last_id = sqlite3_column_int64 (stmt, 1);
  sqlite3_reset (stmt);
  return TRUE;
}

gboolean
pm_ledger_sqlite_index_text (PmLedger  *self,
                             guint      max_bills,
                             guint     *n_left,
                             GError   **error)
{
  gint64 indexed_to = 0, last_id = 0, upto;
  gboolean ok = TRUE;

  g_return_val_if_fail (PM_IS_LEDGER (self), FALSE);

  if (n_left != NULL)
    *n_left = 0;
  if (!text_index_range (self, &indexed_to, &last_id, error))
    return FALSE;
  if (last_id <= indexed_to)
    {
      self->text_dirty = FALSE;
      return TRUE;
    }
  upto = max_bills > 0 ? MIN (last_id, indexed_to + (gint64) max_bills) : last_id;
  if (!write_begin (self, FALSE, error))
    return FALSE;
  for (guint i = 0; ok && i < G_N_ELEMENTS (index_text_steps); i++)
    {
      sqlite3_stmt *stmt = pm_ledger_prepare (self, index_text_steps[i], error);

      ok = stmt != NULL;
      if (ok)
        {
          sqlite3_bind_int64 (stmt, 1, upto);
          ok = pm_ledger_run (self, stmt, error);
        }
    }
  if (!write_end (self, FALSE, ok, error))
    return FALSE;
  self->text_dirty = upto < last_id;
  if (n_left != NULL)
    *n_left = (guint) MIN (last_id - upto, (gint64) G_MAXUINT);
  return TRUE;
}

static gboolean
text_index_idle_cb (gpointer user_data)
{
  PmLedger *self = user_data;
  g_autoptr(GError) error = NULL;
  guint left = 0;

  /* inside the caller's transaction it waits for the next idle moment */
  if (self->in_transaction)
    return G_SOURCE_CONTINUE;
  if (!pm_ledger_index_text (self, TEXT_INDEX_CHUNK, &left, &error))
    {
      /* busy or failing: a search indexes what it needs, the next write tries again */
      g_debug ("Text index not kept up yet: %s", error->message);
      self->text_source = 0;
      return G_SOURCE_REMOVE;
    }
  if (left > 0)
    return G_SOURCE_CONTINUE;
  self->text_source = 0;
  return G_SOURCE_REMOVE;
}

/* After an insert: index the new bills when the main loop has nothing else to do, unless
 * a bulk send holds them back (pm_ledger_hold_text_index). */
static void
text_index_later (PmLedger *self)
{
  self->text_dirty = TRUE;
  if (self->text_source == 0 && self->text_holds == 0)
    {
      self->text_source = g_idle_add_full (G_PRIORITY_LOW, text_index_idle_cb, self, NULL);
      g_source_set_name_by_id (self->text_source, "[paymint] text index");
    }
}

/* During a bulk send the main loop is idle between any two replies, and indexing the few
 * bills written since the last idle moment each time made a small full-text segment
 * (merged again and again) and a commit each: several percent of the send. Held, they
 * are indexed in one pass when the last hold ends (or at a search, which indexes what it
 * needs first, or when the ledger is closed). */
void
pm_ledger_sqlite_hold_text_index (PmLedger *self,
                                  gboolean  hold)
{
  if (hold)
    {
      if (self->text_holds++ == 0)
        g_clear_handle_id (&self->text_source, g_source_remove);
      return;
    }
  g_return_if_fail (self->text_holds > 0);
  if (--self->text_holds == 0 && self->text_dirty)
    text_index_later (self);
}

static gboolean
insert_bill (PmLedger  *self,
             PmBill    *bill,
             gboolean   intent,
             GError   **error)
{
  sqlite3_stmt *stmt;
  const char *bill_id;
  gint64 now = pm_ledger_now_utc ();
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

  stmt = pm_ledger_prepare (self, insert_sql, error);
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
        ok = pm_ledger_fail (self, rc, error);
    }
  ok = ok && insert_event (self, bill_id, pm_bill_get_created_at (bill),
                           PM_LEDGER_EVENT_CREATED, -1, pm_bill_get_state (bill), NULL, error);
  if (!write_end (self, intent, ok, error))
    return FALSE;

  self->generation++;
  text_index_later (self);
  pm_ledger_emit_bill_added (self, bill_id);
  return TRUE;
}

gboolean
pm_ledger_sqlite_insert_intent (PmLedger  *self,
                                PmBill    *bill,
                                GError   **error)
{
  g_return_val_if_fail (PM_IS_LEDGER (self), FALSE);
  g_return_val_if_fail (PM_IS_BILL (bill), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  return insert_bill (self, bill, TRUE, error);
}

gboolean
pm_ledger_sqlite_insert_bill (PmLedger  *self,
                              PmBill    *bill,
                              GError   **error)
{
  g_return_val_if_fail (PM_IS_LEDGER (self), FALSE);
  g_return_val_if_fail (PM_IS_BILL (bill), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  return insert_bill (self, bill, FALSE, error);
}

/* Writes only the columns that differ from the stored row: SQLite rewrites the entry of
 * every index that holds a column named in SET, changed or not, so a bill's answer
 * (state, link, check times) written as all 27 columns dirtied a page of each of the
 * bills' thirteen indexes; now only the indexes of what changed. The statements are
 * cached by their text: a handful of shapes (send, read, refusal) in practice. */
gboolean
pm_ledger_sqlite_update_bill (PmLedger  *self,
                              PmBill    *bill,
                              GError   **error)
{
  g_autofree char *bill_id = NULL;
  g_autoptr(GString) sql = NULL;
  sqlite3_stmt *stmt;
  PmBillState old_state = PM_BILL_STATE_UNKNOWN;
  PmBillState new_state;
  gint64 at;
  gboolean ok;
  int rc;

  g_return_val_if_fail (PM_IS_LEDGER (self), FALSE);
  g_return_val_if_fail (PM_IS_BILL (bill), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  bill_id = g_strdup (pm_bill_get_bill_id (bill));
  new_state = pm_bill_get_state (bill);
  at = pm_bill_get_updated_at (bill) != 0 ? pm_bill_get_updated_at (bill) : pm_ledger_now_utc ();

  if (!write_begin (self, FALSE, error))
    return FALSE;
  stmt = pm_ledger_prepare (self, "SELECT " BILL_COLUMNS " FROM bills b WHERE b.bill_id = ?",
                            error);
  ok = stmt != NULL;
  if (ok)
    {
      pm_ledger_bind_text (stmt, 1, bill_id);
      rc = sqlite3_step (stmt);
      if (rc == SQLITE_ROW)
        {
          pm_bill_state_from_string (pm_ledger_column_text (stmt, COL_STATE), &old_state);
          for (int column = COL_BILL_ID + 1; column < N_COLUMNS; column++)
            if (column_differs (stmt, column, bill))
              {
                if (sql == NULL)
                  sql = g_string_new ("UPDATE bills SET ");
                else
                  g_string_append (sql, ", ");
                g_string_append_printf (sql, "%s = ?%d", column_names[column], column + 1);
              }
        }
      sqlite3_reset (stmt);
      if (rc == SQLITE_DONE)
        {
          g_set_error (error, PM_ERROR, PM_ERROR_NOT_FOUND,
                       _("The bill “%s” is not in the payments database."), bill_id);
          ok = FALSE;
        }
      else if (rc != SQLITE_ROW)
        ok = pm_ledger_fail (self, rc, error);
    }
  if (ok && sql != NULL)
    {
      g_string_append (sql, " WHERE bill_id = ?1");
      stmt = pm_ledger_prepare (self, sql->str, error);
      ok = stmt != NULL;
      if (ok)
        {
          bind_bill (stmt, bill);
          ok = pm_ledger_run (self, stmt, error);
        }
    }
  if (ok && old_state != new_state)
    ok = insert_event (self, bill_id, at, PM_LEDGER_EVENT_STATE,
                       old_state, new_state, NULL, error);
  if (!write_end (self, FALSE, ok, error))
    return FALSE;

  self->generation++;
  pm_ledger_emit_bill_changed (self, bill_id);
  return TRUE;
}

gboolean
pm_ledger_sqlite_set_state (PmLedger     *self,
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
      stmt = pm_ledger_prepare (self, "UPDATE bills SET state = ?, updated_at = ? WHERE bill_id = ?",
                                error);
      ok = stmt != NULL;
      if (ok)
        {
          pm_ledger_bind_text (stmt, 1, pm_bill_state_to_string (new_state));
          sqlite3_bind_int64 (stmt, 2, now);
          pm_ledger_bind_text (stmt, 3, bill_id);
          ok = pm_ledger_run (self, stmt, error);
        }
    }
  ok = ok && insert_event (self, bill_id, now, PM_LEDGER_EVENT_STATE,
                           old_state, new_state, detail, error);
  if (!write_end (self, FALSE, ok, error))
    return FALSE;

  self->generation++;
  pm_ledger_emit_bill_changed (self, bill_id);
  return TRUE;
}

gboolean
pm_ledger_sqlite_set_check_times (PmLedger    *self,
                                  const char  *bill_id,
                                  gint64       last_checked_at,
                                  gint64       next_check_at,
                                  GError     **error)
{
  sqlite3_stmt *stmt;

  g_return_val_if_fail (PM_IS_LEDGER (self), FALSE);
  g_return_val_if_fail (bill_id != NULL, FALSE);

  stmt = pm_ledger_prepare (self,
                            "UPDATE bills SET last_checked_at = ?, next_check_at = ? WHERE bill_id = ?",
                            error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, last_checked_at);
  sqlite3_bind_int64 (stmt, 2, next_check_at);
  pm_ledger_bind_text (stmt, 3, bill_id);
  if (!pm_ledger_run (self, stmt, error))
    return FALSE;
  if (sqlite3_changes (self->db) == 0)
    {
      g_set_error (error, PM_ERROR, PM_ERROR_NOT_FOUND,
                   _("The bill “%s” is not in the payments database."), bill_id);
      return FALSE;
    }
  self->generation++;
  pm_ledger_emit_bill_changed (self, bill_id);
  return TRUE;
}

gboolean
pm_ledger_sqlite_delete_bill (PmLedger    *self,
                              const char  *bill_id,
                              GError     **error)
{
  sqlite3_stmt *stmt;

  g_return_val_if_fail (PM_IS_LEDGER (self), FALSE);
  g_return_val_if_fail (bill_id != NULL, FALSE);

  stmt = pm_ledger_prepare (self, "DELETE FROM bills WHERE bill_id = ?", error);
  if (stmt == NULL)
    return FALSE;
  pm_ledger_bind_text (stmt, 1, bill_id);
  if (!pm_ledger_run (self, stmt, error))
    return FALSE;
  if (sqlite3_changes (self->db) == 0)
    {
      g_set_error (error, PM_ERROR, PM_ERROR_NOT_FOUND,
                   _("The bill “%s” is not in the payments database."), bill_id);
      return FALSE;
    }
  self->generation++;
  pm_ledger_emit_bill_removed (self, bill_id);
  return TRUE;
}

gboolean
pm_ledger_sqlite_add_event (PmLedger    *self,
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
pm_ledger_sqlite_list_events (PmLedger    *self,
                              const char  *bill_id,
                              GError     **error)
{
  g_autoptr(GPtrArray) events = NULL;
  sqlite3_stmt *stmt;
  int rc;

  g_return_val_if_fail (PM_IS_LEDGER (self), NULL);
  g_return_val_if_fail (bill_id != NULL, NULL);

  stmt = pm_ledger_prepare (self,
                            "SELECT id, bill_id, at, kind, from_state, to_state, detail FROM events "
                            "WHERE bill_id = ? ORDER BY at, id", error);
  if (stmt == NULL)
    return NULL;
  pm_ledger_bind_text (stmt, 1, bill_id);
  events = g_ptr_array_new_with_free_func ((GDestroyNotify) pm_ledger_event_free);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      PmLedgerEvent *event = g_new0 (PmLedgerEvent, 1);
      PmBillState state;

      event->id = sqlite3_column_int64 (stmt, 0);
      event->bill_id = g_strdup (pm_ledger_column_text (stmt, 1));
      event->at = sqlite3_column_int64 (stmt, 2);
      event->kind = g_strdup (pm_ledger_column_text (stmt, 3));
      event->from_state = pm_bill_state_from_string (pm_ledger_column_text (stmt, 4), &state) ? (int) state : -1;
      event->to_state = pm_bill_state_from_string (pm_ledger_column_text (stmt, 5), &state) ? (int) state : -1;
      event->detail = g_strdup ((const char *) sqlite3_column_text (stmt, 6));
      g_ptr_array_add (events, event);
    }
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    {
      pm_ledger_fail (self, rc, error);
      return NULL;
    }
  return g_steal_pointer (&events);
}

/* ------------------------------------------------------------------------ */
/* Batches and payers                                                       */
/* ------------------------------------------------------------------------ */

gboolean
pm_ledger_sqlite_insert_batch (PmLedger    *self,
                               const char  *batch_id,
                               const char  *source_name,
                               guint        n_total,
                               gint64       created_at,
                               GError     **error)
{
  sqlite3_stmt *stmt;

  g_return_val_if_fail (PM_IS_LEDGER (self), FALSE);
  g_return_val_if_fail (batch_id != NULL, FALSE);

  stmt = pm_ledger_prepare (self, "INSERT INTO batches (id, created_at, source_name, n_total) "
                        "VALUES (?, ?, ?, ?)", error);
  if (stmt == NULL)
    return FALSE;
  pm_ledger_bind_text (stmt, 1, batch_id);
  sqlite3_bind_int64 (stmt, 2, created_at);
  pm_ledger_bind_text (stmt, 3, source_name);
  sqlite3_bind_int64 (stmt, 4, n_total);
  return pm_ledger_run (self, stmt, error);
}

gboolean
pm_ledger_sqlite_insert_batch_full (PmLedger             *self,
                                    const PmLedgerBatch  *batch,
                                    GError              **error)
{
  sqlite3_stmt *stmt;

  g_return_val_if_fail (PM_IS_LEDGER (self), FALSE);
  g_return_val_if_fail (batch != NULL && batch->id != NULL, FALSE);

  /* A batch that runs again keeps its first record; only what a ledger from before
   * schema 3 did not record is filled in. */
  stmt = pm_ledger_prepare (self,
                            "INSERT INTO batches (id, created_at, source_name, n_total, name, profile_id, "
                            "content_hash) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET "
                            "name = CASE WHEN name = '' THEN excluded.name ELSE name END, "
                            "profile_id = CASE WHEN profile_id = '' THEN excluded.profile_id "
                            "ELSE profile_id END, "
                            "content_hash = CASE WHEN content_hash = '' THEN excluded.content_hash "
                            "ELSE content_hash END", error);
  if (stmt == NULL)
    return FALSE;
  pm_ledger_bind_text (stmt, 1, batch->id);
  sqlite3_bind_int64 (stmt, 2, batch->created_at);
  pm_ledger_bind_text (stmt, 3, batch->source_name);
  sqlite3_bind_int64 (stmt, 4, batch->n_total);
  pm_ledger_bind_text (stmt, 5, batch->name);
  pm_ledger_bind_text (stmt, 6, batch->profile_id);
  pm_ledger_bind_text (stmt, 7, batch->content_hash);
  return pm_ledger_run (self, stmt, error);
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

  batch->id = g_strdup (pm_ledger_column_text (stmt, 0));
  batch->name = g_strdup (pm_ledger_column_text (stmt, 1));
  batch->source_name = g_strdup (pm_ledger_column_text (stmt, 2));
  batch->profile_id = g_strdup (pm_ledger_column_text (stmt, 3));
  batch->content_hash = g_strdup (pm_ledger_column_text (stmt, 4));
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
  pm_ledger_bind_text (stmt, 1, pm_bill_state_to_string (PM_BILL_STATE_FAILED));
  pm_ledger_bind_text (stmt, 2, pm_bill_state_to_string (PM_BILL_STATE_NOT_SENT));
}

PmLedgerBatch *
pm_ledger_sqlite_lookup_batch (PmLedger    *self,
                               const char  *batch_id,
                               GError     **error)
{
  PmLedgerBatch *batch = NULL;
  sqlite3_stmt *stmt;
  int rc;

  g_return_val_if_fail (PM_IS_LEDGER (self), NULL);
  g_return_val_if_fail (batch_id != NULL, NULL);

  stmt = pm_ledger_prepare (self, BATCH_SELECT "WHERE t.id = ?", error);
  if (stmt == NULL)
    return NULL;
  bind_dead_states (stmt);
  pm_ledger_bind_text (stmt, 3, batch_id);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    batch = batch_from_row (stmt);
  sqlite3_reset (stmt);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    pm_ledger_fail (self, rc, error);
  return batch;
}

GPtrArray *
pm_ledger_sqlite_find_batches_by_content (PmLedger    *self,
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
  stmt = pm_ledger_prepare (self, BATCH_SELECT "WHERE t.profile_id = ? AND t.content_hash = ? "
                                     "AND t.content_hash <> '' "
                                     "ORDER BY t.created_at DESC, t.rowid DESC", error);
  if (stmt == NULL)
    return NULL;
  bind_dead_states (stmt);
  pm_ledger_bind_text (stmt, 3, profile_id);
  pm_ledger_bind_text (stmt, 4, content_hash);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    g_ptr_array_add (batches, batch_from_row (stmt));
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    {
      pm_ledger_fail (self, rc, error);
      return NULL;
    }
  return g_steal_pointer (&batches);
}

gboolean
pm_ledger_sqlite_update_batch (PmLedger    *self,
                               const char  *batch_id,
                               guint        n_sent,
                               guint        n_failed,
                               GError     **error)
{
  sqlite3_stmt *stmt;

  g_return_val_if_fail (PM_IS_LEDGER (self), FALSE);
  g_return_val_if_fail (batch_id != NULL, FALSE);

  stmt = pm_ledger_prepare (self, "UPDATE batches SET n_sent = ?, n_failed = ? WHERE id = ?", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, n_sent);
  sqlite3_bind_int64 (stmt, 2, n_failed);
  pm_ledger_bind_text (stmt, 3, batch_id);
  if (!pm_ledger_run (self, stmt, error))
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
pm_ledger_sqlite_save_payer (PmLedger    *self,
                             const char  *profile_id,
                             const char  *phone,
                             const char  *name,
                             gint64       registered_at,
                             GError     **error)
{
  sqlite3_stmt *stmt;

  g_return_val_if_fail (PM_IS_LEDGER (self), FALSE);
  g_return_val_if_fail (profile_id != NULL && phone != NULL, FALSE);

  stmt = pm_ledger_prepare (self,
                            "INSERT INTO payers (profile_id, phone, name, registered_at) "
                            "VALUES (?, ?, ?, ?) ON CONFLICT (profile_id, phone) DO UPDATE SET "
                            "name = excluded.name, registered_at = excluded.registered_at", error);
  if (stmt == NULL)
    return FALSE;
  pm_ledger_bind_text (stmt, 1, profile_id);
  pm_ledger_bind_text (stmt, 2, phone);
  pm_ledger_bind_text (stmt, 3, name);
  sqlite3_bind_int64 (stmt, 4, registered_at);
  return pm_ledger_run (self, stmt, error);
}

gboolean
pm_ledger_sqlite_delete_payer (PmLedger    *self,
                               const char  *profile_id,
                               const char  *phone,
                               GError     **error)
{
  sqlite3_stmt *stmt;

  g_return_val_if_fail (PM_IS_LEDGER (self), FALSE);
  g_return_val_if_fail (profile_id != NULL && phone != NULL, FALSE);

  stmt = pm_ledger_prepare (self, "DELETE FROM payers WHERE profile_id = ? AND phone = ?", error);
  if (stmt == NULL)
    return FALSE;
  pm_ledger_bind_text (stmt, 1, profile_id);
  pm_ledger_bind_text (stmt, 2, phone);
  return pm_ledger_run (self, stmt, error);
}

GPtrArray *
pm_ledger_sqlite_list_payers (PmLedger    *self,
                              const char  *profile_id,
                              GError     **error)
{
  g_autoptr(GPtrArray) payers = NULL;
  sqlite3_stmt *stmt;
  int rc;

  g_return_val_if_fail (PM_IS_LEDGER (self), NULL);
  g_return_val_if_fail (profile_id != NULL, NULL);

  stmt = pm_ledger_prepare (self, "SELECT profile_id, name, phone, registered_at FROM payers "
                        "WHERE profile_id = ? ORDER BY name, phone", error);
  if (stmt == NULL)
    return NULL;
  pm_ledger_bind_text (stmt, 1, profile_id);
  payers = g_ptr_array_new_with_free_func ((GDestroyNotify) pm_ledger_payer_free);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      PmLedgerPayer *payer = g_new0 (PmLedgerPayer, 1);

      payer->profile_id = g_strdup (pm_ledger_column_text (stmt, 0));
      payer->name = g_strdup (pm_ledger_column_text (stmt, 1));
      payer->phone = g_strdup (pm_ledger_column_text (stmt, 2));
      payer->at = sqlite3_column_int64 (stmt, 3);
      g_ptr_array_add (payers, payer);
    }
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    {
      pm_ledger_fail (self, rc, error);
      return NULL;
    }
  return g_steal_pointer (&payers);
}

/* ------------------------------------------------------------------------ */
/* The table of operations                                                  */
/* ------------------------------------------------------------------------ */

const PmLedgerBackend pm_ledger_sqlite_backend = {
  .name = "sqlite",
  .close = sqlite_close,
  .open_reader = pm_ledger_sqlite_open_reader,
  .insert_intent = pm_ledger_sqlite_insert_intent,
  .insert_bill = pm_ledger_sqlite_insert_bill,
  .update_bill = pm_ledger_sqlite_update_bill,
  .set_state = pm_ledger_sqlite_set_state,
  .set_check_times = pm_ledger_sqlite_set_check_times,
  .delete_bill = pm_ledger_sqlite_delete_bill,
  .add_event = pm_ledger_sqlite_add_event,
  .list_events = pm_ledger_sqlite_list_events,
  .count = pm_ledger_sqlite_count,
  .fetch = pm_ledger_sqlite_fetch,
  .totals = pm_ledger_sqlite_totals,
  .locate = pm_ledger_sqlite_locate,
  .lookup = pm_ledger_sqlite_lookup,
  .list_due = pm_ledger_sqlite_list_due,
  .next_due_time = pm_ledger_sqlite_next_due_time,
  .list_unsettled = pm_ledger_sqlite_list_unsettled,
  .recent_payers = pm_ledger_sqlite_recent_payers,
  .export_csv = pm_ledger_sqlite_export_csv,
  .summarize = pm_ledger_sqlite_summarize,
  .explain = pm_ledger_sqlite_explain_for_testing,
  .begin_snapshot = pm_ledger_sqlite_begin_snapshot,
  .end_snapshot = pm_ledger_sqlite_end_snapshot,
  .insert_batch = pm_ledger_sqlite_insert_batch,
  .insert_batch_full = pm_ledger_sqlite_insert_batch_full,
  .lookup_batch = pm_ledger_sqlite_lookup_batch,
  .find_batches_by_content = pm_ledger_sqlite_find_batches_by_content,
  .update_batch = pm_ledger_sqlite_update_batch,
  .save_payer = pm_ledger_sqlite_save_payer,
  .delete_payer = pm_ledger_sqlite_delete_payer,
  .list_payers = pm_ledger_sqlite_list_payers,
  .get_outside_serial = pm_ledger_sqlite_get_outside_serial,
  .check_writable = pm_ledger_sqlite_check_writable,
  .begin = pm_ledger_sqlite_begin,
  .begin_observed = pm_ledger_sqlite_begin_observed,
  .commit = pm_ledger_sqlite_commit,
  .rollback = pm_ledger_sqlite_rollback,
  .set_group_commit = pm_ledger_sqlite_set_group_commit,
  .flush = pm_ledger_sqlite_flush,
  .get_group_commits = pm_ledger_sqlite_get_group_commits,
  .index_text = pm_ledger_sqlite_index_text,
  .hold_text_index = pm_ledger_sqlite_hold_text_index,
  .set_fail_writes = pm_ledger_sqlite_set_fail_writes_for_testing,
};
