/* pm-bill.c — the bill value object: fields, states, validation
 *
 * Copyright 2026 The Paymint Desk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "pm-bill.h"
#include "pm-error.h"
#include "pm-phone.h"
#include "pm-text.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <glib/gi18n-lib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

/* String properties first (their ids index self->strings), then the integers. */
enum
{
  PROP_0,
  PROP_BILL_ID,
  PROP_PROFILE_ID,
  PROP_PAYER_NAME,
  PROP_PHONE,
  PROP_PRODUCT,
  PROP_MESSAGE,
  PROP_EXPIRE_DATE,
  PROP_METHOD_ID,
  PROP_NOTE,
  PROP_BATCH_ID,
  PROP_SHORT_URL,
  PROP_APPR_PAY_TYPE,
  PROP_APPR_DT,
  PROP_APPR_NUM,
  PROP_APPR_ISSUER,
  PROP_APPR_CARD_TYPE,
  PROP_APPR_MONTHLY,
  PROP_ERROR_CODE,
  PROP_ERROR_TEXT,
  N_STRING_PROPS_END,
  PROP_PRICE = N_STRING_PROPS_END,
  PROP_APPR_PRICE,
  PROP_CREATED_AT,
  PROP_UPDATED_AT,
  PROP_LAST_CHECKED_AT,
  PROP_NEXT_CHECK_AT,
  N_INT_PROPS_END,
  PROP_KIND = N_INT_PROPS_END,
  PROP_STATE,
  N_PROPS
};

#define N_STRINGS (N_STRING_PROPS_END - 1)
#define N_INTS    (N_INT_PROPS_END - N_STRING_PROPS_END)
#define STR_INDEX(prop) ((prop) - 1)
#define INT_INDEX(prop) ((prop) - N_STRING_PROPS_END)

struct _PmBill
{
  GObject      parent_instance;

  char        *strings[N_STRINGS];
  gint64       ints[N_INTS];
  PmBillKind   kind;
  PmBillState  state;
};

G_DEFINE_FINAL_TYPE (PmBill, pm_bill, G_TYPE_OBJECT)

static GParamSpec *properties[N_PROPS];

GType
pm_bill_kind_get_type (void)
{
  static gsize type_id = 0;
  static const GEnumValue values[] = {
    { PM_BILL_KIND_REQUEST, "PM_BILL_KIND_REQUEST", "request" },
    { PM_BILL_KIND_AUTOPAY, "PM_BILL_KIND_AUTOPAY", "autopay" },
    { 0, NULL, NULL },
  };

  if (g_once_init_enter (&type_id))
    {
      GType type = g_enum_register_static (g_intern_static_string ("PmBillKind"), values);

      g_once_init_leave (&type_id, type);
    }
  return type_id;
}

GType
pm_bill_state_get_type (void)
{
  static gsize type_id = 0;
  static const GEnumValue values[] = {
    { PM_BILL_STATE_QUEUED, "PM_BILL_STATE_QUEUED", "queued" },
    { PM_BILL_STATE_SENDING, "PM_BILL_STATE_SENDING", "sending" },
    { PM_BILL_STATE_UNKNOWN, "PM_BILL_STATE_UNKNOWN", "unknown" },
    { PM_BILL_STATE_FAILED, "PM_BILL_STATE_FAILED", "failed" },
    { PM_BILL_STATE_UNPAID, "PM_BILL_STATE_UNPAID", "unpaid" },
    { PM_BILL_STATE_PAID, "PM_BILL_STATE_PAID", "paid" },
    { PM_BILL_STATE_CANCELLED, "PM_BILL_STATE_CANCELLED", "cancelled" },
    { PM_BILL_STATE_DESTROYED, "PM_BILL_STATE_DESTROYED", "destroyed" },
    { PM_BILL_STATE_NOT_SENT, "PM_BILL_STATE_NOT_SENT", "not-sent" },
    { 0, NULL, NULL },
  };

  if (g_once_init_enter (&type_id))
    {
      GType type = g_enum_register_static (g_intern_static_string ("PmBillState"), values);

      g_once_init_leave (&type_id, type);
    }
  return type_id;
}

static void
set_string (PmBill     *self,
            guint       prop_id,
            const char *value)
{
  char **slot = &self->strings[STR_INDEX (prop_id)];

  if (g_strcmp0 (*slot, value) == 0)
    return;
  g_free (*slot);
  *slot = g_strdup (value);
  g_object_notify_by_pspec (G_OBJECT (self), properties[prop_id]);
}

static void
set_int (PmBill *self,
         guint   prop_id,
         gint64  value)
{
  gint64 *slot = &self->ints[INT_INDEX (prop_id)];

  if (*slot == value)
    return;
  *slot = value;
  g_object_notify_by_pspec (G_OBJECT (self), properties[prop_id]);
}

static void
pm_bill_finalize (GObject *object)
{
  PmBill *self = (PmBill *) object;

  for (guint i = 0; i < N_STRINGS; i++)
    g_clear_pointer (&self->strings[i], g_free);

  G_OBJECT_CLASS (pm_bill_parent_class)->finalize (object);
}

