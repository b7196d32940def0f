/* pm-onboarding-dialog.c — add a connection: address, key, license, mode, name
 *
 * Copyright 2026 The Paymint Desk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "pm-onboarding-dialog.h"
#include "pm-api.h"
#include "pm-error.h"
#include "pm-profile.h"
#include "pm-service.h"
#include "pm-service-profiles.h"
#include "pm-ui.h"

struct _PmOnboardingDialog
{
  AdwWindow             parent_instance;

  GCancellable         *cancellable;
  GPtrArray            *licenses;       /* of PmLicense, from the last good check */
  guint                 license_index;
  char                 *checked_url;    /* what the licenses were fetched with */
  char                 *checked_key;
  char                 *prefilled_name; /* the name the dialog proposed */
  PmProfile            *pending;        /* being stored */
  gboolean              busy;
  gboolean              retry;          /* the last check failed on the network */
  GCancellable         *shop_cancellable; /* the shop ledger test under way */
  char                 *shop_testing;   /* fingerprint of what is being tested */
  char                 *shop_tested;    /* … and of what passed the test */
  gboolean              save_after_test; /* Save waits for that test */

  /* Template widgets */
  GtkWidget            *back_button;
  GtkWidget            *next_button;
  GtkSpinner           *spinner;
  GtkStack             *stack;
  AdwEntryRow          *url_row;
  GtkLabel             *url_error;
  AdwEntryRow          *key_row;
  GtkLabel             *key_error;
  GtkLabel             *connect_status;
  GtkListBox           *license_list;
  GtkCheckButton       *mmk_check;
  GtkCheckButton       *traditional_check;
  AdwExpanderRow       *advanced_row;
  AdwPreferencesGroup  *traditional_group;
  AdwEntryRow          *paymint_host_row;
  AdwEntryRow          *paymint_key_row;
  AdwEntryRow          *member_row;
  AdwEntryRow          *merchant_row;
  AdwEntryRow          *business_row;
  GtkLabel             *traditional_error;
  AdwEntryRow          *name_row;
  GtkLabel             *name_error;
  AdwEntryRow          *shop_ledger_row;
  AdwEntryRow          *shop_password_row;
  GtkLabel             *shop_ledger_error;
  GtkLabel             *shop_ledger_status;
  GtkWidget            *shop_test_button;
  GtkLabel             *save_status;
};

G_DEFINE_FINAL_TYPE (PmOnboardingDialog, pm_onboarding_dialog, ADW_TYPE_WINDOW)

/* The application, read back from the window (EXAMPLES.md habit 4). */
static PmApplication *
get_app (PmOnboardingDialog *self)
{
  GtkApplication *app = gtk_window_get_application (GTK_WINDOW (self));

  return PM_IS_APPLICATION (app) ? PM_APPLICATION (app) : NULL;
}

static PmService *
get_service (PmOnboardingDialog *self)
{
  PmApplication *app = get_app (self);

  return app != NULL ? pm_application_get_service (app) : NULL;
}

