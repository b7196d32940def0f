/* test-catalogue.c — the bad-input catalogue: every input the desk must refuse, and the
 * exact sentence a person is shown for it
 *
 * Copyright 2026 The Paymint Desk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Three areas, one static table each:
 *   form  — the New Request form's fields through the bill's checks, the phone parser and
 *           the money parser (and a whole bill through pm_bill_validate_at());
 *   csv   — files through the CSV reader of bulk send: file-level refusals and the
 *           "row R, column C: …" lines of its report; and spreadsheets (.xlsx, whose
 *           first sheet is given here as XML and zipped with libarchive, or raw bytes
 *           named 청구.xlsx) through pm_csv_import_path;
 *   reply — server replies: what a reply to a send means, the error for an HTTP status,
 *           reading a bill, the limits of a reply, payment links and server text.
 * Every case is its own GTest path (/catalogue/<area>/<case>) and asserts the outcome, the
 * field (pm_error_get_field()) and the full message — never a part of it — so a changed
 * message, or an input that stops being refused, fails exactly that case.
 *
 * Dates are relative to a fixed "now", 2026-06-15 12:00 in Korea: in inputs and messages
 * "{today}", "{today+N}", "{today-N}" are Korea dates computed here, independently of the
 * code under test; "{N*s}" is s repeated N times.
 *
 * PM_CATALOGUE_MARKDOWN=1 prints the catalogue as a Markdown table instead of running it
 * (tests/core/CATALOGUE.md is that output).
 */

#include "config.h"

#include "pm-api.h"
#include "pm-bill.h"
#include "pm-csv.h"
#include "pm-error.h"
#include "pm-money.h"
#include "pm-phone.h"
#include "pm-text.h"
#include "pm-test-util.h"

#include <archive.h>
#include <archive_entry.h>
#include <locale.h>
#include <stdlib.h>
#include <string.h>

/* 2026-06-15 12:00 KST (03:00 UTC) */
#define NOW G_GINT64_CONSTANT (1781492400)

#define SENT "BILL0000000000000001"

/* ---------------------------------------------------------------------------------
 * Templates: {today±N} and {N*s}
 * ------------------------------------------------------------------------------ */

static char *
korea_date (int days)
{
  g_autoptr(GTimeZone) tz = g_time_zone_new_offset (9 * 3600);
  g_autoptr(GDateTime) utc = g_date_time_new_from_unix_utc (NOW);
  g_autoptr(GDateTime) korea = g_date_time_to_timezone (utc, tz);
  g_autoptr(GDateTime) day = g_date_time_add_days (korea, days);

  return g_date_time_format (day, "%Y-%m-%d");
}

/* Expands the tokens of @tmpl; with !@repeats, {N*s} stays as written (for display). */
static char *
expand (const char *tmpl,
        gboolean    repeats)
{
  GString *out;

  if (tmpl == NULL)
    return NULL;
  out = g_string_new (NULL);
  for (const char *p = tmpl; *p != '\0';)
    {
      const char *end = *p == '{' ? strchr (p, '}') : NULL;

      if (end != NULL && g_str_has_prefix (p, "{today"))
        {
          g_autofree char *date = korea_date (p[6] == '}' ? 0 : atoi (p + 6));

          g_string_append (out, date);
          p = end + 1;
          continue;
        }
      if (end != NULL && g_ascii_isdigit (p[1]))
        {
          char *star = NULL;
          guint64 n = g_ascii_strtoull (p + 1, &star, 10);

          if (star != NULL && *star == '*' && star < end)
            {
              if (repeats)
                for (guint64 i = 0; i < n; i++)
                  g_string_append_len (out, star + 1, end - (star + 1));
              else
                g_string_append_len (out, p, end + 1 - p);
              p = end + 1;
              continue;
            }
        }
      g_string_append_c (out, *p++);
    }
  return g_string_free (out, FALSE);
}

/* ---------------------------------------------------------------------------------
 * One catalogue entry, whatever its area
 * ------------------------------------------------------------------------------ */

typedef struct
{
  const char *area;
  const char *name;
  char       *input;    /* for display */
  const char *field;    /* NULL: none */
  const char *outcome;
  char       *message;  /* expanded; NULL: none */
  char       *detail;   /* server text, expanded; NULL: none */
} Entry;

static GPtrArray *entries; /* Entry* */

static const char *
show (const char *s)
{
  return s != NULL ? s : "(none)";
}

/* The error's message, field and server text must be the expected ones, in full. */
static void
assert_error (const GError *error,
              const char   *field,
              const char   *message,
              const char   *detail)
{
  if (error == NULL)
    {
      g_test_fail_printf ("no error: the input was not refused");
      return;
    }
  g_assert_true (error->domain == PM_ERROR);
  g_test_message ("got message: %s | field: %s | server text: %s", error->message,
                  show (pm_error_get_field (error)), show (pm_error_get_server_text (error)));
  g_assert_cmpstr (error->message, ==, message);
  g_assert_cmpstr (pm_error_get_field (error), ==, field);
  g_assert_cmpstr (pm_error_get_server_text (error), ==, detail);
}

/* ---------------------------------------------------------------------------------
 * (a) The New Request form
 * ------------------------------------------------------------------------------ */

typedef enum
{
  F_MEMBER_NM,  /* pm_bill_check_member_nm */
  F_PRODUCT_NM, /* pm_bill_check_product_nm */
  F_MESSAGE,    /* pm_bill_check_message */
  F_PRICE,      /* pm_bill_check_price (the input is a decimal integer) */
  F_EXPIRE_DT,  /* pm_bill_check_expire_date at NOW */
  F_BILL_ID,    /* pm_bill_check_bill_id */
  F_PHONE,      /* pm_phone_normalize */
  F_MONEY,      /* pm_money_parse */
  F_BILL,       /* pm_bill_validate_at (NOW) of a good bill with "key=value; …" changed */
} FormKind;

static const char *const form_kind_names[] = {
  "check_member_nm", "check_product_nm", "check_message", "check_price",
  "check_expire_date", "check_bill_id", "phone_normalize", "money_parse", "validate_at",
};

typedef struct
{
  const char *name;
  FormKind    kind;
  const char *input;   /* NULL: no value at all */
  const char *field;
  const char *message;
} FormCase;

#define NAME_EMPTY    "Enter the payer’s name."
#define NAME_CONTROL  "The payer’s name cannot contain tabs, line breaks or other control " \
  "characters."
#define PRODUCT_EMPTY "Enter what the bill is for."
#define PRODUCT_CONTROL "What the bill is for cannot contain tabs, line breaks or other control " \
  "characters."
#define MESSAGE_EMPTY "Enter a message for the payer."
#define MESSAGE_CONTROL "The message cannot contain tabs or control characters other than line " \
  "breaks."
#define NOT_UTF8      "This text is not valid UTF-8."
#define BIDI_TAIL     ": it can make text read differently from what it is."
#define EXPIRE_EMPTY  "Enter the last day the bill can be paid."
#define EXPIRE_FORM   "Enter the last day as a real date in the form YYYY-MM-DD, like 2026-12-31."
#define EXPIRE_PAST   "The last day cannot be in the past (today in Korea is {today})."
#define EXPIRE_FAR    "The last day can be at most 365 days ahead, so {today+365} at the latest."
#define BILL_ID_CHARS "A bill ID holds only the letters A–Z, a–z and the digits 0–9."
#define PHONE_EMPTY   "Enter the payer’s mobile number, like 010-1234-5678."
#define PHONE_NOT_MOBILE "This is not a Korean mobile number. Enter one like 010-1234-5678."
#define PHONE_SHORT   "This number is too short. A mobile number looks like 010-1234-5678."
#define PHONE_LONG    "This number is too long. A mobile number looks like 010-1234-5678."
#define PHONE_CHARS   "A phone number holds only digits, spaces, hyphens and +. Enter one like " \
  "010-1234-5678."
#define MONEY_ENTER   "Enter the amount in won, like 12,000."
#define MONEY_DIGITS  "Write the amount as digits only, like 12,000."
#define MONEY_GROUPS  "Put a thousands separator every three digits, like 1,234,000."
#define MONEY_DECIMAL "Amounts are whole won: remove the decimal part."
#define MONEY_NEGATIVE "The amount cannot be negative."
#define MONEY_ZERO    "The amount must be at least ₩1."
#define MONEY_MAX     "The amount can be at most ₩9,999,999,999 (10 digits)."

