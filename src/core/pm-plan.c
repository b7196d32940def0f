/* pm-plan.c — a monthly billing plan: roster, templates, schedule, validation
 *
 * Copyright 2026 The Paymint Desk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "pm-plan.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "pm-csv.h"
#include "pm-error.h"
#include "pm-money.h"
#include "pm-phone.h"

/* ---- payers ---- */

G_DEFINE_BOXED_TYPE (PmPlanPayer, pm_plan_payer, pm_plan_payer_copy, pm_plan_payer_free)

PmPlanPayer *
pm_plan_payer_new (const char *name,
                   const char *phone,
                   gint64      amount,
                   const char *method_id)
{
  PmPlanPayer *payer = g_new0 (PmPlanPayer, 1);
  g_autofree char *digits = NULL;

  payer->name = g_strdup (name);
  if (phone != NULL)
    {
      PmPhoneCheck check = pm_phone_check (phone, &digits);

      if (check == PM_PHONE_VALID || check == PM_PHONE_LEGACY)
        payer->phone = g_steal_pointer (&digits);
      else
        payer->phone = g_strdup (phone);
    }
  payer->amount = amount;
  payer->method_id = (method_id != NULL && *method_id != '\0') ? g_strdup (method_id) : NULL;
  return payer;
}

PmPlanPayer *
pm_plan_payer_copy (const PmPlanPayer *payer)
{
  PmPlanPayer *copy;

  g_return_val_if_fail (payer != NULL, NULL);

  copy = g_new0 (PmPlanPayer, 1);
  copy->name = g_strdup (payer->name);
  copy->phone = g_strdup (payer->phone);
  copy->amount = payer->amount;
  copy->method_id = g_strdup (payer->method_id);
  return copy;
}

void
pm_plan_payer_free (PmPlanPayer *payer)
{
  if (payer == NULL)
    return;
  g_free (payer->name);
  g_free (payer->phone);
  g_free (payer->method_id);
  g_free (payer);
}

void
pm_plan_roster_problem_free (PmPlanRosterProblem *problem)
{
  if (problem == NULL)
    return;
  g_free (problem->field);
  g_free (problem->message);
  g_free (problem);
}

/* ---- the plan ---- */

struct _PmPlan
{
  GObject    parent_instance;

  char      *uuid;
  char      *profile_id;
  char      *name;
  int        day;
  int        time;
  int        days_to_pay;
  char      *reason;
  char      *message;
  char      *start_period;
  char      *end_period;
  gboolean   paused;
  gint64     created_at;
  gint64     updated_at;
  GPtrArray *roster;  /* PmPlanPayer */
};

G_DEFINE_FINAL_TYPE (PmPlan, pm_plan, G_TYPE_OBJECT)

