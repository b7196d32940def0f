/* pm-bulk-dialog.c — "Send from a Spreadsheet…": bulk send in the window
 *
 * Copyright 2026 The Paymint Desk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The steps are PmBulk's, in the order paymint-cli bulk-send takes them: load (in a
 * worker thread, again whenever the mapping or a default changes: a new PmBulk each
 * time), prepare (the batch; a file sent before as another batch is called out), settle
 * and classify (what earlier runs of the batch did), the clerk's explicit choices about
 * rows with problems and identical rows, a confirmation with the total in figures and in
 * Korean words, then the run. One list shows the rows throughout: each cell of a row with
 * errors shows its problem, and the status column follows every row live.
 *
 * Closing the window while it sends asks first; closing anyway hides the window and the
 * run goes on to its end (the application is held meanwhile), or stops starting new
 * sends when the clerk says so. Either way every row is recorded, and choosing the same
 * file again goes on with the same batch: what was sent is skipped.
 */

#include "config.h"

#include <glib/gi18n.h>

#include "pm-bulk-dialog.h"
#include "pm-bill.h"
#include "pm-error.h"
#include "pm-money.h"
#include "pm-phone.h"
#include "pm-ui.h"

enum
{
  COL_NUMBER = -2,
  COL_STATUS = -3,
};

struct _PmBulkDialog
{
  AdwWindow          parent_instance;

  PmService         *service;
  GCancellable      *cancellable;       /* loads and checks; cancelled in dispose */
  GCancellable      *load_cancellable;  /* the read in progress */
  GCancellable      *send_cancellable;  /* the run's: Stop */
  char              *path;
  PmBulk            *bulk;              /* the file as read now */
  PmBulk            *loading_bulk;      /* the read in progress (not a reference) */
  char              *columns[PM_CSV_N_FIELDS];
  gboolean           have_columns;      /* the dropdowns list a file's columns */
  gboolean           syncing;           /* the dropdowns are being set from the file */
  gboolean           loading;
  gboolean           probing;           /* learning the columns of a refused file */
  gboolean           checking;          /* prepare / settle / classify */
  gboolean           checked;           /* classified with the present options */
  gboolean           sending;
  gboolean           done;
  gboolean           close_after_send;  /* closed while sending: destroy at the end */
  gboolean           problems_only;
  GApplication      *held;              /* held while sending, so the run ends by itself */
  GtkStringList     *column_names;
  GtkDropDown       *dropdowns[PM_CSV_N_FIELDS];
  AdwActionRow      *field_rows[PM_CSV_N_FIELDS];
  GtkCustomFilter   *filter;
  GtkFilterListModel *filtered;
  GHashTable        *partners;          /* row number → the other rows of its duplicate group */

  AdwWindowTitle    *window_title;
  GtkWidget         *cancel_button;
  GtkWidget         *back_button;
  GtkButton         *next_button;
  GtkSpinner        *busy_spinner;
  GtkStack          *stack;
  GtkLabel          *choose_error;
  GtkLabel          *file_label;
  GtkLabel          *map_error;
  AdwPreferencesGroup *columns_group;
  GtkEditable       *product_default;
  GtkEditable       *message_default;
  GtkEditable       *expiry_default;
  GtkRevealer       *banner_revealer;
  GtkImage          *banner_icon;
  GtkLabel          *banner_label;
  GtkWidget         *continue_batch_button;
  GtkWidget         *new_batch_button;
  GtkStack          *top_stack;
  GtkLabel          *counts_label;
  GtkEntry          *batch_entry;
  GtkLabel          *preview_message;
  GtkCheckButton    *skip_invalid_check;
  GtkCheckButton    *allow_duplicates_check;
  GtkLabel          *progress_label;
  GtkButton         *stop_button;
  GtkProgressBar    *progress_bar;
  GtkLabel          *result_label;
  GtkToggleButton   *problems_toggle;
  GtkColumnView     *column_view;
};

G_DEFINE_FINAL_TYPE (PmBulkDialog, pm_bulk_dialog, ADW_TYPE_WINDOW)

static void load (PmBulkDialog *self);
static void check (PmBulkDialog *self);
static void update_preview (PmBulkDialog *self);
static void find_partners (PmBulkDialog *self);

/* ---- small helpers ---- */

static char *
dup_default (GtkEditable *editable)
{
  g_autofree char *text = pm_ui_entry_dup_text (editable);

  return text != NULL && text[0] != '\0' ? g_steal_pointer (&text) : NULL;
}

static void
set_busy (PmBulkDialog *self,
          gboolean      busy)
{
  gtk_widget_set_visible (GTK_WIDGET (self->busy_spinner), busy);
  gtk_spinner_set_spinning (self->busy_spinner, busy);
}

static void
set_next (PmBulkDialog *self,
          const char   *label,
          gboolean      sensitive)
{
  gtk_widget_set_visible (GTK_WIDGET (self->next_button), label != NULL);
  if (label != NULL)
    gtk_button_set_label (self->next_button, label);
  gtk_widget_set_sensitive (GTK_WIDGET (self->next_button), sensitive);
}

static void
show_banner (PmBulkDialog *self,
             const char   *icon,
             const char   *text,
             gboolean      offer_continue,
             gboolean      offer_new)
{
  gtk_image_set_from_icon_name (self->banner_icon, icon);
  gtk_label_set_text (self->banner_label, text);
  gtk_widget_set_visible (self->continue_batch_button, offer_continue);
  gtk_widget_set_visible (self->new_batch_button, offer_new);
  gtk_revealer_set_reveal_child (self->banner_revealer, TRUE);
}

static void
hide_banner (PmBulkDialog *self)
{
  gtk_revealer_set_reveal_child (self->banner_revealer, FALSE);
}

static void
set_preview_message (PmBulkDialog *self,
                     const char   *text,
                     gboolean      error)
{
  pm_ui_show_message (self->preview_message, text);
  pm_ui_set_error_style (self->preview_message, error);
}

/* ---- the cells ---- */

static const PmCsvRowError *
find_error (const PmCsvRow *row,
            PmCsvField      field)
{
  for (guint i = 0; i < row->errors->len; i++)
    {
      const PmCsvRowError *e = g_ptr_array_index (row->errors, i);

      if (e->field == field)
        return e;
    }
  return NULL;
}

static gboolean
status_is_problem (PmBulkRow *row)
{
  switch (pm_bulk_row_get_status (row))
    {
    case PM_BULK_ROW_INVALID:
    case PM_BULK_ROW_FAILED_BEFORE:
    case PM_BULK_ROW_UNKNOWN_BEFORE:
    case PM_BULK_ROW_NOT_SENT_BEFORE:
    case PM_BULK_ROW_FAILED:
    case PM_BULK_ROW_UNKNOWN:
    case PM_BULK_ROW_NOT_STARTED:
      return TRUE;
    default:
      return pm_bulk_row_get_duplicate (row);
    }
}

