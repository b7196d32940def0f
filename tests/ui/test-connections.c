/* test-connections.c — onboarding, the profile switcher and the Connections preferences,
 * against the sandbox and a private gnome-keyring
 *
 * Copyright 2026 The Paymint Desk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Runs inside tests/keyring-session.sh (a private D-Bus session with its own unlocked
 * gnome-keyring) under the ui suite's display.
 */

#include "config.h"

#include <adwaita.h>
#include <libsecret/secret.h>
#include <string.h>

#include "pm-application.h"
#include "pm-onboarding-dialog.h"
#include "pm-preferences-window.h"
#include "pm-profile-switcher.h"
#include "pm-sandbox.h"
#include "pm-secrets.h"
#include "pm-test-util.h"
#include "pm-window.h"

/* A key of this test's own, so the leak check looks for values nothing else contains. */
#define LEAK_KEY          "conn-test-key-Qx7Zr2"
#define LEAK_BUSINESS     "5557771234"
#define LEAK_BUSINESS_NM  "누수 검사 상점"
#define LEAK_MEMBER       "conn-member-Kp4Wd9"
#define LEAK_MERCHANT     "conn-merchant-Hs8Vb3"
#define LEAK_PAYMINT_KEY  "conn-paymint-key-Jt5Ny6"

#define KEYRING_INTERNAL_INTERFACE "org.gnome.keyring.InternalUnsupportedGuiltRiddenInterface"

static const char *test_root;
static PmApplication *app;
static PmSandbox *sandbox;
static char *sandbox_url;
static GtkWindow *window;
static char *uuid_a; /* the demo key's profile */
static char *uuid_b; /* the multi key's second license */

/* ---- helpers ---- */

static gboolean
wait_until (gboolean (*done) (gpointer),
            gpointer   data,
            guint      timeout_ms)
{
  gint64 end = g_get_monotonic_time () + (gint64) timeout_ms * 1000;

  while (!done (data))
    {
      if (g_get_monotonic_time () > end)
        return FALSE;
      if (!g_main_context_iteration (NULL, FALSE))
        g_usleep (1000);
    }
  return TRUE;
}

static GtkWidget *
find_by_id (GtkWidget  *root,
            const char *id)
{
  if (g_strcmp0 (gtk_buildable_get_buildable_id (GTK_BUILDABLE (root)), id) == 0)
    return root;
  for (GtkWidget *c = gtk_widget_get_first_child (root); c; c = gtk_widget_get_next_sibling (c))
    {
      GtkWidget *found = find_by_id (c, id);

      if (found != NULL)
        return found;
    }
  return NULL;
}

static GtkWidget *
find_type (GtkWidget *root,
           GType      type)
{
  if (G_TYPE_CHECK_INSTANCE_TYPE (root, type))
    return root;
  for (GtkWidget *c = gtk_widget_get_first_child (root); c; c = gtk_widget_get_next_sibling (c))
    {
      GtkWidget *found = find_type (c, type);

      if (found != NULL)
        return found;
    }
  return NULL;
}

static GtkWidget *
find_label (GtkWidget  *root,
            const char *text)
{
  if (GTK_IS_LABEL (root) && g_strcmp0 (gtk_label_get_label (GTK_LABEL (root)), text) == 0)
    return root;
  for (GtkWidget *c = gtk_widget_get_first_child (root); c; c = gtk_widget_get_next_sibling (c))
    {
      GtkWidget *found = find_label (c, text);

      if (found != NULL)
        return found;
    }
  return NULL;
}

static GtkWindow *
find_toplevel (GType type)
{
  GListModel *toplevels = gtk_window_get_toplevels ();  /* transfer none */

  g_object_ref (toplevels);
  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GtkWindow) w = g_list_model_get_item (toplevels, i);

      if (G_TYPE_CHECK_INSTANCE_TYPE (w, type) && gtk_widget_get_visible (GTK_WIDGET (w)))
        return w;
    }
  return NULL;
}

static gboolean
toplevel_mapped (gpointer type)
{
  GtkWindow *w = find_toplevel (GPOINTER_TO_SIZE (type));

  return w != NULL && gtk_widget_get_mapped (GTK_WIDGET (w));
}

static gboolean
toplevel_gone (gpointer type)
{
  return find_toplevel (GPOINTER_TO_SIZE (type)) == NULL;
}

static gboolean
flag_set (gpointer flag)
{
  return *(gboolean *) flag;
}

/* ---- the keyring, synchronously for the assertions ---- */

typedef struct
{
  gboolean   done;
  PmProfile *profile;
  GPtrArray *profiles;
  GError    *error;
} Wait;

static void
lookup_cb (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  Wait *w = user_data;

  w->profile = pm_secrets_lookup_finish (result, &w->error);
  w->done = TRUE;
}

static PmProfile *
keyring_lookup (const char *uuid)
{
  Wait w = { 0 };

  pm_secrets_lookup_async (uuid, NULL, lookup_cb, &w);
  g_assert_true (wait_until (flag_set, &w.done, 10000));
  g_assert_no_error (w.error);
  return w.profile;
}

static void
list_cb (GObject      *object,
         GAsyncResult *result,
         gpointer      user_data)
{
  Wait *w = user_data;

  w->profiles = pm_secrets_list_finish (result, &w->error);
  w->done = TRUE;
}

static GPtrArray *
keyring_list (void)
{
  Wait w = { 0 };

  pm_secrets_list_async (NULL, list_cb, &w);
  g_assert_true (wait_until (flag_set, &w.done, 10000));
  g_assert_no_error (w.error);
  return w.profiles;
}

/* ---- the onboarding dialog ---- */

