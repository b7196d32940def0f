/* pm-ledger-pg-select.c — reading a shop ledger (PostgreSQL): query building, counts,
 * totals, pages, positions, recent payers, the CSV export and the summary
 *
 * Copyright 2026 The Paymint Desk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Every read gives what the SQLite backend (pm-ledger-select.c, pm-ledger-summary.c)
 * gives for the same bills and query: the same rows in the same order, the same counts
 * and sums. What that takes on PostgreSQL:
 *
 *  - Text is compared and sorted byte by byte, as SQLite's BINARY does: COLLATE "C" on
 *    every text sort key and prefix range, whatever the database's own collation.
 *  - Search words: a word of 3+ characters is found anywhere in the payer name, phone,
 *    product or bill id, case-insensitively (SQLite: the FTS5 trigram index). Here: ILIKE
 *    on the four joined by spaces (a word holds no space, so it cannot match across
 *    two), served by a pg_trgm GIN index on that expression when the extension can be
 *    installed (else a scan: the same rows, slower).
 *  - A word of one or two characters (SQLite: bill_grams) is found anywhere in the payer
 *    name — a Korean given name is no prefix — or at the start of the product or bill id.
 *    pg_trgm cannot index it, and on a database whose LC_CTYPE is C it sees no Hangul at
 *    all. Here the name's grams come from paymint_name_grams(): each character and each
 *    pair of adjacent characters (ASCII letters lowered, none holding a space), the same
 *    set bill_grams holds, as an array with a GIN index on the expression: no table, no
 *    trigger, and GIN's pending list keeps the cost of an insert small. "김" is
 *    "grams @> '{김}'", "영희" is "grams @> '{영희}'": one posting list each.
 *  - Prefixes (phone digits, "010…", bill-id-like words) are ranges of B-tree indexes in
 *    the "C" collation, as SQLite's are ranges of BINARY indexes.
 *  - Counts and totals of a profile and states (the list without a search, the footer)
 *    come from paymint_bill_counts, as SQLite's come from bill_counts; but where SQLite
 *    keeps one row per profile and state, every write here adds a delta row, so desks
 *    writing at once never wait on one counter row, and a read folds the deltas when
 *    they are many. The unpaid bills not expired yet are one range of a partial index.
 *    A search or a period is counted from the bills.
 */

#include "config.h"

#include "pm-ledger-pg-private.h"

#include "pm-error.h"
#include "pm-export.h"
#include "pm-phone.h"

#include <string.h>
#include <glib/gi18n-lib.h>

/* ------------------------------------------------------------------------ */
/* The indexes                                                              */
/* ------------------------------------------------------------------------ */

#define ASCII_UPPER "'ABCDEFGHIJKLMNOPQRSTUVWXYZ'"
#define ASCII_LOWER "'abcdefghijklmnopqrstuvwxyz'"

/* The four searchable columns as one text (the trigram index's expression). */
#define SEARCH_TEXT(p) \
  "(" p "payer_name || ' ' || " p "phone || ' ' || " p "product || ' ' || " p "bill_id)"

/* What paymint_ledger_meta 'read_indexes' says once the statements below ran: a desk
 * that finds it skips them (a desk whose role does not own the tables could not run
 * them). Bump it when they change. */
#define READ_INDEXES_VERSION "1"

