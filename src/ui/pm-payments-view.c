/* pm-payments-view.c — every bill with its live status, searchable, with a detail pane
 *
 * Copyright 2026 The Paymint Desk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The list is a GtkColumnView over PmLedgerModel: filtering, searching and sorting
 * happen in SQL and rows are fetched in pages, so a million bills open and scroll like
 * a hundred. Rows update in place when the poller learns something (PmBill notifies),
 * so selection and scroll position stay put.
 *
 * Rows, totals and the empty state are brought up to date together, from the one query,
 * by sync_view(): after a filter changes, after F5, and when another process (the CLI, a
 * second window, another desk of the shop) changed the ledger ("ledger-changed"), and
 * with a new model when the service uses another ledger ("notify::ledger"). Nothing else
 * sets any of the three, so they cannot disagree. The rows come first: the model reads only its first
 * page, so the next frame shows them; its size and the totals are one evaluation, made in
 * a worker thread (pm_ledger_model_totals_async), and shown when they arrive. Until then
 * the totals line is empty rather than the previous query's; totals that do not match
 * the rows (another process wrote in between) are never shown: the rows are read again.
 *
 * Narrow windows: an AdwLeaflet shows the list alone and the details as a page with a
 * back button ("payments.back"); the "narrow" property follows the leaflet's folded
 * state and hides the Phone, Sent and Checked columns.
 */

#include "config.h"

#include <glib/gi18n.h>

#include "pm-payments-view.h"
#include "pm-bill-detail.h"
#include "pm-error.h"
#include "pm-ledger-model.h"
#include "pm-money.h"
#include "pm-phone.h"
#include "pm-ui.h"

/* At most one sync every this many milliseconds; a burst of changes is one sync. */
#define SYNC_INTERVAL_MS 250

typedef enum
{
  SYNC_TOTALS = 0,       /* rows already right (their model told us): totals, empty state */
  SYNC_ROWS = 1 << 0,    /* read the rows anew, selection and scroll kept where possible */
  SYNC_FILTER = 1 << 1,  /* the user changed what is shown: back to the top */
} SyncFlags;

typedef enum
{
  COL_PAYER,
  COL_PHONE,
  COL_PRODUCT,
  COL_AMOUNT,
  COL_STATUS,
  COL_SENT,
  COL_CHECKED,
  N_COLUMNS
} Column;

struct _PmPaymentsView
{
  GtkWidget           parent_instance;

  PmService          *service;
  PmLedgerModel      *model;
  struct _PmPaymentsRows *rows;       /* what the column view shows: rows over self->model */
  GtkSliceListModel  *first_rows;     /* self->rows, cut to the first frame's until it is painted */
  guint               grow_id;        /* the idle that lets every row in */
  GtkSingleSelection *selection;
  PmLedgerQuery      *query;
  GCancellable       *cancellable;
  GCancellable       *totals_cancellable; /* the totals being computed, for self->model */
  guint               totals_retries;     /* rows read again for totals that disagreed */
  PmLedgerModel      *totals_for;         /* the model those totals are of (its task holds it) */
  gboolean            totals_again;       /* the list changed while they were being counted */
  gboolean            counting;           /* the model takes its size from the totals */
  gboolean            painted;            /* a frame with the rows has been painted */
  gboolean            totals_waiting;     /* totals wanted once that frame is painted */
  GHashTable         *checked_labels; /* GtkLabel → PmBill, for the "last checked" refresh */
  PmBill             *probe[2];       /* two items to ask the column sorter which column leads */
  int                 probe_column;
  guint               sync_id;        /* a sync waiting for SYNC_INTERVAL_MS */
  SyncFlags           sync_pending;
  gint64              last_sync;      /* monotonic µs */
  guint               tick_id;
  guint               save_widths_id;
  guint               scroll_tick_id;
  double              scroll_to;
  char               *totals_text;
  GSettings          *settings;
  GtkColumnViewColumn *columns[N_COLUMNS];
  AdwToast           *toast;          /* the one on screen, until dismissed */
  PmBill             *current;        /* the bill the details show (selected, or pinned) */
  gboolean            pinned;         /* current left the list (a filter no longer matches) */
  gboolean            restoring;      /* selecting by program, not by the user */
  gboolean            keep_current;   /* losing the selection keeps the details (pinned) */
  gboolean            narrow;
  gboolean            folded;
  guint               narrow_idle_id;

  AdwToastOverlay    *toast_overlay;
  GtkSearchBar       *search_bar;
  GtkSearchEntry     *search_entry;
  GtkDropDown        *state_dropdown;
  GtkDropDown        *period_dropdown;
  GtkMenuButton      *range_button;
  GtkPopover         *range_popover;
  GtkCalendar        *from_calendar;
  GtkCalendar        *to_calendar;
  GDateTime          *range_from;   /* the custom range, Korea-time days, inclusive */
  GDateTime          *range_to;
  GtkLabel           *totals_label;
  GtkBox             *filter_bar;
  GtkStack           *list_stack;
  GtkScrolledWindow  *list_scroller;
  GtkColumnView      *column_view;
  AdwStatusPage      *empty_page;
  AdwLeaflet         *leaflet;
  GtkWidget          *list_page;
  GtkWidget          *details_separator;
  GtkWidget          *details_page;
  GtkWidget          *back_bar;
  GtkWidget          *pinned_bar;
  GtkLabel           *pinned_label;
  PmBillDetail       *detail;
};

G_DEFINE_FINAL_TYPE (PmPaymentsView, pm_payments_view, GTK_TYPE_WIDGET)

