/* pm-cli-bills.c — paymint-cli: licenses, send, read, cancel, destroy, resend, refresh,
 * list, export
 *
 * Copyright 2026 The Paymint Desk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <gio/gunixinputstream.h>
#include <gio/gunixoutputstream.h>
#include <glib/gi18n.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "pm-cli-private.h"
#include "pm-error.h"
#include "pm-service-export.h"
#include "pm-money.h"
#include "pm-phone.h"

/* ---- licenses ---- */

int
pm_cli_cmd_licenses (PmCli  *cli,
                     int     argc,
                     char  **argv)
{
  g_autoptr(GOptionContext) context = g_option_context_new (NULL);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) licenses = NULL;
  gboolean json = FALSE;
  const GOptionEntry entries[] = {
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, N_("Print JSON"), NULL },
    { NULL }
  };
  int status;

  g_option_context_set_summary (context, _("Shows the Paymint licenses the connection’s API "
                                           "key gives (GET /paymint/licenses)."));
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  if (!pm_cli_parse (cli, context, &argc, &argv))
    return PM_CLI_EXIT_USAGE;
  if (argc > 1)
    return pm_cli_usage (argv[0], "%s", _("This command takes no arguments."));
  if ((status = pm_cli_open (cli, TRUE)) != PM_CLI_EXIT_OK)
    return status;

  pm_service_check_connection_async (cli->service, pm_service_get_profile (cli->service), NULL,
                                     pm_cli_store_result_cb, &result);
  pm_cli_wait (&result);
  licenses = pm_service_check_connection_finish (cli->service, result, &error);
  if (licenses == NULL)
    return pm_cli_report_error (_("Could not read the licenses"), error);

  if (json)
    {
      g_autoptr(JsonBuilder) builder = json_builder_new ();
      g_autoptr(JsonNode) root = NULL;

      json_builder_begin_array (builder);
      for (guint i = 0; i < licenses->len; i++)
        {
          PmLicense *l = g_ptr_array_index (licenses, i);

          json_builder_begin_object (builder);
          json_builder_set_member_name (builder, "business_registration_number");
          json_builder_add_string_value (builder, l->business_number);
          json_builder_set_member_name (builder, "business_name");
          json_builder_add_string_value (builder, l->business_name);
          json_builder_set_member_name (builder, "member_id");
          json_builder_add_string_value (builder, l->member_id);
          json_builder_set_member_name (builder, "merchant_id");
          json_builder_add_string_value (builder, l->merchant_id);
          json_builder_set_member_name (builder, "status");
          json_builder_add_string_value (builder, l->status);
          json_builder_end_object (builder);
        }
      json_builder_end_array (builder);
      root = json_builder_get_root (builder);
      pm_cli_print_json (root);
      return PM_CLI_EXIT_OK;
    }

  if (licenses->len == 0)
    g_print ("%s\n", _("This API key gives no license."));
  for (guint i = 0; i < licenses->len; i++)
    {
      PmLicense *l = g_ptr_array_index (licenses, i);
      g_autoptr(GString) line = g_string_new (NULL);

      pm_cli_append_padded (line, l->business_number, 12);
      g_string_append_c (line, ' ');
      pm_cli_append_padded (line, l->business_name, 28);
      g_string_append_printf (line, " %s / %s  %s", l->member_id != NULL ? l->member_id : "",
                              l->merchant_id != NULL ? l->merchant_id : "",
                              l->status != NULL ? l->status : "");
      g_print ("%s\n", line->str);
    }
  return PM_CLI_EXIT_OK;
}

/* ---- send ---- */

static gboolean
json_member_string (JsonObject  *object,
                    const char  *name,
                    char       **out,
                    GError     **error)
{
  JsonNode *node = json_object_get_member (object, name);

  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return TRUE;
  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   _("“%s” must be a string."), name);
      return FALSE;
    }
  g_free (*out);
  *out = g_strdup (json_node_get_string (node));
  return TRUE;
}

typedef struct
{
  char *name;
  char *phone;
  char *amount;
  char *product;
  char *message;
  char *expire;
  char *bill_id;
} SendFields;

static void
send_fields_clear (SendFields *f)
{
  g_free (f->name);
  g_free (f->phone);
  g_free (f->amount);
  g_free (f->product);
  g_free (f->message);
  g_free (f->expire);
  g_free (f->bill_id);
}

