/* pm-service-summary.c — a period at a glance, read off the main thread
 *
 * Copyright 2026 The Paymint Desk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "pm-service-summary.h"

#include "pm-ledger-private.h"


/* The second connection: a PmLedger is one SQLite connection meant for one thread at a
 * time; the worker threads of GTask take turns with it under the lock. It lives as long
 * as the service (object data), which each running task keeps alive. */
typedef struct
{
  GMutex    lock;
  PmLedger *source;   /* the service's ledger, whose reader this is */
  PmLedger *reader;   /* opened by the first task that needs it */
} SummaryReader;

typedef struct
{
  char          *profile_id;
  PmSummarySpan  span;
  int            year;
  int            month;
  gint64         now;
} SummaryJob;

#define READER_KEY "pm-service-summary-reader"

static void
summary_reader_free (gpointer data)
{
  SummaryReader *reader = data;

  g_clear_object (&reader->reader);
  g_clear_object (&reader->source);
  g_mutex_clear (&reader->lock);
  g_free (reader);
}

static void
summary_job_free (gpointer data)
{
  SummaryJob *job = data;

  g_free (job->profile_id);
  g_free (job);
}

static gboolean
path_is_file (const char *path)
{
  return path != NULL && *path != '\0' && !g_str_equal (path, ":memory:")
         && !g_str_has_prefix (path, "file:");
}

static void
summarize_thread (GTask        *task,
                  gpointer      source_object,
                  gpointer      task_data,
                  GCancellable *cancellable)
{
  SummaryJob *job = task_data;
  SummaryReader *reader = g_object_get_data (source_object, READER_KEY);
  g_autoptr(GError) error = NULL;
  PmLedgerSummary *summary;

  if (g_task_return_error_if_cancelled (task))
    return;

  g_mutex_lock (&reader->lock);
  if (reader->reader == NULL)
    reader->reader = pm_ledger_open_reader (reader->source, &error);
  summary = reader->reader != NULL
              ? pm_ledger_summarize (reader->reader, job->profile_id, job->span, job->year,
                                     job->month, job->now, &error)
              : NULL;
  g_mutex_unlock (&reader->lock);

  if (summary == NULL)
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_pointer (task, summary, (GDestroyNotify) pm_ledger_summary_free);
}

void
pm_service_summarize_async (PmService           *self,
                            PmSummarySpan        span,
                            int                  year,
                            int                  month,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  PmLedger *ledger;
  const char *path;
  SummaryJob *job;
  const char *profile_id;

  g_return_if_fail (PM_IS_SERVICE (self));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, pm_service_summarize_async);
  g_task_set_name (task, "[paymint] summarize");

  /* the same scope as the list: with no profile, nothing rather than everything */
  profile_id = pm_service_get_profile_id (self);
  job = g_new0 (SummaryJob, 1);
  job->profile_id = g_strdup (profile_id != NULL ? profile_id : "-");
  job->span = span;
  job->year = year;
  job->month = month;
  job->now = g_get_real_time () / G_USEC_PER_SEC;
  g_task_set_task_data (task, job, summary_job_free);

  ledger = pm_service_get_ledger (self);
  path = pm_ledger_get_path (ledger);
  if (!path_is_file (path))
    {
      g_autoptr(GError) error = NULL;
      PmLedgerSummary *summary = pm_ledger_summarize (ledger, job->profile_id, span, year,
                                                      month, job->now, &error);

      if (summary == NULL)
        g_task_return_error (task, g_steal_pointer (&error));
      else
        g_task_return_pointer (task, summary, (GDestroyNotify) pm_ledger_summary_free);
      return;
    }

  if (g_object_get_data (G_OBJECT (self), READER_KEY) == NULL)
    {
      SummaryReader *reader = g_new0 (SummaryReader, 1);

      g_mutex_init (&reader->lock);
      reader->source = g_object_ref (ledger);
      g_object_set_data_full (G_OBJECT (self), READER_KEY, reader, summary_reader_free);
    }
  /* the reader's connection sees only what is committed: the open group first (the
   * lead's group commit, pm_ledger_set_group_commit) */
  pm_ledger_flush (ledger, NULL);
  g_task_run_in_thread (task, summarize_thread);
}

PmLedgerSummary *
pm_service_summarize_finish (PmService     *self,
                             GAsyncResult  *result,
                             GError       **error)
{
  g_return_val_if_fail (PM_IS_SERVICE (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == pm_service_summarize_async,
                        NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}
