/* test-ledger.c — the SQLite ledger: schema, migrations, intents, queries, search, export
 *
 * Copyright 2026 The Paymint Desk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "pm-ledger.h"
#include "pm-ledger-private.h"

#include "pm-bill.h"
#include "pm-error.h"
#include "pm-test-ledger.h"
#include "pm-test-util.h"

#include <string.h>
#include <unistd.h>
#include <glib/gstdio.h>
#include <sqlite3.h>

#define TODAY "2026-11-23"
#define BASE_TIME G_GINT64_CONSTANT (1795000000)  /* 2026-11-18, UTC */

static PmBill *
make_bill (const char  *bill_id,
           const char  *profile,
           const char  *name,
           const char  *phone,
           const char  *product,
           gint64       price,
           const char  *expire,
           gint64       created_at,
           PmBillState  state)
{
  PmBill *bill = pm_bill_new ();

  pm_bill_set_bill_id (bill, bill_id);
  pm_bill_set_profile_id (bill, profile);
  pm_bill_set_payer_name (bill, name);
  pm_bill_set_phone (bill, phone);
  pm_bill_set_product (bill, product);
  pm_bill_set_message (bill, "안내 메시지");
  pm_bill_set_price (bill, price);
  pm_bill_set_expire_date (bill, expire);
  pm_bill_set_created_at (bill, created_at);
  pm_bill_set_state (bill, state);
  return bill;
}

static void
insert (PmLedger *ledger,
        PmBill   *bill)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (pm_ledger_insert_bill (ledger, bill, &error));
  g_assert_no_error (error);
}

static void
sql_exec (const char *path,
          const char *sql)
{
  sqlite3 *db = NULL;
  char *message = NULL;

  g_assert_cmpint (sqlite3_open (path, &db), ==, SQLITE_OK);
  sqlite3_exec (db, sql, NULL, NULL, &message);
  g_assert_null (message);
  sqlite3_close (db);
}

static GBytes *
file_bytes (const char *path)
{
  char *contents = NULL;
  gsize length = 0;

  g_assert_true (g_file_get_contents (path, &contents, &length, NULL));
  return g_bytes_new_take (contents, length);
}

/* ---- schema and migrations ---- */

static void
test_schema (void)
{
  g_autofree char *path = pm_test_tmp_path ("ledger-tests", "schema.db");
  g_autoptr(PmLedger) ledger = pm_test_open_ledger (path);
  static const char *const tables[] = { "bills", "events", "batches", "payers", "bills_fts" };

  for (guint i = 0; i < G_N_ELEMENTS (tables); i++)
    {
      g_autofree char *sql =
        g_strdup_printf ("SELECT count(*) FROM sqlite_master WHERE name = '%s'", tables[i]);

      g_assert_cmpint (pm_test_sql_int (path, sql), ==, 1);
    }
  g_assert_cmpint (pm_test_sql_int (path, "PRAGMA user_version"), ==, PM_LEDGER_SCHEMA_VERSION);
  g_assert_cmpint (pm_test_sql_int (path, "SELECT count(*) FROM pragma_journal_mode "
                                  "WHERE journal_mode = 'wal'"), ==, 1);
  g_assert_cmpint (pm_test_sql_int (path, "SELECT count(*) FROM sqlite_master WHERE type = 'index' "
                                  "AND tbl_name = 'bills'"), >=, 10);
  g_assert_cmpstr (pm_ledger_get_path (ledger), ==, path);

  /* Reopening an up-to-date file changes nothing. */
  g_clear_object (&ledger);
  ledger = pm_test_open_ledger (path);
  g_assert_cmpint (pm_test_sql_int (path, "PRAGMA user_version"), ==, PM_LEDGER_SCHEMA_VERSION);
}

static void
test_migrate_from_v0 (void)
{
  g_autofree char *path = pm_test_tmp_path ("ledger-tests", "v0.db");
  g_autoptr(PmLedger) ledger = NULL;
  g_autoptr(PmBill) bill = NULL;
  g_autoptr(PmBill) found = NULL;

  /* A database from before the ledger had a schema: user_version 0, another table. */
  g_mkdir_with_parents (g_path_get_dirname (path), 0700);
  sql_exec (path, "CREATE TABLE scratch (x TEXT); INSERT INTO scratch VALUES ('keep me');");
  g_assert_cmpint (pm_test_sql_int (path, "PRAGMA user_version"), ==, 0);

  ledger = pm_test_open_ledger (path);
  g_assert_cmpint (pm_test_sql_int (path, "PRAGMA user_version"), ==, PM_LEDGER_SCHEMA_VERSION);
  g_assert_cmpint (pm_test_sql_int (path, "SELECT count(*) FROM scratch"), ==, 1);

  bill = make_bill ("V0BILL", "p1", "홍길동", "01012345678", "수업료", 1000, TODAY,
                    BASE_TIME, PM_BILL_STATE_UNPAID);
  insert (ledger, bill);
  found = pm_ledger_lookup (ledger, "V0BILL", NULL);
  g_assert_nonnull (found);
}

static void
test_migrate_real_v1 (void)
{
  g_autofree char *path = pm_test_tmp_path ("ledger-tests", "real-v1.db");
  g_autoptr(PmLedger) ledger = NULL;
  g_autoptr(PmLedgerQuery) query = pm_ledger_query_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) found = NULL;
  g_autoptr(PmBill) bill = NULL;
  const PmLedgerMigration *builtin;
  guint n = 0;
  PmLedgerTotals totals = { 0 };

  /* a file written by the first release (schema 1 only) */
  builtin = pm_ledger_get_migrations (&n);
  g_assert_cmpuint (n, >=, 2);
  ledger = pm_ledger_new_with_migrations (path, builtin, 1, &error);
  g_assert_no_error (error);
  bill = make_bill ("REALV1", "p1", "김민수", "01011112222", "필라테스 10회", 5000, TODAY,
                    BASE_TIME, PM_BILL_STATE_UNPAID);
  insert (ledger, bill);
  g_clear_object (&ledger);
  g_assert_cmpint (pm_test_sql_int (path, "PRAGMA user_version"), ==, 1);

  /* this version migrates it: text re-indexing and totals only on real changes */
  ledger = pm_test_open_ledger (path);
  g_assert_cmpint (pm_test_sql_int (path, "PRAGMA user_version"), ==, PM_LEDGER_SCHEMA_VERSION);
  g_assert_cmpint (pm_test_sql_int (path, "SELECT count(*) FROM sqlite_master WHERE name = "
                                  "'bills_fts_update' AND sql LIKE '%WHEN%'"), ==, 1);

  /* a state change keeps search and totals right; a name change is searchable */
  pm_bill_set_state (bill, PM_BILL_STATE_PAID);
  g_assert_true (pm_ledger_update_bill (ledger, bill, &error));
  pm_bill_set_payer_name (bill, "이영희");
  g_assert_true (pm_ledger_update_bill (ledger, bill, &error));
  g_assert_no_error (error);
  pm_ledger_query_set_text (query, "이영희");
  found = pm_ledger_fetch (ledger, query, 0, 10, &error);
  g_assert_cmpuint (found->len, ==, 1);
  g_clear_pointer (&found, g_ptr_array_unref);
  pm_ledger_query_set_text (query, "김민수");
  found = pm_ledger_fetch (ledger, query, 0, 10, &error);
  g_assert_cmpuint (found->len, ==, 0);
  pm_ledger_query_set_text (query, NULL);
  g_assert_true (pm_ledger_totals (ledger, query, &totals, &error));
  g_assert_cmpint (totals.by_state[PM_BILL_STATE_PAID].count, ==, 1);
  g_assert_cmpint (totals.by_state[PM_BILL_STATE_UNPAID].count, ==, 0);
}

/* v3: batches learn their name, profile and content hash; a batch of a v2 file stays and
 * can be found once a run records what it lacked. */
