/* pm-send-form.c — the rules of the New Request form, without widgets
 *
 * Copyright 2026 The Paymint Desk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Everything the form decides lives here, as properties a widget can bind to: the texts,
 * whether each is right (with the validation message of PmBill, pm-phone and pm-money),
 * the amount in Korean words, the stage of the send, the duplicate guard, the draft and
 * the message templates. Every derived value is recomputed from the texts after each
 * change and notified only when it really changed.
 */

#include "config.h"

#include "pm-send-form.h"
#include "pm-error.h"
#include "pm-ledger-model.h"
#include "pm-ledger-query.h"
#include "pm-money.h"
#include "pm-phone.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>

#define DUPLICATE_DAYS     7
#define DUPLICATE_RECENT_S (10 * 60)
#define DUPLICATE_SCAN     200
#define DRAFT_SAVE_DELAY_MS 800
#define DRAFT_GROUP        "draft"

#define PLACEHOLDER_NAME   "{이름}"
#define PLACEHOLDER_AMOUNT "{금액}"
#define PLACEHOLDER_MONTH  "{월}"

/* The fields with an "*-error" property: every field but the note. */
#define N_CHECKED PM_SEND_FORM_FIELD_NOTE

struct _PmSendForm
{
  GObject          parent_instance;

  PmService       *service;
  char            *draft_path;
  gint64           now;                        /* 0: the clock */
  gboolean         expire_is_default;          /* nobody chose the date: it moves with "now" */

  char            *texts[PM_SEND_FORM_N_FIELDS];  /* as typed; never NULL */
  gboolean         touched[PM_SEND_FORM_N_FIELDS];
  char            *forced[PM_SEND_FORM_N_FIELDS]; /* a refusal about the field, until it changes */

  /* derived */
  char            *errors[N_CHECKED];
  char            *phone_warning;
  char            *amount_words;
  char            *expire_hint;
  gboolean         filled;

  PmSendFormStage  stage;
  gboolean         draft_restored;
  PmBill          *draft_bill;                 /* while confirming and sending */

  GVariant        *templates;                  /* a(ss), or NULL */
  char            *template_text;              /* the template last applied, unrendered */
  char            *template_output;            /* what it gave, to follow name and amount */

  guint            save_id;
};

G_DEFINE_FINAL_TYPE (PmSendForm, pm_send_form, G_TYPE_OBJECT)

enum
{
  PROP_0,
  PROP_SERVICE,
  PROP_DRAFT_PATH,
  /* one per field, in PmSendFormField order */
  PROP_PAYER_NAME,
  PROP_PHONE,
  PROP_AMOUNT_TEXT,
  PROP_REASON,
  PROP_MESSAGE,
  PROP_EXPIRE_DATE,
  PROP_NOTE,
  /* one per checked field, in PmSendFormField order */
  PROP_PAYER_NAME_ERROR,
  PROP_PHONE_ERROR,
  PROP_AMOUNT_ERROR,
  PROP_REASON_ERROR,
  PROP_MESSAGE_ERROR,
  PROP_EXPIRE_DATE_ERROR,
  PROP_PHONE_WARNING,
  PROP_AMOUNT_WORDS,
  PROP_EXPIRE_DATE_HINT,
  PROP_STAGE,
  PROP_CAN_SEND,
  PROP_FILLED,
  PROP_DRAFT_RESTORED,
  PROP_TEMPLATES,
  PROP_N_TEMPLATES,
  N_PROPS
};

#define PROP_TEXT_FIRST  PROP_PAYER_NAME
#define PROP_ERROR_FIRST PROP_PAYER_NAME_ERROR

static GParamSpec *properties[N_PROPS];

static const char *const field_names[PM_SEND_FORM_N_FIELDS] = {
  "payer-name", "phone", "amount-text", "reason", "message", "expire-date", "note",
};

/* ---- enums ---- */

GType
pm_send_form_stage_get_type (void)
{
  static gsize type_id = 0;
  static const GEnumValue values[] = {
    { PM_SEND_FORM_STAGE_EDITING, "PM_SEND_FORM_STAGE_EDITING", "editing" },
    { PM_SEND_FORM_STAGE_CONFIRMING, "PM_SEND_FORM_STAGE_CONFIRMING", "confirming" },
    { PM_SEND_FORM_STAGE_SENDING, "PM_SEND_FORM_STAGE_SENDING", "sending" },
    { PM_SEND_FORM_STAGE_DONE, "PM_SEND_FORM_STAGE_DONE", "done" },
    { 0, NULL, NULL },
  };

  if (g_once_init_enter (&type_id))
    {
      GType type = g_enum_register_static (g_intern_static_string ("PmSendFormStage"), values);

      g_once_init_leave (&type_id, type);
    }
  return type_id;
}

GType
pm_send_form_field_get_type (void)
{
  static gsize type_id = 0;
  static const GEnumValue values[] = {
    { PM_SEND_FORM_FIELD_NONE, "PM_SEND_FORM_FIELD_NONE", "none" },
    { PM_SEND_FORM_FIELD_PAYER_NAME, "PM_SEND_FORM_FIELD_PAYER_NAME", "payer-name" },
    { PM_SEND_FORM_FIELD_PHONE, "PM_SEND_FORM_FIELD_PHONE", "phone" },
    { PM_SEND_FORM_FIELD_AMOUNT, "PM_SEND_FORM_FIELD_AMOUNT", "amount" },
    { PM_SEND_FORM_FIELD_REASON, "PM_SEND_FORM_FIELD_REASON", "reason" },
    { PM_SEND_FORM_FIELD_MESSAGE, "PM_SEND_FORM_FIELD_MESSAGE", "message" },
    { PM_SEND_FORM_FIELD_EXPIRE_DATE, "PM_SEND_FORM_FIELD_EXPIRE_DATE", "expire-date" },
    { PM_SEND_FORM_FIELD_NOTE, "PM_SEND_FORM_FIELD_NOTE", "note" },
    { 0, NULL, NULL },
  };

  if (g_once_init_enter (&type_id))
    {
      GType type = g_enum_register_static (g_intern_static_string ("PmSendFormField"), values);

      g_once_init_leave (&type_id, type);
    }
  return type_id;
}

const char *
pm_send_form_field_to_string (PmSendFormField field)
{
  g_return_val_if_fail (field >= 0 && field < PM_SEND_FORM_N_FIELDS, NULL);

  return field_names[field];
}

/* ---- small helpers ---- */

static gboolean field_from_wire_name (const char      *name,
                                      PmSendFormField *field);

PmSendFormField
pm_send_form_field_from_error (const GError *error)
{
  PmSendFormField field;

  if (error != NULL && error->domain == PM_ERROR
      && field_from_wire_name (pm_error_get_field (error), &field))
    return field;
  return PM_SEND_FORM_FIELD_NONE;
}

static gboolean
is_blank (const char *text)
{
  for (const char *p = text; p != NULL && *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (!g_unichar_isspace (c) && c != 0x3000)
        return FALSE;
    }
  return TRUE;
}

