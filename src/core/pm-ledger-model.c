/* pm-ledger-model.c — a lazy GListModel of PmBill over a ledger query
 *
 * Copyright 2026 The Paymint Desk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "pm-ledger-model.h"
#include "pm-ledger-private.h"

#include "pm-bill.h"

/* More structural changes than this in one burst: recount instead. */
#define MAX_PRECISE_CHANGES 1

typedef struct
{
  guint      index;      /* page number */
  GPtrArray *bills;      /* PmBill, strong */
  guint64    used;       /* LRU stamp */
} Page;

/* A bill object handed out by this model and still alive somewhere. */
typedef struct
{
  PmLedgerModel *model;
  char          *bill_id;
  PmBill        *bill;   /* weak */
} Live;

typedef enum
{
  CHANGE_ADDED,
  CHANGE_CHANGED,
  CHANGE_REMOVED,
} ChangeKind;

typedef struct
{
  ChangeKind  kind;
  char       *bill_id;
} Change;

struct _PmLedgerModel
{
  GObject        parent_instance;

  PmLedger      *ledger;
  PmLedgerQuery *query;
  guint          n_items;
  GPtrArray     *pages;     /* Page, at most PM_LEDGER_MODEL_MAX_PAGES */
  guint64        clock;
  GHashTable    *live;      /* bill_id → Live */
  GPtrArray     *changes;   /* Change, applied at idle */
  guint          changes_idle;
  GError        *error;
  gboolean       deferred;  /* counted by pm_ledger_model_totals_finish(), not at start */
  gboolean       counted;   /* n_items is the whole result's size */
};

