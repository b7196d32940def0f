/* pm-secrets.c — connection profiles kept in the system keyring
 *
 * Copyright 2026 The Paymint Desk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "pm-secrets.h"
#include "pm-error.h"

#include <glib/gi18n-lib.h>
#include <libsecret/secret.h>
#include <string.h>

#define ATTR_PROFILE "profile"
#define ATTR_APP     "app"

/* An item's own attributes are only {profile, app}. The Secret Service adds one of its
 * own, "xdg:schema": libsecret sets it to the schema name (BASE_ID) when storing, and
 * gnome-keyring would set "org.freedesktop.Secret.Generic" without it. Searches do not
 * match on it (SECRET_SCHEMA_DONT_MATCH_NAME): "app" is what says an item is ours. */
static const SecretSchema profile_schema = {
  BASE_ID,
  SECRET_SCHEMA_DONT_MATCH_NAME,
  {
    { ATTR_PROFILE, SECRET_SCHEMA_ATTRIBUTE_STRING },
    { ATTR_APP, SECRET_SCHEMA_ATTRIBUTE_STRING },
    { NULL, 0 },
  },
};

typedef enum
{
  OP_STORE,
  OP_LOOKUP,
  OP_LIST,
  OP_DELETE,
} Op;

typedef struct
{
  Op           op;
  char        *uuid;
  char        *label;
  char        *json;       /* the secret (store only); wiped when freed */
  SecretValue *value;      /* store: the secret as handed to the keyring */
  GHashTable  *attributes;
  GList       *items;      /* delete, and store's tidying: still to delete */
} Request;

static void
wipe_free (gpointer data)
{
  char *text = data;

  if (text == NULL)
    return;
  explicit_bzero (text, strlen (text));
  g_free (text);
}

static void
request_free (gpointer data)
{
  Request *request = data;

  g_free (request->uuid);
  g_free (request->label);
  wipe_free (request->json);
  g_clear_pointer (&request->value, secret_value_unref);
  g_clear_pointer (&request->attributes, g_hash_table_unref);
  g_list_free_full (request->items, g_object_unref);
  g_free (request);
}

/* {app} or {profile, app}, checked against the schema. */
static GHashTable *
build_attributes (const char *uuid)
{
  if (uuid != NULL)
    return secret_attributes_build (&profile_schema,
                                    ATTR_PROFILE, uuid,
                                    ATTR_APP, BASE_ID,
                                    NULL);
  return secret_attributes_build (&profile_schema, ATTR_APP, BASE_ID, NULL);
}

static gboolean
is_unavailable_error (const GError *error)
{
  if (error->domain == G_IO_ERROR)
    return TRUE; /* no bus, refused or closed connection, … (cancelling is handled first) */
  if (error->domain != G_DBUS_ERROR)
    return FALSE;
  switch (error->code)
    {
    case G_DBUS_ERROR_SERVICE_UNKNOWN:
    case G_DBUS_ERROR_NAME_HAS_NO_OWNER:
    case G_DBUS_ERROR_NO_SERVER:
    case G_DBUS_ERROR_NO_REPLY:
    case G_DBUS_ERROR_DISCONNECTED:
    case G_DBUS_ERROR_TIMEOUT:
    case G_DBUS_ERROR_TIMED_OUT:
    case G_DBUS_ERROR_FILE_NOT_FOUND:
    case G_DBUS_ERROR_UNKNOWN_METHOD:
    case G_DBUS_ERROR_UNKNOWN_OBJECT:
    case G_DBUS_ERROR_UNKNOWN_INTERFACE:
    case G_DBUS_ERROR_SPAWN_EXEC_FAILED:
    case G_DBUS_ERROR_SPAWN_FORK_FAILED:
    case G_DBUS_ERROR_SPAWN_CHILD_EXITED:
    case G_DBUS_ERROR_SPAWN_CHILD_SIGNALED:
    case G_DBUS_ERROR_SPAWN_FAILED:
    case G_DBUS_ERROR_SPAWN_SETUP_FAILED:
    case G_DBUS_ERROR_SPAWN_CONFIG_INVALID:
    case G_DBUS_ERROR_SPAWN_SERVICE_INVALID:
    case G_DBUS_ERROR_SPAWN_SERVICE_NOT_FOUND:
    case G_DBUS_ERROR_SPAWN_PERMISSIONS_INVALID:
    case G_DBUS_ERROR_SPAWN_FILE_INVALID:
    case G_DBUS_ERROR_SPAWN_NO_MEMORY:
      return TRUE;
    default:
      return FALSE;
    }
}

