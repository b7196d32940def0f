/* pm-summary-view.c — the Summary page: a period's totals, a chart, unpaid bills by age
 *
 * Copyright 2026 The Paymint Desk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The figures come from PmService in a worker thread (pm_service_summarize_async), so a
 * year over a million bills never blocks the window; the page keeps showing the last
 * figures, with a spinner, until the new ones arrive. Any change to the ledger (this
 * desk's own writes, or another process's) reads them again, at most every 300 ms and
 * only while the page is on screen.
 */

#include "config.h"

#include <glib/gi18n.h>

#include "pm-summary-view.h"

#include "pm-bar-chart.h"
#include "pm-money.h"
#include "pm-service-summary.h"
#include "pm-ui.h"

#define RELOAD_DELAY_MS 300

struct _PmSummaryView
{
  GtkWidget         parent_instance;

  PmService        *service;
  GCancellable     *cancellable;
  PmLedgerSummary  *summary;
  PmSummarySpan     span;
  int               year;
  int               month;
  char             *preset;
  gboolean          loading;
  gboolean          dirty;
  guint             reload_id;

  /* Template widgets */
  GtkStack         *stack;
  AdwStatusPage    *empty_page;
  GtkLabel         *period_label;
  GtkSpinner       *spinner;
  GtkLabel         *sent_won;
  GtkLabel         *sent_count;
  GtkLabel         *paid_won;
  GtkLabel         *paid_count;
  GtkLabel         *refunded_won;
  GtkLabel         *refunded_count;
  GtkLabel         *outstanding_won;
  GtkLabel         *outstanding_count;
  GtkLabel         *chart_title;
  PmBarChart       *chart;
  AdwActionRow     *age_week_row;
  AdwActionRow     *age_month_row;
  AdwActionRow     *age_older_row;
  GtkLabel         *age_week_won;
  GtkLabel         *age_month_won;
  GtkLabel         *age_older_won;
};

enum
{
  PROP_0,
  PROP_PRESET,
  PROP_LOADING,
  N_PROPS
};

enum
{
  SIGNAL_SHOW_BILLS,
  SIGNAL_UPDATED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (PmSummaryView, pm_summary_view, GTK_TYPE_WIDGET)

static void reload (PmSummaryView *self);

/* ---- The period ---- */

static GDateTime *
korea_now (void)
{
  g_autoptr(GTimeZone) korea = pm_bill_korea_time_zone ();
  g_autoptr(GDateTime) now = g_date_time_new_from_unix_utc (pm_ui_now ());

  return g_date_time_to_timezone (now, korea);
}

/* The preset naming @span/@year/@month today, or "". */
static const char *
preset_of (PmSummarySpan span,
           int           year,
           int           month)
{
  g_autoptr(GDateTime) now = korea_now ();
  int this_year = g_date_time_get_year (now);
  int this_month = g_date_time_get_month (now);

  if (span == PM_SUMMARY_SPAN_YEAR)
    return year == this_year ? "this-year" : "";
  if (year == this_year && month == this_month)
    return "this-month";
  if ((this_month > 1 && year == this_year && month == this_month - 1)
      || (this_month == 1 && year == this_year - 1 && month == 12))
    return "last-month";
  return "";
}

static void
update_period_widgets (PmSummaryView *self)
{
  g_autoptr(GTimeZone) korea = pm_bill_korea_time_zone ();
  g_autoptr(GDateTime) first = g_date_time_new (korea, self->year,
                                                self->span == PM_SUMMARY_SPAN_MONTH ? self->month : 1,
                                                1, 0, 0, 0);
  g_autoptr(GDateTime) now = korea_now ();
  g_autofree char *title = NULL;
  gboolean at_end;
  const char *preset = preset_of (self->span, self->year, self->month);

  if (self->span == PM_SUMMARY_SPAN_MONTH)
    /* Translators: the month shown, a g_date_time_format() format: "March 2026" */
    title = g_date_time_format (first, _("%B %Y"));
  else
    /* Translators: the year shown, a g_date_time_format() format: "2026" */
    title = g_date_time_format (first, _("%Y"));
  gtk_label_set_label (self->period_label, title);

  /* nothing to see after the current period */
  at_end = self->year > g_date_time_get_year (now)
           || (self->year == g_date_time_get_year (now)
               && (self->span == PM_SUMMARY_SPAN_YEAR
                   || self->month >= g_date_time_get_month (now)));
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "summary.next", !at_end);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "summary.previous", self->year > 2000);

  if (g_strcmp0 (self->preset, preset) != 0)
    {
      g_free (self->preset);
      self->preset = g_strdup (preset);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PRESET]);
    }
}

