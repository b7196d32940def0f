/* pm-ledger-private.h — ledger internals shared with the list model and the tests
 *
 * Copyright 2026 The Paymint Desk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "pm-ledger.h"
#include "pm-ledger-backend.h"

#include <sqlite3.h>

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

/* ---- shared by pm-ledger.c (schema, writes) and pm-ledger-select.c (reads) ---- */

/* The state ids (pm_bill_state_to_string) in PmBillState order; the schema uses them
 * for the sort rank and the "due" index, and a test checks they match. */
#define STATE_RANK_EXPR \
  "(CASE state WHEN 'queued' THEN 0 WHEN 'sending' THEN 1 WHEN 'unknown' THEN 2 " \
  "WHEN 'failed' THEN 3 WHEN 'unpaid' THEN 4 WHEN 'paid' THEN 5 " \
  "WHEN 'cancelled' THEN 6 WHEN 'destroyed' THEN 7 ELSE 8 END)"
#define NON_FINAL_STATES "('queued','sending','unknown','unpaid','paid')"

struct _PmLedger
{
  GObject     parent_instance;

  const PmLedgerBackend *backend;
  gpointer    backend_data;   /* the PostgreSQL backend's connection and state */
  char       *path;           /* the file, or the shop ledger's address */

  /* ---- the SQLite backend's ---- */
  sqlite3    *db;
  GHashTable *statements;     /* SQL text → sqlite3_stmt (prepared once) */
  GTimeZone  *korea;
  guint       in_transaction : 1;
  guint       explicit_in_group : 1; /* pm_ledger_begin() joined the group as a savepoint */

  /* Group commit (pm_ledger_set_group_commit): writes that need not be durable share one
   * open transaction, committed group_delay_ms after its first write, at group_max
   * writes, before any durable write and at pm_ledger_flush(). */
  guint       group_delay_ms;   /* 0: off, every write commits at once */
  guint       group_source;     /* the timer that commits the open group */
  guint       group_writes;     /* writes in the open group; 0 and !grouped when none */
  guint       grouped : 1;      /* a group transaction is open */
  guint64     group_commits;    /* groups committed so far (benchmarks, tests) */

