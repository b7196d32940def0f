/* test-ledger-backends.c — one contract, two backends: the SQLite file and PostgreSQL
 *
 * Copyright 2026 The Paymint Desk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Every case of the ledger's contract (pm-ledger.h) runs twice, through the public API
 * only: "/ledger-backends/sqlite/CASE" on a fresh temporary file and
 * "/ledger-backends/pg/CASE" on a fresh database of the run's PostgreSQL server (skipped
 * when no server was started; see tests/pm-test-pg.h). Expected answers are computed
 * here from the bills the case inserted, never copied from one backend's output, so the
 * two backends must give the same answers.
 *
 * Then what only a shop ledger has ("/ledger-backends/pg-only/…"): two desks leasing due
 * checks, bad addresses, passwords and databases, two desks creating the schema at once,
 * and the server killed and restarted under an open ledger.
 */

#include "config.h"

#include "pm-ledger.h"
#include "pm-ledger-private.h"
#include "pm-ledger-pg-private.h"

#include "pm-bill.h"
#include "pm-error.h"
#include "pm-test-pg.h"
#include "pm-test-util.h"

#include <string.h>
#include <glib/gstdio.h>

#define BASE_TIME G_GINT64_CONSTANT (1795000000)  /* 2026-11-18, UTC */
#define NOW       (BASE_TIME + 100000)
#define TODAY     "2026-11-12"                     /* for "expired" */
#define BIG_WON   G_GINT64_CONSTANT (1000000000000) /* 10^12 won */

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PGconn, PQfinish)

/* ---- the case's ledger ---- */

typedef struct
{
  gboolean    pg;
  char       *location;   /* the file or the database's URI */
  PmLedger   *ledger;
} Ctx;

typedef void (*CaseFunc) (Ctx *ctx);

typedef struct
{
  const char *name;
  CaseFunc    func;
  gboolean    pg;
} Case;

static PmLedger *
open_ledger (const char *location)
{
  g_autoptr(GError) error = NULL;
  PmLedger *ledger = pm_ledger_new (location, &error);

  g_assert_no_error (error);
  g_assert_nonnull (ledger);
  return ledger;
}

static char *
new_location (gboolean    pg,
              const char *label)
{
  static guint serial;

  if (pg)
    return pm_test_pg_new_database (label);
  else
    {
      g_autofree char *file = g_strdup_printf ("%u-%s.db", ++serial, label);

      return g_build_filename (g_get_user_data_dir (), "ledger-backends", file, NULL);
    }
}

static void
run_case (gconstpointer data)
{
  const Case *c = data;
  Ctx ctx = { .pg = c->pg };

  if (c->pg)
    PM_TEST_PG_REQUIRE ();
  ctx.location = new_location (c->pg, c->name);
  ctx.ledger = open_ledger (ctx.location);
  g_assert_cmpstr (pm_ledger_get_backend_name (ctx.ledger), ==,
                   c->pg ? "postgresql" : "sqlite");
  g_assert_true (pm_ledger_is_shared (ctx.ledger) == c->pg);
  c->func (&ctx);
  g_clear_object (&ctx.ledger);
  g_free (ctx.location);
}

/* ---- bills ---- */

static PmBill *
make_bill (const char  *bill_id,
           const char  *profile,
           const char  *name,
           const char  *phone,
           const char  *product,
           gint64       price,
           const char  *expire,
           gint64       created_at,
           PmBillState  state)
{
  PmBill *bill = pm_bill_new ();

  pm_bill_set_bill_id (bill, bill_id);
  pm_bill_set_profile_id (bill, profile);
  pm_bill_set_payer_name (bill, name);
  pm_bill_set_phone (bill, phone);
  pm_bill_set_product (bill, product);
  pm_bill_set_message (bill, "안내 메시지");
  pm_bill_set_price (bill, price);
  pm_bill_set_expire_date (bill, expire);
  pm_bill_set_created_at (bill, created_at);
  pm_bill_set_updated_at (bill, created_at);
  pm_bill_set_state (bill, state);
  return bill;
}

static PmBill *
simple_bill (const char  *bill_id,
             PmBillState  state)
{
  return make_bill (bill_id, "p1", "홍길동", "01012345678", "수강료", 50000, "2026-12-31",
                    BASE_TIME, state);
}

/* Every field set, none empty: Korean, an emoji, and amounts of 10^12 won. */
static PmBill *
full_bill (const char *bill_id)
{
  PmBill *bill = make_bill (bill_id, "c4a5b000-0000-4000-8000-00000000beef",
                            "남궁길동", "01098765432", "필라테스 10회 (주말반) 🧘",
                            BIG_WON, "2026-12-31", BASE_TIME + 17, PM_BILL_STATE_SENDING);

  pm_bill_set_kind (bill, PM_BILL_KIND_AUTOPAY);
  pm_bill_set_message (bill, "안녕하세요, 12월 수강료 안내드립니다.\n감사합니다 \"따옴표\" '작은' \\");
  pm_bill_set_method_id (bill, "METHOD-홍-001");
  pm_bill_set_note (bill, "메모: 현금영수증 요청; DROP TABLE bills; --");
  pm_bill_set_batch_id (bill, "batch-12월");
  pm_bill_set_short_url (bill, "https://pay.example/가나다?x=1&y=2");
  pm_bill_set_appr_pay_type (bill, "카드");
  pm_bill_set_appr_price (bill, BIG_WON);
  pm_bill_set_appr_dt (bill, "20261218093015");
  pm_bill_set_appr_num (bill, "00012345");
  pm_bill_set_appr_issuer (bill, "국민카드");
  pm_bill_set_appr_card_type (bill, "신용");
  pm_bill_set_appr_monthly (bill, "03");
  pm_bill_set_error_code (bill, "9999");
  pm_bill_set_error_text (bill, "일시적인 오류 (한도 초과)");
  pm_bill_set_updated_at (bill, BASE_TIME + 18);
  pm_bill_set_last_checked_at (bill, BASE_TIME + 19);
  pm_bill_set_next_check_at (bill, BASE_TIME + 20);
  return bill;
}

/* Every property of @a and @b equal, named when not. */
static void
assert_bills_equal (PmBill *a,
                    PmBill *b)
{
  g_autofree GParamSpec **pspecs = NULL;
  guint n = 0;

  g_assert_nonnull (a);
  g_assert_nonnull (b);
  pspecs = g_object_class_list_properties (G_OBJECT_GET_CLASS (a), &n);
  g_assert_cmpuint (n, >=, 27);
  for (guint i = 0; i < n; i++)
    {
      g_auto(GValue) va = G_VALUE_INIT;
      g_auto(GValue) vb = G_VALUE_INIT;

      if (!(pspecs[i]->flags & G_PARAM_READABLE))
        continue;
      g_value_init (&va, pspecs[i]->value_type);
      g_value_init (&vb, pspecs[i]->value_type);
      g_object_get_property (G_OBJECT (a), pspecs[i]->name, &va);
      g_object_get_property (G_OBJECT (b), pspecs[i]->name, &vb);
      /* an unset text is stored as empty: the same to a caller */
      if (G_VALUE_HOLDS_STRING (&va)
          && g_strcmp0 (g_value_get_string (&va) ? g_value_get_string (&va) : "",
                        g_value_get_string (&vb) ? g_value_get_string (&vb) : "") == 0)
        continue;
      if (g_param_values_cmp (pspecs[i], &va, &vb) != 0)
        {
          g_autofree char *sa = g_strdup_value_contents (&va);
          g_autofree char *sb = g_strdup_value_contents (&vb);

          g_test_fail_printf ("bill %s: property %s differs: %s, read back %s",
                              pm_bill_get_bill_id (a), pspecs[i]->name, sa, sb);
        }
    }
}

static PmBill *
lookup (PmLedger   *ledger,
        const char *bill_id)
{
  g_autoptr(GError) error = NULL;
  PmBill *bill = pm_ledger_lookup (ledger, bill_id, &error);

  g_assert_no_error (error);
  return bill;
}

static void
assert_present (PmLedger   *ledger,
                const char *bill_id)
{
  g_autoptr(PmBill) bill = lookup (ledger, bill_id);

  if (bill == NULL)
    g_test_fail_printf ("bill %s is not in the ledger", bill_id);
}

static void
insert (PmLedger *ledger,
        PmBill   *bill)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (pm_ledger_insert_bill (ledger, bill, &error));
  g_assert_no_error (error);
}

static void
insert_intent (PmLedger *ledger,
               PmBill   *bill)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (pm_ledger_insert_intent (ledger, bill, &error));
  g_assert_no_error (error);
}

static GPtrArray *
events_of (PmLedger   *ledger,
           const char *bill_id)
{
  g_autoptr(GError) error = NULL;
  GPtrArray *events = pm_ledger_list_events (ledger, bill_id, &error);

  g_assert_no_error (error);
  g_assert_nonnull (events);
  return events;
}

static guint
count_all (PmLedger *ledger)
{
  g_autoptr(PmLedgerQuery) query = pm_ledger_query_new ();
  g_autoptr(GError) error = NULL;
  guint n = G_MAXUINT;

  g_assert_true (pm_ledger_count (ledger, query, &n, &error));
  g_assert_no_error (error);
  return n;
}

/* ---- the data set of the query cases ---- */

#define N_DATA 27

static const char *const data_names[] = {
  "김민수", "이민수", "남궁민수", "김영희", "박영희", "최민지", "김철수", "Alice 김", "민수정",
};
static const char *const data_products[] = { "Yoga class", "Pilates 10", "Swim" };

typedef struct
{
  char        *id;
  const char  *profile;
  const char  *name;
  char        *phone;
  const char  *product;
  gint64       price;
  char        *expire;
  gint64       created;
  PmBillState  state;
  gint64       next;
} Row;

static Row rows[N_DATA];

static void
rows_init (void)
{
  for (int i = 0; i < N_DATA; i++)
    {
      Row *r = &rows[i];

      g_free (r->id);
      g_free (r->phone);
      g_free (r->expire);
      r->id = g_strdup_printf ("DATA%02dQ", i);
      r->profile = i % 5 == 2 ? "p2" : "p1";
      r->name = data_names[i % G_N_ELEMENTS (data_names)];
      r->phone = g_strdup_printf ("0105555%04d", 1000 + i);
      r->product = data_products[i % G_N_ELEMENTS (data_products)];
      /* unique amounts, unique creation times not in insertion order, unique dates */
      r->price = i == 13 ? BIG_WON : 1000 * (gint64) (i + 1) + i;
      r->created = BASE_TIME + ((i * 7) % N_DATA) * 3600;
      r->expire = g_strdup_printf ("2026-11-%02d", 1 + (i * 5) % N_DATA);
      r->state = (PmBillState) (i % PM_BILL_N_STATES);
      /* every fourth not scheduled; the others due up to 13 min ago, or later */
      r->next = i % 4 == 0 ? 0 : NOW + ((i * 11) % N_DATA - 13) * 60;
    }
}

static void
fill (PmLedger *ledger)
{
  g_autoptr(GError) error = NULL;

  rows_init ();
  g_assert_true (pm_ledger_begin (ledger, &error));
  g_assert_no_error (error);
  for (int i = 0; i < N_DATA; i++)
    {
      Row *r = &rows[i];
      g_autoptr(PmBill) bill = make_bill (r->id, r->profile, r->name, r->phone, r->product,
                                          r->price, r->expire, r->created, r->state);

      pm_bill_set_next_check_at (bill, r->next);
      insert (ledger, bill);
    }
  g_assert_true (pm_ledger_commit (ledger, &error));
  g_assert_no_error (error);
}

