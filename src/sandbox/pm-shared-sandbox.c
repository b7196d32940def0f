/* pm-shared-sandbox.c — one sandbox per user, shared by the app and the CLI
 *
 * Copyright 2026 The Paymint Desk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The protocol is described in pm-shared-sandbox.h. In short: users register a file in
 * the runtime folder before they look for the address; the server withdraws the address
 * before it looks at the users one last time. So a user either is seen by the server
 * (which then stays) or finds no address (and starts a server, which waits for the state
 * file's lock or takes over).
 */

#include "config.h"

#include "pm-shared-sandbox.h"

#include <errno.h>
#include <fcntl.h>
#include <gio/gunixinputstream.h>
#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <libsoup/soup.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define SCAN_INTERVAL_MS 500
#define JOIN_TIMEOUT_S   15
#define HEALTH_TIMEOUT_S 2
#define LOG_MAX_BYTES    (256 * 1024)

#define LISTENING_PREFIX "Paymint sandbox listening on "

struct _PmSharedSandbox
{
  GObject  parent_instance;

  char    *base_url;
  GPid     server_pid;
  gboolean started;
};

G_DEFINE_FINAL_TYPE (PmSharedSandbox, pm_shared_sandbox, G_TYPE_OBJECT)

/* This process is one user however many PmSharedSandbox it holds: its users file goes
 * with the last of them. */
G_LOCK_DEFINE_STATIC (joined);
static guint n_joined;

/* ---- paths ---- */

char *
pm_shared_sandbox_dup_runtime_dir (void)
{
  return g_build_filename (g_get_user_runtime_dir (), "paymint-desk", NULL);
}

char *
pm_shared_sandbox_dup_address_path (void)
{
  return g_build_filename (g_get_user_runtime_dir (), "paymint-desk", "sandbox.json", NULL);
}

char *
pm_shared_sandbox_dup_state_path (void)
{
  return g_build_filename (g_get_user_data_dir (), "paymint-desk", "sandbox-state.json", NULL);
}

static char *
dup_users_dir (void)
{
  return g_build_filename (g_get_user_runtime_dir (), "paymint-desk", "sandbox-users", NULL);
}

static char *
dup_user_file (GPid pid)
{
  g_autofree char *dir = dup_users_dir ();
  g_autofree char *name = g_strdup_printf ("%d", (int) pid);

  return g_build_filename (dir, name, NULL);
}

static gboolean
make_dir (const char  *dir,
          GError     **error)
{
  if (g_mkdir_with_parents (dir, 0700) == 0)
    return TRUE;
  {
    int errsv = errno;

    g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errsv),
                 _("The folder for the sandbox, “%s”, cannot be created: %s"), dir,
                 g_strerror (errsv));
  }
  return FALSE;
}

/* ---- processes ---- */

/* A process's state letter and start time (clock ticks after boot) from /proc: FALSE
 * when there is no such process. */
static gboolean
read_proc_stat (GPid     pid,
                char    *state,
                guint64 *start_time)
{
  g_autofree char *path = g_strdup_printf ("/proc/%d/stat", (int) pid);
  g_autofree char *contents = NULL;
  g_auto(GStrv) fields = NULL;
  const char *rest;

  if (!g_file_get_contents (path, &contents, NULL, NULL))
    return FALSE;
  /* "pid (comm) S ppid …": the command may hold spaces and parentheses */
  rest = strrchr (contents, ')');
  if (rest == NULL)
    return FALSE;
  fields = g_strsplit_set (g_strstrip ((char *) rest + 1), " ", -1);
  /* fields[0] is field 3 of proc(5), the state; the start time is field 22 */
  if (g_strv_length (fields) < 20)
    return FALSE;
  *state = fields[0][0];
  if (!g_ascii_string_to_unsigned (fields[19], 10, 0, G_MAXUINT64, start_time, NULL))
    *start_time = 0;
  return TRUE;
}

