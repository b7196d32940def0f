/* test-sandbox-tls.c — the sandbox serving https (--tls-certificate, --tls-key)
 *
 * Copyright 2026 The Paymint Desk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Throwaway self-signed certificates for 127.0.0.1 are made with openssl at test time
 * (every test is skipped when openssl is not installed); a client trusts one through a
 * GTlsDatabase made from that file.
 */

#include "config.h"

#include "pm-test-util.h"
#include "pm-sandbox.h"
#include "pm-sandbox-private.h"

#include <gio/gunixinputstream.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>

static const char *test_root;
static char *cert_file;   /* the server's: self-signed for IP 127.0.0.1 */
static char *key_file;
static char *other_cert;  /* another self-signed one, which the server does not use */
static gboolean have_certs;

static gboolean
make_cert (const char *cert,
           const char *key)
{
  const char *argv[] = { "openssl", "req", "-x509", "-newkey", "ec",
                         "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                         "-keyout", key, "-out", cert, "-days", "2",
                         "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                         NULL };
  g_autoptr(GError) error = NULL;
  int status = 0;

  if (!g_spawn_sync (NULL, (char **) argv, NULL,
                     G_SPAWN_SEARCH_PATH | G_SPAWN_STDOUT_TO_DEV_NULL | G_SPAWN_STDERR_TO_DEV_NULL,
                     NULL, NULL, NULL, NULL, &status, &error))
    return FALSE;
  return g_spawn_check_wait_status (status, NULL);
}

static gboolean
need_certs (void)
{
  if (!have_certs)
    g_test_skip ("openssl is not installed (it makes the test certificates)");
  return have_certs;
}

static SoupSession *
session_trusting (const char *ca_file)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GTlsDatabase) database = g_tls_file_database_new (ca_file, &error);

  g_assert_no_error (error);
  return soup_session_new_with_options ("tls-database", database, "timeout", 10, NULL);
}

/* POSTs @body to @url with the demo key; returns the status (0: the transport failed,
 * then *@error says why) and the body. */
static guint
post (SoupSession  *session,
      const char   *url,
      const char   *body,
      char        **reply,
      GError      **error)
{
  g_autoptr(SoupMessage) msg = soup_message_new ("POST", url);
  g_autoptr(GBytes) request = g_bytes_new (body, strlen (body));
  g_autoptr(GBytes) bytes = NULL;

  soup_message_headers_replace (soup_message_get_request_headers (msg), "X-API-KEY",
                                PM_SANDBOX_DEMO_KEY);
  soup_message_headers_replace (soup_message_get_request_headers (msg), "X-Paymint-MMK-Mode",
                                "true");
  soup_message_set_request_body_from_bytes (msg, "application/json", request);
  bytes = soup_session_send_and_read (session, msg, NULL, error);
  if (bytes == NULL)
    return 0;
  if (reply != NULL)
    *reply = g_strndup (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
  return soup_message_get_status (msg);
}

static char *
bill_body (const char *bill_id)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  g_autoptr(GDateTime) later = g_date_time_add_days (now, 7);
  g_autofree char *expire = g_date_time_format (later, "%Y-%m-%d");

  return g_strdup_printf ("{\"product_nm\":\"수강료\",\"message\":\"안내\",\"member_nm\":\"홍길동\","
                          "\"phone\":\"010-2345-6789\",\"price\":12000,\"expire_dt\":\"%s\","
                          "\"bill_id\":\"%s\"}", expire, bill_id);
}

/* A bill is sent and read back over https by a client that trusts the certificate;
 * a client that does not, and a plain http client, get nothing. */
