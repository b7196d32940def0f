/* pm-application.c — the AdwApplication: app actions, accelerators, windows
 *
 * Copyright 2026 The Paymint Desk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n.h>

#include "pm-application.h"
#include "pm-bulk-dialog.h"
#include "pm-error.h"
#include "pm-money.h"
#include "pm-onboarding-dialog.h"
#include "pm-preferences-window.h"
#include "pm-send-dialog.h"
#include "pm-sandbox.h"
#include "pm-shared-sandbox.h"
#include "pm-service.h"
#include "pm-service-profiles.h"
#include "pm-ui.h"
#include "pm-window.h"

struct _PmApplication
{
  AdwApplication  parent_instance;

  GSettings      *settings;
  PmService      *service;
  PmSandbox      *sandbox;        /* the sandbox in this process (an app made by a test) */
  PmSharedSandbox *shared_sandbox; /* or this process's hold on the user's shared one */
  gboolean        sandbox_shared; /* the program as launched: join the shared sandbox */
  GError         *service_error; /* why the service could not start, shown in the window */
  gboolean        use_sandbox;
  guint           n_notifications;
  GCancellable   *cancellable;   /* the keyring lookup of the active profile at start-up */
};

/* The built-in Sandbox profile: a fixed identity, so its bills stay together in the
 * ledger from one run to the next. */
#define SANDBOX_PROFILE_UUID PM_APPLICATION_SANDBOX_PROFILE_UUID

G_DEFINE_FINAL_TYPE (PmApplication, pm_application, ADW_TYPE_APPLICATION)

static PmWindow *
get_or_create_window (PmApplication *self)
{
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (self));

  if (window == NULL)
    window = GTK_WINDOW (pm_window_new (self));
  return PM_WINDOW (window);
}

static void
pm_application_activate (GApplication *app)
{
  PmApplication *self = PM_APPLICATION (app);

  gtk_window_present (GTK_WINDOW (get_or_create_window (self)));
}

static void
quit_action_cb (GSimpleAction *action,
                GVariant      *parameter,
                gpointer       user_data)
{
  PmApplication *self = user_data;
  g_autoptr(GList) windows = NULL;

  /* Close the windows first, so each one saves its state, then quit. */
  windows = g_list_copy (gtk_application_get_windows (GTK_APPLICATION (self)));
  for (GList *l = windows; l != NULL; l = l->next)
    gtk_window_close (GTK_WINDOW (l->data));
  g_application_quit (G_APPLICATION (self));
}

static void
about_action_cb (GSimpleAction *action,
                 GVariant      *parameter,
                 gpointer       user_data)
{
  PmApplication *self = user_data;
  static const char *developers[] = { "The Paymint Desk authors", NULL };
  GtkWindow *about;

  about = g_object_new (ADW_TYPE_ABOUT_WINDOW,
                        "transient-for", gtk_application_get_active_window (GTK_APPLICATION (self)),
                        "application-name", _("Paymint Desk"),
                        "application-icon", APP_ID,
                        "developer-name", _("The Paymint Desk authors"),
                        "version", PACKAGE_VERSION,
                        "comments", _("Send payment requests through Payssam (결제선생) and "
                                      "watch them get paid."),
                        "developers", developers,
                        /* Translators: put your names here, one per line */
                        "translator-credits", _("translator-credits"),
                        "copyright", "© 2026 The Paymint Desk authors",
                        "license-type", GTK_LICENSE_GPL_3_0,
                        NULL);
  gtk_window_present (about);
}

static void
preferences_action_cb (GSimpleAction *action,
                       GVariant      *parameter,
                       gpointer       user_data)
{
  PmApplication *self = user_data;
  GtkWindow *parent = gtk_application_get_active_window (GTK_APPLICATION (self));

  gtk_window_present (GTK_WINDOW (pm_preferences_window_new (self, parent)));
}

