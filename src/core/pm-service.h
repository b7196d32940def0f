/* pm-service.h — the one facade the UI and the CLI use
 *
 * Copyright 2026 The Paymint Desk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * PmService owns the ledger, the client of the active profile, the sender and the
 * poller. Everything a person can do goes through here; nothing above it talks to the
 * network or the database directly.
 */

#pragma once

#include <gio/gio.h>

#include "pm-api.h"
#include "pm-bill.h"
#include "pm-ledger.h"
#include "pm-ledger-model.h"
#include "pm-profile.h"

G_BEGIN_DECLS

typedef enum
{
  PM_BILL_ACTION_REFRESH,
  PM_BILL_ACTION_RESEND,
  PM_BILL_ACTION_DESTROY, /* void an unpaid bill */
  PM_BILL_ACTION_CANCEL,  /* refund a paid bill */
  PM_BILL_ACTION_COPY_LINK,
  PM_BILL_ACTION_SEND_AGAIN, /* send a not-sent bill (API.md §5): same bill_id, user's word */
} PmBillAction;

/* Whether @action is valid for @bill at @now (unix UTC): the UI offers only these. */
gboolean pm_bill_action_allowed (PmBill       *bill,
                                 PmBillAction  action,
                                 gint64        now);

#define PM_TYPE_SERVICE (pm_service_get_type ())
G_DECLARE_FINAL_TYPE (PmService, pm_service, PM, SERVICE, GObject)

/* Opens (or creates) the ledger at @ledger_path; NULL means the user's data folder
 * ($XDG_DATA_HOME/paymint-desk/ledger.db). */
PmService     *pm_service_new                (const char           *ledger_path,
                                              GError              **error);
char          *pm_service_default_ledger_path (void);
/* Whether a profile's shop ledger (pm_profile_get_shop_ledger) replaces the ledger the
 * service was made with while that profile is in use (the app: yes; paymint-cli: unless
 * --ledger names one). See the "ledger" property. */
void           pm_service_set_follow_shop_ledger (PmService *self,
                                                  gboolean   follow);

PmLedger      *pm_service_get_ledger         (PmService            *self);

/* The active connection; NULL for none. The service keeps its own copy. */
void           pm_service_set_profile        (PmService            *self,
                                              PmProfile            *profile);
PmProfile     *pm_service_get_profile        (PmService            *self);
const char    *pm_service_get_profile_id     (PmService            *self);
void           pm_service_set_timeout        (PmService            *self,
                                              guint                 seconds);

/* The ledger failing. When a write to the ledger fails (a full disk, a folder that
 * cannot be written, a database another program keeps locked), sending pauses: no new
 * intent is written, no request leaves, and every send and every recorded action
 * (void, refund, resend, send again) fails at once with PM_ERROR_STORAGE; reads and
 * refreshes go on. "storage-error" (a string property) then holds what failed, a
 * sentence for the clerk, and is NULL again once pm_service_retry_storage() has
 * committed a test write; it then reconciles the intents whose outcome could not be
 * written. Retry returns FALSE (PM_ERROR_STORAGE, the reason now) while it still fails.
 *
 * Outside changes. "ledger-changed" (no arguments) is emitted on the main context when
 * another process or connection changed the ledger — paymint-cli, a second window, a
 * timer — within a second of its commit: reload rows, totals and the empty state
 * together. Changes made through this service are not announced there (the ledger's
 * "bill-added"/"bill-changed"/"bill-removed" signals tell of them). */
const char    *pm_service_get_storage_error  (PmService            *self);
gboolean       pm_service_retry_storage      (PmService            *self,
                                              GError              **error);

/* Live status. */
void           pm_service_set_polling        (PmService            *self,
                                              gboolean              enabled,
                                              guint                 concurrency);
gboolean       pm_service_get_online         (PmService            *self);

/* Reconciles the intents the last run left without a definite outcome, then starts
 * polling. @n_unsettled: how many are still unknown afterwards. */
void           pm_service_start_async        (PmService            *self,
                                              GCancellable         *cancellable,
                                              GAsyncReadyCallback   callback,
                                              gpointer              user_data);
gboolean       pm_service_start_finish       (PmService            *self,
                                              GAsyncResult         *result,
                                              guint                *n_unsettled,
                                              GError              **error);

/* Connection check for onboarding: the licenses @candidate's key gives. */
void           pm_service_check_connection_async  (PmService       *self,
                                                   PmProfile       *candidate,
                                                   GCancellable    *cancellable,
                                                   GAsyncReadyCallback callback,
                                                   gpointer         user_data);
GPtrArray     *pm_service_check_connection_finish (PmService       *self,
                                                   GAsyncResult    *result,
                                                   GError         **error);

/* Bills. Each completes with the bill as now recorded (transfer full). */
void           pm_service_send_async         (PmService            *self,
                                              PmBill               *draft,
                                              GCancellable         *cancellable,
                                              GAsyncReadyCallback   callback,
                                              gpointer              user_data);
