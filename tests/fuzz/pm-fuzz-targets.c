/* pm-fuzz-targets.c — what one fuzz input does (see pm-fuzz-targets.h)
 *
 * Copyright 2026 The Paymint Desk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "pm-fuzz-targets.h"

#include "pm-api.h"
#include "pm-bill.h"
#include "pm-csv.h"
#include "pm-error.h"
#include "pm-money.h"
#include "pm-phone.h"
#include "pm-sandbox.h"
#include "pm-text.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

/* A broken promise: abort, so libFuzzer (or the regression test) reports it. */
#define CHECK(cond, ...) \
  G_STMT_START \
  { \
    if (G_UNLIKELY (!(cond))) \
      g_error ("fuzz check failed: " __VA_ARGS__); \
  } \
  G_STMT_END

G_GNUC_NORETURN static void
trap_to_abort (int signum)
{
  abort ();
}

void
pm_fuzz_init (void)
{
  g_log_set_always_fatal (G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING);
  /* A fatal GLib message (g_error, a failed CHECK, a critical) ends in SIGTRAP, which
   * libFuzzer does not catch; as SIGABRT it saves the input like any other crash. */
  signal (SIGTRAP, trap_to_abort);
}

gboolean
pm_fuzz_known (const char *tag)
{
  static char **known = NULL;
  static gsize once = 0;

  if (g_once_init_enter (&once))
    {
      known = g_strsplit_set (g_getenv ("PM_FUZZ_KNOWN") ? g_getenv ("PM_FUZZ_KNOWN") : "",
                              ", \t\n", -1);
      g_once_init_leave (&once, 1);
    }
  return g_strv_contains ((const char *const *) known, tag);
}

/* The input as a C string: up to the first NUL, as a caller with a char * would see it. */
static char *
dup_text (const guint8 *data,
          gsize         size)
{
  return g_strndup ((const char *) data, size);
}

static gboolean
all_digits (const char *s)
{
  for (; *s; s++)
    if (!g_ascii_isdigit (*s))
      return FALSE;
  return TRUE;
}

/* Server text is stored, printed and shown: valid UTF-8 without control or
 * bidirectional-override characters (API.md §5). */
static void
check_optional_text (const char *text,
                     const char *what)
{
  gunichar c;

  if (text == NULL)
    return;
  CHECK (g_utf8_validate (text, -1, NULL), "%s is not UTF-8", what);
  c = pm_text_find_unsafe (text, FALSE, NULL);
  CHECK (c == 0, "%s holds the unsafe character U+%04X", what, c);
}

/* A failure must come with a PM_ERROR that says something. */
static void
check_clean_error (const GError *error,
                   const char   *what)
{
  const char *server_text;

  CHECK (error != NULL, "%s failed without an error", what);
  CHECK (error->domain == PM_ERROR, "%s: error of domain %s", what,
         g_quark_to_string (error->domain));
  CHECK (error->message != NULL && error->message[0] != '\0', "%s: empty error message", what);
  CHECK (g_utf8_validate (error->message, -1, NULL), "%s: error message not UTF-8", what);
  /* the server's own words are shown next to the message and kept in the ledger
   * (json-glib's messages start "<data>:line:col: Parse error") */
  server_text = pm_error_get_server_text (error);
  if (!(pm_fuzz_known ("parse-error-utf8") && server_text != NULL
        && g_str_has_prefix (server_text, "<data>:")))
    check_optional_text (server_text, "the server text of an error");
}

/* ---------------------------------------------------------------- phone */

