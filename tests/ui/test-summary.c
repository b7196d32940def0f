/* test-summary.c — the Summary page in a real window (Xvfb in CI)
 *
 * Copyright 2026 The Paymint Desk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * PM_SUMMARY_SCREENSHOTS=DIR also writes DIR/summary-{en,ko}-{light,dark}-{wide,narrow}.png
 * (ImageMagick's import of the X display).
 */

#include "config.h"

#include <adwaita.h>
#include <glib/gi18n.h>
#include <string.h>

#include "pm-application.h"
#include "pm-bar-chart.h"
#include "pm-money.h"
#include "pm-payments-view.h"
#include "pm-sandbox.h"
#include "pm-summary-view.h"
#include "pm-test-gtk-util.h"
#include "pm-test-util.h"
#include "pm-window.h"

static PmApplication *app;
static PmWindow *window;
static PmSummaryView *view;

/* ---- The seeded ledger and its oracle ---- */

typedef struct
{
  PmBillState state;
  gint64      price;
  gint64      appr_price;
  gint64      created_at;
  const char *expire_date;   /* NULL: 30 days after created */
} Seed;

static GArray *seeds;
static guint serial;

static GTimeZone *
korea (void)
{
  static GTimeZone *tz;

  if (tz == NULL)
    tz = pm_bill_korea_time_zone ();
  return tz;
}

static gint64
kst (int year,
     int month,
     int day,
     int hour,
     int minute)
{
  g_autoptr(GDateTime) local = g_date_time_new (korea (), year, month, day, hour, minute, 0);

  return g_date_time_to_unix (local);
}

static gint64
now_utc (void)
{
  return g_get_real_time () / G_USEC_PER_SEC;
}

static void
this_month (int *year,
            int *month)
{
  g_autoptr(GDateTime) utc = g_date_time_new_from_unix_utc (now_utc ());
  g_autoptr(GDateTime) local = g_date_time_to_timezone (utc, korea ());

  *year = g_date_time_get_year (local);
  *month = g_date_time_get_month (local);
}

static void
seed (PmBillState state,
      gint64      price,
      gint64      appr_price,
      gint64      created_at)
{
  PmService *service = pm_application_get_service (app);
  g_autoptr(PmBill) bill = pm_bill_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *id = g_strdup_printf ("SUMUI%015u", ++serial);
  g_autofree char *expire = pm_bill_korea_date (created_at + 7 * 86400);
  Seed s = { state, price, appr_price, created_at, NULL };

  pm_bill_set_bill_id (bill, id);
  pm_bill_set_profile_id (bill, pm_service_get_profile_id (service));
  pm_bill_set_payer_name (bill, "김민지");
  pm_bill_set_phone (bill, "01012345678");
  pm_bill_set_product (bill, "수강료");
  pm_bill_set_price (bill, price);
  pm_bill_set_appr_price (bill, appr_price);
  pm_bill_set_expire_date (bill, expire);
  pm_bill_set_state (bill, state);
  pm_bill_set_created_at (bill, created_at);
  pm_bill_set_updated_at (bill, created_at);
  g_assert_true (pm_ledger_insert_bill (pm_service_get_ledger (service), bill, &error));
  g_assert_no_error (error);
  g_array_append_val (seeds, s);
}

typedef struct
{
  PmLedgerTotal sent, paid, refunded, outstanding;
} Expected;

/* What the page must show for [from, to): a plain loop over the seeds, not SQL. */
static Expected
expected_for (gint64 from,
              gint64 to)
{
  Expected e = { 0 };

  for (guint i = 0; i < seeds->len; i++)
    {
      Seed *s = &g_array_index (seeds, Seed, i);
      gint64 approved = s->appr_price > 0 ? s->appr_price : s->price;

      if (s->created_at < from || s->created_at >= to)
        continue;
      if (s->state != PM_BILL_STATE_UNPAID && s->state != PM_BILL_STATE_PAID
          && s->state != PM_BILL_STATE_CANCELLED && s->state != PM_BILL_STATE_DESTROYED)
        continue;
      e.sent.count++;
      e.sent.won += s->price;
      if (s->state == PM_BILL_STATE_PAID)
        {
          e.paid.count++;
          e.paid.won += approved;
        }
      else if (s->state == PM_BILL_STATE_CANCELLED)
        {
          e.refunded.count++;
          e.refunded.won += approved;
        }
      else if (s->state == PM_BILL_STATE_UNPAID)
        {
          e.outstanding.count++;
          e.outstanding.won += s->price;
        }
    }
  return e;
}

