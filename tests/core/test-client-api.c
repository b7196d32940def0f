/* test-client-api.c — the endpoint table, bodies, tolerant readers and error mapping
 *
 * Copyright 2026 The Paymint Desk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "pm-api.h"
#include "pm-error.h"
#include "pm-test-util.h"

#include <string.h>

static JsonNode *
parse (const char *json)
{
  g_autoptr(GBytes) bytes = g_bytes_new (json, strlen (json));
  g_autoptr(GError) error = NULL;
  JsonNode *root = pm_api_parse (bytes, &error);

  g_assert_no_error (error);
  g_assert_nonnull (root);
  return root;
}

static char *
to_text (JsonNode *node)
{
  g_autoptr(GBytes) bytes = pm_api_node_to_bytes (node);

  return g_strndup (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
}

/* ------------------------------------------------------------------------------ */

static void
test_api_table (void)
{
  static const struct
  {
    PmApiEndpoint  id;
    const char    *method;
    const char    *path;
    PmApiAuth      auth;
    gboolean       spends;
  } expected[] = {
    { PM_API_LICENSES, "GET", "/paymint/licenses", PM_API_AUTH_KEY, FALSE },
    { PM_API_FORMAT_PHONE, "POST", "/paymint/format-phone-number", PM_API_AUTH_KEY, FALSE },
    { PM_API_REQUEST, "POST", "/paymint/request", PM_API_AUTH_CONNECTION, TRUE },
    { PM_API_READ, "POST", "/paymint/read", PM_API_AUTH_CONNECTION, FALSE },
    { PM_API_CANCEL, "POST", "/paymint/cancel", PM_API_AUTH_CONNECTION, FALSE },
    { PM_API_DESTROY, "POST", "/paymint/destroy", PM_API_AUTH_CONNECTION, FALSE },
    { PM_API_RESEND, "POST", "/paymint/resend", PM_API_AUTH_CONNECTION, TRUE },
    { PM_API_AUTOPAY_REGISTER, "POST", "/paymint/autopay/register", PM_API_AUTH_CONNECTION, FALSE },
    { PM_API_AUTOPAY_MANAGE, "POST", "/paymint/autopay/manage", PM_API_AUTH_CONNECTION, FALSE },
    { PM_API_AUTOPAY_METHODS, "GET", "/paymint/autopay/methods", PM_API_AUTH_CONNECTION, FALSE },
    { PM_API_AUTOPAY_REQUEST, "POST", "/paymint/autopay/request", PM_API_AUTH_CONNECTION, TRUE },
    { PM_API_AUTOPAY_DELETE, "DELETE", "/paymint/autopay/delete", PM_API_AUTH_CONNECTION, FALSE },
  };

  for (guint i = 0; i < G_N_ELEMENTS (expected); i++)
    {
      const PmApiEndpointInfo *e = pm_api_get_endpoint (expected[i].id);

      g_assert_cmpint (e->endpoint, ==, expected[i].id);
      g_assert_cmpstr (e->method, ==, expected[i].method);
      g_assert_cmpstr (e->path, ==, expected[i].path);
      g_assert_cmpint (e->auth, ==, expected[i].auth);
      g_assert_cmpint (e->spends_balance, ==, expected[i].spends);
      g_assert_true (pm_api_find_endpoint (e->name) == e);
    }
  g_assert_cmpstr (pm_api_get_endpoint (PM_API_LICENSES)->query, ==, "mode=true");
  g_assert_true (pm_api_get_endpoint (PM_API_REQUEST)->changes_state);
  g_assert_false (pm_api_get_endpoint (PM_API_READ)->changes_state);
  g_assert_null (pm_api_find_endpoint ("nope"));
}

