/* test-client.c — PmClient against the in-process sandbox: endpoints, errors, faults
 *
 * Copyright 2026 The Paymint Desk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "pm-client.h"
#include "pm-error.h"
#include "pm-sandbox.h"
#include "pm-test-util.h"

#include <glib/gstdio.h>
#include <libsoup/soup.h>
#include <string.h>

#define SECRET_KEY         "secret-key-Q7Z3XW"
#define SECRET_PAYMINT_KEY "paymint-secret-K8V2"
#define WAIT_MS            15000

/* Everything the program logs, for /client/log-redaction */
static GMutex   log_lock;
static GString *log_text;

static GLogWriterOutput
capture_writer (GLogLevelFlags   level,
                const GLogField *fields,
                gsize            n_fields,
                gpointer         user_data)
{
  g_mutex_lock (&log_lock);
  for (gsize i = 0; i < n_fields; i++)
    if (g_str_equal (fields[i].key, "MESSAGE") || g_str_equal (fields[i].key, "GLIB_DOMAIN"))
      {
        if (fields[i].length < 0)
          g_string_append (log_text, fields[i].value);
        else
          g_string_append_len (log_text, fields[i].value, fields[i].length);
        g_string_append_c (log_text, '\n');
      }
  g_mutex_unlock (&log_lock);

  if (level & (G_LOG_LEVEL_DEBUG | G_LOG_LEVEL_INFO))
    return G_LOG_WRITER_HANDLED;
  return g_log_writer_default (level, fields, n_fields, user_data);
}

typedef struct
{
  PmSandbox *sandbox;
  PmProfile *profile;
  PmClient  *client;
  char      *base_url;
} Fixture;

typedef struct
{
  GAsyncResult *result;
  gboolean      done;
} Wait;

static void
wait_cb (GObject      *object,
         GAsyncResult *result,
         gpointer      user_data)
{
  Wait *w = user_data;

  w->result = g_object_ref (result);
  w->done = TRUE;
}

static void
wait_for (Wait *w)
{
  g_assert_true (pm_test_wait_flag (&w->done, WAIT_MS));
}

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  f->sandbox = pm_sandbox_new ();
  pm_sandbox_set_seed (f->sandbox, 7);
  pm_sandbox_set_payers (f->sandbox, 0.0, 0, 0, 0.0);
  pm_sandbox_add_key (f->sandbox, SECRET_KEY, PM_SANDBOX_TIER_PRO, G_GINT64_CONSTANT (1000000));
  pm_sandbox_add_license (f->sandbox, SECRET_KEY, "1234567890", "테스트 상점", "member-1", "merchant-1",
                          SECRET_PAYMINT_KEY);
  g_assert_true (pm_sandbox_start (f->sandbox, NULL, 0, &error));
  g_assert_no_error (error);
  f->base_url = pm_sandbox_dup_base_url (f->sandbox);

  f->profile = pm_profile_new ();
  pm_profile_set_name (f->profile, "Sandbox");
  pm_profile_set_base_url (f->profile, f->base_url);
  pm_profile_set_api_key (f->profile, SECRET_KEY);
  pm_profile_set_mode (f->profile, PM_PROFILE_MODE_MMK);
  f->client = pm_client_new (f->profile);
  pm_client_set_timeout (f->client, 10);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  g_assert_finalize_object (g_steal_pointer (&f->client));
  g_clear_object (&f->profile);
  pm_sandbox_stop (f->sandbox);
  g_clear_object (&f->sandbox);
  g_clear_pointer (&f->base_url, g_free);
}

static void
use_profile (Fixture   *f,
             PmProfile *profile)
{
  pm_client_set_profile (f->client, profile);
}

static PmBill *
make_bill (void)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  g_autoptr(GDateTime) later = g_date_time_add_days (now, 7);
  g_autofree char *expire = g_date_time_format (later, "%Y-%m-%d");
  g_autofree char *id = pm_bill_generate_id ();
  PmBill *bill = pm_bill_new ();

  pm_bill_set_bill_id (bill, id);
  pm_bill_set_payer_name (bill, "김민지");
  pm_bill_set_phone (bill, "01023456789");
  pm_bill_set_product (bill, "6월 수강료");
  pm_bill_set_message (bill, "안녕하세요 😀 수강료 안내드립니다.");
  pm_bill_set_price (bill, 120000);
  pm_bill_set_expire_date (bill, expire);
  return bill;
}

/* Synchronous wrappers: each runs the main loop until the call ends. */

static PmSendResult *
do_request (PmClient  *client,
            PmBill    *bill,
            GError   **error)
{
  Wait w = { 0 };
  PmSendResult *r;

  pm_client_request_async (client, bill, NULL, wait_cb, &w);
  wait_for (&w);
  r = pm_client_request_finish (client, w.result, error);
  g_object_unref (w.result);
  return r;
}

static PmBill *
do_read (PmClient    *client,
         const char  *bill_id,
         GError     **error)
{
  Wait w = { 0 };
  PmBill *b;

  pm_client_read_async (client, bill_id, NULL, wait_cb, &w);
  wait_for (&w);
  b = pm_client_read_finish (client, w.result, error);
  g_object_unref (w.result);
  return b;
}

#define DEFINE_DO_PRICE(verb)                                                     \
  static PmSendResult *                                                           \
  do_##verb (PmClient *client, const char *bill_id, gint64 price, GError **error) \
  {                                                                               \
    Wait w = { 0 };                                                               \
    PmSendResult *r;                                                              \
    pm_client_##verb##_async (client, bill_id, price, NULL, wait_cb, &w);        \
    wait_for (&w);                                                                \
    r = pm_client_##verb##_finish (client, w.result, error);                      \
    g_object_unref (w.result);                                                    \
    return r;                                                                     \
  }

DEFINE_DO_PRICE (cancel)
DEFINE_DO_PRICE (destroy)

static PmSendResult *
do_resend (PmClient    *client,
           const char  *bill_id,
           GError     **error)
{
  Wait w = { 0 };
  PmSendResult *r;

  pm_client_resend_async (client, bill_id, NULL, wait_cb, &w);
  wait_for (&w);
  r = pm_client_resend_finish (client, w.result, error);
  g_object_unref (w.result);
  return r;
}

