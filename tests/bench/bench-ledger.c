/* bench-ledger.c — the ledger and its list model with a million bills
 *
 * Copyright 2026 The Paymint Desk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Prints figures; no pass/fail on time. PM_BENCH_BILLS sets the number of bills
 * (default 1,000,000); PM_BENCH_DB reuses (or keeps) a database at that path.
 * PM_BENCH_SKIP_RATE skips the insert-rate figures; PM_BENCH_ONLY_RATE prints only them.
 */

#include "config.h"

#include "pm-ledger.h"
#include "pm-ledger-model.h"
#include "pm-ledger-private.h"

#include "pm-bill.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <glib/gstdio.h>

#define BASE_TIME G_GINT64_CONSTANT (1735657200)   /* 2025-01-01 00:00 KST */
#define BATCH 10000

static const char *const family[] = {
  "김", "이", "박", "최", "정", "강", "조", "윤", "장", "임", "한", "오", "서", "신", "권",
};
static const char *const given[] = {
  "민수", "민지", "서연", "서준", "지우", "하은", "도윤", "예린", "시우", "수아", "지호",
  "유진", "현우", "채원", "준서", "다은", "건우", "소율", "우진", "지안",
};
static const char *const products[] = {
  "수강료", "필라테스 10회권", "PT 20회", "요가 월회비", "도시락 정기배송", "학원비",
  "회원권 연장", "밀키트 세트", "Monthly plan", "Lunch box",
};

static double
ms_since (gint64 start)
{
  return (g_get_monotonic_time () - start) / 1000.0;
}

static long
rss_kib (void)
{
  g_autofree char *status = NULL;
  const char *line;

  if (!g_file_get_contents ("/proc/self/status", &status, NULL, NULL))
    return -1;
  line = strstr (status, "VmRSS:");
  return line != NULL ? strtol (line + 6, NULL, 10) : -1;
}

static void
fill_in (PmLedger *ledger,
         guint     n,
         guint     batch,
         gboolean  quiet)
{
  g_autoptr(GError) error = NULL;
  GRand *rand = g_rand_new_with_seed (20261123);
  gint64 start = g_get_monotonic_time ();
  double seconds;

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(PmBill) bill = pm_bill_new ();
      g_autofree char *id = g_strdup_printf ("B%08u%011u", i, g_rand_int (rand) % 100000000u);
      g_autofree char *name = g_strconcat (family[g_rand_int_range (rand, 0, G_N_ELEMENTS (family))],
                                           given[g_rand_int_range (rand, 0, G_N_ELEMENTS (given))],
                                           NULL);
      g_autofree char *phone = g_strdup_printf ("010%08u", g_rand_int (rand) % 100000000u);
      g_autofree char *product = g_strdup_printf ("%s %u월",
                                                  products[g_rand_int_range (rand, 0, G_N_ELEMENTS (products))],
                                                  1 + i % 12);
      gint64 created = BASE_TIME + (gint64) i * 60;
      g_autofree char *expire = pm_bill_korea_date (created + 7 * 86400);
      int r = g_rand_int_range (rand, 0, 100);
      PmBillState state = r < 55 ? PM_BILL_STATE_PAID
                          : r < 85 ? PM_BILL_STATE_UNPAID
                          : r < 92 ? PM_BILL_STATE_CANCELLED
                          : r < 96 ? PM_BILL_STATE_DESTROYED
                          : r < 98 ? PM_BILL_STATE_FAILED : PM_BILL_STATE_UNKNOWN;

      if (i % batch == 0 && !pm_ledger_begin (ledger, &error))
        g_error ("begin: %s", error->message);

      pm_bill_set_bill_id (bill, id);
      pm_bill_set_profile_id (bill, "bench-profile");
      pm_bill_set_payer_name (bill, name);
      pm_bill_set_phone (bill, phone);
      pm_bill_set_product (bill, product);
      pm_bill_set_message (bill, "결제 안내드립니다. 링크를 눌러 결제해 주세요.");
      pm_bill_set_price (bill, 1000 * g_rand_int_range (rand, 1, 500));
      pm_bill_set_expire_date (bill, expire);
      pm_bill_set_created_at (bill, created);
      pm_bill_set_updated_at (bill, created);
      pm_bill_set_state (bill, state);
      pm_bill_set_short_url (bill, "https://payssam.kr/s/abcdef");
      pm_bill_set_last_checked_at (bill, created + g_rand_int_range (rand, 0, 86400));
      if (!pm_bill_state_is_final (state))
        pm_bill_set_next_check_at (bill, created + 86400);
      if (!pm_ledger_insert_bill (ledger, bill, &error))
        g_error ("insert: %s", error->message);

      if ((i + 1) % batch == 0 || i + 1 == n)
        {
          if (!pm_ledger_commit (ledger, &error))
            g_error ("commit: %s", error->message);
          if (!quiet && (i + 1) % 100000 == 0)
            {
              printf ("#   … %u bills, %.1f s\n", i + 1, ms_since (start) / 1000);
              fflush (stdout);
            }
        }
    }
  seconds = ms_since (start) / 1000;
  if (!quiet)
    printf ("insert: %u bills in %.1f s = %.0f bills/s (transactions of %u)\n",
            n, seconds, n / seconds, batch);
  g_rand_free (rand);
}

