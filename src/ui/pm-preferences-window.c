/* pm-preferences-window.c — connections, polling and notification preferences
 *
 * Copyright 2026 The Paymint Desk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

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

/* "ledger.local/shop" for postgresql://clerk@ledger.local/shop: where, not who. */
static char *
shop_ledger_place (const char *address)
{
  g_autoptr(GUri) uri = g_uri_parse (address, G_URI_FLAGS_NONE, NULL);
  const char *host;
  const char *path;

  if (uri == NULL)
    return g_strdup (address);
  host = g_uri_get_host (uri) != NULL ? g_uri_get_host (uri) : "";
  path = g_uri_get_path (uri);
  while (path != NULL && *path == '/')
    path++;
  if (*host != '\0' && path != NULL && *path != '\0')
    return g_strdup_printf ("%s/%s", host, path);
  if (path != NULL && *path != '\0')
    return g_strdup (path);
  return g_strdup (*host != '\0' ? host : address);
}

/* Which ledger a connection's bills are kept in: the shop's, or this desk's own. */
static char *
describe_ledger (PmProfile *profile)
{
  g_autofree char *place = NULL;

  if (!pm_profile_has_shop_ledger (profile))
    return g_strdup (_("This desk’s ledger"));
  place = shop_ledger_place (pm_profile_get_shop_ledger (profile));
  /* Translators: %s is where the shop ledger is, like ledger.local/shop */
  return g_strdup_printf (_("Shop ledger: %s"), place);
}

