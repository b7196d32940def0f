/* pm-autopay-register-dialog.c — register an AutoPay payer: name and phone, then the link
 *
 * Copyright 2026 The Paymint Desk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Fields are checked as the person types, with the message next to the field. Sending
 * asks the service for a registration link (the service remembers the payer in the
 * ledger); the link is then shown with a copy button.
 */

#include "config.h"

#include <glib/gi18n.h>

#include "pm-autopay-register-dialog.h"
#include "pm-bill.h"
#include "pm-error.h"
#include "pm-phone.h"
#include "pm-ui.h"

struct _PmAutopayRegisterDialog
{
  AdwWindow      parent_instance;

  PmService     *service;
  GCancellable  *cancellable;
  char          *link;
  gboolean       busy;

  GtkButton     *cancel_button;
  GtkButton     *send_button;
  GtkButton     *done_button;
  GtkSpinner    *spinner;
  GtkStack      *stack;
  AdwEntryRow   *name_row;
  GtkLabel      *name_error;
  AdwEntryRow   *phone_row;
  GtkLabel      *phone_error;
  AdwEntryRow   *product_row;
  AdwEntryRow   *message_row;
  GtkLabel      *optional_error;
  GtkLabel      *status_label;
  AdwStatusPage *sent_page;
  GtkLabel      *link_label;
  GtkButton     *copy_button;
};

G_DEFINE_FINAL_TYPE (PmAutopayRegisterDialog, pm_autopay_register_dialog, ADW_TYPE_WINDOW)

enum {
  PROP_0,
  PROP_SERVICE,
  N_PROPS
};

enum {
  SIGNAL_REGISTERED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

/* Each returns whether the field can be sent; @strict also complains about an empty one. */
static gboolean
check_name (PmAutopayRegisterDialog *self,
            gboolean                 strict)
{
  g_autofree char *name = pm_ui_entry_dup_text (self->name_row);
  g_autoptr(GError) error = NULL;
  gboolean ok = pm_bill_check_member_nm (name, &error);

  if (!ok && !strict && *name == '\0')
    {
      pm_ui_show_message (self->name_error, NULL);
      pm_ui_set_error_style (self->name_row, FALSE);
      return FALSE;
    }
  pm_ui_show_message (self->name_error, ok ? NULL : error->message);
  pm_ui_set_error_style (self->name_row, !ok);
  return ok;
}

static gboolean
check_phone (PmAutopayRegisterDialog *self,
             gboolean                 strict)
{
  const char *text = gtk_editable_get_text (GTK_EDITABLE (self->phone_row));
  g_autofree char *digits = NULL;
  PmPhoneCheck check = pm_phone_check (text, &digits);
  gboolean ok = check == PM_PHONE_VALID || check == PM_PHONE_LEGACY;

  if (check == PM_PHONE_EMPTY && !strict)
    {
      pm_ui_show_message (self->phone_error, NULL);
      pm_ui_set_error_style (self->phone_row, FALSE);
      return FALSE;
    }
  /* a legacy number is a warning, not an error: it can be sent */
  pm_ui_show_message (self->phone_error, pm_phone_check_message (check));
  if (check == PM_PHONE_LEGACY)
    {
      gtk_widget_remove_css_class (GTK_WIDGET (self->phone_error), "error");
      gtk_widget_add_css_class (GTK_WIDGET (self->phone_error), "warning");
    }
  else
    {
      gtk_widget_remove_css_class (GTK_WIDGET (self->phone_error), "warning");
      gtk_widget_add_css_class (GTK_WIDGET (self->phone_error), "error");
    }
  pm_ui_set_error_style (self->phone_row, !ok);
  return ok;
}

static gboolean
check_optional (PmAutopayRegisterDialog *self)
{
  g_autofree char *product = pm_ui_entry_dup_text (self->product_row);
  g_autofree char *message = pm_ui_entry_dup_text (self->message_row);
  g_autoptr(GError) error = NULL;
  gboolean product_ok = *product == '\0' || pm_bill_check_product_nm (product, &error);
  gboolean message_ok = !product_ok || *message == '\0' || pm_bill_check_message (message, &error);

  pm_ui_set_error_style (self->product_row, !product_ok);
  pm_ui_set_error_style (self->message_row, !message_ok);
  pm_ui_show_message (self->optional_error, error != NULL ? error->message : NULL);
  return product_ok && message_ok;
}

static void
update_send (PmAutopayRegisterDialog *self)
{
  g_autofree char *name = pm_ui_entry_dup_text (self->name_row);
  g_autofree char *digits = NULL;
  PmPhoneCheck check = pm_phone_check (gtk_editable_get_text (GTK_EDITABLE (self->phone_row)),
                                       &digits);
  gboolean ready = !self->busy && self->link == NULL
                   && pm_bill_check_member_nm (name, NULL)
                   && (check == PM_PHONE_VALID || check == PM_PHONE_LEGACY)
                   && !gtk_widget_get_visible (GTK_WIDGET (self->optional_error));

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "register.send", ready);
}

