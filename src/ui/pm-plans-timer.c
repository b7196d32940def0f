/* pm-plans-timer.c — the systemd user timer that runs plans with the window closed
 *
 * Copyright 2026 The Paymint Desk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "pm-plans-timer.h"

static const char *
systemctl_program (void)
{
  const char *fake = g_getenv ("PM_SYSTEMCTL");

  return fake != NULL && *fake != '\0' ? fake : "systemctl";
}

/* Runs `systemctl --user VERB [--now] UNIT`; the task completes with the exit status
 * (int) and keeps stdout and stderr as data. */
static void
communicate_cb (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GSubprocess *process = G_SUBPROCESS (object);
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autoptr(GError) error = NULL;

  if (!g_subprocess_communicate_utf8_finish (process, result, &out, &err, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  g_object_set_data_full (G_OBJECT (task), "pm-stdout", g_strstrip (g_strdup (out ? out : "")),
                          g_free);
  g_object_set_data_full (G_OBJECT (task), "pm-stderr", g_strstrip (g_strdup (err ? err : "")),
                          g_free);
  g_task_return_int (task, g_subprocess_get_if_exited (process)
                             ? g_subprocess_get_exit_status (process) : 255);
}

static GTask *
run_systemctl (const char          *verb,
               gboolean             now,
               gpointer             source_tag,
               GCancellable        *cancellable,
               GAsyncReadyCallback  callback,
               gpointer             user_data)
{
  GTask *task = g_task_new (NULL, cancellable, callback, user_data);
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GError) error = NULL;
  const char *argv[6];
  int n = 0;

  g_task_set_source_tag (task, source_tag);
  argv[n++] = systemctl_program ();
  argv[n++] = "--user";
  argv[n++] = verb;
  if (now)
    argv[n++] = "--now";
  argv[n++] = PM_PLANS_TIMER_UNIT;
  argv[n] = NULL;
  process = g_subprocess_newv (argv, G_SUBPROCESS_FLAGS_STDOUT_PIPE
                                       | G_SUBPROCESS_FLAGS_STDERR_PIPE, &error);
  if (process == NULL)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                               _("The system’s service manager (systemctl) could not be "
                                 "started: %s"), error->message);
      return task;
    }
  g_subprocess_communicate_utf8_async (process, NULL, cancellable, communicate_cb,
                                       g_object_ref (task));
  return task;
}

/* A failed systemctl, in a sentence: its own first line of complaint. */
static GError *
systemctl_error (GTask *task,
                 int    status)
{
  const char *err = g_object_get_data (G_OBJECT (task), "pm-stderr");
  g_autofree char *first = NULL;

  if (err != NULL && *err != '\0')
    {
      const char *nl = strchr (err, '\n');

      first = nl != NULL ? g_strndup (err, nl - err) : g_strdup (err);
    }
  else
    first = g_strdup_printf (_("it stopped with status %d"), status);
  return g_error_new (G_IO_ERROR, G_IO_ERROR_FAILED,
                      _("The system’s service manager did not answer: %s"), first);
}

static void
query_cb (GObject      *object,
          GAsyncResult *result,
          gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GTask *inner = G_TASK (result);
  g_autoptr(GError) error = NULL;
  gssize status = g_task_propagate_int (inner, &error);
  const char *out;

  if (error != NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  out = g_object_get_data (G_OBJECT (inner), "pm-stdout");
  /* is-enabled prints the unit file's state: "enabled" (0) or "disabled", "static",
   * "masked", … (non-zero); nothing on stdout means it could not ask at all */
  if (status == 0 && out != NULL && g_str_has_prefix (out, "enabled"))
    g_task_return_int (task, 1);
  else if (out != NULL && *out != '\0' && strchr (out, ' ') == NULL)
    g_task_return_int (task, 0);
  else
    g_task_return_error (task, systemctl_error (inner, (int) status));
}

void
pm_plans_timer_query_async (GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  GTask *task = g_task_new (NULL, cancellable, callback, user_data);
  g_autoptr(GTask) inner = NULL;

  g_task_set_source_tag (task, pm_plans_timer_query_async);
  inner = run_systemctl ("is-enabled", FALSE, pm_plans_timer_query_async, cancellable,
                         query_cb, task);
}

gboolean
pm_plans_timer_query_finish (GAsyncResult  *result,
                             gboolean      *enabled,
                             GError       **error)
{
  gssize value;

  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);

  value = g_task_propagate_int (G_TASK (result), error);
  if (value < 0)
    return FALSE;
  if (enabled != NULL)
    *enabled = value == 1;
  return TRUE;
}

static void
set_enabled_cb (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GTask *inner = G_TASK (result);
  g_autoptr(GError) error = NULL;
  gssize status = g_task_propagate_int (inner, &error);

  if (error != NULL)
    g_task_return_error (task, g_steal_pointer (&error));
  else if (status != 0)
    g_task_return_error (task, systemctl_error (inner, (int) status));
  else
    g_task_return_boolean (task, TRUE);
}

void
pm_plans_timer_set_enabled_async (gboolean             enabled,
                                  GCancellable        *cancellable,
                                  GAsyncReadyCallback  callback,
                                  gpointer             user_data)
{
  GTask *task = g_task_new (NULL, cancellable, callback, user_data);
  g_autoptr(GTask) inner = NULL;

  g_task_set_source_tag (task, pm_plans_timer_set_enabled_async);
  inner = run_systemctl (enabled ? "enable" : "disable", TRUE, pm_plans_timer_set_enabled_async,
                         cancellable, set_enabled_cb, task);
}

