/* pm-csv.c — CSV import for bulk send
 *
 * Copyright 2026 The Paymint Desk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "pm-csv.h"

#include "pm-bill.h"
#include "pm-error.h"
#include "pm-money.h"
#include "pm-phone.h"
#include "pm-text.h"
#include "pm-xlsx.h"

#include <glib/gi18n-lib.h>
#include <errno.h>
#include <glib/gstdio.h>
#include <string.h>

#define UNIT_SEPARATOR   "\x1f"
#define RECORD_SEPARATOR "\x1e"

struct _PmCsvImport
{
  GObject     parent_instance;

  char       *encoding;
  gboolean    had_bom;
  char        delimiter;
  GStrv       headers;
  int         columns[PM_CSV_N_FIELDS];
  GPtrArray  *rows;
  guint       n_valid;
  guint       n_invalid;
  gint64      total_won;
  GPtrArray  *duplicates;    /* GPtrArray* of PmCsvRow* (borrowed from rows) */
  char       *content_hash;
  PmCsvFormat format;
  char       *sheet_name;    /* XLSX */
};

G_DEFINE_FINAL_TYPE (PmCsvImport, pm_csv_import, G_TYPE_OBJECT)

/* Fields */

static const char * const field_names[PM_CSV_N_FIELDS] = {
  "payer", "phone", "amount", "product", "message", "expiry", "note", "bill_id",
};

/* Header names recognised for each field, compared after normalize_header(). */
static const char * const payer_aliases[] = {
  "이름", "성명", "고객명", "결제자", "결제자명", "학생명", "회원명", "name", "payer",
  "payer_name", "member_nm", "member_name", NULL
};
static const char * const phone_aliases[] = {
  "전화번호", "휴대폰", "휴대폰번호", "핸드폰", "핸드폰번호", "휴대전화", "연락처", "phone",
  "mobile", "phone_number", "tel", NULL
};
static const char * const amount_aliases[] = {
  "금액", "결제금액", "청구금액", "amount", "price", NULL
};
static const char * const product_aliases[] = {
  "상품명", "청구사유", "내용", "항목", "product", "product_nm", "product_name", "reason", NULL
};
static const char * const message_aliases[] = {
  "메시지", "메세지", "안내문구", "안내", "message", NULL
};
static const char * const expiry_aliases[] = {
  "만료일", "결제기한", "유효기간", "expire", "expire_dt", "expiry", "expiry_date",
  "expire_date", NULL
};
static const char * const note_aliases[] = {
  "메모", "비고", "note", "memo", NULL
};
static const char * const bill_id_aliases[] = {
  "bill_id", NULL
};

static const char * const * const field_aliases[PM_CSV_N_FIELDS] = {
  payer_aliases, phone_aliases, amount_aliases, product_aliases,
  message_aliases, expiry_aliases, note_aliases, bill_id_aliases,
};

const char *
pm_csv_field_to_string (PmCsvField field)
{
  if (field < 0 || field >= PM_CSV_N_FIELDS)
    return "row";
  return field_names[field];
}

gboolean
pm_csv_field_from_string (const char *str,
                          PmCsvField *field)
{
  g_return_val_if_fail (field != NULL, FALSE);

  for (int i = 0; str != NULL && i < PM_CSV_N_FIELDS; i++)
    if (g_ascii_strcasecmp (str, field_names[i]) == 0)
      {
        *field = (PmCsvField) i;
        return TRUE;
      }
  return FALSE;
}

const char *
pm_csv_field_get_label (PmCsvField field)
{
  switch (field)
    {
    case PM_CSV_FIELD_PAYER:
      return _("payer name");
    case PM_CSV_FIELD_PHONE:
      return _("phone");
    case PM_CSV_FIELD_AMOUNT:
      return _("amount");
    case PM_CSV_FIELD_PRODUCT:
      return _("product");
    case PM_CSV_FIELD_MESSAGE:
      return _("message");
    case PM_CSV_FIELD_EXPIRY:
      return _("expiry date");
    case PM_CSV_FIELD_NOTE:
      return _("note");
    case PM_CSV_FIELD_BILL_ID:
      return _("bill ID");
    case PM_CSV_FIELD_NONE:
    case PM_CSV_N_FIELDS:
    default:
      return _("row");
    }
}

/* Lowercase, without spaces, '_', '-', '.', a BOM, quotes or a parenthesised or
 * bracketed remark: "Phone Number (required)" → "phonenumber". */
static char *
normalize_header (const char *text)
{
  g_autofree char *folded = g_utf8_casefold (text, -1);
  GString *out = g_string_new (NULL);
  int depth = 0;

  for (const char *p = folded; *p; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (c == '(' || c == '[' || c == 0xFF08)
        depth++;
      else if ((c == ')' || c == ']' || c == 0xFF09) && depth > 0)
        depth--;
      else if (depth > 0 || g_unichar_isspace (c) || c == 0x3000 || c == 0xFEFF
               || c == '_' || c == '-' || c == '.' || c == '"' || c == '*')
        continue;
      else
        g_string_append_unichar (out, c);
    }
  return g_string_free (out, FALSE);
}

/* Encoding */

static gboolean
fail (GError     **error,
      const char  *message)
{
  g_propagate_error (error, pm_error_new_full (PM_ERROR_INVALID, NULL, NULL, FALSE, message));
  return FALSE;
}

static guint
line_of_offset (const guint8 *data,
                gsize         offset)
{
  guint line = 1;

  for (gsize i = 0; i < offset; i++)
    if (data[i] == '\n' || (data[i] == '\r' && (i + 1 >= offset || data[i + 1] != '\n')))
      line++;
  return line;
}

/* Binary data rather than text: a NUL byte, or control characters making up a quarter
 * of the start of the file. A few stray control characters (an escape pasted into a
 * cell) are text with bad cells, reported cell by cell. */
static gboolean
has_control_garbage (const char *text,
                     gsize       len)
{
  gsize sample = MIN (len, (gsize) 65536);
  gsize controls = 0;

  if (memchr (text, 0, len) != NULL)
    return TRUE;
  for (gsize i = 0; i < sample; i++)
    {
      guchar c = (guchar) text[i];

      if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7f)
        controls++;
    }
  return controls > 0 && controls * 4 > sample;
}

/* Converts @data with iconv's @charset into UTF-8; NULL (no error set) when it cannot. */
static char *
convert_from (const guint8 *data,
              gsize         len,
              const char   *charset,
              gsize        *out_len)
{
  g_autoptr(GError) local_error = NULL;
  gsize read = 0;
  char *out;

  out = g_convert ((const char *) data, (gssize) len, "UTF-8", charset, &read, out_len,
                   &local_error);
  if (out != NULL && !g_utf8_validate_len (out, *out_len, NULL))
    g_clear_pointer (&out, g_free);
  return out;
}