enum
{
  PROP_0,
  PROP_UUID,
  PROP_PROFILE_ID,
  PROP_NAME,
  PROP_DAY,
  PROP_TIME,
  PROP_DAYS_TO_PAY,
  PROP_REASON,
  PROP_MESSAGE,
  PROP_START_PERIOD,
  PROP_END_PERIOD,
  PROP_PAUSED,
  PROP_CREATED_AT,
  PROP_UPDATED_AT,
  PROP_N_PAYERS,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

enum
{
  SIGNAL_ROSTER_CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void
pm_plan_finalize (GObject *object)
{
  PmPlan *self = PM_PLAN (object);

  g_free (self->uuid);
  g_free (self->profile_id);
  g_free (self->name);
  g_free (self->reason);
  g_free (self->message);
  g_free (self->start_period);
  g_free (self->end_period);
  g_ptr_array_unref (self->roster);

  G_OBJECT_CLASS (pm_plan_parent_class)->finalize (object);
}

static void
pm_plan_get_property (GObject    *object,
                      guint       prop_id,
                      GValue     *value,
                      GParamSpec *pspec)
{
  PmPlan *self = PM_PLAN (object);

  switch (prop_id)
    {
    case PROP_UUID: g_value_set_string (value, self->uuid); break;
    case PROP_PROFILE_ID: g_value_set_string (value, self->profile_id); break;
    case PROP_NAME: g_value_set_string (value, self->name); break;
    case PROP_DAY: g_value_set_int (value, self->day); break;
    case PROP_TIME: g_value_set_int (value, self->time); break;
    case PROP_DAYS_TO_PAY: g_value_set_int (value, self->days_to_pay); break;
    case PROP_REASON: g_value_set_string (value, self->reason); break;
    case PROP_MESSAGE: g_value_set_string (value, self->message); break;
    case PROP_START_PERIOD: g_value_set_string (value, self->start_period); break;
    case PROP_END_PERIOD: g_value_set_string (value, self->end_period); break;
    case PROP_PAUSED: g_value_set_boolean (value, self->paused); break;
    case PROP_CREATED_AT: g_value_set_int64 (value, self->created_at); break;
    case PROP_UPDATED_AT: g_value_set_int64 (value, self->updated_at); break;
    case PROP_N_PAYERS: g_value_set_uint (value, self->roster->len); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
pm_plan_set_property (GObject      *object,
                      guint         prop_id,
                      const GValue *value,
                      GParamSpec   *pspec)
{
  PmPlan *self = PM_PLAN (object);

  switch (prop_id)
    {
    case PROP_UUID: pm_plan_set_uuid (self, g_value_get_string (value)); break;
    case PROP_PROFILE_ID: pm_plan_set_profile_id (self, g_value_get_string (value)); break;
    case PROP_NAME: pm_plan_set_name (self, g_value_get_string (value)); break;
    case PROP_DAY: pm_plan_set_day (self, g_value_get_int (value)); break;
    case PROP_TIME: pm_plan_set_time (self, g_value_get_int (value)); break;
    case PROP_DAYS_TO_PAY: pm_plan_set_days_to_pay (self, g_value_get_int (value)); break;
    case PROP_REASON: pm_plan_set_reason (self, g_value_get_string (value)); break;
    case PROP_MESSAGE: pm_plan_set_message (self, g_value_get_string (value)); break;
    case PROP_START_PERIOD: pm_plan_set_start_period (self, g_value_get_string (value)); break;
    case PROP_END_PERIOD: pm_plan_set_end_period (self, g_value_get_string (value)); break;
    case PROP_PAUSED: pm_plan_set_paused (self, g_value_get_boolean (value)); break;
    case PROP_CREATED_AT: pm_plan_set_created_at (self, g_value_get_int64 (value)); break;
    case PROP_UPDATED_AT: pm_plan_set_updated_at (self, g_value_get_int64 (value)); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
pm_plan_class_init (PmPlanClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags rw = G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  object_class->finalize = pm_plan_finalize;
  object_class->get_property = pm_plan_get_property;
  object_class->set_property = pm_plan_set_property;

  properties[PROP_UUID] = g_param_spec_string ("uuid", NULL, NULL, NULL, rw);
  properties[PROP_PROFILE_ID] = g_param_spec_string ("profile-id", NULL, NULL, NULL, rw);
  properties[PROP_NAME] = g_param_spec_string ("name", NULL, NULL, NULL, rw);
  properties[PROP_DAY] = g_param_spec_int ("day", NULL, NULL, G_MININT, G_MAXINT, 1, rw);
  properties[PROP_TIME] = g_param_spec_int ("time", NULL, NULL, -1, G_MAXINT,
                                            PM_PLAN_DEFAULT_TIME, rw);
  properties[PROP_DAYS_TO_PAY] = g_param_spec_int ("days-to-pay", NULL, NULL, G_MININT,
                                                   G_MAXINT, PM_PLAN_DEFAULT_DAYS_TO_PAY, rw);
  properties[PROP_REASON] = g_param_spec_string ("reason", NULL, NULL, NULL, rw);
  properties[PROP_MESSAGE] = g_param_spec_string ("message", NULL, NULL, NULL, rw);
  properties[PROP_START_PERIOD] = g_param_spec_string ("start-period", NULL, NULL, NULL, rw);
  properties[PROP_END_PERIOD] = g_param_spec_string ("end-period", NULL, NULL, NULL, rw);
  properties[PROP_PAUSED] = g_param_spec_boolean ("paused", NULL, NULL, FALSE, rw);
  properties[PROP_CREATED_AT] = g_param_spec_int64 ("created-at", NULL, NULL, 0, G_MAXINT64,
                                                    0, rw);
  properties[PROP_UPDATED_AT] = g_param_spec_int64 ("updated-at", NULL, NULL, 0, G_MAXINT64,
                                                    0, rw);
  properties[PROP_N_PAYERS] = g_param_spec_uint ("n-payers", NULL, NULL, 0, G_MAXUINT, 0,
                                                 G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  signals[SIGNAL_ROSTER_CHANGED] =
    g_signal_new ("roster-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
pm_plan_init (PmPlan *self)
{
  self->uuid = g_uuid_string_random ();
  self->day = 1;
  self->time = PM_PLAN_DEFAULT_TIME;
  self->days_to_pay = PM_PLAN_DEFAULT_DAYS_TO_PAY;
  self->roster = g_ptr_array_new_with_free_func ((GDestroyNotify) pm_plan_payer_free);
}

PmPlan *
pm_plan_new (void)
{
  return g_object_new (PM_TYPE_PLAN, NULL);
}

PmPlan *
pm_plan_copy (PmPlan *self)
{
  PmPlan *copy;

  g_return_val_if_fail (PM_IS_PLAN (self), NULL);

  copy = g_object_new (PM_TYPE_PLAN,
                       "uuid", self->uuid, "profile-id", self->profile_id,
                       "name", self->name, "day", self->day,
                       "time", self->time, "days-to-pay", self->days_to_pay,
                       "reason", self->reason, "message", self->message,
                       "start-period", self->start_period, "end-period", self->end_period,
                       "paused", self->paused, "created-at", self->created_at,
                       "updated-at", self->updated_at, NULL);
  pm_plan_set_roster (copy, self->roster);
  return copy;
}

static void
set_string (PmPlan      *self,
            char       **slot,
            const char  *value,
            int          prop)
{
  if (g_strcmp0 (*slot, value) == 0)
    return;
  g_free (*slot);
  *slot = g_strdup (value);
  g_object_notify_by_pspec (G_OBJECT (self), properties[prop]);
}

static void
set_int (PmPlan *self,
         int    *slot,
         int     value,
         int     prop)
{
  if (*slot == value)
    return;
  *slot = value;
  g_object_notify_by_pspec (G_OBJECT (self), properties[prop]);
}

#define STRING_ACCESSORS(field, prop)                                   \
  const char *pm_plan_get_##field (PmPlan *self)                        \
  {                                                                     \
    g_return_val_if_fail (PM_IS_PLAN (self), NULL);                     \
    return self->field;                                                 \
  }                                                                     \
  void pm_plan_set_##field (PmPlan *self, const char *value)            \
  {                                                                     \
    g_return_if_fail (PM_IS_PLAN (self));                               \
    set_string (self, &self->field, value, prop);                       \
  }

#define INT_ACCESSORS(field, prop)                                      \
  int pm_plan_get_##field (PmPlan *self)                                \
  {                                                                     \
    g_return_val_if_fail (PM_IS_PLAN (self), 0);                        \
    return self->field;                                                 \
  }                                                                     \
  void pm_plan_set_##field (PmPlan *self, int value)                    \
  {                                                                     \
    g_return_if_fail (PM_IS_PLAN (self));                               \
    set_int (self, &self->field, value, prop);                          \
  }

STRING_ACCESSORS (uuid, PROP_UUID)
STRING_ACCESSORS (profile_id, PROP_PROFILE_ID)
STRING_ACCESSORS (name, PROP_NAME)
STRING_ACCESSORS (reason, PROP_REASON)
STRING_ACCESSORS (message, PROP_MESSAGE)
STRING_ACCESSORS (start_period, PROP_START_PERIOD)
STRING_ACCESSORS (end_period, PROP_END_PERIOD)
INT_ACCESSORS (day, PROP_DAY)
INT_ACCESSORS (time, PROP_TIME)
INT_ACCESSORS (days_to_pay, PROP_DAYS_TO_PAY)

gboolean
pm_plan_get_paused (PmPlan *self)
{
  g_return_val_if_fail (PM_IS_PLAN (self), FALSE);
  return self->paused;
}

void
pm_plan_set_paused (PmPlan   *self,
                    gboolean  paused)
{
  g_return_if_fail (PM_IS_PLAN (self));
  set_int (self, &self->paused, !!paused, PROP_PAUSED);
}

gint64
pm_plan_get_created_at (PmPlan *self)
{
  g_return_val_if_fail (PM_IS_PLAN (self), 0);
  return self->created_at;
}

void
pm_plan_set_created_at (PmPlan *self,
                        gint64  at)
{
  g_return_if_fail (PM_IS_PLAN (self));
  if (self->created_at == at)
    return;
  self->created_at = at;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CREATED_AT]);
}

gint64
pm_plan_get_updated_at (PmPlan *self)
{
  g_return_val_if_fail (PM_IS_PLAN (self), 0);
  return self->updated_at;
}

void
pm_plan_set_updated_at (PmPlan *self,
                        gint64  at)
{
  g_return_if_fail (PM_IS_PLAN (self));
  if (self->updated_at == at)
    return;
  self->updated_at = at;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_UPDATED_AT]);
}

GPtrArray *
pm_plan_get_roster (PmPlan *self)
{
  g_return_val_if_fail (PM_IS_PLAN (self), NULL);
  return self->roster;
}

void
pm_plan_set_roster (PmPlan    *self,
                    GPtrArray *payers)
{
  guint before;

  g_return_if_fail (PM_IS_PLAN (self));

  before = self->roster->len;
  if (payers == self->roster)
    return;
  g_ptr_array_set_size (self->roster, 0);
  for (guint i = 0; payers != NULL && i < payers->len; i++)
    g_ptr_array_add (self->roster, pm_plan_payer_copy (g_ptr_array_index (payers, i)));
  if (before != self->roster->len)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_PAYERS]);
  g_signal_emit (self, signals[SIGNAL_ROSTER_CHANGED], 0);
}

void
pm_plan_add_payer (PmPlan            *self,
                   const PmPlanPayer *payer)
{
  g_return_if_fail (PM_IS_PLAN (self));
  g_return_if_fail (payer != NULL);

  g_ptr_array_add (self->roster, pm_plan_payer_copy (payer));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_PAYERS]);
  g_signal_emit (self, signals[SIGNAL_ROSTER_CHANGED], 0);
}

guint
pm_plan_get_n_payers (PmPlan *self)
{
  g_return_val_if_fail (PM_IS_PLAN (self), 0);
  return self->roster->len;
}

gint64
pm_plan_get_total (PmPlan *self)
{
  gint64 total = 0;

  g_return_val_if_fail (PM_IS_PLAN (self), 0);
  for (guint i = 0; i < self->roster->len; i++)
    total += ((PmPlanPayer *) g_ptr_array_index (self->roster, i))->amount;
  return total;
}

/* ---- parsing ---- */

static const char *
day_hint (void)
{
  return _("choose 1 to 28, or “last” for the last day of the month");
}

gboolean
pm_plan_parse_day (const char  *text,
                   int         *day,
                   GError     **error)
{
  g_autofree char *trimmed = g_strstrip (g_strdup (text != NULL ? text : ""));
  guint64 value;

  if (g_ascii_strcasecmp (trimmed, "last") == 0 || strcmp (trimmed, "말일") == 0
      || strcmp (trimmed, "마지막") == 0 || strcmp (trimmed, "마지막 날") == 0)
    {
      *day = PM_PLAN_DAY_LAST;
      return TRUE;
    }
  if (*trimmed == '\0')
    {
      pm_error_set_field_error (error, PM_ERROR_INVALID, PM_PLAN_FIELD_DAY,
                                _("Enter the day of the month the plan runs: %s."), day_hint ());
      return FALSE;
    }
  if (!g_ascii_string_to_unsigned (trimmed, 10, 0, 99, &value, NULL))
    {
      pm_error_set_field_error (error, PM_ERROR_INVALID, PM_PLAN_FIELD_DAY,
                                _("“%s” is not a day of the month: %s."), trimmed, day_hint ());
      return FALSE;
    }
  *day = (int) value;
  if (value < 1 || value > 31)
    {
      pm_error_set_field_error (error, PM_ERROR_INVALID, PM_PLAN_FIELD_DAY,
                                _("There is no day %d in a month: %s."), (int) value,
                                day_hint ());
      return FALSE;
    }
  if (value > PM_PLAN_DAY_MAX)
    {
      pm_error_set_field_error (error, PM_ERROR_INVALID, PM_PLAN_FIELD_DAY,
                                _("Not every month has a day %d: %s."), (int) value,
                                day_hint ());
      return FALSE;
    }
  return TRUE;
}

static gboolean
check_day (int      day,
           GError **error)
{
  if (day == PM_PLAN_DAY_LAST || (day >= 1 && day <= PM_PLAN_DAY_MAX))
    return TRUE;
  if (day < 0 || day > 31)
    pm_error_set_field_error (error, PM_ERROR_INVALID, PM_PLAN_FIELD_DAY,
                              _("There is no day %d in a month: %s."), day, day_hint ());
  else
    pm_error_set_field_error (error, PM_ERROR_INVALID, PM_PLAN_FIELD_DAY,
                              _("Not every month has a day %d: %s."), day, day_hint ());
  return FALSE;
}

gboolean
pm_plan_parse_time (const char  *text,
                    int         *minutes,
                    GError     **error)
{
  g_autofree char *trimmed = g_strstrip (g_strdup (text != NULL ? text : ""));
  g_auto(GStrv) parts = NULL;
  guint64 h, m;

  parts = g_strsplit (trimmed, ":", -1);
  if (g_strv_length (parts) != 2 || strlen (parts[0]) < 1 || strlen (parts[0]) > 2
      || strlen (parts[1]) != 2
      || !g_ascii_string_to_unsigned (parts[0], 10, 0, 99, &h, NULL)
      || !g_ascii_string_to_unsigned (parts[1], 10, 0, 99, &m, NULL) || h > 23 || m > 59)
    {
      pm_error_set_field_error (error, PM_ERROR_INVALID, PM_PLAN_FIELD_TIME,
                                _("“%s” is not a time of day: write HH:MM, from 00:00 to "
                                  "23:59 (Korea time)."), trimmed);
      return FALSE;
    }
  *minutes = (int) (h * 60 + m);
  return TRUE;
}

gboolean
pm_plan_parse_period (const char  *text,
                      const char  *field,
                      int         *year,
                      int         *month,
                      GError     **error)
{
  guint64 y, m;

  if (text == NULL || strlen (text) != 7 || text[4] != '-'
      || !g_ascii_isdigit (text[0]) || !g_ascii_isdigit (text[5]) || !g_ascii_isdigit (text[6])
      || !g_ascii_string_to_unsigned (text + 5, 10, 1, 12, &m, NULL))
    goto bad;
  {
    g_autofree char *ys = g_strndup (text, 4);

    if (!g_ascii_string_to_unsigned (ys, 10, 2000, 2999, &y, NULL))
      goto bad;
  }
  if (year != NULL)
    *year = (int) y;
  if (month != NULL)
    *month = (int) m;
  return TRUE;

bad:
  pm_error_set_field_error (error, PM_ERROR_INVALID, field,
                            _("“%s” is not a month: write YYYY-MM, such as 2027-03."),
                            text != NULL ? text : "");
  return FALSE;
}

char *
pm_plan_format_day (int day)
{
  return day == PM_PLAN_DAY_LAST ? g_strdup ("last") : g_strdup_printf ("%d", day);
}

char *
pm_plan_format_time (int minutes)
{
  if (minutes < 0)
    return g_strdup ("");
  return g_strdup_printf ("%02d:%02d", minutes / 60, minutes % 60);
}

/* ---- templates ---- */

static const char *const placeholders[] = { "이름", "금액", "월", "다음달" };

typedef enum
{
  PH_NAME,
  PH_AMOUNT,
  PH_MONTH,
  PH_NEXT_MONTH,
  PH_UNKNOWN,
} Placeholder;

static Placeholder
placeholder_kind (const char *start,
                  gsize       len)
{
  for (guint i = 0; i < G_N_ELEMENTS (placeholders); i++)
    if (strlen (placeholders[i]) == len && memcmp (placeholders[i], start, len) == 0)
      return (Placeholder) i;
  return PH_UNKNOWN;
}

/* Walks @text; calls @emit for literal runs (kind -1) and placeholders. A '{' with no
 * '}' after it (before another '{') is literal text. */
typedef gboolean (*TemplateFunc) (int          kind,
                                  const char  *start,
                                  gsize        len,
                                  gpointer     data,
                                  GError     **error);

static gboolean
walk_template (const char    *text,
               TemplateFunc   func,
               gpointer       data,
               GError       **error)
{
  const char *p = text;

  while (*p != '\0')
    {
      const char *open = strchr (p, '{');
      const char *close;

      if (open == NULL)
        return func (-1, p, strlen (p), data, error);
      close = strchr (open + 1, '}');
      if (close == NULL || memchr (open + 1, '{', close - open - 1) != NULL)
        {
          if (!func (-1, p, open - p + 1, data, error))
            return FALSE;
          p = open + 1;
          continue;
        }
      if (open > p && !func (-1, p, open - p, data, error))
        return FALSE;
      if (!func (placeholder_kind (open + 1, close - open - 1), open, close - open + 1,
                 data, error))
        return FALSE;
      p = close + 1;
    }
  return TRUE;
}

static gboolean
check_cb (int          kind,
          const char  *start,
          gsize        len,
          gpointer     data,
          GError     **error)
{
  if (kind == PH_UNKNOWN)
    {
      g_autofree char *ph = g_strndup (start, len);

      pm_error_set_field_error (error, PM_ERROR_INVALID, data,
                                /* Translators: keep the placeholders in braces as they are */
                                _("unknown placeholder %s; use {이름}, {금액}, {월} or {다음달}"),
                                ph);
      return FALSE;
    }
  return TRUE;
}

gboolean
pm_plan_check_template (const char  *text,
                        const char  *field,
                        GError     **error)
{
  if (text == NULL || !g_utf8_validate (text, -1, NULL))
    {
      pm_error_set_field_error (error, PM_ERROR_INVALID, field, "%s",
                                _("This text is not valid UTF-8."));
      return FALSE;
    }
  return walk_template (text, check_cb, (gpointer) field, error);
}

typedef struct
{
  GString           *out;
  const PmPlanPayer *payer;
  int                month;
} Render;

static gboolean
render_cb (int          kind,
           const char  *start,
           gsize        len,
           gpointer     data,
           GError     **error)
{
  Render *r = data;

  switch (kind)
    {
    case -1:
      g_string_append_len (r->out, start, len);
      return TRUE;
    case PH_NAME:
      g_string_append (r->out, r->payer->name != NULL ? r->payer->name : "");
      return TRUE;
    case PH_AMOUNT:
      {
        g_autofree char *won = pm_money_format (r->payer->amount);

        g_string_append (r->out, won);
        return TRUE;
      }
    case PH_MONTH:
      g_string_append_printf (r->out, "%d월", r->month);
      return TRUE;
    case PH_NEXT_MONTH:
      g_string_append_printf (r->out, "%d월", r->month % 12 + 1);
      return TRUE;
    default:
      return check_cb (kind, start, len, (gpointer) PM_PLAN_FIELD_MESSAGE, error);
    }
}

static char *
render (const char        *text,
        const PmPlanPayer *payer,
        const char        *period,
        const char        *field,
        GError           **error)
{
  g_autoptr(GString) out = g_string_new (NULL);
  Render r = { out, payer, 0 };

  if (!pm_plan_parse_period (period, PM_PLAN_FIELD_PERIOD, NULL, &r.month, error)
      || !pm_plan_check_template (text, field, error)
      || !walk_template (text, render_cb, &r, error))
    return NULL;
  return g_string_free (g_steal_pointer (&out), FALSE);
}

char *
pm_plan_render_template (const char        *text,
                         const PmPlanPayer *payer,
                         const char        *period,
                         GError           **error)
{
  g_return_val_if_fail (payer != NULL, NULL);

  return render (text, payer, period, PM_PLAN_FIELD_MESSAGE, error);
}

/* ---- periods and time ---- */

char *
pm_plan_period_at (gint64 unix_utc)
{
  g_autoptr(GTimeZone) tz = pm_bill_korea_time_zone ();
  g_autoptr(GDateTime) utc = g_date_time_new_from_unix_utc (unix_utc);
  g_autoptr(GDateTime) local = NULL;

  g_return_val_if_fail (utc != NULL, NULL);
  local = g_date_time_to_timezone (utc, tz);
  return g_date_time_format (local, "%Y-%m");
}

char *
pm_plan_period_add (const char *period,
                    int         months)
{
  int y, m, index;

  if (!pm_plan_parse_period (period, PM_PLAN_FIELD_PERIOD, &y, &m, NULL))
    g_return_val_if_reached (NULL);
  index = y * 12 + (m - 1) + months;
  return g_strdup_printf ("%04d-%02d", index / 12, index % 12 + 1);
}

int
pm_plan_run_day (PmPlan     *self,
                 const char *period)
{
  int y, m;

  g_return_val_if_fail (PM_IS_PLAN (self), 0);
  if (!pm_plan_parse_period (period, PM_PLAN_FIELD_PERIOD, &y, &m, NULL))
    g_return_val_if_reached (0);
  if (self->day == PM_PLAN_DAY_LAST || self->day > PM_PLAN_DAY_MAX)
    return g_date_get_days_in_month ((GDateMonth) m, (GDateYear) y);
  return MAX (self->day, 1);
}

gint64
pm_plan_due_at (PmPlan     *self,
                const char *period)
{
  g_autoptr(GTimeZone) tz = pm_bill_korea_time_zone ();
  g_autoptr(GDateTime) at = NULL;
  int y, m, minutes;

  g_return_val_if_fail (PM_IS_PLAN (self), 0);
  if (!pm_plan_parse_period (period, PM_PLAN_FIELD_PERIOD, &y, &m, NULL))
    g_return_val_if_reached (0);
  minutes = CLAMP (self->time, 0, 24 * 60 - 1);
  at = g_date_time_new (tz, y, m, pm_plan_run_day (self, period), minutes / 60, minutes % 60,
                        0);
  return g_date_time_to_unix (at);
}

gboolean
pm_plan_covers (PmPlan     *self,
                const char *period)
{
  g_return_val_if_fail (PM_IS_PLAN (self), FALSE);

  if (self->start_period != NULL && strcmp (period, self->start_period) < 0)
    return FALSE;
  if (self->end_period != NULL && strcmp (period, self->end_period) > 0)
    return FALSE;
  return TRUE;
}

/* ---- validation ---- */

static gboolean
check_text_field (const char  *text,
                  const char  *field,
                  const char  *empty_message,
                  GError     **error)
{
  g_autofree char *trimmed = g_strstrip (g_strdup (text != NULL ? text : ""));

  if (*trimmed == '\0')
    {
      pm_error_set_field_error (error, PM_ERROR_INVALID, field, "%s", empty_message);
      return FALSE;
    }
  return TRUE;
}

static void
add_problem (GPtrArray  *problems,
             guint       index,
             const char *field,
             const char *label,
             const char *what)
{
  PmPlanRosterProblem *p = g_new0 (PmPlanRosterProblem, 1);

  p->index = index;
  p->row = index + 1;
  p->field = g_strdup (field);
  if (label != NULL)
    p->message = g_strdup_printf (_("row %u, %s: %s"), p->row, label, what);
  else
    p->message = g_strdup_printf (_("row %u: %s"), p->row, what);
  g_ptr_array_add (problems, p);
}

GPtrArray *
pm_plan_check_roster (PmPlan *self)
{
  GPtrArray *problems =
    g_ptr_array_new_with_free_func ((GDestroyNotify) pm_plan_roster_problem_free);
  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);

