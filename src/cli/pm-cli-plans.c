/* pm-cli-plans.c — paymint-cli plans: monthly billing plans
 *
 * Copyright 2026 The Paymint Desk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The clock is read here, at the edge (or taken from --now), and passed to the engine.
 */

#include "config.h"

#include <glib/gi18n.h>
#include <stdio.h>
#include <string.h>

#include "pm-cli-private.h"
#include "pm-error.h"
#include "pm-money.h"
#include "pm-phone.h"
#include "pm-plan-store.h"

typedef struct
{
  char     *name;
  char     *day;
  char     *time;
  char     *roster;
  char     *reason;
  char     *message;
  int       days_to_pay;
  char     *start;
  char     *end;
  char     *period;
  char     *now;
  char     *payer;
  int       grace_days;
  int       parallel;
  gboolean  json;
} Args;

static void
args_clear (Args *a)
{
  g_free (a->name);
  g_free (a->day);
  g_free (a->time);
  g_free (a->roster);
  g_free (a->reason);
  g_free (a->message);
  g_free (a->start);
  g_free (a->end);
  g_free (a->period);
  g_free (a->now);
  g_free (a->payer);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Args, args_clear)

enum
{
  WANT_PLAN = 1 << 0,    /* one operand: the plan */
  WANT_ADD = 1 << 1,
  WANT_PERIOD = 1 << 2,
  WANT_NOW = 1 << 3,
  WANT_JSON = 1 << 4,
  WANT_GRACE = 1 << 5,
  WANT_PAYER = 1 << 6,
};

/* Parses; on success *@plan is the operand (when WANT_PLAN). */
static gboolean
parse_args (PmCli        *cli,
            const char   *command,
            const char   *parameter,
            const char   *summary,
            guint         want,
            Args         *a,
            const char  **plan,
            int          *argc,
            char       ***argv)
{
  g_autoptr(GOptionContext) context = g_option_context_new (parameter);
  const GOptionEntry all[] = {
    { "name", 0, 0, G_OPTION_ARG_STRING, &a->name, N_("The plan’s name"), N_("NAME") },
    { "day", 0, 0, G_OPTION_ARG_STRING, &a->day,
      N_("Day of the month it runs: 1 to 28, or “last”"), N_("DAY") },
    { "time", 0, 0, G_OPTION_ARG_STRING, &a->time,
      N_("Time it runs, Korea time (default 10:00)"), N_("HH:MM") },
    { "roster", 0, 0, G_OPTION_ARG_FILENAME, &a->roster,
      N_("The payers: a CSV or Excel file with name, phone and amount columns"), N_("FILE") },
    { "reason", 0, 0, G_OPTION_ARG_STRING, &a->reason,
      N_("What the bills are for; may hold {이름}, {금액}, {월}, {다음달}"), N_("TEXT") },
    { "message", 0, 0, G_OPTION_ARG_STRING, &a->message,
      N_("Message to the payers; may hold {이름}, {금액}, {월}, {다음달}"), N_("TEXT") },
    { "days-to-pay", 0, 0, G_OPTION_ARG_INT, &a->days_to_pay,
      N_("Days the payers have to pay (default 7)"), N_("N") },
    { "start", 0, 0, G_OPTION_ARG_STRING, &a->start,
      N_("First month it bills (default: the next run)"), N_("YYYY-MM") },
    { "end", 0, 0, G_OPTION_ARG_STRING, &a->end, N_("Last month it bills"), N_("YYYY-MM") },
    { "period", 0, 0, G_OPTION_ARG_STRING, &a->period,
      N_("The month (default: the next one to run)"), N_("YYYY-MM") },
    { "now", 0, 0, G_OPTION_ARG_STRING, &a->now,
      N_("Act as if it were this time, Korea time (default: now)"), N_("“YYYY-MM-DD HH:MM”") },
    { "json", 0, 0, G_OPTION_ARG_NONE, &a->json, N_("Print JSON"), NULL },
    { "grace-days", 0, 0, G_OPTION_ARG_INT, &a->grace_days,
      N_("A run late by more days than this is not sent, but waits for you (default 1)"),
      N_("N") },
    { "parallel", 0, 0, G_OPTION_ARG_INT, &a->parallel,
      N_("Requests in flight at most (default 8)"), N_("N") },
    { "payer", 0, 0, G_OPTION_ARG_STRING, &a->payer, N_("The payer’s mobile number"),
      N_("PHONE") },
  };
  static const guint flags[] = { WANT_ADD, WANT_ADD, WANT_ADD, WANT_ADD, WANT_ADD, WANT_ADD,
                                 WANT_ADD, WANT_ADD, WANT_ADD, WANT_PERIOD, WANT_NOW,
                                 WANT_JSON, WANT_GRACE, WANT_GRACE, WANT_PAYER };
  GOptionEntry entries[G_N_ELEMENTS (all) + 1];
  guint n = 0;

  G_STATIC_ASSERT (G_N_ELEMENTS (all) == G_N_ELEMENTS (flags));
  a->days_to_pay = -1;
  a->grace_days = -1;
  for (guint i = 0; i < G_N_ELEMENTS (all); i++)
    if (want & flags[i])
      entries[n++] = all[i];
  memset (&entries[n], 0, sizeof entries[n]);

  g_option_context_set_summary (context, summary);
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  (*argv)[0] = (char *) command;
  if (!pm_cli_parse (cli, context, argc, argv))
    return FALSE;
  if (want & WANT_PLAN)
    {
      if (*argc < 2)
        {
          pm_cli_usage (command, "%s", _("Name the plan (its name or id)."));
          return FALSE;
        }
      if (*argc > 2)
        {
          pm_cli_usage (command, _("Unexpected argument “%s”."), (*argv)[2]);
          return FALSE;
        }
      *plan = (*argv)[1];
    }
  else if (*argc > 1)
    {
      pm_cli_usage (command, _("Unexpected argument “%s”."), (*argv)[1]);
      return FALSE;
    }
  return TRUE;
}

