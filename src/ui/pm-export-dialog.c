/* pm-export-dialog.c — "Export…": what the list shows, to an Excel or CSV file
 *
 * Copyright 2026 The Paymint Desk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "pm-export-dialog.h"

#include "pm-error.h"
#include "pm-money.h"
#include "pm-service-export.h"
#include "pm-window.h"

#include <adwaita.h>
#include <glib/gi18n.h>
#include <string.h>

char *
pm_export_dialog_default_name (PmExportFormat format,
                               gint64         now_utc)
{
  g_autofree char *day = pm_bill_korea_date (now_utc);

  /* Translators: the start of the suggested name of an exported file, before the day
   * ("payments-2026-11-10.xlsx"); Korean: 결제내역 */
  return g_strdup_printf ("%s-%s%s", C_("export file name", "payments"), day,
                          pm_export_format_extension (format));
}

/* ---- the toasts ---- */

static AdwToastOverlay *
find_overlay (GtkWidget *widget)
{
  if (ADW_IS_TOAST_OVERLAY (widget))
    return ADW_TOAST_OVERLAY (widget);
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      AdwToastOverlay *found = find_overlay (child);

      if (found != NULL)
        return found;
    }
  return NULL;
}

static void
add_toast (GtkWindow *parent,
           AdwToast  *toast)
{
  AdwToastOverlay *overlay;

  if (PM_IS_WINDOW (parent))
    {
      pm_window_add_toast (PM_WINDOW (parent), toast);
      return;
    }
  overlay = find_overlay (GTK_WIDGET (parent));
  if (overlay != NULL)
    adw_toast_overlay_add_toast (overlay, toast);
  else
    g_object_unref (toast);
}

/* ---- the export ---- */

#define PROGRESS_DELAY_MS 400

typedef struct
{
  GWeakRef       parent;
  GCancellable  *cancellable;
  AdwToast      *progress;
  guint          progress_timer;  /* shows the progress toast of an export that takes a while */
  gboolean       progress_shown;
  GFile         *file;
  char          *display_name;
} ExportRun;

static void
export_run_clear (ExportRun *run)
{
  g_clear_handle_id (&run->progress_timer, g_source_remove);
  g_weak_ref_clear (&run->parent);
  g_clear_object (&run->cancellable);
  g_clear_object (&run->progress);
  g_clear_object (&run->file);
  g_clear_pointer (&run->display_name, g_free);
}

static ExportRun *
export_run_ref (ExportRun *run)
{
  return g_rc_box_acquire (run);
}

static void
export_run_unref (gpointer run)
{
  g_rc_box_release_full (run, (GDestroyNotify) export_run_clear);
}

static void
progress_cb (guint64  n_done,
             guint64  n_total,
             gpointer user_data)
{
  ExportRun *run = user_data;
  g_autofree char *done = pm_money_format_digits ((gint64) n_done);
  g_autofree char *total = pm_money_format_digits ((gint64) n_total);
  g_autofree char *title = NULL;

  /* Translators: "Exporting 1,200 of 5,000 bills…" */
  title = g_strdup_printf (_("Exporting %s of %s bills…"), done, total);
  adw_toast_set_title (run->progress, title);
}

static gboolean
show_progress_cb (gpointer user_data)
{
  ExportRun *run = user_data;
  g_autoptr(GtkWindow) parent = g_weak_ref_get (&run->parent);

  run->progress_timer = 0;
  if (parent != NULL)
    {
      run->progress_shown = TRUE;
      add_toast (parent, g_object_ref (run->progress));
    }
  return G_SOURCE_REMOVE;
}

static void
cancel_clicked_cb (AdwToast  *toast,
                   ExportRun *run)
{
  g_cancellable_cancel (run->cancellable);
}

static void
open_done_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(GtkWindow) parent = user_data;
  g_autoptr(GError) error = NULL;

  if (!g_app_info_launch_default_for_uri_finish (result, &error))
    {
      g_autofree char *title = g_strdup_printf (_("Could not open the file: %s"),
                                                error->message);

      add_toast (parent, adw_toast_new (title));
    }
}

