/* pm-sandbox.c — the sandbox's model: keys, licenses, bills, AutoPay, clock, state file
 *
 * Copyright 2026 The Paymint Desk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The HTTP front is pm-sandbox-http.c. Everything here runs under self->lock.
 *
 * Documented choices (see also the table at the top of pm-sandbox-http.c):
 *   - Fee: ₩100 per successful request, resend and autopay/request (pm_sandbox_set_fee).
 *   - Built-in keys get ₩10,000,000 each.
 *   - Simulated payers by default: 70 % of bills are paid 20–180 s (sandbox clock) after
 *     they are sent; the rest are never paid. A bill whose pay time falls after the end of
 *     its expire_dt (Korea time) is never paid: it stays W and clients derive "expired".
 *     5 % of AutoPay charges are declined. AutoPay links complete 30 s after they are
 *     issued, or at once when opened.
 *   - Approval details (number, issuer, card type) are drawn when a bill is made, so
 *     a given seed gives the same results whatever order bills are read in.
 *   - Bills belong to the key and license they were sent under; another key or license
 *     sees 9980. bill_id is unique across the whole sandbox (reuse → 9800).
 */

#include "config.h"

#include "pm-sandbox.h"
#include "pm-sandbox-private.h"
#include "pm-phone.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

G_DEFINE_FINAL_TYPE (PmSandbox, pm_sandbox, G_TYPE_OBJECT)

static void
fault_spec_free (gpointer data)
{
  PmSandboxFaultSpec *spec = data;

  g_array_unref (spec->kinds);
  g_free (spec);
}

static const char *const card_issuers[] = {
  "신한카드", "삼성카드", "현대카드", "KB국민카드", "롯데카드",
  "하나카드", "우리카드", "BC카드", "NH농협카드",
};

static const char *const card_bins[] = { "4518", "5365", "9410", "4673", "3560", "6250" };

/* ---------------------------------------------------------------- memory */

static void
license_free (PmSandboxLicense *license)
{
  g_free (license->business_number);
  g_free (license->business_name);
  g_free (license->member_id);
  g_free (license->merchant_id);
  g_free (license->paymint_api_key);
  g_free (license);
}

static void
key_free (PmSandboxKey *key)
{
  g_free (key->api_key);
  g_ptr_array_unref (key->licenses);
  g_free (key);
}

static PmSandboxKey *
key_new (const char    *api_key,
         PmSandboxTier  tier,
         gint64         balance)
{
  PmSandboxKey *key = g_new0 (PmSandboxKey, 1);

  key->api_key = g_strdup (api_key);
  key->tier = tier;
  key->balance = balance;
  key->licenses = g_ptr_array_new_with_free_func ((GDestroyNotify) license_free);
  return key;
}

static void
bill_free (PmSandboxBill *bill)
{
  g_free (bill->bill_id);
  g_free (bill->api_key);
  g_free (bill->member_id);
  g_free (bill->product_nm);
  g_free (bill->message);
  g_free (bill->member_nm);
  g_free (bill->phone);
  g_free (bill->expire_dt);
  g_free (bill->short_url);
  g_free (bill->method_id);
  g_free (bill->appr_num);
  g_free (bill->appr_issuer);
  g_free (bill->appr_card_type);
  g_free (bill);
}

static void
method_free (PmSandboxMethod *method)
{
  g_free (method->method_id);
  g_free (method->card_name);
  g_free (method->card_no);
  g_free (method);
}

static void
payer_free (PmSandboxPayer *payer)
{
  g_free (payer->api_key);
  g_free (payer->member_id);
  g_free (payer->phone);
  g_free (payer->member_nm);
  g_free (payer->short_url);
  g_ptr_array_unref (payer->methods);
  g_free (payer);
}

static int
due_compare (gconstpointer a,
             gconstpointer b,
             gpointer      user_data)
{
  const PmSandboxBill *x = a;
  const PmSandboxBill *y = b;

  if (x->pay_at != y->pay_at)
    return x->pay_at < y->pay_at ? -1 : 1;
  return strcmp (x->bill_id, y->bill_id);
}

/* ---------------------------------------------------------------- Korea time */

