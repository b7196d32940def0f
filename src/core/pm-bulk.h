/* pm-bulk.h — bulk send: one payment request per row of a spreadsheet file
 *
 * Copyright 2026 The Paymint Desk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * PmBulk is the whole of a bulk send, for the window and for `paymint-cli bulk-send`
 * alike. Its steps, each one the caller's to take (the caller asks the clerk in
 * between):
 *
 *   1. pm_bulk_load_file (or _async): read the file and check every row (rows with
 *      errors are PM_BULK_ROW_INVALID; identical rows — the same payer name and phone,
 *      amount and product, pm-csv.h — are found). Needs no connection.
 *   2. pm_bulk_prepare: with the service's connection, name the batch (its id derives
 *      from the profile uuid and the batch name, or the file's name), give every valid
 *      row its fixed bill_id (pm_csv_derive_bill_id over "PROFILE-UUID US BATCH", so
 *      running the same batch again maps every row to the same bill), and refuse a file
 *      whose rows were sent before as another batch (content hash, so a renamed or
 *      re-saved copy is caught) unless it is that batch going on or "as-new-batch".
 *   3. pm_bulk_settle_async: reconcile the intents an earlier run (killed, cancelled)
 *      left without an outcome (a read each; absent means sent again with the same
 *      bill_id, by the sender's rules). Skipped for a dry run.
 *   4. pm_bulk_classify: every valid row against the ledger: to send, already sent,
 *      failed before, unknown before, not sent before. Gives what the confirmation
 *      says: "n-run" rows for "won-run" won.
 *   5. pm_bulk_send_async: records the batch (its content hash looked at again under
 *      the ledger's write lock, so two runs of one file under two names cannot both go
 *      ahead), then makes the intents durable in groups (pm_service_write_intents: one
 *      commit for up to "write-ahead" bills, all or none) before any of them leaves, and
 *      keeps at most "parallel" requests in flight. No row is ever charged twice: the
 *      ledger skips what it knows, the fixed bill_ids make the server answer 9800 for
 *      anything else.
 *
 * Stopping. Cancelling the GCancellable of pm_bulk_send_async stops the run from
 * starting new sends; the requests already on their way finish and are recorded, and
 * the run then completes normally (send_finish returns TRUE; "cancelled" is TRUE). A
 * reply that would fail every other row the same way (the API key, license or balance;
 * the ledger failing) stops the run likewise, with "stop-reason" set and "stopped"
 * emitted. Rows whose intents were written but not sent when the run stopped are
 * PM_BULK_ROW_UNKNOWN ("written down, not sent yet"): the next settle reconciles them
 * like any queued intent, so a resume finishes them; rows never written are
 * PM_BULK_ROW_NOT_STARTED. Nothing is ever half-written: intents are written in whole
 * transactions. At most "write-ahead" rows can be left written down: with the service's
 * poller on (the window), the poller settles such intents like any queued one, by the
 * sender's rules (a read first; sent with the same bill_id only within
 * PM_SENDER_AUTO_SEND_WINDOW of being written, else "not sent"), so a window that wants
 * Cancel to leave fewer of them behind sets a smaller "write-ahead" (e.g. "parallel").
 * A send that fails without a definite outcome in the ledger (the poller or another
 * window is working on that bill at the same moment) is PM_BULK_ROW_UNKNOWN, never
 * FAILED: it is settled later and never sent twice.
 *
 * Reporting. "rows" is a GListModel of PmBulkRow, one per data row of the file (invalid
 * ones included), in file order; each row's "status", "bill-id" and "error-text" notify
 * when they change. The counters of PmBulk ("n-done", "n-sent", "won-sent",
 * "n-in-flight", …) notify as the run goes. Every signal and notification is emitted
 * on the thread-default main context of the thread that called pm_bulk_send_async.
 */

#pragma once

#include <gio/gio.h>

#include "pm-bill.h"
#include "pm-csv.h"
#include "pm-ledger.h"
#include "pm-service.h"

G_BEGIN_DECLS

#define PM_BULK_ERROR (pm_bulk_error_quark ())

/* Why a bulk send is refused before anything is sent (messages are sentences for
 * people, translated). */