static void
open_clicked_cb (AdwToast  *toast,
                 ExportRun *run)
{
  g_autoptr(GtkWindow) parent = g_weak_ref_get (&run->parent);
  g_autoptr(GdkAppLaunchContext) context = NULL;
  g_autofree char *uri = g_file_get_uri (run->file);

  if (parent == NULL)
    return;
  context = gdk_display_get_app_launch_context (gtk_widget_get_display (GTK_WIDGET (parent)));
  g_app_info_launch_default_for_uri_async (uri, G_APP_LAUNCH_CONTEXT (context), NULL,
                                           open_done_cb, g_object_ref (parent));
}

static void
export_done_cb (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  ExportRun *run = user_data;
  g_autoptr(GtkWindow) parent = g_weak_ref_get (&run->parent);
  g_autoptr(GError) error = NULL;
  gint64 n_rows;

  n_rows = pm_service_export_finish (PM_SERVICE (object), result, &error);
  if (run->progress_shown)
    adw_toast_dismiss (run->progress);
  g_clear_handle_id (&run->progress_timer, g_source_remove);
  if (parent == NULL)
    {
      export_run_unref (run);
      return;
    }
  if (n_rows >= 0)
    {
      g_autofree char *count = pm_money_format_digits (n_rows);
      g_autofree char *title = NULL;
      AdwToast *toast;

      /* Translators: "Exported 1,234 bills to payments-2026-11-10.xlsx" */
      title = g_strdup_printf (_("Exported %s bills to %s"), count, run->display_name);
      toast = adw_toast_new (title);
      adw_toast_set_timeout (toast, 10);
      adw_toast_set_button_label (toast, C_("export toast", "Open"));
      g_signal_connect_data (toast, "button-clicked", G_CALLBACK (open_clicked_cb),
                             export_run_ref (run), (GClosureNotify) export_run_unref, 0);
      add_toast (parent, toast);
    }
  else if (g_error_matches (error, PM_ERROR, PM_ERROR_CANCELLED))
    add_toast (parent, adw_toast_new (_("Export cancelled; no file was written")));
  else
    {
      GtkWidget *dialog = adw_message_dialog_new (parent, _("Could Not Export"), error->message);

      adw_message_dialog_add_response (ADW_MESSAGE_DIALOG (dialog), "close", _("_Close"));
      gtk_window_present (GTK_WINDOW (dialog));
    }
  export_run_unref (run);
}

void
pm_export_dialog_export_to (GtkWindow            *parent,
                            PmService            *service,
                            const PmLedgerQuery  *query,
                            GFile                *file,
                            PmExportFormat        format)
{
  g_autofree char *path = NULL;
  ExportRun *run;

  g_return_if_fail (GTK_IS_WINDOW (parent));
  g_return_if_fail (PM_IS_SERVICE (service));
  g_return_if_fail (G_IS_FILE (file));

  path = g_file_get_path (file);
  if (path == NULL)
    {
      GtkWidget *dialog = adw_message_dialog_new (parent, _("Could Not Export"),
                                                  _("Choose a folder on this computer."));

      adw_message_dialog_add_response (ADW_MESSAGE_DIALOG (dialog), "close", _("_Close"));
      gtk_window_present (GTK_WINDOW (dialog));
      return;
    }

  run = g_rc_box_new0 (ExportRun);
  g_weak_ref_init (&run->parent, parent);
  run->cancellable = g_cancellable_new ();
  run->file = g_object_ref (file);
  run->display_name = g_file_get_basename (file);
  run->progress = adw_toast_new (_("Exporting…"));
  adw_toast_set_timeout (run->progress, 0);
  adw_toast_set_button_label (run->progress, C_("export toast", "Cancel"));
  g_signal_connect_data (run->progress, "button-clicked", G_CALLBACK (cancel_clicked_cb),
                         export_run_ref (run), (GClosureNotify) export_run_unref, 0);
  /* a quick export goes without it: only its result shows */
  run->progress_timer = g_timeout_add_full (G_PRIORITY_DEFAULT, PROGRESS_DELAY_MS,
                                            show_progress_cb, export_run_ref (run),
                                            export_run_unref);

  pm_service_export_async (service, query, path, format, run->cancellable, progress_cb,
                           export_run_ref (run), export_run_unref, export_done_cb, run);
}

/* ---- choosing the file ---- */