static void
test_migrate_batches_v2_to_v3 (void)
{
  g_autofree char *path = pm_test_tmp_path ("ledger-tests", "batches-v2.db");
  g_autoptr(PmLedger) ledger = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(PmLedgerBatch) batch = NULL;
  g_autoptr(GPtrArray) found = NULL;
  const PmLedgerMigration *builtin;
  PmLedgerBatch record = { 0 };
  guint n = 0;
  static const PmBillState states[] = {
    PM_BILL_STATE_UNPAID, PM_BILL_STATE_FAILED, PM_BILL_STATE_NOT_SENT, PM_BILL_STATE_UNKNOWN,
  };

  /* a file of schema 2 with a batch of four bills */
  builtin = pm_ledger_get_migrations (&n);
  g_assert_cmpuint (n, ==, PM_LEDGER_SCHEMA_VERSION);
  ledger = pm_ledger_new_with_migrations (path, builtin, 2, &error);
  g_assert_no_error (error);
  g_assert_true (pm_ledger_insert_batch (ledger, "OLDBATCH", "3월.csv", 4, BASE_TIME, &error));
  for (guint i = 0; i < G_N_ELEMENTS (states); i++)
    {
      g_autofree char *id = g_strdup_printf ("OLDB%u", i);
      g_autoptr(PmBill) bill = make_bill (id, "p1", "김민수", "01011112222", "3월 수강료", 1000,
                                          TODAY, BASE_TIME + i, states[i]);

      pm_bill_set_batch_id (bill, "OLDBATCH");
      insert (ledger, bill);
    }
  g_clear_object (&ledger);
  g_assert_cmpint (pm_test_sql_int (path, "PRAGMA user_version"), ==, 2);

  ledger = pm_test_open_ledger (path);
  g_assert_cmpint (pm_test_sql_int (path, "PRAGMA user_version"), ==, PM_LEDGER_SCHEMA_VERSION);
  g_assert_cmpint (pm_test_sql_int (path, "SELECT count(*) FROM pragma_table_info('batches') WHERE "
                                  "name IN ('name', 'profile_id', 'content_hash')"), ==, 3);
  batch = pm_ledger_lookup_batch (ledger, "OLDBATCH", &error);
  g_assert_no_error (error);
  g_assert_nonnull (batch);
  g_assert_cmpstr (batch->source_name, ==, "3월.csv");
  g_assert_cmpstr (batch->name, ==, "");
  g_assert_cmpstr (batch->content_hash, ==, "");
  g_assert_cmpint (batch->created_at, ==, BASE_TIME);
  g_assert_cmpuint (batch->n_total, ==, 4);
  g_assert_cmpuint (batch->n_bills, ==, 4);
  g_assert_cmpuint (batch->n_live, ==, 2); /* not the failed one, not the not-sent one */
  g_clear_pointer (&batch, pm_ledger_batch_free);
  g_assert_null (pm_ledger_lookup_batch (ledger, "NOSUCHBATCH", &error));
  g_assert_no_error (error);

  /* an old batch has no content hash: nothing matches it, "" matches nothing */
  found = pm_ledger_find_batches_by_content (ledger, "p1", "", &error);
  g_assert_cmpuint (found->len, ==, 0);
  g_clear_pointer (&found, g_ptr_array_unref);

  /* running it again records what it lacked; the first record stays */
  record.id = (char *) "OLDBATCH";
  record.name = (char *) "3월 수강료";
  record.source_name = (char *) "3월 (2).csv";
  record.profile_id = (char *) "p1";
  record.content_hash = (char *) "abc123";
  record.created_at = BASE_TIME + 1000;
  record.n_total = 9;
  g_assert_true (pm_ledger_insert_batch_full (ledger, &record, &error));
  g_assert_no_error (error);
  batch = pm_ledger_lookup_batch (ledger, "OLDBATCH", &error);
  g_assert_cmpstr (batch->name, ==, "3월 수강료");
  g_assert_cmpstr (batch->profile_id, ==, "p1");
  g_assert_cmpstr (batch->content_hash, ==, "abc123");
  g_assert_cmpstr (batch->source_name, ==, "3월.csv");
  g_assert_cmpint (batch->created_at, ==, BASE_TIME);
  g_assert_cmpuint (batch->n_total, ==, 4);
  g_clear_pointer (&batch, pm_ledger_batch_free);
  record.content_hash = (char *) "other";
  g_assert_true (pm_ledger_insert_batch_full (ledger, &record, &error));
  batch = pm_ledger_lookup_batch (ledger, "OLDBATCH", &error);
  g_assert_cmpstr (batch->content_hash, ==, "abc123");
  g_clear_pointer (&batch, pm_ledger_batch_free);

  /* found by content within the profile, newest first */
  record.id = (char *) "NEWBATCH";
  record.name = (char *) "4월";
  record.content_hash = (char *) "abc123";
  record.created_at = BASE_TIME + 5000;
  g_assert_true (pm_ledger_insert_batch_full (ledger, &record, &error));
  record.id = (char *) "OTHERPROFILE";
  record.profile_id = (char *) "p2";
  g_assert_true (pm_ledger_insert_batch_full (ledger, &record, &error));
  g_assert_no_error (error);
  found = pm_ledger_find_batches_by_content (ledger, "p1", "abc123", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (found->len, ==, 2);
  g_assert_cmpstr (((PmLedgerBatch *) g_ptr_array_index (found, 0))->id, ==, "NEWBATCH");
  g_assert_cmpuint (((PmLedgerBatch *) g_ptr_array_index (found, 0))->n_bills, ==, 0);
  g_assert_cmpstr (((PmLedgerBatch *) g_ptr_array_index (found, 1))->id, ==, "OLDBATCH");
  g_assert_cmpuint (((PmLedgerBatch *) g_ptr_array_index (found, 1))->n_live, ==, 2);
  g_clear_pointer (&found, g_ptr_array_unref);
  found = pm_ledger_find_batches_by_content (ledger, "p1", "nothing-like-it", &error);
  g_assert_cmpuint (found->len, ==, 0);
}

static void
test_migrate_v1_to_v2 (void)
{
  g_autofree char *path = pm_test_tmp_path ("ledger-tests", "v1.db");
  g_autoptr(PmLedger) ledger = NULL;
  g_autoptr(PmLedgerQuery) query = pm_ledger_query_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) before = NULL;
  g_autoptr(GBytes) after = NULL;
  g_autoptr(GPtrArray) found = NULL;
  const PmLedgerMigration *builtin;
  PmLedgerMigration steps[PM_LEDGER_SCHEMA_VERSION + 1];
  guint n = 0;

  /* A v1 file with bills, made by this version. */
  ledger = pm_test_open_ledger (path);
  for (int i = 0; i < 5; i++)
    {
      g_autofree char *id = g_strdup_printf ("MIG%d", i);
      g_autoptr(PmBill) bill = make_bill (id, "p1", "김민수", "01011112222", "필라테스 10회",
                                          1000 + i, TODAY, BASE_TIME + i, PM_BILL_STATE_PAID);
      insert (ledger, bill);
    }
  g_clear_object (&ledger);

  builtin = pm_ledger_get_migrations (&n);
  g_assert_cmpuint (n, ==, PM_LEDGER_SCHEMA_VERSION);
  memcpy (steps, builtin, n * sizeof *steps);

  /* A next step that fails leaves the file at the current version with its data. */
  steps[n] = (PmLedgerMigration) { (int) n + 1, "ALTER TABLE bills ADD COLUMN tag TEXT;"
                                                "ALTER TABLE no_such_table ADD COLUMN x;" };
  ledger = pm_ledger_new_with_migrations (path, steps, n + 1, &error);
  g_assert_error (error, PM_ERROR, PM_ERROR_STORAGE);
  g_assert_null (ledger);
  g_clear_error (&error);
  g_assert_cmpint (pm_test_sql_int (path, "PRAGMA user_version"), ==, (int) n);
  g_assert_cmpint (pm_test_sql_int (path, "SELECT count(*) FROM pragma_table_info('bills') "
                                  "WHERE name = 'tag'"), ==, 0);

  /* A working next step is one more entry. */
  steps[n] = (PmLedgerMigration) { (int) n + 1, "ALTER TABLE bills ADD COLUMN tag TEXT NOT NULL "
                                      "DEFAULT 'old';"
                                      "CREATE INDEX bills_tag ON bills (tag);" };
  ledger = pm_ledger_new_with_migrations (path, steps, n + 1, &error);
  g_assert_no_error (error);
  g_assert_nonnull (ledger);
  g_assert_cmpint (pm_test_sql_int (path, "PRAGMA user_version"), ==, (int) n + 1);
  g_assert_cmpint (pm_test_sql_int (path, "SELECT count(*) FROM bills WHERE tag = 'old'"), ==, 5);

  /* Old rows are still found, by search too. */
  pm_ledger_query_set_text (query, "필라테스");
  found = pm_ledger_fetch (ledger, query, 0, 100, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (found->len, ==, 5);
  g_clear_object (&ledger);

  /* This build (v1) refuses the v2 file and leaves it alone. */
  before = file_bytes (path);
  ledger = pm_ledger_new (path, &error);
  g_assert_error (error, PM_ERROR, PM_ERROR_STORAGE);
  g_assert_nonnull (strstr (error->message, "newer"));
  g_assert_null (ledger);
  after = file_bytes (path);
  g_assert_true (g_bytes_equal (before, after));
}

/* ---- many processes opening one file at once ---- */

static char *self_exe;

/* The child: "test-ledger --open-ledger PATH ID". Waits for its stdin to close (so all
 * the children start together), opens the ledger, and writes one intent with bill id ID
 * to prove it can. Exit 0, or 1 with the error on stderr. */
static int
child_open_ledger (const char *path,
                   const char *bill_id)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PmLedger) ledger = NULL;
  g_autoptr(PmBill) bill = NULL;
  char c;

  while (read (STDIN_FILENO, &c, 1) > 0)
    ;
  ledger = pm_ledger_new (path, &error);
  if (ledger == NULL)
    {
      g_printerr ("%s\n", error->message);
      return 1;
    }
  bill = make_bill (bill_id, "p1", "동시성", "01012341234", "동시에 열기", 1000, TODAY,
                    BASE_TIME, PM_BILL_STATE_QUEUED);
  if (!pm_ledger_insert_intent (ledger, bill, &error))
    {
      g_printerr ("%s\n", error->message);
      return 1;
    }
  return 0;
}

/* Starts @n children on @path, lets them go at once, and asserts that every one
 * succeeded. */
static void
open_concurrently (const char *path,
                   guint       round,
                   guint       n)
{
  g_autoptr(GPtrArray) procs = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GError) error = NULL;

  for (guint i = 0; i < n; i++)
    {
      g_autofree char *id = g_strdup_printf ("R%uC%u", round, i);
      GSubprocess *proc = g_subprocess_new (G_SUBPROCESS_FLAGS_STDIN_PIPE
                                            | G_SUBPROCESS_FLAGS_STDERR_PIPE, &error,
                                            self_exe, "--open-ledger", path, id, NULL);

      g_assert_no_error (error);
      g_ptr_array_add (procs, proc);
    }
  for (guint i = 0; i < n; i++)
    {
      GSubprocess *proc = g_ptr_array_index (procs, i);

      g_output_stream_close (g_subprocess_get_stdin_pipe (proc), NULL, &error);
      g_assert_no_error (error);
    }
  for (guint i = 0; i < n; i++)
    {
      GSubprocess *proc = g_ptr_array_index (procs, i);
      char err[1024] = "";
      gsize n_read = 0;

      /* a failing child writes one short line: it fits in the pipe */
      g_subprocess_wait (proc, NULL, &error);
      g_assert_no_error (error);
      g_input_stream_read_all (g_subprocess_get_stderr_pipe (proc), err, sizeof err - 1,
                               &n_read, NULL, NULL);
      g_assert_true (g_subprocess_get_if_exited (proc));
      if (g_subprocess_get_exit_status (proc) != 0)
        g_error ("process %u of round %u failed to open %s: %s", i, round, path, err);
    }
}

