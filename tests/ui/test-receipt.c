/* test-receipt.c — Receipt… in a bill's details, in a real window on the sandbox
 *
 * Copyright 2026 The Paymint Desk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The button is there for a paid or refunded bill and not for an unpaid one; the print
 * operation it runs is exported to a PDF (what "Print to File" in the dialog does) and
 * read back with pdftotext (poppler-utils; skipped without it).
 *
 * PM_RECEIPT_SCREENSHOTS=DIR also saves the window as DIR/receipt-window-*.png and the
 * exported receipts as DIR/receipt-print-*.pdf.
 */

#include "config.h"

#include <adwaita.h>
#include <glib/gi18n.h>
#include <locale.h>
#include <string.h>

#include "pm-application.h"
#include "pm-bill-detail.h"
#include "pm-payments-view.h"
#include "pm-receipt.h"
#include "pm-test-gtk-util.h"
#include "pm-test-service.h"
#include "pm-test-util.h"
#include "pm-window.h"

static PmApplication *app;
static PmWindow *window;
static PmPaymentsView *view;
static const char *tmp_dir;
static PmBill *paid_bill, *unpaid_bill;

static PmService *
service (void)
{
  return pm_application_get_service (app);
}

static PmBill *
send_bill (const char *name,
           const char *product,
           gint64      price)
{
  g_autoptr(PmBill) draft = pm_bill_new ();
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  g_autoptr(GDateTime) later = g_date_time_add_days (now, 7);
  g_autofree char *expire = g_date_time_format (later, "%Y-%m-%d");
  g_autoptr(GError) error = NULL;
  PmBill *bill;

  pm_bill_set_payer_name (draft, name);
  pm_bill_set_phone (draft, "010-1111-2222");
  pm_bill_set_product (draft, product);
  pm_bill_set_message (draft, "결제 부탁드립니다");
  pm_bill_set_price (draft, price);
  pm_bill_set_expire_date (draft, expire);
  bill = pm_test_send (service (), draft, &error);
  g_assert_no_error (error);
  g_assert_nonnull (bill);
  return bill;
}

static GtkWidget *
detail (void)
{
  return pm_test_find_widget (GTK_WIDGET (view), PM_TYPE_BILL_DETAIL);
}

static GtkWidget *
receipt_button (void)
{
  GtkWidget *button = pm_test_find_button (detail (), "detail.receipt");

  g_assert_nonnull (button);
  return button;
}

static gboolean
shows_bill (gpointer bill_id)
{
  PmBill *bill = pm_bill_detail_get_bill (PM_BILL_DETAIL (detail ()));

  return bill != NULL && g_strcmp0 (pm_bill_get_bill_id (bill), bill_id) == 0
         && gtk_widget_get_mapped (detail ());
}

static void
show (PmBill *bill)
{
  pm_payments_view_select_bill (view, pm_bill_get_bill_id (bill));
  pm_test_wait_for_frames_until (GTK_WIDGET (view), shows_bill,
                                 (gpointer) pm_bill_get_bill_id (bill), 5000);
}

static void
screenshot_of (GtkWidget  *toplevel,
               const char *name)
{
  const char *dir = g_getenv ("PM_RECEIPT_SCREENSHOTS");
  g_autoptr(GdkPaintable) paintable = NULL;
  g_autoptr(GtkSnapshot) snapshot = NULL;
  g_autoptr(GskRenderNode) node = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  g_autofree char *path = NULL;
  GskRenderer *renderer;
  int width, height;

  if (dir == NULL)
    return;
  pm_test_wait_for_draw (toplevel);
  width = gtk_widget_get_width (toplevel);
  height = gtk_widget_get_height (toplevel);
  paintable = gtk_widget_paintable_new (toplevel);
  snapshot = gtk_snapshot_new ();
  gdk_paintable_snapshot (paintable, snapshot, width, height);
  node = gtk_snapshot_free_to_node (g_steal_pointer (&snapshot));
  renderer = gtk_native_get_renderer (GTK_NATIVE (toplevel));
  texture = gsk_renderer_render_texture (renderer, node,
                                         &GRAPHENE_RECT_INIT (0, 0, width, height));
  path = g_strdup_printf ("%s/receipt-window-%s.png", dir, name);
  g_assert_true (gdk_texture_save_to_png (texture, path));
}

static void
screenshot (const char *name)
{
  screenshot_of (GTK_WIDGET (window), name);
}