gint64
pm_sandbox_days_from_civil (int y,
                            int m,
                            int d)
{
  gint64 era;
  gint64 yoe;
  gint64 doy;
  gint64 doe;

  y -= m <= 2;
  era = (y >= 0 ? y : y - 399) / 400;
  yoe = y - era * 400;
  doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

void
pm_sandbox_civil_from_days (gint64  days,
                            int    *y,
                            int    *m,
                            int    *d)
{
  gint64 z = days + 719468;
  gint64 era = (z >= 0 ? z : z - 146096) / 146097;
  gint64 doe = z - era * 146097;
  gint64 yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  gint64 doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  gint64 mp = (5 * doy + 2) / 153;

  *d = (int) (doy - (153 * mp + 2) / 5 + 1);
  *m = (int) (mp < 10 ? mp + 3 : mp - 9);
  *y = (int) (yoe + era * 400 + (*m <= 2));
}

static gint64
floor_div (gint64 a,
           gint64 b)
{
  gint64 q = a / b;

  if ((a % b != 0) && ((a < 0) != (b < 0)))
    q--;
  return q;
}

gint64
pm_sandbox_kst_today (gint64 unix_s)
{
  return floor_div (unix_s + PM_SANDBOX_KST_OFFSET, 86400);
}

void
pm_sandbox_format_kst (gint64 unix_s,
                       char   out[15])
{
  gint64 local = unix_s + PM_SANDBOX_KST_OFFSET;
  gint64 days = floor_div (local, 86400);
  gint64 secs = local - days * 86400;
  int y, m, d;

  pm_sandbox_civil_from_days (days, &y, &m, &d);
  g_snprintf (out, 15, "%04d%02d%02d%02d%02d%02d", y % 10000, m, d,
              (int) (secs / 3600), (int) (secs / 60 % 60), (int) (secs % 60));
}

void
pm_sandbox_format_kst_date (gint64 days,
                            char   out[11])
{
  int y, m, d;

  pm_sandbox_civil_from_days (days, &y, &m, &d);
  g_snprintf (out, 11, "%04d-%02d-%02d", y % 10000, m, d);
}

/* ---------------------------------------------------------------- clock, randomness */

gint64
pm_sandbox_now_locked (PmSandbox *self)
{
  gint64 real = g_get_real_time ();

  return (self->anchor_virtual + (gint64) ((double) (real - self->anchor_real) * self->time_scale))
         / G_USEC_PER_SEC;
}

gboolean
pm_sandbox_draw_locked (PmSandbox *self,
                        double     share)
{
  if (share <= 0.0)
    return FALSE;
  if (share >= 1.0)
    return TRUE;
  return g_rand_double (self->rng) < share;
}

static void
random_token (GRand *rng,
              char  *out,
              gsize  len)
{
  static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

  for (gsize i = 0; i < len; i++)
    out[i] = alphabet[g_rand_int_range (rng, 0, (gint32) (sizeof alphabet - 1))];
  out[len] = '\0';
}

char *
pm_sandbox_new_link_locked (PmSandbox  *self,
                            const char *kind)
{
  char token[11];

  random_token (self->rng, token, 10);
  return g_strdup_printf ("%s/%s/%s", PM_SANDBOX_LINK_BASE, kind, token);
}

/* ---------------------------------------------------------------- lookups */

PmSandboxKey *
pm_sandbox_lookup_key_locked (PmSandbox  *self,
                              const char *api_key)
{
  if (api_key == NULL)
    return NULL;
  return g_hash_table_lookup (self->keys, api_key);
}

static void
settle_bill (PmSandbox     *self,
             PmSandboxBill *bill,
             gint64         now)
{
  if (bill->state != 'W' || bill->pay_at == 0 || bill->pay_at > now)
    return;
  pm_sandbox_unschedule_locked (self, bill);
  if (bill->pay_at < bill->expire_end)
    pm_sandbox_pay_bill_locked (self, bill, bill->pay_at);
  else
    bill->pay_at = 0; /* the payer came too late: the bill expired unpaid */
  self->dirty = TRUE;
}

PmSandboxBill *
pm_sandbox_lookup_bill_locked (PmSandbox  *self,
                               const char *bill_id)
{
  PmSandboxBill *bill;

  if (bill_id == NULL)
    return NULL;
  bill = g_hash_table_lookup (self->bills, bill_id);
  if (bill != NULL)
    settle_bill (self, bill, pm_sandbox_now_locked (self));
  return bill;
}

void
pm_sandbox_unschedule_locked (PmSandbox     *self,
                              PmSandboxBill *bill)
{
  if (bill->pay_at != 0)
    g_tree_remove (self->due, bill);
}

gboolean
pm_sandbox_pay_bill_locked (PmSandbox     *self,
                            PmSandboxBill *bill,
                            gint64         at)
{
  if (bill->state != 'W' || at >= bill->expire_end)
    return FALSE;
  pm_sandbox_unschedule_locked (self, bill);
  bill->pay_at = 0;
  bill->state = 'F';
  bill->paid_at = at;
  self->dirty = TRUE;
  return TRUE;
}

/* Puts a bill with a pay time in the queue of simulated payments. */
static void
schedule_bill (PmSandbox     *self,
               PmSandboxBill *bill)
{
  if (bill->state == 'W' && bill->pay_at != 0)
    g_tree_insert (self->due, bill, bill);
}

PmSandboxBill *
pm_sandbox_create_bill_locked (PmSandbox        *self,
                               PmSandboxKey     *key,
                               PmSandboxLicense *license,
                               const char       *bill_id,
                               const char       *expire_dt,
                               gint64            expire_end,
                               gboolean          autopay)
{
  PmSandboxBill *bill = g_new0 (PmSandboxBill, 1);
  char num[9];

  if (bill_id != NULL)
    bill->bill_id = g_strdup (bill_id);
  else
    {
      char token[21];

      do
        {
          token[0] = 'S';
          token[1] = 'B';
          random_token (self->rng, token + 2, 18);
        }
      while (g_hash_table_contains (self->bills, token));
      bill->bill_id = g_strdup (token);
    }
  bill->api_key = g_strdup (key->api_key);
  bill->member_id = g_strdup (license->member_id);
  bill->state = 'W';
  bill->autopay = autopay;
  bill->created_at = pm_sandbox_now_locked (self);
  bill->short_url = g_strdup_printf ("%s/b/%s", PM_SANDBOX_LINK_BASE, bill->bill_id);

  for (guint i = 0; i < 8; i++)
    num[i] = (char) ('0' + g_rand_int_range (self->rng, 0, 10));
  num[8] = '\0';
  bill->appr_num = g_strdup (num);
  bill->appr_issuer = g_strdup (card_issuers[g_rand_int_range (self->rng, 0,
                                                               G_N_ELEMENTS (card_issuers))]);
  bill->appr_card_type = g_strdup (g_rand_int_range (self->rng, 0, 4) == 0 ? "체크" : "신용");

  if (!autopay && pm_sandbox_draw_locked (self, self->pay_share))
    {
      guint span = self->pay_max_s >= self->pay_min_s ? self->pay_max_s - self->pay_min_s : 0;

      bill->pay_at = bill->created_at + self->pay_min_s
                     + (span > 0 ? g_rand_int_range (self->rng, 0, (gint32) MIN (span + 1, G_MAXINT32))
                                 : 0);
    }

  bill->expire_dt = g_strdup (expire_dt);
  bill->expire_end = expire_end;
  g_hash_table_insert (self->bills, bill->bill_id, bill);
  schedule_bill (self, bill);
  self->dirty = TRUE;
  return bill;
}

static char *
payer_key (const char *api_key,
           const char *member_id,
           const char *phone)
{
  return g_strconcat (api_key, "\n", member_id, "\n", phone, NULL);
}

PmSandboxPayer *
pm_sandbox_lookup_payer_locked (PmSandbox  *self,
                                const char *api_key,
                                const char *member_id,
                                const char *phone,
                                gboolean    create)
{
  g_autofree char *k = payer_key (api_key, member_id, phone);
  PmSandboxPayer *payer = g_hash_table_lookup (self->payers, k);

  if (payer == NULL && create)
    {
      payer = g_new0 (PmSandboxPayer, 1);
      payer->api_key = g_strdup (api_key);
      payer->member_id = g_strdup (member_id);
      payer->phone = g_strdup (phone);
      payer->methods = g_ptr_array_new_with_free_func ((GDestroyNotify) method_free);
      g_hash_table_insert (self->payers, g_steal_pointer (&k), payer);
    }
  return payer;
}

PmSandboxMethod *
pm_sandbox_find_method (PmSandboxPayer *payer,
                        const char     *method_id,
                        guint          *index)
{
  if (payer == NULL || method_id == NULL)
    return NULL;
  for (guint i = 0; i < payer->methods->len; i++)
    {
      PmSandboxMethod *method = g_ptr_array_index (payer->methods, i);

      if (strcmp (method->method_id, method_id) == 0)
        {
          if (index)
            *index = i;
          return method;
        }
    }
  return NULL;
}

static void
draw_card (PmSandbox  *self,
           char      **card_name,
           char      **card_no)
{
  g_free (*card_name);
  g_free (*card_no);
  *card_name = g_strdup (card_issuers[g_rand_int_range (self->rng, 0, G_N_ELEMENTS (card_issuers))]);
  *card_no = g_strdup_printf ("%s-****-****-%04d",
                              card_bins[g_rand_int_range (self->rng, 0, G_N_ELEMENTS (card_bins))],
                              g_rand_int_range (self->rng, 0, 10000));
}

static void
complete_registration (PmSandbox      *self,
                       PmSandboxPayer *payer,
                       gint64          at)
{
  PmSandboxMethod *method = g_new0 (PmSandboxMethod, 1);

  method->method_id = g_strdup_printf ("AM%08u", ++self->method_seq);
  draw_card (self, &method->card_name, &method->card_no);
  method->registered_at = at;
  g_ptr_array_add (payer->methods, method);
  payer->pending = FALSE;
  g_clear_pointer (&payer->short_url, g_free);
  self->dirty = TRUE;
}

static void
complete_update (PmSandbox       *self,
                 PmSandboxMethod *method,
                 gint64           at)
{
  draw_card (self, &method->card_name, &method->card_no);
  method->registered_at = at;
  method->update_pending = FALSE;
  self->dirty = TRUE;
}

static gboolean
pay_due_cb (gpointer key,
            gpointer value,
            gpointer user_data)
{
  GPtrArray *due = user_data;
  PmSandboxBill *bill = key;
  gint64 now = *(gint64 *) due->pdata[0];

  if (bill->pay_at > now)
    return TRUE;
  g_ptr_array_add (due, bill);
  return FALSE;
}

/* Lets simulated payers act up to the sandbox clock's now. */
void
pm_sandbox_settle_locked (PmSandbox *self)
{
  gint64 now = pm_sandbox_now_locked (self);
  g_autoptr(GPtrArray) due = g_ptr_array_new ();
  GHashTableIter iter;
  gpointer value;

  g_ptr_array_add (due, &now);
  g_tree_foreach (self->due, pay_due_cb, due);
  for (guint i = 1; i < due->len; i++)
    settle_bill (self, g_ptr_array_index (due, i), now);

  if (self->autopay_delay_s == 0)
    return;
  g_hash_table_iter_init (&iter, self->payers);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      PmSandboxPayer *payer = value;

      if (payer->pending && payer->pending_since + self->autopay_delay_s <= now)
        complete_registration (self, payer, payer->pending_since + self->autopay_delay_s);
      for (guint i = 0; i < payer->methods->len; i++)
        {
          PmSandboxMethod *method = g_ptr_array_index (payer->methods, i);

          if (method->update_pending && method->update_since + self->autopay_delay_s <= now)
            complete_update (self, method, method->update_since + self->autopay_delay_s);
        }
    }
}