static const FormCase form_cases[] = {
  /* payer's name (member_nm) */
  { "member_nm/none", F_MEMBER_NM, NULL, "member_nm", NAME_EMPTY },
  { "member_nm/empty", F_MEMBER_NM, "", "member_nm", NAME_EMPTY },
  { "member_nm/spaces", F_MEMBER_NM, "   ", "member_nm", NAME_EMPTY },
  { "member_nm/zero-width-only", F_MEMBER_NM, "\u200b\u200b", "member_nm", NAME_EMPTY },
  { "member_nm/hangul-filler-only", F_MEMBER_NM, "\u3164\u3164", "member_nm", NAME_EMPTY },
  { "member_nm/bom-only", F_MEMBER_NM, "\ufeff", "member_nm", NAME_EMPTY },
  { "member_nm/rtl-mark", F_MEMBER_NM, "김영희\u200f", "member_nm",
    "The payer’s name cannot contain U+200F (right-to-left mark): it can make text read "
    "differently from what it is." },
  { "member_nm/ideographic-spaces", F_MEMBER_NM, "\u3000\u3000", "member_nm", NAME_EMPTY },
  { "member_nm/31-characters", F_MEMBER_NM, "{31*가}", "member_nm",
    "The payer’s name can be at most 30 characters long; it has 31." },
  { "member_nm/tab", F_MEMBER_NM, "김\t영희", "member_nm", NAME_CONTROL },
  { "member_nm/line-break", F_MEMBER_NM, "김영희\n", "member_nm", NAME_CONTROL },
  { "member_nm/escape", F_MEMBER_NM, "김영희\x1b[2J", "member_nm", NAME_CONTROL },
  { "member_nm/c1-next-line", F_MEMBER_NM, "김영희\xc2\x85", "member_nm", NAME_CONTROL },
  { "member_nm/right-to-left-override", F_MEMBER_NM, "김\u202e희영", "member_nm",
    "The payer’s name cannot contain U+202E (right-to-left override)" BIDI_TAIL },
  { "member_nm/right-to-left-isolate", F_MEMBER_NM, "김\u2067희영\u2069", "member_nm",
    "The payer’s name cannot contain U+2067 (bidirectional isolate)" BIDI_TAIL },
  { "member_nm/not-utf8", F_MEMBER_NM, "\xb1\xe8\xbf\xb5\xc8\xf1", "member_nm", NOT_UTF8 },

  /* what the bill is for (product_nm) */
  { "product_nm/empty", F_PRODUCT_NM, "", "product_nm", PRODUCT_EMPTY },
  { "product_nm/spaces", F_PRODUCT_NM, " \u3000 ", "product_nm", PRODUCT_EMPTY },
  { "product_nm/101-characters", F_PRODUCT_NM, "{101*a}", "product_nm",
    "What the bill is for can be at most 100 characters long; it has 101." },
  { "product_nm/carriage-return", F_PRODUCT_NM, "3월 수강료\r", "product_nm", PRODUCT_CONTROL },
  { "product_nm/delete", F_PRODUCT_NM, "3월\x7f수강료", "product_nm", PRODUCT_CONTROL },
  { "product_nm/left-to-right-override", F_PRODUCT_NM, "수강료\u202d", "product_nm",
    "What the bill is for cannot contain U+202D (left-to-right override)" BIDI_TAIL },
  { "product_nm/not-utf8", F_PRODUCT_NM, "\x80", "product_nm", NOT_UTF8 },

  /* message */
  { "message/empty", F_MESSAGE, "", "message", MESSAGE_EMPTY },
  { "message/line-breaks-only", F_MESSAGE, "\n\r\n", "message", MESSAGE_EMPTY },
  { "message/501-characters", F_MESSAGE, "{501*가}", "message",
    "The message can be at most 500 characters long; it has 501." },
  { "message/tab", F_MESSAGE, "안녕\t하세요", "message", MESSAGE_CONTROL },
  { "message/escape", F_MESSAGE, "\x1b[31m납부 안내", "message", MESSAGE_CONTROL },
  { "message/bell", F_MESSAGE, "납부 안내\a", "message", MESSAGE_CONTROL },
  { "message/embedding", F_MESSAGE, "\u202b납부 안내", "message",
    "The message cannot contain U+202B (bidirectional embedding)" BIDI_TAIL },
  { "message/pop-formatting", F_MESSAGE, "납부\u202c안내", "message",
    "The message cannot contain U+202C (bidirectional formatting)" BIDI_TAIL },
  { "message/not-utf8", F_MESSAGE, "\xed\xa0\x80", "message", NOT_UTF8 },

  /* price, as a number (the form's spin value) */
  { "price/minus-one", F_PRICE, "-1", "price", MONEY_NEGATIVE },
  { "price/smallest-int64", F_PRICE, "-9223372036854775808", "price", MONEY_NEGATIVE },
  { "price/zero", F_PRICE, "0", "price", MONEY_ZERO },
  { "price/11-digits", F_PRICE, "10000000000", "price", MONEY_MAX },
  { "price/largest-int64", F_PRICE, "9223372036854775807", "price", MONEY_MAX },

  /* the last day to pay (expire_dt), now = 2026-06-15 12:00 KST */
  { "expire_dt/none", F_EXPIRE_DT, NULL, "expire_dt", EXPIRE_EMPTY },
  { "expire_dt/empty", F_EXPIRE_DT, "", "expire_dt", EXPIRE_EMPTY },
  { "expire_dt/slashes", F_EXPIRE_DT, "2026/06/30", "expire_dt", EXPIRE_FORM },
  { "expire_dt/dots", F_EXPIRE_DT, "2026.06.30", "expire_dt", EXPIRE_FORM },
  { "expire_dt/one-digit-month", F_EXPIRE_DT, "2026-6-30", "expire_dt", EXPIRE_FORM },
  { "expire_dt/two-digit-year", F_EXPIRE_DT, "26-06-30", "expire_dt", EXPIRE_FORM },
  { "expire_dt/day-month-year", F_EXPIRE_DT, "30-06-2026", "expire_dt", EXPIRE_FORM },
  { "expire_dt/trailing-space", F_EXPIRE_DT, "{today+1} ", "expire_dt", EXPIRE_FORM },
  { "expire_dt/with-time", F_EXPIRE_DT, "{today+1}T00:00", "expire_dt", EXPIRE_FORM },
  { "expire_dt/february-30", F_EXPIRE_DT, "2027-02-30", "expire_dt", EXPIRE_FORM },
  { "expire_dt/month-13", F_EXPIRE_DT, "2026-13-01", "expire_dt", EXPIRE_FORM },
  { "expire_dt/year-zero", F_EXPIRE_DT, "0000-01-01", "expire_dt", EXPIRE_FORM },
  { "expire_dt/full-width-digits", F_EXPIRE_DT, "２０２６-０６-３０", "expire_dt", EXPIRE_FORM },
  { "expire_dt/korean", F_EXPIRE_DT, "2026년 6월 30일", "expire_dt", EXPIRE_FORM },
  { "expire_dt/yesterday", F_EXPIRE_DT, "{today-1}", "expire_dt", EXPIRE_PAST },
  { "expire_dt/last-year", F_EXPIRE_DT, "2025-12-31", "expire_dt", EXPIRE_PAST },
  { "expire_dt/366-days-ahead", F_EXPIRE_DT, "{today+366}", "expire_dt", EXPIRE_FAR },
  { "expire_dt/year-9999", F_EXPIRE_DT, "9999-12-31", "expire_dt", EXPIRE_FAR },

  /* bill_id (optional, [A-Za-z0-9], at most 20) */
  { "bill_id/hyphen", F_BILL_ID, "ABC-123", "bill_id", BILL_ID_CHARS },
  { "bill_id/space", F_BILL_ID, "ABC 123", "bill_id", BILL_ID_CHARS },
  { "bill_id/hangul", F_BILL_ID, "청구123", "bill_id", BILL_ID_CHARS },
  { "bill_id/line-break", F_BILL_ID, "ABC123\n", "bill_id", BILL_ID_CHARS },
  { "bill_id/full-width", F_BILL_ID, "ＡＢＣ１２３", "bill_id", BILL_ID_CHARS },
  { "bill_id/21-characters", F_BILL_ID, "{21*A}", "bill_id",
    "A bill ID can be at most 20 characters long; it has 21." },

  /* the payer's mobile number */
  { "phone/none", F_PHONE, NULL, "phone", PHONE_EMPTY },
  { "phone/empty", F_PHONE, "", "phone", PHONE_EMPTY },
  { "phone/punctuation-only", F_PHONE, " - ( ) + ", "phone", PHONE_EMPTY },
  { "phone/seoul-landline", F_PHONE, "02-123-4567", "phone", PHONE_NOT_MOBILE },
  { "phone/internet-phone-070", F_PHONE, "070-1234-5678", "phone", PHONE_NOT_MOBILE },
  { "phone/seoul-landline-international", F_PHONE, "+82 2 123 4567", "phone", PHONE_NOT_MOBILE },
  { "phone/us-number", F_PHONE, "+1 415 555 0100", "phone", PHONE_NOT_MOBILE },
  { "phone/six-digits", F_PHONE, "010123", "phone", PHONE_SHORT },
  { "phone/one-digit-short", F_PHONE, "010-1234-567", "phone", PHONE_SHORT },
  { "phone/legacy-too-short", F_PHONE, "011-123-45", "phone", PHONE_SHORT },
  { "phone/call-centre", F_PHONE, "1588-1234", "phone", PHONE_SHORT },
  { "phone/one-digit-long", F_PHONE, "010-1234-56789", "phone", PHONE_LONG },
  { "phone/two-numbers", F_PHONE, "010-1234-5678, 010-2345-6789", "phone", PHONE_CHARS },
  { "phone/two-numbers-space", F_PHONE, "010 1234 5678 010 2345 6789", "phone", PHONE_LONG },
  { "phone/40-digits", F_PHONE, "{40*0}", "phone", PHONE_LONG },
  { "phone/letter-o", F_PHONE, "01O-1234-5678", "phone", PHONE_CHARS },
  { "phone/remark", F_PHONE, "010-1234-5678 (집)", "phone", PHONE_CHARS },
  { "phone/extension", F_PHONE, "010-1234-5678 ext 2", "phone", PHONE_CHARS },
  { "phone/arabic-indic-digits", F_PHONE, "٠١٠١٢٣٤٥٦٧٨", "phone", PHONE_CHARS },
  { "phone/right-to-left-override", F_PHONE, "010\u202e5678-1234", "phone", PHONE_CHARS },
  { "phone/zero-width-space", F_PHONE, "010\u200b1234\u200b5678", "phone", PHONE_CHARS },
  { "phone/not-utf8", F_PHONE, "010\xff", "phone", PHONE_CHARS },

  /* the amount as typed (text → won) */
  { "money/none", F_MONEY, NULL, "price", MONEY_ENTER },
  { "money/empty", F_MONEY, "", "price", MONEY_ENTER },
  { "money/spaces", F_MONEY, "   ", "price", MONEY_ENTER },
  { "money/space-not-thousands", F_MONEY, "10 20", "price", MONEY_GROUPS },
  { "money/spaced-digits", F_MONEY, "₩ 1 2 3", "price", MONEY_GROUPS },
  { "money/zero-first-group", F_MONEY, "0,500", "price", MONEY_GROUPS },
  { "money/currency-only", F_MONEY, "₩", "price", MONEY_ENTER },
  { "money/man-unit", F_MONEY, "12만", "price", MONEY_DIGITS },
  { "money/man-unit-full-width", F_MONEY, "１２만", "price", MONEY_DIGITS },
  { "money/korean-numeral", F_MONEY, "일억", "price", MONEY_DIGITS },
  { "money/korean-numeral-won", F_MONEY, "삼만 원", "price", MONEY_DIGITS },
  { "money/unit-only", F_MONEY, "원", "price", MONEY_DIGITS },
  { "money/unit-first", F_MONEY, "원1000", "price", MONEY_DIGITS },
  { "money/unit-twice", F_MONEY, "1000원원", "price", MONEY_DIGITS },
  { "money/digits-after-unit", F_MONEY, "1000원 5", "price", MONEY_DIGITS },
  { "money/currency-after", F_MONEY, "1000₩", "price", MONEY_DIGITS },
  { "money/currency-twice", F_MONEY, "₩₩1000", "price", MONEY_DIGITS },
  { "money/dollar", F_MONEY, "$100", "price", MONEY_DIGITS },
  { "money/exponent", F_MONEY, "1e5", "price", MONEY_DIGITS },
  { "money/hexadecimal", F_MONEY, "0x10", "price", MONEY_DIGITS },
  { "money/arabic-indic-digits", F_MONEY, "١٢٣", "price", MONEY_DIGITS },
  { "money/leading-comma", F_MONEY, ",000", "price", MONEY_DIGITS },
  { "money/minus-twice", F_MONEY, "--5", "price", MONEY_DIGITS },
  { "money/trailing-minus", F_MONEY, "5-", "price", MONEY_DIGITS },
  { "money/trailing-dot", F_MONEY, "1000.", "price", MONEY_DIGITS },
  { "money/percent", F_MONEY, "10%", "price", MONEY_DIGITS },
  { "money/formula", F_MONEY, "=1000*12", "price", MONEY_DIGITS },
  { "money/decimal", F_MONEY, "1.5", "price", MONEY_DECIMAL },
  { "money/decimal-grouped", F_MONEY, "12,000.50", "price", MONEY_DECIMAL },
  { "money/dot-grouping", F_MONEY, "12.000", "price", MONEY_DECIMAL },
  { "money/full-width-decimal", F_MONEY, "１．５", "price", MONEY_DIGITS },
  { "money/group-of-four", F_MONEY, "1,2345", "price", MONEY_GROUPS },
  { "money/indian-grouping", F_MONEY, "12,34,567", "price", MONEY_GROUPS },
  { "money/first-group-of-four", F_MONEY, "1234,567", "price", MONEY_GROUPS },
  { "money/trailing-comma", F_MONEY, "1,000,", "price", MONEY_GROUPS },
  { "money/group-of-two", F_MONEY, "120,00", "price", MONEY_GROUPS },
  { "money/negative", F_MONEY, "-3", "price", MONEY_NEGATIVE },
  { "money/negative-unicode-minus", F_MONEY, "−3,000", "price", MONEY_NEGATIVE },
  { "money/negative-after-currency", F_MONEY, "₩-1,000", "price", MONEY_NEGATIVE },
  { "money/zero", F_MONEY, "0", "price", MONEY_ZERO },
  { "money/zeros", F_MONEY, "000", "price", MONEY_ZERO },
  { "money/minus-zero", F_MONEY, "-0", "price", MONEY_ZERO },
  { "money/zero-won", F_MONEY, "₩0원", "price", MONEY_ZERO },
  { "money/eleven-digits", F_MONEY, "10000000000", "price", MONEY_MAX },
  { "money/eleven-digits-grouped", F_MONEY, "₩10,000,000,000", "price", MONEY_MAX },
  { "money/23-digits", F_MONEY, "99999999999999999999999", "price", MONEY_MAX },
  { "money/not-utf8", F_MONEY, "1000\xbf\xf8", "price", MONEY_ENTER },

  /* a whole bill (pm_bill_validate_at at now), one thing changed; the first problem wins */
  { "bill/autopay-without-method", F_BILL, "kind=autopay", "method_id",
    "Choose the payer’s registered card for this AutoPay charge." },
  { "bill/autopay-method-control", F_BILL, "kind=autopay; method_id=M1\x01", "method_id",
    "The AutoPay method ID contains characters it cannot hold." },
  { "bill/autopay-method-delete", F_BILL, "kind=autopay; method_id=M1\x7f", "method_id",
    "The AutoPay method ID contains characters it cannot hold." },
  { "bill/landline", F_BILL, "phone=02-123-4567", "phone", PHONE_NOT_MOBILE },
  { "bill/no-phone", F_BILL, "phone=", "phone", PHONE_EMPTY },
  { "bill/zero-price", F_BILL, "price=0", "price", MONEY_ZERO },
  { "bill/expired", F_BILL, "expire_dt={today-1}", "expire_dt", EXPIRE_PAST },
  { "bill/bad-bill-id", F_BILL, "bill_id=abc-1", "bill_id", BILL_ID_CHARS },
  { "bill/name-before-price", F_BILL, "member_nm=; price=0", "member_nm", NAME_EMPTY },
  { "bill/bill-id-first", F_BILL, "member_nm=; bill_id=a b", "bill_id", BILL_ID_CHARS },
};

static PmBill *
good_bill (void)
{
  PmBill *bill = pm_bill_new ();
  g_autofree char *expire = korea_date (15);

  pm_bill_set_kind (bill, PM_BILL_KIND_REQUEST);
  pm_bill_set_payer_name (bill, "김영희");
  pm_bill_set_phone (bill, "010-2345-6789");
  pm_bill_set_product (bill, "3월 수강료");
  pm_bill_set_message (bill, "3월 수강료 안내입니다.");
  pm_bill_set_price (bill, 120000);
  pm_bill_set_expire_date (bill, expire);
  return bill;
}

