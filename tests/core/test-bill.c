/* test-bill.c — the bill value object: properties, states, validation, IDs
 *
 * Copyright 2026 The Paymint Desk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "pm-bill.h"
#include "pm-error.h"
#include "pm-test-util.h"

#include <string.h>

/* 2026-06-15 03:00:00 UTC = 12:00 in Seoul */
#define NOON_KST G_GINT64_CONSTANT (1781492400)

static PmBill *
make_valid_bill (void)
{
  PmBill *bill = pm_bill_new ();

  pm_bill_set_payer_name (bill, "김민지");
  pm_bill_set_phone (bill, "01023456789");
  pm_bill_set_product (bill, "6월 수강료");
  pm_bill_set_message (bill, "안녕하세요.\n6월 수강료 안내드립니다.");
  pm_bill_set_price (bill, 120000);
  pm_bill_set_expire_date (bill, "2026-06-30");
  return bill;
}

static void
count_notify_cb (GObject    *object,
                 GParamSpec *pspec,
                 gpointer    user_data)
{
  GPtrArray *names = user_data;
  g_ptr_array_add (names, g_strdup (pspec->name));
}

static void
test_bill_properties (void)
{
  g_autoptr(PmBill) bill = pm_bill_new ();
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *bill_id = NULL;
  gint64 price = 0;
  PmBillState state = PM_BILL_STATE_QUEUED;
  const char *string_props[] = {
    "bill-id", "profile-id", "payer-name", "phone", "product", "message", "expire-date",
    "method-id", "note", "batch-id", "short-url", "appr-pay-type", "appr-dt", "appr-num",
    "appr-issuer", "appr-card-type", "appr-monthly", "error-code", "error-text",
  };
  const char *int_props[] = {
    "price", "appr-price", "created-at", "updated-at", "last-checked-at", "next-check-at",
  };

  g_signal_connect (bill, "notify", G_CALLBACK (count_notify_cb), names);

  /* Every property exists, can be set and read back, and notifies once per change */
  for (guint i = 0; i < G_N_ELEMENTS (string_props); i++)
    {
      g_autofree char *value = NULL;

      g_object_set (bill, string_props[i], "x", NULL);
      g_object_set (bill, string_props[i], "x", NULL); /* no change: no notify */
      g_object_get (bill, string_props[i], &value, NULL);
      g_assert_cmpstr (value, ==, "x");
      g_assert_cmpuint (names->len, ==, i + 1);
      g_assert_cmpstr (g_ptr_array_index (names, i), ==, string_props[i]);
    }
  g_ptr_array_set_size (names, 0);
  for (guint i = 0; i < G_N_ELEMENTS (int_props); i++)
    {
      gint64 value = 0;

      g_object_set (bill, int_props[i], (gint64) 42 + i, NULL);
      g_object_set (bill, int_props[i], (gint64) 42 + i, NULL);
      g_object_get (bill, int_props[i], &value, NULL);
      g_assert_cmpint (value, ==, 42 + i);
      g_assert_cmpuint (names->len, ==, i + 1);
    }
  g_ptr_array_set_size (names, 0);

  pm_bill_set_state (bill, PM_BILL_STATE_PAID);
  pm_bill_set_state (bill, PM_BILL_STATE_PAID);
  pm_bill_set_kind (bill, PM_BILL_KIND_AUTOPAY);
  pm_bill_set_kind (bill, PM_BILL_KIND_AUTOPAY);
  g_assert_cmpuint (names->len, ==, 2);
  g_object_get (bill, "state", &state, NULL);
  g_assert_cmpint (state, ==, PM_BILL_STATE_PAID);

  /* Getters agree with properties */
  pm_bill_set_bill_id (bill, "ABC123");
  pm_bill_set_price (bill, G_GINT64_CONSTANT (9999999999));
  g_object_get (bill, "bill-id", &bill_id, "price", &price, NULL);
  g_assert_cmpstr (bill_id, ==, pm_bill_get_bill_id (bill));
  g_assert_cmpint (price, ==, pm_bill_get_price (bill));

  /* Setting NULL after a value notifies and clears */
  g_ptr_array_set_size (names, 0);
  pm_bill_set_note (bill, NULL);
  g_assert_null (pm_bill_get_note (bill));
  g_assert_cmpuint (names->len, ==, 1);

  g_signal_handlers_disconnect_by_func (bill, count_notify_cb, names);
  g_assert_finalize_object (g_steal_pointer (&bill));
}