static char *
decode (const guint8  *data,
        gsize          len,
        const char    *requested,
        char         **encoding,
        gboolean      *had_bom,
        gsize         *out_len,
        GError       **error)
{
  char *text = NULL;
  const char *charset = NULL;

  *had_bom = FALSE;

  if (len >= 4 && memcmp (data, "PK\x03\x04", 4) == 0)
    {
      fail (error, _("This is an Excel workbook or another zip file, not CSV. In Excel, "
                     "use File › Save As and choose “CSV UTF-8” or “CSV”."));
      return NULL;
    }
  if (len >= 8 && memcmp (data, "\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", 8) == 0)
    {
      fail (error, _("This is an old Excel workbook (.xls), not CSV. In Excel, use "
                     "File › Save As and choose “CSV UTF-8” or “CSV”."));
      return NULL;
    }

  if (len >= 3 && memcmp (data, "\xef\xbb\xbf", 3) == 0)
    {
      *had_bom = TRUE;
      data += 3;
      len -= 3;
      charset = "UTF-8";
    }
  else if (len >= 2 && data[0] == 0xff && data[1] == 0xfe)
    {
      *had_bom = TRUE;
      data += 2;
      len -= 2;
      charset = "UTF-16LE";
    }
  else if (len >= 2 && data[0] == 0xfe && data[1] == 0xff)
    {
      *had_bom = TRUE;
      data += 2;
      len -= 2;
      charset = "UTF-16BE";
    }
  else if (requested != NULL && requested[0] != '\0')
    charset = requested;

  if (charset != NULL)
    {
      if (g_ascii_strcasecmp (charset, "UTF-8") == 0 || g_ascii_strcasecmp (charset, "UTF8") == 0)
        {
          const char *end = NULL;

          if (!g_utf8_validate_len ((const char *) data, len, &end))
            {
              g_autofree char *message =
                g_strdup_printf (_("The file is not valid UTF-8 text (the first bad byte is on "
                                   "line %u). If Korean Excel saved it as “CSV”, it is "
                                   "CP949: choose that encoding."),
                                 line_of_offset (data, (gsize) (end - (const char *) data)));
              fail (error, message);
              return NULL;
            }
          text = g_strndup ((const char *) data, len);
          *out_len = len;
          *encoding = g_strdup ("UTF-8");
        }
      else
        {
          g_autoptr(GError) local_error = NULL;
          gsize read = 0;

          text = g_convert ((const char *) data, (gssize) len, "UTF-8", charset, &read, out_len,
                            &local_error);
          if (text == NULL)
            {
              g_autofree char *message = NULL;

              if (g_error_matches (local_error, G_CONVERT_ERROR, G_CONVERT_ERROR_NO_CONVERSION))
                message = g_strdup_printf (_("The text encoding “%s” is not known on this "
                                             "system."), charset);
              else
                message = g_strdup_printf (_("The file is not valid %s text (the first bad "
                                             "byte is on line %u)."),
                                           charset, line_of_offset (data, MIN (read, len)));
              fail (error, message);
              return NULL;
            }
          *encoding = g_ascii_strup (charset, -1);
        }
    }
  else
    {
      /* No BOM and no choice: a NUL byte means UTF-16 without a BOM or not text. */
      if (memchr (data, 0, len) != NULL)
        {
          gsize sample = MIN (len, (gsize) 4096) & ~(gsize) 1;
          gsize even_zero = 0, odd_zero = 0;

          for (gsize i = 0; i < sample; i += 2)
            {
              even_zero += data[i] == 0;
              odd_zero += data[i + 1] == 0;
            }
          /* Mostly-ASCII UTF-16 has a zero in every other byte; Hangul's low bytes
           * are sometimes zero too, so compare the two sides rather than demand none. */
          if (sample >= 4 && odd_zero * 6 >= sample && even_zero * 4 < odd_zero)
            charset = "UTF-16LE";
          else if (sample >= 4 && even_zero * 6 >= sample && odd_zero * 4 < even_zero)
            charset = "UTF-16BE";
          if (charset != NULL)
            text = convert_from (data, len, charset, out_len);
          if (text == NULL)
            {
              fail (error, _("This does not look like a text file: it contains binary data. "
                             "Choose a CSV file saved from a spreadsheet."));
              return NULL;
            }
          *encoding = g_strdup (charset);
        }
      else if (g_utf8_validate_len ((const char *) data, len, NULL))
        {
          text = g_strndup ((const char *) data, len);
          *out_len = len;
          *encoding = g_strdup ("UTF-8");
        }
      else if ((text = convert_from (data, len, "CP949", out_len)) != NULL)
        *encoding = g_strdup ("CP949");
      else if ((text = convert_from (data, len, "EUC-KR", out_len)) != NULL)
        *encoding = g_strdup ("EUC-KR");
      else
        {
          fail (error, _("The file is neither UTF-8 nor CP949/EUC-KR text (what Korean Excel "
                         "saves as “CSV”), or it is not a text file at all. Save it again from "
                         "the spreadsheet as “CSV UTF-8”."));
          return NULL;
        }
    }

  if (has_control_garbage (text, *out_len))
    {
      g_clear_pointer (&text, g_free);
      g_clear_pointer (encoding, g_free);
      fail (error, _("This does not look like a text file: it contains binary data. "
                     "Choose a CSV file saved from a spreadsheet."));
      return NULL;
    }
  return text;
}

/* The RFC 4180 reader, over UTF-8 text (the delimiter and quote are ASCII, which never
 * occur inside a multi-byte UTF-8 sequence). */

typedef struct
{
  const char *p;
  const char *end;
  char        delimiter;
  guint       line;       /* physical line at p */
  guint       record;     /* records read so far, blank ones too: a spreadsheet's rows */
  GArray     *problems;   /* guint8 CellProblem per field of the last record */
} Reader;

/* What is wrong with the quoting of a cell (the reader goes on, keeping the text). */
typedef enum
{
  CELL_OK = 0,
  CELL_STRAY_QUOTE,       /* a quote inside a cell that does not start with one: 김"영희 */
  CELL_TEXT_AFTER_QUOTE,  /* something other than the delimiter after the closing quote */
} CellProblem;

typedef enum
{
  READ_RECORD,
  READ_EOF,
  READ_UNCLOSED_QUOTE,
} ReadResult;

static void
reader_end_field (Reader      *r,
                  GPtrArray   *fields,
                  GString     *field,
                  CellProblem  problem)
{
  guint8 value = (guint8) problem;

  g_ptr_array_add (fields, g_string_free (field, FALSE));
  g_array_append_val (r->problems, value);
}

/* Reads one record into @fields (cleared first) and the quoting problem of each field
 * into r->problems; *@line is the physical line where it starts, *@number its row number
 * as a spreadsheet shows it. */
static ReadResult
reader_next (Reader    *r,
             GPtrArray *fields,
             guint     *line,
             guint     *number)
{
  GString *field;
  gboolean quoted = FALSE;      /* inside quotes */
  gboolean was_quoted = FALSE;  /* this field opened with a quote */
  CellProblem problem = CELL_OK;

  g_ptr_array_set_size (fields, 0);
  g_array_set_size (r->problems, 0);
  if (r->p >= r->end)
    return READ_EOF;

  *line = r->line;
  *number = ++r->record;
  field = g_string_new (NULL);

  while (r->p < r->end)
    {
      char c = *r->p;

      if (quoted)
        {
          if (c == '"')
            {
              if (r->p + 1 < r->end && r->p[1] == '"')
                {
                  g_string_append_c (field, '"');
                  r->p += 2;
                }
              else
                {
                  quoted = FALSE;
                  r->p++;
                }
            }
          else if (c == '\r' || c == '\n')
            {
              /* A line break inside quotes: kept as one "\n", the line still counts. */
              if (c == '\r' && r->p + 1 < r->end && r->p[1] == '\n')
                r->p++;
              r->p++;
              r->line++;
              g_string_append_c (field, '\n');
            }
          else
            {
              g_string_append_c (field, c);
              r->p++;
            }
          continue;
        }

      if (c == r->delimiter)
        {
          reader_end_field (r, fields, g_steal_pointer (&field), problem);
          field = g_string_new (NULL);
          was_quoted = FALSE;
          problem = CELL_OK;
          r->p++;
        }
      else if (c == '\r' || c == '\n')
        {
          if (c == '\r' && r->p + 1 < r->end && r->p[1] == '\n')
            r->p++;
          r->p++;
          r->line++;
          break;
        }
      else if (c == '"' && !was_quoted
               && strspn (field->str, " \t") == field->len)
        {
          /* An opening quote (spaces before it are dropped). */
          g_string_truncate (field, 0);
          quoted = TRUE;
          was_quoted = TRUE;
          r->p++;
        }
      else
        {
          /* Text after a closing quote (spaces are fine), or a quote inside an unquoted
           * field: kept as is, and the cell is reported. */
          if (problem == CELL_OK && was_quoted && c != ' ' && c != '\t')
            problem = CELL_TEXT_AFTER_QUOTE;
          else if (problem == CELL_OK && !was_quoted && c == '"')
            problem = CELL_STRAY_QUOTE;
          g_string_append_c (field, c);
          r->p++;
        }
    }

  reader_end_field (r, fields, field, problem);
  return quoted ? READ_UNCLOSED_QUOTE : READ_RECORD;
}

static gboolean
record_is_blank (GPtrArray *fields)
{
  for (guint i = 0; i < fields->len; i++)
    {
      const char *s = g_ptr_array_index (fields, i);

      for (; *s; s++)
        if (!g_ascii_isspace (*s))
          return FALSE;
    }
  return TRUE;
}

/* Counts delimiter candidates on the first non-empty line, outside quotes. */
static char
detect_delimiter (const char *text,
                  const char *end)
{
  static const char candidates[] = { ',', '\t', ';' };
  guint counts[G_N_ELEMENTS (candidates)] = { 0 };
  gboolean quoted = FALSE;
  const char *p = text;
  guint best = 0;

  while (p < end && (*p == '\r' || *p == '\n'))
    p++;
  for (; p < end; p++)
    {
      if (*p == '"')
        quoted = !quoted;
      else if (!quoted && (*p == '\r' || *p == '\n'))
        break;
      else if (!quoted)
        for (guint i = 0; i < G_N_ELEMENTS (candidates); i++)
          if (*p == candidates[i])
            counts[i]++;
    }
  for (guint i = 1; i < G_N_ELEMENTS (candidates); i++)
    if (counts[i] > counts[best])
      best = i;
  return candidates[best];
}

