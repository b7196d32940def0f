/* pm-text.c — text that is data: control and bidirectional-override characters
 *
 * Copyright 2026 The Paymint Desk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "pm-text.h"

#include <glib/gi18n-lib.h>
#include <string.h>

gboolean
pm_text_is_unsafe_char (gunichar c)
{
  return c < 0x20 || c == 0x7f
         || (c >= 0x80 && c <= 0x9f)
         || c == 0x061c || c == 0x200e || c == 0x200f /* direction marks */
         || (c >= 0x202a && c <= 0x202e)
         || (c >= 0x2066 && c <= 0x2069);
}

static gboolean
is_break (gunichar c)
{
  return c == '\t' || c == '\n' || c == '\r';
}

gunichar
pm_text_find_unsafe (const char *text,
                     gboolean    allow_breaks,
                     glong      *offset)
{
  glong i = 0;

  if (offset != NULL)
    *offset = -1;
  if (text == NULL)
    return 0;
  for (const char *p = text; *p != '\0'; p = g_utf8_next_char (p), i++)
    {
      gunichar c = g_utf8_get_char (p);

      if (pm_text_is_unsafe_char (c) && !(allow_breaks && is_break (c)))
        {
          if (offset != NULL)
            *offset = i;
          return c;
        }
    }
  return 0;
}

char *
pm_text_sanitize (const char *text,
                  gssize      length)
{
  g_autofree char *valid = NULL;
  GString *out;

  if (text == NULL)
    return NULL;
  valid = g_utf8_make_valid (text, length);
  out = g_string_sized_new (strlen (valid));
  for (const char *p = valid; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (is_break (c))
        g_string_append_c (out, ' ');
      else if (!pm_text_is_unsafe_char (c))
        g_string_append_len (out, p, g_utf8_next_char (p) - p);
    }
  return g_string_free (out, FALSE);
}

char *
pm_text_describe_char (gunichar c)
{
  const char *what;

  switch (c)
    {
    case 0x1b:
      what = _("escape");
      break;
    case 0x200e:
      what = _("left-to-right mark");
      break;
    case 0x200f:
    case 0x061c:
      what = _("right-to-left mark");
      break;
    case 0x202a:
    case 0x202b:
      what = _("bidirectional embedding");
      break;
    case 0x202c:
      what = _("bidirectional formatting");
      break;
    case 0x202d:
      what = _("left-to-right override");
      break;
    case 0x202e:
      what = _("right-to-left override");
      break;
    case 0x2066:
    case 0x2067:
    case 0x2068:
    case 0x2069:
      what = _("bidirectional isolate");
      break;
    case '\t':
      what = _("tab");
      break;
    case '\n':
    case '\r':
      what = _("line break");
      break;
    default:
      what = _("control character");
      break;
    }
  return g_strdup_printf ("U+%04X (%s)", c, what);
}
