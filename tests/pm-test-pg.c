/* pm-test-pg.c — tests against the run's private PostgreSQL server
 *
 * Copyright 2026 The Paymint Desk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "pm-test-pg.h"

#include <gio/gio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Seconds libpq waits for the server before it gives up. */
#define CONNECT_TIMEOUT "10"

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PGconn, PQfinish)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (PGresult, PQclear)

static GMutex lock;
static GPtrArray *created;  /* database names made by pm_test_pg_new_database() */
static char *unavailable_reason;
static guint counter;

const char *
pm_test_pg_conninfo (void)
{
  const char *conninfo = g_getenv ("PM_TEST_PG");

  return conninfo != NULL && *conninfo != '\0' ? conninfo : NULL;
}

/* A connection to the maintenance database that gives up after CONNECT_TIMEOUT. */
static PGconn *
connect_maintenance (void)
{
  const char *keywords[] = { "dbname", "connect_timeout", NULL };
  const char *values[] = { pm_test_pg_conninfo (), CONNECT_TIMEOUT, NULL };

  if (values[0] == NULL)
    return NULL;
  return PQconnectdbParams (keywords, values, 1);
}

static void
set_reason (char *reason)
{
  g_mutex_lock (&lock);
  g_free (unavailable_reason);
  unavailable_reason = reason;
  g_mutex_unlock (&lock);
}

gboolean
pm_test_pg_available (void)
{
  g_autoptr(PGconn) conn = NULL;
  g_autoptr(PGresult) res = NULL;

  if (pm_test_pg_conninfo () == NULL)
    {
      const char *why = g_getenv ("PM_TEST_PG_SKIP_REASON");

      set_reason (g_strdup_printf ("no PostgreSQL server for this run: %s",
                                   why != NULL && *why != '\0'
                                   ? why
                                   : "PM_TEST_PG is not set (build-aux/dev test starts one; "
                                     "or run build-aux/pg-server start DIR and export "
                                     "PM_TEST_PG=\"$(build-aux/pg-server uri DIR)\")"));
      return FALSE;
    }

  conn = connect_maintenance ();
  if (PQstatus (conn) != CONNECTION_OK)
    {
      set_reason (g_strdup_printf ("PostgreSQL at \"%s\" does not answer: %s",
                                   pm_test_pg_conninfo (),
                                   g_strchomp (g_strdup (PQerrorMessage (conn)))));
      return FALSE;
    }
  res = PQexec (conn, "SELECT 1");
  if (PQresultStatus (res) != PGRES_TUPLES_OK)
    {
      set_reason (g_strdup_printf ("PostgreSQL at \"%s\" fails a query: %s",
                                   pm_test_pg_conninfo (),
                                   g_strchomp (g_strdup (PQerrorMessage (conn)))));
      return FALSE;
    }
  set_reason (NULL);
  return TRUE;
}

const char *
pm_test_pg_unavailable_reason (void)
{
  return unavailable_reason;
}

gboolean
pm_test_pg_skip_unless_available (void)
{
  if (pm_test_pg_available ())
    return FALSE;

  /* No server was started: skip. One was, and it is gone: that is a failure. */
  if (pm_test_pg_conninfo () == NULL)
    g_test_skip (pm_test_pg_unavailable_reason ());
  else
    g_test_fail_printf ("%s", pm_test_pg_unavailable_reason ());
  return TRUE;
}

/* The value of @keyword in the libpq connection string or URI @conninfo, or NULL. */
static char *
conninfo_get (const char *conninfo,
              const char *keyword)
{
  PQconninfoOption *options;
  char *errmsg = NULL;
  char *value = NULL;

  options = PQconninfoParse (conninfo, &errmsg);
  if (options == NULL)
    {
      g_test_message ("cannot parse the connection string \"%s\": %s",
                      conninfo, errmsg != NULL ? errmsg : "out of memory");
      PQfreemem (errmsg);
      return NULL;
    }
  for (PQconninfoOption *o = options; o->keyword != NULL; o++)
    {
      if (g_str_equal (o->keyword, keyword) && o->val != NULL && *o->val != '\0')
        {
          value = g_strdup (o->val);
          break;
        }
    }
  PQconninfoFree (options);
  return value;
}