/* Cells */

static char *
clean_cell (const char *cell)
{
  g_autofree char *stripped = g_strstrip (g_strdup (cell));
  const char *p = stripped;
  const char *e;

  /* Also full-width and no-break spaces at either end. */
  while (*p)
    {
      gunichar c = g_utf8_get_char (p);

      if (c != 0x3000 && c != 0x00A0)
        break;
      p = g_utf8_next_char (p);
    }
  e = p + strlen (p);
  while (e > p)
    {
      const char *prev = g_utf8_prev_char (e);
      gunichar c = g_utf8_get_char (prev);

      if (c != 0x3000 && c != 0x00A0 && !g_unichar_isspace (c))
        break;
      e = prev;
    }
  for (const char *q = p; q < e; q++)
    if ((guchar) *q >= 0x80)
      return g_utf8_normalize (p, e - p, G_NORMALIZE_NFC);
  return g_strndup (p, e - p);
}

/* "A", "B", … "Z", "AA", … for the 0-based @column, as a spreadsheet names it. */
static char *
column_letter (guint column)
{
  char letters[8];
  guint n = 0;
  GString *out;

  for (guint64 v = (guint64) column + 1; v > 0 && n < sizeof letters; v = (v - 1) / 26)
    letters[n++] = (char) ('A' + (v - 1) % 26);
  out = g_string_sized_new (n);
  while (n > 0)
    g_string_append_c (out, letters[--n]);
  return g_string_free (out, FALSE);
}

static gboolean
is_bidi_control (gunichar c)
{
  return (c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069);
}

/* What is wrong with one cell, as a sentence for people, or NULL: its quoting, then its
 * characters (@text as clean_cell() left it, so spaces, tabs and line breaks at either end
 * are gone already). Every control character (C0, DEL, C1) and every bidirectional
 * embedding, override or isolate is refused; the one exception is a line break where
 * @allow_breaks (a message or a note may have several lines, as a spreadsheet writes a
 * cell with Alt+Enter). */
static char *
cell_problem_message (const char  *text,
                      CellProblem  problem,
                      gboolean     allow_breaks)
{
  if (problem == CELL_STRAY_QUOTE)
    return g_strdup (_("There is a quote mark (\") inside this cell. If it belongs to the "
                       "text, put the whole cell in quotes and write the mark twice "
                       "(\"김\"\"영희\"); otherwise remove it."));
  if (problem == CELL_TEXT_AFTER_QUOTE)
    return g_strdup (_("There is text after the closing quote of this cell; a quoted cell "
                       "must end with a quote mark right before the delimiter. Write a quote "
                       "mark inside quoted text twice (\"\")."));

  for (const char *p = text; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);
      g_autofree char *what = NULL;

      if (!pm_text_is_unsafe_char (c) || (allow_breaks && c == '\n'))
        continue;
      if (c == '\n')
        return g_strdup (_("This cell holds a line break; this value must be on one line."));
      what = pm_text_describe_char (c);
      if (is_bidi_control (c))
        return g_strdup_printf (_("This cell holds the invisible character %s, which changes "
                                  "the direction text is shown in, so it may read differently "
                                  "from what would be sent. Remove it."), what);
      return g_strdup_printf (_("This cell holds the control character %s, which cannot be "
                                "sent. Remove it (it may have come with text copied from "
                                "another program)."), what);
    }
  return NULL;
}

static gboolean
read_digits (const char **p,
             int          min,
             int          max,
             int         *value)
{
  int n = 0;

  *value = 0;
  while (g_ascii_isdigit (**p) && n < max)
    {
      *value = *value * 10 + (**p - '0');
      (*p)++;
      n++;
    }
  return n >= min && !g_ascii_isdigit (**p);
}

char *
pm_csv_normalize_date (const char *text)
{
  const char *p;
  int year, month, day;
  char sep;

  if (text == NULL)
    return NULL;
  p = text;
  while (g_ascii_isspace (*p))
    p++;
  if (!read_digits (&p, 4, 4, &year))
    return NULL;
  sep = *p;
  if (sep != '-' && sep != '.' && sep != '/')
    return NULL;
  p++;
  while (*p == ' ')
    p++;
  if (!read_digits (&p, 1, 2, &month) || *p != sep)
    return NULL;
  p++;
  while (*p == ' ')
    p++;
  if (!read_digits (&p, 1, 2, &day))
    return NULL;
  if (sep == '.' && *p == '.')
    p++;

  /* A time of day, as Excel writes it: " 00:00:00", " 0:00", "T00:00:00". */
  if (*p == ' ' || *p == 'T')
    {
      while (*p == ' ' || *p == 'T')
        p++;
      while (g_ascii_isdigit (*p) || *p == ':' || *p == '.')
        p++;
      while (*p == ' ')
        p++;
      if (g_ascii_strncasecmp (p, "AM", 2) == 0 || g_ascii_strncasecmp (p, "PM", 2) == 0)
        p += 2;
    }
  while (g_ascii_isspace (*p))
    p++;
  if (*p != '\0')
    return NULL;
  return g_strdup_printf ("%04d-%02d-%02d", year, month, day);
}

/* Fingerprints */

char *
pm_csv_row_key (const char *phone,
                gint64      amount,
                const char *payer,
                const char *product,
                const char *expiry,
                guint       ordinal)
{
  g_autoptr(GChecksum) sum = g_checksum_new (G_CHECKSUM_SHA256);
  g_autofree char *text = NULL;
  guint8 digest[32];
  gsize digest_len = sizeof digest;
  GString *hex;

  text = g_strdup_printf ("pmcsv1" UNIT_SEPARATOR "%s" UNIT_SEPARATOR "%" G_GINT64_FORMAT
                          UNIT_SEPARATOR "%s" UNIT_SEPARATOR "%s" UNIT_SEPARATOR "%s"
                          UNIT_SEPARATOR "%u",
                          phone ? phone : "", amount, payer ? payer : "",
                          product ? product : "", expiry ? expiry : "", ordinal);
  g_checksum_update (sum, (const guchar *) text, -1);
  g_checksum_get_digest (sum, digest, &digest_len);

  hex = g_string_sized_new (PM_CSV_ROW_KEY_LENGTH);
  for (gsize i = 0; i < PM_CSV_ROW_KEY_LENGTH / 2; i++)
    g_string_append_printf (hex, "%02x", digest[i]);
  return g_string_free (hex, FALSE);
}

char *
pm_csv_derive_bill_id (const char *seed,
                       const char *row_key)
{
  static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
  GString *id = g_string_sized_new (PM_BILL_BILL_ID_MAX);
  const char *key = seed ? seed : "";

  g_return_val_if_fail (row_key != NULL, NULL);

  for (guint counter = 0; id->len < PM_BILL_BILL_ID_MAX; counter++)
    {
      g_autoptr(GHmac) hmac = g_hmac_new (G_CHECKSUM_SHA256, (const guchar *) key, strlen (key));
      g_autofree char *text = g_strdup_printf ("pmcsv1-bill" UNIT_SEPARATOR "%s"
                                               UNIT_SEPARATOR "%u", row_key, counter);
      guint8 digest[32];
      gsize digest_len = sizeof digest;

      g_hmac_update (hmac, (const guchar *) text, -1);
      g_hmac_get_digest (hmac, digest, &digest_len);
      for (gsize i = 0; i < digest_len && id->len < PM_BILL_BILL_ID_MAX; i++)
        if (digest[i] < 252) /* 7 × 36: no bias */
          g_string_append_c (id, alphabet[digest[i] % 36]);
    }
  return g_string_free (id, FALSE);
}

/* The import */

static void
pm_csv_row_error_free (gpointer data)
{
  PmCsvRowError *e = data;

  g_free (e->message);
  g_free (e);
}

static void
pm_csv_row_free (gpointer data)
{
  PmCsvRow *row = data;

  g_clear_object (&row->bill);
  g_clear_pointer (&row->errors, g_ptr_array_unref);
  g_free (row->key);
  g_free (row);
}

static void
pm_csv_import_finalize (GObject *object)
{
  PmCsvImport *self = PM_CSV_IMPORT (object);

  g_free (self->encoding);
  g_strfreev (self->headers);
  g_clear_pointer (&self->duplicates, g_ptr_array_unref);
  g_clear_pointer (&self->rows, g_ptr_array_unref);
  g_free (self->content_hash);
  g_free (self->sheet_name);

  G_OBJECT_CLASS (pm_csv_import_parent_class)->finalize (object);
}

