/* pm-plan-dialog.c — New Plan: schedule, templates, roster from a file, problems at the field
 *
 * Copyright 2026 The Paymint Desk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Every field is checked as it is typed, with the engine's own parsers and
 * pm_plan_validate(); a problem is shown at its field (the row's subtitle), a roster row's
 * at the row; Save stays insensitive until there is none.
 */

#include "config.h"

#include <glib/gi18n.h>

#include "pm-plan-dialog.h"
#include "pm-csv.h"
#include "pm-error.h"
#include "pm-money.h"
#include "pm-phone.h"
#include "pm-ui.h"

static const char * const entry_fields[] = {
  PM_PLAN_FIELD_NAME, PM_PLAN_FIELD_TIME, PM_PLAN_FIELD_DAYS_TO_PAY, PM_PLAN_FIELD_START,
  PM_PLAN_FIELD_END, PM_PLAN_FIELD_REASON, PM_PLAN_FIELD_MESSAGE,
};

struct _PmPlanDialog
{
  AdwWindow            parent_instance;

  PmService           *service;
  PmPlanStore         *store;
  gint64               now;
  GHashTable          *entries;    /* field → GtkEntry (borrowed) */
  GHashTable          *rows;       /* field → AdwActionRow or AdwComboRow (borrowed) */
  GHashTable          *errors;     /* field → message shown */
  GHashTable          *touched;    /* fields a person changed */
  GPtrArray           *payers;     /* PmPlanPayer of the valid rows, in order */
  GPtrArray           *payer_rows; /* the list row of each payer */
  char                *roster_error;  /* the file's or its first row's problem */
  char                *roster_path;
  GtkEditable         *last_template; /* reason or message: where a chip inserts */
  AdwComboRow         *day_row;
  gboolean             start_touched;
  gboolean             can_save;
  gboolean             updating;

  GtkButton           *save_button;
  AdwPreferencesGroup *schedule_group;
  AdwPreferencesGroup *text_group;
  AdwPreferencesGroup *roster_group;
  GtkListBox          *roster_list;
};

G_DEFINE_FINAL_TYPE (PmPlanDialog, pm_plan_dialog, ADW_TYPE_WINDOW)

enum { PROP_0, PROP_CAN_SAVE, N_PROPS };
static GParamSpec *properties[N_PROPS];
enum { SAVED, N_SIGNALS };
static guint signals[N_SIGNALS];

static const char *
entry_text (PmPlanDialog *self,
            const char   *field)
{
  return gtk_editable_get_text (GTK_EDITABLE (g_hash_table_lookup (self->entries, field)));
}

static int
selected_day (PmPlanDialog *self)
{
  guint i = adw_combo_row_get_selected (self->day_row);

  return i >= PM_PLAN_DAY_MAX ? PM_PLAN_DAY_LAST : (int) i + 1;
}

static void
note_error (GHashTable   *errors,
            const char   *field,
            const GError *error)
{
  if (error != NULL && !g_hash_table_contains (errors, field))
    g_hash_table_insert (errors, g_strdup (field), g_strdup (error->message));
}

