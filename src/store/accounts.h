/*
 * accounts.h — who may use painpath, as the store keeps it: user accounts (role, linked
 * Practitioner or Patient, Argon2id hash, lockout), sessions (only the token's hash is
 * stored), integration tokens (hashed, scoped, revocable) and break-glass grants.
 * Backend-neutral like store.h; the SQLite code is in store/accounts.c. Times are ISO 8601
 * UTC text ("2026-11-27T11:46:40.123Z"), compared as text.
 */
#ifndef PP_STORE_ACCOUNTS_H
#define PP_STORE_ACCOUNTS_H
#include <stdbool.h>
#include <stddef.h>
#include "store/store.h"
#include "util/err.h"
#include "util/secret.h"

/*
 * The security settings (not clinical: they are not policy rows). Defaults and their
 * sources are listed in docs/SECURITY.md; `painpath serve --security FILE` (a JSON object of
 * these names) overrides them, an unknown name or a bad value is an error naming it.
 */
struct pp_security {
    struct pp_secret_cost pwhash; /* "pwhash_ops", "pwhash_mem_kib": Argon2id cost */
    int session_idle_minutes;     /* "session_idle_minutes" */
    int session_max_hours;        /* "session_max_hours": absolute lifetime */
    int account_max_failures;     /* "account_max_failures": consecutive, then locked */
    int account_lockout_minutes;  /* "account_lockout_minutes" */
    int client_max_failures;      /* "client_max_failures": per client address per window */
    int client_window_minutes;    /* "client_window_minutes" (also its lockout) */
    int break_glass_minutes;      /* "break_glass_minutes": how long a grant lasts */
};
void pp_security_defaults(struct pp_security *sec);
/* Override from a JSON object (text); PP_ERR_INPUT naming the member on error. */
PP_MUST_CHECK enum pp_err pp_security_load_json(struct pp_security *sec, const char *text,
                                                size_t len, const char *name, struct pp_diag *d);

/* The roles (DESIGN.md "Trust"). */
enum pp_role {
    PP_ROLE_NONE = 0, /* not signed in */
    PP_ROLE_FRONT_DESK,
    PP_ROLE_NURSE,
    PP_ROLE_PHYSICIAN,
    PP_ROLE_ADMIN,
    PP_ROLE_PATIENT,
    PP_ROLE_INTEGRATION,
    PP_ROLE_COUNT
};
/* "front-desk", "nurse", "physician", "admin", "patient", "integration" ("none"). */
const char *pp_role_name(enum pp_role r);
/* The role named s, or PP_ROLE_NONE. */
enum pp_role pp_role_parse(const char *s);

#define PP_USERNAME_MAX 64
#define PP_TIME_MAX 32

struct pp_user {
    long id;
    char username[PP_USERNAME_MAX + 1];
    enum pp_role role;
    char practitioner[PP_STORE_ID_MAX + 1]; /* Practitioner id (physician, nurse...) or "" */
    char patient[PP_STORE_ID_MAX + 1];      /* the patient role's own Patient id, or "" */
    char password_hash[128];
    bool disabled;
    int failed_logins;              /* consecutive failures since the last success */
    char locked_until[PP_TIME_MAX]; /* "" when not locked */
    char created[PP_TIME_MAX];
};

/* Add a user. username: 1-64 of [A-Za-z0-9._@-]. PP_ERR_INPUT (where "username") when taken
 * or malformed, or (where "patient") a patient-role user without a Patient id. */
PP_MUST_CHECK enum pp_err pp_store_user_add(struct pp_store *s, const struct pp_user *u, long *id,
                                            struct pp_diag *d);
/* By name / by id. PP_ERR_NOT_FOUND when absent. */
PP_MUST_CHECK enum pp_err pp_store_user_get(struct pp_store *s, const char *username,
                                            struct pp_user *u, struct pp_diag *d);
PP_MUST_CHECK enum pp_err pp_store_user_get_id(struct pp_store *s, long id, struct pp_user *u,
                                               struct pp_diag *d);
