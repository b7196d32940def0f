/* test-faults.c — 1,000 sends through a faulty network end definite, single and leak-free
 *
 * Copyright 2026 The Paymint Desk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A soak of the sending engine (DESIGN.md, "Reliability rules"). PmService sends 1,000
 * bills to the in-process sandbox, at most 16 at a time, while the sandbox's "request"
 * endpoint answers 20 % 5xx (500 and 503), 10 % reset after applying the change, 10 %
 * timeouts, 5 % garbage (malformed or truncated JSON) and its "read" endpoint 10 % 503
 * and 5 % reset before answering, so the sender's own reconciliation meets faults too.
 * The balance pays for 950 bills, so the last sends are refused for good (402).
 * A first start-up reconciliation runs with the faults still on; then they are cleared
 * and reconciliation runs until nothing is unsettled. Then:
 *  - every ledger bill is in a definite state (none queued, sending or unknown);
 *  - every bill the ledger holds in a server state exists on the sandbox, and every
 *    failed one does not;
 *  - the sandbox holds exactly as many bills as the ledger has in server states, so no
 *    intent produced two bills, and it holds exactly the 950 the balance paid for;
 *  - once the service is gone and the main context has run dry, no PmBill, GTask,
 *    PmClient, PmSender or PmPoller instance is left.
 *
 * It runs twice: on a ledger file, and on a shop ledger (a PostgreSQL database of the
 * run's server; skipped without one), with the same faults and the same checks.
 *
 * Counting instances: Debian's GLib is built without G_ENABLE_DEBUG, so
 * GOBJECT_DEBUG=instance-count is ignored and g_type_get_instance_count() always
 * answers 0. The test counts for itself instead: it wraps the constructed and finalize
 * methods of those five classes (none has subclasses) before anything is made.
 */

#include "config.h"

#include <glib/gstdio.h>

#include "pm-client.h"
#include "pm-error.h"
#include "pm-poller.h"
#include "pm-sandbox.h"
#include "pm-sender.h"
#include "pm-service.h"
#include "pm-test-pg.h"
#include "pm-test-util.h"

#define PROFILE_UUID  "fa017000-0000-4000-8000-0000000fa017"
#define N_SENDS       1000
#define MAX_IN_FLIGHT 16
#define MAX_ROUNDS    10
#define N_AFFORDABLE  950 /* the balance pays for this many bills; the rest fail (402) */

typedef struct
{
  PmService  *service;
  GRand      *rng;
  guint       started;
  guint       in_flight;
  guint       max_in_flight;
  guint       done;
  GHashTable *outcomes; /* what send_finish said → count (char * → GUINT) */
} Soak;

static void
count (GHashTable *table,
       const char *what)
{
  gpointer old = g_hash_table_lookup (table, what);

  g_hash_table_replace (table, g_strdup (what), GUINT_TO_POINTER (GPOINTER_TO_UINT (old) + 1));
}

static gboolean
is_on_server (PmBillState state)
{
  return state == PM_BILL_STATE_UNPAID || state == PM_BILL_STATE_PAID
         || state == PM_BILL_STATE_CANCELLED || state == PM_BILL_STATE_DESTROYED;
}

static const char *
error_name (int code)
{
  static const char *const names[] = {
    "invalid", "unauthorized", "license-required", "insufficient-balance", "not-found",
    "duplicate-bill", "already-paid", "already-cancelled", "server", "forbidden", "network",
    "timeout", "tls", "protocol", "cancelled", "storage",
  };

  return code >= 0 && (guint) code < G_N_ELEMENTS (names) ? names[code] : "other";
}

static void send_more (Soak *soak);