static void
pm_csv_import_class_init (PmCsvImportClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = pm_csv_import_finalize;
}

static void
pm_csv_import_init (PmCsvImport *self)
{
  self->rows = g_ptr_array_new_with_free_func (pm_csv_row_free);
  self->duplicates = g_ptr_array_new_with_free_func ((GDestroyNotify) g_ptr_array_unref);
  for (int i = 0; i < PM_CSV_N_FIELDS; i++)
    self->columns[i] = -1;
}

static char *
headers_list (PmCsvImport *self)
{
  GString *list = g_string_new (NULL);

  for (guint i = 0; self->headers[i] != NULL; i++)
    {
      if (self->headers[i][0] == '\0')
        continue; /* padding, not a name */
      if (list->len > 0)
        g_string_append (list, ", ");
      g_string_append_printf (list, "“%s”", self->headers[i]);
    }
  return g_string_free (list, FALSE);
}

/* "C (금액)", or "C" when the column has no header. */
static char *
column_with_letter (PmCsvImport *self,
                    guint        column)
{
  g_autofree char *letter = column_letter (column);

  if (self->headers[column][0] == '\0')
    return g_steal_pointer (&letter);
  /* Translators: a column's letter, then its header ("C (금액)") */
  return g_strdup_printf (C_("column", "%s (%s)"), letter, self->headers[column]);
}

static gboolean
map_columns (PmCsvImport         *self,
             const PmCsvOptions  *options,
             GError             **error)
{
  guint n = g_strv_length (self->headers);
  g_autoptr(GPtrArray) normalized = g_ptr_array_new_with_free_func (g_free);
  g_autofree gboolean *taken = g_new0 (gboolean, n);
  g_autoptr(GString) missing = g_string_new (NULL);
  guint n_missing = 0;

  for (guint i = 0; i < n; i++)
    g_ptr_array_add (normalized, normalize_header (self->headers[i]));

  /* The caller's mapping first. */
  for (int f = 0; f < PM_CSV_N_FIELDS; f++)
    {
      const char *spec = options->columns[f];
      g_autofree char *wanted = NULL;
      int found = -1;

      if (spec == NULL || spec[0] == '\0')
        continue;
      wanted = normalize_header (spec);
      for (guint i = 0; i < n && found < 0; i++)
        if (strcmp (wanted, g_ptr_array_index (normalized, i)) == 0)
          found = (int) i;
      if (found < 0 && strspn (spec, "0123456789") == strlen (spec))
        {
          guint64 number = g_ascii_strtoull (spec, NULL, 10);

          if (number < 1 || number > n)
            {
              g_autofree char *message =
                /* Translators: a column number, a field ("phone"), the number of columns */
                g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                              "Column %s was chosen for the %s, but the file "
                                              "has only %u column.",
                                              "Column %s was chosen for the %s, but the file "
                                              "has only %u columns.", n),
                                 spec, pm_csv_field_get_label ((PmCsvField) f), n);
              return fail (error, message);
            }
          found = (int) number - 1;
        }
      if (found < 0)
        {
          g_autofree char *list = headers_list (self);
          g_autofree char *message =
            /* Translators: a column name, a field ("phone"), the file's column names */
            g_strdup_printf (_("There is no column “%s” for the %s. The file’s columns are: %s."),
                             spec, pm_csv_field_get_label ((PmCsvField) f), list);
          return fail (error, message);
        }
      if (taken[found])
        {
          PmCsvField other = PM_CSV_FIELD_NONE;
          g_autofree char *name = column_with_letter (self, (guint) found);
          g_autofree char *message = NULL;

          for (int g = 0; g < f; g++)
            if (self->columns[g] == found)
              other = (PmCsvField) g;
          message =
            /* Translators: a column ("B (전화번호)"), then two fields ("payer name", "phone") */
            g_strdup_printf (_("Column %s was chosen for both the %s and the %s; choose a "
                               "different column for each."),
                             name, pm_csv_field_get_label (other),
                             pm_csv_field_get_label ((PmCsvField) f));
          return fail (error, message);
        }
      self->columns[f] = found;
      taken[found] = TRUE;
    }

  /* Then by header name. Two columns whose names both mean the field (전화번호 and 휴대폰):
   * which one is meant cannot be known, so the person chooses. */
  for (int f = 0; f < PM_CSV_N_FIELDS; f++)
    {
      int first = -1;

      if (self->columns[f] >= 0 || (options->columns[f] != NULL && options->columns[f][0]))
        continue;
      for (guint i = 0; i < n; i++)
        {
          gboolean match = FALSE;

          if (taken[i])
            continue;
          for (const char * const *alias = field_aliases[f]; *alias && !match; alias++)
            {
              g_autofree char *a = normalize_header (*alias);

              match = strcmp (a, g_ptr_array_index (normalized, i)) == 0;
            }
          if (!match)
            continue;
          if (first >= 0)
            {
              g_autofree char *one = column_with_letter (self, (guint) first);
              g_autofree char *two = column_with_letter (self, i);
              g_autofree char *message =
                /* Translators: two columns ("B (전화번호)", "D (휴대폰)"), then a field
                 * ("phone") twice */
                g_strdup_printf (_("Columns %s and %s both look like the %s. Choose the column "
                                   "to use for the %s, or rename the other one."),
                                 one, two, pm_csv_field_get_label ((PmCsvField) f),
                                 pm_csv_field_get_label ((PmCsvField) f));
              return fail (error, message);
            }
          first = (int) i;
        }
      if (first >= 0)
        {
          self->columns[f] = first;
          taken[first] = TRUE;
        }
    }

  for (int f = 0; f <= PM_CSV_FIELD_EXPIRY; f++)
    {
      gboolean has_default =
        (f == PM_CSV_FIELD_PRODUCT && options->default_product != NULL)
        || (f == PM_CSV_FIELD_MESSAGE && options->default_message != NULL)
        || (f == PM_CSV_FIELD_EXPIRY && options->default_expiry != NULL);

      if (self->columns[f] >= 0 || has_default)
        continue;
      if (missing->len > 0)
        g_string_append (missing, ", ");
      g_string_append (missing, pm_csv_field_get_label ((PmCsvField) f));
      n_missing++;
    }
  if (n_missing > 0)
    {
      g_autofree char *list = headers_list (self);
      g_autofree char *message =
        /* Translators: the missing fields ("phone, amount"), then the file's column names */
        g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                      "A required column is missing: %s. Name it in the "
                                      "header row (for example 이름, 전화번호, 금액, 상품명, "
                                      "메시지, 만료일) or choose the column. The file’s "
                                      "columns are: %s.",
                                      "Required columns are missing: %s. Name them in the "
                                      "header row (for example 이름, 전화번호, 금액, 상품명, "
                                      "메시지, 만료일) or choose the columns. The file’s "
                                      "columns are: %s.", n_missing),
                         missing->str, list);
      return fail (error, message);
    }
  return TRUE;
}

/* Checks the defaults used for a whole column that is missing. */
static gboolean
check_defaults (PmCsvImport         *self,
                const PmCsvOptions  *options,
                gint64               now_utc,
                GError             **error)
{
  g_autoptr(GError) local_error = NULL;
  const char *what = NULL;

  if (self->columns[PM_CSV_FIELD_PRODUCT] < 0
      && !pm_bill_check_product_nm (options->default_product, &local_error))
    what = pm_csv_field_get_label (PM_CSV_FIELD_PRODUCT);
  else if (self->columns[PM_CSV_FIELD_MESSAGE] < 0
           && !pm_bill_check_message (options->default_message, &local_error))
    what = pm_csv_field_get_label (PM_CSV_FIELD_MESSAGE);
  else if (self->columns[PM_CSV_FIELD_EXPIRY] < 0)
    {
      g_autofree char *date = pm_csv_normalize_date (options->default_expiry);

      if (!pm_bill_check_expire_date (date ? date : options->default_expiry, now_utc,
                                      &local_error))
        what = pm_csv_field_get_label (PM_CSV_FIELD_EXPIRY);
    }

  if (what != NULL)
    {
      g_autofree char *message =
        /* Translators: a field ("message"), then what is wrong with it */
        g_strdup_printf (_("The default %s is not usable: %s"), what, local_error->message);
      return fail (error, message);
    }
  return TRUE;
}