static void
pm_bill_get_property (GObject    *object,
                      guint       prop_id,
                      GValue     *value,
                      GParamSpec *pspec)
{
  PmBill *self = PM_BILL (object);

  if (prop_id > PROP_0 && prop_id < N_STRING_PROPS_END)
    g_value_set_string (value, self->strings[STR_INDEX (prop_id)]);
  else if (prop_id >= N_STRING_PROPS_END && prop_id < N_INT_PROPS_END)
    g_value_set_int64 (value, self->ints[INT_INDEX (prop_id)]);
  else if (prop_id == PROP_KIND)
    g_value_set_enum (value, self->kind);
  else if (prop_id == PROP_STATE)
    g_value_set_enum (value, self->state);
  else
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
}

static void
pm_bill_set_property (GObject      *object,
                      guint         prop_id,
                      const GValue *value,
                      GParamSpec   *pspec)
{
  PmBill *self = PM_BILL (object);

  if (prop_id > PROP_0 && prop_id < N_STRING_PROPS_END)
    set_string (self, prop_id, g_value_get_string (value));
  else if (prop_id >= N_STRING_PROPS_END && prop_id < N_INT_PROPS_END)
    set_int (self, prop_id, g_value_get_int64 (value));
  else if (prop_id == PROP_KIND)
    pm_bill_set_kind (self, g_value_get_enum (value));
  else if (prop_id == PROP_STATE)
    pm_bill_set_state (self, g_value_get_enum (value));
  else
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
}