static void
assert_integrity (const char *path)
{
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = NULL;

  g_assert_cmpint (sqlite3_open_v2 (path, &db, SQLITE_OPEN_READONLY, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_prepare_v2 (db, "PRAGMA integrity_check", -1, &stmt, NULL), ==,
                   SQLITE_OK);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  g_assert_cmpstr ((const char *) sqlite3_column_text (stmt, 0), ==, "ok");
  sqlite3_finalize (stmt);
  sqlite3_close (db);
}

static void
test_open_concurrently (void)
{
  const guint n_rounds = 3, n_procs = 8;
  const PmLedgerMigration *builtin;
  guint n_steps = 0;

  builtin = pm_ledger_get_migrations (&n_steps);
  for (guint round = 0; round < n_rounds; round++)
    {
      g_autofree char *fresh = pm_test_tmp_path ("ledger-tests", "concurrent-new.db");
      g_autofree char *v0 = pm_test_tmp_path ("ledger-tests", "concurrent-v0.db");
      g_autofree char *old = pm_test_tmp_path ("ledger-tests", "concurrent-old.db");
      g_autoptr(PmLedger) ledger = NULL;
      g_autoptr(GError) error = NULL;

      /* a file that does not exist yet */
      g_mkdir_with_parents (g_path_get_dirname (fresh), 0700);
      open_concurrently (fresh, round, n_procs);
      g_assert_cmpint (pm_test_sql_int (fresh, "PRAGMA user_version"), ==, PM_LEDGER_SCHEMA_VERSION);
      g_assert_cmpint (pm_test_sql_int (fresh, "SELECT count(*) FROM bills"), ==, (int) n_procs);
      g_assert_cmpint (pm_test_sql_int (fresh, "SELECT count(*) FROM pragma_journal_mode "
                                       "WHERE journal_mode = 'wal'"), ==, 1);
      assert_integrity (fresh);

      /* a database from before the ledger had a schema, still in rollback-journal mode */
      sql_exec (v0, "CREATE TABLE scratch (x TEXT); INSERT INTO scratch VALUES ('keep');");
      open_concurrently (v0, round, n_procs);
      g_assert_cmpint (pm_test_sql_int (v0, "PRAGMA user_version"), ==, PM_LEDGER_SCHEMA_VERSION);
      g_assert_cmpint (pm_test_sql_int (v0, "SELECT count(*) FROM bills"), ==, (int) n_procs);
      g_assert_cmpint (pm_test_sql_int (v0, "SELECT count(*) FROM scratch"), ==, 1);
      assert_integrity (v0);

      /* a ledger of the first schema version, with a bill */
      ledger = pm_ledger_new_with_migrations (old, builtin, 1, &error);
      g_assert_no_error (error);
      {
        g_autoptr(PmBill) bill = make_bill ("OLD1", "p1", "김민수", "01011112222", "수업",
                                            5000, TODAY, BASE_TIME, PM_BILL_STATE_UNPAID);

        insert (ledger, bill);
      }
      g_clear_object (&ledger);
      g_assert_cmpint (pm_test_sql_int (old, "PRAGMA user_version"), ==, 1);
      open_concurrently (old, round, n_procs);
      g_assert_cmpint (pm_test_sql_int (old, "PRAGMA user_version"), ==, PM_LEDGER_SCHEMA_VERSION);
      g_assert_cmpint (pm_test_sql_int (old, "SELECT count(*) FROM bills"), ==, (int) n_procs + 1);
      assert_integrity (old);
    }
}

static gpointer
commit_later_thread (gpointer data)
{
  sqlite3 *db = data;

  g_usleep (300 * 1000);
  g_assert_cmpint (sqlite3_exec (db, "COMMIT", NULL, NULL, NULL), ==, SQLITE_OK);
  return NULL;
}

/* Switching a file to WAL needs a moment with no other connection in it; SQLite answers
 * "busy" at once, without waiting, while another writes in rollback-journal mode. The
 * ledger waits for that moment instead of failing. */
static void
test_open_while_another_writes (void)
{
  g_autofree char *path = pm_test_tmp_path ("ledger-tests", "v0-busy.db");
  g_autoptr(PmLedger) ledger = NULL;
  g_autoptr(GError) error = NULL;
  GThread *thread;
  sqlite3 *db = NULL;

  g_mkdir_with_parents (g_path_get_dirname (path), 0700);
  sql_exec (path, "CREATE TABLE scratch (x TEXT); INSERT INTO scratch VALUES ('keep');");
  g_assert_cmpint (sqlite3_open (path, &db), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (db, "BEGIN IMMEDIATE; INSERT INTO scratch VALUES ('more');",
                                 NULL, NULL, NULL), ==, SQLITE_OK);
  thread = g_thread_new ("commit-later", commit_later_thread, db);
  ledger = pm_ledger_new (path, &error);
  g_thread_join (thread);
  sqlite3_close (db);
  g_assert_no_error (error);
  g_assert_nonnull (ledger);
  g_assert_cmpint (pm_test_sql_int (path, "PRAGMA user_version"), ==, PM_LEDGER_SCHEMA_VERSION);
  g_assert_cmpint (pm_test_sql_int (path, "SELECT count(*) FROM pragma_journal_mode "
                                  "WHERE journal_mode = 'wal'"), ==, 1);
  g_assert_cmpint (pm_test_sql_int (path, "SELECT count(*) FROM scratch"), ==, 2);
}

static void
assert_refused_untouched (const char *path,
                          const char *expect)
{
  g_autoptr(GBytes) before = file_bytes (path);
  g_autoptr(GBytes) after = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(PmLedger) ledger = pm_ledger_new (path, &error);

  g_assert_null (ledger);
  g_assert_error (error, PM_ERROR, PM_ERROR_STORAGE);
  g_assert_nonnull (strstr (error->message, expect));
  after = file_bytes (path);
  g_assert_true (g_bytes_equal (before, after));
}

static void
test_damaged_files (void)
{
  g_autofree char *garbage = pm_test_tmp_path ("ledger-tests", "garbage.db");
  g_autofree char *header_only = pm_test_tmp_path ("ledger-tests", "header.db");
  g_autofree char *truncated = pm_test_tmp_path ("ledger-tests", "truncated.db");
  g_autofree char *newer = pm_test_tmp_path ("ledger-tests", "newer.db");
  g_autofree char *noise = g_malloc (10000);
  g_autoptr(GBytes) full = NULL;
  g_autoptr(PmLedger) ledger = NULL;

  g_mkdir_with_parents (g_path_get_dirname (garbage), 0700);
  for (guint i = 0; i < 10000; i++)
    noise[i] = (char) (i * 7919 % 251);
  g_assert_true (g_file_set_contents (garbage, noise, 10000, NULL));
  assert_refused_untouched (garbage, "damaged");

  /* A valid magic with nothing sensible after it. */
  memcpy (noise, "SQLite format 3", 16);
  g_assert_true (g_file_set_contents (header_only, noise, 4096, NULL));
  assert_refused_untouched (header_only, "damaged");

  /* A real ledger cut in half. */
  ledger = pm_test_open_ledger (truncated);
  for (int i = 0; i < 400; i++)
    {
      g_autofree char *id = g_strdup_printf ("T%05d", i);
      g_autoptr(PmBill) bill = make_bill (id, "p1", "이서연", "01055556666",
                                          "월 회비 납부 안내드립니다", 50000, TODAY, BASE_TIME + i,
                                          PM_BILL_STATE_UNPAID);
      insert (ledger, bill);
    }
  g_clear_object (&ledger);
  full = file_bytes (truncated);
  g_assert_cmpuint (g_bytes_get_size (full), >, 8192);
  g_assert_true (g_file_set_contents (truncated, g_bytes_get_data (full, NULL),
                                      g_bytes_get_size (full) / 2, NULL));
  assert_refused_untouched (truncated, "damaged");

  /* Written by a newer version. */
  sql_exec (newer, "CREATE TABLE bills (id INTEGER PRIMARY KEY); PRAGMA user_version = 99;");
  assert_refused_untouched (newer, "newer");
}

/* ---- intents, states, events ---- */

static void
count_signal_cb (PmLedger   *ledger,
                 const char *bill_id,
                 gpointer    data)
{
  GPtrArray *seen = data;

  g_ptr_array_add (seen, g_strdup (bill_id));
}

static void
test_intent_durable (void)
{
  g_autofree char *path = pm_test_tmp_path ("ledger-tests", "intent.db");
  g_autoptr(PmLedger) ledger = pm_test_open_ledger (path);
  g_autoptr(PmLedger) other = NULL;
  g_autoptr(PmBill) bill = NULL;
  g_autoptr(PmBill) again = NULL;
  g_autoptr(PmBill) seen = NULL;
  g_autoptr(GPtrArray) added = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) events = NULL;
  g_autoptr(GPtrArray) unsettled = NULL;
  g_autoptr(GError) error = NULL;

  g_signal_connect (ledger, "bill-added", G_CALLBACK (count_signal_cb), added);
  bill = make_bill ("INTENT1", "p1", "박지훈", "01098765432", "PT 20회", 1200000,
                    TODAY, 0, PM_BILL_STATE_SENDING);
  g_assert_true (pm_ledger_insert_intent (ledger, bill, &error));
  g_assert_no_error (error);
  g_assert_cmpint (pm_bill_get_state (bill), ==, PM_BILL_STATE_QUEUED);
  g_assert_cmpint (pm_bill_get_created_at (bill), >, BASE_TIME);
  g_assert_cmpuint (added->len, ==, 1);
  g_assert_cmpstr (g_ptr_array_index (added, 0), ==, "INTENT1");

  /* A second connection (another process after a crash) sees it at once. */
  other = pm_test_open_ledger (path);
  seen = pm_ledger_lookup (other, "INTENT1", &error);
  g_assert_no_error (error);
  g_assert_nonnull (seen);
  g_assert_cmpint (pm_bill_get_state (seen), ==, PM_BILL_STATE_QUEUED);
  g_assert_cmpint (pm_bill_get_price (seen), ==, 1200000);
  g_assert_cmpstr (pm_bill_get_payer_name (seen), ==, "박지훈");
  g_assert_cmpstr (pm_bill_get_product (seen), ==, "PT 20회");
  unsettled = pm_ledger_list_unsettled (other, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (unsettled->len, ==, 1);

  /* The same bill id twice is refused. */
  again = make_bill ("INTENT1", "p1", "박지훈", "01098765432", "PT 20회", 1200000,
                     TODAY, 0, PM_BILL_STATE_QUEUED);
  g_assert_false (pm_ledger_insert_intent (ledger, again, &error));
  g_assert_error (error, PM_ERROR, PM_ERROR_DUPLICATE_BILL);
  g_clear_error (&error);
  g_assert_cmpuint (added->len, ==, 1);

  events = pm_ledger_list_events (other, "INTENT1", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (events->len, ==, 1);
  g_assert_cmpstr (((PmLedgerEvent *) g_ptr_array_index (events, 0))->kind, ==,
                   PM_LEDGER_EVENT_CREATED);
  g_assert_cmpint (((PmLedgerEvent *) g_ptr_array_index (events, 0))->to_state, ==,
                   PM_BILL_STATE_QUEUED);

  g_assert_true (pm_ledger_lookup (ledger, "NOSUCHBILL", &error) == NULL);
  g_assert_no_error (error);
}

static void
test_states_and_events (void)
{
  g_autofree char *path = pm_test_tmp_path ("ledger-tests", "events.db");
  g_autoptr(PmLedger) ledger = pm_test_open_ledger (path);
  g_autoptr(PmBill) bill = NULL;
  g_autoptr(PmBill) row = NULL;
  g_autoptr(GPtrArray) changed = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) removed = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) events = NULL;
  g_autoptr(GError) error = NULL;
  static const struct { const char *kind; int from, to; } expected[] = {
    { PM_LEDGER_EVENT_CREATED, -1, PM_BILL_STATE_QUEUED },
    { PM_LEDGER_EVENT_STATE, PM_BILL_STATE_QUEUED, PM_BILL_STATE_SENDING },
    { PM_LEDGER_EVENT_STATE, PM_BILL_STATE_SENDING, PM_BILL_STATE_UNPAID },
    { PM_LEDGER_EVENT_RESEND, -1, -1 },
    { PM_LEDGER_EVENT_STATE, PM_BILL_STATE_UNPAID, PM_BILL_STATE_PAID },
    { PM_LEDGER_EVENT_STATE, PM_BILL_STATE_PAID, PM_BILL_STATE_CANCELLED },
  };

  g_signal_connect (ledger, "bill-changed", G_CALLBACK (count_signal_cb), changed);
  g_signal_connect (ledger, "bill-removed", G_CALLBACK (count_signal_cb), removed);

  bill = make_bill ("EV1", "p1", "최유진", "01022223333", "요가", 88000, TODAY,
                    BASE_TIME, PM_BILL_STATE_QUEUED);
  g_assert_true (pm_ledger_insert_intent (ledger, bill, &error));
  g_assert_true (pm_ledger_set_state (ledger, "EV1", PM_BILL_STATE_SENDING, NULL,
                                      BASE_TIME + 1, &error));
  /* Setting the same state again records nothing. */
  g_assert_true (pm_ledger_set_state (ledger, "EV1", PM_BILL_STATE_SENDING, NULL,
                                      BASE_TIME + 1, &error));
  g_assert_cmpuint (changed->len, ==, 1);

  /* update_bill writes every field and logs the state change. */
  pm_bill_set_state (bill, PM_BILL_STATE_UNPAID);
  pm_bill_set_short_url (bill, "https://pay.example/abc");
  pm_bill_set_updated_at (bill, BASE_TIME + 2);
  pm_bill_set_next_check_at (bill, BASE_TIME + 17);
  g_assert_true (pm_ledger_update_bill (ledger, bill, &error));
  g_assert_no_error (error);
  g_assert_true (pm_ledger_add_event (ledger, "EV1", BASE_TIME + 3, PM_LEDGER_EVENT_RESEND,
                                      -1, -1, "sent again", &error));
  g_assert_true (pm_ledger_set_state (ledger, "EV1", PM_BILL_STATE_PAID, "card",
                                      BASE_TIME + 4, &error));
  g_assert_true (pm_ledger_set_state (ledger, "EV1", PM_BILL_STATE_CANCELLED, "refund",
                                      BASE_TIME + 5, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (changed->len, ==, 4);

  row = pm_ledger_lookup (ledger, "EV1", &error);
  g_assert_cmpint (pm_bill_get_state (row), ==, PM_BILL_STATE_CANCELLED);
  g_assert_cmpstr (pm_bill_get_short_url (row), ==, "https://pay.example/abc");
  g_assert_cmpint (pm_bill_get_updated_at (row), ==, BASE_TIME + 5);

  events = pm_ledger_list_events (ledger, "EV1", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (events->len, ==, G_N_ELEMENTS (expected));
  for (guint i = 0; i < events->len; i++)
    {
      PmLedgerEvent *event = g_ptr_array_index (events, i);

      g_assert_cmpstr (event->kind, ==, expected[i].kind);
      g_assert_cmpint (event->from_state, ==, expected[i].from);
      g_assert_cmpint (event->to_state, ==, expected[i].to);
      if (i > 0)
        g_assert_cmpint (event->at, >=, ((PmLedgerEvent *) g_ptr_array_index (events, i - 1))->at);
    }
  g_assert_cmpstr (((PmLedgerEvent *) g_ptr_array_index (events, 5))->detail, ==, "refund");

  /* Unknown bills. */
  g_assert_false (pm_ledger_set_state (ledger, "NOPE", PM_BILL_STATE_PAID, NULL, 1, &error));
  g_assert_error (error, PM_ERROR, PM_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_assert_false (pm_ledger_add_event (ledger, "NOPE", 1, "note", -1, -1, NULL, &error));
  g_assert_error (error, PM_ERROR, PM_ERROR_NOT_FOUND);
  g_clear_error (&error);

  /* Deleting removes the timeline too. */
  g_assert_true (pm_ledger_delete_bill (ledger, "EV1", &error));
  g_assert_cmpuint (removed->len, ==, 1);
  g_clear_pointer (&events, g_ptr_array_unref);
  events = pm_ledger_list_events (ledger, "EV1", &error);
  g_assert_cmpuint (events->len, ==, 0);
}

static void
test_busy (void)
{
  g_autofree char *path = pm_test_tmp_path ("ledger-tests", "busy.db");
  g_autoptr(PmLedger) ledger = pm_test_open_ledger (path);
  g_autoptr(PmLedger) other = pm_test_open_ledger (path);
  g_autoptr(PmBill) bill = NULL;
  g_autoptr(GError) error = NULL;
  gint64 start;

  /* Another connection holds the write lock: the wait is bounded (5 s), then a clear
   * error. */
  g_assert_true (pm_ledger_begin (other, &error));
  bill = make_bill ("BUSY1", "p1", "정하늘", "01033334444", "수업", 1000, TODAY, BASE_TIME,
                    PM_BILL_STATE_QUEUED);
  start = g_get_monotonic_time ();
  g_assert_false (pm_ledger_insert_intent (ledger, bill, &error));
  g_assert_error (error, PM_ERROR, PM_ERROR_STORAGE);
  g_assert_nonnull (strstr (error->message, "busy"));
  g_assert_cmpint (g_get_monotonic_time () - start, >=, 4 * G_USEC_PER_SEC);
  g_clear_error (&error);
  pm_ledger_rollback (other);

  /* Once the other writer is gone, it works. */
  g_assert_true (pm_ledger_insert_intent (ledger, bill, &error));
  g_assert_no_error (error);
}

/* ---- queries ---- */

static const char *const names[] = {
  "김민수", "김민지", "이민수", "박서준", "최지우", "정하은", "Alice Kim", "김철수",
};
static const char *const products[] = {
  "3월 수강료", "필라테스 10회권", "PT 20회", "요가 월회비", "Lunch, \"special\"",
};

/* 48 bills over two profiles: every combination of the lists above, states in turn,
 * created one hour apart, prices distinct. */
static PmLedger *
fill_ledger (const char *path)
{
  PmLedger *ledger = pm_test_open_ledger (path);
  g_autoptr(GError) error = NULL;

  g_assert_true (pm_ledger_begin (ledger, &error));
  for (int i = 0; i < 48; i++)
    {
      g_autofree char *id = g_strdup_printf ("BILL%02dX%c", i, 'A' + i % 26);
      g_autofree char *phone = g_strdup_printf ("010%04d%04d", 1000 + i, 5678 + i % 3);
      PmBillState state = (PmBillState) (i % 8);
      const char *expire = i % 2 == 0 ? "2026-11-20" : "2026-12-31";
      g_autoptr(PmBill) bill = make_bill (id, i % 3 == 0 ? "p2" : "p1", names[i % 8], phone,
                                          products[i % 5], 1000 * (48 - i) + 7, expire,
                                          BASE_TIME + i * 3600, state);

      pm_bill_set_last_checked_at (bill, BASE_TIME + ((i * 7) % 48) * 60);
      insert (ledger, bill);
    }
  g_assert_true (pm_ledger_commit (ledger, &error));
  g_assert_no_error (error);
  return ledger;
}

static GPtrArray *
fetch_all (PmLedger      *ledger,
           PmLedgerQuery *query)
{
  g_autoptr(GError) error = NULL;
  GPtrArray *bills = pm_ledger_fetch (ledger, query, 0, 0, &error);
  guint n = 0;

  g_assert_no_error (error);
  g_assert_true (pm_ledger_count (ledger, query, &n, &error));
  g_assert_cmpuint (n, ==, bills->len);
  return bills;
}

static gboolean
has_id (GPtrArray  *bills,
        const char *bill_id)
{
  for (guint i = 0; i < bills->len; i++)
    if (g_str_equal (pm_bill_get_bill_id (g_ptr_array_index (bills, i)), bill_id))
      return TRUE;
  return FALSE;
}

static void
test_filters (void)
{
  g_autofree char *path = pm_test_tmp_path ("ledger-tests", "filters.db");
  g_autoptr(PmLedger) ledger = fill_ledger (path);
  g_autoptr(PmLedgerQuery) query = pm_ledger_query_new ();
  g_autoptr(GPtrArray) bills = NULL;

  pm_ledger_query_set_today (query, TODAY);
  bills = fetch_all (ledger, query);
  g_assert_cmpuint (bills->len, ==, 48);
  g_clear_pointer (&bills, g_ptr_array_unref);

  /* Profile. */
  pm_ledger_query_set_profile_id (query, "p2");
  bills = fetch_all (ledger, query);
  g_assert_cmpuint (bills->len, ==, 16);
  for (guint i = 0; i < bills->len; i++)
    g_assert_cmpstr (pm_bill_get_profile_id (g_ptr_array_index (bills, i)), ==, "p2");
  g_clear_pointer (&bills, g_ptr_array_unref);
  pm_ledger_query_set_profile_id (query, NULL);

  /* One state: i % 8 == PAID → 6 bills. */
  query->states = PM_LEDGER_STATE_BIT (PM_BILL_STATE_PAID);
  bills = fetch_all (ledger, query);
  g_assert_cmpuint (bills->len, ==, 6);
  for (guint i = 0; i < bills->len; i++)
    g_assert_cmpint (pm_bill_get_state (g_ptr_array_index (bills, i)), ==, PM_BILL_STATE_PAID);
  g_clear_pointer (&bills, g_ptr_array_unref);

  /* Unpaid (i % 8 == 4, always an even i, so all expire 2026-11-20): with today
   * 2026-11-23 they are all expired. */
  query->states = PM_LEDGER_STATE_BIT (PM_BILL_STATE_UNPAID);
  bills = fetch_all (ledger, query);
  g_assert_cmpuint (bills->len, ==, 0);
  g_clear_pointer (&bills, g_ptr_array_unref);
  query->states = PM_LEDGER_STATE_EXPIRED;
  bills = fetch_all (ledger, query);
  g_assert_cmpuint (bills->len, ==, 6);
  g_clear_pointer (&bills, g_ptr_array_unref);
  /* On the 19th they are not yet expired. */
  pm_ledger_query_set_today (query, "2026-11-19");
  bills = fetch_all (ledger, query);
  g_assert_cmpuint (bills->len, ==, 0);
  g_clear_pointer (&bills, g_ptr_array_unref);
  query->states = PM_LEDGER_STATE_BIT (PM_BILL_STATE_UNPAID);
  bills = fetch_all (ledger, query);
  g_assert_cmpuint (bills->len, ==, 6);
  g_clear_pointer (&bills, g_ptr_array_unref);
  pm_ledger_query_set_today (query, TODAY);

  /* Several states plus expired. */
  query->states = PM_LEDGER_STATE_BIT (PM_BILL_STATE_PAID)
                  | PM_LEDGER_STATE_BIT (PM_BILL_STATE_CANCELLED) | PM_LEDGER_STATE_EXPIRED;
  bills = fetch_all (ledger, query);
  g_assert_cmpuint (bills->len, ==, 18);
  g_clear_pointer (&bills, g_ptr_array_unref);
  /* Unpaid and expired together: every unpaid bill. */
  query->states = PM_LEDGER_STATE_BIT (PM_BILL_STATE_UNPAID) | PM_LEDGER_STATE_EXPIRED;
  bills = fetch_all (ledger, query);
  g_assert_cmpuint (bills->len, ==, 6);
  g_clear_pointer (&bills, g_ptr_array_unref);
  query->states = PM_LEDGER_STATES_ALL;

  /* Date range [from, to): bills 10 … 19. */
  query->created_from = BASE_TIME + 10 * 3600;
  query->created_to = BASE_TIME + 20 * 3600;
  bills = fetch_all (ledger, query);
  g_assert_cmpuint (bills->len, ==, 10);
  g_assert_true (has_id (bills, "BILL10XK"));
  g_assert_true (has_id (bills, "BILL19XT"));
  g_assert_false (has_id (bills, "BILL20XU"));
  g_clear_pointer (&bills, g_ptr_array_unref);

  /* Combined with a profile and a state. */
  pm_ledger_query_set_profile_id (query, "p1");
  query->states = PM_LEDGER_STATE_BIT (PM_BILL_STATE_QUEUED) | PM_LEDGER_STATE_BIT (PM_BILL_STATE_SENDING)
                  | PM_LEDGER_STATE_BIT (PM_BILL_STATE_UNKNOWN);
  bills = fetch_all (ledger, query);
  /* i in 10…19 with i % 3 != 0 and i % 8 < 3: 10, 16, 17 */
  g_assert_cmpuint (bills->len, ==, 3);
  g_assert_true (has_id (bills, "BILL10XK"));
  g_assert_true (has_id (bills, "BILL16XQ"));
  g_assert_true (has_id (bills, "BILL17XR"));
}

static int
compare_for_sort (PmBill       *a,
                  PmBill       *b,
                  PmLedgerSort  sort)
{
  switch (sort)
    {
    case PM_LEDGER_SORT_PAYER:
      return strcmp (pm_bill_get_payer_name (a), pm_bill_get_payer_name (b));
    case PM_LEDGER_SORT_AMOUNT:
      return (pm_bill_get_price (a) > pm_bill_get_price (b)) - (pm_bill_get_price (a) < pm_bill_get_price (b));
    case PM_LEDGER_SORT_STATE:
      return (int) pm_bill_get_state (a) - (int) pm_bill_get_state (b);
    case PM_LEDGER_SORT_EXPIRE_DATE:
      return strcmp (pm_bill_get_expire_date (a), pm_bill_get_expire_date (b));
    case PM_LEDGER_SORT_LAST_CHECKED:
      return (pm_bill_get_last_checked_at (a) > pm_bill_get_last_checked_at (b))
             - (pm_bill_get_last_checked_at (a) < pm_bill_get_last_checked_at (b));
    case PM_LEDGER_SORT_CREATED_AT:
    default:
      return (pm_bill_get_created_at (a) > pm_bill_get_created_at (b))
             - (pm_bill_get_created_at (a) < pm_bill_get_created_at (b));
    }
}

static void
test_sorts_and_paging (void)
{
  g_autofree char *path = pm_test_tmp_path ("ledger-tests", "sorts.db");
  g_autoptr(PmLedger) ledger = fill_ledger (path);
  g_autoptr(PmLedgerQuery) query = pm_ledger_query_new ();
  g_autoptr(GError) error = NULL;

  for (int sort = PM_LEDGER_SORT_CREATED_AT; sort <= PM_LEDGER_SORT_LAST_CHECKED; sort++)
    for (int desc = 0; desc <= 1; desc++)
      {
        g_autoptr(GPtrArray) all = NULL;
        g_autoptr(GPtrArray) paged = g_ptr_array_new_with_free_func (g_object_unref);

        query->sort = sort;
        query->descending = desc;
        all = fetch_all (ledger, query);
        g_assert_cmpuint (all->len, ==, 48);
        for (guint i = 1; i < all->len; i++)
          {
            int c = compare_for_sort (g_ptr_array_index (all, i - 1),
                                      g_ptr_array_index (all, i), sort);

            if (desc)
              g_assert_cmpint (c, >=, 0);
            else
              g_assert_cmpint (c, <=, 0);
          }

        /* Pages of 7 put together give the same order (ties broken the same way). */
        for (guint offset = 0; offset < 48; offset += 7)
          {
            g_autoptr(GPtrArray) page = pm_ledger_fetch (ledger, query, offset, 7, &error);

            g_assert_no_error (error);
            g_assert_cmpuint (page->len, ==, MIN (7, 48 - offset));
            for (guint i = 0; i < page->len; i++)
              g_ptr_array_add (paged, g_object_ref (g_ptr_array_index (page, i)));
          }
        g_assert_cmpuint (paged->len, ==, 48);
        for (guint i = 0; i < 48; i++)
          g_assert_cmpstr (pm_bill_get_bill_id (g_ptr_array_index (paged, i)), ==,
                           pm_bill_get_bill_id (g_ptr_array_index (all, i)));
      }

  /* A window in the query: rows 10 … 19 of the newest-first order. */
  {
    g_autoptr(GPtrArray) page = NULL;
    guint n = 0;

    query->sort = PM_LEDGER_SORT_CREATED_AT;
    query->descending = TRUE;
    query->offset = 10;
    query->limit = 10;
    g_assert_true (pm_ledger_count (ledger, query, &n, &error));
    g_assert_cmpuint (n, ==, 10);
    page = pm_ledger_fetch (ledger, query, 5, 100, &error);
    g_assert_cmpuint (page->len, ==, 5);
    g_assert_cmpstr (pm_bill_get_bill_id (g_ptr_array_index (page, 0)), ==, "BILL32XG");
    query->offset = 45;
    g_assert_true (pm_ledger_count (ledger, query, &n, &error));
    g_assert_cmpuint (n, ==, 3);
  }
}

static void
test_totals (void)
{
  g_autofree char *path = pm_test_tmp_path ("ledger-tests", "totals.db");
  g_autoptr(PmLedger) ledger = fill_ledger (path);
  g_autoptr(PmLedgerQuery) query = pm_ledger_query_new ();
  g_autoptr(GError) error = NULL;
  PmLedgerTotals totals;
  gint64 expect_won[PM_LEDGER_N_BUCKETS] = { 0 };
  gint64 expect_count[PM_LEDGER_N_BUCKETS] = { 0 };
  gint64 p1_won = 0, p1_count = 0;

  for (int i = 0; i < 48; i++)
    {
      int bucket = i % 8;

      if (bucket == PM_BILL_STATE_UNPAID && i % 2 == 0)
        bucket = PM_LEDGER_BUCKET_EXPIRED;
      expect_won[bucket] += 1000 * (48 - i) + 7;
      expect_count[bucket]++;
      if (i % 3 != 0 && (i % 8) == PM_BILL_STATE_PAID)
        {
          p1_won += 1000 * (48 - i) + 7;
          p1_count++;
        }
    }

  pm_ledger_query_set_today (query, TODAY);
  g_assert_true (pm_ledger_totals (ledger, query, &totals, &error));
  g_assert_no_error (error);
  g_assert_cmpint (totals.all.count, ==, 48);
  for (int b = 0; b < PM_LEDGER_N_BUCKETS; b++)
    {
      g_assert_cmpint (totals.by_state[b].count, ==, expect_count[b]);
      g_assert_cmpint (totals.by_state[b].won, ==, expect_won[b]);
    }
  g_assert_cmpint (totals.by_state[PM_BILL_STATE_UNPAID].count, ==, 0);
  g_assert_cmpint (totals.by_state[PM_LEDGER_BUCKET_EXPIRED].count, ==, 6);

  /* For a filter. */
  pm_ledger_query_set_profile_id (query, "p1");
  query->states = PM_LEDGER_STATE_BIT (PM_BILL_STATE_PAID);
  g_assert_true (pm_ledger_totals (ledger, query, &totals, &error));
  g_assert_cmpint (totals.all.count, ==, p1_count);
  g_assert_cmpint (totals.all.won, ==, p1_won);
  g_assert_cmpint (totals.by_state[PM_BILL_STATE_PAID].won, ==, p1_won);
  g_assert_cmpint (totals.by_state[PM_BILL_STATE_QUEUED].count, ==, 0);

  /* The kept counts follow state changes, price changes and deletions. */
  {
    g_autoptr(PmLedgerQuery) all = pm_ledger_query_new ();
    g_autoptr(PmBill) bill = NULL;
    PmLedgerTotals after;

    pm_ledger_query_set_today (all, TODAY);
    g_assert_true (pm_ledger_set_state (ledger, "BILL05XF", PM_BILL_STATE_CANCELLED, NULL,
                                        BASE_TIME, &error));
    bill = pm_ledger_lookup (ledger, "BILL13XN", &error);
    pm_bill_set_price (bill, pm_bill_get_price (bill) + 1);
    g_assert_true (pm_ledger_update_bill (ledger, bill, &error));
    g_assert_true (pm_ledger_delete_bill (ledger, "BILL21XV", &error));
    g_assert_no_error (error);
    g_assert_true (pm_ledger_totals (ledger, all, &after, &error));
    g_assert_cmpint (after.all.count, ==, 47);
    g_assert_cmpint (after.by_state[PM_BILL_STATE_PAID].count, ==, expect_count[PM_BILL_STATE_PAID] - 2);
    g_assert_cmpint (after.by_state[PM_BILL_STATE_PAID].won, ==,
                     expect_won[PM_BILL_STATE_PAID] - (1000 * (48 - 5) + 7) + 1 - (1000 * (48 - 21) + 7));
    g_assert_cmpint (after.by_state[PM_BILL_STATE_CANCELLED].count, ==,
                     expect_count[PM_BILL_STATE_CANCELLED] + 1);
    /* The same figures as summing the rows (a text filter takes the scanning path). */
    {
      g_autoptr(GPtrArray) rows = NULL;
      gint64 sum = 0;

      pm_ledger_query_set_text (all, "BILL");
      rows = pm_ledger_fetch (ledger, all, 0, 0, &error);
      for (guint i = 0; i < rows->len; i++)
        sum += pm_bill_get_price (g_ptr_array_index (rows, i));
      g_assert_cmpint (rows->len, ==, 47);
      g_assert_cmpint (sum, ==, after.all.won);
      g_assert_true (pm_ledger_totals (ledger, all, &totals, &error));
      g_assert_cmpint (totals.all.won, ==, after.all.won);
      g_assert_cmpint (totals.by_state[PM_LEDGER_BUCKET_EXPIRED].count, ==,
                       after.by_state[PM_LEDGER_BUCKET_EXPIRED].count);
    }
  }

  /* For a window: the most expensive p1 paid bill. */
  query->sort = PM_LEDGER_SORT_AMOUNT;
  query->descending = TRUE;
  query->limit = 1;
  g_assert_true (pm_ledger_totals (ledger, query, &totals, &error));
  g_assert_cmpint (totals.all.count, ==, 1);
  g_assert_cmpint (totals.all.won, ==, 1000 * (48 - 13) + 7 + 1);  /* bill 5 was cancelled */
}

static guint
search_count (PmLedger   *ledger,
              const char *text)
{
  g_autoptr(PmLedgerQuery) query = pm_ledger_query_new ();
  g_autoptr(GPtrArray) bills = NULL;

  pm_ledger_query_set_text (query, text);
  bills = fetch_all (ledger, query);
  return bills->len;
}

static void
test_search (void)
{
  g_autofree char *path = pm_test_tmp_path ("ledger-tests", "search.db");
  g_autoptr(PmLedger) ledger = fill_ledger (path);
  g_autoptr(PmLedgerQuery) query = pm_ledger_query_new ();
  g_autoptr(GPtrArray) bills = NULL;

  /* Korean, full names and substrings (6 bills per name). */
  g_assert_cmpuint (search_count (ledger, "김민수"), ==, 6);
  g_assert_cmpuint (search_count (ledger, "김민"), ==, 12);       /* short: name prefix */
  g_assert_cmpuint (search_count (ledger, "김"), ==, 18);         /* 김민수 김민지 김철수 */
  g_assert_cmpuint (search_count (ledger, "이민"), ==, 6);        /* short: 이민수 */
  g_assert_cmpuint (search_count (ledger, "민수"), ==, 12);       /* a given name: 김민수 이민수 */
  g_assert_cmpuint (search_count (ledger, "철수"), ==, 6);        /* 김철수 */
  g_assert_cmpuint (search_count (ledger, "%수"), ==, 0);         /* wildcards are text */
  g_assert_cmpuint (search_count (ledger, "_수"), ==, 0);
  g_assert_cmpuint (search_count (ledger, " 이민수 "), ==, 6);
  g_assert_cmpuint (search_count (ledger, "alice"), ==, 6);       /* case-insensitive */
  g_assert_cmpuint (search_count (ledger, "ice kim"), ==, 6);     /* words anywhere */
  /* Product words, inside a longer text. */
  g_assert_cmpuint (search_count (ledger, "수강료"), ==, 10);
  g_assert_cmpuint (search_count (ledger, "필라테스"), ==, 10);
  g_assert_cmpuint (search_count (ledger, "special"), ==, 9);
  g_assert_cmpuint (search_count (ledger, "요가 월회비"), ==, 9);
  /* Phone digits, typed with or without hyphens. */
  g_assert_cmpuint (search_count (ledger, "01010075"), ==, 1);    /* bill 7 */
  g_assert_cmpuint (search_count (ledger, "1007-5"), ==, 1);
  g_assert_cmpuint (search_count (ledger, "010-1007-5679"), ==, 1);
  g_assert_cmpuint (search_count (ledger, "5678"), ==, 16);       /* i % 3 == 0 */
  g_assert_cmpuint (search_count (ledger, "01"), ==, 48);         /* short: phone prefix */
  /* Bill ids, partial and lower case. */
  g_assert_cmpuint (search_count (ledger, "BILL07XH"), ==, 1);
  g_assert_cmpuint (search_count (ledger, "bill07x"), ==, 1);    /* from the start */
  g_assert_cmpuint (search_count (ledger, "l07x"), ==, 0);
  g_assert_cmpuint (search_count (ledger, "ILL"), ==, 48);        /* letters: anywhere */
  g_assert_cmpuint (search_count (ledger, "bi"), ==, 48);         /* short: id prefix */
  /* Nothing, and odd characters that must not break the query. */
  g_assert_cmpuint (search_count (ledger, "없는이름"), ==, 0);
  g_assert_cmpuint (search_count (ledger, "\"quoted\" OR *"), ==, 0);
  g_assert_cmpuint (search_count (ledger, "'; DROP TABLE bills; --"), ==, 0);
  g_assert_cmpuint (search_count (ledger, "%"), ==, 0);
  g_assert_cmpuint (search_count (ledger, ""), ==, 48);

  /* Search with a filter and a sort. */
  pm_ledger_query_set_text (query, "김민");
  pm_ledger_query_set_profile_id (query, "p1");
  query->sort = PM_LEDGER_SORT_AMOUNT;
  query->descending = FALSE;
  bills = fetch_all (ledger, query);
  g_assert_cmpuint (bills->len, ==, 8);
  for (guint i = 1; i < bills->len; i++)
    g_assert_cmpint (pm_bill_get_price (g_ptr_array_index (bills, i - 1)), <,
                     pm_bill_get_price (g_ptr_array_index (bills, i)));
}

/* ---- the poller, reconciliation, autocompletion ---- */

static void
test_due_unsettled_payers (void)
{
  g_autofree char *path = pm_test_tmp_path ("ledger-tests", "due.db");
  g_autoptr(PmLedger) ledger = fill_ledger (path);
  g_autoptr(GPtrArray) due = NULL;
  g_autoptr(GPtrArray) unsettled = NULL;
  g_autoptr(GPtrArray) payers = NULL;
  g_autoptr(GError) error = NULL;

  /* Schedule: bill i next at BASE + i; 0 = not scheduled for i >= 40. */
  for (int i = 0; i < 48; i++)
    {
      g_autofree char *id = g_strdup_printf ("BILL%02dX%c", i, 'A' + i % 26);

      g_assert_true (pm_ledger_set_check_times (ledger, id, BASE_TIME, i < 40 ? BASE_TIME + i : 0,
                                                &error));
    }
  g_assert_no_error (error);
  g_assert_false (pm_ledger_set_check_times (ledger, "NOPE", 1, 2, &error));
  g_assert_error (error, PM_ERROR, PM_ERROR_NOT_FOUND);
  g_clear_error (&error);

  /* Due at BASE + 20: i = 0 … 20, minus the final ones (i % 8 = 3, 6, 7: 3 6 7 11 14 15 19). */
  due = pm_ledger_list_due (ledger, NULL, BASE_TIME + 20, 0, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (due->len, ==, 21 - 7);
  for (guint i = 0; i < due->len; i++)
    {
      PmBill *bill = g_ptr_array_index (due, i);

      g_assert_false (pm_bill_state_is_final (pm_bill_get_state (bill)));
      g_assert_cmpint (pm_bill_get_next_check_at (bill), <=, BASE_TIME + 20);
      if (i > 0)
        g_assert_cmpint (pm_bill_get_next_check_at (g_ptr_array_index (due, i - 1)), <=,
                         pm_bill_get_next_check_at (bill));
    }
  g_clear_pointer (&due, g_ptr_array_unref);
  due = pm_ledger_list_due (ledger, NULL, BASE_TIME + 20, 4, &error);
  g_assert_cmpuint (due->len, ==, 4);
  g_assert_cmpint (pm_ledger_next_due_time (ledger, NULL, &error), ==, BASE_TIME);

  /* Unsettled: queued, sending, unknown, oldest first. */
  unsettled = pm_ledger_list_unsettled (ledger, NULL, &error);
  g_assert_cmpuint (unsettled->len, ==, 18);
  for (guint i = 0; i < unsettled->len; i++)
    g_assert_cmpint (pm_bill_get_state (g_ptr_array_index (unsettled, i)), <=,
                     PM_BILL_STATE_UNKNOWN);
  g_assert_cmpstr (pm_bill_get_bill_id (g_ptr_array_index (unsettled, 0)), ==, "BILL00XA");

  /* Recent payers: distinct, newest first. */
  payers = pm_ledger_recent_payers (ledger, NULL, "김민", 20, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (payers->len, ==, 12);
  g_clear_pointer (&payers, g_ptr_array_unref);
  payers = pm_ledger_recent_payers (ledger, "p1", NULL, 3, &error);
  g_assert_cmpuint (payers->len, ==, 3);
  g_assert_cmpstr (((PmLedgerPayer *) g_ptr_array_index (payers, 0))->name, ==, names[47 % 8]);
  g_clear_pointer (&payers, g_ptr_array_unref);
  payers = pm_ledger_recent_payers (ledger, NULL, "010-1007", 10, &error);
  g_assert_cmpuint (payers->len, ==, 1);
  g_assert_cmpstr (((PmLedgerPayer *) g_ptr_array_index (payers, 0))->phone, ==, "01010075679");
  g_clear_pointer (&payers, g_ptr_array_unref);

  /* AutoPay payers and batches. */
  g_assert_true (pm_ledger_save_payer (ledger, "p1", "01012345678", "김민수", 100, &error));
  g_assert_true (pm_ledger_save_payer (ledger, "p1", "01012345678", "김민수2", 200, &error));
  g_assert_true (pm_ledger_save_payer (ledger, "p1", "01099998888", "가나다", 300, &error));
  g_assert_true (pm_ledger_save_payer (ledger, "p2", "01077776666", "other", 300, &error));
  payers = pm_ledger_list_payers (ledger, "p1", &error);
  g_assert_cmpuint (payers->len, ==, 2);
  g_assert_cmpstr (((PmLedgerPayer *) g_ptr_array_index (payers, 0))->name, ==, "가나다");
  g_assert_cmpstr (((PmLedgerPayer *) g_ptr_array_index (payers, 1))->name, ==, "김민수2");
  g_assert_true (pm_ledger_delete_payer (ledger, "p1", "01099998888", &error));
  g_clear_pointer (&payers, g_ptr_array_unref);
  payers = pm_ledger_list_payers (ledger, "p1", &error);
  g_assert_cmpuint (payers->len, ==, 1);

  g_assert_true (pm_ledger_insert_batch (ledger, "B1", "3월.csv", 10, BASE_TIME, &error));
  g_assert_true (pm_ledger_update_batch (ledger, "B1", 9, 1, &error));
  g_assert_no_error (error);
  g_assert_false (pm_ledger_update_batch (ledger, "B2", 9, 1, &error));
  g_assert_error (error, PM_ERROR, PM_ERROR_NOT_FOUND);
  g_assert_cmpint (pm_test_sql_int (path, "SELECT n_sent * 100 + n_failed FROM batches"), ==, 901);
}

/* ---- export ---- */

/* A small RFC 4180 reader for the test: rows of fields. */
static GPtrArray *
parse_csv (const char *text)
{
  GPtrArray *rows = g_ptr_array_new_with_free_func ((GDestroyNotify) g_ptr_array_unref);
  GPtrArray *row = g_ptr_array_new_with_free_func (g_free);
  GString *field = g_string_new (NULL);
  const char *p = text;

  while (*p != '\0')
    {
      if (*p == '"')
        {
          for (p++; *p != '\0'; p++)
            {
              if (*p == '"' && p[1] == '"')
                {
                  g_string_append_c (field, '"');
                  p++;
                }
              else if (*p == '"')
                {
                  p++;
                  break;
                }
              else
                g_string_append_c (field, *p);
            }
          continue;
        }
      if (*p == ',')
        {
          g_ptr_array_add (row, g_strdup (field->str));
          g_string_truncate (field, 0);
        }
      else if (*p == '\r' && p[1] == '\n')
        {
          g_ptr_array_add (row, g_strdup (field->str));
          g_string_truncate (field, 0);
          g_ptr_array_add (rows, row);
          row = g_ptr_array_new_with_free_func (g_free);
          p++;
        }
      else
        g_string_append_c (field, *p);
      p++;
    }
  g_assert_cmpuint (row->len, ==, 0);
  g_ptr_array_unref (row);
  g_string_free (field, TRUE);
  return rows;
}

static int
column_index (GPtrArray  *header,
              const char *name)
{
  for (guint i = 0; i < header->len; i++)
    if (g_str_equal (g_ptr_array_index (header, i), name))
      return (int) i;
  g_assert_not_reached ();
  return -1;
}

static void
test_export (void)
{
  g_autofree char *path = pm_test_tmp_path ("ledger-tests", "export.db");
  g_autofree char *csv_path = pm_test_tmp_path ("ledger-tests", "export.csv");
  g_autoptr(PmLedger) ledger = fill_ledger (path);
  g_autoptr(PmLedgerQuery) query = pm_ledger_query_new ();
  g_autoptr(PmBill) odd = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) rows = NULL;
  g_autofree char *contents = NULL;
  GPtrArray *header, *row;
  guint64 n_rows = 0;
  guint count = 0;
  int c_id, c_product, c_note, c_price, c_created, c_state, c_phone, c_name, c_expired;

  odd = make_bill ("ODD1", "p1", "김 \"별명\" 민수", "01012345678",
                   "사과, 배\n그리고 \"감\"", 9999999999, "2026-11-30",
                   BASE_TIME + 100 * 3600, PM_BILL_STATE_PAID);
  pm_bill_set_note (odd, "line1\r\nline2");
  insert (ledger, odd);
  {
    /* text that a spreadsheet would run as a formula */
    g_autoptr(PmBill) formula = make_bill ("FORMULA1", "p1", "=HYPERLINK(\"http://x\",\"x\")",
                                           "01012345678", "@SUM(1,2)", 1000, "2026-11-30",
                                           BASE_TIME + 50 * 3600, PM_BILL_STATE_DESTROYED);

    pm_bill_set_note (formula, "-2+3");
    insert (ledger, formula);
  }

  pm_ledger_query_set_profile_id (query, "p1");
  pm_ledger_query_set_today (query, TODAY);
  g_assert_true (pm_ledger_count (ledger, query, &count, &error));
  g_assert_true (pm_ledger_export_csv_to_path (ledger, query, csv_path, &n_rows, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (n_rows, ==, count);
  g_assert_cmpuint (count, ==, 34);

  g_assert_true (g_file_get_contents (csv_path, &contents, NULL, NULL));
  g_assert_true (g_str_has_prefix (contents, "\xef\xbb\xbf" "bill_id,state,"));
  g_assert_true (g_utf8_validate (contents, -1, NULL));
  rows = parse_csv (contents + 3);
  g_assert_cmpuint (rows->len, ==, count + 1);
  header = g_ptr_array_index (rows, 0);
  c_id = column_index (header, "bill_id");
  c_product = column_index (header, "product");
  c_note = column_index (header, "note");
  c_price = column_index (header, "price");
  c_created = column_index (header, "created_at");
  c_state = column_index (header, "state");
  c_phone = column_index (header, "phone");
  c_name = column_index (header, "payer_name");
  c_expired = column_index (header, "expired");
  for (guint i = 1; i < rows->len; i++)
    g_assert_cmpuint (((GPtrArray *) g_ptr_array_index (rows, i))->len, ==, header->len);

  /* Newest first: the odd bill leads; every special character survives. */
  row = g_ptr_array_index (rows, 1);
  g_assert_cmpstr (g_ptr_array_index (row, c_id), ==, "ODD1");
  g_assert_cmpstr (g_ptr_array_index (row, c_product), ==, "사과, 배\n그리고 \"감\"");
  g_assert_cmpstr (g_ptr_array_index (row, c_note), ==, "line1\r\nline2");
  g_assert_cmpstr (g_ptr_array_index (row, c_name), ==, "김 \"별명\" 민수");
  g_assert_cmpstr (g_ptr_array_index (row, c_price), ==, "9999999999");
  g_assert_cmpstr (g_ptr_array_index (row, c_state), ==, "paid");
  g_assert_cmpstr (g_ptr_array_index (row, c_phone), ==, "010-1234-5678");
  /* BASE_TIME + 100 h = 2026-11-22 15:06:40 UTC = the 23rd, 00:06:40 in Seoul. */
  g_assert_cmpstr (g_ptr_array_index (row, c_created), ==, "2026-11-23 00:06:40");
  g_assert_true (strstr (contents, "\"사과, 배\n그리고 \"\"감\"\"\"") != NULL);

  /* Formula-like text is exported as text (a leading apostrophe), nothing else is. */
  for (guint i = 1; i <= rows->len; i++)
    {
      g_assert_cmpuint (i, <, rows->len); /* the row is there */
      row = g_ptr_array_index (rows, i);
      if (!g_str_equal (g_ptr_array_index (row, c_id), "FORMULA1"))
        continue;
      g_assert_cmpstr (g_ptr_array_index (row, c_name), ==, "'=HYPERLINK(\"http://x\",\"x\")");
      g_assert_cmpstr (g_ptr_array_index (row, c_product), ==, "'@SUM(1,2)");
      g_assert_cmpstr (g_ptr_array_index (row, c_note), ==, "'-2+3");
      g_assert_cmpstr (g_ptr_array_index (row, c_price), ==, "1000");
      break;
    }

  /* An expired unpaid bill says so. */
  for (guint i = 1; i < rows->len; i++)
    {
      row = g_ptr_array_index (rows, i);
      if (g_str_equal (g_ptr_array_index (row, c_state), "unpaid"))
        g_assert_cmpstr (g_ptr_array_index (row, c_expired), ==, "yes");
    }

  /* A narrower query gives fewer rows, into a memory stream. */
  {
    g_autoptr(GOutputStream) out = g_memory_output_stream_new_resizable ();

    query->states = PM_LEDGER_STATE_BIT (PM_BILL_STATE_PAID);
    g_assert_true (pm_ledger_count (ledger, query, &count, &error));
    g_assert_true (pm_ledger_export_csv (ledger, query, out, &n_rows, NULL, &error));
    g_assert_true (g_output_stream_close (out, NULL, NULL));
    g_assert_cmpuint (n_rows, ==, count);
    g_assert_cmpuint (count, ==, 5);
  }
}

/* ---- short Hangul searches through bill_grams (schema v4) ---- */

static const char *const gram_names[] = {
  "김영희", "이영희", "영희", "박민", "민", "민민수", "남궁민수", "김 민수", "Kim 민지",
  "선우영", "황보민아", "제갈영희", "", "김민김민", "이서준", "서영", "MINSU", "민 ", "희",
  "ab김c", "최수", "준서민", "영희영희", "오민석", "윤서연",
};

static int
compare_strings (gconstpointer a,
                 gconstpointer b)
{
  return strcmp (*(char *const *) a, *(char *const *) b);
}

/* The bill ids of @bills, sorted, comma-separated. */
static char *
joined_ids (GPtrArray *bills)
{
  g_autoptr(GPtrArray) ids = g_ptr_array_new ();
  g_autoptr(GString) out = g_string_new (NULL);

  for (guint i = 0; i < bills->len; i++)
    g_ptr_array_add (ids, (gpointer) pm_bill_get_bill_id (g_ptr_array_index (bills, i)));
  g_ptr_array_sort (ids, compare_strings);
  for (guint i = 0; i < ids->len; i++)
    g_string_append_printf (out, "%s%s", i > 0 ? "," : "", (char *) g_ptr_array_index (ids, i));
  return g_string_free (g_steal_pointer (&out), FALSE);
}

/* What the old scan found: payer names containing @word (LIKE, case-insensitive for
 * ASCII), read straight from the file. */
static char *
like_ids (const char *path,
          const char *word)
{
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = NULL;
  g_autofree char *pattern = g_strdup_printf ("%%%s%%", word);
  char *out;

  g_assert_cmpint (sqlite3_open (path, &db), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_prepare_v2 (db, "SELECT coalesce (group_concat (bill_id, ','), '') "
                                           "FROM (SELECT bill_id FROM bills WHERE payer_name "
                                           "LIKE ?1 ORDER BY bill_id)", -1, &stmt, NULL),
                   ==, SQLITE_OK);
  sqlite3_bind_text (stmt, 1, pattern, -1, SQLITE_TRANSIENT);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  out = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
  sqlite3_finalize (stmt);
  sqlite3_close (db);
  return out;
}

static char *
search_ids (PmLedger   *ledger,
            const char *text)
{
  g_autoptr(PmLedgerQuery) query = pm_ledger_query_new ();
  g_autoptr(GPtrArray) bills = NULL;

  pm_ledger_query_set_text (query, text);
  bills = fetch_all (ledger, query);
  return joined_ids (bills);
}

/* Every one- and two-character piece (no space) of every name, and a few absent ones:
 * the index finds what the LIKE scan finds. */
static void
check_grams_match_like (PmLedger   *ledger,
                        const char *path)
{
  g_autoptr(GHashTable) words = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  static const char *const absent[] = { "없", "힣힣", "영수", "희김" };
  GHashTableIter iter;
  gpointer key;

  for (guint i = 0; i < G_N_ELEMENTS (gram_names); i++)
    {
      glong len = g_utf8_strlen (gram_names[i], -1);

      for (glong at = 0; at < len; at++)
        for (glong n = 1; n <= 2 && at + n <= len; n++)
          {
            const char *start = g_utf8_offset_to_pointer (gram_names[i], at);
            const char *end = g_utf8_offset_to_pointer (start, n);
            g_autofree char *word = g_strndup (start, end - start);
            gboolean ascii_alnum = TRUE;

            for (const char *p = word; *p != '\0'; p++)
              ascii_alnum = ascii_alnum && g_ascii_isalnum (*p);
            /* short ASCII words keep the prefix search (and a space splits words) */
            if (ascii_alnum || strchr (word, ' ') != NULL)
              continue;
            g_hash_table_add (words, g_steal_pointer (&word));
          }
    }
  for (guint i = 0; i < G_N_ELEMENTS (absent); i++)
    g_hash_table_add (words, g_strdup (absent[i]));
  g_assert_cmpuint (g_hash_table_size (words), >, 40);

  g_hash_table_iter_init (&iter, words);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    {
      g_autofree char *found = search_ids (ledger, key);
      g_autofree char *scanned = like_ids (path, key);

      if (g_strcmp0 (found, scanned) != 0)
        g_error ("search “%s”: index found [%s], LIKE scan [%s]", (char *) key, found, scanned);
    }
}

static void
fill_gram_ledger (PmLedger *ledger)
{
  for (guint copy = 0; copy < 2; copy++)
    for (guint i = 0; i < G_N_ELEMENTS (gram_names); i++)
      {
        g_autofree char *id = g_strdup_printf ("G%u-%02u", copy, i);
        g_autoptr(PmBill) bill = make_bill (id, copy == 0 ? "p1" : "p2", gram_names[i],
                                            "01011112222", "item", 1000, TODAY,
                                            BASE_TIME + i, copy == 0 ? PM_BILL_STATE_PAID
                                                                     : PM_BILL_STATE_UNPAID);
        insert (ledger, bill);
      }
}

static void
assert_no_bills_scan (PmLedger            *ledger,
                      const PmLedgerQuery *query)
{
  g_autofree char *plan = pm_ledger_explain_for_testing (ledger, query, 0, 50);
  g_auto(GStrv) lines = g_strsplit (plan, "\n", -1);

  g_assert_nonnull (strstr (plan, "bill_grams"));
  /* the totals read one narrow entry per match, never the bills' rows (schema v6) */
  g_assert_nonnull (strstr (plan, "SEARCH b USING COVERING INDEX bills_facts"));
  for (guint i = 0; lines[i] != NULL; i++)
    {
      /* a full scan of the table, or a walk of the payer-name index, is what it was */
      if (g_str_equal (lines[i], "SCAN bills") || g_str_equal (lines[i], "SCAN b")
          || strstr (lines[i], "bills_payer") != NULL)
        g_error ("search “%s” scans: %s", query->text, plan);
    }
}

static void
test_search_grams (void)
{
  g_autofree char *path = pm_test_tmp_path ("ledger-tests", "grams.db");
  g_autoptr(PmLedger) ledger = pm_test_open_ledger (path);
  g_autoptr(GError) error = NULL;
  g_autoptr(PmBill) bill = NULL;
  g_autoptr(PmLedgerQuery) query = pm_ledger_query_new ();
  g_autofree char *ids = NULL;

  fill_gram_ledger (ledger);
  check_grams_match_like (ledger, path);

  /* a given name, a syllable anywhere */
  ids = search_ids (ledger, "영희");
  g_assert_cmpstr (ids, ==, "G0-00,G0-01,G0-02,G0-11,G0-22,G1-00,G1-01,G1-02,G1-11,G1-22");
  g_clear_pointer (&ids, g_free);
  ids = search_ids (ledger, "민지");
  g_assert_cmpstr (ids, ==, "G0-08,G1-08");
  g_clear_pointer (&ids, g_free);

  /* renamed and deleted bills leave the index */
  bill = pm_ledger_lookup (ledger, "G0-04", &error);
  g_assert_no_error (error);
  pm_bill_set_payer_name (bill, "최영희");
  g_assert_true (pm_ledger_update_bill (ledger, bill, &error));
  g_assert_no_error (error);
  g_assert_true (pm_ledger_delete_bill (ledger, "G1-02", &error));
  g_assert_no_error (error);
  check_grams_match_like (ledger, path);
  ids = search_ids (ledger, "최영");
  g_assert_cmpstr (ids, ==, "G0-04");
  g_clear_pointer (&ids, g_free);
  g_assert_cmpint (pm_test_sql_int (path, "SELECT count(*) FROM bill_grams WHERE id = "
                                  "(SELECT id FROM bills WHERE bill_id = 'G0-04') "
                                  "AND gram IN ('민', '최', '영', '희', '최영', '영희')"), ==, 5);

  /* a bill-id-like word (letters and digits) inside a name, any case */
  {
    g_autoptr(PmBill) shop = make_bill ("SHOP1", "p1", "Shop X12Y", "01011112222", "item", 1000,
                                        TODAY, BASE_TIME, PM_BILL_STATE_PAID);
    g_autofree char *found = NULL;
    g_autofree char *scanned = NULL;

    insert (ledger, shop);
    found = search_ids (ledger, "x12y");
    g_assert_cmpstr (found, ==, "SHOP1");
    g_clear_pointer (&found, g_free);
    found = search_ids (ledger, "X12");
    scanned = like_ids (path, "X12");
    g_assert_cmpstr (found, ==, scanned);
    g_assert_cmpstr (found, ==, "SHOP1");
  }

  /* through the index, alone, with a filter, sorted otherwise */
  pm_ledger_query_set_text (query, "영희");
  assert_no_bills_scan (ledger, query);
  pm_ledger_query_set_text (query, "민");
  assert_no_bills_scan (ledger, query);
  pm_ledger_query_set_profile_id (query, "p1");
  assert_no_bills_scan (ledger, query);
  query->states = PM_LEDGER_STATE_BIT (PM_BILL_STATE_PAID);
  assert_no_bills_scan (ledger, query);
  query->sort = PM_LEDGER_SORT_PAYER;
  pm_ledger_query_set_text (query, "김민");
  assert_no_bills_scan (ledger, query);
}

static void
test_migrate_v3_to_v4 (void)
{
  g_autofree char *path = pm_test_tmp_path ("ledger-tests", "grams-v3.db");
  g_autoptr(PmLedger) ledger = NULL;
  g_autoptr(GError) error = NULL;
  const PmLedgerMigration *builtin;
  guint n = 0;

  /* a file of schema 3 with named bills: no gram index */
  builtin = pm_ledger_get_migrations (&n);
  g_assert_cmpuint (n, >=, 4);
  ledger = pm_ledger_new_with_migrations (path, builtin, 3, &error);
  g_assert_no_error (error);
  fill_gram_ledger (ledger);
  g_clear_object (&ledger);
  g_assert_cmpint (pm_test_sql_int (path, "PRAGMA user_version"), ==, 3);
  g_assert_cmpint (pm_test_sql_int (path, "SELECT count(*) FROM sqlite_master "
                                  "WHERE name = 'bill_grams'"), ==, 0);

  /* this version indexes what was there, and what comes */
  ledger = pm_test_open_ledger (path);
  g_assert_cmpint (pm_test_sql_int (path, "PRAGMA user_version"), ==, PM_LEDGER_SCHEMA_VERSION);
  g_assert_cmpint (pm_test_sql_int (path, "SELECT count(*) FROM bill_grams"), >, 100);
  check_grams_match_like (ledger, path);
  {
    g_autoptr(PmBill) bill = make_bill ("NEW1", "p1", "조민영", "01011112222", "item", 1000,
                                        TODAY, BASE_TIME, PM_BILL_STATE_PAID);
    g_autofree char *ids = NULL;

    insert (ledger, bill);
    ids = search_ids (ledger, "민영");
    g_assert_cmpstr (ids, ==, "NEW1");
  }
  check_grams_match_like (ledger, path);
}

/* ---- the text indexes take new bills later (schema v5) ---- */

static int
indexed_to (const char *path)
{
  return pm_test_sql_int (path, "SELECT value FROM ledger_meta WHERE key = 'text_indexed_to'");
}

static void
test_text_index_later (void)
{
  g_autofree char *path = pm_test_tmp_path ("ledger-tests", "text-later.db");
  g_autoptr(PmLedger) ledger = pm_test_open_ledger (path);
  g_autoptr(GError) error = NULL;
  g_autoptr(PmBill) renamed = NULL;
  g_autofree char *ids = NULL;
  guint left = 99;
  const char *later_names[] = { "김민수", "이서연", "박민지", "최하은" };

  /* an insert writes neither text index */
  for (guint i = 0; i < G_N_ELEMENTS (later_names); i++)
    {
      g_autofree char *id = g_strdup_printf ("T%u", i);
      g_autofree char *phone = g_strdup_printf ("0101234567%u", i);
      g_autoptr(PmBill) bill = make_bill (id, "p1", later_names[i], phone, "12월 수강료", 10000,
                                          "2026-12-31", BASE_TIME + i, PM_BILL_STATE_UNPAID);

      insert (ledger, bill);
    }
  g_assert_cmpint (indexed_to (path), ==, 0);
  g_assert_cmpint (pm_test_sql_int (path, "SELECT count(*) FROM bill_grams"), ==, 0);

  /* renamed before it was indexed: the index gets the new name only */
  renamed = pm_ledger_lookup (ledger, "T3", &error);
  g_assert_no_error (error);
  pm_bill_set_payer_name (renamed, "정예린");
  g_assert_true (pm_ledger_update_bill (ledger, renamed, &error));
  g_assert_no_error (error);

  /* a search finds every bill all the same: it indexes them first */
  ids = search_ids (ledger, "민");
  g_assert_cmpstr (ids, ==, "T0,T2");
  g_clear_pointer (&ids, g_free);
  ids = search_ids (ledger, "수강료");
  g_assert_cmpstr (ids, ==, "T0,T1,T2,T3");
  g_clear_pointer (&ids, g_free);
  ids = search_ids (ledger, "하은");
  g_assert_cmpstr (ids, ==, "");
  g_clear_pointer (&ids, g_free);
  ids = search_ids (ledger, "예린");
  g_assert_cmpstr (ids, ==, "T3");
  g_clear_pointer (&ids, g_free);
  g_assert_cmpint (indexed_to (path), ==, 4);
  g_assert_true (pm_ledger_index_text (ledger, 0, &left, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (left, ==, 0);

  /* the highest id deleted and given again: that bill is indexed at once, the old
   * one's text is gone */
  g_assert_true (pm_ledger_delete_bill (ledger, "T3", &error));
  g_assert_no_error (error);
  {
    g_autoptr(PmBill) bill = make_bill ("T4", "p1", "한도윤", "01099990000", "교재비", 5000,
                                        "2026-12-31", BASE_TIME + 9, PM_BILL_STATE_UNPAID);

    insert (ledger, bill);
  }
  g_assert_cmpint (pm_test_sql_int (path, "SELECT id FROM bills WHERE bill_id = 'T4'"), ==, 4);
  g_assert_cmpint (pm_test_sql_int (path, "SELECT count(*) FROM bill_grams WHERE id = 4 AND gram = '도윤'"),
                   ==, 1);
  ids = search_ids (ledger, "도윤");
  g_assert_cmpstr (ids, ==, "T4");
  g_clear_pointer (&ids, g_free);
  ids = search_ids (ledger, "예린");
  g_assert_cmpstr (ids, ==, "");
  g_clear_pointer (&ids, g_free);

  /* a bounded step leaves the rest for later; closing the ledger indexes what is left */
  for (guint i = 5; i < 15; i++)
    {
      g_autofree char *id = g_strdup_printf ("T%u", i);
      g_autoptr(PmBill) bill = make_bill (id, "p1", "오지안", "01055550000", "PT 10회", 7000,
                                          "2026-12-31", BASE_TIME + i, PM_BILL_STATE_UNPAID);

      insert (ledger, bill);
    }
  g_assert_true (pm_ledger_index_text (ledger, 4, &left, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (left, ==, 6);
  g_assert_cmpint (indexed_to (path), ==, 8);
  g_clear_object (&ledger);
  g_assert_cmpint (indexed_to (path), ==, 14);
  g_assert_cmpint (pm_test_sql_int (path, "SELECT count(*) FROM bills_fts WHERE bills_fts MATCH '\"PT 10\"'"),
                   ==, 10);
}

/* ---- group commit: what need not be durable shares one transaction ---- */

static void
test_group_commit (void)
{
  g_autofree char *path = pm_test_tmp_path ("ledger-tests", "group.db");
  g_autoptr(PmLedger) ledger = pm_test_open_ledger (path);
  g_autoptr(GError) error = NULL;
  g_autoptr(PmBill) seen = NULL;
  guint64 groups;

  pm_ledger_set_group_commit (ledger, 60000);   /* only flushes and intents commit */
  {
    g_autoptr(PmBill) a = make_bill ("GA", "p1", "김민수", "01011112222", "수강료", 10000,
                                     "2026-12-31", BASE_TIME, PM_BILL_STATE_UNPAID);
    g_autoptr(PmBill) b = make_bill ("GB", "p1", "이서연", "01033334444", "수강료", 20000,
                                     "2026-12-31", BASE_TIME + 1, PM_BILL_STATE_UNPAID);

    insert (ledger, a);
    insert (ledger, b);
  }
  /* this connection sees them at once, another one not before the group commits */
  seen = pm_ledger_lookup (ledger, "GB", &error);
  g_assert_no_error (error);
  g_assert_nonnull (seen);
  g_clear_object (&seen);
  g_assert_cmpint (pm_test_sql_int (path, "SELECT count(*) FROM bills"), ==, 0);

  /* a write that fails undoes only itself */
  pm_ledger_set_fail_writes_for_testing (ledger, TRUE);
  g_assert_false (pm_ledger_set_state (ledger, "GA", PM_BILL_STATE_PAID, NULL, BASE_TIME + 5,
                                       &error));
  g_assert_error (error, PM_ERROR, PM_ERROR_STORAGE);
  g_clear_error (&error);
  pm_ledger_set_fail_writes_for_testing (ledger, FALSE);
  g_assert_true (pm_ledger_set_state (ledger, "GB", PM_BILL_STATE_PAID, NULL, BASE_TIME + 6,
                                      &error));
  g_assert_no_error (error);

  /* the caller's own group (the poller's) joins; its rollback undoes only it */
  g_assert_true (pm_ledger_begin_observed (ledger, &error));
  g_assert_no_error (error);
  g_assert_true (pm_ledger_set_state (ledger, "GA", PM_BILL_STATE_CANCELLED, NULL,
                                      BASE_TIME + 7, &error));
  pm_ledger_rollback (ledger);

  /* an intent commits everything before it first, durably with itself */
  groups = pm_ledger_get_group_commits (ledger);
  {
    g_autoptr(PmBill) intent = make_bill ("GC", "p1", "박민지", "01055556666", "교재비", 5000,
                                          "2026-12-31", BASE_TIME + 8, PM_BILL_STATE_QUEUED);

    g_assert_true (pm_ledger_insert_intent (ledger, intent, &error));
    g_assert_no_error (error);
  }
  g_assert_cmpuint (pm_ledger_get_group_commits (ledger), ==, groups + 1);
  g_assert_cmpint (pm_test_sql_int (path, "SELECT count(*) FROM bills"), ==, 3);
  g_assert_cmpint (pm_test_sql_int (path, "SELECT count(*) FROM bills WHERE bill_id = 'GA' AND state = 'unpaid'"),
                   ==, 1);
  g_assert_cmpint (pm_test_sql_int (path, "SELECT count(*) FROM bills WHERE bill_id = 'GB' AND state = 'paid'"),
                   ==, 1);

  /* more writes wait again; pm_ledger_flush() commits them; so does closing */
  g_assert_true (pm_ledger_set_state (ledger, "GA", PM_BILL_STATE_PAID, NULL, BASE_TIME + 9,
                                      &error));
  g_assert_cmpint (pm_test_sql_int (path, "SELECT count(*) FROM bills WHERE state = 'paid'"), ==, 1);
  g_assert_true (pm_ledger_flush (ledger, &error));
  g_assert_no_error (error);
  g_assert_cmpint (pm_test_sql_int (path, "SELECT count(*) FROM bills WHERE state = 'paid'"), ==, 2);
  g_assert_true (pm_ledger_set_state (ledger, "GC", PM_BILL_STATE_UNPAID, NULL, BASE_TIME + 10,
                                      &error));
  g_clear_object (&ledger);
  g_assert_cmpint (pm_test_sql_int (path, "SELECT count(*) FROM bills WHERE bill_id = 'GC' AND state = 'unpaid'"),
                   ==, 1);
}

static void
test_group_commit_timer (void)
{
  g_autofree char *path = pm_test_tmp_path ("ledger-tests", "group-timer.db");
  g_autoptr(PmLedger) ledger = pm_test_open_ledger (path);
  g_autoptr(PmBill) a = make_bill ("GT", "p1", "김민수", "01011112222", "수강료", 10000,
                                   "2026-12-31", BASE_TIME, PM_BILL_STATE_UNPAID);
  gint64 deadline;

  pm_ledger_set_group_commit (ledger, 5);
  insert (ledger, a);
  g_assert_cmpint (pm_test_sql_int (path, "SELECT count(*) FROM bills"), ==, 0);
  /* the main loop commits the group by itself (a bound, not a speed figure) */
  deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;
  while (pm_test_sql_int (path, "SELECT count(*) FROM bills") == 0 && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpint (pm_test_sql_int (path, "SELECT count(*) FROM bills"), ==, 1);
}

int
main (int   argc,
      char *argv[])
{
  if (argc == 4 && strcmp (argv[1], "--open-ledger") == 0)
    return child_open_ledger (argv[2], argv[3]);

  self_exe = g_file_read_link ("/proc/self/exe", NULL);
  if (self_exe == NULL)
    self_exe = g_canonicalize_filename (argv[0], NULL);
  pm_test_init (&argc, &argv);

  g_test_add_func ("/ledger/schema", test_schema);
  g_test_add_func ("/ledger/migrate/from-v0", test_migrate_from_v0);
  g_test_add_func ("/ledger/migrate/real-v1", test_migrate_real_v1);
  g_test_add_func ("/ledger/migrate/next-step", test_migrate_v1_to_v2);
  g_test_add_func ("/ledger/migrate/batches-v3", test_migrate_batches_v2_to_v3);
  g_test_add_func ("/ledger/open-concurrently", test_open_concurrently);
  g_test_add_func ("/ledger/open-while-another-writes", test_open_while_another_writes);
  g_test_add_func ("/ledger/damaged-files", test_damaged_files);
  g_test_add_func ("/ledger/intent-durable", test_intent_durable);
  g_test_add_func ("/ledger/states-and-events", test_states_and_events);
  g_test_add_func ("/ledger/busy", test_busy);
  g_test_add_func ("/ledger/filters", test_filters);
  g_test_add_func ("/ledger/sorts-and-paging", test_sorts_and_paging);
  g_test_add_func ("/ledger/totals", test_totals);
  g_test_add_func ("/ledger/search", test_search);
  g_test_add_func ("/ledger/search/grams", test_search_grams);
  g_test_add_func ("/ledger/migrate/grams-v4", test_migrate_v3_to_v4);
  g_test_add_func ("/ledger/text-index/later", test_text_index_later);
  g_test_add_func ("/ledger/group-commit", test_group_commit);
  g_test_add_func ("/ledger/group-commit/timer", test_group_commit_timer);
  g_test_add_func ("/ledger/due-unsettled-payers", test_due_unsettled_payers);
  g_test_add_func ("/ledger/export", test_export);

  return g_test_run ();
}
