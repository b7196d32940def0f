/* pm-poller.h — live status: read calls on a backoff schedule, with a concurrency cap
 *
 * Copyright 2026 The Paymint Desk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "pm-bill.h"
#include "pm-client.h"
#include "pm-ledger.h"

G_BEGIN_DECLS

typedef struct _PmSender PmSender;

#define PM_POLLER_DEFAULT_CONCURRENCY 4

#define PM_TYPE_POLLER (pm_poller_get_type ())
G_DECLARE_FINAL_TYPE (PmPoller, pm_poller, PM, POLLER, GObject)

PmPoller *pm_poller_new               (PmClient            *client,
                                       PmLedger            *ledger,
                                       PmSender            *sender);
void      pm_poller_set_client        (PmPoller            *self,
                                       PmClient            *client);

/* Only bills of this profile are polled (the client speaks for one profile). */
void      pm_poller_set_profile_id    (PmPoller            *self,
                                       const char          *profile_id);
void      pm_poller_set_enabled       (PmPoller            *self,
                                       gboolean             enabled);
gboolean  pm_poller_get_enabled       (PmPoller            *self);
void      pm_poller_set_concurrency   (PmPoller            *self,
                                       guint                concurrency);
guint     pm_poller_get_concurrency   (PmPoller            *self);
gboolean  pm_poller_get_online        (PmPoller            *self);
guint     pm_poller_get_n_in_flight   (PmPoller            *self);
guint     pm_poller_get_n_queued      (PmPoller            *self);

/* Reads one bill now (whatever its schedule) and completes with it updated. */
void      pm_poller_refresh_bill_async  (PmPoller          *self,
                                         const char        *bill_id,
                                         GCancellable      *cancellable,
                                         GAsyncReadyCallback callback,
                                         gpointer           user_data);
PmBill   *pm_poller_refresh_bill_finish (PmPoller          *self,
                                         GAsyncResult      *result,
                                         GError           **error);

/* Queues every non-final bill of the profile for a read now; returns how many. */
guint     pm_poller_refresh_all       (PmPoller            *self);
/* The ledger was changed by another process: look again at when the next bill is due. */
void      pm_poller_reschedule          (PmPoller             *self);

G_END_DECLS
