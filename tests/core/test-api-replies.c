/* test-api-replies.c — what a reply to a call that spends money means (API.md §5),
 * reply limits, safe links and server text that is only data
 *
 * Copyright 2026 The Paymint Desk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * One test per row of the classification table in pm-api.c: a reply that is not a
 * definite "created" or a definite refusal must be unknown (read back), never failed.
 */

#include "config.h"

#include "pm-api.h"
#include "pm-bill.h"
#include "pm-error.h"
#include "pm-text.h"
#include "pm-test-util.h"

#include <string.h>

#define SENT "BILL0000000000000001"

typedef struct
{
  const char       *name;
  PmApiEndpoint     endpoint;
  guint             status;
  const char       *body;
  PmApiSendOutcome  expected;
  int               error_code; /* PmErrorCode when not created, -1 to skip */
} Row;

static const Row rows[] = {
  /* created: 2xx, code 0000, the bill sent, success not false */
  { "flat-0000", PM_API_REQUEST, 200,
    "{\"bill_id\":\"" SENT "\",\"code\":\"0000\",\"msg\":\"ok\",\"shortURL\":\"https://pay.example/x\"}",
    PM_API_SEND_CREATED, -1 },
  { "0000-success-true", PM_API_REQUEST, 200,
    "{\"success\":true,\"bill_id\":\"" SENT "\",\"code\":\"0000\"}", PM_API_SEND_CREATED, -1 },
  { "0000-no-bill-id", PM_API_RESEND, 200, "{\"code\":\"0000\",\"msg\":\"sent\"}",
    PM_API_SEND_CREATED, -1 },
  { "0000-number-code", PM_API_REQUEST, 201, "{\"bill_id\":\"" SENT "\",\"code\":0}",
    PM_API_SEND_CREATED, -1 },
  { "0000-in-data", PM_API_AUTOPAY_REQUEST, 200,
    "{\"success\":true,\"data\":{\"bill_id\":\"" SENT "\",\"code\":\"0000\",\"appr_state\":\"F\"}}",
    PM_API_SEND_CREATED, -1 },

  /* exists: the bill_id is taken */
  { "9800", PM_API_REQUEST, 200, "{\"code\":\"9800\",\"msg\":\"dup\"}", PM_API_SEND_EXISTS,
    PM_ERROR_DUPLICATE_BILL },
  { "9800-autopay", PM_API_AUTOPAY_REQUEST, 200, "{\"code\":\"9800\"}", PM_API_SEND_EXISTS,
    PM_ERROR_DUPLICATE_BILL },
  { "9971-request", PM_API_REQUEST, 200, "{\"code\":\"9971\"}", PM_API_SEND_EXISTS,
    PM_ERROR_ALREADY_PAID },
  { "9970-request", PM_API_REQUEST, 200, "{\"code\":\"9970\"}", PM_API_SEND_EXISTS,
    PM_ERROR_ALREADY_CANCELLED },
  { "400-with-9800", PM_API_REQUEST, 400, "{\"success\":false,\"code\":\"9800\"}",
    PM_API_SEND_EXISTS, PM_ERROR_DUPLICATE_BILL },

  /* failed: a definite refusal, nothing created */
  { "400", PM_API_REQUEST, 400, "{\"success\":false,\"error\":\"phone is invalid\"}",
    PM_API_SEND_FAILED, PM_ERROR_INVALID },
  { "401", PM_API_REQUEST, 401, "{\"success\":false,\"error\":\"bad key\"}",
    PM_API_SEND_FAILED, PM_ERROR_UNAUTHORIZED },
  { "403", PM_API_AUTOPAY_REQUEST, 403, "{\"error\":\"forbidden\"}", PM_API_SEND_FAILED,
    PM_ERROR_UNAUTHORIZED },
  { "402-balance", PM_API_REQUEST, 402, "{\"error\":\"잔액이 부족합니다\"}", PM_API_SEND_FAILED,
    PM_ERROR_INSUFFICIENT_BALANCE },
  { "402-license", PM_API_RESEND, 402, "{\"error\":\"upgrade to Pro\"}", PM_API_SEND_FAILED,
    -1 },
  { "1003", PM_API_REQUEST, 200, "{\"code\":\"1003\",\"msg\":\"no access\"}", PM_API_SEND_FAILED,
    PM_ERROR_FORBIDDEN },
  { "9980-autopay", PM_API_AUTOPAY_REQUEST, 200, "{\"code\":\"9980\"}", PM_API_SEND_FAILED,
    PM_ERROR_NOT_FOUND },
  { "9980-resend", PM_API_RESEND, 200, "{\"success\":false,\"code\":\"9980\"}",
    PM_API_SEND_FAILED, PM_ERROR_NOT_FOUND },
  { "9971-resend", PM_API_RESEND, 200, "{\"code\":\"9971\"}", PM_API_SEND_FAILED,
    PM_ERROR_ALREADY_PAID },

  /* unknown: everything ambiguous is read back */
  { "success-false-0000", PM_API_REQUEST, 200,
    "{\"success\":false,\"bill_id\":\"" SENT "\",\"code\":\"0000\",\"shortURL\":\"https://p/x\"}",
    PM_API_SEND_UNKNOWN, -1 },
  { "success-string-0000", PM_API_REQUEST, 200, "{\"success\":\"false\",\"code\":\"0000\"}",
    PM_API_SEND_UNKNOWN, -1 },
  { "success-true-1003", PM_API_REQUEST, 200, "{\"success\":true,\"code\":\"1003\"}",
    PM_API_SEND_UNKNOWN, -1 },
  { "9999", PM_API_REQUEST, 200, "{\"code\":\"9999\",\"msg\":\"error\"}", PM_API_SEND_UNKNOWN,
    PM_ERROR_SERVER },
  { "5000", PM_API_AUTOPAY_REQUEST, 200, "{\"code\":\"5000\"}", PM_API_SEND_UNKNOWN,
    PM_ERROR_SERVER },
  { "9870", PM_API_REQUEST, 200, "{\"code\":\"9870\"}", PM_API_SEND_UNKNOWN, -1 },
  { "9980-request", PM_API_REQUEST, 200, "{\"code\":\"9980\"}", PM_API_SEND_UNKNOWN, -1 },
  { "9800-resend", PM_API_RESEND, 200, "{\"code\":\"9800\"}", PM_API_SEND_UNKNOWN, -1 },
  { "unknown-code", PM_API_REQUEST, 200, "{\"code\":\"4242\"}", PM_API_SEND_UNKNOWN, -1 },
  { "missing-code", PM_API_REQUEST, 200, "{\"bill_id\":\"" SENT "\",\"msg\":\"ok\"}",
    PM_API_SEND_UNKNOWN, -1 },
  { "success-true-no-code", PM_API_REQUEST, 200, "{\"success\":true}", PM_API_SEND_UNKNOWN, -1 },
  { "other-bill-id", PM_API_REQUEST, 200,
    "{\"bill_id\":\"SOMEONEELSE000000001\",\"code\":\"0000\"}", PM_API_SEND_UNKNOWN, -1 },
  { "other-bill-id-in-data", PM_API_AUTOPAY_REQUEST, 200,
    "{\"data\":{\"bill_id\":\"X1\",\"code\":\"0000\"}}", PM_API_SEND_UNKNOWN, -1 },
  { "html-200", PM_API_REQUEST, 200, "<html><body>Service Unavailable</body></html>",
    PM_API_SEND_UNKNOWN, PM_ERROR_PROTOCOL },
  { "array-200", PM_API_REQUEST, 200, "[\"0000\"]", PM_API_SEND_UNKNOWN, -1 },
  { "truncated-200", PM_API_REQUEST, 200, "{\"bill_id\":\"" SENT "\",\"code\":\"00",
    PM_API_SEND_UNKNOWN, -1 },
  { "empty-200", PM_API_REQUEST, 200, "", PM_API_SEND_UNKNOWN, -1 },
  { "500", PM_API_REQUEST, 500, "{\"error\":\"boom\"}", PM_API_SEND_UNKNOWN, PM_ERROR_SERVER },
  { "503-html", PM_API_RESEND, 503, "<h1>busy</h1>", PM_API_SEND_UNKNOWN, PM_ERROR_SERVER },
  { "404", PM_API_REQUEST, 404, "{\"error\":\"no route\"}", PM_API_SEND_UNKNOWN, -1 },
  { "302", PM_API_REQUEST, 302, "", PM_API_SEND_UNKNOWN, -1 },
  { "429", PM_API_REQUEST, 429, "{\"error\":\"slow down\"}", PM_API_SEND_UNKNOWN, -1 },
  { "400-with-0000", PM_API_REQUEST, 400, "{\"code\":\"0000\"}", PM_API_SEND_UNKNOWN, -1 },
};

