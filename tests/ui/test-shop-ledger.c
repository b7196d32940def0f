/* test-shop-ledger.c — several desks, one PostgreSQL shop ledger: the window follows the
 * connection's ledger, and the connection dialog tests and saves a shop ledger
 *
 * Copyright 2026 The Paymint Desk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Runs inside tests/keyring-session.sh (saving a connection needs a keyring) under the
 * ui suite's display, against the run's private PostgreSQL server (tests/pm-test-pg.h):
 * skipped when there is none.
 */

#include "config.h"

#include <adwaita.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <string.h>

#include "pm-application.h"
#include "pm-onboarding-dialog.h"
#include "pm-payments-view.h"
#include "pm-plans-view.h"
#include "pm-preferences-window.h"
#include "pm-sandbox.h"
#include "pm-secrets.h"
#include "pm-service-profiles.h"
#include "pm-storage-banner.h"
#include "pm-test-gtk-util.h"
#include "pm-test-pg.h"
#include "pm-test-util.h"
#include "pm-window.h"

static PmApplication *app;
static PmWindow *window;
static char *sandbox_url;

/* ---- helpers ---- */

static PmService *
service (void)
{
  return pm_application_get_service (app);
}

static PmPaymentsView *
payments (void)
{
  GtkWidget *view = pm_window_get_payments_view (window);

  g_assert_nonnull (view);
  return PM_PAYMENTS_VIEW (view);
}

static PmProfile *
make_profile (const char *name,
              const char *shop_ledger)
{
  PmProfile *profile = pm_profile_new ();

  pm_profile_set_name (profile, name);
  pm_profile_set_base_url (profile, sandbox_url);
  pm_profile_set_api_key (profile, PM_SANDBOX_DEMO_KEY);
  pm_profile_set_mode (profile, PM_PROFILE_MODE_MMK);
  pm_profile_set_member_id (profile, PM_SANDBOX_DEMO_MEMBER_ID);
  pm_profile_set_merchant_id (profile, PM_SANDBOX_DEMO_MERCHANT_ID);
  pm_profile_set_business_number (profile, PM_SANDBOX_DEMO_BUSINESS_NUMBER);
  pm_profile_set_shop_ledger (profile, shop_ledger);
  return profile;
}

/* A bill written by another desk: its own connection to @ledger. */
static void
write_bill (PmLedger   *ledger,
            PmProfile  *profile,
            const char *payer)
{
  g_autoptr(PmBill) bill = pm_bill_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *bill_id = pm_bill_generate_id ();
  g_autofree char *expire = pm_bill_korea_date (g_get_real_time () / G_USEC_PER_SEC + 7 * 86400);

  pm_bill_set_bill_id (bill, bill_id);
  pm_bill_set_profile_id (bill, pm_profile_get_uuid (profile));
  pm_bill_set_payer_name (bill, payer);
  pm_bill_set_phone (bill, "01022223333");
  pm_bill_set_product (bill, "12월 수강료");
  pm_bill_set_message (bill, "결제 부탁드립니다");
  pm_bill_set_price (bill, 30000);
  pm_bill_set_expire_date (bill, expire);
  pm_bill_set_state (bill, PM_BILL_STATE_NOT_SENT);
  g_assert_true (pm_ledger_insert_bill (ledger, bill, &error));
  g_assert_no_error (error);
  g_assert_true (pm_ledger_flush (ledger, &error));
  g_assert_no_error (error);
}

/* Whether the payments list holds exactly one row, for @data's payer, painted. */
static gboolean
list_is_only (gpointer data)
{
  const char *payer = data;
  GListModel *model = pm_payments_view_get_model (payments ());
  g_autoptr(PmBill) first = NULL;

  if (model == NULL || g_list_model_get_n_items (model) != 1)
    return FALSE;
  first = g_list_model_get_item (model, 0);
  return g_strcmp0 (pm_bill_get_payer_name (first), payer) == 0
         && pm_test_find_label (GTK_WIDGET (payments ()), payer) != NULL;
}

static const char *
window_subtitle (void)
{
  AdwViewSwitcherTitle *title = ADW_VIEW_SWITCHER_TITLE (
    pm_test_find_widget (GTK_WIDGET (window), ADW_TYPE_VIEW_SWITCHER_TITLE));

  g_assert_nonnull (title);
  return adw_view_switcher_title_get_subtitle (title);
}

