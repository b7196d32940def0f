/* test-window.c — the main window under a real display (Xvfb in CI)
 *
 * Copyright 2026 The Paymint Desk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <adwaita.h>

#include <glib/gi18n.h>

#include "pm-application.h"
#include "pm-payments-view.h"
#include "pm-preferences-window.h"
#include "pm-send-dialog.h"
#include "pm-test-gtk-util.h"
#include "pm-test-util.h"
#include "pm-ui.h"
#include "pm-window.h"

static PmApplication *app;

static gboolean
wait_for (gboolean (*predicate) (gpointer),
          gpointer  data)
{
  gint64 end = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;

  while (!predicate (data))
    {
      if (g_get_monotonic_time () > end)
        return FALSE;
      if (!g_main_context_iteration (NULL, FALSE))
        g_usleep (1000);
    }
  return TRUE;
}

static gboolean
is_mapped (gpointer widget)
{
  return gtk_widget_get_mapped (GTK_WIDGET (widget));
}

static GtkWidget *
find_widget (GtkWidget *root,
             GType      type)
{
  if (G_TYPE_CHECK_INSTANCE_TYPE (root, type))
    return root;
  for (GtkWidget *child = gtk_widget_get_first_child (root); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_widget (child, type);

      if (found != NULL)
        return found;
    }
  return NULL;
}

static void
collect_buttons (GtkWidget *root,
                 GPtrArray *out)
{
  if (GTK_IS_BUTTON (root))
    g_ptr_array_add (out, root);
  for (GtkWidget *c = gtk_widget_get_first_child (root); c != NULL; c = gtk_widget_get_next_sibling (c))
    collect_buttons (c, out);
}

static GtkWindow *
find_toplevel (GType type)
{
  GListModel *toplevels = gtk_window_get_toplevels ();  /* transfer none */

  g_object_ref (toplevels);
  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GtkWindow) window = g_list_model_get_item (toplevels, i);

      if (G_TYPE_CHECK_INSTANCE_TYPE (window, type) && gtk_widget_get_visible (GTK_WIDGET (window)))
        return window;
    }
  return NULL;
}

static gboolean
toplevel_shown (gpointer type)
{
  GtkWindow *window = find_toplevel (GPOINTER_TO_SIZE (type));

  return window != NULL && gtk_widget_get_mapped (GTK_WIDGET (window));
}

static GtkWindow *
main_window (void)
{
  GtkWindow *window;

  g_application_activate (G_APPLICATION (app));
  window = gtk_application_get_active_window (GTK_APPLICATION (app));
  g_assert_nonnull (window);
  g_assert_true (PM_IS_WINDOW (window));
  g_assert_true (wait_for (is_mapped, window));
  return window;
}

static void
test_window_empty_state (void)
{
  GtkWindow *window = main_window ();
  AdwStatusPage *page = ADW_STATUS_PAGE (find_widget (GTK_WIDGET (window), ADW_TYPE_STATUS_PAGE));
  AdwHeaderBar *header = ADW_HEADER_BAR (find_widget (GTK_WIDGET (window), ADW_TYPE_HEADER_BAR));

  g_assert_nonnull (header);
  g_assert_true (gtk_widget_get_mapped (GTK_WIDGET (header)));
  g_assert_nonnull (page);
  g_assert_true (gtk_widget_get_mapped (GTK_WIDGET (page)));
  /* no connection yet: the window says so and offers the sandbox */
  g_assert_cmpstr (adw_status_page_get_title (page), ==, "No Connection Yet");
  g_assert_nonnull (adw_status_page_get_description (page));
  g_assert_nonnull (pm_application_get_service (app));
  g_assert_null (pm_window_get_payments_view (PM_WINDOW (window)));
  {
    g_autoptr(GPtrArray) buttons = g_ptr_array_new ();
    gboolean connect = FALSE, sandbox = FALSE;

    collect_buttons (GTK_WIDGET (page), buttons);
    for (guint i = 0; i < buttons->len; i++)
      {
        const char *action = gtk_actionable_get_action_name (buttons->pdata[i]);

        connect |= g_strcmp0 (action, "app.add-connection") == 0;
        sandbox |= g_strcmp0 (action, "app.use-sandbox") == 0;
      }
    g_assert_true (connect);
    g_assert_true (sandbox);
  }
  g_assert_cmpstr (gtk_window_get_title (window), ==, "Paymint Desk");
  /* a development build marks itself */
  g_assert_true (gtk_widget_has_css_class (GTK_WIDGET (window), "devel")
                 == (g_strcmp0 (PROFILE, "development") == 0));
}

