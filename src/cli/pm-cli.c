/* pm-cli.c — paymint-cli: global options, the connection, errors, output helpers
 *
 * Copyright 2026 The Paymint Desk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n.h>
#include <locale.h>
#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "pm-cli-private.h"
#include "pm-text.h"
#include "pm-error.h"
#include "pm-money.h"
#include "pm-phone.h"
#include "pm-secrets.h"
#include "pm-shared-sandbox.h"

typedef struct
{
  const char       *name;
  PmCliCommandFunc  func;
  const char       *summary;
} Command;

static const Command commands[] = {
  { "profiles", pm_cli_cmd_profiles, N_("List, add or remove connection profiles (keyring)") },
  { "licenses", pm_cli_cmd_licenses, N_("Show the licenses the connection gives") },
  { "send", pm_cli_cmd_send, N_("Send one payment request") },
  { "bulk-send", pm_cli_cmd_bulk_send, N_("Send a payment request for every row of a CSV file") },
  { "read", pm_cli_cmd_read, N_("Read a bill’s current state from the server") },
  { "cancel", pm_cli_cmd_cancel, N_("Refund a paid bill") },
  { "destroy", pm_cli_cmd_destroy, N_("Void an unpaid bill") },
  { "resend", pm_cli_cmd_resend, N_("Send an unpaid bill’s message again") },
  { "send-again", pm_cli_cmd_send_again,
    N_("Send a request that was not sent (nothing was charged) with its own bill id") },
  { "refresh", pm_cli_cmd_refresh, N_("Check bills with the server and update the ledger") },
  { "list", pm_cli_cmd_list, N_("List bills from the ledger") },
  { "export", pm_cli_cmd_export, N_("Export bills from the ledger to a CSV or Excel (.xlsx) file") },
  { "receipt", pm_cli_cmd_receipt, N_("Write the receipt of a paid bill as a PDF") },
  { "autopay", pm_cli_cmd_autopay, N_("AutoPay: register, methods, update, charge, delete") },
  { "plans", pm_cli_cmd_plans, N_("Monthly billing plans: list, add, preview, run-due, …") },
};

/* Every command's parser accepts the global options too ("paymint-cli list --sandbox"
 * as well as "paymint-cli --sandbox list"); both write into the same PmCli. */
static GOptionGroup *
global_group (PmCli *cli)
{
  const GOptionEntry entries[] = {
    { "sandbox", 0, 0, G_OPTION_ARG_NONE, &cli->use_sandbox,
      N_("Use the built-in sandbox: everything works without an account"), NULL },
    { "profile", 0, 0, G_OPTION_ARG_STRING, &cli->profile_name,
      N_("The connection profile to use (name or uuid); default: the app’s active one"),
      N_("NAME") },
    { "ledger", 0, 0, G_OPTION_ARG_FILENAME, &cli->ledger_path,
      N_("The payments ledger (default: the desktop app’s)"), N_("PATH") },
    { "quiet", 'q', 0, G_OPTION_ARG_NONE, &cli->quiet,
      N_("Print no progress"), NULL },
    { "sandbox-url", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_STRING, &cli->sandbox_url,
      "Use an external paymint-sandbox at URL with its demo key (for tests and benchmarks)",
      "URL" },
    { NULL }
  };
  GOptionGroup *group;

  group = g_option_group_new ("global", _("Global options:"), _("Show the global options"),
                              NULL, NULL);
  g_option_group_add_entries (group, entries);
  g_option_group_set_translation_domain (group, GETTEXT_PACKAGE);
  return group;
}

int
pm_cli_usage (const char *command,
              const char *format,
              ...)
{
  g_autofree char *message = NULL;
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  if (command != NULL)
    {
      g_printerr ("paymint-cli %s: %s\n", command, message);
      g_printerr (_("Try “paymint-cli %s --help”.\n"), command);
    }
  else
    {
      g_printerr ("paymint-cli: %s\n", message);
      g_printerr (_("Try “paymint-cli --help”.\n"));
    }
  return PM_CLI_EXIT_USAGE;
}