static void
fill (PmLedger *ledger,
      guint     n)
{
  fill_in (ledger, n, BATCH, FALSE);
}

static gint64
file_size (const char *path)
{
  GStatBuf st;

  return g_stat (path, &st) == 0 ? (gint64) st.st_size : 0;
}

/* Inserts @n bills into a new ledger in ONE transaction: bills per second, and pages
 * written per bill. Every page a transaction writes becomes one WAL frame (page + 24-byte
 * header; a page written out twice, when the cache spills, is two frames), and a
 * checkpoint after the commit copies them back but leaves the WAL file at its size: so
 * frames = (WAL size - 32) / (page size + 24). */
static void
insert_rate (const char *dir,
             guint       n)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *name = g_strdup_printf ("rate-%u.db", n);
  g_autofree char *path = g_build_filename (dir, name, NULL);
  g_autofree char *wal = g_strconcat (path, "-wal", NULL);
  g_autofree char *shm = g_strconcat (path, "-shm", NULL);
  g_autofree char *header = NULL;
  PmLedger *ledger;
  gint64 start, wal_before;
  gsize len = 0;
  double seconds, frames, page_size = 4096;

  ledger = pm_ledger_new (path, &error);
  g_assert_no_error (error);
  wal_before = file_size (wal);
  start = g_get_monotonic_time ();
  fill_in (ledger, n, n, TRUE);
  seconds = ms_since (start) / 1000;
  if (g_file_get_contents (path, &header, &len, NULL) && len >= 18)
    {
      guint ps = ((guchar) header[16] << 8) | (guchar) header[17];

      page_size = ps == 1 ? 65536 : ps;
    }
  frames = (file_size (wal) - MAX (wal_before, 32) ) / (page_size + 24);
  printf ("insert, one transaction of %u bills: %.2f s = %.0f bills/s; "
          "%.2f page writes per bill (%.0f WAL frames of %.0f bytes; db %.1f MB)\n",
          n, seconds, n / seconds, frames / n, frames, page_size,
          file_size (path) / 1048576.0);
  /* the text indexes take the new bills afterwards (off the insert path): what it costs */
  start = g_get_monotonic_time ();
  if (!pm_ledger_index_text (ledger, 0, NULL, &error))
    g_error ("index: %s", error->message);
  seconds = ms_since (start) / 1000;
  printf ("  then the text indexes take them: %.2f s = %.0f bills/s\n", seconds, n / seconds);
  fflush (stdout);
  g_clear_object (&ledger);
  g_unlink (path);
  g_unlink (wal);
  g_unlink (shm);
}

static void
first_page (PmLedgerModel *model,
            guint          rows)
{
  guint n = MIN (rows, g_list_model_get_n_items (G_LIST_MODEL (model)));

  for (guint i = 0; i < n; i++)
    g_object_unref (g_list_model_get_item (G_LIST_MODEL (model), i));
}

/* Opening the ledger, counting and reading the rows a window shows first. */
static double
open_and_first_page (const char *path,
                     PmLedger  **out_ledger,
                     PmLedgerModel **out_model)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PmLedgerQuery) query = pm_ledger_query_new ();
  gint64 start = g_get_monotonic_time ();
  PmLedger *ledger;
  PmLedgerModel *model;

  ledger = pm_ledger_new (path, &error);
  if (ledger == NULL)
    g_error ("open: %s", error->message);
  pm_ledger_query_set_profile_id (query, "bench-profile");
  model = pm_ledger_model_new (ledger, query);
  first_page (model, 50);
  *out_ledger = ledger;
  *out_model = model;
  return ms_since (start);
}