PP_MUST_CHECK enum pp_err pp_store_user_set_password(struct pp_store *s, long id, const char *hash,
                                                     struct pp_diag *d);
/* Disabling also revokes the user's sessions. */
PP_MUST_CHECK enum pp_err pp_store_user_set_disabled(struct pp_store *s, long id, bool disabled,
                                                     struct pp_diag *d);
/* Record a failed login: failed_logins + 1, and locked_until when given (NULL: unchanged). */
PP_MUST_CHECK enum pp_err pp_store_user_login_failed(struct pp_store *s, long id,
                                                     const char *locked_until, struct pp_diag *d);
/* Record a successful login: failed_logins 0, lock cleared. */
PP_MUST_CHECK enum pp_err pp_store_user_login_ok(struct pp_store *s, long id, struct pp_diag *d);
typedef enum pp_err (*pp_store_user_fn)(void *ctx, const struct pp_user *u);
/* Every user, by username. */
PP_MUST_CHECK enum pp_err pp_store_user_list(struct pp_store *s, pp_store_user_fn fn, void *ctx,
                                             struct pp_diag *d);

/* A session: the SHA-256 (hex) of the cookie's token and of its CSRF token, never the tokens. */
struct pp_session {
    char token_hash[65];
    char csrf_hash[65];
    long user_id;
    char created[PP_TIME_MAX];
    char last_seen[PP_TIME_MAX];
    char expires[PP_TIME_MAX]; /* absolute end of life */
};
PP_MUST_CHECK enum pp_err pp_store_session_add(struct pp_store *s, const struct pp_session *x,
                                               struct pp_diag *d);
/* PP_ERR_NOT_FOUND when absent or revoked. */
PP_MUST_CHECK enum pp_err pp_store_session_get(struct pp_store *s, const char *token_hash,
                                               struct pp_session *x, struct pp_diag *d);
PP_MUST_CHECK enum pp_err pp_store_session_touch(struct pp_store *s, const char *token_hash,
                                                 const char *last_seen, struct pp_diag *d);
PP_MUST_CHECK enum pp_err pp_store_session_revoke(struct pp_store *s, const char *token_hash,
                                                  struct pp_diag *d);

/* An integration (or personal) bearer token; only its SHA-256 is stored. */
struct pp_token {
    long id;
    char token_hash[65];
    char name[PP_USERNAME_MAX + 1];
    enum pp_role role;
    char scope[256]; /* space-separated scopes, e.g. "cds" or "fhir-read:Patient,Observation" */
    char created[PP_TIME_MAX];
    char expires[PP_TIME_MAX]; /* "" = no end */
    bool revoked;
};
PP_MUST_CHECK enum pp_err pp_store_token_add(struct pp_store *s, const struct pp_token *t, long *id,
                                             struct pp_diag *d);
/* PP_ERR_NOT_FOUND when absent (a revoked token is returned with revoked set). */
PP_MUST_CHECK enum pp_err pp_store_token_get(struct pp_store *s, const char *token_hash,
                                             struct pp_token *t, struct pp_diag *d);
PP_MUST_CHECK enum pp_err pp_store_token_revoke(struct pp_store *s, long id, struct pp_diag *d);
typedef enum pp_err (*pp_store_token_fn)(void *ctx, const struct pp_token *t);
PP_MUST_CHECK enum pp_err pp_store_token_list(struct pp_store *s, pp_store_token_fn fn, void *ctx,
                                              struct pp_diag *d);

/* Break-glass: user `user_id` may open patient `patient` until `expires`, for `reason`. */
PP_MUST_CHECK enum pp_err pp_store_break_glass_add(struct pp_store *s, long user_id,
                                                   const char *patient, const char *reason,
                                                   const char *expires, struct pp_diag *d);
/* *active: a grant of user_id for patient whose expires is after `now`. */
PP_MUST_CHECK enum pp_err pp_store_break_glass_active(struct pp_store *s, long user_id,
                                                      const char *patient, const char *now,
                                                      bool *active, struct pp_diag *d);
#endif
