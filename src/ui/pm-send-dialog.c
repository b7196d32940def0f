/* pm-send-dialog.c — the New Request form
 *
 * Copyright 2026 The Paymint Desk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The widget side of one payment request. The rules — what each field may hold, the
 * stage of the send, the duplicate guard, the draft, the templates — live in PmSendForm
 * (src/core); this window binds its fields to the form's properties and shows what the
 * form decides: each message in a space kept free under its field (so a message never
 * moves the fields below), the questions before sending and before closing a filled
 * form, the suggestions of earlier payers, and a calendar that offers only the days the
 * engine accepts. "send.send" does something only while the form can send, so a double
 * click or a second Ctrl+Enter never sends twice.
 */

#include "config.h"

#include <glib/gi18n.h>

#include "pm-send-dialog.h"
#include "pm-application.h"
#include "pm-error.h"
#include "pm-money.h"
#include "pm-phone.h"
#include "pm-send-form.h"
#include "pm-ui.h"
#include "pm-window.h"

#define N_SUGGESTIONS 6

struct _PmSendDialog
{
  AdwWindow       parent_instance;

  PmSendForm     *form;             /* the rules, and the service they send through */
  GSettings      *settings;
  GCancellable   *cancellable;
  gboolean        close_when_done;
  gboolean        discard_confirmed; /* the clerk chose Discard: close without asking */
  gboolean        filling;           /* the form itself is changing a text */
  gboolean        syncing_calendar;  /* the calendar is being set from the form */
  GtkWidget      *focus_before;      /* weak: where to go back after a question */

  GtkWidget      *name_popover;
  GtkListBox     *name_list;
  GtkWidget      *phone_popover;
  GtkListBox     *phone_list;

  GtkWidget      *cancel_button;
  GtkWidget      *send_button;
  GtkSpinner     *send_spinner;
  GtkRevealer    *banner_revealer;
  GtkLabel       *banner_title;
  GtkLabel       *banner_label;
  GtkRevealer    *draft_revealer;
  GtkWidget      *form_box;
  GtkWidget      *name_entry;
  GtkLabel       *name_error;
  GtkWidget      *phone_entry;
  GtkLabel       *phone_error;
  GtkWidget      *amount_entry;
  GtkLabel       *amount_words;
  GtkLabel       *amount_error;
  GtkWidget      *product_entry;
  GtkLabel       *product_error;
  GtkMenuButton  *template_button;
  GtkTextView    *message_view;
  GtkLabel       *message_error;
  GtkMenuButton  *expiry_button;
  GtkPopover     *expiry_popover;
  GtkCalendar    *expiry_calendar;
  GtkLabel       *expiry_hint;
  GtkLabel       *expiry_error;
  GtkWidget      *note_entry;
};

G_DEFINE_FINAL_TYPE (PmSendDialog, pm_send_dialog, ADW_TYPE_WINDOW)