static PmOnboardingDialog *
open_onboarding (void)
{
  GtkWindow *dialog;

  g_assert_true (toplevel_gone (GSIZE_TO_POINTER (PM_TYPE_ONBOARDING_DIALOG)));
  g_action_group_activate_action (G_ACTION_GROUP (app), "add-connection", NULL);
  g_assert_true (wait_until (toplevel_mapped, GSIZE_TO_POINTER (PM_TYPE_ONBOARDING_DIALOG),
                             10000));
  dialog = find_toplevel (PM_TYPE_ONBOARDING_DIALOG);
  g_assert_true (gtk_window_get_modal (dialog));
  g_assert_true (gtk_window_get_transient_for (dialog) == window);
  g_assert_cmpstr (pm_onboarding_dialog_get_page (PM_ONBOARDING_DIALOG (dialog)), ==, "connect");
  return PM_ONBOARDING_DIALOG (dialog);
}

static GtkWidget *
field (PmOnboardingDialog *dialog,
       const char         *id)
{
  GtkWidget *w = find_by_id (GTK_WIDGET (dialog), id);

  g_assert_nonnull (w);
  return w;
}

static void
type_into (PmOnboardingDialog *dialog,
           const char         *id,
           const char         *text)
{
  gtk_editable_set_text (GTK_EDITABLE (field (dialog, id)), text);
}

static const char *
text_of (PmOnboardingDialog *dialog,
         const char         *id)
{
  return gtk_editable_get_text (GTK_EDITABLE (field (dialog, id)));
}

static gboolean
not_busy (gpointer dialog)
{
  return !pm_onboarding_dialog_get_busy (dialog);
}

/* What the "Check" / "Next" / "Save" button does. */
static void
press_next (PmOnboardingDialog *dialog)
{
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (dialog), "onboarding.next", NULL));
  g_assert_true (wait_until (not_busy, dialog, 15000));
}

static void
check_key (PmOnboardingDialog *dialog,
           const char         *key)
{
  type_into (dialog, "url_row", sandbox_url);
  type_into (dialog, "key_row", key);
  press_next (dialog);
}

static gboolean
weak_cleared (gpointer location)
{
  return *(gpointer *) location == NULL;
}

/* Save, and wait for the dialog to go away; returns the new active profile's uuid. */
static char *
save_and_close (PmOnboardingDialog *dialog)
{
  PmService *service = pm_application_get_service (app);
  gpointer alive = dialog;

  g_object_add_weak_pointer (G_OBJECT (dialog), &alive);
  g_assert_cmpstr (pm_onboarding_dialog_get_page (dialog), ==, "details");
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (dialog), "onboarding.next", NULL));
  g_assert_true (wait_until (weak_cleared, &alive, 15000));
  g_assert_nonnull (pm_service_get_profile (service));
  return g_strdup (pm_service_get_profile_id (service));
}

static void
close_dialog (PmOnboardingDialog *dialog)
{
  gtk_window_close (GTK_WINDOW (dialog));
  g_assert_true (wait_until (toplevel_gone, GSIZE_TO_POINTER (PM_TYPE_ONBOARDING_DIALOG), 5000));
}

/* ---- tests ---- */

static void
test_good_key (void)
{
  PmOnboardingDialog *dialog = open_onboarding ();
  g_autoptr(PmProfile) stored = NULL;
  GSettings *settings = pm_application_get_settings (app);
  PmService *service = pm_application_get_service (app);

  g_assert_null (pm_service_get_profile (service));
  check_key (dialog, PM_SANDBOX_DEMO_KEY);
  /* one license: straight to the details, the business name proposed as the name */
  g_assert_cmpstr (pm_onboarding_dialog_get_page (dialog), ==, "details");
  g_assert_cmpstr (text_of (dialog, "name_row"), !=, "");
  /* the connection mode is an engineering choice: behind "Advanced", collapsed */
  g_assert_false (adw_expander_row_get_expanded (ADW_EXPANDER_ROW (field (dialog,
                                                                          "advanced_row"))));
  g_assert_false (gtk_widget_get_mapped (field (dialog, "mmk_check")));
  type_into (dialog, "name_row", "Shop A");
  g_assert_true (gtk_check_button_get_active (GTK_CHECK_BUTTON (field (dialog, "mmk_check"))));
  uuid_a = save_and_close (dialog);

  /* saved in the keyring, active in the service, remembered in the settings */
  stored = keyring_lookup (uuid_a);
  g_assert_nonnull (stored);
  g_assert_cmpstr (pm_profile_get_name (stored), ==, "Shop A");
  g_assert_cmpstr (pm_profile_get_api_key (stored), ==, PM_SANDBOX_DEMO_KEY);
  g_assert_cmpint (pm_profile_get_mode (stored), ==, PM_PROFILE_MODE_MMK);
  g_assert_cmpstr (pm_profile_get_name (pm_service_get_profile (service)), ==, "Shop A");
  {
    g_autofree char *active = g_settings_get_string (settings, "active-profile");

    g_assert_cmpstr (active, ==, uuid_a);
  }
  /* the window follows: it shows the list, the switcher names the connection */
  g_assert_nonnull (pm_window_get_payments_view (PM_WINDOW (window)));
  g_assert_nonnull (find_label (find_type (GTK_WIDGET (window), PM_TYPE_PROFILE_SWITCHER),
                                "Shop A"));
}

static void
test_bad_key (void)
{
  PmOnboardingDialog *dialog = open_onboarding ();
  g_autoptr(GPtrArray) before = keyring_list ();
  g_autoptr(GPtrArray) after = NULL;
  g_autofree char *active_before =
    g_strdup (pm_service_get_profile_id (pm_application_get_service (app)));
  GtkWidget *key_error = field (dialog, "key_error");
  GtkWidget *url_error = field (dialog, "url_error");

  check_key (dialog, "not-a-real-key");
  g_assert_cmpstr (pm_onboarding_dialog_get_page (dialog), ==, "connect");
  g_assert_true (gtk_widget_get_visible (key_error));
  g_assert_nonnull (strstr (gtk_label_get_label (GTK_LABEL (key_error)), "check the API key"));
  g_assert_true (gtk_widget_has_css_class (field (dialog, "key_row"), "error"));
  g_assert_false (gtk_widget_get_visible (url_error));
  /* typing again clears the message */
  type_into (dialog, "key_row", "still-wrong");
  g_assert_false (gtk_widget_get_visible (key_error));

  /* plain http to a remote host: refused at the address field, before any request */
  type_into (dialog, "url_row", "http://mmk.example.com");
  press_next (dialog);
  g_assert_true (gtk_widget_get_visible (url_error));
  g_assert_false (gtk_widget_get_visible (key_error));

  /* nothing saved, nothing switched */
  after = keyring_list ();
  g_assert_cmpuint (after->len, ==, before->len);
  g_assert_cmpstr (pm_service_get_profile_id (pm_application_get_service (app)), ==, active_before);
  close_dialog (dialog);
}

