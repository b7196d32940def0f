/* test-send-form.c — the rules of the New Request form, without a display
 *
 * Copyright 2026 The Paymint Desk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <sys/stat.h>
#include <glib/gstdio.h>

#include "pm-error.h"
#include "pm-sandbox.h"
#include "pm-send-form.h"
#include "pm-service.h"
#include "pm-test-util.h"

/* 2026-11-20 12:00 in Korea (03:00 UTC): dates in these tests do not move with the clock */
#define NOON_KST G_GINT64_CONSTANT (1795143600)

static PmSandbox *sandbox;
static PmService *service;
static PmProfile *profile;
static char *dir;

static const char *
err (PmSendForm      *form,
     PmSendFormField  field)
{
  return pm_send_form_get_error (form, field);
}

static void
assert_error_has (PmSendForm      *form,
                  PmSendFormField  field,
                  const char      *part)
{
  const char *error = err (form, field);

  if (error == NULL || strstr (error, part) == NULL)
    g_error ("%s: expected an error with “%s”, got “%s”", pm_send_form_field_to_string (field),
             part, error != NULL ? error : "(none)");
}

static PmSendForm *
new_form (void)
{
  PmSendForm *form = pm_send_form_new (NULL, NULL);

  pm_send_form_set_now (form, NOON_KST);
  return form;
}

static void
fill_good (PmSendForm *form,
           const char *phone,
           const char *amount)
{
  g_object_set (form,
                "payer-name", "김민지",
                "phone", phone,
                "amount-text", amount,
                "reason", "11월 수강료",
                "message", "결제 부탁드립니다.",
                NULL);
}

/* ---- each field's rule ---- */

static void
test_fresh (void)
{
  PmSendForm *form = new_form ();
  g_autofree char *expire = NULL;
  GDate first, last;

  /* nothing typed, nothing judged */
  for (int f = 0; f < PM_SEND_FORM_N_FIELDS; f++)
    g_assert_null (err (form, (PmSendFormField) f));
  g_assert_null (pm_send_form_get_amount_words (form));
  g_assert_null (pm_send_form_get_phone_warning (form));
  g_assert_true (pm_send_form_get_can_send (form));
  g_assert_false (pm_send_form_get_filled (form));
  g_assert_cmpint (pm_send_form_get_stage (form), ==, PM_SEND_FORM_STAGE_EDITING);

  /* the last day starts a week out, and says so */
  g_object_get (form, "expire-date", &expire, NULL);
  g_assert_cmpstr (expire, ==, "2026-11-27");
  g_assert_cmpstr (pm_send_form_get_expire_date_hint (form), ==,
                   "The payer can pay for 7 more days after today.");

  /* the days a date may be: today to 365 days ahead, Korea time */
  pm_send_form_get_expire_range (form, &first, &last);
  g_assert_cmpint (g_date_get_year (&first), ==, 2026);
  g_assert_cmpint (g_date_get_month (&first), ==, 11);
  g_assert_cmpint (g_date_get_day (&first), ==, 20);
  g_assert_cmpint (g_date_days_between (&first, &last), ==, 365);
  g_assert_finalize_object (form);
}

static void
test_payer_name (void)
{
  PmSendForm *form = new_form ();
  g_autofree char *name31 = g_strnfill (31, 'a');

  /* blank and untouched: not yet an error, not even after leaving it empty */
  pm_send_form_set_text (form, PM_SEND_FORM_FIELD_PAYER_NAME, "   ");
  g_assert_null (err (form, PM_SEND_FORM_FIELD_PAYER_NAME));
  pm_send_form_leave_field (form, PM_SEND_FORM_FIELD_PAYER_NAME);
  g_assert_false (pm_send_form_is_touched (form, PM_SEND_FORM_FIELD_PAYER_NAME));
  g_assert_null (err (form, PM_SEND_FORM_FIELD_PAYER_NAME));

  /* too long or with a control character: shown as typed */
  pm_send_form_set_text (form, PM_SEND_FORM_FIELD_PAYER_NAME, name31);
  assert_error_has (form, PM_SEND_FORM_FIELD_PAYER_NAME, "at most 30 characters long; it has 31");
  pm_send_form_set_text (form, PM_SEND_FORM_FIELD_PAYER_NAME, "김\t민지");
  assert_error_has (form, PM_SEND_FORM_FIELD_PAYER_NAME, "control characters");
  pm_send_form_set_text (form, PM_SEND_FORM_FIELD_PAYER_NAME, "김민지 🙂");
  g_assert_null (err (form, PM_SEND_FORM_FIELD_PAYER_NAME));

  /* once touched, an empty name is an error */
  pm_send_form_leave_field (form, PM_SEND_FORM_FIELD_PAYER_NAME);
  g_assert_true (pm_send_form_is_touched (form, PM_SEND_FORM_FIELD_PAYER_NAME));
  pm_send_form_set_text (form, PM_SEND_FORM_FIELD_PAYER_NAME, "");
  assert_error_has (form, PM_SEND_FORM_FIELD_PAYER_NAME, "Enter the payer’s name");
  g_assert_finalize_object (form);
}

