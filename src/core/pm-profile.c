/* pm-profile.c — a connection profile: where and how to reach an MMK deployment
 *
 * Copyright 2026 The Paymint Desk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "pm-profile.h"
#include "pm-error.h"

#include <gio/gio.h>
#include <glib/gi18n-lib.h>
#include <json-glib/json-glib.h>
#include <string.h>

#define PROFILE_JSON_VERSION 1
#define NAME_MAX_CHARS 60

enum
{
  PROP_0,
  PROP_UUID,
  PROP_NAME,
  PROP_BASE_URL,
  PROP_API_KEY,
  PROP_MEMBER_ID,
  PROP_MERCHANT_ID,
  PROP_BUSINESS_NUMBER,
  PROP_PAYMINT_HOST,
  PROP_PAYMINT_API_KEY,
  PROP_SHOP_LEDGER,
  PROP_SHOP_LEDGER_PASSWORD,
  N_STRING_PROPS_END,
  PROP_MODE = N_STRING_PROPS_END,
  N_PROPS
};

#define N_STRINGS (N_STRING_PROPS_END - 1)
#define STR_INDEX(prop) ((prop) - 1)

struct _PmProfile
{
  GObject        parent_instance;

  char          *strings[N_STRINGS];
  PmProfileMode  mode;
};

G_DEFINE_FINAL_TYPE (PmProfile, pm_profile, G_TYPE_OBJECT)

static GParamSpec *properties[N_PROPS];

/* JSON member names, in property order. */
static const char *const json_names[N_STRINGS] = {
  "uuid",
  "name",
  "base_url",
  "api_key",
  "member_id",
  "merchant_id",
  "business_number",
  "paymint_host",
  "paymint_api_key",
  "shop_ledger",
  "shop_ledger_password",
};

GType
pm_profile_mode_get_type (void)
{
  static gsize type_id = 0;
  static const GEnumValue values[] = {
    { PM_PROFILE_MODE_MMK, "PM_PROFILE_MODE_MMK", "mmk" },
    { PM_PROFILE_MODE_TRADITIONAL, "PM_PROFILE_MODE_TRADITIONAL", "traditional" },
    { 0, NULL, NULL },
  };

  if (g_once_init_enter (&type_id))
    {
      GType type = g_enum_register_static (g_intern_static_string ("PmProfileMode"), values);

      g_once_init_leave (&type_id, type);
    }
  return type_id;
}

static void
set_string (PmProfile  *self,
            guint       prop_id,
            const char *value)
{
  char **slot = &self->strings[STR_INDEX (prop_id)];

  if (g_strcmp0 (*slot, value) == 0)
    return;
  /* Keys are secrets: wipe the old copy before freeing it. */
  if (*slot != NULL)
    memset (*slot, 0, strlen (*slot));
  g_free (*slot);
  *slot = g_strdup (value);
  g_object_notify_by_pspec (G_OBJECT (self), properties[prop_id]);
}

static void
pm_profile_finalize (GObject *object)
{
  PmProfile *self = (PmProfile *) object;

  for (guint i = 0; i < N_STRINGS; i++)
    {
      if (self->strings[i] != NULL)
        memset (self->strings[i], 0, strlen (self->strings[i]));
      g_clear_pointer (&self->strings[i], g_free);
    }

  G_OBJECT_CLASS (pm_profile_parent_class)->finalize (object);
}

static void
pm_profile_get_property (GObject    *object,
                         guint       prop_id,
                         GValue     *value,
                         GParamSpec *pspec)
{
  PmProfile *self = PM_PROFILE (object);

  if (prop_id > PROP_0 && prop_id < N_STRING_PROPS_END)
    g_value_set_string (value, self->strings[STR_INDEX (prop_id)]);
  else if (prop_id == PROP_MODE)
    g_value_set_enum (value, self->mode);
  else
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
}