/* The JSON object on stdin, with the API's field names. */
static gboolean
read_send_json (SendFields  *f,
                GError     **error)
{
  static const char *known[] = { "member_nm", "phone", "price", "product_nm", "message",
                                 "expire_dt", "bill_id", NULL };
  g_autoptr(GInputStream) in = g_unix_input_stream_new (STDIN_FILENO, FALSE);
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GList) members = NULL;
  JsonObject *object;
  JsonNode *price;

  if (!json_parser_load_from_stream (parser, in, NULL, error))
    return FALSE;
  if (json_parser_get_root (parser) == NULL || !JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    {
      g_set_error_literal (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                           _("The input must be one JSON object with the fields member_nm, "
                             "phone, price, product_nm, message and expire_dt."));
      return FALSE;
    }
  object = json_node_get_object (json_parser_get_root (parser));
  members = json_object_get_members (object);
  for (GList *l = members; l != NULL; l = l->next)
    if (!g_strv_contains (known, l->data))
      {
        g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                     _("Unknown field “%s” in the JSON input; the fields are member_nm, "
                       "phone, price, product_nm, message, expire_dt and bill_id."),
                     (const char *) l->data);
        return FALSE;
      }
  if (!json_member_string (object, "member_nm", &f->name, error)
      || !json_member_string (object, "phone", &f->phone, error)
      || !json_member_string (object, "product_nm", &f->product, error)
      || !json_member_string (object, "message", &f->message, error)
      || !json_member_string (object, "expire_dt", &f->expire, error)
      || !json_member_string (object, "bill_id", &f->bill_id, error))
    return FALSE;
  price = json_object_get_member (object, "price");
  if (price != NULL && JSON_NODE_HOLDS_VALUE (price))
    {
      GType type = json_node_get_value_type (price);

      g_free (f->amount);
      if (type == G_TYPE_INT64)
        f->amount = g_strdup_printf ("%" G_GINT64_FORMAT, json_node_get_int (price));
      else if (type == G_TYPE_STRING)
        f->amount = g_strdup (json_node_get_string (price));
      else
        {
          g_set_error_literal (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                               _("“price” must be a whole number of won."));
          return FALSE;
        }
    }
  return TRUE;
}

/* Builds a validated draft from @f. Errors name the field. */
static PmBill *
draft_from_fields (SendFields  *f,
                   GError     **error)
{
  g_autoptr(PmBill) bill = pm_bill_new ();
  g_autofree char *digits = NULL;
  g_autofree char *expire = NULL;
  gboolean legacy = FALSE;
  gint64 won = 0;

  if (f->name == NULL)
    {
      pm_error_set_field_error (error, PM_ERROR_INVALID, PM_BILL_FIELD_MEMBER_NM, "%s",
                                _("Give the payer’s name with --name."));
      return NULL;
    }
  if (f->phone == NULL)
    {
      pm_error_set_field_error (error, PM_ERROR_INVALID, PM_BILL_FIELD_PHONE, "%s",
                                _("Give the payer’s mobile number with --phone."));
      return NULL;
    }
  if (f->amount == NULL)
    {
      pm_error_set_field_error (error, PM_ERROR_INVALID, PM_BILL_FIELD_PRICE, "%s",
                                _("Give the amount in won with --amount."));
      return NULL;
    }
  if (f->product == NULL)
    {
      pm_error_set_field_error (error, PM_ERROR_INVALID, PM_BILL_FIELD_PRODUCT_NM, "%s",
                                _("Give what the bill is for with --product."));
      return NULL;
    }
  if (!pm_phone_normalize (f->phone, &digits, &legacy, error)
      || !pm_money_parse (f->amount, &won, error))
    return NULL;
  if (legacy)
    g_printerr (_("paymint-cli: %s is an old mobile number (01X); it is sent as it is.\n"),
                f->phone);

  if (f->expire != NULL)
    expire = g_strdup (f->expire);
  else
    expire = pm_cli_korea_date_in (7);
  pm_bill_set_kind (bill, PM_BILL_KIND_REQUEST);
  pm_bill_set_payer_name (bill, f->name);
  pm_bill_set_phone (bill, digits);
  pm_bill_set_price (bill, won);
  pm_bill_set_product (bill, f->product);
  pm_bill_set_message (bill, f->message != NULL ? f->message : f->product);
  pm_bill_set_expire_date (bill, expire);
  if (f->bill_id != NULL)
    pm_bill_set_bill_id (bill, f->bill_id);
  else
    {
      /* made here, so the CLI can name it even when the outcome is unknown */
      g_autofree char *id = pm_bill_generate_id ();

      pm_bill_set_bill_id (bill, id);
    }
  if (!pm_bill_validate (bill, error))
    return NULL;
  return g_steal_pointer (&bill);
}

static int
report_field_error (const char   *command,
                    const GError *error)
{
  const char *field = pm_error_get_field (error);

  if (field != NULL)
    g_printerr ("paymint-cli %s: %s: %s\n", command, field, error->message);
  else
    g_printerr ("paymint-cli %s: %s\n", command, error->message);
  return pm_cli_exit_code_for_error (error);
}

