/* pm-template-editor.c — the preferences page that edits message templates
 *
 * Copyright 2026 The Paymint Desk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The templates live in GSettings ("message-templates", a(ss): name, text). Each one
 * is an expander row with its name and text in entry rows; a change is checked and
 * saved when the row's apply button (or Enter) is pressed.
 */

#include "config.h"

#include <glib/gi18n.h>

#include "pm-template-editor.h"
#include "pm-bill.h"
#include "pm-ui.h"

#define TEMPLATE_NAME_MAX 40
#define KEY               "message-templates"

struct _PmTemplateEditor
{
  AdwPreferencesPage    parent_instance;

  GSettings            *settings;
  gboolean              saving;   /* our own write: no rebuild */
  GPtrArray            *rows;     /* the expander rows, in order */

  AdwPreferencesGroup  *group;
  GtkWidget            *empty_row;
};

G_DEFINE_FINAL_TYPE (PmTemplateEditor, pm_template_editor, ADW_TYPE_PREFERENCES_PAGE)

enum
{
  PROP_0,
  PROP_SETTINGS,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* What a row keeps: its widgets. */
typedef struct
{
  AdwExpanderRow *expander;
  AdwEntryRow    *name_row;
  AdwEntryRow    *text_row;
  AdwActionRow   *error_row;
} RowParts;

static RowParts *
row_parts (GtkWidget *expander)
{
  return g_object_get_data (G_OBJECT (expander), "pm-parts");
}

static int
row_index (PmTemplateEditor *self,
           GtkWidget        *widget)
{
  for (guint i = 0; i < self->rows->len; i++)
    {
      RowParts *parts = row_parts (g_ptr_array_index (self->rows, i));

      if (widget == GTK_WIDGET (parts->expander) || widget == GTK_WIDGET (parts->name_row)
          || widget == GTK_WIDGET (parts->text_row))
        return (int) i;
    }
  return -1;
}

/* ---- checks ---- */

static gboolean
check_name (const char  *name,
            char       **message)
{
  g_autofree char *stripped = g_strstrip (g_strdup (name));
  long length = g_utf8_strlen (stripped, -1);

  if (*stripped == '\0')
    {
      *message = g_strdup (_("Give the template a name."));
      return FALSE;
    }
  if (length > TEMPLATE_NAME_MAX)
    {
      /* Translators: the limit, then the current length */
      *message = g_strdup_printf (_("A template name can be at most %d characters long; "
                                    "it has %ld."),
                                  TEMPLATE_NAME_MAX, length);
      return FALSE;
    }
  return TRUE;
}

static gboolean
check_text (const char  *text,
            char       **message)
{
  g_autoptr(GError) error = NULL;
  const char *p = text;

  if (!pm_bill_check_message (text, &error))
    {
      *message = g_strdup (error->message);
      return FALSE;
    }
  /* every {…} must be one the form knows */
  while ((p = strchr (p, '{')) != NULL)
    {
      const char *end = strchr (p, '}');
      g_autofree char *token = NULL;

      if (end == NULL)
        break;
      token = g_strndup (p, (gsize) (end - p + 1));
      if (g_strcmp0 (token, "{이름}") != 0 && g_strcmp0 (token, "{금액}") != 0
          && g_strcmp0 (token, "{월}") != 0)
        {
          *message = g_strdup_printf (_("%s is not a placeholder the form knows; use {이름}, "
                                        "{금액} or {월}."),
                                      token);
          return FALSE;
        }
      p = end + 1;
    }
  return TRUE;
}

/* ---- saving ---- */

static void
save (PmTemplateEditor *self)
{
  GVariantBuilder builder;

  g_variant_builder_init (&builder, G_VARIANT_TYPE ("a(ss)"));
  for (guint i = 0; i < self->rows->len; i++)
    {
      RowParts *parts = row_parts (g_ptr_array_index (self->rows, i));
      const char *name = g_object_get_data (G_OBJECT (parts->expander), "pm-name");
      const char *text = g_object_get_data (G_OBJECT (parts->expander), "pm-text");

      g_variant_builder_add (&builder, "(ss)", name, text);
    }
  self->saving = TRUE;
  g_settings_set_value (self->settings, KEY, g_variant_builder_end (&builder));
  self->saving = FALSE;
}

static void
show_row (RowParts   *parts,
          const char *name,
          const char *text)
{
  /* either may be the value being replaced */
  char *new_name = g_strdup (name);
  char *new_text = g_strdup (text);

  g_object_set_data_full (G_OBJECT (parts->expander), "pm-name", new_name, g_free);
  g_object_set_data_full (G_OBJECT (parts->expander), "pm-text", new_text, g_free);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (parts->expander), new_name);
  adw_expander_row_set_subtitle (parts->expander, new_text);
}