void
pm_summary_view_set_period (PmSummaryView *self,
                            PmSummarySpan  span,
                            int            year,
                            int            month)
{
  g_return_if_fail (PM_IS_SUMMARY_VIEW (self));
  g_return_if_fail (span == PM_SUMMARY_SPAN_MONTH || span == PM_SUMMARY_SPAN_YEAR);
  g_return_if_fail (span == PM_SUMMARY_SPAN_YEAR || (month >= 1 && month <= 12));

  if (span == self->span && year == self->year
      && (span == PM_SUMMARY_SPAN_YEAR || month == self->month))
    return;
  self->span = span;
  self->year = year;
  if (span == PM_SUMMARY_SPAN_MONTH)
    self->month = month;
  update_period_widgets (self);
  reload (self);
}

void
pm_summary_view_get_period (PmSummaryView *self,
                            PmSummarySpan *span,
                            int           *year,
                            int           *month)
{
  g_return_if_fail (PM_IS_SUMMARY_VIEW (self));

  if (span != NULL)
    *span = self->span;
  if (year != NULL)
    *year = self->year;
  if (month != NULL)
    *month = self->span == PM_SUMMARY_SPAN_MONTH ? self->month : 0;
}

static void
apply_preset (PmSummaryView *self,
              const char    *preset)
{
  g_autoptr(GDateTime) now = korea_now ();
  int year = g_date_time_get_year (now);
  int month = g_date_time_get_month (now);

  if (g_strcmp0 (preset, "this-month") == 0)
    pm_summary_view_set_period (self, PM_SUMMARY_SPAN_MONTH, year, month);
  else if (g_strcmp0 (preset, "last-month") == 0)
    pm_summary_view_set_period (self, PM_SUMMARY_SPAN_MONTH, month > 1 ? year : year - 1,
                                month > 1 ? month - 1 : 12);
  else if (g_strcmp0 (preset, "this-year") == 0)
    {
      /* a year keeps the month to come back to with This Month */
      pm_summary_view_set_period (self, PM_SUMMARY_SPAN_YEAR, year, self->month);
    }
}

static void
step_cb (GtkWidget  *widget,
         const char *action_name,
         GVariant   *parameter)
{
  PmSummaryView *self = PM_SUMMARY_VIEW (widget);
  int delta = g_str_equal (action_name, "summary.next") ? 1 : -1;

  if (self->span == PM_SUMMARY_SPAN_YEAR)
    pm_summary_view_set_period (self, PM_SUMMARY_SPAN_YEAR, self->year + delta, self->month);
  else
    {
      int index = self->year * 12 + (self->month - 1) + delta;

      pm_summary_view_set_period (self, PM_SUMMARY_SPAN_MONTH, index / 12, index % 12 + 1);
    }
}

/* ---- Showing the figures ---- */

static char *
count_text (gint64 count)
{
  return g_strdup_printf (ngettext ("%d bill", "%d bills", (gulong) count), (int) count);
}

static void
set_card (GtkLabel            *won_label,
          GtkLabel            *count_label,
          const PmLedgerTotal *total,
          const char          *extra)
{
  g_autofree char *won = pm_money_format (total->won);
  g_autofree char *count = count_text (total->count);
  g_autofree char *line = NULL;

  gtk_label_set_label (won_label, won);
  if (extra != NULL)
    line = g_strdup_printf ("%s · %s", count, extra);
  gtk_label_set_label (count_label, line != NULL ? line : count);
}

