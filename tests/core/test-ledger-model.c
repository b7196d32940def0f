/* test-ledger-model.c — the lazy list model over a ledger query
 *
 * Copyright 2026 The Paymint Desk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "pm-ledger-model.h"

#include "pm-bill.h"
#include "pm-ledger.h"
#include "pm-ledger-private.h"
#include "pm-test-util.h"

#include <string.h>

#define BASE_TIME G_GINT64_CONSTANT (1795000000)

typedef struct
{
  guint position;
  guint removed;
  guint added;
} ItemsChanged;

typedef struct
{
  char          *path;
  PmLedger      *ledger;
  PmLedgerModel *model;
  GArray        *changes;   /* ItemsChanged */
} Fixture;

static void
items_changed_cb (GListModel *model,
                  guint       position,
                  guint       removed,
                  guint       added,
                  Fixture    *fixture)
{
  ItemsChanged change = { position, removed, added };

  g_array_append_val (fixture->changes, change);
}

static char *
bill_id_for (guint i)
{
  return g_strdup_printf ("M%07u", i);
}

/* @n bills in profile p1, bill i created at BASE + i (so newest first = highest i). */
static void
fill (PmLedger *ledger,
      guint     first,
      guint     n)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (pm_ledger_begin (ledger, &error));
  for (guint i = first; i < first + n; i++)
    {
      g_autoptr(PmBill) bill = pm_bill_new ();
      g_autofree char *id = bill_id_for (i);

      pm_bill_set_bill_id (bill, id);
      pm_bill_set_profile_id (bill, "p1");
      pm_bill_set_payer_name (bill, i % 2 ? "김민수" : "박서연");
      pm_bill_set_phone (bill, "01012345678");
      pm_bill_set_product (bill, "수강료");
      pm_bill_set_price (bill, 1000 + i);
      pm_bill_set_expire_date (bill, "2099-12-31");
      pm_bill_set_created_at (bill, BASE_TIME + i);
      pm_bill_set_state (bill, i % 2 ? PM_BILL_STATE_UNPAID : PM_BILL_STATE_PAID);
      g_assert_true (pm_ledger_insert_bill (ledger, bill, &error));
    }
  g_assert_true (pm_ledger_commit (ledger, &error));
  g_assert_no_error (error);
}

static void
fixture_setup (Fixture       *fixture,
               gconstpointer  data)
{
  static guint serial;
  g_autofree char *name = g_strdup_printf ("model-%u.db", ++serial);
  g_autoptr(GError) error = NULL;
  guint n = GPOINTER_TO_UINT (data);

  fixture->path = g_build_filename (g_get_user_data_dir (), "ledger-tests", name, NULL);
  fixture->ledger = pm_ledger_new (fixture->path, &error);
  g_assert_no_error (error);
  fill (fixture->ledger, 0, n);
  fixture->model = pm_ledger_model_new (fixture->ledger, NULL);
  fixture->changes = g_array_new (FALSE, FALSE, sizeof (ItemsChanged));
  g_signal_connect (fixture->model, "items-changed", G_CALLBACK (items_changed_cb), fixture);
}

static void
fixture_teardown (Fixture       *fixture,
                  gconstpointer  data)
{
  g_assert_finalize_object (fixture->model);
  g_assert_finalize_object (fixture->ledger);
  g_array_unref (fixture->changes);
  g_free (fixture->path);
}

/* Lets idle work run. */
static void
spin (void)
{
  gint64 end = g_get_monotonic_time () + 50 * 1000;

  while (g_get_monotonic_time () < end)
    g_main_context_iteration (NULL, FALSE);
}

static const char *
id_at (GListModel *model,
       guint       position)
{
  g_autoptr(PmBill) bill = g_list_model_get_item (model, position);

  g_assert_nonnull (bill);
  /* The model keeps it alive (cached), so the string stays valid. */
  return pm_bill_get_bill_id (bill);
}

