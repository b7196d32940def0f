/* test-sandbox-faults.c — fault injection, the state file, AutoPay and the program
 *
 * Copyright 2026 The Paymint Desk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "pm-test-util.h"
#include "sandbox-test-common.h"

#include <gio/gunixinputstream.h>
#include <glib/gstdio.h>
#include <math.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>

#define FIX(path, fn) \
  g_test_add (path, StFixture, NULL, st_fixture_setup, fn, st_fixture_teardown)

static const char *test_root;

/* A session with no idle connections, as a client that just started would have. */
static void
fresh_session (StFixture *f,
               guint      timeout_s)
{
  g_clear_object (&f->session);
  f->session = soup_session_new_with_options ("timeout", timeout_s, NULL);
}

static StReply *
send_bill (StFixture  *f,
           const char *bill_id)
{
  g_autofree char *body = st_bill_body (f->sandbox, bill_id, 1000);

  return st_post (f, "/paymint/request", body);
}

static char *
read_code (StFixture  *f,
           const char *bill_id)
{
  g_autofree char *body = g_strdup_printf ("{\"bill_id\":\"%s\"}", bill_id);
  g_autoptr(StReply) r = NULL;

  fresh_session (f, 10);
  r = st_post (f, "/paymint/read", body);
  g_assert_cmpuint (r->status, ==, 200);
  return g_strdup (st_str (r, "code"));
}

static void
test_http_errors (StFixture     *f,
                  gconstpointer  data)
{
  pm_sandbox_set_fault (f->sandbox, "request", PM_SANDBOX_FAULT_HTTP_500, 1.0);
  {
    g_autoptr(StReply) r = send_bill (f, "E500");

    st_assert_error_mentions (r, 500, NULL);
  }
  pm_sandbox_set_fault (f->sandbox, NULL, PM_SANDBOX_FAULT_HTTP_503, 1.0);
  pm_sandbox_set_fault (f->sandbox, "request", PM_SANDBOX_FAULT_NONE, 0.0);
  {
    g_autoptr(StReply) r = send_bill (f, "E503");
    g_autoptr(StReply) stats = st_get (f, "/sandbox/stats");

    st_assert_error_mentions (r, 503, NULL);
    /* a global fault leaves the sandbox-only endpoints alone */
    g_assert_cmpuint (stats->status, ==, 200);
  }
  g_assert_cmpuint (pm_sandbox_count_bills (f->sandbox), ==, 0);
  pm_sandbox_clear_faults (f->sandbox);
  {
    g_autofree char *code = read_code (f, "E503");

    g_assert_cmpstr (code, ==, "9980");
  }
}

static void
test_reset_before (StFixture     *f,
                   gconstpointer  data)
{
  gint64 balance = pm_sandbox_get_balance (f->sandbox, PM_SANDBOX_DEMO_KEY);
  g_autoptr(StReply) r = NULL;
  g_autofree char *code = NULL;

  pm_sandbox_set_fault (f->sandbox, "request", PM_SANDBOX_FAULT_RESET_BEFORE, 1.0);
  fresh_session (f, 10);
  r = send_bill (f, "RB1");
  g_assert_nonnull (r->error);
  g_assert_cmpuint (r->status, ==, 0);
  g_assert_cmpuint (pm_sandbox_count_bills (f->sandbox), ==, 0);
  g_assert_cmpint (pm_sandbox_get_balance (f->sandbox, PM_SANDBOX_DEMO_KEY), ==, balance);
  code = read_code (f, "RB1");
  g_assert_cmpstr (code, ==, "9980");
}

static void
test_reset_after (StFixture     *f,
                  gconstpointer  data)
{
  gint64 balance = pm_sandbox_get_balance (f->sandbox, PM_SANDBOX_DEMO_KEY);
  g_autoptr(StReply) r = NULL;
  g_autoptr(StReply) again = NULL;
  g_autofree char *code = NULL;
  g_autofree char *state = NULL;

  pm_sandbox_set_fault (f->sandbox, "request", PM_SANDBOX_FAULT_RESET_AFTER, 1.0);
  fresh_session (f, 10);
  r = send_bill (f, "RA1");
  g_assert_nonnull (r->error);
  g_assert_cmpuint (r->status, ==, 0);
  /* the bill exists and was charged although the client saw no reply */
  g_assert_cmpuint (pm_sandbox_count_bills (f->sandbox), ==, 1);
  g_assert_cmpint (pm_sandbox_get_balance (f->sandbox, PM_SANDBOX_DEMO_KEY), ==, balance - 100);
  code = read_code (f, "RA1");
  g_assert_cmpstr (code, ==, "0000");
  state = pm_sandbox_dup_bill_state (f->sandbox, "RA1");
  g_assert_cmpstr (state, ==, "W");

  /* reconciliation: sending the same bill_id again gives 9800, never a second bill */
  pm_sandbox_clear_faults (f->sandbox);
  again = send_bill (f, "RA1");
  g_assert_cmpstr (st_str (again, "code"), ==, "9800");
  g_assert_cmpuint (pm_sandbox_count_bills (f->sandbox), ==, 1);
}

static void
test_timeout (StFixture     *f,
              gconstpointer  data)
{
  g_autoptr(StReply) r = NULL;
  gint64 start;

  pm_sandbox_set_fault (f->sandbox, "request", PM_SANDBOX_FAULT_TIMEOUT, 1.0);
  fresh_session (f, 1);
  start = g_get_monotonic_time ();
  r = send_bill (f, "TO1");
  g_assert_error (r->error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT);
  g_assert_cmpint (g_get_monotonic_time () - start, >=, 900 * 1000);
  g_assert_cmpuint (pm_sandbox_count_bills (f->sandbox), ==, 0);

  /* a second held request is still held when the sandbox stops: stop releases it */
  {
    g_autoptr(StReply) r2 = send_bill (f, "TO2");

    g_assert_nonnull (r2->error);
  }
}

static void
test_garbage_replies (StFixture     *f,
                      gconstpointer  data)
{
  static const PmSandboxFault faults[] = {
    PM_SANDBOX_FAULT_MALFORMED_JSON, PM_SANDBOX_FAULT_TRUNCATED_JSON,
  };
  static const char *const ids[] = { "MAL1", "TRU1" };

  for (guint i = 0; i < G_N_ELEMENTS (faults); i++)
    {
      g_autoptr(StReply) r = NULL;
      g_autofree char *code = NULL;

      pm_sandbox_set_fault (f->sandbox, "request", faults[i], 1.0);
      r = send_bill (f, ids[i]);
      g_assert_no_error (r->error);
      g_assert_cmpuint (r->status, ==, 200);
      g_assert_null (r->root);          /* not parseable */
      g_assert_cmpuint (strlen (r->body), >, 0);
      pm_sandbox_clear_faults (f->sandbox);
      code = read_code (f, ids[i]);     /* but the change was applied */
      g_assert_cmpstr (code, ==, "0000");
    }
  /* read faults: the body is garbage, nothing changes */
  pm_sandbox_set_fault (f->sandbox, "read", PM_SANDBOX_FAULT_TRUNCATED_JSON, 1.0);
  {
    g_autoptr(StReply) r = st_post (f, "/paymint/read", "{\"bill_id\":\"MAL1\"}");

    g_assert_cmpuint (r->status, ==, 200);
    g_assert_null (r->root);
    g_assert_true (g_str_has_prefix (r->body, "{\"success\":true"));
  }
}

