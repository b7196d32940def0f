/* test-phone.c — Korean mobile number normalisation (API.md §4)
 *
 * Copyright 2026 The Paymint Desk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "pm-error.h"
#include "pm-phone.h"
#include "pm-test-util.h"

#include <string.h>

typedef struct
{
  const char   *input;
  PmPhoneCheck  check;
  const char   *normalized; /* NULL when rejected */
} PhoneCase;

static const PhoneCase cases[] = {
  /* API.md §4 examples */
  { "010-2345-6789", PM_PHONE_VALID, "01023456789" },
  { "+82 10 2345 6789", PM_PHONE_VALID, "01023456789" },
  { "8201023456789", PM_PHONE_VALID, "01023456789" },
  { "1023456789", PM_PHONE_VALID, "01023456789" },
  { "02-123-4567", PM_PHONE_NOT_MOBILE, NULL },
  { "010123", PM_PHONE_TOO_SHORT, NULL },
  /* Plain and punctuated forms */
  { "01023456789", PM_PHONE_VALID, "01023456789" },
  { "010 2345 6789", PM_PHONE_VALID, "01023456789" },
  { "010.2345.6789", PM_PHONE_VALID, "01023456789" },
  { "(010) 2345-6789", PM_PHONE_VALID, "01023456789" },
  { "  010-2345-6789  ", PM_PHONE_VALID, "01023456789" },
  { "+82-10-2345-6789", PM_PHONE_VALID, "01023456789" },
  { "+82 (0)10 2345 6789", PM_PHONE_VALID, "01023456789" },
  { "821023456789", PM_PHONE_VALID, "01023456789" },
  { "0082 10 2345 6789", PM_PHONE_VALID, "01023456789" },
  { "010‐2345‐6789", PM_PHONE_VALID, "01023456789" },   /* U+2010 hyphens */
  { "010–2345–6789", PM_PHONE_VALID, "01023456789" },   /* en dashes */
  /* Full-width */
  { "０１０－２３４５－６７８９", PM_PHONE_VALID, "01023456789" },
  { "＋８２ １０ ２３４５ ６７８９", PM_PHONE_VALID, "01023456789" },
  { "010　2345　6789", PM_PHONE_VALID, "01023456789" }, /* ideographic spaces */
  /* Legacy 01[16789] */
  { "011-234-5678", PM_PHONE_LEGACY, "0112345678" },
  { "016-2345-6789", PM_PHONE_LEGACY, "01623456789" },
  { "017 234 5678", PM_PHONE_LEGACY, "0172345678" },
  { "018-234-5678", PM_PHONE_LEGACY, "0182345678" },
  { "019-2345-6789", PM_PHONE_LEGACY, "01923456789" },
  { "+82 11 234 5678", PM_PHONE_LEGACY, "0112345678" },
  { "011-23-4567", PM_PHONE_TOO_SHORT, NULL },
  { "019-2345-67890", PM_PHONE_TOO_LONG, NULL },
  /* Lengths */
  { "010-2345-678", PM_PHONE_TOO_SHORT, NULL },
  { "010-2345-67890", PM_PHONE_TOO_LONG, NULL },
  { "1234", PM_PHONE_TOO_SHORT, NULL },
  { "010123456789012345678901234567890123", PM_PHONE_TOO_LONG, NULL },
  /* Not mobiles */
  { "031-123-4567", PM_PHONE_NOT_MOBILE, NULL },
  { "02-1234-5678", PM_PHONE_NOT_MOBILE, NULL },
  { "070-1234-5678", PM_PHONE_NOT_MOBILE, NULL },
  { "012-345-6789", PM_PHONE_NOT_MOBILE, NULL },
  { "+82 2 123 4567", PM_PHONE_NOT_MOBILE, NULL },
  { "1588-1234", PM_PHONE_TOO_SHORT, NULL },
  { "+1 415 555 0100", PM_PHONE_NOT_MOBILE, NULL },
  /* Empty and junk */
  { "", PM_PHONE_EMPTY, NULL },
  { "   ", PM_PHONE_EMPTY, NULL },
  { "---", PM_PHONE_EMPTY, NULL },
  { "010-2345-678x", PM_PHONE_BAD_CHARACTERS, NULL },
  { "공일공-2345-6789", PM_PHONE_BAD_CHARACTERS, NULL },
  { "010_2345_6789", PM_PHONE_BAD_CHARACTERS, NULL },
  { "010-2345-6789 ext 1", PM_PHONE_BAD_CHARACTERS, NULL },
  { "٠١٠٢٣٤٥٦٧٨٩", PM_PHONE_BAD_CHARACTERS, NULL },       /* Arabic-Indic digits */
  { "\xff\xfe", PM_PHONE_BAD_CHARACTERS, NULL },           /* not UTF-8 */
  { "010\n2345\n6789", PM_PHONE_BAD_CHARACTERS, NULL },
};

