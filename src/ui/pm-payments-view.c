/* pm-payments-view.c — every bill with its live status, searchable, with a detail pane
 *
 * Copyright 2026 The Paymint Desk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The list is a GtkColumnView over PmLedgerModel: filtering, searching and sorting
 * happen in SQL and rows are fetched in pages, so a million bills open and scroll like
 * a hundred. Rows update in place when the poller learns something (PmBill notifies),
 * so selection and scroll position stay put.
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
  GtkSingleSelection *selection;
  PmLedgerQuery      *query;
  GCancellable       *cancellable;
  GHashTable         *checked_labels; /* GtkLabel → PmBill, for the "last checked" refresh */
  PmBill             *probe[2];       /* two items to ask the column sorter which column leads */
  int                 probe_column;
  guint               totals_idle_id;
  guint               tick_id;
  char               *totals_text;

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
  GtkStack           *list_stack;
  GtkColumnView      *column_view;
  AdwStatusPage      *empty_page;
  PmBillDetail       *detail;
};

G_DEFINE_FINAL_TYPE (PmPaymentsView, pm_payments_view, GTK_TYPE_WIDGET)

enum {
  PROP_0,
  PROP_SERVICE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

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
toast (PmPaymentsView *self,
       const char     *text)
{
  AdwToast *t = adw_toast_new (text);

  /* kept for whoever asks what the user was just told (tests, accessibility) */
  g_object_set_data_full (G_OBJECT (self), "pm-last-toast", g_strdup (text), g_free);
  adw_toast_set_timeout (t, 5);
  adw_toast_overlay_add_toast (self->toast_overlay, t);
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

static void
bind_cell_cb (GtkSignalListItemFactory *factory,
              GtkListItem              *item,
              PmPaymentsView           *self)
{
  GtkLabel *label = GTK_LABEL (gtk_list_item_get_child (item));
  PmBill *bill = gtk_list_item_get_item (item);
  Column column = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (label), "pm-column"));
  gulong id;

  update_cell (label, bill, column);
  id = g_signal_connect_object (bill, "notify", G_CALLBACK (cell_bill_notify_cb), label, 0);
  g_object_set_data (G_OBJECT (label), "pm-notify-id", GSIZE_TO_POINTER (id));
  if (column == COL_CHECKED)
    g_hash_table_insert (self->checked_labels, label, bill);
}

static void
unbind_cell_cb (GtkSignalListItemFactory *factory,
                GtkListItem              *item,
                PmPaymentsView           *self)
{
  GtkLabel *label = GTK_LABEL (gtk_list_item_get_child (item));
  PmBill *bill = gtk_list_item_get_item (item);
  gulong id = GPOINTER_TO_SIZE (g_object_get_data (G_OBJECT (label), "pm-notify-id"));

  if (id != 0 && bill != NULL)
    g_signal_handler_disconnect (bill, id);
  g_object_set_data (G_OBJECT (label), "pm-notify-id", NULL);
  g_hash_table_remove (self->checked_labels, label);
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

  g_signal_connect (factory, "setup", G_CALLBACK (setup_cell_cb), GINT_TO_POINTER (column));
  g_signal_connect_object (factory, "bind", G_CALLBACK (bind_cell_cb), self, 0);
  g_signal_connect_object (factory, "unbind", G_CALLBACK (unbind_cell_cb), self, 0);
  col = gtk_column_view_column_new (title, factory);
  gtk_column_view_column_set_expand (col, expand);
  gtk_column_view_column_set_resizable (col, TRUE);
  if (fixed_width > 0)
    gtk_column_view_column_set_fixed_width (col, fixed_width);
  if (column != COL_PHONE && column != COL_PRODUCT)
    {
      sorter = GTK_SORTER (gtk_custom_sorter_new (probe_compare_cb, GINT_TO_POINTER (column),
                                                  NULL));
      gtk_column_view_column_set_sorter (col, sorter);
    }
  gtk_column_view_append_column (self->column_view, col);
  g_object_unref (col);
}

