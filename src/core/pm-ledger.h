/* pm-ledger.h — the SQLite store of bills, their timeline, batches and payers
 *
 * Copyright 2026 The Paymint Desk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "pm-bill.h"
#include "pm-ledger-query.h"

G_BEGIN_DECLS

/* The schema version this build writes (PRAGMA user_version). */
#define PM_LEDGER_SCHEMA_VERSION 6

/* Event kinds of the timeline (PmLedgerEvent.kind). Callers may add their own. */
#define PM_LEDGER_EVENT_CREATED "created"  /* intent written (to: queued) */
#define PM_LEDGER_EVENT_STATE   "state"    /* a state change (from, to) */
#define PM_LEDGER_EVENT_RESEND  "resend"
#define PM_LEDGER_EVENT_NOTE    "note"
#define PM_LEDGER_EVENT_SEND_AGAIN "send-again" /* the user asked to send a not-sent bill */

/* ---- Timeline events ---- */

#define PM_TYPE_LEDGER_EVENT (pm_ledger_event_get_type ())

typedef struct
{
  gint64  id;
  char   *bill_id;
  gint64  at;          /* unix UTC */
  char   *kind;        /* PM_LEDGER_EVENT_* or another short id */
  int     from_state;  /* PmBillState, or -1 */
  int     to_state;    /* PmBillState, or -1 */
  char   *detail;      /* may be NULL */
} PmLedgerEvent;

GType          pm_ledger_event_get_type (void) G_GNUC_CONST;
PmLedgerEvent *pm_ledger_event_copy     (const PmLedgerEvent *event);
void           pm_ledger_event_free     (PmLedgerEvent       *event);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (PmLedgerEvent, pm_ledger_event_free)

/* ---- Payers (autocompletion and AutoPay) ---- */

#define PM_TYPE_LEDGER_PAYER (pm_ledger_payer_get_type ())

typedef struct
{
  char   *profile_id;
  char   *name;
  char   *phone;       /* normalised digits */
  gint64  at;          /* recent_payers: last bill; list_payers: registered_at */
} PmLedgerPayer;

GType          pm_ledger_payer_get_type (void) G_GNUC_CONST;
PmLedgerPayer *pm_ledger_payer_copy     (const PmLedgerPayer *payer);
void           pm_ledger_payer_free     (PmLedgerPayer       *payer);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (PmLedgerPayer, pm_ledger_payer_free)

/* ---- Totals ---- */

/* Buckets of PmLedgerTotals.by_state: a PmBillState, plus one for expired unpaid bills
 * (which are then not counted under PM_BILL_STATE_UNPAID). */
#define PM_LEDGER_BUCKET_EXPIRED PM_BILL_N_STATES
#define PM_LEDGER_N_BUCKETS      (PM_LEDGER_BUCKET_EXPIRED + 1)

typedef struct
{
  gint64 count;
  gint64 won;     /* sum of price */
} PmLedgerTotal;

typedef struct
{
  PmLedgerTotal all;
  PmLedgerTotal by_state[PM_LEDGER_N_BUCKETS];
} PmLedgerTotals;

/* ---- The ledger ----
 *
 * One PmLedger is one SQLite connection: use it from the thread that created it
 * (the main thread in the app). Another thread or process opens its own PmLedger on
 * the same file; WAL lets readers and one writer work at once, and a writer waits at
 * most 5 s for another before failing with PM_ERROR_STORAGE.
 *
 * Signals (emitted on the owning thread right after the commit):
 *   "bill-added"   (const char *bill_id)  a new row
 *   "bill-changed" (const char *bill_id)  an existing row was updated
 *   "bill-removed" (const char *bill_id)  a row was deleted
 */

#define PM_TYPE_LEDGER (pm_ledger_get_type ())
G_DECLARE_FINAL_TYPE (PmLedger, pm_ledger, PM, LEDGER, GObject)

/* Opens (creating if needed) the ledger file at @path and migrates it to
 * PM_LEDGER_SCHEMA_VERSION. A damaged file, or one written by a newer version, gives
 * PM_ERROR_STORAGE and is left exactly as it was. Any number of processes may open the
 * same new or old file at once: each migration step runs under the write lock after
 * reading the version again, so it runs once, and the switch to WAL waits for its moment
 * (both within the 5 s busy timeout). */
