/* pm-ledger-select.c — reading the ledger: query building, counts, totals, pages,
 * lookups, and the CSV export of a query
 *
 * Copyright 2026 The Paymint Desk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "pm-ledger.h"
#include "pm-ledger-private.h"

#include "pm-error.h"
#include "pm-phone.h"

#include <string.h>
#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>

/* ------------------------------------------------------------------------ */
/* Query building                                                           */
/* ------------------------------------------------------------------------ */

typedef struct
{
  gboolean  is_text;
  char     *text;
  gint64    number;
} Bind;

typedef struct
{
  GString   *sql;
  GPtrArray *binds;
} Sql;

static void
bind_free (gpointer data)
{
  Bind *bind = data;

  g_free (bind->text);
  g_free (bind);
}

static void
sql_init (Sql        *sql,
          const char *start)
{
  sql->sql = g_string_new (start);
  sql->binds = g_ptr_array_new_with_free_func (bind_free);
}

static void
sql_clear (Sql *sql)
{
  if (sql->sql != NULL)
    g_string_free (sql->sql, TRUE);
  g_clear_pointer (&sql->binds, g_ptr_array_unref);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Sql, sql_clear)

static void
sql_text (Sql        *sql,
          const char *value)
{
  Bind *bind = g_new0 (Bind, 1);

  bind->is_text = TRUE;
  bind->text = g_strdup (value);
  g_ptr_array_add (sql->binds, bind);
}

static void
sql_int (Sql    *sql,
         gint64  value)
{
  Bind *bind = g_new0 (Bind, 1);

  bind->number = value;
  g_ptr_array_add (sql->binds, bind);
}

static sqlite3_stmt *
sql_prepare (PmLedger  *self,
             Sql       *sql,
             GError   **error)
{
  sqlite3_stmt *stmt;

  /* a search reads the text indexes: the bills they do not hold yet go in first */
  if ((strstr (sql->sql->str, "bills_fts") != NULL || strstr (sql->sql->str, "bill_grams") != NULL)
      && !pm_ledger_index_text (self, 0, NULL, error))
    return NULL;
  stmt = pm_ledger_prepare (self, sql->sql->str, error);
  if (stmt == NULL)
    return NULL;
  for (guint i = 0; i < sql->binds->len; i++)
    {
      Bind *bind = g_ptr_array_index (sql->binds, i);

      if (bind->is_text)
        sqlite3_bind_text (stmt, i + 1, bind->text, -1, SQLITE_TRANSIENT);
      else
        sqlite3_bind_int64 (stmt, i + 1, bind->number);
    }
  return stmt;
}

static char *
query_today (const PmLedgerQuery *query)
{
  if (query->today != NULL && *query->today != '\0')
    return g_strdup (query->today);
  return pm_bill_korea_date (pm_ledger_now_utc ());
}

/* A word of a search: digits written like a phone number ("010-1234", "+82 10…")
 * search by their digits. */
char *
pm_ledger_search_word (const char *word)
{
  GString *digits = g_string_new (NULL);
  gboolean phone_like = TRUE;

  for (const char *p = word; *p != '\0'; p++)
    {
      if (g_ascii_isdigit (*p))
        g_string_append_c (digits, *p);
      else if (*p != '-' && *p != '.' && *p != '+' && *p != '(' && *p != ')')
        phone_like = FALSE;
    }
  if (phone_like && digits->len >= 3 && digits->len != strlen (word))
    return g_string_free (digits, FALSE);
  g_string_free (digits, TRUE);
  return g_strdup (word);
}

/* The end of a BINARY range of strings starting with @prefix. */
static char *
prefix_end (const char *prefix)
{
  return g_strconcat (prefix, "\xf4\x8f\xbf\xbf", NULL);
}

/* A word of a search read as a prefix: the range of strings that start with it (as typed,
 * and upper-cased for bill ids), and what kind of word it is. */
typedef struct
{
  char     *end;         /* the end of the range starting with the word */
  char     *upper;       /* the word upper-cased (bill ids are) … */
  char     *upper_end;   /* … and the end of its range */
  gboolean  digits;      /* only digits: a phone number's start */
  gboolean  ascii_alnum; /* only ASCII letters and digits: maybe a bill id's start */
} PrefixWord;

static void
prefix_word_init (PrefixWord *w,
                  const char *word)
{
  w->end = prefix_end (word);
  w->upper = g_ascii_strup (word, -1);
  w->upper_end = prefix_end (w->upper);
  w->digits = w->ascii_alnum = TRUE;
  for (const char *p = word; *p != '\0'; p++)
    {
      w->digits = w->digits && g_ascii_isdigit (*p);
      w->ascii_alnum = w->ascii_alnum && g_ascii_isalnum (*p);
    }
}