static void
test_phone (void)
{
  PmSendForm *form = new_form ();

  /* unfinished: no error while typing */
  pm_send_form_set_text (form, PM_SEND_FORM_FIELD_PHONE, "010-12");
  g_assert_null (err (form, PM_SEND_FORM_FIELD_PHONE));
  /* wrong at once: shown at once */
  pm_send_form_set_text (form, PM_SEND_FORM_FIELD_PHONE, "02-123-4567");
  assert_error_has (form, PM_SEND_FORM_FIELD_PHONE, "not a Korean mobile number");
  pm_send_form_set_text (form, PM_SEND_FORM_FIELD_PHONE, "010-abcd-5678");
  assert_error_has (form, PM_SEND_FORM_FIELD_PHONE, "only digits");
  pm_send_form_set_text (form, PM_SEND_FORM_FIELD_PHONE, "010-1234-56789");
  assert_error_has (form, PM_SEND_FORM_FIELD_PHONE, "too long");
  /* leaving an unfinished number makes it an error */
  pm_send_form_set_text (form, PM_SEND_FORM_FIELD_PHONE, "010123");
  g_assert_null (err (form, PM_SEND_FORM_FIELD_PHONE));
  pm_send_form_leave_field (form, PM_SEND_FORM_FIELD_PHONE);
  assert_error_has (form, PM_SEND_FORM_FIELD_PHONE, "too short");

  /* an old-style number is a warning, not an error */
  pm_send_form_set_text (form, PM_SEND_FORM_FIELD_PHONE, "011-234-5678");
  g_assert_null (err (form, PM_SEND_FORM_FIELD_PHONE));
  g_assert_nonnull (strstr (pm_send_form_get_phone_warning (form), "old-style"));

  /* a good number is shown in its usual form when the field is left */
  pm_send_form_set_text (form, PM_SEND_FORM_FIELD_PHONE, " 01011112222 ");
  g_assert_null (pm_send_form_get_phone_warning (form));
  pm_send_form_leave_field (form, PM_SEND_FORM_FIELD_PHONE);
  g_assert_cmpstr (pm_send_form_get_text (form, PM_SEND_FORM_FIELD_PHONE), ==, "010-1111-2222");
  g_assert_null (err (form, PM_SEND_FORM_FIELD_PHONE));
  g_assert_finalize_object (form);
}

static void
test_amount (void)
{
  PmSendForm *form = new_form ();
  const struct
  {
    const char *text;
    const char *error;
  } bad[] = {
    { "0", "at least ₩1" },
    { "-5", "cannot be negative" },
    { "12345678901", "at most ₩9,999,999,999" },
    { "12a", "digits only" },
    { "1.5", "remove the decimal part" },
    { "1,23,000", "every three digits" },
    { "만원", "digits only" },
  };

  /* read back in Korean words as it is typed */
  pm_send_form_set_text (form, PM_SEND_FORM_FIELD_AMOUNT, "120000");
  g_assert_null (err (form, PM_SEND_FORM_FIELD_AMOUNT));
  g_assert_cmpstr (pm_send_form_get_amount_words (form), ==, "십이만 원");
  pm_send_form_set_text (form, PM_SEND_FORM_FIELD_AMOUNT, "₩1,000,000");
  g_assert_cmpstr (pm_send_form_get_amount_words (form), ==, "백만 원");

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      pm_send_form_set_text (form, PM_SEND_FORM_FIELD_AMOUNT, bad[i].text);
      assert_error_has (form, PM_SEND_FORM_FIELD_AMOUNT, bad[i].error);
      g_assert_null (pm_send_form_get_amount_words (form));
    }

  /* left: shown as money; emptied after that: an error */
  pm_send_form_set_text (form, PM_SEND_FORM_FIELD_AMOUNT, "98000");
  pm_send_form_leave_field (form, PM_SEND_FORM_FIELD_AMOUNT);
  g_assert_cmpstr (pm_send_form_get_text (form, PM_SEND_FORM_FIELD_AMOUNT), ==, "₩98,000");
  g_assert_cmpstr (pm_send_form_get_amount_words (form), ==, "구만 팔천 원");
  pm_send_form_set_text (form, PM_SEND_FORM_FIELD_AMOUNT, "");
  assert_error_has (form, PM_SEND_FORM_FIELD_AMOUNT, "Enter the amount");
  g_assert_finalize_object (form);
}

static void
test_reason_and_message (void)
{
  PmSendForm *form = new_form ();
  g_autofree char *reason101 = g_strnfill (101, 'p');
  g_autofree char *message501 = g_strnfill (501, 'm');

  pm_send_form_set_text (form, PM_SEND_FORM_FIELD_REASON, reason101);
  assert_error_has (form, PM_SEND_FORM_FIELD_REASON, "at most 100 characters long; it has 101");
  pm_send_form_set_text (form, PM_SEND_FORM_FIELD_REASON, "피아노 🎹 lessons");
  g_assert_null (err (form, PM_SEND_FORM_FIELD_REASON));

  /* whatever reaches the message counts as touched: emptying it is an error at once */
  pm_send_form_set_text (form, PM_SEND_FORM_FIELD_MESSAGE, "안녕하세요");
  g_assert_null (err (form, PM_SEND_FORM_FIELD_MESSAGE));
  pm_send_form_set_text (form, PM_SEND_FORM_FIELD_MESSAGE, "");
  assert_error_has (form, PM_SEND_FORM_FIELD_MESSAGE, "Enter a message");
  pm_send_form_set_text (form, PM_SEND_FORM_FIELD_MESSAGE, message501);
  assert_error_has (form, PM_SEND_FORM_FIELD_MESSAGE, "at most 500 characters long; it has 501");
  /* a placeholder no template filled */
  pm_send_form_set_text (form, PM_SEND_FORM_FIELD_MESSAGE, "{이름}님 결제 부탁드립니다");
  assert_error_has (form, PM_SEND_FORM_FIELD_MESSAGE, "still holds {이름}: enter the payer’s name");
  pm_send_form_set_text (form, PM_SEND_FORM_FIELD_MESSAGE, "{금액} 결제 부탁드립니다");
  assert_error_has (form, PM_SEND_FORM_FIELD_MESSAGE, "still holds {금액}: enter the amount");
  pm_send_form_set_text (form, PM_SEND_FORM_FIELD_MESSAGE, "{월}월 수강료");
  assert_error_has (form, PM_SEND_FORM_FIELD_MESSAGE, "still holds {월}");
  pm_send_form_set_text (form, PM_SEND_FORM_FIELD_MESSAGE, "안녕하세요 🙂\n결제 부탁드립니다.");
  g_assert_null (err (form, PM_SEND_FORM_FIELD_MESSAGE));
  g_assert_finalize_object (form);
}