static void
test_network_error (void)
{
  PmOnboardingDialog *dialog = open_onboarding ();
  GtkWidget *status = field (dialog, "connect_status");
  g_autoptr(GSocket) socket = NULL;
  g_autoptr(GSocketAddress) address = NULL;
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) bound = NULL;
  g_autofree char *url = NULL;
  g_autoptr(GError) error = NULL;

  /* a loopback port that nobody listens on */
  socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, &error);
  g_assert_no_error (error);
  address = g_inet_socket_address_new (loopback, 0);
  g_socket_bind (socket, address, TRUE, &error);
  g_assert_no_error (error);
  bound = g_socket_get_local_address (socket, &error);
  g_assert_no_error (error);
  url = g_strdup_printf ("http://127.0.0.1:%u",
                         g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound)));
  g_socket_close (socket, NULL);

  type_into (dialog, "url_row", url);
  type_into (dialog, "key_row", PM_SANDBOX_DEMO_KEY);
  press_next (dialog);
  g_assert_cmpstr (pm_onboarding_dialog_get_page (dialog), ==, "connect");
  g_assert_true (gtk_widget_get_visible (status));
  g_assert_nonnull (strstr (gtk_label_get_label (GTK_LABEL (status)), "try again"));
  g_assert_false (gtk_widget_get_visible (field (dialog, "key_error")));
  /* the button now offers a retry */
  g_assert_cmpstr (gtk_button_get_label (GTK_BUTTON (field (dialog, "next_button"))), ==,
                   "_Try Again");
  close_dialog (dialog);
}

static void
test_several_licenses (void)
{
  PmOnboardingDialog *dialog = open_onboarding ();
  GtkWidget *list;
  GtkWidget *second;
  g_autoptr(PmProfile) stored = NULL;

  check_key (dialog, PM_SANDBOX_MULTI_KEY);
  g_assert_cmpstr (pm_onboarding_dialog_get_page (dialog), ==, "license");
  list = field (dialog, "license_list");
  /* both businesses, by name */
  g_assert_true (ADW_IS_ACTION_ROW (gtk_widget_get_first_child (list)));
  second = gtk_widget_get_next_sibling (gtk_widget_get_first_child (list));
  g_assert_nonnull (second);
  g_assert_null (gtk_widget_get_next_sibling (second));
  g_assert_cmpstr (adw_preferences_row_get_title (
                     ADW_PREFERENCES_ROW (gtk_widget_get_first_child (list))),
                   ==, "서울 베이커리 (샌드박스)");
  g_assert_cmpstr (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (second)), ==,
                   "부산 국수 (샌드박스)");
  g_assert_nonnull (strstr (adw_action_row_get_subtitle (ADW_ACTION_ROW (second)), "330-82-54321"));

  /* pick the second */
  gtk_check_button_set_active (GTK_CHECK_BUTTON (find_type (second, GTK_TYPE_CHECK_BUTTON)), TRUE);
  press_next (dialog);
  g_assert_cmpstr (pm_onboarding_dialog_get_page (dialog), ==, "details");
  g_assert_cmpstr (text_of (dialog, "name_row"), ==, "부산 국수 (샌드박스)");
  uuid_b = save_and_close (dialog);

  stored = keyring_lookup (uuid_b);
  g_assert_nonnull (stored);
  g_assert_cmpstr (pm_profile_get_name (stored), ==, "부산 국수 (샌드박스)");
  g_assert_cmpstr (pm_profile_get_member_id (stored), ==, "multi-member-2");
  g_assert_cmpstr (pm_profile_get_merchant_id (stored), ==, "multi-merchant-2");
  g_assert_cmpint (pm_profile_get_mode (stored), ==, PM_PROFILE_MODE_MMK);
  g_assert_cmpstr (pm_service_get_profile_id (pm_application_get_service (app)), ==, uuid_b);
}

typedef struct
{
  gboolean  done;
  PmBill   *bill;
  GError   *error;
} Sent;

static void
sent_cb (GObject      *object,
         GAsyncResult *result,
         gpointer      user_data)
{
  Sent *s = user_data;

  s->bill = pm_service_send_finish (PM_SERVICE (object), result, &s->error);
  s->done = TRUE;
}

static PmBill *
send_bill (const char *payer)
{
  g_autoptr(PmBill) draft = pm_bill_new ();
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  g_autoptr(GDateTime) later = g_date_time_add_days (now, 7);
  g_autofree char *expire = g_date_time_format (later, "%Y-%m-%d");
  Sent s = { 0 };

  pm_bill_set_payer_name (draft, payer);
  pm_bill_set_phone (draft, "01098765432");
  pm_bill_set_product (draft, "도시락 세트");
  pm_bill_set_message (draft, "결제 부탁드립니다");
  pm_bill_set_price (draft, 12000);
  pm_bill_set_expire_date (draft, expire);
  pm_service_send_async (pm_application_get_service (app), draft, NULL, sent_cb, &s);
  g_assert_true (wait_until (flag_set, &s.done, 20000));
  g_assert_no_error (s.error);
  g_assert_cmpint (pm_bill_get_state (s.bill), ==, PM_BILL_STATE_UNPAID);
  return s.bill;
}

