/* test-bulk-dialog.c — Send from a Spreadsheet… on the sandbox, in a real window
 *
 * Copyright 2026 The Paymint Desk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * With PM_BULK_SCREENSHOTS=DIR the screen is saved (import -window root) at each step,
 * in English and in Korean, as DIR/bulk-STEP-LANG.png.
 */

#include "config.h"

#include <adwaita.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <xlsxwriter.h>

#include "pm-application.h"
#include "pm-bulk-dialog.h"
#include "pm-money.h"
#include "pm-payments-view.h"
#include "pm-sandbox.h"
#include "pm-test-gtk-util.h"
#include "pm-test-util.h"
#include "pm-window.h"

static PmApplication *app;
static GtkWindow *window;
static PmService *service;
static PmSandbox *sandbox;
static char *dir;
static const char *lang = "en";

/* ---- files ---- */

typedef struct
{
  const char *name;
  const char *phone;
  const char *amount;   /* as text; a number in the .xlsx when it is one */
  const char *product;
} Row;

static char *
write_xlsx (const char *name,
            const Row  *rows,
            guint       n_rows)
{
  char *path = g_build_filename (dir, name, NULL);
  lxw_workbook *workbook = workbook_new (path);
  lxw_worksheet *sheet = workbook_add_worksheet (workbook, "청구");
  const char *headers[] = { "이름", "전화번호", "금액", "상품명" };

  for (guint c = 0; c < G_N_ELEMENTS (headers); c++)
    worksheet_write_string (sheet, 0, (lxw_col_t) c, headers[c], NULL);
  for (guint r = 0; r < n_rows; r++)
    {
      char *end = NULL;
      double amount = g_ascii_strtod (rows[r].amount, &end);

      worksheet_write_string (sheet, r + 1, 0, rows[r].name, NULL);
      worksheet_write_string (sheet, r + 1, 1, rows[r].phone, NULL);
      if (end != NULL && *end == '\0')
        worksheet_write_number (sheet, r + 1, 2, amount, NULL);
      else
        worksheet_write_string (sheet, r + 1, 2, rows[r].amount, NULL);
      worksheet_write_string (sheet, r + 1, 3, rows[r].product, NULL);
    }
  g_assert_cmpint (workbook_close (workbook), ==, LXW_NO_ERROR);
  return path;
}

/* @n rows of distinct payers, 10,000 won more each; @tag makes the file's bills its own */
static char *
write_clean_csv (const char *name,
                 guint       n,
                 const char *tag,
                 gint64     *total)
{
  g_autoptr(GString) csv = g_string_new ("name,phone,amount,product\n");
  char *path = g_build_filename (dir, name, NULL);
  g_autoptr(GError) error = NULL;

  *total = 0;
  for (guint i = 0; i < n; i++)
    {
      gint64 won = 10000 * (gint64) (i + 1);

      g_string_append_printf (csv, "Payer %s %u,010-%04u-%04u,%" G_GINT64_FORMAT ",%s lesson\n",
                              tag, i, 3000 + i, 7000 + i, won, tag);
      *total += won;
    }
  g_assert_true (g_file_set_contents (path, csv->str, (gssize) csv->len, &error));
  g_assert_no_error (error);
  return path;
}

/* ---- driving the window ---- */

static void
screenshot (const char *step)
{
  const char *out = g_getenv ("PM_BULK_SCREENSHOTS");
  g_autofree char *command = NULL;
  g_autoptr(GError) error = NULL;
  int status = 0;

  if (out == NULL)
    return;
  pm_test_spin (300);
  pm_test_wait_for_draw (GTK_WIDGET (window));
  command = g_strdup_printf ("import -window root %s/bulk-%s-%s.png", out, step, lang);
  g_assert_true (g_spawn_command_line_sync (command, NULL, NULL, &status, &error));
  g_assert_no_error (error);
}

static GtkWidget *
child (PmBulkDialog *dialog,
       const char   *name)
{
  GObject *object = gtk_widget_get_template_child (GTK_WIDGET (dialog), PM_TYPE_BULK_DIALOG,
                                                   name);

  g_assert_nonnull (object);
  return GTK_WIDGET (object);
}

typedef struct
{
  PmBulkDialog *dialog;
  const char   *step;
} StepWait;

