/* pm-receipt.c — the receipt of a paid (or refunded) bill, drawn with cairo and Pango
 *
 * Copyright 2026 The Paymint Desk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The text is laid out as plain text (never markup), so whatever the server sent shows as
 * it is. Sizes follow the width: a title, the business, then label/value rows in two
 * columns whose values wrap at spaces (a Korean word is not split between syllables).
 */

#include "config.h"

#include "pm-receipt.h"
#include "pm-error.h"
#include "pm-ledger.h"
#include "pm-money.h"

#include <cairo-pdf.h>
#include <gio/gio.h>
#include <glib/gi18n-lib.h>
#include <math.h>
#include <pango/pangocairo.h>
#include <string.h>

/* Hangul first; whatever fontconfig finds after it for the rest. */
#define RECEIPT_FONT "Noto Sans CJK KR, Noto Sans KR, Noto Sans, sans-serif"

/* A run without a space longer than this may break anywhere (a long id), so it never
 * runs off the paper. */
#define WORD_KEEP_MAX_CHARS 10

typedef struct
{
  char     *label;
  char     *value;
  gboolean  emphasis;  /* the amount: larger, bold */
} Row;

struct _PmReceipt
{
  GObject    parent_instance;

  char      *bill_id;
  gboolean   refunded;
  char      *business_name;
  char      *business_number;  /* "123-45-67890", or NULL */
  GPtrArray *rows;             /* (element-type Row) the payment */
  GPtrArray *refund_rows;      /* (element-type Row) the refund; empty when not refunded */
};

G_DEFINE_FINAL_TYPE (PmReceipt, pm_receipt, G_TYPE_OBJECT)

static void
row_free (Row *row)
{
  g_free (row->label);
  g_free (row->value);
  g_free (row);
}

static void
add_row (GPtrArray  *rows,
         const char *label,
         const char *value,
         gboolean    emphasis)
{
  Row *row;

  if (value == NULL || *value == '\0')
    return;
  row = g_new0 (Row, 1);
  row->label = g_strdup (label);
  row->value = g_strdup (value);
  row->emphasis = emphasis;
  g_ptr_array_add (rows, row);
}

static gboolean
is_blank (const char *text)
{
  if (text == NULL)
    return TRUE;
  for (const char *p = text; *p != '\0'; p = g_utf8_next_char (p))
    if (!g_unichar_isspace (g_utf8_get_char (p)))
      return FALSE;
  return TRUE;
}

/* ---- what a receipt says ---- */

gboolean
pm_receipt_bill_has_receipt (PmBill *bill)
{
  PmBillState state;

  g_return_val_if_fail (PM_IS_BILL (bill), FALSE);

  /* The server refunds only a paid bill (F → C, API.md): a refunded bill was paid. */
  state = pm_bill_get_state (bill);
  return state == PM_BILL_STATE_PAID || state == PM_BILL_STATE_CANCELLED;
}

gint64
pm_receipt_find_refund_time (GPtrArray *events)
{
  gint64 at = 0;

  if (events == NULL)
    return 0;
  for (guint i = 0; i < events->len; i++)
    {
      const PmLedgerEvent *event = g_ptr_array_index (events, i);

      if (event->to_state == PM_BILL_STATE_CANCELLED
          && event->from_state != PM_BILL_STATE_CANCELLED)
        at = event->at;
    }
  return at;
}

/* "123-45-67890" from ten digits however they were written; other text as it is. */
static char *
format_business_number (const char *value)
{
  char digits[11];
  int n = 0;

  if (is_blank (value))
    return NULL;
  for (const char *p = value; *p != '\0'; p++)
    {
      if (g_ascii_isdigit (*p))
        {
          if (n == 10)
            return g_strstrip (g_strdup (value));
          digits[n++] = *p;
        }
      else if (*p != '-' && *p != ' ')
        return g_strstrip (g_strdup (value));
    }
  if (n != 10)
    return g_strstrip (g_strdup (value));
  return g_strdup_printf ("%.3s-%.2s-%.5s", digits, digits + 3, digits + 5);
}