typedef struct
{
  GtkWindow            *parent;
  PmService            *service;
  PmLedgerQuery        *query;
  GtkFileChooserNative *chooser;
  GtkFileFilter        *xlsx;
  GtkFileFilter        *csv;
} Choose;

static void
choose_free (Choose *choose)
{
  g_clear_object (&choose->parent);
  g_clear_object (&choose->service);
  g_clear_pointer (&choose->query, pm_ledger_query_free);
  g_clear_object (&choose->chooser);
  g_clear_object (&choose->xlsx);
  g_clear_object (&choose->csv);
  g_free (choose);
}

static gboolean
has_extension (const char     *name,
               PmExportFormat  format)
{
  g_autofree char *lower = g_ascii_strdown (name, -1);

  return g_str_has_suffix (lower, pm_export_format_extension (format));
}

static void
response_cb (GtkNativeDialog *native,
             int              response,
             Choose          *choose)
{
  GtkFileChooser *chooser = GTK_FILE_CHOOSER (native);
  g_autoptr(GFile) file = NULL;
  g_autofree char *name = NULL;
  PmExportFormat format;

  if (response == GTK_RESPONSE_ACCEPT)
    file = gtk_file_chooser_get_file (chooser);
  if (file != NULL)
    {
      name = g_file_get_basename (file);
      /* the name's extension says; a name without one gets the chosen filter's */
      if (has_extension (name, PM_EXPORT_FORMAT_XLSX))
        format = PM_EXPORT_FORMAT_XLSX;
      else if (has_extension (name, PM_EXPORT_FORMAT_CSV))
        format = PM_EXPORT_FORMAT_CSV;
      else
        {
          g_autoptr(GFile) parent_dir = g_file_get_parent (file);
          g_autofree char *with_ext = NULL;

          format = gtk_file_chooser_get_filter (chooser) == choose->csv ? PM_EXPORT_FORMAT_CSV
                                                                        : PM_EXPORT_FORMAT_XLSX;
          with_ext = g_strconcat (name, pm_export_format_extension (format), NULL);
          g_object_unref (file);
          file = g_file_get_child (parent_dir, with_ext);
        }
      pm_export_dialog_export_to (choose->parent, choose->service, choose->query, file, format);
    }
  gtk_native_dialog_destroy (native);
  choose_free (choose);
}

void
pm_export_dialog_present (GtkWindow            *parent,
                          PmService            *service,
                          const PmLedgerQuery  *query)
{
  g_autofree char *name = NULL;
  Choose *choose;

  g_return_if_fail (GTK_IS_WINDOW (parent));
  g_return_if_fail (PM_IS_SERVICE (service));

  choose = g_new0 (Choose, 1);
  choose->parent = g_object_ref (parent);
  choose->service = g_object_ref (service);
  choose->query = query != NULL ? pm_ledger_query_copy (query) : pm_ledger_query_new ();
  choose->chooser = gtk_file_chooser_native_new (_("Export Payments"), parent,
                                                 GTK_FILE_CHOOSER_ACTION_SAVE, _("_Export"),
                                                 _("_Cancel"));
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (choose->chooser), TRUE);

  choose->xlsx = gtk_file_filter_new ();
  gtk_file_filter_set_name (choose->xlsx, _("Excel Workbook (.xlsx)"));
  gtk_file_filter_add_pattern (choose->xlsx, "*.xlsx");
  gtk_file_filter_add_pattern (choose->xlsx, "*.XLSX");
  choose->csv = gtk_file_filter_new ();
  gtk_file_filter_set_name (choose->csv, _("CSV, UTF-8 (.csv)"));
  gtk_file_filter_add_pattern (choose->csv, "*.csv");
  gtk_file_filter_add_pattern (choose->csv, "*.CSV");
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (choose->chooser), choose->xlsx);
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (choose->chooser), choose->csv);
  gtk_file_chooser_set_filter (GTK_FILE_CHOOSER (choose->chooser), choose->xlsx);

  name = pm_export_dialog_default_name (PM_EXPORT_FORMAT_XLSX,
                                        g_get_real_time () / G_USEC_PER_SEC);
  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (choose->chooser), name);

  g_signal_connect (choose->chooser, "response", G_CALLBACK (response_cb), choose);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (choose->chooser));
}
