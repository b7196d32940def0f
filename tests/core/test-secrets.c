/* test-secrets.c — profiles in the keyring (run through tests/keyring-session.sh)
 *
 * Copyright 2026 The Paymint Desk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <gio/gio.h>
#include <libsecret/secret.h>
#include <string.h>

#include "pm-error.h"
#include "pm-profile.h"
#include "pm-secrets.h"
#include "pm-test-util.h"

#define NO_SERVICE_MESSAGE \
  "No keyring service is running. Start GNOME Keyring (or another Secret Service) and try " \
  "again; Paymint Desk never stores keys in a file."
#define LOCKED_MESSAGE "The keyring is locked. Unlock it and try again."
#define WAIT_MS 20000
#define KEYRING_INTERNAL_INTERFACE "org.gnome.keyring.InternalUnsupportedGuiltRiddenInterface"

static const char *test_root;
/* Every connection-field value the tests made up: none may reach a log line or a file. */
static GPtrArray *secret_values;
static guint log_leaks;
static guint debug_lines;

/* Logging: every message, debug included, is checked for secret values. */

static GLogWriterOutput
log_writer_cb (GLogLevelFlags   log_level,
               const GLogField *fields,
               gsize            n_fields,
               gpointer         user_data)
{
  for (gsize i = 0; i < n_fields; i++)
    {
      g_autofree char *text = NULL;

      if (g_strcmp0 (fields[i].key, "MESSAGE") != 0)
        continue;
      text = fields[i].length < 0 ? g_strdup (fields[i].value)
                                  : g_strndup (fields[i].value, fields[i].length);
      for (guint j = 0; secret_values != NULL && j < secret_values->len; j++)
        if (strstr (text, secret_values->pdata[j]) != NULL)
          log_leaks++;
    }
  if (log_level & (G_LOG_LEVEL_DEBUG | G_LOG_LEVEL_INFO))
    {
      debug_lines++;
      return G_LOG_WRITER_HANDLED;
    }
  return g_log_writer_default (log_level, fields, n_fields, user_data);
}

/* Async → sync */

typedef struct
{
  gboolean      done;
  GAsyncResult *result;
} Wait;

static void
wait_cb (GObject      *object,
         GAsyncResult *result,
         gpointer      user_data)
{
  Wait *wait = user_data;

  g_assert_null (object);
  wait->result = g_object_ref (result);
  wait->done = TRUE;
}

static gboolean
store (PmProfile  *profile,
       GError    **error)
{
  Wait wait = { 0 };
  gboolean ok;

  pm_secrets_store_async (profile, NULL, wait_cb, &wait);
  g_assert_true (pm_test_wait_flag (&wait.done, WAIT_MS));
  ok = pm_secrets_store_finish (wait.result, error);
  g_object_unref (wait.result);
  if (!ok && error != NULL && *error != NULL)
    g_test_message ("store failed: %s", (*error)->message);
  return ok;
}

static PmProfile *
lookup (const char  *uuid,
        GError     **error)
{
  Wait wait = { 0 };
  PmProfile *profile;

  pm_secrets_lookup_async (uuid, NULL, wait_cb, &wait);
  g_assert_true (pm_test_wait_flag (&wait.done, WAIT_MS));
  profile = pm_secrets_lookup_finish (wait.result, error);
  g_object_unref (wait.result);
  return profile;
}

static GPtrArray *
list (GError **error)
{
  Wait wait = { 0 };
  GPtrArray *profiles;

  pm_secrets_list_async (NULL, wait_cb, &wait);
  g_assert_true (pm_test_wait_flag (&wait.done, WAIT_MS));
  profiles = pm_secrets_list_finish (wait.result, error);
  g_object_unref (wait.result);
  return profiles;
}

static gboolean
delete (const char  *uuid,
        GError     **error)
{
  Wait wait = { 0 };
  gboolean ok;

  pm_secrets_delete_async (uuid, NULL, wait_cb, &wait);
  g_assert_true (pm_test_wait_flag (&wait.done, WAIT_MS));
  ok = pm_secrets_delete_finish (wait.result, error);
  g_object_unref (wait.result);
  return ok;
}

/* Test data */

static const char *
remember (char *value)
{
  g_ptr_array_add (secret_values, value);
  return value;
}

