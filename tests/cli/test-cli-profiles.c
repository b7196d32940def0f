/* test-cli-profiles.c — paymint-cli profiles in a private gnome-keyring
 *
 * Copyright 2026 The Paymint Desk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Runs under tests/keyring-session.sh. Keys go in on stdin only; no output of any
 * command may contain them.
 */

#include "config.h"

#include <glib/gstdio.h>
#include <string.h>

#include "cli-test-common.h"
#include "pm-ledger.h"
#include "pm-sandbox.h"
#include "pm-test-pg.h"
#include "pm-test-util.h"

#define SECRET_KEY "sandbox-secret-key-7f3a9c"

static void
assert_no_secret (const char *text)
{
  g_assert_null (strstr (text != NULL ? text : "", SECRET_KEY));
  g_assert_null (strstr (text != NULL ? text : "", PM_SANDBOX_DEMO_PAYMINT_API_KEY));
}

static void
test_profiles (void)
{
  g_autoptr(PmSandbox) sandbox = pm_sandbox_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *url = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *ledger = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autofree char *list = NULL;

  /* a key only this test knows, with the demo key's license */
  pm_sandbox_add_key (sandbox, SECRET_KEY, PM_SANDBOX_TIER_PRO, 1000000);
  pm_sandbox_add_license (sandbox, SECRET_KEY, PM_SANDBOX_DEMO_BUSINESS_NUMBER, "테스트 상점",
                          PM_SANDBOX_DEMO_MEMBER_ID, PM_SANDBOX_DEMO_MERCHANT_ID,
                          PM_SANDBOX_DEMO_PAYMINT_API_KEY);
  pm_sandbox_set_payers (sandbox, 0.0, 20, 180, 0.0);
  pm_sandbox_start (sandbox, NULL, 0, &error);
  g_assert_no_error (error);
  url = pm_sandbox_dup_base_url (sandbox);
  dir = g_dir_make_tmp ("pm-cli-prof-XXXXXX", &error);
  g_assert_no_error (error);
  ledger = g_build_filename (dir, "ledger.db", NULL);

  /* empty keyring */
  g_assert_cmpint (cli_test_runv (NULL, &out, &err, "profiles", NULL), ==, 0);
  g_assert_nonnull (strstr (out, "No connection profile"));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (cli_test_runv (NULL, NULL, NULL, "--ledger", ledger, "list", NULL), ==, 4);

  /* a key on the command line is refused and not echoed */
  g_assert_cmpint (cli_test_runv (NULL, &out, &err, "profiles", "add", "--name", "본점",
                                  "--url", url, SECRET_KEY, NULL), ==, 1);
  assert_no_secret (out);
  assert_no_secret (err);
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (cli_test_runv (NULL, &out, &err, "profiles", "add", "--name", "본점",
                                  "--url", url, "--api-key", SECRET_KEY, NULL), ==, 1);
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  /* a wrong key: the connection check fails (4), nothing saved, nothing printed */
  g_assert_cmpint (cli_test_runv ("wrong-" SECRET_KEY "\n", &out, &err, "--ledger", ledger,
                                  "profiles", "add", "--name", "본점", "--url", url, NULL), ==, 4);
  g_assert_null (strstr (err, "wrong-"));
  assert_no_secret (out);
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  /* the key on stdin */
  g_assert_cmpint (cli_test_runv (SECRET_KEY "\n", &out, &err, "--ledger", ledger, "profiles",
                                  "add", "--name", "본점", "--url", url, NULL), ==, 0);
  assert_no_secret (out);
  assert_no_secret (err);
  g_assert_nonnull (strstr (out, "본점"));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  /* traditional mode: two keys, one per line */
  g_assert_cmpint (cli_test_runv (SECRET_KEY "\n" PM_SANDBOX_DEMO_PAYMINT_API_KEY "\n", &out,
                                  &err, "--ledger", ledger, "profiles", "add", "--name", "지점",
                                  "--url", url, "--mode", "traditional", "--paymint-host",
                                  "api.payssam.kr", "--member-id", PM_SANDBOX_DEMO_MEMBER_ID,
                                  "--merchant-id", PM_SANDBOX_DEMO_MERCHANT_ID,
                                  "--business-number", PM_SANDBOX_DEMO_BUSINESS_NUMBER,
                                  "--no-check", NULL), ==, 0);
  assert_no_secret (out);
  assert_no_secret (err);
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  g_assert_cmpint (cli_test_runv (NULL, &list, &err, "profiles", "--json", NULL), ==, 0);
  assert_no_secret (list);
  g_assert_nonnull (strstr (list, "본점"));
  g_assert_nonnull (strstr (list, "지점"));
  g_assert_nonnull (strstr (list, "traditional"));
  g_clear_pointer (&err, g_free);

  /* several profiles, none active: the CLI asks for --profile */
  g_assert_cmpint (cli_test_runv (NULL, NULL, NULL, "--ledger", ledger, "list", NULL), ==, 1);
  g_assert_cmpint (cli_test_runv (NULL, NULL, NULL, "--ledger", ledger, "--profile", "없는곳",
                                  "list", NULL), ==, 1);

  /* use it: send with the stored profile */
  g_assert_cmpint (cli_test_runv (NULL, &out, &err, "--ledger", ledger, "--profile", "본점",
                                  "send", "--name", "홍길동", "--phone", "010-2345-6789",
                                  "--amount", "1000", "--product", "수강료", NULL), ==, 0);
  assert_no_secret (out);
  assert_no_secret (err);
  g_assert_cmpuint (pm_sandbox_count_bills (sandbox), ==, 1);
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (cli_test_runv (NULL, &out, &err, "--ledger", ledger, "--profile", "본점",
                                  "licenses", NULL), ==, 0);
  assert_no_secret (out);
  g_assert_nonnull (strstr (out, "테스트 상점"));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  /* remove */
  g_assert_cmpint (cli_test_runv (NULL, &out, &err, "profiles", "remove", "지점", NULL), ==, 0);
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (cli_test_runv (NULL, NULL, NULL, "profiles", "remove", "지점", NULL), ==, 1);
  /* one profile left: it is used without --profile */
  g_assert_cmpint (cli_test_runv (NULL, &out, &err, "--ledger", ledger, "list", NULL), ==, 0);
  g_assert_nonnull (strstr (out, "홍길동"));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (cli_test_runv (NULL, &out, &err, "profiles", "remove", "본점", NULL), ==, 0);
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (cli_test_runv (NULL, &out, &err, "profiles", NULL), ==, 0);
  g_assert_nonnull (strstr (out, "No connection profile"));

  pm_sandbox_stop (sandbox);
  g_unlink (ledger);
  {
    g_autofree char *wal = g_strconcat (ledger, "-wal", NULL);
    g_autofree char *shm = g_strconcat (ledger, "-shm", NULL);

    g_unlink (wal);
    g_unlink (shm);
  }
  g_rmdir (dir);
}

