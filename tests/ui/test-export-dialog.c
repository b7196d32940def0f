/* test-export-dialog.c — "Export…" in a real window: the save dialog, the toasts, the file
 *
 * Copyright 2026 The Paymint Desk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Without a desktop portal, GtkFileChooserNative shows a GtkFileChooserDialog of its own:
 * the test finds it among the toplevels, types a folder and a name into it and presses
 * Export, as a person would.
 */

#include "config.h"

#include <adwaita.h>
#include <glib/gstdio.h>
#include <string.h>

#include "pm-export-dialog.h"
#include "pm-test-gtk-util.h"
#include "pm-test-util.h"
#include "pm-ui.h"

typedef struct
{
  char      *dir;
  char      *ledger_path;
  PmService *service;
  PmProfile *profile;
  GtkWindow *window;
} Fixture;

static void
add_bill (Fixture     *f,
          const char  *bill_id,
          const char  *name,
          gint64       price,
          PmBillState  state)
{
  g_autoptr(PmBill) bill = pm_bill_new ();
  g_autoptr(GError) error = NULL;

  pm_bill_set_bill_id (bill, bill_id);
  pm_bill_set_profile_id (bill, "P1");
  pm_bill_set_payer_name (bill, name);
  pm_bill_set_phone (bill, "01012345678");
  pm_bill_set_product (bill, "수강료");
  pm_bill_set_price (bill, price);
  pm_bill_set_expire_date (bill, "2026-12-31");
  pm_bill_set_created_at (bill, g_get_real_time () / G_USEC_PER_SEC);
  pm_bill_set_state (bill, state);
  g_assert_true (pm_ledger_insert_bill (pm_service_get_ledger (f->service), bill, &error));
  g_assert_no_error (error);
}

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  GtkWidget *overlay;

  f->dir = g_dir_make_tmp ("export-dialog-XXXXXX", &error);
  g_assert_no_error (error);
  f->ledger_path = g_build_filename (f->dir, "ledger.db", NULL);
  f->service = pm_service_new (f->ledger_path, &error);
  g_assert_no_error (error);
  f->profile = pm_profile_new ();
  pm_profile_set_uuid (f->profile, "P1");
  pm_service_set_profile (f->service, f->profile);
  add_bill (f, "DIALOGBL01", "김민수", 150000, PM_BILL_STATE_PAID);
  add_bill (f, "DIALOGBL02", "이서연", 80000, PM_BILL_STATE_UNPAID);
  add_bill (f, "DIALOGBL03", "박지훈", 50000, PM_BILL_STATE_UNPAID);

  f->window = GTK_WINDOW (adw_window_new ());
  overlay = adw_toast_overlay_new ();
  adw_toast_overlay_set_child (ADW_TOAST_OVERLAY (overlay), gtk_label_new ("Payments"));
  adw_window_set_content (ADW_WINDOW (f->window), overlay);
  gtk_window_set_default_size (f->window, 800, 600);
  gtk_window_present (f->window);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(GPtrArray) files = pm_test_list_files (f->dir);

  gtk_window_destroy (f->window);
  pm_test_spin (50);
  g_assert_finalize_object (f->service);
  g_clear_object (&f->profile);
  for (guint i = 0; i < files->len; i++)
    g_unlink (g_ptr_array_index (files, i));
  g_rmdir (f->dir);
  g_free (f->dir);
  g_free (f->ledger_path);
}

static GtkWidget *
find_chooser_dialog (void)
{
  GListModel *toplevels = gtk_window_get_toplevels ();

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GObject) window = g_list_model_get_item (toplevels, i);

      if (GTK_IS_FILE_CHOOSER_DIALOG (window) && gtk_widget_get_visible (GTK_WIDGET (window)))
        return GTK_WIDGET (window);
    }
  return NULL;
}

static gboolean
chooser_shown (gpointer data)
{
  return find_chooser_dialog () != NULL;
}

/* A label on screen whose text starts with @prefix. */
static GtkWidget *
find_label_prefix (GtkWidget  *root,
                   const char *prefix)
{
  if (GTK_IS_LABEL (root) && gtk_widget_get_mapped (root)
      && g_str_has_prefix (gtk_label_get_label (GTK_LABEL (root)), prefix))
    return root;
  for (GtkWidget *c = gtk_widget_get_first_child (root); c != NULL; c = gtk_widget_get_next_sibling (c))
    {
      GtkWidget *found = find_label_prefix (c, prefix);

      if (found != NULL)
        return found;
    }
  return NULL;
}