/* Whether the process that registered as @pid with @start_time (0: unknown) still runs. */
static gboolean
user_alive (GPid    pid,
            guint64 start_time)
{
  guint64 now_start = 0;
  char state = '?';

  if (pid <= 0)
    return FALSE;
  if (kill (pid, 0) != 0 && errno != EPERM)
    return FALSE;
  if (!read_proc_stat (pid, &state, &now_start))
    return TRUE; /* no /proc: kill() has spoken */
  if (state == 'Z' || state == 'X')
    return FALSE; /* dead, not yet reaped */
  /* the id was given to another process since */
  return start_time == 0 || now_start == 0 || now_start == start_time;
}

static guint64
own_start_time (void)
{
  guint64 start = 0;
  char state;

  read_proc_stat (getpid (), &state, &start);
  return start;
}

/* ---- users ---- */

static gboolean
register_user (GError **error)
{
  g_autofree char *dir = dup_users_dir ();
  g_autofree char *file = NULL;
  g_autofree char *contents = NULL;
  gboolean ok = TRUE;

  G_LOCK (joined);
  if (n_joined == 0)
    {
      file = dup_user_file (getpid ());
      contents = g_strdup_printf ("%" G_GUINT64_FORMAT "\n", own_start_time ());
      ok = make_dir (dir, error)
           && g_file_set_contents_full (file, contents, -1, G_FILE_SET_CONTENTS_CONSISTENT,
                                        0600, error);
    }
  if (ok)
    n_joined++;
  G_UNLOCK (joined);
  return ok;
}

static void
unregister_user (void)
{
  G_LOCK (joined);
  g_assert (n_joined > 0);
  if (--n_joined == 0)
    {
      g_autofree char *file = dup_user_file (getpid ());

      g_unlink (file);
    }
  G_UNLOCK (joined);
}

/* How many registered users still run; forgets the others. */
static guint
count_users (const char *users_dir)
{
  g_autoptr(GDir) dir = g_dir_open (users_dir, 0, NULL);
  const char *name;
  guint n = 0;

  if (dir == NULL)
    return 0;
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = g_build_filename (users_dir, name, NULL);
      g_autofree char *contents = NULL;
      guint64 pid = 0;
      guint64 start_time = 0;

      if (!g_ascii_string_to_unsigned (name, 10, 1, G_MAXINT, &pid, NULL))
        continue; /* not ours (a temporary file being written) */
      if (g_file_get_contents (path, &contents, NULL, NULL))
        g_ascii_string_to_unsigned (g_strstrip (contents), 10, 0, G_MAXUINT64, &start_time,
                                    NULL);
      if (user_alive ((GPid) pid, start_time))
        n++;
      else
        g_unlink (path); /* exited or crashed without saying so */
    }
  return n;
}

/* ---- the published address ---- */

static gboolean
answers_health (const char *base_url)
{
  g_autoptr(SoupSession) session = NULL;
  g_autoptr(SoupMessage) msg = NULL;
  g_autoptr(GBytes) body = NULL;
  g_autofree char *uri = NULL;
  const char *data;
  gsize size;

  /* only ever a server on this machine */
  if (!g_str_has_prefix (base_url, "http://127.0.0.1:") || !g_str_has_suffix (base_url, "/api/v1"))
    return FALSE;
  uri = g_strconcat (base_url, "/health", NULL);
  msg = soup_message_new ("GET", uri);
  if (msg == NULL)
    return FALSE;
  session = soup_session_new_with_options ("timeout", HEALTH_TIMEOUT_S, NULL);
  body = soup_session_send_and_read (session, msg, NULL, NULL);
  if (body == NULL || soup_message_get_status (msg) != SOUP_STATUS_OK)
    return FALSE;
  data = g_bytes_get_data (body, &size);
  return data != NULL && g_strstr_len (data, (gssize) size, "\"status\":\"ok\"") != NULL;
}

