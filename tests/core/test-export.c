/* test-export.c — exporting what the list shows to XLSX and CSV
 *
 * Copyright 2026 The Paymint Desk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The XLSX files are read back without libxlsxwriter: the zip with libarchive, the sheet,
 * the shared strings and the styles with GMarkup, so a cell is checked for what Excel
 * would read (its type, value, formula and number format).
 */

#include "config.h"

#include "pm-export.h"
#include "pm-service-export.h"

#include "pm-bill.h"
#include "pm-error.h"
#include "pm-test-util.h"

#include <archive.h>
#include <archive_entry.h>
#include <locale.h>
#include <signal.h>
#include <string.h>
#include <sys/resource.h>
#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>

#define TODAY "2026-11-10"

/* ------------------------------------------------------------------------ */
/* Reading an .xlsx                                                         */
/* ------------------------------------------------------------------------ */

typedef struct
{
  char *type;     /* t: NULL (number), "s", "inlineStr", "str", "b" */
  int   style;    /* s */
  char *value;    /* <v>, or the text of an inline string */
  char *formula;  /* <f> */
} Cell;

typedef struct
{
  GHashTable *cells;        /* "B2" → Cell */
  GPtrArray  *strings;      /* shared strings */
  GHashTable *num_formats;  /* numFmtId → formatCode */
  GArray     *xf_num_fmt;   /* cellXfs index → numFmtId */
  GArray     *xf_font;      /* cellXfs index → fontId */
  GArray     *font_bold;    /* fontId → gboolean */
  char       *pane;         /* "ySplit=… state=…" of the frozen pane */
  char       *autofilter;   /* its ref */
  char       *dimension;
  GPtrArray  *entries;      /* names in the zip */

  /* parsing */
  char       *cell_ref;
  Cell       *cell;
  GString    *text;
  gboolean    in_text;
  gboolean    in_cell_xfs;
  gboolean    in_fonts;
  gboolean    in_si;
} Xlsx;

static void
cell_free (gpointer data)
{
  Cell *cell = data;

  g_free (cell->type);
  g_free (cell->value);
  g_free (cell->formula);
  g_free (cell);
}

static void
xlsx_free (Xlsx *x)
{
  g_hash_table_unref (x->cells);
  g_ptr_array_unref (x->strings);
  g_hash_table_unref (x->num_formats);
  g_array_unref (x->xf_num_fmt);
  g_array_unref (x->xf_font);
  g_array_unref (x->font_bold);
  g_ptr_array_unref (x->entries);
  g_free (x->pane);
  g_free (x->autofilter);
  g_free (x->dimension);
  g_free (x->cell_ref);
  if (x->text != NULL)
    g_string_free (x->text, TRUE);
  g_free (x);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Xlsx, xlsx_free)

static const char *
attr (const char  *name,
      const char **names,
      const char **values)
{
  for (guint i = 0; names[i] != NULL; i++)
    if (g_str_equal (names[i], name))
      return values[i];
  return NULL;
}

static void
start_cb (GMarkupParseContext  *context,
          const char           *element,
          const char          **names,
          const char          **values,
          gpointer              user_data,
          GError              **error)
{
  Xlsx *x = user_data;

  if (g_str_equal (element, "c"))
    {
      const char *style = attr ("s", names, values);

      x->cell = g_new0 (Cell, 1);
      x->cell->type = g_strdup (attr ("t", names, values));
      x->cell->style = style != NULL ? atoi (style) : 0;
      g_free (x->cell_ref);
      x->cell_ref = g_strdup (attr ("r", names, values));
    }
  else if (g_str_equal (element, "v") || g_str_equal (element, "f") || g_str_equal (element, "t"))
    {
      x->in_text = TRUE;
      g_string_truncate (x->text, 0);
    }
  else if (g_str_equal (element, "si"))
    {
      x->in_si = TRUE;
      g_string_truncate (x->text, 0);
    }
  else if (g_str_equal (element, "pane"))
    x->pane = g_strdup_printf ("ySplit=%s state=%s", attr ("ySplit", names, values),
                               attr ("state", names, values));
  else if (g_str_equal (element, "autoFilter"))
    x->autofilter = g_strdup (attr ("ref", names, values));
  else if (g_str_equal (element, "dimension"))
    x->dimension = g_strdup (attr ("ref", names, values));
  else if (g_str_equal (element, "numFmt"))
    g_hash_table_insert (x->num_formats, g_strdup (attr ("numFmtId", names, values)),
                         g_strdup (attr ("formatCode", names, values)));
  else if (g_str_equal (element, "cellXfs"))
    x->in_cell_xfs = TRUE;
  else if (g_str_equal (element, "fonts"))
    x->in_fonts = TRUE;
  else if (g_str_equal (element, "xf") && x->in_cell_xfs)
    {
      int num_fmt = atoi (attr ("numFmtId", names, values));
      int font = atoi (attr ("fontId", names, values));

      g_array_append_val (x->xf_num_fmt, num_fmt);
      g_array_append_val (x->xf_font, font);
    }
  else if (g_str_equal (element, "font") && x->in_fonts)
    {
      gboolean bold = FALSE;

      g_array_append_val (x->font_bold, bold);
    }
  else if (g_str_equal (element, "b") && x->in_fonts)
    g_array_index (x->font_bold, gboolean, x->font_bold->len - 1) = TRUE;
}

static void
end_cb (GMarkupParseContext  *context,
        const char           *element,
        gpointer              user_data,
        GError              **error)
{
  Xlsx *x = user_data;

  if (g_str_equal (element, "c") && x->cell != NULL)
    {
      g_hash_table_insert (x->cells, g_steal_pointer (&x->cell_ref), x->cell);
      x->cell = NULL;
    }
  else if (g_str_equal (element, "v") || g_str_equal (element, "t"))
    {
      x->in_text = FALSE;
      if (x->cell != NULL)
        {
          g_free (x->cell->value);
          x->cell->value = g_strdup (x->text->str);
        }
    }
  else if (g_str_equal (element, "f"))
    {
      x->in_text = FALSE;
      if (x->cell != NULL)
        x->cell->formula = g_strdup (x->text->str);
    }
  else if (g_str_equal (element, "si"))
    {
      x->in_si = FALSE;
      g_ptr_array_add (x->strings, g_strdup (x->text->str));
    }
  else if (g_str_equal (element, "cellXfs"))
    x->in_cell_xfs = FALSE;
  else if (g_str_equal (element, "fonts"))
    x->in_fonts = FALSE;
}

