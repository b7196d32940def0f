/* test-ledger-pg-select.c — a shop ledger's reads (pm-ledger-pg-select.c) give what the
 * SQLite ledger's give: the same bills in both, every query asked of both
 *
 * Copyright 2026 The Paymint Desk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * With -m perf, a 100,000-bill shop ledger prints how long searches of one, two and three
 * Hangul syllables, a phone fragment and a state filter take, with the server's plans.
 */

#include "config.h"

#include "pm-ledger.h"
#include "pm-ledger-private.h"
#include "pm-ledger-summary.h"
#include "pm-export.h"

#include "pm-bill.h"
#include "pm-error.h"
#include "pm-test-pg.h"
#include "pm-test-util.h"

#include <stdlib.h>
#include <string.h>

#define TODAY     "2026-03-15"
#define N_BILLS   300

static const char *const surnames[] = { "김", "이", "박", "최", "정", "한" };
static const char *const given[] = { "영희", "민수", "지훈", "서연", "민준", "하은", "영수", "수" };
static const char *const odd_names[] = {
  "Kim Ab", "ANNA lee", "", "김 영희", "이영희영", "ab", "O'Brien, Jr.", "김", "100% 김",
};
static const char *const products[] = {
  "3월 수강료", "교재비", "=SUM(A1)", "Piano Lesson", "영어 회화", "-할인", "수강료 PM12",
  "piano_basic", "",
};

/* Korea midnight of 2026-03-01, unix UTC */
static gint64
base_time (void)
{
  g_autoptr(GTimeZone) korea = pm_bill_korea_time_zone ();
  g_autoptr(GDateTime) at = g_date_time_new (korea, 2026, 3, 1, 0, 0, 0);

  return g_date_time_to_unix (at);
}

static PmBill *
varied_bill (GRand *rand,
             guint  i)
{
  PmBill *bill = pm_bill_new ();
  g_autofree char *id = g_strdup_printf ("PM%c%04u", 'A' + (i % 5), i);
  g_autofree char *name = NULL;
  g_autofree char *phone = NULL;
  g_autofree char *expire = NULL;
  gint64 created = base_time () + (gint64) (i / 3) * 5 * 3600;
  PmBillState state = (PmBillState) g_rand_int_range (rand, 0, PM_BILL_N_STATES);

  if (i % 9 == 4)
    name = g_strdup (odd_names[g_rand_int_range (rand, 0, G_N_ELEMENTS (odd_names))]);
  else
    name = g_strconcat (surnames[g_rand_int_range (rand, 0, G_N_ELEMENTS (surnames))],
                        given[g_rand_int_range (rand, 0, G_N_ELEMENTS (given))], NULL);
  if (i % 13 == 0)
    phone = g_strdup ("");
  else if (i % 7 == 0)
    phone = g_strdup_printf ("02%08d", g_rand_int_range (rand, 0, 100000000));
  else
    phone = g_strdup_printf ("010%04d%04d", g_rand_int_range (rand, 1000, 1010),
                             g_rand_int_range (rand, 0, 10000));
  if (i % 10 == 0)
    expire = g_strdup ("");
  else
    expire = g_strdup_printf ("2026-03-%02d", g_rand_int_range (rand, 5, 26));
  if (i % 17 == 0)
    created -= 40 * 86400;   /* older: another month, an older age bucket */
  if (i % 23 == 0)
    created += 31 * 86400;   /* the next month */

  pm_bill_set_bill_id (bill, id);
  pm_bill_set_profile_id (bill, i % 11 == 0 ? "" : i % 5 == 0 ? "p2" : "p1");
  pm_bill_set_kind (bill, i % 6 == 0 ? PM_BILL_KIND_AUTOPAY : PM_BILL_KIND_REQUEST);
  pm_bill_set_payer_name (bill, name);
  pm_bill_set_phone (bill, phone);
  pm_bill_set_product (bill, products[g_rand_int_range (rand, 0, G_N_ELEMENTS (products))]);
  pm_bill_set_message (bill, i % 4 == 0 ? "안내, \"메시지\"\r\n둘째 줄" : "안내 메시지");
  pm_bill_set_price (bill, (gint64) g_rand_int_range (rand, 1, 6) * 10000);
  pm_bill_set_expire_date (bill, expire);
  pm_bill_set_method_id (bill, i % 3 == 0 ? "card" : "");
  pm_bill_set_note (bill, i % 8 == 0 ? "@메모" : "메모");
  pm_bill_set_batch_id (bill, i % 4 == 1 ? "batch-1" : NULL);
  pm_bill_set_state (bill, state);
  pm_bill_set_short_url (bill, i % 2 == 0 ? "https://ps.example/x" : "");
  if (state == PM_BILL_STATE_PAID || state == PM_BILL_STATE_CANCELLED)
    {
      pm_bill_set_appr_pay_type (bill, "card");
      pm_bill_set_appr_price (bill, i % 5 == 0 ? 0 : pm_bill_get_price (bill) - 1000);
      pm_bill_set_appr_dt (bill, i % 3 == 0 ? "2026" : "20260302134501");
      pm_bill_set_appr_num (bill, "A-1");
      pm_bill_set_appr_issuer (bill, "국민");
      pm_bill_set_appr_card_type (bill, "신용");
      pm_bill_set_appr_monthly (bill, "00");
    }
  if (state == PM_BILL_STATE_FAILED)
    {
      pm_bill_set_error_code (bill, "E101");
      pm_bill_set_error_text (bill, "잘못된, 번호");
    }
  pm_bill_set_created_at (bill, created);
  pm_bill_set_updated_at (bill, created + 60);
  pm_bill_set_last_checked_at (bill, i % 5 < 2 ? 0 : created + (i % 4) * 60);
  pm_bill_set_next_check_at (bill, i % 3 == 0 ? 0 : created + 3600);
  return bill;
}

