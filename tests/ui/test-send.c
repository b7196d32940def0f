/* test-send.c — the New Request form on the sandbox, in a real window
 *
 * Copyright 2026 The Paymint Desk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <adwaita.h>
#include <glib/gstdio.h>

#include "pm-application.h"
#include "pm-send-dialog.h"
#include "pm-template-editor.h"
#include "pm-test-util.h"

static PmApplication *app;
static GtkWindow *window;
static PmService *service;
static PmSandbox *sandbox;


/* ---- spinning ---- */

/* ---- the form ---- */

typedef struct
{
  PmSendDialog *dialog;
  guint         n_sent;
  PmBill       *bill;
  char         *message;
} Form;

static void
sent_cb (PmSendDialog *dialog,
         PmBill       *bill,
         const char   *message,
         Form         *form)
{
  form->n_sent++;
  g_set_object (&form->bill, bill);
  g_free (form->message);
  form->message = g_strdup (message);
}

static void
forget_draft (void)
{
  g_autofree char *path = pm_send_form_default_draft_path ();

  g_remove (path);
}

static gboolean
draft_exists (void)
{
  g_autofree char *path = pm_send_form_default_draft_path ();

  return g_file_test (path, G_FILE_TEST_EXISTS);
}

static Form *
form_wrap (PmSendDialog *dialog)
{
  Form *form = g_new0 (Form, 1);

  form->dialog = PM_SEND_DIALOG (g_object_ref (dialog));
  g_signal_connect (form->dialog, "sent", G_CALLBACK (sent_cb), form);
  return form;
}

/* A new form with no draft left by an earlier test. */
static Form *
form_open (void)
{
  Form *form;

  forget_draft ();
  form = form_wrap (PM_SEND_DIALOG (pm_send_dialog_new (service, window)));
  gtk_window_present (GTK_WINDOW (form->dialog));
  pm_test_spin (50);
  return form;
}

/* The form the app's New Request action (Ctrl+N) opened, or NULL. */
static PmSendDialog *
find_send_dialog (void)
{
  GListModel *toplevels = gtk_window_get_toplevels ();

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GtkWindow) w = g_list_model_get_item (toplevels, i);

      if (PM_IS_SEND_DIALOG (w) && gtk_widget_get_visible (GTK_WIDGET (w)))
        return PM_SEND_DIALOG (w);
    }
  return NULL;
}

static Form *
form_open_by_action (void)
{
  PmSendDialog *dialog;

  g_assert_null (find_send_dialog ());
  g_action_group_activate_action (G_ACTION_GROUP (app), "new-request", NULL);
  pm_test_spin (100);
  dialog = find_send_dialog ();
  g_assert_nonnull (dialog);
  return form_wrap (dialog);
}

static void
form_close (Form *form)
{
  g_signal_handlers_disconnect_by_func (form->dialog, sent_cb, form);
  if (gtk_widget_get_visible (GTK_WIDGET (form->dialog)))
    gtk_window_destroy (GTK_WINDOW (form->dialog));
  pm_test_spin (20);
  g_assert_finalize_object (form->dialog);
  g_clear_object (&form->bill);
  g_free (form->message);
  g_free (form);
}

static GtkWidget *
child (Form       *form,
       const char *name)
{
  GObject *object = gtk_widget_get_template_child (GTK_WIDGET (form->dialog),
                                                   PM_TYPE_SEND_DIALOG, name);

  g_assert_nonnull (object);
  return GTK_WIDGET (object);
}

static void
set_entry (Form       *form,
           const char *name,
           const char *text)
{
  gtk_editable_set_text (GTK_EDITABLE (child (form, name)), text);
}

static const char *
entry_get (Form       *form,
           const char *name)
{
  return gtk_editable_get_text (GTK_EDITABLE (child (form, name)));
}

static void
set_message (Form       *form,
             const char *text)
{
  gtk_text_buffer_set_text (gtk_text_view_get_buffer (GTK_TEXT_VIEW (child (form, "message_view"))),
                            text, -1);
}

static char *
get_message (Form *form)
{
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (GTK_TEXT_VIEW (child (form, "message_view")));
  GtkTextIter start, end;

  gtk_text_buffer_get_bounds (buffer, &start, &end);
  return gtk_text_buffer_get_text (buffer, &start, &end, FALSE);
}

/* The last day: today (Korea) + @days, picked on the calendar. */
static void
set_expiry_days (Form *form,
                 int   days)
{
  g_autofree char *date = pm_bill_korea_date (g_get_real_time () / G_USEC_PER_SEC
                                              + (gint64) days * 86400);
  g_autoptr(GDateTime) dt = NULL;
  int y, m, d;

  g_assert_cmpint (sscanf (date, "%d-%d-%d", &y, &m, &d), ==, 3);
  dt = g_date_time_new_local (y, m, d, 12, 0, 0);
  gtk_calendar_select_day (GTK_CALENDAR (child (form, "expiry_calendar")), dt);
  g_assert_cmpstr (gtk_menu_button_get_label (GTK_MENU_BUTTON (child (form, "expiry_button"))),
                   ==, date);
}

static void
fill (Form       *form,
      const char *name,
      const char *phone,
      const char *amount,
      const char *product)
{
  set_entry (form, "name_entry", name);
  set_entry (form, "phone_entry", phone);
  set_entry (form, "amount_entry", amount);
  set_entry (form, "product_entry", product);
  set_message (form, "결제 부탁드립니다.");
  set_expiry_days (form, 7);
}

static const char *
error_text (Form       *form,
            const char *label_name)
{
  GtkWidget *label = child (form, label_name);

  return gtk_widget_get_visible (label) ? gtk_label_get_label (GTK_LABEL (label)) : NULL;
}

static gboolean
send_enabled (Form *form)
{
  return gtk_widget_get_sensitive (child (form, "send_button"));
}

static void
press_send (Form *form)
{
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (form->dialog), "send.send", NULL));
}

/* A key as the dialog's shortcut controllers handle it: @accel ("<Control>Return",
 * "Escape") must be bound. */
static void
press_shortcut (Form       *form,
                const char *accel)
{
  g_autoptr(GListModel) controllers = gtk_widget_observe_controllers (GTK_WIDGET (form->dialog));
  g_autoptr(GtkShortcutTrigger) want = gtk_shortcut_trigger_parse_string (accel);
  gboolean found = FALSE;

  for (guint i = 0; i < g_list_model_get_n_items (controllers) && !found; i++)
    {
      g_autoptr(GtkEventController) controller = g_list_model_get_item (controllers, i);

      if (!GTK_IS_SHORTCUT_CONTROLLER (controller))
        continue;
      for (guint j = 0; j < g_list_model_get_n_items (G_LIST_MODEL (controller)); j++)
        {
          g_autoptr(GtkShortcut) shortcut = g_list_model_get_item (G_LIST_MODEL (controller), j);

          if (!gtk_shortcut_trigger_equal (gtk_shortcut_get_trigger (shortcut), want))
            continue;
          gtk_shortcut_action_activate (gtk_shortcut_get_action (shortcut),
                                        GTK_SHORTCUT_ACTION_EXCLUSIVE,
                                        GTK_WIDGET (form->dialog), NULL);
          found = TRUE;
          break;
        }
    }
  g_assert_true (found);
}