gboolean
pm_sandbox_open_link_locked (PmSandbox  *self,
                             const char *phone)
{
  gint64 now = pm_sandbox_now_locked (self);
  gboolean any = FALSE;
  GHashTableIter iter;
  gpointer value;

  pm_sandbox_settle_locked (self);
  g_hash_table_iter_init (&iter, self->payers);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      PmSandboxPayer *payer = value;

      if (strcmp (payer->phone, phone) != 0)
        continue;
      if (payer->pending)
        {
          complete_registration (self, payer, now);
          any = TRUE;
        }
      for (guint i = 0; i < payer->methods->len; i++)
        {
          PmSandboxMethod *method = g_ptr_array_index (payer->methods, i);

          if (method->update_pending)
            {
              complete_update (self, method, now);
              any = TRUE;
            }
        }
    }
  return any;
}

/* ---------------------------------------------------------------- state file */

void
pm_sandbox_append_json_string (GString    *s,
                               const char *v)
{
  const char *run = v ? v : "";
  const char *p = run;

  g_string_append_c (s, '"');
  for (;; p++)
    {
      unsigned char c = (unsigned char) *p;

      if (c >= 0x20 && c != '"' && c != '\\')
        continue;
      /* copy the run of plain bytes at once */
      if (p > run)
        g_string_append_len (s, run, p - run);
      if (c == '\0')
        break;
      switch (c)
        {
        case '"':
          g_string_append (s, "\\\"");
          break;
        case '\\':
          g_string_append (s, "\\\\");
          break;
        case '\n':
          g_string_append (s, "\\n");
          break;
        case '\r':
          g_string_append (s, "\\r");
          break;
        case '\t':
          g_string_append (s, "\\t");
          break;
        default:
          g_string_append_printf (s, "\\u%04x", c);
          break;
        }
      run = p + 1;
    }
  g_string_append_c (s, '"');
}

static void
append_int (GString *s,
            gint64   value)
{
  char buf[24];
  int i = sizeof buf;
  guint64 u = value < 0 ? (guint64) 0 - (guint64) value : (guint64) value;

  do
    {
      buf[--i] = (char) ('0' + u % 10);
      u /= 10;
    }
  while (u != 0);
  if (value < 0)
    buf[--i] = '-';
  g_string_append_len (s, buf + i, (gssize) sizeof buf - i);
}

/* The state file is written by hand: json-glib's builder made every save of a few
 * thousand bills take tens of milliseconds. */
static void
add_str (GString    *s,
         const char *name,
         const char *value)
{
  char last = s->str[s->len - 1];

  if (last != '{' && last != '[')
    g_string_append_c (s, ',');
  pm_sandbox_append_json_string (s, name);
  g_string_append_c (s, ':');
  if (value != NULL)
    pm_sandbox_append_json_string (s, value);
  else
    g_string_append (s, "null");
}

static void
add_int (GString    *s,
         const char *name,
         gint64      value)
{
  char last = s->str[s->len - 1];

  if (last != '{' && last != '[')
    g_string_append_c (s, ',');
  pm_sandbox_append_json_string (s, name);
  g_string_append_c (s, ':');
  append_int (s, value);
}

static void
begin_array (GString    *s,
             const char *name)
{
  g_string_append_c (s, ',');
  pm_sandbox_append_json_string (s, name);
  g_string_append (s, ":[");
}

static void
begin_element (GString *s)
{
  if (s->str[s->len - 1] != '[')
    g_string_append_c (s, ',');
  g_string_append_c (s, '{');
}

static GString *
state_to_json (PmSandbox *self)
{
  GString *s = g_string_sized_new (4096 + 512 * g_hash_table_size (self->bills));
  GHashTableIter iter;
  gpointer value;
  gint64 now_us = self->anchor_virtual
                  + (gint64) ((double) (g_get_real_time () - self->anchor_real) * self->time_scale);

  g_string_append_c (s, '{');
  add_str (s, "format", "paymint-sandbox-state");
  add_int (s, "version", 1);
  add_int (s, "clock_offset_us", now_us - g_get_real_time ());
  add_int (s, "method_seq", self->method_seq);

  begin_array (s, "keys");
  g_hash_table_iter_init (&iter, self->keys);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      PmSandboxKey *key = value;

      begin_element (s);
      add_str (s, "api_key", key->api_key);
      add_str (s, "tier", key->tier == PM_SANDBOX_TIER_BASIC ? "basic" : "pro");
      add_int (s, "balance", key->balance);
      begin_array (s, "licenses");
      for (guint i = 0; i < key->licenses->len; i++)
        {
          PmSandboxLicense *l = g_ptr_array_index (key->licenses, i);

          begin_element (s);
          add_str (s, "business_number", l->business_number);
          add_str (s, "business_name", l->business_name);
          add_str (s, "member_id", l->member_id);
          add_str (s, "merchant_id", l->merchant_id);
          add_str (s, "paymint_api_key", l->paymint_api_key);
          g_string_append_c (s, '}');
        }
      g_string_append (s, "]}");
    }
  g_string_append_c (s, ']');

  begin_array (s, "bills");
  g_hash_table_iter_init (&iter, self->bills);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      PmSandboxBill *bill = value;
      char state[2] = { bill->state, '\0' };

      begin_element (s);
      add_str (s, "bill_id", bill->bill_id);
      add_str (s, "api_key", bill->api_key);
      add_str (s, "member_id", bill->member_id);
      add_str (s, "product_nm", bill->product_nm);
      add_str (s, "message", bill->message);
      add_str (s, "member_nm", bill->member_nm);
      add_str (s, "phone", bill->phone);
      add_str (s, "expire_dt", bill->expire_dt);
      add_str (s, "short_url", bill->short_url);
      add_str (s, "method_id", bill->method_id);
      add_int (s, "price", bill->price);
      add_str (s, "state", state);
      add_int (s, "autopay", bill->autopay);
      add_int (s, "resend_count", bill->resend_count);
      add_int (s, "created_at", bill->created_at);
      add_int (s, "expire_end", bill->expire_end);
      add_int (s, "pay_at", bill->pay_at);
      add_int (s, "paid_at", bill->paid_at);
      add_int (s, "cancelled_at", bill->cancelled_at);
      add_int (s, "destroyed_at", bill->destroyed_at);
      add_str (s, "appr_num", bill->appr_num);
      add_str (s, "appr_issuer", bill->appr_issuer);
      add_str (s, "appr_card_type", bill->appr_card_type);
      g_string_append_c (s, '}');
    }
  g_string_append_c (s, ']');

  begin_array (s, "payers");
  g_hash_table_iter_init (&iter, self->payers);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      PmSandboxPayer *payer = value;

      begin_element (s);
      add_str (s, "api_key", payer->api_key);
      add_str (s, "member_id", payer->member_id);
      add_str (s, "phone", payer->phone);
      add_str (s, "member_nm", payer->member_nm);
      add_int (s, "pending", payer->pending);
      add_int (s, "pending_since", payer->pending_since);
      add_str (s, "short_url", payer->short_url);
      begin_array (s, "methods");
      for (guint i = 0; i < payer->methods->len; i++)
        {
          PmSandboxMethod *m = g_ptr_array_index (payer->methods, i);

          begin_element (s);
          add_str (s, "method_id", m->method_id);
          add_str (s, "card_name", m->card_name);
          add_str (s, "card_no", m->card_no);
          add_int (s, "registered_at", m->registered_at);
          add_int (s, "update_pending", m->update_pending);
          add_int (s, "update_since", m->update_since);
          g_string_append_c (s, '}');
        }
      g_string_append (s, "]}");
    }
  g_string_append (s, "]}\n");
  return s;
}