  g_return_val_if_fail (PM_IS_PLAN (self), problems);

  for (guint i = 0; i < self->roster->len; i++)
    {
      PmPlanPayer *payer = g_ptr_array_index (self->roster, i);
      g_autoptr(GError) local = NULL;
      g_autofree char *digits = NULL;
      PmPhoneCheck check;
      gpointer first;

      if (!pm_bill_check_member_nm (payer->name, &local))
        {
          add_problem (problems, i, "name", pm_csv_field_get_label (PM_CSV_FIELD_PAYER),
                       local->message);
          continue;
        }
      check = pm_phone_check (payer->phone != NULL ? payer->phone : "", &digits);
      if (check != PM_PHONE_VALID && check != PM_PHONE_LEGACY)
        {
          add_problem (problems, i, "phone", pm_csv_field_get_label (PM_CSV_FIELD_PHONE),
                       pm_phone_check_message (check));
          continue;
        }
      if (!pm_bill_check_price (payer->amount, &local))
        {
          add_problem (problems, i, "amount", pm_csv_field_get_label (PM_CSV_FIELD_AMOUNT),
                       local->message);
          continue;
        }
      if (payer->method_id != NULL
          && (strlen (payer->method_id) > 64 || !g_utf8_validate (payer->method_id, -1, NULL)))
        {
          add_problem (problems, i, "method_id", NULL,
                       _("This AutoPay card id is not one the server gives."));
          continue;
        }
      if (g_hash_table_lookup_extended (seen, payer->phone, NULL, &first))
        {
          g_autofree char *shown = pm_phone_format_display (payer->phone);
          g_autofree char *what =
            g_strdup_printf (_("the same payer as row %u (%s): each phone number can be "
                               "in a roster only once."),
                             GPOINTER_TO_UINT (first) + 1, shown);

          add_problem (problems, i, "phone", pm_csv_field_get_label (PM_CSV_FIELD_PHONE), what);
          continue;
        }
      g_hash_table_insert (seen, payer->phone, GUINT_TO_POINTER (i));
    }
  return problems;
}

