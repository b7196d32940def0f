/* pm-storage-banner.c — "the payments database cannot be written": what failed, what to do
 *
 * Copyright 2026 The Paymint Desk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n.h>

#include "pm-storage-banner.h"
#include "pm-ui.h"

struct _PmStorageBanner
{
  GtkWidget   parent_instance;

  PmService  *service;

  GtkWidget  *info_bar;
  GtkLabel   *title_label;
  GtkLabel   *detail_label;
  GtkLabel   *advice_label;
  GtkLabel   *result_label;  /* after a Retry that did not help */
};

G_DEFINE_FINAL_TYPE (PmStorageBanner, pm_storage_banner, GTK_TYPE_WIDGET)

enum {
  PROP_0,
  PROP_SERVICE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* Whether the ledger in use is the shop's (PostgreSQL, on a server) rather than a file. */
static gboolean
is_shop_ledger (PmStorageBanner *self)
{
  PmLedger *ledger = self->service != NULL ? pm_service_get_ledger (self->service) : NULL;

  return ledger != NULL && pm_ledger_is_shared (ledger);
}

static void
update (PmStorageBanner *self)
{
  const char *problem = self->service != NULL ? pm_service_get_storage_error (self->service)
                                              : NULL;

  gtk_label_set_label (self->detail_label, problem != NULL ? problem : "");
  /* what to do depends on where the payments are kept: a disk here, or a server */
  if (is_shop_ledger (self))
    gtk_label_set_label (self->advice_label,
                         _("Check that the shop ledger’s server is running and that this desk "
                           "can reach it, then choose Retry. Requests already sent are checked "
                           "again then; nothing is sent twice."));
  else
    gtk_label_set_label (self->advice_label,
                         _("Free some disk space or check the folder that holds the payments "
                           "database, then choose Retry. Requests already sent are checked "
                           "again then; nothing is sent twice."));
  if (problem == NULL)
    gtk_label_set_label (self->result_label, "");
  gtk_widget_set_visible (GTK_WIDGET (self->result_label),
                          *gtk_label_get_label (self->result_label) != '\0');
  gtk_widget_set_visible (GTK_WIDGET (self), problem != NULL);
  gtk_info_bar_set_revealed (GTK_INFO_BAR (self->info_bar), problem != NULL);
}

static void
storage_error_changed_cb (PmService       *service,
                          GParamSpec      *pspec,
                          PmStorageBanner *self)
{
  update (self);
}

static void
retry_action_cb (GtkWidget  *widget,
                 const char *action_name,
                 GVariant   *parameter)
{
  PmStorageBanner *self = PM_STORAGE_BANNER (widget);
  g_autoptr(GError) error = NULL;

  if (self->service == NULL)
    return;
  if (!pm_service_retry_storage (self->service, &error))
    {
      /* the detail (the service's error) says why; this says the Retry was heard */
      gtk_label_set_label (self->result_label,
                           is_shop_ledger (self)
                             ? _("It still cannot be written. Check the shop ledger’s server "
                                 "and the network, then try again.")
                             : _("It still cannot be written. Check the disk and the folder, "
                                 "then try again."));
      g_debug ("Retry did not help: %s", error->message);
    }
  update (self);
}

static void
pm_storage_banner_get_property (GObject    *object,
                                guint       prop_id,
                                GValue     *value,
                                GParamSpec *pspec)
{
  PmStorageBanner *self = PM_STORAGE_BANNER (object);

  switch (prop_id)
    {
    case PROP_SERVICE:
      g_value_set_object (value, self->service);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
pm_storage_banner_set_property (GObject      *object,
                                guint         prop_id,
                                const GValue *value,
                                GParamSpec   *pspec)
{
  PmStorageBanner *self = PM_STORAGE_BANNER (object);

  switch (prop_id)
    {
    case PROP_SERVICE:
      pm_storage_banner_set_service (self, g_value_get_object (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
pm_storage_banner_dispose (GObject *object)
{
  PmStorageBanner *self = PM_STORAGE_BANNER (object);

  pm_storage_banner_set_service (self, NULL);
  g_clear_pointer (&self->info_bar, gtk_widget_unparent);

  G_OBJECT_CLASS (pm_storage_banner_parent_class)->dispose (object);
}

static void
pm_storage_banner_class_init (PmStorageBannerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->get_property = pm_storage_banner_get_property;
  object_class->set_property = pm_storage_banner_set_property;
  object_class->dispose = pm_storage_banner_dispose;

  properties[PROP_SERVICE] =
    g_param_spec_object ("service", NULL, NULL, PM_TYPE_SERVICE,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_install_action (widget_class, "storage.retry", NULL, retry_action_cb);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "storagebanner");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_ALERT);
}

static GtkLabel *
add_label (GtkBox *box)
{
  GtkLabel *label = GTK_LABEL (gtk_label_new (NULL));

  gtk_label_set_xalign (label, 0.0f);
  gtk_label_set_selectable (label, FALSE);
  pm_ui_label_wrap_words (label);
  gtk_box_append (box, GTK_WIDGET (label));
  return label;
}

static void
pm_storage_banner_init (PmStorageBanner *self)
{
  GtkBox *box = GTK_BOX (gtk_box_new (GTK_ORIENTATION_VERTICAL, 2));
  GtkWidget *retry;

  self->info_bar = gtk_info_bar_new ();
  gtk_info_bar_set_message_type (GTK_INFO_BAR (self->info_bar), GTK_MESSAGE_ERROR);
  gtk_widget_set_parent (self->info_bar, GTK_WIDGET (self));

  gtk_widget_set_hexpand (GTK_WIDGET (box), TRUE);
  self->title_label = add_label (box);
  gtk_label_set_label (self->title_label,
                       _("Payments cannot be saved, so sending is paused"));
  gtk_widget_add_css_class (GTK_WIDGET (self->title_label), "heading");
  self->detail_label = add_label (box);
  self->advice_label = add_label (box);
  self->result_label = add_label (box);
  gtk_widget_add_css_class (GTK_WIDGET (self->result_label), "dim-label");
  gtk_info_bar_add_child (GTK_INFO_BAR (self->info_bar), GTK_WIDGET (box));

  retry = gtk_button_new_with_mnemonic (_("_Retry"));
  gtk_actionable_set_action_name (GTK_ACTIONABLE (retry), "storage.retry");
  gtk_widget_set_valign (retry, GTK_ALIGN_CENTER);
  gtk_info_bar_add_action_widget (GTK_INFO_BAR (self->info_bar), retry, GTK_RESPONSE_ACCEPT);

  update (self);
}

GtkWidget *
pm_storage_banner_new (PmService *service)
{
  g_return_val_if_fail (service == NULL || PM_IS_SERVICE (service), NULL);

  return g_object_new (PM_TYPE_STORAGE_BANNER, "service", service, NULL);
}

void
pm_storage_banner_set_service (PmStorageBanner *self,
                               PmService       *service)
{
  g_return_if_fail (PM_IS_STORAGE_BANNER (self));
  g_return_if_fail (service == NULL || PM_IS_SERVICE (service));

  if (self->service == service)
    return;
  if (self->service != NULL)
    g_signal_handlers_disconnect_by_func (self->service, storage_error_changed_cb, self);
  g_set_object (&self->service, service);
  if (service != NULL)
    {
      g_signal_connect_object (service, "notify::storage-error",
                               G_CALLBACK (storage_error_changed_cb), self, 0);
      /* the advice follows the ledger in use (this desk's file, or the shop's) */
      g_signal_connect_object (service, "notify::ledger",
                               G_CALLBACK (storage_error_changed_cb), self, 0);
    }
  if (self->result_label != NULL)
    update (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SERVICE]);
}

PmService *
pm_storage_banner_get_service (PmStorageBanner *self)
{
  g_return_val_if_fail (PM_IS_STORAGE_BANNER (self), NULL);

  return self->service;
}

char *
pm_storage_banner_dup_text (PmStorageBanner *self)
{
  g_return_val_if_fail (PM_IS_STORAGE_BANNER (self), NULL);

  if (!gtk_widget_get_visible (GTK_WIDGET (self)))
    return g_strdup ("");
  return g_strjoin ("\n", gtk_label_get_label (self->title_label),
                    gtk_label_get_label (self->detail_label),
                    gtk_label_get_label (self->advice_label),
                    gtk_label_get_label (self->result_label), NULL);
}