static char *
stripped (const char *text)
{
  return g_strstrip (g_strdup (text != NULL ? text : ""));
}

static gboolean
field_is_valid (PmSendFormField field)
{
  return field >= 0 && field < PM_SEND_FORM_N_FIELDS;
}

static gboolean
field_from_wire_name (const char      *name,
                      PmSendFormField *field)
{
  static const struct
  {
    const char      *name;
    PmSendFormField  field;
  } map[] = {
    { PM_BILL_FIELD_MEMBER_NM, PM_SEND_FORM_FIELD_PAYER_NAME },
    { PM_BILL_FIELD_PHONE, PM_SEND_FORM_FIELD_PHONE },
    { PM_BILL_FIELD_PRICE, PM_SEND_FORM_FIELD_AMOUNT },
    { PM_BILL_FIELD_PRODUCT_NM, PM_SEND_FORM_FIELD_REASON },
    { PM_BILL_FIELD_MESSAGE, PM_SEND_FORM_FIELD_MESSAGE },
    { PM_BILL_FIELD_EXPIRE_DT, PM_SEND_FORM_FIELD_EXPIRE_DATE },
  };

  for (guint i = 0; i < G_N_ELEMENTS (map); i++)
    if (g_strcmp0 (name, map[i].name) == 0)
      {
        *field = map[i].field;
        return TRUE;
      }
  return FALSE;
}

static const char *
wire_name (PmSendFormField field)
{
  switch (field)
    {
    case PM_SEND_FORM_FIELD_PAYER_NAME:
      return PM_BILL_FIELD_MEMBER_NM;
    case PM_SEND_FORM_FIELD_PHONE:
      return PM_BILL_FIELD_PHONE;
    case PM_SEND_FORM_FIELD_AMOUNT:
      return PM_BILL_FIELD_PRICE;
    case PM_SEND_FORM_FIELD_REASON:
      return PM_BILL_FIELD_PRODUCT_NM;
    case PM_SEND_FORM_FIELD_MESSAGE:
      return PM_BILL_FIELD_MESSAGE;
    case PM_SEND_FORM_FIELD_EXPIRE_DATE:
      return PM_BILL_FIELD_EXPIRE_DT;
    case PM_SEND_FORM_FIELD_NOTE:
    case PM_SEND_FORM_FIELD_NONE:
    case PM_SEND_FORM_N_FIELDS:
    default:
      return NULL;
    }
}

static gboolean
parse_date (const char *text,
            GDate      *date)
{
  int y, m, d;

  g_date_clear (date, 1);
  if (text == NULL || strlen (text) != 10 || sscanf (text, "%4d-%2d-%2d", &y, &m, &d) != 3)
    return FALSE;
  if (!g_date_valid_dmy ((GDateDay) d, (GDateMonth) m, (GDateYear) y))
    return FALSE;
  g_date_set_dmy (date, (GDateDay) d, (GDateMonth) m, (GDateYear) y);
  return TRUE;
}

static char *
default_expire_date (PmSendForm *self)
{
  return pm_bill_korea_date (pm_send_form_get_now (self)
                             + (gint64) PM_SEND_FORM_DEFAULT_EXPIRY_DAYS * 86400);
}

/* Replaces *@slot by @value (transfer full) and notifies @prop when it changed. */
static void
replace_string (PmSendForm *self,
                char      **slot,
                char       *value,
                guint       prop)
{
  if (g_strcmp0 (*slot, value) == 0)
    {
      g_free (value);
      return;
    }
  g_free (*slot);
  *slot = value;
  g_object_notify_by_pspec (G_OBJECT (self), properties[prop]);
}

/* ---- the rules, one per field ---- */

static char *
placeholder_error (const char *text)
{
  if (strstr (text, PLACEHOLDER_NAME) != NULL)
    return g_strdup_printf (_("The message still holds %s: enter the payer’s name above, or "
                              "edit the message."),
                            PLACEHOLDER_NAME);
  if (strstr (text, PLACEHOLDER_AMOUNT) != NULL)
    return g_strdup_printf (_("The message still holds %s: enter the amount above, or edit "
                              "the message."),
                            PLACEHOLDER_AMOUNT);
  if (strstr (text, PLACEHOLDER_MONTH) != NULL)
    return g_strdup_printf (_("The message still holds %s: edit the message."),
                            PLACEHOLDER_MONTH);
  return NULL;
}

/* The message for @field, or NULL when it is fine or not to be judged yet. */
static char *
compute_error (PmSendForm      *self,
               PmSendFormField  field)
{
  g_autofree char *text = stripped (self->texts[field]);
  g_autoptr(GError) error = NULL;
  gboolean untouched_blank = is_blank (text) && !self->touched[field];
  gint64 won = 0;

  if (self->forced[field] != NULL)
    return g_strdup (self->forced[field]);

  switch (field)
    {
    case PM_SEND_FORM_FIELD_PAYER_NAME:
      if (untouched_blank)
        return NULL;
      pm_bill_check_member_nm (text, &error);
      break;

    case PM_SEND_FORM_FIELD_PHONE:
      {
        PmPhoneCheck check = pm_phone_check (text, NULL);

        if ((check == PM_PHONE_EMPTY || check == PM_PHONE_TOO_SHORT) && !self->touched[field])
          return NULL;
        if (check == PM_PHONE_VALID || check == PM_PHONE_LEGACY)
          return NULL;
        return g_strdup (pm_phone_check_message (check));
      }

    case PM_SEND_FORM_FIELD_AMOUNT:
      if (untouched_blank)
        return NULL;
      if (pm_money_parse (text, &won, &error))
        pm_bill_check_price (won, &error);
      break;

    case PM_SEND_FORM_FIELD_REASON:
      if (untouched_blank)
        return NULL;
      pm_bill_check_product_nm (text, &error);
      break;

    case PM_SEND_FORM_FIELD_MESSAGE:
      if (untouched_blank)
        return NULL;
      if (pm_bill_check_message (text, &error))
        return placeholder_error (text);
      break;

    case PM_SEND_FORM_FIELD_EXPIRE_DATE:
      pm_bill_check_expire_date (text, pm_send_form_get_now (self), &error);
      break;

    case PM_SEND_FORM_FIELD_NOTE:
    case PM_SEND_FORM_FIELD_NONE:
    case PM_SEND_FORM_N_FIELDS:
    default:
      return NULL;
    }
  return error != NULL ? g_strdup (error->message) : NULL;
}

static char *
compute_expire_hint (PmSendForm *self)
{
  g_autofree char *today_text = pm_bill_korea_date (pm_send_form_get_now (self));
  GDate today, date;
  int days;

  if (self->errors[PM_SEND_FORM_FIELD_EXPIRE_DATE] != NULL
      || !parse_date (self->texts[PM_SEND_FORM_FIELD_EXPIRE_DATE], &date)
      || !parse_date (today_text, &today))
    return NULL;
  days = g_date_days_between (&today, &date);
  if (days == 0)
    return g_strdup (_("The payer can pay until the end of today (Korea time)."));
  if (days > 0)
    return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                         "The payer can pay for %d more day after today.",
                                         "The payer can pay for %d more days after today.",
                                         days),
                            days);
  return NULL;
}

