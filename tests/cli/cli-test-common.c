/* cli-test-common.c — running paymint-cli from the tests
 *
 * Copyright 2026 The Paymint Desk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "cli-test-common.h"

#include <glib/gstdio.h>

#include "pm-test-util.h"

const char *
cli_test_path (void)
{
  static char *path;

  if (path == NULL)
    {
      const char *root = g_getenv ("PM_BUILD_ROOT");

      g_assert_nonnull (root);
      path = g_build_filename (root, "src", "cli", "paymint-cli", NULL);
      g_assert_true (g_file_test (path, G_FILE_TEST_IS_EXECUTABLE));
    }
  return path;
}

static GStrv
full_argv (const char * const *argv)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();

  g_strv_builder_add (builder, cli_test_path ());
  for (guint i = 0; argv[i] != NULL; i++)
    g_strv_builder_add (builder, argv[i]);
  return g_strv_builder_end (builder);
}

int
cli_test_run (const char * const  *argv,
              const char          *input,
              char               **out,
              char               **err)
{
  g_autoptr(GSubprocess) proc = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) args = full_argv (argv);
  g_autofree char *stdout_text = NULL;
  g_autofree char *stderr_text = NULL;

  proc = g_subprocess_newv ((const char * const *) args,
                            G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_PIPE
                            | G_SUBPROCESS_FLAGS_STDERR_PIPE, &error);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (proc, input != NULL ? input : "", NULL, &stdout_text,
                                 &stderr_text, &error);
  g_assert_no_error (error);
  if (g_test_verbose ())
    g_test_message ("paymint-cli %s → %d\n%s%s", argv[0] != NULL ? argv[0] : "",
                    g_subprocess_get_if_exited (proc) ? g_subprocess_get_exit_status (proc) : -1,
                    stdout_text, stderr_text);
  if (!g_subprocess_get_if_exited (proc))
    g_error ("paymint-cli crashed (signal %d); stderr: %s", g_subprocess_get_term_sig (proc),
             stderr_text);
  if (out != NULL)
    *out = g_steal_pointer (&stdout_text);
  if (err != NULL)
    *err = g_steal_pointer (&stderr_text);
  return g_subprocess_get_exit_status (proc);
}

int
cli_test_runv (const char  *input,
               char       **out,
               char       **err,
               const char  *first,
               ...)
{
  g_autoptr(GPtrArray) args = g_ptr_array_new ();
  va_list ap;

  va_start (ap, first);
  for (const char *a = first; a != NULL; a = va_arg (ap, const char *))
    g_ptr_array_add (args, (char *) a);
  va_end (ap);
  g_ptr_array_add (args, NULL);
  return cli_test_run ((const char * const *) args->pdata, input, out, err);
}

GSubprocess *
cli_test_spawn (const char * const  *argv,
                GError             **error)
{
  g_auto(GStrv) args = full_argv (argv);

  return g_subprocess_newv ((const char * const *) args,
                            G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_SILENCE
                            | G_SUBPROCESS_FLAGS_STDERR_SILENCE, error);
}

void
cli_sandbox_start (CliSandbox *s,
                   guint32     seed,
                   const char *dir_template)
{
  g_autoptr(GError) error = NULL;

  s->sandbox = pm_sandbox_new ();
  pm_sandbox_set_seed (s->sandbox, seed);
  pm_sandbox_set_payers (s->sandbox, 0.0, 20, 180, 0.0); /* nobody pays unless told */
  pm_sandbox_start (s->sandbox, NULL, 0, &error);
  g_assert_no_error (error);
  s->url = pm_sandbox_dup_base_url (s->sandbox);
  s->dir = g_dir_make_tmp (dir_template, &error);
  g_assert_no_error (error);
  s->ledger = g_build_filename (s->dir, "ledger.db", NULL);
}

void
cli_sandbox_stop (CliSandbox *s)
{
  g_autoptr(GPtrArray) files = pm_test_list_files (s->dir);

  pm_sandbox_stop (s->sandbox);
  g_clear_object (&s->sandbox);
  for (guint i = 0; i < files->len; i++)
    g_unlink (g_ptr_array_index (files, i));
  g_rmdir (s->dir);
  g_clear_pointer (&s->url, g_free);
  g_clear_pointer (&s->dir, g_free);
  g_clear_pointer (&s->ledger, g_free);
}

int
cli_sandbox_run_valist (CliSandbox  *s,
                        const char  *input,
                        char       **out,
                        char       **err,
                        const char  *first,
                        va_list      rest)
{
  g_autoptr(GPtrArray) args = g_ptr_array_new ();

  g_ptr_array_add (args, (char *) "--sandbox-url");
  g_ptr_array_add (args, s->url);
  g_ptr_array_add (args, (char *) "--ledger");
  g_ptr_array_add (args, s->ledger);
  for (const char *a = first; a != NULL; a = va_arg (rest, const char *))
    g_ptr_array_add (args, (char *) a);
  g_ptr_array_add (args, NULL);
  return cli_test_run ((const char * const *) args->pdata, input, out, err);
}
