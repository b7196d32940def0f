/* pm-template-editor.h — the preferences page that edits message templates
 *
 * Copyright 2026 The Paymint Desk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define PM_TYPE_TEMPLATE_EDITOR (pm_template_editor_get_type ())
G_DECLARE_FINAL_TYPE (PmTemplateEditor, pm_template_editor, PM, TEMPLATE_EDITOR,
                      AdwPreferencesPage)

/* A page listing the "message-templates" of @settings (the app's schema; NULL: a new
 * GSettings for it): add, rename, change the text, delete. Each change is saved at once.
 * Actions: "templates.add", "templates.remove" (int32 index). */
GtkWidget *pm_template_editor_new (GSettings *settings);

G_END_DECLS
