/* pm-sandbox-private.h — state shared by the sandbox's model and its HTTP front
 *
 * Copyright 2026 The Paymint Desk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

#include "pm-sandbox.h"

G_BEGIN_DECLS

#define PM_SANDBOX_DEFAULT_FEE        G_GINT64_CONSTANT (100)
#define PM_SANDBOX_DEFAULT_BALANCE    G_GINT64_CONSTANT (10000000)
#define PM_SANDBOX_DEFAULT_PAY_SHARE  0.7
#define PM_SANDBOX_DEFAULT_PAY_MIN_S  20
#define PM_SANDBOX_DEFAULT_PAY_MAX_S  180
#define PM_SANDBOX_DEFAULT_DECLINE    0.05
#define PM_SANDBOX_DEFAULT_AUTOPAY_S  30
#define PM_SANDBOX_PRICE_MAX          G_GINT64_CONSTANT (9999999999)
#define PM_SANDBOX_BODY_MAX           (64 * 1024)
#define PM_SANDBOX_JSON_DEPTH_MAX     32
#define PM_SANDBOX_KST_OFFSET         (9 * 3600)
#define PM_SANDBOX_LINK_BASE          "https://sandbox.payssam.invalid"
#define PM_SANDBOX_N_FAULTS           (PM_SANDBOX_FAULT_HTML_200 + 1)

typedef struct
{
  char *business_number;
  char *business_name;
  char *member_id;
  char *merchant_id;
  char *paymint_api_key;
} PmSandboxLicense;

typedef struct
{
  char          *api_key;
  PmSandboxTier  tier;
  gint64         balance;
  GPtrArray     *licenses; /* PmSandboxLicense */
} PmSandboxKey;

typedef struct
{
  char    *bill_id;
  char    *api_key;
  char    *member_id;    /* the license the bill was sent under */
  char    *product_nm;
  char    *message;
  char    *member_nm;
  char    *phone;
  char    *expire_dt;    /* YYYY-MM-DD */
  char    *short_url;
  char    *method_id;    /* AutoPay charges only */
  gint64   price;
  char     state;        /* 'W' 'F' 'C' 'D' */
  gboolean autopay;
  guint    resend_count;
  gint64   created_at;   /* unix seconds, sandbox clock */
  gint64   expire_end;   /* first second after expire_dt, Korea time */
  gint64   pay_at;       /* when the simulated payer pays; 0: never */
  gint64   paid_at;
  gint64   cancelled_at;
  gint64   destroyed_at;
  /* Drawn when the bill is made, so results do not depend on access order. */
  char    *appr_num;
  char    *appr_issuer;
  char    *appr_card_type;
} PmSandboxBill;

typedef struct
{
  char    *method_id;
  char    *card_name;
  char    *card_no;      /* masked, 1234-****-****-5678 */
  gint64   registered_at;
  gboolean update_pending; /* a manage link was issued and not opened yet */
  gint64   update_since;
} PmSandboxMethod;

typedef struct
{
  char      *api_key;
  char      *member_id;
  char      *phone;
  char      *member_nm;
  gboolean   pending;      /* a registration link was issued and not completed */
  gint64     pending_since;
  char      *short_url;
  GPtrArray *methods;      /* PmSandboxMethod */
} PmSandboxPayer;

typedef struct
{
  PmSandboxFault fault;
  double         share;
} PmSandboxFaultShare;

/* One endpoint's faults: several kinds, each with its own share of requests. A request
 * gets at most one of them (one draw against the cumulative shares, in the order added). */
typedef struct
{
  GArray        *kinds;      /* PmSandboxFaultShare, no FAULT_NONE, no duplicate kind */
  guint          latency_ms;
} PmSandboxFaultSpec;

struct _PmSandbox
{
  GObject       parent_instance;

  GMutex        lock;        /* guards everything below that is not marked "server thread" */
  GHashTable   *keys;        /* api_key → PmSandboxKey */
  GHashTable   *bills;       /* bill_id → PmSandboxBill */
  GTree        *due;         /* PmSandboxBill in W with a pay time, by pay time */
  GHashTable   *payers;      /* "key\nmember\nphone" → PmSandboxPayer */
  guint         method_seq;

  gint64        fee;
  double        pay_share;
  guint         pay_min_s;
  guint         pay_max_s;
  double        decline_share;
  guint         autopay_delay_s;

  GRand        *rng;
  GRand        *fault_rng;

  double        time_scale;
  gint64        anchor_real;    /* µs, wall clock */
  gint64        anchor_virtual; /* µs, sandbox clock at anchor_real */

  char         *state_file;
  gboolean      dirty;
  int           state_lock_fd; /* flock()ed STATE_FILE.lock: this sandbox alone writes it; -1 */