/* --now 'YYYY-MM-DD HH:MM' (Korea time), or the clock. */
static gboolean
parse_now (const char  *command,
           const char  *text,
           gint64      *now)
{
  g_autoptr(GTimeZone) tz = NULL;
  g_autoptr(GDateTime) dt = NULL;
  unsigned y, mo, d, h, mi;
  char end;

  if (text == NULL)
    {
      *now = g_get_real_time () / G_USEC_PER_SEC;
      return TRUE;
    }
  tz = pm_bill_korea_time_zone ();
  if (sscanf (text, "%4u-%2u-%2u %2u:%2u%c", &y, &mo, &d, &h, &mi, &end) == 5 && h < 24 && mi < 60)
    dt = g_date_time_new (tz, (int) y, (int) mo, (int) d, (int) h, (int) mi, 0);
  if (dt == NULL)
    {
      pm_cli_usage (command, _("--now: “%s” is not a time: write “YYYY-MM-DD HH:MM”."), text);
      return FALSE;
    }
  *now = g_date_time_to_unix (dt);
  return TRUE;
}

static int
open_store (PmCli         *cli,
            gboolean       need_connection,
            PmPlanStore  **store)
{
  g_autoptr(GError) error = NULL;
  int status;

  if ((status = pm_cli_open (cli, need_connection)) != PM_CLI_EXIT_OK)
    return status;
  *store = pm_plan_store_new (pm_service_get_ledger (cli->service), &error);
  if (*store == NULL)
    return pm_cli_report_error (_("Could not open the plans"), error);
  return PM_CLI_EXIT_OK;
}

static PmPlan *
find_plan (PmPlanStore *store,
           const char  *name,
           int         *status)
{
  g_autoptr(GError) error = NULL;
  PmPlan *plan = pm_plan_store_lookup (store, name, &error);

  if (plan == NULL)
    *status = pm_cli_report_error (NULL, error);
  return plan;
}

static char *
describe_schedule (PmPlan *plan)
{
  g_autofree char *time = pm_plan_format_time (pm_plan_get_time (plan));

  if (pm_plan_get_day (plan) == PM_PLAN_DAY_LAST)
    /* Translators: when a plan runs: "on the last day of every month at 10:00" */
    return g_strdup_printf (_("on the last day of every month at %s"), time);
  /* Translators: when a plan runs: "on day 5 of every month at 10:00" */
  return g_strdup_printf (_("on day %d of every month at %s"), pm_plan_get_day (plan), time);
}

static void
add_string (JsonBuilder *b,
            const char  *name,
            const char  *value)
{
  json_builder_set_member_name (b, name);
  if (value != NULL)
    json_builder_add_string_value (b, value);
  else
    json_builder_add_null_value (b);
}

static void
add_int (JsonBuilder *b,
         const char  *name,
         gint64       value)
{
  json_builder_set_member_name (b, name);
  json_builder_add_int_value (b, value);
}

static void
plan_to_json (JsonBuilder *b,
              PmPlan      *plan,
              const char  *next_period)
{
  g_autofree char *day = pm_plan_format_day (pm_plan_get_day (plan));
  g_autofree char *time = pm_plan_format_time (pm_plan_get_time (plan));

  add_string (b, "uuid", pm_plan_get_uuid (plan));
  add_string (b, "name", pm_plan_get_name (plan));
  add_string (b, "day", day);
  add_string (b, "time", time);
  add_int (b, "days_to_pay", pm_plan_get_days_to_pay (plan));
  add_string (b, "reason", pm_plan_get_reason (plan));
  add_string (b, "message", pm_plan_get_message (plan));
  add_string (b, "start", pm_plan_get_start_period (plan));
  add_string (b, "end", pm_plan_get_end_period (plan));
  json_builder_set_member_name (b, "paused");
  json_builder_add_boolean_value (b, pm_plan_get_paused (plan));
  add_int (b, "n_payers", pm_plan_get_n_payers (plan));
  add_int (b, "total", pm_plan_get_total (plan));
  add_string (b, "next_period", next_period);
  if (next_period != NULL)
    {
      g_autofree char *due = pm_cli_format_time (pm_plan_due_at (plan, next_period));

      add_string (b, "next_run", due);
    }
  else
    add_string (b, "next_run", NULL);
}

/* ---- list ---- */

static int
plans_list (PmCli  *cli,
            int     argc,
            char  **argv)
{
  g_auto(Args) a = { 0 };
  g_autoptr(PmPlanStore) store = NULL;
  g_autoptr(GPtrArray) plans = NULL;
  g_autoptr(GError) error = NULL;
  gint64 now;
  int status;

  if (!parse_args (cli, "plans list", NULL, _("Lists the monthly billing plans."),
                   WANT_JSON | WANT_NOW, &a, NULL, &argc, &argv)
      || !parse_now ("plans list", a.now, &now))
    return PM_CLI_EXIT_USAGE;
  if ((status = open_store (cli, FALSE, &store)) != PM_CLI_EXIT_OK)
    return status;
  plans = pm_plan_store_list (store, pm_service_get_profile_id (cli->service), &error);
  if (plans == NULL)
    return pm_cli_report_error (NULL, error);

  if (a.json)
    {
      g_autoptr(JsonBuilder) b = json_builder_new ();
      g_autoptr(JsonNode) root = NULL;

      json_builder_begin_array (b);
      for (guint i = 0; i < plans->len; i++)
        {
          PmPlan *plan = g_ptr_array_index (plans, i);
          g_autofree char *next = pm_plan_store_next_period (store, plan, now, NULL);

          json_builder_begin_object (b);
          plan_to_json (b, plan, next);
          json_builder_end_object (b);
        }
      json_builder_end_array (b);
      root = json_builder_get_root (b);
      pm_cli_print_json (root);
      return PM_CLI_EXIT_OK;
    }
  if (plans->len == 0)
    g_print ("%s\n", _("There is no plan yet. Add one with “paymint-cli plans add”."));
  for (guint i = 0; i < plans->len; i++)
    {
      PmPlan *plan = g_ptr_array_index (plans, i);
      g_autofree char *next = pm_plan_store_next_period (store, plan, now, NULL);
      g_autofree char *total = pm_money_format (pm_plan_get_total (plan));
      g_autofree char *when = describe_schedule (plan);
      g_autoptr(GString) line = g_string_new (NULL);

      pm_cli_append_padded (line, pm_plan_get_name (plan), 24);
      g_string_append_printf (line, " %s; ", when);
      /* Translators: "42 payers, ₩5,040,000" */
      g_string_append_printf (line, _("%u payers, %s"), pm_plan_get_n_payers (plan), total);
      if (pm_plan_get_paused (plan))
        g_string_append_printf (line, " (%s)", _("paused"));
      else if (next != NULL)
        {
          g_autofree char *due = pm_cli_format_time (pm_plan_due_at (plan, next));

          g_string_append_printf (line, _("; next: %s"), due);
        }
      else
        g_string_append_printf (line, " (%s)", _("ended"));
      g_print ("%s\n", line->str);
    }
  return PM_CLI_EXIT_OK;
}