/* The plan the fields describe; every problem found goes to @errors by field. */
static PmPlan *
build_plan (PmPlanDialog *self,
            GHashTable   *errors)
{
  g_autoptr(PmPlan) plan = pm_plan_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *name = g_strstrip (g_strdup (entry_text (self, PM_PLAN_FIELD_NAME)));
  const char *end = entry_text (self, PM_PLAN_FIELD_END);
  const char *days = entry_text (self, PM_PLAN_FIELD_DAYS_TO_PAY);
  gint64 n_days = 0;
  int minutes = -1;

  pm_plan_set_name (plan, name);
  pm_plan_set_day (plan, selected_day (self));

  if (pm_plan_parse_time (entry_text (self, PM_PLAN_FIELD_TIME), &minutes, &error))
    pm_plan_set_time (plan, minutes);
  else
    pm_plan_set_time (plan, -1);
  note_error (errors, PM_PLAN_FIELD_TIME, error);
  g_clear_error (&error);

  if (g_ascii_string_to_signed (days, 10, 0, 366, &n_days, NULL))
    pm_plan_set_days_to_pay (plan, (int) n_days);
  else
    {
      pm_plan_set_days_to_pay (plan, -1);
      g_hash_table_insert (errors, g_strdup (PM_PLAN_FIELD_DAYS_TO_PAY),
                           g_strdup_printf (_("“%s” is not a number of days: write, for "
                                              "example, 7."), days));
    }

  pm_plan_set_reason (plan, entry_text (self, PM_PLAN_FIELD_REASON));
  if (!pm_plan_check_template (entry_text (self, PM_PLAN_FIELD_REASON), PM_PLAN_FIELD_REASON,
                               &error))
    note_error (errors, PM_PLAN_FIELD_REASON, error);
  g_clear_error (&error);
  pm_plan_set_message (plan, entry_text (self, PM_PLAN_FIELD_MESSAGE));
  if (!pm_plan_check_template (entry_text (self, PM_PLAN_FIELD_MESSAGE), PM_PLAN_FIELD_MESSAGE,
                               &error))
    note_error (errors, PM_PLAN_FIELD_MESSAGE, error);
  g_clear_error (&error);

  if (pm_plan_parse_period (entry_text (self, PM_PLAN_FIELD_START), PM_PLAN_FIELD_START, NULL,
                            NULL, &error))
    pm_plan_set_start_period (plan, entry_text (self, PM_PLAN_FIELD_START));
  note_error (errors, PM_PLAN_FIELD_START, error);
  g_clear_error (&error);
  if (*end != '\0')
    {
      if (pm_plan_parse_period (end, PM_PLAN_FIELD_END, NULL, NULL, &error))
        pm_plan_set_end_period (plan, end);
      note_error (errors, PM_PLAN_FIELD_END, error);
      g_clear_error (&error);
    }

  if (self->payers != NULL)
    pm_plan_set_roster (plan, self->payers);
  if (self->roster_error != NULL)
    g_hash_table_insert (errors, g_strdup (PM_PLAN_FIELD_ROSTER), g_strdup (self->roster_error));
  else if (self->payers == NULL || self->payers->len == 0)
    g_hash_table_insert (errors, g_strdup (PM_PLAN_FIELD_ROSTER),
                         g_strdup (_("Choose the file with the payers.")));

  /* what only the whole plan can tell (an empty name, a start after the end, …) */
  if (!pm_plan_validate (plan, &error))
    {
      const char *field = pm_error_get_field (error);

      note_error (errors, field != NULL ? field : PM_PLAN_FIELD_NAME, error);
    }
  return g_steal_pointer (&plan);
}

static void
show_field_error (PmPlanDialog *self,
                  const char   *field,
                  const char   *message)
{
  GtkWidget *row = g_hash_table_lookup (self->rows, field);
  GtkWidget *entry = g_hash_table_lookup (self->entries, field);

  if (row == NULL)
    return;
  if (message != NULL)
    {
      g_autofree char *escaped = g_markup_escape_text (message, -1);

      adw_action_row_set_subtitle (ADW_ACTION_ROW (row), escaped);
      gtk_widget_add_css_class (row, "error");
      if (entry != NULL)
        gtk_widget_add_css_class (entry, "error");
    }
  else
    {
      const char *hint = g_object_get_data (G_OBJECT (row), "pm-hint");

      adw_action_row_set_subtitle (ADW_ACTION_ROW (row), hint != NULL ? hint : "");
      gtk_widget_remove_css_class (row, "error");
      if (entry != NULL)
        gtk_widget_remove_css_class (entry, "error");
    }
}

/* The start month follows the day and time until a person sets it: the first month whose
 * run is still ahead, so a new plan never bills at once by surprise. */