void
pm_fuzz_phone (const guint8 *data,
               gsize         size)
{
  g_autofree char *input = dup_text (data, size);
  g_autofree char *normalized = NULL;
  g_autofree char *normalized2 = NULL;
  g_autofree char *display = NULL;
  g_autofree char *again = NULL;
  g_autofree char *any = NULL;
  g_autoptr(GError) error = NULL;
  gboolean legacy = TRUE;
  gboolean ok;
  PmPhoneCheck check;
  const char *message;

  check = pm_phone_check (input, &normalized);
  message = pm_phone_check_message (check);
  CHECK ((guint) check <= PM_PHONE_BAD_CHARACTERS, "check %d out of range", check);
  if (check == PM_PHONE_VALID)
    {
      CHECK (normalized != NULL && strlen (normalized) == 11 && all_digits (normalized)
             && g_str_has_prefix (normalized, "010"), "valid but normalized to %s",
             normalized ? normalized : "(null)");
      CHECK (message == NULL, "a message for a valid number");
    }
  else if (check == PM_PHONE_LEGACY)
    {
      gsize len = normalized ? strlen (normalized) : 0;

      CHECK (normalized != NULL && (len == 10 || len == 11) && all_digits (normalized)
             && normalized[0] == '0' && normalized[1] == '1'
             && strchr ("16789", normalized[2]) != NULL, "legacy but normalized to %s",
             normalized ? normalized : "(null)");
      CHECK (message != NULL && message[0] != '\0', "no message for a legacy number");
    }
  else
    {
      CHECK (normalized == NULL, "rejected (%d) but normalized to %s", check, normalized);
      CHECK (message != NULL && message[0] != '\0', "no message for check %d", check);
    }

  ok = pm_phone_normalize (input, &normalized2, &legacy, &error);
  CHECK (ok == (check == PM_PHONE_VALID || check == PM_PHONE_LEGACY),
         "normalize and check disagree");
  CHECK (legacy == (check == PM_PHONE_LEGACY), "legacy flag disagrees with check");
  CHECK (g_strcmp0 (normalized, normalized2) == 0, "normalize gave %s, check gave %s",
         normalized2, normalized);
  if (ok)
    CHECK (error == NULL, "success with an error set");
  else
    {
      check_clean_error (error, "pm_phone_normalize");
      CHECK (g_error_matches (error, PM_ERROR, PM_ERROR_INVALID), "not PM_ERROR_INVALID");
      CHECK (g_strcmp0 (pm_error_get_field (error), "phone") == 0, "error names field %s",
             pm_error_get_field (error));
    }

  /* What is shown must read back as the same number. */
  if (normalized != NULL)
    {
      display = pm_phone_format_display (normalized);
      CHECK (pm_phone_check (display, &again) == check, "\"%s\" (shown as %s) reads back "
             "differently", normalized, display);
      CHECK (g_strcmp0 (again, normalized) == 0, "%s shown as %s reads back as %s",
             normalized, display, again);
    }
  any = pm_phone_format_display (input);
  CHECK (any != NULL, "format_display returned NULL");
}

/* ---------------------------------------------------------------- money */

static void
check_reparse (const char *text,
               gint64      won)
{
  g_autoptr(GError) error = NULL;
  gint64 back = 0;

  CHECK (pm_money_parse (text, &back, &error), "\"%s\" (formatted %" G_GINT64_FORMAT
         ") does not parse back: %s", text, won, error ? error->message : "");
  CHECK (back == won, "\"%s\" parses back as %" G_GINT64_FORMAT ", not %" G_GINT64_FORMAT,
         text, back, won);
}

static void
check_formatters (gint64 won)
{
  g_autofree char *digits = pm_money_format_digits (won);
  g_autofree char *full = pm_money_format (won);
  g_autofree char *korean = pm_money_format_korean (won);

  CHECK (digits != NULL && full != NULL && korean != NULL, "a formatter returned NULL");
  CHECK (g_utf8_validate (full, -1, NULL) && g_utf8_validate (korean, -1, NULL),
         "formatted text is not UTF-8");
  CHECK (g_str_has_suffix (korean, " 원") || g_str_equal (korean, "영 원"),
         "Korean reading %s does not end in 원", korean);
  if (won >= PM_MONEY_MIN && won <= PM_MONEY_MAX)
    {
      check_reparse (digits, won);
      check_reparse (full, won);
    }
}