static gboolean
row_expired (const Row *r)
{
  return r->state == PM_BILL_STATE_UNPAID && strcmp (r->expire, TODAY) < 0;
}

static guint
row_bucket (const Row *r)
{
  return row_expired (r) ? PM_LEDGER_BUCKET_EXPIRED : (guint) r->state;
}

/* Every word of @text inside the payer's name (the data's products are ASCII, its
 * phones and ids digits and ASCII: a Korean word can only match a name). */
static gboolean
row_matches_text (const Row  *r,
                  const char *text)
{
  g_auto(GStrv) words = NULL;

  if (text == NULL || *text == '\0')
    return TRUE;
  words = g_strsplit (text, " ", -1);
  for (guint i = 0; words[i] != NULL; i++)
    if (*words[i] != '\0' && strstr (r->name, words[i]) == NULL)
      return FALSE;
  return TRUE;
}

static gboolean
row_selected (const Row           *r,
              const PmLedgerQuery *query)
{
  if (query->profile_id != NULL && *query->profile_id != '\0'
      && strcmp (query->profile_id, r->profile) != 0)
    return FALSE;
  if (query->states != PM_LEDGER_STATES_ALL)
    {
      guint bucket = row_bucket (r);
      guint bit = bucket == PM_LEDGER_BUCKET_EXPIRED ? PM_LEDGER_STATE_EXPIRED
                                                     : PM_LEDGER_STATE_BIT (bucket);

      if ((query->states & bit) == 0)
        return FALSE;
    }
  if (query->created_from != 0 && r->created < query->created_from)
    return FALSE;
  if (query->created_to != 0 && r->created >= query->created_to)
    return FALSE;
  return row_matches_text (r, query->text);
}

static int
state_rank (PmBillState state)
{
  return (int) state;
}

static int
compare_rows (gconstpointer a,
              gconstpointer b,
              gpointer      user_data)
{
  const Row *x = *(const Row **) a;
  const Row *y = *(const Row **) b;
  const PmLedgerQuery *query = user_data;
  int c = 0;

  switch (query->sort)
    {
    case PM_LEDGER_SORT_PAYER:
      c = strcmp (x->name, y->name);
      break;
    case PM_LEDGER_SORT_AMOUNT:
      c = x->price < y->price ? -1 : x->price > y->price;
      break;
    case PM_LEDGER_SORT_STATE:
      c = state_rank (x->state) - state_rank (y->state);
      if (c == 0)
        c = x->created < y->created ? -1 : x->created > y->created;
      break;
    case PM_LEDGER_SORT_EXPIRE_DATE:
      c = strcmp (x->expire, y->expire);
      break;
    case PM_LEDGER_SORT_LAST_CHECKED:
    case PM_LEDGER_SORT_CREATED_AT:
    default:
      c = x->created < y->created ? -1 : x->created > y->created;
      break;
    }
  return query->descending ? -c : c;
}

/* The rows @query selects, sorted as it says (without its window). */
static GPtrArray *
expected_rows (const PmLedgerQuery *query)
{
  GPtrArray *out = g_ptr_array_new ();

  for (int i = 0; i < N_DATA; i++)
    if (row_selected (&rows[i], query))
      g_ptr_array_add (out, &rows[i]);
  g_ptr_array_sort_with_data (out, compare_rows, (gpointer) query);
  return out;
}

static GPtrArray *
fetch (PmLedger            *ledger,
       const PmLedgerQuery *query,
       guint                offset,
       guint                limit)
{
  g_autoptr(GError) error = NULL;
  GPtrArray *bills = pm_ledger_fetch (ledger, query, offset, limit, &error);

  g_assert_no_error (error);
  g_assert_nonnull (bills);
  return bills;
}

static const char *
query_describe (const PmLedgerQuery *query)
{
  static char text[256];

  g_snprintf (text, sizeof text, "profile %s, states 0x%x, text \"%s\", sort %d%s, window %u+%u",
              query->profile_id != NULL ? query->profile_id : "any", query->states,
              query->text != NULL ? query->text : "", (int) query->sort,
              query->descending ? " desc" : "", query->offset, query->limit);
  return text;
}