static GError *
new_locked_error (void)
{
  return pm_error_new_full (PM_ERROR_STORAGE, NULL, NULL, FALSE,
                            _("The keyring is locked. Unlock it and try again."));
}

/* A PM_ERROR for @error (from GDBus or libsecret) that says what to do, in a plain
 * sentence: the keyring's own text is for the debug log (return_mapped_error). */
static GError *
map_error (Op            op,
           const GError *error)
{
  const char *message;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return pm_error_new_full (PM_ERROR_CANCELLED, NULL, NULL, FALSE, NULL);
  if (g_error_matches (error, SECRET_ERROR, SECRET_ERROR_IS_LOCKED))
    return new_locked_error ();
  if (is_unavailable_error (error))
    return pm_error_new_full (PM_ERROR_STORAGE, NULL, NULL, FALSE,
                              _("No keyring service is running. Start GNOME Keyring (or another "
                                "Secret Service) and try again; Paymint Desk never stores keys in "
                                "a file."));
  switch (op)
    {
    case OP_STORE:
      message = _("The keyring did not save the connection. Try again; if it keeps failing, "
                  "check the keyring in Passwords and Keys.");
      break;
    case OP_LOOKUP:
    case OP_LIST:
      message = _("The saved connections could not be read from the keyring. Try again; if it "
                  "keeps failing, check the keyring in Passwords and Keys.");
      break;
    case OP_DELETE:
    default:
      message = _("The keyring did not remove the connection. Try again; if it keeps failing, "
                  "remove it in Passwords and Keys.");
      break;
    }
  return pm_error_new_full (PM_ERROR_STORAGE, NULL, NULL, FALSE, message);
}

static void
return_mapped_error (GTask        *task,
                     const GError *error)
{
  Request *request = g_task_get_task_data (task);

  g_debug ("Keyring %s failed: %s",
           request->op == OP_STORE ? "store" :
           request->op == OP_LOOKUP ? "lookup" :
           request->op == OP_LIST ? "search" : "delete",
           error->message);
  g_task_return_error (task, map_error (request->op, error));
}

static GTask *
request_task_new (Op                   op,
                  gpointer             source_tag,
                  GCancellable        *cancellable,
                  GAsyncReadyCallback  callback,
                  gpointer             user_data)
{
  GTask *task = g_task_new (NULL, cancellable, callback, user_data);
  Request *request = g_new0 (Request, 1);

  request->op = op;
  g_task_set_source_tag (task, source_tag);
  /* Cancelling gives PM_ERROR_CANCELLED, not G_IO_ERROR_CANCELLED. */
  g_task_set_check_cancellable (task, FALSE);
  g_task_set_task_data (task, request, request_free);
  return task;
}

/* Label */

/* "host" or "host:port" of a deployment URL as entered ("shop.example.run.app",
 * "https://shop.example.run.app/api/v1"); NULL when it has none. */
