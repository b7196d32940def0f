/* pm-sender.c — the no-double-charge send/retry state machine (API.md §5)
 *
 * Copyright 2026 The Paymint Desk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The rules, in order:
 *  1. the bill_id is made before the first attempt and never changes;
 *  2. the intent is durable in the ledger (synchronous=FULL) before the request leaves;
 *  3. one intent never has two requests in flight (the in_flight table);
 *  4. after an outcome that may have taken effect (timeout, reset, 5xx, garbled reply)
 *     the bill is unknown, and the next request for it is a read: found means adopt
 *     the server's state; not found (9980) means send again with the same bill_id;
 *  5. 9800 on a send means the bill already exists: read it and adopt it;
 *  6. what a reply means is decided by pm_api_classify_send (API.md §5): only a
 *     definite refusal is failed, everything ambiguous is unknown and read back;
 *  7. when the server answered with a result code that did not say (9999, 5000, a
 *     contradiction) and the read then proves the bill does not exist (9980), the
 *     server did process the request and refused it: failed, with its text — proven
 *     by the read, never guessed, and not sent again by itself;
 *  8. no surprise sends: a read that proves an intent was never created (9980) after a
 *     silence (timeout, reset, 5xx) sends it again by itself only within
 *     PM_SENDER_AUTO_SEND_WINDOW of the user's asking (the intent, or a later Send
 *     Again); an older one becomes not sent, nothing charged, and waits for the user.
 * So no code path can create a second bill for one intent.
 */

#include "config.h"

#include <glib/gi18n-lib.h>

#include "pm-sender.h"
#include "pm-error.h"
#include "pm-error-private.h"
#include "pm-schedule.h"

struct _PmSender
{
  GObject     parent_instance;

  PmClient   *client;
  PmLedger   *ledger;
  GHashTable *in_flight; /* bill_id → the GTask working on it */
  guint       max_sends;
  guint       retry_delay_ms;
  GError     *storage_error; /* set while sending is paused: the ledger could not be written */
};

G_DEFINE_FINAL_TYPE (PmSender, pm_sender, G_TYPE_OBJECT)

/* Failures to write the ledger (declared here; PmService is the one that uses them):
 *
 *   signal "storage-failed" (GError *error): a write to the ledger failed
 *       (PM_ERROR_STORAGE). Sending is paused from then on: no new intent is written and
 *       no request for a bill leaves (each fails with PM_ERROR_STORAGE) until
 *       "storage-error" is set to NULL again (PmService does, once a write succeeds).
 *       Reads go on.
 *   property "storage-error" (GError, read-write): why sending is paused, or NULL. Set it
 *       to pause sending for a failure seen elsewhere (the poller, the service). */
enum {
  PROP_0,
  PROP_STORAGE_ERROR,
  N_PROPS
};

enum {
  STORAGE_FAILED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

#define MAX_READS_PER_JOB 3

typedef struct
{
  PmBill *bill;       /* our view of the ledger row, kept in step with it */
  guint   sends;      /* requests written by this job */
  guint   reads;
  guint   delay_id;
  gint64  consent_at; /* when the user last asked for this bill to be sent (unix UTC) */
  GError *answer;     /* an ambiguous answer that carried a result code (9999, …) */
} Job;

static void job_send (GTask *task);
static void job_read (GTask *task);

static void
job_free (Job *job)
{
  g_clear_handle_id (&job->delay_id, g_source_remove);
  g_clear_object (&job->bill);
  g_clear_error (&job->answer);
  g_free (job);
}

static gint64
now_utc (void)
{
  return g_get_real_time () / G_USEC_PER_SEC;
}

/* A write to the ledger failed: pause sending and say so. Other errors (a row another
 * process deleted, …) are not the ledger failing. */
static void
report_storage (PmSender     *self,
                const GError *error)
{
  if (!g_error_matches (error, PM_ERROR, PM_ERROR_STORAGE))
    return;
  g_clear_error (&self->storage_error);
  self->storage_error = g_error_copy (error);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STORAGE_ERROR]);
  g_signal_emit (self, signals[STORAGE_FAILED], 0, error);
}

