/* pm-poller.c — live status without a callback (API.md §6)
 *
 * Copyright 2026 The Paymint Desk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Payssam's payment callback never reaches a desktop, so the poller reads every
 * non-final bill on a backoff schedule kept in the ledger (next_check_at). At most
 * `concurrency` reads are in flight. A network failure puts the poller offline: it stops
 * reading, probes again every 30 s and whenever the system's network changes, and
 * resumes by itself on the first answer.
 *
 * Completed reads are written in groups: an answer waits up to BATCH_WAIT ms (or until
 * BATCH_MAX answers, or until no read is left in flight) and the group is written in one
 * ledger transaction, one commit instead of one per read. The transaction never stays
 * open across a main-loop iteration, so an intent the sender writes meanwhile is never
 * caught in it (it stays durable before its request leaves). "bill-transition",
 * "bill-checked" and the refresh waiters are told after the commit, bill by bill.
 *
 * Automatic polling lists the due bills once for many reads (the "due" queue), not once
 * per finished read: a list asks for 4 × concurrency bills more than are in flight or
 * waiting for their commit, and lives until it is used up or the ledger is changed by
 * someone else (a bill sent, another process); a bill taken from it is read only if the
 * ledger still says it is due. While reads are in flight the wake-up timer is kept as it
 * is (each finished read pumps again).
 */

#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "pm-poller.h"
#include "pm-error.h"
#include "pm-schedule.h"
#include "pm-sender.h"

#define OFFLINE_PROBE 30   /* seconds between probes while offline */
#define MAX_WAIT      60   /* re-read the ledger at least this often (another process may add bills) */
#define BATCH_MAX     128  /* completed reads written in one transaction at most */
#define BATCH_WAIT    50   /* ms an answer waits for others before its group is written */

/* A completed read waiting for its group's commit. */
typedef struct
{
  char      *bill_id;
  PmBill    *known;     /* the ledger's bill when the read began, or NULL */
  PmBill    *server;    /* what the read said, or NULL */
  GError    *error;     /* else why not: an answer that was no bill (never a network error) */
  GPtrArray *waiters;   /* GTasks waiting for this bill, taken from in_flight */
  gint64     at;        /* when the answer came */
  /* filled in by the write */
  PmBill    *bill;      /* the ledger's bill after the write, or NULL */
  GError    *outcome;   /* what the waiters get when bill is NULL */
  GError    *storage;   /* a write that failed */
  gboolean   transition;
  PmBillState before;
} Done;

static void
done_free (Done *d)
{
  g_free (d->bill_id);
  g_clear_object (&d->known);
  g_clear_object (&d->server);
  g_clear_error (&d->error);
  g_clear_pointer (&d->waiters, g_ptr_array_unref);
  g_clear_object (&d->bill);
  g_clear_error (&d->outcome);
  g_clear_error (&d->storage);
  g_free (d);
}

struct _PmPoller
{
  GObject          parent_instance;

  PmClient        *client;
  PmLedger        *ledger;
  PmSender        *sender;
  char            *profile_id;
  GNetworkMonitor *monitor;

  gboolean         enabled;
  gboolean         online;
  gboolean         probing;   /* offline, but trying one read to see whether we are back */
  guint            concurrency;

  GHashTable      *in_flight;  /* bill_id → GPtrArray of waiting GTasks */
  GQueue           queue;      /* bill_ids to read now (manual refresh), owned strings */
  GHashTable      *queued;     /* the same ids, for O(1) de-duplication */
  GQueue           due;        /* bill_ids the last due list gave, not started yet (owned) */
  gboolean         due_listed; /* that list had every bill due then: no need to ask again */
  guint            n_due_lists; /* due lists asked of the ledger (tests, benchmarks) */
  gboolean         writing;    /* writing a group: the ledger's changes are ours */
  GPtrArray       *done;       /* Done: answers waiting for their group's commit */
  GHashTable      *done_ids;   /* their bill_ids (owned by the Done) */
  guint            flush_id;
  guint            n_commits;  /* ledger transactions the written answers took (tests, benchmarks) */
  gboolean         disposing;
  guint            timer_id;
  guint            probe_id;
  guint            pump_idle_id;
  guint            reschedule_idle_id;
  GCancellable    *cancellable;
};

G_DEFINE_FINAL_TYPE (PmPoller, pm_poller, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_ONLINE,
  PROP_ENABLED,
  PROP_CONCURRENCY,
  PROP_N_COMMITS,
  PROP_N_DUE_LISTS,
  N_PROPS
};

