/* pm-plans-view.c — the Plans page: monthly billing plans, their next run and history
 *
 * Copyright 2026 The Paymint Desk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The clock is read here (or taken from pm_plans_view_set_now) and passed to the store.
 * The store makes "one bill per payer per month" true; this page only decides when to
 * ask: due runs at once, missed ones when a person says so.
 */

#include "config.h"

#include <glib/gi18n.h>

#include "pm-plans-view.h"
#include "pm-error.h"
#include "pm-money.h"
#include "pm-phone.h"
#include "pm-plan-dialog.h"
#include "pm-ui.h"

#define CHECK_INTERVAL    60     /* seconds between looks for due runs */
#define MAX_PREVIEW_ROWS  200
#define MAX_HISTORY_ROWS  24

struct _PmPlansView
{
  GtkWidget            parent_instance;

  PmService           *service;
  PmPlanStore         *store;
  GError              *store_error;
  GCancellable        *cancellable;
  gint64               now_override;
  guint                check_id;
  guint                reload_id;
  gboolean             busy;
  char                *selected;      /* uuid */
  char                *target;        /* the period Send Now and Skip act on */
  char                *preview_total;
  char                *last_notification;
  guint                n_notifications;
  gboolean             selecting;
  gboolean             watching_bills; /* "bill-changed" of the service connected */

  AdwToastOverlay     *toast_overlay;
  GtkStack            *stack;
  AdwStatusPage       *empty_page;
  AdwPreferencesGroup *missed_group;
  GtkListBox          *missed_list;
  AdwPreferencesGroup *plans_group;
  GtkListBox          *plans_list;
  GtkWidget           *detail_box;
  AdwPreferencesGroup *detail_group;
  GtkButton           *run_button;
  GtkButton           *skip_button;
  GtkButton           *pause_button;
  GtkButton           *remove_button;
  AdwPreferencesGroup *preview_group;
  GtkListBox          *preview_list;
  AdwPreferencesGroup *history_group;
  GtkListBox          *history_list;
};

G_DEFINE_FINAL_TYPE (PmPlansView, pm_plans_view, GTK_TYPE_WIDGET)

enum { PROP_0, PROP_BUSY, N_PROPS };
static GParamSpec *properties[N_PROPS];
enum { SHOW_BILLS, UPDATED, RUN_FINISHED, N_SIGNALS };
static guint signals[N_SIGNALS];

static gint64
now (PmPlansView *self)
{
  return self->now_override != 0 ? self->now_override : g_get_real_time () / G_USEC_PER_SEC;
}

static const char *
profile_id (PmPlansView *self)
{
  return self->service != NULL ? pm_service_get_profile_id (self->service) : NULL;
}

static void open_store (PmPlansView *self);

static gboolean
connected (PmPlansView *self)
{
  return self->service != NULL && pm_service_get_profile (self->service) != NULL
         && self->store != NULL;
}

/* The empty page: no plans yet, with its New Plan button; or, with @problem, why plans
 * cannot be shown here (a ledger that does not keep them, one that cannot be read). */
static void
show_empty_page (PmPlansView *self,
                 const char  *title,
                 const char  *problem)
{
  GtkWidget *button = adw_status_page_get_child (self->empty_page);

  if (problem == NULL)
    {
      adw_status_page_set_icon_name (self->empty_page, "media-playlist-repeat-symbolic");
      adw_status_page_set_title (self->empty_page, _("No Monthly Plans Yet"));
      adw_status_page_set_description (self->empty_page,
                                       _("A plan sends the same bills to the same payers every "
                                         "month, on the day you choose — each month exactly "
                                         "once."));
    }
  else
    {
      adw_status_page_set_icon_name (self->empty_page, "dialog-information-symbolic");
      g_autofree char *escaped = g_markup_escape_text (problem, -1);

      /* markup: a shop ledger's address has "&" in it */
      adw_status_page_set_title (self->empty_page, title);
      adw_status_page_set_description (self->empty_page, escaped);
    }
  if (button != NULL)
    gtk_widget_set_visible (button, problem == NULL);
  gtk_stack_set_visible_child_name (self->stack, "empty");
}

static void
toast (PmPlansView *self,
       const char  *text)
{
  g_autofree char *escaped = g_markup_escape_text (text, -1);
  AdwToast *t = adw_toast_new (escaped);

  adw_toast_set_timeout (t, 6);
  adw_toast_overlay_add_toast (self->toast_overlay, t);
}

static void
set_busy (PmPlansView *self,
          gboolean     busy)
{
  if (self->busy == busy)
    return;
  self->busy = busy;
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "plans.run", !busy);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "plans.skip", !busy);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "plans.bill-again", !busy);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_BUSY]);
}

static void
notify_run (PmPlansView           *self,
            const PmPlanRunReport *report)
{
  g_autoptr(GNotification) notification = NULL;
  g_autofree char *id = NULL;
  GApplication *app = g_application_get_default ();

  g_free (self->last_notification);
  self->last_notification = pm_plan_run_report_dup_summary (report);
  self->n_notifications++;
  if (app == NULL || !g_application_get_is_registered (app))
    return;
  notification = g_notification_new (self->last_notification);
  g_notification_set_default_action (notification, "app.activate");
  id = g_strdup_printf ("plan-run-%s-%s", report->plan_uuid, report->period);
  g_application_send_notification (app, id, notification);
}

/* "Every month on day 5 at 10:00" */
static char *
schedule_text (PmPlan *plan)
{
  g_autofree char *time = pm_plan_format_time (pm_plan_get_time (plan));

  if (pm_plan_get_day (plan) == PM_PLAN_DAY_LAST)
    return g_strdup_printf (_("Every month on the last day at %s"), time);
  return g_strdup_printf (_("Every month on day %d at %s"), pm_plan_get_day (plan), time);
}

/* "2026-04-05 10:00" (Korea time) */
static char *
korea_time_text (gint64 unix_utc)
{
  g_autoptr(GTimeZone) korea = pm_bill_korea_time_zone ();
  g_autoptr(GDateTime) utc = g_date_time_new_from_unix_utc (unix_utc);
  g_autoptr(GDateTime) local = g_date_time_to_timezone (utc, korea);

  return g_date_time_format (local, "%Y-%m-%d %H:%M");
}