static void
test_expire_date (void)
{
  PmSendForm *form = new_form ();

  pm_send_form_set_text (form, PM_SEND_FORM_FIELD_EXPIRE_DATE, "2026-11-19");
  assert_error_has (form, PM_SEND_FORM_FIELD_EXPIRE_DATE, "cannot be in the past");
  g_assert_null (pm_send_form_get_expire_date_hint (form));
  pm_send_form_set_text (form, PM_SEND_FORM_FIELD_EXPIRE_DATE, "2025-10-16");
  assert_error_has (form, PM_SEND_FORM_FIELD_EXPIRE_DATE, "cannot be in the past");
  /* 365 days ahead is the last day allowed */
  pm_send_form_set_text (form, PM_SEND_FORM_FIELD_EXPIRE_DATE, "2027-11-20");
  g_assert_null (err (form, PM_SEND_FORM_FIELD_EXPIRE_DATE));
  g_assert_cmpstr (pm_send_form_get_expire_date_hint (form), ==,
                   "The payer can pay for 365 more days after today.");
  pm_send_form_set_text (form, PM_SEND_FORM_FIELD_EXPIRE_DATE, "2027-11-21");
  assert_error_has (form, PM_SEND_FORM_FIELD_EXPIRE_DATE, "at most 365 days ahead");
  pm_send_form_set_text (form, PM_SEND_FORM_FIELD_EXPIRE_DATE, "2026-02-30");
  assert_error_has (form, PM_SEND_FORM_FIELD_EXPIRE_DATE, "real date");
  /* today: until the end of the day */
  pm_send_form_set_text (form, PM_SEND_FORM_FIELD_EXPIRE_DATE, "2026-11-20");
  g_assert_null (err (form, PM_SEND_FORM_FIELD_EXPIRE_DATE));
  g_assert_cmpstr (pm_send_form_get_expire_date_hint (form), ==,
                   "The payer can pay until the end of today (Korea time).");
  pm_send_form_set_text (form, PM_SEND_FORM_FIELD_EXPIRE_DATE, "2026-11-21");
  g_assert_cmpstr (pm_send_form_get_expire_date_hint (form), ==,
                   "The payer can pay for 1 more day after today.");

  /* the day turns (the form stays open overnight): yesterday's choice becomes wrong */
  pm_send_form_set_text (form, PM_SEND_FORM_FIELD_EXPIRE_DATE, "2026-11-20");
  pm_send_form_set_now (form, NOON_KST + 86400);
  assert_error_has (form, PM_SEND_FORM_FIELD_EXPIRE_DATE, "cannot be in the past");
  g_assert_finalize_object (form);
}

static void
count_cb (GObject    *object,
          GParamSpec *pspec,
          guint      *n)
{
  (*n)++;
}

static void
test_notify_on_change_only (void)
{
  PmSendForm *form = new_form ();
  guint n_words = 0, n_error = 0, n_text = 0, n_filled = 0;

  g_signal_connect (form, "notify::amount-words", G_CALLBACK (count_cb), &n_words);
  g_signal_connect (form, "notify::amount-error", G_CALLBACK (count_cb), &n_error);
  g_signal_connect (form, "notify::amount-text", G_CALLBACK (count_cb), &n_text);
  g_signal_connect (form, "notify::filled", G_CALLBACK (count_cb), &n_filled);

  g_object_set (form, "amount-text", "120000", NULL);
  g_assert_cmpuint (n_text, ==, 1);
  g_assert_cmpuint (n_words, ==, 1);
  g_assert_cmpuint (n_error, ==, 0);
  g_assert_cmpuint (n_filled, ==, 1);
  /* the same text again: nothing changes, nothing is notified */
  g_object_set (form, "amount-text", "120000", NULL);
  g_assert_cmpuint (n_text, ==, 1);
  g_assert_cmpuint (n_words, ==, 1);
  /* another wrong text with the same message: the error is not notified again */
  g_object_set (form, "amount-text", "12a", NULL);
  g_assert_cmpuint (n_words, ==, 2);
  g_assert_cmpuint (n_error, ==, 1);
  g_object_set (form, "amount-text", "13a", NULL);
  g_assert_cmpuint (n_error, ==, 1);
  g_assert_cmpuint (n_filled, ==, 1);
  g_assert_finalize_object (form);
}

static void
test_filled (void)
{
  PmSendForm *form = new_form ();

  /* choosing a date alone is nothing to keep */
  pm_send_form_set_text (form, PM_SEND_FORM_FIELD_EXPIRE_DATE, "2026-12-01");
  g_assert_false (pm_send_form_get_filled (form));
  pm_send_form_set_text (form, PM_SEND_FORM_FIELD_NOTE, "현금영수증");
  g_assert_true (pm_send_form_get_filled (form));
  pm_send_form_set_text (form, PM_SEND_FORM_FIELD_NOTE, " \u3000");
  g_assert_false (pm_send_form_get_filled (form));
  pm_send_form_set_text (form, PM_SEND_FORM_FIELD_PHONE, "010");
  g_assert_true (pm_send_form_get_filled (form));
  g_assert_finalize_object (form);
}

/* ---- templates ---- */

static GVariant *
two_templates (void)
{
  return g_variant_new_parsed ("[('수강료', '{이름}님, {월}월 수강료 {금액}을 결제 부탁드립니다.'), "
                               "('짧은 안내', '결제 부탁드립니다.')]");
}

