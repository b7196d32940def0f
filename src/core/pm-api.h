/* pm-api.h — THE table of the MMK Paymint API (API.md): endpoints, bodies, replies
 *
 * Copyright 2026 The Paymint Desk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Every path, member name and envelope of API.md lives in pm-api.c and nowhere else,
 * so a correction to an inferred [I] shape is a one-line change there.
 */

#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "pm-bill.h"

G_BEGIN_DECLS

typedef enum
{
  PM_API_VERSION,
  PM_API_LICENSES,
  PM_API_FORMAT_PHONE,
  PM_API_REQUEST,
  PM_API_READ,
  PM_API_CANCEL,
  PM_API_DESTROY,
  PM_API_RESEND,
  PM_API_AUTOPAY_REGISTER,
  PM_API_AUTOPAY_MANAGE,
  PM_API_AUTOPAY_METHODS,
  PM_API_AUTOPAY_REQUEST,
  PM_API_AUTOPAY_DELETE,
  PM_API_N_ENDPOINTS
} PmApiEndpoint;

typedef enum
{
  PM_API_AUTH_NONE,       /* no key at all */
  PM_API_AUTH_KEY,        /* X-API-KEY only */
  PM_API_AUTH_CONNECTION, /* X-API-KEY and the Paymint connection headers of the profile's mode */
} PmApiAuth;

typedef struct
{
  PmApiEndpoint  endpoint;
  const char    *name;           /* as in API.md §2 and the sandbox: "request", "autopay/request" */
  const char    *method;         /* "GET", "POST", "DELETE" */
  const char    *path;           /* under the base URL, e.g. "/paymint/request" */
  const char    *query;          /* fixed query or NULL */
  PmApiAuth      auth;
  gboolean       spends_balance; /* a 402 may mean "not enough balance" */
  gboolean       changes_state;  /* creating, charging or changing something: maybe-done matters */
} PmApiEndpointInfo;

const PmApiEndpointInfo *pm_api_get_endpoint      (PmApiEndpoint endpoint);
const PmApiEndpointInfo *pm_api_find_endpoint     (const char   *name);

/* Value types of the replies */

typedef struct
{
  char *business_number;
  char *business_name;
  char *member_id;
  char *merchant_id;
  char *status;
} PmLicense;

typedef struct
{
  char    *bill_id;
  char    *code;         /* "0000" on success */
  char    *msg;          /* cleaned of control and bidi characters */
  char    *short_url;    /* only a safe link (pm_api_check_link); else NULL */
  char    *appr_state;   /* autopay/request: "F" when the charge settled at once; else NULL */
  gboolean link_refused; /* the reply carried a link that pm_api_check_link refused */
} PmSendResult;

typedef struct
{
  char *method_id;
  char *card_name;
  char *card_no;       /* masked */
  char *registered_at;
  char *status;
} PmAutopayMethod;

#define PM_TYPE_LICENSE        (pm_license_get_type ())
#define PM_TYPE_SEND_RESULT    (pm_send_result_get_type ())
#define PM_TYPE_AUTOPAY_METHOD (pm_autopay_method_get_type ())

