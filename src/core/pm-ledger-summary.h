/* pm-ledger-summary.h — a period at a glance: totals, a series, unpaid bills by age
 *
 * Copyright 2026 The Paymint Desk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * What the figures mean (all for one profile):
 *
 *  - The period is a month or a year of Korea time (Asia/Seoul), [from, to) in UTC.
 *    It selects bills by when they were sent (created-at): each figure tells what became
 *    of the bills sent in the period, so sent = paid + refunded + outstanding + voided.
 *  - Sent: every bill the server has: unpaid, paid, cancelled (refunded), destroyed
 *    (voided). Queued, sending and unknown (not known to have arrived), failed and not
 *    sent are left out. Won: the amounts asked (price).
 *  - Paid: bills paid and not refunded. Won: the approved amounts (appr-price; the price
 *    when a bill has none recorded).
 *  - Refunded: cancelled bills (the server's C: a payment cancelled, so refunded).
 *    Won: the approved amounts, as paid.
 *  - Outstanding: unpaid bills, expired or not (expired is also given by itself).
 *    Won: the price.
 *  - The series: one point per day of a month or per month of a year, the won sent and
 *    paid (by the day the bills were sent).
 *  - By age: every unpaid bill of the profile now (whatever the period), by whole days
 *    since it was sent, in Korea time: 0–7, 8–30, 31 and more.
 */

#pragma once

#include "pm-ledger.h"

G_BEGIN_DECLS

typedef enum
{
  PM_SUMMARY_SPAN_MONTH,  /* one point per day */
  PM_SUMMARY_SPAN_YEAR,   /* one point per month */
} PmSummarySpan;

typedef enum
{
  PM_SUMMARY_AGE_WEEK,    /* sent 0–7 days ago */
  PM_SUMMARY_AGE_MONTH,   /* 8–30 days */
  PM_SUMMARY_AGE_OLDER,   /* 31 days or more */
  PM_SUMMARY_N_AGES
} PmSummaryAge;

/* The ledger query states (PmLedgerQuery.states) of the bills counted by age: every
 * unpaid bill, expired or not. */
#define PM_SUMMARY_UNPAID_STATES \
  (PM_LEDGER_STATE_BIT (PM_BILL_STATE_UNPAID) | PM_LEDGER_STATE_EXPIRED)

typedef struct
{
  gint64 start;       /* unix UTC: Korea midnight of the day, or of the month's first day */
  gint64 sent_count;
  gint64 sent_won;
  gint64 paid_count;
  gint64 paid_won;
} PmSummaryPoint;

#define PM_TYPE_LEDGER_SUMMARY (pm_ledger_summary_get_type ())

typedef struct
{
  PmSummarySpan   span;
  int             year;
  int             month;         /* 1–12; 0 for a year */
  gint64          from;          /* unix UTC, inclusive */
  gint64          to;            /* unix UTC, exclusive */
  gint64          now;           /* the moment "expired" and the ages were reckoned at */

  gboolean        has_bills;     /* the profile has any bill at all, in any state or time */

  PmLedgerTotal   sent;
  PmLedgerTotal   paid;
  PmLedgerTotal   refunded;
  PmLedgerTotal   outstanding;   /* unpaid, expired included */
  PmLedgerTotal   expired;       /* of which expired */
  PmLedgerTotal   voided;

  guint           n_points;      /* days of the month, or 12 */
  PmSummaryPoint *points;

  /* Unpaid bills now by age, and the created-at range of each: [from, to) in UTC,
   * Korea midnights (the last range starts at the oldest unpaid bill's day, the first
   * ends at tomorrow's midnight), so a list can show exactly these bills with
   * PM_SUMMARY_UNPAID_STATES and that range. */
  PmLedgerTotal   age[PM_SUMMARY_N_AGES];
  gint64          age_from[PM_SUMMARY_N_AGES];
  gint64          age_to[PM_SUMMARY_N_AGES];
} PmLedgerSummary;

GType            pm_ledger_summary_get_type (void) G_GNUC_CONST;
PmLedgerSummary *pm_ledger_summary_copy     (const PmLedgerSummary *summary);
void             pm_ledger_summary_free     (PmLedgerSummary       *summary);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (PmLedgerSummary, pm_ledger_summary_free)

/* [from, to) in UTC of a month (1–12) or a year of Korea time. FALSE for a year outside
 * 1970–9998 or a month outside 1–12. */
gboolean         pm_ledger_summary_period   (PmSummarySpan          span,
                                             int                    year,
                                             int                    month,
                                             gint64                *from,
                                             gint64                *to);

/* The figures of @profile_id (NULL or "": bills without a profile) for the month
 * @year-@month or the year @year (@month ignored), reckoned at @now (unix UTC; 0: the
 * current time). A few indexed queries: the period's bills are read once (grouped by day
 * and state in SQL), the ages through the (profile, state, created-at) index. */
PmLedgerSummary *pm_ledger_summarize        (PmLedger              *self,
                                             const char            *profile_id,
                                             PmSummarySpan          span,
                                             int                    year,
                                             int                    month,
                                             gint64                 now,
                                             GError               **error);

/* EXPLAIN QUERY PLAN of every query pm_ledger_summarize runs, one per line group
 * (benchmarks and tests). */
char            *pm_ledger_summary_explain  (PmLedger              *self,
                                             const char            *profile_id);

G_END_DECLS
