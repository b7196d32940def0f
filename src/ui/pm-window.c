/* pm-window.c — the main window
 *
 * Copyright 2026 The Paymint Desk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n.h>

#include "pm-window.h"
#include "pm-autopay-view.h"
#include "pm-export-dialog.h"
#include "pm-ledger-model.h"
#include "pm-payments-view.h"
#include "pm-plans-view.h"
#include "pm-profile-switcher.h"
#include "pm-storage-banner.h"
#include "pm-summary-view.h"
#include "pm-ui.h"

struct _PmWindow
{
  AdwApplicationWindow  parent_instance;

  GSettings            *settings;
  PmService            *service;
  GtkWidget            *payments;
  GtkWidget            *autopay;
  GtkWidget            *summary;
  GtkWidget            *plans;

  /* Template widgets */
  AdwHeaderBar         *header_bar;
  AdwViewSwitcherTitle *switcher_title;
  AdwViewSwitcherBar   *switcher_bar;
  AdwViewStack         *view_stack;
  AdwToastOverlay      *toast_overlay;
  GtkStack             *main_stack;
  AdwStatusPage        *empty_page;
  GtkRevealer          *offline_revealer;
  PmStorageBanner      *storage_banner;
  GtkWidget            *search_button;
  GtkWidget            *refresh_button;
  GtkWidget            *ledger_sign;
  GtkWidget            *new_request_button;
  AdwButtonContent     *new_request_content;
  gboolean              narrow;
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

/* A narrow window (the payments list without its details beside it) gets a header bar
 * that fits 360 px: New Request as an icon (Ctrl+N and its tooltip say what it does),
 * the refresh button in the main menu (and F5). */
static void
update_narrow (PmWindow *self)
{
  gboolean connected = self->service != NULL && pm_service_get_profile (self->service) != NULL;

  self->narrow = self->payments != NULL
                 && pm_payments_view_get_narrow (PM_PAYMENTS_VIEW (self->payments));
  adw_button_content_set_label (self->new_request_content,
                                self->narrow ? "" : _("_New Request"));
  gtk_widget_set_visible (self->refresh_button, connected && !self->narrow);
}

/* An unpaid-by-age row of the Summary page: the Payments page with those bills.
 * The payments view filters by a day range and one state choice; "every unpaid bill,
 * expired or not" (PM_SUMMARY_UNPAID_STATES) is not one of its choices yet, so this
 * shows the range with the "Unpaid" choice (see pm_window_show_bills). */
static void
show_bills_cb (PmWindow *self,
               guint     states,
               gint64    created_from,
               gint64    created_to)
{
  pm_window_show_bills (self, states, created_from, created_to);
}

/* A period of a plan's history: the Payments page with every bill sent in its days.
 * The payments view has no batch filter yet, so @batch_id is not used: the days of the
 * run select its bills (and whatever else was sent those days). */
static void
show_plan_bills_cb (PmWindow   *self,
                    const char *batch_id,
                    gint64      created_from,
                    gint64      created_to)
{
  g_autoptr(GTimeZone) korea = NULL;
  g_autoptr(GDateTime) from_utc = NULL;
  g_autoptr(GDateTime) last_utc = NULL;
  g_autoptr(GDateTime) first = NULL;
  g_autoptr(GDateTime) last = NULL;

  if (self->payments == NULL || created_to <= created_from)
    return;
  korea = pm_bill_korea_time_zone ();
  from_utc = g_date_time_new_from_unix_utc (created_from);
  last_utc = g_date_time_new_from_unix_utc (created_to - 1);
  first = g_date_time_to_timezone (from_utc, korea);
  last = g_date_time_to_timezone (last_utc, korea);
  adw_view_stack_set_visible_child_name (self->view_stack, "payments");
  pm_payments_view_set_date_range (PM_PAYMENTS_VIEW (self->payments), first, last);
  pm_payments_view_set_state_filter (PM_PAYMENTS_VIEW (self->payments), 0);
}

/* The connection's name under the title, and whether its bills are the shop's (a ledger
 * every desk shares) or this desk's own: "본점 · Shop ledger", the address in a tooltip. */