/* ---- hostile answers: the change is applied, the reply turns against the client ---- */

static StReply *
read_bill (StFixture  *f,
           const char *bill_id)
{
  g_autofree char *body = g_strdup_printf ("{\"bill_id\":\"%s\"}", bill_id);

  fresh_session (f, 10);
  return st_post (f, "/paymint/read", body);
}

/* The bill exists once, unpaid, with its real https link (returned). */
static char *
assert_bill_made (StFixture  *f,
                  const char *bill_id)
{
  g_autoptr(StReply) r = read_bill (f, bill_id);
  g_autofree char *state = pm_sandbox_dup_bill_state (f->sandbox, bill_id);

  g_assert_cmpstr (state, ==, "W");
  g_assert_cmpuint (r->status, ==, 200);
  g_assert_cmpstr (st_str (r, "code"), ==, "0000");
  g_assert_cmpstr (st_data_str (r, "bill_id"), ==, bill_id);
  g_assert_cmpstr (st_data_str (r, "appr_state"), ==, "W");
  g_assert_true (g_str_has_prefix (st_data_str (r, "shortURL"), "https://"));
  return g_strdup (st_data_str (r, "shortURL"));
}

static gboolean
has_member (StReply    *r,
            const char *name)
{
  return json_object_has_member (st_object (r), name);
}

static void
test_hostile_deep_nesting (StFixture     *f,
                           gconstpointer  data)
{
  g_autoptr(StReply) r = NULL;
  g_autofree char *link = NULL;

  pm_sandbox_set_fault (f->sandbox, "request", PM_SANDBOX_FAULT_DEEP_NESTING, 1.0);
  r = send_bill (f, "DEEP1");
  g_assert_no_error (r->error);
  g_assert_cmpuint (r->status, ==, 200);
  g_assert_cmpuint (r->length, ==, 400000);
  g_assert_true (r->too_deep);
  g_assert_null (r->root);
  for (gsize i = 0; i < r->length; i++)
    g_assert_cmpint (r->body[i], ==, i < 200000 ? '[' : ']');
  link = assert_bill_made (f, "DEEP1");
  g_assert_cmpuint (pm_sandbox_count_faults (f->sandbox, "request",
                                             PM_SANDBOX_FAULT_DEEP_NESTING), ==, 1);
}

static void
test_hostile_oversized (StFixture     *f,
                        gconstpointer  data)
{
  g_autoptr(StReply) r = NULL;
  g_autofree char *link = NULL;

  pm_sandbox_set_fault (f->sandbox, "request", PM_SANDBOX_FAULT_OVERSIZED, 1.0);
  r = send_bill (f, "BIG1");
  g_assert_no_error (r->error);
  g_assert_cmpuint (r->status, ==, 200);
  g_assert_cmpuint (r->length, >, 2 * 1024 * 1024);
  g_assert_cmpstr (r->content_type, ==, "application/json");
  /* valid JSON, the real answer, only padded */
  g_assert_nonnull (r->root);
  g_assert_cmpstr (st_str (r, "code"), ==, "0000");
  g_assert_cmpstr (st_str (r, "bill_id"), ==, "BIG1");
  g_assert_true (g_str_has_prefix (st_str (r, "msg"), "Bill sent "));
  g_assert_cmpuint (strlen (st_str (r, "msg")), >, 2 * 1024 * 1024);
  link = assert_bill_made (f, "BIG1");
  g_assert_cmpstr (st_str (r, "shortURL"), ==, link);
}

static void
test_hostile_success_contradiction (StFixture     *f,
                                    gconstpointer  data)
{
  g_autoptr(StReply) r = NULL;
  g_autoptr(StReply) reuse = NULL;
  g_autofree char *link = NULL;
  JsonNode *success;

  pm_sandbox_set_fault (f->sandbox, "request", PM_SANDBOX_FAULT_SUCCESS_CONTRADICTION, 1.0);
  r = send_bill (f, "CONTRA1");
  g_assert_cmpuint (r->status, ==, 200);
  success = json_object_get_member (st_object (r), "success");
  g_assert_nonnull (success);
  g_assert_cmpint (json_node_get_value_type (success), ==, G_TYPE_BOOLEAN);
  g_assert_false (json_node_get_boolean (success));
  g_assert_cmpstr (st_str (r, "bill_id"), ==, "CONTRA1");
  g_assert_cmpstr (st_str (r, "code"), ==, "0000");
  g_assert_nonnull (st_str (r, "msg"));
  g_assert_cmpuint (json_object_get_size (st_object (r)), ==, 5);
  /* a refusal is left as it is: nothing to contradict */
  reuse = send_bill (f, "CONTRA1");
  g_assert_cmpstr (st_str (reuse, "code"), ==, "9800");
  g_assert_false (has_member (reuse, "success"));
  link = assert_bill_made (f, "CONTRA1");
  g_assert_cmpstr (st_str (r, "shortURL"), ==, link);
  g_assert_cmpuint (pm_sandbox_count_bills (f->sandbox), ==, 1);
}

static void
test_hostile_code_9999 (StFixture     *f,
                        gconstpointer  data)
{
  gint64 balance = pm_sandbox_get_balance (f->sandbox, PM_SANDBOX_DEMO_KEY);
  g_autoptr(StReply) r = NULL;
  g_autofree char *link = NULL;

  pm_sandbox_set_fault (f->sandbox, "request", PM_SANDBOX_FAULT_CODE_9999_AFTER_CREATE, 1.0);
  r = send_bill (f, "ERR9999");
  g_assert_cmpuint (r->status, ==, 200);
  g_assert_cmpstr (st_str (r, "code"), ==, "9999");
  g_assert_nonnull (st_str (r, "msg"));
  g_assert_cmpuint (json_object_get_size (st_object (r)), ==, 2);
  /* yet the bill was made and charged */
  link = assert_bill_made (f, "ERR9999");
  g_assert_cmpint (pm_sandbox_get_balance (f->sandbox, PM_SANDBOX_DEMO_KEY), ==, balance - 100);
}

static void
test_hostile_other_bill_id (StFixture     *f,
                            gconstpointer  data)
{
  g_autoptr(StReply) r = NULL;
  g_autoptr(StReply) other = NULL;
  g_autofree char *link = NULL;
  g_autofree char *other_id = NULL;

  pm_sandbox_set_fault (f->sandbox, "request", PM_SANDBOX_FAULT_OTHER_BILL_ID, 1.0);
  r = send_bill (f, "MINE1");
  g_assert_cmpuint (r->status, ==, 200);
  g_assert_cmpstr (st_str (r, "code"), ==, "0000");
  other_id = g_strdup (st_str (r, "bill_id"));
  g_assert_nonnull (other_id);
  g_assert_cmpstr (other_id, !=, "MINE1");
  g_assert_true (g_regex_match_simple ("^[A-Za-z0-9]{1,20}$", other_id, 0, 0));
  link = assert_bill_made (f, "MINE1");
  g_assert_cmpstr (st_str (r, "shortURL"), ==, link);
  /* the bill it names does not exist: made up */
  other = read_bill (f, other_id);
  g_assert_cmpstr (st_str (other, "code"), ==, "9980");
  g_assert_cmpuint (pm_sandbox_count_bills (f->sandbox), ==, 1);
}

#define JS_LINK "javascript:alert(1)\033]0;pwned\007"

