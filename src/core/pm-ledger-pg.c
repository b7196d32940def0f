/* pm-ledger-pg.c — the PostgreSQL backend of the ledger (a shop's shared ledger)
 *
 * Copyright 2026 The Paymint Desk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "pm-ledger-backend.h"
#include "pm-ledger-private.h"

#include "pm-error.h"

#include <glib/gi18n-lib.h>

gboolean
pm_ledger_pg_open (PmLedger    *self,
                   const char  *uri,
                   const char  *password,
                   GError     **error)
{
  g_set_error (error, PM_ERROR, PM_ERROR_STORAGE,
               _("This build cannot open a shop ledger yet"));
  return FALSE;
}