static PmBill *
send_one (Fixture *f)
{
  g_autoptr(PmBill) bill = make_bill ();
  g_autoptr(GError) error = NULL;
  g_autoptr(PmSendResult) r = do_request (f->client, bill, &error);

  g_assert_no_error (error);
  g_assert_nonnull (r);
  return g_steal_pointer (&bill);
}

/* ------------------------------------------------------------------------------ */

static void
test_client_version (Fixture       *f,
                     gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *version = NULL;
  Wait w = { 0 };

  pm_client_version_async (f->client, NULL, wait_cb, &w);
  wait_for (&w);
  version = pm_client_version_finish (f->client, w.result, &error);
  g_object_unref (w.result);
  g_assert_no_error (error);
  g_assert_cmpstr (version, ==, SANDBOX_API_VERSION);
  g_assert_cmpuint (pm_client_get_timeout (f->client), ==, 10);
}

static void
test_client_licenses (Fixture       *f,
                      gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) list = NULL;
  g_autoptr(PmProfile) multi = pm_profile_copy (f->profile);
  PmLicense *l;
  Wait w = { 0 };

  pm_client_licenses_async (f->client, NULL, wait_cb, &w);
  wait_for (&w);
  list = pm_client_licenses_finish (f->client, w.result, &error);
  g_clear_object (&w.result);
  g_assert_no_error (error);
  g_assert_cmpuint (list->len, ==, 1);
  l = g_ptr_array_index (list, 0);
  g_assert_cmpstr (l->business_number, ==, "1234567890");
  g_assert_cmpstr (l->business_name, ==, "테스트 상점");
  g_assert_cmpstr (l->member_id, ==, "member-1");
  g_assert_cmpstr (l->merchant_id, ==, "merchant-1");
  g_clear_pointer (&list, g_ptr_array_unref);

  pm_profile_set_api_key (multi, PM_SANDBOX_MULTI_KEY);
  use_profile (f, multi);
  w.done = FALSE;
  pm_client_licenses_async (f->client, NULL, wait_cb, &w);
  wait_for (&w);
  list = pm_client_licenses_finish (f->client, w.result, &error);
  g_clear_object (&w.result);
  g_assert_no_error (error);
  g_assert_cmpuint (list->len, ==, 2);
}

static void
test_client_format_phone (Fixture       *f,
                          gconstpointer  data)
{
  static const char *inputs[] = { "010-2345-6789", "+82 10 2345 6789", "1023456789" };
  Wait w = { 0 };

  for (guint i = 0; i < G_N_ELEMENTS (inputs); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *phone = NULL;

      w.done = FALSE;
      pm_client_format_phone_async (f->client, inputs[i], NULL, wait_cb, &w);
      wait_for (&w);
      phone = pm_client_format_phone_finish (f->client, w.result, &error);
      g_clear_object (&w.result);
      g_assert_no_error (error);
      g_assert_cmpstr (phone, ==, "01023456789");
    }

  {
    g_autoptr(GError) error = NULL;
    g_autofree char *phone = NULL;

    w.done = FALSE;
    pm_client_format_phone_async (f->client, "02-123-4567", NULL, wait_cb, &w);
    wait_for (&w);
    phone = pm_client_format_phone_finish (f->client, w.result, &error);
    g_clear_object (&w.result);
    g_assert_null (phone);
    g_assert_error (error, PM_ERROR, PM_ERROR_INVALID);
    g_assert_cmpuint (pm_error_get_http_status (error), ==, 400);
    g_assert_nonnull (pm_error_get_server_text (error));
  }
}