static void
pm_bill_class_init (PmBillClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = pm_bill_finalize;
  object_class->get_property = pm_bill_get_property;
  object_class->set_property = pm_bill_set_property;

  properties[PROP_BILL_ID] =
    g_param_spec_string ("bill-id", NULL, "Bill ID (bill_id), up to 20 letters and digits", NULL,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_PROFILE_ID] =
    g_param_spec_string ("profile-id", NULL, "UUID of the connection profile", NULL,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_PAYER_NAME] =
    g_param_spec_string ("payer-name", NULL, "Payer name (member_nm)", NULL,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_PHONE] =
    g_param_spec_string ("phone", NULL, "Payer mobile number, normalised digits", NULL,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_PRODUCT] =
    g_param_spec_string ("product", NULL, "What the bill is for (product_nm)", NULL,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_MESSAGE] =
    g_param_spec_string ("message", NULL, "Guidance text for the payer", NULL,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_EXPIRE_DATE] =
    g_param_spec_string ("expire-date", NULL, "Last day the bill can be paid, YYYY-MM-DD", NULL,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_METHOD_ID] =
    g_param_spec_string ("method-id", NULL, "AutoPay method ID", NULL,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_NOTE] =
    g_param_spec_string ("note", NULL, "Local note, never sent", NULL,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_BATCH_ID] =
    g_param_spec_string ("batch-id", NULL, "Bulk send batch", NULL,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_SHORT_URL] =
    g_param_spec_string ("short-url", NULL, "Payment link", NULL,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_APPR_PAY_TYPE] =
    g_param_spec_string ("appr-pay-type", NULL, "Approved payment type", NULL,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_APPR_DT] =
    g_param_spec_string ("appr-dt", NULL, "Approval time YYYYMMDDHHMMSS, Korea time", NULL,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_APPR_NUM] =
    g_param_spec_string ("appr-num", NULL, "Approval number", NULL,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_APPR_ISSUER] =
    g_param_spec_string ("appr-issuer", NULL, "Card issuer", NULL,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_APPR_CARD_TYPE] =
    g_param_spec_string ("appr-card-type", NULL, "Card type", NULL,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_APPR_MONTHLY] =
    g_param_spec_string ("appr-monthly", NULL, "Instalment months", NULL,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_ERROR_CODE] =
    g_param_spec_string ("error-code", NULL, "Last error code", NULL,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_ERROR_TEXT] =
    g_param_spec_string ("error-text", NULL, "Last error text", NULL,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_PRICE] =
    g_param_spec_int64 ("price", NULL, "Amount in won",
                        G_MININT64, G_MAXINT64, 0,
                        G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_APPR_PRICE] =
    g_param_spec_int64 ("appr-price", NULL, "Approved amount in won",
                        G_MININT64, G_MAXINT64, 0,
                        G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_CREATED_AT] =
    g_param_spec_int64 ("created-at", NULL, "Creation time, unix seconds UTC",
                        G_MININT64, G_MAXINT64, 0,
                        G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_UPDATED_AT] =
    g_param_spec_int64 ("updated-at", NULL, "Last change, unix seconds UTC",
                        G_MININT64, G_MAXINT64, 0,
                        G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_LAST_CHECKED_AT] =
    g_param_spec_int64 ("last-checked-at", NULL, "Last status check, unix seconds UTC",
                        G_MININT64, G_MAXINT64, 0,
                        G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_NEXT_CHECK_AT] =
    g_param_spec_int64 ("next-check-at", NULL, "Next status check, unix seconds UTC",
                        G_MININT64, G_MAXINT64, 0,
                        G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_KIND] =
    g_param_spec_enum ("kind", NULL, "Plain request or AutoPay charge",
                       PM_TYPE_BILL_KIND, PM_BILL_KIND_REQUEST,
                       G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_STATE] =
    g_param_spec_enum ("state", NULL, "Local or server state",
                       PM_TYPE_BILL_STATE, PM_BILL_STATE_QUEUED,
                       G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
pm_bill_init (PmBill *self)
{
  self->kind = PM_BILL_KIND_REQUEST;
  self->state = PM_BILL_STATE_QUEUED;
}

PmBill *
pm_bill_new (void)
{
  return g_object_new (PM_TYPE_BILL, NULL);
}

/**
 * pm_bill_copy:
 * @self: a bill
 *
 * Returns: (transfer full): a new bill with the same field values
 */
PmBill *
pm_bill_copy (PmBill *self)
{
  PmBill *copy;

  g_return_val_if_fail (PM_IS_BILL (self), NULL);

  copy = pm_bill_new ();
  for (guint i = 0; i < N_STRINGS; i++)
    copy->strings[i] = g_strdup (self->strings[i]);
  for (guint i = 0; i < N_INTS; i++)
    copy->ints[i] = self->ints[i];
  copy->kind = self->kind;
  copy->state = self->state;
  return copy;
}

const char *
pm_bill_get_bill_id (PmBill *self)
{
  g_return_val_if_fail (PM_IS_BILL (self), NULL);
  return self->strings[STR_INDEX (PROP_BILL_ID)];
}

void
pm_bill_set_bill_id (PmBill     *self,
                     const char *value)
{
  g_return_if_fail (PM_IS_BILL (self));
  set_string (self, PROP_BILL_ID, value);
}

const char *
pm_bill_get_profile_id (PmBill *self)
{
  g_return_val_if_fail (PM_IS_BILL (self), NULL);
  return self->strings[STR_INDEX (PROP_PROFILE_ID)];
}

void
pm_bill_set_profile_id (PmBill     *self,
                        const char *value)
{
  g_return_if_fail (PM_IS_BILL (self));
  set_string (self, PROP_PROFILE_ID, value);
}

const char *
pm_bill_get_payer_name (PmBill *self)
{
  g_return_val_if_fail (PM_IS_BILL (self), NULL);
  return self->strings[STR_INDEX (PROP_PAYER_NAME)];
}

void
pm_bill_set_payer_name (PmBill     *self,
                        const char *value)
{
  g_return_if_fail (PM_IS_BILL (self));
  set_string (self, PROP_PAYER_NAME, value);
}

const char *
pm_bill_get_phone (PmBill *self)
{
  g_return_val_if_fail (PM_IS_BILL (self), NULL);
  return self->strings[STR_INDEX (PROP_PHONE)];
}

void
pm_bill_set_phone (PmBill     *self,
                   const char *value)
{
  g_return_if_fail (PM_IS_BILL (self));
  set_string (self, PROP_PHONE, value);
}

const char *
pm_bill_get_product (PmBill *self)
{
  g_return_val_if_fail (PM_IS_BILL (self), NULL);
  return self->strings[STR_INDEX (PROP_PRODUCT)];
}

void
pm_bill_set_product (PmBill     *self,
                     const char *value)
{
  g_return_if_fail (PM_IS_BILL (self));
  set_string (self, PROP_PRODUCT, value);
}

const char *
pm_bill_get_message (PmBill *self)
{
  g_return_val_if_fail (PM_IS_BILL (self), NULL);
  return self->strings[STR_INDEX (PROP_MESSAGE)];
}

void
pm_bill_set_message (PmBill     *self,
                     const char *value)
{
  g_return_if_fail (PM_IS_BILL (self));
  set_string (self, PROP_MESSAGE, value);
}

const char *
pm_bill_get_expire_date (PmBill *self)
{
  g_return_val_if_fail (PM_IS_BILL (self), NULL);
  return self->strings[STR_INDEX (PROP_EXPIRE_DATE)];
}

void
pm_bill_set_expire_date (PmBill     *self,
                         const char *value)
{
  g_return_if_fail (PM_IS_BILL (self));
  set_string (self, PROP_EXPIRE_DATE, value);
}

const char *
pm_bill_get_method_id (PmBill *self)
{
  g_return_val_if_fail (PM_IS_BILL (self), NULL);
  return self->strings[STR_INDEX (PROP_METHOD_ID)];
}

void
pm_bill_set_method_id (PmBill     *self,
                       const char *value)
{
  g_return_if_fail (PM_IS_BILL (self));
  set_string (self, PROP_METHOD_ID, value);
}

const char *
pm_bill_get_note (PmBill *self)
{
  g_return_val_if_fail (PM_IS_BILL (self), NULL);
  return self->strings[STR_INDEX (PROP_NOTE)];
}

void
pm_bill_set_note (PmBill     *self,
                  const char *value)
{
  g_return_if_fail (PM_IS_BILL (self));
  set_string (self, PROP_NOTE, value);
}

const char *
pm_bill_get_batch_id (PmBill *self)
{
  g_return_val_if_fail (PM_IS_BILL (self), NULL);
  return self->strings[STR_INDEX (PROP_BATCH_ID)];
}

void
pm_bill_set_batch_id (PmBill     *self,
                      const char *value)
{
  g_return_if_fail (PM_IS_BILL (self));
  set_string (self, PROP_BATCH_ID, value);
}

const char *
pm_bill_get_short_url (PmBill *self)
{
  g_return_val_if_fail (PM_IS_BILL (self), NULL);
  return self->strings[STR_INDEX (PROP_SHORT_URL)];
}

void
pm_bill_set_short_url (PmBill     *self,
                       const char *value)
{
  g_return_if_fail (PM_IS_BILL (self));
  set_string (self, PROP_SHORT_URL, value);
}

const char *
pm_bill_get_appr_pay_type (PmBill *self)
{
  g_return_val_if_fail (PM_IS_BILL (self), NULL);
  return self->strings[STR_INDEX (PROP_APPR_PAY_TYPE)];
}

void
pm_bill_set_appr_pay_type (PmBill     *self,
                           const char *value)
{
  g_return_if_fail (PM_IS_BILL (self));
  set_string (self, PROP_APPR_PAY_TYPE, value);
}

const char *
pm_bill_get_appr_dt (PmBill *self)
{
  g_return_val_if_fail (PM_IS_BILL (self), NULL);
  return self->strings[STR_INDEX (PROP_APPR_DT)];
}

void
pm_bill_set_appr_dt (PmBill     *self,
                     const char *value)
{
  g_return_if_fail (PM_IS_BILL (self));
  set_string (self, PROP_APPR_DT, value);
}

const char *
pm_bill_get_appr_num (PmBill *self)
{
  g_return_val_if_fail (PM_IS_BILL (self), NULL);
  return self->strings[STR_INDEX (PROP_APPR_NUM)];
}

void
pm_bill_set_appr_num (PmBill     *self,
                      const char *value)
{
  g_return_if_fail (PM_IS_BILL (self));
  set_string (self, PROP_APPR_NUM, value);
}

const char *
pm_bill_get_appr_issuer (PmBill *self)
{
  g_return_val_if_fail (PM_IS_BILL (self), NULL);
  return self->strings[STR_INDEX (PROP_APPR_ISSUER)];
}

void
pm_bill_set_appr_issuer (PmBill     *self,
                         const char *value)
{
  g_return_if_fail (PM_IS_BILL (self));
  set_string (self, PROP_APPR_ISSUER, value);
}

const char *
pm_bill_get_appr_card_type (PmBill *self)
{
  g_return_val_if_fail (PM_IS_BILL (self), NULL);
  return self->strings[STR_INDEX (PROP_APPR_CARD_TYPE)];
}

void
pm_bill_set_appr_card_type (PmBill     *self,
                            const char *value)
{
  g_return_if_fail (PM_IS_BILL (self));
  set_string (self, PROP_APPR_CARD_TYPE, value);
}

const char *
pm_bill_get_appr_monthly (PmBill *self)
{
  g_return_val_if_fail (PM_IS_BILL (self), NULL);
  return self->strings[STR_INDEX (PROP_APPR_MONTHLY)];
}

void
pm_bill_set_appr_monthly (PmBill     *self,
                          const char *value)
{
  g_return_if_fail (PM_IS_BILL (self));
  set_string (self, PROP_APPR_MONTHLY, value);
}

const char *
pm_bill_get_error_code (PmBill *self)
{
  g_return_val_if_fail (PM_IS_BILL (self), NULL);
  return self->strings[STR_INDEX (PROP_ERROR_CODE)];
}

void
pm_bill_set_error_code (PmBill     *self,
                        const char *value)
{
  g_return_if_fail (PM_IS_BILL (self));
  set_string (self, PROP_ERROR_CODE, value);
}

const char *
pm_bill_get_error_text (PmBill *self)
{
  g_return_val_if_fail (PM_IS_BILL (self), NULL);
  return self->strings[STR_INDEX (PROP_ERROR_TEXT)];
}

void
pm_bill_set_error_text (PmBill     *self,
                        const char *value)
{
  g_return_if_fail (PM_IS_BILL (self));
  set_string (self, PROP_ERROR_TEXT, value);
}

gint64
pm_bill_get_price (PmBill *self)
{
  g_return_val_if_fail (PM_IS_BILL (self), 0);
  return self->ints[INT_INDEX (PROP_PRICE)];
}

void
pm_bill_set_price (PmBill *self,
                   gint64  value)
{
  g_return_if_fail (PM_IS_BILL (self));
  set_int (self, PROP_PRICE, value);
}

gint64
pm_bill_get_appr_price (PmBill *self)
{
  g_return_val_if_fail (PM_IS_BILL (self), 0);
  return self->ints[INT_INDEX (PROP_APPR_PRICE)];
}

void
pm_bill_set_appr_price (PmBill *self,
                        gint64  value)
{
  g_return_if_fail (PM_IS_BILL (self));
  set_int (self, PROP_APPR_PRICE, value);
}

gint64
pm_bill_get_created_at (PmBill *self)
{
  g_return_val_if_fail (PM_IS_BILL (self), 0);
  return self->ints[INT_INDEX (PROP_CREATED_AT)];
}

void
pm_bill_set_created_at (PmBill *self,
                        gint64  value)
{
  g_return_if_fail (PM_IS_BILL (self));
  set_int (self, PROP_CREATED_AT, value);
}

gint64
pm_bill_get_updated_at (PmBill *self)
{
  g_return_val_if_fail (PM_IS_BILL (self), 0);
  return self->ints[INT_INDEX (PROP_UPDATED_AT)];
}

void
pm_bill_set_updated_at (PmBill *self,
                        gint64  value)
{
  g_return_if_fail (PM_IS_BILL (self));
  set_int (self, PROP_UPDATED_AT, value);
}

gint64
pm_bill_get_last_checked_at (PmBill *self)
{
  g_return_val_if_fail (PM_IS_BILL (self), 0);
  return self->ints[INT_INDEX (PROP_LAST_CHECKED_AT)];
}

void
pm_bill_set_last_checked_at (PmBill *self,
                             gint64  value)
{
  g_return_if_fail (PM_IS_BILL (self));
  set_int (self, PROP_LAST_CHECKED_AT, value);
}

gint64
pm_bill_get_next_check_at (PmBill *self)
{
  g_return_val_if_fail (PM_IS_BILL (self), 0);
  return self->ints[INT_INDEX (PROP_NEXT_CHECK_AT)];
}

void
pm_bill_set_next_check_at (PmBill *self,
                           gint64  value)
{
  g_return_if_fail (PM_IS_BILL (self));
  set_int (self, PROP_NEXT_CHECK_AT, value);
}

PmBillKind
pm_bill_get_kind (PmBill *self)
{
  g_return_val_if_fail (PM_IS_BILL (self), PM_BILL_KIND_REQUEST);
  return self->kind;
}

void
pm_bill_set_kind (PmBill     *self,
                  PmBillKind  value)
{
  g_return_if_fail (PM_IS_BILL (self));
  if (self->kind == value)
    return;
  self->kind = value;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_KIND]);
}