/* appr_dt is "YYYYMMDDHHMMSS" in Korea time: "2026-11-23 14:05:09 KST"; NULL when it is
 * not a real time. */
static char *
format_appr_dt (const char *appr_dt)
{
  g_autoptr(GTimeZone) korea = NULL;
  g_autoptr(GDateTime) dt = NULL;
  int f[6];
  static const int width[6] = { 4, 2, 2, 2, 2, 2 };
  const char *p = appr_dt;

  if (appr_dt == NULL || strlen (appr_dt) != 14)
    return NULL;
  for (int i = 0; i < 6; i++)
    {
      f[i] = 0;
      for (int j = 0; j < width[i]; j++, p++)
        {
          if (!g_ascii_isdigit (*p))
            return NULL;
          f[i] = f[i] * 10 + (*p - '0');
        }
    }
  korea = pm_bill_korea_time_zone ();
  dt = g_date_time_new (korea, f[0], f[1], f[2], f[3], f[4], f[5]);
  if (dt == NULL)
    return NULL;
  return g_date_time_format (dt, "%Y-%m-%d %H:%M:%S KST");
}

static char *
format_korea_time (gint64 unix_utc)
{
  g_autoptr(GTimeZone) korea = NULL;
  g_autoptr(GDateTime) utc = NULL;
  g_autoptr(GDateTime) local = NULL;

  if (unix_utc <= 0)
    return NULL;
  utc = g_date_time_new_from_unix_utc (unix_utc);
  if (utc == NULL)
    return NULL;
  korea = pm_bill_korea_time_zone ();
  local = g_date_time_to_timezone (utc, korea);
  return g_date_time_format (local, "%Y-%m-%d %H:%M:%S KST");
}

/* appr_monthly: "00", "0" (or nothing written) is paid in full; "03" is three months. */
static char *
format_instalments (const char *monthly)
{
  guint64 months = 0;
  const char *p;

  if (is_blank (monthly))
    return NULL;
  for (p = monthly; *p != '\0'; p++)
    {
      if (!g_ascii_isdigit (*p) || p - monthly >= 3)
        return g_strstrip (g_strdup (monthly));
      months = months * 10 + (guint64) (*p - '0');
    }
  if (months == 0)
    return g_strdup (C_("receipt", "Paid in full"));
  return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u month", "%u months", (gulong) months),
                          (guint) months);
}

