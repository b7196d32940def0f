/* pm-phone.c — Korean mobile numbers (API.md §4)
 *
 * Copyright 2026 The Paymint Desk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "pm-phone.h"
#include "pm-error.h"

/* Characters people type inside a phone number that carry no meaning. */
static gboolean
is_phone_punctuation (gunichar c)
{
  return c == ' ' || c == '-' || c == '.' || c == '(' || c == ')' || c == '+' || c == '/'
         || c == 0x00A0 /* no-break space */ || c == 0x2010 || c == 0x2011 || c == 0x2012
         || c == 0x2013 || c == 0x2014 || c == 0x2212 /* dashes and minus */
         || c == 0x3000 /* ideographic space */ || c == 0xFF0D /* fullwidth hyphen */
         || c == 0xFF0B /* fullwidth plus */ || c == 0xFF08 || c == 0xFF09 /* fullwidth ( ) */
         || c == 0xFF0E /* fullwidth full stop */ || c == '\t';
}

/**
 * pm_phone_check:
 * @input: what the person typed, UTF-8
 * @normalized: (out) (optional): the digits-only national form when valid or legacy
 *
 * Strips every non-digit (full-width digits count as digits), turns `82 10…`
 * (12 digits) and `10…` (10 digits) into the national `010…` form, and classifies it.
 */
PmPhoneCheck
pm_phone_check (const char  *input,
                char       **normalized)
{
  g_autoptr(GString) digits = g_string_new (NULL);
  const char *p;
  const char *d;
  gsize len;

  if (normalized)
    *normalized = NULL;
  if (input == NULL || !g_utf8_validate (input, -1, NULL))
    return input == NULL ? PM_PHONE_EMPTY : PM_PHONE_BAD_CHARACTERS;

  for (p = input; *p; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);
      int v = g_unichar_digit_value (c);

      if (v >= 0 && (c < 0x80 || (c >= 0xFF10 && c <= 0xFF19)))
        g_string_append_c (digits, (char) ('0' + v));
      else if (!is_phone_punctuation (c))
        return PM_PHONE_BAD_CHARACTERS;
      if (digits->len > 32)
        return PM_PHONE_TOO_LONG;
    }

  if (digits->len == 0)
    return PM_PHONE_EMPTY;

  /* International forms: 0082… as dialled from abroad, then 82 10 xxxx xxxx → 010xxxxxxxx;
   * also +82 010… as people often write it, and legacy 82 1[16789]…. */
  if (g_str_has_prefix (digits->str, "0082") && digits->len >= 13)
    g_string_erase (digits, 0, 2);
  if (g_str_has_prefix (digits->str, "82") && digits->len >= 11)
    {
      if (digits->str[2] == '0' && digits->str[3] == '1')
        g_string_erase (digits, 0, 2);
      else if (digits->str[2] == '1' && strchr ("016789", digits->str[3]) != NULL)
        {
          g_string_erase (digits, 0, 1);
          digits->str[0] = '0';
        }
    }
  else if (digits->len == 10 && g_str_has_prefix (digits->str, "10"))
    g_string_prepend_c (digits, '0');

  d = digits->str;
  len = digits->len;

  if (len == 11 && g_str_has_prefix (d, "010"))
    {
      if (normalized)
        *normalized = g_strdup (d);
      return PM_PHONE_VALID;
    }

  if (g_str_has_prefix (d, "01") && len >= 3 && strchr ("16789", d[2]) != NULL)
    {
      if (len == 10 || len == 11)
        {
          if (normalized)
            *normalized = g_strdup (d);
          return PM_PHONE_LEGACY;
        }
      return len < 10 ? PM_PHONE_TOO_SHORT : PM_PHONE_TOO_LONG;
    }

  if (g_str_has_prefix (d, "010"))
    return len < 11 ? PM_PHONE_TOO_SHORT : PM_PHONE_TOO_LONG;

  if (d[0] == '0' || g_str_has_prefix (d, "82"))
    return PM_PHONE_NOT_MOBILE;

  return len < 10 ? PM_PHONE_TOO_SHORT : PM_PHONE_NOT_MOBILE;
}

const char *
pm_phone_check_message (PmPhoneCheck check)
{
  switch (check)
    {
    case PM_PHONE_VALID:
      return NULL;
    case PM_PHONE_LEGACY:
      return _("This is an old-style mobile number (011, 016, 017, 018, 019); "
               "check that it still reaches the payer.");
    case PM_PHONE_EMPTY:
      return _("Enter the payer’s mobile number, like 010-1234-5678.");
    case PM_PHONE_NOT_MOBILE:
      return _("This is not a Korean mobile number. Enter one like 010-1234-5678.");
    case PM_PHONE_TOO_SHORT:
      return _("This number is too short. A mobile number looks like 010-1234-5678.");
    case PM_PHONE_TOO_LONG:
      return _("This number is too long. A mobile number looks like 010-1234-5678.");
    case PM_PHONE_BAD_CHARACTERS:
      return _("A phone number holds only digits, spaces, hyphens and +. "
               "Enter one like 010-1234-5678.");
    default:
      g_return_val_if_reached (NULL);
    }
}

/**
 * pm_phone_normalize:
 * @input: what the person typed
 * @normalized: (out): the digits-only national form
 * @legacy: (out) (optional): set when the number is an old-style 01[16789] number
 * @error: a %PM_ERROR_INVALID error naming the field "phone" when it is not a mobile number
 */
gboolean
pm_phone_normalize (const char  *input,
                    char       **normalized,
                    gboolean    *legacy,
                    GError     **error)
{
  PmPhoneCheck check;

  g_return_val_if_fail (normalized != NULL, FALSE);

  check = pm_phone_check (input, normalized);
  if (legacy)
    *legacy = check == PM_PHONE_LEGACY;
  if (check == PM_PHONE_VALID || check == PM_PHONE_LEGACY)
    return TRUE;

  pm_error_set_field_error (error, PM_ERROR_INVALID, "phone", "%s", pm_phone_check_message (check));
  return FALSE;
}

/**
 * pm_phone_format_display:
 * @digits: a normalised number (digits only)
 *
 * Returns: 010-1234-5678 for 11 digits, 011-123-4567 for 10; anything else unchanged.
 */
char *
pm_phone_format_display (const char *digits)
{
  gsize len;

  if (digits == NULL)
    return g_strdup ("");
  len = strlen (digits);
  for (gsize i = 0; i < len; i++)
    if (!g_ascii_isdigit (digits[i]))
      return g_strdup (digits);
  if (len == 11)
    return g_strdup_printf ("%.3s-%.4s-%.4s", digits, digits + 3, digits + 7);
  if (len == 10)
    return g_strdup_printf ("%.3s-%.3s-%.4s", digits, digits + 3, digits + 6);
  return g_strdup (digits);
}