/* @partners: the other rows of the file that are the same bill ("6", "6, 9"), or NULL */
static char *
status_text (PmBulkRow   *row,
             const char  *partners,
             const char **style)
{
  const char *reason = pm_bulk_row_get_error_text (row);
  PmBulkRowStatus status = pm_bulk_row_get_status (row);

  *style = NULL;
  switch (status)
    {
    case PM_BULK_ROW_INVALID:
      *style = "error";
      return g_strdup (reason != NULL ? reason : pm_bulk_row_status_get_label (status));
    case PM_BULK_ROW_TO_SEND:
      if (pm_bulk_row_get_duplicate (row))
        {
          *style = "warning";
          if (partners != NULL)
            /* Translators: the other rows that are the same bill ("6", or "6, 9") */
            return g_strdup_printf (strchr (partners, ',') != NULL
                                      ? _("To send — the same bill as rows %s")
                                      : _("To send — the same bill as row %s"),
                                    partners);
          return g_strdup (_("To send — the same bill as another row of the file"));
        }
      return g_strdup (pm_bulk_row_status_get_label (status));
    case PM_BULK_ROW_SENT:
    case PM_BULK_ROW_ALREADY_SENT:
      *style = "success";
      return g_strdup (pm_bulk_row_status_get_label (status));
    case PM_BULK_ROW_SENDING:
      return g_strdup (pm_bulk_row_status_get_label (status));
    case PM_BULK_ROW_FAILED:
    case PM_BULK_ROW_FAILED_BEFORE:
      *style = "error";
      break;
    case PM_BULK_ROW_UNKNOWN:
    case PM_BULK_ROW_UNKNOWN_BEFORE:
      *style = "warning";
      if (reason != NULL)
        /* Translators: the reason the outcome of a request is not known */
        return g_strdup_printf (_("Outcome unknown, will be checked (never sent twice): %s"),
                                reason);
      return g_strdup (_("Outcome unknown, will be checked (never sent twice)"));
    case PM_BULK_ROW_NOT_SENT_BEFORE:
      *style = "warning";
      return g_strdup (_("Not sent in an earlier run; nothing was charged. Use Send Again "
                         "in Payments"));
    case PM_BULK_ROW_NOT_STARTED:
    default:
      *style = "warning";
      return g_strdup (_("Not started: sending was stopped. Choose the file again to send it"));
    }
  if (reason != NULL)
    return g_strdup_printf ("%s: %s", pm_bulk_row_status_get_label (status), reason);
  return g_strdup (pm_bulk_row_status_get_label (status));
}

static void
label_set_style (GtkWidget  *label,
                 const char *style)
{
  static const char *styles[] = { "error", "warning", "success" };

  for (guint i = 0; i < G_N_ELEMENTS (styles); i++)
    {
      if (g_strcmp0 (style, styles[i]) == 0)
        gtk_widget_add_css_class (label, styles[i]);
      else
        gtk_widget_remove_css_class (label, styles[i]);
    }
}

static void
status_changed_cb (PmBulkRow  *row,
                   GParamSpec *pspec,
                   GtkLabel   *label)
{
  g_autofree char *text = NULL;
  const char *style;

  text = status_text (row, g_object_get_data (G_OBJECT (label), "pm-partners"), &style);
  gtk_label_set_text (label, text);
  gtk_widget_set_tooltip_text (GTK_WIDGET (label), text);
  label_set_style (GTK_WIDGET (label), style);
}

static void
cell_setup_cb (GtkSignalListItemFactory *factory,
               GtkListItem              *item,
               gpointer                  user_data)
{
  int kind = GPOINTER_TO_INT (user_data);
  GtkWidget *label = gtk_label_new (NULL);

  gtk_label_set_xalign (GTK_LABEL (label),
                        kind == PM_CSV_FIELD_AMOUNT || kind == COL_NUMBER ? 1.0 : 0.0);
  gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_END);
  if (kind == PM_CSV_FIELD_AMOUNT || kind == COL_NUMBER)
    gtk_widget_add_css_class (label, "numeric");
  if (kind == COL_NUMBER)
    gtk_widget_add_css_class (label, "dim-label");
  gtk_list_item_set_child (item, label);
}

static void
cell_bind_cb (GtkSignalListItemFactory *factory,
              GtkListItem              *item,
              gpointer                  user_data)
{
  int kind = GPOINTER_TO_INT (user_data);
  GtkWidget *label = gtk_list_item_get_child (item);
  PmBulkRow *row = gtk_list_item_get_item (item);
  const PmCsvRow *csv = pm_bulk_row_get_csv_row (row);
  const PmCsvRowError *error;
  g_autofree char *text = NULL;
  PmBill *bill = csv != NULL ? csv->bill : NULL;

  if (kind == COL_STATUS)
    {
      PmBulkDialog *self = g_object_get_data (G_OBJECT (factory), "pm-dialog");
      const char *partners = NULL;

      if (self->partners != NULL && pm_bulk_row_get_duplicate (row))
        partners = g_hash_table_lookup (self->partners,
                                        GUINT_TO_POINTER (pm_bulk_row_get_number (row)));
      g_object_set_data_full (G_OBJECT (label), "pm-partners", g_strdup (partners), g_free);
      g_signal_connect (row, "notify::status", G_CALLBACK (status_changed_cb), label);
      g_signal_connect (row, "notify::error-text", G_CALLBACK (status_changed_cb), label);
      status_changed_cb (row, NULL, GTK_LABEL (label));
      return;
    }
  if (kind == COL_NUMBER)
    {
      text = g_strdup_printf ("%u", pm_bulk_row_get_number (row));
      gtk_label_set_text (GTK_LABEL (label), text);
      return;
    }

  error = csv != NULL ? find_error (csv, (PmCsvField) kind) : NULL;
  if (error != NULL)
    {
      gtk_label_set_text (GTK_LABEL (label), error->message);
      gtk_widget_set_tooltip_text (label, error->message);
      label_set_style (label, "error");
      return;
    }
  label_set_style (label, NULL);
  gtk_widget_set_tooltip_text (label, NULL);
  if (bill == NULL)
    {
      gtk_label_set_text (GTK_LABEL (label), "");
      return;
    }
  switch (kind)
    {
    case PM_CSV_FIELD_PAYER:
      gtk_label_set_text (GTK_LABEL (label), pm_bill_get_payer_name (bill));
      break;
    case PM_CSV_FIELD_PHONE:
      text = pm_phone_format_display (pm_bill_get_phone (bill));
      gtk_label_set_text (GTK_LABEL (label), text);
      break;
    case PM_CSV_FIELD_AMOUNT:
      text = pm_money_format (pm_bill_get_price (bill));
      gtk_label_set_text (GTK_LABEL (label), text);
      break;
    case PM_CSV_FIELD_PRODUCT:
      gtk_label_set_text (GTK_LABEL (label), pm_bill_get_product (bill));
      gtk_widget_set_tooltip_text (label, pm_bill_get_product (bill));
      break;
    case PM_CSV_FIELD_EXPIRY:
      gtk_label_set_text (GTK_LABEL (label), pm_bill_get_expire_date (bill));
      break;
    default:
      gtk_label_set_text (GTK_LABEL (label), "");
      break;
    }
}

static void
cell_unbind_cb (GtkSignalListItemFactory *factory,
                GtkListItem              *item,
                gpointer                  user_data)
{
  PmBulkRow *row = gtk_list_item_get_item (item);
  GtkWidget *label = gtk_list_item_get_child (item);

  if (GPOINTER_TO_INT (user_data) == COL_STATUS && row != NULL)
    g_signal_handlers_disconnect_by_func (row, status_changed_cb, label);
}

static void
add_column (PmBulkDialog *self,
            const char   *title,
            int           kind,
            gboolean      expand)
{
  GtkListItemFactory *factory = gtk_signal_list_item_factory_new ();
  GtkColumnViewColumn *column;

  g_object_set_data (G_OBJECT (factory), "pm-dialog", self);
  g_signal_connect (factory, "setup", G_CALLBACK (cell_setup_cb), GINT_TO_POINTER (kind));
  g_signal_connect (factory, "bind", G_CALLBACK (cell_bind_cb), GINT_TO_POINTER (kind));
  g_signal_connect (factory, "unbind", G_CALLBACK (cell_unbind_cb), GINT_TO_POINTER (kind));
  column = gtk_column_view_column_new (title, factory);
  gtk_column_view_column_set_expand (column, expand);
  gtk_column_view_column_set_resizable (column, TRUE);
  gtk_column_view_append_column (self->column_view, column);
  g_object_unref (column);
}

static gboolean
row_filter_cb (gpointer item,
               gpointer user_data)
{
  PmBulkDialog *self = user_data;

  return !self->problems_only || status_is_problem (PM_BULK_ROW (item));
}

/* ---- 2. the columns ---- */