int
pm_cli_send_draft (PmCli    *cli,
                   PmBill   *draft,
                   gboolean  json)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(PmBill) bill = NULL;
  const char *bill_id = pm_bill_get_bill_id (draft);

  pm_service_send_async (cli->service, draft, NULL, pm_cli_store_result_cb, &result);
  pm_cli_wait (&result);
  bill = pm_service_send_finish (cli->service, result, &error);
  return pm_cli_finish_send (bill, error, bill_id, json);
}

int
pm_cli_cmd_send (PmCli  *cli,
                 int     argc,
                 char  **argv)
{
  g_autoptr(GOptionContext) context = g_option_context_new (NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(PmBill) draft = NULL;
  SendFields f = { 0 };
  gboolean json = FALSE;
  gboolean from_stdin;
  int status;
  const GOptionEntry entries[] = {
    { "name", 0, 0, G_OPTION_ARG_STRING, &f.name, N_("Payer’s name (member_nm)"), N_("NAME") },
    { "phone", 0, 0, G_OPTION_ARG_STRING, &f.phone, N_("Payer’s mobile number"), N_("PHONE") },
    { "amount", 0, 0, G_OPTION_ARG_STRING, &f.amount, N_("Amount in won (1,000 or 1000원)"),
      N_("WON") },
    { "product", 0, 0, G_OPTION_ARG_STRING, &f.product, N_("What the bill is for (product_nm)"),
      N_("TEXT") },
    { "message", 0, 0, G_OPTION_ARG_STRING, &f.message,
      N_("Message to the payer (default: the product text)"), N_("TEXT") },
    { "expire", 0, 0, G_OPTION_ARG_STRING, &f.expire,
      N_("Last day to pay, YYYY-MM-DD (default: in 7 days)"), N_("DATE") },
    { "bill-id", 0, 0, G_OPTION_ARG_STRING, &f.bill_id,
      N_("Use this bill id (up to 20 letters and digits; never reused)"), N_("ID") },
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, N_("Print the result as JSON"), NULL },
    { NULL }
  };

  g_option_context_set_summary (context,
                                _("Sends one payment request. Give the fields as options, or "
                                  "a JSON object with the API’s field names on stdin:\n"
                                  "  {\"member_nm\": \"홍길동\", \"phone\": \"010-2345-6789\", "
                                  "\"price\": 30000,\n"
                                  "   \"product_nm\": \"11월 수강료\", \"message\": \"…\", "
                                  "\"expire_dt\": \"2026-11-30\"}"));
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  if (!pm_cli_parse (cli, context, &argc, &argv))
    {
      send_fields_clear (&f);
      return PM_CLI_EXIT_USAGE;
    }
  if (argc > 1)
    {
      send_fields_clear (&f);
      return pm_cli_usage (argv[0], _("Unexpected argument “%s”."), argv[1]);
    }

  from_stdin = f.name == NULL && f.phone == NULL && f.amount == NULL && f.product == NULL
               && !pm_cli_stdin_is_tty ();
  if (from_stdin && !read_send_json (&f, &error))
    {
      send_fields_clear (&f);
      return pm_cli_usage (argv[0], "%s", error->message);
    }
  draft = draft_from_fields (&f, &error);
  send_fields_clear (&f);
  if (draft == NULL)
    return report_field_error (argv[0], error);

  if ((status = pm_cli_open (cli, TRUE)) != PM_CLI_EXIT_OK)
    return status;
  return pm_cli_send_draft (cli, draft, json);
}

/* ---- one bill: read, cancel, destroy, resend ---- */