static void
prefix_word_clear (PrefixWord *w)
{
  g_free (w->end);
  g_free (w->upper);
  g_free (w->upper_end);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (PrefixWord, prefix_word_clear)

/* A short word (or one better read as a prefix, use_prefix()): the ids of bills whose
 * payer name contains it, or whose phone, product or bill id starts with it, each read
 * from an index. */
static void
add_prefix_set (Sql        *sql,
                const char *word,
                const char *union_op)
{
  g_auto(PrefixWord) w = { 0 };

  prefix_word_init (&w, word);

  g_string_append (sql->sql, "SELECT id FROM (");
  if (w.digits)
    {
      g_string_append (sql->sql, "SELECT id FROM bills WHERE phone >= ? AND phone < ?");
      sql_text (sql, word);
      sql_text (sql, w.end);
    }
  else
    {
      /* The payer name: one or two characters anywhere in it, through bill_grams (schema
       * v4; a Korean given name, "영희" in "김영희", is no prefix); a longer word (a
       * bill-id-like one, letters and digits) anywhere in it through the trigram index. */
      if (g_utf8_strlen (word, -1) <= 2)
        {
          g_autofree char *gram = g_ascii_strdown (word, -1);

          g_string_append (sql->sql, "SELECT id FROM bill_grams WHERE gram = ?");
          sql_text (sql, gram);
        }
      else
        {
          /* use_prefix() words are ASCII letters and digits: nothing to escape. Names
           * holding the word's first pair (few: it looks like a bill id), then checked.
           * (The trigram index would read the postings of digit trigrams, which every
           * bill id and phone holds.) */
          g_autofree char *pair = g_ascii_strdown (word, 2);
          g_autofree char *like = g_strdup_printf ("%%%s%%", word);

          g_string_append (sql->sql, "SELECT g.id FROM bill_grams g CROSS JOIN bills b"
                                     " ON b.id = g.id WHERE g.gram = ? AND b.payer_name LIKE ?");
          sql_text (sql, pair);
          sql_text (sql, like);
        }
      g_string_append_printf (sql->sql,
                              " %s SELECT id FROM bills WHERE product >= ? AND product < ?",
                              union_op);
      sql_text (sql, word);
      sql_text (sql, w.end);
    }
  if (w.ascii_alnum)
    {
      g_string_append_printf (sql->sql,
                              " %s SELECT id FROM bills WHERE bill_id >= ? AND bill_id < ?",
                              union_op);
      sql_text (sql, w.upper);
      sql_text (sql, w.upper_end);
    }
  /* a set in id order: SQLite merges the sorted branches (the name's grams come in id
   * order) instead of building a temporary table of every match to drop repeats, and
   * the bills are then read in id order */
  if (g_str_equal (union_op, "UNION"))
    g_string_append (sql->sql, " ORDER BY 1");
  g_string_append (sql->sql, ")");
}

/* The same test as add_prefix_set() on one bill row "b", as a condition: a lookup in
 * bill_grams and comparisons on the row, no set of every match built first (a walk of
 * the sort index checks a few thousand rows; the set could hold a million ids). */
static void
add_prefix_check (Sql        *sql,
                  const char *word)
{
  g_auto(PrefixWord) w = { 0 };

  prefix_word_init (&w, word);

  g_string_append (sql->sql, " AND (");
  if (w.digits)
    {
      g_string_append (sql->sql, "(b.phone >= ? AND b.phone < ?)");
      sql_text (sql, word);
      sql_text (sql, w.end);
    }
  else
    {
      if (g_utf8_strlen (word, -1) <= 2)
        {
          g_autofree char *gram = g_ascii_strdown (word, -1);

          g_string_append (sql->sql, "EXISTS (SELECT 1 FROM bill_grams g WHERE g.gram = ?"
                                     " AND g.id = b.id)");
          sql_text (sql, gram);
        }
      else
        {
          g_autofree char *pair = g_ascii_strdown (word, 2);
          g_autofree char *like = g_strdup_printf ("%%%s%%", word);

          g_string_append (sql->sql, "(EXISTS (SELECT 1 FROM bill_grams g WHERE g.gram = ?"
                                     " AND g.id = b.id) AND b.payer_name LIKE ?)");
          sql_text (sql, pair);
          sql_text (sql, like);
        }
      g_string_append (sql->sql, " OR (b.product >= ? AND b.product < ?)");
      sql_text (sql, word);
      sql_text (sql, w.end);
    }
  if (w.ascii_alnum)
    {
      g_string_append (sql->sql, " OR (b.bill_id >= ? AND b.bill_id < ?)");
      sql_text (sql, w.upper);
      sql_text (sql, w.upper_end);
    }
  g_string_append (sql->sql, ")");
}

/* Words better read as the start of a value than searched inside one: the beginning of
 * a mobile number ("010…", whose trigrams are in every phone) and bill ids (letters and
 * digits together, whose digit trigrams are everywhere). */
static gboolean
search_word_is_start (const char *word)
{
  gboolean digits = TRUE, letter = FALSE, digit = FALSE;

  for (const char *p = word; *p != '\0'; p++)
    {
      if (!g_ascii_isalnum (*p))
        return FALSE;
      digits = digits && g_ascii_isdigit (*p);
      letter = letter || g_ascii_isalpha (*p);
      digit = digit || g_ascii_isdigit (*p);
    }
  if (digits)
    return g_str_has_prefix (word, "01");
  return letter && digit;
}

gboolean
pm_ledger_search_word_is_inside (const char *word)
{
  return g_utf8_strlen (word, -1) >= 3 && !search_word_is_start (word);
}

GStrv
pm_ledger_search_words (const char *text)
{
  g_autofree char *normal = g_utf8_normalize (text, -1, G_NORMALIZE_NFC);
  g_auto(GStrv) typed = NULL;
  GPtrArray *words;

  if (normal == NULL)
    return NULL;
  typed = g_strsplit_set (g_strstrip (normal), " \t\r\n", -1);
  words = g_ptr_array_new ();
  for (guint i = 0; typed[i] != NULL; i++)
    if (*typed[i] != '\0')
      g_ptr_array_add (words, pm_ledger_search_word (typed[i]));
  g_ptr_array_add (words, NULL);
  return (GStrv) g_ptr_array_free (words, FALSE);
}

/* A word for the trigram index's MATCH: quoted, its quotes doubled. */
static void
append_fts_phrase (GString    *match,
                   const char *word)
{
  if (match->len > 0)
    g_string_append_c (match, ' ');
  g_string_append_c (match, '"');
  for (const char *p = word; *p != '\0'; p++)
    {
      if (*p == '"')
        g_string_append_c (match, '"');
      g_string_append_c (match, *p);
    }
  g_string_append_c (match, '"');
}

/* Free text: the ids of bills matching every word, as one compound SELECT. Words of 3+
 * characters match anywhere in the payer name, phone, product or bill id (trigram
 * index); shorter ones match the start of one of them (B-tree ranges), since a trigram
 * index cannot hold them. Text that is not UTF-8 matches nothing. */
static void
add_text_set_full (Sql        *sql,
                   const char *text,
                   gboolean    estimate)
{
  g_auto(GStrv) words = pm_ledger_search_words (text);
  g_autoptr(GString) match = g_string_new (NULL);
  guint n_sets = 0;

  if (words == NULL)
    {
      g_string_append (sql->sql, "SELECT NULL WHERE 0");
      return;
    }
  for (guint i = 0; words[i] != NULL; i++)
    {
      if (pm_ledger_search_word_is_inside (words[i]))
        append_fts_phrase (match, words[i]);
      else
        {
          if (n_sets++ > 0)
            g_string_append (sql->sql, " INTERSECT ");
          add_prefix_set (sql, words[i], estimate ? "UNION ALL" : "UNION");
        }
    }
  if (match->len > 0)
    {
      if (n_sets++ > 0)
        g_string_append (sql->sql, " INTERSECT ");
      g_string_append (sql->sql, "SELECT rowid AS id FROM bills_fts WHERE bills_fts MATCH ?");
      sql_text (sql, match->str);
    }
  if (n_sets == 0)
    g_string_append (sql->sql, "SELECT id FROM bills");
}

/* @estimate: each bill once or more (UNION ALL: a LIMIT stops reading early). */
static void
add_text_set (Sql        *sql,
              const char *text)
{
  add_text_set_full (sql, text, FALSE);
}

/* The bills of add_text_set() as conditions on one bill row "b" (" AND …"): the words
 * of one or two characters (and prefixes) checked on the row (add_prefix_check), the
 * longer ones through the trigram index as a set (its semantics are the index's). */
static void
add_text_check (Sql        *sql,
                const char *text)
{
  g_auto(GStrv) words = pm_ledger_search_words (text);
  g_autoptr(GString) match = g_string_new (NULL);

  if (words == NULL)
    {
      g_string_append (sql->sql, " AND 0");
      return;
    }
  for (guint i = 0; words[i] != NULL; i++)
    {
      if (pm_ledger_search_word_is_inside (words[i]))
        append_fts_phrase (match, words[i]);
      else
        add_prefix_check (sql, words[i]);
    }
  if (match->len > 0)
    {
      g_string_append (sql->sql, " AND +b.id IN (SELECT rowid FROM bills_fts"
                                 " WHERE bills_fts MATCH ?)");
      sql_text (sql, match->str);
    }
}

static gboolean
has_text (const PmLedgerQuery *query)
{
  return query->text != NULL && *query->text != '\0';
}

static void
add_state_condition (Sql                 *sql,
                     const PmLedgerQuery *query)
{
  g_autofree char *today = NULL;
  gboolean unpaid = (query->states & PM_LEDGER_STATE_BIT (PM_BILL_STATE_UNPAID)) != 0;
  gboolean expired = (query->states & PM_LEDGER_STATE_EXPIRED) != 0;
  guint n_plain = 0;

  if (query->states == PM_LEDGER_STATES_ALL)
    return;

  g_string_append (sql->sql, " AND (b.state IN (");
  for (int s = PM_BILL_STATE_QUEUED; s < PM_BILL_N_STATES; s++)
    {
      if (s == PM_BILL_STATE_UNPAID && !(unpaid && expired))
        continue;
      if ((query->states & PM_LEDGER_STATE_BIT (s)) == 0)
        continue;
      g_string_append (sql->sql, n_plain++ > 0 ? ", ?" : "?");
      sql_text (sql, pm_bill_state_to_string (s));
    }
  g_string_append (sql->sql, ")");
  if (unpaid != expired)
    {
      today = query_today (query);
      g_string_append (sql->sql, " OR (b.state = ? AND ");
      sql_text (sql, pm_bill_state_to_string (PM_BILL_STATE_UNPAID));
      if (expired)
        g_string_append (sql->sql, "b.expire_date <> '' AND b.expire_date < ?)");
      else
        g_string_append (sql->sql, "(b.expire_date = '' OR b.expire_date >= ?))");
      sql_text (sql, today);
    }
  g_string_append (sql->sql, ")");
}

/* Appends " FROM … WHERE …" for the query's filter (not its window). A search is
 * either read first, its matches joined to the bills (few matches: the planner must
 * not walk a million rows looking for them), or with @scan_in_order only checked on
 * each row while walking the sort index ("+b.id" stops the planner from driving the
 * query from it: many matches, the page is found after a few hundred rows). */
static void
add_from_where_full (Sql                 *sql,
                     const PmLedgerQuery *query,
                     gboolean             scan_in_order,
                     gboolean             facts)
{
  if (has_text (query) && !scan_in_order)
    {
      g_string_append (sql->sql, " FROM (");
      add_text_set (sql, query->text);
      /* Counting and totals read only the few columns of bills_facts (schema v6): one
       * narrow index entry per match, not the bill's wide row (a 1-syllable search on a
       * million bills matches a sixth of them) */
      g_string_append_printf (sql->sql, ") AS m CROSS JOIN bills b%s ON b.id = m.id WHERE 1",
                              facts ? " INDEXED BY bills_facts" : "");
    }
  else
    g_string_append (sql->sql, " FROM bills b WHERE 1");
  if (query->profile_id != NULL && *query->profile_id != '\0')
    {
      g_string_append (sql->sql, " AND b.profile_id = ?");
      sql_text (sql, query->profile_id);
    }
  add_state_condition (sql, query);
  if (query->created_from != 0)
    {
      g_string_append (sql->sql, " AND b.created_at >= ?");
      sql_int (sql, query->created_from);
    }
  if (query->created_to != 0)
    {
      g_string_append (sql->sql, " AND b.created_at < ?");
      sql_int (sql, query->created_to);
    }
  if (has_text (query) && scan_in_order)
    add_text_check (sql, query->text);
}

static void
add_from_where (Sql                 *sql,
                const PmLedgerQuery *query)
{
  add_from_where_full (sql, query, FALSE, FALSE);
}

/* The same, for a count or totals: only the columns of bills_facts are read (id,
 * profile_id, state, expire_date, price, created_at). */
static void
add_from_where_facts (Sql                 *sql,
                      const PmLedgerQuery *query)
{
  add_from_where_full (sql, query, FALSE, TRUE);
}

/* The ORDER BY keys of a sort, before the final tie-break on b.id. */
static guint
sort_keys (PmLedgerSort  sort,
           const char   *keys[2])
{
  switch (sort)
    {
    case PM_LEDGER_SORT_PAYER:
      keys[0] = "b.payer_name";
      return 1;
    case PM_LEDGER_SORT_AMOUNT:
      keys[0] = "b.price";
      return 1;
    case PM_LEDGER_SORT_STATE:
      keys[0] = STATE_RANK_EXPR;
      keys[1] = "b.created_at";
      return 2;
    case PM_LEDGER_SORT_EXPIRE_DATE:
      keys[0] = "b.expire_date";
      return 1;
    case PM_LEDGER_SORT_LAST_CHECKED:
      keys[0] = "b.last_checked_at";
      return 1;
    case PM_LEDGER_SORT_CREATED_AT:
    default:
      keys[0] = "b.created_at";
      return 1;
    }
}

static void
add_order (Sql                 *sql,
           const PmLedgerQuery *query)
{
  const char *dir = query->descending ? "DESC" : "ASC";
  guint states = query->states & ~PM_LEDGER_STATE_EXPIRED;
  const char *keys[2];
  guint n_keys = sort_keys (query->sort, keys);

  g_string_append (sql->sql, " ORDER BY ");
  /* Sorted by state with one state selected, the rank is the same on every row: leave
   * it out, so the planner can follow the (profile, state, created_at) index. */
  if (query->sort == PM_LEDGER_SORT_STATE && states != 0 && (states & (states - 1)) == 0
      && (query->states == states || states == PM_LEDGER_STATE_BIT (PM_BILL_STATE_UNPAID)))
    {
      keys[0] = keys[1];
      n_keys = 1;
    }
  for (guint i = 0; i < n_keys; i++)
    g_string_append_printf (sql->sql, "%s %s, ", keys[i], dir);
  g_string_append_printf (sql->sql, "b.id %s", dir);
}

/* The query's window combined with a page inside it. */
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
      gint64 left = (gint64) query->limit - offset;

      left = MAX (left, 0);
      lim = lim < 0 ? left : MIN (lim, left);
    }
  *sql_offset = (gint64) query->offset + offset;
  *sql_limit = lim;
}