PmBillState
pm_bill_get_state (PmBill *self)
{
  g_return_val_if_fail (PM_IS_BILL (self), PM_BILL_STATE_QUEUED);
  return self->state;
}

void
pm_bill_set_state (PmBill      *self,
                   PmBillState  value)
{
  g_return_if_fail (PM_IS_BILL (self));
  if (self->state == value)
    return;
  self->state = value;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
}

/* States */

static const char *const state_ids[] = {
  [PM_BILL_STATE_QUEUED] = "queued",
  [PM_BILL_STATE_SENDING] = "sending",
  [PM_BILL_STATE_UNKNOWN] = "unknown",
  [PM_BILL_STATE_FAILED] = "failed",
  [PM_BILL_STATE_UNPAID] = "unpaid",
  [PM_BILL_STATE_PAID] = "paid",
  [PM_BILL_STATE_CANCELLED] = "cancelled",
  [PM_BILL_STATE_DESTROYED] = "destroyed",
  [PM_BILL_STATE_NOT_SENT] = "not_sent",
};
G_STATIC_ASSERT (G_N_ELEMENTS (state_ids) == PM_BILL_N_STATES);

const char *
pm_bill_state_to_string (PmBillState state)
{
  g_return_val_if_fail ((guint) state < G_N_ELEMENTS (state_ids), NULL);
  return state_ids[state];
}

