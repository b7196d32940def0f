/* pm-phone.h — Korean mobile numbers (API.md §4)
 *
 * Copyright 2026 The Paymint Desk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef enum
{
  PM_PHONE_VALID,          /* 010 + 8 digits */
  PM_PHONE_LEGACY,         /* 01[16789] + 7 or 8 digits: accepted with a warning */
  PM_PHONE_EMPTY,          /* nothing but spaces and punctuation */
  PM_PHONE_NOT_MOBILE,     /* a landline or other non-mobile number */
  PM_PHONE_TOO_SHORT,
  PM_PHONE_TOO_LONG,
  PM_PHONE_BAD_CHARACTERS, /* letters or other characters a phone number cannot hold */
} PmPhoneCheck;

PmPhoneCheck pm_phone_check          (const char   *input,
                                      char        **normalized);
gboolean     pm_phone_normalize      (const char   *input,
                                      char        **normalized,
                                      gboolean     *legacy,
                                      GError      **error);
char        *pm_phone_format_display (const char   *digits);
const char  *pm_phone_check_message  (PmPhoneCheck  check);

G_END_DECLS