gboolean
pm_plan_validate (PmPlan  *self,
                  GError **error)
{
  g_autoptr(GPtrArray) problems = NULL;

  g_return_val_if_fail (PM_IS_PLAN (self), FALSE);

  if (!check_text_field (self->name, PM_PLAN_FIELD_NAME, _("Enter the plan’s name."), error))
    return FALSE;
  if (g_utf8_strlen (self->name, -1) > 100)
    {
      pm_error_set_field_error (error, PM_ERROR_INVALID, PM_PLAN_FIELD_NAME, "%s",
                                _("The plan’s name can be at most 100 characters long."));
      return FALSE;
    }
  if (!check_day (self->day, error))
    return FALSE;
  if (self->time < 0 || self->time >= 24 * 60)
    {
      pm_error_set_field_error (error, PM_ERROR_INVALID, PM_PLAN_FIELD_TIME, "%s",
                                _("The time must be between 00:00 and 23:59 (Korea time)."));
      return FALSE;
    }
  if (self->days_to_pay < 1 || self->days_to_pay > PM_BILL_EXPIRE_MAX_DAYS)
    {
      pm_error_set_field_error (error, PM_ERROR_INVALID, PM_PLAN_FIELD_DAYS_TO_PAY,
                                _("The days to pay must be from 1 to %d."),
                                PM_BILL_EXPIRE_MAX_DAYS);
      return FALSE;
    }
  if (!check_text_field (self->reason, PM_PLAN_FIELD_REASON,
                         _("Enter what the bills are for."), error)
      || !pm_plan_check_template (self->reason, PM_PLAN_FIELD_REASON, error)
      || !check_text_field (self->message, PM_PLAN_FIELD_MESSAGE,
                            _("Enter a message for the payers."), error)
      || !pm_plan_check_template (self->message, PM_PLAN_FIELD_MESSAGE, error))
    return FALSE;
  if (self->start_period == NULL)
    {
      pm_error_set_field_error (error, PM_ERROR_INVALID, PM_PLAN_FIELD_START, "%s",
                                _("Enter the first month the plan bills (YYYY-MM)."));
      return FALSE;
    }
  if (!pm_plan_parse_period (self->start_period, PM_PLAN_FIELD_START, NULL, NULL, error))
    return FALSE;
  if (self->end_period != NULL)
    {
      if (!pm_plan_parse_period (self->end_period, PM_PLAN_FIELD_END, NULL, NULL, error))
        return FALSE;
      if (strcmp (self->end_period, self->start_period) < 0)
        {
          pm_error_set_field_error (error, PM_ERROR_INVALID, PM_PLAN_FIELD_END,
                                    _("The last month (%s) is before the first (%s)."),
                                    self->end_period, self->start_period);
          return FALSE;
        }
    }
  if (self->roster->len == 0)
    {
      pm_error_set_field_error (error, PM_ERROR_INVALID, PM_PLAN_FIELD_ROSTER, "%s",
                                _("The roster has no payer: add at least one."));
      return FALSE;
    }
  if (self->roster->len > PM_PLAN_MAX_PAYERS)
    {
      pm_error_set_field_error (error, PM_ERROR_INVALID, PM_PLAN_FIELD_ROSTER,
                                _("A roster can have at most %u payers."), PM_PLAN_MAX_PAYERS);
      return FALSE;
    }
  problems = pm_plan_check_roster (self);
  if (problems->len > 0)
    {
      PmPlanRosterProblem *p = g_ptr_array_index (problems, 0);

      pm_error_set_field_error (error, PM_ERROR_INVALID, PM_PLAN_FIELD_ROSTER, "%s", p->message);
      return FALSE;
    }
  return TRUE;
}