/* The address in sandbox.json when a server for @state_path answers there; else NULL. */
static char *
read_published (const char *state_path,
                GPid       *server_pid)
{
  g_autofree char *path = pm_shared_sandbox_dup_address_path ();
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonNode *root;
  JsonObject *object;
  const char *url;

  if (!json_parser_load_from_file (parser, path, NULL))
    return NULL;
  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    return NULL;
  object = json_node_get_object (root);
  url = json_object_get_string_member_with_default (object, "url", NULL);
  if (url == NULL
      || g_strcmp0 (json_object_get_string_member_with_default (object, "state-file", NULL),
                    state_path) != 0
      || !answers_health (url))
    return NULL;
  *server_pid = (GPid) json_object_get_int_member_with_default (object, "pid", 0);
  return g_strdup (url);
}

/* ---- starting a server ---- */

static char *
find_program (void)
{
  const char *env = g_getenv ("PAYMINT_SANDBOX_PROGRAM");
  g_autofree char *self_path = g_file_read_link ("/proc/self/exe", NULL);

  if (env != NULL && *env != '\0')
    return g_strdup (env);
  if (self_path != NULL)
    {
      g_autofree char *dir = g_path_get_dirname (self_path);
      /* installed: side by side in bindir; build tree: src/, src/cli/ → src/sandbox/ */
      const char *candidates[] = { ".", "sandbox", "../sandbox" };

      for (guint i = 0; i < G_N_ELEMENTS (candidates); i++)
        {
          g_autofree char *path = g_build_filename (dir, candidates[i], "paymint-sandbox", NULL);

          if (g_file_test (path, G_FILE_TEST_IS_REGULAR)
              && g_file_test (path, G_FILE_TEST_IS_EXECUTABLE))
            return g_steal_pointer (&path);
        }
    }
  {
    g_autofree char *path = g_build_filename (PM_BINDIR, "paymint-sandbox", NULL);

    if (g_file_test (path, G_FILE_TEST_IS_EXECUTABLE))
      return g_steal_pointer (&path);
  }
  return g_find_program_in_path ("paymint-sandbox");
}

static void
child_setup_cb (gpointer user_data)
{
  /* a session of its own: no terminal's Ctrl+C or hang-up reaches it, and it is nobody's
   * foreground job (async-signal-safe) */
  setsid ();
}