static void
test_api_bodies (void)
{
  g_autoptr(PmBill) bill = pm_bill_new ();
  g_autoptr(JsonNode) node = NULL;
  g_autofree char *query = NULL;
  JsonObject *o;

  pm_bill_set_bill_id (bill, "ABC123");
  pm_bill_set_payer_name (bill, "김민지");
  pm_bill_set_phone (bill, "01023456789");
  pm_bill_set_product (bill, "수강료");
  pm_bill_set_message (bill, "안내");
  pm_bill_set_price (bill, G_GINT64_CONSTANT (9999999999));
  pm_bill_set_expire_date (bill, "2026-06-30");
  pm_bill_set_note (bill, "local only");

  node = pm_api_build_request (bill);
  o = json_node_get_object (node);
  g_assert_cmpstr (json_object_get_string_member (o, "product_nm"), ==, "수강료");
  g_assert_cmpstr (json_object_get_string_member (o, "message"), ==, "안내");
  g_assert_cmpstr (json_object_get_string_member (o, "member_nm"), ==, "김민지");
  g_assert_cmpstr (json_object_get_string_member (o, "phone"), ==, "01023456789");
  g_assert_cmpstr (json_object_get_string_member (o, "expire_dt"), ==, "2026-06-30");
  g_assert_cmpstr (json_object_get_string_member (o, "bill_id"), ==, "ABC123");
  /* price is a JSON number, exact for 10 digits */
  g_assert_cmpint (json_node_get_value_type (json_object_get_member (o, "price")), ==, G_TYPE_INT64);
  g_assert_cmpint (json_object_get_int_member (o, "price"), ==, G_GINT64_CONSTANT (9999999999));
  g_assert_false (json_object_has_member (o, "method_id"));
  g_assert_false (json_object_has_member (o, "note"));
  g_assert_false (json_object_has_member (o, "callbackURL"));
  {
    g_autofree char *text = to_text (node);
    g_assert_nonnull (strstr (text, "\"price\":9999999999"));
  }
  g_clear_pointer (&node, json_node_unref);

  pm_bill_set_kind (bill, PM_BILL_KIND_AUTOPAY);
  pm_bill_set_method_id (bill, "M1");
  node = pm_api_build_request (bill);
  g_assert_cmpstr (json_object_get_string_member (json_node_get_object (node), "method_id"), ==, "M1");
  g_clear_pointer (&node, json_node_unref);

  node = pm_api_build_bill_price ("B1", 5000);
  o = json_node_get_object (node);
  g_assert_cmpstr (json_object_get_string_member (o, "bill_id"), ==, "B1");
  g_assert_cmpint (json_object_get_int_member (o, "price"), ==, 5000);
  g_assert_cmpuint (json_object_get_size (o), ==, 2);
  g_clear_pointer (&node, json_node_unref);

  node = pm_api_build_bill_id ("B1");
  g_assert_cmpuint (json_object_get_size (json_node_get_object (node)), ==, 1);
  g_clear_pointer (&node, json_node_unref);

  node = pm_api_build_autopay_register ("이름", "01023456789", NULL, "");
  o = json_node_get_object (node);
  g_assert_cmpstr (json_object_get_string_member (o, "member_nm"), ==, "이름");
  g_assert_false (json_object_has_member (o, "product_nm"));
  g_assert_false (json_object_has_member (o, "message"));
  g_clear_pointer (&node, json_node_unref);

  node = pm_api_build_phone_method ("01023456789", "M9");
  o = json_node_get_object (node);
  g_assert_cmpstr (json_object_get_string_member (o, "method_id"), ==, "M9");
  g_clear_pointer (&node, json_node_unref);

  node = pm_api_build_format_phone ("010-2345-6789");
  g_assert_cmpstr (json_object_get_string_member (json_node_get_object (node), "phone"), ==, "010-2345-6789");

  query = pm_api_build_methods_query ("010 2345&x");
  g_assert_cmpstr (query, ==, "phone=010%202345%26x");
}