typedef struct
{
  GtkWidget  *root;
  const char *prefix;
} LabelWait;

static gboolean
label_shown (gpointer data)
{
  LabelWait *w = data;

  return find_label_prefix (w->root, w->prefix) != NULL;
}

static gboolean
label_gone (gpointer data)
{
  return !label_shown (data);
}

static char *
chosen_name (GtkWidget *dialog)
{
  return gtk_file_chooser_get_current_name (GTK_FILE_CHOOSER (dialog));
}

/* As a person would: the folder, once the dialog has shown where it starts (changing it
 * while that still loads makes the dialog report the load it cancelled), then the name. */
static void
choose_file (GtkWidget  *dialog,
             GFile      *folder,
             const char *name)
{
  g_autoptr(GError) error = NULL;

  pm_test_spin (300);
  g_assert_true (gtk_file_chooser_set_current_folder (GTK_FILE_CHOOSER (dialog), folder, &error));
  g_assert_no_error (error);
  pm_test_spin (300);
  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (dialog), name);
}

static void
test_save_dialog (Fixture       *f,
                  gconstpointer  data)
{
  g_autoptr(PmLedgerQuery) query = pm_ledger_query_new ();
  g_autoptr(GFile) folder = g_file_new_for_path (f->dir);
  g_autofree char *expected_name = NULL;
  g_autofree char *name = NULL;
  g_autofree char *path = g_build_filename (f->dir, "unpaid.xlsx", NULL);
  g_autofree char *csv_path = g_build_filename (f->dir, "unpaid-list.csv", NULL);
  g_autofree char *csv = NULL;
  g_autofree char *contents = NULL;
  gsize length = 0;
  GtkWidget *dialog;
  LabelWait done = { NULL, "Exported 2 bills to unpaid.xlsx" };

  /* what the list shows: the unpaid bills */
  query->states = PM_LEDGER_STATE_BIT (PM_BILL_STATE_UNPAID) | PM_LEDGER_STATE_EXPIRED;
  pm_export_dialog_present (f->window, f->service, query);
  pm_test_spin_until (chooser_shown, NULL, 10000);
  dialog = find_chooser_dialog ();

  /* a name for today, as an Excel workbook */
  expected_name = pm_export_dialog_default_name (PM_EXPORT_FORMAT_XLSX,
                                                 g_get_real_time () / G_USEC_PER_SEC);
  g_assert_true (g_str_has_prefix (expected_name, "payments-"));
  g_assert_true (g_str_has_suffix (expected_name, ".xlsx"));
  name = chosen_name (dialog);
  g_assert_cmpstr (name, ==, expected_name);
  g_clear_pointer (&name, g_free);
  /* two filters: Excel first and chosen, then CSV */
  {
    g_autoptr(GListModel) filters = gtk_file_chooser_get_filters (GTK_FILE_CHOOSER (dialog));
    g_autoptr(GtkFileFilter) xlsx_filter = g_list_model_get_item (filters, 0);

    g_assert_cmpuint (g_list_model_get_n_items (filters), ==, 2);
    g_assert_true (gtk_file_chooser_get_filter (GTK_FILE_CHOOSER (dialog)) == xlsx_filter);
  }

  /* the clerk picks the folder and a name, then Export */
  choose_file (dialog, folder, "unpaid.xlsx");
  gtk_dialog_response (GTK_DIALOG (dialog), GTK_RESPONSE_ACCEPT);

  /* the toast tells, and the file is there: a zip holding the sheet */
  done.root = GTK_WIDGET (f->window);
  pm_test_spin_until (label_shown, &done, 30000);
  g_assert_nonnull (pm_test_find_button_labelled (GTK_WIDGET (f->window), "Open"));
  g_assert_true (g_file_get_contents (path, &contents, &length, NULL));
  g_assert_cmpuint (length, >, 1000);
  g_assert_true (g_str_has_prefix (contents, "PK\x03\x04"));

  /* a name without an extension under the CSV filter: a .csv */
  pm_export_dialog_present (f->window, f->service, query);
  pm_test_spin_until (chooser_shown, NULL, 10000);
  dialog = find_chooser_dialog ();
  {
    g_autoptr(GListModel) filters = gtk_file_chooser_get_filters (GTK_FILE_CHOOSER (dialog));
    g_autoptr(GtkFileFilter) csv_filter = g_list_model_get_item (filters, 1);
    LabelWait csv_done = { GTK_WIDGET (f->window), "Exported 2 bills to unpaid-list.csv" };

    gtk_file_chooser_set_filter (GTK_FILE_CHOOSER (dialog), csv_filter);
    choose_file (dialog, folder, "unpaid-list");
    gtk_dialog_response (GTK_DIALOG (dialog), GTK_RESPONSE_ACCEPT);
    pm_test_spin_until (label_shown, &csv_done, 30000);
  }
  g_assert_true (g_file_get_contents (csv_path, &csv, NULL, NULL));
  g_assert_true (g_str_has_prefix (csv, "\xef\xbb\xbf" "bill_id,"));
  g_assert_nonnull (strstr (csv, "DIALOGBL02"));
  g_assert_null (strstr (csv, "DIALOGBL01"));
}

