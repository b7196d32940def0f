/* test-engine.c — sender, poller and PmService against the in-process sandbox
 *
 * Copyright 2026 The Paymint Desk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gstdio.h>
#include <string.h>

#include "pm-error.h"
#include "pm-ledger.h"
#include "pm-ledger-private.h"
#include "pm-poller.h"
#include "pm-schedule.h"
#include "pm-sandbox.h"
#include "pm-sender.h"
#include "pm-service.h"
#include "pm-test-service.h"
#include "pm-test-util.h"

typedef struct
{
  PmSandbox *sandbox;
  PmService *service;
  PmProfile *profile;
  char      *dir;
  char      *ledger_path;
} Fixture;

static PmProfile *
sandbox_profile (PmSandbox  *sandbox,
                 const char *key)
{
  g_autofree char *url = pm_sandbox_dup_base_url (sandbox);
  PmProfile *profile = pm_profile_new ();

  pm_profile_set_name (profile, "Sandbox");
  pm_profile_set_base_url (profile, url);
  pm_profile_set_api_key (profile, key);
  pm_profile_set_mode (profile, PM_PROFILE_MODE_MMK);
  return profile;
}

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  f->sandbox = pm_sandbox_new ();
  pm_sandbox_set_seed (f->sandbox, 7);
  pm_sandbox_set_payers (f->sandbox, 0.0, 60, 120, 0.0); /* nobody pays by themselves */
  g_assert_true (pm_sandbox_start (f->sandbox, NULL, 0, &error));
  g_assert_no_error (error);

  f->dir = g_dir_make_tmp ("engine-XXXXXX", &error);
  g_assert_no_error (error);
  f->ledger_path = g_build_filename (f->dir, "ledger.db", NULL);
  f->service = pm_service_new (f->ledger_path, &error);
  g_assert_no_error (error);
  f->profile = sandbox_profile (f->sandbox, PM_SANDBOX_DEMO_KEY);
  pm_service_set_profile (f->service, f->profile);
  pm_service_set_timeout (f->service, 2);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(GPtrArray) files = pm_test_list_files (f->dir);

  g_assert_finalize_object (f->service);
  g_clear_object (&f->profile);
  pm_sandbox_stop (f->sandbox);
  g_clear_object (&f->sandbox);
  for (guint i = 0; i < files->len; i++)
    g_unlink (g_ptr_array_index (files, i));
  g_rmdir (f->dir);
  g_free (f->dir);
  g_free (f->ledger_path);
}

static PmBill *
draft (const char *name,
       gint64      price)
{
  PmBill *bill = pm_bill_new ();
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  g_autoptr(GDateTime) later = g_date_time_add_days (now, 7);
  g_autofree char *expire = g_date_time_format (later, "%Y-%m-%d");

  pm_bill_set_payer_name (bill, name);
  pm_bill_set_phone (bill, "01012345678");
  pm_bill_set_product (bill, "11월 수강료");
  pm_bill_set_message (bill, "수강료 결제 부탁드립니다 🙏");
  pm_bill_set_price (bill, price);
  pm_bill_set_expire_date (bill, expire);
  return bill;
}

typedef struct
{
  gboolean  done;
  PmBill   *bill;
  GError   *error;
} Wait;

static void
send_cb (GObject      *object,
         GAsyncResult *result,
         gpointer      user_data)
{
  Wait *w = user_data;

  w->bill = pm_service_send_finish (PM_SERVICE (object), result, &w->error);
  w->done = TRUE;
}

static void
action_cb (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  Wait *w = user_data;

  w->bill = pm_service_bill_action_finish (PM_SERVICE (object), result, &w->error);
  w->done = TRUE;
}

static PmBill *
send_and_wait (Fixture  *f,
               PmBill   *bill,
               GError  **error)
{
  return pm_test_send (f->service, bill, error);
}

static PmBill *
act_and_wait (Fixture      *f,
              const char   *bill_id,
              PmBillAction  action,
              GError      **error)
{
  return pm_test_act (f->service, bill_id, action, error);
}

static guint
ledger_count (Fixture *f)
{
  g_autoptr(PmLedgerQuery) query = pm_ledger_query_new ();
  g_autoptr(GError) error = NULL;
  guint n = 0;

  g_assert_true (pm_ledger_count (pm_service_get_ledger (f->service), query, &n, &error));
  g_assert_no_error (error);
  return n;
}

static void
start_cb (GObject      *object,
          GAsyncResult *result,
          gpointer      user_data)
{
  Wait *w = user_data;
  guint n = 0;

  if (pm_service_start_finish (PM_SERVICE (object), result, &n, &w->error))
    w->bill = GUINT_TO_POINTER (n + 1);
  w->done = TRUE;
}

/* Runs the start-up reconciliation; returns how many intents stay unsettled. */
static guint
start_and_wait (Fixture *f)
{
  Wait w = { 0 };

  pm_service_start_async (f->service, NULL, start_cb, &w);
  g_assert_true (pm_test_wait_flag (&w.done, 30000));
  g_assert_no_error (w.error);
  g_assert_nonnull (w.bill);
  return GPOINTER_TO_UINT (w.bill) - 1;
}

static void
test_send_creates_one_bill (Fixture       *f,
                            gconstpointer  data)
{
  g_autoptr(PmBill) d = draft ("김민지", 120000);
  g_autoptr(PmBill) bill = NULL;
  g_autoptr(PmBill) stored = NULL;
  g_autoptr(GPtrArray) events = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *server_state = NULL;

  bill = send_and_wait (f, d, &error);
  g_assert_no_error (error);
  g_assert_nonnull (bill);
  g_assert_cmpint (pm_bill_get_state (bill), ==, PM_BILL_STATE_UNPAID);
  g_assert_cmpuint (strlen (pm_bill_get_bill_id (bill)), ==, 20);
  g_assert_true (g_str_has_prefix (pm_bill_get_short_url (bill), "http"));
  g_assert_cmpstr (pm_bill_get_profile_id (bill), ==, pm_profile_get_uuid (f->profile));
  g_assert_cmpint (pm_bill_get_next_check_at (bill), >, 0);

  /* exactly one bill, on both sides, in the same state */
  g_assert_cmpuint (pm_sandbox_count_bills (f->sandbox), ==, 1);
  g_assert_cmpuint (ledger_count (f), ==, 1);
  server_state = pm_sandbox_dup_bill_state (f->sandbox, pm_bill_get_bill_id (bill));
  g_assert_cmpstr (server_state, ==, "W");
  stored = pm_service_lookup (f->service, pm_bill_get_bill_id (bill), &error);
  g_assert_no_error (error);
  g_assert_cmpint (pm_bill_get_state (stored), ==, PM_BILL_STATE_UNPAID);
  g_assert_cmpint (pm_bill_get_price (stored), ==, 120000);

  /* the timeline shows the intent, the send and the answer in order */
  events = pm_service_list_events (f->service, pm_bill_get_bill_id (bill), &error);
  g_assert_no_error (error);
  g_assert_cmpuint (events->len, >=, 3);
  g_assert_cmpint (((PmLedgerEvent *) events->pdata[0])->to_state, ==, PM_BILL_STATE_QUEUED);
  g_assert_cmpint (((PmLedgerEvent *) events->pdata[events->len - 1])->to_state, ==,
                   PM_BILL_STATE_UNPAID);
}

static void
test_send_invalid_writes_nothing (Fixture       *f,
                                  gconstpointer  data)
{
  g_autoptr(PmBill) d = draft ("김민지", 0);
  g_autoptr(PmBill) bill = NULL;
  g_autoptr(GError) error = NULL;

  bill = send_and_wait (f, d, &error);
  g_assert_null (bill);
  g_assert_error (error, PM_ERROR, PM_ERROR_INVALID);
  g_assert_cmpstr (pm_error_get_field (error), ==, "price");
  g_assert_cmpuint (ledger_count (f), ==, 0);
  g_assert_cmpuint (pm_sandbox_count_bills (f->sandbox), ==, 0);
}