static void
text_cb (GMarkupParseContext  *context,
         const char           *text,
         gsize                 length,
         gpointer              user_data,
         GError              **error)
{
  Xlsx *x = user_data;

  if (x->in_text)
    g_string_append_len (x->text, text, length);
}

static void
parse_part (Xlsx       *x,
            const char *name,
            const char *data,
            gsize       length)
{
  static const GMarkupParser parser = { start_cb, end_cb, text_cb, NULL, NULL };
  g_autoptr(GMarkupParseContext) context = NULL;
  g_autoptr(GError) error = NULL;

  context = g_markup_parse_context_new (&parser, 0, x, NULL);
  g_markup_parse_context_parse (context, data, length, &error);
  g_assert_no_error (error);
  g_markup_parse_context_end_parse (context, &error);
  g_assert_no_error (error);
}

static Xlsx *
xlsx_read (const char *path)
{
  const char *parts[] = { "xl/sharedStrings.xml", "xl/styles.xml", "xl/worksheets/sheet1.xml" };
  g_autoptr(GHashTable) contents = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                                          (GDestroyNotify) g_bytes_unref);
  struct archive *archive = archive_read_new ();
  struct archive_entry *entry;
  Xlsx *x = g_new0 (Xlsx, 1);

  x->cells = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, cell_free);
  x->strings = g_ptr_array_new_with_free_func (g_free);
  x->num_formats = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  x->xf_num_fmt = g_array_new (FALSE, FALSE, sizeof (int));
  x->xf_font = g_array_new (FALSE, FALSE, sizeof (int));
  x->font_bold = g_array_new (FALSE, FALSE, sizeof (gboolean));
  x->entries = g_ptr_array_new_with_free_func (g_free);
  x->text = g_string_new (NULL);

  archive_read_support_format_zip (archive);
  g_assert_cmpint (archive_read_open_filename (archive, path, 16384), ==, ARCHIVE_OK);
  while (archive_read_next_header (archive, &entry) == ARCHIVE_OK)
    {
      g_autoptr(GByteArray) data = g_byte_array_new ();
      char buffer[16384];
      la_ssize_t n;

      g_ptr_array_add (x->entries, g_strdup (archive_entry_pathname (entry)));
      while ((n = archive_read_data (archive, buffer, sizeof buffer)) > 0)
        g_byte_array_append (data, (guint8 *) buffer, n);
      g_assert_cmpint (n, ==, 0);
      g_hash_table_insert (contents, g_strdup (archive_entry_pathname (entry)),
                           g_byte_array_free_to_bytes (g_steal_pointer (&data)));
    }
  archive_read_free (archive);

  for (guint i = 0; i < G_N_ELEMENTS (parts); i++)
    {
      GBytes *bytes = g_hash_table_lookup (contents, parts[i]);
      gsize length;
      const char *data;

      if (bytes == NULL)
        {
          /* the sheet and the styles must be there; the shared strings may not */
          g_assert_cmpstr (parts[i], ==, "xl/sharedStrings.xml");
          continue;
        }
      data = g_bytes_get_data (bytes, &length);
      parse_part (x, parts[i], data, length);
    }
  return x;
}

static Cell *
cell (Xlsx       *x,
      const char *ref)
{
  return g_hash_table_lookup (x->cells, ref);
}

/* The text of a string cell (shared or inline); fails for a number or a formula. */
static const char *
cell_text (Xlsx       *x,
           const char *ref)
{
  Cell *c = cell (x, ref);

  if (c == NULL)
    g_error ("no cell %s", ref);
  g_assert_null (c->formula);
  if (g_strcmp0 (c->type, "s") == 0)
    return g_ptr_array_index (x->strings, atoi (c->value));
  g_assert_cmpstr (c->type, ==, "inlineStr");
  return c->value;
}

static double
cell_number (Xlsx       *x,
             const char *ref)
{
  Cell *c = cell (x, ref);

  if (c == NULL)
    g_error ("no cell %s", ref);
  g_assert_null (c->type);
  g_assert_nonnull (c->value);
  return g_ascii_strtod (c->value, NULL);
}

static const char *
cell_format (Xlsx       *x,
             const char *ref)
{
  Cell *c = cell (x, ref);
  int id;
  g_autofree char *key = NULL;

  g_assert_nonnull (c);
  id = g_array_index (x->xf_num_fmt, int, c->style);
  if (id == 49)
    return "@"; /* built-in: text */
  if (id == 0)
    return "General";
  key = g_strdup_printf ("%d", id);
  return g_hash_table_lookup (x->num_formats, key);
}

static gboolean
cell_bold (Xlsx       *x,
           const char *ref)
{
  Cell *c = cell (x, ref);

  g_assert_nonnull (c);
  return g_array_index (x->font_bold, gboolean, g_array_index (x->xf_font, int, c->style));
}

/* Excel's serial number of a day and time (the 1900 system: day 1 is 1900-01-01, and
 * 1900-02-29, which never was, counts). */
static double
excel_serial (int year,
              int month,
              int day,
              int hour,
              int minute,
              int second)
{
  g_autoptr(GDate) epoch = g_date_new_dmy (30, G_DATE_DECEMBER, 1899);
  g_autoptr(GDate) date = g_date_new_dmy (day, month, year);

  return g_date_days_between (epoch, date) + (hour * 3600 + minute * 60 + second) / 86400.0;
}

/* ------------------------------------------------------------------------ */
/* The ledger                                                               */
/* ------------------------------------------------------------------------ */

typedef struct
{
  char      *dir;
  char      *ledger_path;
  PmService *service;
  PmProfile *profile;
} Fixture;

