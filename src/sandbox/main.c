/* main.c — paymint-sandbox: the MMK Paymint API sandbox as a program
 *
 * Copyright 2026 The Paymint Desk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A developer tool: its messages are English only (not in po/).
 */

#include "config.h"

#include "pm-sandbox.h"
#include "pm-sandbox-private.h"
#include "pm-shared-sandbox.h"

#include <glib-unix.h>
#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_PORT 8787
#define PORT_UNSET   G_MININT

static char *opt_address = NULL;
static int opt_port = PORT_UNSET;
static gboolean opt_shared = FALSE;
static char *opt_seed = NULL;
static char *opt_state_file = NULL;
static double opt_time_scale = 1.0;
static double opt_pay_share = -1.0;
static char *opt_pay_delay = NULL;
static double opt_decline_share = -1.0;
static int opt_autopay_delay = -1;
static char *opt_fee = NULL;
static char *opt_balance = NULL;
static char **opt_faults = NULL;
static char **opt_latencies = NULL;
static char *opt_tls_certificate = NULL;
static char *opt_tls_key = NULL;

static const GOptionEntry entries[] = {
  { "address", 'a', 0, G_OPTION_ARG_STRING, &opt_address,
    "IP address to listen on (default 127.0.0.1)", "ADDRESS" },
  { "port", 'p', 0, G_OPTION_ARG_INT, &opt_port,
    "TCP port to listen on; 0 picks a free one (default 8787; with --shared 0)", "PORT" },
  { "shared", 0, 0, G_OPTION_ARG_NONE, &opt_shared,
    "Serve as the user's shared sandbox (what paymint-desk --sandbox and paymint-cli "
    "--sandbox start and join): publish the address in $XDG_RUNTIME_DIR/paymint-desk/"
    "sandbox.json, keep the state in $XDG_DATA_HOME/paymint-desk/sandbox-state.json unless "
    "--state-file says otherwise, and stop a few seconds after the last process in "
    "sandbox-users/ is gone. Exits with 75 when another sandbox owns the state file", NULL },
  { "seed", 's', 0, G_OPTION_ARG_STRING, &opt_seed,
    "Seed for the simulated payers and faults, so runs repeat (default: random)", "N" },
  { "state-file", 'f', 0, G_OPTION_ARG_FILENAME, &opt_state_file,
    "Keep keys, balances, bills and AutoPay in this JSON file; loaded at start, written "
    "atomically after every change (default: memory only)", "FILE" },
  { "time-scale", 't', 0, G_OPTION_ARG_DOUBLE, &opt_time_scale,
    "Sandbox clock speed: 60 makes one real second a sandbox minute (default 1)", "FACTOR" },
  { "pay-share", 0, 0, G_OPTION_ARG_DOUBLE, &opt_pay_share,
    "Share of new bills the simulated payers pay, 0 to 1 (default 0.7)", "SHARE" },
  { "pay-delay", 0, 0, G_OPTION_ARG_STRING, &opt_pay_delay,
    "Seconds (sandbox clock) between sending and paying, drawn from MIN to MAX (default 20:180)",
    "MIN:MAX" },
  { "decline-share", 0, 0, G_OPTION_ARG_DOUBLE, &opt_decline_share,
    "Share of AutoPay charges the card declines, 0 to 1 (default 0.05)", "SHARE" },
  { "autopay-delay", 0, 0, G_OPTION_ARG_INT, &opt_autopay_delay,
    "Seconds after which an AutoPay link completes by itself; 0: only when opened through "
    "POST /api/v1/sandbox/autopay/open (default 30)", "SECONDS" },
  { "fee", 0, 0, G_OPTION_ARG_STRING, &opt_fee,
    "Won drawn from the balance by each successful request, resend and autopay/request "
    "(default 100)", "WON" },
  { "balance", 0, 0, G_OPTION_ARG_STRING, &opt_balance,
    "Starting balance in won of the built-in keys (default 10000000)", "WON" },
  { "fault", 0, 0, G_OPTION_ARG_STRING_ARRAY, &opt_faults,
    "Inject a fault, repeatable. ENDPOINT is an API endpoint (request, read, cancel, destroy, "
    "resend, licenses, format-phone-number, autopay/register, autopay/manage, autopay/methods, "
    "autopay/request, autopay/delete, version, health) or * for all of API.md; KIND is 500, 503, "
    "reset-before, reset-after, timeout, malformed, truncated, or one of the hostile answers "
    "(below); SHARE is 0 to 1 (default 1). "
    "Repeat it with other kinds for one endpoint to mix them: a request gets at most one, each "
    "kind with its own share. Example: --fault request=500:0.2 --fault request=reset-after:0.1",
    "ENDPOINT=KIND[:SHARE]" },
  { "latency", 0, 0, G_OPTION_ARG_STRING_ARRAY, &opt_latencies,
    "Delay every reply of ENDPOINT (or * for all) by MS milliseconds, repeatable",
    "ENDPOINT=MS" },
  { "tls-certificate", 0, 0, G_OPTION_ARG_FILENAME, &opt_tls_certificate,
    "Serve https with this PEM certificate (the server's first, then any intermediates); "
    "needs --tls-key", "FILE" },
  { "tls-key", 0, 0, G_OPTION_ARG_FILENAME, &opt_tls_key,
    "The PEM private key of --tls-certificate", "FILE" },
  { NULL }
};