static void
dropdown_selected_cb (GtkDropDown  *dropdown,
                      GParamSpec   *pspec,
                      PmBulkDialog *self)
{
  int field = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (dropdown), "pm-field"));
  guint selected = gtk_drop_down_get_selected (dropdown);
  int column = selected == GTK_INVALID_LIST_POSITION || selected == 0 ? -1 : (int) selected - 1;

  if (self->syncing)
    return;

  /* one column for two fields: refused here, the file is not read again */
  for (int f = 0; f < PM_CSV_N_FIELDS; f++)
    {
      guint other = gtk_drop_down_get_selected (self->dropdowns[f]);

      if (f == field || column < 0 || other == GTK_INVALID_LIST_POSITION
          || (int) other - 1 != column)
        continue;
      {
        g_autofree char *message =
          /* Translators: a column ("C (금액)"), then a field ("amount") */
          g_strdup_printf (_("Column %s is used for the %s already. Choose another column, "
                             "or change that one first."),
                           gtk_string_list_get_string (self->column_names, selected),
                           pm_csv_field_get_label ((PmCsvField) f));

        adw_action_row_set_subtitle (self->field_rows[field], message);
        gtk_widget_add_css_class (GTK_WIDGET (self->field_rows[field]), "error");
        pm_ui_set_error_style (dropdown, TRUE);
        set_next (self, _("_Preview"), FALSE);
        return;
      }
    }
  adw_action_row_set_subtitle (self->field_rows[field], "");
  gtk_widget_remove_css_class (GTK_WIDGET (self->field_rows[field]), "error");
  pm_ui_set_error_style (dropdown, FALSE);

  for (int f = 0; f < PM_CSV_N_FIELDS; f++)
    {
      guint s = gtk_drop_down_get_selected (self->dropdowns[f]);

      g_clear_pointer (&self->columns[f], g_free);
      if (s != GTK_INVALID_LIST_POSITION && s > 0)
        self->columns[f] = g_strdup_printf ("%u", s);
    }
  load (self);
}

/* The field as a row title (pm_csv_field_get_label is for the middle of a sentence). */
static const char *
field_title (PmCsvField field)
{
  switch (field)
    {
    case PM_CSV_FIELD_PAYER:
      return C_("bulk field", "Payer Name");
    case PM_CSV_FIELD_PHONE:
      return C_("bulk field", "Mobile Number");
    case PM_CSV_FIELD_AMOUNT:
      return C_("bulk field", "Amount");
    case PM_CSV_FIELD_PRODUCT:
      return C_("bulk field", "Product");
    case PM_CSV_FIELD_MESSAGE:
      return C_("bulk field", "Message to the Payer");
    case PM_CSV_FIELD_EXPIRY:
      return C_("bulk field", "Last Day to Pay");
    case PM_CSV_FIELD_NOTE:
      return C_("bulk field", "Note (kept here, not sent)");
    case PM_CSV_FIELD_BILL_ID:
      return C_("bulk field", "Bill ID");
    default:
      return pm_csv_field_get_label (field);
    }
}

static void
build_field_rows (PmBulkDialog *self)
{
  for (int f = 0; f < PM_CSV_N_FIELDS; f++)
    {
      AdwActionRow *row = ADW_ACTION_ROW (adw_action_row_new ());
      GtkWidget *dropdown = gtk_drop_down_new (G_LIST_MODEL (g_object_ref (self->column_names)),
                                               NULL);

      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), field_title ((PmCsvField) f));
      gtk_widget_set_valign (dropdown, GTK_ALIGN_CENTER);
      gtk_widget_set_sensitive (dropdown, FALSE);
      g_object_set_data (G_OBJECT (dropdown), "pm-field", GINT_TO_POINTER (f));
      g_signal_connect (dropdown, "notify::selected", G_CALLBACK (dropdown_selected_cb), self);
      adw_action_row_add_suffix (row, dropdown);
      adw_action_row_set_activatable_widget (row, dropdown);
      adw_preferences_group_add (self->columns_group, GTK_WIDGET (row));
      self->dropdowns[f] = GTK_DROP_DOWN (dropdown);
      self->field_rows[f] = row;
    }
}

/* The dropdowns from the file as read: its columns, the ones in use selected. */
static void
sync_dropdowns (PmBulkDialog *self)
{
  PmCsvImport *import = pm_bulk_get_import (self->bulk);
  const char * const *headers = pm_csv_import_get_headers (import);
  guint n = headers != NULL ? g_strv_length ((char **) headers) : 0;
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);

  self->syncing = TRUE;
  g_ptr_array_add (names, g_strdup (_("(none)")));
  for (guint i = 0; i < n; i++)
    g_ptr_array_add (names, pm_csv_import_dup_column_name (import, i));
  g_ptr_array_add (names, NULL);
  gtk_string_list_splice (self->column_names, 0,
                          g_list_model_get_n_items (G_LIST_MODEL (self->column_names)),
                          (const char * const *) names->pdata);
  for (int f = 0; f < PM_CSV_N_FIELDS; f++)
    {
      int column = pm_csv_import_get_column (import, (PmCsvField) f);
      const char *subtitle = "";

      gtk_drop_down_set_selected (self->dropdowns[f], (guint) (column + 1));
      gtk_widget_set_sensitive (GTK_WIDGET (self->dropdowns[f]), TRUE);
      pm_ui_set_error_style (self->dropdowns[f], FALSE);
      gtk_widget_remove_css_class (GTK_WIDGET (self->field_rows[f]), "error");
      if (column < 0 && f <= PM_CSV_FIELD_EXPIRY)
        subtitle = _("None: the value below is used");
      else if (column < 0)
        subtitle = _("Optional");
      adw_action_row_set_subtitle (self->field_rows[f], subtitle);
    }
  self->have_columns = TRUE;
  self->syncing = FALSE;
}

static void
describe_file (PmBulkDialog *self)
{
  g_autofree char *name = g_filename_display_basename (self->path);
  g_autofree char *text = NULL;

  adw_window_title_set_subtitle (self->window_title, name);
  if (self->bulk == NULL)
    {
      gtk_label_set_text (self->file_label, name);
      return;
    }
  {
    PmCsvImport *import = pm_bulk_get_import (self->bulk);
    guint n = pm_bulk_get_n_rows (self->bulk);

    if (pm_csv_import_get_format (import) == PM_CSV_FORMAT_XLSX)
      /* Translators: the file's name, its worksheet's name, the number of rows */
      text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                           "%s: Excel worksheet “%s”, %u row",
                                           "%s: Excel worksheet “%s”, %u rows", n),
                              name, pm_csv_import_get_sheet_name (import), n);
    else
      /* Translators: the file's name, its text encoding ("UTF-8"), the number of rows */
      text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                           "%s: CSV text in %s, %u row",
                                           "%s: CSV text in %s, %u rows", n),
                              name, pm_csv_import_get_encoding (import), n);
    gtk_label_set_text (self->file_label, text);
  }
}

/* The file's columns when the reader refuses the file as a whole (two columns that both
 * look like the phone, a required column not found): read again with the fields put on
 * columns 1, 2, 3… by number (nothing is detected, so nothing is ambiguous), as many as
 * the file has, only to learn the names of its columns; the clerk then chooses. */
typedef struct
{
  char *path;
  char *expiry;
} Probe;

static void
probe_free (Probe *probe)
{
  g_free (probe->path);
  g_free (probe->expiry);
  g_free (probe);
}

static void
probe_thread (GTask        *task,
              gpointer      source_object,
              gpointer      task_data,
              GCancellable *cancellable)
{
  Probe *probe = task_data;

  for (int k = PM_CSV_N_FIELDS; k >= PM_CSV_FIELD_AMOUNT + 1; k--)
    {
      g_autoptr(PmCsvImport) import = NULL;
      char numbers[PM_CSV_N_FIELDS][8];
      PmCsvOptions options = { 0 };

      if (g_task_return_error_if_cancelled (task))
        return;
      for (int f = 0; f < k; f++)
        {
          g_snprintf (numbers[f], sizeof numbers[f], "%d", f + 1);
          options.columns[f] = numbers[f];
        }
      options.default_product = "item";   /* never shown: only the columns are kept */
      options.default_message = "item";
      options.default_expiry = probe->expiry;
      import = pm_csv_import_path (probe->path, &options, NULL);
      if (import != NULL)
        {
          const char * const *headers = pm_csv_import_get_headers (import);
          guint n = headers != NULL ? g_strv_length ((char **) headers) : 0;
          GStrvBuilder *builder = g_strv_builder_new ();

          for (guint i = 0; i < n; i++)
            {
              g_autofree char *name = pm_csv_import_dup_column_name (import, i);

              g_strv_builder_add (builder, name);
            }
          g_task_return_pointer (task, g_strv_builder_end (builder), (GDestroyNotify) g_strfreev);
          g_strv_builder_unref (builder);
          return;
        }
    }
  g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_FAILED, "no columns");
}

