/* pm-plan-store.c — monthly billing plans in the ledger: tables, plans, rosters, due runs
 *
 * Copyright 2026 The Paymint Desk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The tables are this file's (the ledger's migrations do not know them): created with
 * CREATE TABLE IF NOT EXISTS in one write transaction when a store is opened, so any
 * number of processes (or desks, on a shop ledger) may open one ledger at once. Every
 * statement goes through the ledger's connection, in the SQLite file or the shop's
 * PostgreSQL database alike (pm-plan-sql.c: one PmPlanStmt per statement, the
 * PostgreSQL text beside the SQLite one where the dialects differ). The runs themselves
 * are in pm-plan-run.c.
 */

#include "config.h"

#include "pm-plan-store.h"
#include "pm-plan-private.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "pm-error.h"
#include "pm-ledger-private.h"
#include "pm-plan-sql.h"

struct _PmPlanStore
{
  GObject   parent_instance;

  PmLedger *ledger;
};

G_DEFINE_FINAL_TYPE (PmPlanStore, pm_plan_store, G_TYPE_OBJECT)

enum
{
  PROP_0,
  PROP_LEDGER,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

enum
{
  SIGNAL_PLANS_CHANGED,
  SIGNAL_RUN_CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

/* ---- boxed types ---- */

static const char *const run_state_ids[] = {
  "due", "running", "done", "skipped", "missed", "pending",
};

G_DEFINE_ENUM_TYPE (PmPlanRunState, pm_plan_run_state,
                    G_DEFINE_ENUM_VALUE (PM_PLAN_RUN_DUE, "due"),
                    G_DEFINE_ENUM_VALUE (PM_PLAN_RUN_RUNNING, "running"),
                    G_DEFINE_ENUM_VALUE (PM_PLAN_RUN_DONE, "done"),
                    G_DEFINE_ENUM_VALUE (PM_PLAN_RUN_SKIPPED, "skipped"),
                    G_DEFINE_ENUM_VALUE (PM_PLAN_RUN_MISSED, "missed"),
                    G_DEFINE_ENUM_VALUE (PM_PLAN_RUN_PENDING, "pending"))

const char *
pm_plan_run_state_to_string (PmPlanRunState state)
{
  g_return_val_if_fail (state <= PM_PLAN_RUN_PENDING, NULL);
  return run_state_ids[state];
}

gboolean
pm_plan_run_state_from_string (const char     *text,
                               PmPlanRunState *state)
{
  for (guint i = 0; i < G_N_ELEMENTS (run_state_ids); i++)
    if (g_strcmp0 (text, run_state_ids[i]) == 0)
      {
        *state = (PmPlanRunState) i;
        return TRUE;
      }
  return FALSE;
}

const char *
pm_plan_run_state_get_label (PmPlanRunState state)
{
  switch (state)
    {
    case PM_PLAN_RUN_DUE: return C_("plan run", "due");
    case PM_PLAN_RUN_RUNNING: return C_("plan run", "running");
    case PM_PLAN_RUN_DONE: return C_("plan run", "done");
    case PM_PLAN_RUN_SKIPPED: return C_("plan run", "skipped");
    case PM_PLAN_RUN_MISSED: return C_("plan run", "missed");
    case PM_PLAN_RUN_PENDING: return C_("plan run", "not due yet");
    default: g_return_val_if_reached (NULL);
    }
}

G_DEFINE_BOXED_TYPE (PmPlanRunInfo, pm_plan_run_info, pm_plan_run_info_copy,
                     pm_plan_run_info_free)

PmPlanRunInfo *
pm_plan_run_info_copy (const PmPlanRunInfo *info)
{
  PmPlanRunInfo *copy = g_memdup2 (info, sizeof *info);

  copy->plan_uuid = g_strdup (info->plan_uuid);
  copy->plan_name = g_strdup (info->plan_name);
  copy->period = g_strdup (info->period);
  copy->batch_id = g_strdup (info->batch_id);
  return copy;
}

void
pm_plan_run_info_free (PmPlanRunInfo *info)
{
  if (info == NULL)
    return;
  g_free (info->plan_uuid);
  g_free (info->plan_name);
  g_free (info->period);
  g_free (info->batch_id);
  g_free (info);
}

void
pm_plan_bill_row_free (PmPlanBillRow *row)
{
  if (row == NULL)
    return;
  pm_plan_payer_free (row->payer);
  g_clear_object (&row->bill);
  g_free (row->problem);
  g_free (row);
}

/* ---- the object ---- */

static void
pm_plan_store_finalize (GObject *object)
{
  PmPlanStore *self = PM_PLAN_STORE (object);

  g_clear_object (&self->ledger);
  G_OBJECT_CLASS (pm_plan_store_parent_class)->finalize (object);
}

static void
pm_plan_store_get_property (GObject    *object,
                            guint       prop_id,
                            GValue     *value,
                            GParamSpec *pspec)
{
  PmPlanStore *self = PM_PLAN_STORE (object);

  switch (prop_id)
    {
    case PROP_LEDGER:
      g_value_set_object (value, self->ledger);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
pm_plan_store_set_property (GObject      *object,
                            guint         prop_id,
                            const GValue *value,
                            GParamSpec   *pspec)
{
  PmPlanStore *self = PM_PLAN_STORE (object);

  switch (prop_id)
    {
    case PROP_LEDGER:
      self->ledger = g_value_dup_object (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
pm_plan_store_class_init (PmPlanStoreClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = pm_plan_store_finalize;
  object_class->get_property = pm_plan_store_get_property;
  object_class->set_property = pm_plan_store_set_property;

  properties[PROP_LEDGER] =
    g_param_spec_object ("ledger", NULL, NULL, PM_TYPE_LEDGER,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  signals[SIGNAL_PLANS_CHANGED] =
    g_signal_new ("plans-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 0);
  signals[SIGNAL_RUN_CHANGED] =
    g_signal_new ("run-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 2, G_TYPE_STRING, G_TYPE_STRING);
}

static void
pm_plan_store_init (PmPlanStore *self)
{
}

static void
replace_str (char       **slot,
             const char  *value)
{
  char *copy = g_strdup (value);

  g_free (*slot);
  *slot = copy;
}

/* ---- helpers shared with pm-plan-run.c ---- */

void
pm_plan_store_emit_plans_changed (PmPlanStore *self)
{
  g_signal_emit (self, signals[SIGNAL_PLANS_CHANGED], 0);
}

void
pm_plan_store_emit_run_changed (PmPlanStore *self,
                                const char  *plan_uuid,
                                const char  *period)
{
  g_signal_emit (self, signals[SIGNAL_RUN_CHANGED], 0, plan_uuid, period);
}

/* ---- opening ---- */

PmPlanStore *
pm_plan_store_new (PmLedger  *ledger,
                   GError   **error)
{
  g_autoptr(PmPlanStore) self = NULL;

  g_return_val_if_fail (PM_IS_LEDGER (ledger), NULL);

  self = g_object_new (PM_TYPE_PLAN_STORE, "ledger", ledger, NULL);
  if (!pm_plan_sql_create_tables (ledger, error))
    return NULL;
  return g_steal_pointer (&self);
}

PmLedger *
pm_plan_store_get_ledger (PmPlanStore *self)
{
  g_return_val_if_fail (PM_IS_PLAN_STORE (self), NULL);
  return self->ledger;
}

/* ---- reading plans ---- */

#define PLAN_COLUMNS \
  "uuid, profile_id, name, day, time, days_to_pay, reason, message, start_period, " \
  "end_period, paused, created_at, updated_at"

static PmPlan *
plan_from_row (PmPlanRows *rows,
               guint       row)
{
  PmPlan *plan = pm_plan_new ();

  pm_plan_set_uuid (plan, pm_plan_rows_text (rows, row, 0));
  pm_plan_set_profile_id (plan, pm_plan_rows_text (rows, row, 1));
  pm_plan_set_name (plan, pm_plan_rows_text (rows, row, 2));
  pm_plan_set_day (plan, (int) pm_plan_rows_int64 (rows, row, 3));
  pm_plan_set_time (plan, (int) pm_plan_rows_int64 (rows, row, 4));
  pm_plan_set_days_to_pay (plan, (int) pm_plan_rows_int64 (rows, row, 5));
  pm_plan_set_reason (plan, pm_plan_rows_text (rows, row, 6));
  pm_plan_set_message (plan, pm_plan_rows_text (rows, row, 7));
  pm_plan_set_start_period (plan, pm_plan_rows_text (rows, row, 8));
  pm_plan_set_end_period (plan, pm_plan_rows_text_or_null (rows, row, 9));
  pm_plan_set_paused (plan, pm_plan_rows_int64 (rows, row, 10) != 0);
  pm_plan_set_created_at (plan, pm_plan_rows_int64 (rows, row, 11));
  pm_plan_set_updated_at (plan, pm_plan_rows_int64 (rows, row, 12));
  return plan;
}

/* Every row of @rows (NULL: failed) as plans. */
static GPtrArray *
read_plans (PmPlanRows *rows)
{
  GPtrArray *plans;

  if (rows == NULL)
    return NULL;
  plans = g_ptr_array_new_with_free_func (g_object_unref);
  for (guint i = 0; i < pm_plan_rows_len (rows); i++)
    g_ptr_array_add (plans, plan_from_row (rows, i));
  pm_plan_rows_free (rows);
  return plans;
}

/* The valid_from of the roster version in force for @period (NULL: the newest). */
static char *
roster_version (PmPlanStore  *self,
                const char   *plan_uuid,
                const char   *period,
                GError      **error)
{
  static const PmPlanStmt stmt = {
    "SELECT coalesce ((SELECT max (valid_from) FROM plan_payers "
    "WHERE plan_uuid = ?1 AND valid_from <= coalesce (?2, '9999-99')), "
    "(SELECT min (valid_from) FROM plan_payers WHERE plan_uuid = ?1))",
    "SELECT coalesce ((SELECT max (valid_from) FROM plan_payers "
    "WHERE plan_uuid = $1 AND valid_from <= coalesce ($2::text, '9999-99')), "
    "(SELECT min (valid_from) FROM plan_payers WHERE plan_uuid = $1))",
  };
  g_autoptr(PmPlanRows) rows = pm_plan_sql_query (self->ledger, &stmt, error, "tn", plan_uuid,
                                                  period);

  if (rows == NULL)
    return NULL;
  if (pm_plan_rows_len (rows) > 0)
    return g_strdup (pm_plan_rows_text (rows, 0, 0));
  return g_strdup ("");
}

static GPtrArray *
roster_at (PmPlanStore  *self,
           const char   *plan_uuid,
           const char   *period,
           GError      **error)
{
  static const PmPlanStmt stmt = {
    "SELECT name, phone, amount, method_id FROM plan_payers "
    "WHERE plan_uuid = ? AND valid_from = ? ORDER BY position", NULL,
  };
  g_autofree char *valid_from = roster_version (self, plan_uuid, period, error);
  g_autoptr(PmPlanRows) rows = NULL;
  GPtrArray *payers;

  if (valid_from == NULL)
    return NULL;
  rows = pm_plan_sql_query (self->ledger, &stmt, error, "tt", plan_uuid, valid_from);
  if (rows == NULL)
    return NULL;
  payers = g_ptr_array_new_with_free_func ((GDestroyNotify) pm_plan_payer_free);
  for (guint i = 0; i < pm_plan_rows_len (rows); i++)
    {
      PmPlanPayer *payer = g_new0 (PmPlanPayer, 1);

      payer->name = g_strdup (pm_plan_rows_text (rows, i, 0));
      payer->phone = g_strdup (pm_plan_rows_text (rows, i, 1));
      payer->amount = pm_plan_rows_int64 (rows, i, 2);
      payer->method_id = g_strdup (pm_plan_rows_text_or_null (rows, i, 3));
      g_ptr_array_add (payers, payer);
    }
  return payers;
}

GPtrArray *
pm_plan_store_roster_for (PmPlanStore  *self,
                          const char   *plan_uuid,
                          const char   *period,
                          GError      **error)
{
  g_return_val_if_fail (PM_IS_PLAN_STORE (self), NULL);
  g_return_val_if_fail (plan_uuid != NULL, NULL);

  return roster_at (self, plan_uuid, period, error);
}

static gboolean
fill_rosters (PmPlanStore  *self,
              GPtrArray    *plans,
              GError      **error)
{
  for (guint i = 0; i < plans->len; i++)
    {
      PmPlan *plan = g_ptr_array_index (plans, i);
      g_autoptr(GPtrArray) roster = roster_at (self, pm_plan_get_uuid (plan), NULL, error);

      if (roster == NULL)
        return FALSE;
      pm_plan_set_roster (plan, roster);
    }
  return TRUE;
}

GPtrArray *
pm_plan_store_list (PmPlanStore  *self,
                    const char   *profile_id,
                    GError      **error)
{
  static const PmPlanStmt stmt = {
    "SELECT " PLAN_COLUMNS " FROM plans WHERE removed_at = 0 "
    "AND (?1 IS NULL OR profile_id = ?1) ORDER BY name, created_at",
    "SELECT " PLAN_COLUMNS " FROM plans WHERE removed_at = 0 "
    "AND ($1::text IS NULL OR profile_id = $1) ORDER BY name, created_at",
  };
  g_autoptr(GPtrArray) plans = NULL;

  g_return_val_if_fail (PM_IS_PLAN_STORE (self), NULL);

  plans = read_plans (pm_plan_sql_query (self->ledger, &stmt, error, "n", profile_id));
  if (plans == NULL || !fill_rosters (self, plans, error))
    return NULL;
  return g_steal_pointer (&plans);
}

/* Also finds removed plans when @removed_too (history). */
PmPlan *
pm_plan_store_lookup_full (PmPlanStore  *self,
                           const char   *uuid_or_name,
                           gboolean      removed_too,
                           GError      **error)
{
  static const PmPlanStmt queries[] = {
    { "SELECT " PLAN_COLUMNS " FROM plans WHERE uuid = ?1 AND (?2 OR removed_at = 0)", NULL },
    { "SELECT " PLAN_COLUMNS " FROM plans WHERE name = ?1 AND (?2 OR removed_at = 0) "
      "ORDER BY removed_at = 0 DESC, created_at DESC LIMIT 1", NULL },
    { "SELECT " PLAN_COLUMNS " FROM plans WHERE lower (name) = lower (?1) "
      "AND (?2 OR removed_at = 0) ORDER BY removed_at = 0 DESC, created_at DESC LIMIT 1",
      NULL },
  };

  g_return_val_if_fail (PM_IS_PLAN_STORE (self), NULL);
  g_return_val_if_fail (uuid_or_name != NULL, NULL);

  for (guint i = 0; i < G_N_ELEMENTS (queries); i++)
    {
      g_autoptr(GPtrArray) plans = NULL;
      g_autoptr(GPtrArray) roster = NULL;
      PmPlan *plan;

      plans = read_plans (pm_plan_sql_query (self->ledger, &queries[i], error, "ti",
                                             uuid_or_name, (int) !!removed_too));
      if (plans == NULL)
        return NULL;
      if (plans->len == 0)
        continue;
      plan = g_object_ref (g_ptr_array_index (plans, 0));
      roster = roster_at (self, pm_plan_get_uuid (plan), NULL, error);
      if (roster == NULL)
        {
          g_object_unref (plan);
          return NULL;
        }
      pm_plan_set_roster (plan, roster);
      return plan;
    }
  pm_error_set_field_error (error, PM_ERROR_NOT_FOUND, PM_PLAN_FIELD_NAME,
                            _("There is no plan “%s”."), uuid_or_name);
  return NULL;
}

PmPlan *
pm_plan_store_lookup (PmPlanStore  *self,
                      const char   *uuid_or_name,
                      GError      **error)
{
  return pm_plan_store_lookup_full (self, uuid_or_name, FALSE, error);
}

/* ---- writing plans ---- */

static gboolean
write_roster (PmPlanStore  *self,
              const char   *plan_uuid,
              const char   *valid_from,
              GPtrArray    *roster,
              GError      **error)
{
  static const PmPlanStmt delete_stmt = {
    "DELETE FROM plan_payers WHERE plan_uuid = ? AND valid_from = ?", NULL,
  };
  static const PmPlanStmt insert_stmt = {
    "INSERT INTO plan_payers (plan_uuid, valid_from, position, "
    "payer_id, name, phone, amount, method_id) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?)", NULL,
  };

  if (!pm_plan_sql_exec (self->ledger, &delete_stmt, NULL, error, "tt", plan_uuid, valid_from))
    return FALSE;
  for (guint i = 0; i < roster->len; i++)
    {
      PmPlanPayer *payer = g_ptr_array_index (roster, i);

      if (!pm_plan_sql_exec (self->ledger, &insert_stmt, NULL, error, "ttitttln", plan_uuid,
                             valid_from, (int) i, payer->phone, payer->name, payer->phone,
                             payer->amount, payer->method_id))
        return FALSE;
    }
  return TRUE;
}

static gboolean
name_taken (PmPlanStore  *self,
            PmPlan       *plan,
            const char   *profile_id,
            gboolean     *taken,
            GError      **error)
{
  static const PmPlanStmt stmt = {
    "SELECT 1 FROM plans WHERE removed_at = 0 AND uuid != ? "
    "AND lower (name) = lower (?) AND profile_id = ?", NULL,
  };
  g_autoptr(PmPlanRows) rows =
    pm_plan_sql_query (self->ledger, &stmt, error, "ttt", pm_plan_get_uuid (plan),
                       pm_plan_get_name (plan), profile_id != NULL ? profile_id : "");

  if (rows == NULL)
    return FALSE;
  *taken = pm_plan_rows_len (rows) > 0;
  return TRUE;
}

static gboolean
write_plan (PmPlanStore  *self,
            PmPlan       *plan,
            gboolean      insert,
            GError      **error)
{
  static const PmPlanStmt insert_stmt = {
    "INSERT INTO plans (name, day, time, days_to_pay, reason, message, "
    "start_period, end_period, paused, updated_at, created_at, "
    "profile_id, uuid) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, "
    "?10, ?11, ?12, ?13)", NULL,
  };
  static const PmPlanStmt update_stmt = {
    "UPDATE plans SET name = ?1, day = ?2, time = ?3, days_to_pay = ?4, "
    "reason = ?5, message = ?6, start_period = ?7, end_period = ?8, "
    "paused = ?9, updated_at = ?10 WHERE uuid = ?11", NULL,
  };
  const char *profile_id = pm_plan_get_profile_id (plan) != NULL
                           ? pm_plan_get_profile_id (plan) : "";

  if (insert)
    return pm_plan_sql_exec (self->ledger, &insert_stmt, NULL, error, "tiiitttnilltt",
                             pm_plan_get_name (plan), pm_plan_get_day (plan),
                             pm_plan_get_time (plan), pm_plan_get_days_to_pay (plan),
                             pm_plan_get_reason (plan), pm_plan_get_message (plan),
                             pm_plan_get_start_period (plan), pm_plan_get_end_period (plan),
                             (int) pm_plan_get_paused (plan), pm_plan_get_updated_at (plan),
                             pm_plan_get_created_at (plan), profile_id,
                             pm_plan_get_uuid (plan));
  return pm_plan_sql_exec (self->ledger, &update_stmt, NULL, error, "tiiitttnilt",
                           pm_plan_get_name (plan), pm_plan_get_day (plan),
                           pm_plan_get_time (plan), pm_plan_get_days_to_pay (plan),
                           pm_plan_get_reason (plan), pm_plan_get_message (plan),
                           pm_plan_get_start_period (plan), pm_plan_get_end_period (plan),
                           (int) pm_plan_get_paused (plan), pm_plan_get_updated_at (plan),
                           pm_plan_get_uuid (plan));
}

gboolean
pm_plan_store_add (PmPlanStore  *self,
                   PmPlan       *plan,
                   const char   *profile_id,
                   gint64        now,
                   GError      **error)
{
  gboolean taken = FALSE;

  g_return_val_if_fail (PM_IS_PLAN_STORE (self), FALSE);
  g_return_val_if_fail (PM_IS_PLAN (plan), FALSE);

  if (!pm_plan_validate (plan, error))
    return FALSE;
  pm_plan_set_profile_id (plan, profile_id);
  pm_plan_set_created_at (plan, now);
  pm_plan_set_updated_at (plan, now);

  if (!pm_plan_sql_begin (self->ledger, error))
    return FALSE;
  if (!name_taken (self, plan, profile_id, &taken, error))
    goto failed;
  if (taken)
    {
      pm_error_set_field_error (error, PM_ERROR_INVALID, PM_PLAN_FIELD_NAME,
                                _("There is already a plan named “%s”: choose another name."),
                                pm_plan_get_name (plan));
      goto failed;
    }
  if (!write_plan (self, plan, TRUE, error)
      || !write_roster (self, pm_plan_get_uuid (plan), pm_plan_get_start_period (plan),
                        pm_plan_get_roster (plan), error))
    goto failed;
  if (!pm_ledger_commit (self->ledger, error))
    return FALSE;
  pm_plan_store_emit_plans_changed (self);
  return TRUE;

failed:
  pm_ledger_rollback (self->ledger);
  return FALSE;
}

static gboolean
same_roster (GPtrArray *a,
             GPtrArray *b)
{
  if (a->len != b->len)
    return FALSE;
  for (guint i = 0; i < a->len; i++)
    {
      PmPlanPayer *x = g_ptr_array_index (a, i);
      PmPlanPayer *y = g_ptr_array_index (b, i);

      if (g_strcmp0 (x->name, y->name) != 0 || g_strcmp0 (x->phone, y->phone) != 0
          || x->amount != y->amount || g_strcmp0 (x->method_id, y->method_id) != 0)
        return FALSE;
    }
  return TRUE;
}

/* The newest period that a run has started (bills made) or finished, or NULL. */
static char *
last_started_period (PmPlanStore  *self,
                     const char   *plan_uuid,
                     GError      **error)
{
  static const PmPlanStmt stmt = {
    "SELECT max (p) FROM (SELECT max (period) AS p FROM plan_runs "
    "WHERE plan_uuid = ?1 AND (started_at != 0 OR state IN "
    "('running', 'done')) UNION ALL SELECT max (period) FROM plan_bills "
    "WHERE plan_uuid = ?1) AS periods", NULL,
  };
  g_autoptr(PmPlanRows) rows = pm_plan_sql_query (self->ledger, &stmt, error, "t", plan_uuid);

  if (rows == NULL || pm_plan_rows_len (rows) == 0)
    return NULL;
  return g_strdup (pm_plan_rows_text_or_null (rows, 0, 0));
}

gboolean
pm_plan_store_save (PmPlanStore  *self,
                    PmPlan       *plan,
                    gint64        now,
                    GError      **error)
{
  g_autoptr(GPtrArray) stored = NULL;
  g_autofree char *last = NULL;
  g_autofree char *valid_from = NULL;
  g_autofree char *now_period = NULL;
  gboolean taken = FALSE;

  g_return_val_if_fail (PM_IS_PLAN_STORE (self), FALSE);
  g_return_val_if_fail (PM_IS_PLAN (plan), FALSE);

  if (!pm_plan_validate (plan, error))
    return FALSE;
  pm_plan_set_updated_at (plan, now);
  if (!pm_plan_sql_begin (self->ledger, error))
    return FALSE;
  if (!name_taken (self, plan, pm_plan_get_profile_id (plan), &taken, error))
    goto failed;
  if (taken)
    {
      pm_error_set_field_error (error, PM_ERROR_INVALID, PM_PLAN_FIELD_NAME,
                                _("There is already a plan named “%s”: choose another name."),
                                pm_plan_get_name (plan));
      goto failed;
    }
  if (!write_plan (self, plan, FALSE, error))
    goto failed;
  stored = roster_at (self, pm_plan_get_uuid (plan), NULL, error);
  if (stored == NULL)
    goto failed;
  if (!same_roster (stored, pm_plan_get_roster (plan)))
    {
      /* roster changes apply from the next run: the first period no run has started,
       * not before the plan's start or the current month */
      last = last_started_period (self, pm_plan_get_uuid (plan), error);
      if (error != NULL && *error != NULL)
        goto failed;
      now_period = pm_plan_period_at (now);
      valid_from = g_strdup (strcmp (now_period, pm_plan_get_start_period (plan)) > 0
                             ? now_period : pm_plan_get_start_period (plan));
      if (last != NULL)
        {
          g_autofree char *after = pm_plan_period_add (last, 1);

          if (strcmp (after, valid_from) > 0)
            replace_str (&valid_from, after);
        }
      if (!write_roster (self, pm_plan_get_uuid (plan), valid_from, pm_plan_get_roster (plan),
                         error))
        goto failed;
    }
  if (!pm_ledger_commit (self->ledger, error))
    return FALSE;
  pm_plan_store_emit_plans_changed (self);
  return TRUE;

failed:
  pm_ledger_rollback (self->ledger);
  return FALSE;
}

static gboolean
update_plan_column (PmPlanStore       *self,
                    const PmPlanStmt  *stmt,
                    const char        *plan_uuid,
                    gint64             value,
                    gint64             now,
                    GError           **error)
{
  guint64 changes = 0;

  if (!pm_plan_sql_begin (self->ledger, error))
    return FALSE;
  if (!pm_plan_sql_exec (self->ledger, stmt, &changes, error, "llt", value, now, plan_uuid))
    goto failed;
  if (changes == 0)
    {
      pm_error_set_field_error (error, PM_ERROR_NOT_FOUND, PM_PLAN_FIELD_NAME,
                                _("There is no plan “%s”."), plan_uuid);
      goto failed;
    }
  if (!pm_ledger_commit (self->ledger, error))
    return FALSE;
  pm_plan_store_emit_plans_changed (self);
  return TRUE;

failed:
  pm_ledger_rollback (self->ledger);
  return FALSE;
}

gboolean
pm_plan_store_set_paused (PmPlanStore  *self,
                          const char   *plan_uuid,
                          gboolean      paused,
                          gint64        now,
                          GError      **error)
{
  static const PmPlanStmt stmt = {
    "UPDATE plans SET paused = ?1, updated_at = ?2 WHERE uuid = ?3 AND removed_at = 0", NULL,
  };

  g_return_val_if_fail (PM_IS_PLAN_STORE (self), FALSE);
  g_return_val_if_fail (plan_uuid != NULL, FALSE);

  return update_plan_column (self, &stmt, plan_uuid, !!paused, now, error);
}

gboolean
pm_plan_store_remove (PmPlanStore  *self,
                      const char   *plan_uuid,
                      gint64        now,
                      GError      **error)
{
  static const PmPlanStmt stmt = {
    "UPDATE plans SET removed_at = max (?1, 1), updated_at = ?2 "
    "WHERE uuid = ?3 AND removed_at = 0",
    "UPDATE plans SET removed_at = greatest ($1::bigint, 1), updated_at = $2 "
    "WHERE uuid = $3 AND removed_at = 0",
  };

  g_return_val_if_fail (PM_IS_PLAN_STORE (self), FALSE);
  g_return_val_if_fail (plan_uuid != NULL, FALSE);

  return update_plan_column (self, &stmt, plan_uuid, now, now, error);
}

/* ---- runs: reading ---- */

static PmPlanRunInfo *
run_from_row (PmPlanRows *rows,
              guint       row)
{
  PmPlanRunInfo *info = g_new0 (PmPlanRunInfo, 1);

  info->plan_uuid = g_strdup (pm_plan_rows_text (rows, row, 0));
  info->period = g_strdup (pm_plan_rows_text (rows, row, 1));
  if (!pm_plan_run_state_from_string (pm_plan_rows_text (rows, row, 2), &info->state))
    info->state = PM_PLAN_RUN_DUE;
  info->due_at = pm_plan_rows_int64 (rows, row, 3);
  info->batch_id = g_strdup (pm_plan_rows_text_or_null (rows, row, 4));
  info->started_at = pm_plan_rows_int64 (rows, row, 5);
  info->finished_at = pm_plan_rows_int64 (rows, row, 6);
  return info;
}

#define RUN_COLUMNS "plan_uuid, period, state, due_at, batch_id, started_at, finished_at"

/* Counts from the ledger's bills: each payer's newest revision. */
static gboolean
count_bills (PmPlanStore    *self,
             PmPlanRunInfo  *info,
             GError        **error)
{
  static const PmPlanStmt stmt = {
    "SELECT b.state, b.price FROM plan_bills pb "
    "JOIN bills b ON b.bill_id = pb.bill_id "
    "WHERE pb.plan_uuid = ?1 AND pb.period = ?2 AND pb.revision = "
    "(SELECT max (revision) FROM plan_bills x WHERE x.plan_uuid = ?1 "
    "AND x.period = ?2 AND x.payer_id = pb.payer_id)", NULL,
  };
  g_autoptr(PmPlanRows) rows = pm_plan_sql_query (self->ledger, &stmt, error, "tt",
                                                  info->plan_uuid, info->period);

  if (rows == NULL)
    return FALSE;
  info->n_bills = info->n_sent = info->n_failed = info->n_unknown = 0;
  info->won_sent = 0;
  for (guint i = 0; i < pm_plan_rows_len (rows); i++)
    {
      PmBillState state;

      info->n_bills++;
      if (!pm_bill_state_from_string (pm_plan_rows_text (rows, i, 0), &state))
        state = PM_BILL_STATE_UNKNOWN;
      switch (state)
        {
        case PM_BILL_STATE_QUEUED:
        case PM_BILL_STATE_SENDING:
        case PM_BILL_STATE_UNKNOWN:
          info->n_unknown++;
          break;
        case PM_BILL_STATE_FAILED:
        case PM_BILL_STATE_NOT_SENT:
          info->n_failed++;
          break;
        default:
          info->n_sent++;
          info->won_sent += pm_plan_rows_int64 (rows, i, 1);
        }
    }
  return TRUE;
}

/* The stored run rows of @plan_uuid, newest period first, without counts. */
GPtrArray *
pm_plan_store_read_runs (PmPlanStore  *self,
                         const char   *plan_uuid,
                         GError      **error)
{
  static const PmPlanStmt stmt = {
    "SELECT " RUN_COLUMNS " FROM plan_runs WHERE plan_uuid = ? ORDER BY period DESC", NULL,
  };
  g_autoptr(PmPlanRows) rows = pm_plan_sql_query (self->ledger, &stmt, error, "t", plan_uuid);
  GPtrArray *runs;

  if (rows == NULL)
    return NULL;
  runs = g_ptr_array_new_with_free_func ((GDestroyNotify) pm_plan_run_info_free);
  for (guint i = 0; i < pm_plan_rows_len (rows); i++)
    g_ptr_array_add (runs, run_from_row (rows, i));
  return runs;
}

GPtrArray *
pm_plan_store_list_runs (PmPlanStore  *self,
                         const char   *plan_uuid,
                         GError      **error)
{
  g_autoptr(PmPlan) plan = NULL;
  g_autoptr(GPtrArray) runs = NULL;

  g_return_val_if_fail (PM_IS_PLAN_STORE (self), NULL);
  g_return_val_if_fail (plan_uuid != NULL, NULL);

  plan = pm_plan_store_lookup_full (self, plan_uuid, TRUE, error);
  if (plan == NULL)
    return NULL;
  runs = pm_plan_store_read_runs (self, pm_plan_get_uuid (plan), error);
  if (runs == NULL)
    return NULL;
  for (guint i = 0; i < runs->len; i++)
    {
      PmPlanRunInfo *info = g_ptr_array_index (runs, i);

      info->plan_name = g_strdup (pm_plan_get_name (plan));
      if (!count_bills (self, info, error))
        return NULL;
    }
  return g_steal_pointer (&runs);
}

PmPlanRunInfo *
pm_plan_store_get_run (PmPlanStore  *self,
                       const char   *plan_uuid,
                       const char   *period,
                       gint64        now,
                       GError      **error)
{
  static const PmPlanStmt stmt = {
    "SELECT " RUN_COLUMNS " FROM plan_runs WHERE plan_uuid = ? AND period = ?", NULL,
  };
  g_autoptr(PmPlan) plan = NULL;
  g_autoptr(PmPlanRunInfo) info = NULL;
  g_autoptr(PmPlanRows) rows = NULL;

  g_return_val_if_fail (PM_IS_PLAN_STORE (self), NULL);

  if (!pm_plan_parse_period (period, PM_PLAN_FIELD_PERIOD, NULL, NULL, error))
    return NULL;
  plan = pm_plan_store_lookup_full (self, plan_uuid, TRUE, error);
  if (plan == NULL)
    return NULL;
  rows = pm_plan_sql_query (self->ledger, &stmt, error, "tt", pm_plan_get_uuid (plan), period);
  if (rows == NULL)
    return NULL;
  if (pm_plan_rows_len (rows) > 0)
    info = run_from_row (rows, 0);
  else
    {
      info = g_new0 (PmPlanRunInfo, 1);
      info->plan_uuid = g_strdup (pm_plan_get_uuid (plan));
      info->period = g_strdup (period);
      info->due_at = pm_plan_due_at (plan, period);
      info->state = info->due_at <= now ? PM_PLAN_RUN_DUE : PM_PLAN_RUN_PENDING;
    }
  info->plan_name = g_strdup (pm_plan_get_name (plan));
  if (!count_bills (self, info, error))
    return NULL;
  return g_steal_pointer (&info);
}

char *
pm_plan_store_next_period (PmPlanStore  *self,
                           PmPlan       *plan,
                           gint64        now,
                           GError      **error)
{
  g_autoptr(GPtrArray) runs = NULL;
  g_autoptr(GHashTable) settled = g_hash_table_new (g_str_hash, g_str_equal);
  g_autofree char *period = NULL;

  g_return_val_if_fail (PM_IS_PLAN_STORE (self), NULL);
  g_return_val_if_fail (PM_IS_PLAN (plan), NULL);

  runs = pm_plan_store_read_runs (self, pm_plan_get_uuid (plan), error);
  if (runs == NULL)
    return NULL;
  for (guint i = 0; i < runs->len; i++)
    {
      PmPlanRunInfo *info = g_ptr_array_index (runs, i);

      if (info->state != PM_PLAN_RUN_DUE && info->state != PM_PLAN_RUN_RUNNING)
        g_hash_table_add (settled, info->period);
    }
  period = pm_plan_period_at (now);
  if (strcmp (period, pm_plan_get_start_period (plan)) < 0)
    replace_str (&period, pm_plan_get_start_period (plan));
  for (guint i = 0; i < 1200; i++)
    {
      if (!pm_plan_covers (plan, period))
        return NULL;
      if (!g_hash_table_contains (settled, period))
        return g_steal_pointer (&period);
      {
        char *next = pm_plan_period_add (period, 1);

        g_free (period);
        period = next;
      }
    }
  return NULL;
}

/* ---- skip ---- */

gboolean
pm_plan_store_skip (PmPlanStore  *self,
                    const char   *plan_uuid,
                    const char   *period,
                    gint64        now,
                    GError      **error)
{
  g_autoptr(PmPlan) plan = NULL;
  g_autoptr(PmPlanRows) rows = NULL;
  static const PmPlanStmt exists_stmt = {
    "SELECT EXISTS (SELECT 1 FROM plan_bills WHERE plan_uuid = ? AND period = ?)", NULL,
  };
  static const PmPlanStmt skip_stmt = {
    "INSERT INTO plan_runs (plan_uuid, period, state, due_at, updated_at) "
    "VALUES (?1, ?2, 'skipped', ?3, ?4) ON CONFLICT (plan_uuid, period) "
    "DO UPDATE SET state = 'skipped', owner = NULL, updated_at = ?4", NULL,
  };
  gboolean has_bills;

  g_return_val_if_fail (PM_IS_PLAN_STORE (self), FALSE);

  if (!pm_plan_parse_period (period, PM_PLAN_FIELD_PERIOD, NULL, NULL, error))
    return FALSE;
  plan = pm_plan_store_lookup (self, plan_uuid, error);
  if (plan == NULL)
    return FALSE;
  if (!pm_plan_covers (plan, period))
    {
      pm_error_set_field_error (error, PM_ERROR_INVALID, PM_PLAN_FIELD_PERIOD,
                                _("The plan “%s” does not bill %s."), pm_plan_get_name (plan),
                                period);
      return FALSE;
    }
  if (!pm_plan_sql_begin (self->ledger, error))
    return FALSE;
  rows = pm_plan_sql_query (self->ledger, &exists_stmt, error, "tt", pm_plan_get_uuid (plan),
                            period);
  if (rows == NULL)
    goto failed;
  has_bills = pm_plan_rows_len (rows) > 0 && pm_plan_rows_int64 (rows, 0, 0) != 0;
  if (has_bills)
    {
      pm_error_set_field_error (error, PM_ERROR_INVALID, PM_PLAN_FIELD_PERIOD,
                                _("%s of “%s” has been billed already, so it cannot be "
                                  "skipped."), period, pm_plan_get_name (plan));
      goto failed;
    }
  if (!pm_plan_sql_exec (self->ledger, &skip_stmt, NULL, error, "ttll", pm_plan_get_uuid (plan),
                         period, pm_plan_due_at (plan, period), now))
    goto failed;
  if (!pm_ledger_commit (self->ledger, error))
    return FALSE;
  pm_plan_store_emit_run_changed (self, pm_plan_get_uuid (plan), period);
  return TRUE;

failed:
  pm_ledger_rollback (self->ledger);
  return FALSE;
}

/* ---- revisions and preview ---- */

GHashTable *
pm_plan_store_read_revisions (PmPlanStore  *self,
                              const char   *plan_uuid,
                              const char   *period,
                              GError      **error)
{
  static const PmPlanStmt stmt = {
    "SELECT payer_id, max (revision) FROM plan_bills WHERE plan_uuid = ? "
    "AND period = ? GROUP BY payer_id", NULL,
  };
  g_autoptr(PmPlanRows) rows = pm_plan_sql_query (self->ledger, &stmt, error, "tt", plan_uuid,
                                                  period);
  GHashTable *revisions;

  if (rows == NULL)
    return NULL;
  revisions = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  for (guint i = 0; i < pm_plan_rows_len (rows); i++)
    g_hash_table_insert (revisions, g_strdup (pm_plan_rows_text (rows, i, 0)),
                         GUINT_TO_POINTER ((int) pm_plan_rows_int64 (rows, i, 1) + 1));
  return revisions;
}

guint
pm_plan_revision_of (GHashTable *revisions,
                     const char *payer_id)
{
  gpointer value = g_hash_table_lookup (revisions, payer_id);

  return value != NULL ? GPOINTER_TO_UINT (value) - 1 : 0;
}

GPtrArray *
pm_plan_store_list_bills (PmPlanStore  *self,
                          const char   *plan_uuid,
                          const char   *period,
                          GError      **error)
{
  g_autoptr(PmPlan) plan = NULL;
  g_autoptr(GPtrArray) rows =
    g_ptr_array_new_with_free_func ((GDestroyNotify) pm_plan_bill_row_free);
  g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(PmPlanRows) found = NULL;
  static const PmPlanStmt stmt = {
    "SELECT payer_id, revision, bill_id FROM plan_bills "
    "WHERE plan_uuid = ? AND period = ? ORDER BY rowid",
    "SELECT payer_id, revision, bill_id FROM plan_bills "
    "WHERE plan_uuid = $1 AND period = $2 ORDER BY seq",
  };

  g_return_val_if_fail (PM_IS_PLAN_STORE (self), NULL);

  if (!pm_plan_parse_period (period, PM_PLAN_FIELD_PERIOD, NULL, NULL, error))
    return NULL;
  plan = pm_plan_store_lookup_full (self, plan_uuid, TRUE, error);
  if (plan == NULL)
    return NULL;
  found = pm_plan_sql_query (self->ledger, &stmt, error, "tt", pm_plan_get_uuid (plan), period);
  if (found == NULL)
    return NULL;
  for (guint i = 0; i < pm_plan_rows_len (found); i++)
    {
      PmPlanBillRow *row = g_new0 (PmPlanBillRow, 1);

      row->payer = g_new0 (PmPlanPayer, 1);
      row->payer->phone = g_strdup (pm_plan_rows_text (found, i, 0));
      row->revision = (guint) pm_plan_rows_int64 (found, i, 1);
      g_ptr_array_add (ids, g_strdup (pm_plan_rows_text (found, i, 2)));
      g_ptr_array_add (rows, row);
    }
  for (guint i = 0; i < rows->len; i++)
    {
      PmPlanBillRow *row = g_ptr_array_index (rows, i);
      g_autoptr(GError) local = NULL;

      row->bill = pm_ledger_lookup (self->ledger, g_ptr_array_index (ids, i), &local);
      if (local != NULL)
        {
          g_propagate_error (error, g_steal_pointer (&local));
          return NULL;
        }
      row->in_ledger = row->bill != NULL;
      if (row->bill != NULL)
        {
          row->payer->name = g_strdup (pm_bill_get_payer_name (row->bill));
          row->payer->amount = pm_bill_get_price (row->bill);
          row->payer->method_id = g_strdup (pm_bill_get_method_id (row->bill));
        }
    }
  return g_steal_pointer (&rows);
}

GPtrArray *
pm_plan_store_preview (PmPlanStore  *self,
                       const char   *plan_uuid,
                       const char   *period,
                       gint64        now,
                       GError      **error)
{
  g_autoptr(PmPlan) plan = NULL;
  g_autoptr(GPtrArray) roster = NULL;
  g_autoptr(GHashTable) revisions = NULL;
  g_autoptr(GPtrArray) rows =
    g_ptr_array_new_with_free_func ((GDestroyNotify) pm_plan_bill_row_free);

  g_return_val_if_fail (PM_IS_PLAN_STORE (self), NULL);

  if (!pm_plan_parse_period (period, PM_PLAN_FIELD_PERIOD, NULL, NULL, error))
    return NULL;
  plan = pm_plan_store_lookup_full (self, plan_uuid, TRUE, error);
  if (plan == NULL)
    return NULL;
  roster = roster_at (self, pm_plan_get_uuid (plan), period, error);
  if (roster == NULL)
    return NULL;
  revisions = pm_plan_store_read_revisions (self, pm_plan_get_uuid (plan), period, error);
  if (revisions == NULL)
    return NULL;
  for (guint i = 0; i < roster->len; i++)
    {
      PmPlanPayer *payer = g_ptr_array_index (roster, i);
      PmPlanBillRow *row = g_new0 (PmPlanBillRow, 1);
      g_autoptr(GError) local = NULL;
      PmBill *stored;

      g_ptr_array_add (rows, row);
      row->payer = pm_plan_payer_copy (payer);
      row->revision = pm_plan_revision_of (revisions, payer->phone);
      row->bill = pm_plan_make_draft (plan, payer, period, row->revision, now, &local);
      if (row->bill == NULL)
        {
          row->problem = g_strdup (local->message);
          continue;
        }
      stored = pm_ledger_lookup (self->ledger, pm_bill_get_bill_id (row->bill), &local);
      if (local != NULL)
        {
          g_propagate_error (error, g_steal_pointer (&local));
          return NULL;
        }
      if (stored != NULL)
        {
          g_object_unref (row->bill);
          row->bill = stored;
          row->in_ledger = TRUE;
        }
      else if (!pm_bill_validate_at (row->bill, now, &local))
        row->problem = g_strdup (local->message);
    }
  return g_steal_pointer (&rows);
}

/* ---- due runs ---- */

GPtrArray *
pm_plan_store_due_runs (PmPlanStore  *self,
                        const char   *profile_id,
                        gint64        now,
                        gint64        grace,
                        GError      **error)
{
  g_autoptr(GPtrArray) plans = NULL;
  g_autoptr(GPtrArray) due =
    g_ptr_array_new_with_free_func ((GDestroyNotify) pm_plan_run_info_free);
  g_autofree char *now_period = pm_plan_period_at (now);

  g_return_val_if_fail (PM_IS_PLAN_STORE (self), NULL);

  plans = pm_plan_store_list (self, profile_id, error);
  if (plans == NULL)
    return NULL;
  for (guint i = 0; i < plans->len; i++)
    {
      PmPlan *plan = g_ptr_array_index (plans, i);
      g_autoptr(GPtrArray) runs = NULL;
      g_autoptr(GHashTable) stored = g_hash_table_new (g_str_hash, g_str_equal);
      g_autofree char *period = g_strdup (pm_plan_get_start_period (plan));

      if (pm_plan_get_paused (plan))
        continue;
      runs = pm_plan_store_read_runs (self, pm_plan_get_uuid (plan), error);
      if (runs == NULL)
        return NULL;
      for (guint j = 0; j < runs->len; j++)
        {
          PmPlanRunInfo *info = g_ptr_array_index (runs, j);

          g_hash_table_insert (stored, info->period, info);
        }
      while (strcmp (period, now_period) <= 0 && pm_plan_covers (plan, period))
        {
          PmPlanRunInfo *info = g_hash_table_lookup (stored, period);
          gint64 due_at = pm_plan_due_at (plan, period);
          PmPlanRunState state = PM_PLAN_RUN_DUE;
          char *next;

          if (due_at <= now)
            {
              if (info == NULL)
                state = now - due_at > grace ? PM_PLAN_RUN_MISSED : PM_PLAN_RUN_DUE;
              else if (info->state == PM_PLAN_RUN_MISSED)
                state = PM_PLAN_RUN_MISSED;
              else if (info->state == PM_PLAN_RUN_DUE || info->state == PM_PLAN_RUN_RUNNING)
                /* a run that started is finished whatever the delay (some payers have
                 * their bill already); one that never started is late like any other */
                state = (info->started_at == 0 && now - due_at > grace) ? PM_PLAN_RUN_MISSED
                                                                         : PM_PLAN_RUN_DUE;
              else
                state = PM_PLAN_RUN_PENDING; /* done or skipped: not listed */

              if (state != PM_PLAN_RUN_PENDING)
                {
                  PmPlanRunInfo *d = g_new0 (PmPlanRunInfo, 1);

                  d->plan_uuid = g_strdup (pm_plan_get_uuid (plan));
                  d->plan_name = g_strdup (pm_plan_get_name (plan));
                  d->period = g_strdup (period);
                  d->state = state;
                  d->due_at = due_at;
                  if (info != NULL)
                    {
                      d->batch_id = g_strdup (info->batch_id);
                      d->started_at = info->started_at;
                    }
                  g_ptr_array_add (due, d);
                }
            }
          next = pm_plan_period_add (period, 1);
          g_free (period);
          period = next;
        }
    }
  return g_steal_pointer (&due);
}

gboolean
pm_plan_store_mark_missed (PmPlanStore          *self,
                           const PmPlanRunInfo  *info,
                           gint64                now,
                           GError              **error)
{
  /* only a run nobody started: a run that started is resumed, never left half done */
  static const PmPlanStmt stmt = {
    "INSERT INTO plan_runs (plan_uuid, period, state, due_at, updated_at) "
    "VALUES (?1, ?2, 'missed', ?3, ?4) ON CONFLICT (plan_uuid, period) "
    "DO UPDATE SET state = 'missed', updated_at = ?4 "
    "WHERE state = 'due' AND started_at = 0",
    "INSERT INTO plan_runs (plan_uuid, period, state, due_at, updated_at) "
    "VALUES ($1, $2, 'missed', $3, $4) ON CONFLICT (plan_uuid, period) "
    "DO UPDATE SET state = 'missed', updated_at = $4 "
    "WHERE plan_runs.state = 'due' AND plan_runs.started_at = 0",
  };

  if (!pm_plan_sql_begin (self->ledger, error))
    return FALSE;
  if (!pm_plan_sql_exec (self->ledger, &stmt, NULL, error, "ttll", info->plan_uuid,
                         info->period, info->due_at, now))
    goto failed;
  if (!pm_ledger_commit (self->ledger, error))
    return FALSE;
  pm_plan_store_emit_run_changed (self, info->plan_uuid, info->period);
  return TRUE;

failed:
  pm_ledger_rollback (self->ledger);
  return FALSE;
}