static void
press_ctrl_enter (Form *form)
{
  press_shortcut (form, "<Control>Return");
}

/* ---- message dialogs on top of the form ---- */

static GPtrArray *
message_dialogs (Form *form)
{
  GListModel *toplevels = gtk_window_get_toplevels ();
  GPtrArray *found = g_ptr_array_new ();

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GtkWindow) w = g_list_model_get_item (toplevels, i);

      if (ADW_IS_MESSAGE_DIALOG (w) && gtk_widget_get_visible (GTK_WIDGET (w))
          && gtk_window_get_transient_for (w) == GTK_WINDOW (form->dialog))
        g_ptr_array_add (found, w);
    }
  return found;
}

static guint
n_message_dialogs (Form *form)
{
  g_autoptr(GPtrArray) found = message_dialogs (form);

  return found->len;
}

/* The one message dialog shown, whose heading starts with @heading. */
static AdwMessageDialog *
the_message_dialog (Form       *form,
                    const char *heading)
{
  g_autoptr(GPtrArray) found = message_dialogs (form);
  AdwMessageDialog *dialog;

  g_assert_cmpuint (found->len, ==, 1);
  dialog = ADW_MESSAGE_DIALOG (g_ptr_array_index (found, 0));
  g_assert_true (g_str_has_prefix (adw_message_dialog_get_heading (dialog), heading));
  return dialog;
}

static void
respond (AdwMessageDialog *dialog,
         const char       *response)
{
  g_autoptr(AdwMessageDialog) kept = g_object_ref (dialog);

  adw_message_dialog_response (kept, response);
  if (gtk_widget_get_visible (GTK_WIDGET (kept)))
    gtk_window_destroy (GTK_WINDOW (kept));
  pm_test_spin (20);
}

static gboolean
form_sent (gpointer data)
{
  return ((Form *) data)->n_sent > 0;
}

/* ---- tests ---- */

static void
test_valid_request (void)
{
  Form *form = form_open ();
  guint before = pm_sandbox_count_bills (sandbox);
  AdwMessageDialog *confirm;
  const char *body;
  g_autofree char *month = NULL;
  g_autofree char *message = NULL;
  g_autofree char *today = pm_bill_korea_date (g_get_real_time () / G_USEC_PER_SEC);
  g_autoptr(PmBill) recorded = NULL;

  /* the last day starts a week out */
  g_assert_cmpstr (error_text (form, "expiry_error"), ==, NULL);
  g_assert_nonnull (gtk_menu_button_get_label (GTK_MENU_BUTTON (child (form, "expiry_button"))));

  set_entry (form, "name_entry", "김민지 🙂");
  set_entry (form, "phone_entry", "01011112222");
  set_entry (form, "amount_entry", "120000");
  /* the amount is read back in Korean words as it is typed */
  g_assert_true (gtk_widget_get_visible (child (form, "amount_words")));
  g_assert_cmpstr (gtk_label_get_label (GTK_LABEL (child (form, "amount_words"))), ==,
                   "십이만 원");
  set_entry (form, "product_entry", "11월 수강료");

  /* a template fills the message with the placeholders replaced */
  g_assert_cmpint (g_menu_model_get_n_items (gtk_menu_button_get_menu_model (
                     GTK_MENU_BUTTON (child (form, "template_button")))), ==, 2);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (form->dialog), "send.apply-template",
                                             "i", 0));
  month = g_strdup_printf ("%d", atoi (today + 5));
  message = get_message (form);
  g_assert_true (g_str_has_prefix (message, "김민지 🙂님, "));
  g_assert_nonnull (strstr (message, "120,000원을"));
  g_assert_nonnull (strstr (message, month));
  g_assert_null (strchr (message, '{'));
  /* and follows the amount while nobody has edited it */
  set_entry (form, "amount_entry", "130000");
  g_clear_pointer (&message, g_free);
  message = get_message (form);
  g_assert_nonnull (strstr (message, "130,000원을"));
  set_entry (form, "amount_entry", "120000");
  g_clear_pointer (&message, g_free);
  message = get_message (form);
  g_assert_nonnull (strstr (message, "120,000원을"));
  set_entry (form, "note_entry", "현금영수증 요청");

  /* leaving a field shows it in its usual form */
  gtk_widget_grab_focus (child (form, "phone_entry"));
  gtk_widget_grab_focus (child (form, "amount_entry"));
  gtk_widget_grab_focus (child (form, "product_entry"));
  pm_test_spin (20);
  g_assert_cmpstr (entry_get (form, "phone_entry"), ==, "010-1111-2222");
  g_assert_cmpstr (entry_get (form, "amount_entry"), ==, "₩120,000");
  g_assert_cmpstr (error_text (form, "amount_error"), ==, NULL);

  /* the confirmation repeats payer, phone, amount in figures and words, expiry, cost */
  press_send (form);
  confirm = the_message_dialog (form, "Send ₩120,000 to 김민지 🙂");
  body = adw_message_dialog_get_body (confirm);
  g_assert_nonnull (strstr (body, "김민지 🙂"));
  g_assert_nonnull (strstr (body, "010-1111-2222"));
  g_assert_nonnull (strstr (body, "₩120,000"));
  g_assert_nonnull (strstr (body, "십이만 원"));
  g_assert_nonnull (strstr (body, gtk_menu_button_get_label (
                                    GTK_MENU_BUTTON (child (form, "expiry_button")))));
  g_assert_nonnull (strstr (body, "Paymint balance"));
  respond (confirm, "send");

  pm_test_spin_until (form_sent, form, 10000);
  g_assert_cmpuint (form->n_sent, ==, 1);
  g_assert_cmpint (pm_bill_get_state (form->bill), ==, PM_BILL_STATE_UNPAID);
  g_assert_nonnull (strstr (form->message, "₩120,000"));
  /* the form closed itself */
  g_assert_false (gtk_widget_get_visible (GTK_WIDGET (form->dialog)));
  g_assert_cmpuint (pm_sandbox_count_bills (sandbox), ==, before + 1);

  recorded = pm_service_lookup (service, pm_bill_get_bill_id (form->bill), NULL);
  g_assert_nonnull (recorded);
  g_assert_cmpstr (pm_bill_get_payer_name (recorded), ==, "김민지 🙂");
  g_assert_cmpstr (pm_bill_get_phone (recorded), ==, "01011112222");
  g_assert_cmpint (pm_bill_get_price (recorded), ==, 120000);
  g_assert_cmpstr (pm_bill_get_note (recorded), ==, "현금영수증 요청");
  form_close (form);
}

typedef struct
{
  const char *field;   /* entry, "message", "expiry" (the calendar) or "stale-expiry" */
  const char *value;   /* for the dates: days from today */
  const char *label;   /* where the message must show */
  const char *expect;  /* part of that message */
} BadInput;