void
pm_fuzz_money (const guint8 *data,
               gsize         size)
{
  g_autofree char *input = dup_text (data, size);
  g_autoptr(GError) error = NULL;
  gint64 won = -1;

  if (pm_money_parse (input, &won, &error))
    {
      CHECK (error == NULL, "success with an error set");
      CHECK (won >= PM_MONEY_MIN && won <= PM_MONEY_MAX, "\"%s\" parsed to %" G_GINT64_FORMAT,
             input, won);
      check_formatters (won);
    }
  else
    {
      check_clean_error (error, "pm_money_parse");
      CHECK (g_error_matches (error, PM_ERROR, PM_ERROR_INVALID), "not PM_ERROR_INVALID");
      CHECK (g_strcmp0 (pm_error_get_field (error), "price") == 0, "error names field %s",
             pm_error_get_field (error));
      CHECK (won == 0, "failure left %" G_GINT64_FORMAT " in *won", won);
    }

  /* The formatters over any 64-bit number, taken from the last eight bytes. */
  if (size >= 8)
    {
      gint64 v;

      memcpy (&v, data + size - 8, sizeof v);
      check_formatters (v);
      check_formatters (v % (PM_MONEY_MAX + 1));
    }
}

/* ---------------------------------------------------------------- CSV */

#define FUZZ_NOW_UTC G_GINT64_CONSTANT (1767225600) /* 2026-01-01 00:00 UTC */

/* The options byte, XOR '0' (so '0' is "all automatic"):
 *   bits 0-1  encoding: detect, "CP949", "UTF-16LE", "EUC-KR"
 *   bits 2-3  delimiter: detect, ',', '\t', ';'
 *   bit 4     defaults for product, message and expiry
 *   bit 5     an explicit mapping: payer = column "1", phone = "전화번호", amount = "3"
 *   bit 6     small limits (200 bytes, 3 rows)
 *   bit 7     encoding "UTF-8" given explicitly (wins over bits 0-1) */
void
pm_fuzz_csv (const guint8 *data,
             gsize         size)
{
  static const char *const encodings[] = { NULL, "CP949", "UTF-16LE", "EUC-KR" };
  static const char delimiters[] = { 0, ',', '\t', ';' };
  PmCsvOptions options = { 0 };
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(PmCsvImport) import = NULL;
  g_autofree char *report = NULL;
  const char *const *headers;
  GPtrArray *rows;
  guint n_headers, n_valid = 0, n_invalid = 0;
  gint64 total = 0;
  guint8 opts;

  if (size < 1)
    return;
  opts = data[0] ^ '0';
  options.encoding = (opts & 0x80) ? "UTF-8" : encodings[opts & 3];
  options.delimiter = delimiters[(opts >> 2) & 3];
  if (opts & 0x10)
    {
      options.default_product = "수강료";
      options.default_message = "이번 달 수강료입니다.";
      options.default_expiry = "2026.12.31";
    }
  if (opts & 0x20)
    {
      options.columns[PM_CSV_FIELD_PAYER] = "1";
      options.columns[PM_CSV_FIELD_PHONE] = "전화번호";
      options.columns[PM_CSV_FIELD_AMOUNT] = "3";
    }
  if (opts & 0x40)
    {
      options.max_bytes = 200;
      options.max_rows = 3;
    }
  options.now_utc = FUZZ_NOW_UTC;

  bytes = g_bytes_new (data + 1, size - 1);
  import = pm_csv_import_bytes (bytes, &options, &error);
  if (import == NULL)
    {
      check_clean_error (error, "pm_csv_import_bytes");
      CHECK (g_error_matches (error, PM_ERROR, PM_ERROR_INVALID), "not PM_ERROR_INVALID");
      return;
    }
  CHECK (error == NULL, "an import with an error set");

  CHECK (pm_csv_import_get_encoding (import) != NULL, "no encoding");
  headers = pm_csv_import_get_headers (import);
  CHECK (headers != NULL, "no headers");
  n_headers = g_strv_length ((char **) headers);
  for (guint i = 0; i < n_headers; i++)
    CHECK (g_utf8_validate (headers[i], -1, NULL), "header %u is not UTF-8", i);
  for (int f = 0; f < PM_CSV_N_FIELDS; f++)
    {
      int column = pm_csv_import_get_column (import, (PmCsvField) f);

      CHECK (column >= -1 && column < (int) n_headers, "field %d mapped to column %d of %u",
             f, column, n_headers);
    }

  rows = pm_csv_import_get_rows (import);
  CHECK (rows != NULL && rows->len == pm_csv_import_get_n_rows (import), "row count");
  for (guint i = 0; i < rows->len; i++)
    {
      PmCsvRow *row = g_ptr_array_index (rows, i);

      CHECK (row->line >= 1, "row %u on line %u", i, row->line);
      CHECK (i == 0 || row->line > ((PmCsvRow *) g_ptr_array_index (rows, i - 1))->line,
             "rows out of line order");
      if (row->bill != NULL)
        {
          g_autofree char *bill_id = NULL;
          gint64 price = pm_bill_get_price (row->bill);
          PmPhoneCheck check = pm_phone_check (pm_bill_get_phone (row->bill), NULL);

          CHECK (row->errors->len == 0, "a valid row with errors");
          CHECK (row->key != NULL && strlen (row->key) == PM_CSV_ROW_KEY_LENGTH,
                 "a valid row without a key");
          CHECK (price >= PM_MONEY_MIN && price <= PM_MONEY_MAX,
                 "a valid row of %" G_GINT64_FORMAT " won", price);
          CHECK (check == PM_PHONE_VALID || check == PM_PHONE_LEGACY,
                 "a valid row with phone %s", pm_bill_get_phone (row->bill));
          bill_id = pm_csv_derive_bill_id ("fuzz", row->key);
          CHECK (bill_id != NULL && strlen (bill_id) == 20, "bill id");
          n_valid++;
          total += price;
        }
      else
        {
          CHECK (row->errors->len > 0, "an invalid row without errors");
          CHECK (row->key == NULL, "an invalid row with a key");
          for (guint j = 0; j < row->errors->len; j++)
            {
              PmCsvRowError *e = g_ptr_array_index (row->errors, j);

              CHECK (e->field >= PM_CSV_FIELD_NONE && e->field < PM_CSV_N_FIELDS,
                     "error field %d", e->field);
              CHECK (e->message != NULL && e->message[0] != '\0'
                     && g_utf8_validate (e->message, -1, NULL), "row error message");
            }
          n_invalid++;
        }
    }
  CHECK (n_valid == pm_csv_import_get_n_valid (import)
         && n_invalid == pm_csv_import_get_n_invalid (import), "valid/invalid counts");
  CHECK (total == pm_csv_import_get_total_won (import), "total won");

  report = pm_csv_format_report (import);
  CHECK (report != NULL && g_utf8_validate (report, -1, NULL), "report is not UTF-8");
}

