/* pm-cli-send-again.c — paymint-cli send-again: send a request that was not sent
 *
 * Copyright 2026 The Paymint Desk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A bill in the state "not sent" was an intent whose outcome was unknown, later proved
 * never created, and too old to be sent again by itself (API.md §5): nothing was
 * charged, and it waits for a person's word. This command is that word. The service
 * sends it with its own bill_id, so it can still never become two bills.
 */

#include "config.h"

#include <glib/gi18n.h>

#include "pm-cli-private.h"
#include "pm-error.h"

int
pm_cli_cmd_send_again (PmCli  *cli,
                       int     argc,
                       char  **argv)
{
  g_autoptr(GOptionContext) context = g_option_context_new (_("BILL"));
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(PmBill) bill = NULL;
  gboolean json = FALSE;
  const char *bill_id;
  int status;
  const GOptionEntry entries[] = {
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, N_("Print the result as JSON"), NULL },
    { NULL }
  };

  g_option_context_set_summary (context,
                                _("Sends a payment request that was not sent, with its own "
                                  "bill id. A request is “Not sent” when its outcome was "
                                  "unknown, the server later showed it was never created "
                                  "(nothing was charged), and it had become too old to be "
                                  "sent again by itself. Bulk sends list such rows with their "
                                  "bill ids."));
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  if (!pm_cli_parse (cli, context, &argc, &argv))
    return PM_CLI_EXIT_USAGE;
  if (argc != 2)
    return pm_cli_usage (argv[0], "%s", _("Give exactly one bill id."));
  bill_id = argv[1];
  if (!pm_bill_check_bill_id (bill_id, &error))
    return pm_cli_usage (argv[0], "%s", error->message);
  if ((status = pm_cli_open (cli, TRUE)) != PM_CLI_EXIT_OK)
    return status;

  pm_service_send_again_async (cli->service, bill_id, NULL, pm_cli_store_result_cb, &result);
  pm_cli_wait (&result);
  bill = pm_service_send_again_finish (cli->service, result, &error);
  return pm_cli_finish_send (bill, error, bill_id, json);
}