static void
add_message (PmCsvRow    *row,
             PmCsvField   field,
             int          column,
             char        *message)
{
  PmCsvRowError *e = g_new0 (PmCsvRowError, 1);

  e->field = field;
  e->column = column;
  e->message = message;
  g_ptr_array_add (row->errors, e);
}

static void
add_error (PmCsvImport *self,
           PmCsvRow    *row,
           PmCsvField   field,
           GError      *error)
{
  add_message (row, field, self->columns[field], g_strdup (error->message));
}

static PmCsvField
field_of_column (PmCsvImport *self,
                 int          column)
{
  for (int f = 0; f < PM_CSV_N_FIELDS; f++)
    if (self->columns[f] == column)
      return (PmCsvField) f;
  return PM_CSV_FIELD_NONE;
}

typedef struct
{
  gint64      now_utc;
  GHashTable *ordinals;      /* canonical text → count so far */
  GHashTable *expiry_checks; /* "YYYY-MM-DD" → error message, "" when fine */
  GHashTable *bills;         /* bill identity → GPtrArray of PmCsvRow* with it */
} RowContext;

/* What makes two rows the same bill: the same payer (name and mobile number) billed the
 * same amount for the same thing (product), compared as they would be sent: the phone's
 * digits, the amount in won, the name and the product trimmed and in NFC. The message,
 * the last day to pay and the note do not make it another bill. */
static char *
bill_identity (PmBill *bill)
{
  return g_strdup_printf ("%s" UNIT_SEPARATOR "%" G_GINT64_FORMAT UNIT_SEPARATOR "%s"
                          UNIT_SEPARATOR "%s",
                          pm_bill_get_phone (bill), pm_bill_get_price (bill),
                          pm_bill_get_payer_name (bill), pm_bill_get_product (bill));
}

static PmCsvRow *
make_row (PmCsvImport         *self,
          const PmCsvOptions  *options,
          RowContext          *ctx,
          GPtrArray           *fields,
          GArray              *problems,
          guint                line,
          guint                number)
{
  PmCsvRow *row = g_new0 (PmCsvRow, 1);
  guint n_columns = g_strv_length (self->headers);
  g_autoptr(GPtrArray) clean = NULL;
  const char *cells[PM_CSV_N_FIELDS] = { NULL };
  gboolean bad_cell[PM_CSV_N_FIELDS] = { FALSE };
  g_autoptr(GError) local_error = NULL;
  g_autofree char *phone = NULL;
  g_autofree char *expiry = NULL;
  const char *product, *message, *expiry_text;
  gboolean product_from_cell, expiry_from_cell;
  gint64 won = 0;

  row->line = line;
  row->number = number;
  row->errors = g_ptr_array_new_with_free_func (pm_csv_row_error_free);

  /* Extra trailing cells are fine while empty (spreadsheets pad rows). */
  if (fields->len != n_columns)
    {
      gboolean extra_blank = fields->len > n_columns;

      for (guint i = n_columns; extra_blank && i < fields->len; i++)
        {
          const char *s = g_ptr_array_index (fields, i);

          extra_blank = s[strspn (s, " \t")] == '\0';
        }
      if (!extra_blank)
        {
          add_message (row, PM_CSV_FIELD_NONE, -1, g_strdup_printf (
            /* Translators: cells in this row, then in the header row */
            g_dngettext (GETTEXT_PACKAGE,
                         "This row has %u cell but the header row has %u; check for a "
                         "missing or extra delimiter or quote.",
                         "This row has %u cells but the header row has %u; check for a "
                         "missing or extra delimiter or quote.", fields->len),
            fields->len, n_columns));
          return row;
        }
    }

  /* Every cell, used or not: its quoting and its characters. */
  clean = g_ptr_array_new_full (n_columns, g_free);
  for (guint i = 0; i < n_columns; i++)
    {
      PmCsvField field = field_of_column (self, (int) i);
      char *text = clean_cell (g_ptr_array_index (fields, i));
      gboolean breaks = field == PM_CSV_FIELD_NONE || field == PM_CSV_FIELD_MESSAGE
                        || field == PM_CSV_FIELD_NOTE;
      char *problem = cell_problem_message (text, (CellProblem) g_array_index (problems,
                                                                                guint8, i),
                                            breaks);

      g_ptr_array_add (clean, text);
      if (problem != NULL)
        {
          add_message (row, field, (int) i, problem);
          if (field != PM_CSV_FIELD_NONE)
            bad_cell[field] = TRUE;
        }
    }
  for (int f = 0; f < PM_CSV_N_FIELDS; f++)
    if (self->columns[f] >= 0)
      cells[f] = g_ptr_array_index (clean, self->columns[f]);

  /* payer */
  if (!bad_cell[PM_CSV_FIELD_PAYER]
      && !pm_bill_check_member_nm (cells[PM_CSV_FIELD_PAYER], &local_error))
    add_error (self, row, PM_CSV_FIELD_PAYER, local_error);
  g_clear_error (&local_error);

  /* phone */
  if (!bad_cell[PM_CSV_FIELD_PHONE]
      && !pm_phone_normalize (cells[PM_CSV_FIELD_PHONE] ? cells[PM_CSV_FIELD_PHONE] : "",
                              &phone, &row->legacy_phone, &local_error))
    add_error (self, row, PM_CSV_FIELD_PHONE, local_error);
  g_clear_error (&local_error);

  /* amount */
  if (!bad_cell[PM_CSV_FIELD_AMOUNT]
      && (!pm_money_parse (cells[PM_CSV_FIELD_AMOUNT] ? cells[PM_CSV_FIELD_AMOUNT] : "", &won,
                           &local_error)
          || !pm_bill_check_price (won, &local_error)))
    add_error (self, row, PM_CSV_FIELD_AMOUNT, local_error);
  g_clear_error (&local_error);

  /* product */
  product_from_cell = cells[PM_CSV_FIELD_PRODUCT] != NULL && cells[PM_CSV_FIELD_PRODUCT][0] != '\0';
  product = product_from_cell ? cells[PM_CSV_FIELD_PRODUCT] : options->default_product;
  if (!bad_cell[PM_CSV_FIELD_PRODUCT] && !pm_bill_check_product_nm (product, &local_error))
    add_error (self, row, PM_CSV_FIELD_PRODUCT, local_error);
  g_clear_error (&local_error);

  /* message */
  message = cells[PM_CSV_FIELD_MESSAGE] != NULL && cells[PM_CSV_FIELD_MESSAGE][0] != '\0'
            ? cells[PM_CSV_FIELD_MESSAGE] : options->default_message;
  if (!bad_cell[PM_CSV_FIELD_MESSAGE] && !pm_bill_check_message (message, &local_error))
    add_error (self, row, PM_CSV_FIELD_MESSAGE, local_error);
  g_clear_error (&local_error);

  /* expiry */
  expiry_from_cell = cells[PM_CSV_FIELD_EXPIRY] != NULL && cells[PM_CSV_FIELD_EXPIRY][0] != '\0';
  expiry_text = expiry_from_cell ? cells[PM_CSV_FIELD_EXPIRY] : options->default_expiry;
  if (!bad_cell[PM_CSV_FIELD_EXPIRY])
    {
      if (expiry_text != NULL && expiry_text[0] != '\0')
        {
          expiry = pm_csv_normalize_date (expiry_text);
          if (expiry == NULL)
            pm_error_set_field_error (&local_error, PM_ERROR_INVALID, PM_BILL_FIELD_EXPIRE_DT,
                                      "%s",
                                      _("Write the last day as YYYY-MM-DD, like 2026-12-31 "
                                        "(YYYY.MM.DD and YYYY/MM/DD work too)."));
        }
      if (local_error == NULL)
        {
          /* Same answer for the same date: ask the bill module once per distinct date
           * (its Korea-time lookup is costly next to the rest of a row). */
          const char *known = expiry ? g_hash_table_lookup (ctx->expiry_checks, expiry) : NULL;

          if (known == NULL)
            {
              pm_bill_check_expire_date (expiry, ctx->now_utc, &local_error);
              if (expiry != NULL)
                g_hash_table_insert (ctx->expiry_checks, g_strdup (expiry),
                                     g_strdup (local_error ? local_error->message : ""));
            }
          else if (known[0] != '\0')
            local_error = pm_error_new_full (PM_ERROR_INVALID, PM_BILL_FIELD_EXPIRE_DT, NULL,
                                             FALSE, known);
        }
      if (local_error != NULL)
        add_error (self, row, PM_CSV_FIELD_EXPIRY, local_error);
      g_clear_error (&local_error);
    }

  /* bill id (optional) */
  if (!bad_cell[PM_CSV_FIELD_BILL_ID]
      && !pm_bill_check_bill_id (cells[PM_CSV_FIELD_BILL_ID], &local_error))
    add_error (self, row, PM_CSV_FIELD_BILL_ID, local_error);
  g_clear_error (&local_error);

  if (row->errors->len == 0)
    {
      g_autofree char *canonical = NULL;
      char *identity;
      GPtrArray *same;
      guint ordinal;

      row->bill = pm_bill_new ();
      pm_bill_set_kind (row->bill, PM_BILL_KIND_REQUEST);
      pm_bill_set_payer_name (row->bill, cells[PM_CSV_FIELD_PAYER]);
      pm_bill_set_phone (row->bill, phone);
      pm_bill_set_price (row->bill, won);
      pm_bill_set_product (row->bill, product);
      pm_bill_set_message (row->bill, message);
      pm_bill_set_expire_date (row->bill, expiry);
      if (cells[PM_CSV_FIELD_NOTE] != NULL && cells[PM_CSV_FIELD_NOTE][0] != '\0')
        pm_bill_set_note (row->bill, cells[PM_CSV_FIELD_NOTE]);
      if (cells[PM_CSV_FIELD_BILL_ID] != NULL && cells[PM_CSV_FIELD_BILL_ID][0] != '\0')
        pm_bill_set_bill_id (row->bill, cells[PM_CSV_FIELD_BILL_ID]);

      canonical = g_strdup_printf ("%s" UNIT_SEPARATOR "%" G_GINT64_FORMAT UNIT_SEPARATOR "%s"
                                   UNIT_SEPARATOR "%s" UNIT_SEPARATOR "%s",
                                   phone, won, cells[PM_CSV_FIELD_PAYER],
                                   product_from_cell ? product : "",
                                   expiry_from_cell ? expiry : "");
      ordinal = GPOINTER_TO_UINT (g_hash_table_lookup (ctx->ordinals, canonical)) + 1;
      row->key = pm_csv_row_key (phone, won, cells[PM_CSV_FIELD_PAYER],
                                 product_from_cell ? product : NULL,
                                 expiry_from_cell ? expiry : NULL, ordinal);
      g_hash_table_replace (ctx->ordinals, g_steal_pointer (&canonical),
                            GUINT_TO_POINTER (ordinal));

      identity = bill_identity (row->bill);
      same = g_hash_table_lookup (ctx->bills, identity);
      if (same == NULL)
        {
          same = g_ptr_array_new ();
          g_hash_table_insert (ctx->bills, identity, same);
        }
      else
        g_free (identity);
      g_ptr_array_add (same, row);
    }

  return row;
}