/* ---- Waiting ---- */

static gboolean
view_settled (gpointer data)
{
  return pm_summary_view_get_summary (view) != NULL && !pm_summary_view_get_loading (view);
}

static guint n_updates;

static void
updated_cb (PmSummaryView *v,
            gpointer       data)
{
  n_updates++;
}

static gboolean
updated_since (gpointer data)
{
  return n_updates > GPOINTER_TO_UINT (data) && !pm_summary_view_get_loading (view);
}

static void
wait_for_update (guint before)
{
  pm_test_spin_until (updated_since, GUINT_TO_POINTER (before), 10000);
  pm_test_wait_for_draw (GTK_WIDGET (view));
}

static void
assert_label_shown (const char *text)
{
  if (pm_test_find_label (GTK_WIDGET (view), text) == NULL)
    g_error ("no label “%s” on screen", text);
}

static void
assert_card (const PmLedgerTotal *total)
{
  g_autofree char *won = pm_money_format (total->won);
  g_autofree char *count = g_strdup_printf (total->count == 1 ? "%d bill" : "%d bills",
                                            (int) total->count);
  GtkWidget *won_label = pm_test_find_label (GTK_WIDGET (view), won);

  if (won_label == NULL)
    g_error ("no card showing “%s”", won);
  /* the count sits under the amount, in the same card */
  {
    GtkWidget *card = gtk_widget_get_parent (won_label);
    gboolean found = FALSE;

    for (GtkWidget *c = gtk_widget_get_first_child (card); c; c = gtk_widget_get_next_sibling (c))
      if (GTK_IS_LABEL (c) && g_str_has_prefix (gtk_label_get_label (GTK_LABEL (c)), count))
        found = TRUE;
    if (!found)
      g_error ("the card of “%s” does not say “%s”", won, count);
  }
}

static void
assert_cards (const Expected *e)
{
  assert_card (&e->sent);
  assert_card (&e->paid);
  assert_card (&e->refunded);
  assert_card (&e->outstanding);
}

/* A key pressed on @bars, through its own key controller; returns the highlight. */
static int
press_key (PmBarChart *bars,
           guint       keyval)
{
  g_autoptr(GListModel) controllers = gtk_widget_observe_controllers (GTK_WIDGET (bars));
  gboolean handled = FALSE;

  for (guint i = 0; i < g_list_model_get_n_items (controllers); i++)
    {
      g_autoptr(GtkEventController) controller = g_list_model_get_item (controllers, i);

      if (GTK_IS_EVENT_CONTROLLER_KEY (controller))
        g_signal_emit_by_name (controller, "key-pressed", keyval, 0, (GdkModifierType) 0, &handled);
    }
  g_assert_true (handled);
  return pm_bar_chart_get_highlight (bars);
}

static PmBarChart *
chart (void)
{
  return PM_BAR_CHART (pm_test_find_widget (GTK_WIDGET (view), PM_TYPE_BAR_CHART));
}

static void
show_page (void)
{
  AdwViewStack *stack = ADW_VIEW_STACK (gtk_widget_get_ancestor (GTK_WIDGET (view),
                                                                  ADW_TYPE_VIEW_STACK));

  adw_view_stack_set_visible_child_name (stack, "summary");
  pm_test_spin_until (view_settled, NULL, 10000);
  pm_test_wait_for_draw (GTK_WIDGET (view));
}

/* ---- Tests ---- */

