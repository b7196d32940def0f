/* test-sandbox-api.c — the sandbox's endpoints, errors, auth and state machine over raw HTTP
 *
 * Copyright 2026 The Paymint Desk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "pm-test-util.h"
#include "sandbox-test-common.h"

#include <string.h>

#define FIX(path, fn) \
  g_test_add (path, StFixture, NULL, st_fixture_setup, fn, st_fixture_teardown)

static void
assert_version_health (StReply *version,
                       StReply *health)
{
  g_assert_no_error (version->error);
  g_assert_no_error (health->error);
  g_assert_cmpuint (version->status, ==, 200);
  g_assert_cmpstr (version->content_type, ==, "application/json");
  g_assert_cmpstr (version->body, ==, "{\"version\":\"4.20.0\"}");
  g_assert_cmpuint (health->status, ==, 200);
  g_assert_cmpstr (health->content_type, ==, "application/json");
  g_assert_true (json_object_get_boolean_member (st_object (health), "success"));
  g_assert_cmpstr (st_str (health, "version"), ==, "4.20.0");
}

/* API.md §7: both under /api/v1 and at the host root, where the vendor client asks
 * before every command; no key needed at either. */
static void
test_version_health (StFixture     *f,
                     gconstpointer  data)
{
  const char *none[] = { NULL };
  g_autoptr(StReply) version = st_send (f, "GET", "/version", none, NULL, NULL);
  g_autoptr(StReply) health = st_send (f, "GET", "/health", none, NULL, NULL);
  g_autoptr(StReply) root_version = st_get_root (f, "/version");
  g_autoptr(StReply) root_health = st_get_root (f, "/health");
  g_autoptr(StReply) root_other = st_get_root (f, "/paymint/licenses");
  g_autoptr(StReply) root_post = NULL;

  assert_version_health (version, health);
  assert_version_health (root_version, root_health);
  /* only those two live at the root; the API stays under /api/v1 */
  st_assert_error_mentions (root_other, 404, "/paymint/licenses");
  {
    g_autofree char *url = g_strdup_printf ("http://127.0.0.1:%u/version",
                                            pm_sandbox_get_port (f->sandbox));

    root_post = st_send_url (f, "POST", url, NULL, "{}", NULL);
    st_assert_error_mentions (root_post, 405, "POST");
  }
  /* a fault set on "version" applies at both places */
  pm_sandbox_set_fault (f->sandbox, "version", PM_SANDBOX_FAULT_HTTP_503, 1.0);
  {
    g_autoptr(StReply) faulty = st_get_root (f, "/version");
    g_autoptr(StReply) faulty_v1 = st_send (f, "GET", "/version", none, NULL, NULL);

    g_assert_cmpuint (faulty->status, ==, 503);
    g_assert_cmpuint (faulty_v1->status, ==, 503);
  }
  g_assert_cmpuint (pm_sandbox_count_faults (f->sandbox, "version", PM_SANDBOX_FAULT_HTTP_503),
                    ==, 2);
}

static void
test_licenses (StFixture     *f,
               gconstpointer  data)
{
  const char *multi[] = { "X-API-KEY", PM_SANDBOX_MULTI_KEY, NULL };
  const char *bearer[] = { "Authorization", "Bearer " PM_SANDBOX_BASIC_KEY, NULL };
  const char *bad[] = { "X-API-KEY", "nope", NULL };
  const char *none[] = { NULL };
  g_autoptr(StReply) demo = st_get (f, "/paymint/licenses?mode=true");
  g_autoptr(StReply) two = st_send (f, "GET", "/paymint/licenses?mode=true", multi, NULL, NULL);
  g_autoptr(StReply) basic = st_send (f, "GET", "/paymint/licenses?mode=true", bearer, NULL, NULL);
  g_autoptr(StReply) wrong = st_send (f, "GET", "/paymint/licenses?mode=true", bad, NULL, NULL);
  g_autoptr(StReply) missing = st_send (f, "GET", "/paymint/licenses?mode=true", none, NULL, NULL);
  JsonArray *array;
  JsonObject *license;

  g_assert_cmpuint (demo->status, ==, 200);
  g_assert_true (json_object_get_boolean_member (st_object (demo), "success"));
  array = json_object_get_array_member (st_object (demo), "data");
  g_assert_cmpuint (json_array_get_length (array), ==, 1);
  license = json_array_get_object_element (array, 0);
  g_assert_cmpstr (json_object_get_string_member (license, "business_registration_number"), ==,
                   "1234567890");
  g_assert_cmpstr (json_object_get_string_member (license, "member_id"), ==, "demo-member");
  g_assert_cmpstr (json_object_get_string_member (license, "merchant_id"), ==, "demo-merchant");
  g_assert_cmpstr (json_object_get_string_member (license, "status"), ==, "approved");
  g_assert_nonnull (json_object_get_string_member (license, "business_name"));

  array = json_object_get_array_member (st_object (two), "data");
  g_assert_cmpuint (json_array_get_length (array), ==, 2);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (array, 1),
                                                  "member_id"), ==, "multi-member-2");
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (array, 0),
                                                  "business_registration_number"), !=,
                   json_object_get_string_member (json_array_get_object_element (array, 1),
                                                  "business_registration_number"));

  /* licenses needs the key only: a Basic key may list its license */
  g_assert_cmpuint (basic->status, ==, 200);
  st_assert_error_mentions (wrong, 401, "API key");
  st_assert_error_mentions (missing, 401, "API key");
}