/* ---- arguments that are not text ----
 *
 * GLib converts the value of a string option to UTF-8 and, when it cannot, fails with an
 * error that names no option ("Invalid byte sequence in conversion input"). So before
 * parsing, every argument that is not text in the locale's encoding is swapped for a
 * readable stand-in; after parsing, a stand-in still among the remaining arguments was an
 * operand (a file name may be any bytes: the original goes back), and one that was
 * consumed was an option's value: refused, naming the option. File-name options take any
 * bytes: they are listed here. */

static const struct
{
  const char *name;
  gsize       offset;  /* of its char * in PmCli */
} filename_options[] = {
  { "--ledger", G_STRUCT_OFFSET (PmCli, ledger_path) },
};

typedef struct
{
  char *original;  /* borrowed from argv */
  char *stand_in;
  char *option;    /* the option whose value it would be ("--name", "-b"), or NULL */
  char *value;     /* borrowed: the original value ("--name=VALUE" or the whole argument) */
} StandIn;

static void
stand_in_free (StandIn *s)
{
  g_free (s->stand_in);
  g_free (s->option);
  g_free (s);
}

static gboolean
is_text (const char *arg)
{
  g_autofree char *utf8 = NULL;

  if (g_get_charset (NULL))
    return g_utf8_validate (arg, -1, NULL);
  utf8 = g_locale_to_utf8 (arg, -1, NULL, NULL, NULL);
  return utf8 != NULL;
}

/* "--name" for "--name", the last letter for a group of short options ("-yb" → "-b"). */
static char *
option_taking_next (const char *arg)
{
  if (arg == NULL || arg[0] != '-' || arg[1] == '\0' || strcmp (arg, "--") == 0
      || strchr (arg, '=') != NULL)
    return NULL;
  if (arg[1] == '-')
    return g_strdup (arg);
  return g_strdup_printf ("-%c", arg[strlen (arg) - 1]);
}

/* Swaps the arguments that are not text for stand-ins (NULL when there is none, or
 * FALSE after printing why when one is an option name that is not text). */
static gboolean
swap_in_stand_ins (const char   *command,
                   int           argc,
                   char        **argv,
                   GPtrArray   **stand_ins)
{
  *stand_ins = NULL;
  for (int i = 1; i < argc; i++)
    {
      const char *arg = argv[i];
      const char *eq = strchr (arg, '=');
      StandIn *s;

      if (strcmp (arg, "--") == 0)
        break;
      if (is_text (arg))
        continue;

      s = g_new0 (StandIn, 1);
      s->original = argv[i];
      if (g_str_has_prefix (arg, "--") && eq != NULL)
        {
          g_autofree char *value = g_utf8_make_valid (eq + 1, -1);

          s->option = g_strndup (arg, eq - arg);
          s->value = (char *) eq + 1;
          if (!is_text (s->option))
            {
              g_autofree char *shown = g_utf8_make_valid (arg, -1);

              stand_in_free (s);
              pm_cli_usage (command, _("“%s” is not valid UTF-8 text."), shown);
              return FALSE;
            }
          s->stand_in = g_strconcat (s->option, "=", value, NULL);
        }
      else if (arg[0] == '-' && arg[1] != '\0')
        {
          g_autofree char *shown = g_utf8_make_valid (arg, -1);

          stand_in_free (s);
          pm_cli_usage (command, _("“%s” is not valid UTF-8 text."), shown);
          return FALSE;
        }
      else
        {
          s->option = option_taking_next (i > 1 ? argv[i - 1] : NULL);
          s->value = argv[i];
          s->stand_in = g_utf8_make_valid (arg, -1);
        }
      if (*stand_ins == NULL)
        *stand_ins = g_ptr_array_new_with_free_func ((GDestroyNotify) stand_in_free);
      g_ptr_array_add (*stand_ins, s);
      argv[i] = s->stand_in;
    }
  return TRUE;
}

/* Puts the originals back; returns FALSE after printing the error when an option's value
 * was not text (@parsed: the parse succeeded, so consumed arguments are gone from argv). */