static void
sent_cb (GObject      *object,
         GAsyncResult *result,
         gpointer      user_data)
{
  Soak *soak = user_data;
  g_autoptr(PmBill) bill = NULL;
  g_autoptr(GError) error = NULL;

  bill = pm_service_send_finish (PM_SERVICE (object), result, &error);
  if (bill != NULL)
    count (soak->outcomes, pm_bill_state_get_label (pm_bill_get_state (bill)));
  else
    {
      g_autofree char *what = NULL;

      g_assert_true (error->domain == PM_ERROR);
      what = g_strdup_printf ("error %s%s", error_name (error->code),
                              pm_error_is_maybe_done (error) ? ", left unknown" : "");
      count (soak->outcomes, what);
    }
  soak->in_flight--;
  soak->done++;
  send_more (soak);
}

static void
send_more (Soak *soak)
{
  while (soak->started < N_SENDS && soak->in_flight < MAX_IN_FLIGHT)
    {
      g_autoptr(PmBill) bill = pm_bill_new ();
      g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
      g_autoptr(GDateTime) later = g_date_time_add_days (now, 5);
      g_autofree char *expire = g_date_time_format (later, "%Y-%m-%d");
      g_autofree char *name = g_strdup_printf ("결함시험 %u", soak->started);
      g_autofree char *phone = g_strdup_printf ("010%08u", g_rand_int_range (soak->rng, 0, 100000000));

      pm_bill_set_payer_name (bill, name);
      pm_bill_set_phone (bill, phone);
      pm_bill_set_product (bill, "fault soak");
      pm_bill_set_message (bill, "네트워크 결함 시험입니다");
      pm_bill_set_price (bill, g_rand_int_range (soak->rng, 1000, 2000000));
      pm_bill_set_expire_date (bill, expire);
      soak->started++;
      soak->in_flight++;
      soak->max_in_flight = MAX (soak->max_in_flight, soak->in_flight);
      pm_service_send_async (soak->service, bill, NULL, sent_cb, soak);
    }
}

static void
started_cb (GObject      *object,
            GAsyncResult *result,
            gpointer      user_data)
{
  guint *n_unsettled = user_data;
  g_autoptr(GError) error = NULL;
  guint n = 0;

  g_assert_true (pm_service_start_finish (PM_SERVICE (object), result, &n, &error));
  g_assert_no_error (error);
  *n_unsettled = n;
}

/* Intents the ledger holds without a definite answer (queued, sending, unknown). */
static guint
ledger_unsettled (PmService *service)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) bills = pm_ledger_list_unsettled (pm_service_get_ledger (service),
                                                         PROFILE_UUID, &error);

  g_assert_no_error (error);
  return bills->len;
}

/* Runs the start-up reconciliation; returns how many intents it says stay unsettled,
 * and in @in_ledger how many the ledger holds so afterwards. */
static guint
reconcile (PmService *service,
           guint     *in_ledger)
{
  guint n_unsettled = G_MAXUINT;

  pm_service_start_async (service, NULL, started_cb, &n_unsettled);
  while (n_unsettled == G_MAXUINT)
    g_main_context_iteration (NULL, TRUE);
  *in_ledger = ledger_unsettled (service);
  g_test_message ("reconciliation: %u unsettled reported, %u in the ledger", n_unsettled,
                  *in_ledger);
  return n_unsettled;
}

typedef struct
{
  const char   *name;
  GType         type;
  GObjectClass *klass;
  void        (*constructed) (GObject *object);
  void        (*finalize)    (GObject *object);
  int           live;        /* atomic: objects may be made on the sandbox's threads */
  int           made;
} Tracked;

static Tracked tracked[5];

static Tracked *
tracked_for (GObject *object)
{
  for (guint i = 0; i < G_N_ELEMENTS (tracked); i++)
    if (G_OBJECT_TYPE (object) == tracked[i].type)
      return &tracked[i];
  g_assert_not_reached ();
}

static void
tracked_constructed (GObject *object)
{
  Tracked *t = tracked_for (object);

  g_atomic_int_inc (&t->live);
  g_atomic_int_inc (&t->made);
  if (t->constructed != NULL)
    t->constructed (object);
}

