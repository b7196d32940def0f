/* pm-ui.c
 *
 * Copyright 2026 The Paymint Desk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "pm-ui.h"
#include "pm-resources.h"

/**
 * pm_ui_ensure_resources:
 *
 * Registers the app's GResource (the .ui templates, style.css, icons). libpmui is a
 * static library, so the resource is registered by hand rather than by a constructor
 * the linker might drop. Widgets call this from class_init; it runs once.
 */
void
pm_ui_ensure_resources (void)
{
  static gsize once;

  if (g_once_init_enter (&once))
    {
      pm_register_resource ();
      g_once_init_leave (&once, 1);
    }
}
