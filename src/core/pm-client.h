/* pm-client.h — the MMK Paymint API over one SoupSession
 *
 * Copyright 2026 The Paymint Desk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * One _async/_finish pair per endpoint of API.md §2. Every failure is a PM_ERROR
 * (see pm-error.h for the maybe-done rule); certificate errors are never accepted and
 * plain http is refused for every host but loopback before any connection is made.
 * Secrets never reach a log line: a request is logged with "X-API-KEY: ***".
 */

#pragma once

#include <gio/gio.h>

#include "pm-api.h"
#include "pm-bill.h"
#include "pm-profile.h"

G_BEGIN_DECLS

#define PM_CLIENT_DEFAULT_TIMEOUT 30 /* seconds */

#define PM_TYPE_CLIENT (pm_client_get_type ())
G_DECLARE_FINAL_TYPE (PmClient, pm_client, PM, CLIENT, GObject)

PmClient     *pm_client_new                    (PmProfile            *profile);

/* The client keeps its own copy of the profile. */
PmProfile    *pm_client_get_profile            (PmClient             *self);
void          pm_client_set_profile            (PmClient             *self,
                                                PmProfile            *profile);
guint         pm_client_get_timeout            (PmClient             *self); /* seconds */
void          pm_client_set_timeout            (PmClient             *self,
                                                guint                 seconds);

/* GET /version → "4.20.0" */
void          pm_client_version_async          (PmClient             *self,
                                                GCancellable         *cancellable,
                                                GAsyncReadyCallback   callback,
                                                gpointer              user_data);
char         *pm_client_version_finish         (PmClient             *self,
                                                GAsyncResult         *result,
                                                GError              **error);

/* GET /paymint/licenses?mode=true → GPtrArray of PmLicense */
void          pm_client_licenses_async         (PmClient             *self,
                                                GCancellable         *cancellable,
                                                GAsyncReadyCallback   callback,
                                                gpointer              user_data);
GPtrArray    *pm_client_licenses_finish        (PmClient             *self,
                                                GAsyncResult         *result,
                                                GError              **error);

/* POST /paymint/format-phone-number → normalised digits */
void          pm_client_format_phone_async     (PmClient             *self,
                                                const char           *phone,
                                                GCancellable         *cancellable,
                                                GAsyncReadyCallback   callback,
                                                gpointer              user_data);
char         *pm_client_format_phone_finish    (PmClient             *self,
                                                GAsyncResult         *result,
                                                GError              **error);

/* POST /paymint/request (spends balance). The bill must carry its bill_id already. */
void          pm_client_request_async          (PmClient             *self,
                                                PmBill               *bill,
                                                GCancellable         *cancellable,
                                                GAsyncReadyCallback   callback,
                                                gpointer              user_data);
PmSendResult *pm_client_request_finish         (PmClient             *self,
                                                GAsyncResult         *result,
                                                GError              **error);

/* POST /paymint/read → a new PmBill with bill-id, state and appr-* set */
void          pm_client_read_async             (PmClient             *self,
                                                const char           *bill_id,
                                                GCancellable         *cancellable,
                                                GAsyncReadyCallback   callback,
                                                gpointer              user_data);
PmBill       *pm_client_read_finish            (PmClient             *self,
                                                GAsyncResult         *result,
                                                GError              **error);

/* POST /paymint/cancel: refund a paid bill (full amount) */
void          pm_client_cancel_async           (PmClient             *self,
                                                const char           *bill_id,
                                                gint64                price,
                                                GCancellable         *cancellable,
                                                GAsyncReadyCallback   callback,
                                                gpointer              user_data);
PmSendResult *pm_client_cancel_finish          (PmClient             *self,
                                                GAsyncResult         *result,
                                                GError              **error);

/* POST /paymint/destroy: void an unpaid bill */
void          pm_client_destroy_async          (PmClient             *self,
                                                const char           *bill_id,
                                                gint64                price,
                                                GCancellable         *cancellable,
                                                GAsyncReadyCallback   callback,
                                                gpointer              user_data);
PmSendResult *pm_client_destroy_finish         (PmClient             *self,
                                                GAsyncResult         *result,
                                                GError              **error);

/* POST /paymint/resend (spends balance) */
void          pm_client_resend_async           (PmClient             *self,
                                                const char           *bill_id,
                                                GCancellable         *cancellable,
                                                GAsyncReadyCallback   callback,
                                                gpointer              user_data);
PmSendResult *pm_client_resend_finish          (PmClient             *self,
                                                GAsyncResult         *result,
                                                GError              **error);

/* POST /paymint/autopay/register → a link for the payer (short_url) */
void          pm_client_autopay_register_async (PmClient             *self,
                                                const char           *member_nm,
                                                const char           *phone,
                                                const char           *product_nm,
                                                const char           *message,
                                                GCancellable         *cancellable,
                                                GAsyncReadyCallback   callback,
                                                gpointer              user_data);
PmSendResult *pm_client_autopay_register_finish (PmClient            *self,
                                                 GAsyncResult        *result,
                                                 GError             **error);

/* POST /paymint/autopay/manage → a link to change the card */
void          pm_client_autopay_manage_async   (PmClient             *self,
                                                const char           *phone,
                                                const char           *method_id,
                                                GCancellable         *cancellable,
                                                GAsyncReadyCallback   callback,
                                                gpointer              user_data);
PmSendResult *pm_client_autopay_manage_finish  (PmClient             *self,
                                                GAsyncResult         *result,
                                                GError              **error);

/* GET /paymint/autopay/methods?phone= → GPtrArray of PmAutopayMethod */
void          pm_client_autopay_methods_async  (PmClient             *self,
                                                const char           *phone,
                                                GCancellable         *cancellable,
                                                GAsyncReadyCallback   callback,
                                                gpointer              user_data);
GPtrArray    *pm_client_autopay_methods_finish (PmClient             *self,
                                                GAsyncResult         *result,
                                                GError              **error);

/* POST /paymint/autopay/request (spends balance); the bill's kind is AUTOPAY with method-id */
void          pm_client_autopay_request_async  (PmClient             *self,
                                                PmBill               *bill,
                                                GCancellable         *cancellable,
                                                GAsyncReadyCallback   callback,
                                                gpointer              user_data);
PmSendResult *pm_client_autopay_request_finish (PmClient             *self,
                                                GAsyncResult         *result,
                                                GError              **error);

/* DELETE /paymint/autopay/delete */
void          pm_client_autopay_delete_async   (PmClient             *self,
                                                const char           *phone,
                                                const char           *method_id,
                                                GCancellable         *cancellable,
                                                GAsyncReadyCallback   callback,
                                                gpointer              user_data);
PmSendResult *pm_client_autopay_delete_finish  (PmClient             *self,
                                                GAsyncResult         *result,
                                                GError              **error);

G_END_DECLS