  GHashTable   *faults;      /* endpoint name ("*" for all) → PmSandboxFaultSpec */
  GHashTable   *fault_counts; /* endpoint name → guint[PM_SANDBOX_N_FAULTS], faults served */

  /* Serving: one SoupServer per worker thread, all on one port (SO_REUSEPORT) */
  GPtrArray    *workers;
  GCond         cond;
  guint         port;
  char         *address;
};

/* pm-sandbox.c: the model; every function here expects self->lock held. */
gint64          pm_sandbox_now_locked          (PmSandbox      *self);
PmSandboxKey   *pm_sandbox_lookup_key_locked   (PmSandbox      *self,
                                                const char     *api_key);
PmSandboxBill  *pm_sandbox_lookup_bill_locked  (PmSandbox      *self,
                                                const char     *bill_id);
PmSandboxBill  *pm_sandbox_create_bill_locked  (PmSandbox      *self,
                                                PmSandboxKey   *key,
                                                PmSandboxLicense *license,
                                                const char     *bill_id,
                                                const char     *expire_dt,
                                                gint64          expire_end,
                                                gboolean        autopay);
gboolean        pm_sandbox_pay_bill_locked     (PmSandbox      *self,
                                                PmSandboxBill  *bill,
                                                gint64          at);
void            pm_sandbox_unschedule_locked   (PmSandbox      *self,
                                                PmSandboxBill  *bill);
void            pm_sandbox_settle_locked       (PmSandbox      *self);
PmSandboxPayer *pm_sandbox_lookup_payer_locked (PmSandbox      *self,
                                                const char     *api_key,
                                                const char     *member_id,
                                                const char     *phone,
                                                gboolean        create);
PmSandboxMethod *pm_sandbox_find_method        (PmSandboxPayer *payer,
                                                const char     *method_id,
                                                guint          *index);
char           *pm_sandbox_new_link_locked     (PmSandbox      *self,
                                                const char     *kind);
gboolean        pm_sandbox_open_link_locked    (PmSandbox      *self,
                                                const char     *phone);
gboolean        pm_sandbox_save_locked         (PmSandbox      *self,
                                                GError        **error);
gboolean        pm_sandbox_draw_locked         (PmSandbox      *self,
                                                double          share);

/* Faults (self->lock held): the spec for @endpoint ("*" for all), made if missing;
 * set replaces its kinds with @fault alone (none: no kind), add adds @fault or changes
 * the share of that kind. */
PmSandboxFaultSpec *pm_sandbox_fault_spec_locked (PmSandbox     *self,
                                                  const char    *endpoint);
void            pm_sandbox_fault_set_locked    (PmSandboxFaultSpec *spec,
                                                PmSandboxFault  fault,
                                                double          share);
void            pm_sandbox_fault_add_locked    (PmSandboxFaultSpec *spec,
                                                PmSandboxFault  fault,
                                                double          share);
/* Counts a fault served on @endpoint (a static string: a route's name). */
void            pm_sandbox_fault_count_locked  (PmSandbox      *self,
                                                const char     *endpoint,
                                                PmSandboxFault  fault);

void            pm_sandbox_append_json_string  (GString        *s,
                                                const char     *v);
/* "none, 500, 503, …, html-200": every fault name, for messages. */
char           *pm_sandbox_dup_fault_names     (void);

/* Korea time helpers */
gint64          pm_sandbox_days_from_civil     (int             y,
                                                int             m,
                                                int             d);
void            pm_sandbox_civil_from_days     (gint64          days,
                                                int            *y,
                                                int            *m,
                                                int            *d);
gint64          pm_sandbox_kst_today           (gint64          unix_s); /* days since epoch */
void            pm_sandbox_format_kst          (gint64          unix_s,
                                                char            out[15]); /* YYYYMMDDHHMMSS */
void            pm_sandbox_format_kst_date     (gint64          days,
                                                char            out[11]); /* YYYY-MM-DD */

/* pm-sandbox-http.c: the server thread */
gboolean        pm_sandbox_http_start          (PmSandbox      *self,
                                                GError        **error);
void            pm_sandbox_http_stop           (PmSandbox      *self);
/* Serve https with this PEM certificate (chain) and key; before start. A message names
 * the file at fault. */
gboolean        pm_sandbox_http_set_tls_files  (PmSandbox      *self,
                                                const char     *certificate_file,
                                                const char     *key_file,
                                                GError        **error);
gboolean        pm_sandbox_http_uses_tls       (PmSandbox      *self);
/* pm_sandbox_dup_base_url() with https:// when serving TLS */
char           *pm_sandbox_http_dup_base_url   (PmSandbox      *self);

G_END_DECLS