static void
bill_change (PmBill     *bill,
             const char *key,
             const char *value)
{
  if (g_str_equal (key, "kind"))
    pm_bill_set_kind (bill, g_str_equal (value, "autopay") ? PM_BILL_KIND_AUTOPAY
                                                           : PM_BILL_KIND_REQUEST);
  else if (g_str_equal (key, "method_id"))
    pm_bill_set_method_id (bill, value);
  else if (g_str_equal (key, "member_nm"))
    pm_bill_set_payer_name (bill, value);
  else if (g_str_equal (key, "phone"))
    pm_bill_set_phone (bill, value);
  else if (g_str_equal (key, "price"))
    pm_bill_set_price (bill, g_ascii_strtoll (value, NULL, 10));
  else if (g_str_equal (key, "expire_dt"))
    pm_bill_set_expire_date (bill, value);
  else if (g_str_equal (key, "bill_id"))
    pm_bill_set_bill_id (bill, value);
  else
    g_assert_not_reached ();
}

static void
test_form (gconstpointer data)
{
  const FormCase *c = data;
  g_autofree char *input = expand (c->input, TRUE);
  g_autofree char *message = expand (c->message, TRUE);
  g_autoptr(GError) error = NULL;
  gboolean ok = FALSE;

  switch (c->kind)
    {
    case F_MEMBER_NM:
      ok = pm_bill_check_member_nm (input, &error);
      break;
    case F_PRODUCT_NM:
      ok = pm_bill_check_product_nm (input, &error);
      break;
    case F_MESSAGE:
      ok = pm_bill_check_message (input, &error);
      break;
    case F_PRICE:
      ok = pm_bill_check_price (g_ascii_strtoll (input, NULL, 10), &error);
      break;
    case F_EXPIRE_DT:
      ok = pm_bill_check_expire_date (input, NOW, &error);
      break;
    case F_BILL_ID:
      ok = pm_bill_check_bill_id (input, &error);
      break;
    case F_PHONE:
      {
        g_autofree char *normalized = NULL;

        ok = pm_phone_normalize (input, &normalized, NULL, &error);
        if (!ok)
          g_assert_null (normalized);
        break;
      }
    case F_MONEY:
      {
        gint64 won = -1;

        ok = pm_money_parse (input, &won, &error);
        if (!ok)
          g_assert_cmpint (won, ==, 0);
        else
          g_test_message ("accepted as %" G_GINT64_FORMAT " won", won);
        break;
      }
    case F_BILL:
      {
        g_autoptr(PmBill) bill = good_bill ();
        g_auto(GStrv) changes = g_strsplit (input, "; ", -1);

        for (guint i = 0; changes[i] != NULL; i++)
          {
            g_auto(GStrv) kv = g_strsplit (changes[i], "=", 2);

            g_assert_nonnull (kv[1]);
            bill_change (bill, kv[0], kv[1]);
          }
        ok = pm_bill_validate_at (bill, NOW, &error);
        break;
      }
    default:
      g_assert_not_reached ();
    }

  g_assert_false (ok); /* the input must be refused */
  g_assert_true (g_error_matches (error, PM_ERROR, PM_ERROR_INVALID));
  assert_error (error, c->field, message, NULL);
}

/* ---------------------------------------------------------------------------------
 * (b) CSV files through the bulk-send reader
 * ------------------------------------------------------------------------------ */

typedef struct
{
  const char *name;
  const char *text;          /* template; raw bytes when len > 0 */
  gsize       len;
  const char *convert_to;    /* NULL, or the charset to write the expanded text in */
  const char *path;          /* read this file instead of text (pm_csv_import_file) */
  const char *encoding;      /* PmCsvOptions */
  const char *map_phone;
  const char *map_note;
  const char *default_expiry;
  gsize       max_bytes;
  guint       max_rows;
  const char *field;         /* the fields of the errors ("payer", "row"); NULL: a file error */
  const char *message;       /* the report's error lines, or the file-level message */
  const char *sheet;         /* an .xlsx: its first worksheet's XML inside <worksheet> */
  gboolean    xlsx;          /* the bytes (text/len or sheet) are the file 청구.xlsx, read
                              * with pm_csv_import_path */
  const char *about;         /* what the input is, for the Markdown (xlsx cases) */
} CsvCase;

#define H      "이름,전화번호,금액,상품명,메시지,만료일\n"
#define H_EN   "name,phone,amount,product,message,expiry\n"
#define EXP    "{today+15}"
#define ROW    "김영희,010-2345-6789,120000,3월 수강료,수강료 안내," EXP "\n"
#define COLS   "“이름”, “전화번호”, “금액”, “상품명”, “메시지”, “만료일”"
#define STRAY_QUOTE "There is a quote mark (\") inside this cell. If it belongs to the text, " \
  "put the whole cell in quotes and write the mark twice (\"김\"\"영희\"); otherwise remove it."
#define AFTER_QUOTE "There is text after the closing quote of this cell; a quoted cell must " \
  "end with a quote mark right before the delimiter. Write a quote mark inside quoted text " \
  "twice (\"\")."
#define CONTROL_CELL(what) "This cell holds the control character " what ", which cannot be " \
  "sent. Remove it (it may have come with text copied from another program)."
#define BIDI_CELL(what) "This cell holds the invisible character " what ", which changes the " \
  "direction text is shown in, so it may read differently from what would be sent. Remove it."
#define LINE_BREAK_CELL "This cell holds a line break; this value must be on one line."
#define BINARY "This does not look like a text file: it contains binary data. Choose a CSV " \
  "file saved from a spreadsheet."
#define UNCLOSED(row) "The quoted text that starts on row " row " is never closed with a " \
  "quote (\"), so the rest of the file cannot be read."
#define EMPTY_FILE "The file is empty: it needs a header row naming the columns, then one row " \
  "per bill."

/* Cells of an inline-string sheet */
#define IS(ref, text) "<c r=\"" ref "\" t=\"inlineStr\"><is><t>" text "</t></is></c>"
#define NUM(ref, v)   "<c r=\"" ref "\"><v>" v "</v></c>"
#define X_HEADER "<row r=\"1\">" IS ("A1", "이름") IS ("B1", "전화번호") IS ("C1", "금액") \
  IS ("D1", "상품명") IS ("E1", "메시지") IS ("F1", "만료일") "</row>"
#define X_ROW(r, amount) "<row r=\"" r "\">" IS ("A" r, "김영희") IS ("B" r, "010-2345-6789") \
  amount IS ("D" r, "3월 수강료") IS ("E" r, "수강료 안내") IS ("F" r, EXP) "</row>"
#define X_SHEET(rows) "<sheetData>" X_HEADER rows "</sheetData>"
#define OLE_MAGIC "\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"

