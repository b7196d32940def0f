/* pm-api.c — THE table of the MMK Paymint API (API.md): endpoints, bodies, replies
 *
 * Copyright 2026 The Paymint Desk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Tags as in API.md: [V] verified on the wire, [D] documented, [I] inferred.
 * Everything [I] is in this file, in the tables just below.
 */

#include "config.h"

#include "pm-api.h"
#include "pm-error.h"
#include "pm-error-private.h"
#include "pm-text.h"

#include <errno.h>
#include <glib/gi18n-lib.h>
#include <string.h>

/* ---------------------------------------------------------------------------------
 * The endpoints (API.md §2)
 * ------------------------------------------------------------------------------ */

/* Columns: id, name, method, path, fixed query, auth, spends balance, changes state. */
static const PmApiEndpointInfo endpoints[PM_API_N_ENDPOINTS] = {
  /* API.md §7 */
  { PM_API_VERSION, "version", "GET", "/version", NULL,
    PM_API_AUTH_NONE, FALSE, FALSE },
  /* [V] */
  { PM_API_LICENSES, "licenses", "GET", "/paymint/licenses", "mode=true",
    PM_API_AUTH_KEY, FALSE, FALSE },
  /* [I] */
  { PM_API_FORMAT_PHONE, "format-phone-number", "POST", "/paymint/format-phone-number", NULL,
    PM_API_AUTH_KEY, FALSE, FALSE },
  /* [D][V] */
  { PM_API_REQUEST, "request", "POST", "/paymint/request", NULL,
    PM_API_AUTH_CONNECTION, TRUE, TRUE },
  /* [V] */
  { PM_API_READ, "read", "POST", "/paymint/read", NULL,
    PM_API_AUTH_CONNECTION, FALSE, FALSE },
  /* [V] */
  { PM_API_CANCEL, "cancel", "POST", "/paymint/cancel", NULL,
    PM_API_AUTH_CONNECTION, FALSE, TRUE },
  /* [I] */
  { PM_API_DESTROY, "destroy", "POST", "/paymint/destroy", NULL,
    PM_API_AUTH_CONNECTION, FALSE, TRUE },
  /* [V] */
  { PM_API_RESEND, "resend", "POST", "/paymint/resend", NULL,
    PM_API_AUTH_CONNECTION, TRUE, TRUE },
  /* [I] */
  { PM_API_AUTOPAY_REGISTER, "autopay/register", "POST", "/paymint/autopay/register", NULL,
    PM_API_AUTH_CONNECTION, FALSE, TRUE },
  /* [I] */
  { PM_API_AUTOPAY_MANAGE, "autopay/manage", "POST", "/paymint/autopay/manage", NULL,
    PM_API_AUTH_CONNECTION, FALSE, TRUE },
  /* [I] */
  { PM_API_AUTOPAY_METHODS, "autopay/methods", "GET", "/paymint/autopay/methods", NULL,
    PM_API_AUTH_CONNECTION, FALSE, FALSE },
  /* [I] */
  { PM_API_AUTOPAY_REQUEST, "autopay/request", "POST", "/paymint/autopay/request", NULL,
    PM_API_AUTH_CONNECTION, TRUE, TRUE },
  /* [I] */
  { PM_API_AUTOPAY_DELETE, "autopay/delete", "DELETE", "/paymint/autopay/delete", NULL,
    PM_API_AUTH_CONNECTION, FALSE, TRUE },
};

/* ---------------------------------------------------------------------------------
 * Member names of replies; the first is what we send, the others are accepted too.
 * ------------------------------------------------------------------------------ */

#define NAMES(...) ((const char *const[]) { __VA_ARGS__, NULL })

#define M_SUCCESS        NAMES ("success")
#define M_DATA           "data"
#define M_CODE           NAMES ("code", "result_code", "resultCode")
#define M_MSG            NAMES ("msg", "message")
#define M_ERROR          NAMES ("error", "message", "msg")                  /* [V] error first */
#define M_ERROR_FIELD    NAMES ("field", "param")                           /* [I] */
#define M_BILL_ID        NAMES ("bill_id", "billId")
#define M_SHORT_URL      NAMES ("shortURL", "shortUrl", "short_url")        /* [V] shortURL */
#define M_APPR_STATE     NAMES ("appr_state", "apprState")
#define M_APPR_PAY_TYPE  NAMES ("appr_pay_type", "apprPayType")
#define M_APPR_PRICE     NAMES ("appr_price", "apprPrice")
#define M_APPR_DT        NAMES ("appr_dt", "apprDt")
#define M_APPR_NUM       NAMES ("appr_num", "apprNum")
#define M_APPR_ISSUER    NAMES ("appr_issuer", "apprIssuer")
#define M_APPR_CARD_TYPE NAMES ("appr_card_type", "apprCardType")
#define M_APPR_MONTHLY   NAMES ("appr_monthly", "apprMonthly")
#define M_PHONE          NAMES ("phone", "phone_number", "formatted")       /* [I] */
#define M_VERSION        NAMES ("version")
#define M_LICENSES       NAMES ("licenses")                                  /* [I] inside data */
#define M_BUSINESS_NO    NAMES ("business_registration_number", "business_number")
#define M_BUSINESS_NAME  NAMES ("business_name")
#define M_MEMBER_ID      NAMES ("member_id")
#define M_MERCHANT_ID    NAMES ("merchant_id")
#define M_STATUS         NAMES ("status")
#define M_METHODS        NAMES ("methods")                                   /* [I] inside data */
#define M_METHOD_ID      NAMES ("method_id", "methodId")                     /* [I] */
#define M_CARD_NAME      NAMES ("card_name", "cardName")                     /* [I] */
#define M_CARD_NO        NAMES ("card_no", "cardNo")                         /* [I] */
#define M_REGISTERED_AT  NAMES ("registered_at", "registeredAt")             /* [I] */

