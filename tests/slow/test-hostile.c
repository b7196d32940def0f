/* test-hostile.c — a hostile server never leaves a wrong or dangerous end state
 *
 * Copyright 2026 The Paymint Desk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * For each hostile answer of the sandbox (pm-sandbox.h: deep-nesting, oversized,
 * success-contradiction, code-9999-after-create, other-bill-id, javascript-link,
 * control-text, html-200) the real engine (PmService against a temporary ledger) sends
 * several bills while every "request" (or, in the autopay cases, every
 * "autopay/request") gets that answer. The sandbox did create each bill before it
 * answered, so API.md §5 allows only one end state, whatever the reply said:
 *  - every bill is on the server in the ledger — unpaid (an AutoPay charge: paid),
 *    the state the sandbox holds — and never failed, after the sender's own read-back
 *    and start-up reconciliation (the hostile answer stays on throughout; reads are clean);
 *  - the sandbox holds exactly one bill per bill_id and no other bill;
 *  - no text the engine stored or reported (the bill's fields, its error text, its
 *    timeline's details, the error a send finished with) holds a control character
 *    (C0, DEL, C1) or a bidirectional override or isolate (U+202A–U+202E, U+2066–U+2069);
 *  - a stored payment link is https:// with a host (http:// only to a loopback host),
 *    never a javascript: one;
 *  - nothing crashes.
 *
 * Each case runs in a subprocess, so one crash (a parser recursing 200,000 levels deep)
 * fails that case alone. Each case prints every bill's end state on stderr (raw UTF-8,
 * controls shown as <U+XXXX>), and a failing one what is wrong with it.
 */

#include "config.h"

#include <glib/gstdio.h>
#include <stdio.h>
#include <string.h>

#include "pm-error.h"
#include "pm-sandbox.h"
#include "pm-service.h"
#include "pm-test-util.h"

#define PROFILE_UUID   "4057113e-0000-4000-8000-00000004057e"
#define N_REQUESTS     4
#define N_CHARGES      2
#define MAX_ROUNDS     5
#define PAYER_PHONE    "01055557777"

static const struct
{
  PmSandboxFault  fault;
  const char     *name;
} kinds[] = {
  { PM_SANDBOX_FAULT_DEEP_NESTING, "deep-nesting" },
  { PM_SANDBOX_FAULT_OVERSIZED, "oversized" },
  { PM_SANDBOX_FAULT_SUCCESS_CONTRADICTION, "success-contradiction" },
  { PM_SANDBOX_FAULT_CODE_9999_AFTER_CREATE, "code-9999-after-create" },
  { PM_SANDBOX_FAULT_OTHER_BILL_ID, "other-bill-id" },
  { PM_SANDBOX_FAULT_JAVASCRIPT_LINK, "javascript-link" },
  { PM_SANDBOX_FAULT_CONTROL_TEXT, "control-text" },
  { PM_SANDBOX_FAULT_HTML_200, "html-200" },
};

typedef struct
{
  guint       kind;     /* index into kinds[] */
  gboolean    autopay;
  PmSandbox  *sandbox;
  PmService  *service;
  char       *dir;
  char       *method_id;
  GPtrArray  *bill_ids;
  GPtrArray  *errors;   /* the messages sends finished with (char *) */
  guint       done;
  GString    *problems;
} Case;

/* ---------------------------------------------------------------- checks */

static gboolean
is_hostile_char (gunichar c)
{
  return g_unichar_type (c) == G_UNICODE_CONTROL /* C0, DEL, C1 */
         || (c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069);
}

static void
problem (Case       *c,
         const char *format,
         ...) G_GNUC_PRINTF (2, 3);

static void
problem (Case       *c,
         const char *format,
         ...)
{
  va_list args;

  va_start (args, format);
  g_string_append (c->problems, "  - ");
  g_string_append_vprintf (c->problems, format, args);
  g_string_append_c (c->problems, '\n');
  va_end (args);
}

/* Printable, with every control escaped (for the report only). */
static char *
shown (const char *text)
{
  GString *s;

  if (text == NULL)
    return g_strdup ("(none)");
  if (!g_utf8_validate (text, -1, NULL))
    return g_strescape (text, NULL);
  s = g_string_new ("“");
  for (const char *p = text; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar ch = g_utf8_get_char (p);

      if (is_hostile_char (ch))
        g_string_append_printf (s, "<U+%04X>", ch);
      else
        g_string_append_unichar (s, ch);
      if (s->len > 400)
        {
          g_string_append (s, "…");
          break;
        }
    }
  g_string_append (s, "”");
  return g_string_free (s, FALSE);
}