enum
{
  SENT,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void send_draft (PmSendDialog *self);

/* ---- fields and their widgets ---- */

static GtkWidget *
field_input (PmSendDialog    *self,
             PmSendFormField  field)
{
  switch (field)
    {
    case PM_SEND_FORM_FIELD_PAYER_NAME:
      return self->name_entry;
    case PM_SEND_FORM_FIELD_PHONE:
      return self->phone_entry;
    case PM_SEND_FORM_FIELD_AMOUNT:
      return self->amount_entry;
    case PM_SEND_FORM_FIELD_REASON:
      return self->product_entry;
    case PM_SEND_FORM_FIELD_MESSAGE:
      return GTK_WIDGET (self->message_view);
    case PM_SEND_FORM_FIELD_EXPIRE_DATE:
      return GTK_WIDGET (self->expiry_button);
    case PM_SEND_FORM_FIELD_NOTE:
      return self->note_entry;
    case PM_SEND_FORM_FIELD_NONE:
    case PM_SEND_FORM_N_FIELDS:
    default:
      return NULL;
    }
}

static GtkLabel *
field_error_label (PmSendDialog    *self,
                   PmSendFormField  field)
{
  switch (field)
    {
    case PM_SEND_FORM_FIELD_PAYER_NAME:
      return self->name_error;
    case PM_SEND_FORM_FIELD_PHONE:
      return self->phone_error;
    case PM_SEND_FORM_FIELD_AMOUNT:
      return self->amount_error;
    case PM_SEND_FORM_FIELD_REASON:
      return self->product_error;
    case PM_SEND_FORM_FIELD_MESSAGE:
      return self->message_error;
    case PM_SEND_FORM_FIELD_EXPIRE_DATE:
      return self->expiry_error;
    case PM_SEND_FORM_FIELD_NOTE:
    case PM_SEND_FORM_FIELD_NONE:
    case PM_SEND_FORM_N_FIELDS:
    default:
      return NULL;
    }
}

static PmSendFormField
field_of_input (PmSendDialog *self,
                GtkWidget    *widget)
{
  for (int f = 0; f < PM_SEND_FORM_N_FIELDS; f++)
    if (field_input (self, (PmSendFormField) f) == widget)
      return (PmSendFormField) f;
  return PM_SEND_FORM_FIELD_NONE;
}

/* The field's message, in the space kept for it; the input gets the "error" class while
 * there is an error. A warning (an old-style phone number) is shown without blocking. */
static void
show_field_state (PmSendDialog    *self,
                  PmSendFormField  field)
{
  GtkWidget *input = field_input (self, field);
  GtkLabel *label = field_error_label (self, field);
  const char *error = pm_send_form_get_error (self->form, field);
  const char *warning = field == PM_SEND_FORM_FIELD_PHONE
                          ? pm_send_form_get_phone_warning (self->form) : NULL;
  const char *text = error != NULL ? error : warning;

  gtk_label_set_label (label, text != NULL ? text : "");
  gtk_widget_set_tooltip_text (GTK_WIDGET (label), text);
  gtk_widget_set_visible (GTK_WIDGET (label), text != NULL);
  if (error == NULL && warning != NULL)
    {
      gtk_widget_remove_css_class (GTK_WIDGET (label), "error");
      gtk_widget_add_css_class (GTK_WIDGET (label), "warning");
    }
  else
    {
      gtk_widget_remove_css_class (GTK_WIDGET (label), "warning");
      gtk_widget_add_css_class (GTK_WIDGET (label), "error");
    }
  if (error != NULL)
    gtk_widget_add_css_class (input, "error");
  else
    gtk_widget_remove_css_class (input, "error");
}

static void
form_error_notify_cb (PmSendForm   *form,
                      GParamSpec   *pspec,
                      PmSendDialog *self)
{
  for (int f = 0; f < PM_SEND_FORM_FIELD_NOTE; f++)
    show_field_state (self, (PmSendFormField) f);
}

/* ---- binding transforms ---- */

static gboolean
string_to_label_cb (GBinding     *binding,
                    const GValue *from,
                    GValue       *to,
                    gpointer      user_data)
{
  const char *text = g_value_get_string (from);

  g_value_set_string (to, text != NULL ? text : "");
  return TRUE;
}

static gboolean
string_to_visible_cb (GBinding     *binding,
                      const GValue *from,
                      GValue       *to,
                      gpointer      user_data)
{
  const char *text = g_value_get_string (from);

  g_value_set_boolean (to, text != NULL && *text != '\0');
  return TRUE;
}

static gboolean
stage_to_sending_cb (GBinding     *binding,
                     const GValue *from,
                     GValue       *to,
                     gpointer      user_data)
{
  g_value_set_boolean (to, g_value_get_enum (from) == PM_SEND_FORM_STAGE_SENDING);
  return TRUE;
}

static gboolean
stage_to_editable_cb (GBinding     *binding,
                      const GValue *from,
                      GValue       *to,
                      gpointer      user_data)
{
  int stage = g_value_get_enum (from);

  g_value_set_boolean (to, stage == PM_SEND_FORM_STAGE_EDITING
                             || stage == PM_SEND_FORM_STAGE_CONFIRMING);
  return TRUE;
}

static gboolean
uint_to_nonzero_cb (GBinding     *binding,
                    const GValue *from,
                    GValue       *to,
                    gpointer      user_data)
{
  g_value_set_boolean (to, g_value_get_uint (from) > 0);
  return TRUE;
}

/* ---- banner ---- */

static void
hide_banner (PmSendDialog *self)
{
  gtk_revealer_set_reveal_child (self->banner_revealer, FALSE);
}

static void
show_banner (PmSendDialog *self,
             const char   *title,
             const char   *text)
{
  gtk_label_set_label (self->banner_title, title);
  gtk_label_set_label (self->banner_label, text);
  gtk_revealer_set_reveal_child (self->banner_revealer, TRUE);
}

/* ---- the expiry date: a calendar that offers only the days the engine takes ---- */

static void
select_calendar_date (PmSendDialog *self,
                      const GDate  *date)
{
  g_autoptr(GDateTime) dt = g_date_time_new_local (g_date_get_year (date),
                                                   g_date_get_month (date),
                                                   g_date_get_day (date), 12, 0, 0);

  if (dt == NULL)
    return;
  self->syncing_calendar = TRUE;
  gtk_calendar_select_day (self->expiry_calendar, dt);
  self->syncing_calendar = FALSE;
}

static void
calendar_get_gdate (GtkCalendar *calendar,
                    GDate       *date)
{
  g_autoptr(GDateTime) dt = gtk_calendar_get_date (calendar);

  g_date_clear (date, 1);
  g_date_set_dmy (date, (GDateDay) g_date_time_get_day_of_month (dt),
                  (GDateMonth) g_date_time_get_month (dt),
                  (GDateYear) g_date_time_get_year (dt));
}

/* GtkCalendar (GTK 4.8) cannot disable days. Its day cells are labels with the
 * "day-number" class ("other-month" for the days of the months around it); an
 * insensitive label is not picked, so a click on it selects nothing, and it is drawn
 * dimmed. Keyboard selection is caught by the clamp in expiry_day_selected_cb. */
static void
mark_calendar_days (PmSendDialog *self,
                    GtkWidget    *widget,
                    int           year,
                    int           month, /* 1–12 */
                    const GDate  *first,
                    const GDate  *last)
{
  for (GtkWidget *child = gtk_widget_get_first_child (widget);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      if (GTK_IS_LABEL (child) && gtk_widget_has_css_class (child, "day-number"))
        {
          int day = atoi (gtk_label_get_label (GTK_LABEL (child)));
          int y = year, m = month;
          GDate date;

          if (gtk_widget_has_css_class (child, "other-month"))
            {
              /* the first row shows the end of the month before, the last rows the
               * start of the month after */
              m += day > 15 ? -1 : 1;
              if (m == 0)
                m = 12, y--;
              else if (m == 13)
                m = 1, y++;
            }
          g_date_clear (&date, 1);
          if (g_date_valid_dmy ((GDateDay) day, (GDateMonth) m, (GDateYear) y))
            {
              g_date_set_dmy (&date, (GDateDay) day, (GDateMonth) m, (GDateYear) y);
              gtk_widget_set_sensitive (child, g_date_compare (&date, first) >= 0
                                                 && g_date_compare (&date, last) <= 0);
            }
          continue;
        }
      mark_calendar_days (self, child, year, month, first, last);
    }
}

static void
refresh_calendar_days (PmSendDialog *self)
{
  GDate first, last;
  int year = 0, month = 0;

  pm_send_form_get_expire_range (self->form, &first, &last);
  g_object_get (self->expiry_calendar, "year", &year, "month", &month, NULL);
  mark_calendar_days (self, GTK_WIDGET (self->expiry_calendar), year, month + 1, &first,
                      &last);
}

static void
expiry_day_selected_cb (GtkCalendar  *calendar,
                        PmSendDialog *self)
{
  GDate date, first, last;
  char text[16];

  if (self->syncing_calendar)
    {
      refresh_calendar_days (self);
      return;
    }
  calendar_get_gdate (calendar, &date);
  pm_send_form_get_expire_range (self->form, &first, &last);
  /* a day outside the range is refused: the nearest day allowed is taken instead */
  if (g_date_compare (&date, &first) < 0)
    date = first;
  else if (g_date_compare (&date, &last) > 0)
    date = last;
  g_snprintf (text, sizeof text, "%04d-%02d-%02d", g_date_get_year (&date),
              g_date_get_month (&date), g_date_get_day (&date));
  select_calendar_date (self, &date);
  pm_send_form_set_text (self->form, PM_SEND_FORM_FIELD_EXPIRE_DATE, text);
  refresh_calendar_days (self);
}

static void
calendar_moved_cb (GtkCalendar  *calendar,
                   PmSendDialog *self)
{
  refresh_calendar_days (self);
}

/* The form's date shown on the calendar as it is, even a stale one from a draft (its
 * error says what is wrong with it). */
static void
form_expire_date_notify_cb (PmSendForm   *form,
                            GParamSpec   *pspec,
                            PmSendDialog *self)
{
  const char *text = pm_send_form_get_text (form, PM_SEND_FORM_FIELD_EXPIRE_DATE);
  GDate date, shown;
  int y, m, d;

  if (text == NULL || sscanf (text, "%d-%d-%d", &y, &m, &d) != 3
      || !g_date_valid_dmy ((GDateDay) d, (GDateMonth) m, (GDateYear) y))
    return;
  g_date_clear (&date, 1);
  g_date_set_dmy (&date, (GDateDay) d, (GDateMonth) m, (GDateYear) y);
  calendar_get_gdate (self->expiry_calendar, &shown);
  if (g_date_compare (&date, &shown) != 0)
    select_calendar_date (self, &date);
}

static void
expiry_popover_show_cb (GtkWidget    *popover,
                        PmSendDialog *self)
{
  /* the day may have changed since the form opened */
  refresh_calendar_days (self);
}

/* ---- message templates ---- */

static void
rebuild_template_menu (PmSendDialog *self)
{
  g_autoptr(GVariant) templates = NULL;
  g_autoptr(GMenu) menu = g_menu_new ();
  guint n = pm_send_form_get_n_templates (self->form);

  g_object_get (self->form, "templates", &templates, NULL);
  for (guint i = 0; i < n; i++)
    {
      const char *name = NULL;
      g_auto(GStrv) parts = NULL;
      g_autofree char *label = NULL;
      g_autoptr(GMenuItem) item = NULL;

      g_variant_get_child (templates, i, "(&s&s)", &name, NULL);
      /* a menu reads "_" as a mnemonic: show the name as written */
      parts = g_strsplit (name, "_", -1);
      label = g_strjoinv ("__", parts);
      item = g_menu_item_new (label, NULL);
      g_menu_item_set_action_and_target_value (item, "send.apply-template",
                                               g_variant_new_int32 ((gint32) i));
      g_menu_append_item (menu, item);
    }
  gtk_menu_button_set_menu_model (self->template_button, G_MENU_MODEL (menu));
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->template_button),
                               n > 0 ? _("Fill the Message From a Template")
                                     : _("No Templates Yet — Add Them in Preferences"));
}