static void
test_bill_copy (void)
{
  g_autoptr(PmBill) bill = make_valid_bill ();
  g_autoptr(PmBill) copy = NULL;

  pm_bill_set_state (bill, PM_BILL_STATE_PAID);
  pm_bill_set_kind (bill, PM_BILL_KIND_AUTOPAY);
  pm_bill_set_appr_price (bill, 120000);
  pm_bill_set_next_check_at (bill, 77);
  copy = pm_bill_copy (bill);
  g_assert_true (copy != bill);
  g_assert_cmpstr (pm_bill_get_payer_name (copy), ==, "김민지");
  g_assert_cmpstr (pm_bill_get_message (copy), ==, pm_bill_get_message (bill));
  g_assert_cmpint (pm_bill_get_price (copy), ==, 120000);
  g_assert_cmpint (pm_bill_get_appr_price (copy), ==, 120000);
  g_assert_cmpint (pm_bill_get_next_check_at (copy), ==, 77);
  g_assert_cmpint (pm_bill_get_state (copy), ==, PM_BILL_STATE_PAID);
  g_assert_cmpint (pm_bill_get_kind (copy), ==, PM_BILL_KIND_AUTOPAY);
  /* Independent */
  pm_bill_set_payer_name (copy, "other");
  g_assert_cmpstr (pm_bill_get_payer_name (bill), ==, "김민지");
  g_assert_finalize_object (g_steal_pointer (&copy));
  g_assert_finalize_object (g_steal_pointer (&bill));
}

static void
test_bill_states (void)
{
  static const char *ids[] = {
    "queued", "sending", "unknown", "failed", "unpaid", "paid", "cancelled", "destroyed",
  };
  PmBillState state;
  PmBillKind kind;
  GEnumClass *klass;

  for (guint i = 0; i < G_N_ELEMENTS (ids); i++)
    {
      g_assert_cmpstr (pm_bill_state_to_string ((PmBillState) i), ==, ids[i]);
      g_assert_true (pm_bill_state_from_string (ids[i], &state));
      g_assert_cmpint (state, ==, i);
      g_assert_nonnull (pm_bill_state_get_label ((PmBillState) i));
    }
  g_assert_false (pm_bill_state_from_string ("PAID", &state));
  g_assert_false (pm_bill_state_from_string (NULL, &state));
  g_assert_false (pm_bill_state_from_string ("", &state));

  g_assert_true (pm_bill_state_from_appr_state ("W", &state));
  g_assert_cmpint (state, ==, PM_BILL_STATE_UNPAID);
  g_assert_true (pm_bill_state_from_appr_state ("F", &state));
  g_assert_cmpint (state, ==, PM_BILL_STATE_PAID);
  g_assert_true (pm_bill_state_from_appr_state ("C", &state));
  g_assert_cmpint (state, ==, PM_BILL_STATE_CANCELLED);
  g_assert_true (pm_bill_state_from_appr_state ("D", &state));
  g_assert_cmpint (state, ==, PM_BILL_STATE_DESTROYED);
  g_assert_false (pm_bill_state_from_appr_state ("X", &state));
  g_assert_false (pm_bill_state_from_appr_state ("", &state));
  g_assert_false (pm_bill_state_from_appr_state ("WF", &state));
  g_assert_false (pm_bill_state_from_appr_state (NULL, &state));

  g_assert_true (pm_bill_state_is_final (PM_BILL_STATE_CANCELLED));
  g_assert_true (pm_bill_state_is_final (PM_BILL_STATE_DESTROYED));
  g_assert_true (pm_bill_state_is_final (PM_BILL_STATE_FAILED));
  g_assert_false (pm_bill_state_is_final (PM_BILL_STATE_PAID));
  g_assert_false (pm_bill_state_is_final (PM_BILL_STATE_UNPAID));
  g_assert_false (pm_bill_state_is_final (PM_BILL_STATE_UNKNOWN));
  g_assert_false (pm_bill_state_is_final (PM_BILL_STATE_QUEUED));
  g_assert_false (pm_bill_state_is_final (PM_BILL_STATE_SENDING));

  /* The GType nicks are the same stable ids */
  klass = g_type_class_ref (PM_TYPE_BILL_STATE);
  for (guint i = 0; i < G_N_ELEMENTS (ids); i++)
    g_assert_cmpstr (g_enum_get_value (klass, (int) i)->value_nick, ==, ids[i]);
  g_type_class_unref (klass);

  g_assert_cmpstr (pm_bill_kind_to_string (PM_BILL_KIND_AUTOPAY), ==, "autopay");
  g_assert_true (pm_bill_kind_from_string ("request", &kind));
  g_assert_cmpint (kind, ==, PM_BILL_KIND_REQUEST);
  g_assert_false (pm_bill_kind_from_string ("other", &kind));
}