static const char description[] =
  "Built-in API keys (send as X-API-KEY or Authorization: Bearer):\n"
  "  " PM_SANDBOX_DEMO_KEY "   Pro, one license:\n"
  "      business number 1234567890, \"샌드박스 데모 상점\", member demo-member,\n"
  "      merchant demo-merchant, Paymint API key sandbox-paymint-demo\n"
  "  " PM_SANDBOX_MULTI_KEY "  Pro, two licenses:\n"
  "      2208112345 \"서울 베이커리 (샌드박스)\", member multi-member-1, merchant multi-merchant-1,\n"
  "        Paymint API key sandbox-paymint-multi-1\n"
  "      3308254321 \"부산 국수 (샌드박스)\", member multi-member-2, merchant multi-merchant-2,\n"
  "        Paymint API key sandbox-paymint-multi-2\n"
  "      (MMK mode without X-Paymint-Member-ID/Merchant-ID uses the first)\n"
  "  " PM_SANDBOX_BASIC_KEY "  Basic tier: every protected call answers 402 (upgrade)\n"
  "\n"
  "Endpoints: /version and /health (at the host root and under /api/v1), the twelve\n"
  "/api/v1/paymint/… calls of the MMK Paymint API, and (with an API key)\n"
  "/api/v1/sandbox/stats, /sandbox/pay {bill_id}, /sandbox/autopay/open {phone},\n"
  "/sandbox/clock/advance {seconds} and\n"
  "/sandbox/faults {endpoint, fault, share, latency_ms | clear} (each fault kind posted\n"
  "for an endpoint adds to its mix; \"none\" clears that endpoint's kinds).\n"
  "\n"
  "Fault kinds: 500, 503 (nothing applied); reset-before (closed, nothing applied);\n"
  "reset-after (applied, closed without a reply); timeout (nothing applied, never\n"
  "answered); malformed, truncated (applied, a 200 body that is not JSON). Hostile\n"
  "answers, each after the change was applied (the bill exists):\n"
  "  deep-nesting            200, a body nested 200,000 levels deep ([[[…]]])\n"
  "  oversized               200, the reply as valid JSON padded past 2 MiB\n"
  "  success-contradiction   the reply with \"success\": false and code 0000\n"
  "  code-9999-after-create  200 {\"code\": \"9999\"} in place of the success\n"
  "  other-bill-id           code 0000 with the bill_id of another (made-up) bill\n"
  "  javascript-link         shortURL javascript:alert(1) plus a terminal escape\n"
  "  control-text            a msg full of C0/C1 controls and bidi overrides\n"
  "  html-200                200 with Content-Type text/html and an HTML page\n"
  "The hostile answers rewrite only successful replies, except deep-nesting, oversized\n"
  "and html-200, which replace any reply.\n"
  "\n"
  "Where the API leaves room: destroy/cancel/resend of a destroyed bill answer code 9970;\n"
  "a declined AutoPay charge answers code 9999 and makes no bill (nothing is charged);\n"
  "an unknown AutoPay method answers 9980; read of an unknown bill answers 200 with\n"
  "code 9980. Bills belong to the key and license they were sent under.\n"
  "\n"
  "Environment: PM_SANDBOX_WORKERS sets the number of server threads (default: two per\n"
  "processor, 2 to 8).\n";

static gboolean
parse_won (const char  *text,
           const char  *option,
           gint64      *out,
           GError     **error)
{
  guint64 value;

  if (!g_ascii_string_to_unsigned (text, 10, 0, G_MAXINT64, &value, NULL))
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   "%s must be a whole number of won, not “%s”", option, text);
      return FALSE;
    }
  *out = (gint64) value;
  return TRUE;
}