/* Request body member names (what we send). */
#define B_PRODUCT_NM "product_nm"
#define B_MESSAGE    "message"
#define B_MEMBER_NM  "member_nm"
#define B_PHONE      "phone"
#define B_PRICE      "price"     /* a JSON number [V] */
#define B_EXPIRE_DT  "expire_dt"
#define B_BILL_ID    "bill_id"
#define B_METHOD_ID  "method_id" /* [I] */
#define Q_PHONE      "phone"     /* autopay/methods?phone= [I] */

#define RESULT_OK "0000"

/* Wire field names a 400 text may mention, most specific first. */
static const char *const known_fields[] = {
  "member_nm", "product_nm", "expire_dt", "bill_id", "method_id", "price", "phone", "message",
};

const PmApiEndpointInfo *
pm_api_get_endpoint (PmApiEndpoint endpoint)
{
  g_return_val_if_fail ((guint) endpoint < PM_API_N_ENDPOINTS, NULL);
  return &endpoints[endpoint];
}

const PmApiEndpointInfo *
pm_api_find_endpoint (const char *name)
{
  for (guint i = 0; i < PM_API_N_ENDPOINTS; i++)
    if (g_strcmp0 (endpoints[i].name, name) == 0)
      return &endpoints[i];
  return NULL;
}

/* ---------------------------------------------------------------------------------
 * Value types
 * ------------------------------------------------------------------------------ */

PmLicense *
pm_license_copy (const PmLicense *license)
{
  PmLicense *copy = g_new0 (PmLicense, 1);

  copy->business_number = g_strdup (license->business_number);
  copy->business_name = g_strdup (license->business_name);
  copy->member_id = g_strdup (license->member_id);
  copy->merchant_id = g_strdup (license->merchant_id);
  copy->status = g_strdup (license->status);
  return copy;
}

void
pm_license_free (PmLicense *license)
{
  if (license == NULL)
    return;
  g_free (license->business_number);
  g_free (license->business_name);
  g_free (license->member_id);
  g_free (license->merchant_id);
  g_free (license->status);
  g_free (license);
}

G_DEFINE_BOXED_TYPE (PmLicense, pm_license, pm_license_copy, pm_license_free)

PmSendResult *
pm_send_result_copy (const PmSendResult *result)
{
  PmSendResult *copy = g_new0 (PmSendResult, 1);

  copy->bill_id = g_strdup (result->bill_id);
  copy->code = g_strdup (result->code);
  copy->msg = g_strdup (result->msg);
  copy->short_url = g_strdup (result->short_url);
  copy->appr_state = g_strdup (result->appr_state);
  return copy;
}

void
pm_send_result_free (PmSendResult *result)
{
  if (result == NULL)
    return;
  g_free (result->bill_id);
  g_free (result->code);
  g_free (result->msg);
  g_free (result->short_url);
  g_free (result->appr_state);
  g_free (result);
}

G_DEFINE_BOXED_TYPE (PmSendResult, pm_send_result, pm_send_result_copy, pm_send_result_free)

PmAutopayMethod *
pm_autopay_method_copy (const PmAutopayMethod *method)
{
  PmAutopayMethod *copy = g_new0 (PmAutopayMethod, 1);

  copy->method_id = g_strdup (method->method_id);
  copy->card_name = g_strdup (method->card_name);
  copy->card_no = g_strdup (method->card_no);
  copy->registered_at = g_strdup (method->registered_at);
  copy->status = g_strdup (method->status);
  return copy;
}

void
pm_autopay_method_free (PmAutopayMethod *method)
{
  if (method == NULL)
    return;
  g_free (method->method_id);
  g_free (method->card_name);
  g_free (method->card_no);
  g_free (method->registered_at);
  g_free (method->status);
  g_free (method);
}

G_DEFINE_BOXED_TYPE (PmAutopayMethod, pm_autopay_method,
                     pm_autopay_method_copy, pm_autopay_method_free)

/* ---------------------------------------------------------------------------------
 * Bodies
 * ------------------------------------------------------------------------------ */

static void
add_string (JsonObject *object,
            const char *name,
            const char *value)
{
  json_object_set_string_member (object, name, value != NULL ? value : "");
}

static JsonNode *
wrap (JsonObject *object)
{
  JsonNode *node = json_node_new (JSON_NODE_OBJECT);

  json_node_take_object (node, object);
  return node;
}

JsonNode *
pm_api_build_format_phone (const char *phone)
{
  JsonObject *o = json_object_new ();

  add_string (o, B_PHONE, phone);
  return wrap (o);
}

JsonNode *
pm_api_build_request (PmBill *bill)
{
  JsonObject *o;
  const char *bill_id;

  g_return_val_if_fail (PM_IS_BILL (bill), NULL);

  o = json_object_new ();
  add_string (o, B_PRODUCT_NM, pm_bill_get_product (bill));
  add_string (o, B_MESSAGE, pm_bill_get_message (bill));
  add_string (o, B_MEMBER_NM, pm_bill_get_payer_name (bill));
  add_string (o, B_PHONE, pm_bill_get_phone (bill));
  json_object_set_int_member (o, B_PRICE, pm_bill_get_price (bill));
  add_string (o, B_EXPIRE_DT, pm_bill_get_expire_date (bill));
  bill_id = pm_bill_get_bill_id (bill);
  if (bill_id != NULL && bill_id[0] != '\0')
    add_string (o, B_BILL_ID, bill_id);
  if (pm_bill_get_kind (bill) == PM_BILL_KIND_AUTOPAY)
    add_string (o, B_METHOD_ID, pm_bill_get_method_id (bill));
  return wrap (o);
}

JsonNode *
pm_api_build_bill_id (const char *bill_id)
{
  JsonObject *o = json_object_new ();

  add_string (o, B_BILL_ID, bill_id);
  return wrap (o);
}

JsonNode *
pm_api_build_bill_price (const char *bill_id,
                         gint64      price)
{
  JsonObject *o = json_object_new ();

  add_string (o, B_BILL_ID, bill_id);
  json_object_set_int_member (o, B_PRICE, price);
  return wrap (o);
}

