/* pm-xlsx.c — the first worksheet of an Excel workbook (.xlsx) as a table of text
 *
 * Copyright 2026 The Paymint Desk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "pm-xlsx.h"

#include "pm-error.h"

#include <glib/gi18n-lib.h>
#include <archive.h>
#include <archive_entry.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define MAX_ENTRIES   10000   /* parts in one zip */
#define MAX_EXCEL_ROW 1048576u
#define MAX_DATE_SERIAL 2958466.0 /* 10000-01-01 */
/* What is kept of the parts besides the cells: far more than Excel writes (64,000 cell
 * formats, a few hundred custom number formats), far less than 64 MiB of XML could ask */
#define MAX_SHEETS    4096
#define MAX_RELS      8192
#define MAX_FORMATS   65536
#define MAX_MERGES    8192

struct _PmXlsxSheet
{
  char         *name;
  gboolean      date1904;
  GPtrArray    *rows;     /* PmXlsxRow* */
  GPtrArray    *strings;  /* the shared strings, const char* into chunk */
  GStringChunk *chunk;    /* the text of every cell */
};

static void
row_free (gpointer data)
{
  PmXlsxRow *row = data;

  g_free (row->cells);
  g_free (row);
}

void
pm_xlsx_sheet_free (PmXlsxSheet *sheet)
{
  if (sheet == NULL)
    return;
  g_free (sheet->name);
  g_clear_pointer (&sheet->rows, g_ptr_array_unref);
  g_clear_pointer (&sheet->strings, g_ptr_array_unref);
  g_clear_pointer (&sheet->chunk, g_string_chunk_free);
  g_free (sheet);
}

const char *
pm_xlsx_sheet_get_name (PmXlsxSheet *sheet)
{
  g_return_val_if_fail (sheet != NULL, NULL);
  return sheet->name;
}

gboolean
pm_xlsx_sheet_get_date1904 (PmXlsxSheet *sheet)
{
  g_return_val_if_fail (sheet != NULL, FALSE);
  return sheet->date1904;
}

guint
pm_xlsx_sheet_get_n_rows (PmXlsxSheet *sheet)
{
  g_return_val_if_fail (sheet != NULL, 0);
  return sheet->rows->len;
}

const PmXlsxRow *
pm_xlsx_sheet_get_row (PmXlsxSheet *sheet,
                       guint        index)
{
  g_return_val_if_fail (sheet != NULL, NULL);
  g_return_val_if_fail (index < sheet->rows->len, NULL);
  return g_ptr_array_index (sheet->rows, index);
}

char *
pm_xlsx_column_letter (guint column)
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

char *
pm_xlsx_cell_name (guint column,
                   guint row)
{
  g_autofree char *letter = pm_xlsx_column_letter (column);

  return g_strdup_printf ("%s%u", letter, row);
}

/* Messages */

static void
set_error (GError     **error,
           const char  *message)
{
  g_clear_error (error);
  g_propagate_error (error, pm_error_new_full (PM_ERROR_INVALID, NULL, NULL, FALSE, message));
}

static void
set_damaged (GError     **error,
             const char  *display)
{
  g_autofree char *message =
    /* Translators: a file name */
    g_strdup_printf (_("“%s” is damaged and cannot be read as an Excel workbook. Open it in "
                       "Excel and save it again as .xlsx, or save it as “CSV UTF-8”."), display);

  set_error (error, message);
}

static void
set_cell_damaged (GError     **error,
                  const char  *display,
                  const char  *sheet,
                  const char  *cell)
{
  g_autofree char *message =
    /* Translators: a file name, a sheet name, a cell ("B7") */
    g_strdup_printf (_("“%s”, sheet “%s”, cell %s: the cell cannot be read; the file is "
                       "damaged. Open it in Excel and save it again."), display, sheet, cell);

  set_error (error, message);
}

static void
set_too_big (GError     **error,
             const char  *display,
             const char  *part)
{
  g_autofree char *limit = g_format_size (PM_XLSX_MAX_PART_BYTES);
  g_autofree char *message =
    /* Translators: a file name, a part of the workbook ("xl/worksheets/sheet1.xml"), a
     * size ("67.1 MB") */
    g_strdup_printf (_("“%s” is too big once unpacked: its part %s holds more than %s, the "
                       "most a bulk send reads. Split the bills into smaller files. (A small "
                       "file that unpacks to this much may be damaged or harmful.)"),
                     display, part, limit);

  set_error (error, message);
}

/* Zip and XML parts */

/* An element's name without its namespace prefix ("x:row" → "row"). */
static const char *
local_name (const char *name)
{
  const char *colon = strrchr (name, ':');

  return colon != NULL ? colon + 1 : name;
}

static const char *
attribute (const char **names,
           const char **values,
           const char  *wanted)
{
  for (guint i = 0; names[i] != NULL; i++)
    if (strcmp (local_name (names[i]), wanted) == 0)
      return values[i];
  return NULL;
}

/* Feeds the entry the archive is at into @context. FALSE with @error set: a PM_ERROR for
 * anything the callbacks refused, the file's own message for bad XML or a broken zip. */