/* ---- show ---- */

static int
plans_show (PmCli  *cli,
            int     argc,
            char  **argv)
{
  g_auto(Args) a = { 0 };
  g_autoptr(PmPlanStore) store = NULL;
  g_autoptr(PmPlan) plan = NULL;
  g_autoptr(GPtrArray) runs = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *next = NULL;
  const char *name = NULL;
  GPtrArray *roster;
  gint64 now;
  int status = PM_CLI_EXIT_OK;

  if (!parse_args (cli, "plans show", _("PLAN"),
                   _("Shows a plan: its schedule, templates, roster and history."),
                   WANT_PLAN | WANT_JSON | WANT_NOW, &a, &name, &argc, &argv)
      || !parse_now ("plans show", a.now, &now))
    return PM_CLI_EXIT_USAGE;
  if ((status = open_store (cli, FALSE, &store)) != PM_CLI_EXIT_OK)
    return status;
  if ((plan = find_plan (store, name, &status)) == NULL)
    return status;
  runs = pm_plan_store_list_runs (store, pm_plan_get_uuid (plan), &error);
  if (runs == NULL)
    return pm_cli_report_error (NULL, error);
  next = pm_plan_store_next_period (store, plan, now, NULL);
  roster = pm_plan_get_roster (plan);

  if (a.json)
    {
      g_autoptr(JsonBuilder) b = json_builder_new ();
      g_autoptr(JsonNode) root = NULL;
      g_autoptr(GPtrArray) bills = NULL;

      json_builder_begin_object (b);
      plan_to_json (b, plan, next);
      json_builder_set_member_name (b, "roster");
      json_builder_begin_array (b);
      for (guint i = 0; i < roster->len; i++)
        {
          PmPlanPayer *p = g_ptr_array_index (roster, i);

          json_builder_begin_object (b);
          add_string (b, "name", p->name);
          add_string (b, "phone", p->phone);
          add_int (b, "amount", p->amount);
          add_string (b, "method_id", p->method_id);
          json_builder_end_object (b);
        }
      json_builder_end_array (b);
      json_builder_set_member_name (b, "history");
      json_builder_begin_array (b);
      for (guint i = 0; i < runs->len; i++)
        {
          PmPlanRunInfo *r = g_ptr_array_index (runs, i);

          json_builder_begin_object (b);
          add_string (b, "period", r->period);
          add_string (b, "state", pm_plan_run_state_to_string (r->state));
          add_string (b, "batch_id", r->batch_id);
          add_int (b, "n_bills", r->n_bills);
          add_int (b, "n_sent", r->n_sent);
          add_int (b, "n_failed", r->n_failed);
          add_int (b, "n_unknown", r->n_unknown);
          add_int (b, "won_sent", r->won_sent);
          bills = pm_plan_store_list_bills (store, pm_plan_get_uuid (plan), r->period, &error);
          if (bills == NULL)
            return pm_cli_report_error (NULL, error);
          json_builder_set_member_name (b, "bills");
          json_builder_begin_array (b);
          for (guint j = 0; j < bills->len; j++)
            {
              PmPlanBillRow *row = g_ptr_array_index (bills, j);

              json_builder_begin_object (b);
              add_string (b, "phone", row->payer->phone);
              add_string (b, "name", row->payer->name);
              add_int (b, "revision", row->revision);
              add_string (b, "bill_id", row->bill != NULL ? pm_bill_get_bill_id (row->bill)
                                                          : NULL);
              add_string (b, "state", row->bill != NULL
                                      ? pm_bill_state_to_string (pm_bill_get_state (row->bill))
                                      : NULL);
              add_int (b, "amount", row->payer->amount);
              json_builder_end_object (b);
            }
          json_builder_end_array (b);
          g_clear_pointer (&bills, g_ptr_array_unref);
          json_builder_end_object (b);
        }
      json_builder_end_array (b);
      json_builder_end_object (b);
      root = json_builder_get_root (b);
      pm_cli_print_json (root);
      return PM_CLI_EXIT_OK;
    }

  {
    g_autofree char *when = describe_schedule (plan);
    g_autofree char *total = pm_money_format (pm_plan_get_total (plan));

    g_print ("%s (%s)\n", pm_plan_get_name (plan), pm_plan_get_uuid (plan));
    g_print (_("Runs %s; payers have %d days to pay.\n"), when, pm_plan_get_days_to_pay (plan));
    if (pm_plan_get_end_period (plan) != NULL)
      g_print (_("From %s to %s.\n"), pm_plan_get_start_period (plan),
               pm_plan_get_end_period (plan));
    else
      g_print (_("From %s on.\n"), pm_plan_get_start_period (plan));
    if (pm_plan_get_paused (plan))
      g_print ("%s\n", _("Paused: it does not run until resumed."));
    else if (next != NULL)
      {
        g_autofree char *due = pm_cli_format_time (pm_plan_due_at (plan, next));

        g_print (_("Next run: %s (%s).\n"), next, due);
      }
    g_print (_("Reason: %s\n"), pm_plan_get_reason (plan));
    g_print (_("Message: %s\n"), pm_plan_get_message (plan));
    g_print (_("Roster: %u payers, %s a month\n"), roster->len, total);
    for (guint i = 0; i < roster->len; i++)
      {
        PmPlanPayer *p = g_ptr_array_index (roster, i);
        g_autofree char *phone = pm_phone_format_display (p->phone);
        g_autofree char *won = pm_money_format (p->amount);
        g_autoptr(GString) line = g_string_new ("  ");

        pm_cli_append_padded (line, p->name, 16);
        g_string_append_printf (line, " %-13s %12s", phone, won);
        if (p->method_id != NULL)
          g_string_append_printf (line, _("  AutoPay card %s"), p->method_id);
        g_print ("%s\n", line->str);
      }
    if (runs->len > 0)
      g_print ("%s\n", _("History:"));
    for (guint i = 0; i < runs->len; i++)
      {
        PmPlanRunInfo *r = g_ptr_array_index (runs, i);
        g_autofree char *won = pm_money_format (r->won_sent);

        /* Translators: "2027-03  done  42 bills: 41 sent (₩4,920,000), 1 not sent, 0 unknown" */
        g_print (_("  %s  %s  %u bills: %u sent (%s), %u not sent, %u unknown\n"), r->period,
                 pm_plan_run_state_get_label (r->state), r->n_bills, r->n_sent, won,
                 r->n_failed, r->n_unknown);
      }
  }
  return PM_CLI_EXIT_OK;
}