PmReceipt *
pm_receipt_new (PmBill     *bill,
                PmProfile  *profile,
                gint64      refunded_at,
                GError    **error)
{
  g_autoptr(PmReceipt) self = NULL;
  g_autofree char *amount = NULL;
  g_autofree char *words = NULL;
  g_autofree char *paid_at = NULL;
  g_autofree char *instalments = NULL;
  gint64 won;

  g_return_val_if_fail (PM_IS_BILL (bill), NULL);
  g_return_val_if_fail (profile == NULL || PM_IS_PROFILE (profile), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!pm_receipt_bill_has_receipt (bill))
    {
      pm_error_set_field_error (error, PM_ERROR_INVALID, "state", "%s",
                                _("This bill has not been paid; there is no receipt."));
      return NULL;
    }

  self = g_object_new (PM_TYPE_RECEIPT, NULL);
  self->bill_id = g_strdup (pm_bill_get_bill_id (bill));
  self->refunded = pm_bill_get_state (bill) == PM_BILL_STATE_CANCELLED;
  if (profile != NULL && !is_blank (pm_profile_get_name (profile)))
    self->business_name = g_strdup (pm_profile_get_name (profile));
  if (profile != NULL)
    self->business_number = format_business_number (pm_profile_get_business_number (profile));

  /* the amount the card was charged; the bill's price when the server gave none */
  won = pm_bill_get_appr_price (bill) > 0 ? pm_bill_get_appr_price (bill)
                                          : pm_bill_get_price (bill);
  amount = pm_money_format (won);
  words = pm_money_format_korean (won);
  paid_at = format_appr_dt (pm_bill_get_appr_dt (bill));
  instalments = format_instalments (pm_bill_get_appr_monthly (bill));

  add_row (self->rows, C_("receipt", "Payer"), pm_bill_get_payer_name (bill), FALSE);
  add_row (self->rows, C_("receipt", "For"), pm_bill_get_product (bill), FALSE);
  add_row (self->rows, C_("receipt", "Amount"), amount, TRUE);
  add_row (self->rows, C_("receipt", "In words"), words, FALSE);
  add_row (self->rows, C_("receipt", "Card issuer"), pm_bill_get_appr_issuer (bill), FALSE);
  add_row (self->rows, C_("receipt", "Card type"), pm_bill_get_appr_card_type (bill), FALSE);
  add_row (self->rows, C_("receipt", "Instalments"), instalments, FALSE);
  add_row (self->rows, C_("receipt", "Approval number"), pm_bill_get_appr_num (bill), FALSE);
  add_row (self->rows, C_("receipt", "Paid at"), paid_at, FALSE);
  add_row (self->rows, C_("receipt", "Bill ID"), self->bill_id, FALSE);

  if (self->refunded)
    {
      g_autofree char *refund = g_strdup_printf ("%s (%s)", amount, words);
      g_autofree char *when = format_korea_time (refunded_at);

      add_row (self->refund_rows, C_("receipt", "Status"),
               C_("receipt", "Refunded in full"), FALSE);
      add_row (self->refund_rows, C_("receipt", "Refund amount"), refund, TRUE);
      add_row (self->refund_rows, C_("receipt", "Refunded at"),
               when != NULL ? when : C_("receipt", "Not recorded"), FALSE);
    }
  return g_steal_pointer (&self);
}

const char *
pm_receipt_get_bill_id (PmReceipt *self)
{
  g_return_val_if_fail (PM_IS_RECEIPT (self), NULL);

  return self->bill_id;
}

gboolean
pm_receipt_is_refunded (PmReceipt *self)
{
  g_return_val_if_fail (PM_IS_RECEIPT (self), FALSE);

  return self->refunded;
}

char *
pm_receipt_dup_title (PmReceipt *self)
{
  g_return_val_if_fail (PM_IS_RECEIPT (self), NULL);

  /* Translators: a print job's name; %s is the bill id */
  return g_strdup_printf (_("Receipt %s"), self->bill_id);
}

char *
pm_receipt_dup_file_name (PmReceipt *self)
{
  g_return_val_if_fail (PM_IS_RECEIPT (self), NULL);

  /* Translators: the suggested file name of a receipt; %s is the bill id */
  return g_strdup_printf (_("receipt-%s.pdf"), self->bill_id);
}

static const char *
receipt_heading (void)
{
  return C_("receipt", "Receipt");
}

static const char *
refund_heading (void)
{
  return C_("receipt", "Refund");
}

static const char *
refund_notice (void)
{
  return _("This payment was cancelled and refunded.");
}

static char *
business_number_line (const char *number)
{
  /* Translators: on a receipt, under the business name; %s is like 123-45-67890 */
  return g_strdup_printf (_("Business registration number %s"), number);
}

static void
append_rows (GString   *out,
             GPtrArray *rows)
{
  for (guint i = 0; i < rows->len; i++)
    {
      Row *row = g_ptr_array_index (rows, i);

      /* Translators: a line of a receipt as text: a label, then its value */
      g_string_append_printf (out, _("%s: %s"), row->label, row->value);
      g_string_append_c (out, '\n');
    }
}