GError *
pm_sender_paused_error_new (PmLedger     *ledger,
                            const GError *cause)
{
  if (pm_ledger_is_shared (ledger))
    return g_error_new (PM_ERROR, PM_ERROR_STORAGE,
                        _("Nothing was sent: sending is paused because the shop ledger could "
                          "not be written. %s Check that its server is running and this desk "
                          "can reach it, then choose Retry."),
                        cause->message);
  return g_error_new (PM_ERROR, PM_ERROR_STORAGE,
                      _("Nothing was sent: sending is paused because the payments database "
                        "could not be written. %s Free some disk space or check the folder "
                        "that holds it, then choose Retry."),
                      cause->message);
}

/* What a send gets while sending is paused: nothing was written, nothing left. */
static GError *
paused_error (PmSender *self)
{
  return pm_sender_paused_error_new (self->ledger, self->storage_error);
}

static void
job_release (PmSender *self,
             Job      *job,
             GTask    *task)
{
  const char *bill_id = pm_bill_get_bill_id (job->bill);

  if (bill_id != NULL && g_hash_table_lookup (self->in_flight, bill_id) == task)
    g_hash_table_remove (self->in_flight, bill_id);
}

static void
job_return_bill (GTask *task)
{
  PmSender *self = g_task_get_source_object (task);
  Job *job = g_task_get_task_data (task);

  job_release (self, job, task);
  g_task_return_pointer (task, g_object_ref (job->bill), g_object_unref);
  g_object_unref (task);
}

static void
job_return_error (GTask  *task,
                  GError *error)
{
  PmSender *self = g_task_get_source_object (task);
  Job *job = g_task_get_task_data (task);

  job_release (self, job, task);
  g_task_return_error (task, error);
  g_object_unref (task);
}

/* Writes every field of job->bill to the ledger. A failure to write pauses sending
 * (report_storage) but does not change what happened on the server; the caller decides. */
static gboolean
job_save (PmSender *self,
          Job      *job,
          GError  **error)
{
  g_autoptr(GError) local_error = NULL;

  pm_bill_set_updated_at (job->bill, now_utc ());
  if (pm_ledger_update_bill (self->ledger, job->bill, &local_error))
    return TRUE;
  report_storage (self, local_error);
  g_propagate_error (error, g_steal_pointer (&local_error));
  return FALSE;
}

/* FALSE when the ledger could not record it (sending is then paused). */
static gboolean
job_set_state (PmSender    *self,
               Job         *job,
               PmBillState  state,
               const char  *detail)
{
  g_autoptr(GError) error = NULL;
  gboolean ok = TRUE;

  if (pm_bill_get_state (job->bill) == state)
    return TRUE;
  if (!pm_ledger_set_state (self->ledger, pm_bill_get_bill_id (job->bill), state, detail,
                            now_utc (), &error))
    {
      g_message ("Could not record the state of bill %s: %s",
                 pm_bill_get_bill_id (job->bill), error->message);
      report_storage (self, error);
      ok = !g_error_matches (error, PM_ERROR, PM_ERROR_STORAGE);
    }
  pm_bill_set_state (job->bill, state);
  return ok;
}

/* The outcome is not known and this job will not learn it now: leave the bill unknown
 * and scheduled, so the poller reconciles it later. */
static void
job_give_up_unknown (GTask  *task,
                     GError *cause)
{
  PmSender *self = g_task_get_source_object (task);
  Job *job = g_task_get_task_data (task);
  g_autoptr(GError) save_error = NULL;
  gint64 now = now_utc ();

  pm_bill_set_state (job->bill, PM_BILL_STATE_UNKNOWN);
  pm_bill_set_error_text (job->bill, cause->message);
  pm_bill_set_last_checked_at (job->bill, now);
  pm_bill_set_next_check_at (job->bill, pm_schedule_next_check (job->bill, now));
  if (!job_save (self, job, &save_error))
    g_message ("Could not record bill %s: %s", pm_bill_get_bill_id (job->bill),
               save_error->message);

  job_return_error (task,
                    pm_error_new_full (cause->domain == PM_ERROR ? cause->code : PM_ERROR_NETWORK,
                                       NULL, pm_error_get_server_text (cause), TRUE,
                                       _("The desk could not learn whether this request "
                                         "reached Payssam. It keeps checking and will never "
                                         "send it twice; do not send it again by hand.")));
}