static void
name_changed_cb (PmAutopayRegisterDialog *self)
{
  check_name (self, FALSE);
  pm_ui_show_message (self->status_label, NULL);
  update_send (self);
}

static void
phone_changed_cb (PmAutopayRegisterDialog *self)
{
  check_phone (self, FALSE);
  pm_ui_show_message (self->status_label, NULL);
  update_send (self);
}

static void
optional_changed_cb (PmAutopayRegisterDialog *self)
{
  check_optional (self);
  pm_ui_show_message (self->status_label, NULL);
  update_send (self);
}

static void
set_busy (PmAutopayRegisterDialog *self,
          gboolean                 busy)
{
  self->busy = busy;
  gtk_widget_set_visible (GTK_WIDGET (self->spinner), busy);
  gtk_spinner_set_spinning (self->spinner, busy);
  gtk_widget_set_sensitive (GTK_WIDGET (self->name_row), !busy);
  gtk_widget_set_sensitive (GTK_WIDGET (self->phone_row), !busy);
  gtk_widget_set_sensitive (GTK_WIDGET (self->product_row), !busy);
  gtk_widget_set_sensitive (GTK_WIDGET (self->message_row), !busy);
  update_send (self);
}

static void
show_send_error (PmAutopayRegisterDialog *self,
                 const GError            *error)
{
  const char *field = pm_error_get_field (error);
  const char *server = pm_error_get_server_text (error);
  g_autofree char *text = NULL;

  text = server != NULL && g_strcmp0 (server, error->message) != 0
           ? g_strdup_printf ("%s (%s)", error->message, server)
           : g_strdup (error->message);
  if (g_strcmp0 (field, PM_BILL_FIELD_MEMBER_NM) == 0)
    {
      pm_ui_show_message (self->name_error, text);
      pm_ui_set_error_style (self->name_row, TRUE);
      gtk_widget_grab_focus (GTK_WIDGET (self->name_row));
    }
  else if (g_strcmp0 (field, PM_BILL_FIELD_PHONE) == 0)
    {
      pm_ui_show_message (self->phone_error, text);
      gtk_widget_remove_css_class (GTK_WIDGET (self->phone_error), "warning");
      gtk_widget_add_css_class (GTK_WIDGET (self->phone_error), "error");
      pm_ui_set_error_style (self->phone_row, TRUE);
      gtk_widget_grab_focus (GTK_WIDGET (self->phone_row));
    }
  else if (g_strcmp0 (field, PM_BILL_FIELD_PRODUCT_NM) == 0
           || g_strcmp0 (field, PM_BILL_FIELD_MESSAGE) == 0)
    pm_ui_show_message (self->optional_error, text);
  else
    pm_ui_show_message (self->status_label, text);
}

