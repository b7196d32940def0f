/* pm-send-form.h — the rules of the New Request form, without widgets
 *
 * Copyright 2026 The Paymint Desk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "pm-bill.h"
#include "pm-service.h"

G_BEGIN_DECLS

typedef enum
{
  PM_SEND_FORM_STAGE_EDITING,    /* the texts can change; "send" starts here only */
  PM_SEND_FORM_STAGE_CONFIRMING, /* a checked draft waits for the clerk's word */
  PM_SEND_FORM_STAGE_SENDING,    /* the draft is with the engine */
  PM_SEND_FORM_STAGE_DONE,       /* it left the form (sent, or its outcome is being checked) */
} PmSendFormStage;

typedef enum
{
  PM_SEND_FORM_FIELD_NONE = -1,
  PM_SEND_FORM_FIELD_PAYER_NAME,
  PM_SEND_FORM_FIELD_PHONE,
  PM_SEND_FORM_FIELD_AMOUNT,
  PM_SEND_FORM_FIELD_REASON,      /* what the bill is for (the API's product_nm) */
  PM_SEND_FORM_FIELD_MESSAGE,
  PM_SEND_FORM_FIELD_EXPIRE_DATE, /* "YYYY-MM-DD", Korea time */
  PM_SEND_FORM_FIELD_NOTE,        /* kept on this computer only; never checked */
  PM_SEND_FORM_N_FIELDS
} PmSendFormField;

#define PM_SEND_FORM_DEFAULT_EXPIRY_DAYS 7

#define PM_TYPE_SEND_FORM_STAGE (pm_send_form_stage_get_type ())
#define PM_TYPE_SEND_FORM_FIELD (pm_send_form_field_get_type ())
GType pm_send_form_stage_get_type (void) G_GNUC_CONST;
GType pm_send_form_field_get_type (void) G_GNUC_CONST;

#define PM_TYPE_SEND_FORM (pm_send_form_get_type ())
G_DECLARE_FINAL_TYPE (PmSendForm, pm_send_form, PM, SEND_FORM, GObject)

/* One payment request being written. Properties (all notify only on a real change):
 *
 *   texts, as typed (read-write): "payer-name", "phone", "amount-text", "reason",
 *     "message", "expire-date", "note"
 *   "*-error" (read-only, one per checked field: "payer-name-error", "phone-error",
 *     "amount-error", "reason-error", "message-error", "expire-date-error"): the message
 *     of PmBill / pm-phone / pm-money validation, or NULL when the field is fine. An empty
 *     or unfinished field shows no error until it is touched (left, picked or sent).
 *   "phone-warning": an old-style number, accepted (NULL otherwise)
 *   "amount-words": the amount read in Korean ("십이만 원"), NULL while it is not valid
 *   "expire-date-hint": how long the payer can pay, NULL while the date is not valid
 *   "stage" (PmSendFormStage), "can-send" (TRUE only while editing)
 *   "filled": something the clerk typed would be lost by closing
 *   "draft-restored": the texts came from a saved draft
 *   "templates" (GVariant "a(ss)": name, text) read-write, bind it to the settings key
 *
 * @service may be NULL (then sending says the desk is not connected); @draft_path NULL
 * keeps no draft. While editing, a filled form is saved there a moment after each change
 * (and when the form goes away); a request that left the form removes it. */
PmSendForm      *pm_send_form_new                (PmService        *service,
                                                  const char       *draft_path);
/* $XDG_DATA_HOME/paymint-desk/new-request-draft.ini */
char            *pm_send_form_default_draft_path (void);

PmService       *pm_send_form_get_service        (PmSendForm       *self);
const char      *pm_send_form_get_text           (PmSendForm       *self,
                                                  PmSendFormField   field);
void             pm_send_form_set_text           (PmSendForm       *self,
                                                  PmSendFormField   field,
                                                  const char       *text);
const char      *pm_send_form_get_error          (PmSendForm       *self,
                                                  PmSendFormField   field);
const char      *pm_send_form_get_phone_warning  (PmSendForm       *self);
const char      *pm_send_form_get_amount_words   (PmSendForm       *self);
const char      *pm_send_form_get_expire_date_hint (PmSendForm     *self);
PmSendFormStage  pm_send_form_get_stage          (PmSendForm       *self);
gboolean         pm_send_form_get_can_send       (PmSendForm       *self);
gboolean         pm_send_form_get_filled         (PmSendForm       *self);
gboolean         pm_send_form_get_draft_restored (PmSendForm       *self);
gboolean         pm_send_form_is_touched         (PmSendForm       *self,
                                                  PmSendFormField   field);