static int
bill_action (PmCli        *cli,
             int           argc,
             char        **argv,
             PmBillAction  action,
             const char   *summary)
{
  g_autoptr(GOptionContext) context = g_option_context_new (_("BILL"));
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(PmBill) bill = NULL;
  g_autoptr(PmBill) before = NULL;
  gboolean json = FALSE;
  gboolean yes = FALSE;
  gboolean local = FALSE;
  const char *bill_id;
  int status;
  const GOptionEntry entries[] = {
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, N_("Print the bill as JSON"), NULL },
    { NULL }
  };
  const GOptionEntry confirm_entries[] = {
    { "yes", 'y', 0, G_OPTION_ARG_NONE, &yes, N_("Do not ask for confirmation"), NULL },
    { NULL }
  };
  const GOptionEntry read_entries[] = {
    { "local", 0, 0, G_OPTION_ARG_NONE, &local,
      N_("Show the ledger’s record only; do not ask the server"), NULL },
    { NULL }
  };

  g_option_context_set_summary (context, summary);
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  if (action == PM_BILL_ACTION_CANCEL || action == PM_BILL_ACTION_DESTROY)
    g_option_context_add_main_entries (context, confirm_entries, GETTEXT_PACKAGE);
  if (action == PM_BILL_ACTION_REFRESH)
    g_option_context_add_main_entries (context, read_entries, GETTEXT_PACKAGE);
  if (!pm_cli_parse (cli, context, &argc, &argv))
    return PM_CLI_EXIT_USAGE;
  if (argc != 2)
    return pm_cli_usage (argv[0], "%s", _("Give exactly one bill id."));
  bill_id = argv[1];
  if (!pm_bill_check_bill_id (bill_id, &error))
    return pm_cli_usage (argv[0], "%s", error->message);
  if ((status = pm_cli_open (cli, TRUE)) != PM_CLI_EXIT_OK)
    return status;

  before = pm_service_lookup (cli->service, bill_id, &error);
  if (before == NULL)
    {
      if (error != NULL)
        return pm_cli_report_error (NULL, error);
      g_printerr (_("paymint-cli %s: Bill %s is not in the payments ledger of the profile “%s”.\n"),
                  argv[0], bill_id, pm_profile_get_name (pm_service_get_profile (cli->service)));
      return PM_CLI_EXIT_USAGE;
    }

  if (action == PM_BILL_ACTION_REFRESH && local)
    {
      bill = g_steal_pointer (&before);
    }
  else
    {
      if (action == PM_BILL_ACTION_CANCEL || action == PM_BILL_ACTION_DESTROY)
        {
          g_autofree char *price = pm_money_format (pm_bill_get_price (before));
          g_autofree char *korean = pm_money_format_korean (pm_bill_get_price (before));

          if (!yes && !pm_cli_stdin_is_tty ())
            return pm_cli_usage (argv[0], "%s",
                                 _("Not a terminal, so nobody can confirm: add --yes."));
          if (!yes)
            {
              char answer[16] = "";

              if (action == PM_BILL_ACTION_CANCEL)
                g_printerr (_("Refund %s %s (%s) to %s for “%s”?"), bill_id, price, korean,
                            pm_bill_get_payer_name (before), pm_bill_get_product (before));
              else
                g_printerr (_("Void the unpaid bill %s of %s (%s) to %s for “%s”?"), bill_id,
                            price, korean, pm_bill_get_payer_name (before),
                            pm_bill_get_product (before));
              g_printerr (" [y/N] ");
              if (fgets (answer, sizeof answer, stdin) == NULL
                  || (answer[0] != 'y' && answer[0] != 'Y'))
                {
                  g_printerr ("%s\n", _("Nothing was done."));
                  return PM_CLI_EXIT_USAGE;
                }
            }
        }
      pm_service_bill_action_async (cli->service, bill_id, action, NULL, pm_cli_store_result_cb,
                                    &result);
      pm_cli_wait (&result);
      bill = pm_service_bill_action_finish (cli->service, result, &error);
      if (bill == NULL)
        return pm_cli_report_error (bill_id, error);
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

int
pm_cli_cmd_read (PmCli  *cli,
                 int     argc,
                 char  **argv)
{
  return bill_action (cli, argc, argv, PM_BILL_ACTION_REFRESH,
                      _("Reads the bill from the server (POST /paymint/read), records its "
                        "state in the ledger and prints it."));
}

int
pm_cli_cmd_cancel (PmCli  *cli,
                   int     argc,
                   char  **argv)
{
  return bill_action (cli, argc, argv, PM_BILL_ACTION_CANCEL,
                      _("Refunds a paid bill in full (POST /paymint/cancel)."));
}

int
pm_cli_cmd_destroy (PmCli  *cli,
                    int     argc,
                    char  **argv)
{
  return bill_action (cli, argc, argv, PM_BILL_ACTION_DESTROY,
                      _("Voids an unpaid bill, so it can no longer be paid "
                        "(POST /paymint/destroy)."));
}

int
pm_cli_cmd_resend (PmCli  *cli,
                   int     argc,
                   char  **argv)
{
  return bill_action (cli, argc, argv, PM_BILL_ACTION_RESEND,
                      _("Sends an unpaid bill’s message to the payer again: the same bill "
                        "and link (POST /paymint/resend)."));
}

/* ---- refresh ---- */

typedef struct
{
  PmCli      *cli;
  GPtrArray  *bills;     /* PmBill, as before the refresh */
  guint       next;
  guint       in_flight;
  guint       done;
  guint       changed;
  guint       failed;
  int         status;
  gboolean    quiet;
} Refresh;

static void refresh_pump (Refresh *r);

typedef struct
{
  Refresh *r;
  PmBill  *before;
} RefreshItem;

static void
refresh_done_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  RefreshItem *item = user_data;
  Refresh *r = item->r;
  PmBill *before = item->before;
  g_autoptr(GError) error = NULL;
  g_autoptr(PmBill) bill = NULL;

  g_free (item);
  bill = pm_service_bill_action_finish (PM_SERVICE (object), result, &error);
  r->in_flight--;
  r->done++;
  if (bill == NULL)
    {
      int status = pm_cli_report_error (pm_bill_get_bill_id (before), error);

      r->failed++;
      r->status = MAX (r->status, status);
    }
  else if (pm_bill_get_state (bill) != pm_bill_get_state (before))
    {
      r->changed++;
      g_print ("%s  %s → %s\n", pm_bill_get_bill_id (bill),
               pm_bill_state_get_label (pm_bill_get_state (before)),
               pm_bill_state_get_label (pm_bill_get_state (bill)));
    }
  if (!r->quiet && r->bills->len >= 50 && (r->done % 50 == 0 || r->done == r->bills->len))
    g_printerr (_("Checked %u of %u…\n"), r->done, r->bills->len);
  refresh_pump (r);
}