static void
tracked_finalize (GObject *object)
{
  Tracked *t = tracked_for (object);

  g_atomic_int_add (&t->live, -1);
  t->finalize (object);
}

static void
track_instances (void)
{
  const struct
  {
    const char *name;
    GType       type;
  } types[] = {
    { "PmBill", PM_TYPE_BILL },
    { "GTask", G_TYPE_TASK },
    { "PmClient", PM_TYPE_CLIENT },
    { "PmSender", PM_TYPE_SENDER },
    { "PmPoller", PM_TYPE_POLLER },
  };

  G_STATIC_ASSERT (G_N_ELEMENTS (types) == G_N_ELEMENTS (tracked));
  for (guint i = 0; i < G_N_ELEMENTS (types); i++)
    {
      Tracked *t = &tracked[i];

      t->name = types[i].name;
      t->type = types[i].type;
      t->klass = g_type_class_ref (t->type);
      t->constructed = t->klass->constructed;
      t->finalize = t->klass->finalize;
      t->klass->constructed = tracked_constructed;
      t->klass->finalize = tracked_finalize;
    }
}

static void
untrack_instances (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (tracked); i++)
    {
      tracked[i].klass->constructed = tracked[i].constructed;
      tracked[i].klass->finalize = tracked[i].finalize;
      g_type_class_unref (tracked[i].klass);
    }
}

static int
n_live (void)
{
  int n = 0;

  for (guint i = 0; i < G_N_ELEMENTS (tracked); i++)
    n += g_atomic_int_get (&tracked[i].live);
  return n;
}