enum {
  PROP_0,
  PROP_SERVICE,
  PROP_NARROW,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* Names in the "column-widths" setting. */
static const char *column_ids[N_COLUMNS] = {
  [COL_PAYER] = "payer",
  [COL_PHONE] = "phone",
  [COL_PRODUCT] = "reason",
  [COL_AMOUNT] = "amount",
  [COL_STATUS] = "status",
  [COL_SENT] = "sent",
  [COL_CHECKED] = "checked",
};

static const PmLedgerSort column_sort[N_COLUMNS] = {
  [COL_PAYER] = PM_LEDGER_SORT_PAYER,
  [COL_PHONE] = PM_LEDGER_SORT_PAYER,
  [COL_PRODUCT] = PM_LEDGER_SORT_PAYER,
  [COL_AMOUNT] = PM_LEDGER_SORT_AMOUNT,
  [COL_STATUS] = PM_LEDGER_SORT_STATE,
  [COL_SENT] = PM_LEDGER_SORT_CREATED_AT,
  [COL_CHECKED] = PM_LEDGER_SORT_LAST_CHECKED,
};

static void
toast_dismissed_cb (AdwToast       *t,
                    PmPaymentsView *self)
{
  if (self->toast == t)
    g_clear_object (&self->toast);
}

/* @bill_id: (nullable): a bill the toast offers to show. The newest result takes the
 * place of the one on screen: its text and button change in place. (libadwaita 1.2.2
 * crashes when a toast is dismissed by hand while it animates, asserts when a
 * high-priority one pushes another aside, and a queue of toasts shows stale news.) */
static void
toast_full (PmPaymentsView *self,
            const char     *text,
            const char     *bill_id)
{
  AdwToast *t = self->toast;

  /* kept for whoever asks what the user was just told (tests, accessibility) */
  g_object_set_data_full (G_OBJECT (self), "pm-last-toast", g_strdup (text), g_free);

  if (t == NULL)
    {
      t = adw_toast_new (text);
      self->toast = g_object_ref (t);
      g_signal_connect_object (t, "dismissed", G_CALLBACK (toast_dismissed_cb), self, 0);
      adw_toast_set_timeout (t, 5);
    }
  else
    adw_toast_set_title (t, text);

  if (bill_id != NULL)
    {
      adw_toast_set_button_label (t, _("_Show"));
      adw_toast_set_action_name (t, "bill.show");
      adw_toast_set_action_target_value (t, g_variant_new_string (bill_id));
    }
  else
    {
      adw_toast_set_button_label (t, NULL);
      adw_toast_set_action_name (t, NULL);
    }
  if (g_object_get_data (G_OBJECT (t), "pm-shown") == NULL)
    {
      g_object_set_data (G_OBJECT (t), "pm-shown", GINT_TO_POINTER (TRUE));
      adw_toast_overlay_add_toast (self->toast_overlay, t);
    }
}

static void
toast (PmPaymentsView *self,
       const char     *text)
{
  toast_full (self, text, NULL);
}

/* ---- rows that stay on screen while the query changes ----
 *
 * A new query used to get a new selection model, and GTK 4.8 then tears down every row
 * widget of the column view and builds them anew (about fifteen widgets a row, with
 * their style): most of the cost of a search. Instead the column view shows
 * PmPaymentsRows, a list of PmPaymentsRow objects that stand for positions, not bills:
 * when the query changes, each row object on screen is pointed at the bill now at its
 * position (its cells follow "notify::bill") and only the change in length is announced.
 * Changes inside one query (a bill added, removed or moved) are passed on as they come,
 * the row objects after them moving with their bills. */

#define PM_TYPE_PAYMENTS_ROW (pm_payments_row_get_type ())
G_DECLARE_FINAL_TYPE (PmPaymentsRow, pm_payments_row, PM, PAYMENTS_ROW, GObject)

#define DETACHED G_MAXUINT

struct _PmPaymentsRow
{
  GObject  parent_instance;
  PmBill  *bill;
  guint    position;   /* DETACHED once its position left the list */
};

static GParamSpec *row_bill_pspec;

G_DEFINE_FINAL_TYPE (PmPaymentsRow, pm_payments_row, G_TYPE_OBJECT)

static void
pm_payments_row_finalize (GObject *object)
{
  g_clear_object (&PM_PAYMENTS_ROW (object)->bill);
  G_OBJECT_CLASS (pm_payments_row_parent_class)->finalize (object);
}

static void
pm_payments_row_get_property (GObject    *object,
                              guint       prop_id,
                              GValue     *value,
                              GParamSpec *pspec)
{
  if (prop_id == 1)
    g_value_set_object (value, PM_PAYMENTS_ROW (object)->bill);
  else
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
}

static void
pm_payments_row_class_init (PmPaymentsRowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = pm_payments_row_finalize;
  object_class->get_property = pm_payments_row_get_property;
  row_bill_pspec = g_param_spec_object ("bill", NULL, NULL, PM_TYPE_BILL,
                                        G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_property (object_class, 1, row_bill_pspec);
}

static void
pm_payments_row_init (PmPaymentsRow *self)
{
}

static void
row_set_bill (PmPaymentsRow *row,
              PmBill        *bill)
{
  if (g_set_object (&row->bill, bill))
    g_object_notify_by_pspec (G_OBJECT (row), row_bill_pspec);
}

#define PM_TYPE_PAYMENTS_ROWS (pm_payments_rows_get_type ())
G_DECLARE_FINAL_TYPE (PmPaymentsRows, pm_payments_rows, PM, PAYMENTS_ROWS, GObject)

struct _PmPaymentsRows
{
  GObject     parent_instance;
  GListModel *model;    /* of PmBill */
  GHashTable *rows;     /* position → PmPaymentsRow, weak: the rows someone holds */
  guint       n_items;
};

static void pm_payments_rows_list_model_init (GListModelInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (PmPaymentsRows, pm_payments_rows, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL,
                                                      pm_payments_rows_list_model_init))

static void
row_gone_cb (gpointer  data,
             GObject  *where_the_object_was)
{
  PmPaymentsRows *rows = data;
  PmPaymentsRow *row = (PmPaymentsRow *) where_the_object_was;
  gpointer key = GUINT_TO_POINTER (row->position);

  if (row->position != DETACHED && g_hash_table_lookup (rows->rows, key) == row)
    g_hash_table_remove (rows->rows, key);
}

static void
rows_detach_all (PmPaymentsRows *rows)
{
  GHashTableIter iter;
  gpointer row;

  g_hash_table_iter_init (&iter, rows->rows);
  while (g_hash_table_iter_next (&iter, NULL, &row))
    {
      g_object_weak_unref (row, row_gone_cb, rows);
      PM_PAYMENTS_ROW (row)->position = DETACHED;
    }
  g_hash_table_remove_all (rows->rows);
}

static void
pm_payments_rows_dispose (GObject *object)
{
  PmPaymentsRows *rows = PM_PAYMENTS_ROWS (object);

  if (rows->model != NULL)
    g_signal_handlers_disconnect_by_data (rows->model, rows);
  g_clear_object (&rows->model);
  if (rows->rows != NULL)
    rows_detach_all (rows);
  G_OBJECT_CLASS (pm_payments_rows_parent_class)->dispose (object);
}

static void
pm_payments_rows_finalize (GObject *object)
{
  g_clear_pointer (&PM_PAYMENTS_ROWS (object)->rows, g_hash_table_unref);
  G_OBJECT_CLASS (pm_payments_rows_parent_class)->finalize (object);
}

static void
pm_payments_rows_class_init (PmPaymentsRowsClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = pm_payments_rows_dispose;
  G_OBJECT_CLASS (klass)->finalize = pm_payments_rows_finalize;
}

static void
pm_payments_rows_init (PmPaymentsRows *rows)
{
  rows->rows = g_hash_table_new (NULL, NULL);
}

static GType
pm_payments_rows_get_item_type (GListModel *model)
{
  return PM_TYPE_PAYMENTS_ROW;
}

static guint
pm_payments_rows_get_n_items (GListModel *model)
{
  return PM_PAYMENTS_ROWS (model)->n_items;
}

static gpointer
pm_payments_rows_get_item (GListModel *model,
                           guint       position)
{
  PmPaymentsRows *rows = PM_PAYMENTS_ROWS (model);
  PmPaymentsRow *row;
  g_autoptr(PmBill) bill = NULL;

  if (position >= rows->n_items || rows->model == NULL)
    return NULL;
  row = g_hash_table_lookup (rows->rows, GUINT_TO_POINTER (position));
  if (row != NULL)
    return g_object_ref (row);
  bill = g_list_model_get_item (rows->model, position);
  if (bill == NULL)
    return NULL;
  row = g_object_new (PM_TYPE_PAYMENTS_ROW, NULL);
  row->bill = g_steal_pointer (&bill);
  row->position = position;
  g_object_weak_ref (G_OBJECT (row), row_gone_cb, rows);
  g_hash_table_insert (rows->rows, GUINT_TO_POINTER (position), row);
  return row;
}

static void
pm_payments_rows_list_model_init (GListModelInterface *iface)
{
  iface->get_item_type = pm_payments_rows_get_item_type;
  iface->get_n_items = pm_payments_rows_get_n_items;
  iface->get_item = pm_payments_rows_get_item;
}

/* A change inside the model: the rows after it move with their bills. */
static void
rows_model_changed_cb (GListModel     *model,
                       guint           position,
                       guint           removed,
                       guint           added,
                       PmPaymentsRows *rows)
{
  g_autoptr(GHashTable) moved = g_hash_table_new (NULL, NULL);
  GHashTableIter iter;
  gpointer key, value;

  g_hash_table_iter_init (&iter, rows->rows);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      PmPaymentsRow *row = value;
      guint at = GPOINTER_TO_UINT (key);

      if (at < position)
        g_hash_table_insert (moved, key, row);
      else if (at < position + removed)
        {
          g_object_weak_unref (G_OBJECT (row), row_gone_cb, rows);
          row->position = DETACHED;
        }
      else
        {
          row->position = at - removed + added;
          g_hash_table_insert (moved, GUINT_TO_POINTER (row->position), row);
        }
    }
  g_hash_table_steal_all (rows->rows);
  g_hash_table_iter_init (&iter, moved);
  while (g_hash_table_iter_next (&iter, &key, &value))
    g_hash_table_insert (rows->rows, key, value);
  rows->n_items = g_list_model_get_n_items (model);
  g_list_model_items_changed (G_LIST_MODEL (rows), position, removed, added);
}

/* Shows @model's bills. Rows on screen at positions below @reuse_below show the bill now
 * at their position (they stay, with their widgets); with rows further down, every row
 * is replaced (two changes, all out then all in, so GTK does not look for its old rows
 * among the new ones: on a million bills that would read every page). */
static void
rows_set_model (PmPaymentsRows *rows,
                GListModel     *model,
                guint           reuse_below)
{
  guint old = rows->n_items;
  guint n = g_list_model_get_n_items (model);
  gboolean in_place = TRUE;
  GHashTableIter iter;
  gpointer key, value;

  g_hash_table_iter_init (&iter, rows->rows);
  while (in_place && g_hash_table_iter_next (&iter, &key, NULL))
    in_place = GPOINTER_TO_UINT (key) < reuse_below || GPOINTER_TO_UINT (key) >= n;

  if (rows->model != NULL)
    g_signal_handlers_disconnect_by_data (rows->model, rows);
  g_set_object (&rows->model, model);
  g_signal_connect (model, "items-changed", G_CALLBACK (rows_model_changed_cb), rows);

  if (!in_place)
    {
      rows_detach_all (rows);
      rows->n_items = 0;
      if (old > 0)
        g_list_model_items_changed (G_LIST_MODEL (rows), 0, old, 0);
      rows->n_items = n;
      if (n > 0)
        g_list_model_items_changed (G_LIST_MODEL (rows), 0, 0, n);
      return;
    }

  g_hash_table_iter_init (&iter, rows->rows);
  while (g_hash_table_iter_next (&iter, &key, &value))
    if (GPOINTER_TO_UINT (key) < n)
      {
        g_autoptr(PmBill) bill = g_list_model_get_item (model, GPOINTER_TO_UINT (key));

        if (bill != NULL)
          row_set_bill (value, bill);
      }
  rows->n_items = n;
  if (n > old)
    g_list_model_items_changed (G_LIST_MODEL (rows), old, 0, n - old);
  else if (n < old)
    g_list_model_items_changed (G_LIST_MODEL (rows), n, old - n, 0);
}

static PmBill *
row_bill (gpointer row)
{
  return row != NULL ? PM_PAYMENTS_ROW (row)->bill : NULL;
}

/* ---- cells ---- */

static void
update_cell (GtkLabel *label,
             PmBill   *bill,
             Column    column)
{
  g_autofree char *text = NULL;
  gint64 now = pm_ui_now ();

  switch (column)
    {
    case COL_PAYER:
      gtk_label_set_label (label, pm_bill_get_payer_name (bill));
      return;
    case COL_PHONE:
      text = pm_phone_format_display (pm_bill_get_phone (bill));
      break;
    case COL_PRODUCT:
      gtk_label_set_label (label, pm_bill_get_product (bill));
      return;
    case COL_AMOUNT:
      text = pm_money_format (pm_bill_get_price (bill));
      break;
    case COL_STATUS:
      pm_ui_set_status_badge (label, bill, now);
      return;
    case COL_SENT:
      text = pm_ui_format_time_short (pm_bill_get_created_at (bill), now);
      break;
    case COL_CHECKED:
      text = pm_ui_format_relative (pm_bill_get_last_checked_at (bill), now);
      break;
    case N_COLUMNS:
    default:
      g_return_if_reached ();
    }
  gtk_label_set_label (label, text);
}

static void
cell_bill_notify_cb (PmBill     *bill,
                     GParamSpec *pspec,
                     GtkLabel   *label)
{
  update_cell (label, bill,
               GPOINTER_TO_INT (g_object_get_data (G_OBJECT (label), "pm-column")));
}

static void
setup_cell_cb (GtkSignalListItemFactory *factory,
               GtkListItem              *item,
               gpointer                  user_data)
{
  Column column = GPOINTER_TO_INT (user_data);
  GtkWidget *label = gtk_label_new (NULL);

  gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_END);
  gtk_label_set_xalign (GTK_LABEL (label), column == COL_AMOUNT ? 1.0f : 0.0f);
  if (column == COL_AMOUNT)
    gtk_widget_add_css_class (label, "amount");
  if (column == COL_STATUS)
    gtk_widget_set_halign (label, GTK_ALIGN_START);
  if (column == COL_PHONE || column == COL_SENT || column == COL_CHECKED)
    gtk_widget_add_css_class (label, "numeric");
  g_object_set_data (G_OBJECT (label), "pm-column", user_data);
  gtk_list_item_set_child (item, label);
}

/* The cell shows @bill (NULL: none), and follows its changes. */
static void
cell_show_bill (PmPaymentsView *self,
                GtkLabel       *label,
                PmBill         *bill)
{
  PmBill *shown = g_object_get_data (G_OBJECT (label), "pm-bill");
  gulong id = GPOINTER_TO_SIZE (g_object_get_data (G_OBJECT (label), "pm-notify-id"));
  Column column = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (label), "pm-column"));

  if (id != 0 && shown != NULL)
    g_signal_handler_disconnect (shown, id);
  g_object_set_data (G_OBJECT (label), "pm-notify-id", NULL);
  g_object_set_data_full (G_OBJECT (label), "pm-bill", bill ? g_object_ref (bill) : NULL,
                          g_object_unref);
  g_hash_table_remove (self->checked_labels, label);
  if (bill == NULL)
    return;
  update_cell (label, bill, column);
  id = g_signal_connect_object (bill, "notify", G_CALLBACK (cell_bill_notify_cb), label, 0);
  g_object_set_data (G_OBJECT (label), "pm-notify-id", GSIZE_TO_POINTER (id));
  if (column == COL_CHECKED)
    g_hash_table_insert (self->checked_labels, label, bill);
}

static void
cell_row_bill_cb (PmPaymentsRow *row,
                  GParamSpec    *pspec,
                  GtkLabel      *label)
{
  PmPaymentsView *self = g_object_get_data (G_OBJECT (label), "pm-view");

  if (self != NULL)
    cell_show_bill (self, label, row->bill);
}

