/* test-ledger-writes.c — what the ledger's writes cost: pages written by an update, the
 * text indexes held during a bulk send
 *
 * Copyright 2026 The Paymint Desk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Costs are counted, never timed: SQLite's own count of the pages this connection wrote
 * (SQLITE_DBSTATUS_CACHE_WRITE: in WAL mode, the frames a commit appends to the log).
 */

#include "config.h"

#include "pm-ledger.h"
#include "pm-ledger-private.h"

#include "pm-bill.h"
#include "pm-error.h"
#include "pm-test-ledger.h"
#include "pm-test-util.h"

#include <string.h>
#include <sqlite3.h>

#define BASE_TIME G_GINT64_CONSTANT (1795000000)  /* 2026-11-18, UTC */
#define N_BILLS   3000

/* A bill unlike its neighbours in every indexed column, so that each index spreads over
 * many pages and a write to one entry of each shows as a page of each. */
static PmBill *
bill_number (guint i)
{
  PmBill *bill = pm_bill_new ();
  g_autofree char *bill_id = g_strdup_printf ("W%08x-%05u", i * 2654435761u, i);
  g_autofree char *name = g_strdup_printf ("학생%u", (i * 7919) % N_BILLS);
  g_autofree char *phone = g_strdup_printf ("010%08u", (i * 104729) % 100000000);
  g_autofree char *product = g_strdup_printf ("수강료 %u반", i % 97);
  g_autofree char *expire = g_strdup_printf ("2026-12-%02u", 1 + i % 28);

  pm_bill_set_bill_id (bill, bill_id);
  pm_bill_set_profile_id (bill, "p1");
  pm_bill_set_payer_name (bill, name);
  pm_bill_set_phone (bill, phone);
  pm_bill_set_product (bill, product);
  pm_bill_set_message (bill, "안내 메시지");
  pm_bill_set_price (bill, 10000 + (i * 37) % 5000);
  pm_bill_set_expire_date (bill, expire);
  pm_bill_set_created_at (bill, BASE_TIME + (i * 7) % N_BILLS);
  pm_bill_set_last_checked_at (bill, BASE_TIME + (i * 13) % N_BILLS);
  pm_bill_set_next_check_at (bill, BASE_TIME + 86400 + (i * 17) % N_BILLS);
  pm_bill_set_state (bill, (i % 3) == 0 ? PM_BILL_STATE_UNPAID : PM_BILL_STATE_PAID);
  if (i % 2)
    pm_bill_set_batch_id (bill, "batch-1");
  return bill;
}

static void
fill (PmLedger *ledger)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (pm_ledger_begin (ledger, &error));
  for (guint i = 0; i < N_BILLS; i++)
    {
      g_autoptr(PmBill) bill = bill_number (i);

      g_assert_true (pm_ledger_insert_bill (ledger, bill, &error));
      g_assert_no_error (error);
    }
  g_assert_true (pm_ledger_commit (ledger, &error));
  g_assert_no_error (error);
}

/* Pages this connection has written since the last call. */
static int
pages_written (PmLedger *ledger)
{
  int current = 0, highest = 0;

  g_assert_cmpint (sqlite3_db_status (ledger->db, SQLITE_DBSTATUS_CACHE_WRITE, &current,
                                      &highest, TRUE), ==, SQLITE_OK);
  return current;
}

static PmBill *
lookup (PmLedger   *ledger,
        const char *bill_id)
{
  g_autoptr(GError) error = NULL;
  PmBill *bill = pm_ledger_lookup (ledger, bill_id, &error);

  g_assert_no_error (error);
  g_assert_nonnull (bill);
  return bill;
}

static void
update (PmLedger *ledger,
        PmBill   *bill)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (pm_ledger_update_bill (ledger, bill, &error));
  g_assert_no_error (error);
}

/* pm_ledger_update_bill() writes the columns that changed, not all 27: SQLite rewrites
 * the entry of every index that holds a column named in SET, so writing all of them
 * dirtied a page of each of the bills' thirteen indexes for any change at all. */