static void
test_bill_korea_time (void)
{
  g_autofree char *a = pm_bill_korea_date (NOON_KST);
  /* 2026-06-15 15:00 UTC = 2026-06-16 00:00 KST: already the next day in Korea */
  g_autofree char *b = pm_bill_korea_date (NOON_KST + 12 * 3600);
  g_autofree char *c = pm_bill_korea_date (NOON_KST + 12 * 3600 - 1);

  g_assert_cmpstr (a, ==, "2026-06-15");
  g_assert_cmpstr (b, ==, "2026-06-16");
  g_assert_cmpstr (c, ==, "2026-06-15");
}

static void
test_bill_expired (void)
{
  g_autoptr(PmBill) bill = make_valid_bill ();
  gint64 june30_kst_end = NOON_KST + 15 * 86400 + 12 * 3600 - 1; /* 2026-06-30 23:59:59 KST */

  pm_bill_set_state (bill, PM_BILL_STATE_UNPAID);
  g_assert_false (pm_bill_is_expired (bill, NOON_KST));
  g_assert_false (pm_bill_is_expired (bill, june30_kst_end));
  g_assert_true (pm_bill_is_expired (bill, june30_kst_end + 1));

  /* Only unpaid bills expire */
  pm_bill_set_state (bill, PM_BILL_STATE_PAID);
  g_assert_false (pm_bill_is_expired (bill, june30_kst_end + 1));
  pm_bill_set_state (bill, PM_BILL_STATE_QUEUED);
  g_assert_false (pm_bill_is_expired (bill, june30_kst_end + 1));
}

typedef struct
{
  const char *property;
  const char *value;
  const char *field;     /* NULL: accepted */
  const char *message_has;
} FieldCase;