enum {
  BILL_TRANSITION,
  BILL_CHECKED,
  IDLE,
  STORAGE_FAILED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

static void pump (PmPoller *self);
static void flush_done (PmPoller *self);

/* The ledger changed under us (a bill added, or changed by the sender or another
 * process), time passed, or polling started again: the due list is asked again at the
 * next pump. */
static void
forget_due (PmPoller *self)
{
  g_queue_clear_full (&self->due, g_free);
  self->due_listed = FALSE;
}

static gint64
now_utc (void)
{
  return g_get_real_time () / G_USEC_PER_SEC;
}

static void
set_online (PmPoller *self,
            gboolean  online)
{
  if (online)
    {
      self->probing = FALSE;
      g_clear_handle_id (&self->probe_id, g_source_remove);
    }
  if (self->online == online)
    return;
  self->online = online;
  forget_due (self);
  g_debug ("Poller is %s", online ? "online" : "offline");
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ONLINE]);
}

static void
return_waiters (GPtrArray    *waiters,
                PmBill       *bill,
                const GError *error)
{
  for (guint i = 0; i < waiters->len; i++)
    {
      GTask *task = g_ptr_array_index (waiters, i);

      if (bill != NULL)
        g_task_return_pointer (task, g_object_ref (bill), g_object_unref);
      else
        g_task_return_error (task, g_error_copy (error));
    }
  g_ptr_array_set_size (waiters, 0);
}

static void
complete_waiters (PmPoller     *self,
                  const char   *bill_id,
                  PmBill       *bill,
                  const GError *error)
{
  GPtrArray *waiters = NULL;
  g_autofree char *key = NULL;

  if (!g_hash_table_steal_extended (self->in_flight, bill_id, (gpointer *) &key,
                                    (gpointer *) &waiters))
    return;
  return_waiters (waiters, bill, error);
  g_ptr_array_unref (waiters);
}

static gboolean
pump_idle_cb (gpointer user_data)
{
  PmPoller *self = user_data;

  self->pump_idle_id = 0;
  pump (self);
  return G_SOURCE_REMOVE;
}

static void
pump_soon (PmPoller *self)
{
  if (self->pump_idle_id == 0)
    self->pump_idle_id = g_idle_add_full (G_PRIORITY_DEFAULT, pump_idle_cb, self, NULL);
}

static gboolean
is_network_error (const GError *error)
{
  return g_error_matches (error, PM_ERROR, PM_ERROR_NETWORK)
         || g_error_matches (error, PM_ERROR, PM_ERROR_TIMEOUT);
}

static gboolean
probe_cb (gpointer user_data)
{
  PmPoller *self = user_data;

  self->probe_id = 0;
  /* Try one read: its answer decides whether we are back. */
  self->probing = TRUE;
  pump (self);
  if (g_hash_table_size (self->in_flight) == 0)
    {
      /* nothing to read, so nothing can prove the network is down */
      self->probing = FALSE;
      set_online (self, TRUE);
    }
  return G_SOURCE_REMOVE;
}

static void
go_offline (PmPoller *self)
{
  self->probing = FALSE;
  set_online (self, FALSE);
  g_clear_handle_id (&self->timer_id, g_source_remove);
  if (self->probe_id == 0)
    self->probe_id = g_timeout_add_seconds (OFFLINE_PROBE, probe_cb, self);
}

/* What a read learnt could not be written: said through "storage-failed" (PmService
 * pauses sending and tells the clerk), not only in the log. */
static void
report_storage (PmPoller     *self,
                const char   *bill_id,
                const GError *error)
{
  g_message ("Could not record the check of bill %s: %s", bill_id, error->message);
  if (g_error_matches (error, PM_ERROR, PM_ERROR_STORAGE))
    g_signal_emit (self, signals[STORAGE_FAILED], 0, error);
}

/* Writes one answer of a group (inside the group's transaction when there is one).
 * Signals and waiters wait for the commit: see flush_done(). */