typedef enum
{
  PM_BULK_ERROR_INVALID_ROWS,  /* rows with errors, and "skip-invalid" is not set */
  PM_BULK_ERROR_DUPLICATES,    /* identical rows, and "allow-duplicates" is not set */
  PM_BULK_ERROR_NO_VALID_ROW,  /* not one row to send */
  PM_BULK_ERROR_BATCH_EXISTS,  /* "as-new-batch", but a batch of that name exists */
  PM_BULK_ERROR_SENT_BEFORE,   /* the rows were sent as another batch (pm_bulk_get_sent_before) */
  PM_BULK_ERROR_NOT_READY,     /* a step called out of order, or no connection */
} PmBulkError;

GQuark pm_bulk_error_quark (void);

typedef enum
{
  PM_BULK_ROW_INVALID,         /* the row has errors (PmCsvRow.errors); never sent */
  PM_BULK_ROW_TO_SEND,         /* valid; not in the ledger (before classify: not checked) */
  PM_BULK_ROW_ALREADY_SENT,    /* in the ledger in a definite server state */
  PM_BULK_ROW_FAILED_BEFORE,   /* in the ledger as failed (error-text: why) */
  PM_BULK_ROW_UNKNOWN_BEFORE,  /* in the ledger without an outcome even after settling */
  PM_BULK_ROW_NOT_SENT_BEFORE, /* in the ledger as not sent: proved never created, too old
                                * to be sent again by itself; waits for Send Again */
  PM_BULK_ROW_SENDING,         /* its request is on its way */
  PM_BULK_ROW_SENT,
  PM_BULK_ROW_FAILED,          /* refused; nothing charged (error-text: why) */
  PM_BULK_ROW_UNKNOWN,         /* the outcome is not known yet; settled later, never sent
                                * twice (error-text: why) */
  PM_BULK_ROW_NOT_STARTED,     /* stopped (cancelled, "limit", an error) before its intent
                                * was written */
} PmBulkRowStatus;

typedef enum
{
  PM_BULK_STAGE_EMPTY,      /* nothing loaded */
  PM_BULK_STAGE_LOADED,     /* the file is read and checked */
  PM_BULK_STAGE_PREPARED,   /* the batch is named, bill ids given */
  PM_BULK_STAGE_CLASSIFIED, /* every row checked against the ledger: ready to send */
  PM_BULK_STAGE_SENDING,
  PM_BULK_STAGE_DONE,       /* the run ended (finished, stopped or cancelled) */
} PmBulkStage;

#define PM_TYPE_BULK_ROW_STATUS (pm_bulk_row_status_get_type ())
#define PM_TYPE_BULK_STAGE (pm_bulk_stage_get_type ())
GType        pm_bulk_row_status_get_type (void) G_GNUC_CONST;
GType        pm_bulk_stage_get_type      (void) G_GNUC_CONST;
/* "to send", "sent", … for people (translated). */
const char  *pm_bulk_row_status_get_label (PmBulkRowStatus status);

#define PM_BULK_DEFAULT_PARALLEL    8
#define PM_BULK_MAX_PARALLEL        64
#define PM_BULK_DEFAULT_WRITE_AHEAD 32

/* ---- one row ---- */

#define PM_TYPE_BULK_ROW (pm_bulk_row_get_type ())
G_DECLARE_FINAL_TYPE (PmBulkRow, pm_bulk_row, PM, BULK_ROW, GObject)

/* Properties (read-only, notify on change): "number" (guint: the row number a
 * spreadsheet shows), "status" (PmBulkRowStatus), "bill-id" (NULL until prepared, and
 * for invalid rows), "error-text" (what went wrong, or the row's cell errors joined with
 * "; "; NULL when nothing), "amount" (gint64 won; 0 for an invalid row), "duplicate"
 * (TRUE when the row is the same bill as another row of the file). */
guint            pm_bulk_row_get_number     (PmBulkRow *self);
PmBulkRowStatus  pm_bulk_row_get_status     (PmBulkRow *self);
const char      *pm_bulk_row_get_bill_id    (PmBulkRow *self);
const char      *pm_bulk_row_get_error_text (PmBulkRow *self);
gint64           pm_bulk_row_get_amount     (PmBulkRow *self);
gboolean         pm_bulk_row_get_duplicate  (PmBulkRow *self);
/* The row as read: its cells' errors, its draft bill (NULL when invalid). Owned by the
 * PmBulk's import; valid while the PmBulk lives. */
const PmCsvRow  *pm_bulk_row_get_csv_row    (PmBulkRow *self);
/* The error of this run's send (or write) of the row, NULL when none (also for a row
 * left written down but not sent when the run stopped). */
const GError    *pm_bulk_row_get_error      (PmBulkRow *self);

