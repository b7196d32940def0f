/* pm-test-gtk-util.h — what every real-window test shares: finding widgets as a user
 * would see them, and waiting for frames rather than for fixed times
 *
 * Copyright 2026 The Paymint Desk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Header-only (static functions), so a UI test program includes it without another
 * library to link.
 */

#pragma once

#include <gtk/gtk.h>

#include "pm-test-util.h"

G_BEGIN_DECLS

/* The first widget of @type under @root (itself included), depth first. */
static inline GtkWidget *
pm_test_find_widget (GtkWidget *root,
                     GType      type)
{
  if (G_TYPE_CHECK_INSTANCE_TYPE (root, type))
    return root;
  for (GtkWidget *c = gtk_widget_get_first_child (root); c != NULL; c = gtk_widget_get_next_sibling (c))
    {
      GtkWidget *found = pm_test_find_widget (c, type);

      if (found != NULL)
        return found;
    }
  return NULL;
}

/* Every widget of @type under @root that is on screen (mapped), in tree order. */
static inline void
pm_test_collect_mapped (GtkWidget *root,
                        GType      type,
                        GPtrArray *out)
{
  if (!gtk_widget_get_mapped (root))
    return;
  if (G_TYPE_CHECK_INSTANCE_TYPE (root, type))
    g_ptr_array_add (out, root);
  for (GtkWidget *c = gtk_widget_get_first_child (root); c != NULL; c = gtk_widget_get_next_sibling (c))
    pm_test_collect_mapped (c, type, out);
}

/* A label on screen showing exactly @text. */
static inline GtkWidget *
pm_test_find_label (GtkWidget  *root,
                    const char *text)
{
  if (GTK_IS_LABEL (root) && gtk_widget_get_mapped (root)
      && g_strcmp0 (gtk_label_get_label (GTK_LABEL (root)), text) == 0)
    return root;
  for (GtkWidget *c = gtk_widget_get_first_child (root); c != NULL; c = gtk_widget_get_next_sibling (c))
    {
      GtkWidget *found = pm_test_find_label (c, text);

      if (found != NULL)
        return found;
    }
  return NULL;
}

/* The first button under @root that activates @action. */
static inline GtkWidget *
pm_test_find_button (GtkWidget  *root,
                     const char *action)
{
  if (GTK_IS_BUTTON (root)
      && g_strcmp0 (gtk_actionable_get_action_name (GTK_ACTIONABLE (root)), action) == 0)
    return root;
  for (GtkWidget *c = gtk_widget_get_first_child (root); c != NULL; c = gtk_widget_get_next_sibling (c))
    {
      GtkWidget *found = pm_test_find_button (c, action);

      if (found != NULL)
        return found;
    }
  return NULL;
}

/* The first button on screen under @root whose label (its own, or its child label's,
 * mnemonic underscores left out) is @text. */
static inline GtkWidget *
pm_test_find_button_labelled (GtkWidget  *root,
                              const char *text)
{
  if (GTK_IS_BUTTON (root) && gtk_widget_get_mapped (root))
    {
      const char *label = gtk_button_get_label (GTK_BUTTON (root));
      GtkWidget *child = gtk_button_get_child (GTK_BUTTON (root));

      if (label == NULL && GTK_IS_LABEL (child))
        label = gtk_label_get_text (GTK_LABEL (child));
      if (label != NULL)
        {
          g_autoptr(GString) plain = g_string_new (label);

          g_string_replace (plain, "_", "", 0);
          if (g_strcmp0 (plain->str, text) == 0)
            return root;
        }
    }
  for (GtkWidget *c = gtk_widget_get_first_child (root); c != NULL; c = gtk_widget_get_next_sibling (c))
    {
      GtkWidget *found = pm_test_find_button_labelled (c, text);

      if (found != NULL)
        return found;
    }
  return NULL;
}

static inline void
pm_test_painted_cb (GdkFrameClock *clock,
                    gpointer       user_data)
{
  *(gboolean *) user_data = TRUE;
}

/* Waits until @widget's window has painted a new frame (so what was changed before is
 * laid out and drawn), then for the display to have taken it. */
static inline void
pm_test_wait_for_draw (GtkWidget *widget)
{
  GtkNative *native = gtk_widget_get_native (widget);
  GdkFrameClock *clock;
  gboolean painted = FALSE;
  gulong id;

  g_assert_nonnull (native);
  g_assert_true (gtk_widget_get_realized (GTK_WIDGET (native)));
  clock = gtk_widget_get_frame_clock (GTK_WIDGET (native));
  id = g_signal_connect (clock, "after-paint", G_CALLBACK (pm_test_painted_cb), &painted);
  gtk_widget_queue_draw (GTK_WIDGET (native));
  g_assert_true (pm_test_wait_flag (&painted, 5000));
  g_signal_handler_disconnect (clock, id);
  gdk_display_sync (gtk_widget_get_display (widget));
}

typedef struct
{
  gboolean (*done) (gpointer);
  gpointer   data;
  gboolean   held;
} PmTestFrameWait;

static inline void
pm_test_frame_check_cb (GdkFrameClock   *clock,
                        PmTestFrameWait *wait)
{
  if (wait->done (wait->data))
    wait->held = TRUE;
}

/* Waits, frame after frame, until @done (@data) holds after a paint of @widget's window;
 * asserts that it does within @timeout_ms. */
static inline void
pm_test_wait_for_frames_until (GtkWidget *widget,
                               gboolean (*done) (gpointer),
                               gpointer   data,
                               guint      timeout_ms)
{
  GdkFrameClock *clock = gtk_widget_get_frame_clock (GTK_WIDGET (gtk_widget_get_native (widget)));
  PmTestFrameWait wait = { done, data, FALSE };
  gint64 end = g_get_monotonic_time () + (gint64) timeout_ms * 1000;
  gulong id;

  g_assert_nonnull (clock);
  if (done (data))
    {
      pm_test_wait_for_draw (widget);
      if (done (data))
        return;
    }
  id = g_signal_connect (clock, "after-paint", G_CALLBACK (pm_test_frame_check_cb), &wait);
  while (!wait.held && g_get_monotonic_time () < end)
    {
      gtk_widget_queue_draw (GTK_WIDGET (gtk_widget_get_native (widget)));
      g_main_context_iteration (NULL, TRUE);
    }
  g_signal_handler_disconnect (clock, id);
  g_assert_true (wait.held);
}

G_END_DECLS