static void
test_requests (void)
{
  g_autoptr(PmSandbox) sandbox = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(SoupSession) trusting = NULL;
  g_autoptr(SoupSession) other = NULL;
  g_autofree char *base = NULL;
  g_autofree char *body = bill_body ("TLS1");
  g_autofree char *reply = NULL;
  g_autofree char *request_url = NULL;
  g_autofree char *read_url = NULL;
  g_autofree char *plain_url = NULL;

  if (!need_certs ())
    return;
  sandbox = pm_sandbox_new ();
  pm_sandbox_set_payers (sandbox, 0.0, 0, 0, 0.0);
  g_assert_false (pm_sandbox_http_uses_tls (sandbox));
  g_assert_true (pm_sandbox_http_set_tls_files (sandbox, cert_file, key_file, &error));
  g_assert_no_error (error);
  g_assert_true (pm_sandbox_http_uses_tls (sandbox));
  g_assert_true (pm_sandbox_start (sandbox, NULL, 0, &error));
  g_assert_no_error (error);

  base = pm_sandbox_http_dup_base_url (sandbox);
  g_assert_true (g_str_has_prefix (base, "https://127.0.0.1:"));
  g_assert_true (g_str_has_suffix (base, "/api/v1"));
  request_url = g_strconcat (base, "/paymint/request", NULL);
  read_url = g_strconcat (base, "/paymint/read", NULL);

  trusting = session_trusting (cert_file);
  g_assert_cmpuint (post (trusting, request_url, body, &reply, &error), ==, 200);
  g_assert_no_error (error);
  g_assert_nonnull (strstr (reply, "\"code\":\"0000\""));
  g_clear_pointer (&reply, g_free);
  /* the same connection again, kept alive */
  g_assert_cmpuint (post (trusting, read_url, "{\"bill_id\":\"TLS1\"}", &reply, &error), ==, 200);
  g_assert_no_error (error);
  g_assert_nonnull (strstr (reply, "\"code\":\"0000\""));
  g_assert_nonnull (strstr (reply, "\"bill_id\":\"TLS1\""));
  g_clear_pointer (&reply, g_free);
  g_assert_cmpuint (pm_sandbox_count_bills (sandbox), ==, 1);

  /* a client trusting another certificate refuses the server's */
  other = session_trusting (other_cert);
  g_assert_cmpuint (post (other, read_url, "{\"bill_id\":\"TLS1\"}", NULL, &error), ==, 0);
  g_assert_error (error, G_TLS_ERROR, G_TLS_ERROR_BAD_CERTIFICATE);
  g_clear_error (&error);

  /* plain http on the https port is not served */
  plain_url = g_strconcat ("http://", base + strlen ("https://"), "/paymint/request", NULL);
  {
    g_autofree char *body2 = bill_body ("TLS2");
    guint status = post (trusting, plain_url, body2, NULL, &error);

    g_assert_cmpuint (status, !=, 200);
    g_clear_error (&error);
  }
  g_assert_cmpuint (pm_sandbox_count_bills (sandbox), ==, 1);

  g_clear_object (&trusting);
  g_clear_object (&other);
  pm_sandbox_stop (sandbox);
  g_assert_finalize_object (g_steal_pointer (&sandbox));
}

/* The sandbox reads small flat bodies with a fast parser of its own and hands anything
 * else to json-glib: the replies must not tell which one read the body. */
