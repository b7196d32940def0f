/* test-money.c — won formatting, Korean reading and parsing
 *
 * Copyright 2026 The Paymint Desk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "pm-error.h"
#include "pm-money.h"
#include "pm-test-util.h"

#include <string.h>

typedef struct
{
  const char *input;
  gint64      won;       /* expected when accepted */
  const char *error_has; /* NULL when accepted; a piece of the expected message otherwise */
} ParseCase;

static const ParseCase parse_cases[] = {
  /* accepted */
  { "1", 1, NULL },
  { "12000", 12000, NULL },
  { "1,234,000", 1234000, NULL },
  { "₩1234000", 1234000, NULL },
  { "₩1,234,000", 1234000, NULL },
  { "₩ 1,234,000", 1234000, NULL },
  { "￦5,000", 5000, NULL },
  { "\\5000", 5000, NULL },
  { "1234000원", 1234000, NULL },
  { "1,234,000 원", 1234000, NULL },
  { "  42  ", 42, NULL },
  { "１２３４", 1234, NULL },
  { "１，２３４", 1234, NULL },
  { "9,999,999,999", G_GINT64_CONSTANT (9999999999), NULL },
  { "9999999999", G_GINT64_CONSTANT (9999999999), NULL },
  { "0000000001", 1, NULL },
  { "007", 7, NULL },
  { "+500", 500, NULL },
  { "100 000", 100000, NULL },
  { "1 234 000", 1234000, NULL },
  { "10 20", 0, "every three digits" },
  { "1 2", 0, "every three digits" },
  { "₩ 1 2 3", 0, "every three digits" },
  { "0,500", 0, "every three digits" },
  { "00,012", 0, "every three digits" },
  /* boundaries: below and above */
  { "0", 0, "at least ₩1" },
  { "000", 0, "at least ₩1" },
  { "₩0", 0, "at least ₩1" },
  { "10000000000", 0, "at most ₩9,999,999,999" },
  { "10,000,000,000", 0, "at most ₩9,999,999,999" },
  { "99999999999999999999999", 0, "at most ₩9,999,999,999" },
  /* negative */
  { "-1", 0, "negative" },
  { "-1,000", 0, "negative" },
  { "−500", 0, "negative" },
  { "₩-500", 0, "negative" },
  /* empty */
  { "", 0, "Enter the amount" },
  { "   ", 0, "Enter the amount" },
  { "원", 0, "digits only" },
  { "₩", 0, "Enter the amount" },
  /* decimals */
  { "1234.5", 0, "whole won" },
  { "1,234.00", 0, "whole won" },
  { "0.5", 0, "whole won" },
  /* non-digits and misplaced separators */
  { "12a", 0, "digits only" },
  { "abc", 0, "digits only" },
  { "1e6", 0, "digits only" },
  { "12원34", 0, "digits only" },
  { "5000₩", 0, "digits only" },
  { "₩₩5000", 0, "digits only" },
  { ",1000", 0, "digits only" },
  { "1,23", 0, "every three digits" },
  { "1234,567", 0, "every three digits" },
  { "1,2345", 0, "every three digits" },
  { "1,000,", 0, "every three digits" },
  { "1.", 0, "digits only" },
  { "--5", 0, "digits only" },
  { "5-", 0, "digits only" },
  { "\xc3\x28", 0, "Enter the amount" },
};

static void
test_money_parse_table (void)
{
  g_assert_cmpuint (G_N_ELEMENTS (parse_cases), >=, 30);

  for (guint i = 0; i < G_N_ELEMENTS (parse_cases); i++)
    {
      const ParseCase *c = &parse_cases[i];
      g_autoptr(GError) error = NULL;
      gint64 won = -7;
      gboolean ok;

      g_autofree char *shown = g_strescape (c->input, NULL);

      g_test_message ("case %u: “%s”", i, shown);
      ok = pm_money_parse (c->input, &won, &error);
      if (c->error_has == NULL)
        {
          g_assert_no_error (error);
          g_assert_true (ok);
          g_assert_cmpint (won, ==, c->won);
        }
      else
        {
          g_assert_error (error, PM_ERROR, PM_ERROR_INVALID);
          g_assert_false (ok);
          g_assert_cmpint (won, ==, 0);
          g_assert_cmpstr (pm_error_get_field (error), ==, "price");
          if (strstr (error->message, c->error_has) == NULL)
            g_error ("“%s”: message “%s” lacks “%s”", c->input, error->message, c->error_has);
        }
    }
}