static void
bind_cell_cb (GtkSignalListItemFactory *factory,
              GtkListItem              *item,
              PmPaymentsView           *self)
{
  GtkLabel *label = GTK_LABEL (gtk_list_item_get_child (item));
  PmPaymentsRow *row = gtk_list_item_get_item (item);
  gulong id;

  g_object_set_data (G_OBJECT (label), "pm-view", self);
  cell_show_bill (self, label, row->bill);
  id = g_signal_connect_object (row, "notify::bill", G_CALLBACK (cell_row_bill_cb), label, 0);
  g_object_set_data (G_OBJECT (label), "pm-row-id", GSIZE_TO_POINTER (id));
}

static void
unbind_cell_cb (GtkSignalListItemFactory *factory,
                GtkListItem              *item,
                PmPaymentsView           *self)
{
  GtkLabel *label = GTK_LABEL (gtk_list_item_get_child (item));
  gpointer row = gtk_list_item_get_item (item);
  gulong id = GPOINTER_TO_SIZE (g_object_get_data (G_OBJECT (label), "pm-row-id"));

  if (id != 0 && row != NULL)
    g_signal_handler_disconnect (row, id);
  g_object_set_data (G_OBJECT (label), "pm-row-id", NULL);
  cell_show_bill (self, label, NULL);
}

static gboolean
tick_cb (gpointer user_data)
{
  PmPaymentsView *self = user_data;
  GHashTableIter iter;
  gpointer label, bill;

  /* "last checked 3 min ago" ages by itself */
  g_hash_table_iter_init (&iter, self->checked_labels);
  while (g_hash_table_iter_next (&iter, &label, &bill))
    update_cell (label, bill, COL_CHECKED);
  return G_SOURCE_CONTINUE;
}

/* ---- sorting: the column view only says which header was clicked ---- */

static int
probe_compare_cb (gconstpointer a,
                  gconstpointer b,
                  gpointer      user_data)
{
  PmPaymentsView *self = g_object_get_data (G_OBJECT (a), "pm-view");

  /* the column view's sorter asks its primary column first */
  if (self != NULL && self->probe_column < 0)
    self->probe_column = GPOINTER_TO_INT (user_data);
  return GTK_ORDERING_SMALLER;
}

static void apply_query (PmPaymentsView *self);

static void
sorter_changed_cb (GtkSorter       *sorter,
                   GtkSorterChange  change,
                   PmPaymentsView  *self)
{
  GtkOrdering order;

  self->probe_column = -1;
  order = gtk_sorter_compare (sorter, self->probe[0], self->probe[1]);
  if (self->probe_column < 0)
    {
      self->query->sort = PM_LEDGER_SORT_CREATED_AT;
      self->query->descending = TRUE;
    }
  else
    {
      self->query->sort = column_sort[self->probe_column];
      self->query->descending = order == GTK_ORDERING_LARGER;
    }
  apply_query (self);
}

/* ---- columns: resizable, their widths remembered ---- */

static gboolean
save_widths_cb (gpointer user_data)
{
  PmPaymentsView *self = user_data;
  GVariantBuilder builder;

  self->save_widths_id = 0;
  if (self->settings == NULL)
    return G_SOURCE_REMOVE;
  g_variant_builder_init (&builder, G_VARIANT_TYPE ("a{si}"));
  for (guint i = 0; i < N_COLUMNS; i++)
    {
      int width = self->columns[i] != NULL
                    ? gtk_column_view_column_get_fixed_width (self->columns[i]) : -1;

      if (width > 0)
        g_variant_builder_add (&builder, "{si}", column_ids[i], width);
    }
  g_settings_set_value (self->settings, "column-widths", g_variant_builder_end (&builder));
  return G_SOURCE_REMOVE;
}

static void
column_width_cb (PmPaymentsView *self)
{
  /* a drag changes the width many times a second: write once it settles */
  g_clear_handle_id (&self->save_widths_id, g_source_remove);
  self->save_widths_id = g_timeout_add (300, save_widths_cb, self);
}

static int
saved_width (PmPaymentsView *self,
             Column          column)
{
  g_autoptr(GVariant) widths = NULL;
  int width;

  if (self->settings == NULL)
    return -1;
  widths = g_settings_get_value (self->settings, "column-widths");
  if (!g_variant_lookup (widths, column_ids[column], "i", &width) || width < 24 || width > 4000)
    return -1;
  return width;
}

static void
add_column (PmPaymentsView *self,
            Column          column,
            const char     *title,
            gboolean        expand,
            int             fixed_width)
{
  GtkListItemFactory *factory = gtk_signal_list_item_factory_new ();
  GtkColumnViewColumn *col;
  g_autoptr(GtkSorter) sorter = NULL;
  int saved = saved_width (self, column);

  g_signal_connect (factory, "setup", G_CALLBACK (setup_cell_cb), GINT_TO_POINTER (column));
  g_signal_connect_object (factory, "bind", G_CALLBACK (bind_cell_cb), self, 0);
  g_signal_connect_object (factory, "unbind", G_CALLBACK (unbind_cell_cb), self, 0);
  col = gtk_column_view_column_new (title, factory);
  gtk_column_view_column_set_expand (col, expand);
  gtk_column_view_column_set_resizable (col, TRUE);
  if (saved > 0)
    gtk_column_view_column_set_fixed_width (col, saved);
  else if (fixed_width > 0)
    gtk_column_view_column_set_fixed_width (col, fixed_width);
  if (column != COL_PHONE && column != COL_PRODUCT)
    {
      sorter = GTK_SORTER (gtk_custom_sorter_new (probe_compare_cb, GINT_TO_POINTER (column),
                                                  NULL));
      gtk_column_view_column_set_sorter (col, sorter);
    }
  gtk_column_view_append_column (self->column_view, col);
  self->columns[column] = col; /* owned: a narrow window takes some out of the view */
  g_signal_connect_object (col, "notify::fixed-width", G_CALLBACK (column_width_cb), self,
                           G_CONNECT_SWAPPED);
}

/* Shows only the columns a narrow list has room for. GTK 4.8 gives no extra width to an
 * expanding column while another column is merely invisible, so they are taken out of the
 * view and put back in their place. */
static void
set_narrow_columns (PmPaymentsView *self,
                    gboolean        narrow)
{
  GListModel *shown = gtk_column_view_get_columns (self->column_view);
  guint position = 0;

  for (guint i = 0; i < N_COLUMNS; i++)
    {
      GtkColumnViewColumn *col = self->columns[i];
      gboolean want = !narrow || (i != COL_PHONE && i != COL_SENT && i != COL_CHECKED);
      gboolean in_view = gtk_column_view_column_get_column_view (col) != NULL;

      if (want && !in_view)
        gtk_column_view_insert_column (self->column_view, position, col);
      else if (!want && in_view)
        gtk_column_view_remove_column (self->column_view, col);
      if (want)
        position++;
    }
  g_assert (g_list_model_get_n_items (shown) == position);
}

/* ---- rows, totals and the empty state: one sync ---- */

/* The totals line "250 bills, ₩72,875,000 — Paid 178 · ₩51,620,000 — …", as phrases a
 * narrow window wraps between, never inside (never between "Paid" and its count). */
static GStrv
format_totals (const PmLedgerTotals *totals)
{
  g_autoptr(GStrvBuilder) phrases = g_strv_builder_new ();
  g_autofree char *all = NULL;
  g_autofree char *count = NULL;
  g_autofree char *first = NULL;
  static const struct
  {
    int         bucket;
    const char *context_label;
  } parts[] = {
    { PM_BILL_STATE_PAID, NC_("bill status", "Paid") },
    { PM_BILL_STATE_UNPAID, NC_("bill status", "Unpaid") },
    { PM_LEDGER_BUCKET_EXPIRED, NC_("bill status", "Expired") },
    { PM_BILL_STATE_CANCELLED, NC_("bill status", "Refunded") },
    { PM_BILL_STATE_DESTROYED, NC_("bill status", "Voided") },
    { PM_BILL_STATE_FAILED, NC_("bill status", "Failed") },
    { PM_BILL_STATE_NOT_SENT, NC_("bill status", "Not sent") },
  };

  all = pm_money_format (totals->all.won);
  count = pm_money_format_digits (totals->all.count);
  /* Translators: the totals line starts "1,234 bills, ₩5,600,000" */
  first = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%s bill, %s", "%s bills, %s",
                                        (gulong) MIN (totals->all.count, G_MAXUINT32)),
                           count, all);
  g_strv_builder_add (phrases, first);
  for (guint i = 0; i < G_N_ELEMENTS (parts); i++)
    {
      const PmLedgerTotal *t = &totals->by_state[parts[i].bucket];
      g_autofree char *won = NULL;
      g_autofree char *n = NULL;
      g_autofree char *part = NULL;

      if (t->count == 0)
        continue;
      won = pm_money_format (t->won);
      n = pm_money_format_digits (t->count);
      /* Translators: a part of the totals line: " — Paid 3 · ₩120,000" */
      part = g_strdup_printf (_(" — %s %s · %s"),
                              g_dpgettext2 (GETTEXT_PACKAGE, "bill status",
                                            parts[i].context_label),
                              n, won);
      g_strv_builder_add (phrases, g_strstrip (part));
    }
  return g_strv_builder_end (phrases);
}

static gboolean
query_is_filtered (PmPaymentsView *self)
{
  return self->query->states != 0 || self->query->created_from != 0
         || (self->query->text != NULL && *self->query->text != '\0');
}

static void
update_empty_state (PmPaymentsView *self)
{
  gboolean empty = g_list_model_get_n_items (G_LIST_MODEL (self->model)) == 0;

  if (empty && query_is_filtered (self))
    {
      adw_status_page_set_icon_name (self->empty_page, "edit-find-symbolic");
      adw_status_page_set_title (self->empty_page, _("No Matching Bills"));
      adw_status_page_set_description (self->empty_page,
                                       _("Try another search or filter."));
      adw_status_page_set_child (self->empty_page, NULL);
    }
  else if (empty)
    {
      GtkWidget *button = gtk_button_new_with_mnemonic (_("_Send a Payment Request"));

      gtk_actionable_set_action_name (GTK_ACTIONABLE (button), "app.new-request");
      gtk_widget_set_halign (button, GTK_ALIGN_CENTER);
      gtk_widget_add_css_class (button, "pill");
      gtk_widget_add_css_class (button, "suggested-action");
      adw_status_page_set_icon_name (self->empty_page, APP_ID "-symbolic");
      adw_status_page_set_title (self->empty_page, _("No Payment Requests Yet"));
      PmLedger *ledger = self->service != NULL ? pm_service_get_ledger (self->service) : NULL;

      adw_status_page_set_description (self->empty_page,
                                       ledger != NULL && pm_ledger_is_shared (ledger)
                                         ? _("Payment requests sent from any desk of the shop "
                                             "appear here with their live status.")
                                         : _("Payment requests you send from this desk appear "
                                             "here with their live status."));
      adw_status_page_set_child (self->empty_page, button);
    }
  gtk_stack_set_visible_child_name (self->list_stack, empty ? "empty" : "list");
  /* one empty state, never two side by side: no list, no details pane (unless it shows
   * a bill that has just left the list) */
  gtk_widget_set_visible (self->details_page, !empty || self->pinned);
  gtk_widget_set_visible (self->details_separator, !empty || self->pinned);
}