/* A last day the calendar does not offer, as a draft kept from an earlier day holds it. */
static void
set_stale_expiry_days (Form *form,
                       int   days)
{
  g_autofree char *date = pm_bill_korea_date (g_get_real_time () / G_USEC_PER_SEC
                                              + (gint64) days * 86400);

  pm_send_form_set_text (pm_send_dialog_get_form (form->dialog),
                         PM_SEND_FORM_FIELD_EXPIRE_DATE, date);
  g_assert_cmpstr (gtk_menu_button_get_label (GTK_MENU_BUTTON (child (form, "expiry_button"))),
                   ==, date);
}

static void
apply_input (Form       *form,
             const char *field,
             const char *value)
{
  if (g_str_equal (field, "message"))
    set_message (form, value);
  else if (g_str_equal (field, "expiry"))
    set_expiry_days (form, atoi (value));
  else if (g_str_equal (field, "stale-expiry"))
    set_stale_expiry_days (form, atoi (value));
  else
    set_entry (form, field, value);
}

static void
test_bad_inputs (void)
{
  g_autofree char *name31 = g_strnfill (31, 'a');
  g_autofree char *product101 = g_strnfill (101, 'p');
  g_autofree char *message501 = g_strnfill (501, 'm');
  g_autofree char *korean31 = NULL;
  g_autoptr(GString) k = g_string_new (NULL);
  const BadInput cases[] = {
    /* phone */
    { "phone_entry", "02-123-4567", "phone_error", "not a Korean mobile number" },
    { "phone_entry", "031-123-4567", "phone_error", "not a Korean mobile number" },
    { "phone_entry", "070-1234-5678", "phone_error", "not a Korean mobile number" },
    { "phone_entry", "010123", "phone_error", "too short" },
    { "phone_entry", "010-1234-56789", "phone_error", "too long" },
    { "phone_entry", "010-abcd-5678", "phone_error", "only digits" },
    { "phone_entry", "전화번호", "phone_error", "only digits" },
    { "phone_entry", "", "phone_error", "Enter the payer’s mobile number" },
    /* amount */
    { "amount_entry", "0", "amount_error", "at least ₩1" },
    { "amount_entry", "-5", "amount_error", "cannot be negative" },
    { "amount_entry", "12345678901", "amount_error", "at most ₩9,999,999,999" },
    { "amount_entry", "12a", "amount_error", "digits only" },
    { "amount_entry", "1.5", "amount_error", "remove the decimal part" },
    { "amount_entry", "1,23,000", "amount_error", "every three digits" },
    { "amount_entry", "", "amount_error", "Enter the amount" },
    { "amount_entry", "만원", "amount_error", "digits only" },
    /* dates the calendar does not offer, as a draft from an earlier day may hold them */
    { "stale-expiry", "-1", "expiry_error", "cannot be in the past" },
    { "stale-expiry", "-400", "expiry_error", "cannot be in the past" },
    { "stale-expiry", "400", "expiry_error", "at most 365 days ahead" },
    /* lengths and blanks */
    { "name_entry", "", "name_error", "Enter the payer’s name" },
    { "name_entry", "   ", "name_error", "Enter the payer’s name" },
    { "name_entry", name31, "name_error", "at most 30 characters long; it has 31" },
    { "name_entry", NULL, "name_error", "at most 30 characters long; it has 31" },
    { "name_entry", "김\t민지", "name_error", "control characters" },
    { "product_entry", "", "product_error", "Enter what the bill is for" },
    { "product_entry", product101, "product_error", "at most 100 characters long; it has 101" },
    { "message", "", "message_error", "Enter a message" },
    { "message", message501, "message_error", "at most 500 characters long; it has 501" },
    { "message", "{이름}님 결제 부탁드립니다", "message_error", "still holds {이름}" },
  };
  const char *good[][2] = {
    { "name_entry", "김민지 🙂" },
    { "name_entry", "Kim 민지" },
    { "name_entry", "José Ñandú" },
    { "product_entry", "피아노 🎹 lessons" },
    { "message", "안녕하세요 🙂\n11월 수강료 결제 부탁드립니다." },
    { "expiry", "0" },
  };
  guint before = pm_sandbox_count_bills (sandbox);
  Form *form = form_open ();

  for (int i = 0; i < 31; i++)
    g_string_append (k, "가");
  korean31 = g_string_free (g_steal_pointer (&k), FALSE);

  g_assert_cmpuint (G_N_ELEMENTS (cases), >=, 25);
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      const BadInput *c = &cases[i];
      const char *shown;

      g_test_message ("bad input %u: %s = “%s”", i, c->field, c->value ? c->value : korean31);
      fill (form, "이서준", "010-3333-4444", "35000", "교재비");
      apply_input (form, c->field, c->value != NULL ? c->value : korean31);
      press_send (form);
      /* refused: no confirmation, nothing on the server, the message at the field */
      g_assert_cmpuint (n_message_dialogs (form), ==, 0);
      g_assert_true (send_enabled (form));
      shown = error_text (form, c->label);
      g_assert_nonnull (shown);
      g_test_message ("shown: %s", shown);
      g_assert_nonnull (strstr (shown, c->expect));
      if (!g_str_equal (c->field, "stale-expiry") && !g_str_equal (c->field, "message"))
        g_assert_true (gtk_widget_has_css_class (child (form, c->field), "error"));
      g_assert_true (gtk_widget_has_css_class (child (form, c->label), "error"));
    }
  g_assert_cmpuint (pm_sandbox_count_bills (sandbox), ==, before);

  /* each good value clears the message and lets the send go to the confirmation */
  for (guint i = 0; i < G_N_ELEMENTS (good); i++)
    {
      fill (form, "이서준", "010-3333-4444", "35000", "교재비");
      apply_input (form, good[i][0], good[i][1]);
      g_assert_null (error_text (form, "name_error"));
      g_assert_null (error_text (form, "product_error"));
      g_assert_null (error_text (form, "message_error"));
      g_assert_null (error_text (form, "expiry_error"));
      press_send (form);
      respond (the_message_dialog (form, "Send ₩35,000 to"), "cancel");
      g_assert_true (send_enabled (form));
    }

  /* an old-style number is accepted with a warning, not an error */
  fill (form, "이서준", "011-234-5678", "35000", "교재비");
  g_assert_nonnull (strstr (error_text (form, "phone_error"), "old-style"));
  g_assert_false (gtk_widget_has_css_class (child (form, "phone_entry"), "error"));
  press_send (form);
  respond (the_message_dialog (form, "Send ₩35,000 to"), "cancel");

  /* checked as typed: a wrong number shows before any send; an unfinished one does not */
  form_close (form);
  form = form_open ();
  set_entry (form, "phone_entry", "010-12");
  g_assert_null (error_text (form, "phone_error"));
  set_entry (form, "phone_entry", "02-123-4567");
  g_assert_nonnull (strstr (error_text (form, "phone_error"), "not a Korean mobile number"));
  set_entry (form, "amount_entry", "12a");
  g_assert_nonnull (strstr (error_text (form, "amount_error"), "digits only"));
  g_assert_false (gtk_widget_get_visible (child (form, "amount_words")));
  g_assert_cmpuint (pm_sandbox_count_bills (sandbox), ==, before);
  form_close (form);
}