static gboolean
split_endpoint (const char  *spec,
                const char  *option,
                char       **endpoint,
                char       **rest,
                GError     **error)
{
  const char *eq = strchr (spec, '=');

  if (eq == NULL || eq == spec || eq[1] == '\0')
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   "%s “%s” must look like ENDPOINT=VALUE", option, spec);
      return FALSE;
    }
  *endpoint = g_strndup (spec, (gsize) (eq - spec));
  *rest = g_strdup (eq + 1);
  return TRUE;
}

static gboolean
configure (PmSandbox  *sandbox,
           GError    **error)
{
  if (opt_port == PORT_UNSET)
    opt_port = opt_shared ? 0 : DEFAULT_PORT;
  if (opt_shared && opt_state_file == NULL)
    opt_state_file = pm_shared_sandbox_dup_state_path ();
  if (opt_port < 0 || opt_port > 65535)
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   "--port must be from 0 to 65535");
      return FALSE;
    }
  if (opt_seed != NULL)
    {
      guint64 seed;

      if (!g_ascii_string_to_unsigned (opt_seed, 10, 0, G_MAXUINT64, &seed, error))
        return FALSE;
      pm_sandbox_set_seed (sandbox, seed);
    }
  if (opt_time_scale < 0.0)
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   "--time-scale must not be negative");
      return FALSE;
    }
  pm_sandbox_set_time_scale (sandbox, opt_time_scale);

  if (opt_pay_share >= 0.0 || opt_pay_delay != NULL || opt_decline_share >= 0.0)
    {
      double pay_share = opt_pay_share >= 0.0 ? opt_pay_share : PM_SANDBOX_DEFAULT_PAY_SHARE;
      double decline = opt_decline_share >= 0.0 ? opt_decline_share : PM_SANDBOX_DEFAULT_DECLINE;
      guint64 min_s = PM_SANDBOX_DEFAULT_PAY_MIN_S, max_s = PM_SANDBOX_DEFAULT_PAY_MAX_S;

      if (pay_share > 1.0 || decline > 1.0)
        {
          g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                       "--pay-share and --decline-share must be from 0 to 1");
          return FALSE;
        }
      if (opt_pay_delay != NULL)
        {
          g_auto(GStrv) parts = g_strsplit (opt_pay_delay, ":", 2);

          if (g_strv_length (parts) != 2
              || !g_ascii_string_to_unsigned (parts[0], 10, 0, G_MAXUINT32, &min_s, NULL)
              || !g_ascii_string_to_unsigned (parts[1], 10, min_s, G_MAXUINT32, &max_s, NULL))
            {
              g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                           "--pay-delay must look like MIN:MAX in seconds, MIN ≤ MAX");
              return FALSE;
            }
        }
      pm_sandbox_set_payers (sandbox, pay_share, (guint) min_s, (guint) max_s, decline);
    }
  if (opt_autopay_delay >= 0)
    pm_sandbox_set_autopay_delay (sandbox, (guint) opt_autopay_delay);
  if (opt_fee != NULL)
    {
      gint64 fee;

      if (!parse_won (opt_fee, "--fee", &fee, error))
        return FALSE;
      pm_sandbox_set_fee (sandbox, fee);
    }
  if (opt_balance != NULL)
    {
      gint64 balance;

      if (!parse_won (opt_balance, "--balance", &balance, error))
        return FALSE;
      pm_sandbox_set_balance (sandbox, PM_SANDBOX_DEMO_KEY, balance);
      pm_sandbox_set_balance (sandbox, PM_SANDBOX_MULTI_KEY, balance);
      pm_sandbox_set_balance (sandbox, PM_SANDBOX_BASIC_KEY, balance);
    }
  for (guint i = 0; opt_faults != NULL && opt_faults[i] != NULL; i++)
    {
      g_autofree char *endpoint = NULL;
      g_autofree char *rest = NULL;
      char *colon;
      double share = 1.0;
      PmSandboxFault fault;

      if (!split_endpoint (opt_faults[i], "--fault", &endpoint, &rest, error))
        return FALSE;
      colon = strchr (rest, ':');
      if (colon != NULL)
        {
          char *end = NULL;

          *colon = '\0';
          share = g_ascii_strtod (colon + 1, &end);
          if (end == colon + 1 || *end != '\0' || share < 0.0 || share > 1.0)
            {
              g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                           "--fault %s: SHARE must be a number from 0 to 1", opt_faults[i]);
              return FALSE;
            }
        }
      if (!pm_sandbox_fault_from_string (rest, &fault))
        {
          g_autofree char *names = pm_sandbox_dup_fault_names ();

          g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                       "--fault %s: KIND must be one of %s", opt_faults[i], names);
          return FALSE;
        }
      /* Repeated kinds for one endpoint add up to a mix; "none" clears the endpoint's. */
      if (fault == PM_SANDBOX_FAULT_NONE)
        pm_sandbox_set_fault (sandbox, strcmp (endpoint, "*") == 0 ? NULL : endpoint, fault, share);
      else
        pm_sandbox_add_fault (sandbox, strcmp (endpoint, "*") == 0 ? NULL : endpoint, fault, share);
    }
  for (guint i = 0; opt_latencies != NULL && opt_latencies[i] != NULL; i++)
    {
      g_autofree char *endpoint = NULL;
      g_autofree char *rest = NULL;
      guint64 ms;

      if (!split_endpoint (opt_latencies[i], "--latency", &endpoint, &rest, error))
        return FALSE;
      if (!g_ascii_string_to_unsigned (rest, 10, 0, 600000, &ms, NULL))
        {
          g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                       "--latency %s: MS must be from 0 to 600000", opt_latencies[i]);
          return FALSE;
        }
      pm_sandbox_set_latency (sandbox, strcmp (endpoint, "*") == 0 ? NULL : endpoint, (guint) ms);
    }
  if ((opt_tls_certificate == NULL) != (opt_tls_key == NULL))
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   "--tls-certificate and --tls-key go together: give both or neither");
      return FALSE;
    }
  if (opt_tls_certificate != NULL)
    {
      if (opt_shared)
        {
          g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                       "--tls-certificate cannot be used with --shared");
          return FALSE;
        }
      if (!pm_sandbox_http_set_tls_files (sandbox, opt_tls_certificate, opt_tls_key, error))
        return FALSE;
    }
  if (opt_state_file != NULL && !pm_sandbox_set_state_file (sandbox, opt_state_file, error))
    return FALSE;
  return TRUE;
}

