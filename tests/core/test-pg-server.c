/* test-pg-server.c — the private PostgreSQL server of a test run and its helpers
 *
 * Copyright 2026 The Paymint Desk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Proves the harness the shared-ledger tests stand on (build-aux/pg-server, pm-test-pg.c):
 * fresh databases, the roles, pg_trgm, and that committed data survives a SIGKILL of the
 * whole server while an open transaction does not. Kills the server: not parallel.
 */

#include "config.h"

#include "pm-test-pg.h"
#include "pm-test-util.h"

#include <gio/gio.h>
#include <string.h>

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PGconn, PQfinish)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (PGresult, PQclear)

static void
test_pg_connect (void)
{
  g_autoptr(PGconn) conn = NULL;
  g_autofree char *version = NULL;
  g_autofree char *user = NULL;
  g_autofree char *super = NULL;
  g_autofree char *fsync = NULL;
  g_autofree char *listen = NULL;

  PM_TEST_PG_REQUIRE ();

  conn = pm_test_pg_connect (pm_test_pg_conninfo ());
  version = pm_test_pg_query (conn, "SHOW server_version_num");
  g_test_message ("server_version_num %s", version);
  g_assert_cmpint (g_ascii_strtoll (version, NULL, 10), >=, 130000);

  user = pm_test_pg_query (conn, "SELECT current_user");
  g_assert_cmpstr (user, ==, "pmtest");
  super = pm_test_pg_query (conn, "SELECT rolsuper FROM pg_roles WHERE rolname = current_user");
  g_assert_cmpstr (super, ==, "t");

  /* Durability is what the crash tests check: it must not be switched off. */
  fsync = pm_test_pg_query (conn, "SHOW fsync");
  g_assert_cmpstr (fsync, ==, "on");
  /* Only the Unix socket: two runs never clash on a TCP port. */
  listen = pm_test_pg_query (conn, "SHOW listen_addresses");
  g_assert_cmpstr (listen, ==, "");
}

static void
test_pg_new_database (void)
{
  g_autofree char *uri1 = NULL;
  g_autofree char *uri2 = NULL;
  g_autofree char *name1 = NULL;
  g_autofree char *name2 = NULL;
  g_autofree char *current = NULL;
  g_autofree char *user = NULL;
  g_autofree char *sum = NULL;
  g_autofree char *other = NULL;
  g_autoptr(PGconn) conn1 = NULL;
  g_autoptr(PGconn) conn2 = NULL;

  PM_TEST_PG_REQUIRE ();

  uri1 = pm_test_pg_new_database ("Front Desk #1");
  uri2 = pm_test_pg_new_database ("Front Desk #1");
  g_test_message ("%s", uri1);
  g_assert_true (g_str_has_prefix (uri1, "postgresql:///pmt_front_desk_1_"));
  g_assert_nonnull (strstr (uri1, "?host=/"));
  g_assert_nonnull (strstr (uri1, "&user=pmtest"));
  g_assert_cmpstr (uri1, !=, uri2);

  name1 = pm_test_pg_database_name (uri1);
  name2 = pm_test_pg_database_name (uri2);
  g_assert_cmpuint (strlen (name1), <=, 63);
  g_assert_cmpstr (name1, !=, name2);

  conn1 = pm_test_pg_connect (uri1);
  current = pm_test_pg_query (conn1, "SELECT current_database()");
  g_assert_cmpstr (current, ==, name1);
  user = pm_test_pg_query (conn1, "SELECT current_user");
  g_assert_cmpstr (user, ==, "pmtest");
  g_free (pm_test_pg_query (conn1, "CREATE TABLE bill (id text PRIMARY KEY, won bigint NOT NULL)"));
  g_free (pm_test_pg_query (conn1, "INSERT INTO bill VALUES ('a', 12000), ('b', 3000000000)"));
  sum = pm_test_pg_query (conn1, "SELECT sum(won) FROM bill");
  g_assert_cmpstr (sum, ==, "3000012000");

  /* The second database is a different one: it has no such table. */
  conn2 = pm_test_pg_connect (uri2);
  other = pm_test_pg_query (conn2, "SELECT to_regclass('bill') IS NULL");
  g_assert_cmpstr (other, ==, "t");
}