enum {
  SAVED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void
set_row_text (AdwEntryRow *row,
              const char  *text)
{
  gtk_editable_set_text (GTK_EDITABLE (row), text != NULL ? text : "");
}

static GtkLabel *
error_label_for_row (PmOnboardingDialog *self,
                     AdwEntryRow        *row)
{
  if (row == self->url_row)
    return self->url_error;
  if (row == self->key_row)
    return self->key_error;
  if (row == self->name_row)
    return self->name_error;
  if (row == self->shop_ledger_row || row == self->shop_password_row)
    return self->shop_ledger_error;
  return self->traditional_error;
}

static void
set_field_error (PmOnboardingDialog *self,
                 AdwEntryRow        *row,
                 const char         *message)
{
  gtk_widget_add_css_class (GTK_WIDGET (row), "error");
  pm_ui_show_message (error_label_for_row (self, row), message);
  gtk_widget_grab_focus (GTK_WIDGET (row));
}

static void
clear_field_error (PmOnboardingDialog *self,
                   AdwEntryRow        *row)
{
  gtk_widget_remove_css_class (GTK_WIDGET (row), "error");
  pm_ui_show_message (error_label_for_row (self, row), NULL);
}

static void
clear_errors (PmOnboardingDialog *self)
{
  AdwEntryRow *rows[] = {
    self->url_row, self->key_row, self->paymint_host_row, self->paymint_key_row,
    self->member_row, self->merchant_row, self->business_row, self->name_row,
    self->shop_ledger_row,
  };

  for (guint i = 0; i < G_N_ELEMENTS (rows); i++)
    clear_field_error (self, rows[i]);
  pm_ui_show_message (self->connect_status, NULL);
  pm_ui_show_message (self->save_status, NULL);
}

static AdwEntryRow *
row_for_field (PmOnboardingDialog *self,
               const char         *field)
{
  static const struct { const char *field; gsize offset; } map[] = {
    { PM_PROFILE_FIELD_NAME, G_STRUCT_OFFSET (PmOnboardingDialog, name_row) },
    { PM_PROFILE_FIELD_BASE_URL, G_STRUCT_OFFSET (PmOnboardingDialog, url_row) },
    { PM_PROFILE_FIELD_API_KEY, G_STRUCT_OFFSET (PmOnboardingDialog, key_row) },
    { PM_PROFILE_FIELD_MEMBER_ID, G_STRUCT_OFFSET (PmOnboardingDialog, member_row) },
    { PM_PROFILE_FIELD_MERCHANT_ID, G_STRUCT_OFFSET (PmOnboardingDialog, merchant_row) },
    { PM_PROFILE_FIELD_BUSINESS_NUMBER, G_STRUCT_OFFSET (PmOnboardingDialog, business_row) },
    { PM_PROFILE_FIELD_PAYMINT_HOST, G_STRUCT_OFFSET (PmOnboardingDialog, paymint_host_row) },
    { PM_PROFILE_FIELD_PAYMINT_API_KEY, G_STRUCT_OFFSET (PmOnboardingDialog, paymint_key_row) },
    { PM_PROFILE_FIELD_SHOP_LEDGER, G_STRUCT_OFFSET (PmOnboardingDialog, shop_ledger_row) },
  };

  for (guint i = 0; i < G_N_ELEMENTS (map); i++)
    if (g_strcmp0 (field, map[i].field) == 0)
      return G_STRUCT_MEMBER (AdwEntryRow *, self, map[i].offset);
  return NULL;
}

static gboolean
is_traditional (PmOnboardingDialog *self)
{
  return gtk_check_button_get_active (self->traditional_check);
}

static void
update_buttons (PmOnboardingDialog *self)
{
  const char *page = gtk_stack_get_visible_child_name (self->stack);
  const char *label;

  if (g_strcmp0 (page, "details") == 0)
    label = _("_Save");
  else if (g_strcmp0 (page, "license") == 0)
    label = _("_Next");
  else if (self->retry)
    label = _("_Try Again");
  else
    label = _("_Check");
  gtk_button_set_label (GTK_BUTTON (self->next_button), label);
  gtk_widget_set_visible (self->back_button, g_strcmp0 (page, "connect") != 0);
  gtk_widget_set_visible (GTK_WIDGET (self->spinner), self->busy);
  gtk_spinner_set_spinning (self->spinner, self->busy);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "onboarding.next", !self->busy);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "onboarding.back", !self->busy);
  /* the fields stay sensitive: taking them away from a focused entry loses its focus-out */
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "onboarding.use-sandbox", !self->busy);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "onboarding.test-shop-ledger",
                                 !self->busy && self->shop_cancellable == NULL);
}

static void
set_busy (PmOnboardingDialog *self,
          gboolean            busy)
{
  self->busy = busy;
  update_buttons (self);
}

static void
show_page (PmOnboardingDialog *self,
           const char         *name)
{
  gtk_stack_set_visible_child_name (self->stack, name);
  update_buttons (self);
}

static PmLicense *
chosen_license (PmOnboardingDialog *self)
{
  if (self->licenses == NULL || self->license_index >= self->licenses->len)
    return NULL;
  return g_ptr_array_index (self->licenses, self->license_index);
}