JsonNode *
pm_api_build_autopay_register (const char *member_nm,
                               const char *phone,
                               const char *product_nm,
                               const char *message)
{
  JsonObject *o = json_object_new ();

  add_string (o, B_MEMBER_NM, member_nm);
  add_string (o, B_PHONE, phone);
  if (product_nm != NULL && product_nm[0] != '\0')
    add_string (o, B_PRODUCT_NM, product_nm);
  if (message != NULL && message[0] != '\0')
    add_string (o, B_MESSAGE, message);
  return wrap (o);
}

JsonNode *
pm_api_build_phone_method (const char *phone,
                           const char *method_id)
{
  JsonObject *o = json_object_new ();

  add_string (o, B_PHONE, phone);
  add_string (o, B_METHOD_ID, method_id);
  return wrap (o);
}

char *
pm_api_build_methods_query (const char *phone)
{
  g_autofree char *escaped = g_uri_escape_string (phone != NULL ? phone : "", NULL, FALSE);

  return g_strconcat (Q_PHONE, "=", escaped, NULL);
}

GBytes *
pm_api_node_to_bytes (JsonNode *node)
{
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  gsize length = 0;
  char *data;

  json_generator_set_root (generator, node);
  data = json_generator_to_data (generator, &length);
  return g_bytes_new_take (data, length);
}

/* ---------------------------------------------------------------------------------
 * Reading
 * ------------------------------------------------------------------------------ */

/* A scalar as text: strings as they are, integers in decimal, integral doubles too. */
static char *
node_dup_text (JsonNode *node)
{
  GType type;

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node))
    return NULL;
  type = json_node_get_value_type (node);
  /* Server text is data: never a terminal control or a bidirectional override. */
  if (type == G_TYPE_STRING)
    return pm_text_sanitize (json_node_get_string (node), -1);
  if (type == G_TYPE_INT64)
    return g_strdup_printf ("%" G_GINT64_FORMAT, json_node_get_int (node));
  if (type == G_TYPE_DOUBLE)
    {
      double d = json_node_get_double (node);

      /* outside gint64 the cast is undefined (1e300 as a code) */
      if (d >= -9223372036854775808.0 && d < 9223372036854775808.0 && d == (double) (gint64) d)
        return g_strdup_printf ("%" G_GINT64_FORMAT, (gint64) d);
      return g_strdup_printf ("%g", d);
    }
  if (type == G_TYPE_BOOLEAN)
    return g_strdup (json_node_get_boolean (node) ? "true" : "false");
  return NULL;
}

static JsonNode *
object_find (JsonObject        *object,
             const char *const *names)
{
  if (object == NULL)
    return NULL;
  for (guint i = 0; names[i] != NULL; i++)
    {
      JsonNode *member = json_object_get_member (object, names[i]);

      if (member != NULL && !JSON_NODE_HOLDS_NULL (member))
        return member;
    }
  return NULL;
}

/* The data object of a {success, data} envelope, or NULL. */
static JsonObject *
data_object (JsonObject *top)
{
  JsonNode *data = top != NULL ? json_object_get_member (top, M_DATA) : NULL;

  return data != NULL && JSON_NODE_HOLDS_OBJECT (data) ? json_node_get_object (data) : NULL;
}

/* A member of data when there is a data object, else (or when absent there) of the top. */
static JsonNode *
payload_find (JsonObject        *top,
              const char *const *names)
{
  JsonNode *found = object_find (data_object (top), names);

  return found != NULL ? found : object_find (top, names);
}

static char *
payload_dup_text (JsonObject        *top,
                  const char *const *names)
{
  return node_dup_text (payload_find (top, names));
}

static gboolean
node_get_int64 (JsonNode *node,
                gint64   *value)
{
  g_autofree char *text = NULL;
  char *end = NULL;
  gint64 v;

  *value = 0;
  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node))
    return node == NULL || JSON_NODE_HOLDS_NULL (node);
  if (json_node_get_value_type (node) == G_TYPE_INT64)
    {
      *value = json_node_get_int (node);
      return TRUE;
    }
  text = node_dup_text (node);
  if (text == NULL)
    return FALSE;
  g_strstrip (text);
  if (text[0] == '\0')
    return TRUE; /* appr_price is empty while unpaid */
  errno = 0;
  v = g_ascii_strtoll (text, &end, 10);
  if (end == text || *end != '\0' || errno == ERANGE)
    return FALSE;
  *value = v;
  return TRUE;
}

static JsonObject *
root_object (JsonNode  *root,
             GError   **error)
{
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    {
      g_propagate_error (error, pm_error_new_full (PM_ERROR_PROTOCOL, NULL, NULL, FALSE, NULL));
      return NULL;
    }
  return json_node_get_object (root);
}

static GError *
protocol_error (const char *detail)
{
  return pm_error_new_full (PM_ERROR_PROTOCOL, NULL, detail, FALSE, NULL);
}

/* One pass over JSON text, outside its strings: whether arrays and objects nest deeper
 * than @max_depth, and whether anything but white space follows a top-level object or
 * array (json-glib would read the first of "{…}{…}" and ignore the rest). */
static void
json_shape (const char *body,
            gsize       size,
            guint       max_depth,
            gboolean   *too_deep,
            gboolean   *trailing)
{
  gboolean in_string = FALSE;
  gboolean started = FALSE;
  guint depth = 0;

  *too_deep = *trailing = FALSE;
  for (gsize i = 0; i < size; i++)
    {
      char c = body[i];

      if (in_string)
        {
          if (c == '\\')
            i++;
          else if (c == '"')
            in_string = FALSE;
          continue;
        }
      if (started && depth == 0)
        {
          if (!g_ascii_isspace (c))
            {
              *trailing = TRUE;
              return;
            }
          continue;
        }
      if (c == '"')
        in_string = TRUE;
      else if (c == '[' || c == '{')
        {
          started = TRUE;
          if (++depth > max_depth)
            {
              *too_deep = TRUE;
              return;
            }
        }
      else if ((c == ']' || c == '}') && depth > 0)
        depth--;
      else if (!started && !g_ascii_isspace (c))
        return; /* a scalar at the top: json-glib judges it */
    }
}