static gint64
utc (int year,
     int month,
     int day,
     int hour,
     int minute,
     int second)
{
  g_autoptr(GDateTime) t = g_date_time_new_utc (year, month, day, hour, minute, second);

  return g_date_time_to_unix (t);
}

static PmBill *
add_bill (Fixture     *f,
          const char  *bill_id,
          const char  *profile_id,
          const char  *name,
          const char  *phone,
          const char  *product,
          gint64       price,
          const char  *expire,
          gint64       created_at,
          PmBillState  state)
{
  g_autoptr(GError) error = NULL;
  PmBill *bill = pm_bill_new ();

  pm_bill_set_bill_id (bill, bill_id);
  pm_bill_set_profile_id (bill, profile_id);
  pm_bill_set_payer_name (bill, name);
  pm_bill_set_phone (bill, phone);
  pm_bill_set_product (bill, product);
  pm_bill_set_message (bill, "안내 메시지");
  pm_bill_set_price (bill, price);
  pm_bill_set_expire_date (bill, expire);
  pm_bill_set_created_at (bill, created_at);
  pm_bill_set_updated_at (bill, created_at + 60);
  pm_bill_set_state (bill, state);
  return bill;
}

static void
insert (Fixture *f,
        PmBill  *bill)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (pm_ledger_insert_bill (pm_service_get_ledger (f->service), bill, &error));
  g_assert_no_error (error);
}

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PmBill) paid = NULL;
  g_autoptr(PmBill) refunded = NULL;
  g_autoptr(PmBill) unpaid = NULL;
  g_autoptr(PmBill) expired = NULL;
  g_autoptr(PmBill) voided = NULL;
  g_autoptr(PmBill) elsewhere = NULL;

  f->dir = g_dir_make_tmp ("export-XXXXXX", &error);
  g_assert_no_error (error);
  f->ledger_path = g_build_filename (f->dir, "ledger.db", NULL);
  f->service = pm_service_new (f->ledger_path, &error);
  g_assert_no_error (error);
  f->profile = pm_profile_new ();
  pm_profile_set_uuid (f->profile, "P1");
  pm_profile_set_name (f->profile, "Test");
  pm_service_set_profile (f->service, f->profile);

  /* paid: 14:00 in Korea */
  paid = add_bill (f, "PAIDBILL01", "P1", "김민수", "01011112222", "필라테스 10회", 150000,
                   "2026-11-30", utc (2026, 11, 5, 5, 0, 0), PM_BILL_STATE_PAID);
  pm_bill_set_appr_price (paid, 150000);
  pm_bill_set_appr_dt (paid, "20261105143012");
  pm_bill_set_appr_num (paid, "30012345");
  pm_bill_set_appr_issuer (paid, "신한카드");
  pm_bill_set_appr_card_type (paid, "신용");
  pm_bill_set_appr_monthly (paid, "00");
  insert (f, paid);
  /* refunded: sent 00:30 on the 5th in Korea, still the 4th in UTC */
  refunded = add_bill (f, "REFUNDED02", "P1", "이서연", "01055556666", "3월 수강료", 80000,
                       "2026-11-30", utc (2026, 11, 4, 15, 30, 0), PM_BILL_STATE_CANCELLED);
  pm_bill_set_appr_price (refunded, 80000);
  pm_bill_set_appr_dt (refunded, "20261105010000");
  insert (f, refunded);
  /* a name and a reason that look like formulas stay text */
  unpaid = add_bill (f, "UNPAIDBL03", "P1", "박지훈", "01098765432", "=1+2", 50000,
                     "2026-11-30", utc (2026, 11, 6, 1, 0, 0), PM_BILL_STATE_UNPAID);
  insert (f, unpaid);
  expired = add_bill (f, "EXPIREDB04", "P1", "최유나", "01033334444", "PT 20회", 1200000,
                      "2026-11-01", utc (2026, 10, 20, 3, 0, 0), PM_BILL_STATE_UNPAID);
  insert (f, expired);
  voided = add_bill (f, "VOIDEDBL05", "P1", "홍길동", "01077778888", "요가", 30000,
                     "2026-11-30", utc (2026, 11, 7, 2, 0, 0), PM_BILL_STATE_DESTROYED);
  insert (f, voided);
  /* another connection's bill: never exported from this one */
  elsewhere = add_bill (f, "OTHERPRF06", "P2", "김민수", "01011112222", "필라테스 10회",
                        99000, "2026-11-30", utc (2026, 11, 8, 2, 0, 0), PM_BILL_STATE_PAID);
  insert (f, elsewhere);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(GPtrArray) files = pm_test_list_files (f->dir);

  g_assert_finalize_object (f->service);
  g_clear_object (&f->profile);
  for (guint i = 0; i < files->len; i++)
    g_unlink (g_ptr_array_index (files, i));
  g_rmdir (f->dir);
  g_free (f->dir);
  g_free (f->ledger_path);
}

static PmLedgerQuery *
scoped_query (Fixture *f)
{
  PmLedgerQuery *query = pm_ledger_query_new ();

  pm_ledger_query_set_today (query, TODAY);
  pm_service_scope_query (f->service, query);
  return query;
}

/* Every file in the test's folder but the ledger's own. */
static guint
count_other_files (Fixture *f)
{
  g_autoptr(GPtrArray) files = pm_test_list_files (f->dir);
  guint n = 0;

  for (guint i = 0; i < files->len; i++)
    {
      g_autofree char *base = g_path_get_basename (g_ptr_array_index (files, i));

      if (!g_str_has_prefix (base, "ledger.db"))
        n++;
    }
  return n;
}

typedef struct
{
  gboolean done;
  gint64   n_rows;
  GError  *error;
  guint    n_progress;
  guint64  last_done;
  guint64  last_total;
  gboolean progress_after_done;
  gboolean destroyed;
} Wait;

static void
wait_progress_cb (guint64  n_done,
                  guint64  n_total,
                  gpointer user_data)
{
  Wait *w = user_data;

  g_assert_true (g_main_context_is_owner (g_main_context_default ()));
  if (w->done)
    w->progress_after_done = TRUE;
  w->n_progress++;
  w->last_done = n_done;
  w->last_total = n_total;
}