static gboolean
parse_entry (struct archive       *a,
             const char           *display,
             const char           *part,
             GMarkupParseContext  *context,
             GError              **error)
{
  g_autofree char *buffer = g_malloc (65536);
  GError *local_error = NULL;
  gsize total = 0;

  for (;;)
    {
      la_ssize_t n = archive_read_data (a, buffer, 65536);
      const char *start = buffer;

      if (n == 0)
        break;
      if (n < 0)
        {
          g_debug ("%s: %s: %s", display, part, archive_error_string (a));
          set_damaged (error, display);
          return FALSE;
        }
      total += (gsize) n;
      if (total > PM_XLSX_MAX_PART_BYTES)
        {
          set_too_big (error, display, part);
          return FALSE;
        }
      /* some writers (System.IO.Packaging) start a part with a byte order mark */
      if (total == (gsize) n && n >= 3 && memcmp (buffer, "\xef\xbb\xbf", 3) == 0)
        {
          start += 3;
          n -= 3;
        }
      if (!g_markup_parse_context_parse (context, start, n, &local_error))
        break;
    }
  if (local_error == NULL)
    g_markup_parse_context_end_parse (context, &local_error);
  if (local_error == NULL)
    return TRUE;

  if (local_error->domain == PM_ERROR)
    g_propagate_error (error, local_error);
  else
    {
      int line = 0, column = 0;
      g_autofree char *message = NULL;

      g_markup_parse_context_get_position (context, &line, &column);
      g_debug ("%s: %s: %s", display, part, local_error->message);
      g_error_free (local_error);
      message =
        /* Translators: a file name, a part of the workbook ("xl/sharedStrings.xml"), a line
         * number */
        g_strdup_printf (_("“%s” is damaged: its part %s is not valid XML (line %d). Open it "
                           "in Excel and save it again."), display, part, line);
      set_error (error, message);
    }
  return FALSE;
}

/* workbook.xml: the sheets in tab order, and the 1904 date system */

typedef struct
{
  GPtrArray *names;  /* char* */
  GPtrArray *ids;    /* char*, relationship ids */
  gboolean   date1904;
} Workbook;

static void
workbook_start_cb (GMarkupParseContext  *context,
                   const char           *element,
                   const char          **names,
                   const char          **values,
                   gpointer              user_data,
                   GError              **error)
{
  Workbook *wb = user_data;
  const char *name = local_name (element);

  if (strcmp (name, "workbookPr") == 0)
    {
      const char *v = attribute (names, values, "date1904");

      wb->date1904 = v != NULL && (strcmp (v, "1") == 0 || g_ascii_strcasecmp (v, "true") == 0);
    }
  else if (strcmp (name, "sheet") == 0 && wb->names->len < MAX_SHEETS)
    {
      const char *sheet_name = NULL, *id = NULL;

      for (guint i = 0; names[i] != NULL; i++)
        {
          if (strcmp (names[i], "name") == 0)
            sheet_name = values[i];
          else if (strchr (names[i], ':') != NULL && strcmp (local_name (names[i]), "id") == 0)
            id = values[i];
        }
      g_ptr_array_add (wb->names, g_strdup (sheet_name ? sheet_name : ""));
      g_ptr_array_add (wb->ids, g_strdup (id ? id : ""));
    }
}

/* workbook.xml.rels: relationship id → target part */

typedef struct
{
  GHashTable *targets;  /* id → target, worksheets only */
} Rels;

static void
rels_start_cb (GMarkupParseContext  *context,
               const char           *element,
               const char          **names,
               const char          **values,
               gpointer              user_data,
               GError              **error)
{
  Rels *rels = user_data;
  const char *id, *type, *target;

  if (strcmp (local_name (element), "Relationship") != 0)
    return;
  id = attribute (names, values, "Id");
  type = attribute (names, values, "Type");
  target = attribute (names, values, "Target");
  if (id != NULL && type != NULL && target != NULL && g_str_has_suffix (type, "/worksheet")
      && g_hash_table_size (rels->targets) < MAX_RELS)
    g_hash_table_replace (rels->targets, g_strdup (id), g_strdup (target));
}

/* styles.xml: which cell formats are dates */

typedef struct
{
  GHashTable *custom;    /* numFmtId → formatCode */
  GArray     *xf_fmts;   /* guint numFmtId per cellXfs entry */
  int         in_num_fmts;
  int         in_cell_xfs;
} Styles;

static void
styles_start_cb (GMarkupParseContext  *context,
                 const char           *element,
                 const char          **names,
                 const char          **values,
                 gpointer              user_data,
                 GError              **error)
{
  Styles *st = user_data;
  const char *name = local_name (element);

  if (strcmp (name, "numFmts") == 0)
    st->in_num_fmts++;
  else if (strcmp (name, "cellXfs") == 0)
    st->in_cell_xfs++;
  else if (strcmp (name, "numFmt") == 0 && st->in_num_fmts > 0
           && g_hash_table_size (st->custom) < MAX_FORMATS)
    {
      const char *id = attribute (names, values, "numFmtId");
      const char *code = attribute (names, values, "formatCode");

      if (id != NULL && code != NULL)
        g_hash_table_replace (st->custom, GUINT_TO_POINTER ((guint) strtoul (id, NULL, 10)),
                              g_strdup (code));
    }
  else if (strcmp (name, "xf") == 0 && st->in_cell_xfs > 0 && st->xf_fmts->len < MAX_FORMATS)
    {
      const char *id = attribute (names, values, "numFmtId");
      guint fmt = id != NULL ? (guint) strtoul (id, NULL, 10) : 0;

      g_array_append_val (st->xf_fmts, fmt);
    }
}

static void
styles_end_cb (GMarkupParseContext  *context,
               const char           *element,
               gpointer              user_data,
               GError              **error)
{
  Styles *st = user_data;
  const char *name = local_name (element);

  if (strcmp (name, "numFmts") == 0)
    st->in_num_fmts--;
  else if (strcmp (name, "cellXfs") == 0)
    st->in_cell_xfs--;
}

/* The built-in formats that show a date: 14–22 everywhere, and the Korean (and other East
 * Asian) ones, 27–31, 34–36 and 50–58 but the time-only ones. */
static gboolean
builtin_is_date (guint id)
{
  return (id >= 14 && id <= 22) || (id >= 27 && id <= 31) || (id >= 34 && id <= 36)
         || (id >= 50 && id <= 54) || id == 57 || id == 58;
}

/* A custom format shows a date when it has y, m or d outside quoted text, escapes and
 * [brackets] (colours, locales, elapsed time); an m with h or s but no y or d is minutes. */