static void
test_hostile_javascript_link (StFixture     *f,
                              gconstpointer  data)
{
  g_autoptr(StReply) r = NULL;
  g_autofree char *link = NULL;

  pm_sandbox_set_fault (f->sandbox, "request", PM_SANDBOX_FAULT_JAVASCRIPT_LINK, 1.0);
  r = send_bill (f, "JSLINK1");
  g_assert_cmpuint (r->status, ==, 200);
  g_assert_cmpstr (st_str (r, "code"), ==, "0000");
  g_assert_cmpstr (st_str (r, "bill_id"), ==, "JSLINK1");
  g_assert_cmpstr (st_str (r, "shortURL"), ==, JS_LINK);
  /* on the wire as JSON escapes */
  g_assert_nonnull (strstr (r->body, "javascript:alert(1)\\u001b]0;pwned\\u0007"));
  /* the bill itself keeps its real link */
  link = assert_bill_made (f, "JSLINK1");
  g_assert_true (g_str_has_prefix (link, "https://"));

  /* a read answers the hostile link too (data.shortURL) */
  pm_sandbox_set_fault (f->sandbox, "read", PM_SANDBOX_FAULT_JAVASCRIPT_LINK, 1.0);
  {
    g_autoptr(StReply) read = st_post (f, "/paymint/read", "{\"bill_id\":\"JSLINK1\"}");

    g_assert_cmpstr (st_str (read, "code"), ==, "0000");
    g_assert_cmpstr (st_data_str (read, "shortURL"), ==, JS_LINK);
  }
}

/* Counts the characters of @text that are C0/C1 controls or bidi marks. */
static void
count_hostile_chars (const char *text,
                     guint      *c0,
                     guint      *c1,
                     guint      *bidi)
{
  *c0 = *c1 = *bidi = 0;
  for (const char *p = text; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (c < 0x20 || c == 0x7f)
        (*c0)++;
      else if (c >= 0x80 && c <= 0x9f)
        (*c1)++;
      else if ((c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069))
        (*bidi)++;
    }
}

static void
test_hostile_control_text (StFixture     *f,
                           gconstpointer  data)
{
  g_autoptr(StReply) r = NULL;
  g_autofree char *link = NULL;
  const char *msg;
  guint c0, c1, bidi;

  pm_sandbox_set_fault (f->sandbox, "request", PM_SANDBOX_FAULT_CONTROL_TEXT, 1.0);
  r = send_bill (f, "CTRL1");
  g_assert_cmpuint (r->status, ==, 200);
  g_assert_cmpstr (st_str (r, "code"), ==, "0000");
  g_assert_cmpstr (st_str (r, "bill_id"), ==, "CTRL1");
  msg = st_str (r, "msg");
  g_assert_true (g_utf8_validate (msg, -1, NULL));
  count_hostile_chars (msg, &c0, &c1, &bidi);
  g_assert_cmpuint (c0, >=, 5);
  g_assert_cmpuint (c1, >=, 3);
  g_assert_cmpuint (bidi, >=, 4);
  g_assert_nonnull (strstr (msg, "\033]0;pwned\007"));
  g_assert_nonnull (strstr (msg, "\u202e"));
  g_assert_nonnull (strstr (msg, "\u2066"));
  g_assert_nonnull (strstr (msg, "\xc2\x85")); /* U+0085 NEL */
  g_assert_nonnull (strstr (msg, "Bill sent")); /* the real message is in there */
  link = assert_bill_made (f, "CTRL1");
  g_assert_cmpstr (st_str (r, "shortURL"), ==, link);
}

static void
test_hostile_html_200 (StFixture     *f,
                       gconstpointer  data)
{
  g_autoptr(StReply) r = NULL;
  g_autofree char *link = NULL;

  pm_sandbox_set_fault (f->sandbox, "request", PM_SANDBOX_FAULT_HTML_200, 1.0);
  r = send_bill (f, "HTML1");
  g_assert_no_error (r->error);
  g_assert_cmpuint (r->status, ==, 200);
  g_assert_cmpstr (r->content_type, ==, "text/html");
  g_assert_true (g_str_has_prefix (r->body, "<!DOCTYPE html>"));
  g_assert_nonnull (strstr (r->body, "</html>"));
  g_assert_null (r->root);
  link = assert_bill_made (f, "HTML1");
}

/* resend and autopay/request are chargeable too: the change lands under every kind. */
static void
test_hostile_other_endpoints (StFixture     *f,
                              gconstpointer  data)
{
  gint64 balance;
  g_autofree char *method_id = NULL;
  g_autofree char *expire = st_date (f->sandbox, 3);

  st_create (f, "RES1", 1000);
  balance = pm_sandbox_get_balance (f->sandbox, PM_SANDBOX_DEMO_KEY);
  pm_sandbox_set_fault (f->sandbox, "resend", PM_SANDBOX_FAULT_CODE_9999_AFTER_CREATE, 1.0);
  {
    g_autoptr(StReply) r = st_post (f, "/paymint/resend", "{\"bill_id\":\"RES1\"}");

    g_assert_cmpstr (st_str (r, "code"), ==, "9999");
  }
  /* the resend happened: charged */
  g_assert_cmpint (pm_sandbox_get_balance (f->sandbox, PM_SANDBOX_DEMO_KEY), ==, balance - 100);
  pm_sandbox_set_fault (f->sandbox, "resend", PM_SANDBOX_FAULT_JAVASCRIPT_LINK, 1.0);
  {
    g_autoptr(StReply) r = st_post (f, "/paymint/resend", "{\"bill_id\":\"RES1\"}");

    g_assert_cmpstr (st_str (r, "code"), ==, "0000");
    g_assert_cmpstr (st_str (r, "shortURL"), ==, JS_LINK);
  }
  g_assert_cmpint (pm_sandbox_get_balance (f->sandbox, PM_SANDBOX_DEMO_KEY), ==, balance - 200);
  pm_sandbox_clear_faults (f->sandbox);

  /* an AutoPay charge: the card is charged (bill in F) whatever the reply says */
  {
    g_autoptr(StReply) reg = st_post (f, "/paymint/autopay/register",
                                      "{\"member_nm\":\"박지민\",\"phone\":\"01011112222\"}");
    g_autoptr(StReply) open = st_post (f, "/sandbox/autopay/open", "{\"phone\":\"01011112222\"}");
    g_autoptr(StReply) methods = st_get (f, "/paymint/autopay/methods?phone=01011112222");
    JsonArray *list = json_object_get_array_member (st_object (methods), "data");

    g_assert_cmpstr (st_str (open, "code"), ==, "0000");
    method_id = g_strdup (json_object_get_string_member (json_array_get_object_element (list, 0),
                                                         "method_id"));
  }
  {
    static const PmSandboxFault kinds[] = {
      PM_SANDBOX_FAULT_OTHER_BILL_ID, PM_SANDBOX_FAULT_HTML_200,
      PM_SANDBOX_FAULT_SUCCESS_CONTRADICTION,
    };

    for (guint i = 0; i < G_N_ELEMENTS (kinds); i++)
      {
        g_autofree char *id = g_strdup_printf ("APH%u", i);
        g_autofree char *body = g_strdup_printf (
          "{\"product_nm\":\"월 구독\",\"member_nm\":\"박지민\",\"phone\":\"01011112222\","
          "\"price\":9900,\"expire_dt\":\"%s\",\"bill_id\":\"%s\",\"method_id\":\"%s\"}",
          expire, id, method_id);
        g_autoptr(StReply) r = NULL;
        g_autofree char *state = NULL;

        pm_sandbox_set_fault (f->sandbox, "autopay/request", kinds[i], 1.0);
        r = st_post (f, "/paymint/autopay/request", body);
        g_assert_cmpuint (r->status, ==, 200);
        if (kinds[i] == PM_SANDBOX_FAULT_HTML_200)
          g_assert_cmpstr (r->content_type, ==, "text/html");
        else if (kinds[i] == PM_SANDBOX_FAULT_OTHER_BILL_ID)
          g_assert_cmpstr (st_str (r, "bill_id"), !=, id);
        else
          g_assert_false (json_object_get_boolean_member (st_object (r), "success"));
        state = pm_sandbox_dup_bill_state (f->sandbox, id);
        g_assert_cmpstr (state, ==, "F");
        g_assert_cmpuint (pm_sandbox_count_faults (f->sandbox, "autopay/request", kinds[i]), ==, 1);
      }
  }
}

