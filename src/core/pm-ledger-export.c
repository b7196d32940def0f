/* pm-ledger-export.c — ledger reads for exports: a reader connection for another thread,
 * a snapshot, and a query's bills page by page
 *
 * Copyright 2026 The Paymint Desk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Built on the ledger's public reads (pm_ledger_fetch); only opening a connection
 * read-only and holding a read transaction need the private struct.
 */

#include "config.h"

#include "pm-export.h"
#include "pm-ledger-private.h"

#include "pm-error.h"

#include <sqlite3.h>

#define READER_BUSY_TIMEOUT_MS 5000
#define SNAPSHOT_JOINED_KEY    "pm-ledger-snapshot-joined"

PmLedger *
pm_ledger_sqlite_open_reader (PmLedger  *ledger,
                              GError   **error)
{
  const char *path = ledger->path;
  g_autoptr(PmLedger) self = NULL;
  sqlite3_stmt *stmt = NULL;
  int version = -1;
  int rc;

  self = pm_ledger_sqlite_object_new (path);
  rc = sqlite3_open_v2 (path, &self->db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, NULL);
  if (rc == SQLITE_OK)
    {
      sqlite3_extended_result_codes (self->db, 1);
      sqlite3_busy_timeout (self->db, READER_BUSY_TIMEOUT_MS);
      rc = sqlite3_prepare_v2 (self->db, "PRAGMA user_version", -1, &stmt, NULL);
      if (rc == SQLITE_OK && sqlite3_step (stmt) == SQLITE_ROW)
        version = sqlite3_column_int (stmt, 0);
      sqlite3_finalize (stmt);
    }
  /* A file this build has not migrated (or cannot read read-only, say without its
   * shared-memory file in a folder it cannot write): the ordinary way, which migrates it
   * or says why not. */
  if (version != PM_LEDGER_SCHEMA_VERSION)
    {
      g_clear_object (&self);
      return pm_ledger_sqlite_new (path, error);
    }
  /* sorts in memory; the same page cache as the main connection's */
  sqlite3_exec (self->db, "PRAGMA temp_store = MEMORY; PRAGMA cache_size = -32768",
                NULL, NULL, NULL);
  if (!pm_ledger_read_data_version (self, error))
    return NULL;
  return g_steal_pointer (&self);
}

gboolean
pm_ledger_sqlite_begin_snapshot (PmLedger  *self,
                                 GError   **error)
{
  int rc;

  g_return_val_if_fail (PM_IS_LEDGER (self), FALSE);

  /* inside a transaction of this connection's owner (a bulk import, writes grouped
   * into one commit), reads are consistent already: join it, and leave it to its owner */
  if (self->in_transaction || !sqlite3_get_autocommit (self->db))
    {
      g_object_set_data (G_OBJECT (self), SNAPSHOT_JOINED_KEY, GINT_TO_POINTER (1));
      return TRUE;
    }
  /* BEGIN takes no lock; the first read starts the read transaction, which keeps its
   * view of the WAL until the end. */
  rc = sqlite3_exec (self->db, "BEGIN", NULL, NULL, NULL);
  if (rc != SQLITE_OK)
    return pm_ledger_fail (self, rc, error);
  self->in_transaction = TRUE;
  return TRUE;
}

void
pm_ledger_sqlite_end_snapshot (PmLedger *self)
{
  g_return_if_fail (PM_IS_LEDGER (self));

  if (g_object_get_data (G_OBJECT (self), SNAPSHOT_JOINED_KEY) != NULL)
    {
      g_object_set_data (G_OBJECT (self), SNAPSHOT_JOINED_KEY, NULL);
      return;
    }
  sqlite3_exec (self->db, "ROLLBACK", NULL, NULL, NULL);
  self->in_transaction = FALSE;
}

gboolean
pm_ledger_foreach_page (PmLedger             *self,
                        const PmLedgerQuery  *query,
                        guint                 page_size,
                        PmLedgerPageFunc      func,
                        gpointer              user_data,
                        GCancellable         *cancellable,
                        GError              **error)
{
  g_autoptr(PmLedgerQuery) page_query = NULL;
  gboolean by_created;
  gboolean have_last = FALSE;
  gint64 last = 0;
  guint ties = 0;
  guint offset = 0;

  g_return_val_if_fail (PM_IS_LEDGER (self), FALSE);
  g_return_val_if_fail (query != NULL, FALSE);
  g_return_val_if_fail (page_size > 0, FALSE);
  g_return_val_if_fail (func != NULL, FALSE);

  page_query = pm_ledger_query_copy (query);
  /* the ORDER BY is (created_at, id): the next page is "at or beyond the last time",
   * skipping the rows of that very second already read (ties) */
  by_created = query->sort == PM_LEDGER_SORT_CREATED_AT && query->offset == 0
               && query->limit == 0;

  for (;;)
    {
      g_autoptr(GPtrArray) bills = NULL;

      if (g_cancellable_is_cancelled (cancellable))
        {
          g_set_error_literal (error, PM_ERROR, PM_ERROR_CANCELLED,
                               pm_error_code_get_message (PM_ERROR_CANCELLED));
          return FALSE;
        }
      bills = pm_ledger_fetch (self, page_query, offset, page_size, error);
      if (bills == NULL)
        return FALSE;
      if (bills->len == 0)
        return TRUE;
      if (!func (bills, user_data, error))
        return FALSE;
      if (bills->len < page_size)
        return TRUE;

      if (!by_created)
        {
          offset += bills->len;
          continue;
        }
      for (guint i = 0; i < bills->len; i++)
        {
          gint64 at = pm_bill_get_created_at (g_ptr_array_index (bills, i));

          if (have_last && at == last)
            ties++;
          else
            {
              last = at;
              ties = 1;
              have_last = TRUE;
            }
        }
      if (query->descending)
        page_query->created_to = query->created_to != 0 ? MIN (query->created_to, last + 1)
                                                        : last + 1;
      else
        page_query->created_from = MAX (query->created_from, last);
      offset = ties;
    }
}