static void
probe_done_cb (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  PmBulkDialog *self = PM_BULK_DIALOG (object);
  g_auto(GStrv) names = g_task_propagate_pointer (G_TASK (result), NULL);
  g_autoptr(GPtrArray) items = NULL;

  self->probing = FALSE;
  if (names == NULL || self->bulk != NULL || self->loading || self->have_columns)
    return;
  items = g_ptr_array_new ();
  g_ptr_array_add (items, (char *) _("(none)"));
  for (guint i = 0; names[i] != NULL; i++)
    g_ptr_array_add (items, names[i]);
  g_ptr_array_add (items, NULL);
  self->syncing = TRUE;
  gtk_string_list_splice (self->column_names, 0,
                          g_list_model_get_n_items (G_LIST_MODEL (self->column_names)),
                          (const char * const *) items->pdata);
  for (int f = 0; f < PM_CSV_N_FIELDS; f++)
    {
      guint column = self->columns[f] != NULL
                     ? (guint) g_ascii_strtoull (self->columns[f], NULL, 10) : 0;

      gtk_drop_down_set_selected (self->dropdowns[f],
                                  column < items->len - 1 ? column : 0);
      gtk_widget_set_sensitive (GTK_WIDGET (self->dropdowns[f]), TRUE);
      adw_action_row_set_subtitle (self->field_rows[f], "");
    }
  self->have_columns = TRUE;
  self->syncing = FALSE;
}

static void
probe_columns (PmBulkDialog *self)
{
  g_autoptr(GTask) task = g_task_new (self, self->cancellable, probe_done_cb, NULL);
  Probe *probe = g_new0 (Probe, 1);

  probe->path = g_strdup (self->path);
  probe->expiry = pm_bill_korea_date (pm_ui_now () + 7 * 86400);
  g_task_set_source_tag (task, probe_columns);
  self->probing = TRUE;
  g_task_set_task_data (task, probe, (GDestroyNotify) probe_free);
  g_task_run_in_thread (task, probe_thread);
}

static void
load_done_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(PmBulkDialog) self = user_data;
  g_autoptr(PmBulk) bulk = PM_BULK (object);
  g_autoptr(GError) error = NULL;

  gboolean ok = pm_bulk_load_file_finish (bulk, result, &error);

  /* a newer read replaced this one, or the window is gone */
  if (bulk != self->loading_bulk || g_cancellable_is_cancelled (self->cancellable))
    return;
  self->loading_bulk = NULL;
  if (!ok)
    {
      self->loading = FALSE;
      set_busy (self, FALSE);
      g_clear_object (&self->bulk);
      describe_file (self);
      pm_ui_show_message (self->map_error, error->message);
      set_next (self, _("_Preview"), FALSE);
      gtk_stack_set_visible_child_name (self->stack, "map");
      if (!self->have_columns)
        probe_columns (self);
      return;
    }
  self->loading = FALSE;
  set_busy (self, FALSE);
  g_set_object (&self->bulk, bulk);
  self->checked = FALSE;
  find_partners (self);
  pm_ui_show_message (self->map_error, NULL);
  sync_dropdowns (self);
  describe_file (self);
  set_next (self, _("_Preview"), TRUE);
  gtk_stack_set_visible_child_name (self->stack, "map");
}

/* For each row of a group of identical rows, the numbers of the others. */
static void
find_partners (PmBulkDialog *self)
{
  GPtrArray *groups = pm_csv_import_get_duplicates (pm_bulk_get_import (self->bulk));

  g_clear_pointer (&self->partners, g_hash_table_unref);
  if (groups == NULL || groups->len == 0)
    return;
  self->partners = g_hash_table_new_full (NULL, NULL, NULL, g_free);
  for (guint g = 0; g < groups->len; g++)
    {
      GPtrArray *group = g_ptr_array_index (groups, g);

      for (guint i = 0; i < group->len; i++)
        {
          const PmCsvRow *row = g_ptr_array_index (group, i);
          g_autoptr(GString) others = g_string_new (NULL);
          guint n = 0;

          for (guint j = 0; j < group->len; j++)
            {
              const PmCsvRow *other = g_ptr_array_index (group, j);

              if (j == i)
                continue;
              if (n++ == 5)
                {
                  g_string_append (others, ", …");
                  break;
                }
              g_string_append_printf (others, n > 1 ? ", %u" : "%u", other->number);
            }
          g_hash_table_insert (self->partners, GUINT_TO_POINTER (row->number),
                               g_string_free (g_steal_pointer (&others), FALSE));
        }
    }
}

/* Reads the file (again) with the present mapping and defaults: a new PmBulk. */
static void
load (PmBulkDialog *self)
{
  g_autofree char *product = dup_default (self->product_default);
  g_autofree char *message = dup_default (self->message_default);
  g_autofree char *expiry = dup_default (self->expiry_default);
  PmCsvOptions options = { 0 };
  PmBulk *bulk;

  g_cancellable_cancel (self->load_cancellable);
  g_clear_object (&self->load_cancellable);
  self->load_cancellable = g_cancellable_new ();
  g_signal_connect_object (self->cancellable, "cancelled", G_CALLBACK (g_cancellable_cancel),
                           self->load_cancellable, G_CONNECT_SWAPPED);

  for (int f = 0; f < PM_CSV_N_FIELDS; f++)
    options.columns[f] = self->columns[f];
  options.default_product = product;
  options.default_message = message;
  options.default_expiry = expiry;

  bulk = pm_bulk_new (self->service);
  /* Stop leaves at most this many written down and not sent */
  pm_bulk_set_write_ahead (bulk, PM_BULK_DEFAULT_PARALLEL);
  self->loading = TRUE;
  self->loading_bulk = bulk;
  set_busy (self, TRUE);
  set_next (self, _("_Preview"), FALSE);
  pm_bulk_load_file_async (bulk, self->path, &options, self->load_cancellable, load_done_cb,
                           g_object_ref (self));
}

static void
choose_path (PmBulkDialog *self,
             const char   *path)
{
  g_free (self->path);
  self->path = g_strdup (path);
  g_clear_object (&self->bulk);
  self->have_columns = FALSE;
  for (int f = 0; f < PM_CSV_N_FIELDS; f++)
    g_clear_pointer (&self->columns[f], g_free);
  gtk_editable_set_text (GTK_EDITABLE (self->batch_entry), "");
  {
    g_autofree char *name = g_filename_display_basename (path);

    gtk_entry_set_placeholder_text (self->batch_entry, name);
  }
  load (self);
}

static void
chooser_response_cb (GtkNativeDialog *chooser,
                     int              response,
                     PmBulkDialog    *self)
{
  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (chooser));
      g_autofree char *path = file != NULL ? g_file_get_path (file) : NULL;

      if (path != NULL)
        choose_path (self, path);
      else
        pm_ui_show_message (self->choose_error, _("Choose a file on this computer."));
    }
  g_object_unref (chooser);
}