gboolean
pm_api_depth_within (const char *body,
                     gsize       size,
                     guint       max_depth)
{
  gboolean too_deep, trailing;

  json_shape (body, size, max_depth, &too_deep, &trailing);
  return !too_deep;
}

/* Parses @data into @parser within the reply limits; the detail of a refusal in
 * *@detail (static text) when not NULL. */
static gboolean
load_within_limits (JsonParser    *parser,
                    gconstpointer  data,
                    gsize          size,
                    GError       **error)
{
  gboolean too_deep, trailing;

  if (size > PM_API_REPLY_MAX_BYTES)
    {
      g_set_error_literal (error, PM_ERROR, PM_ERROR_PROTOCOL, "reply larger than 1 MiB");
      return FALSE;
    }
  json_shape (data, size, PM_API_REPLY_MAX_DEPTH, &too_deep, &trailing);
  if (too_deep)
    {
      g_set_error_literal (error, PM_ERROR, PM_ERROR_PROTOCOL, "reply nested too deep");
      return FALSE;
    }
  if (trailing)
    {
      g_set_error_literal (error, PM_ERROR, PM_ERROR_PROTOCOL, "more than one JSON value");
      return FALSE;
    }
  return json_parser_load_from_data (parser, data, (gssize) size, error);
}

JsonNode *
pm_api_parse (GBytes  *body,
              GError **error)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) local_error = NULL;
  gconstpointer data;
  gsize size = 0;

  data = body != NULL ? g_bytes_get_data (body, &size) : NULL;
  if (size == 0)
    {
      g_propagate_error (error, protocol_error ("empty reply"));
      return NULL;
    }
  if (!load_within_limits (parser, data, size, &local_error)
      || json_parser_get_root (parser) == NULL)
    {
      /* json-glib's message quotes the bad token: server text, cleaned like any other */
      g_autofree char *detail = pm_text_sanitize (local_error ? local_error->message : "no JSON",
                                                  -1);

      g_propagate_error (error, protocol_error (detail));
      return NULL;
    }
  return json_node_ref (json_parser_get_root (parser));
}

/* "0000" for 0 or "0", as the code is sometimes a number. */
static char *
normalize_code (char *code)
{
  gsize len;

  if (code == NULL)
    return NULL;
  g_strstrip (code);
  len = strlen (code);
  if (len > 0 && len < 4 && strspn (code, "0123456789") == len)
    {
      char *padded = g_strdup_printf ("%0*d%s", (int) (4 - len), 0, code);

      g_free (code);
      return padded;
    }
  return code;
}

static GError *
result_code_error (const char *code,
                   const char *server_text)
{
  PmErrorCode pm_code = PM_ERROR_SERVER;
  GError *error;

  pm_error_code_from_result_code (code, &pm_code);
  error = pm_error_new_full (pm_code, NULL, server_text, FALSE, NULL);
  pm_error_set_result_code (error, code);
  return error;
}

gboolean
pm_api_check_result (JsonNode  *root,
                     GError   **error)
{
  g_autofree char *code = NULL;
  g_autofree char *msg = NULL;
  JsonObject *top;
  JsonNode *success;

  top = root_object (root, error);
  if (top == NULL)
    return FALSE;

  code = normalize_code (payload_dup_text (top, M_CODE));
  success = object_find (top, M_SUCCESS);

  if (code != NULL && !g_str_equal (code, RESULT_OK))
    {
      msg = payload_dup_text (top, M_MSG);
      if (msg == NULL)
        msg = node_dup_text (object_find (top, M_ERROR));
      g_propagate_error (error, result_code_error (code, msg));
      return FALSE;
    }

  if (success != NULL && JSON_NODE_HOLDS_VALUE (success)
      && json_node_get_value_type (success) == G_TYPE_BOOLEAN && !json_node_get_boolean (success))
    {
      msg = node_dup_text (object_find (top, M_ERROR));
      g_propagate_error (error, pm_error_new_full (PM_ERROR_SERVER, NULL, msg, FALSE, NULL));
      return FALSE;
    }
  return TRUE;
}

char *
pm_api_read_version (JsonNode  *root,
                     GError   **error)
{
  JsonObject *top = root_object (root, error);
  char *version;

  if (top == NULL)
    return NULL;
  version = payload_dup_text (top, M_VERSION);
  if (version == NULL)
    g_propagate_error (error, protocol_error ("no version"));
  return version;
}

/* The array of a list reply: data: [...], data: {key: [...]}, {key: [...]} or [...]. */
static JsonArray *
find_list (JsonNode          *root,
           const char *const *names)
{
  JsonObject *top;
  JsonNode *data;
  JsonNode *found;

  if (root != NULL && JSON_NODE_HOLDS_ARRAY (root))
    return json_node_get_array (root);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    return NULL;
  top = json_node_get_object (root);
  data = json_object_get_member (top, M_DATA);
  if (data != NULL && JSON_NODE_HOLDS_ARRAY (data))
    return json_node_get_array (data);
  found = payload_find (top, names);
  if (found != NULL && JSON_NODE_HOLDS_ARRAY (found))
    return json_node_get_array (found);
  return NULL;
}

GPtrArray *
pm_api_read_licenses (JsonNode  *root,
                      GError   **error)
{
  g_autoptr(GPtrArray) list = g_ptr_array_new_with_free_func ((GDestroyNotify) pm_license_free);
  JsonArray *array;

  if (root != NULL && JSON_NODE_HOLDS_OBJECT (root) && !pm_api_check_result (root, error))
    return NULL;
  array = find_list (root, M_LICENSES);
  if (array == NULL)
    {
      g_propagate_error (error, protocol_error ("no license list"));
      return NULL;
    }
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonNode *element = json_array_get_element (array, i);
      JsonObject *o;
      PmLicense *license;

      if (!JSON_NODE_HOLDS_OBJECT (element))
        continue;
      o = json_node_get_object (element);
      license = g_new0 (PmLicense, 1);
      license->business_number = node_dup_text (object_find (o, M_BUSINESS_NO));
      license->business_name = node_dup_text (object_find (o, M_BUSINESS_NAME));
      license->member_id = node_dup_text (object_find (o, M_MEMBER_ID));
      license->merchant_id = node_dup_text (object_find (o, M_MERCHANT_ID));
      license->status = node_dup_text (object_find (o, M_STATUS));
      g_ptr_array_add (list, license);
    }
  return g_steal_pointer (&list);
}

