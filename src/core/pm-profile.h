/* pm-profile.h — a connection profile: where and how to reach an MMK deployment
 *
 * Copyright 2026 The Paymint Desk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The fields of a profile are its secret: pm_profile_to_json() is what the keyring
 * stores; nothing here logs or prints a key.
 */

#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

typedef enum
{
  PM_PROFILE_MODE_MMK,         /* X-Paymint-MMK-Mode: true (+ member/merchant id when set) */
  PM_PROFILE_MODE_TRADITIONAL, /* X-Paymint-Host, -Api-Key, -Member-ID, -Merchant-ID, -Business-Number */
} PmProfileMode;

/* Field names in validation errors (pm_error_get_field()) and in the JSON document. */
#define PM_PROFILE_FIELD_NAME            "name"
#define PM_PROFILE_FIELD_BASE_URL        "base_url"
#define PM_PROFILE_FIELD_API_KEY         "api_key"
#define PM_PROFILE_FIELD_MEMBER_ID       "member_id"
#define PM_PROFILE_FIELD_MERCHANT_ID     "merchant_id"
#define PM_PROFILE_FIELD_BUSINESS_NUMBER "business_number"
#define PM_PROFILE_FIELD_PAYMINT_HOST    "paymint_host"
#define PM_PROFILE_FIELD_PAYMINT_API_KEY "paymint_api_key"
#define PM_PROFILE_FIELD_SHOP_LEDGER    "shop_ledger"

#define PM_TYPE_PROFILE_MODE (pm_profile_mode_get_type ())
GType pm_profile_mode_get_type (void) G_GNUC_CONST;

#define PM_TYPE_PROFILE (pm_profile_get_type ())
G_DECLARE_FINAL_TYPE (PmProfile, pm_profile, PM, PROFILE, GObject)

PmProfile     *pm_profile_new                 (void); /* with a fresh uuid, MMK mode */
PmProfile     *pm_profile_copy                (PmProfile    *self);

/* Checks every field; PM_ERROR_INVALID (or PM_ERROR_TLS for plain http to a remote
 * host) naming the field. */
gboolean       pm_profile_validate            (PmProfile    *self,
                                               GError      **error);

/* The secret document: {"version":1,"uuid":…,"name":…,"base_url":…,…}. */
char          *pm_profile_to_json             (PmProfile    *self);
PmProfile     *pm_profile_new_from_json       (const char   *json,
                                               GError      **error);

/* A bare host or a full URL → https://host[:port]/api/v1. http:// is kept only for
 * loopback hosts (127.0.0.0/8, ::1, localhost); otherwise PM_ERROR_TLS. */
char          *pm_profile_normalize_url       (const char   *input,
                                               GError      **error);
gboolean       pm_profile_host_is_loopback    (const char   *host);

const char    *pm_profile_get_uuid            (PmProfile *self);
void           pm_profile_set_uuid            (PmProfile *self, const char *value);
const char    *pm_profile_get_name            (PmProfile *self); /* display name */
void           pm_profile_set_name            (PmProfile *self, const char *value);
const char    *pm_profile_get_base_url        (PmProfile *self); /* as entered */
void           pm_profile_set_base_url        (PmProfile *self, const char *value);
const char    *pm_profile_get_api_key         (PmProfile *self); /* secret */
void           pm_profile_set_api_key         (PmProfile *self, const char *value);
PmProfileMode  pm_profile_get_mode            (PmProfile *self);
void           pm_profile_set_mode            (PmProfile *self, PmProfileMode value);
const char    *pm_profile_get_member_id       (PmProfile *self);
void           pm_profile_set_member_id       (PmProfile *self, const char *value);
const char    *pm_profile_get_merchant_id     (PmProfile *self);
void           pm_profile_set_merchant_id     (PmProfile *self, const char *value);
const char    *pm_profile_get_business_number (PmProfile *self);
void           pm_profile_set_business_number (PmProfile *self, const char *value);
const char    *pm_profile_get_paymint_host    (PmProfile *self);
void           pm_profile_set_paymint_host    (PmProfile *self, const char *value);
const char    *pm_profile_get_paymint_api_key (PmProfile *self); /* secret */
void           pm_profile_set_paymint_api_key (PmProfile *self, const char *value);
/* The shop's shared ledger (a postgresql:// address without a password; NULL or "": this
 * desk's own ledger file) and its password (secret, kept in the keyring with the rest). */
const char    *pm_profile_get_shop_ledger     (PmProfile *self);
void           pm_profile_set_shop_ledger     (PmProfile *self, const char *value);
const char    *pm_profile_get_shop_ledger_password (PmProfile *self); /* secret */
void           pm_profile_set_shop_ledger_password (PmProfile *self, const char *value);
gboolean       pm_profile_has_shop_ledger     (PmProfile *self);

G_END_DECLS
