/* pm-sandbox-http.c — the sandbox's HTTP front: routes, auth, validation, faults
 *
 * Copyright 2026 The Paymint Desk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Worker threads (two per processor by default, PM_SANDBOX_WORKERS to change), each with
 * its own GMainContext and SoupServer, all listening on one port through SO_REUSEPORT:
 * one libsoup event loop tops out near 14,000 requests/s here. Handlers take self->lock
 * for the model part of a request (bodies are parsed before), so the model never sees
 * two at once. A change is written to the state file (once per main-loop iteration for
 * all the changes made in it) before its reply leaves. With a certificate
 * (pm_sandbox_http_set_tls_files(), paymint-sandbox --tls-certificate) every worker
 * serves https instead of http. Small flat request bodies skip json-glib
 * (parse_flat_object()).
 *
 * Shapes and codes chosen where API.md leaves room (each row is one decision):
 *
 *   read, not found          200 {"success":false,"code":"9980","msg","error"}
 *   read, found              200 {"success":true,"code":"0000","msg","data":{bill}}
 *                            appr_* are "" while unpaid; appr_price is a string of digits
 *   cancel of W              400 "…is not paid…" (only a paid bill can be cancelled)
 *   cancel/destroy of D      200 {"code":"9970","msg":"…already destroyed…"}
 *   cancel of C, destroy of C 200 code 9970; destroy of F → 9971
 *   cancel/destroy price     required; must equal the full price, else 400 naming price
 *   resend of F/C/D          9971 / 9970 / 9970; resend of an expired W → 400 naming expire_dt
 *   autopay/request          message and expire_dt optional (expire_dt defaults to today);
 *                            success: bill in F at once, reply has "appr_state":"F";
 *                            declined: 200 {"code":"9999","msg":"Card declined…"}, no bill is
 *                            made, nothing is charged, the bill_id stays free (read → 9980)
 *   autopay unknown method   200 {"code":"9980"} (manage, request, delete)
 *   autopay/delete           JSON body, or ?phone=&method_id= when the body is empty
 *   license mismatch         403 (member/merchant/business number match no license of the key);
 *                            a wrong X-Paymint-Api-Key → 401
 *   MMK mode, several licenses and none picked: the first license (in the order added)
 *   request body             at most 64 KiB (413 above), UTF-8, JSON nested ≤ 32 deep,
 *                            Content-Type application/json, a JSON object
 *   faults                   a global fault (endpoint NULL or "*") covers the 12 endpoints of
 *                            API.md §2, not version/health nor the sandbox-only endpoints;
 *                            an endpoint's own faults win over the global ones; one
 *                            endpoint may carry several kinds, each with its own share,
 *                            and a request draws at most one of them
 *   hostile faults           applied like any request, then: deep-nesting, oversized and
 *                            html-200 replace any reply (status 200); success-contradiction,
 *                            code-9999-after-create, other-bill-id, javascript-link and
 *                            control-text rewrite only a successful reply (code 0000, or
 *                            success true), top level and "data" (read), and leave refusals
 *   version, health          also at the host root (/version, /health), as API.md §7 asks
 *   sandbox/pay of expired W 400 naming expire_dt; of F → 9971, of C/D → 9970
 */

#include "config.h"

#include "pm-sandbox.h"
#include "pm-sandbox-private.h"
#include "pm-api.h"
#include "pm-text.h"
#include "pm-phone.h"

#include <errno.h>
#include <stdarg.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <string.h>

#define HELD_TIMEOUT_MAX_US (G_GINT64_CONSTANT (300) * G_USEC_PER_SEC)

typedef enum
{
  AUTH_NONE,
  AUTH_KEY,
  AUTH_CONNECTION,
} AuthLevel;

typedef enum
{
  BODY_NONE,
  BODY_REQUIRED,
  BODY_OPTIONAL,
} BodyMode;

typedef struct
{
  PmSandbox    *self;
  guint         index;
  GThread      *thread;
  GMainContext *context;
  GMainLoop    *loop;
  SoupServer   *server;
  JsonParser   *parser;
  GPtrArray    *held;          /* Held: timeouts, latency waits, flush waits */
  GHashTable   *sockets;       /* GSocket (weak) of every connection seen */
  GSource      *flush_source;
  GSource      *tick_source;
  gboolean      started;
  GError       *error;
} Worker;

typedef struct _Call Call;
typedef void (*Handler) (PmSandbox *self,
                         Call      *call);

typedef struct
{
  const char *method;
  const char *path;        /* below /api/v1 */
  const char *endpoint;    /* the name faults use; NULL: never faulted */
  gboolean    global_faults;
  AuthLevel   auth;
  BodyMode    body;
  Handler     handler;
} Route;

struct _Call
{
  Worker            *worker;
  SoupServerMessage *msg;
  const Route       *route;
  PmSandboxKey      *key;
  PmSandboxLicense  *license;
  JsonObject        *body;
  GHashTable        *query;
  guint              status;
  GString           *out;
  gboolean           changed;
  JsonObject        *own_body;  /* body when parsed by parse_flat_object() */
};

typedef enum
{
  HELD_LATENCY,
  HELD_TIMEOUT,
  HELD_FLUSH,
} HeldKind;

typedef struct
{
  Worker            *worker;
  SoupServerMessage *msg;
  HeldKind           kind;
  const Route       *route;
  PmSandboxFault     fault;
  guint              status;
  GString           *out;
  gint64             since;
  GSource           *timer;
} Held;

/* ---------------------------------------------------------------- JSON writing */

#define jstr pm_sandbox_append_json_string

static void
jkey (GString    *s,
      const char *k)
{
  char last = s->len > 0 ? s->str[s->len - 1] : '{';

  if (last != '{' && last != '[')
    g_string_append_c (s, ',');
  jstr (s, k);
  g_string_append_c (s, ':');
}

static void
jkv (GString    *s,
     const char *k,
     const char *v)
{
  jkey (s, k);
  jstr (s, v);
}

static void
jkv_int (GString    *s,
         const char *k,
         gint64      v)
{
  jkey (s, k);
  g_string_append_printf (s, "%" G_GINT64_FORMAT, v);
}

static void
jkv_raw (GString    *s,
         const char *k,
         const char *raw)
{
  jkey (s, k);
  g_string_append (s, raw);
}

/* ---------------------------------------------------------------- replies */

static void reply_error (Call       *call,
                         guint       status,
                         const char *format,
                         ...) G_GNUC_PRINTF (3, 4);

static void
reply_error (Call       *call,
             guint       status,
             const char *format,
             ...)
{
  g_autofree char *text = NULL;
  va_list args;

  va_start (args, format);
  text = g_strdup_vprintf (format, args);
  va_end (args);

  call->status = status;
  g_string_truncate (call->out, 0);
  g_string_append (call->out, "{\"success\":false,\"error\":");
  jstr (call->out, text);
  g_string_append_c (call->out, '}');
}

/* Flat {"bill_id"?, "code", "msg"} — more members may follow; close with '}'. */
static void
begin_flat (Call       *call,
            const char *bill_id,
            const char *code,
            const char *msg)
{
  call->status = SOUP_STATUS_OK;
  g_string_truncate (call->out, 0);
  g_string_append_c (call->out, '{');
  if (bill_id != NULL)
    jkv (call->out, "bill_id", bill_id);
  jkv (call->out, "code", code);
  jkv (call->out, "msg", msg);
}

static void reply_code (Call       *call,
                        const char *bill_id,
                        const char *code,
                        const char *format,
                        ...) G_GNUC_PRINTF (4, 5);

static void
reply_code (Call       *call,
            const char *bill_id,
            const char *code,
            const char *format,
            ...)
{
  g_autofree char *text = NULL;
  va_list args;

  va_start (args, format);
  text = g_strdup_vprintf (format, args);
  va_end (args);
  begin_flat (call, bill_id, code, text);
  g_string_append_c (call->out, '}');
}

static void
begin_envelope (Call *call)
{
  call->status = SOUP_STATUS_OK;
  g_string_truncate (call->out, 0);
  g_string_append (call->out, "{\"success\":true,\"data\":");
}

static char *
format_won (gint64 won)
{
  g_autofree char *digits = g_strdup_printf ("%" G_GINT64_FORMAT, won);
  GString *s = g_string_new ("₩");
  gsize len = strlen (digits);

  for (gsize i = 0; i < len; i++)
    {
      if (i > 0 && (len - i) % 3 == 0 && digits[i - 1] != '-')
        g_string_append_c (s, ',');
      g_string_append_c (s, digits[i]);
    }
  return g_string_free (s, FALSE);
}

/* ---------------------------------------------------------------- field access */

static JsonNode *
member (Call       *call,
        const char *name)
{
  JsonNode *node;

  if (call->body != NULL)
    {
      node = json_object_get_member (call->body, name);
      return node != NULL && !JSON_NODE_HOLDS_NULL (node) ? node : NULL;
    }
  return NULL;
}

static gboolean
is_blank (const char *s)
{
  for (; *s; s++)
    if (!g_ascii_isspace (*s))
      return FALSE;
  return TRUE;
}

/* FALSE when a 400 was set. *out is NULL when the field is absent and optional. */
static gboolean
get_string (Call        *call,
            const char  *name,
            gboolean     required,
            const char **out)
{
  JsonNode *node = member (call, name);

  *out = NULL;
  if (node == NULL && call->body == NULL && call->query != NULL)
    {
      *out = g_hash_table_lookup (call->query, name);
      if (*out != NULL && **out == '\0')
        *out = NULL;
    }
  else if (node != NULL)
    {
      if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
        {
          reply_error (call, SOUP_STATUS_BAD_REQUEST, "%s must be a JSON string", name);
          return FALSE;
        }
      *out = json_node_get_string (node);
    }
  if (required && (*out == NULL || is_blank (*out)))
    {
      reply_error (call, SOUP_STATUS_BAD_REQUEST,
                   *out == NULL ? "Missing field %s" : "%s must not be empty", name);
      return FALSE;
    }
  return TRUE;
}

static gboolean
get_text (Call        *call,
          const char  *name,
          gboolean     required,
          glong        max_chars,
          const char **out)
{
  glong n;

  if (!get_string (call, name, required, out))
    return FALSE;
  if (*out != NULL && (n = g_utf8_strlen (*out, -1)) > max_chars)
    {
      reply_error (call, SOUP_STATUS_BAD_REQUEST,
                   "%s is too long: %ld characters, at most %ld", name, n, max_chars);
      return FALSE;
    }
  return TRUE;
}

static gboolean
get_integer (Call       *call,
             const char *name,
             gboolean   *present,
             gint64     *out)
{
  JsonNode *node = member (call, name);
  GType type;

  *present = node != NULL;
  *out = 0;
  if (node == NULL)
    return TRUE;
  type = JSON_NODE_HOLDS_VALUE (node) ? json_node_get_value_type (node) : G_TYPE_INVALID;
  if (type == G_TYPE_INT64)
    {
      *out = json_node_get_int (node);
      return TRUE;
    }
  if (type == G_TYPE_DOUBLE)
    reply_error (call, SOUP_STATUS_BAD_REQUEST,
                 "%s must be a whole number (a JSON integer), not %g", name,
                 json_node_get_double (node));
  else if (type == G_TYPE_STRING)
    reply_error (call, SOUP_STATUS_BAD_REQUEST,
                 "%s must be a JSON number, not a string", name);
  else
    reply_error (call, SOUP_STATUS_BAD_REQUEST, "%s must be a JSON number", name);
  return FALSE;
}