gboolean
pm_sandbox_save_locked (PmSandbox  *self,
                        GError    **error)
{
  g_autoptr(GString) data = NULL;
  g_autofree char *tmp = NULL;

  if (self->state_file == NULL)
    {
      self->dirty = FALSE;
      return TRUE;
    }
  data = state_to_json (self);
  /* Atomic: a temporary file renamed over the old one, so a killed process leaves the
   * old or the new state, never a mixture. No fsync(): the sandbox guards against its
   * process dying, not the machine losing power, and an fsync per commit cost most of
   * the time of a send. 0600: the file holds API keys. */
  tmp = g_strconcat (self->state_file, ".tmp", NULL);
  if (!g_file_set_contents_full (tmp, data->str, (gssize) data->len,
                                 G_FILE_SET_CONTENTS_NONE, 0600, error))
    return FALSE;
  if (g_rename (tmp, self->state_file) != 0)
    {
      int errsv = errno;

      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (errsv),
                   "Could not replace the sandbox state file %s: %s", self->state_file,
                   g_strerror (errsv));
      g_unlink (tmp);
      return FALSE;
    }
  self->dirty = FALSE;
  return TRUE;
}

static char *
obj_dup (JsonObject *o,
         const char *name)
{
  const char *s = json_object_get_string_member_with_default (o, name, NULL);

  return g_strdup (s);
}

static gint64
obj_int (JsonObject *o,
         const char *name)
{
  return json_object_get_int_member_with_default (o, name, 0);
}

static JsonArray *
obj_array (JsonObject *o,
           const char *name)
{
  JsonNode *node = json_object_get_member (o, name);

  return node != NULL && JSON_NODE_HOLDS_ARRAY (node) ? json_node_get_array (node) : NULL;
}

static gboolean
load_state (PmSandbox   *self,
            const char  *path,
            GError     **error)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autofree char *data = NULL;
  gsize len;
  JsonObject *root;
  JsonArray *array;
  GError *local_error = NULL;

  if (!g_file_get_contents (path, &data, &len, &local_error))
    {
      if (g_error_matches (local_error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
        {
          g_error_free (local_error);
          return TRUE;
        }
      g_propagate_error (error, local_error);
      return FALSE;
    }
  if (!json_parser_load_from_data (parser, data, (gssize) len, error))
    {
      g_prefix_error (error, "Sandbox state file %s: ", path);
      return FALSE;
    }
  if (!JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser))
      || g_strcmp0 (json_object_get_string_member_with_default (
                      json_node_get_object (json_parser_get_root (parser)), "format", ""),
                    "paymint-sandbox-state") != 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   "Sandbox state file %s is not a paymint-sandbox state file", path);
      return FALSE;
    }
  root = json_node_get_object (json_parser_get_root (parser));

  self->anchor_real = g_get_real_time ();
  self->anchor_virtual = self->anchor_real + obj_int (root, "clock_offset_us");
  self->method_seq = (guint) obj_int (root, "method_seq");

  array = obj_array (root, "keys");
  for (guint i = 0; array && i < json_array_get_length (array); i++)
    {
      JsonObject *o = json_array_get_object_element (array, i);
      const char *api_key;
      PmSandboxKey *key;
      JsonArray *licenses;

      if (o == NULL || (api_key = json_object_get_string_member_with_default (o, "api_key", NULL)) == NULL)
        continue;
      key = key_new (api_key,
                     g_strcmp0 (json_object_get_string_member_with_default (o, "tier", ""), "basic") == 0
                       ? PM_SANDBOX_TIER_BASIC : PM_SANDBOX_TIER_PRO,
                     obj_int (o, "balance"));
      licenses = obj_array (o, "licenses");
      for (guint j = 0; licenses && j < json_array_get_length (licenses); j++)
        {
          JsonObject *lo = json_array_get_object_element (licenses, j);
          PmSandboxLicense *l;

          if (lo == NULL)
            continue;
          l = g_new0 (PmSandboxLicense, 1);
          l->business_number = obj_dup (lo, "business_number");
          l->business_name = obj_dup (lo, "business_name");
          l->member_id = obj_dup (lo, "member_id");
          l->merchant_id = obj_dup (lo, "merchant_id");
          l->paymint_api_key = obj_dup (lo, "paymint_api_key");
          if (l->member_id == NULL || l->merchant_id == NULL)
            {
              license_free (l);
              continue;
            }
          g_ptr_array_add (key->licenses, l);
        }
      g_hash_table_replace (self->keys, key->api_key, key);
    }

  array = obj_array (root, "bills");
  for (guint i = 0; array && i < json_array_get_length (array); i++)
    {
      JsonObject *o = json_array_get_object_element (array, i);
      PmSandboxBill *bill;
      const char *state;
      PmSandboxBill *old;

      if (o == NULL || json_object_get_string_member_with_default (o, "bill_id", NULL) == NULL)
        continue;
      state = json_object_get_string_member_with_default (o, "state", "W");
      bill = g_new0 (PmSandboxBill, 1);
      bill->bill_id = obj_dup (o, "bill_id");
      bill->api_key = obj_dup (o, "api_key");
      bill->member_id = obj_dup (o, "member_id");
      bill->product_nm = obj_dup (o, "product_nm");
      bill->message = obj_dup (o, "message");
      bill->member_nm = obj_dup (o, "member_nm");
      bill->phone = obj_dup (o, "phone");
      bill->expire_dt = obj_dup (o, "expire_dt");
      bill->short_url = obj_dup (o, "short_url");
      bill->method_id = obj_dup (o, "method_id");
      bill->price = obj_int (o, "price");
      bill->state = strchr ("WFCD", state[0]) != NULL && state[0] != '\0' ? state[0] : 'W';
      bill->autopay = obj_int (o, "autopay") != 0;
      bill->resend_count = (guint) obj_int (o, "resend_count");
      bill->created_at = obj_int (o, "created_at");
      bill->expire_end = obj_int (o, "expire_end");
      bill->pay_at = obj_int (o, "pay_at");
      bill->paid_at = obj_int (o, "paid_at");
      bill->cancelled_at = obj_int (o, "cancelled_at");
      bill->destroyed_at = obj_int (o, "destroyed_at");
      bill->appr_num = obj_dup (o, "appr_num");
      bill->appr_issuer = obj_dup (o, "appr_issuer");
      bill->appr_card_type = obj_dup (o, "appr_card_type");
      if (bill->api_key == NULL || bill->member_id == NULL)
        {
          bill_free (bill);
          continue;
        }
      old = g_hash_table_lookup (self->bills, bill->bill_id);
      if (old != NULL)
        pm_sandbox_unschedule_locked (self, old);
      if (bill->state != 'W')
        bill->pay_at = 0;
      g_hash_table_replace (self->bills, bill->bill_id, bill);
      schedule_bill (self, bill);
    }

  array = obj_array (root, "payers");
  for (guint i = 0; array && i < json_array_get_length (array); i++)
    {
      JsonObject *o = json_array_get_object_element (array, i);
      PmSandboxPayer *payer;
      JsonArray *methods;
      const char *api_key, *member_id, *phone;

      if (o == NULL)
        continue;
      api_key = json_object_get_string_member_with_default (o, "api_key", NULL);
      member_id = json_object_get_string_member_with_default (o, "member_id", NULL);
      phone = json_object_get_string_member_with_default (o, "phone", NULL);
      if (api_key == NULL || member_id == NULL || phone == NULL)
        continue;
      {
        g_autofree char *k = payer_key (api_key, member_id, phone);

        g_hash_table_remove (self->payers, k);
      }
      payer = pm_sandbox_lookup_payer_locked (self, api_key, member_id, phone, TRUE);
      payer->member_nm = obj_dup (o, "member_nm");
      payer->pending = obj_int (o, "pending") != 0;
      payer->pending_since = obj_int (o, "pending_since");
      payer->short_url = obj_dup (o, "short_url");
      methods = obj_array (o, "methods");
      for (guint j = 0; methods && j < json_array_get_length (methods); j++)
        {
          JsonObject *mo = json_array_get_object_element (methods, j);
          PmSandboxMethod *m;

          if (mo == NULL || json_object_get_string_member_with_default (mo, "method_id", NULL) == NULL)
            continue;
          m = g_new0 (PmSandboxMethod, 1);
          m->method_id = obj_dup (mo, "method_id");
          m->card_name = obj_dup (mo, "card_name");
          m->card_no = obj_dup (mo, "card_no");
          m->registered_at = obj_int (mo, "registered_at");
          m->update_pending = obj_int (mo, "update_pending") != 0;
          m->update_since = obj_int (mo, "update_since");
          g_ptr_array_add (payer->methods, m);
        }
    }
  return TRUE;
}