static void
update_default_start (PmPlanDialog *self,
                      PmPlan       *plan)
{
  g_autofree char *period = pm_plan_period_at (self->now);
  GtkEditable *start = g_hash_table_lookup (self->entries, PM_PLAN_FIELD_START);

  if (self->start_touched || pm_plan_get_time (plan) < 0)
    return;
  if (pm_plan_due_at (plan, period) <= self->now)
    {
      g_autofree char *next = pm_plan_period_add (period, 1);

      g_free (period);
      period = g_steal_pointer (&next);
    }
  if (g_strcmp0 (gtk_editable_get_text (start), period) != 0)
    {
      self->updating = TRUE;
      gtk_editable_set_text (start, period);
      self->updating = FALSE;
    }
}

static void
check (PmPlanDialog *self)
{
  g_autoptr(GHashTable) errors = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_autoptr(PmPlan) plan = build_plan (self, errors);
  gboolean can_save;
  GHashTableIter iter;
  gpointer field;

  update_default_start (self, plan);
  g_clear_pointer (&plan, g_object_unref);
  g_hash_table_remove_all (errors);
  plan = build_plan (self, errors);

  g_hash_table_remove_all (self->errors);
  g_hash_table_iter_init (&iter, self->rows);
  while (g_hash_table_iter_next (&iter, &field, NULL))
    {
      const char *message = g_hash_table_lookup (errors, field);

      /* an empty field a person has not reached yet is not scolded */
      if (message != NULL && !g_hash_table_contains (self->touched, field))
        message = NULL;
      if (message != NULL)
        g_hash_table_insert (self->errors, g_strdup (field), g_strdup (message));
      show_field_error (self, field, message);
    }
  if (self->roster_error != NULL || self->payers != NULL)
    adw_preferences_group_set_description (self->roster_group,
                                           self->roster_error != NULL ? self->roster_error
                                                                      : NULL);
  if (self->roster_error == NULL && self->payers != NULL)
    {
      g_autofree char *total = pm_money_format (pm_plan_get_total (plan));
      g_autofree char *words = pm_money_format_korean (pm_plan_get_total (plan));
      g_autofree char *text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                                            "%u payer, %s a month (%s)",
                                                            "%u payers, %s a month (%s)",
                                                            self->payers->len),
                                               self->payers->len, total, words);

      adw_preferences_group_set_description (self->roster_group, text);
    }

  can_save = g_hash_table_size (errors) == 0;
  gtk_widget_set_sensitive (GTK_WIDGET (self->save_button), can_save);
  if (can_save != self->can_save)
    {
      self->can_save = can_save;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CAN_SAVE]);
    }
}

static void
entry_changed_cb (GtkEditable  *entry,
                  PmPlanDialog *self)
{
  const char *field = g_object_get_data (G_OBJECT (entry), "pm-field");

  if (self->updating)
    return;
  g_hash_table_add (self->touched, g_strdup (field));
  if (g_str_equal (field, PM_PLAN_FIELD_START))
    self->start_touched = TRUE;
  check (self);
}

static void
template_focus_cb (GtkEventControllerFocus *controller,
                   PmPlanDialog            *self)
{
  self->last_template = GTK_EDITABLE (gtk_event_controller_get_widget (GTK_EVENT_CONTROLLER (controller)));
}

static GtkWidget *
add_entry_row (PmPlanDialog        *self,
               AdwPreferencesGroup *group,
               const char          *field,
               const char          *title,
               const char          *hint,
               const char          *text,
               int                  width_chars)
{
  GtkWidget *row = adw_action_row_new ();
  GtkWidget *entry = gtk_entry_new ();

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  adw_preferences_row_set_use_underline (ADW_PREFERENCES_ROW (row), TRUE);
  if (hint != NULL)
    {
      g_object_set_data_full (G_OBJECT (row), "pm-hint", g_strdup (hint), g_free);
      adw_action_row_set_subtitle (ADW_ACTION_ROW (row), hint);
    }
  gtk_widget_set_valign (entry, GTK_ALIGN_CENTER);
  if (width_chars > 0)
    gtk_editable_set_width_chars (GTK_EDITABLE (entry), width_chars);
  else
    gtk_widget_set_hexpand (entry, TRUE);
  gtk_editable_set_text (GTK_EDITABLE (entry), text != NULL ? text : "");
  g_object_set_data_full (G_OBJECT (entry), "pm-field", g_strdup (field), g_free);
  gtk_accessible_update_property (GTK_ACCESSIBLE (entry), GTK_ACCESSIBLE_PROPERTY_LABEL, title,
                                  -1);
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), entry);
  adw_action_row_set_activatable_widget (ADW_ACTION_ROW (row), entry);
  adw_preferences_group_add (group, row);
  g_hash_table_insert (self->entries, g_strdup (field), entry);
  g_hash_table_insert (self->rows, g_strdup (field), row);
  g_signal_connect_object (entry, "changed", G_CALLBACK (entry_changed_cb), self, 0);
  return entry;
}

