/* pm-service-profiles.h — saved connections and AutoPay payers, through the facade
 *
 * Copyright 2026 The Paymint Desk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The UI keeps its connections (profiles) and its AutoPay payer list through PmService,
 * never through pm-secrets or the ledger directly. Profiles live in the system keyring
 * (see pm-secrets.h); these calls add what the UI needs on top: one place that says
 * when the list of profiles changed, and user-facing errors that are a plain sentence
 * (the keyring's own detail goes to the debug log only).
 *
 * Errors: PM_ERROR_STORAGE (no keyring, a locked one, or the keyring refused: the
 * message says what to do), PM_ERROR_CANCELLED, PM_ERROR_INVALID.
 */

#pragma once

#include <gio/gio.h>

#include "pm-profile.h"
#include "pm-service.h"

G_BEGIN_DECLS

/* Every saved profile, sorted by name. Returns: (transfer container)
 * (element-type PmProfile) a GPtrArray that owns its profiles; empty when none. */
void        pm_service_list_profiles_async      (PmService            *self,
                                                 GCancellable         *cancellable,
                                                 GAsyncReadyCallback   callback,
                                                 gpointer              user_data);
GPtrArray  *pm_service_list_profiles_finish     (PmService            *self,
                                                 GAsyncResult         *result,
                                                 GError              **error);

/* The profile saved for @uuid; NULL without an error means: not saved. */
void        pm_service_lookup_profile_async     (PmService            *self,
                                                 const char           *uuid,
                                                 GCancellable         *cancellable,
                                                 GAsyncReadyCallback   callback,
                                                 gpointer              user_data);
PmProfile  *pm_service_lookup_profile_finish    (PmService            *self,
                                                 GAsyncResult         *result,
                                                 GError              **error);

/* Saves @profile (a copy is taken at the call), replacing the one with its uuid. On
 * success the profiles-changed callbacks run before @callback. It does not make the
 * profile active: pm_service_set_profile() does. */
void        pm_service_store_profile_async      (PmService            *self,
                                                 PmProfile            *profile,
                                                 GCancellable         *cancellable,
                                                 GAsyncReadyCallback   callback,
                                                 gpointer              user_data);
gboolean    pm_service_store_profile_finish     (PmService            *self,
                                                 GAsyncResult         *result,
                                                 GError              **error);

/* Removes the profile saved for @uuid (TRUE also when none was); on success the
 * profiles-changed callbacks run before @callback. The active profile is left alone:
 * the caller decides what replaces it. */
void        pm_service_delete_profile_async     (PmService            *self,
                                                 const char           *uuid,
                                                 GCancellable         *cancellable,
                                                 GAsyncReadyCallback   callback,
                                                 gpointer              user_data);
gboolean    pm_service_delete_profile_finish    (PmService            *self,
                                                 GAsyncResult         *result,
                                                 GError              **error);

/* Calls @callback (void (*) (GObject *object)) on @object whenever a profile is saved
 * or deleted through @self, until @object is finalized (g_signal_connect_object,
 * swapped). Returns the handler id; it belongs to an object private to @self, so
 * disconnect it only through pm_service_disconnect_profiles_changed(). */
gulong      pm_service_connect_profiles_changed    (PmService         *self,
                                                    GCallback          callback,
                                                    gpointer           object);
void        pm_service_disconnect_profiles_changed (PmService         *self,
                                                    gulong             handler_id);

/* Takes the payer with @phone off the active profile's AutoPay list in the ledger
 * (their cards, if any, stay with Payssam). TRUE also when no such payer was listed. */
gboolean    pm_service_remove_payer             (PmService            *self,
                                                 const char           *phone,
                                                 GError              **error);

/* Opens @profile's shop ledger in a worker thread as a desk would (creating the schema
 * if this is the first desk) and writes to it once: TRUE, or the reason it cannot be
 * used — an address that is not valid (PM_ERROR_INVALID, field "shop_ledger"), a
 * server that cannot be reached, a refused password, a server too old, a database of
 * another application (PM_ERROR_STORAGE, a sentence for the clerk). */
void        pm_service_test_shop_ledger_async  (PmService            *self,
                                                PmProfile            *profile,
                                                GCancellable         *cancellable,
                                                GAsyncReadyCallback   callback,
                                                gpointer              user_data);
gboolean    pm_service_test_shop_ledger_finish (PmService            *self,
                                                GAsyncResult         *result,
                                                GError              **error);

G_END_DECLS
