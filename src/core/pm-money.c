/* pm-money.c — won amounts: formatting, Korean reading, parsing
 *
 * Copyright 2026 The Paymint Desk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "pm-money.h"
#include "pm-error.h"

#include <glib/gi18n-lib.h>
#include <string.h>

char *
pm_money_format_digits (gint64 won)
{
  char buf[32];
  GString *out;
  guint64 magnitude;
  int len;

  magnitude = won < 0 ? (guint64) (-(won + 1)) + 1 : (guint64) won;
  len = g_snprintf (buf, sizeof buf, "%" G_GUINT64_FORMAT, magnitude);

  out = g_string_new (won < 0 ? "-" : NULL);
  for (int i = 0; i < len; i++)
    {
      if (i > 0 && (len - i) % 3 == 0)
        g_string_append_c (out, ',');
      g_string_append_c (out, buf[i]);
    }
  return g_string_free (out, FALSE);
}

char *
pm_money_format (gint64 won)
{
  g_autofree char *digits = pm_money_format_digits (won);

  if (won < 0)
    return g_strdup_printf ("-₩%s", digits + 1);
  return g_strdup_printf ("₩%s", digits);
}

static const char *const korean_digits[] = {
  "", "일", "이", "삼", "사", "오", "육", "칠", "팔", "구",
};
static const char *const korean_places[] = { "", "십", "백", "천" };
static const char *const korean_groups[] = { "", "만", "억", "조", "경" };

/* Appends the reading of 1 … 9999 (one group of four digits). */
static void
append_group (GString *out,
              guint    group,
              guint    group_index)
{
  guint divisor = 1000;

  if (group == 1 && group_index == 1)
    return; /* 만, not 일만 */

  for (int place = 3; place >= 0; place--, divisor /= 10)
    {
      guint d = (group / divisor) % 10;

      if (d == 0)
        continue;
      if (d != 1 || place == 0)
        g_string_append (out, korean_digits[d]);
      g_string_append (out, korean_places[place]);
    }
}

char *
pm_money_format_korean (gint64 won)
{
  GString *out = g_string_new (NULL);
  guint64 magnitude;
  guint groups[5] = { 0 };
  int n = 0;

  if (won == 0)
    {
      g_string_append (out, "영 원");
      return g_string_free (out, FALSE);
    }

  if (won < 0)
    g_string_append (out, "마이너스 ");
  magnitude = won < 0 ? (guint64) (-(won + 1)) + 1 : (guint64) won;

  /* A gint64 goes no further than 922경, so five groups always suffice. */
  while (magnitude > 0 && n < (int) G_N_ELEMENTS (groups))
    {
      groups[n++] = magnitude % 10000;
      magnitude /= 10000;
    }

  for (int i = n - 1; i >= 0; i--)
    {
      if (groups[i] == 0)
        continue;
      if (out->len > 0 && out->str[out->len - 1] != ' ')
        g_string_append_c (out, ' ');
      append_group (out, groups[i], i);
      g_string_append (out, korean_groups[i]);
    }
  g_string_append (out, " 원");
  return g_string_free (out, FALSE);
}

static gboolean
is_space (gunichar c)
{
  return g_unichar_isspace (c) || c == 0x00A0 || c == 0x3000 || c == 0x202F || c == 0x2009;
}

static gboolean
fail (GError     **error,
      const char  *message)
{
  pm_error_set_field_error (error, PM_ERROR_INVALID, "price", "%s", message);
  return FALSE;
}

/**
 * pm_money_parse:
 * @input: UTF-8 text
 * @won: (out): the amount
 * @error: a PM_ERROR_INVALID error naming "price"
 */