char *
pm_receipt_to_text (PmReceipt *self)
{
  GString *out;

  g_return_val_if_fail (PM_IS_RECEIPT (self), NULL);

  out = g_string_new (receipt_heading ());
  g_string_append_c (out, '\n');
  if (self->refunded)
    g_string_append_printf (out, "%s\n", refund_notice ());
  if (self->business_name != NULL)
    g_string_append_printf (out, "%s\n", self->business_name);
  if (self->business_number != NULL)
    {
      g_autofree char *number = business_number_line (self->business_number);

      g_string_append_printf (out, "%s\n", number);
    }
  append_rows (out, self->rows);
  if (self->refunded)
    {
      g_string_append_printf (out, "%s\n", refund_heading ());
      append_rows (out, self->refund_rows);
    }
  return g_string_free (out, FALSE);
}

/* ---- drawing ---- */

typedef struct
{
  cairo_t      *cr;
  PangoContext *context;
  gboolean      draw;    /* FALSE: measure only */
  double        width;
  double        margin;
  double        size;    /* the body text size, points */
  double        y;
} Pen;

/* Keeps each word (a run without spaces, up to WORD_KEEP_MAX_CHARS) on one line. */
static PangoAttrList *
word_attributes (const char *text)
{
  PangoAttrList *attrs = pango_attr_list_new ();
  const char *p = text;

  while (*p != '\0')
    {
      const char *start;

      while (*p != '\0' && g_unichar_isspace (g_utf8_get_char (p)))
        p = g_utf8_next_char (p);
      start = p;
      while (*p != '\0' && !g_unichar_isspace (g_utf8_get_char (p)))
        p = g_utf8_next_char (p);
      if (p > start && g_utf8_strlen (start, p - start) <= WORD_KEEP_MAX_CHARS)
        {
          PangoAttribute *attr = pango_attr_allow_breaks_new (FALSE);

          attr->start_index = (guint) (start - text);
          attr->end_index = (guint) (p - text);
          pango_attr_list_insert (attrs, attr);
        }
    }
  return attrs;
}

/* Lays out @text in a box @w wide at @x, the pen's line; draws it unless measuring.
 * Returns its height. */
static double
put_text (Pen            *pen,
          const char     *text,
          double          x,
          double          w,
          double          size,
          gboolean        bold,
          double          grey,
          PangoAlignment  alignment)
{
  g_autoptr(PangoLayout) layout = pango_layout_new (pen->context);
  g_autoptr(PangoAttrList) attrs = word_attributes (text);
  PangoFontDescription *font = pango_font_description_from_string (RECEIPT_FONT);
  PangoRectangle logical;

  pango_font_description_set_absolute_size (font, size * PANGO_SCALE);
  pango_font_description_set_weight (font, bold ? PANGO_WEIGHT_BOLD : PANGO_WEIGHT_NORMAL);
  pango_layout_set_font_description (layout, font);
  pango_font_description_free (font);
  pango_layout_set_width (layout, (int) (w * PANGO_SCALE));
  pango_layout_set_wrap (layout, PANGO_WRAP_WORD_CHAR);
  pango_layout_set_alignment (layout, alignment);
  pango_layout_set_text (layout, text, -1);
  pango_layout_set_attributes (layout, attrs);
  pango_layout_get_extents (layout, NULL, &logical);

  if (pen->draw)
    {
      cairo_set_source_rgb (pen->cr, grey, grey, grey);
      cairo_move_to (pen->cr, x, pen->y);
      pango_cairo_show_layout (pen->cr, layout);
    }
  return (double) logical.height / PANGO_SCALE;
}

static void
put_centered (Pen        *pen,
              const char *text,
              double      size,
              gboolean    bold,
              double      grey,
              double      gap_after)
{
  pen->y += put_text (pen, text, pen->margin, pen->width - 2 * pen->margin, size, bold, grey,
                      PANGO_ALIGN_CENTER);
  pen->y += gap_after;
}