static char *
dup_deployment_host (const char *base_url)
{
  g_autofree char *text = NULL;
  g_autofree char *with_scheme = NULL;
  g_autofree char *host = NULL;
  g_autoptr(GUri) uri = NULL;

  if (base_url == NULL)
    return NULL;
  text = g_strstrip (g_strdup (base_url));
  if (text[0] == '\0')
    return NULL;
  if (strstr (text, "://") != NULL)
    with_scheme = g_strdup (text);
  else
    with_scheme = g_strconcat ("https://", text, NULL);
  uri = g_uri_parse (with_scheme, G_URI_FLAGS_NONE, NULL);
  if (uri == NULL)
    return NULL;
  if (g_uri_get_host (uri) == NULL || g_uri_get_host (uri)[0] == '\0')
    return NULL;
  host = g_ascii_strdown (g_uri_get_host (uri), -1);
  if (g_uri_get_port (uri) <= 0)
    return g_steal_pointer (&host);
  if (strchr (host, ':') != NULL)
    return g_strdup_printf ("[%s]:%d", host, g_uri_get_port (uri));
  return g_strdup_printf ("%s:%d", host, g_uri_get_port (uri));
}

char *
pm_secrets_dup_label (PmProfile *profile)
{
  g_autofree char *host = NULL;
  g_autofree char *name = NULL;

  g_return_val_if_fail (PM_IS_PROFILE (profile), NULL);

  host = dup_deployment_host (pm_profile_get_base_url (profile));
  if (pm_profile_get_name (profile) != NULL)
    name = g_strstrip (g_strdup (pm_profile_get_name (profile)));

  if (name != NULL && name[0] != '\0' && host != NULL)
    /* Translators: the keyring item's label, as seen in Passwords and Keys: the
     * connection's name, then the deployment's host name. */
    return g_strdup_printf (_("Paymint Desk: %s (%s)"), name, host);
  if (name != NULL && name[0] != '\0')
    return g_strdup_printf (_("Paymint Desk: %s"), name);
  if (host != NULL)
    return g_strdup_printf (_("Paymint Desk: %s"), host);
  return g_strdup (_("Paymint Desk connection"));
}

/* Store */

static void delete_next (GTask *task);

/* Is @item the one just written: our schema, our label, our secret? */
static gboolean
is_stored_item (SecretItem *item,
                Request    *request)
{
  g_autoptr(GHashTable) attributes = secret_item_get_attributes (item);
  g_autoptr(SecretValue) value = secret_item_get_secret (item);
  g_autofree char *label = secret_item_get_label (item);
  const char *stored;
  const char *text;

  if (value == NULL || g_strcmp0 (label, request->label) != 0
      || g_strcmp0 (g_hash_table_lookup (attributes, "xdg:schema"), profile_schema.name) != 0)
    return FALSE;
  stored = secret_value_get_text (value);
  text = secret_value_get_text (request->value);
  return stored != NULL && text != NULL && strcmp (stored, text) == 0;
}

static void
store_search_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;
  Request *request = g_task_get_task_data (task);
  GList *items;
  GList *kept = NULL;

  items = secret_service_search_finish (SECRET_SERVICE (object), result, &error);
  if (error != NULL)
    {
      /* The profile is stored; only the tidying failed. */
      g_debug ("Could not look for other keyring items of profile %s: %s",
               request->uuid, error->message);
      g_task_return_boolean (task, TRUE);
      return;
    }
  for (GList *l = items; l != NULL && kept == NULL; l = l->next)
    if (is_stored_item (l->data, request))
      kept = l;
  if (kept == NULL)
    {
      g_debug ("The keyring item just stored for profile %s was not found again", request->uuid);
      g_list_free_full (items, g_object_unref);
      g_task_return_boolean (task, TRUE);
      return;
    }
  items = g_list_remove_link (items, kept);
  g_list_free_full (kept, g_object_unref);
  /* Locked ones cannot be removed without asking; leave them. */
  for (GList *l = items; l != NULL;)
    {
      GList *next = l->next;

      if (secret_item_get_locked (l->data))
        {
          g_object_unref (l->data);
          items = g_list_delete_link (items, l);
        }
      l = next;
    }
  if (items != NULL)
    g_debug ("Removing %u other keyring items of profile %s", g_list_length (items),
             request->uuid);
  request->items = items;
  delete_next (task);
}