gboolean
pm_money_parse (const char  *input,
                gint64      *won,
                GError     **error)
{
  g_autoptr(GString) digits = g_string_new (NULL);
  g_autofree char *max_text = NULL;
  const char *p;
  gboolean seen_currency = FALSE;
  gboolean seen_unit = FALSE;
  gboolean negative = FALSE;
  gboolean grouped = FALSE;
  gboolean gap = FALSE;  /* a space after a digit: more digits after it are refused */
  int group_len = 0;     /* digits since the last separator */
  int first_group = -1;  /* digits before the first separator */
  guint64 value = 0;
  gsize significant;

  g_return_val_if_fail (won != NULL, FALSE);
  *won = 0;

  if (input == NULL || !g_utf8_validate (input, -1, NULL))
    return fail (error, _("Enter the amount in won, like 12,000."));

  for (p = input; *p; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (is_space (c))
        {
          gap = gap || digits->len > 0;
          continue;
        }
      /* a space between digits separates thousands ("100 000") like a comma, by the same
       * rule: "10 20" is not 1,020 */
      if (gap && ((c >= '0' && c <= '9') || (c >= 0xFF10 && c <= 0xFF19)))
        {
          if (!grouped)
            first_group = group_len;
          else if (group_len != 3)
            return fail (error, _("Put a thousands separator every three digits, like 1,234,000."));
          grouped = TRUE;
          group_len = 0;
        }
      gap = FALSE;

      if (seen_unit)
        return fail (error, _("Write the amount as digits only, like 12,000."));

      if ((c >= '0' && c <= '9') || (c >= 0xFF10 && c <= 0xFF19))
        {
          g_string_append_c (digits, (char) ('0' + g_unichar_digit_value (c)));
          group_len++;
        }
      else if (c == ',' || c == 0xFF0C)
        {
          if (digits->len == 0)
            return fail (error, _("Write the amount as digits only, like 12,000."));
          if (!grouped)
            first_group = group_len;
          else if (group_len != 3)
            return fail (error, _("Put a thousands separator every three digits, like 1,234,000."));
          grouped = TRUE;
          group_len = 0;
        }
      else if (c == '.' || c == 0xFF0E)
        {
          const char *q = g_utf8_next_char (p);

          if (digits->len > 0 && *q != '\0' && g_ascii_isdigit (*q))
            return fail (error, _("Amounts are whole won: remove the decimal part."));
          return fail (error, _("Write the amount as digits only, like 12,000."));
        }
      else if (c == 0x20A9 /* ₩ */ || c == 0xFFE6 /* ￦ */ || c == '\\')
        {
          if (seen_currency || digits->len > 0)
            return fail (error, _("Write the amount as digits only, like 12,000."));
          seen_currency = TRUE;
        }
      else if (c == 0xC6D0 /* 원 */)
        {
          if (digits->len == 0)
            return fail (error, _("Write the amount as digits only, like 12,000."));
          seen_unit = TRUE;
        }
      else if (c == '-' || c == 0x2212 || c == 0xFF0D)
        {
          if (digits->len > 0 || negative)
            return fail (error, _("Write the amount as digits only, like 12,000."));
          negative = TRUE;
        }
      else if (c == '+' && digits->len == 0 && !negative)
        continue;
      else
        return fail (error, _("Write the amount as digits only, like 12,000."));
    }

  if (grouped && (group_len != 3 || first_group < 1 || first_group > 3
                  || digits->str[0] == '0'))
    return fail (error, _("Put a thousands separator every three digits, like 1,234,000."));

  if (digits->len == 0)
    return fail (error, _("Enter the amount in won, like 12,000."));

  /* Leading zeros carry no value. */
  significant = strspn (digits->str, "0");
  significant = digits->len - significant;

  if (negative && significant > 0)
    return fail (error, _("The amount cannot be negative."));
  if (significant == 0)
    return fail (error, _("The amount must be at least ₩1."));

  max_text = pm_money_format (PM_MONEY_MAX);
  if (significant > 10)
    {
      g_autofree char *message =
        g_strdup_printf (_("The amount can be at most %s (10 digits)."), max_text);
      return fail (error, message);
    }

  for (gsize i = 0; i < digits->len; i++)
    value = value * 10 + (guint64) (digits->str[i] - '0');

  if (value > (guint64) PM_MONEY_MAX)
    {
      g_autofree char *message =
        g_strdup_printf (_("The amount can be at most %s (10 digits)."), max_text);
      return fail (error, message);
    }

  *won = (gint64) value;
  return TRUE;
}