static void
wait_destroy_cb (gpointer user_data)
{
  Wait *w = user_data;

  w->destroyed = TRUE;
}

static void
export_done_cb (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  Wait *w = user_data;

  w->n_rows = pm_service_export_finish (PM_SERVICE (object), result, &w->error);
  w->done = TRUE;
}

static gint64
service_export (Fixture              *f,
                const PmLedgerQuery  *query,
                const char           *path,
                PmExportFormat        format,
                GCancellable         *cancellable,
                Wait                 *w)
{
  pm_service_export_async (f->service, query, path, format, cancellable, wait_progress_cb, w,
                           wait_destroy_cb, export_done_cb, w);
  g_assert_true (pm_test_wait_flag (&w->done, 60000));
  /* a report already queued must not come after the callback */
  pm_test_spin (50);
  g_assert_false (w->progress_after_done);
  return w->n_rows;
}

/* ------------------------------------------------------------------------ */
/* Tests                                                                    */
/* ------------------------------------------------------------------------ */

static void
use_language (const char *language)
{
  g_autofree char *localedir = g_build_filename (g_getenv ("PM_BUILD_ROOT"), "po", NULL);

  if (language != NULL)
    g_setenv ("LANGUAGE", language, TRUE);
  else
    g_unsetenv ("LANGUAGE");
  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, localedir);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  /* tells gettext that what it cached may have changed */
  textdomain (GETTEXT_PACKAGE);
}