/* Every kind by name, over HTTP, and through the state file's group commit. */
static void
test_hostile_names (StFixture     *f,
                    gconstpointer  data)
{
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
  g_autofree char *path = g_build_filename (test_root, "hostile-state.json", NULL);
  g_autoptr(GError) error = NULL;

  g_unlink (path);
  g_assert_true (pm_sandbox_set_state_file (f->sandbox, path, &error));
  g_assert_no_error (error);
  for (guint i = 0; i < G_N_ELEMENTS (kinds); i++)
    {
      g_autofree char *set = g_strdup_printf ("{\"endpoint\":\"request\",\"fault\":\"%s\"}",
                                              kinds[i].name);
      g_autofree char *id = g_strdup_printf ("NAMED%u", i);
      g_autofree char *link = NULL;
      g_autofree char *contents = NULL;
      PmSandboxFault fault;

      g_assert_true (pm_sandbox_fault_from_string (kinds[i].name, &fault));
      g_assert_cmpint (fault, ==, kinds[i].fault);
      g_assert_cmpstr (pm_sandbox_fault_to_string (kinds[i].fault), ==, kinds[i].name);
      {
        g_autoptr(StReply) clear = st_post (f, "/sandbox/faults",
                                            "{\"endpoint\":\"request\",\"fault\":\"none\"}");
        g_autoptr(StReply) r = st_post (f, "/sandbox/faults", set);
        g_autoptr(StReply) sent = send_bill (f, id);

        g_assert_cmpstr (st_str (clear, "code"), ==, "0000");
        g_assert_cmpstr (st_str (r, "code"), ==, "0000");
        g_assert_no_error (sent->error);
        g_assert_cmpuint (sent->status, ==, 200);
        /* not the plain success */
        g_assert_true (sent->root == NULL || g_strcmp0 (st_str (sent, "bill_id"), id) != 0
                       || has_member (sent, "success")
                       || g_strcmp0 (st_str (sent, "msg"), "Bill sent") != 0
                       || !g_str_has_prefix (st_str (sent, "shortURL"), "https://"));
      }
      g_assert_cmpuint (pm_sandbox_count_faults (f->sandbox, "request", kinds[i].fault), ==, 1);
      /* acknowledged (however hostile) means on disk */
      g_assert_true (g_file_get_contents (path, &contents, NULL, NULL));
      g_assert_nonnull (strstr (contents, id));
      pm_sandbox_clear_faults (f->sandbox);
      link = assert_bill_made (f, id);
    }
  {
    g_autoptr(StReply) bad = st_post (f, "/sandbox/faults", "{\"fault\":\"explode\"}");

    st_assert_error_mentions (bad, 400, "html-200");
  }
  g_assert_cmpuint (pm_sandbox_count_bills (f->sandbox), ==, G_N_ELEMENTS (kinds));
  pm_sandbox_stop (f->sandbox);
  g_unlink (path);
}

static void
test_share_and_latency (StFixture     *f,
                        gconstpointer  data)
{
  guint faulted = 0, fine = 0;
  gint64 start;

  pm_sandbox_set_fault (f->sandbox, "read", PM_SANDBOX_FAULT_HTTP_503, 0.5);
  for (int i = 0; i < 40; i++)
    {
      g_autoptr(StReply) r = st_post (f, "/paymint/read", "{\"bill_id\":\"X\"}");

      if (r->status == 503)
        faulted++;
      else if (r->status == 200)
        fine++;
    }
  g_assert_cmpuint (faulted, >, 0);
  g_assert_cmpuint (fine, >, 0);
  g_assert_cmpuint (faulted + fine, ==, 40);

  pm_sandbox_clear_faults (f->sandbox);
  pm_sandbox_set_latency (f->sandbox, "read", 600);
  start = g_get_monotonic_time ();
  {
    g_autoptr(StReply) r = st_post (f, "/paymint/read", "{\"bill_id\":\"X\"}");

    g_assert_cmpuint (r->status, ==, 200);
  }
  g_assert_cmpint (g_get_monotonic_time () - start, >=, 590 * 1000);
  /* other endpoints are not slowed */
  start = g_get_monotonic_time ();
  {
    g_autoptr(StReply) r = st_get (f, "/paymint/licenses?mode=true");

    g_assert_cmpuint (r->status, ==, 200);
  }
  g_assert_cmpint (g_get_monotonic_time () - start, <, 500 * 1000);

  /* latency plus reset-after: the change lands, the reply never comes */
  pm_sandbox_set_latency (f->sandbox, "request", 100);
  pm_sandbox_set_fault (f->sandbox, "request", PM_SANDBOX_FAULT_RESET_AFTER, 1.0);
  fresh_session (f, 10);
  {
    g_autoptr(StReply) r = send_bill (f, "LAT1");

    g_assert_nonnull (r->error);
  }
  g_assert_cmpuint (pm_sandbox_count_bills (f->sandbox), ==, 1);
}

/* Reads "X" once and names what came back: "500", "503", "malformed" (HTML), "truncated" (cut JSON) or "none". */
static const char *
read_outcome (StFixture *f)
{
  g_autoptr(StReply) r = st_post (f, "/paymint/read", "{\"bill_id\":\"X\"}");

  g_assert_no_error (r->error);
  if (r->status == 500 || r->status == 503)
    return r->status == 500 ? "500" : "503";
  g_assert_cmpuint (r->status, ==, 200);
  if (r->root != NULL)
    return "none";
  return r->body[0] == '<' ? "malformed" : "truncated";
}