typedef struct
{
  PmLedger *lite;
  PmLedger *pg;
} Pair;

static void
pair_open (Pair *pair)
{
  g_autoptr(GError) error = NULL;
  static guint serial;
  g_autofree char *file = g_strdup_printf ("pg-select-%u.ledger", ++serial);
  g_autofree char *path = g_build_filename (g_get_user_data_dir (), file, NULL);
  g_autofree char *uri = pm_test_pg_new_database ("pg_select");
  g_autoptr(GRand) rand = g_rand_new_with_seed (18);

  pair->lite = pm_ledger_new (path, &error);
  g_assert_no_error (error);
  pair->pg = pm_ledger_new (uri, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (pm_ledger_get_backend_name (pair->pg), ==, "postgresql");

  for (guint i = 0; i < N_BILLS; i++)
    {
      g_autoptr(PmBill) bill = varied_bill (rand, i);
      g_autoptr(PmBill) twin = pm_bill_copy (bill);

      g_assert_true (pm_ledger_insert_bill (pair->lite, bill, &error));
      g_assert_no_error (error);
      g_assert_true (pm_ledger_insert_bill (pair->pg, twin, &error));
      g_assert_no_error (error);
    }
}

static void
pair_close (Pair *pair)
{
  g_clear_object (&pair->lite);
  g_clear_object (&pair->pg);
}

static char *
describe (const PmLedgerQuery *q)
{
  return g_strdup_printf ("sort %d%s, states 0x%x, profile '%s', text '%s', "
                          "created [%" G_GINT64_FORMAT ", %" G_GINT64_FORMAT "), window %u+%u",
                          q->sort, q->descending ? " desc" : "", q->states,
                          q->profile_id != NULL ? q->profile_id : "(none)",
                          q->text != NULL ? q->text : "", q->created_from, q->created_to,
                          q->offset, q->limit);
}

static char *
ids_of (GPtrArray *bills)
{
  GString *out = g_string_new (NULL);

  g_assert_nonnull (bills);
  for (guint i = 0; i < bills->len; i++)
    g_string_append_printf (out, "%s ", pm_bill_get_bill_id (g_ptr_array_index (bills, i)));
  return g_string_free (out, FALSE);
}

static char *
fetch_ids (PmLedger            *ledger,
           const PmLedgerQuery *q,
           guint                offset,
           guint                limit)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) bills = pm_ledger_fetch (ledger, q, offset, limit, &error);

  g_assert_no_error (error);
  return ids_of (bills);
}

static char *
totals_text (PmLedger            *ledger,
             const PmLedgerQuery *q)
{
  g_autoptr(GError) error = NULL;
  PmLedgerTotals totals;
  GString *out = g_string_new (NULL);

  g_assert_true (pm_ledger_totals (ledger, q, &totals, &error));
  g_assert_no_error (error);
  g_string_append_printf (out, "all %" G_GINT64_FORMAT "/%" G_GINT64_FORMAT,
                          totals.all.count, totals.all.won);
  for (guint b = 0; b < PM_LEDGER_N_BUCKETS; b++)
    g_string_append_printf (out, " %u:%" G_GINT64_FORMAT "/%" G_GINT64_FORMAT, b,
                            totals.by_state[b].count, totals.by_state[b].won);
  return g_string_free (out, FALSE);
}