/* The server's messages go to a log in the runtime folder, kept small. */
static int
open_log (void)
{
  g_autofree char *dir = pm_shared_sandbox_dup_runtime_dir ();
  g_autofree char *path = g_build_filename (dir, "sandbox.log", NULL);
  struct stat st;
  int fd;

  fd = g_open (path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (fd >= 0 && fstat (fd, &st) == 0 && st.st_size > LOG_MAX_BYTES && ftruncate (fd, 0) != 0)
    g_debug ("Could not shorten %s", path);
  return fd;
}

/* The last line of the log, to say why a server did not start. */
static char *
dup_log_tail (void)
{
  g_autofree char *dir = pm_shared_sandbox_dup_runtime_dir ();
  g_autofree char *path = g_build_filename (dir, "sandbox.log", NULL);
  g_autofree char *contents = NULL;
  char *last;

  if (!g_file_get_contents (path, &contents, NULL, NULL))
    return NULL;
  g_strchomp (contents);
  last = strrchr (contents, '\n');
  return g_strdup (last != NULL ? last + 1 : contents);
}

/* Reads the first line the server prints (its address), until @deadline (monotonic µs).
 * NULL at its end of output (it exited) or at the deadline (@timed_out). */
static char *
read_first_line (GSubprocess *proc,
                 gint64       deadline,
                 gboolean    *timed_out)
{
  GInputStream *stream = g_subprocess_get_stdout_pipe (proc);
  int fd = g_unix_input_stream_get_fd (G_UNIX_INPUT_STREAM (stream));
  g_autoptr(GString) line = g_string_new (NULL);

  *timed_out = FALSE;
  for (;;)
    {
      struct pollfd pfd = { fd, POLLIN, 0 };
      gint64 left = deadline - g_get_monotonic_time ();
      char buf[256];
      gssize n;
      char *nl;

      if (left <= 0)
        {
          *timed_out = TRUE;
          return NULL;
        }
      if (poll (&pfd, 1, (int) MAX (left / 1000, 1)) < 0)
        {
          if (errno == EINTR)
            continue;
          return NULL;
        }
      if (pfd.revents == 0)
        continue;
      n = read (fd, buf, sizeof buf);
      if (n < 0 && (errno == EINTR || errno == EAGAIN))
        continue;
      if (n <= 0)
        return NULL;
      g_string_append_len (line, buf, n);
      nl = strchr (line->str, '\n');
      if (nl != NULL)
        {
          *nl = '\0';
          return g_strdup (line->str);
        }
    }
}

/* Starts `paymint-sandbox --shared` and waits for its address. FALSE with @busy set
 * (and no error) when another server owns the state file. */
static gboolean
start_server (const char  *program,
              const char  *state_path,
              gint64       deadline,
              char       **url,
              GPid        *server_pid,
              gboolean    *busy,
              GError     **error)
{
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GSubprocess) proc = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autofree char *line = NULL;
  g_autofree char *tail = NULL;
  const char *pid_text;
  gboolean timed_out = FALSE;
  int log_fd;
  const char *argv[] = {
    program, "--shared", "--state-file", state_path,
    "--pay-share", G_STRINGIFY (PM_SHARED_SANDBOX_PAY_SHARE),
    "--pay-delay", G_STRINGIFY (PM_SHARED_SANDBOX_PAY_MIN_S) ":"
                   G_STRINGIFY (PM_SHARED_SANDBOX_PAY_MAX_S),
    "--decline-share", G_STRINGIFY (PM_SHARED_SANDBOX_DECLINE_SHARE),
    "--autopay-delay", G_STRINGIFY (PM_SHARED_SANDBOX_AUTOPAY_S),
    NULL
  };

  *busy = FALSE;
  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE);
  g_subprocess_launcher_set_cwd (launcher, "/");
  g_subprocess_launcher_set_child_setup (launcher, child_setup_cb, NULL, NULL);
  log_fd = open_log ();
  if (log_fd >= 0)
    g_subprocess_launcher_take_stderr_fd (launcher, log_fd);
  else
    g_subprocess_launcher_set_flags (launcher, G_SUBPROCESS_FLAGS_STDOUT_PIPE
                                               | G_SUBPROCESS_FLAGS_STDERR_SILENCE);
  proc = g_subprocess_launcher_spawnv (launcher, argv, &local_error);
  if (proc == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                   _("The sandbox could not be started: %s"), local_error->message);
      return FALSE;
    }
  pid_text = g_subprocess_get_identifier (proc);

  line = read_first_line (proc, deadline, &timed_out);
  if (line != NULL && g_str_has_prefix (line, LISTENING_PREFIX))
    {
      *url = g_strdup (line + strlen (LISTENING_PREFIX));
      *server_pid = pid_text != NULL ? (GPid) atoi (pid_text) : 0;
      /* it runs on by itself; GSubprocess reaps it if it ends while we still run */
      return TRUE;
    }
  if (timed_out)
    {
      g_subprocess_force_exit (proc);
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT,
                   _("The sandbox did not start within %d seconds."), JOIN_TIMEOUT_S);
      return FALSE;
    }
  /* it ended without an address */
  g_subprocess_wait (proc, NULL, NULL);
  if (g_subprocess_get_if_exited (proc)
      && g_subprocess_get_exit_status (proc) == PM_SHARED_SANDBOX_EXIT_BUSY)
    {
      *busy = TRUE;
      return FALSE;
    }
  tail = dup_log_tail ();
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, _("The sandbox could not be started: %s"),
               tail != NULL && *tail != '\0' ? tail : program);
  return FALSE;
}