static gboolean
has_payments_view (gpointer window)
{
  return pm_window_get_payments_view (PM_WINDOW (window)) != NULL
         && gtk_widget_get_mapped (pm_window_get_payments_view (PM_WINDOW (window)));
}

static void
test_window_try_sandbox (void)
{
  GtkWindow *window = main_window ();
  GtkWidget *view;
  AdwStatusPage *page;

  /* the button on the empty state starts the built-in sandbox */
  g_action_group_activate_action (G_ACTION_GROUP (app), "use-sandbox", NULL);
  g_assert_true (wait_for (has_payments_view, window));
  g_assert_nonnull (pm_application_get_sandbox (app));
  g_assert_cmpstr (adw_view_switcher_title_get_subtitle (ADW_VIEW_SWITCHER_TITLE (adw_header_bar_get_title_widget (
                     ADW_HEADER_BAR (find_widget (GTK_WIDGET (window), ADW_TYPE_HEADER_BAR))))),
                   ==, "Sandbox");
  view = pm_window_get_payments_view (PM_WINDOW (window));
  page = ADW_STATUS_PAGE (find_widget (view, ADW_TYPE_STATUS_PAGE));
  g_assert_cmpstr (adw_status_page_get_title (page), ==, "No Payment Requests Yet");
  {
    /* one empty state, not a second one beside it for "no bill selected" */
    g_autoptr(GPtrArray) pages = g_ptr_array_new ();

    pm_test_wait_for_draw (view);
    pm_test_collect_mapped (GTK_WIDGET (window), ADW_TYPE_STATUS_PAGE, pages);
    g_assert_cmpuint (pages->len, ==, 1);
    g_assert_true (pages->pdata[0] == (gpointer) page);
  }
  {
    /* the empty list offers the next step */
    g_autoptr(GPtrArray) buttons = g_ptr_array_new ();

    collect_buttons (GTK_WIDGET (page), buttons);
    g_assert_cmpuint (buttons->len, ==, 1);
    g_assert_cmpstr (gtk_actionable_get_action_name (buttons->pdata[0]), ==, "app.new-request");
  }

  /* connected: Payments and AutoPay pages, switched from the header */
  {
    AdwViewSwitcherTitle *title = ADW_VIEW_SWITCHER_TITLE (find_widget (GTK_WIDGET (window),
                                                                         ADW_TYPE_VIEW_SWITCHER_TITLE));
    AdwViewStack *stack = adw_view_switcher_title_get_stack (title);

    g_assert_nonnull (stack);
    g_assert_nonnull (adw_view_stack_get_child_by_name (stack, "payments"));
    g_assert_nonnull (adw_view_stack_get_child_by_name (stack, "autopay"));
    adw_view_stack_set_visible_child_name (stack, "autopay");
    pm_test_spin (100);
    g_assert_true (gtk_widget_get_mapped (adw_view_stack_get_child_by_name (stack, "autopay")));
    adw_view_stack_set_visible_child_name (stack, "payments");
  }

  /* connected: New Request (Ctrl+N) opens the form */
  {
    g_auto(GStrv) accels = gtk_application_get_accels_for_action (GTK_APPLICATION (app),
                                                                  "app.new-request");
    GtkWindow *form;

    g_assert_cmpstr (accels[0], ==, "<Control>n");
    g_action_group_activate_action (G_ACTION_GROUP (app), "new-request", NULL);
    g_assert_true (wait_for (toplevel_shown, GSIZE_TO_POINTER (PM_TYPE_SEND_DIALOG)));
    form = find_toplevel (PM_TYPE_SEND_DIALOG);
    g_assert_true (gtk_window_get_transient_for (form) == window);
    gtk_window_destroy (form);
    pm_test_spin (50);
  }
}