static void
clear_list (GtkListBox *list)
{
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (list))) != NULL)
    {
      if (!GTK_IS_LIST_BOX_ROW (child))
        break;
      gtk_list_box_remove (list, child);
    }
}

static GtkWidget *
suffix_label (const char *text,
              const char *css)
{
  GtkWidget *label = gtk_label_new (text);

  gtk_widget_set_valign (label, GTK_ALIGN_CENTER);
  if (css != NULL)
    gtk_widget_add_css_class (label, css);
  return label;
}

static GtkWidget *
action_button (const char *label,
               const char *action,
               GVariant   *target,
               const char *css)
{
  GtkWidget *button = gtk_button_new_with_mnemonic (label);

  gtk_widget_set_valign (button, GTK_ALIGN_CENTER);
  gtk_actionable_set_action_name (GTK_ACTIONABLE (button), action);
  gtk_actionable_set_action_target_value (GTK_ACTIONABLE (button), target);
  if (css != NULL)
    gtk_widget_add_css_class (button, css);
  return button;
}

/* ---- missed runs (the banner) ---- */

static GPtrArray *
due_runs (PmPlansView *self)
{
  g_autoptr(GError) error = NULL;
  GPtrArray *runs;

  runs = pm_plan_store_due_runs (self->store, profile_id (self), now (self),
                                 PM_PLAN_DEFAULT_GRACE, &error);
  if (runs == NULL)
    g_warning ("Could not read the due runs: %s", error->message);
  return runs;
}

static void
fill_missed (PmPlansView *self,
             GPtrArray   *runs)
{
  guint n = 0;

  clear_list (self->missed_list);
  for (guint i = 0; runs != NULL && i < runs->len; i++)
    {
      PmPlanRunInfo *info = g_ptr_array_index (runs, i);
      g_autofree char *text = NULL;
      g_autofree char *escaped = NULL;
      GtkWidget *row;
      GtkWidget *box;

      if (info->state != PM_PLAN_RUN_MISSED)
        continue;
      text = pm_plan_run_info_dup_missed_text (info);
      escaped = g_markup_escape_text (text, -1);
      row = adw_action_row_new ();
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), escaped);
      adw_action_row_set_title_lines (ADW_ACTION_ROW (row), 3);
      adw_action_row_add_prefix (ADW_ACTION_ROW (row),
                                 gtk_image_new_from_icon_name ("dialog-warning-symbolic"));
      /* stacked: the row fits a narrow window */
      box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);
      gtk_widget_set_valign (box, GTK_ALIGN_CENTER);
      gtk_widget_set_margin_top (box, 6);
      gtk_widget_set_margin_bottom (box, 6);
      gtk_box_append (GTK_BOX (box),
                      action_button (_("_Send Now"), "plans.run",
                                     g_variant_new ("(ss)", info->plan_uuid, info->period),
                                     "suggested-action"));
      gtk_box_append (GTK_BOX (box),
                      action_button (_("S_kip This Month"), "plans.skip",
                                     g_variant_new ("(ss)", info->plan_uuid, info->period),
                                     NULL));
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), box);
      gtk_widget_add_css_class (row, "warning");
      gtk_list_box_append (self->missed_list, row);
      n++;
    }
  gtk_widget_set_visible (GTK_WIDGET (self->missed_group), n > 0);
}

/* ---- the selected plan ---- */

static PmPlanRunInfo *
find_due (GPtrArray  *runs,
          const char *uuid)
{
  for (guint i = 0; runs != NULL && i < runs->len; i++)
    {
      PmPlanRunInfo *info = g_ptr_array_index (runs, i);

      if (g_strcmp0 (info->plan_uuid, uuid) == 0)
        return info;
    }
  return NULL;
}

static void
fill_preview (PmPlansView *self,
              PmPlan      *plan,
              const char  *period,
              gboolean     due)
{
  g_autoptr(GPtrArray) rows = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *when = NULL;
  g_autofree char *title = NULL;
  g_autofree char *figures = NULL;
  g_autofree char *words = NULL;
  g_autofree char *description = NULL;
  gint64 total = 0;
  guint n_problems = 0;

  clear_list (self->preview_list);
  g_clear_pointer (&self->preview_total, g_free);
  if (period == NULL)
    {
      adw_preferences_group_set_title (self->preview_group, _("No Next Run"));
      adw_preferences_group_set_description (self->preview_group,
                                             _("This plan has reached its last month."));
      return;
    }
  when = korea_time_text (pm_plan_due_at (plan, period));
  title = due ? g_strdup_printf (_("Due Now: %s (since %s)"), period, when)
              : g_strdup_printf (_("Next Run: %s (on %s)"), period, when);
  adw_preferences_group_set_title (self->preview_group, title);

  rows = pm_plan_store_preview (self->store, pm_plan_get_uuid (plan), period, now (self),
                                &error);
  if (rows == NULL)
    {
      g_autofree char *escaped = g_markup_escape_text (error->message, -1);

      adw_preferences_group_set_description (self->preview_group, escaped);
      return;
    }
  for (guint i = 0; i < rows->len; i++)
    {
      PmPlanBillRow *r = g_ptr_array_index (rows, i);
      g_autofree char *amount = pm_money_format (r->payer->amount);
      g_autofree char *name = NULL;
      g_autofree char *phone = NULL;
      g_autofree char *subtitle = NULL;
      GtkWidget *row;

      total += r->payer->amount;
      if (r->problem != NULL)
        n_problems++;
      if (i >= MAX_PREVIEW_ROWS)
        continue;
      row = adw_action_row_new ();
      phone = pm_phone_format_display (r->payer->phone);
      name = g_markup_printf_escaped ("%s · %s", r->payer->name, phone);
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), name);
      if (r->problem != NULL)
        {
          subtitle = g_markup_escape_text (r->problem, -1);
          gtk_widget_add_css_class (row, "error");
          adw_action_row_add_prefix (ADW_ACTION_ROW (row),
                                     gtk_image_new_from_icon_name ("dialog-warning-symbolic"));
        }
      else if (r->bill != NULL)
        subtitle = g_markup_printf_escaped ("%s — %s", pm_bill_get_product (r->bill),
                                            pm_bill_get_message (r->bill));
      if (subtitle != NULL)
        adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
      adw_action_row_set_subtitle_lines (ADW_ACTION_ROW (row), 2);
      if (r->in_ledger && r->bill != NULL)
        adw_action_row_add_suffix (ADW_ACTION_ROW (row),
                                   suffix_label (pm_bill_state_get_label (pm_bill_get_state (r->bill)),
                                                 "dim-label"));
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), suffix_label (amount, "numeric"));
      gtk_list_box_append (self->preview_list, row);
    }
  if (rows->len > MAX_PREVIEW_ROWS)
    {
      GtkWidget *row = adw_action_row_new ();
      g_autofree char *more = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "and %u more bill",
                                                            "and %u more bills",
                                                            rows->len - MAX_PREVIEW_ROWS),
                                               rows->len - MAX_PREVIEW_ROWS);

      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), more);
      gtk_list_box_append (self->preview_list, row);
    }
  figures = pm_money_format (total);
  words = pm_money_format_korean (total);
  self->preview_total = g_strdup_printf ("%s (%s)", figures, words);
  description = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                              "%u bill, %s in all",
                                              "%u bills, %s in all", rows->len),
                                 rows->len, self->preview_total);
  if (n_problems > 0)
    {
      g_autofree char *with = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                                            "%s — %u will be refused: see the "
                                                            "marked row",
                                                            "%s — %u will be refused: see the "
                                                            "marked rows", n_problems),
                                               description, n_problems);

      g_free (description);
      description = g_steal_pointer (&with);
    }
  adw_preferences_group_set_description (self->preview_group, description);
}