PmLedger   *pm_ledger_new               (const char           *path,
                                         GError              **error);

/* A shop's ledger: the PostgreSQL database at @uri (postgresql://… or postgres://…),
 * shared by every desk of the shop. @password (from the keyring; NULL: none) is given
 * to the server apart from the address, so it is never in a file or on a command line.
 * The first desk creates the schema; any number may start at once. An address that is
 * not PostgreSQL's, a server that cannot be reached, a refused password, a version too
 * old, or a database that belongs to another application: PM_ERROR with a message that
 * says which. pm_ledger_new() with such an address is this with no password. */
PmLedger   *pm_ledger_new_shop          (const char           *uri,
                                         const char           *password,
                                         GError              **error);
/* The same for a desk that must start while the server is away: only an address that
 * is not valid fails here; otherwise every call fails with PM_ERROR_STORAGE and the
 * reason until the server answers, and the first call that reaches it gets the schema
 * ready (pm_ledger_check_writable() asks). */
PmLedger   *pm_ledger_new_shop_lazy     (const char           *uri,
                                         const char           *password,
                                         GError              **error);

/* Whether @location names a shop ledger (postgresql://… or postgres://…), not a file. */
gboolean    pm_ledger_location_is_uri   (const char           *location);

/* The file, or the shop ledger's address (as given, without a password). */
const char *pm_ledger_get_path          (PmLedger             *self);
/* "sqlite" or "postgresql". */
const char *pm_ledger_get_backend_name  (PmLedger             *self);
/* Whether other desks share this ledger (a shop ledger). */
gboolean    pm_ledger_is_shared         (PmLedger             *self);

/* The intent: writes @bill as a new row in state queued with synchronous=FULL, so it
 * is on disk before this returns. Sets @bill's state to queued and its created-at /
 * updated-at to now when they are 0. A bill id already present gives
 * PM_ERROR_DUPLICATE_BILL. Also records a "created" event. */
gboolean    pm_ledger_insert_intent     (PmLedger             *self,
                                         PmBill               *bill,
                                         GError              **error);
/* Writes @bill as a new row in the state it has (imports, restores); synchronous=NORMAL.
 * Records a "created" event with that state. */
gboolean    pm_ledger_insert_bill       (PmLedger             *self,
                                         PmBill               *bill,
                                         GError              **error);
/* Writes every field of @bill to its existing row (PM_ERROR_NOT_FOUND if none);
 * a state different from the stored one also records a "state" event. */
gboolean    pm_ledger_update_bill       (PmLedger             *self,
                                         PmBill               *bill,
                                         GError              **error);
/* Moves @bill_id to @new_state (updated-at := @now) and records a "state" event with
 * from/to and @detail. Setting the state it already has changes nothing. */
gboolean    pm_ledger_set_state         (PmLedger             *self,
                                         const char           *bill_id,
                                         PmBillState           new_state,
                                         const char           *detail,
                                         gint64                now,
                                         GError              **error);
/* For the poller: last-checked-at and next-check-at only (0 = not scheduled). */
gboolean    pm_ledger_set_check_times   (PmLedger             *self,
                                         const char           *bill_id,
                                         gint64                last_checked_at,
                                         gint64                next_check_at,
                                         GError              **error);
gboolean    pm_ledger_delete_bill       (PmLedger             *self,
                                         const char           *bill_id,
                                         GError              **error);

/* Timeline. @from_state/@to_state may be -1. */
gboolean    pm_ledger_add_event         (PmLedger             *self,
                                         const char           *bill_id,
                                         gint64                at,
                                         const char           *kind,
                                         int                   from_state,
                                         int                   to_state,
                                         const char           *detail,
                                         GError              **error);
/* Oldest first. (element-type PmLedgerEvent) */
GPtrArray  *pm_ledger_list_events       (PmLedger             *self,
                                         const char           *bill_id,
                                         GError              **error);

/* Queries. Counts and fetches honour the query's offset/limit window; @offset here is
 * relative to that window. */
gboolean    pm_ledger_count             (PmLedger             *self,
                                         const PmLedgerQuery  *query,
                                         guint                *n_bills,
                                         GError              **error);
/* (element-type PmBill) */
GPtrArray  *pm_ledger_fetch             (PmLedger             *self,
                                         const PmLedgerQuery  *query,
                                         guint                 offset,
                                         guint                 limit,
                                         GError              **error);