static gboolean
swap_out_stand_ins (PmCli       *cli,
                    const char  *command,
                    GPtrArray   *stand_ins,
                    gboolean     parsed,
                    int          argc,
                    char       **argv)
{
  const char *bad_option = NULL;

  for (guint j = 0; j < stand_ins->len; j++)
    {
      StandIn *s = g_ptr_array_index (stand_ins, j);
      gboolean consumed = TRUE;

      for (int i = 0; i < argc; i++)
        if (argv[i] == s->stand_in)
          {
            argv[i] = s->original;
            consumed = FALSE;
          }
      if (!consumed || !parsed)
        continue;
      for (guint k = 0; k < G_N_ELEMENTS (filename_options); k++)
        if (g_strcmp0 (s->option, filename_options[k].name) == 0)
          {
            char **value = G_STRUCT_MEMBER_P (cli, filename_options[k].offset);

            g_free (*value);
            *value = g_strdup (s->value);
            consumed = FALSE;
          }
      if (consumed && bad_option == NULL)
        bad_option = s->option != NULL ? s->option : s->stand_in;
    }
  if (bad_option != NULL)
    {
      pm_cli_usage (command, _("%s: not valid UTF-8 text (is the terminal or the script set "
                               "to another encoding?)"), bad_option);
      return FALSE;
    }
  return TRUE;
}

gboolean
pm_cli_parse (PmCli           *cli,
              GOptionContext  *context,
              int             *argc,
              char          ***argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) stand_ins = NULL;
  const char *command;
  gboolean parsed;

  g_option_context_add_group (context, global_group (cli));
  g_option_context_set_translation_domain (context, GETTEXT_PACKAGE);
  /* the program itself, or a command */
  command = g_str_has_suffix ((*argv)[0], "paymint-cli") ? NULL : (*argv)[0];

  if (!swap_in_stand_ins (command, *argc, *argv, &stand_ins))
    return FALSE;
  parsed = g_option_context_parse (context, argc, argv, &error);
  if (stand_ins != NULL && !swap_out_stand_ins (cli, command, stand_ins, parsed, *argc, *argv))
    return FALSE;
  if (!parsed)
    {
      pm_cli_usage (command, "%s", error->message);
      return FALSE;
    }
  if (cli->use_sandbox && cli->sandbox_url != NULL)
    {
      pm_cli_usage (command, "%s", _("Use either --sandbox or --sandbox-url, not both."));
      return FALSE;
    }
  return TRUE;
}

int
pm_cli_exit_code_for_error (const GError *error)
{
  if (error == NULL)
    return PM_CLI_EXIT_OK;
  if (pm_error_is_maybe_done (error))
    return PM_CLI_EXIT_UNKNOWN;
  if (error->domain == PM_ERROR)
    {
      switch ((PmErrorCode) error->code)
        {
        case PM_ERROR_UNAUTHORIZED:
        case PM_ERROR_LICENSE_REQUIRED:
        case PM_ERROR_INSUFFICIENT_BALANCE:
        case PM_ERROR_FORBIDDEN:
          return PM_CLI_EXIT_AUTH;
        case PM_ERROR_INVALID:
        case PM_ERROR_NOT_FOUND:
          /* a local check (no reply from the server) means the input was wrong */
          if (pm_error_get_http_status (error) == 0 && pm_error_get_result_code (error) == NULL)
            return PM_CLI_EXIT_USAGE;
          return PM_CLI_EXIT_REJECTED;
        case PM_ERROR_DUPLICATE_BILL:
        case PM_ERROR_ALREADY_PAID:
        case PM_ERROR_ALREADY_CANCELLED:
        case PM_ERROR_SERVER:
        case PM_ERROR_NETWORK:
        case PM_ERROR_TIMEOUT:
        case PM_ERROR_TLS:
        case PM_ERROR_PROTOCOL:
        case PM_ERROR_CANCELLED:
        case PM_ERROR_STORAGE:
        default:
          return PM_CLI_EXIT_REJECTED;
        }
    }
  if (error->domain == G_OPTION_ERROR)
    return PM_CLI_EXIT_USAGE;
  return PM_CLI_EXIT_REJECTED;
}