gboolean
pm_bill_state_from_string (const char  *str,
                           PmBillState *state)
{
  if (str == NULL)
    return FALSE;
  for (guint i = 0; i < G_N_ELEMENTS (state_ids); i++)
    if (g_str_equal (str, state_ids[i]))
      {
        if (state)
          *state = (PmBillState) i;
        return TRUE;
      }
  return FALSE;
}

gboolean
pm_bill_state_from_appr_state (const char  *appr_state,
                               PmBillState *state)
{
  PmBillState found;

  if (appr_state == NULL || appr_state[0] == '\0' || appr_state[1] != '\0')
    return FALSE;
  switch (g_ascii_toupper (appr_state[0]))
    {
    case 'W':
      found = PM_BILL_STATE_UNPAID;
      break;
    case 'F':
      found = PM_BILL_STATE_PAID;
      break;
    case 'C':
      found = PM_BILL_STATE_CANCELLED;
      break;
    case 'D':
      found = PM_BILL_STATE_DESTROYED;
      break;
    default:
      return FALSE;
    }
  if (state)
    *state = found;
  return TRUE;
}

gboolean
pm_bill_state_is_final (PmBillState state)
{
  return state == PM_BILL_STATE_CANCELLED || state == PM_BILL_STATE_DESTROYED
         || state == PM_BILL_STATE_FAILED || state == PM_BILL_STATE_NOT_SENT;
}

const char *
pm_bill_state_get_label (PmBillState state)
{
  switch (state)
    {
    case PM_BILL_STATE_QUEUED:
      return C_("bill state", "Queued");
    case PM_BILL_STATE_SENDING:
      return C_("bill state", "Sending");
    case PM_BILL_STATE_UNKNOWN:
      return C_("bill state", "Checking");
    case PM_BILL_STATE_FAILED:
      return C_("bill state", "Failed");
    case PM_BILL_STATE_UNPAID:
      return C_("bill state", "Unpaid");
    case PM_BILL_STATE_PAID:
      return C_("bill state", "Paid");
    case PM_BILL_STATE_CANCELLED:
      return C_("bill state", "Cancelled");
    case PM_BILL_STATE_DESTROYED:
      return C_("bill state", "Voided");
    case PM_BILL_STATE_NOT_SENT:
      return C_("bill state", "Not sent");
    default:
      g_return_val_if_reached (NULL);
    }
}

const char *
pm_bill_kind_to_string (PmBillKind kind)
{
  return kind == PM_BILL_KIND_AUTOPAY ? "autopay" : "request";
}