static void
check_text (Case       *c,
            const char *bill_id,
            const char *what,
            const char *text)
{
  if (text == NULL)
    return;
  if (!g_utf8_validate (text, -1, NULL))
    {
      g_autofree char *s = shown (text);

      problem (c, "%s: %s is not UTF-8: %s", bill_id, what, s);
      return;
    }
  for (const char *p = text; *p != '\0'; p = g_utf8_next_char (p))
    if (is_hostile_char (g_utf8_get_char (p)))
      {
        g_autofree char *s = shown (text);

        problem (c, "%s: %s holds U+%04X: %s", bill_id, what, g_utf8_get_char (p), s);
        return;
      }
}

static gboolean
is_loopback (const char *host)
{
  return g_strcmp0 (host, "127.0.0.1") == 0 || g_strcmp0 (host, "localhost") == 0
         || g_strcmp0 (host, "::1") == 0 || g_strcmp0 (host, "[::1]") == 0;
}

static void
check_link (Case       *c,
            const char *bill_id,
            const char *url)
{
  g_autoptr(GUri) uri = NULL;
  g_autofree char *s = shown (url);
  const char *scheme, *host;

  if (url == NULL || *url == '\0')
    return;
  {
    g_autofree char *trimmed = g_strstrip (g_strdup (url));

    if (g_ascii_strncasecmp (trimmed, "javascript:", 11) == 0)
      {
        problem (c, "%s: a javascript: link is stored as its short URL: %s", bill_id, s);
        return;
      }
  }
  uri = g_uri_parse (url, G_URI_FLAGS_NONE, NULL);
  scheme = uri != NULL ? g_uri_get_scheme (uri) : NULL;
  host = uri != NULL ? g_uri_get_host (uri) : NULL;
  if (host == NULL || *host == '\0'
      || !(g_strcmp0 (scheme, "https") == 0
           || (g_strcmp0 (scheme, "http") == 0 && is_loopback (host))))
    problem (c, "%s: the stored short URL is not an https:// link with a host: %s", bill_id, s);
}

/* ---------------------------------------------------------------- the engine */

typedef struct
{
  gboolean  done;
  gpointer  value;
  GError   *error;
} Call;

static void
register_cb (GObject      *object,
             GAsyncResult *result,
             gpointer      user_data)
{
  Call *call = user_data;

  call->value = pm_service_autopay_register_finish (PM_SERVICE (object), result, &call->error);
  call->done = TRUE;
}

static void
methods_cb (GObject      *object,
            GAsyncResult *result,
            gpointer      user_data)
{
  Call *call = user_data;

  call->value = pm_service_autopay_methods_finish (PM_SERVICE (object), result, &call->error);
  call->done = TRUE;
}

/* A registered card for PAYER_PHONE, through the engine as a user would make one. */
static char *
register_card (Case *c)
{
  Call reg = { 0 }, methods = { 0 };
  g_autoptr(PmSendResult) link = NULL;
  g_autoptr(GPtrArray) list = NULL;

  pm_service_autopay_register_async (c->service, "적대시험", PAYER_PHONE, NULL, NULL, NULL,
                                     register_cb, &reg);
  g_assert_true (pm_test_wait_flag (&reg.done, 20000));
  g_assert_no_error (reg.error);
  link = reg.value;
  g_assert_true (pm_sandbox_open_autopay_link (c->sandbox, PAYER_PHONE));
  pm_service_autopay_methods_async (c->service, PAYER_PHONE, NULL, methods_cb, &methods);
  g_assert_true (pm_test_wait_flag (&methods.done, 20000));
  g_assert_no_error (methods.error);
  list = methods.value;
  g_assert_cmpuint (list->len, ==, 1);
  return g_strdup (((PmAutopayMethod *) g_ptr_array_index (list, 0))->method_id);
}

static void
sent_cb (GObject      *object,
         GAsyncResult *result,
         gpointer      user_data)
{
  Case *c = user_data;
  g_autoptr(PmBill) bill = NULL;
  g_autoptr(GError) error = NULL;

  bill = pm_service_send_finish (PM_SERVICE (object), result, &error);
  if (error != NULL)
    {
      g_ptr_array_add (c->errors, g_strdup (error->message));
      if (error->domain == PM_ERROR && pm_error_get_server_text (error) != NULL)
        g_ptr_array_add (c->errors, g_strdup (pm_error_get_server_text (error)));
    }
  c->done++;
}