static void
test_api_send_result (void)
{
  static const char *replies[] = {
    /* [V] flat */
    "{\"bill_id\":\"B1\",\"code\":\"0000\",\"msg\":\"ok\",\"shortURL\":\"https://s/1\"}",
    /* variants: envelope, camelCase, numeric code, message, unknown members */
    "{\"success\":true,\"data\":{\"billId\":\"B1\",\"code\":0,\"message\":\"ok\",\"shortUrl\":\"https://s/1\",\"x\":[1]}}",
    "{\"bill_id\":\"B1\",\"code\":\"0000\",\"msg\":\"ok\",\"short_url\":\"https://s/1\",\"extra\":{\"a\":null}}",
    "{\"success\":true,\"bill_id\":\"B1\",\"msg\":\"ok\",\"shortURL\":\"https://s/1\"}",
  };

  for (guint i = 0; i < G_N_ELEMENTS (replies); i++)
    {
      g_autoptr(JsonNode) root = parse (replies[i]);
      g_autoptr(GError) error = NULL;
      g_autoptr(PmSendResult) r = pm_api_read_send_result (root, &error);

      g_assert_no_error (error);
      g_assert_cmpstr (r->bill_id, ==, "B1");
      g_assert_cmpstr (r->code, ==, "0000");
      g_assert_cmpstr (r->msg, ==, "ok");
      g_assert_cmpstr (r->short_url, ==, "https://s/1");
      g_assert_null (r->appr_state);
    }

  {
    g_autoptr(JsonNode) root = parse ("{\"bill_id\":\"B2\",\"code\":\"0000\",\"appr_state\":\"F\"}");
    g_autoptr(PmSendResult) r = pm_api_read_send_result (root, NULL);
    g_autoptr(PmSendResult) copy = pm_send_result_copy (r);

    g_assert_cmpstr (copy->appr_state, ==, "F");
    g_assert_null (copy->short_url);
  }
}