static void
test_update_writes_what_changed (void)
{
  g_autofree char *path = pm_test_tmp_path ("ledger-writes-tests", "changed.db");
  g_autoptr(PmLedger) ledger = pm_test_open_ledger (path);
  g_autoptr(PmBill) bill = NULL;
  g_autoptr(PmBill) stored = NULL;
  g_autoptr(PmBill) unchanged = NULL;
  g_autoptr(PmBill) other = NULL;
  g_autofree char *bill_id = NULL;
  int indexes, unchanged_pages, note_pages, answer_pages;

  fill (ledger);
  indexes = pm_test_sql_int (path, "SELECT count(*) FROM pragma_index_list ('bills')");
  g_assert_cmpint (indexes, >=, 10);

  other = bill_number (N_BILLS / 2 + 1);   /* paid: the answer changes its state */
  bill_id = g_strdup (pm_bill_get_bill_id (other));
  bill = lookup (ledger, bill_id);

  /* nothing changed: nothing written */
  pages_written (ledger);
  update (ledger, bill);
  unchanged_pages = pages_written (ledger);

  /* a column that no index holds: the row's own page, nothing else */
  pm_bill_set_note (bill, "전화로 다시 안내함");
  update (ledger, bill);
  note_pages = pages_written (ledger);

  /* a send's answer (state, link, check times, updated-at) and its timeline event:
   * the row, the entries of the indexes of those columns (old and new: two pages each
   * at most), the totals and the event; not an entry of every index */
  pm_bill_set_state (bill, PM_BILL_STATE_UNPAID);
  pm_bill_set_short_url (bill, "https://pay.example/abc");
  pm_bill_set_last_checked_at (bill, BASE_TIME + 50000);
  pm_bill_set_next_check_at (bill, BASE_TIME + 50015);
  pm_bill_set_updated_at (bill, BASE_TIME + 50000);
  update (ledger, bill);
  answer_pages = pages_written (ledger);

  g_test_message ("pages written: nothing changed %d, a note %d, a send's answer %d "
                  "(the bills have %d indexes)", unchanged_pages, note_pages, answer_pages,
                  indexes);
  g_assert_cmpint (unchanged_pages, ==, 0);
  g_assert_cmpint (note_pages, >=, 1);
  g_assert_cmpint (note_pages, <=, 2);
  /* row 1, five indexes (state ×3, due, last check) 2 each, totals 1, event 2 */
  g_assert_cmpint (answer_pages, <=, 16);

  /* and every column is stored all the same */
  stored = lookup (ledger, bill_id);
  g_assert_cmpint (pm_bill_get_state (stored), ==, PM_BILL_STATE_UNPAID);
  g_assert_cmpstr (pm_bill_get_short_url (stored), ==, "https://pay.example/abc");
  g_assert_cmpstr (pm_bill_get_note (stored), ==, "전화로 다시 안내함");
  g_assert_cmpint (pm_bill_get_last_checked_at (stored), ==, BASE_TIME + 50000);
  g_assert_cmpint (pm_bill_get_next_check_at (stored), ==, BASE_TIME + 50015);
  g_assert_cmpint (pm_bill_get_updated_at (stored), ==, BASE_TIME + 50000);
  g_assert_cmpstr (pm_bill_get_payer_name (stored), ==, pm_bill_get_payer_name (other));
  g_assert_cmpint (pm_bill_get_price (stored), ==, pm_bill_get_price (other));
  g_assert_cmpint (pm_bill_get_created_at (stored), ==, pm_bill_get_created_at (other));
  g_assert_cmpint (pm_test_sql_int (path, "SELECT count(*) FROM events WHERE kind = 'state'"), ==, 1);

  /* the totals follow the state */
  g_assert_cmpint (pm_test_sql_int (path, "SELECT sum (n) FROM bill_counts WHERE state = 'unpaid'"), ==,
                   pm_test_sql_int (path, "SELECT count(*) FROM bills WHERE state = 'unpaid'"));
  g_assert_cmpint (pm_test_sql_int (path, "SELECT sum (won) FROM bill_counts WHERE state = 'paid'"), ==,
                   pm_test_sql_int (path, "SELECT sum (price) FROM bills WHERE state = 'paid'"));

  /* a bill without a batch: "" and NULL are one value (no write); a batch set and
   * cleared again is stored */
  unchanged = bill_number (N_BILLS / 2 + 2);   /* no batch */
  g_clear_object (&bill);
  bill = lookup (ledger, pm_bill_get_bill_id (unchanged));
  g_assert_null (pm_bill_get_batch_id (bill));
  pm_bill_set_batch_id (bill, "");
  pages_written (ledger);
  update (ledger, bill);
  g_assert_cmpint (pages_written (ledger), ==, 0);
  pm_bill_set_batch_id (bill, "batch-2");
  update (ledger, bill);
  g_assert_cmpint (pm_test_sql_int (path, "SELECT count(*) FROM bills WHERE batch_id = 'batch-2'"), ==, 1);
  pm_bill_set_batch_id (bill, NULL);
  update (ledger, bill);
  g_assert_cmpint (pm_test_sql_int (path, "SELECT count(*) FROM bills WHERE batch_id = 'batch-2'"), ==, 0);

  /* a renamed payer is renamed in the text indexes too (their triggers watch the name) */
  {
    g_autoptr(GError) error = NULL;

    g_assert_true (pm_ledger_index_text (ledger, 0, NULL, &error));
    g_assert_no_error (error);
    pm_bill_set_payer_name (bill, "정예린");
    update (ledger, bill);
    g_assert_cmpint (pm_test_sql_int (path, "SELECT count(*) FROM bills_fts WHERE bills_fts MATCH '\"정예린\"'"),
                     ==, 1);
    g_assert_cmpint (pm_test_sql_int (path, "SELECT count(*) FROM bill_grams WHERE gram = '예린'"), ==, 1);
  }

  /* a bill that is not there */
  {
    g_autoptr(PmBill) missing = bill_number (N_BILLS + 5);
    g_autoptr(GError) error = NULL;

    g_assert_false (pm_ledger_update_bill (ledger, missing, &error));
    g_assert_error (error, PM_ERROR, PM_ERROR_NOT_FOUND);
  }
}

