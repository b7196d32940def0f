/* pm-money.h — won amounts: formatting, Korean reading, parsing
 *
 * Copyright 2026 The Paymint Desk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define PM_MONEY_MIN G_GINT64_CONSTANT (1)
#define PM_MONEY_MAX G_GINT64_CONSTANT (9999999999)

/* "₩1,234,000"; negative amounts as "-₩1,234". */
char     *pm_money_format         (gint64       won);
/* "1,234,000" (no sign of the currency). */
char     *pm_money_format_digits  (gint64       won);
/* The Korean reading: 1,234,000 → "백이십삼만 사천 원", 10,000 → "만 원",
 * 100,000,000 → "일억 원", 0 → "영 원". Groups of four digits (만, 억, 조) are
 * separated by a space; "일" is left out before 십, 백 and 천, and before 만 when the
 * 만 group is exactly one; it is kept before 억 and 조. */
char     *pm_money_format_korean  (gint64       won);

/* Parses what a person typed: "1,234,000", "₩1234000", "1234000원", "1,234,000 원",
 * full-width digits. Accepts 1 … 9,999,999,999. On failure a PM_ERROR_INVALID error
 * naming the field "price" with a message that says what is wrong. */
gboolean  pm_money_parse          (const char  *input,
                                   gint64      *won,
                                   GError     **error);

G_END_DECLS