static gboolean
get_price (Call   *call,
           gint64 *out)
{
  gboolean present;

  if (!get_integer (call, "price", &present, out))
    return FALSE;
  if (!present)
    {
      reply_error (call, SOUP_STATUS_BAD_REQUEST, "Missing field price");
      return FALSE;
    }
  if (*out < 1 || *out > PM_SANDBOX_PRICE_MAX)
    {
      reply_error (call, SOUP_STATUS_BAD_REQUEST,
                   "price must be between 1 and 9,999,999,999 won (got %" G_GINT64_FORMAT ")",
                   *out);
      return FALSE;
    }
  return TRUE;
}

/* Normalises like format-phone-number; *out is newly allocated. */
static gboolean
get_phone (Call  *call,
           char **out)
{
  const char *raw;
  PmPhoneCheck check;

  *out = NULL;
  if (!get_string (call, "phone", TRUE, &raw))
    return FALSE;
  check = pm_phone_check (raw, out);
  if (check != PM_PHONE_VALID && check != PM_PHONE_LEGACY)
    {
      g_clear_pointer (out, g_free);
      reply_error (call, SOUP_STATUS_BAD_REQUEST, "Invalid phone: %s",
                   pm_phone_check_message (check));
      return FALSE;
    }
  return TRUE;
}

static gboolean
get_bill_id (Call        *call,
             gboolean     required,
             const char **out)
{
  if (!get_string (call, "bill_id", required, out))
    return FALSE;
  if (*out != NULL && **out == '\0')
    *out = NULL;
  if (*out == NULL)
    return TRUE;
  if (strlen (*out) > 20)
    {
      reply_error (call, SOUP_STATUS_BAD_REQUEST,
                   "bill_id is too long: at most 20 characters (letters and digits)");
      return FALSE;
    }
  for (const char *p = *out; *p; p++)
    if (!g_ascii_isalnum (*p))
      {
        reply_error (call, SOUP_STATUS_BAD_REQUEST,
                     "bill_id may hold only the letters A-Z, a-z and the digits 0-9");
        return FALSE;
      }
  return TRUE;
}

/* expire_dt: YYYY-MM-DD, today or later in Korea; *days is days since 1970-01-01. */
static gboolean
get_expire (PmSandbox   *self,
            Call        *call,
            gboolean     required,
            const char **out,
            gint64      *days)
{
  const char *s;
  int y, m, d;
  gint64 today;

  if (!get_string (call, "expire_dt", required, out))
    return FALSE;
  today = pm_sandbox_kst_today (pm_sandbox_now_locked (self));
  if (*out == NULL)
    {
      *days = today;
      return TRUE;
    }
  s = *out;
  if (strlen (s) != 10 || s[4] != '-' || s[7] != '-'
      || !g_ascii_isdigit (s[0]) || !g_ascii_isdigit (s[1]) || !g_ascii_isdigit (s[2])
      || !g_ascii_isdigit (s[3]) || !g_ascii_isdigit (s[5]) || !g_ascii_isdigit (s[6])
      || !g_ascii_isdigit (s[8]) || !g_ascii_isdigit (s[9]))
    {
      reply_error (call, SOUP_STATUS_BAD_REQUEST,
                   "expire_dt must be a date written YYYY-MM-DD, like 2026-12-31");
      return FALSE;
    }
  y = (int) g_ascii_strtoll (s, NULL, 10);
  m = (int) g_ascii_strtoll (s + 5, NULL, 10);
  d = (int) g_ascii_strtoll (s + 8, NULL, 10);
  if (y < 1 || !g_date_valid_dmy ((GDateDay) d, (GDateMonth) m, (GDateYear) y))
    {
      reply_error (call, SOUP_STATUS_BAD_REQUEST, "expire_dt %s is not a real date", s);
      return FALSE;
    }
  *days = pm_sandbox_days_from_civil (y, m, d);
  if (*days < today)
    {
      char today_s[11];

      pm_sandbox_format_kst_date (today, today_s);
      reply_error (call, SOUP_STATUS_BAD_REQUEST,
                   "expire_dt %s is in the past (today in Korea is %s)", s, today_s);
      return FALSE;
    }
  return TRUE;
}

/* ---------------------------------------------------------------- bills on the wire */

static gboolean
bill_is_mine (Call          *call,
              PmSandboxBill *bill)
{
  return bill != NULL
         && strcmp (bill->api_key, call->key->api_key) == 0
         && strcmp (bill->member_id, call->license->member_id) == 0;
}

static PmSandboxBill *
find_bill (PmSandbox  *self,
           Call       *call,
           const char *bill_id)
{
  PmSandboxBill *bill = pm_sandbox_lookup_bill_locked (self, bill_id);

  return bill_is_mine (call, bill) ? bill : NULL;
}

/* The bill as read returns it. The names are written as literals with their commas
 * (the read path's largest own cost was jkey()): the text is what jkv() would write. */
static void
write_bill (GString       *s,
            PmSandboxBill *bill)
{
  char state[2] = { bill->state, '\0' };
  gboolean paid = bill->paid_at != 0;
  char dt[15] = "";

  g_string_append (s, "{\"bill_id\":");
  jstr (s, bill->bill_id);
  g_string_append (s, ",\"appr_state\":");
  jstr (s, state);
  g_string_append (s, ",\"appr_pay_type\":");
  jstr (s, paid ? "CARD" : "");
  g_string_append (s, ",\"appr_price\":");
  if (paid)
    g_string_append_printf (s, "\"%" G_GINT64_FORMAT "\"", bill->price);
  else
    g_string_append (s, "\"\"");
  if (paid)
    pm_sandbox_format_kst (bill->paid_at, dt);
  g_string_append (s, ",\"appr_dt\":");
  jstr (s, dt);
  g_string_append (s, ",\"appr_num\":");
  jstr (s, paid ? bill->appr_num : "");
  g_string_append (s, ",\"appr_issuer\":");
  jstr (s, paid ? bill->appr_issuer : "");
  g_string_append (s, ",\"appr_card_type\":");
  jstr (s, paid ? bill->appr_card_type : "");
  g_string_append (s, ",\"appr_monthly\":");
  jstr (s, paid ? "00" : "");
  g_string_append (s, ",\"product_nm\":");
  jstr (s, bill->product_nm);
  g_string_append (s, ",\"message\":");
  jstr (s, bill->message);
  g_string_append (s, ",\"member_nm\":");
  jstr (s, bill->member_nm);
  g_string_append (s, ",\"phone\":");
  jstr (s, bill->phone);
  g_string_append_printf (s, ",\"price\":%" G_GINT64_FORMAT, bill->price);
  g_string_append (s, ",\"expire_dt\":");
  jstr (s, bill->expire_dt);
  g_string_append (s, ",\"shortURL\":");
  jstr (s, bill->short_url);
  dt[0] = '\0';
  if (bill->cancelled_at != 0)
    pm_sandbox_format_kst (bill->cancelled_at, dt);
  g_string_append (s, ",\"cancel_dt\":");
  jstr (s, dt);
  dt[0] = '\0';
  if (bill->destroyed_at != 0)
    pm_sandbox_format_kst (bill->destroyed_at, dt);
  g_string_append (s, ",\"destroy_dt\":");
  jstr (s, dt);
  if (bill->autopay)
    {
      g_string_append (s, ",\"method_id\":");
      jstr (s, bill->method_id);
    }
  g_string_append_c (s, '}');
}

/* ---------------------------------------------------------------- handlers */

static void
handle_version (PmSandbox *self,
                Call      *call)
{
  call->status = SOUP_STATUS_OK;
  g_string_assign (call->out, "{\"version\":");
  jstr (call->out, SANDBOX_API_VERSION);
  g_string_append_c (call->out, '}');
}

static void
handle_health (PmSandbox *self,
               Call      *call)
{
  call->status = SOUP_STATUS_OK;
  g_string_assign (call->out, "{\"success\":true,\"status\":\"ok\",\"version\":");
  jstr (call->out, SANDBOX_API_VERSION);
  g_string_append_c (call->out, '}');
}

static void
handle_licenses (PmSandbox *self,
                 Call      *call)
{
  begin_envelope (call);
  g_string_append_c (call->out, '[');
  for (guint i = 0; i < call->key->licenses->len; i++)
    {
      PmSandboxLicense *l = g_ptr_array_index (call->key->licenses, i);

      if (i > 0)
        g_string_append_c (call->out, ',');
      g_string_append_c (call->out, '{');
      jkv (call->out, "business_registration_number", l->business_number);
      jkv (call->out, "business_name", l->business_name);
      jkv (call->out, "member_id", l->member_id);
      jkv (call->out, "merchant_id", l->merchant_id);
      jkv (call->out, "status", "approved");
      g_string_append_c (call->out, '}');
    }
  g_string_append (call->out, "]}");
}

static void
handle_format_phone (PmSandbox *self,
                     Call      *call)
{
  const char *raw;
  g_autofree char *phone = NULL;
  PmPhoneCheck check;

  if (!get_string (call, "phone", TRUE, &raw))
    return;
  check = pm_phone_check (raw, &phone);
  if (check != PM_PHONE_VALID && check != PM_PHONE_LEGACY)
    {
      reply_error (call, SOUP_STATUS_BAD_REQUEST, "Invalid phone: %s",
                   pm_phone_check_message (check));
      return;
    }
  begin_envelope (call);
  g_string_append_c (call->out, '{');
  jkv (call->out, "phone", phone);
  jkv_raw (call->out, "legacy", check == PM_PHONE_LEGACY ? "true" : "false");
  g_string_append (call->out, "}}");
}

static void
reply_balance (PmSandbox *self,
               Call      *call)
{
  g_autofree char *left = format_won (call->key->balance);
  g_autofree char *fee = format_won (self->fee);

  reply_error (call, SOUP_STATUS_PAYMENT_REQUIRED,
               "Insufficient Paymint balance (잔액 부족): %s left, each send costs %s. "
               "Top up the Paymint balance and try again.", left, fee);
}

/* How many read and send (request, autopay/request) calls this sandbox has handled since
 * it started, for GET /sandbox/stats (benchmarks count the reads of N desks). Kept beside
 * the object; touched only with self->lock held. */
typedef struct
{
  guint64 reads;
  guint64 sends;
} Served;

static Served *
served_locked (PmSandbox *self)
{
  static GQuark quark;
  Served *served;

  if (quark == 0)
    quark = g_quark_from_static_string ("pm-sandbox-served");
  served = g_object_get_qdata (G_OBJECT (self), quark);
  if (served == NULL)
    {
      served = g_new0 (Served, 1);
      g_object_set_qdata_full (G_OBJECT (self), quark, served, g_free);
    }
  return served;
}