static void
test_figures (void)
{
  int year, month;
  gint64 from, to;
  Expected e;
  AdwViewStack *stack;

  this_month (&year, &month);
  g_assert_true (pm_ledger_summary_period (PM_SUMMARY_SPAN_MONTH, year, month, &from, &to));

  /* the window has the page, titled, beside Payments and AutoPay */
  stack = ADW_VIEW_STACK (gtk_widget_get_ancestor (GTK_WIDGET (view), ADW_TYPE_VIEW_STACK));
  g_assert_nonnull (stack);
  g_assert_cmpstr (adw_view_stack_page_get_title (adw_view_stack_get_page (stack, GTK_WIDGET (view))),
                   ==, "Summary");
  g_assert_nonnull (adw_view_stack_get_child_by_name (stack, "payments"));
  g_assert_nonnull (adw_view_stack_get_child_by_name (stack, "autopay"));

  show_page ();
  {
    PmSummarySpan span;
    int y, m;

    pm_summary_view_get_period (view, &span, &y, &m);
    g_assert_cmpint (span, ==, PM_SUMMARY_SPAN_MONTH);
    g_assert_cmpint (y, ==, year);
    g_assert_cmpint (m, ==, month);
  }
  e = expected_for (from, to);
  g_assert_cmpint (e.sent.count, >=, 3);
  g_assert_cmpint (e.refunded.count, ==, 1);
  assert_cards (&e);

  /* the chart: one group per day; the first day holds the bills sent a minute past
   * midnight (Korea time) and that morning */
  {
    PmBarChart *bars = chart ();
    gint64 day1_sent = 0;
    gint64 day1_paid = 0;

    for (guint i = 0; i < seeds->len; i++)
      {
        Seed *s = &g_array_index (seeds, Seed, i);

        if (s->created_at >= from && s->created_at < from + 86400
            && s->state != PM_BILL_STATE_NOT_SENT && s->state != PM_BILL_STATE_FAILED)
          {
            day1_sent += s->price;
            if (s->state == PM_BILL_STATE_PAID)
              day1_paid += s->appr_price;
          }
      }
    g_assert_cmpuint (pm_bar_chart_get_n_groups (bars), ==,
                      g_date_get_days_in_month (month, year));
    g_assert_cmpint (pm_bar_chart_get_value (bars, 0, 0), ==, day1_sent);
    g_assert_cmpint (pm_bar_chart_get_value (bars, 0, 1), ==, day1_paid);
    g_assert_cmpint (day1_sent, >, 0);

    /* the values of a bar, from the keyboard */
    gtk_widget_grab_focus (GTK_WIDGET (bars));
    pm_bar_chart_set_highlight (bars, -1);
    pm_bar_chart_set_highlight (bars, 0);
    {
      g_autofree char *text = pm_bar_chart_dup_highlight_text (bars);
      g_autofree char *won = pm_money_format (day1_sent);

      g_assert_nonnull (strstr (text, won));
      g_assert_nonnull (strstr (text, "Sent"));
    }
    pm_bar_chart_set_highlight (bars, -1);

    /* the keyboard walks the bars: Right, End, Home, Escape */
    g_assert_cmpint (press_key (bars, GDK_KEY_Right), ==, 0);
    g_assert_cmpint (press_key (bars, GDK_KEY_Right), ==, 1);
    g_assert_cmpint (press_key (bars, GDK_KEY_End), ==,
                     (int) pm_bar_chart_get_n_groups (bars) - 1);
    g_assert_cmpint (press_key (bars, GDK_KEY_Home), ==, 0);
    g_assert_true (gtk_test_accessible_has_property (GTK_ACCESSIBLE (bars),
                                                     GTK_ACCESSIBLE_PROPERTY_DESCRIPTION));
    g_assert_cmpint (press_key (bars, GDK_KEY_Escape), ==, -1);

    /* assistive technology: an image, labelled with what it shows */
    gtk_test_accessible_assert_role (GTK_ACCESSIBLE (bars), GTK_ACCESSIBLE_ROLE_IMG);
    g_assert_true (gtk_test_accessible_has_property (GTK_ACCESSIBLE (bars),
                                                     GTK_ACCESSIBLE_PROPERTY_LABEL));
  }
}