static void
test_body_parsers_agree (void)
{
  g_autoptr(PmSandbox) sandbox = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(SoupSession) session = NULL;
  g_autofree char *base = NULL;
  g_autofree char *request_url = NULL;
  g_autofree char *read_url = NULL;
  g_autofree char *body = bill_body ("FAST1");
  g_autofree char *fast = NULL;
  static const char *const same_read[] = {
    "{\"bill_id\":\"FAST\\u0031\"}",                 /* an escape */
    "{\"bill_id\":\"FAST1\",\"extra\":true}",        /* a literal */
    "{\"extra\":[1],\"bill_id\":\"FAST1\"}",         /* a nested value */
    " {\n\t\"bill_id\" : \"FAST1\" , \"n\": -0 }\r\n", /* spaces, fast too */
  };
  static const char *const same_refusal[][2] = {
    { "{\"bill_id\":12}", "{\"bill_id\":1.5}" },      /* not a string */
    { "{\"bill_id\":\"\"}", "{\"bill_id\":\"\",\"x\":null}" },  /* empty */
    { "{\"bill_id\":\"BAD-ID\"}", "{\"bill_id\":\"BAD\\u002dID\"}" },
    { "{}", "{\"x\":{}}" },                               /* missing */
  };

  if (!need_certs ())
    return;
  sandbox = pm_sandbox_new ();
  pm_sandbox_set_payers (sandbox, 0.0, 0, 0, 0.0);
  g_assert_true (pm_sandbox_http_set_tls_files (sandbox, cert_file, key_file, &error));
  g_assert_true (pm_sandbox_start (sandbox, NULL, 0, &error));
  g_assert_no_error (error);
  base = pm_sandbox_http_dup_base_url (sandbox);
  request_url = g_strconcat (base, "/paymint/request", NULL);
  read_url = g_strconcat (base, "/paymint/read", NULL);
  session = session_trusting (cert_file);

  g_assert_cmpuint (post (session, request_url, body, NULL, &error), ==, 200);
  g_assert_no_error (error);
  g_assert_cmpuint (post (session, read_url, "{\"bill_id\":\"FAST1\"}", &fast, &error), ==, 200);
  g_assert_nonnull (strstr (fast, "\"price\":12000"));
  for (guint i = 0; i < G_N_ELEMENTS (same_read); i++)
    {
      g_autofree char *other = NULL;

      g_assert_cmpuint (post (session, read_url, same_read[i], &other, &error), ==, 200);
      g_assert_cmpstr (other, ==, fast);
    }
  for (guint i = 0; i < G_N_ELEMENTS (same_refusal); i++)
    {
      g_autofree char *a = NULL;
      g_autofree char *b = NULL;

      g_assert_cmpuint (post (session, read_url, same_refusal[i][0], &a, &error), ==, 400);
      g_assert_cmpuint (post (session, read_url, same_refusal[i][1], &b, &error), ==, 400);
      g_assert_cmpstr (a, ==, b);
    }
  {
    /* not JSON: json-glib's message, as before */
    g_autofree char *reply = NULL;

    g_assert_cmpuint (post (session, read_url, "{\"bill_id\":\"FAST1\",}", &reply, &error), ==,
                      400);
    g_assert_nonnull (strstr (reply, "not valid JSON"));
  }

  g_clear_object (&session);
  pm_sandbox_stop (sandbox);
  g_assert_finalize_object (g_steal_pointer (&sandbox));
}

static void
assert_refused (const char *cert,
                const char *key,
                const char *named)
{
  g_autoptr(PmSandbox) sandbox = pm_sandbox_new ();
  g_autoptr(GError) error = NULL;

  g_assert_false (pm_sandbox_http_set_tls_files (sandbox, cert, key, &error));
  g_assert_nonnull (error);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, named));
  g_assert_nonnull (strstr (error->message, named == cert ? "certificate" : "key"));
  g_assert_false (pm_sandbox_http_uses_tls (sandbox));
}

/* A missing or unusable file gets a message naming it. */
static void
test_bad_files (void)
{
  g_autofree char *missing = g_build_filename (test_root, "no-such.pem", NULL);
  g_autofree char *garbage = g_build_filename (test_root, "garbage.pem", NULL);

  if (!need_certs ())
    return;
  g_assert_true (g_file_set_contents (garbage, "this is not PEM\n", -1, NULL));
  assert_refused (missing, key_file, missing);
  assert_refused (garbage, key_file, garbage);
  /* the key given as the certificate: no certificate in it */
  assert_refused (key_file, key_file, key_file);
  assert_refused (cert_file, missing, missing);
  assert_refused (cert_file, garbage, garbage);
}

static char *
program_path (void)
{
  const char *build = g_getenv ("PM_BUILD_ROOT");

  return g_build_filename (build ? build : ".", "src", "sandbox", "paymint-sandbox", NULL);
}

/* paymint-sandbox --tls-certificate --tls-key prints an https URL and serves it; a bad
 * file stops it with a message naming the file. */