/* Recomputes every derived value and notifies those that changed. */
static void
update (PmSendForm *self)
{
  g_autofree char *amount = stripped (self->texts[PM_SEND_FORM_FIELD_AMOUNT]);
  g_autofree char *phone = stripped (self->texts[PM_SEND_FORM_FIELD_PHONE]);
  char *words = NULL;
  char *warning = NULL;
  gboolean filled = FALSE;
  gint64 won = 0;

  g_object_freeze_notify (G_OBJECT (self));

  for (int f = 0; f < N_CHECKED; f++)
    replace_string (self, &self->errors[f], compute_error (self, (PmSendFormField) f),
                    PROP_ERROR_FIRST + (guint) f);

  if (self->errors[PM_SEND_FORM_FIELD_AMOUNT] == NULL && !is_blank (amount)
      && pm_money_parse (amount, &won, NULL) && pm_bill_check_price (won, NULL))
    words = pm_money_format_korean (won);
  replace_string (self, &self->amount_words, words, PROP_AMOUNT_WORDS);

  if (self->errors[PM_SEND_FORM_FIELD_PHONE] == NULL
      && pm_phone_check (phone, NULL) == PM_PHONE_LEGACY)
    warning = g_strdup (pm_phone_check_message (PM_PHONE_LEGACY));
  replace_string (self, &self->phone_warning, warning, PROP_PHONE_WARNING);

  replace_string (self, &self->expire_hint, compute_expire_hint (self), PROP_EXPIRE_DATE_HINT);

  for (int f = 0; f < PM_SEND_FORM_N_FIELDS; f++)
    if (f != PM_SEND_FORM_FIELD_EXPIRE_DATE && !is_blank (self->texts[f]))
      filled = TRUE;
  if (filled != self->filled)
    {
      self->filled = filled;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_FILLED]);
    }

  g_object_thaw_notify (G_OBJECT (self));
}

static void
set_stage (PmSendForm      *self,
           PmSendFormStage  stage)
{
  gboolean could_send = self->stage == PM_SEND_FORM_STAGE_EDITING;

  if (stage != PM_SEND_FORM_STAGE_CONFIRMING && stage != PM_SEND_FORM_STAGE_SENDING)
    g_clear_object (&self->draft_bill);
  if (self->stage == stage)
    return;
  self->stage = stage;
  g_object_freeze_notify (G_OBJECT (self));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STAGE]);
  if (could_send != (stage == PM_SEND_FORM_STAGE_EDITING))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CAN_SEND]);
  g_object_thaw_notify (G_OBJECT (self));
}

/* ---- the draft ---- */

static gboolean
save_timeout_cb (gpointer user_data)
{
  PmSendForm *self = user_data;
  g_autoptr(GError) error = NULL;

  self->save_id = 0;
  if (!pm_send_form_save_draft (self, &error))
    g_debug ("Could not keep the draft of the new request: %s", error->message);
  return G_SOURCE_REMOVE;
}

static void
schedule_save (PmSendForm *self)
{
  if (self->draft_path == NULL || self->stage == PM_SEND_FORM_STAGE_DONE)
    return;
  g_clear_handle_id (&self->save_id, g_source_remove);
  self->save_id = g_timeout_add (DRAFT_SAVE_DELAY_MS, save_timeout_cb, self);
}

static void
remove_draft_file (PmSendForm *self)
{
  g_clear_handle_id (&self->save_id, g_source_remove);
  if (self->draft_path != NULL && g_unlink (self->draft_path) != 0 && errno != ENOENT)
    g_debug ("Could not remove the draft of the new request: %s", g_strerror (errno));
}

static void
set_draft_restored (PmSendForm *self,
                    gboolean    restored)
{
  if (self->draft_restored == restored)
    return;
  self->draft_restored = restored;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_DRAFT_RESTORED]);
}

/* ---- texts ---- */

static char *render_template (PmSendForm *self,
                              const char *text);

/* Stores @text in @field; returns FALSE when nothing changed. Derived values are left to
 * the caller (update). */
static gboolean
store_text (PmSendForm      *self,
            PmSendFormField  field,
            const char      *text)
{
  if (text == NULL)
    text = "";
  if (g_strcmp0 (self->texts[field], text) == 0)
    return FALSE;
  g_free (self->texts[field]);
  self->texts[field] = g_strdup (text);
  g_clear_pointer (&self->forced[field], g_free);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TEXT_FIRST + (guint) field]);
  return TRUE;
}

/* The message follows the name and amount while it is what a template made. */
static void
follow_template (PmSendForm *self)
{
  g_autofree char *current = NULL;
  g_autofree char *made = NULL;
  g_autofree char *output = NULL;

  if (self->template_text == NULL)
    return;
  current = stripped (self->texts[PM_SEND_FORM_FIELD_MESSAGE]);
  made = stripped (self->template_output);
  if (g_strcmp0 (current, made) != 0)
    {
      g_clear_pointer (&self->template_text, g_free);
      g_clear_pointer (&self->template_output, g_free);
      return;
    }
  output = render_template (self, self->template_text);
  if (g_strcmp0 (output, self->template_output) == 0)
    return;
  g_free (self->template_output);
  self->template_output = g_strdup (output);
  store_text (self, PM_SEND_FORM_FIELD_MESSAGE, output);
}

void
pm_send_form_set_text (PmSendForm      *self,
                       PmSendFormField  field,
                       const char      *text)
{
  g_return_if_fail (PM_IS_SEND_FORM (self));
  g_return_if_fail (field_is_valid (field));

  g_object_freeze_notify (G_OBJECT (self));
  if (field == PM_SEND_FORM_FIELD_EXPIRE_DATE)
    self->expire_is_default = FALSE;
  if (store_text (self, field, text))
    {
      /* Whatever reaches the message counts: a template, a paste, a keystroke. */
      if (field == PM_SEND_FORM_FIELD_MESSAGE)
        self->touched[field] = TRUE;
      if (field == PM_SEND_FORM_FIELD_PAYER_NAME || field == PM_SEND_FORM_FIELD_AMOUNT)
        follow_template (self);
      update (self);
      schedule_save (self);
    }
  g_object_thaw_notify (G_OBJECT (self));
}

const char *
pm_send_form_get_text (PmSendForm      *self,
                       PmSendFormField  field)
{
  g_return_val_if_fail (PM_IS_SEND_FORM (self), NULL);
  g_return_val_if_fail (field_is_valid (field), NULL);

  return self->texts[field];
}

const char *
pm_send_form_get_error (PmSendForm      *self,
                        PmSendFormField  field)
{
  g_return_val_if_fail (PM_IS_SEND_FORM (self), NULL);
  g_return_val_if_fail (field_is_valid (field), NULL);

  return field < N_CHECKED ? self->errors[field] : NULL;
}

const char *
pm_send_form_get_phone_warning (PmSendForm *self)
{
  g_return_val_if_fail (PM_IS_SEND_FORM (self), NULL);
  return self->phone_warning;
}

