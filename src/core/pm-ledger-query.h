/* pm-ledger-query.h — what a ledger query selects: filter, search, sort, window
 *
 * Copyright 2026 The Paymint Desk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib-object.h>

#include "pm-bill.h"

G_BEGIN_DECLS

typedef enum
{
  PM_LEDGER_SORT_CREATED_AT,
  PM_LEDGER_SORT_PAYER,
  PM_LEDGER_SORT_AMOUNT,
  PM_LEDGER_SORT_STATE,        /* in PmBillState order */
  PM_LEDGER_SORT_EXPIRE_DATE,
  PM_LEDGER_SORT_LAST_CHECKED,
} PmLedgerSort;

/* Bits of PmLedgerQuery.states. PM_LEDGER_STATE_BIT (PM_BILL_STATE_UNPAID) selects unpaid
 * bills that are NOT expired; PM_LEDGER_STATE_EXPIRED selects unpaid bills whose
 * expire-date is before today (Korea time). Set both for every unpaid bill.
 * states == 0 selects every state. */
#define PM_LEDGER_STATE_BIT(state) (1u << (guint) (state))
#define PM_LEDGER_STATE_EXPIRED    (1u << 16)
#define PM_LEDGER_STATES_ALL       0u

#define PM_TYPE_LEDGER_QUERY (pm_ledger_query_get_type ())

/* A plain boxed struct; every field may be set directly. Strings are owned
 * (use g_free/g_strdup or the setters). */
typedef struct
{
  char         *profile_id;   /* NULL or "": every profile */
  guint         states;       /* PM_LEDGER_STATE_* bits; 0: all */
  char         *today;        /* "YYYY-MM-DD" Korea time for "expired"; NULL: the current day */
  gint64        created_from; /* unix UTC, inclusive; 0: open */
  gint64        created_to;   /* unix UTC, exclusive; 0: open */
  char         *text;         /* free text: payer name, phone, product, bill id; NULL/"": none */
  PmLedgerSort  sort;
  gboolean      descending;
  guint         offset;       /* window over the sorted result: skip this many rows … */
  guint         limit;        /* … and keep at most this many; 0: no limit */
} PmLedgerQuery;

GType          pm_ledger_query_get_type     (void) G_GNUC_CONST;

/* Every profile, every state, newest first, no text, no window. */
PmLedgerQuery *pm_ledger_query_new          (void);
PmLedgerQuery *pm_ledger_query_copy         (const PmLedgerQuery *query);
void           pm_ledger_query_free         (PmLedgerQuery       *query);
gboolean       pm_ledger_query_equal        (const PmLedgerQuery *a,
                                             const PmLedgerQuery *b);

void           pm_ledger_query_set_profile_id (PmLedgerQuery *query,
                                               const char    *profile_id);
void           pm_ledger_query_set_text       (PmLedgerQuery *query,
                                               const char    *text);
void           pm_ledger_query_set_today      (PmLedgerQuery *query,
                                               const char    *today);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PmLedgerQuery, pm_ledger_query_free)

G_END_DECLS