/* ---------------------------------------------------------------- replies */

/* The result of a reader: @ok with no error, or a clean PM_ERROR. */
static void
check_reader (gboolean      ok,
              const GError *error,
              const char   *what)
{
  if (ok)
    CHECK (error == NULL, "%s succeeded with an error set", what);
  else
    check_clean_error (error, what);
}

static void
read_all (JsonNode *root,
          guint     mode)
{
  /* mode 9: every reader on the same reply */
  gboolean all = mode == 9;

  if (all || mode == 0)
    {
      g_autoptr(GError) error = NULL;
      gboolean ok = pm_api_check_result (root, &error);

      check_reader (ok, error, "pm_api_check_result");
    }
  if (all || mode == 1)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *version = pm_api_read_version (root, &error);

      check_reader (version != NULL, error, "pm_api_read_version");
      check_optional_text (version, "version");
      (void) pm_api_version_is_supported (version);
    }
  if (all || mode == 2)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GPtrArray) licenses = pm_api_read_licenses (root, &error);

      check_reader (licenses != NULL, error, "pm_api_read_licenses");
      for (guint i = 0; licenses != NULL && i < licenses->len; i++)
        {
          PmLicense *l = g_ptr_array_index (licenses, i);
          g_autoptr(PmLicense) copy = pm_license_copy (l);

          CHECK (g_strcmp0 (copy->member_id, l->member_id) == 0, "license copy");

          check_optional_text (l->business_number, "business number");
          check_optional_text (l->business_name, "business name");
          check_optional_text (l->member_id, "member id");
          check_optional_text (l->merchant_id, "merchant id");
          check_optional_text (l->status, "status");
        }
    }
  if (all || mode == 3)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *phone = pm_api_read_phone (root, &error);

      check_reader (phone != NULL, error, "pm_api_read_phone");
      check_optional_text (phone, "phone");
      CHECK (phone == NULL || phone[0] != '\0', "an empty phone");
    }
  if (all || mode == 4)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(PmSendResult) result = pm_api_read_send_result (root, &error);

      check_reader (result != NULL, error, "pm_api_read_send_result");
      if (result != NULL)
        {
          g_autoptr(PmSendResult) copy = pm_send_result_copy (result);

          CHECK (g_strcmp0 (copy->bill_id, result->bill_id) == 0, "send result copy");
          CHECK (result->code != NULL, "a send result without a code");
          check_optional_text (result->bill_id, "bill_id");
          check_optional_text (result->msg, "msg");
          check_optional_text (result->short_url, "short_url");
          CHECK (result->appr_state == NULL || result->appr_state[0] != '\0',
                 "an empty appr_state");
        }
    }
  if (all || mode == 5)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(PmBill) bill = pm_bill_new ();
      gboolean ok = pm_api_read_bill (root, bill, &error);

      check_reader (ok, error, "pm_api_read_bill");
      if (ok)
        {
          check_optional_text (pm_bill_get_bill_id (bill), "bill_id");
          check_optional_text (pm_bill_get_short_url (bill), "short_url");
          check_optional_text (pm_bill_get_appr_dt (bill), "appr_dt");
          check_optional_text (pm_bill_get_appr_issuer (bill), "appr_issuer");
        }
    }
  if (all || mode == 6)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GPtrArray) methods = pm_api_read_methods (root, &error);

      check_reader (methods != NULL, error, "pm_api_read_methods");
      for (guint i = 0; methods != NULL && i < methods->len; i++)
        {
          PmAutopayMethod *m = g_ptr_array_index (methods, i);
          g_autoptr(PmAutopayMethod) copy = pm_autopay_method_copy (m);

          CHECK (g_strcmp0 (copy->method_id, m->method_id) == 0, "method copy");
          check_optional_text (m->method_id, "method_id");
          check_optional_text (m->card_name, "card_name");
          check_optional_text (m->card_no, "card_no");
          check_optional_text (m->registered_at, "registered_at");
          check_optional_text (m->status, "status");
        }
    }
}

