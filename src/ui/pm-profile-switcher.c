/* pm-profile-switcher.c — the header-bar button that switches the active connection
 *
 * Copyright 2026 The Paymint Desk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n.h>

#include "pm-profile-switcher.h"
#include "pm-error.h"
#include "pm-service-profiles.h"
#include "pm-ui.h"

struct _PmProfileSwitcher
{
  GtkWidget      parent_instance;

  PmApplication *application; /* weak: the app outlives its windows */
  PmService     *service;
  gulong         profiles_changed_id;
  GCancellable  *cancellable;
  GPtrArray     *profiles;   /* of PmProfile, the saved ones, last read */
  gboolean       loading;

  /* Template widgets */
  GtkMenuButton *button;
  GtkPopover    *popover;
  GtkListBox    *list;
  GtkLabel      *message;
};

G_DEFINE_FINAL_TYPE (PmProfileSwitcher, pm_profile_switcher, GTK_TYPE_WIDGET)

static const char *
active_uuid (PmProfileSwitcher *self)
{
  return self->service != NULL ? pm_service_get_profile_id (self->service) : NULL;
}

static GtkWidget *
create_row (PmProfileSwitcher *self,
            PmProfile         *profile,
            const char        *name,
            const char        *detail)
{
  GtkWidget *row = gtk_list_box_row_new ();
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  GtkWidget *labels = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  GtkWidget *title = gtk_label_new (name);
  GtkWidget *subtitle = gtk_label_new (detail);
  GtkWidget *check = gtk_image_new_from_icon_name ("object-select-symbolic");

  gtk_label_set_xalign (GTK_LABEL (title), 0);
  gtk_label_set_ellipsize (GTK_LABEL (title), PANGO_ELLIPSIZE_END);
  gtk_label_set_xalign (GTK_LABEL (subtitle), 0);
  gtk_label_set_ellipsize (GTK_LABEL (subtitle), PANGO_ELLIPSIZE_MIDDLE);
  gtk_widget_add_css_class (subtitle, "dim-label");
  gtk_widget_add_css_class (subtitle, "caption");
  gtk_widget_set_hexpand (labels, TRUE);
  gtk_box_append (GTK_BOX (labels), title);
  gtk_box_append (GTK_BOX (labels), subtitle);
  gtk_box_append (GTK_BOX (box), labels);
  gtk_widget_set_visible (check,
                          g_strcmp0 (pm_profile_get_uuid (profile), active_uuid (self)) == 0);
  gtk_box_append (GTK_BOX (box), check);
  gtk_list_box_row_set_child (GTK_LIST_BOX_ROW (row), box);
  g_object_set_data_full (G_OBJECT (row), "profile", g_object_ref (profile), g_object_unref);
  return row;
}

/* The deployment's host, for a second line that tells two shops' connections apart. */
static char *
dup_host (PmProfile *profile)
{
  g_autofree char *url = pm_profile_normalize_url (pm_profile_get_base_url (profile), NULL);
  g_autoptr(GUri) uri = url != NULL ? g_uri_parse (url, G_URI_FLAGS_NONE, NULL) : NULL;

  return g_strdup (uri != NULL && g_uri_get_host (uri) != NULL ? g_uri_get_host (uri) : "");
}

static void
rebuild_rows (PmProfileSwitcher *self)
{
  GtkWidget *child;
  g_autoptr(PmProfile) sandbox = pm_profile_new ();

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->list))) != NULL)
    gtk_list_box_remove (self->list, child);

  for (guint i = 0; self->profiles != NULL && i < self->profiles->len; i++)
    {
      PmProfile *profile = g_ptr_array_index (self->profiles, i);
      g_autofree char *host = NULL;

      if (g_strcmp0 (pm_profile_get_uuid (profile), PM_APPLICATION_SANDBOX_PROFILE_UUID) == 0)
        continue;
      host = dup_host (profile);
      gtk_list_box_append (self->list, create_row (self, profile, pm_profile_get_name (profile),
                                                   host));
    }

  pm_profile_set_uuid (sandbox, PM_APPLICATION_SANDBOX_PROFILE_UUID);
  pm_profile_set_name (sandbox, _("Sandbox"));
  gtk_list_box_append (self->list, create_row (self, sandbox, _("Sandbox"),
                                               _("Built in: try everything, no account")));
}

static void
update_label (PmProfileSwitcher *self)
{
  PmProfile *profile = self->service != NULL ? pm_service_get_profile (self->service) : NULL;

  gtk_menu_button_set_label (self->button, profile != NULL ? pm_profile_get_name (profile)
                                                           : _("No Connection"));
}

static void
profile_changed_cb (PmProfileSwitcher *self)
{
  update_label (self);
  rebuild_rows (self);
}

static void
list_done_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(PmProfileSwitcher) self = user_data;
  g_autoptr(GPtrArray) profiles = NULL;
  g_autoptr(GError) error = NULL;

  profiles = pm_service_list_profiles_finish (PM_SERVICE (object), result, &error);
  if (g_error_matches (error, PM_ERROR, PM_ERROR_CANCELLED)
      || g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  self->loading = FALSE;
  gtk_label_set_text (self->message, error != NULL ? error->message : "");
  gtk_widget_set_visible (GTK_WIDGET (self->message), error != NULL);
  if (profiles != NULL)
    {
      g_clear_pointer (&self->profiles, g_ptr_array_unref);
      self->profiles = g_steal_pointer (&profiles);
    }
  rebuild_rows (self);
}

void
pm_profile_switcher_reload (PmProfileSwitcher *self)
{
  g_return_if_fail (PM_IS_PROFILE_SWITCHER (self));

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();
  if (self->service == NULL)
    return;
  self->loading = TRUE;
  pm_service_list_profiles_async (self->service, self->cancellable, list_done_cb,
                                  g_object_ref (self));
}

