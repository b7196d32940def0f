/* pm-text.h — text that is data: control and bidirectional-override characters
 *
 * Copyright 2026 The Paymint Desk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Text from the server, a file or a person is shown in a table, printed to a terminal
 * and copied into messages to payers. A control character (C0, C1) can drive a
 * terminal; a bidirectional override (U+202A–U+202E, U+2066–U+2069) can make a name
 * read as something else. Server text is cleaned of both before it is stored, printed
 * or shown (API.md §5); text a person typed or a file held is refused instead, with a
 * message naming the field.
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* TRUE for C0 and DEL, C1 (U+0080–U+009F), the direction marks (U+061C, U+200E,
 * U+200F) and the bidirectional embeddings, overrides and isolates (U+202A–U+202E,
 * U+2066–U+2069). */
gboolean     pm_text_is_unsafe_char   (gunichar     c);

/* The first unsafe character of @text (valid UTF-8), or 0 when there is none;
 * @offset (nullable) gets its position in characters. Tab and line breaks count as
 * unsafe unless @allow_breaks (a message may have several lines). */
gunichar     pm_text_find_unsafe      (const char  *text,
                                       gboolean     allow_breaks,
                                       glong       *offset);

/* A copy of @text (any bytes, @length -1 for NUL-terminated) as valid UTF-8 with every
 * unsafe character removed; tab and line breaks become one space each. NULL for NULL. */
char        *pm_text_sanitize         (const char  *text,
                                       gssize       length);

/* A short name for an unsafe character, for messages: "U+202E (right-to-left override)",
 * "U+001B (escape)", "U+0007 (control character)". */
char        *pm_text_describe_char    (gunichar     c);

G_END_DECLS
