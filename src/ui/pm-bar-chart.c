/* pm-bar-chart.c — bars of two series drawn with GtkSnapshot
 *
 * Copyright 2026 The Paymint Desk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Colours come from the style (the foreground colour and libadwaita's accent), so the
 * chart reads in light and dark alike. The values of a group show on hover (a tooltip
 * and a label over the highlighted bars) and from the keyboard (Left, Right, Home, End).
 */

#include "config.h"

#include <glib/gi18n.h>
#include <math.h>
#include <string.h>

#include "pm-bar-chart.h"

#include "pm-money.h"

#define LEGEND_GAP   10.0
#define AXIS_GAP     6.0
#define N_INTERVALS  4
#define BOX_PAD      6.0  /* inside the box of the highlighted group's values */

struct _PmBarChart
{
  GtkWidget  parent_instance;

  char      *names[PM_BAR_CHART_N_SERIES];
  guint      n;
  GPtrArray *labels;    /* char *, may hold "" */
  GPtrArray *titles;
  gint64    *values;    /* n × PM_BAR_CHART_N_SERIES */
  int        highlight;

  /* the last layout, for hit tests and the bar bounds */
  double     plot_x;
  double     plot_y;
  double     plot_w;
  double     plot_h;
  gint64     top;       /* the value at the top of the plot */
  gboolean   laid_out;
};

G_DEFINE_FINAL_TYPE (PmBarChart, pm_bar_chart, GTK_TYPE_WIDGET)

/* ---- Amounts on the axis ---- */

static char *
trim_decimal (double value)
{
  char buffer[G_ASCII_DTOSTR_BUF_SIZE];

  /* one decimal, and none when it is .0 */
  g_ascii_formatd (buffer, sizeof buffer, "%.1f", value);
  if (g_str_has_suffix (buffer, ".0"))
    buffer[strlen (buffer) - 2] = '\0';
  return g_strdup (buffer);
}

char *
pm_bar_chart_format_axis (gint64 won)
{
  /* Translators: how the chart writes amounts on its axis. Translate as "korean" for
   * 만 and 억 ("50만", "1.5억"); anything else gives "₩500K", "₩1.5M", "₩2B". */
  const char *style = C_("chart-amounts", "western");
  gboolean negative = won < 0;
  g_autofree char *number = NULL;
  g_autofree char *text = NULL;

  if (negative)
    won = -won;
  if (won == 0)
    return g_strdup ("0");
  if (g_str_equal (style, "korean"))
    {
      if (won >= G_GINT64_CONSTANT (100000000))
        {
          number = trim_decimal ((double) won / 1e8);
          text = g_strdup_printf ("%s억", number);
        }
      else if (won >= 10000)
        {
          if (won % 10000 == 0)
            number = pm_money_format_digits (won / 10000);
          else
            number = trim_decimal ((double) won / 1e4);
          text = g_strdup_printf ("%s만", number);
        }
      else
        {
          number = pm_money_format_digits (won);
          text = g_strdup_printf ("%s원", number);
        }
    }
  else if (won >= G_GINT64_CONSTANT (1000000000))
    {
      number = trim_decimal ((double) won / 1e9);
      text = g_strdup_printf ("₩%sB", number);
    }
  else if (won >= 1000000)
    {
      number = trim_decimal ((double) won / 1e6);
      text = g_strdup_printf ("₩%sM", number);
    }
  else if (won >= 1000)
    {
      number = trim_decimal ((double) won / 1e3);
      text = g_strdup_printf ("₩%sK", number);
    }
  else
    text = g_strdup_printf ("₩%" G_GINT64_FORMAT, won);
  return negative ? g_strconcat ("-", text, NULL) : g_steal_pointer (&text);
}

/* A round step (1, 2 or 5 × 10^k) giving about N_INTERVALS intervals up to @max. */
static gint64
nice_step (gint64 max)
{
  gint64 raw = MAX ((max + N_INTERVALS - 1) / N_INTERVALS, 1);
  gint64 magnitude = 1;

  while (magnitude <= raw / 10)
    magnitude *= 10;
  if (raw <= magnitude)
    return magnitude;
  if (raw <= 2 * magnitude)
    return 2 * magnitude;
  if (raw <= 5 * magnitude)
    return 5 * magnitude;
  return 10 * magnitude;
}