const char *
pm_send_form_get_amount_words (PmSendForm *self)
{
  g_return_val_if_fail (PM_IS_SEND_FORM (self), NULL);
  return self->amount_words;
}

const char *
pm_send_form_get_expire_date_hint (PmSendForm *self)
{
  g_return_val_if_fail (PM_IS_SEND_FORM (self), NULL);
  return self->expire_hint;
}

PmSendFormStage
pm_send_form_get_stage (PmSendForm *self)
{
  g_return_val_if_fail (PM_IS_SEND_FORM (self), PM_SEND_FORM_STAGE_EDITING);
  return self->stage;
}

gboolean
pm_send_form_get_can_send (PmSendForm *self)
{
  g_return_val_if_fail (PM_IS_SEND_FORM (self), FALSE);
  return self->stage == PM_SEND_FORM_STAGE_EDITING;
}

gboolean
pm_send_form_get_filled (PmSendForm *self)
{
  g_return_val_if_fail (PM_IS_SEND_FORM (self), FALSE);
  return self->filled;
}

gboolean
pm_send_form_get_draft_restored (PmSendForm *self)
{
  g_return_val_if_fail (PM_IS_SEND_FORM (self), FALSE);
  return self->draft_restored;
}

gboolean
pm_send_form_is_touched (PmSendForm      *self,
                         PmSendFormField  field)
{
  g_return_val_if_fail (PM_IS_SEND_FORM (self), FALSE);
  g_return_val_if_fail (field_is_valid (field), FALSE);
  return self->touched[field];
}

PmService *
pm_send_form_get_service (PmSendForm *self)
{
  g_return_val_if_fail (PM_IS_SEND_FORM (self), NULL);
  return self->service;
}

void
pm_send_form_set_now (PmSendForm *self,
                      gint64      now_utc)
{
  g_return_if_fail (PM_IS_SEND_FORM (self));

  self->now = now_utc;
  g_object_freeze_notify (G_OBJECT (self));
  if (self->expire_is_default)
    {
      g_autofree char *expire = default_expire_date (self);

      store_text (self, PM_SEND_FORM_FIELD_EXPIRE_DATE, expire);
    }
  update (self);
  g_object_thaw_notify (G_OBJECT (self));
}

gint64
pm_send_form_get_now (PmSendForm *self)
{
  g_return_val_if_fail (PM_IS_SEND_FORM (self), 0);

  return self->now != 0 ? self->now : g_get_real_time () / G_USEC_PER_SEC;
}

void
pm_send_form_get_expire_range (PmSendForm *self,
                               GDate      *first,
                               GDate      *last)
{
  gint64 now;
  g_autofree char *today = NULL;
  g_autofree char *latest = NULL;

  g_return_if_fail (PM_IS_SEND_FORM (self));

  now = pm_send_form_get_now (self);
  today = pm_bill_korea_date (now);
  latest = pm_bill_korea_date (now + (gint64) PM_BILL_EXPIRE_MAX_DAYS * 86400);
  if (first != NULL)
    parse_date (today, first);
  if (last != NULL)
    parse_date (latest, last);
}

void
pm_send_form_leave_field (PmSendForm      *self,
                          PmSendFormField  field)
{
  g_autofree char *text = NULL;
  g_autofree char *usual = NULL;

  g_return_if_fail (PM_IS_SEND_FORM (self));
  g_return_if_fail (field_is_valid (field));

  text = stripped (self->texts[field]);
  self->touched[field] = self->touched[field] || !is_blank (text);

  if (field == PM_SEND_FORM_FIELD_PHONE && self->forced[field] == NULL)
    {
      g_autofree char *digits = NULL;
      PmPhoneCheck check = pm_phone_check (text, &digits);

      if (check == PM_PHONE_VALID || check == PM_PHONE_LEGACY)
        usual = pm_phone_format_display (digits);
    }
  else if (field == PM_SEND_FORM_FIELD_AMOUNT && self->forced[field] == NULL)
    {
      gint64 won = 0;

      if (pm_money_parse (text, &won, NULL) && pm_bill_check_price (won, NULL))
        usual = pm_money_format (won);
    }

  g_object_freeze_notify (G_OBJECT (self));
  if (usual != NULL && store_text (self, field, usual))
    {
      if (field == PM_SEND_FORM_FIELD_AMOUNT)
        follow_template (self);
      schedule_save (self);
    }
  update (self);
  g_object_thaw_notify (G_OBJECT (self));
}

/* ---- templates ---- */

static char *
render_template (PmSendForm *self,
                 const char *text)
{
  g_autoptr(GString) out = g_string_new (text);
  g_autofree char *name = stripped (self->texts[PM_SEND_FORM_FIELD_PAYER_NAME]);
  g_autofree char *amount_text = stripped (self->texts[PM_SEND_FORM_FIELD_AMOUNT]);
  g_autofree char *today = pm_bill_korea_date (pm_send_form_get_now (self));
  gint64 won = 0;

  if (!is_blank (name))
    g_string_replace (out, PLACEHOLDER_NAME, name, 0);
  if (pm_money_parse (amount_text, &won, NULL))
    {
      g_autofree char *digits = pm_money_format_digits (won);
      /* the message to the payer is Korean whatever the desk's language */
      g_autofree char *amount = g_strconcat (digits, "원", NULL);

      g_string_replace (out, PLACEHOLDER_AMOUNT, amount, 0);
    }
  if (today != NULL && strlen (today) == 10)
    {
      g_autofree char *month = g_strdup_printf ("%d", atoi (today + 5));

      g_string_replace (out, PLACEHOLDER_MONTH, month, 0);
    }
  return g_string_free (g_steal_pointer (&out), FALSE);
}

guint
pm_send_form_get_n_templates (PmSendForm *self)
{
  g_return_val_if_fail (PM_IS_SEND_FORM (self), 0);

  return self->templates != NULL ? (guint) g_variant_n_children (self->templates) : 0;
}

static void
set_templates (PmSendForm *self,
               GVariant   *templates)
{
  guint before = pm_send_form_get_n_templates (self);

  if (templates != NULL && !g_variant_is_of_type (templates, G_VARIANT_TYPE ("a(ss)")))
    {
      g_critical ("Message templates must be of type a(ss), not %s",
                  g_variant_get_type_string (templates));
      return;
    }
  if (self->templates == templates
      || (self->templates != NULL && templates != NULL
          && g_variant_equal (self->templates, templates)))
    return;
  g_clear_pointer (&self->templates, g_variant_unref);
  if (templates != NULL)
    self->templates = g_variant_ref_sink (templates);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TEMPLATES]);
  if (before != pm_send_form_get_n_templates (self))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_TEMPLATES]);
}

