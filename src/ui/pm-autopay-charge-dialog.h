/* pm-autopay-charge-dialog.h — charge a registered card: payer, card, amount, reason
 *
 * Copyright 2026 The Paymint Desk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "pm-service.h"

G_BEGIN_DECLS

#define PM_TYPE_AUTOPAY_CHARGE_DIALOG (pm_autopay_charge_dialog_get_type ())
G_DECLARE_FINAL_TYPE (PmAutopayChargeDialog, pm_autopay_charge_dialog, PM,
                      AUTOPAY_CHARGE_DIALOG, AdwWindow)

/* Emits "charged" (the bill as recorded or NULL, whether it went through, the text to
 * tell the user) when a charge ends; closes itself unless it was definitely refused. */
GtkWidget *pm_autopay_charge_dialog_new        (PmService             *service);
/* The cards offered, in order; @card is how the card is shown ("신한카드 ****1234"). */
void       pm_autopay_charge_dialog_add_method (PmAutopayChargeDialog *self,
                                                const char            *name,
                                                const char            *phone,
                                                const char            *method_id,
                                                const char            *card);
void       pm_autopay_charge_dialog_select     (PmAutopayChargeDialog *self,
                                                const char            *phone,
                                                const char            *method_id);
/* Whether a charge is on the wire (the Charge button is locked meanwhile). */
gboolean   pm_autopay_charge_dialog_get_busy   (PmAutopayChargeDialog *self);

G_END_DECLS
