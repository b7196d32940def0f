/* pm-ledger-private.h — ledger internals shared with the list model and the tests
 *
 * Copyright 2026 The Paymint Desk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "pm-ledger.h"

G_BEGIN_DECLS

/* One forward migration: runs inside a transaction on a database at version
 * @version - 1 and leaves it at @version. */
typedef struct
{
  int         version;
  const char *sql;
} PmLedgerMigration;

/* The built-in steps (v0 → v1, …), in order. */
const PmLedgerMigration *pm_ledger_get_migrations (guint *n_steps);

/* pm_ledger_new() with another list of steps (tests of the migration machinery). */
PmLedger   *pm_ledger_new_with_migrations (const char              *path,
                                           const PmLedgerMigration *steps,
                                           guint                    n_steps,
                                           GError                 **error);

/* Whether @bill_id is selected by @query (ignoring its offset/limit window) and, if so,
 * its 0-based position in the sorted result. */
gboolean    pm_ledger_locate             (PmLedger             *self,
                                          const PmLedgerQuery  *query,
                                          const char           *bill_id,
                                          gboolean             *selected,
                                          guint                *position,
                                          GError              **error);

/* Copies every property of @from into @to, notifying only what differs. */
void        pm_ledger_copy_bill_into     (PmBill               *from,
                                          PmBill               *to);

/* Test hook: while @fail_writes, SQLite refuses every write of this connection
 * (PRAGMA query_only), as it would a database that cannot be written; reads still work. */
void        pm_ledger_set_fail_writes_for_testing (PmLedger *self,
                                                   gboolean  fail_writes);

char       *pm_ledger_explain_for_testing (PmLedger            *self,
                                           const PmLedgerQuery *query,
                                           guint                offset,
                                           guint                limit);

G_END_DECLS