static gboolean
custom_is_date (const char *code)
{
  gboolean y_or_d = FALSE, m = FALSE, h_or_s = FALSE;

  for (const char *p = code; *p != '\0'; p++)
    {
      char c = g_ascii_tolower (*p);

      if (*p == '"')
        {
          const char *end = strchr (p + 1, '"');

          if (end == NULL)
            break;
          p = end;
        }
      else if (*p == '[')
        {
          const char *end = strchr (p + 1, ']');

          if (end == NULL)
            break;
          /* [h], [mm], [ss]: elapsed time; anything else (colours, locales) is not */
          if (end > p + 1 && strspn (p + 1, "hHmMsS") == (gsize) (end - p - 1))
            h_or_s = TRUE;
          p = end;
        }
      else if ((*p == '\\' || *p == '_' || *p == '*') && p[1] != '\0')
        p++;
      else if (*p == ';')
        break; /* the first section decides */
      else if (c == 'y' || c == 'd')
        y_or_d = TRUE;
      else if (c == 'm')
        m = TRUE;
      else if (c == 'h' || c == 's')
        h_or_s = TRUE;
    }
  return y_or_d || (m && !h_or_s);
}

/* Shared strings and inline text: the text of <t> in <si>/<is> or in its runs <r>,
 * not in phonetic runs <rPh> */

static void
decode_escapes (GString *text)
{
  /* _xHHHH_ stands for a character XML cannot hold (Excel writes _x000D_ for a CR). */
  const char *p = strstr (text->str, "_x");
  GString *out;

  if (p == NULL)
    return;
  out = g_string_sized_new (text->len);
  p = text->str;
  while (*p != '\0')
    {
      if (p[0] == '_' && p[1] == 'x' && g_ascii_isxdigit (p[2]) && g_ascii_isxdigit (p[3])
          && g_ascii_isxdigit (p[4]) && g_ascii_isxdigit (p[5]) && p[6] == '_')
        {
          gunichar c = (gunichar) (g_ascii_xdigit_value (p[2]) << 12
                                   | g_ascii_xdigit_value (p[3]) << 8
                                   | g_ascii_xdigit_value (p[4]) << 4
                                   | g_ascii_xdigit_value (p[5]));

          if (c != 0 && g_unichar_validate (c))
            {
              g_string_append_unichar (out, c);
              p += 7;
              continue;
            }
        }
      g_string_append_c (out, *p++);
    }
  g_string_assign (text, out->str);
  g_string_free (out, TRUE);
}

typedef struct
{
  const char   *display;
  GPtrArray    *strings;   /* const char* */
  GStringChunk *chunk;     /* their text */
  GString      *current;
  int           in_si;
  int           in_t;
  int           in_rph;
} Shared;

static void
shared_start_cb (GMarkupParseContext  *context,
                 const char           *element,
                 const char          **names,
                 const char          **values,
                 gpointer              user_data,
                 GError              **error)
{
  Shared *sh = user_data;
  const char *name = local_name (element);

  if (strcmp (name, "si") == 0)
    {
      sh->in_si++;
      g_string_truncate (sh->current, 0);
    }
  else if (strcmp (name, "t") == 0)
    sh->in_t++;
  else if (strcmp (name, "rPh") == 0)
    sh->in_rph++;
}

static void
shared_end_cb (GMarkupParseContext  *context,
               const char           *element,
               gpointer              user_data,
               GError              **error)
{
  Shared *sh = user_data;
  const char *name = local_name (element);

  if (strcmp (name, "t") == 0 && sh->in_t > 0)
    sh->in_t--;
  else if (strcmp (name, "rPh") == 0 && sh->in_rph > 0)
    sh->in_rph--;
  else if (strcmp (name, "si") == 0 && sh->in_si > 0)
    {
      sh->in_si--;
      decode_escapes (sh->current);
      if (g_utf8_strlen (sh->current->str, (gssize) sh->current->len) > PM_XLSX_MAX_CELL_CHARS)
        {
          set_damaged (error, sh->display);
          return;
        }
      g_ptr_array_add (sh->strings, g_string_chunk_insert_len (sh->chunk, sh->current->str,
                                                               (gssize) sh->current->len));
    }
}

static void
shared_text_cb (GMarkupParseContext  *context,
                const char           *text,
                gsize                 len,
                gpointer              user_data,
                GError              **error)
{
  Shared *sh = user_data;

  if (sh->in_si > 0 && sh->in_t > 0 && sh->in_rph == 0)
    g_string_append_len (sh->current, text, (gssize) len);
}

/* The worksheet */

typedef struct
{
  guint  first_row;
  guint  last_row;
  char  *ref;
} Merge;

static void
merge_free (gpointer data)
{
  Merge *m = data;

  g_free (m->ref);
  g_free (m);
}

typedef struct
{
  const char   *display;
  PmXlsxSheet  *sheet;
  GArray       *date_xfs;     /* gboolean per cell format */
  guint         max_rows;     /* rows with values allowed after the first; 0: any */
  gsize         text_bytes;   /* cell text read so far */

  int           in_sheet_data;
  guint         row_number;   /* the current row, 0 before the first */
  GPtrArray    *row_cells;    /* const char*, NULL for empty */
  gboolean      row_has_value;

  gboolean      sheet_data_done;
  gboolean      in_cell;
  guint         column;       /* of the current cell; the next one is column + 1 */
  gboolean      any_cell;     /* a cell was seen in this row */
  char          type[16];
  guint         style;
  gboolean      has_formula;
  gboolean      has_value;    /* a <v> was seen */
  gboolean      has_inline;   /* an <is> was seen */
  int           in_v;
  int           in_is;
  int           in_t;
  int           in_rph;
  GString      *value;        /* <v> text */
  GString      *inline_text;  /* <is> text */

  GPtrArray    *merges;       /* Merge* */
} Sheet;