static void
show_error (RowParts   *parts,
            GtkWidget  *row,
            const char *message)
{
  gtk_widget_remove_css_class (GTK_WIDGET (parts->name_row), "error");
  gtk_widget_remove_css_class (GTK_WIDGET (parts->text_row), "error");
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (parts->error_row),
                                 message != NULL ? message : "");
  gtk_widget_set_visible (GTK_WIDGET (parts->error_row), message != NULL);
  if (message != NULL && row != NULL)
    gtk_widget_add_css_class (row, "error");
}

static void
apply_cb (AdwEntryRow      *row,
          PmTemplateEditor *self)
{
  int index = row_index (self, GTK_WIDGET (row));
  RowParts *parts;
  const char *value = gtk_editable_get_text (GTK_EDITABLE (row));
  g_autofree char *message = NULL;
  g_autofree char *stripped = NULL;

  if (index < 0)
    return;
  parts = row_parts (g_ptr_array_index (self->rows, (guint) index));
  if (row == parts->name_row)
    {
      if (!check_name (value, &message))
        {
          show_error (parts, GTK_WIDGET (row), message);
          return;
        }
      stripped = g_strstrip (g_strdup (value));
      show_row (parts, stripped, g_object_get_data (G_OBJECT (parts->expander), "pm-text"));
    }
  else
    {
      if (!check_text (value, &message))
        {
          show_error (parts, GTK_WIDGET (row), message);
          return;
        }
      stripped = g_strstrip (g_strdup (value));
      show_row (parts, g_object_get_data (G_OBJECT (parts->expander), "pm-name"), stripped);
    }
  show_error (parts, NULL, NULL);
  save (self);
}

/* ---- rows ---- */

static void
parts_free (RowParts *parts)
{
  g_free (parts);
}