static void
add_connection_action_cb (GSimpleAction *action,
                          GVariant      *parameter,
                          gpointer       user_data)
{
  PmApplication *self = user_data;
  /* the main window, or Preferences when "Add Connection…" is pressed there */
  GtkWindow *parent = gtk_application_get_active_window (GTK_APPLICATION (self));

  gtk_window_present (GTK_WINDOW (pm_onboarding_dialog_new (self, parent)));
}

static void
new_request_action_cb (GSimpleAction *action,
                       GVariant      *parameter,
                       gpointer       user_data)
{
  PmApplication *self = user_data;
  GtkWindow *parent = gtk_application_get_active_window (GTK_APPLICATION (self));

  if (self->service == NULL || pm_service_get_profile (self->service) == NULL)
    return;
  gtk_window_present (GTK_WINDOW (pm_send_dialog_new (self->service, parent)));
}

static void
bulk_send_action_cb (GSimpleAction *action,
                     GVariant      *parameter,
                     gpointer       user_data)
{
  PmApplication *self = user_data;
  GtkWindow *parent = gtk_application_get_active_window (GTK_APPLICATION (self));

  if (self->service == NULL || pm_service_get_profile (self->service) == NULL)
    return;
  pm_bulk_dialog_present (parent, self->service);
}

static void
polling_settings_changed_cb (GSettings     *settings,
                             const char    *key,
                             PmApplication *self)
{
  pm_service_set_polling (self->service, g_settings_get_boolean (settings, "polling-enabled"),
                          (guint) g_settings_get_int (settings, "polling-concurrency"));
}

static void
service_started_cb (GObject      *object,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr(GError) error = NULL;
  guint n_unsettled = 0;

  if (!pm_service_start_finish (PM_SERVICE (object), result, &n_unsettled, &error))
    g_message ("Reconciliation at start-up did not finish: %s", error->message);
  else if (n_unsettled > 0)
    g_message ("%u requests still have an unknown outcome; the desk keeps checking them",
               n_unsettled);
}

/* The built-in sandbox, started on loopback unless it runs already, keeping its bills in
 * the user's data folder so they are still there next time. The program as launched
 * (handle_local_options) uses the user's one shared sandbox, which paymint-cli --sandbox
 * and other windows use too (pm-shared-sandbox.h: the first starts it, the others join
 * it). An application made by a test keeps a sandbox of its own in this process, which
 * the test can look into (pm_application_get_sandbox()). */
static PmProfile *
start_sandbox (PmApplication  *self,
               GError        **error)
{
  g_autofree char *url = NULL;
  PmProfile *profile;

  if (self->sandbox != NULL)
    url = pm_sandbox_dup_base_url (self->sandbox);
  else if (self->shared_sandbox != NULL)
    url = g_strdup (pm_shared_sandbox_get_base_url (self->shared_sandbox));
  else if (self->sandbox_shared)
    {
      self->shared_sandbox = pm_shared_sandbox_join (error);
      if (self->shared_sandbox == NULL)
        return NULL;
      url = g_strdup (pm_shared_sandbox_get_base_url (self->shared_sandbox));
    }
  else
    {
      g_autofree char *state = pm_shared_sandbox_dup_state_path ();
      g_autofree char *dir = g_path_get_dirname (state);

      g_mkdir_with_parents (dir, 0700);
      self->sandbox = pm_sandbox_new ();
      /* the shared sandbox's simulated payers: most pay within minutes, some never do */
      pm_sandbox_set_payers (self->sandbox, PM_SHARED_SANDBOX_PAY_SHARE,
                             PM_SHARED_SANDBOX_PAY_MIN_S, PM_SHARED_SANDBOX_PAY_MAX_S,
                             PM_SHARED_SANDBOX_DECLINE_SHARE);
      pm_sandbox_set_autopay_delay (self->sandbox, PM_SHARED_SANDBOX_AUTOPAY_S);
      if (!pm_sandbox_set_state_file (self->sandbox, state, error)
          || !pm_sandbox_start (self->sandbox, NULL, 0, error))
        {
          g_clear_object (&self->sandbox);
          return NULL;
        }
      url = pm_sandbox_dup_base_url (self->sandbox);
    }

  profile = pm_profile_new ();
  pm_profile_set_uuid (profile, SANDBOX_PROFILE_UUID);
  pm_profile_set_name (profile, _("Sandbox"));
  pm_profile_set_base_url (profile, url);
  pm_profile_set_api_key (profile, PM_SANDBOX_DEMO_KEY);
  pm_profile_set_mode (profile, PM_PROFILE_MODE_MMK);
  return profile;
}