static void
send_bill (PmSandbox *self,
           Call      *call,
           gboolean   autopay)
{
  const char *product_nm, *message, *member_nm, *expire_dt, *bill_id, *callback;
  const char *method_id = NULL;
  g_autofree char *phone = NULL;
  char expire_s[11];
  gint64 price, days;
  PmSandboxMethod *method = NULL;
  PmSandboxBill *bill;

  served_locked (self)->sends++;
  if (!get_text (call, "product_nm", TRUE, 100, &product_nm)
      || !get_text (call, "message", !autopay, 500, &message)
      || !get_text (call, "member_nm", TRUE, 30, &member_nm)
      || !get_phone (call, &phone)
      || !get_price (call, &price)
      || !get_expire (self, call, !autopay, &expire_dt, &days)
      || !get_bill_id (call, FALSE, &bill_id)
      || !get_string (call, "callbackURL", FALSE, &callback)
      || (autopay && !get_string (call, "method_id", TRUE, &method_id)))
    return;

  if (bill_id != NULL && g_hash_table_contains (self->bills, bill_id))
    {
      reply_code (call, bill_id, "9800", "bill_id %s is already used: a bill_id is unique forever",
                  bill_id);
      return;
    }

  if (autopay)
    {
      PmSandboxPayer *payer;

      pm_sandbox_settle_locked (self);
      payer = pm_sandbox_lookup_payer_locked (self, call->key->api_key, call->license->member_id,
                                              phone, FALSE);
      method = pm_sandbox_find_method (payer, method_id, NULL);
      if (method == NULL)
        {
          reply_code (call, bill_id, "9980",
                      "No AutoPay method %s is registered for this phone", method_id);
          return;
        }
    }

  if (call->key->balance < self->fee)
    {
      reply_balance (self, call);
      return;
    }

  if (autopay && pm_sandbox_draw_locked (self, self->decline_share))
    {
      reply_code (call, bill_id, "9999",
                  "Card declined by the issuer: no bill was made and nothing was charged");
      return;
    }

  pm_sandbox_format_kst_date (days, expire_s);
  bill = pm_sandbox_create_bill_locked (self, call->key, call->license, bill_id, expire_s,
                                        (days + 1) * 86400 - PM_SANDBOX_KST_OFFSET, autopay);
  bill->product_nm = g_strdup (product_nm);
  bill->message = g_strdup (message ? message : "");
  bill->member_nm = g_strdup (member_nm);
  bill->phone = g_steal_pointer (&phone);
  bill->price = price;
  call->key->balance -= self->fee;
  call->changed = TRUE;

  if (autopay)
    {
      bill->method_id = g_strdup (method->method_id);
      g_free (bill->appr_issuer);
      bill->appr_issuer = g_strdup (method->card_name);
      pm_sandbox_pay_bill_locked (self, bill, pm_sandbox_now_locked (self));
      begin_flat (call, bill->bill_id, "0000", "AutoPay charge approved");
      jkv (call->out, "shortURL", bill->short_url);
      jkv (call->out, "appr_state", "F");
    }
  else
    {
      begin_flat (call, bill->bill_id, "0000", "Bill sent");
      jkv (call->out, "shortURL", bill->short_url);
    }
  g_string_append_c (call->out, '}');
}

static void
handle_request (PmSandbox *self,
                Call      *call)
{
  send_bill (self, call, FALSE);
}

static void
handle_autopay_request (PmSandbox *self,
                        Call      *call)
{
  send_bill (self, call, TRUE);
}

static void
handle_read (PmSandbox *self,
             Call      *call)
{
  const char *bill_id;
  PmSandboxBill *bill;

  served_locked (self)->reads++;
  if (!get_bill_id (call, TRUE, &bill_id))
    return;
  bill = find_bill (self, call, bill_id);
  if (bill == NULL)
    {
      call->status = SOUP_STATUS_OK;
      g_string_assign (call->out, "{\"success\":false,\"code\":\"9980\",\"msg\":\"Bill not found\","
                                  "\"error\":\"Bill not found\"}");
      return;
    }
  call->status = SOUP_STATUS_OK;
  g_string_assign (call->out, "{\"success\":true,\"code\":\"0000\",\"msg\":\"success\",\"data\":");
  write_bill (call->out, bill);
  g_string_append_c (call->out, '}');
}

/* cancel and destroy: bill_id and the full price. NULL when a reply was set. */
static PmSandboxBill *
find_for_action (PmSandbox *self,
                 Call      *call,
                 gint64    *price)
{
  const char *bill_id;
  PmSandboxBill *bill;

  if (!get_bill_id (call, TRUE, &bill_id) || !get_price (call, price))
    return NULL;
  bill = find_bill (self, call, bill_id);
  if (bill == NULL)
    reply_code (call, bill_id, "9980", "Bill %s not found", bill_id);
  return bill;
}

static gboolean
check_full_price (Call          *call,
                  PmSandboxBill *bill,
                  gint64         price)
{
  g_autofree char *full = NULL;

  if (price == bill->price)
    return TRUE;
  full = format_won (bill->price);
  reply_error (call, SOUP_STATUS_BAD_REQUEST,
               "price must equal the bill’s full price %s (partial amounts are not supported)",
               full);
  return FALSE;
}

static void
handle_cancel (PmSandbox *self,
               Call      *call)
{
  PmSandboxBill *bill;
  gint64 price;

  if ((bill = find_for_action (self, call, &price)) == NULL)
    return;
  switch (bill->state)
    {
    case 'C':
      reply_code (call, bill->bill_id, "9970", "Bill %s is already cancelled", bill->bill_id);
      return;
    case 'D':
      reply_code (call, bill->bill_id, "9970",
                  "Bill %s was already destroyed (voided); nothing to cancel", bill->bill_id);
      return;
    case 'W':
      reply_error (call, SOUP_STATUS_BAD_REQUEST,
                   "Bill %s is not paid: only a paid bill can be cancelled; destroy an unpaid bill",
                   bill->bill_id);
      return;
    default:
      break;
    }
  if (!check_full_price (call, bill, price))
    return;
  bill->state = 'C';
  bill->cancelled_at = pm_sandbox_now_locked (self);
  call->changed = TRUE;
  reply_code (call, bill->bill_id, "0000", "Payment cancelled");
}

static void
handle_destroy (PmSandbox *self,
                Call      *call)
{
  PmSandboxBill *bill;
  gint64 price;

  if ((bill = find_for_action (self, call, &price)) == NULL)
    return;
  switch (bill->state)
    {
    case 'F':
      reply_code (call, bill->bill_id, "9971",
                  "Bill %s is already paid: cancel it instead of destroying it", bill->bill_id);
      return;
    case 'C':
      reply_code (call, bill->bill_id, "9970", "Bill %s is already cancelled", bill->bill_id);
      return;
    case 'D':
      reply_code (call, bill->bill_id, "9970", "Bill %s is already destroyed", bill->bill_id);
      return;
    default:
      break;
    }
  if (!check_full_price (call, bill, price))
    return;
  pm_sandbox_unschedule_locked (self, bill);
  bill->pay_at = 0;
  bill->state = 'D';
  bill->destroyed_at = pm_sandbox_now_locked (self);
  call->changed = TRUE;
  reply_code (call, bill->bill_id, "0000", "Bill destroyed");
}

static void
handle_resend (PmSandbox *self,
               Call      *call)
{
  const char *bill_id;
  PmSandboxBill *bill;

  if (!get_bill_id (call, TRUE, &bill_id))
    return;
  bill = find_bill (self, call, bill_id);
  if (bill == NULL)
    {
      reply_code (call, bill_id, "9980", "Bill %s not found", bill_id);
      return;
    }
  switch (bill->state)
    {
    case 'F':
      reply_code (call, bill_id, "9971", "Bill %s is already paid", bill_id);
      return;
    case 'C':
      reply_code (call, bill_id, "9970", "Bill %s is already cancelled", bill_id);
      return;
    case 'D':
      reply_code (call, bill_id, "9970", "Bill %s is already destroyed", bill_id);
      return;
    default:
      break;
    }
  if (pm_sandbox_now_locked (self) >= bill->expire_end)
    {
      reply_error (call, SOUP_STATUS_BAD_REQUEST,
                   "Bill %s expired (expire_dt %s): it can no longer be paid, so it is not re-sent",
                   bill_id, bill->expire_dt);
      return;
    }
  if (call->key->balance < self->fee)
    {
      reply_balance (self, call);
      return;
    }
  call->key->balance -= self->fee;
  bill->resend_count++;
  call->changed = TRUE;
  begin_flat (call, bill_id, "0000", "Bill sent again");
  jkv (call->out, "shortURL", bill->short_url);
  g_string_append_c (call->out, '}');
}

static void
handle_autopay_register (PmSandbox *self,
                         Call      *call)
{
  const char *member_nm, *product_nm, *message;
  g_autofree char *phone = NULL;
  PmSandboxPayer *payer;

  if (!get_text (call, "member_nm", TRUE, 30, &member_nm)
      || !get_phone (call, &phone)
      || !get_text (call, "product_nm", FALSE, 100, &product_nm)
      || !get_text (call, "message", FALSE, 500, &message))
    return;
  pm_sandbox_settle_locked (self);
  payer = pm_sandbox_lookup_payer_locked (self, call->key->api_key, call->license->member_id,
                                          phone, TRUE);
  g_free (payer->member_nm);
  payer->member_nm = g_strdup (member_nm);
  if (!payer->pending)
    {
      payer->pending = TRUE;
      payer->pending_since = pm_sandbox_now_locked (self);
      g_free (payer->short_url);
      payer->short_url = pm_sandbox_new_link_locked (self, "a");
    }
  call->changed = TRUE;
  begin_flat (call, NULL, "0000", "AutoPay registration link sent");
  jkv (call->out, "shortURL", payer->short_url);
  g_string_append_c (call->out, '}');
}

static PmSandboxMethod *
find_method_call (PmSandbox       *self,
                  Call            *call,
                  PmSandboxPayer **payer_out,
                  guint           *index)
{
  g_autofree char *phone = NULL;
  const char *method_id;
  PmSandboxPayer *payer;
  PmSandboxMethod *method;

  if (!get_phone (call, &phone) || !get_string (call, "method_id", TRUE, &method_id))
    return NULL;
  pm_sandbox_settle_locked (self);
  payer = pm_sandbox_lookup_payer_locked (self, call->key->api_key, call->license->member_id,
                                          phone, FALSE);
  method = pm_sandbox_find_method (payer, method_id, index);
  if (method == NULL)
    reply_code (call, NULL, "9980", "No AutoPay method %s is registered for this phone", method_id);
  *payer_out = payer;
  return method;
}

static void
handle_autopay_manage (PmSandbox *self,
                       Call      *call)
{
  PmSandboxPayer *payer;
  PmSandboxMethod *method;
  g_autofree char *link = NULL;

  if ((method = find_method_call (self, call, &payer, NULL)) == NULL)
    return;
  if (!method->update_pending)
    {
      method->update_pending = TRUE;
      method->update_since = pm_sandbox_now_locked (self);
    }
  call->changed = TRUE;
  link = g_strdup_printf ("%s/m/%s", PM_SANDBOX_LINK_BASE, method->method_id);
  begin_flat (call, NULL, "0000", "AutoPay card change link sent");
  jkv (call->out, "shortURL", link);
  g_string_append_c (call->out, '}');
}

