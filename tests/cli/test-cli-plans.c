/* test-cli-plans.c — paymint-cli plans, driven as a program against the sandbox
 *
 * Copyright 2026 The Paymint Desk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A PmSandbox in this process (its bills counted), a private ledger, --now for the time.
 * The plans bill next month (from the real clock), so their bills expire after the
 * sandbox's today.
 */

#include "config.h"

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <string.h>

#include "cli-test-common.h"
#include "pm-ledger.h"
#include "pm-plan.h"
#include "pm-sandbox.h"
#include "pm-test-util.h"

typedef struct
{
  CliSandbox cli;
  char      *roster;
  char      *period;   /* next month */
  char      *due;      /* "YYYY-MM-05 10:01" of it */
  char      *late;     /* two days after */
} Fixture;

static char *
write_file (Fixture    *f,
            const char *name,
            const char *text)
{
  g_autoptr(GError) error = NULL;
  char *path = g_build_filename (f->cli.dir, name, NULL);

  g_file_set_contents (path, text, -1, &error);
  g_assert_no_error (error);
  return path;
}

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  g_autofree char *this_month = pm_plan_period_at (g_get_real_time () / G_USEC_PER_SEC);

  cli_sandbox_start (&f->cli, 5, "pm-cli-plans-XXXXXX");
  f->roster = write_file (f, "roster.csv", "이름,전화번호,금액\n김영희,010-1234-5678,120000\n"
                                           "이철수,010-2222-3333,150000\n"
                                           "박민수,010-4444-5555,90000\n");
  f->period = pm_plan_period_add (this_month, 1);
  f->due = g_strdup_printf ("%s-05 10:01", f->period);
  f->late = g_strdup_printf ("%s-07 10:01", f->period);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  cli_sandbox_stop (&f->cli);
  g_free (f->roster);
  g_free (f->period);
  g_free (f->due);
  g_free (f->late);
}

static GPtrArray *
base_args (Fixture *f)
{
  GPtrArray *args = g_ptr_array_new ();

  g_ptr_array_add (args, (char *) "--sandbox-url");
  g_ptr_array_add (args, f->cli.url);
  g_ptr_array_add (args, (char *) "--ledger");
  g_ptr_array_add (args, f->cli.ledger);
  return args;
}

/* paymint-cli --sandbox-url URL --ledger PATH ARGS… */
static int
run (Fixture  *f,
     char    **out,
     char    **err,
     ...)
{
  va_list ap;
  int status;

  va_start (ap, err);
  status = cli_sandbox_run_valist (&f->cli, NULL, out, err, va_arg (ap, const char *), ap);
  va_end (ap);
  return status;
}

static void
add_plan (Fixture    *f,
          const char *roster)
{
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;

  g_assert_cmpint (run (f, &out, &err, "plans", "add", "--name", "수강료", "--day", "5",
                        "--time", "10:00", "--roster", roster != NULL ? roster : f->roster,
                        "--reason", "{월} 수강료", "--message",
                        "{이름} 학생 {월} 수강료 {금액}입니다.", "--start", f->period, NULL),
                   ==, 0);
  g_assert_nonnull (strstr (out, "Added the plan “수강료”"));
}

/* Every bad input: exit 1 (nothing saved), the exact message naming the option or row. */
static void
test_bad_input (Fixture       *f,
                gconstpointer  data)
{
  g_autofree char *landline = write_file (f, "landline.csv", "이름,전화번호,금액\n"
                                          "김영희,010-1234-5678,120000\n이철수,02-123-4567,1\n");
  g_autofree char *zero = write_file (f, "zero.csv", "이름,전화번호,금액\n"
                                      "김영희,010-1234-5678,120000\n이철수,010-2222-3333,0\n");
  g_autofree char *dup = write_file (f, "dup.csv", "이름,전화번호,금액\n"
                                     "김영희,010-1234-5678,120000\n김영희,01012345678,5000\n");
  struct
  {
    const char *day;
    const char *time;
    const char *roster;
    const char *reason;
    const char *message;
  } cases[] = {
    { "31", "10:00", f->roster, "r", "Not every month has a day 31: choose 1 to 28, or “last” "
      "for the last day of the month." },
    { "0", "10:00", f->roster, "r", "There is no day 0 in a month: choose 1 to 28, or “last” "
      "for the last day of the month." },
    { "5", "25:00", f->roster, "r", "“25:00” is not a time of day: write HH:MM, from 00:00 to "
      "23:59 (Korea time)." },
    { "5", "10:00", f->roster, "{이룸} 수강료", "unknown placeholder {이룸}; use {이름}, {금액}, "
      "{월} or {다음달}" },
    { "5", "10:00", landline, "r", "row 3, column 전화번호: This is not a Korean mobile number. "
      "Enter one like 010-1234-5678." },
    { "5", "10:00", zero, "r", "row 3, column 금액: The amount must be at least ₩1." },
    { "5", "10:00", dup, "r", "row 3, column 전화번호: the same payer as row 2 (010-1234-5678): "
      "each phone number can be in a roster only once." },
  };
  const char *options[] = { "--day: ", "--day: ", "--time: ", "--reason: ", "", "", "" };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *err = NULL;
      g_autofree char *expected = NULL;
      g_autofree char *list = NULL;
      g_autofree char *base = g_path_get_basename (cases[i].roster);

      if (*options[i] != '\0')
        expected = g_strdup_printf ("paymint-cli plans add: %s%s\n", options[i],
                                    cases[i].message);
      else
        expected = g_strdup_printf ("paymint-cli plans add: %s: %s\n", cases[i].roster,
                                    cases[i].message);
      g_assert_cmpint (run (f, NULL, &err, "plans", "add", "--name", "수강료", "--day",
                            cases[i].day, "--time", cases[i].time, "--roster", cases[i].roster,
                            "--reason", cases[i].reason, "--message", "m", NULL), ==, 1);
      g_assert_true (g_str_has_prefix (err, expected));
      /* not saved */
      g_assert_cmpint (run (f, &list, NULL, "plans", "list", "--json", NULL), ==, 0);
      g_assert_cmpstr (g_strstrip (list), ==, "[]");
    }
}