static gboolean
at_step (gpointer data)
{
  StepWait *wait = data;

  return g_strcmp0 (pm_bulk_dialog_get_step (wait->dialog), wait->step) == 0
         && !pm_bulk_dialog_get_busy (wait->dialog);
}

static void
wait_step (PmBulkDialog *dialog,
           const char   *step)
{
  StepWait wait = { dialog, step };

  pm_test_spin_until (at_step, &wait, 20000);
  g_assert_cmpstr (pm_bulk_dialog_get_step (dialog), ==, step);
}

static gboolean
next_sensitive (PmBulkDialog *dialog)
{
  GtkWidget *next = child (dialog, "next_button");

  return gtk_widget_get_visible (next) && gtk_widget_get_sensitive (next);
}

static void
click_next (PmBulkDialog *dialog)
{
  g_assert_true (next_sensitive (dialog));
  g_signal_emit_by_name (child (dialog, "next_button"), "clicked");
}

static PmBulkDialog *
open_file (const char *path)
{
  PmBulkDialog *dialog = pm_bulk_dialog_present_for_file (window, service, path);

  g_object_ref (dialog);
  wait_step (dialog, "map");
  return dialog;
}

static void
preview (PmBulkDialog *dialog)
{
  click_next (dialog);
  wait_step (dialog, "preview");
  pm_test_wait_for_draw (GTK_WIDGET (dialog));
}

static void
close_dialog (PmBulkDialog *dialog)
{
  gtk_window_destroy (GTK_WINDOW (dialog));
  pm_test_spin (50);
  g_assert_finalize_object (dialog);
}

static AdwMessageDialog *
find_message_dialog (void)
{
  GListModel *toplevels = gtk_window_get_toplevels ();

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GtkWindow) w = g_list_model_get_item (toplevels, i);

      if (ADW_IS_MESSAGE_DIALOG (w) && gtk_widget_get_visible (GTK_WIDGET (w)))
        return ADW_MESSAGE_DIALOG (w);
    }
  return NULL;
}

static gboolean
message_dialog_shown (gpointer data)
{
  return find_message_dialog () != NULL;
}

/* Send… → the confirmation (its body checked: count, figures, Korean words) → Send. */
static void
confirm_and_send (PmBulkDialog *dialog,
                  guint         n,
                  gint64        total)
{
  AdwMessageDialog *question;
  g_autofree char *figures = pm_money_format (total);
  g_autofree char *words = pm_money_format_korean (total);
  g_autofree char *count = g_strdup_printf ("%u", n);
  const char *body;

  click_next (dialog);
  pm_test_spin_until (message_dialog_shown, NULL, 5000);
  question = find_message_dialog ();
  body = adw_message_dialog_get_body (question);
  g_assert_nonnull (strstr (body, figures));
  g_assert_nonnull (strstr (body, words));
  g_assert_true (g_str_has_prefix (body, count));
  g_assert_nonnull (strstr (adw_message_dialog_get_heading (question), count));
  screenshot ("confirm");
  adw_message_dialog_response (question, "send");
  gtk_window_destroy (GTK_WINDOW (question));
}

/* The mapped label in the row list showing exactly @text, or NULL. */
static GtkWidget *
find_cell (PmBulkDialog *dialog,
           const char   *text)
{
  return pm_test_find_label (child (dialog, "column_view"), text);
}

/* ---- the tests ---- */

static const Row problem_rows[] = {
  { "김영희", "010-1234-5678", "30000", "3월 수강료" },
  { "이철수", "010-12", "30000", "3월 수강료" },            /* bad phone */
  { "박민수", "010-2222-3333", "삼만원쯤", "3월 수강료" },  /* bad amount */
  { "최지우", "010-5555-6666", "45000", "교재비" },
  { "최지우", "010-5555-6666", "45000", "교재비" },          /* the same bill again */
};

/* An .xlsx with a bad row and a duplicate: problems at the cells; Send only once both are
 * chosen explicitly; a column chosen twice is refused at its dropdown. Nothing is sent. */