static char *
random_digits (guint n)
{
  GString *s = g_string_new (NULL);

  for (guint i = 0; i < n; i++)
    g_string_append_c (s, '0' + g_random_int_range (0, 10));
  return g_string_free (s, FALSE);
}

/* A traditional-mode profile with every field set to a fresh, recognisable value. */
static PmProfile *
make_profile (const char *name,
              const char *host)
{
  PmProfile *profile = pm_profile_new ();
  g_autofree char *url = g_strdup_printf ("https://%s/api/v1", host);
  g_autofree char *digits = random_digits (10);
  g_autofree char *member = random_digits (9);
  g_autofree char *merchant = random_digits (9);
  g_autofree char *token = g_uuid_string_random ();
  g_autofree char *token2 = g_uuid_string_random ();

  pm_profile_set_name (profile, name);
  pm_profile_set_base_url (profile, url);
  pm_profile_set_mode (profile, PM_PROFILE_MODE_TRADITIONAL);
  pm_profile_set_api_key (profile, remember (g_strconcat ("dk_", token, NULL)));
  pm_profile_set_paymint_api_key (profile, remember (g_strconcat ("pk_", token2, NULL)));
  pm_profile_set_member_id (profile, remember (g_strconcat ("MEM", member, NULL)));
  pm_profile_set_merchant_id (profile, remember (g_strconcat ("MER", merchant, NULL)));
  pm_profile_set_business_number (profile, remember (g_strdup_printf ("%.3s-%.2s-%.5s", digits,
                                                                      digits + 3, digits + 5)));
  pm_profile_set_paymint_host (profile, remember (g_strdup_printf ("pay-%s.example.kr", member)));
  return profile;
}

static void
assert_same_profile (PmProfile *expected,
                     PmProfile *actual)
{
  g_autofree char *a = NULL;
  g_autofree char *b = NULL;

  g_assert_nonnull (actual);
  g_assert_cmpstr (pm_profile_get_uuid (actual), ==, pm_profile_get_uuid (expected));
  g_assert_cmpstr (pm_profile_get_name (actual), ==, pm_profile_get_name (expected));
  g_assert_cmpstr (pm_profile_get_base_url (actual), ==, pm_profile_get_base_url (expected));
  g_assert_cmpstr (pm_profile_get_api_key (actual), ==, pm_profile_get_api_key (expected));
  g_assert_cmpint (pm_profile_get_mode (actual), ==, pm_profile_get_mode (expected));
  g_assert_cmpstr (pm_profile_get_member_id (actual), ==, pm_profile_get_member_id (expected));
  g_assert_cmpstr (pm_profile_get_merchant_id (actual), ==, pm_profile_get_merchant_id (expected));
  g_assert_cmpstr (pm_profile_get_business_number (actual), ==,
                   pm_profile_get_business_number (expected));
  g_assert_cmpstr (pm_profile_get_paymint_host (actual), ==,
                   pm_profile_get_paymint_host (expected));
  g_assert_cmpstr (pm_profile_get_paymint_api_key (actual), ==,
                   pm_profile_get_paymint_api_key (expected));
  a = pm_profile_to_json (expected);
  b = pm_profile_to_json (actual);
  g_assert_cmpstr (a, ==, b);
}

/* The raw keyring items of this app, straight from libsecret (unlocked, secrets loaded). */
static GList *
raw_items (const char *uuid)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SecretService) service = NULL;
  g_autoptr(GHashTable) attributes = g_hash_table_new (g_str_hash, g_str_equal);
  GList *items;

  service = secret_service_get_sync (SECRET_SERVICE_OPEN_SESSION, NULL, &error);
  g_assert_no_error (error);
  g_hash_table_insert (attributes, (char *) "app", (char *) BASE_ID);
  if (uuid != NULL)
    g_hash_table_insert (attributes, (char *) "profile", (char *) uuid);
  items = secret_service_search_sync (service, NULL, attributes,
                                      SECRET_SEARCH_ALL | SECRET_SEARCH_UNLOCK
                                      | SECRET_SEARCH_LOAD_SECRETS,
                                      NULL, &error);
  g_assert_no_error (error);
  return items;
}

/* Attributes {profile: uuid, app: BASE_ID} and nothing else; the label names the deployment and
 * holds no key; the secret is the profile's JSON. */