static void
test_format_phone (StFixture     *f,
                   gconstpointer  data)
{
  static const char *const good[][2] = {
    { "010-2345-6789", "01023456789" },
    { "+82 10 2345 6789", "01023456789" },
    { "8201023456789", "01023456789" },
    { "1023456789", "01023456789" },
  };
  static const char *const bad[] = { "02-123-4567", "010123", "abc", "" };

  for (guint i = 0; i < G_N_ELEMENTS (good); i++)
    {
      g_autofree char *body = g_strdup_printf ("{\"phone\":\"%s\"}", good[i][0]);
      g_autoptr(StReply) r = st_post (f, "/paymint/format-phone-number", body);

      g_assert_cmpuint (r->status, ==, 200);
      g_assert_true (json_object_get_boolean_member (st_object (r), "success"));
      g_assert_cmpstr (st_data_str (r, "phone"), ==, good[i][1]);
    }
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autofree char *body = g_strdup_printf ("{\"phone\":\"%s\"}", bad[i]);
      g_autoptr(StReply) r = st_post (f, "/paymint/format-phone-number", body);

      st_assert_error_mentions (r, 400, "phone");
    }
  {
    g_autoptr(StReply) r = st_post (f, "/paymint/format-phone-number", "{}");

    st_assert_error_mentions (r, 400, "phone");
  }
}

static void
test_request (StFixture     *f,
              gconstpointer  data)
{
  gint64 before = pm_sandbox_get_balance (f->sandbox, PM_SANDBOX_DEMO_KEY);
  g_autofree char *body = st_bill_body (f->sandbox, "ORDER1", 15000);
  g_autofree char *anon = st_bill_body (f->sandbox, NULL, 2000);
  g_autoptr(StReply) r = st_post (f, "/paymint/request", body);
  g_autoptr(StReply) again = NULL;
  g_autoptr(StReply) generated = NULL;
  const char *id;

  g_assert_cmpuint (r->status, ==, 200);
  g_assert_cmpstr (st_str (r, "code"), ==, "0000");
  g_assert_cmpstr (st_str (r, "bill_id"), ==, "ORDER1");
  g_assert_nonnull (st_str (r, "msg"));
  g_assert_true (g_str_has_prefix (st_str (r, "shortURL"), "https://"));
  /* flat reply: no envelope */
  g_assert_false (json_object_has_member (st_object (r), "data"));
  g_assert_cmpint (pm_sandbox_get_balance (f->sandbox, PM_SANDBOX_DEMO_KEY), ==, before - 100);
  g_assert_cmpint (pm_sandbox_get_fee (f->sandbox), ==, 100);

  /* reuse → 9800, nothing charged, nothing created */
  again = st_post (f, "/paymint/request", body);
  g_assert_cmpuint (again->status, ==, 200);
  g_assert_cmpstr (st_str (again, "code"), ==, "9800");
  g_assert_cmpuint (pm_sandbox_count_bills (f->sandbox), ==, 1);
  g_assert_cmpint (pm_sandbox_get_balance (f->sandbox, PM_SANDBOX_DEMO_KEY), ==, before - 100);

  generated = st_post (f, "/paymint/request", anon);
  g_assert_cmpstr (st_str (generated, "code"), ==, "0000");
  id = st_str (generated, "bill_id");
  g_assert_nonnull (id);
  g_assert_cmpuint (strlen (id), <=, 20);
  for (const char *p = id; *p; p++)
    g_assert_true (g_ascii_isalnum (*p));
  g_assert_cmpuint (pm_sandbox_count_bills (f->sandbox), ==, 2);
  {
    g_autofree char *state = pm_sandbox_dup_bill_state (f->sandbox, id);

    g_assert_cmpstr (state, ==, "W");
  }
}

/* The vendor client: Bearer token, all three MMK headers, phone as typed. */
static void
test_vendor_request (StFixture     *f,
                     gconstpointer  data)
{
  const char *headers[] = {
    "Authorization", "Bearer " PM_SANDBOX_DEMO_KEY,
    "X-Paymint-MMK-Mode", "true",
    "X-Paymint-Member-ID", "demo-member",
    "X-Paymint-Merchant-ID", "demo-merchant",
    NULL,
  };
  g_autofree char *expire = st_date (f->sandbox, 3);
  g_autofree char *body = g_strdup_printf (
    "{\"product_nm\":\"Lunch\",\"message\":\"Please pay\",\"member_nm\":\"Kim\","
    "\"phone\":\"010-9876-5432\",\"price\":12000,\"expire_dt\":\"%s\",\"bill_id\":\"V1\"}", expire);
  g_autoptr(StReply) r = st_send (f, "POST", "/paymint/request", headers, body, NULL);
  g_autoptr(StReply) read = st_send (f, "POST", "/paymint/read", headers, "{\"bill_id\":\"V1\"}", NULL);
  g_autoptr(StReply) cancel = NULL;

  g_assert_cmpuint (r->status, ==, 200);
  g_assert_cmpstr (st_str (r, "code"), ==, "0000");
  g_assert_cmpuint (read->status, ==, 200);
  g_assert_cmpstr (st_data_str (read, "phone"), ==, "01098765432");
  g_assert_cmpstr (st_data_str (read, "appr_price"), ==, "");
  g_assert_true (pm_sandbox_pay_bill (f->sandbox, "V1"));
  cancel = st_send (f, "POST", "/paymint/cancel", headers, "{\"bill_id\":\"V1\",\"price\":12000}",
                    NULL);
  g_assert_cmpstr (st_str (cancel, "code"), ==, "0000");
}