static void
store_cb (GObject      *object,
          GAsyncResult *result,
          gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;
  Request *request = g_task_get_task_data (task);

  if (!secret_service_store_finish (SECRET_SERVICE (object), result, &error))
    {
      return_mapped_error (task, error);
      return;
    }
  g_debug ("Stored profile %s in the keyring", request->uuid);

  /* The store replaced an item with the same attributes in the default collection; an
   * item for this uuid elsewhere (another collection, written without our schema) would
   * survive it. Find them all and keep only the one just written. */
  secret_service_search (SECRET_SERVICE (object), &profile_schema, request->attributes,
                         SECRET_SEARCH_ALL | SECRET_SEARCH_LOAD_SECRETS,
                         g_task_get_cancellable (task), store_search_cb, g_object_ref (task));
}

static void
store_service_cb (GObject      *object,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(SecretService) service = NULL;
  g_autoptr(SecretValue) value = NULL;
  Request *request = g_task_get_task_data (task);

  service = secret_service_get_finish (result, &error);
  if (service == NULL)
    {
      return_mapped_error (task, error);
      return;
    }

  /* The value takes the JSON over and wipes it when it is released. */
  value = secret_value_new_full (g_steal_pointer (&request->json), -1, "text/plain", wipe_free);
  request->value = secret_value_ref (value);
  /* Replaces the secret and label of an item with the same attributes in the default
   * collection. */
  secret_service_store (service, &profile_schema, request->attributes, SECRET_COLLECTION_DEFAULT,
                        request->label, value, g_task_get_cancellable (task),
                        store_cb, g_object_ref (task));
}

void
pm_secrets_store_async (PmProfile           *profile,
                        GCancellable        *cancellable,
                        GAsyncReadyCallback  callback,
                        gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  Request *request;
  const char *uuid;

  g_return_if_fail (PM_IS_PROFILE (profile));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = request_task_new (OP_STORE, pm_secrets_store_async, cancellable, callback, user_data);
  request = g_task_get_task_data (task);

  uuid = pm_profile_get_uuid (profile);
  if (uuid == NULL || uuid[0] == '\0')
    {
      g_task_return_error (task,
                           pm_error_new_full (PM_ERROR_INVALID, NULL, NULL, FALSE,
                                              _("This connection has no identifier, so it "
                                                "cannot be saved.")));
      return;
    }
  request->uuid = g_strdup (uuid);
  request->label = pm_secrets_dup_label (profile);
  request->json = pm_profile_to_json (profile);
  request->attributes = build_attributes (uuid);

  secret_service_get (SECRET_SERVICE_OPEN_SESSION, cancellable,
                      store_service_cb, g_steal_pointer (&task));
}

