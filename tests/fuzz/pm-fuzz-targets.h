/* pm-fuzz-targets.h — what one fuzz input does, shared by the libFuzzer harnesses and
 * tests/core/test-fuzz-regressions.c
 *
 * Copyright 2026 The Paymint Desk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Every target takes arbitrary bytes, feeds them to one entry point of the engine and
 * checks what a caller relies on (a result in range, or a PM_ERROR with a message). A
 * broken promise is a g_error(), so the fuzzer reports it like a crash.
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Once per fuzzer process: criticals and warnings fatal, and fatal messages raise
 * SIGABRT so that libFuzzer saves the input. (The regression test has G_DEBUG.) */
void     pm_fuzz_init          (void);

/* TRUE when @tag is in $PM_FUZZ_KNOWN: a known, reported bug (tests/fuzz/known-issues)
 * the targets then step around so that fuzzing goes on past it. */
gboolean pm_fuzz_known         (const char *tag);

/* pm_phone_check / pm_phone_normalize / pm_phone_format_display. Input: the text. */
void     pm_fuzz_phone         (const guint8 *data,
                                gsize         size);
/* pm_money_parse, and the formatters on a number taken from the input. Input: the text. */
void     pm_fuzz_money         (const guint8 *data,
                                gsize         size);
/* pm_csv_import_bytes. Input: one byte of options (XOR '0': '0' is "detect everything",
 * see pm-fuzz-targets.c), then the file's bytes. */
void     pm_fuzz_csv           (const guint8 *data,
                                gsize         size);
/* The reply readers of pm-api.h. Input: one byte choosing the reader, then the body:
 *   '0' pm_api_parse + pm_api_check_result   '5' read_bill
 *   '1' read_version (+ version_is_supported) '6' read_methods
 *   '2' read_licenses                        '7' read_error_text
 *   '3' read_phone                           '8' error_for_status (2 bytes: status, endpoint)
 *   '4' read_send_result                     '9' every reader of '0'-'6' on one reply
 *   ':' classify_send (3 bytes: status, endpoint, sent bill_id)
 *   ';' check_link (1 byte: loopback_ok, then the URL) */
void     pm_fuzz_reply         (const guint8 *data,
                                gsize         size);

/* The sandbox's request-body reader (parse_body in pm-sandbox-http.c is static, so this
 * goes through HTTP to an in-process sandbox on loopback). Input: one byte choosing the
 * route ('0' … '<', see pm-fuzz-targets.c), then the JSON body. start/stop once per
 * process. */
gboolean pm_fuzz_sandbox_start (GError      **error);
void     pm_fuzz_sandbox_body  (const guint8 *data,
                                gsize         size);
void     pm_fuzz_sandbox_stop  (void);

G_END_DECLS