/* The whole sheet, in English: every kind of cell, the totals, the frozen header. */
static void
test_xlsx_english (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(PmLedgerQuery) query = scoped_query (f);
  g_autofree char *path = g_build_filename (f->dir, "payments.xlsx", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(Xlsx) x = NULL;
  guint64 n_rows = 0;

  use_language ("C");
  g_assert_true (pm_export_query_to_path (pm_service_get_ledger (f->service), query, path,
                                          PM_EXPORT_FORMAT_XLSX, NULL, NULL, &n_rows, NULL,
                                          &error));
  g_assert_no_error (error);
  g_assert_cmpuint (n_rows, ==, 5);
  g_assert_cmpuint (count_other_files (f), ==, 1); /* no temporary file left */

  x = xlsx_read (path);
  /* one sheet */
  g_assert_true (g_ptr_array_find_with_equal_func (x->entries, "xl/worksheets/sheet1.xml",
                                                   g_str_equal, NULL));
  g_assert_false (g_ptr_array_find_with_equal_func (x->entries, "xl/worksheets/sheet2.xml",
                                                    g_str_equal, NULL));

  /* the header: English titles, bold, frozen, with the autofilter over header and rows */
  g_assert_cmpstr (cell_text (x, "A1"), ==, "Sent At");
  g_assert_cmpstr (cell_text (x, "B1"), ==, "Payer");
  g_assert_cmpstr (cell_text (x, "E1"), ==, "Amount");
  g_assert_cmpstr (cell_text (x, "F1"), ==, "State");
  g_assert_cmpstr (cell_text (x, "S1"), ==, "Bill ID");
  g_assert_true (cell_bold (x, "A1"));
  g_assert_true (cell_bold (x, "S1"));
  g_assert_cmpstr (x->pane, ==, "ySplit=1 state=frozen");
  g_assert_cmpstr (x->autofilter, ==, "A1:T6");

  /* newest first: voided (7th), unpaid (6th), paid (5th 14:00), refunded (5th 00:30),
   * expired (Oct 20) */
  g_assert_cmpstr (cell_text (x, "S2"), ==, "VOIDEDBL05");
  g_assert_cmpstr (cell_text (x, "S3"), ==, "UNPAIDBL03");
  g_assert_cmpstr (cell_text (x, "S4"), ==, "PAIDBILL01");
  g_assert_cmpstr (cell_text (x, "S5"), ==, "REFUNDED02");
  g_assert_cmpstr (cell_text (x, "S6"), ==, "EXPIREDB04");

  /* the paid bill: Korean text, a date-time in Korea time, amounts as numbers in won */
  g_assert_cmpstr (cell_text (x, "B4"), ==, "김민수");
  g_assert_cmpstr (cell_text (x, "D4"), ==, "필라테스 10회");
  g_assert_cmpfloat_with_epsilon (cell_number (x, "A4"), excel_serial (2026, 11, 5, 14, 0, 0),
                                  1e-7);
  g_assert_cmpstr (cell_format (x, "A4"), ==, "yyyy-mm-dd hh:mm:ss");
  g_assert_cmpfloat (cell_number (x, "E4"), ==, 150000);
  g_assert_cmpstr (cell_format (x, "E4"), ==, "\"₩\"#,##0");
  g_assert_cmpfloat (cell_number (x, "H4"), ==, 150000);
  g_assert_cmpstr (cell_format (x, "H4"), ==, "\"₩\"#,##0");
  g_assert_cmpfloat_with_epsilon (cell_number (x, "I4"), excel_serial (2026, 11, 5, 14, 30, 12),
                                  1e-7);
  g_assert_cmpstr (cell_format (x, "I4"), ==, "yyyy-mm-dd hh:mm:ss");
  /* the last day to pay: a date */
  g_assert_cmpfloat (cell_number (x, "G4"), ==, excel_serial (2026, 11, 30, 0, 0, 0));
  g_assert_cmpstr (cell_format (x, "G4"), ==, "yyyy-mm-dd");
  /* the phone: text, with its leading 0 */
  g_assert_cmpstr (cell_text (x, "C4"), ==, "010-1111-2222");
  g_assert_cmpstr (cell_format (x, "C4"), ==, "@");
  g_assert_cmpstr (cell_text (x, "J4"), ==, "30012345");
  g_assert_cmpstr (cell_text (x, "K4"), ==, "신한카드");
  g_assert_cmpstr (cell_text (x, "M4"), ==, "00");
  g_assert_cmpstr (cell_text (x, "F4"), ==, "Paid");

  /* the refunded bill: sent on the 5th in Korea (the 4th in UTC) */
  g_assert_cmpfloat_with_epsilon (cell_number (x, "A5"), excel_serial (2026, 11, 5, 0, 30, 0),
                                  1e-7);
  g_assert_cmpstr (cell_text (x, "F5"), ==, "Refunded");
  /* states as the list shows them */
  g_assert_cmpstr (cell_text (x, "F2"), ==, "Voided");
  g_assert_cmpstr (cell_text (x, "F3"), ==, "Unpaid");
  g_assert_cmpstr (cell_text (x, "F6"), ==, "Expired");
  /* a reason like a formula is text, never a formula */
  g_assert_cmpstr (cell_text (x, "D3"), ==, "=1+2");
  /* no approval: blank, not 0 */
  g_assert_null (cell (x, "H3"));

  /* the totals row: bold, numbers with the formula and its value */
  g_assert_cmpstr (cell_text (x, "A7"), ==, "Total");
  g_assert_true (cell_bold (x, "A7"));
  g_assert_cmpstr (cell (x, "B7")->formula, ==, "SUBTOTAL(103,S2:S6)");
  g_assert_cmpfloat (g_ascii_strtod (cell (x, "B7")->value, NULL), ==, 5);
  g_assert_cmpstr (cell_format (x, "B7"), ==, "#,##0\" bills\"");
  g_assert_cmpstr (cell (x, "E7")->formula, ==, "SUBTOTAL(109,E2:E6)");
  g_assert_cmpfloat (g_ascii_strtod (cell (x, "E7")->value, NULL), ==,
                     150000 + 80000 + 50000 + 1200000 + 30000);
  g_assert_cmpstr (cell_format (x, "E7"), ==, "\"₩\"#,##0");
  g_assert_true (cell_bold (x, "E7"));
  g_assert_cmpstr (cell (x, "H7")->formula, ==, "SUBTOTAL(109,H2:H6)");
  g_assert_cmpfloat (g_ascii_strtod (cell (x, "H7")->value, NULL), ==, 150000 + 80000);
  /* nothing after it */
  g_assert_null (cell (x, "A8"));
  g_assert_null (cell (x, "S8"));
}

/* A filter and a search, in a Korean UI: Korean titles, labels and formats. */
static void
test_xlsx_korean_filtered (Fixture       *f,
                           gconstpointer  data)
{
  g_autoptr(PmLedgerQuery) query = scoped_query (f);
  g_autofree char *path = g_build_filename (f->dir, "결제내역.xlsx", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(Xlsx) x = NULL;
  guint64 n_rows = 0;

  use_language ("ko");
  g_assert_cmpstr (g_dpgettext2 (GETTEXT_PACKAGE, "export column", "Amount"), !=, "Amount");

  /* paid or refunded */
  query->states = PM_LEDGER_STATE_BIT (PM_BILL_STATE_PAID)
                  | PM_LEDGER_STATE_BIT (PM_BILL_STATE_CANCELLED);
  g_assert_true (pm_export_query_to_path (pm_service_get_ledger (f->service), query, path,
                                          PM_EXPORT_FORMAT_XLSX, NULL, NULL, &n_rows, NULL,
                                          &error));
  g_assert_no_error (error);
  g_assert_cmpuint (n_rows, ==, 2);
  x = xlsx_read (path);
  g_assert_cmpstr (cell_text (x, "A1"), ==, "발송 일시");
  g_assert_cmpstr (cell_text (x, "B1"), ==, "결제자");
  g_assert_cmpstr (cell_text (x, "E1"), ==, "금액");
  g_assert_cmpstr (cell_text (x, "F1"), ==, "상태");
  g_assert_cmpstr (cell_text (x, "S2"), ==, "PAIDBILL01");
  g_assert_cmpstr (cell_text (x, "F2"), ==, "결제 완료");
  g_assert_cmpstr (cell_text (x, "S3"), ==, "REFUNDED02");
  g_assert_cmpstr (cell_text (x, "F3"), ==, "환불 완료");
  g_assert_cmpstr (cell_format (x, "E2"), ==, "#,##0\"원\"");
  g_assert_cmpstr (cell_text (x, "A4"), ==, "합계");
  g_assert_cmpfloat (g_ascii_strtod (cell (x, "B4")->value, NULL), ==, 2);
  g_assert_cmpstr (cell_format (x, "B4"), ==, "#,##0\"건\"");
  g_assert_cmpfloat (g_ascii_strtod (cell (x, "E4")->value, NULL), ==, 230000);
  g_assert_cmpstr (cell_format (x, "E4"), ==, "#,##0\"원\"");
  g_assert_cmpstr (x->autofilter, ==, "A1:T3");
  g_assert_null (cell (x, "A5"));
  g_clear_pointer (&x, xlsx_free);

  /* a search on top: the name in Korean */
  pm_ledger_query_set_text (query, "김민수");
  g_assert_true (pm_export_query_to_path (pm_service_get_ledger (f->service), query, path,
                                          PM_EXPORT_FORMAT_XLSX, NULL, NULL, &n_rows, NULL,
                                          &error));
  g_assert_no_error (error);
  g_assert_cmpuint (n_rows, ==, 1);
  x = xlsx_read (path);
  g_assert_cmpstr (cell_text (x, "S2"), ==, "PAIDBILL01");
  g_assert_cmpstr (cell_text (x, "A3"), ==, "합계");
  g_assert_cmpfloat (g_ascii_strtod (cell (x, "E3")->value, NULL), ==, 150000);
  g_assert_null (cell (x, "S3"));
  g_clear_pointer (&x, xlsx_free);

  /* nothing matches: the header and a totals row of zeros */
  pm_ledger_query_set_text (query, "없는사람");
  g_assert_true (pm_export_query_to_path (pm_service_get_ledger (f->service), query, path,
                                          PM_EXPORT_FORMAT_XLSX, NULL, NULL, &n_rows, NULL,
                                          &error));
  g_assert_no_error (error);
  g_assert_cmpuint (n_rows, ==, 0);
  x = xlsx_read (path);
  g_assert_cmpstr (cell_text (x, "A2"), ==, "합계");
  g_assert_cmpfloat (cell_number (x, "E2"), ==, 0);
  use_language ("C");
}

/* CSV keeps its format: a BOM, the stable column ids, the filter. */
static void
test_csv (Fixture       *f,
          gconstpointer  data)
{
  g_autoptr(PmLedgerQuery) query = scoped_query (f);
  g_autofree char *path = g_build_filename (f->dir, "payments.csv", NULL);
  g_autofree char *contents = NULL;
  g_autoptr(GError) error = NULL;
  guint64 n_rows = 0;

  query->states = PM_LEDGER_STATE_BIT (PM_BILL_STATE_PAID);
  g_assert_true (pm_export_query_to_path (pm_service_get_ledger (f->service), query, path,
                                          PM_EXPORT_FORMAT_CSV, NULL, NULL, &n_rows, NULL,
                                          &error));
  g_assert_no_error (error);
  g_assert_cmpuint (n_rows, ==, 1);
  g_assert_true (g_file_get_contents (path, &contents, NULL, NULL));
  g_assert_true (g_str_has_prefix (contents, "\xef\xbb\xbf" "bill_id,state,"));
  g_assert_nonnull (strstr (contents, "\r\nPAIDBILL01,paid,no,김민수,010-1111-2222,"));
  g_assert_null (strstr (contents, "REFUNDED02"));
  g_assert_null (strstr (contents, "OTHERPRF06"));
  g_assert_cmpuint (count_other_files (f), ==, 1);
}

static void
test_format_names (void)
{
  PmExportFormat format = PM_EXPORT_FORMAT_CSV;

  g_assert_cmpint (pm_export_format_for_path ("a/결제내역-2026-11-10.xlsx"), ==,
                   PM_EXPORT_FORMAT_XLSX);
  g_assert_cmpint (pm_export_format_for_path ("A.XLSX"), ==, PM_EXPORT_FORMAT_XLSX);
  g_assert_cmpint (pm_export_format_for_path ("a.csv"), ==, PM_EXPORT_FORMAT_CSV);
  g_assert_cmpint (pm_export_format_for_path ("a.xls"), ==, PM_EXPORT_FORMAT_CSV);
  g_assert_cmpint (pm_export_format_for_path ("xlsx"), ==, PM_EXPORT_FORMAT_CSV);
  g_assert_true (pm_export_format_from_string ("XLSX", &format));
  g_assert_cmpint (format, ==, PM_EXPORT_FORMAT_XLSX);
  g_assert_true (pm_export_format_from_string ("csv", &format));
  g_assert_cmpint (format, ==, PM_EXPORT_FORMAT_CSV);
  g_assert_false (pm_export_format_from_string ("xls", &format));
  g_assert_false (pm_export_format_from_string ("", &format));
  g_assert_cmpstr (pm_export_format_extension (PM_EXPORT_FORMAT_XLSX), ==, ".xlsx");
}

/* A folder that is not there, and a target that is a folder: a clear message naming the
 * file, and nothing left behind. */
static void
test_unwritable (Fixture       *f,
                 gconstpointer  data)
{
  g_autoptr(PmLedgerQuery) query = scoped_query (f);
  PmExportFormat formats[] = { PM_EXPORT_FORMAT_XLSX, PM_EXPORT_FORMAT_CSV };

  use_language ("C");
  for (guint i = 0; i < G_N_ELEMENTS (formats); i++)
    {
      const char *ext = pm_export_format_extension (formats[i]);
      g_autofree char *name = g_strconcat ("payments", ext, NULL);
      g_autofree char *missing = g_build_filename (f->dir, "no-such-folder", name, NULL);
      g_autofree char *folder = g_build_filename (f->dir, name, NULL);
      g_autofree char *inside = g_build_filename (folder, "keep.txt", NULL);
      g_autoptr(GError) error = NULL;

      g_assert_false (pm_export_query_to_path (pm_service_get_ledger (f->service), query,
                                               missing, formats[i], NULL, NULL, NULL, NULL,
                                               &error));
      g_assert_error (error, PM_ERROR, PM_ERROR_STORAGE);
      g_assert_nonnull (strstr (error->message, missing));
      g_assert_cmpuint (count_other_files (f), ==, 0);
      g_clear_error (&error);

      /* the rename at the end fails: the temporary file goes too */
      g_assert_cmpint (g_mkdir (folder, 0700), ==, 0);
      g_assert_true (g_file_set_contents (inside, "keep", -1, NULL));
      g_assert_false (pm_export_query_to_path (pm_service_get_ledger (f->service), query,
                                               folder, formats[i], NULL, NULL, NULL, NULL,
                                               &error));
      g_assert_error (error, PM_ERROR, PM_ERROR_STORAGE);
      g_assert_nonnull (strstr (error->message, folder));
      g_assert_cmpuint (count_other_files (f), ==, 1); /* keep.txt */
      g_unlink (inside);
      g_rmdir (folder);
    }
}

/* A disk that fills up while the file is written (a file-size limit stands in for it):
 * the message names the file and says why; nothing is left. */
static void
test_disk_full (Fixture       *f,
                gconstpointer  data)
{
  if (g_test_subprocess ())
    {
      g_autoptr(PmLedgerQuery) query = scoped_query (f);
      g_autofree char *path = g_build_filename (f->dir, "payments.xlsx", NULL);
      g_autoptr(GError) error = NULL;
      struct rlimit limit, old_limit;

      use_language ("C");
      signal (SIGXFSZ, SIG_IGN);
      g_assert_cmpint (getrlimit (RLIMIT_FSIZE, &old_limit), ==, 0);
      limit = old_limit;
      limit.rlim_cur = 2048;
      g_assert_cmpint (setrlimit (RLIMIT_FSIZE, &limit), ==, 0);
      g_assert_false (pm_export_query_to_path (pm_service_get_ledger (f->service), query, path,
                                               PM_EXPORT_FORMAT_XLSX, NULL, NULL, NULL, NULL,
                                               &error));
      g_assert_error (error, PM_ERROR, PM_ERROR_STORAGE);
      g_assert_nonnull (strstr (error->message, path));
      g_assert_nonnull (strstr (error->message, g_strerror (EFBIG)));
      g_assert_cmpuint (count_other_files (f), ==, 0);
      /* the ledger may write again */
      g_assert_cmpint (setrlimit (RLIMIT_FSIZE, &old_limit), ==, 0);
      return;
    }
  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
}

static void
cancel_cb (guint64  n_done,
           guint64  n_total,
           gpointer user_data)
{
  g_cancellable_cancel (user_data);
}

/* Cancelled while it runs: the file that was there stays as it was. */
static void
test_cancel_keeps_old_file (Fixture       *f,
                            gconstpointer  data)
{
  g_autoptr(PmLedgerQuery) query = scoped_query (f);
  PmExportFormat formats[] = { PM_EXPORT_FORMAT_XLSX, PM_EXPORT_FORMAT_CSV };

  for (guint i = 0; i < G_N_ELEMENTS (formats); i++)
    {
      g_autofree char *name = g_strconcat ("payments", pm_export_format_extension (formats[i]),
                                           NULL);
      g_autofree char *path = g_build_filename (f->dir, name, NULL);
      g_autoptr(GCancellable) cancellable = g_cancellable_new ();
      g_autoptr(GError) error = NULL;
      g_autofree char *contents = NULL;

      g_assert_true (g_file_set_contents (path, "old", -1, NULL));
      g_assert_false (pm_export_query_to_path (pm_service_get_ledger (f->service), query, path,
                                               formats[i], cancel_cb, cancellable, NULL,
                                               cancellable, &error));
      g_assert_error (error, PM_ERROR, PM_ERROR_CANCELLED);
      g_assert_true (g_file_get_contents (path, &contents, NULL, NULL));
      g_assert_cmpstr (contents, ==, "old");
      g_assert_cmpuint (count_other_files (f), ==, 1);
      g_unlink (path);
    }
}

static gboolean
collect_page_cb (GPtrArray  *bills,
                 gpointer    user_data,
                 GError    **error)
{
  GPtrArray *seen = user_data;

  for (guint i = 0; i < bills->len; i++)
    g_ptr_array_add (seen, g_object_ref (g_ptr_array_index (bills, i)));
  return TRUE;
}

static void
add_tied_bills (Fixture *f,
                guint    n)
{
  PmLedger *ledger = pm_service_get_ledger (f->service);
  g_autoptr(GError) error = NULL;

  g_assert_true (pm_ledger_begin (ledger, &error));
  for (guint i = 0; i < n; i++)
    {
      g_autofree char *id = g_strdup_printf ("TIES%06u", i);
      /* runs of up to 9 bills in one second */
      g_autoptr(PmBill) bill = add_bill (f, id, "P1", i % 2 ? "가나다" : "라마바", "01012345678",
                                         "수업", 1000 + (i % 5) * 100, "2026-12-31",
                                         utc (2026, 11, 1, 0, 0, 0) + (i * 7 / 9),
                                         PM_BILL_STATE_UNPAID);

      insert (f, bill);
    }
  g_assert_true (pm_ledger_commit (ledger, &error));
}

/* Pages: every bill once, in the query's order, whatever the page size and however many
 * bills share a second. */
static void
test_pages (Fixture       *f,
            gconstpointer  data)
{
  PmLedger *ledger = pm_service_get_ledger (f->service);
  const struct { PmLedgerSort sort; gboolean descending; } orders[] = {
    { PM_LEDGER_SORT_CREATED_AT, TRUE },
    { PM_LEDGER_SORT_CREATED_AT, FALSE },
    { PM_LEDGER_SORT_AMOUNT, TRUE },
    { PM_LEDGER_SORT_PAYER, FALSE },
  };

  add_tied_bills (f, 60);
  for (guint o = 0; o < G_N_ELEMENTS (orders); o++)
    for (guint page_size = 1; page_size <= 13; page_size += 4)
      {
        g_autoptr(PmLedgerQuery) query = scoped_query (f);
        g_autoptr(GPtrArray) all = NULL;
        g_autoptr(GPtrArray) seen = g_ptr_array_new_with_free_func (g_object_unref);
        g_autoptr(GError) error = NULL;

        query->sort = orders[o].sort;
        query->descending = orders[o].descending;
        /* a bound of the query's own, inside the runs */
        query->created_from = utc (2026, 11, 1, 0, 0, 3);
        query->created_to = utc (2026, 11, 1, 0, 0, 40);
        all = pm_ledger_fetch (ledger, query, 0, 0, &error);
        g_assert_no_error (error);
        g_assert_cmpuint (all->len, >, 40);

        g_assert_true (pm_ledger_foreach_page (ledger, query, page_size, collect_page_cb, seen,
                                               NULL, &error));
        g_assert_no_error (error);
        g_assert_cmpuint (seen->len, ==, all->len);
        for (guint i = 0; i < all->len; i++)
          g_assert_cmpstr (pm_bill_get_bill_id (g_ptr_array_index (seen, i)), ==,
                           pm_bill_get_bill_id (g_ptr_array_index (all, i)));
      }
}

typedef struct
{
  Fixture *f;
  guint    n_pages;
  guint    n_bills;
  gboolean saw_late;
  gboolean saw_deleted;
} Snapshot;

static gboolean
write_meanwhile_cb (GPtrArray  *bills,
                    gpointer    user_data,
                    GError    **error)
{
  Snapshot *s = user_data;

  /* the window sends, refunds and deletes while the export runs */
  if (s->n_pages++ == 0)
    {
      g_autoptr(PmBill) late = add_bill (s->f, "LATEBILL99", "P1", "늦은사람", "01012345678",
                                         "수업", 1000, "2026-12-31", utc (2026, 10, 1, 0, 0, 0),
                                         PM_BILL_STATE_UNPAID);
      g_autoptr(GError) local_error = NULL;

      insert (s->f, late);
      g_assert_true (pm_ledger_delete_bill (pm_service_get_ledger (s->f->service), "EXPIREDB04",
                                            &local_error));
      g_assert_no_error (local_error);
      g_assert_true (pm_ledger_flush (pm_service_get_ledger (s->f->service), &local_error));
      g_assert_no_error (local_error);
    }
  s->n_bills += bills->len;
  for (guint i = 0; i < bills->len; i++)
    {
      const char *id = pm_bill_get_bill_id (g_ptr_array_index (bills, i));

      s->saw_late = s->saw_late || g_str_equal (id, "LATEBILL99");
      s->saw_deleted = s->saw_deleted || g_str_equal (id, "EXPIREDB04");
    }
  return TRUE;
}

/* A reader on its own connection reads one snapshot: what others write meanwhile is not
 * half in it. */
static void
test_snapshot (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(PmLedgerQuery) query = scoped_query (f);
  g_autoptr(PmLedger) reader = NULL;
  g_autoptr(GError) error = NULL;
  Snapshot s = { f, 0, 0, FALSE, FALSE };

  /* what this process wrote, committed for the others to see */
  g_assert_true (pm_ledger_flush (pm_service_get_ledger (f->service), &error));
  reader = pm_ledger_open_reader (pm_service_get_ledger (f->service), &error);
  g_assert_no_error (error);
  g_assert_true (pm_ledger_begin_snapshot (reader, &error));
  g_assert_true (pm_ledger_foreach_page (reader, query, 2, write_meanwhile_cb, &s, NULL, &error));
  g_assert_no_error (error);
  pm_ledger_end_snapshot (reader);
  g_assert_cmpuint (s.n_pages, ==, 3);
  g_assert_cmpuint (s.n_bills, ==, 5);
  g_assert_true (s.saw_deleted);
  g_assert_false (s.saw_late);

  /* afterwards it sees the new state */
  s = (Snapshot) { f, 1, 0, FALSE, FALSE };
  g_assert_true (pm_ledger_foreach_page (reader, query, 2, write_meanwhile_cb, &s, NULL, &error));
  g_assert_cmpuint (s.n_bills, ==, 5);
  g_assert_false (s.saw_deleted);
  g_assert_true (s.saw_late);
}

/* Through the service: in a thread, pages of bills, progress on the main context and
 * never after the end, the same file as in-process. */
static void
test_service_async (Fixture       *f,
                    gconstpointer  data)
{
  g_autoptr(PmLedgerQuery) query = pm_ledger_query_new ();
  g_autofree char *path = g_build_filename (f->dir, "many.xlsx", NULL);
  g_autoptr(Xlsx) x = NULL;
  Wait w = { 0 };

  use_language ("C");
  add_tied_bills (f, 4500);
  pm_ledger_query_set_today (query, TODAY);
  /* the service scopes the query to its profile itself */
  g_assert_cmpint (service_export (f, query, path, PM_EXPORT_FORMAT_XLSX, NULL, &w), ==, 4505);
  g_assert_no_error (w.error);
  g_assert_true (w.destroyed);
  g_assert_cmpuint (w.n_progress, >=, 1);
  g_assert_cmpuint (w.last_done, ==, 4505);
  g_assert_cmpuint (w.last_total, ==, 4505);

  x = xlsx_read (path);
  g_assert_cmpstr (cell_text (x, "S2"), ==, "VOIDEDBL05");
  g_assert_cmpstr (cell_text (x, "S4505"), ==, "TIES000000");
  g_assert_cmpstr (cell_text (x, "S4506"), ==, "EXPIREDB04");
  g_assert_cmpstr (cell_text (x, "A4507"), ==, "Total");
  g_assert_cmpfloat (g_ascii_strtod (cell (x, "B4507")->value, NULL), ==, 4505);
  g_assert_cmpstr (x->autofilter, ==, "A1:T4506");
  /* every bill once */
  {
    g_autoptr(GHashTable) ids = g_hash_table_new (g_str_hash, g_str_equal);

    for (guint row = 2; row <= 4506; row++)
      {
        g_autofree char *ref = g_strdup_printf ("S%u", row);

        g_assert_true (g_hash_table_add (ids, (gpointer) cell_text (x, ref)));
      }
  }

  /* CSV the same way */
  {
    g_autofree char *csv_path = g_build_filename (f->dir, "many.csv", NULL);
    Wait w2 = { 0 };

    query->states = PM_LEDGER_STATE_BIT (PM_BILL_STATE_PAID);
    g_assert_cmpint (service_export (f, query, csv_path, PM_EXPORT_FORMAT_CSV, NULL, &w2), ==, 1);
    g_assert_no_error (w2.error);
    g_assert_cmpuint (w2.last_done, ==, 1);
  }

  /* cancelled: an error, no file */
  {
    g_autofree char *cancelled_path = g_build_filename (f->dir, "cancelled.xlsx", NULL);
    g_autoptr(GCancellable) cancellable = g_cancellable_new ();
    Wait w3 = { 0 };

    g_cancellable_cancel (cancellable);
    g_assert_cmpint (service_export (f, query, cancelled_path, PM_EXPORT_FORMAT_XLSX,
                                     cancellable, &w3), ==, -1);
    g_assert_error (w3.error, PM_ERROR, PM_ERROR_CANCELLED);
    g_assert_false (g_file_test (cancelled_path, G_FILE_TEST_EXISTS));
    g_clear_error (&w3.error);
  }
}

int
main (int    argc,
      char **argv)
{
  pm_test_init (&argc, &argv);

  g_test_add_func ("/export/format-names", test_format_names);
#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("/export/xlsx/english", test_xlsx_english);
  ADD ("/export/xlsx/korean-filtered", test_xlsx_korean_filtered);
  ADD ("/export/csv", test_csv);
  ADD ("/export/unwritable", test_unwritable);
  ADD ("/export/disk-full", test_disk_full);
  ADD ("/export/cancel-keeps-old-file", test_cancel_keeps_old_file);
  ADD ("/export/pages", test_pages);
  ADD ("/export/snapshot", test_snapshot);
  ADD ("/export/service-async", test_service_async);
#undef ADD
  return g_test_run ();
}