static void
handle_autopay_methods (PmSandbox *self,
                        Call      *call)
{
  g_autofree char *phone = NULL;
  PmSandboxPayer *payer;

  if (!get_phone (call, &phone))
    return;
  pm_sandbox_settle_locked (self);
  payer = pm_sandbox_lookup_payer_locked (self, call->key->api_key, call->license->member_id,
                                          phone, FALSE);
  begin_envelope (call);
  g_string_append_c (call->out, '[');
  for (guint i = 0; payer != NULL && i < payer->methods->len; i++)
    {
      PmSandboxMethod *m = g_ptr_array_index (payer->methods, i);
      char at[15];

      pm_sandbox_format_kst (m->registered_at, at);
      if (i > 0)
        g_string_append_c (call->out, ',');
      g_string_append_c (call->out, '{');
      jkv (call->out, "method_id", m->method_id);
      jkv (call->out, "card_name", m->card_name);
      jkv (call->out, "card_no", m->card_no);
      jkv (call->out, "registered_at", at);
      jkv (call->out, "status", "active");
      g_string_append_c (call->out, '}');
    }
  g_string_append (call->out, "]}");
}

static void
handle_autopay_delete (PmSandbox *self,
                       Call      *call)
{
  PmSandboxPayer *payer;
  guint index;

  if (find_method_call (self, call, &payer, &index) == NULL)
    return;
  g_ptr_array_remove_index (payer->methods, index);
  call->changed = TRUE;
  reply_code (call, NULL, "0000", "AutoPay method deleted");
}

/* ---------------------------------------------------------------- sandbox-only endpoints */

static void
handle_stats (PmSandbox *self,
              Call      *call)
{
  guint counts[4] = { 0, 0, 0, 0 };
  GHashTableIter iter;
  gpointer value;
  gint64 now;
  char today[11];

  pm_sandbox_settle_locked (self);
  g_hash_table_iter_init (&iter, self->bills);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      const char *pos = strchr ("WFCD", ((PmSandboxBill *) value)->state);

      if (pos != NULL)
        counts[pos - "WFCD"]++;
    }
  now = pm_sandbox_now_locked (self);
  pm_sandbox_format_kst_date (pm_sandbox_kst_today (now), today);
  begin_envelope (call);
  g_string_append_c (call->out, '{');
  jkv_int (call->out, "bills", g_hash_table_size (self->bills));
  jkv_int (call->out, "W", counts[0]);
  jkv_int (call->out, "F", counts[1]);
  jkv_int (call->out, "C", counts[2]);
  jkv_int (call->out, "D", counts[3]);
  jkv_int (call->out, "now", now);
  jkv (call->out, "today", today);
  jkv_int (call->out, "balance", call->key->balance);
  jkv_int (call->out, "fee", self->fee);
  jkv_int (call->out, "reads", (gint64) served_locked (self)->reads);
  jkv_int (call->out, "sends", (gint64) served_locked (self)->sends);
  g_string_append (call->out, "}}");
}

static void
handle_pay (PmSandbox *self,
            Call      *call)
{
  const char *bill_id;
  PmSandboxBill *bill;

  if (!get_bill_id (call, TRUE, &bill_id))
    return;
  bill = pm_sandbox_lookup_bill_locked (self, bill_id);
  if (bill == NULL)
    reply_code (call, bill_id, "9980", "Bill %s not found", bill_id);
  else if (bill->state == 'F')
    reply_code (call, bill_id, "9971", "Bill %s is already paid", bill_id);
  else if (bill->state != 'W')
    reply_code (call, bill_id, "9970", "Bill %s is %s", bill_id,
                bill->state == 'C' ? "already cancelled" : "already destroyed");
  else if (!pm_sandbox_pay_bill_locked (self, bill, pm_sandbox_now_locked (self)))
    reply_error (call, SOUP_STATUS_BAD_REQUEST,
                 "Bill %s expired (expire_dt %s): it can no longer be paid", bill_id,
                 bill->expire_dt);
  else
    {
      call->changed = TRUE;
      reply_code (call, bill_id, "0000", "Bill paid");
    }
}

static void
handle_autopay_open (PmSandbox *self,
                     Call      *call)
{
  g_autofree char *phone = NULL;

  if (!get_phone (call, &phone))
    return;
  if (pm_sandbox_open_link_locked (self, phone))
    {
      call->changed = TRUE;
      reply_code (call, NULL, "0000", "AutoPay link opened: card registered");
    }
  else
    reply_code (call, NULL, "9980", "No AutoPay link is waiting for this phone");
}

static void
handle_clock_advance (PmSandbox *self,
                      Call      *call)
{
  gboolean present;
  gint64 seconds;

  if (!get_integer (call, "seconds", &present, &seconds))
    return;
  if (!present || seconds < 0 || seconds > G_GINT64_CONSTANT (100) * 365 * 86400)
    {
      reply_error (call, SOUP_STATUS_BAD_REQUEST,
                   present ? "seconds must be between 0 and 100 years" : "Missing field seconds");
      return;
    }
  self->anchor_virtual += seconds * G_USEC_PER_SEC;
  pm_sandbox_settle_locked (self);
  self->dirty = TRUE;
  call->changed = TRUE;
  begin_envelope (call);
  g_string_append_c (call->out, '{');
  jkv_int (call->out, "now", pm_sandbox_now_locked (self));
  g_string_append (call->out, "}}");
}

static void handle_faults (PmSandbox *self,
                           Call      *call);

/* Paths are below /api/v1; version and health are also served at the host root. */
static const Route routes[] = {
  { "GET", "/version", "version", FALSE, AUTH_NONE, BODY_NONE, handle_version },
  { "GET", "/health", "health", FALSE, AUTH_NONE, BODY_NONE, handle_health },
  { "GET", "/paymint/licenses", "licenses", TRUE, AUTH_KEY, BODY_NONE, handle_licenses },
  { "POST", "/paymint/format-phone-number", "format-phone-number", TRUE, AUTH_KEY, BODY_REQUIRED,
    handle_format_phone },
  { "POST", "/paymint/request", "request", TRUE, AUTH_CONNECTION, BODY_REQUIRED, handle_request },
  { "POST", "/paymint/read", "read", TRUE, AUTH_CONNECTION, BODY_REQUIRED, handle_read },
  { "POST", "/paymint/cancel", "cancel", TRUE, AUTH_CONNECTION, BODY_REQUIRED, handle_cancel },
  { "POST", "/paymint/destroy", "destroy", TRUE, AUTH_CONNECTION, BODY_REQUIRED, handle_destroy },
  { "POST", "/paymint/resend", "resend", TRUE, AUTH_CONNECTION, BODY_REQUIRED, handle_resend },
  { "POST", "/paymint/autopay/register", "autopay/register", TRUE, AUTH_CONNECTION, BODY_REQUIRED,
    handle_autopay_register },
  { "POST", "/paymint/autopay/manage", "autopay/manage", TRUE, AUTH_CONNECTION, BODY_REQUIRED,
    handle_autopay_manage },
  { "GET", "/paymint/autopay/methods", "autopay/methods", TRUE, AUTH_CONNECTION, BODY_NONE,
    handle_autopay_methods },
  { "POST", "/paymint/autopay/request", "autopay/request", TRUE, AUTH_CONNECTION, BODY_REQUIRED,
    handle_autopay_request },
  { "DELETE", "/paymint/autopay/delete", "autopay/delete", TRUE, AUTH_CONNECTION, BODY_OPTIONAL,
    handle_autopay_delete },
  { "GET", "/sandbox/stats", NULL, FALSE, AUTH_KEY, BODY_NONE, handle_stats },
  { "POST", "/sandbox/pay", NULL, FALSE, AUTH_KEY, BODY_REQUIRED, handle_pay },
  { "POST", "/sandbox/autopay/open", NULL, FALSE, AUTH_KEY, BODY_REQUIRED, handle_autopay_open },
  { "POST", "/sandbox/faults", NULL, FALSE, AUTH_KEY, BODY_REQUIRED, handle_faults },
  { "POST", "/sandbox/clock/advance", NULL, FALSE, AUTH_KEY, BODY_REQUIRED, handle_clock_advance },
};
static const guint n_routes = G_N_ELEMENTS (routes);

static gboolean
is_fault_endpoint (const char *name)
{
  for (guint i = 0; i < n_routes; i++)
    if (routes[i].endpoint != NULL && strcmp (routes[i].endpoint, name) == 0)
      return TRUE;
  return FALSE;
}

/* {"clear":true} or {"endpoint":"request"|"*"|null, "fault":"reset-after", "share":1,
 *  "latency_ms":200}. A fault adds its kind to the endpoint's (a kind already there gets
 *  the new share), so several posts build a mix; "fault":"none" clears the endpoint's. */
static void
handle_faults (PmSandbox *self,
               Call      *call)
{
  const char *endpoint, *fault_name;
  JsonNode *clear = member (call, "clear");
  JsonNode *share_node = member (call, "share");
  gboolean present;
  gint64 latency;
  double share = 1.0;
  PmSandboxFault fault = PM_SANDBOX_FAULT_NONE;

  if (clear != NULL)
    {
      if (!JSON_NODE_HOLDS_VALUE (clear) || json_node_get_value_type (clear) != G_TYPE_BOOLEAN)
        {
          reply_error (call, SOUP_STATUS_BAD_REQUEST, "clear must be true or false");
          return;
        }
      if (json_node_get_boolean (clear))
        g_hash_table_remove_all (self->faults);
    }
  if (!get_string (call, "endpoint", FALSE, &endpoint)
      || !get_string (call, "fault", FALSE, &fault_name)
      || !get_integer (call, "latency_ms", &present, &latency))
    return;
  if (endpoint == NULL)
    endpoint = "*";
  if (strcmp (endpoint, "*") != 0 && !is_fault_endpoint (endpoint))
    {
      reply_error (call, SOUP_STATUS_BAD_REQUEST,
                   "endpoint %s is not one of the API’s endpoints (like request, read, "
                   "autopay/request) nor *", endpoint);
      return;
    }
  if (fault_name != NULL && !pm_sandbox_fault_from_string (fault_name, &fault))
    {
      g_autofree char *names = pm_sandbox_dup_fault_names ();

      reply_error (call, SOUP_STATUS_BAD_REQUEST, "fault must be one of %s", names);
      return;
    }
  if (share_node != NULL)
    {
      GType type = JSON_NODE_HOLDS_VALUE (share_node) ? json_node_get_value_type (share_node)
                                                      : G_TYPE_INVALID;

      if (type == G_TYPE_INT64)
        share = (double) json_node_get_int (share_node);
      else if (type == G_TYPE_DOUBLE)
        share = json_node_get_double (share_node);
      else
        share = -1;
      if (share < 0.0 || share > 1.0)
        {
          reply_error (call, SOUP_STATUS_BAD_REQUEST, "share must be a number from 0 to 1");
          return;
        }
    }
  if (present && (latency < 0 || latency > 600000))
    {
      reply_error (call, SOUP_STATUS_BAD_REQUEST, "latency_ms must be from 0 to 600000");
      return;
    }
  if (fault_name != NULL)
    {
      PmSandboxFaultSpec *spec = pm_sandbox_fault_spec_locked (self, endpoint);

      if (fault == PM_SANDBOX_FAULT_NONE)
        pm_sandbox_fault_set_locked (spec, fault, share);
      else
        pm_sandbox_fault_add_locked (spec, fault, share);
    }
  if (present)
    pm_sandbox_fault_spec_locked (self, endpoint)->latency_ms = (guint) latency;
  reply_code (call, NULL, "0000", "Faults updated");
}