static void
write_done (PmPoller *self,
            Done     *d)
{
  g_autoptr(PmBill) bill = NULL;
  g_autoptr(GError) ledger_error = NULL;

  /* The answer says what the ledger said when the read began, and nobody waits for this
   * bill: only its check is noted (the answer's state is no news), worked out from what
   * the ledger said then, without reading the bill again. Had the ledger changed
   * meanwhile (a refund, a payment another desk saw), that change stands: an answer
   * older than it does not turn it back. */
  if (d->server != NULL && d->known != NULL && d->waiters->len == 0
      && pm_bill_get_state (d->server) == pm_bill_get_state (d->known))
    {
      d->before = pm_bill_get_state (d->known);
      pm_bill_set_last_checked_at (d->known, d->at);
      pm_bill_set_next_check_at (d->known, pm_schedule_next_check (d->known, d->at));
      if (!pm_ledger_set_check_times (self->ledger, d->bill_id, d->at,
                                      pm_bill_get_next_check_at (d->known), &ledger_error))
        {
          if (g_error_matches (ledger_error, PM_ERROR, PM_ERROR_NOT_FOUND))
            {
              /* removed meanwhile: as when a lookup finds nothing */
              d->outcome = g_steal_pointer (&ledger_error);
              return;
            }
          d->storage = g_steal_pointer (&ledger_error);
        }
      d->bill = g_object_ref (d->known);
      return;
    }

  bill = pm_ledger_lookup (self->ledger, d->bill_id, &ledger_error);
  if (bill == NULL)
    {
      d->outcome = ledger_error != NULL
                     ? g_steal_pointer (&ledger_error)
                     : pm_error_new_full (PM_ERROR_NOT_FOUND, NULL, NULL, FALSE,
                                          _("This bill is not in the payments ledger."));
      return;
    }

  if (d->server != NULL)
    {
      d->before = pm_bill_get_state (bill);
      if (pm_schedule_adopt_read (bill, d->server, d->at))
        {
          if (!pm_ledger_update_bill (self->ledger, bill, &ledger_error))
            d->storage = g_steal_pointer (&ledger_error);
          else
            d->transition = TRUE;
        }
      else if (!pm_ledger_set_check_times (self->ledger, d->bill_id,
                                           pm_bill_get_last_checked_at (bill),
                                           pm_bill_get_next_check_at (bill), &ledger_error))
        d->storage = g_steal_pointer (&ledger_error);
      d->bill = g_steal_pointer (&bill);
      return;
    }

  /* The server answered but could not tell us (a 5xx, an unknown bill, a key
   * problem): note the check and keep to the schedule. */
  pm_bill_set_last_checked_at (bill, d->at);
  pm_bill_set_next_check_at (bill, pm_schedule_next_check (bill, d->at));
  if (!pm_ledger_set_check_times (self->ledger, d->bill_id, d->at,
                                  pm_bill_get_next_check_at (bill), &ledger_error))
    d->storage = g_steal_pointer (&ledger_error);
  d->outcome = g_error_copy (d->error);
}

/* Writes every answer waiting in one transaction, commits, then tells: per bill,
 * "bill-transition" (only when its write was committed), "bill-checked" and its waiters. */
static int
compare_done (gconstpointer a,
              gconstpointer b)
{
  return strcmp ((*(Done **) a)->bill_id, (*(Done **) b)->bill_id);
}

static void
flush_done (PmPoller *self)
{
  g_autoptr(GPtrArray) batch = NULL;
  g_autoptr(GError) error = NULL;
  gboolean in_transaction;
  gboolean committed = TRUE;

  g_clear_handle_id (&self->flush_id, g_source_remove);
  if (self->done->len == 0 || self->ledger == NULL)
    return;
  /* taken first: whatever a handler below does to the poller starts a new group */
  batch = g_steal_pointer (&self->done);
  self->done = g_ptr_array_new_with_free_func ((GDestroyNotify) done_free);
  g_hash_table_remove_all (self->done_ids);

  /* One transaction for the group. Should it not begin (another process holds the
   * ledger), each write commits on its own, as a single read always did. */
  in_transaction = pm_ledger_begin_observed (self->ledger, &error);
  if (!in_transaction && error != NULL)
    {
      g_debug ("Writing %u checks one by one: %s", batch->len, error->message);
      g_clear_error (&error);
    }
  /* in bill-id order: desks sharing a ledger write their groups' rows in one order, so
   * two groups never wait for each other's rows (a deadlock) */
  g_ptr_array_sort (batch, compare_done);
  self->writing = TRUE;
  for (guint i = 0; i < batch->len; i++)
    write_done (self, g_ptr_array_index (batch, i));
  if (in_transaction)
    {
      committed = pm_ledger_commit (self->ledger, &error);
      self->n_commits++;
    }
  else
    self->n_commits += batch->len;
  self->writing = FALSE;
  /* A change of state (paid, refunded elsewhere) is told only once it is committed for
   * everyone: with group commit on, the group is committed now rather than later. */
  for (guint i = 0; committed && i < batch->len; i++)
    if (((Done *) g_ptr_array_index (batch, i))->transition)
      {
        committed = pm_ledger_flush (self->ledger, &error);
        break;
      }

  if (!committed)
    report_storage (self, ((Done *) g_ptr_array_index (batch, 0))->bill_id, error);
  for (guint i = 0; i < batch->len; i++)
    {
      Done *d = g_ptr_array_index (batch, i);

      if (d->storage != NULL && committed)
        report_storage (self, d->bill_id, d->storage);
      if (d->bill != NULL)
        {
          if (d->transition && committed && !self->disposing)
            g_signal_emit (self, signals[BILL_TRANSITION], 0, d->bill, (int) d->before,
                           (int) pm_bill_get_state (d->bill));
          if (!self->disposing)
            g_signal_emit (self, signals[BILL_CHECKED], 0, d->bill);
        }
      return_waiters (d->waiters, d->bill, d->outcome);
    }
}

static gboolean
flush_cb (gpointer user_data)
{
  PmPoller *self = user_data;

  self->flush_id = 0;
  flush_done (self);
  pump (self);
  return G_SOURCE_REMOVE;
}