static void
chip_clicked_cb (GtkButton    *button,
                 PmPlanDialog *self)
{
  GtkEditable *target = self->last_template;
  const char *text = gtk_button_get_label (button);
  int position;

  if (target == NULL)
    target = g_hash_table_lookup (self->entries, PM_PLAN_FIELD_MESSAGE);
  position = gtk_editable_get_position (target);
  gtk_editable_insert_text (target, text, -1, &position);
  gtk_widget_grab_focus (GTK_WIDGET (target));
  gtk_editable_set_position (target, position);
}

static void
day_changed_cb (PmPlanDialog *self)
{
  g_hash_table_add (self->touched, g_strdup (PM_PLAN_FIELD_DAY));
  check (self);
}

/* ---- the roster ---- */

static GtkWidget *
roster_row (const char *title,
            const char *subtitle,
            const char *problem)
{
  GtkWidget *row = adw_action_row_new ();
  g_autofree char *title_markup = g_markup_escape_text (title, -1);

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title_markup);
  if (problem != NULL)
    {
      g_autofree char *escaped = g_markup_escape_text (problem, -1);
      GtkWidget *icon = gtk_image_new_from_icon_name ("dialog-warning-symbolic");

      adw_action_row_set_subtitle (ADW_ACTION_ROW (row), escaped);
      gtk_widget_add_css_class (row, "error");
      adw_action_row_add_prefix (ADW_ACTION_ROW (row), icon);
    }
  else if (subtitle != NULL)
    {
      g_autofree char *escaped = g_markup_escape_text (subtitle, -1);

      adw_action_row_set_subtitle (ADW_ACTION_ROW (row), escaped);
    }
  return row;
}

static void
clear_roster_list (PmPlanDialog *self)
{
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->roster_list))) != NULL)
    gtk_list_box_remove (self->roster_list, child);
}