/* ---------------------------------------------------------------- auth */

static const char *
header (SoupMessageHeaders *headers,
        const char         *name)
{
  const char *v = soup_message_headers_get_one (headers, name);

  return v != NULL && *v != '\0' ? v : NULL;
}

static gboolean
same_digits (const char *a,
             const char *b)
{
  while (*a || *b)
    {
      while (*a && !g_ascii_isdigit (*a))
        a++;
      while (*b && !g_ascii_isdigit (*b))
        b++;
      if (*a != *b)
        return FALSE;
      if (*a)
        a++, b++;
    }
  return TRUE;
}

static gboolean
authenticate (PmSandbox *self,
              Call      *call)
{
  SoupMessageHeaders *h = soup_server_message_get_request_headers (call->msg);
  const char *api_key = header (h, "X-API-KEY");
  const char *mode, *member_id, *merchant_id;
  static const char *const traditional[] = {
    "X-Paymint-Host", "X-Paymint-Api-Key", "X-Paymint-Member-ID", "X-Paymint-Merchant-ID",
    "X-Paymint-Business-Number",
  };

  if (api_key == NULL)
    {
      const char *auth = header (h, "Authorization");

      if (auth != NULL && g_ascii_strncasecmp (auth, "Bearer ", 7) == 0)
        {
          api_key = auth + 7;
          while (*api_key == ' ')
            api_key++;
        }
    }
  if (api_key == NULL || *api_key == '\0')
    {
      reply_error (call, SOUP_STATUS_UNAUTHORIZED,
                   "Missing API key: send the X-API-KEY header (or Authorization: Bearer)");
      return FALSE;
    }
  call->key = pm_sandbox_lookup_key_locked (self, api_key);
  if (call->key == NULL)
    {
      reply_error (call, SOUP_STATUS_UNAUTHORIZED, "Invalid API key: check the API key");
      return FALSE;
    }
  if (call->route->auth != AUTH_CONNECTION)
    return TRUE;

  mode = header (h, "X-Paymint-MMK-Mode");
  member_id = header (h, "X-Paymint-Member-ID");
  merchant_id = header (h, "X-Paymint-Merchant-ID");
  if (mode != NULL && g_ascii_strcasecmp (mode, "true") == 0)
    {
      for (guint i = 0; i < call->key->licenses->len; i++)
        {
          PmSandboxLicense *l = g_ptr_array_index (call->key->licenses, i);

          if ((member_id == NULL || strcmp (member_id, l->member_id) == 0)
              && (merchant_id == NULL || strcmp (merchant_id, l->merchant_id) == 0))
            {
              call->license = l;
              break;
            }
        }
      if (call->license == NULL)
        {
          if (call->key->licenses->len == 0)
            reply_error (call, SOUP_STATUS_FORBIDDEN, "This API key has no Paymint license");
          else
            reply_error (call, SOUP_STATUS_FORBIDDEN,
                         "No license of this API key matches X-Paymint-Member-ID and "
                         "X-Paymint-Merchant-ID");
          return FALSE;
        }
    }
  else
    {
      const char *business;

      if (mode == NULL && header (h, "X-Paymint-Host") == NULL
          && header (h, "X-Paymint-Api-Key") == NULL)
        {
          reply_error (call, SOUP_STATUS_BAD_REQUEST,
                       "Missing header X-Paymint-MMK-Mode: send X-Paymint-MMK-Mode: true, or the "
                       "traditional headers X-Paymint-Host, X-Paymint-Api-Key, "
                       "X-Paymint-Member-ID, X-Paymint-Merchant-ID and X-Paymint-Business-Number");
          return FALSE;
        }
      for (guint i = 0; i < G_N_ELEMENTS (traditional); i++)
        if (header (h, traditional[i]) == NULL)
          {
            reply_error (call, SOUP_STATUS_BAD_REQUEST, "Missing header %s", traditional[i]);
            return FALSE;
          }
      for (guint i = 0; i < call->key->licenses->len; i++)
        {
          PmSandboxLicense *l = g_ptr_array_index (call->key->licenses, i);

          if (strcmp (member_id, l->member_id) == 0 && strcmp (merchant_id, l->merchant_id) == 0)
            call->license = l;
        }
      if (call->license == NULL)
        {
          reply_error (call, SOUP_STATUS_FORBIDDEN,
                       "No license of this API key matches X-Paymint-Member-ID and "
                       "X-Paymint-Merchant-ID");
          return FALSE;
        }
      business = header (h, "X-Paymint-Business-Number");
      if (!same_digits (business, call->license->business_number))
        {
          reply_error (call, SOUP_STATUS_FORBIDDEN,
                       "X-Paymint-Business-Number does not match the license of this member");
          return FALSE;
        }
      if (strcmp (header (h, "X-Paymint-Api-Key"), call->license->paymint_api_key) != 0)
        {
          reply_error (call, SOUP_STATUS_UNAUTHORIZED,
                       "X-Paymint-Api-Key is not valid for this license");
          return FALSE;
        }
    }

  if (call->key->tier == PM_SANDBOX_TIER_BASIC)
    {
      reply_error (call, SOUP_STATUS_PAYMENT_REQUIRED,
                   "This license requires an upgrade: the Basic plan cannot use the Paymint API. "
                   "Upgrade the MMK license to Pro.");
      return FALSE;
    }
  return TRUE;
}

/* ---------------------------------------------------------------- request bodies */