/* ---- the bills ---- */

char *
pm_plan_derive_bill_id (const char *plan_uuid,
                        const char *payer_id,
                        const char *period,
                        guint       revision)
{
  g_autofree char *seed = NULL;

  g_return_val_if_fail (plan_uuid != NULL && payer_id != NULL && period != NULL, NULL);

  seed = g_strdup_printf ("%s/%s/%s/%u", plan_uuid, payer_id, period, revision);
  return pm_csv_derive_bill_id (seed, "pmplan1");
}

PmBill *
pm_plan_make_draft (PmPlan            *self,
                    const PmPlanPayer *payer,
                    const char        *period,
                    guint              revision,
                    gint64             now,
                    GError           **error)
{
  g_autoptr(PmBill) bill = NULL;
  g_autofree char *reason = NULL;
  g_autofree char *message = NULL;
  g_autofree char *bill_id = NULL;
  g_autofree char *note = NULL;
  g_autoptr(GTimeZone) tz = pm_bill_korea_time_zone ();
  g_autoptr(GDateTime) utc = NULL;
  g_autoptr(GDateTime) local = NULL;
  g_autoptr(GDateTime) expiry = NULL;
  g_autofree char *expire = NULL;
  gint64 from;

  g_return_val_if_fail (PM_IS_PLAN (self), NULL);
  g_return_val_if_fail (payer != NULL, NULL);

  reason = render (self->reason, payer, period, PM_PLAN_FIELD_REASON, error);
  if (reason == NULL)
    return NULL;
  message = render (self->message, payer, period, PM_PLAN_FIELD_MESSAGE, error);
  if (message == NULL)
    return NULL;

  from = MAX (pm_plan_due_at (self, period), now);
  utc = g_date_time_new_from_unix_utc (from);
  local = g_date_time_to_timezone (utc, tz);
  expiry = g_date_time_add_days (local, self->days_to_pay);
  expire = g_date_time_format (expiry, "%Y-%m-%d");

  bill_id = pm_plan_derive_bill_id (self->uuid, payer->phone, period, revision);
  /* Translators: the note a plan's bill carries: the plan's name and the month */
  note = revision == 0 ? g_strdup_printf (_("Plan “%s”, %s"), self->name, period)
                       : g_strdup_printf (_("Plan “%s”, %s (billed again, %u)"), self->name,
                                          period, revision);

  bill = pm_bill_new ();
  pm_bill_set_bill_id (bill, bill_id);
  pm_bill_set_kind (bill, payer->method_id != NULL ? PM_BILL_KIND_AUTOPAY
                                                   : PM_BILL_KIND_REQUEST);
  pm_bill_set_method_id (bill, payer->method_id);
  pm_bill_set_payer_name (bill, payer->name);
  pm_bill_set_phone (bill, payer->phone);
  pm_bill_set_price (bill, payer->amount);
  pm_bill_set_product (bill, reason);
  pm_bill_set_message (bill, message);
  pm_bill_set_expire_date (bill, expire);
  pm_bill_set_note (bill, note);
  return g_steal_pointer (&bill);
}