static void
pm_profile_set_property (GObject      *object,
                         guint         prop_id,
                         const GValue *value,
                         GParamSpec   *pspec)
{
  PmProfile *self = PM_PROFILE (object);

  if (prop_id > PROP_0 && prop_id < N_STRING_PROPS_END)
    set_string (self, prop_id, g_value_get_string (value));
  else if (prop_id == PROP_MODE)
    pm_profile_set_mode (self, g_value_get_enum (value));
  else
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
}

static void
pm_profile_class_init (PmProfileClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = pm_profile_finalize;
  object_class->get_property = pm_profile_get_property;
  object_class->set_property = pm_profile_set_property;

  properties[PROP_UUID] =
    g_param_spec_string ("uuid", NULL, "Unique id of the profile", NULL,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_NAME] =
    g_param_spec_string ("name", NULL, "Display name", NULL,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_BASE_URL] =
    g_param_spec_string ("base-url", NULL, "Deployment URL as entered", NULL,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_API_KEY] =
    g_param_spec_string ("api-key", NULL, "Deployment API key (secret)", NULL,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_MEMBER_ID] =
    g_param_spec_string ("member-id", NULL, "Paymint member ID", NULL,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_MERCHANT_ID] =
    g_param_spec_string ("merchant-id", NULL, "Paymint merchant ID", NULL,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_BUSINESS_NUMBER] =
    g_param_spec_string ("business-number", NULL, "Business registration number", NULL,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_PAYMINT_HOST] =
    g_param_spec_string ("paymint-host", NULL, "Paymint host (traditional mode)", NULL,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_PAYMINT_API_KEY] =
    g_param_spec_string ("paymint-api-key", NULL, "Paymint API key (secret, traditional mode)",
                         NULL,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_SHOP_LEDGER] =
    g_param_spec_string ("shop-ledger", NULL,
                         "The shop's shared ledger: a postgresql:// address (empty: this desk's own)",
                         NULL,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_SHOP_LEDGER_PASSWORD] =
    g_param_spec_string ("shop-ledger-password", NULL, "The shop ledger's password (secret)",
                         NULL,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_MODE] =
    g_param_spec_enum ("mode", NULL, "How the Paymint connection is chosen",
                       PM_TYPE_PROFILE_MODE, PM_PROFILE_MODE_MMK,
                       G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
pm_profile_init (PmProfile *self)
{
  self->mode = PM_PROFILE_MODE_MMK;
}

PmProfile *
pm_profile_new (void)
{
  g_autofree char *uuid = g_uuid_string_random ();

  return g_object_new (PM_TYPE_PROFILE, "uuid", uuid, NULL);
}

PmProfile *
pm_profile_copy (PmProfile *self)
{
  PmProfile *copy;

  g_return_val_if_fail (PM_IS_PROFILE (self), NULL);

  copy = g_object_new (PM_TYPE_PROFILE, NULL);
  for (guint i = 0; i < N_STRINGS; i++)
    copy->strings[i] = g_strdup (self->strings[i]);
  copy->mode = self->mode;
  return copy;
}

PmProfileMode
pm_profile_get_mode (PmProfile *self)
{
  g_return_val_if_fail (PM_IS_PROFILE (self), PM_PROFILE_MODE_MMK);
  return self->mode;
}

void
pm_profile_set_mode (PmProfile     *self,
                     PmProfileMode  value)
{
  g_return_if_fail (PM_IS_PROFILE (self));
  if (self->mode == value)
    return;
  self->mode = value;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MODE]);
}

const char *
pm_profile_get_uuid (PmProfile *self)
{
  g_return_val_if_fail (PM_IS_PROFILE (self), NULL);
  return self->strings[STR_INDEX (PROP_UUID)];
}

void
pm_profile_set_uuid (PmProfile  *self,
                     const char *value)
{
  g_return_if_fail (PM_IS_PROFILE (self));
  set_string (self, PROP_UUID, value);
}

const char *
pm_profile_get_name (PmProfile *self)
{
  g_return_val_if_fail (PM_IS_PROFILE (self), NULL);
  return self->strings[STR_INDEX (PROP_NAME)];
}