/* The chosen license fills the traditional fields and proposes a name. */
static void
prefill_from_license (PmOnboardingDialog *self)
{
  PmLicense *license = chosen_license (self);
  g_autofree char *name = NULL;

  if (license == NULL)
    return;
  set_row_text (self->member_row, license->member_id);
  set_row_text (self->merchant_row, license->merchant_id);
  set_row_text (self->business_row, license->business_number);

  name = pm_ui_entry_dup_text (self->name_row);
  if (name[0] == '\0' || g_strcmp0 (name, self->prefilled_name) == 0)
    {
      g_free (self->prefilled_name);
      self->prefilled_name = g_strdup (license->business_name != NULL
                                       && license->business_name[0] != '\0'
                                       ? license->business_name : _("My Shop"));
      set_row_text (self->name_row, self->prefilled_name);
    }
  clear_errors (self);
}

static char *
format_business_number (const char *number)
{
  /* 10 digits are shown the way a registration certificate prints them: 123-45-67890 */
  if (number != NULL && strlen (number) == 10)
    return g_strdup_printf ("%.3s-%.2s-%.5s", number, number + 3, number + 5);
  return g_strdup (number != NULL ? number : "");
}

static void
license_toggled_cb (GtkCheckButton     *button,
                    PmOnboardingDialog *self)
{
  if (!gtk_check_button_get_active (button))
    return;
  self->license_index = GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (button), "license-index"));
}

static void
fill_license_list (PmOnboardingDialog *self)
{
  GtkWidget *child;
  GtkCheckButton *first = NULL;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->license_list))) != NULL)
    gtk_list_box_remove (self->license_list, child);

  for (guint i = 0; i < self->licenses->len; i++)
    {
      PmLicense *license = g_ptr_array_index (self->licenses, i);
      g_autofree char *number = format_business_number (license->business_number);
      g_autofree char *subtitle = NULL;
      GtkWidget *row = adw_action_row_new ();
      GtkWidget *check = gtk_check_button_new ();

      /* Translators: the first %s is a business registration number, the second an ID */
      subtitle = g_strdup_printf (_("Business number %s · Member %s"), number,
                                  license->member_id != NULL ? license->member_id : "");
      adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row),
                                     license->business_name != NULL ? license->business_name : "");
      adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
      gtk_widget_set_valign (check, GTK_ALIGN_CENTER);
      g_object_set_data (G_OBJECT (check), "license-index", GUINT_TO_POINTER (i));
      if (first != NULL)
        gtk_check_button_set_group (GTK_CHECK_BUTTON (check), first);
      else
        first = GTK_CHECK_BUTTON (check);
      g_signal_connect_object (check, "toggled", G_CALLBACK (license_toggled_cb), self, 0);
      adw_action_row_add_prefix (ADW_ACTION_ROW (row), check);
      adw_action_row_set_activatable_widget (ADW_ACTION_ROW (row), check);
      gtk_list_box_append (self->license_list, row);
    }
  self->license_index = 0;
  if (first != NULL)
    gtk_check_button_set_active (first, TRUE);
}

static gboolean
is_cancelled (const GError *error)
{
  return g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED)
         || g_error_matches (error, PM_ERROR, PM_ERROR_CANCELLED);
}

static void
show_check_error (PmOnboardingDialog *self,
                  const GError       *error)
{
  const char *field = pm_error_get_field (error);

  if (g_error_matches (error, PM_ERROR, PM_ERROR_UNAUTHORIZED)
      || g_strcmp0 (field, PM_PROFILE_FIELD_API_KEY) == 0)
    {
      set_field_error (self, self->key_row,
                       _("The deployment did not accept this key: check the API key."));
      return;
    }
  if (g_error_matches (error, PM_ERROR, PM_ERROR_TLS)
      || g_strcmp0 (field, PM_PROFILE_FIELD_BASE_URL) == 0)
    {
      set_field_error (self, self->url_row, error->message);
      return;
    }
  if (g_error_matches (error, PM_ERROR, PM_ERROR_NOT_FOUND))
    {
      set_field_error (self, self->url_row,
                       _("No MMK deployment answers at this address: check the address."));
      return;
    }
  if (g_error_matches (error, PM_ERROR, PM_ERROR_NETWORK)
      || g_error_matches (error, PM_ERROR, PM_ERROR_TIMEOUT)
      || g_error_matches (error, PM_ERROR, PM_ERROR_SERVER)
      || g_error_matches (error, PM_ERROR, PM_ERROR_PROTOCOL)
      || error->domain != PM_ERROR)
    {
      g_autofree char *text = NULL;

      /* Translators: %s is the reason the deployment could not be reached */
      text = g_strdup_printf (_("%s Check the address and the internet connection, then try "
                                "again."), error->message);
      self->retry = TRUE;
      pm_ui_show_message (self->connect_status, text);
      return;
    }
  pm_ui_show_message (self->connect_status, error->message);
}

