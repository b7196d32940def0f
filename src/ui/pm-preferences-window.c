/* pm-preferences-window.c — connections, polling and notification preferences
 *
 * Copyright 2026 The Paymint Desk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n.h>

#include "pm-preferences-window.h"
#include "pm-plans-timer.h"
#include "pm-template-editor.h"
#include "pm-error.h"
#include "pm-service-profiles.h"
#include "pm-ui.h"

struct _PmPreferencesWindow
{
  AdwPreferencesWindow  parent_instance;

  GSettings            *settings;
  PmService            *service;
  GCancellable         *cancellable;
  GPtrArray            *profiles;    /* of PmProfile, as last read; NULL before */
  gboolean              attached;    /* to its application: settings bound, service known */
  gboolean              connections_loaded;
  gboolean              loading;
  char                 *deleting;    /* uuid of the connection being deleted */

  GtkSwitch            *polling_switch;
  GtkSpinButton        *concurrency_spin;
  GtkSwitch            *notify_switch;
  AdwExpanderRow       *advanced_row;
  AdwPreferencesPage   *connections_page;
  GtkListBox           *connections_list;
  GtkLabel             *connections_message;
};

G_DEFINE_FINAL_TYPE (PmPreferencesWindow, pm_preferences_window, ADW_TYPE_PREFERENCES_WINDOW)

/* The application, read back from the window (EXAMPLES.md habit 4). */
static PmApplication *
get_app (PmPreferencesWindow *self)
{
  GtkApplication *app = gtk_window_get_application (GTK_WINDOW (self));

  return PM_IS_APPLICATION (app) ? PM_APPLICATION (app) : NULL;
}

static const char *
active_uuid (PmPreferencesWindow *self)
{
  return self->service != NULL ? pm_service_get_profile_id (self->service) : NULL;
}

static void load_connections (PmPreferencesWindow *self);

static gboolean
is_cancelled (const GError *error)
{
  return g_error_matches (error, PM_ERROR, PM_ERROR_CANCELLED)
         || g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
}

static void
deleted_cb (GObject      *object,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(PmPreferencesWindow) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *uuid = NULL;
  PmApplication *app;

  if (!pm_service_delete_profile_finish (PM_SERVICE (object), result, &error))
    {
      g_autofree char *markup = NULL;

      if (is_cancelled (error))
        return;
      /* a plain sentence from the service; the title is markup */
      markup = g_markup_escape_text (error->message, -1);
      adw_preferences_window_add_toast (ADW_PREFERENCES_WINDOW (self), adw_toast_new (markup));
      return;
    }
  /* the list itself follows through profiles-changed */
  uuid = g_steal_pointer (&self->deleting);
  app = get_app (self);
  if (app != NULL && g_strcmp0 (uuid, active_uuid (self)) == 0)
    {
      g_autoptr(PmProfile) sandbox = NULL;
      g_autofree char *sandbox_url = pm_application_dup_sandbox_url (app);

      /* the connection in use is gone: back to the sandbox when it runs (in this process
       * or shared with the other desks of this user), else to none */
      if (sandbox_url != NULL)
        {
          sandbox = pm_profile_new ();
          pm_profile_set_uuid (sandbox, PM_APPLICATION_SANDBOX_PROFILE_UUID);
        }
      pm_application_switch_profile (app, sandbox);
    }
}

static void
delete_response_cb (AdwMessageDialog    *dialog,
                    const char          *response,
                    PmPreferencesWindow *self)
{
  PmProfile *profile = g_object_get_data (G_OBJECT (dialog), "pm-profile");

  if (g_strcmp0 (response, "delete") != 0 || profile == NULL || self->service == NULL)
    return;
  g_free (self->deleting);
  self->deleting = g_strdup (pm_profile_get_uuid (profile));
  pm_service_delete_profile_async (self->service, pm_profile_get_uuid (profile),
                                   self->cancellable, deleted_cb, g_object_ref (self));
}

static void
delete_clicked_cb (GtkButton           *button,
                   PmPreferencesWindow *self)
{
  PmProfile *profile = g_object_get_data (G_OBJECT (button), "pm-profile");
  GtkWidget *dialog;
  g_autofree char *heading = NULL;

  /* Translators: %s is a connection's name */
  heading = g_strdup_printf (_("Delete “%s”?"), pm_profile_get_name (profile));
  dialog = adw_message_dialog_new (GTK_WINDOW (self), heading,
                                   _("Its keys are removed from the keyring. Bills sent with "
                                     "it stay in the ledger, and adding the connection again "
                                     "later shows new bills only."));
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog),
                                    "cancel", _("_Cancel"),
                                    "delete", _("_Delete"),
                                    NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "delete",
                                              ADW_RESPONSE_DESTRUCTIVE);
  /* the safe answer has the focus, as in every confirmation of the desk */
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  pm_ui_wrap_words_within (dialog);
  g_object_set_data_full (G_OBJECT (dialog), "pm-profile", g_object_ref (profile),
                          g_object_unref);
  g_signal_connect_object (dialog, "response", G_CALLBACK (delete_response_cb), self, 0);
  gtk_window_present (GTK_WINDOW (dialog));
}

