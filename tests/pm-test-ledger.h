/* pm-test-ledger.h — ledger files for tests: where, opened, looked into
 *
 * Copyright 2026 The Paymint Desk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "pm-ledger.h"

G_BEGIN_DECLS

/* A new path for a file @name under the test's data directory, in @dir (numbered, so
 * every call gives another file). */
char     *pm_test_tmp_path    (const char *dir,
                               const char *name);

/* pm_ledger_new() on @path, asserting it opens. */
PmLedger *pm_test_open_ledger (const char *path);

/* The first column of @sql's first row, read on a read-only connection of its own
 * (-1 when there is no row). */
int       pm_test_sql_int     (const char *path,
                               const char *sql);

G_END_DECLS