static void
test_traditional (void)
{
  PmOnboardingDialog *dialog = open_onboarding ();
  GtkWidget *traditional_error;
  g_autoptr(PmProfile) stored = NULL;
  g_autoptr(PmBill) bill = NULL;
  g_autofree char *uuid = NULL;

  check_key (dialog, LEAK_KEY);
  g_assert_cmpstr (pm_onboarding_dialog_get_page (dialog), ==, "details");
  g_assert_false (gtk_widget_get_visible (field (dialog, "traditional_group")));
  gtk_check_button_set_active (GTK_CHECK_BUTTON (field (dialog, "traditional_check")), TRUE);
  g_assert_true (gtk_widget_get_visible (field (dialog, "traditional_group")));
  /* the license fills in what it knows */
  g_assert_cmpstr (text_of (dialog, "member_row"), ==, LEAK_MEMBER);
  g_assert_cmpstr (text_of (dialog, "merchant_row"), ==, LEAK_MERCHANT);
  g_assert_cmpstr (text_of (dialog, "business_row"), ==, LEAK_BUSINESS);
  g_assert_cmpstr (text_of (dialog, "name_row"), ==, LEAK_BUSINESS_NM);

  /* the Paymint key is still missing: said at the field, nothing saved */
  type_into (dialog, "paymint_host_row", "paymint.example.kr");
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (dialog), "onboarding.next", NULL));
  g_assert_true (wait_until (not_busy, dialog, 5000));
  traditional_error = field (dialog, "traditional_error");
  g_assert_true (gtk_widget_get_visible (traditional_error));
  g_assert_true (gtk_widget_has_css_class (field (dialog, "paymint_key_row"), "error"));
  g_assert_cmpstr (pm_onboarding_dialog_get_page (dialog), ==, "details");

  type_into (dialog, "paymint_key_row", LEAK_PAYMINT_KEY);
  g_assert_false (gtk_widget_has_css_class (field (dialog, "paymint_key_row"), "error"));
  uuid = save_and_close (dialog);

  stored = keyring_lookup (uuid);
  g_assert_nonnull (stored);
  g_assert_cmpint (pm_profile_get_mode (stored), ==, PM_PROFILE_MODE_TRADITIONAL);
  g_assert_cmpstr (pm_profile_get_paymint_host (stored), ==, "paymint.example.kr");
  g_assert_cmpstr (pm_profile_get_paymint_api_key (stored), ==, LEAK_PAYMINT_KEY);
  g_assert_cmpstr (pm_profile_get_member_id (stored), ==, LEAK_MEMBER);
  g_assert_cmpstr (pm_profile_get_merchant_id (stored), ==, LEAK_MERCHANT);
  g_assert_cmpstr (pm_profile_get_business_number (stored), ==, LEAK_BUSINESS);

  /* a send in traditional mode goes through the sandbox's traditional checks */
  bill = send_bill ("김전통");
  g_assert_cmpstr (pm_bill_get_profile_id (bill), ==, uuid);
}

static PmProfileSwitcher *
switcher (void)
{
  GtkWidget *w = find_type (GTK_WIDGET (window), PM_TYPE_PROFILE_SWITCHER);

  g_assert_nonnull (w);
  return PM_PROFILE_SWITCHER (w);
}

static gboolean
switcher_loaded (gpointer s)
{
  return !pm_profile_switcher_get_loading (s);
}

/* Open the switcher's popover and pick the row named @name. */
static void
pick_in_switcher (const char *name)
{
  PmProfileSwitcher *s = switcher ();
  GtkMenuButton *button = GTK_MENU_BUTTON (find_type (GTK_WIDGET (s), GTK_TYPE_MENU_BUTTON));
  GtkWidget *label;
  GtkWidget *row;

  gtk_menu_button_popup (button);
  g_assert_true (pm_profile_switcher_get_loading (s));
  g_assert_true (wait_until (switcher_loaded, s, 10000));
  label = find_label (GTK_WIDGET (pm_profile_switcher_get_list (s)), name);
  g_assert_nonnull (label);
  row = gtk_widget_get_ancestor (label, GTK_TYPE_LIST_BOX_ROW);
  g_assert_nonnull (row);
  gtk_widget_activate (row);
  pm_test_spin (50);
}

static gboolean rows_at_least (gpointer data);

static gboolean
list_shows (gpointer list)
{
  return find_label (list, g_object_get_data (G_OBJECT (list), "want-label")) != NULL;
}

/* Preferences → Connections → "Add Connection…" works (Preferences belongs to the app,
 * so app.add-connection resolves), and every list of connections follows the new one at
 * once: Preferences, and the switcher without being opened again. */
