/* pm-send-dialog.h — the New Request form
 *
 * Copyright 2026 The Paymint Desk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "pm-send-form.h"
#include "pm-service.h"

G_BEGIN_DECLS

#define PM_TYPE_SEND_DIALOG (pm_send_dialog_get_type ())
G_DECLARE_FINAL_TYPE (PmSendDialog, pm_send_dialog, PM, SEND_DIALOG, AdwWindow)

/* A modal form, transient for @parent (nullable), that sends one payment request
 * through @service. It opens with the request the clerk left unsent (the draft), and
 * asks before a filled form is closed without sending. Signals:
 *   "sent" (PmBill *bill, const char *message): the request left the form, with the bill
 *     as recorded (unpaid, or "checking" when its outcome is not known yet) and a
 *     sentence for a toast. When @parent is the app's window the toast is shown there.
 * The form closes itself after "sent". */
GtkWidget  *pm_send_dialog_new      (PmService    *service,
                                     GtkWindow    *parent);
/* The rules the form follows, for tests and callers that fill it in. (transfer none) */
PmSendForm *pm_send_dialog_get_form (PmSendDialog *self);

G_END_DECLS