static void
assert_item_matches (SecretItem *item,
                     PmProfile  *profile,
                     const char *host)
{
  g_autoptr(GHashTable) attributes = secret_item_get_attributes (item);
  g_autoptr(SecretValue) value = secret_item_get_secret (item);
  g_autofree char *label = secret_item_get_label (item);
  g_autofree char *expected_label = NULL;
  g_autofree char *json = pm_profile_to_json (profile);

  /* The Secret Service's own "xdg:schema" (the schema name) aside, exactly {profile, app}. */
  g_assert_cmpstr (g_hash_table_lookup (attributes, "xdg:schema"), ==, BASE_ID);
  g_hash_table_remove (attributes, "xdg:schema");
  g_assert_cmpuint (g_hash_table_size (attributes), ==, 2);
  g_assert_cmpstr (g_hash_table_lookup (attributes, "profile"), ==, pm_profile_get_uuid (profile));
  g_assert_cmpstr (g_hash_table_lookup (attributes, "app"), ==, BASE_ID);

  expected_label = g_strdup_printf ("Paymint Desk: %s (%s)", pm_profile_get_name (profile), host);
  g_assert_cmpstr (label, ==, expected_label);
  g_assert_null (strstr (label, pm_profile_get_api_key (profile)));
  g_assert_null (strstr (label, pm_profile_get_paymint_api_key (profile)));

  g_assert_nonnull (value);
  g_assert_cmpstr (secret_value_get_text (value), ==, json);
}

/* Each test starts with no profile of this app in the keyring. */
static void
clear_all (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) profiles = list (&error);

  g_assert_no_error (error);
  for (guint i = 0; i < profiles->len; i++)
    {
      g_assert_true (delete (pm_profile_get_uuid (profiles->pdata[i]), &error));
      g_assert_no_error (error);
    }
}

static void
assert_no_log_leak (void)
{
  g_assert_cmpuint (log_leaks, ==, 0);
}

/* Tests */

static void
test_store_lookup_list (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PmProfile) profile = make_profile ("김밥천국 Main St", "shop-one.example.run.app");
  g_autoptr(PmProfile) found = NULL;
  g_autoptr(GPtrArray) profiles = NULL;
  GList *items;
  guint debug_before;

  clear_all ();
  debug_before = debug_lines;

  g_assert_true (store (profile, &error));
  g_assert_no_error (error);
  /* The debug log ran (and was checked) during the store. */
  g_assert_cmpuint (debug_lines, >, debug_before);

  found = lookup (pm_profile_get_uuid (profile), &error);
  g_assert_no_error (error);
  assert_same_profile (profile, found);

  profiles = list (&error);
  g_assert_no_error (error);
  g_assert_cmpuint (profiles->len, ==, 1);
  assert_same_profile (profile, profiles->pdata[0]);

  items = raw_items (NULL);
  g_assert_cmpuint (g_list_length (items), ==, 1);
  assert_item_matches (items->data, profile, "shop-one.example.run.app");
  g_list_free_full (items, g_object_unref);

  assert_no_log_leak ();
  g_assert_finalize_object (g_steal_pointer (&found));
  g_ptr_array_set_free_func (profiles, NULL);
  g_assert_finalize_object (profiles->pdata[0]);
}

static void
test_replace (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PmProfile) profile = make_profile ("Before", "old.example.run.app");
  g_autoptr(PmProfile) changed = NULL;
  g_autoptr(PmProfile) found = NULL;
  g_autoptr(GPtrArray) profiles = NULL;
  g_autofree char *old_key = NULL;
  GList *items;

  clear_all ();
  g_assert_true (store (profile, &error));
  g_assert_no_error (error);
  old_key = g_strdup (pm_profile_get_api_key (profile));

  /* Same uuid, every field new, other mode. */
  changed = make_profile ("After", "new.example.run.app:8443");
  pm_profile_set_uuid (changed, pm_profile_get_uuid (profile));
  pm_profile_set_mode (changed, PM_PROFILE_MODE_MMK);
  g_assert_true (store (changed, &error));
  g_assert_no_error (error);

  items = raw_items (NULL);
  g_assert_cmpuint (g_list_length (items), ==, 1);
  assert_item_matches (items->data, changed, "new.example.run.app:8443");
  g_list_free_full (items, g_object_unref);

  found = lookup (pm_profile_get_uuid (profile), &error);
  g_assert_no_error (error);
  assert_same_profile (changed, found);
  g_assert_cmpstr (pm_profile_get_api_key (found), !=, old_key);
  g_assert_cmpint (pm_profile_get_mode (found), ==, PM_PROFILE_MODE_MMK);

  profiles = list (&error);
  g_assert_no_error (error);
  g_assert_cmpuint (profiles->len, ==, 1);
  assert_same_profile (changed, profiles->pdata[0]);
  assert_no_log_leak ();
}