gboolean
pm_send_form_apply_template (PmSendForm *self,
                             guint       index)
{
  const char *text = NULL;
  g_autofree char *output = NULL;

  g_return_val_if_fail (PM_IS_SEND_FORM (self), FALSE);

  if (self->stage != PM_SEND_FORM_STAGE_EDITING || index >= pm_send_form_get_n_templates (self))
    return FALSE;
  g_variant_get_child (self->templates, index, "(&s&s)", NULL, &text);
  output = render_template (self, text);
  g_free (self->template_text);
  self->template_text = g_strdup (text);
  g_free (self->template_output);
  self->template_output = g_strdup (output);

  g_object_freeze_notify (G_OBJECT (self));
  self->touched[PM_SEND_FORM_FIELD_MESSAGE] = TRUE;
  store_text (self, PM_SEND_FORM_FIELD_MESSAGE, output);
  update (self);
  schedule_save (self);
  g_object_thaw_notify (G_OBJECT (self));
  return TRUE;
}

/* ---- recent payers ---- */

GPtrArray *
pm_send_form_suggest_payers (PmSendForm      *self,
                             PmSendFormField  field,
                             guint            limit)
{
  GPtrArray *out = g_ptr_array_new_with_free_func ((GDestroyNotify) pm_ledger_payer_free);
  g_autoptr(GPtrArray) payers = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *prefix = NULL;
  g_autofree char *name = NULL;
  g_autofree char *phone = NULL;

  g_return_val_if_fail (PM_IS_SEND_FORM (self), out);
  g_return_val_if_fail (field == PM_SEND_FORM_FIELD_PAYER_NAME
                        || field == PM_SEND_FORM_FIELD_PHONE, out);

  prefix = stripped (self->texts[field]);
  if (self->service == NULL || is_blank (prefix))
    return out;
  /* one more than asked, as the payer already filled in is left out */
  payers = pm_service_recent_payers (self->service, prefix, limit + 1, &error);
  if (payers == NULL)
    {
      g_debug ("Could not look up recent payers: %s", error->message);
      return out;
    }
  name = stripped (self->texts[PM_SEND_FORM_FIELD_PAYER_NAME]);
  pm_phone_check (self->texts[PM_SEND_FORM_FIELD_PHONE], &phone);
  for (guint i = 0; i < payers->len && out->len < limit; i++)
    {
      const PmLedgerPayer *payer = g_ptr_array_index (payers, i);

      /* what is already filled in needs no suggestion */
      if (g_strcmp0 (payer->name, name) == 0 && g_strcmp0 (payer->phone, phone) == 0)
        continue;
      g_ptr_array_add (out, pm_ledger_payer_copy (payer));
    }
  return out;
}

void
pm_send_form_pick_payer (PmSendForm *self,
                         const char *name,
                         const char *phone)
{
  g_autofree char *display = NULL;

  g_return_if_fail (PM_IS_SEND_FORM (self));
  g_return_if_fail (name != NULL && phone != NULL);

  display = pm_phone_format_display (phone);
  g_object_freeze_notify (G_OBJECT (self));
  self->touched[PM_SEND_FORM_FIELD_PAYER_NAME] = TRUE;
  self->touched[PM_SEND_FORM_FIELD_PHONE] = TRUE;
  store_text (self, PM_SEND_FORM_FIELD_PAYER_NAME, name);
  store_text (self, PM_SEND_FORM_FIELD_PHONE, display != NULL ? display : phone);
  follow_template (self);
  update (self);
  schedule_save (self);
  g_object_thaw_notify (G_OBJECT (self));
}

/* ---- sending ---- */

PmBill *
pm_send_form_begin_send (PmSendForm       *self,
                         PmSendFormField  *bad_field,
                         GError          **error)
{
  g_autoptr(PmBill) draft = NULL;
  g_autoptr(GError) invalid = NULL;
  g_autofree char *name = NULL;
  g_autofree char *digits = NULL;
  g_autofree char *amount = NULL;
  g_autofree char *reason = NULL;
  g_autofree char *message = NULL;
  g_autofree char *note = NULL;
  g_autofree char *bill_id = NULL;
  PmSendFormField field;
  gint64 won = 0;

  g_return_val_if_fail (PM_IS_SEND_FORM (self), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (bad_field != NULL)
    *bad_field = PM_SEND_FORM_FIELD_NONE;
  /* one draft is sent at most once: nothing happens past the editing stage */
  if (self->stage != PM_SEND_FORM_STAGE_EDITING)
    return NULL;
  if (self->service == NULL || pm_service_get_profile (self->service) == NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_CONNECTED,
                           _("The desk is not connected. Choose a connection first."));
      return NULL;
    }

  /* every field checked at once, as the server would */
  for (int f = 0; f < PM_SEND_FORM_N_FIELDS; f++)
    self->touched[f] = TRUE;
  update (self);
  for (int f = 0; f < N_CHECKED; f++)
    if (self->errors[f] != NULL)
      {
        if (bad_field != NULL)
          *bad_field = (PmSendFormField) f;
        g_propagate_error (error, pm_error_new_full (PM_ERROR_INVALID,
                                                     wire_name ((PmSendFormField) f), NULL,
                                                     FALSE, self->errors[f]));
        return NULL;
      }

  name = stripped (self->texts[PM_SEND_FORM_FIELD_PAYER_NAME]);
  pm_phone_check (self->texts[PM_SEND_FORM_FIELD_PHONE], &digits);
  amount = stripped (self->texts[PM_SEND_FORM_FIELD_AMOUNT]);
  pm_money_parse (amount, &won, NULL);
  reason = stripped (self->texts[PM_SEND_FORM_FIELD_REASON]);
  message = stripped (self->texts[PM_SEND_FORM_FIELD_MESSAGE]);
  note = stripped (self->texts[PM_SEND_FORM_FIELD_NOTE]);
  /* The id is fixed here, so the "Checking" bill can be found if the outcome is not
   * known; a new draft (after a definite refusal) gets a new one. */
  bill_id = pm_bill_generate_id ();

  draft = pm_bill_new ();
  pm_bill_set_bill_id (draft, bill_id);
  pm_bill_set_kind (draft, PM_BILL_KIND_REQUEST);
  pm_bill_set_payer_name (draft, name);
  pm_bill_set_phone (draft, digits);
  pm_bill_set_product (draft, reason);
  pm_bill_set_message (draft, message);
  pm_bill_set_price (draft, won);
  pm_bill_set_expire_date (draft, self->texts[PM_SEND_FORM_FIELD_EXPIRE_DATE]);
  pm_bill_set_note (draft, is_blank (note) ? NULL : note);

  /* the bill as a whole, by the same rules the engine applies */
  if (!pm_bill_validate_at (draft, pm_send_form_get_now (self), &invalid))
    {
      if (field_from_wire_name (pm_error_get_field (invalid), &field))
        {
          g_free (self->forced[field]);
          self->forced[field] = g_strdup (invalid->message);
          update (self);
          if (bad_field != NULL)
            *bad_field = field;
        }
      g_propagate_error (error, g_steal_pointer (&invalid));
      return NULL;
    }

  self->draft_bill = g_steal_pointer (&draft);
  set_stage (self, PM_SEND_FORM_STAGE_CONFIRMING);
  return self->draft_bill;
}

PmBill *
pm_send_form_get_draft_bill (PmSendForm *self)
{
  g_return_val_if_fail (PM_IS_SEND_FORM (self), NULL);
  return self->draft_bill;
}