static void selection_changed_cb (PmPaymentsView *self);
static void items_changed_cb (GListModel *model, guint position, guint removed, guint added,
                              PmPaymentsView *self);
static void show_selected (PmPaymentsView *self);
static void queue_sync (PmPaymentsView *self, SyncFlags flags);

/* Where the bill @bill_id is in the list, looking first where it was (@hint), then among
 * the first rows; GTK_INVALID_LIST_POSITION if not there. Reads at most a few pages. */
static guint
find_position (PmPaymentsView *self,
               const char     *bill_id,
               guint           hint,
               guint           first_rows)
{
  GListModel *model = G_LIST_MODEL (self->model);
  guint n = g_list_model_get_n_items (model);
  guint from;
  guint to;

  if (hint != GTK_INVALID_LIST_POSITION && n > 0)
    {
      /* a bill added or removed above it moves it by a few rows */
      from = hint > 50 ? hint - 50 : 0;
      to = MIN (n, hint + 50);
      for (guint i = MIN (hint, n - 1); i < to; i++)
        {
          g_autoptr(PmBill) bill = g_list_model_get_item (model, i);

          if (bill != NULL && g_strcmp0 (pm_bill_get_bill_id (bill), bill_id) == 0)
            return i;
        }
      for (guint i = MIN (hint, n); i > from; i--)
        {
          g_autoptr(PmBill) bill = g_list_model_get_item (model, i - 1);

          if (bill != NULL && g_strcmp0 (pm_bill_get_bill_id (bill), bill_id) == 0)
            return i - 1;
        }
    }
  for (guint i = 0; i < n && i < first_rows; i++)
    {
      g_autoptr(PmBill) bill = g_list_model_get_item (model, i);

      if (bill != NULL && g_strcmp0 (pm_bill_get_bill_id (bill), bill_id) == 0)
        return i;
    }
  return GTK_INVALID_LIST_POSITION;
}

static gboolean
restore_scroll_cb (GtkWidget     *widget,
                   GdkFrameClock *clock,
                   gpointer       user_data)
{
  PmPaymentsView *self = user_data;
  GtkAdjustment *adj = gtk_scrolled_window_get_vadjustment (self->list_scroller);

  /* the new rows have their height once laid out; until then the range is too short */
  gtk_adjustment_set_value (adj, self->scroll_to);
  if (gtk_adjustment_get_value (adj) >= self->scroll_to - 0.5
      || gtk_adjustment_get_upper (adj) - gtk_adjustment_get_page_size (adj) >= self->scroll_to)
    {
      self->scroll_tick_id = 0;
      return G_SOURCE_REMOVE;
    }
  return G_SOURCE_CONTINUE;
}

#define FIRST_FRAME_ROWS 40  /* rows built for the first frame (a tall window shows ~35) */

/* A new query gets a new model (deferred: its first page only), shown through the same
 * rows and selection (rows_set_model: the row widgets stay, never one items-changed from
 * the old result to the new, in which GTK would look for its rows among a million new
 * items). The selected bill is looked for near where it was and selected again; with
 * @keep_scroll the list stays scrolled where it was. */
static void
replace_model (PmPaymentsView *self,
               gboolean        keep_scroll)
{
  g_autofree char *selected_id = NULL;
  guint old_position = GTK_INVALID_LIST_POSITION;
  GtkAdjustment *vadj = gtk_scrolled_window_get_vadjustment (self->list_scroller);
  double scroll = gtk_adjustment_get_value (vadj);

  if (self->current != NULL)
    selected_id = g_strdup (pm_bill_get_bill_id (self->current));
  if (self->selection == NULL)
    {
      self->rows = g_object_new (PM_TYPE_PAYMENTS_ROWS, NULL);
      /* GTK 4.8's list views keep 200 row widgets whatever their height (about fifteen
       * widgets a row, each styled and measured): the first frame gets the rows it can
       * show, the list all of its rows once that frame is painted (first_paint_cb) */
      self->first_rows = gtk_slice_list_model_new (g_object_ref (G_LIST_MODEL (self->rows)), 0,
                                                   self->painted ? G_MAXUINT : FIRST_FRAME_ROWS);
      self->selection = gtk_single_selection_new (g_object_ref (G_LIST_MODEL (self->first_rows)));
      gtk_single_selection_set_autoselect (self->selection, FALSE);
      gtk_single_selection_set_can_unselect (self->selection, FALSE);
      gtk_single_selection_set_selected (self->selection, GTK_INVALID_LIST_POSITION);
      gtk_column_view_set_model (self->column_view, GTK_SELECTION_MODEL (self->selection));
      g_signal_connect_swapped (self->selection, "notify::selected-item",
                                G_CALLBACK (selection_changed_cb), self);
    }
  old_position = gtk_single_selection_get_selected (self->selection);

  if (self->model != NULL)
    g_signal_handlers_disconnect_by_data (self->model, self);
  g_clear_object (&self->model);

  /* self->query is scoped (sync_view); the model counts off the main thread */
  self->model = pm_service_create_model_deferred (self->service, self->query);

  /* the rows stay, showing the new bills; the selection is looked for anew */
  g_signal_handlers_block_by_func (self->selection, selection_changed_cb, self);
  gtk_single_selection_set_selected (self->selection, GTK_INVALID_LIST_POSITION);
  rows_set_model (self->rows, G_LIST_MODEL (self->model),
                  keep_scroll ? G_MAXUINT : PM_LEDGER_MODEL_PAGE_SIZE);
  /* after the rows' own handler, so a bill leaving the list has been unselected */
  g_signal_connect (self->model, "items-changed", G_CALLBACK (items_changed_cb), self);

  if (selected_id != NULL)
    {
      guint position = find_position (self, selected_id, old_position,
                                      PM_LEDGER_MODEL_PAGE_SIZE);

      if (position != GTK_INVALID_LIST_POSITION)
        {
          self->restoring = TRUE;
          gtk_single_selection_set_selected (self->selection, position);
          self->restoring = FALSE;
        }
    }
  g_signal_handlers_unblock_by_func (self->selection, selection_changed_cb, self);

  g_clear_handle_id (&self->scroll_tick_id, g_source_remove);
  if (keep_scroll && scroll > 0)
    {
      self->scroll_to = scroll;
      gtk_adjustment_set_value (vadj, scroll);
      self->scroll_tick_id = gtk_widget_add_tick_callback (GTK_WIDGET (self->column_view),
                                                           restore_scroll_cb, self, NULL);
    }
  else
    gtk_adjustment_set_value (vadj, 0);
}

static void
show_totals (PmPaymentsView       *self,
             const PmLedgerTotals *totals,
             const GError         *error)
{
  if (totals != NULL)
    {
      g_auto(GStrv) phrases = format_totals (totals);

      pm_ui_label_set_phrases (self->totals_label, (const char * const *) phrases);
    }
  else if (error != NULL)
    {
      g_auto(GStrv) words = g_strsplit (error->message, " ", -1);

      pm_ui_label_set_phrases (self->totals_label, (const char * const *) words);
    }
  else
    {
      const char *none[] = { NULL };

      pm_ui_label_set_phrases (self->totals_label, none);
    }
  g_free (self->totals_text);
  self->totals_text = g_strdup (gtk_label_get_label (self->totals_label));
}

static void sync_view (PmPaymentsView *self, SyncFlags flags);
static void request_totals (PmPaymentsView *self);

static void
totals_done_cb (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(PmPaymentsView) self = user_data;
  PmLedgerModel *model = PM_LEDGER_MODEL (object);
  g_autoptr(GError) error = NULL;
  PmLedgerTotals totals;
  gboolean ok, again;

  self->counting = TRUE;
  ok = pm_ledger_model_totals_finish (model, result, &totals, &error);
  self->counting = FALSE;
  /* a newer query or a closed window: these totals are nobody's */
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) || model != self->model
      || gtk_widget_get_root (GTK_WIDGET (self)) == NULL)
    return;
  g_clear_object (&self->totals_cancellable);
  again = self->totals_again;
  self->totals_again = FALSE;
  if (ok && totals.all.count != g_list_model_get_n_items (G_LIST_MODEL (model)))
    {
      /* The totals line stays empty, never showing a count the list contradicts. The
       * list changed while they were counted: count again. Or another process wrote
       * between the two reads: read the rows once more at once, then count again at the
       * pace of the other changes (queue_sync). */
      show_totals (self, NULL, NULL);
      if (again)
        request_totals (self);
      else if (self->totals_retries++ < 1)
        sync_view (self, SYNC_ROWS);
      else
        queue_sync (self, SYNC_TOTALS);
      return;
    }
  self->totals_retries = 0;
  show_totals (self, ok ? &totals : NULL, error);
  /* what changed meanwhile (a bill's state, say) is counted next */
  if (again)
    request_totals (self);
}

/* Totals of self->model's query, in a worker thread; whatever was being computed for an
 * earlier query or state is dropped. Totals of this very list under way are left to
 * finish and counted again after (on a million bills, a count restarted at every change
 * of a busy list would never end). */
static void
request_totals (PmPaymentsView *self)
{
  if (self->totals_cancellable != NULL && self->totals_for == self->model)
    {
      self->totals_again = TRUE;
      return;
    }
  g_cancellable_cancel (self->totals_cancellable);
  g_clear_object (&self->totals_cancellable);
  self->totals_again = FALSE;
  /* the first rows are painted before anything else runs (first_paint_cb) */
  self->totals_waiting = !self->painted;
  if (self->totals_waiting)
    return;
  self->totals_for = self->model;
  self->totals_cancellable = g_cancellable_new ();
  pm_ledger_model_totals_async (self->model, self->totals_cancellable, totals_done_cb,
                                g_object_ref (self));
}

static gboolean
grow_rows_cb (gpointer user_data)
{
  PmPaymentsView *self = user_data;

  self->grow_id = 0;
  if (self->first_rows != NULL)
    gtk_slice_list_model_set_size (self->first_rows, G_MAXUINT);
  return G_SOURCE_REMOVE;
}

static void
first_paint_cb (GdkFrameClock  *clock,
                PmPaymentsView *self)
{
  g_signal_handlers_disconnect_by_func (clock, first_paint_cb, self);
  self->painted = TRUE;
  /* the rest of the rows after what is waiting (growing the end of the list keeps the
   * scroll and the selection) */
  if (self->grow_id == 0)
    self->grow_id = g_idle_add_full (G_PRIORITY_LOW, grow_rows_cb, self, NULL);
  if (self->totals_waiting)
    request_totals (self);
}