/* ---- add ---- */

static int
plans_add (PmCli  *cli,
           int     argc,
           char  **argv)
{
  g_auto(Args) a = { 0 };
  g_autoptr(PmPlanStore) store = NULL;
  g_autoptr(PmPlan) plan = pm_plan_new ();
  g_autoptr(GPtrArray) roster = NULL;
  g_autoptr(GError) error = NULL;
  const char *command = "plans add";
  int day = 0, minutes = PM_PLAN_DEFAULT_TIME;
  gint64 now;
  int status;

  if (!parse_args (cli, command, NULL,
                   _("Adds a monthly billing plan. Example:\n"
                     "  paymint-cli plans add --name 수강료 --day 5 --time 10:00 "
                     "--roster students.xlsx \\\n"
                     "    --reason '{월} 수강료' --message '{이름} 학생 {월} 수강료 {금액}입니다.'"),
                   WANT_ADD | WANT_JSON | WANT_NOW, &a, NULL, &argc, &argv)
      || !parse_now (command, a.now, &now))
    return PM_CLI_EXIT_USAGE;
  if (a.name == NULL || a.day == NULL || a.roster == NULL || a.reason == NULL
      || a.message == NULL)
    return pm_cli_usage (command, "%s", _("Give --name, --day, --roster, --reason and --message."));
  if (!pm_plan_parse_day (a.day, &day, &error))
    return pm_cli_usage (command, "--day: %s", error->message);
  if (a.time != NULL && !pm_plan_parse_time (a.time, &minutes, &error))
    return pm_cli_usage (command, "--time: %s", error->message);
  if (!pm_plan_check_template (a.reason, PM_PLAN_FIELD_REASON, &error))
    return pm_cli_usage (command, "--reason: %s", error->message);
  if (!pm_plan_check_template (a.message, PM_PLAN_FIELD_MESSAGE, &error))
    return pm_cli_usage (command, "--message: %s", error->message);
  if (a.start != NULL && !pm_plan_parse_period (a.start, PM_PLAN_FIELD_START, NULL, NULL, &error))
    return pm_cli_usage (command, "--start: %s", error->message);
  if (a.end != NULL && !pm_plan_parse_period (a.end, PM_PLAN_FIELD_END, NULL, NULL, &error))
    return pm_cli_usage (command, "--end: %s", error->message);

  pm_plan_set_name (plan, a.name);
  pm_plan_set_day (plan, day);
  pm_plan_set_time (plan, minutes);
  pm_plan_set_reason (plan, a.reason);
  pm_plan_set_message (plan, a.message);
  if (a.days_to_pay != -1)
    pm_plan_set_days_to_pay (plan, a.days_to_pay);
  pm_plan_set_end_period (plan, a.end);
  if (a.start != NULL)
    pm_plan_set_start_period (plan, a.start);
  else
    {
      /* the first month whose run is still ahead */
      g_autofree char *period = pm_plan_period_at (now);

      pm_plan_set_start_period (plan, period);
      if (pm_plan_due_at (plan, period) < now)
        {
          g_autofree char *next = pm_plan_period_add (period, 1);

          pm_plan_set_start_period (plan, next);
        }
    }

  roster = pm_plan_roster_from_file (a.roster, now, &error);
  if (roster == NULL)
    return pm_cli_usage (command, "%s: %s", a.roster, error->message);
  pm_plan_set_roster (plan, roster);
  if (!pm_plan_validate (plan, &error))
    {
      const char *field = pm_error_get_field (error);

      if (g_strcmp0 (field, PM_PLAN_FIELD_DAYS_TO_PAY) == 0)
        return pm_cli_usage (command, "--days-to-pay: %s", error->message);
      if (g_strcmp0 (field, PM_PLAN_FIELD_END) == 0)
        return pm_cli_usage (command, "--end: %s", error->message);
      if (g_strcmp0 (field, PM_PLAN_FIELD_NAME) == 0)
        return pm_cli_usage (command, "--name: %s", error->message);
      if (g_strcmp0 (field, PM_PLAN_FIELD_ROSTER) == 0)
        return pm_cli_usage (command, "%s: %s", a.roster, error->message);
      return pm_cli_usage (command, "%s", error->message);
    }

  if ((status = open_store (cli, TRUE, &store)) != PM_CLI_EXIT_OK)
    return status;
  if (!pm_plan_store_add (store, plan, pm_service_get_profile_id (cli->service), now, &error))
    {
      if (g_strcmp0 (pm_error_get_field (error), PM_PLAN_FIELD_NAME) == 0)
        return pm_cli_usage (command, "--name: %s", error->message);
      return pm_cli_report_error (_("Could not add the plan"), error);
    }
  if (a.json)
    {
      g_autoptr(JsonBuilder) b = json_builder_new ();
      g_autoptr(JsonNode) root = NULL;

      json_builder_begin_object (b);
      plan_to_json (b, plan, pm_plan_get_start_period (plan));
      json_builder_end_object (b);
      root = json_builder_get_root (b);
      pm_cli_print_json (root);
    }
  else
    {
      g_autofree char *when = describe_schedule (plan);
      g_autofree char *due = pm_cli_format_time (pm_plan_due_at (plan,
                                                                 pm_plan_get_start_period (plan)));

      g_print (_("Added the plan “%s” (%s): %u payers, %s; first run %s.\n"),
               pm_plan_get_name (plan), pm_plan_get_uuid (plan), pm_plan_get_n_payers (plan),
               when, due);
    }
  return PM_CLI_EXIT_OK;
}