static void
drain_main_loop (void)
{
  while (g_main_context_iteration (NULL, FALSE))
    ;
}

/* Every column changed at once is stored, each in its own place. */
static void
test_update_every_column (void)
{
  g_autofree char *path = pm_test_tmp_path ("ledger-writes-tests", "every.db");
  g_autoptr(PmLedger) ledger = pm_test_open_ledger (path);
  g_autoptr(PmBill) first = bill_number (1);
  g_autoptr(PmBill) bill = NULL;
  g_autoptr(PmBill) stored = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_true (pm_ledger_insert_bill (ledger, first, &error));
  g_assert_no_error (error);
  bill = lookup (ledger, pm_bill_get_bill_id (first));
  pm_bill_set_profile_id (bill, "p2");
  pm_bill_set_kind (bill, PM_BILL_KIND_AUTOPAY);
  pm_bill_set_payer_name (bill, "한도윤");
  pm_bill_set_phone (bill, "01099990000");
  pm_bill_set_product (bill, "교재비");
  pm_bill_set_message (bill, "새 메시지");
  pm_bill_set_price (bill, 4321);
  pm_bill_set_expire_date (bill, "2027-01-31");
  pm_bill_set_method_id (bill, "m-1");
  pm_bill_set_note (bill, "메모");
  pm_bill_set_batch_id (bill, "batch-9");
  pm_bill_set_state (bill, PM_BILL_STATE_CANCELLED);
  pm_bill_set_short_url (bill, "https://pay.example/x");
  pm_bill_set_appr_pay_type (bill, "card");
  pm_bill_set_appr_price (bill, 4320);
  pm_bill_set_appr_dt (bill, "20261201120000");
  pm_bill_set_appr_num (bill, "A1");
  pm_bill_set_appr_issuer (bill, "카드사");
  pm_bill_set_appr_card_type (bill, "credit");
  pm_bill_set_appr_monthly (bill, "00");
  pm_bill_set_error_code (bill, "9999");
  pm_bill_set_error_text (bill, "오류");
  pm_bill_set_created_at (bill, BASE_TIME + 1);
  pm_bill_set_updated_at (bill, BASE_TIME + 2);
  pm_bill_set_last_checked_at (bill, BASE_TIME + 3);
  pm_bill_set_next_check_at (bill, BASE_TIME + 4);
  update (ledger, bill);

  stored = lookup (ledger, pm_bill_get_bill_id (first));
  g_assert_cmpstr (pm_bill_get_profile_id (stored), ==, "p2");
  g_assert_cmpint (pm_bill_get_kind (stored), ==, PM_BILL_KIND_AUTOPAY);
  g_assert_cmpstr (pm_bill_get_payer_name (stored), ==, "한도윤");
  g_assert_cmpstr (pm_bill_get_phone (stored), ==, "01099990000");
  g_assert_cmpstr (pm_bill_get_product (stored), ==, "교재비");
  g_assert_cmpstr (pm_bill_get_message (stored), ==, "새 메시지");
  g_assert_cmpint (pm_bill_get_price (stored), ==, 4321);
  g_assert_cmpstr (pm_bill_get_expire_date (stored), ==, "2027-01-31");
  g_assert_cmpstr (pm_bill_get_method_id (stored), ==, "m-1");
  g_assert_cmpstr (pm_bill_get_note (stored), ==, "메모");
  g_assert_cmpstr (pm_bill_get_batch_id (stored), ==, "batch-9");
  g_assert_cmpint (pm_bill_get_state (stored), ==, PM_BILL_STATE_CANCELLED);
  g_assert_cmpstr (pm_bill_get_short_url (stored), ==, "https://pay.example/x");
  g_assert_cmpstr (pm_bill_get_appr_pay_type (stored), ==, "card");
  g_assert_cmpint (pm_bill_get_appr_price (stored), ==, 4320);
  g_assert_cmpstr (pm_bill_get_appr_dt (stored), ==, "20261201120000");
  g_assert_cmpstr (pm_bill_get_appr_num (stored), ==, "A1");
  g_assert_cmpstr (pm_bill_get_appr_issuer (stored), ==, "카드사");
  g_assert_cmpstr (pm_bill_get_appr_card_type (stored), ==, "credit");
  g_assert_cmpstr (pm_bill_get_appr_monthly (stored), ==, "00");
  g_assert_cmpstr (pm_bill_get_error_code (stored), ==, "9999");
  g_assert_cmpstr (pm_bill_get_error_text (stored), ==, "오류");
  g_assert_cmpint (pm_bill_get_created_at (stored), ==, BASE_TIME + 1);
  g_assert_cmpint (pm_bill_get_updated_at (stored), ==, BASE_TIME + 2);
  g_assert_cmpint (pm_bill_get_last_checked_at (stored), ==, BASE_TIME + 3);
  g_assert_cmpint (pm_bill_get_next_check_at (stored), ==, BASE_TIME + 4);
  /* the totals moved with profile, state and price */
  g_assert_cmpint (pm_test_sql_int (path, "SELECT n FROM bill_counts WHERE profile_id = 'p2' AND state = 'cancelled'"),
                   ==, 1);
  g_assert_cmpint (pm_test_sql_int (path, "SELECT won FROM bill_counts WHERE profile_id = 'p2' AND state = 'cancelled'"),
                   ==, 4321);
  g_assert_cmpint (pm_test_sql_int (path, "SELECT sum (n) FROM bill_counts WHERE profile_id = 'p1'"), ==, 0);
}

