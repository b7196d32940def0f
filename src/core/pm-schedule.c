/* pm-schedule.c — when a bill is read next, and what a read changes in it
 *
 * Copyright 2026 The Paymint Desk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Pure functions of a bill and the time, shared by the sender (after a send) and the
 * poller (after a read), so that neither needs the other for its schedule.
 */

#include "config.h"

#include <stdio.h>

#include "pm-schedule.h"

#define STEP_15S 15
#define MINUTE   60
#define HOUR     3600
#define DAY      86400

/* End of the expiry day in Korea time: expire_dt is valid until midnight. */
static gint64
expiry_end (PmBill *bill)
{
  const char *date = pm_bill_get_expire_date (bill);
  g_autoptr(GTimeZone) tz = NULL;
  g_autoptr(GDateTime) day = NULL;
  int y, m, d;

  if (date == NULL || sscanf (date, "%4d-%2d-%2d", &y, &m, &d) != 3)
    return 0;
  tz = pm_bill_korea_time_zone ();
  day = g_date_time_new (tz, y, m, d, 0, 0, 0);
  if (day == NULL)
    return 0;
  return g_date_time_to_unix (day) + DAY;
}

static gint64
paid_at (PmBill *bill)
{
  const char *dt = pm_bill_get_appr_dt (bill);
  int y, mo, d, h, mi, s;

  if (dt != NULL && sscanf (dt, "%4d%2d%2d%2d%2d%2d", &y, &mo, &d, &h, &mi, &s) == 6)
    {
      g_autoptr(GTimeZone) tz = pm_bill_korea_time_zone ();
      g_autoptr(GDateTime) when = g_date_time_new (tz, y, mo, d, h, mi, s);

      if (when != NULL)
        return g_date_time_to_unix (when);
    }
  return pm_bill_get_updated_at (bill);
}

/* The next of 15 s, 1 min, 5 min, 30 min after @since that is after @now; then hourly. */
static gint64
step_after (gint64 since,
            gint64 now)
{
  static const gint64 steps[] = { STEP_15S, MINUTE, 5 * MINUTE, 30 * MINUTE };

  for (guint i = 0; i < G_N_ELEMENTS (steps); i++)
    if (since + steps[i] > now)
      return since + steps[i];
  return now + HOUR;
}

gint64
pm_schedule_next_check (PmBill *bill,
                        gint64  now)
{
  gint64 created;
  gint64 end;

  g_return_val_if_fail (PM_IS_BILL (bill), 0);

  created = pm_bill_get_created_at (bill) > 0 ? pm_bill_get_created_at (bill) : now;

  switch (pm_bill_get_state (bill))
    {
    case PM_BILL_STATE_CANCELLED:
    case PM_BILL_STATE_DESTROYED:
    case PM_BILL_STATE_FAILED:
    case PM_BILL_STATE_NOT_SENT:
      return 0;

    case PM_BILL_STATE_PAID:
      /* refunds made elsewhere show up within a day, for a week */
      return now < paid_at (bill) + 7 * DAY ? now + DAY : 0;

    case PM_BILL_STATE_QUEUED:
    case PM_BILL_STATE_SENDING:
    case PM_BILL_STATE_UNKNOWN:
      return step_after (created, now);

    case PM_BILL_STATE_UNPAID:
      end = expiry_end (bill);
      if (end == 0 || now < end)
        {
          gint64 next = step_after (created, now);

          /* one last look right at the end of the expiry day */
          return end != 0 && next > end ? end : next;
        }
      return now < end + 3 * DAY ? now + DAY : 0;

    default:
      return 0;
    }
}

gboolean
pm_schedule_adopt_read (PmBill *bill,
                        PmBill *server,
                        gint64  now)
{
  PmBillState before;
  const char *url;

  g_return_val_if_fail (PM_IS_BILL (bill), FALSE);
  g_return_val_if_fail (PM_IS_BILL (server), FALSE);

  before = pm_bill_get_state (bill);
  pm_bill_set_state (bill, pm_bill_get_state (server));
  pm_bill_set_appr_pay_type (bill, pm_bill_get_appr_pay_type (server));
  pm_bill_set_appr_price (bill, pm_bill_get_appr_price (server));
  pm_bill_set_appr_dt (bill, pm_bill_get_appr_dt (server));
  pm_bill_set_appr_num (bill, pm_bill_get_appr_num (server));
  pm_bill_set_appr_issuer (bill, pm_bill_get_appr_issuer (server));
  pm_bill_set_appr_card_type (bill, pm_bill_get_appr_card_type (server));
  pm_bill_set_appr_monthly (bill, pm_bill_get_appr_monthly (server));
  url = pm_bill_get_short_url (server);
  if (url != NULL && *url != '\0')
    pm_bill_set_short_url (bill, url);
  if (before != pm_bill_get_state (bill))
    {
      pm_bill_set_error_code (bill, NULL);
      pm_bill_set_error_text (bill, NULL);
      pm_bill_set_updated_at (bill, now);
    }
  pm_bill_set_last_checked_at (bill, now);
  pm_bill_set_next_check_at (bill, pm_schedule_next_check (bill, now));
  return before != pm_bill_get_state (bill);
}