static GtkWidget *find_by_id (GtkWidget  *root,
                              const char *id);

/* The header bar's sign of a shop ledger, on screen. */
static gboolean
ledger_sign_shown (void)
{
  GtkWidget *sign = find_by_id (GTK_WIDGET (window), "ledger_sign");

  g_assert_nonnull (sign);
  return gtk_widget_get_mapped (sign);
}

static gboolean
shop_empty_state_shown (gpointer unused)
{
  return pm_test_find_label (GTK_WIDGET (payments ()),
                             "Payment requests sent from any desk of the shop appear here "
                             "with their live status.") != NULL;
}

/* ---- the window follows the connection's ledger ---- */

/* (a) a connection with a shop ledger: the list shows what another desk writes there;
 * (c) a connection without one: back to this desk's own ledger file. */
static void
test_window_follows_shop_ledger (void)
{
  g_autofree char *uri = NULL;
  g_autofree char *own_path = NULL;
  g_autoptr(PmProfile) plain = NULL;
  g_autoptr(PmProfile) shop = NULL;
  g_autoptr(PmLedger) own = NULL;
  g_autoptr(PmLedger) other_desk = NULL;
  g_autoptr(GError) error = NULL;

  PM_TEST_PG_REQUIRE ();
  uri = pm_test_pg_new_database ("ui_shop");

  /* this desk's own ledger has one bill of the plain connection */
  plain = make_profile ("본점 데스크", NULL);
  pm_application_switch_profile (app, plain);
  g_assert_false (pm_ledger_is_shared (pm_service_get_ledger (service ())));
  own_path = g_strdup (pm_ledger_get_path (pm_service_get_ledger (service ())));
  own = pm_ledger_new (own_path, &error);
  g_assert_no_error (error);
  write_bill (own, plain, "이데스크");
  pm_test_spin_until (list_is_only, (gpointer) "이데스크", 10000);
  g_assert_cmpstr (window_subtitle (), ==, "본점 데스크");
  g_assert_false (ledger_sign_shown ());

  /* the shop's connection: the ledger is the shop's, empty so far for this desk */
  shop = make_profile ("본점 공용", uri);
  pm_application_switch_profile (app, shop);
  g_assert_true (pm_ledger_is_shared (pm_service_get_ledger (service ())));
  g_assert_cmpstr (pm_ledger_get_path (pm_service_get_ledger (service ())), ==, uri);
  g_assert_null (pm_service_get_storage_error (service ()));
  g_assert_cmpstr (window_subtitle (), ==, "본점 공용 · Shop ledger");
  pm_test_wait_for_draw (GTK_WIDGET (window));
  g_assert_true (ledger_sign_shown ());
  /* nothing of this desk's file in it: the empty state speaks of the shop's desks */
  pm_test_spin_until (shop_empty_state_shown, NULL, 10000);

  /* another desk writes a bill into the shop ledger: nobody touches this window */
  other_desk = pm_ledger_new (uri, &error);
  g_assert_no_error (error);
  g_assert_true (pm_ledger_is_shared (other_desk));
  write_bill (other_desk, shop, "김다른데스크");
  pm_test_spin_until (list_is_only, (gpointer) "김다른데스크", 10000);
  g_assert_null (pm_test_find_label (GTK_WIDGET (payments ()), "이데스크"));

  /* back to the plain connection: this desk's file, its bill, not the shop's */
  pm_application_switch_profile (app, plain);
  g_assert_false (pm_ledger_is_shared (pm_service_get_ledger (service ())));
  g_assert_cmpstr (pm_ledger_get_path (pm_service_get_ledger (service ())), ==, own_path);
  pm_test_spin_until (list_is_only, (gpointer) "이데스크", 10000);
  g_assert_null (pm_test_find_label (GTK_WIDGET (payments ()), "김다른데스크"));
  g_assert_cmpstr (window_subtitle (), ==, "본점 데스크");
  g_assert_false (ledger_sign_shown ());
}

