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

/* Append r (seq, at, prev_hash, hash are filled in). Inside the caller's write transaction
 * when one is open — the audit write then commits or rolls back with the change it records —
 * else in its own (BEGIN IMMEDIATE, committed with synchronous=NORMAL: in WAL durable against
 * a crash of the process at once, against power loss at the next FULL commit or checkpoint).
 * The key is read from (or created, mode 0600, for an empty chain) `<db path>.audit-key`;
 * a missing key for a chain that has records is PP_ERR_IO. */
PP_MUST_CHECK enum pp_err pp_store_audit_append(struct pp_store *s, struct pp_audit_record *r,
                                                struct pp_diag *d);

/* Append r[0..n) in order inside the caller's open write transaction (PP_ERR_INTERNAL
 * without one): one key load and one head update for the batch. */
PP_MUST_CHECK enum pp_err pp_store_audit_append_batch(struct pp_store *s, struct pp_audit_record *r,
                                                      size_t n, struct pp_diag *d);

/*
 * The read-audit journal (store/audit_journal.c). A read's record is appended as one line
 * with one write(2) to `<db path>.audit-journal.<generation>` (mode 0600) before its answer
 * goes out: in the OS page cache, it survives a crash of the process. An import rotates to
 * the next generation and appends every line written so far to the chain in ONE write
 * transaction that also records the generation as imported (table audit_journal_done),
 * then removes the files. Lines of one generation keep their order; the chain's order of
 * reads and writes may differ from the order of the answers (each record carries its own
 * `at`). One process owns a database's journal at a time (an flock on
 * `<db path>.audit-journal.lock`).
 */
struct pp_audit_journal;
/* Take the journal of s's database: lock it, import what an earlier process left (s is
 * then the caller's to use for imports too, and must stay open). *out is NULL (and PP_OK)
 * when another process owns the journal: records are then appended directly. */
PP_MUST_CHECK enum pp_err pp_audit_journal_open(struct pp_store *s, struct pp_audit_journal **out,
                                                struct pp_diag *d);
/* Append r (at: now when empty) as one line; *pending (may be NULL): lines not yet
 * imported. PP_ERR_IO when the line could not be written whole (the record is not kept). */
PP_MUST_CHECK enum pp_err pp_audit_journal_append(struct pp_audit_journal *j,
                                                  const struct pp_audit_record *r, size_t *pending,
                                                  struct pp_diag *d);
/* Import every line appended so far into the chain through s (one transaction); on failure
 * the lines stay in their files for the next call. Callers may race: one imports at a time. */
PP_MUST_CHECK enum pp_err pp_audit_journal_import(struct pp_audit_journal *j, struct pp_store *s,
                                                  struct pp_diag *d);
/* Close and unlock (without importing: call pp_audit_journal_import first). NULL is fine. */
void pp_audit_journal_close(struct pp_audit_journal *j);
/* Import the journal files a process left behind (for `painpath audit verify` / `list`):
 * generations in order, each in its own transaction; a generation already imported is only
 * removed. *busy: another process owns the journal (nothing done). *damaged: lines that
 * could not be read (a torn last write) and were skipped. */
PP_MUST_CHECK enum pp_err pp_store_audit_import_leftovers(struct pp_store *s, bool *busy,
                                                          long *damaged, struct pp_diag *d);

/* Walk the whole chain. *checked: records read; *bad_seq: the first broken record's seq
 * (0 when the chain is whole); why: what is wrong there. PP_OK even when broken. */
PP_MUST_CHECK enum pp_err pp_store_audit_verify(struct pp_store *s, long *checked, long *bad_seq,
                                                char why[160], struct pp_diag *d);

struct pp_audit_query {
    const char *patient; /* NULL: any */
    const char *agent;   /* NULL: any */
    const char *date_lo; /* at >= (ISO text), NULL: open */
    const char *date_hi; /* at < */
    long seq;            /* 0: any; else that record only */
    long count, offset;  /* page (count <= 0: every record) */
};
typedef enum pp_err (*pp_store_audit_fn)(void *ctx, const struct pp_audit_record *r);
/* Records matching q, newest first; *total over all pages (may be NULL). */
PP_MUST_CHECK enum pp_err pp_store_audit_search(struct pp_store *s, const struct pp_audit_query *q,
                                                pp_store_audit_fn fn, void *ctx, size_t *total,
                                                struct pp_diag *d);

/* The patient whose resource type/id is (its compartment; "" for none or an unknown
 * resource) into out — what a record of a read or write of it names. */
PP_MUST_CHECK enum pp_err pp_store_audit_patient_of(struct pp_store *s, const char *type,
                                                    const char *id, char out[PP_STORE_ID_MAX + 1],
                                                    struct pp_diag *d);
#endif