/* ---------------------------------------------------------------- GObject */

static void
add_builtin_keys (PmSandbox *self)
{
  pm_sandbox_add_key (self, PM_SANDBOX_DEMO_KEY, PM_SANDBOX_TIER_PRO, PM_SANDBOX_DEFAULT_BALANCE);
  pm_sandbox_add_license (self, PM_SANDBOX_DEMO_KEY, PM_SANDBOX_DEMO_BUSINESS_NUMBER,
                          "샌드박스 데모 상점", PM_SANDBOX_DEMO_MEMBER_ID,
                          PM_SANDBOX_DEMO_MERCHANT_ID, PM_SANDBOX_DEMO_PAYMINT_API_KEY);

  pm_sandbox_add_key (self, PM_SANDBOX_MULTI_KEY, PM_SANDBOX_TIER_PRO, PM_SANDBOX_DEFAULT_BALANCE);
  pm_sandbox_add_license (self, PM_SANDBOX_MULTI_KEY, "2208112345", "서울 베이커리 (샌드박스)",
                          "multi-member-1", "multi-merchant-1", "sandbox-paymint-multi-1");
  pm_sandbox_add_license (self, PM_SANDBOX_MULTI_KEY, "3308254321", "부산 국수 (샌드박스)",
                          "multi-member-2", "multi-merchant-2", "sandbox-paymint-multi-2");

  pm_sandbox_add_key (self, PM_SANDBOX_BASIC_KEY, PM_SANDBOX_TIER_BASIC, PM_SANDBOX_DEFAULT_BALANCE);
  pm_sandbox_add_license (self, PM_SANDBOX_BASIC_KEY, "5558800001", "베이직 상점 (샌드박스)",
                          "basic-member", "basic-merchant", "sandbox-paymint-basic");
}

static void
pm_sandbox_finalize (GObject *object)
{
  PmSandbox *self = PM_SANDBOX (object);

  pm_sandbox_stop (self);
  g_clear_pointer (&self->bills, g_hash_table_unref);
  g_clear_pointer (&self->due, g_tree_unref);
  g_clear_pointer (&self->keys, g_hash_table_unref);
  g_clear_pointer (&self->payers, g_hash_table_unref);
  g_clear_pointer (&self->faults, g_hash_table_unref);
  g_clear_pointer (&self->fault_counts, g_hash_table_unref);
  g_clear_pointer (&self->rng, g_rand_free);
  g_clear_pointer (&self->fault_rng, g_rand_free);
  g_clear_pointer (&self->state_file, g_free);
  if (self->state_lock_fd >= 0)
    close (self->state_lock_fd);
  g_clear_pointer (&self->address, g_free);
  g_mutex_clear (&self->lock);
  g_cond_clear (&self->cond);

  G_OBJECT_CLASS (pm_sandbox_parent_class)->finalize (object);
}

static void
pm_sandbox_class_init (PmSandboxClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = pm_sandbox_finalize;
}

static void
pm_sandbox_init (PmSandbox *self)
{
  g_mutex_init (&self->lock);
  g_cond_init (&self->cond);
  self->keys = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, (GDestroyNotify) key_free);
  self->bills = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, (GDestroyNotify) bill_free);
  self->due = g_tree_new_full (due_compare, NULL, NULL, NULL);
  self->payers = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) payer_free);
  self->faults = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, fault_spec_free);
  self->fault_counts = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, g_free);
  self->fee = PM_SANDBOX_DEFAULT_FEE;
  self->pay_share = PM_SANDBOX_DEFAULT_PAY_SHARE;
  self->pay_min_s = PM_SANDBOX_DEFAULT_PAY_MIN_S;
  self->pay_max_s = PM_SANDBOX_DEFAULT_PAY_MAX_S;
  self->decline_share = PM_SANDBOX_DEFAULT_DECLINE;
  self->autopay_delay_s = PM_SANDBOX_DEFAULT_AUTOPAY_S;
  self->rng = g_rand_new ();
  self->fault_rng = g_rand_new ();
  self->time_scale = 1.0;
  self->state_lock_fd = -1;
  self->anchor_real = g_get_real_time ();
  self->anchor_virtual = self->anchor_real;
  add_builtin_keys (self);
}

/* ---------------------------------------------------------------- public API */

PmSandbox *
pm_sandbox_new (void)
{
  return g_object_new (PM_TYPE_SANDBOX, NULL);
}