static void
test_problems (void)
{
  g_autofree char *path = write_xlsx ("problems.xlsx", problem_rows, G_N_ELEMENTS (problem_rows));
  guint before = pm_sandbox_count_bills (sandbox);
  PmBulkDialog *dialog = open_file (path);
  PmBulk *bulk = pm_bulk_dialog_get_bulk (dialog);
  GtkDropDown *payer = pm_bulk_dialog_get_column_dropdown (dialog, PM_CSV_FIELD_PAYER);
  GtkDropDown *phone = pm_bulk_dialog_get_column_dropdown (dialog, PM_CSV_FIELD_PHONE);
  guint phone_column;
  GListModel *rows;
  guint n_error_cells = 0;

  /* the columns found by their Korean headers */
  g_assert_nonnull (bulk);
  g_assert_cmpint (pm_csv_import_get_format (pm_bulk_get_import (bulk)), ==, PM_CSV_FORMAT_XLSX);
  g_assert_cmpuint (gtk_drop_down_get_selected (payer), ==, 1);
  phone_column = gtk_drop_down_get_selected (phone);
  g_assert_cmpuint (phone_column, ==, 2);
  screenshot ("columns");

  /* the phone on the payer's column: refused at the dropdown, the file not read again */
  gtk_drop_down_set_selected (phone, 1);
  pm_test_spin (50);
  g_assert_true (gtk_widget_has_css_class (GTK_WIDGET (phone), "error"));
  g_assert_false (next_sensitive (dialog));
  g_assert_true (pm_bulk_dialog_get_bulk (dialog) == bulk);
  g_assert_false (pm_bulk_dialog_get_busy (dialog));
  /* back to its column: read again (a new PmBulk), accepted */
  gtk_drop_down_set_selected (phone, phone_column);
  wait_step (dialog, "map");
  g_assert_false (gtk_widget_has_css_class (GTK_WIDGET (phone), "error"));
  g_assert_true (pm_bulk_dialog_get_bulk (dialog) != bulk);
  bulk = pm_bulk_dialog_get_bulk (dialog);

  preview (dialog);
  g_assert_cmpuint (pm_bulk_get_n_rows (bulk), ==, 5);
  g_assert_cmpuint (pm_bulk_get_n_invalid (bulk), ==, 2);
  g_assert_cmpuint (pm_bulk_get_n_duplicate_groups (bulk), ==, 1);

  /* every problem at its cell, in the error style */
  rows = pm_bulk_get_rows (bulk);
  for (guint i = 0; i < g_list_model_get_n_items (rows); i++)
    {
      g_autoptr(PmBulkRow) row = g_list_model_get_item (rows, i);
      const PmCsvRow *csv = pm_bulk_row_get_csv_row (row);

      for (guint e = 0; e < csv->errors->len; e++)
        {
          const PmCsvRowError *error = g_ptr_array_index (csv->errors, e);
          GtkWidget *cell = find_cell (dialog, error->message);

          g_assert_nonnull (cell);
          g_assert_true (gtk_widget_has_css_class (cell, "error"));
          n_error_cells++;
        }
    }
  g_assert_cmpuint (n_error_cells, ==, 2);
  /* the duplicates called out */
  {
    g_autofree char *five = g_strdup_printf (_("To send — the same bill as row %s"), "6");
    g_autofree char *six = g_strdup_printf (_("To send — the same bill as row %s"), "5");

    g_assert_true (gtk_widget_has_css_class (find_cell (dialog, five), "warning"));
    g_assert_true (gtk_widget_has_css_class (find_cell (dialog, six), "warning"));
  }

  /* no Send until both are chosen */
  g_assert_true (gtk_widget_get_visible (child (dialog, "skip_invalid_check")));
  g_assert_true (gtk_widget_get_visible (child (dialog, "allow_duplicates_check")));
  g_assert_false (next_sensitive (dialog));
  screenshot ("preview-problems");
  gtk_check_button_set_active (GTK_CHECK_BUTTON (child (dialog, "skip_invalid_check")), TRUE);
  pm_test_spin (20);
  g_assert_false (next_sensitive (dialog));
  gtk_check_button_set_active (GTK_CHECK_BUTTON (child (dialog, "allow_duplicates_check")), TRUE);
  pm_test_spin (20);
  g_assert_true (next_sensitive (dialog));
  gtk_check_button_set_active (GTK_CHECK_BUTTON (child (dialog, "skip_invalid_check")), FALSE);
  pm_test_spin (20);
  g_assert_false (next_sensitive (dialog));

  close_dialog (dialog);
  g_assert_cmpuint (pm_sandbox_count_bills (sandbox), ==, before);
}

