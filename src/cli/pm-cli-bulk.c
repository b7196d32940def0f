/* pm-cli-bulk.c — paymint-cli bulk-send: one payment request per row of a CSV file
 *
 * Copyright 2026 The Paymint Desk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
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
#include "pm-csv.h"
#include "pm-error.h"
#include "pm-money.h"

typedef enum
{
  ROW_TO_SEND,
  ROW_ALREADY_SENT,    /* in the ledger in a definite server state */
  ROW_FAILED_BEFORE,   /* in the ledger as failed */
  ROW_UNKNOWN_BEFORE,  /* in the ledger without an outcome even after settling */
  ROW_NOT_SENT_BEFORE, /* in the ledger as not sent: proved never created, too old to be
                        * sent again by itself; nothing charged, waits for send-again */
  ROW_SENT,
  ROW_FAILED,
  ROW_UNKNOWN,
  ROW_NOT_STARTED,     /* stopped (interrupted, --limit, or no balance) before sending */
} RowStatus;

typedef struct
{
  PmCsvRow  *row;      /* owned by the import */
  char      *bill_id;
  RowStatus  status;
  char      *error;
} Item;

typedef struct
{
  PmService   *service;
  GPtrArray   *queue;      /* Item* to send, borrowed */
  char        *batch_id;
  guint        next;
  GPtrArray   *ready;      /* Job* whose intents are durable, not sent yet */
  guint        in_flight;
  guint        parallel;
  guint        limit;
  guint        started;
  guint        n_sent;
  guint        n_failed;
  guint        n_unknown;
  gboolean     stop;       /* start nothing more */
  int          status;
  gboolean     quiet;
  gboolean     tty;
  gint64       last_progress;
  gint64       started_at;
} Bulk;

static void
item_free (Item *item)
{
  g_free (item->bill_id);
  g_free (item->error);
  g_free (item);
}

static void
progress (Bulk     *b,
          gboolean  force)
{
  gint64 now = g_get_monotonic_time ();
  guint done = b->n_sent + b->n_failed + b->n_unknown;

  if (b->quiet)
    return;
  if (!force && now - b->last_progress < G_USEC_PER_SEC / (b->tty ? 10 : 1))
    return;
  b->last_progress = now;
  g_printerr (_("%sSent %u of %u (%u failed, %u unknown)…%s"), b->tty ? "\r" : "", done,
              b->queue->len, b->n_failed, b->n_unknown, b->tty ? "" : "\n");
}

static void pump (Bulk *b);

typedef struct
{
  Bulk   *b;
  Item   *item;
  PmBill *intent;
} Job;

static void
job_free (Job *job)
{
  g_clear_object (&job->intent);
  g_free (job);
}

static void
send_done_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  Job *job = user_data;
  Bulk *b = job->b;
  Item *item = job->item;
  g_autoptr(GError) error = NULL;
  g_autoptr(PmBill) bill = NULL;

  job_free (job);
  bill = pm_service_send_finish (PM_SERVICE (object), result, &error);
  b->in_flight--;
  if (bill != NULL)
    {
      item->status = ROW_SENT;
      b->n_sent++;
    }
  else
    {
      int status = pm_cli_exit_code_for_error (error);
      const char *server = pm_error_get_server_text (error);

      item->error = server != NULL && strstr (error->message, server) == NULL
                      ? g_strdup_printf ("%s (%s)", error->message, server)
                      : g_strdup (error->message);
      if (status == PM_CLI_EXIT_UNKNOWN)
        {
          item->status = ROW_UNKNOWN;
          b->n_unknown++;
        }
      else
        {
          item->status = ROW_FAILED;
          b->n_failed++;
          if (status == PM_CLI_EXIT_AUTH || g_error_matches (error, PM_ERROR, PM_ERROR_STORAGE))
            {
              /* every other row would fail the same way: stop here, resume later */
              if (!b->stop)
                g_printerr ("%s%s\n", b->tty && !b->quiet ? "\n" : "", item->error);
              b->stop = TRUE;
            }
        }
      b->status = MAX (b->status, status);
    }
  progress (b, FALSE);
  pump (b);
}

#define WRITE_AHEAD 32

/* Makes the intents of the next rows durable in one transaction (a group commit: one
 * synchronous write for up to WRITE_AHEAD bills instead of one each), before any of
 * them is sent. */