/* A read proved the intent was never created, and the user asked too long ago for it to
 * be sent by itself: nothing was charged; it waits for Send Again. */
static void
job_not_sent (GTask *task)
{
  PmSender *self = g_task_get_source_object (task);
  Job *job = g_task_get_task_data (task);
  g_autoptr(GError) save_error = NULL;
  const char *text = _("Not sent: Payssam has no record of this request, and it was made too "
                       "long ago to send by itself. Nothing was charged. Use Send Again to "
                       "send it now.");

  job_set_state (self, job, PM_BILL_STATE_NOT_SENT, text);
  pm_bill_set_error_code (job->bill, NULL);
  pm_bill_set_error_text (job->bill, text);
  pm_bill_set_last_checked_at (job->bill, now_utc ());
  pm_bill_set_next_check_at (job->bill, 0);
  if (!job_save (self, job, &save_error))
    {
      job_return_error (task, g_steal_pointer (&save_error));
      return;
    }
  job_return_bill (task);
}

/* The server answered ambiguously with a result code, and a read proved the bill does
 * not exist: the server processed the request and made nothing. */
static void
job_refused_after_read (GTask *task)
{
  PmSender *self = g_task_get_source_object (task);
  Job *job = g_task_get_task_data (task);
  g_autoptr(GError) save_error = NULL;
  const char *server_text = pm_error_get_server_text (job->answer);
  g_autofree char *message = NULL;
  GError *error;

  message = server_text != NULL
              ? g_strdup_printf (_("Payssam did not create this bill (“%s”). Reading it back "
                                   "confirmed it: nothing was charged."), server_text)
              : g_strdup (_("Payssam did not create this bill. Reading it back confirmed it: "
                            "nothing was charged."));
  pm_bill_set_state (job->bill, PM_BILL_STATE_FAILED);
  pm_bill_set_error_code (job->bill, pm_error_get_result_code (job->answer));
  pm_bill_set_error_text (job->bill, server_text != NULL ? server_text : message);
  pm_bill_set_last_checked_at (job->bill, now_utc ());
  pm_bill_set_next_check_at (job->bill, 0);
  if (!job_save (self, job, &save_error))
    g_message ("Could not record failed bill %s: %s", pm_bill_get_bill_id (job->bill),
               save_error->message);
  error = pm_error_new_full (PM_ERROR_SERVER, NULL, server_text, FALSE, message);
  pm_error_set_result_code (error, pm_error_get_result_code (job->answer));
  job_return_error (task, error);
}

/* When the user last asked for @bill to be sent: its newest "created" or "send-again"
 * event, else its creation time. */
static gint64
consent_time (PmSender *self,
              PmBill   *bill)
{
  g_autoptr(GPtrArray) events = pm_ledger_list_events (self->ledger, pm_bill_get_bill_id (bill),
                                                       NULL);
  gint64 at = pm_bill_get_created_at (bill);

  for (guint i = 0; events != NULL && i < events->len; i++)
    {
      PmLedgerEvent *event = g_ptr_array_index (events, i);

      if ((g_strcmp0 (event->kind, PM_LEDGER_EVENT_CREATED) == 0
           || g_strcmp0 (event->kind, PM_LEDGER_EVENT_SEND_AGAIN) == 0)
          && event->at > at)
        at = event->at;
    }
  return at > 0 ? at : now_utc ();
}

static gboolean
delay_done_cb (gpointer user_data)
{
  GTask *task = user_data;
  Job *job = g_task_get_task_data (task);

  job->delay_id = 0;
  if (g_task_return_error_if_cancelled (task))
    {
      PmSender *self = g_task_get_source_object (task);

      job_release (self, job, task);
      g_object_unref (task);
    }
  else
    job_read (task);
  return G_SOURCE_REMOVE;
}

static void
job_read_later (GTask *task)
{
  PmSender *self = g_task_get_source_object (task);
  Job *job = g_task_get_task_data (task);
  guint delay = self->retry_delay_ms << MIN (job->reads, 4u);

  job->delay_id = g_timeout_add (delay, delay_done_cb, task);
}