static void
test_window_shortcuts (void)
{
  GtkWindow *window = main_window ();
  GtkWindow *shortcuts;

  g_assert_null (find_toplevel (GTK_TYPE_SHORTCUTS_WINDOW));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.show-help-overlay", NULL));
  g_assert_true (wait_for (toplevel_shown, GSIZE_TO_POINTER (GTK_TYPE_SHORTCUTS_WINDOW)));
  shortcuts = find_toplevel (GTK_TYPE_SHORTCUTS_WINDOW);
  g_assert_true (gtk_window_get_transient_for (shortcuts) == window);
  /* the accelerator the window lists is the one the app installed */
  {
    g_auto(GStrv) accels = gtk_application_get_accels_for_action (GTK_APPLICATION (app),
                                                                  "win.show-help-overlay");
    g_assert_cmpstr (accels[0], ==, "<Control>question");
  }
  gtk_window_close (shortcuts);
  pm_test_spin (50);
}

static void
test_window_about (void)
{
  GtkWindow *about;

  main_window ();
  g_action_group_activate_action (G_ACTION_GROUP (app), "about", NULL);
  g_assert_true (wait_for (toplevel_shown, GSIZE_TO_POINTER (ADW_TYPE_ABOUT_WINDOW)));
  about = find_toplevel (ADW_TYPE_ABOUT_WINDOW);
  g_assert_cmpstr (adw_about_window_get_application_name (ADW_ABOUT_WINDOW (about)), ==,
                   "Paymint Desk");
  g_assert_cmpstr (adw_about_window_get_version (ADW_ABOUT_WINDOW (about)), ==, PACKAGE_VERSION);
  gtk_window_destroy (about);
  pm_test_spin (50);
}

static void
test_window_preferences (void)
{
  GtkWindow *prefs;
  GSettings *settings = pm_application_get_settings (app);
  GtkSwitch *polling;

  main_window ();
  g_action_group_activate_action (G_ACTION_GROUP (app), "preferences", NULL);
  g_assert_true (wait_for (toplevel_shown, GSIZE_TO_POINTER (PM_TYPE_PREFERENCES_WINDOW)));
  prefs = find_toplevel (PM_TYPE_PREFERENCES_WINDOW);
  polling = GTK_SWITCH (find_widget (GTK_WIDGET (prefs), GTK_TYPE_SWITCH));
  g_assert_nonnull (polling);
  /* the switch shows the setting and writes it back */
  g_assert_true (gtk_switch_get_active (polling) == g_settings_get_boolean (settings, "polling-enabled"));
  gtk_switch_set_active (polling, !gtk_switch_get_active (polling));
  g_assert_true (gtk_switch_get_active (polling) == g_settings_get_boolean (settings, "polling-enabled"));
  g_settings_reset (settings, "polling-enabled");
  gtk_window_destroy (prefs);
  pm_test_spin (50);
}