static int
compare_groups (gconstpointer a,
                gconstpointer b)
{
  GPtrArray *ga = *(GPtrArray **) a;
  GPtrArray *gb = *(GPtrArray **) b;
  guint na = ((PmCsvRow *) g_ptr_array_index (ga, 0))->number;
  guint nb = ((PmCsvRow *) g_ptr_array_index (gb, 0))->number;

  return na < nb ? -1 : na > nb;
}

static int
compare_strings (gconstpointer a,
                 gconstpointer b)
{
  return strcmp (*(const char **) a, *(const char **) b);
}

/* After the last row: the groups of identical bills, and the content hash — SHA-256 over
 * the sorted bill identities of the valid rows, each with its count, so neither the
 * file's name, encoding, BOM, delimiter, quoting, spelling of numbers nor the order of
 * its rows changes it. */
static void
finish_bills (PmCsvImport *self,
              GHashTable  *bills)
{
  g_autoptr(GChecksum) sum = g_checksum_new (G_CHECKSUM_SHA256);
  g_autoptr(GPtrArray) keys = g_ptr_array_new ();
  GHashTableIter iter;
  gpointer key, value;

  g_hash_table_iter_init (&iter, bills);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      GPtrArray *same = value;

      g_ptr_array_add (keys, key);
      if (same->len > 1)
        g_ptr_array_add (self->duplicates, g_ptr_array_ref (same));
    }
  g_ptr_array_sort (self->duplicates, compare_groups);
  g_ptr_array_sort (keys, compare_strings);

  g_checksum_update (sum, (const guchar *) "pmcsv-content1", -1);
  for (guint i = 0; i < keys->len; i++)
    {
      const char *identity = g_ptr_array_index (keys, i);
      GPtrArray *same = g_hash_table_lookup (bills, identity);
      g_autofree char *count = g_strdup_printf (UNIT_SEPARATOR "%u", same->len);

      g_checksum_update (sum, (const guchar *) RECORD_SEPARATOR, -1);
      g_checksum_update (sum, (const guchar *) identity, -1);
      g_checksum_update (sum, (const guchar *) count, -1);
    }
  self->content_hash = g_strdup (g_checksum_get_string (sum));
}

/* A problem of the header row is a problem of the whole file. */
static gboolean
fail_header_cell (guint        number,
                  guint        column,
                  const char  *what,
                  GError     **error)
{
  g_autofree char *letter = column_letter (column);
  g_autofree char *message =
    /* Translators: a row number, a column (a header name or a letter), what is wrong */
    g_strdup_printf (_("row %u, column %s: %s"), number, letter, what);

  return fail (error, message);
}

static gboolean
check_header (PmCsvImport  *self,
              GPtrArray    *fields,
              GArray       *problems,
              guint         number,
              GError      **error)
{
  guint n = fields->len;
  g_autoptr(GPtrArray) normalized = g_ptr_array_new_with_free_func (g_free);

  self->headers = g_new0 (char *, n + 1);
  for (guint i = 0; i < n; i++)
    {
      g_autofree char *problem = NULL;

      self->headers[i] = clean_cell (g_ptr_array_index (fields, i));
      problem = cell_problem_message (self->headers[i],
                                      (CellProblem) g_array_index (problems, guint8, i), TRUE);
      if (problem != NULL)
        return fail_header_cell (number, i, problem, error);
      g_ptr_array_add (normalized, normalize_header (self->headers[i]));
    }

  /* Two columns of one name: which one is meant cannot be known. Empty names (the
   * padding of a spreadsheet) do not count. */
  for (guint j = 1; j < n; j++)
    {
      const char *name = g_ptr_array_index (normalized, j);

      if (name[0] == '\0')
        continue;
      for (guint i = 0; i < j; i++)
        if (strcmp (name, g_ptr_array_index (normalized, i)) == 0)
          {
            g_autofree char *other = column_letter (i);
            g_autofree char *what =
              /* Translators: a column name, then the letter of another column */
              g_strdup_printf (_("The column name “%s” is used by column %s too; give each "
                                 "column its own name."), self->headers[j], other);

            return fail_header_cell (number, j, what, error);
          }
    }
  return TRUE;
}

/* The row pipeline, the same for every format: the header row, then each row, then the
 * duplicates and the content hash. */

typedef struct
{
  const PmCsvOptions *options;
  guint               max_rows;
  RowContext          rows;
  gboolean            started;  /* the header has been read */
} Pipeline;

static void
pipeline_init (Pipeline            *pipe,
               const PmCsvOptions  *options)
{
  static const PmCsvOptions no_options = { 0 };

  memset (pipe, 0, sizeof *pipe);
  pipe->options = options != NULL ? options : &no_options;
  pipe->max_rows = pipe->options->max_rows ? pipe->options->max_rows : PM_CSV_MAX_ROWS;
  pipe->rows.now_utc = pipe->options->now_utc ? pipe->options->now_utc
                                              : g_get_real_time () / G_USEC_PER_SEC;
  pipe->rows.ordinals = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  pipe->rows.expiry_checks = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  pipe->rows.bills = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                            (GDestroyNotify) g_ptr_array_unref);
}

static void
pipeline_clear (Pipeline *pipe)
{
  g_clear_pointer (&pipe->rows.ordinals, g_hash_table_unref);
  g_clear_pointer (&pipe->rows.expiry_checks, g_hash_table_unref);
  g_clear_pointer (&pipe->rows.bills, g_hash_table_unref);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Pipeline, pipeline_clear)

/* The header row (its cells, their quoting problems, its row number): names, the mapping
 * of fields to columns, the defaults. */
static gboolean
pipeline_header (PmCsvImport  *self,
                 Pipeline     *pipe,
                 GPtrArray    *fields,
                 GArray       *problems,
                 guint         number,
                 GError      **error)
{
  pipe->started = TRUE;
  return check_header (self, fields, problems, number, error)
         && map_columns (self, pipe->options, error)
         && check_defaults (self, pipe->options, pipe->rows.now_utc, error);
}