gboolean
pm_bill_kind_from_string (const char *str,
                          PmBillKind *kind)
{
  PmBillKind found;

  if (g_strcmp0 (str, "request") == 0)
    found = PM_BILL_KIND_REQUEST;
  else if (g_strcmp0 (str, "autopay") == 0)
    found = PM_BILL_KIND_AUTOPAY;
  else
    return FALSE;
  if (kind)
    *kind = found;
  return TRUE;
}

/* Korea time */

GTimeZone *
pm_bill_korea_time_zone (void)
{
  GTimeZone *tz = g_time_zone_new_identifier ("Asia/Seoul");

  if (tz == NULL)
    tz = g_time_zone_new_offset (9 * 3600);
  return tz;
}

char *
pm_bill_korea_date (gint64 unix_utc)
{
  g_autoptr(GTimeZone) tz = pm_bill_korea_time_zone ();
  g_autoptr(GDateTime) utc = g_date_time_new_from_unix_utc (unix_utc);
  g_autoptr(GDateTime) local = NULL;

  if (utc == NULL)
    return NULL;
  local = g_date_time_to_timezone (utc, tz);
  return g_date_time_format (local, "%Y-%m-%d");
}

gboolean
pm_bill_is_expired (PmBill *self,
                    gint64  now_utc)
{
  g_autofree char *today = NULL;
  const char *expire;

  g_return_val_if_fail (PM_IS_BILL (self), FALSE);

  expire = pm_bill_get_expire_date (self);
  if (self->state != PM_BILL_STATE_UNPAID || expire == NULL || expire[0] == '\0')
    return FALSE;
  today = pm_bill_korea_date (now_utc);
  return today != NULL && strcmp (today, expire) > 0;
}

/* Validation */

typedef enum
{
  TEXT_OK,
  TEXT_EMPTY,
  TEXT_TOO_LONG,
  TEXT_CONTROL,
  TEXT_BIDI,
  TEXT_NOT_UTF8,
} TextCheck;

/* Checks a text field: required, at most @max characters (not bytes), no control
 * characters (line breaks allowed when @multiline). */
static TextCheck
check_text (const char *value,
            int         max,
            gboolean    multiline,
            int        *length,
            gunichar   *bad)
{
  gboolean blank = TRUE;

  *length = 0;
  *bad = 0;
  if (value == NULL)
    return TEXT_EMPTY;
  if (!g_utf8_validate (value, -1, NULL))
    return TEXT_NOT_UTF8;

  for (const char *p = value; *p; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (g_unichar_type (c) == G_UNICODE_CONTROL && !(multiline && (c == '\n' || c == '\r')))
        {
          *bad = c;
          return TEXT_CONTROL;
        }
      /* an override can make a name read as another in the table (pm-text.h) */
      if (pm_text_is_unsafe_char (c) && g_unichar_type (c) != G_UNICODE_CONTROL)
        {
          *bad = c;
          return TEXT_BIDI;
        }
      /* a name of only invisible characters (zero-width, soft hyphen, Hangul fillers)
       * is as blank as one of spaces */
      if (!g_unichar_isspace (c) && c != 0x3000 && g_unichar_type (c) != G_UNICODE_FORMAT
          && c != 0x115f && c != 0x1160 && c != 0x3164 && c != 0xffa0)
        blank = FALSE;
    }
  if (blank)
    return TEXT_EMPTY;

  *length = (int) g_utf8_strlen (value, -1);
  return *length > max ? TEXT_TOO_LONG : TEXT_OK;
}

static gboolean
report_not_utf8 (const char  *field,
                 GError     **error)
{
  pm_error_set_field_error (error, PM_ERROR_INVALID, field, "%s",
                            _("This text is not valid UTF-8."));
  return FALSE;
}

gboolean
pm_bill_check_member_nm (const char  *value,
                         GError     **error)
{
  const char *field = PM_BILL_FIELD_MEMBER_NM;
  gunichar bad;
  int length;

  switch (check_text (value, PM_BILL_MEMBER_NM_MAX, FALSE, &length, &bad))
    {
    case TEXT_OK:
      return TRUE;
    case TEXT_EMPTY:
      pm_error_set_field_error (error, PM_ERROR_INVALID, field, "%s", _("Enter the payer’s name."));
      return FALSE;
    case TEXT_TOO_LONG:
      pm_error_set_field_error (error, PM_ERROR_INVALID, field,
                                /* Translators: the limit, then the current length */
                                _("The payer’s name can be at most %d characters long; it has %d."),
                                PM_BILL_MEMBER_NM_MAX, length);
      return FALSE;
    case TEXT_CONTROL:
      pm_error_set_field_error (error, PM_ERROR_INVALID, field, "%s",
                                _("The payer’s name cannot contain tabs, line breaks or other control characters."));
      return FALSE;
    case TEXT_BIDI:
      {
        g_autofree char *what = pm_text_describe_char (bad);

        pm_error_set_field_error (error, PM_ERROR_INVALID, field,
                                  /* Translators: %s names a character, like
                                   * "U+202E (right-to-left override)" */
                                  _("The payer’s name cannot contain %s: it can make text read differently from what it is."), what);
        return FALSE;
      }
    case TEXT_NOT_UTF8:
    default:
      return report_not_utf8 (field, error);
    }
}