static void
choose_clicked_cb (PmBulkDialog *self)
{
  GtkFileChooserNative *chooser;
  GtkFileFilter *filter;

  chooser = gtk_file_chooser_native_new (_("Choose a Spreadsheet"), GTK_WINDOW (self),
                                         GTK_FILE_CHOOSER_ACTION_OPEN, _("_Open"), _("_Cancel"));
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (chooser), TRUE);

  filter = gtk_file_filter_new ();
  gtk_file_filter_set_name (filter, _("Spreadsheets (Excel, CSV)"));
  gtk_file_filter_add_pattern (filter, "*.[xX][lL][sS][xX]");
  gtk_file_filter_add_pattern (filter, "*.[cC][sS][vV]");
  gtk_file_filter_add_pattern (filter, "*.[tT][xX][tT]");
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (chooser), filter);
  g_object_unref (filter);
  filter = gtk_file_filter_new ();
  gtk_file_filter_set_name (filter, _("Excel Workbooks (.xlsx)"));
  gtk_file_filter_add_pattern (filter, "*.[xX][lL][sS][xX]");
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (chooser), filter);
  g_object_unref (filter);
  filter = gtk_file_filter_new ();
  gtk_file_filter_set_name (filter, _("CSV Files (.csv)"));
  gtk_file_filter_add_pattern (filter, "*.[cC][sS][vV]");
  gtk_file_filter_add_pattern (filter, "*.[tT][xX][tT]");
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (chooser), filter);
  g_object_unref (filter);

  g_signal_connect_object (chooser, "response", G_CALLBACK (chooser_response_cb), self, 0);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (chooser));
}

static void
defaults_apply_cb (PmBulkDialog *self)
{
  if (self->path != NULL && !self->sending)
    load (self);
}

/* ---- 3. the preview ---- */

static void
show_rows (PmBulkDialog *self)
{
  g_autoptr(GtkNoSelection) selection = NULL;

  g_clear_object (&self->filtered);
  self->filtered = gtk_filter_list_model_new (g_object_ref (pm_bulk_get_rows (self->bulk)),
                                              GTK_FILTER (g_object_ref (self->filter)));
  selection = gtk_no_selection_new (G_LIST_MODEL (g_object_ref (self->filtered)));
  gtk_column_view_set_model (self->column_view, GTK_SELECTION_MODEL (selection));
}

static void
update_preview (PmBulkDialog *self)
{
  PmBulk *bulk = self->bulk;
  guint n_invalid = pm_bulk_get_n_invalid (bulk);
  guint n_dup = pm_bulk_get_n_duplicate_groups (bulk);
  gboolean skip = gtk_check_button_get_active (self->skip_invalid_check);
  gboolean allow = gtk_check_button_get_active (self->allow_duplicates_check);
  gboolean classified = pm_bulk_get_stage (bulk) == PM_BULK_STAGE_CLASSIFIED && self->checked;
  g_autoptr(GString) counts = g_string_new (NULL);
  guint n_earlier = pm_bulk_get_n_already_sent (bulk) + pm_bulk_get_n_failed_before (bulk)
                    + pm_bulk_get_n_unknown_before (bulk) + pm_bulk_get_n_not_sent_before (bulk);
  g_autofree char *total =
    pm_money_format (classified ? pm_bulk_get_won_run (bulk)
                                : pm_csv_import_get_total_won (pm_bulk_get_import (bulk)));
  guint n_ready = classified ? pm_bulk_get_n_run (bulk) : pm_bulk_get_n_valid (bulk);
  gboolean can_send;

  /* Translators: how many rows are ready to send, and their total ("1,200,000원") */
  g_string_printf (counts, g_dngettext (GETTEXT_PACKAGE, "%u row to send (%s)",
                                        "%u rows to send (%s)", n_ready), n_ready, total);
  if (n_invalid > 0)
    {
      g_string_append (counts, " · ");
      g_string_append_printf (counts, g_dngettext (GETTEXT_PACKAGE, "%u with problems",
                                                   "%u with problems", n_invalid), n_invalid);
    }
  if (n_dup > 0)
    {
      g_string_append (counts, " · ");
      g_string_append_printf (counts, g_dngettext (GETTEXT_PACKAGE,
                                                   "%u group of identical rows",
                                                   "%u groups of identical rows", n_dup),
                              n_dup);
    }
  if (classified && n_earlier > 0)
    {
      g_string_append (counts, " · ");
      g_string_append_printf (counts, g_dngettext (GETTEXT_PACKAGE,
                                                   "%u sent in an earlier run",
                                                   "%u sent in an earlier run", n_earlier),
                              n_earlier);
    }
  gtk_label_set_text (self->counts_label, counts->str);

  gtk_widget_set_visible (GTK_WIDGET (self->skip_invalid_check), n_invalid > 0);
  if (n_invalid > 0)
    {
      g_autofree char *text =
        g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "_Skip %u row with problems",
                                      "_Skip %u rows with problems", n_invalid), n_invalid);

      gtk_check_button_set_label (self->skip_invalid_check, text);
      gtk_check_button_set_use_underline (self->skip_invalid_check, TRUE);
    }
  gtk_widget_set_visible (GTK_WIDGET (self->allow_duplicates_check), n_dup > 0);
  if (n_dup > 0)
    {
      g_autofree char *text =
        g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                      "Send _duplicates too (%u group of rows that bill the "
                                      "same payer the same amount for the same thing)",
                                      "Send _duplicates too (%u groups of rows that bill the "
                                      "same payer the same amount for the same thing)", n_dup),
                        n_dup);

      gtk_check_button_set_label (self->allow_duplicates_check, text);
      gtk_check_button_set_use_underline (self->allow_duplicates_check, TRUE);
    }
  pm_bulk_set_skip_invalid (bulk, skip);
  pm_bulk_set_allow_duplicates (bulk, allow);

  can_send = classified && !self->checking && pm_bulk_get_sent_before (bulk) == NULL
             && pm_bulk_get_n_run (bulk) > 0 && pm_bulk_check_rows (bulk, NULL);
  if (classified && pm_bulk_get_n_run (bulk) == 0 && pm_bulk_get_sent_before (bulk) == NULL)
    set_next (self, _("Nothing to Send"), FALSE);
  else
    set_next (self, _("_Send…"), can_send);
  if (classified && !can_send && pm_bulk_get_n_run (bulk) > 0)
    {
      g_autoptr(GError) error = NULL;

      if (!pm_bulk_check_rows (bulk, &error))
        set_preview_message (self, error->message, TRUE);
    }
}

static void
choice_toggled_cb (PmBulkDialog *self)
{
  if (self->bulk == NULL || self->sending || self->done)
    return;
  set_preview_message (self, NULL, FALSE);
  update_preview (self);
}

static void
settle_done_cb (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(PmBulkDialog) self = user_data;
  PmBulk *bulk = PM_BULK (object);
  g_autoptr(GError) error = NULL;

  if (!pm_bulk_settle_finish (bulk, result, NULL, &error))
    {
      if (g_cancellable_is_cancelled (self->cancellable) || bulk != self->bulk)
        return;
      self->checking = FALSE;
      set_busy (self, FALSE);
      set_preview_message (self, error->message, TRUE);
      update_preview (self);
      return;
    }
  if (bulk != self->bulk || g_cancellable_is_cancelled (self->cancellable))
    return;
  self->checking = FALSE;
  set_busy (self, FALSE);
  if (!pm_bulk_classify (bulk, &error))
    {
      set_preview_message (self, error->message, TRUE);
      update_preview (self);
      return;
    }
  self->checked = TRUE;
  if (pm_bulk_get_n_run (bulk) == 0)
    {
      g_autofree char *name = g_filename_display_basename (self->path);
      g_autofree char *text = g_strdup_printf (_("Nothing to send: every valid row of %s was "
                                                 "sent already."), name);

      set_preview_message (self, text, FALSE);
    }
  update_preview (self);
}