const char      *pm_send_form_field_to_string    (PmSendFormField   field); /* "payer-name" */
/* The field a validation or server error is about (pm_error_get_field), or NONE. */
PmSendFormField  pm_send_form_field_from_error   (const GError     *error);

/* The time the rules use (dates, "a moment ago"), unix UTC; 0 follows the clock. */
void             pm_send_form_set_now            (PmSendForm       *self,
                                                  gint64            now_utc);
gint64           pm_send_form_get_now            (PmSendForm       *self);
/* The first and last day the expire date may be: today and 365 days ahead (Korea). */
void             pm_send_form_get_expire_range   (PmSendForm       *self,
                                                  GDate            *first,
                                                  GDate            *last);

/* The clerk left @field: it counts as touched when it holds text, and a valid phone
 * number or amount is rewritten in its usual form (010-1234-5678, ₩120,000). */
void             pm_send_form_leave_field        (PmSendForm       *self,
                                                  PmSendFormField   field);

/* Fills the message from template @index of "templates" ({이름}, {금액}, {월} replaced);
 * the message then follows the name and amount until someone edits it. */
gboolean         pm_send_form_apply_template     (PmSendForm       *self,
                                                  guint             index);
guint            pm_send_form_get_n_templates    (PmSendForm       *self);

/* Earlier payers for what @field (name or phone) holds, minus the one already filled in.
 * (element-type PmLedgerPayer) (transfer full); empty without a service or text. */
GPtrArray       *pm_send_form_suggest_payers     (PmSendForm       *self,
                                                  PmSendFormField   field,
                                                  guint             limit);
void             pm_send_form_pick_payer         (PmSendForm       *self,
                                                  const char       *name,
                                                  const char       *phone);

/* Sending, in three steps:
 *
 * pm_send_form_begin_send: only while editing (otherwise NULL and no error: a second
 *   click does nothing). Every field is touched and checked as the server would; when one
 *   is wrong returns NULL with PM_ERROR_INVALID and @bad_field set to the first wrong
 *   field (its "*-error" says why); without a service or connection, NULL and
 *   G_IO_ERROR_NOT_CONNECTED. Otherwise the stage becomes CONFIRMING and the draft bill
 *   (its bill_id fixed) is returned (transfer none; pm_send_form_get_draft_bill gives it
 *   again while confirming and sending).
 * pm_send_form_find_duplicate: an earlier bill the payer may not want a second of: an
 *   open bill with the same phone and amount in the last week (@same_amount TRUE), or any
 *   bill but a refused one to the same phone in the last ten minutes. (transfer full)
 * pm_send_form_cancel_send: CONFIRMING → EDITING (the clerk said no).
 * pm_send_form_send_async: CONFIRMING → SENDING. The finish returns the bill as recorded
 *   when the request left the form (stage DONE, draft removed); @outcome_unknown is TRUE
 *   when the engine is still finding out whether it arrived (never send it again). When
 *   it was refused: NULL, the error, stage EDITING, and an error naming a field shows on
 *   that field until its text changes. */
PmBill          *pm_send_form_begin_send         (PmSendForm       *self,
                                                  PmSendFormField  *bad_field,
                                                  GError          **error);
PmBill          *pm_send_form_get_draft_bill     (PmSendForm       *self);
PmBill          *pm_send_form_find_duplicate     (PmSendForm       *self,
                                                  gboolean         *same_amount);
void             pm_send_form_cancel_send        (PmSendForm       *self);
void             pm_send_form_send_async         (PmSendForm       *self,
                                                  GCancellable     *cancellable,
                                                  GAsyncReadyCallback callback,
                                                  gpointer          user_data);
PmBill          *pm_send_form_send_finish        (PmSendForm       *self,
                                                  GAsyncResult     *result,
                                                  gboolean         *outcome_unknown,
                                                  GError          **error);

/* The draft. save: writes the texts now (an unfilled form removes the file);
 * restore: fills the form from the file (FALSE when there is none); clear: empties every
 * field, back to the default expire date, untouched, and removes the draft. */
gboolean         pm_send_form_save_draft         (PmSendForm       *self,
                                                  GError          **error);
gboolean         pm_send_form_restore_draft      (PmSendForm       *self);
void             pm_send_form_clear              (PmSendForm       *self);

G_END_DECLS