gboolean
pm_bill_check_product_nm (const char  *value,
                          GError     **error)
{
  const char *field = PM_BILL_FIELD_PRODUCT_NM;
  gunichar bad;
  int length;

  switch (check_text (value, PM_BILL_PRODUCT_NM_MAX, FALSE, &length, &bad))
    {
    case TEXT_OK:
      return TRUE;
    case TEXT_EMPTY:
      pm_error_set_field_error (error, PM_ERROR_INVALID, field, "%s", _("Enter what the bill is for."));
      return FALSE;
    case TEXT_TOO_LONG:
      pm_error_set_field_error (error, PM_ERROR_INVALID, field,
                                /* Translators: the limit, then the current length */
                                _("What the bill is for can be at most %d characters long; it has %d."),
                                PM_BILL_PRODUCT_NM_MAX, length);
      return FALSE;
    case TEXT_CONTROL:
      pm_error_set_field_error (error, PM_ERROR_INVALID, field, "%s",
                                _("What the bill is for cannot contain tabs, line breaks or other control characters."));
      return FALSE;
    case TEXT_BIDI:
      {
        g_autofree char *what = pm_text_describe_char (bad);

        pm_error_set_field_error (error, PM_ERROR_INVALID, field,
                                  /* Translators: %s names a character, like
                                   * "U+202E (right-to-left override)" */
                                  _("What the bill is for cannot contain %s: it can make text read differently from what it is."), what);
        return FALSE;
      }
    case TEXT_NOT_UTF8:
    default:
      return report_not_utf8 (field, error);
    }
}

gboolean
pm_bill_check_message (const char  *value,
                       GError     **error)
{
  const char *field = PM_BILL_FIELD_MESSAGE;
  gunichar bad;
  int length;

  switch (check_text (value, PM_BILL_MESSAGE_MAX, TRUE, &length, &bad))
    {
    case TEXT_OK:
      return TRUE;
    case TEXT_EMPTY:
      pm_error_set_field_error (error, PM_ERROR_INVALID, field, "%s", _("Enter a message for the payer."));
      return FALSE;
    case TEXT_TOO_LONG:
      pm_error_set_field_error (error, PM_ERROR_INVALID, field,
                                /* Translators: the limit, then the current length */
                                _("The message can be at most %d characters long; it has %d."),
                                PM_BILL_MESSAGE_MAX, length);
      return FALSE;
    case TEXT_CONTROL:
      pm_error_set_field_error (error, PM_ERROR_INVALID, field, "%s",
                                _("The message cannot contain tabs or control characters other than line breaks."));
      return FALSE;
    case TEXT_BIDI:
      {
        g_autofree char *what = pm_text_describe_char (bad);

        pm_error_set_field_error (error, PM_ERROR_INVALID, field,
                                  /* Translators: %s names a character, like
                                   * "U+202E (right-to-left override)" */
                                  _("The message cannot contain %s: it can make text read differently from what it is."), what);
        return FALSE;
      }
    case TEXT_NOT_UTF8:
    default:
      return report_not_utf8 (field, error);
    }
}

gboolean
pm_bill_check_price (gint64   value,
                     GError **error)
{
  if (value < 0)
    {
      pm_error_set_field_error (error, PM_ERROR_INVALID, PM_BILL_FIELD_PRICE, "%s",
                                _("The amount cannot be negative."));
      return FALSE;
    }
  if (value < PM_BILL_PRICE_MIN)
    {
      pm_error_set_field_error (error, PM_ERROR_INVALID, PM_BILL_FIELD_PRICE, "%s",
                                _("The amount must be at least ₩1."));
      return FALSE;
    }
  if (value > PM_BILL_PRICE_MAX)
    {
      pm_error_set_field_error (error, PM_ERROR_INVALID, PM_BILL_FIELD_PRICE, "%s",
                                _("The amount can be at most ₩9,999,999,999 (10 digits)."));
      return FALSE;
    }
  return TRUE;
}

static gboolean
parse_iso_date (const char *value,
                int        *year,
                int        *month,
                int        *day)
{
  if (value == NULL || strlen (value) != 10 || value[4] != '-' || value[7] != '-')
    return FALSE;
  for (int i = 0; i < 10; i++)
    if (i != 4 && i != 7 && !g_ascii_isdigit (value[i]))
      return FALSE;
  *year = atoi (value);
  *month = atoi (value + 5);
  *day = atoi (value + 8);
  return *year >= 1 && g_date_valid_dmy ((GDateDay) *day, (GDateMonth) *month, (GDateYear) *year);
}