/* A folder that cannot be written: a dialog says why, naming the file. */
static void
test_failure (Fixture       *f,
              gconstpointer  data)
{
  g_autoptr(PmLedgerQuery) query = pm_ledger_query_new ();
  g_autofree char *path = g_build_filename (f->dir, "no-folder", "payments.xlsx", NULL);
  g_autoptr(GFile) file = g_file_new_for_path (path);
  GListModel *toplevels = gtk_window_get_toplevels ();
  AdwMessageDialog *message = NULL;

  pm_export_dialog_export_to (f->window, f->service, query, file, PM_EXPORT_FORMAT_XLSX);
  for (guint tries = 0; tries < 300 && message == NULL; tries++)
    {
      pm_test_spin (20);
      for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
        {
          g_autoptr(GObject) window = g_list_model_get_item (toplevels, i);

          if (ADW_IS_MESSAGE_DIALOG (window))
            message = ADW_MESSAGE_DIALOG (window);
        }
    }
  g_assert_nonnull (message);
  g_assert_cmpstr (adw_message_dialog_get_heading (message), ==, "Could Not Export");
  g_assert_nonnull (strstr (adw_message_dialog_get_body (message), path));
  g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));
  gtk_window_destroy (GTK_WINDOW (message));
}

/* A long export: the progress toast with Cancel, then the result in its place. */
static void
test_progress (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(PmLedgerQuery) query = pm_ledger_query_new ();
  g_autofree char *path = g_build_filename (f->dir, "all.xlsx", NULL);
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GError) error = NULL;
  PmLedger *ledger = pm_service_get_ledger (f->service);
  LabelWait running = { GTK_WIDGET (f->window), "Exporting" };
  LabelWait done = { GTK_WIDGET (f->window), "Exported 60,003 bills to all.xlsx" };

  g_assert_true (pm_ledger_begin (ledger, &error));
  for (guint i = 0; i < 60000; i++)
    {
      g_autofree char *id = g_strdup_printf ("MANY%06u", i);

      add_bill (f, id, "최유나", 1000 + i, PM_BILL_STATE_UNPAID);
    }
  g_assert_true (pm_ledger_commit (ledger, &error));

  pm_export_dialog_export_to (f->window, f->service, query, file, PM_EXPORT_FORMAT_XLSX);
  pm_test_spin_until (label_shown, &running, 30000);
  g_assert_nonnull (pm_test_find_button_labelled (GTK_WIDGET (f->window), "Cancel"));
  pm_test_spin_until (label_shown, &done, 60000);
  /* the progress toast goes (after its closing animation) */
  pm_test_spin_until (label_gone, &running, 5000);
  g_assert_true (g_file_test (path, G_FILE_TEST_IS_REGULAR));
}

int
main (int    argc,
      char **argv)
{
  pm_test_init (&argc, &argv);
  gtk_init ();
  adw_init ();
  pm_ui_ensure_resources ();

  g_test_add ("/export-dialog/save", Fixture, NULL, fixture_set_up, test_save_dialog,
              fixture_tear_down);
  g_test_add ("/export-dialog/failure", Fixture, NULL, fixture_set_up, test_failure,
              fixture_tear_down);
  g_test_add ("/export-dialog/progress", Fixture, NULL, fixture_set_up, test_progress,
              fixture_tear_down);
  return g_test_run ();
}