static void
realize_cb (PmPaymentsView *self)
{
  if (!self->painted)
    g_signal_connect_object (gtk_widget_get_frame_clock (GTK_WIDGET (self)), "after-paint",
                             G_CALLBACK (first_paint_cb), self, 0);
}

/* The one place rows (with SYNC_ROWS), totals and the empty state are set, all from
 * self->query, so they always agree: the rows and the empty state now, the totals when
 * the worker has them (the empty state never waits for them: a first page with no rows is
 * a result counted). */
static void
sync_view (PmPaymentsView *self,
           SyncFlags       flags)
{
  if (self->service == NULL)
    return;
  g_clear_handle_id (&self->sync_id, g_source_remove);
  flags |= self->sync_pending;
  self->sync_pending = 0;
  self->last_sync = g_get_monotonic_time ();

  if ((flags & (SYNC_ROWS | SYNC_FILTER)) != 0)
    {
      self->keep_current = (flags & SYNC_FILTER) == 0;
      pm_service_scope_query (self->service, self->query);
      replace_model (self, (flags & SYNC_FILTER) == 0);
      /* the totals on screen are an earlier query's or an earlier state's */
      show_totals (self, NULL, NULL);
    }
  if ((flags & SYNC_FILTER) != 0)
    self->totals_retries = 0;
  request_totals (self);
  /* a bill that left the list stays in the details, read afresh (not after a new filter) */
  show_selected (self);
  self->keep_current = TRUE;
  update_empty_state (self);
}

static gboolean
sync_timeout_cb (gpointer user_data)
{
  PmPaymentsView *self = user_data;

  self->sync_id = 0;
  sync_view (self, 0);
  return G_SOURCE_REMOVE;
}

/* sync_view() now, unless one ran less than SYNC_INTERVAL_MS ago: then once that much
 * time has passed, for every change that came meanwhile. */
static void
queue_sync (PmPaymentsView *self,
            SyncFlags       flags)
{
  gint64 since = (g_get_monotonic_time () - self->last_sync) / 1000;

  self->sync_pending |= flags;
  if (self->sync_id != 0)
    return;
  if (since >= SYNC_INTERVAL_MS)
    sync_view (self, 0);
  else
    self->sync_id = g_timeout_add (SYNC_INTERVAL_MS - since, sync_timeout_cb, self);
}

static void
apply_query (PmPaymentsView *self)
{
  sync_view (self, SYNC_FILTER);
}

#define PERIOD_CUSTOM 5

static void
period_to_range (PmPaymentsView *self,
                 guint           index,
                 gint64         *from,
                 gint64         *to)
{
  g_autoptr(GTimeZone) tz = pm_bill_korea_time_zone ();
  g_autoptr(GDateTime) now = g_date_time_new_now (tz);
  g_autoptr(GDateTime) today = g_date_time_new (tz, g_date_time_get_year (now),
                                                g_date_time_get_month (now),
                                                g_date_time_get_day_of_month (now), 0, 0, 0);
  g_autoptr(GDateTime) start = NULL;

  *from = 0;
  *to = 0;
  switch (index)
    {
    case 1: /* today */
      start = g_date_time_ref (today);
      break;
    case 2: /* the last 7 days, today included */
      start = g_date_time_add_days (today, -6);
      break;
    case 3:
      start = g_date_time_add_days (today, -29);
      break;
    case 4: /* this month */
      start = g_date_time_new (tz, g_date_time_get_year (now), g_date_time_get_month (now), 1,
                               0, 0, 0);
      break;
    case PERIOD_CUSTOM:
      if (self->range_from != NULL && self->range_to != NULL)
        {
          g_autoptr(GDateTime) after = g_date_time_add_days (self->range_to, 1);

          *from = g_date_time_to_unix (self->range_from);
          *to = g_date_time_to_unix (after);
        }
      return;
    default:
      return;
    }
  *from = g_date_time_to_unix (start);
}

/* A calendar's day as midnight Korea time. */
static GDateTime *
calendar_day (GtkCalendar *calendar)
{
  g_autoptr(GDateTime) picked = gtk_calendar_get_date (calendar);
  g_autoptr(GTimeZone) tz = pm_bill_korea_time_zone ();

  return g_date_time_new (tz, g_date_time_get_year (picked), g_date_time_get_month (picked),
                          g_date_time_get_day_of_month (picked), 0, 0, 0);
}

static void
update_range_label (PmPaymentsView *self)
{
  g_autofree char *from = NULL;
  g_autofree char *to = NULL;
  g_autofree char *label = NULL;

  if (self->range_from == NULL || self->range_to == NULL)
    {
      gtk_menu_button_set_label (self->range_button, _("Choose Days…"));
      return;
    }
  from = g_date_time_format (self->range_from, "%Y-%m-%d");
  to = g_date_time_format (self->range_to, "%Y-%m-%d");
  /* Translators: a range of days, "2026-11-01 – 2026-11-23" */
  label = g_strdup_printf (_("%s – %s"), from, to);
  gtk_menu_button_set_label (self->range_button, label);
}

static void filters_changed_cb (PmPaymentsView *self);

static void
range_apply_cb (PmPaymentsView *self)
{
  g_autoptr(GDateTime) a = calendar_day (self->from_calendar);
  g_autoptr(GDateTime) b = calendar_day (self->to_calendar);

  /* picked backwards: the earlier day is the first */
  if (g_date_time_compare (a, b) > 0)
    {
      GDateTime *t = a;

      a = b;
      b = t;
    }
  g_clear_pointer (&self->range_from, g_date_time_unref);
  g_clear_pointer (&self->range_to, g_date_time_unref);
  self->range_from = g_steal_pointer (&a);
  self->range_to = g_steal_pointer (&b);
  update_range_label (self);
  gtk_popover_popdown (self->range_popover);
  filters_changed_cb (self);
}

static void
filters_changed_cb (PmPaymentsView *self)
{
  static const guint masks[] = {
    0,
    PM_LEDGER_STATE_BIT (PM_BILL_STATE_UNPAID),
    PM_LEDGER_STATE_BIT (PM_BILL_STATE_PAID),
    PM_LEDGER_STATE_BIT (PM_BILL_STATE_CANCELLED),
    PM_LEDGER_STATE_BIT (PM_BILL_STATE_DESTROYED),
    PM_LEDGER_STATE_EXPIRED,
    PM_LEDGER_STATE_BIT (PM_BILL_STATE_QUEUED) | PM_LEDGER_STATE_BIT (PM_BILL_STATE_SENDING)
      | PM_LEDGER_STATE_BIT (PM_BILL_STATE_UNKNOWN),
    PM_LEDGER_STATE_BIT (PM_BILL_STATE_FAILED) | PM_LEDGER_STATE_BIT (PM_BILL_STATE_NOT_SENT),
    /* every bill still owed, past its last day or not (the Summary's ages lead here) */
    PM_LEDGER_STATE_BIT (PM_BILL_STATE_UNPAID) | PM_LEDGER_STATE_EXPIRED,
  };
  guint state = gtk_drop_down_get_selected (self->state_dropdown);
  g_autoptr(PmLedgerQuery) before = pm_ledger_query_copy (self->query);

  self->query->states = state < G_N_ELEMENTS (masks) ? masks[state] : 0;
  gtk_widget_set_visible (GTK_WIDGET (self->range_button),
                          gtk_drop_down_get_selected (self->period_dropdown) == PERIOD_CUSTOM);
  period_to_range (self, gtk_drop_down_get_selected (self->period_dropdown),
                   &self->query->created_from, &self->query->created_to);
  pm_ledger_query_set_text (self->query, gtk_editable_get_text (GTK_EDITABLE (self->search_entry)));
  if (!pm_ledger_query_equal (before, self->query))
    apply_query (self);
}

static void
items_changed_cb (GListModel     *model,
                  guint           position,
                  guint           removed,
                  guint           added,
                  PmPaymentsView *self)
{
  /* the model learning its size from the totals being shown is no change */
  if (self->counting)
    return;
  /* the rows are already right (this desk changed them); totals and empty state follow */
  if (added != removed)
    {
      update_empty_state (self);
      /* the totals on screen are of a list of another length: gone until the new ones
       * come, never a count the list contradicts */
      show_totals (self, NULL, NULL);
    }
  queue_sync (self, SYNC_TOTALS);
}

/* ---- the selected bill ---- */

static void
update_bill_actions (PmPaymentsView *self)
{
  PmBill *bill = self->current;
  gint64 now = pm_ui_now ();

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "bill.refresh",
                                 bill != NULL && pm_bill_action_allowed (bill, PM_BILL_ACTION_REFRESH, now));
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "bill.resend",
                                 bill != NULL
                                 && (pm_bill_action_allowed (bill, PM_BILL_ACTION_RESEND, now)
                                     || pm_bill_action_allowed (bill, PM_BILL_ACTION_SEND_AGAIN,
                                                                now)));
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "bill.void",
                                 bill != NULL && pm_bill_action_allowed (bill, PM_BILL_ACTION_DESTROY, now));
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "bill.refund",
                                 bill != NULL && pm_bill_action_allowed (bill, PM_BILL_ACTION_CANCEL, now));
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "bill.copy-link",
                                 bill != NULL && pm_bill_action_allowed (bill, PM_BILL_ACTION_COPY_LINK, now));
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "bill.open-link",
                                 bill != NULL && pm_bill_action_allowed (bill, PM_BILL_ACTION_COPY_LINK, now));
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "bill.show-current", bill != NULL && self->pinned);
}

static void
update_navigation (PmPaymentsView *self)
{
  gboolean folded = adw_leaflet_get_folded (self->leaflet);
  gboolean on_details = adw_leaflet_get_visible_child (self->leaflet) == self->details_page;

  gtk_widget_set_visible (self->back_bar, folded);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "payments.back", folded && on_details);
}

static void
show_list (PmPaymentsView *self)
{
  adw_leaflet_set_visible_child (self->leaflet, self->list_page);
}

static void
show_details (PmPaymentsView *self)
{
  if (self->current != NULL)
    adw_leaflet_set_visible_child (self->leaflet, self->details_page);
}

/* The details show the selected bill. When the selection is lost because the bill left
 * the list (its new state no longer matches the filter, or another desk changed it), the
 * details keep showing it, read afresh, with a way back to it in the list: the clerk
 * never sees the bill they were working on vanish. Only a new filter clears them. */