/* ------------------------------------------------------------------------ */
/* Queries                                                                  */
/* ------------------------------------------------------------------------ */

/* ---- counts without scanning ---- */

/* Whether the query's filter is only a profile and states: then bill_counts knows. */
static gboolean
query_is_plain (const PmLedgerQuery *query)
{
  return (query->text == NULL || *query->text == '\0')
         && query->created_from == 0 && query->created_to == 0;
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

/* Totals of every bucket for the query's profile, from bill_counts plus one small
 * index range: unpaid bills not yet expired (recent ones). */
static gboolean
plain_totals (PmLedger             *self,
              const PmLedgerQuery  *query,
              PmLedgerTotals       *totals,
              GError              **error)
{
  g_auto(Sql) sql = { 0 };
  g_auto(Sql) fresh = { 0 };
  g_autofree char *today = query_today (query);
  gboolean profile = query->profile_id != NULL && *query->profile_id != '\0';
  sqlite3_stmt *stmt;
  gint64 fresh_count = 0, fresh_won = 0;
  int rc;

  memset (totals, 0, sizeof *totals);

  sql_init (&sql, "SELECT state, sum (n), sum (won) FROM bill_counts");
  if (profile)
    {
      g_string_append (sql.sql, " WHERE profile_id = ?");
      sql_text (&sql, query->profile_id);
    }
  g_string_append (sql.sql, " GROUP BY state");
  stmt = sql_prepare (self, &sql, error);
  if (stmt == NULL)
    return FALSE;
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      PmBillState state;

      if (!pm_bill_state_from_string (pm_ledger_column_text (stmt, 0), &state))
        continue;
      totals->by_state[state].count += sqlite3_column_int64 (stmt, 1);
      totals->by_state[state].won += sqlite3_column_int64 (stmt, 2);
    }
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    return pm_ledger_fail (self, rc, error);

  /* Neither unpaid bucket wanted (a filter on other states): no need to split them. */
  if (!bucket_selected (query, PM_BILL_STATE_UNPAID)
      && !bucket_selected (query, PM_LEDGER_BUCKET_EXPIRED))
    {
      for (guint b = 0; b < PM_LEDGER_N_BUCKETS; b++)
        {
          if (!bucket_selected (query, b))
            totals->by_state[b] = (PmLedgerTotal) { 0 };
          totals->all.count += totals->by_state[b].count;
          totals->all.won += totals->by_state[b].won;
        }
      return TRUE;
    }

  /* Unpaid and not expired: expire-date today or later, or none. */
  sql_init (&fresh, "SELECT count (*), sum (b.price) FROM bills b WHERE b.state = ?");
  sql_text (&fresh, pm_bill_state_to_string (PM_BILL_STATE_UNPAID));
  if (profile)
    {
      g_string_append (fresh.sql, " AND b.profile_id = ?");
      sql_text (&fresh, query->profile_id);
    }
  g_string_append (fresh.sql, " AND b.expire_date >= ? UNION ALL SELECT count (*), "
                              "sum (b.price) FROM bills b WHERE b.state = ?");
  sql_text (&fresh, today);
  sql_text (&fresh, pm_bill_state_to_string (PM_BILL_STATE_UNPAID));
  if (profile)
    {
      g_string_append (fresh.sql, " AND b.profile_id = ?");
      sql_text (&fresh, query->profile_id);
    }
  g_string_append (fresh.sql, " AND b.expire_date = ''");
  stmt = sql_prepare (self, &fresh, error);
  if (stmt == NULL)
    return FALSE;
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      fresh_count += sqlite3_column_int64 (stmt, 0);
      fresh_won += sqlite3_column_int64 (stmt, 1);
    }
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    return pm_ledger_fail (self, rc, error);

  totals->by_state[PM_LEDGER_BUCKET_EXPIRED].count =
    totals->by_state[PM_BILL_STATE_UNPAID].count - fresh_count;
  totals->by_state[PM_LEDGER_BUCKET_EXPIRED].won =
    totals->by_state[PM_BILL_STATE_UNPAID].won - fresh_won;
  totals->by_state[PM_BILL_STATE_UNPAID].count = fresh_count;
  totals->by_state[PM_BILL_STATE_UNPAID].won = fresh_won;

  for (guint b = 0; b < PM_LEDGER_N_BUCKETS; b++)
    {
      if (!bucket_selected (query, b))
        {
          totals->by_state[b].count = 0;
          totals->by_state[b].won = 0;
        }
      totals->all.count += totals->by_state[b].count;
      totals->all.won += totals->by_state[b].won;
    }
  return TRUE;
}