/* ---- query, totals, empty state ---- */

static void
update_totals (PmPaymentsView *self)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GString) text = g_string_new (NULL);
  g_autofree char *all = NULL;
  g_autofree char *count = NULL;
  PmLedgerTotals totals = { 0 };
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

  if (!pm_service_totals (self->service, self->query, &totals, &error))
    {
      gtk_label_set_label (self->totals_label, error->message);
      return;
    }
  all = pm_money_format (totals.all.won);
  count = pm_money_format_digits (totals.all.count);
  /* Translators: the totals line starts "1,234 bills, ₩5,600,000" */
  g_string_append_printf (text,
                          g_dngettext (GETTEXT_PACKAGE, "%s bill, %s", "%s bills, %s",
                                       (gulong) MIN (totals.all.count, G_MAXUINT32)),
                          count, all);
  for (guint i = 0; i < G_N_ELEMENTS (parts); i++)
    {
      const PmLedgerTotal *t = &totals.by_state[parts[i].bucket];
      g_autofree char *won = NULL;
      g_autofree char *n = NULL;

      if (t->count == 0)
        continue;
      won = pm_money_format (t->won);
      n = pm_money_format_digits (t->count);
      /* Translators: a part of the totals line: " — Paid 3 · ₩120,000" */
      g_string_append_printf (text, _(" — %s %s · %s"),
                              g_dpgettext2 (GETTEXT_PACKAGE, "bill status", parts[i].context_label),
                              n, won);
    }
  g_free (self->totals_text);
  self->totals_text = g_string_free (g_steal_pointer (&text), FALSE);
  gtk_label_set_label (self->totals_label, self->totals_text);
}

static gboolean
totals_idle_cb (gpointer user_data)
{
  PmPaymentsView *self = user_data;

  self->totals_idle_id = 0;
  update_totals (self);
  return G_SOURCE_REMOVE;
}

static void
queue_totals (PmPaymentsView *self)
{
  if (self->totals_idle_id == 0)
    self->totals_idle_id = g_timeout_add (200, totals_idle_cb, self);
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
      adw_status_page_set_description (self->empty_page,
                                       _("Payment requests you send from this desk appear "
                                         "here with their live status."));
      adw_status_page_set_child (self->empty_page, button);
    }
  gtk_stack_set_visible_child_name (self->list_stack, empty ? "empty" : "list");
}

static void selection_changed_cb (PmPaymentsView *self);
static void items_changed_cb (GListModel *model, guint position, guint removed, guint added,
                              PmPaymentsView *self);
static void show_selected (PmPaymentsView *self);

/* A new query gets a new model and selection rather than one items-changed from the
 * old result to the new: GTK's list views look for their current rows among the new
 * items, and on a million bills that would read every page. */
static void
replace_model (PmPaymentsView *self)
{
  g_autoptr(GtkSingleSelection) selection = NULL;

  if (self->model != NULL)
    g_signal_handlers_disconnect_by_data (self->model, self);
  if (self->selection != NULL)
    g_signal_handlers_disconnect_by_data (self->selection, self);
  g_clear_object (&self->model);

  self->model = pm_service_create_model (self->service, self->query);
  g_signal_connect (self->model, "items-changed", G_CALLBACK (items_changed_cb), self);
  selection = gtk_single_selection_new (g_object_ref (G_LIST_MODEL (self->model)));
  gtk_single_selection_set_autoselect (selection, FALSE);
  gtk_single_selection_set_can_unselect (selection, TRUE);
  gtk_single_selection_set_selected (selection, GTK_INVALID_LIST_POSITION);
  g_signal_connect_swapped (selection, "notify::selected-item",
                            G_CALLBACK (selection_changed_cb), self);
  gtk_column_view_set_model (self->column_view, GTK_SELECTION_MODEL (selection));
  g_set_object (&self->selection, selection);
}

static void
apply_query (PmPaymentsView *self)
{
  if (self->service == NULL)
    return;
  pm_service_scope_query (self->service, self->query);
  replace_model (self);
  update_empty_state (self);
  show_selected (self);
  /* the rows first; the totals (a sum over every matching bill) right after */
  queue_totals (self);
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
  update_empty_state (self);
  queue_totals (self);
}

