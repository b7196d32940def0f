/* pm-cli-bulk.c — paymint-cli bulk-send: one payment request per row of a CSV file
 *
 * Copyright 2026 The Paymint Desk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A front on PmBulk (src/core/pm-bulk.h), which does the work the window does too; this
 * file only reads the options, prints, asks and maps the outcome to the exit status.
 *
 * Resumable: every valid row maps to a fixed bill_id (pm_csv_derive_bill_id over the
 * profile uuid and the batch name), so running the same file again skips the rows the
 * ledger already knows, settles the ones a killed run left without an outcome, and the
 * server's 9800 covers everything else. No row is ever charged twice.
 *
 * Before anything is sent (in --dry-run too): rows of the file that are the same bill
 * (same payer name and phone, amount and product: pm-csv.h) are listed, and the send is
 * refused without --allow-duplicates; and a file whose rows were sent before as another
 * batch of this profile — recognised by the content hash of its rows, stored with each
 * batch, so a renamed or re-saved copy is caught — is refused unless it is that same batch
 * going on (same --batch name) or --as-new-batch is given.
 */

#include "config.h"

#include <glib-unix.h>
#include <glib/gi18n.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "pm-cli-private.h"
#include "pm-bulk.h"
#include "pm-csv.h"
#include "pm-error.h"
#include "pm-money.h"

typedef struct
{
  PmBulk       *bulk;
  GCancellable *cancellable;
  gboolean      quiet;
  gboolean      tty;
  gint64        last_progress;
} Progress;

static void
progress (Progress *p,
          gboolean  force)
{
  gint64 now = g_get_monotonic_time ();

  if (p->quiet)
    return;
  if (!force && now - p->last_progress < G_USEC_PER_SEC / (p->tty ? 10 : 1))
    return;
  p->last_progress = now;
  g_printerr (_("%sSent %u of %u (%u failed, %u unknown)…%s"), p->tty ? "\r" : "",
              pm_bulk_get_n_done (p->bulk), pm_bulk_get_n_to_send (p->bulk),
              pm_bulk_get_n_failed (p->bulk), pm_bulk_get_n_unknown (p->bulk),
              p->tty ? "" : "\n");
}

static void
n_done_cb (PmBulk     *bulk,
           GParamSpec *pspec,
           Progress   *p)
{
  /* the rows the end of the run settles are in the last line */
  if (pm_bulk_get_stage (bulk) == PM_BULK_STAGE_SENDING)
    progress (p, FALSE);
}

static void
stopped_cb (PmBulk     *bulk,
            const char *reason,
            Progress   *p)
{
  /* after an interrupt the run was stopping anyway: its message said so */
  if (!g_cancellable_is_cancelled (p->cancellable))
    g_printerr ("%s%s\n", p->tty && !p->quiet ? "\n" : "", reason);
}

static gboolean
interrupt_cb (gpointer user_data)
{
  Progress *p = user_data;

  if (!g_cancellable_is_cancelled (p->cancellable) && pm_bulk_get_stop_reason (p->bulk) == NULL)
    g_printerr ("\n%s\n", _("Interrupted: finishing the requests already on their way; run "
                            "the same command again to send the rest."));
  g_cancellable_cancel (p->cancellable);
  return G_SOURCE_CONTINUE;
}

static void
print_sent_before (const char          *file,
                   const PmLedgerBatch *other)
{
  g_autofree char *when = pm_cli_format_time (other->created_at);
  const char *name = pm_bulk_batch_display_name (other);

  g_printerr ("paymint-cli bulk-send: ");
  /* Translators: the file, the date and time it was sent, the batch name, how many bills */
  g_printerr (g_dngettext (GETTEXT_PACKAGE,
                           "%s: this file was sent on %s as batch “%s” (%u bill).\n",
                           "%s: this file was sent on %s as batch “%s” (%u bills).\n",
                           other->n_live),
              file, when, name, other->n_live);
  g_printerr (_("  The same rows (same payers, phones, amounts and products) were billed then, "
                "whatever the file is called now. Nothing was sent. To go on with that batch, "
                "run it with --batch “%s”; to bill these rows again as a new batch, add "
                "--as-new-batch.\n"), name);
}

/* Prints why the batch cannot go ahead (prepare, or the check under the write lock);
 * returns the exit status. */