void
pm_profile_set_name (PmProfile  *self,
                     const char *value)
{
  g_return_if_fail (PM_IS_PROFILE (self));
  set_string (self, PROP_NAME, value);
}

const char *
pm_profile_get_base_url (PmProfile *self)
{
  g_return_val_if_fail (PM_IS_PROFILE (self), NULL);
  return self->strings[STR_INDEX (PROP_BASE_URL)];
}

void
pm_profile_set_base_url (PmProfile  *self,
                         const char *value)
{
  g_return_if_fail (PM_IS_PROFILE (self));
  set_string (self, PROP_BASE_URL, value);
}

const char *
pm_profile_get_api_key (PmProfile *self)
{
  g_return_val_if_fail (PM_IS_PROFILE (self), NULL);
  return self->strings[STR_INDEX (PROP_API_KEY)];
}

void
pm_profile_set_api_key (PmProfile  *self,
                        const char *value)
{
  g_return_if_fail (PM_IS_PROFILE (self));
  set_string (self, PROP_API_KEY, value);
}

const char *
pm_profile_get_member_id (PmProfile *self)
{
  g_return_val_if_fail (PM_IS_PROFILE (self), NULL);
  return self->strings[STR_INDEX (PROP_MEMBER_ID)];
}

void
pm_profile_set_member_id (PmProfile  *self,
                          const char *value)
{
  g_return_if_fail (PM_IS_PROFILE (self));
  set_string (self, PROP_MEMBER_ID, value);
}

const char *
pm_profile_get_merchant_id (PmProfile *self)
{
  g_return_val_if_fail (PM_IS_PROFILE (self), NULL);
  return self->strings[STR_INDEX (PROP_MERCHANT_ID)];
}

void
pm_profile_set_merchant_id (PmProfile  *self,
                            const char *value)
{
  g_return_if_fail (PM_IS_PROFILE (self));
  set_string (self, PROP_MERCHANT_ID, value);
}

const char *
pm_profile_get_business_number (PmProfile *self)
{
  g_return_val_if_fail (PM_IS_PROFILE (self), NULL);
  return self->strings[STR_INDEX (PROP_BUSINESS_NUMBER)];
}

void
pm_profile_set_business_number (PmProfile  *self,
                                const char *value)
{
  g_return_if_fail (PM_IS_PROFILE (self));
  set_string (self, PROP_BUSINESS_NUMBER, value);
}

const char *
pm_profile_get_paymint_host (PmProfile *self)
{
  g_return_val_if_fail (PM_IS_PROFILE (self), NULL);
  return self->strings[STR_INDEX (PROP_PAYMINT_HOST)];
}

void
pm_profile_set_paymint_host (PmProfile  *self,
                             const char *value)
{
  g_return_if_fail (PM_IS_PROFILE (self));
  set_string (self, PROP_PAYMINT_HOST, value);
}

const char *
pm_profile_get_paymint_api_key (PmProfile *self)
{
  g_return_val_if_fail (PM_IS_PROFILE (self), NULL);
  return self->strings[STR_INDEX (PROP_PAYMINT_API_KEY)];
}

void
pm_profile_set_paymint_api_key (PmProfile  *self,
                                const char *value)
{
  g_return_if_fail (PM_IS_PROFILE (self));
  set_string (self, PROP_PAYMINT_API_KEY, value);
}

const char *
pm_profile_get_shop_ledger (PmProfile *self)
{
  g_return_val_if_fail (PM_IS_PROFILE (self), NULL);
  return self->strings[STR_INDEX (PROP_SHOP_LEDGER)];
}

void
pm_profile_set_shop_ledger (PmProfile  *self,
                            const char *value)
{
  g_return_if_fail (PM_IS_PROFILE (self));
  set_string (self, PROP_SHOP_LEDGER, value);
}

const char *
pm_profile_get_shop_ledger_password (PmProfile *self)
{
  g_return_val_if_fail (PM_IS_PROFILE (self), NULL);
  return self->strings[STR_INDEX (PROP_SHOP_LEDGER_PASSWORD)];
}