static void
put_rule (Pen    *pen,
          double  gap)
{
  pen->y += gap;
  if (pen->draw)
    {
      cairo_save (pen->cr);
      cairo_set_source_rgb (pen->cr, 0.55, 0.55, 0.55);
      cairo_set_line_width (pen->cr, MAX (0.5, pen->size / 20));
      cairo_move_to (pen->cr, pen->margin, pen->y);
      cairo_line_to (pen->cr, pen->width - pen->margin, pen->y);
      cairo_stroke (pen->cr);
      cairo_restore (pen->cr);
    }
  pen->y += gap;
}

static void
put_rows (Pen       *pen,
          GPtrArray *rows)
{
  double inner = pen->width - 2 * pen->margin;
  double label_w = inner * (pen->width < 400 ? 0.36 : 0.30);
  double gap = pen->size;
  double value_x = pen->margin + label_w + gap;
  double value_w = inner - label_w - gap;

  for (guint i = 0; i < rows->len; i++)
    {
      Row *row = g_ptr_array_index (rows, i);
      double value_size = row->emphasis ? pen->size * 1.3 : pen->size;
      double label_h, value_h;
      double label_drop;

      /* the label sits on the value's first line */
      label_drop = row->emphasis ? (value_size - pen->size) * 0.8 : 0;
      pen->y += label_drop;
      label_h = put_text (pen, row->label, pen->margin, label_w, pen->size, FALSE, 0.35,
                          PANGO_ALIGN_LEFT) + label_drop;
      pen->y -= label_drop;
      value_h = put_text (pen, row->value, value_x, value_w, value_size, row->emphasis, 0.0,
                          PANGO_ALIGN_LEFT);
      pen->y += MAX (label_h, value_h) + pen->size * 0.55;
    }
}

/* The whole receipt from the top; returns the height it took. */
static double
layout_receipt (PmReceipt *self,
                Pen       *pen)
{
  double f = pen->size;

  pen->y = pen->margin;
  put_centered (pen, receipt_heading (), f * 2.0, TRUE, 0.0, f * 0.6);
  if (self->refunded)
    put_centered (pen, refund_notice (), f * 1.1, TRUE, 0.0, f * 0.4);
  if (self->business_name != NULL || self->business_number != NULL)
    {
      pen->y += f * 0.4;
      if (self->business_name != NULL)
        put_centered (pen, self->business_name, f * 1.2, TRUE, 0.0, f * 0.2);
      if (self->business_number != NULL)
        {
          g_autofree char *number = business_number_line (self->business_number);

          put_centered (pen, number, f * 0.95, FALSE, 0.3, 0);
        }
    }
  put_rule (pen, f * 0.9);
  put_rows (pen, self->rows);
  if (self->refunded)
    {
      put_rule (pen, f * 0.6);
      pen->y += put_text (pen, refund_heading (), pen->margin, pen->width - 2 * pen->margin,
                          f * 1.1, TRUE, 0.0, PANGO_ALIGN_LEFT);
      pen->y += f * 0.6;
      put_rows (pen, self->refund_rows);
    }
  put_rule (pen, f * 0.3);
  return pen->y + pen->margin - f * 0.3;
}

static void
pen_init (Pen     *pen,
          cairo_t *cr,
          double   width,
          gboolean draw)
{
  cairo_font_options_t *options = cairo_font_options_create ();

  pen->cr = cr;
  pen->draw = draw;
  pen->width = width;
  /* A4: 11 pt text in 20 mm margins; a roll: smaller text, 4 mm margins */
  pen->size = CLAMP (width / 30.0, 7.5, 11.0);
  pen->margin = width >= 400 ? 20.0 / 25.4 * 72.0 : CLAMP (width * 0.05, 6.0, 12.0);
  pen->context = pango_cairo_create_context (cr);
  /* sizes are absolute, in user units; metrics unhinted, so print and PDF agree */
  pango_cairo_context_set_resolution (pen->context, 72.0);
  cairo_font_options_set_hint_metrics (options, CAIRO_HINT_METRICS_OFF);
  cairo_font_options_set_hint_style (options, CAIRO_HINT_STYLE_NONE);
  pango_cairo_context_set_font_options (pen->context, options);
  cairo_font_options_destroy (options);
  pango_context_set_language (pen->context, pango_language_from_string ("ko"));
}