static void
test_bill_validate_fields (void)
{
  g_autofree char *name_30 = NULL;
  g_autofree char *name_31 = NULL;
  g_autofree char *product_100 = NULL;
  g_autofree char *product_101 = NULL;
  g_autofree char *message_500 = NULL;
  g_autofree char *message_501 = NULL;
  GString *s;

  s = g_string_new (NULL);
  for (int i = 0; i < 30; i++)
    g_string_append (s, "김");
  name_30 = g_strdup (s->str); /* 30 characters, 90 bytes */
  g_string_append (s, "a");
  name_31 = g_string_free (s, FALSE);

  s = g_string_new (NULL);
  for (int i = 0; i < 25; i++)
    g_string_append (s, "가a😀b");
  product_100 = g_strdup (s->str);
  g_string_append (s, "!");
  product_101 = g_string_free (s, FALSE);

  s = g_string_new (NULL);
  for (int i = 0; i < 100; i++)
    g_string_append (s, "안내\n😀🎉");
  message_500 = g_strdup (s->str);
  g_string_append (s, ".");
  message_501 = g_string_free (s, FALSE);

  {
    const FieldCase cases[] = {
      { "payer-name", name_30, NULL, NULL },
      { "payer-name", name_31, "member_nm", "at most 30 characters" },
      { "payer-name", "", "member_nm", "Enter the payer" },
      { "payer-name", "   ", "member_nm", "Enter the payer" },
      { "payer-name", NULL, "member_nm", "Enter the payer" },
      { "payer-name", "Kim\tMin", "member_nm", "control characters" },
      { "payer-name", "Kim\nMin", "member_nm", "control characters" },
      { "payer-name", "Kim Min-ji 김민지", NULL, NULL },
      { "payer-name", "\xff", "member_nm", "UTF-8" },
      { "phone", "010-1234-5678", NULL, NULL },
      { "phone", "011-234-5678", NULL, NULL },
      { "phone", "02-123-4567", "phone", "010-1234-5678" },
      { "phone", "", "phone", "010-1234-5678" },
      { "product", product_100, NULL, NULL },
      { "product", product_101, "product_nm", "at most 100 characters" },
      { "product", "", "product_nm", "what the bill is for" },
      { "product", "a\x01" "b", "product_nm", "control characters" },
      { "message", message_500, NULL, NULL },
      { "message", message_501, "message", "at most 500 characters" },
      { "message", "", "message", "Enter a message" },
      { "message", "line\r\nbreaks are fine", NULL, NULL },
      { "message", "tab\there", "message", "control characters" },
      { "expire-date", "2026-06-15", NULL, NULL },  /* today in Korea */
      { "expire-date", "2026-06-14", "expire_dt", "in the past" },
      { "expire-date", "2027-02-28", NULL, NULL },
      { "expire-date", "2027-06-15", NULL, NULL },  /* 365 days ahead */
      { "expire-date", "2027-06-16", "expire_dt", "at most 365 days" },
      { "expire-date", "2028-02-29", "expire_dt", "at most 365 days" },
      { "expire-date", "9999-12-31", "expire_dt", "2027-06-15 at the latest" },
      { "payer-name", "김영희\xe2\x80\xae" "cba", "member_nm", "U+202E (right-to-left override)" },
      { "product", "\xe2\x81\xa7" "수강료", "product_nm", "U+2067" },
      { "message", "안내\xe2\x80\xad", "message", "U+202D (left-to-right override)" },
      { "expire-date", "2027-02-29", "expire_dt", "real date" },
      { "expire-date", "2026-13-01", "expire_dt", "real date" },
      { "expire-date", "2026-6-30", "expire_dt", "YYYY-MM-DD" },
      { "expire-date", "20260630", "expire_dt", "YYYY-MM-DD" },
      { "expire-date", "2026/06/30", "expire_dt", "YYYY-MM-DD" },
      { "expire-date", "", "expire_dt", "Enter the last day" },
      { "bill-id", "", NULL, NULL },
      { "bill-id", "abcXYZ0123456789abcd", NULL, NULL },
      { "bill-id", "abcXYZ0123456789abcde", "bill_id", "at most 20" },
      { "bill-id", "abc-123", "bill_id", "A–Z" },
      { "bill-id", "가나다", "bill_id", "A–Z" },
    };

    for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
      {
        g_autoptr(PmBill) bill = make_valid_bill ();
        g_autoptr(GError) error = NULL;
        gboolean ok;

        g_test_message ("case %u: %s", i, cases[i].property);
        g_object_set (bill, cases[i].property, cases[i].value, NULL);
        ok = pm_bill_validate_at (bill, NOON_KST, &error);
        if (cases[i].field == NULL)
          {
            g_assert_no_error (error);
            g_assert_true (ok);
          }
        else
          {
            g_assert_error (error, PM_ERROR, PM_ERROR_INVALID);
            g_assert_false (ok);
            g_assert_cmpstr (pm_error_get_field (error), ==, cases[i].field);
            if (strstr (error->message, cases[i].message_has) == NULL)
              g_error ("case %u: “%s” lacks “%s”", i, error->message, cases[i].message_has);
          }
      }
  }
}

