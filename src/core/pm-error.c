/* pm-error.c — the PM_ERROR domain and its detail
 *
 * Copyright 2026 The Paymint Desk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "pm-error.h"
#include "pm-error-private.h"

typedef struct
{
  char     *field;
  char     *server_text;
  char     *result_code;
  guint     http_status;
  gboolean  maybe_done;
} PmErrorPrivate;

static void
pm_error_private_init (PmErrorPrivate *priv)
{
  priv->field = NULL;
  priv->server_text = NULL;
  priv->result_code = NULL;
  priv->http_status = 0;
  priv->maybe_done = FALSE;
}

static void
pm_error_private_copy (const PmErrorPrivate *src,
                       PmErrorPrivate       *dest)
{
  dest->field = g_strdup (src->field);
  dest->server_text = g_strdup (src->server_text);
  dest->result_code = g_strdup (src->result_code);
  dest->http_status = src->http_status;
  dest->maybe_done = src->maybe_done;
}

static void
pm_error_private_clear (PmErrorPrivate *priv)
{
  g_clear_pointer (&priv->field, g_free);
  g_clear_pointer (&priv->server_text, g_free);
  g_clear_pointer (&priv->result_code, g_free);
}

G_DEFINE_EXTENDED_ERROR (PmError, pm_error)

static PmErrorPrivate *
get_priv (const GError *error)
{
  if (error == NULL || error->domain != PM_ERROR)
    return NULL;
  return pm_error_get_private (error);
}

const char *
pm_error_code_get_message (PmErrorCode code)
{
  switch (code)
    {
    case PM_ERROR_INVALID:
      return _("Some of the information was not accepted. Check the highlighted field.");
    case PM_ERROR_UNAUTHORIZED:
      return _("The server did not accept the API key. Check the API key in the connection settings.");
    case PM_ERROR_LICENSE_REQUIRED:
      return _("This account has a Basic license. Upgrade the license to send and manage bills.");
    case PM_ERROR_INSUFFICIENT_BALANCE:
      return _("There is not enough Paymint balance to send this. Top up the balance and try again.");
    case PM_ERROR_NOT_FOUND:
      return _("The server does not know this bill.");
    case PM_ERROR_DUPLICATE_BILL:
      return _("A bill with this ID already exists.");
    case PM_ERROR_ALREADY_PAID:
      return _("This bill is already paid. Cancel it to refund the payer instead.");
    case PM_ERROR_ALREADY_CANCELLED:
      return _("This bill is already cancelled.");
    case PM_ERROR_SERVER:
      return _("The server had a problem handling the request. Try again later.");
    case PM_ERROR_FORBIDDEN:
      return _("This account may not access this bill.");
    case PM_ERROR_NETWORK:
      return _("Could not reach the server. Check the network connection and try again.");
    case PM_ERROR_TIMEOUT:
      return _("The server did not answer in time.");
    case PM_ERROR_TLS:
      return _("The server’s identity could not be verified, so the connection was refused.");
    case PM_ERROR_PROTOCOL:
      return _("The server sent a reply that could not be read.");
    case PM_ERROR_CANCELLED:
      return _("The operation was cancelled.");
    case PM_ERROR_STORAGE:
      return _("Could not save the data on this computer.");
    default:
      return _("Something went wrong.");
    }
}

GError *
pm_error_new_full (PmErrorCode  code,
                   const char  *field,
                   const char  *server_text,
                   gboolean     maybe_done,
                   const char  *message)
{
  GError *error;
  PmErrorPrivate *priv;

  error = g_error_new_literal (PM_ERROR, code,
                               message != NULL ? message : pm_error_code_get_message (code));
  priv = pm_error_get_private (error);
  priv->field = g_strdup (field);
  priv->server_text = g_strdup (server_text);
  priv->maybe_done = maybe_done;
  return error;
}

void
pm_error_set_field_error (GError     **error,
                          PmErrorCode  code,
                          const char  *field,
                          const char  *format,
                          ...)
{
  g_autofree char *message = NULL;
  va_list args;

  if (error == NULL)
    return;
  g_return_if_fail (*error == NULL);

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);

  *error = pm_error_new_full (code, field, NULL, FALSE, message);
}

const char *
pm_error_get_field (const GError *error)
{
  PmErrorPrivate *priv = get_priv (error);
  return priv ? priv->field : NULL;
}

const char *
pm_error_get_server_text (const GError *error)
{
  PmErrorPrivate *priv = get_priv (error);
  return priv ? priv->server_text : NULL;
}

guint
pm_error_get_http_status (const GError *error)
{
  PmErrorPrivate *priv = get_priv (error);
  return priv ? priv->http_status : 0;
}

const char *
pm_error_get_result_code (const GError *error)
{
  PmErrorPrivate *priv = get_priv (error);
  return priv ? priv->result_code : NULL;
}

gboolean
pm_error_is_maybe_done (const GError *error)
{
  PmErrorPrivate *priv = get_priv (error);
  return priv ? priv->maybe_done : FALSE;
}

void
pm_error_set_http_status (GError *error,
                          guint   status)
{
  PmErrorPrivate *priv = get_priv (error);
  if (priv)
    priv->http_status = status;
}

void
pm_error_set_result_code (GError     *error,
                          const char *result_code)
{
  PmErrorPrivate *priv = get_priv (error);
  if (priv)
    {
      g_free (priv->result_code);
      priv->result_code = g_strdup (result_code);
    }
}

void
pm_error_set_maybe_done (GError   *error,
                         gboolean  maybe_done)
{
  PmErrorPrivate *priv = get_priv (error);
  if (priv)
    priv->maybe_done = maybe_done;
}

void
pm_error_set_server_text (GError     *error,
                          const char *server_text)
{
  PmErrorPrivate *priv = get_priv (error);
  if (priv)
    {
      g_free (priv->server_text);
      priv->server_text = g_strdup (server_text);
    }
}

/* @word (ASCII) stands in @text as a word of its own, not inside another. */
static gboolean
has_word (const char *text,
          const char *word)
{
  gsize len = strlen (word);

  for (const char *p = strstr (text, word); p != NULL; p = strstr (p + 1, word))
    if ((p == text || !g_ascii_isalpha (p[-1])) && !g_ascii_isalpha (p[len]))
      return TRUE;
  return FALSE;
}