static void
test_request_validation (StFixture     *f,
                         gconstpointer  data)
{
  g_autofree char *ok = st_date (f->sandbox, 1);
  g_autofree char *yesterday = st_date (f->sandbox, -1);
  g_autofree char *today = st_date (f->sandbox, 0);
  g_autoptr(GString) long_product = g_string_new (NULL);
  g_autoptr(GString) long_message = g_string_new (NULL);
  g_autoptr(GString) long_name = g_string_new (NULL);
  gint64 before = pm_sandbox_get_balance (f->sandbox, PM_SANDBOX_DEMO_KEY);
  struct
  {
    const char *field;
    char       *json;
  } cases[32];
  guint n = 0;
  const char *base = "\"product_nm\":\"p\",\"message\":\"m\",\"member_nm\":\"n\","
                     "\"phone\":\"01023456789\"";

  for (int i = 0; i < 101; i++)
    g_string_append (long_product, "가");
  for (int i = 0; i < 501; i++)
    g_string_append (long_message, "m");
  for (int i = 0; i < 31; i++)
    g_string_append (long_name, "김");

#define CASE(fld, ...) \
  (cases[n].field = fld, cases[n].json = g_strdup_printf (__VA_ARGS__), n++)
  CASE ("product_nm", "{\"message\":\"m\",\"member_nm\":\"n\",\"phone\":\"01023456789\","
                      "\"price\":1000,\"expire_dt\":\"%s\"}", ok);
  CASE ("message", "{\"product_nm\":\"p\",\"member_nm\":\"n\",\"phone\":\"01023456789\","
                   "\"price\":1000,\"expire_dt\":\"%s\"}", ok);
  CASE ("member_nm", "{\"product_nm\":\"p\",\"message\":\"m\",\"phone\":\"01023456789\","
                     "\"price\":1000,\"expire_dt\":\"%s\"}", ok);
  CASE ("phone", "{\"product_nm\":\"p\",\"message\":\"m\",\"member_nm\":\"n\","
                 "\"price\":1000,\"expire_dt\":\"%s\"}", ok);
  CASE ("price", "{%s,\"expire_dt\":\"%s\"}", base, ok);
  CASE ("expire_dt", "{%s,\"price\":1000}", base);
  CASE ("price", "{%s,\"price\":\"15000\",\"expire_dt\":\"%s\"}", base, ok);
  CASE ("price", "{%s,\"price\":15000.5,\"expire_dt\":\"%s\"}", base, ok);
  CASE ("price", "{%s,\"price\":1.0e3,\"expire_dt\":\"%s\"}", base, ok);
  CASE ("price", "{%s,\"price\":0,\"expire_dt\":\"%s\"}", base, ok);
  CASE ("price", "{%s,\"price\":-5,\"expire_dt\":\"%s\"}", base, ok);
  CASE ("price", "{%s,\"price\":10000000000,\"expire_dt\":\"%s\"}", base, ok);
  CASE ("price", "{%s,\"price\":true,\"expire_dt\":\"%s\"}", base, ok);
  CASE ("expire_dt", "{%s,\"price\":1000,\"expire_dt\":\"2030/01/01\"}", base);
  CASE ("expire_dt", "{%s,\"price\":1000,\"expire_dt\":\"2030-02-30\"}", base);
  CASE ("expire_dt", "{%s,\"price\":1000,\"expire_dt\":\"%s\"}", base, yesterday);
  CASE ("expire_dt", "{%s,\"price\":1000,\"expire_dt\":20300101}", base);
  CASE ("bill_id", "{%s,\"price\":1000,\"expire_dt\":\"%s\",\"bill_id\":\"ABCDEFGHIJ0123456789X\"}",
        base, ok);
  CASE ("bill_id", "{%s,\"price\":1000,\"expire_dt\":\"%s\",\"bill_id\":\"AB-12\"}", base, ok);
  CASE ("bill_id", "{%s,\"price\":1000,\"expire_dt\":\"%s\",\"bill_id\":\"한글\"}", base, ok);
  CASE ("bill_id", "{%s,\"price\":1000,\"expire_dt\":\"%s\",\"bill_id\":12}", base, ok);
  CASE ("product_nm", "{\"product_nm\":\"%s\",\"message\":\"m\",\"member_nm\":\"n\","
                      "\"phone\":\"01023456789\",\"price\":1000,\"expire_dt\":\"%s\"}",
        long_product->str, ok);
  CASE ("message", "{\"product_nm\":\"p\",\"message\":\"%s\",\"member_nm\":\"n\","
                   "\"phone\":\"01023456789\",\"price\":1000,\"expire_dt\":\"%s\"}",
        long_message->str, ok);
  CASE ("member_nm", "{\"product_nm\":\"p\",\"message\":\"m\",\"member_nm\":\"%s\","
                     "\"phone\":\"01023456789\",\"price\":1000,\"expire_dt\":\"%s\"}",
        long_name->str, ok);
  CASE ("member_nm", "{\"product_nm\":\"p\",\"message\":\"m\",\"member_nm\":\"  \","
                     "\"phone\":\"01023456789\",\"price\":1000,\"expire_dt\":\"%s\"}", ok);
  CASE ("product_nm", "{\"product_nm\":42,\"message\":\"m\",\"member_nm\":\"n\","
                      "\"phone\":\"01023456789\",\"price\":1000,\"expire_dt\":\"%s\"}", ok);
  CASE ("phone", "{\"product_nm\":\"p\",\"message\":\"m\",\"member_nm\":\"n\","
                 "\"phone\":\"02-123-4567\",\"price\":1000,\"expire_dt\":\"%s\"}", ok);
  CASE ("phone", "{\"product_nm\":\"p\",\"message\":\"m\",\"member_nm\":\"n\","
                 "\"phone\":[\"010\"],\"price\":1000,\"expire_dt\":\"%s\"}", ok);
#undef CASE

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(StReply) r = st_post (f, "/paymint/request", cases[i].json);

      if (r->status != 400 || r->root == NULL || strstr (st_error (r), cases[i].field) == NULL)
        g_error ("case %u (%s): %u %s", i, cases[i].json, r->status, r->body);
      g_free (cases[i].json);
    }
  g_assert_cmpuint (pm_sandbox_count_bills (f->sandbox), ==, 0);
  g_assert_cmpint (pm_sandbox_get_balance (f->sandbox, PM_SANDBOX_DEMO_KEY), ==, before);

  /* the limits themselves are accepted: 100/500/30 characters, the extreme prices, today */
  g_string_truncate (long_product, strlen ("가") * 100);
  g_string_truncate (long_message, 500);
  g_string_truncate (long_name, strlen ("김") * 30);
  {
    g_autofree char *body = g_strdup_printf (
      "{\"product_nm\":\"%s\",\"message\":\"%s\",\"member_nm\":\"%s\",\"phone\":\"011-234-5678\","
      "\"price\":9999999999,\"expire_dt\":\"%s\",\"bill_id\":\"ABCDEFGHIJ0123456789\","
      "\"callbackURL\":\"https://example.invalid/cb\",\"unknown\":{\"x\":[1,2]}}",
      long_product->str, long_message->str, long_name->str, today);
    g_autoptr(StReply) r = st_post (f, "/paymint/request", body);
    g_autoptr(StReply) one = NULL;
    g_autofree char *min = g_strdup_printf ("{%s,\"price\":1,\"expire_dt\":\"%s\"}", base, ok);

    g_assert_cmpstr (st_str (r, "code"), ==, "0000");
    one = st_post (f, "/paymint/request", min);
    g_assert_cmpstr (st_str (one, "code"), ==, "0000");
  }
  g_assert_cmpuint (pm_sandbox_count_bills (f->sandbox), ==, 2);
}