/* ---- joining ---- */

static void
pm_shared_sandbox_finalize (GObject *object)
{
  PmSharedSandbox *self = PM_SHARED_SANDBOX (object);

  g_free (self->base_url);
  unregister_user ();

  G_OBJECT_CLASS (pm_shared_sandbox_parent_class)->finalize (object);
}

static void
pm_shared_sandbox_class_init (PmSharedSandboxClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = pm_shared_sandbox_finalize;
}

static void
pm_shared_sandbox_init (PmSharedSandbox *self)
{
}

PmSharedSandbox *
pm_shared_sandbox_join (GError **error)
{
  g_autofree char *runtime_dir = pm_shared_sandbox_dup_runtime_dir ();
  g_autofree char *state_path = pm_shared_sandbox_dup_state_path ();
  g_autofree char *state_dir = g_path_get_dirname (state_path);
  g_autofree char *program = NULL;
  g_autofree char *url = NULL;
  gint64 deadline = g_get_monotonic_time () + JOIN_TIMEOUT_S * G_USEC_PER_SEC;
  PmSharedSandbox *self;
  gboolean started = FALSE;
  GPid pid = 0;

  if (!make_dir (runtime_dir, error) || !make_dir (state_dir, error))
    return NULL;
  /* a user first, then look: see the top of the file */
  if (!register_user (error))
    return NULL;

  for (;;)
    {
      gboolean busy = FALSE;

      url = read_published (state_path, &pid);
      if (url != NULL)
        break;

      if (program == NULL)
        program = find_program ();
      if (program == NULL)
        {
          g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                               _("The sandbox program, paymint-sandbox, was not found. "
                                 "Reinstall Paymint Desk."));
          unregister_user ();
          return NULL;
        }
      if (start_server (program, state_path, deadline, &url, &pid, &busy, error))
        {
          started = TRUE;
          break;
        }
      if (!busy)
        {
          unregister_user ();
          return NULL;
        }
      /* another server is starting or stopping: join it, or start once it is gone */
      if (g_get_monotonic_time () > deadline)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT,
                       _("The sandbox did not start within %d seconds."), JOIN_TIMEOUT_S);
          unregister_user ();
          return NULL;
        }
      g_usleep (100 * 1000);
    }

  self = g_object_new (PM_TYPE_SHARED_SANDBOX, NULL);
  self->base_url = g_steal_pointer (&url);
  self->server_pid = pid;
  self->started = started;
  g_debug ("%s the shared sandbox at %s (process %d)", started ? "Started" : "Joined",
           self->base_url, (int) pid);
  return self;
}

const char *
pm_shared_sandbox_get_base_url (PmSharedSandbox *self)
{
  g_return_val_if_fail (PM_IS_SHARED_SANDBOX (self), NULL);

  return self->base_url;
}

GPid
pm_shared_sandbox_get_server_pid (PmSharedSandbox *self)
{
  g_return_val_if_fail (PM_IS_SHARED_SANDBOX (self), 0);

  return self->server_pid;
}

gboolean
pm_shared_sandbox_get_started (PmSharedSandbox *self)
{
  g_return_val_if_fail (PM_IS_SHARED_SANDBOX (self), FALSE);

  return self->started;
}

/* ---- serving (paymint-sandbox --shared) ---- */

typedef struct
{
  GMainLoop *loop;
  char      *address_path;
  char      *users_dir;
  char      *json;
  gint64     empty_since; /* monotonic µs; 0 while someone uses it */
  guint      scan_id;
} Serve;

static gboolean
publish (Serve   *serve,
         GError **error)
{
  return g_file_set_contents_full (serve->address_path, serve->json, -1,
                                   G_FILE_SET_CONTENTS_CONSISTENT, 0600, error);
}