static void
test_bill_validate_price (void)
{
  static const struct
  {
    gint64      price;
    const char *message_has;
  } cases[] = {
    { 1, NULL },
    { 9999999999, NULL },
    { 0, "at least ₩1" },
    { -1, "negative" },
    { 10000000000, "at most ₩9,999,999,999" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(PmBill) bill = make_valid_bill ();
      g_autoptr(GError) error = NULL;

      pm_bill_set_price (bill, cases[i].price);
      if (cases[i].message_has == NULL)
        {
          g_assert_true (pm_bill_validate_at (bill, NOON_KST, &error));
          g_assert_no_error (error);
        }
      else
        {
          g_assert_false (pm_bill_validate_at (bill, NOON_KST, &error));
          g_assert_error (error, PM_ERROR, PM_ERROR_INVALID);
          g_assert_cmpstr (pm_error_get_field (error), ==, "price");
          g_assert_nonnull (strstr (error->message, cases[i].message_has));
        }
    }
}

static void
test_bill_validate_autopay (void)
{
  g_autoptr(PmBill) bill = make_valid_bill ();
  g_autoptr(GError) error = NULL;

  pm_bill_set_kind (bill, PM_BILL_KIND_AUTOPAY);
  g_assert_false (pm_bill_validate_at (bill, NOON_KST, &error));
  g_assert_error (error, PM_ERROR, PM_ERROR_INVALID);
  g_assert_cmpstr (pm_error_get_field (error), ==, "method_id");
  g_clear_error (&error);

  pm_bill_set_method_id (bill, "M123");
  g_assert_true (pm_bill_validate_at (bill, NOON_KST, &error));
  g_assert_no_error (error);
  g_assert_true (pm_bill_validate_at (bill, NOON_KST, NULL));

  /* pm_bill_validate() uses the real clock: a date far ahead is too far */
  pm_bill_set_expire_date (bill, "2999-12-31");
  g_assert_false (pm_bill_validate (bill, NULL));
  pm_bill_set_expire_date (bill, "2000-01-01");
  g_assert_false (pm_bill_validate (bill, NULL));
}

static void
test_bill_generate_id (void)
{
  g_autoptr(GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  guint counts[36] = { 0 };

  for (int i = 0; i < 2000; i++)
    {
      char *id = pm_bill_generate_id ();

      g_assert_cmpuint (strlen (id), ==, 20);
      for (int j = 0; j < 20; j++)
        {
          g_assert_true (g_ascii_isdigit (id[j]) || g_ascii_isupper (id[j]));
          counts[g_ascii_isdigit (id[j]) ? 26 + id[j] - '0' : id[j] - 'A']++;
        }
      g_assert_true (pm_bill_check_bill_id (id, NULL));
      g_assert_false (g_hash_table_contains (seen, id));
      g_hash_table_add (seen, id);
    }
  /* 40,000 characters over 36 symbols: each expected ~1111; all must appear often */
  for (int k = 0; k < 36; k++)
    g_assert_cmpuint (counts[k], >, 800);
}

int
main (int   argc,
      char *argv[])
{
  pm_test_init (&argc, &argv);

  g_test_add_func ("/bill/properties", test_bill_properties);
  g_test_add_func ("/bill/copy", test_bill_copy);
  g_test_add_func ("/bill/states", test_bill_states);
  g_test_add_func ("/bill/korea-time", test_bill_korea_time);
  g_test_add_func ("/bill/expired", test_bill_expired);
  g_test_add_func ("/bill/validate/fields", test_bill_validate_fields);
  g_test_add_func ("/bill/validate/price", test_bill_validate_price);
  g_test_add_func ("/bill/validate/autopay", test_bill_validate_autopay);
  g_test_add_func ("/bill/generate-id", test_bill_generate_id);

  return g_test_run ();
}