static guint
ledger_count (Fixture *f)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PmLedger) ledger = pm_ledger_new (f->cli.ledger, &error);
  g_autoptr(PmLedgerQuery) query = pm_ledger_query_new ();
  guint n = 0;

  g_assert_no_error (error);
  pm_ledger_count (ledger, query, &n, &error);
  g_assert_no_error (error);
  return n;
}

static void
test_preview_run_due_twice (Fixture       *f,
                            gconstpointer  data)
{
  g_autofree char *preview = NULL;
  g_autofree char *first = NULL;
  g_autofree char *second = NULL;
  g_autofree char *list = NULL;
  g_autofree char *show = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *line = NULL;
  JsonObject *plan;
  JsonArray *history;
  int month = atoi (f->period + 5);

  add_plan (f, NULL);
  g_assert_cmpint (run (f, &preview, NULL, "plans", "preview", "수강료", "--period", f->period,
                        NULL), ==, 0);
  line = g_strdup_printf ("김영희 학생 %d월 수강료 ₩120,000입니다.", month);
  g_assert_nonnull (strstr (preview, line));
  g_assert_nonnull (strstr (preview, "Total: 3 bills, ₩360,000 (삼십육만 원)"));
  g_assert_cmpuint (pm_sandbox_count_bills (f->cli.sandbox), ==, 0);

  g_assert_cmpint (run (f, &first, NULL, "plans", "run-due", "--now", f->due, NULL), ==, 0);
  g_assert_nonnull (strstr (first, "3 bills sent (₩360,000), 0 not sent"));
  g_assert_cmpuint (pm_sandbox_count_bills (f->cli.sandbox), ==, 3);
  g_assert_cmpint (run (f, &second, NULL, "plans", "run-due", "--now", f->due, NULL), ==, 0);
  g_assert_nonnull (strstr (second, "No plan is due."));
  g_assert_cmpuint (pm_sandbox_count_bills (f->cli.sandbox), ==, 3);
  g_assert_cmpuint (ledger_count (f), ==, 3);

  g_assert_cmpint (run (f, &list, NULL, "plans", "list", "--json", NULL), ==, 0);
  json_parser_load_from_data (parser, list, -1, &error);
  g_assert_no_error (error);
  plan = json_array_get_object_element (json_node_get_array (json_parser_get_root (parser)), 0);
  g_assert_cmpstr (json_object_get_string_member (plan, "name"), ==, "수강료");
  g_assert_cmpint (json_object_get_int_member (plan, "n_payers"), ==, 3);
  g_assert_cmpint (json_object_get_int_member (plan, "total"), ==, 360000);

  g_assert_cmpint (run (f, &show, NULL, "plans", "show", "수강료", "--json", NULL), ==, 0);
  json_parser_load_from_data (parser, show, -1, &error);
  g_assert_no_error (error);
  history = json_object_get_array_member (json_node_get_object (json_parser_get_root (parser)),
                                          "history");
  g_assert_cmpuint (json_array_get_length (history), ==, 1);
  plan = json_array_get_object_element (history, 0);
  g_assert_cmpstr (json_object_get_string_member (plan, "state"), ==, "done");
  g_assert_cmpint (json_object_get_int_member (plan, "n_sent"), ==, 3);
}

/* The timer runs run-due with no connection at hand: quiet when nothing is due. */
static void
test_no_connection (Fixture       *f,
                    gconstpointer  data)
{
  const char *argv_idle[] = { "--ledger", f->cli.ledger, "plans", "run-due", "--now", f->due, NULL };
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;

  g_assert_cmpint (cli_test_run (argv_idle, NULL, &out, NULL), ==, 0);
  g_assert_nonnull (strstr (out, "No plan is due."));
  add_plan (f, NULL);
  g_assert_cmpint (cli_test_run (argv_idle, NULL, NULL, &err), ==, 4);
  g_assert_nonnull (strstr (err, "Plans are due, but there is no connection to send them with."));
  g_assert_cmpuint (pm_sandbox_count_bills (f->cli.sandbox), ==, 0);
}

