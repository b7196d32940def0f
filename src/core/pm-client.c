/* pm-client.c — the MMK Paymint API over one SoupSession
 *
 * Copyright 2026 The Paymint Desk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "pm-client.h"
#include "pm-error.h"
#include "pm-error-private.h"
#include "pm-text.h"

#include <glib/gi18n-lib.h>
#include <libsoup/soup.h>
#include <string.h>

#define USER_AGENT "PaymintDesk/" PACKAGE_VERSION

/* Header names (API.md §1) */
#define H_API_KEY         "X-API-KEY"
#define H_MMK_MODE        "X-Paymint-MMK-Mode"
#define H_HOST            "X-Paymint-Host"
#define H_PAYMINT_API_KEY "X-Paymint-Api-Key"
#define H_MEMBER_ID       "X-Paymint-Member-ID"
#define H_MERCHANT_ID     "X-Paymint-Merchant-ID"
#define H_BUSINESS_NUMBER "X-Paymint-Business-Number"

struct _PmClient
{
  GObject      parent_instance;

  SoupSession *session;
  PmProfile   *profile;
  guint        timeout;

  /* The addresses of the last base URL used, made once rather than on every call (a
   * refresh makes thousands): the profile's text they came from, its normalized form,
   * whether its host is this machine, and each endpoint's address (default query). */
  char        *url_source;
  char        *url_base;
  gboolean     url_loopback;
  GUri        *url_endpoints[PM_API_N_ENDPOINTS];
};

G_DEFINE_FINAL_TYPE (PmClient, pm_client, G_TYPE_OBJECT)

