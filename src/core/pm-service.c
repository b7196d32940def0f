/* pm-service.c — the one facade the UI and the CLI use
 *
 * Copyright 2026 The Paymint Desk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <errno.h>
#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>

#include "pm-service.h"
#include "pm-client.h"
#include "pm-error.h"
#include "pm-phone.h"
#include "pm-poller.h"
#include "pm-plan-store.h"
#include "pm-schedule.h"
#include "pm-sender.h"

struct _PmService
{
  GObject     parent_instance;

  PmLedger   *ledger;
  char       *own_ledger;      /* this desk's ledger file (or what pm_service_new was given) */
  gboolean    follow_shop;     /* a profile's shop ledger replaces it (pm_service_set_follow_shop_ledger) */
  PmProfile  *profile;
  PmClient   *client;
  PmSender   *sender;
  PmPoller   *poller;
  guint       timeout;

  guint       watch_id;        /* the timer that looks for outside changes */
  guint64     outside_serial;  /* pm_ledger_get_outside_serial () when it last looked */
  GError     *storage_error;   /* why sending is paused; NULL when the ledger is fine */
};

/* How often the ledger is asked whether another process changed it: well within the
 * second a clerk would notice, at the cost of reading one counter. */
#define WATCH_INTERVAL_MS 300
#define GROUP_COMMIT_MS   20   /* see pm_ledger_set_group_commit() */

G_DEFINE_FINAL_TYPE (PmService, pm_service, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_ONLINE,
  PROP_PROFILE,
  PROP_STORAGE_ERROR,
  PROP_LEDGER,
  N_PROPS
};

enum {
  BILL_TRANSITION,
  LEDGER_CHANGED,
  BILL_CHANGED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

static void drop_workers  (PmService *self);
static void detach_ledger (PmService *self);

static gint64
now_utc (void)
{
  return g_get_real_time () / G_USEC_PER_SEC;
}

gboolean
pm_bill_action_allowed (PmBill       *bill,
                        PmBillAction  action,
                        gint64        now)
{
  PmBillState state;
  const char *url;

  g_return_val_if_fail (PM_IS_BILL (bill), FALSE);

  state = pm_bill_get_state (bill);
  switch (action)
    {
    case PM_BILL_ACTION_REFRESH:
      return state != PM_BILL_STATE_FAILED;
    case PM_BILL_ACTION_RESEND:
      return state == PM_BILL_STATE_UNPAID && !pm_bill_is_expired (bill, now);
    case PM_BILL_ACTION_DESTROY:
      return state == PM_BILL_STATE_UNPAID;
    case PM_BILL_ACTION_CANCEL:
      return state == PM_BILL_STATE_PAID;
    case PM_BILL_ACTION_COPY_LINK:
      /* links are checked as they arrive; a ledger written before that is checked here */
      url = pm_bill_get_short_url (bill);
      return url != NULL && pm_api_check_link (url, TRUE);
    case PM_BILL_ACTION_SEND_AGAIN:
      return state == PM_BILL_STATE_NOT_SENT;
    default:
      return FALSE;
    }
}

static GError *
no_connection_error (void)
{
  return pm_error_new_full (PM_ERROR_UNAUTHORIZED, NULL, NULL, FALSE,
                            _("No connection is set up yet. Add one in Preferences, "
                              "or try the sandbox."));
}

static void
poller_transition_cb (PmPoller  *poller,
                      PmBill    *bill,
                      int        from,
                      int        to,
                      PmService *self)
{
  g_signal_emit (self, signals[BILL_TRANSITION], 0, bill, from, to);
}

static void
poller_online_cb (PmPoller   *poller,
                  GParamSpec *pspec,
                  PmService  *self)
{
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ONLINE]);
}

/* ---- the ledger: outside changes, failed writes ---- */

static gboolean
watch_cb (gpointer user_data)
{
  PmService *self = user_data;
  g_autoptr(GError) error = NULL;
  guint64 serial;

  serial = pm_ledger_get_outside_serial (self->ledger, &error);
  if (serial == 0)
    {
      /* busy or gone for a moment: the next tick asks again */
      g_debug ("Could not ask the ledger for changes: %s", error->message);
      return G_SOURCE_CONTINUE;
    }
  if (serial != self->outside_serial)
    {
      self->outside_serial = serial;
      /* a bill another desk process sent is checked on its own schedule, not a minute late */
      if (self->poller != NULL)
        pm_poller_reschedule (self->poller);
      g_signal_emit (self, signals[LEDGER_CHANGED], 0);
    }
  return G_SOURCE_CONTINUE;
}

/* A write to the ledger failed (the sender's, the poller's or our own): sending pauses
 * until pm_service_retry_storage() finds that writes work again. */
static void
report_storage_error (PmService    *self,
                      const GError *error)
{
  if (!g_error_matches (error, PM_ERROR, PM_ERROR_STORAGE))
    return;
  if (self->storage_error != NULL && g_strcmp0 (self->storage_error->message, error->message) == 0)
    return;
  g_message ("Sending is paused: %s", error->message);
  g_clear_error (&self->storage_error);
  self->storage_error = g_error_copy (error);
  if (self->sender != NULL)
    {
      g_autoptr(GError) paused = NULL;

      g_object_get (self->sender, "storage-error", &paused, NULL);
      if (paused == NULL)
        g_object_set (self->sender, "storage-error", self->storage_error, NULL);
    }
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STORAGE_ERROR]);
}

static void
storage_failed_cb (GObject   *source,
                   GError    *error,
                   PmService *self)
{
  report_storage_error (self, error);
}

/* What a send, or an action that would have to be recorded, gets while sending is paused. */
static GError *
storage_paused_error (PmService *self)
{
  return pm_sender_paused_error_new (self->ledger, self->storage_error);
}