static gboolean
plans_page_says (gpointer title)
{
  GtkWidget *plans = pm_test_find_widget (GTK_WIDGET (window), PM_TYPE_PLANS_VIEW);
  GtkWidget *page = plans != NULL ? pm_test_find_widget (plans, ADW_TYPE_STATUS_PAGE) : NULL;

  return page != NULL && g_strcmp0 (adw_status_page_get_title (ADW_STATUS_PAGE (page)),
                                    title) == 0;
}

/* A shop ledger whose server does not answer: the ledger is still the shop's (never this
 * desk's file instead), and the banner says what to check, in words for a server. */
static void
test_unreachable_shop_ledger_banner (void)
{
  g_autoptr(PmProfile) plain = make_profile ("본점 데스크", NULL);
  g_autoptr(PmProfile) away = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *uri = NULL;
  g_autofree char *text = NULL;
  g_autoptr(GError) error = NULL;
  GtkWidget *banner;

  dir = g_dir_make_tmp ("pm-no-pg-XXXXXX", &error);
  g_assert_no_error (error);
  /* a socket directory where no server listens */
  uri = g_strdup_printf ("postgresql:///shop?host=%s&port=5999&user=pmtest", dir);
  away = make_profile ("서버 없음", uri);
  /* the poller warns (g_warning, fatal here) each time it cannot read its schedule from a
   * ledger that is away: not what this test is about */
  g_settings_set_boolean (pm_application_get_settings (app), "polling-enabled", FALSE);
  pm_application_switch_profile (app, away);
  g_assert_true (pm_ledger_is_shared (pm_service_get_ledger (service ())));
  g_assert_nonnull (pm_service_get_storage_error (service ()));

  banner = pm_test_find_widget (GTK_WIDGET (window), PM_TYPE_STORAGE_BANNER);
  g_assert_nonnull (banner);
  pm_test_spin (50);
  g_assert_true (gtk_widget_get_visible (banner));
  text = pm_storage_banner_dup_text (PM_STORAGE_BANNER (banner));
  g_assert_nonnull (strstr (text, "server"));
  g_assert_null (strstr (text, "disk space"));
  /* the Plans page says why there is nothing, instead of offering a plan it cannot keep */
  pm_test_spin_until (plans_page_says, (gpointer) "Monthly Plans Are Not Available", 10000);
  {
    GtkWidget *plans = pm_test_find_widget (GTK_WIDGET (window), PM_TYPE_PLANS_VIEW);
    GtkWidget *page = pm_test_find_widget (plans, ADW_TYPE_STATUS_PAGE);

    g_assert_nonnull (strstr (adw_status_page_get_description (ADW_STATUS_PAGE (page)),
                              "cannot be reached"));
    g_assert_false (gtk_widget_get_visible (adw_status_page_get_child (ADW_STATUS_PAGE (page))));
  }

  pm_application_switch_profile (app, plain);
  g_assert_false (pm_ledger_is_shared (pm_service_get_ledger (service ())));
  g_assert_null (pm_service_get_storage_error (service ()));
  pm_test_spin (50);
  g_assert_false (gtk_widget_get_visible (banner));
  pm_test_spin_until (plans_page_says, (gpointer) "No Monthly Plans Yet", 10000);
  g_settings_set_boolean (pm_application_get_settings (app), "polling-enabled", TRUE);
  g_rmdir (dir);
}

/* ---- the connection dialog ---- */

static GtkWindow *
find_toplevel (GType type)
{
  GListModel *toplevels = gtk_window_get_toplevels ();  /* transfer none */

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GtkWindow) w = g_list_model_get_item (toplevels, i);

      if (G_TYPE_CHECK_INSTANCE_TYPE (w, type) && gtk_widget_get_visible (GTK_WIDGET (w)))
        return w;
    }
  return NULL;
}

static gboolean
toplevel_shown (gpointer type)
{
  return find_toplevel (GPOINTER_TO_SIZE (type)) != NULL;
}