static gboolean
can_bill_again (PmBillState state)
{
  return state == PM_BILL_STATE_DESTROYED || state == PM_BILL_STATE_CANCELLED
         || state == PM_BILL_STATE_FAILED || state == PM_BILL_STATE_NOT_SENT;
}

static void
fill_history (PmPlansView *self,
              PmPlan      *plan)
{
  g_autoptr(GPtrArray) runs = NULL;
  g_autoptr(GError) error = NULL;
  const char *uuid = pm_plan_get_uuid (plan);
  g_autoptr(GHashTable) expanded = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  /* the periods open now stay open when the same plan is shown again */
  for (GtkWidget *c = gtk_widget_get_first_child (GTK_WIDGET (self->history_list)); c != NULL;
       c = gtk_widget_get_next_sibling (c))
    if (ADW_IS_EXPANDER_ROW (c) && adw_expander_row_get_expanded (ADW_EXPANDER_ROW (c))
        && g_strcmp0 (g_object_get_data (G_OBJECT (c), "pm-uuid"), uuid) == 0)
      g_hash_table_add (expanded, g_strdup (g_object_get_data (G_OBJECT (c), "pm-period")));
  clear_list (self->history_list);
  runs = pm_plan_store_list_runs (self->store, uuid, &error);
  if (runs == NULL)
    {
      g_autofree char *escaped = g_markup_escape_text (error->message, -1);

      adw_preferences_group_set_description (self->history_group, escaped);
      return;
    }
  adw_preferences_group_set_description (self->history_group, NULL);
  for (guint i = 0; i < runs->len && i < MAX_HISTORY_ROWS; i++)
    {
      PmPlanRunInfo *info = g_ptr_array_index (runs, i);
      g_autoptr(GPtrArray) bills = NULL;
      g_autofree char *won = pm_money_format (info->won_sent);
      g_autofree char *title = NULL;
      g_autofree char *subtitle = NULL;
      guint n_paid = 0, n_unpaid = 0;
      GtkWidget *expander;
      GtkWidget *show;
      g_autoptr(GHashTable) newest = g_hash_table_new (g_str_hash, g_str_equal);

      bills = pm_plan_store_list_bills (self->store, uuid, info->period, NULL);
      for (guint b = 0; bills != NULL && b < bills->len; b++)
        {
          PmPlanBillRow *r = g_ptr_array_index (bills, b);
          PmPlanBillRow *seen = g_hash_table_lookup (newest, r->payer->phone);

          /* each payer's newest revision: the one "bill again" looks at */
          if (seen == NULL || seen->revision < r->revision)
            g_hash_table_insert (newest, r->payer->phone, r);

          if (r->bill == NULL)
            continue;
          if (pm_bill_get_state (r->bill) == PM_BILL_STATE_PAID)
            n_paid++;
          else if (pm_bill_get_state (r->bill) == PM_BILL_STATE_UNPAID)
            n_unpaid++;
        }
      title = g_markup_printf_escaped ("%s · %s", info->period,
                                       pm_plan_run_state_get_label (info->state));
      if (bills == NULL || bills->len == 0)
        {
          GtkWidget *plain = adw_action_row_new ();

          adw_preferences_row_set_title (ADW_PREFERENCES_ROW (plain), title);
          adw_action_row_set_subtitle (ADW_ACTION_ROW (plain),
                                       info->state == PM_PLAN_RUN_SKIPPED
                                       ? _("Skipped: nobody was billed for this month")
                                       : _("No bills yet"));
          gtk_list_box_append (self->history_list, plain);
          continue;
        }
      subtitle = g_strdup_printf (_("%u sent (%s) · %u paid · %u unpaid · %u not sent"),
                                  info->n_sent, won, n_paid, n_unpaid, info->n_failed);
      expander = adw_expander_row_new ();
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (expander), title);
      adw_expander_row_set_subtitle (ADW_EXPANDER_ROW (expander), subtitle);
      g_object_set_data_full (G_OBJECT (expander), "pm-period", g_strdup (info->period), g_free);
      g_object_set_data_full (G_OBJECT (expander), "pm-uuid", g_strdup (uuid), g_free);
      adw_expander_row_set_expanded (ADW_EXPANDER_ROW (expander),
                                     g_hash_table_contains (expanded, info->period));

      show = adw_action_row_new ();
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (show), _("Show These Bills in Payments"));
      adw_action_row_add_suffix (ADW_ACTION_ROW (show),
                                 gtk_image_new_from_icon_name ("go-next-symbolic"));
      gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (show), TRUE);
      gtk_actionable_set_action_name (GTK_ACTIONABLE (show), "plans.show-period");
      gtk_actionable_set_action_target (GTK_ACTIONABLE (show), "(ss)", uuid, info->period);
      adw_expander_row_add_row (ADW_EXPANDER_ROW (expander), show);

      for (guint b = 0; bills != NULL && b < bills->len && b < MAX_PREVIEW_ROWS; b++)
        {
          PmPlanBillRow *r = g_ptr_array_index (bills, b);
          g_autofree char *phone = pm_phone_format_display (r->payer->phone);
          g_autofree char *name = g_markup_printf_escaped ("%s · %s", r->payer->name, phone);
          GtkWidget *row = adw_action_row_new ();
          const char *state = r->bill != NULL
                              ? pm_bill_state_get_label (pm_bill_get_state (r->bill))
                              : _("Not written");

          adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), name);
          if (r->revision > 0)
            {
              g_autofree char *rev = g_strdup_printf (_("Billed again (%u)"), r->revision);

              adw_action_row_set_subtitle (ADW_ACTION_ROW (row), rev);
            }
          adw_action_row_add_suffix (ADW_ACTION_ROW (row), suffix_label (state, "dim-label"));
          if (r->bill != NULL)
            {
              g_autofree char *amount = pm_money_format (pm_bill_get_price (r->bill));

              adw_action_row_add_suffix (ADW_ACTION_ROW (row), suffix_label (amount, "numeric"));
            }
          if (g_hash_table_lookup (newest, r->payer->phone) == r
              && (r->bill == NULL || can_bill_again (pm_bill_get_state (r->bill))))
            adw_action_row_add_suffix (ADW_ACTION_ROW (row),
                                       action_button (_("_Bill Again"), "plans.bill-again",
                                                      g_variant_new ("(sss)", uuid,
                                                                     info->period,
                                                                     r->payer->phone),
                                                      NULL));
          adw_expander_row_add_row (ADW_EXPANDER_ROW (expander), row);
        }
      gtk_list_box_append (self->history_list, expander);
    }
}