static void
check_row (gconstpointer data)
{
  const Row *row = data;
  g_autoptr(GBytes) body = g_bytes_new (row->body, strlen (row->body));
  g_autoptr(PmSendResult) result = NULL;
  g_autoptr(GError) error = NULL;
  PmApiSendOutcome outcome;

  outcome = pm_api_classify_send (row->endpoint, row->status, body, SENT, &result, &error);
  g_assert_cmpstr (pm_api_send_outcome_to_string (outcome), ==,
                   pm_api_send_outcome_to_string (row->expected));
  if (outcome == PM_API_SEND_CREATED)
    {
      g_assert_no_error (error);
      g_assert_nonnull (result);
      g_assert_cmpstr (result->bill_id, ==, SENT);
      g_assert_cmpstr (result->code, ==, "0000");
      return;
    }
  g_assert_null (result);
  g_assert_nonnull (error);
  g_assert_true (error->domain == PM_ERROR);
  /* maybe-done is exactly "unknown": the sender reads back only then */
  g_assert_cmpint (pm_error_is_maybe_done (error), ==, outcome == PM_API_SEND_UNKNOWN);
  if (row->error_code >= 0)
    g_assert_cmpint (error->code, ==, row->error_code);
}

static void
test_created_fields (void)
{
  static const char json[] =
    "{\"bill_id\":\"" SENT "\",\"code\":\"0000\",\"msg\":\"ok\x1b[2J\",\"shortURL\":\"https://x/y\","
    "\"appr_state\":\"F\"}";
  g_autoptr(GBytes) body = g_bytes_new_static (json, strlen (json));
  g_autoptr(PmSendResult) result = NULL;
  g_autoptr(GError) error = NULL;

  /* json-glib takes a raw escape inside a string; it never reaches the result */
  g_assert_cmpint (pm_api_classify_send (PM_API_AUTOPAY_REQUEST, 200, body, SENT, &result, &error),
                   ==, PM_API_SEND_CREATED);
  g_assert_no_error (error);
  g_assert_cmpstr (result->msg, ==, "ok[2J");
  g_clear_pointer (&result, pm_send_result_free);

  {
    static const char escaped[] =
      "{\"bill_id\":\"" SENT "\",\"code\":\"0000\",\"msg\":\"ok\\u001b[2J\\u202Egnp.exe\","
      "\"shortURL\":\"https://x/y\",\"appr_state\":\"F\"}";
    g_autoptr(GBytes) body2 = g_bytes_new_static (escaped, strlen (escaped));

    g_assert_cmpint (pm_api_classify_send (PM_API_AUTOPAY_REQUEST, 200, body2, SENT, &result,
                                           &error), ==, PM_API_SEND_CREATED);
    g_assert_no_error (error);
    g_assert_cmpstr (result->msg, ==, "ok[2Jgnp.exe");
    g_assert_cmpstr (result->short_url, ==, "https://x/y");
    g_assert_cmpstr (result->appr_state, ==, "F");
  }
}