void
pm_send_form_cancel_send (PmSendForm *self)
{
  g_return_if_fail (PM_IS_SEND_FORM (self));

  if (self->stage == PM_SEND_FORM_STAGE_CONFIRMING)
    set_stage (self, PM_SEND_FORM_STAGE_EDITING);
}

PmBill *
pm_send_form_find_duplicate (PmSendForm *self,
                             gboolean   *same_amount)
{
  g_autoptr(PmLedgerQuery) query = NULL;
  g_autoptr(PmLedgerModel) model = NULL;
  g_autoptr(GPtrArray) bills = NULL;
  PmBill *draft;
  gint64 now;
  guint n;

  g_return_val_if_fail (PM_IS_SEND_FORM (self), NULL);

  if (same_amount != NULL)
    *same_amount = FALSE;
  draft = self->draft_bill;
  if (draft == NULL || self->service == NULL)
    return NULL;

  now = pm_send_form_get_now (self);
  query = pm_ledger_query_new ();
  pm_ledger_query_set_text (query, pm_bill_get_phone (draft));
  query->created_from = now - DUPLICATE_DAYS * 86400;
  query->sort = PM_LEDGER_SORT_CREATED_AT;
  query->descending = TRUE;
  query->limit = DUPLICATE_SCAN;
  /* the service scopes the query to the active connection */
  model = pm_service_create_model (self->service, query);
  if (pm_ledger_model_get_error (model) != NULL)
    {
      g_debug ("Could not look for earlier bills: %s",
               pm_ledger_model_get_error (model)->message);
      return NULL;
    }
  n = MIN (g_list_model_get_n_items (G_LIST_MODEL (model)), DUPLICATE_SCAN);
  bills = g_ptr_array_new_with_free_func (g_object_unref);
  for (guint i = 0; i < n; i++)
    {
      PmBill *bill = g_list_model_get_item (G_LIST_MODEL (model), i);

      if (bill == NULL)
        continue;
      /* the text search also matches names and products: only the same number counts */
      if (g_strcmp0 (pm_bill_get_phone (bill), pm_bill_get_phone (draft)) != 0)
        g_object_unref (bill);
      else
        g_ptr_array_add (bills, bill);
    }

  for (guint i = 0; i < bills->len; i++)
    {
      PmBill *bill = g_ptr_array_index (bills, i);

      if (pm_bill_get_price (bill) != pm_bill_get_price (draft))
        continue;
      switch (pm_bill_get_state (bill))
        {
        case PM_BILL_STATE_QUEUED:
        case PM_BILL_STATE_SENDING:
        case PM_BILL_STATE_UNKNOWN:
        case PM_BILL_STATE_UNPAID:
          if (same_amount != NULL)
            *same_amount = TRUE;
          return g_object_ref (bill);
        case PM_BILL_STATE_FAILED:
        case PM_BILL_STATE_PAID:
        case PM_BILL_STATE_CANCELLED:
        case PM_BILL_STATE_DESTROYED:
        case PM_BILL_STATE_NOT_SENT:
        default:
          break;
        }
    }
  for (guint i = 0; i < bills->len; i++)
    {
      PmBill *bill = g_ptr_array_index (bills, i);

      /* a refused request never reached the payer */
      if (pm_bill_get_state (bill) != PM_BILL_STATE_FAILED
          && pm_bill_get_state (bill) != PM_BILL_STATE_NOT_SENT
          && pm_bill_get_created_at (bill) >= now - DUPLICATE_RECENT_S)
        return g_object_ref (bill);
    }
  return NULL;
}

typedef struct
{
  PmBill   *bill;
  gboolean  outcome_unknown;
} SendResult;

static void
send_result_free (SendResult *result)
{
  g_clear_object (&result->bill);
  g_free (result);
}

static void
send_done_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  PmSendForm *self = g_task_get_source_object (task);
  g_autoptr(PmBill) bill = NULL;
  g_autoptr(GError) error = NULL;
  SendResult *out;
  PmSendFormField field;

  bill = pm_service_send_finish (PM_SERVICE (object), result, &error);
  if (bill == NULL && pm_error_is_maybe_done (error))
    {
      /* Never back to editing: the engine settles this bill by itself. */
      const char *bill_id = pm_bill_get_bill_id (self->draft_bill);

      if (bill_id != NULL)
        bill = pm_service_lookup (self->service, bill_id, NULL);
      if (bill == NULL)
        bill = pm_bill_copy (self->draft_bill);
      out = g_new0 (SendResult, 1);
      out->bill = g_steal_pointer (&bill);
      out->outcome_unknown = TRUE;
      remove_draft_file (self);
      set_stage (self, PM_SEND_FORM_STAGE_DONE);
      g_task_return_pointer (task, out, (GDestroyNotify) send_result_free);
      return;
    }
  if (bill != NULL)
    {
      out = g_new0 (SendResult, 1);
      out->bill = g_steal_pointer (&bill);
      remove_draft_file (self);
      set_stage (self, PM_SEND_FORM_STAGE_DONE);
      g_task_return_pointer (task, out, (GDestroyNotify) send_result_free);
      return;
    }

  /* Definitely refused: nothing was created, the form can be fixed and sent again. */
  set_stage (self, PM_SEND_FORM_STAGE_EDITING);
  if (error->domain == PM_ERROR && field_from_wire_name (pm_error_get_field (error), &field))
    {
      const char *server = pm_error_get_server_text (error);

      g_free (self->forced[field]);
      if (server != NULL && g_strcmp0 (server, error->message) != 0)
        self->forced[field] = g_strdup_printf ("%s (%s)", error->message, server);
      else
        self->forced[field] = g_strdup (error->message);
      update (self);
    }
  g_task_return_error (task, g_steal_pointer (&error));
}

void
pm_send_form_send_async (PmSendForm          *self,
                         GCancellable        *cancellable,
                         GAsyncReadyCallback  callback,
                         gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (PM_IS_SEND_FORM (self));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, pm_send_form_send_async);
  if (self->stage != PM_SEND_FORM_STAGE_CONFIRMING || self->draft_bill == NULL)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_PENDING, "%s",
                               _("This request is not waiting to be sent."));
      return;
    }
  set_stage (self, PM_SEND_FORM_STAGE_SENDING);
  pm_service_send_async (self->service, self->draft_bill, cancellable, send_done_cb,
                         g_steal_pointer (&task));
}