static void
bill_transition_cb (PmService     *service,
                    PmBill        *bill,
                    int            from,
                    int            to,
                    PmApplication *self)
{
  g_autoptr(GNotification) notification = NULL;
  g_autofree char *title = NULL;
  g_autofree char *amount = NULL;
  g_autofree char *id = NULL;

  if (!g_settings_get_boolean (self->settings, "notify-paid"))
    return;
  if (to != PM_BILL_STATE_PAID && to != PM_BILL_STATE_CANCELLED)
    return;

  amount = pm_money_format (pm_bill_get_price (bill));
  if (to == PM_BILL_STATE_PAID)
    title = g_strdup_printf (_("%s paid %s"), pm_bill_get_payer_name (bill), amount);
  else
    title = g_strdup_printf (_("%s was refunded %s"), pm_bill_get_payer_name (bill), amount);
  notification = g_notification_new (title);
  g_notification_set_body (notification, pm_bill_get_product (bill));
  g_notification_set_default_action (notification, "app.activate");
  id = g_strdup_printf ("bill-%s", pm_bill_get_bill_id (bill));
  g_application_send_notification (G_APPLICATION (self), id, notification);
  self->n_notifications++;
}

static void
pm_application_use_profile (PmApplication *self,
                            PmProfile     *profile)
{
  pm_service_set_profile (self->service, profile);
  polling_settings_changed_cb (self->settings, NULL, self);
  pm_service_start_async (self->service, NULL, service_started_cb, NULL);
}