static gboolean
write_ahead (Bulk *b)
{
  g_autoptr(GPtrArray) drafts = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GPtrArray) items = g_ptr_array_new ();
  g_autoptr(GPtrArray) intents = NULL;
  g_autoptr(GError) error = NULL;

  while (drafts->len < WRITE_AHEAD && b->next < b->queue->len
         && (b->limit == 0 || b->started < b->limit))
    {
      Item *item = g_ptr_array_index (b->queue, b->next++);
      PmBill *draft = pm_bill_copy (item->row->bill);

      pm_bill_set_bill_id (draft, item->bill_id);
      pm_bill_set_batch_id (draft, b->batch_id);
      g_ptr_array_add (drafts, draft);
      g_ptr_array_add (items, item);
      b->started++;
    }
  if (drafts->len == 0)
    return FALSE;

  intents = pm_service_write_intents (b->service, drafts, &error);
  if (intents == NULL)
    {
      /* nothing of this chunk was written, so nothing of it was sent */
      for (guint i = 0; i < items->len; i++)
        {
          Item *item = g_ptr_array_index (items, i);

          item->status = ROW_FAILED;
          item->error = g_strdup (error->message);
          b->n_failed++;
        }
      g_printerr ("%s%s\n", b->tty && !b->quiet ? "\n" : "", error->message);
      b->status = MAX (b->status, pm_cli_exit_code_for_error (error));
      b->stop = TRUE;
      return FALSE;
    }
  for (guint i = 0; i < intents->len; i++)
    {
      Job *job = g_new0 (Job, 1);

      job->b = b;
      job->item = g_ptr_array_index (items, i);
      job->intent = g_object_ref (g_ptr_array_index (intents, i));
      g_ptr_array_add (b->ready, job);
    }
  return TRUE;
}

/* Keeps up to b->parallel sends in flight; every intent is durable before it is sent. */
static void
pump (Bulk *b)
{
  while (!b->stop && b->in_flight < b->parallel)
    {
      Job *job;

      if (b->ready->len == 0 && !write_ahead (b))
        break;
      job = g_ptr_array_steal_index (b->ready, 0);
      b->in_flight++;
      pm_service_send_intent_async (b->service, job->intent, NULL, send_done_cb, job);
    }
}

static gboolean
interrupt_cb (gpointer user_data)
{
  Bulk *b = user_data;

  if (!b->stop)
    g_printerr ("\n%s\n", _("Interrupted: finishing the requests already on their way; run "
                            "the same command again to send the rest."));
  b->stop = TRUE;
  return G_SOURCE_CONTINUE;
}

/* *@sent_before: the batch that already holds the rows of this file (same content hash),
 * when it is not the batch of this run going on: the newest one that may have charged
 * someone (a batch whose every bill failed or was never sent charged nobody); NULL when
 * there is none. FALSE only when the ledger cannot be read. */
static gboolean
find_sent_before (PmLedger        *ledger,
                  const char      *profile_id,
                  const char      *content_hash,
                  const char      *batch_id,
                  PmLedgerBatch  **sent_before,
                  GError         **error)
{
  g_autoptr(GPtrArray) batches = NULL;

  *sent_before = NULL;
  batches = pm_ledger_find_batches_by_content (ledger, profile_id, content_hash, error);
  if (batches == NULL)
    return FALSE;
  for (guint i = 0; i < batches->len; i++)
    {
      PmLedgerBatch *other = g_ptr_array_index (batches, i);

      /* this same batch going on: resuming is what the fixed bill ids are for */
      if (g_strcmp0 (other->id, batch_id) == 0)
        return TRUE;
    }
  for (guint i = 0; i < batches->len; i++)
    {
      PmLedgerBatch *other = g_ptr_array_index (batches, i);

      if (other->n_bills > 0 && other->n_live == 0)
        continue;
      *sent_before = g_ptr_array_steal_index (batches, i);
      return TRUE;
    }
  return TRUE;
}

static const char *
batch_display_name (PmLedgerBatch *batch)
{
  if (batch->name[0] != '\0')
    return batch->name;
  if (batch->source_name[0] != '\0')
    return batch->source_name;
  return batch->id;
}