static void
test_fault_mix (StFixture     *f,
                gconstpointer  data)
{
  static const struct
  {
    PmSandboxFault fault;
    const char    *name;
    double         share;
  } mix[] = {
    { PM_SANDBOX_FAULT_HTTP_500, "500", 0.20 },
    { PM_SANDBOX_FAULT_HTTP_503, "503", 0.10 },
    { PM_SANDBOX_FAULT_MALFORMED_JSON, "malformed", 0.10 },
    { PM_SANDBOX_FAULT_TRUNCATED_JSON, "truncated", 0.05 },
  };
  const guint n = 400;
  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  guint none;

  pm_sandbox_set_seed (f->sandbox, 7);
  /* set_fault first, then add: the kinds pile up on one endpoint */
  pm_sandbox_set_fault (f->sandbox, "read", mix[0].fault, mix[0].share);
  for (guint i = 1; i < G_N_ELEMENTS (mix); i++)
    pm_sandbox_add_fault (f->sandbox, "read", mix[i].fault, mix[i].share);
  for (guint i = 0; i < n; i++)
    {
      const char *what = read_outcome (f);

      g_hash_table_insert (seen, (gpointer) what,
                           GUINT_TO_POINTER (GPOINTER_TO_UINT (g_hash_table_lookup (seen, what)) + 1));
    }
  none = GPOINTER_TO_UINT (g_hash_table_lookup (seen, "none"));
  g_test_message ("%u reads: 500 %u, 503 %u, malformed %u, truncated %u, none %u", n,
                  GPOINTER_TO_UINT (g_hash_table_lookup (seen, "500")),
                  GPOINTER_TO_UINT (g_hash_table_lookup (seen, "503")),
                  GPOINTER_TO_UINT (g_hash_table_lookup (seen, "malformed")),
                  GPOINTER_TO_UINT (g_hash_table_lookup (seen, "truncated")), none);
  /* each kind within four standard deviations of its share (binomial) */
  for (guint i = 0; i < G_N_ELEMENTS (mix); i++)
    {
      double expect = n * mix[i].share;
      double slack = 4.0 * sqrt (n * mix[i].share * (1.0 - mix[i].share)) + 1.0;
      guint got = GPOINTER_TO_UINT (g_hash_table_lookup (seen, mix[i].name));

      g_assert_cmpfloat (fabs (got - expect), <=, slack);
      /* and the sandbox counted what it served */
      g_assert_cmpuint (pm_sandbox_count_faults (f->sandbox, "read", mix[i].fault), ==, got);
    }
  g_assert_cmpuint (pm_sandbox_count_faults (f->sandbox, "request", PM_SANDBOX_FAULT_HTTP_500), ==, 0);
  g_assert_cmpfloat (fabs (none - n * 0.55), <=, 4.0 * sqrt (n * 0.55 * 0.45) + 1.0);

  /* set_fault replaces the whole mix with one kind */
  pm_sandbox_set_fault (f->sandbox, "read", PM_SANDBOX_FAULT_HTTP_503, 1.0);
  for (guint i = 0; i < 10; i++)
    g_assert_cmpstr (read_outcome (f), ==, "503");
  /* adding a kind already there changes its share */
  pm_sandbox_add_fault (f->sandbox, "read", PM_SANDBOX_FAULT_HTTP_503, 0.0);
  for (guint i = 0; i < 10; i++)
    g_assert_cmpstr (read_outcome (f), ==, "none");
  /* a global mix; the endpoint's own (now empty) list defers to it */
  pm_sandbox_set_fault (f->sandbox, "read", PM_SANDBOX_FAULT_NONE, 0.0);
  pm_sandbox_add_fault (f->sandbox, NULL, PM_SANDBOX_FAULT_HTTP_500, 0.5);
  pm_sandbox_add_fault (f->sandbox, NULL, PM_SANDBOX_FAULT_HTTP_503, 0.5);
  {
    guint n500 = 0, n503 = 0;

    for (guint i = 0; i < 40; i++)
      {
        const char *what = read_outcome (f);

        n500 += strcmp (what, "500") == 0;
        n503 += strcmp (what, "503") == 0;
      }
    g_assert_cmpuint (n500 + n503, ==, 40);
    g_assert_cmpuint (n500, >, 0);
    g_assert_cmpuint (n503, >, 0);
  }
  pm_sandbox_clear_faults (f->sandbox);
  g_assert_cmpstr (read_outcome (f), ==, "none");

  /* over HTTP the kinds posted for one endpoint accumulate too; "none" clears them */
  {
    g_autoptr(StReply) a = st_post (f, "/sandbox/faults",
                                    "{\"endpoint\":\"read\",\"fault\":\"500\",\"share\":0.5}");
    g_autoptr(StReply) b = st_post (f, "/sandbox/faults",
                                    "{\"endpoint\":\"read\",\"fault\":\"503\",\"share\":0.5}");
    guint n500 = 0, n503 = 0;

    g_assert_cmpstr (st_str (a, "code"), ==, "0000");
    g_assert_cmpstr (st_str (b, "code"), ==, "0000");
    for (guint i = 0; i < 40; i++)
      {
        const char *what = read_outcome (f);

        n500 += strcmp (what, "500") == 0;
        n503 += strcmp (what, "503") == 0;
      }
    g_assert_cmpuint (n500 + n503, ==, 40);
    g_assert_cmpuint (n500, >, 0);
    g_assert_cmpuint (n503, >, 0);
  }
  {
    g_autoptr(StReply) r = st_post (f, "/sandbox/faults",
                                    "{\"endpoint\":\"read\",\"fault\":\"none\"}");

    g_assert_cmpstr (st_str (r, "code"), ==, "0000");
    for (guint i = 0; i < 10; i++)
      g_assert_cmpstr (read_outcome (f), ==, "none");
  }
}

static void
test_faults_over_http (StFixture     *f,
                       gconstpointer  data)
{
  {
    g_autoptr(StReply) r = st_post (f, "/sandbox/faults",
                                    "{\"endpoint\":\"read\",\"fault\":\"503\",\"share\":1}");

    g_assert_cmpstr (st_str (r, "code"), ==, "0000");
  }
  {
    g_autoptr(StReply) r = st_post (f, "/paymint/read", "{\"bill_id\":\"X\"}");

    g_assert_cmpuint (r->status, ==, 503);
  }
  {
    g_autoptr(StReply) bad = st_post (f, "/sandbox/faults", "{\"endpoint\":\"nope\",\"fault\":\"500\"}");
    g_autoptr(StReply) kind = st_post (f, "/sandbox/faults", "{\"fault\":\"explode\"}");
    g_autoptr(StReply) share = st_post (f, "/sandbox/faults", "{\"fault\":\"500\",\"share\":2}");

    st_assert_error_mentions (bad, 400, "endpoint");
    st_assert_error_mentions (kind, 400, "fault");
    st_assert_error_mentions (share, 400, "share");
  }
  {
    g_autoptr(StReply) r = st_post (f, "/sandbox/faults", "{\"clear\":true}");
    g_autoptr(StReply) read = st_post (f, "/paymint/read", "{\"bill_id\":\"X\"}");

    g_assert_cmpstr (st_str (r, "code"), ==, "0000");
    g_assert_cmpuint (read->status, ==, 200);
  }
  {
    PmSandboxFault fault;

    g_assert_true (pm_sandbox_fault_from_string ("reset-after", &fault));
    g_assert_cmpint (fault, ==, PM_SANDBOX_FAULT_RESET_AFTER);
    g_assert_true (pm_sandbox_fault_from_string ("truncated-json", &fault));
    g_assert_cmpint (fault, ==, PM_SANDBOX_FAULT_TRUNCATED_JSON);
    g_assert_false (pm_sandbox_fault_from_string ("boom", &fault));
    g_assert_cmpstr (pm_sandbox_fault_to_string (PM_SANDBOX_FAULT_TIMEOUT), ==, "timeout");
  }
}