  /* Bills above ledger_meta's text_indexed_to wait for pm_ledger_index_text(). */
  guint       text_source;      /* the idle source that indexes them */
  guint       text_holds;       /* pm_ledger_hold_text_index() calls not ended yet */
  gboolean    text_dirty;       /* some may be waiting */

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

gboolean      pm_ledger_fail              (PmLedger      *self,
                                           int            rc,
                                           GError       **error);
sqlite3_stmt *pm_ledger_prepare           (PmLedger      *self,
                                           const char    *sql,
                                           GError       **error);
gboolean      pm_ledger_run               (PmLedger      *self,
                                           sqlite3_stmt  *stmt,
                                           GError       **error);
void          pm_ledger_bind_text         (sqlite3_stmt  *stmt,
                                           int            index,
                                           const char    *value);
void          pm_ledger_bind_text_or_null (sqlite3_stmt  *stmt,
                                           int            index,
                                           const char    *value);
const char   *pm_ledger_column_text       (sqlite3_stmt  *stmt,
                                           int            column);
gint64        pm_ledger_now_utc           (void);
PmBill       *pm_ledger_bill_from_row     (sqlite3_stmt  *stmt);
gboolean      pm_ledger_read_data_version (PmLedger      *self,
                                           GError       **error);

/* ---- shared by both backends ---- */

/* The CSV export's header line, and one bill as a row of it (pm-ledger-csv.c). */
extern const char pm_ledger_csv_header[];
void        pm_ledger_csv_append_bill   (GString      *out,
                                         PmBill       *bill,
                                         GTimeZone    *korea,
                                         const char   *today);

/* A word of a search as it is matched: digits written like a phone number ("010-1234",
 * "+82 10…") become their digits; any other word stays as typed (pm-ledger-select.c). */
char       *pm_ledger_search_word       (const char   *word);
/* Whether a search word is found inside the values (3+ characters, through the trigram
 * index), rather than read as the start of one: words of one or two characters, the
 * beginning of a mobile number ("01…"), letters and digits mixed (a bill id). */
gboolean    pm_ledger_search_word_is_inside (const char *word);
/* The words of a search as they are matched (NFC, split at white space, each through
 * pm_ledger_search_word); NULL when @text is not UTF-8 (it matches nothing). */
GStrv       pm_ledger_search_words      (const char   *text);

/* ---- the SQLite backend's operations (pm-ledger-sqlite.c and its siblings) ---- */

PmLedger   *pm_ledger_sqlite_object_new (const char *path);
PmLedger   *pm_ledger_sqlite_new (const char *path,
                                  GError **error);
void pm_ledger_sqlite_set_group_commit (PmLedger *self,
                                        guint delay_ms);
gboolean pm_ledger_sqlite_flush (PmLedger *self,
                                 GError **error);
guint64 pm_ledger_sqlite_get_group_commits (PmLedger *self);
void pm_ledger_sqlite_hold_text_index (PmLedger *self, gboolean hold);
gboolean pm_ledger_sqlite_begin (PmLedger *self,
                                 GError **error);
gboolean pm_ledger_sqlite_begin_observed (PmLedger *self,
                                          GError **error);
gboolean pm_ledger_sqlite_commit (PmLedger *self,
                                  GError **error);
void pm_ledger_sqlite_rollback (PmLedger *self);
guint64 pm_ledger_sqlite_get_outside_serial (PmLedger *self,
                                             GError **error);
gboolean pm_ledger_sqlite_check_writable (PmLedger *self,
                                          GError **error);
void pm_ledger_sqlite_set_fail_writes_for_testing (PmLedger *self,
                                                   gboolean fail_writes);
gboolean pm_ledger_sqlite_index_text (PmLedger *self,
                                      guint max_bills,
                                      guint *n_left,
                                      GError **error);
gboolean pm_ledger_sqlite_insert_intent (PmLedger *self,
                                         PmBill *bill,
                                         GError **error);
gboolean pm_ledger_sqlite_insert_bill (PmLedger *self,
                                       PmBill *bill,
                                       GError **error);
gboolean pm_ledger_sqlite_update_bill (PmLedger *self,
                                       PmBill *bill,
                                       GError **error);
gboolean pm_ledger_sqlite_set_state (PmLedger *self,
                                     const char *bill_id,
                                     PmBillState new_state,
                                     const char *detail,
                                     gint64 now,
                                     GError **error);
gboolean pm_ledger_sqlite_set_check_times (PmLedger *self,
                                           const char *bill_id,
                                           gint64 last_checked_at,
                                           gint64 next_check_at,
                                           GError **error);
gboolean pm_ledger_sqlite_delete_bill (PmLedger *self,
                                       const char *bill_id,
                                       GError **error);
gboolean pm_ledger_sqlite_add_event (PmLedger *self,
                                     const char *bill_id,
                                     gint64 at,
                                     const char *kind,
                                     int from_state,
                                     int to_state,
                                     const char *detail,
                                     GError **error);
GPtrArray *pm_ledger_sqlite_list_events (PmLedger *self,
                                         const char *bill_id,
                                         GError **error);
gboolean pm_ledger_sqlite_insert_batch (PmLedger *self,
                                        const char *batch_id,
                                        const char *source_name,
                                        guint n_total,
                                        gint64 created_at,
                                        GError **error);
gboolean pm_ledger_sqlite_insert_batch_full (PmLedger *self,
                                             const PmLedgerBatch *batch,
                                             GError **error);
PmLedgerBatch *pm_ledger_sqlite_lookup_batch (PmLedger *self,
                                              const char *batch_id,
                                              GError **error);
GPtrArray *pm_ledger_sqlite_find_batches_by_content (PmLedger *self,
                                                     const char *profile_id,
                                                     const char *content_hash,
                                                     GError **error);
gboolean pm_ledger_sqlite_update_batch (PmLedger *self,
                                        const char *batch_id,
                                        guint n_sent,
                                        guint n_failed,
                                        GError **error);
gboolean pm_ledger_sqlite_save_payer (PmLedger *self,
                                      const char *profile_id,
                                      const char *phone,
                                      const char *name,
                                      gint64 registered_at,
                                      GError **error);
gboolean pm_ledger_sqlite_delete_payer (PmLedger *self,
                                        const char *profile_id,
                                        const char *phone,
                                        GError **error);
GPtrArray *pm_ledger_sqlite_list_payers (PmLedger *self,
                                         const char *profile_id,
                                         GError **error);
gboolean pm_ledger_sqlite_count (PmLedger *self,
                                 const PmLedgerQuery *query,
                                 guint *n_bills,
                                 GError **error);
GPtrArray *pm_ledger_sqlite_fetch (PmLedger *self,
                                   const PmLedgerQuery *query,
                                   guint offset,
                                   guint limit,
                                   GError **error);
char *pm_ledger_sqlite_explain_for_testing (PmLedger *self,
                                            const PmLedgerQuery *query,
                                            guint offset,
                                            guint limit);
gboolean pm_ledger_sqlite_totals (PmLedger *self,
                                  const PmLedgerQuery *query,
                                  PmLedgerTotals *totals,
                                  GError **error);
PmBill *pm_ledger_sqlite_lookup (PmLedger *self,
                                 const char *bill_id,
                                 GError **error);
GPtrArray *pm_ledger_sqlite_list_due (PmLedger *self,
                                      const char *profile_id,
                                      gint64 now,
                                      guint limit,
                                      GError **error);
gint64 pm_ledger_sqlite_next_due_time (PmLedger *self,
                                       const char *profile_id,
                                       GError **error);
GPtrArray *pm_ledger_sqlite_list_unsettled (PmLedger *self,
                                            const char *profile_id,
                                            GError **error);
GPtrArray *pm_ledger_sqlite_recent_payers (PmLedger *self,
                                           const char *profile_id,
                                           const char *prefix,
                                           guint limit,
                                           GError **error);
gboolean pm_ledger_sqlite_locate (PmLedger *self,
                                  const PmLedgerQuery *query,
                                  const char *bill_id,
                                  gboolean *selected,
                                  guint *position,
                                  GError **error);
gboolean pm_ledger_sqlite_export_csv (PmLedger *self,
                                      const PmLedgerQuery *query,
                                      GOutputStream *stream,
                                      guint64 *n_rows,
                                      GCancellable *cancellable,
                                      GError **error);
PmLedgerSummary *pm_ledger_sqlite_summarize (PmLedger *self,
                                             const char *profile_id,
                                             PmSummarySpan span,
                                             int year,
                                             int month,
                                             gint64 now,
                                             GError **error);
PmLedger *pm_ledger_sqlite_open_reader (PmLedger *ledger,
                                        GError **error);
gboolean pm_ledger_sqlite_begin_snapshot (PmLedger *self,
                                          GError **error);
void pm_ledger_sqlite_end_snapshot (PmLedger *self);

G_END_DECLS
