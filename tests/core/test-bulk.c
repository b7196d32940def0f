/* test-bulk.c — PmBulk (bulk send) against the in-process sandbox
 *
 * Copyright 2026 The Paymint Desk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * What a clerk would notice: identical rows and an already-sent file stop a send before
 * anything leaves; a resumed or repeated batch never makes a second bill (the sandbox's
 * bills are counted); a cancelled run leaves every row sent, failed, known-unknown or not
 * started, and a resume finishes it; server faults give each row its own outcome; no more
 * requests are in flight than asked.
 */

#include "config.h"

#include <glib/gstdio.h>
#include <string.h>

#include "pm-bulk.h"
#include "pm-error.h"
#include "pm-ledger.h"
#include "pm-sandbox.h"
#include "pm-service.h"
#include "pm-test-util.h"

typedef struct
{
  PmSandbox *sandbox;
  PmService *service;
  PmProfile *profile;
  char      *dir;
  char      *ledger_path;
  char      *expire;
} Fixture;

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *url = NULL;

  f->sandbox = pm_sandbox_new ();
  pm_sandbox_set_seed (f->sandbox, 7);
  pm_sandbox_set_payers (f->sandbox, 0.0, 60, 120, 0.0); /* nobody pays by themselves */
  g_assert_true (pm_sandbox_start (f->sandbox, NULL, 0, &error));
  g_assert_no_error (error);
  url = pm_sandbox_dup_base_url (f->sandbox);

  f->dir = g_dir_make_tmp ("bulk-XXXXXX", &error);
  g_assert_no_error (error);
  f->ledger_path = g_build_filename (f->dir, "ledger.db", NULL);
  f->service = pm_service_new (f->ledger_path, &error);
  g_assert_no_error (error);
  f->profile = pm_profile_new ();
  pm_profile_set_uuid (f->profile, "b0b0b0b0-0000-4000-8000-00000000b0b0");
  pm_profile_set_name (f->profile, "Sandbox");
  pm_profile_set_base_url (f->profile, url);
  pm_profile_set_api_key (f->profile, PM_SANDBOX_DEMO_KEY);
  pm_profile_set_mode (f->profile, PM_PROFILE_MODE_MMK);
  pm_service_set_profile (f->service, f->profile);
  pm_service_set_timeout (f->service, 10); /* a loaded machine is not a fault */
  /* no poller settling intents behind the bulk's back: every outcome here is the bulk's */
  pm_service_set_polling (f->service, FALSE, 4);
  f->expire = pm_bill_korea_date (g_get_real_time () / G_USEC_PER_SEC + 7 * 86400);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(GPtrArray) files = pm_test_list_files (f->dir);

  g_assert_finalize_object (f->service);
  g_clear_object (&f->profile);
  pm_sandbox_stop (f->sandbox);
  g_clear_object (&f->sandbox);
  for (guint i = 0; i < files->len; i++)
    g_unlink (g_ptr_array_index (files, i));
  g_rmdir (f->dir);
  g_free (f->dir);
  g_free (f->ledger_path);
  g_free (f->expire);
}

static char *
write_file (Fixture    *f,
            const char *name,
            const char *text)
{
  g_autoptr(GError) error = NULL;
  char *path = g_build_filename (f->dir, name, NULL);

  g_file_set_contents (path, text, -1, &error);
  g_assert_no_error (error);
  return path;
}

/* @n rows, each its own payer (phone 010-70NN-NNNN) and amount, in order or reversed */
static char *
make_rows (guint    n,
           gboolean reversed)
{
  GString *s = g_string_new ("이름,전화번호,금액,상품명,메시지\n");

  for (guint k = 0; k < n; k++)
    {
      guint i = reversed ? n - k : k + 1;

      g_string_append_printf (s, "학생%u,010-70%02u-%04u,%u,11월 수강료,안내\n", i, i % 100, i,
                              1000 + i);
    }
  return g_string_free (s, FALSE);
}

static PmBulk *
bulk_load (Fixture    *f,
           const char *path,
           const char *batch_name)
{
  g_autoptr(GError) error = NULL;
  PmCsvOptions options = { 0 };
  PmBulk *bulk = pm_bulk_new (f->service);

  options.default_expiry = f->expire;
  pm_bulk_set_batch_name (bulk, batch_name);
  g_assert_true (pm_bulk_load_file (bulk, path, &options, &error));
  g_assert_no_error (error);
  g_assert_cmpint (pm_bulk_get_stage (bulk), ==, PM_BULK_STAGE_LOADED);
  return bulk;
}

static void
store_result_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  GAsyncResult **out = user_data;

  *out = g_object_ref (result);
}

static gboolean
result_is_set (gpointer data)
{
  return *(GAsyncResult **) data != NULL;
}

static gboolean
bulk_settle (PmBulk  *bulk,
             GError **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  pm_bulk_settle_async (bulk, NULL, store_result_cb, &result);
  pm_test_spin_until (result_is_set, &result, 60000);
  return pm_bulk_settle_finish (bulk, result, NULL, error);
}