static void
test_two_profiles (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PmProfile) a = make_profile ("Bakery", "bakery.example.run.app");
  g_autoptr(PmProfile) b = make_profile ("Academy", "academy.example.run.app");
  g_autoptr(PmProfile) found_a = NULL;
  g_autoptr(PmProfile) found_b = NULL;
  g_autoptr(PmProfile) gone = NULL;
  g_autoptr(PmProfile) kept = NULL;
  g_autoptr(GPtrArray) profiles = NULL;
  g_autoptr(GPtrArray) after = NULL;
  GList *items;

  clear_all ();
  g_assert_true (store (a, &error));
  g_assert_no_error (error);
  g_assert_true (store (b, &error));
  g_assert_no_error (error);

  found_a = lookup (pm_profile_get_uuid (a), &error);
  g_assert_no_error (error);
  assert_same_profile (a, found_a);
  found_b = lookup (pm_profile_get_uuid (b), &error);
  g_assert_no_error (error);
  assert_same_profile (b, found_b);

  /* Sorted by display name. */
  profiles = list (&error);
  g_assert_no_error (error);
  g_assert_cmpuint (profiles->len, ==, 2);
  assert_same_profile (b, profiles->pdata[0]);
  assert_same_profile (a, profiles->pdata[1]);

  items = raw_items (pm_profile_get_uuid (a));
  g_assert_cmpuint (g_list_length (items), ==, 1);
  assert_item_matches (items->data, a, "bakery.example.run.app");
  g_list_free_full (items, g_object_unref);
  items = raw_items (pm_profile_get_uuid (b));
  g_assert_cmpuint (g_list_length (items), ==, 1);
  assert_item_matches (items->data, b, "academy.example.run.app");
  g_list_free_full (items, g_object_unref);

  /* Deleting one keeps the other. */
  g_assert_true (delete (pm_profile_get_uuid (a), &error));
  g_assert_no_error (error);
  gone = lookup (pm_profile_get_uuid (a), &error);
  g_assert_no_error (error);
  g_assert_null (gone);
  kept = lookup (pm_profile_get_uuid (b), &error);
  g_assert_no_error (error);
  assert_same_profile (b, kept);
  after = list (&error);
  g_assert_no_error (error);
  g_assert_cmpuint (after->len, ==, 1);
  assert_same_profile (b, after->pdata[0]);
  assert_no_log_leak ();
}

static void
test_delete (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PmProfile) profile = make_profile ("Florist", "florist.example.run.app");
  g_autoptr(PmProfile) found = NULL;
  g_autoptr(PmProfile) gone = NULL;
  g_autoptr(GPtrArray) profiles = NULL;
  GList *items;

  clear_all ();
  g_assert_true (store (profile, &error));
  g_assert_no_error (error);
  found = lookup (pm_profile_get_uuid (profile), &error);
  g_assert_no_error (error);
  g_assert_nonnull (found);

  g_assert_true (delete (pm_profile_get_uuid (profile), &error));
  g_assert_no_error (error);

  gone = lookup (pm_profile_get_uuid (profile), &error);
  g_assert_no_error (error);
  g_assert_null (gone);
  profiles = list (&error);
  g_assert_no_error (error);
  g_assert_cmpuint (profiles->len, ==, 0);
  items = raw_items (NULL);
  g_assert_null (items);

  /* Deleting what is not there is not an error. */
  g_assert_true (delete (pm_profile_get_uuid (profile), &error));
  g_assert_no_error (error);
  assert_no_log_leak ();
}

static void
test_lookup_missing (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PmProfile) other = make_profile ("Other", "other.example.run.app");
  g_autoptr(PmProfile) found = NULL;
  g_autofree char *uuid = g_uuid_string_random ();

  clear_all ();
  g_assert_true (store (other, &error));
  g_assert_no_error (error);

  found = lookup (uuid, &error);
  g_assert_no_error (error);
  g_assert_null (found);
}