static void
pm_service_get_property (GObject    *object,
                         guint       prop_id,
                         GValue     *value,
                         GParamSpec *pspec)
{
  PmService *self = PM_SERVICE (object);

  switch (prop_id)
    {
    case PROP_ONLINE:
      g_value_set_boolean (value, pm_service_get_online (self));
      break;
    case PROP_PROFILE:
      g_value_set_object (value, self->profile);
      break;
    case PROP_STORAGE_ERROR:
      g_value_set_string (value, pm_service_get_storage_error (self));
      break;
    case PROP_LEDGER:
      g_value_set_object (value, self->ledger);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
pm_service_dispose (GObject *object)
{
  PmService *self = PM_SERVICE (object);

  g_clear_handle_id (&self->watch_id, g_source_remove);
  drop_workers (self);
  g_clear_object (&self->client);
  g_clear_object (&self->profile);
  detach_ledger (self);

  G_OBJECT_CLASS (pm_service_parent_class)->dispose (object);
}

static void
pm_service_finalize (GObject *object)
{
  PmService *self = PM_SERVICE (object);

  g_clear_error (&self->storage_error);
  g_free (self->own_ledger);

  G_OBJECT_CLASS (pm_service_parent_class)->finalize (object);
}

static void
pm_service_class_init (PmServiceClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->get_property = pm_service_get_property;
  object_class->dispose = pm_service_dispose;
  object_class->finalize = pm_service_finalize;

  properties[PROP_ONLINE] =
    g_param_spec_boolean ("online", NULL, NULL, TRUE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_PROFILE] =
    g_param_spec_object ("profile", NULL, NULL, PM_TYPE_PROFILE,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  /**
   * PmService:storage-error:
   *
   * Why sending is paused — what failed when the ledger could not be written, a sentence
   * for the clerk — or %NULL when the ledger is fine. See pm_service_retry_storage().
   */
  properties[PROP_STORAGE_ERROR] =
    g_param_spec_string ("storage-error", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  /**
   * PmService:ledger:
   *
   * The ledger in use: this desk's file, or the shop ledger of the profile in use
   * (pm_service_set_follow_shop_ledger()). Views that keep a model of it make a new one
   * when it changes.
   */
  properties[PROP_LEDGER] =
    g_param_spec_object ("ledger", NULL, NULL, PM_TYPE_LEDGER,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * PmService::bill-transition:
   * @bill: the bill as now recorded
   * @from: the PmBillState before
   * @to: the PmBillState now
   *
   * A bill changed state because of a read or an action (paid, cancelled, …).
   */
  signals[BILL_TRANSITION] =
    g_signal_new ("bill-transition", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL,
                  NULL, NULL, G_TYPE_NONE, 3, PM_TYPE_BILL, G_TYPE_INT, G_TYPE_INT);

  /**
   * PmService::ledger-changed:
   *
   * Another process or connection (paymint-cli, a second window, a timer) changed the
   * ledger: anything shown from it — rows, totals, the empty state — may be out of date
   * and should be read again, all together. Emitted on the main context of the thread
   * that made the service, within a second of the other side's commit. Changes made
   * through this service are not announced here: its ledger's "bill-added",
   * "bill-changed" and "bill-removed" tell of those, bill by bill.
   */
  signals[LEDGER_CHANGED] =
    g_signal_new ("ledger-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL,
                  NULL, NULL, G_TYPE_NONE, 0);

  /**
   * PmService::bill-changed:
   * @bill_id: the bill added, changed or removed through this service
   *
   * The same, bill by bill, for changes made in this process (its ledger's bill-added,
   * bill-changed and bill-removed), so that views need nothing but the service.
   */
  signals[BILL_CHANGED] =
    g_signal_new ("bill-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL,
                  NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
}

static void
ledger_bill_cb (PmLedger   *ledger,
                const char *bill_id,
                PmService  *self)
{
  g_signal_emit (self, signals[BILL_CHANGED], 0, bill_id);
}

static void
pm_service_init (PmService *self)
{
  self->timeout = PM_CLIENT_DEFAULT_TIMEOUT;
}

char *
pm_service_default_ledger_path (void)
{
  return g_build_filename (g_get_user_data_dir (), "paymint-desk", "ledger.db", NULL);
}

static void
attach_ledger (PmService *self)
{
  /* What the server told us is written in groups (one commit per GROUP_COMMIT_MS, not one
   * per bill); intents stay durable one transaction at a time (pm-ledger.h). */
  pm_ledger_set_group_commit (self->ledger, GROUP_COMMIT_MS);
  g_signal_connect (self->ledger, "storage-failed", G_CALLBACK (storage_failed_cb), self);
  g_signal_connect (self->ledger, "bill-added", G_CALLBACK (ledger_bill_cb), self);
  g_signal_connect (self->ledger, "bill-changed", G_CALLBACK (ledger_bill_cb), self);
  g_signal_connect (self->ledger, "bill-removed", G_CALLBACK (ledger_bill_cb), self);
  self->outside_serial = pm_ledger_get_outside_serial (self->ledger, NULL);
}

static void
drop_workers (PmService *self)
{
  if (self->poller != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->poller, self);
      g_clear_object (&self->poller);
    }
  if (self->sender != NULL)
    g_signal_handlers_disconnect_by_data (self->sender, self);
  g_clear_object (&self->sender);
}

static void
detach_ledger (PmService *self)
{
  g_autoptr(GError) error = NULL;

  if (self->ledger == NULL)
    return;
  if (!pm_ledger_flush (self->ledger, &error))
    g_warning ("%s", error->message);
  g_signal_handlers_disconnect_by_data (self->ledger, self);
  g_clear_object (&self->ledger);
}

/* The ledger @profile names (its shop ledger, or this desk's file) replaces the one in
 * use. The sender and poller worked on the old one: they are made again. A shop ledger
 * whose server is away is still used — never this desk's file instead, which would split
 * the shop's records — and sending pauses until it answers (pm_service_retry_storage). */
static void
follow_profile_ledger (PmService *self,
                       PmProfile *profile)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PmLedger) ledger = NULL;
  const char *want = self->own_ledger;

  if (!self->follow_shop)
    return;
  if (profile != NULL && pm_profile_has_shop_ledger (profile))
    want = pm_profile_get_shop_ledger (profile);
  if (g_strcmp0 (want, pm_ledger_get_path (self->ledger)) == 0)
    return;

  if (pm_ledger_location_is_uri (want))
    ledger = pm_ledger_new_shop_lazy (want, pm_profile_get_shop_ledger_password (profile), &error);
  else
    ledger = pm_ledger_new (want, &error);
  if (ledger == NULL)
    {
      /* an address that cannot be a ledger's (the profile's check refuses those): the
       * ledger in use stays, and sending pauses, saying why */
      report_storage_error (self, error);
      return;
    }
  drop_workers (self);
  detach_ledger (self);
  self->ledger = g_steal_pointer (&ledger);
  attach_ledger (self);
  g_clear_error (&self->storage_error);
  if (!pm_ledger_check_writable (self->ledger, &error))
    report_storage_error (self, error);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LEDGER]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STORAGE_ERROR]);
  g_signal_emit (self, signals[LEDGER_CHANGED], 0);
}