static GtkWidget *
find_popover (GtkWidget *entry)
{
  for (GtkWidget *c = gtk_widget_get_first_child (entry); c; c = gtk_widget_get_next_sibling (c))
    if (GTK_IS_POPOVER (c))
      return c;
  return NULL;
}

static void
test_recent_payers (void)
{
  Form *form = form_open ();
  GtkWidget *popover = find_popover (child (form, "name_entry"));
  GtkListBox *list;
  GtkListBoxRow *row;

  g_assert_nonnull (popover);
  g_assert_false (gtk_widget_get_visible (popover));
  set_entry (form, "name_entry", "김");
  g_assert_true (gtk_widget_get_visible (popover));
  list = GTK_LIST_BOX (gtk_popover_get_child (GTK_POPOVER (popover)));
  row = gtk_list_box_get_row_at_index (list, 0);
  g_assert_nonnull (row);
  g_signal_emit_by_name (list, "row-activated", row);
  g_assert_cmpstr (entry_get (form, "name_entry"), ==, "김민지 🙂");
  g_assert_cmpstr (entry_get (form, "phone_entry"), ==, "010-1111-2222");
  g_assert_false (gtk_widget_get_visible (popover));

  /* the phone completes too */
  set_entry (form, "name_entry", "");
  set_entry (form, "phone_entry", "0101111");
  popover = find_popover (child (form, "phone_entry"));
  g_assert_true (gtk_widget_get_visible (popover));
  list = GTK_LIST_BOX (gtk_popover_get_child (GTK_POPOVER (popover)));
  g_signal_emit_by_name (list, "row-activated", gtk_list_box_get_row_at_index (list, 0));
  g_assert_cmpstr (entry_get (form, "name_entry"), ==, "김민지 🙂");
  g_assert_cmpstr (entry_get (form, "phone_entry"), ==, "010-1111-2222");

  /* nobody matches: nothing is offered */
  set_entry (form, "name_entry", "없는사람");
  g_assert_false (gtk_widget_get_visible (find_popover (child (form, "name_entry"))));
  form_close (form);
}

static void
test_duplicate_guard (void)
{
  guint before = pm_sandbox_count_bills (sandbox);
  Form *form = form_open ();
  AdwMessageDialog *dialog;
  const char *body;

  /* same phone and amount as an unpaid bill */
  fill (form, "김민지", "010-1111-2222", "120000", "11월 수강료");
  press_send (form);
  dialog = the_message_dialog (form, "Send Anyway?");
  body = adw_message_dialog_get_body (dialog);
  g_assert_nonnull (strstr (body, "김민지 🙂"));   /* the earlier bill's payer */
  g_assert_nonnull (strstr (body, "₩120,000"));
  g_assert_nonnull (strstr (body, "unpaid"));
  g_assert_false (send_enabled (form));
  respond (dialog, "cancel");
  g_assert_cmpuint (n_message_dialogs (form), ==, 0);
  g_assert_true (send_enabled (form));

  /* "send anyway" goes on to the confirmation */
  press_send (form);
  respond (the_message_dialog (form, "Send Anyway?"), "send");
  respond (the_message_dialog (form, "Send ₩120,000 to"), "cancel");

  /* another amount to the same phone within ten minutes */
  set_entry (form, "amount_entry", "5000");
  press_send (form);
  dialog = the_message_dialog (form, "Send Anyway?");
  g_assert_nonnull (strstr (adw_message_dialog_get_body (dialog), "was sent only"));
  respond (dialog, "cancel");

  /* another phone: no question */
  set_entry (form, "phone_entry", "010-9999-0000");
  press_send (form);
  respond (the_message_dialog (form, "Send ₩5,000 to"), "cancel");
  g_assert_cmpuint (pm_sandbox_count_bills (sandbox), ==, before);
  form_close (form);
}

static void
test_double_click (void)
{
  guint before = pm_sandbox_count_bills (sandbox);
  Form *form = form_open ();
  GtkWidget *button = child (form, "send_button");
  AdwMessageDialog *confirm;

  pm_sandbox_set_latency (sandbox, "request", 400);
  fill (form, "박지호", "010-5555-6666", "98000", "11월 수강료");
  /* a double click: one confirmation */
  g_signal_emit_by_name (button, "clicked");
  g_signal_emit_by_name (button, "clicked");
  gtk_widget_activate (button);
  g_assert_cmpuint (n_message_dialogs (form), ==, 1);
  confirm = g_object_ref (the_message_dialog (form, "Send ₩98,000 to 박지호"));
  /* a double click on its Send button: one send */
  adw_message_dialog_response (confirm, "send");
  adw_message_dialog_response (confirm, "send");
  if (gtk_widget_get_visible (GTK_WIDGET (confirm)))
    gtk_window_destroy (GTK_WINDOW (confirm));
  g_object_unref (confirm);
  /* locked while in flight */
  g_assert_false (send_enabled (form));
  g_assert_true (gtk_widget_get_visible (child (form, "send_spinner")));
  g_assert_true (gtk_spinner_get_spinning (GTK_SPINNER (child (form, "send_spinner"))));
  g_signal_emit_by_name (button, "clicked");
  gtk_widget_activate (button);
  press_ctrl_enter (form);
  g_assert_cmpuint (n_message_dialogs (form), ==, 0);

  pm_test_spin_until (form_sent, form, 10000);
  pm_test_spin (300);
  g_assert_cmpuint (form->n_sent, ==, 1);
  g_assert_cmpuint (pm_sandbox_count_bills (sandbox), ==, before + 1);
  form_close (form);
  pm_sandbox_set_latency (sandbox, "request", 0);
}

static void
test_double_ctrl_enter (void)
{
  guint before = pm_sandbox_count_bills (sandbox);
  Form *form = form_open ();
  AdwMessageDialog *confirm;

  pm_sandbox_set_latency (sandbox, "request", 400);
  fill (form, "최유나", "010-7777-8888", "45000", "교재비");
  /* typing in the message: Ctrl+Enter still sends */
  gtk_widget_grab_focus (child (form, "message_view"));
  press_ctrl_enter (form);
  press_ctrl_enter (form);
  g_assert_cmpuint (n_message_dialogs (form), ==, 1);
  confirm = the_message_dialog (form, "Send ₩45,000 to 최유나");
  respond (confirm, "send");
  press_ctrl_enter (form);
  press_ctrl_enter (form);
  g_assert_cmpuint (n_message_dialogs (form), ==, 0);
  g_assert_false (send_enabled (form));

  pm_test_spin_until (form_sent, form, 10000);
  pm_test_spin (300);
  g_assert_cmpuint (form->n_sent, ==, 1);
  g_assert_cmpuint (pm_sandbox_count_bills (sandbox), ==, before + 1);
  form_close (form);
  pm_sandbox_set_latency (sandbox, "request", 0);
}