static void
form_templates_notify_cb (PmSendForm   *form,
                          GParamSpec   *pspec,
                          PmSendDialog *self)
{
  rebuild_template_menu (self);
}

static void
templates_changed_cb (GSettings    *settings,
                      const char   *key,
                      PmSendDialog *self)
{
  g_autoptr(GVariant) templates = g_settings_get_value (settings, "message-templates");

  g_object_set (self->form, "templates", templates, NULL);
}

static void
apply_template_cb (GtkWidget  *widget,
                   const char *action_name,
                   GVariant   *parameter)
{
  PmSendDialog *self = PM_SEND_DIALOG (widget);
  int index = g_variant_get_int32 (parameter);

  if (index >= 0)
    pm_send_form_apply_template (self->form, (guint) index);
}

/* ---- recent payers ---- */

static GtkWidget *
payer_row_new (const PmLedgerPayer *payer)
{
  g_autofree char *phone = pm_phone_format_display (payer->phone);
  GtkWidget *row = gtk_list_box_row_new ();
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 12);
  GtkWidget *name = gtk_label_new (payer->name);
  GtkWidget *number = gtk_label_new (phone);

  gtk_widget_set_hexpand (name, TRUE);
  gtk_label_set_xalign (GTK_LABEL (name), 0);
  gtk_label_set_ellipsize (GTK_LABEL (name), PANGO_ELLIPSIZE_END);
  gtk_widget_add_css_class (number, "dim-label");
  gtk_widget_add_css_class (number, "amount");
  gtk_widget_set_margin_start (box, 6);
  gtk_widget_set_margin_end (box, 6);
  gtk_widget_set_margin_top (box, 4);
  gtk_widget_set_margin_bottom (box, 4);
  gtk_box_append (GTK_BOX (box), name);
  gtk_box_append (GTK_BOX (box), number);
  gtk_list_box_row_set_child (GTK_LIST_BOX_ROW (row), box);
  /* the entry keeps the keyboard while the list is open */
  gtk_widget_set_focusable (row, FALSE);
  g_object_set_data_full (G_OBJECT (row), "pm-name", g_strdup (payer->name), g_free);
  g_object_set_data_full (G_OBJECT (row), "pm-phone", g_strdup (payer->phone), g_free);
  return row;
}

static void
hide_suggestions (PmSendDialog *self)
{
  gtk_popover_popdown (GTK_POPOVER (self->name_popover));
  gtk_popover_popdown (GTK_POPOVER (self->phone_popover));
}

static void
suggest_payers (PmSendDialog    *self,
                PmSendFormField  field)
{
  gboolean is_name = field == PM_SEND_FORM_FIELD_PAYER_NAME;
  GtkWidget *popover = is_name ? self->name_popover : self->phone_popover;
  GtkListBox *list = is_name ? self->name_list : self->phone_list;
  g_autoptr(GPtrArray) payers = pm_send_form_suggest_payers (self->form, field, N_SUGGESTIONS);
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (list))) != NULL)
    gtk_list_box_remove (list, child);
  if (payers->len == 0)
    {
      gtk_popover_popdown (GTK_POPOVER (popover));
      return;
    }
  for (guint i = 0; i < payers->len; i++)
    gtk_list_box_append (list, payer_row_new (g_ptr_array_index (payers, i)));
  gtk_list_box_unselect_all (list);
  gtk_popover_popup (GTK_POPOVER (popover));
}

