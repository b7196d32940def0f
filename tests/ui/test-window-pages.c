/* test-window-pages.c — the window's pages when each is first opened
 *
 * Copyright 2026 The Paymint Desk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * At start-up the window builds every page, but only the Payments page is styled and
 * measured for the first frame: the others keep their content hidden until they are
 * first shown. This checks that each one is still listed in the switcher from the start,
 * in its place, and that it works when it is first opened: its content shown, laid out
 * and showing what a new desk should see; and again after going back and forth.
 */

#include "config.h"

#include <adwaita.h>

#include "pm-application.h"
#include "pm-autopay-view.h"
#include "pm-payments-view.h"
#include "pm-plans-view.h"
#include "pm-summary-view.h"
#include "pm-test-gtk-util.h"
#include "pm-test-util.h"
#include "pm-window.h"

static PmApplication *app;
static PmWindow *window;

typedef struct
{
  const char *name;        /* the page's name in the view stack */
  const char *title;       /* its title in the switcher */
  const char *empty_title; /* what its empty state says on a new desk */
  GType     (*type) (void);
} Page;

static const Page pages[] = {
  { "payments", "Payments", NULL, pm_payments_view_get_type },
  { "autopay", "AutoPay", "No AutoPay Payers Yet", pm_autopay_view_get_type },
  { "summary", "Summary", "Nothing to Sum Up Yet", pm_summary_view_get_type },
  { "plans", "Plans", "No Monthly Plans Yet", pm_plans_view_get_type },
};

static gboolean
payments_shown (gpointer data)
{
  GtkWidget *view = pm_window_get_payments_view (window);

  return view != NULL && gtk_widget_get_mapped (view);
}

static AdwViewStack *
view_stack (void)
{
  GtkWidget *payments = pm_window_get_payments_view (window);

  return ADW_VIEW_STACK (gtk_widget_get_ancestor (payments, ADW_TYPE_VIEW_STACK));
}

/* The page's empty state, on screen and laid out, saying @page's empty title. */
static gboolean
empty_state_shown (gpointer data)
{
  const Page *page = data;
  GtkWidget *child = adw_view_stack_get_child_by_name (view_stack (), page->name);
  g_autoptr(GPtrArray) mapped = g_ptr_array_new ();

  pm_test_collect_mapped (child, ADW_TYPE_STATUS_PAGE, mapped);
  for (guint i = 0; i < mapped->len; i++)
    {
      GtkWidget *status = mapped->pdata[i];

      if (g_strcmp0 (adw_status_page_get_title (ADW_STATUS_PAGE (status)),
                     page->empty_title) == 0
          && gtk_widget_get_width (status) > 0 && gtk_widget_get_height (status) > 0)
        return TRUE;
    }
  return FALSE;
}

static void
open_page (const Page *page)
{
  AdwViewStack *stack = view_stack ();
  GtkWidget *child = adw_view_stack_get_child_by_name (stack, page->name);

  adw_view_stack_set_visible_child_name (stack, page->name);
  pm_test_spin_until (empty_state_shown, (gpointer) page, 10000);
  g_assert_true (gtk_widget_get_mapped (child));
  /* the whole page is laid out in the window, not only its empty state */
  g_assert_cmpint (gtk_widget_get_width (child), ==,
                   gtk_widget_get_width (GTK_WIDGET (stack)));
  pm_test_wait_for_draw (child);
}

static void
test_pages_first_opened (void)
{
  AdwViewStack *stack;
  GListModel *listed;

  pm_test_spin_until (payments_shown, NULL, 10000);
  pm_test_wait_for_draw (GTK_WIDGET (window));
  stack = view_stack ();

  /* every page is in the switcher from the start, in its place, with its title */
  listed = G_LIST_MODEL (adw_view_stack_get_pages (stack));
  g_assert_cmpuint (g_list_model_get_n_items (listed), ==, G_N_ELEMENTS (pages));
  for (guint i = 0; i < G_N_ELEMENTS (pages); i++)
    {
      g_autoptr(AdwViewStackPage) page = g_list_model_get_item (listed, i);
      GtkWidget *child = adw_view_stack_page_get_child (page);

      g_assert_cmpstr (adw_view_stack_page_get_name (page), ==, pages[i].name);
      g_assert_cmpstr (adw_view_stack_page_get_title (page), ==, pages[i].title);
      g_assert_true (adw_view_stack_page_get_visible (page));
      g_assert_true (G_TYPE_CHECK_INSTANCE_TYPE (child, pages[i].type ()));
      if (i == 0)
        continue;
      /* not shown yet: its content waits, neither styled nor measured */
      g_assert_false (gtk_widget_get_mapped (child));
      g_assert_false (gtk_widget_get_visible (gtk_widget_get_first_child (child)));
    }
  g_object_unref (listed);
  g_assert_cmpstr (adw_view_stack_get_visible_child_name (stack), ==, "payments");

  /* each page works when it is first opened */
  for (guint i = 1; i < G_N_ELEMENTS (pages); i++)
    open_page (&pages[i]);
  /* and again, after the others were shown */
  adw_view_stack_set_visible_child_name (stack, "payments");
  pm_test_spin_until (payments_shown, NULL, 10000);
  for (guint i = G_N_ELEMENTS (pages) - 1; i >= 1; i--)
    open_page (&pages[i]);
  /* the summary opened on the window's own summary view */
  g_assert_true (pm_window_get_summary_view (window)
                 == adw_view_stack_get_child_by_name (stack, "summary"));
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
  g_application_activate (G_APPLICATION (app));
  window = PM_WINDOW (gtk_application_get_active_window (GTK_APPLICATION (app)));
  g_assert_nonnull (window);
  gtk_window_set_default_size (GTK_WINDOW (window), 1000, 800);

  g_test_add_func ("/window-pages/first-opened", test_pages_first_opened);

  ret = g_test_run ();
  gtk_window_destroy (GTK_WINDOW (window));
  g_application_quit (G_APPLICATION (app));
  g_clear_object (&app);
  return ret;
}