static gboolean
banner_shown (gpointer data)
{
  Form *form = data;

  return gtk_revealer_get_reveal_child (GTK_REVEALER (child (form, "banner_revealer")))
         && send_enabled (form);
}

static void
test_balance (void)
{
  guint before = pm_sandbox_count_bills (sandbox);
  Form *form = form_open ();
  const char *text;

  pm_sandbox_set_balance (sandbox, PM_SANDBOX_DEMO_KEY, 0);
  fill (form, "정하늘", "010-2468-1357", "77000", "11월 수강료");
  press_send (form);
  respond (the_message_dialog (form, "Send ₩77,000 to"), "send");
  pm_test_spin_until (banner_shown, form, 10000);
  text = gtk_label_get_label (GTK_LABEL (child (form, "banner_label")));
  g_assert_nonnull (strstr (text, "balance"));
  g_assert_nonnull (strstr (text, "Top up"));
  g_assert_nonnull (strstr (gtk_label_get_label (GTK_LABEL (child (form, "banner_title"))),
                            "balance"));
  g_assert_cmpuint (form->n_sent, ==, 0);
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (form->dialog)));
  g_assert_cmpuint (pm_sandbox_count_bills (sandbox), ==, before);

  /* topped up: the same form sends */
  pm_sandbox_set_balance (sandbox, PM_SANDBOX_DEMO_KEY, 10000000);
  press_send (form);
  g_assert_false (gtk_revealer_get_reveal_child (GTK_REVEALER (child (form, "banner_revealer"))));
  /* the refused attempt is in the ledger as failed, which is no duplicate */
  respond (the_message_dialog (form, "Send ₩77,000 to"), "send");
  pm_test_spin_until (form_sent, form, 10000);
  g_assert_cmpint (pm_bill_get_state (form->bill), ==, PM_BILL_STATE_UNPAID);
  g_assert_cmpuint (pm_sandbox_count_bills (sandbox), ==, before + 1);
  form_close (form);
}

static PmBill *watched;

static gboolean
ledger_state_is (gpointer data)
{
  g_autoptr(PmBill) bill = pm_service_lookup (service, pm_bill_get_bill_id (watched), NULL);

  return bill != NULL && pm_bill_get_state (bill) == (PmBillState) GPOINTER_TO_INT (data);
}

static void
test_unknown_outcome (void)
{
  guint before = pm_sandbox_count_bills (sandbox);
  Form *form = form_open ();

  /* the request is applied but the reply is lost; the engine reads it back at once */
  pm_sandbox_set_fault (sandbox, "request", PM_SANDBOX_FAULT_RESET_AFTER, 1.0);
  fill (form, "한결", "010-1357-2468", "64000", "11월 수강료");
  press_send (form);
  respond (the_message_dialog (form, "Send ₩64,000 to"), "send");
  pm_test_spin_until (form_sent, form, 15000);
  g_assert_cmpint (pm_bill_get_state (form->bill), ==, PM_BILL_STATE_UNPAID);
  g_assert_cmpuint (pm_sandbox_count_bills (sandbox), ==, before + 1);
  form_close (form);

  /* lost reply and the reads fail too: the outcome stays unknown */
  pm_sandbox_add_fault (sandbox, "read", PM_SANDBOX_FAULT_HTTP_503, 1.0);
  form = form_open ();
  fill (form, "윤슬", "010-8642-9753", "51000", "11월 수강료");
  press_send (form);
  respond (the_message_dialog (form, "Send ₩51,000 to"), "send");
  pm_test_spin_until (form_sent, form, 30000);
  /* the form says the desk is checking, closes, and never offers Send again */
  g_assert_nonnull (strstr (form->message, "checking"));
  g_assert_nonnull (strstr (form->message, "never send it twice"));
  g_assert_false (gtk_widget_get_visible (GTK_WIDGET (form->dialog)));
  g_assert_false (send_enabled (form));
  g_assert_cmpuint (n_message_dialogs (form), ==, 0);
  g_assert_cmpint (pm_bill_get_state (form->bill), ==, PM_BILL_STATE_UNKNOWN);
  watched = g_object_ref (form->bill);
  g_assert_true (ledger_state_is (GINT_TO_POINTER (PM_BILL_STATE_UNKNOWN)));
  g_assert_cmpuint (pm_sandbox_count_bills (sandbox), ==, before + 2);

  /* the network comes back: reconciliation settles it as unpaid, still one bill */
  pm_sandbox_clear_faults (sandbox);
  pm_service_refresh_all (service);
  pm_test_spin_until (ledger_state_is, GINT_TO_POINTER (PM_BILL_STATE_UNPAID), 20000);
  g_assert_cmpuint (pm_sandbox_count_bills (sandbox), ==, before + 2);
  g_clear_object (&watched);
  form_close (form);
}

static void
collect_entry_rows (GtkWidget *root,
                    GPtrArray *rows)
{
  if (ADW_IS_ENTRY_ROW (root))
    g_ptr_array_add (rows, root);
  for (GtkWidget *c = gtk_widget_get_first_child (root); c; c = gtk_widget_get_next_sibling (c))
    collect_entry_rows (c, rows);
}

static GtkWidget *
find_visible_label (GtkWidget  *root,
                    const char *part)
{
  if (GTK_IS_LABEL (root) && gtk_widget_is_visible (root)
      && strstr (gtk_label_get_label (GTK_LABEL (root)), part) != NULL)
    return root;
  for (GtkWidget *c = gtk_widget_get_first_child (root); c; c = gtk_widget_get_next_sibling (c))
    {
      GtkWidget *found = find_visible_label (c, part);

      if (found != NULL)
        return found;
    }
  return NULL;
}

static char *
template_at (GSettings *settings,
             guint      index,
             gboolean   text)
{
  g_autoptr(GVariant) templates = g_settings_get_value (settings, "message-templates");
  const char *name = NULL, *body = NULL;

  if (index >= g_variant_n_children (templates))
    return NULL;
  g_variant_get_child (templates, index, "(&s&s)", &name, &body);
  return g_strdup (text ? body : name);
}

static guint
n_templates (GSettings *settings)
{
  g_autoptr(GVariant) templates = g_settings_get_value (settings, "message-templates");

  return (guint) g_variant_n_children (templates);
}