static void
test_limits (void)
{
  g_autoptr(GString) deep = g_string_new (NULL);
  g_autoptr(GString) big = g_string_new ("{\"code\":\"0000\",\"msg\":\"");
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(PmSendResult) result = NULL;
  JsonNode *root;

  /* 200,000 levels: json-glib would overflow the stack; refused before it parses */
  for (int i = 0; i < 200000; i++)
    g_string_append_c (deep, '[');
  for (int i = 0; i < 200000; i++)
    g_string_append_c (deep, ']');
  bytes = g_bytes_new (deep->str, deep->len);
  root = pm_api_parse (bytes, &error);
  g_assert_null (root);
  g_assert_error (error, PM_ERROR, PM_ERROR_PROTOCOL);
  g_clear_error (&error);
  g_assert_cmpint (pm_api_classify_send (PM_API_REQUEST, 200, bytes, SENT, &result, &error), ==,
                   PM_API_SEND_UNKNOWN);
  g_assert_true (pm_error_is_maybe_done (error));
  g_clear_error (&error);
  /* and an error body as deep is read as raw text, not parsed */
  g_free (pm_api_read_error_text (bytes));
  g_clear_pointer (&bytes, g_bytes_unref);

  /* exactly the limit is fine; one more level is not; brackets inside strings do not count */
  g_assert_true (pm_api_depth_within ("[[[]]]", 6, 3));
  g_assert_false (pm_api_depth_within ("[[[[]]]]", 8, 3));
  g_assert_true (pm_api_depth_within ("[\"[[[[\\\"[[\"]", 12, 1));
  g_assert_true (pm_api_depth_within ("{\"a\":{\"b\":1}}", 13, 2));
  g_assert_false (pm_api_depth_within ("{\"a\":{\"b\":[1]}}", 15, 2));

  /* over 1 MiB */
  while (big->len <= PM_API_REPLY_MAX_BYTES)
    g_string_append (big, "xxxxxxxxxxxxxxxx");
  g_string_append (big, "\"}");
  bytes = g_bytes_new (big->str, big->len);
  g_assert_null (pm_api_parse (bytes, &error));
  g_assert_error (error, PM_ERROR, PM_ERROR_PROTOCOL);
  g_clear_error (&error);
  g_assert_cmpint (pm_api_classify_send (PM_API_RESEND, 200, bytes, SENT, &result, &error), ==,
                   PM_API_SEND_UNKNOWN);
  g_assert_true (pm_error_is_maybe_done (error));
}