/* count, fetch (whole, paged), totals and locate of @query against the data set. */
static void
check_query (PmLedger            *ledger,
             const PmLedgerQuery *query)
{
  g_autoptr(GPtrArray) want = expected_rows (query);
  g_autoptr(GPtrArray) got = NULL;
  g_autoptr(GError) error = NULL;
  PmLedgerTotals totals = { 0 };
  PmLedgerTotals want_totals = { 0 };
  guint start = MIN (query->offset, want->len);
  guint end = query->limit == 0 ? want->len : MIN (want->len, start + query->limit);
  guint n = G_MAXUINT;

  g_test_message ("query: %s: %u bills", query_describe (query), end - start);

  g_assert_true (pm_ledger_count (ledger, query, &n, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (n, ==, end - start);

  got = fetch (ledger, query, 0, 0);
  g_assert_cmpuint (got->len, ==, end - start);
  for (guint i = 0; i < got->len; i++)
    {
      PmBill *bill = g_ptr_array_index (got, i);
      const Row *r = g_ptr_array_index (want, start + i);

      /* payer names repeat: sorted by payer, only the names' order is fixed */
      if (query->sort == PM_LEDGER_SORT_PAYER)
        g_assert_cmpstr (pm_bill_get_payer_name (bill), ==, r->name);
      else
        g_assert_cmpstr (pm_bill_get_bill_id (bill), ==, r->id);
    }
  g_clear_pointer (&got, g_ptr_array_unref);

  /* a page inside the window */
  if (end - start > 3)
    {
      got = fetch (ledger, query, 2, 2);
      g_assert_cmpuint (got->len, ==, 2);
      for (guint i = 0; i < 2; i++)
        {
          const Row *r = g_ptr_array_index (want, start + 2 + i);

          if (query->sort == PM_LEDGER_SORT_PAYER)
            g_assert_cmpstr (pm_bill_get_payer_name (g_ptr_array_index (got, i)), ==, r->name);
          else
            g_assert_cmpstr (pm_bill_get_bill_id (g_ptr_array_index (got, i)), ==, r->id);
        }
      g_clear_pointer (&got, g_ptr_array_unref);
    }

  /* totals: every bill the filter selects, the window aside */
  for (guint i = 0; i < want->len; i++)
    {
      const Row *r = g_ptr_array_index (want, i);

      want_totals.all.count++;
      want_totals.all.won += r->price;
      want_totals.by_state[row_bucket (r)].count++;
      want_totals.by_state[row_bucket (r)].won += r->price;
    }
  if (query->limit == 0 && query->offset == 0)
    {
      g_assert_true (pm_ledger_totals (ledger, query, &totals, &error));
      g_assert_no_error (error);
      g_assert_cmpint (totals.all.count, ==, want_totals.all.count);
      g_assert_cmpint (totals.all.won, ==, want_totals.all.won);
      for (guint b = 0; b < PM_LEDGER_N_BUCKETS; b++)
        {
          g_assert_cmpint (totals.by_state[b].count, ==, want_totals.by_state[b].count);
          g_assert_cmpint (totals.by_state[b].won, ==, want_totals.by_state[b].won);
        }
    }

  /* where a bill is in the sorted result (unique keys only) */
  if (query->sort != PM_LEDGER_SORT_PAYER && query->limit == 0 && query->offset == 0)
    {
      for (int i = 0; i < N_DATA; i += 4)
        {
          gboolean selected = FALSE;
          guint position = G_MAXUINT;
          guint want_position = G_MAXUINT;

          for (guint k = 0; k < want->len; k++)
            if (g_ptr_array_index (want, k) == &rows[i])
              want_position = k;
          g_assert_true (pm_ledger_locate (ledger, query, rows[i].id, &selected, &position,
                                           &error));
          g_assert_no_error (error);
          g_assert_true (selected == (want_position != G_MAXUINT));
          if (selected)
            g_assert_cmpuint (position, ==, want_position);
        }
    }
}

/* ------------------------------------------------------------------------ */
/* The contract cases                                                       */
/* ------------------------------------------------------------------------ */

static void
case_intent_roundtrip (Ctx *ctx)
{
  g_autoptr(PmBill) bill = full_bill ("FULL0001");
  g_autoptr(PmBill) found = NULL;
  g_autoptr(PmBill) fresh = simple_bill ("FRESH001", PM_BILL_STATE_UNPAID);
  g_autoptr(PmBill) imported = full_bill ("IMPORT01");
  g_autoptr(GPtrArray) events = NULL;
  g_autoptr(GError) error = NULL;
  PmLedgerEvent *event;
  gint64 before, after;

  /* the intent: state queued whatever the bill said, every field as written */
  insert_intent (ctx->ledger, bill);
  g_assert_cmpint (pm_bill_get_state (bill), ==, PM_BILL_STATE_QUEUED);
  g_assert_cmpint (pm_bill_get_created_at (bill), ==, BASE_TIME + 17);
  found = lookup (ctx->ledger, "FULL0001");
  g_assert_nonnull (found);
  assert_bills_equal (bill, found);
  g_assert_cmpint (pm_bill_get_price (found), ==, BIG_WON);
  g_assert_cmpint (pm_bill_get_appr_price (found), ==, BIG_WON);
  g_assert_cmpstr (pm_bill_get_payer_name (found), ==, "남궁길동");

  events = events_of (ctx->ledger, "FULL0001");
  g_assert_cmpuint (events->len, ==, 1);
  event = g_ptr_array_index (events, 0);
  g_assert_cmpstr (event->kind, ==, PM_LEDGER_EVENT_CREATED);
  g_assert_cmpstr (event->bill_id, ==, "FULL0001");
  g_assert_cmpint (event->to_state, ==, PM_BILL_STATE_QUEUED);

  /* created-at and updated-at 0: now */
  pm_bill_set_created_at (fresh, 0);
  pm_bill_set_updated_at (fresh, 0);
  before = g_get_real_time () / G_USEC_PER_SEC;
  insert_intent (ctx->ledger, fresh);
  after = g_get_real_time () / G_USEC_PER_SEC;
  g_assert_cmpint (pm_bill_get_created_at (fresh), >=, before);
  g_assert_cmpint (pm_bill_get_created_at (fresh), <=, after);
  g_assert_cmpint (pm_bill_get_updated_at (fresh), >=, before);
  g_clear_object (&found);
  found = lookup (ctx->ledger, "FRESH001");
  assert_bills_equal (fresh, found);

  /* an imported bill keeps its state; its event says so */
  pm_bill_set_state (imported, PM_BILL_STATE_PAID);
  insert (ctx->ledger, imported);
  g_clear_object (&found);
  found = lookup (ctx->ledger, "IMPORT01");
  assert_bills_equal (imported, found);
  g_clear_pointer (&events, g_ptr_array_unref);
  events = events_of (ctx->ledger, "IMPORT01");
  g_assert_cmpuint (events->len, ==, 1);
  event = g_ptr_array_index (events, 0);
  g_assert_cmpstr (event->kind, ==, PM_LEDGER_EVENT_CREATED);
  g_assert_cmpint (event->to_state, ==, PM_BILL_STATE_PAID);

  /* no such bill: NULL, no error */
  g_clear_object (&found);
  found = pm_ledger_lookup (ctx->ledger, "NOSUCH01", &error);
  g_assert_no_error (error);
  g_assert_null (found);

  /* another connection reads the same */
  {
    g_autoptr(PmLedger) other = open_ledger (ctx->location);
    g_autoptr(PmBill) again = lookup (other, "FULL0001");

    assert_bills_equal (bill, again);
  }
  g_assert_cmpuint (count_all (ctx->ledger), ==, 3);
}

static void
case_duplicate (Ctx *ctx)
{
  g_autoptr(PmBill) first = simple_bill ("DUP00001", PM_BILL_STATE_QUEUED);
  g_autoptr(PmBill) second = simple_bill ("DUP00001", PM_BILL_STATE_QUEUED);
  g_autoptr(PmBill) found = NULL;
  g_autoptr(GPtrArray) events = NULL;
  g_autoptr(GError) error = NULL;

  insert_intent (ctx->ledger, first);
  pm_bill_set_price (second, 99999);
  pm_bill_set_payer_name (second, "다른사람");

  g_assert_false (pm_ledger_insert_intent (ctx->ledger, second, &error));
  g_assert_error (error, PM_ERROR, PM_ERROR_DUPLICATE_BILL);
  g_clear_error (&error);
  g_assert_false (pm_ledger_insert_bill (ctx->ledger, second, &error));
  g_assert_error (error, PM_ERROR, PM_ERROR_DUPLICATE_BILL);
  g_clear_error (&error);

  /* nothing changed */
  found = lookup (ctx->ledger, "DUP00001");
  g_assert_cmpint (pm_bill_get_price (found), ==, 50000);
  g_assert_cmpstr (pm_bill_get_payer_name (found), ==, "홍길동");
  events = events_of (ctx->ledger, "DUP00001");
  g_assert_cmpuint (events->len, ==, 1);
  g_assert_cmpuint (count_all (ctx->ledger), ==, 1);

  /* and the ledger still takes writes (no transaction left open by the failure) */
  {
    g_autoptr(PmBill) third = simple_bill ("DUP00002", PM_BILL_STATE_QUEUED);
    g_autoptr(PmLedger) other = NULL;

    insert_intent (ctx->ledger, third);
    other = open_ledger (ctx->location);
    g_assert_cmpuint (count_all (other), ==, 2);
  }
}

static void
case_writes (Ctx *ctx)
{
  g_autoptr(PmBill) bill = simple_bill ("WRITE001", PM_BILL_STATE_QUEUED);
  g_autoptr(PmBill) found = NULL;
  g_autoptr(PmBill) ghost = simple_bill ("GHOST001", PM_BILL_STATE_UNPAID);
  g_autoptr(GPtrArray) events = NULL;
  g_autoptr(GError) error = NULL;
  PmLedgerEvent *event;

  insert_intent (ctx->ledger, bill);

  /* update_bill: every field, and a state change makes an event */
  pm_bill_set_state (bill, PM_BILL_STATE_UNPAID);
  pm_bill_set_short_url (bill, "https://pay.example/abc");
  pm_bill_set_payer_name (bill, "홍길순");
  pm_bill_set_price (bill, BIG_WON - 1);
  pm_bill_set_updated_at (bill, BASE_TIME + 50);
  g_assert_true (pm_ledger_update_bill (ctx->ledger, bill, &error));
  g_assert_no_error (error);
  found = lookup (ctx->ledger, "WRITE001");
  assert_bills_equal (bill, found);
  events = events_of (ctx->ledger, "WRITE001");
  g_assert_cmpuint (events->len, ==, 2);
  event = g_ptr_array_index (events, 1);
  g_assert_cmpstr (event->kind, ==, PM_LEDGER_EVENT_STATE);
  g_assert_cmpint (event->from_state, ==, PM_BILL_STATE_QUEUED);
  g_assert_cmpint (event->to_state, ==, PM_BILL_STATE_UNPAID);

  /* an update without a state change: no event */
  pm_bill_set_note (bill, "메모");
  g_assert_true (pm_ledger_update_bill (ctx->ledger, bill, &error));
  g_clear_pointer (&events, g_ptr_array_unref);
  events = events_of (ctx->ledger, "WRITE001");
  g_assert_cmpuint (events->len, ==, 2);

  /* no such row */
  g_assert_false (pm_ledger_update_bill (ctx->ledger, ghost, &error));
  g_assert_error (error, PM_ERROR, PM_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_assert_null (lookup (ctx->ledger, "GHOST001"));

  /* set_state: updated-at, an event with from, to and the detail */
  g_assert_true (pm_ledger_set_state (ctx->ledger, "WRITE001", PM_BILL_STATE_PAID, "결제 완료",
                                      BASE_TIME + 60, &error));
  g_assert_no_error (error);
  g_clear_object (&found);
  found = lookup (ctx->ledger, "WRITE001");
  g_assert_cmpint (pm_bill_get_state (found), ==, PM_BILL_STATE_PAID);
  g_assert_cmpint (pm_bill_get_updated_at (found), ==, BASE_TIME + 60);
  g_clear_pointer (&events, g_ptr_array_unref);
  events = events_of (ctx->ledger, "WRITE001");
  g_assert_cmpuint (events->len, ==, 3);
  event = g_ptr_array_index (events, 2);
  g_assert_cmpstr (event->kind, ==, PM_LEDGER_EVENT_STATE);
  g_assert_cmpint (event->from_state, ==, PM_BILL_STATE_UNPAID);
  g_assert_cmpint (event->to_state, ==, PM_BILL_STATE_PAID);
  g_assert_cmpstr (event->detail, ==, "결제 완료");
  g_assert_cmpint (event->at, ==, BASE_TIME + 60);

  /* the same state again changes nothing */
  g_assert_true (pm_ledger_set_state (ctx->ledger, "WRITE001", PM_BILL_STATE_PAID, "again",
                                      BASE_TIME + 70, &error));
  g_assert_no_error (error);
  g_clear_pointer (&events, g_ptr_array_unref);
  events = events_of (ctx->ledger, "WRITE001");
  g_assert_cmpuint (events->len, ==, 3);
  g_clear_object (&found);
  found = lookup (ctx->ledger, "WRITE001");
  g_assert_cmpint (pm_bill_get_updated_at (found), ==, BASE_TIME + 60);

  /* check times only */
  g_assert_true (pm_ledger_set_check_times (ctx->ledger, "WRITE001", BASE_TIME + 80,
                                            BASE_TIME + 900, &error));
  g_assert_no_error (error);
  g_clear_object (&found);
  found = lookup (ctx->ledger, "WRITE001");
  g_assert_cmpint (pm_bill_get_last_checked_at (found), ==, BASE_TIME + 80);
  g_assert_cmpint (pm_bill_get_next_check_at (found), ==, BASE_TIME + 900);
  g_assert_cmpint (pm_bill_get_state (found), ==, PM_BILL_STATE_PAID);
  g_assert_cmpstr (pm_bill_get_payer_name (found), ==, "홍길순");
  g_assert_false (pm_ledger_set_check_times (ctx->ledger, "NOSUCH01", 1, 2, &error));
  g_assert_error (error, PM_ERROR, PM_ERROR_NOT_FOUND);
  g_clear_error (&error);

  /* delete: the bill and its timeline go */
  g_assert_true (pm_ledger_delete_bill (ctx->ledger, "WRITE001", &error));
  g_assert_no_error (error);
  g_assert_null (lookup (ctx->ledger, "WRITE001"));
  g_clear_pointer (&events, g_ptr_array_unref);
  events = events_of (ctx->ledger, "WRITE001");
  g_assert_cmpuint (events->len, ==, 0);
  g_assert_cmpuint (count_all (ctx->ledger), ==, 0);

  /* the id can be used again, with a fresh timeline */
  {
    g_autoptr(PmBill) again = simple_bill ("WRITE001", PM_BILL_STATE_QUEUED);

    insert_intent (ctx->ledger, again);
    g_clear_pointer (&events, g_ptr_array_unref);
    events = events_of (ctx->ledger, "WRITE001");
    g_assert_cmpuint (events->len, ==, 1);
  }
}

static void
case_events (Ctx *ctx)
{
  g_autoptr(PmBill) bill = simple_bill ("EVENT001", PM_BILL_STATE_QUEUED);
  g_autoptr(PmBill) other = simple_bill ("EVENT002", PM_BILL_STATE_QUEUED);
  g_autoptr(GPtrArray) events = NULL;
  g_autoptr(GError) error = NULL;
  static const struct { gint64 at; const char *kind; int from, to; const char *detail; } add[] = {
    { BASE_TIME + 300, PM_LEDGER_EVENT_NOTE, -1, -1, "세 번째" },
    { BASE_TIME + 100, PM_LEDGER_EVENT_RESEND, -1, -1, NULL },
    { BASE_TIME + 200, "custom-kind", PM_BILL_STATE_UNKNOWN, PM_BILL_STATE_UNPAID, "두 번째" },
    { BASE_TIME + 200, PM_LEDGER_EVENT_SEND_AGAIN, -1, -1, "같은 시각, 나중" },
  };
  /* oldest first; the same instant in the order written */
  static const guint order[] = { 1, 2, 3, 0 };

  pm_bill_set_created_at (bill, BASE_TIME);
  insert_intent (ctx->ledger, bill);
  insert_intent (ctx->ledger, other);
  for (guint i = 0; i < G_N_ELEMENTS (add); i++)
    {
      g_assert_true (pm_ledger_add_event (ctx->ledger, "EVENT001", add[i].at, add[i].kind,
                                          add[i].from, add[i].to, add[i].detail, &error));
      g_assert_no_error (error);
    }
  g_assert_true (pm_ledger_add_event (ctx->ledger, "EVENT002", BASE_TIME + 1,
                                      PM_LEDGER_EVENT_NOTE, -1, -1, "다른 청구", &error));

  events = events_of (ctx->ledger, "EVENT001");
  g_assert_cmpuint (events->len, ==, 1 + G_N_ELEMENTS (add));
  g_assert_cmpstr (((PmLedgerEvent *) g_ptr_array_index (events, 0))->kind, ==,
                   PM_LEDGER_EVENT_CREATED);
  for (guint i = 0; i < G_N_ELEMENTS (order); i++)
    {
      PmLedgerEvent *event = g_ptr_array_index (events, i + 1);

      g_assert_cmpint (event->at, ==, add[order[i]].at);
      g_assert_cmpstr (event->kind, ==, add[order[i]].kind);
      g_assert_cmpint (event->from_state, ==, add[order[i]].from);
      g_assert_cmpint (event->to_state, ==, add[order[i]].to);
      g_assert_cmpstr (event->detail, ==, add[order[i]].detail);
      g_assert_cmpint (((PmLedgerEvent *) g_ptr_array_index (events, i))->id, !=, event->id);
    }
  g_clear_pointer (&events, g_ptr_array_unref);
  events = events_of (ctx->ledger, "EVENT002");
  g_assert_cmpuint (events->len, ==, 2);
  g_clear_pointer (&events, g_ptr_array_unref);
  events = events_of (ctx->ledger, "NOSUCH01");
  g_assert_cmpuint (events->len, ==, 0);
}

static void
check_due (PmLedger   *ledger,
           const char *profile,
           gint64      now,
           guint       limit)
{
  g_autoptr(GPtrArray) want = g_ptr_array_new ();
  g_autoptr(GPtrArray) due = NULL;
  g_autoptr(GError) error = NULL;

  for (int i = 0; i < N_DATA; i++)
    {
      const Row *r = &rows[i];

      if (!pm_bill_state_is_final (r->state) && r->next > 0 && r->next <= now
          && (profile == NULL || strcmp (profile, r->profile) == 0))
        g_ptr_array_add (want, (gpointer) r);
    }
  /* earliest first (next-check times are unique in the data) */
  for (guint i = 1; i < want->len; i++)
    for (guint j = i; j > 0; j--)
      {
        const Row *a = g_ptr_array_index (want, j - 1);
        const Row *b = g_ptr_array_index (want, j);

        if (a->next <= b->next)
          break;
        want->pdata[j - 1] = (gpointer) b;
        want->pdata[j] = (gpointer) a;
      }
  if (limit != 0 && want->len > limit)
    g_ptr_array_set_size (want, limit);

  due = pm_ledger_list_due (ledger, profile, now, limit, &error);
  g_assert_no_error (error);
  g_assert_nonnull (due);
  g_test_message ("due at %+" G_GINT64_FORMAT " s, profile %s, limit %u: %u bills",
                  now - NOW, profile != NULL ? profile : "any", limit, want->len);
  g_assert_cmpuint (due->len, ==, want->len);
  for (guint i = 0; i < due->len; i++)
    g_assert_cmpstr (pm_bill_get_bill_id (g_ptr_array_index (due, i)), ==,
                     ((const Row *) g_ptr_array_index (want, i))->id);
}

static void
case_due (Ctx *ctx)
{
  g_autoptr(GError) error = NULL;
  gint64 want_next = 0;
  gint64 want_next_p2 = 0;

  fill (ctx->ledger);

  /* before any list_due: a shop ledger's leases would move what it says (the lease end) */
  for (int i = 0; i < N_DATA; i++)
    {
      const Row *r = &rows[i];

      if (pm_bill_state_is_final (r->state) || r->next == 0)
        continue;
      if (want_next == 0 || r->next < want_next)
        want_next = r->next;
      if (strcmp (r->profile, "p2") == 0 && (want_next_p2 == 0 || r->next < want_next_p2))
        want_next_p2 = r->next;
    }
  g_assert_cmpint (want_next, !=, 0);
  g_assert_cmpint (pm_ledger_next_due_time (ctx->ledger, NULL, &error), ==, want_next);
  g_assert_no_error (error);
  g_assert_cmpint (pm_ledger_next_due_time (ctx->ledger, "p2", &error), ==, want_next_p2);
  g_assert_cmpint (pm_ledger_next_due_time (ctx->ledger, "nobody", &error), ==, 0);
  g_assert_no_error (error);

  check_due (ctx->ledger, NULL, NOW, 0);
  check_due (ctx->ledger, "p1", NOW, 0);
  check_due (ctx->ledger, "p2", NOW, 0);
  check_due (ctx->ledger, NULL, NOW, 3);
  check_due (ctx->ledger, "p1", NOW, 2);
  check_due (ctx->ledger, NULL, NOW - 10 * 60, 0);
  check_due (ctx->ledger, NULL, NOW + 13 * 60, 0);
  check_due (ctx->ledger, "nobody", NOW, 0);

  /* a bill rescheduled by the poller leaves the due list; a final one never is due */
  {
    g_autoptr(GPtrArray) due = pm_ledger_list_due (ctx->ledger, NULL, NOW, 1, &error);
    const char *first;

    g_assert_no_error (error);
    g_assert_cmpuint (due->len, ==, 1);
    first = pm_bill_get_bill_id (g_ptr_array_index (due, 0));
    g_assert_true (pm_ledger_set_check_times (ctx->ledger, first, NOW, NOW + 86400, &error));
    g_assert_no_error (error);
    for (int i = 0; i < N_DATA; i++)
      if (strcmp (rows[i].id, first) == 0)
        rows[i].next = NOW + 86400;
    check_due (ctx->ledger, NULL, NOW, 0);

    for (int i = 0; i < N_DATA; i++)
      if (rows[i].next > 0 && rows[i].next <= NOW && !pm_bill_state_is_final (rows[i].state))
        {
          g_assert_true (pm_ledger_set_state (ctx->ledger, rows[i].id,
                                              PM_BILL_STATE_CANCELLED, NULL, NOW, &error));
          g_assert_no_error (error);
          rows[i].state = PM_BILL_STATE_CANCELLED;
          break;
        }
    check_due (ctx->ledger, NULL, NOW, 0);
  }
}

static void
case_unsettled (Ctx *ctx)
{
  g_autoptr(GError) error = NULL;
  const char *profiles[] = { NULL, "p1", "p2" };

  fill (ctx->ledger);
  for (guint p = 0; p < G_N_ELEMENTS (profiles); p++)
    {
      g_autoptr(GPtrArray) got = pm_ledger_list_unsettled (ctx->ledger, profiles[p], &error);
      g_autoptr(GPtrArray) want = g_ptr_array_new ();
      g_autoptr(PmLedgerQuery) order = pm_ledger_query_new ();

      g_assert_no_error (error);
      for (int i = 0; i < N_DATA; i++)
        if ((rows[i].state == PM_BILL_STATE_QUEUED || rows[i].state == PM_BILL_STATE_SENDING
             || rows[i].state == PM_BILL_STATE_UNKNOWN)
            && (profiles[p] == NULL || strcmp (profiles[p], rows[i].profile) == 0))
          g_ptr_array_add (want, &rows[i]);
      order->sort = PM_LEDGER_SORT_CREATED_AT;
      order->descending = FALSE;
      g_ptr_array_sort_with_data (want, compare_rows, order);
      g_assert_cmpuint (want->len, >, 0);
      g_assert_cmpuint (got->len, ==, want->len);
      for (guint i = 0; i < got->len; i++)
        g_assert_cmpstr (pm_bill_get_bill_id (g_ptr_array_index (got, i)), ==,
                         ((Row *) g_ptr_array_index (want, i))->id);
    }
}

static PmLedgerBatch *
batch_new (const char *id,
           const char *name,
           const char *source,
           const char *profile,
           const char *hash,
           guint       n_total,
           gint64      created_at)
{
  PmLedgerBatch *batch = g_new0 (PmLedgerBatch, 1);

  batch->id = g_strdup (id);
  batch->name = g_strdup (name);
  batch->source_name = g_strdup (source);
  batch->profile_id = g_strdup (profile);
  batch->content_hash = g_strdup (hash);
  batch->n_total = n_total;
  batch->created_at = created_at;
  return batch;
}

static void
case_batches (Ctx *ctx)
{
  g_autoptr(PmLedgerBatch) first = batch_new ("B-1월", "1월 회비", "1월.csv", "p1", "h-aaa", 4,
                                              BASE_TIME);
  g_autoptr(PmLedgerBatch) again = batch_new ("B-1월", "다른 이름", "other.csv", "p1", "h-zzz",
                                              99, BASE_TIME + 500);
  g_autoptr(PmLedgerBatch) later = batch_new ("B-1월-2", "1월 회비 (다시)", "1월.csv", "p1",
                                              "h-aaa", 4, BASE_TIME + 1000);
  g_autoptr(PmLedgerBatch) elsewhere = batch_new ("B-p2", "p2", "1월.csv", "p2", "h-aaa", 4,
                                                  BASE_TIME + 2000);
  g_autoptr(PmLedgerBatch) found = NULL;
  g_autoptr(GPtrArray) list = NULL;
  g_autoptr(GError) error = NULL;
  static const PmBillState states[] = {
    PM_BILL_STATE_UNPAID, PM_BILL_STATE_FAILED, PM_BILL_STATE_NOT_SENT, PM_BILL_STATE_UNKNOWN,
  };

  g_assert_true (pm_ledger_insert_batch_full (ctx->ledger, first, &error));
  g_assert_no_error (error);
  /* run again: the first record stays */
  g_assert_true (pm_ledger_insert_batch_full (ctx->ledger, again, &error));
  g_assert_no_error (error);
  g_assert_true (pm_ledger_insert_batch_full (ctx->ledger, later, &error));
  g_assert_true (pm_ledger_insert_batch_full (ctx->ledger, elsewhere, &error));
  g_assert_no_error (error);

  for (guint i = 0; i < G_N_ELEMENTS (states); i++)
    {
      g_autofree char *id = g_strdup_printf ("BATCHB%02u", i);
      g_autoptr(PmBill) bill = simple_bill (id, states[i]);

      pm_bill_set_batch_id (bill, "B-1월");
      insert (ctx->ledger, bill);
    }

  found = pm_ledger_lookup_batch (ctx->ledger, "B-1월", &error);
  g_assert_no_error (error);
  g_assert_nonnull (found);
  g_assert_cmpstr (found->id, ==, "B-1월");
  g_assert_cmpstr (found->name, ==, "1월 회비");
  g_assert_cmpstr (found->source_name, ==, "1월.csv");
  g_assert_cmpstr (found->profile_id, ==, "p1");
  g_assert_cmpstr (found->content_hash, ==, "h-aaa");
  g_assert_cmpint (found->created_at, ==, BASE_TIME);
  g_assert_cmpuint (found->n_total, ==, 4);
  g_assert_cmpuint (found->n_sent, ==, 0);
  g_assert_cmpuint (found->n_failed, ==, 0);
  g_assert_cmpuint (found->n_bills, ==, 4);
  g_assert_cmpuint (found->n_live, ==, 2);   /* unpaid, unknown */

  g_assert_true (pm_ledger_update_batch (ctx->ledger, "B-1월", 3, 1, &error));
  g_assert_no_error (error);
  g_clear_pointer (&found, pm_ledger_batch_free);
  found = pm_ledger_lookup_batch (ctx->ledger, "B-1월", &error);
  g_assert_cmpuint (found->n_sent, ==, 3);
  g_assert_cmpuint (found->n_failed, ==, 1);
  g_assert_cmpuint (found->n_total, ==, 4);

  g_clear_pointer (&found, pm_ledger_batch_free);
  found = pm_ledger_lookup_batch (ctx->ledger, "B-없음", &error);
  g_assert_no_error (error);
  g_assert_null (found);

  /* by content: this profile's, newest first */
  list = pm_ledger_find_batches_by_content (ctx->ledger, "p1", "h-aaa", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (list->len, ==, 2);
  g_assert_cmpstr (((PmLedgerBatch *) g_ptr_array_index (list, 0))->id, ==, "B-1월-2");
  g_assert_cmpstr (((PmLedgerBatch *) g_ptr_array_index (list, 1))->id, ==, "B-1월");
  g_assert_cmpuint (((PmLedgerBatch *) g_ptr_array_index (list, 1))->n_bills, ==, 4);
  g_assert_cmpuint (((PmLedgerBatch *) g_ptr_array_index (list, 1))->n_live, ==, 2);
  g_clear_pointer (&list, g_ptr_array_unref);
  list = pm_ledger_find_batches_by_content (ctx->ledger, "p1", "h-zzz", &error);
  g_assert_cmpuint (list->len, ==, 0);
  g_clear_pointer (&list, g_ptr_array_unref);
  list = pm_ledger_find_batches_by_content (ctx->ledger, "p1", "", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (list->len, ==, 0);
  g_clear_pointer (&list, g_ptr_array_unref);
  list = pm_ledger_find_batches_by_content (ctx->ledger, "p2", "h-aaa", &error);
  g_assert_cmpuint (list->len, ==, 1);

  /* the short form */
  g_assert_true (pm_ledger_insert_batch (ctx->ledger, "B-short", "짧은.csv", 7, BASE_TIME + 5,
                                         &error));
  g_assert_no_error (error);
  g_clear_pointer (&found, pm_ledger_batch_free);
  found = pm_ledger_lookup_batch (ctx->ledger, "B-short", &error);
  g_assert_nonnull (found);
  g_assert_cmpstr (found->source_name, ==, "짧은.csv");
  g_assert_cmpuint (found->n_total, ==, 7);
  g_assert_cmpint (found->created_at, ==, BASE_TIME + 5);
  g_assert_cmpuint (found->n_bills, ==, 0);
}

static void
case_payers (Ctx *ctx)
{
  g_autoptr(GPtrArray) payers = NULL;
  g_autoptr(GError) error = NULL;
  PmLedgerPayer *p;

  g_assert_true (pm_ledger_save_payer (ctx->ledger, "p1", "01012345678", "김민수", 100, &error));
  g_assert_no_error (error);
  g_assert_true (pm_ledger_save_payer (ctx->ledger, "p1", "01099998888", "가나다", 300, &error));
  g_assert_true (pm_ledger_save_payer (ctx->ledger, "p2", "01077776666", "다른 프로필", 50,
                                       &error));
  /* the same phone again: updated, not added */
  g_assert_true (pm_ledger_save_payer (ctx->ledger, "p1", "01012345678", "힝길동", 200, &error));
  g_assert_no_error (error);

  payers = pm_ledger_list_payers (ctx->ledger, "p1", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (payers->len, ==, 2);
  p = g_ptr_array_index (payers, 0);
  g_assert_cmpstr (p->name, ==, "가나다");
  g_assert_cmpstr (p->phone, ==, "01099998888");
  g_assert_cmpstr (p->profile_id, ==, "p1");
  g_assert_cmpint (p->at, ==, 300);
  p = g_ptr_array_index (payers, 1);
  g_assert_cmpstr (p->name, ==, "힝길동");
  g_assert_cmpstr (p->phone, ==, "01012345678");

  g_assert_true (pm_ledger_delete_payer (ctx->ledger, "p1", "01099998888", &error));
  g_assert_no_error (error);
  g_clear_pointer (&payers, g_ptr_array_unref);
  payers = pm_ledger_list_payers (ctx->ledger, "p1", &error);
  g_assert_cmpuint (payers->len, ==, 1);
  g_assert_cmpstr (((PmLedgerPayer *) g_ptr_array_index (payers, 0))->name, ==, "힝길동");
  g_clear_pointer (&payers, g_ptr_array_unref);
  payers = pm_ledger_list_payers (ctx->ledger, "p2", &error);
  g_assert_cmpuint (payers->len, ==, 1);
  g_clear_pointer (&payers, g_ptr_array_unref);
  payers = pm_ledger_list_payers (ctx->ledger, "p3", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (payers->len, ==, 0);
}

static void
case_transactions (Ctx *ctx)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PmLedger) other = open_ledger (ctx->location);

  /* rolled back: gone */
  g_assert_true (pm_ledger_begin (ctx->ledger, &error));
  g_assert_no_error (error);
  {
    g_autoptr(PmBill) a = simple_bill ("TXN00001", PM_BILL_STATE_QUEUED);
    g_autoptr(PmBill) b = simple_bill ("TXN00002", PM_BILL_STATE_UNPAID);

    insert_intent (ctx->ledger, a);
    insert (ctx->ledger, b);
    g_assert_true (pm_ledger_add_event (ctx->ledger, "TXN00002", BASE_TIME, "note", -1, -1,
                                        NULL, &error));
    g_assert_true (pm_ledger_save_payer (ctx->ledger, "p1", "01011112222", "롤백", 1, &error));
    g_assert_no_error (error);
  }
  pm_ledger_rollback (ctx->ledger);
  g_assert_null (lookup (ctx->ledger, "TXN00001"));
  g_assert_null (lookup (ctx->ledger, "TXN00002"));
  g_assert_null (lookup (other, "TXN00001"));
  {
    g_autoptr(GPtrArray) events = events_of (ctx->ledger, "TXN00002");
    g_autoptr(GPtrArray) payers = pm_ledger_list_payers (ctx->ledger, "p1", &error);

    g_assert_cmpuint (events->len, ==, 0);
    g_assert_cmpuint (payers->len, ==, 0);
  }
  g_assert_cmpuint (count_all (ctx->ledger), ==, 0);

  /* committed: there, for another connection too */
  g_assert_true (pm_ledger_begin (ctx->ledger, &error));
  for (guint i = 0; i < 5; i++)
    {
      g_autofree char *id = g_strdup_printf ("TXNC%04u", i);
      g_autoptr(PmBill) bill = simple_bill (id, PM_BILL_STATE_QUEUED);

      insert_intent (ctx->ledger, bill);
    }
  g_assert_true (pm_ledger_commit (ctx->ledger, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (count_all (ctx->ledger), ==, 5);
  g_assert_cmpuint (count_all (other), ==, 5);

  /* a duplicate inside a transaction fails that write; the rest commits */
  g_assert_true (pm_ledger_begin (ctx->ledger, &error));
  {
    g_autoptr(PmBill) dup = simple_bill ("TXNC0000", PM_BILL_STATE_QUEUED);
    g_autoptr(PmBill) fresh = simple_bill ("TXNC0099", PM_BILL_STATE_QUEUED);

    insert_intent (ctx->ledger, fresh);
    g_assert_false (pm_ledger_insert_intent (ctx->ledger, dup, &error));
    g_assert_error (error, PM_ERROR, PM_ERROR_DUPLICATE_BILL);
    g_clear_error (&error);
  }
  g_assert_true (pm_ledger_commit (ctx->ledger, &error));
  g_assert_no_error (error);
  assert_present (other, "TXNC0099");
  g_assert_cmpuint (count_all (other), ==, 6);
}

typedef struct
{
  GPtrArray *seen;   /* "added:ID" … */
} Signals;

static void
bill_added_cb (PmLedger   *ledger,
               const char *bill_id,
               Signals    *s)
{
  g_ptr_array_add (s->seen, g_strconcat ("added:", bill_id, NULL));
}

static void
bill_changed_cb (PmLedger   *ledger,
                 const char *bill_id,
                 Signals    *s)
{
  g_ptr_array_add (s->seen, g_strconcat ("changed:", bill_id, NULL));
}

static void
bill_removed_cb (PmLedger   *ledger,
                 const char *bill_id,
                 Signals    *s)
{
  g_ptr_array_add (s->seen, g_strconcat ("removed:", bill_id, NULL));
}

static void
signals_connect (PmLedger *ledger,
                 Signals  *s)
{
  s->seen = g_ptr_array_new_with_free_func (g_free);
  g_signal_connect (ledger, "bill-added", G_CALLBACK (bill_added_cb), s);
  g_signal_connect (ledger, "bill-changed", G_CALLBACK (bill_changed_cb), s);
  g_signal_connect (ledger, "bill-removed", G_CALLBACK (bill_removed_cb), s);
}

static void
signals_disconnect (PmLedger *ledger,
                    Signals  *s)
{
  g_signal_handlers_disconnect_by_data (ledger, s);
  g_clear_pointer (&s->seen, g_ptr_array_unref);
}

static char *
signals_take (Signals *s)
{
  g_autoptr(GString) out = g_string_new (NULL);

  for (guint i = 0; i < s->seen->len; i++)
    {
      if (i > 0)
        g_string_append_c (out, ' ');
      g_string_append (out, g_ptr_array_index (s->seen, i));
    }
  g_ptr_array_set_size (s->seen, 0);
  return g_string_free (g_steal_pointer (&out), FALSE);
}

#define ASSERT_SIGNALS(s, want) \
  G_STMT_START { g_autofree char *_got = signals_take (s); \
                 g_assert_cmpstr (_got, ==, want); } G_STMT_END

static void
case_signals (Ctx *ctx)
{
  g_autoptr(PmBill) bill = simple_bill ("SIGNAL01", PM_BILL_STATE_QUEUED);
  g_autoptr(PmBill) imported = simple_bill ("SIGNAL02", PM_BILL_STATE_PAID);
  g_autoptr(GError) error = NULL;
  Signals s = { 0 };

  signals_connect (ctx->ledger, &s);
  insert_intent (ctx->ledger, bill);
  ASSERT_SIGNALS (&s, "added:SIGNAL01");
  insert (ctx->ledger, imported);
  ASSERT_SIGNALS (&s, "added:SIGNAL02");
  pm_bill_set_short_url (bill, "https://pay.example/s");
  g_assert_true (pm_ledger_update_bill (ctx->ledger, bill, &error));
  ASSERT_SIGNALS (&s, "changed:SIGNAL01");
  g_assert_true (pm_ledger_set_state (ctx->ledger, "SIGNAL01", PM_BILL_STATE_UNPAID, NULL,
                                      BASE_TIME, &error));
  ASSERT_SIGNALS (&s, "changed:SIGNAL01");
  g_assert_true (pm_ledger_set_check_times (ctx->ledger, "SIGNAL01", BASE_TIME, BASE_TIME + 60,
                                            &error));
  ASSERT_SIGNALS (&s, "changed:SIGNAL01");
  g_assert_true (pm_ledger_delete_bill (ctx->ledger, "SIGNAL02", &error));
  g_assert_no_error (error);
  ASSERT_SIGNALS (&s, "removed:SIGNAL02");

  /* a failed write tells of nothing */
  g_assert_false (pm_ledger_insert_intent (ctx->ledger, bill, &error));
  g_clear_error (&error);
  ASSERT_SIGNALS (&s, "");

  /* inside a transaction: per bill, after each write */
  g_assert_true (pm_ledger_begin (ctx->ledger, &error));
  {
    g_autoptr(PmBill) a = simple_bill ("SIGNAL03", PM_BILL_STATE_QUEUED);

    insert_intent (ctx->ledger, a);
  }
  g_assert_true (pm_ledger_commit (ctx->ledger, &error));
  g_assert_no_error (error);
  ASSERT_SIGNALS (&s, "added:SIGNAL03");
  signals_disconnect (ctx->ledger, &s);
}

/* Asks @ledger's outside serial until it passes @than, for at most 2 s (PostgreSQL's
 * notifications arrive on the connection's socket: let the main loop run). */
static guint64
wait_serial_above (PmLedger *ledger,
                   guint64   than)
{
  g_autoptr(GError) error = NULL;
  guint64 serial = 0;

  for (guint i = 0; i < 100; i++)
    {
      while (g_main_context_iteration (NULL, FALSE))
        ;
      serial = pm_ledger_get_outside_serial (ledger, &error);
      g_assert_no_error (error);
      if (serial > than)
        break;
      g_usleep (20 * 1000);
    }
  return serial;
}

static void
case_outside_serial (Ctx *ctx)
{
  g_autoptr(PmLedger) other = open_ledger (ctx->location);
  g_autoptr(GError) error = NULL;
  Signals s = { 0 };
  guint64 start, serial;

  start = pm_ledger_get_outside_serial (ctx->ledger, &error);
  g_assert_no_error (error);
  (void) pm_ledger_get_outside_serial (other, &error);
  signals_connect (ctx->ledger, &s);

  /* its own writes leave it as it is (looked at for a while, as long as another's take) */
  {
    g_autoptr(PmBill) own = simple_bill ("OWN00001", PM_BILL_STATE_QUEUED);

    insert_intent (ctx->ledger, own);
    g_assert_true (pm_ledger_set_state (ctx->ledger, "OWN00001", PM_BILL_STATE_UNPAID, NULL,
                                        BASE_TIME, &error));
    g_assert_no_error (error);
  }
  for (guint i = 0; i < 25; i++)
    {
      while (g_main_context_iteration (NULL, FALSE))
        ;
      g_usleep (20 * 1000);
    }
  serial = pm_ledger_get_outside_serial (ctx->ledger, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (serial, ==, start);
  ASSERT_SIGNALS (&s, "added:OWN00001 changed:OWN00001");

  /* another connection's write raises it */
  {
    g_autoptr(PmBill) theirs = simple_bill ("THEIRS01", PM_BILL_STATE_QUEUED);

    insert_intent (other, theirs);
  }
  serial = wait_serial_above (ctx->ledger, start);
  g_assert_cmpuint (serial, >, start);
  /* … and what it wrote can be read here now */
  {
    g_autoptr(PmBill) theirs = lookup (ctx->ledger, "THEIRS01");

    g_assert_nonnull (theirs);
  }
  /* another's writes are not this object's signals */
  ASSERT_SIGNALS (&s, "");

  /* again, with an update */
  start = serial;
  g_assert_true (pm_ledger_set_state (other, "OWN00001", PM_BILL_STATE_PAID, NULL,
                                      BASE_TIME + 1, &error));
  g_assert_no_error (error);
  serial = wait_serial_above (ctx->ledger, start);
  g_assert_cmpuint (serial, >, start);
  {
    g_autoptr(PmBill) changed = lookup (ctx->ledger, "OWN00001");

    g_assert_cmpint (pm_bill_get_state (changed), ==, PM_BILL_STATE_PAID);
  }
  signals_disconnect (ctx->ledger, &s);
}

static void
case_writable (Ctx *ctx)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PmBill) bill = simple_bill ("WRITABLE", PM_BILL_STATE_QUEUED);

  g_assert_true (pm_ledger_check_writable (ctx->ledger, &error));
  g_assert_no_error (error);
  insert_intent (ctx->ledger, bill);
  g_assert_true (pm_ledger_check_writable (ctx->ledger, &error));
  g_assert_no_error (error);
  /* it changed nothing */
  g_assert_cmpuint (count_all (ctx->ledger), ==, 1);
  {
    g_autoptr(GPtrArray) events = events_of (ctx->ledger, "WRITABLE");

    g_assert_cmpuint (events->len, ==, 1);
  }
}

static void
case_group_commit (Ctx *ctx)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PmLedger) other = NULL;
  guint64 commits_before;

  pm_ledger_set_group_commit (ctx->ledger, 20);
  commits_before = pm_ledger_get_group_commits (ctx->ledger);
  for (guint i = 0; i < 10; i++)
    {
      g_autofree char *id = g_strdup_printf ("GROUP%03u", i);
      g_autoptr(PmBill) bill = simple_bill (id, PM_BILL_STATE_UNPAID);

      insert (ctx->ledger, bill);
      g_assert_true (pm_ledger_set_check_times (ctx->ledger, id, BASE_TIME + i,
                                                BASE_TIME + 100 + i, &error));
      g_assert_true (pm_ledger_add_event (ctx->ledger, id, BASE_TIME + i, "note", -1, -1,
                                          "그룹", &error));
      g_assert_no_error (error);
    }
  /* this object sees its group at once */
  g_assert_cmpuint (count_all (ctx->ledger), ==, 10);
  g_assert_true (pm_ledger_flush (ctx->ledger, &error));
  g_assert_no_error (error);
  /* PostgreSQL commits every write at once (its server groups the flushes): no groups */
  if (!ctx->pg)
    g_assert_cmpuint (pm_ledger_get_group_commits (ctx->ledger), >, commits_before);

  /* after the flush, another connection sees all of it */
  other = open_ledger (ctx->location);
  g_assert_cmpuint (count_all (other), ==, 10);
  {
    g_autoptr(PmBill) bill = lookup (other, "GROUP007");
    g_autoptr(GPtrArray) events = events_of (other, "GROUP007");

    g_assert_cmpint (pm_bill_get_next_check_at (bill), ==, BASE_TIME + 107);
    g_assert_cmpuint (events->len, ==, 2);
  }

  /* an intent commits the open group first, and itself */
  {
    g_autoptr(PmBill) grouped = simple_bill ("GROUP100", PM_BILL_STATE_UNPAID);
    g_autoptr(PmBill) intent = simple_bill ("GROUP101", PM_BILL_STATE_QUEUED);

    insert (ctx->ledger, grouped);
    insert_intent (ctx->ledger, intent);
    assert_present (other, "GROUP101");
    assert_present (other, "GROUP100");
  }

  /* closing commits what is grouped */
  {
    g_autoptr(PmBill) last = simple_bill ("GROUP200", PM_BILL_STATE_UNPAID);

    insert (ctx->ledger, last);
    g_clear_object (&ctx->ledger);
    ctx->ledger = open_ledger (ctx->location);
    g_assert_cmpuint (count_all (ctx->ledger), ==, 13);
  }
}

static void
case_queries (Ctx *ctx)
{
  g_autoptr(PmLedgerQuery) query = pm_ledger_query_new ();
  static const PmLedgerSort sorts[] = {
    PM_LEDGER_SORT_CREATED_AT, PM_LEDGER_SORT_PAYER, PM_LEDGER_SORT_AMOUNT,
    PM_LEDGER_SORT_STATE, PM_LEDGER_SORT_EXPIRE_DATE,
  };
  static const guint state_sets[] = {
    PM_LEDGER_STATES_ALL,
    PM_LEDGER_STATE_BIT (PM_BILL_STATE_UNPAID),
    PM_LEDGER_STATE_EXPIRED,
    PM_LEDGER_STATE_BIT (PM_BILL_STATE_UNPAID) | PM_LEDGER_STATE_EXPIRED,
    PM_LEDGER_STATE_BIT (PM_BILL_STATE_PAID) | PM_LEDGER_STATE_BIT (PM_BILL_STATE_FAILED),
    PM_LEDGER_STATE_BIT (PM_BILL_STATE_QUEUED) | PM_LEDGER_STATE_BIT (PM_BILL_STATE_SENDING)
    | PM_LEDGER_STATE_BIT (PM_BILL_STATE_UNKNOWN),
    PM_LEDGER_STATE_BIT (PM_BILL_STATE_NOT_SENT) | PM_LEDGER_STATE_EXPIRED,
  };
  /* one, two and three syllables; a given name; a middle; two words */
  static const char *const texts[] = {
    "김", "민", "희", "민수", "영희", "궁민", "김민수", "궁민수", "민수정", "남궁민수",
    "김 희", "민수 김", "없음", "Alice",
  };

  fill (ctx->ledger);
  g_assert_cmpuint (count_all (ctx->ledger), ==, N_DATA);

  pm_ledger_query_set_today (query, TODAY);
  for (guint s = 0; s < G_N_ELEMENTS (sorts); s++)
    for (guint d = 0; d < 2; d++)
      {
        query->sort = sorts[s];
        query->descending = d == 1;
        check_query (ctx->ledger, query);
      }

  query->sort = PM_LEDGER_SORT_AMOUNT;
  query->descending = FALSE;
  for (guint i = 0; i < G_N_ELEMENTS (state_sets); i++)
    {
      query->states = state_sets[i];
      pm_ledger_query_set_profile_id (query, NULL);
      check_query (ctx->ledger, query);
      pm_ledger_query_set_profile_id (query, "p1");
      check_query (ctx->ledger, query);
    }
  query->states = PM_LEDGER_STATES_ALL;
  pm_ledger_query_set_profile_id (query, NULL);

  for (guint i = 0; i < G_N_ELEMENTS (texts); i++)
    {
      g_autoptr(GPtrArray) want = NULL;

      pm_ledger_query_set_text (query, texts[i]);
      want = expected_rows (query);
      /* the data set has matches for all but "없음" ("Alice" is an ASCII word: only
       * checked to match what the name says) */
      if (strcmp (texts[i], "없음") != 0)
        g_assert_cmpuint (want->len, >, 0);
      query->sort = PM_LEDGER_SORT_CREATED_AT;
      query->descending = TRUE;
      check_query (ctx->ledger, query);
      query->sort = PM_LEDGER_SORT_AMOUNT;
      query->descending = FALSE;
      pm_ledger_query_set_profile_id (query, "p1");
      check_query (ctx->ledger, query);
      pm_ledger_query_set_profile_id (query, NULL);
    }
  pm_ledger_query_set_text (query, NULL);

  /* created between, and windows */
  query->created_from = BASE_TIME + 5 * 3600;
  query->created_to = BASE_TIME + 20 * 3600;
  check_query (ctx->ledger, query);
  query->offset = 3;
  query->limit = 5;
  check_query (ctx->ledger, query);
  query->created_from = 0;
  query->created_to = 0;
  query->offset = N_DATA - 2;
  query->limit = 10;
  check_query (ctx->ledger, query);
  query->offset = N_DATA + 5;
  check_query (ctx->ledger, query);

  /* the sums reach 10^12 won and beyond without loss */
  {
    g_autoptr(PmLedgerQuery) all = pm_ledger_query_new ();
    PmLedgerTotals totals = { 0 };
    g_autoptr(GError) error = NULL;
    gint64 want = 0;

    for (int i = 0; i < N_DATA; i++)
      want += rows[i].price;
    g_assert_true (pm_ledger_totals (ctx->ledger, all, &totals, &error));
    g_assert_no_error (error);
    g_assert_cmpint (totals.all.won, ==, want);
    g_assert_cmpint (totals.all.won, >, BIG_WON);
  }
}

/* ------------------------------------------------------------------------ */
/* PostgreSQL only                                                          */
/* ------------------------------------------------------------------------ */

static GPtrArray *
due_ids (PmLedger *ledger,
         gint64    now,
         guint     limit)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) due = pm_ledger_list_due (ledger, NULL, now, limit, &error);
  GPtrArray *ids = g_ptr_array_new_with_free_func (g_free);

  g_assert_no_error (error);
  g_assert_nonnull (due);
  for (guint i = 0; i < due->len; i++)
    g_ptr_array_add (ids, g_strdup (pm_bill_get_bill_id (g_ptr_array_index (due, i))));
  return ids;
}

static gboolean
ids_contain (GPtrArray  *ids,
             const char *id)
{
  for (guint i = 0; i < ids->len; i++)
    if (strcmp (g_ptr_array_index (ids, i), id) == 0)
      return TRUE;
  return FALSE;
}

static void
assert_disjoint (GPtrArray *a,
                 GPtrArray *b)
{
  for (guint i = 0; i < a->len; i++)
    if (ids_contain (b, g_ptr_array_index (a, i)))
      g_test_fail_printf ("bill %s was handed to both desks", (char *) g_ptr_array_index (a, i));
}

typedef struct
{
  const char *uri;
  gint64      now;
  guint       limit;
  GMutex      lock;
  GCond       cond;
  guint       ready;
  gboolean    go;
  PmLedger   *desks[2];   /* kept alive until the round is checked */
  guint       n_desks;
} DueRace;

static gpointer
due_thread (gpointer data)
{
  DueRace *race = data;
  g_autoptr(GMainContext) context = g_main_context_new ();
  g_autoptr(PmLedger) ledger = NULL;
  GPtrArray *ids;

  g_main_context_push_thread_default (context);
  ledger = open_ledger (race->uri);
  g_mutex_lock (&race->lock);
  race->ready++;
  g_cond_broadcast (&race->cond);
  while (!race->go)
    g_cond_wait (&race->cond, &race->lock);
  g_mutex_unlock (&race->lock);
  ids = due_ids (ledger, race->now, race->limit);
  /* the desk lives on (its leases with it) until the test has looked */
  g_mutex_lock (&race->lock);
  race->desks[race->n_desks++] = g_steal_pointer (&ledger);
  g_mutex_unlock (&race->lock);
  g_main_context_pop_thread_default (context);
  return ids;
}

static void
case_pg_leases (Ctx *ctx)
{
  g_autoptr(PmLedger) desk_b = open_ledger (ctx->location);
  g_autoptr(GPtrArray) a = NULL;
  g_autoptr(GPtrArray) b = NULL;
  g_autoptr(GPtrArray) b2 = NULL;
  g_autoptr(GError) error = NULL;
  const char *released;
  guint n_due = 0;

  fill (ctx->ledger);
  for (int i = 0; i < N_DATA; i++)
    if (!pm_bill_state_is_final (rows[i].state) && rows[i].next > 0 && rows[i].next <= NOW)
      n_due++;
  g_assert_cmpuint (n_due, >=, 6);

  /* desk A takes the three oldest; desk B, at the same instant, gets the others */
  a = due_ids (ctx->ledger, NOW, 3);
  g_assert_cmpuint (a->len, ==, 3);
  b = due_ids (desk_b, NOW, 0);
  g_test_message ("desk A got %u due bills, desk B %u of %u", a->len, b->len, n_due);
  assert_disjoint (a, b);
  g_assert_cmpuint (b->len, ==, n_due - 3);

  /* every due bill is leased now: nothing is due before a lease ends */
  {
    gint64 next = pm_ledger_next_due_time (desk_b, NULL, &error);

    g_assert_no_error (error);
    g_assert_cmpint (next, >, NOW);
    g_assert_cmpint (next, <=, NOW + PM_LEDGER_PG_LEASE_SECONDS);
  }

  /* A reports on one of its bills, still due: its lease ends, B may take it */
  released = g_ptr_array_index (a, 0);
  g_assert_true (pm_ledger_set_check_times (ctx->ledger, released, NOW, NOW, &error));
  g_assert_no_error (error);
  b2 = due_ids (desk_b, NOW, 0);
  g_assert_true (ids_contain (b2, released));
  g_assert_false (ids_contain (b2, g_ptr_array_index (a, 1)));
  g_assert_false (ids_contain (b2, g_ptr_array_index (a, 2)));
  g_clear_pointer (&b2, g_ptr_array_unref);

  /* A's other leases end with time: past the lease, B gets them */
  b2 = due_ids (desk_b, NOW + PM_LEDGER_PG_LEASE_SECONDS + 5, 0);
  g_assert_true (ids_contain (b2, g_ptr_array_index (a, 1)));
  g_assert_true (ids_contain (b2, g_ptr_array_index (a, 2)));
  g_clear_pointer (&b2, g_ptr_array_unref);

}

/* A desk that dies (its process, or its connection) loses its leases at once: another
 * desk — or the same desk started again, with a new identity — takes over its unsettled
 * intents and due checks without waiting for the leases' time. While it lives, they are
 * its own. */
static void
unsettled_ids (PmLedger   *ledger,
               GPtrArray **out)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) bills = pm_ledger_list_unsettled (ledger, NULL, &error);

  g_assert_no_error (error);
  *out = g_ptr_array_new_with_free_func (g_free);
  for (guint i = 0; i < bills->len; i++)
    g_ptr_array_add (*out, g_strdup (pm_bill_get_bill_id (g_ptr_array_index (bills, i))));
}