static void
register_done_cb (GObject      *object,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(PmAutopayRegisterDialog) self = user_data;
  g_autoptr(PmSendResult) reply = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *name = NULL;
  g_autofree char *digits = NULL;
  g_autofree char *description = NULL;
  g_autofree char *markup = NULL;

  reply = pm_service_autopay_register_finish (PM_SERVICE (object), result, &error);
  if (g_error_matches (error, PM_ERROR, PM_ERROR_CANCELLED)
      || g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  set_busy (self, FALSE);
  if (reply == NULL)
    {
      show_send_error (self, error);
      update_send (self);
      return;
    }

  name = pm_ui_entry_dup_text (self->name_row);
  pm_phone_normalize (gtk_editable_get_text (GTK_EDITABLE (self->phone_row)), &digits, NULL, NULL);
  self->link = g_strdup (reply->short_url != NULL && *reply->short_url != '\0'
                           ? reply->short_url : NULL);
  description = g_strdup_printf (self->link != NULL
                                   ? _("%s got a KakaoTalk message with this link. Their card "
                                       "appears on the AutoPay page by itself once they have "
                                       "registered it.")
                                   : _("%s got a KakaoTalk message with a registration link. "
                                       "Their card appears on the AutoPay page by itself once "
                                       "they have registered it."),
                                 name);
  markup = g_markup_escape_text (description, -1);
  adw_status_page_set_description (self->sent_page, markup); /* markup */
  gtk_label_set_label (self->link_label, self->link != NULL ? self->link : "");
  gtk_widget_set_visible (GTK_WIDGET (self->link_label), self->link != NULL);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "register.copy-link", self->link != NULL);
  gtk_widget_set_visible (GTK_WIDGET (self->send_button), FALSE);
  gtk_widget_set_visible (GTK_WIDGET (self->cancel_button), FALSE);
  gtk_widget_set_visible (GTK_WIDGET (self->done_button), TRUE);
  gtk_stack_set_visible_child_name (self->stack, "sent");
  gtk_widget_grab_focus (GTK_WIDGET (self->done_button));
  update_send (self);
  g_signal_emit (self, signals[SIGNAL_REGISTERED], 0, name, digits, self->link);
}

static void
send_action_cb (GtkWidget  *widget,
                const char *action_name,
                GVariant   *parameter)
{
  PmAutopayRegisterDialog *self = PM_AUTOPAY_REGISTER_DIALOG (widget);
  g_autofree char *name = NULL;
  g_autofree char *product = NULL;
  g_autofree char *message = NULL;
  gboolean ok;

  if (self->busy || self->link != NULL)
    return;
  ok = check_name (self, TRUE);
  ok = check_phone (self, TRUE) && ok;
  ok = check_optional (self) && ok;
  if (!ok)
    return;

  name = pm_ui_entry_dup_text (self->name_row);
  product = pm_ui_entry_dup_text (self->product_row);
  message = pm_ui_entry_dup_text (self->message_row);
  pm_ui_show_message (self->status_label, NULL);
  set_busy (self, TRUE);
  pm_service_autopay_register_async (self->service, name,
                                     gtk_editable_get_text (GTK_EDITABLE (self->phone_row)),
                                     *product != '\0' ? product : NULL,
                                     *message != '\0' ? message : NULL,
                                     self->cancellable, register_done_cb, g_object_ref (self));
}

static void
copy_link_action_cb (GtkWidget  *widget,
                     const char *action_name,
                     GVariant   *parameter)
{
  PmAutopayRegisterDialog *self = PM_AUTOPAY_REGISTER_DIALOG (widget);

  if (self->link == NULL)
    return;
  gdk_clipboard_set_text (gtk_widget_get_clipboard (widget), self->link);
  /* the button itself says it worked */
  gtk_button_set_label (self->copy_button, _("Copied"));
}

static void
entry_activated_cb (PmAutopayRegisterDialog *self)
{
  gtk_widget_activate_action (GTK_WIDGET (self), "register.send", NULL);
}