/* While a bulk send holds them (pm_ledger_hold_text_index), new bills wait for the text
 * indexes instead of being indexed at every idle moment of the main loop (during a bulk
 * send that is between any two replies: a commit and a small full-text segment each);
 * the last end of a hold indexes them in one pass. */
static void
test_text_index_held (void)
{
  g_autofree char *path = pm_test_tmp_path ("ledger-writes-tests", "text-held.db");
  g_autoptr(PmLedger) ledger = pm_test_open_ledger (path);
  g_autoptr(GError) error = NULL;
  const char *indexed_to = "SELECT value FROM ledger_meta WHERE key = 'text_indexed_to'";

  pm_ledger_hold_text_index (ledger, TRUE);
  pm_ledger_hold_text_index (ledger, TRUE);
  for (guint i = 0; i < 5; i++)
    {
      g_autoptr(PmBill) bill = bill_number (i);

      g_assert_true (pm_ledger_insert_intent (ledger, bill, &error));
      g_assert_no_error (error);
      drain_main_loop ();
    }
  g_assert_cmpint (pm_test_sql_int (path, indexed_to), ==, 0);

  /* one hold ends, one remains: they still wait */
  pm_ledger_hold_text_index (ledger, FALSE);
  drain_main_loop ();
  g_assert_cmpint (pm_test_sql_int (path, indexed_to), ==, 0);

  /* the last one ends: all five in one pass */
  pm_ledger_hold_text_index (ledger, FALSE);
  drain_main_loop ();
  g_assert_cmpint (pm_test_sql_int (path, indexed_to), ==, 5);
  g_assert_cmpint (pm_test_sql_int (path, "SELECT count(*) FROM bills_fts WHERE bills_fts MATCH '\"010\"'"),
                   ==, 5);

  /* not held: a new bill is indexed at the next idle moment, as before */
  {
    g_autoptr(PmBill) bill = bill_number (5);

    g_assert_true (pm_ledger_insert_intent (ledger, bill, &error));
    g_assert_no_error (error);
  }
  drain_main_loop ();
  g_assert_cmpint (pm_test_sql_int (path, indexed_to), ==, 6);
}

