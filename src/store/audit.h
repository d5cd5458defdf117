/*
 * audit.h — the audit trail: one record per access to patient data, login, logout, failed
 * login, permission denial and break-glass, in an append-only table. Each record holds the
 * HMAC-SHA-256 of its fields and of the previous record's hash (a chain), under a key kept
 * beside the database (never in it), so that editing, deleting, inserting or reordering any
 * record breaks the chain; `painpath audit verify` walks it. Backend-neutral; SQLite code in
 * store/audit.c.
 */
#ifndef PP_STORE_AUDIT_H
#define PP_STORE_AUDIT_H
#include <stdbool.h>
#include <stddef.h>
#include "store/accounts.h"
#include "store/store.h"
#include "util/err.h"

struct pp_audit_record {
    long seq;                        /* set by append: 1, 2, ... */
    char at[PP_TIME_MAX];            /* set by append when empty */
    long user_id;                    /* 0: no user (a token, a failed login) */
    char agent[PP_USERNAME_MAX + 1]; /* username or token name ("" unknown) */
    char role[24];                   /* pp_role_name */
    char client[64];                 /* client address */
    char action[24];                 /* read, vread, search, history, create, update,
                                        delete, export, operation, cds, login, logout,
                                        login-failed, denied, break-glass */
    char resource_type[PP_STORE_TYPE_MAX + 1];
    char resource_id[PP_STORE_ID_MAX + 1];
    char patient[PP_STORE_ID_MAX + 1]; /* the patient whose data it was, or "" */
    char outcome[16];                  /* "success", "denied", "failed", "error" */
    char reason[256];                  /* break-glass reason, denial reason, ... */
    char prev_hash[65];                /* set by append */
    char hash[65];                     /* set by append */
};

/* Append r (seq, at, prev_hash, hash are filled in). Inside the caller's transaction when one
 * is open — the audit write then commits or rolls back with the change it records — else in
 * its own. The key is read from (or created at) `<db path>.audit-key` on first use. */
PP_MUST_CHECK enum pp_err pp_store_audit_append(struct pp_store *s, struct pp_audit_record *r,
                                                struct pp_diag *d);

/* Walk the whole chain. *checked: records read; *bad_seq: the first broken record's seq
 * (0 when the chain is whole); why: what is wrong there. PP_OK even when broken. */
PP_MUST_CHECK enum pp_err pp_store_audit_verify(struct pp_store *s, long *checked, long *bad_seq,
                                                char why[160], struct pp_diag *d);

struct pp_audit_query {
    const char *patient; /* NULL: any */
    const char *agent;   /* NULL: any */
    const char *date_lo; /* at >= (ISO text), NULL: open */
    const char *date_hi; /* at < */
    long count, offset;  /* page */
};
typedef enum pp_err (*pp_store_audit_fn)(void *ctx, const struct pp_audit_record *r);
/* Records matching q, newest first; *total over all pages (may be NULL). */
PP_MUST_CHECK enum pp_err pp_store_audit_search(struct pp_store *s, const struct pp_audit_query *q,
                                                pp_store_audit_fn fn, void *ctx, size_t *total,
                                                struct pp_diag *d);
#endif