static void
check_done_cb (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(PmOnboardingDialog) self = user_data;
  g_autoptr(GPtrArray) licenses = NULL;
  g_autoptr(GError) error = NULL;

  licenses = pm_service_check_connection_finish (PM_SERVICE (object), result, &error);
  if (is_cancelled (error))
    return; /* the dialog was closed */

  self->retry = FALSE;
  set_busy (self, FALSE);
  if (licenses == NULL)
    {
      g_clear_pointer (&self->licenses, g_ptr_array_unref);
      show_check_error (self, error);
      update_buttons (self);
      return;
    }
  if (licenses->len == 0)
    {
      g_clear_pointer (&self->licenses, g_ptr_array_unref);
      set_field_error (self, self->key_row,
                       _("This API key has no Paymint license yet. Ask the deployment’s "
                         "administrator to add one, or check the API key."));
      return;
    }

  g_clear_pointer (&self->licenses, g_ptr_array_unref);
  self->licenses = g_steal_pointer (&licenses);
  self->license_index = 0;
  if (self->licenses->len == 1)
    {
      prefill_from_license (self);
      show_page (self, "details");
      gtk_widget_grab_focus (GTK_WIDGET (self->name_row));
    }
  else
    {
      fill_license_list (self);
      show_page (self, "license");
    }
}

static void
start_check (PmOnboardingDialog *self)
{
  g_autofree char *url = pm_ui_entry_dup_text (self->url_row);
  g_autofree char *key = pm_ui_entry_dup_text (self->key_row);
  g_autofree char *normalized = NULL;
  g_autoptr(PmProfile) candidate = NULL;
  g_autoptr(GError) error = NULL;
  PmService *service = get_service (self);

  clear_errors (self);
  if (url[0] == '\0')
    {
      set_field_error (self, self->url_row,
                       _("Enter the deployment’s address, like magic-meal-kits-xxxxx.run.app."));
      return;
    }
  normalized = pm_profile_normalize_url (url, &error);
  if (normalized == NULL)
    {
      set_field_error (self, self->url_row, error->message);
      return;
    }
  if (key[0] == '\0')
    {
      set_field_error (self, self->key_row, _("Enter the deployment’s API key."));
      return;
    }
  if (service == NULL)
    {
      PmApplication *app = get_app (self);
      const GError *service_error = app != NULL ? pm_application_get_service_error (app) : NULL;

      pm_ui_show_message (self->connect_status,
                    service_error != NULL ? service_error->message
                                          : _("The desk could not start its engine."));
      return;
    }

  g_free (self->checked_url);
  self->checked_url = g_steal_pointer (&url);
  g_free (self->checked_key);
  self->checked_key = g_steal_pointer (&key);

  candidate = pm_profile_new ();
  pm_profile_set_base_url (candidate, self->checked_url);
  pm_profile_set_api_key (candidate, self->checked_key);
  pm_profile_set_mode (candidate, PM_PROFILE_MODE_MMK);
  set_busy (self, TRUE);
  pm_service_check_connection_async (service, candidate, self->cancellable, check_done_cb,
                                     g_object_ref (self));
}

static void
store_done_cb (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(PmOnboardingDialog) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(PmProfile) profile = NULL;

  if (!pm_service_store_profile_finish (PM_SERVICE (object), result, &error)
      && is_cancelled (error))
    return;

  profile = g_steal_pointer (&self->pending);
  set_busy (self, FALSE);
  if (error != NULL)
    {
      /* no keyring, or a locked one: say so; the profile is saved nowhere else */
      pm_ui_show_message (self->save_status, error->message);
      return;
    }

  if (get_app (self) != NULL)
    pm_application_switch_profile (get_app (self), profile);
  g_signal_emit (self, signals[SAVED], 0, profile);
  gtk_window_close (GTK_WINDOW (self));
}

/* ---- the shop ledger: one PostgreSQL database for several desks ---- */

static void save (PmOnboardingDialog *self);