static PmBill *
draft (Case *c,
       guint i)
{
  PmBill *bill = pm_bill_new ();
  g_autofree char *id = pm_bill_generate_id ();
  g_autofree char *name = g_strdup_printf ("적대시험 %u", i);
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  g_autoptr(GDateTime) later = g_date_time_add_days (now, 5);
  g_autofree char *expire = g_date_time_format (later, "%Y-%m-%d");

  /* the bill_id is known before sending, so each intent can be found afterwards */
  pm_bill_set_bill_id (bill, id);
  pm_bill_set_payer_name (bill, name);
  pm_bill_set_product (bill, "hostile server");
  pm_bill_set_message (bill, "적대적 응답 시험입니다");
  pm_bill_set_price (bill, 1000 + i);
  pm_bill_set_expire_date (bill, expire);
  if (c->autopay)
    {
      pm_bill_set_kind (bill, PM_BILL_KIND_AUTOPAY);
      pm_bill_set_phone (bill, PAYER_PHONE);
      pm_bill_set_method_id (bill, c->method_id);
    }
  else
    pm_bill_set_phone (bill, "01023456789");
  g_ptr_array_add (c->bill_ids, g_strdup (id));
  return bill;
}

static void
started_cb (GObject      *object,
            GAsyncResult *result,
            gpointer      user_data)
{
  guint *n_unsettled = user_data;
  g_autoptr(GError) error = NULL;
  guint n = 0;

  if (!pm_service_start_finish (PM_SERVICE (object), result, &n, &error))
    g_printerr ("# start-up reconciliation failed: %s\n", error->message);
  *n_unsettled = n;
}

static guint
reconcile (Case *c)
{
  guint n_unsettled = G_MAXUINT;

  pm_service_start_async (c->service, NULL, started_cb, &n_unsettled);
  while (n_unsettled == G_MAXUINT)
    g_main_context_iteration (NULL, TRUE);
  return n_unsettled;
}

/* ---------------------------------------------------------------- one case */

static void
setup (Case *c)
{
  g_autoptr(PmProfile) profile = pm_profile_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *url = NULL;
  g_autofree char *ledger_path = NULL;

  c->dir = g_dir_make_tmp ("hostile-XXXXXX", &error);
  g_assert_no_error (error);
  ledger_path = g_build_filename (c->dir, "ledger.db", NULL);
  c->sandbox = pm_sandbox_new ();
  pm_sandbox_set_seed (c->sandbox, 4057);
  /* nobody pays and no card declines: the true end state is known (W, or F at once) */
  pm_sandbox_set_payers (c->sandbox, 0.0, 10, 20, 0.0);
  pm_sandbox_set_autopay_delay (c->sandbox, 0);
  g_assert_true (pm_sandbox_start (c->sandbox, NULL, 0, &error));
  g_assert_no_error (error);
  url = pm_sandbox_dup_base_url (c->sandbox);

  pm_profile_set_uuid (profile, PROFILE_UUID);
  pm_profile_set_name (profile, "hostile");
  pm_profile_set_base_url (profile, url);
  pm_profile_set_api_key (profile, PM_SANDBOX_DEMO_KEY);
  pm_profile_set_mode (profile, PM_PROFILE_MODE_MMK);
  c->service = pm_service_new (ledger_path, &error);
  g_assert_no_error (error);
  pm_service_set_profile (c->service, profile);
  pm_service_set_timeout (c->service, 10);
  pm_service_set_polling (c->service, FALSE, 1);
  c->bill_ids = g_ptr_array_new_with_free_func (g_free);
  c->errors = g_ptr_array_new_with_free_func (g_free);
  c->problems = g_string_new (NULL);
}

static void
teardown (Case *c)
{
  g_autoptr(GPtrArray) files = NULL;

  g_assert_finalize_object (c->service);
  pm_sandbox_stop (c->sandbox);
  g_assert_finalize_object (c->sandbox);
  files = pm_test_list_files (c->dir);
  for (guint i = 0; i < files->len; i++)
    g_unlink (g_ptr_array_index (files, i));
  g_rmdir (c->dir);
  g_free (c->dir);
  g_free (c->method_id);
  g_ptr_array_unref (c->bill_ids);
  g_ptr_array_unref (c->errors);
  g_string_free (c->problems, TRUE);
}