/* A connection was saved or deleted, say through "Add Connection…": the list follows at
 * once, whether the popover is open or not. */
static void
profiles_changed_cb (PmProfileSwitcher *self)
{
  pm_profile_switcher_reload (self);
}

static void
popover_show_cb (PmProfileSwitcher *self)
{
  rebuild_rows (self);
  pm_profile_switcher_reload (self);
}

static void
popdown_cb (PmProfileSwitcher *self)
{
  gtk_popover_popdown (self->popover);
}

static void
row_activated_cb (PmProfileSwitcher *self,
                  GtkListBoxRow     *row)
{
  PmProfile *profile = g_object_get_data (G_OBJECT (row), "profile");

  gtk_popover_popdown (self->popover);
  if (self->application == NULL || profile == NULL)
    return;
  if (g_strcmp0 (pm_profile_get_uuid (profile), active_uuid (self)) == 0)
    return;
  pm_application_switch_profile (self->application, profile);
}

static void
pm_profile_switcher_map (GtkWidget *widget)
{
  PmProfileSwitcher *self = PM_PROFILE_SWITCHER (widget);

  GTK_WIDGET_CLASS (pm_profile_switcher_parent_class)->map (widget);

  if (self->application == NULL)
    {
      GtkRoot *root = gtk_widget_get_root (widget);
      GtkApplication *app = GTK_IS_WINDOW (root) ? gtk_window_get_application (GTK_WINDOW (root))
                                                 : NULL;

      if (PM_IS_APPLICATION (app))
        pm_profile_switcher_set_application (self, PM_APPLICATION (app));
    }
}

static void
pm_profile_switcher_dispose (GObject *object)
{
  PmProfileSwitcher *self = PM_PROFILE_SWITCHER (object);

  g_cancellable_cancel (self->cancellable);
  gtk_widget_dispose_template (GTK_WIDGET (self), PM_TYPE_PROFILE_SWITCHER);
  if (self->service != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->service, self);
      pm_service_disconnect_profiles_changed (self->service, self->profiles_changed_id);
      self->profiles_changed_id = 0;
    }
  g_clear_object (&self->service);
  g_clear_weak_pointer (&self->application);

  G_OBJECT_CLASS (pm_profile_switcher_parent_class)->dispose (object);
}

static void
pm_profile_switcher_finalize (GObject *object)
{
  PmProfileSwitcher *self = PM_PROFILE_SWITCHER (object);

  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->profiles, g_ptr_array_unref);

  G_OBJECT_CLASS (pm_profile_switcher_parent_class)->finalize (object);
}

static void
pm_profile_switcher_class_init (PmProfileSwitcherClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  pm_ui_ensure_resources ();

  object_class->dispose = pm_profile_switcher_dispose;
  object_class->finalize = pm_profile_switcher_finalize;
  widget_class->map = pm_profile_switcher_map;

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               RESOURCE_PATH "/pm-profile-switcher.ui");
  gtk_widget_class_bind_template_child (widget_class, PmProfileSwitcher, button);
  gtk_widget_class_bind_template_child (widget_class, PmProfileSwitcher, popover);
  gtk_widget_class_bind_template_child (widget_class, PmProfileSwitcher, list);
  gtk_widget_class_bind_template_child (widget_class, PmProfileSwitcher, message);
  gtk_widget_class_bind_template_callback (widget_class, popover_show_cb);
  gtk_widget_class_bind_template_callback (widget_class, popdown_cb);
  gtk_widget_class_bind_template_callback (widget_class, row_activated_cb);
}

static void
pm_profile_switcher_init (PmProfileSwitcher *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->cancellable = g_cancellable_new ();
  pm_ui_label_wrap_words (self->message);
}

GtkWidget *
pm_profile_switcher_new (void)
{
  return g_object_new (PM_TYPE_PROFILE_SWITCHER, NULL);
}

void
pm_profile_switcher_set_application (PmProfileSwitcher *self,
                                     PmApplication     *application)
{
  g_return_if_fail (PM_IS_PROFILE_SWITCHER (self));
  g_return_if_fail (application == NULL || PM_IS_APPLICATION (application));

  if (self->service != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->service, self);
      pm_service_disconnect_profiles_changed (self->service, self->profiles_changed_id);
      self->profiles_changed_id = 0;
    }
  g_clear_object (&self->service);
  g_set_weak_pointer (&self->application, application);
  if (application != NULL && pm_application_get_service (application) != NULL)
    {
      self->service = g_object_ref (pm_application_get_service (application));
      g_signal_connect_object (self->service, "notify::profile",
                               G_CALLBACK (profile_changed_cb), self, G_CONNECT_SWAPPED);
      self->profiles_changed_id =
        pm_service_connect_profiles_changed (self->service, G_CALLBACK (profiles_changed_cb),
                                             self);
    }
  gtk_widget_set_sensitive (GTK_WIDGET (self->button), self->service != NULL);
  update_label (self);
  rebuild_rows (self);
}

gboolean
pm_profile_switcher_get_loading (PmProfileSwitcher *self)
{
  g_return_val_if_fail (PM_IS_PROFILE_SWITCHER (self), FALSE);

  return self->loading;
}

/**
 * pm_profile_switcher_get_list:
 *
 * Returns: (transfer none): the list in the popover, one row per profile
 */
GtkListBox *
pm_profile_switcher_get_list (PmProfileSwitcher *self)
{
  g_return_val_if_fail (PM_IS_PROFILE_SWITCHER (self), NULL);

  return self->list;
}