static gboolean
payments_count_at_least (gpointer data)
{
  GtkWidget *view = pm_window_get_payments_view (PM_WINDOW (window));

  return g_list_model_get_n_items (pm_payments_view_get_model (PM_PAYMENTS_VIEW (view)))
         >= GPOINTER_TO_UINT (data);
}

/* A clean file: confirm → progress → every row sent; the sandbox has exactly N more bills;
 * Payments shows them. Chosen again: the already-sent banner, nothing to send. */
static void
test_send_clean (void)
{
  const guint n = 12;
  gint64 total;
  g_autofree char *path = write_clean_csv ("clean.csv", n, "clean", &total);
  g_autofree char *copy = g_build_filename (dir, "clean-renamed.csv", NULL);
  guint before = pm_sandbox_count_bills (sandbox);
  GtkWidget *view = pm_window_get_payments_view (PM_WINDOW (window));
  guint shown_before =
    g_list_model_get_n_items (pm_payments_view_get_model (PM_PAYMENTS_VIEW (view)));
  PmBulkDialog *dialog = open_file (path);
  PmBulk *bulk;
  GListModel *rows;

  preview (dialog);
  bulk = pm_bulk_dialog_get_bulk (dialog);
  g_assert_false (gtk_widget_get_visible (child (dialog, "skip_invalid_check")));
  g_assert_false (gtk_widget_get_visible (child (dialog, "allow_duplicates_check")));
  g_assert_cmpuint (pm_bulk_get_n_run (bulk), ==, n);
  screenshot ("preview-clean");

  pm_sandbox_set_latency (sandbox, "request", 1000);
  confirm_and_send (dialog, n, total);
  wait_step (dialog, "sending");
  screenshot ("progress");
  pm_sandbox_set_latency (sandbox, "request", 0);
  wait_step (dialog, "result");
  screenshot ("result");

  rows = pm_bulk_get_rows (bulk);
  for (guint i = 0; i < g_list_model_get_n_items (rows); i++)
    {
      g_autoptr(PmBulkRow) row = g_list_model_get_item (rows, i);

      g_assert_cmpint (pm_bulk_row_get_status (row), ==, PM_BULK_ROW_SENT);
    }
  g_assert_cmpuint (pm_bulk_get_n_sent (bulk), ==, n);
  g_assert_cmpuint (pm_sandbox_count_bills (sandbox), ==, before + n);
  /* in Payments, through the service's ledger signals */
  pm_test_spin_until (payments_count_at_least, GUINT_TO_POINTER (shown_before + n), 10000);
  /* problems only: none */
  gtk_toggle_button_set_active (GTK_TOGGLE_BUTTON (child (dialog, "problems_toggle")), TRUE);
  pm_test_wait_for_draw (GTK_WIDGET (dialog));
  g_assert_null (find_cell (dialog, pm_bulk_row_status_get_label (PM_BULK_ROW_SENT)));
  gtk_toggle_button_set_active (GTK_TOGGLE_BUTTON (child (dialog, "problems_toggle")), FALSE);
  pm_test_wait_for_draw (GTK_WIDGET (dialog));
  g_assert_nonnull (find_cell (dialog, pm_bulk_row_status_get_label (PM_BULK_ROW_SENT)));
  click_next (dialog);   /* Close */
  pm_test_spin (50);
  g_assert_finalize_object (dialog);

  /* the same file again: the banner says when and as what; nothing to send */
  dialog = open_file (path);
  preview (dialog);
  g_assert_true (gtk_revealer_get_reveal_child (GTK_REVEALER (child (dialog, "banner_revealer"))));
  g_assert_cmpuint (pm_bulk_get_n_run (pm_bulk_dialog_get_bulk (dialog)), ==, 0);
  g_assert_cmpuint (pm_bulk_get_n_already_sent (pm_bulk_dialog_get_bulk (dialog)), ==, n);
  g_assert_false (next_sensitive (dialog));
  screenshot ("sent-before");
  close_dialog (dialog);

  /* a renamed copy: recognised by its rows; continue / new batch offered */
  {
    g_autofree char *contents = NULL;
    gsize length;

    g_assert_true (g_file_get_contents (path, &contents, &length, NULL));
    g_assert_true (g_file_set_contents (copy, contents, (gssize) length, NULL));
  }
  dialog = open_file (copy);
  preview (dialog);
  g_assert_nonnull (pm_bulk_get_sent_before (pm_bulk_dialog_get_bulk (dialog)));
  g_assert_true (gtk_revealer_get_reveal_child (GTK_REVEALER (child (dialog, "banner_revealer"))));
  g_assert_true (gtk_widget_get_visible (child (dialog, "continue_batch_button")));
  g_assert_true (gtk_widget_get_visible (child (dialog, "new_batch_button")));
  g_assert_false (next_sensitive (dialog));
  screenshot ("sent-before-renamed");
  /* continue that batch: everything was sent already */
  g_signal_emit_by_name (child (dialog, "continue_batch_button"), "clicked");
  wait_step (dialog, "preview");
  g_assert_null (pm_bulk_get_sent_before (pm_bulk_dialog_get_bulk (dialog)));
  g_assert_cmpuint (pm_bulk_get_n_run (pm_bulk_dialog_get_bulk (dialog)), ==, 0);
  /* as a new batch: every row to send again (not sent here) */
  g_signal_emit_by_name (child (dialog, "new_batch_button"), "clicked");
  wait_step (dialog, "preview");
  g_assert_cmpuint (pm_bulk_get_n_run (pm_bulk_dialog_get_bulk (dialog)), ==, n);
  g_assert_true (next_sensitive (dialog));
  close_dialog (dialog);
  g_assert_cmpuint (pm_sandbox_count_bills (sandbox), ==, before + n);
}