int
pm_cli_report_error (const char   *what,
                     const GError *error)
{
  g_autofree char *server_text = pm_text_sanitize (pm_error_get_server_text (error), -1);
  g_autofree char *message = pm_text_sanitize (error->message, -1);
  g_autofree char *code = pm_text_sanitize (pm_error_get_result_code (error), -1);

  if (what != NULL)
    g_printerr ("paymint-cli: %s: %s\n", what, message);
  else
    g_printerr ("paymint-cli: %s\n", message);
  if (server_text != NULL && *server_text != '\0' && strstr (message, server_text) == NULL)
    {
      if (code != NULL)
        g_printerr (_("  The server said (%s): %s\n"), code, server_text);
      else
        g_printerr (_("  The server said: %s\n"), server_text);
    }
  return pm_cli_exit_code_for_error (error);
}

/* ---- async ---- */

void
pm_cli_store_result_cb (GObject      *object,
                        GAsyncResult *result,
                        gpointer      user_data)
{
  GAsyncResult **out = user_data;

  *out = g_object_ref (result);
}

void
pm_cli_wait (GAsyncResult **result)
{
  while (*result == NULL)
    g_main_context_iteration (NULL, TRUE);
}

/* ---- the connection ---- */

static PmProfile *
sandbox_profile (const char  *url,
                 GError     **error)
{
  g_autofree char *base = pm_profile_normalize_url (url, error);
  PmProfile *profile;

  if (base == NULL)
    return NULL;
  profile = pm_profile_new ();
  pm_profile_set_uuid (profile, PM_CLI_SANDBOX_PROFILE_UUID);
  pm_profile_set_name (profile, _("Sandbox"));
  pm_profile_set_base_url (profile, base);
  pm_profile_set_api_key (profile, PM_SANDBOX_DEMO_KEY);
  pm_profile_set_mode (profile, PM_PROFILE_MODE_MMK);
  return profile;
}

/* --sandbox: this process's hold on the user's shared sandbox (released at close) */
static PmSharedSandbox *shared_sandbox;

/* The user's one sandbox, the desktop app's too: joined when it runs, started when it
 * does not (a process of its own, which stops a few seconds after its last user). */
static PmProfile *
start_sandbox (PmCli   *cli,
               GError **error)
{
  if (shared_sandbox == NULL)
    shared_sandbox = pm_shared_sandbox_join (error);
  if (shared_sandbox == NULL)
    return NULL;
  return sandbox_profile (pm_shared_sandbox_get_base_url (shared_sandbox), error);
}

/* The app's active profile uuid, when its settings schema is installed. */
static char *
dup_active_profile_id (void)
{
  GSettingsSchemaSource *source = g_settings_schema_source_get_default ();
  g_autoptr(GSettingsSchema) schema = NULL;
  g_autoptr(GSettings) settings = NULL;
  char *uuid;

  if (source == NULL)
    return NULL;
  schema = g_settings_schema_source_lookup (source, BASE_ID, TRUE);
  if (schema == NULL || !g_settings_schema_has_key (schema, "active-profile"))
    return NULL;
  settings = g_settings_new_full (schema, NULL, NULL);
  uuid = g_settings_get_string (settings, "active-profile");
  if (*uuid == '\0')
    g_clear_pointer (&uuid, g_free);
  return uuid;
}