static void
pick_payer (PmSendDialog  *self,
            GtkListBoxRow *row)
{
  const char *name = g_object_get_data (G_OBJECT (row), "pm-name");
  const char *phone = g_object_get_data (G_OBJECT (row), "pm-phone");

  hide_suggestions (self);
  self->filling = TRUE;
  pm_send_form_pick_payer (self->form, name, phone);
  self->filling = FALSE;
  gtk_widget_grab_focus (self->amount_entry);
}

static void
payer_row_activated_cb (GtkListBox    *list,
                        GtkListBoxRow *row,
                        PmSendDialog  *self)
{
  pick_payer (self, row);
}

/* Up and Down move through the open list, Enter picks, Escape closes it. */
static gboolean
suggestion_key_cb (GtkEventControllerKey *controller,
                   guint                  keyval,
                   guint                  keycode,
                   GdkModifierType        state,
                   PmSendDialog          *self)
{
  GtkWidget *entry = gtk_event_controller_get_widget (GTK_EVENT_CONTROLLER (controller));
  gboolean is_name = entry == self->name_entry;
  GtkWidget *popover = is_name ? self->name_popover : self->phone_popover;
  GtkListBox *list = is_name ? self->name_list : self->phone_list;
  GtkListBoxRow *selected;
  int index;

  if (!gtk_widget_get_visible (popover))
    return FALSE;
  selected = gtk_list_box_get_selected_row (list);
  index = selected != NULL ? gtk_list_box_row_get_index (selected) : -1;
  switch (keyval)
    {
    case GDK_KEY_Down:
    case GDK_KEY_KP_Down:
      {
        GtkListBoxRow *next = gtk_list_box_get_row_at_index (list, index + 1);

        if (next != NULL)
          gtk_list_box_select_row (list, next);
        return TRUE;
      }
    case GDK_KEY_Up:
    case GDK_KEY_KP_Up:
      if (index > 0)
        gtk_list_box_select_row (list, gtk_list_box_get_row_at_index (list, index - 1));
      else
        gtk_list_box_unselect_all (list);
      return TRUE;
    case GDK_KEY_Return:
    case GDK_KEY_KP_Enter:
    case GDK_KEY_ISO_Enter:
      if (selected == NULL || (state & GDK_CONTROL_MASK) != 0)
        return FALSE;
      pick_payer (self, selected);
      return TRUE;
    case GDK_KEY_Escape:
      gtk_popover_popdown (GTK_POPOVER (popover));
      return TRUE;
    default:
      return FALSE;
    }
}

static GtkWidget *
suggestion_popover_new (PmSendDialog  *self,
                        GtkWidget     *entry,
                        GtkListBox   **list_out)
{
  GtkWidget *popover = gtk_popover_new ();
  GtkWidget *list = gtk_list_box_new ();
  GtkEventController *keys = gtk_event_controller_key_new ();

  gtk_popover_set_autohide (GTK_POPOVER (popover), FALSE);
  gtk_popover_set_has_arrow (GTK_POPOVER (popover), FALSE);
  gtk_popover_set_position (GTK_POPOVER (popover), GTK_POS_BOTTOM);
  gtk_widget_set_halign (popover, GTK_ALIGN_START);
  gtk_list_box_set_selection_mode (GTK_LIST_BOX (list), GTK_SELECTION_SINGLE);
  gtk_list_box_set_activate_on_single_click (GTK_LIST_BOX (list), TRUE);
  gtk_widget_set_focusable (list, FALSE);
  gtk_widget_set_size_request (list, 280, -1);
  gtk_widget_add_css_class (list, "navigation-sidebar");
  gtk_popover_set_child (GTK_POPOVER (popover), list);
  gtk_widget_set_parent (popover, entry);
  g_signal_connect_object (list, "row-activated", G_CALLBACK (payer_row_activated_cb), self, 0);

  gtk_event_controller_set_propagation_phase (keys, GTK_PHASE_CAPTURE);
  g_signal_connect_object (keys, "key-pressed", G_CALLBACK (suggestion_key_cb), self, 0);
  gtk_widget_add_controller (entry, keys);

  *list_out = GTK_LIST_BOX (list);
  return popover;
}

/* ---- editing ---- */

/* Typing a name or number offers earlier payers; the form's own changes do not. */
static void
form_name_notify_cb (PmSendForm   *form,
                     GParamSpec   *pspec,
                     PmSendDialog *self)
{
  if (!self->filling)
    suggest_payers (self, PM_SEND_FORM_FIELD_PAYER_NAME);
}

static void
form_phone_notify_cb (PmSendForm   *form,
                      GParamSpec   *pspec,
                      PmSendDialog *self)
{
  if (!self->filling)
    suggest_payers (self, PM_SEND_FORM_FIELD_PHONE);
}

/* Leaving a field: the form counts it as touched and shows a good phone number or
 * amount in its usual form (010-1234-5678, ₩120,000). */
static void
focus_leave_cb (GtkEventControllerFocus *controller,
                PmSendDialog            *self)
{
  GtkWidget *widget = gtk_event_controller_get_widget (GTK_EVENT_CONTROLLER (controller));
  PmSendFormField field = field_of_input (self, widget);

  if (field == PM_SEND_FORM_FIELD_NONE)
    return;
  if (field == PM_SEND_FORM_FIELD_PAYER_NAME)
    gtk_popover_popdown (GTK_POPOVER (self->name_popover));
  else if (field == PM_SEND_FORM_FIELD_PHONE)
    gtk_popover_popdown (GTK_POPOVER (self->phone_popover));
  self->filling = TRUE;
  pm_send_form_leave_field (self->form, field);
  self->filling = FALSE;
}

static void
watch_focus (PmSendDialog *self,
             GtkWidget    *widget)
{
  GtkEventController *focus = gtk_event_controller_focus_new ();

  g_signal_connect_object (focus, "leave", G_CALLBACK (focus_leave_cb), self, 0);
  gtk_widget_add_controller (widget, focus);
}

