/* pm-cli-autopay.c — paymint-cli autopay: register, methods, update, charge, delete
 *
 * Copyright 2026 The Paymint Desk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n.h>
#include <stdio.h>
#include <string.h>

#include "pm-cli-private.h"
#include "pm-error.h"
#include "pm-money.h"
#include "pm-phone.h"

typedef struct
{
  char     *name;
  char     *phone;
  char     *method;
  char     *product;
  char     *message;
  char     *amount;
  char     *expire;
  gboolean  json;
  gboolean  yes;
} Args;

static void
args_clear (Args *a)
{
  g_free (a->name);
  g_free (a->phone);
  g_free (a->method);
  g_free (a->product);
  g_free (a->message);
  g_free (a->amount);
  g_free (a->expire);
}

enum
{
  WANT_NAME = 1 << 0,
  WANT_PHONE = 1 << 1,
  WANT_METHOD = 1 << 2,
  WANT_TEXT = 1 << 3,    /* product, message */
  WANT_CHARGE = 1 << 4,  /* amount, expire */
  WANT_JSON = 1 << 5,
  WANT_YES = 1 << 6,
};

static gboolean
parse_args (PmCli       *cli,
            const char  *command,
            const char  *summary,
            guint        want,
            Args        *a,
            int         *argc,
            char      ***argv)
{
  g_autoptr(GOptionContext) context = g_option_context_new (NULL);
  const GOptionEntry all[] = {
    { "name", 0, 0, G_OPTION_ARG_STRING, &a->name, N_("Payer’s name"), N_("NAME") },
    { "phone", 0, 0, G_OPTION_ARG_STRING, &a->phone, N_("Payer’s mobile number"), N_("PHONE") },
    { "method", 0, 0, G_OPTION_ARG_STRING, &a->method,
      N_("The registered card (method_id from “autopay methods”)"), N_("ID") },
    { "product", 0, 0, G_OPTION_ARG_STRING, &a->product, N_("What it is for"), N_("TEXT") },
    { "message", 0, 0, G_OPTION_ARG_STRING, &a->message, N_("Message to the payer"),
      N_("TEXT") },
    { "amount", 0, 0, G_OPTION_ARG_STRING, &a->amount, N_("Amount in won"), N_("WON") },
    { "expire", 0, 0, G_OPTION_ARG_STRING, &a->expire,
      N_("Last day, YYYY-MM-DD (default: in 7 days)"), N_("DATE") },
    { "json", 0, 0, G_OPTION_ARG_NONE, &a->json, N_("Print JSON"), NULL },
    { "yes", 'y', 0, G_OPTION_ARG_NONE, &a->yes, N_("Do not ask for confirmation"), NULL },
  };
  static const guint flags[] = { WANT_NAME, WANT_PHONE, WANT_METHOD, WANT_TEXT, WANT_TEXT,
                                 WANT_CHARGE, WANT_CHARGE, WANT_JSON, WANT_YES };
  GOptionEntry entries[G_N_ELEMENTS (all) + 1];
  guint n = 0;

  for (guint i = 0; i < G_N_ELEMENTS (all); i++)
    if (want & flags[i])
      entries[n++] = all[i];
  memset (&entries[n], 0, sizeof entries[n]);

  g_option_context_set_summary (context, summary);
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  (*argv)[0] = (char *) command;
  if (!pm_cli_parse (cli, context, argc, argv))
    return FALSE;
  if (*argc > 1)
    {
      pm_cli_usage (command, _("Unexpected argument “%s”."), (*argv)[1]);
      return FALSE;
    }
  if ((want & WANT_NAME) && a->name == NULL)
    {
      pm_cli_usage (command, "%s", _("Give the payer’s name with --name."));
      return FALSE;
    }
  if ((want & WANT_PHONE) && a->phone == NULL)
    {
      pm_cli_usage (command, "%s", _("Give the payer’s mobile number with --phone."));
      return FALSE;
    }
  if ((want & WANT_METHOD) && a->method == NULL)
    {
      pm_cli_usage (command, "%s", _("Give the card with --method (see “autopay methods”)."));
      return FALSE;
    }
  if ((want & WANT_CHARGE) && (a->amount == NULL || a->product == NULL))
    {
      pm_cli_usage (command, "%s", _("Give --amount and --product."));
      return FALSE;
    }
  return TRUE;
}