static char *
describe_profile (PmProfile *profile,
                  gboolean   active)
{
  g_autofree char *url = pm_profile_normalize_url (pm_profile_get_base_url (profile), NULL);
  g_autoptr(GUri) uri = url != NULL ? g_uri_parse (url, G_URI_FLAGS_NONE, NULL) : NULL;
  const char *host = uri != NULL && g_uri_get_host (uri) != NULL ? g_uri_get_host (uri) : "";

  /* the mode is an engineering detail: named only when it is not the usual one */
  if (pm_profile_get_mode (profile) == PM_PROFILE_MODE_TRADITIONAL)
    {
      const char *mode = _("Traditional mode");

      if (active)
        /* Translators: host · mode · "In use" */
        return g_strdup_printf (_("%s · %s · In use"), host, mode);
      /* Translators: host · mode */
      return g_strdup_printf (_("%s · %s"), host, mode);
    }
  if (active)
    /* Translators: a connection's host name, then that it is the one in use */
    return g_strdup_printf (_("%s · In use"), host);
  return g_strdup (host);
}

static void
show_connections (PmPreferencesWindow *self)
{
  GPtrArray *profiles = self->profiles;
  GtkWidget *child;
  guint n = 0;

  if (profiles == NULL)
    return;
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->connections_list))) != NULL)
    gtk_list_box_remove (self->connections_list, child);

  for (guint i = 0; i < profiles->len; i++)
    {
      PmProfile *profile = g_ptr_array_index (profiles, i);
      gboolean active = g_strcmp0 (pm_profile_get_uuid (profile), active_uuid (self)) == 0;
      g_autofree char *subtitle = describe_profile (profile, active);
      GtkWidget *row = adw_action_row_new ();
      GtkWidget *button = gtk_button_new_from_icon_name ("user-trash-symbolic");

      adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), pm_profile_get_name (profile));
      adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
      gtk_widget_set_valign (button, GTK_ALIGN_CENTER);
      gtk_widget_add_css_class (button, "flat");
      gtk_widget_set_tooltip_text (button, _("Delete Connection"));
      g_object_set_data_full (G_OBJECT (button), "pm-profile", g_object_ref (profile),
                              g_object_unref);
      g_object_set_data_full (G_OBJECT (row), "pm-profile", g_object_ref (profile),
                              g_object_unref);
      g_signal_connect_object (button, "clicked", G_CALLBACK (delete_clicked_cb), self, 0);
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), button);
      gtk_list_box_append (self->connections_list, row);
      n++;
    }
  gtk_widget_set_visible (GTK_WIDGET (self->connections_list), n > 0);
  if (n == 0)
    {
      gtk_label_set_text (self->connections_message,
                          _("No connections saved yet. Add one to bill through your own MMK "
                            "deployment."));
      gtk_widget_set_visible (GTK_WIDGET (self->connections_message), TRUE);
    }
}

static void
listed_cb (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(PmPreferencesWindow) self = user_data;
  g_autoptr(GPtrArray) profiles = NULL;
  g_autoptr(GError) error = NULL;

  profiles = pm_service_list_profiles_finish (PM_SERVICE (object), result, &error);
  if (is_cancelled (error))
    return;
  self->loading = FALSE;
  gtk_widget_set_visible (GTK_WIDGET (self->connections_message), FALSE);
  if (profiles == NULL)
    {
      /* no keyring, or a locked one: a plain sentence saying what to do */
      g_clear_pointer (&self->profiles, g_ptr_array_unref);
      gtk_label_set_text (self->connections_message, error->message);
      gtk_widget_set_visible (GTK_WIDGET (self->connections_message), TRUE);
      gtk_widget_set_visible (GTK_WIDGET (self->connections_list), FALSE);
      return;
    }
  for (guint i = 0; i < profiles->len; )
    {
      PmProfile *profile = g_ptr_array_index (profiles, i);

      if (g_strcmp0 (pm_profile_get_uuid (profile), PM_APPLICATION_SANDBOX_PROFILE_UUID) == 0)
        g_ptr_array_remove_index (profiles, i);
      else
        i++;
    }
  g_clear_pointer (&self->profiles, g_ptr_array_unref);
  self->profiles = g_steal_pointer (&profiles);
  show_connections (self);
}

static void
load_connections (PmPreferencesWindow *self)
{
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();
  self->connections_loaded = TRUE;
  if (self->service == NULL)
    {
      PmApplication *app = get_app (self);
      const GError *error = app != NULL ? pm_application_get_service_error (app) : NULL;

      pm_ui_show_message (self->connections_message,
                          error != NULL ? error->message
                                        : _("The desk could not start its engine."));
      gtk_widget_set_visible (GTK_WIDGET (self->connections_list), FALSE);
      return;
    }
  self->loading = TRUE;
  pm_service_list_profiles_async (self->service, self->cancellable, listed_cb,
                                  g_object_ref (self));
}