static void
test_period (void)
{
  int year, month, last_year, last_month;
  gint64 from, to;
  Expected e;
  guint before;

  this_month (&year, &month);
  last_year = month > 1 ? year : year - 1;
  last_month = month > 1 ? month - 1 : 12;
  show_page ();

  /* Last Month: the toggle and the figures follow */
  before = n_updates;
  gtk_widget_activate_action (GTK_WIDGET (view), "summary.preset", "s", "last-month");
  wait_for_update (before);
  g_assert_true (pm_ledger_summary_period (PM_SUMMARY_SPAN_MONTH, last_year, last_month, &from, &to));
  e = expected_for (from, to);
  g_assert_cmpint (e.paid.count, >=, 2);
  assert_cards (&e);
  {
    GtkWidget *toggle = pm_test_find_button_labelled (GTK_WIDGET (view), "Last Month");

    g_assert_nonnull (toggle);
    g_assert_true (gtk_toggle_button_get_active (GTK_TOGGLE_BUTTON (toggle)));
    toggle = pm_test_find_button_labelled (GTK_WIDGET (view), "This Month");
    g_assert_false (gtk_toggle_button_get_active (GTK_TOGGLE_BUTTON (toggle)));
  }

  /* the arrow back: the month before, no preset any more */
  before = n_updates;
  gtk_widget_activate (pm_test_find_button (GTK_WIDGET (view), "summary.previous"));
  wait_for_update (before);
  {
    PmSummarySpan span;
    int y, m;
    g_autofree char *preset = NULL;

    pm_summary_view_get_period (view, &span, &y, &m);
    g_assert_cmpint (y * 12 + m, ==, last_year * 12 + last_month - 1);
    g_object_get (view, "preset", &preset, NULL);
    g_assert_cmpstr (preset, ==, "");
    g_assert_false (gtk_toggle_button_get_active (GTK_TOGGLE_BUTTON (
      pm_test_find_button_labelled (GTK_WIDGET (view), "Last Month"))));
  }

  /* This Year: twelve months; the sums of both months are in it */
  before = n_updates;
  gtk_widget_activate (pm_test_find_button_labelled (GTK_WIDGET (view), "This Year"));
  wait_for_update (before);
  g_assert_cmpuint (pm_bar_chart_get_n_groups (chart ()), ==, 12);
  g_assert_true (pm_ledger_summary_period (PM_SUMMARY_SPAN_YEAR, year, 0, &from, &to));
  e = expected_for (from, to);
  assert_cards (&e);
  g_assert_true (pm_ledger_summary_period (PM_SUMMARY_SPAN_MONTH, year, month, &from, &to));
  g_assert_cmpint (pm_bar_chart_get_value (chart (), (guint) month - 1, 0), ==,
                   expected_for (from, to).sent.won);
  assert_label_shown ("Sent and Paid by Month");
  /* the next period would be the future */
  g_assert_false (gtk_widget_get_sensitive (pm_test_find_button (GTK_WIDGET (view), "summary.next")));

  /* back to this month */
  before = n_updates;
  gtk_widget_activate_action (GTK_WIDGET (view), "summary.preset", "s", "this-month");
  wait_for_update (before);
  g_assert_cmpuint (pm_bar_chart_get_n_groups (chart ()), ==, g_date_get_days_in_month (month, year));
}

typedef struct
{
  guint  n;
  guint  states;
  gint64 from;
  gint64 to;
} ShowBills;

static void
show_bills_cb (PmSummaryView *v,
               guint          states,
               gint64         from,
               gint64         to,
               ShowBills     *out)
{
  out->n++;
  out->states = states;
  out->from = from;
  out->to = to;
}

static AdwActionRow *
age_row (const char *title)
{
  g_autoptr(GPtrArray) rows = g_ptr_array_new ();

  pm_test_collect_mapped (GTK_WIDGET (view), ADW_TYPE_ACTION_ROW, rows);
  for (guint i = 0; i < rows->len; i++)
    if (g_strcmp0 (adw_preferences_row_get_title (rows->pdata[i]), title) == 0)
      return rows->pdata[i];
  g_error ("no row “%s”", title);
  return NULL;
}

static gboolean
payments_listed (gpointer data)
{
  GListModel *model = pm_payments_view_get_model (PM_PAYMENTS_VIEW (pm_window_get_payments_view (window)));

  return g_list_model_get_n_items (model) == GPOINTER_TO_UINT (data);
}