static gboolean
dialog_mapped (gpointer unused)
{
  GtkWindow *w = find_toplevel (PM_TYPE_ONBOARDING_DIALOG);

  return w != NULL && gtk_widget_get_mapped (GTK_WIDGET (w));
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
field (gpointer    dialog,
       const char *id)
{
  GtkWidget *w = find_by_id (GTK_WIDGET (dialog), id);

  g_assert_nonnull (w);
  return w;
}

static void
type_into (gpointer    dialog,
           const char *id,
           const char *text)
{
  gtk_editable_set_text (GTK_EDITABLE (field (dialog, id)), text);
}

static gboolean
not_busy (gpointer dialog)
{
  return !pm_onboarding_dialog_get_busy (dialog);
}

static gboolean
label_shown (gpointer label)
{
  return gtk_widget_get_mapped (GTK_WIDGET (label))
         && *gtk_label_get_label (GTK_LABEL (label)) != '\0';
}

static gboolean
test_finished (gpointer dialog)
{
  /* the Test action is enabled again once the test came back */
  GtkWidget *button = field (dialog, "shop_test_button");

  return gtk_widget_is_sensitive (button)
         && !g_str_has_prefix (gtk_label_get_label (GTK_LABEL (field (dialog,
                                                                      "shop_ledger_status"))),
                               "Connecting");
}

/* Presses Test (as the button does) and waits until its outcome is shown. */
static void
press_test (gpointer dialog)
{
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (dialog), "onboarding.test-shop-ledger",
                                             NULL));
  pm_test_spin_until (test_finished, dialog, 20000);
}

static gboolean
weak_cleared (gpointer location)
{
  return *(gpointer *) location == NULL;
}

typedef struct
{
  gboolean   done;
  PmProfile *profile;
  GError    *error;
} Lookup;

static void
lookup_cb (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  Lookup *l = user_data;

  l->profile = pm_secrets_lookup_finish (result, &l->error);
  l->done = TRUE;
}

static gboolean
flag_set (gpointer flag)
{
  return *(gboolean *) flag;
}

/* (b) Test with a wrong address, then an unreachable one: the reason at the field; with
 * the right one: "Connected"; Save keeps it (and its password) in the keyring, and the
 * desk now uses the shop ledger. */
