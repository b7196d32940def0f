/* pm-ui.h — what every widget of libpmui needs once
 *
 * Copyright 2026 The Paymint Desk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

void pm_ui_ensure_resources (void);

G_END_DECLS
