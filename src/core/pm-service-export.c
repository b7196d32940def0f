/* pm-service-export.c — exporting what the list shows, off the main thread
 *
 * Copyright 2026 The Paymint Desk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Built on PmService's public API. A PmLedger is one SQLite connection for one thread:
 * each export opens its own reader on the ledger file in its worker thread (a long
 * export must not hold a connection the window or a summary needs) and reads in one
 * snapshot.
 */

#include "config.h"

#include "pm-service-export.h"

#include "pm-error.h"


typedef struct
{
  PmLedgerQuery        *query;
  char                 *path;
  PmLedger             *ledger;        /* the service's, whose reader the export opens */
  PmExportFormat        format;

  PmExportProgressFunc  progress;
  gpointer              progress_data;
  GDestroyNotify        progress_destroy;

  /* written by the worker, read on the caller's context */
  GMutex                lock;
  guint64               n_done;
  guint64               n_total;
  gboolean              pending;
} ExportJob;

static void
export_job_free (gpointer data)
{
  ExportJob *job = data;

  if (job->progress_destroy != NULL)
    job->progress_destroy (job->progress_data);
  pm_ledger_query_free (job->query);
  g_free (job->path);
  g_clear_object (&job->ledger);
  g_mutex_clear (&job->lock);
  g_free (job);
}

static gboolean
path_is_file (const char *path)
{
  return path != NULL && *path != '\0' && !g_str_equal (path, ":memory:")
         && !g_str_has_prefix (path, "file:");
}

/* On the caller's context: the latest figures, unless the export is over (its callback
 * ran: a progress report must not come after it). */
static gboolean
progress_idle_cb (gpointer user_data)
{
  GTask *task = user_data;
  ExportJob *job = g_task_get_task_data (task);
  guint64 n_done, n_total;

  g_mutex_lock (&job->lock);
  n_done = job->n_done;
  n_total = job->n_total;
  job->pending = FALSE;
  g_mutex_unlock (&job->lock);
  if (!g_task_get_completed (task))
    job->progress (n_done, n_total, job->progress_data);
  return G_SOURCE_REMOVE;
}

/* In the worker: keep the figures and make sure one report is on its way (reports
 * coalesce when the main loop is busy). Sources of one priority run in the order they
 * were attached, so every report made before the task returns runs before its callback. */
static void
worker_progress_cb (guint64  n_done,
                    guint64  n_total,
                    gpointer user_data)
{
  GTask *task = user_data;
  ExportJob *job = g_task_get_task_data (task);
  gboolean schedule;

  g_mutex_lock (&job->lock);
  job->n_done = n_done;
  job->n_total = n_total;
  schedule = !job->pending;
  job->pending = TRUE;
  g_mutex_unlock (&job->lock);

  if (schedule)
    {
      g_autoptr(GSource) source = g_idle_source_new ();

      g_source_set_priority (source, G_PRIORITY_DEFAULT);
      g_source_set_callback (source, progress_idle_cb, g_object_ref (task), g_object_unref);
      g_source_set_static_name (source, "[paymint] export progress");
      g_source_attach (source, g_task_get_context (task));
    }
}

static void
export_thread (GTask        *task,
               gpointer      source_object,
               gpointer      task_data,
               GCancellable *cancellable)
{
  ExportJob *job = task_data;
  g_autoptr(PmLedger) reader = NULL;
  g_autoptr(GError) error = NULL;
  guint64 n_rows = 0;

  reader = pm_ledger_open_reader (job->ledger, &error);
  if (reader == NULL
      || !pm_export_query_to_path (reader, job->query, job->path, job->format,
                                   job->progress != NULL ? worker_progress_cb : NULL, task,
                                   &n_rows, cancellable, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  g_task_return_int (task, (gssize) MIN (n_rows, (guint64) G_MAXSSIZE));
}

void
pm_service_export_async (PmService             *self,
                         const PmLedgerQuery   *query,
                         const char            *path,
                         PmExportFormat         format,
                         GCancellable          *cancellable,
                         PmExportProgressFunc   progress,
                         gpointer               progress_data,
                         GDestroyNotify         progress_destroy,
                         GAsyncReadyCallback    callback,
                         gpointer               user_data)
{
  g_autoptr(GTask) task = NULL;
  PmLedger *ledger;
  ExportJob *job;

  g_return_if_fail (PM_IS_SERVICE (self));
  g_return_if_fail (path != NULL && *path != '\0');
  g_return_if_fail (format == PM_EXPORT_FORMAT_CSV || format == PM_EXPORT_FORMAT_XLSX);
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, pm_service_export_async);
  g_task_set_name (task, "[paymint] export");
  /* the export says PM_ERROR_CANCELLED itself, once its temporary file is gone; a cancel
   * after the file was renamed into place is too late to undo it */
  g_task_set_check_cancellable (task, FALSE);

  ledger = pm_service_get_ledger (self);
  job = g_new0 (ExportJob, 1);
  g_mutex_init (&job->lock);
  job->query = query != NULL ? pm_ledger_query_copy (query) : pm_ledger_query_new ();
  pm_service_scope_query (self, job->query);
  job->path = g_strdup (path);
  job->ledger = g_object_ref (ledger);
  job->format = format;
  job->progress = progress;
  job->progress_data = progress_data;
  job->progress_destroy = progress_destroy;
  g_task_set_task_data (task, job, export_job_free);

  if (!path_is_file (pm_ledger_get_path (ledger)))
    {
      /* an in-memory ledger has no second connection: export here, on its own thread */
      g_autoptr(GError) error = NULL;
      guint64 n_rows = 0;

      if (pm_export_query_to_path (ledger, job->query, job->path, job->format,
                                   job->progress, job->progress_data, &n_rows, cancellable,
                                   &error))
        g_task_return_int (task, (gssize) MIN (n_rows, (guint64) G_MAXSSIZE));
      else
        g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  /* the list shows this connection's writes at once; the reader sees them once they are
   * committed (group commit keeps them back for a few milliseconds) */
  {
    g_autoptr(GError) error = NULL;

    if (!pm_ledger_flush (ledger, &error))
      g_debug ("Export: the ledger could not commit its last writes first: %s", error->message);
  }
  g_task_run_in_thread (task, export_thread);
}

gint64
pm_service_export_finish (PmService     *self,
                          GAsyncResult  *result,
                          GError       **error)
{
  g_return_val_if_fail (PM_IS_SERVICE (self), -1);
  g_return_val_if_fail (g_task_is_valid (result, self), -1);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == pm_service_export_async, -1);

  return g_task_propagate_int (G_TASK (result), error);
}