/* With a search, the bills come from the text index; when the profile holds every bill
 * (the usual single-profile ledger), checking it on each match is wasted work. */
static PmLedgerQuery *
effective_query (PmLedger             *self,
                 const PmLedgerQuery  *query)
{
  PmLedgerQuery *copy = pm_ledger_query_copy (query);
  sqlite3_stmt *stmt;

  if (!has_text (query) || query->profile_id == NULL || *query->profile_id == '\0')
    return copy;
  stmt = pm_ledger_prepare (self, "SELECT (SELECT coalesce (sum (n), 0) FROM bill_counts WHERE profile_id = ?)"
                        " = (SELECT coalesce (sum (n), 0) FROM bill_counts)", NULL);
  if (stmt == NULL)
    return copy;
  pm_ledger_bind_text (stmt, 1, query->profile_id);
  if (sqlite3_step (stmt) == SQLITE_ROW && sqlite3_column_int (stmt, 0) == 1)
    g_clear_pointer (&copy->profile_id, g_free);
  sqlite3_reset (stmt);
  return copy;
}

/* How many bills the text alone matches (cached until the next write, here or by
 * another connection). */
static gboolean
text_match_count (PmLedger    *self,
                  const char  *text,
                  gint64      *count,
                  GError     **error)
{
  g_auto(Sql) sql = { 0 };
  sqlite3_stmt *stmt;
  int rc;

  pm_ledger_read_data_version (self, NULL);
  if (self->text_count_key != NULL && g_str_equal (self->text_count_key, text)
      && self->text_count_generation == self->generation)
    {
      *count = self->text_count;
      return TRUE;
    }
  sql_init (&sql, "SELECT count(*) FROM (");
  add_text_set (&sql, text);
  g_string_append (sql.sql, ")");
  stmt = sql_prepare (self, &sql, error);
  if (stmt == NULL)
    return FALSE;
  rc = sqlite3_step (stmt);
  *count = rc == SQLITE_ROW ? sqlite3_column_int64 (stmt, 0) : 0;
  sqlite3_reset (stmt);
  if (rc != SQLITE_ROW)
    return pm_ledger_fail (self, rc, error);
  g_free (self->text_count_key);
  self->text_count_key = g_strdup (text);
  self->text_count_generation = self->generation;
  self->text_count = *count;
  return TRUE;
}