static void
test_faults (gconstpointer data)
{
  gboolean shop = GPOINTER_TO_INT (data);
  static const struct
  {
    const char     *endpoint;
    PmSandboxFault  fault;
    double          share;
  } faults[] = {
    { "request", PM_SANDBOX_FAULT_HTTP_500, 0.10 },
    { "request", PM_SANDBOX_FAULT_HTTP_503, 0.10 },
    { "request", PM_SANDBOX_FAULT_RESET_AFTER, 0.10 },
    { "request", PM_SANDBOX_FAULT_TIMEOUT, 0.10 },
    { "request", PM_SANDBOX_FAULT_MALFORMED_JSON, 0.03 },
    { "request", PM_SANDBOX_FAULT_TRUNCATED_JSON, 0.02 },
    { "read", PM_SANDBOX_FAULT_HTTP_503, 0.10 },
    { "read", PM_SANDBOX_FAULT_RESET_BEFORE, 0.05 },
  };
  g_autoptr(PmSandbox) sandbox = pm_sandbox_new ();
  g_autoptr(PmProfile) profile = pm_profile_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("faults-XXXXXX", &error);
  g_autofree char *ledger_path = NULL;
  g_autofree char *url = NULL;
  g_autoptr(GHashTable) states = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  Soak soak = { 0 };
  GHashTableIter iter;
  gpointer key, value;
  guint n_unsettled, in_ledger, miscounted = 0, rounds = 0, on_server = 0, n_failed = 0, first_unsettled;
  gint64 t0 = g_get_monotonic_time (), t_sent, t_settled, deadline;

  g_assert_no_error (error);
  if (shop)
    {
      PM_TEST_PG_REQUIRE ();
      ledger_path = pm_test_pg_new_database ("faults");
    }
  else
    ledger_path = g_build_filename (dir, "ledger.db", NULL);
  track_instances ();
  /* the counting works, or the leak checks below would prove nothing */
  {
    g_autoptr(PmBill) probe = pm_bill_new ();
    g_autoptr(GTask) task = g_task_new (NULL, NULL, NULL, NULL);

    g_assert_cmpint (tracked[0].live, ==, 1);
    g_assert_cmpint (tracked[1].live, ==, 1);
  }
  g_assert_cmpint (n_live (), ==, 0);

  pm_sandbox_set_seed (sandbox, 20261124);
  /* some payers pay within seconds, so reads also adopt paid bills */
  pm_sandbox_set_payers (sandbox, 0.2, 1, 5, 0.0);
  /* the last sends meet a definite refusal (402, balance), so some intents end failed */
  pm_sandbox_set_balance (sandbox, PM_SANDBOX_DEMO_KEY,
                          N_AFFORDABLE * pm_sandbox_get_fee (sandbox));
  g_assert_true (pm_sandbox_start (sandbox, NULL, 0, &error));
  g_assert_no_error (error);
  url = pm_sandbox_dup_base_url (sandbox);
  for (guint i = 0; i < G_N_ELEMENTS (faults); i++)
    pm_sandbox_add_fault (sandbox, faults[i].endpoint, faults[i].fault, faults[i].share);

  pm_profile_set_uuid (profile, PROFILE_UUID);
  pm_profile_set_name (profile, "faults");
  pm_profile_set_base_url (profile, url);
  pm_profile_set_api_key (profile, PM_SANDBOX_DEMO_KEY);
  pm_profile_set_mode (profile, PM_PROFILE_MODE_MMK);

  soak.service = pm_service_new (ledger_path, &error);
  g_assert_no_error (error);
  pm_service_set_profile (soak.service, profile);
  pm_service_set_timeout (soak.service, 1);
  pm_service_set_polling (soak.service, FALSE, 1);
  soak.rng = g_rand_new_with_seed (1124);
  soak.outcomes = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  send_more (&soak);
  while (soak.done < N_SENDS)
    g_main_context_iteration (NULL, TRUE);
  t_sent = g_get_monotonic_time ();
  g_assert_cmpuint (soak.max_in_flight, <=, MAX_IN_FLIGHT);

  /* reconciliation with the faults still on: it may leave some unsettled, never crash */
  first_unsettled = reconcile (soak.service, &in_ledger);
  miscounted += first_unsettled != in_ledger;
  pm_sandbox_clear_faults (sandbox);
  do
    {
      n_unsettled = reconcile (soak.service, &in_ledger);
      miscounted += n_unsettled != in_ledger;
      rounds++;
    }
  while (n_unsettled > 0 && rounds < MAX_ROUNDS);
  t_settled = g_get_monotonic_time ();
  g_assert_cmpuint (n_unsettled, ==, 0);
  g_assert_cmpuint (in_ledger, ==, 0);
  /* what start reports is what the ledger holds, in every round */
  g_assert_cmpuint (miscounted, ==, 0);

  /* every intent definite; the ledger and the sandbox agree; no second bill */
  {
    g_autoptr(PmLedgerQuery) query = pm_ledger_query_new ();
    g_autoptr(GPtrArray) bills = pm_ledger_fetch (pm_service_get_ledger (soak.service), query,
                                                  0, 0, &error);

    g_assert_no_error (error);
    g_assert_cmpuint (bills->len, ==, N_SENDS);
    for (guint i = 0; i < bills->len; i++)
      {
        PmBill *bill = g_ptr_array_index (bills, i);
        PmBillState state = pm_bill_get_state (bill);
        g_autofree char *server = pm_sandbox_dup_bill_state (sandbox, pm_bill_get_bill_id (bill));

        count (states, pm_bill_state_get_label (state));
        g_assert_true (is_on_server (state) || state == PM_BILL_STATE_FAILED);
        if (is_on_server (state))
          {
            g_assert_nonnull (server);
            on_server++;
          }
        else
          {
            g_assert_null (server);
            n_failed++;
          }
      }
  }
  g_assert_cmpuint (pm_sandbox_count_bills (sandbox), ==, on_server);
  /* each bill on the server was paid for once: exactly the affordable ones exist */
  g_assert_cmpuint (on_server, ==, N_AFFORDABLE);
  g_assert_cmpuint (n_failed, ==, N_SENDS - N_AFFORDABLE);
  g_assert_cmpint (pm_sandbox_get_balance (sandbox, PM_SANDBOX_DEMO_KEY), ==, 0);

  /* figures */
  for (guint i = 0; i < G_N_ELEMENTS (faults); i++)
    g_test_message ("%s got %s %u times", faults[i].endpoint,
                    pm_sandbox_fault_to_string (faults[i].fault),
                    pm_sandbox_count_faults (sandbox, faults[i].endpoint, faults[i].fault));
  g_hash_table_iter_init (&iter, soak.outcomes);
  while (g_hash_table_iter_next (&iter, &key, &value))
    g_test_message ("send finished: %s: %u", (char *) key, GPOINTER_TO_UINT (value));
  g_hash_table_iter_init (&iter, states);
  while (g_hash_table_iter_next (&iter, &key, &value))
    g_test_message ("ledger at the end: %s: %u", (char *) key, GPOINTER_TO_UINT (value));
  g_test_message ("%u sends (at most %u in flight) in %.1f s; %u unsettled after a faulty "
                  "reconciliation, 0 after %u clean round(s) (%.1f s); %u on the server, "
                  "%u failed; %.1f s in all", N_SENDS, soak.max_in_flight,
                  (t_sent - t0) / 1e6, first_unsettled, rounds, (t_settled - t_sent) / 1e6,
                  on_server, n_failed, (g_get_monotonic_time () - t0) / 1e6);
  /* the faults did happen */
  g_assert_cmpuint (pm_sandbox_count_faults (sandbox, "request", PM_SANDBOX_FAULT_RESET_AFTER), >, 0);
  g_assert_cmpuint (pm_sandbox_count_faults (sandbox, "request", PM_SANDBOX_FAULT_TIMEOUT), >, 0);
  g_assert_cmpuint (pm_sandbox_count_faults (sandbox, "read", PM_SANDBOX_FAULT_RESET_BEFORE), >, 0);

  /* no leak: drop the service, run the main context dry, count what is left */
  g_clear_pointer (&soak.outcomes, g_hash_table_unref);
  g_clear_pointer (&soak.rng, g_rand_free);
  g_assert_finalize_object (soak.service);
  soak.service = NULL;
  pm_sandbox_stop (sandbox);
  deadline = g_get_monotonic_time () + 5 * G_USEC_PER_SEC;
  do
    {
      while (g_main_context_iteration (NULL, FALSE))
        ;
      if (n_live () == 0)
        break;
      g_usleep (10000);
    }
  while (g_get_monotonic_time () < deadline);
  for (guint i = 0; i < G_N_ELEMENTS (tracked); i++)
    g_test_message ("%s: %d made, %d left", tracked[i].name, tracked[i].made, tracked[i].live);
  g_assert_cmpint (tracked[0].made, >=, N_SENDS);
  g_assert_cmpint (tracked[0].live, ==, 0); /* PmBill */
  g_assert_cmpint (tracked[1].live, ==, 0); /* GTask */
  g_assert_cmpint (tracked[2].live, ==, 0); /* PmClient */
  g_assert_cmpint (tracked[3].live, ==, 0); /* PmSender */
  g_assert_cmpint (tracked[4].live, ==, 0); /* PmPoller */
  untrack_instances ();

  {
    g_autoptr(GPtrArray) files = pm_test_list_files (dir);

    for (guint i = 0; i < files->len; i++)
      g_unlink (g_ptr_array_index (files, i));
    g_rmdir (dir);
  }
}

int
main (int   argc,
      char *argv[])
{
  pm_test_init (&argc, &argv);
  g_test_add_data_func ("/slow/faults/soak", GINT_TO_POINTER (FALSE), test_faults);
  g_test_add_data_func ("/slow/faults/soak-shop-ledger", GINT_TO_POINTER (TRUE), test_faults);
  return g_test_run ();
}