static void
update_ledger_sign (PmWindow *self)
{
  PmProfile *profile = self->service != NULL ? pm_service_get_profile (self->service) : NULL;
  PmLedger *ledger = self->service != NULL ? pm_service_get_ledger (self->service) : NULL;
  g_autofree char *subtitle = NULL;
  g_autofree char *tooltip = NULL;

  if (profile != NULL && ledger != NULL && pm_ledger_is_shared (ledger))
    {
      /* Translators: a connection's name, then that its bills are kept in the ledger every
       * desk of the shop shares */
      subtitle = g_strdup_printf (_("%s · Shop ledger"), pm_profile_get_name (profile));
      /* Translators: %s is the shop ledger's address, without any password */
      tooltip = g_strdup_printf (_("Bills are kept in the shop ledger at %s, shared by every "
                                   "desk that uses it"), pm_ledger_get_path (ledger));
    }
  else if (profile != NULL)
    subtitle = g_strdup (pm_profile_get_name (profile));
  adw_view_switcher_title_set_subtitle (self->switcher_title, subtitle != NULL ? subtitle : "");
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->switcher_title), tooltip);
  gtk_widget_set_tooltip_text (self->ledger_sign, tooltip);
  gtk_widget_set_visible (self->ledger_sign, tooltip != NULL);
}

static void
update_connection (PmWindow *self)
{
  PmProfile *profile = self->service != NULL ? pm_service_get_profile (self->service) : NULL;
  gboolean connected = profile != NULL;

  update_ledger_sign (self);
  gtk_widget_set_visible (self->search_button, connected);
  gtk_widget_set_visible (self->refresh_button, connected);
  gtk_widget_set_visible (self->new_request_button, connected);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.search", connected);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.refresh-all", connected);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.export", connected);

  if (connected)
    {
      if (self->payments == NULL)
        {
          AdwViewStackPage *page;

          self->view_stack = ADW_VIEW_STACK (adw_view_stack_new ());
          self->payments = pm_payments_view_new (self->service);
          g_signal_connect_object (self->payments, "notify::narrow", G_CALLBACK (update_narrow),
                                   self, G_CONNECT_SWAPPED);
          page = adw_view_stack_add_titled (self->view_stack, self->payments, "payments",
                                            _("Payments"));
          adw_view_stack_page_set_icon_name (page, "view-list-symbolic");
          self->autopay = pm_autopay_view_new (self->service);
          page = adw_view_stack_add_titled (self->view_stack, self->autopay, "autopay",
                                            _("AutoPay"));
          adw_view_stack_page_set_icon_name (page, "x-office-calendar-symbolic");
          self->summary = pm_summary_view_new (self->service);
          g_signal_connect_object (self->summary, "show-bills", G_CALLBACK (show_bills_cb),
                                   self, G_CONNECT_SWAPPED);
          page = adw_view_stack_add_titled (self->view_stack, self->summary, "summary",
                                            _("Summary"));
          adw_view_stack_page_set_icon_name (page, "x-office-spreadsheet-symbolic");
          self->plans = pm_plans_view_new (self->service);
          g_signal_connect_object (self->plans, "show-bills", G_CALLBACK (show_plan_bills_cb),
                                   self, G_CONNECT_SWAPPED);
          page = adw_view_stack_add_titled (self->view_stack, self->plans, "plans",
                                            _("Plans"));
          adw_view_stack_page_set_icon_name (page, "media-playlist-repeat-symbolic");
          gtk_stack_add_named (self->main_stack, GTK_WIDGET (self->view_stack), "payments");
        }
      else
        pm_payments_view_reload (PM_PAYMENTS_VIEW (self->payments));
      adw_view_switcher_title_set_stack (self->switcher_title, self->view_stack);
      adw_view_switcher_bar_set_stack (self->switcher_bar, self->view_stack);
      gtk_stack_set_visible_child_name (self->main_stack, "payments");
    }
  else
    {
      adw_view_switcher_title_set_stack (self->switcher_title, NULL);
      adw_view_switcher_bar_set_stack (self->switcher_bar, NULL);
      gtk_stack_set_visible_child_name (self->main_stack, "empty");
    }
  update_narrow (self);
}