static void
case_pg_dead_desk (Ctx *ctx)
{
  g_autoptr(PmLedger) desk_a = open_ledger (ctx->location);
  g_autoptr(PmBill) intent = make_bill ("DEADDESK01", "p1", "김하나", "01011112222", "수강료",
                                        50000, "", 0, PM_BILL_STATE_QUEUED);
  g_autoptr(PmBill) due = make_bill ("DEADDESK02", "p1", "이둘", "01033334444", "교재",
                                     12000, "", 0, PM_BILL_STATE_UNPAID);
  g_autoptr(GPtrArray) seen = NULL;
  g_autoptr(GPtrArray) leased = NULL;
  g_autoptr(GError) error = NULL;
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;

  /* desk A's intent, leased to A while it sends; a due check A has leased */
  g_assert_true (pm_ledger_insert_intent (desk_a, intent, &error));
  g_assert_no_error (error);
  pm_bill_set_next_check_at (due, now - 10);
  g_assert_true (pm_ledger_insert_bill (desk_a, due, &error));
  g_assert_no_error (error);
  leased = due_ids (desk_a, now, 0);
  g_assert_true (ids_contain (leased, "DEADDESK02"));
  g_clear_pointer (&leased, g_ptr_array_unref);

  /* while A lives, B leaves both alone */
  unsettled_ids (ctx->ledger, &seen);
  g_assert_false (ids_contain (seen, "DEADDESK01"));
  g_clear_pointer (&seen, g_ptr_array_unref);
  leased = due_ids (ctx->ledger, now, 0);
  g_assert_false (ids_contain (leased, "DEADDESK02"));
  g_clear_pointer (&leased, g_ptr_array_unref);

  /* A dies: its session ends, and with it its leases, long before their time is up */
  g_clear_object (&desk_a);
  unsettled_ids (ctx->ledger, &seen);
  g_assert_true (ids_contain (seen, "DEADDESK01"));
  leased = due_ids (ctx->ledger, now, 0);
  g_assert_true (ids_contain (leased, "DEADDESK02"));
}