static void
test_dialog_tests_and_saves (void)
{
  g_autofree char *uri = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *away = NULL;
  g_autoptr(GError) error = NULL;
  GtkWidget *dialog;
  GtkWidget *row;
  GtkWidget *error_label;
  GtkWidget *status_label;
  gpointer alive;
  Lookup lookup = { 0 };
  g_autoptr(PmProfile) saved = NULL;

  PM_TEST_PG_REQUIRE ();
  if (g_getenv ("PM_KEYRING_SESSION_DIR") == NULL)
    {
      g_test_skip ("needs tests/keyring-session.sh");
      return;
    }
  uri = pm_test_pg_new_database ("ui_dialog");
  dir = g_dir_make_tmp ("pm-no-pg-XXXXXX", &error);
  g_assert_no_error (error);
  away = g_strdup_printf ("postgresql:///shop?host=%s&port=5999&user=pmtest", dir);

  g_action_group_activate_action (G_ACTION_GROUP (app), "add-connection", NULL);
  pm_test_spin_until (dialog_mapped, NULL, 10000);
  dialog = GTK_WIDGET (find_toplevel (PM_TYPE_ONBOARDING_DIALOG));
  type_into (dialog, "url_row", sandbox_url);
  type_into (dialog, "key_row", PM_SANDBOX_DEMO_KEY);
  g_assert_true (gtk_widget_activate_action (dialog, "onboarding.next", NULL));
  pm_test_spin_until (not_busy, dialog, 15000);
  g_assert_cmpstr (pm_onboarding_dialog_get_page (PM_ONBOARDING_DIALOG (dialog)), ==, "details");
  type_into (dialog, "name_row", "공용 장부 데스크");

  row = field (dialog, "shop_ledger_row");
  error_label = field (dialog, "shop_ledger_error");
  status_label = field (dialog, "shop_ledger_status");
  g_assert_true (gtk_widget_get_mapped (row));

  /* nothing typed: asked for, at the field */
  press_test (dialog);
  g_assert_true (label_shown (error_label));
  g_assert_nonnull (strstr (gtk_label_get_label (GTK_LABEL (error_label)),
                            "postgresql://clerk@ledger.local/shop"));
  g_assert_true (gtk_widget_has_css_class (row, "error"));

  /* not a PostgreSQL address: the profile's own check, at the field */
  type_into (dialog, "shop_ledger_row", "mysql://clerk@ledger.local/shop");
  g_assert_false (gtk_widget_has_css_class (row, "error"));
  press_test (dialog);
  g_assert_true (label_shown (error_label));
  g_assert_nonnull (strstr (gtk_label_get_label (GTK_LABEL (error_label)), "postgresql://"));
  g_assert_true (gtk_widget_has_css_class (row, "error"));
  g_assert_false (gtk_widget_get_visible (status_label));

  /* a server that is not there: the reason, at the field */
  type_into (dialog, "shop_ledger_row", away);
  press_test (dialog);
  g_assert_true (label_shown (error_label));
  g_assert_nonnull (strstr (gtk_label_get_label (GTK_LABEL (error_label)), "cannot be reached"));
  g_assert_true (gtk_widget_has_css_class (row, "error"));
  g_assert_false (gtk_widget_get_visible (status_label));

  /* Save with it does not save: the same reason, the dialog stays */
  g_assert_true (gtk_widget_activate_action (dialog, "onboarding.next", NULL));
  pm_test_spin_until (not_busy, dialog, 20000);
  g_assert_true (find_toplevel (PM_TYPE_ONBOARDING_DIALOG) == GTK_WINDOW (dialog));
  g_assert_true (label_shown (error_label));
  g_assert_nonnull (strstr (gtk_label_get_label (GTK_LABEL (error_label)), "cannot be reached"));

  /* the right address: connected, said next to it */
  type_into (dialog, "shop_ledger_row", uri);
  type_into (dialog, "shop_password_row", "not-needed-with-trust");
  press_test (dialog);
  g_assert_false (gtk_widget_get_visible (error_label));
  g_assert_false (gtk_widget_has_css_class (row, "error"));
  g_assert_true (label_shown (status_label));
  g_assert_cmpstr (gtk_label_get_label (GTK_LABEL (status_label)), ==,
                   "Connected. Every desk that uses this address shares its bills.");
  pm_test_wait_for_draw (dialog);

  /* Save: in the keyring with its shop ledger and password; the desk uses it */
  alive = dialog;
  g_object_add_weak_pointer (G_OBJECT (dialog), &alive);
  g_assert_true (gtk_widget_activate_action (dialog, "onboarding.next", NULL));
  pm_test_spin_until (weak_cleared, &alive, 20000);
  g_assert_nonnull (pm_service_get_profile (service ()));
  g_assert_cmpstr (pm_profile_get_name (pm_service_get_profile (service ())), ==,
                   "공용 장부 데스크");
  g_assert_true (pm_ledger_is_shared (pm_service_get_ledger (service ())));
  g_assert_cmpstr (pm_ledger_get_path (pm_service_get_ledger (service ())), ==, uri);

  pm_secrets_lookup_async (pm_service_get_profile_id (service ()), NULL, lookup_cb, &lookup);
  pm_test_spin_until (flag_set, &lookup.done, 10000);
  g_assert_no_error (lookup.error);
  saved = lookup.profile;
  g_assert_nonnull (saved);
  g_assert_cmpstr (pm_profile_get_shop_ledger (saved), ==, uri);
  g_assert_cmpstr (pm_profile_get_shop_ledger_password (saved), ==, "not-needed-with-trust");
  g_rmdir (dir);
}

/* ---- Preferences: a saved connection's shop ledger, changed ---- */

typedef struct
{
  gboolean done;
  GError  *error;
} Stored;

static void
stored_cb (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  Stored *st = user_data;

  pm_service_store_profile_finish (PM_SERVICE (object), result, &st->error);
  st->done = TRUE;
}

static PmProfile *
keyring_lookup (const char *uuid)
{
  Lookup lookup = { 0 };

  pm_secrets_lookup_async (uuid, NULL, lookup_cb, &lookup);
  pm_test_spin_until (flag_set, &lookup.done, 10000);
  g_assert_no_error (lookup.error);
  return lookup.profile;
}

static GtkWidget *
find_label_in (GtkWidget  *root,
               const char *text)
{
  if (GTK_IS_LABEL (root) && g_strcmp0 (gtk_label_get_label (GTK_LABEL (root)), text) == 0)
    return root;
  for (GtkWidget *c = gtk_widget_get_first_child (root); c; c = gtk_widget_get_next_sibling (c))
    {
      GtkWidget *found = find_label_in (c, text);

      if (found != NULL)
        return found;
    }
  return NULL;
}