/* ---- Colours ---- */

static void
get_colors (PmBarChart *self,
            GdkRGBA    *fg,
            GdkRGBA    *accent,
            GdkRGBA    *bg)
{
  GtkStyleContext *context = gtk_widget_get_style_context (GTK_WIDGET (self));

  gtk_style_context_get_color (context, fg);
  if (!gtk_style_context_lookup_color (context, "accent_bg_color", accent))
    gdk_rgba_parse (accent, "#3584e4");
  if (!gtk_style_context_lookup_color (context, "popover_bg_color", bg)
      && !gtk_style_context_lookup_color (context, "window_bg_color", bg))
    *bg = (GdkRGBA) { 1 - fg->red, 1 - fg->green, 1 - fg->blue, 1 };
}

static GdkRGBA
with_alpha (const GdkRGBA *color,
            float          alpha)
{
  GdkRGBA out = *color;

  out.alpha *= alpha;
  return out;
}

static GdkRGBA
series_color (guint          series,
              const GdkRGBA *fg,
              const GdkRGBA *accent)
{
  return series == 0 ? with_alpha (fg, 0.35f) : *accent;
}

/* ---- Text ---- */

static PangoLayout *
make_layout (PmBarChart *self,
             const char *text,
             gboolean    small)
{
  PangoLayout *layout = gtk_widget_create_pango_layout (GTK_WIDGET (self), text);

  if (small)
    {
      PangoAttrList *attrs = pango_attr_list_new ();

      pango_attr_list_insert (attrs, pango_attr_scale_new (0.83));
      pango_attr_list_insert (attrs, pango_attr_font_features_new ("tnum=1"));
      pango_layout_set_attributes (layout, attrs);
      pango_attr_list_unref (attrs);
    }
  return layout;
}

static void
draw_layout (GtkSnapshot   *snapshot,
             PangoLayout   *layout,
             double         x,
             double         y,
             const GdkRGBA *color)
{
  gtk_snapshot_save (snapshot);
  gtk_snapshot_translate (snapshot, &GRAPHENE_POINT_INIT ((float) x, (float) y));
  gtk_snapshot_append_layout (snapshot, layout, color);
  gtk_snapshot_restore (snapshot);
}

static void
fill (GtkSnapshot   *snapshot,
      const GdkRGBA *color,
      double         x,
      double         y,
      double         w,
      double         h)
{
  gtk_snapshot_append_color (snapshot, color,
                             &GRAPHENE_RECT_INIT ((float) x, (float) y, (float) w, (float) h));
}

/* ---- Layout ---- */

static gint64
max_value (PmBarChart *self)
{
  gint64 max = 0;

  for (guint i = 0; i < self->n * PM_BAR_CHART_N_SERIES; i++)
    max = MAX (max, self->values[i]);
  return max;
}

static double
line_height (PmBarChart *self)
{
  g_autoptr(PangoLayout) layout = make_layout (self, "0", TRUE);
  int h;

  pango_layout_get_pixel_size (layout, NULL, &h);
  return h;
}

static void
group_span (PmBarChart *self,
            guint       group,
            double     *x,
            double     *w)
{
  double gw = self->plot_w / MAX (self->n, 1);

  *x = self->plot_x + gw * group;
  *w = gw;
}

gboolean
pm_bar_chart_get_bar_bounds (PmBarChart      *self,
                             guint            group,
                             guint            series,
                             graphene_rect_t *bounds)
{
  double gx, gw, bw, h;
  gint64 value;

  g_return_val_if_fail (PM_IS_BAR_CHART (self), FALSE);
  g_return_val_if_fail (series < PM_BAR_CHART_N_SERIES, FALSE);

  if (!self->laid_out || group >= self->n)
    return FALSE;
  group_span (self, group, &gx, &gw);
  /* two bars side by side in the middle 80% of the group, a hair apart */
  bw = MAX (gw * 0.8 / PM_BAR_CHART_N_SERIES - 1, 1);
  value = self->values[group * PM_BAR_CHART_N_SERIES + series];
  h = self->top > 0 ? self->plot_h * (double) value / (double) self->top : 0;
  if (value > 0)
    h = MAX (h, 1);
  graphene_rect_init (bounds, (float) (gx + gw * 0.1 + series * (bw + 1)),
                      (float) (self->plot_y + self->plot_h - h), (float) bw, (float) h);
  return TRUE;
}

