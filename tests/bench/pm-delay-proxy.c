/* pm-delay-proxy.c — a TCP proxy that emulates a wide-area link on loopback
 *
 * Copyright 2026 The Paymint Desk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Usage: pm-delay-proxy --target HOST:PORT [--port PORT] [--delay MS]
 * Listens on 127.0.0.1:PORT (0, the default, picks a free one and prints it on its first
 * line: "delay proxy listening on 127.0.0.1:PORT"), connects every accepted connection to
 * the target, and delivers each chunk read in either direction DELAY (default 20) ms after
 * it was read, in order. A handshake pays its round trips as it would to a far server:
 * one round trip costs 2 × DELAY. The kernel completes the client's TCP handshake with the
 * proxy at once, so that round trip is charged on the client's first bytes instead: none
 * reaches the target before 2 × DELAY after the accept plus DELAY, as over a real link
 * where connect() returns after one round trip. A half-close is passed on once the data
 * before it is delivered. One thread, event-driven (GIO): reading never waits for writing, so the
 * link carries as much as loopback does, only later.
 */

#include "config.h"

#include <gio/gio.h>
#include <glib-unix.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#define CHUNK_MAX   (64 * 1024)
#define QUEUED_MAX  (8 * 1024 * 1024) /* bytes in flight one way before reading pauses */

typedef struct _Link Link;

typedef struct
{
  gint64 due;       /* monotonic µs when it may be written */
  gsize  len;
  guint8 data[];
} Chunk;

typedef struct
{
  Link          *link;
  GInputStream  *in;
  GOutputStream *out;
  GSocket       *out_socket;
  GQueue         chunks;      /* Chunk, oldest first */
  gsize          queued;      /* bytes in chunks */
  gboolean       reading;     /* a read is pending */
  gboolean       writing;     /* a write is pending */
  gboolean       eof;         /* the reading side ended */
  gboolean       shut;        /* the end was passed on */
  GSource       *timer;
  guint8         buffer[CHUNK_MAX];
} Pipe;

struct _Link
{
  int                refs;
  gboolean           closed;
  gint64             opened;   /* monotonic µs at the accept */
  GCancellable      *cancellable;
  GSocketConnection *client;
  GSocketConnection *server;
  Pipe               up;       /* client → server */
  Pipe               down;     /* server → client */
};

static gint64 delay_us = 20 * 1000;
static GSocketConnectable *target;

static void pipe_pump (Pipe *pipe);
static void pipe_read (Pipe *pipe);

static Link *
link_ref (Link *link)
{
  link->refs++;
  return link;
}

static void
pipe_clear (Pipe *pipe)
{
  if (pipe->timer != NULL)
    {
      g_source_destroy (pipe->timer);
      g_clear_pointer (&pipe->timer, g_source_unref);
    }
  g_queue_clear_full (&pipe->chunks, g_free);
  pipe->queued = 0;
}

static void
link_close (Link *link)
{
  if (link->closed)
    return;
  link->closed = TRUE;
  g_cancellable_cancel (link->cancellable);
  pipe_clear (&link->up);
  pipe_clear (&link->down);
  if (link->client != NULL)
    g_io_stream_close (G_IO_STREAM (link->client), NULL, NULL);
  if (link->server != NULL)
    g_io_stream_close (G_IO_STREAM (link->server), NULL, NULL);
}

static void
link_unref (Link *link)
{
  if (--link->refs > 0)
    return;
  link_close (link);
  g_clear_object (&link->client);
  g_clear_object (&link->server);
  g_clear_object (&link->cancellable);
  g_free (link);
}

static void
no_delay (GSocketConnection *connection)
{
  g_socket_set_option (g_socket_connection_get_socket (connection), IPPROTO_TCP, TCP_NODELAY,
                       1, NULL);
}

/* ---- writing: the oldest chunk once it is due ---- */

/* A source that fires at its ready time (µs, monotonic) and nothing else. */
static gboolean
due_dispatch (GSource     *source,
              GSourceFunc  callback,
              gpointer     user_data)
{
  return callback (user_data);
}

static GSourceFuncs due_funcs = { NULL, NULL, due_dispatch, NULL, NULL, NULL };

static gboolean
timer_cb (gpointer user_data)
{
  Pipe *pipe = user_data;

  g_clear_pointer (&pipe->timer, g_source_unref);
  pipe_pump (pipe);
  return G_SOURCE_REMOVE;
}