static void
show_selected (PmPaymentsView *self)
{
  PmBill *selected = self->selection != NULL
                       ? row_bill (gtk_single_selection_get_selected_item (self->selection))
                       : NULL;
  g_autoptr(GPtrArray) events = NULL;
  g_autoptr(PmBill) fresh = NULL;
  gboolean was_pinned = self->pinned;
  gboolean same = FALSE;

  if (selected != NULL)
    {
      same = self->current != NULL && g_strcmp0 (pm_bill_get_bill_id (self->current),
                                                 pm_bill_get_bill_id (selected)) == 0;
      g_set_object (&self->current, selected);
      self->pinned = FALSE;
    }
  else if (self->current != NULL && self->keep_current)
    {
      fresh = pm_service_lookup (self->service, pm_bill_get_bill_id (self->current), NULL);
      same = TRUE;
      if (fresh != NULL)
        g_set_object (&self->current, fresh);
      else
        g_clear_object (&self->current);
      self->pinned = self->current != NULL;
    }
  else
    {
      g_clear_object (&self->current);
      self->pinned = FALSE;
    }

  if (self->current != NULL)
    events = pm_service_list_events (self->service, pm_bill_get_bill_id (self->current), NULL);
  pm_bill_detail_set_bill (self->detail, self->current, events);
  gtk_widget_set_visible (self->pinned_bar, self->pinned);
  if (self->pinned != was_pinned || !same)
    update_empty_state (self);
  update_bill_actions (self);
  if (self->current == NULL)
    show_list (self);
}

static void
selection_changed_cb (PmPaymentsView *self)
{
  show_selected (self);
  /* a row picked in a narrow window opens its details as a page */
  if (!self->restoring && self->current != NULL && !self->pinned
      && adw_leaflet_get_folded (self->leaflet))
    show_details (self);
}

static void
row_activated_cb (PmPaymentsView *self,
                  guint           position)
{
  if (gtk_single_selection_get_selected (self->selection) != position)
    gtk_single_selection_set_selected (self->selection, position);
  show_details (self);
}

/* In a narrow window a click on a row opens its details, also a click on the row already
 * selected (which changes no selection). The row selects itself on press; this runs on
 * release, before the row sees it. */
static void
rows_released_cb (GtkGestureClick *gesture,
                  int              n_press,
                  double           x,
                  double           y,
                  PmPaymentsView  *self)
{
  GtkWidget *widget = gtk_event_controller_get_widget (GTK_EVENT_CONTROLLER (gesture));
  GtkWidget *picked = gtk_widget_pick (widget, x, y, GTK_PICK_DEFAULT);

  /* rows are in the list view inside the column view; the headers are not */
  if (picked == NULL || gtk_widget_get_ancestor (picked, GTK_TYPE_LIST_VIEW) == NULL)
    return;
  if (adw_leaflet_get_folded (self->leaflet) && self->current != NULL && !self->pinned)
    show_details (self);
}

static void
apply_narrow (PmPaymentsView *self,
              gboolean        narrow)
{
  if (narrow == self->narrow)
    return;
  self->narrow = narrow;
  set_narrow_columns (self, narrow);
  gtk_orientable_set_orientation (GTK_ORIENTABLE (self->filter_bar),
                                  narrow ? GTK_ORIENTATION_VERTICAL : GTK_ORIENTATION_HORIZONTAL);
  gtk_label_set_xalign (self->totals_label, narrow ? 0.0f : 1.0f);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_NARROW]);
}

/* The width below which the list and the details do not fit side by side: where the
 * leaflet folds. Known also while the details are hidden (no bills), so "narrow" does not
 * depend on whether there is anything to show. */
static int
fold_width (PmPaymentsView *self)
{
  int list = 0;
  int details = 0;

  gtk_widget_get_size_request (self->list_page, &list, NULL);
  gtk_widget_get_size_request (self->details_page, &details, NULL);
  return list + 1 + details;
}

static gboolean
want_narrow (PmPaymentsView *self)
{
  return adw_leaflet_get_folded (self->leaflet)
         || gtk_widget_get_width (GTK_WIDGET (self)) < fold_width (self);
}

static gboolean
narrow_idle_cb (gpointer user_data)
{
  PmPaymentsView *self = user_data;

  self->narrow_idle_id = 0;
  apply_narrow (self, want_narrow (self));
  return G_SOURCE_REMOVE;
}

/* Narrow is decided once the allocation is done: changing the columns or the header
 * while they are being allocated would leave them without one for a frame. */
static void
queue_narrow_update (PmPaymentsView *self)
{
  if (self->narrow_idle_id == 0)
    self->narrow_idle_id = g_idle_add_full (G_PRIORITY_HIGH_IDLE, narrow_idle_cb, self, NULL);
}

static GtkSizeRequestMode
pm_payments_view_get_request_mode (GtkWidget *widget)
{
  return gtk_widget_get_request_mode (gtk_widget_get_first_child (widget));
}

static void
pm_payments_view_measure (GtkWidget      *widget,
                          GtkOrientation  orientation,
                          int             for_size,
                          int            *minimum,
                          int            *natural,
                          int            *minimum_baseline,
                          int            *natural_baseline)
{
  gtk_widget_measure (gtk_widget_get_first_child (widget), orientation, for_size, minimum,
                      natural, minimum_baseline, natural_baseline);
}

static void
pm_payments_view_size_allocate (GtkWidget *widget,
                                int        width,
                                int        height,
                                int        baseline)
{
  PmPaymentsView *self = PM_PAYMENTS_VIEW (widget);

  gtk_widget_allocate (gtk_widget_get_first_child (widget), width, height, baseline, NULL);
  if (want_narrow (self) != self->narrow)
    queue_narrow_update (self);
}

static void
leaflet_changed_cb (PmPaymentsView *self)
{
  gboolean folded = adw_leaflet_get_folded (self->leaflet);
  gboolean changed = folded != self->folded;

  self->folded = folded;
  /* "folded" changes while the leaflet is being allocated: the rest follows after it */
  queue_narrow_update (self);
  /* a window made narrow shows the list first (the selected bill is a tap away); when
   * there is no bill to show, never the details */
  if (folded && (changed || self->current == NULL))
    show_list (self);
  update_navigation (self);
}

static void
back_action_cb (GtkWidget  *widget,
                const char *action_name,
                GVariant   *parameter)
{
  PmPaymentsView *self = PM_PAYMENTS_VIEW (widget);

  show_list (self);
  gtk_widget_grab_focus (GTK_WIDGET (self->column_view));
}

static void
transition_cb (PmService      *service,
               PmBill         *bill,
               int             from,
               int             to,
               PmPaymentsView *self)
{
  queue_sync (self, SYNC_TOTALS);
  if (self->current != NULL
      && g_strcmp0 (pm_bill_get_bill_id (self->current), pm_bill_get_bill_id (bill)) == 0)
    show_selected (self);
}

static void
ledger_changed_cb (PmService      *service,
                   PmPaymentsView *self)
{
  /* another process (the CLI, a second window) wrote: rows, totals and empty state anew */
  queue_sync (self, SYNC_ROWS);
}

static void
ledger_switched_cb (PmService      *service,
                    GParamSpec     *pspec,
                    PmPaymentsView *self)
{
  /* another ledger altogether (a connection naming the shop's, or back to this desk's
   * file): a new model over it from the top; the bill in the details was the old one's */
  g_clear_object (&self->current);
  self->pinned = FALSE;
  queue_sync (self, SYNC_FILTER);
}

/* ---- actions ---- */

typedef struct
{
  PmPaymentsView *self;
  PmBillAction    action;
  char           *payer;
  char           *bill_id;
  gint64          price;
} ActionData;

static void
action_data_free (ActionData *data)
{
  g_object_unref (data->self);
  g_free (data->payer);
  g_free (data->bill_id);
  g_free (data);
}

static void
action_done_cb (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  ActionData *data = user_data;
  PmPaymentsView *self = data->self;
  g_autoptr(PmBill) bill = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;

  bill = pm_service_bill_action_finish (PM_SERVICE (object), result, &error);
  if (g_error_matches (error, PM_ERROR, PM_ERROR_CANCELLED) || gtk_widget_get_root (GTK_WIDGET (self)) == NULL)
    {
      action_data_free (data);
      return;
    }
  if (bill == NULL)
    {
      const char *server = pm_error_get_server_text (error);

      text = server != NULL && g_strcmp0 (server, error->message) != 0
               ? g_strdup_printf ("%s (%s)", error->message, server)
               : g_strdup (error->message);
    }
  else
    {
      g_autofree char *amount = pm_money_format (data->price);
      const char *status = pm_ui_bill_status_label (bill, pm_ui_now (), NULL);

      switch (data->action)
        {
        case PM_BILL_ACTION_REFRESH:
        case PM_BILL_ACTION_SEND_AGAIN:
          /* Translators: after a check or a send: "김민지, ₩120,000: Paid" */
          text = g_strdup_printf (_("%s, %s: %s"), data->payer, amount, status);
          break;
        case PM_BILL_ACTION_RESEND:
          /* Translators: "Sent the ₩120,000 payment link to 김민지 again" */
          text = g_strdup_printf (_("Sent the %s payment link to %s again"), amount,
                                  data->payer);
          break;
        case PM_BILL_ACTION_DESTROY:
          /* Translators: "Voided the ₩120,000 bill to 김민지" */
          text = g_strdup_printf (_("Voided the %s bill to %s"), amount, data->payer);
          break;
        case PM_BILL_ACTION_CANCEL:
          /* Translators: "Refunded ₩120,000 to 김민지" */
          text = g_strdup_printf (_("Refunded %s to %s"), amount, data->payer);
          break;
        case PM_BILL_ACTION_COPY_LINK:
        default:
          break;
        }
    }
  if (text != NULL)
    toast_full (self, text, data->bill_id);
  if (self->current != NULL && g_strcmp0 (pm_bill_get_bill_id (self->current), data->bill_id) == 0)
    show_selected (self);
  queue_sync (self, SYNC_TOTALS);
  action_data_free (data);
}

static void
run_action (PmPaymentsView *self,
            PmBill         *bill,
            PmBillAction    action)
{
  ActionData *data = g_new0 (ActionData, 1);

  data->self = g_object_ref (self);
  data->action = action;
  data->payer = g_strdup (pm_bill_get_payer_name (bill));
  data->bill_id = g_strdup (pm_bill_get_bill_id (bill));
  data->price = pm_bill_get_price (bill);
  pm_service_bill_action_async (self->service, pm_bill_get_bill_id (bill), action,
                                self->cancellable, action_done_cb, data);
}

static void
confirm_response_cb (AdwMessageDialog *dialog,
                     const char       *response,
                     PmPaymentsView   *self)
{
  PmBill *bill = g_object_get_data (G_OBJECT (dialog), "pm-bill");
  PmBillAction action = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (dialog), "pm-action"));

  if (g_strcmp0 (response, "confirm") == 0 && bill != NULL)
    run_action (self, bill, action);
}