/* "B7" → column 1; FALSE unless letters then digits. */
static gboolean
parse_cell_ref (const char *ref,
                guint      *column,
                guint      *row)
{
  guint64 col = 0, r = 0;
  const char *p = ref;
  int letters = 0;

  for (; g_ascii_isalpha (*p); p++, letters++)
    col = col * 26 + (guint64) (g_ascii_toupper (*p) - 'A' + 1);
  if (letters == 0 || letters > 3 || col > 16384)
    return FALSE;
  if (!g_ascii_isdigit (*p))
    return FALSE;
  for (; g_ascii_isdigit (*p); p++)
    {
      r = r * 10 + (guint64) (*p - '0');
      if (r > MAX_EXCEL_ROW)
        return FALSE;
    }
  if (*p != '\0' || r == 0)
    return FALSE;
  *column = (guint) col - 1;
  *row = (guint) r;
  return TRUE;
}

static char *
current_cell_name (Sheet *sh)
{
  return pm_xlsx_cell_name (sh->column, sh->row_number);
}

static void
fail_cell (Sheet       *sh,
           GError     **error)
{
  g_autofree char *cell = current_cell_name (sh);

  set_cell_damaged (error, sh->display, sh->sheet->name, cell);
}

static gboolean check_merges (Sheet   *sh,
                              GError **error);

static void
sheet_start_cb (GMarkupParseContext  *context,
                const char           *element,
                const char          **names,
                const char          **values,
                gpointer              user_data,
                GError              **error)
{
  Sheet *sh = user_data;
  const char *name = local_name (element);

  if (strcmp (name, "sheetData") == 0)
    sh->in_sheet_data++;
  else if (strcmp (name, "row") == 0 && sh->in_sheet_data > 0)
    {
      const char *r = attribute (names, values, "r");
      guint number = sh->row_number + 1;

      if (r != NULL)
        {
          char *end = NULL;
          guint64 v = g_ascii_strtoull (r, &end, 10);

          if (end == r || *end != '\0' || v == 0 || v > MAX_EXCEL_ROW)
            {
              set_damaged (error, sh->display);
              return;
            }
          number = (guint) v;
        }
      if (number <= sh->row_number || number > MAX_EXCEL_ROW)
        {
          set_damaged (error, sh->display);
          return;
        }
      sh->row_number = number;
      g_ptr_array_set_size (sh->row_cells, 0);
      sh->row_has_value = FALSE;
      sh->any_cell = FALSE;
    }
  else if (strcmp (name, "c") == 0 && sh->in_sheet_data > 0 && sh->row_number > 0)
    {
      const char *r = attribute (names, values, "r");
      const char *t = attribute (names, values, "t");
      const char *s = attribute (names, values, "s");
      guint column = sh->any_cell ? sh->column + 1 : 0;

      if (r != NULL)
        {
          guint row;

          if (!parse_cell_ref (r, &column, &row) || row != sh->row_number)
            {
              set_damaged (error, sh->display);
              return;
            }
        }
      if (sh->any_cell && column <= sh->column)
        {
          set_damaged (error, sh->display);
          return;
        }
      sh->column = column;
      sh->any_cell = TRUE;
      sh->in_cell = TRUE;
      g_strlcpy (sh->type, t != NULL ? t : "n", sizeof sh->type);
      sh->style = s != NULL ? (guint) strtoul (s, NULL, 10) : 0;
      sh->has_formula = FALSE;
      sh->has_value = FALSE;
      sh->has_inline = FALSE;
      g_string_truncate (sh->value, 0);
      g_string_truncate (sh->inline_text, 0);
    }
  else if (sh->in_cell && strcmp (name, "v") == 0)
    {
      sh->in_v++;
      sh->has_value = TRUE;
    }
  else if (sh->in_cell && strcmp (name, "f") == 0)
    sh->has_formula = TRUE;
  else if (sh->in_cell && strcmp (name, "is") == 0)
    {
      sh->in_is++;
      sh->has_inline = TRUE;
    }
  else if (sh->in_is > 0 && strcmp (name, "t") == 0)
    sh->in_t++;
  else if (sh->in_is > 0 && strcmp (name, "rPh") == 0)
    sh->in_rph++;
  else if (strcmp (name, "mergeCell") == 0)
    {
      const char *ref = attribute (names, values, "ref");
      g_auto(GStrv) ends = NULL;
      guint c1, r1, c2, r2;
      Merge *m;

      if (ref == NULL)
        return;
      ends = g_strsplit (ref, ":", 2);
      if (!parse_cell_ref (ends[0], &c1, &r1))
        {
          set_damaged (error, sh->display);
          return;
        }
      if (ends[1] == NULL)
        r2 = r1;
      else if (!parse_cell_ref (ends[1], &c2, &r2))
        {
          set_damaged (error, sh->display);
          return;
        }
      if (sh->merges->len >= MAX_MERGES)
        {
          set_damaged (error, sh->display);
          return;
        }
      m = g_new0 (Merge, 1);
      m->first_row = MIN (r1, r2);
      m->last_row = MAX (r1, r2);
      m->ref = g_ascii_strup (ref, -1);
      g_ptr_array_add (sh->merges, m);
      /* After the cells (where Excel writes them) a merge is checked at once and not kept. */
      if (sh->sheet_data_done)
        {
          check_merges (sh, error);
          g_ptr_array_set_size (sh->merges, 0);
        }
    }
}