/* API.md §5: what a reply to a call that spends balance means. */
static void
classify_send (guint         status,
               guint8        endpoint_byte,
               guint8        bill_id_byte,
               const guint8 *data,
               gsize         size)
{
  static const PmApiEndpoint endpoints[] = {
    PM_API_REQUEST, PM_API_RESEND, PM_API_AUTOPAY_REQUEST,
  };
  static const char *const sent_ids[] = { NULL, "ABC123DEF456", "FUZZ0001", "" };
  g_autoptr(GBytes) body = g_bytes_new (data, size);
  g_autoptr(GError) error = NULL;
  g_autoptr(PmSendResult) result = NULL;
  PmApiEndpoint endpoint = endpoints[endpoint_byte % G_N_ELEMENTS (endpoints)];
  const char *sent = sent_ids[bill_id_byte % G_N_ELEMENTS (sent_ids)];
  PmApiSendOutcome outcome;

  outcome = pm_api_classify_send (endpoint, status, body, sent, &result, &error);
  CHECK ((guint) outcome <= PM_API_SEND_UNKNOWN, "outcome %d", outcome);
  CHECK (pm_api_send_outcome_to_string (outcome) != NULL, "no name for outcome %d", outcome);
  if (outcome == PM_API_SEND_CREATED)
    {
      CHECK (error == NULL && result != NULL, "created without a result");
      CHECK (status >= 200 && status < 300, "created by a %u reply", status);
      CHECK (g_strcmp0 (result->code, "0000") == 0, "created with code %s", result->code);
      CHECK (sent == NULL || sent[0] == '\0' || g_strcmp0 (result->bill_id, sent) == 0,
             "created bill %s, sent %s", result->bill_id, sent);
      check_optional_text (result->bill_id, "bill_id");
      check_optional_text (result->msg, "msg");
      check_optional_text (result->short_url, "short_url");
      check_optional_text (result->appr_state, "appr_state");
      return;
    }
  CHECK (result == NULL, "a result for outcome %s", pm_api_send_outcome_to_string (outcome));
  check_clean_error (error, "pm_api_classify_send");
  CHECK (pm_error_is_maybe_done (error) == (outcome == PM_API_SEND_UNKNOWN),
         "outcome %s with maybe-done %d", pm_api_send_outcome_to_string (outcome),
         pm_error_is_maybe_done (error));
  if (outcome == PM_API_SEND_FAILED)
    CHECK ((status >= 200 && status < 300) || status == 400 || status == 401 || status == 402
           || status == 403, "failed on a %u reply", status);
  if (outcome == PM_API_SEND_EXISTS)
    CHECK (pm_error_get_result_code (error) != NULL, "exists without a result code");
}