/* prepare (the batch), settle and classify (earlier runs): what the preview says. */
static void
check (PmBulkDialog *self)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *batch = pm_ui_entry_dup_text (self->batch_entry);
  const PmLedgerBatch *earlier;

  self->checked = FALSE;
  hide_banner (self);
  set_preview_message (self, NULL, FALSE);
  pm_bulk_set_batch_name (self->bulk, batch != NULL && batch[0] != '\0' ? batch : NULL);
  if (!pm_bulk_prepare (self->bulk, &error))
    {
      if (g_error_matches (error, PM_BULK_ERROR, PM_BULK_ERROR_SENT_BEFORE))
        {
          const PmLedgerBatch *other = pm_bulk_get_sent_before (self->bulk);
          g_autofree char *when = pm_ui_format_time (other->created_at);
          g_autofree char *text =
            /* Translators: the date and time, the batch name, how many bills */
            g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                          "This file was sent on %s as batch “%s” (%u bill), "
                                          "even if it had another name then. Continue that "
                                          "batch to send only what is missing, or bill these "
                                          "rows again as a new batch.",
                                          "This file was sent on %s as batch “%s” (%u bills), "
                                          "even if it had another name then. Continue that "
                                          "batch to send only what is missing, or bill these "
                                          "rows again as a new batch.", other->n_live),
                             when, pm_bulk_batch_display_name (other), other->n_live);

          show_banner (self, "dialog-warning-symbolic", text, TRUE, TRUE);
        }
      else if (g_error_matches (error, PM_BULK_ERROR, PM_BULK_ERROR_BATCH_EXISTS))
        {
          const PmLedgerBatch *same = pm_bulk_get_this_batch (self->bulk);
          g_autofree char *when = pm_ui_format_time (same->created_at);
          g_autofree char *text =
            g_strdup_printf (_("There is a batch named “%s” already (sent on %s). Give the "
                               "new batch another name and press Enter."),
                             pm_bulk_get_batch_display_name (self->bulk), when);

          set_preview_message (self, text, TRUE);
          pm_ui_set_error_style (self->batch_entry, TRUE);
          gtk_widget_grab_focus (GTK_WIDGET (self->batch_entry));
        }
      else
        set_preview_message (self, error->message, TRUE);
      update_preview (self);
      return;
    }
  pm_ui_set_error_style (self->batch_entry, FALSE);
  earlier = pm_bulk_get_this_batch (self->bulk);
  if (earlier != NULL)
    {
      g_autofree char *when = pm_ui_format_time (earlier->created_at);
      g_autofree char *text =
        g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                      "This file was sent on %s as batch “%s” (%u bill). "
                                      "Sending goes on with that batch: rows sent then are "
                                      "skipped, so nobody is billed twice.",
                                      "This file was sent on %s as batch “%s” (%u bills). "
                                      "Sending goes on with that batch: rows sent then are "
                                      "skipped, so nobody is billed twice.", earlier->n_live),
                         when, pm_bulk_get_batch_display_name (self->bulk), earlier->n_live);

      show_banner (self, "dialog-information-symbolic", text, FALSE, TRUE);
    }
  self->checking = TRUE;
  set_busy (self, TRUE);
  update_preview (self);
  pm_bulk_settle_async (self->bulk, self->cancellable, settle_done_cb, g_object_ref (self));
}

static void
continue_batch_clicked_cb (PmBulkDialog *self)
{
  const PmLedgerBatch *other = pm_bulk_get_sent_before (self->bulk);

  if (other == NULL || self->checking)
    return;
  gtk_editable_set_text (GTK_EDITABLE (self->batch_entry), pm_bulk_batch_display_name (other));
  pm_bulk_set_as_new_batch (self->bulk, FALSE);
  check (self);
}

static void
new_batch_clicked_cb (PmBulkDialog *self)
{
  g_autofree char *batch = pm_ui_entry_dup_text (self->batch_entry);
  const char *current = batch != NULL && batch[0] ? batch
                        : gtk_entry_get_placeholder_text (self->batch_entry);
  g_autofree char *today = pm_bill_korea_date (pm_ui_now ());
  g_autofree char *name = NULL;

  if (self->checking)
    return;
  /* a new batch needs a name of its own: today's date after the old one, changeable */
  name = g_strdup_printf ("%s %s", current, today);
  gtk_editable_set_text (GTK_EDITABLE (self->batch_entry), name);
  pm_bulk_set_as_new_batch (self->bulk, TRUE);
  check (self);
}

static void
batch_activate_cb (PmBulkDialog *self)
{
  if (self->bulk != NULL && !self->checking && !self->sending && !self->done)
    check (self);
}

static void
go_preview (PmBulkDialog *self)
{
  if (self->bulk == NULL || self->loading)
    return;
  gtk_check_button_set_active (self->skip_invalid_check, FALSE);
  gtk_check_button_set_active (self->allow_duplicates_check, FALSE);
  show_rows (self);
  gtk_stack_set_visible_child_name (self->top_stack, "preview");
  gtk_stack_set_visible_child_name (self->stack, "rows");
  gtk_widget_set_visible (self->back_button, TRUE);
  gtk_widget_set_visible (GTK_WIDGET (self->problems_toggle), TRUE);
  check (self);
}

/* ---- 5. sending ---- */

static void
update_progress (PmBulkDialog *self)
{
  PmBulk *bulk = self->bulk;
  guint n_run = pm_bulk_get_n_run (bulk);
  guint n_done = pm_bulk_get_n_done (bulk);
  g_autofree char *won = pm_money_format (pm_bulk_get_won_sent (bulk));
  g_autofree char *text = NULL;
  g_autoptr(GString) line = g_string_new (NULL);

  /* Translators: rows sent, rows to send, the amount sent ("1,200,000원") */
  g_string_printf (line, g_dngettext (GETTEXT_PACKAGE, "%u of %u sent · %s",
                                      "%u of %u sent · %s", n_run),
                   pm_bulk_get_n_sent (bulk), n_run, won);
  if (pm_bulk_get_n_failed (bulk) > 0)
    {
      g_string_append (line, " · ");
      g_string_append_printf (line, _("%u failed"), pm_bulk_get_n_failed (bulk));
    }
  if (pm_bulk_get_n_unknown (bulk) > 0)
    {
      g_string_append (line, " · ");
      g_string_append_printf (line, _("%u to be checked"), pm_bulk_get_n_unknown (bulk));
    }
  gtk_label_set_text (self->progress_label, line->str);
  gtk_progress_bar_set_fraction (self->progress_bar, n_run > 0 ? (double) n_done / n_run : 1.0);
}

static void
progress_cb (PmBulk       *bulk,
             GParamSpec   *pspec,
             PmBulkDialog *self)
{
  update_progress (self);
}

static void
stopped_cb (PmBulk       *bulk,
            const char   *reason,
            PmBulkDialog *self)
{
  gtk_label_set_text (self->progress_label, reason);
  gtk_widget_add_css_class (GTK_WIDGET (self->progress_label), "error");
  gtk_widget_set_sensitive (GTK_WIDGET (self->stop_button), FALSE);
}

static void
show_result (PmBulkDialog *self)
{
  PmBulk *bulk = self->bulk;
  g_autoptr(GString) text = g_string_new (NULL);
  g_autofree char *won = pm_money_format (pm_bulk_get_won_sent (bulk));
  guint n_earlier = pm_bulk_get_n_already_sent (bulk) + pm_bulk_get_n_failed_before (bulk)
                    + pm_bulk_get_n_unknown_before (bulk) + pm_bulk_get_n_not_sent_before (bulk);

  g_string_printf (text, g_dngettext (GETTEXT_PACKAGE, "%u request sent (%s)",
                                      "%u requests sent (%s)", pm_bulk_get_n_sent (bulk)),
                   pm_bulk_get_n_sent (bulk), won);
  if (pm_bulk_get_n_failed (bulk) > 0)
    {
      g_string_append (text, " · ");
      g_string_append_printf (text, _("%u failed"), pm_bulk_get_n_failed (bulk));
    }
  if (pm_bulk_get_n_unknown (bulk) > 0)
    {
      g_string_append (text, " · ");
      g_string_append_printf (text, _("%u to be checked"), pm_bulk_get_n_unknown (bulk));
    }
  if (pm_bulk_get_n_not_started (bulk) > 0)
    {
      g_string_append (text, " · ");
      g_string_append_printf (text, _("%u not started"), pm_bulk_get_n_not_started (bulk));
    }
  if (n_earlier > 0)
    {
      g_string_append (text, " · ");
      g_string_append_printf (text, _("%u from an earlier run"), n_earlier);
    }
  if (pm_bulk_get_n_invalid (bulk) > 0)
    {
      g_string_append (text, " · ");
      g_string_append_printf (text, _("%u with problems not sent"), pm_bulk_get_n_invalid (bulk));
    }
  if (pm_bulk_get_stop_reason (bulk) != NULL)
    {
      g_string_append (text, "\n");
      g_string_append (text, pm_bulk_get_stop_reason (bulk));
    }
  if (pm_bulk_get_record_error (bulk) != NULL)
    {
      g_string_append (text, "\n");
      g_string_append_printf (text, _("Could not record the batch totals: %s"),
                              pm_bulk_get_record_error (bulk));
    }
  gtk_label_set_text (self->result_label, text->str);
  gtk_stack_set_visible_child_name (self->top_stack, "result");
  gtk_widget_set_visible (self->cancel_button, FALSE);
  gtk_widget_set_visible (self->back_button, FALSE);
  set_next (self, _("_Close"), TRUE);
}