static int
pick_keyring_profile (PmCli      *cli,
                      PmProfile **out)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) profiles = NULL;
  g_autofree char *active = NULL;
  const char *want;

  pm_secrets_list_async (NULL, pm_cli_store_result_cb, &result);
  pm_cli_wait (&result);
  profiles = pm_secrets_list_finish (result, &error);
  if (profiles == NULL)
    {
      pm_cli_report_error (_("Could not read the connection profiles from the keyring"), error);
      g_printerr ("%s\n", _("  Without a keyring, use --sandbox to try paymint-cli."));
      return PM_CLI_EXIT_AUTH;
    }

  want = cli->profile_name;
  if (want == NULL)
    want = active = dup_active_profile_id ();
  if (want != NULL)
    {
      for (guint i = 0; i < profiles->len; i++)
        {
          PmProfile *p = g_ptr_array_index (profiles, i);

          if (g_strcmp0 (pm_profile_get_uuid (p), want) == 0
              || g_strcmp0 (pm_profile_get_name (p), want) == 0)
            {
              *out = g_object_ref (p);
              return PM_CLI_EXIT_OK;
            }
        }
      /* a case-insensitive match of the name, when it is the only one */
      {
        PmProfile *match = NULL;
        guint n = 0;

        for (guint i = 0; i < profiles->len; i++)
          {
            PmProfile *p = g_ptr_array_index (profiles, i);
            g_autofree char *a = g_utf8_casefold (pm_profile_get_name (p) != NULL
                                                    ? pm_profile_get_name (p) : "", -1);
            g_autofree char *b = g_utf8_casefold (want, -1);

            if (g_strcmp0 (a, b) == 0)
              {
                match = p;
                n++;
              }
          }
        if (n == 1)
          {
            *out = g_object_ref (match);
            return PM_CLI_EXIT_OK;
          }
      }
      if (cli->profile_name != NULL)
        return pm_cli_usage (NULL, _("There is no connection profile named “%s”; "
                                     "“paymint-cli profiles” lists them."), cli->profile_name);
    }
  if (profiles->len == 1)
    {
      *out = g_object_ref (g_ptr_array_index (profiles, 0));
      return PM_CLI_EXIT_OK;
    }
  if (profiles->len == 0)
    {
      g_printerr ("paymint-cli: %s\n",
                  _("No connection is set up yet. Add one with “paymint-cli profiles add”, "
                    "or try the sandbox with --sandbox."));
      return PM_CLI_EXIT_AUTH;
    }
  return pm_cli_usage (NULL, "%s", _("There are several connection profiles and none is active; "
                                     "pick one with --profile NAME."));
}

int
pm_cli_open (PmCli    *cli,
             gboolean  need_connection)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PmProfile) profile = NULL;

  cli->service = pm_service_new (cli->ledger_path, &error);
  if (cli->service == NULL)
    return pm_cli_report_error (_("Could not open the payments ledger"), error);
  /* without --ledger, a connection that names the shop's ledger uses it */
  if (cli->ledger_path == NULL)
    pm_service_set_follow_shop_ledger (cli->service, TRUE);

  if (cli->sandbox_url != NULL)
    profile = sandbox_profile (cli->sandbox_url, &error);
  else if (cli->use_sandbox)
    profile = start_sandbox (cli, &error);
  else
    {
      int status = pick_keyring_profile (cli, &profile);

      if (status != PM_CLI_EXIT_OK)
        return need_connection ? status : PM_CLI_EXIT_OK;
    }
  if (profile == NULL)
    {
      if (error != NULL)
        return pm_cli_report_error (_("Could not start the sandbox"), error);
      return PM_CLI_EXIT_AUTH;
    }
  pm_service_set_profile (cli->service, profile);
  if (pm_ledger_is_shared (pm_service_get_ledger (cli->service))
      && pm_service_get_storage_error (cli->service) != NULL)
    {
      g_autoptr(GError) shop_error = g_error_new_literal (PM_ERROR, PM_ERROR_STORAGE,
                                                          pm_service_get_storage_error (cli->service));

      return pm_cli_report_error (_("Could not open the shop ledger"), shop_error);
    }
  /* one command, then exit: no background polling */
  pm_service_set_polling (cli->service, FALSE, 8);
  return PM_CLI_EXIT_OK;
}

void
pm_cli_close (PmCli *cli)
{
  g_clear_object (&cli->service);
  if (cli->sandbox != NULL)
    pm_sandbox_stop (cli->sandbox);
  g_clear_object (&cli->sandbox);
  g_clear_object (&shared_sandbox);
}