void
pm_plan_dialog_load_roster (PmPlanDialog *self,
                            const char   *path)
{
  g_autoptr(PmCsvImport) import = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) problems = NULL;
  g_autofree char *tomorrow = NULL;
  g_autoptr(PmPlan) probe = NULL;
  PmCsvOptions options = { 0 };
  GPtrArray *rows;

  g_return_if_fail (PM_IS_PLAN_DIALOG (self));
  g_return_if_fail (path != NULL);

  g_hash_table_add (self->touched, g_strdup (PM_PLAN_FIELD_ROSTER));
  g_clear_pointer (&self->roster_error, g_free);
  g_clear_pointer (&self->payers, g_ptr_array_unref);
  g_clear_pointer (&self->payer_rows, g_ptr_array_unref);
  g_free (self->roster_path);
  self->roster_path = g_strdup (path);
  clear_roster_list (self);

  /* the reader pm_plan_roster_from_file uses, row by row, so every bad row shows */
  tomorrow = pm_bill_korea_date (self->now + 24 * 3600);
  options.default_product = "-";
  options.default_message = "-";
  options.default_expiry = tomorrow;
  options.now_utc = self->now;
  import = pm_csv_import_path (path, &options, &error);
  if (import == NULL)
    {
      g_autofree char *base = g_path_get_basename (path);

      self->roster_error = g_strdup_printf ("%s: %s", base, error->message);
      check (self);
      return;
    }

  self->payers = g_ptr_array_new_with_free_func ((GDestroyNotify) pm_plan_payer_free);
  self->payer_rows = g_ptr_array_new ();
  rows = pm_csv_import_get_rows (import);
  for (guint i = 0; i < rows->len; i++)
    {
      PmCsvRow *row = g_ptr_array_index (rows, i);
      GtkWidget *widget;

      if (row->errors->len > 0)
        {
          g_autoptr(GString) problem = g_string_new (NULL);
          g_autofree char *title = g_strdup_printf (_("Row %u"), row->number);

          for (guint e = 0; e < row->errors->len; e++)
            {
              PmCsvRowError *cell = g_ptr_array_index (row->errors, e);

              if (problem->len > 0)
                g_string_append (problem, "\n");
              if (cell->column >= 0)
                {
                  g_autofree char *column = pm_csv_import_dup_column_name (import, cell->column);

                  g_string_append_printf (problem, _("row %u, column %s: %s"), row->number,
                                          column, cell->message);
                }
              else
                g_string_append_printf (problem, _("row %u: %s"), row->number, cell->message);
            }
          widget = roster_row (title, NULL, problem->str);
          if (self->roster_error == NULL)
            self->roster_error = g_strdup (problem->str);
        }
      else
        {
          g_autofree char *amount = pm_money_format (pm_bill_get_price (row->bill));
          g_autofree char *phone = pm_phone_format_display (pm_bill_get_phone (row->bill));
          g_autofree char *subtitle = g_strdup_printf ("%s · %s", phone, amount);

          g_ptr_array_add (self->payers,
                           pm_plan_payer_new (pm_bill_get_payer_name (row->bill),
                                              pm_bill_get_phone (row->bill),
                                              pm_bill_get_price (row->bill), NULL));
          widget = roster_row (pm_bill_get_payer_name (row->bill), subtitle, NULL);
          g_ptr_array_add (self->payer_rows, widget);
        }
      gtk_list_box_append (self->roster_list, widget);
    }

  /* what the plan itself refuses in a roster (the same phone twice, a zero amount, …),
   * at the payer's row */
  probe = pm_plan_new ();
  pm_plan_set_roster (probe, self->payers);
  problems = pm_plan_check_roster (probe);
  for (guint i = 0; i < problems->len; i++)
    {
      PmPlanRosterProblem *p = g_ptr_array_index (problems, i);
      GtkWidget *widget;
      g_autofree char *escaped = NULL;

      if (p->index >= self->payer_rows->len)
        continue;
      widget = g_ptr_array_index (self->payer_rows, p->index);
      escaped = g_markup_escape_text (p->message, -1);
      adw_action_row_set_subtitle (ADW_ACTION_ROW (widget), escaped);
      if (!gtk_widget_has_css_class (widget, "error"))
        {
          gtk_widget_add_css_class (widget, "error");
          adw_action_row_add_prefix (ADW_ACTION_ROW (widget),
                                     gtk_image_new_from_icon_name ("dialog-warning-symbolic"));
        }
      if (self->roster_error == NULL)
        self->roster_error = g_strdup (p->message);
    }
  if (rows->len == 0 && self->roster_error == NULL)
    self->roster_error = g_strdup (_("The file has no payers in it."));
  check (self);
}

static void
file_chosen_cb (GtkNativeDialog *chooser,
                int              response,
                PmPlanDialog    *self)
{
  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (chooser));
      g_autofree char *path = file != NULL ? g_file_get_path (file) : NULL;

      if (path != NULL)
        pm_plan_dialog_load_roster (self, path);
    }
  g_object_unref (chooser);
}

