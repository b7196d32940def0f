/* pm-plan-run.c — running a plan's period: exactly one bill per payer, whatever happens
 *
 * Copyright 2026 The Paymint Desk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Why a payer cannot be billed twice for one period (and revision):
 *
 * 1. The bill id is a function of (plan uuid, payer id, period, revision) only
 *    (pm_plan_derive_bill_id). Every process, every computer, every restored backup
 *    derives the same id for the same payer and month.
 * 2. The ledger's bills table has bill_id as its key: a second intent with that id
 *    cannot be written (pm_ledger_insert_intent → PM_ERROR_DUPLICATE_BILL), and the
 *    sender sends only intents, each under its own id, reconciling an unsettled one by a
 *    read before any new attempt (API.md §5).
 * 3. The server keeps bill_id unique forever (9800): even a process that lost its ledger
 *    (a backup restored from before the run) asks for the same id and gets "exists",
 *    which the sender settles by reading the bill.
 * 4. The run lock is an optimisation on top, so two runs at once do not race each other
 *    through (2) and (3): the claim reads and writes the plan_runs row inside one
 *    BEGIN IMMEDIATE transaction. SQLite lets one connection at a time hold the write
 *    lock, and BEGIN IMMEDIATE takes it before the read, so two claims are serialised:
 *    the second one reads the first one's committed "running" row with a live owner
 *    (boot id, pid, a per-run nonce) and leaves the period alone (report->busy). An owner
 *    that died (SIGKILL, power cut) is recognised — another boot, a pid that no longer
 *    exists, a lease past its end — and the next run takes the period over and resumes
 *    it: intents already durable are reconciled (read, then the same id), the others are
 *    written and sent.
 *    On a shop ledger (PostgreSQL, several desks on different computers), a pid or a
 *    boot id says nothing about another computer, so the run lock is the server's: the
 *    desk takes a session advisory lock keyed by (plan, period) on a connection of the
 *    run's own (pm_plan_run_lock_try) and holds it for the whole run. A desk that cannot
 *    take it reports the period busy. A desk that dies (or loses that connection) loses
 *    its session and so its lock; whoever takes the lock next finds the row "running"
 *    under an owner (host, pid, nonce) that can no longer hold it, takes the period
 *    over and resumes it as above, first ending the dead desk's leases on the run's
 *    intents so that its own recovery reconciles them. The claim itself reads and writes
 *    plan_runs under the plans' transaction lock (pm_plan_sql_begin), as BEGIN IMMEDIATE
 *    does in SQLite. A desk checks that it still holds the lock before each group of
 *    intents and before it ends the run; one that lost it stops and leaves the row to
 *    the next holder.
 * Revisions only grow through bill-again, which checks and records the next revision in
 * one BEGIN IMMEDIATE transaction too (the plans' lock on a shop ledger), and only after
 * the payer's newest bill is final.
 *
 * A run writes every intent durably (in groups of PM_PLAN_DEFAULT_WRITE_AHEAD, each one
 * transaction) before any request leaves, then keeps at most "parallel" requests in
 * flight.
 */

#include "config.h"

#include "pm-plan-store.h"
#include "pm-plan-private.h"

#include <errno.h>
#include <glib/gi18n-lib.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "pm-csv.h"
#include "pm-error.h"
#include "pm-ledger-private.h"
#include "pm-phone.h"

#define LEASE_SECONDS (6 * 3600)

/* ---- reports ---- */

G_DEFINE_BOXED_TYPE (PmPlanRunReport, pm_plan_run_report, pm_plan_run_report_copy,
                     pm_plan_run_report_free)

PmPlanRunReport *
pm_plan_run_report_copy (const PmPlanRunReport *report)
{
  PmPlanRunReport *copy = g_memdup2 (report, sizeof *report);

  copy->plan_uuid = g_strdup (report->plan_uuid);
  copy->plan_name = g_strdup (report->plan_name);
  copy->period = g_strdup (report->period);
  copy->error_text = g_strdup (report->error_text);
  return copy;
}

void
pm_plan_run_report_free (PmPlanRunReport *report)
{
  if (report == NULL)
    return;
  g_free (report->plan_uuid);
  g_free (report->plan_name);
  g_free (report->period);
  g_free (report->error_text);
  g_free (report);
}

static char *
month_and_name (const char *period,
                const char *name)
{
  int month = 0;

  if (!pm_plan_parse_period (period, PM_PLAN_FIELD_PERIOD, NULL, &month, NULL))
    return g_strdup (name != NULL ? name : "");
  return g_strdup_printf ("%d월 %s", month, name != NULL ? name : "");
}

char *
pm_plan_run_report_dup_summary (const PmPlanRunReport *report)
{
  g_autofree char *what = NULL;
  g_autoptr(GString) text = g_string_new (NULL);

  g_return_val_if_fail (report != NULL, NULL);

  what = month_and_name (report->period, report->plan_name);
  g_string_append_printf (text, "%s: ", what);
  g_string_append_printf (text, g_dngettext (GETTEXT_PACKAGE, "%u bill sent", "%u bills sent",
                                             report->n_sent),
                          report->n_sent);
  if (report->n_failed > 0)
    {
      g_string_append (text, ", ");
      g_string_append_printf (text, g_dngettext (GETTEXT_PACKAGE, "%u not sent", "%u not sent",
                                                 report->n_failed), report->n_failed);
    }
  if (report->n_unknown > 0)
    {
      g_string_append (text, ", ");
      g_string_append_printf (text, g_dngettext (GETTEXT_PACKAGE, "%u not known yet",
                                                 "%u not known yet", report->n_unknown),
                              report->n_unknown);
    }
  return g_string_free (g_steal_pointer (&text), FALSE);
}