static void
test_add_from_preferences (void)
{
  PmProfileSwitcher *s = switcher ();
  GtkMenuButton *menu = GTK_MENU_BUTTON (find_type (GTK_WIDGET (s), GTK_TYPE_MENU_BUTTON));
  GtkWidget *switcher_list = GTK_WIDGET (pm_profile_switcher_get_list (s));
  GtkWindow *prefs;
  GtkWidget *add;
  GtkWidget *list;
  GtkWidget *advanced;
  GtkWindow *dialog;
  g_autofree char *uuid = NULL;

  /* the switcher has read its list once: opened and closed */
  gtk_menu_button_popup (menu);
  g_assert_true (wait_until (switcher_loaded, s, 10000));
  g_assert_nonnull (find_label (switcher_list, "Shop A"));
  gtk_menu_button_popdown (menu);
  pm_test_spin (50);
  g_assert_null (find_label (switcher_list, "Shop C"));

  g_action_group_activate_action (G_ACTION_GROUP (app), "preferences", NULL);
  g_assert_true (wait_until (toplevel_mapped, GSIZE_TO_POINTER (PM_TYPE_PREFERENCES_WINDOW),
                             10000));
  prefs = find_toplevel (PM_TYPE_PREFERENCES_WINDOW);
  g_assert_true (gtk_window_get_application (prefs) == GTK_APPLICATION (app));
  g_assert_true (gtk_window_get_transient_for (prefs) == window);

  /* engineering settings are out of the clerk's way: behind "Advanced", collapsed */
  advanced = find_by_id (GTK_WIDGET (prefs), "advanced_row");
  g_assert_nonnull (advanced);
  g_assert_false (adw_expander_row_get_expanded (ADW_EXPANDER_ROW (advanced)));
  g_assert_false (gtk_widget_get_mapped (find_by_id (GTK_WIDGET (prefs), "concurrency_spin")));

  adw_preferences_window_set_visible_page_name (ADW_PREFERENCES_WINDOW (prefs), "connections");
  list = find_by_id (GTK_WIDGET (prefs), "connections_list");
  g_object_set_data (G_OBJECT (list), "want", GUINT_TO_POINTER (1));
  g_assert_true (wait_until (rows_at_least, list, 10000));
  add = find_by_id (GTK_WIDGET (prefs), "add_button");
  g_assert_nonnull (add);
  g_assert_true (gtk_widget_get_mapped (add));
  g_assert_true (gtk_widget_is_sensitive (add));
  g_signal_emit_by_name (add, "clicked");

  g_assert_true (wait_until (toplevel_mapped, GSIZE_TO_POINTER (PM_TYPE_ONBOARDING_DIALOG),
                             10000));
  dialog = find_toplevel (PM_TYPE_ONBOARDING_DIALOG);
  g_assert_true (gtk_window_get_application (dialog) == GTK_APPLICATION (app));
  g_assert_nonnull (gtk_window_get_transient_for (dialog));
  g_assert_true (gtk_window_get_modal (dialog));
  check_key (PM_ONBOARDING_DIALOG (dialog), PM_SANDBOX_DEMO_KEY);
  type_into (PM_ONBOARDING_DIALOG (dialog), "name_row", "Shop C");
  uuid = save_and_close (PM_ONBOARDING_DIALOG (dialog));
  g_assert_cmpstr (pm_profile_get_name (pm_service_get_profile (pm_application_get_service (app))),
                   ==, "Shop C");

  /* Preferences lists it, and so does the switcher, whose popover stayed closed */
  g_object_set_data (G_OBJECT (list), "want-label", (gpointer) "Shop C");
  g_assert_true (wait_until (list_shows, list, 10000));
  g_assert_false (gtk_widget_get_visible (GTK_WIDGET (gtk_menu_button_get_popover (menu))));
  g_object_set_data (G_OBJECT (switcher_list), "want-label", (gpointer) "Shop C");
  g_assert_true (wait_until (list_shows, switcher_list, 10000));
  g_assert_nonnull (find_label (switcher_list, "Shop A"));

  gtk_window_destroy (prefs);
  pm_test_spin (50);
}

static void
test_switching (void)
{
  PmService *service = pm_application_get_service (app);
  g_autoptr(PmBill) bill = NULL;
  g_autoptr(PmBill) found = NULL;
  g_autoptr(GError) error = NULL;
  GSettings *settings = pm_application_get_settings (app);

  g_assert_nonnull (uuid_a);
  g_assert_nonnull (uuid_b);

  pick_in_switcher ("Shop A");
  g_assert_cmpstr (pm_service_get_profile_id (service), ==, uuid_a);
  {
    g_autofree char *active = g_settings_get_string (settings, "active-profile");

    g_assert_cmpstr (active, ==, uuid_a);
  }
  g_assert_cmpstr (adw_view_switcher_title_get_subtitle (
                     ADW_VIEW_SWITCHER_TITLE (find_type (GTK_WIDGET (window), ADW_TYPE_VIEW_SWITCHER_TITLE))),
                   ==, "Shop A");
  bill = send_bill ("이에이");
  found = pm_service_lookup (service, pm_bill_get_bill_id (bill), &error);
  g_assert_no_error (error);
  g_assert_nonnull (found);
  g_clear_object (&found);

  /* under B the bill is not there */
  pick_in_switcher ("부산 국수 (샌드박스)");
  g_assert_cmpstr (pm_service_get_profile_id (service), ==, uuid_b);
  found = pm_service_lookup (service, pm_bill_get_bill_id (bill), NULL);
  g_assert_null (found);

  /* and under A again it is */
  pick_in_switcher ("Shop A");
  g_assert_cmpstr (pm_service_get_profile_id (service), ==, uuid_a);
  found = pm_service_lookup (service, pm_bill_get_bill_id (bill), &error);
  g_assert_no_error (error);
  g_assert_nonnull (found);
  g_assert_cmpstr (pm_bill_get_payer_name (found), ==, "이에이");
}

static gboolean
file_contains (const char *path,
               const char *needle)
{
  g_autofree char *contents = NULL;
  gsize length = 0;

  if (!g_file_get_contents (path, &contents, &length, NULL))
    return FALSE;
  for (gsize n = strlen (needle), i = 0; n > 0 && i + n <= length; i++)
    if (memcmp (contents + i, needle, n) == 0)
      return TRUE;
  return FALSE;
}

static void
check_no_leak_under (const char *dir,
                     GPtrArray  *secrets)
{
  g_autoptr(GPtrArray) files = pm_test_list_files (dir);
  gboolean saw_csv = FALSE;

  for (guint i = 0; i < files->len; i++)
    {
      const char *path = g_ptr_array_index (files, i);

      if (strstr (path, G_DIR_SEPARATOR_S "keyrings" G_DIR_SEPARATOR_S) != NULL)
        continue; /* the keyring's own file, the one place they belong */
      if (g_str_has_suffix (path, "bills.csv"))
        saw_csv = TRUE;
      for (guint j = 0; j < secrets->len; j++)
        if (file_contains (path, g_ptr_array_index (secrets, j)))
          g_error ("A connection field value was written to %s", path);
    }
  g_assert_true (saw_csv == (g_strcmp0 (dir, test_root) == 0));
}