/* ---- preview ---- */

static char *
period_or_next (PmPlanStore *store,
                PmPlan      *plan,
                const char  *period,
                gint64       now)
{
  if (period != NULL)
    return g_strdup (period);
  return pm_plan_store_next_period (store, plan, now, NULL);
}

static int
plans_preview (PmCli  *cli,
               int     argc,
               char  **argv)
{
  g_auto(Args) a = { 0 };
  g_autoptr(PmPlanStore) store = NULL;
  g_autoptr(PmPlan) plan = NULL;
  g_autoptr(GPtrArray) rows = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *period = NULL;
  g_autofree char *total_text = NULL;
  g_autofree char *total_words = NULL;
  const char *command = "plans preview";
  const char *name = NULL;
  gint64 total = 0, now;
  guint n_problems = 0;
  int status;

  if (!parse_args (cli, command, _("PLAN"),
                   _("Shows every bill of a month as it will be sent, and the total."),
                   WANT_PLAN | WANT_PERIOD | WANT_JSON | WANT_NOW, &a, &name, &argc, &argv)
      || !parse_now (command, a.now, &now))
    return PM_CLI_EXIT_USAGE;
  if (a.period != NULL && !pm_plan_parse_period (a.period, PM_PLAN_FIELD_PERIOD, NULL, NULL,
                                                 &error))
    return pm_cli_usage (command, "--period: %s", error->message);
  if ((status = open_store (cli, FALSE, &store)) != PM_CLI_EXIT_OK)
    return status;
  if ((plan = find_plan (store, name, &status)) == NULL)
    return status;
  period = period_or_next (store, plan, a.period, now);
  if (period == NULL)
    return pm_cli_usage (command, _("The plan “%s” has ended: give --period."),
                         pm_plan_get_name (plan));
  rows = pm_plan_store_preview (store, pm_plan_get_uuid (plan), period, now, &error);
  if (rows == NULL)
    return pm_cli_report_error (NULL, error);
  for (guint i = 0; i < rows->len; i++)
    {
      PmPlanBillRow *row = g_ptr_array_index (rows, i);

      total += row->payer->amount;
      if (row->problem != NULL)
        n_problems++;
    }
  total_text = pm_money_format (total);
  total_words = pm_money_format_korean (total);

  if (a.json)
    {
      g_autoptr(JsonBuilder) b = json_builder_new ();
      g_autoptr(JsonNode) root = NULL;
      g_autofree char *due = pm_cli_format_time (pm_plan_due_at (plan, period));

      json_builder_begin_object (b);
      add_string (b, "plan", pm_plan_get_uuid (plan));
      add_string (b, "name", pm_plan_get_name (plan));
      add_string (b, "period", period);
      add_string (b, "run_at", due);
      json_builder_set_member_name (b, "bills");
      json_builder_begin_array (b);
      for (guint i = 0; i < rows->len; i++)
        {
          PmPlanBillRow *row = g_ptr_array_index (rows, i);

          json_builder_begin_object (b);
          add_string (b, "name", row->payer->name);
          add_string (b, "phone", row->payer->phone);
          add_int (b, "amount", row->payer->amount);
          add_int (b, "revision", row->revision);
          add_string (b, "method_id", row->payer->method_id);
          if (row->bill != NULL)
            {
              add_string (b, "bill_id", pm_bill_get_bill_id (row->bill));
              add_string (b, "reason", pm_bill_get_product (row->bill));
              add_string (b, "message", pm_bill_get_message (row->bill));
              add_string (b, "expire_dt", pm_bill_get_expire_date (row->bill));
              add_string (b, "state", row->in_ledger
                                      ? pm_bill_state_to_string (pm_bill_get_state (row->bill))
                                      : NULL);
            }
          add_string (b, "problem", row->problem);
          json_builder_end_object (b);
        }
      json_builder_end_array (b);
      add_int (b, "total", total);
      add_string (b, "total_words", total_words);
      add_int (b, "n_problems", n_problems);
      json_builder_end_object (b);
      root = json_builder_get_root (b);
      pm_cli_print_json (root);
      return n_problems > 0 ? PM_CLI_EXIT_REJECTED : PM_CLI_EXIT_OK;
    }

  {
    g_autofree char *due = pm_cli_format_time (pm_plan_due_at (plan, period));

    /* Translators: "수강료, 2027-03, runs 2027-03-05 10:00:00" */
    g_print (_("%s, %s, runs %s\n"), pm_plan_get_name (plan), period, due);
  }
  for (guint i = 0; i < rows->len; i++)
    {
      PmPlanBillRow *row = g_ptr_array_index (rows, i);
      g_autofree char *phone = pm_phone_format_display (row->payer->phone);
      g_autofree char *won = pm_money_format (row->payer->amount);
      g_autoptr(GString) line = g_string_new (NULL);

      g_string_append_printf (line, "%3u. ", i + 1);
      pm_cli_append_padded (line, row->payer->name, 14);
      g_string_append_printf (line, " %-13s %12s", phone, won);
      if (row->bill != NULL)
        {
          g_string_append_printf (line, "  %s", pm_bill_get_bill_id (row->bill));
          if (row->in_ledger)
            g_string_append_printf (line, " (%s)",
                                    pm_bill_state_get_label (pm_bill_get_state (row->bill)));
          g_string_append_printf (line, "\n     %s | %s | ~%s", pm_bill_get_product (row->bill),
                                  pm_bill_get_message (row->bill),
                                  pm_bill_get_expire_date (row->bill));
        }
      if (row->payer->method_id != NULL)
        g_string_append_printf (line, _("\n     AutoPay card %s"), row->payer->method_id);
      if (row->problem != NULL)
        g_string_append_printf (line, _("\n     problem: %s"), row->problem);
      g_print ("%s\n", line->str);
    }
  /* Translators: "Total: 3 bills, ₩360,000 (삼십육만 원)" */
  g_print (_("Total: %u bills, %s (%s)\n"), rows->len, total_text, total_words);
  if (n_problems > 0)
    {
      g_print (_("%u bills have a problem: fix the roster or the templates before the run.\n"),
               n_problems);
      return PM_CLI_EXIT_REJECTED;
    }
  return PM_CLI_EXIT_OK;
}

