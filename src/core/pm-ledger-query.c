/* pm-ledger-query.c — what a ledger query selects: filter, search, sort, window
 *
 * Copyright 2026 The Paymint Desk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "pm-ledger-query.h"

G_DEFINE_BOXED_TYPE (PmLedgerQuery, pm_ledger_query,
                     pm_ledger_query_copy, pm_ledger_query_free)

PmLedgerQuery *
pm_ledger_query_new (void)
{
  PmLedgerQuery *query = g_new0 (PmLedgerQuery, 1);

  query->sort = PM_LEDGER_SORT_CREATED_AT;
  query->descending = TRUE;
  return query;
}

PmLedgerQuery *
pm_ledger_query_copy (const PmLedgerQuery *query)
{
  PmLedgerQuery *copy;

  g_return_val_if_fail (query != NULL, NULL);

  copy = g_memdup2 (query, sizeof *query);
  copy->profile_id = g_strdup (query->profile_id);
  copy->today = g_strdup (query->today);
  copy->text = g_strdup (query->text);
  return copy;
}

void
pm_ledger_query_free (PmLedgerQuery *query)
{
  if (query == NULL)
    return;
  g_free (query->profile_id);
  g_free (query->today);
  g_free (query->text);
  g_free (query);
}

gboolean
pm_ledger_query_equal (const PmLedgerQuery *a,
                       const PmLedgerQuery *b)
{
  if (a == b)
    return TRUE;
  if (a == NULL || b == NULL)
    return FALSE;
  return g_strcmp0 (a->profile_id, b->profile_id) == 0
         && a->states == b->states
         && g_strcmp0 (a->today, b->today) == 0
         && a->created_from == b->created_from
         && a->created_to == b->created_to
         && g_strcmp0 (a->text, b->text) == 0
         && a->sort == b->sort
         && !a->descending == !b->descending
         && a->offset == b->offset
         && a->limit == b->limit;
}

void
pm_ledger_query_set_profile_id (PmLedgerQuery *query,
                                const char    *profile_id)
{
  g_return_if_fail (query != NULL);
  if (query->profile_id != profile_id)
    {
      g_free (query->profile_id);
      query->profile_id = g_strdup (profile_id);
    }
}

void
pm_ledger_query_set_text (PmLedgerQuery *query,
                          const char    *text)
{
  g_return_if_fail (query != NULL);
  if (query->text != text)
    {
      g_free (query->text);
      query->text = g_strdup (text);
    }
}

void
pm_ledger_query_set_today (PmLedgerQuery *query,
                           const char    *today)
{
  g_return_if_fail (query != NULL);
  if (query->today != today)
    {
      g_free (query->today);
      query->today = g_strdup (today);
    }
}