static void
test_program (void)
{
  g_autofree char *program = program_path ();
  g_autoptr(GError) error = NULL;

  if (!need_certs ())
    return;
  if (!g_file_test (program, G_FILE_TEST_IS_EXECUTABLE))
    {
      g_test_skip ("paymint-sandbox is not built");
      return;
    }
  {
    const char *argv[] = { program, "--port", "0", "--tls-certificate", cert_file,
                           "--tls-key", key_file, NULL };
    g_autoptr(GInputStream) stdout_stream = NULL;
    g_autoptr(GDataInputStream) lines = NULL;
    g_autoptr(SoupSession) session = session_trusting (cert_file);
    g_autofree char *line = NULL;
    g_autofree char *url = NULL;
    g_autofree char *reply = NULL;
    GPid pid;
    int fd, wstatus;

    g_assert_true (g_spawn_async_with_pipes (NULL, (char **) argv, NULL,
                                             G_SPAWN_DO_NOT_REAP_CHILD, NULL, NULL, &pid, NULL,
                                             &fd, NULL, &error));
    g_assert_no_error (error);
    stdout_stream = g_unix_input_stream_new (fd, TRUE);
    lines = g_data_input_stream_new (stdout_stream);
    line = g_data_input_stream_read_line_utf8 (lines, NULL, NULL, &error);
    g_assert_no_error (error);
    g_assert_nonnull (line);
    g_assert_true (g_str_has_prefix (line, "Paymint sandbox listening on https://127.0.0.1:"));
    url = g_strconcat (strstr (line, "https://"), "/paymint/read", NULL);
    g_assert_cmpuint (post (session, url, "{\"bill_id\":\"NONE\"}", &reply, &error), ==, 200);
    g_assert_no_error (error);
    g_assert_nonnull (strstr (reply, "\"code\":\"9980\""));

    kill (pid, SIGTERM);
    g_assert_cmpint (waitpid (pid, &wstatus, 0), ==, pid);
    g_spawn_close_pid (pid);
    g_assert_true (WIFEXITED (wstatus) && WEXITSTATUS (wstatus) == 0);
  }
  {
    g_autofree char *missing = g_build_filename (test_root, "missing-key.pem", NULL);
    const char *argv[] = { program, "--port", "0", "--tls-certificate", cert_file,
                           "--tls-key", missing, NULL };
    g_autofree char *err = NULL;
    int status;

    g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_STDOUT_TO_DEV_NULL, NULL,
                                 NULL, NULL, &err, &status, &error));
    g_assert_no_error (error);
    g_assert_true (WIFEXITED (status) && WEXITSTATUS (status) != 0);
    g_assert_nonnull (strstr (err, missing));
  }
  {
    const char *argv[] = { program, "--port", "0", "--tls-certificate", cert_file, NULL };
    g_autofree char *err = NULL;
    int status;

    g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_STDOUT_TO_DEV_NULL, NULL,
                                 NULL, NULL, &err, &status, &error));
    g_assert_no_error (error);
    g_assert_true (WIFEXITED (status) && WEXITSTATUS (status) != 0);
    g_assert_nonnull (strstr (err, "--tls-key"));
  }
}

int
main (int   argc,
      char *argv[])
{
  g_autofree char *other_key = NULL;
  g_autofree char *openssl = g_find_program_in_path ("openssl");
  int status;

  test_root = pm_test_init (&argc, &argv);
  cert_file = g_build_filename (test_root, "server-cert.pem", NULL);
  key_file = g_build_filename (test_root, "server-key.pem", NULL);
  other_cert = g_build_filename (test_root, "other-cert.pem", NULL);
  other_key = g_build_filename (test_root, "other-key.pem", NULL);
  if (openssl != NULL)
    {
      have_certs = make_cert (cert_file, key_file) && make_cert (other_cert, other_key);
      g_assert_true (have_certs);
    }

  g_test_add_func ("/sandbox/tls/requests", test_requests);
  g_test_add_func ("/sandbox/tls/bad-files", test_bad_files);
  g_test_add_func ("/sandbox/tls/program", test_program);
  g_test_add_func ("/sandbox/tls/body-parsers-agree", test_body_parsers_agree);

  status = g_test_run ();
  g_free (cert_file);
  g_free (key_file);
  g_free (other_cert);
  return status;
}
