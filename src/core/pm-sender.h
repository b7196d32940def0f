/* pm-sender.h — the no-double-charge send/retry state machine (API.md §5)
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

/* How long after the user asked (an intent, or Send Again) a bill that a read proved was
 * never created may be sent again by itself (API.md §5): 15 minutes. */
#define PM_SENDER_AUTO_SEND_WINDOW (15 * 60)

#define PM_TYPE_SENDER (pm_sender_get_type ())
G_DECLARE_FINAL_TYPE (PmSender, pm_sender, PM, SENDER, GObject)

PmSender *pm_sender_new                 (PmClient             *client,
                                         PmLedger             *ledger);
void      pm_sender_set_client          (PmSender             *self,
                                         PmClient             *client);

/* How many requests one send or reconcile may write before it leaves the intent
 * unknown for a later reconciliation (default 3), and the pause between reads. */
void      pm_sender_set_max_sends       (PmSender             *self,
                                         guint                 max_sends);
void      pm_sender_set_retry_delay     (PmSender             *self,
                                         guint                 delay_ms);

/* Validates @draft, gives it a bill_id (unless it has one), writes the intent durably
 * (state queued) and only then sends it. Completes with the bill in its new state:
 * unpaid (or paid) on success; failed with an error when the server definitely
 * refused it; unknown with a maybe-done error when the outcome could not be learnt
 * yet (the intent stays in the ledger and is reconciled later). Nothing is written and
 * nothing is sent when the draft is invalid. */
void      pm_sender_send_async          (PmSender             *self,
                                         PmBill               *draft,
                                         GCancellable         *cancellable,
                                         GAsyncReadyCallback   callback,
                                         gpointer              user_data);
PmBill   *pm_sender_send_finish         (PmSender             *self,
                                         GAsyncResult         *result,
                                         GError              **error);

/* Group commit for many sends (bulk): validates every draft, gives each a bill_id unless
 * it has one, and writes all their intents in ONE durable transaction — all or none.
 * Returns the intents (state queued), in order; nothing is sent yet. */
GPtrArray *pm_sender_write_intents      (PmSender             *self,
                                         GPtrArray            *drafts,
                                         GError              **error);
/* Sends an intent written by pm_sender_write_intents() (same outcomes as
 * pm_sender_send_async; finish with pm_sender_send_finish). */
void      pm_sender_send_intent_async   (PmSender             *self,
                                         PmBill               *intent,
                                         GCancellable         *cancellable,
                                         GAsyncReadyCallback   callback,
                                         gpointer              user_data);

/* Brings one queued, sending or unknown intent to a definite state: read first; found
 * means adopt the server's state; not found means send again with the same bill_id.
 * A bill that is already settled, or has a request in flight, completes at once with
 * the bill as it stands. */
void      pm_sender_reconcile_async     (PmSender             *self,
                                         const char           *bill_id,
                                         GCancellable         *cancellable,
                                         GAsyncReadyCallback   callback,
                                         gpointer              user_data);
PmBill   *pm_sender_reconcile_finish    (PmSender             *self,
                                         GAsyncResult         *result,
                                         GError              **error);

/* Every unsettled intent of the ledger (on start), one after another. @n_unsettled
 * gets how many are still without a definite state afterwards. */
void      pm_sender_reconcile_all_async  (PmSender            *self,
                                          GCancellable        *cancellable,
                                          GAsyncReadyCallback  callback,
                                          gpointer             user_data);
gboolean  pm_sender_reconcile_all_finish (PmSender            *self,
                                          GAsyncResult        *result,
                                          guint               *n_unsettled,
                                          GError             **error);

gboolean  pm_sender_is_in_flight        (PmSender             *self,
                                         const char           *bill_id);
guint     pm_sender_get_n_in_flight     (PmSender             *self);

/* Why nothing was sent while sending is paused by @cause (a failed write to @ledger),
 * with what the clerk can do about it: a disk or folder on this desk, or the shop
 * ledger's server. */
GError     *pm_sender_paused_error_new (PmLedger     *ledger,
                                        const GError *cause);

G_END_DECLS
