/* pm-cli-profiles.c — paymint-cli profiles: connection profiles in the keyring
 *
 * Copyright 2026 The Paymint Desk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Keys are read from the terminal without echo, or from stdin when it is not a
 * terminal (one key per line), never from the command line, and never printed. So is
 * the shop ledger's password (asked only with --shop-ledger); its address is printed.
 */

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "pm-cli-private.h"
#include "pm-error.h"
#include "pm-secrets.h"
#include "pm-service-profiles.h"

static GPtrArray *
list_profiles (GError **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  pm_secrets_list_async (NULL, pm_cli_store_result_cb, &result);
  pm_cli_wait (&result);
  return pm_secrets_list_finish (result, error);
}

static GSettings *
app_settings (void)
{
  GSettingsSchemaSource *source = g_settings_schema_source_get_default ();
  g_autoptr(GSettingsSchema) schema = NULL;

  if (source == NULL)
    return NULL;
  schema = g_settings_schema_source_lookup (source, BASE_ID, TRUE);
  if (schema == NULL || !g_settings_schema_has_key (schema, "active-profile"))
    return NULL;
  return g_settings_new_full (schema, NULL, NULL);
}

static char *
host_of (PmProfile *profile)
{
  g_autofree char *url = pm_profile_normalize_url (pm_profile_get_base_url (profile), NULL);
  g_autoptr(GUri) uri = url != NULL ? g_uri_parse (url, G_URI_FLAGS_NONE, NULL) : NULL;

  return g_strdup (uri != NULL && g_uri_get_host (uri) != NULL ? g_uri_get_host (uri) : "");
}

static int
profiles_list (PmCli  *cli,
               int     argc,
               char  **argv)
{
  g_autoptr(GOptionContext) context = g_option_context_new (NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) profiles = NULL;
  g_autoptr(GSettings) settings = NULL;
  g_autofree char *active = NULL;
  gboolean json = FALSE;
  const GOptionEntry entries[] = {
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, N_("Print JSON (never any key)"), NULL },
    { NULL }
  };

  g_option_context_set_summary (context, _("Lists the connection profiles kept in the "
                                           "keyring; * marks the app’s active one."));
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  if (!pm_cli_parse (cli, context, &argc, &argv))
    return PM_CLI_EXIT_USAGE;
  if (argc > 1)
    return pm_cli_usage ("profiles", _("Unexpected argument “%s”."), argv[1]);

  profiles = list_profiles (&error);
  if (profiles == NULL)
    return pm_cli_report_error (_("Could not read the keyring"), error);
  settings = app_settings ();
  if (settings != NULL)
    active = g_settings_get_string (settings, "active-profile");

  if (json)
    {
      g_autoptr(JsonBuilder) builder = json_builder_new ();
      g_autoptr(JsonNode) root = NULL;

      json_builder_begin_array (builder);
      for (guint i = 0; i < profiles->len; i++)
        {
          PmProfile *p = g_ptr_array_index (profiles, i);
          g_autofree char *host = host_of (p);

          json_builder_begin_object (builder);
          json_builder_set_member_name (builder, "uuid");
          json_builder_add_string_value (builder, pm_profile_get_uuid (p));
          json_builder_set_member_name (builder, "name");
          json_builder_add_string_value (builder, pm_profile_get_name (p));
          json_builder_set_member_name (builder, "host");
          json_builder_add_string_value (builder, host);
          json_builder_set_member_name (builder, "mode");
          json_builder_add_string_value (builder, pm_profile_get_mode (p) == PM_PROFILE_MODE_MMK
                                                    ? "mmk" : "traditional");
          json_builder_set_member_name (builder, "shop_ledger");
          if (pm_profile_has_shop_ledger (p))
            json_builder_add_string_value (builder, pm_profile_get_shop_ledger (p));
          else
            json_builder_add_null_value (builder);
          json_builder_set_member_name (builder, "active");
          json_builder_add_boolean_value (builder, g_strcmp0 (active, pm_profile_get_uuid (p)) == 0);
          json_builder_end_object (builder);
        }
      json_builder_end_array (builder);
      root = json_builder_get_root (builder);
      pm_cli_print_json (root);
      return PM_CLI_EXIT_OK;
    }

  if (profiles->len == 0)
    {
      g_print ("%s\n", _("No connection profile yet; add one with “paymint-cli profiles add”."));
      return PM_CLI_EXIT_OK;
    }
  for (guint i = 0; i < profiles->len; i++)
    {
      PmProfile *p = g_ptr_array_index (profiles, i);
      g_autofree char *host = host_of (p);
      g_autoptr(GString) line = g_string_new (NULL);

      g_string_append (line, g_strcmp0 (active, pm_profile_get_uuid (p)) == 0 ? "* " : "  ");
      pm_cli_append_padded (line, pm_profile_get_name (p), 24);
      g_string_append_printf (line, " %s  %-11s %s", pm_profile_get_uuid (p),
                              pm_profile_get_mode (p) == PM_PROFILE_MODE_MMK ? "mmk"
                                                                              : "traditional",
                              host);
      /* the address only: it never holds the password */
      if (pm_profile_has_shop_ledger (p))
        g_string_append_printf (line, "  %s", pm_profile_get_shop_ledger (p));
      g_print ("%s\n", line->str);
    }
  return PM_CLI_EXIT_OK;
}

