/* pm-bill.h — the bill value object: fields, states, validation
 *
 * Copyright 2026 The Paymint Desk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

typedef enum
{
  PM_BILL_KIND_REQUEST, /* POST /paymint/request */
  PM_BILL_KIND_AUTOPAY, /* POST /paymint/autopay/request (needs method-id) */
} PmBillKind;

/* Local states first (before the server answered), then the server's appr_state. */
typedef enum
{
  PM_BILL_STATE_QUEUED,    /* intent written down, not sent yet */
  PM_BILL_STATE_SENDING,   /* request on the wire */
  PM_BILL_STATE_UNKNOWN,   /* may or may not have reached the server: read before resending */
  PM_BILL_STATE_FAILED,    /* definitely rejected; nothing created or charged (final) */
  PM_BILL_STATE_UNPAID,    /* W */
  PM_BILL_STATE_PAID,      /* F */
  PM_BILL_STATE_CANCELLED, /* C: refunded (final) */
  PM_BILL_STATE_DESTROYED, /* D: voided (final) */
  PM_BILL_STATE_NOT_SENT,  /* a read proved it was never created, too late to send it again
                            * by itself (API.md §5): nothing charged; waits for the user */
} PmBillState;

#define PM_BILL_N_STATES (PM_BILL_STATE_NOT_SENT + 1)

/* Field names used in validation errors (pm_error_get_field()): the wire names of API.md. */
#define PM_BILL_FIELD_BILL_ID    "bill_id"
#define PM_BILL_FIELD_MEMBER_NM  "member_nm"
#define PM_BILL_FIELD_PHONE      "phone"
#define PM_BILL_FIELD_PRODUCT_NM "product_nm"
#define PM_BILL_FIELD_MESSAGE    "message"
#define PM_BILL_FIELD_PRICE      "price"
#define PM_BILL_FIELD_EXPIRE_DT  "expire_dt"
#define PM_BILL_FIELD_METHOD_ID  "method_id"

/* Limits of API.md §2 (lengths in characters, not bytes). */
#define PM_BILL_MEMBER_NM_MAX  30
#define PM_BILL_PRODUCT_NM_MAX 100
#define PM_BILL_MESSAGE_MAX    500
#define PM_BILL_BILL_ID_MAX    20
#define PM_BILL_PRICE_MIN      G_GINT64_CONSTANT (1)
#define PM_BILL_PRICE_MAX      G_GINT64_CONSTANT (9999999999)
#define PM_BILL_EXPIRE_MAX_DAYS 365 /* the last day to pay is at most this far ahead */

#define PM_TYPE_BILL_KIND  (pm_bill_kind_get_type ())
#define PM_TYPE_BILL_STATE (pm_bill_state_get_type ())
GType pm_bill_kind_get_type  (void) G_GNUC_CONST;
GType pm_bill_state_get_type (void) G_GNUC_CONST;

#define PM_TYPE_BILL (pm_bill_get_type ())
G_DECLARE_FINAL_TYPE (PmBill, pm_bill, PM, BILL, GObject)

PmBill      *pm_bill_new                  (void);
PmBill      *pm_bill_copy                 (PmBill        *self);

/* States */
const char  *pm_bill_state_to_string      (PmBillState    state);  /* "queued", … "destroyed" */
gboolean     pm_bill_state_from_string    (const char    *str,
                                           PmBillState   *state);
gboolean     pm_bill_state_from_appr_state (const char   *appr_state, /* "W" "F" "C" "D" */
                                           PmBillState   *state);
gboolean     pm_bill_state_is_final       (PmBillState    state);  /* cancelled, destroyed, failed, not sent */
const char  *pm_bill_state_get_label      (PmBillState    state);  /* translated */
const char  *pm_bill_kind_to_string       (PmBillKind     kind);   /* "request", "autopay" */
gboolean     pm_bill_kind_from_string     (const char    *str,
                                           PmBillKind    *kind);

/* Unpaid and today (Korea time, at @now_utc) is after expire-date. */
gboolean     pm_bill_is_expired           (PmBill        *self,
                                           gint64         now_utc);

/* Validation: PM_ERROR_INVALID with a specific message; pm_error_get_field() names
 * the field (PM_BILL_FIELD_*). pm_bill_validate() uses the current time. */
gboolean     pm_bill_validate             (PmBill        *self,
                                           GError       **error);
gboolean     pm_bill_validate_at          (PmBill        *self,
                                           gint64         now_utc,
                                           GError       **error);
/* One field at a time, for forms that check as the user types. */
gboolean     pm_bill_check_member_nm      (const char    *value,
                                           GError       **error);
gboolean     pm_bill_check_product_nm     (const char    *value,
                                           GError       **error);
gboolean     pm_bill_check_message        (const char    *value,
                                           GError       **error);