static char *
locate_text (PmLedger            *ledger,
             const PmLedgerQuery *q,
             const char          *bill_id)
{
  g_autoptr(GError) error = NULL;
  gboolean selected = TRUE;
  guint position = 99999;

  g_assert_true (pm_ledger_locate (ledger, q, bill_id, &selected, &position, &error));
  g_assert_no_error (error);
  return selected ? g_strdup_printf ("%s at %u", bill_id, position)
                  : g_strdup_printf ("%s not selected", bill_id);
}

static guint
count_of (PmLedger            *ledger,
          const PmLedgerQuery *q)
{
  g_autoptr(GError) error = NULL;
  guint n = G_MAXUINT;

  g_assert_true (pm_ledger_count (ledger, q, &n, &error));
  g_assert_no_error (error);
  return n;
}

static GBytes *
export_bytes (PmLedger            *ledger,
              const PmLedgerQuery *q,
              guint64             *n_rows)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GOutputStream) out = g_memory_output_stream_new_resizable ();

  g_assert_true (pm_ledger_export_csv (ledger, q, out, n_rows, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (g_output_stream_close (out, NULL, NULL));
  return g_memory_output_stream_steal_as_bytes (G_MEMORY_OUTPUT_STREAM (out));
}

/* Asks both ledgers @q (count, every row, a page, totals, positions); returns the count. */
static guint
compare_query (Pair                *pair,
               const PmLedgerQuery *q)
{
  g_autofree char *what = describe (q);
  static const char *const probes[] = { "PMA0000", "PMC0037", "PMA0150", "PME0299", "none" };
  guint n_lite = count_of (pair->lite, q);
  guint n_pg = count_of (pair->pg, q);

  g_test_message ("%s: %u", what, n_lite);
  g_assert_cmpuint (n_pg, ==, n_lite);
  {
    g_autofree char *a = fetch_ids (pair->lite, q, 0, 0);
    g_autofree char *b = fetch_ids (pair->pg, q, 0, 0);

    g_assert_cmpstr (b, ==, a);
  }
  {
    g_autofree char *a = fetch_ids (pair->lite, q, 3, 7);
    g_autofree char *b = fetch_ids (pair->pg, q, 3, 7);

    g_assert_cmpstr (b, ==, a);
  }
  {
    g_autofree char *a = totals_text (pair->lite, q);
    g_autofree char *b = totals_text (pair->pg, q);

    g_assert_cmpstr (b, ==, a);
  }
  for (guint i = 0; i < G_N_ELEMENTS (probes); i++)
    {
      g_autofree char *a = locate_text (pair->lite, q, probes[i]);
      g_autofree char *b = locate_text (pair->pg, q, probes[i]);

      g_assert_cmpstr (b, ==, a);
    }
  return n_lite;
}

/* The same writes on both ledgers: 200 state changes, 40 new amounts or profiles,
 * 20 deletions. */
static void
change_both (Pair *pair)
{
  PmLedger *ledgers[] = { pair->lite, pair->pg };

  for (guint l = 0; l < G_N_ELEMENTS (ledgers); l++)
    {
      g_autoptr(GRand) rand = g_rand_new_with_seed (77);

      for (guint k = 0; k < 200; k++)
        {
          g_autoptr(GError) error = NULL;
          guint i = g_rand_int_range (rand, 0, N_BILLS);
          g_autofree char *id = g_strdup_printf ("PM%c%04u", 'A' + (i % 5), i);
          PmBillState state = (PmBillState) g_rand_int_range (rand, 0, PM_BILL_N_STATES);

          g_assert_true (pm_ledger_set_state (ledgers[l], id, state, "test",
                                              base_time () + 100 * 86400, &error));
          g_assert_no_error (error);
        }
      for (guint i = 1; i < 41; i++)
        {
          g_autoptr(GError) error = NULL;
          g_autofree char *id = g_strdup_printf ("PM%c%04u", 'A' + (i * 7 % 5), i * 7);
          g_autoptr(PmBill) bill = pm_ledger_lookup (ledgers[l], id, &error);

          g_assert_no_error (error);
          g_assert_nonnull (bill);
          if (i % 2 == 0)
            pm_bill_set_price (bill, pm_bill_get_price (bill) + 1234);
          else
            pm_bill_set_profile_id (bill, i % 3 == 0 ? "p2" : "p1");
          g_assert_true (pm_ledger_update_bill (ledgers[l], bill, &error));
          g_assert_no_error (error);
        }
      for (guint i = 0; i < 20; i++)
        {
          g_autoptr(GError) error = NULL;
          g_autofree char *id = g_strdup_printf ("PM%c%04u", 'A' + (i * 13 % 5), i * 13);

          g_assert_true (pm_ledger_delete_bill (ledgers[l], id, &error));
          g_assert_no_error (error);
        }
    }
}

static const char *const texts[] = {
  NULL, "김", "영희", "김영희", "민", "수", "희영", "ab", "AB", "Ab lee", "anna", "영희 김",
  "010", "1004", "010-1004", "5678", "02", "pmb", "PMC00", "pmc00", "c003", "A01", "0037",
  "수강료", "piano", "PIANO", "piano_", "_", "100%", "3월", "교재", "=SUM", "o'brien", "Jr.",
  "  김   수  ", "없는이름", "영", "이영희영",
};

static const guint state_sets[] = {
  PM_LEDGER_STATES_ALL,
  PM_LEDGER_STATE_BIT (PM_BILL_STATE_UNPAID),
  PM_LEDGER_STATE_EXPIRED,
  PM_LEDGER_STATE_BIT (PM_BILL_STATE_UNPAID) | PM_LEDGER_STATE_EXPIRED,
  PM_LEDGER_STATE_BIT (PM_BILL_STATE_PAID),
  PM_LEDGER_STATE_BIT (PM_BILL_STATE_PAID) | PM_LEDGER_STATE_EXPIRED,
  PM_LEDGER_STATE_BIT (PM_BILL_STATE_FAILED) | PM_LEDGER_STATE_BIT (PM_BILL_STATE_UNPAID),
};

#define N_SORTS (PM_LEDGER_SORT_LAST_CHECKED + 1)

static void
test_queries (void)
{
  Pair pair = { 0 };
  g_autoptr(PmLedgerQuery) q = pm_ledger_query_new ();
  guint serial = 0;
  guint found_short = 0;

  PM_TEST_PG_REQUIRE ();
  pair_open (&pair);
  pm_ledger_query_set_today (q, TODAY);

  /* a second desk opens the same shop ledger: the read indexes are there already */
  {
    g_autoptr(GError) error = NULL;
    g_autoptr(PmLedger) desk = pm_ledger_new (pm_ledger_get_path (pair.pg), &error);

    g_assert_no_error (error);
    g_assert_cmpuint (count_of (desk, q), ==, N_BILLS);
  }

  /* every sort, both ways, with and without a window, a profile, a period */
  for (int sort = 0; sort < N_SORTS; sort++)
    for (int desc = 0; desc < 2; desc++)
      for (int variant = 0; variant < 4; variant++)
        {
          q->sort = (PmLedgerSort) sort;
          q->descending = desc;
          pm_ledger_query_set_text (q, NULL);
          q->states = variant == 3 ? PM_LEDGER_STATE_BIT (PM_BILL_STATE_UNPAID) : 0;
          pm_ledger_query_set_profile_id (q, variant >= 1 ? "p1" : NULL);
          q->offset = variant == 2 ? 5 : 0;
          q->limit = variant == 2 ? 40 : 0;
          q->created_from = variant == 3 ? base_time () + 86400 : 0;
          q->created_to = variant == 3 ? base_time () + 20 * 86400 : 0;
          g_assert_cmpuint (compare_query (&pair, q), >, 0);
        }

  /* every text with every state filter, the sort, profile and window taking turns */
  q->created_from = q->created_to = 0;
  for (guint t = 0; t < G_N_ELEMENTS (texts); t++)
    for (guint s = 0; s < G_N_ELEMENTS (state_sets); s++)
      for (int profile = 0; profile < 2; profile++)
        {
          guint n;

          serial++;
          pm_ledger_query_set_text (q, texts[t]);
          q->states = state_sets[s];
          pm_ledger_query_set_profile_id (q, profile ? "p1" : NULL);
          q->sort = (PmLedgerSort) (serial % N_SORTS);
          q->descending = (serial / N_SORTS) % 2;
          q->offset = serial % 5 == 0 ? 2 : 0;
          q->limit = serial % 5 == 0 ? 9 : 0;
          n = compare_query (&pair, q);
          if (s == 0 && !profile && texts[t] != NULL && g_utf8_strlen (texts[t], -1) <= 2)
            found_short += n > 0;
        }
  /* the short words found bills (the comparison is not between two empty lists) */
  g_assert_cmpuint (found_short, >=, 8);

  /* writes move bills between states, profiles and amounts (the shop ledger's counts
   * follow them, and fold their deltas): the plain counts and totals still agree */
  change_both (&pair);
  pm_ledger_query_set_text (q, NULL);
  for (guint s = 0; s < G_N_ELEMENTS (state_sets); s++)
    for (int profile = 0; profile < 4; profile++)
      {
        static const char *const profiles[] = { NULL, "p1", "p2", "" };

        q->states = state_sets[s];
        pm_ledger_query_set_profile_id (q, profiles[profile]);
        q->sort = (PmLedgerSort) (s % N_SORTS);
        q->offset = q->limit = 0;
        compare_query (&pair, q);
      }
  {
    g_autofree char *uri = g_strdup (pm_ledger_get_path (pair.pg));
    PGconn *conn = pm_test_pg_connect (uri);
    g_autofree char *deltas = pm_test_pg_query (conn, "SELECT count (*) FROM paymint_bill_counts");

    /* 300 bills and 600 changes were folded into a row per profile and state */
    g_assert_cmpint (atoi (deltas), <, 100);
    /* emptied at once (by hand): the counts follow */
    g_free (pm_test_pg_query (conn, "TRUNCATE bills, events"));
    PQfinish (conn);
    pm_ledger_query_set_profile_id (q, NULL);
    q->states = PM_LEDGER_STATES_ALL;
    g_assert_cmpuint (count_of (pair.pg, q), ==, 0);
  }

  pair_close (&pair);
}

static char *
payers_text (PmLedger   *ledger,
             const char *profile,
             const char *prefix,
             guint       limit)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) payers = pm_ledger_recent_payers (ledger, profile, prefix, limit, &error);
  GString *out = g_string_new (NULL);

  g_assert_no_error (error);
  g_assert_nonnull (payers);
  for (guint i = 0; i < payers->len; i++)
    {
      PmLedgerPayer *p = g_ptr_array_index (payers, i);

      g_string_append_printf (out, "%s|%s|%s|%" G_GINT64_FORMAT "\n", p->profile_id, p->name,
                              p->phone, p->at);
    }
  return g_string_free (out, FALSE);
}