static void
test_state_file (void)
{
  g_autofree char *path = g_build_filename (test_root, "sandbox-state.json", NULL);
  g_autoptr(GError) error = NULL;
  StFixture f = { 0 };
  char *contents = NULL;

  g_unlink (path);
  st_fixture_setup (&f, NULL);
  g_assert_true (pm_sandbox_set_state_file (f.sandbox, path, &error));
  g_assert_no_error (error);

  st_create (&f, "KEEPW", 1000);
  /* acknowledged means on disk */
  g_assert_true (g_file_get_contents (path, &contents, NULL, NULL));
  g_assert_nonnull (strstr (contents, "KEEPW"));
  g_clear_pointer (&contents, g_free);
  st_create (&f, "KEEPF", 2000);
  st_create (&f, "KEEPC", 3000);
  st_create (&f, "KEEPD", 4000);
  g_assert_true (pm_sandbox_pay_bill (f.sandbox, "KEEPF"));
  g_assert_true (pm_sandbox_pay_bill (f.sandbox, "KEEPC"));
  {
    g_autoptr(StReply) c = st_post (&f, "/paymint/cancel", "{\"bill_id\":\"KEEPC\",\"price\":3000}");
    g_autoptr(StReply) d = st_post (&f, "/paymint/destroy", "{\"bill_id\":\"KEEPD\",\"price\":4000}");
    g_autoptr(StReply) reg = st_post (&f, "/paymint/autopay/register",
                                      "{\"member_nm\":\"Lee\",\"phone\":\"010-5555-6666\"}");

    g_assert_cmpstr (st_str (c, "code"), ==, "0000");
    g_assert_cmpstr (st_str (d, "code"), ==, "0000");
    g_assert_cmpstr (st_str (reg, "code"), ==, "0000");
  }
  {
    g_autofree char *expire = st_date (f.sandbox, 2);
    g_autofree char *body = g_strdup_printf (
      "{\"product_nm\":\"quote \\\" back \\\\ nl \\n tab \\t 한글\",\"message\":\"m\","
      "\"member_nm\":\"n\",\"phone\":\"01023456789\",\"price\":5,\"expire_dt\":\"%s\","
      "\"bill_id\":\"KEEPQ\"}", expire);
    g_autoptr(StReply) q = st_post (&f, "/paymint/request", body);

    g_assert_cmpstr (st_str (q, "code"), ==, "0000");
  }
  g_assert_true (pm_sandbox_open_autopay_link (f.sandbox, "01055556666"));
  pm_sandbox_set_balance (f.sandbox, PM_SANDBOX_MULTI_KEY, 12345);
  pm_sandbox_advance (f.sandbox, 7200);
  {
    gint64 balance = pm_sandbox_get_balance (f.sandbox, PM_SANDBOX_DEMO_KEY);
    gint64 now = pm_sandbox_now (f.sandbox);

    st_fixture_teardown (&f, NULL);

    /* a new process: everything comes back */
    st_fixture_setup (&f, NULL);
    g_assert_true (pm_sandbox_set_state_file (f.sandbox, path, &error));
    g_assert_no_error (error);
    g_assert_cmpuint (pm_sandbox_count_bills (f.sandbox), ==, 5);
    g_assert_cmpint (pm_sandbox_get_balance (f.sandbox, PM_SANDBOX_DEMO_KEY), ==, balance);
    g_assert_cmpint (pm_sandbox_get_balance (f.sandbox, PM_SANDBOX_MULTI_KEY), ==, 12345);
    /* the advanced clock too */
    g_assert_cmpint (pm_sandbox_now (f.sandbox), >=, now);
  }
  {
    static const char *const states[][2] = {
      { "KEEPW", "W" }, { "KEEPF", "F" }, { "KEEPC", "C" }, { "KEEPD", "D" },
    };

    for (guint i = 0; i < G_N_ELEMENTS (states); i++)
      {
        g_autofree char *body = g_strdup_printf ("{\"bill_id\":\"%s\"}", states[i][0]);
        g_autoptr(StReply) r = st_post (&f, "/paymint/read", body);

        g_assert_cmpstr (st_data_str (r, "appr_state"), ==, states[i][1]);
      }
  }
  {
    g_autoptr(StReply) q = st_post (&f, "/paymint/read", "{\"bill_id\":\"KEEPQ\"}");

    g_assert_cmpstr (st_data_str (q, "product_nm"), ==, "quote \" back \\ nl \n tab \t 한글");
  }
  {
    g_autoptr(StReply) again = send_bill (&f, "KEEPW");
    g_autoptr(StReply) methods = st_get (&f, "/paymint/autopay/methods?phone=01055556666");

    g_assert_cmpstr (st_str (again, "code"), ==, "9800");
    g_assert_cmpuint (json_array_get_length (json_object_get_array_member (st_object (methods),
                                                                           "data")), ==, 1);
  }
  st_fixture_teardown (&f, NULL);

  /* a file that is not a state file is refused, and left alone */
  g_assert_true (g_file_set_contents (path, "{ not json", -1, NULL));
  {
    g_autoptr(PmSandbox) sb = pm_sandbox_new ();

    g_assert_false (pm_sandbox_set_state_file (sb, path, &error));
    g_assert_nonnull (error);
    g_clear_error (&error);
    g_assert_true (g_file_get_contents (path, &contents, NULL, NULL));
    g_assert_cmpstr (contents, ==, "{ not json");
    g_free (contents);
  }
  g_unlink (path);
}