gboolean     pm_bill_check_price          (gint64         value,
                                           GError       **error);
gboolean     pm_bill_check_expire_date    (const char    *value,
                                           gint64         now_utc,
                                           GError       **error);
gboolean     pm_bill_check_bill_id        (const char    *value,
                                           GError       **error);

/* 20 characters [A-Z0-9] from the system's cryptographic random source. */
char        *pm_bill_generate_id          (void);

/* Korea time (Asia/Seoul, or +09:00 without tzdata). */
GTimeZone   *pm_bill_korea_time_zone      (void);               /* (transfer full) */
char        *pm_bill_korea_date           (gint64         unix_utc); /* "YYYY-MM-DD" */

/* Properties, one getter/setter each; setters notify only on a real change.
 * String getters return NULL when unset; times are unix seconds UTC, 0 = none. */
const char  *pm_bill_get_bill_id          (PmBill *self);
void         pm_bill_set_bill_id          (PmBill *self, const char *value);
const char  *pm_bill_get_profile_id       (PmBill *self);
void         pm_bill_set_profile_id       (PmBill *self, const char *value);
PmBillKind   pm_bill_get_kind             (PmBill *self);
void         pm_bill_set_kind             (PmBill *self, PmBillKind value);
const char  *pm_bill_get_payer_name       (PmBill *self);  /* member_nm */
void         pm_bill_set_payer_name       (PmBill *self, const char *value);
const char  *pm_bill_get_phone            (PmBill *self);  /* normalised digits */
void         pm_bill_set_phone            (PmBill *self, const char *value);
const char  *pm_bill_get_product          (PmBill *self);  /* product_nm */
void         pm_bill_set_product          (PmBill *self, const char *value);
const char  *pm_bill_get_message          (PmBill *self);
void         pm_bill_set_message          (PmBill *self, const char *value);
gint64       pm_bill_get_price            (PmBill *self);  /* won */
void         pm_bill_set_price            (PmBill *self, gint64 value);
const char  *pm_bill_get_expire_date      (PmBill *self);  /* "YYYY-MM-DD" */
void         pm_bill_set_expire_date      (PmBill *self, const char *value);
const char  *pm_bill_get_method_id        (PmBill *self);
void         pm_bill_set_method_id        (PmBill *self, const char *value);
const char  *pm_bill_get_note             (PmBill *self);  /* local only */
void         pm_bill_set_note             (PmBill *self, const char *value);
const char  *pm_bill_get_batch_id         (PmBill *self);
void         pm_bill_set_batch_id         (PmBill *self, const char *value);
PmBillState  pm_bill_get_state            (PmBill *self);
void         pm_bill_set_state            (PmBill *self, PmBillState value);
const char  *pm_bill_get_short_url        (PmBill *self);
void         pm_bill_set_short_url        (PmBill *self, const char *value);
const char  *pm_bill_get_appr_pay_type    (PmBill *self);
void         pm_bill_set_appr_pay_type    (PmBill *self, const char *value);
gint64       pm_bill_get_appr_price       (PmBill *self);
void         pm_bill_set_appr_price       (PmBill *self, gint64 value);
const char  *pm_bill_get_appr_dt          (PmBill *self);  /* "YYYYMMDDHHMMSS", Korea time */
void         pm_bill_set_appr_dt          (PmBill *self, const char *value);
const char  *pm_bill_get_appr_num         (PmBill *self);
void         pm_bill_set_appr_num         (PmBill *self, const char *value);
const char  *pm_bill_get_appr_issuer      (PmBill *self);
void         pm_bill_set_appr_issuer      (PmBill *self, const char *value);
const char  *pm_bill_get_appr_card_type   (PmBill *self);
void         pm_bill_set_appr_card_type   (PmBill *self, const char *value);
const char  *pm_bill_get_appr_monthly     (PmBill *self);
void         pm_bill_set_appr_monthly     (PmBill *self, const char *value);
const char  *pm_bill_get_error_code       (PmBill *self);
void         pm_bill_set_error_code       (PmBill *self, const char *value);
const char  *pm_bill_get_error_text       (PmBill *self);
void         pm_bill_set_error_text       (PmBill *self, const char *value);
gint64       pm_bill_get_created_at       (PmBill *self);  /* unix seconds UTC, 0 = none */
void         pm_bill_set_created_at       (PmBill *self, gint64 value);
gint64       pm_bill_get_updated_at       (PmBill *self);
void         pm_bill_set_updated_at       (PmBill *self, gint64 value);
gint64       pm_bill_get_last_checked_at  (PmBill *self);
void         pm_bill_set_last_checked_at  (PmBill *self, gint64 value);
gint64       pm_bill_get_next_check_at    (PmBill *self);
void         pm_bill_set_next_check_at    (PmBill *self, gint64 value);

G_END_DECLS
