/* pm-storage-banner.h — "the payments database cannot be written": what failed, what to do
 *
 * Copyright 2026 The Paymint Desk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A bar across the window, shown while PmService:storage-error is set (a write to the
 * ledger failed, so sending is paused): what failed, what the clerk can do, and a Retry
 * button (the "storage.retry" action) that calls pm_service_retry_storage(). It hides
 * itself once writes work again. (libadwaita 1.2 has no AdwBanner; this is a GtkInfoBar.)
 */

#pragma once

#include <gtk/gtk.h>

#include "pm-service.h"

G_BEGIN_DECLS

#define PM_TYPE_STORAGE_BANNER (pm_storage_banner_get_type ())
G_DECLARE_FINAL_TYPE (PmStorageBanner, pm_storage_banner, PM, STORAGE_BANNER, GtkWidget)

GtkWidget  *pm_storage_banner_new         (PmService       *service);
/* The service whose "storage-error" it shows (NULL: none, the banner stays hidden). */
void        pm_storage_banner_set_service (PmStorageBanner *self,
                                           PmService       *service);
PmService  *pm_storage_banner_get_service (PmStorageBanner *self);
/* What it says now (title, detail, advice joined by newlines), "" while hidden. */
char       *pm_storage_banner_dup_text    (PmStorageBanner *self);

G_END_DECLS