static void
active_profile_found_cb (GObject      *object,
                         GAsyncResult *result,
                         gpointer      user_data)
{
  g_autoptr(PmApplication) self = user_data;
  g_autoptr(PmProfile) profile = NULL;
  g_autoptr(GError) error = NULL;

  profile = pm_service_lookup_profile_finish (PM_SERVICE (object), result, &error);
  if (error != NULL)
    {
      if (!g_error_matches (error, PM_ERROR, PM_ERROR_CANCELLED)
          && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_message ("The active connection could not be read from the keyring: %s",
                   error->message);
      return;
    }
  if (profile == NULL)
    {
      /* deleted from the keyring behind the desk's back */
      g_settings_set_string (self->settings, "active-profile", "");
      return;
    }
  if (self->service != NULL && pm_service_get_profile (self->service) == NULL)
    pm_application_use_profile (self, profile);
}

/* The connection in use last time: its uuid is in GSettings, its fields in the keyring. */
static void
load_active_profile (PmApplication *self)
{
  g_autofree char *uuid = g_settings_get_string (self->settings, "active-profile");
  g_autoptr(PmProfile) profile = NULL;
  g_autoptr(GError) error = NULL;

  if (uuid[0] == '\0')
    return;
  if (g_str_equal (uuid, SANDBOX_PROFILE_UUID))
    {
      profile = start_sandbox (self, &error);
      if (profile == NULL)
        {
          g_message ("Could not start the sandbox: %s", error->message);
          return;
        }
      self->use_sandbox = TRUE;
      pm_application_use_profile (self, profile);
      return;
    }
  pm_service_lookup_profile_async (self->service, uuid, self->cancellable,
                                   active_profile_found_cb, g_object_ref (self));
}

static void
pm_application_start_service (PmApplication *self)
{
  g_autoptr(PmProfile) profile = NULL;

  self->service = pm_service_new (NULL, &self->service_error);
  if (self->service == NULL)
    return;
  /* a connection that names the shop's ledger (several desks) uses it while it is in use;
   * the others, this desk's own file */
  pm_service_set_follow_shop_ledger (self->service, TRUE);
  g_signal_connect_object (self->service, "bill-transition", G_CALLBACK (bill_transition_cb),
                           self, 0);
  g_signal_connect_object (self->settings, "changed::polling-enabled",
                           G_CALLBACK (polling_settings_changed_cb), self, 0);
  g_signal_connect_object (self->settings, "changed::polling-concurrency",
                           G_CALLBACK (polling_settings_changed_cb), self, 0);

  if (self->use_sandbox)
    {
      profile = start_sandbox (self, &self->service_error);
      if (profile == NULL)
        return;
      pm_application_use_profile (self, profile);
    }
  else
    load_active_profile (self); /* none saved: the window offers the sandbox */
}

static void
use_sandbox_action_cb (GSimpleAction *action,
                       GVariant      *parameter,
                       gpointer       user_data)
{
  PmApplication *self = user_data;
  g_autoptr(PmProfile) profile = NULL;
  g_autoptr(GError) error = NULL;

  if (self->service == NULL)
    return;
  if (self->sandbox != NULL || self->shared_sandbox != NULL)
    {
      /* already running: make it the active connection again */
      profile = pm_profile_new ();
      pm_profile_set_uuid (profile, SANDBOX_PROFILE_UUID);
      pm_application_switch_profile (self, profile);
      return;
    }
  self->use_sandbox = TRUE;
  profile = start_sandbox (self, &error);
  if (profile == NULL)
    {
      g_warning ("Could not start the sandbox: %s", error->message);
      return;
    }
  pm_application_use_profile (self, profile);
  g_settings_set_string (self->settings, "active-profile", SANDBOX_PROFILE_UUID);
}

static const GActionEntry app_actions[] = {
  { "quit", quit_action_cb },
  { "use-sandbox", use_sandbox_action_cb },
  { "about", about_action_cb },
  { "preferences", preferences_action_cb },
  { "add-connection", add_connection_action_cb },
  { "new-request", new_request_action_cb },
  { "bulk-send", bulk_send_action_cb },
};

static void
pm_application_startup (GApplication *app)
{
  PmApplication *self = PM_APPLICATION (app);
  static const char *quit_accels[] = { "<Control>q", NULL };
  static const char *prefs_accels[] = { "<Control>comma", NULL };
  static const char *help_accels[] = { "<Control>question", NULL };
  static const char *new_accels[] = { "<Control>n", NULL };
  static const char *bulk_accels[] = { "<Control><Shift>n", NULL };

  G_APPLICATION_CLASS (pm_application_parent_class)->startup (app);

  if (self->settings == NULL)
    self->settings = g_settings_new (BASE_ID);
  g_action_map_add_action_entries (G_ACTION_MAP (self), app_actions,
                                   G_N_ELEMENTS (app_actions), self);
  gtk_application_set_accels_for_action (GTK_APPLICATION (self), "app.quit", quit_accels);
  gtk_application_set_accels_for_action (GTK_APPLICATION (self), "app.preferences", prefs_accels);
  gtk_application_set_accels_for_action (GTK_APPLICATION (self), "app.new-request", new_accels);
  gtk_application_set_accels_for_action (GTK_APPLICATION (self), "app.bulk-send", bulk_accels);
  gtk_application_set_accels_for_action (GTK_APPLICATION (self), "win.show-help-overlay",
                                         help_accels);

  pm_application_start_service (self);
}

static void
pm_application_shutdown (GApplication *app)
{
  PmApplication *self = PM_APPLICATION (app);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->service);
  if (self->sandbox != NULL)
    pm_sandbox_stop (self->sandbox);
  g_clear_object (&self->sandbox);
  /* no longer a user of the shared sandbox: it stops a little after its last user */
  g_clear_object (&self->shared_sandbox);

  G_APPLICATION_CLASS (pm_application_parent_class)->shutdown (app);
}