static gboolean
some_sent (gpointer data)
{
  return pm_bulk_get_n_sent (data) >= 4;
}

/* Stop mid-run: the result says which rows were not started; choosing the file again
 * goes on with the batch and sends only the rest: no row twice. */
static void
test_cancel_resume (void)
{
  const guint n = 40;
  gint64 total;
  g_autofree char *path = write_clean_csv ("stop.csv", n, "stop", &total);
  guint before = pm_sandbox_count_bills (sandbox);
  GtkWidget *view = pm_window_get_payments_view (PM_WINDOW (window));
  guint shown_before =
    g_list_model_get_n_items (pm_payments_view_get_model (PM_PAYMENTS_VIEW (view)));
  PmBulkDialog *dialog = open_file (path);
  PmBulk *bulk;
  guint n_sent, n_not_started = 0;
  GListModel *rows;

  preview (dialog);
  bulk = pm_bulk_dialog_get_bulk (dialog);
  pm_sandbox_set_latency (sandbox, "request", 1000);
  confirm_and_send (dialog, n, total);
  pm_test_spin_until (some_sent, bulk, 20000);
  /* in Payments while the run goes on (the ledger's signals), before Stop */
  pm_test_spin_until (payments_count_at_least, GUINT_TO_POINTER (shown_before + 4), 5000);
  g_assert_cmpint (pm_bulk_get_stage (bulk), ==, PM_BULK_STAGE_SENDING);
  g_signal_emit_by_name (child (dialog, "stop_button"), "clicked");
  wait_step (dialog, "result");
  pm_sandbox_set_latency (sandbox, "request", 0);
  screenshot ("result-stopped");

  n_sent = pm_bulk_get_n_sent (bulk);
  g_assert_true (pm_bulk_get_cancelled (bulk));
  g_assert_cmpuint (n_sent, <, n);
  rows = pm_bulk_get_rows (bulk);
  for (guint i = 0; i < g_list_model_get_n_items (rows); i++)
    {
      g_autoptr(PmBulkRow) row = g_list_model_get_item (rows, i);

      n_not_started += pm_bulk_row_get_status (row) == PM_BULK_ROW_NOT_STARTED;
    }
  g_assert_cmpuint (n_not_started, >, 0);
  g_assert_cmpuint (n_not_started, ==, pm_bulk_get_n_not_started (bulk));
  /* the not-started rows at their cells, and in problems only */
  gtk_toggle_button_set_active (GTK_TOGGLE_BUTTON (child (dialog, "problems_toggle")), TRUE);
  pm_test_wait_for_draw (GTK_WIDGET (dialog));
  g_assert_nonnull (find_cell (dialog, _("Not started: sending was stopped. Choose the file "
                                         "again to send it")));
  g_assert_cmpuint (pm_sandbox_count_bills (sandbox), <=, before + n_sent
                                                          + pm_bulk_get_n_unknown (bulk));
  click_next (dialog);
  pm_test_spin (50);
  g_assert_finalize_object (dialog);

  /* again: the batch goes on; only the rest is sent */
  dialog = open_file (path);
  preview (dialog);
  bulk = pm_bulk_dialog_get_bulk (dialog);
  g_assert_true (gtk_revealer_get_reveal_child (GTK_REVEALER (child (dialog, "banner_revealer"))));
  g_assert_cmpuint (pm_bulk_get_n_already_sent (bulk), >=, n_sent);
  g_assert_cmpuint (pm_bulk_get_n_run (bulk) + pm_bulk_get_n_already_sent (bulk), ==, n);
  confirm_and_send (dialog, pm_bulk_get_n_run (bulk), pm_bulk_get_won_run (bulk));
  wait_step (dialog, "result");
  g_assert_cmpuint (pm_bulk_get_n_sent (bulk) + pm_bulk_get_n_already_sent (bulk), ==, n);
  /* exactly one bill per row */
  g_assert_cmpuint (pm_sandbox_count_bills (sandbox), ==, before + n);
  close_dialog (dialog);
}

