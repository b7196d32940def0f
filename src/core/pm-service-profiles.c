/* pm-service-profiles.c — saved connections and AutoPay payers, through the facade
 *
 * Copyright 2026 The Paymint Desk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Built on PmService's public API only. "Profiles changed" is a signal of a small object
 * kept on each service (object data), so listeners need nothing from pm-service.c; if
 * PmService grows a signal of its own, only this file changes.
 */

#include "config.h"

#include <glib/gi18n-lib.h>

#include "pm-service-profiles.h"
#include "pm-error.h"
#include "pm-secrets.h"

/* ---- the profiles-changed notifier ---- */

#define PM_TYPE_PROFILES_NOTIFIER (pm_profiles_notifier_get_type ())
G_DECLARE_FINAL_TYPE (PmProfilesNotifier, pm_profiles_notifier, PM, PROFILES_NOTIFIER, GObject)

struct _PmProfilesNotifier
{
  GObject parent_instance;
};

G_DEFINE_FINAL_TYPE (PmProfilesNotifier, pm_profiles_notifier, G_TYPE_OBJECT)

enum {
  CHANGED,
  N_SIGNALS
};

static guint notifier_signals[N_SIGNALS];

static void
pm_profiles_notifier_class_init (PmProfilesNotifierClass *klass)
{
  /* a profile was saved or deleted */
  notifier_signals[CHANGED] =
    g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 0);
}

static void
pm_profiles_notifier_init (PmProfilesNotifier *self)
{
}

#define NOTIFIER_KEY "pm-service-profiles-notifier"

static PmProfilesNotifier *
get_notifier (PmService *self)
{
  PmProfilesNotifier *notifier = g_object_get_data (G_OBJECT (self), NOTIFIER_KEY);

  if (notifier == NULL)
    {
      notifier = g_object_new (PM_TYPE_PROFILES_NOTIFIER, NULL);
      g_object_set_data_full (G_OBJECT (self), NOTIFIER_KEY, notifier, g_object_unref);
    }
  return notifier;
}

static void
emit_changed (PmService *self)
{
  /* first the object: making the first one registers the signal */
  PmProfilesNotifier *notifier = get_notifier (self);

  g_signal_emit (notifier, notifier_signals[CHANGED], 0);
}

gulong
pm_service_connect_profiles_changed (PmService *self,
                                     GCallback  callback,
                                     gpointer   object)
{
  g_return_val_if_fail (PM_IS_SERVICE (self), 0);
  g_return_val_if_fail (callback != NULL, 0);
  g_return_val_if_fail (G_IS_OBJECT (object), 0);

  return g_signal_connect_object (get_notifier (self), "changed", callback, object,
                                  G_CONNECT_SWAPPED);
}

void
pm_service_disconnect_profiles_changed (PmService *self,
                                        gulong     handler_id)
{
  g_return_if_fail (PM_IS_SERVICE (self));

  if (handler_id != 0)
    g_signal_handler_disconnect (get_notifier (self), handler_id);
}

/* ---- keyring calls ---- */

static GTask *
task_new (PmService           *self,
          gpointer             source_tag,
          GCancellable        *cancellable,
          GAsyncReadyCallback  callback,
          gpointer             user_data)
{
  GTask *task = g_task_new (self, cancellable, callback, user_data);

  g_task_set_source_tag (task, source_tag);
  /* pm-secrets says PM_ERROR_CANCELLED itself */
  g_task_set_check_cancellable (task, FALSE);
  return task;
}

static void
list_done_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GError *error = NULL;
  GPtrArray *profiles = pm_secrets_list_finish (result, &error);

  if (profiles == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, profiles, (GDestroyNotify) g_ptr_array_unref);
}

void
pm_service_list_profiles_async (PmService           *self,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  GTask *task;

  g_return_if_fail (PM_IS_SERVICE (self));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = task_new (self, pm_service_list_profiles_async, cancellable, callback, user_data);
  pm_secrets_list_async (cancellable, list_done_cb, task);
}

GPtrArray *
pm_service_list_profiles_finish (PmService     *self,
                                 GAsyncResult  *result,
                                 GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result))
                        == pm_service_list_profiles_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
lookup_done_cb (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GError *error = NULL;
  PmProfile *profile = pm_secrets_lookup_finish (result, &error);

  if (error != NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, profile, g_object_unref);
}

void
pm_service_lookup_profile_async (PmService           *self,
                                 const char          *uuid,
                                 GCancellable        *cancellable,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data)
{
  GTask *task;

  g_return_if_fail (PM_IS_SERVICE (self));
  g_return_if_fail (uuid != NULL && uuid[0] != '\0');
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = task_new (self, pm_service_lookup_profile_async, cancellable, callback, user_data);
  pm_secrets_lookup_async (uuid, cancellable, lookup_done_cb, task);
}