/* ---- the bulk send ---- */

#define PM_TYPE_BULK (pm_bulk_get_type ())
G_DECLARE_FINAL_TYPE (PmBulk, pm_bulk, PM, BULK, GObject)

/* Properties.
 *
 * Options (read-write; set before pm_bulk_prepare, except "parallel" and "write-ahead",
 * read when sending):
 *   "service" (PmService; may be set after loading), "batch-name" (string, NULL: the
 *   file's name), "as-new-batch", "skip-invalid", "allow-duplicates" (booleans, FALSE),
 *   "parallel" (1–64, default 8), "limit" (rows this run sends at most; 0: all),
 *   "write-ahead" (intents made durable per transaction, 1–1024, default 32).
 *
 * State (read-only, notify on change):
 *   "stage" (PmBulkStage), "rows" (GListModel of PmBulkRow),
 *   after loading: "n-rows", "n-valid", "n-invalid", "n-duplicate-groups", "total-won"
 *     (of the valid rows);
 *   after preparing: "batch-id", "batch-display-name";
 *   after classifying: "n-to-send", "won-to-send" (every row to send), "n-run",
 *     "won-run" (what this run sends: "limit" applied), "n-already-sent",
 *     "n-failed-before", "n-unknown-before", "n-not-sent-before";
 *   while sending: "n-done" (rows of this run with an outcome: sent + failed + unknown),
 *     "n-sent", "won-sent", "n-failed", "n-unknown", "n-in-flight", "max-in-flight"
 *     (the most requests ever in flight at once in this run), "n-not-started" (set at
 *     the end), "cancelled", "stop-reason" (string, NULL: why the run stopped by itself).
 *
 * Signals:
 *   "stopped" (const char *reason): the run stops starting new sends because of a reply
 *     that would fail every other row the same way; emitted once, before the requests in
 *     flight finish.
 */
PmBulk          *pm_bulk_new                 (PmService            *service);

void             pm_bulk_set_service         (PmBulk               *self,
                                              PmService            *service);
PmService       *pm_bulk_get_service         (PmBulk               *self);
void             pm_bulk_set_batch_name      (PmBulk               *self,
                                              const char           *batch_name);
const char      *pm_bulk_get_batch_name      (PmBulk               *self);
void             pm_bulk_set_as_new_batch    (PmBulk               *self,
                                              gboolean              as_new_batch);
void             pm_bulk_set_skip_invalid    (PmBulk               *self,
                                              gboolean              skip_invalid);
void             pm_bulk_set_allow_duplicates (PmBulk              *self,
                                              gboolean              allow_duplicates);
void             pm_bulk_set_parallel        (PmBulk               *self,
                                              guint                 parallel);
guint            pm_bulk_get_parallel        (PmBulk               *self);
void             pm_bulk_set_limit           (PmBulk               *self,
                                              guint                 limit);
void             pm_bulk_set_write_ahead     (PmBulk               *self,
                                              guint                 write_ahead);

/* 1. Reads @path (see read_file () in pm-bulk.c: the one place the reader is chosen)
 * and checks every row. FALSE (a file-level failure: PM_ERROR_INVALID naming the file's
 * problem, as pm_csv_import_path gives it: CSV or .xlsx) leaves the stage as it was. Only once. */
gboolean         pm_bulk_load_file           (PmBulk               *self,
                                              const char           *path,
                                              const PmCsvOptions   *options,
                                              GError              **error);
/* The same, the file read in a worker thread (a large file takes seconds); the rows
 * are made on the caller's main context by _finish, which must be called. */
void             pm_bulk_load_file_async     (PmBulk               *self,
                                              const char           *path,
                                              const PmCsvOptions   *options,
                                              GCancellable         *cancellable,
                                              GAsyncReadyCallback   callback,
                                              gpointer              user_data);
gboolean         pm_bulk_load_file_finish    (PmBulk               *self,
                                              GAsyncResult         *result,
                                              GError              **error);
PmCsvImport     *pm_bulk_get_import          (PmBulk               *self);
/* The first reason the loaded rows cannot be sent (PM_BULK_ERROR_INVALID_ROWS,
 * _DUPLICATES, _NO_VALID_ROW, in that order, the options applied); TRUE when none. */
gboolean         pm_bulk_check_rows          (PmBulk               *self,
                                              GError              **error);