/* ---- the selected bill ---- */

static void
show_selected (PmPaymentsView *self)
{
  PmBill *bill = gtk_single_selection_get_selected_item (self->selection);
  g_autoptr(GPtrArray) events = NULL;
  gint64 now = pm_ui_now ();

  if (bill != NULL)
    events = pm_service_list_events (self->service, pm_bill_get_bill_id (bill), NULL);
  pm_bill_detail_set_bill (self->detail, bill, events);

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
}

static void
selection_changed_cb (PmPaymentsView *self)
{
  show_selected (self);
}

static void
transition_cb (PmService      *service,
               PmBill         *bill,
               int             from,
               int             to,
               PmPaymentsView *self)
{
  PmBill *selected = gtk_single_selection_get_selected_item (self->selection);

  queue_totals (self);
  if (selected != NULL && g_strcmp0 (pm_bill_get_bill_id (selected), pm_bill_get_bill_id (bill)) == 0)
    show_selected (self);
}

/* ---- actions ---- */

typedef struct
{
  PmPaymentsView *self;
  PmBillAction    action;
  char           *payer;
} ActionData;

static void
action_data_free (ActionData *data)
{
  g_object_unref (data->self);
  g_free (data->payer);
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
      switch (data->action)
        {
        case PM_BILL_ACTION_REFRESH:
          text = g_strdup_printf (_("%s: %s"), data->payer,
                                  pm_ui_bill_status_label (bill, pm_ui_now (), NULL));
          break;
        case PM_BILL_ACTION_RESEND:
          text = g_strdup_printf (_("Sent the payment link to %s again"), data->payer);
          break;
        case PM_BILL_ACTION_DESTROY:
          text = g_strdup_printf (_("Voided the bill to %s"), data->payer);
          break;
        case PM_BILL_ACTION_CANCEL:
          text = g_strdup_printf (_("Refunded %s"), data->payer);
          break;
        case PM_BILL_ACTION_SEND_AGAIN:
          text = g_strdup_printf (_("%s: %s"), data->payer,
                                  pm_ui_bill_status_label (bill, pm_ui_now (), NULL));
          break;
        case PM_BILL_ACTION_COPY_LINK:
        default:
          break;
        }
    }
  if (text != NULL)
    toast (self, text);
  show_selected (self);
  queue_totals (self);
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
  PmBill *bill = gtk_single_selection_get_selected_item (self->selection);
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
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
bill_action_cb (GtkWidget  *widget,
                const char *action_name,
                GVariant   *parameter)
{
  PmPaymentsView *self = PM_PAYMENTS_VIEW (widget);
  PmBill *bill = gtk_single_selection_get_selected_item (self->selection);

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
  guint n = pm_service_refresh_all (self->service);
  g_autofree char *text = NULL;

  if (n == 0)
    text = g_strdup (_("Every bill is settled; nothing to check"));
  else
    text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "Checking %u bill…",
                                         "Checking %u bills…", n),
                            n);
  toast (self, text);
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

  add_column (self, COL_PAYER, _("Payer"), FALSE, 84);
  add_column (self, COL_PHONE, _("Phone"), FALSE, 118);
  add_column (self, COL_PRODUCT, _("Reason"), TRUE, 110);
  add_column (self, COL_AMOUNT, _("Amount"), FALSE, 96);
  add_column (self, COL_STATUS, _("Status"), FALSE, 100);
  add_column (self, COL_SENT, _("Sent"), FALSE, 96);
  add_column (self, COL_CHECKED, _("Checked"), FALSE, 100);
  sorter = gtk_column_view_get_sorter (self->column_view);
  g_signal_connect_object (sorter, "changed", G_CALLBACK (sorter_changed_cb), self, 0);

  pm_payments_view_reload (self);
  if (self->service != NULL)
    g_signal_connect_object (self->service, "bill-transition", G_CALLBACK (transition_cb),
                             self, 0);
  self->tick_id = g_timeout_add_seconds (30, tick_cb, self);
}