static int
report_batch_error (PmBulk       *bulk,
                    const char   *command,
                    const char   *display_file,
                    const GError *error)
{
  if (g_error_matches (error, PM_BULK_ERROR, PM_BULK_ERROR_BATCH_EXISTS))
    {
      g_autofree char *when = pm_cli_format_time (pm_bulk_get_this_batch (bulk)->created_at);

      return pm_cli_usage (command, _("--as-new-batch: there is a batch named “%s” already "
                                      "(sent on %s); give the new batch another name with "
                                      "--batch."),
                           pm_bulk_get_batch_display_name (bulk), when);
    }
  if (g_error_matches (error, PM_BULK_ERROR, PM_BULK_ERROR_SENT_BEFORE))
    {
      print_sent_before (display_file, pm_bulk_get_sent_before (bulk));
      return PM_CLI_EXIT_USAGE;
    }
  return pm_cli_report_error (NULL, error);
}

static gboolean
confirm (const char *question)
{
  char answer[16] = "";

  g_printerr ("%s [y/N] ", question);
  return fgets (answer, sizeof answer, stdin) != NULL && (answer[0] == 'y' || answer[0] == 'Y');
}

/* What the ledger knew of the rows from earlier runs of this batch. */
static void
print_earlier_runs (PmBulk *bulk)
{
  guint n_already = pm_bulk_get_n_already_sent (bulk);
  guint n_failed_before = pm_bulk_get_n_failed_before (bulk);
  guint n_unknown_before = pm_bulk_get_n_unknown_before (bulk);
  guint n_not_sent_before = pm_bulk_get_n_not_sent_before (bulk);
  GListModel *rows = pm_bulk_get_rows (bulk);

  if (n_already + n_failed_before + n_unknown_before > 0)
    g_printerr (_("Batch “%s”: %u rows were sent in an earlier run and are skipped "
                  "(%u of them failed then, %u still have an unknown outcome). To bill the "
                  "same rows again, give another --batch name and --as-new-batch.\n"),
                pm_bulk_get_batch_display_name (bulk),
                n_already + n_failed_before + n_unknown_before, n_failed_before,
                n_unknown_before);
  for (guint i = 0; i < g_list_model_get_n_items (rows); i++)
    {
      g_autoptr(PmBulkRow) row = g_list_model_get_item (rows, i);
      const char *text = pm_bulk_row_get_error_text (row);

      if (pm_bulk_row_get_status (row) == PM_BULK_ROW_FAILED_BEFORE)
        g_printerr (_("row %u (bill %s) failed in an earlier run: %s\n"),
                    pm_bulk_row_get_number (row), pm_bulk_row_get_bill_id (row),
                    text != NULL ? text : "");
    }
  if (n_not_sent_before > 0)
    {
      g_printerr (g_dngettext (GETTEXT_PACKAGE,
                               "%u row was not sent in an earlier run (nothing was charged); "
                               "it is not sent again by itself:\n",
                               "%u rows were not sent in an earlier run (nothing was charged); "
                               "they are not sent again by themselves:\n", n_not_sent_before),
                  n_not_sent_before);
      for (guint i = 0; i < g_list_model_get_n_items (rows); i++)
        {
          g_autoptr(PmBulkRow) row = g_list_model_get_item (rows, i);

          if (pm_bulk_row_get_status (row) == PM_BULK_ROW_NOT_SENT_BEFORE)
            g_printerr (_("row %u (bill %s): not sent — nothing was charged; use "
                          "“paymint-cli send-again %s”\n"), pm_bulk_row_get_number (row),
                        pm_bulk_row_get_bill_id (row), pm_bulk_row_get_bill_id (row));
        }
    }
}