/* A serial day number as "YYYY-MM-DD"; NULL outside Excel's dates. */
static char *
serial_to_date (double   serial,
                gboolean date1904)
{
  GDate date;
  guint days;

  if (!(serial >= 0 && serial < MAX_DATE_SERIAL))
    return NULL;
  days = (guint) floor (serial);
  g_date_clear (&date, 1);
  if (date1904)
    g_date_set_dmy (&date, 1, G_DATE_JANUARY, 1904);
  else if (days == 60)
    return g_strdup ("1900-02-29"); /* Lotus's leap day, which Excel keeps */
  else if (days < 60)
    g_date_set_dmy (&date, 31, G_DATE_DECEMBER, 1899);
  else
    g_date_set_dmy (&date, 30, G_DATE_DECEMBER, 1899);
  g_date_add_days (&date, days);
  return g_strdup_printf ("%04u-%02u-%02u", g_date_get_year (&date), g_date_get_month (&date),
                          g_date_get_day (&date));
}

/* A number as a person reads it: whole numbers as their digits, without ".0" or an
 * exponent (1012345678, not 1.012345678E9), others to 15 significant digits, as Excel
 * shows them (0.1 + 0.2 is 0.3). */
static char *
format_number (double value)
{
  char buffer[G_ASCII_DTOSTR_BUF_SIZE];

  g_ascii_formatd (buffer, sizeof buffer, "%.15g", value);
  if (strchr (buffer, 'e') != NULL && fabs (value) >= 1)
    return g_strdup_printf ("%.0f", value);
  if (strcmp (buffer, "-0") == 0)
    return g_strdup ("0");
  return g_strdup (buffer);
}

static gboolean
sheet_store (Sheet       *sh,
             const char  *text,
             gboolean     shared,
             GError     **error)
{
  gsize len = strlen (text);

  if (len == 0)
    return TRUE;
  if (sh->column >= PM_XLSX_MAX_COLUMNS)
    {
      g_autofree char *cell = current_cell_name (sh);
      g_autofree char *last = pm_xlsx_column_letter (PM_XLSX_MAX_COLUMNS - 1);
      g_autofree char *message =
        /* Translators: a file name, a sheet name, a cell ("EA2"), a column letter ("DX"),
         * the number of columns */
        g_strdup_printf (_("“%s”, sheet “%s”, cell %s: there are values beyond column %s; a "
                           "bulk send reads at most %u columns. Delete or move the columns "
                           "that are not needed."),
                         sh->display, sh->sheet->name, cell, last, PM_XLSX_MAX_COLUMNS);

      set_error (error, message);
      return FALSE;
    }
  sh->text_bytes += len;
  if (sh->text_bytes > PM_XLSX_MAX_TEXT_BYTES)
    {
      g_autofree char *limit = g_format_size (PM_XLSX_MAX_TEXT_BYTES);
      g_autofree char *message =
        /* Translators: a file name, a sheet name, a size ("67.1 MB") */
        g_strdup_printf (_("“%s”, sheet “%s”: the cells hold more than %s of text, the most a "
                           "bulk send reads. Split the bills into smaller files."),
                         sh->display, sh->sheet->name, limit);

      set_error (error, message);
      return FALSE;
    }
  if (sh->row_cells->len <= sh->column)
    g_ptr_array_set_size (sh->row_cells, (int) sh->column + 1);
  g_ptr_array_index (sh->row_cells, sh->column) =
    shared ? (gpointer) text : g_string_chunk_insert_len (sh->sheet->chunk, text, (gssize) len);
  sh->row_has_value = TRUE;
  return TRUE;
}

static void
sheet_end_cell (Sheet   *sh,
                GError **error)
{
  const char *type = sh->type;
  g_autofree char *value = g_strstrip (g_strdup (sh->value->str));

  if (sh->has_formula && !sh->has_value)
    {
      g_autofree char *cell = current_cell_name (sh);
      g_autofree char *message =
        /* Translators: a file name, a sheet name, a cell ("B7") */
        g_strdup_printf (_("“%s”, sheet “%s”, cell %s: the formula has no saved result, so its "
                           "value is not known. Open the file in Excel so it calculates, then "
                           "save it again (or paste the values instead of the formulas)."),
                         sh->display, sh->sheet->name, cell);

      set_error (error, message);
      return;
    }

  if (strcmp (type, "s") == 0)
    {
      char *end = NULL;
      guint64 index;

      if (!sh->has_value)
        return;
      index = g_ascii_strtoull (value, &end, 10);
      if (end == value || *end != '\0' || index >= sh->sheet->strings->len)
        {
          fail_cell (sh, error);
          return;
        }
      sheet_store (sh, g_ptr_array_index (sh->sheet->strings, index), TRUE, error);
    }
  else if (strcmp (type, "inlineStr") == 0)
    {
      decode_escapes (sh->inline_text);
      if (g_utf8_strlen (sh->inline_text->str, -1) > PM_XLSX_MAX_CELL_CHARS)
        {
          fail_cell (sh, error);
          return;
        }
      sheet_store (sh, sh->has_inline ? sh->inline_text->str : sh->value->str, FALSE, error);
    }
  else if (strcmp (type, "str") == 0)
    {
      decode_escapes (sh->value);
      if (g_utf8_strlen (sh->value->str, -1) > PM_XLSX_MAX_CELL_CHARS)
        {
          fail_cell (sh, error);
          return;
        }
      sheet_store (sh, sh->value->str, FALSE, error);
    }
  else if (strcmp (type, "b") == 0)
    {
      if (value[0] != '\0')
        sheet_store (sh, strcmp (value, "0") == 0 ? "FALSE" : "TRUE", FALSE, error);
    }
  else if (strcmp (type, "e") == 0)
    {
      g_autofree char *cell = current_cell_name (sh);
      g_autofree char *message =
        /* Translators: a file name, a sheet name, a cell ("B7"), an Excel error ("#DIV/0!") */
        g_strdup_printf (_("“%s”, sheet “%s”, cell %s holds the error %s. Correct the formula "
                           "or type the value, then save the file again."),
                         sh->display, sh->sheet->name, cell, value);

      set_error (error, message);
    }
  else if (strcmp (type, "d") == 0)
    {
      /* An ISO 8601 date ("2026-12-31T00:00:00"): the date is what counts. */
      char *t = strchr (value, 'T');

      if (t != NULL)
        *t = '\0';
      sheet_store (sh, value, FALSE, error);
    }
  else if (strcmp (type, "n") == 0)
    {
      char *end = NULL;
      double number;
      g_autofree char *text = NULL;

      if (value[0] == '\0')
        return;
      number = g_ascii_strtod (value, &end);
      if (end == value || *end != '\0' || !isfinite (number))
        {
          fail_cell (sh, error);
          return;
        }
      if (sh->style < sh->date_xfs->len && g_array_index (sh->date_xfs, gboolean, sh->style))
        text = serial_to_date (number, sh->sheet->date1904);
      if (text == NULL)
        text = format_number (number);
      sheet_store (sh, text, FALSE, error);
    }
  else
    fail_cell (sh, error);
}