static gint64
total_bills (PmLedger *self)
{
  sqlite3_stmt *stmt = pm_ledger_prepare (self, "SELECT coalesce (sum (n), 0) FROM bill_counts", NULL);
  gint64 total = 0;

  if (stmt == NULL)
    return 0;
  if (sqlite3_step (stmt) == SQLITE_ROW)
    total = sqlite3_column_int64 (stmt, 0);
  sqlite3_reset (stmt);
  return total;
}

/* Whether the text matches at least @wanted bills, reading at most that many ids (the
 * size of the last search when it is known): *@matches is the count, at most @wanted. */
static gboolean
text_matches_at_least (PmLedger    *self,
                       const char  *text,
                       gint64       wanted,
                       gint64      *matches)
{
  g_auto(Sql) sql = { 0 };
  sqlite3_stmt *stmt;
  int rc;

  pm_ledger_read_data_version (self, NULL);
  if (self->text_count_key != NULL && g_str_equal (self->text_count_key, text)
      && self->text_count_generation == self->generation)
    {
      *matches = MIN (self->text_count, wanted);
      return TRUE;
    }
  sql_init (&sql, "SELECT count(*) FROM (SELECT 1 FROM (");
  add_text_set_full (&sql, text, TRUE);
  g_string_append (sql.sql, ") LIMIT ?)");
  sql_int (&sql, wanted);
  stmt = sql_prepare (self, &sql, NULL);
  if (stmt == NULL)
    return FALSE;
  rc = sqlite3_step (stmt);
  *matches = rc == SQLITE_ROW ? sqlite3_column_int64 (stmt, 0) : 0;
  sqlite3_reset (stmt);
  return rc == SQLITE_ROW;
}

/* How to read rows @offset … @offset + @limit of a search. Walking the sort index
 * and checking each row (add_text_check) costs about (offset + limit) × bills / matches
 * steps; reading the matches costs one bill each plus a sort. Walk when that stays
 * small: always for broad searches near the top of the list, never for narrow ones deep
 * down. Other filters skip rows of the walk, so the budget is smaller then. Deciding
 * reads no more matches than it takes to know the walk is short enough (a few thousand
 * ids from an index), never the whole set of a broad search. */
static gboolean
scan_in_order (PmLedger             *self,
               const PmLedgerQuery  *query,
               guint                 offset,
               guint                 limit)
{
  gint64 matches = 0, total, expected, budget, steps, wanted;

  /* the sort indexes all start with the profile (schema v4 dropped the others) */
  if (query->profile_id == NULL || *query->profile_id == '\0' || !has_text (query))
    return FALSE;
  budget = query->states == PM_LEDGER_STATES_ALL && query->created_from == 0
           && query->created_to == 0 ? 60000 : 10000;
  total = total_bills (self);
  if (limit == 0)
    {
      /* every row (an export): only with the size of the result */
      if (!text_match_count (self, query->text, &matches, NULL) || matches == 0)
        return FALSE;
      steps = (gint64) query->offset + offset + matches + 1;
      return steps * (total / matches + 1) <= budget;
    }
  steps = (gint64) query->offset + offset + limit + 1;
  if (budget / steps < 2)
    return FALSE;
  /* steps × (total / matches + 1) ≤ budget takes at least this many matches */
  wanted = total / (budget / steps - 1) + 1;
  if (!text_matches_at_least (self, query->text, wanted, &matches) || matches == 0)
    return FALSE;
  expected = steps * (total / matches + 1);
  return expected <= budget;
}

gboolean
pm_ledger_sqlite_count (PmLedger             *self,
                        const PmLedgerQuery  *query,
                        guint                *n_bills,
                        GError              **error)
{
  g_auto(Sql) sql = { 0 };
  sqlite3_stmt *stmt;
  gint64 count;
  int rc;

  g_return_val_if_fail (PM_IS_LEDGER (self), FALSE);
  g_return_val_if_fail (query != NULL && n_bills != NULL, FALSE);

  if (query_is_plain (query))
    {
      PmLedgerTotals totals;

      if (!plain_totals (self, query, &totals, error))
        return FALSE;
      count = totals.all.count;
    }
  else
    {
      g_autoptr(PmLedgerQuery) effective = effective_query (self, query);

      if (effective->profile_id == NULL && effective->states == PM_LEDGER_STATES_ALL
          && effective->created_from == 0 && effective->created_to == 0)
        {
          /* Only text: count the matching ids without reading the bills. */
          gint64 matches = 0;

          if (!text_match_count (self, effective->text, &matches, error))
            return FALSE;
          count = MAX (matches - (gint64) query->offset, 0);
          if (query->limit != 0)
            count = MIN (count, (gint64) query->limit);
          *n_bills = (guint) MIN (count, (gint64) G_MAXUINT);
          return TRUE;
        }
      else
        {
          sql_init (&sql, "SELECT count(*)");
          add_from_where_facts (&sql, effective);
        }
      stmt = sql_prepare (self, &sql, error);
      if (stmt == NULL)
        return FALSE;
      rc = sqlite3_step (stmt);
      count = rc == SQLITE_ROW ? sqlite3_column_int64 (stmt, 0) : 0;
      sqlite3_reset (stmt);
      if (rc != SQLITE_ROW)
        return pm_ledger_fail (self, rc, error);
    }

  count = MAX (count - (gint64) query->offset, 0);
  if (query->limit != 0)
    count = MIN (count, (gint64) query->limit);
  *n_bills = (guint) MIN (count, (gint64) G_MAXUINT);
  return TRUE;
}

static GPtrArray *
fetch_bills (PmLedger      *self,
             sqlite3_stmt  *stmt,
             GError       **error)
{
  g_autoptr(GPtrArray) bills = g_ptr_array_new_with_free_func (g_object_unref);
  int rc;

  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    g_ptr_array_add (bills, pm_ledger_bill_from_row (stmt));
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    {
      pm_ledger_fail (self, rc, error);
      return NULL;
    }
  return g_steal_pointer (&bills);
}

/* The SELECT of rows @offset … @offset + @limit of @query, in @sql. */
static void
fetch_sql (PmLedger             *self,
           const PmLedgerQuery  *query,
           guint                 offset,
           guint                 limit,
           const char           *start,
           Sql                  *sql)
{
  g_autoptr(PmLedgerQuery) effective = NULL;
  gint64 sql_offset, sql_limit;

  window (query, offset, limit, &sql_offset, &sql_limit);
  sql_init (sql, start);
  g_string_append (sql->sql, "SELECT " BILL_COLUMNS);
  if (scan_in_order (self, query, offset, limit))
    add_from_where_full (sql, query, TRUE, FALSE);
  else
    {
      effective = effective_query (self, query);
      add_from_where (sql, effective);
    }
  add_order (sql, query);
  g_string_append (sql->sql, " LIMIT ? OFFSET ?");
  sql_int (sql, sql_limit);
  sql_int (sql, sql_offset);
}

