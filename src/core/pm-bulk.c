/* pm-bulk.c — bulk send: one payment request per row of a spreadsheet file
 *
 * Copyright 2026 The Paymint Desk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Resumable: every valid row maps to a fixed bill_id (pm_csv_derive_bill_id over the
 * profile uuid and the batch name), so running the same batch again skips the rows the
 * ledger already knows, settles the ones a killed run left without an outcome, and the
 * server's 9800 covers everything else. No row is ever charged twice.
 *
 * Only PmService's public API is used: pm_service_write_intents makes a group of intents
 * durable in one transaction before any of them is sent, pm_service_send_intent_async
 * sends one (the sender's no-double-charge rules apply), pm_service_start_async settles
 * what an earlier run left, and the ledger's batch records hold each batch's name and
 * the content hash of its rows.
 */

#include "config.h"

#include "pm-bulk.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "pm-error.h"

G_DEFINE_QUARK (pm-bulk-error-quark, pm_bulk_error)

/* ---- enums ---- */

GType
pm_bulk_row_status_get_type (void)
{
  static gsize type_id = 0;
  static const GEnumValue values[] = {
    { PM_BULK_ROW_INVALID, "PM_BULK_ROW_INVALID", "invalid" },
    { PM_BULK_ROW_TO_SEND, "PM_BULK_ROW_TO_SEND", "to-send" },
    { PM_BULK_ROW_ALREADY_SENT, "PM_BULK_ROW_ALREADY_SENT", "already-sent" },
    { PM_BULK_ROW_FAILED_BEFORE, "PM_BULK_ROW_FAILED_BEFORE", "failed-before" },
    { PM_BULK_ROW_UNKNOWN_BEFORE, "PM_BULK_ROW_UNKNOWN_BEFORE", "unknown-before" },
    { PM_BULK_ROW_NOT_SENT_BEFORE, "PM_BULK_ROW_NOT_SENT_BEFORE", "not-sent-before" },
    { PM_BULK_ROW_SENDING, "PM_BULK_ROW_SENDING", "sending" },
    { PM_BULK_ROW_SENT, "PM_BULK_ROW_SENT", "sent" },
    { PM_BULK_ROW_FAILED, "PM_BULK_ROW_FAILED", "failed" },
    { PM_BULK_ROW_UNKNOWN, "PM_BULK_ROW_UNKNOWN", "unknown" },
    { PM_BULK_ROW_NOT_STARTED, "PM_BULK_ROW_NOT_STARTED", "not-started" },
    { 0, NULL, NULL },
  };

  if (g_once_init_enter (&type_id))
    {
      GType type = g_enum_register_static (g_intern_static_string ("PmBulkRowStatus"), values);

      g_once_init_leave (&type_id, type);
    }
  return type_id;
}

GType
pm_bulk_stage_get_type (void)
{
  static gsize type_id = 0;
  static const GEnumValue values[] = {
    { PM_BULK_STAGE_EMPTY, "PM_BULK_STAGE_EMPTY", "empty" },
    { PM_BULK_STAGE_LOADED, "PM_BULK_STAGE_LOADED", "loaded" },
    { PM_BULK_STAGE_PREPARED, "PM_BULK_STAGE_PREPARED", "prepared" },
    { PM_BULK_STAGE_CLASSIFIED, "PM_BULK_STAGE_CLASSIFIED", "classified" },
    { PM_BULK_STAGE_SENDING, "PM_BULK_STAGE_SENDING", "sending" },
    { PM_BULK_STAGE_DONE, "PM_BULK_STAGE_DONE", "done" },
    { 0, NULL, NULL },
  };

  if (g_once_init_enter (&type_id))
    {
      GType type = g_enum_register_static (g_intern_static_string ("PmBulkStage"), values);

      g_once_init_leave (&type_id, type);
    }
  return type_id;
}

const char *
pm_bulk_row_status_get_label (PmBulkRowStatus status)
{
  switch (status)
    {
    case PM_BULK_ROW_INVALID:
      return C_("bulk row status", "Has errors");
    case PM_BULK_ROW_TO_SEND:
      return C_("bulk row status", "To send");
    case PM_BULK_ROW_ALREADY_SENT:
      return C_("bulk row status", "Sent earlier");
    case PM_BULK_ROW_FAILED_BEFORE:
      return C_("bulk row status", "Failed earlier");
    case PM_BULK_ROW_UNKNOWN_BEFORE:
      return C_("bulk row status", "Outcome of an earlier run unknown");
    case PM_BULK_ROW_NOT_SENT_BEFORE:
      return C_("bulk row status", "Not sent earlier");
    case PM_BULK_ROW_SENDING:
      return C_("bulk row status", "Sending");
    case PM_BULK_ROW_SENT:
      return C_("bulk row status", "Sent");
    case PM_BULK_ROW_FAILED:
      return C_("bulk row status", "Failed");
    case PM_BULK_ROW_UNKNOWN:
      return C_("bulk row status", "Outcome unknown");
    case PM_BULK_ROW_NOT_STARTED:
    default:
      return C_("bulk row status", "Not started");
    }
}

/* ---- PmBulkRow ---- */

struct _PmBulkRow
{
  GObject          parent_instance;

  const PmCsvRow  *csv;      /* owned by the PmBulk's import */
  PmBulkRowStatus  status;
  char            *bill_id;
  char            *error_text;
  GError          *error;
  gboolean         duplicate;
};

G_DEFINE_FINAL_TYPE (PmBulkRow, pm_bulk_row, G_TYPE_OBJECT)

enum
{
  ROW_PROP_0,
  ROW_PROP_NUMBER,
  ROW_PROP_STATUS,
  ROW_PROP_BILL_ID,
  ROW_PROP_ERROR_TEXT,
  ROW_PROP_AMOUNT,
  ROW_PROP_DUPLICATE,
  ROW_N_PROPS
};

static GParamSpec *row_properties[ROW_N_PROPS];

static void
pm_bulk_row_finalize (GObject *object)
{
  PmBulkRow *self = PM_BULK_ROW (object);

  g_free (self->bill_id);
  g_free (self->error_text);
  g_clear_error (&self->error);
  G_OBJECT_CLASS (pm_bulk_row_parent_class)->finalize (object);
}