/* "Not enough balance" rather than "upgrade your license": the text must speak of the
 * balance and not of the license. */
static gboolean
text_mentions_balance (const char *text)
{
  g_autofree char *lower = NULL;

  if (text == NULL)
    return FALSE;
  lower = g_utf8_strdown (text, -1);
  if (has_word (lower, "license") || has_word (lower, "licence") || has_word (lower, "upgrade")
      || has_word (lower, "basic") || strstr (lower, "라이선스") != NULL
      || strstr (lower, "업그레이드") != NULL)
    return FALSE;
  return has_word (lower, "balance") || strstr (lower, "잔액") != NULL
         || has_word (lower, "insufficient");
}

/**
 * pm_error_code_from_http_status:
 * @status: a non-2xx HTTP status
 * @server_text: the error text of the reply, if any
 * @call_spends_balance: whether the call is request, resend or autopay/request
 *
 * 402 means insufficient balance only on a call that spends balance and when the
 * text says so ("balance", "잔액", "insufficient"); otherwise a license upgrade.
 */
PmErrorCode
pm_error_code_from_http_status (guint       status,
                                const char *server_text,
                                gboolean    call_spends_balance)
{
  switch (status)
    {
    case 400:
    case 409:
    case 422:
      return PM_ERROR_INVALID;
    case 401:
    case 403:
      return PM_ERROR_UNAUTHORIZED;
    case 402:
      if (call_spends_balance && text_mentions_balance (server_text))
        return PM_ERROR_INSUFFICIENT_BALANCE;
      return PM_ERROR_LICENSE_REQUIRED;
    case 404:
    case 410:
      return PM_ERROR_NOT_FOUND;
    case 408:
      return PM_ERROR_TIMEOUT;
    case 429: /* too many requests: try again later, like a 5xx */
      return PM_ERROR_SERVER;
    default:
      if (status >= 500)
        return PM_ERROR_SERVER;
      if (status >= 400)
        return PM_ERROR_INVALID;
      return PM_ERROR_PROTOCOL;
    }
}

gboolean
pm_error_code_from_result_code (const char  *result_code,
                                PmErrorCode *code)
{
  static const struct
  {
    const char  *result;
    PmErrorCode  code;
  } table[] = {
    { "9800", PM_ERROR_DUPLICATE_BILL },
    { "9970", PM_ERROR_ALREADY_CANCELLED },
    { "9971", PM_ERROR_ALREADY_PAID },
    { "9980", PM_ERROR_NOT_FOUND },
    { "1003", PM_ERROR_FORBIDDEN },
    { "5000", PM_ERROR_SERVER },
    { "9999", PM_ERROR_SERVER },
    { "9870", PM_ERROR_SERVER },
  };
  PmErrorCode found = PM_ERROR_SERVER;

  if (result_code == NULL || g_str_equal (result_code, "0000"))
    return FALSE;

  for (guint i = 0; i < G_N_ELEMENTS (table); i++)
    if (g_str_equal (table[i].result, result_code))
      {
        found = table[i].code;
        break;
      }
  if (code)
    *code = found;
  return TRUE;
}