static void
case_pg_leases_race (Ctx *ctx)
{
  g_autoptr(GError) error = NULL;
  const guint n = 40;

  g_assert_true (pm_ledger_begin (ctx->ledger, &error));
  for (guint i = 0; i < n; i++)
    {
      g_autofree char *id = g_strdup_printf ("RACE%04u", i);
      g_autoptr(PmBill) bill = simple_bill (id, PM_BILL_STATE_UNPAID);

      pm_bill_set_next_check_at (bill, NOW - 1000 + i);
      insert (ctx->ledger, bill);
    }
  g_assert_true (pm_ledger_commit (ctx->ledger, &error));
  g_assert_no_error (error);

  for (guint round = 0; round < 3; round++)
    {
      DueRace race = { .uri = ctx->location, .now = NOW + round * 10 * PM_LEDGER_PG_LEASE_SECONDS,
                       .limit = 25 };
      g_autoptr(GPtrArray) a = NULL;
      g_autoptr(GPtrArray) b = NULL;
      g_autoptr(GPtrArray) later = NULL;
      GThread *ta, *tb;
      guint covered = 0;

      g_mutex_init (&race.lock);
      g_cond_init (&race.cond);
      ta = g_thread_new ("desk-a", due_thread, &race);
      tb = g_thread_new ("desk-b", due_thread, &race);
      g_mutex_lock (&race.lock);
      while (race.ready < 2)
        g_cond_wait (&race.cond, &race.lock);
      race.go = TRUE;
      g_cond_broadcast (&race.cond);
      g_mutex_unlock (&race.lock);
      a = g_thread_join (ta);
      b = g_thread_join (tb);
      g_mutex_clear (&race.lock);
      g_cond_clear (&race.cond);

      g_test_message ("round %u: desk A got %u, desk B %u of %u due bills", round, a->len,
                      b->len, n);
      assert_disjoint (a, b);
      g_assert_cmpuint (a->len + b->len, <=, n);
      g_assert_cmpuint (a->len + b->len, >=, 25);

      /* a third desk, at the same instant, gets exactly what neither took */
      later = due_ids (ctx->ledger, race.now, 0);
      assert_disjoint (a, later);
      assert_disjoint (b, later);
      covered = a->len + b->len + later->len;
      g_assert_cmpuint (covered, ==, n);
      for (guint i = 0; i < race.n_desks; i++)
        g_clear_object (&race.desks[i]);
    }
}