static GtkWidget *prefs_list;

/* The connection's row in Preferences, once its subtitle says @ledger_words. */
static gboolean
row_says (gpointer ledger_words)
{
  GtkWidget *label = find_label_in (prefs_list, "지점 데스크");
  GtkWidget *row = label != NULL ? gtk_widget_get_ancestor (label, ADW_TYPE_ACTION_ROW) : NULL;

  return row != NULL && strstr (adw_action_row_get_subtitle (ADW_ACTION_ROW (row)),
                                ledger_words) != NULL;
}

static AdwMessageDialog *
open_shop_editor (void)
{
  GtkWidget *label = find_label_in (prefs_list, "지점 데스크");
  GtkWidget *row = gtk_widget_get_ancestor (label, ADW_TYPE_ACTION_ROW);
  GtkWindow *dialog;

  g_assert_true (gtk_list_box_row_get_activatable (GTK_LIST_BOX_ROW (row)));
  g_signal_emit_by_name (row, "activated");
  pm_test_spin_until (toplevel_shown,
                      GSIZE_TO_POINTER (ADW_TYPE_MESSAGE_DIALOG), 5000);
  dialog = find_toplevel (ADW_TYPE_MESSAGE_DIALOG);
  g_assert_nonnull (strstr (adw_message_dialog_get_heading (ADW_MESSAGE_DIALOG (dialog)),
                            "지점 데스크"));
  return ADW_MESSAGE_DIALOG (dialog);
}

static gboolean
save_enabled (gpointer dialog)
{
  return adw_message_dialog_get_response_enabled (dialog, "save");
}

static gboolean
ledger_shared (gpointer want)
{
  return pm_ledger_is_shared (pm_service_get_ledger (service ())) == GPOINTER_TO_INT (want);
}

/* A connection saved without a shop ledger gets one from Preferences (Save only once Test
 * passed), keeps the rest, and the desk follows; emptied again, back to this desk's. */
static void
test_preferences_edit (void)
{
  g_autofree char *uri = NULL;
  g_autoptr(PmProfile) plain = NULL;
  g_autoptr(PmProfile) saved = NULL;
  Stored st = { 0 };
  GtkWindow *prefs;
  AdwMessageDialog *dialog;
  GtkWidget *address;
  GtkWidget *test_button;

  PM_TEST_PG_REQUIRE ();
  if (g_getenv ("PM_KEYRING_SESSION_DIR") == NULL)
    {
      g_test_skip ("needs tests/keyring-session.sh");
      return;
    }
  uri = pm_test_pg_new_database ("ui_prefs");
  plain = make_profile ("지점 데스크", NULL);
  pm_service_store_profile_async (service (), plain, NULL, stored_cb, &st);
  pm_test_spin_until (flag_set, &st.done, 10000);
  g_assert_no_error (st.error);
  pm_application_switch_profile (app, plain);
  g_assert_false (pm_ledger_is_shared (pm_service_get_ledger (service ())));

  g_action_group_activate_action (G_ACTION_GROUP (app), "preferences", NULL);
  pm_test_spin_until (toplevel_shown,
                      GSIZE_TO_POINTER (PM_TYPE_PREFERENCES_WINDOW), 10000);
  prefs = find_toplevel (PM_TYPE_PREFERENCES_WINDOW);
  adw_preferences_window_set_visible_page_name (ADW_PREFERENCES_WINDOW (prefs), "connections");
  prefs_list = find_by_id (GTK_WIDGET (prefs), "connections_list");
  g_assert_nonnull (prefs_list);
  pm_test_spin_until (row_says, (gpointer) "This desk’s ledger", 10000);

  /* an address: Save waits for Test */
  dialog = open_shop_editor ();
  g_assert_true (save_enabled (dialog));
  address = pm_test_find_widget (GTK_WIDGET (dialog), ADW_TYPE_ENTRY_ROW);
  g_assert_nonnull (address);
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (address)), ==, "");
  gtk_editable_set_text (GTK_EDITABLE (address), uri);
  g_assert_false (save_enabled (dialog));
  test_button = pm_test_find_button_labelled (GTK_WIDGET (dialog), "Test");
  g_assert_nonnull (test_button);
  g_signal_emit_by_name (test_button, "clicked");
  pm_test_spin_until (save_enabled, dialog, 20000);
  g_assert_nonnull (pm_test_find_label (GTK_WIDGET (dialog),
                                        "Connected. Every desk that uses this address shares "
                                        "its bills."));
  adw_message_dialog_response (dialog, "save");
  gtk_window_destroy (GTK_WINDOW (dialog));

  /* kept in the keyring with the rest of the connection; the desk uses it now */
  pm_test_spin_until (ledger_shared, GINT_TO_POINTER (TRUE), 10000);
  g_assert_cmpstr (pm_ledger_get_path (pm_service_get_ledger (service ())), ==, uri);
  saved = keyring_lookup (pm_profile_get_uuid (plain));
  g_assert_nonnull (saved);
  g_assert_cmpstr (pm_profile_get_shop_ledger (saved), ==, uri);
  g_assert_cmpstr (pm_profile_get_api_key (saved), ==, PM_SANDBOX_DEMO_KEY);
  g_assert_cmpstr (pm_profile_get_name (saved), ==, "지점 데스크");
  g_clear_object (&saved);
  pm_test_spin_until (row_says, (gpointer) "Shop ledger:", 10000);

  /* emptied: this desk's own ledger again */
  dialog = open_shop_editor ();
  address = pm_test_find_widget (GTK_WIDGET (dialog), ADW_TYPE_ENTRY_ROW);
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (address)), ==, uri);
  g_assert_true (save_enabled (dialog));
  gtk_editable_set_text (GTK_EDITABLE (address), "");
  g_assert_true (save_enabled (dialog));
  adw_message_dialog_response (dialog, "save");
  gtk_window_destroy (GTK_WINDOW (dialog));
  pm_test_spin_until (ledger_shared, GINT_TO_POINTER (FALSE), 10000);
  saved = keyring_lookup (pm_profile_get_uuid (plain));
  g_assert_false (pm_profile_has_shop_ledger (saved));
  pm_test_spin_until (row_says, (gpointer) "This desk’s ledger", 10000);
  gtk_window_destroy (prefs);
  prefs_list = NULL;
}

