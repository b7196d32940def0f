/* test-client-profile.c — connection profiles: URL normalisation, validation, JSON
 *
 * Copyright 2026 The Paymint Desk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "pm-error.h"
#include "pm-profile.h"
#include "pm-test-util.h"

#include <string.h>

static void
test_profile_urls (void)
{
  static const struct
  {
    const char  *input;
    const char  *url;   /* NULL: refused */
    PmErrorCode  code;
  } cases[] = {
    { "magic-meal-kits-xxxxx.run.app", "https://magic-meal-kits-xxxxx.run.app/api/v1", 0 },
    { "https://magic-meal-kits-xxxxx.run.app", "https://magic-meal-kits-xxxxx.run.app/api/v1", 0 },
    { "https://magic-meal-kits-xxxxx.run.app/", "https://magic-meal-kits-xxxxx.run.app/api/v1", 0 },
    { "https://magic-meal-kits-xxxxx.run.app/api/v1", "https://magic-meal-kits-xxxxx.run.app/api/v1", 0 },
    { "https://magic-meal-kits-xxxxx.run.app/api/v1/", "https://magic-meal-kits-xxxxx.run.app/api/v1", 0 },
    { "https://magic-meal-kits-xxxxx.run.app/api/v1//", "https://magic-meal-kits-xxxxx.run.app/api/v1", 0 },
    { "https://h.example/api/v1/paymint/request", "https://h.example/api/v1", 0 },
    { "  HTTPS://Host.Example:8443/  ", "https://host.example:8443/api/v1", 0 },
    { "https://host.example:443", "https://host.example/api/v1", 0 },
    { "https://host.example/prefix/", "https://host.example/prefix/api/v1", 0 },
    { "https://host.example/api/v10", "https://host.example/api/v10/api/v1", 0 },
    { "https://host.example?x=1#y", "https://host.example/api/v1", 0 },
    { "host.example:8443", "https://host.example:8443/api/v1", 0 },
    { "http://127.0.0.1:8080", "http://127.0.0.1:8080/api/v1", 0 },
    { "http://127.10.20.30:1/api/v1", "http://127.10.20.30:1/api/v1", 0 },
    { "http://localhost:9000/", "http://localhost:9000/api/v1", 0 },
    { "http://[::1]:9000", "http://[::1]:9000/api/v1", 0 },
    { "https://[2001:db8::1]/", "https://[2001:db8::1]/api/v1", 0 },
    { "http://192.0.2.1", NULL, PM_ERROR_TLS },
    { "http://magic.example.run.app/api/v1", NULL, PM_ERROR_TLS },
    { "http://128.0.0.1", NULL, PM_ERROR_TLS },
    { "http://localhost.evil.example", NULL, PM_ERROR_TLS },
    { "http://[2001:db8::1]", NULL, PM_ERROR_TLS },
    { "", NULL, PM_ERROR_INVALID },
    { "   ", NULL, PM_ERROR_INVALID },
    { "ftp://host.example", NULL, PM_ERROR_INVALID },
    { "https://", NULL, PM_ERROR_INVALID },
    { "https://user:pw@host.example", NULL, PM_ERROR_INVALID },
    { "https://host example", NULL, PM_ERROR_INVALID },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *url = NULL;

      g_test_message ("case %u: %s", i, cases[i].input);
      url = pm_profile_normalize_url (cases[i].input, &error);
      if (cases[i].url != NULL)
        {
          g_assert_no_error (error);
          g_assert_cmpstr (url, ==, cases[i].url);
        }
      else
        {
          g_assert_null (url);
          g_assert_error (error, PM_ERROR, cases[i].code);
          g_assert_cmpstr (pm_error_get_field (error), ==, "base_url");
        }
    }
  g_assert_null (pm_profile_normalize_url (NULL, NULL));
}

static void
test_profile_loopback (void)
{
  g_assert_true (pm_profile_host_is_loopback ("127.0.0.1"));
  g_assert_true (pm_profile_host_is_loopback ("127.255.0.9"));
  g_assert_true (pm_profile_host_is_loopback ("::1"));
  g_assert_true (pm_profile_host_is_loopback ("[::1]"));
  g_assert_true (pm_profile_host_is_loopback ("LocalHost"));
  g_assert_false (pm_profile_host_is_loopback ("128.0.0.1"));
  g_assert_false (pm_profile_host_is_loopback ("10.0.0.1"));
  g_assert_false (pm_profile_host_is_loopback ("localhost.example"));
  g_assert_false (pm_profile_host_is_loopback (""));
  g_assert_false (pm_profile_host_is_loopback (NULL));
}

static PmProfile *
make_mmk (void)
{
  PmProfile *p = pm_profile_new ();

  pm_profile_set_name (p, "우리 가게");
  pm_profile_set_base_url (p, "magic.example.run.app");
  pm_profile_set_api_key (p, "key-123");
  return p;
}

static PmProfile *
make_traditional (void)
{
  PmProfile *p = make_mmk ();

  pm_profile_set_mode (p, PM_PROFILE_MODE_TRADITIONAL);
  pm_profile_set_paymint_host (p, "https://paymint.example");
  pm_profile_set_paymint_api_key (p, "pk-456");
  pm_profile_set_member_id (p, "m1");
  pm_profile_set_merchant_id (p, "s1");
  pm_profile_set_business_number (p, "123-45-67890");
  return p;
}