/* Each row this run did not send, and the exit status the outcomes of this run give. */
static int
print_outcomes (PmBulk *bulk)
{
  GListModel *rows = pm_bulk_get_rows (bulk);
  int status = PM_CLI_EXIT_OK;

  for (guint i = 0; i < g_list_model_get_n_items (rows); i++)
    {
      g_autoptr(PmBulkRow) row = g_list_model_get_item (rows, i);
      const GError *row_error = pm_bulk_row_get_error (row);

      switch (pm_bulk_row_get_status (row))
        {
        case PM_BULK_ROW_FAILED:
          g_printerr (_("row %u (bill %s) failed: %s\n"), pm_bulk_row_get_number (row),
                      pm_bulk_row_get_bill_id (row), pm_bulk_row_get_error_text (row));
          if (row_error != NULL)
            status = MAX (status, pm_cli_exit_code_for_error (row_error));
          break;
        case PM_BULK_ROW_UNKNOWN:
          g_printerr (_("row %u (bill %s): outcome unknown, it will be settled on the next "
                        "run (never sent twice): %s\n"), pm_bulk_row_get_number (row),
                      pm_bulk_row_get_bill_id (row), pm_bulk_row_get_error_text (row));
          if (row_error != NULL)
            status = MAX (status, PM_CLI_EXIT_UNKNOWN);
          break;
        default:
          break;
        }
    }
  return status;
}

