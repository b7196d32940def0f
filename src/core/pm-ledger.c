/* pm-ledger.c — the ledger object: its signals, and every public call forwarded to its
 * backend (a SQLite file, pm-ledger-sqlite.c; or a shop's PostgreSQL, pm-ledger-pg.c)
 *
 * Copyright 2026 The Paymint Desk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "pm-ledger.h"
#include "pm-ledger-backend.h"
#include "pm-ledger-private.h"

#include "pm-error.h"

#include <string.h>
#include <glib/gi18n-lib.h>

/* ------------------------------------------------------------------------ */
/* Boxed types                                                              */
/* ------------------------------------------------------------------------ */

G_DEFINE_BOXED_TYPE (PmLedgerEvent, pm_ledger_event, pm_ledger_event_copy, pm_ledger_event_free)
G_DEFINE_BOXED_TYPE (PmLedgerPayer, pm_ledger_payer, pm_ledger_payer_copy, pm_ledger_payer_free)

PmLedgerEvent *
pm_ledger_event_copy (const PmLedgerEvent *event)
{
  PmLedgerEvent *copy = g_memdup2 (event, sizeof *event);

  copy->bill_id = g_strdup (event->bill_id);
  copy->kind = g_strdup (event->kind);
  copy->detail = g_strdup (event->detail);
  return copy;
}

void
pm_ledger_event_free (PmLedgerEvent *event)
{
  if (event == NULL)
    return;
  g_free (event->bill_id);
  g_free (event->kind);
  g_free (event->detail);
  g_free (event);
}

PmLedgerPayer *
pm_ledger_payer_copy (const PmLedgerPayer *payer)
{
  PmLedgerPayer *copy = g_memdup2 (payer, sizeof *payer);

  copy->profile_id = g_strdup (payer->profile_id);
  copy->name = g_strdup (payer->name);
  copy->phone = g_strdup (payer->phone);
  return copy;
}

void
pm_ledger_payer_free (PmLedgerPayer *payer)
{
  if (payer == NULL)
    return;
  g_free (payer->profile_id);
  g_free (payer->name);
  g_free (payer->phone);
  g_free (payer);
}

/* ------------------------------------------------------------------------ */
/* The object                                                               */
/* ------------------------------------------------------------------------ */

