/* pm-secrets.h — connection profiles kept in the system keyring
 *
 * Copyright 2026 The Paymint Desk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Each profile is ONE item in the Secret Service (GNOME Keyring, KWallet, KeePassXC…):
 * its secret is pm_profile_to_json() (every connection field), its attributes are
 * { "profile": <uuid>, "app": BASE_ID } (plus the Secret Service's own "xdg:schema",
 * the schema name BASE_ID), and its label names the deployment
 * ("Paymint Desk: Shop (magic.example.run.app)") and never holds a key. Nothing is ever
 * written anywhere else: with no keyring service, or a keyring that stays locked, every
 * call fails with PM_ERROR_STORAGE and a sentence saying what to do.
 *
 * Errors: PM_ERROR_STORAGE (no keyring service, keyring locked, or the keyring refused),
 * PM_ERROR_CANCELLED when @cancellable was cancelled.
 */

#pragma once

#include <gio/gio.h>

#include "pm-profile.h"

G_BEGIN_DECLS

/* Creates the item for pm_profile_get_uuid (@profile), or replaces the secret and the
 * label of the item already stored for that uuid (one item per uuid). The profile is
 * copied at the call; it is not validated here. */
void        pm_secrets_store_async         (PmProfile            *profile,
                                            GCancellable         *cancellable,
                                            GAsyncReadyCallback   callback,
                                            gpointer              user_data);
gboolean    pm_secrets_store_finish        (GAsyncResult         *result,
                                            GError              **error);

/* The profile stored for @uuid. NULL without an error means: not stored. */
void        pm_secrets_lookup_async        (const char           *uuid,
                                            GCancellable         *cancellable,
                                            GAsyncReadyCallback   callback,
                                            gpointer              user_data);
PmProfile  *pm_secrets_lookup_finish       (GAsyncResult         *result,
                                            GError              **error);

/* Every profile of this app in the keyring (all collections), one per uuid, sorted by
 * display name. Returns: (transfer container) (element-type PmProfile) a GPtrArray that
 * owns its profiles; empty when none is stored. */
void        pm_secrets_list_async          (GCancellable         *cancellable,
                                            GAsyncReadyCallback   callback,
                                            gpointer              user_data);
GPtrArray  *pm_secrets_list_finish         (GAsyncResult         *result,
                                            GError              **error);

/* Removes every item stored for @uuid. TRUE also when nothing was stored. */
void        pm_secrets_delete_async        (const char           *uuid,
                                            GCancellable         *cancellable,
                                            GAsyncReadyCallback   callback,
                                            gpointer              user_data);
gboolean    pm_secrets_delete_finish       (GAsyncResult         *result,
                                            GError              **error);

/* The keyring item's label for @profile: "Paymint Desk: <name> (<deployment host>)".
 * Never contains a key. */
char       *pm_secrets_dup_label           (PmProfile            *profile);

G_END_DECLS
