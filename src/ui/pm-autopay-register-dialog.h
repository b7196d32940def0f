/* pm-autopay-register-dialog.h — register an AutoPay payer: name and phone, then the link
 *
 * Copyright 2026 The Paymint Desk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "pm-service.h"

G_BEGIN_DECLS

#define PM_TYPE_AUTOPAY_REGISTER_DIALOG (pm_autopay_register_dialog_get_type ())
G_DECLARE_FINAL_TYPE (PmAutopayRegisterDialog, pm_autopay_register_dialog, PM,
                      AUTOPAY_REGISTER_DIALOG, AdwWindow)

/* Emits "registered" (name, normalised phone, link or NULL) once the link is sent. */
GtkWidget  *pm_autopay_register_dialog_new      (PmService               *service);
/* The registration link shown after sending; NULL before. */
const char *pm_autopay_register_dialog_get_link (PmAutopayRegisterDialog *self);

G_END_DECLS