static void
set_age_row (AdwActionRow        *row,
             GtkLabel            *won_label,
             const PmLedgerTotal *total)
{
  g_autofree char *won = pm_money_format (total->won);
  g_autofree char *count = count_text (total->count);

  adw_action_row_set_subtitle (row, count);
  gtk_label_set_label (won_label, won);
  /* a row with no bills leads nowhere */
  gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (row), total->count > 0);
}

static void
show_chart (PmSummaryView         *self,
            const PmLedgerSummary *summary)
{
  g_autoptr(GTimeZone) korea = pm_bill_korea_time_zone ();
  g_autoptr(GPtrArray) labels = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) titles = g_ptr_array_new_with_free_func (g_free);
  g_autofree gint64 *values = g_new0 (gint64, summary->n_points * PM_BAR_CHART_N_SERIES);
  g_autofree char *accessible = NULL;

  for (guint i = 0; i < summary->n_points; i++)
    {
      g_autoptr(GDateTime) utc = g_date_time_new_from_unix_utc (summary->points[i].start);
      g_autoptr(GDateTime) local = g_date_time_to_timezone (utc, korea);

      if (summary->span == PM_SUMMARY_SPAN_MONTH)
        {
          g_ptr_array_add (labels, g_strdup_printf ("%d", g_date_time_get_day_of_month (local)));
          /* Translators: a day in the chart's tooltip, a g_date_time_format() format: "March 5" */
          g_ptr_array_add (titles, g_date_time_format (local, _("%B %-d")));
        }
      else
        {
          /* Translators: a month under the chart's bars, a g_date_time_format() format: "Mar" */
          g_ptr_array_add (labels, g_date_time_format (local, _("%b")));
          g_ptr_array_add (titles, g_date_time_format (local, _("%B %Y")));
        }
      values[i * PM_BAR_CHART_N_SERIES] = summary->points[i].sent_won;
      values[i * PM_BAR_CHART_N_SERIES + 1] = summary->points[i].paid_won;
    }
  g_ptr_array_add (labels, NULL);
  g_ptr_array_add (titles, NULL);
  pm_bar_chart_set_data (self->chart, summary->n_points, (const char * const *) labels->pdata,
                         (const char * const *) titles->pdata, values);

  gtk_label_set_label (self->chart_title, summary->span == PM_SUMMARY_SPAN_MONTH
                                            ? _("Sent and Paid by Day")
                                            : _("Sent and Paid by Month"));
  {
    g_autofree char *sent = pm_money_format (summary->sent.won);
    g_autofree char *paid = pm_money_format (summary->paid.won);

    /* Translators: what the chart shows, for screen readers */
    accessible = g_strdup_printf (_("%s: %s sent, %s paid. Use the arrow keys to read each bar."),
                                  gtk_label_get_label (self->chart_title), sent, paid);
  }
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->chart), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  accessible, -1);
}

static void
show_summary (PmSummaryView *self)
{
  const PmLedgerSummary *s = self->summary;
  g_autofree char *voided = NULL;
  g_autofree char *expired = NULL;

  if (!s->has_bills)
    {
      gtk_stack_set_visible_child_name (self->stack, "empty");
      return;
    }
  gtk_stack_set_visible_child_name (self->stack, "summary");

  if (s->voided.count > 0)
    /* Translators: under the Sent total: how many of those bills were voided */
    voided = g_strdup_printf (ngettext ("%d voided", "%d voided", (gulong) s->voided.count),
                              (int) s->voided.count);
  if (s->expired.count > 0)
    /* Translators: under the Outstanding total: how many of those bills expired */
    expired = g_strdup_printf (ngettext ("%d expired", "%d expired", (gulong) s->expired.count),
                               (int) s->expired.count);
  set_card (self->sent_won, self->sent_count, &s->sent, voided);
  set_card (self->paid_won, self->paid_count, &s->paid, NULL);
  set_card (self->refunded_won, self->refunded_count, &s->refunded, NULL);
  set_card (self->outstanding_won, self->outstanding_count, &s->outstanding, expired);

  show_chart (self, s);

  set_age_row (self->age_week_row, self->age_week_won, &s->age[PM_SUMMARY_AGE_WEEK]);
  set_age_row (self->age_month_row, self->age_month_won, &s->age[PM_SUMMARY_AGE_MONTH]);
  set_age_row (self->age_older_row, self->age_older_won, &s->age[PM_SUMMARY_AGE_OLDER]);
}