static void
test_profile_validate (void)
{
  static const struct
  {
    gboolean    traditional;
    const char *property;
    const char *value;
    const char *field; /* NULL: valid */
  } cases[] = {
    { FALSE, "name", "", "name" },
    { FALSE, "name", "  ", "name" },
    { FALSE, "name", "a\tb", "name" },
    { FALSE, "name", "0123456789012345678901234567890123456789012345678901234567890", "name" },
    { FALSE, "base-url", "", "base_url" },
    { FALSE, "base-url", "http://192.0.2.1", "base_url" },
    { FALSE, "api-key", "", "api_key" },
    { FALSE, "api-key", "key with space", "api_key" },
    { FALSE, "api-key", "key\r\nX-Evil: 1", "api_key" },
    { FALSE, "api-key", "키", "api_key" },
    { FALSE, "member-id", "m1", "merchant_id" },
    { FALSE, "merchant-id", "s1", "member_id" },
    { FALSE, "paymint-host", "", NULL },
    { TRUE, "paymint-host", "", "paymint_host" },
    { TRUE, "paymint-api-key", "", "paymint_api_key" },
    { TRUE, "member-id", "", "member_id" },
    { TRUE, "merchant-id", "", "merchant_id" },
    { TRUE, "business-number", "", "business_number" },
    { TRUE, "business-number", "123-45-6789", "business_number" },
    { TRUE, "business-number", "123-45-678a0", "business_number" },
    { TRUE, "business-number", "1234567890", NULL },
  };

  {
    g_autoptr(PmProfile) mmk = make_mmk ();
    g_autoptr(PmProfile) trad = make_traditional ();

    g_assert_true (pm_profile_validate (mmk, NULL));
    g_assert_true (pm_profile_validate (trad, NULL));
  }

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(PmProfile) p = cases[i].traditional ? make_traditional () : make_mmk ();
      g_autoptr(GError) error = NULL;

      g_test_message ("case %u", i);
      g_object_set (p, cases[i].property, cases[i].value, NULL);
      if (cases[i].field == NULL)
        {
          g_assert_true (pm_profile_validate (p, &error));
          g_assert_no_error (error);
        }
      else
        {
          g_assert_false (pm_profile_validate (p, &error));
          g_assert_nonnull (error);
          g_assert_cmpstr (pm_error_get_field (error), ==, cases[i].field);
          /* The secret never appears in the message */
          g_assert_null (strstr (error->message, "key-123"));
        }
    }
}

static void
test_profile_json (void)
{
  g_autoptr(PmProfile) p = make_traditional ();
  g_autoptr(PmProfile) back = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *json = pm_profile_to_json (p);

  g_assert_nonnull (strstr (json, "\"mode\":\"traditional\""));
  g_assert_nonnull (strstr (json, "\"paymint_api_key\":\"pk-456\""));
  back = pm_profile_new_from_json (json, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (pm_profile_get_uuid (back), ==, pm_profile_get_uuid (p));
  g_assert_cmpstr (pm_profile_get_name (back), ==, "우리 가게");
  g_assert_cmpstr (pm_profile_get_base_url (back), ==, "magic.example.run.app");
  g_assert_cmpstr (pm_profile_get_api_key (back), ==, "key-123");
  g_assert_cmpint (pm_profile_get_mode (back), ==, PM_PROFILE_MODE_TRADITIONAL);
  g_assert_cmpstr (pm_profile_get_paymint_host (back), ==, "https://paymint.example");
  g_assert_cmpstr (pm_profile_get_paymint_api_key (back), ==, "pk-456");
  g_assert_cmpstr (pm_profile_get_member_id (back), ==, "m1");
  g_assert_cmpstr (pm_profile_get_merchant_id (back), ==, "s1");
  g_assert_cmpstr (pm_profile_get_business_number (back), ==, "123-45-67890");

  /* Unknown members are ignored; a missing mode is MMK */
  g_clear_object (&back);
  back = pm_profile_new_from_json ("{\"version\":1,\"uuid\":\"u1\",\"api_key\":\"k\",\"future\":[1]}", &error);
  g_assert_no_error (error);
  g_assert_cmpint (pm_profile_get_mode (back), ==, PM_PROFILE_MODE_MMK);
  g_assert_cmpstr (pm_profile_get_api_key (back), ==, "k");

  {
    static const char *bad[] = {
      "", "not json", "[1]", "{\"version\":1}", "{\"version\":99,\"uuid\":\"u\"}",
    };

    for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
      {
        g_autoptr(GError) e = NULL;

        g_assert_null (pm_profile_new_from_json (bad[i], &e));
        g_assert_error (e, PM_ERROR, PM_ERROR_STORAGE);
      }
  }
}

static void
test_profile_copy_and_uuid (void)
{
  g_autoptr(PmProfile) a = make_traditional ();
  g_autoptr(PmProfile) b = pm_profile_new ();
  g_autoptr(PmProfile) c = pm_profile_copy (a);

  g_assert_true (g_uuid_string_is_valid (pm_profile_get_uuid (a)));
  g_assert_cmpstr (pm_profile_get_uuid (a), !=, pm_profile_get_uuid (b));
  g_assert_cmpstr (pm_profile_get_uuid (c), ==, pm_profile_get_uuid (a));
  g_assert_cmpstr (pm_profile_get_paymint_api_key (c), ==, "pk-456");
  g_assert_cmpint (pm_profile_get_mode (c), ==, PM_PROFILE_MODE_TRADITIONAL);
  pm_profile_set_api_key (c, "changed");
  g_assert_cmpstr (pm_profile_get_api_key (a), ==, "key-123");
  g_assert_finalize_object (g_steal_pointer (&c));
}

int
main (int   argc,
      char *argv[])
{
  pm_test_init (&argc, &argv);

  g_test_add_func ("/profile/urls", test_profile_urls);
  g_test_add_func ("/profile/loopback", test_profile_loopback);
  g_test_add_func ("/profile/validate", test_profile_validate);
  g_test_add_func ("/profile/json", test_profile_json);
  g_test_add_func ("/profile/copy-and-uuid", test_profile_copy_and_uuid);

  return g_test_run ();
}