/* The receipt as Receipt… in @detail prints it, exported to a PDF; its text. */
static char *
export_receipt_of (GtkWidget  *detail_widget,
                   const char *name)
{
  g_autoptr(GtkPrintOperation) operation = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *path = g_build_filename (tmp_dir, name, NULL);
  g_autofree char *out = NULL;
  GtkPrintSettings *settings;
  GtkPrintOperationResult result;
  const char *argv[] = { "pdftotext", "-layout", "-enc", "UTF-8", path, "-", NULL };
  int status = 0;

  operation = pm_bill_detail_create_receipt_operation (PM_BILL_DETAIL (detail_widget), &error);
  g_assert_no_error (error);
  g_assert_nonnull (operation);
  /* what the dialog would suggest and name the job */
  settings = gtk_print_operation_get_print_settings (operation);
  g_assert_nonnull (settings);
  {
    const char *basename = gtk_print_settings_get (settings, GTK_PRINT_SETTINGS_OUTPUT_BASENAME);
    const char *bill_id = pm_bill_get_bill_id (pm_bill_detail_get_bill (PM_BILL_DETAIL (detail_widget)));
    g_autofree char *job = NULL;

    /* "receipt-BILL" ("영수증-BILL" in Korean) and the job "Receipt BILL" */
    g_object_get (operation, "job-name", &job, NULL);
    g_assert_nonnull (basename);
    g_assert_true (g_str_has_suffix (basename, bill_id));
    g_assert_cmpuint (strlen (basename), >, strlen (bill_id) + 1);
    g_assert_true (g_str_has_suffix (job, bill_id));
    g_assert_cmpuint (strlen (job), >, strlen (bill_id) + 1);
  }
  g_assert_cmpstr (gtk_print_settings_get (settings, GTK_PRINT_SETTINGS_OUTPUT_FILE_FORMAT), ==,
                   "pdf");

  gtk_print_operation_set_export_filename (operation, path);
  result = gtk_print_operation_run (operation, GTK_PRINT_OPERATION_ACTION_EXPORT,
                                    GTK_WINDOW (window), &error);
  g_assert_no_error (error);
  g_assert_cmpint (result, ==, GTK_PRINT_OPERATION_RESULT_APPLY);
  g_assert_true (g_file_test (path, G_FILE_TEST_IS_REGULAR));
  if (g_getenv ("PM_RECEIPT_SCREENSHOTS") != NULL)
    {
      g_autofree char *copy = g_strdup_printf ("%s/receipt-print-%s",
                                               g_getenv ("PM_RECEIPT_SCREENSHOTS"), name);
      g_autofree char *contents = NULL;
      gsize length = 0;

      g_assert_true (g_file_get_contents (path, &contents, &length, NULL));
      g_assert_true (g_file_set_contents (copy, contents, (gssize) length, NULL));
    }

  g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, &out, NULL,
                &status, &error);
  g_assert_no_error (error);
  g_assert_true (g_spawn_check_wait_status (status, NULL));
  g_test_message ("%s", out);
  return g_steal_pointer (&out);
}

static char *
export_receipt (const char *name)
{
  return export_receipt_of (detail (), name);
}

static void
assert_has (const char *text,
            const char *want)
{
  if (strstr (text, want) == NULL)
    g_error ("“%s” is not in the receipt:\n%s", want, text);
}

static void
test_button (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PmBill) refreshed = NULL;

  paid_bill = send_bill ("김민지", "11월 수강료", 120000);
  unpaid_bill = send_bill ("이서준", "교재비", 35000);

  /* the payer pays; the desk reads it */
  g_assert_true (pm_sandbox_pay_bill (pm_application_get_sandbox (app),
                                      pm_bill_get_bill_id (paid_bill)));
  refreshed = pm_test_act (service (), pm_bill_get_bill_id (paid_bill), PM_BILL_ACTION_REFRESH,
                           &error);
  g_assert_no_error (error);
  g_assert_cmpint (pm_bill_get_state (refreshed), ==, PM_BILL_STATE_PAID);

  /* paid: Receipt… is on screen, among the harmless actions */
  show (paid_bill);
  g_assert_true (gtk_widget_get_mapped (receipt_button ()));
  g_assert_nonnull (gtk_widget_get_ancestor (receipt_button (), GTK_TYPE_FLOW_BOX));
  g_assert_true (gtk_widget_is_sensitive (receipt_button ()));
  g_assert_nonnull (pm_test_find_button_labelled (detail (), "Receipt…"));
  screenshot ("paid");

  /* unpaid: no such button, and no receipt to make */
  show (unpaid_bill);
  g_assert_false (gtk_widget_get_visible (receipt_button ()));
  g_assert_false (gtk_widget_get_mapped (receipt_button ()));
  g_assert_null (pm_test_find_button_labelled (detail (), "Receipt…"));
  {
    g_autoptr(GtkPrintOperation) none =
      pm_bill_detail_create_receipt_operation (PM_BILL_DETAIL (detail ()), &error);

    g_assert_null (none);
    g_assert_nonnull (error);
    g_assert_cmpstr (error->message, ==, "This bill has not been paid; there is no receipt.");
    g_clear_error (&error);
  }

  /* and back */
  show (paid_bill);
  g_assert_true (gtk_widget_get_mapped (receipt_button ()));
}