static int
profiles_add (PmCli  *cli,
              int     argc,
              char  **argv)
{
  g_autoptr(GOptionContext) context = g_option_context_new (NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(PmProfile) profile = pm_profile_new ();
  g_autoptr(GAsyncResult) result = NULL;
  g_autofree char *name = NULL, *url = NULL, *mode = NULL, *member = NULL, *merchant = NULL;
  g_autofree char *business = NULL, *host = NULL, *shop_ledger = NULL;
  char *api_key = NULL;
  char *shop_password = NULL;
  char *paymint_key = NULL;
  gboolean activate = FALSE, no_check = FALSE;
  int status = PM_CLI_EXIT_OK;
  const GOptionEntry entries[] = {
    { "name", 0, 0, G_OPTION_ARG_STRING, &name, N_("Display name, e.g. 본점"), N_("NAME") },
    { "url", 0, 0, G_OPTION_ARG_STRING, &url,
      N_("The MMK deployment: host or full URL"), N_("URL") },
    { "mode", 0, 0, G_OPTION_ARG_STRING, &mode,
      N_("mmk (default) or traditional"), N_("MODE") },
    { "member-id", 0, 0, G_OPTION_ARG_STRING, &member, N_("Paymint member ID"), N_("ID") },
    { "merchant-id", 0, 0, G_OPTION_ARG_STRING, &merchant, N_("Paymint merchant ID"), N_("ID") },
    { "business-number", 0, 0, G_OPTION_ARG_STRING, &business,
      N_("Business registration number (traditional mode)"), N_("NUMBER") },
    { "paymint-host", 0, 0, G_OPTION_ARG_STRING, &host,
      N_("Paymint host (traditional mode)"), N_("HOST") },
    { "shop-ledger", 0, 0, G_OPTION_ARG_STRING, &shop_ledger,
      N_("The shop ledger several desks share: a postgresql:// address without a password"),
      N_("URI") },
    { "activate", 0, 0, G_OPTION_ARG_NONE, &activate,
      N_("Make it the app’s active profile"), NULL },
    { "no-check", 0, 0, G_OPTION_ARG_NONE, &no_check,
      N_("Save without checking the connection first"), NULL },
    { NULL }
  };

  g_option_context_set_summary (context,
                                _("Adds a connection profile to the keyring. The API key (and "
                                  "in traditional mode the Paymint API key) is asked for without "
                                  "echo, or read from stdin, one per line, when stdin is not a "
                                  "terminal; keys are never taken from the command line. With "
                                  "--shop-ledger, the shop ledger’s password is asked for last, "
                                  "the same way (an empty line: none)."));
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  if (!pm_cli_parse (cli, context, &argc, &argv))
    return PM_CLI_EXIT_USAGE;
  if (argc > 1)
    /* not echoed: it may well be a key typed in the wrong place */
    return pm_cli_usage ("profiles add", "%s", _("This command takes no arguments; keys are "
                                                 "never taken from the command line."));
  if (name == NULL || url == NULL)
    return pm_cli_usage ("profiles add", "%s", _("Give --name and --url."));
  if (mode != NULL && strcmp (mode, "mmk") != 0 && strcmp (mode, "traditional") != 0)
    return pm_cli_usage ("profiles add", "%s", _("--mode must be mmk or traditional."));

  pm_profile_set_name (profile, name);
  pm_profile_set_base_url (profile, url);
  pm_profile_set_mode (profile, mode != NULL && strcmp (mode, "traditional") == 0
                                  ? PM_PROFILE_MODE_TRADITIONAL : PM_PROFILE_MODE_MMK);
  pm_profile_set_member_id (profile, member);
  pm_profile_set_merchant_id (profile, merchant);
  pm_profile_set_business_number (profile, business);
  pm_profile_set_paymint_host (profile, host);

  api_key = pm_cli_read_secret (_("API key of the deployment: "), &error);
  if (api_key == NULL)
    return pm_cli_usage ("profiles add", "%s", error->message);
  g_strstrip (api_key);
  pm_profile_set_api_key (profile, api_key);
  memset (api_key, 0, strlen (api_key));
  g_free (api_key);
  if (pm_profile_get_mode (profile) == PM_PROFILE_MODE_TRADITIONAL)
    {
      paymint_key = pm_cli_read_secret (_("Paymint API key: "), &error);
      if (paymint_key == NULL)
        return pm_cli_usage ("profiles add", "%s", error->message);
      g_strstrip (paymint_key);
      pm_profile_set_paymint_api_key (profile, paymint_key);
      memset (paymint_key, 0, strlen (paymint_key));
      g_free (paymint_key);
    }
  if (shop_ledger != NULL)
    {
      g_strstrip (shop_ledger);
      pm_profile_set_shop_ledger (profile, shop_ledger);
      shop_password = pm_cli_read_secret (_("Password of the shop ledger (empty for none): "),
                                          &error);
      if (shop_password == NULL)
        return pm_cli_usage ("profiles add", "%s", error->message);
      pm_profile_set_shop_ledger_password (profile, shop_password[0] != '\0' ? shop_password
                                                                              : NULL);
      memset (shop_password, 0, strlen (shop_password));
      g_free (shop_password);
    }

  if (!pm_profile_validate (profile, &error))
    {
      const char *field = pm_error_get_field (error);

      /* the message names the field; it never contains the key itself */
      g_printerr ("paymint-cli profiles add: %s%s%s\n", field != NULL ? field : "",
                  field != NULL ? ": " : "", error->message);
      return pm_cli_exit_code_for_error (error) == PM_CLI_EXIT_USAGE
               ? PM_CLI_EXIT_USAGE : pm_cli_exit_code_for_error (error);
    }

  if (!no_check)
    {
      g_autoptr(PmService) service = NULL;
      g_autoptr(GPtrArray) licenses = NULL;
      g_autoptr(GAsyncResult) check = NULL;

      service = pm_service_new (cli->ledger_path, &error);
      if (service == NULL)
        return pm_cli_report_error (_("Could not open the payments ledger"), error);
      pm_service_check_connection_async (service, profile, NULL, pm_cli_store_result_cb, &check);
      pm_cli_wait (&check);
      licenses = pm_service_check_connection_finish (service, check, &error);
      if (licenses == NULL)
        {
          status = pm_cli_report_error (_("The connection check failed; nothing was saved "
                                          "(use --no-check to save anyway)"), error);
          return status;
        }
      if (pm_profile_get_mode (profile) == PM_PROFILE_MODE_MMK
          && pm_profile_get_member_id (profile) == NULL)
        {
          if (licenses->len == 1)
            {
              PmLicense *l = g_ptr_array_index (licenses, 0);

              pm_profile_set_member_id (profile, l->member_id);
              pm_profile_set_merchant_id (profile, l->merchant_id);
              pm_profile_set_business_number (profile, l->business_number);
            }
          else if (licenses->len > 1)
            {
              g_printerr ("%s\n", _("This API key gives several licenses; pick one with "
                                    "--member-id and --merchant-id:"));
              for (guint i = 0; i < licenses->len; i++)
                {
                  PmLicense *l = g_ptr_array_index (licenses, i);

                  g_printerr ("  %s  %s  --member-id %s --merchant-id %s\n",
                              l->business_number, l->business_name, l->member_id,
                              l->merchant_id);
                }
              return PM_CLI_EXIT_USAGE;
            }
        }
      if (!cli->quiet)
        g_printerr (_("Connection checked: %u license(s).\n"), licenses->len);

      /* the shop ledger, reached and written once as a desk would: else nothing is saved */
      if (pm_profile_has_shop_ledger (profile))
        {
          g_autoptr(GAsyncResult) shop_check = NULL;

          pm_service_test_shop_ledger_async (service, profile, NULL, pm_cli_store_result_cb,
                                             &shop_check);
          pm_cli_wait (&shop_check);
          if (!pm_service_test_shop_ledger_finish (service, shop_check, &error))
            return pm_cli_report_error (_("The shop ledger check failed; nothing was saved "
                                          "(use --no-check to save anyway)"), error);
          if (!cli->quiet)
            g_printerr ("%s\n", _("Shop ledger checked: this desk can write to it."));
        }
    }

  pm_secrets_store_async (profile, NULL, pm_cli_store_result_cb, &result);
  pm_cli_wait (&result);
  if (!pm_secrets_store_finish (result, &error))
    return pm_cli_report_error (_("Could not save the profile in the keyring"), error);
  g_print (_("Saved profile “%s” (%s).\n"), pm_profile_get_name (profile),
           pm_profile_get_uuid (profile));

  if (activate)
    {
      g_autoptr(GSettings) settings = app_settings ();

      if (settings == NULL)
        g_printerr ("%s\n", _("The app’s settings are not installed, so it could not be made "
                              "the active profile; use --profile with each command."));
      else
        {
          g_settings_set_string (settings, "active-profile", pm_profile_get_uuid (profile));
          g_settings_sync ();
        }
    }
  return PM_CLI_EXIT_OK;
}

static int
profiles_remove (PmCli  *cli,
                 int     argc,
                 char  **argv)
{
  g_autoptr(GOptionContext) context = g_option_context_new (_("NAME|UUID"));
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) profiles = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  PmProfile *match = NULL;

  g_option_context_set_summary (context, _("Removes a connection profile from the keyring. "
                                           "Its bills stay in the ledger."));
  if (!pm_cli_parse (cli, context, &argc, &argv))
    return PM_CLI_EXIT_USAGE;
  if (argc != 2)
    return pm_cli_usage ("profiles remove", "%s", _("Give the profile’s name or uuid."));

  profiles = list_profiles (&error);
  if (profiles == NULL)
    return pm_cli_report_error (_("Could not read the keyring"), error);
  for (guint i = 0; i < profiles->len && match == NULL; i++)
    {
      PmProfile *p = g_ptr_array_index (profiles, i);

      if (g_strcmp0 (pm_profile_get_uuid (p), argv[1]) == 0
          || g_strcmp0 (pm_profile_get_name (p), argv[1]) == 0)
        match = p;
    }
  if (match == NULL)
    return pm_cli_usage ("profiles remove", _("There is no connection profile named “%s”."),
                         argv[1]);

  pm_secrets_delete_async (pm_profile_get_uuid (match), NULL, pm_cli_store_result_cb, &result);
  pm_cli_wait (&result);
  if (!pm_secrets_delete_finish (result, &error))
    return pm_cli_report_error (_("Could not remove the profile"), error);
  g_print (_("Removed profile “%s” (%s).\n"), pm_profile_get_name (match),
           pm_profile_get_uuid (match));
  return PM_CLI_EXIT_OK;
}

int
pm_cli_cmd_profiles (PmCli  *cli,
                     int     argc,
                     char  **argv)
{
  if (argc >= 2 && strcmp (argv[1], "add") == 0)
    return profiles_add (cli, argc - 1, argv + 1);
  if (argc >= 2 && strcmp (argv[1], "remove") == 0)
    return profiles_remove (cli, argc - 1, argv + 1);
  if (argc >= 2 && strcmp (argv[1], "list") == 0)
    return profiles_list (cli, argc - 1, argv + 1);
  if (argc >= 2 && argv[1][0] != '-')
    return pm_cli_usage ("profiles", _("“%s” is not a profiles command; use list, add or "
                                       "remove."), argv[1]);
  return profiles_list (cli, argc, argv);
}