static void
test_read (StFixture     *f,
           gconstpointer  data)
{
  g_autoptr(StReply) unpaid = NULL;
  g_autoptr(StReply) paid = NULL;
  g_autoptr(StReply) missing = NULL;
  g_autoptr(StReply) bad = NULL;
  static const char *const appr[] = {
    "appr_pay_type", "appr_price", "appr_dt", "appr_num", "appr_issuer", "appr_card_type",
    "appr_monthly",
  };
  const char *dt;

  st_create (f, "R1", 33000);
  unpaid = st_post (f, "/paymint/read", "{\"bill_id\":\"R1\"}");
  g_assert_cmpuint (unpaid->status, ==, 200);
  g_assert_true (json_object_get_boolean_member (st_object (unpaid), "success"));
  g_assert_cmpstr (st_data_str (unpaid, "bill_id"), ==, "R1");
  g_assert_cmpstr (st_data_str (unpaid, "appr_state"), ==, "W");
  for (guint i = 0; i < G_N_ELEMENTS (appr); i++)
    g_assert_cmpstr (st_data_str (unpaid, appr[i]), ==, "");
  g_assert_cmpint (json_object_get_int_member (st_data (unpaid), "price"), ==, 33000);

  g_assert_true (pm_sandbox_pay_bill (f->sandbox, "R1"));
  g_assert_false (pm_sandbox_pay_bill (f->sandbox, "R1"));
  paid = st_post (f, "/paymint/read", "{\"bill_id\":\"R1\"}");
  g_assert_cmpstr (st_data_str (paid, "appr_state"), ==, "F");
  g_assert_cmpstr (st_data_str (paid, "appr_price"), ==, "33000");
  g_assert_cmpstr (st_data_str (paid, "appr_monthly"), ==, "00");
  g_assert_cmpstr (st_data_str (paid, "appr_pay_type"), ==, "CARD");
  g_assert_cmpuint (strlen (st_data_str (paid, "appr_num")), >, 0);
  g_assert_cmpuint (strlen (st_data_str (paid, "appr_issuer")), >, 0);
  g_assert_cmpuint (strlen (st_data_str (paid, "appr_card_type")), >, 0);
  dt = st_data_str (paid, "appr_dt");
  g_assert_cmpuint (strlen (dt), ==, 14);
  for (const char *p = dt; *p; p++)
    g_assert_true (g_ascii_isdigit (*p));
  {
    /* Korea time: the date part is today in Seoul on the sandbox clock */
    g_autofree char *today = st_date (f->sandbox, 0);
    g_autofree char *compact = g_strdup_printf ("%.4s%.2s%.2s", today, today + 5, today + 8);

    g_assert_true (g_str_has_prefix (dt, compact));
  }

  missing = st_post (f, "/paymint/read", "{\"bill_id\":\"NOPE\"}");
  g_assert_cmpuint (missing->status, ==, 200);
  g_assert_cmpstr (st_str (missing, "code"), ==, "9980");
  bad = st_post (f, "/paymint/read", "{}");
  st_assert_error_mentions (bad, 400, "bill_id");
}

static void
test_transitions (StFixture     *f,
                  gconstpointer  data)
{
  struct
  {
    const char *path;
    const char *body;
    guint       status;
    const char *code;   /* or the field a 400 names */
    const char *state;  /* after */
  } steps[] = {
    /* W: cancel refused, resend fine, destroy needs the full price */
    { "/paymint/cancel", "{\"bill_id\":\"A\",\"price\":1000}", 400, NULL, "W" },
    { "/paymint/resend", "{\"bill_id\":\"A\"}", 200, "0000", "W" },
    { "/paymint/destroy", "{\"bill_id\":\"A\",\"price\":999}", 400, "price", "W" },
    { "/paymint/destroy", "{\"bill_id\":\"A\"}", 400, "price", "W" },
    { "/paymint/destroy", "{\"bill_id\":\"A\",\"price\":1000}", 200, "0000", "D" },
    /* D is final */
    { "/paymint/destroy", "{\"bill_id\":\"A\",\"price\":1000}", 200, "9970", "D" },
    { "/paymint/cancel", "{\"bill_id\":\"A\",\"price\":1000}", 200, "9970", "D" },
    { "/paymint/resend", "{\"bill_id\":\"A\"}", 200, "9970", "D" },
    /* B is paid below: F → destroy refused, cancel needs the full price */
    { "/paymint/destroy", "{\"bill_id\":\"B\",\"price\":2000}", 200, "9971", "F" },
    { "/paymint/resend", "{\"bill_id\":\"B\"}", 200, "9971", "F" },
    { "/paymint/cancel", "{\"bill_id\":\"B\",\"price\":1000}", 400, "price", "F" },
    { "/paymint/cancel", "{\"bill_id\":\"B\",\"price\":2000}", 200, "0000", "C" },
    /* C is final */
    { "/paymint/cancel", "{\"bill_id\":\"B\",\"price\":2000}", 200, "9970", "C" },
    { "/paymint/destroy", "{\"bill_id\":\"B\",\"price\":2000}", 200, "9970", "C" },
    { "/paymint/resend", "{\"bill_id\":\"B\"}", 200, "9970", "C" },
    /* unknown bills */
    { "/paymint/cancel", "{\"bill_id\":\"Z\",\"price\":1}", 200, "9980", NULL },
    { "/paymint/destroy", "{\"bill_id\":\"Z\",\"price\":1}", 200, "9980", NULL },
    { "/paymint/resend", "{\"bill_id\":\"Z\"}", 200, "9980", NULL },
  };

  st_create (f, "A", 1000);
  st_create (f, "B", 2000);
  g_assert_true (pm_sandbox_pay_bill (f->sandbox, "B"));

  for (guint i = 0; i < G_N_ELEMENTS (steps); i++)
    {
      g_autoptr(StReply) r = st_post (f, steps[i].path, steps[i].body);
      g_autofree char *id = g_strndup (steps[i].body + strlen ("{\"bill_id\":\""), 1);
      g_autofree char *state = pm_sandbox_dup_bill_state (f->sandbox, id);

      if (r->status != steps[i].status)
        g_error ("step %u: status %u %s", i, r->status, r->body);
      if (steps[i].status == 200)
        g_assert_cmpstr (st_str (r, "code"), ==, steps[i].code);
      else if (steps[i].code != NULL)
        st_assert_error_mentions (r, 400, steps[i].code);
      g_assert_cmpstr (state, ==, steps[i].state);
    }

  /* read reflects the final states, with the action times */
  {
    g_autoptr(StReply) a = st_post (f, "/paymint/read", "{\"bill_id\":\"A\"}");
    g_autoptr(StReply) b = st_post (f, "/paymint/read", "{\"bill_id\":\"B\"}");

    g_assert_cmpstr (st_data_str (a, "appr_state"), ==, "D");
    g_assert_cmpstr (st_data_str (a, "appr_dt"), ==, "");
    g_assert_cmpuint (strlen (st_data_str (a, "destroy_dt")), ==, 14);
    g_assert_cmpstr (st_data_str (b, "appr_state"), ==, "C");
    g_assert_cmpstr (st_data_str (b, "appr_price"), ==, "2000");
    g_assert_cmpuint (strlen (st_data_str (b, "cancel_dt")), ==, 14);
  }
}