static void
fill_details (PmPlansView *self,
              GPtrArray   *due)
{
  g_autoptr(PmPlan) plan = NULL;
  g_autofree char *schedule = NULL;
  g_autofree char *escaped = NULL;
  g_autofree char *next = NULL;
  PmPlanRunInfo *due_info;
  gboolean is_due;

  g_clear_pointer (&self->target, g_free);
  if (self->selected != NULL)
    plan = pm_plan_store_lookup (self->store, self->selected, NULL);
  gtk_widget_set_visible (self->detail_box, plan != NULL);
  if (plan == NULL)
    {
      g_clear_pointer (&self->selected, g_free);
      g_clear_pointer (&self->preview_total, g_free);
      return;
    }

  escaped = g_markup_escape_text (pm_plan_get_name (plan), -1);
  adw_preferences_group_set_title (self->detail_group, escaped);
  schedule = schedule_text (plan);
  adw_preferences_group_set_description (self->detail_group, schedule);

  due_info = find_due (due, self->selected);
  is_due = due_info != NULL;
  next = is_due ? g_strdup (due_info->period)
                : pm_plan_store_next_period (self->store, plan, now (self), NULL);
  self->target = g_strdup (next);

  gtk_widget_set_sensitive (GTK_WIDGET (self->run_button), is_due && !self->busy);
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->run_button),
                               is_due ? NULL : _("Nothing is due: the next month is sent on "
                                                 "its day"));
  gtk_widget_set_sensitive (GTK_WIDGET (self->skip_button), next != NULL);
  gtk_button_set_label (self->pause_button, pm_plan_get_paused (plan) ? _("_Resume")
                                                                      : _("_Pause"));
  fill_preview (self, plan, next, is_due);
  fill_history (self, plan);
}

/* ---- the list of plans ---- */

static GtkWidget *
plan_row (PmPlansView *self,
          PmPlan      *plan,
          GPtrArray   *due)
{
  GtkWidget *row = adw_action_row_new ();
  g_autofree char *title = g_markup_escape_text (pm_plan_get_name (plan), -1);
  g_autofree char *schedule = schedule_text (plan);
  g_autofree char *total = pm_money_format (pm_plan_get_total (plan));
  g_autofree char *payers = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                                          "%u payer, %s a month",
                                                          "%u payers, %s a month",
                                                          pm_plan_get_n_payers (plan)),
                                             pm_plan_get_n_payers (plan), total);
  g_autofree char *next = pm_plan_store_next_period (self->store, plan, now (self), NULL);
  g_autofree char *subtitle = NULL;
  g_autofree char *state = NULL;
  PmPlanRunInfo *waiting = find_due (due, pm_plan_get_uuid (plan));
  GtkWidget *label;

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  if (pm_plan_get_paused (plan))
    state = g_strdup (_("Paused"));
  else if (waiting != NULL && waiting->state == PM_PLAN_RUN_MISSED)
    state = g_strdup_printf (_("Not sent: %s"), waiting->period);
  else if (next == NULL)
    state = g_strdup (_("Ended"));
  else
    state = g_strdup (_("Active"));
  if (next != NULL && !pm_plan_get_paused (plan))
    {
      g_autofree char *when = korea_time_text (pm_plan_due_at (plan, next));
      g_autofree char *next_text = g_strdup_printf (_("next %s"), when);

      subtitle = g_strdup_printf ("%s · %s · %s", schedule, payers, next_text);
    }
  else
    subtitle = g_strdup_printf ("%s · %s", schedule, payers);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
  label = suffix_label (state, pm_plan_get_paused (plan) || next == NULL ? "dim-label" : NULL);
  if (!pm_plan_get_paused (plan) && waiting != NULL && waiting->state == PM_PLAN_RUN_MISSED)
    gtk_widget_add_css_class (label, "warning");
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), label);
  gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (row), TRUE);
  g_object_set_data_full (G_OBJECT (row), "pm-uuid", g_strdup (pm_plan_get_uuid (plan)), g_free);
  return row;
}