static void
test_nothing_leaks (void)
{
  PmService *service = pm_application_get_service (app);
  g_autoptr(GPtrArray) profiles = keyring_list ();
  g_autoptr(GPtrArray) secrets = g_ptr_array_new ();
  g_autoptr(PmLedgerQuery) query = pm_ledger_query_new ();
  g_autofree char *csv = g_build_filename (g_get_home_dir (), "bills.csv", NULL);
  g_autoptr(PmBill) bill = NULL;
  g_autoptr(GError) error = NULL;
  const char *session = g_getenv ("PM_KEYRING_SESSION_DIR");
  guint64 n_rows = 0;
  gboolean found_leak_profile = FALSE;

  /* sends and an export under the test key's profile */
  for (guint i = 0; i < profiles->len; i++)
    if (g_strcmp0 (pm_profile_get_api_key (g_ptr_array_index (profiles, i)), LEAK_KEY) == 0)
      {
        pm_application_switch_profile (app, g_ptr_array_index (profiles, i));
        found_leak_profile = TRUE;
      }
  g_assert_true (found_leak_profile);
  bill = send_bill ("박누수");
  g_assert_true (pm_service_export_csv (service, query, csv, &n_rows, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (n_rows, >=, 1);
  g_assert_true (file_contains (csv, "박누수"));

  for (guint i = 0; i < profiles->len; i++)
    {
      PmProfile *p = g_ptr_array_index (profiles, i);
      const char *values[] = {
        pm_profile_get_api_key (p), pm_profile_get_paymint_api_key (p),
        pm_profile_get_member_id (p), pm_profile_get_merchant_id (p),
        pm_profile_get_business_number (p),
      };

      for (guint j = 0; j < G_N_ELEMENTS (values); j++)
        if (values[j] != NULL && values[j][0] != '\0')
          g_ptr_array_add (secrets, (gpointer) values[j]);
    }
  g_assert_cmpuint (secrets->len, >=, 5);
  pm_test_spin (200); /* let the ledger settle */
  check_no_leak_under (test_root, secrets);
  if (session != NULL)
    check_no_leak_under (session, secrets);
}

static GVariant *
empty_bytes (void)
{
  return g_variant_new_fixed_array (G_VARIANT_TYPE_BYTE, "", 0, 1);
}

static GVariant *
password_bytes (const char *password)
{
  return g_variant_new_fixed_array (G_VARIANT_TYPE_BYTE, password, strlen (password), 1);
}

/* gnome-keyring unlocks a collection given its password, with no prompt. */
static void
unlock_collection (const char *path)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GDBusConnection) bus = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, &error);
  g_autoptr(GVariant) session_reply = NULL;
  g_autoptr(GVariant) reply = NULL;
  const char *password = g_getenv ("PM_KEYRING_PASSWORD");
  const char *session = NULL;

  g_assert_no_error (error);
  g_assert_nonnull (password);
  session_reply = g_dbus_connection_call_sync (bus, "org.freedesktop.secrets",
                                               "/org/freedesktop/secrets",
                                               "org.freedesktop.Secret.Service", "OpenSession",
                                               g_variant_new ("(sv)", "plain",
                                                              g_variant_new_string ("")),
                                               G_VARIANT_TYPE ("(vo)"), G_DBUS_CALL_FLAGS_NONE,
                                               -1, NULL, &error);
  g_assert_no_error (error);
  g_variant_get (session_reply, "(v&o)", NULL, &session);
  reply = g_dbus_connection_call_sync (bus, "org.freedesktop.secrets", "/org/freedesktop/secrets",
                                       KEYRING_INTERNAL_INTERFACE, "UnlockWithMasterPassword",
                                       g_variant_new ("(o(o@ay@ays))", path, session,
                                                      empty_bytes (), password_bytes (password),
                                                      "text/plain"),
                                       NULL, G_DBUS_CALL_FLAGS_NONE, -1, NULL, &error);
  g_assert_no_error (error);
}

static void
test_keyring_locked (void)
{
  g_autoptr(SecretService) service = NULL;
  g_autoptr(SecretCollection) collection = NULL;
  g_autoptr(GPtrArray) before = keyring_list ();
  g_autoptr(GPtrArray) after = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *active_before =
    g_strdup (pm_service_get_profile_id (pm_application_get_service (app)));
  PmOnboardingDialog *dialog;
  GtkWidget *status;
  GList *to_lock;

  service = secret_service_get_sync (SECRET_SERVICE_OPEN_SESSION, NULL, &error);
  g_assert_no_error (error);
  collection = secret_collection_for_alias_sync (service, SECRET_COLLECTION_DEFAULT,
                                                 SECRET_COLLECTION_NONE, NULL, &error);
  g_assert_no_error (error);
  to_lock = g_list_append (NULL, collection);
  g_assert_cmpint (secret_service_lock_sync (service, to_lock, NULL, NULL, &error), ==, 1);
  g_list_free (to_lock);
  g_assert_no_error (error);

  dialog = open_onboarding ();
  check_key (dialog, PM_SANDBOX_DEMO_KEY);
  g_assert_cmpstr (pm_onboarding_dialog_get_page (dialog), ==, "details");
  type_into (dialog, "name_row", "Locked Shop");
  press_next (dialog);
  /* nobody answers the unlock prompt: the plain sentence, the dialog stays, nothing saved */
  status = field (dialog, "save_status");
  g_assert_true (gtk_widget_get_visible (status));
  g_assert_cmpstr (gtk_label_get_label (GTK_LABEL (status)), ==,
                   "The keyring is locked. Unlock it and try again.");
  g_assert_cmpstr (pm_onboarding_dialog_get_page (dialog), ==, "details");
  g_assert_cmpstr (pm_service_get_profile_id (pm_application_get_service (app)), ==, active_before);
  close_dialog (dialog);

  unlock_collection (g_dbus_proxy_get_object_path (G_DBUS_PROXY (collection)));
  after = keyring_list ();
  g_assert_cmpuint (after->len, ==, before->len);
  for (guint i = 0; i < after->len; i++)
    g_assert_cmpstr (pm_profile_get_name (g_ptr_array_index (after, i)), !=, "Locked Shop");
}

static gboolean
rows_at_least (gpointer data)
{
  GtkWidget *list = data;
  guint n = 0;

  for (GtkWidget *c = gtk_widget_get_first_child (list); c; c = gtk_widget_get_next_sibling (c))
    n++;
  return n >= GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (list), "want"));
}

