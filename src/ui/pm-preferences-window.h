/* pm-preferences-window.h
 *
 * Copyright 2026 The Paymint Desk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "pm-application.h"

G_BEGIN_DECLS

#define PM_TYPE_PREFERENCES_WINDOW (pm_preferences_window_get_type ())
G_DECLARE_FINAL_TYPE (PmPreferencesWindow, pm_preferences_window, PM, PREFERENCES_WINDOW,
                      AdwPreferencesWindow)

/* Sets both "application" (so app. actions such as "Add Connection…" work in it) and
 * "transient-for" (@parent, may be NULL). The app is read back from the window. */
PmPreferencesWindow *pm_preferences_window_new (PmApplication *application,
                                                GtkWindow     *parent);

G_END_DECLS