static char *
summary_text (PmLedger      *ledger,
              const char    *profile,
              PmSummarySpan  span,
              int            month,
              gint64         now)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PmLedgerSummary) s = pm_ledger_summarize (ledger, profile, span, 2026, month, now,
                                                      &error);
  GString *out = g_string_new (NULL);
  const PmLedgerTotal *totals[] = { &s->sent, &s->paid, &s->refunded, &s->outstanding,
                                    &s->expired, &s->voided };

  g_assert_no_error (error);
  g_string_append_printf (out, "%d %d %d %" G_GINT64_FORMAT "-%" G_GINT64_FORMAT " has %d\n",
                          s->span, s->year, s->month, s->from, s->to, s->has_bills);
  for (guint i = 0; i < G_N_ELEMENTS (totals); i++)
    g_string_append_printf (out, "%" G_GINT64_FORMAT "/%" G_GINT64_FORMAT " ",
                            totals[i]->count, totals[i]->won);
  g_string_append_c (out, '\n');
  for (guint i = 0; i < s->n_points; i++)
    g_string_append_printf (out, "%" G_GINT64_FORMAT ": %" G_GINT64_FORMAT "/%" G_GINT64_FORMAT
                            " %" G_GINT64_FORMAT "/%" G_GINT64_FORMAT "\n",
                            s->points[i].start, s->points[i].sent_count, s->points[i].sent_won,
                            s->points[i].paid_count, s->points[i].paid_won);
  for (guint a = 0; a < PM_SUMMARY_N_AGES; a++)
    g_string_append_printf (out, "age %u: %" G_GINT64_FORMAT "/%" G_GINT64_FORMAT " [%"
                            G_GINT64_FORMAT ", %" G_GINT64_FORMAT ")\n", a, s->age[a].count,
                            s->age[a].won, s->age_from[a], s->age_to[a]);
  return g_string_free (out, FALSE);
}