static void
check_link (gboolean      loopback_ok,
            const guint8 *data,
            gsize         size)
{
  g_autofree char *url = dup_text (data, size);

  if (pm_fuzz_known ("check-link-utf8") && !g_utf8_validate (url, -1, NULL))
    return;
  if (pm_api_check_link (url, loopback_ok))
    {
      CHECK (g_ascii_strncasecmp (url, "https://", 8) == 0
             || (loopback_ok && g_ascii_strncasecmp (url, "http://", 7) == 0),
             "link %s accepted", url);
      for (const char *p = url; *p; p++)
        CHECK ((guchar) *p > 0x20 && (guchar) *p < 0x7f, "link with byte 0x%02x accepted",
               (guchar) *p);
    }
}

void
pm_fuzz_reply (const guint8 *data,
               gsize         size)
{
  static const guint statuses[] = {
    0, 200, 204, 301, 400, 401, 402, 403, 404, 405, 408, 409, 413, 422, 429, 500, 502, 503,
    504, 599,
  };
  guint mode;

  if (size < 1)
    return;
  mode = (guint8) (data[0] - '0') % 12;
  data++, size--;

  if (mode == 10)
    {
      if (size >= 3)
        classify_send (statuses[data[0] % G_N_ELEMENTS (statuses)], data[1], data[2],
                       data + 3, size - 3);
      return;
    }
  if (mode == 11)
    {
      if (size >= 1)
        check_link (data[0] & 1, data + 1, size - 1);
      return;
    }

  if (mode == 7)
    {
      g_autoptr(GBytes) body = g_bytes_new (data, size);
      g_autofree char *text = pm_api_read_error_text (body);

      CHECK (text == NULL || (text[0] != '\0' && g_utf8_validate (text, -1, NULL)),
             "error text is empty or not UTF-8");
      return;
    }
  if (mode == 8)
    {
      g_autoptr(GBytes) body = NULL;
      g_autoptr(GError) error = NULL;
      const PmApiEndpointInfo *endpoint;
      guint status;

      if (size < 2)
        return;
      status = statuses[data[0] % G_N_ELEMENTS (statuses)];
      endpoint = pm_api_get_endpoint ((PmApiEndpoint) (data[1] % PM_API_N_ENDPOINTS));
      body = g_bytes_new (data + 2, size - 2);
      error = pm_api_error_for_status (endpoint, status, body);
      check_clean_error (error, "pm_api_error_for_status");
      CHECK (pm_error_get_http_status (error) == status, "status %u became %u", status,
             pm_error_get_http_status (error));
      check_optional_text (pm_error_get_field (error), "field");
      return;
    }

  {
    g_autoptr(GBytes) body = g_bytes_new (data, size);
    g_autoptr(GError) error = NULL;
    g_autoptr(JsonNode) root = pm_api_parse (body, &error);

    if (root == NULL)
      {
        check_clean_error (error, "pm_api_parse");
        CHECK (g_error_matches (error, PM_ERROR, PM_ERROR_PROTOCOL), "not PM_ERROR_PROTOCOL");
        return;
      }
    CHECK (error == NULL, "parsed with an error set");
    read_all (root, mode);
  }
}

/* ---------------------------------------------------------------- sandbox request bodies */

typedef struct
{
  const char *method;
  const char *path;
} FuzzRoute;

/* Every route that reads a JSON body, by the first input byte minus '0'. Left out:
 * sandbox/faults (a fault could hold requests for minutes) and sandbox/clock/advance
 * (its effect accumulates from input to input). */