void
pm_profile_set_shop_ledger_password (PmProfile  *self,
                                     const char *value)
{
  g_return_if_fail (PM_IS_PROFILE (self));
  set_string (self, PROP_SHOP_LEDGER_PASSWORD, value);
}

gboolean
pm_profile_has_shop_ledger (PmProfile *self)
{
  const char *uri;

  g_return_val_if_fail (PM_IS_PROFILE (self), FALSE);
  uri = pm_profile_get_shop_ledger (self);
  return uri != NULL && *uri != '\0';
}

/* An address the ledger can open (pm_ledger_new_shop does the rest: reaching it, the
 * password, whose database it is): postgresql:// or postgres://, one line, and no
 * password in it (the password is kept apart, in the keyring). */
static gboolean
check_shop_ledger (PmProfile  *self,
                   GError    **error)
{
  const char *uri = pm_profile_get_shop_ledger (self);
  g_autofree char *rest = NULL;
  const char *at;
  const char *colon;

  if (uri == NULL || *uri == '\0')
    return TRUE;
  if (!g_str_has_prefix (uri, "postgresql://") && !g_str_has_prefix (uri, "postgres://"))
    {
      pm_error_set_field_error (error, PM_ERROR_INVALID, PM_PROFILE_FIELD_SHOP_LEDGER, "%s",
                                _("The shop ledger’s address begins with postgresql://, like "
                                  "postgresql://clerk@ledger.example/shop."));
      return FALSE;
    }
  for (const char *p = uri; *p; p++)
    if ((guchar) *p < 0x20 || *p == ' ')
      {
        pm_error_set_field_error (error, PM_ERROR_INVALID, PM_PROFILE_FIELD_SHOP_LEDGER, "%s",
                                  _("The shop ledger’s address cannot contain spaces or line "
                                    "breaks."));
        return FALSE;
      }
  /* user:password@ — the password belongs in its own field */
  rest = g_strdup (strstr (uri, "://") + 3);
  at = strchr (rest, '@');
  colon = at != NULL ? memchr (rest, ':', at - rest) : NULL;
  if (colon != NULL || strstr (uri, "password=") != NULL)
    {
      pm_error_set_field_error (error, PM_ERROR_INVALID, PM_PROFILE_FIELD_SHOP_LEDGER, "%s",
                                _("Take the password out of the address: it is asked for "
                                  "apart from it and kept in the keyring."));
      return FALSE;
    }
  return TRUE;
}

/* URL */

gboolean
pm_profile_host_is_loopback (const char *host)
{
  g_autoptr(GInetAddress) address = NULL;
  g_autofree char *bare = NULL;
  gsize len;

  if (host == NULL || host[0] == '\0')
    return FALSE;

  len = strlen (host);
  if (host[0] == '[' && host[len - 1] == ']')
    bare = g_strndup (host + 1, len - 2);
  else
    bare = g_strdup (host);

  if (g_ascii_strcasecmp (bare, "localhost") == 0 || g_ascii_strcasecmp (bare, "localhost.") == 0)
    return TRUE;

  address = g_inet_address_new_from_string (bare);
  return address != NULL && g_inet_address_get_is_loopback (address);
}

/* A DNS name (ASCII letters, digits, '-', '.') or an IP address. */
static gboolean
host_is_well_formed (const char *host)
{
  g_autoptr(GInetAddress) address = g_inet_address_new_from_string (host);

  if (address != NULL)
    return TRUE;
  for (const char *p = host; *p; p++)
    if (!g_ascii_isalnum (*p) && *p != '-' && *p != '.')
      return FALSE;
  return host[0] != '\0' && host[0] != '.' && host[0] != '-';
}

/**
 * pm_profile_normalize_url:
 * @input: what the person pasted: "magic.example.run.app", "https://host/", "https://host/api/v1/"…
 * @error: PM_ERROR_INVALID (field "base_url") or PM_ERROR_TLS for plain http to a remote host
 *
 * Returns: (transfer full) (nullable): scheme://host[:port][/prefix]/api/v1
 */