gboolean
pm_secrets_store_finish (GAsyncResult  *result,
                         GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == pm_secrets_store_async, FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/* Reading items */

/* The profile in @item (unlocked, secret loaded); NULL with @error when unreadable. */
static PmProfile *
profile_from_item (SecretItem  *item,
                   GError     **error)
{
  g_autoptr(GHashTable) attributes = secret_item_get_attributes (item);
  g_autoptr(SecretValue) value = secret_item_get_secret (item);
  g_autoptr(PmProfile) profile = NULL;
  const char *uuid = g_hash_table_lookup (attributes, ATTR_PROFILE);
  const char *text;

  text = value != NULL ? secret_value_get_text (value) : NULL;
  if (text == NULL)
    {
      g_set_error_literal (error, PM_ERROR, PM_ERROR_STORAGE,
                           _("The saved connection could not be read."));
      return NULL;
    }
  profile = pm_profile_new_from_json (text, error);
  if (profile == NULL)
    return NULL;
  /* The attribute is what lookups match on: it wins over the document. */
  if (uuid != NULL && g_strcmp0 (uuid, pm_profile_get_uuid (profile)) != 0)
    {
      g_debug ("Keyring item for profile %s holds another uuid; using the item’s", uuid);
      pm_profile_set_uuid (profile, uuid);
    }
  return g_steal_pointer (&profile);
}

static gboolean
any_locked (GList *items)
{
  for (GList *l = items; l != NULL; l = l->next)
    if (secret_item_get_locked (l->data))
      return TRUE;
  return FALSE;
}

static void
search_cb (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data);

static void
search_service_cb (GObject      *object,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(SecretService) service = NULL;
  Request *request = g_task_get_task_data (task);
  SecretSearchFlags flags = SECRET_SEARCH_ALL | SECRET_SEARCH_UNLOCK;

  service = secret_service_get_finish (result, &error);
  if (service == NULL)
    {
      return_mapped_error (task, error);
      return;
    }
  if (request->op != OP_DELETE)
    flags |= SECRET_SEARCH_LOAD_SECRETS;
  secret_service_search (service, &profile_schema, request->attributes, flags,
                         g_task_get_cancellable (task), search_cb, g_object_ref (task));
}

static int
compare_profiles (gconstpointer a,
                  gconstpointer b)
{
  PmProfile *pa = *(PmProfile * const *) a;
  PmProfile *pb = *(PmProfile * const *) b;
  int order;

  order = g_utf8_collate (pm_profile_get_name (pa) != NULL ? pm_profile_get_name (pa) : "",
                          pm_profile_get_name (pb) != NULL ? pm_profile_get_name (pb) : "");
  if (order != 0)
    return order;
  return g_strcmp0 (pm_profile_get_uuid (pa), pm_profile_get_uuid (pb));
}

static void
return_lookup (GTask *task,
               GList *items)
{
  g_autoptr(GError) error = NULL;
  Request *request = g_task_get_task_data (task);
  PmProfile *profile;

  if (items == NULL)
    {
      g_debug ("No keyring item for profile %s", request->uuid);
      g_task_return_pointer (task, NULL, NULL);
      return;
    }
  if (items->next != NULL)
    g_debug ("%u keyring items for profile %s; using the first", g_list_length (items),
             request->uuid);
  profile = profile_from_item (items->data, &error);
  if (profile == NULL)
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_pointer (task, profile, g_object_unref);
}

static void
return_list (GTask *task,
             GList *items)
{
  g_autoptr(GPtrArray) profiles = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  for (GList *l = items; l != NULL; l = l->next)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(PmProfile) profile = profile_from_item (l->data, &error);
      const char *uuid;

      if (profile == NULL)
        {
          g_autoptr(GHashTable) attributes = secret_item_get_attributes (l->data);

          /* Not fatal for the list: the other profiles stay usable. */
          g_debug ("Skipping unreadable keyring item for profile %s: %s",
                   (const char *) g_hash_table_lookup (attributes, ATTR_PROFILE), error->message);
          continue;
        }
      uuid = pm_profile_get_uuid (profile);
      if (g_hash_table_contains (seen, uuid))
        {
          g_debug ("Another keyring item for profile %s; keeping the first", uuid);
          continue;
        }
      g_hash_table_add (seen, g_strdup (uuid));
      g_ptr_array_add (profiles, g_steal_pointer (&profile));
    }
  g_ptr_array_sort (profiles, compare_profiles);
  g_debug ("%u profiles in the keyring", profiles->len);
  g_task_return_pointer (task, g_steal_pointer (&profiles), (GDestroyNotify) g_ptr_array_unref);
}

