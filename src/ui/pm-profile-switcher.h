/* pm-profile-switcher.h — the header-bar button that switches the active connection
 *
 * Copyright 2026 The Paymint Desk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gtk/gtk.h>

#include "pm-application.h"

G_BEGIN_DECLS

#define PM_TYPE_PROFILE_SWITCHER (pm_profile_switcher_get_type ())
G_DECLARE_FINAL_TYPE (PmProfileSwitcher, pm_profile_switcher, PM, PROFILE_SWITCHER, GtkWidget)

/* A menu button named after the active profile; its popover lists the profiles in the
 * keyring plus the built-in Sandbox, and "Add Connection…" (app.add-connection).
 * Picking one calls pm_application_switch_profile(). The application is found through
 * the window once the switcher is shown, or set with pm_profile_switcher_set_application. */
GtkWidget  *pm_profile_switcher_new             (void);
void        pm_profile_switcher_set_application (PmProfileSwitcher *self,
                                                 PmApplication     *application);
/* Reads the saved connections again: the popover does so each time it opens, and the
 * switcher whenever one is saved or deleted through the service. */
void        pm_profile_switcher_reload          (PmProfileSwitcher *self);
gboolean    pm_profile_switcher_get_loading     (PmProfileSwitcher *self);
GtkListBox *pm_profile_switcher_get_list        (PmProfileSwitcher *self);

G_END_DECLS
