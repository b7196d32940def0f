/* main.c
 *
 * Copyright 2026 The Paymint Desk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n.h>
#include <locale.h>

#include "pm-application.h"

int
main (int   argc,
      char *argv[])
{
  g_autoptr(PmApplication) app = NULL;

  setlocale (LC_ALL, "");
  /* build-aux/dev run points this at the build tree, so an uninstalled build speaks Korean */
  bindtextdomain (GETTEXT_PACKAGE, g_getenv ("PAYMINT_LOCALEDIR") != NULL
                                     ? g_getenv ("PAYMINT_LOCALEDIR") : LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  app = pm_application_new ();

  return g_application_run (G_APPLICATION (app), argc, argv);
}