/* ---- run-due, run ---- */

static int
print_report (const PmPlanRunReport *r,
              gboolean               quiet)
{
  g_autofree char *won = pm_money_format (r->won_sent);

  if (r->busy)
    {
      g_print (_("%s %s: another run is sending it right now; nothing done here.\n"),
               r->plan_name, r->period);
      return PM_CLI_EXIT_OK;
    }
  /* Translators: "수강료 2027-03: 42 bills sent (₩5,040,000), 1 not sent, 0 unknown, 0 sent before" */
  g_print (_("%s %s: %u bills sent (%s), %u not sent, %u unknown, %u sent before\n"),
           r->plan_name, r->period, r->n_sent, won, r->n_failed, r->n_unknown, r->n_already);
  if (r->error_text != NULL && (r->n_failed > 0 || r->n_unknown > 0))
    g_print ("  %s\n", r->error_text);
  if (r->n_unknown > 0)
    return PM_CLI_EXIT_UNKNOWN;
  if (r->n_failed > 0)
    return PM_CLI_EXIT_REJECTED;
  return PM_CLI_EXIT_OK;
}

static void
report_to_json (JsonBuilder           *b,
                const PmPlanRunReport *r)
{
  json_builder_begin_object (b);
  add_string (b, "plan", r->plan_uuid);
  add_string (b, "name", r->plan_name);
  add_string (b, "period", r->period);
  add_int (b, "n_bills", r->n_bills);
  add_int (b, "n_written", r->n_written);
  add_int (b, "n_sent", r->n_sent);
  add_int (b, "n_already", r->n_already);
  add_int (b, "n_failed", r->n_failed);
  add_int (b, "n_unknown", r->n_unknown);
  add_int (b, "won_sent", r->won_sent);
  json_builder_set_member_name (b, "busy");
  json_builder_add_boolean_value (b, r->busy);
  add_string (b, "error", r->error_text);
  json_builder_end_object (b);
}

static int
plans_run_due (PmCli  *cli,
               int     argc,
               char  **argv)
{
  g_auto(Args) a = { 0 };
  g_autoptr(PmPlanStore) store = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GPtrArray) reports = NULL;
  g_autoptr(GPtrArray) missed = NULL;
  g_autoptr(GError) error = NULL;
  const char *command = "plans run-due";
  guint n_missed = 0;
  gint64 now, grace;
  int status, worst = PM_CLI_EXIT_OK;

  if (!parse_args (cli, command, NULL,
                   _("Sends the plans whose time has come (the timer runs this every 15 "
                     "minutes). A run late by more than the grace period is not sent: it waits "
                     "for you (“plans run PLAN --period …” or “plans skip”)."),
                   WANT_NOW | WANT_JSON | WANT_GRACE, &a, NULL, &argc, &argv)
      || !parse_now (command, a.now, &now))
    return PM_CLI_EXIT_USAGE;
  if (a.grace_days < -1 || a.grace_days > 365)
    return pm_cli_usage (command, "%s", _("--grace-days: give 0 to 365 days."));
  if (a.parallel < 0 || a.parallel > 64)
    return pm_cli_usage (command, "%s", _("--parallel: give 1 to 64."));
  grace = a.grace_days >= 0 ? (gint64) a.grace_days * 86400 : PM_PLAN_DEFAULT_GRACE;
  if ((status = open_store (cli, FALSE, &store)) != PM_CLI_EXIT_OK)
    return status;
  if (pm_service_get_profile (cli->service) == NULL)
    {
      /* the timer runs this every quarter of an hour: with no plan due, no connection is
       * needed and nothing is said */
      g_autoptr(GPtrArray) due = pm_plan_store_due_runs (store, NULL, now, grace, &error);

      if (due == NULL)
        return pm_cli_report_error (NULL, error);
      if (due->len == 0)
        {
          if (!cli->quiet)
            g_print ("%s\n", _("No plan is due."));
          return PM_CLI_EXIT_OK;
        }
      g_printerr ("paymint-cli: %s\n", _("Plans are due, but there is no connection to send "
                                         "them with."));
      return PM_CLI_EXIT_AUTH;
    }

  /* what an earlier run (killed, cut off) left without an outcome is settled by the
   * run that takes its period over, under the period's claim: settling every intent
   * here, before claiming, would race a run-due that is still at work */
  pm_plan_store_run_due_async (store, cli->service, now, grace, (guint) a.parallel, NULL,
                               pm_cli_store_result_cb, &result);
  pm_cli_wait (&result);
  reports = pm_plan_store_run_due_finish (store, result, &n_missed, &error);
  if (reports == NULL)
    return pm_cli_report_error (_("The plans could not run"), error);
  missed = pm_plan_store_due_runs (store, pm_service_get_profile_id (cli->service), now, grace,
                                   &error);
  if (missed == NULL)
    return pm_cli_report_error (NULL, error);

  if (a.json)
    {
      g_autoptr(JsonBuilder) b = json_builder_new ();
      g_autoptr(JsonNode) root = NULL;

      json_builder_begin_object (b);
      json_builder_set_member_name (b, "runs");
      json_builder_begin_array (b);
      for (guint i = 0; i < reports->len; i++)
        report_to_json (b, g_ptr_array_index (reports, i));
      json_builder_end_array (b);
      json_builder_set_member_name (b, "missed");
      json_builder_begin_array (b);
      for (guint i = 0; i < missed->len; i++)
        {
          PmPlanRunInfo *m = g_ptr_array_index (missed, i);
          g_autofree char *due = pm_cli_format_time (m->due_at);

          if (m->state != PM_PLAN_RUN_MISSED)
            continue;
          json_builder_begin_object (b);
          add_string (b, "plan", m->plan_uuid);
          add_string (b, "name", m->plan_name);
          add_string (b, "period", m->period);
          add_string (b, "due_at", due);
          json_builder_end_object (b);
        }
      json_builder_end_array (b);
      json_builder_end_object (b);
      root = json_builder_get_root (b);
      pm_cli_print_json (root);
    }
  for (guint i = 0; i < reports->len; i++)
    {
      PmPlanRunReport *r = g_ptr_array_index (reports, i);
      int s = a.json ? (r->n_unknown > 0 ? PM_CLI_EXIT_UNKNOWN
                        : r->n_failed > 0 ? PM_CLI_EXIT_REJECTED : PM_CLI_EXIT_OK)
                     : print_report (r, cli->quiet);

      if (s == PM_CLI_EXIT_UNKNOWN || (s != PM_CLI_EXIT_OK && worst == PM_CLI_EXIT_OK))
        worst = s;
    }
  if (!a.json)
    {
      for (guint i = 0; i < missed->len; i++)
        {
          PmPlanRunInfo *m = g_ptr_array_index (missed, i);
          g_autofree char *due = pm_cli_format_time (m->due_at);

          if (m->state != PM_PLAN_RUN_MISSED)
            continue;
          g_print (_("%s %s was due on %s and was not sent in time; send it now with "
                     "“paymint-cli plans run %s --period %s” or skip this month with "
                     "“paymint-cli plans skip %s --period %s”.\n"),
                   m->plan_name, m->period, due, m->plan_uuid, m->period, m->plan_uuid,
                   m->period);
        }
      if (reports->len == 0 && n_missed == 0 && !cli->quiet)
        g_print ("%s\n", _("No plan is due."));
    }
  return worst;
}