static const CsvCase csv_cases[] = {
  /* quoting */
  { "quote/stray-in-cell", .text = H "김\"영희,010-2345-6789,120000,3월 수강료,수강료 안내," EXP "\n",
    .field = "payer", .message = "row 2, column 이름: " STRAY_QUOTE },
  { "quote/text-after-closing", .text = H "\"김\"영희,010-2345-6789,120000,3월 수강료,수강료 안내," EXP "\n",
    .field = "payer", .message = "row 2, column 이름: " AFTER_QUOTE },
  { "quote/stray-in-amount", .text = H "김영희,010-2345-6789,120000\",3월 수강료,수강료 안내," EXP "\n",
    .field = "amount", .message = "row 2, column 금액: " STRAY_QUOTE },
  { "quote/never-closed", .text = H ROW "\"김영희,010-2345-6789,120000,3월 수강료,수강료 안내," EXP "\n",
    .message = UNCLOSED ("3") },
  { "quote/never-closed-in-header", .text = "\"이름,전화번호,금액,상품명,메시지,만료일\n" ROW,
    .message = UNCLOSED ("1") },
  { "quote/stray-in-header", .text = "이름,전화\"번호,금액,상품명,메시지,만료일\n" ROW,
    .message = "row 1, column B: " STRAY_QUOTE },

  /* control and bidirectional characters */
  { "control/escape-in-name", .text = H "김영희\x1b[2J,010-2345-6789,120000,3월 수강료,수강료 안내," EXP "\n",
    .field = "payer", .message = "row 2, column 이름: " CONTROL_CELL ("U+001B (escape)") },
  { "control/tab-in-phone", .text = H "김영희,010-2345\t-6789,120000,3월 수강료,수강료 안내," EXP "\n",
    .field = "phone", .message = "row 2, column 전화번호: " CONTROL_CELL ("U+0009 (tab)") },
  { "control/bell-in-amount", .text = H "김영희,010-2345-6789,120\a000,3월 수강료,수강료 안내," EXP "\n",
    .field = "amount",
    .message = "row 2, column 금액: " CONTROL_CELL ("U+0007 (control character)") },
  { "control/delete-in-product", .text = H "김영희,010-2345-6789,120000,3월\x7f수강료,수강료 안내," EXP "\n",
    .field = "product",
    .message = "row 2, column 상품명: " CONTROL_CELL ("U+007F (control character)") },
  { "control/c1-in-message", .text = H "김영희,010-2345-6789,120000,3월 수강료,수강료\xc2\x85안내," EXP "\n",
    .field = "message",
    .message = "row 2, column 메시지: " CONTROL_CELL ("U+0085 (control character)") },
  { "control/line-break-in-name",
    .text = H "\"김\n영희\",010-2345-6789,120000,3월 수강료,수강료 안내," EXP "\n",
    .field = "payer", .message = "row 2, column 이름: " LINE_BREAK_CELL },
  { "control/line-break-in-expiry",
    .text = H "김영희,010-2345-6789,120000,3월 수강료,수강료 안내,\"{today+15}\n{today+16}\"\n",
    .field = "expiry", .message = "row 2, column 만료일: " LINE_BREAK_CELL },
  { "control/escape-in-unused-column", .text = "이름,전화번호,금액,상품명,메시지,만료일,담당\n"
      "김영희,010-2345-6789,120000,3월 수강료,수강료 안내," EXP ",박\x1b철수\n",
    .field = "row", .message = "row 2, column 담당: " CONTROL_CELL ("U+001B (escape)") },
  { "control/escape-in-unnamed-column", .text = "이름,전화번호,금액,상품명,메시지,만료일,\n"
      "김영희,010-2345-6789,120000,3월 수강료,수강료 안내," EXP ",\x1b\n",
    .field = "row", .message = "row 2, column G: " CONTROL_CELL ("U+001B (escape)") },
  { "bidi/override-in-product", .text = H "김영희,010-2345-6789,120000,3월 \u202e수강료,수강료 안내," EXP "\n",
    .field = "product",
    .message = "row 2, column 상품명: " BIDI_CELL ("U+202E (right-to-left override)") },
  { "bidi/isolate-in-name",
    .text = H "\u2066김영희\u2069,010-2345-6789,120000,3월 수강료,수강료 안내," EXP "\n",
    .field = "payer",
    .message = "row 2, column 이름: " BIDI_CELL ("U+2066 (bidirectional isolate)") },
  { "bidi/embedding-in-message",
    .text = H "김영희,010-2345-6789,120000,3월 수강료,\u202a수강료 안내," EXP "\n",
    .field = "message",
    .message = "row 2, column 메시지: " BIDI_CELL ("U+202A (bidirectional embedding)") },
  { "bidi/override-in-header", .text = "이름\u202e,전화번호,금액,상품명,메시지,만료일\n" ROW,
    .message = "row 1, column A: " BIDI_CELL ("U+202E (right-to-left override)") },
  { "control/escape-in-header", .text = "이름,전화번호,금액\x1b,상품명,메시지,만료일\n" ROW,
    .message = "row 1, column C: " CONTROL_CELL ("U+001B (escape)") },

  /* the header row */
  { "header/duplicate", .text = "이름,전화번호,금액,상품명,메시지,만료일,이름\n" ROW,
    .message = "row 1, column G: The column name “이름” is used by column A too; give each column "
        "its own name." },
  { "header/duplicate-after-normalising",
    .text = "name,phone,amount,product,message,expiry,Phone (mobile)\n" ROW,
    .message = "row 1, column G: The column name “Phone (mobile)” is used by column B too; give "
        "each column its own name." },
  { "header/missing-columns", .text = "이름,금액\n김영희,120000\n",
    .message = "Required columns are missing: phone, product, message, expiry date. Name them in "
        "the "
      "header row (for example 이름, 전화번호, 금액, 상품명, 메시지, 만료일) or choose the columns. "
      "The file’s columns are: “이름”, “금액”." },
  { "header/missing-one-column",
    .text = "이름,전화번호,금액,상품명,메시지\n김영희,010-2345-6789,120000,3월 수강료,수강료 안내\n",
    .message = "A required column is missing: expiry date. Name it in the header row (for example "
      "이름, 전화번호, 금액, 상품명, 메시지, 만료일) or choose the column. The file’s columns are: "
      "“이름”, “전화번호”, “금액”, “상품명”, “메시지”." },
  { "header/mapping-unknown-name", .text = H ROW, .map_phone = "휴대폰",
    .message = "There is no column “휴대폰” for the phone. The file’s columns are: " COLS "." },
  { "header/mapping-column-out-of-range", .text = H ROW, .map_phone = "9",
    .message = "Column 9 was chosen for the phone, but the file has only 6 columns." },
  { "header/two-columns-one-field", .text = "이름,전화번호,금액,상품명,메시지,만료일,휴대폰\n"
      "김영희,010-2345-6789,120000,3월 수강료,수강료 안내," EXP ",010-2345-6789\n",
    .message = "Columns B (전화번호) and G (휴대폰) both look like the phone. Choose the column "
        "to use for the phone, or rename the other one." },
  { "header/two-fields-one-column", .text = H ROW, .map_phone = "2", .map_note = "전화번호",
    .message = "Column B (전화번호) was chosen for both the phone and the note; choose a "
        "different column for each." },
  { "header/default-expiry-in-past",
    .text = "이름,전화번호,금액,상품명,메시지\n김영희,010-2345-6789,120000,3월 수강료,수강료 안내\n",
    .default_expiry = "{today-1}",
    .message = "The default expiry date is not usable: The last day cannot be in the past (today "
        "in Korea is {today})." },

  /* rows */
  { "row/too-few-cells", .text = H "김영희,010-2345-6789,120000\n", .field = "row",
    .message = "row 2: This row has 3 cells but the header row has 6; check for a missing or "
        "extra delimiter or quote." },
  { "row/extra-cell",
    .text = H "김영희,010-2345-6789,120,000,3월 수강료,수강료 안내," EXP "\n",
    .field = "row",
    .message = "row 2: This row has 7 cells but the header row has 6; check for a missing or "
        "extra delimiter or quote." },
  { "row/one-cell", .text = H "김영희\n", .field = "row",
    .message = "row 2: This row has 1 cell but the header row has 6; check for a missing or extra "
        "delimiter or quote." },
  { "row/empty-name", .text = H ",010-2345-6789,120000,3월 수강료,수강료 안내," EXP "\n", .field = "payer",
    .message = "row 2, column 이름: " NAME_EMPTY },
  { "row/landline", .text = H "김영희,02-123-4567,120000,3월 수강료,수강료 안내," EXP "\n", .field = "phone",
    .message = "row 2, column 전화번호: " PHONE_NOT_MOBILE },
  { "row/seven-digit-phone", .text = H "김영희,1023456,120000,3월 수강료,수강료 안내," EXP "\n",
    .field = "phone", .message = "row 2, column 전화번호: " PHONE_SHORT },
  { "row/man-unit", .text = H "김영희,010-2345-6789,12만,3월 수강료,수강료 안내," EXP "\n", .field = "amount",
    .message = "row 2, column 금액: " MONEY_DIGITS },
  { "row/zero-amount", .text = H "김영희,010-2345-6789,0,3월 수강료,수강료 안내," EXP "\n", .field = "amount",
    .message = "row 2, column 금액: " MONEY_ZERO },
  { "row/decimal-amount", .text = H "김영희,010-2345-6789,\"120,000.5\",3월 수강료,수강료 안내," EXP "\n",
    .field = "amount", .message = "row 2, column 금액: " MONEY_DECIMAL },
  { "row/empty-amount", .text = H "김영희,010-2345-6789,,3월 수강료,수강료 안내," EXP "\n", .field = "amount",
    .message = "row 2, column 금액: " MONEY_ENTER },
  { "row/long-product", .text = H "김영희,010-2345-6789,120000,{101*a},수강료 안내," EXP "\n",
    .field = "product",
    .message = "row 2, column 상품명: What the bill is for can be at most 100 characters long; it "
        "has 101." },
  { "row/long-message", .text = H "김영희,010-2345-6789,120000,3월 수강료,{501*가}," EXP "\n",
    .field = "message",
    .message = "row 2, column 메시지: The message can be at most 500 characters long; it has "
        "501." },
  { "row/day-first-date", .text = H "김영희,010-2345-6789,120000,3월 수강료,수강료 안내,30/06/2026\n",
    .field = "expiry", .message = "row 2, column 만료일: Write the last day as YYYY-MM-DD, like "
      "2026-12-31 (YYYY.MM.DD and YYYY/MM/DD work too)." },
  { "row/expiry-in-past", .text = H "김영희,010-2345-6789,120000,3월 수강료,수강료 안내,{today-1}\n",
    .field = "expiry", .message = "row 2, column 만료일: " EXPIRE_PAST },
  { "row/expiry-too-far", .text = H "김영희,010-2345-6789,120000,3월 수강료,수강료 안내,{today+366}\n",
    .field = "expiry", .message = "row 2, column 만료일: " EXPIRE_FAR },
  { "row/impossible-date", .text = H "김영희,010-2345-6789,120000,3월 수강료,수강료 안내,2027.02.30\n",
    .field = "expiry", .message = "row 2, column 만료일: " EXPIRE_FORM },
  { "row/bad-bill-id", .text = "이름,전화번호,금액,상품명,메시지,만료일,bill_id\n"
      "김영희,010-2345-6789,120000,3월 수강료,수강료 안내," EXP ",ABC-1\n",
    .field = "bill_id", .message = "row 2, column bill_id: " BILL_ID_CHARS },
  { "row/two-problems",
    .text = H ",02-123-4567,120000,3월 수강료,수강료 안내," EXP "\n",
    .field = "payer, phone",
    .message = "row 2, column 이름: " NAME_EMPTY "\nrow 2, column 전화번호: " PHONE_NOT_MOBILE },
  { "row/numbered-after-blank-line",
    .text = H ROW "\n김영희,010-2345-678,120000,3월 수강료,수강료 안내," EXP "\n",
    .field = "phone", .message = "row 4, column 전화번호: " PHONE_SHORT },
  { "row/numbered-after-multi-line-cell",
    .text = H "김영희,010-2345-6789,120000,3월 수강료,\"1줄\n2줄\"," EXP "\n"
      "김철수,010-2345-6789,-5,3월 수강료,안내," EXP "\n",
    .field = "amount", .message = "row 3, column 금액: " MONEY_NEGATIVE },
  { "row/english-headers", .text = H_EN "Kim,010-2345-6789,12 man,March fee,Fee notice," EXP "\n",
    .field = "amount", .message = "row 2, column amount: " MONEY_DIGITS },
  { "row/semicolon-delimited", .text = "이름;전화번호;금액;상품명;메시지;만료일\n"
      "김영희;010-2345-6789;120,000.00;3월 수강료;수강료 안내;" EXP "\n",
    .field = "amount", .message = "row 2, column 금액: " MONEY_DECIMAL },
  { "row/cp949-file",
    .text = H "김영희,010-2345,120000,3월 수강료,수강료 안내," EXP "\n",
    .convert_to = "CP949",
    .field = "phone", .message = "row 2, column 전화번호: " PHONE_SHORT },
  { "row/utf16-file",
    .text = H "김영희,010-2345-6789,12만,3월 수강료,수강료 안내," EXP "\n",
    .convert_to = "UTF-16LE",
    .field = "amount", .message = "row 2, column 금액: " MONEY_DIGITS },

  /* the file itself */
  { "file/empty", .text = "", .message = EMPTY_FILE },
  { "file/blank-lines-only", .text = "\n\r\n  \n", .message = EMPTY_FILE },
  { "file/xlsx", .text = "PK\x03\x04\x14\x00\x06\x00", .len = 8,
    .message = "This is an Excel workbook or another zip file, not CSV. In Excel, use File › Save "
        "As and choose “CSV UTF-8” or “CSV”." },
  { "file/xls", .text = "\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1\x00\x00", .len = 10,
    .message = "This is an old Excel workbook (.xls), not CSV. In Excel, use File › Save As and "
        "choose “CSV UTF-8” or “CSV”." },
  { "file/binary-with-nul",
    .text = "\x7f" "ELF\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00",
    .len = 16,
    .message = BINARY },
  { "file/control-characters", .text = "\x01\x02\x03\x04\x05\x06,\x07\x08\n\x0e\x0f", .len = 0,
    .message = BINARY },
  { "file/not-utf8-when-asked",
    .text = H "\xb1\xe8\xbf\xb5\xc8\xf1,010-2345-6789\n",
    .encoding = "UTF-8",
    .message = "The file is not valid UTF-8 text (the first bad byte is on line 2). If Korean "
        "Excel saved it as “CSV”, it is CP949: choose that encoding." },
  { "file/unknown-encoding", .text = H ROW, .encoding = "KLINGON-8",
    .message = "The text encoding “KLINGON-8” is not known on this system." },
  { "file/undecodable", .text = "\xff\xff\xff\xfe\xfd\n", .len = 0,
    .message = "The file is neither UTF-8 nor CP949/EUC-KR text (what Korean Excel saves as "
        "“CSV”), or it is not a text file at all. Save it again from the spreadsheet as “CSV "
        "UTF-8”." },
  { "file/too-big", .text = H ROW, .max_bytes = 64,
    .message = "The file is too big ({FILESIZE}); a bulk send can read at most 64 bytes. Split it "
        "into smaller files." },
  { "file/too-many-rows", .text = H ROW ROW, .max_rows = 1,
    .message = "The file has more than 1 row; a bulk send can read at most that many. Split it "
        "into smaller files." },
  { "file/does-not-exist", .path = "/nonexistent/paymint-catalogue.csv",
    .message = "Could not open “/nonexistent/paymint-catalogue.csv”: No such file or directory." },
  { "file/a-folder", .path = "/", .message = "“/” is not a file. Choose a CSV file." },

  /* spreadsheets (.xlsx) */
  { "xlsx/row-error", .sheet = X_SHEET (X_ROW ("2", IS ("C2", "12만"))), .field = "amount",
    .about = "an .xlsx whose row 2 has the text 12만 in the amount column C",
    .message = "row 2, column C (금액): " MONEY_DIGITS },
  { "xlsx/formula-without-result",
    .sheet = X_SHEET (X_ROW ("2", "<c r=\"C2\"><f>100000+20000</f></c>")),
    .about = "an .xlsx whose cell C2 holds a formula without a saved result",
    .message = "“청구.xlsx”, sheet “청구”, cell C2: the formula has no saved result, so its value "
        "is not known. Open the file in Excel so it calculates, then save it again (or paste "
        "the values instead of the formulas)." },
  { "xlsx/error-value",
    .sheet = X_SHEET (X_ROW ("2", "<c r=\"C2\" t=\"e\"><f>1/0</f><v>#DIV/0!</v></c>")),
    .about = "an .xlsx whose cell C2 holds the error #DIV/0!",
    .message = "“청구.xlsx”, sheet “청구”, cell C2 holds the error #DIV/0!. Correct the formula "
        "or type the value, then save the file again." },
  { "xlsx/merged-cells",
    .sheet = X_SHEET (X_ROW ("2", NUM ("C2", "120000")) X_ROW ("3", NUM ("C3", "120000")))
      "<mergeCells count=\"1\"><mergeCell ref=\"D2:D3\"/></mergeCells>",
    .about = "an .xlsx whose cells D2:D3 (the product of two rows) are merged",
    .message = "“청구.xlsx”, sheet “청구”: the cells D2:D3 are merged. A bulk send needs one "
        "value per cell: unmerge them (Home › Merge & Center), put the value in every row "
        "that needs it, and save the file again." },
  { "xlsx/beyond-column-limit",
    .sheet = X_SHEET (X_ROW ("2", NUM ("C2", "120000") IS ("DY2", "메모"))),
    .about = "an .xlsx with a value in column DY (the 129th)",
    .message = "“청구.xlsx”, sheet “청구”, cell DY2: there are values beyond column DX; a bulk "
        "send reads at most 128 columns. Delete or move the columns that are not needed." },
  { "xlsx/too-many-rows", .max_rows = 1,
    .sheet = X_SHEET (X_ROW ("2", NUM ("C2", "120000")) X_ROW ("3", NUM ("C3", "120000"))),
    .about = "an .xlsx with two rows of bills",
    .message = "The file has more than 1 row; a bulk send can read at most that many. Split it "
        "into smaller files." },
  { "xlsx/password-protected", .xlsx = TRUE,
    .text = OLE_MAGIC "E\0n\0c\0r\0y\0p\0t\0i\0o\0n\0I\0n\0f\0o\0", .len = 36,
    .about = "청구.xlsx: an OLE compound file holding EncryptionInfo (Excel’s password "
        "protection)",
    .message = "“청구.xlsx” is protected with a password, so it cannot be read. Open it in "
        "Excel, save it without a password (File › Info › Protect Workbook › Encrypt with "
        "Password, then clear the password), and choose it again." },
  { "xlsx/old-xls", .xlsx = TRUE,
    .text = OLE_MAGIC "W\0o\0r\0k\0b\0o\0o\0k\0", .len = 24,
    .about = "청구.xlsx: an OLE compound file holding a Workbook stream (an .xls)",
    .message = "“청구.xlsx” is an old Excel workbook (.xls), which cannot be read. In Excel, use "
        "File › Save As and choose “Excel Workbook (.xlsx)” or “CSV UTF-8”." },
  { "xlsx/damaged-zip", .xlsx = TRUE, .text = "PK\x03\x04\x14\x00\x06\x00garbage", .len = 15,
    .about = "청구.xlsx: a zip header followed by garbage",
    .message = "“청구.xlsx” is damaged and cannot be read as an Excel workbook. Open it in Excel "
        "and save it again as .xlsx, or save it as “CSV UTF-8”." },
};

