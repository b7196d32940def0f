/* bench-window.c — the payments window on a large ledger, measured by painted frames
 *
 * Copyright 2026 The Paymint Desk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Usage: bench-window N-BILLS CACHE-DIR [REPEATS]
 * Builds (once, kept in CACHE-DIR) a ledger of N bills of the built-in Sandbox profile,
 * then starts the app on it in a real window and prints, one "figure" line each:
 *  - first-row: from the start of the app to the first frame painted (the toplevel's
 *    GdkFrameClock "after-paint") in which a row of the list is mapped and shows the
 *    newest bill (its phone number, as the ledger says it should be);
 *  - totals: to the first painted frame whose totals line shows the final figure (count
 *    and won, computed beforehand on a separate connection);
 *  - for a search of one syllable, of two, of a 3+ character word, for a state filter and
 *    for a search with a state filter, REPEATS times each: from the last keystroke (the
 *    text is put in the search entry as typing does, the entry's own delay included) or
 *    the filter's change to the first painted frame showing the new first row AND the
 *    matching totals;
 *  - rss: resident memory of the window (VmRSS) after all that.
 * Expected rows and totals are computed before the app starts, on a connection that is
 * closed again, so the figures include nothing of it. Run under a display
 * (bench-window.sh uses xvfb-run and takes the medians). No pass/fail on time.
 */

#include "config.h"

#include <adwaita.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "pm-application.h"
#include "pm-ledger.h"
#include "pm-money.h"
#include "pm-payments-view.h"
#include "pm-phone.h"
#include "pm-window.h"

#define SANDBOX_PROFILE "5a4db0c5-0000-4000-8000-000000000001"
#define TIMEOUT_S 60

static const char *names[] = { "김민지", "이서준", "박지호", "최유나", "정하은", "강서연",
                               "윤태오", "임채원", "송민재", "한도윤", "오지안", "배수아" };
static const char *products[] = { "11월 수강료", "교재비", "도수치료 3회", "PT 10회",
                                  "원데이 클래스", "12월 수강료" };

static void
build_ledger (const char *path,
              guint       n)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PmLedger) ledger = pm_ledger_new (path, &error);
  gint64 t0 = g_get_monotonic_time ();
  gint64 base = g_get_real_time () / G_USEC_PER_SEC - (gint64) n * 30;

  if (ledger == NULL)
    g_error ("%s", error->message);
  for (guint i = 0; i < n; i += 10000)
    {
      if (!pm_ledger_begin (ledger, &error))
        g_error ("%s", error->message);
      for (guint j = i; j < MIN (n, i + 10000); j++)
        {
          g_autoptr(PmBill) bill = pm_bill_new ();
          g_autofree char *id = g_strdup_printf ("BENCH%015u", j);
          g_autofree char *phone = g_strdup_printf ("010%08u", (j * 7919u) % 100000000u);
          static const PmBillState states[] = { PM_BILL_STATE_PAID, PM_BILL_STATE_UNPAID,
                                                PM_BILL_STATE_PAID, PM_BILL_STATE_CANCELLED,
                                                PM_BILL_STATE_PAID, PM_BILL_STATE_DESTROYED };

          pm_bill_set_bill_id (bill, id);
          pm_bill_set_profile_id (bill, SANDBOX_PROFILE);
          pm_bill_set_payer_name (bill, names[j % G_N_ELEMENTS (names)]);
          pm_bill_set_phone (bill, phone);
          pm_bill_set_product (bill, products[j % G_N_ELEMENTS (products)]);
          pm_bill_set_message (bill, "결제 부탁드립니다");
          pm_bill_set_price (bill, 10000 + (j % 500) * 1000);
          pm_bill_set_expire_date (bill, "2030-12-31");
          pm_bill_set_state (bill, states[j % G_N_ELEMENTS (states)]);
          pm_bill_set_created_at (bill, base + (gint64) j * 30);
          pm_bill_set_updated_at (bill, base + (gint64) j * 30);
          if (!pm_ledger_insert_bill (ledger, bill, &error))
            g_error ("%s", error->message);
        }
      if (!pm_ledger_commit (ledger, &error))
        g_error ("%s", error->message);
    }
  g_print ("built a ledger of %u bills in %.1f s\n", n, (g_get_monotonic_time () - t0) / 1e6);
}