static void
send_done_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(PmBulkDialog) self = user_data;
  g_autoptr(GError) error = NULL;
  PmBulk *bulk = PM_BULK (object);

  self->sending = FALSE;
  if (self->held != NULL)
    g_application_release (self->held);
  g_clear_object (&self->held);
  g_signal_handlers_disconnect_by_data (bulk, self);
  if (g_cancellable_is_cancelled (self->cancellable))
    return;
  if (!pm_bulk_send_finish (bulk, result, &error))
    {
      /* refused before anything left (the same rows sent under another name meanwhile) */
      gtk_stack_set_visible_child_name (self->top_stack, "preview");
      gtk_widget_set_visible (self->cancel_button, TRUE);
      set_next (self, _("_Send…"), FALSE);
      set_preview_message (self, error->message, TRUE);
      self->done = TRUE;
    }
  else
    {
      self->done = TRUE;
      update_progress (self);
      show_result (self);
    }
  if (self->close_after_send)
    gtk_window_destroy (GTK_WINDOW (self));
}

static void
start_send (PmBulkDialog *self)
{
  self->sending = TRUE;
  self->held = g_application_get_default ();
  if (self->held != NULL)
    g_application_hold (g_object_ref (self->held));
  hide_banner (self);
  gtk_stack_set_visible_child_name (self->top_stack, "sending");
  gtk_widget_set_visible (self->cancel_button, FALSE);
  gtk_widget_set_visible (self->back_button, FALSE);
  set_next (self, NULL, FALSE);
  gtk_widget_set_sensitive (GTK_WIDGET (self->stop_button), TRUE);
  g_clear_object (&self->send_cancellable);
  self->send_cancellable = g_cancellable_new ();
  g_signal_connect (self->bulk, "notify::n-done", G_CALLBACK (progress_cb), self);
  g_signal_connect (self->bulk, "notify::n-sent", G_CALLBACK (progress_cb), self);
  g_signal_connect (self->bulk, "stopped", G_CALLBACK (stopped_cb), self);
  update_progress (self);
  pm_bulk_send_async (self->bulk, self->send_cancellable, send_done_cb, g_object_ref (self));
}

static void
stop_clicked_cb (PmBulkDialog *self)
{
  if (self->send_cancellable != NULL)
    g_cancellable_cancel (self->send_cancellable);
  gtk_widget_set_sensitive (GTK_WIDGET (self->stop_button), FALSE);
  gtk_button_set_label (self->stop_button, _("Stopping…"));
}

/* ---- 4. the confirmation ---- */

static void
confirm_response_cb (AdwMessageDialog *dialog,
                     const char       *response,
                     PmBulkDialog     *self)
{
  if (g_strcmp0 (response, "send") == 0 && !self->sending && !self->done && self->checked)
    start_send (self);
}

static void
confirm (PmBulkDialog *self)
{
  guint n = pm_bulk_get_n_run (self->bulk);
  gint64 won = pm_bulk_get_won_run (self->bulk);
  g_autofree char *figures = pm_money_format (won);
  g_autofree char *words = pm_money_format_korean (won);
  g_autofree char *heading = NULL;
  g_autofree char *body = NULL;
  PmProfile *profile = pm_service_get_profile (self->service);
  GtkWidget *dialog;

  heading = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "Send %u Payment Request?",
                                          "Send %u Payment Requests?", n), n);
  /* Translators: the count, the total in figures ("1,260,000원"), in Korean words
   * ("일백이십육만 원"), the connection's name */
  body = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                       "%u request, %s (%s), will be sent with the "
                                       "connection “%s”. Each payer gets a text message.",
                                       "%u requests, %s (%s) in total, will be sent with the "
                                       "connection “%s”. Each payer gets a text message.", n),
                          n, figures, words, profile != NULL ? pm_profile_get_name (profile) : "");
  dialog = adw_message_dialog_new (GTK_WINDOW (self), heading, body);
  adw_message_dialog_set_body_use_markup (ADW_MESSAGE_DIALOG (dialog), FALSE);
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog), "cancel", _("_Cancel"),
                                    "send", _("_Send"), NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "send",
                                              ADW_RESPONSE_SUGGESTED);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  g_signal_connect_object (dialog, "response", G_CALLBACK (confirm_response_cb), self, 0);
  gtk_window_present (GTK_WINDOW (dialog));
}

/* ---- buttons and closing ---- */

static void
next_clicked_cb (PmBulkDialog *self)
{
  const char *page = pm_bulk_dialog_get_step (self);

  if (g_str_equal (page, "map"))
    go_preview (self);
  else if (g_str_equal (page, "preview"))
    {
      update_preview (self);
      if (gtk_widget_get_sensitive (GTK_WIDGET (self->next_button)))
        confirm (self);
    }
  else if (g_str_equal (page, "result"))
    gtk_window_close (GTK_WINDOW (self));
}

static void
back_clicked_cb (PmBulkDialog *self)
{
  if (self->sending || self->done)
    return;
  gtk_widget_set_visible (self->back_button, FALSE);
  gtk_widget_set_visible (GTK_WIDGET (self->problems_toggle), FALSE);
  gtk_toggle_button_set_active (self->problems_toggle, FALSE);
  hide_banner (self);
  gtk_stack_set_visible_child_name (self->stack, "map");
  /* the options take effect on a new read */
  if (pm_bulk_get_stage (self->bulk) != PM_BULK_STAGE_LOADED)
    load (self);
  else
    set_next (self, _("_Preview"), TRUE);
}

static void
cancel_clicked_cb (PmBulkDialog *self)
{
  gtk_window_close (GTK_WINDOW (self));
}

static void
problems_toggled_cb (PmBulkDialog *self)
{
  self->problems_only = gtk_toggle_button_get_active (self->problems_toggle);
  gtk_filter_changed (GTK_FILTER (self->filter), self->problems_only
                                                 ? GTK_FILTER_CHANGE_MORE_STRICT
                                                 : GTK_FILTER_CHANGE_LESS_STRICT);
}

static void
close_response_cb (AdwMessageDialog *dialog,
                   const char       *response,
                   PmBulkDialog     *self)
{
  if (!self->sending)
    {
      if (g_strcmp0 (response, "keep") != 0)
        gtk_window_destroy (GTK_WINDOW (self));
      return;
    }
  if (g_strcmp0 (response, "stop") == 0)
    stop_clicked_cb (self);
  if (g_strcmp0 (response, "stop") == 0 || g_strcmp0 (response, "background") == 0)
    {
      /* the run goes on (or finishes the requests on their way); the window goes at its end */
      self->close_after_send = TRUE;
      gtk_widget_set_visible (GTK_WIDGET (self), FALSE);
    }
}