/* prepare, settle, classify: what a window does before it asks the clerk */
static gboolean
bulk_check (PmBulk  *bulk,
            GError **error)
{
  return pm_bulk_prepare (bulk, error) && bulk_settle (bulk, error)
         && pm_bulk_classify (bulk, error);
}

static gboolean
bulk_send (PmBulk        *bulk,
           GCancellable  *cancellable,
           GError       **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  pm_bulk_send_async (bulk, cancellable, store_result_cb, &result);
  pm_test_spin_until (result_is_set, &result, 60000);
  return pm_bulk_send_finish (bulk, result, error);
}

static PmBulkRow *
row_at (PmBulk *bulk,
        guint   i)
{
  PmBulkRow *row = g_list_model_get_item (pm_bulk_get_rows (bulk), i);

  g_object_unref (row); /* the model keeps it */
  return row;
}

static guint
count_status (PmBulk          *bulk,
              PmBulkRowStatus  status)
{
  guint n = 0;

  for (guint i = 0; i < pm_bulk_get_n_rows (bulk); i++)
    if (pm_bulk_row_get_status (row_at (bulk, i)) == status)
      n++;
  return n;
}

static guint
ledger_count (Fixture *f)
{
  g_autoptr(PmLedgerQuery) query = pm_ledger_query_new ();
  g_autoptr(GError) error = NULL;
  guint n = 0;

  g_assert_true (pm_ledger_count (pm_service_get_ledger (f->service), query, &n, &error));
  g_assert_no_error (error);
  return n;
}

/* ---- checking the file ---- */