static void
assert_refused (const char  *what,
                PmLedger    *ledger,
                GError      *error)
{
  g_assert_null (ledger);
  g_assert_nonnull (error);
  g_assert_true (error->domain == PM_ERROR);
  g_assert_cmpstr (error->message, !=, "");
  g_test_message ("%s: %s", what, error->message);
}

static void
case_pg_bad_address (Ctx *ctx)
{
  static const char *const bad[] = {
    "postgresql:///pm_nowhere?host=/nonexistent/socket/dir&port=5432&user=pmtest"
    "&connect_timeout=5",
    "postgresql:///pm_nowhere?host=/nonexistent/socket/dir&port=5432&user=pmtest"
    "&password=s3cr3t-in-uri&connect_timeout=5",
    "postgres://pmtest:s3cr3t-in-uri@/pm_nowhere?host=/nonexistent/socket/dir&connect_timeout=5",
    "postgresql://",
    "postgresql://[not-a-host",
  };

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GError) error = NULL;
      PmLedger *ledger = pm_ledger_new (bad[i], &error);

      assert_refused (bad[i], ledger, error);
      g_assert_true (error->code == PM_ERROR_STORAGE || error->code == PM_ERROR_NETWORK
                     || error->code == PM_ERROR_INVALID);
      /* a password given in the address never reaches a message */
      g_assert_null (strstr (error->message, "s3cr3t-in-uri"));
    }

  /* not a PostgreSQL address at all */
  {
    g_autoptr(GError) error = NULL;
    PmLedger *ledger = pm_ledger_new_shop ("mysql://shop/ledger", NULL, &error);

    assert_refused ("mysql://", ledger, error);
    g_assert_error (error, PM_ERROR, PM_ERROR_INVALID);
  }

  /* a database that is not there */
  {
    g_autofree char *dbname = pm_test_pg_database_name (ctx->location);
    g_autofree char *missing_db = g_strconcat (dbname, "_missing", NULL);
    g_autofree char *uri = pm_test_pg_uri (missing_db, NULL, NULL);
    g_autoptr(GError) error = NULL;
    PmLedger *ledger = pm_ledger_new (uri, &error);

    assert_refused ("missing database", ledger, error);
    g_assert_nonnull (strstr (error->message, missing_db));
  }
}