static void
test_paging (Fixture       *fixture,
             gconstpointer  data)
{
  GListModel *model = G_LIST_MODEL (fixture->model);
  guint n = 1000;

  g_assert_true (g_list_model_get_item_type (model) == PM_TYPE_BILL);
  g_assert_cmpuint (g_list_model_get_n_items (model), ==, n);
  /* Newest first, across page boundaries, in any order of access. */
  for (guint pos = 0; pos < n; pos += 37)
    {
      g_autofree char *expect = bill_id_for (n - 1 - pos);

      g_assert_cmpstr (id_at (model, pos), ==, expect);
    }
  for (int pos = (int) n - 1; pos >= 0; pos -= 199)
    {
      g_autofree char *expect = bill_id_for (n - 1 - (guint) pos);

      g_assert_cmpstr (id_at (model, (guint) pos), ==, expect);
    }
  g_assert_null (g_list_model_get_item (model, n));
  g_assert_null (g_list_model_get_item (model, G_MAXUINT));
  g_assert_null (pm_ledger_model_get_error (fixture->model));
  g_assert_cmpuint (fixture->changes->len, ==, 0);
}

static void
test_same_object (Fixture       *fixture,
                  gconstpointer  data)
{
  GListModel *model = G_LIST_MODEL (fixture->model);
  g_autoptr(PmBill) first = g_list_model_get_item (model, 5);
  g_autoptr(PmBill) again = g_list_model_get_item (model, 5);
  g_autoptr(PmBill) far = NULL;

  g_assert_true (first == again);

  /* Even after its page left the cache, a held object is reused when it comes back. */
  for (guint page = 1; page <= PM_LEDGER_MODEL_MAX_PAGES + 1; page++)
    {
      g_autoptr(PmBill) other = g_list_model_get_item (model, page * PM_LEDGER_MODEL_PAGE_SIZE);

      g_assert_nonnull (other);
    }
  far = g_list_model_get_item (model, 5);
  g_assert_true (far == first);
}

static void
notify_count_cb (GObject    *object,
                 GParamSpec *pspec,
                 guint      *count)
{
  (*count)++;
}

static void
test_update_in_place (Fixture       *fixture,
                      gconstpointer  data)
{
  GListModel *model = G_LIST_MODEL (fixture->model);
  g_autoptr(PmBill) bill = g_list_model_get_item (model, 0);  /* M0000999, unpaid */
  g_autoptr(GError) error = NULL;
  g_autofree char *id = g_strdup (pm_bill_get_bill_id (bill));
  guint state_notes = 0, checked_notes = 0, name_notes = 0;

  g_assert_cmpint (pm_bill_get_state (bill), ==, PM_BILL_STATE_UNPAID);
  g_signal_connect (bill, "notify::state", G_CALLBACK (notify_count_cb), &state_notes);
  g_signal_connect (bill, "notify::last-checked-at", G_CALLBACK (notify_count_cb), &checked_notes);
  g_signal_connect (bill, "notify::payer-name", G_CALLBACK (notify_count_cb), &name_notes);

  g_assert_true (pm_ledger_set_state (fixture->ledger, id, PM_BILL_STATE_PAID, "paid by card",
                                      BASE_TIME + 5000, &error));
  g_assert_no_error (error);
  g_assert_cmpint (pm_bill_get_state (bill), ==, PM_BILL_STATE_PAID);
  g_assert_cmpint (pm_bill_get_updated_at (bill), ==, BASE_TIME + 5000);
  g_assert_cmpuint (state_notes, ==, 1);
  g_assert_cmpuint (name_notes, ==, 0);

  g_assert_true (pm_ledger_set_check_times (fixture->ledger, id, BASE_TIME + 6000, 0, &error));
  g_assert_cmpint (pm_bill_get_last_checked_at (bill), ==, BASE_TIME + 6000);
  g_assert_cmpuint (checked_notes, ==, 1);

  spin ();
  g_assert_cmpuint (fixture->changes->len, ==, 0);
  g_assert_cmpuint (g_list_model_get_n_items (model), ==, 1000);
  g_signal_handlers_disconnect_by_data (bill, &state_notes);
  g_signal_handlers_disconnect_by_data (bill, &checked_notes);
  g_signal_handlers_disconnect_by_data (bill, &name_notes);
}