static void
test_client_bill_lifecycle (Fixture       *f,
                            gconstpointer  data)
{
  g_autoptr(PmBill) bill = make_bill ();
  g_autoptr(PmSendResult) sent = NULL;
  g_autoptr(PmSendResult) done = NULL;
  g_autoptr(PmBill) read = NULL;
  g_autoptr(GError) error = NULL;
  const char *id = pm_bill_get_bill_id (bill);

  sent = do_request (f->client, bill, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (sent->code, ==, "0000");
  g_assert_cmpstr (sent->bill_id, ==, id);
  g_assert_nonnull (sent->short_url);
  g_assert_true (g_str_has_prefix (sent->short_url, "http"));
  g_assert_cmpuint (pm_sandbox_count_bills (f->sandbox), ==, 1);

  read = do_read (f->client, id, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (pm_bill_get_bill_id (read), ==, id);
  g_assert_cmpint (pm_bill_get_state (read), ==, PM_BILL_STATE_UNPAID);
  g_assert_cmpint (pm_bill_get_appr_price (read), ==, 0);
  g_assert_null (pm_bill_get_appr_dt (read));
  g_clear_object (&read);

  /* The same intent again: 9800, no second bill */
  {
    g_autoptr(PmSendResult) again = do_request (f->client, bill, &error);

    g_assert_null (again);
    g_assert_error (error, PM_ERROR, PM_ERROR_DUPLICATE_BILL);
    g_assert_cmpstr (pm_error_get_result_code (error), ==, "9800");
    g_assert_false (pm_error_is_maybe_done (error));
    g_clear_error (&error);
    g_assert_cmpuint (pm_sandbox_count_bills (f->sandbox), ==, 1);
  }

  /* Resend an unpaid bill */
  done = do_resend (f->client, id, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (done->code, ==, "0000");
  g_clear_pointer (&done, pm_send_result_free);

  /* The payer pays */
  g_assert_true (pm_sandbox_pay_bill (f->sandbox, id));
  read = do_read (f->client, id, &error);
  g_assert_no_error (error);
  g_assert_cmpint (pm_bill_get_state (read), ==, PM_BILL_STATE_PAID);
  g_assert_cmpint (pm_bill_get_appr_price (read), ==, 120000);
  g_assert_cmpuint (strlen (pm_bill_get_appr_dt (read)), ==, 14);
  g_clear_object (&read);

  /* Destroying a paid bill: 9971 */
  done = do_destroy (f->client, id, 120000, &error);
  g_assert_null (done);
  g_assert_error (error, PM_ERROR, PM_ERROR_ALREADY_PAID);
  g_assert_cmpstr (pm_error_get_result_code (error), ==, "9971");
  g_clear_error (&error);

  /* Cancel (refund), then again: 9970 */
  done = do_cancel (f->client, id, 120000, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (done->code, ==, "0000");
  g_clear_pointer (&done, pm_send_result_free);
  read = do_read (f->client, id, &error);
  g_assert_no_error (error);
  g_assert_cmpint (pm_bill_get_state (read), ==, PM_BILL_STATE_CANCELLED);
  g_clear_object (&read);
  g_autofree char *state = pm_sandbox_dup_bill_state (f->sandbox, id);
  g_assert_cmpstr (state, ==, "C");

  done = do_cancel (f->client, id, 120000, &error);
  g_assert_null (done);
  g_assert_error (error, PM_ERROR, PM_ERROR_ALREADY_CANCELLED);
  g_assert_cmpstr (pm_error_get_result_code (error), ==, "9970");
}

static void
test_client_destroy (Fixture       *f,
                     gconstpointer  data)
{
  g_autoptr(PmBill) bill = send_one (f);
  g_autoptr(GError) error = NULL;
  g_autoptr(PmSendResult) done = NULL;
  g_autoptr(PmBill) read = NULL;

  done = do_destroy (f->client, pm_bill_get_bill_id (bill), pm_bill_get_price (bill), &error);
  g_assert_no_error (error);
  g_assert_cmpstr (done->code, ==, "0000");
  read = do_read (f->client, pm_bill_get_bill_id (bill), &error);
  g_assert_no_error (error);
  g_assert_cmpint (pm_bill_get_state (read), ==, PM_BILL_STATE_DESTROYED);
  g_assert_true (pm_bill_state_is_final (pm_bill_get_state (read)));
}

static void
test_client_not_found (Fixture       *f,
                       gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PmBill) read = do_read (f->client, "NOSUCHBILL000000", &error);

  g_assert_null (read);
  g_assert_error (error, PM_ERROR, PM_ERROR_NOT_FOUND);
  g_assert_cmpstr (pm_error_get_result_code (error), ==, "9980");
  g_assert_false (pm_error_is_maybe_done (error));
}

static void
test_client_autopay (Fixture       *f,
                     gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PmSendResult) r = NULL;
  g_autoptr(GPtrArray) methods = NULL;
  g_autoptr(PmBill) bill = make_bill ();
  g_autoptr(PmBill) read = NULL;
  g_autofree char *method_id = NULL;
  const char *phone = "01098765432";
  Wait w = { 0 };

  pm_client_autopay_register_async (f->client, "박지훈", phone, "정기 수강료", "카드를 등록해 주세요",
                                    NULL, wait_cb, &w);
  wait_for (&w);
  r = pm_client_autopay_register_finish (f->client, w.result, &error);
  g_clear_object (&w.result);
  g_assert_no_error (error);
  g_assert_cmpstr (r->code, ==, "0000");
  g_assert_nonnull (r->short_url);
  g_clear_pointer (&r, pm_send_result_free);

  /* The payer opens the link and registers a card */
  g_assert_true (pm_sandbox_open_autopay_link (f->sandbox, phone));

  w.done = FALSE;
  pm_client_autopay_methods_async (f->client, phone, NULL, wait_cb, &w);
  wait_for (&w);
  methods = pm_client_autopay_methods_finish (f->client, w.result, &error);
  g_clear_object (&w.result);
  g_assert_no_error (error);
  g_assert_cmpuint (methods->len, >=, 1);
  method_id = g_strdup (((PmAutopayMethod *) g_ptr_array_index (methods, 0))->method_id);
  g_assert_nonnull (method_id);
  g_clear_pointer (&methods, g_ptr_array_unref);

  w.done = FALSE;
  pm_client_autopay_manage_async (f->client, phone, method_id, NULL, wait_cb, &w);
  wait_for (&w);
  r = pm_client_autopay_manage_finish (f->client, w.result, &error);
  g_clear_object (&w.result);
  g_assert_no_error (error);
  g_assert_nonnull (r->short_url);
  g_clear_pointer (&r, pm_send_result_free);

  /* Charge the card */
  pm_bill_set_kind (bill, PM_BILL_KIND_AUTOPAY);
  pm_bill_set_phone (bill, phone);
  pm_bill_set_method_id (bill, method_id);
  w.done = FALSE;
  pm_client_autopay_request_async (f->client, bill, NULL, wait_cb, &w);
  wait_for (&w);
  r = pm_client_autopay_request_finish (f->client, w.result, &error);
  g_clear_object (&w.result);
  g_assert_no_error (error);
  g_assert_cmpstr (r->code, ==, "0000");
  g_assert_cmpstr (r->appr_state, ==, "F");
  read = do_read (f->client, pm_bill_get_bill_id (bill), &error);
  g_assert_no_error (error);
  g_assert_cmpint (pm_bill_get_state (read), ==, PM_BILL_STATE_PAID);
  g_clear_pointer (&r, pm_send_result_free);

  /* Unknown method: 9980 */
  w.done = FALSE;
  pm_client_autopay_manage_async (f->client, phone, "NO-SUCH-METHOD", NULL, wait_cb, &w);
  wait_for (&w);
  r = pm_client_autopay_manage_finish (f->client, w.result, &error);
  g_clear_object (&w.result);
  g_assert_error (error, PM_ERROR, PM_ERROR_NOT_FOUND);
  g_clear_error (&error);

  /* Delete the card */
  w.done = FALSE;
  pm_client_autopay_delete_async (f->client, phone, method_id, NULL, wait_cb, &w);
  wait_for (&w);
  r = pm_client_autopay_delete_finish (f->client, w.result, &error);
  g_clear_object (&w.result);
  g_assert_no_error (error);
  g_assert_cmpstr (r->code, ==, "0000");

  w.done = FALSE;
  pm_client_autopay_methods_async (f->client, phone, NULL, wait_cb, &w);
  wait_for (&w);
  methods = pm_client_autopay_methods_finish (f->client, w.result, &error);
  g_clear_object (&w.result);
  g_assert_no_error (error);
  for (guint i = 0; i < methods->len; i++)
    g_assert_cmpstr (((PmAutopayMethod *) g_ptr_array_index (methods, i))->method_id, !=, method_id);
}

static void
test_client_traditional (Fixture       *f,
                         gconstpointer  data)
{
  g_autoptr(PmProfile) trad = pm_profile_copy (f->profile);
  g_autoptr(PmBill) bill = make_bill ();
  g_autoptr(PmSendResult) r = NULL;
  g_autoptr(PmBill) read = NULL;
  g_autoptr(GError) error = NULL;

  pm_profile_set_mode (trad, PM_PROFILE_MODE_TRADITIONAL);
  pm_profile_set_paymint_host (trad, "https://paymint.example");
  pm_profile_set_paymint_api_key (trad, SECRET_PAYMINT_KEY);
  pm_profile_set_member_id (trad, "member-1");
  pm_profile_set_merchant_id (trad, "merchant-1");
  pm_profile_set_business_number (trad, "123-45-67890");
  g_assert_true (pm_profile_validate (trad, NULL));
  use_profile (f, trad);

  r = do_request (f->client, bill, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (r->code, ==, "0000");
  read = do_read (f->client, pm_bill_get_bill_id (bill), &error);
  g_assert_no_error (error);
  g_assert_cmpint (pm_bill_get_state (read), ==, PM_BILL_STATE_UNPAID);
  g_clear_object (&read);

  /* A wrong Paymint key: 401 */
  pm_profile_set_paymint_api_key (trad, "wrong");
  use_profile (f, trad);
  read = do_read (f->client, pm_bill_get_bill_id (bill), &error);
  g_assert_null (read);
  g_assert_error (error, PM_ERROR, PM_ERROR_UNAUTHORIZED);
  g_assert_cmpuint (pm_error_get_http_status (error), ==, 401);
  g_clear_error (&error);

  /* MMK mode picking the license explicitly */
  {
    g_autoptr(PmProfile) mmk = pm_profile_copy (f->profile);

    pm_profile_set_member_id (mmk, "member-1");
    pm_profile_set_merchant_id (mmk, "merchant-1");
    use_profile (f, mmk);
    read = do_read (f->client, pm_bill_get_bill_id (bill), &error);
    g_assert_no_error (error);
    g_assert_nonnull (read);
  }
}

static void
test_client_http_errors (Fixture       *f,
                         gconstpointer  data)
{
  g_autoptr(PmProfile) p = pm_profile_copy (f->profile);
  g_autoptr(GError) error = NULL;
  g_autoptr(PmSendResult) r = NULL;
  g_autoptr(PmBill) read = NULL;

  /* 401: unknown key */
  pm_profile_set_api_key (p, "no-such-key");
  use_profile (f, p);
  read = do_read (f->client, "B1", &error);
  g_assert_error (error, PM_ERROR, PM_ERROR_UNAUTHORIZED);
  g_assert_cmpuint (pm_error_get_http_status (error), ==, 401);
  g_assert_nonnull (strstr (error->message, "API key"));
  g_assert_false (pm_error_is_maybe_done (error));
  g_clear_error (&error);

  /* 402 (a): Basic license, on a read and on a send */
  pm_profile_set_api_key (p, PM_SANDBOX_BASIC_KEY);
  use_profile (f, p);
  read = do_read (f->client, "B1", &error);
  g_assert_error (error, PM_ERROR, PM_ERROR_LICENSE_REQUIRED);
  g_assert_cmpuint (pm_error_get_http_status (error), ==, 402);
  g_clear_error (&error);
  {
    g_autoptr(PmBill) bill = make_bill ();

    r = do_request (f->client, bill, &error);
    g_assert_null (r);
    g_assert_error (error, PM_ERROR, PM_ERROR_LICENSE_REQUIRED);
    g_assert_false (pm_error_is_maybe_done (error));
    g_clear_error (&error);
  }

  /* 402 (b): no balance */
  use_profile (f, f->profile);
  pm_sandbox_set_balance (f->sandbox, SECRET_KEY, 0);
  {
    g_autoptr(PmBill) bill = make_bill ();

    r = do_request (f->client, bill, &error);
    g_assert_null (r);
    g_assert_error (error, PM_ERROR, PM_ERROR_INSUFFICIENT_BALANCE);
    g_assert_cmpuint (pm_error_get_http_status (error), ==, 402);
    g_assert_false (pm_error_is_maybe_done (error));
    g_assert_cmpuint (pm_sandbox_count_bills (f->sandbox), ==, 0);
    g_clear_error (&error);
  }
  pm_sandbox_set_balance (f->sandbox, SECRET_KEY, 1000000);

  /* 400 naming the field */
  {
    static const struct
    {
      const char *property;
      const char *value;
      const char *field;
    } bad[] = {
      { "payer-name", "", "member_nm" },
      { "product", "", "product_nm" },
      { "expire-date", "2020-01-01", "expire_dt" },
      { "bill-id", "bad-id!", "bill_id" },
    };

    for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
      {
        g_autoptr(PmBill) bill = make_bill ();

        g_object_set (bill, bad[i].property, bad[i].value, NULL);
        r = do_request (f->client, bill, &error);
        g_assert_null (r);
        g_assert_error (error, PM_ERROR, PM_ERROR_INVALID);
        g_assert_cmpuint (pm_error_get_http_status (error), ==, 400);
        g_assert_cmpstr (pm_error_get_field (error), ==, bad[i].field);
        g_assert_nonnull (pm_error_get_server_text (error));
        g_assert_false (pm_error_is_maybe_done (error));
        g_clear_error (&error);
      }
    {
      g_autoptr(PmBill) bill = make_bill ();

      pm_bill_set_price (bill, 0);
      r = do_request (f->client, bill, &error);
      g_assert_error (error, PM_ERROR, PM_ERROR_INVALID);
      g_assert_cmpstr (pm_error_get_field (error), ==, "price");
      g_clear_error (&error);
    }
    g_assert_cmpuint (pm_sandbox_count_bills (f->sandbox), ==, 0);
  }

  /* 404: an unknown route (a deployment address with a wrong prefix) */
  {
    g_autofree char *wrong = g_strdup (f->base_url);

    *strstr (wrong, "/api/v1") = '\0';
    {
      g_autofree char *with_prefix = g_strconcat (wrong, "/nothing-here", NULL);

      pm_profile_set_api_key (p, SECRET_KEY);
      pm_profile_set_base_url (p, with_prefix);
      use_profile (f, p);
      read = do_read (f->client, "B1", &error);
      g_assert_error (error, PM_ERROR, PM_ERROR_NOT_FOUND);
      g_assert_cmpuint (pm_error_get_http_status (error), ==, 404);
      g_clear_error (&error);
    }
  }
}

/* Every sandbox fault, on a send (maybe done) and on a read (never maybe done). */
static void
test_client_faults (Fixture       *f,
                    gconstpointer  data)
{
  static const struct
  {
    PmSandboxFault fault;
    PmErrorCode    code;
    gboolean       send_maybe_done;
  } cases[] = {
    { PM_SANDBOX_FAULT_HTTP_500, PM_ERROR_SERVER, TRUE },
    { PM_SANDBOX_FAULT_HTTP_503, PM_ERROR_SERVER, TRUE },
    { PM_SANDBOX_FAULT_RESET_BEFORE, PM_ERROR_NETWORK, TRUE },
    { PM_SANDBOX_FAULT_RESET_AFTER, PM_ERROR_NETWORK, TRUE },
    { PM_SANDBOX_FAULT_MALFORMED_JSON, PM_ERROR_PROTOCOL, TRUE },
    { PM_SANDBOX_FAULT_TRUNCATED_JSON, PM_ERROR_PROTOCOL, TRUE },
  };
  g_autoptr(PmBill) existing = send_one (f);

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(PmBill) bill = make_bill ();
      g_autoptr(GError) error = NULL;
      g_autoptr(PmSendResult) r = NULL;
      g_autoptr(PmBill) read = NULL;

      g_test_message ("fault %s", pm_sandbox_fault_to_string (cases[i].fault));
      pm_sandbox_clear_faults (f->sandbox);
      pm_sandbox_set_fault (f->sandbox, "request", cases[i].fault, 1.0);
      r = do_request (f->client, bill, &error);
      g_assert_null (r);
      g_assert_error (error, PM_ERROR, cases[i].code);
      g_assert_cmpint (pm_error_is_maybe_done (error), ==, cases[i].send_maybe_done);
      g_clear_error (&error);

      pm_sandbox_clear_faults (f->sandbox);
      pm_sandbox_set_fault (f->sandbox, "read", cases[i].fault, 1.0);
      read = do_read (f->client, pm_bill_get_bill_id (existing), &error);
      g_assert_null (read);
      g_assert_error (error, PM_ERROR, cases[i].code);
      g_assert_false (pm_error_is_maybe_done (error));
      g_clear_error (&error);

      /* After the fault, reconciliation by read tells what happened */
      pm_sandbox_clear_faults (f->sandbox);
      read = do_read (f->client, pm_bill_get_bill_id (bill), &error);
      if (cases[i].fault == PM_SANDBOX_FAULT_RESET_AFTER
          || cases[i].fault == PM_SANDBOX_FAULT_MALFORMED_JSON
          || cases[i].fault == PM_SANDBOX_FAULT_TRUNCATED_JSON)
        {
          g_assert_no_error (error);
          g_assert_cmpint (pm_bill_get_state (read), ==, PM_BILL_STATE_UNPAID);
        }
      else
        g_assert_error (error, PM_ERROR, PM_ERROR_NOT_FOUND);
    }
}

static void
test_client_connection_refused (Fixture       *f,
                                gconstpointer  data)
{
  g_autoptr(PmBill) bill = make_bill ();
  g_autoptr(GError) error = NULL;
  g_autoptr(PmSendResult) r = NULL;

  pm_sandbox_stop (f->sandbox);
  r = do_request (f->client, bill, &error);
  g_assert_null (r);
  g_assert_error (error, PM_ERROR, PM_ERROR_NETWORK);
  g_assert_false (pm_error_is_maybe_done (error));
}

static gboolean
cancel_cb (gpointer user_data)
{
  g_cancellable_cancel (user_data);
  return G_SOURCE_REMOVE;
}

static void
test_client_cancel (Fixture       *f,
                    gconstpointer  data)
{
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(PmBill) bill = make_bill ();
  g_autoptr(GError) error = NULL;
  g_autoptr(PmSendResult) r = NULL;
  g_autoptr(PmBill) read = NULL;
  gint64 start;
  Wait w = { 0 };

  /* A send cancelled while the server sits on it: cancelled, and maybe done */
  pm_sandbox_set_latency (f->sandbox, "request", 5000);
  start = g_get_monotonic_time ();
  pm_client_request_async (f->client, bill, cancellable, wait_cb, &w);
  g_timeout_add (300, cancel_cb, cancellable);
  wait_for (&w);
  r = pm_client_request_finish (f->client, w.result, &error);
  g_clear_object (&w.result);
  g_assert_null (r);
  g_assert_error (error, PM_ERROR, PM_ERROR_CANCELLED);
  g_assert_true (pm_error_is_maybe_done (error));
  g_assert_cmpint (g_get_monotonic_time () - start, <, 3 * G_USEC_PER_SEC);
  g_clear_error (&error);

  /* A read cancelled mid-way: cancelled, never maybe done */
  pm_sandbox_clear_faults (f->sandbox);
  pm_sandbox_set_latency (f->sandbox, "read", 5000);
  g_clear_object (&cancellable);
  cancellable = g_cancellable_new ();
  w.done = FALSE;
  pm_client_read_async (f->client, pm_bill_get_bill_id (bill), cancellable, wait_cb, &w);
  g_timeout_add (300, cancel_cb, cancellable);
  wait_for (&w);
  read = pm_client_read_finish (f->client, w.result, &error);
  g_clear_object (&w.result);
  g_assert_error (error, PM_ERROR, PM_ERROR_CANCELLED);
  g_assert_false (pm_error_is_maybe_done (error));
  g_clear_error (&error);

  /* Already cancelled: fails at once, nothing sent */
  w.done = FALSE;
  pm_client_request_async (f->client, bill, cancellable, wait_cb, &w);
  wait_for (&w);
  r = pm_client_request_finish (f->client, w.result, &error);
  g_clear_object (&w.result);
  g_assert_error (error, PM_ERROR, PM_ERROR_CANCELLED);
  g_assert_false (pm_error_is_maybe_done (error));
}

static void
test_client_timeout (Fixture       *f,
                     gconstpointer  data)
{
  g_autoptr(PmBill) bill = make_bill ();
  g_autoptr(GError) error = NULL;
  g_autoptr(PmSendResult) r = NULL;
  gint64 start, elapsed;

  pm_client_set_timeout (f->client, 1);
  pm_sandbox_set_fault (f->sandbox, "request", PM_SANDBOX_FAULT_TIMEOUT, 1.0);
  start = g_get_monotonic_time ();
  r = do_request (f->client, bill, &error);
  elapsed = g_get_monotonic_time () - start;
  g_assert_null (r);
  g_assert_error (error, PM_ERROR, PM_ERROR_TIMEOUT);
  g_assert_true (pm_error_is_maybe_done (error));
  g_assert_cmpint (elapsed, >=, G_USEC_PER_SEC * 9 / 10);
  g_assert_cmpint (elapsed, <, 5 * G_USEC_PER_SEC);
}

static void
test_client_refuse_plain_http (Fixture       *f,
                               gconstpointer  data)
{
  g_autoptr(PmProfile) p = pm_profile_copy (f->profile);
  g_autoptr(PmBill) bill = make_bill ();
  g_autoptr(GError) error = NULL;
  g_autoptr(PmSendResult) r = NULL;
  gint64 start;

  /* 192.0.2.1 (TEST-NET-1) would hang for the whole timeout if anything tried to connect */
  pm_profile_set_base_url (p, "http://192.0.2.1/api/v1");
  use_profile (f, p);
  pm_client_set_timeout (f->client, 30);
  start = g_get_monotonic_time ();
  r = do_request (f->client, bill, &error);
  g_assert_null (r);
  g_assert_error (error, PM_ERROR, PM_ERROR_TLS);
  g_assert_false (pm_error_is_maybe_done (error));
  g_assert_cmpint (g_get_monotonic_time () - start, <, G_USEC_PER_SEC / 5);
}

/* A server with a certificate nobody trusts. */
static void
tls_handler_cb (SoupServer        *server,
                SoupServerMessage *msg,
                const char        *path,
                GHashTable        *query,
                gpointer           user_data)
{
  gboolean *reached = user_data;
  static const char body[] = "{\"version\":\"4.20.0\"}";

  *reached = TRUE;
  soup_server_message_set_status (msg, 200, NULL);
  soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_STATIC, body, strlen (body));
}

static void
test_client_tls_refused (Fixture       *f,
                         gconstpointer  data)
{
  g_autofree char *dir = NULL;
  g_autofree char *cert_path = NULL;
  g_autofree char *key_path = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GTlsCertificate) cert = NULL;
  g_autoptr(SoupServer) server = NULL;
  g_autoptr(PmProfile) p = pm_profile_copy (f->profile);
  g_autofree char *url = NULL;
  g_autofree char *version = NULL;
  g_autofree char *openssl = NULL;
  GSList *uris;
  gboolean reached = FALSE;
  int status = 0;
  Wait w = { 0 };
  const char *argv[] = {
    "openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
    "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
    "-keyout", NULL, "-out", NULL, NULL,
  };

  openssl = g_find_program_in_path ("openssl");
  if (openssl == NULL)
    {
      g_test_skip ("openssl is needed to make a test certificate");
      return;
    }
  dir = g_dir_make_tmp ("pm-tls-XXXXXX", &error);
  g_assert_no_error (error);
  key_path = g_build_filename (dir, "key.pem", NULL);
  cert_path = g_build_filename (dir, "cert.pem", NULL);
  argv[15] = key_path;
  argv[17] = cert_path;
  g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL,
                               G_SPAWN_SEARCH_PATH | G_SPAWN_STDOUT_TO_DEV_NULL | G_SPAWN_STDERR_TO_DEV_NULL,
                               NULL, NULL, NULL, NULL, &status, &error));
  g_assert_no_error (error);
  g_assert_true (g_spawn_check_wait_status (status, NULL));

  cert = g_tls_certificate_new_from_files (cert_path, key_path, &error);
  g_assert_no_error (error);
  server = soup_server_new ("tls-certificate", cert, NULL);
  soup_server_add_handler (server, NULL, tls_handler_cb, &reached, NULL);
  g_assert_true (soup_server_listen_local (server, 0, SOUP_SERVER_LISTEN_IPV4_ONLY | SOUP_SERVER_LISTEN_HTTPS,
                                           &error));
  g_assert_no_error (error);
  uris = soup_server_get_uris (server);
  url = g_strdup_printf ("https://127.0.0.1:%d/api/v1", g_uri_get_port (uris->data));
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);

  pm_profile_set_base_url (p, url);
  use_profile (f, p);
  pm_client_version_async (f->client, NULL, wait_cb, &w);
  wait_for (&w);
  version = pm_client_version_finish (f->client, w.result, &error);
  g_clear_object (&w.result);
  g_assert_null (version);
  g_assert_error (error, PM_ERROR, PM_ERROR_TLS);
  g_assert_false (pm_error_is_maybe_done (error));
  g_assert_false (reached);

  soup_server_disconnect (server);
  g_unlink (key_path);
  g_unlink (cert_path);
  g_rmdir (dir);
}