PmProfile *
pm_service_lookup_profile_finish (PmService     *self,
                                  GAsyncResult  *result,
                                  GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result))
                        == pm_service_lookup_profile_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/* Store and delete: tell the listeners first, then the caller. */
static void
write_done_cb (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  PmService *self = g_task_get_source_object (task);
  GError *error = NULL;
  gboolean ok;

  if (g_task_get_source_tag (task) == pm_service_store_profile_async)
    ok = pm_secrets_store_finish (result, &error);
  else
    ok = pm_secrets_delete_finish (result, &error);
  if (!ok)
    {
      g_task_return_error (task, error);
      return;
    }
  emit_changed (self);
  g_task_return_boolean (task, TRUE);
}

void
pm_service_store_profile_async (PmService           *self,
                                PmProfile           *profile,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  GTask *task;

  g_return_if_fail (PM_IS_SERVICE (self));
  g_return_if_fail (PM_IS_PROFILE (profile));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = task_new (self, pm_service_store_profile_async, cancellable, callback, user_data);
  pm_secrets_store_async (profile, cancellable, write_done_cb, task);
}

gboolean
pm_service_store_profile_finish (PmService     *self,
                                 GAsyncResult  *result,
                                 GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result))
                        == pm_service_store_profile_async, FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

void
pm_service_delete_profile_async (PmService           *self,
                                 const char          *uuid,
                                 GCancellable        *cancellable,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data)
{
  GTask *task;

  g_return_if_fail (PM_IS_SERVICE (self));
  g_return_if_fail (uuid != NULL && uuid[0] != '\0');
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = task_new (self, pm_service_delete_profile_async, cancellable, callback, user_data);
  pm_secrets_delete_async (uuid, cancellable, write_done_cb, task);
}

gboolean
pm_service_delete_profile_finish (PmService     *self,
                                  GAsyncResult  *result,
                                  GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result))
                        == pm_service_delete_profile_async, FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/* ---- AutoPay payers ---- */

gboolean
pm_service_remove_payer (PmService   *self,
                         const char  *phone,
                         GError     **error)
{
  const char *profile_id;

  g_return_val_if_fail (PM_IS_SERVICE (self), FALSE);
  g_return_val_if_fail (phone != NULL, FALSE);

  profile_id = pm_service_get_profile_id (self);
  if (profile_id == NULL)
    {
      g_set_error_literal (error, PM_ERROR, PM_ERROR_UNAUTHORIZED,
                           _("No connection is set up yet. Add one in Preferences, "
                             "or try the sandbox."));
      return FALSE;
    }
  return pm_ledger_delete_payer (pm_service_get_ledger (self), profile_id, phone, error);
}

/* ---- the shop ledger ---- */

typedef struct
{
  char *uri;
  char *password;
} ShopTest;

static void
shop_test_free (gpointer data)
{
  ShopTest *test = data;

  g_free (test->uri);
  if (test->password != NULL)
    memset (test->password, 0, strlen (test->password));
  g_free (test->password);
  g_free (test);
}

static void
shop_test_thread (GTask        *task,
                  gpointer      source_object,
                  gpointer      task_data,
                  GCancellable *cancellable)
{
  ShopTest *test = task_data;
  g_autoptr(PmLedger) ledger = NULL;
  GError *error = NULL;

  ledger = pm_ledger_new_shop (test->uri, test->password, &error);
  if (ledger == NULL || !pm_ledger_check_writable (ledger, &error))
    {
      g_task_return_error (task, error);
      return;
    }
  g_task_return_boolean (task, TRUE);
}

void
pm_service_test_shop_ledger_async (PmService           *self,
                                   PmProfile           *profile,
                                   GCancellable        *cancellable,
                                   GAsyncReadyCallback  callback,
                                   gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GError) error = NULL;
  ShopTest *test;

  g_return_if_fail (PM_IS_SERVICE (self));
  g_return_if_fail (PM_IS_PROFILE (profile));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, pm_service_test_shop_ledger_async);
  g_task_set_name (task, "[paymint] test shop ledger");
  if (!pm_profile_has_shop_ledger (profile))
    {
      g_task_return_new_error (task, PM_ERROR, PM_ERROR_INVALID, "%s",
                               _("Enter the shop ledger’s address first."));
      return;
    }
  if (!pm_profile_validate (profile, &error)
      && g_strcmp0 (pm_error_get_field (error), PM_PROFILE_FIELD_SHOP_LEDGER) == 0)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  test = g_new0 (ShopTest, 1);
  test->uri = g_strdup (pm_profile_get_shop_ledger (profile));
  test->password = g_strdup (pm_profile_get_shop_ledger_password (profile));
  g_task_set_task_data (task, test, shop_test_free);
  g_task_run_in_thread (task, shop_test_thread);
}

gboolean
pm_service_test_shop_ledger_finish (PmService     *self,
                                    GAsyncResult  *result,
                                    GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result))
                        == pm_service_test_shop_ledger_async, FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}