static gboolean
label_gone (gpointer list)
{
  return find_label (list, g_object_get_data (G_OBJECT (list), "gone")) == NULL;
}

static void
test_preferences_delete (void)
{
  GtkWindow *prefs;
  GtkWidget *list;
  GtkWidget *label;
  GtkWidget *row;
  GtkWindow *confirm;
  g_autoptr(PmProfile) gone = NULL;
  g_autoptr(PmProfile) still = NULL;

  g_action_group_activate_action (G_ACTION_GROUP (app), "preferences", NULL);
  g_assert_true (wait_until (toplevel_mapped, GSIZE_TO_POINTER (PM_TYPE_PREFERENCES_WINDOW),
                             10000));
  prefs = find_toplevel (PM_TYPE_PREFERENCES_WINDOW);
  adw_preferences_window_set_visible_page_name (ADW_PREFERENCES_WINDOW (prefs), "connections");
  list = find_by_id (GTK_WIDGET (prefs), "connections_list");
  g_assert_nonnull (list);
  g_object_set_data (G_OBJECT (list), "want", GUINT_TO_POINTER (3));
  g_assert_true (wait_until (rows_at_least, list, 10000));
  /* name, host and mode */
  label = find_label (list, "Shop A");
  g_assert_nonnull (label);
  row = gtk_widget_get_ancestor (label, ADW_TYPE_ACTION_ROW);
  g_assert_nonnull (strstr (adw_action_row_get_subtitle (ADW_ACTION_ROW (row)), "127.0.0.1"));
  /* the usual mode goes unsaid; only the unusual one is named */
  g_assert_null (strstr (adw_action_row_get_subtitle (ADW_ACTION_ROW (row)), "mode"));
  label = find_label (list, LEAK_BUSINESS_NM);
  g_assert_nonnull (label);
  row = gtk_widget_get_ancestor (label, ADW_TYPE_ACTION_ROW);
  g_assert_nonnull (strstr (adw_action_row_get_subtitle (ADW_ACTION_ROW (row)),
                            "Traditional mode"));

  /* delete B, confirming */
  label = find_label (list, "부산 국수 (샌드박스)");
  g_assert_nonnull (label);
  row = gtk_widget_get_ancestor (label, ADW_TYPE_ACTION_ROW);
  g_signal_emit_by_name (find_type (row, GTK_TYPE_BUTTON), "clicked");
  g_assert_true (wait_until (toplevel_mapped, GSIZE_TO_POINTER (ADW_TYPE_MESSAGE_DIALOG), 5000));
  confirm = find_toplevel (ADW_TYPE_MESSAGE_DIALOG);
  /* the safe answer has the focus */
  pm_test_spin (50);
  g_assert_cmpstr (adw_message_dialog_get_default_response (ADW_MESSAGE_DIALOG (confirm)), ==,
                   "cancel");
  {
    GtkWidget *focus = gtk_root_get_focus (GTK_ROOT (confirm));

    if (focus != NULL && !GTK_IS_BUTTON (focus))
      focus = gtk_widget_get_ancestor (focus, GTK_TYPE_BUTTON);
    g_assert_nonnull (focus);
    g_assert_cmpstr (gtk_button_get_label (GTK_BUTTON (focus)), ==, "_Cancel");
  }
  adw_message_dialog_response (ADW_MESSAGE_DIALOG (confirm), "delete");
  gtk_window_destroy (confirm);

  /* gone from the list once the keyring said so, and from the keyring */
  g_object_set_data (G_OBJECT (list), "gone", (gpointer) "부산 국수 (샌드박스)");
  g_assert_true (wait_until (label_gone, list, 10000));
  gone = keyring_lookup (uuid_b);
  g_assert_null (gone);
  still = keyring_lookup (uuid_a);
  g_assert_nonnull (still);
  g_assert_nonnull (find_label (list, "Shop A"));
  gtk_window_destroy (prefs);
  pm_test_spin (50);
}

static gboolean
sandbox_active (gpointer data)
{
  return g_strcmp0 (pm_service_get_profile_id (pm_application_get_service (app)),
                    PM_APPLICATION_SANDBOX_PROFILE_UUID) == 0;
}

static void
test_sandbox_path (void)
{
  PmOnboardingDialog *dialog = open_onboarding ();
  GSettings *settings = pm_application_get_settings (app);
  g_autoptr(PmBill) bill = NULL;

  /* "Try the Sandbox Instead" from the onboarding */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (dialog), "onboarding.use-sandbox", NULL));
  g_assert_true (wait_until (toplevel_gone, GSIZE_TO_POINTER (PM_TYPE_ONBOARDING_DIALOG), 5000));
  g_assert_true (wait_until (sandbox_active, NULL, 10000));
  g_assert_nonnull (pm_application_get_sandbox (app));
  {
    g_autofree char *active = g_settings_get_string (settings, "active-profile");

    g_assert_cmpstr (active, ==, PM_APPLICATION_SANDBOX_PROFILE_UUID);
  }
  bill = send_bill ("샌드박스");
  g_assert_cmpstr (pm_bill_get_profile_id (bill), ==, PM_APPLICATION_SANDBOX_PROFILE_UUID);

  /* the switcher goes to a saved connection and back to the running sandbox */
  pick_in_switcher ("Shop A");
  g_assert_cmpstr (pm_service_get_profile_id (pm_application_get_service (app)), ==, uuid_a);
  pick_in_switcher ("Sandbox");
  g_assert_true (sandbox_active (NULL));
  g_assert_null (pm_service_lookup (pm_application_get_service (app), "no-such-bill", NULL));
  {
    g_autoptr(PmBill) again = pm_service_lookup (pm_application_get_service (app),
                                                 pm_bill_get_bill_id (bill), NULL);

    g_assert_nonnull (again);
  }
}

static gboolean
restored (gpointer data)
{
  PmService *service = pm_application_get_service (data);

  return service != NULL && g_strcmp0 (pm_service_get_profile_id (service), uuid_a) == 0;
}

/* The next start picks up the connection in use: uuid from GSettings, fields from the
 * keyring. */