char *
pm_api_read_phone (JsonNode  *root,
                   GError   **error)
{
  JsonObject *top;
  char *phone;

  if (!pm_api_check_result (root, error))
    return NULL;
  top = json_node_get_object (root);
  phone = payload_dup_text (top, M_PHONE);
  if (phone == NULL || phone[0] == '\0')
    {
      g_free (phone);
      g_propagate_error (error, protocol_error ("no phone"));
      return NULL;
    }
  return phone;
}

PmSendResult *
pm_api_read_send_result (JsonNode  *root,
                         GError   **error)
{
  PmSendResult *result;
  JsonObject *top;

  if (!pm_api_check_result (root, error))
    return NULL;
  top = json_node_get_object (root);
  result = g_new0 (PmSendResult, 1);
  result->bill_id = payload_dup_text (top, M_BILL_ID);
  result->code = normalize_code (payload_dup_text (top, M_CODE));
  if (result->code == NULL)
    result->code = g_strdup (RESULT_OK);
  result->msg = payload_dup_text (top, M_MSG);
  result->short_url = payload_dup_text (top, M_SHORT_URL);
  result->appr_state = payload_dup_text (top, M_APPR_STATE);
  if (result->appr_state != NULL && result->appr_state[0] == '\0')
    g_clear_pointer (&result->appr_state, g_free);
  return result;
}

gboolean
pm_api_read_bill (JsonNode  *root,
                  PmBill    *bill,
                  GError   **error)
{
  g_autofree char *bill_id = NULL;
  g_autofree char *appr_state = NULL;
  g_autofree char *short_url = NULL;
  JsonObject *top;
  PmBillState state;
  gint64 appr_price = 0;
  struct
  {
    const char *const *names;
    void (*set) (PmBill *, const char *);
  } texts[] = {
    { M_APPR_PAY_TYPE, pm_bill_set_appr_pay_type },
    { M_APPR_DT, pm_bill_set_appr_dt },
    { M_APPR_NUM, pm_bill_set_appr_num },
    { M_APPR_ISSUER, pm_bill_set_appr_issuer },
    { M_APPR_CARD_TYPE, pm_bill_set_appr_card_type },
    { M_APPR_MONTHLY, pm_bill_set_appr_monthly },
  };

  g_return_val_if_fail (PM_IS_BILL (bill), FALSE);

  if (!pm_api_check_result (root, error))
    return FALSE;
  top = json_node_get_object (root);

  appr_state = payload_dup_text (top, M_APPR_STATE);
  if (!pm_bill_state_from_appr_state (appr_state, &state))
    {
      g_propagate_error (error, protocol_error ("no or unknown appr_state"));
      return FALSE;
    }
  if (!node_get_int64 (payload_find (top, M_APPR_PRICE), &appr_price)
      || appr_price < 0 || appr_price > PM_BILL_PRICE_MAX)
    {
      g_propagate_error (error, protocol_error ("appr_price is not an amount in won"));
      return FALSE;
    }

  g_object_freeze_notify (G_OBJECT (bill));
  bill_id = payload_dup_text (top, M_BILL_ID);
  if (bill_id != NULL && bill_id[0] != '\0')
    pm_bill_set_bill_id (bill, bill_id);
  short_url = payload_dup_text (top, M_SHORT_URL);
  if (short_url != NULL && short_url[0] != '\0')
    pm_bill_set_short_url (bill, short_url);
  pm_bill_set_state (bill, state);
  pm_bill_set_appr_price (bill, appr_price);
  for (guint i = 0; i < G_N_ELEMENTS (texts); i++)
    {
      g_autofree char *value = payload_dup_text (top, texts[i].names);

      texts[i].set (bill, value != NULL && value[0] != '\0' ? value : NULL);
    }
  g_object_thaw_notify (G_OBJECT (bill));
  return TRUE;
}

GPtrArray *
pm_api_read_methods (JsonNode  *root,
                     GError   **error)
{
  g_autoptr(GPtrArray) list = NULL;
  JsonArray *array;

  if (root != NULL && JSON_NODE_HOLDS_OBJECT (root) && !pm_api_check_result (root, error))
    return NULL;
  list = g_ptr_array_new_with_free_func ((GDestroyNotify) pm_autopay_method_free);
  array = find_list (root, M_METHODS);
  if (array == NULL)
    {
      g_propagate_error (error, protocol_error ("no method list"));
      return NULL;
    }
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonNode *element = json_array_get_element (array, i);
      PmAutopayMethod *method;
      JsonObject *o;

      if (!JSON_NODE_HOLDS_OBJECT (element))
        continue;
      o = json_node_get_object (element);
      method = g_new0 (PmAutopayMethod, 1);
      method->method_id = node_dup_text (object_find (o, M_METHOD_ID));
      method->card_name = node_dup_text (object_find (o, M_CARD_NAME));
      method->card_no = node_dup_text (object_find (o, M_CARD_NO));
      method->registered_at = node_dup_text (object_find (o, M_REGISTERED_AT));
      method->status = node_dup_text (object_find (o, M_STATUS));
      g_ptr_array_add (list, method);
    }
  return g_steal_pointer (&list);
}

/* ---------------------------------------------------------------------------------
 * What a reply to a call that spends balance means (API.md §5)
 * ------------------------------------------------------------------------------ */

#define CREATED PM_API_SEND_CREATED
#define EXISTS  PM_API_SEND_EXISTS
#define FAILED  PM_API_SEND_FAILED
#define UNKNOWN PM_API_SEND_UNKNOWN

/* Result codes inside a 2xx body, one column per chargeable call. A code not listed
 * here, or no code at all, is unknown. */
