/* pm-ui.h — what every widget of libpmui needs
 *
 * Copyright 2026 The Paymint Desk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gtk/gtk.h>

#include "pm-bill.h"

G_BEGIN_DECLS

void        pm_ui_ensure_resources   (void);

/* The status a person sees: the server's state, "expired" derived from it, or the
 * local state before the server answered. @css_class gets "badge-<id>". */
const char *pm_ui_bill_status_label  (PmBill     *bill,
                                      gint64      now,
                                      const char **css_class);
void        pm_ui_set_status_badge   (GtkLabel   *label,
                                      PmBill     *bill,
                                      gint64      now);

/* Korea time, "2026-11-23 14:05"; "" for 0. */
char       *pm_ui_format_time        (gint64      unix_utc);
/* "11-24 08:10" within the current year (Korea time), else "2025-11-24". */
char       *pm_ui_format_time_short  (gint64      unix_utc,
                                      gint64      now);
/* "just now", "5 min ago", "3 h ago", else the date; "never" for 0. */
char       *pm_ui_format_relative    (gint64      unix_utc,
                                      gint64      now);
/* "2026-11-23 14:05:09" from the API's YYYYMMDDHHMMSS (Korea time). */
char       *pm_ui_format_appr_dt     (const char *appr_dt);

gint64      pm_ui_now                (void);

/* Form helpers shared by the dialogs. */
char       *pm_ui_entry_dup_text     (gpointer    editable);  /* trimmed copy */
void        pm_ui_show_message       (GtkLabel   *label,
                                      const char *text);      /* hidden when empty */
void        pm_ui_set_error_style    (gpointer    widget,
                                      gboolean    error);

/* Wraps @label at spaces only, never inside a word: Korean, whose syllables Pango may
 * otherwise break between, reads "작업을" and not "작업\n을". Keeps doing so when the
 * label's text changes. Sets wrap and the word wrap mode. */
void        pm_ui_label_wrap_words   (GtkLabel   *label);
/* Sets @label to @phrases joined by spaces, wrapping only between phrases, never inside
 * one: "18 bills, ₩1,454,000 — Paid 3 · ₩120,000" keeps "Paid 3 · ₩120,000" whole. */
void        pm_ui_label_set_phrases  (GtkLabel   *label,
                                      const char * const *phrases);
/* pm_ui_label_wrap_words() for every wrapping label under @root (say an
 * AdwStatusPage's description or a dialog's body); returns how many. */
guint       pm_ui_wrap_words_within  (GtkWidget  *root);

G_END_DECLS