static gboolean
pm_bulk_dialog_close_request (GtkWindow *window)
{
  PmBulkDialog *self = PM_BULK_DIALOG (window);
  GtkWidget *dialog;
  g_autofree char *body = NULL;

  if (!self->sending)
    return GTK_WINDOW_CLASS (pm_bulk_dialog_parent_class)->close_request (window);
  if (self->close_after_send)
    return TRUE;

  body = g_strdup_printf (_("%u of %u requests are sent. Closing the window does not stop "
                            "them: sending goes on in the background until every row is done, "
                            "and the bills appear in Payments as they go. Or stop sending: "
                            "the requests already on their way finish, and choosing the same "
                            "file again sends the rest."),
                          pm_bulk_get_n_sent (self->bulk), pm_bulk_get_n_run (self->bulk));
  dialog = adw_message_dialog_new (GTK_WINDOW (self), _("Sending Is Not Finished"), body);
  adw_message_dialog_set_body_use_markup (ADW_MESSAGE_DIALOG (dialog), FALSE);
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog),
                                    "keep", _("_Keep Window Open"),
                                    "stop", _("S_top Sending"),
                                    "background", _("_Close and Keep Sending"), NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "stop",
                                              ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "keep");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "keep");
  g_signal_connect_object (dialog, "response", G_CALLBACK (close_response_cb), self, 0);
  gtk_window_present (GTK_WINDOW (dialog));
  return TRUE;
}

/* ---- the type ---- */

static void
pm_bulk_dialog_dispose (GObject *object)
{
  PmBulkDialog *self = PM_BULK_DIALOG (object);

  g_cancellable_cancel (self->cancellable);
  if (self->load_cancellable != NULL)
    g_cancellable_cancel (self->load_cancellable);
  if (self->bulk != NULL)
    g_signal_handlers_disconnect_by_data (self->bulk, self);
  if (self->column_view != NULL)
    gtk_column_view_set_model (self->column_view, NULL);
  gtk_widget_dispose_template (GTK_WIDGET (self), PM_TYPE_BULK_DIALOG);
  g_clear_object (&self->filtered);
  g_clear_object (&self->filter);
  g_clear_pointer (&self->partners, g_hash_table_unref);
  g_clear_object (&self->column_names);
  g_clear_object (&self->bulk);
  g_clear_object (&self->load_cancellable);
  g_clear_object (&self->send_cancellable);
  g_clear_object (&self->service);

  G_OBJECT_CLASS (pm_bulk_dialog_parent_class)->dispose (object);
}

static void
pm_bulk_dialog_finalize (GObject *object)
{
  PmBulkDialog *self = PM_BULK_DIALOG (object);

  g_clear_object (&self->cancellable);
  g_free (self->path);
  for (int f = 0; f < PM_CSV_N_FIELDS; f++)
    g_free (self->columns[f]);

  G_OBJECT_CLASS (pm_bulk_dialog_parent_class)->finalize (object);
}

static void
pm_bulk_dialog_class_init (PmBulkDialogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  GtkWindowClass *window_class = GTK_WINDOW_CLASS (klass);

  object_class->dispose = pm_bulk_dialog_dispose;
  object_class->finalize = pm_bulk_dialog_finalize;
  window_class->close_request = pm_bulk_dialog_close_request;

  pm_ui_ensure_resources ();
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/paymintdesk/PaymintDesk/"
                                               "pm-bulk-dialog.ui");
#define BIND(name) gtk_widget_class_bind_template_child (widget_class, PmBulkDialog, name)
  BIND (window_title);
  BIND (cancel_button);
  BIND (back_button);
  BIND (next_button);
  BIND (busy_spinner);
  BIND (stack);
  BIND (choose_error);
  BIND (file_label);
  BIND (map_error);
  BIND (columns_group);
  BIND (product_default);
  BIND (message_default);
  BIND (expiry_default);
  BIND (banner_revealer);
  BIND (banner_icon);
  BIND (banner_label);
  BIND (continue_batch_button);
  BIND (new_batch_button);
  BIND (top_stack);
  BIND (counts_label);
  BIND (batch_entry);
  BIND (preview_message);
  BIND (skip_invalid_check);
  BIND (allow_duplicates_check);
  BIND (progress_label);
  BIND (stop_button);
  BIND (progress_bar);
  BIND (result_label);
  BIND (problems_toggle);
  BIND (column_view);
#undef BIND
  gtk_widget_class_bind_template_callback (widget_class, cancel_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, back_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, next_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, choose_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, defaults_apply_cb);
  gtk_widget_class_bind_template_callback (widget_class, continue_batch_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, new_batch_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, batch_activate_cb);
  gtk_widget_class_bind_template_callback (widget_class, choice_toggled_cb);
  gtk_widget_class_bind_template_callback (widget_class, stop_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, problems_toggled_cb);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
pm_bulk_dialog_init (PmBulkDialog *self)
{
  g_autofree char *expiry = NULL;

  gtk_widget_init_template (GTK_WIDGET (self));
  self->cancellable = g_cancellable_new ();
  self->load_cancellable = g_cancellable_new ();
  self->column_names = gtk_string_list_new (NULL);
  build_field_rows (self);
  self->filter = gtk_custom_filter_new (row_filter_cb, self, NULL);

  add_column (self, C_("bulk column", "Row"), COL_NUMBER, FALSE);
  add_column (self, C_("bulk column", "Name"), PM_CSV_FIELD_PAYER, FALSE);
  add_column (self, C_("bulk column", "Phone"), PM_CSV_FIELD_PHONE, FALSE);
  add_column (self, C_("bulk column", "Amount"), PM_CSV_FIELD_AMOUNT, FALSE);
  add_column (self, C_("bulk column", "Product"), PM_CSV_FIELD_PRODUCT, TRUE);
  add_column (self, C_("bulk column", "Last Day to Pay"), PM_CSV_FIELD_EXPIRY, FALSE);
  add_column (self, C_("bulk column", "Status"), COL_STATUS, TRUE);

  /* as paymint-cli: a week from today (Korea) for rows without a last day */
  expiry = pm_bill_korea_date (pm_ui_now () + 7 * 86400);
  gtk_editable_set_text (self->expiry_default, expiry);
  /* a file without a message column still reads; the clerk sees and may change it */
  gtk_editable_set_text (self->message_default, _("Please pay through the link below."));
  pm_ui_wrap_words_within (GTK_WIDGET (self));
}

static PmBulkDialog *
bulk_dialog_new (GtkWindow *parent,
                 PmService *service)
{
  PmBulkDialog *self = g_object_new (PM_TYPE_BULK_DIALOG, "transient-for", parent, NULL);

  self->service = g_object_ref (service);
  return self;
}

void
pm_bulk_dialog_present (GtkWindow *parent,
                        PmService *service)
{
  PmBulkDialog *self;

  g_return_if_fail (PM_IS_SERVICE (service));

  self = bulk_dialog_new (parent, service);
  gtk_window_present (GTK_WINDOW (self));
}

PmBulkDialog *
pm_bulk_dialog_present_for_file (GtkWindow  *parent,
                                 PmService  *service,
                                 const char *path)
{
  PmBulkDialog *self;

  g_return_val_if_fail (PM_IS_SERVICE (service), NULL);
  g_return_val_if_fail (path != NULL, NULL);

  self = bulk_dialog_new (parent, service);
  gtk_window_present (GTK_WINDOW (self));
  choose_path (self, path);
  return self;
}

const char *
pm_bulk_dialog_get_step (PmBulkDialog *self)
{
  const char *page;

  g_return_val_if_fail (PM_IS_BULK_DIALOG (self), NULL);

  page = gtk_stack_get_visible_child_name (self->stack);
  if (g_strcmp0 (page, "rows") == 0)
    return gtk_stack_get_visible_child_name (self->top_stack);
  return page;
}

PmBulk *
pm_bulk_dialog_get_bulk (PmBulkDialog *self)
{
  g_return_val_if_fail (PM_IS_BULK_DIALOG (self), NULL);

  return self->bulk;
}

GtkDropDown *
pm_bulk_dialog_get_column_dropdown (PmBulkDialog *self,
                                    PmCsvField    field)
{
  g_return_val_if_fail (PM_IS_BULK_DIALOG (self), NULL);
  g_return_val_if_fail (field >= 0 && field < PM_CSV_N_FIELDS, NULL);

  return self->dropdowns[field];
}

gboolean
pm_bulk_dialog_get_busy (PmBulkDialog *self)
{
  g_return_val_if_fail (PM_IS_BULK_DIALOG (self), FALSE);

  return self->loading || self->checking || self->probing;
}