char *
pm_plan_run_info_dup_missed_text (const PmPlanRunInfo *info)
{
  g_autoptr(GTimeZone) tz = pm_bill_korea_time_zone ();
  g_autoptr(GDateTime) utc = NULL;
  g_autoptr(GDateTime) local = NULL;
  g_autofree char *what = NULL;

  g_return_val_if_fail (info != NULL, NULL);

  what = month_and_name (info->period, info->plan_name);
  utc = g_date_time_new_from_unix_utc (info->due_at);
  local = g_date_time_to_timezone (utc, tz);
  /* Translators: "3월 수강료 was due on the 5th." */
  return g_strdup_printf (_("%s was due on day %d."), what, g_date_time_get_day_of_month (local));
}

static PmPlanRunHook run_hook;

void
pm_plan_set_run_hook_for_testing (PmPlanRunHook hook)
{
  run_hook = hook;
}

/* ---- owners ---- */

G_LOCK_DEFINE_STATIC (live_owners);
static GHashTable *live_owners; /* owner tokens of the runs going on in this process */

static const char *
boot_id (void)
{
  static char *id;

  if (g_once_init_enter (&id))
    {
      char *text = NULL;

      if (!g_file_get_contents ("/proc/sys/kernel/random/boot_id", &text, NULL, NULL))
        text = g_strdup ("unknown-boot");
      g_once_init_leave (&id, g_strstrip (text));
    }
  return id;
}

/* SQLite: boot id, pid, nonce (owner_alive reads them). A shop ledger: host, pid, nonce,
 * for people reading the table (the lock says who is alive). */
static char *
new_owner (gboolean shared)
{
  g_autofree char *nonce = g_uuid_string_random ();
  char *owner = g_strdup_printf ("%s:%d:%s", shared ? g_get_host_name () : boot_id (),
                                 (int) getpid (), nonce);

  G_LOCK (live_owners);
  if (live_owners == NULL)
    live_owners = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_hash_table_add (live_owners, g_strdup (owner));
  G_UNLOCK (live_owners);
  return owner;
}

static void
owner_gone (const char *owner)
{
  G_LOCK (live_owners);
  if (live_owners != NULL)
    g_hash_table_remove (live_owners, owner);
  G_UNLOCK (live_owners);
}

/* Whether the run that wrote @owner may still be going on. */
static gboolean
owner_alive (const char *owner,
             gint64      lease_until,
             gint64      now)
{
  g_auto(GStrv) parts = NULL;
  gint64 pid;
  gboolean alive;

  if (owner == NULL || *owner == '\0' || lease_until <= now)
    return FALSE;
  parts = g_strsplit (owner, ":", 3);
  if (g_strv_length (parts) != 3 || strcmp (parts[0], boot_id ()) != 0)
    return FALSE;  /* written before the last boot (or elsewhere): that process is gone */
  pid = g_ascii_strtoll (parts[1], NULL, 10);
  if (pid <= 0)
    return FALSE;
  if (pid == getpid ())
    {
      G_LOCK (live_owners);
      alive = live_owners != NULL && g_hash_table_contains (live_owners, owner);
      G_UNLOCK (live_owners);
      return alive;
    }
  return kill ((pid_t) pid, 0) == 0 || errno == EPERM;
}

/* ---- the claim ---- */

typedef enum
{
  CLAIM_OK,
  CLAIM_BUSY,
  CLAIM_SKIPPED,
} Claim;

typedef struct
{
  PmPlanStore     *store;
  PmService       *service;
  PmPlan          *plan;
  char            *period;
  gint64           now;
  guint            parallel;
  char            *owner;
  char            *batch_id;
  GPtrArray       *drafts;     /* PmBill: not in the ledger yet */
  GPtrArray       *intents;    /* PmBill: written, to send */
  guint            next_send;
  guint            in_flight;
  gboolean         stopped;
  gboolean         claimed;
  gboolean         shared;     /* a shop ledger: the run lock is held in lock */
  PmPlanRunLock   *lock;
  PmPlanRunReport *report;
} RunData;

static void
run_data_free (RunData *d)
{
  if (d->owner != NULL)
    owner_gone (d->owner);
  g_clear_pointer (&d->lock, pm_plan_run_lock_free);
  g_clear_object (&d->store);
  g_clear_object (&d->service);
  g_clear_object (&d->plan);
  g_free (d->period);
  g_free (d->owner);
  g_free (d->batch_id);
  g_clear_pointer (&d->drafts, g_ptr_array_unref);
  g_clear_pointer (&d->intents, g_ptr_array_unref);
  pm_plan_run_report_free (d->report);
  g_free (d);
}

static char *
derive_batch_id (const char *plan_uuid,
                 const char *period)
{
  g_autofree char *seed = g_strdup_printf ("%s/%s", plan_uuid, period);

  return pm_csv_derive_bill_id (seed, "pmplan1-batch");
}

/* Reads the run row (state, owner, lease) of (plan, period); FALSE on failure. */
static gboolean
read_run_row (PmPlanStore     *store,
              const char      *plan_uuid,
              const char      *period,
              gboolean        *exists,
              PmPlanRunState  *state,
              char           **owner,
              gint64          *lease_until,
              GError         **error)
{
  static const PmPlanStmt stmt = {
    "SELECT state, owner, lease_until FROM plan_runs WHERE plan_uuid = ? AND period = ?", NULL,
  };
  g_autoptr(PmPlanRows) rows = pm_plan_sql_query (pm_plan_store_get_ledger (store), &stmt,
                                                  error, "tt", plan_uuid, period);

  if (rows == NULL)
    return FALSE;
  *exists = pm_plan_rows_len (rows) > 0;
  if (*exists)
    {
      if (!pm_plan_run_state_from_string (pm_plan_rows_text (rows, 0, 0), state))
        *state = PM_PLAN_RUN_DUE;
      *owner = g_strdup (pm_plan_rows_text (rows, 0, 1));
      *lease_until = pm_plan_rows_int64 (rows, 0, 2);
    }
  return TRUE;
}

