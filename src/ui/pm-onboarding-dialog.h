/* pm-onboarding-dialog.h — add a connection: address, key, license, mode, name
 *
 * Copyright 2026 The Paymint Desk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "pm-application.h"

G_BEGIN_DECLS

#define PM_TYPE_ONBOARDING_DIALOG (pm_onboarding_dialog_get_type ())
G_DECLARE_FINAL_TYPE (PmOnboardingDialog, pm_onboarding_dialog, PM, ONBOARDING_DIALOG, AdwWindow)

/* A modal dialog that checks the deployment's key, lets the person pick a license and a
 * mode, stores the profile in the keyring and makes it the active one. It closes itself
 * once the profile is saved; "saved" is emitted first. Widget actions (for the buttons
 * and for tests): onboarding.next (Check / Next / Save), onboarding.back,
 * onboarding.use-sandbox, onboarding.test-shop-ledger (the shop ledger's Test). Sets both "application" and "transient-for" (@parent, may be
 * NULL); the app is read back from the window. */
PmOnboardingDialog *pm_onboarding_dialog_new      (PmApplication      *application,
                                                   GtkWindow          *parent);

/* "connect", "license" or "details". */
const char         *pm_onboarding_dialog_get_page (PmOnboardingDialog *self);
/* Whether a check or a save is in progress. */
gboolean            pm_onboarding_dialog_get_busy (PmOnboardingDialog *self);

G_END_DECLS