static void
test_balance (StFixture     *f,
              gconstpointer  data)
{
  g_autofree char *body = st_bill_body (f->sandbox, "BAL2", 1000);
  g_autoptr(StReply) low = NULL;
  g_autoptr(StReply) resend = NULL;
  g_autoptr(StReply) read = NULL;
  g_autoptr(StReply) destroy = NULL;
  const char *error;

  pm_sandbox_set_fee (f->sandbox, 250);
  pm_sandbox_set_balance (f->sandbox, PM_SANDBOX_DEMO_KEY, 300);
  st_create (f, "BAL1", 1000);
  g_assert_cmpint (pm_sandbox_get_balance (f->sandbox, PM_SANDBOX_DEMO_KEY), ==, 50);

  low = st_post (f, "/paymint/request", body);
  st_assert_error_mentions (low, 402, "balance");
  error = st_error (low);
  g_assert_nonnull (strstr (error, "잔액"));
  g_assert_cmpuint (pm_sandbox_count_bills (f->sandbox), ==, 1);

  resend = st_post (f, "/paymint/resend", "{\"bill_id\":\"BAL1\"}");
  st_assert_error_mentions (resend, 402, "balance");

  /* calls that cost nothing still work */
  read = st_post (f, "/paymint/read", "{\"bill_id\":\"BAL1\"}");
  g_assert_cmpuint (read->status, ==, 200);
  destroy = st_post (f, "/paymint/destroy", "{\"bill_id\":\"BAL1\",\"price\":1000}");
  g_assert_cmpstr (st_str (destroy, "code"), ==, "0000");
  g_assert_cmpint (pm_sandbox_get_balance (f->sandbox, PM_SANDBOX_DEMO_KEY), ==, 50);
  g_assert_cmpint (pm_sandbox_get_balance (f->sandbox, "unknown-key"), ==, -1);
}

static void
test_license_402 (StFixture     *f,
                  gconstpointer  data)
{
  static const char *const paths[] = {
    "/paymint/request", "/paymint/read", "/paymint/cancel", "/paymint/destroy",
    "/paymint/resend", "/paymint/autopay/register", "/paymint/autopay/manage",
    "/paymint/autopay/request",
  };
  g_autofree char *body = st_bill_body (f->sandbox, "BASIC1", 1000);

  for (guint i = 0; i < G_N_ELEMENTS (paths); i++)
    {
      g_autoptr(StReply) r = st_post_key (f, PM_SANDBOX_BASIC_KEY, paths[i], body);
      const char *error;

      st_assert_error_mentions (r, 402, "upgrade");
      error = st_error (r);
      g_assert_null (strstr (error, "balance"));
      g_assert_null (strstr (error, "Balance"));
      g_assert_null (strstr (error, "잔액"));
    }
  {
    const char *headers[] = { "X-API-KEY", PM_SANDBOX_BASIC_KEY, "X-Paymint-MMK-Mode", "true",
                              NULL };
    g_autoptr(StReply) methods = st_send (f, "GET", "/paymint/autopay/methods?phone=01023456789",
                                          headers, NULL, NULL);
    g_autoptr(StReply) del = st_send (f, "DELETE", "/paymint/autopay/delete", headers,
                                      "{\"phone\":\"01023456789\",\"method_id\":\"X\"}", NULL);

    st_assert_error_mentions (methods, 402, "upgrade");
    st_assert_error_mentions (del, 402, "upgrade");
  }
  g_assert_cmpuint (pm_sandbox_count_bills (f->sandbox), ==, 0);
}