/* Closing while sending asks; "Close and Keep Sending" hides the window and the run
 * finishes by itself. */
static void
test_close_while_sending (void)
{
  const guint n = 16;
  gint64 total;
  g_autofree char *path = write_clean_csv ("background.csv", n, "bg", &total);
  guint before = pm_sandbox_count_bills (sandbox);
  PmBulkDialog *dialog = open_file (path);
  AdwMessageDialog *question;
  GWeakRef weak;

  preview (dialog);
  /* slow enough that the run is still going when the question is answered */
  pm_sandbox_set_latency (sandbox, "request", 3000);
  confirm_and_send (dialog, n, total);
  wait_step (dialog, "sending");
  gtk_window_close (GTK_WINDOW (dialog));
  /* not closed: asked first */
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (dialog)));
  pm_test_spin_until (message_dialog_shown, NULL, 5000);
  question = find_message_dialog ();
  screenshot ("close-while-sending");
  /* still sending when the clerk answers */
  g_assert_cmpint (pm_bulk_get_stage (pm_bulk_dialog_get_bulk (dialog)), ==,
                   PM_BULK_STAGE_SENDING);
  adw_message_dialog_response (question, "background");
  gtk_window_destroy (GTK_WINDOW (question));
  g_assert_false (gtk_widget_get_visible (GTK_WIDGET (dialog)));
  g_weak_ref_init (&weak, dialog);
  g_object_unref (dialog);
  /* the run goes on and the window goes away at its end */
  while (TRUE)
    {
      g_autoptr(GObject) alive = g_weak_ref_get (&weak);

      if (alive == NULL)
        break;
      g_clear_object (&alive);
      g_main_context_iteration (NULL, TRUE);
    }
  g_weak_ref_clear (&weak);
  pm_sandbox_set_latency (sandbox, "request", 0);
  g_assert_cmpuint (pm_sandbox_count_bills (sandbox), ==, before + n);
}

static void
count_labels (GtkWidget *widget,
              guint     *n)
{
  if (GTK_IS_LABEL (widget))
    (*n)++;
  for (GtkWidget *c = gtk_widget_get_first_child (widget); c != NULL;
       c = gtk_widget_get_next_sibling (c))
    count_labels (c, n);
}

/* 100,000 rows (the most a file may have): read, checked and shown; the list makes
 * widgets only for the rows on screen; "problems only" finds the one bad row. */