/* One record after the header: blank ones are skipped, the others checked. */
static gboolean
pipeline_row (PmCsvImport  *self,
              Pipeline     *pipe,
              GPtrArray    *fields,
              GArray       *problems,
              guint         line,
              guint         number,
              GError      **error)
{
  PmCsvRow *row;

  if (record_is_blank (fields))
    return TRUE;
  if (self->rows->len >= pipe->max_rows)
    {
      g_autofree char *message =
        g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                      "The file has more than %u row; a bulk send can read "
                                      "at most that many. Split it into smaller files.",
                                      "The file has more than %u rows; a bulk send can read "
                                      "at most that many. Split it into smaller files.",
                                      pipe->max_rows), pipe->max_rows);
      return fail (error, message);
    }

  row = make_row (self, pipe->options, &pipe->rows, fields, problems, line, number);
  g_ptr_array_add (self->rows, row);
  if (row->bill != NULL)
    {
      self->n_valid++;
      self->total_won += pm_bill_get_price (row->bill);
    }
  else
    self->n_invalid++;
  return TRUE;
}

static gboolean
pipeline_finish (PmCsvImport  *self,
                 Pipeline     *pipe,
                 GError      **error)
{
  if (!pipe->started)
    return fail (error, _("The file is empty: it needs a header row naming the columns, then "
                          "one row per bill."));
  finish_bills (self, pipe->rows.bills);
  return TRUE;
}

static gboolean
fail_too_big (gsize        size,
              gsize        max_bytes,
              GError     **error)
{
  g_autofree char *size_text = g_format_size (size);
  g_autofree char *limit = g_format_size (max_bytes);
  g_autofree char *message =
    /* Translators: the file's size, then the limit ("52.4 MB", "50.0 MB") */
    g_strdup_printf (_("The file is too big (%s); a bulk send can read at most %s. "
                       "Split it into smaller files."), size_text, limit);

  return fail (error, message);
}

static gboolean
fail_unclosed_quote (guint     number,
                     GError  **error)
{
  g_autofree char *message =
    g_strdup_printf (_("The quoted text that starts on row %u is never closed with a "
                       "quote (\"), so the rest of the file cannot be read."), number);

  return fail (error, message);
}

PmCsvImport *
pm_csv_import_bytes (GBytes              *bytes,
                     const PmCsvOptions  *options,
                     GError             **error)
{
  g_autoptr(PmCsvImport) self = NULL;
  g_autoptr(GPtrArray) fields = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GArray) problems = g_array_new (FALSE, FALSE, sizeof (guint8));
  g_auto(Pipeline) pipe = { 0 };
  g_autofree char *text = NULL;
  const guint8 *data;
  gsize len, text_len = 0;
  gsize max_bytes;
  Reader reader;
  ReadResult result;
  guint line = 0, number = 0;

  g_return_val_if_fail (bytes != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  pipeline_init (&pipe, options);
  options = pipe.options;
  max_bytes = options->max_bytes ? options->max_bytes : PM_CSV_MAX_BYTES;

  data = g_bytes_get_data (bytes, &len);
  if (len > max_bytes)
    {
      fail_too_big (len, max_bytes, error);
      return NULL;
    }

  self = g_object_new (PM_TYPE_CSV_IMPORT, NULL);
  self->format = PM_CSV_FORMAT_CSV;
  text = decode (data ? data : (const guint8 *) "", len, options->encoding, &self->encoding,
                 &self->had_bom, &text_len, error);
  if (text == NULL)
    return NULL;

  /* A BOM can also sit at the start of the decoded text (UTF-16 files often have one). */
  reader.p = text;
  if (text_len >= 3 && memcmp (text, "\xef\xbb\xbf", 3) == 0)
    {
      reader.p += 3;
      self->had_bom = TRUE;
    }
  reader.end = text + text_len;
  reader.line = 1;
  reader.record = 0;
  reader.problems = problems;
  reader.delimiter = options->delimiter ? options->delimiter
                                        : detect_delimiter (reader.p, reader.end);
  self->delimiter = reader.delimiter;

  while ((result = reader_next (&reader, fields, &line, &number)) != READ_EOF)
    {
      if (result == READ_UNCLOSED_QUOTE)
        {
          fail_unclosed_quote (number, error);
          return NULL;
        }
      if (!pipe.started)
        {
          /* The header: the first record that is not blank. */
          if (!record_is_blank (fields)
              && !pipeline_header (self, &pipe, fields, problems, number, error))
            return NULL;
        }
      else if (!pipeline_row (self, &pipe, fields, problems, line, number, error))
        return NULL;
    }

  if (!pipeline_finish (self, &pipe, error))
    return NULL;
  return g_steal_pointer (&self);
}

static PmCsvImport *
import_table (const PmCsvTableRow  *rows,
              guint                 n_rows,
              const PmCsvOptions   *options,
              PmCsvFormat           format,
              GError              **error)
{
  g_autoptr(PmCsvImport) self = NULL;
  g_autoptr(GPtrArray) fields = g_ptr_array_new ();
  g_autoptr(GArray) problems = g_array_new (FALSE, TRUE, sizeof (guint8));
  g_auto(Pipeline) pipe = { 0 };
  guint width = 0;

  pipeline_init (&pipe, options);

  self = g_object_new (PM_TYPE_CSV_IMPORT, NULL);
  self->format = format;
  self->encoding = g_strdup ("UTF-8");

  /* Every row as wide as the widest: a row ends at its last value in a spreadsheet. */
  for (guint i = 0; i < n_rows; i++)
    width = MAX (width, rows[i].n_cells);
  g_array_set_size (problems, width);

  for (guint i = 0; i < n_rows; i++)
    {
      const PmCsvTableRow *row = &rows[i];

      g_ptr_array_set_size (fields, 0);
      for (guint j = 0; j < width; j++)
        {
          const char *cell = j < row->n_cells && row->cells[j] != NULL ? row->cells[j] : "";

          g_ptr_array_add (fields, (gpointer) cell);
        }
      if (!pipe.started)
        {
          if (!record_is_blank (fields)
              && !pipeline_header (self, &pipe, fields, problems, row->number, error))
            return NULL;
        }
      else if (!pipeline_row (self, &pipe, fields, problems, row->number, row->number, error))
        return NULL;
    }

  if (!pipeline_finish (self, &pipe, error))
    return NULL;
  return g_steal_pointer (&self);
}