static int
plans_run (PmCli  *cli,
           int     argc,
           char  **argv)
{
  g_auto(Args) a = { 0 };
  g_autoptr(PmPlanStore) store = NULL;
  g_autoptr(PmPlan) plan = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(PmPlanRunReport) report = NULL;
  g_autoptr(GError) error = NULL;
  const char *command = "plans run";
  const char *name = NULL;
  gint64 now;
  int status;

  if (!parse_args (cli, command, _("PLAN"),
                   _("Sends one month of a plan now (a missed month, or a run that stopped), "
                     "never twice."),
                   WANT_PLAN | WANT_PERIOD | WANT_NOW | WANT_JSON | WANT_GRACE, &a, &name,
                   &argc, &argv)
      || !parse_now (command, a.now, &now))
    return PM_CLI_EXIT_USAGE;
  if (a.period == NULL)
    return pm_cli_usage (command, "%s", _("Give the month with --period YYYY-MM."));
  if (!pm_plan_parse_period (a.period, PM_PLAN_FIELD_PERIOD, NULL, NULL, &error))
    return pm_cli_usage (command, "--period: %s", error->message);
  if ((status = open_store (cli, TRUE, &store)) != PM_CLI_EXIT_OK)
    return status;
  if ((plan = find_plan (store, name, &status)) == NULL)
    return status;
  if (now < pm_plan_due_at (plan, a.period) - 31 * 86400)
    return pm_cli_usage (command, _("%s is more than a month ahead: it cannot be sent yet."),
                         a.period);

  pm_plan_store_run_async (store, cli->service, pm_plan_get_uuid (plan), a.period, now,
                           (guint) MAX (a.parallel, 0), NULL, pm_cli_store_result_cb, &result);
  pm_cli_wait (&result);
  report = pm_plan_store_run_finish (store, result, &error);
  if (report == NULL)
    return pm_cli_report_error (_("The plan could not run"), error);
  if (a.json)
    {
      g_autoptr(JsonBuilder) b = json_builder_new ();
      g_autoptr(JsonNode) root = NULL;

      report_to_json (b, report);
      root = json_builder_get_root (b);
      pm_cli_print_json (root);
      return report->n_unknown > 0 ? PM_CLI_EXIT_UNKNOWN
             : report->n_failed > 0 ? PM_CLI_EXIT_REJECTED : PM_CLI_EXIT_OK;
    }
  return print_report (report, cli->quiet);
}

/* ---- pause, resume, skip, remove ---- */