static void
pm_autopay_register_dialog_set_property (GObject      *object,
                                         guint         prop_id,
                                         const GValue *value,
                                         GParamSpec   *pspec)
{
  PmAutopayRegisterDialog *self = PM_AUTOPAY_REGISTER_DIALOG (object);

  switch (prop_id)
    {
    case PROP_SERVICE:
      g_set_object (&self->service, g_value_get_object (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
pm_autopay_register_dialog_dispose (GObject *object)
{
  PmAutopayRegisterDialog *self = PM_AUTOPAY_REGISTER_DIALOG (object);

  g_cancellable_cancel (self->cancellable);
  gtk_widget_dispose_template (GTK_WIDGET (self), PM_TYPE_AUTOPAY_REGISTER_DIALOG);
  g_clear_object (&self->service);

  G_OBJECT_CLASS (pm_autopay_register_dialog_parent_class)->dispose (object);
}

static void
pm_autopay_register_dialog_finalize (GObject *object)
{
  PmAutopayRegisterDialog *self = PM_AUTOPAY_REGISTER_DIALOG (object);

  g_clear_object (&self->cancellable);
  g_free (self->link);

  G_OBJECT_CLASS (pm_autopay_register_dialog_parent_class)->finalize (object);
}

static void
pm_autopay_register_dialog_class_init (PmAutopayRegisterDialogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  pm_ui_ensure_resources ();

  object_class->set_property = pm_autopay_register_dialog_set_property;
  object_class->dispose = pm_autopay_register_dialog_dispose;
  object_class->finalize = pm_autopay_register_dialog_finalize;

  properties[PROP_SERVICE] =
    g_param_spec_object ("service", NULL, NULL, PM_TYPE_SERVICE,
                         G_PARAM_WRITABLE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /* name, normalised phone, link (may be NULL) */
  signals[SIGNAL_REGISTERED] =
    g_signal_new ("registered", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 3, G_TYPE_STRING, G_TYPE_STRING, G_TYPE_STRING);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               RESOURCE_PATH "/pm-autopay-register-dialog.ui");
  gtk_widget_class_bind_template_child (widget_class, PmAutopayRegisterDialog, cancel_button);
  gtk_widget_class_bind_template_child (widget_class, PmAutopayRegisterDialog, send_button);
  gtk_widget_class_bind_template_child (widget_class, PmAutopayRegisterDialog, done_button);
  gtk_widget_class_bind_template_child (widget_class, PmAutopayRegisterDialog, spinner);
  gtk_widget_class_bind_template_child (widget_class, PmAutopayRegisterDialog, stack);
  gtk_widget_class_bind_template_child (widget_class, PmAutopayRegisterDialog, name_row);
  gtk_widget_class_bind_template_child (widget_class, PmAutopayRegisterDialog, name_error);
  gtk_widget_class_bind_template_child (widget_class, PmAutopayRegisterDialog, phone_row);
  gtk_widget_class_bind_template_child (widget_class, PmAutopayRegisterDialog, phone_error);
  gtk_widget_class_bind_template_child (widget_class, PmAutopayRegisterDialog, product_row);
  gtk_widget_class_bind_template_child (widget_class, PmAutopayRegisterDialog, message_row);
  gtk_widget_class_bind_template_child (widget_class, PmAutopayRegisterDialog, optional_error);
  gtk_widget_class_bind_template_child (widget_class, PmAutopayRegisterDialog, status_label);
  gtk_widget_class_bind_template_child (widget_class, PmAutopayRegisterDialog, sent_page);
  gtk_widget_class_bind_template_child (widget_class, PmAutopayRegisterDialog, link_label);
  gtk_widget_class_bind_template_child (widget_class, PmAutopayRegisterDialog, copy_button);
  gtk_widget_class_bind_template_callback (widget_class, name_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, phone_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, optional_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, entry_activated_cb);

  gtk_widget_class_install_action (widget_class, "register.send", NULL, send_action_cb);
  gtk_widget_class_install_action (widget_class, "register.copy-link", NULL, copy_link_action_cb);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Return, GDK_CONTROL_MASK,
                                       "register.send", NULL);
}

static void
pm_autopay_register_dialog_init (PmAutopayRegisterDialog *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  self->cancellable = g_cancellable_new ();
  /* Korean wraps between words; the link alone may break anywhere (it has no spaces) */
  gtk_label_set_wrap (self->link_label, FALSE);
  pm_ui_wrap_words_within (GTK_WIDGET (self));
  gtk_label_set_wrap (self->link_label, TRUE);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "register.copy-link", FALSE);
  update_send (self);
}

GtkWidget *
pm_autopay_register_dialog_new (PmService *service)
{
  g_return_val_if_fail (PM_IS_SERVICE (service), NULL);

  return g_object_new (PM_TYPE_AUTOPAY_REGISTER_DIALOG, "service", service, NULL);
}

const char *
pm_autopay_register_dialog_get_link (PmAutopayRegisterDialog *self)
{
  g_return_val_if_fail (PM_IS_AUTOPAY_REGISTER_DIALOG (self), NULL);

  return self->link;
}