static void
test_pg_drop_databases (void)
{
  g_autofree char *uri = NULL;
  g_autofree char *name = NULL;
  g_autofree char *count = NULL;
  g_autofree char *sql = NULL;
  g_autoptr(PGconn) admin = NULL;
  g_autoptr(PGconn) gone = NULL;
  g_autoptr(PGconn) open_conn = NULL;

  PM_TEST_PG_REQUIRE ();

  uri = pm_test_pg_new_database ("dropped");
  name = pm_test_pg_database_name (uri);
  /* A connection still open does not keep it alive. */
  open_conn = pm_test_pg_connect (uri);

  pm_test_pg_drop_databases ();

  admin = pm_test_pg_connect (pm_test_pg_conninfo ());
  sql = g_strdup_printf ("SELECT count(*) FROM pg_database WHERE datname = '%s'", name);
  count = pm_test_pg_query (admin, sql);
  g_assert_cmpstr (count, ==, "0");
  gone = PQconnectdb (uri);
  g_assert_cmpint (PQstatus (gone), ==, CONNECTION_BAD);
  g_assert_nonnull (strstr (PQerrorMessage (gone), "does not exist"));
}

static void
test_pg_trgm (void)
{
  g_autofree char *uri = NULL;
  g_autofree char *similar = NULL;
  g_autofree char *found = NULL;
  g_autoptr(PGconn) conn = NULL;

  PM_TEST_PG_REQUIRE ();

  uri = pm_test_pg_new_database ("trgm");
  conn = pm_test_pg_connect (uri);
  g_free (pm_test_pg_query (conn, "CREATE EXTENSION IF NOT EXISTS pg_trgm"));
  g_free (pm_test_pg_query (conn, "CREATE EXTENSION IF NOT EXISTS pg_trgm"));
  similar = pm_test_pg_query (conn, "SELECT similarity('paymint desk', 'paymint desks') > 0.5");
  g_assert_cmpstr (similar, ==, "t");

  /* A trigram index answers a LIKE '%…%' search. */
  g_free (pm_test_pg_query (conn, "CREATE TABLE payer (name text)"));
  g_free (pm_test_pg_query (conn, "CREATE INDEX payer_name_trgm ON payer "
                                  "USING gin (name gin_trgm_ops)"));
  g_free (pm_test_pg_query (conn, "INSERT INTO payer VALUES ('Kim Minsu'), ('Lee Jiwoo')"));
  found = pm_test_pg_query (conn, "SELECT name FROM payer WHERE name LIKE '%insu%'");
  g_assert_cmpstr (found, ==, "Kim Minsu");
}

static void
test_pg_clerk_password (void)
{
  g_autofree char *wrong_uri = NULL;
  g_autofree char *none_uri = NULL;
  g_autofree char *right_uri = NULL;
  g_autofree char *user = NULL;
  g_autofree char *super = NULL;
  g_autoptr(PGconn) wrong = NULL;
  g_autoptr(PGconn) none = NULL;
  g_autoptr(PGconn) right = NULL;

  PM_TEST_PG_REQUIRE ();

  wrong_uri = pm_test_pg_uri ("postgres", PM_TEST_PG_CLERK_USER, "not-the-secret");
  wrong = PQconnectdb (wrong_uri);
  g_assert_cmpint (PQstatus (wrong), ==, CONNECTION_BAD);
  g_test_message ("wrong password: %s", PQerrorMessage (wrong));
  g_assert_nonnull (strstr (PQerrorMessage (wrong),
                            "password authentication failed for user \"pmclerk\""));

  none_uri = pm_test_pg_uri ("postgres", PM_TEST_PG_CLERK_USER, NULL);
  none = PQconnectdb (none_uri);
  g_assert_cmpint (PQstatus (none), ==, CONNECTION_BAD);

  right_uri = pm_test_pg_uri ("postgres", PM_TEST_PG_CLERK_USER, PM_TEST_PG_CLERK_PASSWORD);
  right = pm_test_pg_connect (right_uri);
  user = pm_test_pg_query (right, "SELECT current_user");
  g_assert_cmpstr (user, ==, "pmclerk");
  super = pm_test_pg_query (right, "SELECT rolsuper FROM pg_roles WHERE rolname = current_user");
  g_assert_cmpstr (super, ==, "f");
}