/* What a request looks like on the wire: a local server records it. */
typedef struct
{
  char               *method;
  char               *path;
  char               *query;
  SoupMessageHeaders *headers;
  GBytes             *body;
} Seen;

static void
record_handler_cb (SoupServer        *server,
                   SoupServerMessage *msg,
                   const char        *path,
                   GHashTable        *query,
                   gpointer           user_data)
{
  Seen *seen = user_data;
  SoupMessageBody *body = soup_server_message_get_request_body (msg);
  g_autoptr(GBytes) flat = soup_message_body_flatten (body);
  static const char reply[] = "{\"success\":true,\"code\":\"0000\",\"shortURL\":\"https://s/1\","
                              "\"data\":[],\"version\":\"4.20.0\"}";

  g_free (seen->method);
  g_free (seen->path);
  g_free (seen->query);
  g_clear_pointer (&seen->headers, soup_message_headers_unref);
  g_clear_pointer (&seen->body, g_bytes_unref);
  seen->method = g_strdup (soup_server_message_get_method (msg));
  seen->path = g_strdup (path);
  seen->query = g_strdup (g_uri_get_query (soup_server_message_get_uri (msg)));
  seen->headers = soup_message_headers_ref (soup_server_message_get_request_headers (msg));
  seen->body = g_bytes_ref (flat);
  if (g_str_has_suffix (path, "/paymint/read"))
    {
      /* Following this would repeat the request, keys included, elsewhere */
      soup_server_message_set_redirect (msg, 307, "http://127.0.0.1:9/elsewhere");
      return;
    }
  soup_server_message_set_status (msg, 200, NULL);
  soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_STATIC, reply, strlen (reply));
}