static void
written_cb (GObject      *object,
            GAsyncResult *result,
            gpointer      user_data)
{
  Pipe *pipe = user_data;
  Link *link = pipe->link;
  g_autoptr(GError) error = NULL;
  Chunk *chunk;

  if (!g_output_stream_write_all_finish (G_OUTPUT_STREAM (object), result, NULL, &error))
    {
      link_close (link);
      link_unref (link);
      return;
    }
  if (!link->closed)
    {
      pipe->writing = FALSE;
      chunk = g_queue_pop_head (&pipe->chunks);
      pipe->queued -= chunk->len;
      g_free (chunk);
      if (!pipe->reading && !pipe->eof && pipe->queued < QUEUED_MAX)
        pipe_read (pipe);
      pipe_pump (pipe);
    }
  link_unref (link);
}

static void
pipe_pump (Pipe *pipe)
{
  Link *link = pipe->link;
  Chunk *chunk;
  gint64 now;

  if (link->closed || pipe->writing || pipe->timer != NULL)
    return;
  chunk = g_queue_peek_head (&pipe->chunks);
  if (chunk == NULL)
    {
      if (pipe->eof && !pipe->shut)
        {
          /* everything before the end is delivered: pass the half-close on */
          pipe->shut = TRUE;
          if (!g_socket_shutdown (pipe->out_socket, FALSE, TRUE, NULL))
            link_close (link);
          else if (link->up.shut && link->down.shut)
            link_close (link);
        }
      return;
    }
  now = g_get_monotonic_time ();
  if (chunk->due > now)
    {
      pipe->timer = g_source_new (&due_funcs, sizeof (GSource));
      g_source_set_ready_time (pipe->timer, chunk->due);
      g_source_set_callback (pipe->timer, timer_cb, pipe, NULL);
      g_source_attach (pipe->timer, NULL);
      return;
    }
  pipe->writing = TRUE;
  g_output_stream_write_all_async (pipe->out, chunk->data, chunk->len, G_PRIORITY_DEFAULT,
                                   link->cancellable, written_cb, pipe);
  link_ref (link);
}

/* ---- reading: as fast as the peer sends, each chunk stamped with its due time ---- */

static void
read_cb (GObject      *object,
         GAsyncResult *result,
         gpointer      user_data)
{
  Pipe *pipe = user_data;
  Link *link = pipe->link;
  g_autoptr(GError) error = NULL;
  gssize n;

  n = g_input_stream_read_finish (G_INPUT_STREAM (object), result, &error);
  if (!link->closed)
    {
      pipe->reading = FALSE;
      if (n < 0)
        link_close (link);
      else if (n == 0)
        {
          pipe->eof = TRUE;
          pipe_pump (pipe);
        }
      else
        {
          Chunk *chunk = g_malloc (sizeof (Chunk) + (gsize) n);

          /* the client's bytes leave no earlier than its handshake would have ended */
          chunk->due = g_get_monotonic_time ();
          if (pipe == &link->up)
            chunk->due = MAX (chunk->due, link->opened + 2 * delay_us);
          chunk->due += delay_us;
          chunk->len = (gsize) n;
          memcpy (chunk->data, pipe->buffer, (gsize) n);
          g_queue_push_tail (&pipe->chunks, chunk);
          pipe->queued += (gsize) n;
          if (pipe->queued < QUEUED_MAX)
            pipe_read (pipe);
          pipe_pump (pipe);
        }
    }
  link_unref (link);
}

static void
pipe_read (Pipe *pipe)
{
  pipe->reading = TRUE;
  g_input_stream_read_async (pipe->in, pipe->buffer, sizeof pipe->buffer, G_PRIORITY_DEFAULT,
                             pipe->link->cancellable, read_cb, pipe);
  link_ref (pipe->link);
}

static void
pipe_init (Pipe              *pipe,
           Link              *link,
           GSocketConnection *from,
           GSocketConnection *to)
{
  pipe->link = link;
  pipe->in = g_io_stream_get_input_stream (G_IO_STREAM (from));
  pipe->out = g_io_stream_get_output_stream (G_IO_STREAM (to));
  pipe->out_socket = g_socket_connection_get_socket (to);
  g_queue_init (&pipe->chunks);
}

/* ---- accepting and connecting ---- */