static void
read_cb (GObject      *object,
         GAsyncResult *result,
         gpointer      user_data)
{
  GTask *task = user_data;
  PmSender *self = g_task_get_source_object (task);
  Job *job = g_task_get_task_data (task);
  g_autoptr(PmBill) server = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GError) save_error = NULL;

  server = pm_client_read_finish (PM_CLIENT (object), result, &error);
  if (server != NULL)
    {
      pm_schedule_adopt_read (job->bill, server, now_utc ());
      pm_bill_set_error_code (job->bill, NULL);
      pm_bill_set_error_text (job->bill, NULL);
      if (!job_save (self, job, &save_error))
        {
          job_return_error (task, g_steal_pointer (&save_error));
          return;
        }
      job_return_bill (task);
      return;
    }

  if (g_error_matches (error, PM_ERROR, PM_ERROR_CANCELLED))
    {
      job_give_up_unknown (task, error);
      return;
    }

  /* Only the result code 9980 proves the bill is not there; a 404 may be a wrong route. */
  if (g_error_matches (error, PM_ERROR, PM_ERROR_NOT_FOUND)
      && g_strcmp0 (pm_error_get_result_code (error), "9980") == 0)
    {
      if (job->answer != NULL)
        {
          job_refused_after_read (task);
          return;
        }
      /* Definitely not on the server: sending again with the same bill_id is safe, but
       * only soon after the user asked; later it would surprise the payer and the desk. */
      if (now_utc () - job->consent_at > PM_SENDER_AUTO_SEND_WINDOW)
        {
          job_not_sent (task);
          return;
        }
      if (job->sends < self->max_sends)
        {
          job_send (task);
          return;
        }
      job_give_up_unknown (task, error);
      return;
    }

  /* The read itself failed (network, server): try again a little later. */
  if (job->reads < MAX_READS_PER_JOB
      && (g_error_matches (error, PM_ERROR, PM_ERROR_NETWORK)
          || g_error_matches (error, PM_ERROR, PM_ERROR_TIMEOUT)
          || g_error_matches (error, PM_ERROR, PM_ERROR_SERVER)
          || g_error_matches (error, PM_ERROR, PM_ERROR_PROTOCOL)))
    {
      job_read_later (task);
      return;
    }

  job_give_up_unknown (task, error);
}

static void
job_read (GTask *task)
{
  PmSender *self = g_task_get_source_object (task);
  Job *job = g_task_get_task_data (task);

  job->reads++;
  pm_client_read_async (self->client, pm_bill_get_bill_id (job->bill),
                        g_task_get_cancellable (task), read_cb, task);
}