static void
pen_clear (Pen *pen)
{
  g_clear_object (&pen->context);
}

double
pm_receipt_get_height (PmReceipt *self,
                       double     width)
{
  cairo_surface_t *surface;
  cairo_t *cr;
  Pen pen = { 0 };
  double height;

  g_return_val_if_fail (PM_IS_RECEIPT (self), 0);
  g_return_val_if_fail (width > 0, 0);

  surface = cairo_recording_surface_create (CAIRO_CONTENT_COLOR_ALPHA, NULL);
  cr = cairo_create (surface);
  pen_init (&pen, cr, width, FALSE);
  height = layout_receipt (self, &pen);
  pen_clear (&pen);
  cairo_destroy (cr);
  cairo_surface_destroy (surface);
  return ceil (height);
}

void
pm_receipt_draw (PmReceipt *self,
                 cairo_t   *cr,
                 double     width,
                 double     height)
{
  Pen pen = { 0 };
  double needed;

  g_return_if_fail (PM_IS_RECEIPT (self));
  g_return_if_fail (cr != NULL);
  g_return_if_fail (width > 0 && height > 0);

  needed = pm_receipt_get_height (self, width);
  cairo_save (cr);
  /* white paper, whatever the surface was */
  cairo_set_source_rgb (cr, 1, 1, 1);
  cairo_rectangle (cr, 0, 0, width, height);
  cairo_fill (cr);
  if (needed > height)
    {
      /* too short a page: the whole receipt, smaller, rather than a cut one */
      double scale = height / needed;

      cairo_translate (cr, (width - width * scale) / 2, 0);
      cairo_scale (cr, scale, scale);
    }
  pen_init (&pen, cr, width, TRUE);
  layout_receipt (self, &pen);
  pen_clear (&pen);
  cairo_restore (cr);
}

/* ---- PDF ---- */

static cairo_status_t
write_stream_cb (void                *closure,
                 const unsigned char *data,
                 unsigned int         length)
{
  GOutputStream *stream = closure;
  GError **error = g_object_get_data (G_OBJECT (stream), "pm-receipt-error");

  if (*error != NULL)
    return CAIRO_STATUS_WRITE_ERROR;
  if (!g_output_stream_write_all (stream, data, length, NULL, NULL, error))
    return CAIRO_STATUS_WRITE_ERROR;
  return CAIRO_STATUS_SUCCESS;
}

static gboolean
fail_path (GError    **error,
           const char *path,
           const char *why)
{
  g_autofree char *shown = g_filename_display_name (path);

  g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
               /* Translators: %s is the file, then why it could not be written */
               _("Could not write the receipt to “%s”: %s"), shown, why);
  return FALSE;
}

/* Why a file could not be written, in words (the path is said once, by fail_path). */
static const char *
io_reason (const GError *error)
{
  if (error->domain == G_IO_ERROR)
    switch (error->code)
      {
      case G_IO_ERROR_NOT_FOUND:
        return _("the folder does not exist");
      case G_IO_ERROR_IS_DIRECTORY:
        return _("that is a folder, not a file");
      case G_IO_ERROR_PERMISSION_DENIED:
        return _("you may not write there");
      case G_IO_ERROR_NO_SPACE:
        return _("the disk is full");
      case G_IO_ERROR_READ_ONLY:
        return _("the disk is read-only");
      default:
        break;
      }
  return error->message;
}