/* Puts an answer that has something to write into the current group. */
static void
defer_read (PmPoller     *self,
            const char   *bill_id,
            PmBill       *known,
            PmBill       *server,
            const GError *error)
{
  Done *d = g_new0 (Done, 1);
  g_autofree char *key = NULL;

  d->bill_id = g_strdup (bill_id);
  d->known = known != NULL ? g_object_ref (known) : NULL;
  d->server = server != NULL ? g_object_ref (server) : NULL;
  d->error = server == NULL ? g_error_copy (error) : NULL;
  d->at = now_utc ();
  if (!g_hash_table_steal_extended (self->in_flight, bill_id, (gpointer *) &key,
                                    (gpointer *) &d->waiters))
    d->waiters = g_ptr_array_new ();
  g_ptr_array_add (self->done, d);
  g_hash_table_add (self->done_ids, d->bill_id);
  if (self->done->len >= BATCH_MAX)
    flush_done (self);
  else if (self->flush_id == 0)
    self->flush_id = g_timeout_add (BATCH_WAIT, flush_cb, self);
}

/* A read's outcome: a network failure or a cancel is told at once (nothing to write);
 * an answer joins the group written at the next commit. */
static void
finish_read (PmPoller     *self,
             const char   *bill_id,
             PmBill       *known,
             PmBill       *server,
             const GError *error)
{
  if (server == NULL && is_network_error (error))
    {
      /* keep its schedule; the whole poller waits for the network */
      go_offline (self);
      complete_waiters (self, bill_id, NULL, error);
      return;
    }
  if (server == NULL && g_error_matches (error, PM_ERROR, PM_ERROR_CANCELLED))
    {
      complete_waiters (self, bill_id, NULL, error);
      return;
    }
  set_online (self, TRUE);
  defer_read (self, bill_id, known, server, error);
}

typedef struct
{
  PmPoller *self;
  char     *bill_id;
  PmBill   *known;     /* the ledger's bill when the read began (plain reads) */
} ReadOp;

static void
read_op_free (ReadOp *op)
{
  g_object_unref (op->self);
  g_clear_object (&op->known);
  g_free (op->bill_id);
  g_free (op);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ReadOp, read_op_free)

static void
read_done_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(ReadOp) op = user_data;
  g_autoptr(PmBill) server = NULL;
  g_autoptr(GError) error = NULL;

  server = pm_client_read_finish (PM_CLIENT (object), result, &error);
  if (g_cancellable_is_cancelled (op->self->cancellable))
    return;
  finish_read (op->self, op->bill_id, op->known, server, error);
  pump (op->self);
  /* nothing else in flight: no answer is coming to share the commit */
  if (g_hash_table_size (op->self->in_flight) == 0 && op->self->done->len > 0)
    {
      flush_done (op->self);
      pump (op->self);
    }
}

static void
reconcile_done_cb (GObject      *object,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(ReadOp) op = user_data;
  g_autoptr(PmBill) bill = NULL;
  g_autoptr(GError) error = NULL;
  PmPoller *self = op->self;

  bill = pm_sender_reconcile_finish (PM_SENDER (object), result, &error);
  if (g_cancellable_is_cancelled (self->cancellable))
    return;
  if (bill != NULL)
    {
      set_online (self, TRUE);
      g_signal_emit (self, signals[BILL_CHECKED], 0, bill);
      complete_waiters (self, op->bill_id, bill, NULL);
    }
  else
    {
      if (is_network_error (error) && !pm_error_is_maybe_done (error))
        go_offline (self);
      complete_waiters (self, op->bill_id, NULL, error);
    }
  pump (self);
}

/* What the ledger's due list asks of a bill (pm_ledger_list_due()) */
static gboolean
is_due (PmBill *bill,
        gint64  now)
{
  PmBillState state = pm_bill_get_state (bill);
  gint64 next = pm_bill_get_next_check_at (bill);

  return (state == PM_BILL_STATE_QUEUED || state == PM_BILL_STATE_SENDING
          || state == PM_BILL_STATE_UNKNOWN || state == PM_BILL_STATE_UNPAID
          || state == PM_BILL_STATE_PAID)
         && next > 0 && next <= now;
}

/* Starts a read of @bill_id unless one is already in flight; @waiter (optional) is
 * completed with its outcome. @if_due: only if the ledger says it is due now (a bill
 * from the due queue, listed a moment ago). */