static void
test_ages (void)
{
  ShowBills got = { 0 };
  gulong id;
  const PmLedgerSummary *summary;
  AdwViewStack *stack = ADW_VIEW_STACK (gtk_widget_get_ancestor (GTK_WIDGET (view),
                                                                  ADW_TYPE_VIEW_STACK));
  gint64 now = now_utc ();

  show_page ();
  summary = pm_summary_view_get_summary (view);
  /* the seeds: one unpaid bill an hour old, one 12 days old, one 45 days old */
  g_assert_cmpint (summary->age[PM_SUMMARY_AGE_WEEK].count, ==, 1);
  g_assert_cmpint (summary->age[PM_SUMMARY_AGE_WEEK].won, ==, 11000);
  g_assert_cmpint (summary->age[PM_SUMMARY_AGE_MONTH].count, ==, 1);
  g_assert_cmpint (summary->age[PM_SUMMARY_AGE_MONTH].won, ==, 22000);
  g_assert_cmpint (summary->age[PM_SUMMARY_AGE_OLDER].count, ==, 1);
  g_assert_cmpint (summary->age[PM_SUMMARY_AGE_OLDER].won, ==, 33000);
  assert_label_shown ("₩11,000");
  assert_label_shown ("₩22,000");
  assert_label_shown ("₩33,000");
  g_assert_cmpstr (adw_action_row_get_subtitle (age_row ("Sent 31 or More Days Ago")), ==, "1 bill");

  id = g_signal_connect (view, "show-bills", G_CALLBACK (show_bills_cb), &got);

  /* 31 days and more: every unpaid bill (expired too) sent in that range */
  g_signal_emit_by_name (age_row ("Sent 31 or More Days Ago"), "activate");
  pm_test_spin (50);
  g_assert_cmpuint (got.n, ==, 1);
  g_assert_cmpuint (got.states, ==, PM_SUMMARY_UNPAID_STATES);
  g_assert_cmpint (got.from, <=, now - 45 * 86400);
  g_assert_cmpint (got.to, >, now - 45 * 86400);
  g_assert_cmpint (got.to, <=, now - 30 * 86400);
  /* it leads to the Payments page, which lists that bill though its last day is past */
  g_assert_cmpstr (adw_view_stack_get_visible_child_name (stack), ==, "payments");
  pm_test_spin_until (payments_listed, GUINT_TO_POINTER (1), 10000);
  {
    PmPaymentsView *payments = PM_PAYMENTS_VIEW (pm_window_get_payments_view (window));
    g_autoptr(PmBill) bill = g_list_model_get_item (pm_payments_view_get_model (payments), 0);

    g_assert_cmpint (pm_bill_get_price (bill), ==, 33000);
  }

  /* 0–7 days: the list shows that bill */
  show_page ();
  g_signal_emit_by_name (age_row ("Sent 0–7 Days Ago"), "activate");
  pm_test_spin (50);
  g_assert_cmpuint (got.n, ==, 2);
  g_assert_cmpuint (got.states, ==, PM_SUMMARY_UNPAID_STATES);
  g_assert_cmpint (got.from, <=, now - 3600);
  g_assert_cmpint (got.to, >, now);
  g_assert_cmpstr (adw_view_stack_get_visible_child_name (stack), ==, "payments");
  pm_test_spin_until (payments_listed, GUINT_TO_POINTER (1), 10000);
  {
    PmPaymentsView *payments = PM_PAYMENTS_VIEW (pm_window_get_payments_view (window));
    g_autoptr(PmBill) bill = g_list_model_get_item (pm_payments_view_get_model (payments), 0);

    g_assert_cmpint (pm_bill_get_price (bill), ==, 11000);
    /* the list as it was for the other tests */
    pm_payments_view_set_state_filter (payments, 0);
  }
  g_signal_handler_disconnect (view, id);
}

/* A bill written while the page is shown: the figures follow without a click. */
static void
test_live (void)
{
  int year, month;
  gint64 from, to;
  guint before;

  this_month (&year, &month);
  g_assert_true (pm_ledger_summary_period (PM_SUMMARY_SPAN_MONTH, year, month, &from, &to));
  show_page ();
  before = n_updates;
  seed (PM_BILL_STATE_PAID, 123000, 123000, MAX (from, now_utc () - 120));
  wait_for_update (before);
  assert_cards ((Expected[]) { expected_for (from, to) });
}