/* ---- Screenshots (PM_SHOP_LEDGER_SCREENSHOTS=DIR) ---- */

static void
screenshot (GtkWidget  *win,
            const char *dir,
            const char *name)
{
  g_autofree char *path = g_strdup_printf ("%s/shop-ledger-%s.png", dir, name);
  g_autofree char *command = g_strdup_printf ("import -window root -crop %dx%d+0+0 %s",
                                              gtk_widget_get_width (win),
                                              gtk_widget_get_height (win), path);
  g_autoptr(GError) error = NULL;
  int status = 0;

  pm_test_wait_for_draw (win);
  pm_test_spin (300);
  pm_test_wait_for_draw (win);
  g_assert_true (g_spawn_command_line_sync (command, NULL, NULL, &status, &error));
  g_assert_no_error (error);
  g_test_message ("wrote %s", path);
}

/* The connection dialog's shop ledger part: tested and connected, then refused. */
static void
shoot_dialog (const char *dir,
              const char *lang,
              const char *uri,
              const char *away)
{
  GtkWidget *dialog;
  GtkWidget *group;
  GtkWidget *scroller;
  g_autofree char *ok_name = g_strdup_printf ("%s-connected", lang);
  g_autofree char *away_name = g_strdup_printf ("%s-unreachable", lang);

  g_action_group_activate_action (G_ACTION_GROUP (app), "add-connection", NULL);
  pm_test_spin_until (dialog_mapped, NULL, 10000);
  dialog = GTK_WIDGET (find_toplevel (PM_TYPE_ONBOARDING_DIALOG));
  gtk_window_set_default_size (GTK_WINDOW (dialog), 560, 760);
  type_into (dialog, "url_row", sandbox_url);
  type_into (dialog, "key_row", PM_SANDBOX_DEMO_KEY);
  g_assert_true (gtk_widget_activate_action (dialog, "onboarding.next", NULL));
  pm_test_spin_until (not_busy, dialog, 15000);
  type_into (dialog, "name_row", "본점 1번 데스크");
  type_into (dialog, "shop_ledger_row", uri);
  type_into (dialog, "shop_password_row", "clerk-secret");
  press_test (dialog);
  g_assert_true (label_shown (field (dialog, "shop_ledger_status")));
  group = field (dialog, "shop_group");
  scroller = gtk_widget_get_ancestor (group, GTK_TYPE_SCROLLED_WINDOW);
  if (scroller != NULL)
    gtk_adjustment_set_value (gtk_scrolled_window_get_vadjustment (GTK_SCROLLED_WINDOW (scroller)),
                              0);
  screenshot (dialog, dir, ok_name);
  type_into (dialog, "shop_ledger_row", away);
  press_test (dialog);
  g_assert_true (label_shown (field (dialog, "shop_ledger_error")));
  screenshot (dialog, dir, away_name);
  gtk_window_destroy (GTK_WINDOW (dialog));
  pm_test_spin (100);
}