static GtkWidget *
find_print_dialog (void)
{
  GListModel *toplevels = gtk_window_get_toplevels ();  /* GTK's own */

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GtkWidget) w = g_list_model_get_item (toplevels, i);

      /* GtkPrintUnixDialog (its header is not in the gtk4 package's include path) */
      if (g_str_equal (G_OBJECT_TYPE_NAME (w), "GtkPrintUnixDialog") && gtk_widget_get_mapped (w))
        return w;
    }
  return NULL;
}

static gboolean
print_dialog_shown (gpointer data)
{
  return find_print_dialog () != NULL;
}

static gboolean
print_dialog_gone (gpointer data)
{
  return find_print_dialog () == NULL;
}

/* Receipt… opens the print dialog over the window; Cancel closes it, nothing else */
static void
test_dialog (void)
{
  GtkWidget *dialog;

  show (paid_bill);
  g_assert_null (find_print_dialog ());
  gtk_widget_activate (receipt_button ());
  pm_test_spin_until (print_dialog_shown, NULL, 10000);
  dialog = find_print_dialog ();
  g_assert_true (gtk_window_get_transient_for (GTK_WINDOW (dialog)) == GTK_WINDOW (window));
  g_assert_true (gtk_window_get_modal (GTK_WINDOW (dialog)));
  screenshot_of (dialog, "print-dialog");
  gtk_dialog_response (GTK_DIALOG (dialog), GTK_RESPONSE_CANCEL);
  pm_test_spin_until (print_dialog_gone, NULL, 10000);
  pm_test_wait_for_draw (GTK_WIDGET (window));
  /* no error was shown: the window is the only one on screen */
  {
    GListModel *toplevels = gtk_window_get_toplevels ();  /* GTK's own */
    guint mapped = 0;

    for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
      {
        g_autoptr(GtkWidget) w = g_list_model_get_item (toplevels, i);

        if (gtk_widget_get_mapped (w))
          mapped++;
      }
    g_assert_cmpuint (mapped, ==, 1);
  }
}

static void
test_export (void)
{
  g_autoptr(PmBill) bill = pm_service_lookup (service (), pm_bill_get_bill_id (paid_bill), NULL);
  g_autofree char *text = NULL;
  g_autofree char *paid_at = NULL;
  const char *dt;

  g_assert_nonnull (bill);
  show (paid_bill);
  text = export_receipt ("paid.pdf");
  dt = pm_bill_get_appr_dt (bill);
  paid_at = g_strdup_printf ("%.4s-%.2s-%.2s %.2s:%.2s:%.2s KST", dt, dt + 4, dt + 6, dt + 8,
                             dt + 10, dt + 12);
  assert_has (text, "Receipt");
  /* the business is the connection's */
  assert_has (text, pm_profile_get_name (pm_service_get_profile (service ())));
  assert_has (text, "김민지");
  assert_has (text, "11월 수강료");
  assert_has (text, "₩120,000");
  assert_has (text, "십이만 원");
  assert_has (text, pm_bill_get_appr_num (bill));
  assert_has (text, pm_bill_get_appr_issuer (bill));
  assert_has (text, paid_at);
  assert_has (text, pm_bill_get_bill_id (bill));
  g_assert_null (strstr (text, "Refund"));
}

static void
test_refunded (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PmBill) refunded = NULL;
  g_autoptr(GPtrArray) events = NULL;
  g_autofree char *text = NULL;
  g_autofree char *refund_time = NULL;

  refunded = pm_test_act (service (), pm_bill_get_bill_id (paid_bill), PM_BILL_ACTION_CANCEL,
                          &error);
  g_assert_no_error (error);
  g_assert_cmpint (pm_bill_get_state (refunded), ==, PM_BILL_STATE_CANCELLED);

  /* a refunded bill still has its receipt, now with the refund */
  show (paid_bill);
  pm_test_wait_for_draw (GTK_WIDGET (view));
  g_assert_true (gtk_widget_get_mapped (receipt_button ()));
  screenshot ("refunded");
  text = export_receipt ("refunded.pdf");
  events = pm_service_list_events (service (), pm_bill_get_bill_id (paid_bill), &error);
  g_assert_no_error (error);
  {
    g_autoptr(GTimeZone) korea = pm_bill_korea_time_zone ();
    g_autoptr(GDateTime) utc =
      g_date_time_new_from_unix_utc (pm_receipt_find_refund_time (events));
    g_autoptr(GDateTime) local = g_date_time_to_timezone (utc, korea);

    g_assert_cmpint (pm_receipt_find_refund_time (events), >, 0);
    refund_time = g_date_time_format (local, "%Y-%m-%d %H:%M:%S KST");
  }
  assert_has (text, "This payment was cancelled and refunded.");
  assert_has (text, "김민지");
  assert_has (text, "Refunded in full");
  assert_has (text, "₩120,000 (십이만 원)");
  assert_has (text, refund_time);
}

