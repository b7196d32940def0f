/* pm-error.h — the PM_ERROR domain
 *
 * Copyright 2026 The Paymint Desk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * PM_ERROR is an extended error domain: besides the message (always a sentence for
 * people, translated), each PM_ERROR GError carries the field it is about, the
 * server's own text, the HTTP status, the result code and whether the operation may
 * have taken effect ("maybe done"). g_error_copy() and g_propagate_error() keep them.
 *
 * Maybe-done (what a caller of a call that changes something must assume):
 *   definitely not done: 4xx (408 and 429 included), any result code (the server
 *     answered), failure to connect or resolve, TLS failure, a refused URL, local
 *     validation, cancelling before the request was written;
 *   maybe done: a timeout, reset or cancel after the request was written, a 5xx
 *     (a proxy or the backend may have applied it), an unreadable 2xx body.
 * Calls that change nothing (read, licenses, …) are never maybe-done.
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define PM_ERROR (pm_error_quark ())

/* One code per row of API.md §3, plus local ones. */
typedef enum
{
  PM_ERROR_INVALID,              /* 400, or a local validation failure */
  PM_ERROR_UNAUTHORIZED,         /* 401 / 403 */
  PM_ERROR_LICENSE_REQUIRED,     /* 402 (a): Basic license */
  PM_ERROR_INSUFFICIENT_BALANCE, /* 402 (b): not enough Paymint balance */
  PM_ERROR_NOT_FOUND,            /* 404, or result code 9980 */
  PM_ERROR_DUPLICATE_BILL,       /* result code 9800 */
  PM_ERROR_ALREADY_PAID,         /* result code 9971 */
  PM_ERROR_ALREADY_CANCELLED,    /* result code 9970 */
  PM_ERROR_SERVER,               /* 5xx, result codes 5000, 9999, 9870, other non-0000 */
  PM_ERROR_FORBIDDEN,            /* result code 1003 */
  PM_ERROR_NETWORK,              /* connection failed or reset */
  PM_ERROR_TIMEOUT,
  PM_ERROR_TLS,                  /* certificate or TLS failure; also plain http to a remote host */
  PM_ERROR_PROTOCOL,             /* an unreadable reply */
  PM_ERROR_CANCELLED,
  PM_ERROR_STORAGE,              /* the local ledger or keyring failed */
} PmErrorCode;

GQuark       pm_error_quark            (void);

/* The general sentence for people for @code (translated). */
const char  *pm_error_code_get_message (PmErrorCode   code);

/* A new PM_ERROR error. @message NULL uses pm_error_code_get_message(). */
GError      *pm_error_new_full         (PmErrorCode   code,
                                        const char   *field,
                                        const char   *server_text,
                                        gboolean      maybe_done,
                                        const char   *message);
/* Sets *@error (if @error is not NULL) to a PM_ERROR_INVALID-like error about @field. */
void         pm_error_set_field_error  (GError      **error,
                                        PmErrorCode   code,
                                        const char   *field,
                                        const char   *format,
                                        ...) G_GNUC_PRINTF (4, 5);

/* Readers; all accept any GError (NULL or 0 / FALSE for other domains). */
const char  *pm_error_get_field        (const GError *error);
const char  *pm_error_get_server_text  (const GError *error);
guint        pm_error_get_http_status  (const GError *error); /* 0 when there was no reply */
const char  *pm_error_get_result_code  (const GError *error); /* "9800", … or NULL */
gboolean     pm_error_is_maybe_done    (const GError *error);

/* Mapping of the two layers of API.md §3. */
PmErrorCode  pm_error_code_from_http_status (guint        status,
                                             const char  *server_text,
                                             gboolean     call_spends_balance);
/* FALSE for "0000" (success); otherwise the code in *@code. */
gboolean     pm_error_code_from_result_code (const char  *result_code,
                                             PmErrorCode *code);

G_END_DECLS
