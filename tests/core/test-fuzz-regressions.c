/* test-fuzz-regressions.c — every fuzz reproducer and seed, through the fuzz targets
 *
 * Copyright 2026 The Paymint Desk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Feeds each file of tests/fuzz/regressions/<harness>/ (inputs that once crashed or broke
 * a promise) and of tests/fuzz/corpus/<harness>/ (the seeds) to the same entry points the
 * libFuzzer harnesses use (tests/fuzz/pm-fuzz-targets.c), in the ordinary build: each must
 * end with a result in range or a clean PM_ERROR, never a crash. A reproducer listed in
 * tests/fuzz/known-issues is a bug reported and not fixed yet: it is reported as TODO
 * instead of run, until its line is deleted.
 */

#include "config.h"

#include <string.h>

#include "pm-fuzz-targets.h"
#include "pm-test-util.h"

typedef struct
{
  const char *name;
  void      (*target) (const guint8 *data,
                       gsize         size);
} Harness;

static const Harness harnesses[] = {
  { "phone", pm_fuzz_phone },
  { "money", pm_fuzz_money },
  { "csv", pm_fuzz_csv },
  { "reply", pm_fuzz_reply },
  { "sandbox-body", pm_fuzz_sandbox_body },
};

static char *fuzz_dir;
static GHashTable *known; /* "reply/check-link-invalid-utf8" → "tag: where — what" */

static void
load_known (void)
{
  g_autofree char *path = g_build_filename (fuzz_dir, "known-issues", NULL);
  g_autofree char *text = NULL;
  g_auto(GStrv) lines = NULL;

  known = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  if (!g_file_get_contents (path, &text, NULL, NULL))
    return;
  lines = g_strsplit (text, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_auto(GStrv) f = NULL;

      if (lines[i][0] == '#' || lines[i][0] == '\0')
        continue;
      f = g_strsplit (lines[i], "\t", 3);
      g_assert_cmpuint (g_strv_length (f), ==, 3);
      g_hash_table_insert (known, g_strdup (f[1]), g_strdup_printf ("%s: %s", f[0], f[2]));
    }
}

static int
compare_paths (gconstpointer a,
               gconstpointer b)
{
  return strcmp (*(const char *const *) a, *(const char *const *) b);
}

/* Runs every file of @kind ("regressions", "corpus") for @h; returns how many. */
static guint
run_files (const Harness *h,
           const char    *kind)
{
  g_autofree char *dir = g_build_filename (fuzz_dir, kind, h->name, NULL);
  g_autoptr(GPtrArray) files = NULL;
  guint n = 0;

  if (!g_file_test (dir, G_FILE_TEST_IS_DIR))
    return 0;
  files = pm_test_list_files (dir);
  g_ptr_array_sort (files, compare_paths);
  for (guint i = 0; i < files->len; i++)
    {
      const char *path = g_ptr_array_index (files, i);
      g_autofree char *base = g_path_get_basename (path);
      g_autofree char *key = g_build_filename (h->name, base, NULL);
      g_autofree char *data = NULL;
      g_autoptr(GError) error = NULL;
      gsize size = 0;

      if (g_str_equal (kind, "regressions") && g_hash_table_contains (known, key))
        continue; /* reported by its own TODO case */
      g_assert_true (g_file_get_contents (path, &data, &size, &error));
      g_assert_no_error (error);
      g_test_message ("%s/%s", kind, key);
      h->target ((const guint8 *) data, size);
      n++;
    }
  return n;
}

static void
test_harness (gconstpointer user_data)
{
  const Harness *h = user_data;
  guint n_corpus;

  if (h->target == pm_fuzz_sandbox_body)
    {
      g_autoptr(GError) error = NULL;

      g_assert_true (pm_fuzz_sandbox_start (&error));
      g_assert_no_error (error);
    }
  run_files (h, "regressions");
  n_corpus = run_files (h, "corpus");
  if (h->target == pm_fuzz_sandbox_body)
    pm_fuzz_sandbox_stop ();
  /* The seeds are committed with the harness: none found means a wrong directory. */
  g_assert_cmpuint (n_corpus, >, 0);
}

static void
test_known (gconstpointer user_data)
{
  g_test_incomplete (user_data);
}

/* json-glib's parser recurses: 200,000 open brackets overflow the stack unless the
 * reply is refused first (PM_API_REPLY_MAX_DEPTH). Every reader that parses gets one. */
static void
test_reply_deep_nesting (void)
{
  const gsize depth = 200000;
  static const struct
  {
    const char *prefix;
    const char *what;
  } readers[] = {
    { "9", "pm_api_parse, then every reader" },
    { "7", "pm_api_read_error_text" },
    { "8\x04\x03", "pm_api_error_for_status (400, request): the field of the body" },
    { ":\x04\x03\x01", "pm_api_classify_send (400, request)" },
    { ":\x01\x03\x01", "pm_api_classify_send (200, request)" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (readers); i++)
    {
      gsize n = strlen (readers[i].prefix);
      g_autofree guint8 *data = g_malloc (n + 2 * depth);

      g_test_message ("%s", readers[i].what);
      memcpy (data, readers[i].prefix, n);
      memset (data + n, '[', depth);
      memset (data + n + depth, ']', depth);
      pm_fuzz_reply (data, n + 2 * depth);
      memset (data + n, '{', depth); /* unbalanced objects: refused just the same */
      pm_fuzz_reply (data, n + depth);
    }
}

int
main (int    argc,
      char **argv)
{
  GHashTableIter iter;
  gpointer key, value;

  pm_test_init (&argc, &argv);
  fuzz_dir = g_test_build_filename (G_TEST_DIST, "fuzz", NULL);
  load_known ();

  for (guint i = 0; i < G_N_ELEMENTS (harnesses); i++)
    {
      g_autofree char *path = g_strdup_printf ("/fuzz-regressions/%s", harnesses[i].name);

      g_test_add_data_func (path, &harnesses[i], test_harness);
    }
  g_test_add_func ("/fuzz-regressions/reply-deep-nesting", test_reply_deep_nesting);
  g_hash_table_iter_init (&iter, known);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      g_autofree char *path = g_strdup_printf ("/fuzz-regressions/known/%s", (char *) key);

      g_test_add_data_func (path, value, test_known);
    }

  return g_test_run ();
}
