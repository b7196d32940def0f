/* pm-test-util.h — what every test program shares
 *
 * Copyright 2026 The Paymint Desk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* g_test_init() plus a private HOME and XDG directories under a fresh temporary
 * folder, removed at exit; returns that folder. */
const char *pm_test_init (int    *argc,
                          char ***argv);

/* Spin the default main context until *@flag is TRUE or @timeout_ms passes;
 * returns *@flag. */
gboolean    pm_test_wait_flag (const gboolean *flag,
                               guint           timeout_ms);

/* Run the default main context for @ms milliseconds. */
void        pm_test_spin       (guint ms);

/* Run it until @done (@data) holds, asserting that it does within @timeout_ms. */
void        pm_test_spin_until (gboolean (*done) (gpointer),
                                gpointer   data,
                                guint      timeout_ms);

/* Owns org.freedesktop.Notifications on the session bus, as a desktop's notification
 * server would, and keeps the summary of every notification it is asked to show.
 * Returns that array (owned by the server; it lives for the whole test run). */
GPtrArray  *pm_test_start_notification_server (void);

/* Every regular file under @dir, recursively (paths, newly allocated). */
GPtrArray  *pm_test_list_files (const char *dir);

G_END_DECLS