static void
refresh_pump (Refresh *r)
{
  while (r->in_flight < 8 && r->next < r->bills->len)
    {
      RefreshItem *item = g_new0 (RefreshItem, 1);

      item->r = r;
      item->before = g_ptr_array_index (r->bills, r->next++);
      r->in_flight++;
      pm_service_bill_action_async (r->cli->service, pm_bill_get_bill_id (item->before),
                                    PM_BILL_ACTION_REFRESH, NULL, refresh_done_cb, item);
    }
}

int
pm_cli_cmd_refresh (PmCli  *cli,
                    int     argc,
                    char  **argv)
{
  g_autoptr(GOptionContext) context = g_option_context_new (_("[BILL…]"));
  g_autoptr(GError) error = NULL;
  gboolean all = FALSE;
  Refresh r = { 0 };
  int status;
  const GOptionEntry entries[] = {
    { "all", 'a', 0, G_OPTION_ARG_NONE, &all,
      N_("Every bill that can still change (first settling requests whose outcome is "
         "unknown)"), NULL },
    { NULL }
  };

  g_option_context_set_summary (context, _("Checks bills with the server (read) and records "
                                           "what changed in the ledger."));
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  if (!pm_cli_parse (cli, context, &argc, &argv))
    return PM_CLI_EXIT_USAGE;
  if (all == (argc > 1))
    return pm_cli_usage (argv[0], "%s", _("Give bill ids, or --all."));
  if ((status = pm_cli_open (cli, TRUE)) != PM_CLI_EXIT_OK)
    return status;

  r.cli = cli;
  r.quiet = cli->quiet;
  r.bills = g_ptr_array_new_with_free_func (g_object_unref);
  if (all)
    {
      g_autoptr(GAsyncResult) result = NULL;
      g_autoptr(PmLedgerQuery) query = pm_ledger_query_new ();
      g_autoptr(GPtrArray) page = NULL;
      guint n_unsettled = 0;

      /* intents without a definite outcome first: read, then send again if absent */
      pm_service_start_async (cli->service, NULL, pm_cli_store_result_cb, &result);
      pm_cli_wait (&result);
      if (!pm_service_start_finish (cli->service, result, &n_unsettled, &error))
        {
          r.status = pm_cli_report_error (_("Could not settle the unknown requests"), error);
          g_clear_error (&error);
        }
      else if (n_unsettled > 0)
        {
          g_printerr (_("%u requests still have an unknown outcome.\n"), n_unsettled);
          r.status = PM_CLI_EXIT_UNKNOWN;
        }

      query->states = PM_LEDGER_STATE_BIT (PM_BILL_STATE_UNPAID)
                      | PM_LEDGER_STATE_BIT (PM_BILL_STATE_PAID)
                      | PM_LEDGER_STATE_EXPIRED;
      query->sort = PM_LEDGER_SORT_CREATED_AT;
      pm_service_scope_query (cli->service, query);
      page = pm_ledger_fetch (pm_service_get_ledger (cli->service), query, 0, G_MAXUINT, &error);
      if (page == NULL)
        {
          g_ptr_array_unref (r.bills);
          return pm_cli_report_error (NULL, error);
        }
      for (guint i = 0; i < page->len; i++)
        g_ptr_array_add (r.bills, g_object_ref (g_ptr_array_index (page, i)));
    }
  else
    {
      for (int i = 1; i < argc; i++)
        {
          PmBill *bill = pm_service_lookup (cli->service, argv[i], &error);

          if (bill == NULL)
            {
              g_ptr_array_unref (r.bills);
              if (error != NULL)
                return pm_cli_report_error (NULL, error);
              return pm_cli_usage (argv[0], _("Bill %s is not in the payments ledger."),
                                   argv[i]);
            }
          g_ptr_array_add (r.bills, bill);
        }
    }

  refresh_pump (&r);
  while (r.in_flight > 0)
    g_main_context_iteration (NULL, TRUE);
  g_print (_("Checked %u bills: %u changed, %u could not be checked.\n"), r.bills->len,
           r.changed, r.failed);
  g_ptr_array_unref (r.bills);
  return r.status;
}