static void
test_phone_table (void)
{
  g_assert_cmpuint (G_N_ELEMENTS (cases), >=, 30);

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *normalized = NULL;
      PmPhoneCheck check;

      g_autofree char *shown = g_strescape (cases[i].input, NULL);

      g_test_message ("case %u: %s", i, shown);
      check = pm_phone_check (cases[i].input, &normalized);
      g_assert_cmpint (check, ==, cases[i].check);
      g_assert_cmpstr (normalized, ==, cases[i].normalized);
    }
}

static void
test_phone_null (void)
{
  g_autofree char *normalized = NULL;

  g_assert_cmpint (pm_phone_check (NULL, &normalized), ==, PM_PHONE_EMPTY);
  g_assert_null (normalized);
  g_assert_cmpint (pm_phone_check ("010-1234-5678", NULL), ==, PM_PHONE_VALID);
}

static void
test_phone_normalize_error (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *normalized = NULL;
      gboolean legacy = TRUE;
      gboolean ok;

      ok = pm_phone_normalize (cases[i].input, &normalized, &legacy, &error);
      if (cases[i].normalized != NULL)
        {
          g_assert_no_error (error);
          g_assert_true (ok);
          g_assert_cmpstr (normalized, ==, cases[i].normalized);
          g_assert_cmpint (legacy, ==, cases[i].check == PM_PHONE_LEGACY);
        }
      else
        {
          g_assert_error (error, PM_ERROR, PM_ERROR_INVALID);
          g_assert_false (ok);
          g_assert_null (normalized);
          g_assert_cmpstr (pm_error_get_field (error), ==, "phone");
          g_assert_cmpstr (error->message, ==, pm_phone_check_message (cases[i].check));
          /* Every rejection shows the expected form */
          g_assert_nonnull (strstr (error->message, "010-1234-5678"));
        }
    }
}

static void
test_phone_messages (void)
{
  g_assert_null (pm_phone_check_message (PM_PHONE_VALID));
  for (int c = PM_PHONE_LEGACY; c <= PM_PHONE_BAD_CHARACTERS; c++)
    {
      const char *m = pm_phone_check_message ((PmPhoneCheck) c);

      g_assert_nonnull (m);
      for (int d = PM_PHONE_LEGACY; d < c; d++)
        g_assert_cmpstr (m, !=, pm_phone_check_message ((PmPhoneCheck) d));
    }
}

static void
test_phone_display (void)
{
  static const char *display[][2] = {
    { "01023456789", "010-2345-6789" },
    { "0112345678", "011-234-5678" },
    { "0101234", "0101234" },
    { "01a23456789", "01a23456789" },
    { "", "" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (display); i++)
    {
      g_autofree char *s = pm_phone_format_display (display[i][0]);
      g_assert_cmpstr (s, ==, display[i][1]);
    }
  {
    g_autofree char *s = pm_phone_format_display (NULL);
    g_assert_cmpstr (s, ==, "");
  }
}

int
main (int   argc,
      char *argv[])
{
  pm_test_init (&argc, &argv);

  g_test_add_func ("/phone/table", test_phone_table);
  g_test_add_func ("/phone/null", test_phone_null);
  g_test_add_func ("/phone/normalize-error", test_phone_normalize_error);
  g_test_add_func ("/phone/messages", test_phone_messages);
  g_test_add_func ("/phone/display", test_phone_display);

  return g_test_run ();
}