gboolean    pm_ledger_totals            (PmLedger             *self,
                                         const PmLedgerQuery  *query,
                                         PmLedgerTotals       *totals,
                                         GError              **error);
/* NULL with no error when there is no such bill. */
PmBill     *pm_ledger_lookup            (PmLedger             *self,
                                         const char           *bill_id,
                                         GError              **error);
/* Non-final bills of @profile_id (NULL: every profile) with 0 < next-check-at <= @now,
 * earliest first (0 = not scheduled).
 * (element-type PmBill) */
GPtrArray  *pm_ledger_list_due          (PmLedger             *self,
                                         const char           *profile_id,
                                         gint64                now,
                                         guint                 limit,
                                         GError              **error);
/* Earliest next-check-at among non-final bills, or 0 if none is scheduled. On a shop
 * ledger, a bill leased to a desk (pm_ledger_list_due) counts from its lease's end. */
gint64      pm_ledger_next_due_time     (PmLedger             *self,
                                         const char           *profile_id,
                                         GError              **error);
/* Intents without a definite answer: queued, sending, unknown; oldest first.
 * (element-type PmBill) */
GPtrArray  *pm_ledger_list_unsettled    (PmLedger             *self,
                                         const char           *profile_id,
                                         GError              **error);
/* Distinct (name, phone) pairs of recent bills whose name, phone or formatted phone
 * starts with @prefix (NULL/"": any), most recent first. @profile_id may be NULL.
 * (element-type PmLedgerPayer) */
GPtrArray  *pm_ledger_recent_payers     (PmLedger             *self,
                                         const char           *profile_id,
                                         const char           *prefix,
                                         guint                 limit,
                                         GError              **error);

/* CSV of every bill the query selects, streamed: UTF-8 with a BOM, a header row,
 * RFC 4180 quoting, CRLF line ends, money as plain integers, times as Korea time
 * "YYYY-MM-DD HH:MM:SS", states as their stable ids. @n_rows (optional) gets the number
 * of bills written. */
gboolean    pm_ledger_export_csv        (PmLedger             *self,
                                         const PmLedgerQuery  *query,
                                         GOutputStream        *stream,
                                         guint64              *n_rows,
                                         GCancellable         *cancellable,
                                         GError              **error);
/* The same into a file, replaced atomically. */
gboolean    pm_ledger_export_csv_to_path (PmLedger            *self,
                                          const PmLedgerQuery *query,
                                          const char          *path,
                                          guint64             *n_rows,
                                          GCancellable        *cancellable,
                                          GError             **error);

/* Bulk sends. A batch is one billing run of bulk-send. */
typedef struct
{
  char   *id;            /* derived from the profile and the batch name */
  char   *name;          /* the batch name the user gave (--batch), or the file name */
  char   *source_name;   /* the file's name */
  char   *profile_id;
  char   *content_hash;  /* pm_csv_import_get_content_hash (); "" before schema 3 */
  gint64  created_at;    /* unix UTC of the first run */
  guint   n_total;
  guint   n_sent;
  guint   n_failed;
  /* read back only (pm_ledger_lookup_batch, pm_ledger_find_batches_by_content): */
  guint   n_bills;       /* bills of this batch in the ledger */
  guint   n_live;        /* of them, the ones not failed and not "not sent": sent, or
                          * perhaps sent (an outcome still unknown) */
} PmLedgerBatch;

void        pm_ledger_batch_free        (PmLedgerBatch        *batch);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (PmLedgerBatch, pm_ledger_batch_free)

gboolean    pm_ledger_insert_batch      (PmLedger             *self,
                                         const char           *batch_id,
                                         const char           *source_name,
                                         guint                 n_total,
                                         gint64                created_at,
                                         GError              **error);
/* Records @batch (its id, name, source name, profile, content hash, n_total, created at).
 * When the id is there already (a batch run again), the first record stays; only the
 * fields a ledger from before schema 3 left empty are filled in. */
gboolean    pm_ledger_insert_batch_full (PmLedger             *self,
                                         const PmLedgerBatch  *batch,
                                         GError              **error);
