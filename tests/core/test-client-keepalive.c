/* test-client-keepalive.c — sends reuse kept-alive connections, and a reset stays unknown
 *
 * Copyright 2026 The Paymint Desk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A bare SoupServer on loopback stands for the deployment. Sequential sends (request,
 * the call that spends balance) go over one kept-alive connection instead of one
 * connection each. When the server drops a reused connection after reading a send, the
 * call ends "maybe done" (unknown, settled by read) and libsoup does not re-send it by
 * itself: the server sees that bill_id once.
 */

#include "config.h"

#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

#include "pm-client.h"
#include "pm-error.h"
#include "pm-test-util.h"

typedef struct
{
  GHashTable *ports;      /* client ports seen: one per connection */
  GHashTable *bill_ids;   /* bill_id → times received */
  guint       requests;
  gboolean    drop_next;  /* steal and close the connection of the next request */
} Server;

static void
handler (SoupServer        *soup_server,
         SoupServerMessage *msg,
         const char        *path,
         GHashTable        *query,
         gpointer           user_data)
{
  Server *s = user_data;
  GSocketAddress *remote = soup_server_message_get_remote_address (msg);
  SoupMessageBody *request = soup_server_message_get_request_body (msg);
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autofree char *reply = NULL;
  const char *bill_id = "";

  s->requests++;
  g_hash_table_add (s->ports,
                    GUINT_TO_POINTER (g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (remote))));
  if (request->data != NULL
      && json_parser_load_from_data (parser, request->data, request->length, NULL)
      && JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    bill_id = json_object_get_string_member_with_default (
      json_node_get_object (json_parser_get_root (parser)), "bill_id", "");
  g_hash_table_insert (s->bill_ids, g_strdup (bill_id),
                       GUINT_TO_POINTER (GPOINTER_TO_UINT (g_hash_table_lookup (s->bill_ids, bill_id)) + 1));

  if (s->drop_next)
    {
      g_autoptr(GIOStream) stream = NULL;

      s->drop_next = FALSE;
      /* the request arrived; the connection goes away before any byte of the reply */
      stream = soup_server_message_steal_connection (msg);
      g_io_stream_close (stream, NULL, NULL);
      return;
    }

  reply = g_strdup_printf ("{\"bill_id\":\"%s\",\"code\":\"0000\",\"msg\":\"ok\","
                           "\"shortURL\":\"https://pay.example.com/b/%s\"}", bill_id, bill_id);
  soup_server_message_set_status (msg, 200, NULL);
  soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_COPY, reply,
                                    strlen (reply));
}

typedef struct
{
  gboolean      done;
  PmSendResult *result;
  GError       *error;
} Wait;

static void
request_cb (GObject      *object,
            GAsyncResult *res,
            gpointer      user_data)
{
  Wait *w = user_data;

  w->result = pm_client_request_finish (PM_CLIENT (object), res, &w->error);
  w->done = TRUE;
}

static void
send_one (PmClient    *client,
          const char  *bill_id,
          Wait        *w)
{
  g_autoptr(PmBill) bill = pm_bill_new ();

  pm_bill_set_bill_id (bill, bill_id);
  pm_bill_set_payer_name (bill, "한결");
  pm_bill_set_phone (bill, "01012345678");
  pm_bill_set_product (bill, "11월 수강료");
  pm_bill_set_message (bill, "안내");
  pm_bill_set_price (bill, 1000);
  pm_bill_set_expire_date (bill, "2099-12-31");
  memset (w, 0, sizeof *w);
  pm_client_request_async (client, bill, NULL, request_cb, w);
  g_assert_true (pm_test_wait_flag (&w->done, 10000));
}

static void
test_keepalive (void)
{
  g_autoptr(SoupServer) soup_server = soup_server_new (NULL, NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(PmProfile) profile = pm_profile_new ();
  g_autoptr(PmClient) client = NULL;
  g_autoslist(GUri) uris = NULL;
  g_autofree char *base = NULL;
  Server s = { 0 };
  Wait w;

  s.ports = g_hash_table_new (NULL, NULL);
  s.bill_ids = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  soup_server_add_handler (soup_server, NULL, handler, &s, NULL);
  g_assert_true (soup_server_listen_local (soup_server, 0, SOUP_SERVER_LISTEN_IPV4_ONLY, &error));
  g_assert_no_error (error);
  uris = soup_server_get_uris (soup_server);
  base = g_strdup_printf ("http://127.0.0.1:%d/api/v1", g_uri_get_port (uris->data));

  pm_profile_set_name (profile, "keepalive");
  pm_profile_set_base_url (profile, base);
  pm_profile_set_api_key (profile, "test-key");
  pm_profile_set_mode (profile, PM_PROFILE_MODE_MMK);
  client = pm_client_new (profile);

  /* five sends one after another: one connection */
  for (guint i = 0; i < 5; i++)
    {
      g_autofree char *id = g_strdup_printf ("keep%u", i);

      send_one (client, id, &w);
      g_assert_no_error (w.error);
      g_assert_nonnull (w.result);
      g_clear_pointer (&w.result, pm_send_result_free);
    }
  g_assert_cmpuint (s.requests, ==, 5);
  g_assert_cmpuint (g_hash_table_size (s.ports), ==, 1);

  /* the server drops the reused connection after reading the send: unknown, not re-sent */
  s.drop_next = TRUE;
  send_one (client, "dropped1", &w);
  g_assert_null (w.result);
  g_assert_nonnull (w.error);
  g_test_message ("dropped send: %s", w.error->message);
  g_assert_true (pm_error_is_maybe_done (w.error));
  pm_test_spin (200);
  g_assert_cmpuint (GPOINTER_TO_UINT (g_hash_table_lookup (s.bill_ids, "dropped1")), ==, 1);
  g_assert_cmpuint (s.requests, ==, 6);
  g_clear_error (&w.error);

  /* and the next send goes on, on a new connection */
  send_one (client, "after1", &w);
  g_assert_no_error (w.error);
  g_clear_pointer (&w.result, pm_send_result_free);
  g_assert_cmpuint (s.requests, ==, 7);

  g_hash_table_unref (s.ports);
  g_hash_table_unref (s.bill_ids);
}

int
main (int   argc,
      char *argv[])
{
  pm_test_init (&argc, &argv);

  g_test_add_func ("/client/sends-keep-alive", test_keepalive);
  return g_test_run ();
}