static gboolean
quit_cb (gpointer user_data)
{
  g_main_loop_quit (user_data);
  return G_SOURCE_CONTINUE;
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(PmSandbox) sandbox = NULL;
  g_autoptr(GMainLoop) loop = NULL;
  g_autofree char *url = NULL;
  guint sigint, sigterm;

  setlocale (LC_ALL, "");
  context = g_option_context_new ("— serve the MMK Paymint API on loopback for tests and demos");
  g_option_context_add_main_entries (context, entries, NULL);
  g_option_context_set_description (context, description);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("paymint-sandbox: %s\n", error->message);
      return 2;
    }

  sandbox = pm_sandbox_new ();
  if (!configure (sandbox, &error))
    {
      g_printerr ("paymint-sandbox: %s\n", error->message);
      /* the state file's lock: another sandbox serves it */
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_BUSY))
        return opt_shared ? PM_SHARED_SANDBOX_EXIT_BUSY : 1;
      return 2;
    }
  if (!pm_sandbox_start (sandbox, opt_address, (guint) opt_port, &error))
    {
      g_printerr ("paymint-sandbox: %s\n", error->message);
      return 1;
    }

  if (opt_shared)
    {
      gboolean ok;

      /* its users come and go; a pipe one of them left must not end it */
      signal (SIGPIPE, SIG_IGN);
      loop = g_main_loop_new (NULL, FALSE);
      sigint = g_unix_signal_add (SIGINT, quit_cb, loop);
      sigterm = g_unix_signal_add (SIGTERM, quit_cb, loop);
      ok = pm_shared_sandbox_serve (sandbox, opt_state_file, loop, &error);
      g_source_remove (sigint);
      g_source_remove (sigterm);
      pm_sandbox_stop (sandbox);
      if (!ok)
        {
          g_printerr ("paymint-sandbox: %s\n", error->message);
          return 1;
        }
      g_printerr ("paymint-sandbox: stopped\n");
      return 0;
    }

  url = pm_sandbox_http_dup_base_url (sandbox);
  g_print ("Paymint sandbox listening on %s\n", url);
  g_print ("Demo API key: %s (more keys: paymint-sandbox --help)\n", PM_SANDBOX_DEMO_KEY);
  fflush (stdout);

  loop = g_main_loop_new (NULL, FALSE);
  sigint = g_unix_signal_add (SIGINT, quit_cb, loop);
  sigterm = g_unix_signal_add (SIGTERM, quit_cb, loop);
  g_main_loop_run (loop);
  g_source_remove (sigint);
  g_source_remove (sigterm);

  pm_sandbox_stop (sandbox);
  g_print ("Paymint sandbox stopped\n");
  return 0;
}
