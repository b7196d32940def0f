/* pm-preferences-window.c — polling and notification preferences
 *
 * Copyright 2026 The Paymint Desk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n.h>

#include "pm-preferences-window.h"
#include "pm-ui.h"

struct _PmPreferencesWindow
{
  AdwPreferencesWindow  parent_instance;

  GSettings            *settings;

  GtkSwitch            *polling_switch;
  GtkSpinButton        *concurrency_spin;
  GtkSwitch            *notify_switch;
};

G_DEFINE_FINAL_TYPE (PmPreferencesWindow, pm_preferences_window, ADW_TYPE_PREFERENCES_WINDOW)

enum {
  PROP_0,
  PROP_SETTINGS,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
pm_preferences_window_constructed (GObject *object)
{
  PmPreferencesWindow *self = PM_PREFERENCES_WINDOW (object);

  G_OBJECT_CLASS (pm_preferences_window_parent_class)->constructed (object);

  if (self->settings == NULL)
    self->settings = g_settings_new (BASE_ID);

  g_settings_bind (self->settings, "polling-enabled", self->polling_switch, "active",
                   G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (self->settings, "polling-concurrency", self->concurrency_spin, "value",
                   G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (self->settings, "polling-enabled", self->concurrency_spin, "sensitive",
                   G_SETTINGS_BIND_GET);
  g_settings_bind (self->settings, "notify-paid", self->notify_switch, "active",
                   G_SETTINGS_BIND_DEFAULT);
}

static void
pm_preferences_window_set_property (GObject      *object,
                                    guint         prop_id,
                                    const GValue *value,
                                    GParamSpec   *pspec)
{
  PmPreferencesWindow *self = PM_PREFERENCES_WINDOW (object);

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
pm_preferences_window_dispose (GObject *object)
{
  PmPreferencesWindow *self = PM_PREFERENCES_WINDOW (object);

  gtk_widget_dispose_template (GTK_WIDGET (self), PM_TYPE_PREFERENCES_WINDOW);
  g_clear_object (&self->settings);

  G_OBJECT_CLASS (pm_preferences_window_parent_class)->dispose (object);
}

static void
pm_preferences_window_class_init (PmPreferencesWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  pm_ui_ensure_resources ();

  object_class->constructed = pm_preferences_window_constructed;
  object_class->set_property = pm_preferences_window_set_property;
  object_class->dispose = pm_preferences_window_dispose;

  properties[PROP_SETTINGS] =
    g_param_spec_object ("settings", NULL, NULL, G_TYPE_SETTINGS,
                         G_PARAM_WRITABLE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               RESOURCE_PATH "/pm-preferences-window.ui");
  gtk_widget_class_bind_template_child (widget_class, PmPreferencesWindow, polling_switch);
  gtk_widget_class_bind_template_child (widget_class, PmPreferencesWindow, concurrency_spin);
  gtk_widget_class_bind_template_child (widget_class, PmPreferencesWindow, notify_switch);
}

static void
pm_preferences_window_init (PmPreferencesWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

PmPreferencesWindow *
pm_preferences_window_new (PmApplication *application)
{
  return g_object_new (PM_TYPE_PREFERENCES_WINDOW,
                       "settings", application ? pm_application_get_settings (application) : NULL,
                       NULL);
}