static void
set_loading (PmSummaryView *self,
             gboolean       loading)
{
  if (self->loading == loading)
    return;
  self->loading = loading;
  gtk_spinner_set_spinning (self->spinner, loading);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LOADING]);
}

static void
summarized_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(PmSummaryView) self = user_data;
  g_autoptr(GError) error = NULL;
  PmLedgerSummary *summary;

  summary = pm_service_summarize_finish (PM_SERVICE (source), result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  set_loading (self, FALSE);
  if (summary == NULL)
    {
      /* the ledger could not be read: say so where the figures would be (markup: a
       * shop ledger's address has "&" in it) */
      g_autofree char *escaped = g_markup_escape_text (error->message, -1);

      adw_status_page_set_icon_name (self->empty_page, "dialog-warning-symbolic");
      adw_status_page_set_title (self->empty_page, _("The Summary Could Not Be Read"));
      adw_status_page_set_description (self->empty_page, escaped);
      gtk_stack_set_visible_child_name (self->stack, "empty");
      return;
    }
  g_clear_pointer (&self->summary, pm_ledger_summary_free);
  self->summary = summary;
  show_summary (self);
  g_signal_emit (self, signals[SIGNAL_UPDATED], 0);
}

static void
reload (PmSummaryView *self)
{
  g_clear_handle_id (&self->reload_id, g_source_remove);
  self->dirty = FALSE;
  if (self->service == NULL)
    return;

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();
  set_loading (self, TRUE);
  if (self->summary == NULL)
    gtk_stack_set_visible_child_name (self->stack, "loading");
  pm_service_summarize_async (self->service, self->span, self->year,
                              self->span == PM_SUMMARY_SPAN_MONTH ? self->month : 0,
                              self->cancellable, summarized_cb, g_object_ref (self));
}

void
pm_summary_view_reload (PmSummaryView *self)
{
  g_return_if_fail (PM_IS_SUMMARY_VIEW (self));

  reload (self);
}

static gboolean
reload_timeout_cb (gpointer user_data)
{
  PmSummaryView *self = user_data;

  self->reload_id = 0;
  reload (self);
  return G_SOURCE_REMOVE;
}

/* The ledger changed: read again soon, once for a burst of changes, and only when the
 * page is on screen (it reads again when shown). */
static void
ledger_changed_cb (PmSummaryView *self)
{
  if (!gtk_widget_get_mapped (GTK_WIDGET (self)))
    {
      self->dirty = TRUE;
      return;
    }
  if (self->reload_id == 0)
    self->reload_id = g_timeout_add (RELOAD_DELAY_MS, reload_timeout_cb, self);
}

static void
profile_changed_cb (PmSummaryView *self)
{
  g_clear_pointer (&self->summary, pm_ledger_summary_free);
  if (gtk_widget_get_mapped (GTK_WIDGET (self)))
    reload (self);
  else
    self->dirty = TRUE;
}

static void
age_row_activated_cb (AdwActionRow  *row,
                      PmSummaryView *self)
{
  PmSummaryAge age;

  if (self->summary == NULL)
    return;
  if (row == self->age_week_row)
    age = PM_SUMMARY_AGE_WEEK;
  else if (row == self->age_month_row)
    age = PM_SUMMARY_AGE_MONTH;
  else
    age = PM_SUMMARY_AGE_OLDER;
  g_signal_emit (self, signals[SIGNAL_SHOW_BILLS], 0, (guint) PM_SUMMARY_UNPAID_STATES,
                 self->summary->age_from[age], self->summary->age_to[age]);
}