static gboolean
is_json_space (char c)
{
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static const char *
skip_json_space (const char *p,
                 const char *end)
{
  while (p < end && is_json_space (*p))
    p++;
  return p;
}

/* @p at an opening quote: the closing quote of a string without escapes or control
 * characters, or NULL. */
static const char *
scan_plain_string (const char *p,
                   const char *end)
{
  for (p++; p < end; p++)
    {
      unsigned char c = (unsigned char) *p;

      if (c == '"')
        return p;
      if (c == '\\' || c < 0x20)
        return NULL;
    }
  return NULL;
}

/* The read path's fast lane (perf: json-glib's scanner was the largest part of a read
 * the sandbox itself spends). Clients send small flat objects, {"bill_id":"…"} and the
 * like: strict JSON whose members are strings without escapes or whole numbers of at most
 * 18 digits. Such a body (valid UTF-8, checked before) becomes the object json-glib would
 * build from it; anything else — an escape, a nested value, true/false/null, a fraction,
 * a repeated name, a syntax error — returns NULL and goes to json-glib as before, so
 * every reply and message stays the same. */
static JsonObject *
parse_flat_object (const char *data,
                   gsize       len)
{
  const char *p, *end = data + len;
  g_autoptr(JsonObject) object = NULL;

  p = skip_json_space (data, end);
  if (p == end || *p != '{')
    return NULL;
  object = json_object_new ();
  p = skip_json_space (p + 1, end);
  if (p < end && *p == '}')
    return skip_json_space (p + 1, end) == end ? g_steal_pointer (&object) : NULL;
  for (;;)
    {
      const char *q;
      g_autofree char *name = NULL;

      if (p == end || *p != '"' || (q = scan_plain_string (p, end)) == NULL)
        return NULL;
      name = g_strndup (p + 1, (gsize) (q - p - 1));
      if (json_object_has_member (object, name))
        return NULL;
      p = skip_json_space (q + 1, end);
      if (p == end || *p != ':')
        return NULL;
      p = skip_json_space (p + 1, end);
      if (p == end)
        return NULL;
      if (*p == '"')
        {
          g_autofree char *value = NULL;

          if ((q = scan_plain_string (p, end)) == NULL)
            return NULL;
          value = g_strndup (p + 1, (gsize) (q - p - 1));
          json_object_set_string_member (object, name, value);
          p = q + 1;
        }
      else if (*p == '-' || g_ascii_isdigit (*p))
        {
          gboolean negative = *p == '-';
          const char *digits = negative ? p + 1 : p;
          gint64 value = 0;

          for (p = digits; p < end && g_ascii_isdigit (*p); p++)
            if (p - digits < 18)
              value = value * 10 + (*p - '0');
          if (p == digits || p - digits > 18 || (*digits == '0' && p - digits > 1)
              || (p < end && (*p == '.' || *p == 'e' || *p == 'E')))
            return NULL;
          json_object_set_int_member (object, name, negative ? -value : value);
        }
      else
        return NULL;
      p = skip_json_space (p, end);
      if (p == end)
        return NULL;
      if (*p == '}')
        break;
      if (*p != ',')
        return NULL;
      p = skip_json_space (p + 1, end);
    }
  if (skip_json_space (p + 1, end) != end)
    return NULL;
  return g_steal_pointer (&object);
}

static gboolean
parse_body (PmSandbox *self,
            Call      *call)
{
  SoupMessageBody *body = soup_server_message_get_request_body (call->msg);
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GError) error = NULL;
  const char *type;
  const char *data;
  gsize len;
  JsonNode *root;

  if (call->route->body == BODY_NONE)
    return TRUE;
  bytes = soup_message_body_flatten (body);
  data = g_bytes_get_data (bytes, &len);
  if (len == 0)
    {
      if (call->route->body == BODY_OPTIONAL)
        return TRUE;
      reply_error (call, SOUP_STATUS_BAD_REQUEST,
                   "The request body is empty: send a JSON object (Content-Type: application/json)");
      return FALSE;
    }
  if (len > PM_SANDBOX_BODY_MAX)
    {
      reply_error (call, SOUP_STATUS_REQUEST_ENTITY_TOO_LARGE,
                   "The request body is too large: at most 64 KiB");
      return FALSE;
    }
  type = soup_message_headers_get_content_type (soup_server_message_get_request_headers (call->msg),
                                                NULL);
  if (type == NULL || (g_ascii_strcasecmp (type, "application/json") != 0
                       && !g_str_has_suffix (type, "+json")))
    {
      reply_error (call, SOUP_STATUS_BAD_REQUEST,
                   "Content-Type must be application/json (got %s)", type ? type : "none");
      return FALSE;
    }
  if (!g_utf8_validate (data, (gssize) len, NULL))
    {
      reply_error (call, SOUP_STATUS_BAD_REQUEST, "The request body is not valid UTF-8 text");
      return FALSE;
    }
  if (!pm_api_depth_within (data, len, PM_SANDBOX_JSON_DEPTH_MAX))
    {
      reply_error (call, SOUP_STATUS_BAD_REQUEST,
                   "The request body is nested too deeply (at most %d levels)",
                   PM_SANDBOX_JSON_DEPTH_MAX);
      return FALSE;
    }
  call->own_body = parse_flat_object (data, len);
  if (call->own_body != NULL)
    {
      call->body = call->own_body;
      return TRUE;
    }
  if (!json_parser_load_from_data (call->worker->parser, data, (gssize) len, &error))
    {
      /* json-glib quotes the bad token, perhaps cut inside a character: the reply stays
       * valid UTF-8 without control characters */
      g_autofree char *detail = pm_text_sanitize (error->message, -1);

      reply_error (call, SOUP_STATUS_BAD_REQUEST, "The request body is not valid JSON: %s",
                   detail);
      return FALSE;
    }
  root = json_parser_get_root (call->worker->parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    {
      reply_error (call, SOUP_STATUS_BAD_REQUEST, "The request body must be a JSON object");
      return FALSE;
    }
  call->body = json_node_get_object (root);
  return TRUE;
}

/* ---------------------------------------------------------------- delivery and faults */

static void
close_connection (SoupServerMessage *msg)
{
  g_autoptr(GIOStream) stream = soup_server_message_steal_connection (msg);

  if (stream != NULL)
    g_io_stream_close (stream, NULL, NULL);
}

/* A successful reply: code 0000, or no code and success true (the envelopes). */
static gboolean
reply_succeeded (JsonObject *o)
{
  const char *code = json_object_get_string_member_with_default (o, "code", NULL);

  if (code != NULL)
    return strcmp (code, "0000") == 0;
  return json_object_get_boolean_member_with_default (o, "success", FALSE);
}

/* The reply's "data" object; NULL if it has none. */
static JsonObject *
data_object (JsonObject *o)
{
  JsonNode *data = json_object_get_member (o, "data");

  return data != NULL && JSON_NODE_HOLDS_OBJECT (data) ? json_node_get_object (data) : NULL;
}

/* Sets @name to @value at the top level and in "data", wherever it is already present. */
static void
replace_string (JsonObject *o,
                const char *name,
                const char *value)
{
  JsonObject *data = data_object (o);

  if (json_object_has_member (o, name))
    json_object_set_string_member (o, name, value);
  if (data != NULL && json_object_has_member (data, name))
    json_object_set_string_member (data, name, value);
}

/* A bill_id that is not @real (nor, in practice, any other bill's): 19 letters and digits. */
static char *
made_up_bill_id (const char *real)
{
  g_autofree char *sum = g_compute_checksum_for_string (G_CHECKSUM_SHA1, real, -1);
  char *id = g_ascii_strup (sum, 14);
  char *other = g_strconcat ("OTHER", id, NULL);

  g_free (id);
  return other;
}

/* Copies a member into another object, all but "success" (success-contradiction). */
static void
copy_member_cb (JsonObject *object,
                const char *name,
                JsonNode   *node,
                gpointer    user_data)
{
  if (strcmp (name, "success") != 0)
    json_object_set_member (user_data, name, json_node_copy (node));
}

/* The hostile answers that rewrite a successful JSON reply (the change was applied):
 * the reply stays 200 and JSON, only its meaning turns against the client. */
static void
rewrite_reply (GString        *out,
               PmSandboxFault  fault)
{
  g_autoptr(JsonNode) root = json_from_string (out->str, NULL);
  g_autoptr(JsonObject) hostile = NULL;
  g_autofree char *text = NULL;
  JsonObject *o;

  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    return;
  o = json_node_get_object (root);
  if (!reply_succeeded (o))
    return;
  switch (fault)
    {
    case PM_SANDBOX_FAULT_SUCCESS_CONTRADICTION:
      /* "success": false first, then the reply as it was (code 0000 included) */
      hostile = json_object_new ();
      json_object_set_boolean_member (hostile, "success", FALSE);
      json_object_foreach_member (o, copy_member_cb, hostile);
      json_node_set_object (root, hostile);
      break;
    case PM_SANDBOX_FAULT_CODE_9999_AFTER_CREATE:
      hostile = json_object_new ();
      json_object_set_string_member (hostile, "code", "9999");
      json_object_set_string_member (hostile, "msg",
                                     "System error while processing the request: try again");
      json_node_set_object (root, hostile);
      break;
    case PM_SANDBOX_FAULT_OTHER_BILL_ID:
      {
        const char *real = json_object_get_string_member_with_default (o, "bill_id", NULL);
        JsonObject *data = data_object (o);

        if (real == NULL && data != NULL)
          real = json_object_get_string_member_with_default (data, "bill_id", NULL);
        if (real == NULL)
          return;
        text = made_up_bill_id (real);
        replace_string (o, "bill_id", text);
      }
      break;
    case PM_SANDBOX_FAULT_JAVASCRIPT_LINK:
      replace_string (o, "shortURL", "javascript:alert(1)\x1b]0;pwned\x07");
      break;
    case PM_SANDBOX_FAULT_CONTROL_TEXT:
      /* C0 (BEL, BS, ESC sequences, CR, DEL), C1 (NEL, CSI, OSC) and bidi overrides and
       * isolates (U+202E, U+202A, U+202C, U+2066, U+2069), around the real message */
      text = g_strconcat ("\a\b\x1b[2J\x1b]0;pwned\x07",
                          json_object_get_string_member_with_default (o, "msg", "OK"),
                          "\r\x7f \xc2\x85\xc2\x9b" "31m\xc2\x9d" "0;pwned\xc2\x9c "
                          "\xe2\x80\xae" "evil\xe2\x80\xac \xe2\x80\xaa" "ltr\xe2\x80\xac "
                          "\xe2\x81\xa6" "isolate\xe2\x81\xa9", NULL);
      json_object_set_string_member (o, "msg", text);
      break;
    default:
      g_assert_not_reached ();
    }
  g_clear_pointer (&text, g_free);
  text = json_to_string (root, FALSE);
  g_string_assign (out, text);
}

/* "[[[…]]]", 200,000 levels: a parser that recurses per level runs out of stack. */
static void
nest_deeply (GString *out)
{
  const gsize depth = 200000;

  g_string_set_size (out, 2 * depth);
  memset (out->str, '[', depth);
  memset (out->str + depth, ']', depth);
}

/* The reply, still valid JSON, padded past 2 MiB in its "msg". */
static void
pad_reply (GString *out)
{
  g_autoptr(JsonNode) root = json_from_string (out->str, NULL);
  g_autoptr(GString) msg = NULL;
  g_autofree char *text = NULL;
  JsonObject *o;

  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    {
      g_clear_pointer (&root, json_node_unref);
      root = json_node_new (JSON_NODE_OBJECT);
      json_node_take_object (root, json_object_new ());
    }
  o = json_node_get_object (root);
  msg = g_string_new (json_object_get_string_member_with_default (o, "msg", "OK"));
  g_string_append_c (msg, ' ');
  while (msg->len <= 2 * 1024 * 1024 + 4096)
    g_string_append (msg, "padding padding padding padding padding padding padding padding ");
  json_object_set_string_member (o, "msg", msg->str);
  text = json_to_string (root, FALSE);
  g_string_assign (out, text);
}

static void
set_reply (SoupServerMessage *msg,
           guint              status,
           GString           *out,
           PmSandboxFault     fault)
{
  const char *type = "application/json";

  switch (fault)
    {
    case PM_SANDBOX_FAULT_MALFORMED_JSON:
      status = SOUP_STATUS_OK;
      g_string_assign (out, "<html><body><h1>Paymint gateway</h1><p>code=0000 msg=OK</p></body></html>");
      break;
    case PM_SANDBOX_FAULT_TRUNCATED_JSON:
      g_string_truncate (out, MAX (out->len / 2, 1));
      break;
    case PM_SANDBOX_FAULT_DEEP_NESTING:
      status = SOUP_STATUS_OK;
      nest_deeply (out);
      break;
    case PM_SANDBOX_FAULT_OVERSIZED:
      status = SOUP_STATUS_OK;
      pad_reply (out);
      break;
    case PM_SANDBOX_FAULT_HTML_200:
      status = SOUP_STATUS_OK;
      type = "text/html; charset=utf-8";
      g_string_assign (out,
                       "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
                       "<title>Paymint</title></head>\n<body><h1>Request received</h1>"
                       "<p>Your request is being processed. This page will refresh.</p>"
                       "<p>{\"code\":\"0000\"}</p></body></html>\n");
      break;
    case PM_SANDBOX_FAULT_SUCCESS_CONTRADICTION:
    case PM_SANDBOX_FAULT_CODE_9999_AFTER_CREATE:
    case PM_SANDBOX_FAULT_OTHER_BILL_ID:
    case PM_SANDBOX_FAULT_JAVASCRIPT_LINK:
    case PM_SANDBOX_FAULT_CONTROL_TEXT:
      if (SOUP_STATUS_IS_SUCCESSFUL (status))
        rewrite_reply (out, fault);
      break;
    default:
      break;
    }
  soup_server_message_set_status (msg, status, NULL);
  soup_server_message_set_response (msg, type, SOUP_MEMORY_COPY, out->str, out->len);
}

static void
held_free (Held *held)
{
  if (held->timer != NULL)
    {
      g_source_destroy (held->timer);
      g_source_unref (held->timer);
    }
  g_object_unref (held->msg);
  if (held->out != NULL)
    g_string_free (held->out, TRUE);
  g_free (held);
}

static Held *
hold (Worker            *worker,
      SoupServerMessage *msg,
      HeldKind           kind)
{
  Held *held = g_new0 (Held, 1);

  held->worker = worker;
  held->msg = g_object_ref (msg);
  held->kind = kind;
  held->since = g_get_monotonic_time ();
  soup_server_message_pause (msg);
  g_ptr_array_add (worker->held, held);
  return held;
}

static void
unhold (Worker *worker,
        Held   *held)
{
  g_ptr_array_remove_fast (worker->held, held);
  held_free (held);
}

static gboolean
flush_cb (gpointer user_data)
{
  Worker *worker = user_data;
  PmSandbox *self = worker->self;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) ready = g_ptr_array_new ();
  gboolean ok;

  g_clear_pointer (&worker->flush_source, g_source_unref);
  /* Under the lock, the file gets every change made so far, this worker's included
   * even when another thread already saved them (then dirty is FALSE). */
  g_mutex_lock (&self->lock);
  ok = !self->dirty || pm_sandbox_save_locked (self, &error);
  g_mutex_unlock (&self->lock);

  for (guint i = 0; i < worker->held->len; i++)
    {
      Held *held = g_ptr_array_index (worker->held, i);

      if (held->kind == HELD_FLUSH)
        g_ptr_array_add (ready, held);
    }
  for (guint i = 0; i < ready->len; i++)
    {
      Held *held = g_ptr_array_index (ready, i);

      if (!ok)
        {
          g_string_truncate (held->out, 0);
          g_string_append (held->out, "{\"success\":false,\"error\":");
          jstr (held->out, "The sandbox could not write its state file");
          g_string_append_c (held->out, '}');
          set_reply (held->msg, SOUP_STATUS_INTERNAL_SERVER_ERROR, held->out, PM_SANDBOX_FAULT_NONE);
          soup_server_message_unpause (held->msg);
        }
      else if (held->fault == PM_SANDBOX_FAULT_RESET_AFTER)
        close_connection (held->msg);
      else
        {
          set_reply (held->msg, held->status, held->out, held->fault);
          soup_server_message_unpause (held->msg);
        }
      unhold (worker, held);
    }
  if (!ok)
    g_message ("Sandbox: could not write the state file: %s", error->message);
  return G_SOURCE_REMOVE;
}