/* ---- list and export ---- */

typedef struct
{
  char     *states;
  char     *from;
  char     *to;
  char     *search;
  char     *sort;
  int       limit;
} Filter;

static void
filter_clear (Filter *f)
{
  g_free (f->states);
  g_free (f->from);
  g_free (f->to);
  g_free (f->search);
  g_free (f->sort);
}

static void
filter_add_entries (GOptionContext *context,
                    Filter         *f,
                    gboolean        with_limit)
{
  const GOptionEntry entries[] = {
    { "state", 0, 0, G_OPTION_ARG_STRING, &f->states,
      N_("Only these states, comma-separated: queued, sending, unknown, failed, unpaid, "
         "expired, paid, cancelled, destroyed"), N_("STATES") },
    { "from", 0, 0, G_OPTION_ARG_STRING, &f->from,
      N_("Created on or after this day (Korea time)"), N_("YYYY-MM-DD") },
    { "to", 0, 0, G_OPTION_ARG_STRING, &f->to,
      N_("Created on or before this day (Korea time)"), N_("YYYY-MM-DD") },
    { "search", 's', 0, G_OPTION_ARG_STRING, &f->search,
      N_("Payer name, phone, product or bill id"), N_("TEXT") },
    { "sort", 0, 0, G_OPTION_ARG_STRING, &f->sort,
      N_("created, payer, amount, state, expire or checked; add :asc or :desc "
         "(default created:desc)"), N_("KEY") },
    { NULL }
  };
  const GOptionEntry limit_entries[] = {
    { "limit", 'n', 0, G_OPTION_ARG_INT, &f->limit,
      N_("Show at most N bills (default 100; 0: all)"), N_("N") },
    { NULL }
  };

  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  if (with_limit)
    g_option_context_add_main_entries (context, limit_entries, GETTEXT_PACKAGE);
}

static gboolean
filter_to_query (Filter         *f,
                 PmLedgerQuery  *query,
                 GError        **error)
{
  static const struct { const char *name; PmLedgerSort sort; } sorts[] = {
    { "created", PM_LEDGER_SORT_CREATED_AT },
    { "payer", PM_LEDGER_SORT_PAYER },
    { "amount", PM_LEDGER_SORT_AMOUNT },
    { "state", PM_LEDGER_SORT_STATE },
    { "expire", PM_LEDGER_SORT_EXPIRE_DATE },
    { "checked", PM_LEDGER_SORT_LAST_CHECKED },
  };

  if (f->states != NULL)
    {
      g_auto(GStrv) names = g_strsplit (f->states, ",", -1);

      for (guint i = 0; names[i] != NULL; i++)
        {
          const char *name = g_strstrip (names[i]);
          PmBillState state;

          if (*name == '\0')
            continue;
          if (strcmp (name, "expired") == 0)
            query->states |= PM_LEDGER_STATE_EXPIRED;
          else if (pm_bill_state_from_string (name, &state))
            {
              query->states |= PM_LEDGER_STATE_BIT (state);
              if (state == PM_BILL_STATE_UNPAID)
                query->states |= PM_LEDGER_STATE_EXPIRED;
            }
          else
            {
              g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                           _("“%s” is not a state; use queued, sending, unknown, failed, "
                             "unpaid, expired, paid, cancelled or destroyed."), name);
              return FALSE;
            }
        }
      /* "unpaid,expired" means both; "unpaid" alone means every unpaid bill, while
       * "expired" alone means only the expired ones */
    }
  if (f->from != NULL && !pm_cli_parse_date (f->from, &query->created_from))
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   _("--from must be a date like 2026-11-01, not “%s”."), f->from);
      return FALSE;
    }
  if (f->to != NULL)
    {
      if (!pm_cli_parse_date (f->to, &query->created_to))
        {
          g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                       _("--to must be a date like 2026-11-30, not “%s”."), f->to);
          return FALSE;
        }
      query->created_to += 86400; /* the whole day */
    }
  if (query->created_from != 0 && query->created_to != 0
      && query->created_to <= query->created_from)
    {
      g_set_error_literal (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                           _("--to must not be before --from."));
      return FALSE;
    }
  if (f->search != NULL)
    pm_ledger_query_set_text (query, f->search);
  query->sort = PM_LEDGER_SORT_CREATED_AT;
  query->descending = TRUE;
  if (f->sort != NULL)
    {
      g_auto(GStrv) parts = g_strsplit (f->sort, ":", 2);
      gboolean found = FALSE;

      for (guint i = 0; i < G_N_ELEMENTS (sorts); i++)
        if (strcmp (parts[0], sorts[i].name) == 0)
          {
            query->sort = sorts[i].sort;
            found = TRUE;
          }
      if (!found)
        {
          g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                       _("--sort must be created, payer, amount, state, expire or checked, "
                         "not “%s”."), parts[0]);
          return FALSE;
        }
      /* names and dates read best A→Z, amounts and times newest/largest first */
      query->descending = query->sort == PM_LEDGER_SORT_CREATED_AT
                          || query->sort == PM_LEDGER_SORT_AMOUNT
                          || query->sort == PM_LEDGER_SORT_LAST_CHECKED;
      if (parts[1] != NULL && strcmp (parts[1], "asc") == 0)
        query->descending = FALSE;
      else if (parts[1] != NULL && strcmp (parts[1], "desc") == 0)
        query->descending = TRUE;
      else if (parts[1] != NULL)
        {
          g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                       _("The sort order must be asc or desc, not “%s”."), parts[1]);
          return FALSE;
        }
    }
  if (f->limit < 0)
    {
      g_set_error_literal (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                           _("--limit must not be negative."));
      return FALSE;
    }
  query->limit = (guint) f->limit;
  return TRUE;
}