/* ---- input ---- */

gboolean
pm_cli_stdin_is_tty (void)
{
  return isatty (STDIN_FILENO) == 1;
}

char *
pm_cli_read_secret (const char  *prompt,
                    GError     **error)
{
  GString *line = g_string_new (NULL);
  struct termios saved, quiet;
  gboolean tty = pm_cli_stdin_is_tty ();
  gboolean restore = FALSE;
  gboolean got_any = FALSE;
  int c;

  if (tty)
    {
      g_printerr ("%s", prompt);
      if (tcgetattr (STDIN_FILENO, &saved) == 0)
        {
          quiet = saved;
          quiet.c_lflag &= ~(tcflag_t) ECHO;
          quiet.c_lflag |= ECHONL;
          restore = tcsetattr (STDIN_FILENO, TCSAFLUSH, &quiet) == 0;
        }
    }
  while ((c = getchar ()) != EOF)
    {
      got_any = TRUE;
      if (c == '\n')
        break;
      g_string_append_c (line, (char) c);
    }
  if (restore)
    tcsetattr (STDIN_FILENO, TCSAFLUSH, &saved);
  if (!got_any)
    {
      g_set_error_literal (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                           _("The input ended before the key was given."));
      g_string_free (line, TRUE);
      return NULL;
    }
  if (line->len > 0 && line->str[line->len - 1] == '\r')
    g_string_truncate (line, line->len - 1);
  return g_string_free (line, FALSE);
}

/* ---- output ---- */

char *
pm_cli_format_time (gint64 unix_utc)
{
  g_autoptr(GTimeZone) tz = NULL;
  g_autoptr(GDateTime) utc = NULL;
  g_autoptr(GDateTime) local = NULL;

  if (unix_utc <= 0)
    return g_strdup ("");
  tz = pm_bill_korea_time_zone ();
  utc = g_date_time_new_from_unix_utc (unix_utc);
  if (utc == NULL)
    return g_strdup ("");
  local = g_date_time_to_timezone (utc, tz);
  return g_date_time_format (local, "%Y-%m-%d %H:%M:%S");
}

char *
pm_cli_korea_date_in (int days)
{
  return pm_bill_korea_date (g_get_real_time () / G_USEC_PER_SEC + (gint64) days * 86400);
}

gboolean
pm_cli_parse_date (const char *text,
                   gint64     *unix_utc)
{
  g_autoptr(GTimeZone) tz = pm_bill_korea_time_zone ();
  g_autoptr(GDateTime) dt = NULL;
  guint y, m, d;
  char end;

  if (text == NULL || sscanf (text, "%4u-%2u-%2u%c", &y, &m, &d, &end) != 3)
    return FALSE;
  dt = g_date_time_new (tz, (int) y, (int) m, (int) d, 0, 0, 0);
  if (dt == NULL)
    return FALSE;
  *unix_utc = g_date_time_to_unix (dt);
  return TRUE;
}

static void
add_string (JsonBuilder *builder,
            const char  *name,
            const char  *value)
{
  json_builder_set_member_name (builder, name);
  if (value != NULL)
    json_builder_add_string_value (builder, value);
  else
    json_builder_add_null_value (builder);
}

static void
add_time (JsonBuilder *builder,
          const char  *name,
          gint64       value)
{
  g_autofree char *text = pm_cli_format_time (value);

  add_string (builder, name, value > 0 ? text : NULL);
}

