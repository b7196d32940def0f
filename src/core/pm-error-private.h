/* pm-error-private.h — setting the detail of a PM_ERROR error
 *
 * Copyright 2026 The Paymint Desk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "pm-error.h"

G_BEGIN_DECLS

void pm_error_set_http_status (GError     *error,
                               guint       status);
void pm_error_set_result_code (GError     *error,
                               const char *result_code);
void pm_error_set_maybe_done  (GError     *error,
                               gboolean    maybe_done);
void pm_error_set_server_text (GError     *error,
                               const char *server_text);

G_END_DECLS