static gboolean
normalize_phone (const char  *command,
                 char       **phone)
{
  g_autoptr(GError) error = NULL;
  char *digits = NULL;

  if (!pm_phone_normalize (*phone, &digits, NULL, &error))
    {
      pm_cli_usage (command, "%s", error->message);
      return FALSE;
    }
  g_free (*phone);
  *phone = digits;
  return TRUE;
}

static int
print_link_result (PmSendResult *reply,
                   gboolean      json,
                   const char   *what)
{
  if (json)
    {
      g_autoptr(JsonBuilder) builder = json_builder_new ();
      g_autoptr(JsonNode) root = NULL;

      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "code");
      json_builder_add_string_value (builder, reply->code);
      json_builder_set_member_name (builder, "msg");
      json_builder_add_string_value (builder, reply->msg);
      json_builder_set_member_name (builder, "shortURL");
      json_builder_add_string_value (builder, reply->short_url);
      json_builder_end_object (builder);
      root = json_builder_get_root (builder);
      pm_cli_print_json (root);
    }
  else
    {
      g_print ("%s\n", what);
      if (reply->short_url != NULL)
        g_print ("%s\n", reply->short_url);
    }
  return PM_CLI_EXIT_OK;
}

static int
autopay_register (PmCli *cli, int argc, char **argv)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(PmSendResult) reply = NULL;
  Args a = { 0 };
  int status;

  if (!parse_args (cli, "autopay register",
                   _("Sends the payer a link to register a card for AutoPay; the card never "
                     "passes through this program."),
                   WANT_NAME | WANT_PHONE | WANT_TEXT | WANT_JSON, &a, &argc, &argv))
    {
      args_clear (&a);
      return PM_CLI_EXIT_USAGE;
    }
  if ((status = pm_cli_open (cli, TRUE)) != PM_CLI_EXIT_OK)
    {
      args_clear (&a);
      return status;
    }
  pm_service_autopay_register_async (cli->service, a.name, a.phone, a.product, a.message, NULL,
                                     pm_cli_store_result_cb, &result);
  pm_cli_wait (&result);
  reply = pm_service_autopay_register_finish (cli->service, result, &error);
  if (reply == NULL)
    status = pm_cli_report_error (NULL, error);
  else
    status = print_link_result (reply, a.json, _("Registration link sent to the payer:"));
  args_clear (&a);
  return status;
}

static int
autopay_methods (PmCli *cli, int argc, char **argv)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) methods = NULL;
  Args a = { 0 };
  int status;

  if (!parse_args (cli, "autopay methods", _("Lists the cards a payer registered for AutoPay."),
                   WANT_PHONE | WANT_JSON, &a, &argc, &argv)
      || !normalize_phone ("autopay methods", &a.phone))
    {
      args_clear (&a);
      return PM_CLI_EXIT_USAGE;
    }
  if ((status = pm_cli_open (cli, TRUE)) != PM_CLI_EXIT_OK)
    {
      args_clear (&a);
      return status;
    }
  pm_service_autopay_methods_async (cli->service, a.phone, NULL, pm_cli_store_result_cb, &result);
  pm_cli_wait (&result);
  methods = pm_service_autopay_methods_finish (cli->service, result, &error);
  if (methods == NULL)
    {
      args_clear (&a);
      return pm_cli_report_error (NULL, error);
    }
  if (a.json)
    {
      g_autoptr(JsonBuilder) builder = json_builder_new ();
      g_autoptr(JsonNode) root = NULL;

      json_builder_begin_array (builder);
      for (guint i = 0; i < methods->len; i++)
        {
          PmAutopayMethod *m = g_ptr_array_index (methods, i);

          json_builder_begin_object (builder);
          json_builder_set_member_name (builder, "method_id");
          json_builder_add_string_value (builder, m->method_id);
          json_builder_set_member_name (builder, "card_name");
          json_builder_add_string_value (builder, m->card_name);
          json_builder_set_member_name (builder, "card_no");
          json_builder_add_string_value (builder, m->card_no);
          json_builder_set_member_name (builder, "registered_at");
          json_builder_add_string_value (builder, m->registered_at);
          json_builder_set_member_name (builder, "status");
          json_builder_add_string_value (builder, m->status);
          json_builder_end_object (builder);
        }
      json_builder_end_array (builder);
      root = json_builder_get_root (builder);
      pm_cli_print_json (root);
    }
  else if (methods->len == 0)
    g_print ("%s\n", _("No card is registered for this number yet."));
  else
    for (guint i = 0; i < methods->len; i++)
      {
        PmAutopayMethod *m = g_ptr_array_index (methods, i);
        g_autoptr(GString) line = g_string_new (NULL);

        pm_cli_append_padded (line, m->method_id, 24);
        g_string_append_c (line, ' ');
        pm_cli_append_padded (line, m->card_name, 14);
        g_string_append_c (line, ' ');
        pm_cli_append_padded (line, m->card_no, 22);
        g_string_append_printf (line, " %s  %s", m->registered_at != NULL ? m->registered_at : "",
                                m->status != NULL ? m->status : "");
        g_print ("%s\n", line->str);
      }
  args_clear (&a);
  return PM_CLI_EXIT_OK;
}