enum
{
  SIGNAL_BILL_ADDED,
  SIGNAL_BILL_CHANGED,
  SIGNAL_BILL_REMOVED,
  SIGNAL_STORAGE_FAILED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (PmLedger, pm_ledger, G_TYPE_OBJECT)

static void
pm_ledger_finalize (GObject *object)
{
  PmLedger *self = PM_LEDGER (object);

  if (self->backend != NULL)
    self->backend->close (self);
  g_clear_pointer (&self->korea, g_time_zone_unref);
  g_clear_pointer (&self->path, g_free);

  G_OBJECT_CLASS (pm_ledger_parent_class)->finalize (object);
}

static void
pm_ledger_class_init (PmLedgerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = pm_ledger_finalize;

  signals[SIGNAL_BILL_ADDED] =
    g_signal_new ("bill-added", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
  signals[SIGNAL_BILL_CHANGED] =
    g_signal_new ("bill-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
  signals[SIGNAL_BILL_REMOVED] =
    g_signal_new ("bill-removed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
  /* A group of writes (pm_ledger_set_group_commit) could not be committed after the
   * calls that made them had returned: they are lost, as at a crash. */
  signals[SIGNAL_STORAGE_FAILED] =
    g_signal_new ("storage-failed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_ERROR);
}

static void
pm_ledger_init (PmLedger *self)
{
  self->korea = pm_bill_korea_time_zone ();
  self->outside_serial = 1;
}

void
pm_ledger_emit_bill_added (PmLedger   *self,
                           const char *bill_id)
{
  g_signal_emit (self, signals[SIGNAL_BILL_ADDED], 0, bill_id);
}

void
pm_ledger_emit_bill_changed (PmLedger   *self,
                             const char *bill_id)
{
  g_signal_emit (self, signals[SIGNAL_BILL_CHANGED], 0, bill_id);
}

void
pm_ledger_emit_bill_removed (PmLedger   *self,
                             const char *bill_id)
{
  g_signal_emit (self, signals[SIGNAL_BILL_REMOVED], 0, bill_id);
}

void
pm_ledger_emit_storage_failed (PmLedger     *self,
                               const GError *error)
{
  g_signal_emit (self, signals[SIGNAL_STORAGE_FAILED], 0, error);
}

const char *
pm_ledger_get_path (PmLedger *self)
{
  g_return_val_if_fail (PM_IS_LEDGER (self), NULL);
  return self->path;
}

const char *
pm_ledger_get_backend_name (PmLedger *self)
{
  g_return_val_if_fail (PM_IS_LEDGER (self), NULL);
  return self->backend->name;
}

gboolean
pm_ledger_is_shared (PmLedger *self)
{
  g_return_val_if_fail (PM_IS_LEDGER (self), FALSE);
  return self->backend != &pm_ledger_sqlite_backend;
}

/* ------------------------------------------------------------------------ */
/* Opening                                                                  */
/* ------------------------------------------------------------------------ */

gboolean
pm_ledger_location_is_uri (const char *location)
{
  return location != NULL
         && (g_str_has_prefix (location, "postgresql://")
             || g_str_has_prefix (location, "postgres://"));
}

PmLedger *
pm_ledger_new (const char  *location,
               GError     **error)
{
  g_return_val_if_fail (location != NULL, NULL);

  if (pm_ledger_location_is_uri (location))
    return pm_ledger_new_shop (location, NULL, error);
  return pm_ledger_sqlite_new (location, error);
}

static PmLedger *
new_shop (const char  *uri,
          const char  *password,
          gboolean     lazy,
          GError     **error)
{
  g_autoptr(PmLedger) self = NULL;

  g_return_val_if_fail (uri != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!pm_ledger_location_is_uri (uri))
    {
      g_set_error (error, PM_ERROR, PM_ERROR_INVALID,
                   _("“%s” is not a PostgreSQL address: it should begin with postgresql://"),
                   uri);
      return NULL;
    }
  self = g_object_new (PM_TYPE_LEDGER, NULL);
  self->path = g_strdup (uri);
  if (!pm_ledger_pg_open (self, uri, password, lazy, error))
    return NULL;
  return g_steal_pointer (&self);
}

PmLedger *
pm_ledger_new_shop (const char  *uri,
                    const char  *password,
                    GError     **error)
{
  return new_shop (uri, password, FALSE, error);
}

PmLedger *
pm_ledger_new_shop_lazy (const char  *uri,
                         const char  *password,
                         GError     **error)
{
  return new_shop (uri, password, TRUE, error);
}

PmLedger *
pm_ledger_open_reader (PmLedger  *self,
                       GError   **error)
{
  g_return_val_if_fail (PM_IS_LEDGER (self), NULL);
  return self->backend->open_reader (self, error);
}

/* ------------------------------------------------------------------------ */
/* Forwarding                                                               */
/* ------------------------------------------------------------------------ */

gboolean
pm_ledger_insert_intent (PmLedger  *self,
                         PmBill    *bill,
                         GError   **error)
{
  g_return_val_if_fail (PM_IS_LEDGER (self), FALSE);
  g_return_val_if_fail (PM_IS_BILL (bill), FALSE);

  return self->backend->insert_intent (self, bill, error);
}

gboolean
pm_ledger_insert_bill (PmLedger  *self,
                       PmBill    *bill,
                       GError   **error)
{
  g_return_val_if_fail (PM_IS_LEDGER (self), FALSE);
  g_return_val_if_fail (PM_IS_BILL (bill), FALSE);

  return self->backend->insert_bill (self, bill, error);
}

gboolean
pm_ledger_update_bill (PmLedger  *self,
                       PmBill    *bill,
                       GError   **error)
{
  g_return_val_if_fail (PM_IS_LEDGER (self), FALSE);
  g_return_val_if_fail (PM_IS_BILL (bill), FALSE);

  return self->backend->update_bill (self, bill, error);
}

gboolean
pm_ledger_set_state (PmLedger     *self,
                     const char   *bill_id,
                     PmBillState   new_state,
                     const char   *detail,
                     gint64        now,
                     GError      **error)
{
  g_return_val_if_fail (PM_IS_LEDGER (self), FALSE);
  g_return_val_if_fail (bill_id != NULL, FALSE);

  return self->backend->set_state (self, bill_id, new_state, detail, now, error);
}

gboolean
pm_ledger_set_check_times (PmLedger    *self,
                           const char  *bill_id,
                           gint64       last_checked_at,
                           gint64       next_check_at,
                           GError     **error)
{
  g_return_val_if_fail (PM_IS_LEDGER (self), FALSE);
  g_return_val_if_fail (bill_id != NULL, FALSE);

  return self->backend->set_check_times (self, bill_id, last_checked_at, next_check_at, error);
}

gboolean
pm_ledger_delete_bill (PmLedger    *self,
                       const char  *bill_id,
                       GError     **error)
{
  g_return_val_if_fail (PM_IS_LEDGER (self), FALSE);
  g_return_val_if_fail (bill_id != NULL, FALSE);

  return self->backend->delete_bill (self, bill_id, error);
}

gboolean
pm_ledger_add_event (PmLedger    *self,
                     const char  *bill_id,
                     gint64       at,
                     const char  *kind,
                     int          from_state,
                     int          to_state,
                     const char  *detail,
                     GError     **error)
{
  g_return_val_if_fail (PM_IS_LEDGER (self), FALSE);
  g_return_val_if_fail (bill_id != NULL && kind != NULL, FALSE);

  return self->backend->add_event (self, bill_id, at, kind, from_state, to_state, detail, error);
}

GPtrArray *
pm_ledger_list_events (PmLedger    *self,
                       const char  *bill_id,
                       GError     **error)
{
  g_return_val_if_fail (PM_IS_LEDGER (self), NULL);
  g_return_val_if_fail (bill_id != NULL, NULL);

  return self->backend->list_events (self, bill_id, error);
}

gboolean
pm_ledger_count (PmLedger             *self,
                 const PmLedgerQuery  *query,
                 guint                *n_bills,
                 GError              **error)
{
  g_return_val_if_fail (PM_IS_LEDGER (self), FALSE);
  g_return_val_if_fail (query != NULL, FALSE);

  return self->backend->count (self, query, n_bills, error);
}

GPtrArray *
pm_ledger_fetch (PmLedger             *self,
                 const PmLedgerQuery  *query,
                 guint                 offset,
                 guint                 limit,
                 GError              **error)
{
  g_return_val_if_fail (PM_IS_LEDGER (self), NULL);
  g_return_val_if_fail (query != NULL, NULL);

  return self->backend->fetch (self, query, offset, limit, error);
}

gboolean
pm_ledger_totals (PmLedger             *self,
                  const PmLedgerQuery  *query,
                  PmLedgerTotals       *totals,
                  GError              **error)
{
  g_return_val_if_fail (PM_IS_LEDGER (self), FALSE);
  g_return_val_if_fail (query != NULL && totals != NULL, FALSE);

  return self->backend->totals (self, query, totals, error);
}

gboolean
pm_ledger_locate (PmLedger             *self,
                  const PmLedgerQuery  *query,
                  const char           *bill_id,
                  gboolean             *selected,
                  guint                *position,
                  GError              **error)
{
  g_return_val_if_fail (PM_IS_LEDGER (self), FALSE);
  g_return_val_if_fail (query != NULL && bill_id != NULL, FALSE);

  return self->backend->locate (self, query, bill_id, selected, position, error);
}

PmBill *
pm_ledger_lookup (PmLedger    *self,
                  const char  *bill_id,
                  GError     **error)
{
  g_return_val_if_fail (PM_IS_LEDGER (self), NULL);
  g_return_val_if_fail (bill_id != NULL, NULL);

  return self->backend->lookup (self, bill_id, error);
}

GPtrArray *
pm_ledger_list_due (PmLedger    *self,
                    const char  *profile_id,
                    gint64       now,
                    guint        limit,
                    GError     **error)
{
  g_return_val_if_fail (PM_IS_LEDGER (self), NULL);

  return self->backend->list_due (self, profile_id, now, limit, error);
}

gint64
pm_ledger_next_due_time (PmLedger    *self,
                         const char  *profile_id,
                         GError     **error)
{
  g_return_val_if_fail (PM_IS_LEDGER (self), 0);

  return self->backend->next_due_time (self, profile_id, error);
}

GPtrArray *
pm_ledger_list_unsettled (PmLedger    *self,
                          const char  *profile_id,
                          GError     **error)
{
  g_return_val_if_fail (PM_IS_LEDGER (self), NULL);

  return self->backend->list_unsettled (self, profile_id, error);
}

GPtrArray *
pm_ledger_recent_payers (PmLedger    *self,
                         const char  *profile_id,
                         const char  *prefix,
                         guint        limit,
                         GError     **error)
{
  g_return_val_if_fail (PM_IS_LEDGER (self), NULL);

  return self->backend->recent_payers (self, profile_id, prefix, limit, error);
}

gboolean
pm_ledger_export_csv (PmLedger             *self,
                      const PmLedgerQuery  *query,
                      GOutputStream        *stream,
                      guint64              *n_rows,
                      GCancellable         *cancellable,
                      GError              **error)
{
  g_return_val_if_fail (PM_IS_LEDGER (self), FALSE);
  g_return_val_if_fail (query != NULL, FALSE);
  g_return_val_if_fail (G_IS_OUTPUT_STREAM (stream), FALSE);

  return self->backend->export_csv (self, query, stream, n_rows, cancellable, error);
}

PmLedgerSummary *
pm_ledger_summarize (PmLedger       *self,
                     const char     *profile_id,
                     PmSummarySpan   span,
                     int             year,
                     int             month,
                     gint64          now,
                     GError        **error)
{
  g_return_val_if_fail (PM_IS_LEDGER (self), NULL);
  g_return_val_if_fail (profile_id != NULL, NULL);

  return self->backend->summarize (self, profile_id, span, year, month, now, error);
}

char *
pm_ledger_explain_for_testing (PmLedger             *self,
                               const PmLedgerQuery  *query,
                               guint                 offset,
                               guint                 limit)
{
  g_return_val_if_fail (PM_IS_LEDGER (self), NULL);

  return self->backend->explain (self, query, offset, limit);
}

gboolean
pm_ledger_begin_snapshot (PmLedger  *self,
                          GError   **error)
{
  g_return_val_if_fail (PM_IS_LEDGER (self), FALSE);

  return self->backend->begin_snapshot (self, error);
}

void
pm_ledger_end_snapshot (PmLedger  *self)
{
  g_return_if_fail (PM_IS_LEDGER (self));

  self->backend->end_snapshot (self);
}

gboolean
pm_ledger_insert_batch_full (PmLedger             *self,
                             const PmLedgerBatch  *batch,
                             GError              **error)
{
  g_return_val_if_fail (PM_IS_LEDGER (self), FALSE);
  g_return_val_if_fail (batch != NULL && batch->id != NULL, FALSE);

  return self->backend->insert_batch_full (self, batch, error);
}

PmLedgerBatch *
pm_ledger_lookup_batch (PmLedger    *self,
                        const char  *batch_id,
                        GError     **error)
{
  g_return_val_if_fail (PM_IS_LEDGER (self), NULL);
  g_return_val_if_fail (batch_id != NULL, NULL);

  return self->backend->lookup_batch (self, batch_id, error);
}

GPtrArray *
pm_ledger_find_batches_by_content (PmLedger    *self,
                                   const char  *profile_id,
                                   const char  *content_hash,
                                   GError     **error)
{
  g_return_val_if_fail (PM_IS_LEDGER (self), NULL);
  g_return_val_if_fail (profile_id != NULL && content_hash != NULL, NULL);

  return self->backend->find_batches_by_content (self, profile_id, content_hash, error);
}

gboolean
pm_ledger_update_batch (PmLedger    *self,
                        const char  *batch_id,
                        guint        n_sent,
                        guint        n_failed,
                        GError     **error)
{
  g_return_val_if_fail (PM_IS_LEDGER (self), FALSE);
  g_return_val_if_fail (batch_id != NULL, FALSE);

  return self->backend->update_batch (self, batch_id, n_sent, n_failed, error);
}

gboolean
pm_ledger_save_payer (PmLedger    *self,
                      const char  *profile_id,
                      const char  *phone,
                      const char  *name,
                      gint64       registered_at,
                      GError     **error)
{
  g_return_val_if_fail (PM_IS_LEDGER (self), FALSE);
  g_return_val_if_fail (profile_id != NULL && phone != NULL, FALSE);

  return self->backend->save_payer (self, profile_id, phone, name, registered_at, error);
}

gboolean
pm_ledger_delete_payer (PmLedger    *self,
                        const char  *profile_id,
                        const char  *phone,
                        GError     **error)
{
  g_return_val_if_fail (PM_IS_LEDGER (self), FALSE);
  g_return_val_if_fail (profile_id != NULL && phone != NULL, FALSE);

  return self->backend->delete_payer (self, profile_id, phone, error);
}

GPtrArray *
pm_ledger_list_payers (PmLedger    *self,
                       const char  *profile_id,
                       GError     **error)
{
  g_return_val_if_fail (PM_IS_LEDGER (self), NULL);

  return self->backend->list_payers (self, profile_id, error);
}

guint64
pm_ledger_get_outside_serial (PmLedger  *self,
                              GError   **error)
{
  g_return_val_if_fail (PM_IS_LEDGER (self), 0);

  return self->backend->get_outside_serial (self, error);
}

gboolean
pm_ledger_check_writable (PmLedger  *self,
                          GError   **error)
{
  g_return_val_if_fail (PM_IS_LEDGER (self), FALSE);

  return self->backend->check_writable (self, error);
}

gboolean
pm_ledger_begin (PmLedger  *self,
                 GError   **error)
{
  g_return_val_if_fail (PM_IS_LEDGER (self), FALSE);

  return self->backend->begin (self, error);
}

gboolean
pm_ledger_begin_observed (PmLedger  *self,
                          GError   **error)
{
  g_return_val_if_fail (PM_IS_LEDGER (self), FALSE);

  return self->backend->begin_observed (self, error);
}

gboolean
pm_ledger_commit (PmLedger  *self,
                  GError   **error)
{
  g_return_val_if_fail (PM_IS_LEDGER (self), FALSE);

  return self->backend->commit (self, error);
}

void
pm_ledger_rollback (PmLedger  *self)
{
  g_return_if_fail (PM_IS_LEDGER (self));

  self->backend->rollback (self);
}

void
pm_ledger_set_group_commit (PmLedger  *self,
                            guint      delay_ms)
{
  g_return_if_fail (PM_IS_LEDGER (self));

  self->backend->set_group_commit (self, delay_ms);
}

gboolean
pm_ledger_flush (PmLedger  *self,
                 GError   **error)
{
  g_return_val_if_fail (PM_IS_LEDGER (self), FALSE);

  return self->backend->flush (self, error);
}

guint64
pm_ledger_get_group_commits (PmLedger  *self)
{
  g_return_val_if_fail (PM_IS_LEDGER (self), 0);

  return self->backend->get_group_commits (self);
}

gboolean
pm_ledger_index_text (PmLedger  *self,
                      guint      max_bills,
                      guint     *n_left,
                      GError   **error)
{
  g_return_val_if_fail (PM_IS_LEDGER (self), FALSE);

  return self->backend->index_text (self, max_bills, n_left, error);
}

void
pm_ledger_hold_text_index (PmLedger *self,
                           gboolean  hold)
{
  g_return_if_fail (PM_IS_LEDGER (self));

  self->backend->hold_text_index (self, hold);
}

void
pm_ledger_set_fail_writes_for_testing (PmLedger  *self,
                                       gboolean   fail_writes)
{
  g_return_if_fail (PM_IS_LEDGER (self));

  self->backend->set_fail_writes (self, fail_writes);
}

gboolean
pm_ledger_insert_batch (PmLedger    *self,
                        const char  *batch_id,
                        const char  *source_name,
                        guint        n_total,
                        gint64       created_at,
                        GError     **error)
{
  g_return_val_if_fail (PM_IS_LEDGER (self), FALSE);
  g_return_val_if_fail (batch_id != NULL, FALSE);

  return self->backend->insert_batch (self, batch_id, source_name, n_total, created_at,
                                      error);
}