static void
test_api_result_codes (void)
{
  static const struct
  {
    const char  *json;
    PmErrorCode  code;
    const char  *result_code;
    const char  *server_text;
  } cases[] = {
    { "{\"code\":\"9800\",\"msg\":\"중복된 bill_id\"}", PM_ERROR_DUPLICATE_BILL, "9800", "중복된 bill_id" },
    { "{\"code\":\"9970\",\"msg\":\"already cancelled\"}", PM_ERROR_ALREADY_CANCELLED, "9970", "already cancelled" },
    { "{\"code\":\"9971\",\"msg\":\"paid\"}", PM_ERROR_ALREADY_PAID, "9971", "paid" },
    { "{\"code\":9980,\"message\":\"not found\"}", PM_ERROR_NOT_FOUND, "9980", "not found" },
    { "{\"code\":\"1003\",\"msg\":\"no access\"}", PM_ERROR_FORBIDDEN, "1003", "no access" },
    { "{\"code\":\"5000\",\"msg\":\"e\"}", PM_ERROR_SERVER, "5000", "e" },
    { "{\"code\":\"9999\",\"msg\":\"e\"}", PM_ERROR_SERVER, "9999", "e" },
    { "{\"code\":\"9870\",\"msg\":\"callback\"}", PM_ERROR_SERVER, "9870", "callback" },
    { "{\"code\":\"1234\"}", PM_ERROR_SERVER, "1234", NULL },
    { "{\"success\":true,\"data\":{\"code\":\"9980\",\"msg\":\"x\"}}", PM_ERROR_NOT_FOUND, "9980", "x" },
    { "{\"success\":false,\"error\":\"boom\"}", PM_ERROR_SERVER, NULL, "boom" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(JsonNode) root = parse (cases[i].json);
      g_autoptr(GError) error = NULL;
      g_autoptr(GError) copy = NULL;

      g_test_message ("case %u", i);
      g_assert_null (pm_api_read_send_result (root, &error));
      g_assert_error (error, PM_ERROR, cases[i].code);
      g_assert_cmpstr (pm_error_get_result_code (error), ==, cases[i].result_code);
      g_assert_cmpstr (pm_error_get_server_text (error), ==, cases[i].server_text);
      g_assert_false (pm_error_is_maybe_done (error));
      /* The human message is ours, translated, not the server's text */
      g_assert_cmpstr (error->message, ==, pm_error_code_get_message (cases[i].code));
      /* Detail survives a copy */
      copy = g_error_copy (error);
      g_assert_cmpstr (pm_error_get_result_code (copy), ==, cases[i].result_code);
      g_assert_cmpstr (pm_error_get_server_text (copy), ==, cases[i].server_text);
    }
}

static void
test_api_read_bill (void)
{
  static const char *paid[] = {
    "{\"success\":true,\"data\":{\"bill_id\":\"B1\",\"appr_state\":\"F\",\"appr_pay_type\":\"card\","
    "\"appr_price\":12000,\"appr_dt\":\"20260615120102\",\"appr_num\":\"123\",\"appr_issuer\":\"KB\","
    "\"appr_card_type\":\"credit\",\"appr_monthly\":\"00\",\"new_field\":{\"x\":1}}}",
    /* flat, price as a string, camelCase id */
    "{\"billId\":\"B1\",\"appr_state\":\"F\",\"appr_pay_type\":\"card\",\"appr_price\":\"12000\","
    "\"appr_dt\":\"20260615120102\",\"appr_num\":\"123\",\"appr_issuer\":\"KB\",\"appr_card_type\":\"credit\","
    "\"appr_monthly\":\"00\",\"code\":\"0000\"}",
  };

  for (guint i = 0; i < G_N_ELEMENTS (paid); i++)
    {
      g_autoptr(JsonNode) root = parse (paid[i]);
      g_autoptr(PmBill) bill = pm_bill_new ();
      g_autoptr(GError) error = NULL;

      g_assert_true (pm_api_read_bill (root, bill, &error));
      g_assert_no_error (error);
      g_assert_cmpstr (pm_bill_get_bill_id (bill), ==, "B1");
      g_assert_cmpint (pm_bill_get_state (bill), ==, PM_BILL_STATE_PAID);
      g_assert_cmpint (pm_bill_get_appr_price (bill), ==, 12000);
      g_assert_cmpstr (pm_bill_get_appr_dt (bill), ==, "20260615120102");
      g_assert_cmpstr (pm_bill_get_appr_num (bill), ==, "123");
      g_assert_cmpstr (pm_bill_get_appr_issuer (bill), ==, "KB");
      g_assert_cmpstr (pm_bill_get_appr_card_type (bill), ==, "credit");
      g_assert_cmpstr (pm_bill_get_appr_monthly (bill), ==, "00");
      g_assert_cmpstr (pm_bill_get_appr_pay_type (bill), ==, "card");
    }

  /* Unpaid: appr_* empty strings become unset */
  {
    g_autoptr(JsonNode) root = parse ("{\"success\":true,\"data\":{\"bill_id\":\"B2\",\"appr_state\":\"W\","
                                      "\"appr_price\":\"\",\"appr_dt\":\"\",\"appr_num\":null}}");
    g_autoptr(PmBill) bill = pm_bill_new ();

    pm_bill_set_appr_num (bill, "stale");
    g_assert_true (pm_api_read_bill (root, bill, NULL));
    g_assert_cmpint (pm_bill_get_state (bill), ==, PM_BILL_STATE_UNPAID);
    g_assert_cmpint (pm_bill_get_appr_price (bill), ==, 0);
    g_assert_null (pm_bill_get_appr_dt (bill));
    g_assert_null (pm_bill_get_appr_num (bill));
  }

  /* Unreadable: no state, unknown state, a price that is not a number, not an object */
  {
    static const char *bad[] = {
      "{\"success\":true,\"data\":{\"bill_id\":\"B3\"}}",
      "{\"bill_id\":\"B3\",\"appr_state\":\"Q\"}",
      "{\"bill_id\":\"B3\",\"appr_state\":\"F\",\"appr_price\":\"12,000\"}",
      "[1,2]",
      "\"text\"",
    };

    for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
      {
        g_autoptr(JsonNode) root = parse (bad[i]);
        g_autoptr(PmBill) bill = pm_bill_new ();
        g_autoptr(GError) error = NULL;

        g_assert_false (pm_api_read_bill (root, bill, &error));
        g_assert_error (error, PM_ERROR, PM_ERROR_PROTOCOL);
      }
  }
}

static void
test_api_lists (void)
{
  static const char *licenses[] = {
    "{\"success\":true,\"data\":[{\"business_registration_number\":\"1234567890\",\"business_name\":\"가게\","
    "\"member_id\":\"m1\",\"merchant_id\":\"s1\",\"status\":\"approved\",\"more\":1},"
    "{\"business_number\":\"2222222222\",\"member_id\":\"m2\",\"merchant_id\":\"s2\"}]}",
    "[{\"business_registration_number\":\"1234567890\",\"business_name\":\"가게\",\"member_id\":\"m1\","
    "\"merchant_id\":\"s1\",\"status\":\"approved\"},{\"business_number\":2222222222,\"member_id\":\"m2\","
    "\"merchant_id\":\"s2\"}]",
    "{\"success\":true,\"data\":{\"licenses\":[{\"business_registration_number\":\"1234567890\","
    "\"business_name\":\"가게\",\"member_id\":\"m1\",\"merchant_id\":\"s1\",\"status\":\"approved\"},"
    "{\"business_number\":\"2222222222\",\"member_id\":\"m2\",\"merchant_id\":\"s2\"}]}}",
  };

  for (guint i = 0; i < G_N_ELEMENTS (licenses); i++)
    {
      g_autoptr(JsonNode) root = parse (licenses[i]);
      g_autoptr(GError) error = NULL;
      g_autoptr(GPtrArray) list = pm_api_read_licenses (root, &error);
      PmLicense *l;

      g_assert_no_error (error);
      g_assert_cmpuint (list->len, ==, 2);
      l = g_ptr_array_index (list, 0);
      g_assert_cmpstr (l->business_number, ==, "1234567890");
      g_assert_cmpstr (l->business_name, ==, "가게");
      g_assert_cmpstr (l->member_id, ==, "m1");
      g_assert_cmpstr (l->merchant_id, ==, "s1");
      g_assert_cmpstr (l->status, ==, "approved");
      l = g_ptr_array_index (list, 1);
      g_assert_cmpstr (l->business_number, ==, "2222222222");
      g_assert_null (l->business_name);
    }

  {
    g_autoptr(JsonNode) root = parse ("{\"success\":true,\"data\":[{\"method_id\":\"M1\",\"card_name\":\"KB\","
                                      "\"card_no\":\"1234-****-****-5678\",\"registered_at\":\"2026-06-01\","
                                      "\"status\":\"active\"}]}");
    g_autoptr(GPtrArray) list = pm_api_read_methods (root, NULL);
    PmAutopayMethod *m = g_ptr_array_index (list, 0);
    g_autoptr(PmAutopayMethod) copy = pm_autopay_method_copy (m);

    g_assert_cmpuint (list->len, ==, 1);
    g_assert_cmpstr (copy->method_id, ==, "M1");
    g_assert_cmpstr (copy->card_no, ==, "1234-****-****-5678");
    g_assert_cmpstr (copy->status, ==, "active");
  }
  {
    g_autoptr(JsonNode) root = parse ("{\"success\":true,\"data\":{\"x\":1}}");
    g_autoptr(GError) error = NULL;

    g_assert_null (pm_api_read_methods (root, &error));
    g_assert_error (error, PM_ERROR, PM_ERROR_PROTOCOL);
  }
  {
    g_autoptr(JsonNode) root = parse ("{\"success\":true,\"data\":{\"phone\":\"01023456789\"}}");
    g_autofree char *phone = pm_api_read_phone (root, NULL);
    g_autoptr(JsonNode) v = parse ("{\"version\":\"4.20.0\"}");
    g_autofree char *version = pm_api_read_version (v, NULL);

    g_assert_cmpstr (phone, ==, "01023456789");
    g_assert_cmpstr (version, ==, "4.20.0");
  }
}

static void
test_api_parse_garbage (void)
{
  static const char *garbage[] = { "", "not json", "{\"bill_id\": \"B1\", \"co", "<html>502</html>" };

  for (guint i = 0; i < G_N_ELEMENTS (garbage); i++)
    {
      g_autoptr(GBytes) bytes = g_bytes_new (garbage[i], strlen (garbage[i]));
      g_autoptr(GError) error = NULL;

      g_assert_null (pm_api_parse (bytes, &error));
      g_assert_error (error, PM_ERROR, PM_ERROR_PROTOCOL);
    }
}

static void
test_api_error_text (void)
{
  static const char *bodies[][2] = {
    { "{\"success\":false,\"error\":\"bad phone\"}", "bad phone" },
    { "{\"message\":\"bad phone\"}", "bad phone" },
    { "{\"msg\":\"bad phone\"}", "bad phone" },
    { "{\"error\":{\"message\":\"nested\"}}", "nested" },
    { "  plain text from a proxy \n", "plain text from a proxy" },
    { "{\"other\":1}", NULL },
    { "{\"error\":\"\"}", NULL },
    { "", NULL },
  };

  for (guint i = 0; i < G_N_ELEMENTS (bodies); i++)
    {
      g_autoptr(GBytes) bytes = g_bytes_new (bodies[i][0], strlen (bodies[i][0]));
      g_autofree char *text = pm_api_read_error_text (bytes);

      g_assert_cmpstr (text, ==, bodies[i][1]);
    }
  {
    g_autofree char *big = g_strnfill (5000, 'x');
    g_autoptr(GBytes) bytes = g_bytes_new (big, 5000);
    g_autofree char *text = pm_api_read_error_text (bytes);

    g_assert_cmpint (g_utf8_strlen (text, -1), <=, 301);
  }
}

static void
test_api_http_errors (void)
{
  static const struct
  {
    PmApiEndpoint  endpoint;
    guint          status;
    const char    *body;
    PmErrorCode    code;
    const char    *field;
    gboolean       maybe_done;
  } cases[] = {
    { PM_API_REQUEST, 400, "{\"success\":false,\"error\":\"member_nm is required\"}", PM_ERROR_INVALID, "member_nm", FALSE },
    { PM_API_REQUEST, 400, "{\"success\":false,\"error\":\"invalid expire_dt\"}", PM_ERROR_INVALID, "expire_dt", FALSE },
    { PM_API_REQUEST, 400, "{\"success\":false,\"error\":\"bad\",\"field\":\"price\"}", PM_ERROR_INVALID, "price", FALSE },
    { PM_API_REQUEST, 400, "{\"success\":false,\"error\":\"something\"}", PM_ERROR_INVALID, NULL, FALSE },
    { PM_API_READ, 401, "{\"success\":false,\"error\":\"Invalid API key\"}", PM_ERROR_UNAUTHORIZED, NULL, FALSE },
    { PM_API_LICENSES, 403, "forbidden", PM_ERROR_UNAUTHORIZED, NULL, FALSE },
    { PM_API_REQUEST, 402, "{\"error\":\"Insufficient balance\"}", PM_ERROR_INSUFFICIENT_BALANCE, NULL, FALSE },
    { PM_API_RESEND, 402, "{\"error\":\"잔액이 부족합니다\"}", PM_ERROR_INSUFFICIENT_BALANCE, NULL, FALSE },
    { PM_API_AUTOPAY_REQUEST, 402, "{\"error\":\"balance too low\"}", PM_ERROR_INSUFFICIENT_BALANCE, NULL, FALSE },
    { PM_API_REQUEST, 402, "{\"error\":\"Pro license required\"}", PM_ERROR_LICENSE_REQUIRED, NULL, FALSE },
    { PM_API_READ, 402, "{\"error\":\"balance\"}", PM_ERROR_LICENSE_REQUIRED, NULL, FALSE },
    { PM_API_CANCEL, 402, "{\"error\":\"upgrade\"}", PM_ERROR_LICENSE_REQUIRED, NULL, FALSE },
    { PM_API_READ, 404, "{\"error\":\"route not found\"}", PM_ERROR_NOT_FOUND, NULL, FALSE },
    { PM_API_READ, 500, "oops", PM_ERROR_SERVER, NULL, FALSE },
    { PM_API_REQUEST, 500, "oops", PM_ERROR_SERVER, NULL, TRUE },
    { PM_API_REQUEST, 503, "", PM_ERROR_SERVER, NULL, TRUE },
    { PM_API_CANCEL, 502, "<html>bad gateway</html>", PM_ERROR_SERVER, NULL, TRUE },
    { PM_API_REQUEST, 429, "slow down", PM_ERROR_SERVER, NULL, FALSE },
    { PM_API_REQUEST, 408, "", PM_ERROR_TIMEOUT, NULL, FALSE },
    { PM_API_REQUEST, 413, "too big", PM_ERROR_INVALID, NULL, FALSE },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GBytes) body = g_bytes_new (cases[i].body, strlen (cases[i].body));
      g_autoptr(GError) error = pm_api_error_for_status (pm_api_get_endpoint (cases[i].endpoint),
                                                          cases[i].status, body);

      g_test_message ("case %u", i);
      g_assert_error (error, PM_ERROR, cases[i].code);
      g_assert_cmpstr (pm_error_get_field (error), ==, cases[i].field);
      g_assert_cmpuint (pm_error_get_http_status (error), ==, cases[i].status);
      g_assert_cmpint (pm_error_is_maybe_done (error), ==, cases[i].maybe_done);
      if (cases[i].code == PM_ERROR_INVALID && cases[i].field != NULL)
        g_assert_nonnull (strstr (error->message, pm_error_get_server_text (error)));
    }
}

