/* pm-ledger-csv.c — one bill as a row of the ledger's CSV export, for both backends
 *
 * Copyright 2026 The Paymint Desk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The format of pm_ledger_export_csv (pm-ledger.h): UTF-8, CRLF, RFC 4180 quoting, Korea
 * times, phones as shown, and typed text that a spreadsheet would run as a formula
 * written with a leading apostrophe.
 */

#include "config.h"

#include "pm-ledger-private.h"

#include "pm-phone.h"

#include <string.h>

const char pm_ledger_csv_header[] =
  "bill_id,state,expired,payer_name,phone,product,message,price,expire_date,created_at,"
  "updated_at,short_url,appr_pay_type,appr_price,appr_dt,appr_num,appr_issuer,"
  "appr_card_type,appr_monthly,error_code,error_text,note,kind,method_id,batch_id,"
  "profile_id,last_checked_at,next_check_at\r\n";

/* RFC 4180: quoted when it holds a comma, a quote or a line end; quotes doubled. */
static void
csv_put (GString    *out,
         const char *value,
         gboolean    first)
{
  if (!first)
    g_string_append_c (out, ',');
  if (value == NULL || value[strcspn (value, ",\"\r\n")] == '\0')
    {
      g_string_append (out, value != NULL ? value : "");
      return;
    }
  g_string_append_c (out, '"');
  for (const char *p = value; *p != '\0'; p++)
    {
      g_string_append_c (out, *p);
      if (*p == '"')
        g_string_append_c (out, '"');
    }
  g_string_append_c (out, '"');
}

/* Typed text: a cell a spreadsheet would run as a formula (= + - @ tab CR first) is
 * written with a leading apostrophe. */
static void
csv_put_typed (GString    *out,
               const char *value)
{
  if (value != NULL && (value[0] == '=' || value[0] == '+' || value[0] == '-'
                        || value[0] == '@' || value[0] == '\t' || value[0] == '\r'))
    {
      g_autofree char *shown = g_strdup_printf ("'%s", value);

      csv_put (out, shown, FALSE);
    }
  else
    csv_put (out, value, FALSE);
}

static void
csv_put_time (GString   *out,
              GTimeZone *korea,
              gint64     unix_utc)
{
  g_autoptr(GDateTime) utc = NULL;
  g_autoptr(GDateTime) local = NULL;
  g_autofree char *text = NULL;

  g_string_append_c (out, ',');
  if (unix_utc == 0 || (utc = g_date_time_new_from_unix_utc (unix_utc)) == NULL)
    return;
  local = g_date_time_to_timezone (utc, korea);
  text = g_date_time_format (local, "%Y-%m-%d %H:%M:%S");
  g_string_append (out, text);
}

static void
csv_put_won (GString *out,
             gint64   won,
             gboolean zero_empty)
{
  g_string_append_c (out, ',');
  if (won != 0 || !zero_empty)
    g_string_append_printf (out, "%" G_GINT64_FORMAT, won);
}

/* The approval time "YYYYMMDDHHMMSS" (Korea time) as "YYYY-MM-DD HH:MM:SS". */
static void
csv_put_appr_dt (GString    *out,
                 const char *value)
{
  gboolean stamp = value != NULL && strlen (value) == 14;

  for (int i = 0; stamp && i < 14; i++)
    stamp = g_ascii_isdigit (value[i]);
  if (!stamp)
    {
      csv_put (out, value, FALSE);
      return;
    }
  g_string_append_printf (out, ",%.4s-%.2s-%.2s %.2s:%.2s:%.2s", value, value + 4,
                          value + 6, value + 8, value + 10, value + 12);
}

void
pm_ledger_csv_append_bill (GString    *out,
                           PmBill     *bill,
                           GTimeZone  *korea,
                           const char *today)
{
  const char *phone = pm_bill_get_phone (bill);
  const char *expire = pm_bill_get_expire_date (bill);
  g_autofree char *shown_phone = NULL;
  PmBillState state = pm_bill_get_state (bill);
  gboolean expired;

  expired = state == PM_BILL_STATE_UNPAID && expire != NULL && *expire != '\0'
            && strcmp (expire, today) < 0;
  if (phone != NULL && *phone != '\0')
    shown_phone = pm_phone_format_display (phone);

  csv_put (out, pm_bill_get_bill_id (bill), TRUE);
  csv_put (out, pm_bill_state_to_string (state), FALSE);
  csv_put (out, expired ? "yes" : "no", FALSE);
  csv_put_typed (out, pm_bill_get_payer_name (bill));
  csv_put (out, shown_phone != NULL ? shown_phone : phone, FALSE);
  csv_put_typed (out, pm_bill_get_product (bill));
  csv_put_typed (out, pm_bill_get_message (bill));
  csv_put_won (out, pm_bill_get_price (bill), FALSE);
  csv_put (out, expire, FALSE);
  csv_put_time (out, korea, pm_bill_get_created_at (bill));
  csv_put_time (out, korea, pm_bill_get_updated_at (bill));
  csv_put (out, pm_bill_get_short_url (bill), FALSE);
  csv_put (out, pm_bill_get_appr_pay_type (bill), FALSE);
  csv_put_won (out, pm_bill_get_appr_price (bill), TRUE);
  csv_put_appr_dt (out, pm_bill_get_appr_dt (bill));
  csv_put (out, pm_bill_get_appr_num (bill), FALSE);
  csv_put (out, pm_bill_get_appr_issuer (bill), FALSE);
  csv_put (out, pm_bill_get_appr_card_type (bill), FALSE);
  csv_put (out, pm_bill_get_appr_monthly (bill), FALSE);
  csv_put (out, pm_bill_get_error_code (bill), FALSE);
  csv_put (out, pm_bill_get_error_text (bill), FALSE);
  csv_put_typed (out, pm_bill_get_note (bill));
  csv_put (out, pm_bill_kind_to_string (pm_bill_get_kind (bill)), FALSE);
  csv_put (out, pm_bill_get_method_id (bill), FALSE);
  csv_put (out, pm_bill_get_batch_id (bill), FALSE);
  csv_put (out, pm_bill_get_profile_id (bill), FALSE);
  csv_put_time (out, korea, pm_bill_get_last_checked_at (bill));
  csv_put_time (out, korea, pm_bill_get_next_check_at (bill));
  g_string_append (out, "\r\n");
}
