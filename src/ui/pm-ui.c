/* pm-ui.c — resources, status badges and time formats shared by the widgets
 *
 * Copyright 2026 The Paymint Desk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n.h>

#include "pm-ui.h"
#include "pm-resources.h"

/**
 * pm_ui_ensure_resources:
 *
 * Registers the app's GResource (the .ui templates, style.css, icons). libpmui is a
 * static library, so the resource is registered by hand rather than by a constructor
 * the linker might drop. Widgets call this from class_init; it runs once.
 */
void
pm_ui_ensure_resources (void)
{
  static gsize once;

  if (g_once_init_enter (&once))
    {
      pm_register_resource ();
      g_once_init_leave (&once, 1);
    }
}

gint64
pm_ui_now (void)
{
  return g_get_real_time () / G_USEC_PER_SEC;
}

const char *
pm_ui_bill_status_label (PmBill      *bill,
                         gint64       now,
                         const char **css_class)
{
  const char *klass;
  const char *label;

  switch (pm_bill_get_state (bill))
    {
    case PM_BILL_STATE_QUEUED:
    case PM_BILL_STATE_SENDING:
      klass = "badge-sending";
      label = C_("bill status", "Sending");
      break;
    case PM_BILL_STATE_UNKNOWN:
      klass = "badge-unknown";
      label = C_("bill status", "Checking");
      break;
    case PM_BILL_STATE_FAILED:
      klass = "badge-failed";
      label = C_("bill status", "Failed");
      break;
    case PM_BILL_STATE_NOT_SENT:
      klass = "badge-failed";
      label = C_("bill status", "Not sent");
      break;
    case PM_BILL_STATE_UNPAID:
      if (pm_bill_is_expired (bill, now))
        {
          klass = "badge-expired";
          label = C_("bill status", "Expired");
        }
      else
        {
          klass = "badge-unpaid";
          label = C_("bill status", "Unpaid");
        }
      break;
    case PM_BILL_STATE_PAID:
      klass = "badge-paid";
      label = C_("bill status", "Paid");
      break;
    case PM_BILL_STATE_CANCELLED:
      klass = "badge-cancelled";
      label = C_("bill status", "Refunded");
      break;
    case PM_BILL_STATE_DESTROYED:
      klass = "badge-voided";
      label = C_("bill status", "Voided");
      break;
    default:
      klass = "badge-unknown";
      label = "?";
      break;
    }
  if (css_class != NULL)
    *css_class = klass;
  return label;
}

void
pm_ui_set_status_badge (GtkLabel *label,
                        PmBill   *bill,
                        gint64    now)
{
  static const char *classes[] = { "badge-sending", "badge-unknown", "badge-failed",
                                   "badge-expired", "badge-unpaid", "badge-paid",
                                   "badge-cancelled", "badge-voided" };
  const char *klass = NULL;
  const char *text = pm_ui_bill_status_label (bill, now, &klass);

  for (guint i = 0; i < G_N_ELEMENTS (classes); i++)
    if (g_strcmp0 (classes[i], klass) != 0)
      gtk_widget_remove_css_class (GTK_WIDGET (label), classes[i]);
  gtk_widget_add_css_class (GTK_WIDGET (label), "badge");
  gtk_widget_add_css_class (GTK_WIDGET (label), klass);
  gtk_label_set_label (label, text);
}

char *
pm_ui_format_time (gint64 unix_utc)
{
  g_autoptr(GTimeZone) tz = NULL;
  g_autoptr(GDateTime) utc = NULL;
  g_autoptr(GDateTime) local = NULL;

  if (unix_utc <= 0)
    return g_strdup ("");
  tz = pm_bill_korea_time_zone ();
  utc = g_date_time_new_from_unix_utc (unix_utc);
  local = g_date_time_to_timezone (utc, tz);
  return g_date_time_format (local, "%Y-%m-%d %H:%M");
}