void
pm_payments_view_reload (PmPaymentsView *self)
{
  g_return_if_fail (PM_IS_PAYMENTS_VIEW (self));

  apply_query (self);
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
pm_payments_view_dispose (GObject *object)
{
  PmPaymentsView *self = PM_PAYMENTS_VIEW (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_handle_id (&self->totals_idle_id, g_source_remove);
  g_clear_handle_id (&self->tick_id, g_source_remove);
  if (self->model != NULL)
    g_signal_handlers_disconnect_by_data (self->model, self);
  if (self->selection != NULL)
    g_signal_handlers_disconnect_by_data (self->selection, self);
  gtk_widget_dispose_template (GTK_WIDGET (self), PM_TYPE_PAYMENTS_VIEW);
  g_clear_object (&self->selection);
  g_clear_object (&self->model);
  g_clear_object (&self->service);

  G_OBJECT_CLASS (pm_payments_view_parent_class)->dispose (object);
}

static void
pm_payments_view_finalize (GObject *object)
{
  PmPaymentsView *self = PM_PAYMENTS_VIEW (object);

  g_clear_object (&self->cancellable);
  g_clear_object (&self->probe[0]);
  g_clear_object (&self->probe[1]);
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
  object_class->dispose = pm_payments_view_dispose;
  object_class->finalize = pm_payments_view_finalize;

  properties[PROP_SERVICE] =
    g_param_spec_object ("service", NULL, NULL, PM_TYPE_SERVICE,
                         G_PARAM_WRITABLE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
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
  gtk_widget_class_bind_template_child (widget_class, PmPaymentsView, list_stack);
  gtk_widget_class_bind_template_child (widget_class, PmPaymentsView, column_view);
  gtk_widget_class_bind_template_child (widget_class, PmPaymentsView, empty_page);
  gtk_widget_class_bind_template_child (widget_class, PmPaymentsView, detail);
  gtk_widget_class_bind_template_callback (widget_class, filters_changed_cb);

  gtk_widget_class_install_action (widget_class, "bill.refresh", NULL, bill_action_cb);
  gtk_widget_class_install_action (widget_class, "bill.resend", NULL, bill_action_cb);
  gtk_widget_class_install_action (widget_class, "bill.void", NULL, bill_action_cb);
  gtk_widget_class_install_action (widget_class, "bill.refund", NULL, bill_action_cb);
  gtk_widget_class_install_action (widget_class, "bill.copy-link", NULL, bill_action_cb);
  gtk_widget_class_install_action (widget_class, "bill.open-link", NULL, bill_action_cb);
  gtk_widget_class_install_action (widget_class, "view.refresh-all", NULL, refresh_all_cb);
  gtk_widget_class_install_action (widget_class, "view.search", NULL, search_action_cb);

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
  for (guint i = 0; i < 2; i++)
    {
      self->probe[i] = pm_bill_new ();
      g_object_set_data (G_OBJECT (self->probe[i]), "pm-view", self);
    }

  gtk_search_bar_connect_entry (self->search_bar, GTK_EDITABLE (self->search_entry));
  update_range_label (self);
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
  guint n;

  g_return_if_fail (PM_IS_PAYMENTS_VIEW (self));

  n = g_list_model_get_n_items (G_LIST_MODEL (self->model));
  for (guint i = 0; i < n && i < 1000; i++)
    {
      g_autoptr(PmBill) bill = g_list_model_get_item (G_LIST_MODEL (self->model), i);

      if (g_strcmp0 (pm_bill_get_bill_id (bill), bill_id) == 0)
        {
          gtk_single_selection_set_selected (self->selection, i);
          return;
        }
    }
}

PmBill *
pm_payments_view_get_selected (PmPaymentsView *self)
{
  g_return_val_if_fail (PM_IS_PAYMENTS_VIEW (self), NULL);

  return gtk_single_selection_get_selected_item (self->selection);
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
