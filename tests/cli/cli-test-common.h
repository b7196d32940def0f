/* cli-test-common.h — running paymint-cli from the tests
 *
 * Copyright 2026 The Paymint Desk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* The built paymint-cli ($PM_BUILD_ROOT/src/cli/paymint-cli). */
const char  *cli_test_path   (void);

/* Runs paymint-cli with @argv (NULL-terminated, without the program), @input on stdin
 * (NULL: empty), in the test's environment (its private HOME and XDG dirs). Returns the
 * exit status; @out and @err (optional) get what it printed. A crash fails the test. */
int          cli_test_run    (const char * const  *argv,
                              const char          *input,
                              char               **out,
                              char               **err);
/* The same with the arguments as varargs, ending with NULL. */
int          cli_test_runv   (const char          *input,
                              char               **out,
                              char               **err,
                              const char          *first,
                              ...) G_GNUC_NULL_TERMINATED;

/* Starts paymint-cli without waiting (stdin a pipe left open, output discarded). */
GSubprocess *cli_test_spawn  (const char * const  *argv,
                              GError             **error);

G_END_DECLS