static void
confirm_action (PmPaymentsView *self,
                PmBillAction    action)
{
  PmBill *bill = self->current;
  g_autofree char *amount = NULL;
  g_autofree char *words = NULL;
  g_autofree char *heading = NULL;
  g_autofree char *body = NULL;
  const char *verb;
  GtkWidget *dialog;

  if (bill == NULL)
    return;
  amount = pm_money_format (pm_bill_get_price (bill));
  words = pm_money_format_korean (pm_bill_get_price (bill));
  switch (action)
    {
    case PM_BILL_ACTION_CANCEL:
      heading = g_strdup_printf (_("Refund %s to %s?"), amount, pm_bill_get_payer_name (bill));
      body = g_strdup_printf (_("The card payment of %s (%s) by %s for “%s” is cancelled in "
                                "full and the money goes back to the payer. This cannot be "
                                "undone."),
                              amount, words, pm_bill_get_payer_name (bill),
                              pm_bill_get_product (bill));
      verb = _("_Refund");
      break;
    case PM_BILL_ACTION_DESTROY:
      heading = g_strdup_printf (_("Void the bill to %s?"), pm_bill_get_payer_name (bill));
      body = g_strdup_printf (_("The payment link for %s (%s) for “%s” stops working and the "
                                "bill can no longer be paid. This cannot be undone."),
                              amount, words, pm_bill_get_product (bill));
      verb = _("_Void");
      break;
    case PM_BILL_ACTION_RESEND:
      heading = g_strdup_printf (_("Send the bill to %s again?"), pm_bill_get_payer_name (bill));
      body = g_strdup_printf (_("%s gets the same payment link for %s (%s) again by KakaoTalk. "
                                "Sending uses Paymint balance."),
                              pm_bill_get_payer_name (bill), amount, words);
      verb = _("_Send Again");
      break;
    case PM_BILL_ACTION_SEND_AGAIN:
      heading = g_strdup_printf (_("Send the request to %s now?"), pm_bill_get_payer_name (bill));
      body = g_strdup_printf (_("Payssam has no record of this request and nothing was charged. "
                                "%s gets a payment link for %s (%s) for “%s” by KakaoTalk. "
                                "Sending uses Paymint balance."),
                              pm_bill_get_payer_name (bill), amount, words,
                              pm_bill_get_product (bill));
      verb = _("_Send Now");
      break;
    case PM_BILL_ACTION_REFRESH:
    case PM_BILL_ACTION_COPY_LINK:
    default:
      g_return_if_reached ();
    }

  dialog = adw_message_dialog_new (GTK_WINDOW (gtk_widget_get_root (GTK_WIDGET (self))),
                                   heading, body);
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog), "cancel", _("_Keep"),
                                    "confirm", verb, NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "confirm",
                                              action == PM_BILL_ACTION_RESEND
                                                  || action == PM_BILL_ACTION_SEND_AGAIN
                                                ? ADW_RESPONSE_SUGGESTED
                                                : ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  g_object_set_data_full (G_OBJECT (dialog), "pm-bill", g_object_ref (bill), g_object_unref);
  g_object_set_data (G_OBJECT (dialog), "pm-action", GINT_TO_POINTER (action));
  g_signal_connect_object (dialog, "response", G_CALLBACK (confirm_response_cb), self, 0);
  pm_ui_wrap_words_within (dialog);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
bill_action_cb (GtkWidget  *widget,
                const char *action_name,
                GVariant   *parameter)
{
  PmPaymentsView *self = PM_PAYMENTS_VIEW (widget);
  PmBill *bill = self->current;

  if (bill == NULL)
    return;
  if (g_str_equal (action_name, "bill.refresh"))
    run_action (self, bill, PM_BILL_ACTION_REFRESH);
  else if (g_str_equal (action_name, "bill.resend"))
    confirm_action (self, pm_bill_get_state (bill) == PM_BILL_STATE_NOT_SENT
                            ? PM_BILL_ACTION_SEND_AGAIN
                            : PM_BILL_ACTION_RESEND);
  else if (g_str_equal (action_name, "bill.void"))
    confirm_action (self, PM_BILL_ACTION_DESTROY);
  else if (g_str_equal (action_name, "bill.refund"))
    confirm_action (self, PM_BILL_ACTION_CANCEL);
  else if (g_str_equal (action_name, "bill.copy-link"))
    {
      gdk_clipboard_set_text (gtk_widget_get_clipboard (widget), pm_bill_get_short_url (bill));
      toast (self, _("Payment link copied"));
    }
  else if (g_str_equal (action_name, "bill.open-link"))
    gtk_show_uri (GTK_WINDOW (gtk_widget_get_root (widget)), pm_bill_get_short_url (bill),
                  GDK_CURRENT_TIME);
}

static void
refresh_all_cb (GtkWidget  *widget,
                const char *action_name,
                GVariant   *parameter)
{
  PmPaymentsView *self = PM_PAYMENTS_VIEW (widget);
  guint n;
  g_autofree char *text = NULL;

  /* what the ledger holds now, from every process, then ask the server about the rest */
  sync_view (self, SYNC_ROWS);
  n = pm_service_refresh_all (self->service);
  if (n == 0)
    text = g_strdup (_("Every bill is settled; nothing to check"));
  else
    text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "Checking %u bill…",
                                         "Checking %u bills…", n),
                            n);
  toast (self, text);
}

/* Selects @bill_id, clearing whatever filter hides it; TRUE if it is in the list now. */
static gboolean
select_bill (PmPaymentsView *self,
             const char     *bill_id)
{
  guint position = find_position (self, bill_id, GTK_INVALID_LIST_POSITION, 1000);

  if (position == GTK_INVALID_LIST_POSITION && query_is_filtered (self))
    {
      g_autoptr(PmBill) bill = pm_service_lookup (self->service, bill_id, NULL);

      if (bill == NULL)
        return FALSE;
      /* every filter off at once, then one query */
      g_signal_handlers_block_by_func (self->state_dropdown, filters_changed_cb, self);
      g_signal_handlers_block_by_func (self->period_dropdown, filters_changed_cb, self);
      g_signal_handlers_block_by_func (self->search_entry, filters_changed_cb, self);
      gtk_drop_down_set_selected (self->state_dropdown, 0);
      gtk_drop_down_set_selected (self->period_dropdown, 0);
      gtk_editable_set_text (GTK_EDITABLE (self->search_entry), "");
      g_signal_handlers_unblock_by_func (self->state_dropdown, filters_changed_cb, self);
      g_signal_handlers_unblock_by_func (self->period_dropdown, filters_changed_cb, self);
      g_signal_handlers_unblock_by_func (self->search_entry, filters_changed_cb, self);
      filters_changed_cb (self);
      position = find_position (self, bill_id, GTK_INVALID_LIST_POSITION, 1000);
    }
  if (position == GTK_INVALID_LIST_POSITION)
    return FALSE;
  gtk_single_selection_set_selected (self->selection, position);
  show_selected (self);
  return TRUE;
}

static void
show_bill_cb (GtkWidget  *widget,
              const char *action_name,
              GVariant   *parameter)
{
  PmPaymentsView *self = PM_PAYMENTS_VIEW (widget);
  g_autofree char *bill_id = NULL;

  if (g_str_equal (action_name, "bill.show"))
    bill_id = g_variant_dup_string (parameter, NULL);
  else if (self->current != NULL)
    bill_id = g_strdup (pm_bill_get_bill_id (self->current));
  if (bill_id == NULL)
    return;
  if (select_bill (self, bill_id))
    {
      if (adw_leaflet_get_folded (self->leaflet))
        show_details (self);
      gtk_widget_grab_focus (GTK_WIDGET (self->column_view));
    }
}

static void
search_action_cb (GtkWidget  *widget,
                  const char *action_name,
                  GVariant   *parameter)
{
  PmPaymentsView *self = PM_PAYMENTS_VIEW (widget);

  gtk_search_bar_set_search_mode (self->search_bar, TRUE);
  gtk_widget_grab_focus (GTK_WIDGET (self->search_entry));
}

/* ---- life cycle ---- */

static void
pm_payments_view_constructed (GObject *object)
{
  PmPaymentsView *self = PM_PAYMENTS_VIEW (object);
  GtkSorter *sorter;

  G_OBJECT_CLASS (pm_payments_view_parent_class)->constructed (object);

  /* widths that fit a Korean or English name and a short reason at 1100 px; the user
   * can drag any of them, and the widths are kept */
  add_column (self, COL_PAYER, _("Payer"), FALSE, 100);
  add_column (self, COL_PHONE, _("Phone"), FALSE, 118);
  add_column (self, COL_PRODUCT, _("Reason"), TRUE, 150);
  add_column (self, COL_AMOUNT, _("Amount"), FALSE, 96);
  add_column (self, COL_STATUS, _("Status"), FALSE, 88);
  add_column (self, COL_SENT, _("Sent"), FALSE, 92);
  add_column (self, COL_CHECKED, _("Checked"), FALSE, 80);
  sorter = gtk_column_view_get_sorter (self->column_view);
  g_signal_connect_object (sorter, "changed", G_CALLBACK (sorter_changed_cb), self, 0);

  g_signal_connect (self, "realize", G_CALLBACK (realize_cb), NULL);
  pm_payments_view_reload (self);
  if (self->service != NULL)
    {
      g_signal_connect_object (self->service, "bill-transition", G_CALLBACK (transition_cb),
                               self, 0);
      g_signal_connect_object (self->service, "ledger-changed", G_CALLBACK (ledger_changed_cb),
                               self, 0);
      g_signal_connect_object (self->service, "notify::ledger", G_CALLBACK (ledger_switched_cb),
                               self, 0);
    }
  leaflet_changed_cb (self);
  self->tick_id = g_timeout_add_seconds (30, tick_cb, self);
}

void
pm_payments_view_reload (PmPaymentsView *self)
{
  g_return_if_fail (PM_IS_PAYMENTS_VIEW (self));

  sync_view (self, SYNC_ROWS);
}