static void
pm_bar_chart_snapshot (GtkWidget   *widget,
                       GtkSnapshot *snapshot)
{
  PmBarChart *self = PM_BAR_CHART (widget);
  double width = gtk_widget_get_width (widget);
  double height = gtk_widget_get_height (widget);
  double lh = line_height (self);
  double axis_w = 0, legend_h = lh + LEGEND_GAP, x;
  gint64 step, top;
  GdkRGBA fg, accent, bg, dim, grid;
  guint label_every = 1;
  double label_w = 0;

  get_colors (self, &fg, &accent, &bg);
  dim = with_alpha (&fg, 0.7f);
  grid = with_alpha (&fg, 0.12f);

  step = nice_step (MAX (max_value (self), 1));
  top = step * N_INTERVALS;
  while (top - step >= max_value (self) && top > step)
    top -= step;
  self->top = top;

  /* the axis: as wide as its widest amount */
  for (gint64 v = 0; v <= top; v += step)
    {
      g_autofree char *text = pm_bar_chart_format_axis (v);
      g_autoptr(PangoLayout) layout = make_layout (self, text, TRUE);
      int w;

      pango_layout_get_pixel_size (layout, &w, NULL);
      axis_w = MAX (axis_w, w);
    }
  self->plot_x = axis_w + AXIS_GAP;
  /* a row for the highlighted group's values between the legend and the plot */
  self->plot_y = legend_h + lh + 2 * BOX_PAD + 4 + lh / 2;
  self->plot_w = MAX (width - self->plot_x - 2, 1);
  self->plot_h = MAX (height - self->plot_y - lh - AXIS_GAP, 1);
  self->laid_out = TRUE;

  /* the legend: a swatch and a name per series */
  x = self->plot_x;
  for (guint s = 0; s < PM_BAR_CHART_N_SERIES; s++)
    {
      g_autoptr(PangoLayout) layout = make_layout (self, self->names[s] ? self->names[s] : "", TRUE);
      GdkRGBA color = series_color (s, &fg, &accent);
      int w;

      pango_layout_get_pixel_size (layout, &w, NULL);
      fill (snapshot, &color, x, lh / 2 - 5, 10, 10);
      draw_layout (snapshot, layout, x + 14, 0, &dim);
      x += 14 + w + 16;
    }

  /* the grid and the amounts */
  for (gint64 v = 0; v <= top; v += step)
    {
      g_autofree char *text = pm_bar_chart_format_axis (v);
      g_autoptr(PangoLayout) layout = make_layout (self, text, TRUE);
      double y = self->plot_y + self->plot_h - self->plot_h * (double) v / (double) top;
      int w;

      pango_layout_get_pixel_size (layout, &w, NULL);
      draw_layout (snapshot, layout, axis_w - w, y - lh / 2, &dim);
      fill (snapshot, v == 0 ? &dim : &grid, self->plot_x, floor (y), self->plot_w, 1);
    }

  /* the highlighted group's band */
  if (self->highlight >= 0 && (guint) self->highlight < self->n)
    {
      double gx, gw;
      GdkRGBA band = with_alpha (&fg, 0.08f);

      group_span (self, (guint) self->highlight, &gx, &gw);
      fill (snapshot, &band, gx, self->plot_y, gw, self->plot_h);
    }

  /* the bars */
  for (guint i = 0; i < self->n; i++)
    for (guint s = 0; s < PM_BAR_CHART_N_SERIES; s++)
      {
        graphene_rect_t bounds;
        GdkRGBA color = series_color (s, &fg, &accent);

        if (self->highlight >= 0 && (guint) self->highlight != i)
          color = with_alpha (&color, 0.6f);
        else if (self->highlight >= 0 && s == 0)
          color = with_alpha (&fg, 0.55f);
        if (pm_bar_chart_get_bar_bounds (self, i, s, &bounds) && bounds.size.height > 0)
          gtk_snapshot_append_color (snapshot, &color, &bounds);
      }

  /* the labels under the bars, thinned out so they never overlap */
  for (guint i = 0; i < self->n; i++)
    {
      g_autoptr(PangoLayout) layout = make_layout (self, g_ptr_array_index (self->labels, i), TRUE);
      int w;

      pango_layout_get_pixel_size (layout, &w, NULL);
      label_w = MAX (label_w, w);
    }
  if (self->n > 0)
    {
      double gw = self->plot_w / self->n;

      label_every = (guint) MAX (1, ceil ((label_w + 6) / MAX (gw, 1)));
    }
  for (guint i = 0; i < self->n; i += label_every)
    {
      g_autoptr(PangoLayout) layout = make_layout (self, g_ptr_array_index (self->labels, i), TRUE);
      double gx, gw;
      int w;

      group_span (self, i, &gx, &gw);
      pango_layout_get_pixel_size (layout, &w, NULL);
      draw_layout (snapshot, layout, gx + (gw - w) / 2, self->plot_y + self->plot_h + AXIS_GAP / 2,
                   (int) i == self->highlight ? &fg : &dim);
    }

  /* the highlighted group's values, in a box over the plot */
  if (self->highlight >= 0 && (guint) self->highlight < self->n)
    {
      g_autofree char *text = pm_bar_chart_dup_highlight_text (self);
      g_autoptr(PangoLayout) layout = make_layout (self, text, TRUE);
      double gx, gw, bx, pad = BOX_PAD;
      int w, h;
      GskRoundedRect outline;
      GdkRGBA border = with_alpha (&fg, 0.25f);
      GdkRGBA colors[4] = { border, border, border, border };
      float widths[4] = { 1, 1, 1, 1 };

      pango_layout_set_width (layout, (int) (MAX (width - 2 * pad - 4, 40) * PANGO_SCALE));
      pango_layout_set_wrap (layout, PANGO_WRAP_WORD);
      pango_layout_get_pixel_size (layout, &w, &h);
      group_span (self, (guint) self->highlight, &gx, &gw);
      bx = CLAMP (gx + gw / 2 - (w + 2 * pad) / 2, 0, MAX (width - w - 2 * pad, 0));
      gsk_rounded_rect_init_from_rect (&outline,
                                       &GRAPHENE_RECT_INIT ((float) bx, (float) legend_h,
                                                            (float) (w + 2 * pad),
                                                            (float) (h + 2 * pad)),
                                       6);
      gtk_snapshot_push_rounded_clip (snapshot, &outline);
      gtk_snapshot_append_color (snapshot, &bg, &outline.bounds);
      gtk_snapshot_pop (snapshot);
      gtk_snapshot_append_border (snapshot, &outline, widths, colors);
      draw_layout (snapshot, layout, bx + pad, legend_h + pad, &fg);
    }

  /* the keyboard focus */
  if (gtk_widget_has_visible_focus (widget))
    {
      GskRoundedRect ring;
      GdkRGBA color = with_alpha (&accent, 0.5f);
      GdkRGBA colors[4] = { color, color, color, color };
      float widths[4] = { 2, 2, 2, 2 };

      gsk_rounded_rect_init_from_rect (&ring, &GRAPHENE_RECT_INIT (1, 1, (float) width - 2,
                                                                   (float) height - 2), 6);
      gtk_snapshot_append_border (snapshot, &ring, widths, colors);
    }
}