GPtrArray *
pm_ledger_sqlite_fetch (PmLedger             *self,
                        const PmLedgerQuery  *query,
                        guint                 offset,
                        guint                 limit,
                        GError              **error)
{
  g_auto(Sql) sql = { 0 };
  sqlite3_stmt *stmt;

  g_return_val_if_fail (PM_IS_LEDGER (self), NULL);
  g_return_val_if_fail (query != NULL, NULL);

  fetch_sql (self, query, offset, limit, "", &sql);
  stmt = sql_prepare (self, &sql, error);
  if (stmt == NULL)
    return NULL;
  return fetch_bills (self, stmt, error);
}

/* The SELECT of @query's totals (not a plain one: plain_totals), after @start: per state,
 * and the unpaid bills past their last day apart, count and won. */
static void
totals_sql (const PmLedgerQuery *query,
            const char          *start,
            Sql                 *sql)
{
  g_autofree char *today = query_today (query);

  sql_init (sql, start);
  g_string_append (sql->sql, "SELECT b.state, b.state = ? AND b.expire_date <> ''"
                             " AND b.expire_date < ?, count(*), total(b.price), sum(b.price)");
  sql_text (sql, pm_bill_state_to_string (PM_BILL_STATE_UNPAID));
  sql_text (sql, today);
  if (query->offset != 0 || query->limit != 0)
    {
      gint64 sql_offset, sql_limit;

      window (query, 0, 0, &sql_offset, &sql_limit);
      g_string_append (sql->sql, " FROM (SELECT b.state, b.expire_date, b.price");
      add_from_where (sql, query);
      add_order (sql, query);
      g_string_append (sql->sql, " LIMIT ? OFFSET ?) AS b");
      sql_int (sql, sql_limit);
      sql_int (sql, sql_offset);
    }
  else
    add_from_where_facts (sql, query);
  g_string_append (sql->sql, " GROUP BY 1, 2");
}

/* The plan SQLite chose for pm_ledger_fetch (@query, @offset, @limit), for the count
 * of the text alone and for the totals of @query, one line per step ("SCAN b", "SEARCH
 * bill_grams USING …"). */
char *
pm_ledger_sqlite_explain_for_testing (PmLedger            *self,
                                      const PmLedgerQuery *query,
                                      guint                offset,
                                      guint                limit)
{
  g_autoptr(GString) plan = g_string_new (NULL);
  g_auto(Sql) fetch = { 0 };
  g_auto(Sql) count = { 0 };
  g_auto(Sql) totals = { 0 };
  Sql *shapes[3] = { &fetch, &count, &totals };

  g_return_val_if_fail (PM_IS_LEDGER (self), NULL);

  fetch_sql (self, query, offset, limit, "EXPLAIN QUERY PLAN ", &fetch);
  sql_init (&count, "EXPLAIN QUERY PLAN SELECT count(*) FROM (");
  if (has_text (query))
    add_text_set (&count, query->text);
  else
    g_string_append (count.sql, "SELECT id FROM bills");
  g_string_append (count.sql, ")");
  totals_sql (query, "EXPLAIN QUERY PLAN ", &totals);
  for (guint i = 0; i < G_N_ELEMENTS (shapes); i++)
    {
      sqlite3_stmt *stmt = sql_prepare (self, shapes[i], NULL);

      if (stmt == NULL)
        return NULL;
      while (sqlite3_step (stmt) == SQLITE_ROW)
        g_string_append_printf (plan, "%s\n", pm_ledger_column_text (stmt, 3));
      sqlite3_reset (stmt);
    }
  return g_string_free (g_steal_pointer (&plan), FALSE);
}

gboolean
pm_ledger_sqlite_totals (PmLedger             *self,
                         const PmLedgerQuery  *query,
                         PmLedgerTotals       *totals,
                         GError              **error)
{
  g_auto(Sql) sql = { 0 };
  sqlite3_stmt *stmt;
  int rc;

  g_return_val_if_fail (PM_IS_LEDGER (self), FALSE);
  g_return_val_if_fail (query != NULL && totals != NULL, FALSE);

  if (query_is_plain (query) && query->offset == 0 && query->limit == 0)
    return plain_totals (self, query, totals, error);

  memset (totals, 0, sizeof *totals);
  totals_sql (query, "", &sql);

  stmt = sql_prepare (self, &sql, error);
  if (stmt == NULL)
    return FALSE;
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      PmBillState state = PM_BILL_STATE_UNKNOWN;
      gint64 count = sqlite3_column_int64 (stmt, 2);
      gint64 won = sqlite3_column_int64 (stmt, 4);
      guint bucket;

      if (!pm_bill_state_from_string (pm_ledger_column_text (stmt, 0), &state))
        continue;
      bucket = sqlite3_column_int (stmt, 1) ? PM_LEDGER_BUCKET_EXPIRED : (guint) state;
      totals->by_state[bucket].count += count;
      totals->by_state[bucket].won += won;
      totals->all.count += count;
      totals->all.won += won;
    }
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    return pm_ledger_fail (self, rc, error);
  return TRUE;
}

PmBill *
pm_ledger_sqlite_lookup (PmLedger    *self,
                         const char  *bill_id,
                         GError     **error)
{
  g_autoptr(GPtrArray) bills = NULL;
  sqlite3_stmt *stmt;

  g_return_val_if_fail (PM_IS_LEDGER (self), NULL);
  g_return_val_if_fail (bill_id != NULL, NULL);

  stmt = pm_ledger_prepare (self, "SELECT " BILL_COLUMNS " FROM bills b WHERE b.bill_id = ?", error);
  if (stmt == NULL)
    return NULL;
  pm_ledger_bind_text (stmt, 1, bill_id);
  bills = fetch_bills (self, stmt, error);
  if (bills == NULL || bills->len == 0)
    return NULL;
  return g_object_ref (g_ptr_array_index (bills, 0));
}

GPtrArray *
pm_ledger_sqlite_list_due (PmLedger   *self,
                           const char *profile_id,
                           gint64      now,
                           guint       limit,
                           GError    **error)
{
  sqlite3_stmt *stmt;

  g_return_val_if_fail (PM_IS_LEDGER (self), NULL);

  stmt = pm_ledger_prepare (self,
                            "SELECT " BILL_COLUMNS " FROM bills b WHERE b.state IN " NON_FINAL_STATES
                            " AND b.next_check_at > 0 AND b.next_check_at <= ?1"
                            " AND (?3 IS NULL OR b.profile_id = ?3)"
                            " ORDER BY b.next_check_at LIMIT ?2", error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, now);
  sqlite3_bind_int64 (stmt, 2, limit == 0 ? -1 : (gint64) limit);
  pm_ledger_bind_text_or_null (stmt, 3, profile_id);
  return fetch_bills (self, stmt, error);
}