static void
test_client_headers (Fixture       *f,
                     gconstpointer  data)
{
  g_autoptr(SoupServer) server = soup_server_new (NULL, NULL);
  g_autoptr(PmProfile) p = pm_profile_copy (f->profile);
  g_autoptr(PmBill) bill = make_bill ();
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autofree char *url = NULL;
  g_autofree char *ua = g_strdup_printf ("PaymintDesk/%s", PACKAGE_VERSION);
  SoupMessageHeaders *h;
  JsonObject *o;
  GSList *uris;
  Seen seen = { 0 };
  Wait w = { 0 };

  soup_server_add_handler (server, NULL, record_handler_cb, &seen, NULL);
  g_assert_true (soup_server_listen_local (server, 0, SOUP_SERVER_LISTEN_IPV4_ONLY, &error));
  g_assert_no_error (error);
  uris = soup_server_get_uris (server);
  url = g_strdup_printf ("127.0.0.1:%d/", g_uri_get_port (uris->data));
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);

  /* A bare loopback host: http is allowed there, /api/v1 is added */
  {
    g_autofree char *full = g_strconcat ("http://", url, NULL);
    pm_profile_set_base_url (p, full);
  }
  pm_profile_set_member_id (p, "member-1");
  pm_profile_set_merchant_id (p, "merchant-1");
  use_profile (f, p);

  /* MMK mode, a send */
  g_clear_pointer (&bill, g_object_unref);
  bill = make_bill ();
  pm_bill_set_note (bill, "never sent");
  {
    g_autoptr(PmSendResult) r = do_request (f->client, bill, &error);
    g_assert_no_error (error);
  }
  h = seen.headers;
  g_assert_cmpstr (seen.method, ==, "POST");
  g_assert_cmpstr (seen.path, ==, "/api/v1/paymint/request");
  g_assert_cmpstr (soup_message_headers_get_one (h, "X-API-KEY"), ==, SECRET_KEY);
  g_assert_cmpstr (soup_message_headers_get_one (h, "X-Paymint-MMK-Mode"), ==, "true");
  g_assert_cmpstr (soup_message_headers_get_one (h, "X-Paymint-Member-ID"), ==, "member-1");
  g_assert_cmpstr (soup_message_headers_get_one (h, "X-Paymint-Merchant-ID"), ==, "merchant-1");
  g_assert_null (soup_message_headers_get_one (h, "X-Paymint-Api-Key"));
  g_assert_null (soup_message_headers_get_one (h, "X-Paymint-Host"));
  g_assert_cmpstr (soup_message_headers_get_one (h, "User-Agent"), ==, ua);
  g_assert_true (g_str_has_prefix (soup_message_headers_get_content_type (h, NULL), "application/json"));
  g_assert_true (json_parser_load_from_data (parser, g_bytes_get_data (seen.body, NULL),
                                             g_bytes_get_size (seen.body), NULL));
  o = json_node_get_object (json_parser_get_root (parser));
  g_assert_cmpint (json_node_get_value_type (json_object_get_member (o, "price")), ==, G_TYPE_INT64);
  g_assert_cmpint (json_object_get_int_member (o, "price"), ==, 120000);
  g_assert_cmpstr (json_object_get_string_member (o, "member_nm"), ==, "김민지");
  g_assert_cmpstr (json_object_get_string_member (o, "bill_id"), ==, pm_bill_get_bill_id (bill));
  g_assert_false (json_object_has_member (o, "note"));
  g_assert_false (json_object_has_member (o, "method_id"));

  /* Key-only call: no connection headers */
  pm_client_licenses_async (f->client, NULL, wait_cb, &w);
  wait_for (&w);
  {
    g_autoptr(GPtrArray) list = pm_client_licenses_finish (f->client, w.result, &error);
    g_assert_no_error (error);
  }
  g_clear_object (&w.result);
  h = seen.headers;
  g_assert_cmpstr (seen.method, ==, "GET");
  g_assert_cmpstr (seen.path, ==, "/api/v1/paymint/licenses");
  g_assert_cmpstr (seen.query, ==, "mode=true");
  g_assert_cmpstr (soup_message_headers_get_one (h, "X-API-KEY"), ==, SECRET_KEY);
  g_assert_null (soup_message_headers_get_one (h, "X-Paymint-MMK-Mode"));
  g_assert_null (soup_message_headers_get_one (h, "X-Paymint-Member-ID"));

  /* Traditional mode: the five headers, business number as digits; no MMK header */
  pm_profile_set_mode (p, PM_PROFILE_MODE_TRADITIONAL);
  pm_profile_set_paymint_host (p, "https://paymint.example");
  pm_profile_set_paymint_api_key (p, SECRET_PAYMINT_KEY);
  pm_profile_set_business_number (p, "123-45-67890");
  use_profile (f, p);
  w.done = FALSE;
  pm_client_autopay_delete_async (f->client, "01023456789", "M1", NULL, wait_cb, &w);
  wait_for (&w);
  {
    g_autoptr(PmSendResult) r = pm_client_autopay_delete_finish (f->client, w.result, &error);
    g_assert_no_error (error);
  }
  g_clear_object (&w.result);
  h = seen.headers;
  g_assert_cmpstr (seen.method, ==, "DELETE");
  g_assert_cmpstr (seen.path, ==, "/api/v1/paymint/autopay/delete");
  g_assert_null (soup_message_headers_get_one (h, "X-Paymint-MMK-Mode"));
  g_assert_cmpstr (soup_message_headers_get_one (h, "X-Paymint-Host"), ==, "https://paymint.example");
  g_assert_cmpstr (soup_message_headers_get_one (h, "X-Paymint-Api-Key"), ==, SECRET_PAYMINT_KEY);
  g_assert_cmpstr (soup_message_headers_get_one (h, "X-Paymint-Member-ID"), ==, "member-1");
  g_assert_cmpstr (soup_message_headers_get_one (h, "X-Paymint-Merchant-ID"), ==, "merchant-1");
  g_assert_cmpstr (soup_message_headers_get_one (h, "X-Paymint-Business-Number"), ==, "1234567890");

  /* autopay/methods carries the phone in the query */
  w.done = FALSE;
  pm_client_autopay_methods_async (f->client, "01023456789", NULL, wait_cb, &w);
  wait_for (&w);
  {
    g_autoptr(GPtrArray) list = pm_client_autopay_methods_finish (f->client, w.result, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (list->len, ==, 0);
  }
  g_clear_object (&w.result);
  g_assert_cmpstr (seen.path, ==, "/api/v1/paymint/autopay/methods");
  g_assert_cmpstr (seen.query, ==, "phone=01023456789");

  /* Redirects are never followed */
  {
    g_autoptr(PmBill) read = do_read (f->client, "B1", &error);

    g_assert_null (read);
    g_assert_error (error, PM_ERROR, PM_ERROR_PROTOCOL);
    g_assert_cmpuint (pm_error_get_http_status (error), ==, 307);
    g_assert_cmpstr (pm_error_get_server_text (error), ==, "http://127.0.0.1:9/elsewhere");
    g_assert_cmpstr (seen.path, ==, "/api/v1/paymint/read");
    g_clear_error (&error);
  }

  soup_server_disconnect (server);
  g_free (seen.method);
  g_free (seen.path);
  g_free (seen.query);
  g_clear_pointer (&seen.headers, soup_message_headers_unref);
  g_clear_pointer (&seen.body, g_bytes_unref);
}