static void
pm_bar_chart_measure (GtkWidget      *widget,
                      GtkOrientation  orientation,
                      int             for_size,
                      int            *minimum,
                      int            *natural,
                      int            *minimum_baseline,
                      int            *natural_baseline)
{
  if (orientation == GTK_ORIENTATION_HORIZONTAL)
    {
      *minimum = 160;
      *natural = 480;
    }
  else
    {
      *minimum = 160;
      *natural = 220;
    }
}

/* ---- Interaction ---- */

static int
group_at (PmBarChart *self,
          double      x,
          double      y)
{
  double gw;

  if (!self->laid_out || self->n == 0 || x < self->plot_x || x >= self->plot_x + self->plot_w)
    return -1;
  gw = self->plot_w / self->n;
  return CLAMP ((int) ((x - self->plot_x) / gw), 0, (int) self->n - 1);
}

char *
pm_bar_chart_dup_highlight_text (PmBarChart *self)
{
  g_autofree char *first = NULL;
  g_autofree char *second = NULL;
  guint i;

  g_return_val_if_fail (PM_IS_BAR_CHART (self), NULL);

  if (self->highlight < 0 || (guint) self->highlight >= self->n)
    return NULL;
  i = (guint) self->highlight;
  first = pm_money_format (self->values[i * PM_BAR_CHART_N_SERIES]);
  second = pm_money_format (self->values[i * PM_BAR_CHART_N_SERIES + 1]);
  /* Translators: the values of one bar group: "March 5 — Sent ₩120,000 · Paid ₩80,000" */
  return g_strdup_printf (_("%s — %s %s · %s %s"), (char *) g_ptr_array_index (self->titles, i),
                          self->names[0] ? self->names[0] : "", first,
                          self->names[1] ? self->names[1] : "", second);
}