static void
choose_file_cb (PmPlanDialog *self)
{
  GtkFileChooserNative *chooser;
  g_autoptr(GtkFileFilter) filter = gtk_file_filter_new ();

  chooser = gtk_file_chooser_native_new (_("Choose the Payers’ File"), GTK_WINDOW (self),
                                         GTK_FILE_CHOOSER_ACTION_OPEN, _("_Open"), _("_Cancel"));
  gtk_file_filter_set_name (filter, _("Spreadsheets (CSV, Excel)"));
  gtk_file_filter_add_suffix (filter, "csv");
  gtk_file_filter_add_suffix (filter, "xlsx");
  gtk_file_filter_add_suffix (filter, "txt");
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (chooser), filter);
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (chooser), TRUE);
  g_signal_connect_object (chooser, "response", G_CALLBACK (file_chosen_cb), self, 0);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (chooser));
}

/* ---- saving ---- */

gboolean
pm_plan_dialog_save (PmPlanDialog *self)
{
  g_autoptr(GHashTable) errors = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_autoptr(PmPlan) plan = NULL;
  g_autoptr(GError) error = NULL;

  g_return_val_if_fail (PM_IS_PLAN_DIALOG (self), FALSE);

  plan = build_plan (self, errors);
  if (g_hash_table_size (errors) > 0)
    {
      /* everything a person has not reached yet, too */
      for (guint i = 0; i < G_N_ELEMENTS (entry_fields); i++)
        g_hash_table_add (self->touched, g_strdup (entry_fields[i]));
      g_hash_table_add (self->touched, g_strdup (PM_PLAN_FIELD_ROSTER));
      check (self);
      return FALSE;
    }
  if (!pm_plan_store_add (self->store, plan, pm_service_get_profile_id (self->service),
                          self->now, &error))
    {
      const char *field = pm_error_get_field (error);

      if (field != NULL && g_hash_table_contains (self->rows, field))
        {
          g_hash_table_insert (self->errors, g_strdup (field), g_strdup (error->message));
          show_field_error (self, field, error->message);
        }
      else
        adw_preferences_group_set_description (self->schedule_group, error->message);
      gtk_widget_set_sensitive (GTK_WIDGET (self->save_button), FALSE);
      return FALSE;
    }
  g_signal_emit (self, signals[SAVED], 0, plan);
  gtk_window_destroy (GTK_WINDOW (self));
  return TRUE;
}

static void
save_clicked_cb (PmPlanDialog *self)
{
  pm_plan_dialog_save (self);
}

/* ---- the type ---- */

static void
pm_plan_dialog_dispose (GObject *object)
{
  PmPlanDialog *self = PM_PLAN_DIALOG (object);

  gtk_widget_dispose_template (GTK_WIDGET (self), PM_TYPE_PLAN_DIALOG);
  g_clear_object (&self->service);
  g_clear_object (&self->store);

  G_OBJECT_CLASS (pm_plan_dialog_parent_class)->dispose (object);
}

static void
pm_plan_dialog_finalize (GObject *object)
{
  PmPlanDialog *self = PM_PLAN_DIALOG (object);

  g_hash_table_unref (self->entries);
  g_hash_table_unref (self->rows);
  g_hash_table_unref (self->errors);
  g_hash_table_unref (self->touched);
  g_clear_pointer (&self->payers, g_ptr_array_unref);
  g_clear_pointer (&self->payer_rows, g_ptr_array_unref);
  g_free (self->roster_error);
  g_free (self->roster_path);

  G_OBJECT_CLASS (pm_plan_dialog_parent_class)->finalize (object);
}