/* Removes sandbox.json if it is still ours. */
static void
withdraw (Serve *serve)
{
  g_autofree char *contents = NULL;

  if (g_file_get_contents (serve->address_path, &contents, NULL, NULL)
      && g_strcmp0 (contents, serve->json) == 0)
    g_unlink (serve->address_path);
}

static gboolean
scan_cb (gpointer user_data)
{
  Serve *serve = user_data;
  gint64 now = g_get_monotonic_time ();
  g_autoptr(GError) error = NULL;

  if (count_users (serve->users_dir) > 0)
    {
      serve->empty_since = 0;
      return G_SOURCE_CONTINUE;
    }
  if (serve->empty_since == 0)
    serve->empty_since = now;
  if (now - serve->empty_since < (gint64) PM_SHARED_SANDBOX_LINGER_MS * 1000)
    return G_SOURCE_CONTINUE;

  /* Withdraw the address, then look once more: a user who registered before this look
   * is seen; one who registers after it finds no address and starts a new server. */
  withdraw (serve);
  if (count_users (serve->users_dir) > 0)
    {
      serve->empty_since = 0;
      if (!publish (serve, &error))
        g_printerr ("paymint-sandbox: could not publish the address again: %s\n",
                    error->message);
      return G_SOURCE_CONTINUE;
    }
  g_printerr ("paymint-sandbox: no user left; stopping\n");
  serve->scan_id = 0;
  g_main_loop_quit (serve->loop);
  return G_SOURCE_REMOVE;
}

gboolean
pm_shared_sandbox_serve (PmSandbox   *sandbox,
                         const char  *state_path,
                         GMainLoop   *loop,
                         GError     **error)
{
  g_autofree char *runtime_dir = pm_shared_sandbox_dup_runtime_dir ();
  g_autofree char *url = NULL;
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autoptr(JsonNode) root = NULL;
  Serve serve = { 0 };
  int null_fd;

  g_return_val_if_fail (PM_IS_SANDBOX (sandbox), FALSE);
  g_return_val_if_fail (state_path != NULL, FALSE);

  url = pm_sandbox_dup_base_url (sandbox);
  if (url == NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_CONNECTED,
                           "The sandbox is not listening");
      return FALSE;
    }
  serve.loop = loop;
  serve.address_path = pm_shared_sandbox_dup_address_path ();
  serve.users_dir = dup_users_dir ();
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "url");
  json_builder_add_string_value (builder, url);
  json_builder_set_member_name (builder, "pid");
  json_builder_add_int_value (builder, getpid ());
  json_builder_set_member_name (builder, "state-file");
  json_builder_add_string_value (builder, state_path);
  json_builder_end_object (builder);
  root = json_builder_get_root (builder);
  json_generator_set_root (generator, root);
  serve.json = json_generator_to_data (generator, NULL);

  if (!make_dir (runtime_dir, error) || !make_dir (serve.users_dir, error)
      || !publish (&serve, error))
    {
      g_free (serve.address_path);
      g_free (serve.users_dir);
      g_free (serve.json);
      return FALSE;
    }

  /* The user who started us reads this one line; then stdout goes nowhere, so nothing
   * written later can fail on a pipe nobody reads. */
  g_print ("%s%s\n", LISTENING_PREFIX, url);
  fflush (stdout);
  null_fd = g_open ("/dev/null", O_WRONLY | O_CLOEXEC, 0);
  if (null_fd >= 0)
    {
      dup2 (null_fd, STDOUT_FILENO);
      close (null_fd);
    }
  g_printerr ("paymint-sandbox: serving %s for the users in %s\n", url, serve.users_dir);

  serve.scan_id = g_timeout_add (SCAN_INTERVAL_MS, scan_cb, &serve);
  g_main_loop_run (loop);
  g_clear_handle_id (&serve.scan_id, g_source_remove);
  withdraw (&serve);

  g_free (serve.address_path);
  g_free (serve.users_dir);
  g_free (serve.json);
  return TRUE;
}