void
pm_service_set_follow_shop_ledger (PmService *self,
                                   gboolean   follow)
{
  g_return_if_fail (PM_IS_SERVICE (self));

  self->follow_shop = follow;
  if (self->profile != NULL)
    {
      /* set again, so that the sender and poller are made for the ledger it now names */
      g_autoptr(PmProfile) profile = g_object_ref (self->profile);

      pm_service_set_profile (self, profile);
    }
  else
    follow_profile_ledger (self, NULL);
}

PmService *
pm_service_new (const char  *ledger_path,
                GError     **error)
{
  g_autoptr(PmService) self = NULL;
  g_autofree char *path = NULL;
  g_autofree char *dir = NULL;

  path = ledger_path != NULL ? g_strdup (ledger_path) : pm_service_default_ledger_path ();
  dir = g_path_get_dirname (path);
  if (!pm_ledger_location_is_uri (path) && g_mkdir_with_parents (dir, 0700) != 0)
    {
      int saved = errno;

      g_set_error (error, PM_ERROR, PM_ERROR_STORAGE,
                   _("Could not create the folder for the payments ledger (%s): %s"), dir,
                   g_strerror (saved));
      return NULL;
    }

  self = g_object_new (PM_TYPE_SERVICE, NULL);
  self->own_ledger = g_strdup (path);
  self->ledger = pm_ledger_new (path, error);
  if (self->ledger == NULL)
    return NULL;
  attach_ledger (self);
  self->watch_id = g_timeout_add (WATCH_INTERVAL_MS, watch_cb, self);
  g_source_set_name_by_id (self->watch_id, "[paymint] ledger watch");
  return g_steal_pointer (&self);
}

PmLedger *
pm_service_get_ledger (PmService *self)
{
  g_return_val_if_fail (PM_IS_SERVICE (self), NULL);

  return self->ledger;
}

void
pm_service_set_profile (PmService *self,
                        PmProfile *profile)
{
  g_return_if_fail (PM_IS_SERVICE (self));
  g_return_if_fail (profile == NULL || PM_IS_PROFILE (profile));

  g_clear_object (&self->profile);
  g_clear_object (&self->client);
  if (profile != NULL)
    {
      self->profile = pm_profile_copy (profile);
      self->client = pm_client_new (self->profile);
      pm_client_set_timeout (self->client, self->timeout);
    }
  /* with the profile in place, so that whoever hears of a new ledger sees whose it is */
  follow_profile_ledger (self, self->profile);

  if (self->client != NULL)
    {
      if (self->sender == NULL)
        {
          self->sender = pm_sender_new (self->client, self->ledger);
          if (self->storage_error != NULL)
            g_object_set (self->sender, "storage-error", self->storage_error, NULL);
          g_signal_connect (self->sender, "storage-failed", G_CALLBACK (storage_failed_cb), self);
          self->poller = pm_poller_new (self->client, self->ledger, self->sender);
          g_signal_connect (self->poller, "bill-transition",
                            G_CALLBACK (poller_transition_cb), self);
          g_signal_connect (self->poller, "notify::online", G_CALLBACK (poller_online_cb), self);
          g_signal_connect (self->poller, "storage-failed", G_CALLBACK (storage_failed_cb), self);
        }
      else
        {
          pm_sender_set_client (self->sender, self->client);
          pm_poller_set_client (self->poller, self->client);
        }
    }
  if (self->poller != NULL)
    {
      pm_poller_set_profile_id (self->poller, pm_service_get_profile_id (self));
      if (self->client == NULL)
        pm_poller_set_client (self->poller, NULL);
    }
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PROFILE]);
}

PmProfile *
pm_service_get_profile (PmService *self)
{
  g_return_val_if_fail (PM_IS_SERVICE (self), NULL);

  return self->profile;
}

const char *
pm_service_get_profile_id (PmService *self)
{
  g_return_val_if_fail (PM_IS_SERVICE (self), NULL);

  return self->profile != NULL ? pm_profile_get_uuid (self->profile) : NULL;
}

void
pm_service_set_timeout (PmService *self,
                        guint      seconds)
{
  g_return_if_fail (PM_IS_SERVICE (self));

  self->timeout = MAX (seconds, 1);
  if (self->client != NULL)
    pm_client_set_timeout (self->client, self->timeout);
}

void
pm_service_set_polling (PmService *self,
                        gboolean   enabled,
                        guint      concurrency)
{
  g_return_if_fail (PM_IS_SERVICE (self));

  if (self->poller == NULL)
    return;
  pm_poller_set_concurrency (self->poller, concurrency);
  pm_poller_set_enabled (self->poller, enabled);
}

gboolean
pm_service_get_online (PmService *self)
{
  g_return_val_if_fail (PM_IS_SERVICE (self), FALSE);

  return self->poller == NULL || pm_poller_get_online (self->poller);
}

/* ---- storage ---- */

const char *
pm_service_get_storage_error (PmService *self)
{
  g_return_val_if_fail (PM_IS_SERVICE (self), NULL);

  return self->storage_error != NULL ? self->storage_error->message : NULL;
}

