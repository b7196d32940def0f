/* pm-receipt.h — the receipt of a paid (or refunded) bill, drawn with cairo and Pango
 *
 * Copyright 2026 The Paymint Desk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A receipt is a snapshot: pm_receipt_new() copies what it shows from the bill and the
 * connection, so a bill that changes later does not change a receipt being printed.
 * It draws onto any cairo_t (a PDF page, a print dialog's page, a preview), in cairo's
 * user units taken as points, at any width from a narrow receipt roll to A4.
 */

#pragma once

#include <cairo.h>
#include <glib-object.h>

#include "pm-bill.h"
#include "pm-profile.h"

G_BEGIN_DECLS

/* Paper sizes, in points (1/72 inch). */
#define PM_RECEIPT_A4_WIDTH    (210.0 / 25.4 * 72.0)
#define PM_RECEIPT_A4_HEIGHT   (297.0 / 25.4 * 72.0)
#define PM_RECEIPT_ROLL_WIDTH  (80.0 / 25.4 * 72.0)  /* an 80 mm receipt roll */

typedef enum
{
  PM_RECEIPT_PAPER_A4,    /* one A4 page */
  PM_RECEIPT_PAPER_ROLL,  /* 80 mm wide, as long as the receipt needs */
} PmReceiptPaper;

#define PM_TYPE_RECEIPT (pm_receipt_get_type ())
G_DECLARE_FINAL_TYPE (PmReceipt, pm_receipt, PM, RECEIPT, GObject)

/* Whether @bill has a receipt: it was paid (paid, or refunded after it was paid). */
gboolean    pm_receipt_bill_has_receipt  (PmBill          *bill);
/* When the bill was refunded, from its timeline (element-type PmLedgerEvent, oldest
 * first): the time of the last change to the refunded state; 0 when none is recorded. */
gint64      pm_receipt_find_refund_time  (GPtrArray       *events);

/* The receipt of @bill for the business of @profile (its name, and its business number
 * when set; NULL: none shown). @refunded_at: unix UTC of the refund, 0 when unknown (used
 * only for a refunded bill). A bill that was never paid has no receipt:
 * PM_ERROR_INVALID naming the field "state". */
PmReceipt  *pm_receipt_new               (PmBill          *bill,
                                          PmProfile       *profile,
                                          gint64           refunded_at,
                                          GError         **error);

const char *pm_receipt_get_bill_id       (PmReceipt       *self);
gboolean    pm_receipt_is_refunded       (PmReceipt       *self);
/* "Receipt BILL" for a print job; "receipt-BILL.pdf" for a file (translated). */
char       *pm_receipt_dup_title         (PmReceipt       *self);
char       *pm_receipt_dup_file_name     (PmReceipt       *self);
/* What the receipt says, one "Label: value" a line (the title and business first). */
char       *pm_receipt_to_text           (PmReceipt       *self);

/* The height in points the receipt needs at @width points. */
double      pm_receipt_get_height        (PmReceipt       *self,
                                          double           width);
/* Draws the receipt on @cr within @width × @height (user units taken as points), from
 * the top left corner of the current user space. Scaled down to fit when @height is
 * shorter than pm_receipt_get_height(). */
void        pm_receipt_draw              (PmReceipt       *self,
                                          cairo_t         *cr,
                                          double           width,
                                          double           height);

/* A one-page PDF at @path (A4, or a roll page as long as the receipt), written to a
 * temporary file in the same folder and renamed into place: on failure nothing is left
 * at @path (an older file there stays as it was). The error names @path. */
gboolean    pm_receipt_write_pdf         (PmReceipt       *self,
                                          const char      *path,
                                          GError         **error);
gboolean    pm_receipt_write_pdf_for_paper (PmReceipt     *self,
                                            PmReceiptPaper paper,
                                            const char    *path,
                                            GError       **error);

G_END_DECLS
