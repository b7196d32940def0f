/* pm-application.h
 *
 * Copyright 2026 The Paymint Desk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "pm-sandbox.h"
#include "pm-service.h"

G_BEGIN_DECLS

#define PM_TYPE_APPLICATION (pm_application_get_type ())
G_DECLARE_FINAL_TYPE (PmApplication, pm_application, PM, APPLICATION, AdwApplication)

PmApplication *pm_application_new          (void);
GSettings     *pm_application_get_settings      (PmApplication *self);
PmService     *pm_application_get_service       (PmApplication *self);
const GError  *pm_application_get_service_error (PmApplication *self);
void           pm_application_set_use_sandbox   (PmApplication *self,
                                                 gboolean       use_sandbox);
/* The sandbox in this process (tests), NULL when the sandbox is the shared one. */
PmSandbox     *pm_application_get_sandbox       (PmApplication *self);
/* The sandbox in use, in this process or shared; NULL when none runs. */
char          *pm_application_dup_sandbox_url   (PmApplication *self);
void           pm_application_set_shared_sandbox (PmApplication *self,
                                                  gboolean       shared);
guint          pm_application_get_n_notifications (PmApplication *self);

/* The uuid of the built-in Sandbox profile. */
#define PM_APPLICATION_SANDBOX_PROFILE_UUID "5a4db0c5-0000-4000-8000-000000000001"

/* Makes @profile (NULL: none) the active connection and remembers it for the next start;
 * a profile with the Sandbox uuid starts the built-in sandbox when it is not running. */
void           pm_application_switch_profile    (PmApplication *self,
                                                 PmProfile     *profile);

G_END_DECLS