static void
test_money_parse_null (void)
{
  g_autoptr(GError) error = NULL;
  gint64 won = 5;

  g_assert_false (pm_money_parse (NULL, &won, &error));
  g_assert_error (error, PM_ERROR, PM_ERROR_INVALID);
  g_assert_cmpint (won, ==, 0);
}

static void
test_money_format (void)
{
  static const struct
  {
    gint64      won;
    const char *text;
  } cases[] = {
    { 0, "₩0" },
    { 1, "₩1" },
    { 999, "₩999" },
    { 1000, "₩1,000" },
    { 12345, "₩12,345" },
    { 1234000, "₩1,234,000" },
    { G_GINT64_CONSTANT (9999999999), "₩9,999,999,999" },
    { G_GINT64_CONSTANT (10000000000), "₩10,000,000,000" },
    { -1, "-₩1" },
    { -1234, "-₩1,234" },
    { G_MAXINT64, "₩9,223,372,036,854,775,807" },
    { G_MININT64, "-₩9,223,372,036,854,775,808" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *text = pm_money_format (cases[i].won);
      g_autofree char *digits = pm_money_format_digits (cases[i].won);
      gint64 back = 0;

      g_assert_cmpstr (text, ==, cases[i].text);
      /* Round trip for every amount in range */
      if (cases[i].won >= PM_MONEY_MIN && cases[i].won <= PM_MONEY_MAX)
        {
          g_assert_true (pm_money_parse (text, &back, NULL));
          g_assert_cmpint (back, ==, cases[i].won);
          g_assert_true (pm_money_parse (digits, &back, NULL));
          g_assert_cmpint (back, ==, cases[i].won);
        }
    }
}

static void
test_money_korean (void)
{
  static const struct
  {
    gint64      won;
    const char *text;
  } cases[] = {
    { 0, "영 원" },
    { 1, "일 원" },
    { 10, "십 원" },
    { 11, "십일 원" },
    { 100, "백 원" },
    { 1000, "천 원" },
    { 1001, "천일 원" },
    { 2020, "이천이십 원" },
    { 9999, "구천구백구십구 원" },
    { 10000, "만 원" },
    { 10001, "만 일 원" },
    { 11000, "만 천 원" },
    { 20000, "이만 원" },
    { 100000, "십만 원" },
    { 110000, "십일만 원" },
    { 1000000, "백만 원" },
    { 1234000, "백이십삼만 사천 원" },
    { 10000000, "천만 원" },
    { 100000000, "일억 원" },
    { 100010000, "일억 만 원" },
    { 123456789, "일억 이천삼백사십오만 육천칠백팔십구 원" },
    { 1000000000, "십억 원" },
    { G_GINT64_CONSTANT (9999999999), "구십구억 구천구백구십구만 구천구백구십구 원" },
    { G_GINT64_CONSTANT (10000000000), "백억 원" },
    { G_GINT64_CONSTANT (1000000000000), "일조 원" },
    { -5000, "마이너스 오천 원" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *text = pm_money_format_korean (cases[i].won);
      g_assert_cmpstr (text, ==, cases[i].text);
    }
  /* The extremes do not crash and end in 원 */
  {
    g_autofree char *max = pm_money_format_korean (G_MAXINT64);
    g_autofree char *min = pm_money_format_korean (G_MININT64);
    g_assert_true (g_str_has_prefix (max, "구백이십이경 "));
    g_assert_true (g_str_has_suffix (max, " 원"));
    g_assert_true (g_str_has_prefix (min, "마이너스 구백이십이경 "));
  }
}

int
main (int   argc,
      char *argv[])
{
  pm_test_init (&argc, &argv);

  g_test_add_func ("/money/parse/table", test_money_parse_table);
  g_test_add_func ("/money/parse/null", test_money_parse_null);
  g_test_add_func ("/money/format", test_money_format);
  g_test_add_func ("/money/korean", test_money_korean);

  return g_test_run ();
}