static void
print_table (GPtrArray *bills)
{
  g_autoptr(GString) out = g_string_new (NULL);
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;

  pm_cli_append_padded (out, _("Bill"), 21);
  pm_cli_append_padded (out, _("Created"), 17);
  pm_cli_append_padded (out, _("State"), 11);
  pm_cli_append_padded (out, _("Payer"), 13);
  pm_cli_append_padded (out, _("Phone"), 14);
  pm_cli_append_padded (out, _("Amount"), 15);
  g_string_append (out, _("Product"));
  g_string_append_c (out, '\n');
  for (guint i = 0; i < bills->len; i++)
    {
      PmBill *bill = g_ptr_array_index (bills, i);
      g_autofree char *created = pm_cli_format_time (pm_bill_get_created_at (bill));
      g_autofree char *phone = pm_phone_format_display (pm_bill_get_phone (bill));
      g_autofree char *price = pm_money_format (pm_bill_get_price (bill));
      const char *state = pm_bill_is_expired (bill, now) ? _("expired")
                                                         : pm_bill_state_get_label (pm_bill_get_state (bill));

      if (strlen (created) > 16)
        created[16] = '\0';
      pm_cli_append_padded (out, pm_bill_get_bill_id (bill), 21);
      pm_cli_append_padded (out, created, 17);
      pm_cli_append_padded (out, state, 11);
      pm_cli_append_padded (out, pm_bill_get_payer_name (bill), 13);
      pm_cli_append_padded (out, phone, 14);
      /* "₩" is one column but three bytes: right-align by columns */
      for (int pad = 14 - (int) g_utf8_strlen (price, -1); pad > 0; pad--)
        g_string_append_c (out, ' ');
      g_string_append (out, price);
      g_string_append_c (out, ' ');
      g_string_append (out, pm_bill_get_product (bill) != NULL ? pm_bill_get_product (bill) : "");
      g_string_append_c (out, '\n');
    }
  g_print ("%s", out->str);
}