static void
start_read (PmPoller   *self,
            const char *bill_id,
            GTask      *waiter,
            gboolean    if_due)
{
  GPtrArray *waiters = g_hash_table_lookup (self->in_flight, bill_id);
  g_autoptr(PmBill) bill = NULL;
  g_autoptr(GError) error = NULL;
  ReadOp *op;
  PmBillState state;

  if (waiters != NULL)
    {
      if (waiter != NULL)
        g_ptr_array_add (waiters, waiter);
      return;
    }
  /* its last answer is still waiting for the group's commit: write it first */
  if (g_hash_table_contains (self->done_ids, bill_id))
    flush_done (self);

  bill = pm_ledger_lookup (self->ledger, bill_id, &error);
  if (bill == NULL)
    {
      if (waiter != NULL)
        {
          if (error == NULL)
            error = pm_error_new_full (PM_ERROR_NOT_FOUND, NULL, NULL, FALSE,
                                       _("This bill is not in the payments ledger."));
          g_task_return_error (waiter, g_steal_pointer (&error));
          g_object_unref (waiter);
        }
      return;
    }
  /* checked, paid or settled since it was listed */
  if (if_due && !is_due (bill, now_utc ()))
    return;

  waiters = g_ptr_array_new ();
  if (waiter != NULL)
    g_ptr_array_add (waiters, waiter);
  g_hash_table_insert (self->in_flight, g_strdup (bill_id), waiters);

  op = g_new0 (ReadOp, 1);
  op->self = g_object_ref (self);
  op->bill_id = g_strdup (bill_id);

  state = pm_bill_get_state (bill);
  if (state == PM_BILL_STATE_QUEUED || state == PM_BILL_STATE_SENDING
      || state == PM_BILL_STATE_UNKNOWN)
    /* an intent without a definite outcome: the sender's rules decide (read first,
     * send again only when the server does not have it) */
    pm_sender_reconcile_async (self->sender, bill_id, self->cancellable, reconcile_done_cb, op);
  else
    {
      op->known = g_steal_pointer (&bill);
      pm_client_read_async (self->client, bill_id, self->cancellable, read_done_cb, op);
    }
}

static gboolean
timer_cb (gpointer user_data)
{
  PmPoller *self = user_data;

  self->timer_id = 0;
  forget_due (self); /* bills become due as time passes */
  pump (self);
  return G_SOURCE_REMOVE;
}


/* A ledger that cannot be read now (a shop ledger whose server is away) is not a bug:
 * the storage banner says so, and the next pump asks again. */
static void
schedule_unreadable (const GError *error)
{
  if (g_error_matches (error, PM_ERROR, PM_ERROR_STORAGE))
    g_debug ("Could not read the polling schedule: %s", error->message);
  else
    g_warning ("Could not read the polling schedule: %s", error->message);
}

/* @again: work the wake-up time out anew even while reads are in flight (the ledger
 * changed, so it may be earlier) */
static void
schedule_timer (PmPoller *self,
                gboolean  again)
{
  g_autoptr(GError) error = NULL;
  gint64 next;
  gint64 wait;

  /* Reads in flight each pump again when they finish: the timer already set stays (it
   * wakes the poller for bills due later even if a read hangs), rather than being
   * worked out anew with a ledger query after every read. */
  if (!again && self->timer_id != 0 && g_hash_table_size (self->in_flight) > 0
      && self->enabled && self->online && self->profile_id != NULL)
    return;
  g_clear_handle_id (&self->timer_id, g_source_remove);
  if (!self->enabled || !self->online || self->profile_id == NULL)
    return;
  if (!g_queue_is_empty (&self->queue))
    return; /* each finished read pumps again */
  next = pm_ledger_next_due_time (self->ledger, self->profile_id, &error);
  if (error != NULL)
    {
      schedule_unreadable (error);
      next = 0;
    }
  wait = next == 0 ? MAX_WAIT : CLAMP (next - now_utc (), 1, MAX_WAIT);
  self->timer_id = g_timeout_add_seconds ((guint) wait, timer_cb, self);
}

static void
pump (PmPoller *self)
{
  guint cap = self->online ? self->concurrency : 1;

  if ((!self->online && !self->probing) || self->client == NULL)
    return;

  /* manual refreshes first, whether or not automatic polling is on */
  while (g_hash_table_size (self->in_flight) < cap
         && !g_queue_is_empty (&self->queue))
    {
      g_autofree char *bill_id = g_queue_pop_head (&self->queue);

      g_hash_table_remove (self->queued, bill_id);
      if (!g_hash_table_contains (self->in_flight, bill_id))
        start_read (self, bill_id, NULL, FALSE);
    }

  if (self->enabled && self->profile_id != NULL
      && g_hash_table_size (self->in_flight) < cap)
    {
      gboolean listed = FALSE;

      while (g_hash_table_size (self->in_flight) < cap)
        {
          g_autofree char *bill_id = NULL;

          /* at most one list per pump: what it gave may all be in flight already */
          if (g_queue_is_empty (&self->due) && !self->due_listed && !listed)
            {
              g_autoptr(GError) error = NULL;
              g_autoptr(GPtrArray) due = NULL;
              /* the bills in flight and those waiting for their commit are still due in
               * the ledger: listed again, and passed over */
              guint want = self->concurrency * 4 + g_hash_table_size (self->in_flight)
                           + self->done->len;

              listed = TRUE;
              self->n_due_lists++;
              due = pm_ledger_list_due (self->ledger, self->profile_id, now_utc (), want,
                                        &error);
              if (due == NULL)
                schedule_unreadable (error);
              for (guint i = 0; due != NULL && i < due->len; i++)
                g_queue_push_tail (&self->due,
                                   g_strdup (pm_bill_get_bill_id (g_ptr_array_index (due, i))));
              /* everything due now is in the queue (or the ledger could not say: the
               * timer asks again) */
              self->due_listed = due == NULL || due->len < want;
            }
          bill_id = g_queue_pop_head (&self->due);
          if (bill_id == NULL)
            break;
          if (g_hash_table_contains (self->in_flight, bill_id)
              || g_hash_table_contains (self->done_ids, bill_id)
              || pm_sender_is_in_flight (self->sender, bill_id))
            continue;
          start_read (self, bill_id, NULL, TRUE);
        }
    }

  schedule_timer (self, FALSE);

  if (g_hash_table_size (self->in_flight) == 0 && g_queue_is_empty (&self->queue)
      && self->done->len == 0)
    g_signal_emit (self, signals[IDLE], 0);
}