enum
{
  PROP_0,
  PROP_PROFILE,
  PROP_TIMEOUT,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

typedef gpointer (*ReadFunc) (JsonNode  *root,
                              GError   **error);

typedef struct
{
  PmClient                *client;
  const PmApiEndpointInfo *endpoint;
  SoupMessage             *msg;
  GCancellable            *internal;      /* cancelled by the user's cancellable or the deadline */
  GCancellable            *user;
  gulong                   user_handler;
  GSource                 *deadline;
  ReadFunc                 read;
  GDestroyNotify           result_free;
  gboolean                 wrote;         /* the request headers went out */
  gboolean                 timed_out;
  gboolean                 loopback;      /* the deployment is on this machine (a sandbox) */
  char                    *bill_id;       /* the bill the request names (send, read), or NULL */
  GInputStream            *stream;        /* the reply body, read in chunks up to the cap */
  GByteArray              *body;
} Call;

#define READ_CHUNK (64 * 1024)
#define READ_NOW   4096  /* bytes per read of a body that has already arrived */

static void
call_free (Call *call)
{
  if (call->deadline != NULL)
    {
      g_source_destroy (call->deadline);
      g_source_unref (call->deadline);
    }
  if (call->user != NULL && call->user_handler != 0)
    g_cancellable_disconnect (call->user, call->user_handler);
  g_clear_object (&call->user);
  g_clear_object (&call->internal);
  g_clear_object (&call->stream);
  g_clear_pointer (&call->body, g_byte_array_unref);
  g_free (call->bill_id);
  g_clear_object (&call->msg);
  g_clear_object (&call->client);
  g_free (call);
}

/* ---------------------------------------------------------------------------------
 * GObject
 * ------------------------------------------------------------------------------ */

static void
clear_url_cache (PmClient *self)
{
  g_clear_pointer (&self->url_source, g_free);
  g_clear_pointer (&self->url_base, g_free);
  for (guint i = 0; i < PM_API_N_ENDPOINTS; i++)
    g_clear_pointer (&self->url_endpoints[i], g_uri_unref);
}

static void
pm_client_finalize (GObject *object)
{
  clear_url_cache ((PmClient *) object);

  G_OBJECT_CLASS (pm_client_parent_class)->finalize (object);
}

static void
pm_client_dispose (GObject *object)
{
  PmClient *self = (PmClient *) object;

  if (self->session != NULL)
    soup_session_abort (self->session);
  g_clear_object (&self->session);
  g_clear_object (&self->profile);

  G_OBJECT_CLASS (pm_client_parent_class)->dispose (object);
}

static void
pm_client_get_property (GObject    *object,
                        guint       prop_id,
                        GValue     *value,
                        GParamSpec *pspec)
{
  PmClient *self = PM_CLIENT (object);

  switch (prop_id)
    {
    case PROP_PROFILE:
      g_value_set_object (value, self->profile);
      break;
    case PROP_TIMEOUT:
      g_value_set_uint (value, self->timeout);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
pm_client_set_property (GObject      *object,
                        guint         prop_id,
                        const GValue *value,
                        GParamSpec   *pspec)
{
  PmClient *self = PM_CLIENT (object);

  switch (prop_id)
    {
    case PROP_PROFILE:
      pm_client_set_profile (self, g_value_get_object (value));
      break;
    case PROP_TIMEOUT:
      pm_client_set_timeout (self, g_value_get_uint (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
pm_client_class_init (PmClientClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = pm_client_dispose;
  object_class->finalize = pm_client_finalize;
  object_class->get_property = pm_client_get_property;
  object_class->set_property = pm_client_set_property;

  properties[PROP_PROFILE] =
    g_param_spec_object ("profile", NULL, "The connection profile (a private copy)",
                         PM_TYPE_PROFILE,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_TIMEOUT] =
    g_param_spec_uint ("timeout", NULL, "Seconds a request may take in all",
                       1, 3600, PM_CLIENT_DEFAULT_TIMEOUT,
                       G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
pm_client_init (PmClient *self)
{
  self->timeout = PM_CLIENT_DEFAULT_TIMEOUT;
  /* Reads (the poller) and sends (bulk-send) run in parallel over kept-alive
   * connections; at most 32 connections to one deployment (see start_call()). */
  self->session = soup_session_new_with_options ("user-agent", USER_AGENT,
                                                 "max-conns", 64,
                                                 "max-conns-per-host", 32,
                                                 "timeout", self->timeout,
                                                 NULL);
}

PmClient *
pm_client_new (PmProfile *profile)
{
  return g_object_new (PM_TYPE_CLIENT, "profile", profile, NULL);
}

PmProfile *
pm_client_get_profile (PmClient *self)
{
  g_return_val_if_fail (PM_IS_CLIENT (self), NULL);
  return self->profile;
}

void
pm_client_set_profile (PmClient  *self,
                       PmProfile *profile)
{
  g_return_if_fail (PM_IS_CLIENT (self));
  g_return_if_fail (profile == NULL || PM_IS_PROFILE (profile));

  g_clear_object (&self->profile);
  clear_url_cache (self);
  if (profile != NULL)
    self->profile = pm_profile_copy (profile);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PROFILE]);
}

guint
pm_client_get_timeout (PmClient *self)
{
  g_return_val_if_fail (PM_IS_CLIENT (self), 0);
  return self->timeout;
}

void
pm_client_set_timeout (PmClient *self,
                       guint     seconds)
{
  g_return_if_fail (PM_IS_CLIENT (self));
  g_return_if_fail (seconds > 0);

  if (self->timeout == seconds)
    return;
  self->timeout = seconds;
  g_object_set (self->session, "timeout", seconds, NULL);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TIMEOUT]);
}

/* ---------------------------------------------------------------------------------
 * Headers and logging
 * ------------------------------------------------------------------------------ */

static gboolean
is_secret_header (const char *name)
{
  return g_ascii_strcasecmp (name, H_API_KEY) == 0
         || g_ascii_strcasecmp (name, H_PAYMINT_API_KEY) == 0
         || g_ascii_strcasecmp (name, "Authorization") == 0;
}

static void
set_header (SoupMessageHeaders *headers,
            const char         *name,
            const char         *value)
{
  if (value != NULL && value[0] != '\0')
    soup_message_headers_replace (headers, name, value);
}

static void
add_auth_headers (PmClient                *self,
                  const PmApiEndpointInfo *endpoint,
                  SoupMessageHeaders      *headers)
{
  PmProfile *p = self->profile;

  if (endpoint->auth == PM_API_AUTH_NONE)
    return;

  set_header (headers, H_API_KEY, pm_profile_get_api_key (p));
  if (endpoint->auth != PM_API_AUTH_CONNECTION)
    return;

  if (pm_profile_get_mode (p) == PM_PROFILE_MODE_MMK)
    {
      soup_message_headers_replace (headers, H_MMK_MODE, "true");
      set_header (headers, H_MEMBER_ID, pm_profile_get_member_id (p));
      set_header (headers, H_MERCHANT_ID, pm_profile_get_merchant_id (p));
    }
  else
    {
      g_autoptr(GString) business = g_string_new (NULL);
      const char *number = pm_profile_get_business_number (p);

      for (const char *c = number; c != NULL && *c; c++)
        if (g_ascii_isdigit (*c))
          g_string_append_c (business, *c);

      set_header (headers, H_HOST, pm_profile_get_paymint_host (p));
      set_header (headers, H_PAYMINT_API_KEY, pm_profile_get_paymint_api_key (p));
      set_header (headers, H_MEMBER_ID, pm_profile_get_member_id (p));
      set_header (headers, H_MERCHANT_ID, pm_profile_get_merchant_id (p));
      set_header (headers, H_BUSINESS_NUMBER, business->str);
    }
}

static void
log_request (SoupMessage *msg)
{
  g_autoptr(GString) text = NULL;
  g_autofree char *uri = NULL;
  SoupMessageHeadersIter iter;
  const char *name;
  const char *value;

  /* Building the text costs time on every poll: only when someone listens. */
  if (g_log_writer_default_would_drop (G_LOG_LEVEL_DEBUG, G_LOG_DOMAIN))
    return;

  uri = g_uri_to_string_partial (soup_message_get_uri (msg), G_URI_HIDE_PASSWORD);
  text = g_string_new (NULL);
  g_string_append_printf (text, "→ %s %s", soup_message_get_method (msg), uri);
  soup_message_headers_iter_init (&iter, soup_message_get_request_headers (msg));
  while (soup_message_headers_iter_next (&iter, &name, &value))
    g_string_append_printf (text, "\n  %s: %s", name, is_secret_header (name) ? "***" : value);
  g_debug ("%s", text->str);
}

/* ---------------------------------------------------------------------------------
 * One call
 * ------------------------------------------------------------------------------ */

static void
wrote_headers_cb (SoupMessage *msg,
                  gpointer     user_data)
{
  Call *call = user_data;

  call->wrote = TRUE;
}

static void
user_cancelled_cb (GCancellable *cancellable,
                   gpointer      user_data)
{
  GCancellable *internal = user_data;

  g_cancellable_cancel (internal);
}

static gboolean
deadline_cb (gpointer user_data)
{
  Call *call = user_data;

  call->timed_out = TRUE;
  g_cancellable_cancel (call->internal);
  g_clear_pointer (&call->deadline, g_source_unref);
  return G_SOURCE_REMOVE;
}

static GError *
transport_error (Call         *call,
                 const GError *soup_error)
{
  gboolean may_have_arrived = call->wrote && call->endpoint->changes_state;
  const char *detail = soup_error != NULL ? soup_error->message : NULL;

  if (call->user != NULL && g_cancellable_is_cancelled (call->user))
    return pm_error_new_full (PM_ERROR_CANCELLED, NULL, NULL, may_have_arrived, NULL);

  if (call->timed_out || g_error_matches (soup_error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT))
    return pm_error_new_full (PM_ERROR_TIMEOUT, NULL, detail, may_have_arrived, NULL);

  if (soup_error != NULL && soup_error->domain == G_TLS_ERROR)
    return pm_error_new_full (PM_ERROR_TLS, NULL, detail, FALSE, NULL);

  if (g_error_matches (soup_error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return pm_error_new_full (PM_ERROR_CANCELLED, NULL, detail, may_have_arrived, NULL);

  if (soup_error != NULL && soup_error->domain == SOUP_SESSION_ERROR)
    return pm_error_new_full (PM_ERROR_PROTOCOL, NULL, detail, may_have_arrived, NULL);

  /* Resolver errors, refused or unreachable: nothing was written, nothing done. */
  return pm_error_new_full (PM_ERROR_NETWORK, NULL, detail, may_have_arrived, NULL);
}

static gpointer read_bill (JsonNode  *root,
                           GError   **error);

/* Keeps a safe link only (API.md §5); says whether one was refused. */
static gboolean
filter_link (Call  *call,
             char **link)
{
  if (*link == NULL || pm_api_check_link (*link, call->loopback))
    return FALSE;
  g_debug ("← %s: refused a payment link that is not https", call->endpoint->name);
  g_clear_pointer (link, g_free);
  return TRUE;
}

/* A reply to request, resend or autopay/request: what it means is decided by the one
 * table in pm-api (API.md §5), never here. */
static void
finish_chargeable (GTask   *task,
                   Call    *call,
                   guint    status,
                   GBytes  *body)
{
  g_autoptr(PmSendResult) result = NULL;
  g_autoptr(GError) error = NULL;
  PmApiSendOutcome outcome;

  outcome = pm_api_classify_send (call->endpoint->endpoint, status, body, call->bill_id,
                                  &result, &error);
  g_debug ("← %s %u: %s", call->endpoint->name, status, pm_api_send_outcome_to_string (outcome));
  if (outcome != PM_API_SEND_CREATED)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  result->link_refused = filter_link (call, &result->short_url);
  g_task_return_pointer (task, g_steal_pointer (&result), (GDestroyNotify) pm_send_result_free);
}

static void
finish_reply (GTask  *task,
              guint   status,
              GBytes *body)
{
  Call *call = g_task_get_task_data (task);
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(GError) error = NULL;
  gpointer value;

  g_debug ("← %s %u (%" G_GSIZE_FORMAT " bytes)", call->endpoint->name, status,
           g_bytes_get_size (body));

  if (call->endpoint->spends_balance)
    {
      finish_chargeable (task, call, status, body);
      return;
    }

  if (status >= 300 && status < 400)
    {
      SoupMessageHeaders *headers = soup_message_get_response_headers (call->msg);
      g_autofree char *location =
        pm_text_sanitize (soup_message_headers_get_one (headers, "Location"), -1);

      error = pm_error_new_full (PM_ERROR_PROTOCOL, NULL, location, FALSE,
                                 _("The server sent the request somewhere else. "
                                   "Check the deployment address."));
      pm_error_set_http_status (error, status);
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  if (status < 200 || status >= 300)
    {
      g_task_return_error (task, pm_api_error_for_status (call->endpoint, status, body));
      return;
    }

  root = pm_api_parse (body, &error);
  value = root != NULL ? call->read (root, &error) : NULL;
  if (value != NULL && call->read == read_bill && pm_bill_get_bill_id (value) != NULL
      && g_strcmp0 (pm_bill_get_bill_id (value), call->bill_id) != 0)
    {
      /* a reply about another bill tells nothing about this one */
      g_clear_object (&value);
      error = pm_error_new_full (PM_ERROR_PROTOCOL, NULL, "the reply names another bill",
                                 FALSE, NULL);
    }
  if (value == NULL)
    {
      if (error == NULL)
        error = pm_error_new_full (PM_ERROR_PROTOCOL, NULL, NULL, FALSE, NULL);
      pm_error_set_http_status (error, status);
      /* An unreadable 2xx to a call that changes something: it probably took effect. */
      if (g_error_matches (error, PM_ERROR, PM_ERROR_PROTOCOL) && call->endpoint->changes_state)
        pm_error_set_maybe_done (error, TRUE);
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  if (call->read == read_bill)
    {
      g_autofree char *link = g_strdup (pm_bill_get_short_url (value));

      if (filter_link (call, &link))
        pm_bill_set_short_url (value, NULL);
    }
  else if (call->result_free == (GDestroyNotify) pm_send_result_free)
    {
      PmSendResult *result = value;

      result->link_refused = filter_link (call, &result->short_url);
    }
  g_task_return_pointer (task, value, call->result_free);
}

static void
fail_transport (GTask        *task,
                const GError *soup_error)
{
  Call *call = g_task_get_task_data (task);

  g_debug ("← %s failed: %s (wrote: %s)", call->endpoint->name,
           soup_error ? soup_error->message : "?",
           !call->endpoint->changes_state ? "not watched" : call->wrote ? "yes" : "no");
  g_task_return_error (task, transport_error (call, soup_error));
}

static void
stop_deadline (Call *call)
{
  if (call->deadline != NULL)
    {
      g_source_destroy (call->deadline);
      g_clear_pointer (&call->deadline, g_source_unref);
    }
}

static void read_chunk_cb (GObject      *object,
                           GAsyncResult *result,
                           gpointer      user_data);

/* The body is all here (@at_end: its end was read) or over the cap: the reply is read. */
static void
body_read (GTask    *task,
           gboolean  at_end)
{
  Call *call = g_task_get_task_data (task);
  g_autoptr(GBytes) body = NULL;

  stop_deadline (call);
  if (at_end)
    /* nothing is left to read: closing gives the connection back at once */
    g_input_stream_close (call->stream, NULL, NULL);
  else
    g_input_stream_close_async (call->stream, G_PRIORITY_DEFAULT, NULL, NULL, NULL);
  body = g_byte_array_free_to_bytes (g_steal_pointer (&call->body));
  finish_reply (task, soup_message_get_status (call->msg), body);
}

/* Reads the rest of the body: first what has already arrived, without waiting (a reply
 * this API sends usually comes whole with its headers, and one async read for it and
 * one for its end cost more than the reply itself), then waits for more. Takes @task. */
static void
read_body (GTask *task)
{
  Call *call = g_task_get_task_data (task);
  GPollableInputStream *pollable = NULL;

  if (G_IS_POLLABLE_INPUT_STREAM (call->stream)
      && g_pollable_input_stream_can_poll (G_POLLABLE_INPUT_STREAM (call->stream)))
    pollable = G_POLLABLE_INPUT_STREAM (call->stream);

  while (call->body->len <= PM_API_REPLY_MAX_BYTES)
    {
      g_autoptr(GError) error = NULL;
      guint8 buffer[READ_NOW];
      gssize n;

      if (pollable == NULL)
        break;
      n = g_pollable_input_stream_read_nonblocking (pollable, buffer, sizeof buffer,
                                                    call->internal, &error);
      if (n > 0)
        {
          g_byte_array_append (call->body, buffer, (guint) n);
          continue;
        }
      if (n == 0)
        {
          body_read (task, TRUE);
          g_object_unref (task);
          return;
        }
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
        break;
      stop_deadline (call);
      fail_transport (task, error);
      g_object_unref (task);
      return;
    }

  if (call->body->len > PM_API_REPLY_MAX_BYTES)
    {
      /* Too large to be a reply of this API: stop reading, let the limit in pm-api
       * refuse it (for a call that spends balance, an unknown outcome). */
      g_debug ("← %s: reply over %u bytes, not read further", call->endpoint->name,
               PM_API_REPLY_MAX_BYTES);
      body_read (task, FALSE);
      g_object_unref (task);
      return;
    }
  g_input_stream_read_bytes_async (call->stream, READ_CHUNK, G_PRIORITY_DEFAULT,
                                   call->internal, read_chunk_cb, task);
}

static void
read_chunk_cb (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) chunk = NULL;
  Call *call = g_task_get_task_data (task);

  chunk = g_input_stream_read_bytes_finish (G_INPUT_STREAM (object), result, &error);
  if (chunk == NULL)
    {
      stop_deadline (call);
      fail_transport (task, error);
      return;
    }
  if (g_bytes_get_size (chunk) == 0)
    {
      body_read (task, TRUE);
      return;
    }
  g_byte_array_append (call->body, g_bytes_get_data (chunk, NULL), g_bytes_get_size (chunk));
  read_body (g_steal_pointer (&task));
}

static void
send_done_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) soup_error = NULL;
  Call *call = g_task_get_task_data (task);

  call->stream = soup_session_send_finish (SOUP_SESSION (object), result, &soup_error);
  if (call->stream == NULL)
    {
      stop_deadline (call);
      fail_transport (task, soup_error);
      return;
    }
  call->body = g_byte_array_new ();
  read_body (g_steal_pointer (&task));
}

static void
start_call (PmClient            *self,
            PmApiEndpoint        endpoint_id,
            const char          *bill_id,
            const char          *query,
            JsonNode            *body,
            ReadFunc             read,
            GDestroyNotify       result_free,
            GCancellable        *cancellable,
            GAsyncReadyCallback  callback,
            gpointer             user_data,
            gpointer             source_tag)
{
  const PmApiEndpointInfo *endpoint = pm_api_get_endpoint (endpoint_id);
  g_autoptr(GTask) task = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *base = NULL;
  g_autofree char *url = NULL;
  g_autoptr(GUri) uri = NULL;
  SoupMessageHeaders *headers;
  Call *call;

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, source_tag);
  g_task_set_name (task, endpoint->name);
  g_task_set_check_cancellable (task, FALSE);

  if (cancellable != NULL && g_cancellable_is_cancelled (cancellable))
    {
      g_task_return_error (task, pm_error_new_full (PM_ERROR_CANCELLED, NULL, NULL, FALSE, NULL));
      return;
    }
  if (self->profile == NULL)
    {
      g_task_return_error (task, pm_error_new_full (PM_ERROR_INVALID, PM_PROFILE_FIELD_BASE_URL,
                                                    NULL, FALSE, _("Choose a connection first.")));
      return;
    }

  /* Refused addresses (plain http to a remote host, garbage) fail here, before any
   * connection. The profile is a private copy, but its text is compared each time all
   * the same: the addresses made from it are reused only while it is unchanged. */
  if (self->url_base == NULL
      || g_strcmp0 (pm_profile_get_base_url (self->profile), self->url_source) != 0)
    {
      base = pm_profile_normalize_url (pm_profile_get_base_url (self->profile), &error);
      if (base == NULL)
        {
          g_task_return_error (task, g_steal_pointer (&error));
          return;
        }
      clear_url_cache (self);
      self->url_source = g_strdup (pm_profile_get_base_url (self->profile));
      self->url_base = g_steal_pointer (&base);
    }
  if (endpoint->auth != PM_API_AUTH_NONE)
    {
      const char *key = pm_profile_get_api_key (self->profile);

      if (key == NULL || key[0] == '\0')
        {
          g_task_return_error (task,
                               pm_error_new_full (PM_ERROR_UNAUTHORIZED, PM_PROFILE_FIELD_API_KEY,
                                                  NULL, FALSE,
                                                  _("Enter the deployment’s API key in the "
                                                    "connection settings.")));
          return;
        }
    }

  g_assert ((guint) endpoint_id < PM_API_N_ENDPOINTS);
  if (query == NULL && self->url_endpoints[endpoint_id] != NULL)
    uri = g_uri_ref (self->url_endpoints[endpoint_id]);
  else
    {
      gboolean usual = query == NULL;

      if (query == NULL)
        query = endpoint->query;
      url = g_strconcat (self->url_base, endpoint->path, query ? "?" : "", query ? query : "",
                         NULL);
      uri = g_uri_parse (url, SOUP_HTTP_URI_FLAGS, NULL);
      if (uri == NULL)
        {
          g_task_return_error (task,
                               pm_error_new_full (PM_ERROR_INVALID, PM_PROFILE_FIELD_BASE_URL,
                                                  NULL, FALSE,
                                                  _("This is not a web address. "
                                                    "Check the deployment address.")));
          return;
        }
      if (usual)
        {
          /* every endpoint's address has the base URL's host */
          self->url_endpoints[endpoint_id] = g_uri_ref (uri);
          self->url_loopback = pm_profile_host_is_loopback (g_uri_get_host (uri));
        }
    }

  call = g_new0 (Call, 1);
  call->client = g_object_ref (self);
  call->endpoint = endpoint;
  call->read = read;
  call->result_free = result_free;
  call->internal = g_cancellable_new ();
  call->bill_id = g_strdup (bill_id);
  call->loopback = uri == self->url_endpoints[endpoint_id]
                   ? self->url_loopback
                   : pm_profile_host_is_loopback (g_uri_get_host (uri));
  call->msg = soup_message_new_from_uri (endpoint->method, uri);
  g_task_set_task_data (task, call, (GDestroyNotify) call_free);

  /* Never follow redirects: they would repeat a POST elsewhere, keys included. */
  soup_message_add_flags (call->msg, SOUP_MESSAGE_NO_REDIRECT);
  /* libsoup opens a new connection for every non-idempotent method (POST) unless the
   * message says it is idempotent; over TLS that is a full handshake per call. Calls that
   * change nothing (read is a POST) reuse kept-alive connections, and so do the calls
   * that spend balance (request, resend, autopay/request), because a repeated send is
   * harmless by the contract (API.md §5):
   *  - every such call carries its bill_id, generated and made durable before the first
   *    attempt; a second request or autopay/request with it answers 9800 (exists), which
   *    is settled by read, never a second bill or a second charge;
   *  - SOUP_MESSAGE_IDEMPOTENT only lets libsoup pick an idle kept-alive connection. It
   *    does not make libsoup re-send: libsoup re-sends a request by itself only when the
   *    connection was reused, failed before any byte of the reply and the METHOD is
   *    idempotent (request_is_restartable(): SOUP_METHOD_IS_IDEMPOTENT), never for POST.
   *    Even if it did, the re-send would carry the same body, the same bill_id, so the
   *    rule above holds. A reset on a reused connection therefore reaches us as a
   *    transport error: the call is "maybe done" (unknown) and the sender reads first
   *    (transport_error(), pm-sender.c), as for any other reset.
   * Calls that change something without a bill-level guard (cancel, destroy, the
   * AutoPay card calls) keep libsoup's safe default, a fresh connection each.
   * In flight: the session's max-conns-per-host (32) bounds the connections to one
   * deployment; further calls wait in libsoup's queue, and the sender and the poller
   * keep their own, smaller parallelism. */
  if (!endpoint->changes_state || endpoint->spends_balance)
    soup_message_add_flags (call->msg, SOUP_MESSAGE_IDEMPOTENT);
  headers = soup_message_get_request_headers (call->msg);
  soup_message_headers_replace (headers, "Accept", "application/json");
  add_auth_headers (self, endpoint, headers);
  if (body != NULL)
    {
      g_autoptr(GBytes) bytes = pm_api_node_to_bytes (body);

      soup_message_set_request_body_from_bytes (call->msg, "application/json", bytes);
    }
  /* Whether the request went out matters only to a call that changes something (it
   * may then have taken effect, see transport_error()): a read needs no handler. */
  if (endpoint->changes_state)
    g_signal_connect (call->msg, "wrote-headers", G_CALLBACK (wrote_headers_cb), call);

  if (cancellable != NULL)
    {
      call->user = g_object_ref (cancellable);
      call->user_handler = g_cancellable_connect (cancellable, G_CALLBACK (user_cancelled_cb),
                                                  call->internal, NULL);
    }
  call->deadline = g_timeout_source_new ((guint) MIN (self->timeout * 1000u, G_MAXUINT));
  g_source_set_callback (call->deadline, deadline_cb, call, NULL);
  g_source_set_static_name (call->deadline, "[paymint] request deadline");
  g_source_attach (call->deadline, g_main_context_get_thread_default ());

  log_request (call->msg);
  soup_session_send_async (self->session, call->msg, G_PRIORITY_DEFAULT, call->internal,
                           send_done_cb, g_steal_pointer (&task));
}

static gpointer
finish_pointer (PmClient      *self,
                GAsyncResult  *result,
                gpointer       source_tag,
                GError       **error)
{
  g_return_val_if_fail (PM_IS_CLIENT (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == source_tag, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/* ---------------------------------------------------------------------------------
 * Readers with the ReadFunc shape
 * ------------------------------------------------------------------------------ */

static gpointer
read_bill (JsonNode  *root,
           GError   **error)
{
  g_autoptr(PmBill) bill = pm_bill_new ();

  if (!pm_api_read_bill (root, bill, error))
    return NULL;
  return g_steal_pointer (&bill);
}

#define READER(f) ((ReadFunc) (f))

/* ---------------------------------------------------------------------------------
 * The endpoints
 * ------------------------------------------------------------------------------ */

void
pm_client_version_async (PmClient            *self,
                         GCancellable        *cancellable,
                         GAsyncReadyCallback  callback,
                         gpointer             user_data)
{
  g_return_if_fail (PM_IS_CLIENT (self));
  start_call (self, PM_API_VERSION, NULL, NULL, NULL, READER (pm_api_read_version), g_free,
              cancellable, callback, user_data, pm_client_version_async);
}

char *
pm_client_version_finish (PmClient      *self,
                          GAsyncResult  *result,
                          GError       **error)
{
  return finish_pointer (self, result, pm_client_version_async, error);
}

void
pm_client_licenses_async (PmClient            *self,
                          GCancellable        *cancellable,
                          GAsyncReadyCallback  callback,
                          gpointer             user_data)
{
  g_return_if_fail (PM_IS_CLIENT (self));
  start_call (self, PM_API_LICENSES, NULL, NULL, NULL, READER (pm_api_read_licenses),
              (GDestroyNotify) g_ptr_array_unref, cancellable, callback, user_data,
              pm_client_licenses_async);
}

GPtrArray *
pm_client_licenses_finish (PmClient      *self,
                           GAsyncResult  *result,
                           GError       **error)
{
  return finish_pointer (self, result, pm_client_licenses_async, error);
}

void
pm_client_format_phone_async (PmClient            *self,
                              const char          *phone,
                              GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  g_autoptr(JsonNode) body = NULL;

  g_return_if_fail (PM_IS_CLIENT (self));
  body = pm_api_build_format_phone (phone);
  start_call (self, PM_API_FORMAT_PHONE, NULL, NULL, body, READER (pm_api_read_phone), g_free,
              cancellable, callback, user_data, pm_client_format_phone_async);
}

char *
pm_client_format_phone_finish (PmClient      *self,
                               GAsyncResult  *result,
                               GError       **error)
{
  return finish_pointer (self, result, pm_client_format_phone_async, error);
}

void
pm_client_request_async (PmClient            *self,
                         PmBill              *bill,
                         GCancellable        *cancellable,
                         GAsyncReadyCallback  callback,
                         gpointer             user_data)
{
  g_autoptr(JsonNode) body = NULL;
  g_autoptr(PmBill) plain = NULL;

  g_return_if_fail (PM_IS_CLIENT (self));
  g_return_if_fail (PM_IS_BILL (bill));
  /* A plain request never carries method_id, whatever kind the caller set. */
  plain = pm_bill_copy (bill);
  pm_bill_set_kind (plain, PM_BILL_KIND_REQUEST);
  body = pm_api_build_request (plain);
  start_call (self, PM_API_REQUEST, pm_bill_get_bill_id (bill), NULL, body,
              READER (pm_api_read_send_result),
              (GDestroyNotify) pm_send_result_free, cancellable, callback, user_data,
              pm_client_request_async);
}

PmSendResult *
pm_client_request_finish (PmClient      *self,
                          GAsyncResult  *result,
                          GError       **error)
{
  return finish_pointer (self, result, pm_client_request_async, error);
}

void
pm_client_read_async (PmClient            *self,
                      const char          *bill_id,
                      GCancellable        *cancellable,
                      GAsyncReadyCallback  callback,
                      gpointer             user_data)
{
  g_autoptr(JsonNode) body = NULL;

  g_return_if_fail (PM_IS_CLIENT (self));
  body = pm_api_build_bill_id (bill_id);
  start_call (self, PM_API_READ, bill_id, NULL, body, read_bill, g_object_unref,
              cancellable, callback, user_data, pm_client_read_async);
}

PmBill *
pm_client_read_finish (PmClient      *self,
                       GAsyncResult  *result,
                       GError       **error)
{
  return finish_pointer (self, result, pm_client_read_async, error);
}

void
pm_client_cancel_async (PmClient            *self,
                        const char          *bill_id,
                        gint64               price,
                        GCancellable        *cancellable,
                        GAsyncReadyCallback  callback,
                        gpointer             user_data)
{
  g_autoptr(JsonNode) body = NULL;

  g_return_if_fail (PM_IS_CLIENT (self));
  body = pm_api_build_bill_price (bill_id, price);
  start_call (self, PM_API_CANCEL, NULL, NULL, body,
              READER (pm_api_read_send_result),
              (GDestroyNotify) pm_send_result_free, cancellable, callback, user_data,
              pm_client_cancel_async);
}

PmSendResult *
pm_client_cancel_finish (PmClient      *self,
                         GAsyncResult  *result,
                         GError       **error)
{
  return finish_pointer (self, result, pm_client_cancel_async, error);
}

void
pm_client_destroy_async (PmClient            *self,
                         const char          *bill_id,
                         gint64               price,
                         GCancellable        *cancellable,
                         GAsyncReadyCallback  callback,
                         gpointer             user_data)
{
  g_autoptr(JsonNode) body = NULL;

  g_return_if_fail (PM_IS_CLIENT (self));
  body = pm_api_build_bill_price (bill_id, price);
  start_call (self, PM_API_DESTROY, NULL, NULL, body,
              READER (pm_api_read_send_result),
              (GDestroyNotify) pm_send_result_free, cancellable, callback, user_data,
              pm_client_destroy_async);
}

PmSendResult *
pm_client_destroy_finish (PmClient      *self,
                          GAsyncResult  *result,
                          GError       **error)
{
  return finish_pointer (self, result, pm_client_destroy_async, error);
}

void
pm_client_resend_async (PmClient            *self,
                        const char          *bill_id,
                        GCancellable        *cancellable,
                        GAsyncReadyCallback  callback,
                        gpointer             user_data)
{
  g_autoptr(JsonNode) body = NULL;

  g_return_if_fail (PM_IS_CLIENT (self));
  body = pm_api_build_bill_id (bill_id);
  start_call (self, PM_API_RESEND, bill_id, NULL, body, READER (pm_api_read_send_result),
              (GDestroyNotify) pm_send_result_free, cancellable, callback, user_data,
              pm_client_resend_async);
}

PmSendResult *
pm_client_resend_finish (PmClient      *self,
                         GAsyncResult  *result,
                         GError       **error)
{
  return finish_pointer (self, result, pm_client_resend_async, error);
}

void
pm_client_autopay_register_async (PmClient            *self,
                                  const char          *member_nm,
                                  const char          *phone,
                                  const char          *product_nm,
                                  const char          *message,
                                  GCancellable        *cancellable,
                                  GAsyncReadyCallback  callback,
                                  gpointer             user_data)
{
  g_autoptr(JsonNode) body = NULL;

  g_return_if_fail (PM_IS_CLIENT (self));
  body = pm_api_build_autopay_register (member_nm, phone, product_nm, message);
  start_call (self, PM_API_AUTOPAY_REGISTER, NULL, NULL, body,
              READER (pm_api_read_send_result),
              (GDestroyNotify) pm_send_result_free, cancellable, callback, user_data,
              pm_client_autopay_register_async);
}

PmSendResult *
pm_client_autopay_register_finish (PmClient      *self,
                                   GAsyncResult  *result,
                                   GError       **error)
{
  return finish_pointer (self, result, pm_client_autopay_register_async, error);
}

void
pm_client_autopay_manage_async (PmClient            *self,
                                const char          *phone,
                                const char          *method_id,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  g_autoptr(JsonNode) body = NULL;

  g_return_if_fail (PM_IS_CLIENT (self));
  body = pm_api_build_phone_method (phone, method_id);
  start_call (self, PM_API_AUTOPAY_MANAGE, NULL, NULL, body,
              READER (pm_api_read_send_result),
              (GDestroyNotify) pm_send_result_free, cancellable, callback, user_data,
              pm_client_autopay_manage_async);
}

PmSendResult *
pm_client_autopay_manage_finish (PmClient      *self,
                                 GAsyncResult  *result,
                                 GError       **error)
{
  return finish_pointer (self, result, pm_client_autopay_manage_async, error);
}

void
pm_client_autopay_methods_async (PmClient            *self,
                                 const char          *phone,
                                 GCancellable        *cancellable,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data)
{
  g_autofree char *query = NULL;

  g_return_if_fail (PM_IS_CLIENT (self));
  query = pm_api_build_methods_query (phone);
  start_call (self, PM_API_AUTOPAY_METHODS, NULL, query, NULL, READER (pm_api_read_methods),
              (GDestroyNotify) g_ptr_array_unref, cancellable, callback, user_data,
              pm_client_autopay_methods_async);
}

GPtrArray *
pm_client_autopay_methods_finish (PmClient      *self,
                                  GAsyncResult  *result,
                                  GError       **error)
{
  return finish_pointer (self, result, pm_client_autopay_methods_async, error);
}

void
pm_client_autopay_request_async (PmClient            *self,
                                 PmBill              *bill,
                                 GCancellable        *cancellable,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data)
{
  g_autoptr(JsonNode) body = NULL;
  g_autoptr(PmBill) autopay = NULL;

  g_return_if_fail (PM_IS_CLIENT (self));
  g_return_if_fail (PM_IS_BILL (bill));
  /* The body of an AutoPay charge carries method_id whatever kind the caller set. */
  autopay = pm_bill_copy (bill);
  pm_bill_set_kind (autopay, PM_BILL_KIND_AUTOPAY);
  body = pm_api_build_request (autopay);
  start_call (self, PM_API_AUTOPAY_REQUEST, pm_bill_get_bill_id (bill), NULL, body,
              READER (pm_api_read_send_result),
              (GDestroyNotify) pm_send_result_free, cancellable, callback, user_data,
              pm_client_autopay_request_async);
}

PmSendResult *
pm_client_autopay_request_finish (PmClient      *self,
                                  GAsyncResult  *result,
                                  GError       **error)
{
  return finish_pointer (self, result, pm_client_autopay_request_async, error);
}

void
pm_client_autopay_delete_async (PmClient            *self,
                                const char          *phone,
                                const char          *method_id,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  g_autoptr(JsonNode) body = NULL;

  g_return_if_fail (PM_IS_CLIENT (self));
  body = pm_api_build_phone_method (phone, method_id);
  start_call (self, PM_API_AUTOPAY_DELETE, NULL, NULL, body,
              READER (pm_api_read_send_result),
              (GDestroyNotify) pm_send_result_free, cancellable, callback, user_data,
              pm_client_autopay_delete_async);
}

PmSendResult *
pm_client_autopay_delete_finish (PmClient      *self,
                                 GAsyncResult  *result,
                                 GError       **error)
{
  return finish_pointer (self, result, pm_client_autopay_delete_async, error);
}