static void
test_api_version (void)
{
  static const struct
  {
    const char *version;
    gboolean    supported;
  } cases[] = {
    { "4.20.0", TRUE },
    { "4.16.0", TRUE },
    { "4.16", TRUE },
    { "v4.16.1", TRUE },
    { "5.0.0", TRUE },
    { "4.100.0", TRUE },
    { "4.17.0-rc1", TRUE },
    { "4.15.9", FALSE },
    { "4.9", FALSE },
    { "3.99.99", FALSE },
    { "", FALSE },
    { "latest", FALSE },
    { NULL, FALSE },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    g_assert_cmpint (pm_api_version_is_supported (cases[i].version), ==, cases[i].supported);
  g_assert_true (pm_api_version_is_supported (SANDBOX_API_VERSION));
}

static void
test_error_helpers (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GError) other = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_FAILED, "x");
  PmErrorCode code;

  error = pm_error_new_full (PM_ERROR_TIMEOUT, "f", "server", TRUE, NULL);
  g_assert_cmpstr (error->message, ==, pm_error_code_get_message (PM_ERROR_TIMEOUT));
  g_assert_cmpstr (pm_error_get_field (error), ==, "f");
  g_assert_cmpstr (pm_error_get_server_text (error), ==, "server");
  g_assert_true (pm_error_is_maybe_done (error));

  /* Other domains and NULL are harmless */
  g_assert_null (pm_error_get_field (other));
  g_assert_false (pm_error_is_maybe_done (other));
  g_assert_null (pm_error_get_server_text (NULL));
  g_assert_cmpuint (pm_error_get_http_status (NULL), ==, 0);

  /* g_set_error on the domain works and has empty detail */
  {
    g_autoptr(GError) plain = NULL;
    g_set_error (&plain, PM_ERROR, PM_ERROR_STORAGE, "disk %d", 1);
    g_assert_null (pm_error_get_field (plain));
    g_assert_false (pm_error_is_maybe_done (plain));
  }

  g_assert_false (pm_error_code_from_result_code ("0000", &code));
  g_assert_false (pm_error_code_from_result_code (NULL, &code));
  g_assert_true (pm_error_code_from_result_code ("9800", &code));
  g_assert_cmpint (code, ==, PM_ERROR_DUPLICATE_BILL);

  g_assert_cmpint (pm_error_code_from_http_status (401, NULL, TRUE), ==, PM_ERROR_UNAUTHORIZED);
  g_assert_cmpint (pm_error_code_from_http_status (402, "잔액 부족", TRUE), ==, PM_ERROR_INSUFFICIENT_BALANCE);
  g_assert_cmpint (pm_error_code_from_http_status (402, "잔액 부족", FALSE), ==, PM_ERROR_LICENSE_REQUIRED);
  g_assert_cmpint (pm_error_code_from_http_status (402, NULL, TRUE), ==, PM_ERROR_LICENSE_REQUIRED);
  g_assert_cmpint (pm_error_code_from_http_status (502, NULL, TRUE), ==, PM_ERROR_SERVER);

  /* Every code has its own message */
  for (int a = PM_ERROR_INVALID; a <= PM_ERROR_STORAGE; a++)
    for (int b = PM_ERROR_INVALID; b < a; b++)
      g_assert_cmpstr (pm_error_code_get_message (a), !=, pm_error_code_get_message (b));
}

int
main (int   argc,
      char *argv[])
{
  pm_test_init (&argc, &argv);

  g_test_add_func ("/api/table", test_api_table);
  g_test_add_func ("/api/bodies", test_api_bodies);
  g_test_add_func ("/api/send-result", test_api_send_result);
  g_test_add_func ("/api/result-codes", test_api_result_codes);
  g_test_add_func ("/api/read-bill", test_api_read_bill);
  g_test_add_func ("/api/lists", test_api_lists);
  g_test_add_func ("/api/parse-garbage", test_api_parse_garbage);
  g_test_add_func ("/api/error-text", test_api_error_text);
  g_test_add_func ("/api/http-errors", test_api_http_errors);
  g_test_add_func ("/api/version", test_api_version);
  g_test_add_func ("/error/helpers", test_error_helpers);

  return g_test_run ();
}