static void
time_query (PmLedger      *ledger,
            const char    *label,
            PmLedgerQuery *query)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) page = NULL;
  gint64 start;
  double count_ms, page_ms;
  guint n = 0;

  start = g_get_monotonic_time ();
  if (!pm_ledger_count (ledger, query, &n, &error))
    g_error ("%s: %s", label, error->message);
  count_ms = ms_since (start);
  start = g_get_monotonic_time ();
  page = pm_ledger_fetch (ledger, query, 0, PM_LEDGER_MODEL_PAGE_SIZE, &error);
  if (page == NULL)
    g_error ("%s: %s", label, error->message);
  page_ms = ms_since (start);
  printf ("%-44s %8u rows  count %7.1f ms  first page %7.1f ms  total %7.1f ms\n",
          label, n, count_ms, page_ms, count_ms + page_ms);
  if (g_getenv ("PM_BENCH_PLANS") != NULL)
    {
      g_autofree char *plan = pm_ledger_explain_for_testing (ledger, query, 0,
                                                             PM_LEDGER_MODEL_PAGE_SIZE);
      g_auto(GStrv) lines = g_strsplit (plan != NULL ? plan : "", "\n", -1);

      for (guint i = 0; lines[i] != NULL && *lines[i] != '\0'; i++)
        printf ("#     plan: %s\n", lines[i]);
    }
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *path = NULL;
  g_autofree char *small_path = NULL;
  g_autoptr(PmLedgerQuery) query = NULL;
  const char *env_n = g_getenv ("PM_BENCH_BILLS");
  const char *env_db = g_getenv ("PM_BENCH_DB");
  guint n = env_n != NULL ? (guint) g_ascii_strtoull (env_n, NULL, 10) : 1000000;
  PmLedger *ledger = NULL;
  PmLedgerModel *model = NULL;
  PmLedgerTotals totals;
  gint64 start;
  double open_big, open_small;

  printf ("# bench-ledger: %u bills\n", n);
  dir = g_dir_make_tmp ("bench-ledger-XXXXXX", &error);
  g_assert_no_error (error);
  path = env_db != NULL ? g_strdup (env_db) : g_build_filename (dir, "big.db", NULL);
  small_path = g_build_filename (dir, "small.db", NULL);

  /* Inserts in one transaction, on new files. */
  if (g_getenv ("PM_BENCH_SKIP_RATE") == NULL)
    {
      insert_rate (dir, 10000);
      insert_rate (dir, 100000);
      if (g_getenv ("PM_BENCH_ONLY_RATE") != NULL)
        return 0;
    }

  /* A 1,000-bill ledger for comparison. */
  ledger = pm_ledger_new (small_path, &error);
  g_assert_no_error (error);
  fill (ledger, 1000);
  g_clear_object (&ledger);

  if (env_db == NULL || !g_file_test (path, G_FILE_TEST_EXISTS))
    {
      ledger = pm_ledger_new (path, &error);
      g_assert_no_error (error);
      fill (ledger, n);
      g_clear_object (&ledger);
    }

  /* Like with like: each file is opened once untimed (its pages in the OS cache, the
   * process's one-time set-up done), then three times each, alternating; the best of
   * each is compared. */
  open_small = open_big = G_MAXDOUBLE;
  for (guint round = 0; round < 4; round++)
    {
      double t;

      t = open_and_first_page (small_path, &ledger, &model);
      if (round > 0)
        open_small = MIN (open_small, t);
      g_clear_object (&model);
      g_clear_object (&ledger);
      t = open_and_first_page (path, &ledger, &model);
      if (round > 0)
        open_big = MIN (open_big, t);
      if (round < 3)
        {
          g_clear_object (&model);
          g_clear_object (&ledger);
        }
    }
  printf ("open + count + first 50 rows (warm, best of 3 each): %.1f ms with %u bills, "
          "%.1f ms with 1,000 (%.2fx)\n",
          open_big, n, open_small, open_big / MAX (open_small, 0.001));

  /* The list as the window shows it. */
  query = pm_ledger_query_new ();
  pm_ledger_query_set_profile_id (query, "bench-profile");
  time_query (ledger, "all, newest first", query);
  query->sort = PM_LEDGER_SORT_PAYER;
  query->descending = FALSE;
  time_query (ledger, "all, by payer", query);
  query->sort = PM_LEDGER_SORT_CREATED_AT;
  query->descending = TRUE;

  /* Search. */
  {
    static const char *const texts[] = {
      "김민수", "김민", "김", "민수", "민", "영", "준서", "서", "수강료", "필라테스", "5678", "010-1234", "B0050000",
      "b00500", "plan", "없는이름",
    };

    for (guint i = 0; i < G_N_ELEMENTS (texts); i++)
      {
        g_autofree char *label = g_strdup_printf ("search “%s”", texts[i]);

        pm_ledger_query_set_text (query, texts[i]);
        time_query (ledger, label, query);
      }
    pm_ledger_query_set_text (query, NULL);
  }

  /* Filters and sorts. */
  pm_ledger_query_set_today (query, "2026-11-23");
  query->states = PM_LEDGER_STATE_BIT (PM_BILL_STATE_UNPAID) | PM_LEDGER_STATE_EXPIRED;
  time_query (ledger, "state unpaid (+expired), newest first", query);
  query->sort = PM_LEDGER_SORT_AMOUNT;
  time_query (ledger, "state unpaid (+expired), by amount", query);
  query->states = PM_LEDGER_STATE_BIT (PM_BILL_STATE_UNKNOWN);
  query->sort = PM_LEDGER_SORT_CREATED_AT;
  time_query (ledger, "state unknown (2%), newest first", query);
  query->states = PM_LEDGER_STATE_BIT (PM_BILL_STATE_PAID);
  query->sort = PM_LEDGER_SORT_STATE;
  time_query (ledger, "state paid, by state", query);
  query->states = PM_LEDGER_STATES_ALL;
  query->sort = PM_LEDGER_SORT_LAST_CHECKED;
  time_query (ledger, "all, by last checked", query);
  query->sort = PM_LEDGER_SORT_EXPIRE_DATE;
  time_query (ledger, "all, by expire date", query);
  query->sort = PM_LEDGER_SORT_CREATED_AT;
  query->created_from = BASE_TIME + 86400 * 30;
  query->created_to = BASE_TIME + 86400 * 60;
  time_query (ledger, "created in a 30-day range", query);
  query->created_from = query->created_to = 0;
  query->states = PM_LEDGER_STATE_BIT (PM_BILL_STATE_PAID);
  pm_ledger_query_set_text (query, "김민");
  time_query (ledger, "search “김민” + state paid", query);
  pm_ledger_query_set_text (query, NULL);
  query->states = PM_LEDGER_STATES_ALL;

  /* Totals. */
  start = g_get_monotonic_time ();
  if (!pm_ledger_totals (ledger, query, &totals, &error))
    g_error ("totals: %s", error->message);
  printf ("totals, all bills: %.1f ms (%" G_GINT64_FORMAT " bills, ₩%" G_GINT64_FORMAT ")\n",
          ms_since (start), totals.all.count, totals.all.won);
  query->states = PM_LEDGER_STATE_BIT (PM_BILL_STATE_UNPAID) | PM_LEDGER_STATE_EXPIRED;
  start = g_get_monotonic_time ();
  if (!pm_ledger_totals (ledger, query, &totals, &error))
    g_error ("totals: %s", error->message);
  printf ("totals, unpaid filter: %.1f ms (%" G_GINT64_FORMAT " bills)\n",
          ms_since (start), totals.all.count);
  query->states = PM_LEDGER_STATES_ALL;

  /* The poller and autocompletion. */
  {
    g_autoptr(GPtrArray) due = NULL;
    g_autoptr(GPtrArray) payers = NULL;

    start = g_get_monotonic_time ();
    due = pm_ledger_list_due (ledger, NULL, BASE_TIME + 86400 * 400, 100, &error);
    printf ("list_due (100): %.1f ms\n", ms_since (start));
    start = g_get_monotonic_time ();
    payers = pm_ledger_recent_payers (ledger, "bench-profile", "김", 10, &error);
    printf ("recent_payers “김” (10): %.1f ms\n", ms_since (start));
  }

  /* Scrolling: pages further down, then memory. */
  start = g_get_monotonic_time ();
  for (guint pos = 0; pos < 5000 && pos < g_list_model_get_n_items (G_LIST_MODEL (model)); pos++)
    g_object_unref (g_list_model_get_item (G_LIST_MODEL (model), pos));
  printf ("model: read rows 0 … 4,999: %.1f ms\n", ms_since (start));
  start = g_get_monotonic_time ();
  {
    guint mid = g_list_model_get_n_items (G_LIST_MODEL (model)) / 2;
    g_autoptr(GObject) item = g_list_model_get_item (G_LIST_MODEL (model), mid);

    printf ("model: jump to row %u: %.1f ms\n", mid, ms_since (start));
  }
  printf ("resident memory (VmRSS) with a model over %u bills: %.1f MB\n",
          g_list_model_get_n_items (G_LIST_MODEL (model)), rss_kib () / 1024.0);
  {
    GStatBuf st;

    if (g_stat (path, &st) == 0)
      printf ("database file: %.0f MB\n", st.st_size / 1048576.0);
  }

  g_clear_object (&model);
  g_clear_object (&ledger);
  if (env_db == NULL)
    {
      g_autofree char *wal = g_strconcat (path, "-wal", NULL);
      g_autofree char *shm = g_strconcat (path, "-shm", NULL);
      g_autofree char *small_wal = g_strconcat (small_path, "-wal", NULL);
      g_autofree char *small_shm = g_strconcat (small_path, "-shm", NULL);

      g_unlink (path);
      g_unlink (wal);
      g_unlink (shm);
      g_unlink (small_wal);
      g_unlink (small_shm);
    }
  g_unlink (small_path);
  g_rmdir (dir);
  return 0;
}