void
pm_plans_view_reload (PmPlansView *self)
{
  g_autoptr(GPtrArray) plans = NULL;
  g_autoptr(GPtrArray) due = NULL;
  g_autoptr(GError) error = NULL;
  GtkListBoxRow *keep = NULL;

  g_return_if_fail (PM_IS_PLANS_VIEW (self));

  g_clear_handle_id (&self->reload_id, g_source_remove);
  /* a ledger that could not be opened for plans (a shop ledger whose server was away)
   * is tried again: after Retry, or once it answers */
  if (self->store == NULL && self->service != NULL
      && pm_service_get_profile (self->service) != NULL)
    open_store (self);
  if (self->service != NULL && pm_service_get_profile (self->service) != NULL
      && self->store == NULL && self->store_error != NULL)
    {
      /* say why, where the plans would be, and offer nothing */
      show_empty_page (self, _("Monthly Plans Are Not Available"), self->store_error->message);
      return;
    }
  if (!connected (self))
    {
      show_empty_page (self, NULL, NULL);
      return;
    }
  plans = pm_plan_store_list (self->store, profile_id (self), &error);
  if (plans == NULL)
    {
      show_empty_page (self, _("Plans Could Not Be Read"), error->message);
      return;
    }
  due = due_runs (self);
  fill_missed (self, due);

  self->selecting = TRUE;
  clear_list (self->plans_list);
  for (guint i = 0; i < plans->len; i++)
    {
      PmPlan *plan = g_ptr_array_index (plans, i);
      GtkWidget *row = plan_row (self, plan, due);

      gtk_list_box_append (self->plans_list, row);
      if (g_strcmp0 (self->selected, pm_plan_get_uuid (plan)) == 0)
        keep = GTK_LIST_BOX_ROW (row);
    }
  if (keep == NULL && plans->len > 0)
    {
      keep = gtk_list_box_get_row_at_index (self->plans_list, 0);
      g_free (self->selected);
      self->selected = g_strdup (g_object_get_data (G_OBJECT (keep), "pm-uuid"));
    }
  gtk_list_box_select_row (self->plans_list, keep);
  self->selecting = FALSE;
  if (keep == NULL)
    g_clear_pointer (&self->selected, g_free);

  if (plans->len > 0 || gtk_widget_get_visible (GTK_WIDGET (self->missed_group)))
    gtk_stack_set_visible_child_name (self->stack, "plans");
  else
    show_empty_page (self, NULL, NULL);
  fill_details (self, due);
  g_signal_emit (self, signals[UPDATED], 0);
}

static gboolean
reload_timeout_cb (gpointer data)
{
  PmPlansView *self = data;

  self->reload_id = 0;
  pm_plans_view_reload (self);
  return G_SOURCE_REMOVE;
}

static void
schedule_reload (PmPlansView *self)
{
  if (self->reload_id == 0)
    self->reload_id = g_timeout_add (300, reload_timeout_cb, self);
}

static void
plan_selected_cb (PmPlansView   *self,
                  GtkListBoxRow *row)
{
  g_autoptr(GPtrArray) due = NULL;

  if (self->selecting || row == NULL)
    return;
  g_free (self->selected);
  self->selected = g_strdup (g_object_get_data (G_OBJECT (row), "pm-uuid"));
  due = due_runs (self);
  fill_details (self, due);
}

/* ---- due runs ---- */

static void
due_done_cb (GObject      *object,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(PmPlansView) self = user_data;
  g_autoptr(GPtrArray) reports = NULL;
  g_autoptr(GError) error = NULL;
  guint n_missed = 0;

  reports = pm_plan_store_run_due_finish (PM_PLAN_STORE (object), result, &n_missed, &error);
  /* the page is gone: nothing to show it on */
  if (g_cancellable_is_cancelled (self->cancellable))
    return;
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED)
      || g_error_matches (error, PM_ERROR, PM_ERROR_CANCELLED))
    return;
  set_busy (self, FALSE);
  if (reports == NULL)
    toast (self, error->message);
  for (guint i = 0; reports != NULL && i < reports->len; i++)
    {
      PmPlanRunReport *report = g_ptr_array_index (reports, i);

      if (report->busy || report->n_bills == 0)
        continue;
      notify_run (self, report);
      g_signal_emit (self, signals[RUN_FINISHED], 0, report);
    }
  pm_plans_view_reload (self);
}

void
pm_plans_view_check_due (PmPlansView *self)
{
  g_autoptr(GPtrArray) due = NULL;

  g_return_if_fail (PM_IS_PLANS_VIEW (self));

  if (self->busy || !connected (self))
    return;
  due = due_runs (self);
  if (due == NULL || due->len == 0)
    {
      pm_plans_view_reload (self);
      return;
    }
  /* due ones are sent; missed ones only stored as missed (the history and paymint-cli
   * say so too): they wait for a person */
  set_busy (self, TRUE);
  pm_plan_store_run_due_async (self->store, self->service, now (self), PM_PLAN_DEFAULT_GRACE,
                               0, self->cancellable, due_done_cb, g_object_ref (self));
}

static gboolean
check_timeout_cb (gpointer data)
{
  pm_plans_view_check_due (PM_PLANS_VIEW (data));
  return G_SOURCE_CONTINUE;
}

/* ---- actions ---- */

static void
run_done_cb (GObject      *object,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(PmPlansView) self = user_data;
  g_autoptr(PmPlanRunReport) report = NULL;
  g_autoptr(GError) error = NULL;

  report = pm_plan_store_run_finish (PM_PLAN_STORE (object), result, &error);
  /* the page is gone: nothing to show it on */
  if (g_cancellable_is_cancelled (self->cancellable))
    return;
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED)
      || g_error_matches (error, PM_ERROR, PM_ERROR_CANCELLED))
    return;
  set_busy (self, FALSE);
  if (report == NULL)
    toast (self, error->message);
  else if (report->busy)
    toast (self, _("Another Paymint Desk is sending this month right now; nothing was sent "
                   "twice."));
  else if (report->n_sent == 0 && report->n_failed == 0 && report->n_unknown == 0)
    toast (self, _("Every bill of this month was sent already; nothing was sent again."));
  else
    {
      notify_run (self, report);
      toast (self, self->last_notification);
    }
  if (report != NULL)
    g_signal_emit (self, signals[RUN_FINISHED], 0, report);
  pm_plans_view_reload (self);
}