static void
pm_bulk_row_get_property (GObject    *object,
                          guint       prop_id,
                          GValue     *value,
                          GParamSpec *pspec)
{
  PmBulkRow *self = PM_BULK_ROW (object);

  switch (prop_id)
    {
    case ROW_PROP_NUMBER:
      g_value_set_uint (value, pm_bulk_row_get_number (self));
      break;
    case ROW_PROP_STATUS:
      g_value_set_enum (value, self->status);
      break;
    case ROW_PROP_BILL_ID:
      g_value_set_string (value, self->bill_id);
      break;
    case ROW_PROP_ERROR_TEXT:
      g_value_set_string (value, self->error_text);
      break;
    case ROW_PROP_AMOUNT:
      g_value_set_int64 (value, pm_bulk_row_get_amount (self));
      break;
    case ROW_PROP_DUPLICATE:
      g_value_set_boolean (value, self->duplicate);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
pm_bulk_row_class_init (PmBulkRowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags flags = G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  object_class->finalize = pm_bulk_row_finalize;
  object_class->get_property = pm_bulk_row_get_property;

  row_properties[ROW_PROP_NUMBER] = g_param_spec_uint ("number", NULL, NULL, 0, G_MAXUINT, 0,
                                                       flags);
  row_properties[ROW_PROP_STATUS] = g_param_spec_enum ("status", NULL, NULL,
                                                       PM_TYPE_BULK_ROW_STATUS,
                                                       PM_BULK_ROW_INVALID, flags);
  row_properties[ROW_PROP_BILL_ID] = g_param_spec_string ("bill-id", NULL, NULL, NULL, flags);
  row_properties[ROW_PROP_ERROR_TEXT] = g_param_spec_string ("error-text", NULL, NULL, NULL,
                                                             flags);
  row_properties[ROW_PROP_AMOUNT] = g_param_spec_int64 ("amount", NULL, NULL, 0, G_MAXINT64, 0,
                                                        flags);
  row_properties[ROW_PROP_DUPLICATE] = g_param_spec_boolean ("duplicate", NULL, NULL, FALSE,
                                                             flags);
  g_object_class_install_properties (object_class, ROW_N_PROPS, row_properties);
}

static void
pm_bulk_row_init (PmBulkRow *self)
{
}

static PmBulkRow *
row_new (const PmCsvRow *csv)
{
  PmBulkRow *self = g_object_new (PM_TYPE_BULK_ROW, NULL);

  self->csv = csv;
  if (csv->bill != NULL)
    self->status = PM_BULK_ROW_TO_SEND;
  else
    {
      GString *text = g_string_new (NULL);

      self->status = PM_BULK_ROW_INVALID;
      for (guint i = 0; csv->errors != NULL && i < csv->errors->len; i++)
        {
          const PmCsvRowError *e = g_ptr_array_index (csv->errors, i);

          if (text->len > 0)
            g_string_append (text, "; ");
          g_string_append (text, e->message);
        }
      self->error_text = g_string_free (text, text->len == 0);
    }
  return self;
}

static void
row_set_status (PmBulkRow       *self,
                PmBulkRowStatus  status)
{
  if (self->status == status)
    return;
  self->status = status;
  g_object_notify_by_pspec (G_OBJECT (self), row_properties[ROW_PROP_STATUS]);
}

static void
row_set_bill_id (PmBulkRow  *self,
                 const char *bill_id)
{
  if (g_strcmp0 (self->bill_id, bill_id) == 0)
    return;
  g_free (self->bill_id);
  self->bill_id = g_strdup (bill_id);
  g_object_notify_by_pspec (G_OBJECT (self), row_properties[ROW_PROP_BILL_ID]);
}

/* @error may be NULL (a text only) */
static void
row_set_error (PmBulkRow    *self,
               const char   *text,
               const GError *error)
{
  g_clear_error (&self->error);
  if (error != NULL)
    self->error = g_error_copy (error);
  if (g_strcmp0 (self->error_text, text) == 0)
    return;
  g_free (self->error_text);
  self->error_text = g_strdup (text);
  g_object_notify_by_pspec (G_OBJECT (self), row_properties[ROW_PROP_ERROR_TEXT]);
}

guint
pm_bulk_row_get_number (PmBulkRow *self)
{
  g_return_val_if_fail (PM_IS_BULK_ROW (self), 0);

  return self->csv->number;
}

PmBulkRowStatus
pm_bulk_row_get_status (PmBulkRow *self)
{
  g_return_val_if_fail (PM_IS_BULK_ROW (self), PM_BULK_ROW_INVALID);

  return self->status;
}

const char *
pm_bulk_row_get_bill_id (PmBulkRow *self)
{
  g_return_val_if_fail (PM_IS_BULK_ROW (self), NULL);

  return self->bill_id;
}

const char *
pm_bulk_row_get_error_text (PmBulkRow *self)
{
  g_return_val_if_fail (PM_IS_BULK_ROW (self), NULL);

  return self->error_text;
}

gint64
pm_bulk_row_get_amount (PmBulkRow *self)
{
  g_return_val_if_fail (PM_IS_BULK_ROW (self), 0);

  return self->csv->bill != NULL ? pm_bill_get_price (self->csv->bill) : 0;
}

gboolean
pm_bulk_row_get_duplicate (PmBulkRow *self)
{
  g_return_val_if_fail (PM_IS_BULK_ROW (self), FALSE);

  return self->duplicate;
}

const PmCsvRow *
pm_bulk_row_get_csv_row (PmBulkRow *self)
{
  g_return_val_if_fail (PM_IS_BULK_ROW (self), NULL);

  return self->csv;
}

const GError *
pm_bulk_row_get_error (PmBulkRow *self)
{
  g_return_val_if_fail (PM_IS_BULK_ROW (self), NULL);

  return self->error;
}

/* ---- PmBulk ---- */

typedef struct
{
  PmBulk    *bulk;    /* borrowed: the run's task holds a reference */
  PmBulkRow *row;
  PmBill    *intent;
} Job;

static void
job_free (Job *job)
{
  g_clear_object (&job->row);
  g_clear_object (&job->intent);
  g_free (job);
}

struct _PmBulk
{
  GObject        parent_instance;

  /* options */
  PmService     *service;
  char          *batch_name;
  gboolean       as_new_batch;
  gboolean       skip_invalid;
  gboolean       allow_duplicates;
  guint          parallel;
  guint          limit;
  guint          write_ahead;

  PmBulkStage    stage;
  gboolean       loading;  /* a load in a worker thread */

  /* loaded */
  char          *path;
  PmCsvImport   *import;
  GListStore    *rows;         /* PmBulkRow, every row */
  GPtrArray     *items;        /* PmBulkRow, the valid rows */
  guint          n_duplicate_groups;

  /* prepared */
  char          *seed;
  char          *batch_id;
  char          *batch_display_name;
  char          *source_display_name;
  PmLedgerBatch *this_batch;
  PmLedgerBatch *sent_before;

  /* classified */
  GPtrArray     *queue;        /* PmBulkRow to send, borrowed from items */
  gint64         won_to_send;
  guint          n_run;
  gint64         won_run;
  guint          n_already;
  guint          n_failed_before;
  guint          n_unknown_before;
  guint          n_not_sent_before;

  /* sending */
  GTask         *task;
  PmLedger      *text_held;    /* the ledger whose text indexing waits for the run's end */
  GPtrArray     *ready;        /* Job*: intents durable, not sent yet */
  guint          next;         /* index in queue of the next row to write */
  guint          started;      /* rows written this run */
  guint          in_flight;
  guint          max_in_flight;
  gboolean       stop;
  gboolean       cancelled;
  char          *stop_reason;
  guint          n_sent;
  gint64         won_sent;
  guint          n_failed;
  guint          n_unknown;
  guint          n_not_started;
  guint          n_written_not_sent;
  char          *record_error;
};

G_DEFINE_FINAL_TYPE (PmBulk, pm_bulk, G_TYPE_OBJECT)

enum
{
  PROP_0,
  /* options */
  PROP_SERVICE,
  PROP_BATCH_NAME,
  PROP_AS_NEW_BATCH,
  PROP_SKIP_INVALID,
  PROP_ALLOW_DUPLICATES,
  PROP_PARALLEL,
  PROP_LIMIT,
  PROP_WRITE_AHEAD,
  /* state */
  PROP_STAGE,
  PROP_ROWS,
  PROP_N_ROWS,
  PROP_N_VALID,
  PROP_N_INVALID,
  PROP_N_DUPLICATE_GROUPS,
  PROP_TOTAL_WON,
  PROP_BATCH_ID,
  PROP_BATCH_DISPLAY_NAME,
  PROP_N_TO_SEND,
  PROP_WON_TO_SEND,
  PROP_N_RUN,
  PROP_WON_RUN,
  PROP_N_ALREADY_SENT,
  PROP_N_FAILED_BEFORE,
  PROP_N_UNKNOWN_BEFORE,
  PROP_N_NOT_SENT_BEFORE,
  PROP_N_DONE,
  PROP_N_SENT,
  PROP_WON_SENT,
  PROP_N_FAILED,
  PROP_N_UNKNOWN,
  PROP_N_NOT_STARTED,
  PROP_N_IN_FLIGHT,
  PROP_MAX_IN_FLIGHT,
  PROP_CANCELLED,
  PROP_STOP_REASON,
  N_PROPS
};

enum
{
  STOPPED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

static void
notify (PmBulk *self,
        guint   prop)
{
  g_object_notify_by_pspec (G_OBJECT (self), properties[prop]);
}

static void
set_stage (PmBulk      *self,
           PmBulkStage  stage)
{
  if (self->stage == stage)
    return;
  self->stage = stage;
  notify (self, PROP_STAGE);
}

static void release_text_index (PmBulk *self);

static void
pm_bulk_dispose (GObject *object)
{
  PmBulk *self = PM_BULK (object);

  release_text_index (self);
  g_clear_object (&self->service);
  G_OBJECT_CLASS (pm_bulk_parent_class)->dispose (object);
}

static void
pm_bulk_finalize (GObject *object)
{
  PmBulk *self = PM_BULK (object);

  g_free (self->batch_name);
  g_free (self->path);
  g_clear_pointer (&self->queue, g_ptr_array_unref);
  g_clear_pointer (&self->items, g_ptr_array_unref);
  g_clear_object (&self->rows);
  g_clear_object (&self->import);
  g_free (self->seed);
  g_free (self->batch_id);
  g_free (self->batch_display_name);
  g_free (self->source_display_name);
  g_clear_pointer (&self->this_batch, pm_ledger_batch_free);
  g_clear_pointer (&self->sent_before, pm_ledger_batch_free);
  g_clear_pointer (&self->ready, g_ptr_array_unref);
  g_free (self->stop_reason);
  g_free (self->record_error);
  G_OBJECT_CLASS (pm_bulk_parent_class)->finalize (object);
}

static void
pm_bulk_get_property (GObject    *object,
                      guint       prop_id,
                      GValue     *value,
                      GParamSpec *pspec)
{
  PmBulk *self = PM_BULK (object);

  switch (prop_id)
    {
    case PROP_SERVICE:
      g_value_set_object (value, self->service);
      break;
    case PROP_BATCH_NAME:
      g_value_set_string (value, self->batch_name);
      break;
    case PROP_AS_NEW_BATCH:
      g_value_set_boolean (value, self->as_new_batch);
      break;
    case PROP_SKIP_INVALID:
      g_value_set_boolean (value, self->skip_invalid);
      break;
    case PROP_ALLOW_DUPLICATES:
      g_value_set_boolean (value, self->allow_duplicates);
      break;
    case PROP_PARALLEL:
      g_value_set_uint (value, self->parallel);
      break;
    case PROP_LIMIT:
      g_value_set_uint (value, self->limit);
      break;
    case PROP_WRITE_AHEAD:
      g_value_set_uint (value, self->write_ahead);
      break;
    case PROP_STAGE:
      g_value_set_enum (value, self->stage);
      break;
    case PROP_ROWS:
      g_value_set_object (value, self->rows);
      break;
    case PROP_N_ROWS:
      g_value_set_uint (value, pm_bulk_get_n_rows (self));
      break;
    case PROP_N_VALID:
      g_value_set_uint (value, pm_bulk_get_n_valid (self));
      break;
    case PROP_N_INVALID:
      g_value_set_uint (value, pm_bulk_get_n_invalid (self));
      break;
    case PROP_N_DUPLICATE_GROUPS:
      g_value_set_uint (value, self->n_duplicate_groups);
      break;
    case PROP_TOTAL_WON:
      g_value_set_int64 (value, self->import != NULL
                                  ? pm_csv_import_get_total_won (self->import) : 0);
      break;
    case PROP_BATCH_ID:
      g_value_set_string (value, self->batch_id);
      break;
    case PROP_BATCH_DISPLAY_NAME:
      g_value_set_string (value, self->batch_display_name);
      break;
    case PROP_N_TO_SEND:
      g_value_set_uint (value, pm_bulk_get_n_to_send (self));
      break;
    case PROP_WON_TO_SEND:
      g_value_set_int64 (value, self->won_to_send);
      break;
    case PROP_N_RUN:
      g_value_set_uint (value, self->n_run);
      break;
    case PROP_WON_RUN:
      g_value_set_int64 (value, self->won_run);
      break;
    case PROP_N_ALREADY_SENT:
      g_value_set_uint (value, self->n_already);
      break;
    case PROP_N_FAILED_BEFORE:
      g_value_set_uint (value, self->n_failed_before);
      break;
    case PROP_N_UNKNOWN_BEFORE:
      g_value_set_uint (value, self->n_unknown_before);
      break;
    case PROP_N_NOT_SENT_BEFORE:
      g_value_set_uint (value, self->n_not_sent_before);
      break;
    case PROP_N_DONE:
      g_value_set_uint (value, pm_bulk_get_n_done (self));
      break;
    case PROP_N_SENT:
      g_value_set_uint (value, self->n_sent);
      break;
    case PROP_WON_SENT:
      g_value_set_int64 (value, self->won_sent);
      break;
    case PROP_N_FAILED:
      g_value_set_uint (value, self->n_failed);
      break;
    case PROP_N_UNKNOWN:
      g_value_set_uint (value, self->n_unknown);
      break;
    case PROP_N_NOT_STARTED:
      g_value_set_uint (value, self->n_not_started);
      break;
    case PROP_N_IN_FLIGHT:
      g_value_set_uint (value, self->in_flight);
      break;
    case PROP_MAX_IN_FLIGHT:
      g_value_set_uint (value, self->max_in_flight);
      break;
    case PROP_CANCELLED:
      g_value_set_boolean (value, self->cancelled);
      break;
    case PROP_STOP_REASON:
      g_value_set_string (value, self->stop_reason);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
pm_bulk_set_property (GObject      *object,
                      guint         prop_id,
                      const GValue *value,
                      GParamSpec   *pspec)
{
  PmBulk *self = PM_BULK (object);

  switch (prop_id)
    {
    case PROP_SERVICE:
      pm_bulk_set_service (self, g_value_get_object (value));
      break;
    case PROP_BATCH_NAME:
      pm_bulk_set_batch_name (self, g_value_get_string (value));
      break;
    case PROP_AS_NEW_BATCH:
      pm_bulk_set_as_new_batch (self, g_value_get_boolean (value));
      break;
    case PROP_SKIP_INVALID:
      pm_bulk_set_skip_invalid (self, g_value_get_boolean (value));
      break;
    case PROP_ALLOW_DUPLICATES:
      pm_bulk_set_allow_duplicates (self, g_value_get_boolean (value));
      break;
    case PROP_PARALLEL:
      pm_bulk_set_parallel (self, g_value_get_uint (value));
      break;
    case PROP_LIMIT:
      pm_bulk_set_limit (self, g_value_get_uint (value));
      break;
    case PROP_WRITE_AHEAD:
      pm_bulk_set_write_ahead (self, g_value_get_uint (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
pm_bulk_class_init (PmBulkClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags rw = G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;
  GParamFlags ro = G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;
  static const struct
  {
    guint       prop;
    const char *name;
    gboolean    won;
  } counters[] = {
    { PROP_N_ROWS, "n-rows", FALSE },
    { PROP_N_VALID, "n-valid", FALSE },
    { PROP_N_INVALID, "n-invalid", FALSE },
    { PROP_N_DUPLICATE_GROUPS, "n-duplicate-groups", FALSE },
    { PROP_TOTAL_WON, "total-won", TRUE },
    { PROP_N_TO_SEND, "n-to-send", FALSE },
    { PROP_WON_TO_SEND, "won-to-send", TRUE },
    { PROP_N_RUN, "n-run", FALSE },
    { PROP_WON_RUN, "won-run", TRUE },
    { PROP_N_ALREADY_SENT, "n-already-sent", FALSE },
    { PROP_N_FAILED_BEFORE, "n-failed-before", FALSE },
    { PROP_N_UNKNOWN_BEFORE, "n-unknown-before", FALSE },
    { PROP_N_NOT_SENT_BEFORE, "n-not-sent-before", FALSE },
    { PROP_N_DONE, "n-done", FALSE },
    { PROP_N_SENT, "n-sent", FALSE },
    { PROP_WON_SENT, "won-sent", TRUE },
    { PROP_N_FAILED, "n-failed", FALSE },
    { PROP_N_UNKNOWN, "n-unknown", FALSE },
    { PROP_N_NOT_STARTED, "n-not-started", FALSE },
    { PROP_N_IN_FLIGHT, "n-in-flight", FALSE },
    { PROP_MAX_IN_FLIGHT, "max-in-flight", FALSE },
  };

  object_class->dispose = pm_bulk_dispose;
  object_class->finalize = pm_bulk_finalize;
  object_class->get_property = pm_bulk_get_property;
  object_class->set_property = pm_bulk_set_property;

  properties[PROP_SERVICE] = g_param_spec_object ("service", NULL, NULL, PM_TYPE_SERVICE, rw);
  properties[PROP_BATCH_NAME] = g_param_spec_string ("batch-name", NULL, NULL, NULL, rw);
  properties[PROP_AS_NEW_BATCH] = g_param_spec_boolean ("as-new-batch", NULL, NULL, FALSE, rw);
  properties[PROP_SKIP_INVALID] = g_param_spec_boolean ("skip-invalid", NULL, NULL, FALSE, rw);
  properties[PROP_ALLOW_DUPLICATES] = g_param_spec_boolean ("allow-duplicates", NULL, NULL,
                                                            FALSE, rw);
  properties[PROP_PARALLEL] = g_param_spec_uint ("parallel", NULL, NULL, 1, PM_BULK_MAX_PARALLEL,
                                                 PM_BULK_DEFAULT_PARALLEL, rw);
  properties[PROP_LIMIT] = g_param_spec_uint ("limit", NULL, NULL, 0, G_MAXUINT, 0, rw);
  properties[PROP_WRITE_AHEAD] = g_param_spec_uint ("write-ahead", NULL, NULL, 1, 1024,
                                                    PM_BULK_DEFAULT_WRITE_AHEAD, rw);
  properties[PROP_STAGE] = g_param_spec_enum ("stage", NULL, NULL, PM_TYPE_BULK_STAGE,
                                              PM_BULK_STAGE_EMPTY, ro);
  properties[PROP_ROWS] = g_param_spec_object ("rows", NULL, NULL, G_TYPE_LIST_MODEL, ro);
  properties[PROP_BATCH_ID] = g_param_spec_string ("batch-id", NULL, NULL, NULL, ro);
  properties[PROP_BATCH_DISPLAY_NAME] = g_param_spec_string ("batch-display-name", NULL, NULL,
                                                             NULL, ro);
  properties[PROP_CANCELLED] = g_param_spec_boolean ("cancelled", NULL, NULL, FALSE, ro);
  properties[PROP_STOP_REASON] = g_param_spec_string ("stop-reason", NULL, NULL, NULL, ro);
  for (guint i = 0; i < G_N_ELEMENTS (counters); i++)
    properties[counters[i].prop] = counters[i].won
                                     ? g_param_spec_int64 (counters[i].name, NULL, NULL, 0,
                                                           G_MAXINT64, 0, ro)
                                     : g_param_spec_uint (counters[i].name, NULL, NULL, 0,
                                                          G_MAXUINT, 0, ro);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * PmBulk::stopped:
   * @reason: why, a sentence for people
   *
   * The run stops starting new sends by itself (a reply that would fail every other
   * row the same way); the requests in flight still finish.
   */
  signals[STOPPED] = g_signal_new ("stopped", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                   NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
}

static void
pm_bulk_init (PmBulk *self)
{
  self->parallel = PM_BULK_DEFAULT_PARALLEL;
  self->write_ahead = PM_BULK_DEFAULT_WRITE_AHEAD;
  self->rows = g_list_store_new (PM_TYPE_BULK_ROW);
  self->items = g_ptr_array_new_with_free_func (g_object_unref);
  self->queue = g_ptr_array_new ();
}

PmBulk *
pm_bulk_new (PmService *service)
{
  g_return_val_if_fail (service == NULL || PM_IS_SERVICE (service), NULL);

  return g_object_new (PM_TYPE_BULK, "service", service, NULL);
}

/* ---- options ---- */

void
pm_bulk_set_service (PmBulk    *self,
                     PmService *service)
{
  g_return_if_fail (PM_IS_BULK (self));
  g_return_if_fail (service == NULL || PM_IS_SERVICE (service));
  g_return_if_fail (self->task == NULL);

  if (g_set_object (&self->service, service))
    notify (self, PROP_SERVICE);
}

PmService *
pm_bulk_get_service (PmBulk *self)
{
  g_return_val_if_fail (PM_IS_BULK (self), NULL);

  return self->service;
}

void
pm_bulk_set_batch_name (PmBulk     *self,
                        const char *batch_name)
{
  g_return_if_fail (PM_IS_BULK (self));

  if (batch_name != NULL && *batch_name == '\0')
    batch_name = NULL;
  if (g_strcmp0 (self->batch_name, batch_name) == 0)
    return;
  g_free (self->batch_name);
  self->batch_name = g_strdup (batch_name);
  notify (self, PROP_BATCH_NAME);
}

const char *
pm_bulk_get_batch_name (PmBulk *self)
{
  g_return_val_if_fail (PM_IS_BULK (self), NULL);

  return self->batch_name;
}

#define SET_BOOLEAN(field, prop)                   \
  G_STMT_START {                                   \
    g_return_if_fail (PM_IS_BULK (self));          \
    value = !!value;                               \
    if (self->field == value)                      \
      return;                                      \
    self->field = value;                           \
    notify (self, prop);                           \
  } G_STMT_END

void
pm_bulk_set_as_new_batch (PmBulk   *self,
                          gboolean  value)
{
  SET_BOOLEAN (as_new_batch, PROP_AS_NEW_BATCH);
}

void
pm_bulk_set_skip_invalid (PmBulk   *self,
                          gboolean  value)
{
  SET_BOOLEAN (skip_invalid, PROP_SKIP_INVALID);
}

void
pm_bulk_set_allow_duplicates (PmBulk   *self,
                              gboolean  value)
{
  SET_BOOLEAN (allow_duplicates, PROP_ALLOW_DUPLICATES);
}

void
pm_bulk_set_parallel (PmBulk *self,
                      guint   parallel)
{
  g_return_if_fail (PM_IS_BULK (self));
  g_return_if_fail (parallel >= 1 && parallel <= PM_BULK_MAX_PARALLEL);

  if (self->parallel == parallel)
    return;
  self->parallel = parallel;
  notify (self, PROP_PARALLEL);
}

guint
pm_bulk_get_parallel (PmBulk *self)
{
  g_return_val_if_fail (PM_IS_BULK (self), 0);

  return self->parallel;
}

static void compute_run (PmBulk *self);

void
pm_bulk_set_limit (PmBulk *self,
                   guint   limit)
{
  g_return_if_fail (PM_IS_BULK (self));
  g_return_if_fail (self->task == NULL);

  if (self->limit == limit)
    return;
  self->limit = limit;
  notify (self, PROP_LIMIT);
  if (self->stage == PM_BULK_STAGE_CLASSIFIED)
    compute_run (self);
}

void
pm_bulk_set_write_ahead (PmBulk *self,
                         guint   write_ahead)
{
  g_return_if_fail (PM_IS_BULK (self));
  g_return_if_fail (write_ahead >= 1 && write_ahead <= 1024);

  if (self->write_ahead == write_ahead)
    return;
  self->write_ahead = write_ahead;
  notify (self, PROP_WRITE_AHEAD);
}

/* ---- 1. reading and checking the file ---- */

/* The one place the reader of a bulk file is chosen: pm_csv_import_path reads a CSV
 * file in any supported encoding or the first worksheet of an .xlsx, by its content;
 * the rest of PmBulk only sees a PmCsvImport. */
static PmCsvImport *
read_file (const char          *path,
           const PmCsvOptions  *options,
           GError             **error)
{
  return pm_csv_import_path (path, options, error);
}

/* Takes @import (read from @path) as the bulk's file: one row object per row. */
static void
adopt_import (PmBulk      *self,
              const char  *path,
              PmCsvImport *import)
{
  g_autoptr(GHashTable) by_csv = g_hash_table_new (NULL, NULL);
  g_autoptr(GPtrArray) all = g_ptr_array_new_with_free_func (g_object_unref);
  GPtrArray *csv_rows;
  GPtrArray *groups;

  self->import = import;
  self->path = g_strdup (path);
  csv_rows = pm_csv_import_get_rows (self->import);
  for (guint i = 0; i < csv_rows->len; i++)
    {
      const PmCsvRow *csv = g_ptr_array_index (csv_rows, i);
      PmBulkRow *row = row_new (csv);

      g_ptr_array_add (all, row);
      g_hash_table_insert (by_csv, (gpointer) csv, row);
      if (csv->bill != NULL)
        g_ptr_array_add (self->items, g_object_ref (row));
    }
  groups = pm_csv_import_get_duplicates (self->import);
  self->n_duplicate_groups = groups->len;
  for (guint i = 0; i < groups->len; i++)
    {
      GPtrArray *group = g_ptr_array_index (groups, i);

      for (guint j = 0; j < group->len; j++)
        {
          PmBulkRow *row = g_hash_table_lookup (by_csv, g_ptr_array_index (group, j));

          if (row != NULL)
            row->duplicate = TRUE;
        }
    }
  g_list_store_splice (self->rows, 0, 0, all->pdata, all->len);

  g_object_freeze_notify (G_OBJECT (self));
  notify (self, PROP_N_ROWS);
  notify (self, PROP_N_VALID);
  notify (self, PROP_N_INVALID);
  notify (self, PROP_N_DUPLICATE_GROUPS);
  notify (self, PROP_TOTAL_WON);
  set_stage (self, PM_BULK_STAGE_LOADED);
  g_object_thaw_notify (G_OBJECT (self));
}

gboolean
pm_bulk_load_file (PmBulk              *self,
                   const char          *path,
                   const PmCsvOptions  *options,
                   GError             **error)
{
  PmCsvImport *import;

  g_return_val_if_fail (PM_IS_BULK (self), FALSE);
  g_return_val_if_fail (path != NULL, FALSE);
  g_return_val_if_fail (self->stage == PM_BULK_STAGE_EMPTY && !self->loading, FALSE);

  import = read_file (path, options, error);
  if (import == NULL)
    return FALSE;
  adopt_import (self, path, import);
  return TRUE;
}

/* What a worker thread needs to read the file: its own copy of the options. */
typedef struct
{
  char         *path;
  PmCsvOptions  options;
  GPtrArray    *strings;  /* the copies the options point into */
} Load;

static void
load_free (Load *load)
{
  g_free (load->path);
  g_ptr_array_unref (load->strings);
  g_free (load);
}

static const char *
load_keep (Load       *load,
           const char *text)
{
  char *copy;

  if (text == NULL)
    return NULL;
  copy = g_strdup (text);
  g_ptr_array_add (load->strings, copy);
  return copy;
}

static void
load_thread (GTask        *task,
             gpointer      source_object,
             gpointer      task_data,
             GCancellable *cancellable)
{
  Load *load = task_data;
  GError *error = NULL;
  PmCsvImport *import = read_file (load->path, &load->options, &error);

  if (import == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, import, g_object_unref);
}

void
pm_bulk_load_file_async (PmBulk              *self,
                         const char          *path,
                         const PmCsvOptions  *options,
                         GCancellable        *cancellable,
                         GAsyncReadyCallback  callback,
                         gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  Load *load;

  g_return_if_fail (PM_IS_BULK (self));
  g_return_if_fail (path != NULL);
  g_return_if_fail (self->stage == PM_BULK_STAGE_EMPTY && !self->loading);

  load = g_new0 (Load, 1);
  load->path = g_strdup (path);
  load->strings = g_ptr_array_new_with_free_func (g_free);
  if (options != NULL)
    {
      load->options = *options;
      load->options.encoding = load_keep (load, options->encoding);
      for (guint i = 0; i < PM_CSV_N_FIELDS; i++)
        load->options.columns[i] = load_keep (load, options->columns[i]);
      load->options.default_product = load_keep (load, options->default_product);
      load->options.default_message = load_keep (load, options->default_message);
      load->options.default_expiry = load_keep (load, options->default_expiry);
    }
  self->loading = TRUE;
  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, pm_bulk_load_file_async);
  g_task_set_task_data (task, load, (GDestroyNotify) load_free);
  g_task_run_in_thread (task, load_thread);
}

gboolean
pm_bulk_load_file_finish (PmBulk        *self,
                          GAsyncResult  *result,
                          GError       **error)
{
  Load *load;
  PmCsvImport *import;

  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == pm_bulk_load_file_async,
                        FALSE);

  self->loading = FALSE;
  import = g_task_propagate_pointer (G_TASK (result), error);
  if (import == NULL)
    return FALSE;
  load = g_task_get_task_data (G_TASK (result));
  adopt_import (self, load->path, import);
  return TRUE;
}

PmCsvImport *
pm_bulk_get_import (PmBulk *self)
{
  g_return_val_if_fail (PM_IS_BULK (self), NULL);

  return self->import;
}

gboolean
pm_bulk_check_rows (PmBulk  *self,
                    GError **error)
{
  guint n_invalid;

  g_return_val_if_fail (PM_IS_BULK (self), FALSE);
  g_return_val_if_fail (self->import != NULL, FALSE);

  n_invalid = pm_csv_import_get_n_invalid (self->import);
  if (n_invalid > 0 && !self->skip_invalid)
    {
      g_set_error (error, PM_BULK_ERROR, PM_BULK_ERROR_INVALID_ROWS,
                   g_dngettext (GETTEXT_PACKAGE,
                                "%u row has errors. Nothing was sent: fix it, or send only "
                                "the valid rows.",
                                "%u rows have errors. Nothing was sent: fix them, or send "
                                "only the valid rows.", n_invalid), n_invalid);
      return FALSE;
    }
  if (self->n_duplicate_groups > 0 && !self->allow_duplicates)
    {
      g_set_error_literal (error, PM_BULK_ERROR, PM_BULK_ERROR_DUPLICATES,
                           _("Some rows would bill the same payer the same amount for the "
                             "same thing more than once. Nothing was sent: remove the extra "
                             "rows, or send them anyway if each is meant."));
      return FALSE;
    }
  if (self->items->len == 0)
    {
      g_set_error_literal (error, PM_BULK_ERROR, PM_BULK_ERROR_NO_VALID_ROW,
                           _("The file has no valid row to send."));
      return FALSE;
    }
  return TRUE;
}

/* ---- 2. naming the batch ---- */

const char *
pm_bulk_batch_display_name (const PmLedgerBatch *batch)
{
  g_return_val_if_fail (batch != NULL, NULL);

  if (batch->name != NULL && batch->name[0] != '\0')
    return batch->name;
  if (batch->source_name != NULL && batch->source_name[0] != '\0')
    return batch->source_name;
  return batch->id;
}

/* *@sent_before: the batch that already holds the rows of this file (same content hash),
 * when it is not the batch of this run going on: the newest one that may have charged
 * someone (a batch whose every bill failed or was never sent charged nobody); NULL when
 * there is none. FALSE only when the ledger cannot be read. */
static gboolean
find_sent_before (PmLedger        *ledger,
                  const char      *profile_id,
                  const char      *content_hash,
                  const char      *batch_id,
                  PmLedgerBatch  **sent_before,
                  GError         **error)
{
  g_autoptr(GPtrArray) batches = NULL;

  *sent_before = NULL;
  batches = pm_ledger_find_batches_by_content (ledger, profile_id, content_hash, error);
  if (batches == NULL)
    return FALSE;
  for (guint i = 0; i < batches->len; i++)
    {
      PmLedgerBatch *other = g_ptr_array_index (batches, i);

      /* this same batch going on: resuming is what the fixed bill ids are for */
      if (g_strcmp0 (other->id, batch_id) == 0)
        return TRUE;
    }
  for (guint i = 0; i < batches->len; i++)
    {
      PmLedgerBatch *other = g_ptr_array_index (batches, i);

      if (other->n_bills > 0 && other->n_live == 0)
        continue;
      *sent_before = g_ptr_array_steal_index (batches, i);
      return TRUE;
    }
  return TRUE;
}

static void
set_sent_before_error (PmBulk  *self,
                       GError **error)
{
  g_set_error (error, PM_BULK_ERROR, PM_BULK_ERROR_SENT_BEFORE,
               g_dngettext (GETTEXT_PACKAGE,
                            "The rows of this file were sent before as batch “%s” (%u bill), "
                            "whatever the file is called now. Nothing was sent.",
                            "The rows of this file were sent before as batch “%s” (%u bills), "
                            "whatever the file is called now. Nothing was sent.",
                            self->sent_before->n_live),
               pm_bulk_batch_display_name (self->sent_before), self->sent_before->n_live);
}

static gboolean
check_connection (PmBulk  *self,
                  GError **error)
{
  if (self->service == NULL || pm_service_get_profile_id (self->service) == NULL)
    {
      g_set_error_literal (error, PM_BULK_ERROR, PM_BULK_ERROR_NOT_READY,
                           _("Choose a connection before sending."));
      return FALSE;
    }
  return TRUE;
}

gboolean
pm_bulk_prepare (PmBulk  *self,
                 GError **error)
{
  g_autofree char *source_name = NULL;
  PmLedger *ledger;
  const char *profile_id;

  g_return_val_if_fail (PM_IS_BULK (self), FALSE);
  g_return_val_if_fail (self->stage >= PM_BULK_STAGE_LOADED, FALSE);
  g_return_val_if_fail (self->stage < PM_BULK_STAGE_SENDING, FALSE);

  if (!check_connection (self, error))
    return FALSE;
  profile_id = pm_service_get_profile_id (self->service);
  ledger = pm_service_get_ledger (self->service);

  /* the batch: named by the user, or after the file (its bytes for the id, as it always
   * was; its name for people for the record) */
  source_name = g_path_get_basename (self->path);
  g_free (self->source_display_name);
  self->source_display_name = g_filename_display_basename (self->path);
  g_free (self->batch_display_name);
  self->batch_display_name = g_strdup (self->batch_name != NULL ? self->batch_name
                                                                : self->source_display_name);
  g_free (self->seed);
  self->seed = g_strdup_printf ("%s\x1f%s", profile_id,
                                self->batch_name != NULL ? self->batch_name : source_name);
  g_free (self->batch_id);
  self->batch_id = pm_csv_derive_bill_id (self->seed, "batch");
  set_stage (self, PM_BULK_STAGE_LOADED);
  g_object_freeze_notify (G_OBJECT (self));
  notify (self, PROP_BATCH_ID);
  notify (self, PROP_BATCH_DISPLAY_NAME);
  g_object_thaw_notify (G_OBJECT (self));

  /* the same rows sent before, as this batch (going on) or another one (refused) */
  g_clear_pointer (&self->this_batch, pm_ledger_batch_free);
  g_clear_pointer (&self->sent_before, pm_ledger_batch_free);
  {
    g_autoptr(GError) local_error = NULL;

    self->this_batch = pm_ledger_lookup_batch (ledger, self->batch_id, &local_error);
    if (local_error != NULL)
      {
        g_propagate_error (error, g_steal_pointer (&local_error));
        return FALSE;
      }
  }
  if (self->as_new_batch && self->this_batch != NULL)
    {
      g_set_error (error, PM_BULK_ERROR, PM_BULK_ERROR_BATCH_EXISTS,
                   _("There is a batch named “%s” already; give the new batch another "
                     "name."), self->batch_display_name);
      return FALSE;
    }
  if (!self->as_new_batch
      && !find_sent_before (ledger, profile_id, pm_csv_import_get_content_hash (self->import),
                            self->batch_id, &self->sent_before, error))
    return FALSE;
  if (self->sent_before != NULL)
    {
      set_sent_before_error (self, error);
      return FALSE;
    }

  /* the fixed bill id of every valid row */
  for (guint i = 0; i < self->items->len; i++)
    {
      PmBulkRow *row = g_ptr_array_index (self->items, i);
      const char *given = pm_bill_get_bill_id (row->csv->bill);

      if (given != NULL)
        row_set_bill_id (row, given);
      else
        {
          g_autofree char *bill_id = pm_csv_derive_bill_id (self->seed, row->csv->key);

          row_set_bill_id (row, bill_id);
        }
      row_set_status (row, PM_BULK_ROW_TO_SEND);
      row_set_error (row, NULL, NULL);
    }
  set_stage (self, PM_BULK_STAGE_PREPARED);
  return TRUE;
}

const char *
pm_bulk_get_batch_id (PmBulk *self)
{
  g_return_val_if_fail (PM_IS_BULK (self), NULL);

  return self->batch_id;
}

const char *
pm_bulk_get_batch_display_name (PmBulk *self)
{
  g_return_val_if_fail (PM_IS_BULK (self), NULL);

  return self->batch_display_name;
}

const PmLedgerBatch *
pm_bulk_get_this_batch (PmBulk *self)
{
  g_return_val_if_fail (PM_IS_BULK (self), NULL);

  return self->this_batch;
}

const PmLedgerBatch *
pm_bulk_get_sent_before (PmBulk *self)
{
  g_return_val_if_fail (PM_IS_BULK (self), NULL);

  return self->sent_before;
}

/* ---- 3. settling an earlier run ---- */

static void
settled_cb (GObject      *object,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;
  guint n_unsettled = 0;

  if (!pm_service_start_finish (PM_SERVICE (object), result, &n_unsettled, &error))
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_int (task, n_unsettled);
}

void
pm_bulk_settle_async (PmBulk              *self,
                      GCancellable        *cancellable,
                      GAsyncReadyCallback  callback,
                      gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GError) error = NULL;

  g_return_if_fail (PM_IS_BULK (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, pm_bulk_settle_async);
  if (!check_connection (self, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  pm_service_start_async (self->service, cancellable, settled_cb, g_steal_pointer (&task));
}

gboolean
pm_bulk_settle_finish (PmBulk        *self,
                       GAsyncResult  *result,
                       guint         *n_unsettled,
                       GError       **error)
{
  gssize n;

  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  n = g_task_propagate_int (G_TASK (result), error);
  if (n < 0)
    return FALSE;
  if (n_unsettled != NULL)
    *n_unsettled = (guint) n;
  return TRUE;
}

/* ---- 4. every row against the ledger ---- */

static void
compute_run (PmBulk *self)
{
  guint n = self->queue->len;
  gint64 won = self->won_to_send;

  if (self->limit > 0 && self->limit < n)
    {
      n = self->limit;
      won = 0;
      for (guint i = 0; i < n; i++)
        won += pm_bulk_row_get_amount (g_ptr_array_index (self->queue, i));
    }
  g_object_freeze_notify (G_OBJECT (self));
  if (self->n_run != n)
    {
      self->n_run = n;
      notify (self, PROP_N_RUN);
    }
  if (self->won_run != won)
    {
      self->won_run = won;
      notify (self, PROP_WON_RUN);
    }
  g_object_thaw_notify (G_OBJECT (self));
}

gboolean
pm_bulk_classify (PmBulk  *self,
                  GError **error)
{
  guint n_already = 0, n_failed_before = 0, n_unknown_before = 0, n_not_sent_before = 0;
  gint64 won = 0;

  g_return_val_if_fail (PM_IS_BULK (self), FALSE);
  g_return_val_if_fail (self->stage == PM_BULK_STAGE_PREPARED
                        || self->stage == PM_BULK_STAGE_CLASSIFIED, FALSE);

  if (!check_connection (self, error))
    return FALSE;
  g_ptr_array_set_size (self->queue, 0);
  for (guint i = 0; i < self->items->len; i++)
    {
      PmBulkRow *row = g_ptr_array_index (self->items, i);
      g_autoptr(GError) local_error = NULL;
      g_autoptr(PmBill) known = pm_service_lookup (self->service, row->bill_id, &local_error);

      if (local_error != NULL)
        {
          g_ptr_array_set_size (self->queue, 0);
          g_propagate_error (error, g_steal_pointer (&local_error));
          return FALSE;
        }
      if (known == NULL)
        {
          row_set_status (row, PM_BULK_ROW_TO_SEND);
          row_set_error (row, NULL, NULL);
          g_ptr_array_add (self->queue, row);
          won += pm_bulk_row_get_amount (row);
          continue;
        }
      switch (pm_bill_get_state (known))
        {
        case PM_BILL_STATE_FAILED:
          row_set_status (row, PM_BULK_ROW_FAILED_BEFORE);
          row_set_error (row, pm_bill_get_error_text (known), NULL);
          n_failed_before++;
          break;
        case PM_BILL_STATE_QUEUED:
        case PM_BILL_STATE_SENDING:
        case PM_BILL_STATE_UNKNOWN:
          row_set_status (row, PM_BULK_ROW_UNKNOWN_BEFORE);
          row_set_error (row, pm_bill_get_error_text (known), NULL);
          n_unknown_before++;
          break;
        case PM_BILL_STATE_NOT_SENT:
          row_set_status (row, PM_BULK_ROW_NOT_SENT_BEFORE);
          row_set_error (row, pm_bill_get_error_text (known), NULL);
          n_not_sent_before++;
          break;
        case PM_BILL_STATE_UNPAID:
        case PM_BILL_STATE_PAID:
        case PM_BILL_STATE_CANCELLED:
        case PM_BILL_STATE_DESTROYED:
        default:
          row_set_status (row, PM_BULK_ROW_ALREADY_SENT);
          row_set_error (row, NULL, NULL);
          n_already++;
          break;
        }
    }

  g_object_freeze_notify (G_OBJECT (self));
  self->won_to_send = won;
  self->n_already = n_already;
  self->n_failed_before = n_failed_before;
  self->n_unknown_before = n_unknown_before;
  self->n_not_sent_before = n_not_sent_before;
  notify (self, PROP_N_TO_SEND);
  notify (self, PROP_WON_TO_SEND);
  notify (self, PROP_N_ALREADY_SENT);
  notify (self, PROP_N_FAILED_BEFORE);
  notify (self, PROP_N_UNKNOWN_BEFORE);
  notify (self, PROP_N_NOT_SENT_BEFORE);
  compute_run (self);
  set_stage (self, PM_BULK_STAGE_CLASSIFIED);
  g_object_thaw_notify (G_OBJECT (self));
  return TRUE;
}

/* ---- 5. sending ---- */

static void pump (PmBulk *self);

/* A reply that every other row would get too: stop starting new sends. */
static gboolean
error_stops_run (const GError *error)
{
  if (error->domain != PM_ERROR)
    return FALSE;
  switch ((PmErrorCode) error->code)
    {
    case PM_ERROR_UNAUTHORIZED:
    case PM_ERROR_LICENSE_REQUIRED:
    case PM_ERROR_INSUFFICIENT_BALANCE:
    case PM_ERROR_FORBIDDEN:
    case PM_ERROR_STORAGE:
      return TRUE;
    default:
      return FALSE;
    }
}

static void
stop_run (PmBulk     *self,
          const char *reason)
{
  if (self->stop)
    return;
  self->stop = TRUE;
  self->stop_reason = g_strdup (reason);
  notify (self, PROP_STOP_REASON);
  g_signal_emit (self, signals[STOPPED], 0, reason);
}


/* The error's message, and the server's own text when it says more. */
static char *
error_text (const GError *error)
{
  const char *server = pm_error_get_server_text (error);

  if (server != NULL && strstr (error->message, server) == NULL)
    return g_strdup_printf ("%s (%s)", error->message, server);
  return g_strdup (error->message);
}

static void
count_outcome (PmBulk          *self,
               PmBulkRow       *row,
               PmBulkRowStatus  status)
{
  g_object_freeze_notify (G_OBJECT (self));
  row_set_status (row, status);
  switch (status)
    {
    case PM_BULK_ROW_SENT:
      self->n_sent++;
      self->won_sent += pm_bulk_row_get_amount (row);
      notify (self, PROP_N_SENT);
      notify (self, PROP_WON_SENT);
      break;
    case PM_BULK_ROW_FAILED:
      self->n_failed++;
      notify (self, PROP_N_FAILED);
      break;
    case PM_BULK_ROW_UNKNOWN:
    default:
      self->n_unknown++;
      notify (self, PROP_N_UNKNOWN);
      break;
    }
  notify (self, PROP_N_DONE);
  g_object_thaw_notify (G_OBJECT (self));
}

static void
send_done_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  Job *job = user_data;
  PmBulk *self = job->bulk;
  PmBulkRow *row = g_object_ref (job->row);
  g_autoptr(GError) error = NULL;
  g_autoptr(PmBill) bill = NULL;

  job_free (job);
  bill = pm_service_send_finish (PM_SERVICE (object), result, &error);
  self->in_flight--;
  notify (self, PROP_N_IN_FLIGHT);
  if (bill != NULL)
    count_outcome (self, row, PM_BULK_ROW_SENT);
  else
    {
      g_autofree char *text = error_text (error);
      PmBulkRowStatus status = PM_BULK_ROW_FAILED;

      if (pm_error_is_maybe_done (error))
        status = PM_BULK_ROW_UNKNOWN;
      else if (!error_stops_run (error))
        {
          /* a refusal the sender made is recorded as failed (or not sent); when the
           * ledger still holds the intent without an outcome, something else is working
           * on it (the poller settling it, another window): its outcome is not known
           * yet, and it will not be sent twice */
          g_autoptr(PmBill) known = pm_service_lookup (self->service, row->bill_id, NULL);

          if (known != NULL
              && (pm_bill_get_state (known) == PM_BILL_STATE_QUEUED
                  || pm_bill_get_state (known) == PM_BILL_STATE_SENDING
                  || pm_bill_get_state (known) == PM_BILL_STATE_UNKNOWN))
            status = PM_BULK_ROW_UNKNOWN;
        }
      row_set_error (row, text, error);
      count_outcome (self, row, status);
      if (status == PM_BULK_ROW_FAILED && error_stops_run (error))
        /* every other row would fail the same way: stop here, resume later */
        stop_run (self, text);
    }
  g_object_unref (row);
  pump (self);
}

/* Makes the intents of the next rows durable in one transaction (a group commit: one
 * synchronous write for up to "write-ahead" bills instead of one each), before any of
 * them is sent. */
static gboolean
write_ahead (PmBulk *self)
{
  g_autoptr(GPtrArray) drafts = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GPtrArray) rows = g_ptr_array_new ();
  g_autoptr(GPtrArray) intents = NULL;
  g_autoptr(GError) error = NULL;

  while (drafts->len < self->write_ahead && self->next < self->queue->len
         && (self->limit == 0 || self->started < self->limit))
    {
      PmBulkRow *row = g_ptr_array_index (self->queue, self->next++);
      PmBill *draft = pm_bill_copy (row->csv->bill);

      pm_bill_set_bill_id (draft, row->bill_id);
      pm_bill_set_batch_id (draft, self->batch_id);
      g_ptr_array_add (drafts, draft);
      g_ptr_array_add (rows, row);
      self->started++;
    }
  if (drafts->len == 0)
    return FALSE;

  intents = pm_service_write_intents (self->service, drafts, &error);
  if (intents == NULL)
    {
      /* nothing of this group was written, so nothing of it was sent */
      for (guint i = 0; i < rows->len; i++)
        {
          PmBulkRow *row = g_ptr_array_index (rows, i);

          row_set_error (row, error->message, error);
          count_outcome (self, row, PM_BULK_ROW_FAILED);
        }
      stop_run (self, error->message);
      return FALSE;
    }
  for (guint i = 0; i < intents->len; i++)
    {
      Job *job = g_new0 (Job, 1);

      job->bulk = self;
      job->row = g_object_ref (g_ptr_array_index (rows, i));
      job->intent = g_object_ref (g_ptr_array_index (intents, i));
      g_ptr_array_add (self->ready, job);
    }
  return TRUE;
}

static gboolean
more_to_write (PmBulk *self)
{
  return self->next < self->queue->len && (self->limit == 0 || self->started < self->limit);
}

static void finish_run (PmBulk *self);

/* Keeps up to "parallel" sends in flight; every intent is durable before it is sent. */
static void
pump (PmBulk *self)
{
  GCancellable *cancellable = g_task_get_cancellable (self->task);

  while (!self->stop && self->in_flight < self->parallel)
    {
      Job *job;

      if (g_cancellable_is_cancelled (cancellable))
        {
          if (!self->cancelled && (self->ready->len > 0 || more_to_write (self)))
            {
              self->cancelled = TRUE;
              notify (self, PROP_CANCELLED);
            }
          break;
        }
      if (self->ready->len == 0 && !write_ahead (self))
        break;
      job = g_ptr_array_steal_index (self->ready, 0);
      self->in_flight++;
      if (self->in_flight > self->max_in_flight)
        {
          self->max_in_flight = self->in_flight;
          notify (self, PROP_MAX_IN_FLIGHT);
        }
      notify (self, PROP_N_IN_FLIGHT);
      row_set_status (job->row, PM_BULK_ROW_SENDING);
      /* never the run's cancellable: a request on its way finishes and is recorded */
      pm_service_send_intent_async (self->service, job->intent, NULL, send_done_cb, job);
    }
  if (self->in_flight == 0)
    finish_run (self);
}

/* The bills this run wrote go to the text indexes in one pass now. */
static void
release_text_index (PmBulk *self)
{
  if (self->text_held == NULL)
    return;
  pm_ledger_hold_text_index (self->text_held, FALSE);
  g_clear_object (&self->text_held);
}

static void
finish_run (PmBulk *self)
{
  g_autoptr(GTask) task = g_steal_pointer (&self->task);
  g_autoptr(GError) error = NULL;

  g_object_freeze_notify (G_OBJECT (self));
  /* written down but not sent (cancelled, or stopped by an error): the next settle
   * reconciles them before anything else, so none is lost or sent twice */
  for (guint i = 0; i < self->ready->len; i++)
    {
      Job *job = g_ptr_array_index (self->ready, i);

      row_set_error (job->row, _("written down, not sent yet; the next run sends it"), NULL);
      count_outcome (self, job->row, PM_BULK_ROW_UNKNOWN);
      self->n_written_not_sent++;
    }
  g_ptr_array_set_size (self->ready, 0);
  for (guint i = 0; i < self->queue->len; i++)
    {
      PmBulkRow *row = g_ptr_array_index (self->queue, i);

      if (row->status == PM_BULK_ROW_TO_SEND)
        row_set_status (row, PM_BULK_ROW_NOT_STARTED);
    }
  self->n_not_started = self->queue->len - self->n_sent - self->n_failed - self->n_unknown;
  notify (self, PROP_N_NOT_STARTED);

  if (!pm_ledger_update_batch (pm_service_get_ledger (self->service), self->batch_id,
                               self->n_already + self->n_sent,
                               self->n_failed_before + self->n_failed, &error))
    self->record_error = g_strdup (error->message);
  release_text_index (self);
  set_stage (self, PM_BULK_STAGE_DONE);
  g_object_thaw_notify (G_OBJECT (self));
  g_task_return_boolean (task, TRUE);
}

/* The batch row, with the content hash of the rows; looked at again under the write
 * lock, so two runs of one file under two names at once cannot both go ahead. */
static gboolean
record_batch (PmBulk  *self,
              GError **error)
{
  PmLedger *ledger = pm_service_get_ledger (self->service);
  PmLedgerBatch record = { 0 };

  record.id = self->batch_id;
  record.name = self->batch_display_name;
  record.source_name = self->source_display_name;
  record.profile_id = (char *) pm_service_get_profile_id (self->service);
  record.content_hash = (char *) pm_csv_import_get_content_hash (self->import);
  record.created_at = g_get_real_time () / G_USEC_PER_SEC;
  record.n_total = self->items->len;
  if (!pm_ledger_begin (ledger, error))
    return FALSE;
  g_clear_pointer (&self->sent_before, pm_ledger_batch_free);
  if (!self->as_new_batch
      && !find_sent_before (ledger, record.profile_id, record.content_hash, self->batch_id,
                            &self->sent_before, error))
    {
      pm_ledger_rollback (ledger);
      return FALSE;
    }
  if (self->sent_before != NULL)
    {
      pm_ledger_rollback (ledger);
      set_sent_before_error (self, error);
      return FALSE;
    }
  if (!pm_ledger_insert_batch_full (ledger, &record, error))
    {
      pm_ledger_rollback (ledger);
      return FALSE;
    }
  return pm_ledger_commit (ledger, error);
}

void
pm_bulk_send_async (PmBulk              *self,
                    GCancellable        *cancellable,
                    GAsyncReadyCallback  callback,
                    gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GError) error = NULL;

  g_return_if_fail (PM_IS_BULK (self));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, pm_bulk_send_async);
  /* a cancelled run still completes, with every row's outcome */
  g_task_set_check_cancellable (task, FALSE);
  if (self->stage != PM_BULK_STAGE_CLASSIFIED || self->task != NULL)
    {
      g_task_return_new_error (task, PM_BULK_ERROR, PM_BULK_ERROR_NOT_READY, "%s",
                               _("Check the file against the payments ledger before "
                                 "sending."));
      return;
    }
  if (!check_connection (self, &error) || !pm_bulk_check_rows (self, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  if (self->n_run == 0)
    {
      /* nothing to send: no batch is recorded, as nothing of it went out */
      self->n_not_started = self->queue->len;
      notify (self, PROP_N_NOT_STARTED);
      set_stage (self, PM_BULK_STAGE_DONE);
      g_task_return_boolean (task, TRUE);
      return;
    }
  if (!record_batch (self, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  self->task = g_steal_pointer (&task);
  self->ready = g_ptr_array_new_with_free_func ((GDestroyNotify) job_free);
  /* the text indexes take the run's bills in one pass at its end, not a few at a time
   * between replies (a search still finds them: it indexes what it needs first) */
  self->text_held = g_object_ref (pm_service_get_ledger (self->service));
  pm_ledger_hold_text_index (self->text_held, TRUE);
  set_stage (self, PM_BULK_STAGE_SENDING);
  pump (self);
}

gboolean
pm_bulk_send_finish (PmBulk        *self,
                     GAsyncResult  *result,
                     GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == pm_bulk_send_async, FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

guint
pm_bulk_get_n_written_not_sent (PmBulk *self)
{
  g_return_val_if_fail (PM_IS_BULK (self), 0);

  return self->n_written_not_sent;
}

const char *
pm_bulk_get_record_error (PmBulk *self)
{
  g_return_val_if_fail (PM_IS_BULK (self), NULL);

  return self->record_error;
}

/* ---- readers ---- */

PmBulkStage
pm_bulk_get_stage (PmBulk *self)
{
  g_return_val_if_fail (PM_IS_BULK (self), PM_BULK_STAGE_EMPTY);

  return self->stage;
}

GListModel *
pm_bulk_get_rows (PmBulk *self)
{
  g_return_val_if_fail (PM_IS_BULK (self), NULL);

  return G_LIST_MODEL (self->rows);
}

guint
pm_bulk_get_n_rows (PmBulk *self)
{
  g_return_val_if_fail (PM_IS_BULK (self), 0);

  return g_list_model_get_n_items (G_LIST_MODEL (self->rows));
}

guint
pm_bulk_get_n_valid (PmBulk *self)
{
  g_return_val_if_fail (PM_IS_BULK (self), 0);

  return self->items->len;
}

guint
pm_bulk_get_n_invalid (PmBulk *self)
{
  g_return_val_if_fail (PM_IS_BULK (self), 0);

  return self->import != NULL ? pm_csv_import_get_n_invalid (self->import) : 0;
}

guint
pm_bulk_get_n_duplicate_groups (PmBulk *self)
{
  g_return_val_if_fail (PM_IS_BULK (self), 0);

  return self->n_duplicate_groups;
}

guint
pm_bulk_get_n_to_send (PmBulk *self)
{
  g_return_val_if_fail (PM_IS_BULK (self), 0);

  return self->queue->len;
}

gint64
pm_bulk_get_won_to_send (PmBulk *self)
{
  g_return_val_if_fail (PM_IS_BULK (self), 0);

  return self->won_to_send;
}

guint
pm_bulk_get_n_run (PmBulk *self)
{
  g_return_val_if_fail (PM_IS_BULK (self), 0);

  return self->n_run;
}

gint64
pm_bulk_get_won_run (PmBulk *self)
{
  g_return_val_if_fail (PM_IS_BULK (self), 0);

  return self->won_run;
}

guint
pm_bulk_get_n_already_sent (PmBulk *self)
{
  g_return_val_if_fail (PM_IS_BULK (self), 0);

  return self->n_already;
}

guint
pm_bulk_get_n_failed_before (PmBulk *self)
{
  g_return_val_if_fail (PM_IS_BULK (self), 0);

  return self->n_failed_before;
}

guint
pm_bulk_get_n_unknown_before (PmBulk *self)
{
  g_return_val_if_fail (PM_IS_BULK (self), 0);

  return self->n_unknown_before;
}

guint
pm_bulk_get_n_not_sent_before (PmBulk *self)
{
  g_return_val_if_fail (PM_IS_BULK (self), 0);

  return self->n_not_sent_before;
}

guint
pm_bulk_get_n_done (PmBulk *self)
{
  g_return_val_if_fail (PM_IS_BULK (self), 0);

  return self->n_sent + self->n_failed + self->n_unknown;
}

guint
pm_bulk_get_n_sent (PmBulk *self)
{
  g_return_val_if_fail (PM_IS_BULK (self), 0);

  return self->n_sent;
}

gint64
pm_bulk_get_won_sent (PmBulk *self)
{
  g_return_val_if_fail (PM_IS_BULK (self), 0);

  return self->won_sent;
}

guint
pm_bulk_get_n_failed (PmBulk *self)
{
  g_return_val_if_fail (PM_IS_BULK (self), 0);

  return self->n_failed;
}

guint
pm_bulk_get_n_unknown (PmBulk *self)
{
  g_return_val_if_fail (PM_IS_BULK (self), 0);

  return self->n_unknown;
}

guint
pm_bulk_get_n_not_started (PmBulk *self)
{
  g_return_val_if_fail (PM_IS_BULK (self), 0);

  return self->n_not_started;
}

guint
pm_bulk_get_n_in_flight (PmBulk *self)
{
  g_return_val_if_fail (PM_IS_BULK (self), 0);

  return self->in_flight;
}

guint
pm_bulk_get_max_in_flight (PmBulk *self)
{
  g_return_val_if_fail (PM_IS_BULK (self), 0);

  return self->max_in_flight;
}

gboolean
pm_bulk_get_cancelled (PmBulk *self)
{
  g_return_val_if_fail (PM_IS_BULK (self), FALSE);

  return self->cancelled;
}

const char *
pm_bulk_get_stop_reason (PmBulk *self)
{
  g_return_val_if_fail (PM_IS_BULK (self), NULL);

  return self->stop_reason;
}