static void
test_insert_remove (Fixture       *fixture,
                    gconstpointer  data)
{
  GListModel *model = G_LIST_MODEL (fixture->model);
  g_autoptr(PmBill) held = g_list_model_get_item (model, 0);
  g_autoptr(PmBill) bill = pm_bill_new ();
  g_autoptr(GError) error = NULL;
  ItemsChanged *change;

  /* A new bill, newest of all: position 0. */
  pm_bill_set_bill_id (bill, "NEWEST1");
  pm_bill_set_profile_id (bill, "p1");
  pm_bill_set_payer_name (bill, "새손님");
  pm_bill_set_price (bill, 5000);
  pm_bill_set_created_at (bill, BASE_TIME + 100000);
  g_assert_true (pm_ledger_insert_intent (fixture->ledger, bill, &error));
  spin ();
  g_assert_cmpuint (fixture->changes->len, ==, 1);
  change = &g_array_index (fixture->changes, ItemsChanged, 0);
  g_assert_cmpuint (change->position, ==, 0);
  g_assert_cmpuint (change->removed, ==, 0);
  g_assert_cmpuint (change->added, ==, 1);
  g_assert_cmpuint (g_list_model_get_n_items (model), ==, 1001);
  g_assert_cmpstr (id_at (model, 0), ==, "NEWEST1");
  /* The row that was first is now second, and the same object. */
  {
    g_autoptr(PmBill) second = g_list_model_get_item (model, 1);

    g_assert_true (second == held);
  }

  /* One in the middle (created between M0000499 and M0000500): position 500. */
  g_clear_object (&bill);
  bill = pm_bill_new ();
  pm_bill_set_bill_id (bill, "MIDDLE1");
  pm_bill_set_profile_id (bill, "p1");
  pm_bill_set_created_at (bill, BASE_TIME + 499);
  g_assert_true (pm_ledger_insert_intent (fixture->ledger, bill, &error));
  spin ();
  g_assert_cmpuint (fixture->changes->len, ==, 2);
  change = &g_array_index (fixture->changes, ItemsChanged, 1);
  g_assert_cmpuint (change->position, ==, 1 + 500);
  g_assert_cmpuint (change->added, ==, 1);
  g_assert_cmpstr (id_at (model, 501), ==, "MIDDLE1");

  /* A bill outside the query (another profile) changes nothing. */
  g_clear_object (&bill);
  bill = pm_bill_new ();
  pm_bill_set_bill_id (bill, "OTHER1");
  pm_bill_set_profile_id (bill, "p2");
  {
    g_autoptr(PmLedgerQuery) query = pm_ledger_query_new ();

    pm_ledger_query_set_profile_id (query, "p1");
    pm_ledger_model_set_query (fixture->model, query);
  }
  g_assert_cmpuint (fixture->changes->len, ==, 3);   /* set_query: whole range */
  change = &g_array_index (fixture->changes, ItemsChanged, 2);
  g_assert_cmpuint (change->position, ==, 0);
  g_assert_cmpuint (change->removed, ==, 1002);
  g_assert_cmpuint (change->added, ==, 1002);
  g_assert_true (pm_ledger_insert_intent (fixture->ledger, bill, &error));
  spin ();
  g_assert_cmpuint (fixture->changes->len, ==, 3);

  /* Removing a cached row: precise. */
  g_assert_cmpstr (id_at (model, 0), ==, "NEWEST1");
  g_assert_true (pm_ledger_delete_bill (fixture->ledger, "NEWEST1", &error));
  g_assert_no_error (error);
  spin ();
  g_assert_cmpuint (fixture->changes->len, ==, 4);
  change = &g_array_index (fixture->changes, ItemsChanged, 3);
  g_assert_cmpuint (change->position, ==, 0);
  g_assert_cmpuint (change->removed, ==, 1);
  g_assert_cmpuint (change->added, ==, 0);
  g_assert_cmpuint (g_list_model_get_n_items (model), ==, 1001);
  g_assert_true (g_list_model_get_item (model, 0) == held);
  g_object_unref (held);
}

