/* pm-shared-sandbox.h — one sandbox per user, shared by the app and the CLI
 *
 * Copyright 2026 The Paymint Desk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * `paymint-desk --sandbox` and `paymint-cli --sandbox` use ONE simulated server: a
 * `paymint-sandbox --shared` process of its own. The first user starts it, the others
 * join it; it outlives neither its last user nor a crash of one of them.
 *
 * Where (the runtime folder is $XDG_RUNTIME_DIR/paymint-desk, g_get_user_runtime_dir()):
 *   sandbox.json         the server's address: {"url", "pid", "state-file"}, written by the
 *                        server once it listens, removed when it stops
 *   sandbox-users/PID    one file per process using it (inside: the process's start time,
 *                        so a reused process id is not taken for a live user)
 *   sandbox.log          what the server had to say (it has no terminal)
 * and its state in $XDG_DATA_HOME/paymint-desk/sandbox-state.json, which only the server
 * holding its lock ("sandbox-state.json.lock", see pm_sandbox_set_state_file()) writes.
 *
 * Joining: register (the users file) first, then read sandbox.json and ask the address
 * for /health. No answer (none published, or a stale file left by a crash): start
 * `paymint-sandbox --shared`, detached in a session of its own, and wait for the address
 * it prints. Two users starting at once start two servers; the state-file lock lets one
 * serve, the other exits with PM_SHARED_SANDBOX_EXIT_BUSY and its user joins the winner.
 *
 * Serving (pm_shared_sandbox_serve()): every half second the server forgets users files
 * whose process is gone (a normal exit or a crash: kill (pid, 0) and the start time);
 * when none is left for PM_SHARED_SANDBOX_LINGER_MS it withdraws sandbox.json, looks at
 * the users once more (a user registers before it reads the address, so none can slip
 * between) and stops.
 *
 * The program is found by: $PAYMINT_SANDBOX_PROGRAM; beside the running program (as
 * installed, and in the build tree: src/sandbox/); the install bindir; $PATH.
 */

#pragma once

#include <gio/gio.h>

#include "pm-sandbox.h"

G_BEGIN_DECLS

/* paymint-sandbox --shared exits with this when another server owns the state file. */
#define PM_SHARED_SANDBOX_EXIT_BUSY 75
/* How long the server stays after its last user is gone. */
#define PM_SHARED_SANDBOX_LINGER_MS 3000

/* The simulated payers every user of the shared sandbox gets (the app's and the CLI's
 * sandbox always had these): most pay within a few minutes, some never do. */
#define PM_SHARED_SANDBOX_PAY_SHARE     0.7
#define PM_SHARED_SANDBOX_PAY_MIN_S     20
#define PM_SHARED_SANDBOX_PAY_MAX_S     240
#define PM_SHARED_SANDBOX_DECLINE_SHARE 0.1
#define PM_SHARED_SANDBOX_AUTOPAY_S     30

#define PM_TYPE_SHARED_SANDBOX (pm_shared_sandbox_get_type ())
G_DECLARE_FINAL_TYPE (PmSharedSandbox, pm_shared_sandbox, PM, SHARED_SANDBOX, GObject)

/* Joins the user's shared sandbox, starting it when none answers (this blocks for as
 * long as that takes: a fraction of a second, at most about 15 s). This process stays a
 * user of it until the last PmSharedSandbox it holds is finalized (or it exits).
 * Errors are for people (translated): G_IO_ERROR_NOT_FOUND without the program, else
 * G_IO_ERROR_FAILED / G_IO_ERROR_TIMED_OUT. */
PmSharedSandbox *pm_shared_sandbox_join           (GError         **error);
/* http://127.0.0.1:PORT/api/v1 */
const char      *pm_shared_sandbox_get_base_url   (PmSharedSandbox *self);
/* The server's process id, and whether this join started it. */
GPid             pm_shared_sandbox_get_server_pid (PmSharedSandbox *self);
gboolean         pm_shared_sandbox_get_started    (PmSharedSandbox *self);

/* Paths (newly allocated): the runtime folder, the published address, the state file. */
char            *pm_shared_sandbox_dup_runtime_dir (void);
char            *pm_shared_sandbox_dup_address_path (void);
char            *pm_shared_sandbox_dup_state_path  (void);

/* paymint-sandbox --shared: publishes @sandbox's address (it listens already, its state
 * file @state_path set and so locked), prints it as the first line on stdout (then
 * stdout goes to /dev/null), and runs @loop until no user is left (or someone quits
 * @loop: SIGTERM). On return sandbox.json is withdrawn; the caller stops @sandbox. */
gboolean         pm_shared_sandbox_serve          (PmSandbox       *sandbox,
                                                   const char      *state_path,
                                                   GMainLoop       *loop,
                                                   GError         **error);

G_END_DECLS
