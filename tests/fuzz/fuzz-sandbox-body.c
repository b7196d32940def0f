/* fuzz-sandbox-body.c — libFuzzer harness for the sandbox's request-body reader
 *
 * Copyright 2026 The Paymint Desk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * parse_body () in src/sandbox/pm-sandbox-http.c is static, so every input goes over
 * loopback HTTP to an in-process sandbox (one server thread): one byte chooses the
 * route, the rest is the JSON body. The reply must be JSON, and never a 5xx.
 */

#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "pm-fuzz-targets.h"

int LLVMFuzzerInitialize (int *argc, char ***argv);
int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static void
stop_at_exit (void)
{
  pm_fuzz_sandbox_stop ();
}

int
LLVMFuzzerInitialize (int    *argc,
                      char ***argv)
{
  g_autoptr(GError) error = NULL;

  pm_fuzz_init ();
  if (!pm_fuzz_sandbox_start (&error))
    g_error ("could not start the sandbox: %s", error->message);
  atexit (stop_at_exit);
  return 0;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  pm_fuzz_sandbox_body (data, size);
  return 0;
}