static void
case_pg_password (Ctx *ctx)
{
  g_autofree char *fresh = pm_test_pg_new_database ("clerk");
  g_autofree char *dbname = pm_test_pg_database_name (fresh);
  g_autofree char *clerk_uri = NULL;
  g_autofree char *with_password = NULL;
  g_autoptr(PGconn) admin = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *sql = NULL;
  PmLedger *refused;

  /* the clerk owns a fresh database (and so, from PostgreSQL 15, its public schema) */
  admin = pm_test_pg_connect (pm_test_pg_conninfo ());
  sql = g_strdup_printf ("ALTER DATABASE \"%s\" OWNER TO " PM_TEST_PG_CLERK_USER, dbname);
  g_free (pm_test_pg_query (admin, sql));

  clerk_uri = pm_test_pg_uri (dbname, PM_TEST_PG_CLERK_USER, NULL);
  refused = pm_ledger_new_shop (clerk_uri, "wrong-password", &error);
  assert_refused ("wrong password", refused, error);
  {
    g_autofree char *lower = g_utf8_strdown (error->message, -1);

    g_assert_nonnull (strstr (lower, "password"));
  }
  g_assert_null (strstr (error->message, "wrong-password"));
  g_clear_error (&error);

  /* no password at all */
  refused = pm_ledger_new_shop (clerk_uri, NULL, &error);
  assert_refused ("no password", refused, error);
  g_clear_error (&error);

  /* the right one */
  {
    g_autoptr(PmLedger) ledger = pm_ledger_new_shop (clerk_uri, PM_TEST_PG_CLERK_PASSWORD,
                                                     &error);
    g_autoptr(PmBill) bill = simple_bill ("CLERK001", PM_BILL_STATE_QUEUED);
    g_autoptr(PmBill) found = NULL;

    g_assert_no_error (error);
    g_assert_nonnull (ledger);
    g_assert_cmpstr (pm_ledger_get_path (ledger), ==, clerk_uri);
    insert_intent (ledger, bill);
    found = lookup (ledger, "CLERK001");
    g_assert_nonnull (found);
  }

  /* a password inside the address is refused (it belongs in the keyring), even the
   * right one, and the message does not repeat it */
  with_password = pm_test_pg_uri (dbname, PM_TEST_PG_CLERK_USER, PM_TEST_PG_CLERK_PASSWORD);
  refused = pm_ledger_new (with_password, &error);
  assert_refused ("password in the address", refused, error);
  g_assert_null (strstr (error->message, PM_TEST_PG_CLERK_PASSWORD));
  g_clear_error (&error);
  refused = pm_ledger_new_shop (with_password, PM_TEST_PG_CLERK_PASSWORD, &error);
  assert_refused ("password in the address and apart", refused, error);
  g_assert_null (strstr (error->message, PM_TEST_PG_CLERK_PASSWORD));
  g_clear_error (&error);
}