static void
test_large_file (void)
{
  g_autofree char *path = g_build_filename (dir, "large.csv", NULL);
  g_autoptr(GString) csv = g_string_new ("이름,전화번호,금액,상품명\n");
  const guint n = PM_CSV_MAX_ROWS;
  PmBulkDialog *dialog;
  PmBulk *bulk;
  guint n_labels = 0;
  GtkWidget *view;

  for (guint i = 0; i < n; i++)
    {
      if (i == n / 2)
        g_string_append (csv, "잘못된 행,010-1,1000,수강료\n");
      else
        g_string_append_printf (csv, "학생 %u,010-%04u-%04u,%u,수강료\n", i, 1000 + i / 10000,
                                i % 10000, 1000 + i % 500);
    }
  g_assert_true (g_file_set_contents (path, csv->str, (gssize) csv->len, NULL));
  dialog = open_file (path);
  preview (dialog);
  bulk = pm_bulk_dialog_get_bulk (dialog);
  g_assert_cmpuint (pm_bulk_get_n_rows (bulk), ==, n);
  g_assert_cmpuint (pm_bulk_get_n_invalid (bulk), ==, 1);
  view = child (dialog, "column_view");
  count_labels (view, &n_labels);
  g_assert_cmpuint (n_labels, <, 2000);
  gtk_toggle_button_set_active (GTK_TOGGLE_BUTTON (child (dialog, "problems_toggle")), TRUE);
  pm_test_wait_for_draw (GTK_WIDGET (dialog));
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (
                      gtk_column_view_get_model (GTK_COLUMN_VIEW (view)))), ==, 1);
  close_dialog (dialog);
}

/* A file the reader refuses as a whole (no amount column): said on the columns page, with
 * the file's columns named; no preview. */
static void
test_bad_file (void)
{
  g_autofree char *path = g_build_filename (dir, "no-amount.csv", NULL);
  PmBulkDialog *dialog;
  GtkWidget *error;

  g_assert_true (g_file_set_contents (path, "이름,전화번호,상품명\n김영희,010-1234-5678,수강료\n",
                                      -1, NULL));
  dialog = open_file (path);
  g_assert_null (pm_bulk_dialog_get_bulk (dialog));
  error = child (dialog, "map_error");
  g_assert_true (gtk_widget_get_visible (error));
  g_assert_nonnull (strstr (gtk_label_get_text (GTK_LABEL (error)),
                            pm_csv_field_get_label (PM_CSV_FIELD_AMOUNT)));
  g_assert_nonnull (strstr (gtk_label_get_text (GTK_LABEL (error)), "전화번호"));
  g_assert_false (next_sensitive (dialog));
  close_dialog (dialog);

  /* two columns that both look like the phone: the clerk chooses one at its dropdown */
  g_assert_true (g_file_set_contents (path, "이름,전화번호,휴대폰,금액,상품명\n"
                                            "김영희,010-1234-5678,010-8765-4321,30000,수강료\n",
                                      -1, NULL));
  dialog = open_file (path);
  g_assert_null (pm_bulk_dialog_get_bulk (dialog));
  g_assert_true (gtk_widget_get_visible (error = child (dialog, "map_error")));
  g_assert_nonnull (strstr (gtk_label_get_text (GTK_LABEL (error)), "휴대폰"));
  {
    GtkDropDown *phone = pm_bulk_dialog_get_column_dropdown (dialog, PM_CSV_FIELD_PHONE);
    GListModel *names = gtk_drop_down_get_model (phone);

    g_assert_true (gtk_widget_get_sensitive (GTK_WIDGET (phone)));
    g_assert_cmpuint (g_list_model_get_n_items (names), ==, 6);   /* (none) and 5 columns */
    g_assert_cmpstr (gtk_string_list_get_string (GTK_STRING_LIST (names), 3), ==, "휴대폰");
    gtk_drop_down_set_selected (phone, 3);
    wait_step (dialog, "map");
    g_assert_nonnull (pm_bulk_dialog_get_bulk (dialog));
    g_assert_false (gtk_widget_get_visible (error));
    PmCsvImport *import = pm_bulk_get_import (pm_bulk_dialog_get_bulk (dialog));

    g_assert_cmpint (pm_csv_import_get_column (import, PM_CSV_FIELD_PHONE), ==, 2);
    g_assert_true (next_sensitive (dialog));
  }
  close_dialog (dialog);
}

