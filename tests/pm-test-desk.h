/* pm-test-desk.h — a desk on the in-process sandbox, with bills already sent
 *
 * Copyright 2026 The Paymint Desk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "pm-sandbox.h"
#include "pm-service.h"

G_BEGIN_DECLS

/* What the desk's bills say; amounts go up by one won from first_price. */
typedef struct
{
  const char *payer;
  const char *phone;
  const char *product;
  const char *message;
  gint64      first_price;
} PmTestDeskBills;

typedef struct
{
  PmSandbox *sandbox;
  PmService *service;
  PmProfile *profile;
  char      *dir;
  char      *ledger_path;
  GPtrArray *ids;        /* bill ids, in the order their sends finished */
} PmTestDesk;

/* A sandbox on loopback where nobody pays (@seed), and a service on a new ledger in a
 * temporary directory named after @name, with polling off, that has sent @n_bills unpaid
 * bills like @bills, at most @in_flight at once (0: all at once). */
void pm_test_desk_set_up    (PmTestDesk            *desk,
                             const char            *name,
                             guint                  seed,
                             guint                  n_bills,
                             guint                  in_flight,
                             const PmTestDeskBills *bills);
/* The service finalized (nothing else may hold it), the sandbox stopped, the files gone. */
void pm_test_desk_tear_down (PmTestDesk            *desk);

G_END_DECLS