static void
case_pg_foreign_database (Ctx *ctx)
{
  g_autofree char *uri = pm_test_pg_new_database ("foreign");
  g_autoptr(PGconn) conn = pm_test_pg_connect (uri);
  g_autoptr(GError) error = NULL;
  g_autofree char *n_rows = NULL;
  g_autofree char *n_tables = NULL;
  PmLedger *ledger;

  g_free (pm_test_pg_query (conn, "CREATE TABLE customers (id integer PRIMARY KEY, "
                                  "name text NOT NULL)"));
  g_free (pm_test_pg_query (conn, "INSERT INTO customers VALUES (1, '손님'), (2, 'guest')"));

  ledger = pm_ledger_new (uri, &error);
  assert_refused ("another application's database", ledger, error);

  n_rows = pm_test_pg_query (conn, "SELECT count(*) FROM customers");
  g_assert_cmpstr (n_rows, ==, "2");
  n_tables = pm_test_pg_query (conn, "SELECT count(*) FROM pg_class c JOIN pg_namespace n "
                                     "ON n.oid = c.relnamespace WHERE n.nspname NOT IN "
                                     "('pg_catalog', 'information_schema', 'pg_toast') "
                                     "AND c.relkind IN ('r', 'p', 'v', 'm')");
  g_assert_cmpstr (n_tables, ==, "1");
}

typedef struct
{
  const char *uri;
  const char *bill_id;
  GMutex     *lock;
  GCond      *cond;
  guint      *ready;
  gboolean   *go;
  char       *failure;
} OpenRace;

static gpointer
open_thread (gpointer data)
{
  OpenRace *race = data;
  g_autoptr(GMainContext) context = g_main_context_new ();
  g_autoptr(GError) error = NULL;
  PmLedger *ledger;

  g_main_context_push_thread_default (context);
  g_mutex_lock (race->lock);
  (*race->ready)++;
  g_cond_broadcast (race->cond);
  while (!*race->go)
    g_cond_wait (race->cond, race->lock);
  g_mutex_unlock (race->lock);

  ledger = pm_ledger_new (race->uri, &error);
  if (ledger == NULL)
    race->failure = g_strdup (error->message);
  else
    {
      g_autoptr(PmBill) bill = simple_bill (race->bill_id, PM_BILL_STATE_QUEUED);

      if (!pm_ledger_insert_intent (ledger, bill, &error))
        race->failure = g_strdup (error->message);
      g_object_unref (ledger);
    }
  g_main_context_pop_thread_default (context);
  return NULL;
}

static void
case_pg_open_race (Ctx *ctx)
{
  for (guint round = 0; round < 3; round++)
    {
      g_autofree char *uri = pm_test_pg_new_database ("race");
      OpenRace races[2] = { { .bill_id = "RACEOPN1" }, { .bill_id = "RACEOPN2" } };
      GThread *threads[2];
      GMutex lock;
      GCond cond;
      guint ready = 0;
      gboolean go = FALSE;

      g_mutex_init (&lock);
      g_cond_init (&cond);
      for (guint i = 0; i < 2; i++)
        {
          races[i].uri = uri;
          races[i].lock = &lock;
          races[i].cond = &cond;
          races[i].ready = &ready;
          races[i].go = &go;
          threads[i] = g_thread_new ("open", open_thread, &races[i]);
        }
      g_mutex_lock (&lock);
      while (ready < 2)
        g_cond_wait (&cond, &lock);
      go = TRUE;
      g_cond_broadcast (&cond);
      g_mutex_unlock (&lock);
      for (guint i = 0; i < 2; i++)
        g_thread_join (threads[i]);
      g_mutex_clear (&lock);
      g_cond_clear (&cond);

      for (guint i = 0; i < 2; i++)
        {
          if (races[i].failure != NULL)
            g_test_fail_printf ("round %u: desk %u opening a new database at the same time as "
                                "another: %s", round, i, races[i].failure);
          g_free (races[i].failure);
        }

      /* one schema: both bills in it, and opened once more it is as it was */
      {
        g_autoptr(PmLedger) ledger = open_ledger (uri);
        g_autoptr(PGconn) conn = pm_test_pg_connect (uri);
        g_autofree char *n_meta = NULL;

        g_assert_cmpuint (count_all (ledger), ==, 2);
        assert_present (ledger, "RACEOPN1");
        assert_present (ledger, "RACEOPN2");
        n_meta = pm_test_pg_query (conn, "SELECT count(*) FROM pg_class WHERE relname = "
                                         "'paymint_ledger_meta'");
        g_assert_cmpstr (n_meta, ==, "1");
      }
    }
}

static void
case_pg_server_killed (Ctx *ctx)
{
  g_autoptr(PmBill) before = simple_bill ("KILL0001", PM_BILL_STATE_QUEUED);
  g_autoptr(PmBill) during = simple_bill ("KILL0002", PM_BILL_STATE_QUEUED);
  g_autoptr(PmBill) after = simple_bill ("KILL0003", PM_BILL_STATE_QUEUED);
  g_autoptr(PmBill) found = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) all = NULL;
  g_autoptr(PmLedgerQuery) query = pm_ledger_query_new ();
  guint n_during = 0;
  gboolean ok;

  insert_intent (ctx->ledger, before);

  g_assert_true (pm_test_pg_kill (&error));
  g_assert_no_error (error);

  /* the intent cannot be written: it says so, and does not claim success */
  ok = pm_ledger_insert_intent (ctx->ledger, during, &error);
  g_assert_false (ok);
  g_assert_nonnull (error);
  g_test_message ("intent with the server down: %s", error->message);
  g_assert_true (g_error_matches (error, PM_ERROR, PM_ERROR_STORAGE)
                 || g_error_matches (error, PM_ERROR, PM_ERROR_NETWORK));
  g_clear_error (&error);
  /* reads fail too, cleanly */
  found = pm_ledger_lookup (ctx->ledger, "KILL0001", &error);
  g_assert_null (found);
  g_assert_nonnull (error);
  g_clear_error (&error);

  g_assert_true (pm_test_pg_restart (&error));
  g_assert_no_error (error);

  /* the same object works again */
  insert_intent (ctx->ledger, after);
  found = lookup (ctx->ledger, "KILL0001");
  g_assert_nonnull (found);
  g_clear_object (&found);
  found = lookup (ctx->ledger, "KILL0003");
  g_assert_nonnull (found);
  g_clear_object (&found);

  /* the failed intent: absent, or present and queued; never twice */
  all = fetch (ctx->ledger, query, 0, 0);
  for (guint i = 0; i < all->len; i++)
    {
      PmBill *bill = g_ptr_array_index (all, i);

      if (strcmp (pm_bill_get_bill_id (bill), "KILL0002") == 0)
        {
          n_during++;
          g_assert_cmpint (pm_bill_get_state (bill), ==, PM_BILL_STATE_QUEUED);
        }
    }
  g_assert_cmpuint (n_during, <=, 1);
  g_assert_cmpuint (all->len, ==, 2 + n_during);
  g_test_message ("the failed intent is %s", n_during == 0 ? "absent" : "present, queued");

  /* writing it again: either written now or a duplicate; then there once */
  ok = pm_ledger_insert_intent (ctx->ledger, during, &error);
  if (!ok)
    g_assert_error (error, PM_ERROR, PM_ERROR_DUPLICATE_BILL);
  g_clear_error (&error);
  g_assert_cmpuint (count_all (ctx->ledger), ==, 3);

  /* a transaction open when the server died */
  g_assert_true (pm_ledger_begin (ctx->ledger, &error));
  g_assert_no_error (error);
  {
    g_autoptr(PmBill) in_txn = simple_bill ("KILL0004", PM_BILL_STATE_QUEUED);

    insert_intent (ctx->ledger, in_txn);
  }
  g_assert_true (pm_test_pg_kill (&error));
  g_assert_no_error (error);
  g_assert_false (pm_ledger_commit (ctx->ledger, &error));
  g_assert_nonnull (error);
  g_test_message ("commit with the server down: %s", error->message);
  g_clear_error (&error);
  pm_ledger_rollback (ctx->ledger);
  g_assert_true (pm_test_pg_restart (&error));
  g_assert_no_error (error);
  g_assert_null (lookup (ctx->ledger, "KILL0004"));
  {
    g_autoptr(PmBill) again = simple_bill ("KILL0004", PM_BILL_STATE_QUEUED);

    insert_intent (ctx->ledger, again);
  }
  g_assert_cmpuint (count_all (ctx->ledger), ==, 4);
}

/* ------------------------------------------------------------------------ */

static const Case contract[] = {
  { "intent-roundtrip", case_intent_roundtrip },
  { "duplicate", case_duplicate },
  { "writes", case_writes },
  { "events", case_events },
  { "due", case_due },
  { "unsettled", case_unsettled },
  { "batches", case_batches },
  { "payers", case_payers },
  { "transactions", case_transactions },
  { "signals", case_signals },
  { "outside-serial", case_outside_serial },
  { "writable", case_writable },
  { "group-commit", case_group_commit },
  { "queries", case_queries },
};

static const Case pg_only[] = {
  { "leases", case_pg_leases, TRUE },
  { "leases-race", case_pg_leases_race, TRUE },
  { "bad-address", case_pg_bad_address, TRUE },
  { "password", case_pg_password, TRUE },
  { "foreign-database", case_pg_foreign_database, TRUE },
  { "open-race", case_pg_open_race, TRUE },
  { "server-killed", case_pg_server_killed, TRUE },
  { "dead-desk", case_pg_dead_desk, TRUE },
};

int
main (int   argc,
      char *argv[])
{
  static Case sqlite_cases[G_N_ELEMENTS (contract)];
  static Case pg_cases[G_N_ELEMENTS (contract)];

  pm_test_init (&argc, &argv);

  for (guint i = 0; i < G_N_ELEMENTS (contract); i++)
    {
      g_autofree char *sqlite_path = g_strdup_printf ("/ledger-backends/sqlite/%s",
                                                      contract[i].name);
      g_autofree char *pg_path = g_strdup_printf ("/ledger-backends/pg/%s", contract[i].name);

      sqlite_cases[i] = contract[i];
      sqlite_cases[i].pg = FALSE;
      pg_cases[i] = contract[i];
      pg_cases[i].pg = TRUE;
      g_test_add_data_func (sqlite_path, &sqlite_cases[i], run_case);
      g_test_add_data_func (pg_path, &pg_cases[i], run_case);
    }
  for (guint i = 0; i < G_N_ELEMENTS (pg_only); i++)
    {
      g_autofree char *path = g_strdup_printf ("/ledger-backends/pg-only/%s", pg_only[i].name);

      g_test_add_data_func (path, &pg_only[i], run_case);
    }

  /* the databases made here are dropped at exit (pm-test-pg.c) */
  return g_test_run ();
}