static const struct
{
  const char       *code;
  PmApiSendOutcome  request;  /* POST /paymint/request */
  PmApiSendOutcome  autopay;  /* POST /paymint/autopay/request */
  PmApiSendOutcome  resend;   /* POST /paymint/resend */
} send_codes[] = {
  { "0000", CREATED, CREATED, CREATED },
  /* the bill_id is taken: the bill exists (a resend has no such meaning) */
  { "9800", EXISTS, EXISTS, UNKNOWN },
  /* already cancelled / already paid: for a send, the bill_id is taken; a resend of
   * such a bill is refused */
  { "9970", EXISTS, EXISTS, FAILED },
  { "9971", EXISTS, EXISTS, FAILED },
  /* not found: an unknown AutoPay method or bill refuses the call; a plain request
   * cannot meaningfully say it, so it proves nothing */
  { "9980", UNKNOWN, FAILED, FAILED },
  /* this user may not access it: refused before anything was made */
  { "1003", FAILED, FAILED, FAILED },
  /* callback trouble, server or processing error: it may have been made */
  { "9870", UNKNOWN, UNKNOWN, UNKNOWN },
  { "5000", UNKNOWN, UNKNOWN, UNKNOWN },
  { "9999", UNKNOWN, UNKNOWN, UNKNOWN },
};

/* HTTP statuses outside 2xx whose meaning is that nothing was created. Every other
 * status (3xx, 404, 408, 409, 429, 5xx, …) is unknown. */
static const guint send_failed_statuses[] = { 400, 401, 402, 403 };

#undef CREATED
#undef EXISTS
#undef FAILED
#undef UNKNOWN

const char *
pm_api_send_outcome_to_string (PmApiSendOutcome outcome)
{
  switch (outcome)
    {
    case PM_API_SEND_CREATED:
      return "created";
    case PM_API_SEND_EXISTS:
      return "exists";
    case PM_API_SEND_FAILED:
      return "failed";
    case PM_API_SEND_UNKNOWN:
    default:
      return "unknown";
    }
}

static PmApiSendOutcome
outcome_for_code (PmApiEndpoint  endpoint,
                  const char    *code)
{
  if (code == NULL)
    return PM_API_SEND_UNKNOWN;
  for (guint i = 0; i < G_N_ELEMENTS (send_codes); i++)
    if (g_str_equal (send_codes[i].code, code))
      {
        if (endpoint == PM_API_AUTOPAY_REQUEST)
          return send_codes[i].autopay;
        if (endpoint == PM_API_RESEND)
          return send_codes[i].resend;
        return send_codes[i].request;
      }
  return PM_API_SEND_UNKNOWN;
}

/* One object's success member: -1 absent, 0 false, 1 true, 2 present but not a boolean. */
static int
success_of (JsonObject *object)
{
  JsonNode *node = object_find (object, M_SUCCESS);

  if (node == NULL)
    return -1;
  if (JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_BOOLEAN)
    return json_node_get_boolean (node) ? 1 : 0;
  return 2;
}

/* success at the top and in data together: 3 when they disagree. */
static int
success_member (JsonObject *top)
{
  int outer = success_of (top);
  int inner = success_of (data_object (top));

  if (outer < 0)
    return inner;
  if (inner < 0 || inner == outer)
    return outer;
  return 3;
}

/* Every result code the body carries (each accepted name, at the top and in data) must
 * be the same one; FALSE when two differ. */
static gboolean
codes_agree (JsonObject *top)
{
  JsonObject *places[] = { top, data_object (top) };
  g_autofree char *first = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (places); i++)
    for (guint j = 0; places[i] != NULL && M_CODE[j] != NULL; j++)
      {
        JsonNode *node = json_object_get_member (places[i], M_CODE[j]);
        g_autofree char *code = NULL;

        if (node == NULL || JSON_NODE_HOLDS_NULL (node))
          continue;
        code = normalize_code (node_dup_text (node));
        if (first == NULL)
          first = g_steal_pointer (&code);
        else if (g_strcmp0 (first, code) != 0)
          return FALSE;
      }
  return TRUE;
}

static GError *
unknown_error (PmErrorCode  pm_code,
               const char  *detail,
               const char  *server_text,
               const char  *code,
               guint        status)
{
  g_autofree char *message = NULL;
  GError *error;

  message = g_strdup_printf (_("Payssam’s answer did not say clearly whether the bill was "
                               "created (%s). The desk reads the bill back before doing "
                               "anything else; it will not be sent twice."), detail);
  error = pm_error_new_full (pm_code, NULL, server_text, TRUE, message);
  if (code != NULL)
    pm_error_set_result_code (error, code);
  if (status != 0)
    pm_error_set_http_status (error, status);
  return error;
}

/* The code of a JSON object body, normalised, or NULL. */
static char *
body_code (JsonObject *top)
{
  return normalize_code (payload_dup_text (top, M_CODE));
}

static char *
body_text (JsonObject *top)
{
  char *msg = payload_dup_text (top, M_MSG);

  if (msg == NULL)
    msg = node_dup_text (object_find (top, M_ERROR));
  return msg;
}