static void
test_auth_modes (StFixture     *f,
                 gconstpointer  data)
{
  const char *traditional[] = {
    "X-API-KEY", PM_SANDBOX_DEMO_KEY,
    "X-Paymint-Host", "https://payssam.example",
    "X-Paymint-Api-Key", "sandbox-paymint-demo",
    "X-Paymint-Member-ID", "demo-member",
    "X-Paymint-Merchant-ID", "demo-merchant",
    "X-Paymint-Business-Number", "123-45-67890",
    NULL,
  };
  const char *no_business[] = {
    "X-API-KEY", PM_SANDBOX_DEMO_KEY,
    "X-Paymint-Host", "https://payssam.example",
    "X-Paymint-Api-Key", "sandbox-paymint-demo",
    "X-Paymint-Member-ID", "demo-member",
    "X-Paymint-Merchant-ID", "demo-merchant",
    NULL,
  };
  const char *wrong_secret[] = {
    "X-API-KEY", PM_SANDBOX_DEMO_KEY,
    "X-Paymint-Host", "https://payssam.example",
    "X-Paymint-Api-Key", "guess",
    "X-Paymint-Member-ID", "demo-member",
    "X-Paymint-Merchant-ID", "demo-merchant",
    "X-Paymint-Business-Number", "1234567890",
    NULL,
  };
  const char *wrong_business[] = {
    "X-API-KEY", PM_SANDBOX_DEMO_KEY,
    "X-Paymint-Host", "https://payssam.example",
    "X-Paymint-Api-Key", "sandbox-paymint-demo",
    "X-Paymint-Member-ID", "demo-member",
    "X-Paymint-Merchant-ID", "demo-merchant",
    "X-Paymint-Business-Number", "9999999999",
    NULL,
  };
  const char *key_only[] = { "X-API-KEY", PM_SANDBOX_DEMO_KEY, NULL };
  const char *multi_2[] = {
    "X-API-KEY", PM_SANDBOX_MULTI_KEY, "X-Paymint-MMK-Mode", "true",
    "X-Paymint-Member-ID", "multi-member-2", "X-Paymint-Merchant-ID", "multi-merchant-2", NULL,
  };
  const char *multi_1[] = {
    "X-API-KEY", PM_SANDBOX_MULTI_KEY, "X-Paymint-MMK-Mode", "true",
    "X-Paymint-Member-ID", "multi-member-1", "X-Paymint-Merchant-ID", "multi-merchant-1", NULL,
  };
  const char *multi_none[] = { "X-API-KEY", PM_SANDBOX_MULTI_KEY, "X-Paymint-MMK-Mode", "true",
                               NULL };
  const char *multi_bad[] = {
    "X-API-KEY", PM_SANDBOX_MULTI_KEY, "X-Paymint-MMK-Mode", "true",
    "X-Paymint-Member-ID", "nobody", "X-Paymint-Merchant-ID", "multi-merchant-2", NULL,
  };
  const char *read_body = "{\"bill_id\":\"M2\"}";
  g_autofree char *body = st_bill_body (f->sandbox, "TR1", 1000);
  g_autofree char *m2 = st_bill_body (f->sandbox, "M2", 1000);
  g_autofree char *m1 = st_bill_body (f->sandbox, "M1", 1000);

  {
    g_autoptr(StReply) r = st_send (f, "POST", "/paymint/request", traditional, body, NULL);
    g_autoptr(StReply) read = st_post (f, "/paymint/read", "{\"bill_id\":\"TR1\"}");

    g_assert_cmpstr (st_str (r, "code"), ==, "0000");
    /* the same license in MMK mode sees it */
    g_assert_cmpstr (st_data_str (read, "appr_state"), ==, "W");
  }
  {
    g_autoptr(StReply) r = st_send (f, "POST", "/paymint/read", no_business,
                                    "{\"bill_id\":\"TR1\"}", NULL);

    st_assert_error_mentions (r, 400, "X-Paymint-Business-Number");
  }
  {
    g_autoptr(StReply) r = st_send (f, "POST", "/paymint/read", key_only,
                                    "{\"bill_id\":\"TR1\"}", NULL);

    st_assert_error_mentions (r, 400, "X-Paymint-MMK-Mode");
  }
  {
    g_autoptr(StReply) r = st_send (f, "POST", "/paymint/read", wrong_secret,
                                    "{\"bill_id\":\"TR1\"}", NULL);

    st_assert_error_mentions (r, 401, "X-Paymint-Api-Key");
    g_assert_null (strstr (r->body, "sandbox-paymint-demo"));
  }
  {
    g_autoptr(StReply) r = st_send (f, "POST", "/paymint/read", wrong_business,
                                    "{\"bill_id\":\"TR1\"}", NULL);

    st_assert_error_mentions (r, 403, "X-Paymint-Business-Number");
  }

  /* several licenses: member/merchant pick one; bills belong to their license */
  {
    g_autoptr(StReply) r = st_send (f, "POST", "/paymint/request", multi_2, m2, NULL);
    g_autoptr(StReply) as_2 = st_send (f, "POST", "/paymint/read", multi_2, read_body, NULL);
    g_autoptr(StReply) as_1 = st_send (f, "POST", "/paymint/read", multi_1, read_body, NULL);
    g_autoptr(StReply) as_none = st_send (f, "POST", "/paymint/read", multi_none, read_body, NULL);
    g_autoptr(StReply) bad = st_send (f, "POST", "/paymint/read", multi_bad, read_body, NULL);
    g_autoptr(StReply) first = st_send (f, "POST", "/paymint/request", multi_none, m1, NULL);
    g_autoptr(StReply) first_read = st_send (f, "POST", "/paymint/read", multi_1,
                                             "{\"bill_id\":\"M1\"}", NULL);
    g_autoptr(StReply) other_key = st_post (f, "/paymint/read", read_body);

    g_assert_cmpstr (st_str (r, "code"), ==, "0000");
    g_assert_cmpstr (st_data_str (as_2, "bill_id"), ==, "M2");
    g_assert_cmpstr (st_str (as_1, "code"), ==, "9980");
    /* no pick: the first license */
    g_assert_cmpstr (st_str (as_none, "code"), ==, "9980");
    st_assert_error_mentions (bad, 403, "X-Paymint-Member-ID");
    g_assert_cmpstr (st_str (first, "code"), ==, "0000");
    g_assert_cmpstr (st_data_str (first_read, "bill_id"), ==, "M1");
    g_assert_cmpstr (st_str (other_key, "code"), ==, "9980");
  }
}

static void
test_not_found_routes (StFixture     *f,
                       gconstpointer  data)
{
  g_autoptr(StReply) unknown = st_post (f, "/paymint/nothing", "{}");
  g_autoptr(StReply) outside = st_get (f, "/../index.html");
  g_autoptr(StReply) method = st_get (f, "/paymint/request");

  st_assert_error_mentions (unknown, 404, "/api/v1/paymint/nothing");
  g_assert_cmpuint (outside->status, ==, 404);
  st_assert_error_mentions (method, 405, "GET");
}