static void
form_can_send_notify_cb (PmSendForm   *form,
                         GParamSpec   *pspec,
                         PmSendDialog *self)
{
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "send.send",
                                 pm_send_form_get_can_send (form));
}

/* ---- questions over the form ---- */

/* Shows a question over the form. The text field with the focus gives it up first: GTK
 * 4.8 does not tell a text field of an inactive window that it lost the focus, and its
 * cursor would keep blinking (and warning) behind the dialog. It gets it back when the
 * clerk returns to the form. */
static void
present_question (PmSendDialog *self,
                  GtkWidget    *dialog)
{
  GtkWidget *focus = gtk_root_get_focus (GTK_ROOT (self));

  /* a question after a question: the field from before the first one is kept */
  if (focus != NULL)
    g_set_weak_pointer (&self->focus_before, focus);
  gtk_window_set_focus (GTK_WINDOW (self), NULL);
  gtk_window_set_destroy_with_parent (GTK_WINDOW (dialog), TRUE);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
back_to_form (PmSendDialog *self)
{
  GtkWidget *focus = self->focus_before != NULL ? self->focus_before : self->name_entry;

  g_clear_weak_pointer (&self->focus_before);
  gtk_widget_grab_focus (focus);
}

static void
confirm_response_cb (AdwMessageDialog *dialog,
                     const char       *response,
                     PmSendDialog     *self)
{
  if (pm_send_form_get_stage (self->form) != PM_SEND_FORM_STAGE_CONFIRMING)
    return;
  if (g_strcmp0 (response, "send") == 0)
    send_draft (self);
  else
    {
      pm_send_form_cancel_send (self->form);
      back_to_form (self);
    }
}

static void
ask_confirm (PmSendDialog *self)
{
  PmBill *draft = pm_send_form_get_draft_bill (self->form);
  g_autofree char *amount = pm_money_format (pm_bill_get_price (draft));
  g_autofree char *words = pm_money_format_korean (pm_bill_get_price (draft));
  g_autofree char *phone = pm_phone_format_display (pm_bill_get_phone (draft));
  g_autofree char *heading = NULL;
  g_autofree char *body = NULL;
  GtkWidget *dialog;

  heading = g_strdup_printf (_("Send %s to %s?"), amount, pm_bill_get_payer_name (draft));
  /* Translators: the summary before sending; payer, mobile number, amount in figures,
   * amount in Korean words, what it is for, the last day to pay */
  body = g_strdup_printf (_("Payer: %s\n"
                            "Mobile: %s\n"
                            "Amount: %s (%s)\n"
                            "For: %s\n"
                            "Last day to pay: %s\n\n"
                            "The payer gets a payment link by KakaoTalk. "
                            "Sending uses Paymint balance."),
                          pm_bill_get_payer_name (draft), phone, amount, words,
                          pm_bill_get_product (draft), pm_bill_get_expire_date (draft));

  dialog = adw_message_dialog_new (GTK_WINDOW (self), heading, body);
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog),
                                    "cancel", _("_Back"),
                                    "send", _("_Send"),
                                    NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "send",
                                              ADW_RESPONSE_SUGGESTED);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "send");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  g_signal_connect_object (dialog, "response", G_CALLBACK (confirm_response_cb), self, 0);
  present_question (self, dialog);
}

static void
duplicate_response_cb (AdwMessageDialog *dialog,
                       const char       *response,
                       PmSendDialog     *self)
{
  if (pm_send_form_get_stage (self->form) != PM_SEND_FORM_STAGE_CONFIRMING)
    return;
  if (g_strcmp0 (response, "send") == 0)
    ask_confirm (self);
  else
    {
      pm_send_form_cancel_send (self->form);
      back_to_form (self);
    }
}

static void
ask_duplicate (PmSendDialog *self,
               PmBill       *earlier,
               gboolean      same_amount)
{
  gint64 now = pm_send_form_get_now (self->form);
  g_autofree char *amount = pm_money_format (pm_bill_get_price (earlier));
  g_autofree char *phone = pm_phone_format_display (pm_bill_get_phone (earlier));
  g_autofree char *when = pm_ui_format_time (pm_bill_get_created_at (earlier));
  g_autofree char *ago = pm_ui_format_relative (pm_bill_get_created_at (earlier), now);
  g_autofree char *body = NULL;
  GtkWidget *dialog;

  if (same_amount)
    /* Translators: payer, mobile number, amount, "5 min ago", "2026-11-23 14:05" */
    body = g_strdup_printf (_("%s (%s) already has an unpaid bill for %s, sent %s (%s). "
                              "Send another request for the same amount anyway?"),
                            pm_bill_get_payer_name (earlier), phone, amount, ago, when);
  else
    /* Translators: payer, mobile number, amount, "5 min ago", "2026-11-23 14:05" */
    body = g_strdup_printf (_("A bill to %s (%s) for %s was sent only %s (%s). "
                              "Send another request to the same number anyway?"),
                            pm_bill_get_payer_name (earlier), phone, amount, ago, when);

  dialog = adw_message_dialog_new (GTK_WINDOW (self), _("Send Anyway?"), body);
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog),
                                    "cancel", _("_Don’t Send"),
                                    "send", _("Send _Anyway"),
                                    NULL);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  g_signal_connect_object (dialog, "response", G_CALLBACK (duplicate_response_cb), self, 0);
  present_question (self, dialog);
}

static void
discard_response_cb (AdwMessageDialog *dialog,
                     const char       *response,
                     PmSendDialog     *self)
{
  if (g_strcmp0 (response, "discard") == 0)
    {
      self->discard_confirmed = TRUE;
      g_clear_weak_pointer (&self->focus_before);
      gtk_window_close (GTK_WINDOW (self));
    }
  else
    back_to_form (self);
}

static void
ask_discard (PmSendDialog *self)
{
  GtkWidget *dialog;

  dialog = adw_message_dialog_new (GTK_WINDOW (self), _("Discard this request?"),
                                   _("It has not been sent. What you typed is kept as a "
                                     "draft and comes back the next time you open New "
                                     "Request."));
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog),
                                    "keep", _("_Keep Editing"),
                                    "discard", _("_Discard"),
                                    NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "discard",
                                              ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "keep");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "keep");
  g_signal_connect_object (dialog, "response", G_CALLBACK (discard_response_cb), self, 0);
  present_question (self, dialog);
}