gint64
pm_ledger_sqlite_next_due_time (PmLedger   *self,
                                const char *profile_id,
                                GError    **error)
{
  sqlite3_stmt *stmt;
  gint64 next = 0;
  int rc;

  g_return_val_if_fail (PM_IS_LEDGER (self), 0);

  stmt = pm_ledger_prepare (self,
                            "SELECT min(b.next_check_at) FROM bills b WHERE b.state IN " NON_FINAL_STATES
                            " AND b.next_check_at > 0 AND (?1 IS NULL OR b.profile_id = ?1)", error);
  if (stmt == NULL)
    return 0;
  pm_ledger_bind_text_or_null (stmt, 1, profile_id);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    next = sqlite3_column_int64 (stmt, 0);
  sqlite3_reset (stmt);
  if (rc != SQLITE_ROW)
    pm_ledger_fail (self, rc, error);
  return next;
}

static int
compare_created (gconstpointer a,
                 gconstpointer b)
{
  PmBill *x = *(PmBill **) a;
  PmBill *y = *(PmBill **) b;
  gint64 cx = pm_bill_get_created_at (x);
  gint64 cy = pm_bill_get_created_at (y);

  if (cx != cy)
    return cx < cy ? -1 : 1;
  return g_strcmp0 (pm_bill_get_bill_id (x), pm_bill_get_bill_id (y));
}

GPtrArray *
pm_ledger_sqlite_list_unsettled (PmLedger   *self,
                                 const char *profile_id,
                                 GError    **error)
{
  GPtrArray *bills;
  sqlite3_stmt *stmt;

  g_return_val_if_fail (PM_IS_LEDGER (self), NULL);

  /* Unsettled intents are few: they are sorted here, not by SQL. With an ORDER BY
   * (and "?1 IS NULL OR profile_id = ?1") SQLite walked the date index over every bill
   * instead of the (profile_id, state) index, at each start. */
  if (profile_id != NULL)
    stmt = pm_ledger_prepare (self,
                              "SELECT " BILL_COLUMNS " FROM bills b "
                              "WHERE b.profile_id = ?1 AND b.state IN ('queued', 'sending', 'unknown')",
                              error);
  else
    stmt = pm_ledger_prepare (self,
                              "SELECT " BILL_COLUMNS " FROM bills b "
                              "WHERE b.state IN ('queued', 'sending', 'unknown')", error);
  if (stmt == NULL)
    return NULL;
  if (profile_id != NULL)
    pm_ledger_bind_text (stmt, 1, profile_id);
  bills = fetch_bills (self, stmt, error);
  if (bills != NULL)
    g_ptr_array_sort (bills, compare_created);
  return bills;
}

GPtrArray *
pm_ledger_sqlite_recent_payers (PmLedger    *self,
                                const char  *profile_id,
                                const char  *prefix,
                                guint        limit,
                                GError     **error)
{
  g_auto(Sql) sql = { 0 };
  g_autoptr(GPtrArray) payers = NULL;
  g_autoptr(GHashTable) seen = NULL;
  sqlite3_stmt *stmt;
  int rc;

  g_return_val_if_fail (PM_IS_LEDGER (self), NULL);

  sql_init (&sql, "SELECT b.profile_id, b.payer_name, b.phone, b.created_at FROM bills b "
                  "WHERE b.payer_name <> ''");
  if (profile_id != NULL && *profile_id != '\0')
    {
      g_string_append (sql.sql, " AND b.profile_id = ?");
      sql_text (&sql, profile_id);
    }
  if (prefix != NULL && *prefix != '\0')
    {
      g_autofree char *word = pm_ledger_search_word (prefix);
      g_autofree char *end = prefix_end (word);

      g_string_append (sql.sql, " AND ((b.payer_name >= ? AND b.payer_name < ?)"
                                " OR (b.phone >= ? AND b.phone < ?))");
      sql_text (&sql, word);
      sql_text (&sql, end);
      sql_text (&sql, word);
      sql_text (&sql, end);
    }
  /* Scan a bounded number of the newest matching bills for distinct payers. */
  g_string_append (sql.sql, " ORDER BY b.created_at DESC, b.id DESC LIMIT 5000");
  stmt = sql_prepare (self, &sql, error);
  if (stmt == NULL)
    return NULL;

  payers = g_ptr_array_new_with_free_func ((GDestroyNotify) pm_ledger_payer_free);
  seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      PmLedgerPayer *payer;
      char *key = g_strconcat (pm_ledger_column_text (stmt, 1), "\n", pm_ledger_column_text (stmt, 2), NULL);

      if (!g_hash_table_add (seen, key))
        continue;
      payer = g_new0 (PmLedgerPayer, 1);
      payer->profile_id = g_strdup (pm_ledger_column_text (stmt, 0));
      payer->name = g_strdup (pm_ledger_column_text (stmt, 1));
      payer->phone = g_strdup (pm_ledger_column_text (stmt, 2));
      payer->at = sqlite3_column_int64 (stmt, 3);
      g_ptr_array_add (payers, payer);
      if (limit != 0 && payers->len >= limit)
        break;
    }
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE && rc != SQLITE_ROW)
    {
      pm_ledger_fail (self, rc, error);
      return NULL;
    }
  return g_steal_pointer (&payers);
}