static void
test_links (void)
{
  static const struct
  {
    const char *url;
    gboolean    loopback_ok;
    gboolean    kept;
  } cases[] = {
    { "https://pay.payssam.kr/abc", FALSE, TRUE },
    { "HTTPS://pay.payssam.kr/abc?x=1", FALSE, TRUE },
    { "http://pay.payssam.kr/abc", FALSE, FALSE },
    { "http://pay.payssam.kr/abc", TRUE, FALSE },
    { "http://127.0.0.1:8080/pay/1", TRUE, TRUE },
    { "http://127.0.0.1:8080/pay/1", FALSE, FALSE },
    { "http://[::1]:8080/pay/1", TRUE, TRUE },
    { "http://localhost/pay", TRUE, TRUE },
    { "javascript:alert(1)", TRUE, FALSE },
    { "javascript:alert(1)\x1b]0;pwned\x07", FALSE, FALSE },
    { "https://pay.example/\x1b[2J", FALSE, FALSE },
    { "https://pay.example/\xe2\x80\xae", FALSE, FALSE },
    { "https:///nohost", FALSE, FALSE },
    { "https://user:pw@pay.example/", FALSE, FALSE },
    { "file:///etc/passwd", TRUE, FALSE },
    { "data:text/html,<script>", FALSE, FALSE },
    { "//pay.example/x", FALSE, FALSE },
    { "pay.example/x", FALSE, FALSE },
    { "https://pay example/x", FALSE, FALSE },
    { "", FALSE, FALSE },
    { NULL, FALSE, FALSE },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_test_message ("link %u: %s", i, cases[i].url ? cases[i].url : "(null)");
      g_assert_cmpint (pm_api_check_link (cases[i].url, cases[i].loopback_ok), ==, cases[i].kept);
    }
}