/* The keyring is read only once the Connections page is shown: opening the window for
 * the other settings never asks the keyring anything. */
static void
visible_page_changed_cb (PmPreferencesWindow *self)
{
  if (self->connections_page == NULL || self->cancellable == NULL)
    return;
  if (adw_preferences_window_get_visible_page (ADW_PREFERENCES_WINDOW (self))
      == self->connections_page && !self->connections_loaded)
    load_connections (self);
}

/* Another connection is in use: only the "In use" mark moves. */
static void
profile_changed_cb (PmPreferencesWindow *self)
{
  show_connections (self);
}

/* A connection was saved or deleted (here, in the onboarding, anywhere in the desk). */
static void
profiles_changed_cb (PmPreferencesWindow *self)
{
  if (self->connections_loaded)
    load_connections (self);
}

/* "application" is set after construction (it is no construct property): everything
 * that needs the app happens once it is there. */
static void
application_changed_cb (PmPreferencesWindow *self)
{
  PmApplication *app = get_app (self);

  if (app == NULL || self->attached)
    return;
  self->attached = TRUE;
  self->settings = g_object_ref (pm_application_get_settings (app));

  g_settings_bind (self->settings, "polling-enabled", self->polling_switch, "active",
                   G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (self->settings, "polling-concurrency", self->concurrency_spin, "value",
                   G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (self->settings, "polling-enabled", self->concurrency_spin, "sensitive",
                   G_SETTINGS_BIND_GET);
  adw_preferences_window_add (ADW_PREFERENCES_WINDOW (self),
                              ADW_PREFERENCES_PAGE (pm_template_editor_new (self->settings)));
  g_settings_bind (self->settings, "notify-paid", self->notify_switch, "active",
                   G_SETTINGS_BIND_DEFAULT);

  if (pm_application_get_service (app) != NULL)
    {
      self->service = g_object_ref (pm_application_get_service (app));
      g_signal_connect_object (self->service, "notify::profile",
                               G_CALLBACK (profile_changed_cb), self, G_CONNECT_SWAPPED);
      pm_service_connect_profiles_changed (self->service, G_CALLBACK (profiles_changed_cb), self);
    }
  pm_ui_wrap_words_within (GTK_WIDGET (self));
  visible_page_changed_cb (self);
}

static void
pm_preferences_window_dispose (GObject *object)
{
  PmPreferencesWindow *self = PM_PREFERENCES_WINDOW (object);

  g_cancellable_cancel (self->cancellable);
  gtk_widget_dispose_template (GTK_WIDGET (self), PM_TYPE_PREFERENCES_WINDOW);
  g_clear_object (&self->settings);
  g_clear_object (&self->service);
  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->profiles, g_ptr_array_unref);
  g_clear_pointer (&self->deleting, g_free);

  G_OBJECT_CLASS (pm_preferences_window_parent_class)->dispose (object);
}

static void
pm_preferences_window_class_init (PmPreferencesWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  pm_ui_ensure_resources ();

  object_class->dispose = pm_preferences_window_dispose;

  g_type_ensure (PM_TYPE_PLANS_TIMER_ROW);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               RESOURCE_PATH "/pm-preferences-window.ui");
  gtk_widget_class_bind_template_child (widget_class, PmPreferencesWindow, polling_switch);
  gtk_widget_class_bind_template_child (widget_class, PmPreferencesWindow, concurrency_spin);
  gtk_widget_class_bind_template_child (widget_class, PmPreferencesWindow, notify_switch);
  gtk_widget_class_bind_template_child (widget_class, PmPreferencesWindow, advanced_row);
  gtk_widget_class_bind_template_child (widget_class, PmPreferencesWindow, connections_page);
  gtk_widget_class_bind_template_child (widget_class, PmPreferencesWindow, connections_list);
  gtk_widget_class_bind_template_child (widget_class, PmPreferencesWindow, connections_message);
  gtk_widget_class_bind_template_callback (widget_class, visible_page_changed_cb);
}

static void
pm_preferences_window_init (PmPreferencesWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->cancellable = g_cancellable_new ();
  g_signal_connect (self, "notify::application", G_CALLBACK (application_changed_cb), NULL);
}

PmPreferencesWindow *
pm_preferences_window_new (PmApplication *application,
                           GtkWindow     *parent)
{
  g_return_val_if_fail (PM_IS_APPLICATION (application), NULL);
  g_return_val_if_fail (parent == NULL || GTK_IS_WINDOW (parent), NULL);

  /* both: "application" gives the window the app. actions ("Add Connection…") */
  return g_object_new (PM_TYPE_PREFERENCES_WINDOW,
                       "application", application,
                       "transient-for", parent,
                       NULL);
}