static void
test_bad_bodies (StFixture     *f,
                 gconstpointer  data)
{
  g_autoptr(GString) deep = g_string_new (NULL);
  g_autoptr(GString) huge = g_string_new ("{\"bill_id\":\"");
  g_autofree char *valid = st_bill_body (f->sandbox, "OK1", 1000);
  struct
  {
    const char *body;
    const char *type;
    guint       status;
    const char *mentions;
  } cases[] = {
    { "not json at all", NULL, 400, "JSON" },
    { "", NULL, 400, "empty" },
    { "[1,2,3]", NULL, 400, "object" },
    { "\"text\"", NULL, 400, "object" },
    { "{\"bill_id\":\"A\"", NULL, 400, "JSON" },
    { "{\"bill_id\":\"\xff\xfe\"}", NULL, 400, "UTF-8" },
    { "bill_id=A", "application/x-www-form-urlencoded", 400, "Content-Type" },
    { "{\"bill_id\":\"A\"}", "text/plain", 400, "Content-Type" },
    { NULL, NULL, 400, "nested" },
    { NULL, NULL, 413, "64 KiB" },
  };

  for (int i = 0; i < 20000; i++)
    g_string_append_c (deep, '[');
  cases[8].body = deep->str;
  while (huge->len < 70 * 1024)
    g_string_append (huge, "AAAAAAAAAAAAAAAA");
  g_string_append (huge, "\"}");
  cases[9].body = huge->str;

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(StReply) r = st_send (f, "POST", "/paymint/request", NULL, cases[i].body,
                                      cases[i].type);

      g_assert_no_error (r->error);
      if (r->status != cases[i].status)
        g_error ("case %u: %u %s", i, r->status, r->body);
      st_assert_error_mentions (r, cases[i].status, cases[i].mentions);
    }
  g_assert_cmpuint (pm_sandbox_count_bills (f->sandbox), ==, 0);
  {
    g_autoptr(StReply) r = st_post (f, "/paymint/request", valid);

    g_assert_cmpstr (st_str (r, "code"), ==, "0000");
  }
  g_assert_cmpuint (pm_sandbox_count_bills (f->sandbox), ==, 1);
}

static void
test_virtual_clock (StFixture     *f,
                    gconstpointer  data)
{
  g_autoptr(StReply) read = NULL;
  g_autoptr(StReply) pay = NULL;
  g_autoptr(StReply) resend = NULL;
  g_autofree char *today = st_date (f->sandbox, 0);
  g_autofree char *late = NULL;
  gint64 t0 = pm_sandbox_now (f->sandbox);

  /* every bill paid exactly 60 s after it is sent */
  pm_sandbox_set_payers (f->sandbox, 1.0, 60, 60, 0.0);
  st_create (f, "CLK1", 5000);
  pm_sandbox_advance (f->sandbox, 50);
  g_assert_cmpint (pm_sandbox_now (f->sandbox) - t0, >=, 50);
  read = st_post (f, "/paymint/read", "{\"bill_id\":\"CLK1\"}");
  g_assert_cmpstr (st_data_str (read, "appr_state"), ==, "W");
  g_clear_pointer (&read, st_reply_free);
  pm_sandbox_advance (f->sandbox, 15);
  read = st_post (f, "/paymint/read", "{\"bill_id\":\"CLK1\"}");
  g_assert_cmpstr (st_data_str (read, "appr_state"), ==, "F");
  g_clear_pointer (&read, st_reply_free);

  /* a payer who comes after expire_dt never pays: W stays, pay is refused */
  pm_sandbox_set_payers (f->sandbox, 1.0, 3 * 86400, 3 * 86400, 0.0);
  late = g_strdup_printf ("{\"product_nm\":\"p\",\"message\":\"m\",\"member_nm\":\"n\","
                          "\"phone\":\"01023456789\",\"price\":700,\"expire_dt\":\"%s\","
                          "\"bill_id\":\"EXP1\"}", today);
  read = st_post (f, "/paymint/request", late);
  g_assert_cmpstr (st_str (read, "code"), ==, "0000");
  g_clear_pointer (&read, st_reply_free);
  pm_sandbox_advance (f->sandbox, 4 * 86400);
  read = st_post (f, "/paymint/read", "{\"bill_id\":\"EXP1\"}");
  g_assert_cmpstr (st_data_str (read, "appr_state"), ==, "W");
  g_assert_cmpstr (st_data_str (read, "expire_dt"), ==, today);
  g_assert_false (pm_sandbox_pay_bill (f->sandbox, "EXP1"));
  pay = st_post (f, "/sandbox/pay", "{\"bill_id\":\"EXP1\"}");
  st_assert_error_mentions (pay, 400, "expire");
  resend = st_post (f, "/paymint/resend", "{\"bill_id\":\"EXP1\"}");
  st_assert_error_mentions (resend, 400, "expire_dt");
  g_clear_pointer (&read, st_reply_free);

  /* the clock over HTTP, and time scale */
  read = st_post (f, "/sandbox/clock/advance", "{\"seconds\":3600}");
  g_assert_cmpuint (read->status, ==, 200);
  g_assert_cmpint (json_object_get_int_member (st_data (read), "now"), >=, t0 + 4 * 86400 + 3600);
  {
    gint64 before;

    pm_sandbox_set_time_scale (f->sandbox, 1000.0);
    before = pm_sandbox_now (f->sandbox);
    g_usleep (50 * 1000);
    g_assert_cmpint (pm_sandbox_now (f->sandbox) - before, >=, 40);
    pm_sandbox_set_time_scale (f->sandbox, 0.0);
    before = pm_sandbox_now (f->sandbox);
    g_usleep (20 * 1000);
    g_assert_cmpint (pm_sandbox_now (f->sandbox), ==, before);
  }
}

