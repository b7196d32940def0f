/* pm-ledger-summary.c — a period at a glance, aggregated in SQL
 *
 * Copyright 2026 The Paymint Desk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "pm-ledger-summary.h"
#include "pm-ledger-private.h"

#include "pm-error.h"

#include <glib/gi18n-lib.h>
#include <sqlite3.h>

#define SECONDS_PER_DAY 86400

G_DEFINE_BOXED_TYPE (PmLedgerSummary, pm_ledger_summary, pm_ledger_summary_copy,
                     pm_ledger_summary_free)

PmLedgerSummary *
pm_ledger_summary_copy (const PmLedgerSummary *summary)
{
  PmLedgerSummary *copy = g_memdup2 (summary, sizeof *summary);

  copy->points = g_memdup2 (summary->points, sizeof (PmSummaryPoint) * summary->n_points);
  return copy;
}

void
pm_ledger_summary_free (PmLedgerSummary *summary)
{
  if (summary == NULL)
    return;
  g_free (summary->points);
  g_free (summary);
}

/* ---- Korea time ---- */

static gint64
korea_midnight (GTimeZone *korea,
                int        year,
                int        month,
                int        day)
{
  g_autoptr(GDateTime) local = g_date_time_new (korea, year, month, day, 0, 0, 0);

  return local != NULL ? g_date_time_to_unix (local) : 0;
}

gboolean
pm_ledger_summary_period (PmSummarySpan  span,
                          int            year,
                          int            month,
                          gint64        *from,
                          gint64        *to)
{
  g_autoptr(GTimeZone) korea = pm_bill_korea_time_zone ();

  g_return_val_if_fail (from != NULL && to != NULL, FALSE);

  if (year < 1970 || year > 9998)
    return FALSE;
  if (span == PM_SUMMARY_SPAN_YEAR)
    {
      *from = korea_midnight (korea, year, 1, 1);
      *to = korea_midnight (korea, year + 1, 1, 1);
      return TRUE;
    }
  if (month < 1 || month > 12)
    return FALSE;
  *from = korea_midnight (korea, year, month, 1);
  *to = month == 12 ? korea_midnight (korea, year + 1, 1, 1)
                    : korea_midnight (korea, year, month + 1, 1);
  return TRUE;
}

/* Korea's offset from UTC at @utc, in seconds (+09:00 since 1988; no summer time). */
static gint64
korea_offset (GTimeZone *korea,
              gint64     utc)
{
  g_autoptr(GDateTime) at = g_date_time_new_from_unix_utc (utc);
  g_autoptr(GDateTime) local = g_date_time_to_timezone (at, korea);

  return g_date_time_get_utc_offset (local) / G_USEC_PER_SEC;
}

/* ---- The queries ---- */

/* The period's bills the server has, read once: per Korea day (created-at shifted by
 * the offset, bound as ?1), state and expiry, the count, the won asked and the won
 * approved. The (profile_id, state, created_at) index answers the WHERE with one
 * range per state. */
static const char period_sql[] =
  "SELECT (b.created_at + ?1) / 86400, b.state,"
  "  b.state = 'unpaid' AND b.expire_date <> '' AND b.expire_date < ?2,"
  "  count (*), sum (b.price),"
  "  sum (CASE WHEN b.appr_price > 0 THEN b.appr_price ELSE b.price END)"
  " FROM bills b"
  " WHERE b.profile_id = ?3 AND b.state IN ('unpaid', 'paid', 'cancelled', 'destroyed')"
  "   AND b.created_at >= ?4 AND b.created_at < ?5"
  " GROUP BY 1, 2, 3";

/* Unpaid bills sent from ?2 on (and before ?3): a short range of the index. */
static const char age_sql[] =
  "SELECT count (*), coalesce (sum (b.price), 0) FROM bills b"
  " WHERE b.profile_id = ?1 AND b.state = 'unpaid' AND b.created_at >= ?2"
  "   AND b.created_at < ?3";

/* Every unpaid bill of the profile: kept by the ledger's triggers (bill_counts), so the
 * oldest bucket is this less the two recent ones, without reading old rows. */
static const char unpaid_total_sql[] =
  "SELECT coalesce (sum (n), 0), coalesce (sum (won), 0) FROM bill_counts"
  " WHERE profile_id = ?1 AND state = 'unpaid'";