static void
test_window_size_restored (void)
{
  GSettings *settings = pm_application_get_settings (app);
  PmWindow *window;
  int width = 0;
  int height = 0;

  g_settings_set_int (settings, "window-width", 777);
  g_settings_set_int (settings, "window-height", 555);
  g_settings_set_boolean (settings, "window-maximized", FALSE);

  window = pm_window_new (app);
  gtk_window_present (GTK_WINDOW (window));
  g_assert_true (wait_for (is_mapped, window));
  gtk_window_get_default_size (GTK_WINDOW (window), &width, &height);
  g_assert_cmpint (width, ==, 777);
  g_assert_cmpint (height, ==, 555);

  /* the user resizes, then closes: the new size is saved… */
  gtk_window_set_default_size (GTK_WINDOW (window), 640, 480);
  pm_test_spin (100);
  gtk_window_close (GTK_WINDOW (window));
  pm_test_spin (50);
  g_assert_cmpint (g_settings_get_int (settings, "window-width"), ==, 640);
  g_assert_cmpint (g_settings_get_int (settings, "window-height"), ==, 480);
  g_assert_false (g_settings_get_boolean (settings, "window-maximized"));

  /* …and the next window opens at that size */
  window = pm_window_new (app);
  gtk_window_get_default_size (GTK_WINDOW (window), &width, &height);
  g_assert_cmpint (width, ==, 640);
  g_assert_cmpint (height, ==, 480);
  gtk_window_destroy (GTK_WINDOW (window));
  pm_test_spin (50);
}


/* Every line of @label's layout after the first starts right after a space: no line
 * breaks inside a word. Returns the number of lines. */
static int
assert_breaks_at_spaces (GtkLabel *label)
{
  PangoLayout *layout = gtk_label_get_layout (label);
  const char *text = pango_layout_get_text (layout);
  GSList *lines = pango_layout_get_lines_readonly (layout);
  int n = 0;

  for (GSList *l = lines; l != NULL; l = l->next, n++)
    {
      PangoLayoutLine *line = l->data;

      if (l == lines)
        continue;
      g_assert_cmpint (line->start_index, >, 0);
      if (text[line->start_index - 1] != ' ')
        g_error ("line %d of “%s” starts inside a word: “%s”", n, text, text + line->start_index);
    }
  return n;
}

static gboolean
view_narrow (gpointer window)
{
  GtkWidget *view = pm_window_get_payments_view (PM_WINDOW (window));

  return view != NULL && pm_payments_view_get_narrow (PM_PAYMENTS_VIEW (view));
}

static gboolean
label_mapped (gpointer label)
{
  return gtk_widget_get_mapped (GTK_WIDGET (label));
}