static void
update_online (PmWindow *self)
{
  gtk_revealer_set_reveal_child (self->offline_revealer,
                                 self->service != NULL && !pm_service_get_online (self->service));
}

static void
forward_to_payments_cb (GtkWidget  *widget,
                        const char *action_name,
                        GVariant   *parameter)
{
  PmWindow *self = PM_WINDOW (widget);

  if (self->payments == NULL)
    return;
  /* the AutoPay page has no refresh button of its own: the window's refreshes what is shown */
  if (g_str_equal (action_name, "win.refresh-all") && self->autopay != NULL
      && g_strcmp0 (adw_view_stack_get_visible_child_name (self->view_stack), "autopay") == 0)
    {
      gtk_widget_activate_action (self->autopay, "autopay.refresh", NULL);
      return;
    }
  /* Check Every Open Bill Now from the Summary page: its figures follow by themselves */
  if (g_str_equal (action_name, "win.refresh-all") && self->summary != NULL
      && g_strcmp0 (adw_view_stack_get_visible_child_name (self->view_stack), "summary") == 0)
    {
      gtk_widget_activate_action (self->payments, "view.refresh-all", NULL);
      return;
    }
  adw_view_stack_set_visible_child_name (self->view_stack, "payments");
  gtk_widget_activate_action (self->payments,
                              g_str_equal (action_name, "win.search") ? "view.search"
                                                                      : "view.refresh-all",
                              NULL);
}

/* Export what the Payments list shows: its filters, period and search, in its order. */
static void
export_cb (GtkWidget  *widget,
           const char *action_name,
           GVariant   *parameter)
{
  PmWindow *self = PM_WINDOW (widget);
  GListModel *model;

  if (self->payments == NULL || self->service == NULL)
    return;
  model = pm_payments_view_get_model (PM_PAYMENTS_VIEW (self->payments));
  if (!PM_IS_LEDGER_MODEL (model))
    return;
  pm_export_dialog_present (GTK_WINDOW (self), self->service,
                            pm_ledger_model_get_query (PM_LEDGER_MODEL (model)));
}

static gboolean
pm_window_close_request (GtkWindow *window)
{
  pm_window_save_state (PM_WINDOW (window));

  return GTK_WINDOW_CLASS (pm_window_parent_class)->close_request (window);
}

/* Called once the window belongs to @app ("application" is not a construct property,
 * so this cannot happen in constructed()). */
static void
pm_window_attach (PmWindow      *self,
                  PmApplication *app)
{
  const GError *error = pm_application_get_service_error (app);

  self->settings = g_object_ref (pm_application_get_settings (app));
  pm_window_restore_state (self);

  self->service = pm_application_get_service (app);
  if (self->service != NULL)
    {
      g_object_ref (self->service);
      g_signal_connect_object (self->service, "notify::profile",
                               G_CALLBACK (update_connection), self, G_CONNECT_SWAPPED);
      g_signal_connect_object (self->service, "notify::online",
                               G_CALLBACK (update_online), self, G_CONNECT_SWAPPED);
      g_signal_connect_object (self->service, "notify::ledger",
                               G_CALLBACK (update_ledger_sign), self, G_CONNECT_SWAPPED);
      /* a ledger that cannot be written pauses sending: the clerk sees it, not a log */
      pm_storage_banner_set_service (self->storage_banner, self->service);
    }
  if (error != NULL)
    {
      adw_status_page_set_icon_name (self->empty_page, "dialog-warning-symbolic");
      adw_status_page_set_title (self->empty_page, _("The Desk Could Not Start"));
      g_autofree char *escaped = g_markup_escape_text (error->message, -1);

      adw_status_page_set_description (self->empty_page, escaped);
    }
  update_connection (self);
  update_online (self);
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
  g_clear_object (&self->service);

  G_OBJECT_CLASS (pm_window_parent_class)->finalize (object);
}