char *
pm_test_pg_uri (const char *dbname,
                const char *user,
                const char *password)
{
  const char *conninfo = pm_test_pg_conninfo ();
  g_autofree char *host = NULL;
  g_autofree char *port = NULL;
  g_autofree char *e_db = NULL;
  g_autofree char *e_user = NULL;
  g_autofree char *own_user = NULL;
  GString *uri;

  g_return_val_if_fail (dbname != NULL, NULL);
  g_return_val_if_fail (conninfo != NULL, NULL);

  host = conninfo_get (conninfo, "host");
  port = conninfo_get (conninfo, "port");
  if (user == NULL)
    {
      own_user = conninfo_get (conninfo, "user");
      user = own_user != NULL ? own_user : "pmtest";
    }

  e_db = g_uri_escape_string (dbname, NULL, FALSE);
  e_user = g_uri_escape_string (user, NULL, FALSE);
  uri = g_string_new ("postgresql:///");
  g_string_append (uri, e_db);
  g_string_append_c (uri, '?');
  if (host != NULL)
    {
      g_autofree char *e_host = g_uri_escape_string (host, "/", FALSE);

      g_string_append_printf (uri, "host=%s&", e_host);
    }
  if (port != NULL)
    g_string_append_printf (uri, "port=%s&", port);
  g_string_append_printf (uri, "user=%s", e_user);
  if (password != NULL)
    {
      g_autofree char *e_password = g_uri_escape_string (password, NULL, FALSE);

      g_string_append_printf (uri, "&password=%s", e_password);
    }
  return g_string_free (uri, FALSE);
}

char *
pm_test_pg_database_name (const char *uri)
{
  g_return_val_if_fail (uri != NULL, NULL);
  return conninfo_get (uri, "dbname");
}

static void
drop_at_exit (void)
{
  if (g_getenv ("PM_TEST_KEEP") == NULL)
    pm_test_pg_drop_databases ();
}

/* "pmt_" LABEL "_" PID "_" N "_" RANDOM: lowercase letters, digits and '_', at most 63
 * bytes (PostgreSQL's limit), unique across the processes of a run. */
static char *
make_name (const char *label)
{
  GString *name = g_string_new ("pmt_");
  guint n;

  for (const char *p = label != NULL ? label : ""; *p != '\0' && name->len < 4 + 28; p++)
    {
      if (g_ascii_isalnum (*p))
        g_string_append_c (name, g_ascii_tolower (*p));
      else if (name->len > 4 && name->str[name->len - 1] != '_')
        g_string_append_c (name, '_');
    }
  g_mutex_lock (&lock);
  n = ++counter;
  g_mutex_unlock (&lock);
  g_string_append_printf (name, "_%d_%u_%06x", (int) getpid (), n,
                          (guint) g_random_int_range (0, 0xffffff));
  return g_string_free (name, FALSE);
}

char *
pm_test_pg_new_database (const char *label)
{
  static gsize registered;
  g_autoptr(PGconn) conn = NULL;
  g_autoptr(PGresult) res = NULL;
  g_autofree char *name = make_name (label);
  g_autofree char *sql = NULL;
  char *quoted;

  g_assert_nonnull (pm_test_pg_conninfo ());
  conn = connect_maintenance ();
  if (PQstatus (conn) != CONNECTION_OK)
    g_error ("cannot create a test database: PostgreSQL at \"%s\" does not answer: %s",
             pm_test_pg_conninfo (), PQerrorMessage (conn));

  quoted = PQescapeIdentifier (conn, name, strlen (name));
  g_assert_nonnull (quoted);
  sql = g_strdup_printf ("CREATE DATABASE %s ENCODING 'UTF8' TEMPLATE template0", quoted);
  PQfreemem (quoted);
  res = PQexec (conn, sql);
  if (PQresultStatus (res) != PGRES_COMMAND_OK)
    g_error ("%s: %s", sql, PQerrorMessage (conn));

  g_mutex_lock (&lock);
  if (created == NULL)
    created = g_ptr_array_new_with_free_func (g_free);
  g_ptr_array_add (created, g_strdup (name));
  g_mutex_unlock (&lock);
  if (g_once_init_enter (&registered))
    {
      atexit (drop_at_exit);
      g_once_init_leave (&registered, 1);
    }

  return pm_test_pg_uri (name, NULL, NULL);
}