static void
test_duplicates (Fixture       *f,
                 gconstpointer  data)
{
  g_autofree char *path = write_file (f, "dup.csv",
                                      "이름,전화번호,금액,상품명,메시지\n"
                                      "김영희,010-1234-5678,\"120,000\",3월 수강료,안내\n"
                                      "이민수,010-2222-3333,5000,간식비,안내\n"
                                      "김영희,01012345678,120000,3월 수강료,다시 안내\n"
                                      "차범근,02-123-4567,5000,간식비,안내\n"
                                      "박지민,010-4444-5555,5000,간식비,안내\n");
  g_autoptr(PmBulk) bulk = bulk_load (f, path, NULL);
  g_autoptr(GError) error = NULL;

  g_assert_cmpuint (pm_bulk_get_n_rows (bulk), ==, 5);
  g_assert_cmpuint (pm_bulk_get_n_valid (bulk), ==, 4);
  g_assert_cmpuint (pm_bulk_get_n_invalid (bulk), ==, 1);
  g_assert_cmpuint (pm_bulk_get_n_duplicate_groups (bulk), ==, 1);
  /* rows 2 and 4 of the sheet are the same bill; row 5 has a bad phone */
  g_assert_cmpuint (pm_bulk_row_get_number (row_at (bulk, 0)), ==, 2);
  g_assert_true (pm_bulk_row_get_duplicate (row_at (bulk, 0)));
  g_assert_false (pm_bulk_row_get_duplicate (row_at (bulk, 1)));
  g_assert_true (pm_bulk_row_get_duplicate (row_at (bulk, 2)));
  g_assert_cmpint (pm_bulk_row_get_status (row_at (bulk, 3)), ==, PM_BULK_ROW_INVALID);
  g_assert_nonnull (strstr (pm_bulk_row_get_error_text (row_at (bulk, 3)), "mobile"));
  g_assert_cmpint (pm_bulk_row_get_amount (row_at (bulk, 0)), ==, 120000);

  /* refused, in order: the bad row, then the identical rows */
  g_assert_false (pm_bulk_check_rows (bulk, &error));
  g_assert_error (error, PM_BULK_ERROR, PM_BULK_ERROR_INVALID_ROWS);
  g_clear_error (&error);
  pm_bulk_set_skip_invalid (bulk, TRUE);
  g_assert_false (pm_bulk_check_rows (bulk, &error));
  g_assert_error (error, PM_BULK_ERROR, PM_BULK_ERROR_DUPLICATES);
  g_clear_error (&error);

  /* checked against the ledger, the send itself still refuses: nothing leaves */
  g_assert_true (bulk_check (bulk, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (pm_bulk_get_n_run (bulk), ==, 4);
  g_assert_cmpint (pm_bulk_get_won_run (bulk), ==, 120000 * 2 + 5000 * 2);
  g_assert_false (bulk_send (bulk, NULL, &error));
  g_assert_error (error, PM_BULK_ERROR, PM_BULK_ERROR_DUPLICATES);
  g_clear_error (&error);
  g_assert_cmpuint (pm_sandbox_count_bills (f->sandbox), ==, 0);
  g_assert_cmpuint (ledger_count (f), ==, 0);

  /* said so: every valid row once, each its own bill */
  pm_bulk_set_allow_duplicates (bulk, TRUE);
  g_assert_true (bulk_send (bulk, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (pm_bulk_get_n_sent (bulk), ==, 4);
  g_assert_cmpint (pm_bulk_get_won_sent (bulk), ==, 250000);
  g_assert_cmpuint (count_status (bulk, PM_BULK_ROW_SENT), ==, 4);
  g_assert_cmpuint (pm_sandbox_count_bills (f->sandbox), ==, 4);
  g_assert_cmpstr (pm_bulk_row_get_bill_id (row_at (bulk, 0)), !=,
                   pm_bulk_row_get_bill_id (row_at (bulk, 2)));
  g_assert_finalize_object (g_steal_pointer (&bulk));

  /* the same again: nothing more */
  bulk = bulk_load (f, path, NULL);
  pm_bulk_set_skip_invalid (bulk, TRUE);
  pm_bulk_set_allow_duplicates (bulk, TRUE);
  g_assert_true (bulk_check (bulk, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (pm_bulk_get_n_already_sent (bulk), ==, 4);
  g_assert_cmpuint (pm_bulk_get_n_run (bulk), ==, 0);
  g_assert_true (bulk_send (bulk, NULL, &error));
  g_assert_cmpuint (pm_sandbox_count_bills (f->sandbox), ==, 4);
  g_assert_finalize_object (g_steal_pointer (&bulk));
}

static void
test_bad_file (Fixture       *f,
               gconstpointer  data)
{
  g_autofree char *missing = g_build_filename (f->dir, "없는 파일.csv", NULL);
  g_autofree char *empty = write_file (f, "empty.csv", "이름,전화번호,금액,상품명,메시지\n");
  g_autoptr(PmBulk) bulk = pm_bulk_new (f->service);
  g_autoptr(GError) error = NULL;
  PmCsvOptions options = { 0 };

  options.default_expiry = f->expire;
  g_assert_false (pm_bulk_load_file (bulk, missing, &options, &error));
  g_assert_nonnull (error);
  g_assert_cmpint (pm_bulk_get_stage (bulk), ==, PM_BULK_STAGE_EMPTY);
  g_clear_error (&error);

  g_assert_true (pm_bulk_load_file (bulk, empty, &options, &error));
  g_assert_false (pm_bulk_check_rows (bulk, &error));
  g_assert_error (error, PM_BULK_ERROR, PM_BULK_ERROR_NO_VALID_ROW);
}

static void
load_done_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  GAsyncResult **out = user_data;

  *out = g_object_ref (result);
}

/* Read in a worker thread: the options are the caller's to free at once; the rows are
 * the same as a read in the caller's thread. */
static void
test_load_async (Fixture       *f,
                 gconstpointer  data)
{
  g_autofree char *path = write_file (f, "rows.csv", "금액,전화번호,성명\n"
                                                     "1000,010-7001-0001,학생1\n"
                                                     "0,010-7002-0002,학생2\n"
                                                     "3000,010-7003-0003,학생3\n");
  g_autofree char *missing = g_build_filename (f->dir, "missing.csv", NULL);
  g_autoptr(PmBulk) bulk = pm_bulk_new (f->service);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  PmCsvOptions options = { 0 };
  char *product = g_strdup ("간식비");
  char *message = g_strdup ("안내");
  char *expire = g_strdup (f->expire);
  char *payer_column = g_strdup ("3");

  options.default_product = product;
  options.default_message = message;
  options.default_expiry = expire;
  options.columns[PM_CSV_FIELD_PAYER] = payer_column;
  pm_bulk_load_file_async (bulk, path, &options, NULL, load_done_cb, &result);
  /* the caller's copies are gone before the worker reads them */
  memset (product, 'x', strlen (product));
  g_free (product);
  g_free (message);
  g_free (expire);
  g_free (payer_column);
  pm_test_spin_until (result_is_set, &result, 30000);
  g_assert_true (pm_bulk_load_file_finish (bulk, result, &error));
  g_assert_no_error (error);
  g_assert_cmpint (pm_bulk_get_stage (bulk), ==, PM_BULK_STAGE_LOADED);
  g_assert_cmpuint (pm_bulk_get_n_rows (bulk), ==, 3);
  g_assert_cmpuint (pm_bulk_get_n_valid (bulk), ==, 2);
  g_assert_cmpint (pm_bulk_row_get_status (row_at (bulk, 1)), ==, PM_BULK_ROW_INVALID);
  g_assert_cmpstr (pm_bill_get_product (pm_bulk_row_get_csv_row (row_at (bulk, 0))->bill), ==,
                   "간식비");
  g_assert_cmpstr (pm_bill_get_payer_name (pm_bulk_row_get_csv_row (row_at (bulk, 2))->bill),
                   ==, "학생3");
  g_clear_object (&result); /* the task holds the bulk */
  g_assert_finalize_object (g_steal_pointer (&bulk));

  /* a file that cannot be read: the error, and nothing loaded */
  g_clear_object (&result);
  bulk = pm_bulk_new (f->service);
  pm_bulk_load_file_async (bulk, missing, NULL, NULL, load_done_cb, &result);
  pm_test_spin_until (result_is_set, &result, 30000);
  g_assert_false (pm_bulk_load_file_finish (bulk, result, &error));
  g_assert_nonnull (error);
  g_assert_cmpint (pm_bulk_get_stage (bulk), ==, PM_BULK_STAGE_EMPTY);
}

/* ---- an already-sent file ---- */

static void
test_sent_before (Fixture       *f,
                  gconstpointer  data)
{
  g_autofree char *rows = make_rows (12, FALSE);
  g_autofree char *reordered = make_rows (12, TRUE);
  g_autofree char *path = write_file (f, "11월.csv", rows);
  g_autofree char *copy = write_file (f, "11월 (2).csv", reordered);
  g_autoptr(PmBulk) bulk = bulk_load (f, path, NULL);
  g_autoptr(GError) error = NULL;
  const PmLedgerBatch *before;

  /* a first run of 5 rows (--limit) */
  pm_bulk_set_limit (bulk, 5);
  g_assert_true (bulk_check (bulk, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (pm_bulk_get_n_to_send (bulk), ==, 12);
  g_assert_cmpuint (pm_bulk_get_n_run (bulk), ==, 5);
  g_assert_cmpint (pm_bulk_get_won_run (bulk), ==, 1001 + 1002 + 1003 + 1004 + 1005);
  g_assert_true (bulk_send (bulk, NULL, &error));
  g_assert_cmpuint (pm_bulk_get_n_sent (bulk), ==, 5);
  g_assert_cmpuint (pm_bulk_get_n_not_started (bulk), ==, 7);
  g_assert_cmpuint (count_status (bulk, PM_BULK_ROW_NOT_STARTED), ==, 7);
  g_assert_cmpuint (pm_sandbox_count_bills (f->sandbox), ==, 5);
  g_assert_finalize_object (g_steal_pointer (&bulk));

  /* a renamed copy with the rows in another order: refused, naming the batch */
  bulk = bulk_load (f, copy, NULL);
  g_assert_false (pm_bulk_prepare (bulk, &error));
  g_assert_error (error, PM_BULK_ERROR, PM_BULK_ERROR_SENT_BEFORE);
  g_assert_nonnull (strstr (error->message, "11월.csv"));
  g_clear_error (&error);
  before = pm_bulk_get_sent_before (bulk);
  g_assert_nonnull (before);
  g_assert_cmpstr (pm_bulk_batch_display_name (before), ==, "11월.csv");
  g_assert_cmpuint (before->n_live, ==, 5);

  /* a new batch needs a name no batch has */
  pm_bulk_set_batch_name (bulk, "11월.csv");
  pm_bulk_set_as_new_batch (bulk, TRUE);
  g_assert_false (pm_bulk_prepare (bulk, &error));
  g_assert_error (error, PM_BULK_ERROR, PM_BULK_ERROR_BATCH_EXISTS);
  g_clear_error (&error);
  g_assert_nonnull (pm_bulk_get_this_batch (bulk));

  /* that batch going on is resuming: only the other 7 rows */
  pm_bulk_set_as_new_batch (bulk, FALSE);
  g_assert_true (bulk_check (bulk, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (pm_bulk_get_n_already_sent (bulk), ==, 5);
  g_assert_cmpuint (pm_bulk_get_n_run (bulk), ==, 7);
  g_assert_true (bulk_send (bulk, NULL, &error));
  g_assert_cmpuint (pm_bulk_get_n_sent (bulk), ==, 7);
  g_assert_cmpuint (pm_sandbox_count_bills (f->sandbox), ==, 12);
  g_assert_finalize_object (g_steal_pointer (&bulk));

  /* said to be a new batch (next month): every row once more */
  bulk = bulk_load (f, copy, "12월");
  pm_bulk_set_as_new_batch (bulk, TRUE);
  g_assert_true (bulk_check (bulk, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (pm_bulk_get_n_run (bulk), ==, 12);
  g_assert_true (bulk_send (bulk, NULL, &error));
  g_assert_cmpuint (pm_sandbox_count_bills (f->sandbox), ==, 24);
  g_assert_finalize_object (g_steal_pointer (&bulk));

  /* and the copy once more under its own name is refused again, sending nothing */
  bulk = bulk_load (f, copy, NULL);
  g_assert_false (pm_bulk_prepare (bulk, &error));
  g_assert_error (error, PM_BULK_ERROR, PM_BULK_ERROR_SENT_BEFORE);
  g_assert_cmpuint (pm_sandbox_count_bills (f->sandbox), ==, 24);
  g_assert_cmpuint (ledger_count (f), ==, 24);
}

/* ---- resuming ---- */

/* A run killed at the worst moments: intents written for rows 1–10 and never sent; rows
 * 11–15 sent and created on the server, the process dead before it could write so (the
 * ledger still says queued). The resume settles them all and makes no second bill. */
static void
test_resume_after_crash (Fixture       *f,
                         gconstpointer  data)
{
  const guint n = 30;
  g_autofree char *rows = make_rows (n, FALSE);
  g_autofree char *path = write_file (f, "rows.csv", rows);
  g_autoptr(PmBulk) first = bulk_load (f, path, "3월");
  g_autoptr(PmBulk) bulk = NULL;
  g_autoptr(GPtrArray) drafts = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GPtrArray) intents = NULL;
  g_autoptr(GError) error = NULL;

  /* the first run, by hand: the same bill ids the bulk gives */
  g_assert_true (pm_bulk_prepare (first, &error));
  g_assert_no_error (error);
  for (guint i = 0; i < 15; i++)
    {
      PmBulkRow *row = row_at (first, i);
      PmBill *draft = pm_bill_copy (pm_bulk_row_get_csv_row (row)->bill);

      pm_bill_set_bill_id (draft, pm_bulk_row_get_bill_id (row));
      pm_bill_set_batch_id (draft, pm_bulk_get_batch_id (first));
      g_ptr_array_add (drafts, draft);
    }
  intents = pm_service_write_intents (f->service, drafts, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (intents->len, ==, 15);
  {
    /* rows 11–15 reached the server from "the dead process": another ledger */
    g_autofree char *other_path = g_build_filename (f->dir, "other.db", NULL);
    g_autoptr(PmService) other = pm_service_new (other_path, &error);

    g_assert_no_error (error);
    pm_service_set_profile (other, f->profile);
    pm_service_set_polling (other, FALSE, 1);
    for (guint i = 10; i < 15; i++)
      {
        g_autoptr(GAsyncResult) result = NULL;
        g_autoptr(PmBill) bill = NULL;

        pm_service_send_async (other, g_ptr_array_index (drafts, i), NULL, store_result_cb,
                               &result);
        pm_test_spin_until (result_is_set, &result, 30000);
        bill = pm_service_send_finish (other, result, &error);
        g_assert_no_error (error);
      }
    g_assert_finalize_object (g_steal_pointer (&other));
  }
  g_assert_cmpuint (pm_sandbox_count_bills (f->sandbox), ==, 5);
  g_assert_finalize_object (g_steal_pointer (&first));

  /* the resume */
  bulk = bulk_load (f, path, "3월");
  g_assert_true (bulk_check (bulk, &error));
  g_assert_no_error (error);
  /* settling sent the ten written-down ones and adopted the five the server had */
  g_assert_cmpuint (pm_bulk_get_n_already_sent (bulk), ==, 15);
  g_assert_cmpuint (pm_sandbox_count_bills (f->sandbox), ==, 15);
  g_assert_cmpuint (pm_bulk_get_n_run (bulk), ==, n - 15);
  g_assert_true (bulk_send (bulk, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (pm_bulk_get_n_sent (bulk), ==, n - 15);
  g_assert_cmpuint (pm_bulk_get_n_failed (bulk) + pm_bulk_get_n_unknown (bulk), ==, 0);
  /* one bill per row, on the server and in the ledger */
  g_assert_cmpuint (pm_sandbox_count_bills (f->sandbox), ==, n);
  g_assert_cmpuint (ledger_count (f), ==, n);
  for (guint i = 0; i < n; i++)
    {
      g_autofree char *state = pm_sandbox_dup_bill_state (f->sandbox,
                                                          pm_bulk_row_get_bill_id (row_at (bulk,
                                                                                           i)));

      g_assert_cmpstr (state, ==, "W");
    }
  g_assert_finalize_object (g_steal_pointer (&bulk));

  /* once more: nothing */
  bulk = bulk_load (f, path, "3월");
  g_assert_true (bulk_check (bulk, &error));
  g_assert_cmpuint (pm_bulk_get_n_run (bulk), ==, 0);
  g_assert_cmpuint (pm_bulk_get_n_already_sent (bulk), ==, n);
  g_assert_cmpuint (pm_sandbox_count_bills (f->sandbox), ==, n);
}

/* ---- cancelling ---- */

typedef struct
{
  GCancellable *cancellable;
  guint         cancel_at;
  guint         parallel;
  gboolean      over;      /* more in flight than allowed, ever */
  guint         notified;  /* n-done notifications */
} Watch;

static void
n_done_cb (PmBulk     *bulk,
           GParamSpec *pspec,
           Watch      *w)
{
  w->notified++;
  if (w->cancellable != NULL && pm_bulk_get_n_done (bulk) >= w->cancel_at)
    g_cancellable_cancel (w->cancellable);
}

static void
n_in_flight_cb (PmBulk     *bulk,
                GParamSpec *pspec,
                Watch      *w)
{
  if (pm_bulk_get_n_in_flight (bulk) > w->parallel)
    w->over = TRUE;
}

static void
test_cancel (Fixture       *f,
             gconstpointer  data)
{
  const guint n = 60;
  g_autofree char *rows = make_rows (n, FALSE);
  g_autofree char *path = write_file (f, "rows.csv", rows);
  g_autoptr(PmBulk) bulk = bulk_load (f, path, NULL);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) error = NULL;
  Watch w = { cancellable, 6, 3, FALSE, 0 };
  guint n_sent, n_written_not_sent;

  pm_sandbox_set_latency (f->sandbox, "request", 20);
  pm_bulk_set_parallel (bulk, 3);
  pm_bulk_set_write_ahead (bulk, 8);
  g_assert_true (bulk_check (bulk, &error));
  g_assert_no_error (error);
  g_signal_connect (bulk, "notify::n-done", G_CALLBACK (n_done_cb), &w);
  g_signal_connect (bulk, "notify::n-in-flight", G_CALLBACK (n_in_flight_cb), &w);
  g_assert_true (bulk_send (bulk, cancellable, &error));
  g_assert_no_error (error);
  g_assert_true (pm_bulk_get_cancelled (bulk));
  g_assert_false (w.over);
  g_assert_cmpuint (w.notified, >=, 6);
  g_assert_cmpint (pm_bulk_get_stage (bulk), ==, PM_BULK_STAGE_DONE);
  g_assert_cmpuint (pm_bulk_get_n_in_flight (bulk), ==, 0);

  /* the requests on their way finished and were recorded; nothing new started */
  n_sent = pm_bulk_get_n_sent (bulk);
  n_written_not_sent = pm_bulk_get_n_written_not_sent (bulk);
  g_assert_cmpuint (n_sent, >=, 6);
  g_assert_cmpuint (n_sent, <, 6 + 3);
  g_assert_cmpuint (pm_bulk_get_n_failed (bulk), ==, 0);
  g_assert_cmpuint (pm_bulk_get_n_unknown (bulk), ==, n_written_not_sent);
  g_assert_cmpuint (n_sent + n_written_not_sent, <=, 16); /* two groups of 8 at most */
  g_assert_cmpuint (pm_bulk_get_n_not_started (bulk), ==, n - n_sent - n_written_not_sent);
  g_assert_cmpuint (pm_sandbox_count_bills (f->sandbox), ==, n_sent);

  /* every row in a definite or known-unknown state, and the ledger agrees */
  for (guint i = 0; i < n; i++)
    {
      PmBulkRow *row = row_at (bulk, i);
      g_autoptr(PmBill) known = pm_service_lookup (f->service, pm_bulk_row_get_bill_id (row),
                                                   &error);
      g_autofree char *server = pm_sandbox_dup_bill_state (f->sandbox,
                                                           pm_bulk_row_get_bill_id (row));

      g_assert_no_error (error);
      switch (pm_bulk_row_get_status (row))
        {
        case PM_BULK_ROW_SENT:
          g_assert_nonnull (known);
          g_assert_cmpint (pm_bill_get_state (known), ==, PM_BILL_STATE_UNPAID);
          g_assert_cmpstr (server, ==, "W");
          break;
        case PM_BULK_ROW_UNKNOWN:
          /* written down, not sent: a queued intent the next run settles */
          g_assert_nonnull (known);
          g_assert_cmpint (pm_bill_get_state (known), ==, PM_BILL_STATE_QUEUED);
          g_assert_null (server);
          g_assert_nonnull (pm_bulk_row_get_error_text (row));
          g_assert_null (pm_bulk_row_get_error (row));
          break;
        case PM_BULK_ROW_NOT_STARTED:
          g_assert_null (known);
          g_assert_null (server);
          break;
        default:
          g_error ("row %u: status %d after a cancel", i, pm_bulk_row_get_status (row));
        }
    }
  g_assert_finalize_object (g_steal_pointer (&bulk));

  /* the resume finishes it, each row once */
  pm_sandbox_set_latency (f->sandbox, "request", 0);
  bulk = bulk_load (f, path, NULL);
  g_assert_true (bulk_check (bulk, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (pm_bulk_get_n_already_sent (bulk), ==, n_sent + n_written_not_sent);
  g_assert_true (bulk_send (bulk, NULL, &error));
  g_assert_false (pm_bulk_get_cancelled (bulk));
  g_assert_cmpuint (pm_bulk_get_n_sent (bulk), ==, n - n_sent - n_written_not_sent);
  g_assert_cmpuint (pm_sandbox_count_bills (f->sandbox), ==, n);
  g_assert_cmpuint (ledger_count (f), ==, n);
}

/* ---- server faults ---- */

/* Every send answered 500: each row's outcome is unknown (maybe done), none failed, none
 * on the server; with the server well again, the resume sends each once. */
static void
test_fault_unknown (Fixture       *f,
                    gconstpointer  data)
{
  const guint n = 4;
  g_autofree char *rows = make_rows (n, FALSE);
  g_autofree char *path = write_file (f, "rows.csv", rows);
  g_autoptr(PmBulk) bulk = bulk_load (f, path, NULL);
  g_autoptr(GError) error = NULL;

  g_assert_true (bulk_check (bulk, &error));
  g_assert_no_error (error);
  pm_sandbox_set_fault (f->sandbox, "request", PM_SANDBOX_FAULT_HTTP_500, 1.0);
  g_assert_true (bulk_send (bulk, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (pm_bulk_get_n_unknown (bulk), ==, n);
  g_assert_cmpuint (pm_bulk_get_n_written_not_sent (bulk), ==, 0);
  g_assert_null (pm_bulk_get_stop_reason (bulk));
  for (guint i = 0; i < n; i++)
    {
      PmBulkRow *row = row_at (bulk, i);

      g_assert_cmpint (pm_bulk_row_get_status (row), ==, PM_BULK_ROW_UNKNOWN);
      g_assert_nonnull (pm_bulk_row_get_error (row));
      g_assert_true (pm_error_is_maybe_done (pm_bulk_row_get_error (row)));
      g_assert_nonnull (pm_bulk_row_get_error_text (row));
    }
  g_assert_cmpuint (pm_sandbox_count_bills (f->sandbox), ==, 0);
  g_assert_finalize_object (g_steal_pointer (&bulk));

  pm_sandbox_clear_faults (f->sandbox);
  bulk = bulk_load (f, path, NULL);
  g_assert_true (bulk_check (bulk, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (pm_bulk_get_n_already_sent (bulk), ==, n);
  g_assert_cmpuint (pm_sandbox_count_bills (f->sandbox), ==, n);
}

/* The bill is made but the reply is 9999: read back, each row sent, each bill once. */
static void
test_fault_after_create (Fixture       *f,
                         gconstpointer  data)
{
  const guint n = 6;
  g_autofree char *rows = make_rows (n, FALSE);
  g_autofree char *path = write_file (f, "rows.csv", rows);
  g_autoptr(PmBulk) bulk = bulk_load (f, path, NULL);
  g_autoptr(GError) error = NULL;

  g_assert_true (bulk_check (bulk, &error));
  pm_sandbox_set_fault (f->sandbox, "request", PM_SANDBOX_FAULT_CODE_9999_AFTER_CREATE, 0.5);
  g_assert_true (bulk_send (bulk, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (pm_sandbox_count_faults (f->sandbox, "request",
                                             PM_SANDBOX_FAULT_CODE_9999_AFTER_CREATE), >, 0);
  g_assert_cmpuint (pm_bulk_get_n_sent (bulk), ==, n);
  g_assert_cmpuint (count_status (bulk, PM_BULK_ROW_SENT), ==, n);
  g_assert_cmpuint (pm_sandbox_count_bills (f->sandbox), ==, n);
}

typedef struct
{
  guint  n;
  char  *reason;
} Stopped;

static void
stopped_cb (PmBulk     *bulk,
            const char *reason,
            Stopped    *s)
{
  s->n++;
  g_free (s->reason);
  s->reason = g_strdup (reason);
}

/* The balance runs out after 3 bills: that row fails with the server's reason, the run
 * stops (once), the rest are not sent; nothing is charged twice. */
static void
test_fault_balance (Fixture       *f,
                    gconstpointer  data)
{
  const guint n = 10;
  g_autofree char *rows = make_rows (n, FALSE);
  g_autofree char *path = write_file (f, "rows.csv", rows);
  g_autoptr(PmBulk) bulk = bulk_load (f, path, NULL);
  g_autoptr(GError) error = NULL;
  Stopped s = { 0 };
  guint n_failed_on_server = 0;

  pm_sandbox_set_balance (f->sandbox, PM_SANDBOX_DEMO_KEY, 3 * pm_sandbox_get_fee (f->sandbox));
  pm_bulk_set_parallel (bulk, 1);
  pm_bulk_set_write_ahead (bulk, 6);
  g_assert_true (bulk_check (bulk, &error));
  g_signal_connect (bulk, "stopped", G_CALLBACK (stopped_cb), &s);
  g_assert_true (bulk_send (bulk, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (s.n, ==, 1);
  g_assert_cmpstr (s.reason, ==, pm_bulk_get_stop_reason (bulk));
  g_assert_cmpuint (pm_bulk_get_n_sent (bulk), ==, 3);
  g_assert_cmpuint (pm_bulk_get_n_failed (bulk), ==, 1);
  g_assert_cmpint (pm_bulk_row_get_status (row_at (bulk, 3)), ==, PM_BULK_ROW_FAILED);
  g_assert_error (pm_bulk_row_get_error (row_at (bulk, 3)), PM_ERROR,
                  PM_ERROR_INSUFFICIENT_BALANCE);
  g_assert_cmpstr (pm_bulk_row_get_error_text (row_at (bulk, 3)), ==, s.reason);
  /* the rest of the written group (rows 5 and 6) is known-unknown, the others never
   * started */
  g_assert_cmpuint (pm_bulk_get_n_written_not_sent (bulk), ==, 2);
  g_assert_cmpuint (pm_bulk_get_n_unknown (bulk), ==, 2);
  g_assert_cmpuint (pm_bulk_get_n_not_started (bulk), ==, n - 6);
  for (guint i = 0; i < n; i++)
    {
      PmBulkRowStatus status = pm_bulk_row_get_status (row_at (bulk, i));
      g_autofree char *server = pm_sandbox_dup_bill_state (f->sandbox,
                                                           pm_bulk_row_get_bill_id (row_at (bulk,
                                                                                            i)));

      if (status != PM_BULK_ROW_SENT)
        {
          g_assert_null (server);
          n_failed_on_server++;
        }
      g_assert_true (status == PM_BULK_ROW_SENT || status == PM_BULK_ROW_FAILED
                     || status == PM_BULK_ROW_UNKNOWN || status == PM_BULK_ROW_NOT_STARTED);
    }
  g_assert_cmpuint (n_failed_on_server, ==, n - 3);
  g_assert_cmpuint (pm_sandbox_count_bills (f->sandbox), ==, 3);
  g_free (s.reason);
  g_assert_finalize_object (g_steal_pointer (&bulk));

  /* topped up: the resume sends the written-down ones (settling) and the rest; the
   * failed row stays failed (it is not sent again by itself) */
  pm_sandbox_set_balance (f->sandbox, PM_SANDBOX_DEMO_KEY, 1000000);
  bulk = bulk_load (f, path, NULL);
  g_assert_true (bulk_check (bulk, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (pm_bulk_get_n_failed_before (bulk), ==, 1);
  g_assert_true (bulk_send (bulk, NULL, &error));
  g_assert_cmpuint (pm_sandbox_count_bills (f->sandbox), ==, n - 1);
  g_assert_null (pm_sandbox_dup_bill_state (f->sandbox,
                                            pm_bulk_row_get_bill_id (row_at (bulk, 3))));
}

/* ---- in flight ---- */

static void
test_bounded (Fixture       *f,
              gconstpointer  data)
{
  const guint n = 40;
  g_autofree char *rows = make_rows (n, FALSE);
  g_autofree char *path = write_file (f, "rows.csv", rows);
  g_autoptr(PmBulk) bulk = bulk_load (f, path, NULL);
  g_autoptr(GError) error = NULL;
  Watch w = { NULL, 0, 3, FALSE, 0 };

  pm_sandbox_set_latency (f->sandbox, "request", 10);
  pm_bulk_set_parallel (bulk, 3);
  g_assert_true (bulk_check (bulk, &error));
  g_signal_connect (bulk, "notify::n-in-flight", G_CALLBACK (n_in_flight_cb), &w);
  g_signal_connect (bulk, "notify::n-done", G_CALLBACK (n_done_cb), &w);
  g_assert_true (bulk_send (bulk, NULL, &error));
  g_assert_no_error (error);
  g_assert_false (w.over);
  g_assert_cmpuint (pm_bulk_get_max_in_flight (bulk), ==, 3);
  g_assert_cmpuint (w.notified, ==, n);
  g_assert_cmpuint (pm_bulk_get_n_sent (bulk), ==, n);
  g_assert_cmpuint (pm_sandbox_count_bills (f->sandbox), ==, n);
  g_assert_finalize_object (g_steal_pointer (&bulk));

  /* one at a time */
  {
    g_autofree char *more = g_strconcat (rows, "새학생,010-9999-0000,1000,11월 수강료,안내\n",
                                         NULL);
    g_autofree char *more_path = write_file (f, "more.csv", more);

    w.parallel = 1;
    bulk = bulk_load (f, more_path, "one");
    pm_bulk_set_parallel (bulk, 1);
    pm_bulk_set_as_new_batch (bulk, TRUE);
    g_assert_true (bulk_check (bulk, &error));
    g_signal_connect (bulk, "notify::n-in-flight", G_CALLBACK (n_in_flight_cb), &w);
    g_assert_true (bulk_send (bulk, NULL, &error));
    g_assert_false (w.over);
    g_assert_cmpuint (pm_bulk_get_max_in_flight (bulk), ==, 1);
    g_assert_cmpuint (pm_sandbox_count_bills (f->sandbox), ==, 2 * n + 1);
  }
}

/* A bulk send's outcomes join the ledger's write groups: they are not committed one by one
 * as a person's single send is (pm_service_send_finish publishes those), so a run of 64
 * rows in two groups of intents commits a handful of groups, not one per bill. */
static void
test_group_commits (Fixture       *f,
                    gconstpointer  data)
{
  const guint n = 64;
  g_autofree char *rows = make_rows (n, FALSE);
  g_autofree char *path = write_file (f, "rows.csv", rows);
  g_autoptr(PmBulk) bulk = bulk_load (f, path, NULL);
  g_autoptr(GError) error = NULL;
  PmLedger *ledger = pm_service_get_ledger (f->service);
  guint64 before;

  pm_bulk_set_write_ahead (bulk, 32);
  g_assert_true (bulk_check (bulk, &error));
  /* no group ends by its timer during the run */
  pm_ledger_set_group_commit (ledger, 60000);
  before = pm_ledger_get_group_commits (ledger);
  g_assert_true (bulk_send (bulk, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (pm_bulk_get_n_sent (bulk), ==, n);
  g_assert_cmpuint (pm_ledger_get_group_commits (ledger) - before, <=, 4);
  g_assert_cmpuint (ledger_count (f), ==, n);
}

int
main (int   argc,
      char *argv[])
{
  pm_test_init (&argc, &argv);

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("/bulk/duplicates", test_duplicates);
  ADD ("/bulk/bad-file", test_bad_file);
  ADD ("/bulk/load-async", test_load_async);
  ADD ("/bulk/sent-before", test_sent_before);
  ADD ("/bulk/resume-after-crash", test_resume_after_crash);
  ADD ("/bulk/cancel", test_cancel);
  ADD ("/bulk/fault/unknown", test_fault_unknown);
  ADD ("/bulk/fault/after-create", test_fault_after_create);
  ADD ("/bulk/fault/balance", test_fault_balance);
  ADD ("/bulk/bounded", test_bounded);
  ADD ("/bulk/group-commits", test_group_commits);
#undef ADD
  return g_test_run ();
}