static void
test_autopay (StFixture     *f,
              gconstpointer  data)
{
  g_autofree char *expire = st_date (f->sandbox, 1);
  g_autofree char *method_id = NULL;
  g_autoptr(StReply) reg = st_post (f, "/paymint/autopay/register",
                                    "{\"member_nm\":\"박지민\",\"phone\":\"010-1111-2222\","
                                    "\"product_nm\":\"월 구독\"}");
  gint64 balance;

  g_assert_cmpstr (st_str (reg, "code"), ==, "0000");
  g_assert_true (g_str_has_prefix (st_str (reg, "shortURL"), "https://"));
  {
    g_autoptr(StReply) bad = st_post (f, "/paymint/autopay/register", "{\"phone\":\"01011112222\"}");
    g_autoptr(StReply) none = st_get (f, "/paymint/autopay/methods?phone=01011112222");
    g_autoptr(StReply) nophone = st_get (f, "/paymint/autopay/methods");

    st_assert_error_mentions (bad, 400, "member_nm");
    g_assert_cmpuint (none->status, ==, 200);
    g_assert_cmpuint (json_array_get_length (json_object_get_array_member (st_object (none),
                                                                           "data")), ==, 0);
    st_assert_error_mentions (nophone, 400, "phone");
  }
  /* the payer opens the link */
  {
    g_autoptr(StReply) open = st_post (f, "/sandbox/autopay/open", "{\"phone\":\"010-1111-2222\"}");
    g_autoptr(StReply) open_again = st_post (f, "/sandbox/autopay/open",
                                             "{\"phone\":\"01011112222\"}");
    g_autoptr(StReply) methods = st_get (f, "/paymint/autopay/methods?phone=010-1111-2222");
    JsonArray *list;
    JsonObject *m;
    const char *card_no;

    g_assert_cmpstr (st_str (open, "code"), ==, "0000");
    g_assert_cmpstr (st_str (open_again, "code"), ==, "9980");
    g_assert_true (json_object_get_boolean_member (st_object (methods), "success"));
    list = json_object_get_array_member (st_object (methods), "data");
    g_assert_cmpuint (json_array_get_length (list), ==, 1);
    m = json_array_get_object_element (list, 0);
    method_id = g_strdup (json_object_get_string_member (m, "method_id"));
    card_no = json_object_get_string_member (m, "card_no");
    g_assert_true (g_regex_match_simple ("^[0-9]{4}-\\*{4}-\\*{4}-[0-9]{4}$", card_no, 0, 0));
    g_assert_cmpstr (json_object_get_string_member (m, "status"), ==, "active");
    g_assert_cmpuint (strlen (json_object_get_string_member (m, "card_name")), >, 0);
    g_assert_cmpuint (strlen (json_object_get_string_member (m, "registered_at")), ==, 14);
  }
  {
    g_autofree char *body = g_strdup_printf ("{\"phone\":\"01011112222\",\"method_id\":\"%s\"}",
                                             method_id);
    g_autoptr(StReply) manage = st_post (f, "/paymint/autopay/manage", body);
    g_autoptr(StReply) unknown = st_post (f, "/paymint/autopay/manage",
                                          "{\"phone\":\"01011112222\",\"method_id\":\"AM0\"}");

    g_assert_cmpstr (st_str (manage, "code"), ==, "0000");
    g_assert_true (g_str_has_prefix (st_str (manage, "shortURL"), "https://"));
    g_assert_cmpstr (st_str (unknown, "code"), ==, "9980");
  }

  /* a charge: settles at once */
  balance = pm_sandbox_get_balance (f->sandbox, PM_SANDBOX_DEMO_KEY);
  {
    g_autofree char *body = g_strdup_printf (
      "{\"product_nm\":\"월 구독\",\"message\":\"11월분\",\"member_nm\":\"박지민\","
      "\"phone\":\"01011112222\",\"price\":9900,\"expire_dt\":\"%s\",\"bill_id\":\"AP1\","
      "\"method_id\":\"%s\"}", expire, method_id);
    g_autofree char *bogus = g_strdup_printf (
      "{\"product_nm\":\"p\",\"member_nm\":\"n\",\"phone\":\"01011112222\",\"price\":9900,"
      "\"bill_id\":\"AP2\",\"method_id\":\"AM999\"}");
    g_autoptr(StReply) charge = st_post (f, "/paymint/autopay/request", body);
    g_autoptr(StReply) reuse = st_post (f, "/paymint/autopay/request", body);
    g_autoptr(StReply) missing = st_post (f, "/paymint/autopay/request", bogus);
    g_autoptr(StReply) read = st_post (f, "/paymint/read", "{\"bill_id\":\"AP1\"}");

    g_assert_cmpstr (st_str (charge, "code"), ==, "0000");
    g_assert_cmpstr (st_str (charge, "appr_state"), ==, "F");
    g_assert_cmpstr (st_str (charge, "bill_id"), ==, "AP1");
    g_assert_cmpstr (st_str (reuse, "code"), ==, "9800");
    g_assert_cmpstr (st_str (missing, "code"), ==, "9980");
    g_assert_cmpstr (st_data_str (read, "appr_state"), ==, "F");
    g_assert_cmpstr (st_data_str (read, "appr_price"), ==, "9900");
    g_assert_cmpstr (st_data_str (read, "method_id"), ==, method_id);
    g_assert_cmpint (pm_sandbox_get_balance (f->sandbox, PM_SANDBOX_DEMO_KEY), ==, balance - 100);
  }

  /* a declined charge: no bill, no fee; the bill_id stays free */
  pm_sandbox_set_payers (f->sandbox, 0.0, 1, 1, 1.0);
  {
    g_autofree char *body = g_strdup_printf (
      "{\"product_nm\":\"p\",\"member_nm\":\"n\",\"phone\":\"01011112222\",\"price\":500,"
      "\"bill_id\":\"AP3\",\"method_id\":\"%s\"}", method_id);
    g_autoptr(StReply) declined = st_post (f, "/paymint/autopay/request", body);
    g_autoptr(StReply) read = st_post (f, "/paymint/read", "{\"bill_id\":\"AP3\"}");

    g_assert_cmpuint (declined->status, ==, 200);
    g_assert_cmpstr (st_str (declined, "code"), ==, "9999");
    g_assert_nonnull (strstr (st_str (declined, "msg"), "declined"));
    g_assert_cmpstr (st_str (read, "code"), ==, "9980");
    g_assert_cmpint (pm_sandbox_get_balance (f->sandbox, PM_SANDBOX_DEMO_KEY), ==, balance - 100);
  }
  pm_sandbox_set_payers (f->sandbox, 0.0, 1, 1, 0.0);
  pm_sandbox_set_balance (f->sandbox, PM_SANDBOX_DEMO_KEY, 10);
  {
    g_autofree char *body = g_strdup_printf (
      "{\"product_nm\":\"p\",\"member_nm\":\"n\",\"phone\":\"01011112222\",\"price\":500,"
      "\"bill_id\":\"AP4\",\"method_id\":\"%s\"}", method_id);
    g_autoptr(StReply) poor = st_post (f, "/paymint/autopay/request", body);

    st_assert_error_mentions (poor, 402, "balance");
  }

  /* delete, by body and (for a second method) by query */
  {
    g_autofree char *body = g_strdup_printf ("{\"phone\":\"01011112222\",\"method_id\":\"%s\"}",
                                             method_id);
    g_autoptr(StReply) del = st_send (f, "DELETE", "/paymint/autopay/delete", NULL, body, NULL);
    g_autoptr(StReply) del_again = st_send (f, "DELETE", "/paymint/autopay/delete", NULL, body,
                                            NULL);
    g_autoptr(StReply) methods = st_get (f, "/paymint/autopay/methods?phone=01011112222");

    g_assert_cmpstr (st_str (del, "code"), ==, "0000");
    g_assert_cmpstr (st_str (del_again, "code"), ==, "9980");
    g_assert_cmpuint (json_array_get_length (json_object_get_array_member (st_object (methods),
                                                                           "data")), ==, 0);
  }

  /* registrations also complete by themselves after the configured delay */
  pm_sandbox_set_autopay_delay (f->sandbox, 30);
  {
    g_autoptr(StReply) r = st_post (f, "/paymint/autopay/register",
                                    "{\"member_nm\":\"최\",\"phone\":\"01033334444\"}");
    g_autoptr(StReply) before = st_get (f, "/paymint/autopay/methods?phone=01033334444");
    g_autoptr(StReply) after = NULL;
    g_autoptr(StReply) del = NULL;
    g_autofree char *path = NULL;
    JsonArray *list;

    g_assert_cmpstr (st_str (r, "code"), ==, "0000");
    g_assert_cmpuint (json_array_get_length (json_object_get_array_member (st_object (before),
                                                                           "data")), ==, 0);
    pm_sandbox_advance (f->sandbox, 31);
    after = st_get (f, "/paymint/autopay/methods?phone=01033334444");
    list = json_object_get_array_member (st_object (after), "data");
    g_assert_cmpuint (json_array_get_length (list), ==, 1);
    path = g_strdup_printf ("/paymint/autopay/delete?phone=01033334444&method_id=%s",
                            json_object_get_string_member (json_array_get_object_element (list, 0),
                                                           "method_id"));
    del = st_send (f, "DELETE", path, NULL, NULL, NULL);
    g_assert_cmpstr (st_str (del, "code"), ==, "0000");
  }
}