static gboolean
record_bill (PmPlanStore  *store,
             const char   *plan_uuid,
             const char   *period,
             const char   *payer_id,
             guint         revision,
             const char   *bill_id,
             gint64        now,
             GError      **error)
{
  static const PmPlanStmt stmt = {
    "INSERT OR IGNORE INTO plan_bills (plan_uuid, period, "
    "payer_id, revision, bill_id, created_at) VALUES (?, ?, ?, ?, ?, ?)",
    "INSERT INTO plan_bills (plan_uuid, period, payer_id, revision, bill_id, created_at) "
    "VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING",
  };

  return pm_plan_sql_exec (pm_plan_store_get_ledger (store), &stmt, NULL, error, "tttitl",
                           plan_uuid, period, payer_id, (int) revision, bill_id, now);
}

/* In one BEGIN IMMEDIATE transaction: takes the period (unless a live run holds it or
 * it was skipped), records every payer's bill (plan_bills, newest revision) and the
 * ledger batch, and fills d->drafts with the drafts of the roster in force. */
static gboolean
claim (RunData  *d,
       Claim    *result,
       GError  **error)
{
  PmLedger *ledger = pm_plan_store_get_ledger (d->store);
  const char *uuid = pm_plan_get_uuid (d->plan);
  g_autofree char *owner = NULL;
  g_autoptr(GPtrArray) roster = NULL;
  g_autoptr(GHashTable) revisions = NULL;
  g_autoptr(GPtrArray) drafts = g_ptr_array_new_with_free_func (g_object_unref);
  PmLedgerBatch batch = { 0 };
  PmPlanRunState state = PM_PLAN_RUN_DUE;
  gint64 lease_until = 0;
  gboolean exists = FALSE;
  static const PmPlanStmt run_stmt = {
    "INSERT INTO plan_runs (plan_uuid, period, state, due_at, "
    "batch_id, owner, lease_until, started_at, updated_at) "
    "VALUES (?1, ?2, 'running', ?3, ?4, ?5, ?6, ?7, ?7) "
    "ON CONFLICT (plan_uuid, period) DO UPDATE SET state = 'running', "
    "batch_id = ?4, owner = ?5, lease_until = ?6, finished_at = 0, "
    "started_at = CASE WHEN started_at = 0 THEN ?7 "
    "ELSE started_at END, "
    "updated_at = ?7",
    "INSERT INTO plan_runs (plan_uuid, period, state, due_at, "
    "batch_id, owner, lease_until, started_at, updated_at) "
    "VALUES ($1, $2, 'running', $3, $4, $5, $6, $7, $7) "
    "ON CONFLICT (plan_uuid, period) DO UPDATE SET state = 'running', "
    "batch_id = $4, owner = $5, lease_until = $6, finished_at = 0, "
    "started_at = CASE WHEN plan_runs.started_at = 0 THEN $7 "
    "ELSE plan_runs.started_at END, "
    "updated_at = $7",
  };

  if (!pm_plan_sql_begin (ledger, error))
    return FALSE;
  if (!read_run_row (d->store, uuid, d->period, &exists, &state, &owner, &lease_until, error))
    goto failed;
  if (exists && state == PM_PLAN_RUN_SKIPPED)
    {
      *result = CLAIM_SKIPPED;
      pm_ledger_rollback (ledger);
      return TRUE;
    }
  /* a shop ledger: this desk holds the period's run lock, so whoever wrote "running"
   * before lost it (died): the period is ours to take over */
  if (exists && state == PM_PLAN_RUN_RUNNING && !d->shared
      && owner_alive (owner, lease_until, d->now))
    {
      *result = CLAIM_BUSY;
      pm_ledger_rollback (ledger);
      return TRUE;
    }

  roster = pm_plan_store_roster_for (d->store, uuid, d->period, error);
  if (roster == NULL)
    goto failed;
  revisions = pm_plan_store_read_revisions (d->store, uuid, d->period, error);
  if (revisions == NULL)
    goto failed;
  for (guint i = 0; i < roster->len; i++)
    {
      PmPlanPayer *payer = g_ptr_array_index (roster, i);
      guint revision = pm_plan_revision_of (revisions, payer->phone);
      g_autoptr(GError) local = NULL;
      PmBill *draft = pm_plan_make_draft (d->plan, payer, d->period, revision, d->now, &local);

      if (draft == NULL)
        {
          /* the templates were checked when the plan was saved: only a roster row the
           * server would refuse ends here; it is reported, the others go on */
          d->report->n_failed++;
          if (d->report->error_text == NULL)
            d->report->error_text = g_strdup (local->message);
          continue;
        }
      pm_bill_set_batch_id (draft, d->batch_id);
      if (!record_bill (d->store, uuid, d->period, payer->phone, revision,
                        pm_bill_get_bill_id (draft), d->now, error))
        {
          g_object_unref (draft);
          goto failed;
        }
      g_ptr_array_add (drafts, draft);
    }
  d->report->n_bills = roster->len;

  batch.id = d->batch_id;
  batch.name = g_strdup_printf ("%s %s", pm_plan_get_name (d->plan), d->period);
  batch.source_name = batch.name;
  batch.profile_id = (char *) pm_service_get_profile_id (d->service);
  batch.content_hash = (char *) "";
  batch.created_at = d->now;
  batch.n_total = roster->len;
  if (!pm_ledger_insert_batch_full (ledger, &batch, error))
    {
      g_free (batch.name);
      goto failed;
    }
  g_free (batch.name);

  if (!pm_plan_sql_exec (ledger, &run_stmt, NULL, error, "ttlttll", uuid, d->period,
                         pm_plan_due_at (d->plan, d->period), d->batch_id, d->owner,
                         d->now + LEASE_SECONDS, d->now))
    goto failed;
  if (!pm_ledger_commit (ledger, error))
    return FALSE;

  g_clear_pointer (&d->drafts, g_ptr_array_unref);
  d->drafts = g_steal_pointer (&drafts);
  d->claimed = TRUE;
  *result = CLAIM_OK;
  return TRUE;

failed:
  pm_ledger_rollback (ledger);
  return FALSE;
}

