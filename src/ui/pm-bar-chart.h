/* pm-bar-chart.h — bars of two series (sent and paid won) drawn with GtkSnapshot
 *
 * Copyright 2026 The Paymint Desk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define PM_BAR_CHART_N_SERIES 2

#define PM_TYPE_BAR_CHART (pm_bar_chart_get_type ())
G_DECLARE_FINAL_TYPE (PmBarChart, pm_bar_chart, PM, BAR_CHART, GtkWidget)

GtkWidget  *pm_bar_chart_new             (void);

/* The series' names, shown in the legend (series 0 in the foreground colour, faint;
 * series 1 in the accent colour). */
void        pm_bar_chart_set_series_names (PmBarChart         *self,
                                           const char         *first,
                                           const char         *second);
/* @n groups of bars: @labels[i] under group i (NULL: none; a long run of labels is
 * thinned out to fit), @titles[i] names it in the tooltip and to assistive technology
 * ("March 5"), @values[i * 2 + s] its value for series s, in won. Copies everything. */
void        pm_bar_chart_set_data        (PmBarChart         *self,
                                          guint               n,
                                          const char * const *labels,
                                          const char * const *titles,
                                          const gint64       *values);
guint       pm_bar_chart_get_n_groups    (PmBarChart         *self);
gint64      pm_bar_chart_get_value       (PmBarChart         *self,
                                          guint               group,
                                          guint               series);

/* The group hovered or chosen with the keyboard (Left, Right, Home, End), highlighted
 * with its values written above it; -1 for none. */
int         pm_bar_chart_get_highlight   (PmBarChart         *self);
void        pm_bar_chart_set_highlight   (PmBarChart         *self,
                                          int                 group);
/* What the highlight says ("March 5 — Sent ₩120,000 · Paid ₩80,000"); NULL for none. */
char       *pm_bar_chart_dup_highlight_text (PmBarChart      *self);

/* Where bar (@group, @series) is drawn, in widget coordinates; FALSE before a layout. */
gboolean    pm_bar_chart_get_bar_bounds  (PmBarChart         *self,
                                          guint               group,
                                          guint               series,
                                          graphene_rect_t    *bounds);

/* An axis amount, short: "50만", "1.5억", "3,000원" in Korean; "₩500K", "₩1.5M" in
 * other languages (the translation of the "chart-amounts" style string decides). */
char       *pm_bar_chart_format_axis     (gint64              won);

G_END_DECLS