enum
{
  PROP_0,
  PROP_LEDGER,
  PROP_QUERY,
  PROP_N_ITEMS,
  PROP_DEFERRED,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void pm_ledger_model_list_model_init (GListModelInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (PmLedgerModel, pm_ledger_model, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL,
                                                      pm_ledger_model_list_model_init))

static void
page_free (gpointer data)
{
  Page *page = data;

  g_ptr_array_unref (page->bills);
  g_free (page);
}

static void
change_free (gpointer data)
{
  Change *change = data;

  g_free (change->bill_id);
  g_free (change);
}

static void
live_gone_cb (gpointer  data,
              GObject  *where_the_object_was)
{
  Live *live = data;

  live->bill = NULL;
  g_hash_table_remove (live->model->live, live->bill_id);
}

static void
live_free (gpointer data)
{
  Live *live = data;

  if (live->bill != NULL)
    g_object_weak_unref (G_OBJECT (live->bill), live_gone_cb, live);
  g_free (live->bill_id);
  g_free (live);
}

static void
set_error (PmLedgerModel *self,
           GError        *error)
{
  g_clear_error (&self->error);
  self->error = error;
  if (error != NULL)
    g_debug ("Ledger model: %s", error->message);
}

/* ---- pages ---- */

static void
drop_pages (PmLedgerModel *self)
{
  g_ptr_array_set_size (self->pages, 0);
}

/* The object standing for the bill of @fresh: the live one, updated, or @fresh. */
static PmBill *
adopt (PmLedgerModel *self,
       PmBill        *fresh)
{
  const char *bill_id = pm_bill_get_bill_id (fresh);
  Live *live = g_hash_table_lookup (self->live, bill_id);

  if (live != NULL)
    {
      pm_ledger_copy_bill_into (fresh, live->bill);
      return g_object_ref (live->bill);
    }
  live = g_new0 (Live, 1);
  live->model = self;
  live->bill_id = g_strdup (bill_id);
  live->bill = fresh;
  g_object_weak_ref (G_OBJECT (fresh), live_gone_cb, live);
  g_hash_table_replace (self->live, live->bill_id, live);
  return g_object_ref (fresh);
}

static Page *
get_page (PmLedgerModel *self,
          guint          index)
{
  g_autoptr(GPtrArray) fresh = NULL;
  GError *error = NULL;
  Page *page;

  for (guint i = 0; i < self->pages->len; i++)
    {
      page = g_ptr_array_index (self->pages, i);
      if (page->index == index)
        {
          page->used = ++self->clock;
          return page;
        }
    }

  fresh = pm_ledger_fetch (self->ledger, self->query, index * PM_LEDGER_MODEL_PAGE_SIZE,
                           PM_LEDGER_MODEL_PAGE_SIZE, &error);
  if (fresh == NULL)
    {
      set_error (self, error);
      return NULL;
    }

  if (self->pages->len >= PM_LEDGER_MODEL_MAX_PAGES)
    {
      guint oldest = 0;

      for (guint i = 1; i < self->pages->len; i++)
        if (((Page *) g_ptr_array_index (self->pages, i))->used
            < ((Page *) g_ptr_array_index (self->pages, oldest))->used)
          oldest = i;
      g_ptr_array_remove_index_fast (self->pages, oldest);
    }

  page = g_new0 (Page, 1);
  page->index = index;
  page->used = ++self->clock;
  page->bills = g_ptr_array_new_full (fresh->len, g_object_unref);
  for (guint i = 0; i < fresh->len; i++)
    g_ptr_array_add (page->bills, adopt (self, g_ptr_array_index (fresh, i)));
  g_ptr_array_add (self->pages, page);
  return page;
}

/* The position of @bill_id in the cached pages, or -1. */
static gint64
cached_position (PmLedgerModel *self,
                 const char    *bill_id)
{
  Live *live = g_hash_table_lookup (self->live, bill_id);

  if (live == NULL)
    return -1;
  for (guint i = 0; i < self->pages->len; i++)
    {
      Page *page = g_ptr_array_index (self->pages, i);
      guint j;

      if (g_ptr_array_find (page->bills, live->bill, &j))
        return (gint64) page->index * PM_LEDGER_MODEL_PAGE_SIZE + j;
    }
  return -1;
}

/* ---- GListModel ---- */

static GType
pm_ledger_model_get_item_type (GListModel *model)
{
  return PM_TYPE_BILL;
}

static guint
pm_ledger_model_get_n_items (GListModel *model)
{
  return PM_LEDGER_MODEL (model)->n_items;
}

static gpointer
pm_ledger_model_get_item (GListModel *model,
                          guint       position)
{
  PmLedgerModel *self = PM_LEDGER_MODEL (model);
  Page *page;
  guint offset;

  if (position >= self->n_items)
    return NULL;
  page = get_page (self, position / PM_LEDGER_MODEL_PAGE_SIZE);
  offset = position % PM_LEDGER_MODEL_PAGE_SIZE;
  if (page == NULL || offset >= page->bills->len)
    return NULL;
  return g_object_ref (g_ptr_array_index (page->bills, offset));
}

static void
pm_ledger_model_list_model_init (GListModelInterface *iface)
{
  iface->get_item_type = pm_ledger_model_get_item_type;
  iface->get_n_items = pm_ledger_model_get_n_items;
  iface->get_item = pm_ledger_model_get_item;
}

/* ---- changes ---- */

static guint
count (PmLedgerModel *self)
{
  GError *error = NULL;
  guint n = 0;

  if (!pm_ledger_count (self->ledger, self->query, &n, &error))
    set_error (self, error);
  return n;
}

static void
emit (PmLedgerModel *self,
      guint          position,
      guint          removed,
      guint          added)
{
  g_list_model_items_changed (G_LIST_MODEL (self), position, removed, added);
  if (removed != added)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_ITEMS]);
}

static void
reset (PmLedgerModel *self)
{
  guint old = self->n_items;

  drop_pages (self);
  self->n_items = count (self);
  self->counted = TRUE;
  if (old != 0 || self->n_items != 0)
    emit (self, 0, old, self->n_items);
}

/* Whether a change of a bill already selected can move it or make it leave. */
static gboolean
query_follows_mutable (const PmLedgerQuery *query)
{
  return query->states != PM_LEDGER_STATES_ALL
         || query->sort == PM_LEDGER_SORT_STATE
         || query->sort == PM_LEDGER_SORT_LAST_CHECKED
         || query->offset != 0 || query->limit != 0;
}

static gboolean
sort_follows_mutable (const PmLedgerQuery *query)
{
  return query->sort == PM_LEDGER_SORT_STATE || query->sort == PM_LEDGER_SORT_LAST_CHECKED;
}