static void
test_cancelled (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(PmProfile) profile = make_profile ("Cancelled", "cancelled.example.run.app");
  g_autoptr(PmProfile) found = NULL;
  Wait wait = { 0 };
  GList *items;

  clear_all ();
  g_cancellable_cancel (cancellable);
  pm_secrets_store_async (profile, cancellable, wait_cb, &wait);
  g_assert_true (pm_test_wait_flag (&wait.done, WAIT_MS));
  g_assert_false (pm_secrets_store_finish (wait.result, &error));
  g_assert_error (error, PM_ERROR, PM_ERROR_CANCELLED);
  g_clear_object (&wait.result);
  g_clear_error (&error);

  wait.done = FALSE;
  pm_secrets_lookup_async (pm_profile_get_uuid (profile), cancellable, wait_cb, &wait);
  g_assert_true (pm_test_wait_flag (&wait.done, WAIT_MS));
  g_assert_null (pm_secrets_lookup_finish (wait.result, &error));
  g_assert_error (error, PM_ERROR, PM_ERROR_CANCELLED);
  g_clear_object (&wait.result);
  g_clear_error (&error);

  /* Nothing was stored. */
  found = lookup (pm_profile_get_uuid (profile), &error);
  g_assert_no_error (error);
  g_assert_null (found);
  items = raw_items (NULL);
  g_assert_null (items);
}

/* Items that were not written by pm_secrets_store_async(): a damaged one is reported by
 * lookup and skipped by list; one whose document names another uuid is found under the
 * uuid of its attribute. */
static void
test_foreign_items (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SecretService) service = NULL;
  g_autoptr(GHashTable) damaged = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GHashTable) moved = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(SecretValue) garbage = secret_value_new ("{not json", -1, "text/plain");
  g_autoptr(SecretValue) document = NULL;
  g_autoptr(PmProfile) good = make_profile ("Good", "good.example.run.app");
  g_autoptr(PmProfile) copied = make_profile ("Copied", "copied.example.run.app");
  g_autoptr(PmProfile) found = NULL;
  g_autoptr(GPtrArray) profiles = NULL;
  g_autofree char *damaged_uuid = g_uuid_string_random ();
  g_autofree char *moved_uuid = g_uuid_string_random ();
  g_autofree char *json = pm_profile_to_json (copied);
  GList *items;

  clear_all ();
  g_assert_true (store (good, &error));
  g_assert_no_error (error);

  service = secret_service_get_sync (SECRET_SERVICE_OPEN_SESSION, NULL, &error);
  g_assert_no_error (error);
  g_hash_table_insert (damaged, (char *) "profile", damaged_uuid);
  g_hash_table_insert (damaged, (char *) "app", (char *) BASE_ID);
  g_assert_true (secret_service_store_sync (service, NULL, damaged, NULL, "Damaged", garbage,
                                            NULL, &error));
  g_assert_no_error (error);
  document = secret_value_new (json, -1, "text/plain");
  g_hash_table_insert (moved, (char *) "profile", moved_uuid);
  g_hash_table_insert (moved, (char *) "app", (char *) BASE_ID);
  g_assert_true (secret_service_store_sync (service, NULL, moved, NULL, "Moved", document,
                                            NULL, &error));
  g_assert_no_error (error);

  g_assert_null (lookup (damaged_uuid, &error));
  g_assert_error (error, PM_ERROR, PM_ERROR_STORAGE);
  g_clear_error (&error);

  found = lookup (moved_uuid, &error);
  g_assert_no_error (error);
  g_assert_nonnull (found);
  g_assert_cmpstr (pm_profile_get_uuid (found), ==, moved_uuid);
  g_assert_cmpstr (pm_profile_get_api_key (found), ==, pm_profile_get_api_key (copied));

  /* "Copied", "Good"; the damaged item is left out, not fatal. */
  profiles = list (&error);
  g_assert_no_error (error);
  g_assert_cmpuint (profiles->len, ==, 2);
  g_assert_cmpstr (pm_profile_get_uuid (profiles->pdata[0]), ==, moved_uuid);
  assert_same_profile (good, profiles->pdata[1]);

  /* Storing a profile under the uuid of the foreign item leaves one item: ours. */
  pm_profile_set_uuid (copied, moved_uuid);
  pm_profile_set_name (copied, "Copied again");
  g_assert_true (store (copied, &error));
  g_assert_no_error (error);
  items = raw_items (moved_uuid);
  g_assert_cmpuint (g_list_length (items), ==, 1);
  assert_item_matches (items->data, copied, "copied.example.run.app");
  g_list_free_full (items, g_object_unref);

  /* …and the damaged one can still be removed. */
  g_assert_true (delete (damaged_uuid, &error));
  g_assert_no_error (error);
  g_assert_null (lookup (damaged_uuid, &error));
  g_assert_no_error (error);
  assert_no_log_leak ();
}