/* ---- sending ---- */

static void
send_activated_cb (GtkWidget  *widget,
                   const char *action_name,
                   GVariant   *parameter)
{
  PmSendDialog *self = PM_SEND_DIALOG (widget);
  g_autoptr(PmBill) earlier = NULL;
  g_autoptr(GError) error = NULL;
  PmSendFormField bad_field = PM_SEND_FORM_FIELD_NONE;
  gboolean same_amount = FALSE;

  if (!pm_send_form_get_can_send (self->form))
    return;
  hide_suggestions (self);
  hide_banner (self);
  if (pm_send_form_begin_send (self->form, &bad_field, &error) == NULL)
    {
      GtkWidget *input = field_input (self, bad_field);

      if (input != NULL)
        gtk_widget_grab_focus (input);
      else if (error != NULL)
        show_banner (self, _("The request was not sent"), error->message);
      return;
    }
  earlier = pm_send_form_find_duplicate (self->form, &same_amount);
  if (earlier != NULL)
    ask_duplicate (self, earlier, same_amount);
  else
    ask_confirm (self);
}

static void
finish (PmSendDialog *self,
        PmBill       *bill,
        const char   *message)
{
  GtkWindow *parent = gtk_window_get_transient_for (GTK_WINDOW (self));
  g_autoptr(PmBill) kept = g_object_ref (bill);

  g_signal_emit (self, signals[SENT], 0, kept, message);
  if (parent != NULL && PM_IS_WINDOW (parent))
    {
      AdwToast *toast = adw_toast_new (message);

      adw_toast_set_timeout (toast, 6);
      pm_window_add_toast (PM_WINDOW (parent), toast);
    }
  g_object_set_data_full (G_OBJECT (self), "pm-result", g_strdup (message), g_free);
  gtk_window_destroy (GTK_WINDOW (self));
}

static void
show_send_error (PmSendDialog *self,
                 const GError *error)
{
  const char *server = pm_error_get_server_text (error);
  g_autofree char *text = NULL;
  const char *title;

  if (error->domain != PM_ERROR)
    title = _("The request was not sent");
  else
    switch ((PmErrorCode) error->code)
      {
      case PM_ERROR_LICENSE_REQUIRED:
        title = _("A Pro license is needed to send requests");
        break;
      case PM_ERROR_INSUFFICIENT_BALANCE:
        title = _("Not enough Paymint balance");
        break;
      case PM_ERROR_UNAUTHORIZED:
        title = _("The API key was not accepted");
        break;
      case PM_ERROR_FORBIDDEN:
        title = _("This account may not send requests");
        break;
      case PM_ERROR_NETWORK:
      case PM_ERROR_TLS:
      case PM_ERROR_TIMEOUT:
        title = _("Could not reach Payssam");
        break;
      case PM_ERROR_INVALID:
      case PM_ERROR_NOT_FOUND:
      case PM_ERROR_DUPLICATE_BILL:
      case PM_ERROR_ALREADY_PAID:
      case PM_ERROR_ALREADY_CANCELLED:
      case PM_ERROR_SERVER:
      case PM_ERROR_PROTOCOL:
      case PM_ERROR_CANCELLED:
      case PM_ERROR_STORAGE:
      default:
        title = _("The request was not sent");
        break;
      }
  if (server != NULL && g_strcmp0 (server, error->message) != 0)
    /* Translators: the app's explanation, then the server's own words */
    text = g_strdup_printf (_("%s Nothing was sent and nothing was charged. (Server: %s)"),
                            error->message, server);
  else
    text = g_strdup_printf (_("%s Nothing was sent and nothing was charged."), error->message);
  show_banner (self, title, text);
}

static void
send_done_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(PmSendDialog) self = user_data;
  g_autoptr(PmBill) bill = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *message = NULL;
  gboolean outcome_unknown = FALSE;
  PmSendFormField field = PM_SEND_FORM_FIELD_NONE;

  bill = pm_send_form_send_finish (PM_SEND_FORM (object), result, &outcome_unknown, &error);
  if (bill != NULL && !outcome_unknown)
    {
      g_autofree char *amount = pm_money_format (pm_bill_get_price (bill));

      message = g_strdup_printf (_("Sent a request for %s to %s"), amount,
                                 pm_bill_get_payer_name (bill));
      finish (self, bill, message);
      return;
    }
  if (bill != NULL)
    {
      /* Never back to editing: the engine settles this bill by itself. */
      message = g_strdup_printf (_("No answer yet for the request to %s. The desk is "
                                   "checking whether it arrived and will never send it "
                                   "twice; do not send it again by hand."),
                                 pm_bill_get_payer_name (bill));
      finish (self, bill, message);
      return;
    }

  if (g_cancellable_is_cancelled (self->cancellable))
    return;

  /* Definitely refused: the form is editable again; a field the server named shows the
   * reason under it, anything else goes to the banner. */
  field = pm_send_form_field_from_error (error);
  if (field != PM_SEND_FORM_FIELD_NONE)
    gtk_widget_grab_focus (field_input (self, field));
  else
    show_send_error (self, error);
  if (self->close_when_done)
    {
      GtkWindow *parent = gtk_window_get_transient_for (GTK_WINDOW (self));

      if (parent != NULL && PM_IS_WINDOW (parent))
        pm_window_add_toast (PM_WINDOW (parent), adw_toast_new (error->message));
      gtk_window_destroy (GTK_WINDOW (self));
    }
}

static void
send_draft (PmSendDialog *self)
{
  pm_send_form_send_async (self->form, self->cancellable, send_done_cb, g_object_ref (self));
}

static void
start_over_cb (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  PmSendDialog *self = PM_SEND_DIALOG (widget);

  hide_banner (self);
  self->filling = TRUE;
  pm_send_form_clear (self->form);
  self->filling = FALSE;
  gtk_widget_grab_focus (self->name_entry);
}

/* ---- closing ---- */