static char *
describe_profile (PmProfile *profile,
                  gboolean   active)
{
  g_autofree char *url = pm_profile_normalize_url (pm_profile_get_base_url (profile), NULL);
  g_autoptr(GUri) uri = url != NULL ? g_uri_parse (url, G_URI_FLAGS_NONE, NULL) : NULL;
  g_autofree char *ledger = describe_ledger (profile);
  g_autofree char *host = NULL;

  /* the deployment's host, then which ledger keeps the bills: "host · Shop ledger: …"
   * (Translators: see "%s · %s" for host · mode) */
  host = g_strdup_printf (_("%s · %s"),
                          uri != NULL && g_uri_get_host (uri) != NULL ? g_uri_get_host (uri) : "",
                          ledger);

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

/* ---- a connection's shop ledger, changed after it was saved ---- */

/* The editor's state, kept on its dialog. */
typedef struct
{
  PmPreferencesWindow *self;
  PmProfile           *profile;     /* as saved */
  AdwMessageDialog    *dialog;      /* not owned */
  AdwEntryRow         *address_row;
  AdwEntryRow         *password_row;
  GtkLabel            *error_label;
  GtkLabel            *status_label;
  GtkWidget           *test_button;
  GCancellable        *cancellable; /* the test under way */
  char                *tested;      /* fingerprint of what passed it */
} ShopEdit;

static void
shop_edit_free (gpointer data)
{
  ShopEdit *edit = data;

  g_cancellable_cancel (edit->cancellable);
  g_clear_object (&edit->cancellable);
  g_clear_object (&edit->profile);
  g_clear_object (&edit->self);
  g_free (edit->tested);
  g_free (edit);
}

/* The profile as it would be saved: its shop ledger from the fields. */
static PmProfile *
shop_edit_candidate (ShopEdit *edit)
{
  PmProfile *profile = pm_profile_copy (edit->profile);
  g_autofree char *address = pm_ui_entry_dup_text (edit->address_row);
  const char *password = gtk_editable_get_text (GTK_EDITABLE (edit->password_row));

  pm_profile_set_shop_ledger (profile, address[0] != '\0' ? address : NULL);
  pm_profile_set_shop_ledger_password (profile, address[0] != '\0' && password[0] != '\0'
                                                  ? password : NULL);
  return profile;
}

static char *
shop_edit_fingerprint (PmProfile *profile)
{
  g_autofree char *joined = NULL;
  char *sum;

  joined = g_strconcat (pm_profile_get_shop_ledger (profile) != NULL
                          ? pm_profile_get_shop_ledger (profile) : "", "\n",
                        pm_profile_get_shop_ledger_password (profile) != NULL
                          ? pm_profile_get_shop_ledger_password (profile) : "", NULL);
  sum = g_compute_checksum_for_string (G_CHECKSUM_SHA256, joined, -1);
  memset (joined, 0, strlen (joined));
  return sum;
}

/* Save is offered for this desk's own ledger (an empty address) or for a shop ledger this
 * desk has just reached and written to with exactly these values. */
static void
shop_edit_update (ShopEdit *edit)
{
  g_autoptr(PmProfile) candidate = shop_edit_candidate (edit);
  g_autofree char *fingerprint = shop_edit_fingerprint (candidate);
  gboolean can_save = !pm_profile_has_shop_ledger (candidate)
                      || g_strcmp0 (fingerprint, edit->tested) == 0;

  adw_message_dialog_set_response_enabled (edit->dialog, "save", can_save);
  gtk_widget_set_sensitive (edit->test_button, edit->cancellable == NULL);
}

static void
shop_edit_show (ShopEdit   *edit,
                const char *error,
                const char *status)
{
  pm_ui_set_error_style (edit->address_row, error != NULL);
  pm_ui_show_message (edit->error_label, error);
  pm_ui_show_message (edit->status_label, status);
}

static void
shop_edit_changed_cb (ShopEdit *edit)
{
  if (edit->cancellable != NULL)
    {
      g_cancellable_cancel (edit->cancellable);
      g_clear_object (&edit->cancellable);
    }
  g_clear_pointer (&edit->tested, g_free);
  shop_edit_show (edit, NULL, NULL);
  shop_edit_update (edit);
}

static void
shop_edit_tested_cb (GObject      *object,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  g_autoptr(AdwMessageDialog) dialog = user_data;
  ShopEdit *edit = g_object_get_data (G_OBJECT (dialog), "pm-shop-edit");
  g_autoptr(GError) error = NULL;
  g_autoptr(PmProfile) candidate = NULL;

  if (!pm_service_test_shop_ledger_finish (PM_SERVICE (object), result, &error)
      && is_cancelled (error))
    return; /* closed, or the fields changed meanwhile */
  if (edit == NULL)
    return;
  g_clear_object (&edit->cancellable);
  if (error != NULL)
    {
      shop_edit_show (edit, error->message, NULL);
      shop_edit_update (edit);
      return;
    }
  candidate = shop_edit_candidate (edit);
  g_free (edit->tested);
  edit->tested = shop_edit_fingerprint (candidate);
  shop_edit_show (edit, NULL,
                  _("Connected. Every desk that uses this address shares its bills."));
  shop_edit_update (edit);
}

static void
shop_edit_test_clicked_cb (GtkButton *button,
                           ShopEdit  *edit)
{
  g_autoptr(PmProfile) candidate = shop_edit_candidate (edit);

  if (edit->self->service == NULL || edit->cancellable != NULL)
    return;
  if (!pm_profile_has_shop_ledger (candidate))
    {
      shop_edit_show (edit, _("Enter the shop ledger’s address, like "
                              "postgresql://clerk@ledger.local/shop."), NULL);
      return;
    }
  edit->cancellable = g_cancellable_new ();
  shop_edit_show (edit, NULL, _("Connecting to the shop ledger…"));
  shop_edit_update (edit);
  pm_service_test_shop_ledger_async (edit->self->service, candidate, edit->cancellable,
                                     shop_edit_tested_cb, g_object_ref (edit->dialog));
}

typedef struct
{
  PmPreferencesWindow *self;
  PmProfile           *profile;
} ShopStore;

static void
shop_store_free (ShopStore *store)
{
  g_object_unref (store->self);
  g_object_unref (store->profile);
  g_free (store);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ShopStore, shop_store_free)

static void
shop_edit_stored_cb (GObject      *object,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  g_autoptr(ShopStore) store = user_data;
  g_autoptr(GError) error = NULL;
  PmPreferencesWindow *self = store->self;
  PmProfile *profile = store->profile;
  PmApplication *app;
  g_autofree char *markup = NULL;

  if (!pm_service_store_profile_finish (PM_SERVICE (object), result, &error))
    {
      if (is_cancelled (error))
        return;
      /* no keyring, or a locked one: the connection stays as it was */
      markup = g_markup_escape_text (error->message, -1);
      adw_preferences_window_add_toast (ADW_PREFERENCES_WINDOW (self), adw_toast_new (markup));
      return;
    }
  /* the list follows through profiles-changed; the connection in use takes its new
   * ledger at once */
  app = get_app (self);
  if (app != NULL
      && g_strcmp0 (pm_profile_get_uuid (profile), active_uuid (self)) == 0)
    pm_application_switch_profile (app, profile);
  adw_preferences_window_add_toast (ADW_PREFERENCES_WINDOW (self),
                                    adw_toast_new (pm_profile_has_shop_ledger (profile)
                                                     ? _("This connection now uses the shop "
                                                         "ledger.")
                                                     : _("This connection now uses this "
                                                         "desk’s own ledger.")));
}

static void
shop_edit_response_cb (AdwMessageDialog *dialog,
                       const char       *response,
                       ShopEdit         *edit)
{
  g_autoptr(PmProfile) candidate = NULL;
  g_autoptr(GError) error = NULL;
  PmPreferencesWindow *self = edit->self;
  ShopStore *store;

  if (g_strcmp0 (response, "save") != 0 || self->service == NULL)
    return;
  candidate = shop_edit_candidate (edit);
  if (!pm_profile_validate (candidate, &error))
    {
      g_autofree char *markup = g_markup_escape_text (error->message, -1);

      adw_preferences_window_add_toast (ADW_PREFERENCES_WINDOW (self), adw_toast_new (markup));
      return;
    }
  store = g_new0 (ShopStore, 1);
  store->self = g_object_ref (self);
  store->profile = g_object_ref (candidate);
  /* not self->cancellable: reading the list again cancels that one */
  pm_service_store_profile_async (self->service, candidate, NULL, shop_edit_stored_cb, store);
}

/* A connection row was activated: its shop ledger, to change. Save is offered once the
 * new address has passed Test (or is empty: this desk's own ledger); the rest of the
 * connection is kept as it is. */
static void
connection_activated_cb (AdwActionRow        *row,
                         PmPreferencesWindow *self)
{
  PmProfile *profile = g_object_get_data (G_OBJECT (row), "pm-profile");
  g_autofree char *heading = NULL;
  GtkWidget *dialog;
  GtkWidget *box;
  GtkWidget *list;
  GtkWidget *header;
  ShopEdit *edit;

  if (profile == NULL || self->service == NULL)
    return;
  /* Translators: %s is a connection's name */
  heading = g_strdup_printf (_("Shop Ledger of “%s”"), pm_profile_get_name (profile));
  dialog = adw_message_dialog_new (GTK_WINDOW (self), heading,
                                   _("When several desks of the shop bill together, every desk "
                                     "points at the same PostgreSQL database, like "
                                     "postgresql://clerk@ledger.local/shop. The password stays "
                                     "in the system keyring. Leave the address empty to keep "
                                     "this desk’s own ledger."));
  edit = g_new0 (ShopEdit, 1);
  edit->self = g_object_ref (self);
  edit->profile = pm_profile_copy (profile);
  edit->dialog = ADW_MESSAGE_DIALOG (dialog);

  box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);
  list = gtk_list_box_new ();
  gtk_list_box_set_selection_mode (GTK_LIST_BOX (list), GTK_SELECTION_NONE);
  gtk_widget_add_css_class (list, "boxed-list");
  edit->address_row = ADW_ENTRY_ROW (adw_entry_row_new ());
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (edit->address_row),
                                 _("Shop Ledger _Address"));
  adw_preferences_row_set_use_underline (ADW_PREFERENCES_ROW (edit->address_row), TRUE);
  gtk_editable_set_text (GTK_EDITABLE (edit->address_row),
                         pm_profile_get_shop_ledger (profile) != NULL
                           ? pm_profile_get_shop_ledger (profile) : "");
  gtk_list_box_append (GTK_LIST_BOX (list), GTK_WIDGET (edit->address_row));
  edit->password_row = ADW_ENTRY_ROW (adw_password_entry_row_new ());
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (edit->password_row),
                                 _("Shop Ledger _Password"));
  adw_preferences_row_set_use_underline (ADW_PREFERENCES_ROW (edit->password_row), TRUE);
  gtk_editable_set_text (GTK_EDITABLE (edit->password_row),
                         pm_profile_get_shop_ledger_password (profile) != NULL
                           ? pm_profile_get_shop_ledger_password (profile) : "");
  gtk_list_box_append (GTK_LIST_BOX (list), GTK_WIDGET (edit->password_row));
  gtk_box_append (GTK_BOX (box), list);

  header = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 12);
  edit->error_label = GTK_LABEL (gtk_label_new (NULL));
  gtk_label_set_xalign (edit->error_label, 0.0f);
  gtk_label_set_wrap (edit->error_label, TRUE);
  gtk_widget_set_hexpand (GTK_WIDGET (edit->error_label), TRUE);
  gtk_widget_add_css_class (GTK_WIDGET (edit->error_label), "error");
  gtk_widget_add_css_class (GTK_WIDGET (edit->error_label), "caption");
  gtk_widget_set_visible (GTK_WIDGET (edit->error_label), FALSE);
  edit->status_label = GTK_LABEL (gtk_label_new (NULL));
  gtk_label_set_xalign (edit->status_label, 0.0f);
  gtk_label_set_wrap (edit->status_label, TRUE);
  gtk_widget_set_hexpand (GTK_WIDGET (edit->status_label), TRUE);
  gtk_widget_add_css_class (GTK_WIDGET (edit->status_label), "caption");
  gtk_widget_set_visible (GTK_WIDGET (edit->status_label), FALSE);
  edit->test_button = gtk_button_new_with_mnemonic (_("T_est"));
  gtk_widget_set_tooltip_text (edit->test_button,
                               _("Connect to the shop ledger and write to it once"));
  gtk_widget_set_valign (edit->test_button, GTK_ALIGN_START);
  gtk_box_append (GTK_BOX (header), GTK_WIDGET (edit->error_label));
  gtk_box_append (GTK_BOX (header), GTK_WIDGET (edit->status_label));
  gtk_box_append (GTK_BOX (header), edit->test_button);
  gtk_box_append (GTK_BOX (box), header);
  adw_message_dialog_set_extra_child (ADW_MESSAGE_DIALOG (dialog), box);

  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog),
                                    "cancel", _("_Cancel"),
                                    "save", _("_Save"),
                                    NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "save",
                                              ADW_RESPONSE_SUGGESTED);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  g_object_set_data_full (G_OBJECT (dialog), "pm-shop-edit", edit, shop_edit_free);
  /* the saved values were tested when they were saved */
  if (pm_profile_has_shop_ledger (profile))
    edit->tested = shop_edit_fingerprint (profile);

  g_signal_connect_swapped (edit->address_row, "changed", G_CALLBACK (shop_edit_changed_cb),
                            edit);
  g_signal_connect_swapped (edit->password_row, "changed", G_CALLBACK (shop_edit_changed_cb),
                            edit);
  g_signal_connect (edit->test_button, "clicked", G_CALLBACK (shop_edit_test_clicked_cb), edit);
  g_signal_connect (dialog, "response", G_CALLBACK (shop_edit_response_cb), edit);
  shop_edit_update (edit);
  pm_ui_wrap_words_within (dialog);
  gtk_window_present (GTK_WINDOW (dialog));
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
      /* the row opens the connection's shop ledger, to change */
      gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (row), TRUE);
      gtk_widget_set_tooltip_text (row, _("Choose where this connection keeps its bills: this "
                                          "desk’s ledger or the shop ledger"));
      g_signal_connect_object (row, "activated", G_CALLBACK (connection_activated_cb), self, 0);
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