PmBill *
pm_send_form_send_finish (PmSendForm    *self,
                          GAsyncResult  *result,
                          gboolean      *outcome_unknown,
                          GError       **error)
{
  SendResult *out;
  PmBill *bill;

  g_return_val_if_fail (PM_IS_SEND_FORM (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == pm_send_form_send_async,
                        NULL);

  if (outcome_unknown != NULL)
    *outcome_unknown = FALSE;
  out = g_task_propagate_pointer (G_TASK (result), error);
  if (out == NULL)
    return NULL;
  if (outcome_unknown != NULL)
    *outcome_unknown = out->outcome_unknown;
  bill = g_steal_pointer (&out->bill);
  send_result_free (out);
  return bill;
}

/* ---- draft file ---- */

static const char *const draft_keys[PM_SEND_FORM_N_FIELDS] = {
  "payer-name", "phone", "amount", "reason", "message", "expire-date", "note",
};

char *
pm_send_form_default_draft_path (void)
{
  return g_build_filename (g_get_user_data_dir (), "paymint-desk", "new-request-draft.ini",
                           NULL);
}

gboolean
pm_send_form_save_draft (PmSendForm  *self,
                         GError     **error)
{
  g_autoptr(GKeyFile) file = NULL;
  g_autofree char *data = NULL;
  g_autofree char *dir = NULL;
  gsize length = 0;

  g_return_val_if_fail (PM_IS_SEND_FORM (self), FALSE);

  g_clear_handle_id (&self->save_id, g_source_remove);
  if (self->draft_path == NULL || self->stage == PM_SEND_FORM_STAGE_DONE)
    return TRUE;
  if (!self->filled)
    {
      remove_draft_file (self);
      return TRUE;
    }

  file = g_key_file_new ();
  for (int f = 0; f < PM_SEND_FORM_N_FIELDS; f++)
    g_key_file_set_string (file, DRAFT_GROUP, draft_keys[f], self->texts[f]);
  if (self->template_text != NULL && self->template_output != NULL)
    {
      g_key_file_set_string (file, DRAFT_GROUP, "template", self->template_text);
      g_key_file_set_string (file, DRAFT_GROUP, "template-output", self->template_output);
    }
  g_key_file_set_int64 (file, DRAFT_GROUP, "saved-at", pm_send_form_get_now (self));
  data = g_key_file_to_data (file, &length, NULL);

  /* names and numbers of payers: readable by this user only */
  dir = g_path_get_dirname (self->draft_path);
  if (g_mkdir_with_parents (dir, 0700) != 0)
    {
      int saved = errno;

      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved),
                   _("Could not create the folder %s: %s"), dir, g_strerror (saved));
      return FALSE;
    }
  return g_file_set_contents_full (self->draft_path, data, (gssize) length,
                                   G_FILE_SET_CONTENTS_CONSISTENT, 0600, error);
}