/* 2. Needs "service" with a connection. Errors: PM_BULK_ERROR_BATCH_EXISTS,
 * PM_BULK_ERROR_SENT_BEFORE (see pm_bulk_get_sent_before), PM_BULK_ERROR_NOT_READY, or
 * the ledger's own (PM_ERROR_STORAGE). May be called again after changing
 * "batch-name" or "as-new-batch" (before sending). */
gboolean         pm_bulk_prepare             (PmBulk               *self,
                                              GError              **error);
const char      *pm_bulk_get_batch_id        (PmBulk               *self);
const char      *pm_bulk_get_batch_display_name (PmBulk            *self);
/* The batch of this name as the ledger has it (an earlier run), or NULL. */
const PmLedgerBatch *pm_bulk_get_this_batch  (PmBulk               *self);
/* The batch that already holds the rows of this file, when refused (SENT_BEFORE). */
const PmLedgerBatch *pm_bulk_get_sent_before (PmBulk               *self);
/* The name to show for @batch: its name, else its file's name, else its id. */
const char      *pm_bulk_batch_display_name  (const PmLedgerBatch  *batch);

/* 3. Reconciles the profile's intents without an outcome (pm_service_start_async);
 * the error is the service's. @n_unsettled: how many are still unknown. */
void             pm_bulk_settle_async        (PmBulk               *self,
                                              GCancellable         *cancellable,
                                              GAsyncReadyCallback   callback,
                                              gpointer              user_data);
gboolean         pm_bulk_settle_finish       (PmBulk               *self,
                                              GAsyncResult         *result,
                                              guint                *n_unsettled,
                                              GError              **error);

/* 4. After prepare (and settle). Errors are the ledger's. */
gboolean         pm_bulk_classify            (PmBulk               *self,
                                              GError              **error);

/* 5. After classify. FALSE only when nothing was sent: refused (pm_bulk_check_rows'
 * reasons, SENT_BEFORE found under the write lock) or the batch could not be recorded.
 * Otherwise TRUE whatever each row's outcome, also when cancelled or stopped. */
void             pm_bulk_send_async          (PmBulk               *self,
                                              GCancellable         *cancellable,
                                              GAsyncReadyCallback   callback,
                                              gpointer              user_data);
gboolean         pm_bulk_send_finish         (PmBulk               *self,
                                              GAsyncResult         *result,
                                              GError              **error);
/* Rows written down but not sent when the run stopped (part of "n-unknown"). */
guint            pm_bulk_get_n_written_not_sent (PmBulk            *self);
/* Why the batch's totals could not be written at the end of the run (the sends are
 * not affected), or NULL. */
const char      *pm_bulk_get_record_error    (PmBulk               *self);

/* Readers of the properties above. */
PmBulkStage      pm_bulk_get_stage           (PmBulk               *self);
GListModel      *pm_bulk_get_rows            (PmBulk               *self);
guint            pm_bulk_get_n_rows          (PmBulk               *self);
guint            pm_bulk_get_n_valid         (PmBulk               *self);
guint            pm_bulk_get_n_invalid       (PmBulk               *self);
guint            pm_bulk_get_n_duplicate_groups (PmBulk            *self);
guint            pm_bulk_get_n_to_send       (PmBulk               *self);
gint64           pm_bulk_get_won_to_send     (PmBulk               *self);
guint            pm_bulk_get_n_run           (PmBulk               *self);
gint64           pm_bulk_get_won_run         (PmBulk               *self);
guint            pm_bulk_get_n_already_sent  (PmBulk               *self);
guint            pm_bulk_get_n_failed_before (PmBulk               *self);
guint            pm_bulk_get_n_unknown_before (PmBulk              *self);
guint            pm_bulk_get_n_not_sent_before (PmBulk             *self);
guint            pm_bulk_get_n_done          (PmBulk               *self);
guint            pm_bulk_get_n_sent          (PmBulk               *self);
gint64           pm_bulk_get_won_sent        (PmBulk               *self);
guint            pm_bulk_get_n_failed        (PmBulk               *self);
guint            pm_bulk_get_n_unknown       (PmBulk               *self);
guint            pm_bulk_get_n_not_started   (PmBulk               *self);
guint            pm_bulk_get_n_in_flight     (PmBulk               *self);
guint            pm_bulk_get_max_in_flight   (PmBulk               *self);
gboolean         pm_bulk_get_cancelled       (PmBulk               *self);
const char      *pm_bulk_get_stop_reason     (PmBulk               *self);

G_END_DECLS