static int
autopay_update_or_delete (PmCli    *cli,
                          int       argc,
                          char    **argv,
                          gboolean  delete)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(PmSendResult) reply = NULL;
  const char *command = delete ? "autopay delete" : "autopay update";
  Args a = { 0 };
  int status;

  if (!parse_args (cli, command,
                   delete ? _("Deletes a registered card; later charges need a new one.")
                          : _("Sends the payer a link to change the registered card."),
                   WANT_PHONE | WANT_METHOD | WANT_JSON | (delete ? WANT_YES : 0), &a, &argc,
                   &argv)
      || !normalize_phone (command, &a.phone))
    {
      args_clear (&a);
      return PM_CLI_EXIT_USAGE;
    }
  if (delete && !a.yes)
    {
      g_autofree char *display = pm_phone_format_display (a.phone);
      char answer[16] = "";

      if (!pm_cli_stdin_is_tty ())
        {
          args_clear (&a);
          return pm_cli_usage (command, "%s", _("Not a terminal, so nobody can confirm: "
                                                "add --yes."));
        }
      g_printerr (_("Delete the card %s of %s? [y/N] "), a.method, display);
      if (fgets (answer, sizeof answer, stdin) == NULL || (answer[0] != 'y' && answer[0] != 'Y'))
        {
          args_clear (&a);
          g_printerr ("%s\n", _("Nothing was done."));
          return PM_CLI_EXIT_USAGE;
        }
    }
  if ((status = pm_cli_open (cli, TRUE)) != PM_CLI_EXIT_OK)
    {
      args_clear (&a);
      return status;
    }
  if (delete)
    {
      pm_service_autopay_delete_async (cli->service, a.phone, a.method, NULL,
                                       pm_cli_store_result_cb, &result);
      pm_cli_wait (&result);
      reply = pm_service_autopay_delete_finish (cli->service, result, &error);
    }
  else
    {
      pm_service_autopay_manage_async (cli->service, a.phone, a.method, NULL,
                                       pm_cli_store_result_cb, &result);
      pm_cli_wait (&result);
      reply = pm_service_autopay_manage_finish (cli->service, result, &error);
    }
  if (reply == NULL)
    status = pm_cli_report_error (NULL, error);
  else
    status = print_link_result (reply, a.json,
                                delete ? _("The card was deleted.")
                                       : _("Link to change the card sent to the payer:"));
  args_clear (&a);
  return status;
}