static gboolean
pm_send_dialog_close_request (GtkWindow *window)
{
  PmSendDialog *self = PM_SEND_DIALOG (window);
  PmSendFormStage stage = pm_send_form_get_stage (self->form);
  g_autoptr(GError) error = NULL;

  /* A send in flight finishes by itself; the form only steps aside. */
  if (stage == PM_SEND_FORM_STAGE_SENDING)
    {
      self->close_when_done = TRUE;
      gtk_widget_set_visible (GTK_WIDGET (self), FALSE);
      return TRUE;
    }
  /* What the clerk typed is not thrown away without a word. */
  if (stage == PM_SEND_FORM_STAGE_EDITING && pm_send_form_get_filled (self->form)
      && !self->discard_confirmed)
    {
      ask_discard (self);
      return TRUE;
    }
  if (!pm_send_form_save_draft (self->form, &error))
    g_warning ("Could not keep the draft of the new request: %s", error->message);
  return GTK_WINDOW_CLASS (pm_send_dialog_parent_class)->close_request (window);
}

/* The first field has the keyboard when the form opens (not the Cancel button). */
static void
pm_send_dialog_map (GtkWidget *widget)
{
  PmSendDialog *self = PM_SEND_DIALOG (widget);

  GtkWidget *focus;

  GTK_WIDGET_CLASS (pm_send_dialog_parent_class)->map (widget);
  focus = gtk_root_get_focus (GTK_ROOT (self));
  if (focus == NULL || !gtk_widget_is_ancestor (focus, self->form_box))
    gtk_widget_grab_focus (self->name_entry);
}

/* ---- object ---- */

static void
pm_send_dialog_dispose (GObject *object)
{
  PmSendDialog *self = PM_SEND_DIALOG (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_weak_pointer (&self->focus_before);
  g_clear_pointer (&self->name_popover, gtk_widget_unparent);
  g_clear_pointer (&self->phone_popover, gtk_widget_unparent);
  gtk_widget_dispose_template (GTK_WIDGET (self), PM_TYPE_SEND_DIALOG);
  if (self->form != NULL)
    g_signal_handlers_disconnect_by_data (self->form, self);
  g_clear_object (&self->form);
  g_clear_object (&self->settings);

  G_OBJECT_CLASS (pm_send_dialog_parent_class)->dispose (object);
}

static void
pm_send_dialog_finalize (GObject *object)
{
  PmSendDialog *self = PM_SEND_DIALOG (object);

  g_clear_object (&self->cancellable);

  G_OBJECT_CLASS (pm_send_dialog_parent_class)->finalize (object);
}

static void
pm_send_dialog_class_init (PmSendDialogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  GtkWindowClass *window_class = GTK_WINDOW_CLASS (klass);

  pm_ui_ensure_resources ();

  object_class->dispose = pm_send_dialog_dispose;
  object_class->finalize = pm_send_dialog_finalize;
  widget_class->map = pm_send_dialog_map;
  window_class->close_request = pm_send_dialog_close_request;

  signals[SENT] = g_signal_new ("sent", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                NULL, NULL, NULL, G_TYPE_NONE, 2, PM_TYPE_BILL,
                                G_TYPE_STRING);

  gtk_widget_class_install_action (widget_class, "send.send", NULL, send_activated_cb);
  gtk_widget_class_install_action (widget_class, "send.apply-template", "i",
                                   apply_template_cb);
  gtk_widget_class_install_action (widget_class, "send.start-over", NULL, start_over_cb);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               RESOURCE_PATH "/pm-send-dialog.ui");
#define BIND(name) gtk_widget_class_bind_template_child (widget_class, PmSendDialog, name)
  BIND (cancel_button);
  BIND (send_button);
  BIND (send_spinner);
  BIND (banner_revealer);
  BIND (banner_title);
  BIND (banner_label);
  BIND (draft_revealer);
  BIND (form_box);
  BIND (name_entry);
  BIND (name_error);
  BIND (phone_entry);
  BIND (phone_error);
  BIND (amount_entry);
  BIND (amount_words);
  BIND (amount_error);
  BIND (product_entry);
  BIND (product_error);
  BIND (template_button);
  BIND (message_view);
  BIND (message_error);
  BIND (expiry_button);
  BIND (expiry_popover);
  BIND (expiry_calendar);
  BIND (expiry_hint);
  BIND (expiry_error);
  BIND (note_entry);
#undef BIND
}

static void
add_send_shortcuts (PmSendDialog *self)
{
  /* In the capture phase, so Ctrl+Enter sends even from the message text. */
  GtkEventController *controller = gtk_shortcut_controller_new ();
  const char *triggers[] = { "<Control>Return", "<Control>KP_Enter", "<Control>ISO_Enter" };

  gtk_event_controller_set_name (controller, "pm-send-shortcuts");
  gtk_event_controller_set_propagation_phase (controller, GTK_PHASE_CAPTURE);
  for (guint i = 0; i < G_N_ELEMENTS (triggers); i++)
    {
      GtkShortcutTrigger *trigger = gtk_shortcut_trigger_parse_string (triggers[i]);

      gtk_shortcut_controller_add_shortcut (GTK_SHORTCUT_CONTROLLER (controller),
                                            gtk_shortcut_new (trigger,
                                                              gtk_named_action_new ("send.send")));
    }
  gtk_widget_add_controller (GTK_WIDGET (self), controller);
}

static void
pm_send_dialog_init (PmSendDialog *self)
{
  self->cancellable = g_cancellable_new ();
  gtk_widget_init_template (GTK_WIDGET (self));

  self->name_popover = suggestion_popover_new (self, self->name_entry, &self->name_list);
  self->phone_popover = suggestion_popover_new (self, self->phone_entry, &self->phone_list);

  g_signal_connect_object (self->expiry_calendar, "day-selected",
                           G_CALLBACK (expiry_day_selected_cb), self, 0);
  g_signal_connect_object (self->expiry_calendar, "next-month",
                           G_CALLBACK (calendar_moved_cb), self, 0);
  g_signal_connect_object (self->expiry_calendar, "prev-month",
                           G_CALLBACK (calendar_moved_cb), self, 0);
  g_signal_connect_object (self->expiry_calendar, "next-year",
                           G_CALLBACK (calendar_moved_cb), self, 0);
  g_signal_connect_object (self->expiry_calendar, "prev-year",
                           G_CALLBACK (calendar_moved_cb), self, 0);
  g_signal_connect_object (self->expiry_popover, "show",
                           G_CALLBACK (expiry_popover_show_cb), self, 0);
  watch_focus (self, self->name_entry);
  watch_focus (self, self->phone_entry);
  watch_focus (self, self->amount_entry);
  watch_focus (self, self->product_entry);
  add_send_shortcuts (self);
}

