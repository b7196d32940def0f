/* pm-test-pg.h — tests against the run's private PostgreSQL server
 *
 * Copyright 2026 The Paymint Desk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * build-aux/dev test starts one server (build-aux/pg-server) and exports:
 *   PM_TEST_PG       libpq connection string of the superuser "pmtest" over the Unix
 *                    socket: "host=SOCKETDIR port=PORT user=pmtest dbname=postgres"
 *   PM_TEST_PG_DIR   the server's directory (data in PM_TEST_PG_DIR/data = PM_TEST_PG_DATA)
 *   PM_TEST_PG_CTL   build-aux/pg-server, run as "$PM_TEST_PG_CTL kill|restart $PM_TEST_PG_DIR"
 * When the server could not start, PM_TEST_PG is unset and PM_TEST_PG_SKIP_REASON says why.
 *
 * A test that needs the server starts with PM_TEST_PG_REQUIRE (); it skips when no server
 * was started for the run, and fails when one was but cannot be reached. Tests that kill
 * the server must not run in parallel with others (is_parallel: false).
 */

#pragma once

#include <glib.h>
#include <libpq-fe.h>

G_BEGIN_DECLS

/* The role "pmclerk" on every test server: a password login, for refused-password tests. */
#define PM_TEST_PG_CLERK_USER     "pmclerk"
#define PM_TEST_PG_CLERK_PASSWORD "clerk-secret"

/* TRUE when PM_TEST_PG is set and a connection to it answers now. */
gboolean    pm_test_pg_available   (void);

/* Why pm_test_pg_available() is FALSE (or NULL when it is TRUE); owned by the helper. */
const char *pm_test_pg_unavailable_reason (void);

/* Call at the top of a test: TRUE (and the test is marked skipped) when no server was
 * started for this run; the test is marked failed when PM_TEST_PG is set but the server
 * does not answer. Return from the test when it returns TRUE. */
gboolean    pm_test_pg_skip_unless_available (void);

#define PM_TEST_PG_REQUIRE() \
  G_STMT_START { if (pm_test_pg_skip_unless_available ()) return; } G_STMT_END

/* The superuser's libpq connection string to the maintenance database (PM_TEST_PG). */
const char *pm_test_pg_conninfo    (void);

/* Creates a fresh, uniquely named database (its name contains @label, lowercased, letters
 * digits and '_' only) and returns its URI:
 *   postgresql:///DBNAME?host=SOCKETDIR&port=PORT&user=pmtest
 * (values percent-encoded). The database is dropped by pm_test_pg_drop_databases() or at
 * exit (kept when PM_TEST_KEEP is set). Asserts that it was created. */
char       *pm_test_pg_new_database (const char *label);

/* The database name in a URI returned by pm_test_pg_new_database(). */
char       *pm_test_pg_database_name (const char *uri);

/* A URI like pm_test_pg_new_database()'s for @dbname as @user, with @password if not NULL. */
char       *pm_test_pg_uri         (const char *dbname,
                                    const char *user,
                                    const char *password);

/* Drops every database pm_test_pg_new_database() made (forcing off connections). */
void        pm_test_pg_drop_databases (void);

/* Connects to @conninfo (a URI or a key=value string), asserting success. */
PGconn     *pm_test_pg_connect     (const char *conninfo);

/* Runs @sql on @conn, asserting it succeeded; returns the first column of the first row
 * (newly allocated) or NULL when there is no row. */
char       *pm_test_pg_query       (PGconn     *conn,
                                    const char *sql);

/* SIGKILL the server and every one of its processes (a crash), through PM_TEST_PG_CTL;
 * returns when it is gone. */
gboolean    pm_test_pg_kill        (GError **error);

/* Start the server again on the same data (crash recovery after a kill); returns when it
 * accepts connections. */
gboolean    pm_test_pg_restart     (GError **error);

G_END_DECLS