static void
pm_application_finalize (GObject *object)
{
  PmApplication *self = PM_APPLICATION (object);

  g_clear_object (&self->service);
  g_clear_object (&self->sandbox);
  g_clear_object (&self->shared_sandbox);
  g_clear_error (&self->service_error);
  g_clear_object (&self->settings);
  g_clear_object (&self->cancellable);

  G_OBJECT_CLASS (pm_application_parent_class)->finalize (object);
}

static void
pm_application_class_init (PmApplicationClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GApplicationClass *app_class = G_APPLICATION_CLASS (klass);

  pm_ui_ensure_resources ();

  object_class->finalize = pm_application_finalize;
  app_class->activate = pm_application_activate;
  app_class->startup = pm_application_startup;
  app_class->shutdown = pm_application_shutdown;
}

static void
pm_application_init (PmApplication *self)
{
  /* no GSettings here: --help and --version run before startup and need no schema */
  self->cancellable = g_cancellable_new ();

  g_application_add_main_option (G_APPLICATION (self), "version", 0, G_OPTION_FLAG_NONE,
                                 G_OPTION_ARG_NONE, _("Show the version and quit"), NULL);
  g_application_add_main_option (G_APPLICATION (self), "sandbox", 0, G_OPTION_FLAG_NONE,
                                 G_OPTION_ARG_NONE,
                                 _("Use the built-in sandbox: try everything without an account"),
                                 NULL);
  gtk_window_set_default_icon_name (APP_ID);
}

/* An uninstalled build run without GSETTINGS_SCHEMA_DIR has no schema, and GSettings
 * would abort: say what is missing and how to run the app instead. */
static gboolean
pm_application_check_schema (void)
{
  GSettingsSchemaSource *source = g_settings_schema_source_get_default ();
  g_autoptr(GSettingsSchema) schema = NULL;

  if (source != NULL)
    schema = g_settings_schema_source_lookup (source, BASE_ID, TRUE);
  if (schema != NULL)
    return TRUE;
  g_printerr (_("Paymint Desk cannot start: its settings schema %s is not installed. Install "
                "Paymint Desk, or run this build with “build-aux/dev run”, which points "
                "GSETTINGS_SCHEMA_DIR at the build folder."),
              BASE_ID);
  g_printerr ("\n");
  return FALSE;
}

static int
pm_application_handle_local_options (GApplication *app,
                                     GVariantDict *options)
{
  if (g_variant_dict_contains (options, "version"))
    {
      g_print ("%s %s\n", PACKAGE_NAME, PACKAGE_VERSION);
      return 0;
    }
  if (!pm_application_check_schema ())
    return 1;
  if (g_variant_dict_contains (options, "sandbox"))
    PM_APPLICATION (app)->use_sandbox = TRUE;
  /* run from a command line or a launcher: the sandbox is the user's shared one */
  PM_APPLICATION (app)->sandbox_shared = TRUE;
  return -1;
}

PmApplication *
pm_application_new (void)
{
  PmApplication *self;

  self = g_object_new (PM_TYPE_APPLICATION,
                       "application-id", APP_ID,
                       "resource-base-path", RESOURCE_PATH,
                       "flags", G_APPLICATION_DEFAULT_FLAGS,
                       NULL);
  g_signal_connect (self, "handle-local-options",
                    G_CALLBACK (pm_application_handle_local_options), NULL);
  return self;
}

/**
 * pm_application_get_settings:
 *
 * Returns: (transfer none): the app's settings (window state, preferences)
 */