JsonNode *
pm_cli_bill_to_json (PmBill *bill)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;

  json_builder_begin_object (builder);
  add_string (builder, "bill_id", pm_bill_get_bill_id (bill));
  add_string (builder, "kind", pm_bill_kind_to_string (pm_bill_get_kind (bill)));
  add_string (builder, "state", pm_bill_state_to_string (pm_bill_get_state (bill)));
  json_builder_set_member_name (builder, "expired");
  json_builder_add_boolean_value (builder, pm_bill_is_expired (bill, now));
  add_string (builder, "member_nm", pm_bill_get_payer_name (bill));
  add_string (builder, "phone", pm_bill_get_phone (bill));
  add_string (builder, "product_nm", pm_bill_get_product (bill));
  add_string (builder, "message", pm_bill_get_message (bill));
  json_builder_set_member_name (builder, "price");
  json_builder_add_int_value (builder, pm_bill_get_price (bill));
  add_string (builder, "expire_dt", pm_bill_get_expire_date (bill));
  add_string (builder, "method_id", pm_bill_get_method_id (bill));
  add_string (builder, "shortURL", pm_bill_get_short_url (bill));
  add_string (builder, "batch_id", pm_bill_get_batch_id (bill));
  add_string (builder, "appr_pay_type", pm_bill_get_appr_pay_type (bill));
  json_builder_set_member_name (builder, "appr_price");
  json_builder_add_int_value (builder, pm_bill_get_appr_price (bill));
  add_string (builder, "appr_dt", pm_bill_get_appr_dt (bill));
  add_string (builder, "appr_num", pm_bill_get_appr_num (bill));
  add_string (builder, "appr_issuer", pm_bill_get_appr_issuer (bill));
  add_string (builder, "appr_card_type", pm_bill_get_appr_card_type (bill));
  add_string (builder, "appr_monthly", pm_bill_get_appr_monthly (bill));
  add_string (builder, "error_code", pm_bill_get_error_code (bill));
  add_string (builder, "error_text", pm_bill_get_error_text (bill));
  add_time (builder, "created_at", pm_bill_get_created_at (bill));
  add_time (builder, "updated_at", pm_bill_get_updated_at (bill));
  add_time (builder, "last_checked_at", pm_bill_get_last_checked_at (bill));
  json_builder_end_object (builder);
  return json_builder_get_root (builder);
}

void
pm_cli_print_json (JsonNode *node)
{
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autofree char *text = NULL;

  json_generator_set_root (generator, node);
  json_generator_set_pretty (generator, TRUE);
  text = json_generator_to_data (generator, NULL);
  g_print ("%s\n", text);
}

void
pm_cli_append_padded (GString    *out,
                      const char *text,
                      int         width)
{
  int used = 0;

  for (const char *p = text != NULL ? text : ""; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);
      int w = g_unichar_iszerowidth (c) ? 0 : g_unichar_iswide (c) ? 2 : 1;

      if (c == '\n' || c == '\t')
        c = ' ';
      if (used + w > width)
        break;
      g_string_append_unichar (out, c);
      used += w;
    }
  for (; used < width; used++)
    g_string_append_c (out, ' ');
}

static void
print_field (const char *label,
             const char *value)
{
  /* a ledger written before server text was cleaned may still hold control characters:
   * they never reach the terminal */
  g_autofree char *clean = pm_text_sanitize (value, -1);

  if (clean != NULL && *clean != '\0')
    g_print ("%-14s %s\n", label, clean);
}

int
pm_cli_finish_send (PmBill       *bill,
                    const GError *error,
                    const char   *bill_id,
                    gboolean      json)
{
  if (bill == NULL)
    {
      int status = pm_cli_report_error (NULL, error);

      if (status == PM_CLI_EXIT_UNKNOWN)
        g_printerr (_("  Bill %s: check it later with “paymint-cli refresh %s”; it will never "
                      "be sent twice.\n"), bill_id, bill_id);
      else if (status != PM_CLI_EXIT_USAGE)
        g_printerr (_("  Bill %s was not created; nothing was charged.\n"), bill_id);
      return status;
    }
  if (json)
    {
      g_autoptr(JsonNode) node = pm_cli_bill_to_json (bill);

      pm_cli_print_json (node);
    }
  else
    pm_cli_print_bill (bill);
  return PM_CLI_EXIT_OK;
}