gboolean
pm_receipt_write_pdf_for_paper (PmReceipt       *self,
                                PmReceiptPaper   paper,
                                const char      *path,
                                GError         **error)
{
  g_autoptr(GFile) file = NULL;
  g_autoptr(GFileOutputStream) out = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autoptr(GError) write_error = NULL;
  g_autofree char *title = NULL;
  cairo_surface_t *surface;
  cairo_status_t status;
  cairo_t *cr;
  double width, height;

  g_return_val_if_fail (PM_IS_RECEIPT (self), FALSE);
  g_return_val_if_fail (path != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (paper == PM_RECEIPT_PAPER_ROLL)
    {
      width = PM_RECEIPT_ROLL_WIDTH;
      height = pm_receipt_get_height (self, width);
    }
  else
    {
      width = PM_RECEIPT_A4_WIDTH;
      height = PM_RECEIPT_A4_HEIGHT;
    }

  /* g_file_replace writes a temporary file beside @path and renames it over @path only
   * when the stream is closed without error; an abandoned stream leaves nothing. */
  file = g_file_new_for_path (path);
  out = g_file_replace (file, NULL, FALSE, G_FILE_CREATE_REPLACE_DESTINATION, NULL,
                        &local_error);
  if (out == NULL)
    return fail_path (error, path, io_reason (local_error));

  g_object_set_data (G_OBJECT (out), "pm-receipt-error", &write_error);
  surface = cairo_pdf_surface_create_for_stream (write_stream_cb, out, width, height);
  title = pm_receipt_dup_title (self);
  cairo_pdf_surface_set_metadata (surface, CAIRO_PDF_METADATA_TITLE, title);
  cairo_pdf_surface_set_metadata (surface, CAIRO_PDF_METADATA_CREATOR, "Paymint Desk");
  cr = cairo_create (surface);
  pm_receipt_draw (self, cr, width, height);
  cairo_show_page (cr);
  status = cairo_status (cr);
  cairo_destroy (cr);
  cairo_surface_finish (surface);
  if (status == CAIRO_STATUS_SUCCESS)
    status = cairo_surface_status (surface);
  cairo_surface_destroy (surface);
  g_object_set_data (G_OBJECT (out), "pm-receipt-error", NULL);

  if (status != CAIRO_STATUS_SUCCESS || write_error != NULL)
    {
      g_autoptr(GCancellable) abandon = g_cancellable_new ();

      /* closing a cancelled replace removes the temporary file and keeps the old one */
      g_cancellable_cancel (abandon);
      g_output_stream_close (G_OUTPUT_STREAM (out), abandon, NULL);
      return fail_path (error, path, write_error != NULL ? io_reason (write_error)
                                                         : cairo_status_to_string (status));
    }
  if (!g_output_stream_close (G_OUTPUT_STREAM (out), NULL, &local_error))
    return fail_path (error, path, io_reason (local_error));
  return TRUE;
}

gboolean
pm_receipt_write_pdf (PmReceipt   *self,
                      const char  *path,
                      GError     **error)
{
  return pm_receipt_write_pdf_for_paper (self, PM_RECEIPT_PAPER_A4, path, error);
}

/* ---- GObject ---- */

static void
pm_receipt_finalize (GObject *object)
{
  PmReceipt *self = PM_RECEIPT (object);

  g_free (self->bill_id);
  g_free (self->business_name);
  g_free (self->business_number);
  g_ptr_array_unref (self->rows);
  g_ptr_array_unref (self->refund_rows);

  G_OBJECT_CLASS (pm_receipt_parent_class)->finalize (object);
}

static void
pm_receipt_class_init (PmReceiptClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = pm_receipt_finalize;
}

static void
pm_receipt_init (PmReceipt *self)
{
  self->rows = g_ptr_array_new_with_free_func ((GDestroyNotify) row_free);
  self->refund_rows = g_ptr_array_new_with_free_func ((GDestroyNotify) row_free);
}
