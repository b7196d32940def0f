/* pm-window.h
 *
 * Copyright 2026 The Paymint Desk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "pm-application.h"

G_BEGIN_DECLS

#define PM_TYPE_WINDOW (pm_window_get_type ())
G_DECLARE_FINAL_TYPE (PmWindow, pm_window, PM, WINDOW, AdwApplicationWindow)

PmWindow *pm_window_new        (PmApplication *application);
void       pm_window_add_toast          (PmWindow      *self,
                                        AdwToast      *toast);
GtkWidget *pm_window_get_payments_view (PmWindow      *self);
GtkWidget *pm_window_get_summary_view  (PmWindow      *self);
/* The Payments page showing the bills a ledger query selects with @states
 * (PmLedgerQuery.states) sent in [@created_from, @created_to) (unix UTC): what the
 * Summary page's unpaid-by-age rows lead to. */
void       pm_window_show_bills        (PmWindow      *self,
                                        guint          states,
                                        gint64         created_from,
                                        gint64         created_to);

G_END_DECLS
