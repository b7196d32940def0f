/* pm-test-ledger.c — ledger files for tests: where, opened, looked into
 *
 * Copyright 2026 The Paymint Desk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <sqlite3.h>

#include "pm-test-ledger.h"

char *
pm_test_tmp_path (const char *dir,
                  const char *name)
{
  static guint serial;
  g_autofree char *file = g_strdup_printf ("%u-%s", ++serial, name);

  return g_build_filename (g_get_user_data_dir (), dir, file, NULL);
}

PmLedger *
pm_test_open_ledger (const char *path)
{
  g_autoptr(GError) error = NULL;
  PmLedger *ledger = pm_ledger_new (path, &error);

  g_assert_no_error (error);
  g_assert_nonnull (ledger);
  return ledger;
}

int
pm_test_sql_int (const char *path,
                 const char *sql)
{
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = NULL;
  int value = -1;

  g_assert_cmpint (sqlite3_open_v2 (path, &db, SQLITE_OPEN_READONLY, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL), ==, SQLITE_OK);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    value = sqlite3_column_int (stmt, 0);
  sqlite3_finalize (stmt);
  sqlite3_close (db);
  return value;
}