static void
check_bill (Case       *c,
            const char *bill_id,
            GString    *report)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PmBill) bill = pm_service_lookup (c->service, bill_id, &error);
  g_autoptr(GPtrArray) events = NULL;
  g_autofree char *server = pm_sandbox_dup_bill_state (c->sandbox, bill_id);
  PmBillState expected = c->autopay ? PM_BILL_STATE_PAID : PM_BILL_STATE_UNPAID;
  struct
  {
    const char *what;
    const char *text;
  } texts[15];
  guint n = 0;

  g_assert_no_error (error);
  if (bill == NULL)
    {
      problem (c, "%s: not in the ledger", bill_id);
      return;
    }
  {
    g_autofree char *url = shown (pm_bill_get_short_url (bill));
    g_autofree char *text = shown (pm_bill_get_error_text (bill));

    g_string_append_printf (report, "#   %s: ledger %s, sandbox %s, short URL %s, error %s %s\n",
                            bill_id, pm_bill_state_to_string (pm_bill_get_state (bill)),
                            server ? server : "(none)", url,
                            pm_bill_get_error_code (bill) ? pm_bill_get_error_code (bill) : "-",
                            text);
  }

  /* the true state: the server made the bill */
  if (pm_bill_get_state (bill) != expected)
    problem (c, "%s: ledger state %s, but the sandbox made it (%s): it must be %s", bill_id,
             pm_bill_state_to_string (pm_bill_get_state (bill)), server ? server : "none",
             pm_bill_state_to_string (expected));
  if (g_strcmp0 (server, c->autopay ? "F" : "W") != 0)
    problem (c, "%s: the sandbox holds it in state %s", bill_id, server ? server : "(none)");

  /* stored text */
  texts[n].what = "short URL", texts[n++].text = pm_bill_get_short_url (bill);
  texts[n].what = "error text", texts[n++].text = pm_bill_get_error_text (bill);
  texts[n].what = "error code", texts[n++].text = pm_bill_get_error_code (bill);
  texts[n].what = "product", texts[n++].text = pm_bill_get_product (bill);
  texts[n].what = "message", texts[n++].text = pm_bill_get_message (bill);
  texts[n].what = "payer name", texts[n++].text = pm_bill_get_payer_name (bill);
  texts[n].what = "phone", texts[n++].text = pm_bill_get_phone (bill);
  texts[n].what = "note", texts[n++].text = pm_bill_get_note (bill);
  texts[n].what = "appr_pay_type", texts[n++].text = pm_bill_get_appr_pay_type (bill);
  texts[n].what = "appr_dt", texts[n++].text = pm_bill_get_appr_dt (bill);
  texts[n].what = "appr_num", texts[n++].text = pm_bill_get_appr_num (bill);
  texts[n].what = "appr_issuer", texts[n++].text = pm_bill_get_appr_issuer (bill);
  texts[n].what = "appr_card_type", texts[n++].text = pm_bill_get_appr_card_type (bill);
  texts[n].what = "appr_monthly", texts[n++].text = pm_bill_get_appr_monthly (bill);
  texts[n].what = "method id", texts[n++].text = pm_bill_get_method_id (bill);
  g_assert_cmpuint (n, ==, G_N_ELEMENTS (texts));
  for (guint i = 0; i < n; i++)
    check_text (c, bill_id, texts[i].what, texts[i].text);
  check_link (c, bill_id, pm_bill_get_short_url (bill));

  events = pm_service_list_events (c->service, bill_id, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < events->len; i++)
    {
      PmLedgerEvent *event = g_ptr_array_index (events, i);
      g_autofree char *detail = shown (event->detail);

      g_string_append_printf (report, "#     event %s %d→%d %s\n", event->kind, event->from_state,
                              event->to_state, detail);
      check_text (c, bill_id, "an event's kind", event->kind);
      check_text (c, bill_id, "an event's detail", event->detail);
    }
}