static void
test_pg_kill_restart (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *uri = NULL;
  g_autofree char *pid_before = NULL;
  g_autofree char *pid_after = NULL;
  g_autofree char *count = NULL;
  g_autofree char *sum = NULL;
  g_autofree char *open_row = NULL;
  g_autoptr(PGconn) committed = NULL;
  g_autoptr(PGconn) in_flight = NULL;
  g_autoptr(PGconn) refused = NULL;
  g_autoptr(PGconn) after = NULL;
  g_autoptr(PGresult) res = NULL;

  PM_TEST_PG_REQUIRE ();

  uri = pm_test_pg_new_database ("crash");
  committed = pm_test_pg_connect (uri);
  g_free (pm_test_pg_query (committed, "CREATE TABLE intent (id int PRIMARY KEY, won bigint)"));
  g_free (pm_test_pg_query (committed, "INSERT INTO intent VALUES (1, 10000), (2, 25000)"));
  g_free (pm_test_pg_query (committed, "INSERT INTO intent VALUES (3, 5000)"));
  pid_before = pm_test_pg_query (committed, "SELECT pg_backend_pid()");

  /* A transaction still open when the server dies must leave nothing behind. */
  in_flight = pm_test_pg_connect (uri);
  g_free (pm_test_pg_query (in_flight, "BEGIN"));
  g_free (pm_test_pg_query (in_flight, "INSERT INTO intent VALUES (4, 99999)"));

  g_assert_true (pm_test_pg_kill (&error));
  g_assert_no_error (error);

  /* The old connection is broken, a new one is refused, the helper says so. */
  res = PQexec (committed, "SELECT count(*) FROM intent");
  g_assert_cmpint (PQresultStatus (res), !=, PGRES_TUPLES_OK);
  g_test_message ("after the kill: %s", PQerrorMessage (committed));
  refused = PQconnectdb (uri);
  g_assert_cmpint (PQstatus (refused), ==, CONNECTION_BAD);
  g_assert_false (pm_test_pg_available ());
  g_assert_nonnull (pm_test_pg_unavailable_reason ());

  g_assert_true (pm_test_pg_restart (&error));
  g_assert_no_error (error);
  g_assert_true (pm_test_pg_available ());

  /* Same data: the committed rows, not the open transaction's. */
  after = pm_test_pg_connect (uri);
  count = pm_test_pg_query (after, "SELECT count(*) FROM intent");
  g_assert_cmpstr (count, ==, "3");
  sum = pm_test_pg_query (after, "SELECT sum(won) FROM intent");
  g_assert_cmpstr (sum, ==, "40000");
  open_row = pm_test_pg_query (after, "SELECT count(*) FROM intent WHERE id = 4");
  g_assert_cmpstr (open_row, ==, "0");
  /* A new server, and it takes writes again. */
  pid_after = pm_test_pg_query (after, "SELECT pg_backend_pid()");
  g_assert_cmpstr (pid_after, !=, pid_before);
  g_free (pm_test_pg_query (after, "INSERT INTO intent VALUES (4, 1)"));
}

static void
test_pg_kill_without_server (void)
{
  g_autoptr(GError) error = NULL;
  const char *dir = g_getenv ("PM_TEST_PG_DIR");
  g_autofree char *saved = g_strdup (dir);

  PM_TEST_PG_REQUIRE ();

  /* No server directory: a clear error, nothing killed. */
  g_unsetenv ("PM_TEST_PG_DIR");
  g_assert_false (pm_test_pg_kill (&error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
  g_assert_nonnull (strstr (error->message, "PM_TEST_PG_DIR"));
  if (saved != NULL)
    g_setenv ("PM_TEST_PG_DIR", saved, TRUE);
  g_assert_true (pm_test_pg_available ());
}

int
main (int   argc,
      char *argv[])
{
  pm_test_init (&argc, &argv);
  /* Only what each test passes: no password from the environment. */
  g_unsetenv ("PGPASSWORD");
  g_unsetenv ("PGPASSFILE");

  g_test_add_func ("/pg-server/connect", test_pg_connect);
  g_test_add_func ("/pg-server/new-database", test_pg_new_database);
  g_test_add_func ("/pg-server/drop-databases", test_pg_drop_databases);
  g_test_add_func ("/pg-server/trgm", test_pg_trgm);
  g_test_add_func ("/pg-server/clerk-password", test_pg_clerk_password);
  g_test_add_func ("/pg-server/kill-without-dir", test_pg_kill_without_server);
  g_test_add_func ("/pg-server/kill-restart", test_pg_kill_restart);

  return g_test_run ();
}