char *
pm_ui_format_time_short (gint64 unix_utc,
                         gint64 now)
{
  g_autoptr(GTimeZone) tz = NULL;
  g_autoptr(GDateTime) utc = NULL;
  g_autoptr(GDateTime) utc_now = NULL;
  g_autoptr(GDateTime) when = NULL;
  g_autoptr(GDateTime) today = NULL;

  if (unix_utc <= 0)
    return g_strdup ("");
  tz = pm_bill_korea_time_zone ();
  utc = g_date_time_new_from_unix_utc (unix_utc);
  utc_now = g_date_time_new_from_unix_utc (now);
  when = g_date_time_to_timezone (utc, tz);
  today = g_date_time_to_timezone (utc_now, tz);
  if (g_date_time_get_year (when) == g_date_time_get_year (today))
    return g_date_time_format (when, "%m-%d %H:%M");
  return g_date_time_format (when, "%Y-%m-%d");
}

char *
pm_ui_format_relative (gint64 unix_utc,
                       gint64 now)
{
  gint64 age = now - unix_utc;

  if (unix_utc <= 0)
    return g_strdup (C_("last checked", "never"));
  if (age < 60)
    return g_strdup (C_("last checked", "just now"));
  if (age < 3600)
    return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%d min ago", "%d min ago",
                                         (gulong) (age / 60)),
                            (int) (age / 60));
  if (age < 86400)
    return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%d h ago", "%d h ago",
                                         (gulong) (age / 3600)),
                            (int) (age / 3600));
  return pm_ui_format_time (unix_utc);
}

char *
pm_ui_format_appr_dt (const char *appr_dt)
{
  if (appr_dt == NULL || strlen (appr_dt) != 14)
    return g_strdup (appr_dt != NULL ? appr_dt : "");
  return g_strdup_printf ("%.4s-%.2s-%.2s %.2s:%.2s:%.2s", appr_dt, appr_dt + 4, appr_dt + 6,
                          appr_dt + 8, appr_dt + 10, appr_dt + 12);
}

char *
pm_ui_entry_dup_text (gpointer editable)
{
  return g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (editable))));
}

void
pm_ui_show_message (GtkLabel   *label,
                    const char *text)
{
  gtk_label_set_text (label, text != NULL ? text : "");
  gtk_widget_set_visible (GTK_WIDGET (label), text != NULL && *text != '\0');
}

void
pm_ui_set_error_style (gpointer widget,
                       gboolean error)
{
  if (error)
    gtk_widget_add_css_class (GTK_WIDGET (widget), "error");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (widget), "error");
}

/* ---- wrapping at word boundaries ---- */

/* Longer runs without a space are links and identifiers, not words: they may still
 * break anywhere rather than widen the window. */
#define WORD_MAX_CHARS 24

/* Pango may break a line between any two Hangul syllables (UAX #14 gives them the
 * ideographic class), so "환불" can end up as "환" and "불" on two lines. Breaks are
 * kept to the spaces between words: every run of non-space characters gets
 * allow-breaks=false. Other attributes the caller set stay. */
/* A space a line may break at (not a no-break space). */
static gboolean
is_break_space (gunichar c)
{
  return g_unichar_isspace (c) && c != 0x00A0 && c != 0x2007 && c != 0x202F;
}

static void
apply_word_attributes (GtkLabel *label)
{
  const char *text = gtk_label_get_text (label);
  PangoAttrList *previous = g_object_get_data (G_OBJECT (label), "pm-wrap-base-attrs");
  g_autoptr(PangoAttrList) attrs = NULL;
  const char *p = text;

  attrs = previous != NULL ? pango_attr_list_copy (previous) : pango_attr_list_new ();
  while (p != NULL && *p != '\0')
    {
      const char *start;
      PangoAttribute *attr;

      while (*p != '\0' && is_break_space (g_utf8_get_char (p)))
        p = g_utf8_next_char (p);
      if (*p == '\0')
        break;
      start = p;
      while (*p != '\0' && !is_break_space (g_utf8_get_char (p)))
        p = g_utf8_next_char (p);
      if (g_utf8_strlen (start, p - start) > WORD_MAX_CHARS)
        continue;
      attr = pango_attr_allow_breaks_new (FALSE);
      attr->start_index = start - text;
      attr->end_index = p - text;
      pango_attr_list_insert (attrs, attr);
    }
  g_object_set_data (G_OBJECT (label), "pm-wrap-applying", GINT_TO_POINTER (TRUE));
  gtk_label_set_attributes (label, attrs);
  g_object_set_data (G_OBJECT (label), "pm-wrap-applying", NULL);
}