/* Every widget bound to the form: texts both ways, the rest from the form. */
static void
bind_form (PmSendDialog *self)
{
  PmSendForm *form = self->form;
  const GBindingFlags both = G_BINDING_BIDIRECTIONAL | G_BINDING_SYNC_CREATE;
  static const char *const error_props[] = {
    "notify::payer-name-error", "notify::phone-error", "notify::phone-warning",
    "notify::amount-error", "notify::reason-error", "notify::message-error",
    "notify::expire-date-error",
  };

  g_object_bind_property (form, "payer-name", self->name_entry, "text", both);
  g_object_bind_property (form, "phone", self->phone_entry, "text", both);
  g_object_bind_property (form, "amount-text", self->amount_entry, "text", both);
  g_object_bind_property (form, "reason", self->product_entry, "text", both);
  g_object_bind_property (form, "message", gtk_text_view_get_buffer (self->message_view),
                          "text", both);
  g_object_bind_property (form, "note", self->note_entry, "text", both);
  g_object_bind_property (form, "expire-date", self->expiry_button, "label",
                          G_BINDING_SYNC_CREATE);

  g_object_bind_property_full (form, "amount-words", self->amount_words, "label",
                               G_BINDING_SYNC_CREATE, string_to_label_cb, NULL, NULL, NULL);
  g_object_bind_property_full (form, "amount-words", self->amount_words, "visible",
                               G_BINDING_SYNC_CREATE, string_to_visible_cb, NULL, NULL, NULL);
  g_object_bind_property_full (form, "expire-date-hint", self->expiry_hint, "label",
                               G_BINDING_SYNC_CREATE, string_to_label_cb, NULL, NULL, NULL);
  g_object_bind_property_full (form, "expire-date-hint", self->expiry_hint, "visible",
                               G_BINDING_SYNC_CREATE, string_to_visible_cb, NULL, NULL, NULL);
  g_object_bind_property_full (form, "stage", self->send_spinner, "visible",
                               G_BINDING_SYNC_CREATE, stage_to_sending_cb, NULL, NULL, NULL);
  g_object_bind_property_full (form, "stage", self->send_spinner, "spinning",
                               G_BINDING_SYNC_CREATE, stage_to_sending_cb, NULL, NULL, NULL);
  g_object_bind_property_full (form, "stage", self->form_box, "sensitive",
                               G_BINDING_SYNC_CREATE, stage_to_editable_cb, NULL, NULL, NULL);
  g_object_bind_property_full (form, "n-templates", self->template_button, "sensitive",
                               G_BINDING_SYNC_CREATE, uint_to_nonzero_cb, NULL, NULL, NULL);
  g_object_bind_property (form, "draft-restored", self->draft_revealer, "reveal-child",
                          G_BINDING_SYNC_CREATE);

  for (guint i = 0; i < G_N_ELEMENTS (error_props); i++)
    g_signal_connect_object (form, error_props[i], G_CALLBACK (form_error_notify_cb), self, 0);
  g_signal_connect_object (form, "notify::can-send", G_CALLBACK (form_can_send_notify_cb),
                           self, 0);
  g_signal_connect_object (form, "notify::payer-name", G_CALLBACK (form_name_notify_cb),
                           self, 0);
  g_signal_connect_object (form, "notify::phone", G_CALLBACK (form_phone_notify_cb), self, 0);
  g_signal_connect_object (form, "notify::templates", G_CALLBACK (form_templates_notify_cb),
                           self, 0);
  g_signal_connect_object (form, "notify::expire-date",
                           G_CALLBACK (form_expire_date_notify_cb), self, 0);

  form_error_notify_cb (form, NULL, self);
  form_can_send_notify_cb (form, NULL, self);
  form_expire_date_notify_cb (form, NULL, self);
  rebuild_template_menu (self);
  refresh_calendar_days (self);
}

static GSettings *
app_settings (void)
{
  GApplication *app = g_application_get_default ();

  if (app != NULL && PM_IS_APPLICATION (app))
    return g_object_ref (pm_application_get_settings (PM_APPLICATION (app)));
  return g_settings_new (BASE_ID);
}

/**
 * pm_send_dialog_new:
 * @service: (nullable): the engine; without one the form says it is not connected
 * @parent: (nullable): the window the form belongs to
 *
 * Returns: (transfer none): a new form, not yet shown
 */
GtkWidget *
pm_send_dialog_new (PmService *service,
                    GtkWindow *parent)
{
  PmSendDialog *self;
  g_autofree char *draft_path = pm_send_form_default_draft_path ();

  g_return_val_if_fail (service == NULL || PM_IS_SERVICE (service), NULL);
  g_return_val_if_fail (parent == NULL || GTK_IS_WINDOW (parent), NULL);

  /* not added to the application: a modal form takes no app shortcuts (Ctrl+N) */
  self = g_object_new (PM_TYPE_SEND_DIALOG, "transient-for", parent, NULL);
  self->form = pm_send_form_new (service, draft_path);
  self->settings = app_settings ();
  g_signal_connect_object (self->settings, "changed::message-templates",
                           G_CALLBACK (templates_changed_cb), self, 0);
  templates_changed_cb (self->settings, "message-templates", self);
  /* the request the clerk left unsent comes back */
  pm_send_form_restore_draft (self->form);
  self->filling = TRUE;
  bind_form (self);
  self->filling = FALSE;
  gtk_widget_grab_focus (self->name_entry);
  return GTK_WIDGET (self);
}

PmSendForm *
pm_send_dialog_get_form (PmSendDialog *self)
{
  g_return_val_if_fail (PM_IS_SEND_DIALOG (self), NULL);

  return self->form;
}