/* gnome-keyring's own way to unlock a collection with its password, without a prompt. */
static void
unlock_with_password (const char *collection_path)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GDBusConnection) bus = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, &error);
  g_autoptr(GVariant) opened = NULL;
  g_autoptr(GVariant) unlocked = NULL;
  const char *password = g_getenv ("PM_KEYRING_PASSWORD");
  const char *session;
  GVariant *no_params;
  GVariant *secret;

  g_assert_no_error (error);
  g_assert_nonnull (password);
  opened = g_dbus_connection_call_sync (bus, "org.freedesktop.secrets",
                                        "/org/freedesktop/secrets",
                                        "org.freedesktop.Secret.Service", "OpenSession",
                                        g_variant_new ("(sv)", "plain", g_variant_new_string ("")),
                                        G_VARIANT_TYPE ("(vo)"), G_DBUS_CALL_FLAGS_NONE, -1, NULL,
                                        &error);
  g_assert_no_error (error);
  g_variant_get (opened, "(v&o)", NULL, &session);
  no_params = g_variant_new_fixed_array (G_VARIANT_TYPE_BYTE, "", 0, 1);
  secret = g_variant_new_fixed_array (G_VARIANT_TYPE_BYTE, password, strlen (password), 1);
  unlocked = g_dbus_connection_call_sync (bus, "org.freedesktop.secrets",
                                          "/org/freedesktop/secrets",
                                          KEYRING_INTERNAL_INTERFACE,
                                          "UnlockWithMasterPassword",
                                          g_variant_new ("(o(o@ay@ays))", collection_path, session,
                                                         no_params, secret, "text/plain"),
                                          NULL, G_DBUS_CALL_FLAGS_NONE, -1, NULL, &error);
  g_assert_no_error (error);
}

static void
assert_storage_error (const GError *error,
                      const char   *message)
{
  g_assert_error (error, PM_ERROR, PM_ERROR_STORAGE);
  g_assert_cmpstr (error->message, ==, message);
}

static void
test_locked (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SecretService) service = NULL;
  g_autoptr(SecretCollection) collection = NULL;
  g_autoptr(PmProfile) kept = make_profile ("Locked shop", "locked.example.run.app");
  g_autoptr(PmProfile) refused = make_profile ("Refused shop", "refused.example.run.app");
  g_autoptr(PmProfile) found = NULL;
  g_autoptr(PmProfile) found_again = NULL;
  g_autoptr(PmProfile) found_refused = NULL;
  g_autoptr(GPtrArray) profiles = NULL;
  GList *to_lock;
  GList *items;
  int n;

  clear_all ();
  g_assert_true (store (kept, &error));
  g_assert_no_error (error);

  service = secret_service_get_sync (SECRET_SERVICE_OPEN_SESSION, NULL, &error);
  g_assert_no_error (error);
  collection = secret_collection_for_alias_sync (service, SECRET_COLLECTION_DEFAULT,
                                                 SECRET_COLLECTION_NONE, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (collection);
  to_lock = g_list_append (NULL, collection);
  n = secret_service_lock_sync (service, to_lock, NULL, NULL, &error);
  g_list_free (to_lock);
  g_assert_no_error (error);
  g_assert_cmpint (n, ==, 1);

  /* Nobody answers the unlock prompt here, as when the person dismisses it. */
  g_assert_false (store (refused, &error));
  assert_storage_error (error, LOCKED_MESSAGE);
  g_clear_error (&error);
  g_assert_null (lookup (pm_profile_get_uuid (kept), &error));
  assert_storage_error (error, LOCKED_MESSAGE);
  g_clear_error (&error);
  g_assert_null (list (&error));
  assert_storage_error (error, LOCKED_MESSAGE);
  g_clear_error (&error);
  g_assert_false (delete (pm_profile_get_uuid (kept), &error));
  assert_storage_error (error, LOCKED_MESSAGE);
  g_clear_error (&error);

  /* Unlocked again, everything is as it was: nothing deleted, nothing stored. */
  unlock_with_password (g_dbus_proxy_get_object_path (G_DBUS_PROXY (collection)));
  found = lookup (pm_profile_get_uuid (kept), &error);
  g_assert_no_error (error);
  assert_same_profile (kept, found);
  found_refused = lookup (pm_profile_get_uuid (refused), &error);
  g_assert_no_error (error);
  g_assert_null (found_refused);
  profiles = list (&error);
  g_assert_no_error (error);
  g_assert_cmpuint (profiles->len, ==, 1);
  items = raw_items (NULL);
  g_assert_cmpuint (g_list_length (items), ==, 1);
  g_list_free_full (items, g_object_unref);

  g_assert_true (store (refused, &error));
  g_assert_no_error (error);
  found_again = lookup (pm_profile_get_uuid (refused), &error);
  g_assert_no_error (error);
  assert_same_profile (refused, found_again);
  assert_no_log_leak ();
}