static void
pm_window_class_init (PmWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  GtkWindowClass *window_class = GTK_WINDOW_CLASS (klass);

  pm_ui_ensure_resources ();
  g_type_ensure (PM_TYPE_PROFILE_SWITCHER);
  g_type_ensure (PM_TYPE_STORAGE_BANNER);

  object_class->dispose = pm_window_dispose;
  object_class->finalize = pm_window_finalize;
  window_class->close_request = pm_window_close_request;

  gtk_widget_class_set_template_from_resource (widget_class, RESOURCE_PATH "/pm-window.ui");
  gtk_widget_class_bind_template_child (widget_class, PmWindow, header_bar);
  gtk_widget_class_bind_template_child (widget_class, PmWindow, switcher_title);
  gtk_widget_class_bind_template_child (widget_class, PmWindow, switcher_bar);
  gtk_widget_class_bind_template_child (widget_class, PmWindow, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, PmWindow, main_stack);
  gtk_widget_class_bind_template_child (widget_class, PmWindow, empty_page);
  gtk_widget_class_bind_template_child (widget_class, PmWindow, offline_revealer);
  gtk_widget_class_bind_template_child (widget_class, PmWindow, storage_banner);
  gtk_widget_class_bind_template_child (widget_class, PmWindow, ledger_sign);
  gtk_widget_class_bind_template_child (widget_class, PmWindow, search_button);
  gtk_widget_class_bind_template_child (widget_class, PmWindow, refresh_button);
  gtk_widget_class_bind_template_child (widget_class, PmWindow, new_request_button);
  gtk_widget_class_bind_template_child (widget_class, PmWindow, new_request_content);

  gtk_widget_class_install_action (widget_class, "win.search", NULL, forward_to_payments_cb);
  gtk_widget_class_install_action (widget_class, "win.refresh-all", NULL, forward_to_payments_cb);
  gtk_widget_class_install_action (widget_class, "win.export", NULL, export_cb);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_f, GDK_CONTROL_MASK, "win.search", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_r, GDK_CONTROL_MASK, "win.refresh-all", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_e, GDK_CONTROL_MASK | GDK_SHIFT_MASK,
                                       "win.export", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_F5, 0, "win.refresh-all", NULL);
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

  PmWindow *self;

  self = g_object_new (PM_TYPE_WINDOW, "application", application, NULL);
  pm_window_attach (self, application);
  return self;
}

GtkWidget *
pm_window_get_payments_view (PmWindow *self)
{
  g_return_val_if_fail (PM_IS_WINDOW (self), NULL);

  return self->payments;
}

void
pm_window_add_toast (PmWindow *self,
                     AdwToast *toast)
{
  g_return_if_fail (PM_IS_WINDOW (self));
  g_return_if_fail (ADW_IS_TOAST (toast));

  adw_toast_overlay_add_toast (self->toast_overlay, toast);
}

GtkWidget *
pm_window_get_summary_view (PmWindow *self)
{
  g_return_val_if_fail (PM_IS_WINDOW (self), NULL);

  return self->summary;
}

void
pm_window_show_bills (PmWindow *self,
                      guint     states,
                      gint64    created_from,
                      gint64    created_to)
{
  g_autoptr(GTimeZone) korea = NULL;
  g_autoptr(GDateTime) from_utc = NULL;
  g_autoptr(GDateTime) last_utc = NULL;
  g_autoptr(GDateTime) first = NULL;
  g_autoptr(GDateTime) last = NULL;

  g_return_if_fail (PM_IS_WINDOW (self));

  if (self->payments == NULL || created_to <= created_from)
    return;
  korea = pm_bill_korea_time_zone ();
  from_utc = g_date_time_new_from_unix_utc (created_from);
  last_utc = g_date_time_new_from_unix_utc (created_to - 1);
  first = g_date_time_to_timezone (from_utc, korea);
  last = g_date_time_to_timezone (last_utc, korea);
  adw_view_stack_set_visible_child_name (self->view_stack, "payments");
  pm_payments_view_set_date_range (PM_PAYMENTS_VIEW (self->payments), first, last);
  /* 5: expired only; 1: unpaid, not expired; 8: every unpaid bill, expired or not
   * (PM_SUMMARY_UNPAID_STATES, what the Summary's age rows count) */
  pm_payments_view_set_state_filter (PM_PAYMENTS_VIEW (self->payments),
                                     states == PM_LEDGER_STATE_EXPIRED ? 5
                                     : (states & PM_LEDGER_STATE_EXPIRED) != 0 ? 8 : 1);
}