gboolean
pm_bill_check_expire_date (const char  *value,
                           gint64       now_utc,
                           GError     **error)
{
  g_autofree char *today = NULL;
  g_autofree char *latest = NULL;
  int year, month, day;

  if (value == NULL || value[0] == '\0')
    {
      pm_error_set_field_error (error, PM_ERROR_INVALID, PM_BILL_FIELD_EXPIRE_DT, "%s",
                                _("Enter the last day the bill can be paid."));
      return FALSE;
    }
  if (!parse_iso_date (value, &year, &month, &day))
    {
      pm_error_set_field_error (error, PM_ERROR_INVALID, PM_BILL_FIELD_EXPIRE_DT, "%s",
                                _("Enter the last day as a real date in the form YYYY-MM-DD, like 2026-12-31."));
      return FALSE;
    }
  today = pm_bill_korea_date (now_utc);
  if (today != NULL && strcmp (value, today) < 0)
    {
      pm_error_set_field_error (error, PM_ERROR_INVALID, PM_BILL_FIELD_EXPIRE_DT,
                                _("The last day cannot be in the past (today in Korea is %s)."),
                                today);
      return FALSE;
    }
  /* A bill is checked until it expires: a far date would be polled for years. */
  latest = pm_bill_korea_date (now_utc + (gint64) PM_BILL_EXPIRE_MAX_DAYS * 24 * 3600);
  if (latest != NULL && strcmp (value, latest) > 0)
    {
      pm_error_set_field_error (error, PM_ERROR_INVALID, PM_BILL_FIELD_EXPIRE_DT,
                                /* Translators: the number of days, then a date */
                                _("The last day can be at most %d days ahead, so %s at the "
                                  "latest."),
                                PM_BILL_EXPIRE_MAX_DAYS, latest);
      return FALSE;
    }
  return TRUE;
}

gboolean
pm_bill_check_bill_id (const char  *value,
                       GError     **error)
{
  gsize len;

  if (value == NULL || value[0] == '\0')
    return TRUE; /* optional: the sender generates one */

  len = strlen (value);
  for (gsize i = 0; i < len; i++)
    if (!g_ascii_isalnum (value[i]))
      {
        pm_error_set_field_error (error, PM_ERROR_INVALID, PM_BILL_FIELD_BILL_ID, "%s",
                                  _("A bill ID holds only the letters A–Z, a–z and the digits 0–9."));
        return FALSE;
      }
  if (len > PM_BILL_BILL_ID_MAX)
    {
      pm_error_set_field_error (error, PM_ERROR_INVALID, PM_BILL_FIELD_BILL_ID,
                                _("A bill ID can be at most %d characters long; it has %d."),
                                PM_BILL_BILL_ID_MAX, (int) len);
      return FALSE;
    }
  return TRUE;
}

gboolean
pm_bill_validate_at (PmBill  *self,
                     gint64   now_utc,
                     GError **error)
{
  g_autofree char *phone = NULL;

  g_return_val_if_fail (PM_IS_BILL (self), FALSE);

  if (!pm_bill_check_bill_id (pm_bill_get_bill_id (self), error)
      || !pm_bill_check_member_nm (pm_bill_get_payer_name (self), error)
      || !pm_phone_normalize (pm_bill_get_phone (self), &phone, NULL, error)
      || !pm_bill_check_product_nm (pm_bill_get_product (self), error)
      || !pm_bill_check_message (pm_bill_get_message (self), error)
      || !pm_bill_check_price (pm_bill_get_price (self), error)
      || !pm_bill_check_expire_date (pm_bill_get_expire_date (self), now_utc, error))
    return FALSE;

  if (self->kind == PM_BILL_KIND_AUTOPAY)
    {
      const char *method = pm_bill_get_method_id (self);

      if (method == NULL || method[0] == '\0')
        {
          pm_error_set_field_error (error, PM_ERROR_INVALID, PM_BILL_FIELD_METHOD_ID, "%s",
                                    _("Choose the payer’s registered card for this AutoPay charge."));
          return FALSE;
        }
      for (const char *p = method; *p; p++)
        if ((guchar) *p < 0x20 || *p == 0x7f)
          {
            pm_error_set_field_error (error, PM_ERROR_INVALID, PM_BILL_FIELD_METHOD_ID, "%s",
                                      _("The AutoPay method ID contains characters it cannot hold."));
            return FALSE;
          }
    }
  return TRUE;
}

gboolean
pm_bill_validate (PmBill  *self,
                  GError **error)
{
  return pm_bill_validate_at (self, g_get_real_time () / G_USEC_PER_SEC, error);
}

/* Random IDs */

static gboolean
fill_random (guint8 *buf,
             gsize   len)
{
  gsize done = 0;
  int fd;

  while (done < len)
    {
      ssize_t n = getrandom (buf + done, len - done, 0);

      if (n > 0)
        done += (gsize) n;
      else if (n < 0 && errno == EINTR)
        continue;
      else
        break;
    }
  if (done == len)
    return TRUE;

  fd = open ("/dev/urandom", O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return FALSE;
  while (done < len)
    {
      ssize_t n = read (fd, buf + done, len - done);

      if (n > 0)
        done += (gsize) n;
      else if (!(n < 0 && errno == EINTR))
        break;
    }
  close (fd);
  return done == len;
}

/**
 * pm_bill_generate_id:
 *
 * Returns: 20 characters of [A-Z0-9] (about 103 bits) from getrandom(2), falling back
 *   to /dev/urandom; aborts when the system has no random source at all.
 */
char *
pm_bill_generate_id (void)
{
  static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
  char *id = g_malloc (PM_BILL_BILL_ID_MAX + 1);
  int filled = 0;

  while (filled < PM_BILL_BILL_ID_MAX)
    {
      guint8 buf[32];

      if (!fill_random (buf, sizeof buf))
        g_error ("No source of random numbers is available for bill IDs");
      for (guint i = 0; i < sizeof buf && filled < PM_BILL_BILL_ID_MAX; i++)
        if (buf[i] < 252) /* 252 = 7 × 36: no bias */
          id[filled++] = alphabet[buf[i] % 36];
    }
  id[filled] = '\0';
  return id;
}