/* In a subprocess: every call fails with the plain "no keyring" error and stores nothing. */
static void
assert_every_call_unavailable (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PmProfile) profile = make_profile ("Nowhere", "nowhere.example.run.app");

  g_assert_false (store (profile, &error));
  assert_storage_error (error, NO_SERVICE_MESSAGE);
  g_clear_error (&error);
  g_assert_null (lookup (pm_profile_get_uuid (profile), &error));
  assert_storage_error (error, NO_SERVICE_MESSAGE);
  g_clear_error (&error);
  g_assert_null (list (&error));
  assert_storage_error (error, NO_SERVICE_MESSAGE);
  g_clear_error (&error);
  g_assert_false (delete (pm_profile_get_uuid (profile), &error));
  assert_storage_error (error, NO_SERVICE_MESSAGE);
  assert_no_log_leak ();
}

static void
test_no_bus (void)
{
  if (g_test_subprocess ())
    {
      g_autofree char *address = g_strdup_printf ("unix:path=%s/no-such-bus", test_root);

      g_setenv ("DBUS_SESSION_BUS_ADDRESS", address, TRUE);
      assert_every_call_unavailable ();
      return;
    }
  g_test_trap_subprocess (NULL, 30 * G_USEC_PER_SEC, G_TEST_SUBPROCESS_INHERIT_STDERR);
  g_test_trap_assert_passed ();
}

static void
test_no_secret_service (void)
{
  if (g_test_subprocess ())
    {
      /* A bus with nothing on it and nothing to activate. */
      GTestDBus *bus = g_test_dbus_new (G_TEST_DBUS_NONE);

      g_test_dbus_up (bus);
      assert_every_call_unavailable ();
      /* The daemon goes; the connection singleton may outlive it in this process. */
      g_test_dbus_stop (bus);
      return;
    }
  g_test_trap_subprocess (NULL, 30 * G_USEC_PER_SEC, G_TEST_SUBPROCESS_INHERIT_STDERR);
  g_test_trap_assert_passed ();
}

static gboolean
contains_bytes (const char *haystack,
                gsize       length,
                const char *needle)
{
  gsize n = strlen (needle);

  for (gsize i = 0; n > 0 && i + n <= length; i++)
    if (haystack[i] == needle[0] && memcmp (haystack + i, needle, n) == 0)
      return TRUE;
  return FALSE;
}

static void
assert_no_value_in (const char *dir,
                    guint      *n_files)
{
  g_autoptr(GPtrArray) files = pm_test_list_files (dir);

  for (guint i = 0; i < files->len; i++)
    {
      const char *path = files->pdata[i];
      g_autofree char *contents = NULL;
      gsize length;

      if (!g_file_test (path, G_FILE_TEST_IS_REGULAR))
        continue; /* sockets of the bus and the keyring daemon */
      g_assert_true (g_file_get_contents (path, &contents, &length, NULL));
      (*n_files)++;
      for (guint j = 0; j < secret_values->len; j++)
        if (contains_bytes (contents, length, secret_values->pdata[j]))
          g_error ("A connection field is in %s in plain text", path);
    }
}