static guint32
pixel_at (GdkTexture *texture,
          int         x,
          int         y)
{
  int w = gdk_texture_get_width (texture);
  int h = gdk_texture_get_height (texture);
  g_autofree guchar *data = g_malloc ((gsize) w * h * 4);

  gdk_texture_download (texture, data, (gsize) w * 4);
  return ((guint32 *) data)[y * w + x];
}

/* The luminance (0–255) of the middle of bar (@group, @series), drawn as on screen. */
static double
bar_luminance (PmBarChart *bars,
               guint       group,
               guint       series)
{
  GtkWidget *widget = GTK_WIDGET (bars);
  graphene_rect_t bounds;
  g_autoptr(GdkPaintable) paintable = gtk_widget_paintable_new (widget);
  GtkSnapshot *snapshot = gtk_snapshot_new ();
  g_autoptr(GskRenderNode) node = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  GskRenderer *renderer = gtk_native_get_renderer (gtk_widget_get_native (widget));
  int w = gtk_widget_get_width (widget), h = gtk_widget_get_height (widget);
  guint32 argb;
  double r, g, b;

  g_assert_true (pm_bar_chart_get_bar_bounds (bars, group, series, &bounds));
  g_assert_cmpfloat (bounds.size.height, >, 2);
  /* on the page's own background: the window's */
  {
    GdkRGBA bg;
    GtkStyleContext *context = gtk_widget_get_style_context (widget);

    if (!gtk_style_context_lookup_color (context, "window_bg_color", &bg))
      gdk_rgba_parse (&bg, "white");
    bg.alpha = 1;
    gtk_snapshot_append_color (snapshot, &bg, &GRAPHENE_RECT_INIT (0, 0, w, h));
  }
  gdk_paintable_snapshot (paintable, snapshot, w, h);
  node = gtk_snapshot_free_to_node (snapshot);
  texture = gsk_renderer_render_texture (renderer, node, &GRAPHENE_RECT_INIT (0, 0, w, h));
  argb = pixel_at (texture, (int) (bounds.origin.x + bounds.size.width / 2),
                   (int) (bounds.origin.y + bounds.size.height / 2));
  r = (argb >> 16) & 0xff;
  g = (argb >> 8) & 0xff;
  b = argb & 0xff;
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

static void
test_dark (void)
{
  AdwStyleManager *style = adw_style_manager_get_default ();
  PmBarChart *bars;
  double light_sent, dark_sent, light_bg, dark_bg;

  show_page ();
  bars = chart ();
  adw_style_manager_set_color_scheme (style, ADW_COLOR_SCHEME_FORCE_LIGHT);
  pm_test_wait_for_draw (GTK_WIDGET (bars));
  light_sent = bar_luminance (bars, 0, 0);
  {
    GdkRGBA bg;

    gtk_style_context_lookup_color (gtk_widget_get_style_context (GTK_WIDGET (bars)),
                                    "window_bg_color", &bg);
    light_bg = 255 * (0.2126 * bg.red + 0.7152 * bg.green + 0.0722 * bg.blue);
  }

  adw_style_manager_set_color_scheme (style, ADW_COLOR_SCHEME_FORCE_DARK);
  pm_test_wait_for_draw (GTK_WIDGET (bars));
  pm_test_wait_for_draw (GTK_WIDGET (bars));
  g_assert_true (adw_style_manager_get_dark (style));
  dark_sent = bar_luminance (bars, 0, 0);
  {
    GdkRGBA bg;

    gtk_style_context_lookup_color (gtk_widget_get_style_context (GTK_WIDGET (bars)),
                                    "window_bg_color", &bg);
    dark_bg = 255 * (0.2126 * bg.red + 0.7152 * bg.green + 0.0722 * bg.blue);
  }
  g_test_message ("sent bar: light %.0f on %.0f, dark %.0f on %.0f", light_sent, light_bg,
                  dark_sent, dark_bg);
  /* the bars follow the style: darker than the card in light, lighter in dark */
  g_assert_cmpfloat (light_sent, <, light_bg - 40);
  g_assert_cmpfloat (dark_sent, >, dark_bg + 40);

  /* and the figures stay */
  assert_label_shown ("Sent and Paid by Day");
  adw_style_manager_set_color_scheme (style, ADW_COLOR_SCHEME_DEFAULT);
  pm_test_wait_for_draw (GTK_WIDGET (bars));
}

/* A connection with no bills: a friendly empty page, not zeros. */
static void
test_empty (void)
{
  PmService *service = pm_application_get_service (app);
  g_autoptr(PmProfile) sandbox = g_object_ref (pm_service_get_profile (service));
  g_autoptr(PmProfile) fresh = pm_profile_copy (sandbox);
  AdwStatusPage *page;
  guint before;

  show_page ();
  pm_profile_set_uuid (fresh, "00000000-0000-4000-8000-00000000e377");
  before = n_updates;
  pm_service_set_profile (service, fresh);
  view = PM_SUMMARY_VIEW (pm_window_get_summary_view (window));
  show_page ();
  wait_for_update (before);
  page = ADW_STATUS_PAGE (pm_test_find_widget (GTK_WIDGET (view), ADW_TYPE_STATUS_PAGE));
  g_assert_true (gtk_widget_get_mapped (GTK_WIDGET (page)));
  g_assert_cmpstr (adw_status_page_get_title (page), ==, "Nothing to Sum Up Yet");
  g_assert_null (pm_test_find_label (GTK_WIDGET (view), "₩0"));

  before = n_updates;
  pm_service_set_profile (service, sandbox);
  wait_for_update (before);
  g_assert_false (gtk_widget_get_mapped (GTK_WIDGET (page)));
}

/* ---- Screenshots (PM_SUMMARY_SCREENSHOTS=DIR) ---- */

static void
screenshot (GtkWidget  *win,
            const char *dir,
            const char *name)
{
  g_autofree char *path = g_strdup_printf ("%s/summary-%s.png", dir, name);
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

static void
shoot_window (const char *dir,
              const char *lang)
{
  AdwStyleManager *style = adw_style_manager_get_default ();
  PmWindow *win = pm_window_new (app);
  PmSummaryView *saved = view;
  AdwViewStack *stack;
  static const struct { const char *name; int w, h; } sizes[] = {
    { "wide", 1100, 900 }, { "narrow", 600, 1000 } };

  gtk_window_set_default_size (GTK_WINDOW (win), 1100, 900);
  gtk_window_present (GTK_WINDOW (win));
  view = PM_SUMMARY_VIEW (pm_window_get_summary_view (win));
  stack = ADW_VIEW_STACK (gtk_widget_get_ancestor (GTK_WIDGET (view), ADW_TYPE_VIEW_STACK));
  adw_view_stack_set_visible_child_name (stack, "summary");
  pm_test_spin_until (view_settled, NULL, 10000);
  pm_bar_chart_set_highlight (chart (), 0);
  for (guint s = 0; s < G_N_ELEMENTS (sizes); s++)
    for (int dark = 0; dark < 2; dark++)
      {
        g_autofree char *name = g_strdup_printf ("%s-%s-%s", lang, dark ? "dark" : "light",
                                                 sizes[s].name);

        adw_style_manager_set_color_scheme (style, dark ? ADW_COLOR_SCHEME_FORCE_DARK
                                                        : ADW_COLOR_SCHEME_FORCE_LIGHT);
        gtk_window_set_default_size (GTK_WINDOW (win), sizes[s].w, sizes[s].h);
        screenshot (GTK_WIDGET (win), dir, name);
      }
  /* the year, by month */
  {
    g_autofree char *name = g_strdup_printf ("%s-dark-narrow-year", lang);
    guint before = n_updates;
    gulong id = g_signal_connect (view, "updated", G_CALLBACK (updated_cb), NULL);

    gtk_widget_activate_action (GTK_WIDGET (view), "summary.preset", "s", "this-year");
    pm_test_spin_until (updated_since, GUINT_TO_POINTER (before), 10000);
    pm_bar_chart_set_highlight (chart (), 10);
    screenshot (GTK_WIDGET (win), dir, name);
    g_signal_handler_disconnect (view, id);
  }
  adw_style_manager_set_color_scheme (style, ADW_COLOR_SCHEME_DEFAULT);
  gtk_window_destroy (GTK_WINDOW (win));
  view = saved;
  pm_test_spin (100);
}

static void
test_screenshots (void)
{
  const char *dir = g_getenv ("PM_SUMMARY_SCREENSHOTS");
  g_autofree char *localedir = g_build_filename (g_getenv ("PM_BUILD_ROOT"), "po", NULL);
  g_autofree char *old_domain = NULL;

  if (dir == NULL)
    {
      g_test_skip ("PM_SUMMARY_SCREENSHOTS is not set");
      return;
    }
  gtk_widget_set_visible (GTK_WIDGET (window), FALSE);
  shoot_window (dir, "en");

  old_domain = g_strdup (textdomain (NULL));
  g_setenv ("LANGUAGE", "ko", TRUE);
  textdomain (GETTEXT_PACKAGE);
  bindtextdomain (GETTEXT_PACKAGE, localedir);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  shoot_window (dir, "ko");
  g_unsetenv ("LANGUAGE");
  textdomain (old_domain);
  gtk_widget_set_visible (GTK_WIDGET (window), TRUE);
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GError) error = NULL;
  int year, month, ly, lm, ret;
  gint64 first, now;

  pm_test_init (&argc, &argv);
  app = pm_application_new ();
  g_application_set_flags (G_APPLICATION (app), G_APPLICATION_NON_UNIQUE);
  pm_application_set_use_sandbox (app, TRUE);
  g_application_register (G_APPLICATION (app), NULL, &error);
  g_assert_no_error (error);
  pm_sandbox_set_payers (pm_application_get_sandbox (app), 0.0, 60, 60, 0.0);
  g_application_activate (G_APPLICATION (app));
  window = PM_WINDOW (gtk_application_get_active_window (GTK_APPLICATION (app)));
  gtk_window_set_default_size (GTK_WINDOW (window), 1000, 800);
  view = PM_SUMMARY_VIEW (pm_window_get_summary_view (window));
  g_assert_nonnull (view);
  g_signal_connect (view, "updated", G_CALLBACK (updated_cb), NULL);

  /* the ledger: this month from its first minute (Korea time), last month to its last */
  seeds = g_array_new (FALSE, TRUE, sizeof (Seed));
  this_month (&year, &month);
  ly = month > 1 ? year : year - 1;
  lm = month > 1 ? month - 1 : 12;
  first = kst (year, month, 1, 0, 1);
  now = now_utc ();
  seed (PM_BILL_STATE_PAID, 50000, 50000, first);
  seed (PM_BILL_STATE_CANCELLED, 20000, 20000, first + 9 * 3600);
  seed (PM_BILL_STATE_DESTROYED, 10000, 0, first + 10 * 3600);
  seed (PM_BILL_STATE_NOT_SENT, 99000, 0, first + 11 * 3600);
  seed (PM_BILL_STATE_FAILED, 98000, 0, first + 11 * 3600);
  seed (PM_BILL_STATE_PAID, 30000, 29000, MAX (first, now - 7200));
  seed (PM_BILL_STATE_PAID, 70000, 70000, kst (year, month, 1, 0, 0) - 60);
  seed (PM_BILL_STATE_PAID, 40000, 40000, kst (ly, lm, 1, 0, 1));
  seed (PM_BILL_STATE_UNPAID, 11000, 0, now - 3600);
  seed (PM_BILL_STATE_UNPAID, 22000, 0, now - 12 * 86400);
  seed (PM_BILL_STATE_UNPAID, 33000, 0, now - 45 * 86400);

  g_test_add_func ("/summary/figures", test_figures);
  g_test_add_func ("/summary/period", test_period);
  g_test_add_func ("/summary/ages", test_ages);
  g_test_add_func ("/summary/live", test_live);
  g_test_add_func ("/summary/dark", test_dark);
  g_test_add_func ("/summary/empty", test_empty);
  g_test_add_func ("/summary/screenshots", test_screenshots);

  ret = g_test_run ();
  gtk_window_destroy (GTK_WINDOW (window));
  g_application_quit (G_APPLICATION (app));
  g_clear_object (&app);
  g_array_unref (seeds);
  return ret;
}