static void
test_text (void)
{
  g_autofree char *clean = NULL;
  g_autofree char *what = NULL;
  glong offset = 0;

  clean = pm_text_sanitize ("Bill\x1b]0;pwned\x07 \xc2\x9b" "31m ok\tnow\n\xe2\x80\xae" "cba"
                            "\xe2\x81\xa6x\xe2\x81\xa9", -1);
  g_assert_cmpstr (clean, ==, "Bill]0;pwned 31m ok now cbax");
  g_clear_pointer (&clean, g_free);

  /* invalid UTF-8 becomes valid, never passed through */
  clean = pm_text_sanitize ("a\xff" "b", -1);
  g_assert_true (g_utf8_validate (clean, -1, NULL));
  g_clear_pointer (&clean, g_free);
  g_assert_null (pm_text_sanitize (NULL, -1));

  g_assert_cmpuint (pm_text_find_unsafe ("김영희", FALSE, &offset), ==, 0);
  g_assert_cmpuint (pm_text_find_unsafe ("김\xe2\x80\xae영희", FALSE, &offset), ==, 0x202e);
  g_assert_cmpint (offset, ==, 1);
  g_assert_cmpuint (pm_text_find_unsafe ("line\nline", TRUE, NULL), ==, 0);
  g_assert_cmpuint (pm_text_find_unsafe ("line\nline", FALSE, NULL), ==, '\n');

  what = pm_text_describe_char (0x202e);
  g_assert_true (g_str_has_prefix (what, "U+202E"));
}

static void
test_person_text (void)
{
  g_autoptr(GError) error = NULL;

  /* an override in a payer name is refused, naming the field and the character */
  g_assert_false (pm_bill_check_member_nm ("김영희\xe2\x80\xae" "cba", &error));
  g_assert_error (error, PM_ERROR, PM_ERROR_INVALID);
  g_assert_cmpstr (pm_error_get_field (error), ==, PM_BILL_FIELD_MEMBER_NM);
  g_assert_nonnull (strstr (error->message, "U+202E"));
  g_clear_error (&error);

  g_assert_false (pm_bill_check_product_nm ("수강료\xe2\x81\xa6", &error));
  g_assert_cmpstr (pm_error_get_field (error), ==, PM_BILL_FIELD_PRODUCT_NM);
  g_assert_nonnull (strstr (error->message, "U+2066"));
  g_clear_error (&error);

  g_assert_false (pm_bill_check_message ("안내\xe2\x80\xaa", &error));
  g_assert_cmpstr (pm_error_get_field (error), ==, PM_BILL_FIELD_MESSAGE);
  g_clear_error (&error);

  g_assert_false (pm_bill_check_member_nm ("a\x1b" "b", &error));
  g_assert_cmpstr (pm_error_get_field (error), ==, PM_BILL_FIELD_MEMBER_NM);
  g_clear_error (&error);

  /* line breaks stay allowed in a message */
  g_assert_true (pm_bill_check_message ("첫 줄\n둘째 줄", &error));
  g_assert_no_error (error);
}

static void
test_expire_bound (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *in_365 = NULL;
  g_autofree char *in_366 = NULL;
  /* 2026-12-06 12:00 KST */
  gint64 now = 1796526000;

  in_365 = pm_bill_korea_date (now + 365 * 24 * 3600);
  in_366 = pm_bill_korea_date (now + 366 * 24 * 3600);
  g_assert_true (pm_bill_check_expire_date (in_365, now, &error));
  g_assert_no_error (error);
  g_assert_false (pm_bill_check_expire_date (in_366, now, &error));
  g_assert_error (error, PM_ERROR, PM_ERROR_INVALID);
  g_assert_cmpstr (pm_error_get_field (error), ==, PM_BILL_FIELD_EXPIRE_DT);
  g_assert_nonnull (strstr (error->message, "365"));
  g_assert_nonnull (strstr (error->message, in_365));
  g_clear_error (&error);
  g_assert_false (pm_bill_check_expire_date ("9999-12-31", now, &error));
  g_assert_nonnull (strstr (error->message, "365"));
}

int
main (int   argc,
      char *argv[])
{
  pm_test_init (&argc, &argv);

  for (guint i = 0; i < G_N_ELEMENTS (rows); i++)
    {
      g_autofree char *path = g_strdup_printf ("/api/classify/%s/%s",
                                               pm_api_send_outcome_to_string (rows[i].expected),
                                               rows[i].name);

      g_test_add_data_func (path, &rows[i], check_row);
    }
  g_test_add_func ("/api/classify/created-fields", test_created_fields);
  g_test_add_func ("/api/limits", test_limits);
  g_test_add_func ("/api/links", test_links);
  g_test_add_func ("/text/sanitize", test_text);
  g_test_add_func ("/bill/person-text", test_person_text);
  g_test_add_func ("/bill/expire-bound", test_expire_bound);

  return g_test_run ();
}
