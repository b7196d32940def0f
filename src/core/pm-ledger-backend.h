/* pm-ledger-backend.h — what a ledger backend provides: one table of operations
 *
 * Copyright 2026 The Paymint Desk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * PmLedger is one object with one public API (pm-ledger.h); where the bills live is its
 * backend: a SQLite file on this desk (pm-ledger.c and its siblings, the default) or a
 * shop's PostgreSQL database (pm-ledger-pg*.c). pm-ledger-backend.c forwards every public
 * call to self->backend, so nothing above the ledger — sender, poller, model, bulk,
 * plans, service, views — knows which one it has.
 *
 * Every operation has the contract of the public function of the same name in
 * pm-ledger.h, pm-ledger-private.h, pm-ledger-summary.h or pm-export.h; the forwarder
 * has already checked the arguments its g_return_val_if_fail()s name.
 *
 * Rules every backend keeps (the money guarantees of DESIGN.md):
 *  - insert_intent returns only once the row is durable where every desk reads it;
 *    anything else may be grouped (set_group_commit) and is made durable by flush.
 *  - A write that fails returns FALSE with a PM_ERROR; a group that fails after the
 *    calls returned emits "storage-failed" (pm_ledger_emit_storage_failed).
 *  - Writes made through this object emit bill-added / bill-changed / bill-removed
 *    (pm_ledger_emit_*); writes by anyone else are counted by get_outside_serial.
 */

#pragma once

#include "pm-ledger.h"
#include "pm-ledger-summary.h"
#include "pm-export.h"

G_BEGIN_DECLS

typedef struct _PmLedgerBackend PmLedgerBackend;

struct _PmLedgerBackend
{
  const char *name;   /* "sqlite", "postgresql" (messages, tests) */

  /* Called once from finalize: commit what is grouped, close, free backend data. */
  void           (*close)                (PmLedger *self);

  /* A second connection to the same ledger for another thread; reads only. */
  PmLedger      *(*open_reader)          (PmLedger *self,
                                          GError  **error);

  /* ---- writes ---- */
  gboolean       (*insert_intent)        (PmLedger *self, PmBill *bill, GError **error);
  gboolean       (*insert_bill)          (PmLedger *self, PmBill *bill, GError **error);
  gboolean       (*update_bill)          (PmLedger *self, PmBill *bill, GError **error);
  gboolean       (*set_state)            (PmLedger *self, const char *bill_id,
                                          PmBillState new_state, const char *detail,
                                          gint64 now, GError **error);
  gboolean       (*set_check_times)      (PmLedger *self, const char *bill_id,
                                          gint64 last_checked_at, gint64 next_check_at,
                                          GError **error);
  gboolean       (*delete_bill)          (PmLedger *self, const char *bill_id,
                                          GError **error);
  gboolean       (*add_event)            (PmLedger *self, const char *bill_id, gint64 at,
                                          const char *kind, int from_state, int to_state,
                                          const char *detail, GError **error);

  /* ---- reads ---- */
  GPtrArray     *(*list_events)          (PmLedger *self, const char *bill_id,
                                          GError **error);
  gboolean       (*count)                (PmLedger *self, const PmLedgerQuery *query,
                                          guint *n_bills, GError **error);
  GPtrArray     *(*fetch)                (PmLedger *self, const PmLedgerQuery *query,
                                          guint offset, guint limit, GError **error);
  gboolean       (*totals)               (PmLedger *self, const PmLedgerQuery *query,
                                          PmLedgerTotals *totals, GError **error);
  gboolean       (*locate)               (PmLedger *self, const PmLedgerQuery *query,
                                          const char *bill_id, gboolean *selected,
                                          guint *position, GError **error);
  PmBill        *(*lookup)               (PmLedger *self, const char *bill_id,
                                          GError **error);
  /* A shared backend leases what it returns to this desk (another desk's list_due
   * skips it until the lease ends); set_check_times or set_state ends the lease. */
  GPtrArray     *(*list_due)             (PmLedger *self, const char *profile_id,
                                          gint64 now, guint limit, GError **error);
  gint64         (*next_due_time)        (PmLedger *self, const char *profile_id,
                                          GError **error);
  GPtrArray     *(*list_unsettled)       (PmLedger *self, const char *profile_id,
                                          GError **error);
  GPtrArray     *(*recent_payers)        (PmLedger *self, const char *profile_id,
                                          const char *prefix, guint limit,
                                          GError **error);
  gboolean       (*export_csv)           (PmLedger *self, const PmLedgerQuery *query,
                                          GOutputStream *stream, guint64 *n_rows,
                                          GCancellable *cancellable, GError **error);
  PmLedgerSummary *(*summarize)          (PmLedger *self, const char *profile_id,
                                          PmSummarySpan span, int year, int month,
                                          gint64 now, GError **error);
  char          *(*explain)              (PmLedger *self, const PmLedgerQuery *query,
                                          guint offset, guint limit);
  gboolean       (*begin_snapshot)       (PmLedger *self, GError **error);
  void           (*end_snapshot)         (PmLedger *self);