static void
connected_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  Link *link = user_data;
  g_autoptr(GError) error = NULL;
  GSocketConnection *server;

  server = g_socket_client_connect_finish (G_SOCKET_CLIENT (object), result, &error);
  if (server == NULL)
    {
      if (!link->closed)
        g_printerr ("pm-delay-proxy: cannot connect to the target: %s\n", error->message);
      link_close (link);
      link_unref (link);
      return;
    }
  link->server = server;
  if (link->closed)
    {
      link_unref (link);
      return;
    }
  no_delay (server);
  pipe_init (&link->up, link, link->client, link->server);
  pipe_init (&link->down, link, link->server, link->client);
  pipe_read (&link->up);
  pipe_read (&link->down);
  link_unref (link);
}

static gboolean
incoming_cb (GSocketService    *service,
             GSocketConnection *connection,
             GObject           *source_object,
             gpointer           user_data)
{
  GSocketClient *client = user_data;
  Link *link = g_new0 (Link, 1);

  link->refs = 1;
  link->opened = g_get_monotonic_time ();
  link->cancellable = g_cancellable_new ();
  link->client = g_object_ref (connection);
  no_delay (connection);
  /* The connection to the target is made at once: the client's first bytes wait in the
   * pipe's queue only as long as the link delay says. */
  g_socket_client_connect_async (client, target, link->cancellable, connected_cb, link);
  return TRUE;
}

static gboolean
quit_cb (gpointer user_data)
{
  g_main_loop_quit (user_data);
  return G_SOURCE_REMOVE;
}

int
main (int   argc,
      char *argv[])
{
  static char *opt_target = NULL;
  static int opt_port = 0;
  static int opt_delay = 20;
  static const GOptionEntry entries[] = {
    { "target", 't', 0, G_OPTION_ARG_STRING, &opt_target,
      "Where to forward every connection", "HOST:PORT" },
    { "port", 'p', 0, G_OPTION_ARG_INT, &opt_port,
      "Port to listen on at 127.0.0.1; 0 picks a free one (default)", "PORT" },
    { "delay", 'd', 0, G_OPTION_ARG_INT, &opt_delay,
      "Milliseconds each chunk waits in each direction (default 20)", "MS" },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new ("— a loopback link with delay");
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocketService) service = NULL;
  g_autoptr(GSocketAddress) address = NULL;
  g_autoptr(GSocketAddress) effective = NULL;
  g_autoptr(GSocketClient) client = NULL;
  g_autoptr(GMainLoop) loop = NULL;

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("pm-delay-proxy: %s\n", error->message);
      return 2;
    }
  if (opt_target == NULL || opt_port < 0 || opt_port > 65535 || opt_delay < 0)
    {
      g_printerr ("pm-delay-proxy: give --target HOST:PORT, a --port from 0 to 65535 and a "
                  "--delay of 0 ms or more\n");
      return 2;
    }
  target = g_network_address_parse (opt_target, 0, &error);
  if (target == NULL)
    {
      g_printerr ("pm-delay-proxy: --target %s: %s\n", opt_target, error->message);
      return 2;
    }
  delay_us = (gint64) opt_delay * 1000;

  service = g_socket_service_new ();
  g_socket_listener_set_backlog (G_SOCKET_LISTENER (service), 1024);
  address = g_inet_socket_address_new_from_string ("127.0.0.1", (guint) opt_port);
  if (!g_socket_listener_add_address (G_SOCKET_LISTENER (service), address,
                                      G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, NULL,
                                      &effective, &error))
    {
      g_printerr ("pm-delay-proxy: cannot listen on 127.0.0.1 port %d: %s\n", opt_port,
                  error->message);
      return 1;
    }
  client = g_socket_client_new ();
  g_signal_connect (service, "incoming", G_CALLBACK (incoming_cb), client);
  g_socket_service_start (service);

  g_print ("delay proxy listening on 127.0.0.1:%u, forwarding to %s, %d ms each way\n",
           g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (effective)), opt_target,
           opt_delay);
  fflush (stdout);

  loop = g_main_loop_new (NULL, FALSE);
  g_unix_signal_add (SIGINT, quit_cb, loop);
  g_unix_signal_add (SIGTERM, quit_cb, loop);
  g_main_loop_run (loop);
  g_socket_service_stop (service);
  g_clear_object (&target);
  return 0;
}