void
pm_cli_print_bill (PmBill *bill)
{
  g_autofree char *price = pm_money_format (pm_bill_get_price (bill));
  g_autofree char *korean = pm_money_format_korean (pm_bill_get_price (bill));
  g_autofree char *amount = g_strdup_printf ("%s (%s)", price, korean);
  g_autofree char *phone = pm_phone_format_display (pm_bill_get_phone (bill));
  g_autofree char *created = pm_cli_format_time (pm_bill_get_created_at (bill));
  g_autofree char *checked = pm_cli_format_time (pm_bill_get_last_checked_at (bill));
  g_autofree char *paid = NULL;
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;
  const char *state = pm_bill_state_get_label (pm_bill_get_state (bill));
  g_autofree char *state_text = NULL;

  if (pm_bill_is_expired (bill, now))
    state_text = g_strdup_printf (_("%s (expired)"), state);
  else
    state_text = g_strdup (state);
  if (pm_bill_get_appr_price (bill) > 0)
    paid = pm_money_format (pm_bill_get_appr_price (bill));

  print_field (_("Bill"), pm_bill_get_bill_id (bill));
  print_field (_("State"), state_text);
  print_field (_("Payer"), pm_bill_get_payer_name (bill));
  print_field (_("Phone"), phone);
  print_field (_("Product"), pm_bill_get_product (bill));
  print_field (_("Amount"), amount);
  print_field (_("Expires"), pm_bill_get_expire_date (bill));
  print_field (_("Link"), pm_bill_get_short_url (bill));
  print_field (_("Method"), pm_bill_get_method_id (bill));
  print_field (_("Paid"), paid);
  print_field (_("Paid at"), pm_bill_get_appr_dt (bill));
  print_field (_("Card"), pm_bill_get_appr_issuer (bill));
  print_field (_("Approval"), pm_bill_get_appr_num (bill));
  print_field (_("Error"), pm_bill_get_error_text (bill));
  print_field (_("Created"), created);
  print_field (_("Checked"), checked);
}

/* ---- main ---- */

static char *
commands_description (void)
{
  GString *s = g_string_new (_("Commands:"));

  g_string_append_c (s, '\n');
  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    g_string_append_printf (s, "  %-10s %s\n", commands[i].name, _(commands[i].summary));
  g_string_append_c (s, '\n');
  g_string_append (s, _("Exit status: 0 done; 1 bad arguments or input (nothing sent); "
                        "2 not done (the server refused, or it could not be done); "
                        "3 outcome unknown (it may have been done: do not repeat by hand); "
                        "4 API key, license or balance problem.\n"));
  g_string_append (s, _("Each command has its own --help."));
  return g_string_free (s, FALSE);
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GOptionContext) context = NULL;
  g_autofree char *description = NULL;
  PmCli cli = { 0 };
  int status = PM_CLI_EXIT_USAGE;

  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, g_getenv ("PAYMINT_LOCALEDIR") != NULL
                                     ? g_getenv ("PAYMINT_LOCALEDIR") : LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);
  g_set_prgname ("paymint-cli");

  context = g_option_context_new (_("COMMAND [ARGUMENTS…] — bill customers through Payssam "
                                    "(결제선생) from a terminal"));
  description = commands_description ();
  g_option_context_set_description (context, description);
  g_option_context_set_strict_posix (context, TRUE);
  if (!pm_cli_parse (&cli, context, &argc, &argv))
    return PM_CLI_EXIT_USAGE;

  if (argc < 2)
    {
      g_autofree char *help = g_option_context_get_help (context, FALSE, NULL);

      g_printerr ("%s", help);
      return PM_CLI_EXIT_USAGE;
    }
  if (strcmp (argv[1], "help") == 0)
    {
      g_autofree char *help = g_option_context_get_help (context, FALSE, NULL);

      g_print ("%s", help);
      return PM_CLI_EXIT_OK;
    }

  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    {
      if (strcmp (argv[1], commands[i].name) == 0)
        {
          status = commands[i].func (&cli, argc - 1, argv + 1);
          pm_cli_close (&cli);
          g_free (cli.sandbox_url);
          g_free (cli.profile_name);
          g_free (cli.ledger_path);
          return status;
        }
    }
  return pm_cli_usage (NULL, _("“%s” is not a command."), argv[1]);
}