static void
test_insert_sorted (Fixture       *fixture,
                    gconstpointer  data)
{
  GListModel *model = G_LIST_MODEL (fixture->model);
  g_autoptr(PmLedgerQuery) query = pm_ledger_query_new ();
  g_autoptr(PmBill) bill = pm_bill_new ();
  g_autoptr(GError) error = NULL;
  ItemsChanged *change;

  /* By amount, cheapest first: bill i costs 1000 + i. */
  query->sort = PM_LEDGER_SORT_AMOUNT;
  query->descending = FALSE;
  pm_ledger_model_set_query (fixture->model, query);
  g_assert_cmpstr (id_at (model, 0), ==, "M0000000");
  g_array_set_size (fixture->changes, 0);

  /* Same price as M0000300 but a later row: right after it. */
  pm_bill_set_bill_id (bill, "PRICED1");
  pm_bill_set_profile_id (bill, "p1");
  pm_bill_set_price (bill, 1300);
  g_assert_true (pm_ledger_insert_intent (fixture->ledger, bill, &error));
  g_assert_no_error (error);
  spin ();
  g_assert_cmpuint (fixture->changes->len, ==, 1);
  change = &g_array_index (fixture->changes, ItemsChanged, 0);
  g_assert_cmpuint (change->position, ==, 301);
  g_assert_cmpuint (change->added, ==, 1);
  g_assert_cmpstr (id_at (model, 300), ==, "M0000300");
  g_assert_cmpstr (id_at (model, 301), ==, "PRICED1");
  g_assert_cmpstr (id_at (model, 302), ==, "M0000301");

  /* Sorted by state, a state change moves a cached row: a removal at its old place
   * and an insertion at its new one (not one change spanning every row between). */
  query->sort = PM_LEDGER_SORT_STATE;
  pm_ledger_model_set_query (fixture->model, query);
  g_array_set_size (fixture->changes, 0);
  {
    g_autoptr(PmBill) first = g_list_model_get_item (model, 0);

    g_assert_cmpint (pm_bill_get_state (first), ==, PM_BILL_STATE_QUEUED);
  }
  g_assert_true (pm_ledger_set_state (fixture->ledger, "PRICED1", PM_BILL_STATE_DESTROYED, NULL,
                                      BASE_TIME, &error));
  spin ();
  g_assert_cmpuint (fixture->changes->len, ==, 2);
  change = &g_array_index (fixture->changes, ItemsChanged, 0);
  g_assert_cmpuint (change->position, ==, 0);
  g_assert_cmpuint (change->removed, ==, 1);
  g_assert_cmpuint (change->added, ==, 0);
  change = &g_array_index (fixture->changes, ItemsChanged, 1);
  g_assert_cmpuint (change->position, ==, 1000);
  g_assert_cmpuint (change->removed, ==, 0);
  g_assert_cmpuint (change->added, ==, 1);
  g_assert_cmpstr (id_at (model, 1000), ==, "PRICED1");
}

static void
test_state_filter (Fixture       *fixture,
                   gconstpointer  data)
{
  GListModel *model = G_LIST_MODEL (fixture->model);
  g_autoptr(PmLedgerQuery) query = pm_ledger_query_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(PmBill) top = NULL;
  ItemsChanged *change;

  query->states = PM_LEDGER_STATE_BIT (PM_BILL_STATE_UNPAID);
  pm_ledger_model_set_query (fixture->model, query);
  g_assert_cmpuint (g_list_model_get_n_items (model), ==, 500);
  g_array_set_size (fixture->changes, 0);

  /* The first unpaid bill gets paid: it leaves the list at its position. */
  top = g_list_model_get_item (model, 3);
  g_assert_true (pm_ledger_set_state (fixture->ledger, pm_bill_get_bill_id (top),
                                      PM_BILL_STATE_PAID, NULL, BASE_TIME + 1, &error));
  g_assert_cmpint (pm_bill_get_state (top), ==, PM_BILL_STATE_PAID);
  spin ();
  g_assert_cmpuint (fixture->changes->len, ==, 1);
  change = &g_array_index (fixture->changes, ItemsChanged, 0);
  g_assert_cmpuint (change->position, ==, 3);
  g_assert_cmpuint (change->removed, ==, 1);
  g_assert_cmpuint (change->added, ==, 0);
  g_assert_cmpuint (g_list_model_get_n_items (model), ==, 499);

  /* A paid bill nobody has looked at becomes unpaid: it joins at its sorted place. */
  g_assert_true (pm_ledger_set_state (fixture->ledger, "M0000000", PM_BILL_STATE_UNPAID, NULL,
                                      BASE_TIME + 2, &error));
  spin ();
  g_assert_cmpuint (fixture->changes->len, ==, 2);
  change = &g_array_index (fixture->changes, ItemsChanged, 1);
  g_assert_cmpuint (change->position, ==, 499);
  g_assert_cmpuint (change->added, ==, 1);
  g_assert_cmpuint (g_list_model_get_n_items (model), ==, 500);
  g_assert_cmpstr (id_at (model, 499), ==, "M0000000");

  /* A burst of changes: one recount, one reset. */
  g_assert_true (pm_ledger_begin (fixture->ledger, &error));
  for (guint i = 10; i < 40; i += 2)
    {
      g_autofree char *id = bill_id_for (i);

      g_assert_true (pm_ledger_set_state (fixture->ledger, id, PM_BILL_STATE_UNPAID, NULL,
                                          BASE_TIME + 3, &error));
    }
  g_assert_true (pm_ledger_commit (fixture->ledger, &error));
  spin ();
  g_assert_cmpuint (fixture->changes->len, ==, 3);
  change = &g_array_index (fixture->changes, ItemsChanged, 2);
  g_assert_cmpuint (change->position, ==, 0);
  g_assert_cmpuint (change->removed, ==, 500);
  g_assert_cmpuint (change->added, ==, 515);
  g_assert_cmpuint (g_list_model_get_n_items (model), ==, 515);
}