static void
test_missed (Fixture       *f,
             gconstpointer  data)
{
  g_autofree char *out = NULL;
  g_autofree char *again = NULL;
  g_autofree char *sent = NULL;
  g_autofree char *expected = NULL;

  add_plan (f, NULL);
  g_assert_cmpint (run (f, &out, NULL, "plans", "run-due", "--now", f->late, NULL), ==, 0);
  expected = g_strdup_printf ("수강료 %s was due on %s-05 10:00:00 and was not sent in time",
                              f->period, f->period);
  g_assert_nonnull (strstr (out, expected));
  g_assert_cmpuint (pm_sandbox_count_bills (f->cli.sandbox), ==, 0);
  /* a longer grace does not revive a run marked missed: a person decides */
  g_assert_cmpint (run (f, &again, NULL, "plans", "run-due", "--now", f->late, "--grace-days",
                        "5", NULL), ==, 0);
  g_assert_cmpuint (pm_sandbox_count_bills (f->cli.sandbox), ==, 0);
  /* send now */
  g_assert_cmpint (run (f, &sent, NULL, "plans", "run", "수강료", "--period", f->period, "--now",
                        f->late, NULL), ==, 0);
  g_assert_nonnull (strstr (sent, "3 bills sent"));
  g_assert_cmpuint (pm_sandbox_count_bills (f->cli.sandbox), ==, 3);
}

static void
test_two_processes (Fixture       *f,
                    gconstpointer  data)
{
  GString *csv = g_string_new ("이름,전화번호,금액\n");
  g_autofree char *roster = NULL;
  GSubprocess *procs[3];
  guint n_busy = 0, n_sent_lines = 0;
  const guint n = 40;

  for (guint i = 1; i <= n; i++)
    g_string_append_printf (csv, "학생%u,010-71%02u-%04u,%u\n", i, i % 100, i, 1000 + i);
  roster = write_file (f, "forty.csv", csv->str);
  g_string_free (csv, TRUE);
  add_plan (f, roster);
  /* slow enough that the runs overlap */
  pm_sandbox_set_latency (f->cli.sandbox, "request", 30);

  for (guint i = 0; i < G_N_ELEMENTS (procs); i++)
    {
      g_autoptr(GPtrArray) args = base_args (f);
      g_autoptr(GError) error = NULL;
      g_auto(GStrv) full = NULL;

      g_ptr_array_insert (args, 0, (char *) cli_test_path ());
      g_ptr_array_add (args, (char *) "plans");
      g_ptr_array_add (args, (char *) "run-due");
      g_ptr_array_add (args, (char *) "--parallel");
      g_ptr_array_add (args, (char *) "2");
      g_ptr_array_add (args, (char *) "--now");
      g_ptr_array_add (args, f->due);
      g_ptr_array_add (args, NULL);
      procs[i] = g_subprocess_newv ((const char * const *) args->pdata,
                                    G_SUBPROCESS_FLAGS_STDOUT_PIPE
                                    | G_SUBPROCESS_FLAGS_STDERR_PIPE, &error);
      g_assert_no_error (error);
    }
  for (guint i = 0; i < G_N_ELEMENTS (procs); i++)
    {
      g_autofree char *out = NULL;
      g_autofree char *err = NULL;
      g_autoptr(GError) error = NULL;

      g_subprocess_communicate_utf8 (procs[i], NULL, NULL, &out, &err, &error);
      g_assert_no_error (error);
      g_test_message ("run-due %u: %s%s", i, out, err);
      g_assert_true (g_subprocess_get_if_exited (procs[i]));
      g_assert_cmpint (g_subprocess_get_exit_status (procs[i]), ==, 0);
      if (strstr (out, "another run is sending it right now") != NULL)
        n_busy++;
      if (strstr (out, "40 bills sent") != NULL)
        n_sent_lines++;
      g_object_unref (procs[i]);
    }
  /* one process sent them all; the others found it at work or found them sent */
  g_assert_cmpuint (n_sent_lines, ==, 1);
  g_assert_cmpuint (pm_sandbox_count_bills (f->cli.sandbox), ==, n);
  g_assert_cmpuint (ledger_count (f), ==, n);
  g_test_message ("%u of the other runs found the period held", n_busy);
}

int
main (int   argc,
      char *argv[])
{
  pm_test_init (&argc, &argv);

#define ADD(path, func) \
  g_test_add ("/cli-plans/" path, Fixture, NULL, fixture_setup, func, fixture_teardown)
  ADD ("bad-input", test_bad_input);
  ADD ("preview-run-due-twice", test_preview_run_due_twice);
  ADD ("missed", test_missed);
  ADD ("no-connection", test_no_connection);
  ADD ("two-processes", test_two_processes);
#undef ADD
  return g_test_run ();
}