PmCsvImport *
pm_csv_import_table (const PmCsvTableRow  *rows,
                     guint                 n_rows,
                     const PmCsvOptions   *options,
                     GError              **error)
{
  g_return_val_if_fail (rows != NULL || n_rows == 0, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  return import_table (rows, n_rows, options, PM_CSV_FORMAT_TABLE, error);
}

/* The file's bytes, after the checks every format shares: it exists, is a file, is not
 * too big. */
static GBytes *
read_file (const char          *path,
           const PmCsvOptions  *options,
           GError             **error)
{
  g_autofree char *display = NULL;
  g_autofree char *contents = NULL;
  GError *local_error = NULL;
  GStatBuf st;
  gsize max_bytes;
  gsize len = 0;

  display = g_filename_display_name (path);
  max_bytes = options && options->max_bytes ? options->max_bytes : PM_CSV_MAX_BYTES;

  if (g_stat (path, &st) != 0)
    {
      int saved = errno;
      g_autofree char *message =
        /* Translators: a file name, then the system's reason */
        g_strdup_printf (_("Could not open “%s”: %s."), display, g_strerror (saved));
      fail (error, message);
      return NULL;
    }
  if (!S_ISREG (st.st_mode))
    {
      g_autofree char *message =
        g_strdup_printf (_("“%s” is not a file. Choose a CSV file."), display);
      fail (error, message);
      return NULL;
    }
  if ((guint64) st.st_size > (guint64) max_bytes)
    {
      fail_too_big ((gsize) st.st_size, max_bytes, error);
      return NULL;
    }
  if (!g_file_get_contents (path, &contents, &len, &local_error))
    {
      g_autofree char *message =
        g_strdup_printf (_("Could not read “%s”: %s"), display, local_error->message);
      g_error_free (local_error);
      fail (error, message);
      return NULL;
    }
  if (len > max_bytes)
    {
      fail_too_big (len, max_bytes, error);
      return NULL;
    }
  return g_bytes_new_take (g_steal_pointer (&contents), len);
}

PmCsvImport *
pm_csv_import_file (const char          *path,
                    const PmCsvOptions  *options,
                    GError             **error)
{
  g_autoptr(GBytes) bytes = NULL;

  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  bytes = read_file (path, options, error);
  if (bytes == NULL)
    return NULL;
  return pm_csv_import_bytes (bytes, options, error);
}

PmCsvImport *
pm_csv_import_path (const char          *path,
                    const PmCsvOptions  *options,
                    GError             **error)
{
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(PmXlsxSheet) sheet = NULL;
  g_autofree PmCsvTableRow *rows = NULL;
  g_autofree char *display = NULL;
  PmCsvImport *import;
  const guint8 *data;
  guint max_rows, n_rows;
  gsize len;

  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  bytes = read_file (path, options, error);
  if (bytes == NULL)
    return NULL;
  data = g_bytes_get_data (bytes, &len);
  if (!pm_xlsx_is_workbook (data, len))
    return pm_csv_import_bytes (bytes, options, error);

  display = g_filename_display_basename (path);
  max_rows = options && options->max_rows ? options->max_rows : PM_CSV_MAX_ROWS;
  sheet = pm_xlsx_read (bytes, display, max_rows, error);
  if (sheet == NULL)
    return NULL;

  n_rows = pm_xlsx_sheet_get_n_rows (sheet);
  rows = g_new0 (PmCsvTableRow, MAX (n_rows, 1));
  for (guint i = 0; i < n_rows; i++)
    {
      const PmXlsxRow *row = pm_xlsx_sheet_get_row (sheet, i);

      rows[i].number = row->number;
      rows[i].n_cells = row->n_cells;
      rows[i].cells = (const char * const *) row->cells;
    }
  import = import_table (rows, n_rows, options, PM_CSV_FORMAT_XLSX, error);
  if (import != NULL)
    import->sheet_name = g_strdup (pm_xlsx_sheet_get_name (sheet));
  return import;
}

/* Getters */

PmCsvFormat
pm_csv_import_get_format (PmCsvImport *self)
{
  g_return_val_if_fail (PM_IS_CSV_IMPORT (self), PM_CSV_FORMAT_CSV);
  return self->format;
}

const char *
pm_csv_import_get_sheet_name (PmCsvImport *self)
{
  g_return_val_if_fail (PM_IS_CSV_IMPORT (self), NULL);
  return self->sheet_name;
}

const char *
pm_csv_import_get_encoding (PmCsvImport *self)
{
  g_return_val_if_fail (PM_IS_CSV_IMPORT (self), NULL);
  return self->encoding;
}

gboolean
pm_csv_import_get_had_bom (PmCsvImport *self)
{
  g_return_val_if_fail (PM_IS_CSV_IMPORT (self), FALSE);
  return self->had_bom;
}

char
pm_csv_import_get_delimiter (PmCsvImport *self)
{
  g_return_val_if_fail (PM_IS_CSV_IMPORT (self), 0);
  return self->delimiter;
}

const char * const *
pm_csv_import_get_headers (PmCsvImport *self)
{
  g_return_val_if_fail (PM_IS_CSV_IMPORT (self), NULL);
  return (const char * const *) self->headers;
}

int
pm_csv_import_get_column (PmCsvImport *self,
                          PmCsvField   field)
{
  g_return_val_if_fail (PM_IS_CSV_IMPORT (self), -1);
  if (field < 0 || field >= PM_CSV_N_FIELDS)
    return -1;
  return self->columns[field];
}

GPtrArray *
pm_csv_import_get_rows (PmCsvImport *self)
{
  g_return_val_if_fail (PM_IS_CSV_IMPORT (self), NULL);
  return self->rows;
}

guint
pm_csv_import_get_n_rows (PmCsvImport *self)
{
  g_return_val_if_fail (PM_IS_CSV_IMPORT (self), 0);
  return self->rows->len;
}

guint
pm_csv_import_get_n_valid (PmCsvImport *self)
{
  g_return_val_if_fail (PM_IS_CSV_IMPORT (self), 0);
  return self->n_valid;
}

guint
pm_csv_import_get_n_invalid (PmCsvImport *self)
{
  g_return_val_if_fail (PM_IS_CSV_IMPORT (self), 0);
  return self->n_invalid;
}

gint64
pm_csv_import_get_total_won (PmCsvImport *self)
{
  g_return_val_if_fail (PM_IS_CSV_IMPORT (self), 0);
  return self->total_won;
}

char *
pm_csv_import_dup_column_name (PmCsvImport *self,
                               guint        column)
{
  g_return_val_if_fail (PM_IS_CSV_IMPORT (self), NULL);
  g_return_val_if_fail (column < g_strv_length (self->headers), NULL);

  if (self->format != PM_CSV_FORMAT_CSV)
    return column_with_letter (self, column);
  if (self->headers[column][0] != '\0')
    return g_strdup (self->headers[column]);
  return column_letter (column);
}

GPtrArray *
pm_csv_import_get_duplicates (PmCsvImport *self)
{
  g_return_val_if_fail (PM_IS_CSV_IMPORT (self), NULL);
  return self->duplicates;
}

const char *
pm_csv_import_get_content_hash (PmCsvImport *self)
{
  g_return_val_if_fail (PM_IS_CSV_IMPORT (self), NULL);
  return self->content_hash;
}

char *
pm_csv_format_duplicates (PmCsvImport *import)
{
  GString *out = g_string_new (NULL);

  g_return_val_if_fail (PM_IS_CSV_IMPORT (import), NULL);

  for (guint i = 0; i < import->duplicates->len; i++)
    {
      GPtrArray *same = g_ptr_array_index (import->duplicates, i);
      PmBill *bill = ((PmCsvRow *) g_ptr_array_index (same, 0))->bill;
      guint last = ((PmCsvRow *) g_ptr_array_index (same, same->len - 1))->number;
      g_autofree char *phone = pm_phone_format_display (pm_bill_get_phone (bill));
      g_autofree char *amount = pm_money_format (pm_bill_get_price (bill));
      g_autofree char *what = NULL;
      g_autoptr(GString) rows = g_string_new (NULL);

      /* Translators: one bill: the payer's name, mobile number, amount and product */
      what = g_strdup_printf (_("%s %s, %s, %s"), pm_bill_get_payer_name (bill), phone,
                              amount, pm_bill_get_product (bill));
      for (guint j = 0; j + 1 < same->len; j++)
        {
          if (j > 0)
            /* Translators: between the row numbers of a list ("3, 9 and 17") */
            g_string_append (rows, C_("list", ", "));
          g_string_append_printf (rows, "%u", ((PmCsvRow *) g_ptr_array_index (same, j))->number);
        }
      /* Translators: the row numbers but the last ("3" or "3, 9"), the last one, then the
       * bill they all make */
      g_string_append_printf (out, _("rows %s and %u are the same bill: %s"), rows->str, last,
                              what);
      g_string_append_c (out, '\n');
    }
  return g_string_free (out, FALSE);
}

char *
pm_csv_format_report (PmCsvImport *import)
{
  GString *out = g_string_new (NULL);
  g_autofree char *total = NULL;

  g_return_val_if_fail (PM_IS_CSV_IMPORT (import), NULL);

  total = pm_money_format (import->total_won);
  g_string_append_printf (out,
                          /* Translators: rows read, rows valid, rows with errors, total */
                          g_dngettext (GETTEXT_PACKAGE,
                                       "%u row read: %u valid, %u with errors; valid rows "
                                       "total %s.",
                                       "%u rows read: %u valid, %u with errors; valid rows "
                                       "total %s.", import->rows->len),
                          import->rows->len, import->n_valid, import->n_invalid, total);
  g_string_append_c (out, '\n');

  for (guint i = 0; i < import->rows->len; i++)
    {
      PmCsvRow *row = g_ptr_array_index (import->rows, i);

      for (guint j = 0; j < row->errors->len; j++)
        {
          PmCsvRowError *e = g_ptr_array_index (row->errors, j);

          if (e->column >= 0)
            {
              g_autofree char *label = pm_csv_import_dup_column_name (import, (guint) e->column);

              /* Translators: a row number, a column (a header name or a letter), what is
               * wrong */
              g_string_append_printf (out, _("row %u, column %s: %s"), row->number, label,
                                      e->message);
            }
          else if (e->field != PM_CSV_FIELD_NONE)
            /* Translators: a row number, a field without a column (its value came from a
             * default), then what is wrong */
            g_string_append_printf (out, _("row %u, %s: %s"), row->number,
                                    pm_csv_field_get_label (e->field), e->message);
          else
            /* Translators: a row number, then what is wrong with the row */
            g_string_append_printf (out, _("row %u: %s"), row->number, e->message);
          g_string_append_c (out, '\n');
        }
    }
  return g_string_free (out, FALSE);
}