int
pm_cli_cmd_bulk_send (PmCli  *cli,
                      int     argc,
                      char  **argv)
{
  g_autoptr(GOptionContext) context = g_option_context_new (_("FILE.csv"));
  g_autoptr(GError) error = NULL;
  g_autoptr(PmBulk) bulk = NULL;
  g_autoptr(GCancellable) cancellable = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autofree char *encoding = NULL;
  g_autofree char *delimiter = NULL;
  g_autofree char *product = NULL;
  g_autofree char *message = NULL;
  g_autofree char *expire = NULL;
  g_autofree char *batch = NULL;
  char *columns[PM_CSV_N_FIELDS] = { NULL };
  gboolean yes = FALSE, dry_run = FALSE, skip_invalid = FALSE;
  gboolean allow_duplicates = FALSE, as_new_batch = FALSE, refuse_duplicates = FALSE;
  g_autofree char *display_file = NULL;
  PmCsvImport *import;
  int parallel = 8, limit = 0;
  PmCsvOptions options = { 0 };
  guint n_already, n_failed_before, n_unknown_before, n_not_sent_before;
  guint sigint;
  Progress p = { 0 };
  int status;
  const GOptionEntry entries[] = {
    { "yes", 'y', 0, G_OPTION_ARG_NONE, &yes, N_("Send without asking for confirmation"), NULL },
    { "dry-run", 'n', 0, G_OPTION_ARG_NONE, &dry_run,
      N_("Check the file and show what would be sent; send nothing"), NULL },
    { "skip-invalid", 0, 0, G_OPTION_ARG_NONE, &skip_invalid,
      N_("Send the valid rows even when some rows have errors"), NULL },
    { "allow-duplicates", 0, 0, G_OPTION_ARG_NONE, &allow_duplicates,
      N_("Send rows that are the same bill as another row of the file (same payer name "
         "and phone, amount and product) anyway; without it such a file is refused"), NULL },
    { "as-new-batch", 0, 0, G_OPTION_ARG_NONE, &as_new_batch,
      N_("Bill the rows again as a new batch although the same rows (recognised by their "
         "content, under any file name) were sent before as another batch"), NULL },
    { "batch", 'b', 0, G_OPTION_ARG_STRING, &batch,
      N_("Name of this billing run (default: the file name). Rows keep their bill ids "
         "within one batch name, so running it again skips what was sent; use a new name "
         "to bill the same rows again (next month)"), N_("NAME") },
    { "parallel", 'j', 0, G_OPTION_ARG_INT, &parallel,
      N_("Requests in flight at once, 1 to 64 (default 8)"), N_("N") },
    { "limit", 0, 0, G_OPTION_ARG_INT, &limit,
      N_("Send at most N rows in this run (the rest on the next run)"), N_("N") },
    { "encoding", 0, 0, G_OPTION_ARG_STRING, &encoding,
      N_("The file’s encoding: UTF-8, CP949, EUC-KR… (default: detect)"), N_("NAME") },
    { "delimiter", 0, 0, G_OPTION_ARG_STRING, &delimiter,
      N_("Field separator: , ; or tab (default: detect)"), N_("CHAR") },
    { "product", 0, 0, G_OPTION_ARG_STRING, &product,
      N_("Product text for rows without one"), N_("TEXT") },
    { "message", 0, 0, G_OPTION_ARG_STRING, &message,
      N_("Message for rows without one"), N_("TEXT") },
    { "expire", 0, 0, G_OPTION_ARG_STRING, &expire,
      N_("Last day to pay for rows without one (YYYY-MM-DD; default: in 7 days)"), N_("DATE") },
    { "col-name", 0, 0, G_OPTION_ARG_STRING, &columns[PM_CSV_FIELD_PAYER],
      N_("Column of the payer’s name: header or number (default: found by header, e.g. 이름)"),
      N_("COLUMN") },
    { "col-phone", 0, 0, G_OPTION_ARG_STRING, &columns[PM_CSV_FIELD_PHONE],
      N_("Column of the mobile number (e.g. 전화번호)"), N_("COLUMN") },
    { "col-amount", 0, 0, G_OPTION_ARG_STRING, &columns[PM_CSV_FIELD_AMOUNT],
      N_("Column of the amount (e.g. 금액)"), N_("COLUMN") },
    { "col-product", 0, 0, G_OPTION_ARG_STRING, &columns[PM_CSV_FIELD_PRODUCT],
      N_("Column of the product text (e.g. 상품명)"), N_("COLUMN") },
    { "col-message", 0, 0, G_OPTION_ARG_STRING, &columns[PM_CSV_FIELD_MESSAGE],
      N_("Column of the message (e.g. 메시지)"), N_("COLUMN") },
    { "col-expire", 0, 0, G_OPTION_ARG_STRING, &columns[PM_CSV_FIELD_EXPIRY],
      N_("Column of the last day to pay (e.g. 만료일)"), N_("COLUMN") },
    { "col-note", 0, 0, G_OPTION_ARG_STRING, &columns[PM_CSV_FIELD_NOTE],
      N_("Column of a local note (e.g. 메모)"), N_("COLUMN") },
    { "col-bill-id", 0, 0, G_OPTION_ARG_STRING, &columns[PM_CSV_FIELD_BILL_ID],
      N_("Column of fixed bill ids (optional)"), N_("COLUMN") },
    { NULL }
  };

  g_option_context_set_summary (context,
                                _("Sends one payment request per row of a CSV file (UTF-8, "
                                  "UTF-8 with BOM or CP949 as Korean Excel saves it). Columns "
                                  "are found by their header (이름, 전화번호, 금액, 상품명, "
                                  "메시지, 만료일 or name, phone, amount, product, message, "
                                  "expiry) or given with --col-…. Every row is checked first; "
                                  "running the same file again sends only what is missing.\n\n"
                                  "Refused before anything is sent: rows with errors (unless "
                                  "--skip-invalid); rows that are the same bill as another row "
                                  "— same payer name and phone, amount and product — (unless "
                                  "--allow-duplicates); a file whose rows were already sent as "
                                  "another batch, even renamed or saved again (unless "
                                  "--as-new-batch; the same --batch name goes on with that "
                                  "batch)."));
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  if (!pm_cli_parse (cli, context, &argc, &argv))
    goto usage;
  if (argc != 2)
    {
      pm_cli_usage (argv[0], "%s", _("Give one CSV file."));
      goto usage;
    }
  if (parallel < 1 || parallel > 64)
    {
      pm_cli_usage (argv[0], "%s", _("--parallel must be from 1 to 64."));
      goto usage;
    }
  if (limit < 0)
    {
      pm_cli_usage (argv[0], "%s", _("--limit must not be negative."));
      goto usage;
    }
  if (delimiter != NULL)
    {
      if (strcmp (delimiter, "tab") == 0 || strcmp (delimiter, "\\t") == 0)
        options.delimiter = '\t';
      else if (strlen (delimiter) == 1 && strchr (",;\t|", delimiter[0]) != NULL)
        options.delimiter = delimiter[0];
      else
        {
          pm_cli_usage (argv[0], "%s", _("--delimiter must be , ; | or tab."));
          goto usage;
        }
    }
  if (!yes && !dry_run && !pm_cli_stdin_is_tty ())
    {
      pm_cli_usage (argv[0], "%s", _("Not a terminal, so nobody can confirm the sending: "
                                     "add --yes (or check first with --dry-run)."));
      goto usage;
    }

  /* read and check every row */
  options.encoding = encoding;
  for (guint i = 0; i < PM_CSV_N_FIELDS; i++)
    options.columns[i] = columns[i];
  options.default_product = product;
  options.default_message = message;
  if (expire == NULL)
    expire = pm_cli_korea_date_in (7);
  options.default_expiry = expire;
  display_file = g_filename_display_name (argv[1]);
  bulk = pm_bulk_new (NULL);
  pm_bulk_set_skip_invalid (bulk, skip_invalid);
  pm_bulk_set_allow_duplicates (bulk, allow_duplicates);
  pm_bulk_set_as_new_batch (bulk, as_new_batch);
  pm_bulk_set_batch_name (bulk, batch);
  pm_bulk_set_parallel (bulk, (guint) parallel);
  pm_bulk_set_limit (bulk, (guint) limit);
  if (!pm_bulk_load_file (bulk, argv[1], &options, &error))
    {
      g_printerr ("paymint-cli %s: %s: %s\n", argv[0], display_file, error->message);
      status = PM_CLI_EXIT_USAGE;
      goto out;
    }
  import = pm_bulk_get_import (bulk);
  if (!cli->quiet)
    g_printerr (_("%s: %s%s, %u rows.\n"), display_file, pm_csv_import_get_encoding (import),
                pm_csv_import_get_had_bom (import) ? _(" with BOM") : "",
                pm_csv_import_get_n_rows (import));
  if (pm_bulk_get_n_invalid (bulk) > 0)
    {
      g_autofree char *report = pm_csv_format_report (import);

      g_printerr ("%s", report);
    }
  if (pm_bulk_get_n_duplicate_groups (bulk) > 0)
    {
      g_autofree char *list = pm_csv_format_duplicates (import);

      g_printerr ("%s\n", _("Identical rows: each group would bill the same payer the same "
                            "amount for the same thing more than once:"));
      g_printerr ("%s", list);
      refuse_duplicates = !allow_duplicates;
    }
  if (pm_bulk_get_n_invalid (bulk) > 0 && !skip_invalid && !dry_run)
    {
      g_printerr (_("Nothing was sent. Fix these rows, or send the valid ones with "
                    "--skip-invalid.\n"));
      status = PM_CLI_EXIT_USAGE;
      goto out;
    }
  if (refuse_duplicates && !dry_run)
    {
      g_printerr ("%s\n", _("Nothing was sent. Remove the extra rows, or if each is meant, "
                            "send them anyway with --allow-duplicates."));
      status = PM_CLI_EXIT_USAGE;
      goto out;
    }
  if (pm_bulk_get_n_valid (bulk) == 0)
    {
      g_printerr (_("paymint-cli %s: %s has no valid row to send.\n"), argv[0], display_file);
      status = PM_CLI_EXIT_USAGE;
      goto out;
    }

  if ((status = pm_cli_open (cli, TRUE)) != PM_CLI_EXIT_OK)
    goto out;

  /* the batch and the fixed bill id of every valid row; the same rows sent before, as
   * this batch (going on) or another one (refused) */
  pm_bulk_set_service (bulk, cli->service);
  if (!pm_bulk_prepare (bulk, &error))
    {
      status = report_batch_error (bulk, argv[0], display_file, error);
      goto out;
    }

  /* a killed earlier run may have left intents without an outcome: settle them first
   * (read; absent means send again with the same bill id) */
  if (!dry_run)
    {
      pm_bulk_settle_async (bulk, NULL, pm_cli_store_result_cb, &result);
      pm_cli_wait (&result);
      if (!pm_bulk_settle_finish (bulk, result, NULL, &error))
        {
          status = pm_cli_report_error (_("Could not settle the requests of an earlier run"),
                                        error);
          goto out;
        }
      g_clear_object (&result);
    }

  if (!pm_bulk_classify (bulk, &error))
    {
      status = pm_cli_report_error (NULL, error);
      goto out;
    }
  n_already = pm_bulk_get_n_already_sent (bulk);
  n_failed_before = pm_bulk_get_n_failed_before (bulk);
  n_unknown_before = pm_bulk_get_n_unknown_before (bulk);
  n_not_sent_before = pm_bulk_get_n_not_sent_before (bulk);
  print_earlier_runs (bulk);

  {
    guint n = pm_bulk_get_n_run (bulk);
    gint64 won = pm_bulk_get_won_run (bulk);
    g_autofree char *figures = NULL;
    g_autofree char *words = NULL;
    g_autofree char *question = NULL;

    figures = pm_money_format (won);
    words = pm_money_format_korean (won);
    if (n == 0)
      {
        if (n_not_sent_before > 0)
          g_print (_("Nothing to send by itself: the other valid rows of %s were sent "
                     "already.\n"), display_file);
        else
          g_print (_("Nothing to send: every valid row of %s was sent already.\n"), display_file);
        status = n_unknown_before > 0 ? PM_CLI_EXIT_UNKNOWN : PM_CLI_EXIT_OK;
        if (n_not_sent_before > 0)
          status = MAX (status, PM_CLI_EXIT_REJECTED);
        goto out;
      }
    question = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                             "Send %u payment request for %s (%s) with the "
                                             "profile “%s”?",
                                             "Send %u payment requests for %s (%s) in total "
                                             "with the profile “%s”?", n),
                                n, figures, words,
                                pm_profile_get_name (pm_service_get_profile (cli->service)));
    if (dry_run)
      {
        g_print (_("Dry run: would send %u payment requests for %s (%s); nothing was sent.\n"),
                 n, figures, words);
        if (refuse_duplicates)
          g_print ("%s\n", _("A real run would send nothing because of the identical rows "
                             "above, unless --allow-duplicates is given."));
        status = pm_bulk_get_n_invalid (bulk) > 0 || refuse_duplicates
                   ? PM_CLI_EXIT_USAGE : PM_CLI_EXIT_OK;
        goto out;
      }
    if (!yes && !confirm (question))
      {
        g_printerr ("%s\n", _("Nothing was sent."));
        status = PM_CLI_EXIT_USAGE;
        goto out;
      }
  }

  /* send: the batch is recorded (and its content looked at again under the write lock),
   * every intent is durable before it leaves, --parallel at most in flight */
  {
    gint64 started_at = g_get_monotonic_time ();
    guint n_not_started;
    double seconds;

    cancellable = g_cancellable_new ();
    p.bulk = bulk;
    p.cancellable = cancellable;
    p.quiet = cli->quiet;
    p.tty = isatty (STDERR_FILENO) == 1;
    g_signal_connect (bulk, "notify::n-done", G_CALLBACK (n_done_cb), &p);
    g_signal_connect (bulk, "stopped", G_CALLBACK (stopped_cb), &p);
    sigint = g_unix_signal_add (SIGINT, interrupt_cb, &p);
    pm_bulk_send_async (bulk, cancellable, pm_cli_store_result_cb, &result);
    pm_cli_wait (&result);
    g_source_remove (sigint);
    g_signal_handlers_disconnect_by_data (bulk, &p);
    if (!pm_bulk_send_finish (bulk, result, &error))
      {
        status = report_batch_error (bulk, argv[0], display_file, error);
        goto out;
      }
    seconds = (double) (g_get_monotonic_time () - started_at) / G_USEC_PER_SEC;
    progress (&p, TRUE);
    if (p.tty && !p.quiet)
      g_printerr ("\n");

    status = print_outcomes (bulk);
    if (pm_bulk_get_record_error (bulk) != NULL)
      g_printerr (_("paymint-cli: could not record the batch totals: %s\n"),
                  pm_bulk_get_record_error (bulk));
    n_not_started = pm_bulk_get_n_not_started (bulk);
    g_print (_("Sent %u, failed %u, unknown %u, skipped %u sent earlier, %u left for the next "
               "run (%.1f s, %.0f requests/s).\n"),
             pm_bulk_get_n_sent (bulk), pm_bulk_get_n_failed (bulk),
             pm_bulk_get_n_unknown (bulk), n_already + n_failed_before + n_unknown_before,
             n_not_started, seconds, seconds > 0 ? pm_bulk_get_n_sent (bulk) / seconds : 0.0);
    if (n_unknown_before > 0)
      status = MAX (status, PM_CLI_EXIT_UNKNOWN);
    if (n_not_sent_before > 0)
      status = MAX (status, PM_CLI_EXIT_REJECTED);
    /* interrupted: rows not started (but for --limit), or written down and not sent */
    if (status == PM_CLI_EXIT_OK
        && ((n_not_started > 0 && limit == 0) || pm_bulk_get_n_written_not_sent (bulk) > 0))
      status = PM_CLI_EXIT_REJECTED;
  }

out:
  for (guint i = 0; i < PM_CSV_N_FIELDS; i++)
    g_free (columns[i]);
  return status;

usage:
  for (guint i = 0; i < PM_CSV_N_FIELDS; i++)
    g_free (columns[i]);
  return PM_CLI_EXIT_USAGE;
}
