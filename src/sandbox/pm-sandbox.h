/* pm-sandbox.h — a faithful, stateful local implementation of the MMK Paymint API
 *
 * Copyright 2026 The Paymint Desk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The sandbox serves API.md on a loopback port from threads of its own (each with its
 * own GMainContext and SoupServer on the one port), so callers on any thread — the
 * app's main loop, a test doing blocking I/O, the CLI — can use it in-process. Every
 * function here is thread-safe.
 */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* Built-in keys (always present unless pm_sandbox_reset_keys() is called):
 *   PM_SANDBOX_DEMO_KEY   Pro tier, one license, ample balance
 *   PM_SANDBOX_MULTI_KEY  Pro tier, two licenses (the user must pick one)
 *   PM_SANDBOX_BASIC_KEY  Basic tier: every protected call answers 402 (license)
 */
#define PM_SANDBOX_DEMO_KEY  "sandbox-demo-key"
#define PM_SANDBOX_MULTI_KEY "sandbox-multi-key"
#define PM_SANDBOX_BASIC_KEY "sandbox-basic-key"

/* The demo key's one license (traditional mode needs all of these). */
#define PM_SANDBOX_DEMO_BUSINESS_NUMBER "1234567890"
#define PM_SANDBOX_DEMO_MEMBER_ID       "demo-member"
#define PM_SANDBOX_DEMO_MERCHANT_ID     "demo-merchant"
#define PM_SANDBOX_DEMO_PAYMINT_API_KEY "sandbox-paymint-demo"

typedef enum
{
  PM_SANDBOX_TIER_BASIC,
  PM_SANDBOX_TIER_PRO,
} PmSandboxTier;

typedef enum
{
  PM_SANDBOX_FAULT_NONE,
  PM_SANDBOX_FAULT_HTTP_500,       /* reply 500, nothing applied */
  PM_SANDBOX_FAULT_HTTP_503,       /* reply 503, nothing applied */
  PM_SANDBOX_FAULT_RESET_BEFORE,   /* close the connection before applying the change */
  PM_SANDBOX_FAULT_RESET_AFTER,    /* apply the change, then close without a reply */
  PM_SANDBOX_FAULT_TIMEOUT,        /* apply nothing and never answer (held until the client gives up) */
  PM_SANDBOX_FAULT_MALFORMED_JSON, /* apply the change, reply 200 with a body that is not JSON */
  PM_SANDBOX_FAULT_TRUNCATED_JSON, /* apply the change, reply 200 with the JSON cut short */
  /* Hostile answers: each applies the change (the bill is made), then replies with: */
  PM_SANDBOX_FAULT_DEEP_NESTING,    /* 200, a body nested 200,000 levels deep: [[[…]]] */
  PM_SANDBOX_FAULT_OVERSIZED,       /* 200, the reply padded past 2 MiB in "msg" (valid JSON) */
  PM_SANDBOX_FAULT_SUCCESS_CONTRADICTION,  /* the reply plus "success": false (code 0000) */
  PM_SANDBOX_FAULT_CODE_9999_AFTER_CREATE, /* 200 {"code": "9999", "msg"} instead */
  PM_SANDBOX_FAULT_OTHER_BILL_ID,   /* the reply naming another, made-up bill_id */
  PM_SANDBOX_FAULT_JAVASCRIPT_LINK, /* the reply with shortURL javascript:alert(1) ESC]0;…BEL */
  PM_SANDBOX_FAULT_CONTROL_TEXT,    /* the reply with a "msg" full of C0/C1 and bidi controls */
  PM_SANDBOX_FAULT_HTML_200,        /* 200, Content-Type text/html, an HTML page */
} PmSandboxFault;

#define PM_TYPE_SANDBOX (pm_sandbox_get_type ())
G_DECLARE_FINAL_TYPE (PmSandbox, pm_sandbox, PM, SANDBOX, GObject)

PmSandbox  *pm_sandbox_new               (void);

/* Set-up; may be called before or after start. */
void        pm_sandbox_set_seed          (PmSandbox      *self,
                                          guint64         seed);
gboolean    pm_sandbox_set_state_file    (PmSandbox      *self,
                                          const char     *path,
                                          GError        **error);
void        pm_sandbox_add_key           (PmSandbox      *self,
                                          const char     *api_key,
                                          PmSandboxTier   tier,
                                          gint64          balance_won);
void        pm_sandbox_add_license       (PmSandbox      *self,
                                          const char     *api_key,
                                          const char     *business_number,
                                          const char     *business_name,
                                          const char     *member_id,
                                          const char     *merchant_id,
                                          const char     *paymint_api_key);
void        pm_sandbox_set_balance       (PmSandbox      *self,
                                          const char     *api_key,
                                          gint64          balance_won);
gint64      pm_sandbox_get_balance       (PmSandbox      *self,
                                          const char     *api_key);