static const FuzzRoute sandbox_routes[] = {
  { "POST", "/api/v1/paymint/format-phone-number" }, /* '0' */
  { "POST", "/api/v1/paymint/request" },             /* '1' */
  { "POST", "/api/v1/paymint/read" },                /* '2' */
  { "POST", "/api/v1/paymint/cancel" },              /* '3' */
  { "POST", "/api/v1/paymint/destroy" },             /* '4' */
  { "POST", "/api/v1/paymint/resend" },              /* '5' */
  { "POST", "/api/v1/paymint/autopay/register" },    /* '6' */
  { "POST", "/api/v1/paymint/autopay/manage" },      /* '7' */
  { "POST", "/api/v1/paymint/autopay/request" },     /* '8' */
  { "DELETE", "/api/v1/paymint/autopay/delete" },    /* '9' */
  { "POST", "/api/v1/sandbox/pay" },                 /* ':' */
  { "POST", "/api/v1/sandbox/autopay/open" },        /* ';' */
};

static PmSandbox *fuzz_sandbox;
static guint fuzz_port;
static int fuzz_fd = -1;

gboolean
pm_fuzz_sandbox_start (GError **error)
{
  /* One server thread: requests are sequential anyway, and the machine is shared. */
  g_setenv ("PM_SANDBOX_WORKERS", "1", FALSE);
  fuzz_sandbox = pm_sandbox_new ();
  pm_sandbox_set_seed (fuzz_sandbox, 42);
  pm_sandbox_set_payers (fuzz_sandbox, 0.0, 10, 20, 0.0);
  pm_sandbox_set_autopay_delay (fuzz_sandbox, 0);
  if (!pm_sandbox_start (fuzz_sandbox, "127.0.0.1", 0, error))
    {
      g_clear_object (&fuzz_sandbox);
      return FALSE;
    }
  fuzz_port = pm_sandbox_get_port (fuzz_sandbox);
  return TRUE;
}

void
pm_fuzz_sandbox_stop (void)
{
  if (fuzz_fd >= 0)
    close (fuzz_fd);
  fuzz_fd = -1;
  if (fuzz_sandbox != NULL)
    pm_sandbox_stop (fuzz_sandbox);
  g_clear_object (&fuzz_sandbox);
}