char *
pm_profile_normalize_url (const char  *input,
                          GError     **error)
{
  g_autofree char *text = NULL;
  g_autofree char *with_scheme = NULL;
  g_autofree char *host = NULL;
  g_autofree char *path = NULL;
  g_autoptr(GUri) uri = NULL;
  g_autoptr(GError) local_error = NULL;
  const char *scheme;
  const char *api;
  int port;
  gboolean https;

  text = g_strstrip (g_strdup (input != NULL ? input : ""));
  if (text[0] == '\0')
    {
      pm_error_set_field_error (error, PM_ERROR_INVALID, PM_PROFILE_FIELD_BASE_URL, "%s",
                                _("Enter the address of the deployment, like magic-meal-kits.example.run.app."));
      return NULL;
    }

  if (strstr (text, "://") == NULL)
    with_scheme = g_strconcat ("https://", text, NULL);
  else
    with_scheme = g_strdup (text);

  uri = g_uri_parse (with_scheme, G_URI_FLAGS_NONE, &local_error);
  if (uri == NULL || g_uri_get_host (uri) == NULL || g_uri_get_host (uri)[0] == '\0')
    {
      pm_error_set_field_error (error, PM_ERROR_INVALID, PM_PROFILE_FIELD_BASE_URL, "%s",
                                _("This is not a web address. Enter one like https://magic-meal-kits.example.run.app."));
      return NULL;
    }

  scheme = g_uri_get_scheme (uri);
  https = g_ascii_strcasecmp (scheme, "https") == 0;
  if (!https && g_ascii_strcasecmp (scheme, "http") != 0)
    {
      pm_error_set_field_error (error, PM_ERROR_INVALID, PM_PROFILE_FIELD_BASE_URL, "%s",
                                _("The address must start with https://."));
      return NULL;
    }
  if (g_uri_get_userinfo (uri) != NULL)
    {
      pm_error_set_field_error (error, PM_ERROR_INVALID, PM_PROFILE_FIELD_BASE_URL, "%s",
                                _("Do not put a user name or password in the address; enter the API key in its own field."));
      return NULL;
    }

  host = g_ascii_strdown (g_uri_get_host (uri), -1);
  if (!host_is_well_formed (host))
    {
      pm_error_set_field_error (error, PM_ERROR_INVALID, PM_PROFILE_FIELD_BASE_URL, "%s",
                                _("The host name can hold only letters, digits, dots and hyphens."));
      return NULL;
    }
  if (!https && !pm_profile_host_is_loopback (host))
    {
      pm_error_set_field_error (error, PM_ERROR_TLS, PM_PROFILE_FIELD_BASE_URL, "%s",
                                _("Plain http:// is allowed only for this computer (localhost). "
                                  "Use https:// so the API key cannot be read on the way."));
      return NULL;
    }

  port = g_uri_get_port (uri);
  if ((https && port == 443) || (!https && port == 80))
    port = -1;

  /* Keep a path prefix; cut anything after /api/v1 (a pasted endpoint URL). */
  path = g_strdup (g_uri_get_path (uri));
  api = strstr (path, "/api/v1");
  if (api != NULL && (api[7] == '\0' || api[7] == '/'))
    path[api - path + 7] = '\0';
  else
    {
      gsize len = strlen (path);
      char *joined;

      while (len > 0 && path[len - 1] == '/')
        path[--len] = '\0';
      joined = g_strconcat (path, "/api/v1", NULL);
      g_free (path);
      path = joined;
    }

  return g_uri_join (G_URI_FLAGS_NONE, https ? "https" : "http", NULL, host, port, path,
                     NULL, NULL);
}

/* Validation */

static gboolean
is_blank (const char *s)
{
  if (s == NULL)
    return TRUE;
  for (; *s; s++)
    if (!g_ascii_isspace (*s))
      return FALSE;
  return TRUE;
}