GType            pm_license_get_type        (void) G_GNUC_CONST;
PmLicense       *pm_license_copy            (const PmLicense       *license);
void             pm_license_free            (PmLicense             *license);
GType            pm_send_result_get_type    (void) G_GNUC_CONST;
PmSendResult    *pm_send_result_copy        (const PmSendResult    *result);
void             pm_send_result_free        (PmSendResult          *result);
GType            pm_autopay_method_get_type (void) G_GNUC_CONST;
PmAutopayMethod *pm_autopay_method_copy     (const PmAutopayMethod *method);
void             pm_autopay_method_free     (PmAutopayMethod       *method);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PmLicense, pm_license_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (PmSendResult, pm_send_result_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (PmAutopayMethod, pm_autopay_method_free)

/* Bodies (JSON objects; transfer full) */
JsonNode     *pm_api_build_format_phone     (const char  *phone);
JsonNode     *pm_api_build_request          (PmBill      *bill); /* request, or autopay/request with method_id */
JsonNode     *pm_api_build_bill_id          (const char  *bill_id); /* read, resend */
JsonNode     *pm_api_build_bill_price       (const char  *bill_id,  /* cancel, destroy */
                                             gint64       price);
JsonNode     *pm_api_build_autopay_register (const char  *member_nm,
                                             const char  *phone,
                                             const char  *product_nm, /* nullable */
                                             const char  *message);   /* nullable */
JsonNode     *pm_api_build_phone_method     (const char  *phone,   /* autopay/manage, autopay/delete */
                                             const char  *method_id);
char         *pm_api_build_methods_query    (const char  *phone);  /* "phone=010…" */
GBytes       *pm_api_node_to_bytes         (JsonNode    *node);

/* Limits on a reply, checked before json-glib sees it: a larger or deeper body is
 * refused (json-glib's parser recurses, so depth is a stack overflow otherwise). */
#define PM_API_REPLY_MAX_BYTES (1024 * 1024)
#define PM_API_REPLY_MAX_DEPTH 64

/* TRUE when @body (JSON text) nests arrays and objects no deeper than @max_depth. */
gboolean      pm_api_depth_within           (const char  *body,
                                             gsize        size,
                                             guint        max_depth);

/* Replies. Both envelopes ({success, data} and flat) are accepted everywhere;
 * unknown members are ignored. Failures are PM_ERROR_PROTOCOL (unreadable) or the
 * mapped result code (API.md §3, second layer). */
JsonNode     *pm_api_parse                  (GBytes      *body,
                                             GError     **error);
gboolean      pm_api_check_result           (JsonNode    *root,
                                             GError     **error);
char         *pm_api_read_version           (JsonNode    *root,
                                             GError     **error);
GPtrArray    *pm_api_read_licenses          (JsonNode    *root,   /* of PmLicense */
                                             GError     **error);
char         *pm_api_read_phone             (JsonNode    *root,
                                             GError     **error);
PmSendResult *pm_api_read_send_result       (JsonNode    *root,
                                             GError     **error);
gboolean      pm_api_read_bill              (JsonNode    *root,   /* sets bill-id, state, appr-* */
                                             PmBill      *bill,
                                             GError     **error);
GPtrArray    *pm_api_read_methods           (JsonNode    *root,   /* of PmAutopayMethod */
                                             GError     **error);

/* What a reply to a call that spends balance (request, resend, autopay/request) says
 * happened (API.md §5): created only for a 2xx with code 0000, the bill_id sent (when
 * the reply names one) and success not false; exists for 9800; failed only for a
 * definite refusal; everything else is unknown, settled by reading the bill. */
typedef enum
{
  PM_API_SEND_CREATED,
  PM_API_SEND_EXISTS,
  PM_API_SEND_FAILED,
  PM_API_SEND_UNKNOWN,
} PmApiSendOutcome;

/* Classifies a reply with HTTP @status and @body (NULL for none; a transport failure is
 * the client's to judge, not this table's). On CREATED returns the result in *@result;
 * otherwise sets *@error (PM_ERROR, maybe-done TRUE exactly for UNKNOWN, the server's
 * text cleaned). @sent_bill_id is the bill_id the request carried (NULL for none). */
PmApiSendOutcome pm_api_classify_send       (PmApiEndpoint       endpoint,
                                             guint               status,
                                             GBytes             *body,
                                             const char         *sent_bill_id,
                                             PmSendResult      **result,
                                             GError            **error);
const char      *pm_api_send_outcome_to_string (PmApiSendOutcome outcome);

/* A payment link is kept only when it is https:// with a host, or http:// to a loopback
 * host when @loopback_ok (the deployment itself is a loopback sandbox). */
gboolean      pm_api_check_link             (const char  *url,
                                             gboolean     loopback_ok);

/* The oldest server version the vendor's client accepts (API.md §7). */
#define PM_API_MIN_VERSION "4.16.0"
/* TRUE when @version ("4.20.0", "v4.16", "4.17.1-rc1") is at least PM_API_MIN_VERSION. */
gboolean      pm_api_version_is_supported   (const char  *version);

/* The text of a non-2xx body: "error", else "message", else "msg", else the raw text. */
char         *pm_api_read_error_text        (GBytes      *body);
/* The error for a non-2xx reply to @endpoint (first layer of API.md §3). */
GError       *pm_api_error_for_status       (const PmApiEndpointInfo *endpoint,
                                             guint        status,
                                             GBytes      *body);

G_END_DECLS