static void
apply_change (PmLedgerModel *self,
              Change        *change)
{
  GError *error = NULL;
  gint64 old_pos = cached_position (self, change->bill_id);
  gboolean selected = FALSE;
  guint pos = 0;
  guint n;

  if (change->kind == CHANGE_REMOVED)
    {
      if (old_pos >= 0)
        {
          drop_pages (self);
          self->n_items--;
          emit (self, old_pos, 1, 0);
        }
      else if (count (self) != self->n_items)
        reset (self);
      return;
    }

  if (!pm_ledger_locate (self->ledger, self->query, change->bill_id, &selected, &pos, &error))
    {
      set_error (self, error);
      reset (self);
      return;
    }

  if (old_pos >= 0)
    {
      if (selected && pos == old_pos)
        return;
      drop_pages (self);
      if (!selected)
        {
          self->n_items--;
          emit (self, old_pos, 1, 0);
        }
      else
        {
          /* a move: as a removal and an insertion, not one change spanning every row in
           * between (a list view would look for its rows through that whole span) */
          self->n_items--;
          emit (self, old_pos, 1, 0);
          self->n_items++;
          emit (self, pos, 0, 1);
        }
      return;
    }

  n = count (self);
  if (selected && n == self->n_items + 1)
    {
      drop_pages (self);
      self->n_items = n;
      emit (self, pos, 0, 1);
    }
  else if (n == self->n_items && (!selected || !sort_follows_mutable (self->query)))
    return;
  else
    reset (self);
}

static gboolean
apply_changes_cb (gpointer data)
{
  PmLedgerModel *self = data;
  g_autoptr(GPtrArray) changes = g_steal_pointer (&self->changes);

  self->changes = g_ptr_array_new_with_free_func (change_free);
  self->changes_idle = 0;

  /* positions and counts are compared with n_items: it must be the whole size */
  if (changes->len > MAX_PRECISE_CHANGES || !self->counted)
    reset (self);
  else
    for (guint i = 0; i < changes->len; i++)
      apply_change (self, g_ptr_array_index (changes, i));
  return G_SOURCE_REMOVE;
}

static void
queue_change (PmLedgerModel *self,
              ChangeKind     kind,
              const char    *bill_id)
{
  Change *change = g_new0 (Change, 1);

  change->kind = kind;
  change->bill_id = g_strdup (bill_id);
  g_ptr_array_add (self->changes, change);
  if (self->changes_idle == 0)
    self->changes_idle = g_idle_add (apply_changes_cb, self);
}

static void
bill_added_cb (PmLedger      *ledger,
               const char    *bill_id,
               PmLedgerModel *self)
{
  queue_change (self, CHANGE_ADDED, bill_id);
}

static void
bill_removed_cb (PmLedger      *ledger,
                 const char    *bill_id,
                 PmLedgerModel *self)
{
  queue_change (self, CHANGE_REMOVED, bill_id);
}

static void
bill_changed_cb (PmLedger      *ledger,
                 const char    *bill_id,
                 PmLedgerModel *self)
{
  Live *live = g_hash_table_lookup (self->live, bill_id);

  if (live != NULL)
    {
      g_autoptr(PmBill) fresh = NULL;
      GError *error = NULL;

      fresh = pm_ledger_lookup (ledger, bill_id, &error);
      if (fresh != NULL)
        pm_ledger_copy_bill_into (fresh, live->bill);
      else if (error != NULL)
        set_error (self, error);
    }
  if (query_follows_mutable (self->query))
    queue_change (self, CHANGE_CHANGED, bill_id);
}

/* ---- object ---- */

static void
pm_ledger_model_constructed (GObject *object)
{
  PmLedgerModel *self = PM_LEDGER_MODEL (object);

  G_OBJECT_CLASS (pm_ledger_model_parent_class)->constructed (object);

  g_assert (self->ledger != NULL);
  if (self->query == NULL)
    self->query = pm_ledger_query_new ();
  g_signal_connect_object (self->ledger, "bill-added", G_CALLBACK (bill_added_cb), self, 0);
  g_signal_connect_object (self->ledger, "bill-changed", G_CALLBACK (bill_changed_cb), self, 0);
  g_signal_connect_object (self->ledger, "bill-removed", G_CALLBACK (bill_removed_cb), self, 0);
  if (self->deferred)
    {
      /* the first page only: the rows on screen, nothing that reads the whole result */
      Page *page = get_page (self, 0);

      self->n_items = page != NULL ? page->bills->len : 0;
      self->counted = page != NULL && page->bills->len < PM_LEDGER_MODEL_PAGE_SIZE;
    }
  else
    {
      self->n_items = count (self);
      self->counted = TRUE;
    }
}