static int
autopay_charge (PmCli *cli, int argc, char **argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PmBill) draft = pm_bill_new ();
  g_autofree char *expire = NULL;
  g_autofree char *id = NULL;
  Args a = { 0 };
  gint64 won = 0;
  int status;

  if (!parse_args (cli, "autopay charge",
                   _("Charges a registered card: a bill like any other, never charged twice."),
                   WANT_NAME | WANT_PHONE | WANT_METHOD | WANT_TEXT | WANT_CHARGE | WANT_JSON
                   | WANT_YES, &a, &argc, &argv)
      || !normalize_phone ("autopay charge", &a.phone))
    {
      args_clear (&a);
      return PM_CLI_EXIT_USAGE;
    }
  if (!pm_money_parse (a.amount, &won, &error))
    {
      args_clear (&a);
      return pm_cli_usage ("autopay charge", "%s", error->message);
    }
  expire = a.expire != NULL ? g_strdup (a.expire) : pm_cli_korea_date_in (7);
  id = pm_bill_generate_id ();
  pm_bill_set_kind (draft, PM_BILL_KIND_AUTOPAY);
  pm_bill_set_bill_id (draft, id);
  pm_bill_set_payer_name (draft, a.name);
  pm_bill_set_phone (draft, a.phone);
  pm_bill_set_method_id (draft, a.method);
  pm_bill_set_price (draft, won);
  pm_bill_set_product (draft, a.product);
  pm_bill_set_message (draft, a.message != NULL ? a.message : a.product);
  pm_bill_set_expire_date (draft, expire);
  if (!pm_bill_validate (draft, &error))
    {
      args_clear (&a);
      return pm_cli_usage ("autopay charge", "%s: %s",
                           pm_error_get_field (error) != NULL ? pm_error_get_field (error) : "",
                           error->message);
    }
  if (!a.yes)
    {
      g_autofree char *figures = pm_money_format (won);
      g_autofree char *words = pm_money_format_korean (won);
      char answer[16] = "";

      if (!pm_cli_stdin_is_tty ())
        {
          args_clear (&a);
          return pm_cli_usage ("autopay charge", "%s",
                               _("Not a terminal, so nobody can confirm the charge: add --yes."));
        }
      g_printerr (_("Charge %s (%s) to %s’s card %s for “%s”? [y/N] "), figures, words, a.name,
                  a.method, a.product);
      if (fgets (answer, sizeof answer, stdin) == NULL || (answer[0] != 'y' && answer[0] != 'Y'))
        {
          args_clear (&a);
          g_printerr ("%s\n", _("Nothing was charged."));
          return PM_CLI_EXIT_USAGE;
        }
    }
  if ((status = pm_cli_open (cli, TRUE)) != PM_CLI_EXIT_OK)
    {
      args_clear (&a);
      return status;
    }
  status = pm_cli_send_draft (cli, draft, a.json);
  args_clear (&a);
  return status;
}

static int
autopay_payers (PmCli *cli, int argc, char **argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) payers = NULL;
  Args a = { 0 };
  int status;

  if (!parse_args (cli, "autopay payers",
                   _("Lists the payers registered for AutoPay from this profile."), 0, &a, &argc,
                   &argv))
    return PM_CLI_EXIT_USAGE;
  if ((status = pm_cli_open (cli, TRUE)) != PM_CLI_EXIT_OK)
    return status;
  payers = pm_service_list_payers (cli->service, &error);
  if (payers == NULL)
    return pm_cli_report_error (NULL, error);
  for (guint i = 0; i < payers->len; i++)
    {
      PmLedgerPayer *p = g_ptr_array_index (payers, i);
      g_autofree char *phone = pm_phone_format_display (p->phone);
      g_autoptr(GString) line = g_string_new (NULL);

      pm_cli_append_padded (line, p->name, 16);
      g_string_append_printf (line, " %s", phone);
      g_print ("%s\n", line->str);
    }
  return PM_CLI_EXIT_OK;
}

int
pm_cli_cmd_autopay (PmCli  *cli,
                    int     argc,
                    char  **argv)
{
  if (argc < 2)
    return pm_cli_usage ("autopay", "%s", _("Give an AutoPay command: register, methods, "
                                            "update, charge, delete or payers."));
  if (strcmp (argv[1], "register") == 0)
    return autopay_register (cli, argc - 1, argv + 1);
  if (strcmp (argv[1], "methods") == 0)
    return autopay_methods (cli, argc - 1, argv + 1);
  if (strcmp (argv[1], "update") == 0)
    return autopay_update_or_delete (cli, argc - 1, argv + 1, FALSE);
  if (strcmp (argv[1], "delete") == 0)
    return autopay_update_or_delete (cli, argc - 1, argv + 1, TRUE);
  if (strcmp (argv[1], "charge") == 0)
    return autopay_charge (cli, argc - 1, argv + 1);
  if (strcmp (argv[1], "payers") == 0)
    return autopay_payers (cli, argc - 1, argv + 1);
  if (strcmp (argv[1], "--help") == 0 || strcmp (argv[1], "-h") == 0)
    {
      g_print ("%s\n", _("Usage: paymint-cli autopay COMMAND [OPTIONS]\n\n"
                         "  register  Send the payer a link to register a card\n"
                         "  methods   List a payer’s registered cards\n"
                         "  update    Send the payer a link to change a card\n"
                         "  charge    Charge a registered card\n"
                         "  delete    Delete a registered card\n"
                         "  payers    List the payers registered from this profile\n\n"
                         "Each has its own --help."));
      return PM_CLI_EXIT_OK;
    }
  return pm_cli_usage ("autopay", _("“%s” is not an AutoPay command."), argv[1]);
}
