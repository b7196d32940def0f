/* pm-window.c — the main window
 *
 * Copyright 2026 The Paymint Desk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n.h>

#include "pm-window.h"
#include "pm-ui.h"

struct _PmWindow
{
  AdwApplicationWindow  parent_instance;

  GSettings            *settings;

  /* Template widgets */
  AdwHeaderBar         *header_bar;
  AdwToastOverlay      *toast_overlay;
  AdwStatusPage        *empty_page;
};

G_DEFINE_FINAL_TYPE (PmWindow, pm_window, ADW_TYPE_APPLICATION_WINDOW)

static void
pm_window_save_state (PmWindow *self)
{
  int width = 0;
  int height = 0;
  gboolean maximized = gtk_window_is_maximized (GTK_WINDOW (self));

  /* The default size tracks the unmaximised size, which is what to restore. */
  gtk_window_get_default_size (GTK_WINDOW (self), &width, &height);
  g_settings_delay (self->settings);
  if (width > 0 && height > 0)
    {
      g_settings_set_int (self->settings, "window-width", width);
      g_settings_set_int (self->settings, "window-height", height);
    }
  g_settings_set_boolean (self->settings, "window-maximized", maximized);
  g_settings_apply (self->settings);
}

static void
pm_window_restore_state (PmWindow *self)
{
  int width = g_settings_get_int (self->settings, "window-width");
  int height = g_settings_get_int (self->settings, "window-height");

  gtk_window_set_default_size (GTK_WINDOW (self), width, height);
  if (g_settings_get_boolean (self->settings, "window-maximized"))
    gtk_window_maximize (GTK_WINDOW (self));
}

static gboolean
pm_window_close_request (GtkWindow *window)
{
  pm_window_save_state (PM_WINDOW (window));

  return GTK_WINDOW_CLASS (pm_window_parent_class)->close_request (window);
}

static void
pm_window_constructed (GObject *object)
{
  PmWindow *self = PM_WINDOW (object);
  GtkApplication *app;

  G_OBJECT_CLASS (pm_window_parent_class)->constructed (object);

  app = gtk_window_get_application (GTK_WINDOW (self));
  if (PM_IS_APPLICATION (app))
    self->settings = g_object_ref (pm_application_get_settings (PM_APPLICATION (app)));
  else
    self->settings = g_settings_new (BASE_ID);

  pm_window_restore_state (self);
}

static void
pm_window_dispose (GObject *object)
{
  PmWindow *self = PM_WINDOW (object);

  gtk_widget_dispose_template (GTK_WIDGET (self), PM_TYPE_WINDOW);

  G_OBJECT_CLASS (pm_window_parent_class)->dispose (object);
}

static void
pm_window_finalize (GObject *object)
{
  PmWindow *self = PM_WINDOW (object);

  g_clear_object (&self->settings);

  G_OBJECT_CLASS (pm_window_parent_class)->finalize (object);
}

static void
pm_window_class_init (PmWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  GtkWindowClass *window_class = GTK_WINDOW_CLASS (klass);

  pm_ui_ensure_resources ();

  object_class->constructed = pm_window_constructed;
  object_class->dispose = pm_window_dispose;
  object_class->finalize = pm_window_finalize;
  window_class->close_request = pm_window_close_request;

  gtk_widget_class_set_template_from_resource (widget_class, RESOURCE_PATH "/pm-window.ui");
  gtk_widget_class_bind_template_child (widget_class, PmWindow, header_bar);
  gtk_widget_class_bind_template_child (widget_class, PmWindow, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, PmWindow, empty_page);
}

static void
pm_window_init (PmWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  if (g_strcmp0 (PROFILE, "development") == 0)
    gtk_widget_add_css_class (GTK_WIDGET (self), "devel");
  adw_status_page_set_icon_name (self->empty_page, APP_ID "-symbolic");
}

PmWindow *
pm_window_new (PmApplication *application)
{
  g_return_val_if_fail (PM_IS_APPLICATION (application), NULL);

  return g_object_new (PM_TYPE_WINDOW, "application", application, NULL);
}

void
pm_window_add_toast (PmWindow *self,
                     AdwToast *toast)
{
  g_return_if_fail (PM_IS_WINDOW (self));
  g_return_if_fail (ADW_IS_TOAST (toast));

  adw_toast_overlay_add_toast (self->toast_overlay, toast);
}