/* The shop ledger fields into @profile: the password only with an address. */
static void
fill_shop_ledger (PmOnboardingDialog *self,
                  PmProfile          *profile)
{
  g_autofree char *uri = pm_ui_entry_dup_text (self->shop_ledger_row);
  const char *password = gtk_editable_get_text (GTK_EDITABLE (self->shop_password_row));

  pm_profile_set_shop_ledger (profile, uri[0] != '\0' ? uri : NULL);
  pm_profile_set_shop_ledger_password (profile, uri[0] != '\0' && password[0] != '\0'
                                                  ? password : NULL);
}

/* What a test was made with, without keeping the password itself. */
static char *
shop_fingerprint (PmProfile *profile)
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

static void
show_shop_status (PmOnboardingDialog *self,
                  const char         *text,
                  gboolean            success)
{
  if (success)
    {
      gtk_widget_add_css_class (GTK_WIDGET (self->shop_ledger_status), "success");
      gtk_widget_remove_css_class (GTK_WIDGET (self->shop_ledger_status), "dim-label");
    }
  else
    {
      gtk_widget_remove_css_class (GTK_WIDGET (self->shop_ledger_status), "success");
      gtk_widget_add_css_class (GTK_WIDGET (self->shop_ledger_status), "dim-label");
    }
  pm_ui_show_message (self->shop_ledger_status, text);
}

static void
shop_tested_cb (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(PmOnboardingDialog) self = user_data;
  g_autoptr(GError) error = NULL;
  gboolean then_save = self->save_after_test;

  if (!pm_service_test_shop_ledger_finish (PM_SERVICE (object), result, &error)
      && is_cancelled (error))
    return; /* closed, or the fields changed meanwhile */

  g_clear_object (&self->shop_cancellable);
  self->save_after_test = FALSE;
  if (then_save)
    set_busy (self, FALSE);
  else
    update_buttons (self);
  if (error != NULL)
    {
      g_clear_pointer (&self->shop_tested, g_free);
      show_shop_status (self, NULL, FALSE);
      set_field_error (self, self->shop_ledger_row, error->message);
      return;
    }
  g_free (self->shop_tested);
  self->shop_tested = g_steal_pointer (&self->shop_testing);
  clear_field_error (self, self->shop_ledger_row);
  show_shop_status (self, _("Connected. Every desk that uses this address shares its bills."),
                    TRUE);
  if (then_save)
    save (self);
}

static void
start_shop_test (PmOnboardingDialog *self,
                 PmProfile          *profile,
                 gboolean            then_save)
{
  PmService *service = get_service (self);

  if (service == NULL)
    {
      pm_ui_show_message (self->save_status, _("The desk could not start its engine."));
      return;
    }
  g_cancellable_cancel (self->shop_cancellable);
  g_clear_object (&self->shop_cancellable);
  self->shop_cancellable = g_cancellable_new ();
  g_free (self->shop_testing);
  self->shop_testing = shop_fingerprint (profile);
  self->save_after_test = then_save;
  clear_field_error (self, self->shop_ledger_row);
  show_shop_status (self, _("Connecting to the shop ledger…"), FALSE);
  if (then_save)
    set_busy (self, TRUE);
  else
    update_buttons (self);
  pm_service_test_shop_ledger_async (service, profile, self->shop_cancellable, shop_tested_cb,
                                     g_object_ref (self));
}

static void
test_shop_ledger_action_cb (GtkWidget  *widget,
                            const char *action_name,
                            GVariant   *parameter)
{
  PmOnboardingDialog *self = PM_ONBOARDING_DIALOG (widget);
  g_autoptr(PmProfile) candidate = pm_profile_new ();

  if (self->busy || self->shop_cancellable != NULL)
    return;
  fill_shop_ledger (self, candidate);
  if (!pm_profile_has_shop_ledger (candidate))
    {
      show_shop_status (self, NULL, FALSE);
      set_field_error (self, self->shop_ledger_row,
                       _("Enter the shop ledger’s address, like "
                         "postgresql://clerk@ledger.local/shop."));
      return;
    }
  start_shop_test (self, candidate, FALSE);
}