static void
print_sent_before (const char    *file,
                   PmLedgerBatch *other)
{
  g_autofree char *when = pm_cli_format_time (other->created_at);
  const char *name = batch_display_name (other);

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

static gboolean
confirm (const char *question)
{
  char answer[16] = "";

  g_printerr ("%s [y/N] ", question);
  return fgets (answer, sizeof answer, stdin) != NULL && (answer[0] == 'y' || answer[0] == 'Y');
}

int
pm_cli_cmd_bulk_send (PmCli  *cli,
                      int     argc,
                      char  **argv)
{
  g_autoptr(GOptionContext) context = g_option_context_new (_("FILE.csv"));
  g_autoptr(GError) error = NULL;
  g_autoptr(PmCsvImport) import = NULL;
  g_autoptr(GPtrArray) items = NULL;
  g_autoptr(GPtrArray) queue = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autofree char *encoding = NULL;
  g_autofree char *delimiter = NULL;
  g_autofree char *product = NULL;
  g_autofree char *message = NULL;
  g_autofree char *expire = NULL;
  g_autofree char *batch = NULL;
  g_autofree char *seed = NULL;
  g_autofree char *batch_id = NULL;
  g_autofree char *source_name = NULL;
  char *columns[PM_CSV_N_FIELDS] = { NULL };
  gboolean yes = FALSE, dry_run = FALSE, skip_invalid = FALSE;
  gboolean allow_duplicates = FALSE, as_new_batch = FALSE, refuse_duplicates = FALSE;
  g_autofree char *display_source = NULL;
  g_autofree char *display_file = NULL;
  g_autoptr(PmLedgerBatch) this_batch = NULL;
  g_autoptr(PmLedgerBatch) sent_before = NULL;
  PmLedger *ledger;
  const char *batch_name;
  int parallel = 8, limit = 0;
  PmCsvOptions options = { 0 };
  GPtrArray *rows;
  guint n_already = 0, n_failed_before = 0, n_unknown_before = 0, n_not_sent_before = 0;
  gint64 total_won = 0;
  guint n_unsettled = 0;
  guint sigint;
  Bulk b = { 0 };
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
  import = pm_csv_import_file (argv[1], &options, &error);
  if (import == NULL)
    {
      g_printerr ("paymint-cli %s: %s: %s\n", argv[0], display_file, error->message);
      status = PM_CLI_EXIT_USAGE;
      goto out;
    }
  if (!cli->quiet)
    g_printerr (_("%s: %s%s, %u rows.\n"), display_file, pm_csv_import_get_encoding (import),
                pm_csv_import_get_had_bom (import) ? _(" with BOM") : "",
                pm_csv_import_get_n_rows (import));
  if (pm_csv_import_get_n_invalid (import) > 0)
    {
      g_autofree char *report = pm_csv_format_report (import);

      g_printerr ("%s", report);
    }
  if (pm_csv_import_get_duplicates (import)->len > 0)
    {
      g_autofree char *list = pm_csv_format_duplicates (import);

      g_printerr ("%s\n", _("Identical rows: each group would bill the same payer the same "
                            "amount for the same thing more than once:"));
      g_printerr ("%s", list);
      refuse_duplicates = !allow_duplicates;
    }
  if (pm_csv_import_get_n_invalid (import) > 0 && !skip_invalid && !dry_run)
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
  if (pm_csv_import_get_n_valid (import) == 0)
    {
      g_printerr (_("paymint-cli %s: %s has no valid row to send.\n"), argv[0], display_file);
      status = PM_CLI_EXIT_USAGE;
      goto out;
    }

  if ((status = pm_cli_open (cli, TRUE)) != PM_CLI_EXIT_OK)
    goto out;

  /* the fixed bill id of every valid row */
  source_name = g_path_get_basename (argv[1]);
  display_source = g_filename_display_basename (argv[1]);
  batch_name = batch != NULL ? batch : display_source;
  seed = g_strdup_printf ("%s\x1f%s", pm_service_get_profile_id (cli->service),
                          batch != NULL ? batch : source_name);
  batch_id = pm_csv_derive_bill_id (seed, "batch");

  /* the same rows sent before, as this batch (going on) or another one (refused) */
  ledger = pm_service_get_ledger (cli->service);
  this_batch = pm_ledger_lookup_batch (ledger, batch_id, &error);
  if (error != NULL)
    {
      status = pm_cli_report_error (NULL, error);
      goto out;
    }
  if (as_new_batch && this_batch != NULL)
    {
      g_autofree char *when = pm_cli_format_time (this_batch->created_at);

      pm_cli_usage (argv[0], _("--as-new-batch: there is a batch named “%s” already (sent on "
                               "%s); give the new batch another name with --batch."),
                    batch_name, when);
      status = PM_CLI_EXIT_USAGE;
      goto out;
    }
  if (!as_new_batch
      && !find_sent_before (ledger, pm_service_get_profile_id (cli->service),
                            pm_csv_import_get_content_hash (import), batch_id, &sent_before,
                            &error))
    {
      status = pm_cli_report_error (NULL, error);
      goto out;
    }
  if (sent_before != NULL)
    {
      print_sent_before (display_file, sent_before);
      status = PM_CLI_EXIT_USAGE;
      goto out;
    }
  items = g_ptr_array_new_with_free_func ((GDestroyNotify) item_free);
  rows = pm_csv_import_get_rows (import);
  for (guint i = 0; i < rows->len; i++)
    {
      PmCsvRow *row = g_ptr_array_index (rows, i);
      Item *item;

      if (row->bill == NULL)
        continue;
      item = g_new0 (Item, 1);
      item->row = row;
      if (pm_bill_get_bill_id (row->bill) != NULL)
        item->bill_id = g_strdup (pm_bill_get_bill_id (row->bill));
      else
        item->bill_id = pm_csv_derive_bill_id (seed, row->key);
      g_ptr_array_add (items, item);
    }

  /* a killed earlier run may have left intents without an outcome: settle them first
   * (read; absent means send again with the same bill id) */
  if (!dry_run)
    {
      pm_service_start_async (cli->service, NULL, pm_cli_store_result_cb, &result);
      pm_cli_wait (&result);
      if (!pm_service_start_finish (cli->service, result, &n_unsettled, &error))
        {
          status = pm_cli_report_error (_("Could not settle the requests of an earlier run"),
                                        error);
          goto out;
        }
    }

  queue = g_ptr_array_new ();
  for (guint i = 0; i < items->len; i++)
    {
      Item *item = g_ptr_array_index (items, i);
      g_autoptr(PmBill) known = pm_service_lookup (cli->service, item->bill_id, &error);

      if (error != NULL)
        {
          status = pm_cli_report_error (NULL, error);
          goto out;
        }
      if (known == NULL)
        {
          item->status = ROW_TO_SEND;
          g_ptr_array_add (queue, item);
          total_won += pm_bill_get_price (item->row->bill);
          continue;
        }
      switch (pm_bill_get_state (known))
        {
        case PM_BILL_STATE_FAILED:
          item->status = ROW_FAILED_BEFORE;
          item->error = g_strdup (pm_bill_get_error_text (known));
          n_failed_before++;
          break;
        case PM_BILL_STATE_QUEUED:
        case PM_BILL_STATE_SENDING:
        case PM_BILL_STATE_UNKNOWN:
          item->status = ROW_UNKNOWN_BEFORE;
          n_unknown_before++;
          break;
        case PM_BILL_STATE_NOT_SENT:
          item->status = ROW_NOT_SENT_BEFORE;
          n_not_sent_before++;
          break;
        case PM_BILL_STATE_UNPAID:
        case PM_BILL_STATE_PAID:
        case PM_BILL_STATE_CANCELLED:
        case PM_BILL_STATE_DESTROYED:
        default:
          item->status = ROW_ALREADY_SENT;
          n_already++;
          break;
        }
    }

  if (n_already + n_failed_before + n_unknown_before > 0)
    g_printerr (_("Batch “%s”: %u rows were sent in an earlier run and are skipped "
                  "(%u of them failed then, %u still have an unknown outcome). To bill the "
                  "same rows again, give another --batch name and --as-new-batch.\n"),
                batch_name,
                n_already + n_failed_before + n_unknown_before, n_failed_before,
                n_unknown_before);
  for (guint i = 0; i < items->len; i++)
    {
      Item *item = g_ptr_array_index (items, i);

      if (item->status == ROW_FAILED_BEFORE)
        g_printerr (_("row %u (bill %s) failed in an earlier run: %s\n"), item->row->number,
                    item->bill_id, item->error != NULL ? item->error : "");
    }
  if (n_not_sent_before > 0)
    {
      g_printerr (g_dngettext (GETTEXT_PACKAGE,
                               "%u row was not sent in an earlier run (nothing was charged); "
                               "it is not sent again by itself:\n",
                               "%u rows were not sent in an earlier run (nothing was charged); "
                               "they are not sent again by themselves:\n", n_not_sent_before),
                  n_not_sent_before);
      for (guint i = 0; i < items->len; i++)
        {
          Item *item = g_ptr_array_index (items, i);

          if (item->status == ROW_NOT_SENT_BEFORE)
            g_printerr (_("row %u (bill %s): not sent — nothing was charged; use "
                          "“paymint-cli send-again %s”\n"), item->row->number, item->bill_id,
                        item->bill_id);
        }
    }

  {
    guint n = queue->len;
    gint64 won = total_won;
    g_autofree char *figures = NULL;
    g_autofree char *words = NULL;
    g_autofree char *question = NULL;

    if (limit > 0 && (guint) limit < n)
      {
        n = (guint) limit;
        won = 0;
        for (guint i = 0; i < n; i++)
          won += pm_bill_get_price (((Item *) g_ptr_array_index (queue, i))->row->bill);
      }
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
        status = pm_csv_import_get_n_invalid (import) > 0 || refuse_duplicates
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

  /* the batch row, with the content hash of the rows; looked at again under the write
   * lock, so two runs of one file under two names at once cannot both go ahead */
  {
    PmLedgerBatch record = { 0 };

    record.id = batch_id;
    record.name = (char *) batch_name;
    record.source_name = display_source;
    record.profile_id = (char *) pm_service_get_profile_id (cli->service);
    record.content_hash = (char *) pm_csv_import_get_content_hash (import);
    record.created_at = g_get_real_time () / G_USEC_PER_SEC;
    record.n_total = items->len;
    if (!pm_ledger_begin (ledger, &error))
      {
        status = pm_cli_report_error (NULL, error);
        goto out;
      }
    if (!as_new_batch
        && !find_sent_before (ledger, record.profile_id, record.content_hash, batch_id,
                              &sent_before, &error))
      {
        pm_ledger_rollback (ledger);
        status = pm_cli_report_error (NULL, error);
        goto out;
      }
    if (sent_before != NULL)
      {
        pm_ledger_rollback (ledger);
        print_sent_before (display_file, sent_before);
        status = PM_CLI_EXIT_USAGE;
        goto out;
      }
    if (!pm_ledger_insert_batch_full (ledger, &record, &error))
      {
        pm_ledger_rollback (ledger);
        status = pm_cli_report_error (NULL, error);
        goto out;
      }
    if (!pm_ledger_commit (ledger, &error))
      {
        status = pm_cli_report_error (NULL, error);
        goto out;
      }
  }

  b.service = cli->service;
  b.queue = queue;
  b.batch_id = batch_id;
  b.parallel = (guint) parallel;
  b.limit = (guint) limit;
  b.quiet = cli->quiet;
  b.tty = isatty (STDERR_FILENO) == 1;
  b.started_at = g_get_monotonic_time ();
  b.ready = g_ptr_array_new_with_free_func ((GDestroyNotify) job_free);
  sigint = g_unix_signal_add (SIGINT, interrupt_cb, &b);
  pump (&b);
  while (b.in_flight > 0)
    g_main_context_iteration (NULL, TRUE);
  g_source_remove (sigint);
  /* written down but not sent (interrupted, or stopped by an error): the next run
   * reconciles them before anything else, so none is lost or sent twice */
  for (guint i = 0; i < b.ready->len; i++)
    {
      Job *job = g_ptr_array_index (b.ready, i);

      job->item->status = ROW_UNKNOWN;
      job->item->error = g_strdup (_("written down, not sent yet; the next run sends it"));
      b.n_unknown++;
    }
  g_clear_pointer (&b.ready, g_ptr_array_unref);
  progress (&b, TRUE);
  if (b.tty && !b.quiet)
    g_printerr ("\n");

  for (guint i = 0; i < queue->len; i++)
    {
      Item *item = g_ptr_array_index (queue, i);

      if (item->status == ROW_FAILED)
        g_printerr (_("row %u (bill %s) failed: %s\n"), item->row->number, item->bill_id,
                    item->error);
      else if (item->status == ROW_UNKNOWN)
        g_printerr (_("row %u (bill %s): outcome unknown, it will be settled on the next run "
                      "(never sent twice): %s\n"), item->row->number, item->bill_id,
                    item->error);
      else if (item->status == ROW_TO_SEND)
        item->status = ROW_NOT_STARTED;
    }

  {
    g_autoptr(GError) batch_error = NULL;
    guint n_not_started = queue->len - b.n_sent - b.n_failed - b.n_unknown;
    double seconds = (double) (g_get_monotonic_time () - b.started_at) / G_USEC_PER_SEC;

    if (!pm_ledger_update_batch (pm_service_get_ledger (cli->service), batch_id,
                                 n_already + b.n_sent, n_failed_before + b.n_failed,
                                 &batch_error))
      g_printerr (_("paymint-cli: could not record the batch totals: %s\n"),
                  batch_error->message);
    g_print (_("Sent %u, failed %u, unknown %u, skipped %u sent earlier, %u left for the next "
               "run (%.1f s, %.0f requests/s).\n"),
             b.n_sent, b.n_failed, b.n_unknown, n_already + n_failed_before + n_unknown_before,
             n_not_started, seconds, seconds > 0 ? b.n_sent / seconds : 0.0);
    status = b.status;
    if (n_unknown_before > 0)
      status = MAX (status, PM_CLI_EXIT_UNKNOWN);
    if (n_not_sent_before > 0)
      status = MAX (status, PM_CLI_EXIT_REJECTED);
    if (n_not_started > 0 && status == PM_CLI_EXIT_OK && limit == 0)
      status = PM_CLI_EXIT_REJECTED; /* interrupted */
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