PmApiSendOutcome
pm_api_classify_send (PmApiEndpoint   endpoint,
                      guint           status,
                      GBytes         *body,
                      const char     *sent_bill_id,
                      PmSendResult  **result,
                      GError        **error)
{
  const PmApiEndpointInfo *info = pm_api_get_endpoint (endpoint);
  g_autoptr(GError) parse_error = NULL;
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *code = NULL;
  g_autofree char *msg = NULL;
  g_autofree char *reply_bill_id = NULL;
  PmApiSendOutcome outcome;
  JsonObject *top = NULL;
  int success;

  g_return_val_if_fail (info != NULL && info->spends_balance, PM_API_SEND_UNKNOWN);
  g_return_val_if_fail (result != NULL && *result == NULL, PM_API_SEND_UNKNOWN);

  if (status < 200 || status >= 300)
    {
      gboolean refusal = FALSE;
      GError *status_error;

      for (guint i = 0; i < G_N_ELEMENTS (send_failed_statuses); i++)
        refusal = refusal || status == send_failed_statuses[i];
      status_error = pm_api_error_for_status (info, status, body);

      if (refusal)
        {
          /* a refusal whose body names a code must agree with it */
          root = pm_api_parse (body, NULL);
          if (root != NULL && JSON_NODE_HOLDS_OBJECT (root))
            code = body_code (json_node_get_object (root));
          outcome = code != NULL ? outcome_for_code (endpoint, code) : PM_API_SEND_FAILED;
          if (outcome == PM_API_SEND_EXISTS)
            {
              g_autofree char *text = g_strdup (pm_error_get_server_text (status_error));

              g_clear_error (&status_error);
              g_propagate_error (error, result_code_error (code, text));
              return PM_API_SEND_EXISTS;
            }
          if (outcome == PM_API_SEND_FAILED)
            {
              pm_error_set_maybe_done (status_error, FALSE);
              g_propagate_error (error, status_error);
              return PM_API_SEND_FAILED;
            }
        }
      /* 3xx, 404, 408, 429, 5xx, or a refusal whose body says otherwise: never "the
       * server did not accept it", which would invite sending it again */
      {
        /* Translators: an HTTP status, like 503 */
        g_autofree char *detail = g_strdup_printf (_("HTTP status %u"), status);
        GError *unknown = unknown_error (status_error->code, detail,
                                         pm_error_get_server_text (status_error), code, status);

        g_clear_error (&status_error);
        g_propagate_error (error, unknown);
      }
      return PM_API_SEND_UNKNOWN;
    }

  root = pm_api_parse (body, &parse_error);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    {
      g_propagate_error (error, unknown_error (PM_ERROR_PROTOCOL,
                                               root == NULL ? _("the reply could not be read")
                                                            : _("the reply is not an object"),
                                               pm_error_get_server_text (parse_error), NULL,
                                               status));
      return PM_API_SEND_UNKNOWN;
    }
  top = json_node_get_object (root);
  code = body_code (top);
  msg = body_text (top);
  success = success_member (top);
  outcome = outcome_for_code (endpoint, code);

  if (code == NULL)
    {
      g_propagate_error (error, unknown_error (PM_ERROR_PROTOCOL, _("no result code"), msg,
                                               NULL, status));
      return PM_API_SEND_UNKNOWN;
    }
  if (!codes_agree (top) || success == 3)
    {
      g_propagate_error (error, unknown_error (PM_ERROR_SERVER,
                                               _("the reply contradicts itself"), msg, code,
                                               status));
      return PM_API_SEND_UNKNOWN;
    }
  if (outcome == PM_API_SEND_EXISTS)
    {
      g_propagate_error (error, result_code_error (code, msg));
      return PM_API_SEND_EXISTS;
    }
  if (outcome == PM_API_SEND_FAILED)
    {
      if (success == 1 || success == 2)
        {
          g_propagate_error (error, unknown_error (PM_ERROR_SERVER,
                                                   _("success disagrees with the code"), msg,
                                                   code, status));
          return PM_API_SEND_UNKNOWN;
        }
      if (endpoint == PM_API_AUTOPAY_REQUEST && g_str_equal (code, "9980"))
        {
          GError *card = pm_error_new_full (PM_ERROR_NOT_FOUND, PM_BILL_FIELD_METHOD_ID, msg,
                                            FALSE,
                                            _("Payssam does not know this card. Nothing was "
                                              "charged; check the payer’s cards, or ask them "
                                              "to register a card again."));

          pm_error_set_result_code (card, code);
          g_propagate_error (error, card);
          return PM_API_SEND_FAILED;
        }
      g_propagate_error (error, result_code_error (code, msg));
      return PM_API_SEND_FAILED;
    }
  if (outcome == PM_API_SEND_UNKNOWN)
    {
      /* Translators: a result code of the server, like 9999 */
      g_autofree char *detail = g_strdup_printf (_("code %s"), code);

      g_propagate_error (error, unknown_error (PM_ERROR_SERVER, detail, msg, code, status));
      return PM_API_SEND_UNKNOWN;
    }

  /* code 0000 */
  if (success == 0 || success == 2)
    {
      g_propagate_error (error, unknown_error (PM_ERROR_SERVER,
                                               _("success disagrees with the code"), msg, code,
                                               status));
      return PM_API_SEND_UNKNOWN;
    }
  reply_bill_id = payload_dup_text (top, M_BILL_ID);
  if (reply_bill_id != NULL && reply_bill_id[0] != '\0'
      && g_strcmp0 (reply_bill_id, sent_bill_id) != 0)
    {
      g_propagate_error (error, unknown_error (PM_ERROR_PROTOCOL,
                                               _("the reply names another bill"), msg, code,
                                               status));
      return PM_API_SEND_UNKNOWN;
    }

  *result = g_new0 (PmSendResult, 1);
  (*result)->bill_id = g_strdup (sent_bill_id != NULL ? sent_bill_id : reply_bill_id);
  (*result)->code = g_steal_pointer (&code);
  (*result)->msg = g_steal_pointer (&msg);
  (*result)->short_url = payload_dup_text (top, M_SHORT_URL);
  if ((*result)->short_url != NULL && (*result)->short_url[0] == '\0')
    g_clear_pointer (&(*result)->short_url, g_free);
  (*result)->appr_state = payload_dup_text (top, M_APPR_STATE);
  if ((*result)->appr_state != NULL && (*result)->appr_state[0] == '\0')
    g_clear_pointer (&(*result)->appr_state, g_free);
  return PM_API_SEND_CREATED;
}

