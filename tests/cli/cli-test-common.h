/* cli-test-common.h — running paymint-cli from the tests
 *
 * Copyright 2026 The Paymint Desk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "pm-sandbox.h"

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

/* A sandbox on a free port (seeded; nobody pays unless a test says so) and a ledger path
 * in a new temporary folder: what most paymint-cli tests run against. */
typedef struct
{
  PmSandbox *sandbox;
  char      *url;
  char      *dir;
  char      *ledger;
} CliSandbox;

void         cli_sandbox_start (CliSandbox          *s,
                                guint32              seed,
                                const char          *dir_template);
/* Stops the sandbox and removes the folder and what the test left in it. */
void         cli_sandbox_stop  (CliSandbox          *s);
/* paymint-cli --sandbox-url URL --ledger PATH, then the arguments from @first to NULL,
 * with @input on stdin (NULL: empty); as cli_test_run(). */
int          cli_sandbox_run_valist (CliSandbox     *s,
                                     const char     *input,
                                     char          **out,
                                     char          **err,
                                     const char     *first,
                                     va_list         rest);

G_END_DECLS