static const char oldest_unpaid_sql[] =
  "SELECT min (b.created_at) FROM bills b WHERE b.profile_id = ?1 AND b.state = 'unpaid'";

static const char has_bills_sql[] =
  "SELECT EXISTS (SELECT 1 FROM bills b WHERE b.profile_id = ?1)";

static gboolean
step_row (PmLedger      *self,
          sqlite3_stmt  *stmt,
          gboolean      *has_row,
          GError       **error)
{
  int rc = sqlite3_step (stmt);

  if (rc == SQLITE_ROW)
    {
      *has_row = TRUE;
      return TRUE;
    }
  *has_row = FALSE;
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    return pm_ledger_fail (self, rc, error);
  return TRUE;
}

static void
add_total (PmLedgerTotal *total,
           gint64         count,
           gint64         won)
{
  total->count += count;
  total->won += won;
}

/* Days since 1970-01-01 of @local_day (a Korea day number) → its GDate. */
static void
date_of_day (gint64  day,
             GDate  *date)
{
  g_date_clear (date, 1);
  g_date_set_dmy (date, 1, G_DATE_JANUARY, 1970);
  g_date_add_days (date, (guint) day);
}

static gboolean
read_period (PmLedger         *self,
             const char       *profile_id,
             const char       *today,
             PmLedgerSummary  *summary,
             GTimeZone        *korea,
             GError          **error)
{
  gint64 offset = korea_offset (korea, summary->from);
  gint64 first_day = (summary->from + offset) / SECONDS_PER_DAY;
  sqlite3_stmt *stmt;
  gboolean has_row;

  stmt = pm_ledger_prepare (self, period_sql, error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, offset);
  pm_ledger_bind_text (stmt, 2, today);
  pm_ledger_bind_text (stmt, 3, profile_id);
  sqlite3_bind_int64 (stmt, 4, summary->from);
  sqlite3_bind_int64 (stmt, 5, summary->to);

  while (TRUE)
    {
      gint64 day, count, won, approved;
      const char *state;
      gboolean expired;
      guint index;
      PmSummaryPoint *point;

      if (!step_row (self, stmt, &has_row, error))
        return FALSE;
      if (!has_row)
        break;
      day = sqlite3_column_int64 (stmt, 0);
      state = pm_ledger_column_text (stmt, 1);
      expired = sqlite3_column_int (stmt, 2) != 0;
      count = sqlite3_column_int64 (stmt, 3);
      won = sqlite3_column_int64 (stmt, 4);
      approved = sqlite3_column_int64 (stmt, 5);

      if (summary->span == PM_SUMMARY_SPAN_MONTH)
        index = (guint) CLAMP (day - first_day, 0, (gint64) summary->n_points - 1);
      else
        {
          GDate date;

          date_of_day (day, &date);
          index = (guint) g_date_get_month (&date) - 1;
        }
      point = &summary->points[index];

      add_total (&summary->sent, count, won);
      point->sent_count += count;
      point->sent_won += won;
      if (g_str_equal (state, "paid"))
        {
          add_total (&summary->paid, count, approved);
          point->paid_count += count;
          point->paid_won += approved;
        }
      else if (g_str_equal (state, "cancelled"))
        add_total (&summary->refunded, count, approved);
      else if (g_str_equal (state, "destroyed"))
        add_total (&summary->voided, count, won);
      else
        {
          add_total (&summary->outstanding, count, won);
          if (expired)
            add_total (&summary->expired, count, won);
        }
    }
  return TRUE;
}

static gboolean
read_age (PmLedger       *self,
          const char     *profile_id,
          gint64          from,
          gint64          to,
          PmLedgerTotal  *total,
          GError        **error)
{
  sqlite3_stmt *stmt = pm_ledger_prepare (self, age_sql, error);
  gboolean has_row;

  if (stmt == NULL)
    return FALSE;
  pm_ledger_bind_text (stmt, 1, profile_id);
  sqlite3_bind_int64 (stmt, 2, from);
  sqlite3_bind_int64 (stmt, 3, to);
  if (!step_row (self, stmt, &has_row, error))
    return FALSE;
  g_assert (has_row);
  total->count = sqlite3_column_int64 (stmt, 0);
  total->won = sqlite3_column_int64 (stmt, 1);
  sqlite3_reset (stmt);
  return TRUE;
}