/* A value that goes into an HTTP header: visible ASCII, no spaces. */
static gboolean
check_header_value (const char  *value,
                    const char  *field,
                    gboolean     required,
                    const char  *missing_message,
                    GError     **error)
{
  if (value == NULL || value[0] == '\0')
    {
      if (!required)
        return TRUE;
      pm_error_set_field_error (error, PM_ERROR_INVALID, field, "%s", missing_message);
      return FALSE;
    }
  for (const char *p = value; *p; p++)
    if ((guchar) *p <= 0x20 || (guchar) *p >= 0x7f)
      {
        pm_error_set_field_error (error, PM_ERROR_INVALID, field, "%s",
                                  _("This can hold only letters, digits and symbols, with no spaces. "
                                    "Check that it was pasted completely and nothing else."));
        return FALSE;
      }
  return TRUE;
}

static gboolean
check_business_number (const char  *value,
                       GError     **error)
{
  int digits = 0;

  if (value == NULL || value[0] == '\0')
    {
      pm_error_set_field_error (error, PM_ERROR_INVALID, PM_PROFILE_FIELD_BUSINESS_NUMBER, "%s",
                                _("Enter the business registration number, like 123-45-67890."));
      return FALSE;
    }
  for (const char *p = value; *p; p++)
    {
      if (g_ascii_isdigit (*p))
        digits++;
      else if (*p != '-' && *p != ' ')
        digits = -100;
    }
  if (digits != 10)
    {
      pm_error_set_field_error (error, PM_ERROR_INVALID, PM_PROFILE_FIELD_BUSINESS_NUMBER, "%s",
                                _("A business registration number has 10 digits, like 123-45-67890."));
      return FALSE;
    }
  return TRUE;
}

gboolean
pm_profile_validate (PmProfile  *self,
                     GError    **error)
{
  g_autofree char *url = NULL;
  const char *name;

  g_return_val_if_fail (PM_IS_PROFILE (self), FALSE);

  name = pm_profile_get_name (self);
  if (is_blank (name))
    {
      pm_error_set_field_error (error, PM_ERROR_INVALID, PM_PROFILE_FIELD_NAME, "%s",
                                _("Enter a name for this connection, like the shop’s name."));
      return FALSE;
    }
  if (!g_utf8_validate (name, -1, NULL) || g_utf8_strlen (name, -1) > NAME_MAX_CHARS)
    {
      pm_error_set_field_error (error, PM_ERROR_INVALID, PM_PROFILE_FIELD_NAME,
                                _("The name can be at most %d characters long."), NAME_MAX_CHARS);
      return FALSE;
    }
  for (const char *p = name; *p; p = g_utf8_next_char (p))
    if (g_unichar_type (g_utf8_get_char (p)) == G_UNICODE_CONTROL)
      {
        pm_error_set_field_error (error, PM_ERROR_INVALID, PM_PROFILE_FIELD_NAME, "%s",
                                  _("The name cannot contain tabs, line breaks or other control characters."));
        return FALSE;
      }

  url = pm_profile_normalize_url (pm_profile_get_base_url (self), error);
  if (url == NULL)
    return FALSE;

  if (!check_header_value (pm_profile_get_api_key (self), PM_PROFILE_FIELD_API_KEY, TRUE,
                           _("Enter the deployment’s API key."), error))
    return FALSE;

  if (!check_shop_ledger (self, error))
    return FALSE;

  if (self->mode == PM_PROFILE_MODE_MMK)
    {
      const char *member = pm_profile_get_member_id (self);
      const char *merchant = pm_profile_get_merchant_id (self);

      if (!check_header_value (member, PM_PROFILE_FIELD_MEMBER_ID, FALSE, NULL, error)
          || !check_header_value (merchant, PM_PROFILE_FIELD_MERCHANT_ID, FALSE, NULL, error))
        return FALSE;
      if ((member == NULL || member[0] == '\0') != (merchant == NULL || merchant[0] == '\0'))
        {
          const char *field = (member == NULL || member[0] == '\0')
                              ? PM_PROFILE_FIELD_MEMBER_ID : PM_PROFILE_FIELD_MERCHANT_ID;

          pm_error_set_field_error (error, PM_ERROR_INVALID, field, "%s",
                                    _("To pick one license, enter both the member ID and the merchant ID, or neither."));
          return FALSE;
        }
      return TRUE;
    }

  return check_header_value (pm_profile_get_paymint_host (self), PM_PROFILE_FIELD_PAYMINT_HOST, TRUE,
                             _("Enter the Paymint host."), error)
         && check_header_value (pm_profile_get_paymint_api_key (self), PM_PROFILE_FIELD_PAYMINT_API_KEY,
                                TRUE, _("Enter the Paymint API key."), error)
         && check_header_value (pm_profile_get_member_id (self), PM_PROFILE_FIELD_MEMBER_ID, TRUE,
                                _("Enter the Paymint member ID."), error)
         && check_header_value (pm_profile_get_merchant_id (self), PM_PROFILE_FIELD_MERCHANT_ID, TRUE,
                                _("Enter the Paymint merchant ID."), error)
         && check_business_number (pm_profile_get_business_number (self), error);
}