gboolean
pm_plans_timer_set_enabled_finish (GAsyncResult  *result,
                                   GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/* ---- the row ---- */

struct _PmPlansTimerRow
{
  AdwActionRow  parent_instance;

  GtkSwitch    *toggle;
  GCancellable *cancellable;
  gboolean      busy;
  gboolean      known;    /* the timer's state was read */
};

G_DEFINE_FINAL_TYPE (PmPlansTimerRow, pm_plans_timer_row, ADW_TYPE_ACTION_ROW)

enum { PROP_0, PROP_BUSY, N_PROPS };
static GParamSpec *properties[N_PROPS];

static void
set_busy (PmPlansTimerRow *self,
          gboolean         busy)
{
  self->busy = busy;
  gtk_widget_set_sensitive (GTK_WIDGET (self->toggle), !busy && self->known);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_BUSY]);
}

static void
show_state (PmPlansTimerRow *self,
            gboolean         enabled)
{
  self->known = TRUE;
  gtk_switch_set_state (self->toggle, enabled);
  gtk_switch_set_active (self->toggle, enabled);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (self),
                               enabled ? _("On: plans are sent at their time by the system, "
                                           "also when this window is closed")
                                       : _("Off: plans are sent only while this window is "
                                           "open"));
}

static void
show_error (PmPlansTimerRow *self,
            const GError    *error)
{
  g_autofree char *escaped = g_markup_escape_text (error->message, -1);

  adw_action_row_set_subtitle (ADW_ACTION_ROW (self), escaped);
}

static void
queried_cb (GObject      *object,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(PmPlansTimerRow) self = user_data;
  g_autoptr(GError) error = NULL;
  gboolean enabled = FALSE;

  if (!pm_plans_timer_query_finish (result, &enabled, &error))
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      self->known = FALSE;
      show_error (self, error);
    }
  else
    show_state (self, enabled);
  set_busy (self, FALSE);
}

static void
query (PmPlansTimerRow *self)
{
  set_busy (self, TRUE);
  pm_plans_timer_query_async (self->cancellable, queried_cb, g_object_ref (self));
}

static void
changed_cb (GObject      *object,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(PmPlansTimerRow) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!pm_plans_timer_set_enabled_finish (result, &error))
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      /* back to what it is, with why it did not change */
      gtk_switch_set_active (self->toggle, gtk_switch_get_state (self->toggle));
      show_error (self, error);
      set_busy (self, FALSE);
      return;
    }
  /* read back what the system says now */
  query (self);
}

static gboolean
state_set_cb (GtkSwitch       *toggle,
              gboolean         state,
              PmPlansTimerRow *self)
{
  if (self->busy || !self->known || state == gtk_switch_get_state (toggle))
    return TRUE;
  set_busy (self, TRUE);
  pm_plans_timer_set_enabled_async (state, self->cancellable, changed_cb, g_object_ref (self));
  return TRUE;   /* the state follows the system's answer */
}

static void
pm_plans_timer_row_dispose (GObject *object)
{
  PmPlansTimerRow *self = PM_PLANS_TIMER_ROW (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);

  G_OBJECT_CLASS (pm_plans_timer_row_parent_class)->dispose (object);
}

static void
pm_plans_timer_row_get_property (GObject    *object,
                                 guint       prop_id,
                                 GValue     *value,
                                 GParamSpec *pspec)
{
  PmPlansTimerRow *self = PM_PLANS_TIMER_ROW (object);

  switch (prop_id)
    {
    case PROP_BUSY:
      g_value_set_boolean (value, self->busy);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
pm_plans_timer_row_class_init (PmPlansTimerRowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = pm_plans_timer_row_dispose;
  object_class->get_property = pm_plans_timer_row_get_property;

  properties[PROP_BUSY] = g_param_spec_boolean ("busy", NULL, NULL, FALSE,
                                                G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
pm_plans_timer_row_init (PmPlansTimerRow *self)
{
  self->cancellable = g_cancellable_new ();
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self),
                                 _("Send Plans on Time Even When Paymint Desk Is Closed"));
  adw_action_row_set_subtitle (ADW_ACTION_ROW (self), _("Checking…"));
  self->toggle = GTK_SWITCH (gtk_switch_new ());
  gtk_widget_set_valign (GTK_WIDGET (self->toggle), GTK_ALIGN_CENTER);
  gtk_widget_set_sensitive (GTK_WIDGET (self->toggle), FALSE);
  adw_action_row_add_suffix (ADW_ACTION_ROW (self), GTK_WIDGET (self->toggle));
  adw_action_row_set_activatable_widget (ADW_ACTION_ROW (self), GTK_WIDGET (self->toggle));
  g_signal_connect_object (self->toggle, "state-set", G_CALLBACK (state_set_cb), self, 0);
  query (self);
}

GtkWidget *
pm_plans_timer_row_new (void)
{
  return g_object_new (PM_TYPE_PLANS_TIMER_ROW, NULL);
}

gboolean
pm_plans_timer_row_get_busy (PmPlansTimerRow *self)
{
  g_return_val_if_fail (PM_IS_PLANS_TIMER_ROW (self), FALSE);

  return self->busy;
}