gboolean
pm_send_form_restore_draft (PmSendForm *self)
{
  g_autoptr(GKeyFile) file = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *template_text = NULL;
  g_autofree char *template_output = NULL;

  g_return_val_if_fail (PM_IS_SEND_FORM (self), FALSE);

  if (self->draft_path == NULL || self->stage != PM_SEND_FORM_STAGE_EDITING)
    return FALSE;
  file = g_key_file_new ();
  if (!g_key_file_load_from_file (file, self->draft_path, G_KEY_FILE_NONE, &error))
    {
      if (!g_error_matches (error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
        g_debug ("Could not read the draft of the new request: %s", error->message);
      return FALSE;
    }

  g_object_freeze_notify (G_OBJECT (self));
  for (int f = 0; f < PM_SEND_FORM_N_FIELDS; f++)
    {
      g_autofree char *text = g_key_file_get_string (file, DRAFT_GROUP, draft_keys[f], NULL);
      g_autofree char *safe = NULL;

      if (text != NULL && !g_utf8_validate (text, -1, NULL))
        g_clear_pointer (&text, g_free);
      if (f == PM_SEND_FORM_FIELD_EXPIRE_DATE)
        self->expire_is_default = text == NULL || *text == '\0';
      if (f == PM_SEND_FORM_FIELD_EXPIRE_DATE && self->expire_is_default)
        safe = default_expire_date (self);
      else
        safe = g_strdup (text != NULL ? text : "");
      store_text (self, (PmSendFormField) f, safe);
      /* what the clerk typed is judged at once */
      self->touched[f] = !is_blank (safe);
    }
  template_text = g_key_file_get_string (file, DRAFT_GROUP, "template", NULL);
  template_output = g_key_file_get_string (file, DRAFT_GROUP, "template-output", NULL);
  g_clear_pointer (&self->template_text, g_free);
  g_clear_pointer (&self->template_output, g_free);
  if (template_text != NULL && template_output != NULL
      && g_utf8_validate (template_text, -1, NULL)
      && g_utf8_validate (template_output, -1, NULL))
    {
      self->template_text = g_steal_pointer (&template_text);
      self->template_output = g_steal_pointer (&template_output);
    }
  update (self);
  set_draft_restored (self, self->filled);
  g_object_thaw_notify (G_OBJECT (self));
  return self->filled;
}

void
pm_send_form_clear (PmSendForm *self)
{
  g_autofree char *expire = NULL;

  g_return_if_fail (PM_IS_SEND_FORM (self));

  if (self->stage != PM_SEND_FORM_STAGE_EDITING)
    return;
  expire = default_expire_date (self);
  g_object_freeze_notify (G_OBJECT (self));
  for (int f = 0; f < PM_SEND_FORM_N_FIELDS; f++)
    {
      store_text (self, (PmSendFormField) f, f == PM_SEND_FORM_FIELD_EXPIRE_DATE ? expire : "");
      g_clear_pointer (&self->forced[f], g_free);
      self->touched[f] = FALSE;
    }
  g_clear_pointer (&self->template_text, g_free);
  g_clear_pointer (&self->template_output, g_free);
  self->expire_is_default = TRUE;
  update (self);
  set_draft_restored (self, FALSE);
  remove_draft_file (self);
  g_object_thaw_notify (G_OBJECT (self));
}

/* ---- object ---- */

PmSendForm *
pm_send_form_new (PmService  *service,
                  const char *draft_path)
{
  g_return_val_if_fail (service == NULL || PM_IS_SERVICE (service), NULL);

  return g_object_new (PM_TYPE_SEND_FORM, "service", service, "draft-path", draft_path, NULL);
}

static void
pm_send_form_constructed (GObject *object)
{
  PmSendForm *self = PM_SEND_FORM (object);

  G_OBJECT_CLASS (pm_send_form_parent_class)->constructed (object);

  g_free (self->texts[PM_SEND_FORM_FIELD_EXPIRE_DATE]);
  self->texts[PM_SEND_FORM_FIELD_EXPIRE_DATE] = default_expire_date (self);
  self->expire_is_default = TRUE;
  update (self);
}

static void
pm_send_form_dispose (GObject *object)
{
  PmSendForm *self = PM_SEND_FORM (object);

  /* a change not yet written is kept: the form may go with the window that held it */
  if (self->save_id != 0)
    {
      g_autoptr(GError) error = NULL;

      if (!pm_send_form_save_draft (self, &error))
        g_debug ("Could not keep the draft of the new request: %s", error->message);
    }
  g_clear_handle_id (&self->save_id, g_source_remove);
  g_clear_object (&self->draft_bill);
  g_clear_object (&self->service);

  G_OBJECT_CLASS (pm_send_form_parent_class)->dispose (object);
}

static void
pm_send_form_finalize (GObject *object)
{
  PmSendForm *self = PM_SEND_FORM (object);

  for (int f = 0; f < PM_SEND_FORM_N_FIELDS; f++)
    {
      g_free (self->texts[f]);
      g_free (self->forced[f]);
    }
  for (int f = 0; f < N_CHECKED; f++)
    g_free (self->errors[f]);
  g_free (self->phone_warning);
  g_free (self->amount_words);
  g_free (self->expire_hint);
  g_free (self->draft_path);
  g_free (self->template_text);
  g_free (self->template_output);
  g_clear_pointer (&self->templates, g_variant_unref);

  G_OBJECT_CLASS (pm_send_form_parent_class)->finalize (object);
}

static void
pm_send_form_get_property (GObject    *object,
                           guint       prop_id,
                           GValue     *value,
                           GParamSpec *pspec)
{
  PmSendForm *self = PM_SEND_FORM (object);

  if (prop_id >= PROP_TEXT_FIRST && prop_id < PROP_TEXT_FIRST + PM_SEND_FORM_N_FIELDS)
    {
      g_value_set_string (value, self->texts[prop_id - PROP_TEXT_FIRST]);
      return;
    }
  if (prop_id >= PROP_ERROR_FIRST && prop_id < PROP_ERROR_FIRST + N_CHECKED)
    {
      g_value_set_string (value, self->errors[prop_id - PROP_ERROR_FIRST]);
      return;
    }
  switch (prop_id)
    {
    case PROP_SERVICE:
      g_value_set_object (value, self->service);
      break;
    case PROP_DRAFT_PATH:
      g_value_set_string (value, self->draft_path);
      break;
    case PROP_PHONE_WARNING:
      g_value_set_string (value, self->phone_warning);
      break;
    case PROP_AMOUNT_WORDS:
      g_value_set_string (value, self->amount_words);
      break;
    case PROP_EXPIRE_DATE_HINT:
      g_value_set_string (value, self->expire_hint);
      break;
    case PROP_STAGE:
      g_value_set_enum (value, self->stage);
      break;
    case PROP_CAN_SEND:
      g_value_set_boolean (value, pm_send_form_get_can_send (self));
      break;
    case PROP_FILLED:
      g_value_set_boolean (value, self->filled);
      break;
    case PROP_DRAFT_RESTORED:
      g_value_set_boolean (value, self->draft_restored);
      break;
    case PROP_TEMPLATES:
      g_value_set_variant (value, self->templates);
      break;
    case PROP_N_TEMPLATES:
      g_value_set_uint (value, pm_send_form_get_n_templates (self));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
pm_send_form_set_property (GObject      *object,
                           guint         prop_id,
                           const GValue *value,
                           GParamSpec   *pspec)
{
  PmSendForm *self = PM_SEND_FORM (object);

  if (prop_id >= PROP_TEXT_FIRST && prop_id < PROP_TEXT_FIRST + PM_SEND_FORM_N_FIELDS)
    {
      pm_send_form_set_text (self, (PmSendFormField) (prop_id - PROP_TEXT_FIRST),
                             g_value_get_string (value));
      return;
    }
  switch (prop_id)
    {
    case PROP_SERVICE:
      self->service = g_value_dup_object (value);
      break;
    case PROP_DRAFT_PATH:
      self->draft_path = g_value_dup_string (value);
      break;
    case PROP_TEMPLATES:
      set_templates (self, g_value_get_variant (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
pm_send_form_class_init (PmSendFormClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags rw = G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;
  GParamFlags ro = G_PARAM_READABLE | G_PARAM_STATIC_STRINGS;

  object_class->constructed = pm_send_form_constructed;
  object_class->dispose = pm_send_form_dispose;
  object_class->finalize = pm_send_form_finalize;
  object_class->get_property = pm_send_form_get_property;
  object_class->set_property = pm_send_form_set_property;

  properties[PROP_SERVICE] =
    g_param_spec_object ("service", NULL, NULL, PM_TYPE_SERVICE,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_DRAFT_PATH] =
    g_param_spec_string ("draft-path", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  properties[PROP_PAYER_NAME] = g_param_spec_string ("payer-name", NULL, NULL, "", rw);
  properties[PROP_PHONE] = g_param_spec_string ("phone", NULL, NULL, "", rw);
  properties[PROP_AMOUNT_TEXT] = g_param_spec_string ("amount-text", NULL, NULL, "", rw);
  properties[PROP_REASON] = g_param_spec_string ("reason", NULL, NULL, "", rw);
  properties[PROP_MESSAGE] = g_param_spec_string ("message", NULL, NULL, "", rw);
  properties[PROP_EXPIRE_DATE] = g_param_spec_string ("expire-date", NULL, NULL, "", rw);
  properties[PROP_NOTE] = g_param_spec_string ("note", NULL, NULL, "", rw);

  properties[PROP_PAYER_NAME_ERROR] =
    g_param_spec_string ("payer-name-error", NULL, NULL, NULL, ro);
  properties[PROP_PHONE_ERROR] = g_param_spec_string ("phone-error", NULL, NULL, NULL, ro);
  properties[PROP_AMOUNT_ERROR] = g_param_spec_string ("amount-error", NULL, NULL, NULL, ro);
  properties[PROP_REASON_ERROR] = g_param_spec_string ("reason-error", NULL, NULL, NULL, ro);
  properties[PROP_MESSAGE_ERROR] = g_param_spec_string ("message-error", NULL, NULL, NULL, ro);
  properties[PROP_EXPIRE_DATE_ERROR] =
    g_param_spec_string ("expire-date-error", NULL, NULL, NULL, ro);

  properties[PROP_PHONE_WARNING] = g_param_spec_string ("phone-warning", NULL, NULL, NULL, ro);
  properties[PROP_AMOUNT_WORDS] = g_param_spec_string ("amount-words", NULL, NULL, NULL, ro);
  properties[PROP_EXPIRE_DATE_HINT] =
    g_param_spec_string ("expire-date-hint", NULL, NULL, NULL, ro);
  properties[PROP_STAGE] =
    g_param_spec_enum ("stage", NULL, NULL, PM_TYPE_SEND_FORM_STAGE,
                       PM_SEND_FORM_STAGE_EDITING, ro);
  properties[PROP_CAN_SEND] = g_param_spec_boolean ("can-send", NULL, NULL, TRUE, ro);
  properties[PROP_FILLED] = g_param_spec_boolean ("filled", NULL, NULL, FALSE, ro);
  properties[PROP_DRAFT_RESTORED] =
    g_param_spec_boolean ("draft-restored", NULL, NULL, FALSE, ro);
  properties[PROP_TEMPLATES] =
    g_param_spec_variant ("templates", NULL, NULL, G_VARIANT_TYPE ("a(ss)"), NULL, rw);
  properties[PROP_N_TEMPLATES] =
    g_param_spec_uint ("n-templates", NULL, NULL, 0, G_MAXUINT, 0, ro);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
pm_send_form_init (PmSendForm *self)
{
  for (int f = 0; f < PM_SEND_FORM_N_FIELDS; f++)
    self->texts[f] = g_strdup ("");
  self->stage = PM_SEND_FORM_STAGE_EDITING;
}