/* Runs a routed request (after any latency). @held: set when the message is paused. */
static void
run (Worker            *worker,
     SoupServerMessage *msg,
     const Route       *route,
     PmSandboxFault     fault,
     Held              *held)
{
  PmSandbox *self = worker->self;
  Call call = { worker, msg, route, NULL, NULL, NULL, NULL, SOUP_STATUS_OK, NULL, FALSE };
  gboolean parsed;
  gboolean flush;

  if (fault == PM_SANDBOX_FAULT_RESET_BEFORE)
    {
      close_connection (msg);
      if (held != NULL)
        unhold (worker, held);
      return;
    }

  call.out = g_string_sized_new (512);
  if (route->body == BODY_NONE || route->body == BODY_OPTIONAL)
    {
      const char *q = g_uri_get_query (soup_server_message_get_uri (msg));

      if (q != NULL)
        call.query = soup_form_decode (q);
    }

  /* The body is parsed outside the lock (its error, if any, waits in call.out and is
   * sent only when authentication passes). */
  parsed = parse_body (self, &call);
  g_mutex_lock (&self->lock);
  if ((route->auth == AUTH_NONE || authenticate (self, &call)) && parsed)
    route->handler (self, &call);
  flush = call.changed && self->state_file != NULL;
  g_mutex_unlock (&self->lock);
  g_clear_pointer (&call.query, g_hash_table_unref);
  call.body = NULL;
  g_clear_pointer (&call.own_body, json_object_unref);

  if (flush)
    {
      /* Group commit: the state file is written once for all the changes made in this
       * main-loop iteration, and only then are their replies sent. */
      if (held == NULL)
        held = hold (worker, msg, HELD_FLUSH);
      held->kind = HELD_FLUSH;
      held->fault = fault;
      held->status = call.status;
      held->out = g_steal_pointer (&call.out);
      if (worker->flush_source == NULL)
        {
          worker->flush_source = g_idle_source_new ();
          g_source_set_priority (worker->flush_source, G_PRIORITY_DEFAULT_IDLE);
          g_source_set_callback (worker->flush_source, flush_cb, worker, NULL);
          g_source_attach (worker->flush_source, worker->context);
        }
      return;
    }

  if (fault == PM_SANDBOX_FAULT_RESET_AFTER)
    close_connection (msg);
  else
    {
      set_reply (msg, call.status, call.out, fault);
      if (held != NULL)
        soup_server_message_unpause (msg);
    }
  if (held != NULL)
    unhold (worker, held);
  g_string_free (call.out, TRUE);
}

static gboolean
latency_done_cb (gpointer user_data)
{
  Held *held = user_data;

  g_clear_pointer (&held->timer, g_source_unref);
  run (held->worker, held->msg, held->route, held->fault, held);
  return G_SOURCE_REMOVE;
}

static PmSandboxFault
draw_fault (PmSandbox   *self,
            const Route *route,
            guint       *latency_ms)
{
  PmSandboxFaultSpec *spec, *global, *chosen = NULL;
  double total = 0.0, r, sum = 0.0;

  *latency_ms = 0;
  if (route->endpoint == NULL || g_hash_table_size (self->faults) == 0)
    return PM_SANDBOX_FAULT_NONE;
  spec = g_hash_table_lookup (self->faults, route->endpoint);
  global = route->global_faults ? g_hash_table_lookup (self->faults, "*") : NULL;
  if (spec != NULL && spec->latency_ms > 0)
    *latency_ms = spec->latency_ms;
  else if (global != NULL)
    *latency_ms = global->latency_ms;
  if (spec != NULL && spec->kinds->len > 0)
    chosen = spec;
  else if (global != NULL && global->kinds->len > 0)
    chosen = global;
  if (chosen == NULL)
    return PM_SANDBOX_FAULT_NONE;
  for (guint i = 0; i < chosen->kinds->len; i++)
    total += g_array_index (chosen->kinds, PmSandboxFaultShare, i).share;
  if (total <= 0.0)
    return PM_SANDBOX_FAULT_NONE;
  /* One kind at share 1 needs no draw (and leaves the seeded sequence alone). */
  if (chosen->kinds->len == 1 && total >= 1.0)
    return g_array_index (chosen->kinds, PmSandboxFaultShare, 0).fault;
  r = g_rand_double (self->fault_rng);
  for (guint i = 0; i < chosen->kinds->len; i++)
    {
      const PmSandboxFaultShare *entry = &g_array_index (chosen->kinds, PmSandboxFaultShare, i);

      sum += entry->share;
      if (r < sum)
        return entry->fault;
    }
  return PM_SANDBOX_FAULT_NONE;
}

static void
reply_now (SoupServerMessage *msg,
           guint              status,
           const char        *text)
{
  g_autoptr(GString) out = g_string_new ("{\"success\":false,\"error\":");

  jstr (out, text);
  g_string_append_c (out, '}');
  set_reply (msg, status, out, PM_SANDBOX_FAULT_NONE);
}

/* Paths served at the host root as well as under /api/v1 (API.md §7: the vendor client
 * asks http://HOST/version before every command). */
static gboolean
is_root_path (const char *path)
{
  return strcmp (path, "/version") == 0 || strcmp (path, "/health") == 0;
}

static void
server_cb (SoupServer        *server,
           SoupServerMessage *msg,
           const char        *path,
           GHashTable        *query,
           gpointer           user_data)
{
  Worker *worker = user_data;
  PmSandbox *self = worker->self;
  const char *method = soup_server_message_get_method (msg);
  const Route *route = NULL;
  const char *rest = NULL;
  gboolean path_known = FALSE;
  PmSandboxFault fault;
  guint latency_ms;

  if (g_str_has_prefix (path, "/api/v1/"))
    rest = path + strlen ("/api/v1");
  else if (is_root_path (path))
    rest = path;
  for (guint i = 0; rest != NULL && i < n_routes; i++)
    if (strcmp (routes[i].path, rest) == 0)
      {
        path_known = TRUE;
        if (strcmp (routes[i].method, method) == 0)
          {
            route = &routes[i];
            break;
          }
      }
  if (route == NULL)
    {
      g_autofree char *text = g_strdup_printf (path_known ? "Method %s is not allowed on %s"
                                                          : "No such endpoint: %s %s",
                                               method, path);

      reply_now (msg, path_known ? SOUP_STATUS_METHOD_NOT_ALLOWED : SOUP_STATUS_NOT_FOUND, text);
      return;
    }

  g_mutex_lock (&self->lock);
  fault = draw_fault (self, route, &latency_ms);
  if (fault != PM_SANDBOX_FAULT_NONE)
    pm_sandbox_fault_count_locked (self, route->endpoint, fault);
  g_mutex_unlock (&self->lock);

  switch (fault)
    {
    case PM_SANDBOX_FAULT_HTTP_500:
      reply_now (msg, SOUP_STATUS_INTERNAL_SERVER_ERROR, "Internal server error (sandbox fault)");
      return;
    case PM_SANDBOX_FAULT_HTTP_503:
      reply_now (msg, SOUP_STATUS_SERVICE_UNAVAILABLE, "Service unavailable (sandbox fault)");
      return;
    case PM_SANDBOX_FAULT_TIMEOUT:
      hold (worker, msg, HELD_TIMEOUT);
      return;
    default:
      break;
    }

  if (latency_ms > 0)
    {
      Held *held = hold (worker, msg, HELD_LATENCY);

      held->route = route;
      held->fault = fault;
      held->timer = g_timeout_source_new (latency_ms);
      g_source_set_callback (held->timer, latency_done_cb, held, NULL);
      g_source_attach (held->timer, worker->context);
      return;
    }
  run (worker, msg, route, fault, NULL);
}

/* Refuses an announced body over the cap before it is read. */
static void
early_cb (SoupServer        *server,
          SoupServerMessage *msg,
          const char        *path,
          GHashTable        *query,
          gpointer           user_data)
{
  SoupMessageHeaders *h = soup_server_message_get_request_headers (msg);

  if (soup_message_headers_get_encoding (h) == SOUP_ENCODING_CONTENT_LENGTH
      && soup_message_headers_get_content_length (h) > PM_SANDBOX_BODY_MAX)
    reply_now (msg, SOUP_STATUS_REQUEST_ENTITY_TOO_LARGE,
               "The request body is too large: at most 64 KiB");
}

static void
socket_gone_cb (gpointer  user_data,
                GObject  *where_the_object_was)
{
  Worker *worker = user_data;

  g_hash_table_remove (worker->sockets, where_the_object_was);
}

static void
request_started_cb (SoupServer        *server,
                    SoupServerMessage *msg,
                    gpointer           user_data)
{
  Worker *worker = user_data;
  GSocket *socket = soup_server_message_get_socket (msg);

  if (socket != NULL && !g_hash_table_contains (worker->sockets, socket))
    {
      g_hash_table_add (worker->sockets, socket);
      g_object_weak_ref (G_OBJECT (socket), socket_gone_cb, worker);
    }
}

static gboolean
socket_is_held (Worker  *worker,
                GSocket *socket)
{
  for (guint i = 0; i < worker->held->len; i++)
    {
      Held *held = g_ptr_array_index (worker->held, i);

      if (soup_server_message_get_socket (held->msg) == socket)
        return TRUE;
    }
  return FALSE;
}

/* libsoup 3.2 never notices when a client closes an idle keep-alive connection
 * (fixed upstream in 3.3: "Don't leak idle connections closed by the client"): the
 * socket would stay in CLOSE_WAIT, one file descriptor lost per connection. Close
 * the sockets whose peer has gone; libsoup's own later close is then a no-op. */
static gboolean
peer_has_closed (int fd)
{
  struct tcp_info info;
  socklen_t len = sizeof info;

  return getsockopt (fd, IPPROTO_TCP, TCP_INFO, &info, &len) == 0
         && info.tcpi_state == TCP_CLOSE_WAIT;
}

static void
reap_closed_sockets (Worker *worker)
{
  GHashTableIter iter;
  gpointer key;
  g_autoptr(GPtrArray) dead = g_ptr_array_new ();
  /* Over TLS a closing client leaves its close_notify unread: the peek sees data, so
   * the TCP state tells instead. */
  gboolean tls = worker->self != NULL && pm_sandbox_http_uses_tls (worker->self);

  g_hash_table_iter_init (&iter, worker->sockets);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    {
      GSocket *socket = key;
      GIOCondition cond;
      char byte;

      if (g_socket_is_closed (socket))
        continue;
      cond = g_socket_condition_check (socket, G_IO_IN | G_IO_HUP | G_IO_ERR);
      if ((cond & (G_IO_HUP | G_IO_ERR)) != 0
          || ((cond & G_IO_IN) != 0
              && recv (g_socket_get_fd (socket), &byte, 1, MSG_PEEK | MSG_DONTWAIT) == 0)
          || (tls && peer_has_closed (g_socket_get_fd (socket))))
        g_ptr_array_add (dead, socket);
    }
  for (guint i = 0; i < dead->len; i++)
    if (!socket_is_held (worker, dead->pdata[i]))
      g_socket_close (dead->pdata[i], NULL);
}

static gboolean
tick_cb (gpointer user_data)
{
  Worker *worker = user_data;
  PmSandbox *self = worker->self;
  gint64 now = g_get_monotonic_time ();

  if (worker->index == 0)
    {
      g_mutex_lock (&self->lock);
      pm_sandbox_settle_locked (self);
      if (self->dirty && self->state_file != NULL)
        {
          g_autoptr(GError) error = NULL;

          if (!pm_sandbox_save_locked (self, &error))
            g_message ("Sandbox: could not write the state file: %s", error->message);
        }
      g_mutex_unlock (&self->lock);
    }

  reap_closed_sockets (worker);

  /* A held "timeout" request is let go after a while so connections do not pile up. */
  for (guint i = worker->held->len; i > 0; i--)
    {
      Held *held = g_ptr_array_index (worker->held, i - 1);

      if (held->kind == HELD_TIMEOUT && now - held->since > HELD_TIMEOUT_MAX_US)
        {
          close_connection (held->msg);
          unhold (worker, held);
        }
    }
  return G_SOURCE_CONTINUE;
}