gboolean
pm_api_check_link (const char *url,
                   gboolean    loopback_ok)
{
  g_autoptr(GUri) uri = NULL;
  const char *scheme;
  const char *host;

  if (url == NULL || url[0] == '\0')
    return FALSE;
  /* plain ASCII without controls or spaces (this also keeps invalid UTF-8 out) */
  for (const char *p = url; *p != '\0'; p++)
    if ((guchar) *p <= ' ' || (guchar) *p >= 0x7f)
      return FALSE;
  uri = g_uri_parse (url, G_URI_FLAGS_NONE, NULL);
  if (uri == NULL)
    return FALSE;
  scheme = g_uri_get_scheme (uri);
  host = g_uri_get_host (uri);
  /* an escaped host (https://%65vil.example/) reads as another one in a browser */
  if (host == NULL || host[0] == '\0' || strchr (host, '%') != NULL
      || g_uri_get_userinfo (uri) != NULL)
    return FALSE;
  if (g_ascii_strcasecmp (scheme, "https") == 0)
    return TRUE;
  if (g_ascii_strcasecmp (scheme, "http") == 0 && loopback_ok)
    {
      g_autoptr(GInetAddress) address = g_inet_address_new_from_string (host);

      if (address != NULL)
        return g_inet_address_get_is_loopback (address);
      return g_ascii_strcasecmp (host, "localhost") == 0;
    }
  return FALSE;
}

/* Up to three numeric parts; a leading "v" and anything after the numbers are ignored. */
static gboolean
parse_version (const char *text,
               guint64     parts[3])
{
  const char *p = text;

  parts[0] = parts[1] = parts[2] = 0;
  if (p == NULL)
    return FALSE;
  while (*p == ' ')
    p++;
  if (*p == 'v' || *p == 'V')
    p++;
  if (!g_ascii_isdigit (*p))
    return FALSE;
  for (int i = 0; i < 3; i++)
    {
      char *end = NULL;

      parts[i] = g_ascii_strtoull (p, &end, 10);
      p = end;
      if (*p != '.' || !g_ascii_isdigit (p[1]))
        break;
      p++;
    }
  return TRUE;
}

gboolean
pm_api_version_is_supported (const char *version)
{
  guint64 have[3], need[3];

  if (!parse_version (version, have) || !parse_version (PM_API_MIN_VERSION, need))
    return FALSE;
  for (int i = 0; i < 3; i++)
    if (have[i] != need[i])
      return have[i] > need[i];
  return TRUE;
}

/* ---------------------------------------------------------------------------------
 * Errors (first layer)
 * ------------------------------------------------------------------------------ */

#define ERROR_TEXT_MAX 300

char *
pm_api_read_error_text (GBytes *body)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autofree char *raw = NULL;
  gconstpointer data;
  gsize size = 0;
  JsonNode *root;

  data = body != NULL ? g_bytes_get_data (body, &size) : NULL;
  if (size == 0)
    return NULL;

  if (load_within_limits (parser, data, size, NULL)
      && (root = json_parser_get_root (parser)) != NULL && JSON_NODE_HOLDS_OBJECT (root))
    {
      JsonObject *top = json_node_get_object (root);
      JsonNode *found = object_find (top, M_ERROR);

      if (found != NULL && JSON_NODE_HOLDS_OBJECT (found))
        found = object_find (json_node_get_object (found), M_ERROR);
      if (found != NULL)
        {
          char *text = node_dup_text (found);

          if (text != NULL && text[0] != '\0')
            return text;
          g_free (text);
        }
      /* JSON without a message: its raw text would only puzzle a person */
      return NULL;
    }
  if (json_parser_get_root (parser) != NULL)
    return NULL;

  raw = pm_text_sanitize (data, (gssize) MIN (size, (gsize) 4 * ERROR_TEXT_MAX));
  g_strstrip (raw);
  if (raw[0] == '\0')
    return NULL;
  if (g_utf8_strlen (raw, -1) > ERROR_TEXT_MAX)
    {
      char *end = g_utf8_offset_to_pointer (raw, ERROR_TEXT_MAX);

      *end = '\0';
      return g_strconcat (raw, "…", NULL);
    }
  return g_steal_pointer (&raw);
}

static gboolean
text_has_word (const char *text,
               const char *word)
{
  gsize len = strlen (word);

  for (const char *p = strstr (text, word); p != NULL; p = strstr (p + 1, word))
    {
      gboolean start_ok = p == text || !(g_ascii_isalnum (p[-1]) || p[-1] == '_');
      gboolean end_ok = !(g_ascii_isalnum (p[len]) || p[len] == '_');

      if (start_ok && end_ok)
        return TRUE;
    }
  return FALSE;
}

static char *
field_of_error_body (GBytes     *body,
                     const char *text)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  gconstpointer data;
  gsize size = 0;
  JsonNode *root;

  data = body != NULL ? g_bytes_get_data (body, &size) : NULL;
  if (size > 0 && load_within_limits (parser, data, size, NULL)
      && (root = json_parser_get_root (parser)) != NULL && JSON_NODE_HOLDS_OBJECT (root))
    {
      g_autofree char *field = node_dup_text (object_find (json_node_get_object (root),
                                                           M_ERROR_FIELD));

      /* only a field the form has: anything else would highlight nothing */
      for (guint i = 0; field != NULL && i < G_N_ELEMENTS (known_fields); i++)
        if (g_str_equal (field, known_fields[i]))
          return g_steal_pointer (&field);
    }
  if (text != NULL)
    for (guint i = 0; i < G_N_ELEMENTS (known_fields); i++)
      if (text_has_word (text, known_fields[i]))
        return g_strdup (known_fields[i]);
  return NULL;
}

GError *
pm_api_error_for_status (const PmApiEndpointInfo *endpoint,
                         guint                    status,
                         GBytes                  *body)
{
  g_autofree char *text = pm_api_read_error_text (body);
  g_autofree char *field = NULL;
  g_autofree char *message = NULL;
  PmErrorCode code;
  GError *error;

  code = pm_error_code_from_http_status (status, text, endpoint->spends_balance);
  if (code == PM_ERROR_INVALID)
    {
      field = field_of_error_body (body, text);
      if (text != NULL)
        message = g_strdup_printf (_("The server did not accept the request: %s"), text);
      else if (field == NULL)
        message = g_strdup (_("The server did not accept the request and did not say why."));
    }
  else if (code == PM_ERROR_NOT_FOUND && text != NULL)
    message = g_strdup_printf (_("The server could not find it: %s"), text);

  error = pm_error_new_full (code, field, text, endpoint->changes_state && status >= 500, message);
  pm_error_set_http_status (error, status);
  return error;
}