void        pm_sandbox_set_fee           (PmSandbox      *self,
                                          gint64          won_per_send);

/* Simulated payers: @pay_share of new bills get paid after a delay drawn from
 * [@min_delay_s, @max_delay_s] (sandbox clock); @decline_share of AutoPay charges fail. */
void        pm_sandbox_set_payers        (PmSandbox      *self,
                                          double          pay_share,
                                          guint           min_delay_s,
                                          guint           max_delay_s,
                                          double          decline_share);
/* AutoPay registrations complete by themselves after @delay_s (0: only when "opened"). */
void        pm_sandbox_set_autopay_delay (PmSandbox      *self,
                                          guint           delay_s);

/* The sandbox clock: real time × @scale, plus whatever advance() added. */
void        pm_sandbox_set_time_scale    (PmSandbox      *self,
                                          double          scale);
void        pm_sandbox_advance           (PmSandbox      *self,
                                          gint64          seconds);
gint64      pm_sandbox_now               (PmSandbox      *self); /* unix seconds, sandbox clock */

/* Faults: @endpoint is a name of API.md §2 ("request", "read", "autopay/request", …)
 * or NULL for every endpoint; @share in [0, 1] of matching requests get @fault. */
void        pm_sandbox_set_fault         (PmSandbox      *self,
                                          const char     *endpoint,
                                          PmSandboxFault  fault,
                                          double          share);
/* Adds @fault to @endpoint's faults with its own @share, keeping the kinds already set
 * there (adding a kind already present changes its share). A request gets at most one
 * fault: shares 0.2 (500) + 0.1 (reset-after) + 0.1 (timeout) fault 40 % of requests.
 * Shares past a total of 1 are never drawn. set_fault replaces all of an endpoint's kinds. */
void        pm_sandbox_add_fault         (PmSandbox      *self,
                                          const char     *endpoint,
                                          PmSandboxFault  fault,
                                          double          share);
void        pm_sandbox_set_latency       (PmSandbox      *self,
                                          const char     *endpoint,
                                          guint           latency_ms);
void        pm_sandbox_clear_faults      (PmSandbox      *self);
/* How many requests to @endpoint (a name of API.md §2, not NULL) were served @fault
 * since the sandbox was made (clear_faults does not reset the counts). */
guint       pm_sandbox_count_faults      (PmSandbox      *self,
                                          const char     *endpoint,
                                          PmSandboxFault  fault);

/* Serving. @address NULL means 127.0.0.1; @port 0 picks a free one. */
gboolean    pm_sandbox_start             (PmSandbox      *self,
                                          const char     *address,
                                          guint           port,
                                          GError        **error);
void        pm_sandbox_stop              (PmSandbox      *self);
guint       pm_sandbox_get_port          (PmSandbox      *self);
char       *pm_sandbox_dup_base_url      (PmSandbox      *self); /* http://127.0.0.1:PORT/api/v1 */

/* Inspection and sandbox-only actions (also served over HTTP under /api/v1/sandbox/). */
guint       pm_sandbox_count_bills       (PmSandbox      *self);
char       *pm_sandbox_dup_bill_state    (PmSandbox      *self,
                                          const char     *bill_id); /* "W" "F" "C" "D", NULL if none */
gboolean    pm_sandbox_pay_bill          (PmSandbox      *self,
                                          const char     *bill_id);
gboolean    pm_sandbox_open_autopay_link (PmSandbox      *self,
                                          const char     *phone);

/* Additions.
 *
 * Defaults and choices (details at the top of pm-sandbox.c and pm-sandbox-http.c):
 * fee ₩100 per successful request/resend/autopay request; built-in keys hold ₩10,000,000;
 * 70 % of bills paid 20–180 s after sending, 5 % of AutoPay charges declined (reply code
 * "9999", no bill made, nothing charged); AutoPay links complete after 30 s or when
 * opened; destroy or cancel of a destroyed bill → "9970"; unknown AutoPay method → "9980";
 * MMK mode with several licenses and none picked uses the first license.
 *
 * pm_sandbox_reset_keys: forgets every key, the built-in ones included (bills stay).
 * pm_sandbox_get_balance returns -1 for an unknown key. */
void        pm_sandbox_reset_keys        (PmSandbox      *self);
gint64      pm_sandbox_get_fee           (PmSandbox      *self);
/* "none" "500" "503" "reset-before" "reset-after" "timeout" "malformed" "truncated"
 * "deep-nesting" "oversized" "success-contradiction" "code-9999-after-create" "other-bill-id"
 * "javascript-link" "control-text" "html-200" */
gboolean    pm_sandbox_fault_from_string (const char     *name,
                                          PmSandboxFault *fault);
const char *pm_sandbox_fault_to_string   (PmSandboxFault  fault);

G_END_DECLS