/* ---------------------------------------------------------------- TLS */

/* The certificate lives on the sandbox object as data, so it goes with the sandbox. */
#define TLS_CERTIFICATE_KEY "pm-sandbox-tls-certificate"

static GTlsCertificate *
tls_certificate (PmSandbox *self)
{
  return g_object_get_data (G_OBJECT (self), TLS_CERTIFICATE_KEY);
}

/* Why a file could not be read, without repeating its name. */
static const char *
unreadable_reason (const GError *error)
{
  if (error->domain == G_FILE_ERROR)
    switch (error->code)
      {
      case G_FILE_ERROR_NOENT:
        return "there is no such file";
      case G_FILE_ERROR_ACCES:
      case G_FILE_ERROR_PERM:
        return "permission denied";
      case G_FILE_ERROR_ISDIR:
        return "it is a folder";
      default:
        break;
      }
  return error->message;
}

gboolean
pm_sandbox_http_set_tls_files (PmSandbox   *self,
                               const char  *certificate_file,
                               const char  *key_file,
                               GError     **error)
{
  g_autoptr(GTlsCertificate) alone = NULL;
  g_autoptr(GTlsCertificate) certificate = NULL;
  g_autoptr(GError) local = NULL;
  g_autofree char *cert_pem = NULL;
  g_autofree char *key_pem = NULL;

  g_return_val_if_fail (PM_IS_SANDBOX (self), FALSE);
  g_return_val_if_fail (self->workers == NULL, FALSE);
  g_return_val_if_fail (certificate_file != NULL && key_file != NULL, FALSE);

  /* Each file on its own first, so a message names the file that is wrong. */
  if (!g_file_get_contents (certificate_file, &cert_pem, NULL, &local))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   "The TLS certificate file “%s” cannot be read: %s", certificate_file,
                   unreadable_reason (local));
      return FALSE;
    }
  alone = g_tls_certificate_new_from_pem (cert_pem, -1, &local);
  if (alone == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   "The TLS certificate file “%s” cannot be used: %s", certificate_file,
                   local->message);
      return FALSE;
    }
  if (!g_file_get_contents (key_file, &key_pem, NULL, &local))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   "The TLS key file “%s” cannot be read: %s", key_file,
                   unreadable_reason (local));
      return FALSE;
    }
  certificate = g_tls_certificate_new_from_files (certificate_file, key_file, &local);
  if (certificate == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   "The TLS key file “%s” cannot be used: %s", key_file, local->message);
      return FALSE;
    }
  g_object_set_data_full (G_OBJECT (self), TLS_CERTIFICATE_KEY,
                          g_steal_pointer (&certificate), g_object_unref);
  return TRUE;
}

gboolean
pm_sandbox_http_uses_tls (PmSandbox *self)
{
  g_return_val_if_fail (PM_IS_SANDBOX (self), FALSE);
  return tls_certificate (self) != NULL;
}

char *
pm_sandbox_http_dup_base_url (PmSandbox *self)
{
  g_autofree char *url = pm_sandbox_dup_base_url (self);

  if (url != NULL && tls_certificate (self) != NULL && g_str_has_prefix (url, "http://"))
    return g_strconcat ("https://", url + strlen ("http://"), NULL);
  return g_steal_pointer (&url);
}

/* ---------------------------------------------------------------- worker threads */

static gboolean
listen_worker (Worker  *worker,
               GError **error)
{
  PmSandbox *self = worker->self;
  g_autoptr(GSocketAddress) address = NULL;
  g_autoptr(GSocket) socket = NULL;
  g_autoptr(GSocketAddress) local = NULL;
  struct sockaddr_storage native;

  address = g_inet_socket_address_new_from_string (self->address, self->port);
  if (address == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   "The sandbox cannot listen on “%s”: not an IP address", self->address);
      return FALSE;
    }
  if (worker->index == 0 && self->port != 0)
    {
      /* A plain bind first, so a port some other program (or sandbox) holds is an error
       * rather than shared through SO_REUSEPORT. */
      g_autoptr(GSocket) probe = g_socket_new (g_socket_address_get_family (address),
                                               G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP,
                                               error);

      if (probe == NULL || !g_socket_bind (probe, address, TRUE, error))
        return FALSE;
      g_socket_close (probe, NULL);
    }
  socket = g_socket_new (g_socket_address_get_family (address), G_SOCKET_TYPE_STREAM,
                         G_SOCKET_PROTOCOL_TCP, error);
  if (socket == NULL)
    return FALSE;
  /* Every worker listens on the same port; the kernel spreads connections.
   * (g_socket_bind() would clear SO_REUSEPORT on a TCP socket, so bind directly.) */
  if (!g_socket_set_option (socket, SOL_SOCKET, SO_REUSEPORT, 1, error)
      || !g_socket_set_option (socket, SOL_SOCKET, SO_REUSEADDR, 1, error)
      /* Accepted sockets inherit it: no Nagle wait between headers and body. */
      || !g_socket_set_option (socket, IPPROTO_TCP, TCP_NODELAY, 1, error)
      || !g_socket_address_to_native (address, &native, sizeof native, error))
    return FALSE;
  if (bind (g_socket_get_fd (socket), (struct sockaddr *) &native,
            (socklen_t) g_socket_address_get_native_size (address)) != 0)
    {
      int errsv = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errsv),
                   "The sandbox cannot listen on %s port %u: %s", self->address, self->port,
                   g_strerror (errsv));
      return FALSE;
    }
  g_socket_set_listen_backlog (socket, 1024);
  if (!g_socket_listen (socket, error)
      || !soup_server_listen_socket (worker->server, socket,
                                     tls_certificate (self) != NULL ? SOUP_SERVER_LISTEN_HTTPS : 0,
                                     error))
    return FALSE;
  local = g_socket_get_local_address (socket, error);
  if (local == NULL)
    return FALSE;
  self->port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (local));
  return TRUE;
}

static gpointer
worker_thread (gpointer user_data)
{
  Worker *worker = user_data;
  PmSandbox *self = worker->self;
  GError *error = NULL;
  gboolean ok;

  g_main_context_push_thread_default (worker->context);
  worker->server = soup_server_new ("server-header", "PaymintSandbox/" SANDBOX_API_VERSION " ",
                                    "tls-certificate", tls_certificate (self),
                                    NULL);
  worker->parser = json_parser_new ();
  worker->held = g_ptr_array_new ();
  soup_server_add_early_handler (worker->server, NULL, early_cb, worker, NULL);
  soup_server_add_handler (worker->server, NULL, server_cb, worker, NULL);
  worker->sockets = g_hash_table_new (NULL, NULL);
  g_signal_connect (worker->server, "request-started", G_CALLBACK (request_started_cb), worker);
  ok = listen_worker (worker, &error);

  g_mutex_lock (&self->lock);
  worker->error = error;
  worker->started = TRUE;
  g_cond_broadcast (&self->cond);
  g_mutex_unlock (&self->lock);

  if (ok)
    {
      worker->tick_source = g_timeout_source_new (1000);
      g_source_set_callback (worker->tick_source, tick_cb, worker, NULL);
      g_source_attach (worker->tick_source, worker->context);
      g_main_loop_run (worker->loop);
      g_source_destroy (worker->tick_source);
      g_clear_pointer (&worker->tick_source, g_source_unref);
    }

  if (worker->flush_source != NULL)
    {
      g_source_destroy (worker->flush_source);
      flush_cb (worker);
    }
  /* Held requests (timeouts, latency waits) are released: their clients see the
   * connection close. */
  while (worker->held->len > 0)
    {
      Held *held = g_ptr_array_index (worker->held, worker->held->len - 1);

      close_connection (held->msg);
      unhold (worker, held);
    }
  soup_server_disconnect (worker->server);
  g_clear_object (&worker->server);
  while (g_main_context_iteration (worker->context, FALSE))
    ;
  {
    GHashTableIter iter;
    gpointer key;

    /* Sockets libsoup leaked (see reap_closed_sockets()) are closed here. */
    g_hash_table_iter_init (&iter, worker->sockets);
    while (g_hash_table_iter_next (&iter, &key, NULL))
      {
        g_object_weak_unref (key, socket_gone_cb, worker);
        g_socket_close (key, NULL);
      }
    g_clear_pointer (&worker->sockets, g_hash_table_unref);
  }
  g_clear_object (&worker->parser);
  g_clear_pointer (&worker->held, g_ptr_array_unref);
  while (g_main_context_iteration (worker->context, FALSE))
    ;
  g_main_context_pop_thread_default (worker->context);
  return NULL;
}

static gboolean
quit_cb (gpointer user_data)
{
  g_main_loop_quit (user_data);
  return G_SOURCE_REMOVE;
}

static void
worker_free (Worker *worker)
{
  if (worker->thread != NULL)
    {
      GSource *source = g_idle_source_new ();

      g_source_set_callback (source, quit_cb, g_main_loop_ref (worker->loop),
                             (GDestroyNotify) g_main_loop_unref);
      g_source_attach (source, worker->context);
      g_source_unref (source);
      g_thread_join (worker->thread);
    }
  g_clear_error (&worker->error);
  g_main_loop_unref (worker->loop);
  g_main_context_unref (worker->context);
  g_free (worker);
}

gboolean
pm_sandbox_http_start (PmSandbox  *self,
                       GError    **error)
{
  const char *env = g_getenv ("PM_SANDBOX_WORKERS");
  guint n = CLAMP (2 * g_get_num_processors (), 2, 8);

  /* Worker threads: two per processor by default (2 to 8): on a loaded box the kernel
   * then spreads the connections over more event loops, each batching its own. */
  if (env != NULL && g_ascii_strtoull (env, NULL, 10) > 0)
    n = (guint) MIN (g_ascii_strtoull (env, NULL, 10), 16);

  self->workers = g_ptr_array_new_with_free_func ((GDestroyNotify) worker_free);
  for (guint i = 0; i < n; i++)
    {
      Worker *worker = g_new0 (Worker, 1);
      g_autofree char *name = g_strdup_printf ("pm-sandbox-%u", i);

      worker->self = self;
      worker->index = i;
      worker->context = g_main_context_new ();
      worker->loop = g_main_loop_new (worker->context, FALSE);
      g_ptr_array_add (self->workers, worker);
      worker->thread = g_thread_new (name, worker_thread, worker);

      g_mutex_lock (&self->lock);
      while (!worker->started)
        g_cond_wait (&self->cond, &self->lock);
      g_mutex_unlock (&self->lock);

      if (worker->error != NULL)
        {
          g_propagate_error (error, g_steal_pointer (&worker->error));
          pm_sandbox_http_stop (self);
          return FALSE;
        }
    }
  return TRUE;
}

void
pm_sandbox_http_stop (PmSandbox *self)
{
  g_clear_pointer (&self->workers, g_ptr_array_unref);
}