static void
test_nothing_in_files (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PmProfile) profile = make_profile ("Plain text check", "plain.example.run.app");
  g_autoptr(PmProfile) found = NULL;
  g_autoptr(GPtrArray) profiles = NULL;
  g_autofree char *keyring_file = NULL;
  const char *keyring_dir = g_getenv ("PM_KEYRING_SESSION_DIR");
  guint n_files = 0;

  g_assert_true (store (profile, &error));
  g_assert_no_error (error);
  found = lookup (pm_profile_get_uuid (profile), &error);
  g_assert_no_error (error);
  g_assert_nonnull (found);
  profiles = list (&error);
  g_assert_no_error (error);
  g_assert_cmpuint (profiles->len, >=, 1);

  /* The keyring daemon did write its (encrypted) file… */
  keyring_file = g_build_filename (keyring_dir, "data", "keyrings", "login.keyring", NULL);
  g_assert_true (g_file_test (keyring_file, G_FILE_TEST_IS_REGULAR));

  /* …and no file anywhere, the keyring's included, holds a field in plain text: not
   * under this test's HOME/XDG tree, not under the keyring session's. */
  assert_no_value_in (test_root, &n_files);
  assert_no_value_in (keyring_dir, &n_files);
  g_assert_cmpuint (n_files, >=, 1);
  assert_no_log_leak ();
}

static void
test_label (void)
{
  g_autoptr(PmProfile) profile = pm_profile_new ();
  g_autofree char *full = NULL;
  g_autofree char *bare = NULL;
  g_autofree char *no_host = NULL;
  g_autofree char *no_name = NULL;

  pm_profile_set_name (profile, "Shop");
  pm_profile_set_api_key (profile, "dk_label_secret");
  pm_profile_set_paymint_api_key (profile, "pk_label_secret");
  pm_profile_set_base_url (profile, "https://Shop.Example.run.app/api/v1/");
  full = pm_secrets_dup_label (profile);
  g_assert_cmpstr (full, ==, "Paymint Desk: Shop (shop.example.run.app)");

  pm_profile_set_base_url (profile, "127.0.0.1:8080");
  bare = pm_secrets_dup_label (profile);
  g_assert_cmpstr (bare, ==, "Paymint Desk: Shop (127.0.0.1:8080)");

  pm_profile_set_base_url (profile, "");
  no_host = pm_secrets_dup_label (profile);
  g_assert_cmpstr (no_host, ==, "Paymint Desk: Shop");

  pm_profile_set_name (profile, "  ");
  pm_profile_set_base_url (profile, "https://user:pk_label_secret@shop.example.run.app");
  no_name = pm_secrets_dup_label (profile);
  g_assert_cmpstr (no_name, ==, "Paymint Desk: shop.example.run.app");
  g_assert_null (strstr (no_name, "secret"));
}

static void
test_needs_harness (void)
{
  g_test_skip ("run through tests/keyring-session.sh: it needs a private keyring");
}

int
main (int   argc,
      char *argv[])
{
  test_root = pm_test_init (&argc, &argv);
  secret_values = g_ptr_array_new_with_free_func (g_free);
  g_log_set_writer_func (log_writer_cb, NULL, NULL);

  g_test_add_func ("/secrets/label", test_label);
  /* Never touch the keyring of the person running the tests. */
  if (g_getenv ("PM_KEYRING_SESSION_DIR") == NULL)
    {
      g_test_add_func ("/secrets/keyring", test_needs_harness);
      return g_test_run ();
    }
  g_test_add_func ("/secrets/store-lookup-list", test_store_lookup_list);
  g_test_add_func ("/secrets/replace", test_replace);
  g_test_add_func ("/secrets/two-profiles", test_two_profiles);
  g_test_add_func ("/secrets/delete", test_delete);
  g_test_add_func ("/secrets/lookup-missing", test_lookup_missing);
  g_test_add_func ("/secrets/foreign-items", test_foreign_items);
  g_test_add_func ("/secrets/cancelled", test_cancelled);
  g_test_add_func ("/secrets/locked", test_locked);
  g_test_add_func ("/secrets/unavailable/no-bus", test_no_bus);
  g_test_add_func ("/secrets/unavailable/no-secret-service", test_no_secret_service);
  g_test_add_func ("/secrets/nothing-in-files", test_nothing_in_files);

  return g_test_run ();
}