/* Saves after a change made through the public API (not from a request). */
static void
save_after_change (PmSandbox *self)
{
  g_autoptr(GError) error = NULL;

  if (self->state_file != NULL && !pm_sandbox_save_locked (self, &error))
    g_message ("Sandbox: could not write the state file: %s", error->message);
}

void
pm_sandbox_set_seed (PmSandbox *self,
                     guint64    seed)
{
  guint32 words[2] = { (guint32) seed, (guint32) (seed >> 32) };
  guint32 fwords[2] = { (guint32) seed ^ 0x9E3779B9u, (guint32) (seed >> 32) ^ 0x7F4A7C15u };

  g_return_if_fail (PM_IS_SANDBOX (self));
  g_mutex_lock (&self->lock);
  g_rand_set_seed_array (self->rng, words, 2);
  g_rand_set_seed_array (self->fault_rng, fwords, 2);
  g_mutex_unlock (&self->lock);
}

/* Takes the lock that makes one sandbox the only writer of the state file @path: an
 * flock() on "@path.lock" (the state file itself is replaced by a rename at every save,
 * so it cannot hold a lock). Another sandbox, in this process or another, holding it
 * gives G_IO_ERROR_BUSY. The lock goes with the file descriptor: at exit, at a crash. */
static int
lock_state_file (const char  *path,
                 GError     **error)
{
  g_autofree char *lock_path = g_strconcat (path, ".lock", NULL);
  g_autofree char *owner = NULL;
  int fd;

  fd = g_open (lock_path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0)
    {
      int errsv = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errsv),
                   "Could not open the sandbox state lock %s: %s", lock_path,
                   g_strerror (errsv));
      return -1;
    }
  if (flock (fd, LOCK_EX | LOCK_NB) != 0)
    {
      int errsv = errno;

      if (errsv == EWOULDBLOCK)
        {
          g_file_get_contents (lock_path, &owner, NULL, NULL);
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_BUSY,
                       "The sandbox state file %s is in use by another sandbox (process %s)",
                       path, owner != NULL && *owner != '\0' ? g_strstrip (owner) : "?");
        }
      else
        g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errsv),
                     "Could not lock the sandbox state file %s: %s", path, g_strerror (errsv));
      close (fd);
      return -1;
    }
  /* who holds it, for the message above (best effort) */
  owner = g_strdup_printf ("%ld\n", (long) getpid ());
  if (ftruncate (fd, 0) == 0 && write (fd, owner, strlen (owner)) < 0)
    g_debug ("Could not note the owner of %s", lock_path);
  return fd;
}

/**
 * pm_sandbox_set_state_file:
 * @path: (nullable): where to keep keys, balances, bills and AutoPay; %NULL: memory only
 *
 * Loads @path when it exists (its keys replace keys of the same name; its bills and
 * payers are added), then writes it after every change, before the change is
 * acknowledged. Fails, changing nothing, when the file exists but cannot be read.
 *
 * One sandbox at a time owns a state file: this one takes a lock on it (the file
 * "@path.lock") and keeps it until another path is set or the sandbox is finalized. A
 * state file another sandbox owns, in this process or another, gives G_IO_ERROR_BUSY,
 * so two sandboxes never overwrite each other's bills.
 */
gboolean
pm_sandbox_set_state_file (PmSandbox   *self,
                           const char  *path,
                           GError     **error)
{
  gboolean ok = TRUE;
  gboolean same;
  int lock_fd = -1;

  g_return_val_if_fail (PM_IS_SANDBOX (self), FALSE);
  g_mutex_lock (&self->lock);
  same = path != NULL && g_strcmp0 (path, self->state_file) == 0;
  if (path != NULL && !same)
    {
      lock_fd = lock_state_file (path, error);
      ok = lock_fd >= 0;
    }
  if (ok && path != NULL)
    ok = load_state (self, path, error);
  if (ok)
    {
      g_free (self->state_file);
      self->state_file = g_strdup (path);
      if (!same)
        {
          if (self->state_lock_fd >= 0)
            close (self->state_lock_fd);
          self->state_lock_fd = lock_fd;
          lock_fd = -1;
        }
      if (path != NULL)
        ok = pm_sandbox_save_locked (self, error);
    }
  if (lock_fd >= 0)
    close (lock_fd);
  g_mutex_unlock (&self->lock);
  return ok;
}

/**
 * pm_sandbox_reset_keys:
 *
 * Forgets every key and license, the built-in ones included (bills stay).
 */
void
pm_sandbox_reset_keys (PmSandbox *self)
{
  g_return_if_fail (PM_IS_SANDBOX (self));
  g_mutex_lock (&self->lock);
  g_hash_table_remove_all (self->keys);
  self->dirty = TRUE;
  save_after_change (self);
  g_mutex_unlock (&self->lock);
}

/* Adds @api_key, or changes the tier and balance of an existing one (its licenses stay). */
void
pm_sandbox_add_key (PmSandbox     *self,
                    const char    *api_key,
                    PmSandboxTier  tier,
                    gint64         balance_won)
{
  PmSandboxKey *key;

  g_return_if_fail (PM_IS_SANDBOX (self));
  g_return_if_fail (api_key != NULL && *api_key != '\0');
  g_mutex_lock (&self->lock);
  key = g_hash_table_lookup (self->keys, api_key);
  if (key == NULL)
    {
      key = key_new (api_key, tier, balance_won);
      g_hash_table_insert (self->keys, key->api_key, key);
    }
  key->tier = tier;
  key->balance = balance_won;
  self->dirty = TRUE;
  save_after_change (self);
  g_mutex_unlock (&self->lock);
}

/* Adds a license to @api_key (a Pro key with no balance is made if it does not exist).
 * A license with the same member id is replaced. */
void
pm_sandbox_add_license (PmSandbox  *self,
                        const char *api_key,
                        const char *business_number,
                        const char *business_name,
                        const char *member_id,
                        const char *merchant_id,
                        const char *paymint_api_key)
{
  PmSandboxKey *key;
  PmSandboxLicense *license;

  g_return_if_fail (PM_IS_SANDBOX (self));
  g_return_if_fail (api_key != NULL && member_id != NULL && merchant_id != NULL);
  g_mutex_lock (&self->lock);
  key = g_hash_table_lookup (self->keys, api_key);
  if (key == NULL)
    {
      key = key_new (api_key, PM_SANDBOX_TIER_PRO, 0);
      g_hash_table_insert (self->keys, key->api_key, key);
    }
  for (guint i = 0; i < key->licenses->len; i++)
    {
      PmSandboxLicense *old = g_ptr_array_index (key->licenses, i);

      if (strcmp (old->member_id, member_id) == 0)
        {
          g_ptr_array_remove_index (key->licenses, i);
          break;
        }
    }
  license = g_new0 (PmSandboxLicense, 1);
  license->business_number = g_strdup (business_number ? business_number : "");
  license->business_name = g_strdup (business_name ? business_name : "");
  license->member_id = g_strdup (member_id);
  license->merchant_id = g_strdup (merchant_id);
  license->paymint_api_key = g_strdup (paymint_api_key ? paymint_api_key : "");
  g_ptr_array_add (key->licenses, license);
  self->dirty = TRUE;
  save_after_change (self);
  g_mutex_unlock (&self->lock);
}