static void
pm_ledger_model_dispose (GObject *object)
{
  PmLedgerModel *self = PM_LEDGER_MODEL (object);

  g_clear_handle_id (&self->changes_idle, g_source_remove);
  if (self->pages != NULL)
    drop_pages (self);
  if (self->live != NULL)
    g_hash_table_remove_all (self->live);
  g_clear_object (&self->ledger);

  G_OBJECT_CLASS (pm_ledger_model_parent_class)->dispose (object);
}

static void
pm_ledger_model_finalize (GObject *object)
{
  PmLedgerModel *self = PM_LEDGER_MODEL (object);

  g_clear_pointer (&self->pages, g_ptr_array_unref);
  g_clear_pointer (&self->live, g_hash_table_unref);
  g_clear_pointer (&self->changes, g_ptr_array_unref);
  g_clear_pointer (&self->query, pm_ledger_query_free);
  g_clear_error (&self->error);

  G_OBJECT_CLASS (pm_ledger_model_parent_class)->finalize (object);
}

static void
pm_ledger_model_get_property (GObject    *object,
                              guint       prop_id,
                              GValue     *value,
                              GParamSpec *pspec)
{
  PmLedgerModel *self = PM_LEDGER_MODEL (object);

  switch (prop_id)
    {
    case PROP_LEDGER:
      g_value_set_object (value, self->ledger);
      break;
    case PROP_QUERY:
      g_value_set_boxed (value, self->query);
      break;
    case PROP_N_ITEMS:
      g_value_set_uint (value, self->n_items);
      break;
    case PROP_DEFERRED:
      g_value_set_boolean (value, self->deferred);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
pm_ledger_model_set_property (GObject      *object,
                              guint         prop_id,
                              const GValue *value,
                              GParamSpec   *pspec)
{
  PmLedgerModel *self = PM_LEDGER_MODEL (object);

  switch (prop_id)
    {
    case PROP_LEDGER:
      self->ledger = g_value_dup_object (value);
      break;
    case PROP_DEFERRED:
      self->deferred = g_value_get_boolean (value);
      break;
    case PROP_QUERY:
      if (self->ledger != NULL && self->pages != NULL && self->query != NULL)
        pm_ledger_model_set_query (self, g_value_get_boxed (value));
      else if (g_value_get_boxed (value) != NULL)
        self->query = pm_ledger_query_copy (g_value_get_boxed (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
pm_ledger_model_class_init (PmLedgerModelClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->constructed = pm_ledger_model_constructed;
  object_class->dispose = pm_ledger_model_dispose;
  object_class->finalize = pm_ledger_model_finalize;
  object_class->get_property = pm_ledger_model_get_property;
  object_class->set_property = pm_ledger_model_set_property;

  properties[PROP_LEDGER] =
    g_param_spec_object ("ledger", NULL, NULL, PM_TYPE_LEDGER,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_QUERY] =
    g_param_spec_boxed ("query", NULL, NULL, PM_TYPE_LEDGER_QUERY,
                        G_PARAM_READWRITE | G_PARAM_CONSTRUCT | G_PARAM_EXPLICIT_NOTIFY |
                        G_PARAM_STATIC_STRINGS);
  properties[PROP_N_ITEMS] =
    g_param_spec_uint ("n-items", NULL, NULL, 0, G_MAXUINT, 0,
                       G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_DEFERRED] =
    g_param_spec_boolean ("deferred", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
pm_ledger_model_init (PmLedgerModel *self)
{
  self->pages = g_ptr_array_new_with_free_func (page_free);
  self->live = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, live_free);
  self->changes = g_ptr_array_new_with_free_func (change_free);
}

PmLedgerModel *
pm_ledger_model_new (PmLedger            *ledger,
                     const PmLedgerQuery *query)
{
  g_return_val_if_fail (PM_IS_LEDGER (ledger), NULL);

  return g_object_new (PM_TYPE_LEDGER_MODEL, "ledger", ledger, "query", query, NULL);
}

PmLedger *
pm_ledger_model_get_ledger (PmLedgerModel *self)
{
  g_return_val_if_fail (PM_IS_LEDGER_MODEL (self), NULL);
  return self->ledger;
}

const PmLedgerQuery *
pm_ledger_model_get_query (PmLedgerModel *self)
{
  g_return_val_if_fail (PM_IS_LEDGER_MODEL (self), NULL);
  return self->query;
}

void
pm_ledger_model_set_query (PmLedgerModel       *self,
                           const PmLedgerQuery *query)
{
  g_return_if_fail (PM_IS_LEDGER_MODEL (self));

  g_clear_pointer (&self->query, pm_ledger_query_free);
  self->query = query != NULL ? pm_ledger_query_copy (query) : pm_ledger_query_new ();
  g_ptr_array_set_size (self->changes, 0);
  g_clear_handle_id (&self->changes_idle, g_source_remove);
  reset (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_QUERY]);
}

void
pm_ledger_model_refresh (PmLedgerModel *self)
{
  g_return_if_fail (PM_IS_LEDGER_MODEL (self));

  g_ptr_array_set_size (self->changes, 0);
  g_clear_handle_id (&self->changes_idle, g_source_remove);
  reset (self);
}

const GError *
pm_ledger_model_get_error (PmLedgerModel *self)
{
  g_return_val_if_fail (PM_IS_LEDGER_MODEL (self), NULL);
  return self->error;
}

PmLedgerModel *
pm_ledger_model_new_deferred (PmLedger            *ledger,
                              const PmLedgerQuery *query)
{
  g_return_val_if_fail (PM_IS_LEDGER (ledger), NULL);

  return g_object_new (PM_TYPE_LEDGER_MODEL, "ledger", ledger, "query", query,
                       "deferred", TRUE, NULL);
}

gboolean
pm_ledger_model_get_counted (PmLedgerModel *self)
{
  g_return_val_if_fail (PM_IS_LEDGER_MODEL (self), FALSE);
  return self->counted;
}

/* ---- totals off the main thread ---- */

/* Reader connections to one ledger file for the worker threads, kept with the ledger
 * (its object data) and by every task using them. Two idle connections at most are kept
 * (a search overtaken by the next keystroke may still be stopping on one): their page
 * caches are memory the window holds, and opening one can wait for a writer. */
#define MAX_IDLE_READERS 2

typedef struct
{
  GMutex    lock;
  GWeakRef  source;   /* the ledger whose readers these are (it holds them) */
  PmLedger *idle[MAX_IDLE_READERS];
} Readers;

static void
readers_clear (gpointer data)
{
  Readers *readers = data;

  g_mutex_clear (&readers->lock);
  g_weak_ref_clear (&readers->source);
  for (guint i = 0; i < MAX_IDLE_READERS; i++)
    g_clear_object (&readers->idle[i]);
}

static void
readers_unref (gpointer data)
{
  g_atomic_rc_box_release_full (data, readers_clear);
}

#define READER_CACHE_KIB "8192"

static PmLedger *
readers_take (Readers  *readers,
              GError  **error)
{
  g_autoptr(PmLedger) source = NULL;
  PmLedger *reader = NULL;

  g_mutex_lock (&readers->lock);
  for (guint i = 0; i < MAX_IDLE_READERS && reader == NULL; i++)
    reader = g_steal_pointer (&readers->idle[i]);
  g_mutex_unlock (&readers->lock);
  if (reader != NULL)
    return reader;
  source = g_weak_ref_get (&readers->source);
  if (source == NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_CANCELLED, "The ledger is closed");
      return NULL;
    }
  reader = pm_ledger_open_reader (source, error);
  if (reader != NULL && reader->db != NULL)
    sqlite3_exec (reader->db, "PRAGMA cache_size = -" READER_CACHE_KIB, NULL, NULL, NULL);
  return reader;
}

static void
readers_give (Readers  *readers,
              PmLedger *reader)
{
  g_mutex_lock (&readers->lock);
  for (guint i = 0; i < MAX_IDLE_READERS && reader != NULL; i++)
    if (readers->idle[i] == NULL)
      readers->idle[i] = g_steal_pointer (&reader);
  g_mutex_unlock (&readers->lock);
  g_clear_object (&reader);
}

typedef struct
{
  Readers        *readers;
  PmLedgerQuery  *query;
  PmLedgerTotals  totals;
} TotalsData;

static void
totals_data_free (gpointer data)
{
  TotalsData *totals = data;

  g_clear_pointer (&totals->readers, readers_unref);
  pm_ledger_query_free (totals->query);
  g_free (totals);
}

static guint totals_delay_ms;   /* pm_ledger_model_set_totals_delay_for_testing() */

void
pm_ledger_model_set_totals_delay_for_testing (guint ms)
{
  g_atomic_int_set (&totals_delay_ms, ms);
}

/* SQLite's progress handler: a non-zero return interrupts the statement. */
static int
totals_progress_cb (void *user_data)
{
  return g_cancellable_is_cancelled (user_data);
}

static void
totals_thread (GTask        *task,
               gpointer      source_object,
               gpointer      task_data,
               GCancellable *cancellable)
{
  TotalsData *data = task_data;
  PmLedger *reader;
  GError *error = NULL;
  gboolean ok;

  if (g_task_return_error_if_cancelled (task))
    return;
  if (g_atomic_int_get (&totals_delay_ms) > 0)
    g_usleep ((gulong) g_atomic_int_get (&totals_delay_ms) * 1000);
  reader = readers_take (data->readers, &error);
  if (reader == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  if (cancellable != NULL && reader->db != NULL)
    sqlite3_progress_handler (reader->db, 1000, totals_progress_cb, cancellable);
  ok = pm_ledger_totals (reader, data->query, &data->totals, &error);
  if (reader->db != NULL)
    sqlite3_progress_handler (reader->db, 0, NULL, NULL);
  /* a connection that failed is not trusted again: the next task opens another */
  if (ok)
    readers_give (data->readers, reader);
  else
    g_object_unref (reader);
  if (g_task_return_error_if_cancelled (task))
    {
      g_clear_error (&error);
      return;
    }
  if (!ok)
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

void
pm_ledger_model_totals_async (PmLedgerModel       *self,
                              GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  TotalsData *data;
  const char *path;
  Readers *readers;

  g_return_if_fail (PM_IS_LEDGER_MODEL (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, pm_ledger_model_totals_async);
  data = g_new0 (TotalsData, 1);
  data->query = pm_ledger_query_copy (self->query);
  g_task_set_task_data (task, data, totals_data_free);

  path = pm_ledger_get_path (self->ledger);
  if (path == NULL || *path == '\0' || g_str_equal (path, ":memory:"))
    {
      /* no second connection can see this ledger: here, now */
      GError *error = NULL;

      if (!pm_ledger_totals (self->ledger, data->query, &data->totals, &error))
        g_task_return_error (task, error);
      else
        g_task_return_boolean (task, TRUE);
      return;
    }

  /* the reader connection sees only what is committed: the open write group (this
   * desk's own latest writes, already in the rows) is committed first, so the totals
   * count what the rows show */
  pm_ledger_flush (self->ledger, NULL);

  readers = g_object_get_data (G_OBJECT (self->ledger), "pm-ledger-model-readers");
  if (readers == NULL)
    {
      readers = g_atomic_rc_box_new0 (Readers);
      g_mutex_init (&readers->lock);
      g_weak_ref_init (&readers->source, self->ledger);
      g_object_set_data_full (G_OBJECT (self->ledger), "pm-ledger-model-readers", readers,
                              readers_unref);
    }
  data->readers = g_atomic_rc_box_acquire (readers);
  g_task_run_in_thread (task, totals_thread);
}

gboolean
pm_ledger_model_totals_finish (PmLedgerModel   *self,
                               GAsyncResult    *result,
                               PmLedgerTotals  *totals,
                               GError         **error)
{
  TotalsData *data;
  guint n, old;

  g_return_val_if_fail (PM_IS_LEDGER_MODEL (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (totals != NULL, FALSE);

  if (!g_task_propagate_boolean (G_TASK (result), error))
    return FALSE;
  data = g_task_get_task_data (G_TASK (result));
  *totals = data->totals;

  /* a query changed meanwhile has totals of its own coming */
  if (self->counted || !pm_ledger_query_equal (data->query, self->query))
    return TRUE;

  n = (guint) CLAMP (data->totals.all.count, 0, (gint64) G_MAXUINT);
  old = self->n_items;
  if (n >= old)
    {
      self->n_items = n;
      self->counted = TRUE;
      if (n > old)
        emit (self, old, 0, n - old);
    }
  else
    {
      /* fewer than the first page held: another connection removed some meanwhile */
      reset (self);
    }
  return TRUE;
}