gboolean
pm_service_retry_storage (PmService  *self,
                          GError    **error)
{
  g_autoptr(GError) local_error = NULL;

  g_return_val_if_fail (PM_IS_SERVICE (self), FALSE);

  if (!pm_ledger_check_writable (self->ledger, &local_error))
    {
      report_storage_error (self, local_error);
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  if (self->storage_error == NULL)
    return TRUE;

  g_message ("The payments ledger can be written again; sending resumes");
  g_clear_error (&self->storage_error);
  if (self->sender != NULL)
    {
      g_object_set (self->sender, "storage-error", NULL, NULL);
      /* A send whose outcome could not be written is still "queued", "sending" or
       * "unknown" in the ledger: reading each one back puts its row right. */
      pm_sender_reconcile_all_async (self->sender, NULL, NULL, NULL);
    }
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STORAGE_ERROR]);
  return TRUE;
}

/* ---- start ---- */

static void
start_reconciled_cb (GObject      *object,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  PmService *self = g_task_get_source_object (task);
  g_autoptr(GError) error = NULL;
  guint n_unsettled = 0;

  if (!pm_sender_reconcile_all_finish (PM_SENDER (object), result, &n_unsettled, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  if (self->poller != NULL)
    pm_poller_set_profile_id (self->poller, pm_service_get_profile_id (self));
  g_task_return_int (task, n_unsettled);
}

void
pm_service_start_async (PmService           *self,
                        GCancellable        *cancellable,
                        GAsyncReadyCallback  callback,
                        gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (PM_IS_SERVICE (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, pm_service_start_async);
  if (self->sender == NULL)
    {
      g_task_return_error (task, no_connection_error ());
      return;
    }
  pm_sender_reconcile_all_async (self->sender, cancellable, start_reconciled_cb,
                                 g_steal_pointer (&task));
}

gboolean
pm_service_start_finish (PmService     *self,
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

/* ---- forwarding a client call ---- */

typedef gpointer (*ClientFinish) (PmClient *, GAsyncResult *, GError **);

typedef struct
{
  ClientFinish   finish;
  GDestroyNotify free_result;
  PmClient      *client;
  char          *payer_name;  /* autopay/register: remembered as a payer on success */
  char          *payer_phone;
} Forward;

static void
forward_free (Forward *fwd)
{
  g_clear_object (&fwd->client);
  g_free (fwd->payer_name);
  g_free (fwd->payer_phone);
  g_free (fwd);
}

static void
forward_cb (GObject      *object,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  PmService *self = g_task_get_source_object (task);
  Forward *fwd = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  gpointer value;

  value = fwd->finish (PM_CLIENT (object), result, &error);
  if (value == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  if (fwd->payer_phone != NULL && self->profile != NULL)
    {
      g_autoptr(GError) ledger_error = NULL;

      if (!pm_ledger_save_payer (self->ledger, pm_profile_get_uuid (self->profile),
                                 fwd->payer_phone, fwd->payer_name, now_utc (), &ledger_error))
        {
          g_message ("Could not remember the AutoPay payer: %s", ledger_error->message);
          report_storage_error (self, ledger_error);
        }
    }
  g_task_return_pointer (task, value, fwd->free_result);
}

/* Returns a task for a client call, or NULL (the error already returned) when there is
 * no connection. */
static GTask *
forward_new (PmService           *self,
             gpointer             source_tag,
             ClientFinish         finish,
             GDestroyNotify       free_result,
             GCancellable        *cancellable,
             GAsyncReadyCallback  callback,
             gpointer             user_data)
{
  GTask *task = g_task_new (self, cancellable, callback, user_data);
  Forward *fwd;

  g_task_set_source_tag (task, source_tag);
  if (self->client == NULL)
    {
      g_task_return_error (task, no_connection_error ());
      g_object_unref (task);
      return NULL;
    }
  fwd = g_new0 (Forward, 1);
  fwd->finish = finish;
  fwd->free_result = free_result;
  fwd->client = g_object_ref (self->client);
  g_task_set_task_data (task, fwd, (GDestroyNotify) forward_free);
  return task;
}

static gpointer
forward_finish (PmService    *self,
                GAsyncResult *result,
                gpointer      source_tag,
                GError      **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == source_tag, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

void
pm_service_check_connection_async (PmService           *self,
                                   PmProfile           *candidate,
                                   GCancellable        *cancellable,
                                   GAsyncReadyCallback  callback,
                                   gpointer             user_data)
{
  g_autoptr(PmClient) client = NULL;
  GTask *task;
  Forward *fwd;

  g_return_if_fail (PM_IS_SERVICE (self));
  g_return_if_fail (PM_IS_PROFILE (candidate));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, pm_service_check_connection_async);
  fwd = g_new0 (Forward, 1);
  fwd->finish = (ClientFinish) pm_client_licenses_finish;
  fwd->free_result = (GDestroyNotify) g_ptr_array_unref;
  client = pm_client_new (candidate);
  pm_client_set_timeout (client, self->timeout);
  fwd->client = g_object_ref (client);
  g_task_set_task_data (task, fwd, (GDestroyNotify) forward_free);
  pm_client_licenses_async (client, cancellable, forward_cb, task);
}

GPtrArray *
pm_service_check_connection_finish (PmService     *self,
                                    GAsyncResult  *result,
                                    GError       **error)
{
  return forward_finish (self, result, pm_service_check_connection_async, error);
}

/* ---- bills ---- */

/* Commits the open write group (pm_ledger_set_group_commit) when a person's own send or
 * action is done, so that what they were just told is what every other process reads. */
static void
publish_writes (PmService *self)
{
  g_autoptr(GError) error = NULL;

  if (self->ledger != NULL && !pm_ledger_flush (self->ledger, &error))
    g_debug ("The last writes wait for the next commit: %s", error->message);
}

static void
send_done_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  PmService *self = g_task_get_source_object (task);
  g_autoptr(GError) error = NULL;
  PmBill *bill;

  bill = pm_sender_send_finish (PM_SENDER (object), result, &error);
  if (bill == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  if (pm_bill_get_state (bill) == PM_BILL_STATE_PAID)
    g_signal_emit (self, signals[BILL_TRANSITION], 0, bill, (int) PM_BILL_STATE_SENDING,
                   (int) PM_BILL_STATE_PAID);
  g_task_return_pointer (task, bill, g_object_unref);
}

void
pm_service_send_async (PmService           *self,
                       PmBill              *draft,
                       GCancellable        *cancellable,
                       GAsyncReadyCallback  callback,
                       gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(PmBill) bill = NULL;

  g_return_if_fail (PM_IS_SERVICE (self));
  g_return_if_fail (PM_IS_BILL (draft));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, pm_service_send_async);
  if (self->sender == NULL || self->profile == NULL)
    {
      g_task_return_error (task, no_connection_error ());
      return;
    }
  if (self->storage_error != NULL)
    {
      g_task_return_error (task, storage_paused_error (self));
      return;
    }
  bill = pm_bill_copy (draft);
  pm_bill_set_profile_id (bill, pm_profile_get_uuid (self->profile));
  pm_sender_send_async (self->sender, bill, cancellable, send_done_cb, g_steal_pointer (&task));
}

GPtrArray *
pm_service_write_intents (PmService  *self,
                          GPtrArray  *drafts,
                          GError    **error)
{
  g_autoptr(GPtrArray) scoped = NULL;

  g_return_val_if_fail (PM_IS_SERVICE (self), NULL);
  g_return_val_if_fail (drafts != NULL, NULL);

  if (self->sender == NULL || self->profile == NULL)
    {
      g_propagate_error (error, no_connection_error ());
      return NULL;
    }
  if (self->storage_error != NULL)
    {
      g_propagate_error (error, storage_paused_error (self));
      return NULL;
    }
  scoped = g_ptr_array_new_with_free_func (g_object_unref);
  for (guint i = 0; i < drafts->len; i++)
    {
      PmBill *bill = pm_bill_copy (g_ptr_array_index (drafts, i));

      pm_bill_set_profile_id (bill, pm_profile_get_uuid (self->profile));
      g_ptr_array_add (scoped, bill);
    }
  return pm_sender_write_intents (self->sender, scoped, error);
}

void
pm_service_send_intent_async (PmService           *self,
                              PmBill              *intent,
                              GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (PM_IS_SERVICE (self));
  g_return_if_fail (PM_IS_BILL (intent));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, pm_service_send_intent_async);
  if (self->sender == NULL)
    {
      g_task_return_error (task, no_connection_error ());
      return;
    }
  if (self->storage_error != NULL)
    {
      g_task_return_error (task, storage_paused_error (self));
      return;
    }
  pm_sender_send_intent_async (self->sender, intent, cancellable, send_done_cb,
                               g_steal_pointer (&task));
}

PmBill *
pm_service_send_finish (PmService     *self,
                        GAsyncResult  *result,
                        GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  /* a person's one send: other processes (a second desk, paymint-cli) see its outcome
   * now, not at the end of the write group; a bulk send's do not wait on a commit each */
  if (g_task_get_source_tag (G_TASK (result)) == pm_service_send_async)
    publish_writes (self);
  return g_task_propagate_pointer (G_TASK (result), error);
}

static GError *
not_allowed_error (PmBill       *bill,
                   PmBillAction  action)
{
  const char *state = pm_bill_state_get_label (pm_bill_get_state (bill));

  switch (action)
    {
    case PM_BILL_ACTION_CANCEL:
      return g_error_new (PM_ERROR, PM_ERROR_INVALID,
                          _("Only a paid bill can be refunded; this one is “%s”."), state);
    case PM_BILL_ACTION_DESTROY:
      return g_error_new (PM_ERROR, PM_ERROR_INVALID,
                          _("Only an unpaid bill can be voided; this one is “%s”."), state);
    case PM_BILL_ACTION_RESEND:
      if (pm_bill_get_state (bill) == PM_BILL_STATE_UNPAID)
        return g_error_new_literal (PM_ERROR, PM_ERROR_INVALID,
                                    _("This bill has expired, so it cannot be sent again; "
                                      "send a new request instead."));
      return g_error_new (PM_ERROR, PM_ERROR_INVALID,
                          _("Only an unpaid bill can be sent again; this one is “%s”."), state);
    case PM_BILL_ACTION_COPY_LINK:
      return g_error_new_literal (PM_ERROR, PM_ERROR_INVALID,
                                  _("This bill has no payment link yet."));
    case PM_BILL_ACTION_SEND_AGAIN:
      return g_error_new (PM_ERROR, PM_ERROR_INVALID,
                          _("Only a request that was not sent can be sent again this way; "
                            "this one is “%s”."), state);
    case PM_BILL_ACTION_REFRESH:
    default:
      return g_error_new (PM_ERROR, PM_ERROR_INVALID,
                          _("A bill that was never created on the server cannot be "
                            "refreshed (“%s”)."), state);
    }
}

typedef struct
{
  PmBill       *bill;
  PmBillAction  action;
  GError       *action_error; /* kept while a read finds out what happened */
} Action;

static void
action_free (Action *act)
{
  g_clear_object (&act->bill);
  g_clear_error (&act->action_error);
  g_free (act);
}

/* Records @to as the bill's state after an action the server confirmed. */
static void
action_record (PmService   *self,
               Action      *act,
               PmBillState  to,
               const char  *kind)
{
  g_autoptr(GError) error = NULL;
  PmBillState from = pm_bill_get_state (act->bill);
  gint64 now = now_utc ();

  if (kind != NULL
      && !pm_ledger_add_event (self->ledger, pm_bill_get_bill_id (act->bill), now, kind,
                               (int) from, (int) from, NULL, &error))
    {
      g_message ("Could not record an event of bill %s: %s", pm_bill_get_bill_id (act->bill),
                 error->message);
      report_storage_error (self, error);
      g_clear_error (&error);
    }
  if (from == to)
    return;
  pm_bill_set_state (act->bill, to);
  pm_bill_set_updated_at (act->bill, now);
  pm_bill_set_next_check_at (act->bill, pm_schedule_next_check (act->bill, now));
  if (!pm_ledger_update_bill (self->ledger, act->bill, &error))
    {
      /* the server did it; the bill's next read (after Retry) puts the ledger right */
      g_message ("Could not record bill %s: %s", pm_bill_get_bill_id (act->bill),
                 error->message);
      report_storage_error (self, error);
    }
  g_signal_emit (self, signals[BILL_TRANSITION], 0, act->bill, (int) from, (int) to);
}

/* An action that did not happen is part of the bill's story too: the timeline says so. */
static void
action_record_failure (PmService    *self,
                       Action       *act,
                       const GError *error)
{
  const char *what;
  g_autofree char *detail = NULL;

  switch (act->action)
    {
    case PM_BILL_ACTION_CANCEL:
      what = _("Refund failed");
      break;
    case PM_BILL_ACTION_DESTROY:
      what = _("Void failed");
      break;
    case PM_BILL_ACTION_RESEND:
      what = _("Sending again failed");
      break;
    default:
      return;
    }
  /* Translators: what failed, then why */
  detail = g_strdup_printf (_("%s: %s"), what, error->message);
  if (!pm_ledger_add_event (self->ledger, pm_bill_get_bill_id (act->bill), now_utc (),
                            PM_LEDGER_EVENT_NOTE, -1, -1, detail, NULL))
    g_debug ("Could not note the failed action on bill %s", pm_bill_get_bill_id (act->bill));
}

static void
action_refreshed_cb (GObject      *object,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  Action *act = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(PmBill) bill = NULL;

  bill = pm_poller_refresh_bill_finish (PM_POLLER (object), result, &error);
  if (act->action_error == NULL)
    {
      /* a plain refresh */
      if (bill == NULL)
        g_task_return_error (task, g_steal_pointer (&error));
      else
        g_task_return_pointer (task, g_steal_pointer (&bill), g_object_unref);
      return;
    }

  /* The action's outcome was unclear (or the server said it no longer applies): the
   * read tells what is true now. */
  if (bill != NULL
      && ((act->action == PM_BILL_ACTION_CANCEL
           && pm_bill_get_state (bill) == PM_BILL_STATE_CANCELLED)
          || (act->action == PM_BILL_ACTION_DESTROY
              && pm_bill_get_state (bill) == PM_BILL_STATE_DESTROYED))
      && pm_error_is_maybe_done (act->action_error))
    {
      g_task_return_pointer (task, g_steal_pointer (&bill), g_object_unref);
      return;
    }
  action_record_failure (g_task_get_source_object (task), act, act->action_error);
  g_task_return_error (task, g_steal_pointer (&act->action_error));
}

static void
action_done_cb (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  PmService *self = g_task_get_source_object (task);
  Action *act = g_task_get_task_data (task);
  g_autoptr(PmSendResult) reply = NULL;
  g_autoptr(GError) error = NULL;

  switch (act->action)
    {
    case PM_BILL_ACTION_CANCEL:
      reply = pm_client_cancel_finish (PM_CLIENT (object), result, &error);
      if (reply != NULL)
        action_record (self, act, PM_BILL_STATE_CANCELLED, NULL);
      break;
    case PM_BILL_ACTION_DESTROY:
      reply = pm_client_destroy_finish (PM_CLIENT (object), result, &error);
      if (reply != NULL)
        action_record (self, act, PM_BILL_STATE_DESTROYED, NULL);
      break;
    case PM_BILL_ACTION_RESEND:
      reply = pm_client_resend_finish (PM_CLIENT (object), result, &error);
      if (reply != NULL)
        action_record (self, act, PM_BILL_STATE_UNPAID, PM_LEDGER_EVENT_RESEND);
      break;
    case PM_BILL_ACTION_REFRESH:
    case PM_BILL_ACTION_COPY_LINK:
    default:
      g_assert_not_reached ();
    }

  if (reply != NULL)
    {
      g_task_return_pointer (task, g_object_ref (act->bill), g_object_unref);
      return;
    }

  /* Already paid, already cancelled, or an outcome we could not see: read the bill so
   * the ledger shows what is true, then report. */
  if (g_error_matches (error, PM_ERROR, PM_ERROR_ALREADY_PAID)
      || g_error_matches (error, PM_ERROR, PM_ERROR_ALREADY_CANCELLED)
      || g_error_matches (error, PM_ERROR, PM_ERROR_NOT_FOUND)
      || pm_error_is_maybe_done (error))
    {
      GCancellable *cancellable = g_task_get_cancellable (task);

      act->action_error = g_steal_pointer (&error);
      pm_poller_refresh_bill_async (self->poller, pm_bill_get_bill_id (act->bill), cancellable,
                                    action_refreshed_cb, g_steal_pointer (&task));
      return;
    }
  action_record_failure (self, act, error);
  g_task_return_error (task, g_steal_pointer (&error));
}

static void
send_again_done_cb (GObject      *object,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;
  PmBill *bill;

  bill = pm_sender_send_finish (PM_SENDER (object), result, &error);
  if (bill == NULL)
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_pointer (task, bill, g_object_unref);
}

/* The user's word to send a not-sent bill: written down (the "send-again" event starts a
 * new window for the sender's own retries), queued, then sent with the same bill_id. A
 * repeat of the request is harmless by the contract (9800 → read). */
static void
send_again (PmService *self,
            GTask     *task)
{
  Action *act = g_task_get_task_data (task);
  const char *bill_id = pm_bill_get_bill_id (act->bill);
  g_autoptr(GError) error = NULL;
  gint64 now = now_utc ();

  if (!pm_bill_check_expire_date (pm_bill_get_expire_date (act->bill), now, &error))
    {
      g_task_return_error (task,
                           pm_error_new_full (PM_ERROR_INVALID, PM_BILL_FIELD_EXPIRE_DT, NULL,
                                              FALSE,
                                              _("The last day to pay of this request has "
                                                "passed. Send a new request instead.")));
      g_object_unref (task);
      return;
    }
  if (!pm_ledger_add_event (self->ledger, bill_id, now, PM_LEDGER_EVENT_SEND_AGAIN,
                            (int) PM_BILL_STATE_NOT_SENT, (int) PM_BILL_STATE_QUEUED, NULL,
                            &error))
    {
      report_storage_error (self, error);
      g_task_return_error (task, g_steal_pointer (&error));
      g_object_unref (task);
      return;
    }
  pm_bill_set_state (act->bill, PM_BILL_STATE_QUEUED);
  pm_bill_set_error_text (act->bill, NULL);
  pm_bill_set_error_code (act->bill, NULL);
  pm_bill_set_updated_at (act->bill, now);
  if (!pm_ledger_update_bill (self->ledger, act->bill, &error))
    {
      report_storage_error (self, error);
      g_task_return_error (task, g_steal_pointer (&error));
      g_object_unref (task);
      return;
    }
  pm_sender_send_intent_async (self->sender, act->bill, g_task_get_cancellable (task),
                               send_again_done_cb, task);
}

void
pm_service_send_again_async (PmService           *self,
                             const char          *bill_id,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  pm_service_bill_action_async (self, bill_id, PM_BILL_ACTION_SEND_AGAIN, cancellable,
                                callback, user_data);
}

PmBill *
pm_service_send_again_finish (PmService     *self,
                              GAsyncResult  *result,
                              GError       **error)
{
  return pm_service_bill_action_finish (self, result, error);
}

void
pm_service_bill_action_async (PmService           *self,
                              const char          *bill_id,
                              PmBillAction         action,
                              GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GError) error = NULL;
  Action *act;
  PmBill *bill;

  g_return_if_fail (PM_IS_SERVICE (self));
  g_return_if_fail (bill_id != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, pm_service_bill_action_async);
  if (self->client == NULL)
    {
      g_task_return_error (task, no_connection_error ());
      return;
    }
  bill = pm_service_lookup (self, bill_id, &error);
  if (bill == NULL)
    {
      if (error == NULL)
        error = pm_error_new_full (PM_ERROR_NOT_FOUND, NULL, NULL, FALSE,
                                   _("This bill is not in the payments ledger."));
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  act = g_new0 (Action, 1);
  act->bill = bill;
  act->action = action;
  g_task_set_task_data (task, act, (GDestroyNotify) action_free);

  if (action == PM_BILL_ACTION_COPY_LINK || !pm_bill_action_allowed (bill, action, now_utc ()))
    {
      g_task_return_error (task, not_allowed_error (bill, action));
      return;
    }
  /* what the server does must be kept: only a refresh (a read) goes on while paused */
  if (self->storage_error != NULL && action != PM_BILL_ACTION_REFRESH)
    {
      g_task_return_error (task, storage_paused_error (self));
      return;
    }

  switch (action)
    {
    case PM_BILL_ACTION_REFRESH:
      pm_poller_refresh_bill_async (self->poller, bill_id, cancellable, action_refreshed_cb,
                                    g_steal_pointer (&task));
      break;
    case PM_BILL_ACTION_RESEND:
      pm_client_resend_async (self->client, bill_id, cancellable, action_done_cb,
                              g_steal_pointer (&task));
      break;
    case PM_BILL_ACTION_DESTROY:
      pm_client_destroy_async (self->client, bill_id, pm_bill_get_price (bill), cancellable,
                               action_done_cb, g_steal_pointer (&task));
      break;
    case PM_BILL_ACTION_CANCEL:
      pm_client_cancel_async (self->client, bill_id, pm_bill_get_price (bill), cancellable,
                              action_done_cb, g_steal_pointer (&task));
      break;
    case PM_BILL_ACTION_SEND_AGAIN:
      send_again (self, g_steal_pointer (&task));
      break;
    case PM_BILL_ACTION_COPY_LINK:
    default:
      g_assert_not_reached ();
    }
}

PmBill *
pm_service_bill_action_finish (PmService     *self,
                               GAsyncResult  *result,
                               GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  publish_writes (self);
  return g_task_propagate_pointer (G_TASK (result), error);
}

guint
pm_service_refresh_all (PmService *self)
{
  g_return_val_if_fail (PM_IS_SERVICE (self), 0);

  return self->poller != NULL ? pm_poller_refresh_all (self->poller) : 0;
}

/* ---- queries ---- */

PmBill *
pm_service_lookup (PmService   *self,
                   const char  *bill_id,
                   GError     **error)
{
  g_autoptr(PmBill) bill = NULL;

  g_return_val_if_fail (PM_IS_SERVICE (self), NULL);

  bill = pm_ledger_lookup (self->ledger, bill_id, error);
  if (bill != NULL && self->profile != NULL
      && g_strcmp0 (pm_bill_get_profile_id (bill), pm_profile_get_uuid (self->profile)) != 0)
    return NULL; /* another profile's bill: not visible here */
  return g_steal_pointer (&bill);
}

GPtrArray *
pm_service_list_events (PmService   *self,
                        const char  *bill_id,
                        GError     **error)
{
  g_return_val_if_fail (PM_IS_SERVICE (self), NULL);

  return pm_ledger_list_events (self->ledger, bill_id, error);
}

void
pm_service_scope_query (PmService     *self,
                        PmLedgerQuery *query)
{
  g_return_if_fail (PM_IS_SERVICE (self));
  g_return_if_fail (query != NULL);

  /* With no profile, nothing is shown rather than everything. */
  pm_ledger_query_set_profile_id (query, self->profile != NULL
                                           ? pm_profile_get_uuid (self->profile)
                                           : "-");
}

PmLedgerModel *
pm_service_create_model (PmService           *self,
                         const PmLedgerQuery *query)
{
  g_autoptr(PmLedgerQuery) scoped = NULL;

  g_return_val_if_fail (PM_IS_SERVICE (self), NULL);

  scoped = query != NULL ? pm_ledger_query_copy (query) : pm_ledger_query_new ();
  pm_service_scope_query (self, scoped);
  return pm_ledger_model_new (self->ledger, scoped);
}

PmLedgerModel *
pm_service_create_model_deferred (PmService           *self,
                                  const PmLedgerQuery *query)
{
  g_autoptr(PmLedgerQuery) scoped = NULL;

  g_return_val_if_fail (PM_IS_SERVICE (self), NULL);

  scoped = query != NULL ? pm_ledger_query_copy (query) : pm_ledger_query_new ();
  pm_service_scope_query (self, scoped);
  return pm_ledger_model_new_deferred (self->ledger, scoped);
}

/* The monthly plans kept in this service's ledger (pm-plan-store.h). */
PmPlanStore *
pm_service_open_plan_store (PmService  *self,
                            GError    **error)
{
  g_return_val_if_fail (PM_IS_SERVICE (self), NULL);

  return pm_plan_store_new (self->ledger, error);
}

gboolean
pm_service_totals (PmService           *self,
                   const PmLedgerQuery *query,
                   PmLedgerTotals      *totals,
                   GError             **error)
{
  g_autoptr(PmLedgerQuery) scoped = NULL;

  g_return_val_if_fail (PM_IS_SERVICE (self), FALSE);

  scoped = query != NULL ? pm_ledger_query_copy (query) : pm_ledger_query_new ();
  pm_service_scope_query (self, scoped);
  return pm_ledger_totals (self->ledger, scoped, totals, error);
}

gboolean
pm_service_export_csv (PmService           *self,
                       const PmLedgerQuery *query,
                       const char          *path,
                       guint64             *n_rows,
                       GCancellable        *cancellable,
                       GError             **error)
{
  g_autoptr(PmLedgerQuery) scoped = NULL;

  g_return_val_if_fail (PM_IS_SERVICE (self), FALSE);

  scoped = query != NULL ? pm_ledger_query_copy (query) : pm_ledger_query_new ();
  pm_service_scope_query (self, scoped);
  return pm_ledger_export_csv_to_path (self->ledger, scoped, path, n_rows, cancellable, error);
}

GPtrArray *
pm_service_recent_payers (PmService   *self,
                          const char  *prefix,
                          guint        limit,
                          GError     **error)
{
  g_return_val_if_fail (PM_IS_SERVICE (self), NULL);

  return pm_ledger_recent_payers (self->ledger, pm_service_get_profile_id (self), prefix,
                                  limit, error);
}

/* ---- AutoPay ---- */

void
pm_service_autopay_register_async (PmService           *self,
                                   const char          *name,
                                   const char          *phone,
                                   const char          *product,
                                   const char          *message,
                                   GCancellable        *cancellable,
                                   GAsyncReadyCallback  callback,
                                   gpointer             user_data)
{
  g_autofree char *digits = NULL;
  g_autoptr(GError) error = NULL;
  GTask *task;
  Forward *fwd;

  g_return_if_fail (PM_IS_SERVICE (self));

  task = forward_new (self, pm_service_autopay_register_async,
                      (ClientFinish) pm_client_autopay_register_finish,
                      (GDestroyNotify) pm_send_result_free, cancellable, callback, user_data);
  if (task == NULL)
    return;
  if (!pm_bill_check_member_nm (name, &error)
      || !pm_phone_normalize (phone, &digits, NULL, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      g_object_unref (task);
      return;
    }
  fwd = g_task_get_task_data (task);
  fwd->payer_name = g_strdup (name);
  fwd->payer_phone = g_strdup (digits);
  pm_client_autopay_register_async (self->client, name, digits, product, message, cancellable,
                                    forward_cb, task);
}

PmSendResult *
pm_service_autopay_register_finish (PmService     *self,
                                    GAsyncResult  *result,
                                    GError       **error)
{
  return forward_finish (self, result, pm_service_autopay_register_async, error);
}

void
pm_service_autopay_methods_async (PmService           *self,
                                  const char          *phone,
                                  GCancellable        *cancellable,
                                  GAsyncReadyCallback  callback,
                                  gpointer             user_data)
{
  GTask *task;

  g_return_if_fail (PM_IS_SERVICE (self));

  task = forward_new (self, pm_service_autopay_methods_async,
                      (ClientFinish) pm_client_autopay_methods_finish,
                      (GDestroyNotify) g_ptr_array_unref, cancellable, callback, user_data);
  if (task != NULL)
    pm_client_autopay_methods_async (self->client, phone, cancellable, forward_cb, task);
}

GPtrArray *
pm_service_autopay_methods_finish (PmService     *self,
                                   GAsyncResult  *result,
                                   GError       **error)
{
  return forward_finish (self, result, pm_service_autopay_methods_async, error);
}

typedef void (*PhoneMethodCall) (PmClient *, const char *, const char *, GCancellable *,
                                 GAsyncReadyCallback, gpointer);

/* autopay/manage and autopay/delete: the same request shape, the same reply. */
static void
forward_phone_method (PmService           *self,
                      gpointer             source_tag,
                      PhoneMethodCall      call,
                      ClientFinish         finish,
                      const char          *phone,
                      const char          *method_id,
                      GCancellable        *cancellable,
                      GAsyncReadyCallback  callback,
                      gpointer             user_data)
{
  GTask *task;

  g_return_if_fail (PM_IS_SERVICE (self));

  task = forward_new (self, source_tag, finish, (GDestroyNotify) pm_send_result_free,
                      cancellable, callback, user_data);
  if (task != NULL)
    call (self->client, phone, method_id, cancellable, forward_cb, task);
}

void
pm_service_autopay_manage_async (PmService           *self,
                                 const char          *phone,
                                 const char          *method_id,
                                 GCancellable        *cancellable,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data)
{
  forward_phone_method (self, pm_service_autopay_manage_async, pm_client_autopay_manage_async,
                        (ClientFinish) pm_client_autopay_manage_finish, phone, method_id,
                        cancellable, callback, user_data);
}

PmSendResult *
pm_service_autopay_manage_finish (PmService     *self,
                                  GAsyncResult  *result,
                                  GError       **error)
{
  return forward_finish (self, result, pm_service_autopay_manage_async, error);
}

void
pm_service_autopay_delete_async (PmService           *self,
                                 const char          *phone,
                                 const char          *method_id,
                                 GCancellable        *cancellable,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data)
{
  forward_phone_method (self, pm_service_autopay_delete_async, pm_client_autopay_delete_async,
                        (ClientFinish) pm_client_autopay_delete_finish, phone, method_id,
                        cancellable, callback, user_data);
}

PmSendResult *
pm_service_autopay_delete_finish (PmService     *self,
                                  GAsyncResult  *result,
                                  GError       **error)
{
  return forward_finish (self, result, pm_service_autopay_delete_async, error);
}

GPtrArray *
pm_service_list_payers (PmService  *self,
                        GError    **error)
{
  g_return_val_if_fail (PM_IS_SERVICE (self), NULL);

  if (self->profile == NULL)
    return g_ptr_array_new_with_free_func ((GDestroyNotify) pm_ledger_payer_free);
  return pm_ledger_list_payers (self->ledger, pm_profile_get_uuid (self->profile), error);
}
