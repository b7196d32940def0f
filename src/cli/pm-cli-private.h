/* pm-cli-private.h — what the command groups of paymint-cli share
 *
 * Copyright 2026 The Paymint Desk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "pm-bill.h"
#include "pm-sandbox.h"
#include "pm-service.h"

G_BEGIN_DECLS

/* The documented exit codes. */
enum
{
  PM_CLI_EXIT_OK = 0,
  PM_CLI_EXIT_USAGE = 1,     /* bad arguments or bad input: nothing was sent */
  PM_CLI_EXIT_REJECTED = 2,  /* definitely not done: the server refused, or it could not be done */
  PM_CLI_EXIT_UNKNOWN = 3,   /* maybe done: the outcome is not known yet */
  PM_CLI_EXIT_AUTH = 4,      /* API key, license or balance */
};

/* The built-in Sandbox profile, the same as the desktop app's. */
#define PM_CLI_SANDBOX_PROFILE_UUID "5a4db0c5-0000-4000-8000-000000000001"

typedef struct
{
  /* global options */
  gboolean    use_sandbox;
  char       *sandbox_url;
  char       *profile_name;
  char       *ledger_path;
  gboolean    quiet;

  /* opened by pm_cli_open () */
  PmService  *service;
  PmSandbox  *sandbox;
} PmCli;

typedef int (*PmCliCommandFunc) (PmCli  *cli,
                                 int     argc,
                                 char  **argv);

/* Parses @argv with @context plus the global options. Returns FALSE after printing the
 * error (usage: exit 1). The value of an option that is not valid UTF-8 text is refused
 * here, naming the option ("--name: not valid UTF-8 text"), except for file-name options;
 * operands are left as they are (a file name may be any bytes). */
gboolean     pm_cli_parse              (PmCli           *cli,
                                        GOptionContext  *context,
                                        int             *argc,
                                        char          ***argv);
/* Prints "paymint-cli COMMAND: message" and a hint to --help; returns PM_CLI_EXIT_USAGE. */
int          pm_cli_usage              (const char      *command,
                                        const char      *format,
                                        ...) G_GNUC_PRINTF (2, 3);
/* Prints @error (and the server's own text when it says more) on stderr and returns the
 * exit code it maps to. */
int          pm_cli_report_error       (const char      *what,
                                        const GError    *error);
int          pm_cli_exit_code_for_error (const GError   *error);

/* Opens the ledger and (when @need_connection) picks the connection: --sandbox,
 * --sandbox-url, --profile, the app's active profile, or the only one there is.
 * Returns PM_CLI_EXIT_OK or the exit code after printing why. */
int          pm_cli_open               (PmCli           *cli,
                                        gboolean         need_connection);
void         pm_cli_close              (PmCli           *cli);

/* Async helpers: pass pm_cli_store_result_cb with &result, then pm_cli_wait (&result). */
void         pm_cli_store_result_cb    (GObject         *object,
                                        GAsyncResult    *result,
                                        gpointer         user_data);
void         pm_cli_wait               (GAsyncResult   **result);

/* Output. */
gboolean     pm_cli_stdin_is_tty       (void);
JsonNode    *pm_cli_bill_to_json       (PmBill          *bill);
void         pm_cli_print_json         (JsonNode        *node);
void         pm_cli_print_bill         (PmBill          *bill);
/* The end of a send (send, send-again): the bill, or the error with what it means for
 * the bill (unknown: check later; otherwise nothing was created). Returns the exit status. */
int         pm_cli_finish_send               (PmBill       *bill,
                                              const GError *error,
                                              const char   *bill_id,
                                              gboolean      json);
char        *pm_cli_format_time        (gint64           unix_utc);
/* "2026-11-30" in Korea time, @days after today. */
char        *pm_cli_korea_date_in      (int              days);
/* Parses "YYYY-MM-DD" (Korea time) to the unix time of its midnight. */
gboolean     pm_cli_parse_date         (const char      *text,
                                        gint64          *unix_utc);

/* Reads one line of secret text: from the terminal without echo (prompting with
 * @prompt on stderr), or from stdin when it is not a terminal. NULL at end of input. */
char        *pm_cli_read_secret        (const char      *prompt,
                                        GError         **error);

/* Pads @text with spaces to @width terminal columns (wide Hangul counts two). */
void         pm_cli_append_padded      (GString         *out,
                                        const char      *text,
                                        int              width);

/* Sends @draft (its bill id already set) and prints the outcome; returns the exit code. */
int          pm_cli_send_draft         (PmCli           *cli,
                                        PmBill          *draft,
                                        gboolean         json);

/* Command groups. */
int pm_cli_cmd_profiles  (PmCli *cli, int argc, char **argv);
int pm_cli_cmd_licenses  (PmCli *cli, int argc, char **argv);
int pm_cli_cmd_send      (PmCli *cli, int argc, char **argv);
int pm_cli_cmd_read      (PmCli *cli, int argc, char **argv);
int pm_cli_cmd_cancel    (PmCli *cli, int argc, char **argv);
int pm_cli_cmd_destroy   (PmCli *cli, int argc, char **argv);
int pm_cli_cmd_resend    (PmCli *cli, int argc, char **argv);
int pm_cli_cmd_send_again (PmCli *cli, int argc, char **argv);
int pm_cli_cmd_refresh   (PmCli *cli, int argc, char **argv);
int pm_cli_cmd_list      (PmCli *cli, int argc, char **argv);
int pm_cli_cmd_export    (PmCli *cli, int argc, char **argv);
int pm_cli_cmd_bulk_send (PmCli *cli, int argc, char **argv);
int pm_cli_cmd_autopay   (PmCli *cli, int argc, char **argv);
int pm_cli_cmd_receipt   (PmCli *cli, int argc, char **argv);
int pm_cli_cmd_plans     (PmCli *cli, int argc, char **argv);

G_END_DECLS