const char pm_ledger_pg_select_indexes_sql[] =
  "DO $read$ BEGIN"
  " IF EXISTS (SELECT 1 FROM paymint_ledger_meta WHERE key = 'read_indexes'"
  "  AND value = '" READ_INDEXES_VERSION "') THEN RETURN; END IF;"
  /* The grams of a payer name, as SQLite's bill_grams holds them: the characters at
   * 1 … 128 and the pairs starting there, ASCII letters lowered, none with a space. */
  " CREATE OR REPLACE FUNCTION paymint_name_grams (name text) RETURNS text[]"
  "  LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $grams$"
  "  SELECT coalesce (array_agg (DISTINCT g), '{}'::text[]) FROM ("
  "   SELECT translate (substr (name, i, 1), " ASCII_UPPER ", " ASCII_LOWER ") AS g"
  "    FROM generate_series (1, least (length (name), 128)) AS i"
  "    WHERE substr (name, i, 1) <> ' '"
  "   UNION ALL"
  "   SELECT translate (substr (name, i, 2), " ASCII_UPPER ", " ASCII_LOWER ")"
  "    FROM generate_series (1, least (length (name) - 1, 128)) AS i"
  "    WHERE strpos (substr (name, i, 2), ' ') = 0) AS grams"
  "  $grams$;"
  /* The list: one profile, sorted (each sort with its tie-breakers); state filters. */
  " CREATE INDEX IF NOT EXISTS bills_pg_p_created ON bills (profile_id, created_at, id);"
  " CREATE INDEX IF NOT EXISTS bills_pg_p_state ON bills (profile_id, state, created_at, id)"
  "  INCLUDE (price, expire_date);"
  " CREATE INDEX IF NOT EXISTS bills_pg_p_rank ON bills (profile_id, " STATE_RANK_EXPR
  ", created_at, id);"
  " CREATE INDEX IF NOT EXISTS bills_pg_p_payer ON bills"
  "  (profile_id, payer_name COLLATE \"C\", id);"
  " CREATE INDEX IF NOT EXISTS bills_pg_p_price ON bills (profile_id, price, id);"
  " CREATE INDEX IF NOT EXISTS bills_pg_p_expire ON bills"
  "  (profile_id, expire_date COLLATE \"C\", id);"
  " CREATE INDEX IF NOT EXISTS bills_pg_p_checked ON bills (profile_id, last_checked_at, id);"
  /* Prefix searches. */
  " CREATE INDEX IF NOT EXISTS bills_pg_phone ON bills (phone COLLATE \"C\");"
  " CREATE INDEX IF NOT EXISTS bills_pg_product ON bills (product COLLATE \"C\");"
  " CREATE INDEX IF NOT EXISTS bills_pg_bill_id ON bills (bill_id COLLATE \"C\");"
  /* One or two characters of a payer name. */
  " CREATE INDEX IF NOT EXISTS bills_pg_name_grams ON bills"
  "  USING gin (paymint_name_grams (payer_name));"
  /* finer statistics of the searched expressions: the planner then knows a rare word
   * from a common one, and reads a rare word's few bills rather than walking the list */
  " ALTER INDEX bills_pg_name_grams ALTER COLUMN 1 SET STATISTICS 1000;"
  /* Unpaid bills by expire date: the part of the unpaid ones not expired yet. */
  " CREATE INDEX IF NOT EXISTS bills_pg_unpaid_expire ON bills"
  "  (profile_id, expire_date COLLATE \"C\") INCLUDE (price) WHERE state = 'unpaid';"
  /* Bills and won per profile and state, as deltas: each write of a bill adds a row
   * (+1 and its price under its new profile and state, -1 and the old price under the
   * old), so no two desks ever wait on one counter row; a read sums them and, when
   * they are many, folds them into one row per profile and state (fold_counts()). */
  " CREATE OR REPLACE FUNCTION paymint_bill_counts_track () RETURNS trigger"
  "  LANGUAGE plpgsql AS $track$ BEGIN"
  "  IF TG_OP <> 'INSERT' THEN"
  "   INSERT INTO paymint_bill_counts VALUES (OLD.profile_id, OLD.state, -1, -OLD.price);"
  "  END IF;"
  "  IF TG_OP <> 'DELETE' THEN"
  "   INSERT INTO paymint_bill_counts VALUES (NEW.profile_id, NEW.state, 1, NEW.price);"
  "  END IF;"
  "  RETURN NULL; END $track$;"
  " IF to_regclass ('paymint_bill_counts') IS NULL THEN"
  "  CREATE TABLE paymint_bill_counts (profile_id text NOT NULL, state text NOT NULL,"
  "   n bigint NOT NULL, won bigint NOT NULL);"
  /* the triggers lock writers out first, then what is there is counted once */
  "  DROP TRIGGER IF EXISTS paymint_bill_counts_write ON bills;"
  "  CREATE TRIGGER paymint_bill_counts_write AFTER INSERT OR DELETE ON bills"
  "   FOR EACH ROW EXECUTE FUNCTION paymint_bill_counts_track ();"
  "  DROP TRIGGER IF EXISTS paymint_bill_counts_update ON bills;"
  "  CREATE TRIGGER paymint_bill_counts_update AFTER UPDATE OF profile_id, state, price"
  "   ON bills FOR EACH ROW WHEN (OLD.profile_id IS DISTINCT FROM NEW.profile_id"
  "   OR OLD.state IS DISTINCT FROM NEW.state OR OLD.price IS DISTINCT FROM NEW.price)"
  "   EXECUTE FUNCTION paymint_bill_counts_track ();"
  "  CREATE OR REPLACE FUNCTION paymint_bill_counts_clear () RETURNS trigger"
  "   LANGUAGE plpgsql AS $clear$ BEGIN DELETE FROM paymint_bill_counts; RETURN NULL;"
  "   END $clear$;"
  "  DROP TRIGGER IF EXISTS paymint_bill_counts_truncate ON bills;"
  "  CREATE TRIGGER paymint_bill_counts_truncate AFTER TRUNCATE ON bills"
  "   FOR EACH STATEMENT EXECUTE FUNCTION paymint_bill_counts_clear ();"
  "  INSERT INTO paymint_bill_counts SELECT profile_id, state, count (*),"
  "   coalesce (sum (price), 0) FROM bills GROUP BY 1, 2;"
  " END IF;"
  " INSERT INTO paymint_ledger_meta (key, value)"
  "  VALUES ('read_indexes', '" READ_INDEXES_VERSION "')"
  "  ON CONFLICT (key) DO UPDATE SET value = excluded.value;"
  " END $read$;"
  /* Words of three or more characters: pg_trgm when the server has it and a role that
   * may install it opens the ledger (tried at every opening until then); without it the
   * same queries scan. */
  "DO $trgm$ BEGIN"
  " IF to_regclass ('bills_pg_text_trgm') IS NOT NULL THEN RETURN; END IF;"
  " IF NOT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm') THEN"
  "  BEGIN CREATE EXTENSION pg_trgm;"
  "  EXCEPTION WHEN OTHERS THEN RAISE NOTICE 'pg_trgm: %', SQLERRM; RETURN; END;"
  " END IF;"
  " BEGIN EXECUTE $idx$CREATE INDEX IF NOT EXISTS bills_pg_text_trgm ON bills"
  "  USING gin (" SEARCH_TEXT ("") " gin_trgm_ops)$idx$;"
  "  ALTER INDEX bills_pg_text_trgm ALTER COLUMN 1 SET STATISTICS 1000;"
  " EXCEPTION WHEN OTHERS THEN RAISE NOTICE 'bills_pg_text_trgm: %', SQLERRM; END;"
  " END $trgm$;";

/* ------------------------------------------------------------------------ */
/* Query building                                                           */
/* ------------------------------------------------------------------------ */

typedef struct
{
  GString    *sql;
  PmPgParams  params;
} PgSql;

static void
pg_sql_init (PgSql      *q,
             const char *start)
{
  q->sql = g_string_new (start);
  pm_pg_params_init (&q->params);
}