/* ---- what a query should show: its first row and its totals ---- */

typedef struct
{
  const char *label;      /* in the figure lines */
  const char *typed;      /* the search, one keystroke per character; NULL: none */
  guint       filter;     /* pm_payments_view_set_state_filter index */
  guint       states;     /* the same as query bits */
  char       *first_row;  /* the phone number of the first row, as displayed */
  char       *totals;     /* the start of the totals line: "83,334 bills, ₩…" */
  GArray     *ms;         /* double, one per repetition */
  GArray     *cpu_ms;     /* the same in CPU time */
  GArray     *rows_ms;    /* the new rows alone */
} Shape;

static Shape shapes[] = {
  { "all bills", NULL, 0, 0 },
  { "search 1 syllable \"민\"", "민", 0, 0 },
  { "search 2 syllables \"김민\"", "김민", 0, 0 },
  { "search 4 characters \"도수치료\"", "도수치료", 0, 0 },
  { "filter paid", NULL, 2, PM_LEDGER_STATE_BIT (PM_BILL_STATE_PAID) },
  { "search \"김민\" + filter paid", "김민", 2, PM_LEDGER_STATE_BIT (PM_BILL_STATE_PAID) },
};

static void
expect (PmLedger *ledger,
        Shape    *shape)
{
  g_autoptr(PmLedgerQuery) query = pm_ledger_query_new ();
  g_autoptr(GPtrArray) first = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *count = NULL;
  g_autofree char *won = NULL;
  PmLedgerTotals totals;

  pm_ledger_query_set_profile_id (query, SANDBOX_PROFILE);
  pm_ledger_query_set_text (query, shape->typed);
  query->states = shape->states;
  first = pm_ledger_fetch (ledger, query, 0, 1, &error);
  if (first == NULL || first->len == 0 || !pm_ledger_totals (ledger, query, &totals, &error))
    g_error ("%s: %s", shape->label, error != NULL ? error->message : "no rows");
  shape->first_row = pm_phone_format_display (pm_bill_get_phone (g_ptr_array_index (first, 0)));
  count = pm_money_format_digits (totals.all.count);
  won = pm_money_format (totals.all.won);
  shape->totals = g_strdup_printf ("%s %s, %s", count, totals.all.count == 1 ? "bill" : "bills",
                                   won);
  shape->ms = g_array_new (FALSE, FALSE, sizeof (double));
  shape->cpu_ms = g_array_new (FALSE, FALSE, sizeof (double));
  shape->rows_ms = g_array_new (FALSE, FALSE, sizeof (double));
}

/* ---- painted frames ---- */

static PmPaymentsView *view;
static GtkWidget *column_view;
static const Shape *want;        /* what the next painted frame should show */
static gint64 row_painted;       /* monotonic µs of the first frame that showed it; 0 */
static gint64 totals_painted;
static gint64 row_cpu;           /* the process's CPU time then, µs */
static gint64 totals_cpu;
static gint64 frame_painted;     /* the first frame painted at all (start-up), and its CPU */
static gint64 frame_cpu;

/* CPU time of the whole process (every thread), µs: on a loaded machine the wall-clock
 * figures include the wait for a core, this does not. */
static gint64
cpu_now (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_PROCESS_CPUTIME_ID, &ts);
  return (gint64) ts.tv_sec * G_USEC_PER_SEC + ts.tv_nsec / 1000;
}