/* Transaction control runs as prepared statements now: commits, rollbacks and savepoints
 * keep their meaning through many writes. */
static void
test_transactions_repeat (void)
{
  g_autofree char *path = pm_test_tmp_path ("ledger-writes-tests", "repeat.db");
  g_autoptr(PmLedger) ledger = pm_test_open_ledger (path);
  g_autoptr(GError) error = NULL;

  for (guint round = 0; round < 3; round++)
    {
      g_autoptr(PmBill) kept = bill_number (2 * round);
      g_autoptr(PmBill) dropped = bill_number (2 * round + 1);

      /* a durable transaction rolled back, then one committed */
      g_assert_true (pm_ledger_begin (ledger, &error));
      g_assert_true (pm_ledger_insert_intent (ledger, dropped, &error));
      g_assert_no_error (error);
      pm_ledger_rollback (ledger);
      g_assert_true (pm_ledger_begin (ledger, &error));
      g_assert_true (pm_ledger_insert_intent (ledger, kept, &error));
      g_assert_no_error (error);
      g_assert_true (pm_ledger_commit (ledger, &error));
      g_assert_no_error (error);

      /* grouped writes: one that fails undoes only itself */
      pm_ledger_set_group_commit (ledger, 60000);
      pm_ledger_set_fail_writes_for_testing (ledger, TRUE);
      g_assert_false (pm_ledger_set_state (ledger, pm_bill_get_bill_id (kept),
                                           PM_BILL_STATE_SENDING, NULL, BASE_TIME, &error));
      g_assert_error (error, PM_ERROR, PM_ERROR_STORAGE);
      g_clear_error (&error);
      pm_ledger_set_fail_writes_for_testing (ledger, FALSE);
      g_assert_true (pm_ledger_set_state (ledger, pm_bill_get_bill_id (kept),
                                          PM_BILL_STATE_UNPAID, NULL, BASE_TIME, &error));
      g_assert_no_error (error);
      g_assert_true (pm_ledger_flush (ledger, &error));
      g_assert_no_error (error);
      pm_ledger_set_group_commit (ledger, 0);
    }
  g_assert_cmpint (pm_test_sql_int (path, "SELECT count(*) FROM bills"), ==, 3);
  g_assert_cmpint (pm_test_sql_int (path, "SELECT count(*) FROM bills WHERE state = 'unpaid'"), ==, 3);
  g_assert_cmpint (pm_test_sql_int (path, "SELECT count(*) FROM events WHERE kind = 'state' "
                                  "AND from_state = 'queued' AND to_state = 'unpaid'"), ==, 3);
}

/* Schema v6: the poller's partial index no longer names the states in an IN list (SQLite
 * built a temporary b-tree of the list for every insert and every change of state, to
 * evaluate the index's WHERE: about a tenth of a bulk send's instructions); it holds the
 * bills with a next check, and the poller's queries (which say next_check_at > 0) still
 * use it. A ledger of v5 is migrated. */
static int
ephemeral_tables (PmLedger   *ledger,
                  const char *sql)
{
  g_autofree char *explain = g_strconcat ("EXPLAIN ", sql, NULL);
  sqlite3_stmt *stmt = NULL;
  int n = 0;

  g_assert_cmpint (sqlite3_prepare_v2 (ledger->db, explain, -1, &stmt, NULL), ==, SQLITE_OK);
  while (sqlite3_step (stmt) == SQLITE_ROW)
    if (g_strcmp0 ((const char *) sqlite3_column_text (stmt, 1), "OpenEphemeral") == 0)
      n++;
  sqlite3_finalize (stmt);
  return n;
}