  /* ---- batches and payers ---- */
  gboolean       (*insert_batch)         (PmLedger *self, const char *batch_id,
                                          const char *source_name, guint n_total,
                                          gint64 created_at, GError **error);
  gboolean       (*insert_batch_full)    (PmLedger *self, const PmLedgerBatch *batch,
                                          GError **error);
  PmLedgerBatch *(*lookup_batch)         (PmLedger *self, const char *batch_id,
                                          GError **error);
  GPtrArray     *(*find_batches_by_content) (PmLedger *self, const char *profile_id,
                                             const char *content_hash, GError **error);
  gboolean       (*update_batch)         (PmLedger *self, const char *batch_id,
                                          guint n_sent, guint n_failed, GError **error);
  gboolean       (*save_payer)           (PmLedger *self, const char *profile_id,
                                          const char *phone, const char *name,
                                          gint64 registered_at, GError **error);
  gboolean       (*delete_payer)         (PmLedger *self, const char *profile_id,
                                          const char *phone, GError **error);
  GPtrArray     *(*list_payers)          (PmLedger *self, const char *profile_id,
                                          GError **error);

  /* ---- change watching, transactions, upkeep ---- */
  guint64        (*get_outside_serial)   (PmLedger *self, GError **error);
  gboolean       (*check_writable)       (PmLedger *self, GError **error);
  gboolean       (*begin)                (PmLedger *self, GError **error);
  gboolean       (*begin_observed)       (PmLedger *self, GError **error);
  gboolean       (*commit)               (PmLedger *self, GError **error);
  void           (*rollback)             (PmLedger *self);
  void           (*set_group_commit)     (PmLedger *self, guint delay_ms);
  gboolean       (*flush)                (PmLedger *self, GError **error);
  guint64        (*get_group_commits)    (PmLedger *self);
  gboolean       (*index_text)           (PmLedger *self, guint max_bills, guint *n_left,
                                          GError **error);
  void           (*hold_text_index)      (PmLedger *self, gboolean hold);
  void           (*set_fail_writes)      (PmLedger *self, gboolean fail_writes);
};

/* The SQLite file backend (pm-ledger.c). */
extern const PmLedgerBackend pm_ledger_sqlite_backend;

/* The PostgreSQL backend (pm-ledger-pg.c). */
extern const PmLedgerBackend pm_ledger_pg_backend;

/* Opens @uri (postgresql://… or postgres://…)
 * with @password (NULL: none, or libpq's own sources) into @self, whose backend and
 * backend_data it sets; creates or migrates the schema. @lazy: a valid address whose
 * server cannot be reached (or refuses) still opens; each call fails until it can. */
gboolean pm_ledger_pg_open (PmLedger    *self,
                            const char  *uri,
                            const char  *password,
                            gboolean     lazy,
                            GError     **error);

/* Signal emission for backends (the signals belong to PmLedger). */
void pm_ledger_emit_bill_added     (PmLedger     *self,
                                    const char   *bill_id);
void pm_ledger_emit_bill_changed   (PmLedger     *self,
                                    const char   *bill_id);
void pm_ledger_emit_bill_removed   (PmLedger     *self,
                                    const char   *bill_id);
void pm_ledger_emit_storage_failed (PmLedger     *self,
                                    const GError *error);

G_END_DECLS