static void
update_accessible (PmBarChart *self)
{
  g_autofree char *text = pm_bar_chart_dup_highlight_text (self);

  if (text != NULL)
    gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_DESCRIPTION,
                                    text, -1);
  else
    gtk_accessible_reset_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_DESCRIPTION);
}

void
pm_bar_chart_set_highlight (PmBarChart *self,
                            int         group)
{
  g_return_if_fail (PM_IS_BAR_CHART (self));

  if (group < -1 || group >= (int) self->n)
    group = -1;
  if (group == self->highlight)
    return;
  self->highlight = group;
  update_accessible (self);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

int
pm_bar_chart_get_highlight (PmBarChart *self)
{
  g_return_val_if_fail (PM_IS_BAR_CHART (self), -1);

  return self->highlight;
}

static void
motion_cb (GtkEventControllerMotion *controller,
           double                    x,
           double                    y,
           PmBarChart               *self)
{
  pm_bar_chart_set_highlight (self, group_at (self, x, y));
}

static void
leave_cb (GtkEventControllerMotion *controller,
          PmBarChart               *self)
{
  if (!gtk_widget_has_focus (GTK_WIDGET (self)))
    pm_bar_chart_set_highlight (self, -1);
}

static gboolean
key_pressed_cb (GtkEventControllerKey *controller,
                guint                  keyval,
                guint                  keycode,
                GdkModifierType        state,
                PmBarChart            *self)
{
  int last = (int) self->n - 1;
  int current = self->highlight;

  if (self->n == 0)
    return FALSE;
  switch (keyval)
    {
    case GDK_KEY_Left:
    case GDK_KEY_KP_Left:
      pm_bar_chart_set_highlight (self, current < 0 ? last : MAX (current - 1, 0));
      return TRUE;
    case GDK_KEY_Right:
    case GDK_KEY_KP_Right:
      pm_bar_chart_set_highlight (self, current < 0 ? 0 : MIN (current + 1, last));
      return TRUE;
    case GDK_KEY_Home:
      pm_bar_chart_set_highlight (self, 0);
      return TRUE;
    case GDK_KEY_End:
      pm_bar_chart_set_highlight (self, last);
      return TRUE;
    case GDK_KEY_Escape:
      if (current < 0)
        return FALSE;
      pm_bar_chart_set_highlight (self, -1);
      return TRUE;
    default:
      return FALSE;
    }
}

static void
focus_leave_cb (GtkEventControllerFocus *controller,
                PmBarChart              *self)
{
  pm_bar_chart_set_highlight (self, -1);
}

static void
pressed_cb (GtkGestureClick *gesture,
            int              n_press,
            double           x,
            double           y,
            PmBarChart      *self)
{
  gtk_widget_grab_focus (GTK_WIDGET (self));
  pm_bar_chart_set_highlight (self, group_at (self, x, y));
}

static gboolean
query_tooltip_cb (GtkWidget  *widget,
                  int         x,
                  int         y,
                  gboolean    keyboard,
                  GtkTooltip *tooltip,
                  PmBarChart *self)
{
  g_autofree char *text = NULL;
  int group = keyboard ? self->highlight : group_at (self, x, y);
  int saved = self->highlight;

  if (group < 0)
    return FALSE;
  self->highlight = group;
  text = pm_bar_chart_dup_highlight_text (self);
  self->highlight = saved;
  gtk_tooltip_set_text (tooltip, text);
  return TRUE;
}

/* ---- The object ---- */

static void
pm_bar_chart_finalize (GObject *object)
{
  PmBarChart *self = PM_BAR_CHART (object);

  for (guint s = 0; s < PM_BAR_CHART_N_SERIES; s++)
    g_free (self->names[s]);
  g_clear_pointer (&self->labels, g_ptr_array_unref);
  g_clear_pointer (&self->titles, g_ptr_array_unref);
  g_clear_pointer (&self->values, g_free);

  G_OBJECT_CLASS (pm_bar_chart_parent_class)->finalize (object);
}

static void
pm_bar_chart_css_changed (GtkWidget         *widget,
                          GtkCssStyleChange *change)
{
  GTK_WIDGET_CLASS (pm_bar_chart_parent_class)->css_changed (widget, change);
  /* the colours come from the style: light and dark */
  gtk_widget_queue_draw (widget);
}

static void
pm_bar_chart_class_init (PmBarChartClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->finalize = pm_bar_chart_finalize;
  widget_class->snapshot = pm_bar_chart_snapshot;
  widget_class->measure = pm_bar_chart_measure;
  widget_class->css_changed = pm_bar_chart_css_changed;

  gtk_widget_class_set_css_name (widget_class, "barchart");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_IMG);
}