static gboolean
reschedule_idle_cb (gpointer user_data)
{
  PmPoller *self = user_data;

  self->reschedule_idle_id = 0;
  schedule_timer (self, TRUE);
  return G_SOURCE_REMOVE;
}

/* A bill was added or changed (by us, the sender, or another process through this
 * ledger): its next check may be earlier than the one the timer waits for. */
static void
ledger_changed_cb (PmLedger   *ledger,
                   const char *bill_id,
                   PmPoller   *self)
{
  /* our own writes make no bill due sooner than listed (a bill still in the due queue
   * that we checked meanwhile is passed over when its turn comes) */
  if (!self->writing)
    forget_due (self);
  if (self->reschedule_idle_id == 0 && self->timer_id != 0)
    self->reschedule_idle_id = g_idle_add (reschedule_idle_cb, self);
}

/* Another process changed the ledger (PmService noticed): a bill it sent may be due
 * before the time the timer waits for. */
void
pm_poller_reschedule (PmPoller *self)
{
  g_return_if_fail (PM_IS_POLLER (self));

  ledger_changed_cb (self->ledger, NULL, self);
}

static void
network_changed_cb (GNetworkMonitor *monitor,
                    gboolean         available,
                    PmPoller        *self)
{
  /* Whatever the monitor thinks, only an answer from the server proves we are back;
   * a change is a good moment to try. */
  if (!self->online && available)
    {
      g_clear_handle_id (&self->probe_id, g_source_remove);
      self->probe_id = g_idle_add (probe_cb, self);
    }
}