void
pm_test_pg_drop_databases (void)
{
  g_autoptr(GPtrArray) names = NULL;
  g_autoptr(PGconn) conn = NULL;

  g_mutex_lock (&lock);
  names = g_steal_pointer (&created);
  g_mutex_unlock (&lock);
  if (names == NULL || names->len == 0)
    return;

  conn = connect_maintenance ();
  if (PQstatus (conn) != CONNECTION_OK)
    {
      g_test_message ("cannot drop %u test databases: %s", names->len, PQerrorMessage (conn));
      return;
    }
  for (guint i = 0; i < names->len; i++)
    {
      const char *name = g_ptr_array_index (names, i);
      g_autoptr(PGresult) res = NULL;
      g_autofree char *sql = NULL;
      char *quoted = PQescapeIdentifier (conn, name, strlen (name));

      sql = g_strdup_printf ("DROP DATABASE IF EXISTS %s WITH (FORCE)", quoted);
      PQfreemem (quoted);
      res = PQexec (conn, sql);
      if (PQresultStatus (res) != PGRES_COMMAND_OK)
        g_test_message ("%s: %s", sql, PQerrorMessage (conn));
    }
}

/* Server notices ("already exists, skipping") go to the test log, not to stderr. */
static void
notice_cb (void       *data,
           const char *message)
{
  g_autofree char *line = g_strchomp (g_strdup (message));

  g_test_message ("server: %s", line);
}

PGconn *
pm_test_pg_connect (const char *conninfo)
{
  PGconn *conn;

  g_return_val_if_fail (conninfo != NULL, NULL);

  conn = PQconnectdb (conninfo);
  if (PQstatus (conn) != CONNECTION_OK)
    g_error ("cannot connect to %s: %s", conninfo, PQerrorMessage (conn));
  PQsetNoticeProcessor (conn, notice_cb, NULL);
  return conn;
}

char *
pm_test_pg_query (PGconn     *conn,
                  const char *sql)
{
  g_autoptr(PGresult) res = NULL;
  ExecStatusType status;

  g_return_val_if_fail (conn != NULL, NULL);
  g_return_val_if_fail (sql != NULL, NULL);

  res = PQexec (conn, sql);
  status = PQresultStatus (res);
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK)
    g_error ("%s: %s", sql, PQerrorMessage (conn));
  if (status == PGRES_TUPLES_OK && PQntuples (res) > 0 && PQnfields (res) > 0
      && !PQgetisnull (res, 0, 0))
    return g_strdup (PQgetvalue (res, 0, 0));
  return NULL;
}

/* Runs "$PM_TEST_PG_CTL VERB $PM_TEST_PG_DIR". */
static gboolean
run_ctl (const char  *verb,
         GError     **error)
{
  const char *ctl = g_getenv ("PM_TEST_PG_CTL");
  const char *dir = g_getenv ("PM_TEST_PG_DIR");
  g_autofree char *fallback = NULL;
  g_auto(GStrv) ctl_argv = NULL;
  g_autoptr(GStrvBuilder) builder = NULL;
  g_auto(GStrv) argv = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  int wait_status = 0;

  if (dir == NULL || *dir == '\0')
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                   "cannot %s the PostgreSQL server: PM_TEST_PG_DIR is not set", verb);
      return FALSE;
    }
  if (ctl == NULL || *ctl == '\0')
    {
      const char *root = g_getenv ("PM_SOURCE_ROOT");

      if (root == NULL)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                       "cannot %s the PostgreSQL server: PM_TEST_PG_CTL is not set", verb);
          return FALSE;
        }
      ctl = fallback = g_build_filename (root, "build-aux", "pg-server", NULL);
    }
  if (!g_shell_parse_argv (ctl, NULL, &ctl_argv, error))
    {
      g_prefix_error (error, "PM_TEST_PG_CTL \"%s\": ", ctl);
      return FALSE;
    }

  builder = g_strv_builder_new ();
  g_strv_builder_addv (builder, (const char **) ctl_argv);
  g_strv_builder_add (builder, verb);
  g_strv_builder_add (builder, dir);
  argv = g_strv_builder_end (builder);

  if (!g_spawn_sync (NULL, argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL,
                     &out, &err, &wait_status, error))
    {
      g_prefix_error (error, "cannot %s the PostgreSQL server: ", verb);
      return FALSE;
    }
  g_test_message ("pg-server %s: %s", verb, g_strchomp (err));
  if (!g_spawn_check_wait_status (wait_status, error))
    {
      g_prefix_error (error, "%s %s %s: %s: ", ctl, verb, dir, err);
      return FALSE;
    }
  return TRUE;
}

gboolean
pm_test_pg_kill (GError **error)
{
  return run_ctl ("kill", error);
}

gboolean
pm_test_pg_restart (GError **error)
{
  return run_ctl ("restart", error);
}