static GtkWidget *
template_row_new (PmTemplateEditor *self,
                  guint             index,
                  const char       *name,
                  const char       *text)
{
  RowParts *parts = g_new0 (RowParts, 1);
  GtkWidget *delete_row;
  GtkWidget *delete_button;

  parts->expander = ADW_EXPANDER_ROW (adw_expander_row_new ());
  /* names and texts are shown as typed, never as markup */
  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (parts->expander), FALSE);
  gtk_widget_add_css_class (GTK_WIDGET (parts->expander), "template-row");

  parts->name_row = ADW_ENTRY_ROW (adw_entry_row_new ());
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (parts->name_row), _("Name"));
  adw_entry_row_set_show_apply_button (parts->name_row, TRUE);
  gtk_editable_set_text (GTK_EDITABLE (parts->name_row), name);
  g_signal_connect_object (parts->name_row, "apply", G_CALLBACK (apply_cb), self, 0);

  parts->text_row = ADW_ENTRY_ROW (adw_entry_row_new ());
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (parts->text_row), _("Message"));
  adw_entry_row_set_show_apply_button (parts->text_row, TRUE);
  gtk_editable_set_text (GTK_EDITABLE (parts->text_row), text);
  g_signal_connect_object (parts->text_row, "apply", G_CALLBACK (apply_cb), self, 0);

  parts->error_row = ADW_ACTION_ROW (adw_action_row_new ());
  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (parts->error_row), FALSE);
  gtk_widget_add_css_class (GTK_WIDGET (parts->error_row), "error");
  gtk_widget_set_visible (GTK_WIDGET (parts->error_row), FALSE);

  delete_row = adw_action_row_new ();
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (delete_row), _("Delete this template"));
  delete_button = gtk_button_new_with_mnemonic (_("_Delete"));
  gtk_widget_set_valign (delete_button, GTK_ALIGN_CENTER);
  gtk_widget_add_css_class (delete_button, "destructive-action");
  gtk_actionable_set_action_name (GTK_ACTIONABLE (delete_button), "templates.remove");
  gtk_actionable_set_action_target_value (GTK_ACTIONABLE (delete_button),
                                          g_variant_new_int32 ((gint32) index));
  adw_action_row_add_suffix (ADW_ACTION_ROW (delete_row), delete_button);

  adw_expander_row_add_row (parts->expander, GTK_WIDGET (parts->name_row));
  adw_expander_row_add_row (parts->expander, GTK_WIDGET (parts->text_row));
  adw_expander_row_add_row (parts->expander, GTK_WIDGET (parts->error_row));
  adw_expander_row_add_row (parts->expander, delete_row);

  g_object_set_data_full (G_OBJECT (parts->expander), "pm-parts", parts,
                          (GDestroyNotify) parts_free);
  show_row (parts, name, text);
  return GTK_WIDGET (parts->expander);
}

static void
rebuild (PmTemplateEditor *self)
{
  g_autoptr(GVariant) templates = g_settings_get_value (self->settings, KEY);
  gsize n = g_variant_n_children (templates);

  for (guint i = 0; i < self->rows->len; i++)
    adw_preferences_group_remove (self->group, g_ptr_array_index (self->rows, i));
  g_ptr_array_set_size (self->rows, 0);

  for (gsize i = 0; i < n; i++)
    {
      const char *name = NULL;
      const char *text = NULL;
      GtkWidget *row;

      g_variant_get_child (templates, i, "(&s&s)", &name, &text);
      row = template_row_new (self, (guint) i, name, text);
      g_ptr_array_add (self->rows, row);
      adw_preferences_group_add (self->group, row);
    }
  gtk_widget_set_visible (self->empty_row, n == 0);
}

static void
settings_changed_cb (GSettings        *settings,
                     const char       *key,
                     PmTemplateEditor *self)
{
  if (!self->saving)
    rebuild (self);
}

/* ---- actions ---- */

static void
add_cb (GtkWidget  *widget,
        const char *action_name,
        GVariant   *parameter)
{
  PmTemplateEditor *self = PM_TEMPLATE_EDITOR (widget);
  g_autoptr(GVariant) templates = g_settings_get_value (self->settings, KEY);
  GVariantBuilder builder;
  g_autofree char *name = NULL;
  RowParts *parts;
  gsize n = g_variant_n_children (templates);

  g_variant_builder_init (&builder, G_VARIANT_TYPE ("a(ss)"));
  for (gsize i = 0; i < n; i++)
    {
      g_autoptr(GVariant) child = g_variant_get_child_value (templates, i);

      g_variant_builder_add_value (&builder, child);
    }
  /* Translators: the name a new template starts with; %u counts up */
  name = g_strdup_printf (_("Template %u"), (guint) n + 1);
  /* the text goes to Korean payers, so it starts in Korean whatever the desk's language */
  g_variant_builder_add (&builder, "(ss)", name,
                         "{이름}님, {금액} 결제 부탁드립니다.");
  g_settings_set_value (self->settings, KEY, g_variant_builder_end (&builder));

  /* settings_changed_cb rebuilt the list; open the new one for editing */
  if (self->rows->len == n + 1)
    {
      parts = row_parts (g_ptr_array_index (self->rows, n));
      adw_expander_row_set_expanded (parts->expander, TRUE);
      gtk_widget_grab_focus (GTK_WIDGET (parts->name_row));
    }
}