GSettings *
pm_application_get_settings (PmApplication *self)
{
  g_return_val_if_fail (PM_IS_APPLICATION (self), NULL);

  /* normally made at startup; asked for earlier, made now */
  if (self->settings == NULL)
    self->settings = g_settings_new (BASE_ID);
  return self->settings;
}

/**
 * pm_application_get_service:
 *
 * Returns: (transfer none) (nullable): the engine, or %NULL when it could not start
 *   (pm_application_get_service_error() says why)
 */
PmService *
pm_application_get_service (PmApplication *self)
{
  g_return_val_if_fail (PM_IS_APPLICATION (self), NULL);

  return self->service;
}

/**
 * pm_application_get_sandbox:
 *
 * Returns: (transfer none) (nullable): the built-in sandbox when it runs
 */
PmSandbox *
pm_application_get_sandbox (PmApplication *self)
{
  g_return_val_if_fail (PM_IS_APPLICATION (self), NULL);

  return self->sandbox;
}

/**
 * pm_application_dup_sandbox_url:
 *
 * Returns: (transfer full) (nullable): the base URL of the sandbox in use — this
 *   process's or the user's shared one — or %NULL when none runs
 */
char *
pm_application_dup_sandbox_url (PmApplication *self)
{
  g_return_val_if_fail (PM_IS_APPLICATION (self), NULL);

  if (self->sandbox != NULL)
    return pm_sandbox_dup_base_url (self->sandbox);
  if (self->shared_sandbox != NULL)
    return g_strdup (pm_shared_sandbox_get_base_url (self->shared_sandbox));
  return NULL;
}

/**
 * pm_application_set_shared_sandbox:
 * @shared: whether the sandbox is the user's shared one (a process of its own, which
 *   paymint-cli --sandbox joins too) rather than one in this process
 *
 * The program as launched uses the shared one; an application made by a test uses one
 * in this process unless it says otherwise here, before the sandbox starts.
 */
void
pm_application_set_shared_sandbox (PmApplication *self,
                                   gboolean       shared)
{
  g_return_if_fail (PM_IS_APPLICATION (self));

  self->sandbox_shared = shared;
}

guint
pm_application_get_n_notifications (PmApplication *self)
{
  g_return_val_if_fail (PM_IS_APPLICATION (self), 0);

  return self->n_notifications;
}

const GError *
pm_application_get_service_error (PmApplication *self)
{
  g_return_val_if_fail (PM_IS_APPLICATION (self), NULL);

  return self->service_error;
}

void
pm_application_set_use_sandbox (PmApplication *self,
                                gboolean       use_sandbox)
{
  g_return_if_fail (PM_IS_APPLICATION (self));

  self->use_sandbox = use_sandbox;
}

void
pm_application_switch_profile (PmApplication *self,
                               PmProfile     *profile)
{
  g_autoptr(PmProfile) sandbox_profile = NULL;
  g_autoptr(GError) error = NULL;

  g_return_if_fail (PM_IS_APPLICATION (self));
  g_return_if_fail (profile == NULL || PM_IS_PROFILE (profile));

  if (self->service == NULL)
    return;
  /* a choice made now wins over the start-up lookup still on its way */
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();

  if (profile == NULL)
    {
      pm_service_set_profile (self->service, NULL);
      g_settings_set_string (self->settings, "active-profile", "");
      return;
    }

  if (g_strcmp0 (pm_profile_get_uuid (profile), SANDBOX_PROFILE_UUID) == 0)
    {
      /* the running one, or a new one */
      sandbox_profile = start_sandbox (self, &error);
      if (sandbox_profile == NULL)
        {
          g_warning ("Could not start the sandbox: %s", error->message);
          return;
        }
      self->use_sandbox = TRUE;
      profile = sandbox_profile;
    }

  pm_application_use_profile (self, profile);
  g_settings_set_string (self->settings, "active-profile", pm_profile_get_uuid (profile));
}