/* The mapped row labels of the list (not its headers): their text and height. */
static void
row_labels (GtkWidget *root,
            GtkWidget *list,
            GArray    *found)
{
  if (!gtk_widget_get_mapped (root))
    return;
  if (GTK_IS_LABEL (root) && gtk_widget_get_ancestor (root, GTK_TYPE_LIST_VIEW) != NULL)
    {
      graphene_point_t at;

      if (gtk_widget_compute_point (root, list, &GRAPHENE_POINT_INIT (0, 0), &at))
        {
          struct { const char *text; float y; } label = { gtk_label_get_label (GTK_LABEL (root)),
                                                          at.y };

          g_array_append_val (found, label);
        }
      return;
    }
  for (GtkWidget *c = gtk_widget_get_first_child (root); c; c = gtk_widget_get_next_sibling (c))
    row_labels (c, list, found);
}

/* Whether the first row of the list shows @text (rows above it would be higher up). */
static gboolean
row_shown (GtkWidget  *list,
           const char *text)
{
  struct Label { const char *text; float y; };
  g_autoptr(GArray) found = g_array_new (FALSE, FALSE, sizeof (struct Label));
  float top = G_MAXFLOAT, at = G_MAXFLOAT;

  row_labels (list, list, found);
  for (guint i = 0; i < found->len; i++)
    {
      struct Label *label = &g_array_index (found, struct Label, i);

      if (*label->text == '\0')
        continue;
      top = MIN (top, label->y);
      if (g_strcmp0 (label->text, text) == 0)
        at = MIN (at, label->y);
    }
  return at < G_MAXFLOAT && at <= top + 1;
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

static void
after_paint_cb (GdkFrameClock *clock,
                gpointer       user_data)
{
  gint64 now = g_get_monotonic_time ();

  if (frame_painted == 0)
    {
      frame_painted = now;
      frame_cpu = cpu_now ();
    }
  if (want == NULL || !gtk_widget_get_mapped (GTK_WIDGET (view)))
    return;
  if (g_getenv ("PM_BENCH_TRACE") != NULL)
    g_print ("  frame at %.1f ms: totals \"%.40s\"\n", (now % 100000000) / 1e3,
             pm_payments_view_get_totals_text (view));
  if (row_painted == 0 && row_shown (column_view, want->first_row))
    {
      row_painted = now;
      row_cpu = cpu_now ();
    }
  if (totals_painted == 0 && g_str_has_prefix (pm_payments_view_get_totals_text (view),
                                               want->totals))
    {
      totals_painted = now;
      totals_cpu = cpu_now ();
    }
}

/* Spins until a painted frame showed @shape's first row and totals; FALSE on timeout. */
static gboolean
wait_painted (const Shape *shape)
{
  gint64 end = g_get_monotonic_time () + TIMEOUT_S * G_USEC_PER_SEC;

  want = shape;
  row_painted = totals_painted = 0;
  /* a frame is needed even if nothing changed (the same rows as before) */
  gtk_widget_queue_draw (column_view);
  while ((row_painted == 0 || totals_painted == 0) && g_get_monotonic_time () < end)
    g_main_context_iteration (NULL, TRUE);
  want = NULL;
  if (row_painted == 0 || totals_painted == 0)
    {
      g_print ("window: TIMEOUT waiting for %s (row %s, totals %s; shown \"%s\")\n",
               shape->label, row_painted ? "painted" : "missing",
               totals_painted ? "painted" : "missing", pm_payments_view_get_totals_text (view));
      return FALSE;
    }
  return TRUE;
}

static void
spin_for (guint ms)
{
  gint64 end = g_get_monotonic_time () + ms * 1000;

  while (g_get_monotonic_time () < end)
    g_main_context_iteration (NULL, FALSE);
}

static gint64 start_cpu;         /* CPU time at the last keystroke or click */

/* As a user types @text: one character more every 80 ms (a fast typist), the main loop
 * running in between; returns the time of the last keystroke. */
static gint64
type_text (GtkEditable *entry,
           const char  *text)
{
  gint64 last = 0;

  for (const char *p = text; *p != '\0'; p = g_utf8_next_char (p))
    {
      g_autofree char *prefix = g_strndup (text, g_utf8_next_char (p) - text);

      if (p != text)
        spin_for (80);
      last = g_get_monotonic_time ();
      start_cpu = cpu_now ();
      gtk_editable_set_text (entry, prefix);
    }
  return last;
}

static long
rss_kb (void)
{
  g_autofree char *status = NULL;
  const char *line;

  if (!g_file_get_contents ("/proc/self/status", &status, NULL, NULL))
    return -1;
  line = strstr (status, "VmRSS:");
  return line != NULL ? strtol (line + 6, NULL, 10) : -1;
}

static int
compare_double (gconstpointer a,
                gconstpointer b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return x < y ? -1 : x > y;
}

static double
median (GArray *values)
{
  g_autoptr(GArray) sorted = g_array_copy (values);

  if (sorted->len == 0)
    return -1;
  g_array_sort (sorted, compare_double);
  if (sorted->len % 2 == 1)
    return g_array_index (sorted, double, sorted->len / 2);
  return (g_array_index (sorted, double, sorted->len / 2 - 1)
          + g_array_index (sorted, double, sorted->len / 2)) / 2;
}

int
main (int   argc,
      char *argv[])
{
  guint n = argc > 1 ? (guint) atoi (argv[1]) : 1000000;
  const char *cache = argc > 2 ? argv[2] : g_get_tmp_dir ();
  guint repeats = argc > 3 ? (guint) atoi (argv[3]) : 5;
  g_autofree char *home = g_dir_make_tmp ("bench-window-XXXXXX", NULL);
  g_autofree char *data = g_build_filename (home, "data", "paymint-desk", NULL);
  g_autofree char *cached = NULL;
  g_autofree char *ledger_path = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(PmApplication) app = NULL;
  GtkEditable *entry;
  GtkWidget *window;
  gint64 t0, c0;

  cached = g_strdup_printf ("%s/bench-window-%u.db", cache, n);
  if (!g_file_test (cached, G_FILE_TEST_EXISTS))
    build_ledger (cached, n);

  /* what each shape should show, from a connection closed before the app starts */
  {
    g_autoptr(PmLedger) ledger = pm_ledger_new (cached, &error);

    if (ledger == NULL)
      g_error ("%s", error->message);
    for (guint i = 0; i < G_N_ELEMENTS (shapes); i++)
      expect (ledger, &shapes[i]);
  }

  /* the app's default ledger is $XDG_DATA_HOME/paymint-desk/ledger.db */
  g_mkdir_with_parents (data, 0700);
  ledger_path = g_build_filename (data, "ledger.db", NULL);
  if (symlink (cached, ledger_path) != 0)
    g_error ("could not link the ledger");
  g_setenv ("XDG_DATA_HOME", g_build_filename (home, "data", NULL), TRUE);

  /* ---- first paint ---- */
  t0 = g_get_monotonic_time ();
  c0 = cpu_now ();
  app = pm_application_new ();
  g_application_set_flags (G_APPLICATION (app), G_APPLICATION_NON_UNIQUE);
  pm_application_set_use_sandbox (app, TRUE);
  if (!g_application_register (G_APPLICATION (app), NULL, &error))
    g_error ("%s", error->message);
  g_print ("window, %u bills: app started (GTK, sandbox, ledger) after %.1f ms (CPU %.1f ms)\n",
           n, (g_get_monotonic_time () - t0) / 1e3, (cpu_now () - c0) / 1e3);
  g_application_activate (G_APPLICATION (app));
  g_print ("window, %u bills: window built after %.1f ms (CPU %.1f ms)\n", n,
           (g_get_monotonic_time () - t0) / 1e3, (cpu_now () - c0) / 1e3);
  window = GTK_WIDGET (gtk_application_get_active_window (GTK_APPLICATION (app)));
  /* the connection may come a little later (the service announces its ledger and profile
   * together): the clock keeps running */
  while (pm_window_get_payments_view (PM_WINDOW (window)) == NULL)
    {
      if (pm_application_get_service (app) == NULL
          || g_get_monotonic_time () - t0 > TIMEOUT_S * G_USEC_PER_SEC)
        g_error ("the window shows no payments (is %s a ledger?)", cached);
      g_main_context_iteration (NULL, TRUE);
    }
  view = PM_PAYMENTS_VIEW (pm_window_get_payments_view (PM_WINDOW (window)));
  column_view = find_type (GTK_WIDGET (view), GTK_TYPE_COLUMN_VIEW);
  entry = GTK_EDITABLE (find_type (GTK_WIDGET (view), GTK_TYPE_SEARCH_ENTRY));
  g_assert (column_view != NULL && entry != NULL);
  g_assert_cmpstr (pm_service_get_profile_id (pm_application_get_service (app)), ==,
                   SANDBOX_PROFILE);
  g_signal_connect (gtk_widget_get_frame_clock (window), "after-paint",
                    G_CALLBACK (after_paint_cb), NULL);
  if (!wait_painted (&shapes[0]))
    return 1;
  /* an extra line, not a figure: the first frame of the window, rows or not */
  g_print ("window, %u bills: first frame painted after %.1f ms (CPU %.1f ms)\n", n,
           (frame_painted - t0) / 1e3, (frame_cpu - c0) / 1e3);
  g_print ("figure: %u bills: first row painted: %.1f ms (CPU %.1f ms)\n", n,
           (row_painted - t0) / 1e3, (row_cpu - c0) / 1e3);
  g_print ("figure: %u bills: totals painted: %.1f ms (CPU %.1f ms)\n", n,
           (totals_painted - t0) / 1e3, (totals_cpu - c0) / 1e3);

  /* ---- searches and filters, from the last keystroke or click to rows and totals ---- */
  gtk_search_bar_set_search_mode (GTK_SEARCH_BAR (find_type (GTK_WIDGET (view),
                                                             GTK_TYPE_SEARCH_BAR)), TRUE);
  for (guint r = 0; r < repeats; r++)
    for (guint i = 1; i < G_N_ELEMENTS (shapes); i++)
      {
        Shape *shape = &shapes[i];
        gint64 start, cpu;
        double ms;

        /* back to every bill, painted, and a moment of quiet */
        gtk_editable_set_text (entry, "");
        pm_payments_view_set_state_filter (view, 0);
        if (!wait_painted (&shapes[0]))
          return 1;
        spin_for (300);

        start = g_get_monotonic_time ();
        start_cpu = cpu_now ();
        if (shape->filter != 0)
          pm_payments_view_set_state_filter (view, shape->filter);
        if (shape->typed != NULL)
          start = type_text (entry, shape->typed);
        if (!wait_painted (shape))
          return 1;
        cpu = MAX (row_cpu, totals_cpu) - start_cpu;
        ms = (MAX (row_painted, totals_painted) - start) / 1e3;
        g_array_append_val (shape->ms, ms);
        ms = cpu / 1e3;
        g_array_append_val (shape->cpu_ms, ms);
        ms = (row_painted - start) / 1e3;
        g_array_append_val (shape->rows_ms, ms);
        g_print ("window, %u bills: %s: rows painted after %.1f ms, totals after %.1f ms "
                 "(CPU %.1f ms)\n", n, shape->label, (row_painted - start) / 1e3,
                 (totals_painted - start) / 1e3, cpu / 1e3);
      }
  for (guint i = 1; i < G_N_ELEMENTS (shapes) && repeats > 0; i++)
    g_print ("figure: %u bills: %s, rows and totals painted (median of %u): %.1f ms "
             "(CPU %.1f ms); the rows alone %.1f ms\n", n, shapes[i].label, shapes[i].ms->len,
             median (shapes[i].ms), median (shapes[i].cpu_ms), median (shapes[i].rows_ms));
  if (repeats > 0)
    g_print ("figure: %u bills: resident memory after the searches: %.1f MB\n", n,
             rss_kb () / 1024.0);

  gtk_window_destroy (GTK_WINDOW (window));
  g_application_quit (G_APPLICATION (app));
  g_unlink (ledger_path);
  return 0;
}