/* --shop-ledger: the address is kept with the profile, its password read like the keys
 * (stdin here), checked by connecting before anything is saved; sends then go into the
 * shop's PostgreSQL database, not a file. */
static void
test_profiles_shop_ledger (void)
{
  g_autoptr(PmSandbox) sandbox = pm_sandbox_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *url = NULL;
  g_autofree char *super_uri = NULL;
  g_autofree char *dbname = NULL;
  g_autofree char *clerk_uri = NULL;
  g_autofree char *with_password = NULL;
  g_autofree char *sql = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autoptr(PmLedger) shop = NULL;
  g_autoptr(GPtrArray) bills = NULL;
  g_autoptr(PmLedgerQuery) everything = pm_ledger_query_new ();
  PGconn *conn;

  PM_TEST_PG_REQUIRE ();

  pm_sandbox_add_key (sandbox, SECRET_KEY, PM_SANDBOX_TIER_PRO, 1000000);
  pm_sandbox_add_license (sandbox, SECRET_KEY, PM_SANDBOX_DEMO_BUSINESS_NUMBER, "테스트 상점",
                          PM_SANDBOX_DEMO_MEMBER_ID, PM_SANDBOX_DEMO_MERCHANT_ID,
                          PM_SANDBOX_DEMO_PAYMINT_API_KEY);
  pm_sandbox_set_payers (sandbox, 0.0, 20, 180, 0.0);
  pm_sandbox_start (sandbox, NULL, 0, &error);
  g_assert_no_error (error);
  url = pm_sandbox_dup_base_url (sandbox);

  /* a fresh database the clerk role owns; the clerk logs in with a password */
  super_uri = pm_test_pg_new_database ("cli_shop");
  dbname = pm_test_pg_database_name (super_uri);
  conn = pm_test_pg_connect (pm_test_pg_conninfo ());
  sql = g_strdup_printf ("ALTER DATABASE \"%s\" OWNER TO " PM_TEST_PG_CLERK_USER, dbname);
  g_free (pm_test_pg_query (conn, sql));
  g_clear_pointer (&sql, g_free);
  sql = g_strdup_printf ("GRANT ALL ON DATABASE \"%s\" TO " PM_TEST_PG_CLERK_USER, dbname);
  g_free (pm_test_pg_query (conn, sql));
  PQfinish (conn);
  clerk_uri = pm_test_pg_uri (dbname, PM_TEST_PG_CLERK_USER, NULL);

  /* a wrong password: refused, said plainly, not echoed, nothing saved */
  g_assert_cmpint (cli_test_runv (SECRET_KEY "\nwrong-pass-Zq9\n", &out, &err, "profiles", "add",
                                  "--name", "공용 장부", "--url", url, "--shop-ledger", clerk_uri,
                                  NULL), !=, 0);
  g_assert_nonnull (strstr (err, "shop ledger"));
  g_assert_nonnull (strstr (err, "refused the password"));
  g_assert_nonnull (strstr (err, "nothing was saved"));
  g_assert_null (strstr (err, "wrong-pass-Zq9"));
  g_assert_null (strstr (out, "wrong-pass-Zq9"));
  assert_no_secret (out);
  assert_no_secret (err);
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (cli_test_runv (NULL, &out, &err, "profiles", NULL), ==, 0);
  g_assert_null (strstr (out, "공용 장부"));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  /* an address that holds a password: refused before anything is asked of a server */
  with_password = pm_test_pg_uri (dbname, PM_TEST_PG_CLERK_USER, PM_TEST_PG_CLERK_PASSWORD);
  g_assert_cmpint (cli_test_runv (SECRET_KEY "\n\n", &out, &err, "profiles", "add",
                                  "--name", "공용 장부", "--url", url, "--shop-ledger",
                                  with_password, NULL), ==, 1);
  g_assert_nonnull (strstr (err, "shop_ledger"));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  /* the right password, on stdin after the key */
  g_assert_cmpint (cli_test_runv (SECRET_KEY "\n" PM_TEST_PG_CLERK_PASSWORD "\n", &out, &err,
                                  "profiles", "add", "--name", "공용 장부", "--url", url,
                                  "--shop-ledger", clerk_uri, NULL), ==, 0);
  g_assert_nonnull (strstr (out, "공용 장부"));
  g_assert_null (strstr (out, PM_TEST_PG_CLERK_PASSWORD));
  g_assert_null (strstr (err, PM_TEST_PG_CLERK_PASSWORD));
  assert_no_secret (out);
  assert_no_secret (err);
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  /* the list shows the address, never the password */
  g_assert_cmpint (cli_test_runv (NULL, &out, &err, "profiles", NULL), ==, 0);
  g_assert_nonnull (strstr (out, clerk_uri));
  g_assert_null (strstr (out, PM_TEST_PG_CLERK_PASSWORD));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (cli_test_runv (NULL, &out, &err, "profiles", "--json", NULL), ==, 0);
  g_assert_nonnull (strstr (out, "\"shop_ledger\""));
  g_assert_null (strstr (out, PM_TEST_PG_CLERK_PASSWORD));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  /* send with it (no --ledger): the bill is in the shop's database */
  g_assert_cmpint (cli_test_runv (NULL, &out, &err, "--profile", "공용 장부", "send",
                                  "--name", "박공용", "--phone", "010-3456-7890",
                                  "--amount", "2000", "--product", "수강료", NULL), ==, 0);
  g_assert_null (strstr (err, PM_TEST_PG_CLERK_PASSWORD));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  g_assert_cmpuint (pm_sandbox_count_bills (sandbox), ==, 1);

  shop = pm_ledger_new (super_uri, &error);
  g_assert_no_error (error);
  bills = pm_ledger_fetch (shop, everything, 0, G_MAXUINT, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (bills->len, ==, 1);
  g_assert_cmpstr (pm_bill_get_payer_name (g_ptr_array_index (bills, 0)), ==, "박공용");
  g_assert_cmpint (pm_bill_get_price (g_ptr_array_index (bills, 0)), ==, 2000);

  /* and list reads it from there */
  g_assert_cmpint (cli_test_runv (NULL, &out, &err, "--profile", "공용 장부", "list", NULL), ==, 0);
  g_assert_nonnull (strstr (out, "박공용"));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  g_assert_cmpint (cli_test_runv (NULL, &out, &err, "profiles", "remove", "공용 장부", NULL), ==, 0);
  g_clear_object (&shop);
  pm_sandbox_stop (sandbox);
  pm_test_pg_drop_databases ();
}

int
main (int   argc,
      char *argv[])
{
  pm_test_init (&argc, &argv);

  g_test_add_func ("/cli/profiles", test_profiles);
  g_test_add_func ("/cli/profiles/shop-ledger", test_profiles_shop_ledger);
  return g_test_run ();
}