static gboolean
read_one_row (PmLedger      *self,
              const char    *sql,
              const char    *profile_id,
              gint64        *a,
              gint64        *b,
              gboolean      *a_null,
              GError       **error)
{
  sqlite3_stmt *stmt = pm_ledger_prepare (self, sql, error);
  gboolean has_row;

  if (stmt == NULL)
    return FALSE;
  pm_ledger_bind_text (stmt, 1, profile_id);
  if (!step_row (self, stmt, &has_row, error))
    return FALSE;
  g_assert (has_row);
  if (a_null != NULL)
    *a_null = sqlite3_column_type (stmt, 0) == SQLITE_NULL;
  *a = sqlite3_column_int64 (stmt, 0);
  if (b != NULL)
    *b = sqlite3_column_int64 (stmt, 1);
  sqlite3_reset (stmt);
  return TRUE;
}

static gboolean
read_ages (PmLedger         *self,
           const char       *profile_id,
           PmLedgerSummary  *summary,
           GTimeZone        *korea,
           GError          **error)
{
  g_autoptr(GDateTime) now_utc = g_date_time_new_from_unix_utc (summary->now);
  g_autoptr(GDateTime) now_local = g_date_time_to_timezone (now_utc, korea);
  g_autoptr(GDateTime) midnight = NULL;
  g_autoptr(GDateTime) week_start = NULL;
  g_autoptr(GDateTime) month_start = NULL;
  g_autoptr(GDateTime) tomorrow = NULL;
  gint64 week, month, end, oldest, all_count, all_won;
  gboolean none;
  PmLedgerTotal *older = &summary->age[PM_SUMMARY_AGE_OLDER];

  midnight = g_date_time_new (korea, g_date_time_get_year (now_local),
                              g_date_time_get_month (now_local),
                              g_date_time_get_day_of_month (now_local), 0, 0, 0);
  /* whole days: a bill sent 7 days ago (any time of that Korea day) is 7 days old */
  week_start = g_date_time_add_days (midnight, -7);
  month_start = g_date_time_add_days (midnight, -30);
  tomorrow = g_date_time_add_days (midnight, 1);
  week = g_date_time_to_unix (week_start);
  month = g_date_time_to_unix (month_start);
  end = g_date_time_to_unix (tomorrow);

  /* a bill stamped later than now (another desk's clock) still counts as this week's */
  if (!read_age (self, profile_id, week, G_MAXINT64, &summary->age[PM_SUMMARY_AGE_WEEK], error)
      || !read_age (self, profile_id, month, week, &summary->age[PM_SUMMARY_AGE_MONTH], error)
      || !read_one_row (self, unpaid_total_sql, profile_id, &all_count, &all_won, NULL, error)
      || !read_one_row (self, oldest_unpaid_sql, profile_id, &oldest, NULL, &none, error))
    return FALSE;

  older->count = all_count - summary->age[PM_SUMMARY_AGE_WEEK].count
                 - summary->age[PM_SUMMARY_AGE_MONTH].count;
  older->won = all_won - summary->age[PM_SUMMARY_AGE_WEEK].won
               - summary->age[PM_SUMMARY_AGE_MONTH].won;

  summary->age_from[PM_SUMMARY_AGE_WEEK] = week;
  summary->age_to[PM_SUMMARY_AGE_WEEK] = end;
  summary->age_from[PM_SUMMARY_AGE_MONTH] = month;
  summary->age_to[PM_SUMMARY_AGE_MONTH] = week;
  summary->age_to[PM_SUMMARY_AGE_OLDER] = month;
  summary->age_from[PM_SUMMARY_AGE_OLDER] = month;
  if (!none && oldest < month)
    {
      /* the Korea midnight of the oldest unpaid bill's day */
      g_autoptr(GDateTime) at = g_date_time_new_from_unix_utc (oldest);
      g_autoptr(GDateTime) local = g_date_time_to_timezone (at, korea);
      g_autoptr(GDateTime) day = g_date_time_new (korea, g_date_time_get_year (local),
                                                  g_date_time_get_month (local),
                                                  g_date_time_get_day_of_month (local),
                                                  0, 0, 0);

      summary->age_from[PM_SUMMARY_AGE_OLDER] = g_date_time_to_unix (day);
    }
  return TRUE;
}