/* JSON */

char *
pm_profile_to_json (PmProfile *self)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autoptr(JsonNode) root = NULL;

  g_return_val_if_fail (PM_IS_PROFILE (self), NULL);

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "version");
  json_builder_add_int_value (builder, PROFILE_JSON_VERSION);
  for (guint i = 0; i < N_STRINGS; i++)
    if (self->strings[i] != NULL)
      {
        json_builder_set_member_name (builder, json_names[i]);
        json_builder_add_string_value (builder, self->strings[i]);
      }
  json_builder_set_member_name (builder, "mode");
  json_builder_add_string_value (builder,
                                 self->mode == PM_PROFILE_MODE_TRADITIONAL ? "traditional" : "mmk");
  json_builder_end_object (builder);

  root = json_builder_get_root (builder);
  json_generator_set_root (generator, root);
  return json_generator_to_data (generator, NULL);
}

PmProfile *
pm_profile_new_from_json (const char  *json,
                          GError     **error)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(PmProfile) profile = NULL;
  JsonObject *object;
  JsonNode *root;
  const char *mode;

  if (json == NULL || !json_parser_load_from_data (parser, json, -1, NULL)
      || (root = json_parser_get_root (parser)) == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    {
      g_set_error_literal (error, PM_ERROR, PM_ERROR_STORAGE,
                           _("The saved connection could not be read."));
      return NULL;
    }
  object = json_node_get_object (root);
  if (json_object_get_int_member_with_default (object, "version", 0) > PROFILE_JSON_VERSION)
    {
      g_set_error_literal (error, PM_ERROR, PM_ERROR_STORAGE,
                           _("The saved connection was made by a newer version of Paymint Desk."));
      return NULL;
    }

  profile = g_object_new (PM_TYPE_PROFILE, NULL);
  for (guint i = 0; i < N_STRINGS; i++)
    {
      JsonNode *member = json_object_get_member (object, json_names[i]);

      if (member != NULL && JSON_NODE_HOLDS_VALUE (member)
          && json_node_get_value_type (member) == G_TYPE_STRING)
        profile->strings[i] = g_strdup (json_node_get_string (member));
    }
  mode = json_object_get_string_member_with_default (object, "mode", "mmk");
  profile->mode = g_strcmp0 (mode, "traditional") == 0
                  ? PM_PROFILE_MODE_TRADITIONAL : PM_PROFILE_MODE_MMK;

  if (profile->strings[STR_INDEX (PROP_UUID)] == NULL)
    {
      g_set_error_literal (error, PM_ERROR, PM_ERROR_STORAGE,
                           _("The saved connection has no identifier."));
      return NULL;
    }
  return g_steal_pointer (&profile);
}
