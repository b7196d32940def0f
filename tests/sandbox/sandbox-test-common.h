/* sandbox-test-common.h — raw HTTP helpers for the sandbox tests (no app client code)
 *
 * Copyright 2026 The Paymint Desk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

#include "pm-sandbox.h"

G_BEGIN_DECLS

typedef struct
{
  guint     status;   /* 0 when the transport failed */
  char     *body;     /* raw body, NUL-terminated */
  gsize     length;   /* of the body, in bytes */
  char     *content_type; /* of the reply, without parameters; NULL if none */
  gboolean  too_deep; /* nested over 1,000 levels: not parsed (root is NULL) */
  JsonNode *root;     /* NULL when the body is not JSON */
  GError   *error;    /* transport error */
} StReply;

void     st_reply_free (StReply *reply);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (StReply, st_reply_free)

typedef struct
{
  PmSandbox   *sandbox;
  SoupSession *session;
  char        *base;     /* http://127.0.0.1:PORT/api/v1 */
} StFixture;

/* A started sandbox: seed 42, payers off (pay_share 0, decline 0), autopay only on open. */
void        st_fixture_setup    (StFixture     *fixture,
                                 gconstpointer  data);
void        st_fixture_teardown (StFixture     *fixture,
                                 gconstpointer  data);

/* @headers: NULL-terminated name, value pairs (replace the defaults when @api_key is NULL
 * for an auth header; "X-API-KEY" etc. can be given there). @content_type NULL: JSON. */
StReply    *st_send      (StFixture          *fixture,
                          const char         *method,
                          const char         *path,
                          const char *const  *headers,
                          const char         *body,
                          const char         *content_type);
/* The same to a full URL. */
StReply    *st_send_url  (StFixture          *fixture,
                          const char         *method,
                          const char         *url,
                          const char *const  *headers,
                          const char         *body,
                          const char         *content_type);
/* GET @path at the host root (http://127.0.0.1:PORT@path), no headers. */
StReply    *st_get_root  (StFixture          *fixture,
                          const char         *path);
/* POST with X-API-KEY demo key and X-Paymint-MMK-Mode: true. */
StReply    *st_post      (StFixture          *fixture,
                          const char         *path,
                          const char         *body);
StReply    *st_post_key  (StFixture          *fixture,
                          const char         *api_key,
                          const char         *path,
                          const char         *body);
StReply    *st_get       (StFixture          *fixture,
                          const char         *path);

/* Members of the top-level object, or of "data" (st_data_*); NULL when absent. */
const char *st_str       (StReply            *reply,
                          const char         *name);
const char *st_data_str  (StReply            *reply,
                          const char         *name);
JsonObject *st_object    (StReply            *reply);
JsonObject *st_data      (StReply            *reply);
const char *st_error     (StReply            *reply);

/* Korea date @days after today on the sandbox clock, "YYYY-MM-DD" */
char       *st_date      (PmSandbox          *sandbox,
                          int                 days);
/* A valid request body; @bill_id may be NULL. */
char       *st_bill_body (PmSandbox          *sandbox,
                          const char         *bill_id,
                          gint64              price);
/* Sends st_bill_body() and asserts code 0000. */
void        st_create    (StFixture          *fixture,
                          const char         *bill_id,
                          gint64              price);
void        st_assert_error_mentions (StReply    *reply,
                                      guint       status,
                                      const char *text);

G_END_DECLS