static void
test_search_many (Fixture       *fixture,
                  gconstpointer  data)
{
  GListModel *model = G_LIST_MODEL (fixture->model);
  g_autoptr(PmLedgerQuery) query = pm_ledger_query_new ();
  gint64 last_price = G_MAXINT64;

  /* Half of the bills match: the ledger walks the sort order instead of sorting. */
  pm_ledger_query_set_text (query, "김민수");
  pm_ledger_query_set_profile_id (query, "p1");
  query->sort = PM_LEDGER_SORT_AMOUNT;
  query->descending = TRUE;
  pm_ledger_model_set_query (fixture->model, query);
  g_assert_cmpuint (g_list_model_get_n_items (model), ==, 5000);
  for (guint pos = 0; pos < 5000; pos += 7)
    {
      g_autoptr(PmBill) bill = g_list_model_get_item (model, pos);

      g_assert_nonnull (bill);
      g_assert_cmpstr (pm_bill_get_payer_name (bill), ==, "김민수");
      g_assert_cmpint (pm_bill_get_price (bill), <, last_price);
      last_price = pm_bill_get_price (bill);
    }
  {
    g_autoptr(PmBill) bill = g_list_model_get_item (model, 4999);

    g_assert_cmpstr (pm_bill_get_bill_id (bill), ==, "M0000001");
  }

  /* A narrow one: its few matches, sorted. */
  pm_ledger_query_set_text (query, "M00012");
  pm_ledger_model_set_query (fixture->model, query);
  g_assert_cmpuint (g_list_model_get_n_items (model), ==, 100);
  g_assert_cmpstr (id_at (model, 0), ==, "M0001299");
  g_assert_cmpstr (id_at (model, 99), ==, "M0001200");

  /* Short prefixes over many rows. */
  pm_ledger_query_set_text (query, "박");
  query->sort = PM_LEDGER_SORT_CREATED_AT;
  pm_ledger_model_set_query (fixture->model, query);
  g_assert_cmpuint (g_list_model_get_n_items (model), ==, 5000);
  g_assert_cmpstr (id_at (model, 0), ==, "M0009998");
  g_assert_cmpstr (id_at (model, 4999), ==, "M0000000");
}

typedef struct
{
  gboolean        done;
  gboolean        ok;
  PmLedgerTotals  totals;
  GError         *error;
} TotalsResult;

static void
totals_cb (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  TotalsResult *res = user_data;

  res->ok = pm_ledger_model_totals_finish (PM_LEDGER_MODEL (object), result, &res->totals,
                                           &res->error);
  res->done = TRUE;
}

static void
wait_totals (PmLedgerModel *model,
             GCancellable  *cancellable,
             TotalsResult  *res)
{
  gint64 end = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;

  memset (res, 0, sizeof *res);
  pm_ledger_model_totals_async (model, cancellable, totals_cb, res);
  while (!res->done && g_get_monotonic_time () < end)
    g_main_context_iteration (NULL, TRUE);
  g_assert_true (res->done);
  /* the worker lets go of its task (and its ref on the model) just after */
  spin ();
}