void
pm_sandbox_set_balance (PmSandbox  *self,
                        const char *api_key,
                        gint64      balance_won)
{
  PmSandboxKey *key;

  g_return_if_fail (PM_IS_SANDBOX (self));
  g_mutex_lock (&self->lock);
  key = pm_sandbox_lookup_key_locked (self, api_key);
  if (key != NULL)
    {
      key->balance = balance_won;
      self->dirty = TRUE;
      save_after_change (self);
    }
  g_mutex_unlock (&self->lock);
}

/* Returns the balance in won, or -1 when @api_key is unknown. */
gint64
pm_sandbox_get_balance (PmSandbox  *self,
                        const char *api_key)
{
  PmSandboxKey *key;
  gint64 balance;

  g_return_val_if_fail (PM_IS_SANDBOX (self), -1);
  g_mutex_lock (&self->lock);
  key = pm_sandbox_lookup_key_locked (self, api_key);
  balance = key != NULL ? key->balance : -1;
  g_mutex_unlock (&self->lock);
  return balance;
}

/* What each successful request, resend and autopay/request costs (default ₩100). */
void
pm_sandbox_set_fee (PmSandbox *self,
                    gint64     won_per_send)
{
  g_return_if_fail (PM_IS_SANDBOX (self));
  g_return_if_fail (won_per_send >= 0);
  g_mutex_lock (&self->lock);
  self->fee = won_per_send;
  g_mutex_unlock (&self->lock);
}

gint64
pm_sandbox_get_fee (PmSandbox *self)
{
  gint64 fee;

  g_return_val_if_fail (PM_IS_SANDBOX (self), 0);
  g_mutex_lock (&self->lock);
  fee = self->fee;
  g_mutex_unlock (&self->lock);
  return fee;
}

void
pm_sandbox_set_payers (PmSandbox *self,
                       double     pay_share,
                       guint      min_delay_s,
                       guint      max_delay_s,
                       double     decline_share)
{
  g_return_if_fail (PM_IS_SANDBOX (self));
  g_mutex_lock (&self->lock);
  self->pay_share = CLAMP (pay_share, 0.0, 1.0);
  self->pay_min_s = MIN (min_delay_s, max_delay_s);
  self->pay_max_s = MAX (min_delay_s, max_delay_s);
  self->decline_share = CLAMP (decline_share, 0.0, 1.0);
  g_mutex_unlock (&self->lock);
}

void
pm_sandbox_set_autopay_delay (PmSandbox *self,
                              guint      delay_s)
{
  g_return_if_fail (PM_IS_SANDBOX (self));
  g_mutex_lock (&self->lock);
  self->autopay_delay_s = delay_s;
  g_mutex_unlock (&self->lock);
}

void
pm_sandbox_set_time_scale (PmSandbox *self,
                           double     scale)
{
  gint64 real;

  g_return_if_fail (PM_IS_SANDBOX (self));
  g_return_if_fail (scale >= 0.0);
  g_mutex_lock (&self->lock);
  real = g_get_real_time ();
  self->anchor_virtual += (gint64) ((double) (real - self->anchor_real) * self->time_scale);
  self->anchor_real = real;
  self->time_scale = scale;
  g_mutex_unlock (&self->lock);
}

/* Moves the sandbox clock forward; payers due by then pay at once. */
void
pm_sandbox_advance (PmSandbox *self,
                    gint64     seconds)
{
  g_return_if_fail (PM_IS_SANDBOX (self));
  g_mutex_lock (&self->lock);
  self->anchor_virtual += seconds * G_USEC_PER_SEC;
  pm_sandbox_settle_locked (self);
  self->dirty = TRUE; /* the clock offset is part of the state */
  save_after_change (self);
  g_mutex_unlock (&self->lock);
}

gint64
pm_sandbox_now (PmSandbox *self)
{
  gint64 now;

  g_return_val_if_fail (PM_IS_SANDBOX (self), 0);
  g_mutex_lock (&self->lock);
  now = pm_sandbox_now_locked (self);
  g_mutex_unlock (&self->lock);
  return now;
}

static const char *const fault_names[][2] = {
  { "none", NULL },
  { "500", "http-500" },
  { "503", "http-503" },
  { "reset-before", "reset_before" },
  { "reset-after", "reset_after" },
  { "timeout", NULL },
  { "malformed", "malformed-json" },
  { "truncated", "truncated-json" },
  { "deep-nesting", "deep_nesting" },
  { "oversized", NULL },
  { "success-contradiction", "success_contradiction" },
  { "code-9999-after-create", "code_9999_after_create" },
  { "other-bill-id", "other_bill_id" },
  { "javascript-link", "javascript_link" },
  { "control-text", "control_text" },
  { "html-200", "html_200" },
};

G_STATIC_ASSERT (G_N_ELEMENTS (fault_names) == PM_SANDBOX_N_FAULTS);

/**
 * pm_sandbox_fault_from_string:
 * @name: "none", "500", "503", "reset-before", "reset-after", "timeout", "malformed",
 *   "truncated", "deep-nesting", "oversized", "success-contradiction",
 *   "code-9999-after-create", "other-bill-id", "javascript-link", "control-text" or
 *   "html-200" (also "http-500", "malformed-json", "html_200", …)
 */
gboolean
pm_sandbox_fault_from_string (const char     *name,
                              PmSandboxFault *fault)
{
  g_return_val_if_fail (fault != NULL, FALSE);
  if (name == NULL)
    return FALSE;
  for (guint i = 0; i < G_N_ELEMENTS (fault_names); i++)
    if (g_ascii_strcasecmp (name, fault_names[i][0]) == 0
        || (fault_names[i][1] != NULL && g_ascii_strcasecmp (name, fault_names[i][1]) == 0))
      {
        *fault = (PmSandboxFault) i;
        return TRUE;
      }
  return FALSE;
}

const char *
pm_sandbox_fault_to_string (PmSandboxFault fault)
{
  if ((guint) fault >= G_N_ELEMENTS (fault_names))
    return NULL;
  return fault_names[fault][0];
}

char *
pm_sandbox_dup_fault_names (void)
{
  GString *s = g_string_new (NULL);

  for (guint i = 0; i < G_N_ELEMENTS (fault_names); i++)
    {
      if (i > 0)
        g_string_append (s, ", ");
      g_string_append (s, fault_names[i][0]);
    }
  return g_string_free (s, FALSE);
}

PmSandboxFaultSpec *
pm_sandbox_fault_spec_locked (PmSandbox  *self,
                              const char *endpoint)
{
  const char *name = endpoint != NULL ? endpoint : "*";
  PmSandboxFaultSpec *spec = g_hash_table_lookup (self->faults, name);

  if (spec == NULL)
    {
      spec = g_new0 (PmSandboxFaultSpec, 1);
      spec->kinds = g_array_new (FALSE, FALSE, sizeof (PmSandboxFaultShare));
      g_hash_table_insert (self->faults, g_strdup (name), spec);
    }
  return spec;
}

void
pm_sandbox_fault_add_locked (PmSandboxFaultSpec *spec,
                             PmSandboxFault      fault,
                             double              share)
{
  PmSandboxFaultShare entry = { fault, CLAMP (share, 0.0, 1.0) };

  if (fault == PM_SANDBOX_FAULT_NONE)
    return;
  for (guint i = 0; i < spec->kinds->len; i++)
    {
      PmSandboxFaultShare *have = &g_array_index (spec->kinds, PmSandboxFaultShare, i);

      if (have->fault == fault)
        {
          have->share = entry.share;
          return;
        }
    }
  g_array_append_val (spec->kinds, entry);
}