static void
pm_bar_chart_init (PmBarChart *self)
{
  GtkEventController *controller;
  GtkGesture *click;

  self->labels = g_ptr_array_new_with_free_func (g_free);
  self->titles = g_ptr_array_new_with_free_func (g_free);
  self->highlight = -1;

  gtk_widget_set_focusable (GTK_WIDGET (self), TRUE);
  gtk_widget_set_has_tooltip (GTK_WIDGET (self), TRUE);
  g_signal_connect (self, "query-tooltip", G_CALLBACK (query_tooltip_cb), self);

  controller = gtk_event_controller_motion_new ();
  g_signal_connect (controller, "motion", G_CALLBACK (motion_cb), self);
  g_signal_connect (controller, "leave", G_CALLBACK (leave_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self), controller);

  controller = gtk_event_controller_key_new ();
  g_signal_connect (controller, "key-pressed", G_CALLBACK (key_pressed_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self), controller);

  controller = gtk_event_controller_focus_new ();
  g_signal_connect (controller, "leave", G_CALLBACK (focus_leave_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self), controller);

  click = gtk_gesture_click_new ();
  g_signal_connect (click, "pressed", G_CALLBACK (pressed_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (click));
}

GtkWidget *
pm_bar_chart_new (void)
{
  return g_object_new (PM_TYPE_BAR_CHART, NULL);
}

void
pm_bar_chart_set_series_names (PmBarChart *self,
                               const char *first,
                               const char *second)
{
  g_return_if_fail (PM_IS_BAR_CHART (self));

  g_free (self->names[0]);
  g_free (self->names[1]);
  self->names[0] = g_strdup (first);
  self->names[1] = g_strdup (second);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

void
pm_bar_chart_set_data (PmBarChart         *self,
                       guint               n,
                       const char * const *labels,
                       const char * const *titles,
                       const gint64       *values)
{
  g_return_if_fail (PM_IS_BAR_CHART (self));
  g_return_if_fail (n == 0 || values != NULL);

  g_ptr_array_set_size (self->labels, 0);
  g_ptr_array_set_size (self->titles, 0);
  for (guint i = 0; i < n; i++)
    {
      g_ptr_array_add (self->labels, g_strdup (labels != NULL && labels[i] ? labels[i] : ""));
      g_ptr_array_add (self->titles, g_strdup (titles != NULL && titles[i] ? titles[i] : ""));
    }
  g_free (self->values);
  self->values = g_memdup2 (values, sizeof (gint64) * n * PM_BAR_CHART_N_SERIES);
  self->n = n;
  if (self->highlight >= (int) n)
    self->highlight = -1;
  update_accessible (self);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

guint
pm_bar_chart_get_n_groups (PmBarChart *self)
{
  g_return_val_if_fail (PM_IS_BAR_CHART (self), 0);

  return self->n;
}

gint64
pm_bar_chart_get_value (PmBarChart *self,
                        guint       group,
                        guint       series)
{
  g_return_val_if_fail (PM_IS_BAR_CHART (self), 0);
  g_return_val_if_fail (group < self->n && series < PM_BAR_CHART_N_SERIES, 0);

  return self->values[group * PM_BAR_CHART_N_SERIES + series];
}