static void
sheet_end_row (Sheet   *sh,
               GError **error)
{
  PmXlsxRow *row;

  if (!sh->row_has_value)
    return;
  if (sh->max_rows > 0 && sh->sheet->rows->len > sh->max_rows)
    {
      g_autofree char *message =
        g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                      "The file has more than %u row; a bulk send can read "
                                      "at most that many. Split it into smaller files.",
                                      "The file has more than %u rows; a bulk send can read "
                                      "at most that many. Split it into smaller files.",
                                      sh->max_rows), sh->max_rows);
      set_error (error, message);
      return;
    }
  row = g_new0 (PmXlsxRow, 1);
  row->number = sh->row_number;
  row->n_cells = sh->row_cells->len;
  row->cells = g_new0 (const char *, row->n_cells + 1);
  for (guint i = 0; i < row->n_cells; i++)
    row->cells[i] = g_ptr_array_index (sh->row_cells, i);
  g_ptr_array_add (sh->sheet->rows, row);
}

static void
sheet_end_cb (GMarkupParseContext  *context,
              const char           *element,
              gpointer              user_data,
              GError              **error)
{
  Sheet *sh = user_data;
  const char *name = local_name (element);

  if (strcmp (name, "sheetData") == 0 && sh->in_sheet_data > 0)
    {
      sh->in_sheet_data--;
      sh->sheet_data_done = TRUE;
    }
  else if (strcmp (name, "row") == 0 && sh->in_sheet_data > 0)
    sheet_end_row (sh, error);
  else if (strcmp (name, "c") == 0 && sh->in_cell)
    {
      sh->in_cell = FALSE;
      sheet_end_cell (sh, error);
    }
  else if (strcmp (name, "v") == 0 && sh->in_v > 0)
    sh->in_v--;
  else if (strcmp (name, "is") == 0 && sh->in_is > 0)
    sh->in_is--;
  else if (strcmp (name, "t") == 0 && sh->in_t > 0)
    sh->in_t--;
  else if (strcmp (name, "rPh") == 0 && sh->in_rph > 0)
    sh->in_rph--;
}

static void
sheet_text_cb (GMarkupParseContext  *context,
               const char           *text,
               gsize                 len,
               gpointer              user_data,
               GError              **error)
{
  Sheet *sh = user_data;

  if (!sh->in_cell)
    return;
  if (sh->in_v > 0)
    g_string_append_len (sh->value, text, (gssize) len);
  else if (sh->in_is > 0 && sh->in_t > 0 && sh->in_rph == 0)
    g_string_append_len (sh->inline_text, text, (gssize) len);
  /* a cell larger than any cell Excel can hold: stop early */
  if (sh->value->len > 8 * PM_XLSX_MAX_CELL_CHARS || sh->inline_text->len > 8 * PM_XLSX_MAX_CELL_CHARS)
    fail_cell (sh, error);
}

/* Merged cells on the rows that hold the data (from the first row with a value, the
 * header, to the last) make a value belong to several rows or columns: refused. */
static gboolean
check_merges (Sheet   *sh,
              GError **error)
{
  GPtrArray *rows = sh->sheet->rows;
  guint first, last;

  if (rows->len == 0)
    return TRUE;
  first = ((PmXlsxRow *) g_ptr_array_index (rows, 0))->number;
  last = ((PmXlsxRow *) g_ptr_array_index (rows, rows->len - 1))->number;
  for (guint i = 0; i < sh->merges->len; i++)
    {
      Merge *m = g_ptr_array_index (sh->merges, i);

      if (m->last_row >= first && m->first_row <= last)
        {
          g_autofree char *message =
            /* Translators: a file name, a sheet name, a range of cells ("A3:B3") */
            g_strdup_printf (_("“%s”, sheet “%s”: the cells %s are merged. A bulk send needs "
                               "one value per cell: unmerge them (Home › Merge & Center), put "
                               "the value in every row that needs it, and save the file "
                               "again."), sh->display, sh->sheet->name, m->ref);

          set_error (error, message);
          return FALSE;
        }
    }
  return TRUE;
}

/* Reading */

static gboolean
contains_utf16 (const guint8 *data,
                gsize         len,
                const char   *ascii)
{
  gsize n = strlen (ascii) * 2;
  g_autofree guint8 *needle = g_malloc (n);

  for (gsize i = 0; ascii[i] != '\0'; i++)
    {
      needle[2 * i] = (guint8) ascii[i];
      needle[2 * i + 1] = 0;
    }
  for (gsize i = 0; i + n <= len; i++)
    if (data[i] == needle[0] && memcmp (data + i, needle, n) == 0)
      return TRUE;
  return FALSE;
}

static gboolean
is_ole (const guint8 *data,
        gsize         len)
{
  return len >= 8 && memcmp (data, "\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", 8) == 0;
}

static gboolean
is_zip (const guint8 *data,
        gsize         len)
{
  return len >= 4 && (memcmp (data, "PK\x03\x04", 4) == 0 || memcmp (data, "PK\x05\x06", 4) == 0);
}