/* A deferred model reads its first page only; the totals, computed in a worker thread
 * on a connection of their own, give it its size: rows and totals from one evaluation. */
static void
test_deferred_totals (Fixture       *fixture,
                      gconstpointer  data)
{
  g_autoptr(PmLedgerQuery) query = pm_ledger_query_new ();
  g_autoptr(PmLedgerModel) model = NULL;
  g_autoptr(GCancellable) cancelled = g_cancellable_new ();
  g_autoptr(GArray) changes = g_array_new (FALSE, FALSE, sizeof (ItemsChanged));
  Fixture watch = { .changes = changes };
  TotalsResult res;
  guint count = 0;

  /* half of the bills: more than a page */
  pm_ledger_query_set_text (query, "김민수");
  pm_ledger_query_set_profile_id (query, "p1");
  model = pm_ledger_model_new_deferred (fixture->ledger, query);
  g_signal_connect (model, "items-changed", G_CALLBACK (items_changed_cb), &watch);
  g_assert_false (pm_ledger_model_get_counted (model));
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (model)), ==,
                    PM_LEDGER_MODEL_PAGE_SIZE);
  g_assert_cmpstr (id_at (G_LIST_MODEL (model), 0), ==, "M0009999");

  /* cancelled: nothing learnt, nothing changed */
  g_cancellable_cancel (cancelled);
  wait_totals (model, cancelled, &res);
  g_assert_false (res.ok);
  g_assert_error (res.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&res.error);
  g_assert_false (pm_ledger_model_get_counted (model));
  g_assert_cmpuint (changes->len, ==, 0);

  wait_totals (model, NULL, &res);
  g_assert_no_error (res.error);
  g_assert_true (res.ok);
  /* odd i: 김민수, unpaid, 1000 + i won */
  g_assert_cmpint (res.totals.all.count, ==, 5000);
  g_assert_cmpint (res.totals.all.won, ==, 5000 * 1000 + 25000000);
  g_assert_cmpint (res.totals.by_state[PM_BILL_STATE_UNPAID].count, ==, 5000);
  g_assert_true (pm_ledger_model_get_counted (model));
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (model)), ==, 5000);
  g_assert_true (pm_ledger_count (fixture->ledger, query, &count, NULL));
  g_assert_cmpuint (count, ==, 5000);
  /* the rows past the first page were added, none replaced */
  g_assert_cmpuint (changes->len, ==, 1);
  g_assert_cmpuint (g_array_index (changes, ItemsChanged, 0).position, ==,
                    PM_LEDGER_MODEL_PAGE_SIZE);
  g_assert_cmpuint (g_array_index (changes, ItemsChanged, 0).removed, ==, 0);
  g_assert_cmpuint (g_array_index (changes, ItemsChanged, 0).added, ==,
                    5000 - PM_LEDGER_MODEL_PAGE_SIZE);
  g_assert_cmpstr (id_at (G_LIST_MODEL (model), 4999), ==, "M0000001");

  /* totals again (a counted model): the same figures, no change */
  wait_totals (model, NULL, &res);
  g_assert_cmpint (res.totals.all.count, ==, 5000);
  g_assert_cmpuint (changes->len, ==, 1);
  g_signal_handlers_disconnect_by_data (model, &watch);
  g_assert_finalize_object (g_steal_pointer (&model));

  /* fewer than a page: counted from the start */
  pm_ledger_query_set_text (query, "M00012");
  model = pm_ledger_model_new_deferred (fixture->ledger, query);
  g_assert_true (pm_ledger_model_get_counted (model));
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (model)), ==, 100);
  wait_totals (model, NULL, &res);
  g_assert_cmpint (res.totals.all.count, ==, 100);
  g_assert_finalize_object (g_steal_pointer (&model));
}

/* A broad search read in sort order checks each row (bill_grams, prefixes) instead of
 * building the set of every match: the same rows as the set joined and sorted. */