/* In Korean: the button, and the receipt's title and labels. */
static void
test_korean (void)
{
  g_autofree char *localedir = g_build_filename (g_getenv ("PM_BUILD_ROOT"), "po", NULL);
  g_autofree char *old_domain = g_strdup (textdomain (NULL));
  g_autoptr(PmBill) bill = pm_service_lookup (service (), pm_bill_get_bill_id (paid_bill), NULL);
  g_autoptr(GPtrArray) events = pm_service_list_events (service (),
                                                        pm_bill_get_bill_id (paid_bill), NULL);
  g_autofree char *text = NULL;
  GtkWidget *korean_window;
  GtkWidget *korean_detail;
  GtkWidget *button;

  g_setenv ("LANGUAGE", "ko", TRUE);
  textdomain (GETTEXT_PACKAGE);
  bindtextdomain (GETTEXT_PACKAGE, localedir);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  g_assert_cmpstr (g_dgettext (GETTEXT_PACKAGE, "Rec_eipt…"), ==, "영수증(_E)…");

  korean_window = gtk_window_new ();
  gtk_window_set_default_size (GTK_WINDOW (korean_window), 380, 760);
  korean_detail = pm_bill_detail_new ();
  pm_bill_detail_set_service (PM_BILL_DETAIL (korean_detail), service ());
  pm_bill_detail_set_bill (PM_BILL_DETAIL (korean_detail), bill, events);
  gtk_window_set_child (GTK_WINDOW (korean_window), korean_detail);
  gtk_window_present (GTK_WINDOW (korean_window));
  pm_test_wait_for_draw (korean_window);

  button = pm_test_find_button (korean_detail, "detail.receipt");
  g_assert_nonnull (button);
  g_assert_true (gtk_widget_get_mapped (button));
  g_assert_nonnull (pm_test_find_button_labelled (korean_detail, "영수증(E)…"));
  screenshot_of (korean_window, "korean");

  text = export_receipt_of (korean_detail, "korean.pdf");
  assert_has (text, "영수증");
  assert_has (text, "결제자");
  assert_has (text, "결제 금액");
  assert_has (text, "한글 금액");
  assert_has (text, "십이만 원");
  assert_has (text, "승인 번호");
  assert_has (text, "일시불");
  assert_has (text, "전액 환불");  /* refunded by the test before */

  gtk_window_destroy (GTK_WINDOW (korean_window));
  g_unsetenv ("LANGUAGE");
  textdomain (old_domain);
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GError) error = NULL;
  g_autofree char *pdftotext = NULL;
  int ret;

  tmp_dir = pm_test_init (&argc, &argv);
  pdftotext = g_find_program_in_path ("pdftotext");
  if (pdftotext == NULL)
    {
      g_printerr ("pdftotext (poppler-utils) is not installed: skipped\n");
      return 77;
    }
  /* a paid bill is announced: the desktop's notification server takes it */
  pm_test_start_notification_server ();
  app = pm_application_new ();
  g_application_set_flags (G_APPLICATION (app), G_APPLICATION_NON_UNIQUE);
  pm_application_set_use_sandbox (app, TRUE);
  g_application_register (G_APPLICATION (app), NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (pm_application_get_sandbox (app));
  /* nobody pays by themselves in these tests unless the test says so */
  pm_sandbox_set_payers (pm_application_get_sandbox (app), 0.0, 60, 60, 0.0);

  g_application_activate (G_APPLICATION (app));
  window = PM_WINDOW (gtk_application_get_active_window (GTK_APPLICATION (app)));
  view = PM_PAYMENTS_VIEW (pm_window_get_payments_view (window));
  g_assert_nonnull (view);
  gtk_window_set_default_size (GTK_WINDOW (window), 1100, 760);

  g_test_add_func ("/receipt/button", test_button);
  g_test_add_func ("/receipt/dialog", test_dialog);
  g_test_add_func ("/receipt/export", test_export);
  g_test_add_func ("/receipt/refunded", test_refunded);
  g_test_add_func ("/receipt/korean", test_korean);

  ret = g_test_run ();
  g_clear_object (&paid_bill);
  g_clear_object (&unpaid_bill);
  gtk_window_destroy (GTK_WINDOW (window));
  g_application_quit (G_APPLICATION (app));
  g_clear_object (&app);
  return ret;
}