/* Another address or password: what was tested no longer says anything about it. */
static void
shop_changed_cb (PmOnboardingDialog *self)
{
  if (self->shop_cancellable != NULL)
    {
      g_cancellable_cancel (self->shop_cancellable);
      g_clear_object (&self->shop_cancellable);
      if (self->save_after_test)
        {
          self->save_after_test = FALSE;
          set_busy (self, FALSE);
        }
      else
        update_buttons (self);
    }
  g_clear_pointer (&self->shop_tested, g_free);
  show_shop_status (self, NULL, FALSE);
  /* the reason was about the values before (the password row's too) */
  if (gtk_widget_has_css_class (GTK_WIDGET (self->shop_ledger_row), "error"))
    clear_field_error (self, self->shop_ledger_row);
}

static void
save (PmOnboardingDialog *self)
{
  g_autoptr(PmProfile) profile = pm_profile_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *name = pm_ui_entry_dup_text (self->name_row);
  PmLicense *license = chosen_license (self);
  PmService *service = get_service (self);

  clear_errors (self);
  pm_profile_set_name (profile, name);
  pm_profile_set_base_url (profile, self->checked_url);
  pm_profile_set_api_key (profile, self->checked_key);
  if (is_traditional (self))
    {
      g_autofree char *host = pm_ui_entry_dup_text (self->paymint_host_row);
      g_autofree char *paymint_key = pm_ui_entry_dup_text (self->paymint_key_row);
      g_autofree char *member = pm_ui_entry_dup_text (self->member_row);
      g_autofree char *merchant = pm_ui_entry_dup_text (self->merchant_row);
      g_autofree char *business = pm_ui_entry_dup_text (self->business_row);

      pm_profile_set_mode (profile, PM_PROFILE_MODE_TRADITIONAL);
      pm_profile_set_paymint_host (profile, host);
      pm_profile_set_paymint_api_key (profile, paymint_key);
      pm_profile_set_member_id (profile, member);
      pm_profile_set_merchant_id (profile, merchant);
      pm_profile_set_business_number (profile, business);
    }
  else
    {
      /* MMK mode names the chosen license, so a key with several bills for the right one */
      pm_profile_set_mode (profile, PM_PROFILE_MODE_MMK);
      if (license != NULL)
        {
          pm_profile_set_member_id (profile, license->member_id);
          pm_profile_set_merchant_id (profile, license->merchant_id);
          pm_profile_set_business_number (profile, license->business_number);
        }
    }

  fill_shop_ledger (self, profile);

  if (!pm_profile_validate (profile, &error))
    {
      AdwEntryRow *row = row_for_field (self, pm_error_get_field (error));

      if (row == self->url_row || row == self->key_row)
        {
          show_page (self, "connect");
          set_field_error (self, row, error->message);
        }
      else if (row != NULL)
        set_field_error (self, row, error->message);
      else
        pm_ui_show_message (self->save_status, error->message);
      return;
    }

  if (service == NULL)
    {
      pm_ui_show_message (self->save_status, _("The desk could not start its engine."));
      return;
    }
  /* a shop ledger is saved only once this desk has reached it and written to it */
  if (pm_profile_has_shop_ledger (profile))
    {
      g_autofree char *fingerprint = shop_fingerprint (profile);

      if (g_strcmp0 (fingerprint, self->shop_tested) != 0)
        {
          start_shop_test (self, profile, TRUE);
          return;
        }
    }
  g_clear_object (&self->pending);
  self->pending = g_object_ref (profile);
  set_busy (self, TRUE);
  pm_service_store_profile_async (service, profile, self->cancellable, store_done_cb,
                                  g_object_ref (self));
}

static void
next_action_cb (GtkWidget  *widget,
                const char *action_name,
                GVariant   *parameter)
{
  PmOnboardingDialog *self = PM_ONBOARDING_DIALOG (widget);
  const char *page = gtk_stack_get_visible_child_name (self->stack);

  if (self->busy)
    return;
  if (g_strcmp0 (page, "connect") == 0)
    start_check (self);
  else if (g_strcmp0 (page, "license") == 0)
    {
      prefill_from_license (self);
      show_page (self, "details");
    }
  else
    save (self);
}

static void
back_action_cb (GtkWidget  *widget,
                const char *action_name,
                GVariant   *parameter)
{
  PmOnboardingDialog *self = PM_ONBOARDING_DIALOG (widget);
  const char *page = gtk_stack_get_visible_child_name (self->stack);

  if (self->busy)
    return;
  clear_errors (self);
  if (g_strcmp0 (page, "details") == 0 && self->licenses != NULL && self->licenses->len > 1)
    show_page (self, "license");
  else
    show_page (self, "connect");
}