static void
remove_cb (GtkWidget  *widget,
           const char *action_name,
           GVariant   *parameter)
{
  PmTemplateEditor *self = PM_TEMPLATE_EDITOR (widget);
  int index = g_variant_get_int32 (parameter);
  g_autoptr(GVariant) templates = g_settings_get_value (self->settings, KEY);
  GVariantBuilder builder;
  gsize n = g_variant_n_children (templates);

  if (index < 0 || (gsize) index >= n)
    return;
  g_variant_builder_init (&builder, G_VARIANT_TYPE ("a(ss)"));
  for (gsize i = 0; i < n; i++)
    {
      g_autoptr(GVariant) child = NULL;

      if (i == (gsize) index)
        continue;
      child = g_variant_get_child_value (templates, i);
      g_variant_builder_add_value (&builder, child);
    }
  g_settings_set_value (self->settings, KEY, g_variant_builder_end (&builder));
}

/* ---- object ---- */

static void
pm_template_editor_constructed (GObject *object)
{
  PmTemplateEditor *self = PM_TEMPLATE_EDITOR (object);

  G_OBJECT_CLASS (pm_template_editor_parent_class)->constructed (object);

  if (self->settings == NULL)
    self->settings = g_settings_new (BASE_ID);
  g_signal_connect_object (self->settings, "changed::" KEY, G_CALLBACK (settings_changed_cb),
                           self, 0);
  rebuild (self);
}

static void
pm_template_editor_set_property (GObject      *object,
                                 guint         prop_id,
                                 const GValue *value,
                                 GParamSpec   *pspec)
{
  PmTemplateEditor *self = PM_TEMPLATE_EDITOR (object);

  switch (prop_id)
    {
    case PROP_SETTINGS:
      g_set_object (&self->settings, g_value_get_object (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
pm_template_editor_dispose (GObject *object)
{
  PmTemplateEditor *self = PM_TEMPLATE_EDITOR (object);

  g_clear_pointer (&self->rows, g_ptr_array_unref);
  gtk_widget_dispose_template (GTK_WIDGET (self), PM_TYPE_TEMPLATE_EDITOR);
  g_clear_object (&self->settings);

  G_OBJECT_CLASS (pm_template_editor_parent_class)->dispose (object);
}

static void
pm_template_editor_class_init (PmTemplateEditorClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  pm_ui_ensure_resources ();

  object_class->constructed = pm_template_editor_constructed;
  object_class->set_property = pm_template_editor_set_property;
  object_class->dispose = pm_template_editor_dispose;

  properties[PROP_SETTINGS] =
    g_param_spec_object ("settings", NULL, NULL, G_TYPE_SETTINGS,
                         G_PARAM_WRITABLE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_install_action (widget_class, "templates.add", NULL, add_cb);
  gtk_widget_class_install_action (widget_class, "templates.remove", "i", remove_cb);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               RESOURCE_PATH "/pm-template-editor.ui");
  gtk_widget_class_bind_template_child (widget_class, PmTemplateEditor, group);
  gtk_widget_class_bind_template_child (widget_class, PmTemplateEditor, empty_row);
}

static void
pm_template_editor_init (PmTemplateEditor *self)
{
  self->rows = g_ptr_array_new ();
  gtk_widget_init_template (GTK_WIDGET (self));
}

GtkWidget *
pm_template_editor_new (GSettings *settings)
{
  g_return_val_if_fail (settings == NULL || G_IS_SETTINGS (settings), NULL);

  return g_object_new (PM_TYPE_TEMPLATE_EDITOR, "settings", settings, NULL);
}