static void
test_template_editor (void)
{
  GSettings *settings = pm_application_get_settings (app);
  GtkWidget *prefs = adw_preferences_window_new ();
  GtkWidget *page = pm_template_editor_new (settings);
  g_autoptr(GPtrArray) rows = g_ptr_array_new ();
  Form *form = form_open ();
  GMenuModel *menu;
  g_autofree char *name = NULL;
  g_autofree char *text = NULL;
  g_autofree char *message = NULL;

  adw_preferences_window_add (ADW_PREFERENCES_WINDOW (prefs), ADW_PREFERENCES_PAGE (page));
  gtk_window_present (GTK_WINDOW (prefs));
  pm_test_spin (50);
  g_assert_cmpuint (n_templates (settings), ==, 2);

  /* add */
  g_assert_true (gtk_widget_activate_action (page, "templates.add", NULL));
  g_assert_cmpuint (n_templates (settings), ==, 3);
  collect_entry_rows (page, rows);
  g_assert_cmpuint (rows->len, ==, 6);

  /* rename and change the text */
  gtk_editable_set_text (GTK_EDITABLE (rows->pdata[4]), "  보강 & <안내> ");
  g_signal_emit_by_name (rows->pdata[4], "apply");
  name = template_at (settings, 2, FALSE);
  g_assert_cmpstr (name, ==, "보강 & <안내>");
  gtk_editable_set_text (GTK_EDITABLE (rows->pdata[5]),
                         "{이름}님, {월}월 보강비 {금액}입니다.");
  g_signal_emit_by_name (rows->pdata[5], "apply");
  text = template_at (settings, 2, TRUE);
  g_assert_cmpstr (text, ==, "{이름}님, {월}월 보강비 {금액}입니다.");
  g_assert_nonnull (find_visible_label (page, "보강 & <안내>"));

  /* bad values are refused with a message */
  gtk_editable_set_text (GTK_EDITABLE (rows->pdata[5]), "{가격} 결제 부탁드립니다");
  g_signal_emit_by_name (rows->pdata[5], "apply");
  g_assert_nonnull (find_visible_label (page, "not a placeholder the form knows"));
  g_assert_true (gtk_widget_has_css_class (rows->pdata[5], "error"));
  g_clear_pointer (&text, g_free);
  text = template_at (settings, 2, TRUE);
  g_assert_cmpstr (text, ==, "{이름}님, {월}월 보강비 {금액}입니다.");
  gtk_editable_set_text (GTK_EDITABLE (rows->pdata[4]), "  ");
  g_signal_emit_by_name (rows->pdata[4], "apply");
  g_assert_nonnull (find_visible_label (page, "Give the template a name"));
  g_clear_pointer (&name, g_free);
  name = template_at (settings, 2, FALSE);
  g_assert_cmpstr (name, ==, "보강 & <안내>");

  /* the form's menu follows, and the new template fills the message */
  menu = gtk_menu_button_get_menu_model (GTK_MENU_BUTTON (child (form, "template_button")));
  g_assert_cmpint (g_menu_model_get_n_items (menu), ==, 3);
  set_entry (form, "name_entry", "Kim 민지");
  set_entry (form, "amount_entry", "₩50,000");
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (form->dialog), "send.apply-template",
                                             "i", 2));
  message = get_message (form);
  g_assert_true (g_str_has_prefix (message, "Kim 민지님, "));
  g_assert_nonnull (strstr (message, "보강비 50,000원입니다."));

  /* delete the first one */
  g_assert_true (gtk_widget_activate_action (page, "templates.remove", "i", 0));
  pm_test_spin (20);
  g_assert_cmpuint (n_templates (settings), ==, 2);
  g_clear_pointer (&name, g_free);
  name = template_at (settings, 0, FALSE);
  g_assert_cmpstr (name, ==, "교재비 안내");
  menu = gtk_menu_button_get_menu_model (GTK_MENU_BUTTON (child (form, "template_button")));
  g_assert_cmpint (g_menu_model_get_n_items (menu), ==, 2);
  g_ptr_array_set_size (rows, 0);
  collect_entry_rows (page, rows);
  g_assert_cmpuint (rows->len, ==, 4);

  /* with none left, the form says where to add them */
  g_assert_true (gtk_widget_activate_action (page, "templates.remove", "i", 0));
  g_assert_true (gtk_widget_activate_action (page, "templates.remove", "i", 0));
  g_assert_cmpuint (n_templates (settings), ==, 0);
  g_assert_false (gtk_widget_get_sensitive (child (form, "template_button")));
  g_assert_nonnull (find_visible_label (page, "No templates yet"));

  g_settings_reset (settings, "message-templates");
  g_assert_cmpuint (n_templates (settings), ==, 2);
  g_assert_true (gtk_widget_get_sensitive (child (form, "template_button")));
  form_close (form);
  g_object_ref (page);
  gtk_window_destroy (GTK_WINDOW (prefs));
  pm_test_spin (20);
  g_assert_finalize_object (page);
}


/* ---- opening, closing and the draft ---- */

static gboolean
focus_in (GtkWidget *dialog,
          GtkWidget *widget)
{
  GtkWidget *focus = gtk_root_get_focus (GTK_ROOT (dialog));

  return focus != NULL && (focus == widget || gtk_widget_is_ancestor (focus, widget));
}

static gboolean
form_gone (gpointer data)
{
  return find_send_dialog () == NULL;
}

/* Closes a form the test no longer drives and checks it is freed. */
static void
form_drop (Form *form)
{
  g_signal_handlers_disconnect_by_func (form->dialog, sent_cb, form);
  pm_test_spin_until (form_gone, NULL, 5000);
  pm_test_spin (20);
  g_assert_finalize_object (form->dialog);
  g_clear_object (&form->bill);
  g_free (form->message);
  g_free (form);
}

static void
test_ctrl_n_focus (void)
{
  g_auto(GStrv) accels = gtk_application_get_accels_for_action (GTK_APPLICATION (app),
                                                                "app.new-request");
  Form *form;

  forget_draft ();
  /* Ctrl+N is the app's New Request action */
  g_assert_true (g_strv_contains ((const char *const *) accels, "<Control>n"));
  form = form_open_by_action ();
  g_assert_true (gtk_widget_get_mapped (GTK_WIDGET (form->dialog)));
  /* the keyboard is in Payer Name, not on Cancel */
  g_assert_true (focus_in (GTK_WIDGET (form->dialog), child (form, "name_entry")));
  g_assert_false (focus_in (GTK_WIDGET (form->dialog), child (form, "cancel_button")));

  /* an empty form closes at once, asks nothing and leaves no draft */
  press_shortcut (form, "Escape");
  pm_test_spin (50);
  g_assert_cmpuint (n_message_dialogs (form), ==, 0);
  g_assert_false (gtk_widget_get_visible (GTK_WIDGET (form->dialog)));
  g_assert_false (draft_exists ());
  form_drop (form);
}

