/* pm-bare-soup-server.c — the ceiling of libsoup's server on this machine
 *
 * Copyright 2026 The Paymint Desk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Usage: pm-bare-soup-server [--port PORT] [--threads N]
 * Answers every request with 200 and a fixed small JSON body (the size of a sandbox
 * read reply), doing nothing else: no routing, no parsing, no lock. Built like the
 * sandbox's HTTP front so the two compare fairly: N threads (default the sandbox's, two
 * per processor from 2 to 8, or $PM_SANDBOX_WORKERS), each with its own GMainContext and
 * SoupServer, all listening on one loopback port through SO_REUSEPORT, TCP_NODELAY.
 * Prints "bare libsoup server listening on http://127.0.0.1:PORT (N threads)".
 */

#include "config.h"

#include <errno.h>
#include <glib-unix.h>
#include <libsoup/soup.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

/* The sandbox's read reply of an unpaid bill, byte for byte as bench-sandbox-read.sh
 * reads it (423 bytes). */
static const char reply[] =
  "{\"success\":true,\"code\":\"0000\",\"msg\":\"success\",\"data\":{\"bill_id\":\"BENCH7\","
  "\"appr_state\":\"W\",\"appr_pay_type\":\"\",\"appr_price\":\"\",\"appr_dt\":\"\","
  "\"appr_num\":\"\",\"appr_issuer\":\"\",\"appr_card_type\":\"\",\"appr_monthly\":\"\","
  "\"product_nm\":\"벤치마크\",\"message\":\"bench\",\"member_nm\":\"홍길동\","
  "\"phone\":\"01023456789\",\"price\":7000,\"expire_dt\":\"2026-12-13\","
  "\"shortURL\":\"https://sandbox.payssam.invalid/b/BENCH7\",\"cancel_dt\":\"\","
  "\"destroy_dt\":\"\"}}";

typedef struct
{
  GThread      *thread;
  GMainContext *context;
  GMainLoop    *loop;
  guint         port;
  gboolean      ready;
  GError       *error;
} Worker;

static GMutex lock;
static GCond cond;
static guint port;

static void
handler_cb (SoupServer        *server,
            SoupServerMessage *msg,
            const char        *path,
            GHashTable        *query,
            gpointer           user_data)
{
  soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
  soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_STATIC, reply,
                                    sizeof reply - 1);
}

static gboolean
listen_on (SoupServer  *server,
           guint       *port_out,
           GError     **error)
{
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new_from_string ("127.0.0.1", port);
  g_autoptr(GSocketAddress) local = NULL;
  g_autoptr(GSocket) socket = NULL;
  struct sockaddr_storage native;

  socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP,
                         error);
  if (socket == NULL
      || !g_socket_set_option (socket, SOL_SOCKET, SO_REUSEPORT, 1, error)
      || !g_socket_set_option (socket, SOL_SOCKET, SO_REUSEADDR, 1, error)
      || !g_socket_set_option (socket, IPPROTO_TCP, TCP_NODELAY, 1, error)
      || !g_socket_address_to_native (address, &native, sizeof native, error))
    return FALSE;
  if (bind (g_socket_get_fd (socket), (struct sockaddr *) &native,
            (socklen_t) g_socket_address_get_native_size (address)) != 0)
    {
      int errsv = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errsv), "bind: %s",
                   g_strerror (errsv));
      return FALSE;
    }
  g_socket_set_listen_backlog (socket, 1024);
  if (!g_socket_listen (socket, error) || !soup_server_listen_socket (server, socket, 0, error))
    return FALSE;
  local = g_socket_get_local_address (socket, error);
  if (local == NULL)
    return FALSE;
  *port_out = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (local));
  return TRUE;
}

static gboolean
quit_cb (gpointer user_data)
{
  g_main_loop_quit (user_data);
  return G_SOURCE_REMOVE;
}

static gpointer
worker_thread (gpointer user_data)
{
  Worker *worker = user_data;
  g_autoptr(SoupServer) server = NULL;
  GError *error = NULL;
  gboolean ok;

  g_main_context_push_thread_default (worker->context);
  server = soup_server_new ("server-header", "bare ", NULL);
  soup_server_add_handler (server, NULL, handler_cb, NULL, NULL);
  ok = listen_on (server, &worker->port, &error);

  g_mutex_lock (&lock);
  worker->error = error;
  worker->ready = TRUE;
  g_cond_broadcast (&cond);
  g_mutex_unlock (&lock);

  if (ok)
    g_main_loop_run (worker->loop);
  g_main_context_pop_thread_default (worker->context);
  return NULL;
}

int
main (int   argc,
      char *argv[])
{
  static int opt_port = 0;
  static int opt_threads = 0;
  static const GOptionEntry entries[] = {
    { "port", 'p', 0, G_OPTION_ARG_INT, &opt_port,
      "Port at 127.0.0.1; 0 picks a free one (default)", "PORT" },
    { "threads", 't', 0, G_OPTION_ARG_INT, &opt_threads,
      "Server threads (default as the sandbox: $PM_SANDBOX_WORKERS, else two per processor, "
      "2 to 8)", "N" },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new ("— answer every request with a "
                                                            "fixed JSON body");
  g_autoptr(GError) error = NULL;
  g_autoptr(GMainLoop) loop = NULL;
  const char *env = g_getenv ("PM_SANDBOX_WORKERS");
  guint n;

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("pm-bare-soup-server: %s\n", error->message);
      return 2;
    }
  if (opt_port < 0 || opt_port > 65535 || opt_threads < 0 || opt_threads > 16)
    {
      g_printerr ("pm-bare-soup-server: --port must be from 0 to 65535, --threads from 1 to 16\n");
      return 2;
    }
  n = CLAMP (2 * g_get_num_processors (), 2, 8);
  if (env != NULL && g_ascii_strtoull (env, NULL, 10) > 0)
    n = (guint) MIN (g_ascii_strtoull (env, NULL, 10), 16);
  if (opt_threads > 0)
    n = (guint) opt_threads;

  port = (guint) opt_port;
  for (guint i = 0; i < n; i++)
    {
      Worker *worker = g_new0 (Worker, 1);

      worker->context = g_main_context_new ();
      worker->loop = g_main_loop_new (worker->context, FALSE);
      worker->thread = g_thread_new ("bare-soup", worker_thread, worker);
      g_mutex_lock (&lock);
      while (!worker->ready)
        g_cond_wait (&cond, &lock);
      g_mutex_unlock (&lock);
      if (worker->error != NULL)
        {
          g_printerr ("pm-bare-soup-server: cannot listen on 127.0.0.1 port %u: %s\n", port,
                      worker->error->message);
          return 1;
        }
      port = worker->port; /* the others join the first one's port */
    }
  g_print ("bare libsoup server listening on http://127.0.0.1:%u (%u threads)\n", port, n);
  fflush (stdout);

  /* Runs until killed; the threads go with the process. */
  loop = g_main_loop_new (NULL, FALSE);
  g_unix_signal_add (SIGINT, quit_cb, loop);
  g_unix_signal_add (SIGTERM, quit_cb, loop);
  g_main_loop_run (loop);
  return 0;
}