static void
test_window_korean_wraps_at_spaces (void)
{
  g_autofree char *localedir = g_build_filename (g_getenv ("PM_BUILD_ROOT"), "po", NULL);
  const char *english = "Payment requests you send from this desk appear here with their live status.";
  const char *korean;
  GSettings *settings = pm_application_get_settings (app);
  PmWindow *window;
  GtkWidget *description;
  GtkWidget *totals;
  GtkWidget *small;
  const char *phrases[] = { "청구서 250건, ₩72,875,000", "— 결제 완료 178건 · ₩51,620,000",
                            "— 미결제 60건 · ₩17,000,000", "— 환불 12건 · ₩4,255,000", NULL };

  /* the window in Korean, narrow */
  g_autofree char *old_domain = g_strdup (textdomain (NULL));

  /* as main() sets it up, with the translations of this build */
  g_setenv ("LANGUAGE", "ko", TRUE);
  textdomain (GETTEXT_PACKAGE);
  bindtextdomain (GETTEXT_PACKAGE, localedir);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  korean = g_dgettext (GETTEXT_PACKAGE, english);
  g_assert_cmpstr (korean, !=, english);
  g_settings_set_int (settings, "window-width", 360);
  g_settings_set_int (settings, "window-height", 640);
  window = pm_window_new (app);
  gtk_window_present (GTK_WINDOW (window));
  g_assert_true (wait_for (is_mapped, window));
  pm_test_wait_for_frames_until (GTK_WIDGET (window), view_narrow, window, 5000);
  /* the header bar is compact now: the window narrows as far as it can */
  gtk_window_set_default_size (GTK_WINDOW (window), 360, 640);
  pm_test_wait_for_draw (GTK_WIDGET (window));
  pm_test_wait_for_draw (GTK_WIDGET (window));
  g_assert_cmpint (gtk_widget_get_width (GTK_WIDGET (window)), <, 440);

  /* the empty state's description: Korean, on several lines, each break at a space */
  description = pm_test_find_label (pm_window_get_payments_view (window), korean);
  g_assert_nonnull (description);
  pm_test_wait_for_draw (description);
  g_assert_cmpint (assert_breaks_at_spaces (GTK_LABEL (description)), >=, 2);

  /* the totals line: wraps between its parts, never inside one */
  totals = gtk_label_new (NULL);
  pm_ui_label_set_phrases (GTK_LABEL (totals), phrases);
  gtk_widget_set_size_request (totals, 260, -1);
  gtk_label_set_max_width_chars (GTK_LABEL (totals), 1);
  small = gtk_window_new ();
  gtk_window_set_child (GTK_WINDOW (small), totals);
  gtk_window_set_default_size (GTK_WINDOW (small), 260, 100);
  gtk_window_present (GTK_WINDOW (small));
  g_assert_true (wait_for (label_mapped, totals));
  pm_test_wait_for_draw (totals);
  g_assert_cmpint (assert_breaks_at_spaces (GTK_LABEL (totals)), >=, 2);
  {
    PangoLayout *layout = gtk_label_get_layout (GTK_LABEL (totals));
    const char *text = pango_layout_get_text (layout);

    /* a break only where one part ends and the next begins */
    for (GSList *l = pango_layout_get_lines_readonly (layout)->next; l != NULL; l = l->next)
      {
        PangoLayoutLine *line = l->data;

        g_assert_true (g_str_has_prefix (text + line->start_index, "— "));
      }
  }
  gtk_window_destroy (GTK_WINDOW (small));

  /* any label given the word-wrap helper, with a long Korean sentence */
  {
    GtkWidget *label = gtk_label_new ("결제선생으로 보낸 청구서는 결제가 완료되면 자동으로 상태가 바뀌며 "
                                      "환불이나 파기는 세부 정보에서 할 수 있습니다");

    pm_ui_label_wrap_words (GTK_LABEL (label));
    gtk_label_set_max_width_chars (GTK_LABEL (label), 1);
    gtk_widget_set_size_request (label, 150, -1);
    small = gtk_window_new ();
    gtk_window_set_child (GTK_WINDOW (small), label);
    gtk_window_set_default_size (GTK_WINDOW (small), 150, 100);
    gtk_window_present (GTK_WINDOW (small));
    g_assert_true (wait_for (label_mapped, label));
    pm_test_wait_for_draw (label);
    g_assert_cmpint (assert_breaks_at_spaces (GTK_LABEL (label)), >=, 4);
    /* the text changes: still whole words */
    gtk_label_set_label (GTK_LABEL (label), "자동결제 카드를 삭제하면 결제자를 목록에서 지울 수 있습니다");
    pm_test_wait_for_draw (label);
    g_assert_cmpint (assert_breaks_at_spaces (GTK_LABEL (label)), >=, 2);
    gtk_window_destroy (GTK_WINDOW (small));
  }

  gtk_window_destroy (GTK_WINDOW (window));
  g_settings_reset (settings, "window-width");
  g_settings_reset (settings, "window-height");
  g_unsetenv ("LANGUAGE");
  textdomain (old_domain);
  pm_test_spin (50);
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
  g_application_register (G_APPLICATION (app), NULL, &error);
  g_assert_no_error (error);

  g_test_add_func ("/window/empty-state", test_window_empty_state);
  g_test_add_func ("/window/shortcuts", test_window_shortcuts);
  g_test_add_func ("/window/about", test_window_about);
  g_test_add_func ("/window/preferences", test_window_preferences);
  g_test_add_func ("/window/size-restored", test_window_size_restored);
  g_test_add_func ("/window/try-sandbox", test_window_try_sandbox);
  g_test_add_func ("/window/korean-wraps-at-spaces", test_window_korean_wraps_at_spaces);

  ret = g_test_run ();
  g_application_quit (G_APPLICATION (app));
  g_clear_object (&app);
  return ret;
}