int
pm_cli_cmd_list (PmCli  *cli,
                 int     argc,
                 char  **argv)
{
  g_autoptr(GOptionContext) context = g_option_context_new (NULL);
  g_autoptr(PmLedgerQuery) query = pm_ledger_query_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) bills = NULL;
  Filter f = { .limit = 100 };
  gboolean json = FALSE, csv = FALSE;
  int status;
  const GOptionEntry entries[] = {
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, N_("Print JSON"), NULL },
    { "csv", 0, 0, G_OPTION_ARG_NONE, &csv, N_("Print CSV (like export)"), NULL },
    { NULL }
  };

  g_option_context_set_summary (context, _("Lists bills from the payments ledger, newest "
                                           "first, with the app’s filters."));
  filter_add_entries (context, &f, TRUE);
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  if (!pm_cli_parse (cli, context, &argc, &argv))
    {
      filter_clear (&f);
      return PM_CLI_EXIT_USAGE;
    }
  if (argc > 1 || (json && csv))
    {
      filter_clear (&f);
      return pm_cli_usage (argv[0], "%s", argc > 1 ? _("This command takes no arguments.")
                                                   : _("Use either --json or --csv."));
    }
  if (!filter_to_query (&f, query, &error))
    {
      filter_clear (&f);
      return pm_cli_usage (argv[0], "%s", error->message);
    }
  filter_clear (&f);
  if ((status = pm_cli_open (cli, TRUE)) != PM_CLI_EXIT_OK)
    return status;
  pm_service_scope_query (cli->service, query);

  if (csv)
    {
      g_autoptr(GOutputStream) out = g_unix_output_stream_new (STDOUT_FILENO, FALSE);

      if (!pm_ledger_export_csv (pm_service_get_ledger (cli->service), query, out, NULL, NULL,
                                 &error))
        return pm_cli_report_error (NULL, error);
      return PM_CLI_EXIT_OK;
    }

  bills = pm_ledger_fetch (pm_service_get_ledger (cli->service), query, 0,
                           query->limit != 0 ? query->limit : G_MAXUINT, &error);
  if (bills == NULL)
    return pm_cli_report_error (NULL, error);

  if (json)
    {
      g_autoptr(JsonNode) root = json_node_new (JSON_NODE_ARRAY);
      JsonArray *array = json_array_sized_new (bills->len);

      for (guint i = 0; i < bills->len; i++)
        json_array_add_element (array, pm_cli_bill_to_json (g_ptr_array_index (bills, i)));
      json_node_take_array (root, array);
      pm_cli_print_json (root);
    }
  else
    {
      PmLedgerTotals totals;
      g_autoptr(PmLedgerQuery) all = pm_ledger_query_copy (query);

      print_table (bills);
      all->limit = 0;
      all->offset = 0;
      if (pm_ledger_totals (pm_service_get_ledger (cli->service), all, &totals, &error))
        {
          g_autofree char *won = pm_money_format (totals.all.won);
          g_autofree char *paid = pm_money_format (totals.by_state[PM_BILL_STATE_PAID].won);
          g_autofree char *n_all = pm_money_format_digits (totals.all.count);

          /* Translators: "20 shown of 1,234 bills; total ₩…, paid ₩…" */
          g_print (_("%u shown of %s bills; total %s, paid %s\n"), bills->len, n_all, won, paid);
        }
      else
        return pm_cli_report_error (NULL, error);
    }
  return PM_CLI_EXIT_OK;
}

int
pm_cli_cmd_export (PmCli  *cli,
                   int     argc,
                   char  **argv)
{
  g_autoptr(GOptionContext) context = g_option_context_new (_("FILE"));
  g_autoptr(PmLedgerQuery) query = pm_ledger_query_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autofree char *format_name = NULL;
  PmExportFormat format;
  Filter f = { .limit = 0 };
  gint64 n_rows;
  int status;
  const GOptionEntry entries[] = {
    { "format", 0, 0, G_OPTION_ARG_STRING, &format_name,
      N_("csv or xlsx (default: xlsx for a name ending in .xlsx, else csv)"), N_("FORMAT") },
    { NULL }
  };

  g_option_context_set_summary (context, _("Writes the bills the filters select to a CSV file "
                                           "(UTF-8 with BOM) or an Excel workbook (.xlsx: "
                                           "amounts in won, dates in Korea time, a totals "
                                           "row)."));
  filter_add_entries (context, &f, FALSE);
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  if (!pm_cli_parse (cli, context, &argc, &argv))
    {
      filter_clear (&f);
      return PM_CLI_EXIT_USAGE;
    }
  if (argc != 2)
    {
      filter_clear (&f);
      return pm_cli_usage (argv[0], "%s", _("Give the file to write."));
    }
  if (format_name == NULL)
    format = pm_export_format_for_path (argv[1]);
  else if (!pm_export_format_from_string (format_name, &format))
    {
      filter_clear (&f);
      return pm_cli_usage (argv[0], _("--format must be csv or xlsx, not “%s”."), format_name);
    }
  if (!filter_to_query (&f, query, &error))
    {
      filter_clear (&f);
      return pm_cli_usage (argv[0], "%s", error->message);
    }
  filter_clear (&f);
  if ((status = pm_cli_open (cli, TRUE)) != PM_CLI_EXIT_OK)
    return status;
  pm_service_export_async (cli->service, query, argv[1], format, NULL, NULL, NULL, NULL,
                           pm_cli_store_result_cb, &result);
  pm_cli_wait (&result);
  n_rows = pm_service_export_finish (cli->service, result, &error);
  if (n_rows < 0)
    return pm_cli_report_error (argv[1], error);
  {
    g_autofree char *count = pm_money_format_digits (n_rows);

    g_print (_("Exported %s bills to %s\n"), count, argv[1]);
  }
  return PM_CLI_EXIT_OK;
}