static void
test_search_walk_same_rows (Fixture       *fixture,
                            gconstpointer  data)
{
  static const char *const texts[] = {
    "민", "김민", "박서", "수강", "0101", "김민수", "m000",
  };
  g_autoptr(PmLedgerQuery) query = pm_ledger_query_new ();
  g_autoptr(PmLedgerQuery) unscoped = NULL;

  pm_ledger_query_set_profile_id (query, "p1");
  for (guint i = 0; i < G_N_ELEMENTS (texts); i++)
    for (guint states = 0; states < 2; states++)
      {
        g_autoptr(GPtrArray) walked = NULL;
        g_autoptr(GPtrArray) joined = NULL;
        g_autofree char *plan = NULL;

        pm_ledger_query_set_text (query, texts[i]);
        query->states = states ? PM_LEDGER_STATE_BIT (PM_BILL_STATE_PAID) : 0;
        /* with the profile: the walk of the (profile, …) sort index */
        walked = pm_ledger_fetch (fixture->ledger, query, 0, 50, NULL);
        /* without it (every bill is in p1): the matches joined and sorted */
        unscoped = pm_ledger_query_copy (query);
        pm_ledger_query_set_profile_id (unscoped, NULL);
        joined = pm_ledger_fetch (fixture->ledger, unscoped, 0, 50, NULL);
        g_clear_pointer (&unscoped, pm_ledger_query_free);
        g_assert_nonnull (walked);
        g_assert_nonnull (joined);
        g_assert_cmpuint (walked->len, ==, joined->len);
        for (guint j = 0; j < walked->len; j++)
          g_assert_cmpstr (pm_bill_get_bill_id (g_ptr_array_index (walked, j)), ==,
                           pm_bill_get_bill_id (g_ptr_array_index (joined, j)));
        plan = pm_ledger_explain_for_testing (fixture->ledger, query, 0, 50);
        /* never every match gathered for the first page of a broad search */
        if (g_utf8_strlen (texts[i], -1) <= 2 && states == 0)
          g_assert_null (strstr (plan, "LIST SUBQUERY"));
      }
}

static void
weak_count_cb (gpointer  data,
               GObject  *where_the_object_was)
{
  guint *alive = data;

  (*alive)--;
}

static void
test_memory_bounded (Fixture       *fixture,
                     gconstpointer  data)
{
  GListModel *model = G_LIST_MODEL (fixture->model);
  guint n = g_list_model_get_n_items (model);
  guint alive = 0;
  guint bound = PM_LEDGER_MODEL_PAGE_SIZE * PM_LEDGER_MODEL_MAX_PAGES;

  g_assert_cmpuint (n, ==, 10000);
  for (guint pos = 0; pos < n; pos++)
    {
      PmBill *bill = g_list_model_get_item (model, pos);

      g_assert_nonnull (bill);
      if (g_object_get_data (G_OBJECT (bill), "counted") == NULL)
        {
          g_object_set_data (G_OBJECT (bill), "counted", GUINT_TO_POINTER (1));
          g_object_weak_ref (G_OBJECT (bill), weak_count_cb, &alive);
          alive++;
        }
      g_object_unref (bill);
      g_assert_cmpuint (alive, <=, bound);
    }
  g_assert_cmpuint (alive, ==, bound);

  /* Disposing the model frees them all. */
  g_clear_object (&fixture->model);
  g_assert_cmpuint (alive, ==, 0);
  fixture->model = pm_ledger_model_new (fixture->ledger, NULL);
}

int
main (int   argc,
      char *argv[])
{
  pm_test_init (&argc, &argv);

#define ADD(path, n, func) \
  g_test_add (path, Fixture, GUINT_TO_POINTER (n), fixture_setup, func, fixture_teardown)
  ADD ("/ledger-model/paging", 1000, test_paging);
  ADD ("/ledger-model/same-object", 2000, test_same_object);
  ADD ("/ledger-model/update-in-place", 1000, test_update_in_place);
  ADD ("/ledger-model/insert-remove", 1000, test_insert_remove);
  ADD ("/ledger-model/insert-sorted", 1000, test_insert_sorted);
  ADD ("/ledger-model/state-filter", 1000, test_state_filter);
  ADD ("/ledger-model/search-many", 10000, test_search_many);
  ADD ("/ledger-model/memory-bounded", 10000, test_memory_bounded);
  ADD ("/ledger-model/deferred-totals", 10000, test_deferred_totals);
  ADD ("/ledger-model/search-walk-same-rows", 10000, test_search_walk_same_rows);
#undef ADD

  return g_test_run ();
}