static void
test_discard_keeps_draft (void)
{
  guint before = pm_sandbox_count_bills (sandbox);
  AdwMessageDialog *question;
  PmSendForm *rules;
  Form *form;
  g_autofree char *message = NULL;
  g_autofree char *expiry = NULL;

  forget_draft ();
  form = form_open_by_action ();
  g_assert_false (gtk_revealer_get_reveal_child (GTK_REVEALER (child (form, "draft_revealer"))));
  set_entry (form, "name_entry", "오하린");
  set_entry (form, "phone_entry", "010-4321-8765");
  set_entry (form, "amount_entry", "88000");
  set_entry (form, "product_entry", "12월 수강료");
  set_message (form, "오하린님, 12월 수강료 결제 부탁드립니다.\n감사합니다.");
  set_expiry_days (form, 10);
  set_entry (form, "note_entry", "둘째 주 보강 포함");
  expiry = g_strdup (gtk_menu_button_get_label (GTK_MENU_BUTTON (child (form, "expiry_button"))));

  /* Escape on a filled form asks first; Keep Editing goes back to the form */
  press_shortcut (form, "Escape");
  question = the_message_dialog (form, "Discard this request?");
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (form->dialog)));
  respond (question, "keep");
  g_assert_cmpuint (n_message_dialogs (form), ==, 0);
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (form->dialog)));
  g_assert_true (focus_in (GTK_WIDGET (form->dialog), child (form, "name_entry")));
  g_assert_cmpstr (entry_get (form, "name_entry"), ==, "오하린");

  /* so does Cancel; Discard closes the form */
  g_signal_emit_by_name (child (form, "cancel_button"), "clicked");
  question = the_message_dialog (form, "Discard this request?");
  respond (question, "discard");
  g_assert_false (gtk_widget_get_visible (GTK_WIDGET (form->dialog)));
  form_drop (form);
  g_assert_true (draft_exists ());
  g_assert_cmpuint (pm_sandbox_count_bills (sandbox), ==, before);

  /* New Request again: everything typed is back, and the form says so */
  form = form_open_by_action ();
  g_assert_cmpstr (entry_get (form, "name_entry"), ==, "오하린");
  g_assert_cmpstr (entry_get (form, "phone_entry"), ==, "010-4321-8765");
  g_assert_cmpstr (entry_get (form, "product_entry"), ==, "12월 수강료");
  g_assert_cmpstr (entry_get (form, "note_entry"), ==, "둘째 주 보강 포함");
  message = get_message (form);
  g_assert_cmpstr (message, ==, "오하린님, 12월 수강료 결제 부탁드립니다.\n감사합니다.");
  g_assert_cmpstr (gtk_menu_button_get_label (GTK_MENU_BUTTON (child (form, "expiry_button"))),
                   ==, expiry);
  g_assert_cmpstr (gtk_label_get_label (GTK_LABEL (child (form, "amount_words"))), ==,
                   "팔만 팔천 원");
  g_assert_true (gtk_revealer_get_reveal_child (GTK_REVEALER (child (form, "draft_revealer"))));
  g_assert_true (focus_in (GTK_WIDGET (form->dialog), child (form, "name_entry")));

  /* sending it clears the draft */
  rules = pm_send_dialog_get_form (form->dialog);
  g_assert_true (pm_send_form_get_filled (rules));
  press_send (form);
  respond (the_message_dialog (form, "Send ₩88,000 to 오하린"), "send");
  pm_test_spin_until (form_sent, form, 10000);
  g_assert_cmpuint (form->n_sent, ==, 1);
  g_assert_cmpuint (pm_sandbox_count_bills (sandbox), ==, before + 1);
  g_assert_false (draft_exists ());
  form_drop (form);

  /* and the next New Request starts empty */
  form = form_open_by_action ();
  g_assert_cmpstr (entry_get (form, "name_entry"), ==, "");
  g_assert_cmpstr (entry_get (form, "amount_entry"), ==, "");
  g_assert_false (gtk_revealer_get_reveal_child (GTK_REVEALER (child (form, "draft_revealer"))));
  press_shortcut (form, "Escape");
  pm_test_spin (20);
  g_assert_cmpuint (n_message_dialogs (form), ==, 0);
  form_drop (form);
}

static void
test_start_over (void)
{
  Form *form = form_open ();

  set_entry (form, "name_entry", "남궁민");
  set_entry (form, "amount_entry", "12a");
  g_assert_nonnull (error_text (form, "amount_error"));
  gtk_window_close (GTK_WINDOW (form->dialog));
  respond (the_message_dialog (form, "Discard this request?"), "discard");
  form_close (form);
  g_assert_true (draft_exists ());

  /* a restored form can be emptied, and the draft goes with it */
  form = form_wrap (PM_SEND_DIALOG (pm_send_dialog_new (service, window)));
  gtk_window_present (GTK_WINDOW (form->dialog));
  pm_test_spin (50);
  g_assert_cmpstr (entry_get (form, "name_entry"), ==, "남궁민");
  /* what the clerk typed is judged at once */
  g_assert_nonnull (strstr (error_text (form, "amount_error"), "digits only"));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (form->dialog), "send.start-over",
                                             NULL));
  g_assert_cmpstr (entry_get (form, "name_entry"), ==, "");
  g_assert_cmpstr (entry_get (form, "amount_entry"), ==, "");
  g_assert_null (error_text (form, "amount_error"));
  g_assert_false (draft_exists ());
  g_assert_false (gtk_revealer_get_reveal_child (GTK_REVEALER (child (form, "draft_revealer"))));
  form_close (form);
}

/* ---- errors appear without moving anything ---- */

typedef struct
{
  const char      *name;
  graphene_rect_t  bounds;
} Place;

static void
measure_places (Form  *form,
                Place *places,
                guint  n)
{
  for (guint i = 0; i < n; i++)
    g_assert_true (gtk_widget_compute_bounds (child (form, places[i].name),
                                              child (form, "form_box"), &places[i].bounds));
}

static void
assert_same_places (Form        *form,
                    const Place *before,
                    guint        n,
                    const char  *after_what)
{
  Place now[8];

  g_assert_cmpuint (n, <=, G_N_ELEMENTS (now));
  for (guint i = 0; i < n; i++)
    now[i].name = before[i].name;
  measure_places (form, now, n);
  for (guint i = 0; i < n; i++)
    {
      g_test_message ("%s: %s at y=%.0f (was %.0f)", after_what, now[i].name,
                      now[i].bounds.origin.y, before[i].bounds.origin.y);
      g_assert_cmpfloat_with_epsilon (now[i].bounds.origin.y, before[i].bounds.origin.y, 0.5);
      g_assert_cmpfloat_with_epsilon (now[i].bounds.size.height, before[i].bounds.size.height,
                                      0.5);
    }
}