static void
test_client_log_redaction (Fixture       *f,
                           gconstpointer  data)
{
  g_autoptr(PmProfile) trad = pm_profile_copy (f->profile);
  g_autoptr(PmBill) bill = make_bill ();
  g_autoptr(GError) error = NULL;
  g_autoptr(PmSendResult) r = NULL;
  g_autoptr(PmBill) read = NULL;
  g_autofree char *captured = NULL;

  g_mutex_lock (&log_lock);
  g_string_truncate (log_text, 0);
  g_mutex_unlock (&log_lock);

  r = do_request (f->client, bill, &error);
  g_assert_no_error (error);

  pm_profile_set_mode (trad, PM_PROFILE_MODE_TRADITIONAL);
  pm_profile_set_paymint_host (trad, "https://paymint.example");
  pm_profile_set_paymint_api_key (trad, SECRET_PAYMINT_KEY);
  pm_profile_set_member_id (trad, "member-1");
  pm_profile_set_merchant_id (trad, "merchant-1");
  pm_profile_set_business_number (trad, "1234567890");
  use_profile (f, trad);
  read = do_read (f->client, pm_bill_get_bill_id (bill), &error);
  g_assert_no_error (error);

  /* An error path logs too */
  pm_profile_set_paymint_api_key (trad, SECRET_PAYMINT_KEY "x");
  use_profile (f, trad);
  g_clear_object (&read);
  read = do_read (f->client, pm_bill_get_bill_id (bill), &error);
  g_assert_error (error, PM_ERROR, PM_ERROR_UNAUTHORIZED);
  g_assert_null (strstr (error->message, SECRET_PAYMINT_KEY));

  g_mutex_lock (&log_lock);
  captured = g_strdup (log_text->str);
  g_mutex_unlock (&log_lock);

  g_assert_nonnull (strstr (captured, "X-API-KEY: ***"));
  g_assert_nonnull (strstr (captured, "X-Paymint-Api-Key: ***"));
  g_assert_nonnull (strstr (captured, "/paymint/request"));
  g_assert_null (strstr (captured, SECRET_KEY));
  g_assert_null (strstr (captured, SECRET_PAYMINT_KEY));
}