static void
pg_sql_clear (PgSql *q)
{
  if (q->sql != NULL)
    {
      g_string_free (q->sql, TRUE);
      q->sql = NULL;
      pm_pg_params_clear (&q->params);
    }
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (PgSql, pg_sql_clear)

/* Appends "$n" for a text value. */
static void
arg_text (PgSql      *q,
          const char *value)
{
  pm_pg_params_text (&q->params, value);
  g_string_append_printf (q->sql, "$%u::text", q->params.values->len);
}

/* Appends "$n" for an integer. */
static void
arg_int (PgSql   *q,
         gint64   value)
{
  pm_pg_params_int64 (&q->params, value);
  g_string_append_printf (q->sql, "$%u::bigint", q->params.values->len);
}

static void
arg_limit (PgSql  *q,
           gint64  limit)
{
  if (limit < 0)
    pm_pg_params_text_or_null (&q->params, NULL);
  else
    pm_pg_params_int64 (&q->params, limit);
  g_string_append_printf (q->sql, "$%u::bigint", q->params.values->len);
}

static PGresult *
pg_sql_run (PmLedger  *self,
            PgSql     *q,
            GError   **error)
{
  return pm_ledger_pg_exec (self, q->sql->str, &q->params, error);
}

static gboolean
has_text (const PmLedgerQuery *query)
{
  return query->text != NULL && *query->text != '\0';
}

static gboolean
has_profile (const char *profile_id)
{
  return profile_id != NULL && *profile_id != '\0';
}

static char *
today_of (const PmLedgerQuery *query)
{
  if (query->today != NULL && *query->today != '\0')
    return g_strdup (query->today);
  return pm_bill_korea_date (pm_ledger_now_utc ());
}

/* ---- search words (read as pm-ledger-select.c reads them: pm_ledger_search_word) ---- */

typedef struct
{
  gboolean digits;   /* only ASCII digits */
  gboolean alnum;    /* only ASCII letters and digits */
  gboolean letter;   /* some ASCII letter */
} WordKind;

static WordKind
word_kind (const char *word)
{
  WordKind kind = { TRUE, TRUE, FALSE };

  for (const char *p = word; *p != '\0'; p++)
    {
      kind.digits = kind.digits && g_ascii_isdigit (*p);
      kind.alnum = kind.alnum && g_ascii_isalnum (*p);
      kind.letter = kind.letter || g_ascii_isalpha (*p);
    }
  return kind;
}

/* "(<column> >= $a AND <column> < $b)": the strings starting with @start, byte-wise. */
static void
add_range (PgSql      *q,
           const char *column,
           const char *start)
{
  g_autofree char *end = g_strconcat (start, "\xf4\x8f\xbf\xbf", NULL);

  g_string_append_printf (q->sql, "(%s COLLATE \"C\" >= ", column);
  arg_text (q, start);
  g_string_append_printf (q->sql, " AND %s COLLATE \"C\" < ", column);
  arg_text (q, end);
  g_string_append (q->sql, ")");
}

/* A word read as a start (or of one or two characters): its phone, product or bill-id
 * range, or the payer names that hold it. */
static void
add_start_word (PgSql      *q,
                const char *word)
{
  WordKind kind = word_kind (word);

  g_string_append (q->sql, " AND (");
  if (kind.digits)
    add_range (q, "b.phone", word);
  else
    {
      if (g_utf8_strlen (word, -1) <= 2)
        {
          g_autofree char *gram = g_ascii_strdown (word, -1);

          g_string_append (q->sql, "paymint_name_grams (b.payer_name) @> ARRAY[");
          arg_text (q, gram);
          g_string_append (q->sql, "]");
        }
      else
        {
          /* letters and digits (nothing LIKE reads specially): the names holding its
           * first pair, then holding it, ASCII case folded as SQLite's LIKE folds */
          g_autofree char *pair = g_ascii_strdown (word, 2);
          g_autofree char *lower = g_ascii_strdown (word, -1);
          g_autofree char *like = g_strdup_printf ("%%%s%%", lower);

          g_string_append (q->sql, "(paymint_name_grams (b.payer_name) @> ARRAY[");
          arg_text (q, pair);
          g_string_append (q->sql, "] AND translate (b.payer_name, " ASCII_UPPER ", "
                                   ASCII_LOWER ") LIKE ");
          arg_text (q, like);
          g_string_append (q->sql, ")");
        }
      g_string_append (q->sql, " OR ");
      add_range (q, "b.product", word);
    }
  if (kind.alnum)
    {
      g_autofree char *upper = g_ascii_strup (word, -1);

      g_string_append (q->sql, " OR ");
      add_range (q, "b.bill_id", upper);
    }
  g_string_append (q->sql, ")");
}

/* A word of 3+ characters anywhere in the four columns, case-insensitively. */
static void
add_inside_word (PgSql      *q,
                 const char *word)
{
  g_autoptr(GString) like = g_string_new ("%");

  for (const char *p = word; *p != '\0'; p++)
    {
      if (*p == '%' || *p == '_' || *p == '\\')
        g_string_append_c (like, '\\');
      g_string_append_c (like, *p);
    }
  g_string_append_c (like, '%');
  g_string_append (q->sql, " AND " SEARCH_TEXT ("b.") " ILIKE ");
  arg_text (q, like->str);
}

/* Every word of the text, ANDed (" AND …"). Text that is not UTF-8 matches nothing. */
static void
add_text (PgSql      *q,
          const char *text)
{
  g_auto(GStrv) words = pm_ledger_search_words (text);

  if (words == NULL)
    {
      g_string_append (q->sql, " AND FALSE");
      return;
    }
  for (guint i = 0; words[i] != NULL; i++)
    {
      if (pm_ledger_search_word_is_inside (words[i]))
        add_inside_word (q, words[i]);
      else
        add_start_word (q, words[i]);
    }
}

/* The state bits: PM_LEDGER_STATE_BIT (UNPAID) is unpaid and not expired, EXPIRED unpaid
 * and past its expire date (Korea time), both every unpaid bill. */
static void
add_states (PgSql               *q,
            const PmLedgerQuery *query)
{
  gboolean unpaid = (query->states & PM_LEDGER_STATE_BIT (PM_BILL_STATE_UNPAID)) != 0;
  gboolean expired = (query->states & PM_LEDGER_STATE_EXPIRED) != 0;
  guint n = 0;

  if (query->states == PM_LEDGER_STATES_ALL)
    return;
  g_string_append (q->sql, " AND (b.state IN (");
  for (int s = PM_BILL_STATE_QUEUED; s < PM_BILL_N_STATES; s++)
    {
      if ((query->states & PM_LEDGER_STATE_BIT (s)) == 0)
        continue;
      if (s == PM_BILL_STATE_UNPAID && !expired)
        continue;
      if (n++ > 0)
        g_string_append (q->sql, ", ");
      arg_text (q, pm_bill_state_to_string (s));
    }
  if (n == 0)
    g_string_append (q->sql, "NULL");
  g_string_append (q->sql, ")");
  if (unpaid != expired)
    {
      g_autofree char *today = today_of (query);

      g_string_append (q->sql, " OR (b.state = 'unpaid' AND ");
      if (expired)
        g_string_append (q->sql, "b.expire_date <> '' AND b.expire_date COLLATE \"C\" < ");
      else
        g_string_append (q->sql, "(b.expire_date = '' OR b.expire_date COLLATE \"C\" >= ");
      arg_text (q, today);
      g_string_append (q->sql, expired ? ")" : "))");
    }
  g_string_append (q->sql, ")");
}

/* " FROM bills b WHERE …": the query's filter, not its window. */
static void
add_from_where (PgSql               *q,
                const PmLedgerQuery *query)
{
  g_string_append (q->sql, " FROM bills b WHERE TRUE");
  if (has_profile (query->profile_id))
    {
      g_string_append (q->sql, " AND b.profile_id = ");
      arg_text (q, query->profile_id);
    }
  add_states (q, query);
  if (query->created_from != 0)
    {
      g_string_append (q->sql, " AND b.created_at >= ");
      arg_int (q, query->created_from);
    }
  if (query->created_to != 0)
    {
      g_string_append (q->sql, " AND b.created_at < ");
      arg_int (q, query->created_to);
    }
  if (has_text (query))
    add_text (q, query->text);
}

/* A sort key: its expression (byte-wise for text) and the type of its value. */
typedef struct
{
  const char *expr;
  const char *cast;
} SortKey;

/* The keys of a sort before the final tie-break on b.id, as pm-ledger-select.c's. */
static guint
sort_keys (const PmLedgerQuery *query,
           SortKey              keys[2])
{
  switch (query->sort)
    {
    case PM_LEDGER_SORT_PAYER:
      keys[0] = (SortKey) { "b.payer_name COLLATE \"C\"", "text" };
      return 1;
    case PM_LEDGER_SORT_AMOUNT:
      keys[0] = (SortKey) { "b.price", "bigint" };
      return 1;
    case PM_LEDGER_SORT_STATE:
      keys[0] = (SortKey) { STATE_RANK_EXPR, "integer" };
      keys[1] = (SortKey) { "b.created_at", "bigint" };
      return 2;
    case PM_LEDGER_SORT_EXPIRE_DATE:
      keys[0] = (SortKey) { "b.expire_date COLLATE \"C\"", "text" };
      return 1;
    case PM_LEDGER_SORT_LAST_CHECKED:
      keys[0] = (SortKey) { "b.last_checked_at", "bigint" };
      return 1;
    case PM_LEDGER_SORT_CREATED_AT:
    default:
      keys[0] = (SortKey) { "b.created_at", "bigint" };
      return 1;
    }
}

static void
add_order (PgSql               *q,
           const PmLedgerQuery *query)
{
  const char *dir = query->descending ? "DESC" : "ASC";
  SortKey keys[2];
  guint n_keys = sort_keys (query, keys);

  g_string_append (q->sql, " ORDER BY ");
  for (guint i = 0; i < n_keys; i++)
    g_string_append_printf (q->sql, "%s %s, ", keys[i].expr, dir);
  g_string_append_printf (q->sql, "b.id %s", dir);
}

/* The query's window with a page inside it: OFFSET and LIMIT (-1: none). */
static void
window (const PmLedgerQuery *query,
        guint                offset,
        guint                limit,
        gint64              *sql_offset,
        gint64              *sql_limit)
{
  gint64 lim = limit == 0 ? -1 : (gint64) limit;

  if (query->limit != 0)
    {
      gint64 left = MAX ((gint64) query->limit - (gint64) offset, 0);

      lim = lim < 0 ? left : MIN (lim, left);
    }
  *sql_offset = (gint64) query->offset + offset;
  *sql_limit = lim;
}

static void
fetch_sql (PgSql               *q,
           const char          *start,
           const PmLedgerQuery *query,
           guint                offset,
           guint                limit)
{
  gint64 sql_offset, sql_limit;

  window (query, offset, limit, &sql_offset, &sql_limit);
  pg_sql_init (q, start);
  g_string_append (q->sql, "SELECT " BILL_COLUMNS);
  add_from_where (q, query);
  add_order (q, query);
  g_string_append (q->sql, " LIMIT ");
  arg_limit (q, sql_limit);
  g_string_append (q->sql, " OFFSET ");
  arg_int (q, sql_offset);
}

/* One snapshot for the reads that follow, unless a transaction of this connection is
 * open already (its reads are consistent; it is its owner's to end). */
static gboolean
snapshot_begin (PmLedger  *self,
                gboolean  *began,
                GError   **error)
{
  *began = FALSE;
  if (PM_LEDGER_PG (self)->in_transaction)
    return TRUE;
  if (!pm_ledger_begin_snapshot (self, error))
    return FALSE;
  *began = TRUE;
  return TRUE;
}

static void
snapshot_end (PmLedger *self,
              gboolean  began)
{
  if (began)
    pm_ledger_end_snapshot (self);
}

/* ------------------------------------------------------------------------ */
/* Reads                                                                    */
/* ------------------------------------------------------------------------ */

/* ---- counts and totals of a profile and states, without reading the bills ---- */

static gboolean
query_is_plain (const PmLedgerQuery *query)
{
  return !has_text (query) && query->created_from == 0 && query->created_to == 0;
}

static gboolean
bucket_selected (const PmLedgerQuery *query,
                 guint                bucket)
{
  if (query->states == PM_LEDGER_STATES_ALL)
    return TRUE;
  if (bucket == PM_LEDGER_BUCKET_EXPIRED)
    return (query->states & PM_LEDGER_STATE_EXPIRED) != 0;
  return (query->states & PM_LEDGER_STATE_BIT (bucket)) != 0;
}

#define FOLD_AT 512

/* When the count deltas are many, folds them into one row per profile and state. Two
 * desks folding at once fold disjoint rows (the second skips what the first deleted).
 * Not inside a transaction (it may be a read-only snapshot), nor on a reader. */
static void
fold_counts (PmLedger *self)
{
  PmLedgerPg *pg = PM_LEDGER_PG (self);
  g_autoptr(PGresult) res = NULL;
  PmPgParams params;

  if (pg->in_transaction || pg->read_only)
    return;
  pm_pg_params_init (&params);
  res = pm_ledger_pg_exec (self, "SELECT count (*) FROM (SELECT 1 FROM paymint_bill_counts"
                                 " LIMIT " G_STRINGIFY (FOLD_AT) ") AS d", &params, NULL);
  if (res != NULL && pm_pg_int64 (res, 0, 0) >= FOLD_AT)
    pm_ledger_pg_command (self, "WITH gone AS (DELETE FROM paymint_bill_counts RETURNING *)"
                                " INSERT INTO paymint_bill_counts"
                                " SELECT profile_id, state, sum (n), sum (won) FROM gone"
                                " GROUP BY 1, 2 HAVING sum (n) <> 0 OR sum (won) <> 0",
                          &params, NULL);
  pm_pg_params_clear (&params);
}

/* Totals of every bucket for the query's profile: the count deltas, and one range of
 * the unpaid index (the unpaid bills not expired yet). */
static gboolean
plain_totals (PmLedger             *self,
              const PmLedgerQuery  *query,
              PmLedgerTotals       *totals,
              GError              **error)
{
  g_auto(PgSql) q = { 0 };
  g_auto(PgSql) fresh = { 0 };
  g_autoptr(PGresult) res = NULL;
  g_autoptr(PGresult) fresh_res = NULL;
  g_autofree char *today = today_of (query);
  PmLedgerTotal *unpaid = &totals->by_state[PM_BILL_STATE_UNPAID];
  PmLedgerTotal *expired = &totals->by_state[PM_LEDGER_BUCKET_EXPIRED];
  gint64 fresh_count, fresh_won;

  memset (totals, 0, sizeof *totals);
  fold_counts (self);

  pg_sql_init (&q, "SELECT state, sum (n), sum (won) FROM paymint_bill_counts");
  if (has_profile (query->profile_id))
    {
      g_string_append (q.sql, " WHERE profile_id = ");
      arg_text (&q, query->profile_id);
    }
  g_string_append (q.sql, " GROUP BY state");
  res = pg_sql_run (self, &q, error);
  if (res == NULL)
    return FALSE;
  for (int i = 0; i < PQntuples (res); i++)
    {
      PmBillState state;

      if (!pm_bill_state_from_string (pm_pg_text (res, i, 0), &state))
        continue;
      totals->by_state[state].count += pm_pg_int64 (res, i, 1);
      totals->by_state[state].won += pm_pg_int64 (res, i, 2);
    }

  /* unpaid bills split into expired and not, when either is wanted */
  if (bucket_selected (query, PM_BILL_STATE_UNPAID)
      || bucket_selected (query, PM_LEDGER_BUCKET_EXPIRED))
    {
      pg_sql_init (&fresh, "SELECT count (*), coalesce (sum (b.price), 0) FROM bills b"
                           " WHERE b.state = 'unpaid'");
      if (has_profile (query->profile_id))
        {
          g_string_append (fresh.sql, " AND b.profile_id = ");
          arg_text (&fresh, query->profile_id);
        }
      g_string_append (fresh.sql, " AND (b.expire_date = '' OR b.expire_date COLLATE \"C\" >= ");
      arg_text (&fresh, today);
      g_string_append (fresh.sql, ")");
      fresh_res = pg_sql_run (self, &fresh, error);
      if (fresh_res == NULL)
        return FALSE;
      fresh_count = pm_pg_int64 (fresh_res, 0, 0);
      fresh_won = pm_pg_int64 (fresh_res, 0, 1);
      expired->count = unpaid->count - fresh_count;
      expired->won = unpaid->won - fresh_won;
      unpaid->count = fresh_count;
      unpaid->won = fresh_won;
    }

  for (guint b = 0; b < PM_LEDGER_N_BUCKETS; b++)
    {
      if (!bucket_selected (query, b))
        totals->by_state[b] = (PmLedgerTotal) { 0 };
      totals->all.count += totals->by_state[b].count;
      totals->all.won += totals->by_state[b].won;
    }
  return TRUE;
}

gboolean
pm_ledger_pg_count (PmLedger             *self,
                    const PmLedgerQuery  *query,
                    guint                *n_bills,
                    GError              **error)
{
  g_auto(PgSql) q = { 0 };
  g_autoptr(PGresult) res = NULL;
  gint64 count;

  if (query_is_plain (query))
    {
      PmLedgerTotals totals;

      if (!plain_totals (self, query, &totals, error))
        return FALSE;
      count = totals.all.count;
    }
  else
    {
      pg_sql_init (&q, "SELECT count (*)");
      add_from_where (&q, query);
      res = pg_sql_run (self, &q, error);
      if (res == NULL)
        return FALSE;
      count = pm_pg_int64 (res, 0, 0);
    }
  count = MAX (count - (gint64) query->offset, 0);
  if (query->limit != 0)
    count = MIN (count, (gint64) query->limit);
  *n_bills = (guint) MIN (count, (gint64) G_MAXUINT);
  return TRUE;
}

GPtrArray *
pm_ledger_pg_fetch (PmLedger             *self,
                    const PmLedgerQuery  *query,
                    guint                 offset,
                    guint                 limit,
                    GError              **error)
{
  g_auto(PgSql) q = { 0 };
  g_autoptr(PGresult) res = NULL;
  GPtrArray *bills;
  int n_rows;

  fetch_sql (&q, "", query, offset, limit);
  res = pg_sql_run (self, &q, error);
  if (res == NULL)
    return NULL;
  n_rows = PQntuples (res);
  bills = g_ptr_array_new_full ((guint) n_rows, g_object_unref);
  for (int i = 0; i < n_rows; i++)
    g_ptr_array_add (bills, pm_ledger_pg_bill_from_row (res, i));
  return bills;
}

gboolean
pm_ledger_pg_totals (PmLedger             *self,
                     const PmLedgerQuery  *query,
                     PmLedgerTotals       *totals,
                     GError              **error)
{
  g_auto(PgSql) q = { 0 };
  g_autoptr(PGresult) res = NULL;
  g_autofree char *today = NULL;

  if (query_is_plain (query) && query->offset == 0 && query->limit == 0)
    return plain_totals (self, query, totals, error);

  memset (totals, 0, sizeof *totals);
  today = today_of (query);
  pg_sql_init (&q, "SELECT b.state, b.state = 'unpaid' AND b.expire_date <> ''"
                   " AND b.expire_date COLLATE \"C\" < ");
  arg_text (&q, today);
  g_string_append (q.sql, ", count (*), coalesce (sum (b.price), 0)");
  if (query->offset != 0 || query->limit != 0)
    {
      gint64 sql_offset, sql_limit;

      window (query, 0, 0, &sql_offset, &sql_limit);
      g_string_append (q.sql, " FROM (SELECT b.state, b.expire_date, b.price");
      add_from_where (&q, query);
      add_order (&q, query);
      g_string_append (q.sql, " LIMIT ");
      arg_limit (&q, sql_limit);
      g_string_append (q.sql, " OFFSET ");
      arg_int (&q, sql_offset);
      g_string_append (q.sql, ") AS b");
    }
  else
    add_from_where (&q, query);
  g_string_append (q.sql, " GROUP BY 1, 2");

  res = pg_sql_run (self, &q, error);
  if (res == NULL)
    return FALSE;
  for (int i = 0; i < PQntuples (res); i++)
    {
      PmBillState state;
      gint64 count = pm_pg_int64 (res, i, 2);
      gint64 won = pm_pg_int64 (res, i, 3);
      guint bucket;

      if (!pm_bill_state_from_string (pm_pg_text (res, i, 0), &state))
        continue;
      bucket = g_str_equal (pm_pg_text (res, i, 1), "t") ? PM_LEDGER_BUCKET_EXPIRED
                                                         : (guint) state;
      totals->by_state[bucket].count += count;
      totals->by_state[bucket].won += won;
      totals->all.count += count;
      totals->all.won += won;
    }
  return TRUE;
}

gboolean
pm_ledger_pg_locate (PmLedger             *self,
                     const PmLedgerQuery  *query,
                     const char           *bill_id,
                     gboolean             *selected,
                     guint                *position,
                     GError              **error)
{
  g_auto(PgSql) q = { 0 };
  g_auto(PgSql) before = { 0 };
  g_autoptr(PGresult) res = NULL;
  g_autoptr(PGresult) counted = NULL;
  SortKey keys[2];
  guint n_keys = sort_keys (query, keys);
  gint64 count;

  *selected = FALSE;
  *position = 0;

  pg_sql_init (&q, "SELECT ");
  for (guint i = 0; i < n_keys; i++)
    g_string_append_printf (q.sql, "%s, ", keys[i].expr);
  g_string_append (q.sql, "b.id");
  add_from_where (&q, query);
  g_string_append (q.sql, " AND b.bill_id = ");
  arg_text (&q, bill_id);
  res = pg_sql_run (self, &q, error);
  if (res == NULL)
    return FALSE;
  if (PQntuples (res) == 0)
    return TRUE;

  /* the rows before it: (keys…, id) compared as a row, one range of the sort index */
  pg_sql_init (&before, "SELECT count (*)");
  add_from_where (&before, query);
  g_string_append (before.sql, " AND (");
  for (guint i = 0; i < n_keys; i++)
    g_string_append_printf (before.sql, "%s, ", keys[i].expr);
  g_string_append_printf (before.sql, "b.id) %s (", query->descending ? ">" : "<");
  for (guint i = 0; i < n_keys; i++)
    {
      pm_pg_params_text (&before.params, pm_pg_text (res, 0, (int) i));
      g_string_append_printf (before.sql, "$%u::%s, ", before.params.values->len,
                              keys[i].cast);
    }
  arg_int (&before, pm_pg_int64 (res, 0, (int) n_keys));
  g_string_append (before.sql, ")");
  counted = pg_sql_run (self, &before, error);
  if (counted == NULL)
    return FALSE;
  count = pm_pg_int64 (counted, 0, 0);

  if (count < (gint64) query->offset
      || (query->limit != 0 && count >= (gint64) query->offset + query->limit))
    return TRUE;
  *selected = TRUE;
  *position = (guint) (count - query->offset);
  return TRUE;
}

GPtrArray *
pm_ledger_pg_recent_payers (PmLedger    *self,
                            const char  *profile_id,
                            const char  *prefix,
                            guint        limit,
                            GError     **error)
{
  g_auto(PgSql) q = { 0 };
  g_autoptr(PGresult) res = NULL;
  g_autoptr(GPtrArray) payers = NULL;
  g_autoptr(GHashTable) seen = NULL;

  pg_sql_init (&q, "SELECT b.profile_id, b.payer_name, b.phone, b.created_at FROM bills b"
                   " WHERE b.payer_name <> ''");
  if (has_profile (profile_id))
    {
      g_string_append (q.sql, " AND b.profile_id = ");
      arg_text (&q, profile_id);
    }
  if (prefix != NULL && *prefix != '\0')
    {
      g_autofree char *word = pm_ledger_search_word (prefix);

      g_string_append (q.sql, " AND (");
      add_range (&q, "b.payer_name", word);
      g_string_append (q.sql, " OR ");
      add_range (&q, "b.phone", word);
      g_string_append (q.sql, ")");
    }
  /* a bounded number of the newest matching bills, for distinct payers */
  g_string_append (q.sql, " ORDER BY b.created_at DESC, b.id DESC LIMIT 5000");
  res = pg_sql_run (self, &q, error);
  if (res == NULL)
    return NULL;

  payers = g_ptr_array_new_with_free_func ((GDestroyNotify) pm_ledger_payer_free);
  seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  for (int i = 0; i < PQntuples (res); i++)
    {
      PmLedgerPayer *payer;

      if (!g_hash_table_add (seen, g_strconcat (pm_pg_text (res, i, 1), "\n",
                                                pm_pg_text (res, i, 2), NULL)))
        continue;
      payer = g_new0 (PmLedgerPayer, 1);
      payer->profile_id = g_strdup (pm_pg_text (res, i, 0));
      payer->name = g_strdup (pm_pg_text (res, i, 1));
      payer->phone = g_strdup (pm_pg_text (res, i, 2));
      payer->at = pm_pg_int64 (res, i, 3);
      g_ptr_array_add (payers, payer);
      if (limit != 0 && payers->len >= limit)
        break;
    }
  return g_steal_pointer (&payers);
}

/* ------------------------------------------------------------------------ */
/* CSV export                                                               */
/* ------------------------------------------------------------------------ */


typedef struct
{
  GOutputStream *stream;
  GCancellable  *cancellable;
  GTimeZone     *korea;
  char          *today;
  GString       *out;
  guint64        n_rows;
} CsvExport;

static gboolean
csv_page_cb (GPtrArray  *bills,
             gpointer    user_data,
             GError    **error)
{
  CsvExport *csv = user_data;
  gboolean ok;

  for (guint i = 0; i < bills->len; i++)
    pm_ledger_csv_append_bill (csv->out, g_ptr_array_index (bills, i), csv->korea, csv->today);
  csv->n_rows += bills->len;
  ok = g_output_stream_write_all (csv->stream, csv->out->str, csv->out->len, NULL,
                                  csv->cancellable, error);
  g_string_truncate (csv->out, 0);
  return ok;
}

#define CSV_PAGE 256

/* Rows of the query, a page at a time, through a cursor: one statement (the server
 * sorts once, as SQLite's export steps through one), at most a page in memory. */
static gboolean
export_rows (PmLedger            *self,
             const PmLedgerQuery *query,
             CsvExport           *csv,
             GError             **error)
{
  g_auto(PgSql) q = { 0 };
  g_autoptr(PGresult) declared = NULL;
  PmPgParams none;
  gboolean ok = TRUE;

  fetch_sql (&q, "DECLARE paymint_export NO SCROLL CURSOR FOR ", query, 0, 0);
  declared = pg_sql_run (self, &q, error);
  if (declared == NULL)
    return FALSE;
  pm_pg_params_init (&none);
  while (ok)
    {
      g_autoptr(PGresult) page = NULL;
      g_autoptr(GPtrArray) bills = NULL;
      int n;

      if (g_cancellable_set_error_if_cancelled (csv->cancellable, NULL))
        {
          g_set_error_literal (error, PM_ERROR, PM_ERROR_CANCELLED,
                               pm_error_code_get_message (PM_ERROR_CANCELLED));
          ok = FALSE;
          break;
        }
      page = pm_ledger_pg_exec (self, "FETCH " G_STRINGIFY (CSV_PAGE) " FROM paymint_export",
                                &none, error);
      if (page == NULL)
        {
          ok = FALSE;
          break;
        }
      n = PQntuples (page);
      if (n == 0)
        break;
      bills = g_ptr_array_new_full ((guint) n, g_object_unref);
      for (int i = 0; i < n; i++)
        g_ptr_array_add (bills, pm_ledger_pg_bill_from_row (page, i));
      ok = csv_page_cb (bills, csv, error);
    }
  pm_ledger_pg_command (self, "CLOSE paymint_export", &none, NULL);
  pm_pg_params_clear (&none);
  return ok;
}

gboolean
pm_ledger_pg_export_csv (PmLedger             *self,
                         const PmLedgerQuery  *query,
                         GOutputStream        *stream,
                         guint64              *n_rows,
                         GCancellable         *cancellable,
                         GError              **error)
{
  CsvExport csv = { stream, cancellable, NULL, NULL, NULL, 0 };
  gboolean began, ok;

  /* one snapshot (a cursor lives in a transaction): a bill another desk changes
   * meanwhile is written as it was */
  if (!snapshot_begin (self, &began, error))
    return FALSE;
  csv.korea = pm_bill_korea_time_zone ();
  csv.today = today_of (query);
  csv.out = g_string_sized_new (CSV_PAGE * 256);
  g_string_append (csv.out, "\xef\xbb\xbf");
  g_string_append (csv.out, pm_ledger_csv_header);
  ok = export_rows (self, query, &csv, error);
  /* no bill at all: the header alone */
  if (ok && csv.out->len > 0)
    ok = g_output_stream_write_all (stream, csv.out->str, csv.out->len, NULL, cancellable,
                                    error);
  snapshot_end (self, began);
  g_string_free (csv.out, TRUE);
  g_free (csv.today);
  g_time_zone_unref (csv.korea);
  if (ok && n_rows != NULL)
    *n_rows = csv.n_rows;
  return ok;
}

/* ------------------------------------------------------------------------ */
/* Summary                                                                  */
/* ------------------------------------------------------------------------ */

#define SECONDS_PER_DAY 86400

/* Per Korea day (created-at shifted by $1 seconds), state and expiry: the period's bills
 * the server has. */
static const char period_sql[] =
  "SELECT (b.created_at + $1::bigint) / 86400, b.state,"
  "  b.state = 'unpaid' AND b.expire_date <> '' AND b.expire_date COLLATE \"C\" < $2::text,"
  "  count (*), coalesce (sum (b.price), 0),"
  "  coalesce (sum (CASE WHEN b.appr_price > 0 THEN b.appr_price ELSE b.price END), 0)"
  " FROM bills b"
  " WHERE b.profile_id = $3::text AND b.state IN ('unpaid', 'paid', 'cancelled', 'destroyed')"
  "   AND b.created_at >= $4::bigint AND b.created_at < $5::bigint"
  " GROUP BY 1, 2, 3";

/* Every unpaid bill of the profile, by age ($2: a week ago, $3: a month ago), and the
 * oldest; whether the profile has any bill. One read of the (profile, state) range. */
static const char ages_sql[] =
  "SELECT count (*) FILTER (WHERE b.created_at >= $2::bigint),"
  "  coalesce (sum (b.price) FILTER (WHERE b.created_at >= $2::bigint), 0),"
  "  count (*) FILTER (WHERE b.created_at >= $3::bigint AND b.created_at < $2::bigint),"
  "  coalesce (sum (b.price) FILTER (WHERE b.created_at >= $3::bigint"
  "    AND b.created_at < $2::bigint), 0),"
  "  count (*) FILTER (WHERE b.created_at < $3::bigint),"
  "  coalesce (sum (b.price) FILTER (WHERE b.created_at < $3::bigint), 0),"
  "  min (b.created_at),"
  "  EXISTS (SELECT 1 FROM bills x WHERE x.profile_id = $1::text)"
  " FROM bills b WHERE b.profile_id = $1::text AND b.state = 'unpaid'";

static gint64
korea_midnight_of (GTimeZone *korea,
                   int        year,
                   int        month,
                   int        day)
{
  g_autoptr(GDateTime) local = g_date_time_new (korea, year, month, day, 0, 0, 0);

  return local != NULL ? g_date_time_to_unix (local) : 0;
}

static void
summary_add (PmLedgerTotal *total,
             gint64         count,
             gint64         won)
{
  total->count += count;
  total->won += won;
}

static gboolean
summary_period (PmLedger         *self,
                const char       *profile_id,
                PmLedgerSummary  *summary,
                GTimeZone        *korea,
                GError          **error)
{
  g_autoptr(GDateTime) from_utc = g_date_time_new_from_unix_utc (summary->from);
  g_autoptr(GDateTime) from_local = g_date_time_to_timezone (from_utc, korea);
  gint64 offset = g_date_time_get_utc_offset (from_local) / G_USEC_PER_SEC;
  gint64 first_day = (summary->from + offset) / SECONDS_PER_DAY;
  g_autofree char *today = pm_bill_korea_date (summary->now);
  g_autoptr(PGresult) res = NULL;
  PmPgParams params;

  pm_pg_params_init (&params);
  pm_pg_params_int64 (&params, offset);
  pm_pg_params_text (&params, today);
  pm_pg_params_text (&params, profile_id);
  pm_pg_params_int64 (&params, summary->from);
  pm_pg_params_int64 (&params, summary->to);
  res = pm_ledger_pg_exec (self, period_sql, &params, error);
  pm_pg_params_clear (&params);
  if (res == NULL)
    return FALSE;

  for (int i = 0; i < PQntuples (res); i++)
    {
      gint64 day = pm_pg_int64 (res, i, 0);
      const char *state = pm_pg_text (res, i, 1);
      gboolean expired = g_str_equal (pm_pg_text (res, i, 2), "t");
      gint64 count = pm_pg_int64 (res, i, 3);
      gint64 won = pm_pg_int64 (res, i, 4);
      gint64 approved = pm_pg_int64 (res, i, 5);
      PmSummaryPoint *point;
      guint index;

      if (summary->span == PM_SUMMARY_SPAN_MONTH)
        index = (guint) CLAMP (day - first_day, 0, (gint64) summary->n_points - 1);
      else
        {
          GDate date;

          g_date_clear (&date, 1);
          g_date_set_dmy (&date, 1, G_DATE_JANUARY, 1970);
          g_date_add_days (&date, (guint) day);
          index = (guint) g_date_get_month (&date) - 1;
        }
      point = &summary->points[index];

      summary_add (&summary->sent, count, won);
      point->sent_count += count;
      point->sent_won += won;
      if (g_str_equal (state, "paid"))
        {
          summary_add (&summary->paid, count, approved);
          point->paid_count += count;
          point->paid_won += approved;
        }
      else if (g_str_equal (state, "cancelled"))
        summary_add (&summary->refunded, count, approved);
      else if (g_str_equal (state, "destroyed"))
        summary_add (&summary->voided, count, won);
      else
        {
          summary_add (&summary->outstanding, count, won);
          if (expired)
            summary_add (&summary->expired, count, won);
        }
    }
  return TRUE;
}

static gboolean
summary_ages (PmLedger         *self,
              const char       *profile_id,
              PmLedgerSummary  *summary,
              GTimeZone        *korea,
              GError          **error)
{
  g_autoptr(GDateTime) now_utc = g_date_time_new_from_unix_utc (summary->now);
  g_autoptr(GDateTime) now_local = g_date_time_to_timezone (now_utc, korea);
  g_autoptr(GDateTime) midnight = NULL;
  g_autoptr(PGresult) res = NULL;
  gint64 week, month, end;
  PmPgParams params;

  /* whole Korea days: a bill sent 7 days ago, at any time of that day, is 7 days old */
  midnight = g_date_time_new (korea, g_date_time_get_year (now_local),
                              g_date_time_get_month (now_local),
                              g_date_time_get_day_of_month (now_local), 0, 0, 0);
  {
    g_autoptr(GDateTime) w = g_date_time_add_days (midnight, -7);
    g_autoptr(GDateTime) m = g_date_time_add_days (midnight, -30);
    g_autoptr(GDateTime) t = g_date_time_add_days (midnight, 1);

    week = g_date_time_to_unix (w);
    month = g_date_time_to_unix (m);
    end = g_date_time_to_unix (t);
  }

  pm_pg_params_init (&params);
  pm_pg_params_text (&params, profile_id);
  pm_pg_params_int64 (&params, week);
  pm_pg_params_int64 (&params, month);
  res = pm_ledger_pg_exec (self, ages_sql, &params, error);
  pm_pg_params_clear (&params);
  if (res == NULL)
    return FALSE;

  /* a bill stamped later than now (another desk's clock) still counts as this week's */
  summary->age[PM_SUMMARY_AGE_WEEK].count = pm_pg_int64 (res, 0, 0);
  summary->age[PM_SUMMARY_AGE_WEEK].won = pm_pg_int64 (res, 0, 1);
  summary->age[PM_SUMMARY_AGE_MONTH].count = pm_pg_int64 (res, 0, 2);
  summary->age[PM_SUMMARY_AGE_MONTH].won = pm_pg_int64 (res, 0, 3);
  summary->age[PM_SUMMARY_AGE_OLDER].count = pm_pg_int64 (res, 0, 4);
  summary->age[PM_SUMMARY_AGE_OLDER].won = pm_pg_int64 (res, 0, 5);
  summary->has_bills = g_str_equal (pm_pg_text (res, 0, 7), "t");

  summary->age_from[PM_SUMMARY_AGE_WEEK] = week;
  summary->age_to[PM_SUMMARY_AGE_WEEK] = end;
  summary->age_from[PM_SUMMARY_AGE_MONTH] = month;
  summary->age_to[PM_SUMMARY_AGE_MONTH] = week;
  summary->age_from[PM_SUMMARY_AGE_OLDER] = month;
  summary->age_to[PM_SUMMARY_AGE_OLDER] = month;
  if (!PQgetisnull (res, 0, 6) && pm_pg_int64 (res, 0, 6) < month)
    {
      /* the Korea midnight of the oldest unpaid bill's day */
      g_autoptr(GDateTime) at = g_date_time_new_from_unix_utc (pm_pg_int64 (res, 0, 6));
      g_autoptr(GDateTime) local = g_date_time_to_timezone (at, korea);

      summary->age_from[PM_SUMMARY_AGE_OLDER] =
        korea_midnight_of (korea, g_date_time_get_year (local), g_date_time_get_month (local),
                           g_date_time_get_day_of_month (local));
    }
  return TRUE;
}

PmLedgerSummary *
pm_ledger_pg_summarize (PmLedger       *self,
                        const char     *profile_id,
                        PmSummarySpan   span,
                        int             year,
                        int             month,
                        gint64          now,
                        GError        **error)
{
  g_autoptr(PmLedgerSummary) summary = NULL;
  g_autoptr(GTimeZone) korea = pm_bill_korea_time_zone ();
  gboolean began, ok;

  g_return_val_if_fail (span == PM_SUMMARY_SPAN_MONTH || span == PM_SUMMARY_SPAN_YEAR, NULL);

  if (profile_id == NULL)
    profile_id = "";
  if (now == 0)
    now = pm_ledger_now_utc ();

  summary = g_new0 (PmLedgerSummary, 1);
  summary->span = span;
  summary->year = year;
  summary->month = span == PM_SUMMARY_SPAN_MONTH ? month : 0;
  summary->now = now;
  if (!pm_ledger_summary_period (span, year, month, &summary->from, &summary->to))
    {
      g_set_error (error, PM_ERROR, PM_ERROR_INVALID,
                   _("There is no such period to sum up: year %d, month %d."), year, month);
      return NULL;
    }
  summary->n_points = span == PM_SUMMARY_SPAN_MONTH
                      ? g_date_get_days_in_month ((GDateMonth) month, (GDateYear) year)
                      : 12;
  summary->points = g_new0 (PmSummaryPoint, summary->n_points);
  for (guint i = 0; i < summary->n_points; i++)
    {
      gint64 start = 0, end;

      if (span == PM_SUMMARY_SPAN_MONTH)
        start = korea_midnight_of (korea, year, month, (int) i + 1);
      else
        pm_ledger_summary_period (PM_SUMMARY_SPAN_MONTH, year, (int) i + 1, &start, &end);
      summary->points[i].start = start;
    }

  /* one snapshot: the figures add up while other desks write */
  if (!snapshot_begin (self, &began, error))
    return NULL;
  ok = summary_period (self, profile_id, summary, korea, error)
       && summary_ages (self, profile_id, summary, korea, error);
  snapshot_end (self, began);
  if (!ok)
    return NULL;
  return g_steal_pointer (&summary);
}

/* ------------------------------------------------------------------------ */
/* Plans                                                                    */
/* ------------------------------------------------------------------------ */

/* EXPLAIN of pm_ledger_fetch (@query, @offset, @limit) and of its count, one line per
 * plan line (tests and benchmarks). */
char *
pm_ledger_pg_explain (PmLedger            *self,
                      const PmLedgerQuery *query,
                      guint                offset,
                      guint                limit)
{
  g_autoptr(GString) plan = g_string_new (NULL);
  g_auto(PgSql) fetch = { 0 };
  g_auto(PgSql) count = { 0 };
  PgSql *shapes[2] = { &fetch, &count };

  fetch_sql (&fetch, "EXPLAIN ", query, offset, limit);
  pg_sql_init (&count, "EXPLAIN SELECT count (*)");
  add_from_where (&count, query);
  for (guint i = 0; i < G_N_ELEMENTS (shapes); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(PGresult) res = pg_sql_run (self, shapes[i], &error);

      if (res == NULL)
        {
          g_string_append_printf (plan, "(%s)\n", error->message);
          continue;
        }
      for (int row = 0; row < PQntuples (res); row++)
        g_string_append_printf (plan, "%s\n", pm_pg_text (res, row, 0));
    }
  return g_string_free (g_steal_pointer (&plan), FALSE);
}