static void
run_action (GtkWidget  *widget,
            const char *action_name,
            GVariant   *parameter)
{
  PmPlansView *self = PM_PLANS_VIEW (widget);
  const char *uuid;
  const char *period;

  if (self->busy || !connected (self))
    return;
  g_variant_get (parameter, "(&s&s)", &uuid, &period);
  set_busy (self, TRUE);
  gtk_widget_set_sensitive (GTK_WIDGET (self->run_button), FALSE);
  pm_plan_store_run_async (self->store, self->service, uuid, period, now (self), 0,
                           self->cancellable, run_done_cb, g_object_ref (self));
}

static void
skip_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  PmPlansView *self = PM_PLANS_VIEW (widget);
  g_autoptr(GError) error = NULL;
  const char *uuid;
  const char *period;

  if (self->busy || !connected (self))
    return;
  g_variant_get (parameter, "(&s&s)", &uuid, &period);
  if (!pm_plan_store_skip (self->store, uuid, period, now (self), &error))
    toast (self, error->message);
  else
    {
      g_autofree char *text = g_strdup_printf (_("%s will not be billed."), period);

      toast (self, text);
    }
  pm_plans_view_reload (self);
}

static void
run_clicked_cb (PmPlansView *self)
{
  if (self->selected != NULL && self->target != NULL)
    gtk_widget_activate_action (GTK_WIDGET (self), "plans.run", "(ss)", self->selected,
                                self->target);
}

static void
skip_clicked_cb (PmPlansView *self)
{
  if (self->selected != NULL && self->target != NULL)
    gtk_widget_activate_action (GTK_WIDGET (self), "plans.skip", "(ss)", self->selected,
                                self->target);
}

static void
pause_clicked_cb (PmPlansView *self)
{
  g_autoptr(PmPlan) plan = NULL;
  g_autoptr(GError) error = NULL;

  if (self->selected == NULL || !connected (self))
    return;
  plan = pm_plan_store_lookup (self->store, self->selected, NULL);
  if (plan == NULL)
    return;
  if (!pm_plan_store_set_paused (self->store, self->selected, !pm_plan_get_paused (plan),
                                 now (self), &error))
    toast (self, error->message);
  pm_plans_view_reload (self);
}

static void
remove_response_cb (AdwMessageDialog *dialog,
                    const char       *response,
                    PmPlansView      *self)
{
  const char *uuid = g_object_get_data (G_OBJECT (dialog), "pm-uuid");
  g_autoptr(GError) error = NULL;

  if (g_strcmp0 (response, "end") != 0 || uuid == NULL || !connected (self))
    return;
  if (!pm_plan_store_remove (self->store, uuid, now (self), &error))
    toast (self, error->message);
  pm_plans_view_reload (self);
}

static void
remove_clicked_cb (PmPlansView *self)
{
  g_autoptr(PmPlan) plan = NULL;
  GtkWidget *dialog;
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));

  if (self->selected == NULL || !connected (self))
    return;
  plan = pm_plan_store_lookup (self->store, self->selected, NULL);
  if (plan == NULL)
    return;
  dialog = adw_message_dialog_new (GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
                                   _("End This Plan?"), NULL);
  adw_message_dialog_format_body (ADW_MESSAGE_DIALOG (dialog),
                                  _("“%s” will send nothing more. Bills it sent stay as they "
                                    "are, and its history stays in Payments."),
                                  pm_plan_get_name (plan));
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog), "cancel", _("_Cancel"),
                                    "end", _("_End Plan"), NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "end",
                                              ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  g_object_set_data_full (G_OBJECT (dialog), "pm-uuid", g_strdup (self->selected), g_free);
  g_signal_connect_object (dialog, "response", G_CALLBACK (remove_response_cb), self, 0);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
bill_again_done_cb (GObject      *object,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr(PmPlansView) self = user_data;
  g_autoptr(PmBill) bill = NULL;
  g_autoptr(GError) error = NULL;

  bill = pm_plan_store_bill_again_finish (PM_PLAN_STORE (object), result, &error);
  /* the page is gone: nothing to show it on */
  if (g_cancellable_is_cancelled (self->cancellable))
    return;
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED)
      || g_error_matches (error, PM_ERROR, PM_ERROR_CANCELLED))
    return;
  set_busy (self, FALSE);
  if (bill == NULL)
    toast (self, error->message);
  else
    {
      g_autofree char *text = g_strdup_printf (_("Billed %s again: %s"),
                                               pm_bill_get_payer_name (bill),
                                               pm_bill_state_get_label (pm_bill_get_state (bill)));

      toast (self, text);
    }
  pm_plans_view_reload (self);
}

static void
bill_again_action (GtkWidget  *widget,
                   const char *action_name,
                   GVariant   *parameter)
{
  PmPlansView *self = PM_PLANS_VIEW (widget);
  const char *uuid, *period, *phone;

  if (self->busy || !connected (self))
    return;
  g_variant_get (parameter, "(&s&s&s)", &uuid, &period, &phone);
  set_busy (self, TRUE);
  pm_plan_store_bill_again_async (self->store, self->service, uuid, period, phone, now (self),
                                  self->cancellable, bill_again_done_cb, g_object_ref (self));
}