gboolean
pm_xlsx_is_workbook (const guint8 *data,
                     gsize         len)
{
  return data != NULL && (is_zip (data, len) || is_ole (data, len));
}

static struct archive *
open_zip (const guint8  *data,
          gsize          len,
          const char    *display,
          GError       **error)
{
  struct archive *a = archive_read_new ();

  archive_read_support_format_zip (a);
  if (archive_read_open_memory (a, data, len) != ARCHIVE_OK)
    {
      g_debug ("%s: %s", display, archive_error_string (a));
      archive_read_free (a);
      set_damaged (error, display);
      return NULL;
    }
  return a;
}

static void
set_password (GError     **error,
              const char  *display)
{
  g_autofree char *message =
    /* Translators: a file name */
    g_strdup_printf (_("“%s” is protected with a password, so it cannot be read. Open it in "
                       "Excel, save it without a password (File › Info › Protect Workbook › "
                       "Encrypt with Password, then clear the password), and choose it "
                       "again."), display);

  set_error (error, message);
}

/* Walks the zip's entries; for each one @want returns a parse context for, parses it.
 * Sets *@names (when not NULL) to the set of every entry's name, lowercased. */
typedef GMarkupParseContext *(*WantFunc) (const char *lower_name,
                                          gpointer    user_data);

static gboolean
walk_zip (const guint8  *data,
          gsize          len,
          const char    *display,
          WantFunc       want,
          gpointer       user_data,
          GHashTable    *names,
          GError       **error)
{
  struct archive *a = open_zip (data, len, display, error);
  struct archive_entry *entry;
  guint n = 0;
  int r;

  if (a == NULL)
    return FALSE;
  while ((r = archive_read_next_header (a, &entry)) == ARCHIVE_OK || r == ARCHIVE_WARN)
    {
      const char *path = archive_entry_pathname_utf8 (entry);
      g_autofree char *lower = NULL;
      GMarkupParseContext *context;

      if (path == NULL)
        path = archive_entry_pathname (entry);
      if (++n > MAX_ENTRIES || path == NULL)
        {
          archive_read_free (a);
          set_damaged (error, display);
          return FALSE;
        }
      lower = g_ascii_strdown (path, -1);
      if (names != NULL)
        g_hash_table_add (names, g_strdup (lower));
      context = want (lower, user_data);
      if (context == NULL)
        continue;
      if (archive_entry_is_encrypted (entry))
        {
          g_markup_parse_context_free (context);
          archive_read_free (a);
          set_password (error, display);
          return FALSE;
        }
      if (!parse_entry (a, display, path, context, error))
        {
          g_markup_parse_context_free (context);
          archive_read_free (a);
          return FALSE;
        }
      g_markup_parse_context_free (context);
    }
  if (r != ARCHIVE_EOF)
    {
      g_debug ("%s: %s", display, archive_error_string (a));
      archive_read_free (a);
      set_damaged (error, display);
      return FALSE;
    }
  archive_read_free (a);
  return TRUE;
}

typedef struct
{
  const char *display;
  Workbook    workbook;
  Rels        rels;
  Styles      styles;
  Shared      shared;
  Sheet       sheet;
  const char *sheet_part;  /* lowercased */
} Reader;

static const GMarkupParser workbook_parser = { workbook_start_cb, NULL, NULL, NULL, NULL };
static const GMarkupParser rels_parser = { rels_start_cb, NULL, NULL, NULL, NULL };
static const GMarkupParser styles_parser = { styles_start_cb, styles_end_cb, NULL, NULL, NULL };
static const GMarkupParser shared_parser = { shared_start_cb, shared_end_cb, shared_text_cb,
                                             NULL, NULL };
static const GMarkupParser sheet_parser = { sheet_start_cb, sheet_end_cb, sheet_text_cb,
                                            NULL, NULL };

static GMarkupParseContext *
want_metadata (const char *name,
               gpointer    user_data)
{
  Reader *rd = user_data;

  if (strcmp (name, "xl/workbook.xml") == 0)
    return g_markup_parse_context_new (&workbook_parser, 0, &rd->workbook, NULL);
  if (strcmp (name, "xl/_rels/workbook.xml.rels") == 0)
    return g_markup_parse_context_new (&rels_parser, 0, &rd->rels, NULL);
  if (strcmp (name, "xl/styles.xml") == 0)
    return g_markup_parse_context_new (&styles_parser, 0, &rd->styles, NULL);
  if (strcmp (name, "xl/sharedstrings.xml") == 0)
    return g_markup_parse_context_new (&shared_parser, G_MARKUP_TREAT_CDATA_AS_TEXT, &rd->shared,
                                       NULL);
  return NULL;
}

static GMarkupParseContext *
want_sheet (const char *name,
            gpointer    user_data)
{
  Reader *rd = user_data;

  if (strcmp (name, rd->sheet_part) == 0)
    return g_markup_parse_context_new (&sheet_parser, G_MARKUP_TREAT_CDATA_AS_TEXT, &rd->sheet,
                                       NULL);
  return NULL;
}

/* The part a relationship's target names, relative to xl/ ("worksheets/sheet1.xml",
 * "/xl/worksheets/sheet1.xml", "../xl/…"), lowercased. */
static char *
resolve_target (const char *target)
{
  g_autofree char *joined = target[0] == '/' ? g_strdup (target + 1)
                                             : g_strconcat ("xl/", target, NULL);
  g_auto(GStrv) parts = g_strsplit (joined, "/", -1);
  g_autoptr(GPtrArray) out = g_ptr_array_new ();
  g_autofree char *path = NULL;

  for (guint i = 0; parts[i] != NULL; i++)
    {
      if (parts[i][0] == '\0' || strcmp (parts[i], ".") == 0)
        continue;
      if (strcmp (parts[i], "..") == 0)
        {
          if (out->len > 0)
            g_ptr_array_set_size (out, (int) out->len - 1);
          continue;
        }
      g_ptr_array_add (out, parts[i]);
    }
  g_ptr_array_add (out, NULL);
  path = g_strjoinv ("/", (char **) out->pdata);
  return g_ascii_strdown (path, -1);
}