static la_ssize_t
zip_write_cb (struct archive *a,
              void           *user_data,
              const void     *buffer,
              size_t          length)
{
  g_byte_array_append (user_data, buffer, (guint) length);
  return (la_ssize_t) length;
}

/* A workbook whose first (and only) sheet, “청구”, is <worksheet>@sheet</worksheet>. */
static GBytes *
xlsx_bytes (const char *sheet)
{
  g_autofree char *sheet_xml = g_strdup_printf (
    "<worksheet xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\">%s"
    "</worksheet>", sheet);
  const char *parts[] = {
    "xl/workbook.xml",
    "<workbook xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships\">"
    "<sheets><sheet name=\"청구\" sheetId=\"1\" r:id=\"rId1\"/></sheets></workbook>",
    "xl/_rels/workbook.xml.rels",
    "<Relationships><Relationship Id=\"rId1\" Target=\"worksheets/sheet1.xml\" Type=\"http://"
    "schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet\"/></Relationships>",
    "xl/worksheets/sheet1.xml", sheet_xml,
    NULL
  };
  GByteArray *out = g_byte_array_new ();
  struct archive *a = archive_write_new ();

  archive_write_set_format_zip (a);
  archive_write_set_bytes_in_last_block (a, 1);
  g_assert_cmpint (archive_write_open (a, out, NULL, zip_write_cb, NULL), ==, ARCHIVE_OK);
  for (guint i = 0; parts[i] != NULL; i += 2)
    {
      struct archive_entry *entry = archive_entry_new ();

      archive_entry_set_pathname (entry, parts[i]);
      archive_entry_set_filetype (entry, AE_IFREG);
      archive_entry_set_perm (entry, 0644);
      archive_entry_set_size (entry, (la_int64_t) strlen (parts[i + 1]));
      g_assert_cmpint (archive_write_header (a, entry), ==, ARCHIVE_OK);
      archive_write_data (a, parts[i + 1], strlen (parts[i + 1]));
      archive_entry_free (entry);
    }
  g_assert_cmpint (archive_write_close (a), ==, ARCHIVE_OK);
  archive_write_free (a);
  return g_byte_array_free_to_bytes (out);
}

static GBytes *
csv_bytes (const CsvCase *c)
{
  g_autofree char *text = NULL;
  gsize len;

  if (c->sheet != NULL)
    {
      g_autofree char *sheet = expand (c->sheet, TRUE);

      return xlsx_bytes (sheet);
    }
  if (c->len > 0)
    return g_bytes_new (c->text, c->len);
  text = expand (c->text, TRUE);
  len = strlen (text);
  if (c->convert_to != NULL)
    {
      g_autoptr(GError) error = NULL;
      gsize written = 0;
      g_autofree char *converted = g_convert (text, (gssize) len, c->convert_to, "UTF-8", NULL,
                                              &written, &error);
      GByteArray *out = g_byte_array_new ();

      g_assert_no_error (error);
      if (g_str_equal (c->convert_to, "UTF-16LE"))
        g_byte_array_append (out, (const guint8 *) "\xff\xfe", 2);
      g_byte_array_append (out, (const guint8 *) converted, (guint) written);
      return g_byte_array_free_to_bytes (out);
    }
  return g_bytes_new (text, len);
}

/* The expected message, with the size of the file where the message names it. */
static char *
csv_expected (const CsvCase *c)
{
  g_autofree char *message = expand (c->message, TRUE);

  if (c->path == NULL && strstr (message, "{FILESIZE}") != NULL)
    {
      g_autoptr(GBytes) bytes = csv_bytes (c);
      g_autofree char *size = g_format_size (g_bytes_get_size (bytes));
      g_auto(GStrv) parts = g_strsplit (message, "{FILESIZE}", -1);

      return g_strjoinv (size, parts);
    }
  return g_steal_pointer (&message);
}

static void
test_csv (gconstpointer data)
{
  const CsvCase *c = data;
  g_autofree char *expected = csv_expected (c);
  g_autofree char *default_expiry = expand (c->default_expiry, TRUE);
  g_autoptr(PmCsvImport) import = NULL;
  g_autoptr(GError) error = NULL;
  PmCsvOptions options = { 0 };

  options.now_utc = NOW;
  options.encoding = c->encoding;
  options.columns[PM_CSV_FIELD_PHONE] = c->map_phone;
  options.columns[PM_CSV_FIELD_NOTE] = c->map_note;
  options.default_expiry = default_expiry;
  options.max_bytes = c->max_bytes;
  options.max_rows = c->max_rows;

  if (c->path != NULL)
    import = pm_csv_import_file (c->path, &options, &error);
  else if (c->sheet != NULL || c->xlsx)
    {
      g_autoptr(GBytes) bytes = csv_bytes (c);
      g_autofree char *path = g_build_filename (g_getenv ("HOME"), "청구.xlsx", NULL);
      gsize len;
      const char *contents = g_bytes_get_data (bytes, &len);

      g_assert_true (g_file_set_contents (path, contents, (gssize) len, NULL));
      import = pm_csv_import_path (path, &options, &error);
    }
  else
    {
      g_autoptr(GBytes) bytes = csv_bytes (c);

      import = pm_csv_import_bytes (bytes, &options, &error);
    }

  if (c->field == NULL)
    {
      /* the whole file is refused */
      g_assert_null (import);
      g_assert_true (g_error_matches (error, PM_ERROR, PM_ERROR_INVALID));
      assert_error (error, NULL, expected, NULL);
    }
  else
    {
      g_autoptr(GString) fields = g_string_new (NULL);
      g_autoptr(GString) lines = g_string_new (NULL);
      g_autofree char *report = NULL;
      const char *nl;

      g_assert_no_error (error);
      g_assert_nonnull (import);
      if (import == NULL)
        return;
      g_assert_cmpuint (pm_csv_import_get_n_invalid (import), >=, 1);
      for (guint i = 0; i < pm_csv_import_get_n_rows (import); i++)
        {
          PmCsvRow *row = g_ptr_array_index (pm_csv_import_get_rows (import), i);

          if (row->errors->len > 0)
            g_assert_null (row->bill);
          for (guint j = 0; j < row->errors->len; j++)
            {
              PmCsvRowError *e = g_ptr_array_index (row->errors, j);

              g_string_append_printf (fields, "%s%s", fields->len ? ", " : "",
                                      pm_csv_field_to_string (e->field));
            }
        }
      /* what a person reads: the report's lines after its summary line */
      report = pm_csv_format_report (import);
      nl = strchr (report, '\n');
      g_assert_nonnull (nl);
      g_string_append (lines, nl != NULL ? nl + 1 : "");
      if (lines->len > 0 && lines->str[lines->len - 1] == '\n')
        g_string_truncate (lines, lines->len - 1);
      g_test_message ("got fields: %s | report: %s", fields->str, lines->str);
      g_assert_cmpstr (lines->str, ==, expected);
      g_assert_cmpstr (fields->str, ==, c->field);
    }
}

/* ---------------------------------------------------------------------------------
 * (c) Server replies
 * ------------------------------------------------------------------------------ */

typedef enum
{
  R_CLASSIFY,   /* pm_api_classify_send (endpoint, status, body, SENT) */
  R_STATUS,     /* pm_api_error_for_status (endpoint, status, body) */
  R_READ_BILL,  /* pm_api_parse then pm_api_read_bill */
  R_PARSE,      /* pm_api_parse */
  R_ERROR_TEXT, /* pm_api_read_error_text: the text shown */
  R_LINK,       /* pm_api_check_link (body, loopback) must refuse */
  R_SANITIZE,   /* pm_text_sanitize: the text kept */
} ReplyKind;

static const char *const reply_kind_names[] = {
  "classify_send", "error_for_status", "read_bill", "parse", "read_error_text", "check_link",
  "text_sanitize",
};

typedef struct
{
  const char    *name;
  ReplyKind      kind;
  PmApiEndpoint  endpoint;
  guint          status;
  const char    *body;      /* template; NULL: no body */
  const char    *outcome;   /* R_CLASSIFY: created/exists/failed/unknown */
  const char    *field;
  const char    *message;   /* the GError message, or the text (R_ERROR_TEXT, R_SANITIZE) */
  const char    *detail;    /* the server text kept with the error */
  gboolean       loopback;  /* R_LINK */
} ReplyCase;

#define UNKNOWN_SEND(why) "Payssam’s answer did not say clearly whether the bill was created (" \
  why "). The desk reads the bill back before doing anything else; it will not be sent twice."
#define UNREADABLE   "The server sent a reply that could not be read."
#define SERVER       "The server had a problem handling the request. Try again later."
#define API_KEY      "The server did not accept the API key. Check the API key in the connection " \
  "settings."
#define BALANCE      "There is not enough Paymint balance to send this. Top up the balance and " \
  "try again."
#define LICENSE      "This account has a Basic license. Upgrade the license to send and manage " \
  "bills."
#define NOT_FOUND    "The server does not know this bill."
#define DUPLICATE    "A bill with this ID already exists."
#define PAID         "This bill is already paid. Cancel it to refund the payer instead."
#define CANCELLED    "This bill is already cancelled."
#define FORBIDDEN    "This account may not access this bill."
#define NOT_ACCEPTED "The server did not accept the request: "
#define CHECK_FIELD  "Some of the information was not accepted. Check the highlighted field."
#define BIG_BODY     "{\"code\":\"0000\",\"pad\":\"{1048576*a}\"}"
#define DEEP_BODY    "{65*[}{65*]}"