static char *
query_plan (PmLedger   *ledger,
            const char *sql)
{
  g_autofree char *explain = g_strconcat ("EXPLAIN QUERY PLAN ", sql, NULL);
  GString *plan = g_string_new (NULL);
  sqlite3_stmt *stmt = NULL;

  g_assert_cmpint (sqlite3_prepare_v2 (ledger->db, explain, -1, &stmt, NULL), ==, SQLITE_OK);
  while (sqlite3_step (stmt) == SQLITE_ROW)
    g_string_append_printf (plan, "%s\n", (const char *) sqlite3_column_text (stmt, 3));
  sqlite3_finalize (stmt);
  return g_string_free (plan, FALSE);
}

static void
test_due_index (void)
{
  g_autofree char *path = pm_test_tmp_path ("ledger-writes-tests", "due-v5.db");
  g_autoptr(PmLedger) ledger = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *due_plan = NULL;
  g_autofree char *next_plan = NULL;
  const PmLedgerMigration *steps;
  guint n_steps = 0;

  /* a ledger of v5, with a bill that is due */
  steps = pm_ledger_get_migrations (&n_steps);
  g_assert_cmpuint (n_steps, >=, 6);
  ledger = pm_ledger_new_with_migrations (path, steps, 5, &error);
  g_assert_no_error (error);
  {
    g_autoptr(PmBill) bill = bill_number (3);

    pm_bill_set_state (bill, PM_BILL_STATE_UNPAID);
    pm_bill_set_next_check_at (bill, BASE_TIME);
    g_assert_true (pm_ledger_insert_bill (ledger, bill, &error));
    g_assert_no_error (error);
  }
  g_assert_cmpint (ephemeral_tables (ledger, "UPDATE bills SET state = 'sending' WHERE id = 1"),
                   >, 0);
  g_clear_object (&ledger);

  ledger = pm_test_open_ledger (path);
  g_assert_cmpint (pm_test_sql_int (path, "PRAGMA user_version"), ==, PM_LEDGER_SCHEMA_VERSION);
  g_assert_cmpint (pm_test_sql_int (path, "SELECT count(*) FROM sqlite_master WHERE name = 'bills_due' "
                                  "AND sql LIKE '%WHERE next_check_at > 0'"), ==, 1);
  /* an intent and a change of state build no temporary table any more */
  g_assert_cmpint (ephemeral_tables (ledger, "INSERT INTO bills (bill_id) VALUES ('x')"), ==, 0);
  g_assert_cmpint (ephemeral_tables (ledger, "UPDATE bills SET state = 'sending' WHERE id = 1"),
                   ==, 0);

  /* the poller's two queries (pm-ledger-select.c) still read the index */
  due_plan = query_plan (ledger, "SELECT b.bill_id FROM bills b WHERE b.state IN " NON_FINAL_STATES
                                 " AND b.next_check_at > 0 AND b.next_check_at <= ?1"
                                 " AND (?3 IS NULL OR b.profile_id = ?3)"
                                 " ORDER BY b.next_check_at LIMIT ?2");
  next_plan = query_plan (ledger, "SELECT min(b.next_check_at) FROM bills b WHERE b.state IN "
                                  NON_FINAL_STATES " AND b.next_check_at > 0"
                                  " AND (?1 IS NULL OR b.profile_id = ?1)");
  g_test_message ("list_due: %snext_due_time: %s", due_plan, next_plan);
  g_assert_nonnull (strstr (due_plan, "USING INDEX bills_due"));
  g_assert_nonnull (strstr (next_plan, "USING INDEX bills_due"));
  {
    g_autoptr(GPtrArray) due = pm_ledger_list_due (ledger, NULL, BASE_TIME + 1, 0, &error);

    g_assert_no_error (error);
    g_assert_cmpuint (due->len, ==, 1);
  }
}

int
main (int   argc,
      char *argv[])
{
  pm_test_init (&argc, &argv);

  g_test_add_func ("/ledger-writes/update-writes-what-changed", test_update_writes_what_changed);
  g_test_add_func ("/ledger-writes/update-every-column", test_update_every_column);
  g_test_add_func ("/ledger-writes/text-index-held", test_text_index_held);
  g_test_add_func ("/ledger-writes/due-index", test_due_index);
  g_test_add_func ("/ledger-writes/transactions-repeat", test_transactions_repeat);
  return g_test_run ();
}