/* Ends the claim: done, or back to due (stopped) so that the next run resumes. */
static gboolean
release (RunData   *d,
         gboolean   done,
         GError   **error)
{
  PmLedger *ledger = pm_plan_store_get_ledger (d->store);
  static const PmPlanStmt stmt = {
    "UPDATE plan_runs SET state = ?1, owner = NULL, lease_until = 0, "
    "finished_at = ?2, updated_at = ?3 "
    "WHERE plan_uuid = ?4 AND period = ?5 AND owner = ?6", NULL,
  };

  if (!d->claimed)
    {
      g_clear_pointer (&d->lock, pm_plan_run_lock_free);
      return TRUE;
    }
  if (d->lock != NULL && !pm_plan_run_lock_check (d->lock, error))
    {
      /* the period may be another desk's by now: its row is left to whoever holds the
       * lock next, who resumes it */
      d->claimed = FALSE;
      g_clear_pointer (&d->lock, pm_plan_run_lock_free);
      return FALSE;
    }
  if (!pm_plan_sql_begin (ledger, error))
    return FALSE;
  if (!pm_plan_sql_exec (ledger, &stmt, NULL, error, "tllttt", done ? "done" : "due",
                         done ? d->now : (gint64) 0, d->now, pm_plan_get_uuid (d->plan),
                         d->period, d->owner))
    goto failed;
  if (!pm_ledger_commit (ledger, error))
    return FALSE;
  d->claimed = FALSE;
  g_clear_pointer (&d->lock, pm_plan_run_lock_free);
  pm_plan_store_emit_run_changed (d->store, pm_plan_get_uuid (d->plan), d->period);
  return TRUE;

failed:
  pm_ledger_rollback (ledger);
  return FALSE;
}

/* ---- classifying, writing, sending ---- */

static void
count_outcome (RunData *d,
               PmBill  *bill)
{
  switch (pm_bill_get_state (bill))
    {
    case PM_BILL_STATE_QUEUED:
    case PM_BILL_STATE_SENDING:
    case PM_BILL_STATE_UNKNOWN:
      d->report->n_unknown++;
      break;
    case PM_BILL_STATE_FAILED:
    case PM_BILL_STATE_NOT_SENT:
      d->report->n_failed++;
      if (d->report->error_text == NULL && pm_bill_get_error_text (bill) != NULL)
        d->report->error_text = g_strdup (pm_bill_get_error_text (bill));
      break;
    default:
      d->report->n_sent++;
      d->report->won_sent += pm_bill_get_price (bill);
    }
}

static gboolean
is_stop_error (const GError *error)
{
  return g_error_matches (error, PM_ERROR, PM_ERROR_UNAUTHORIZED)
         || g_error_matches (error, PM_ERROR, PM_ERROR_LICENSE_REQUIRED)
         || g_error_matches (error, PM_ERROR, PM_ERROR_INSUFFICIENT_BALANCE)
         || g_error_matches (error, PM_ERROR, PM_ERROR_STORAGE)
         || g_error_matches (error, PM_ERROR, PM_ERROR_CANCELLED)
         || g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
}

static void finish_run (GTask *task);
static void pump (GTask *task);

static void
sent_cb (GObject      *object,
         GAsyncResult *result,
         gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  RunData *d = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(PmBill) bill = pm_service_send_finish (PM_SERVICE (object), result, &error);

  d->in_flight--;
  if (bill == NULL)
    {
      if (error != NULL && d->report->error_text == NULL)
        d->report->error_text = g_strdup (error->message);
      if (is_stop_error (error))
        d->stopped = TRUE;
      if (pm_error_is_maybe_done (error) || is_stop_error (error))
        d->report->n_unknown++;
      else
        d->report->n_failed++;
    }
  else
    count_outcome (d, bill);
  if (run_hook != NULL)
    run_hook (d->report->n_written, d->report->n_sent + d->report->n_failed
                                    + d->report->n_unknown);
  pump (g_steal_pointer (&task));
}

static void
pump (GTask *task)
{
  RunData *d = g_task_get_task_data (task);
  GCancellable *cancellable = g_task_get_cancellable (task);

  if (g_cancellable_is_cancelled (cancellable))
    d->stopped = TRUE;
  while (!d->stopped && d->in_flight < d->parallel && d->next_send < d->intents->len)
    {
      PmBill *intent = g_ptr_array_index (d->intents, d->next_send++);

      d->in_flight++;
      pm_service_send_intent_async (d->service, intent, cancellable, sent_cb,
                                    g_object_ref (task));
    }
  if (d->in_flight == 0)
    finish_run (task);
  else
    g_object_unref (task);
}