static void
test_errors_keep_places (void)
{
  Form *form = form_open ();
  g_autofree char *long_name = g_strnfill (31, 'a');
  Place places[] = {
    { "name_entry" }, { "phone_entry" }, { "amount_entry" }, { "product_entry" },
    { "message_view" }, { "expiry_button" }, { "note_entry" },
  };

  gtk_window_set_default_size (GTK_WINDOW (form->dialog), 400, 1000);
  pm_test_spin (100);
  measure_places (form, places, G_N_ELEMENTS (places));
  for (guint i = 1; i < G_N_ELEMENTS (places); i++)
    g_assert_cmpfloat (places[i].bounds.origin.y, >, places[i - 1].bounds.origin.y);

  /* each message appears as it is typed, in English and in Korean, long and short */
  set_entry (form, "name_entry", long_name);
  set_entry (form, "phone_entry", "02-123-4567");
  set_entry (form, "amount_entry", "12a");
  set_entry (form, "product_entry", "교재비");
  set_message (form, "{이름}님 결제 부탁드립니다");
  pm_test_spin (100);
  g_assert_nonnull (error_text (form, "name_error"));
  g_assert_nonnull (error_text (form, "phone_error"));
  g_assert_nonnull (error_text (form, "amount_error"));
  g_assert_nonnull (error_text (form, "message_error"));
  assert_same_places (form, places, G_N_ELEMENTS (places), "errors shown");

  /* a good amount shows its Korean reading in the same place */
  set_entry (form, "amount_entry", "1234567890");
  set_entry (form, "phone_entry", "011-234-5678"); /* a warning */
  pm_test_spin (100);
  g_assert_nonnull (strstr (error_text (form, "phone_error"), "old-style"));
  g_assert_true (gtk_widget_get_visible (child (form, "amount_words")));
  assert_same_places (form, places, G_N_ELEMENTS (places), "words and warning shown");

  /* and everything back to fine */
  set_entry (form, "name_entry", "김민지");
  set_entry (form, "phone_entry", "010-1111-2222");
  set_message (form, "결제 부탁드립니다.");
  pm_test_spin (100);
  g_assert_null (error_text (form, "name_error"));
  assert_same_places (form, places, G_N_ELEMENTS (places), "errors gone");
  form_close (form);
}

/* ---- the calendar offers only the days the engine takes ---- */

static GtkWidget *
find_day_label (GtkWidget *root,
                int        day,
                gboolean   other_month)
{
  for (GtkWidget *c = gtk_widget_get_first_child (root); c; c = gtk_widget_get_next_sibling (c))
    {
      GtkWidget *found;

      if (GTK_IS_LABEL (c) && gtk_widget_has_css_class (c, "day-number")
          && gtk_widget_has_css_class (c, "other-month") == other_month
          && atoi (gtk_label_get_label (GTK_LABEL (c))) == day)
        return c;
      found = find_day_label (c, day, other_month);
      if (found != NULL)
        return found;
    }
  return NULL;
}

static void
test_calendar_range (void)
{
  Form *form = form_open ();
  GtkCalendar *calendar = GTK_CALENDAR (child (form, "expiry_calendar"));
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;
  g_autofree char *today = pm_bill_korea_date (now);
  g_autofree char *yesterday = pm_bill_korea_date (now - 86400);
  g_autofree char *latest = pm_bill_korea_date (now + 365 * 86400);
  g_autofree char *beyond = pm_bill_korea_date (now + 366 * 86400);
  int ty, tm, td, yy, ym, yd, ly, lm, ld, by, bm, bd;
  GtkWidget *label;

  g_assert_cmpint (sscanf (today, "%d-%d-%d", &ty, &tm, &td), ==, 3);
  g_assert_cmpint (sscanf (yesterday, "%d-%d-%d", &yy, &ym, &yd), ==, 3);
  g_assert_cmpint (sscanf (latest, "%d-%d-%d", &ly, &lm, &ld), ==, 3);
  g_assert_cmpint (sscanf (beyond, "%d-%d-%d", &by, &bm, &bd), ==, 3);

  /* picking yesterday is refused: the first day allowed, today, is taken */
  set_expiry_days (form, 3);
  {
    g_autoptr(GDateTime) dt = g_date_time_new_local (yy, ym, yd, 12, 0, 0);

    gtk_calendar_select_day (calendar, dt);
  }
  g_assert_cmpstr (gtk_menu_button_get_label (GTK_MENU_BUTTON (child (form, "expiry_button"))),
                   ==, today);
  g_assert_null (error_text (form, "expiry_error"));
  /* today's month is shown: today can be clicked, yesterday cannot */
  label = find_day_label (GTK_WIDGET (calendar), td, FALSE);
  g_assert_nonnull (label);
  g_assert_true (gtk_widget_get_sensitive (label));
  label = find_day_label (GTK_WIDGET (calendar), yd, ym != tm);
  if (label != NULL) /* on the 1st, the last day of last month may not be in view */
    g_assert_false (gtk_widget_get_sensitive (label));
  if (td > 1)
    {
      label = find_day_label (GTK_WIDGET (calendar), 1, FALSE);
      g_assert_false (gtk_widget_get_sensitive (label));
    }

  /* beyond 365 days is refused too: the last day allowed is taken */
  {
    g_autoptr(GDateTime) dt = g_date_time_new_local (by, bm, bd, 12, 0, 0);

    gtk_calendar_select_day (calendar, dt);
  }
  g_assert_cmpstr (gtk_menu_button_get_label (GTK_MENU_BUTTON (child (form, "expiry_button"))),
                   ==, latest);
  g_assert_null (error_text (form, "expiry_error"));
  label = find_day_label (GTK_WIDGET (calendar), ld, FALSE);
  g_assert_nonnull (label);
  g_assert_true (gtk_widget_get_sensitive (label));
  label = find_day_label (GTK_WIDGET (calendar), bd, bm != lm);
  if (label != NULL)
    g_assert_false (gtk_widget_get_sensitive (label));
  form_close (form);
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GError) error = NULL;
  int ret;

  pm_test_init (&argc, &argv);
  pm_test_start_notification_server ();
  app = pm_application_new ();
  g_application_set_flags (G_APPLICATION (app), G_APPLICATION_NON_UNIQUE);
  pm_application_set_use_sandbox (app, TRUE);
  g_application_register (G_APPLICATION (app), NULL, &error);
  g_assert_no_error (error);
  sandbox = pm_application_get_sandbox (app);
  g_assert_nonnull (sandbox);
  /* nobody pays by themselves here */
  pm_sandbox_set_payers (sandbox, 0.0, 60, 60, 0.0);

  g_application_activate (G_APPLICATION (app));
  window = gtk_application_get_active_window (GTK_APPLICATION (app));
  g_assert_nonnull (window);
  service = pm_application_get_service (app);
  g_assert_nonnull (service);

  g_test_add_func ("/send/valid-request", test_valid_request);
  g_test_add_func ("/send/bad-inputs", test_bad_inputs);
  g_test_add_func ("/send/recent-payers", test_recent_payers);
  g_test_add_func ("/send/duplicate-guard", test_duplicate_guard);
  g_test_add_func ("/send/double-click", test_double_click);
  g_test_add_func ("/send/double-ctrl-enter", test_double_ctrl_enter);
  g_test_add_func ("/send/balance", test_balance);
  g_test_add_func ("/send/unknown-outcome", test_unknown_outcome);
  g_test_add_func ("/send/template-editor", test_template_editor);
  g_test_add_func ("/send/ctrl-n-focus", test_ctrl_n_focus);
  g_test_add_func ("/send/discard-keeps-draft", test_discard_keeps_draft);
  g_test_add_func ("/send/start-over", test_start_over);
  g_test_add_func ("/send/errors-keep-places", test_errors_keep_places);
  g_test_add_func ("/send/calendar-range", test_calendar_range);

  ret = g_test_run ();
  gtk_window_destroy (window);
  g_application_quit (G_APPLICATION (app));
  g_clear_object (&app);
  return ret;
}