static void
pm_poller_get_property (GObject    *object,
                        guint       prop_id,
                        GValue     *value,
                        GParamSpec *pspec)
{
  PmPoller *self = PM_POLLER (object);

  switch (prop_id)
    {
    case PROP_ONLINE:
      g_value_set_boolean (value, self->online);
      break;
    case PROP_ENABLED:
      g_value_set_boolean (value, self->enabled);
      break;
    case PROP_CONCURRENCY:
      g_value_set_uint (value, self->concurrency);
      break;
    case PROP_N_COMMITS:
      g_value_set_uint (value, self->n_commits);
      break;
    case PROP_N_DUE_LISTS:
      g_value_set_uint (value, self->n_due_lists);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
pm_poller_set_property (GObject      *object,
                        guint         prop_id,
                        const GValue *value,
                        GParamSpec   *pspec)
{
  PmPoller *self = PM_POLLER (object);

  switch (prop_id)
    {
    case PROP_ENABLED:
      pm_poller_set_enabled (self, g_value_get_boolean (value));
      break;
    case PROP_CONCURRENCY:
      pm_poller_set_concurrency (self, g_value_get_uint (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
pm_poller_dispose (GObject *object)
{
  PmPoller *self = PM_POLLER (object);

  g_cancellable_cancel (self->cancellable);
  /* answers already received are written (and their waiters told), signals aside */
  self->disposing = TRUE;
  if (self->done != NULL)
    flush_done (self);
  g_clear_handle_id (&self->flush_id, g_source_remove);
  g_clear_handle_id (&self->timer_id, g_source_remove);
  g_clear_handle_id (&self->probe_id, g_source_remove);
  g_clear_handle_id (&self->pump_idle_id, g_source_remove);
  g_clear_handle_id (&self->reschedule_idle_id, g_source_remove);
  if (self->ledger != NULL)
    g_signal_handlers_disconnect_by_data (self->ledger, self);
  if (self->monitor != NULL)
    g_signal_handlers_disconnect_by_func (self->monitor, network_changed_cb, self);
  g_clear_object (&self->monitor);
  g_clear_object (&self->client);
  g_clear_object (&self->ledger);
  g_clear_object (&self->sender);

  G_OBJECT_CLASS (pm_poller_parent_class)->dispose (object);
}

static void
pm_poller_finalize (GObject *object)
{
  PmPoller *self = PM_POLLER (object);

  g_queue_clear_full (&self->queue, g_free);
  g_queue_clear_full (&self->due, g_free);
  g_hash_table_unref (self->queued);
  g_hash_table_unref (self->in_flight);
  g_ptr_array_unref (self->done);
  g_hash_table_unref (self->done_ids);
  g_clear_object (&self->cancellable);
  g_free (self->profile_id);

  G_OBJECT_CLASS (pm_poller_parent_class)->finalize (object);
}

static void
pm_poller_class_init (PmPollerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->get_property = pm_poller_get_property;
  object_class->set_property = pm_poller_set_property;
  object_class->dispose = pm_poller_dispose;
  object_class->finalize = pm_poller_finalize;

  properties[PROP_ONLINE] =
    g_param_spec_boolean ("online", NULL, NULL, TRUE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_ENABLED] =
    g_param_spec_boolean ("enabled", NULL, NULL, TRUE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_CONCURRENCY] =
    g_param_spec_uint ("concurrency", NULL, NULL, 1, 64, PM_POLLER_DEFAULT_CONCURRENCY,
                       G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  /* ledger commits the written answers took so far (for tests and benchmarks: a group of
   * answers is one commit) */
  properties[PROP_N_COMMITS] =
    g_param_spec_uint ("n-commits", NULL, NULL, 0, G_MAXUINT, 0,
                       G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  /* due lists automatic polling asked of the ledger so far (tests, benchmarks: one list
   * serves many reads) */
  properties[PROP_N_DUE_LISTS] =
    g_param_spec_uint ("n-due-lists", NULL, NULL, 0, G_MAXUINT, 0,
                       G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * PmPoller::bill-transition:
   * @bill: the bill, as now written in the ledger
   * @from: the PmBillState before
   * @to: the PmBillState now
   *
   * A read found a bill in a new state (paid, cancelled, …): the UI may notify.
   */
  signals[BILL_TRANSITION] =
    g_signal_new ("bill-transition", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL,
                  NULL, NULL, G_TYPE_NONE, 3, PM_TYPE_BILL, G_TYPE_INT, G_TYPE_INT);
  /** PmPoller::bill-checked: a read of @bill finished (changed or not). */
  signals[BILL_CHECKED] =
    g_signal_new ("bill-checked", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL,
                  NULL, NULL, G_TYPE_NONE, 1, PM_TYPE_BILL);
  /** PmPoller::idle: nothing in flight and nothing queued. */
  signals[IDLE] =
    g_signal_new ("idle", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 0);
  /**
   * PmPoller::storage-failed:
   * @error: why (PM_ERROR_STORAGE)
   *
   * What a read learnt could not be written to the ledger. PmService listens: it pauses
   * sending and shows the failure.
   */
  signals[STORAGE_FAILED] =
    g_signal_new ("storage-failed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL,
                  NULL, NULL, G_TYPE_NONE, 1, G_TYPE_ERROR);
}

static void
pm_poller_init (PmPoller *self)
{
  self->enabled = TRUE;
  self->online = TRUE;
  self->concurrency = PM_POLLER_DEFAULT_CONCURRENCY;
  self->in_flight = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                           (GDestroyNotify) g_ptr_array_unref);
  self->queued = g_hash_table_new (g_str_hash, g_str_equal);
  self->done = g_ptr_array_new_with_free_func ((GDestroyNotify) done_free);
  self->done_ids = g_hash_table_new (g_str_hash, g_str_equal);
  self->cancellable = g_cancellable_new ();
  g_queue_init (&self->queue);
  g_queue_init (&self->due);
}

PmPoller *
pm_poller_new (PmClient *client,
               PmLedger *ledger,
               PmSender *sender)
{
  PmPoller *self;

  g_return_val_if_fail (client == NULL || PM_IS_CLIENT (client), NULL);
  g_return_val_if_fail (PM_IS_LEDGER (ledger), NULL);
  g_return_val_if_fail (PM_IS_SENDER (sender), NULL);

  self = g_object_new (PM_TYPE_POLLER, NULL);
  self->client = client != NULL ? g_object_ref (client) : NULL;
  self->ledger = g_object_ref (ledger);
  self->sender = g_object_ref (sender);
  self->monitor = g_object_ref (g_network_monitor_get_default ());
  g_signal_connect (self->monitor, "network-changed", G_CALLBACK (network_changed_cb), self);
  g_signal_connect (self->ledger, "bill-added", G_CALLBACK (ledger_changed_cb), self);
  g_signal_connect (self->ledger, "bill-changed", G_CALLBACK (ledger_changed_cb), self);
  return self;
}

void
pm_poller_set_client (PmPoller *self,
                      PmClient *client)
{
  g_return_if_fail (PM_IS_POLLER (self));
  g_return_if_fail (client == NULL || PM_IS_CLIENT (client));

  g_set_object (&self->client, client);
  pump_soon (self);
}

void
pm_poller_set_profile_id (PmPoller   *self,
                          const char *profile_id)
{
  g_return_if_fail (PM_IS_POLLER (self));

  if (g_strcmp0 (self->profile_id, profile_id) == 0)
    return;
  g_free (self->profile_id);
  self->profile_id = g_strdup (profile_id);
  /* reads queued for the old profile cannot be made with the new client */
  g_queue_clear_full (&self->queue, g_free);
  g_hash_table_remove_all (self->queued);
  forget_due (self);
  pump_soon (self);
}

void
pm_poller_set_enabled (PmPoller *self,
                       gboolean  enabled)
{
  g_return_if_fail (PM_IS_POLLER (self));

  enabled = !!enabled;
  if (self->enabled == enabled)
    return;
  self->enabled = enabled;
  if (!enabled)
    g_clear_handle_id (&self->timer_id, g_source_remove);
  else
    {
      forget_due (self);
      pump_soon (self);
    }
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ENABLED]);
}

gboolean
pm_poller_get_enabled (PmPoller *self)
{
  g_return_val_if_fail (PM_IS_POLLER (self), FALSE);

  return self->enabled;
}

void
pm_poller_set_concurrency (PmPoller *self,
                           guint     concurrency)
{
  g_return_if_fail (PM_IS_POLLER (self));

  concurrency = CLAMP (concurrency, 1, 64);
  if (self->concurrency == concurrency)
    return;
  self->concurrency = concurrency;
  pump_soon (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CONCURRENCY]);
}

guint
pm_poller_get_concurrency (PmPoller *self)
{
  g_return_val_if_fail (PM_IS_POLLER (self), 0);

  return self->concurrency;
}

gboolean
pm_poller_get_online (PmPoller *self)
{
  g_return_val_if_fail (PM_IS_POLLER (self), FALSE);

  return self->online;
}

guint
pm_poller_get_n_in_flight (PmPoller *self)
{
  g_return_val_if_fail (PM_IS_POLLER (self), 0);

  return g_hash_table_size (self->in_flight);
}

guint
pm_poller_get_n_queued (PmPoller *self)
{
  g_return_val_if_fail (PM_IS_POLLER (self), 0);

  return g_queue_get_length (&self->queue);
}

void
pm_poller_refresh_bill_async (PmPoller            *self,
                              const char          *bill_id,
                              GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  GTask *task;

  g_return_if_fail (PM_IS_POLLER (self));
  g_return_if_fail (bill_id != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, pm_poller_refresh_bill_async);
  if (self->client == NULL)
    {
      g_task_return_error (task, pm_error_new_full (PM_ERROR_UNAUTHORIZED, NULL, NULL, FALSE,
                                                    _("No connection is set up yet.")));
      g_object_unref (task);
      return;
    }
  /* A person asked: read even while offline, and let the answer decide. */
  start_read (self, bill_id, task, FALSE);
}

PmBill *
pm_poller_refresh_bill_finish (PmPoller      *self,
                               GAsyncResult  *result,
                               GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

guint
pm_poller_refresh_all (PmPoller *self)
{
  g_autoptr(PmLedgerQuery) query = NULL;
  g_autoptr(GError) error = NULL;
  guint added = 0;
  guint offset = 0;

  g_return_val_if_fail (PM_IS_POLLER (self), 0);

  if (self->profile_id == NULL)
    return 0;

  query = pm_ledger_query_new ();
  pm_ledger_query_set_profile_id (query, self->profile_id);
  query->states = PM_LEDGER_STATE_BIT (PM_BILL_STATE_QUEUED)
                  | PM_LEDGER_STATE_BIT (PM_BILL_STATE_SENDING)
                  | PM_LEDGER_STATE_BIT (PM_BILL_STATE_UNKNOWN)
                  | PM_LEDGER_STATE_BIT (PM_BILL_STATE_UNPAID)
                  | PM_LEDGER_STATE_BIT (PM_BILL_STATE_PAID)
                  | PM_LEDGER_STATE_EXPIRED;
  for (;;)
    {
      g_autoptr(GPtrArray) page = pm_ledger_fetch (self->ledger, query, offset, 1000, &error);

      if (page == NULL)
        {
          g_warning ("Could not list the bills to refresh: %s", error->message);
          break;
        }
      for (guint i = 0; i < page->len; i++)
        {
          const char *bill_id = pm_bill_get_bill_id (g_ptr_array_index (page, i));
          char *copy;

          if (g_hash_table_contains (self->queued, bill_id))
            continue;
          copy = g_strdup (bill_id);
          g_queue_push_tail (&self->queue, copy);
          g_hash_table_add (self->queued, copy);
          added++;
        }
      if (page->len < 1000)
        break;
      offset += page->len;
    }

  if (!self->online)
    self->probing = TRUE;
  pump_soon (self);
  return added;
}