static void
finish_run (GTask *task)
{
  RunData *d = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  /* intents written but never sent (stopped) stay queued: the period stays due and the
   * next run resumes it */
  gboolean done = !d->stopped && d->next_send >= d->intents->len;

  if (!done && d->next_send < d->intents->len)
    d->report->n_unknown += d->intents->len - d->next_send;
  if (!release (d, done, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      g_object_unref (task);
      return;
    }
  g_task_return_pointer (task, pm_plan_run_report_copy (d->report),
                         (GDestroyNotify) pm_plan_run_report_free);
  g_object_unref (task);
}

/* Writes d->drafts as intents, PM_PLAN_DEFAULT_WRITE_AHEAD per durable transaction. */
static gboolean
write_intents (RunData  *d,
               GError  **error)
{
  for (guint start = 0; start < d->drafts->len; start += PM_PLAN_DEFAULT_WRITE_AHEAD)
    {
      g_autoptr(GPtrArray) group = g_ptr_array_new ();
      g_autoptr(GPtrArray) written = NULL;
      g_autoptr(GError) local = NULL;
      guint end = MIN (start + PM_PLAN_DEFAULT_WRITE_AHEAD, d->drafts->len);

      /* a shop ledger: only while this desk still holds the period */
      if (d->lock != NULL && !pm_plan_run_lock_check (d->lock, error))
        return FALSE;
      for (guint i = start; i < end; i++)
        g_ptr_array_add (group, g_ptr_array_index (d->drafts, i));
      written = pm_service_write_intents (d->service, group, &local);
      if (written == NULL && g_error_matches (local, PM_ERROR, PM_ERROR_DUPLICATE_BILL))
        {
          /* another writer got there first (the lock's owner was wrongly thought dead,
           * or a window and a timer each running one bill): one by one, and whatever
           * exists is that writer's to send */
          written = g_ptr_array_new_with_free_func (g_object_unref);
          g_clear_error (&local);
          for (guint i = 0; i < group->len; i++)
            {
              g_autoptr(GPtrArray) one = g_ptr_array_new ();
              g_autoptr(GPtrArray) got = NULL;

              g_ptr_array_add (one, g_ptr_array_index (group, i));
              got = pm_service_write_intents (d->service, one, &local);
              if (got != NULL)
                g_ptr_array_add (written, g_object_ref (g_ptr_array_index (got, 0)));
              else if (g_error_matches (local, PM_ERROR, PM_ERROR_DUPLICATE_BILL))
                {
                  d->report->n_already++;
                  g_clear_error (&local);
                }
              else
                break;
            }
        }
      if (local != NULL)
        {
          if (d->report->error_text == NULL)
            d->report->error_text = g_strdup (local->message);
          if (pm_error_get_field (local) != NULL || g_error_matches (local, PM_ERROR,
                                                                     PM_ERROR_INVALID))
            {
              /* one row the server would refuse (the sender validates): write the
               * others one by one so that the row alone fails */
              g_clear_error (&local);
              for (guint i = 0; i < group->len; i++)
                {
                  g_autoptr(GPtrArray) one = g_ptr_array_new ();
                  g_autoptr(GPtrArray) got = NULL;
                  g_autoptr(GError) e = NULL;

                  g_ptr_array_add (one, g_ptr_array_index (group, i));
                  got = pm_service_write_intents (d->service, one, &e);
                  if (got != NULL)
                    {
                      g_ptr_array_add (d->intents, g_object_ref (g_ptr_array_index (got, 0)));
                      d->report->n_written++;
                    }
                  else if (g_error_matches (e, PM_ERROR, PM_ERROR_DUPLICATE_BILL))
                    d->report->n_already++;
                  else if (g_error_matches (e, PM_ERROR, PM_ERROR_INVALID))
                    d->report->n_failed++;
                  else
                    {
                      g_propagate_error (error, g_steal_pointer (&e));
                      return FALSE;
                    }
                }
              continue;
            }
          g_propagate_error (error, g_steal_pointer (&local));
          return FALSE;
        }
      for (guint i = 0; i < written->len; i++)
        g_ptr_array_add (d->intents, g_object_ref (g_ptr_array_index (written, i)));
      d->report->n_written += written->len;
      if (run_hook != NULL)
        run_hook (d->report->n_written, 0);
    }
  return TRUE;
}

static void
start_sending (GTask *task)
{
  RunData *d = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;

  if (!write_intents (d, &error))
    {
      g_autoptr(GError) ignored = NULL;

      d->stopped = TRUE;
      release (d, FALSE, &ignored);
      g_task_return_error (task, g_steal_pointer (&error));
      g_object_unref (task);
      return;
    }
  pump (task);
}

static void
settled_cb (GObject      *object,
            GAsyncResult *result,
            gpointer      user_data)
{
  GTask *task = user_data;
  RunData *d = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  PmLedger *ledger = pm_plan_store_get_ledger (d->store);
  g_autoptr(GPtrArray) remaining = g_ptr_array_new_with_free_func (g_object_unref);

  if (!pm_service_start_finish (PM_SERVICE (object), result, NULL, &error))
    {
      g_autoptr(GError) ignored = NULL;

      release (d, FALSE, &ignored);
      g_task_return_error (task, g_steal_pointer (&error));
      g_object_unref (task);
      return;
    }
  /* count what the earlier run's intents became */
  for (guint i = 0; i < d->drafts->len; i++)
    {
      PmBill *draft = g_ptr_array_index (d->drafts, i);
      g_autoptr(PmBill) stored = pm_ledger_lookup (ledger, pm_bill_get_bill_id (draft), NULL);

      if (stored == NULL)
        g_ptr_array_add (remaining, g_object_ref (draft));
      else if (GPOINTER_TO_INT (g_object_get_data (G_OBJECT (draft), "pm-plan-unsettled")))
        count_outcome (d, stored);
    }
  g_ptr_array_unref (d->drafts);
  d->drafts = g_steal_pointer (&remaining);
  start_sending (task);
}

/* Sorts d->drafts: bills the ledger has settled are counted, unsettled ones (an earlier
 * run's intents) are reconciled through the service first, the rest are written. */
static void
classify (GTask *task)
{
  RunData *d = g_task_get_task_data (task);
  PmLedger *ledger = pm_plan_store_get_ledger (d->store);
  g_autoptr(GPtrArray) remaining = g_ptr_array_new_with_free_func (g_object_unref);
  gboolean unsettled = FALSE;

  for (guint i = 0; i < d->drafts->len; i++)
    {
      PmBill *draft = g_ptr_array_index (d->drafts, i);
      g_autoptr(GError) error = NULL;
      g_autoptr(PmBill) stored = pm_ledger_lookup (ledger, pm_bill_get_bill_id (draft), &error);

      if (error != NULL)
        {
          g_autoptr(GError) ignored = NULL;

          release (d, FALSE, &ignored);
          g_task_return_error (task, g_steal_pointer (&error));
          g_object_unref (task);
          return;
        }
      if (stored == NULL)
        {
          g_ptr_array_add (remaining, g_object_ref (draft));
          continue;
        }
      switch (pm_bill_get_state (stored))
        {
        case PM_BILL_STATE_QUEUED:
        case PM_BILL_STATE_SENDING:
        case PM_BILL_STATE_UNKNOWN:
          /* a shop ledger: an earlier run's desk (dead, or stopped) leased it; this desk
           * holds the period now, so its recovery takes the intent up at once */
          if (d->shared && !pm_plan_sql_free_intent (ledger, pm_bill_get_bill_id (draft),
                                                     &error))
            {
              g_autoptr(GError) ignored = NULL;

              release (d, FALSE, &ignored);
              g_task_return_error (task, g_steal_pointer (&error));
              g_object_unref (task);
              return;
            }
          unsettled = TRUE;
          g_object_set_data (G_OBJECT (draft), "pm-plan-unsettled", GINT_TO_POINTER (1));
          g_ptr_array_add (remaining, g_object_ref (draft));
          break;
        default:
          d->report->n_already++;
        }
    }
  g_ptr_array_unref (d->drafts);
  d->drafts = g_steal_pointer (&remaining);
  if (unsettled)
    {
      pm_service_start_async (d->service, g_task_get_cancellable (task), settled_cb, task);
      return;
    }
  start_sending (task);
}

void
pm_plan_store_run_async (PmPlanStore         *self,
                         PmService           *service,
                         const char          *plan_uuid,
                         const char          *period,
                         gint64               now,
                         guint                parallel,
                         GCancellable        *cancellable,
                         GAsyncReadyCallback  callback,
                         gpointer             user_data)
{
  GTask *task;
  RunData *d;
  g_autoptr(GError) error = NULL;
  Claim claimed = CLAIM_OK;
  const char *plan_profile;

  g_return_if_fail (PM_IS_PLAN_STORE (self));
  g_return_if_fail (PM_IS_SERVICE (service));
  g_return_if_fail (plan_uuid != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, pm_plan_store_run_async);
  d = g_new0 (RunData, 1);
  g_task_set_task_data (task, d, (GDestroyNotify) run_data_free);
  d->store = g_object_ref (self);
  d->service = g_object_ref (service);
  d->period = g_strdup (period);
  d->now = now;
  d->parallel = parallel != 0 ? MIN (parallel, 64) : PM_PLAN_DEFAULT_PARALLEL;
  d->intents = g_ptr_array_new_with_free_func (g_object_unref);
  d->drafts = g_ptr_array_new_with_free_func (g_object_unref);
  d->report = g_new0 (PmPlanRunReport, 1);
  d->report->period = g_strdup (period);

  if (!pm_plan_parse_period (period, PM_PLAN_FIELD_PERIOD, NULL, NULL, &error))
    goto failed;
  d->plan = pm_plan_store_lookup (self, plan_uuid, &error);
  if (d->plan == NULL)
    goto failed;
  d->report->plan_uuid = g_strdup (pm_plan_get_uuid (d->plan));
  d->report->plan_name = g_strdup (pm_plan_get_name (d->plan));
  if (!pm_plan_covers (d->plan, period))
    {
      pm_error_set_field_error (&error, PM_ERROR_INVALID, PM_PLAN_FIELD_PERIOD,
                                _("The plan “%s” does not bill %s."), pm_plan_get_name (d->plan),
                                period);
      goto failed;
    }
  plan_profile = pm_plan_get_profile_id (d->plan);
  if (pm_service_get_profile_id (service) == NULL)
    {
      g_set_error_literal (&error, PM_ERROR, PM_ERROR_INVALID,
                           _("There is no connection to send the plan’s bills with."));
      goto failed;
    }
  if (plan_profile != NULL && *plan_profile != '\0'
      && g_strcmp0 (plan_profile, pm_service_get_profile_id (service)) != 0)
    {
      g_set_error (&error, PM_ERROR, PM_ERROR_INVALID,
                   _("The plan “%s” belongs to another connection profile; switch to it "
                     "to run the plan."), pm_plan_get_name (d->plan));
      goto failed;
    }

  d->shared = pm_ledger_is_shared (pm_plan_store_get_ledger (self));
  d->owner = new_owner (d->shared);
  d->batch_id = derive_batch_id (pm_plan_get_uuid (d->plan), period);
  if (d->shared)
    {
      d->lock = pm_plan_run_lock_try (pm_plan_store_get_ledger (self), pm_plan_get_uuid (d->plan),
                                      period, &error);
      if (d->lock == NULL && error != NULL)
        goto failed;
    }
  if (d->shared && d->lock == NULL)
    claimed = CLAIM_BUSY;  /* another desk is running it */
  else if (!claim (d, &claimed, &error))
    {
      g_clear_pointer (&d->lock, pm_plan_run_lock_free);
      goto failed;
    }
  if (claimed != CLAIM_OK)
    g_clear_pointer (&d->lock, pm_plan_run_lock_free);
  if (claimed == CLAIM_BUSY)
    {
      d->report->busy = TRUE;
      g_task_return_pointer (task, pm_plan_run_report_copy (d->report),
                             (GDestroyNotify) pm_plan_run_report_free);
      g_object_unref (task);
      return;
    }
  if (claimed == CLAIM_SKIPPED)
    {
      pm_error_set_field_error (&error, PM_ERROR_INVALID, PM_PLAN_FIELD_PERIOD,
                                _("%s of “%s” was skipped."), period, pm_plan_get_name (d->plan));
      goto failed;
    }
  pm_plan_store_emit_run_changed (self, pm_plan_get_uuid (d->plan), period);
  classify (task);
  return;

failed:
  g_task_return_error (task, g_steal_pointer (&error));
  g_object_unref (task);
}

PmPlanRunReport *
pm_plan_store_run_finish (PmPlanStore   *self,
                          GAsyncResult  *result,
                          GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/* ---- every due run ---- */

typedef struct
{
  PmService *service;
  GPtrArray *due;      /* PmPlanRunInfo, DUE only */
  guint      next;
  guint      n_missed;
  gint64     now;
  guint      parallel;
  GPtrArray *reports;
} DueData;

static void
due_data_free (DueData *d)
{
  g_clear_object (&d->service);
  g_clear_pointer (&d->due, g_ptr_array_unref);
  g_clear_pointer (&d->reports, g_ptr_array_unref);
  g_free (d);
}

static void run_next_due (GTask *task);

static void
due_run_cb (GObject      *object,
            GAsyncResult *result,
            gpointer      user_data)
{
  GTask *task = user_data;
  DueData *d = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  PmPlanRunReport *report = pm_plan_store_run_finish (PM_PLAN_STORE (object), result, &error);

  if (report == NULL)
    {
      PmPlanRunInfo *info = g_ptr_array_index (d->due, d->next - 1);

      /* one plan failing does not keep the others from running */
      report = g_new0 (PmPlanRunReport, 1);
      report->plan_uuid = g_strdup (info->plan_uuid);
      report->plan_name = g_strdup (info->plan_name);
      report->period = g_strdup (info->period);
      report->error_text = g_strdup (error->message);
      if (is_stop_error (error))
        {
          g_ptr_array_add (d->reports, report);
          g_task_return_error (task, g_steal_pointer (&error));
          g_object_unref (task);
          return;
        }
    }
  g_ptr_array_add (d->reports, report);
  run_next_due (task);
}

static void
run_next_due (GTask *task)
{
  DueData *d = g_task_get_task_data (task);
  PmPlanStore *self = g_task_get_source_object (task);

  if (d->next < d->due->len && !g_cancellable_is_cancelled (g_task_get_cancellable (task)))
    {
      PmPlanRunInfo *info = g_ptr_array_index (d->due, d->next++);

      pm_plan_store_run_async (self, d->service, info->plan_uuid, info->period, d->now,
                               d->parallel, g_task_get_cancellable (task), due_run_cb, task);
      return;
    }
  g_task_return_pointer (task, g_steal_pointer (&d->reports), (GDestroyNotify) g_ptr_array_unref);
  g_object_unref (task);
}

void
pm_plan_store_run_due_async (PmPlanStore         *self,
                             PmService           *service,
                             gint64               now,
                             gint64               grace,
                             guint                parallel,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  GTask *task;
  DueData *d;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) due = NULL;

  g_return_if_fail (PM_IS_PLAN_STORE (self));
  g_return_if_fail (PM_IS_SERVICE (service));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, pm_plan_store_run_due_async);
  d = g_new0 (DueData, 1);
  g_task_set_task_data (task, d, (GDestroyNotify) due_data_free);
  d->service = g_object_ref (service);
  d->now = now;
  d->parallel = parallel;
  d->reports = g_ptr_array_new_with_free_func ((GDestroyNotify) pm_plan_run_report_free);
  d->due = g_ptr_array_new_with_free_func ((GDestroyNotify) pm_plan_run_info_free);

  due = pm_plan_store_due_runs (self, pm_service_get_profile_id (service), now, grace, &error);
  if (due == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      g_object_unref (task);
      return;
    }
  for (guint i = 0; i < due->len; i++)
    {
      PmPlanRunInfo *info = g_ptr_array_index (due, i);

      if (info->state == PM_PLAN_RUN_MISSED)
        {
          /* late beyond the grace period: a person decides (send now / skip) */
          if (!pm_plan_store_mark_missed (self, info, now, &error))
            {
              g_task_return_error (task, g_steal_pointer (&error));
              g_object_unref (task);
              return;
            }
          d->n_missed++;
          continue;
        }
      g_ptr_array_add (d->due, pm_plan_run_info_copy (info));
    }
  run_next_due (task);
}