static void
test_templates (void)
{
  PmSendForm *form = new_form ();
  guint n_count = 0;

  g_signal_connect (form, "notify::n-templates", G_CALLBACK (count_cb), &n_count);
  g_assert_false (pm_send_form_apply_template (form, 0));
  g_object_set (form, "templates", two_templates (), NULL);
  g_assert_cmpuint (pm_send_form_get_n_templates (form), ==, 2);
  g_assert_cmpuint (n_count, ==, 1);
  g_assert_false (pm_send_form_apply_template (form, 2));

  /* placeholders not known yet stay, and say what is missing */
  g_assert_true (pm_send_form_apply_template (form, 0));
  g_assert_cmpstr (pm_send_form_get_text (form, PM_SEND_FORM_FIELD_MESSAGE), ==,
                   "{이름}님, 11월 수강료 {금액}을 결제 부탁드립니다.");
  assert_error_has (form, PM_SEND_FORM_FIELD_MESSAGE, "still holds {이름}");

  /* the message follows the name and amount as they are typed */
  pm_send_form_set_text (form, PM_SEND_FORM_FIELD_PAYER_NAME, "Kim 민지");
  pm_send_form_set_text (form, PM_SEND_FORM_FIELD_AMOUNT, "120000");
  g_assert_cmpstr (pm_send_form_get_text (form, PM_SEND_FORM_FIELD_MESSAGE), ==,
                   "Kim 민지님, 11월 수강료 120,000원을 결제 부탁드립니다.");
  g_assert_null (err (form, PM_SEND_FORM_FIELD_MESSAGE));
  pm_send_form_leave_field (form, PM_SEND_FORM_FIELD_AMOUNT);
  pm_send_form_set_text (form, PM_SEND_FORM_FIELD_AMOUNT, "130000");
  g_assert_cmpstr (pm_send_form_get_text (form, PM_SEND_FORM_FIELD_MESSAGE), ==,
                   "Kim 민지님, 11월 수강료 130,000원을 결제 부탁드립니다.");

  /* until the clerk edits it: then it is theirs */
  pm_send_form_set_text (form, PM_SEND_FORM_FIELD_MESSAGE,
                         "Kim 민지님, 11월 수강료 130,000원입니다.");
  pm_send_form_set_text (form, PM_SEND_FORM_FIELD_AMOUNT, "140000");
  g_assert_cmpstr (pm_send_form_get_text (form, PM_SEND_FORM_FIELD_MESSAGE), ==,
                   "Kim 민지님, 11월 수강료 130,000원입니다.");

  /* the templates change (Preferences): the count follows */
  g_object_set (form, "templates", g_variant_new_parsed ("@a(ss) []"), NULL);
  g_assert_cmpuint (pm_send_form_get_n_templates (form), ==, 0);
  g_assert_cmpuint (n_count, ==, 2);
  g_assert_finalize_object (form);
}

/* ---- the draft ---- */

static char *
draft_path (const char *name)
{
  return g_build_filename (dir, "drafts", name, NULL);
}

static gboolean
path_exists (const char *path)
{
  return g_file_test (path, G_FILE_TEST_EXISTS);
}