static void
test_payers_export_summary (void)
{
  Pair pair = { 0 };
  g_autoptr(PmLedgerQuery) q = pm_ledger_query_new ();
  static const char *const prefixes[] = { NULL, "", "김", "이영", "영희", "010", "0101004",
                                          "010-1004", "Kim", "kim", "02" };
  static const struct { const char *profile; int month; PmSummarySpan span; } periods[] = {
    { "p1", 3, PM_SUMMARY_SPAN_MONTH }, { "p1", 4, PM_SUMMARY_SPAN_MONTH },
    { "p1", 1, PM_SUMMARY_SPAN_MONTH }, { "", 3, PM_SUMMARY_SPAN_MONTH },
    { "p2", 0, PM_SUMMARY_SPAN_YEAR }, { "p1", 0, PM_SUMMARY_SPAN_YEAR },
    { "nobody", 3, PM_SUMMARY_SPAN_MONTH },
  };
  gint64 nows[] = { base_time () + 20 * 86400 + 3600, base_time () + 45 * 86400 };

  PM_TEST_PG_REQUIRE ();
  pair_open (&pair);

  for (guint i = 0; i < G_N_ELEMENTS (prefixes); i++)
    for (guint limit = 0; limit <= 5; limit += 5)
      for (int profile = 0; profile < 2; profile++)
        {
          g_autofree char *a = payers_text (pair.lite, profile ? "p1" : NULL, prefixes[i], limit);
          g_autofree char *b = payers_text (pair.pg, profile ? "p1" : NULL, prefixes[i], limit);

          g_test_message ("recent payers '%s' %u %d", prefixes[i], limit, profile);
          g_assert_cmpstr (b, ==, a);
          if (i == 0 && limit == 0)
            g_assert_cmpuint (strlen (a), >, 0);
        }

  /* export: the same bytes */
  pm_ledger_query_set_today (q, TODAY);
  for (guint i = 0; i < 5; i++)
    {
      g_autoptr(GBytes) a = NULL;
      g_autoptr(GBytes) b = NULL;
      guint64 rows_a = 0, rows_b = 0;

      q->sort = i == 1 ? PM_LEDGER_SORT_PAYER : i == 2 ? PM_LEDGER_SORT_STATE
                                                       : PM_LEDGER_SORT_CREATED_AT;
      q->descending = i != 3;
      pm_ledger_query_set_text (q, i == 2 ? "김" : NULL);
      q->states = i == 3 ? PM_LEDGER_STATE_BIT (PM_BILL_STATE_UNPAID) | PM_LEDGER_STATE_EXPIRED
                         : 0;
      pm_ledger_query_set_profile_id (q, i == 4 ? "p1" : NULL);
      q->offset = i == 4 ? 10 : 0;
      q->limit = i == 4 ? 100 : 0;
      a = export_bytes (pair.lite, q, &rows_a);
      b = export_bytes (pair.pg, q, &rows_b);
      g_assert_cmpuint (rows_b, ==, rows_a);
      g_assert_cmpuint (rows_a, >, 0);
      if (!g_bytes_equal (a, b))
        {
          g_test_message ("SQLite:\n%.*s", (int) g_bytes_get_size (a),
                          (const char *) g_bytes_get_data (a, NULL));
          g_test_message ("PostgreSQL:\n%.*s", (int) g_bytes_get_size (b),
                          (const char *) g_bytes_get_data (b, NULL));
        }
      g_assert_true (g_bytes_equal (a, b));
    }
  /* cancelled: nothing half-written is claimed, and the ledger reads on */
  {
    g_autoptr(GError) error = NULL;
    g_autoptr(GOutputStream) out = g_memory_output_stream_new_resizable ();
    g_autoptr(GCancellable) cancel = g_cancellable_new ();

    g_cancellable_cancel (cancel);
    pm_ledger_query_set_text (q, NULL);
    q->offset = q->limit = 0;
    g_assert_false (pm_ledger_export_csv (pair.pg, q, out, NULL, cancel, &error));
    g_assert_error (error, PM_ERROR, PM_ERROR_CANCELLED);
    g_assert_cmpuint (count_of (pair.pg, q), ==, count_of (pair.lite, q));
  }
  /* inside a transaction of the caller's: it sees the transaction's own writes */
  {
    g_autoptr(GError) error = NULL;
    g_autoptr(GBytes) a = NULL;
    g_autoptr(GBytes) b = NULL;
    g_autoptr(GRand) rand = g_rand_new_with_seed (5);
    g_autoptr(PmBill) extra = varied_bill (rand, N_BILLS + 1);
    g_autoptr(PmBill) twin = pm_bill_copy (extra);
    guint64 rows = 0;

    pm_ledger_query_set_profile_id (q, NULL);
    g_assert_true (pm_ledger_begin (pair.pg, &error));
    g_assert_true (pm_ledger_insert_bill (pair.pg, twin, &error));
    b = export_bytes (pair.pg, q, &rows);
    g_assert_true (pm_ledger_commit (pair.pg, &error));
    g_assert_no_error (error);
    g_assert_true (pm_ledger_insert_bill (pair.lite, extra, &error));
    a = export_bytes (pair.lite, q, NULL);
    pm_ledger_query_set_profile_id (q, NULL);
    g_assert_cmpuint (rows, ==, N_BILLS + 1);
    g_assert_true (g_bytes_equal (a, b));
  }
  /* nothing selected: the header alone, in both */
  {
    g_autoptr(GBytes) a = NULL;
    g_autoptr(GBytes) b = NULL;

    pm_ledger_query_set_text (q, "없는이름");
    a = export_bytes (pair.lite, q, NULL);
    b = export_bytes (pair.pg, q, NULL);
    g_assert_true (g_bytes_equal (a, b));
    g_assert_cmpuint (g_bytes_get_size (a), >, 3);
  }

  for (guint i = 0; i < G_N_ELEMENTS (periods); i++)
    for (guint n = 0; n < G_N_ELEMENTS (nows); n++)
      {
        g_autofree char *a = summary_text (pair.lite, periods[i].profile, periods[i].span,
                                           periods[i].month, nows[n]);
        g_autofree char *b = summary_text (pair.pg, periods[i].profile, periods[i].span,
                                           periods[i].month, nows[n]);

        g_test_message ("summary %s %d %d", periods[i].profile, periods[i].month, n);
        g_assert_cmpstr (b, ==, a);
      }
  {
    g_autoptr(GError) error = NULL;
    g_autoptr(PmLedgerSummary) s = pm_ledger_summarize (pair.pg, "p1", PM_SUMMARY_SPAN_MONTH,
                                                        2026, 13, 0, &error);

    g_assert_null (s);
    g_assert_error (error, PM_ERROR, PM_ERROR_INVALID);
  }

  pair_close (&pair);
}