static void
send_cb (GObject      *object,
         GAsyncResult *result,
         gpointer      user_data)
{
  GTask *task = user_data;
  PmSender *self = g_task_get_source_object (task);
  Job *job = g_task_get_task_data (task);
  g_autoptr(PmSendResult) reply = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GError) save_error = NULL;
  gint64 now = now_utc ();

  if (pm_bill_get_kind (job->bill) == PM_BILL_KIND_AUTOPAY)
    reply = pm_client_autopay_request_finish (PM_CLIENT (object), result, &error);
  else
    reply = pm_client_request_finish (PM_CLIENT (object), result, &error);

  if (reply != NULL)
    {
      PmBillState state = PM_BILL_STATE_UNPAID;

      if (reply->appr_state != NULL)
        pm_bill_state_from_appr_state (reply->appr_state, &state);
      pm_bill_set_state (job->bill, state);
      if (reply->short_url != NULL)
        pm_bill_set_short_url (job->bill, reply->short_url);
      pm_bill_set_error_code (job->bill, NULL);
      pm_bill_set_error_text (job->bill, NULL);
      pm_bill_set_last_checked_at (job->bill, now);
      pm_bill_set_next_check_at (job->bill, pm_schedule_next_check (job->bill, now));
      if (!job_save (self, job, &save_error))
        {
          /* The bill exists on the server; the ledger still says "sending", which the
           * next start (or a Retry, PmService) reconciles by reading it. */
          job_return_error (task, g_steal_pointer (&save_error));
          return;
        }
      if (reply->link_refused
          && !pm_ledger_add_event (self->ledger, pm_bill_get_bill_id (job->bill), now,
                                   PM_LEDGER_EVENT_NOTE, -1, -1,
                                   _("Payssam’s answer carried a payment link that is not a "
                                     "secure web address; it was not kept."), &save_error))
        {
          g_message ("Could not record a note on bill %s: %s", pm_bill_get_bill_id (job->bill),
                     save_error->message);
          report_storage (self, save_error);
        }
      job_return_bill (task);
      return;
    }

  if (g_error_matches (error, PM_ERROR, PM_ERROR_DUPLICATE_BILL))
    {
      /* 9800: this bill_id exists already (an earlier attempt did reach the server). */
      job_read (task);
      return;
    }

  if (pm_error_is_maybe_done (error))
    {
      g_clear_error (&job->answer);
      if (pm_error_get_result_code (error) != NULL)
        job->answer = g_error_copy (error);
      job_set_state (self, job, PM_BILL_STATE_UNKNOWN, error->message);
      if (g_error_matches (error, PM_ERROR, PM_ERROR_CANCELLED))
        {
          job_give_up_unknown (task, error);
          return;
        }
      job_read (task);
      return;
    }

  if (g_error_matches (error, PM_ERROR, PM_ERROR_CANCELLED))
    {
      /* Cancelled before the request was written: the intent stays queued. */
      job_set_state (self, job, PM_BILL_STATE_QUEUED, NULL);
      job_return_error (task, g_steal_pointer (&error));
      return;
    }

  /* Definitely refused: nothing was created or charged. */
  pm_bill_set_state (job->bill, PM_BILL_STATE_FAILED);
  pm_bill_set_error_code (job->bill, pm_error_get_result_code (error));
  pm_bill_set_error_text (job->bill, pm_error_get_server_text (error) != NULL
                                       ? pm_error_get_server_text (error)
                                       : error->message);
  pm_bill_set_next_check_at (job->bill, 0);
  if (!job_save (self, job, &save_error))
    g_message ("Could not record failed bill %s: %s", pm_bill_get_bill_id (job->bill),
               save_error->message);
  job_return_error (task, g_steal_pointer (&error));
}

static void
job_send (GTask *task)
{
  PmSender *self = g_task_get_source_object (task);
  Job *job = g_task_get_task_data (task);

  /* Nothing leaves while the ledger cannot be written: the outcome could not be kept. The
   * bill stays as the ledger has it (queued or unknown) and is reconciled after Retry. */
  if (self->storage_error != NULL)
    {
      job_return_error (task, paused_error (self));
      return;
    }
  job->sends++;
  if (!job_set_state (self, job, PM_BILL_STATE_SENDING, NULL))
    {
      job_return_error (task, paused_error (self));
      return;
    }
  if (pm_bill_get_kind (job->bill) == PM_BILL_KIND_AUTOPAY)
    pm_client_autopay_request_async (self->client, job->bill, g_task_get_cancellable (task),
                                     send_cb, task);
  else
    pm_client_request_async (self->client, job->bill, g_task_get_cancellable (task),
                             send_cb, task);
}