static void
search_cb (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;
  Request *request = g_task_get_task_data (task);
  GList *items;

  items = secret_service_search_finish (SECRET_SERVICE (object), result, &error);
  if (error != NULL)
    {
      return_mapped_error (task, error);
      return;
    }
  /* SECRET_SEARCH_UNLOCK asked; an item still locked means the person dismissed the
   * unlock prompt (or there is no one to ask). */
  if (any_locked (items))
    {
      g_debug ("Keyring still locked after the unlock request");
      g_list_free_full (items, g_object_unref);
      g_task_return_error (task, new_locked_error ());
      return;
    }

  switch (request->op)
    {
    case OP_LOOKUP:
      return_lookup (task, items);
      g_list_free_full (items, g_object_unref);
      break;
    case OP_LIST:
      return_list (task, items);
      g_list_free_full (items, g_object_unref);
      break;
    case OP_DELETE:
      request->items = items;
      delete_next (task);
      break;
    case OP_STORE:
    default:
      g_assert_not_reached ();
    }
}

static GTask *
search_task_new (Op                   op,
                 gpointer             source_tag,
                 const char          *uuid,
                 GCancellable        *cancellable,
                 GAsyncReadyCallback  callback,
                 gpointer             user_data)
{
  GTask *task = request_task_new (op, source_tag, cancellable, callback, user_data);
  Request *request = g_task_get_task_data (task);

  request->uuid = g_strdup (uuid);
  request->attributes = build_attributes (uuid);
  return task;
}

/* Lookup */

void
pm_secrets_lookup_async (const char          *uuid,
                         GCancellable        *cancellable,
                         GAsyncReadyCallback  callback,
                         gpointer             user_data)
{
  GTask *task;

  g_return_if_fail (uuid != NULL && uuid[0] != '\0');
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = search_task_new (OP_LOOKUP, pm_secrets_lookup_async, uuid,
                          cancellable, callback, user_data);
  secret_service_get (SECRET_SERVICE_OPEN_SESSION, cancellable, search_service_cb, task);
}

PmProfile *
pm_secrets_lookup_finish (GAsyncResult  *result,
                          GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == pm_secrets_lookup_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/* List */

void
pm_secrets_list_async (GCancellable        *cancellable,
                       GAsyncReadyCallback  callback,
                       gpointer             user_data)
{
  GTask *task;

  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = search_task_new (OP_LIST, pm_secrets_list_async, NULL, cancellable, callback, user_data);
  secret_service_get (SECRET_SERVICE_OPEN_SESSION, cancellable, search_service_cb, task);
}

GPtrArray *
pm_secrets_list_finish (GAsyncResult  *result,
                        GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == pm_secrets_list_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/* Delete */

static void
delete_cb (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;

  if (!secret_item_delete_finish (SECRET_ITEM (object), result, &error))
    {
      Request *request = g_task_get_task_data (task);

      if (request->op != OP_STORE)
        {
          return_mapped_error (task, error);
          return;
        }
      /* Store's tidying: the profile itself is stored. */
      g_debug ("Could not remove another keyring item of profile %s: %s",
               request->uuid, error->message);
    }
  delete_next (task);
}

static void
delete_next (GTask *task)
{
  Request *request = g_task_get_task_data (task);
  SecretItem *item;

  if (request->items == NULL)
    {
      if (request->op == OP_DELETE)
        g_debug ("Removed profile %s from the keyring", request->uuid);
      g_task_return_boolean (task, TRUE);
      return;
    }
  item = request->items->data;
  request->items = g_list_delete_link (request->items, request->items);
  secret_item_delete (item, g_task_get_cancellable (task), delete_cb, g_object_ref (task));
  g_object_unref (item);
}

void
pm_secrets_delete_async (const char          *uuid,
                         GCancellable        *cancellable,
                         GAsyncReadyCallback  callback,
                         gpointer             user_data)
{
  GTask *task;

  g_return_if_fail (uuid != NULL && uuid[0] != '\0');
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = search_task_new (OP_DELETE, pm_secrets_delete_async, uuid,
                          cancellable, callback, user_data);
  secret_service_get (SECRET_SERVICE_OPEN_SESSION, cancellable, search_service_cb, task);
}

gboolean
pm_secrets_delete_finish (GAsyncResult  *result,
                          GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == pm_secrets_delete_async, FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}