static void
pm_plan_dialog_get_property (GObject    *object,
                             guint       prop_id,
                             GValue     *value,
                             GParamSpec *pspec)
{
  PmPlanDialog *self = PM_PLAN_DIALOG (object);

  switch (prop_id)
    {
    case PROP_CAN_SAVE:
      g_value_set_boolean (value, self->can_save);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
pm_plan_dialog_class_init (PmPlanDialogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  pm_ui_ensure_resources ();
  object_class->dispose = pm_plan_dialog_dispose;
  object_class->finalize = pm_plan_dialog_finalize;
  object_class->get_property = pm_plan_dialog_get_property;

  properties[PROP_CAN_SAVE] = g_param_spec_boolean ("can-save", NULL, NULL, FALSE,
                                                    G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);
  signals[SAVED] = g_signal_new ("saved", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                 NULL, NULL, NULL, G_TYPE_NONE, 1, PM_TYPE_PLAN);

  gtk_widget_class_set_template_from_resource (widget_class, RESOURCE_PATH "/pm-plan-dialog.ui");
  gtk_widget_class_bind_template_child (widget_class, PmPlanDialog, save_button);
  gtk_widget_class_bind_template_child (widget_class, PmPlanDialog, schedule_group);
  gtk_widget_class_bind_template_child (widget_class, PmPlanDialog, text_group);
  gtk_widget_class_bind_template_child (widget_class, PmPlanDialog, roster_group);
  gtk_widget_class_bind_template_child (widget_class, PmPlanDialog, roster_list);
  gtk_widget_class_bind_template_callback (widget_class, save_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, choose_file_cb);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
pm_plan_dialog_init (PmPlanDialog *self)
{
  g_autoptr(GtkStringList) days = gtk_string_list_new (NULL);
  static const char * const chips[] = { "{이름}", "{금액}", "{월}", "{다음달}" };
  g_autofree char *default_time = pm_plan_format_time (PM_PLAN_DEFAULT_TIME);
  g_autofree char *default_days = g_strdup_printf ("%d", PM_PLAN_DEFAULT_DAYS_TO_PAY);
  GtkWidget *entry;
  GtkWidget *chip_row;
  GtkWidget *chip_box;

  self->entries = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->rows = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->errors = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->touched = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  gtk_widget_init_template (GTK_WIDGET (self));

  add_entry_row (self, self->schedule_group, PM_PLAN_FIELD_NAME, _("_Name"),
                 NULL, NULL, 0);
  gtk_entry_set_placeholder_text (GTK_ENTRY (g_hash_table_lookup (self->entries,
                                                                  PM_PLAN_FIELD_NAME)),
                                  _("Monthly tuition"));

  for (int d = 1; d <= PM_PLAN_DAY_MAX; d++)
    {
      g_autofree char *label = g_strdup_printf (_("Day %d"), d);

      gtk_string_list_append (days, label);
    }
  gtk_string_list_append (days, _("Last day of the month"));
  self->day_row = ADW_COMBO_ROW (adw_combo_row_new ());
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->day_row), _("_Day of the Month"));
  adw_preferences_row_set_use_underline (ADW_PREFERENCES_ROW (self->day_row), TRUE);
  g_object_set_data_full (G_OBJECT (self->day_row), "pm-hint",
                          g_strdup (_("Days 29 to 31 are not in every month: choose the last "
                                      "day instead")), g_free);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (self->day_row),
                               g_object_get_data (G_OBJECT (self->day_row), "pm-hint"));
  adw_combo_row_set_model (self->day_row, G_LIST_MODEL (days));
  adw_combo_row_set_selected (self->day_row, 4);
  adw_preferences_group_add (self->schedule_group, GTK_WIDGET (self->day_row));
  g_hash_table_insert (self->rows, g_strdup (PM_PLAN_FIELD_DAY), self->day_row);
  g_signal_connect_object (self->day_row, "notify::selected", G_CALLBACK (day_changed_cb), self,
                           G_CONNECT_SWAPPED);

  add_entry_row (self, self->schedule_group, PM_PLAN_FIELD_TIME, _("_Time"),
                 _("Korea time, 24-hour: 10:00, 18:30"), default_time, 6);
  add_entry_row (self, self->schedule_group, PM_PLAN_FIELD_DAYS_TO_PAY, _("Days to _Pay"),
                 _("How long each payer has to pay after the bill is sent"), default_days, 4);
  add_entry_row (self, self->schedule_group, PM_PLAN_FIELD_START, _("_First Month"),
                 _("Year and month: 2026-03"), NULL, 8);
  entry = add_entry_row (self, self->schedule_group, PM_PLAN_FIELD_END, _("_End Month"),
                         _("Optional: leave empty to go on until you end the plan"), NULL, 8);
  gtk_entry_set_placeholder_text (GTK_ENTRY (entry), _("No end"));

  entry = add_entry_row (self, self->text_group, PM_PLAN_FIELD_REASON, _("_Reason"),
                         NULL, "{월} 수강료", 0);
  {
    GtkEventController *focus = gtk_event_controller_focus_new ();

    g_signal_connect_object (focus, "enter", G_CALLBACK (template_focus_cb), self, 0);
    gtk_widget_add_controller (entry, focus);
  }
  entry = add_entry_row (self, self->text_group, PM_PLAN_FIELD_MESSAGE, _("_Message"),
                         NULL, "{이름}님, {월} 수강료 {금액}을 보내드립니다.", 0);
  {
    GtkEventController *focus = gtk_event_controller_focus_new ();

    g_signal_connect_object (focus, "enter", G_CALLBACK (template_focus_cb), self, 0);
    gtk_widget_add_controller (entry, focus);
  }
  chip_row = adw_action_row_new ();
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (chip_row), _("Placeholders"));
  chip_box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  gtk_widget_set_valign (chip_box, GTK_ALIGN_CENTER);
  for (guint i = 0; i < G_N_ELEMENTS (chips); i++)
    {
      GtkWidget *chip = gtk_button_new_with_label (chips[i]);

      gtk_widget_set_focus_on_click (chip, FALSE);
      g_signal_connect_object (chip, "clicked", G_CALLBACK (chip_clicked_cb), self, 0);
      gtk_box_append (GTK_BOX (chip_box), chip);
    }
  adw_action_row_add_suffix (ADW_ACTION_ROW (chip_row), chip_box);
  adw_preferences_group_add (self->text_group, chip_row);

  /* the roster's problem is the group's description; the group is its "row" */
  g_hash_table_insert (self->rows, g_strdup (PM_PLAN_FIELD_ROSTER), NULL);
}