/* ---- rosters from files ---- */

GPtrArray *
pm_plan_roster_from_file (const char  *path,
                          gint64       now,
                          GError     **error)
{
  g_autoptr(PmCsvImport) import = NULL;
  g_autoptr(GPtrArray) payers = NULL;
  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  g_autofree char *tomorrow = pm_bill_korea_date (now + 24 * 3600);
  PmCsvOptions options = { 0 };
  GPtrArray *rows;

  g_return_val_if_fail (path != NULL, NULL);

  /* the plan's templates give the reason and message, and the run the expiry: the
   * reader only needs name, phone and amount */
  options.default_product = "-";
  options.default_message = "-";
  options.default_expiry = tomorrow;
  options.now_utc = now;
  import = pm_csv_import_path (path, &options, error);
  if (import == NULL)
    {
      if (error != NULL && *error != NULL && pm_error_get_field (*error) == NULL)
        {
          GError *e = *error;

          *error = pm_error_new_full (PM_ERROR_INVALID, PM_PLAN_FIELD_ROSTER, NULL, FALSE,
                                      e->message);
          g_error_free (e);
        }
      return NULL;
    }

  rows = pm_csv_import_get_rows (import);
  payers = g_ptr_array_new_with_free_func ((GDestroyNotify) pm_plan_payer_free);
  for (guint i = 0; i < rows->len; i++)
    {
      PmCsvRow *row = g_ptr_array_index (rows, i);
      const char *phone;
      gpointer first;

      if (row->errors->len > 0)
        {
          PmCsvRowError *e = g_ptr_array_index (row->errors, 0);
          g_autofree char *message = NULL;

          if (e->column >= 0)
            {
              g_autofree char *column = pm_csv_import_dup_column_name (import, e->column);

              message = g_strdup_printf (_("row %u, column %s: %s"), row->number, column,
                                         e->message);
            }
          else
            message = g_strdup_printf (_("row %u: %s"), row->number, e->message);
          pm_error_set_field_error (error, PM_ERROR_INVALID, PM_PLAN_FIELD_ROSTER, "%s",
                                    message);
          return NULL;
        }
      phone = pm_bill_get_phone (row->bill);
      if (g_hash_table_lookup_extended (seen, phone, NULL, &first))
        {
          g_autofree char *shown = pm_phone_format_display (phone);
          int column = pm_csv_import_get_column (import, PM_CSV_FIELD_PHONE);
          g_autofree char *name = pm_csv_import_dup_column_name (import, MAX (column, 0));
          g_autofree char *what =
            g_strdup_printf (_("the same payer as row %u (%s): each phone number can be "
                               "in a roster only once."), GPOINTER_TO_UINT (first), shown);

          pm_error_set_field_error (error, PM_ERROR_INVALID, PM_PLAN_FIELD_ROSTER,
                                    _("row %u, column %s: %s"), row->number, name, what);
          return NULL;
        }
      g_hash_table_insert (seen, (gpointer) phone, GUINT_TO_POINTER (row->number));
      g_ptr_array_add (payers, pm_plan_payer_new (pm_bill_get_payer_name (row->bill), phone,
                                                  pm_bill_get_price (row->bill), NULL));
    }
  if (payers->len == 0)
    {
      pm_error_set_field_error (error, PM_ERROR_INVALID, PM_PLAN_FIELD_ROSTER,
                                _("“%s” has no payer in it."), path);
      return NULL;
    }
  return g_steal_pointer (&payers);
}