static const ReplyCase reply_cases[] = {
  /* what a reply to a chargeable call means (API.md §5); sent bill_id BILL0000000000000001 */
  { "send/success-false-with-0000", R_CLASSIFY, PM_API_REQUEST, 200,
    "{\"success\":false,\"code\":\"0000\",\"msg\":\"처리 실패\"}", "unknown", NULL,
    UNKNOWN_SEND ("success disagrees with the code"), "처리 실패" },
  { "send/success-not-boolean", R_CLASSIFY, PM_API_REQUEST, 200,
    "{\"success\":\"yes\",\"code\":\"0000\"}", "unknown", NULL,
    UNKNOWN_SEND ("success disagrees with the code"), NULL },
  { "send/numeric-code-success-false", R_CLASSIFY, PM_API_REQUEST, 200,
    "{\"success\":false,\"code\":0}", "unknown", NULL,
    UNKNOWN_SEND ("success disagrees with the code"), NULL },
  { "send/another-bill-id", R_CLASSIFY, PM_API_REQUEST, 200,
    "{\"code\":\"0000\",\"bill_id\":\"BILL0000000000000002\"}", "unknown", NULL,
    UNKNOWN_SEND ("the reply names another bill"), NULL },
  { "send/another-bill-id-in-data", R_CLASSIFY, PM_API_AUTOPAY_REQUEST, 201,
    "{\"success\":true,\"data\":{\"code\":\"0000\",\"bill_id\":\"bill0000000000000001\"}}",
    "unknown", NULL, UNKNOWN_SEND ("the reply names another bill"), NULL },
  { "send/no-code", R_CLASSIFY, PM_API_REQUEST, 200, "{\"success\":true,\"msg\":\"ok\"}",
    "unknown", NULL, UNKNOWN_SEND ("no result code"), "ok" },
  { "send/empty-object", R_CLASSIFY, PM_API_RESEND, 200, "{}", "unknown", NULL,
    UNKNOWN_SEND ("no result code"), NULL },
  { "send/code-5000", R_CLASSIFY, PM_API_REQUEST, 200, "{\"code\":\"5000\",\"msg\":\"DB error\"}",
    "unknown", NULL, UNKNOWN_SEND ("code 5000"), "DB error" },
  { "send/code-9999", R_CLASSIFY, PM_API_AUTOPAY_REQUEST, 200, "{\"code\":\"9999\"}", "unknown",
    NULL, UNKNOWN_SEND ("code 9999"), NULL },
  { "send/code-9870", R_CLASSIFY, PM_API_REQUEST, 200, "{\"code\":\"9870\"}", "unknown", NULL,
    UNKNOWN_SEND ("code 9870"), NULL },
  { "send/code-not-in-table", R_CLASSIFY, PM_API_REQUEST, 200, "{\"code\":\"1234\"}", "unknown",
    NULL, UNKNOWN_SEND ("code 1234"), NULL },
  { "send/code-9980-request", R_CLASSIFY, PM_API_REQUEST, 200, "{\"code\":\"9980\"}", "unknown",
    NULL, UNKNOWN_SEND ("code 9980"), NULL },
  { "send/code-9800-resend", R_CLASSIFY, PM_API_RESEND, 200, "{\"code\":\"9800\"}", "unknown",
    NULL, UNKNOWN_SEND ("code 9800"), NULL },
  { "send/code-with-escape-in-msg", R_CLASSIFY, PM_API_REQUEST, 200,
    "{\"code\":\"5000\",\"msg\":\"\\u001b[31m오류\\u202e\\u0007\"}", "unknown", NULL,
    UNKNOWN_SEND ("code 5000"), "[31m오류" },
  { "send/not-json", R_CLASSIFY, PM_API_REQUEST, 200, "OK", "unknown", NULL,
    UNKNOWN_SEND ("the reply could not be read"), "{JSONERR:OK}" },
  { "send/empty-body", R_CLASSIFY, PM_API_REQUEST, 200, "", "unknown", NULL,
    UNKNOWN_SEND ("the reply could not be read"), "empty reply" },
  { "send/no-body", R_CLASSIFY, PM_API_REQUEST, 204, NULL, "unknown", NULL,
    UNKNOWN_SEND ("the reply could not be read"), "empty reply" },
  { "send/array", R_CLASSIFY, PM_API_REQUEST, 200, "[{\"code\":\"0000\"}]", "unknown", NULL,
    UNKNOWN_SEND ("the reply is not an object"), NULL },
  { "send/over-1-mib", R_CLASSIFY, PM_API_REQUEST, 200, BIG_BODY, "unknown", NULL,
    UNKNOWN_SEND ("the reply could not be read"), "reply larger than 1 MiB" },
  { "send/deeper-than-64", R_CLASSIFY, PM_API_REQUEST, 200, DEEP_BODY, "unknown", NULL,
    UNKNOWN_SEND ("the reply could not be read"), "reply nested too deep" },
  { "send/code-in-array", R_CLASSIFY, PM_API_REQUEST, 200, "{\"code\":[\"0000\"]}", "unknown",
    NULL, UNKNOWN_SEND ("no result code"), NULL },
  { "send/code-boolean", R_CLASSIFY, PM_API_REQUEST, 200, "{\"code\":true}", "unknown", NULL,
    UNKNOWN_SEND ("code true"), NULL },
  { "send/bill-id-number", R_CLASSIFY, PM_API_REQUEST, 200, "{\"code\":\"0000\",\"bill_id\":123}",
    "unknown", NULL, UNKNOWN_SEND ("the reply names another bill"), NULL },
  { "send/bill-id-with-space", R_CLASSIFY, PM_API_REQUEST, 200,
    "{\"code\":\"0000\",\"bill_id\":\" " SENT "\"}", "unknown", NULL,
    UNKNOWN_SEND ("the reply names another bill"), NULL },
  { "send/text-after-json", R_CLASSIFY, PM_API_REQUEST, 200, "{\"code\":\"0000\"} trailing",
    "unknown", NULL, UNKNOWN_SEND ("the reply could not be read"), "more than one JSON value" },
  { "send/two-documents", R_CLASSIFY, PM_API_REQUEST, 200, "{\"code\":\"0000\"}{\"code\":\"9999\"}",
    "unknown", NULL, UNKNOWN_SEND ("the reply could not be read"), "more than one JSON value" },
  { "send/code-in-data-disagrees", R_CLASSIFY, PM_API_REQUEST, 200,
    "{\"code\":\"9999\",\"data\":{\"code\":\"0000\"}}", "unknown", NULL,
    UNKNOWN_SEND ("the reply contradicts itself"), NULL },
  { "send/two-code-names-disagree", R_CLASSIFY, PM_API_REQUEST, 200,
    "{\"code\":\"0000\",\"result_code\":\"9999\"}", "unknown", NULL,
    UNKNOWN_SEND ("the reply contradicts itself"), NULL },
  { "send/success-in-data-false", R_CLASSIFY, PM_API_REQUEST, 200,
    "{\"code\":\"0000\",\"success\":true,\"data\":{\"success\":false}}", "unknown", NULL,
    UNKNOWN_SEND ("the reply contradicts itself"), NULL },
  { "send/code-9800", R_CLASSIFY, PM_API_REQUEST, 200, "{\"code\":\"9800\",\"msg\":\"중복\"}",
    "exists", NULL, DUPLICATE, "중복" },
  { "send/code-9970-request", R_CLASSIFY, PM_API_REQUEST, 200, "{\"code\":\"9970\"}", "exists",
    NULL, CANCELLED, NULL },
  { "send/code-9971-autopay", R_CLASSIFY, PM_API_AUTOPAY_REQUEST, 200, "{\"code\":\"9971\"}",
    "exists", NULL, PAID, NULL },
  { "send/400-with-9800", R_CLASSIFY, PM_API_REQUEST, 400,
    "{\"success\":false,\"code\":\"9800\",\"error\":\"duplicate bill_id\"}", "exists", NULL,
    DUPLICATE, "duplicate bill_id" },
  { "send/code-9971-resend", R_CLASSIFY, PM_API_RESEND, 200, "{\"code\":\"9971\"}", "failed",
    NULL, PAID, NULL },
  { "send/code-9970-resend", R_CLASSIFY, PM_API_RESEND, 200, "{\"code\":\"9970\"}", "failed",
    NULL, CANCELLED, NULL },
  { "send/code-9980-autopay-success-true", R_CLASSIFY, PM_API_AUTOPAY_REQUEST, 200,
    "{\"success\":true,\"code\":\"9980\"}", "unknown", NULL,
    UNKNOWN_SEND ("success disagrees with the code"), NULL },
  { "send/code-1003", R_CLASSIFY, PM_API_REQUEST, 200, "{\"code\":\"1003\"}", "failed", NULL,
    FORBIDDEN, NULL },
  { "send/400-names-field", R_CLASSIFY, PM_API_REQUEST, 400,
    "{\"success\":false,\"error\":\"price must be at least 1\"}", "failed", "price",
    NOT_ACCEPTED "price must be at least 1", "price must be at least 1" },
  { "send/400-field-member", R_CLASSIFY, PM_API_REQUEST, 400,
    "{\"success\":false,\"error\":\"휴대폰 번호 오류\",\"field\":\"phone\"}", "failed", "phone",
    NOT_ACCEPTED "휴대폰 번호 오류", "휴대폰 번호 오류" },
  { "send/400-with-1003", R_CLASSIFY, PM_API_REQUEST, 400, "{\"code\":\"1003\",\"error\":\"not "
      "yours\"}",
    "failed", NULL, NOT_ACCEPTED "not yours", "not yours" },
  { "send/401", R_CLASSIFY, PM_API_REQUEST, 401, "{\"success\":false,\"error\":\"invalid API "
      "key\"}",
    "failed", NULL, API_KEY, "invalid API key" },
  { "send/403-no-body", R_CLASSIFY, PM_API_RESEND, 403, NULL, "failed", NULL, API_KEY, NULL },
  { "send/402-balance", R_CLASSIFY, PM_API_REQUEST, 402,
    "{\"success\":false,\"error\":\"Insufficient balance\"}", "failed", NULL, BALANCE,
    "Insufficient balance" },
  { "send/402-balance-korean", R_CLASSIFY, PM_API_AUTOPAY_REQUEST, 402,
    "{\"success\":false,\"error\":\"잔액이 부족합니다\"}", "failed", NULL, BALANCE, "잔액이 부족합니다" },
  { "send/402-license", R_CLASSIFY, PM_API_REQUEST, 402,
    "{\"success\":false,\"error\":\"Upgrade required\"}", "failed", NULL, LICENSE,
    "Upgrade required" },
  { "send/404", R_CLASSIFY, PM_API_REQUEST, 404, "{\"success\":false,\"error\":\"route not "
      "found\"}",
    "unknown", NULL, UNKNOWN_SEND ("HTTP status 404"), "route not found" },
  { "send/408", R_CLASSIFY, PM_API_REQUEST, 408, NULL, "unknown", NULL,
    UNKNOWN_SEND ("HTTP status 408"), NULL },
  { "send/429", R_CLASSIFY, PM_API_REQUEST, 429, "Too Many Requests", "unknown", NULL,
    UNKNOWN_SEND ("HTTP status 429"), "Too Many Requests" },
  { "send/500", R_CLASSIFY, PM_API_REQUEST, 500, "{\"success\":false,\"error\":\"boom\"}",
    "unknown",
    NULL, UNKNOWN_SEND ("HTTP status 500"), "boom" },
  { "send/502-html", R_CLASSIFY, PM_API_AUTOPAY_REQUEST, 502,
    "<html><body>502 Bad Gateway</body></html>", "unknown", NULL,
    UNKNOWN_SEND ("HTTP status 502"), "<html><body>502 Bad Gateway</body></html>" },
  { "send/302", R_CLASSIFY, PM_API_REQUEST, 302, NULL, "unknown", NULL,
    UNKNOWN_SEND ("HTTP status 302"), NULL },
  { "send/409-not-a-refusal", R_CLASSIFY, PM_API_REQUEST, 409, "{\"error\":\"conflict\"}",
    "unknown", NULL, UNKNOWN_SEND ("HTTP status 409"), "conflict" },
  { "send/400-with-5000", R_CLASSIFY, PM_API_REQUEST, 400, "{\"code\":\"5000\",\"error\":\"x\"}",
    "unknown", NULL, UNKNOWN_SEND ("HTTP status 400"), "x" },

  /* the error for a non-2xx reply (first layer of API.md §3) */
  { "status/400-error-member", R_STATUS, PM_API_READ, 400, "{\"error\":\"bill_id is required\"}",
    "error", "bill_id", NOT_ACCEPTED "bill_id is required", "bill_id is required" },
  { "status/400-message-member", R_STATUS, PM_API_CANCEL, 400,
    "{\"message\":\"expire_dt is not a date\"}", "error", "expire_dt",
    NOT_ACCEPTED "expire_dt is not a date", "expire_dt is not a date" },
  { "status/400-msg-member", R_STATUS, PM_API_DESTROY, 400, "{\"msg\":\"invalid member_nm\"}",
    "error", "member_nm", NOT_ACCEPTED "invalid member_nm", "invalid member_nm" },
  { "status/400-nested-error", R_STATUS, PM_API_READ, 400,
    "{\"error\":{\"error\":\"bad phone\",\"code\":400}}", "error", "phone",
    NOT_ACCEPTED "bad phone", "bad phone" },
  { "status/400-error-object-with-message", R_STATUS, PM_API_READ, 400,
    "{\"error\":{\"message\":\"bill_id unknown\"}}", "error", "bill_id",
    NOT_ACCEPTED "bill_id unknown", "bill_id unknown" },
  { "status/400-word-inside-another", R_STATUS, PM_API_FORMAT_PHONE, 400,
    "{\"error\":\"phone_number is malformed\"}", "error", NULL,
    NOT_ACCEPTED "phone_number is malformed", "phone_number is malformed" },
  { "status/400-plain-text", R_STATUS, PM_API_READ, 400, "Bad Request", "error", NULL,
    NOT_ACCEPTED "Bad Request", "Bad Request" },
  { "status/400-long-text", R_STATUS, PM_API_READ, 400, "{400*x}", "error", NULL,
    NOT_ACCEPTED "{300*x}…", "{300*x}…" },
  { "status/400-escape-and-override", R_STATUS, PM_API_READ, 400,
    "{\"error\":\"\\u001b]0;pwned\\u0007\\u202eerror\"}", "error", NULL,
    NOT_ACCEPTED "]0;pwnederror", "]0;pwnederror" },
  { "status/422", R_STATUS, PM_API_CANCEL, 422, "{\"error\":\"cannot cancel\"}", "error", NULL,
    NOT_ACCEPTED "cannot cancel", "cannot cancel" },
  { "status/401-licenses", R_STATUS, PM_API_LICENSES, 401, "{\"error\":\"no key\"}", "error", NULL,
    API_KEY, "no key" },
  { "status/402-balance-on-cancel", R_STATUS, PM_API_CANCEL, 402,
    "{\"error\":\"insufficient balance\"}", "error", NULL, LICENSE, "insufficient balance" },
  { "status/404-read", R_STATUS, PM_API_READ, 404, "{\"error\":\"bill not found\"}", "error", NULL,
    "The server could not find it: bill not found", "bill not found" },
  { "status/404-no-body", R_STATUS, PM_API_READ, 404, NULL, "error", NULL, NOT_FOUND, NULL },
  { "status/503-read", R_STATUS, PM_API_READ, 503, "Service Unavailable", "error", NULL, SERVER,
    "Service Unavailable" },
  { "status/418", R_STATUS, PM_API_READ, 418, "{\"error\":\"I'm a teapot\"}", "error", NULL,
    NOT_ACCEPTED "I'm a teapot", "I'm a teapot" },

  /* reading a bill */
  { "read/unknown-state", R_READ_BILL, PM_API_READ, 200,
    "{\"code\":\"0000\",\"bill_id\":\"" SENT "\",\"appr_state\":\"X\"}", "refused", NULL,
    UNREADABLE,
    "no or unknown appr_state" },
  { "read/no-state", R_READ_BILL, PM_API_READ, 200, "{\"code\":\"0000\",\"bill_id\":\"" SENT "\"}",
    "refused", NULL, UNREADABLE, "no or unknown appr_state" },
  { "read/word-for-state", R_READ_BILL, PM_API_READ, 200,
    "{\"code\":\"0000\",\"appr_state\":\"PAID\"}",
    "refused", NULL, UNREADABLE, "no or unknown appr_state" },
  { "read/price-negative", R_READ_BILL, PM_API_READ, 200,
    "{\"code\":\"0000\",\"appr_state\":\"F\",\"appr_price\":-5}", "refused", NULL, UNREADABLE,
    "appr_price is not an amount in won" },
  { "read/price-too-large", R_READ_BILL, PM_API_READ, 200,
    "{\"code\":\"0000\",\"appr_state\":\"F\",\"appr_price\":\"99999999999999999999\"}", "refused",
    NULL, UNREADABLE, "appr_price is not an amount in won" },
  { "read/price-not-a-number", R_READ_BILL, PM_API_READ, 200,
    "{\"code\":\"0000\",\"appr_state\":\"F\",\"appr_price\":\"12만\"}", "refused", NULL, UNREADABLE,
    "appr_price is not an amount in won" },
  { "read/price-fraction", R_READ_BILL, PM_API_READ, 200,
    "{\"code\":\"0000\",\"appr_state\":\"F\",\"appr_price\":1.5}", "refused", NULL, UNREADABLE,
    "appr_price is not an amount in won" },
  { "read/price-boolean", R_READ_BILL, PM_API_READ, 200,
    "{\"code\":\"0000\",\"appr_state\":\"F\",\"appr_price\":true}", "refused", NULL, UNREADABLE,
    "appr_price is not an amount in won" },
  { "read/price-object", R_READ_BILL, PM_API_READ, 200,
    "{\"code\":\"0000\",\"appr_state\":\"F\",\"appr_price\":{\"won\":1000}}", "refused", NULL,
    UNREADABLE, "appr_price is not an amount in won" },
  { "read/code-9980", R_READ_BILL, PM_API_READ, 200, "{\"code\":\"9980\",\"msg\":\"청구서 없음\"}",
    "refused", NULL, NOT_FOUND, "청구서 없음" },
  { "read/code-1003", R_READ_BILL, PM_API_READ, 200, "{\"code\":\"1003\"}", "refused", NULL,
    FORBIDDEN, NULL },
  { "read/success-false", R_READ_BILL, PM_API_READ, 200, "{\"success\":false,\"error\":\"denied\"}",
    "refused", NULL, SERVER, "denied" },
  { "read/array", R_READ_BILL, PM_API_READ, 200, "[]", "refused", NULL, UNREADABLE, NULL },
  { "read/string", R_READ_BILL, PM_API_READ, 200, "\"F\"", "refused", NULL, UNREADABLE, NULL },

  /* the limits of a reply, before json-glib sees it */
  { "parse/no-body", R_PARSE, PM_API_READ, 200, NULL, "refused", NULL, UNREADABLE, "empty reply" },
  { "parse/empty", R_PARSE, PM_API_READ, 200, "", "refused", NULL, UNREADABLE, "empty reply" },
  { "parse/over-1-mib", R_PARSE, PM_API_READ, 200, BIG_BODY, "refused", NULL, UNREADABLE,
    "reply larger than 1 MiB" },
  { "parse/65-arrays-deep", R_PARSE, PM_API_READ, 200, DEEP_BODY, "refused", NULL, UNREADABLE,
    "reply nested too deep" },
  { "parse/65-objects-deep", R_PARSE, PM_API_READ, 200, "{65*{\"a\":}1{65*!}", "refused", NULL,
    UNREADABLE, "reply nested too deep" },
  { "parse/65-deep-unclosed", R_PARSE, PM_API_READ, 200, "{65*[}", "refused", NULL, UNREADABLE,
    "reply nested too deep" },
  { "parse/unclosed-object", R_PARSE, PM_API_READ, 200, "{\"code\":\"0000\"", "refused", NULL,
    UNREADABLE, "{JSONERR:{\"code\":\"0000\"}" },
  { "parse/html", R_PARSE, PM_API_READ, 200, "<html></html>", "refused", NULL, UNREADABLE,
    "{JSONERR:<html></html>}" },

  /* payment links kept only when safe */
  { "link/http-remote", R_LINK, .body = "http://pay.example/b/1", .outcome = "refused" },
  { "link/http-loopback-not-allowed", R_LINK,
    .body = "http://127.0.0.1:8080/b/1",
    .outcome = "refused" },
  { "link/http-remote-loopback-allowed", R_LINK,
    .body = "http://pay.example/b/1",
    .outcome = "refused",
    .loopback = TRUE },
  { "link/http-localhost-lookalike", R_LINK, .body = "http://localhost.evil.example/b/1",
    .outcome = "refused", .loopback = TRUE },
  { "link/javascript", R_LINK, .body = "javascript:alert(1)", .outcome = "refused" },
  { "link/data", R_LINK,
    .body = "data:text/html,<script>alert(1)</script>",
    .outcome = "refused" },
  { "link/file", R_LINK, .body = "file:///etc/passwd", .outcome = "refused" },
  { "link/ftp", R_LINK, .body = "ftp://pay.example/b/1", .outcome = "refused" },
  { "link/no-host", R_LINK, .body = "https:///b/1", .outcome = "refused" },
  { "link/scheme-relative", R_LINK, .body = "//pay.example/b/1", .outcome = "refused" },
  { "link/user-info", R_LINK,
    .body = "https://pay.example@evil.example/b/1",
    .outcome = "refused" },
  { "link/right-to-left-override", R_LINK, .body = "https://pay.example/b/\u202egnp.exe",
    .outcome = "refused" },
  { "link/space", R_LINK,
    .body = "https://pay.example/b/1 https://evil.example",
    .outcome = "refused" },
  { "link/line-break", R_LINK, .body = "https://pay.example/b/1\n", .outcome = "refused" },
  { "link/non-ascii-host", R_LINK, .body = "https://pаy.example/b/1", .outcome = "refused" },
  { "link/empty", R_LINK, .body = "", .outcome = "refused" },

  /* what an error body shows (error, else message, else msg, else the raw text) */
  { "error-text/error-before-message", R_ERROR_TEXT, .body = "{\"message\":\"b\",\"error\":\"a\"}",
    .outcome = "text", .message = "a" },
  { "error-text/number", R_ERROR_TEXT,
    .body = "{\"error\":402}",
    .outcome = "text",
    .message = "402" },
  { "error-text/whitespace-only", R_ERROR_TEXT,
    .body = " \r\n\t ",
    .outcome = "text",
    .message = NULL },
  { "error-text/terminal-escape", R_ERROR_TEXT, .body = "\x1b[2J\x1b[HGateway \xc2\x9b" "error",
    .outcome = "text", .message = "[2J[HGateway error" },
  { "error-text/not-utf8", R_ERROR_TEXT, .body = "\xbf\xa1\xb7\xaf error", .outcome = "text",
    .message = "\ufffd\ufffd\ufffd\ufffd error" },
  { "error-text/long", R_ERROR_TEXT, .body = "{301*가}", .outcome = "text", .message = "{300*가}…" },

  /* server text is data */
  { "sanitize/escape", R_SANITIZE,
    .body = "김영희\x1b[2J",
    .outcome = "cleaned",
    .message = "김영희[2J" },
  { "sanitize/override", R_SANITIZE, .body = "abc\u202egnp.exe", .outcome = "cleaned",
    .message = "abcgnp.exe" },
  { "sanitize/isolates", R_SANITIZE, .body = "\u2066김\u2067영\u2068희\u2069", .outcome = "cleaned",
    .message = "김영희" },
  { "sanitize/breaks", R_SANITIZE,
    .body = "a\tb\nc\r\n",
    .outcome = "cleaned",
    .message = "a b c  " },
  { "sanitize/c1-and-delete", R_SANITIZE,
    .body = "a\xc2\x85" "b\x7f" "c\xc2\x9b" "d",
    .outcome = "cleaned",
    .message = "abcd" },
  { "sanitize/not-utf8", R_SANITIZE, .body = "\xff\xfe 결제", .outcome = "cleaned",
    .message = "\ufffd\ufffd 결제" },
};