PmPlanDialog *
pm_plan_dialog_new (GtkWindow   *parent,
                    PmService   *service,
                    PmPlanStore *store,
                    gint64       now)
{
  PmPlanDialog *self;

  g_return_val_if_fail (PM_IS_SERVICE (service), NULL);
  g_return_val_if_fail (PM_IS_PLAN_STORE (store), NULL);

  self = g_object_new (PM_TYPE_PLAN_DIALOG, "transient-for", parent, NULL);
  self->service = g_object_ref (service);
  self->store = g_object_ref (store);
  self->now = now;
  check (self);
  return self;
}

GtkEditable *
pm_plan_dialog_get_entry (PmPlanDialog *self,
                          const char   *field)
{
  g_return_val_if_fail (PM_IS_PLAN_DIALOG (self), NULL);

  return g_hash_table_lookup (self->entries, field);
}

void
pm_plan_dialog_set_day (PmPlanDialog *self,
                        int           day)
{
  g_return_if_fail (PM_IS_PLAN_DIALOG (self));
  g_return_if_fail (day >= 0 && day <= PM_PLAN_DAY_MAX);

  adw_combo_row_set_selected (self->day_row, day == PM_PLAN_DAY_LAST ? PM_PLAN_DAY_MAX
                                                                     : (guint) day - 1);
}

const char *
pm_plan_dialog_get_field_error (PmPlanDialog *self,
                                const char   *field)
{
  g_return_val_if_fail (PM_IS_PLAN_DIALOG (self), NULL);

  return g_hash_table_lookup (self->errors, field);
}

gboolean
pm_plan_dialog_get_can_save (PmPlanDialog *self)
{
  g_return_val_if_fail (PM_IS_PLAN_DIALOG (self), FALSE);

  return self->can_save;
}

GtkListBox *
pm_plan_dialog_get_roster_list (PmPlanDialog *self)
{
  g_return_val_if_fail (PM_IS_PLAN_DIALOG (self), NULL);

  return self->roster_list;
}