static int
connect_loopback (void)
{
  struct sockaddr_in addr = { 0 };
  struct timeval timeout = { 20, 0 };
  int one = 1;
  int fd = socket (AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

  CHECK (fd >= 0, "socket: %s", g_strerror (errno));
  addr.sin_family = AF_INET;
  addr.sin_port = g_htons ((guint16) fuzz_port);
  addr.sin_addr.s_addr = g_htonl (INADDR_LOOPBACK);
  CHECK (connect (fd, (struct sockaddr *) &addr, sizeof addr) == 0, "connect: %s",
         g_strerror (errno));
  setsockopt (fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  /* A reply that never comes is a hang in the server: fail rather than wait forever. */
  setsockopt (fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  return fd;
}

static gboolean
write_all (int         fd,
           const char *p,
           gsize       len)
{
  while (len > 0)
    {
      ssize_t n = send (fd, p, len, MSG_NOSIGNAL);

      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        return FALSE;
      p += n;
      len -= (gsize) n;
    }
  return TRUE;
}

/* One request and its reply on the kept-alive connection. FALSE when the connection
 * was closed before any byte of a reply (the caller reconnects and tries once more). */
static gboolean
exchange (const GString *request,
          guint         *status,
          GString       *reply_body,
          gboolean      *close_after)
{
  g_autoptr(GString) in = g_string_new (NULL);
  const char *head_end = NULL;
  gsize content_length = 0;
  char buf[16384];

  if (!write_all (fuzz_fd, request->str, request->len))
    return FALSE;

  while ((head_end = strstr (in->str, "\r\n\r\n")) == NULL)
    {
      ssize_t n = recv (fuzz_fd, buf, sizeof buf, 0);

      if (n < 0 && errno == EINTR)
        continue;
      CHECK (n >= 0 || errno != EAGAIN, "no reply from the sandbox in 20 s");
      if (n <= 0)
        {
          CHECK (in->len == 0, "the sandbox closed the connection in the middle of a reply");
          return FALSE;
        }
      g_string_append_len (in, buf, n);
    }

  {
    g_autofree char *head = g_ascii_strdown (in->str, head_end - in->str);
    const char *cl = strstr (head, "\r\ncontent-length:");

    CHECK (sscanf (head, "http/1.1 %u", status) == 1, "a reply without a status line");
    CHECK (cl != NULL, "a reply without Content-Length: %s", head);
    content_length = (gsize) g_ascii_strtoull (cl + strlen ("\r\ncontent-length:"), NULL, 10);
    *close_after = strstr (head, "\r\nconnection: close") != NULL;
  }

  g_string_append_len (reply_body, head_end + 4, in->len - (head_end + 4 - in->str));
  while (reply_body->len < content_length)
    {
      ssize_t n = recv (fuzz_fd, buf, MIN (sizeof buf, content_length - reply_body->len), 0);

      if (n < 0 && errno == EINTR)
        continue;
      CHECK (n > 0, "the reply body was cut short (%" G_GSIZE_FORMAT " of %" G_GSIZE_FORMAT ")",
             reply_body->len, content_length);
      g_string_append_len (reply_body, buf, n);
    }
  CHECK (reply_body->len == content_length, "more reply than Content-Length");
  return TRUE;
}

void
pm_fuzz_sandbox_body (const guint8 *data,
                      gsize         size)
{
  const FuzzRoute *route;
  g_autoptr(GString) request = NULL;
  g_autoptr(GString) body = g_string_new (NULL);
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  gboolean close_after = FALSE;
  guint status = 0;
  JsonNode *root;

  if (size < 1)
    return;
  CHECK (fuzz_sandbox != NULL, "pm_fuzz_sandbox_start was not called");
  route = &sandbox_routes[(guint8) (data[0] - '0') % G_N_ELEMENTS (sandbox_routes)];
  data++, size--;

  request = g_string_new (NULL);
  g_string_append_printf (request,
                          "%s %s HTTP/1.1\r\n"
                          "Host: 127.0.0.1:%u\r\n"
                          "X-API-KEY: " PM_SANDBOX_DEMO_KEY "\r\n"
                          "X-Paymint-MMK-Mode: true\r\n"
                          "Content-Type: application/json\r\n"
                          "Content-Length: %" G_GSIZE_FORMAT "\r\n"
                          "\r\n",
                          route->method, route->path, fuzz_port, size);
  g_string_append_len (request, (const char *) data, (gssize) size);

  for (int attempt = 0;; attempt++)
    {
      if (fuzz_fd < 0)
        fuzz_fd = connect_loopback ();
      if (exchange (request, &status, body, &close_after))
        break;
      close (fuzz_fd);
      fuzz_fd = -1;
      CHECK (attempt == 0, "the sandbox closed a fresh connection without a reply");
    }
  if (close_after)
    {
      close (fuzz_fd);
      fuzz_fd = -1;
    }

  if (g_getenv ("PM_FUZZ_VERBOSE") != NULL)
    g_printerr ("%s %s → %u %s\n", route->method, route->path, status, body->str);

  /* No faults are set: a 5xx is a bug, and every reply is a JSON object (UTF-8). */
  CHECK (status >= 200 && status < 500, "status %u for %s %s: %s", status, route->method,
         route->path, body->str);
  if (!g_utf8_validate_len (body->str, body->len, NULL))
    {
      g_autofree char *valid = g_utf8_make_valid (body->str, (gssize) body->len);

      CHECK (pm_fuzz_known ("sandbox-reply-utf8"), "a reply that is not UTF-8: %s", valid);
      g_string_assign (body, valid);
    }
  CHECK (json_parser_load_from_data (parser, body->str, (gssize) body->len, &error),
         "a reply that is not JSON (%s): %s", error ? error->message : "", body->str);
  root = json_parser_get_root (parser);
  CHECK (root != NULL && JSON_NODE_HOLDS_OBJECT (root), "a reply that is not an object: %s",
         body->str);
  if (status >= 400)
    {
      JsonNode *text = json_object_get_member (json_node_get_object (root), "error");

      CHECK (text != NULL && JSON_NODE_HOLDS_VALUE (text)
             && json_node_get_value_type (text) == G_TYPE_STRING
             && json_node_get_string (text)[0] != '\0',
             "a %u reply without an error text: %s", status, body->str);
    }
}