static void
test_draft (void)
{
  g_autofree char *path = draft_path ("draft.ini");
  PmSendForm *form = pm_send_form_new (NULL, path);
  g_autoptr(GError) error = NULL;
  guint n_restored = 0;
  GStatBuf st;

  /* nothing typed: nothing kept */
  g_assert_true (pm_send_form_save_draft (form, &error));
  g_assert_no_error (error);
  g_assert_false (path_exists (path));
  g_assert_false (pm_send_form_restore_draft (form));

  g_object_set (form, "templates", two_templates (), NULL);
  pm_send_form_set_text (form, PM_SEND_FORM_FIELD_PAYER_NAME, "이서준");
  pm_send_form_set_text (form, PM_SEND_FORM_FIELD_PHONE, "010-3333-44");
  pm_send_form_set_text (form, PM_SEND_FORM_FIELD_AMOUNT, "35000");
  pm_send_form_apply_template (form, 0);
  pm_send_form_set_text (form, PM_SEND_FORM_FIELD_EXPIRE_DATE, "2026-12-31");
  pm_send_form_set_text (form, PM_SEND_FORM_FIELD_NOTE, "두 줄\n메모 = [x]");
  g_assert_true (pm_send_form_save_draft (form, &error));
  g_assert_no_error (error);
  g_assert_true (path_exists (path));
  /* payers' names and numbers: readable by this user only */
  g_assert_cmpint (g_stat (path, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0600);
  g_assert_finalize_object (form);

  /* a new form brings it all back, and judges it at once */
  form = pm_send_form_new (NULL, path);
  g_object_set (form, "templates", two_templates (), NULL);
  g_signal_connect (form, "notify::draft-restored", G_CALLBACK (count_cb), &n_restored);
  g_assert_false (pm_send_form_get_draft_restored (form));
  g_assert_true (pm_send_form_restore_draft (form));
  g_assert_true (pm_send_form_get_draft_restored (form));
  g_assert_cmpuint (n_restored, ==, 1);
  g_assert_cmpstr (pm_send_form_get_text (form, PM_SEND_FORM_FIELD_PAYER_NAME), ==, "이서준");
  g_assert_cmpstr (pm_send_form_get_text (form, PM_SEND_FORM_FIELD_AMOUNT), ==, "35000");
  g_assert_cmpstr (pm_send_form_get_text (form, PM_SEND_FORM_FIELD_EXPIRE_DATE), ==,
                   "2026-12-31");
  g_assert_cmpstr (pm_send_form_get_text (form, PM_SEND_FORM_FIELD_NOTE), ==,
                   "두 줄\n메모 = [x]");
  g_assert_true (pm_send_form_get_filled (form));
  assert_error_has (form, PM_SEND_FORM_FIELD_PHONE, "too short");
  /* the message still follows the name, as before the form was closed */
  pm_send_form_set_text (form, PM_SEND_FORM_FIELD_PAYER_NAME, "이서윤");
  g_assert_true (g_str_has_prefix (pm_send_form_get_text (form, PM_SEND_FORM_FIELD_MESSAGE),
                                   "이서윤님, "));
  g_assert_nonnull (strstr (pm_send_form_get_text (form, PM_SEND_FORM_FIELD_MESSAGE),
                            "35,000원을"));

  /* Start Over: empty, untouched, the default date, and no draft */
  pm_send_form_clear (form);
  g_assert_false (path_exists (path));
  g_assert_false (pm_send_form_get_draft_restored (form));
  g_assert_false (pm_send_form_get_filled (form));
  g_assert_cmpstr (pm_send_form_get_text (form, PM_SEND_FORM_FIELD_NOTE), ==, "");
  g_assert_null (err (form, PM_SEND_FORM_FIELD_PHONE));
  g_assert_null (err (form, PM_SEND_FORM_FIELD_EXPIRE_DATE));
  g_assert_false (pm_send_form_is_touched (form, PM_SEND_FORM_FIELD_PAYER_NAME));
  g_assert_finalize_object (form);
}

static gboolean
exists_cb (gpointer data)
{
  return path_exists (data);
}

static void
test_draft_autosave (void)
{
  g_autofree char *path = draft_path ("autosave.ini");
  g_autofree char *deep = g_build_filename (dir, "new", "folder", "draft.ini", NULL);
  PmSendForm *form = pm_send_form_new (NULL, path);
  g_autoptr(GError) error = NULL;

  /* a moment after typing, the draft is on disk */
  pm_send_form_set_text (form, PM_SEND_FORM_FIELD_PAYER_NAME, "박지호");
  g_assert_false (path_exists (path));
  pm_test_spin_until (exists_cb, path, 5000);

  /* emptying the form removes it */
  pm_send_form_set_text (form, PM_SEND_FORM_FIELD_PAYER_NAME, "");
  pm_test_spin (1200);
  g_assert_false (path_exists (path));

  /* a change not yet written is written when the form goes (with its window) */
  pm_send_form_set_text (form, PM_SEND_FORM_FIELD_REASON, "교재비");
  g_assert_false (path_exists (path));
  g_assert_finalize_object (form);
  g_assert_true (path_exists (path));
  g_unlink (path);

  /* the folder is made when missing */
  form = pm_send_form_new (NULL, deep);
  pm_send_form_set_text (form, PM_SEND_FORM_FIELD_NOTE, "메모");
  g_assert_true (pm_send_form_save_draft (form, &error));
  g_assert_no_error (error);
  g_assert_true (path_exists (deep));
  g_assert_finalize_object (form);

  /* a form without a path keeps nothing, and says so by doing nothing */
  form = pm_send_form_new (NULL, NULL);
  pm_send_form_set_text (form, PM_SEND_FORM_FIELD_NOTE, "메모");
  g_assert_true (pm_send_form_save_draft (form, &error));
  g_assert_false (pm_send_form_restore_draft (form));
  g_assert_finalize_object (form);
}

static void
test_draft_unreadable (void)
{
  g_autofree char *path = draft_path ("broken.ini");
  PmSendForm *form;

  g_assert_true (g_file_set_contents (path, "not [ a key file\n\xff\xfe", -1, NULL));
  form = pm_send_form_new (NULL, path);
  g_assert_false (pm_send_form_restore_draft (form));
  g_assert_false (pm_send_form_get_filled (form));
  g_assert_finalize_object (form);

  /* invalid UTF-8 in a value is dropped, the rest restored */
  g_assert_true (g_file_set_contents (path, "[draft]\npayer-name=\xff\xfe\nreason=교재비\n", -1,
                                      NULL));
  form = pm_send_form_new (NULL, path);
  g_assert_true (pm_send_form_restore_draft (form));
  g_assert_cmpstr (pm_send_form_get_text (form, PM_SEND_FORM_FIELD_PAYER_NAME), ==, "");
  g_assert_cmpstr (pm_send_form_get_text (form, PM_SEND_FORM_FIELD_REASON), ==, "교재비");
  /* no date kept: the default */
  g_assert_nonnull (pm_send_form_get_text (form, PM_SEND_FORM_FIELD_EXPIRE_DATE));
  g_assert_cmpuint (strlen (pm_send_form_get_text (form, PM_SEND_FORM_FIELD_EXPIRE_DATE)), ==,
                    10);
  g_assert_finalize_object (form);
  g_unlink (path);
}

/* ---- sending, through the service and the sandbox ---- */

typedef struct
{
  gboolean  done;
  PmBill   *bill;
  gboolean  unknown;
  GError   *error;
} Wait;

static void
sent_cb (GObject      *object,
         GAsyncResult *result,
         gpointer      user_data)
{
  Wait *w = user_data;

  w->bill = pm_send_form_send_finish (PM_SEND_FORM (object), result, &w->unknown, &w->error);
  w->done = TRUE;
}

static PmBill *
send_and_wait (PmSendForm *form,
               gboolean   *unknown,
               GError    **error)
{
  Wait w = { 0 };

  pm_send_form_send_async (form, NULL, sent_cb, &w);
  g_assert_cmpint (pm_send_form_get_stage (form), ==, PM_SEND_FORM_STAGE_SENDING);
  g_assert_false (pm_send_form_get_can_send (form));
  g_assert_true (pm_test_wait_flag (&w.done, 30000));
  if (unknown != NULL)
    *unknown = w.unknown;
  if (w.error != NULL)
    g_propagate_error (error, w.error);
  return w.bill;
}

static void
test_not_connected (void)
{
  PmSendForm *form = new_form ();
  g_autoptr(GError) error = NULL;
  PmSendFormField bad = PM_SEND_FORM_FIELD_PHONE;

  fill_good (form, "010-1111-2222", "1000");
  g_assert_null (pm_send_form_begin_send (form, &bad, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_CONNECTED);
  g_assert_cmpint (bad, ==, PM_SEND_FORM_FIELD_NONE);
  g_assert_cmpint (pm_send_form_get_stage (form), ==, PM_SEND_FORM_STAGE_EDITING);
  g_assert_finalize_object (form);
}

static void
test_begin_send (void)
{
  g_autofree char *path = draft_path ("send.ini");
  PmSendForm *form = pm_send_form_new (service, path);
  g_autoptr(GError) error = NULL;
  g_autoptr(PmBill) sent = NULL;
  g_autofree char *first_id = NULL;
  guint before = pm_sandbox_count_bills (sandbox);
  guint n_stage = 0;
  PmSendFormField bad = PM_SEND_FORM_FIELD_NONE;
  gboolean unknown = TRUE;
  PmBill *draft;

  g_signal_connect (form, "notify::stage", G_CALLBACK (count_cb), &n_stage);

  /* the first wrong field stops it, with its message; untouched ones now show theirs */
  pm_send_form_set_text (form, PM_SEND_FORM_FIELD_AMOUNT, "12a");
  g_assert_null (pm_send_form_begin_send (form, &bad, &error));
  g_assert_error (error, PM_ERROR, PM_ERROR_INVALID);
  g_assert_cmpint (bad, ==, PM_SEND_FORM_FIELD_PAYER_NAME);
  g_assert_cmpint (pm_send_form_field_from_error (error), ==, PM_SEND_FORM_FIELD_PAYER_NAME);
  assert_error_has (form, PM_SEND_FORM_FIELD_PAYER_NAME, "Enter the payer’s name");
  assert_error_has (form, PM_SEND_FORM_FIELD_PHONE, "Enter the payer’s mobile number");
  assert_error_has (form, PM_SEND_FORM_FIELD_AMOUNT, "digits only");
  assert_error_has (form, PM_SEND_FORM_FIELD_REASON, "Enter what the bill is for");
  assert_error_has (form, PM_SEND_FORM_FIELD_MESSAGE, "Enter a message");
  g_assert_cmpint (pm_send_form_get_stage (form), ==, PM_SEND_FORM_STAGE_EDITING);
  g_assert_cmpuint (n_stage, ==, 0);
  g_clear_error (&error);

  /* all good: confirming, with the draft as it will be sent */
  fill_good (form, " 010 2222 3333 ", "₩45,000");
  pm_send_form_set_text (form, PM_SEND_FORM_FIELD_NOTE, "  ");
  draft = pm_send_form_begin_send (form, &bad, &error);
  g_assert_no_error (error);
  g_assert_nonnull (draft);
  g_assert_cmpint (bad, ==, PM_SEND_FORM_FIELD_NONE);
  g_assert_cmpint (pm_send_form_get_stage (form), ==, PM_SEND_FORM_STAGE_CONFIRMING);
  g_assert_false (pm_send_form_get_can_send (form));
  g_assert_cmpstr (pm_bill_get_phone (draft), ==, "01022223333");
  g_assert_cmpint (pm_bill_get_price (draft), ==, 45000);
  g_assert_cmpstr (pm_bill_get_payer_name (draft), ==, "김민지");
  g_assert_cmpstr (pm_bill_get_product (draft), ==, "11월 수강료");
  g_assert_null (pm_bill_get_note (draft));
  g_assert_cmpuint (strlen (pm_bill_get_bill_id (draft)), ==, 20);
  first_id = g_strdup (pm_bill_get_bill_id (draft));

  /* a second click while confirming does nothing */
  g_assert_null (pm_send_form_begin_send (form, &bad, &error));
  g_assert_no_error (error);
  g_assert_true (pm_send_form_get_draft_bill (form) == draft);

  /* back to editing; the next attempt is a new draft with a new id */
  pm_send_form_cancel_send (form);
  g_assert_cmpint (pm_send_form_get_stage (form), ==, PM_SEND_FORM_STAGE_EDITING);
  g_assert_null (pm_send_form_get_draft_bill (form));
  draft = pm_send_form_begin_send (form, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (pm_bill_get_bill_id (draft), !=, first_id);

  /* sent: done, and the draft file is gone */
  g_assert_true (pm_send_form_save_draft (form, NULL));
  g_assert_true (path_exists (path));
  sent = send_and_wait (form, &unknown, &error);
  g_assert_no_error (error);
  g_assert_nonnull (sent);
  g_assert_false (unknown);
  g_assert_cmpint (pm_bill_get_state (sent), ==, PM_BILL_STATE_UNPAID);
  g_assert_cmpint (pm_send_form_get_stage (form), ==, PM_SEND_FORM_STAGE_DONE);
  g_assert_false (pm_send_form_get_can_send (form));
  g_assert_cmpuint (pm_sandbox_count_bills (sandbox), ==, before + 1);
  g_assert_false (path_exists (path));
  /* nothing more happens: no second send, no draft written again */
  g_assert_null (pm_send_form_begin_send (form, NULL, &error));
  g_assert_no_error (error);
  pm_send_form_set_text (form, PM_SEND_FORM_FIELD_NOTE, "after");
  g_assert_true (pm_send_form_save_draft (form, NULL));
  g_assert_false (path_exists (path));
  g_assert_cmpuint (pm_sandbox_count_bills (sandbox), ==, before + 1);
  g_assert_finalize_object (form);
}

static void
test_refused (void)
{
  g_autofree char *path = draft_path ("refused.ini");
  PmSendForm *form = pm_send_form_new (service, path);
  g_autoptr(GError) error = NULL;
  g_autoptr(PmBill) bill = NULL;
  guint before = pm_sandbox_count_bills (sandbox);

  pm_sandbox_set_balance (sandbox, PM_SANDBOX_DEMO_KEY, 0);
  fill_good (form, "010-2468-1357", "77000");
  g_assert_nonnull (pm_send_form_begin_send (form, NULL, &error));
  bill = send_and_wait (form, NULL, &error);
  g_assert_null (bill);
  g_assert_error (error, PM_ERROR, PM_ERROR_INSUFFICIENT_BALANCE);
  /* nothing was made: the form is editable and its draft is kept */
  g_assert_cmpint (pm_send_form_get_stage (form), ==, PM_SEND_FORM_STAGE_EDITING);
  g_assert_true (pm_send_form_get_can_send (form));
  g_assert_cmpint (pm_send_form_field_from_error (error), ==, PM_SEND_FORM_FIELD_NONE);
  for (int f = 0; f < PM_SEND_FORM_N_FIELDS; f++)
    g_assert_null (err (form, (PmSendFormField) f));
  g_assert_true (pm_send_form_save_draft (form, NULL));
  g_assert_true (path_exists (path));
  g_assert_cmpuint (pm_sandbox_count_bills (sandbox), ==, before);
  g_clear_error (&error);

  /* topped up: the same form sends */
  pm_sandbox_set_balance (sandbox, PM_SANDBOX_DEMO_KEY, 10000000);
  g_assert_nonnull (pm_send_form_begin_send (form, NULL, &error));
  bill = send_and_wait (form, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (bill);
  g_assert_cmpuint (pm_sandbox_count_bills (sandbox), ==, before + 1);
  g_assert_false (path_exists (path));
  g_assert_finalize_object (form);
}

static void
test_outcome_unknown (void)
{
  g_autofree char *path = draft_path ("unknown.ini");
  PmSendForm *form = pm_send_form_new (service, path);
  g_autoptr(GError) error = NULL;
  g_autoptr(PmBill) bill = NULL;
  g_autofree char *bill_id = NULL;
  gboolean unknown = FALSE;

  /* the request is applied, the reply lost, and the reads fail too */
  pm_sandbox_set_fault (sandbox, "request", PM_SANDBOX_FAULT_RESET_AFTER, 1.0);
  pm_sandbox_add_fault (sandbox, "read", PM_SANDBOX_FAULT_HTTP_503, 1.0);
  fill_good (form, "010-8642-9753", "51000");
  bill_id = g_strdup (pm_bill_get_bill_id (pm_send_form_begin_send (form, NULL, &error)));
  g_assert_no_error (error);
  g_assert_true (pm_send_form_save_draft (form, NULL));
  bill = send_and_wait (form, &unknown, &error);
  pm_sandbox_clear_faults (sandbox);
  /* it left the form: the engine finds out, the form never sends it again */
  g_assert_no_error (error);
  g_assert_nonnull (bill);
  g_assert_true (unknown);
  g_assert_cmpstr (pm_bill_get_bill_id (bill), ==, bill_id);
  g_assert_cmpint (pm_bill_get_state (bill), ==, PM_BILL_STATE_UNKNOWN);
  g_assert_cmpint (pm_send_form_get_stage (form), ==, PM_SEND_FORM_STAGE_DONE);
  g_assert_false (pm_send_form_get_can_send (form));
  g_assert_false (path_exists (path));
  g_assert_finalize_object (form);
}

/* ---- the duplicate guard ---- */

static PmBill *
send_one (const char *name,
          const char *phone,
          const char *amount)
{
  PmSendForm *form = pm_send_form_new (service, NULL);
  g_autoptr(GError) error = NULL;
  PmBill *bill;

  fill_good (form, phone, amount);
  pm_send_form_set_text (form, PM_SEND_FORM_FIELD_PAYER_NAME, name);
  g_assert_nonnull (pm_send_form_begin_send (form, NULL, &error));
  g_assert_null (pm_send_form_find_duplicate (form, NULL));
  bill = send_and_wait (form, NULL, &error);
  g_assert_no_error (error);
  g_assert_finalize_object (form);
  return bill;
}

static PmBill *
duplicate_of (const char *phone,
              const char *amount,
              gint64      now,
              gboolean   *same_amount)
{
  PmSendForm *form = pm_send_form_new (service, NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *date = NULL;
  PmBill *earlier;

  if (now != 0)
    pm_send_form_set_now (form, now);
  fill_good (form, phone, amount);
  /* the last day must still be allowed on the day asked about */
  date = pm_bill_korea_date (pm_send_form_get_now (form) + 86400);
  pm_send_form_set_text (form, PM_SEND_FORM_FIELD_EXPIRE_DATE, date);
  g_assert_nonnull (pm_send_form_begin_send (form, NULL, &error));
  g_assert_no_error (error);
  earlier = pm_send_form_find_duplicate (form, same_amount);
  pm_send_form_cancel_send (form);
  g_assert_finalize_object (form);
  return earlier;
}

static void
test_duplicate_guard (void)
{
  g_autoptr(PmBill) sent = send_one ("최유나", "010-7777-8888", "45000");
  g_autoptr(PmBill) earlier = NULL;
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;
  gboolean same_amount = FALSE;

  /* same number, same amount, still unpaid */
  earlier = duplicate_of ("010-7777-8888", "45,000", 0, &same_amount);
  g_assert_nonnull (earlier);
  g_assert_true (same_amount);
  g_assert_cmpstr (pm_bill_get_bill_id (earlier), ==, pm_bill_get_bill_id (sent));
  g_clear_object (&earlier);

  /* another amount to the same number a moment later */
  earlier = duplicate_of ("01077778888", "5000", 0, &same_amount);
  g_assert_nonnull (earlier);
  g_assert_false (same_amount);
  g_clear_object (&earlier);

  /* eleven minutes later another amount is fine; the same unpaid amount is not */
  earlier = duplicate_of ("010-7777-8888", "5000", now + 11 * 60, &same_amount);
  g_assert_null (earlier);
  earlier = duplicate_of ("010-7777-8888", "45000", now + 11 * 60, &same_amount);
  g_assert_nonnull (earlier);
  g_assert_true (same_amount);
  g_clear_object (&earlier);

  /* a week and a day later, neither */
  earlier = duplicate_of ("010-7777-8888", "45000", now + 8 * 86400, &same_amount);
  g_assert_null (earlier);

  /* another number: no question */
  earlier = duplicate_of ("010-7777-8889", "45000", 0, &same_amount);
  g_assert_null (earlier);

  /* a paid bill is no reason to ask about the same amount, but is recent */
  g_assert_true (pm_sandbox_pay_bill (sandbox, pm_bill_get_bill_id (sent)));
  pm_service_refresh_all (service);
  {
    g_autoptr(PmBill) now_recorded = NULL;
    gint64 until = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;

    do
      {
        g_clear_object (&now_recorded);
        pm_test_spin (50);
        now_recorded = pm_service_lookup (service, pm_bill_get_bill_id (sent), NULL);
      }
    while (pm_bill_get_state (now_recorded) != PM_BILL_STATE_PAID
           && g_get_monotonic_time () < until);
    g_assert_cmpint (pm_bill_get_state (now_recorded), ==, PM_BILL_STATE_PAID);
  }
  earlier = duplicate_of ("010-7777-8888", "45000", 0, &same_amount);
  g_assert_nonnull (earlier);
  g_assert_false (same_amount);
  g_clear_object (&earlier);
  earlier = duplicate_of ("010-7777-8888", "45000", now + 11 * 60, &same_amount);
  g_assert_null (earlier);
}

/* ---- recent payers ---- */

static void
test_suggest_payers (void)
{
  g_autoptr(PmBill) sent = send_one ("김하늘", "010-1212-3434", "11000");
  PmSendForm *form = pm_send_form_new (service, NULL);
  g_autoptr(GPtrArray) payers = NULL;
  const PmLedgerPayer *payer = NULL;

  /* nothing typed: nothing offered */
  payers = pm_send_form_suggest_payers (form, PM_SEND_FORM_FIELD_PAYER_NAME, 6);
  g_assert_cmpuint (payers->len, ==, 0);
  g_clear_pointer (&payers, g_ptr_array_unref);

  pm_send_form_set_text (form, PM_SEND_FORM_FIELD_PAYER_NAME, "김하");
  payers = pm_send_form_suggest_payers (form, PM_SEND_FORM_FIELD_PAYER_NAME, 6);
  for (guint i = 0; i < payers->len; i++)
    if (g_strcmp0 (((PmLedgerPayer *) g_ptr_array_index (payers, i))->name, "김하늘") == 0)
      payer = g_ptr_array_index (payers, i);
  g_assert_nonnull (payer);
  g_assert_cmpstr (payer->phone, ==, "01012123434");

  /* picked: name and number filled in, both touched, and not offered again */
  pm_send_form_pick_payer (form, payer->name, payer->phone);
  g_assert_cmpstr (pm_send_form_get_text (form, PM_SEND_FORM_FIELD_PAYER_NAME), ==, "김하늘");
  g_assert_cmpstr (pm_send_form_get_text (form, PM_SEND_FORM_FIELD_PHONE), ==, "010-1212-3434");
  g_assert_true (pm_send_form_is_touched (form, PM_SEND_FORM_FIELD_PHONE));
  g_clear_pointer (&payers, g_ptr_array_unref);
  payers = pm_send_form_suggest_payers (form, PM_SEND_FORM_FIELD_PAYER_NAME, 6);
  for (guint i = 0; i < payers->len; i++)
    g_assert_cmpstr (((PmLedgerPayer *) g_ptr_array_index (payers, i))->name, !=, "김하늘");

  /* by number too */
  pm_send_form_set_text (form, PM_SEND_FORM_FIELD_PAYER_NAME, "");
  pm_send_form_set_text (form, PM_SEND_FORM_FIELD_PHONE, "0101212");
  g_clear_pointer (&payers, g_ptr_array_unref);
  payers = pm_send_form_suggest_payers (form, PM_SEND_FORM_FIELD_PHONE, 6);
  g_assert_cmpuint (payers->len, >=, 1);
  g_assert_cmpstr (((PmLedgerPayer *) g_ptr_array_index (payers, 0))->name, ==, "김하늘");
  g_assert_finalize_object (form);
}

/* ---- set-up ---- */

static void
start_engine (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *url = NULL;
  g_autofree char *ledger = NULL;
  g_autofree char *drafts = NULL;

  dir = g_dir_make_tmp ("send-form-XXXXXX", &error);
  g_assert_no_error (error);
  drafts = g_build_filename (dir, "drafts", NULL);
  g_assert_cmpint (g_mkdir_with_parents (drafts, 0700), ==, 0);

  sandbox = pm_sandbox_new ();
  pm_sandbox_set_seed (sandbox, 11);
  pm_sandbox_set_payers (sandbox, 0.0, 60, 120, 0.0); /* nobody pays by themselves */
  g_assert_true (pm_sandbox_start (sandbox, NULL, 0, &error));
  g_assert_no_error (error);

  ledger = g_build_filename (dir, "ledger.db", NULL);
  service = pm_service_new (ledger, &error);
  g_assert_no_error (error);
  url = pm_sandbox_dup_base_url (sandbox);
  profile = pm_profile_new ();
  pm_profile_set_name (profile, "Sandbox");
  pm_profile_set_base_url (profile, url);
  pm_profile_set_api_key (profile, PM_SANDBOX_DEMO_KEY);
  pm_profile_set_mode (profile, PM_PROFILE_MODE_MMK);
  pm_service_set_profile (service, profile);
  pm_service_set_timeout (service, 2);
}

static void
stop_engine (void)
{
  g_autoptr(GPtrArray) files = pm_test_list_files (dir);

  g_assert_finalize_object (service);
  g_clear_object (&profile);
  pm_sandbox_stop (sandbox);
  g_clear_object (&sandbox);
  for (guint i = 0; i < files->len; i++)
    g_unlink (g_ptr_array_index (files, i));
  {
    g_autofree char *folder = g_build_filename (dir, "new", "folder", NULL);
    g_autofree char *parent = g_build_filename (dir, "new", NULL);
    g_autofree char *drafts = g_build_filename (dir, "drafts", NULL);

    g_rmdir (folder);
    g_rmdir (parent);
    g_rmdir (drafts);
  }
  g_rmdir (dir);
  g_clear_pointer (&dir, g_free);
}

int
main (int   argc,
      char *argv[])
{
  int ret;

  pm_test_init (&argc, &argv);
  start_engine ();

  g_test_add_func ("/send-form/fresh", test_fresh);
  g_test_add_func ("/send-form/payer-name", test_payer_name);
  g_test_add_func ("/send-form/phone", test_phone);
  g_test_add_func ("/send-form/amount", test_amount);
  g_test_add_func ("/send-form/reason-and-message", test_reason_and_message);
  g_test_add_func ("/send-form/expire-date", test_expire_date);
  g_test_add_func ("/send-form/notify-on-change-only", test_notify_on_change_only);
  g_test_add_func ("/send-form/filled", test_filled);
  g_test_add_func ("/send-form/templates", test_templates);
  g_test_add_func ("/send-form/draft", test_draft);
  g_test_add_func ("/send-form/draft-autosave", test_draft_autosave);
  g_test_add_func ("/send-form/draft-unreadable", test_draft_unreadable);
  g_test_add_func ("/send-form/not-connected", test_not_connected);
  g_test_add_func ("/send-form/begin-send", test_begin_send);
  g_test_add_func ("/send-form/refused", test_refused);
  g_test_add_func ("/send-form/outcome-unknown", test_outcome_unknown);
  g_test_add_func ("/send-form/duplicate-guard", test_duplicate_guard);
  g_test_add_func ("/send-form/suggest-payers", test_suggest_payers);

  ret = g_test_run ();
  stop_engine ();
  return ret;
}