static void
wrap_label_notify_cb (GtkLabel   *label,
                      GParamSpec *pspec,
                      gpointer    user_data)
{
  if (g_object_get_data (G_OBJECT (label), "pm-wrap-applying") != NULL)
    return;
  if (g_str_equal (pspec->name, "attributes"))
    {
      /* someone else set attributes: they are the base the word attributes add to */
      PangoAttrList *attrs = gtk_label_get_attributes (label);

      g_object_set_data_full (G_OBJECT (label), "pm-wrap-base-attrs",
                              attrs != NULL ? pango_attr_list_ref (attrs) : NULL,
                              (GDestroyNotify) pango_attr_list_unref);
    }
  apply_word_attributes (label);
}

void
pm_ui_label_wrap_words (GtkLabel *label)
{
  g_return_if_fail (GTK_IS_LABEL (label));

  gtk_label_set_wrap (label, TRUE);
  gtk_label_set_wrap_mode (label, PANGO_WRAP_WORD);
  gtk_label_set_natural_wrap_mode (label, GTK_NATURAL_WRAP_WORD);
  if (g_object_get_data (G_OBJECT (label), "pm-wrap-words") == NULL)
    {
      PangoAttrList *attrs = gtk_label_get_attributes (label);

      g_object_set_data (G_OBJECT (label), "pm-wrap-words", GINT_TO_POINTER (TRUE));
      if (attrs != NULL)
        g_object_set_data_full (G_OBJECT (label), "pm-wrap-base-attrs",
                                pango_attr_list_ref (attrs),
                                (GDestroyNotify) pango_attr_list_unref);
      g_signal_connect (label, "notify::label", G_CALLBACK (wrap_label_notify_cb), NULL);
      g_signal_connect (label, "notify::use-markup", G_CALLBACK (wrap_label_notify_cb), NULL);
      g_signal_connect (label, "notify::attributes", G_CALLBACK (wrap_label_notify_cb), NULL);
    }
  apply_word_attributes (label);
}

guint
pm_ui_wrap_words_within (GtkWidget *root)
{
  guint n = 0;

  g_return_val_if_fail (GTK_IS_WIDGET (root), 0);

  if (GTK_IS_LABEL (root) && gtk_label_get_wrap (GTK_LABEL (root)))
    {
      pm_ui_label_wrap_words (GTK_LABEL (root));
      n++;
    }
  for (GtkWidget *child = gtk_widget_get_first_child (root); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    n += pm_ui_wrap_words_within (child);
  return n;
}

void
pm_ui_label_set_phrases (GtkLabel           *label,
                         const char * const *phrases)
{
  g_autoptr(GString) text = g_string_new (NULL);
  g_autoptr(PangoAttrList) attrs = pango_attr_list_new ();

  g_return_if_fail (GTK_IS_LABEL (label));
  g_return_if_fail (phrases != NULL);

  for (guint i = 0; phrases[i] != NULL; i++)
    {
      PangoAttribute *attr = pango_attr_allow_breaks_new (FALSE);

      if (text->len > 0)
        g_string_append_c (text, ' ');
      attr->start_index = text->len;
      g_string_append (text, phrases[i]);
      attr->end_index = text->len;
      pango_attr_list_insert (attrs, attr);
    }
  gtk_label_set_wrap (label, TRUE);
  gtk_label_set_wrap_mode (label, PANGO_WRAP_WORD);
  gtk_label_set_natural_wrap_mode (label, GTK_NATURAL_WRAP_WORD);
  gtk_label_set_use_markup (label, FALSE);
  gtk_label_set_label (label, text->str);
  gtk_label_set_attributes (label, attrs);
}