static int
plans_simple (PmCli       *cli,
              int          argc,
              char       **argv,
              const char  *command,
              const char  *summary,
              int          what)  /* 0 pause, 1 resume, 2 skip, 3 remove */
{
  g_auto(Args) a = { 0 };
  g_autoptr(PmPlanStore) store = NULL;
  g_autoptr(PmPlan) plan = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *period = NULL;
  const char *name = NULL;
  gint64 now;
  gboolean ok = FALSE;
  int status;

  if (!parse_args (cli, command, _("PLAN"), summary,
                   WANT_PLAN | WANT_NOW | (what == 2 ? WANT_PERIOD : 0), &a, &name, &argc,
                   &argv)
      || !parse_now (command, a.now, &now))
    return PM_CLI_EXIT_USAGE;
  if (a.period != NULL && !pm_plan_parse_period (a.period, PM_PLAN_FIELD_PERIOD, NULL, NULL,
                                                 &error))
    return pm_cli_usage (command, "--period: %s", error->message);
  if ((status = open_store (cli, FALSE, &store)) != PM_CLI_EXIT_OK)
    return status;
  if ((plan = find_plan (store, name, &status)) == NULL)
    return status;
  switch (what)
    {
    case 0:
    case 1:
      ok = pm_plan_store_set_paused (store, pm_plan_get_uuid (plan), what == 0, now, &error);
      if (ok)
        g_print (what == 0 ? _("Paused “%s”.\n") : _("Resumed “%s”.\n"), pm_plan_get_name (plan));
      break;
    case 2:
      period = period_or_next (store, plan, a.period, now);
      if (period == NULL)
        return pm_cli_usage (command, _("The plan “%s” has ended: give --period."),
                             pm_plan_get_name (plan));
      ok = pm_plan_store_skip (store, pm_plan_get_uuid (plan), period, now, &error);
      if (ok)
        g_print (_("“%s” will not bill %s.\n"), pm_plan_get_name (plan), period);
      break;
    default:
      ok = pm_plan_store_remove (store, pm_plan_get_uuid (plan), now, &error);
      if (ok)
        g_print (_("Ended the plan “%s”; its history stays.\n"), pm_plan_get_name (plan));
    }
  if (!ok)
    {
      if (g_strcmp0 (pm_error_get_field (error), PM_PLAN_FIELD_PERIOD) == 0)
        return pm_cli_usage (command, "%s", error->message);
      return pm_cli_report_error (NULL, error);
    }
  return PM_CLI_EXIT_OK;
}

/* ---- bill-again ---- */

static int
plans_bill_again (PmCli  *cli,
                  int     argc,
                  char  **argv)
{
  g_auto(Args) a = { 0 };
  g_autoptr(PmPlanStore) store = NULL;
  g_autoptr(PmPlan) plan = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(PmBill) bill = NULL;
  g_autoptr(GError) error = NULL;
  const char *command = "plans bill-again";
  const char *name = NULL;
  gint64 now;
  int status;

  if (!parse_args (cli, command, _("PLAN"),
                   _("Bills one payer again for a month whose bill was voided or refunded: "
                     "a new bill (the month’s next revision), kept in the history."),
                   WANT_PLAN | WANT_PERIOD | WANT_PAYER | WANT_NOW | WANT_JSON, &a, &name,
                   &argc, &argv)
      || !parse_now (command, a.now, &now))
    return PM_CLI_EXIT_USAGE;
  if (a.period == NULL || a.payer == NULL)
    return pm_cli_usage (command, "%s", _("Give --period YYYY-MM and --payer PHONE."));
  if (!pm_plan_parse_period (a.period, PM_PLAN_FIELD_PERIOD, NULL, NULL, &error))
    return pm_cli_usage (command, "--period: %s", error->message);
  if ((status = open_store (cli, TRUE, &store)) != PM_CLI_EXIT_OK)
    return status;
  if ((plan = find_plan (store, name, &status)) == NULL)
    return status;
  pm_plan_store_bill_again_async (store, cli->service, pm_plan_get_uuid (plan), a.period,
                                  a.payer, now, NULL, pm_cli_store_result_cb, &result);
  pm_cli_wait (&result);
  bill = pm_plan_store_bill_again_finish (store, result, &error);
  if (bill == NULL && pm_error_get_field (error) != NULL && pm_error_get_http_status (error) == 0
      && pm_error_get_result_code (error) == NULL && !pm_error_is_maybe_done (error))
    return pm_cli_usage (command, "%s", error->message);
  return pm_cli_finish_send (bill, error, bill != NULL ? pm_bill_get_bill_id (bill) : NULL,
                             a.json);
}

int
pm_cli_cmd_plans (PmCli  *cli,
                  int     argc,
                  char  **argv)
{
  const char *sub;

  if (argc < 2)
    return pm_cli_usage ("plans", "%s", _("Give a plans command: list, show, add, preview, "
                                          "run-due, run, pause, resume, skip, remove or "
                                          "bill-again."));
  sub = argv[1];
  argc--;
  argv++;
  if (strcmp (sub, "list") == 0)
    return plans_list (cli, argc, argv);
  if (strcmp (sub, "show") == 0)
    return plans_show (cli, argc, argv);
  if (strcmp (sub, "add") == 0)
    return plans_add (cli, argc, argv);
  if (strcmp (sub, "preview") == 0)
    return plans_preview (cli, argc, argv);
  if (strcmp (sub, "run-due") == 0)
    return plans_run_due (cli, argc, argv);
  if (strcmp (sub, "run") == 0)
    return plans_run (cli, argc, argv);
  if (strcmp (sub, "pause") == 0)
    return plans_simple (cli, argc, argv, "plans pause",
                         _("Pauses a plan: it does not run until resumed."), 0);
  if (strcmp (sub, "resume") == 0)
    return plans_simple (cli, argc, argv, "plans resume", _("Resumes a paused plan."), 1);
  if (strcmp (sub, "skip") == 0)
    return plans_simple (cli, argc, argv, "plans skip",
                         _("Skips one month of a plan (default: the next one)."), 2);
  if (strcmp (sub, "remove") == 0)
    return plans_simple (cli, argc, argv, "plans remove",
                         _("Ends a plan: it runs no more; its history stays."), 3);
  if (strcmp (sub, "bill-again") == 0)
    return plans_bill_again (cli, argc, argv);
  if (strcmp (sub, "--help") == 0 || strcmp (sub, "-h") == 0)
    {
      g_print ("%s\n", _("Usage: paymint-cli plans COMMAND [OPTIONS]\n\n"
                         "  list        List the plans\n"
                         "  show        Show a plan, its roster and history\n"
                         "  add         Add a plan\n"
                         "  preview     Show a month’s bills before they are sent\n"
                         "  run-due     Send the plans whose time has come\n"
                         "  run         Send one month now (a missed one)\n"
                         "  pause       Pause a plan\n"
                         "  resume      Resume a paused plan\n"
                         "  skip        Skip one month\n"
                         "  remove      End a plan\n"
                         "  bill-again  Bill a payer again for a month after a void\n\n"
                         "Each has its own --help."));
      return PM_CLI_EXIT_OK;
    }
  return pm_cli_usage ("plans", _("“%s” is not a plans command."), sub);
}