/* ---- 100,000 bills (printed, not asserted) ---- */

static double
time_query (PmLedger            *ledger,
            const PmLedgerQuery *q,
            guint               *n)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) page = NULL;
  gint64 start = g_get_monotonic_time ();

  g_assert_true (pm_ledger_count (ledger, q, n, &error));
  page = pm_ledger_fetch (ledger, q, 0, 50, &error);
  g_assert_no_error (error);
  return (g_get_monotonic_time () - start) / 1000.0;
}

static void
test_large (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *uri = NULL;
  g_autoptr(PmLedger) ledger = NULL;
  g_autoptr(PmLedgerQuery) q = pm_ledger_query_new ();
  PGconn *conn;
  static const struct { const char *text; guint states; } cases[] = {
    { "김", 0 }, { "영희", 0 }, { "김영희", 0 }, { "희", 0 }, { "5678", 0 },
    { "010-1003", 0 }, { NULL, PM_LEDGER_STATE_BIT (PM_BILL_STATE_UNPAID) },
    { NULL, PM_LEDGER_STATE_EXPIRED }, { "영희", PM_LEDGER_STATE_BIT (PM_BILL_STATE_PAID) },
  };
  gint64 start;

  PM_TEST_PG_REQUIRE ();
  if (!g_test_perf ())
    {
      g_test_skip ("a benchmark: run with -m perf");
      return;
    }
  uri = pm_test_pg_new_database ("pg_select_large");
  ledger = pm_ledger_new (uri, &error);
  g_assert_no_error (error);

  conn = pm_test_pg_connect (uri);
  start = g_get_monotonic_time ();
  g_free (pm_test_pg_query (conn,
    "INSERT INTO bills (bill_id, profile_id, kind, payer_name, phone, product, price,"
    " expire_date, state, created_at, updated_at)"
    " SELECT 'PMX' || lpad (i::text, 7, '0'), 'p1', 'request',"
    "  (ARRAY['김','이','박','최','정','강','조','윤','장','임'])[1 + i % 10] ||"
    "  (ARRAY['영희','민수','지훈','서연','민준','하은','도윤','서윤','시우','지우',"
    "         '하준','수아','예준','지아','주원','은서','건우','다은','현우','채원'])"
    "  [1 + (i / 10) % 20],"
    "  '010' || lpad (((i * 7919) % 100000000)::text, 8, '0'),"
    "  (ARRAY['3월 수강료','교재비','영어 회화','피아노 레슨'])[1 + i % 4],"
    "  10000 * (1 + i % 5),"
    "  to_char (date '2026-01-01' + (i % 90), 'YYYY-MM-DD'),"
    "  (ARRAY['unpaid','paid','paid','cancelled','failed','unpaid','paid'])[1 + i % 7],"
    "  1767000000 + i * 60, 1767000000 + i * 60"
    " FROM generate_series (1, 100000) AS i"));
  g_free (pm_test_pg_query (conn, "VACUUM ANALYZE bills"));
  g_test_message ("100,000 bills inserted and analyzed in %.0f ms",
                  (g_get_monotonic_time () - start) / 1000.0);
  PQfinish (conn);

  pm_ledger_query_set_profile_id (q, "p1");
  pm_ledger_query_set_today (q, "2026-02-15");
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      guint n = 0;
      double first, second;
      g_autofree char *plan = NULL;

      pm_ledger_query_set_text (q, cases[i].text);
      q->states = cases[i].states;
      first = time_query (ledger, q, &n);
      second = time_query (ledger, q, &n);
      plan = pm_ledger_explain_for_testing (ledger, q, 0, 50);
      g_printerr ("# text '%s' states 0x%x: %u bills; count + first page %.1f ms (again %.1f ms)\n"
                  "# plan:\n%s", cases[i].text != NULL ? cases[i].text : "", cases[i].states,
                  n, first, second, plan);
    }
  {
    PmLedgerTotals totals;
    gint64 t0 = g_get_monotonic_time ();

    pm_ledger_query_set_text (q, NULL);
    q->states = 0;
    g_assert_true (pm_ledger_totals (ledger, q, &totals, &error));
    g_printerr ("# totals of the profile: %.1f ms\n", (g_get_monotonic_time () - t0) / 1000.0);
  }
  {
    g_autoptr(PmLedgerSummary) s = NULL;
    gint64 t0 = g_get_monotonic_time ();

    s = pm_ledger_summarize (ledger, "p1", PM_SUMMARY_SPAN_MONTH, 2026, 1, 1768000000, &error);
    g_assert_no_error (error);
    g_printerr ("# summary of a month: %.1f ms\n", (g_get_monotonic_time () - t0) / 1000.0);
  }
  /* what the read indexes and the count triggers cost an intent: with them, then
   * without them; durable one by one (and the slowest), then 2000 in one transaction */
  for (guint round = 0; round < 2; round++)
    {
      gint64 t0, slowest = 0;

      if (round == 1)
        {
          g_autofree char *dropped = NULL;

          conn = pm_test_pg_connect (uri);
          dropped = pm_test_pg_query (conn,
            "DO $$ DECLARE i record; BEGIN FOR i IN SELECT indexrelid::regclass AS name"
            " FROM pg_index WHERE indrelid = 'bills'::regclass"
            " AND indexrelid::regclass::text LIKE 'bills_pg_%' LOOP"
            " EXECUTE 'DROP INDEX ' || i.name; END LOOP;"
            " DROP TRIGGER paymint_bill_counts_write ON bills;"
            " DROP TRIGGER paymint_bill_counts_update ON bills; END $$");
          PQfinish (conn);
        }
      t0 = g_get_monotonic_time ();
      for (guint i = 0; i < 2500; i++)
        {
          g_autoptr(PmBill) bill = pm_bill_new ();
          g_autofree char *id = g_strdup_printf ("PMY%u%05u", round, i);
          gint64 one = g_get_monotonic_time ();

          if (i == 500)
            {
              g_printerr ("# 500 intents %s: %.2f ms each, the slowest %.1f ms\n",
                          round == 0 ? "with the read indexes and count triggers"
                                     : "without them",
                          (one - t0) / 1000.0 / 500, slowest / 1000.0);
              /* the work of a row, without waiting for the disk */
              g_assert_true (pm_ledger_begin (ledger, &error));
              t0 = one = g_get_monotonic_time ();
            }
          pm_bill_set_bill_id (bill, id);
          pm_bill_set_profile_id (bill, "p1");
          pm_bill_set_payer_name (bill, "김영희");
          pm_bill_set_phone (bill, "01012345678");
          pm_bill_set_product (bill, "3월 수강료");
          pm_bill_set_price (bill, 10000);
          g_assert_true (pm_ledger_insert_intent (ledger, bill, &error));
          if (i < 500)
            slowest = MAX (slowest, g_get_monotonic_time () - one);
        }
      g_assert_true (pm_ledger_commit (ledger, &error));
      g_printerr ("# 2000 intents in one transaction %s: %.3f ms each\n",
                  round == 0 ? "with them" : "without them",
                  (g_get_monotonic_time () - t0) / 1000.0 / 2000);
    }
}

int
main (int   argc,
      char *argv[])
{
  pm_test_init (&argc, &argv);

  g_test_add_func ("/ledger-pg-select/queries", test_queries);
  g_test_add_func ("/ledger-pg-select/payers-export-summary", test_payers_export_summary);
  g_test_add_func ("/ledger-pg-select/large", test_large);
  return g_test_run ();
}