static void
use_sandbox_action_cb (GtkWidget  *widget,
                       const char *action_name,
                       GVariant   *parameter)
{
  PmOnboardingDialog *self = PM_ONBOARDING_DIALOG (widget);

  if (get_app (self) != NULL)
    g_action_group_activate_action (G_ACTION_GROUP (get_app (self)), "use-sandbox", NULL);
  gtk_window_close (GTK_WINDOW (self));
}

static void
field_changed_cb (PmOnboardingDialog *self,
                  GtkEditable        *editable)
{
  AdwEntryRow *row = ADW_ENTRY_ROW (editable);

  if (!gtk_widget_has_css_class (GTK_WIDGET (row), "error"))
    return;
  clear_field_error (self, row);
}

static void
entry_activated_cb (PmOnboardingDialog *self,
                    AdwEntryRow        *row)
{
  if (row == self->url_row)
    {
      gtk_widget_grab_focus (GTK_WIDGET (self->key_row));
      return;
    }
  gtk_widget_activate_action (GTK_WIDGET (self), "onboarding.next", NULL);
}

static void
mode_changed_cb (PmOnboardingDialog *self)
{
  gtk_widget_set_visible (GTK_WIDGET (self->traditional_group), is_traditional (self));
  /* the choice stays in sight while it is not the usual one */
  if (is_traditional (self))
    adw_expander_row_set_expanded (self->advanced_row, TRUE);
  adw_expander_row_set_subtitle (self->advanced_row,
                                 is_traditional (self) ? _("Connection mode: traditional")
                                                       : _("Connection mode: MMK (recommended)"));
}

static gboolean
pm_onboarding_dialog_close_request (GtkWindow *window)
{
  /* let the focused entry see its focus go before it is destroyed */
  gtk_window_set_focus (window, NULL);

  return GTK_WINDOW_CLASS (pm_onboarding_dialog_parent_class)->close_request (window);
}

static void
pm_onboarding_dialog_dispose (GObject *object)
{
  PmOnboardingDialog *self = PM_ONBOARDING_DIALOG (object);

  g_cancellable_cancel (self->cancellable);
  g_cancellable_cancel (self->shop_cancellable);
  g_clear_object (&self->shop_cancellable);
  gtk_widget_dispose_template (GTK_WIDGET (self), PM_TYPE_ONBOARDING_DIALOG);
  g_clear_object (&self->pending);

  G_OBJECT_CLASS (pm_onboarding_dialog_parent_class)->dispose (object);
}

static void
pm_onboarding_dialog_finalize (GObject *object)
{
  PmOnboardingDialog *self = PM_ONBOARDING_DIALOG (object);

  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->licenses, g_ptr_array_unref);
  g_clear_pointer (&self->checked_url, g_free);
  if (self->checked_key != NULL)
    memset (self->checked_key, 0, strlen (self->checked_key));
  g_clear_pointer (&self->checked_key, g_free);
  g_clear_pointer (&self->prefilled_name, g_free);
  g_clear_pointer (&self->shop_tested, g_free);
  g_clear_pointer (&self->shop_testing, g_free);

  G_OBJECT_CLASS (pm_onboarding_dialog_parent_class)->finalize (object);
}