PmBill        *pm_service_send_finish        (PmService            *self,
                                              GAsyncResult         *result,
                                              GError              **error);
/* Bulk sends: write many intents durably in one transaction (all or none), then send
 * each with pm_service_send_intent_async (finish: pm_service_send_finish). */
GPtrArray     *pm_service_write_intents      (PmService            *self,
                                              GPtrArray            *drafts,
                                              GError              **error);
void           pm_service_send_intent_async  (PmService            *self,
                                              PmBill               *intent,
                                              GCancellable         *cancellable,
                                              GAsyncReadyCallback   callback,
                                              gpointer              user_data);
void           pm_service_bill_action_async  (PmService            *self,
                                              const char           *bill_id,
                                              PmBillAction          action,
                                              GCancellable         *cancellable,
                                              GAsyncReadyCallback   callback,
                                              gpointer              user_data);
PmBill        *pm_service_bill_action_finish (PmService            *self,
                                              GAsyncResult         *result,
                                              GError              **error);
/* Sends a bill in the state not sent (a read proved it was never created; nothing was
 * charged) again, with its own bill_id, now that the user asks: the same as
 * pm_service_bill_action_async with PM_BILL_ACTION_SEND_AGAIN. */
void           pm_service_send_again_async   (PmService            *self,
                                              const char           *bill_id,
                                              GCancellable         *cancellable,
                                              GAsyncReadyCallback   callback,
                                              gpointer              user_data);
PmBill        *pm_service_send_again_finish  (PmService            *self,
                                              GAsyncResult         *result,
                                              GError              **error);
guint          pm_service_refresh_all        (PmService            *self);

/* Queries, always within the active profile. */
PmBill        *pm_service_lookup             (PmService            *self,
                                              const char           *bill_id,
                                              GError              **error);
GPtrArray     *pm_service_list_events        (PmService            *self,
                                              const char           *bill_id,
                                              GError              **error);
PmLedgerModel *pm_service_create_model       (PmService            *self,
                                              const PmLedgerQuery  *query);
/* The same, counted off the main thread: only the first page until
 * pm_ledger_model_totals_async() gives the size (pm-ledger-model.h). */
PmLedgerModel *pm_service_create_model_deferred (PmService           *self,
                                                 const PmLedgerQuery *query);
/* A store of the monthly plans kept in this service's ledger (new reference). */
typedef struct _PmPlanStore PmPlanStore;
PmPlanStore   *pm_service_open_plan_store   (PmService            *self,
                                             GError              **error);
void           pm_service_scope_query        (PmService            *self,
                                              PmLedgerQuery        *query);
gboolean       pm_service_totals             (PmService            *self,
                                              const PmLedgerQuery  *query,
                                              PmLedgerTotals       *totals,
                                              GError              **error);
gboolean       pm_service_export_csv         (PmService            *self,
                                              const PmLedgerQuery  *query,
                                              const char           *path,
                                              guint64              *n_rows,
                                              GCancellable         *cancellable,
                                              GError              **error);
GPtrArray     *pm_service_recent_payers      (PmService            *self,
                                              const char           *prefix,
                                              guint                 limit,
                                              GError              **error);

/* AutoPay. */
void           pm_service_autopay_register_async  (PmService       *self,
                                                   const char      *name,
                                                   const char      *phone,
                                                   const char      *product,
                                                   const char      *message,
                                                   GCancellable    *cancellable,
                                                   GAsyncReadyCallback callback,
                                                   gpointer         user_data);
PmSendResult  *pm_service_autopay_register_finish (PmService       *self,
                                                   GAsyncResult    *result,
                                                   GError         **error);
void           pm_service_autopay_methods_async   (PmService       *self,
                                                   const char      *phone,
                                                   GCancellable    *cancellable,
                                                   GAsyncReadyCallback callback,
                                                   gpointer         user_data);
GPtrArray     *pm_service_autopay_methods_finish  (PmService       *self,
                                                   GAsyncResult    *result,
                                                   GError         **error);
void           pm_service_autopay_manage_async    (PmService       *self,
                                                   const char      *phone,
                                                   const char      *method_id,
                                                   GCancellable    *cancellable,
                                                   GAsyncReadyCallback callback,
                                                   gpointer         user_data);
PmSendResult  *pm_service_autopay_manage_finish   (PmService       *self,
                                                   GAsyncResult    *result,
                                                   GError         **error);
void           pm_service_autopay_delete_async    (PmService       *self,
                                                   const char      *phone,
                                                   const char      *method_id,
                                                   GCancellable    *cancellable,
                                                   GAsyncReadyCallback callback,
                                                   gpointer         user_data);
PmSendResult  *pm_service_autopay_delete_finish   (PmService       *self,
                                                   GAsyncResult    *result,
                                                   GError         **error);
/* A charge is a bill (kind AUTOPAY, method-id set) under the same no-double-charge
 * rule as any send; use pm_service_send_async with such a draft. */
GPtrArray     *pm_service_list_payers        (PmService            *self,
                                              GError              **error);

G_END_DECLS
