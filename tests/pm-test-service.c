/* pm-test-service.c — waiting for PmService's async calls in tests
 *
 * Copyright 2026 The Paymint Desk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "pm-test-service.h"
#include "pm-test-util.h"

typedef struct
{
  gboolean  done;
  PmBill   *bill;
  GError   *error;
} Wait;

static void
sent_cb (GObject      *object,
         GAsyncResult *result,
         gpointer      user_data)
{
  Wait *w = user_data;

  w->bill = pm_service_send_finish (PM_SERVICE (object), result, &w->error);
  w->done = TRUE;
}

static void
acted_cb (GObject      *object,
          GAsyncResult *result,
          gpointer      user_data)
{
  Wait *w = user_data;

  w->bill = pm_service_bill_action_finish (PM_SERVICE (object), result, &w->error);
  w->done = TRUE;
}

static PmBill *
finish (Wait    *w,
        GError **error)
{
  g_assert_true (pm_test_wait_flag (&w->done, 30000));
  if (w->error != NULL)
    g_propagate_error (error, w->error);
  return w->bill;
}

PmBill *
pm_test_send (PmService  *service,
              PmBill     *draft,
              GError    **error)
{
  Wait w = { 0 };

  pm_service_send_async (service, draft, NULL, sent_cb, &w);
  return finish (&w, error);
}

PmBill *
pm_test_act (PmService     *service,
             const char    *bill_id,
             PmBillAction   action,
             GError       **error)
{
  Wait w = { 0 };

  pm_service_bill_action_async (service, bill_id, action, NULL, acted_cb, &w);
  return finish (&w, error);
}