static void
show_period_action (GtkWidget  *widget,
                    const char *action_name,
                    GVariant   *parameter)
{
  PmPlansView *self = PM_PLANS_VIEW (widget);
  g_autoptr(PmPlanRunInfo) info = NULL;
  g_autoptr(GTimeZone) korea = NULL;
  g_autoptr(GDateTime) utc = NULL;
  g_autoptr(GDateTime) local = NULL;
  g_autoptr(GDateTime) first = NULL;
  gint64 from, to;
  const char *uuid, *period;

  if (!connected (self))
    return;
  g_variant_get (parameter, "(&s&s)", &uuid, &period);
  info = pm_plan_store_get_run (self->store, uuid, period, now (self), NULL);
  if (info == NULL)
    return;
  /* the days its bills were sent: from the run's first day to the day it finished (or
   * today, for a run still going or billed again since) */
  korea = pm_bill_korea_time_zone ();
  utc = g_date_time_new_from_unix_utc (info->started_at > 0 ? info->started_at : info->due_at);
  local = g_date_time_to_timezone (utc, korea);
  first = g_date_time_new (korea, g_date_time_get_year (local), g_date_time_get_month (local),
                           g_date_time_get_day_of_month (local), 0, 0, 0);
  from = g_date_time_to_unix (first);
  to = MAX (now (self), info->finished_at);
  {
    g_autoptr(GDateTime) end_utc = g_date_time_new_from_unix_utc (to);
    g_autoptr(GDateTime) end_local = g_date_time_to_timezone (end_utc, korea);
    g_autoptr(GDateTime) end_day = g_date_time_new (korea, g_date_time_get_year (end_local),
                                                    g_date_time_get_month (end_local),
                                                    g_date_time_get_day_of_month (end_local),
                                                    0, 0, 0);
    g_autoptr(GDateTime) next_day = g_date_time_add_days (end_day, 1);

    to = g_date_time_to_unix (next_day);
  }
  g_signal_emit (self, signals[SHOW_BILLS], 0, info->batch_id, from, to);
}

static void
plan_saved_cb (PmPlansView *self,
               PmPlan      *plan)
{
  g_autofree char *text = g_strdup_printf (_("“%s” was added."), pm_plan_get_name (plan));

  g_free (self->selected);
  self->selected = g_strdup (pm_plan_get_uuid (plan));
  toast (self, text);
  pm_plans_view_reload (self);
}

static void
new_action (GtkWidget  *widget,
            const char *action_name,
            GVariant   *parameter)
{
  PmPlansView *self = PM_PLANS_VIEW (widget);
  GtkRoot *root = gtk_widget_get_root (widget);
  PmPlanDialog *dialog;

  if (!connected (self))
    return;
  dialog = pm_plan_dialog_new (GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL, self->service,
                               self->store, now (self));
  g_signal_connect_object (dialog, "saved", G_CALLBACK (plan_saved_cb), self, G_CONNECT_SWAPPED);
  gtk_window_present (GTK_WINDOW (dialog));
}

/* ---- the service ---- */