void
pm_sandbox_fault_set_locked (PmSandboxFaultSpec *spec,
                             PmSandboxFault      fault,
                             double              share)
{
  g_array_set_size (spec->kinds, 0);
  pm_sandbox_fault_add_locked (spec, fault, share);
}

void
pm_sandbox_set_fault (PmSandbox      *self,
                      const char     *endpoint,
                      PmSandboxFault  fault,
                      double          share)
{
  g_return_if_fail (PM_IS_SANDBOX (self));
  g_mutex_lock (&self->lock);
  pm_sandbox_fault_set_locked (pm_sandbox_fault_spec_locked (self, endpoint), fault, share);
  g_mutex_unlock (&self->lock);
}

/**
 * pm_sandbox_add_fault:
 * @endpoint: an endpoint name of API.md §2, or NULL for every endpoint
 * @fault: the kind to add (PM_SANDBOX_FAULT_NONE adds nothing)
 * @share: in [0, 1], the share of matching requests that get this kind
 *
 * Adds a fault kind to @endpoint alongside the ones already there. Each request draws
 * once: with kinds k1…kn of shares s1…sn it gets k1 with probability s1, k2 with s2, …,
 * and no fault with 1 − (s1 + … + sn) (shares past a total of 1 are never drawn).
 */
void
pm_sandbox_add_fault (PmSandbox      *self,
                      const char     *endpoint,
                      PmSandboxFault  fault,
                      double          share)
{
  g_return_if_fail (PM_IS_SANDBOX (self));
  g_mutex_lock (&self->lock);
  pm_sandbox_fault_add_locked (pm_sandbox_fault_spec_locked (self, endpoint), fault, share);
  g_mutex_unlock (&self->lock);
}

void
pm_sandbox_set_latency (PmSandbox  *self,
                        const char *endpoint,
                        guint       latency_ms)
{
  g_return_if_fail (PM_IS_SANDBOX (self));
  g_mutex_lock (&self->lock);
  pm_sandbox_fault_spec_locked (self, endpoint)->latency_ms = latency_ms;
  g_mutex_unlock (&self->lock);
}

void
pm_sandbox_clear_faults (PmSandbox *self)
{
  g_return_if_fail (PM_IS_SANDBOX (self));
  g_mutex_lock (&self->lock);
  g_hash_table_remove_all (self->faults);
  g_mutex_unlock (&self->lock);
}

void
pm_sandbox_fault_count_locked (PmSandbox      *self,
                               const char     *endpoint,
                               PmSandboxFault  fault)
{
  guint *counts = g_hash_table_lookup (self->fault_counts, endpoint);

  if ((guint) fault >= PM_SANDBOX_N_FAULTS)
    return;
  if (counts == NULL)
    {
      counts = g_new0 (guint, PM_SANDBOX_N_FAULTS);
      g_hash_table_insert (self->fault_counts, (gpointer) endpoint, counts);
    }
  counts[fault]++;
}

guint
pm_sandbox_count_faults (PmSandbox      *self,
                         const char     *endpoint,
                         PmSandboxFault  fault)
{
  guint *counts;
  guint n = 0;

  g_return_val_if_fail (PM_IS_SANDBOX (self), 0);
  g_return_val_if_fail (endpoint != NULL, 0);
  g_return_val_if_fail ((guint) fault < PM_SANDBOX_N_FAULTS, 0);
  g_mutex_lock (&self->lock);
  counts = g_hash_table_lookup (self->fault_counts, endpoint);
  if (counts != NULL)
    n = counts[fault];
  g_mutex_unlock (&self->lock);
  return n;
}

gboolean
pm_sandbox_start (PmSandbox   *self,
                  const char  *address,
                  guint        port,
                  GError     **error)
{
  g_return_val_if_fail (PM_IS_SANDBOX (self), FALSE);
  g_return_val_if_fail (self->workers == NULL, FALSE);
  g_free (self->address);
  self->address = g_strdup (address != NULL ? address : "127.0.0.1");
  self->port = port;
  return pm_sandbox_http_start (self, error);
}

void
pm_sandbox_stop (PmSandbox *self)
{
  g_return_if_fail (PM_IS_SANDBOX (self));
  if (self->workers != NULL)
    pm_sandbox_http_stop (self);
  g_mutex_lock (&self->lock);
  if (self->dirty)
    save_after_change (self);
  g_mutex_unlock (&self->lock);
}

guint
pm_sandbox_get_port (PmSandbox *self)
{
  g_return_val_if_fail (PM_IS_SANDBOX (self), 0);
  return self->workers != NULL ? self->port : 0;
}

char *
pm_sandbox_dup_base_url (PmSandbox *self)
{
  const char *address;

  g_return_val_if_fail (PM_IS_SANDBOX (self), NULL);
  if (self->workers == NULL)
    return NULL;
  address = self->address;
  if (strchr (address, ':') != NULL)
    return g_strdup_printf ("http://[%s]:%u/api/v1", address, self->port);
  if (strcmp (address, "0.0.0.0") == 0)
    address = "127.0.0.1";
  return g_strdup_printf ("http://%s:%u/api/v1", address, self->port);
}

guint
pm_sandbox_count_bills (PmSandbox *self)
{
  guint n;

  g_return_val_if_fail (PM_IS_SANDBOX (self), 0);
  g_mutex_lock (&self->lock);
  n = g_hash_table_size (self->bills);
  g_mutex_unlock (&self->lock);
  return n;
}

char *
pm_sandbox_dup_bill_state (PmSandbox  *self,
                           const char *bill_id)
{
  PmSandboxBill *bill;
  char *state = NULL;

  g_return_val_if_fail (PM_IS_SANDBOX (self), NULL);
  g_mutex_lock (&self->lock);
  bill = pm_sandbox_lookup_bill_locked (self, bill_id);
  if (bill != NULL)
    state = g_strndup (&bill->state, 1);
  g_mutex_unlock (&self->lock);
  return state;
}

/* The payer pays @bill_id now: TRUE when it was unpaid and not expired. */
gboolean
pm_sandbox_pay_bill (PmSandbox  *self,
                     const char *bill_id)
{
  PmSandboxBill *bill;
  gboolean paid = FALSE;

  g_return_val_if_fail (PM_IS_SANDBOX (self), FALSE);
  g_mutex_lock (&self->lock);
  bill = pm_sandbox_lookup_bill_locked (self, bill_id);
  if (bill != NULL)
    paid = pm_sandbox_pay_bill_locked (self, bill, pm_sandbox_now_locked (self));
  if (paid)
    save_after_change (self);
  g_mutex_unlock (&self->lock);
  return paid;
}

/* Completes every pending AutoPay registration and card change for @phone
 * (normalised like format-phone-number): TRUE when there was one. */
gboolean
pm_sandbox_open_autopay_link (PmSandbox  *self,
                              const char *phone)
{
  g_autofree char *digits = NULL;
  gboolean any;

  g_return_val_if_fail (PM_IS_SANDBOX (self), FALSE);
  g_return_val_if_fail (phone != NULL, FALSE);
  if (pm_phone_check (phone, &digits) != PM_PHONE_VALID && digits == NULL)
    return FALSE;
  g_mutex_lock (&self->lock);
  any = pm_sandbox_open_link_locked (self, digits);
  if (any)
    save_after_change (self);
  g_mutex_unlock (&self->lock);
  return any;
}