static void
pm_payments_view_set_property (GObject      *object,
                               guint         prop_id,
                               const GValue *value,
                               GParamSpec   *pspec)
{
  PmPaymentsView *self = PM_PAYMENTS_VIEW (object);

  switch (prop_id)
    {
    case PROP_SERVICE:
      g_set_object (&self->service, g_value_get_object (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
pm_payments_view_get_property (GObject    *object,
                               guint       prop_id,
                               GValue     *value,
                               GParamSpec *pspec)
{
  PmPaymentsView *self = PM_PAYMENTS_VIEW (object);

  switch (prop_id)
    {
    case PROP_NARROW:
      g_value_set_boolean (value, self->narrow);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
pm_payments_view_dispose (GObject *object)
{
  PmPaymentsView *self = PM_PAYMENTS_VIEW (object);

  g_cancellable_cancel (self->cancellable);
  g_cancellable_cancel (self->totals_cancellable);
  g_clear_object (&self->totals_cancellable);
  g_clear_handle_id (&self->sync_id, g_source_remove);
  g_clear_handle_id (&self->grow_id, g_source_remove);
  g_clear_handle_id (&self->tick_id, g_source_remove);
  g_clear_handle_id (&self->narrow_idle_id, g_source_remove);
  if (self->save_widths_id != 0)
    {
      /* a width dragged just before the window closed is kept too */
      g_clear_handle_id (&self->save_widths_id, g_source_remove);
      save_widths_cb (self);
    }
  if (self->scroll_tick_id != 0)
    {
      gtk_widget_remove_tick_callback (GTK_WIDGET (self->column_view), self->scroll_tick_id);
      self->scroll_tick_id = 0;
    }
  if (self->model != NULL)
    g_signal_handlers_disconnect_by_data (self->model, self);
  if (self->selection != NULL)
    g_signal_handlers_disconnect_by_data (self->selection, self);
  gtk_widget_dispose_template (GTK_WIDGET (self), PM_TYPE_PAYMENTS_VIEW);
  g_clear_object (&self->selection);
  g_clear_object (&self->first_rows);
  g_clear_object (&self->rows);
  g_clear_object (&self->model);
  g_clear_object (&self->current);
  g_clear_object (&self->toast);
  g_clear_object (&self->service);
  g_clear_object (&self->settings);

  G_OBJECT_CLASS (pm_payments_view_parent_class)->dispose (object);
}

static void
pm_payments_view_finalize (GObject *object)
{
  PmPaymentsView *self = PM_PAYMENTS_VIEW (object);

  g_clear_object (&self->cancellable);
  g_clear_object (&self->probe[0]);
  g_clear_object (&self->probe[1]);
  for (guint i = 0; i < N_COLUMNS; i++)
    g_clear_object (&self->columns[i]);
  g_hash_table_unref (self->checked_labels);
  g_clear_pointer (&self->query, pm_ledger_query_free);
  g_clear_pointer (&self->range_from, g_date_time_unref);
  g_clear_pointer (&self->range_to, g_date_time_unref);
  g_free (self->totals_text);

  G_OBJECT_CLASS (pm_payments_view_parent_class)->finalize (object);
}

static void
pm_payments_view_class_init (PmPaymentsViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  pm_ui_ensure_resources ();
  g_type_ensure (PM_TYPE_BILL_DETAIL);

  object_class->constructed = pm_payments_view_constructed;
  object_class->set_property = pm_payments_view_set_property;
  object_class->get_property = pm_payments_view_get_property;
  object_class->dispose = pm_payments_view_dispose;
  object_class->finalize = pm_payments_view_finalize;

  properties[PROP_SERVICE] =
    g_param_spec_object ("service", NULL, NULL, PM_TYPE_SERVICE,
                         G_PARAM_WRITABLE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  /* The list and the details do not fit side by side: the list alone, the details as
   * a page, fewer columns. Follows the leaflet's folded state. */
  properties[PROP_NARROW] =
    g_param_spec_boolean ("narrow", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  widget_class->get_request_mode = pm_payments_view_get_request_mode;
  widget_class->measure = pm_payments_view_measure;
  widget_class->size_allocate = pm_payments_view_size_allocate;
  gtk_widget_class_set_template_from_resource (widget_class,
                                               RESOURCE_PATH "/pm-payments-view.ui");
  gtk_widget_class_bind_template_child (widget_class, PmPaymentsView, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, PmPaymentsView, search_bar);
  gtk_widget_class_bind_template_child (widget_class, PmPaymentsView, search_entry);
  gtk_widget_class_bind_template_child (widget_class, PmPaymentsView, state_dropdown);
  gtk_widget_class_bind_template_child (widget_class, PmPaymentsView, period_dropdown);
  gtk_widget_class_bind_template_child (widget_class, PmPaymentsView, range_button);
  gtk_widget_class_bind_template_child (widget_class, PmPaymentsView, range_popover);
  gtk_widget_class_bind_template_child (widget_class, PmPaymentsView, from_calendar);
  gtk_widget_class_bind_template_child (widget_class, PmPaymentsView, to_calendar);
  gtk_widget_class_bind_template_callback (widget_class, range_apply_cb);
  gtk_widget_class_bind_template_child (widget_class, PmPaymentsView, totals_label);
  gtk_widget_class_bind_template_child (widget_class, PmPaymentsView, filter_bar);
  gtk_widget_class_bind_template_child (widget_class, PmPaymentsView, list_stack);
  gtk_widget_class_bind_template_child (widget_class, PmPaymentsView, list_scroller);
  gtk_widget_class_bind_template_child (widget_class, PmPaymentsView, column_view);
  gtk_widget_class_bind_template_child (widget_class, PmPaymentsView, empty_page);
  gtk_widget_class_bind_template_child (widget_class, PmPaymentsView, leaflet);
  gtk_widget_class_bind_template_child (widget_class, PmPaymentsView, list_page);
  gtk_widget_class_bind_template_child (widget_class, PmPaymentsView, details_separator);
  gtk_widget_class_bind_template_child (widget_class, PmPaymentsView, details_page);
  gtk_widget_class_bind_template_child (widget_class, PmPaymentsView, back_bar);
  gtk_widget_class_bind_template_child (widget_class, PmPaymentsView, pinned_bar);
  gtk_widget_class_bind_template_child (widget_class, PmPaymentsView, pinned_label);
  gtk_widget_class_bind_template_child (widget_class, PmPaymentsView, detail);
  gtk_widget_class_bind_template_callback (widget_class, filters_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, leaflet_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, row_activated_cb);

  gtk_widget_class_install_action (widget_class, "bill.refresh", NULL, bill_action_cb);
  gtk_widget_class_install_action (widget_class, "bill.resend", NULL, bill_action_cb);
  gtk_widget_class_install_action (widget_class, "bill.void", NULL, bill_action_cb);
  gtk_widget_class_install_action (widget_class, "bill.refund", NULL, bill_action_cb);
  gtk_widget_class_install_action (widget_class, "bill.copy-link", NULL, bill_action_cb);
  gtk_widget_class_install_action (widget_class, "bill.open-link", NULL, bill_action_cb);
  gtk_widget_class_install_action (widget_class, "view.refresh-all", NULL, refresh_all_cb);
  gtk_widget_class_install_action (widget_class, "view.search", NULL, search_action_cb);
  gtk_widget_class_install_action (widget_class, "bill.show", "s", show_bill_cb);
  gtk_widget_class_install_action (widget_class, "bill.show-current", NULL, show_bill_cb);
  gtk_widget_class_install_action (widget_class, "payments.back", NULL, back_action_cb);

  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_f, GDK_CONTROL_MASK, "view.search", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_r, GDK_CONTROL_MASK, "view.refresh-all", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_F5, 0, "view.refresh-all", NULL);
  /* the selected bill (listed in gtk/help-overlay.ui) */
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_r, GDK_CONTROL_MASK | GDK_SHIFT_MASK, "bill.refresh", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_c, GDK_CONTROL_MASK | GDK_SHIFT_MASK, "bill.copy-link", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_o, GDK_CONTROL_MASK | GDK_SHIFT_MASK, "bill.open-link", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_s, GDK_CONTROL_MASK | GDK_SHIFT_MASK, "bill.resend", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Delete, 0, "bill.void", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Delete, GDK_SHIFT_MASK, "bill.refund", NULL);
  /* back to the list in a narrow window, as every GNOME app goes back */
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Left, GDK_ALT_MASK, "payments.back", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Back, 0, "payments.back", NULL);
}

static void
pm_payments_view_init (PmPaymentsView *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  self->cancellable = g_cancellable_new ();
  self->query = pm_ledger_query_new ();
  self->query->sort = PM_LEDGER_SORT_CREATED_AT;
  self->query->descending = TRUE;
  self->checked_labels = g_hash_table_new (NULL, NULL);
  self->probe_column = -1;
  self->keep_current = TRUE;
  self->settings = g_settings_new (BASE_ID);
  for (guint i = 0; i < 2; i++)
    {
      self->probe[i] = pm_bill_new ();
      g_object_set_data (G_OBJECT (self->probe[i]), "pm-view", self);
    }

  gtk_search_bar_connect_entry (self->search_bar, GTK_EDITABLE (self->search_entry));
  update_range_label (self);
  {
    GtkGesture *click = gtk_gesture_click_new ();

    gtk_event_controller_set_propagation_phase (GTK_EVENT_CONTROLLER (click), GTK_PHASE_CAPTURE);
    g_signal_connect (click, "released", G_CALLBACK (rows_released_cb), self);
    gtk_widget_add_controller (GTK_WIDGET (self->column_view), GTK_EVENT_CONTROLLER (click));
  }
  /* Korean wraps at spaces, never inside a word */
  pm_ui_label_wrap_words (self->pinned_label);
  pm_ui_wrap_words_within (GTK_WIDGET (self->empty_page));
}

GtkWidget *
pm_payments_view_new (PmService *service)
{
  return g_object_new (PM_TYPE_PAYMENTS_VIEW, "service", service, NULL);
}

GListModel *
pm_payments_view_get_model (PmPaymentsView *self)
{
  g_return_val_if_fail (PM_IS_PAYMENTS_VIEW (self), NULL);

  return G_LIST_MODEL (self->model);
}

void
pm_payments_view_select_bill (PmPaymentsView *self,
                              const char     *bill_id)
{
  guint position;

  g_return_if_fail (PM_IS_PAYMENTS_VIEW (self));
  g_return_if_fail (bill_id != NULL);

  position = find_position (self, bill_id, GTK_INVALID_LIST_POSITION, 1000);
  if (position != GTK_INVALID_LIST_POSITION)
    gtk_single_selection_set_selected (self->selection, position);
}

PmBill *
pm_payments_view_get_selected (PmPaymentsView *self)
{
  g_return_val_if_fail (PM_IS_PAYMENTS_VIEW (self), NULL);

  return row_bill (gtk_single_selection_get_selected_item (self->selection));
}

gboolean
pm_payments_view_get_narrow (PmPaymentsView *self)
{
  g_return_val_if_fail (PM_IS_PAYMENTS_VIEW (self), FALSE);

  return self->narrow;
}

const char *
pm_payments_view_get_totals_text (PmPaymentsView *self)
{
  g_return_val_if_fail (PM_IS_PAYMENTS_VIEW (self), NULL);

  return gtk_label_get_label (self->totals_label);
}

void
pm_payments_view_set_search (PmPaymentsView *self,
                             const char     *text)
{
  g_return_if_fail (PM_IS_PAYMENTS_VIEW (self));

  gtk_search_bar_set_search_mode (self->search_bar, TRUE);
  gtk_editable_set_text (GTK_EDITABLE (self->search_entry), text);
  filters_changed_cb (self);
}

void
pm_payments_view_set_date_range (PmPaymentsView *self,
                                 GDateTime      *first,
                                 GDateTime      *last)
{
  g_return_if_fail (PM_IS_PAYMENTS_VIEW (self));

  gtk_calendar_select_day (self->from_calendar, first);
  gtk_calendar_select_day (self->to_calendar, last);
  gtk_drop_down_set_selected (self->period_dropdown, PERIOD_CUSTOM);
  range_apply_cb (self);
}

void
pm_payments_view_set_state_filter (PmPaymentsView *self,
                                   guint           index)
{
  g_return_if_fail (PM_IS_PAYMENTS_VIEW (self));

  gtk_drop_down_set_selected (self->state_dropdown, index);
}