GPtrArray *
pm_plan_store_run_due_finish (PmPlanStore   *self,
                              GAsyncResult  *result,
                              guint         *n_missed,
                              GError       **error)
{
  DueData *d;

  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  d = g_task_get_task_data (G_TASK (result));
  if (n_missed != NULL)
    *n_missed = d->n_missed;
  return g_task_propagate_pointer (G_TASK (result), error);
}

/* ---- bill again ---- */

static void
again_sent_cb (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  PmPlanStore *self = g_task_get_source_object (task);
  g_autoptr(GError) error = NULL;
  PmBill *bill = pm_service_send_finish (PM_SERVICE (object), result, &error);
  const char *uuid = g_object_get_data (G_OBJECT (task), "plan-uuid");
  const char *period = g_object_get_data (G_OBJECT (task), "period");

  pm_plan_store_emit_run_changed (self, uuid, period);
  if (bill == NULL)
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_pointer (task, bill, g_object_unref);
}

void
pm_plan_store_bill_again_async (PmPlanStore         *self,
                                PmService           *service,
                                const char          *plan_uuid,
                                const char          *period,
                                const char          *phone,
                                gint64               now,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(PmPlan) plan = NULL;
  g_autoptr(GPtrArray) roster = NULL;
  g_autoptr(GHashTable) revisions = NULL;
  g_autoptr(PmBill) draft = NULL;
  g_autoptr(PmBill) newest = NULL;
  g_autoptr(GPtrArray) drafts = g_ptr_array_new ();
  g_autoptr(GPtrArray) written = NULL;
  g_autofree char *digits = NULL;
  g_autofree char *newest_id = NULL;
  g_autofree char *batch_id = NULL;
  PmLedger *ledger;
  PmPlanPayer *payer = NULL;
  guint revision;

  g_return_if_fail (PM_IS_PLAN_STORE (self));
  g_return_if_fail (PM_IS_SERVICE (service));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, pm_plan_store_bill_again_async);
  ledger = pm_plan_store_get_ledger (self);

  if (!pm_plan_parse_period (period, PM_PLAN_FIELD_PERIOD, NULL, NULL, &error))
    goto failed;
  plan = pm_plan_store_lookup (self, plan_uuid, &error);
  if (plan == NULL)
    goto failed;
  if (!pm_phone_normalize (phone != NULL ? phone : "", &digits, NULL, &error))
    goto failed;
  g_object_set_data_full (G_OBJECT (task), "plan-uuid", g_strdup (pm_plan_get_uuid (plan)),
                          g_free);
  g_object_set_data_full (G_OBJECT (task), "period", g_strdup (period), g_free);

  /* check and record the next revision in one write transaction: two "bill again" at
   * once cannot both make one */
  if (!pm_plan_sql_begin (ledger, &error))
    goto failed;
  roster = pm_plan_store_roster_for (self, pm_plan_get_uuid (plan), period, &error);
  if (roster == NULL)
    goto rollback;
  for (guint i = 0; i < roster->len && payer == NULL; i++)
    if (g_strcmp0 (((PmPlanPayer *) g_ptr_array_index (roster, i))->phone, digits) == 0)
      payer = g_ptr_array_index (roster, i);
  if (payer == NULL)
    {
      g_autofree char *shown = pm_phone_format_display (digits);

      pm_error_set_field_error (&error, PM_ERROR_INVALID, "phone",
                                _("%s is not on the roster of “%s” for %s."), shown,
                                pm_plan_get_name (plan), period);
      goto rollback;
    }
  revisions = pm_plan_store_read_revisions (self, pm_plan_get_uuid (plan), period, &error);
  if (revisions == NULL)
    goto rollback;
  if (!g_hash_table_contains (revisions, digits))
    {
      pm_error_set_field_error (&error, PM_ERROR_INVALID, PM_PLAN_FIELD_PERIOD,
                                _("%s has not been billed for %s yet: run the plan instead."),
                                payer->name, period);
      goto rollback;
    }
  revision = pm_plan_revision_of (revisions, digits);
  newest_id = pm_plan_derive_bill_id (pm_plan_get_uuid (plan), digits, period, revision);
  newest = pm_ledger_lookup (ledger, newest_id, &error);
  if (error != NULL)
    goto rollback;
  if (newest != NULL)
    {
      PmBillState state = pm_bill_get_state (newest);

      if (state != PM_BILL_STATE_DESTROYED && state != PM_BILL_STATE_CANCELLED
          && state != PM_BILL_STATE_FAILED && state != PM_BILL_STATE_NOT_SENT)
        {
          pm_error_set_field_error (&error, PM_ERROR_INVALID, PM_PLAN_FIELD_PERIOD,
                                    _("%s’s bill for %s is “%s”: void it first to bill the "
                                      "month again."), payer->name, period,
                                    pm_bill_state_get_label (state));
          goto rollback;
        }
    }
  else
    {
      pm_error_set_field_error (&error, PM_ERROR_INVALID, PM_PLAN_FIELD_PERIOD,
                                _("%s’s bill for %s is still being made: wait for the run "
                                  "to finish."), payer->name, period);
      goto rollback;
    }
  draft = pm_plan_make_draft (plan, payer, period, revision + 1, now, &error);
  if (draft == NULL)
    goto rollback;
  batch_id = derive_batch_id (pm_plan_get_uuid (plan), period);
  pm_bill_set_batch_id (draft, batch_id);
  if (!record_bill (self, pm_plan_get_uuid (plan), period, digits, revision + 1,
                    pm_bill_get_bill_id (draft), now, &error))
    goto rollback;
  if (!pm_ledger_commit (ledger, &error))
    goto failed;

  g_ptr_array_add (drafts, draft);
  written = pm_service_write_intents (service, drafts, &error);
  if (written == NULL)
    goto failed;
  pm_service_send_intent_async (service, g_ptr_array_index (written, 0), cancellable,
                                again_sent_cb, g_steal_pointer (&task));
  return;

rollback:
  pm_ledger_rollback (ledger);
failed:
  g_task_return_error (task, g_steal_pointer (&error));
}

PmBill *
pm_plan_store_bill_again_finish (PmPlanStore   *self,
                                 GAsyncResult  *result,
                                 GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}