static void
test_send_balance_fails_definitely (Fixture       *f,
                                    gconstpointer  data)
{
  g_autoptr(PmBill) d = draft ("이서준", 50000);
  g_autoptr(PmBill) bill = NULL;
  g_autoptr(PmBill) stored = NULL;
  g_autoptr(PmLedgerQuery) query = pm_ledger_query_new ();
  g_autoptr(GPtrArray) rows = NULL;
  g_autoptr(GError) error = NULL;

  pm_sandbox_set_balance (f->sandbox, PM_SANDBOX_DEMO_KEY, 0);
  bill = send_and_wait (f, d, &error);
  g_assert_null (bill);
  g_assert_error (error, PM_ERROR, PM_ERROR_INSUFFICIENT_BALANCE);
  g_assert_false (pm_error_is_maybe_done (error));
  g_assert_cmpuint (pm_sandbox_count_bills (f->sandbox), ==, 0);

  /* the intent stays in the ledger as failed, with the server's reason */
  g_clear_error (&error);
  rows = pm_ledger_fetch (pm_service_get_ledger (f->service), query, 0, 10, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (rows->len, ==, 1);
  stored = g_object_ref (g_ptr_array_index (rows, 0));
  g_assert_cmpint (pm_bill_get_state (stored), ==, PM_BILL_STATE_FAILED);
  g_assert_nonnull (pm_bill_get_error_text (stored));
  g_assert_cmpint (pm_bill_get_next_check_at (stored), ==, 0);
}

static void
test_send_reset_after_apply (Fixture       *f,
                             gconstpointer  data)
{
  g_autoptr(PmBill) d = draft ("박지호", 33000);
  g_autoptr(PmBill) bill = NULL;
  g_autoptr(GError) error = NULL;

  /* the server creates the bill, then the reply is lost */
  pm_sandbox_set_fault (f->sandbox, "request", PM_SANDBOX_FAULT_RESET_AFTER, 1.0);
  bill = send_and_wait (f, d, &error);
  g_assert_no_error (error);
  g_assert_cmpint (pm_bill_get_state (bill), ==, PM_BILL_STATE_UNPAID);
  g_assert_cmpuint (pm_sandbox_count_bills (f->sandbox), ==, 1);
  g_assert_cmpuint (ledger_count (f), ==, 1);
}

static void
test_send_garbled_reply (Fixture       *f,
                         gconstpointer  data)
{
  g_autoptr(PmBill) d = draft ("최유나", 77000);
  g_autoptr(PmBill) bill = NULL;
  g_autoptr(GError) error = NULL;

  pm_sandbox_set_fault (f->sandbox, "request", PM_SANDBOX_FAULT_TRUNCATED_JSON, 1.0);
  bill = send_and_wait (f, d, &error);
  g_assert_no_error (error);
  g_assert_cmpint (pm_bill_get_state (bill), ==, PM_BILL_STATE_UNPAID);
  g_assert_cmpuint (pm_sandbox_count_bills (f->sandbox), ==, 1);
}

static void
test_send_unknown_then_reconciled (Fixture       *f,
                                   gconstpointer  data)
{
  g_autoptr(PmBill) d = draft ("정하은", 45000);
  g_autoptr(PmBill) bill = NULL;
  g_autoptr(PmBill) settled = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *bill_id = NULL;
  char *state = NULL;

  /* every request is cut before the server applies it, and reads time out: the
   * outcome cannot be learnt now */
  pm_sandbox_set_fault (f->sandbox, "request", PM_SANDBOX_FAULT_RESET_BEFORE, 1.0);
  pm_sandbox_set_fault (f->sandbox, "read", PM_SANDBOX_FAULT_HTTP_503, 1.0);
  bill = send_and_wait (f, d, &error);
  g_assert_null (bill);
  g_assert_nonnull (error);
  g_assert_true (pm_error_is_maybe_done (error));
  g_assert_cmpuint (pm_sandbox_count_bills (f->sandbox), ==, 0);
  g_clear_error (&error);

  /* the intent is kept as unknown, never dropped */
  {
    g_autoptr(PmLedgerQuery) query = pm_ledger_query_new ();
    g_autoptr(GPtrArray) rows = NULL;
    g_autoptr(GError) fetch_error = NULL;

    rows = pm_ledger_fetch (pm_service_get_ledger (f->service), query, 0, 10, &fetch_error);
    g_assert_no_error (fetch_error);
    g_assert_cmpuint (rows->len, ==, 1);
    g_assert_cmpint (pm_bill_get_state (g_ptr_array_index (rows, 0)), ==, PM_BILL_STATE_UNKNOWN);
    bill_id = g_strdup (pm_bill_get_bill_id (g_ptr_array_index (rows, 0)));
  }

  /* the network heals; the next start reconciles: read (not found) then send again
   * with the same bill_id — one bill */
  pm_sandbox_clear_faults (f->sandbox);
  g_assert_cmpuint (start_and_wait (f), ==, 0);
  settled = pm_service_lookup (f->service, bill_id, &error);
  g_assert_no_error (error);
  g_assert_cmpint (pm_bill_get_state (settled), ==, PM_BILL_STATE_UNPAID);
  g_assert_cmpuint (pm_sandbox_count_bills (f->sandbox), ==, 1);
  g_free (state);
  state = pm_sandbox_dup_bill_state (f->sandbox, bill_id);
  g_assert_cmpstr (state, ==, "W");
}

static void
test_send_existing_bill_id (Fixture       *f,
                            gconstpointer  data)
{
  g_autoptr(PmBill) first = draft ("한도윤", 10000);
  g_autoptr(PmBill) again = NULL;
  g_autoptr(PmBill) bill = NULL;
  g_autoptr(PmBill) sent = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(PmService) other = NULL;
  g_autofree char *other_path = g_build_filename (f->dir, "other.db", NULL);

  /* the bill exists on the server already (sent by another desk with this id) … */
  other = pm_service_new (other_path, &error);
  g_assert_no_error (error);
  pm_service_set_profile (other, f->profile);
  {
    Wait w = { 0 };

    pm_service_send_async (other, first, NULL, send_cb, &w);
    g_assert_true (pm_test_wait_flag (&w.done, 30000));
    g_assert_no_error (w.error);
    sent = w.bill;
  }
  g_assert_cmpuint (pm_sandbox_count_bills (f->sandbox), ==, 1);

  /* … so a send with the same bill_id gets 9800 and adopts it, creating nothing */
  again = draft ("한도윤", 10000);
  pm_bill_set_bill_id (again, pm_bill_get_bill_id (sent));
  bill = send_and_wait (f, again, &error);
  g_assert_no_error (error);
  g_assert_cmpint (pm_bill_get_state (bill), ==, PM_BILL_STATE_UNPAID);
  g_assert_cmpstr (pm_bill_get_bill_id (bill), ==, pm_bill_get_bill_id (sent));
  g_assert_cmpuint (pm_sandbox_count_bills (f->sandbox), ==, 1);
}

static void
test_reconcile_queued_intent (Fixture       *f,
                              gconstpointer  data)
{
  g_autoptr(PmBill) intent = draft ("오지안", 25000);
  g_autoptr(PmBill) bill = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *bill_id = pm_bill_generate_id ();

  /* a process wrote the intent and died before sending */
  pm_bill_set_bill_id (intent, bill_id);
  pm_bill_set_profile_id (intent, pm_profile_get_uuid (f->profile));
  g_assert_true (pm_ledger_insert_intent (pm_service_get_ledger (f->service), intent, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (pm_sandbox_count_bills (f->sandbox), ==, 0);

  g_assert_cmpuint (start_and_wait (f), ==, 0);
  bill = pm_service_lookup (f->service, bill_id, &error);
  g_assert_cmpint (pm_bill_get_state (bill), ==, PM_BILL_STATE_UNPAID);
  g_assert_cmpuint (pm_sandbox_count_bills (f->sandbox), ==, 1);

  /* starting again changes nothing and sends nothing */
  g_assert_cmpuint (start_and_wait (f), ==, 0);
  g_assert_cmpuint (pm_sandbox_count_bills (f->sandbox), ==, 1);
}

/* API.md §5: an intent a read proves was never created is sent again by itself only
 * within 15 minutes of the user's asking; an older one is "not sent" and waits. */
static void
test_reconcile_old_intent_not_sent (Fixture       *f,
                                    gconstpointer  data)
{
  g_autoptr(PmBill) intent = draft ("오래된", 33000);
  g_autoptr(PmBill) bill = NULL;
  g_autoptr(PmBill) again = NULL;
  g_autoptr(GPtrArray) events = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *bill_id = pm_bill_generate_id ();
  gint64 made = g_get_real_time () / G_USEC_PER_SEC - PM_SENDER_AUTO_SEND_WINDOW - 60;
  gboolean asked = FALSE;

  /* a process wrote the intent 16 minutes ago, its outcome unknown, and died */
  pm_bill_set_bill_id (intent, bill_id);
  pm_bill_set_profile_id (intent, pm_profile_get_uuid (f->profile));
  pm_bill_set_created_at (intent, made);
  g_assert_true (pm_ledger_insert_intent (pm_service_get_ledger (f->service), intent, &error));
  g_assert_no_error (error);
  g_assert_true (pm_ledger_set_state (pm_service_get_ledger (f->service), bill_id,
                                      PM_BILL_STATE_UNKNOWN, NULL, made + 5, &error));

  /* reconciling reads it (9980) and does not send it: nothing charged, waits for the user */
  g_assert_cmpuint (start_and_wait (f), ==, 0);
  bill = pm_service_lookup (f->service, bill_id, &error);
  g_assert_cmpint (pm_bill_get_state (bill), ==, PM_BILL_STATE_NOT_SENT);
  g_assert_cmpint (pm_bill_get_next_check_at (bill), ==, 0);
  g_assert_nonnull (strstr (pm_bill_get_error_text (bill), "Nothing was charged"));
  g_assert_cmpuint (pm_sandbox_count_bills (f->sandbox), ==, 0);
  g_assert_true (pm_bill_action_allowed (bill, PM_BILL_ACTION_SEND_AGAIN, made));
  g_assert_false (pm_bill_action_allowed (bill, PM_BILL_ACTION_RESEND, made));

  /* a refresh of everything later still sends nothing */
  g_assert_cmpuint (start_and_wait (f), ==, 0);
  g_assert_cmpuint (pm_sandbox_count_bills (f->sandbox), ==, 0);

  /* Send Again: the user's word; same bill_id, one bill */
  again = act_and_wait (f, bill_id, PM_BILL_ACTION_SEND_AGAIN, &error);
  g_assert_no_error (error);
  g_assert_cmpint (pm_bill_get_state (again), ==, PM_BILL_STATE_UNPAID);
  g_assert_cmpstr (pm_bill_get_bill_id (again), ==, bill_id);
  g_assert_cmpuint (pm_sandbox_count_bills (f->sandbox), ==, 1);
  events = pm_service_list_events (f->service, bill_id, &error);
  for (guint i = 0; i < events->len; i++)
    asked = asked || g_strcmp0 (((PmLedgerEvent *) events->pdata[i])->kind,
                                PM_LEDGER_EVENT_SEND_AGAIN) == 0;
  g_assert_true (asked);

  /* and Send Again is refused for a bill that is not "not sent" */
  g_clear_object (&again);
  again = act_and_wait (f, bill_id, PM_BILL_ACTION_SEND_AGAIN, &error);
  g_assert_null (again);
  g_assert_error (error, PM_ERROR, PM_ERROR_INVALID);
  g_assert_cmpuint (pm_sandbox_count_bills (f->sandbox), ==, 1);
}

/* A recent unknown intent the server does not have is sent by itself. */
static void
test_reconcile_recent_unknown_sent (Fixture       *f,
                                    gconstpointer  data)
{
  g_autoptr(PmBill) intent = draft ("최근", 34000);
  g_autoptr(PmBill) bill = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *bill_id = pm_bill_generate_id ();
  gint64 made = g_get_real_time () / G_USEC_PER_SEC - PM_SENDER_AUTO_SEND_WINDOW + 120;

  pm_bill_set_bill_id (intent, bill_id);
  pm_bill_set_profile_id (intent, pm_profile_get_uuid (f->profile));
  pm_bill_set_created_at (intent, made);
  g_assert_true (pm_ledger_insert_intent (pm_service_get_ledger (f->service), intent, &error));
  g_assert_true (pm_ledger_set_state (pm_service_get_ledger (f->service), bill_id,
                                      PM_BILL_STATE_UNKNOWN, NULL, made + 5, &error));
  g_assert_cmpuint (start_and_wait (f), ==, 0);
  bill = pm_service_lookup (f->service, bill_id, &error);
  g_assert_cmpint (pm_bill_get_state (bill), ==, PM_BILL_STATE_UNPAID);
  g_assert_cmpuint (pm_sandbox_count_bills (f->sandbox), ==, 1);
}

/* Answers that do not say clearly: the bill was created, so it must end unpaid — never
 * failed — after the read, with one bill on the server. */
static void
test_send_ambiguous_answers (Fixture       *f,
                             gconstpointer  data)
{
  static const PmSandboxFault faults[] = {
    PM_SANDBOX_FAULT_CODE_9999_AFTER_CREATE,
    PM_SANDBOX_FAULT_SUCCESS_CONTRADICTION,
    PM_SANDBOX_FAULT_OTHER_BILL_ID,
    PM_SANDBOX_FAULT_HTML_200,
    PM_SANDBOX_FAULT_DEEP_NESTING,
    PM_SANDBOX_FAULT_OVERSIZED,
  };

  for (guint i = 0; i < G_N_ELEMENTS (faults); i++)
    {
      g_autoptr(PmBill) d = draft ("모호한", 1000 + i);
      g_autoptr(PmBill) bill = NULL;
      g_autoptr(PmBill) stored = NULL;
      g_autoptr(GError) error = NULL;
      guint before = pm_sandbox_count_bills (f->sandbox);

      g_test_message ("fault %s", pm_sandbox_fault_to_string (faults[i]));
      pm_sandbox_set_fault (f->sandbox, "request", faults[i], 1.0);
      bill = send_and_wait (f, d, &error);
      pm_sandbox_clear_faults (f->sandbox);
      g_assert_no_error (error);
      g_assert_nonnull (bill);
      g_assert_cmpint (pm_bill_get_state (bill), ==, PM_BILL_STATE_UNPAID);
      stored = pm_service_lookup (f->service, pm_bill_get_bill_id (bill), &error);
      g_assert_cmpint (pm_bill_get_state (stored), ==, PM_BILL_STATE_UNPAID);
      g_assert_cmpuint (pm_sandbox_count_bills (f->sandbox), ==, before + 1);
    }
}

/* A javascript: link is never kept; the timeline says why. Control text is cleaned. */
static void
test_send_hostile_text (Fixture       *f,
                        gconstpointer  data)
{
  g_autoptr(PmBill) d = draft ("링크", 5000);
  g_autoptr(PmBill) bill = NULL;
  g_autoptr(PmBill) stored = NULL;
  g_autoptr(GPtrArray) events = NULL;
  g_autoptr(GError) error = NULL;
  gboolean noted = FALSE;
  const char *link;

  pm_sandbox_set_fault (f->sandbox, "request", PM_SANDBOX_FAULT_JAVASCRIPT_LINK, 1.0);
  bill = send_and_wait (f, d, &error);
  pm_sandbox_clear_faults (f->sandbox);
  g_assert_no_error (error);
  g_assert_cmpint (pm_bill_get_state (bill), ==, PM_BILL_STATE_UNPAID);
  stored = pm_service_lookup (f->service, pm_bill_get_bill_id (bill), &error);
  link = pm_bill_get_short_url (stored);
  g_assert_true (link == NULL || link[0] == '\0' || g_str_has_prefix (link, "http"));
  g_assert_false (pm_bill_action_allowed (stored, PM_BILL_ACTION_COPY_LINK, 0)
                  && strstr (link, "javascript") != NULL);
  events = pm_service_list_events (f->service, pm_bill_get_bill_id (bill), &error);
  for (guint i = 0; i < events->len; i++)
    {
      PmLedgerEvent *event = events->pdata[i];

      noted = noted || (g_strcmp0 (event->kind, PM_LEDGER_EVENT_NOTE) == 0
                        && strstr (event->detail, "secure") != NULL);
    }
  g_assert_true (noted);
}

/* A void that did not happen is in the bill's timeline, not only in a toast. */
static void
test_failed_action_in_timeline (Fixture       *f,
                                gconstpointer  data)
{
  g_autoptr(PmBill) d = draft ("실패기록", 7000);
  g_autoptr(PmBill) bill = NULL;
  g_autoptr(PmBill) after = NULL;
  g_autoptr(GPtrArray) events = NULL;
  g_autoptr(GError) error = NULL;
  gboolean noted = FALSE;

  bill = send_and_wait (f, d, &error);
  g_assert_no_error (error);
  pm_sandbox_set_fault (f->sandbox, "destroy", PM_SANDBOX_FAULT_HTTP_503, 1.0);
  after = act_and_wait (f, pm_bill_get_bill_id (bill), PM_BILL_ACTION_DESTROY, &error);
  pm_sandbox_clear_faults (f->sandbox);
  g_assert_null (after);
  g_assert_nonnull (error);
  events = pm_service_list_events (f->service, pm_bill_get_bill_id (bill), NULL);
  for (guint i = 0; i < events->len; i++)
    {
      PmLedgerEvent *event = events->pdata[i];

      noted = noted || (g_strcmp0 (event->kind, PM_LEDGER_EVENT_NOTE) == 0
                        && g_str_has_prefix (event->detail, "Void failed: "));
    }
  g_assert_true (noted);
}

static void
test_reconcile_refused_is_settled (Fixture       *f,
                                   gconstpointer  data)
{
  g_autoptr(PmBill) intent = draft ("남궁민", 25000);
  g_autoptr(PmBill) bill = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *bill_id = pm_bill_generate_id ();

  /* an intent left queued; when it is finally sent, the server refuses it (no balance):
   * that is a definite end, not an unknown one */
  pm_bill_set_bill_id (intent, bill_id);
  pm_bill_set_profile_id (intent, pm_profile_get_uuid (f->profile));
  g_assert_true (pm_ledger_insert_intent (pm_service_get_ledger (f->service), intent, &error));
  pm_sandbox_set_balance (f->sandbox, PM_SANDBOX_DEMO_KEY, 0);

  g_assert_cmpuint (start_and_wait (f), ==, 0);
  bill = pm_service_lookup (f->service, bill_id, &error);
  g_assert_cmpint (pm_bill_get_state (bill), ==, PM_BILL_STATE_FAILED);
  g_assert_cmpuint (pm_sandbox_count_bills (f->sandbox), ==, 0);
}

static void
test_group_commit (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(GPtrArray) drafts = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GPtrArray) intents = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(PmLedger) other = NULL;
  PmBill *bad;
  guint sent = 0;

  for (int i = 0; i < 5; i++)
    g_ptr_array_add (drafts, draft ("묶음", 1000 + i));

  /* all or none: one bad draft, nothing is written */
  bad = draft ("", 1000);
  g_ptr_array_add (drafts, bad);
  intents = pm_service_write_intents (f->service, drafts, &error);
  g_assert_null (intents);
  g_assert_error (error, PM_ERROR, PM_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_cmpuint (ledger_count (f), ==, 0);
  g_ptr_array_remove (drafts, bad);

  /* five intents in one durable transaction, visible to another connection at once,
   * and nothing sent yet */
  intents = pm_service_write_intents (f->service, drafts, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (intents->len, ==, 5);
  other = pm_ledger_new (f->ledger_path, &error);
  g_assert_no_error (error);
  {
    g_autoptr(GPtrArray) unsettled = pm_ledger_list_unsettled (other, NULL, &error);

    g_assert_cmpuint (unsettled->len, ==, 5);
  }
  g_assert_cmpuint (pm_sandbox_count_bills (f->sandbox), ==, 0);

  /* then each is sent: one bill each */
  for (guint i = 0; i < intents->len; i++)
    {
      Wait w = { 0 };

      pm_service_send_intent_async (f->service, g_ptr_array_index (intents, i), NULL, send_cb, &w);
      g_assert_true (pm_test_wait_flag (&w.done, 10000));
      g_assert_no_error (w.error);
      g_assert_cmpint (pm_bill_get_state (w.bill), ==, PM_BILL_STATE_UNPAID);
      g_clear_object (&w.bill);
      sent++;
    }
  g_assert_cmpuint (pm_sandbox_count_bills (f->sandbox), ==, sent);
}

static void
transition_cb (PmService *service,
               PmBill    *bill,
               int        from,
               int        to,
               int       *seen)
{
  seen[0]++;
  seen[1] = from;
  seen[2] = to;
}

static void
test_refresh_sees_payment (Fixture       *f,
                           gconstpointer  data)
{
  g_autoptr(PmBill) d = draft ("강서연", 88000);
  g_autoptr(PmBill) bill = NULL;
  g_autoptr(PmBill) refreshed = NULL;
  g_autoptr(GError) error = NULL;
  int seen[3] = { 0, -1, -1 };

  bill = send_and_wait (f, d, &error);
  g_assert_no_error (error);
  g_signal_connect (f->service, "bill-transition", G_CALLBACK (transition_cb), seen);

  g_assert_true (pm_sandbox_pay_bill (f->sandbox, pm_bill_get_bill_id (bill)));
  refreshed = act_and_wait (f, pm_bill_get_bill_id (bill), PM_BILL_ACTION_REFRESH, &error);
  g_assert_no_error (error);
  g_assert_cmpint (pm_bill_get_state (refreshed), ==, PM_BILL_STATE_PAID);
  g_assert_cmpint (pm_bill_get_appr_price (refreshed), ==, 88000);
  g_assert_cmpuint (strlen (pm_bill_get_appr_dt (refreshed)), ==, 14);
  g_assert_nonnull (pm_bill_get_appr_num (refreshed));
  g_assert_cmpint (seen[0], ==, 1);
  g_assert_cmpint (seen[1], ==, PM_BILL_STATE_UNPAID);
  g_assert_cmpint (seen[2], ==, PM_BILL_STATE_PAID);
}

/* A bill made due by another process (another connection to the ledger) is checked
 * soon, not at the poller's next idle wake-up a minute later. */
static void
test_poller_outside_change (Fixture       *f,
                            gconstpointer  data)
{
  g_autoptr(PmBill) d = draft ("바깥변경", 16000);
  g_autoptr(PmBill) bill = NULL;
  g_autoptr(PmBill) stored = NULL;
  g_autoptr(PmLedger) other = NULL;
  g_autoptr(GError) error = NULL;
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;
  gint64 end;

  bill = send_and_wait (f, d, &error);
  g_assert_no_error (error);
  pm_service_set_polling (f->service, TRUE, 4);
  /* let the poller settle into waiting for the bill's next check (15 s or more away) */
  end = g_get_monotonic_time () + G_USEC_PER_SEC;
  while (g_get_monotonic_time () < end)
    if (!g_main_context_iteration (NULL, FALSE))
      g_usleep (1000);

  /* another process makes it due now, through its own connection */
  other = pm_ledger_new (pm_ledger_get_path (pm_service_get_ledger (f->service)), &error);
  g_assert_no_error (error);
  g_assert_true (pm_ledger_set_check_times (other, pm_bill_get_bill_id (bill), now - 20,
                                            now - 1, &error));
  g_assert_no_error (error);

  end = g_get_monotonic_time () + 8 * G_USEC_PER_SEC;
  do
    {
      g_clear_object (&stored);
      if (!g_main_context_iteration (NULL, FALSE))
        g_usleep (1000);
      stored = pm_service_lookup (f->service, pm_bill_get_bill_id (bill), NULL);
    }
  while (pm_bill_get_last_checked_at (stored) < now && g_get_monotonic_time () < end);
  /* checked again (after its last check was set to 20 s ago), well before a minute */
  g_assert_cmpint (pm_bill_get_last_checked_at (stored), >=, now);
}

static void
test_poller_automatic (Fixture       *f,
                       gconstpointer  data)
{
  g_autoptr(PmBill) d = draft ("윤태오", 15000);
  g_autoptr(PmBill) bill = NULL;
  g_autoptr(PmBill) stored = NULL;
  g_autoptr(GError) error = NULL;
  int seen[3] = { 0, -1, -1 };
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;

  bill = send_and_wait (f, d, &error);
  g_assert_no_error (error);
  g_signal_connect (f->service, "bill-transition", G_CALLBACK (transition_cb), seen);
  pm_service_set_polling (f->service, TRUE, 4);

  /* the payer pays; the bill is due now: nobody asks, the poller notices */
  g_assert_true (pm_sandbox_pay_bill (f->sandbox, pm_bill_get_bill_id (bill)));
  g_assert_true (pm_ledger_set_check_times (pm_service_get_ledger (f->service),
                                            pm_bill_get_bill_id (bill), now - 20, now - 1,
                                            &error));
  /* (no kick: the poller notices the ledger change by itself) */
  {
    gint64 end = g_get_monotonic_time () + 20 * G_USEC_PER_SEC;

    while (seen[0] == 0 && g_get_monotonic_time () < end)
      if (!g_main_context_iteration (NULL, FALSE))
        g_usleep (1000);
  }
  g_assert_cmpint (seen[0], ==, 1);
  g_assert_cmpint (seen[2], ==, PM_BILL_STATE_PAID);
  stored = pm_service_lookup (f->service, pm_bill_get_bill_id (bill), &error);
  g_assert_cmpint (pm_bill_get_state (stored), ==, PM_BILL_STATE_PAID);
  g_assert_cmpint (pm_bill_get_last_checked_at (stored), >=, now);
  /* paid bills are looked at again a day later (refunds made elsewhere) */
  g_assert_cmpint (pm_bill_get_next_check_at (stored), >=, now + 86400 - 5);
}

static void
test_actions (Fixture       *f,
              gconstpointer  data)
{
  g_autoptr(PmBill) a = NULL;
  g_autoptr(PmBill) b = NULL;
  g_autoptr(PmBill) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *state = NULL;
  g_autoptr(PmBill) da = draft ("임채원", 30000);
  g_autoptr(PmBill) db = draft ("송민재", 40000);
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;

  a = send_and_wait (f, da, &error);
  g_assert_no_error (error);
  b = send_and_wait (f, db, &error);
  g_assert_no_error (error);

  /* offered only where valid */
  g_assert_true (pm_bill_action_allowed (a, PM_BILL_ACTION_DESTROY, now));
  g_assert_true (pm_bill_action_allowed (a, PM_BILL_ACTION_RESEND, now));
  g_assert_false (pm_bill_action_allowed (a, PM_BILL_ACTION_CANCEL, now));
  g_assert_true (pm_bill_action_allowed (a, PM_BILL_ACTION_COPY_LINK, now));

  /* refund of an unpaid bill: refused locally, nothing sent */
  result = act_and_wait (f, pm_bill_get_bill_id (a), PM_BILL_ACTION_CANCEL, &error);
  g_assert_null (result);
  g_assert_error (error, PM_ERROR, PM_ERROR_INVALID);
  g_clear_error (&error);

  /* resend keeps it unpaid and records it */
  result = act_and_wait (f, pm_bill_get_bill_id (a), PM_BILL_ACTION_RESEND, &error);
  g_assert_no_error (error);
  g_assert_cmpint (pm_bill_get_state (result), ==, PM_BILL_STATE_UNPAID);
  g_clear_object (&result);

  /* void: W → D on both sides */
  result = act_and_wait (f, pm_bill_get_bill_id (a), PM_BILL_ACTION_DESTROY, &error);
  g_assert_no_error (error);
  g_assert_cmpint (pm_bill_get_state (result), ==, PM_BILL_STATE_DESTROYED);
  state = pm_sandbox_dup_bill_state (f->sandbox, pm_bill_get_bill_id (a));
  g_assert_cmpstr (state, ==, "D");
  g_clear_pointer (&state, g_free);
  g_clear_object (&result);

  /* B is paid on the server but the desk has not seen it: voiding it is refused by
   * the server (9971) and the desk learns the truth */
  g_assert_true (pm_sandbox_pay_bill (f->sandbox, pm_bill_get_bill_id (b)));
  result = act_and_wait (f, pm_bill_get_bill_id (b), PM_BILL_ACTION_DESTROY, &error);
  g_assert_null (result);
  g_assert_error (error, PM_ERROR, PM_ERROR_ALREADY_PAID);
  g_clear_error (&error);
  result = pm_service_lookup (f->service, pm_bill_get_bill_id (b), &error);
  g_assert_cmpint (pm_bill_get_state (result), ==, PM_BILL_STATE_PAID);
  g_clear_object (&result);

  /* refund: F → C */
  result = act_and_wait (f, pm_bill_get_bill_id (b), PM_BILL_ACTION_CANCEL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (pm_bill_get_state (result), ==, PM_BILL_STATE_CANCELLED);
  state = pm_sandbox_dup_bill_state (f->sandbox, pm_bill_get_bill_id (b));
  g_assert_cmpstr (state, ==, "C");
  g_assert_false (pm_bill_action_allowed (result, PM_BILL_ACTION_CANCEL, now));
  g_assert_false (pm_bill_action_allowed (result, PM_BILL_ACTION_DESTROY, now));
  g_assert_cmpint (pm_bill_get_next_check_at (result), ==, 0);
}

static void
test_refund_reply_lost (Fixture       *f,
                        gconstpointer  data)
{
  g_autoptr(PmBill) d = draft ("배수아", 60000);
  g_autoptr(PmBill) bill = NULL;
  g_autoptr(PmBill) result = NULL;
  g_autoptr(GError) error = NULL;

  bill = send_and_wait (f, d, &error);
  g_assert_no_error (error);
  g_assert_true (pm_sandbox_pay_bill (f->sandbox, pm_bill_get_bill_id (bill)));
  result = act_and_wait (f, pm_bill_get_bill_id (bill), PM_BILL_ACTION_REFRESH, &error);
  g_assert_no_error (error);
  g_clear_object (&result);

  /* the refund is applied but its reply is lost: a read finds it cancelled */
  pm_sandbox_set_fault (f->sandbox, "cancel", PM_SANDBOX_FAULT_RESET_AFTER, 1.0);
  result = act_and_wait (f, pm_bill_get_bill_id (bill), PM_BILL_ACTION_CANCEL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (pm_bill_get_state (result), ==, PM_BILL_STATE_CANCELLED);
}

static void
checked_cb (PmPoller *poller,
            PmBill   *bill,
            guint    *max_in_flight)
{
  max_in_flight[1]++;
}

static void
test_poller_concurrency_cap (Fixture       *f,
                             gconstpointer  data)
{
  g_autoptr(PmPoller) poller = NULL;
  g_autoptr(PmSender) sender = NULL;
  g_autoptr(PmClient) client = NULL;
  g_autoptr(GError) error = NULL;
  guint counts[2] = { 0, 0 };
  guint n;

  for (int i = 0; i < 12; i++)
    {
      g_autoptr(PmBill) d = draft ("허지우", 1000 + i);
      g_autoptr(PmBill) bill = send_and_wait (f, d, &error);

      g_assert_no_error (error);
    }

  client = pm_client_new (f->profile);
  sender = pm_sender_new (client, pm_service_get_ledger (f->service));
  poller = pm_poller_new (client, pm_service_get_ledger (f->service), sender);
  pm_poller_set_enabled (poller, FALSE);
  pm_poller_set_concurrency (poller, 3);
  pm_poller_set_profile_id (poller, pm_profile_get_uuid (f->profile));
  g_signal_connect (poller, "bill-checked", G_CALLBACK (checked_cb), counts);

  pm_sandbox_set_latency (f->sandbox, "read", 100);
  n = pm_poller_refresh_all (poller);
  g_assert_cmpuint (n, ==, 12);
  while (counts[1] < 12)
    {
      g_main_context_iteration (NULL, TRUE);
      counts[0] = MAX (counts[0], pm_poller_get_n_in_flight (poller));
      g_assert_cmpuint (pm_poller_get_n_in_flight (poller), <=, 3);
    }
  g_assert_cmpuint (counts[0], ==, 3);
}

static void
test_poller_offline_and_back (Fixture       *f,
                              gconstpointer  data)
{
  g_autoptr(PmBill) d = draft ("조하린", 5000);
  g_autoptr(PmBill) bill = NULL;
  g_autoptr(PmBill) result = NULL;
  g_autoptr(GError) error = NULL;

  bill = send_and_wait (f, d, &error);
  g_assert_no_error (error);
  g_assert_true (pm_service_get_online (f->service));

  /* the connection drops: a read fails and the desk says it is offline */
  pm_sandbox_set_fault (f->sandbox, "read", PM_SANDBOX_FAULT_RESET_BEFORE, 1.0);
  result = act_and_wait (f, pm_bill_get_bill_id (bill), PM_BILL_ACTION_REFRESH, &error);
  g_assert_null (result);
  g_assert_error (error, PM_ERROR, PM_ERROR_NETWORK);
  g_clear_error (&error);
  g_assert_false (pm_service_get_online (f->service));

  /* back: the next answer brings it online again */
  pm_sandbox_clear_faults (f->sandbox);
  g_assert_true (pm_sandbox_pay_bill (f->sandbox, pm_bill_get_bill_id (bill)));
  result = act_and_wait (f, pm_bill_get_bill_id (bill), PM_BILL_ACTION_REFRESH, &error);
  g_assert_no_error (error);
  g_assert_cmpint (pm_bill_get_state (result), ==, PM_BILL_STATE_PAID);
  g_assert_true (pm_service_get_online (f->service));
}

static void
test_profiles_kept_apart (Fixture       *f,
                          gconstpointer  data)
{
  g_autoptr(PmBill) d = draft ("문예린", 9000);
  g_autoptr(PmBill) bill = NULL;
  g_autoptr(PmBill) seen = NULL;
  g_autoptr(PmProfile) other = sandbox_profile (f->sandbox, PM_SANDBOX_DEMO_KEY);
  g_autoptr(PmLedgerModel) model = NULL;
  g_autoptr(GError) error = NULL;

  bill = send_and_wait (f, d, &error);
  g_assert_no_error (error);

  pm_service_set_profile (f->service, other);
  seen = pm_service_lookup (f->service, pm_bill_get_bill_id (bill), &error);
  g_assert_no_error (error);
  g_assert_null (seen);
  model = pm_service_create_model (f->service, NULL);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (model)), ==, 0);
  g_clear_object (&model);

  pm_service_set_profile (f->service, f->profile);
  model = pm_service_create_model (f->service, NULL);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (model)), ==, 1);
}

typedef struct
{
  gboolean  done;
  gpointer  value;
  GError   *error;
} Call;

static void
register_cb (GObject *o, GAsyncResult *r, gpointer d)
{
  Call *c = d;

  c->value = pm_service_autopay_register_finish (PM_SERVICE (o), r, &c->error);
  c->done = TRUE;
}

static void
methods_cb (GObject *o, GAsyncResult *r, gpointer d)
{
  Call *c = d;

  c->value = pm_service_autopay_methods_finish (PM_SERVICE (o), r, &c->error);
  c->done = TRUE;
}

static void
delete_cb (GObject *o, GAsyncResult *r, gpointer d)
{
  Call *c = d;

  c->value = pm_service_autopay_delete_finish (PM_SERVICE (o), r, &c->error);
  c->done = TRUE;
}

static void
test_autopay (Fixture       *f,
              gconstpointer  data)
{
  Call reg = { 0 }, methods = { 0 }, after = { 0 }, del = { 0 };
  g_autoptr(PmSendResult) link = NULL;
  g_autoptr(GPtrArray) list = NULL;
  g_autoptr(GPtrArray) payers = NULL;
  g_autoptr(PmBill) charge = draft ("홍길동", 99000);
  g_autoptr(PmBill) bill = NULL;
  g_autoptr(PmSendResult) deleted = NULL;
  g_autoptr(GError) error = NULL;
  PmAutopayMethod *method;

  /* register: the payer gets a link, and is remembered on this profile */
  pm_service_autopay_register_async (f->service, "홍길동", "010-2222-3333", NULL, NULL, NULL,
                                     register_cb, &reg);
  g_assert_true (pm_test_wait_flag (&reg.done, 10000));
  g_assert_no_error (reg.error);
  link = reg.value;
  g_assert_true (g_str_has_prefix (link->short_url, "http"));
  payers = pm_service_list_payers (f->service, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (payers->len, ==, 1);
  g_assert_cmpstr (((PmLedgerPayer *) payers->pdata[0])->phone, ==, "01022223333");

  /* the payer opens the link and registers a card: a method appears */
  g_assert_true (pm_sandbox_open_autopay_link (f->sandbox, "01022223333"));
  pm_service_autopay_methods_async (f->service, "01022223333", NULL, methods_cb, &methods);
  g_assert_true (pm_test_wait_flag (&methods.done, 10000));
  g_assert_no_error (methods.error);
  list = methods.value;
  g_assert_cmpuint (list->len, ==, 1);
  method = g_ptr_array_index (list, 0);
  g_assert_nonnull (method->method_id);
  g_assert_nonnull (strstr (method->card_no, "*"));

  /* a charge is a bill under the same rules; the sandbox settles it at once */
  pm_bill_set_kind (charge, PM_BILL_KIND_AUTOPAY);
  pm_bill_set_phone (charge, "01022223333");
  pm_bill_set_method_id (charge, method->method_id);
  bill = send_and_wait (f, charge, &error);
  g_assert_no_error (error);
  g_assert_cmpint (pm_bill_get_state (bill), ==, PM_BILL_STATE_PAID);
  g_assert_cmpint (pm_bill_get_kind (bill), ==, PM_BILL_KIND_AUTOPAY);
  g_assert_cmpuint (pm_sandbox_count_bills (f->sandbox), ==, 1);

  /* delete the method: it is gone */
  pm_service_autopay_delete_async (f->service, "01022223333", method->method_id, NULL,
                                   delete_cb, &del);
  g_assert_true (pm_test_wait_flag (&del.done, 10000));
  g_assert_no_error (del.error);
  deleted = del.value;
  pm_service_autopay_methods_async (f->service, "01022223333", NULL, methods_cb, &after);
  g_assert_true (pm_test_wait_flag (&after.done, 10000));
  g_assert_no_error (after.error);
  g_assert_cmpuint (((GPtrArray *) after.value)->len, ==, 0);
  g_ptr_array_unref (after.value);
}

static void
test_autopay_declined (Fixture       *f,
                       gconstpointer  data)
{
  Call reg = { 0 }, methods = { 0 };
  g_autoptr(PmBill) charge = draft ("홍길순", 12000);
  g_autoptr(PmBill) bill = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(PmLedgerQuery) query = pm_ledger_query_new ();
  g_autoptr(GPtrArray) rows = NULL;
  g_autoptr(GPtrArray) list = NULL;

  pm_sandbox_set_payers (f->sandbox, 0.0, 60, 120, 1.0); /* every card declines */
  pm_service_autopay_register_async (f->service, "홍길순", "01044445555", NULL, NULL, NULL,
                                     register_cb, &reg);
  g_assert_true (pm_test_wait_flag (&reg.done, 10000));
  g_assert_no_error (reg.error);
  pm_send_result_free (reg.value);
  g_assert_true (pm_sandbox_open_autopay_link (f->sandbox, "01044445555"));
  pm_service_autopay_methods_async (f->service, "01044445555", NULL, methods_cb, &methods);
  g_assert_true (pm_test_wait_flag (&methods.done, 10000));
  list = methods.value;
  g_assert_cmpuint (list->len, ==, 1);

  pm_bill_set_kind (charge, PM_BILL_KIND_AUTOPAY);
  pm_bill_set_phone (charge, "01044445555");
  pm_bill_set_method_id (charge, ((PmAutopayMethod *) list->pdata[0])->method_id);
  bill = send_and_wait (f, charge, &error);
  g_assert_null (bill);
  g_assert_nonnull (error);
  g_assert_false (pm_error_is_maybe_done (error));

  /* recorded as failed with the card's reason; nothing exists on the server */
  g_clear_error (&error);
  rows = pm_ledger_fetch (pm_service_get_ledger (f->service), query, 0, 10, &error);
  g_assert_cmpuint (rows->len, ==, 1);
  g_assert_cmpint (pm_bill_get_state (rows->pdata[0]), ==, PM_BILL_STATE_FAILED);
  g_assert_nonnull (strstr (pm_bill_get_error_text (rows->pdata[0]), "eclined"));
  g_assert_cmpuint (pm_sandbox_count_bills (f->sandbox), ==, 0);
}

static void
test_schedule (void)
{
  g_autoptr(PmBill) bill = pm_bill_new ();
  gint64 t0 = 1795400000; /* 2026-11-17 */
  struct
  {
    PmBillState state;
    gint64      age;
    gint64      expect; /* seconds after t0 + age; 0: none */
  } cases[] = {
    { PM_BILL_STATE_UNPAID, 0, 15 },
    { PM_BILL_STATE_UNPAID, 14, 1 },
    { PM_BILL_STATE_UNPAID, 15, 45 },
    { PM_BILL_STATE_UNPAID, 59, 1 },
    { PM_BILL_STATE_UNPAID, 60, 240 },
    { PM_BILL_STATE_UNPAID, 300, 1500 },
    { PM_BILL_STATE_UNPAID, 1800, 3600 },
    { PM_BILL_STATE_UNPAID, 5 * 3600, 3600 },
    { PM_BILL_STATE_UNKNOWN, 0, 15 },
    { PM_BILL_STATE_UNKNOWN, 10 * 86400, 3600 },
    { PM_BILL_STATE_CANCELLED, 0, 0 },
    { PM_BILL_STATE_DESTROYED, 0, 0 },
    { PM_BILL_STATE_FAILED, 0, 0 },
  };

  /* expires 2026-11-30, valid until midnight Korea time */
  pm_bill_set_expire_date (bill, "2026-11-30");
  pm_bill_set_created_at (bill, t0);
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      gint64 now = t0 + cases[i].age;
      gint64 next;

      pm_bill_set_state (bill, cases[i].state);
      next = pm_schedule_next_check (bill, now);
      g_test_message ("case %u: state %d age %" G_GINT64_FORMAT, i, cases[i].state, cases[i].age);
      if (cases[i].expect == 0)
        g_assert_cmpint (next, ==, 0);
      else
        g_assert_cmpint (next - now, ==, cases[i].expect);
    }

  /* after expiry (2026-12-01 00:00 KST = 2026-11-30 15:00 UTC): daily, for 3 days */
  {
    g_autoptr(GDateTime) end = g_date_time_new_utc (2026, 11, 30, 15, 0, 0);
    gint64 e = g_date_time_to_unix (end);

    pm_bill_set_state (bill, PM_BILL_STATE_UNPAID);
    g_assert_cmpint (pm_schedule_next_check (bill, e - 600), ==, e); /* one last look at the end */
    g_assert_cmpint (pm_schedule_next_check (bill, e + 10), ==, e + 10 + 86400);
    g_assert_cmpint (pm_schedule_next_check (bill, e + 3 * 86400 + 1), ==, 0);
  }

  /* paid: daily for a week after payment */
  pm_bill_set_state (bill, PM_BILL_STATE_PAID);
  pm_bill_set_appr_dt (bill, "20261117100000"); /* 01:00 UTC */
  {
    g_autoptr(GDateTime) paid = g_date_time_new_utc (2026, 11, 17, 1, 0, 0);
    gint64 p = g_date_time_to_unix (paid);

    g_assert_cmpint (pm_schedule_next_check (bill, p + 60), ==, p + 60 + 86400);
    g_assert_cmpint (pm_schedule_next_check (bill, p + 7 * 86400 + 1), ==, 0);
  }
}


/* ---- one source of truth: changes made by another connection ---- */

static void
count_cb (gpointer  instance,
          guint    *count)
{
  (*count)++;
}

static gboolean
count_reached (gpointer data)
{
  return *(guint *) data > 0;
}

/* Another connection (as paymint-cli or a second window would) writes to the ledger:
 * the service says so within a second; nothing changed, nothing is said; its own
 * writes are told by the ledger's signals, not as "ledger-changed". */
static void
test_ledger_changed_outside (Fixture       *f,
                             gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PmLedger) other = NULL;
  g_autoptr(PmBill) bill = draft ("다른 창", 12000);
  g_autoptr(PmBill) sent = NULL;
  g_autoptr(PmBill) mine = NULL;
  guint changed = 0;
  gint64 start;

  g_signal_connect (f->service, "ledger-changed", G_CALLBACK (count_cb), &changed);

  /* nothing happens: nothing is said */
  pm_test_spin (1500);
  g_assert_cmpuint (changed, ==, 0);

  /* a change through this service is not an outside change */
  mine = draft ("이 창", 1000);
  sent = send_and_wait (f, mine, &error);
  g_assert_no_error (error);
  pm_test_spin (1000);
  g_assert_cmpuint (changed, ==, 0);

  /* another connection inserts a bill */
  other = pm_ledger_new (f->ledger_path, &error);
  g_assert_no_error (error);
  pm_bill_set_bill_id (bill, "OUTSIDE0001");
  pm_bill_set_profile_id (bill, pm_profile_get_uuid (f->profile));
  start = g_get_monotonic_time ();
  g_assert_true (pm_ledger_insert_bill (other, bill, &error));
  g_assert_no_error (error);
  pm_test_spin_until (count_reached, &changed, 1000);
  g_assert_cmpint (g_get_monotonic_time () - start, <, G_USEC_PER_SEC);
  /* and what it wrote is there to read */
  {
    g_autoptr(PmBill) seen = pm_service_lookup (f->service, "OUTSIDE0001", &error);

    g_assert_no_error (error);
    g_assert_nonnull (seen);
  }

  /* once: then quiet again */
  changed = 0;
  pm_test_spin (1500);
  g_assert_cmpuint (changed, ==, 0);

  /* an update by the other connection is a change too */
  g_assert_true (pm_ledger_set_state (other, "OUTSIDE0001", PM_BILL_STATE_DESTROYED, NULL,
                                      g_get_real_time () / G_USEC_PER_SEC, &error));
  g_assert_no_error (error);
  pm_test_spin_until (count_reached, &changed, 1000);

  g_signal_handlers_disconnect_by_func (f->service, count_cb, &changed);
  g_assert_finalize_object (g_steal_pointer (&other));
}

/* ---- failures reach the clerk: a ledger that cannot be written ---- */

static void
notify_count_cb (GObject    *object,
                 GParamSpec *pspec,
                 guint      *count)
{
  (*count)++;
}

static gboolean
storage_error_set (gpointer data)
{
  return pm_service_get_storage_error (data) != NULL;
}

typedef struct
{
  PmService *service;
  char      *bill_id;
  PmBillState state;
} StateWait;

static gboolean
bill_in_state (gpointer data)
{
  StateWait *w = data;
  g_autoptr(PmBill) bill = pm_service_lookup (w->service, w->bill_id, NULL);

  return bill != NULL && pm_bill_get_state (bill) == w->state;
}

static void
test_storage_failure_pauses_sending (Fixture       *f,
                                     gconstpointer  data)
{
  PmLedger *ledger = pm_service_get_ledger (f->service);
  g_autoptr(GError) error = NULL;
  g_autoptr(PmBill) first = NULL;
  g_autoptr(PmBill) again = NULL;
  g_autoptr(PmBill) last = NULL;
  g_autoptr(PmBill) d1 = draft ("저장 실패", 10000);
  g_autoptr(PmBill) d2 = draft ("보내지 않음", 20000);
  g_autoptr(PmBill) d3 = draft ("다시 보냄", 30000);
  g_autofree char *property = NULL;
  Wait w = { 0 };
  StateWait sw = { 0 };
  guint notified = 0;
  guint bills;

  g_assert_null (pm_service_get_storage_error (f->service));
  g_signal_connect (f->service, "notify::storage-error", G_CALLBACK (notify_count_cb),
                    &notified);

  /* The ledger fails while a request is on its way: the server makes the bill, the
   * ledger cannot record it. The send reports it and the service pauses sending. */
  pm_sandbox_set_latency (f->sandbox, "request", 300);
  bills = pm_sandbox_count_bills (f->sandbox);
  pm_service_send_async (f->service, d1, NULL, send_cb, &w);
  /* the intent was written before the request left */
  pm_ledger_set_fail_writes_for_testing (ledger, TRUE);
  g_assert_true (pm_test_wait_flag (&w.done, 10000));
  g_assert_error (w.error, PM_ERROR, PM_ERROR_STORAGE);
  g_assert_null (w.bill);
  g_clear_error (&w.error);
  g_assert_cmpuint (pm_sandbox_count_bills (f->sandbox), ==, bills + 1);
  pm_sandbox_set_latency (f->sandbox, "request", 0);

  g_assert_nonnull (pm_service_get_storage_error (f->service));
  g_assert_cmpuint (notified, ==, 1);
  g_object_get (f->service, "storage-error", &property, NULL);
  g_assert_cmpstr (property, ==, pm_service_get_storage_error (f->service));
  g_assert_nonnull (strstr (property, "cannot be written"));

  /* Paused: a new send fails at once with a clear storage error, and nothing leaves. */
  again = send_and_wait (f, d2, &error);
  g_assert_null (again);
  g_assert_error (error, PM_ERROR, PM_ERROR_STORAGE);
  g_assert_nonnull (strstr (error->message, "sending is paused"));
  g_assert_nonnull (strstr (error->message, "Retry"));
  g_clear_error (&error);
  g_assert_cmpuint (pm_sandbox_count_bills (f->sandbox), ==, bills + 1);
  /* bulk sends too: no intent is written */
  {
    g_autoptr(GPtrArray) drafts = g_ptr_array_new ();
    g_autoptr(GPtrArray) intents = NULL;

    g_ptr_array_add (drafts, d2);
    intents = pm_service_write_intents (f->service, drafts, &error);
    g_assert_null (intents);
    g_assert_error (error, PM_ERROR, PM_ERROR_STORAGE);
    g_clear_error (&error);
  }

  /* Retry while the ledger still fails: still paused, and it says why. */
  g_assert_false (pm_service_retry_storage (f->service, &error));
  g_assert_error (error, PM_ERROR, PM_ERROR_STORAGE);
  g_clear_error (&error);
  g_assert_nonnull (pm_service_get_storage_error (f->service));

  /* Fixed, then Retry: sending resumes, and the bill whose outcome could not be written
   * is read back and recorded as the server has it. */
  pm_ledger_set_fail_writes_for_testing (ledger, FALSE);
  g_assert_true (pm_service_retry_storage (f->service, &error));
  g_assert_no_error (error);
  g_assert_null (pm_service_get_storage_error (f->service));
  g_assert_cmpuint (notified, ==, 2);
  {
    g_autoptr(PmLedgerQuery) query = pm_ledger_query_new ();
    g_autoptr(GPtrArray) all = pm_ledger_fetch (ledger, query, 0, 10, &error);

    g_assert_no_error (error);
    g_assert_cmpuint (all->len, ==, 1);
    sw.service = f->service;
    sw.bill_id = g_strdup (pm_bill_get_bill_id (g_ptr_array_index (all, 0)));
    sw.state = PM_BILL_STATE_UNPAID;
  }
  pm_test_spin_until (bill_in_state, &sw, 10000);
  g_free (sw.bill_id);

  last = send_and_wait (f, d3, &error);
  g_assert_no_error (error);
  g_assert_nonnull (last);
  g_assert_cmpint (pm_bill_get_state (last), ==, PM_BILL_STATE_UNPAID);
  g_assert_cmpuint (pm_sandbox_count_bills (f->sandbox), ==, bills + 2);

  /* A read whose outcome cannot be written (the poller) pauses sending too. */
  pm_ledger_set_fail_writes_for_testing (ledger, TRUE);
  memset (&w, 0, sizeof w);
  pm_service_bill_action_async (f->service, pm_bill_get_bill_id (last),
                                PM_BILL_ACTION_REFRESH, NULL, action_cb, &w);
  g_assert_true (pm_test_wait_flag (&w.done, 10000));
  g_clear_object (&w.bill);
  g_clear_error (&w.error);
  pm_test_spin_until (storage_error_set, f->service, 5000);
  /* and an action that would have to be recorded waits too */
  memset (&w, 0, sizeof w);
  pm_service_bill_action_async (f->service, pm_bill_get_bill_id (last),
                                PM_BILL_ACTION_DESTROY, NULL, action_cb, &w);
  g_assert_true (pm_test_wait_flag (&w.done, 10000));
  g_assert_error (w.error, PM_ERROR, PM_ERROR_STORAGE);
  g_clear_error (&w.error);
  {
    g_autofree char *state = pm_sandbox_dup_bill_state (f->sandbox, pm_bill_get_bill_id (last));

    g_assert_cmpstr (state, ==, "W");
  }
  pm_ledger_set_fail_writes_for_testing (ledger, FALSE);
  g_assert_true (pm_service_retry_storage (f->service, NULL));
  g_signal_handlers_disconnect_by_func (f->service, notify_count_cb, &notified);
  /* let the reconciliation started by Retry finish before the fixture goes */
  pm_test_spin (300);
}

int
main (int   argc,
      char *argv[])
{
  pm_test_init (&argc, &argv);

#define ADD(path, fn) \
  g_test_add ("/engine/" path, Fixture, NULL, fixture_set_up, fn, fixture_tear_down)

  g_test_add_func ("/engine/schedule", test_schedule);
  ADD ("send/one-bill", test_send_creates_one_bill);
  ADD ("send/invalid-writes-nothing", test_send_invalid_writes_nothing);
  ADD ("send/balance-fails-definitely", test_send_balance_fails_definitely);
  ADD ("send/reset-after-apply", test_send_reset_after_apply);
  ADD ("send/garbled-reply", test_send_garbled_reply);
  ADD ("send/unknown-then-reconciled", test_send_unknown_then_reconciled);
  ADD ("send/existing-bill-id", test_send_existing_bill_id);
  ADD ("reconcile/queued-intent", test_reconcile_queued_intent);
  ADD ("reconcile/refused-is-settled", test_reconcile_refused_is_settled);
  ADD ("reconcile/old-intent-not-sent", test_reconcile_old_intent_not_sent);
  ADD ("actions/failure-in-timeline", test_failed_action_in_timeline);
  ADD ("reconcile/recent-unknown-sent", test_reconcile_recent_unknown_sent);
  ADD ("send/ambiguous-answers", test_send_ambiguous_answers);
  ADD ("send/hostile-text", test_send_hostile_text);
  ADD ("send/group-commit", test_group_commit);
  ADD ("poller/refresh-sees-payment", test_refresh_sees_payment);
  ADD ("poller/automatic", test_poller_automatic);
  ADD ("poller/outside-change", test_poller_outside_change);
  ADD ("poller/concurrency-cap", test_poller_concurrency_cap);
  ADD ("poller/offline-and-back", test_poller_offline_and_back);
  ADD ("actions/valid-states", test_actions);
  ADD ("actions/refund-reply-lost", test_refund_reply_lost);
  ADD ("service/profiles-kept-apart", test_profiles_kept_apart);
  ADD ("autopay/register-charge-delete", test_autopay);
  ADD ("autopay/declined", test_autopay_declined);
  ADD ("service/ledger-changed-outside", test_ledger_changed_outside);
  ADD ("service/storage-failure-pauses-sending", test_storage_failure_pauses_sending);

  return g_test_run ();
}