/* "{N*x}" repeats; "{65*{\"a\":}1{65*!}" uses ! for a closing brace. */
static GBytes *
reply_body (const ReplyCase *c)
{
  g_autofree char *text = NULL;
  g_autoptr(GString) out = NULL;

  if (c->body == NULL)
    return NULL;
  text = expand (c->body, TRUE);
  if (strstr (c->body, "{65*!}") != NULL)
    {
      out = g_string_new (text);
      g_string_replace (out, "!", "}", 0);
      return g_bytes_new (out->str, out->len);
    }
  return g_bytes_new (text, strlen (text));
}

/* The server text json-glib gives for a body it cannot parse ({JSONERR:body}), as this
 * build's json-glib words it. */
static char *
reply_detail (const ReplyCase *c)
{
  g_autofree char *detail = expand (c->detail, TRUE);

  if (detail != NULL && g_str_has_prefix (detail, "{JSONERR:"))
    {
      g_autoptr(JsonParser) parser = json_parser_new ();
      g_autoptr(GError) error = NULL;
      g_autofree char *body = g_strndup (detail + 9, strlen (detail) - 10);

      g_assert_false (json_parser_load_from_data (parser, body, -1, &error));
      g_assert_nonnull (error);
      return g_strdup (error->message);
    }
  return g_steal_pointer (&detail);
}

static void
test_reply (gconstpointer data)
{
  const ReplyCase *c = data;
  g_autoptr(GBytes) body = reply_body (c);
  g_autofree char *message = expand (c->message, TRUE);
  g_autofree char *detail = reply_detail (c);
  g_autoptr(GError) error = NULL;

  switch (c->kind)
    {
    case R_CLASSIFY:
      {
        g_autoptr(PmSendResult) result = NULL;
        PmApiSendOutcome outcome;

        outcome = pm_api_classify_send (c->endpoint, c->status, body, SENT, &result, &error);
        g_test_message ("outcome %s", pm_api_send_outcome_to_string (outcome));
        g_assert_cmpstr (pm_api_send_outcome_to_string (outcome), ==, c->outcome);
        g_assert_null (result);
        assert_error (error, c->field, message, detail);
        /* only an unknown outcome may have charged the payer */
        g_assert_cmpint (pm_error_is_maybe_done (error), ==, outcome == PM_API_SEND_UNKNOWN);
        break;
      }
    case R_STATUS:
      error = pm_api_error_for_status (pm_api_get_endpoint (c->endpoint), c->status, body);
      g_assert_cmpuint (pm_error_get_http_status (error), ==, c->status);
      assert_error (error, c->field, message, detail);
      break;
    case R_READ_BILL:
      {
        g_autoptr(PmBill) bill = pm_bill_new ();
        g_autoptr(JsonNode) root = pm_api_parse (body, &error);

        g_assert_no_error (error);
        g_assert_false (pm_api_read_bill (root, bill, &error));
        g_assert_cmpint (pm_bill_get_state (bill), ==, PM_BILL_STATE_QUEUED); /* untouched */
        assert_error (error, c->field, message, detail);
        break;
      }
    case R_PARSE:
      {
        g_autoptr(JsonNode) root = pm_api_parse (body, &error);

        g_assert_null (root);
        g_assert_true (g_error_matches (error, PM_ERROR, PM_ERROR_PROTOCOL));
        assert_error (error, c->field, message, detail);
        break;
      }
    case R_ERROR_TEXT:
      {
        g_autofree char *text = pm_api_read_error_text (body);

        g_assert_cmpstr (text, ==, message);
        break;
      }
    case R_LINK:
      {
        g_autofree char *url = expand (c->body, TRUE);

        g_assert_false (pm_api_check_link (url, c->loopback));
        break;
      }
    case R_SANITIZE:
      {
        g_autofree char *text = pm_text_sanitize (c->body, -1);

        g_assert_cmpstr (text, ==, message);
        g_assert_true (g_utf8_validate (text, -1, NULL));
        g_assert_cmpint (pm_text_find_unsafe (text, FALSE, NULL), ==, 0);
        break;
      }
    default:
      g_assert_not_reached ();
    }
}

/* ---------------------------------------------------------------------------------
 * The catalogue as Markdown
 * ------------------------------------------------------------------------------ */

/* Text for a table cell: Markdown's special characters escaped, control, format and
 * unusual space characters (and spaces at either end) as U+XXXX, bytes that are not
 * UTF-8 as \xNN; @csv_breaks shows a line feed as <br>. */