static void
pm_sender_get_property (GObject    *object,
                        guint       prop_id,
                        GValue     *value,
                        GParamSpec *pspec)
{
  PmSender *self = PM_SENDER (object);

  switch (prop_id)
    {
    case PROP_STORAGE_ERROR:
      g_value_set_boxed (value, self->storage_error);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
pm_sender_set_property (GObject      *object,
                        guint         prop_id,
                        const GValue *value,
                        GParamSpec   *pspec)
{
  PmSender *self = PM_SENDER (object);

  switch (prop_id)
    {
    case PROP_STORAGE_ERROR:
      g_clear_error (&self->storage_error);
      self->storage_error = g_value_dup_boxed (value);
      g_object_notify_by_pspec (object, pspec);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
pm_sender_dispose (GObject *object)
{
  PmSender *self = PM_SENDER (object);

  g_clear_object (&self->client);
  g_clear_object (&self->ledger);

  G_OBJECT_CLASS (pm_sender_parent_class)->dispose (object);
}

static void
pm_sender_finalize (GObject *object)
{
  PmSender *self = PM_SENDER (object);

  g_hash_table_unref (self->in_flight);
  g_clear_error (&self->storage_error);

  G_OBJECT_CLASS (pm_sender_parent_class)->finalize (object);
}

static void
pm_sender_class_init (PmSenderClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->get_property = pm_sender_get_property;
  object_class->set_property = pm_sender_set_property;
  object_class->dispose = pm_sender_dispose;
  object_class->finalize = pm_sender_finalize;

  properties[PROP_STORAGE_ERROR] =
    g_param_spec_boxed ("storage-error", NULL, NULL, G_TYPE_ERROR,
                        G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  signals[STORAGE_FAILED] =
    g_signal_new ("storage-failed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL,
                  NULL, NULL, G_TYPE_NONE, 1, G_TYPE_ERROR);
}

static void
pm_sender_init (PmSender *self)
{
  self->in_flight = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->max_sends = 3;
  self->retry_delay_ms = 500;
}

PmSender *
pm_sender_new (PmClient *client,
               PmLedger *ledger)
{
  PmSender *self;

  g_return_val_if_fail (PM_IS_CLIENT (client), NULL);
  g_return_val_if_fail (PM_IS_LEDGER (ledger), NULL);

  self = g_object_new (PM_TYPE_SENDER, NULL);
  self->client = g_object_ref (client);
  self->ledger = g_object_ref (ledger);
  return self;
}

void
pm_sender_set_client (PmSender *self,
                      PmClient *client)
{
  g_return_if_fail (PM_IS_SENDER (self));
  g_return_if_fail (PM_IS_CLIENT (client));

  g_set_object (&self->client, client);
}

void
pm_sender_set_max_sends (PmSender *self,
                         guint     max_sends)
{
  g_return_if_fail (PM_IS_SENDER (self));

  self->max_sends = MAX (max_sends, 1);
}

void
pm_sender_set_retry_delay (PmSender *self,
                           guint     delay_ms)
{
  g_return_if_fail (PM_IS_SENDER (self));

  self->retry_delay_ms = MAX (delay_ms, 1);
}

static GTask *
job_new (PmSender            *self,
         PmBill              *bill,
         gpointer             source_tag,
         GCancellable        *cancellable,
         GAsyncReadyCallback  callback,
         gpointer             user_data)
{
  GTask *task = g_task_new (self, cancellable, callback, user_data);
  Job *job = g_new0 (Job, 1);

  g_task_set_source_tag (task, source_tag);
  job->bill = g_object_ref (bill);
  job->consent_at = now_utc ();
  g_task_set_task_data (task, job, (GDestroyNotify) job_free);
  return task;
}

/* A copy of @draft ready to be written as an intent: its own bill_id, queued. */
static PmBill *
intent_from_draft (PmBill  *draft,
                   GError **error)
{
  g_autoptr(PmBill) bill = pm_bill_copy (draft);

  if (pm_bill_get_bill_id (bill) == NULL || *pm_bill_get_bill_id (bill) == '\0')
    {
      g_autofree char *bill_id = pm_bill_generate_id ();

      pm_bill_set_bill_id (bill, bill_id);
    }
  pm_bill_set_state (bill, PM_BILL_STATE_QUEUED);
  pm_bill_set_created_at (bill, 0);
  pm_bill_set_updated_at (bill, 0);
  if (!pm_bill_validate (bill, error))
    return NULL;
  return g_steal_pointer (&bill);
}

/* Starts sending an intent that is already durable in the ledger. */
static void
start_send (PmSender            *self,
            PmBill              *intent,
            GCancellable        *cancellable,
            GAsyncReadyCallback  callback,
            gpointer             user_data)
{
  GTask *task = job_new (self, intent, pm_sender_send_async, cancellable, callback, user_data);

  if (g_cancellable_is_cancelled (cancellable))
    {
      /* written down, not sent: reconciled later like any queued intent */
      g_task_return_error (task,
                           pm_error_new_full (PM_ERROR_CANCELLED, NULL, NULL, FALSE,
                                              pm_error_code_get_message (PM_ERROR_CANCELLED)));
      g_object_unref (task);
      return;
    }
  if (g_hash_table_contains (self->in_flight, pm_bill_get_bill_id (intent)))
    {
      g_task_return_error (task, pm_error_new_full (PM_ERROR_INVALID, NULL, NULL, FALSE,
                                                    _("This request is already being sent.")));
      g_object_unref (task);
      return;
    }
  g_hash_table_insert (self->in_flight, g_strdup (pm_bill_get_bill_id (intent)), task);
  job_send (task);
}

void
pm_sender_send_async (PmSender            *self,
                      PmBill              *draft,
                      GCancellable        *cancellable,
                      GAsyncReadyCallback  callback,
                      gpointer             user_data)
{
  g_autoptr(PmBill) bill = NULL;
  g_autoptr(GError) error = NULL;

  g_return_if_fail (PM_IS_SENDER (self));
  g_return_if_fail (PM_IS_BILL (draft));

  bill = intent_from_draft (draft, &error);
  if (bill != NULL && self->storage_error != NULL)
    {
      g_clear_object (&bill);
      error = paused_error (self);
    }
  /* The intent is on disk before anything leaves. */
  if (bill == NULL || !pm_ledger_insert_intent (self->ledger, bill, &error))
    {
      if (bill != NULL)
        report_storage (self, error);
      g_task_report_error (self, callback, user_data, pm_sender_send_async,
                           g_steal_pointer (&error));
      return;
    }
  start_send (self, bill, cancellable, callback, user_data);
}

GPtrArray *
pm_sender_write_intents (PmSender   *self,
                         GPtrArray  *drafts,
                         GError    **error)
{
  g_autoptr(GPtrArray) intents = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GError) local_error = NULL;

  g_return_val_if_fail (PM_IS_SENDER (self), NULL);
  g_return_val_if_fail (drafts != NULL, NULL);

  for (guint i = 0; i < drafts->len; i++)
    {
      PmBill *intent = intent_from_draft (g_ptr_array_index (drafts, i), error);

      if (intent == NULL)
        return NULL;
      g_ptr_array_add (intents, intent);
    }
  if (self->storage_error != NULL)
    {
      g_propagate_error (error, paused_error (self));
      return NULL;
    }
  if (!pm_ledger_begin (self->ledger, &local_error))
    goto failed;
  for (guint i = 0; i < intents->len; i++)
    if (!pm_ledger_insert_intent (self->ledger, g_ptr_array_index (intents, i), &local_error))
      {
        pm_ledger_rollback (self->ledger);
        goto failed;
      }
  /* one synchronous=FULL commit makes them all durable at once (on failure the ledger
   * has rolled the whole transaction back: none was written) */
  if (!pm_ledger_commit (self->ledger, &local_error))
    goto failed;
  return g_steal_pointer (&intents);

failed:
  report_storage (self, local_error);
  g_propagate_error (error, g_steal_pointer (&local_error));
  return NULL;
}

void
pm_sender_send_intent_async (PmSender            *self,
                             PmBill              *intent,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  g_return_if_fail (PM_IS_SENDER (self));
  g_return_if_fail (PM_IS_BILL (intent));

  start_send (self, intent, cancellable, callback, user_data);
}

PmBill *
pm_sender_send_finish (PmSender      *self,
                       GAsyncResult  *result,
                       GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

void
pm_sender_reconcile_async (PmSender            *self,
                           const char          *bill_id,
                           GCancellable        *cancellable,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  g_autoptr(PmBill) bill = NULL;
  g_autoptr(GError) error = NULL;
  GTask *task;
  PmBillState state;

  g_return_if_fail (PM_IS_SENDER (self));
  g_return_if_fail (bill_id != NULL);

  bill = pm_ledger_lookup (self->ledger, bill_id, &error);
  if (bill == NULL)
    {
      task = g_task_new (self, cancellable, callback, user_data);
      g_task_set_source_tag (task, pm_sender_reconcile_async);
      if (error == NULL)
        error = pm_error_new_full (PM_ERROR_NOT_FOUND, NULL, NULL, FALSE,
                                   _("This bill is not in the payments ledger."));
      g_task_return_error (task, g_steal_pointer (&error));
      g_object_unref (task);
      return;
    }

  task = job_new (self, bill, pm_sender_reconcile_async, cancellable, callback, user_data);
  state = pm_bill_get_state (bill);
  if ((state != PM_BILL_STATE_QUEUED && state != PM_BILL_STATE_SENDING
       && state != PM_BILL_STATE_UNKNOWN)
      || g_hash_table_contains (self->in_flight, bill_id))
    {
      g_task_return_pointer (task, g_steal_pointer (&bill), g_object_unref);
      g_object_unref (task);
      return;
    }

  ((Job *) g_task_get_task_data (task))->consent_at = consent_time (self, bill);
  g_hash_table_insert (self->in_flight, g_strdup (bill_id), task);
  /* Whatever the state, the first request is a read: a queued intent may have been
   * sent by a process that died before it could write so. */
  job_read (task);
}

PmBill *
pm_sender_reconcile_finish (PmSender      *self,
                            GAsyncResult  *result,
                            GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == pm_sender_reconcile_async,
                        NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

typedef struct
{
  GPtrArray *bills;
  guint      next;
  guint      n_unsettled;
} ReconcileAll;

static void
reconcile_all_free (ReconcileAll *all)
{
  g_ptr_array_unref (all->bills);
  g_free (all);
}

static void reconcile_all_next (GTask *task);

static void
reconcile_one_cb (GObject      *object,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  GTask *task = user_data;
  PmSender *self = PM_SENDER (object);
  ReconcileAll *all = g_task_get_task_data (task);
  PmBill *intent = g_ptr_array_index (all->bills, all->next - 1);
  g_autoptr(PmBill) bill = NULL;
  g_autoptr(PmBill) stored = NULL;
  g_autoptr(GError) error = NULL;

  bill = pm_sender_reconcile_finish (self, result, &error);
  if (g_error_matches (error, PM_ERROR, PM_ERROR_CANCELLED))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      g_object_unref (task);
      return;
    }
  /* An error can still mean a definite end (a refusal is recorded as failed): what
   * counts is the state the ledger holds now. */
  stored = pm_ledger_lookup (self->ledger, pm_bill_get_bill_id (intent), NULL);
  if (stored == NULL || pm_bill_get_state (stored) == PM_BILL_STATE_UNKNOWN
      || pm_bill_get_state (stored) == PM_BILL_STATE_QUEUED
      || pm_bill_get_state (stored) == PM_BILL_STATE_SENDING)
    all->n_unsettled++;
  reconcile_all_next (task);
}

static void
reconcile_all_next (GTask *task)
{
  PmSender *self = g_task_get_source_object (task);
  ReconcileAll *all = g_task_get_task_data (task);

  if (all->next >= all->bills->len)
    {
      g_task_return_int (task, all->n_unsettled);
      g_object_unref (task);
      return;
    }
  pm_sender_reconcile_async (self,
                             pm_bill_get_bill_id (g_ptr_array_index (all->bills, all->next++)),
                             g_task_get_cancellable (task), reconcile_one_cb, task);
}

void
pm_sender_reconcile_all_async (PmSender            *self,
                               GCancellable        *cancellable,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  g_autoptr(GError) error = NULL;
  GTask *task;
  ReconcileAll *all;
  GPtrArray *bills;

  g_return_if_fail (PM_IS_SENDER (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, pm_sender_reconcile_all_async);
  /* only this client's profile: another profile's intents need its own connection */
  bills = pm_ledger_list_unsettled (self->ledger,
                                    pm_profile_get_uuid (pm_client_get_profile (self->client)),
                                    &error);
  if (bills == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      g_object_unref (task);
      return;
    }
  all = g_new0 (ReconcileAll, 1);
  all->bills = bills;
  g_task_set_task_data (task, all, (GDestroyNotify) reconcile_all_free);
  reconcile_all_next (task);
}

gboolean
pm_sender_reconcile_all_finish (PmSender      *self,
                                GAsyncResult  *result,
                                guint         *n_unsettled,
                                GError       **error)
{
  gssize n;

  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  n = g_task_propagate_int (G_TASK (result), error);
  if (n < 0)
    return FALSE;
  if (n_unsettled != NULL)
    *n_unsettled = (guint) n;
  return TRUE;
}

gboolean
pm_sender_is_in_flight (PmSender   *self,
                        const char *bill_id)
{
  g_return_val_if_fail (PM_IS_SENDER (self), FALSE);

  return bill_id != NULL && g_hash_table_contains (self->in_flight, bill_id);
}

guint
pm_sender_get_n_in_flight (PmSender *self)
{
  g_return_val_if_fail (PM_IS_SENDER (self), 0);

  return g_hash_table_size (self->in_flight);
}