static void
test_restored_at_start (void)
{
  GSettings *settings = pm_application_get_settings (app);
  g_autoptr(PmApplication) next = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_nonnull (uuid_a);
  g_settings_set_string (settings, "active-profile", uuid_a);
  next = pm_application_new ();
  g_application_set_flags (G_APPLICATION (next), G_APPLICATION_NON_UNIQUE);
  /* one process, two apps: the second needs its own bus path */
  g_application_set_application_id (G_APPLICATION (next), APP_ID ".Restart");
  g_application_register (G_APPLICATION (next), NULL, &error);
  g_assert_no_error (error);
  g_assert_true (wait_until (restored, next, 10000));
  g_assert_cmpstr (pm_profile_get_name (pm_service_get_profile (pm_application_get_service (next))),
                   ==, "Shop A");
  g_assert_null (pm_application_get_sandbox (next));
}

/* Deleting the connection in use falls back to the running sandbox. */
static void
test_delete_active (void)
{
  PmService *service = pm_application_get_service (app);
  GSettings *settings = pm_application_get_settings (app);
  GtkWindow *prefs;
  GtkWidget *list;
  GtkWidget *row;
  g_autoptr(PmProfile) gone = NULL;
  g_autofree char *active = NULL;

  pick_in_switcher ("Shop A");
  g_assert_cmpstr (pm_service_get_profile_id (service), ==, uuid_a);
  g_assert_nonnull (pm_application_get_sandbox (app));

  g_action_group_activate_action (G_ACTION_GROUP (app), "preferences", NULL);
  g_assert_true (wait_until (toplevel_mapped, GSIZE_TO_POINTER (PM_TYPE_PREFERENCES_WINDOW),
                             10000));
  prefs = find_toplevel (PM_TYPE_PREFERENCES_WINDOW);
  adw_preferences_window_set_visible_page_name (ADW_PREFERENCES_WINDOW (prefs), "connections");
  list = find_by_id (GTK_WIDGET (prefs), "connections_list");
  g_object_set_data (G_OBJECT (list), "want", GUINT_TO_POINTER (2));
  g_assert_true (wait_until (rows_at_least, list, 10000));
  row = gtk_widget_get_ancestor (find_label (list, "Shop A"), ADW_TYPE_ACTION_ROW);
  g_assert_nonnull (strstr (adw_action_row_get_subtitle (ADW_ACTION_ROW (row)), "In use"));
  g_signal_emit_by_name (find_type (row, GTK_TYPE_BUTTON), "clicked");
  g_assert_true (wait_until (toplevel_mapped, GSIZE_TO_POINTER (ADW_TYPE_MESSAGE_DIALOG), 5000));
  adw_message_dialog_response (ADW_MESSAGE_DIALOG (find_toplevel (ADW_TYPE_MESSAGE_DIALOG)),
                               "delete");
  gtk_window_destroy (find_toplevel (ADW_TYPE_MESSAGE_DIALOG));
  g_assert_true (wait_until (sandbox_active, NULL, 10000));
  active = g_settings_get_string (settings, "active-profile");
  g_assert_cmpstr (active, ==, PM_APPLICATION_SANDBOX_PROFILE_UUID);
  gone = keyring_lookup (uuid_a);
  g_assert_null (gone);
  gtk_window_destroy (prefs);
  pm_test_spin (50);
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GError) error = NULL;
  int ret;

  test_root = pm_test_init (&argc, &argv);
  if (g_getenv ("PM_KEYRING_SESSION_DIR") == NULL)
    {
      g_print ("1..0 # SKIP needs tests/keyring-session.sh\n");
      return 0;
    }

  sandbox = pm_sandbox_new ();
  pm_sandbox_set_payers (sandbox, 0.0, 60, 60, 0.0);
  pm_sandbox_add_key (sandbox, LEAK_KEY, PM_SANDBOX_TIER_PRO, 1000000);
  pm_sandbox_add_license (sandbox, LEAK_KEY, LEAK_BUSINESS, LEAK_BUSINESS_NM, LEAK_MEMBER,
                          LEAK_MERCHANT, LEAK_PAYMINT_KEY);
  g_assert_true (pm_sandbox_start (sandbox, "127.0.0.1", 0, &error));
  g_assert_no_error (error);
  sandbox_url = pm_sandbox_dup_base_url (sandbox);

  app = pm_application_new ();
  g_application_set_flags (G_APPLICATION (app), G_APPLICATION_NON_UNIQUE);
  g_application_register (G_APPLICATION (app), NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (pm_application_get_service (app));
  g_application_activate (G_APPLICATION (app));
  window = gtk_application_get_active_window (GTK_APPLICATION (app));
  g_assert_nonnull (window);

  g_test_add_func ("/connections/good-key", test_good_key);
  g_test_add_func ("/connections/add-from-preferences", test_add_from_preferences);
  g_test_add_func ("/connections/bad-key", test_bad_key);
  g_test_add_func ("/connections/network-error", test_network_error);
  g_test_add_func ("/connections/several-licenses", test_several_licenses);
  g_test_add_func ("/connections/traditional", test_traditional);
  g_test_add_func ("/connections/switching", test_switching);
  g_test_add_func ("/connections/restored-at-start", test_restored_at_start);
  g_test_add_func ("/connections/nothing-leaks", test_nothing_leaks);
  g_test_add_func ("/connections/keyring-locked", test_keyring_locked);
  g_test_add_func ("/connections/preferences-delete", test_preferences_delete);
  g_test_add_func ("/connections/sandbox", test_sandbox_path);
  g_test_add_func ("/connections/delete-active", test_delete_active);

  ret = g_test_run ();
  gtk_window_destroy (window);
  g_application_quit (G_APPLICATION (app));
  g_clear_object (&app);
  pm_sandbox_stop (sandbox);
  g_clear_object (&sandbox);
  g_clear_pointer (&sandbox_url, g_free);
  g_clear_pointer (&uuid_a, g_free);
  g_clear_pointer (&uuid_b, g_free);
  return ret;
}
