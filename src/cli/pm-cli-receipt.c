/* pm-cli-receipt.c — paymint-cli receipt: the receipt of a paid bill as a PDF
 *
 * Copyright 2026 The Paymint Desk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The receipt is made from the ledger's record (no request leaves): the same PmReceipt
 * the window prints. `paymint-cli read BILL` first brings the record up to date.
 */

#include "config.h"

#include <glib/gi18n.h>

#include "pm-cli-private.h"
#include "pm-error.h"
#include "pm-receipt.h"

int
pm_cli_cmd_receipt (PmCli  *cli,
                    int     argc,
                    char  **argv)
{
  g_autoptr(GOptionContext) context = g_option_context_new (_("BILL"));
  g_autoptr(GError) error = NULL;
  g_autoptr(PmBill) bill = NULL;
  g_autoptr(GPtrArray) events = NULL;
  g_autoptr(PmReceipt) receipt = NULL;
  g_autofree char *pdf = NULL;
  g_autofree char *paper_name = NULL;
  g_autofree char *shown = NULL;
  PmReceiptPaper paper = PM_RECEIPT_PAPER_A4;
  const char *bill_id;
  int status;
  const GOptionEntry entries[] = {
    { "pdf", 0, 0, G_OPTION_ARG_FILENAME, &pdf, N_("Write the receipt to this PDF file"),
      N_("FILE") },
    { "paper", 0, 0, G_OPTION_ARG_STRING, &paper_name,
      N_("The paper: a4 (the default) or roll (80 mm wide, as long as needed)"),
      N_("PAPER") },
    { NULL }
  };

  g_option_context_set_summary (context,
                                _("Writes the receipt of a paid or refunded bill as a one-page "
                                  "PDF: the business, payer, reason, amount in figures and in "
                                  "Korean words, card, approval number and time of payment, "
                                  "and the refund when there was one. It is made from the "
                                  "payments ledger; run “paymint-cli read BILL” first to bring "
                                  "the bill up to date."));
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  if (!pm_cli_parse (cli, context, &argc, &argv))
    return PM_CLI_EXIT_USAGE;
  if (argc != 2)
    return pm_cli_usage (argv[0], "%s", _("Give exactly one bill id."));
  bill_id = argv[1];
  if (!pm_bill_check_bill_id (bill_id, &error))
    return pm_cli_usage (argv[0], "%s", error->message);
  if (pdf == NULL || pdf[0] == '\0')
    return pm_cli_usage (argv[0], "%s", _("Give the PDF file to write with --pdf FILE."));
  if (paper_name != NULL)
    {
      if (g_ascii_strcasecmp (paper_name, "a4") == 0)
        paper = PM_RECEIPT_PAPER_A4;
      else if (g_ascii_strcasecmp (paper_name, "roll") == 0)
        paper = PM_RECEIPT_PAPER_ROLL;
      else
        return pm_cli_usage (argv[0], _("--paper: “%s” is not a paper; use a4 or roll."),
                             paper_name);
    }
  if ((status = pm_cli_open (cli, TRUE)) != PM_CLI_EXIT_OK)
    return status;

  bill = pm_service_lookup (cli->service, bill_id, &error);
  if (bill == NULL)
    {
      if (error != NULL)
        return pm_cli_report_error (NULL, error);
      g_printerr (_("paymint-cli %s: Bill %s is not in the payments ledger of the profile “%s”.\n"),
                  argv[0], bill_id, pm_profile_get_name (pm_service_get_profile (cli->service)));
      return PM_CLI_EXIT_USAGE;
    }

  /* the refund's time is in the timeline only */
  if (pm_bill_get_state (bill) == PM_BILL_STATE_CANCELLED)
    {
      events = pm_service_list_events (cli->service, bill_id, &error);
      if (events == NULL)
        return pm_cli_report_error (bill_id, error);
    }
  receipt = pm_receipt_new (bill, pm_service_get_profile (cli->service),
                            pm_receipt_find_refund_time (events), &error);
  if (receipt == NULL)
    return pm_cli_report_error (bill_id, error);
  if (!pm_receipt_write_pdf_for_paper (receipt, paper, pdf, &error))
    return pm_cli_report_error (NULL, error);

  shown = g_filename_display_name (pdf);
  g_print (_("Wrote the receipt of bill %s to %s\n"), bill_id, shown);
  return PM_CLI_EXIT_OK;
}