/* The action and its shortcut open the window. */
static void
test_action (void)
{
  GListModel *toplevels = gtk_window_get_toplevels ();
  g_auto(GStrv) accels = gtk_application_get_accels_for_action (GTK_APPLICATION (app),
                                                                "app.bulk-send");
  PmBulkDialog *found = NULL;

  g_assert_cmpstr (accels[0], ==, "<Shift><Control>n");
  g_action_group_activate_action (G_ACTION_GROUP (app), "bulk-send", NULL);
  pm_test_spin (100);
  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GtkWindow) w = g_list_model_get_item (toplevels, i);

      if (PM_IS_BULK_DIALOG (w) && gtk_widget_get_visible (GTK_WIDGET (w)))
        found = PM_BULK_DIALOG (w);
    }
  g_assert_nonnull (found);
  g_assert_cmpstr (pm_bulk_dialog_get_step (found), ==, "choose");
  g_assert_true (gtk_window_get_transient_for (GTK_WINDOW (found)) == window);
  screenshot ("choose");
  g_object_ref (found);
  close_dialog (found);
}

/* The main steps in Korean (for the screenshots, and that the words are translated). */
static void
test_korean (void)
{
  g_autofree char *localedir = g_build_filename (g_getenv ("PM_BUILD_ROOT"), "po", NULL);
  g_autofree char *old_domain = g_strdup (textdomain (NULL));
  g_autofree char *path = write_xlsx ("문제.xlsx", problem_rows, G_N_ELEMENTS (problem_rows));
  const guint n = 6;
  gint64 total;
  g_autofree char *clean = write_clean_csv ("한국어.csv", n, "ko", &total);
  PmBulkDialog *dialog;

  g_setenv ("LANGUAGE", "ko", TRUE);
  textdomain (GETTEXT_PACKAGE);
  bindtextdomain (GETTEXT_PACKAGE, localedir);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  lang = "ko";
  g_assert_cmpstr (g_dgettext (GETTEXT_PACKAGE, "Send from a Spreadsheet"), !=,
                   "Send from a Spreadsheet");

  dialog = open_file (path);
  screenshot ("columns");
  preview (dialog);
  screenshot ("preview-problems");
  close_dialog (dialog);

  dialog = open_file (clean);
  preview (dialog);
  pm_sandbox_set_latency (sandbox, "request", 1500);
  confirm_and_send (dialog, n, total);
  wait_step (dialog, "sending");
  screenshot ("progress");
  pm_sandbox_set_latency (sandbox, "request", 0);
  wait_step (dialog, "result");
  screenshot ("result");
  close_dialog (dialog);

  lang = "en";
  g_unsetenv ("LANGUAGE");
  textdomain (old_domain);
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GError) error = NULL;
  int ret;

  pm_test_init (&argc, &argv);
  pm_test_start_notification_server ();
  dir = g_dir_make_tmp ("pm-bulk-dialog-XXXXXX", &error);
  g_assert_no_error (error);
  app = pm_application_new ();
  g_application_set_flags (G_APPLICATION (app), G_APPLICATION_NON_UNIQUE);
  pm_application_set_use_sandbox (app, TRUE);
  g_application_register (G_APPLICATION (app), NULL, &error);
  g_assert_no_error (error);
  sandbox = pm_application_get_sandbox (app);
  g_assert_nonnull (sandbox);
  pm_sandbox_set_payers (sandbox, 0.0, 60, 60, 0.0);

  g_application_activate (G_APPLICATION (app));
  window = gtk_application_get_active_window (GTK_APPLICATION (app));
  g_assert_nonnull (window);
  service = pm_application_get_service (app);
  g_assert_nonnull (service);

  g_test_add_func ("/bulk-dialog/action", test_action);
  g_test_add_func ("/bulk-dialog/problems", test_problems);
  g_test_add_func ("/bulk-dialog/bad-file", test_bad_file);
  g_test_add_func ("/bulk-dialog/send-clean", test_send_clean);
  g_test_add_func ("/bulk-dialog/cancel-resume", test_cancel_resume);
  g_test_add_func ("/bulk-dialog/close-while-sending", test_close_while_sending);
  g_test_add_func ("/bulk-dialog/large-file", test_large_file);
  g_test_add_func ("/bulk-dialog/korean", test_korean);

  ret = g_test_run ();
  gtk_window_destroy (window);
  g_application_quit (G_APPLICATION (app));
  g_clear_object (&app);
  return ret;
}