static void
test_screenshots (void)
{
  const char *dir = g_getenv ("PM_SHOP_LEDGER_SCREENSHOTS");
  g_autofree char *localedir = g_build_filename (g_getenv ("PM_BUILD_ROOT"), "po", NULL);
  g_autofree char *old_domain = NULL;
  g_autofree char *uri = NULL;
  g_autofree char *away = NULL;

  if (dir == NULL)
    {
      g_test_skip ("PM_SHOP_LEDGER_SCREENSHOTS is not set");
      return;
    }
  PM_TEST_PG_REQUIRE ();
  uri = pm_test_pg_new_database ("ui_shots");
  away = g_strdup ("postgresql://clerk@/shop?host=/nonexistent&port=5999");
  gtk_widget_set_visible (GTK_WIDGET (window), FALSE);
  shoot_dialog (dir, "en", uri, away);
  /* the window's sign of the ledger in use */
  {
    g_autoptr(PmProfile) shop = make_profile ("본점 공용", uri);

    pm_application_switch_profile (app, shop);
    gtk_window_set_default_size (GTK_WINDOW (window), 1000, 640);
    gtk_widget_set_visible (GTK_WIDGET (window), TRUE);
    screenshot (GTK_WIDGET (window), dir, "en-window");
    gtk_widget_set_visible (GTK_WIDGET (window), FALSE);
  }

  old_domain = g_strdup (textdomain (NULL));
  g_setenv ("LANGUAGE", "ko", TRUE);
  textdomain (GETTEXT_PACKAGE);
  bindtextdomain (GETTEXT_PACKAGE, localedir);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  shoot_dialog (dir, "ko", uri, away);
  g_unsetenv ("LANGUAGE");
  textdomain (old_domain);
  gtk_widget_set_visible (GTK_WIDGET (window), TRUE);
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GError) error = NULL;
  int ret;

  pm_test_init (&argc, &argv);
  app = pm_application_new ();
  g_application_set_flags (G_APPLICATION (app), G_APPLICATION_NON_UNIQUE);
  pm_application_set_use_sandbox (app, TRUE);
  g_application_register (G_APPLICATION (app), NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (pm_application_get_sandbox (app));
  pm_sandbox_set_payers (pm_application_get_sandbox (app), 0.0, 60, 60, 0.0);
  sandbox_url = pm_sandbox_dup_base_url (pm_application_get_sandbox (app));

  g_application_activate (G_APPLICATION (app));
  window = PM_WINDOW (gtk_application_get_active_window (GTK_APPLICATION (app)));
  g_assert_nonnull (window);

  g_test_add_func ("/shop-ledger/window-follows", test_window_follows_shop_ledger);
  g_test_add_func ("/shop-ledger/unreachable-banner", test_unreachable_shop_ledger_banner);
  g_test_add_func ("/shop-ledger/dialog-test-and-save", test_dialog_tests_and_saves);
  g_test_add_func ("/shop-ledger/preferences-edit", test_preferences_edit);
  g_test_add_func ("/shop-ledger/screenshots", test_screenshots);

  ret = g_test_run ();
  gtk_window_destroy (GTK_WINDOW (window));
  g_application_quit (G_APPLICATION (app));
  g_clear_object (&app);
  g_clear_pointer (&sandbox_url, g_free);
  pm_test_pg_drop_databases ();
  return ret;
}