/* ---- The object ---- */

static void
pm_summary_view_map (GtkWidget *widget)
{
  PmSummaryView *self = PM_SUMMARY_VIEW (widget);

  /* shown at last: its widgets are styled and measured from now on (see init) */
  gtk_widget_set_visible (GTK_WIDGET (self->stack), TRUE);
  GTK_WIDGET_CLASS (pm_summary_view_parent_class)->map (widget);
  if (self->dirty || (self->summary == NULL && !self->loading))
    reload (self);
}

static void
pm_summary_view_get_property (GObject    *object,
                              guint       prop_id,
                              GValue     *value,
                              GParamSpec *pspec)
{
  PmSummaryView *self = PM_SUMMARY_VIEW (object);

  switch (prop_id)
    {
    case PROP_PRESET:
      g_value_set_string (value, self->preset != NULL ? self->preset : "");
      break;
    case PROP_LOADING:
      g_value_set_boolean (value, self->loading);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
pm_summary_view_set_property (GObject      *object,
                              guint         prop_id,
                              const GValue *value,
                              GParamSpec   *pspec)
{
  PmSummaryView *self = PM_SUMMARY_VIEW (object);

  switch (prop_id)
    {
    case PROP_PRESET:
      apply_preset (self, g_value_get_string (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
pm_summary_view_dispose (GObject *object)
{
  PmSummaryView *self = PM_SUMMARY_VIEW (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_handle_id (&self->reload_id, g_source_remove);
  gtk_widget_dispose_template (GTK_WIDGET (self), PM_TYPE_SUMMARY_VIEW);

  G_OBJECT_CLASS (pm_summary_view_parent_class)->dispose (object);
}

static void
pm_summary_view_finalize (GObject *object)
{
  PmSummaryView *self = PM_SUMMARY_VIEW (object);

  g_clear_object (&self->cancellable);
  g_clear_object (&self->service);
  g_clear_pointer (&self->summary, pm_ledger_summary_free);
  g_clear_pointer (&self->preset, g_free);

  G_OBJECT_CLASS (pm_summary_view_parent_class)->finalize (object);
}

static void
ensure_css (void)
{
  static gboolean done;
  g_autoptr(GtkCssProvider) provider = NULL;
  GdkDisplay *display = gdk_display_get_default ();

  if (done || display == NULL)
    return;
  done = TRUE;
  provider = gtk_css_provider_new ();
  gtk_css_provider_load_from_data (provider,
                                   ".summary-card { padding: 12px 14px; }"
                                   ".summary-chart { padding: 12px; }",
                                   -1);
  gtk_style_context_add_provider_for_display (display, GTK_STYLE_PROVIDER (provider),
                                              GTK_STYLE_PROVIDER_PRIORITY_APPLICATION);
}

static void
pm_summary_view_class_init (PmSummaryViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  pm_ui_ensure_resources ();
  g_type_ensure (PM_TYPE_BAR_CHART);

  object_class->get_property = pm_summary_view_get_property;
  object_class->set_property = pm_summary_view_set_property;
  object_class->dispose = pm_summary_view_dispose;
  object_class->finalize = pm_summary_view_finalize;
  widget_class->map = pm_summary_view_map;

  properties[PROP_PRESET] =
    g_param_spec_string ("preset", NULL, NULL, "",
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_LOADING] =
    g_param_spec_boolean ("loading", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  signals[SIGNAL_SHOW_BILLS] =
    g_signal_new ("show-bills", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 3, G_TYPE_UINT, G_TYPE_INT64, G_TYPE_INT64);
  signals[SIGNAL_UPDATED] =
    g_signal_new ("updated", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 0);

  gtk_widget_class_set_template_from_resource (widget_class, RESOURCE_PATH "/pm-summary-view.ui");
  gtk_widget_class_bind_template_child (widget_class, PmSummaryView, stack);
  gtk_widget_class_bind_template_child (widget_class, PmSummaryView, empty_page);
  gtk_widget_class_bind_template_child (widget_class, PmSummaryView, period_label);
  gtk_widget_class_bind_template_child (widget_class, PmSummaryView, spinner);
  gtk_widget_class_bind_template_child (widget_class, PmSummaryView, sent_won);
  gtk_widget_class_bind_template_child (widget_class, PmSummaryView, sent_count);
  gtk_widget_class_bind_template_child (widget_class, PmSummaryView, paid_won);
  gtk_widget_class_bind_template_child (widget_class, PmSummaryView, paid_count);
  gtk_widget_class_bind_template_child (widget_class, PmSummaryView, refunded_won);
  gtk_widget_class_bind_template_child (widget_class, PmSummaryView, refunded_count);
  gtk_widget_class_bind_template_child (widget_class, PmSummaryView, outstanding_won);
  gtk_widget_class_bind_template_child (widget_class, PmSummaryView, outstanding_count);
  gtk_widget_class_bind_template_child (widget_class, PmSummaryView, chart_title);
  gtk_widget_class_bind_template_child (widget_class, PmSummaryView, chart);
  gtk_widget_class_bind_template_child (widget_class, PmSummaryView, age_week_row);
  gtk_widget_class_bind_template_child (widget_class, PmSummaryView, age_month_row);
  gtk_widget_class_bind_template_child (widget_class, PmSummaryView, age_older_row);
  gtk_widget_class_bind_template_child (widget_class, PmSummaryView, age_week_won);
  gtk_widget_class_bind_template_child (widget_class, PmSummaryView, age_month_won);
  gtk_widget_class_bind_template_child (widget_class, PmSummaryView, age_older_won);
  gtk_widget_class_bind_template_callback (widget_class, age_row_activated_cb);

  gtk_widget_class_install_action (widget_class, "summary.previous", NULL, step_cb);
  gtk_widget_class_install_action (widget_class, "summary.next", NULL, step_cb);
  gtk_widget_class_install_property_action (widget_class, "summary.preset", "preset");
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Page_Up, 0, "summary.previous", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Page_Down, 0, "summary.next", NULL);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
}

static void
pm_summary_view_init (PmSummaryView *self)
{
  g_autoptr(GDateTime) now = korea_now ();

  gtk_widget_init_template (GTK_WIDGET (self));
  ensure_css ();
  pm_ui_wrap_words_within (GTK_WIDGET (self));
  /* The window builds every page at start-up, and a page of an AdwViewStack is measured
   * even while another one is shown: until this one is first shown (map), its content
   * is hidden, so the start-up's first frame neither styles nor measures it. */
  gtk_widget_set_visible (GTK_WIDGET (self->stack), FALSE);

  self->span = PM_SUMMARY_SPAN_MONTH;
  self->year = g_date_time_get_year (now);
  self->month = g_date_time_get_month (now);
  /* Translators: the chart's two series */
  pm_bar_chart_set_series_names (self->chart, C_("summary", "Sent"), C_("summary", "Paid"));
  update_period_widgets (self);
}

GtkWidget *
pm_summary_view_new (PmService *service)
{
  PmSummaryView *self;

  g_return_val_if_fail (PM_IS_SERVICE (service), NULL);

  self = g_object_new (PM_TYPE_SUMMARY_VIEW, NULL);
  self->service = g_object_ref (service);
  g_signal_connect_object (service, "ledger-changed", G_CALLBACK (ledger_changed_cb), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (service, "notify::profile", G_CALLBACK (profile_changed_cb), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (service, "bill-changed", G_CALLBACK (ledger_changed_cb), self,
                           G_CONNECT_SWAPPED);
  return GTK_WIDGET (self);
}

const PmLedgerSummary *
pm_summary_view_get_summary (PmSummaryView *self)
{
  g_return_val_if_fail (PM_IS_SUMMARY_VIEW (self), NULL);

  return self->summary;
}

gboolean
pm_summary_view_get_loading (PmSummaryView *self)
{
  g_return_val_if_fail (PM_IS_SUMMARY_VIEW (self), FALSE);

  return self->loading;
}