/* NULL with no error when there is no such batch. */
PmLedgerBatch *pm_ledger_lookup_batch   (PmLedger             *self,
                                         const char           *batch_id,
                                         GError              **error);
/* The batches of @profile_id whose rows had @content_hash, newest first; empty for "".
 * (element-type PmLedgerBatch) */
GPtrArray  *pm_ledger_find_batches_by_content (PmLedger       *self,
                                               const char     *profile_id,
                                               const char     *content_hash,
                                               GError        **error);
gboolean    pm_ledger_update_batch      (PmLedger             *self,
                                         const char           *batch_id,
                                         guint                 n_sent,
                                         guint                 n_failed,
                                         GError              **error);

/* AutoPay payers per profile (insert or update by profile + phone). */
gboolean    pm_ledger_save_payer        (PmLedger             *self,
                                         const char           *profile_id,
                                         const char           *phone,
                                         const char           *name,
                                         gint64                registered_at,
                                         GError              **error);
gboolean    pm_ledger_delete_payer      (PmLedger             *self,
                                         const char           *profile_id,
                                         const char           *phone,
                                         GError              **error);
/* By name. (element-type PmLedgerPayer) */
GPtrArray  *pm_ledger_list_payers       (PmLedger             *self,
                                         const char           *profile_id,
                                         GError              **error);

/* Change watching.
 *
 * pm_ledger_get_outside_serial: a number that changes (grows) when another connection
 * (another process, such as paymint-cli or a second window, or another PmLedger on the
 * same file) has committed to the ledger since it was last asked. Writes through this
 * PmLedger leave it as it is: its own signals tell of those. Cheap: it reads SQLite's
 * data_version counter, never a table, so a short timer may ask it (PmService does, and
 * emits "ledger-changed"). Returns 0 with @error set when SQLite cannot answer.
 *
 * pm_ledger_check_writable: whether a write can be committed now; it commits one that
 * changes nothing (the schema version written again). PM_ERROR_STORAGE says why not. */
guint64     pm_ledger_get_outside_serial (PmLedger            *self,
                                          GError             **error);
gboolean    pm_ledger_check_writable    (PmLedger             *self,
                                         GError              **error);

/* Wrap many writes in one transaction (bulk import, benchmarks). Signals are still
 * emitted per bill, after each write. Intents inserted inside a transaction are
 * durable at pm_ledger_commit(), which then runs with synchronous=FULL. */
gboolean    pm_ledger_begin             (PmLedger             *self,
                                         GError              **error);
gboolean    pm_ledger_commit            (PmLedger             *self,
                                         GError              **error);
void        pm_ledger_rollback          (PmLedger             *self);
/* The same for what the server told us (the poller's reads): not durable, and with group
 * commit on it joins the open group. */
gboolean    pm_ledger_begin_observed    (PmLedger             *self,
                                         GError              **error);

/* Group commit: writes that need not be durable (everything but intents) share one
 * transaction, committed @delay_ms after its first write, at PM_LEDGER_GROUP_MAX writes,
 * before any durable write, at pm_ledger_flush() and when the ledger is finalized. Other
 * processes see them that much later; this process at once. 0 (the default) turns it
 * off. A group that cannot be committed emits "storage-failed". */
#define PM_LEDGER_GROUP_MAX 1024
void        pm_ledger_set_group_commit  (PmLedger             *self,
                                         guint                 delay_ms);
gboolean    pm_ledger_flush             (PmLedger             *self,
                                         GError              **error);
guint64     pm_ledger_get_group_commits (PmLedger             *self);

/* The text indexes (search by name, phone, product, bill id) take new bills in groups,
 * off the insert path: when the main loop is idle, when the ledger is closed, and here.
 * A search calls it first (every bill is found); @max_bills 0 indexes all, else at most
 * that many; @n_left (optional) gets how many still wait. */
gboolean    pm_ledger_index_text        (PmLedger             *self,
                                         guint                 max_bills,
                                         guint                *n_left,
                                         GError              **error);
/* While held (calls with @hold TRUE not yet matched by one with FALSE), new bills wait
 * for the text indexes instead of being indexed at the next idle moment; the last end of
 * a hold indexes them in one pass. A search indexes what it needs first all the same. A
 * bulk send holds them for its run. */
void        pm_ledger_hold_text_index   (PmLedger             *self,
                                         gboolean              hold);

G_END_DECLS