int
main (int   argc,
      char *argv[])
{
  g_setenv ("G_MESSAGES_DEBUG", "all", TRUE);
  log_text = g_string_new (NULL);
  g_log_set_writer_func (capture_writer, NULL, NULL);

  pm_test_init (&argc, &argv);

#define ADD(path, func) \
  g_test_add ("/client/" path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)

  ADD ("version", test_client_version);
  ADD ("licenses", test_client_licenses);
  ADD ("format-phone", test_client_format_phone);
  ADD ("bill-lifecycle", test_client_bill_lifecycle);
  ADD ("destroy", test_client_destroy);
  ADD ("not-found", test_client_not_found);
  ADD ("autopay", test_client_autopay);
  ADD ("traditional-mode", test_client_traditional);
  ADD ("http-errors", test_client_http_errors);
  ADD ("faults", test_client_faults);
  ADD ("connection-refused", test_client_connection_refused);
  ADD ("cancel", test_client_cancel);
  ADD ("timeout", test_client_timeout);
  ADD ("refuse-plain-http", test_client_refuse_plain_http);
  ADD ("tls-refused", test_client_tls_refused);
  ADD ("headers", test_client_headers);
  ADD ("log-redaction", test_client_log_redaction);

#undef ADD

  return g_test_run ();
}