gboolean
pm_ledger_sqlite_locate (PmLedger             *self,
                         const PmLedgerQuery  *query,
                         const char           *bill_id,
                         gboolean             *selected,
                         guint                *position,
                         GError              **error)
{
  g_auto(Sql) sql = { 0 };
  g_auto(Sql) before = { 0 };
  sqlite3_stmt *stmt;
  sqlite3_value *key[2] = { NULL, NULL };
  gint64 id = 0, count = 0;
  const char *cmp = query->descending ? ">" : "<";
  const char *keys[2];
  guint n_keys = sort_keys (query->sort, keys);
  int rc;

  *selected = FALSE;
  *position = 0;

  sql_init (&sql, "SELECT ");
  for (guint i = 0; i < n_keys; i++)
    g_string_append_printf (sql.sql, "%s, ", keys[i]);
  g_string_append (sql.sql, "b.id");
  add_from_where (&sql, query);
  g_string_append (sql.sql, " AND b.bill_id = ?");
  sql_text (&sql, bill_id);
  stmt = sql_prepare (self, &sql, error);
  if (stmt == NULL)
    return FALSE;
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    {
      for (guint i = 0; i < n_keys; i++)
        key[i] = sqlite3_value_dup (sqlite3_column_value (stmt, i));
      id = sqlite3_column_int64 (stmt, n_keys);
    }
  sqlite3_reset (stmt);
  if (rc == SQLITE_DONE)
    return TRUE;
  if (rc != SQLITE_ROW)
    return pm_ledger_fail (self, rc, error);

  /* Rows before it: (keys…, id) compares as a row value, which the planner can read
   * as one range of the sort index. */
  sql_init (&before, "SELECT count(*)");
  add_from_where (&before, query);
  g_string_append (before.sql, " AND (");
  for (guint i = 0; i < n_keys; i++)
    g_string_append_printf (before.sql, "%s, ", keys[i]);
  g_string_append_printf (before.sql, "b.id) %s (?1000, ", cmp);
  if (n_keys == 2)
    g_string_append (before.sql, "?1001, ");
  g_string_append (before.sql, "?1002)");
  stmt = sql_prepare (self, &before, error);
  if (stmt != NULL)
    {
      for (guint i = 0; i < n_keys; i++)
        sqlite3_bind_value (stmt, 1000 + i, key[i]);
      sqlite3_bind_int64 (stmt, 1002, id);
    }
  for (guint i = 0; i < n_keys; i++)
    sqlite3_value_free (key[i]);
  if (stmt == NULL)
    return FALSE;
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    count = sqlite3_column_int64 (stmt, 0);
  sqlite3_reset (stmt);
  if (rc != SQLITE_ROW)
    return pm_ledger_fail (self, rc, error);

  if (count < (gint64) query->offset
      || (query->limit != 0 && count >= (gint64) query->offset + query->limit))
    return TRUE;
  *selected = TRUE;
  *position = (guint) (count - query->offset);
  return TRUE;
}

void
pm_ledger_copy_bill_into (PmBill *from,
                          PmBill *to)
{
  g_autofree GParamSpec **pspecs = NULL;
  guint n_pspecs = 0;

  if (from == to)
    return;
  pspecs = g_object_class_list_properties (G_OBJECT_GET_CLASS (to), &n_pspecs);
  g_object_freeze_notify (G_OBJECT (to));
  for (guint i = 0; i < n_pspecs; i++)
    {
      GParamSpec *pspec = pspecs[i];
      g_auto(GValue) old_value = G_VALUE_INIT;
      g_auto(GValue) new_value = G_VALUE_INIT;

      if ((pspec->flags & G_PARAM_READWRITE) != G_PARAM_READWRITE
          || (pspec->flags & G_PARAM_CONSTRUCT_ONLY) != 0)
        continue;
      g_value_init (&old_value, pspec->value_type);
      g_value_init (&new_value, pspec->value_type);
      g_object_get_property (G_OBJECT (to), pspec->name, &old_value);
      g_object_get_property (G_OBJECT (from), pspec->name, &new_value);
      if (g_param_values_cmp (pspec, &old_value, &new_value) != 0)
        g_object_set_property (G_OBJECT (to), pspec->name, &new_value);
    }
  g_object_thaw_notify (G_OBJECT (to));
}

/* ------------------------------------------------------------------------ */
/* CSV export                                                               */
/* ------------------------------------------------------------------------ */

gboolean
pm_ledger_sqlite_export_csv (PmLedger             *self,
                             const PmLedgerQuery  *query,
                             GOutputStream        *stream,
                             guint64              *n_rows,
                             GCancellable         *cancellable,
                             GError              **error)
{
  g_auto(Sql) sql = { 0 };
  g_autoptr(GString) out = g_string_sized_new (128 * 1024);
  g_autofree char *today = NULL;
  sqlite3_stmt *stmt;
  gint64 sql_offset, sql_limit;
  guint64 count = 0;
  gboolean ok = TRUE;
  int rc;

  g_return_val_if_fail (PM_IS_LEDGER (self), FALSE);
  g_return_val_if_fail (query != NULL, FALSE);
  g_return_val_if_fail (G_IS_OUTPUT_STREAM (stream), FALSE);

  today = query_today (query);
  window (query, 0, 0, &sql_offset, &sql_limit);
  sql_init (&sql, "SELECT " BILL_COLUMNS);
  add_from_where_full (&sql, query, scan_in_order (self, query, 0, 0), FALSE);
  add_order (&sql, query);
  g_string_append (sql.sql, " LIMIT ? OFFSET ?");
  sql_int (&sql, sql_limit);
  sql_int (&sql, sql_offset);
  stmt = sql_prepare (self, &sql, error);
  if (stmt == NULL)
    return FALSE;

  g_string_append (out, "\xef\xbb\xbf");
  g_string_append (out, pm_ledger_csv_header);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      g_autoptr(PmBill) bill = pm_ledger_bill_from_row (stmt);

      pm_ledger_csv_append_bill (out, bill, self->korea, today);
      count++;
      if (out->len >= 64 * 1024)
        {
          ok = g_output_stream_write_all (stream, out->str, out->len, NULL, cancellable, error);
          g_string_truncate (out, 0);
          if (!ok)
            break;
        }
    }
  sqlite3_reset (stmt);
  if (!ok)
    return FALSE;
  if (rc != SQLITE_DONE)
    return pm_ledger_fail (self, rc, error);
  if (!g_output_stream_write_all (stream, out->str, out->len, NULL, cancellable, error))
    return FALSE;
  if (n_rows != NULL)
    *n_rows = count;
  return TRUE;
}

gboolean
pm_ledger_export_csv_to_path (PmLedger             *self,
                              const PmLedgerQuery  *query,
                              const char           *path,
                              guint64              *n_rows,
                              GCancellable         *cancellable,
                              GError              **error)
{
  g_autoptr(GFile) file = NULL;
  g_autoptr(GFileOutputStream) out = NULL;
  g_autoptr(GError) local_error = NULL;

  g_return_val_if_fail (PM_IS_LEDGER (self), FALSE);
  g_return_val_if_fail (path != NULL, FALSE);

  file = g_file_new_for_path (path);
  out = g_file_replace (file, NULL, FALSE, G_FILE_CREATE_REPLACE_DESTINATION,
                        cancellable, &local_error);
  if (out == NULL)
    {
      g_set_error (error, PM_ERROR, PM_ERROR_STORAGE, _("“%s” cannot be written: %s"),
                   path, local_error->message);
      return FALSE;
    }
  if (!pm_ledger_export_csv (self, query, G_OUTPUT_STREAM (out), n_rows, cancellable,
                             &local_error))
    {
      /* Closing a cancelled replace leaves the old file in place. */
      g_autoptr(GCancellable) abandon = g_cancellable_new ();

      g_cancellable_cancel (abandon);
      g_output_stream_close (G_OUTPUT_STREAM (out), abandon, NULL);
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  if (!g_output_stream_close (G_OUTPUT_STREAM (out), cancellable, &local_error))
    {
      g_set_error (error, PM_ERROR, PM_ERROR_STORAGE, _("“%s” cannot be written: %s"),
                   path, local_error->message);
      return FALSE;
    }
  return TRUE;
}