static void
open_store (PmPlansView *self)
{
  if (self->store != NULL || self->service == NULL)
    return;
  g_clear_error (&self->store_error);
  self->store = pm_service_open_plan_store (self->service, &self->store_error);
  if (self->store == NULL)
    return;
  g_signal_connect_object (self->store, "plans-changed", G_CALLBACK (schedule_reload), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (self->store, "run-changed", G_CALLBACK (schedule_reload), self,
                           G_CONNECT_SWAPPED);
  if (!self->watching_bills)
    g_signal_connect_object (self->service, "bill-changed", G_CALLBACK (schedule_reload), self,
                             G_CONNECT_SWAPPED);
  self->watching_bills = TRUE;
}

/* The service uses another ledger (a connection naming the shop's, or back to this desk's
 * file): the plans are the ones kept there, or the reason there are none. */
static void
ledger_switched_cb (PmPlansView *self)
{
  if (self->store != NULL)
    g_signal_handlers_disconnect_by_data (self->store, self);
  g_clear_object (&self->store);
  g_clear_pointer (&self->selected, g_free);
  open_store (self);
  schedule_reload (self);
}

static void
profile_changed_cb (PmPlansView *self)
{
  g_clear_pointer (&self->selected, g_free);
  pm_plans_view_check_due (self);
  pm_plans_view_reload (self);
}

/* ---- the type ---- */

static void
pm_plans_view_dispose (GObject *object)
{
  PmPlansView *self = PM_PLANS_VIEW (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_handle_id (&self->check_id, g_source_remove);
  g_clear_handle_id (&self->reload_id, g_source_remove);
  gtk_widget_dispose_template (GTK_WIDGET (self), PM_TYPE_PLANS_VIEW);
  g_clear_object (&self->store);
  g_clear_object (&self->service);

  G_OBJECT_CLASS (pm_plans_view_parent_class)->dispose (object);
}

static void
pm_plans_view_finalize (GObject *object)
{
  PmPlansView *self = PM_PLANS_VIEW (object);

  g_clear_object (&self->cancellable);
  g_clear_error (&self->store_error);
  g_free (self->selected);
  g_free (self->target);
  g_free (self->preview_total);
  g_free (self->last_notification);

  G_OBJECT_CLASS (pm_plans_view_parent_class)->finalize (object);
}

static void
pm_plans_view_get_property (GObject    *object,
                            guint       prop_id,
                            GValue     *value,
                            GParamSpec *pspec)
{
  PmPlansView *self = PM_PLANS_VIEW (object);

  switch (prop_id)
    {
    case PROP_BUSY:
      g_value_set_boolean (value, self->busy);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
pm_plans_view_map (GtkWidget *widget)
{
  PmPlansView *self = PM_PLANS_VIEW (widget);

  /* shown at last: its widgets are styled and measured from now on (see init) */
  gtk_widget_set_visible (GTK_WIDGET (self->toast_overlay), TRUE);
  GTK_WIDGET_CLASS (pm_plans_view_parent_class)->map (widget);
}

static void
pm_plans_view_class_init (PmPlansViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  pm_ui_ensure_resources ();
  object_class->dispose = pm_plans_view_dispose;
  object_class->finalize = pm_plans_view_finalize;
  object_class->get_property = pm_plans_view_get_property;
  widget_class->map = pm_plans_view_map;

  properties[PROP_BUSY] = g_param_spec_boolean ("busy", NULL, NULL, FALSE,
                                                G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  signals[SHOW_BILLS] = g_signal_new ("show-bills", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                      0, NULL, NULL, NULL, G_TYPE_NONE, 3, G_TYPE_STRING,
                                      G_TYPE_INT64, G_TYPE_INT64);
  signals[UPDATED] = g_signal_new ("updated", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                   NULL, NULL, NULL, G_TYPE_NONE, 0);
  signals[RUN_FINISHED] = g_signal_new ("run-finished", G_TYPE_FROM_CLASS (klass),
                                        G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 1,
                                        PM_TYPE_PLAN_RUN_REPORT);

  gtk_widget_class_set_template_from_resource (widget_class, RESOURCE_PATH "/pm-plans-view.ui");
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_bind_template_child (widget_class, PmPlansView, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, PmPlansView, stack);
  gtk_widget_class_bind_template_child (widget_class, PmPlansView, empty_page);
  gtk_widget_class_bind_template_child (widget_class, PmPlansView, missed_group);
  gtk_widget_class_bind_template_child (widget_class, PmPlansView, missed_list);
  gtk_widget_class_bind_template_child (widget_class, PmPlansView, plans_group);
  gtk_widget_class_bind_template_child (widget_class, PmPlansView, plans_list);
  gtk_widget_class_bind_template_child (widget_class, PmPlansView, detail_box);
  gtk_widget_class_bind_template_child (widget_class, PmPlansView, detail_group);
  gtk_widget_class_bind_template_child (widget_class, PmPlansView, run_button);
  gtk_widget_class_bind_template_child (widget_class, PmPlansView, skip_button);
  gtk_widget_class_bind_template_child (widget_class, PmPlansView, pause_button);
  gtk_widget_class_bind_template_child (widget_class, PmPlansView, remove_button);
  gtk_widget_class_bind_template_child (widget_class, PmPlansView, preview_group);
  gtk_widget_class_bind_template_child (widget_class, PmPlansView, preview_list);
  gtk_widget_class_bind_template_child (widget_class, PmPlansView, history_group);
  gtk_widget_class_bind_template_child (widget_class, PmPlansView, history_list);
  gtk_widget_class_bind_template_callback (widget_class, plan_selected_cb);
  gtk_widget_class_bind_template_callback (widget_class, run_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, skip_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, pause_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, remove_clicked_cb);

  gtk_widget_class_install_action (widget_class, "plans.new", NULL, new_action);
  gtk_widget_class_install_action (widget_class, "plans.run", "(ss)", run_action);
  gtk_widget_class_install_action (widget_class, "plans.skip", "(ss)", skip_action);
  gtk_widget_class_install_action (widget_class, "plans.bill-again", "(sss)", bill_again_action);
  gtk_widget_class_install_action (widget_class, "plans.show-period", "(ss)",
                                   show_period_action);
}

static void
pm_plans_view_init (PmPlansView *self)
{
  self->cancellable = g_cancellable_new ();
  gtk_widget_init_template (GTK_WIDGET (self));
  /* Hidden until the page is first shown (map): the window builds every page at start-up,
   * and a page of an AdwViewStack is measured even while another one is shown, so the
   * start-up's first frame would style and measure this one for nothing. The plans are
   * read and run as before; only the widgets wait. */
  gtk_widget_set_visible (GTK_WIDGET (self->toast_overlay), FALSE);
}

GtkWidget *
pm_plans_view_new (PmService *service)
{
  PmPlansView *self;

  g_return_val_if_fail (PM_IS_SERVICE (service), NULL);

  self = g_object_new (PM_TYPE_PLANS_VIEW, NULL);
  self->service = g_object_ref (service);
  open_store (self);
  g_signal_connect_object (service, "notify::profile", G_CALLBACK (profile_changed_cb), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (service, "ledger-changed", G_CALLBACK (schedule_reload), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (service, "notify::ledger", G_CALLBACK (ledger_switched_cb), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (service, "notify::storage-error", G_CALLBACK (schedule_reload), self,
                           G_CONNECT_SWAPPED);
  self->check_id = g_timeout_add_seconds (CHECK_INTERVAL, check_timeout_cb, self);
  pm_plans_view_reload (self);
  pm_plans_view_check_due (self);
  return GTK_WIDGET (self);
}

PmPlanStore *
pm_plans_view_get_store (PmPlansView *self)
{
  g_return_val_if_fail (PM_IS_PLANS_VIEW (self), NULL);

  return self->store;
}

void
pm_plans_view_set_now (PmPlansView *self,
                       gint64       now_utc)
{
  g_return_if_fail (PM_IS_PLANS_VIEW (self));

  self->now_override = now_utc;
}

gint64
pm_plans_view_get_now (PmPlansView *self)
{
  g_return_val_if_fail (PM_IS_PLANS_VIEW (self), 0);

  return now (self);
}

gboolean
pm_plans_view_get_busy (PmPlansView *self)
{
  g_return_val_if_fail (PM_IS_PLANS_VIEW (self), FALSE);

  return self->busy;
}

void
pm_plans_view_select_plan (PmPlansView *self,
                           const char  *uuid)
{
  g_return_if_fail (PM_IS_PLANS_VIEW (self));

  g_free (self->selected);
  self->selected = g_strdup (uuid);
  pm_plans_view_reload (self);
}

const char *
pm_plans_view_get_selected (PmPlansView *self)
{
  g_return_val_if_fail (PM_IS_PLANS_VIEW (self), NULL);

  return self->selected;
}

GtkListBox *
pm_plans_view_get_missed_list (PmPlansView *self)
{
  g_return_val_if_fail (PM_IS_PLANS_VIEW (self), NULL);

  return self->missed_list;
}

GtkListBox *
pm_plans_view_get_plans_list (PmPlansView *self)
{
  g_return_val_if_fail (PM_IS_PLANS_VIEW (self), NULL);

  return self->plans_list;
}

GtkListBox *
pm_plans_view_get_preview_list (PmPlansView *self)
{
  g_return_val_if_fail (PM_IS_PLANS_VIEW (self), NULL);

  return self->preview_list;
}

const char *
pm_plans_view_get_preview_total (PmPlansView *self)
{
  g_return_val_if_fail (PM_IS_PLANS_VIEW (self), NULL);

  return self->preview_total;
}

guint
pm_plans_view_get_n_notifications (PmPlansView *self)
{
  g_return_val_if_fail (PM_IS_PLANS_VIEW (self), 0);

  return self->n_notifications;
}

const char *
pm_plans_view_get_last_notification (PmPlansView *self)
{
  g_return_val_if_fail (PM_IS_PLANS_VIEW (self), NULL);

  return self->last_notification;
}