static void
pm_onboarding_dialog_class_init (PmOnboardingDialogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  GtkWindowClass *window_class = GTK_WINDOW_CLASS (klass);

  pm_ui_ensure_resources ();

  window_class->close_request = pm_onboarding_dialog_close_request;
  object_class->dispose = pm_onboarding_dialog_dispose;
  object_class->finalize = pm_onboarding_dialog_finalize;

  /**
   * PmOnboardingDialog::saved:
   * @profile: the profile now in the keyring and active
   */
  signals[SAVED] = g_signal_new ("saved", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                 NULL, NULL, NULL, G_TYPE_NONE, 1, PM_TYPE_PROFILE);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               RESOURCE_PATH "/pm-onboarding-dialog.ui");
  gtk_widget_class_bind_template_child (widget_class, PmOnboardingDialog, back_button);
  gtk_widget_class_bind_template_child (widget_class, PmOnboardingDialog, next_button);
  gtk_widget_class_bind_template_child (widget_class, PmOnboardingDialog, spinner);
  gtk_widget_class_bind_template_child (widget_class, PmOnboardingDialog, stack);
  gtk_widget_class_bind_template_child (widget_class, PmOnboardingDialog, url_row);
  gtk_widget_class_bind_template_child (widget_class, PmOnboardingDialog, url_error);
  gtk_widget_class_bind_template_child (widget_class, PmOnboardingDialog, key_row);
  gtk_widget_class_bind_template_child (widget_class, PmOnboardingDialog, key_error);
  gtk_widget_class_bind_template_child (widget_class, PmOnboardingDialog, connect_status);
  gtk_widget_class_bind_template_child (widget_class, PmOnboardingDialog, license_list);
  gtk_widget_class_bind_template_child (widget_class, PmOnboardingDialog, mmk_check);
  gtk_widget_class_bind_template_child (widget_class, PmOnboardingDialog, traditional_check);
  gtk_widget_class_bind_template_child (widget_class, PmOnboardingDialog, advanced_row);
  gtk_widget_class_bind_template_child (widget_class, PmOnboardingDialog, traditional_group);
  gtk_widget_class_bind_template_child (widget_class, PmOnboardingDialog, paymint_host_row);
  gtk_widget_class_bind_template_child (widget_class, PmOnboardingDialog, paymint_key_row);
  gtk_widget_class_bind_template_child (widget_class, PmOnboardingDialog, member_row);
  gtk_widget_class_bind_template_child (widget_class, PmOnboardingDialog, merchant_row);
  gtk_widget_class_bind_template_child (widget_class, PmOnboardingDialog, business_row);
  gtk_widget_class_bind_template_child (widget_class, PmOnboardingDialog, traditional_error);
  gtk_widget_class_bind_template_child (widget_class, PmOnboardingDialog, name_row);
  gtk_widget_class_bind_template_child (widget_class, PmOnboardingDialog, name_error);
  gtk_widget_class_bind_template_child (widget_class, PmOnboardingDialog, save_status);
  gtk_widget_class_bind_template_child (widget_class, PmOnboardingDialog, shop_ledger_row);
  gtk_widget_class_bind_template_child (widget_class, PmOnboardingDialog, shop_password_row);
  gtk_widget_class_bind_template_child (widget_class, PmOnboardingDialog, shop_ledger_error);
  gtk_widget_class_bind_template_child (widget_class, PmOnboardingDialog, shop_ledger_status);
  gtk_widget_class_bind_template_child (widget_class, PmOnboardingDialog, shop_test_button);
  gtk_widget_class_bind_template_callback (widget_class, shop_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, field_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, entry_activated_cb);
  gtk_widget_class_bind_template_callback (widget_class, mode_changed_cb);

  gtk_widget_class_install_action (widget_class, "onboarding.next", NULL, next_action_cb);
  gtk_widget_class_install_action (widget_class, "onboarding.back", NULL, back_action_cb);
  gtk_widget_class_install_action (widget_class, "onboarding.use-sandbox", NULL,
                                   use_sandbox_action_cb);
  gtk_widget_class_install_action (widget_class, "onboarding.test-shop-ledger", NULL,
                                   test_shop_ledger_action_cb);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
pm_onboarding_dialog_init (PmOnboardingDialog *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->cancellable = g_cancellable_new ();
  mode_changed_cb (self);
  pm_ui_wrap_words_within (GTK_WIDGET (self));
  update_buttons (self);
}

PmOnboardingDialog *
pm_onboarding_dialog_new (PmApplication *application,
                          GtkWindow     *parent)
{
  g_return_val_if_fail (PM_IS_APPLICATION (application), NULL);
  g_return_val_if_fail (parent == NULL || GTK_IS_WINDOW (parent), NULL);

  /* both: the app for its engine and its app. actions, the parent to stay on top of */
  return g_object_new (PM_TYPE_ONBOARDING_DIALOG,
                       "application", application,
                       "transient-for", parent,
                       NULL);
}

const char *
pm_onboarding_dialog_get_page (PmOnboardingDialog *self)
{
  g_return_val_if_fail (PM_IS_ONBOARDING_DIALOG (self), NULL);

  return gtk_stack_get_visible_child_name (self->stack);
}

gboolean
pm_onboarding_dialog_get_busy (PmOnboardingDialog *self)
{
  g_return_val_if_fail (PM_IS_ONBOARDING_DIALOG (self), FALSE);

  return self->busy;
}