static char *
md_escape (const char *text,
           gssize      len,
           gboolean    csv_breaks)
{
  GString *out = g_string_new (NULL);
  const char *p, *end;

  const char *lead_end, *trail_start;

  if (text == NULL)
    return g_string_free (out, FALSE);
  end = text + (len < 0 ? (gssize) strlen (text) : len);
  /* spaces at either end would not show */
  for (lead_end = text; lead_end < end && *lead_end == ' '; lead_end++)
    ;
  for (trail_start = end; trail_start > lead_end && trail_start[-1] == ' '; trail_start--)
    ;
  for (p = text; p < end;)
    {
      const char *next;
      gunichar c = g_utf8_get_char_validated (p, end - p);

      if (c == (gunichar) -1 || c == (gunichar) -2)
        {
          g_string_append_printf (out, "\\\\x%02X", (guchar) *p);
          p++;
          continue;
        }
      next = g_utf8_next_char (p);
      if (c == '\n' && csv_breaks)
        g_string_append (out, "<br>");
      else if (c == ' ' && (p < lead_end || p >= trail_start))
        g_string_append (out, "U+0020");
      else if (pm_text_is_unsafe_char (c) || c == 0x00A0 || c == 0x3000 || c == 0xFFFD
               || g_unichar_type (c) == G_UNICODE_FORMAT
               || g_unichar_type (c) == G_UNICODE_LINE_SEPARATOR
               || g_unichar_type (c) == G_UNICODE_PARAGRAPH_SEPARATOR)
        g_string_append_printf (out, "U+%04X", c);
      else if (c < 0x80 && c != 0 && strchr ("\\|*_`[]<>#", (int) c) != NULL)
        g_string_append_printf (out, "\\%c", (char) c);
      else
        g_string_append_len (out, p, next - p);
      p = next;
    }
  return g_string_free (out, FALSE);
}

/* Runs of ten or more of one character as "{N*c}", as the inputs are written. */
static char *
compress_runs (const char *text)
{
  GString *out;

  if (text == NULL || !g_utf8_validate (text, -1, NULL))
    return g_strdup (text);
  out = g_string_new (NULL);
  for (const char *p = text; *p != '\0';)
    {
      gunichar c = g_utf8_get_char (p);
      const char *next = g_utf8_next_char (p);
      const char *q = next;
      guint n = 1;

      while (*q != '\0' && g_utf8_get_char (q) == c)
        {
          q = g_utf8_next_char (q);
          n++;
        }
      if (n >= 10)
        {
          g_string_append_printf (out, "{%u*", n);
          g_string_append_len (out, p, next - p);
          g_string_append_c (out, '}');
        }
      else
        g_string_append_len (out, p, q - p);
      p = q;
    }
  return g_string_free (out, FALSE);
}

static void
free_entry (gpointer data)
{
  Entry *e = data;

  g_free (e->input);
  g_free (e->message);
  g_free (e->detail);
  g_free (e);
}

static void
add_entry (const char *area,
           const char *name,
           char       *input,
           const char *field,
           const char *outcome,
           char       *message,
           char       *detail)
{
  Entry *e = g_new0 (Entry, 1);

  e->area = area;
  e->name = name;
  e->input = input;
  e->field = field;
  e->outcome = outcome;
  e->message = message;
  e->detail = detail;
  g_ptr_array_add (entries, e);
}

static void
collect_entries (void)
{
  entries = g_ptr_array_new_with_free_func (free_entry);

  for (guint i = 0; i < G_N_ELEMENTS (form_cases); i++)
    {
      const FormCase *c = &form_cases[i];
      g_autofree char *shown = expand (c->input, FALSE);
      g_autofree char *escaped = c->input == NULL ? g_strdup ("(none)")
                                 : shown[0] == '\0' ? g_strdup ("(empty)")
                                 : md_escape (shown, -1, FALSE);

      g_autofree char *kind = md_escape (form_kind_names[c->kind], -1, FALSE);

      add_entry ("form", c->name, g_strdup_printf ("%s: %s", kind, escaped),
                 c->field, "refused", expand (c->message, TRUE), NULL);
    }
  for (guint i = 0; i < G_N_ELEMENTS (csv_cases); i++)
    {
      const CsvCase *c = &csv_cases[i];
      g_autoptr(GString) input = g_string_new (NULL);
      g_autofree char *default_expiry = expand (c->default_expiry, TRUE);

      if (c->path != NULL)
        g_string_append_printf (input, "the file %s", c->path);
      else if (c->about != NULL)
        {
          g_autofree char *escaped = md_escape (c->about, -1, FALSE);

          if (c->max_rows != 0)
            g_string_append_printf (input, "(limit %u rows) ", c->max_rows);
          g_string_append (input, escaped);
        }
      else
        {
          g_autofree char *shown = c->len > 0 ? NULL : expand (c->text, FALSE);
          g_autofree char *escaped = c->len > 0 ? md_escape (c->text, (gssize) c->len, TRUE)
                                                : md_escape (shown, -1, TRUE);

          if (c->convert_to != NULL)
            g_string_append_printf (input, "(written in %s%s) ", c->convert_to,
                                    g_str_equal (c->convert_to, "UTF-16LE") ? " with a BOM" : "");
          if (c->encoding != NULL)
            g_string_append_printf (input, "(read as %s) ", c->encoding);
          if (c->map_phone != NULL)
            g_string_append_printf (input, "(phone column chosen: “%s”) ", c->map_phone);
          if (c->map_note != NULL)
            g_string_append_printf (input, "(note column chosen: “%s”) ", c->map_note);
          if (default_expiry != NULL)
            g_string_append_printf (input, "(default expiry %s) ", default_expiry);
          if (c->max_bytes != 0)
            g_string_append_printf (input, "(limit %" G_GSIZE_FORMAT " bytes) ", c->max_bytes);
          if (c->max_rows != 0)
            g_string_append_printf (input, "(limit %u rows) ", c->max_rows);
          g_string_append (input, escaped[0] != '\0' ? escaped : "(empty)");
        }
      add_entry ("csv", c->name, g_string_free (g_steal_pointer (&input), FALSE), c->field,
                 "refused", csv_expected (c), NULL);
    }
  for (guint i = 0; i < G_N_ELEMENTS (reply_cases); i++)
    {
      const ReplyCase *c = &reply_cases[i];
      g_autoptr(GString) input = g_string_new (NULL);
      g_autofree char *shown = c->body ? expand (c->body, FALSE) : NULL;
      g_autofree char *escaped = NULL;
      g_autofree char *kind = md_escape (reply_kind_names[c->kind], -1, FALSE);

      if (shown != NULL && strstr (shown, "{65*!}") != NULL)
        {
          g_autoptr(GString) s = g_string_new (shown);

          g_string_replace (s, "{65*!}", "{65*}}", 0);
          g_free (shown);
          shown = g_string_free (g_steal_pointer (&s), FALSE);
        }
      escaped = shown == NULL ? g_strdup ("(no body)")
                : shown[0] == '\0' ? g_strdup ("(empty)") : md_escape (shown, -1, FALSE);

      switch (c->kind)
        {
        case R_CLASSIFY:
        case R_STATUS:
          g_string_append_printf (input, "%s: %s %u, ", kind,
                                  pm_api_get_endpoint (c->endpoint)->name, c->status);
          break;
        case R_READ_BILL:
        case R_PARSE:
        case R_ERROR_TEXT:
        case R_SANITIZE:
          g_string_append_printf (input, "%s: ", kind);
          break;
        case R_LINK:
          g_string_append_printf (input, "%s (%s): ", kind,
                                  c->loopback ? "loopback sandbox" : "remote server");
          break;
        default:
          g_assert_not_reached ();
        }
      g_string_append (input, escaped);
      add_entry ("reply", c->name, g_string_free (g_steal_pointer (&input), FALSE), c->field,
                 c->outcome, expand (c->message, TRUE), reply_detail (c));
    }
}

static char *
format_markdown (void)
{
  GString *out = g_string_new (NULL);
  guint counts[3] = { 0 };

  for (guint i = 0; i < entries->len; i++)
    {
      Entry *e = g_ptr_array_index (entries, i);

      counts[g_str_equal (e->area, "form") ? 0 : g_str_equal (e->area, "csv") ? 1 : 2]++;
    }
  g_string_append_printf (out, "%u bad-input cases: %u form, %u csv, %u reply.\n\n",
                          entries->len, counts[0], counts[1], counts[2]);
  g_string_append (out,
                   "<!-- Generated by tests/core/test-catalogue.c; do not edit. Regenerate with\n"
                   "     PM_CATALOGUE_MARKDOWN=1 LC_ALL=C.UTF-8 "
                   "_build/tests/core/test-catalogue > tests/core/CATALOGUE.md -->\n\n");
  g_string_append (out,
                   "# The bad-input catalogue\n\n"
                   "Every input below must be refused (or, for server text and links, cleaned "
                   "or dropped), with exactly the message shown. Each row is a test: "
                   "`/catalogue/<area>/<case>` in `test-catalogue` (suite `unit`), which "
                   "asserts the outcome, the field (`pm_error_get_field()`) and the whole "
                   "message; `/catalogue/markdown-is-current` checks that this file is its "
                   "output.\n\n"
                   "- Dates are relative to a fixed now, 2026-06-15 12:00 in Korea (KST).\n"
                   "- `{N*s}` is *s* repeated N times. Control, format and unusual space "
                   "characters are shown as U+XXXX, bytes that are not UTF-8 as \\\\xNN, "
                   "the line breaks of a CSV file as line breaks in the cell.\n"
                   "- Messages are the untranslated English; the server text kept with an "
                   "error (for details) follows “server text:”.\n"
                   "- Outcomes of a reply to a chargeable call: *exists*, *failed* (definitely "
                   "nothing created) and *unknown* (may have been created: the bill is read "
                   "back before anything else); *created* is not a bad input.\n\n");
  g_string_append (out,
                   "| area | case | input | field | outcome | message |\n"
                   "|---|---|---|---|---|---|\n");
  for (guint i = 0; i < entries->len; i++)
    {
      Entry *e = g_ptr_array_index (entries, i);
      g_autofree char *name = md_escape (e->name, -1, FALSE);
      g_autofree char *short_message = compress_runs (e->message);
      g_autofree char *short_detail = compress_runs (e->detail);
      g_autofree char *message = e->message ? md_escape (short_message, -1, TRUE)
                                            : g_strdup ("—");
      g_autofree char *detail = e->detail ? md_escape (short_detail, -1, FALSE) : NULL;
      g_autofree char *field = e->field ? md_escape (e->field, -1, FALSE) : g_strdup ("—");

      g_string_append_printf (out, "| %s | %s | %s | %s | %s | %s%s%s |\n", e->area, name,
                              e->input, field, e->outcome, message,
                              detail ? "<br>server text: " : "", detail ? detail : "");
    }
  return g_string_free (out, FALSE);
}

/* tests/core/CATALOGUE.md is this program's Markdown output, so its count is the count. */
static void
test_markdown_current (void)
{
  const char *root = g_getenv ("PM_SOURCE_ROOT");
  g_autofree char *path = NULL;
  g_autofree char *markdown = NULL;
  g_autofree char *contents = NULL;
  g_autoptr(GError) error = NULL;

  if (root == NULL)
    {
      g_test_skip ("PM_SOURCE_ROOT is not set");
      return;
    }
  path = g_build_filename (root, "tests", "core", "CATALOGUE.md", NULL);
  g_file_get_contents (path, &contents, NULL, &error);
  g_assert_no_error (error);
  collect_entries ();
  markdown = format_markdown ();
  g_clear_pointer (&entries, g_ptr_array_unref);
  if (g_strcmp0 (contents, markdown) != 0)
    g_test_fail_printf ("%s is out of date: regenerate it with PM_CATALOGUE_MARKDOWN=1 "
                        "(see its second line)", path);
}

int
main (int   argc,
      char *argv[])
{
  int status;

  /* untranslated: the catalogue asserts the English source messages */
  g_setenv ("LANGUAGE", "C", TRUE);
  g_setenv ("LC_ALL", "C.UTF-8", TRUE);
  setlocale (LC_ALL, "");

  if (g_strcmp0 (g_getenv ("PM_CATALOGUE_MARKDOWN"), "1") == 0)
    {
      g_autofree char *markdown = NULL;

      collect_entries ();
      markdown = format_markdown ();
      g_print ("%s", markdown);
      g_clear_pointer (&entries, g_ptr_array_unref);
      return 0;
    }

  pm_test_init (&argc, &argv);
  /* every case runs and a failure names its case, rather than the first one ending the run */
  g_test_set_nonfatal_assertions ();

  for (guint i = 0; i < G_N_ELEMENTS (form_cases); i++)
    {
      g_autofree char *path = g_strdup_printf ("/catalogue/form/%s", form_cases[i].name);

      g_test_add_data_func (path, &form_cases[i], test_form);
    }
  for (guint i = 0; i < G_N_ELEMENTS (csv_cases); i++)
    {
      g_autofree char *path = g_strdup_printf ("/catalogue/csv/%s", csv_cases[i].name);

      g_test_add_data_func (path, &csv_cases[i], test_csv);
    }
  for (guint i = 0; i < G_N_ELEMENTS (reply_cases); i++)
    {
      g_autofree char *path = g_strdup_printf ("/catalogue/reply/%s", reply_cases[i].name);

      g_test_add_data_func (path, &reply_cases[i], test_reply);
    }

  g_test_add_func ("/catalogue/markdown-is-current", test_markdown_current);

  status = g_test_run ();
  return status;
}