static void
run_case (guint    kind,
          gboolean autopay)
{
  const char *endpoint = autopay ? "autopay/request" : "request";
  guint n_bills = autopay ? N_CHARGES : N_REQUESTS;
  g_autoptr(GString) report = g_string_new (NULL);
  Case c = { 0 };
  guint n_unsettled = 0, rounds = 0;

  c.kind = kind;
  c.autopay = autopay;
  setup (&c);
  if (autopay)
    c.method_id = register_card (&c);

  /* progress on stderr as it happens: a crash shows where it struck */
  fprintf (stderr, "# %s on %s: sending %u bills\n", kinds[kind].name, endpoint, n_bills);
  pm_sandbox_set_fault (c.sandbox, endpoint, kinds[kind].fault, 1.0);
  for (guint i = 0; i < n_bills; i++)
    {
      g_autoptr(PmBill) bill = draft (&c, i);

      pm_service_send_async (c.service, bill, NULL, sent_cb, &c);
    }
  while (c.done < n_bills)
    g_main_context_iteration (NULL, TRUE);
  fprintf (stderr, "# %s on %s: the sends finished; reconciling\n", kinds[kind].name, endpoint);

  /* start-up reconciliation, the hostile answer still on (reads are clean) */
  do
    {
      n_unsettled = reconcile (&c);
      rounds++;
    }
  while (n_unsettled > 0 && rounds < MAX_ROUNDS);
  g_string_append_printf (report, "# %s on %s: %u bills, %u fault(s) served, %u unsettled after "
                          "%u reconciliation round(s)\n", kinds[kind].name, endpoint, n_bills,
                          pm_sandbox_count_faults (c.sandbox, endpoint, kinds[kind].fault),
                          n_unsettled, rounds);

  /* the hostile answer did happen, to every send */
  if (pm_sandbox_count_faults (c.sandbox, endpoint, kinds[kind].fault) < n_bills)
    problem (&c, "only %u of %u sends met %s",
             pm_sandbox_count_faults (c.sandbox, endpoint, kinds[kind].fault), n_bills,
             kinds[kind].name);
  for (guint i = 0; i < c.bill_ids->len; i++)
    check_bill (&c, g_ptr_array_index (c.bill_ids, i), report);
  /* one bill per intent, no other bill */
  if (pm_sandbox_count_bills (c.sandbox) != n_bills)
    problem (&c, "the sandbox holds %u bills for %u intents", pm_sandbox_count_bills (c.sandbox),
             n_bills);
  if (n_unsettled != 0)
    problem (&c, "%u intents still unsettled after %u reconciliation rounds", n_unsettled, rounds);
  /* what the engine reported (shown to the user) is clean too */
  for (guint i = 0; i < c.errors->len; i++)
    {
      g_autofree char *s = shown (g_ptr_array_index (c.errors, i));

      g_string_append_printf (report, "#   a send finished with: %s\n", s);
      check_text (&c, "a send's error", "its message", g_ptr_array_index (c.errors, i));
    }

  if (c.problems->len > 0)
    {
      fprintf (stderr, "%s# PROBLEMS:\n%s", report->str, c.problems->str);
      g_error ("%s on %s: the end state is wrong (details above)", kinds[kind].name, endpoint);
    }
  fputs (report->str, stderr);
  teardown (&c);
}

/* ---------------------------------------------------------------- main */

static void
test_case (gconstpointer data)
{
  guint kind = GPOINTER_TO_UINT (data) >> 1;
  gboolean autopay = GPOINTER_TO_UINT (data) & 1;

  if (g_test_subprocess ())
    {
      run_case (kind, autopay);
      return;
    }
  /* stderr (the report) goes to the log; stdout (the child's TAP) is swallowed */
  g_test_trap_subprocess (NULL, 120 * G_USEC_PER_SEC, G_TEST_SUBPROCESS_INHERIT_STDERR);
  /* a failed case fails alone: the other kinds still run */
  if (!g_test_trap_has_passed ())
    {
      g_test_message ("%s on %s: the case failed, crashed or hung (see stderr)",
                      kinds[kind].name, autopay ? "autopay/request" : "request");
      g_test_fail ();
    }
}

int
main (int   argc,
      char *argv[])
{
  pm_test_init (&argc, &argv);
  for (guint i = 0; i < G_N_ELEMENTS (kinds); i++)
    for (guint autopay = 0; autopay < 2; autopay++)
      {
        g_autofree char *path = g_strdup_printf ("/slow/hostile/%s/%s",
                                                 autopay ? "autopay" : "request", kinds[i].name);

        g_test_add_data_func (path, GUINT_TO_POINTER (i << 1 | autopay), test_case);
      }
  return g_test_run ();
}