static guint
count_fds (void)
{
  g_autoptr(GDir) dir = g_dir_open ("/proc/self/fd", 0, NULL);
  guint n = 0;

  while (dir != NULL && g_dir_read_name (dir) != NULL)
    n++;
  return n;
}

/* Clients that close their connections must not leave sockets behind (libsoup 3.2
 * leaks them; the sandbox reaps them on its tick). */
static void
test_connections_reaped (StFixture     *f,
                         gconstpointer  data)
{
  guint before;

  fresh_session (f, 10);
  {
    g_autoptr(StReply) warm = st_post (f, "/paymint/read", "{\"bill_id\":\"X\"}");
  }
  fresh_session (f, 10);
  before = count_fds ();
  for (int i = 0; i < 30; i++)
    {
      g_autoptr(StReply) r = st_post (f, "/paymint/read", "{\"bill_id\":\"X\"}");

      g_assert_cmpuint (r->status, ==, 200);
      fresh_session (f, 10); /* closes the client side of the connection */
    }
  g_usleep (1300 * 1000);
  g_assert_cmpuint (count_fds (), <=, before + 3);
}

static char *
program_path (void)
{
  const char *build = g_getenv ("PM_BUILD_ROOT");

  return g_build_filename (build ? build : ".", "src", "sandbox", "paymint-sandbox", NULL);
}

static void
test_program (void)
{
  g_autofree char *program = program_path ();
  g_autofree char *out = NULL;
  g_autoptr(GError) error = NULL;
  int status;
  static const char *const options[] = {
    "--address", "--port", "--seed", "--state-file", "--time-scale", "--pay-share",
    "--pay-delay", "--decline-share", "--autopay-delay", "--fee", "--balance", "--fault",
    "--latency", PM_SANDBOX_DEMO_KEY, PM_SANDBOX_MULTI_KEY, PM_SANDBOX_BASIC_KEY,
    "deep-nesting", "oversized", "success-contradiction", "code-9999-after-create",
    "other-bill-id", "javascript-link", "control-text", "html-200",
  };

  if (!g_file_test (program, G_FILE_TEST_IS_EXECUTABLE))
    {
      g_test_skip ("paymint-sandbox is not built");
      return;
    }
  {
    const char *argv[] = { program, "--help", NULL };

    g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, &out,
                                 NULL, &status, &error));
    g_assert_no_error (error);
    g_assert_true (WIFEXITED (status) && WEXITSTATUS (status) == 0);
    for (guint i = 0; i < G_N_ELEMENTS (options); i++)
      g_assert_nonnull (strstr (out, options[i]));
  }
  {
    const char *argv[] = { program, "--fault", "bad", NULL };

    g_clear_pointer (&out, g_free);
    g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_STDERR_TO_DEV_NULL, NULL,
                                 NULL, &out, NULL, &status, &error));
    g_assert_true (WIFEXITED (status) && WEXITSTATUS (status) != 0);
  }
  {
    /* the second --fault for read adds to the first (replacing it would leave 500 at 0) */
    const char *argv[] = { program, "--port", "0", "--seed", "3", "--fault", "read=503:1",
                           "--fault", "read=500:0", "--fee", "7", NULL };
    g_autoptr(GInputStream) stdout_stream = NULL;
    g_autoptr(GDataInputStream) lines = NULL;
    g_autofree char *line = NULL;
    g_autofree char *url = NULL;
    g_autoptr(SoupSession) session = soup_session_new ();
    g_autoptr(SoupMessage) msg = NULL;
    g_autoptr(GBytes) body = NULL;
    GPid pid;
    int fd;
    int wstatus;

    g_assert_true (g_spawn_async_with_pipes (NULL, (char **) argv, NULL,
                                             G_SPAWN_DO_NOT_REAP_CHILD, NULL, NULL, &pid, NULL,
                                             &fd, NULL, &error));
    g_assert_no_error (error);
    stdout_stream = g_unix_input_stream_new (fd, TRUE);
    lines = g_data_input_stream_new (stdout_stream);
    line = g_data_input_stream_read_line_utf8 (lines, NULL, NULL, &error);
    g_assert_no_error (error);
    g_assert_nonnull (line);
    g_assert_true (g_str_has_prefix (line, "Paymint sandbox listening on http://127.0.0.1:"));
    url = g_strconcat (strstr (line, "http://"), "/paymint/read", NULL);
    g_clear_pointer (&line, g_free);
    line = g_data_input_stream_read_line_utf8 (lines, NULL, NULL, &error);
    g_assert_nonnull (strstr (line, PM_SANDBOX_DEMO_KEY));

    msg = soup_message_new ("POST", url);
    soup_message_headers_replace (soup_message_get_request_headers (msg), "X-API-KEY",
                                  PM_SANDBOX_DEMO_KEY);
    soup_message_headers_replace (soup_message_get_request_headers (msg), "X-Paymint-MMK-Mode",
                                  "true");
    {
      g_autoptr(GBytes) request = g_bytes_new_static ("{\"bill_id\":\"A\"}", 15);

      soup_message_set_request_body_from_bytes (msg, "application/json", request);
    }
    body = soup_session_send_and_read (session, msg, NULL, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (soup_message_get_status (msg), ==, 503);

    kill (pid, SIGTERM);
    g_assert_cmpint (waitpid (pid, &wstatus, 0), ==, pid);
    g_assert_true (WIFEXITED (wstatus));
    g_assert_cmpint (WEXITSTATUS (wstatus), ==, 0);
    g_spawn_close_pid (pid);
  }
}

int
main (int   argc,
      char *argv[])
{
  test_root = pm_test_init (&argc, &argv);

  FIX ("/sandbox/faults/http-errors", test_http_errors);
  FIX ("/sandbox/faults/reset-before", test_reset_before);
  FIX ("/sandbox/faults/reset-after", test_reset_after);
  FIX ("/sandbox/faults/timeout", test_timeout);
  FIX ("/sandbox/faults/garbage-replies", test_garbage_replies);
  FIX ("/sandbox/faults/share-and-latency", test_share_and_latency);
  FIX ("/sandbox/faults/over-http", test_faults_over_http);
  FIX ("/sandbox/faults/mix", test_fault_mix);
  FIX ("/sandbox/faults/hostile/deep-nesting", test_hostile_deep_nesting);
  FIX ("/sandbox/faults/hostile/oversized", test_hostile_oversized);
  FIX ("/sandbox/faults/hostile/success-contradiction", test_hostile_success_contradiction);
  FIX ("/sandbox/faults/hostile/code-9999-after-create", test_hostile_code_9999);
  FIX ("/sandbox/faults/hostile/other-bill-id", test_hostile_other_bill_id);
  FIX ("/sandbox/faults/hostile/javascript-link", test_hostile_javascript_link);
  FIX ("/sandbox/faults/hostile/control-text", test_hostile_control_text);
  FIX ("/sandbox/faults/hostile/html-200", test_hostile_html_200);
  FIX ("/sandbox/faults/hostile/other-endpoints", test_hostile_other_endpoints);
  FIX ("/sandbox/faults/hostile/names", test_hostile_names);
  FIX ("/sandbox/connections-reaped", test_connections_reaped);
  g_test_add_func ("/sandbox/state-file", test_state_file);
  FIX ("/sandbox/autopay", test_autopay);
  g_test_add_func ("/sandbox/program", test_program);

  return g_test_run ();
}