PmXlsxSheet *
pm_xlsx_read (GBytes      *bytes,
              const char  *display_name,
              guint        max_rows,
              GError     **error)
{
  g_autoptr(PmXlsxSheet) sheet = NULL;
  g_autoptr(GHashTable) names = NULL;
  g_autofree char *sheet_part = NULL;
  const guint8 *data;
  const char *display;
  Reader rd = { 0 };
  gboolean ok = FALSE;
  gsize len;

  g_return_val_if_fail (bytes != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  display = display_name != NULL ? display_name : "";
  data = g_bytes_get_data (bytes, &len);
  if (data == NULL)
    data = (const guint8 *) "";

  if (is_ole (data, len))
    {
      /* An encrypted .xlsx is an OLE compound file holding the streams EncryptionInfo and
       * EncryptedPackage; an .xls holds a Workbook stream instead. */
      if (contains_utf16 (data, len, "EncryptionInfo")
          || contains_utf16 (data, len, "EncryptedPackage"))
        set_password (error, display);
      else
        {
          g_autofree char *message =
            /* Translators: a file name */
            g_strdup_printf (_("“%s” is an old Excel workbook (.xls), which cannot be read. "
                               "In Excel, use File › Save As and choose “Excel Workbook "
                               "(.xlsx)” or “CSV UTF-8”."), display);

          set_error (error, message);
        }
      return NULL;
    }
  if (!is_zip (data, len))
    {
      set_damaged (error, display);
      return NULL;
    }

  sheet = g_new0 (PmXlsxSheet, 1);
  sheet->rows = g_ptr_array_new_with_free_func (row_free);
  sheet->strings = g_ptr_array_new ();
  sheet->chunk = g_string_chunk_new (65536);

  rd.display = display;
  rd.workbook.names = g_ptr_array_new_with_free_func (g_free);
  rd.workbook.ids = g_ptr_array_new_with_free_func (g_free);
  rd.rels.targets = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  rd.styles.custom = g_hash_table_new_full (NULL, NULL, NULL, g_free);
  rd.styles.xf_fmts = g_array_new (FALSE, FALSE, sizeof (guint));
  rd.shared.display = display;
  rd.shared.strings = sheet->strings;
  rd.shared.chunk = sheet->chunk;
  rd.shared.current = g_string_new (NULL);
  rd.sheet.display = display;
  rd.sheet.sheet = sheet;
  rd.sheet.date_xfs = g_array_new (FALSE, TRUE, sizeof (gboolean));
  rd.sheet.max_rows = max_rows;
  rd.sheet.row_cells = g_ptr_array_new ();
  rd.sheet.value = g_string_new (NULL);
  rd.sheet.inline_text = g_string_new (NULL);
  rd.sheet.merges = g_ptr_array_new_with_free_func (merge_free);

  names = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  /* First pass: the workbook, its relationships, the styles and the shared strings. */
  if (!walk_zip (data, len, display, want_metadata, &rd, names, error))
    goto out;

  if (!g_hash_table_contains (names, "xl/workbook.xml"))
    {
      g_autofree char *message =
        /* Translators: a file name */
        g_strdup_printf (_("“%s” is a zip file but not an Excel workbook (it has no "
                           "xl/workbook.xml). Choose an .xlsx file saved by Excel, or a CSV "
                           "file."), display);

      set_error (error, message);
      goto out;
    }

  /* The first sheet (in tab order) that is a worksheet. */
  for (guint i = 0; i < rd.workbook.ids->len && sheet_part == NULL; i++)
    {
      const char *target = g_hash_table_lookup (rd.rels.targets,
                                                g_ptr_array_index (rd.workbook.ids, i));

      if (target == NULL)
        continue;
      sheet_part = resolve_target (target);
      sheet->name = g_strdup (g_ptr_array_index (rd.workbook.names, i));
    }
  if (sheet_part == NULL || !g_hash_table_contains (names, sheet_part))
    {
      g_autofree char *message =
        /* Translators: a file name */
        g_strdup_printf (_("“%s” has no worksheet to read. Put the bills on the first sheet "
                           "of the workbook and save it again."), display);

      set_error (error, message);
      goto out;
    }
  sheet->date1904 = rd.workbook.date1904;

  for (guint i = 0; i < rd.styles.xf_fmts->len; i++)
    {
      guint fmt = g_array_index (rd.styles.xf_fmts, guint, i);
      const char *code = g_hash_table_lookup (rd.styles.custom, GUINT_TO_POINTER (fmt));
      gboolean date = code != NULL ? custom_is_date (code) : builtin_is_date (fmt);

      g_array_append_val (rd.sheet.date_xfs, date);
    }

  /* Second pass: the sheet. */
  rd.sheet_part = sheet_part;
  if (!walk_zip (data, len, display, want_sheet, &rd, NULL, error)
      || !check_merges (&rd.sheet, error))
    goto out;
  ok = TRUE;

out:
  g_ptr_array_unref (rd.workbook.names);
  g_ptr_array_unref (rd.workbook.ids);
  g_hash_table_unref (rd.rels.targets);
  g_hash_table_unref (rd.styles.custom);
  g_array_unref (rd.styles.xf_fmts);
  g_string_free (rd.shared.current, TRUE);
  g_array_unref (rd.sheet.date_xfs);
  g_ptr_array_unref (rd.sheet.row_cells);
  g_string_free (rd.sheet.value, TRUE);
  g_string_free (rd.sheet.inline_text, TRUE);
  g_ptr_array_unref (rd.sheet.merges);
  return ok ? g_steal_pointer (&sheet) : NULL;
}