static void
test_simulated_payers (StFixture     *f,
                       gconstpointer  data)
{
  g_autoptr(GString) first = g_string_new (NULL);

  /* Same seed, same outcome: run the same script on two sandboxes. */
  for (int round = 0; round < 2; round++)
    {
      g_autoptr(PmSandbox) sb = pm_sandbox_new ();
      g_autoptr(GString) outcome = g_string_new (NULL);
      StFixture local = { sb, f->session, NULL };
      guint paid = 0;
      g_autoptr(GError) error = NULL;

      pm_sandbox_set_seed (sb, 7);
      pm_sandbox_set_payers (sb, 0.5, 10, 100, 0.0);
      pm_sandbox_set_time_scale (sb, 0.0);
      g_assert_true (pm_sandbox_start (sb, NULL, 0, &error));
      local.base = pm_sandbox_dup_base_url (sb);
      for (int i = 0; i < 20; i++)
        {
          g_autofree char *id = g_strdup_printf ("SIM%d", i);

          st_create (&local, id, 1000 + i);
        }
      pm_sandbox_advance (sb, 101);
      for (int i = 0; i < 20; i++)
        {
          g_autofree char *id = g_strdup_printf ("SIM%d", i);
          g_autofree char *body = g_strdup_printf ("{\"bill_id\":\"%s\"}", id);
          g_autoptr(StReply) r = st_post (&local, "/paymint/read", body);

          g_string_append_printf (outcome, "%s:%s:%s ", id, st_data_str (r, "appr_state"),
                                  st_data_str (r, "appr_num"));
          paid += g_strcmp0 (st_data_str (r, "appr_state"), "F") == 0;
        }
      /* some paid, some never */
      g_assert_cmpuint (paid, >, 0);
      g_assert_cmpuint (paid, <, 20);
      if (round == 0)
        g_string_assign (first, outcome->str);
      else
        g_assert_cmpstr (outcome->str, ==, first->str);
      g_free (local.base);
      pm_sandbox_stop (sb);
    }
}

static void
test_sandbox_endpoints (StFixture     *f,
                        gconstpointer  data)
{
  const char *none[] = { NULL };
  g_autoptr(StReply) stats = NULL;
  g_autoptr(StReply) pay = NULL;
  g_autoptr(StReply) pay_again = NULL;
  g_autoptr(StReply) pay_missing = NULL;
  g_autoptr(StReply) no_key = st_send (f, "GET", "/sandbox/stats", none, NULL, NULL);
  const char *key_only[] = { "X-API-KEY", PM_SANDBOX_DEMO_KEY, NULL };

  st_assert_error_mentions (no_key, 401, "API key");
  st_create (f, "S1", 100);
  st_create (f, "S2", 200);
  pay = st_send (f, "POST", "/sandbox/pay", key_only, "{\"bill_id\":\"S1\"}", NULL);
  g_assert_cmpstr (st_str (pay, "code"), ==, "0000");
  pay_again = st_post (f, "/sandbox/pay", "{\"bill_id\":\"S1\"}");
  g_assert_cmpstr (st_str (pay_again, "code"), ==, "9971");
  pay_missing = st_post (f, "/sandbox/pay", "{\"bill_id\":\"S9\"}");
  g_assert_cmpstr (st_str (pay_missing, "code"), ==, "9980");
  stats = st_send (f, "GET", "/sandbox/stats", key_only, NULL, NULL);
  g_assert_cmpint (json_object_get_int_member (st_data (stats), "bills"), ==, 2);
  g_assert_cmpint (json_object_get_int_member (st_data (stats), "F"), ==, 1);
  g_assert_cmpint (json_object_get_int_member (st_data (stats), "W"), ==, 1);
  g_assert_cmpint (json_object_get_int_member (st_data (stats), "balance"), ==,
                   pm_sandbox_get_balance (f->sandbox, PM_SANDBOX_DEMO_KEY));
}

static void
test_keys (StFixture     *f,
           gconstpointer  data)
{
  g_autofree char *body = st_bill_body (f->sandbox, "K1", 1000);

  pm_sandbox_add_key (f->sandbox, "custom-key", PM_SANDBOX_TIER_PRO, 1000);
  pm_sandbox_add_license (f->sandbox, "custom-key", "1112223333", "Custom", "cm", "cmm", "ck");
  {
    g_autoptr(StReply) r = st_post_key (f, "custom-key", "/paymint/request", body);

    g_assert_cmpstr (st_str (r, "code"), ==, "0000");
    g_assert_cmpint (pm_sandbox_get_balance (f->sandbox, "custom-key"), ==, 900);
  }
  pm_sandbox_reset_keys (f->sandbox);
  {
    g_autoptr(StReply) r = st_post (f, "/paymint/read", "{\"bill_id\":\"K1\"}");

    st_assert_error_mentions (r, 401, "API key");
  }
  /* a key without licenses */
  pm_sandbox_add_key (f->sandbox, "bare", PM_SANDBOX_TIER_PRO, 1000);
  {
    g_autoptr(StReply) r = st_post_key (f, "bare", "/paymint/read", "{\"bill_id\":\"K1\"}");

    st_assert_error_mentions (r, 403, "license");
  }
}

int
main (int   argc,
      char *argv[])
{
  pm_test_init (&argc, &argv);

  FIX ("/sandbox/api/version-health", test_version_health);
  FIX ("/sandbox/api/licenses", test_licenses);
  FIX ("/sandbox/api/format-phone", test_format_phone);
  FIX ("/sandbox/api/request", test_request);
  FIX ("/sandbox/api/vendor-request", test_vendor_request);
  FIX ("/sandbox/api/request-validation", test_request_validation);
  FIX ("/sandbox/api/read", test_read);
  FIX ("/sandbox/api/transitions", test_transitions);
  FIX ("/sandbox/api/balance-402", test_balance);
  FIX ("/sandbox/api/license-402", test_license_402);
  FIX ("/sandbox/api/auth-modes", test_auth_modes);
  FIX ("/sandbox/api/not-found", test_not_found_routes);
  FIX ("/sandbox/api/bad-bodies", test_bad_bodies);
  FIX ("/sandbox/api/virtual-clock", test_virtual_clock);
  FIX ("/sandbox/api/simulated-payers", test_simulated_payers);
  FIX ("/sandbox/api/sandbox-endpoints", test_sandbox_endpoints);
  FIX ("/sandbox/api/keys", test_keys);

  return g_test_run ();
}