PmLedgerSummary *
pm_ledger_sqlite_summarize (PmLedger     *self,
                            const char   *profile_id,
                            PmSummarySpan span,
                            int           year,
                            int           month,
                            gint64        now,
                            GError      **error)
{
  g_autoptr(PmLedgerSummary) summary = NULL;
  g_autofree char *today = NULL;
  gint64 has_bills = 0;

  g_return_val_if_fail (PM_IS_LEDGER (self), NULL);
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
  if (span == PM_SUMMARY_SPAN_MONTH)
    summary->n_points = g_date_get_days_in_month ((GDateMonth) month, (GDateYear) year);
  else
    summary->n_points = 12;
  summary->points = g_new0 (PmSummaryPoint, summary->n_points);
  for (guint i = 0; i < summary->n_points; i++)
    {
      gint64 start, end;

      if (span == PM_SUMMARY_SPAN_MONTH)
        summary->points[i].start = korea_midnight (self->korea, year, month, (int) i + 1);
      else if (pm_ledger_summary_period (PM_SUMMARY_SPAN_MONTH, year, (int) i + 1, &start, &end))
        summary->points[i].start = start;
    }

  today = pm_bill_korea_date (now);
  /* one snapshot: the figures add up even while another process writes */
  if (!self->in_transaction && sqlite3_exec (self->db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK)
    {
      pm_ledger_fail (self, sqlite3_errcode (self->db), error);
      return NULL;
    }
  if (!read_one_row (self, has_bills_sql, profile_id, &has_bills, NULL, NULL, error)
      || !read_period (self, profile_id, today, summary, self->korea, error)
      || !read_ages (self, profile_id, summary, self->korea, error))
    {
      if (!self->in_transaction)
        sqlite3_exec (self->db, "ROLLBACK", NULL, NULL, NULL);
      return NULL;
    }
  if (!self->in_transaction)
    sqlite3_exec (self->db, "COMMIT", NULL, NULL, NULL);
  summary->has_bills = has_bills != 0;
  return g_steal_pointer (&summary);
}

static void
explain_one (PmLedger   *self,
             GString    *out,
             const char *title,
             const char *sql,
             gboolean    period,
             const char *profile_id)
{
  g_autofree char *explain = g_strconcat ("EXPLAIN QUERY PLAN ", sql, NULL);
  sqlite3_stmt *stmt = NULL;

  g_string_append_printf (out, "%s:\n", title);
  if (sqlite3_prepare_v2 (self->db, explain, -1, &stmt, NULL) != SQLITE_OK)
    {
      g_string_append_printf (out, "  (%s)\n", sqlite3_errmsg (self->db));
      return;
    }
  /* bind what the real query binds, so the planner sees the same shape */
  for (int i = 1; i <= sqlite3_bind_parameter_count (stmt); i++)
    sqlite3_bind_int64 (stmt, i, 0);
  if (period)
    {
      sqlite3_bind_int64 (stmt, 1, 32400);
      sqlite3_bind_text (stmt, 2, "2026-01-01", -1, SQLITE_STATIC);
      sqlite3_bind_text (stmt, 3, profile_id, -1, SQLITE_TRANSIENT);
    }
  else
    sqlite3_bind_text (stmt, 1, profile_id, -1, SQLITE_TRANSIENT);
  while (sqlite3_step (stmt) == SQLITE_ROW)
    g_string_append_printf (out, "  %s\n", (const char *) sqlite3_column_text (stmt, 3));
  sqlite3_finalize (stmt);
}

char *
pm_ledger_summary_explain (PmLedger   *self,
                           const char *profile_id)
{
  GString *out;

  g_return_val_if_fail (PM_IS_LEDGER (self), NULL);

  /* SQLite's plans; a shop ledger's server explains its own */
  if (self->db == NULL)
    return g_strdup ("");
  out = g_string_new (NULL);
  if (profile_id == NULL)
    profile_id = "";
  explain_one (self, out, "period", period_sql, TRUE, profile_id);
  explain_one (self, out, "age", age_sql, FALSE, profile_id);
  explain_one (self, out, "unpaid total", unpaid_total_sql, FALSE, profile_id);
  explain_one (self, out, "oldest unpaid", oldest_unpaid_sql, FALSE, profile_id);
  explain_one (self, out, "has bills", has_bills_sql, FALSE, profile_id);
  return g_string_free (out, FALSE);
}
