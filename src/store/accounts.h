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

#define PP_TIME_MAX 32

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
    int password_min_length;      /* "password_min_length": characters (code points) */
};
/* The longest password accepted, in bytes (a bound on what Argon2id is fed). */
#define PP_PASSWORD_MAX 1024
void pp_security_defaults(struct pp_security *sec);
/*
 * Override from a JSON object (text, len bytes; `name` is what messages call it). Every
 * member is optional and a whole number in its documented range. PP_ERR_INPUT with
 * d->where "<name>: <member>" for an unknown member or a bad value (sec then unchanged),
 * "<name>:<line>:<column>" for malformed JSON.
 */
PP_MUST_CHECK enum pp_err pp_security_load_json(struct pp_security *sec, const char *text,
                                                size_t len, const char *name, struct pp_diag *d);
/* A new password's rules (NIST SP 800-63B 5.1.1.2): at least sec->password_min_length
 * characters, at most PP_PASSWORD_MAX bytes, valid UTF-8, no NUL. PP_ERR_INPUT, where
 * "password", when it breaks one (the message never repeats the password). */
PP_MUST_CHECK enum pp_err pp_security_check_password(const struct pp_security *sec,
                                                     const char *password, struct pp_diag *d);

/*
 * Times. Every time the accounts store writes is ISO 8601 UTC with milliseconds
 * ("2026-11-27T11:46:40.123Z"), so text order is time order; pass times of that form.
 */
/* The current time from the real clock. */
void pp_store_time_now(char out[PP_TIME_MAX]);
/* iso ("YYYY-MM-DDTHH:MM:SS[.fff]Z") plus `seconds` (may be negative), written with
 * milliseconds. False (out "") when iso is not of that form. */
bool pp_store_time_add(const char *iso, long long seconds, char out[PP_TIME_MAX]);

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

/* True when s is a username: 1-64 of [A-Za-z0-9._@-]. */
bool pp_username_valid(const char *s);

/*
 * Add a user (u->id, failed_logins, locked_until and created are ignored; *id may be NULL).
 * PP_ERR_INPUT naming the field: "username" taken or malformed; "role" none or integration
 * (an integration is a token, not an account); "patient" missing for the patient role,
 * given for another role, or not a FHIR id; "practitioner" given for the patient role or
 * not a FHIR id; "password_hash" not an Argon2id hash string (never a password).
 */
PP_MUST_CHECK enum pp_err pp_store_user_add(struct pp_store *s, const struct pp_user *u, long *id,
                                            struct pp_diag *d);
/* The checks of pp_store_user_add that need no database (not "taken"); the hash's only when
 * with_hash (a command checks the rest before asking for a password). */
PP_MUST_CHECK enum pp_err pp_user_check(const struct pp_user *u, bool with_hash, struct pp_diag *d);
/* By name / by id. PP_ERR_NOT_FOUND when absent. */
PP_MUST_CHECK enum pp_err pp_store_user_get(struct pp_store *s, const char *username,
                                            struct pp_user *u, struct pp_diag *d);
PP_MUST_CHECK enum pp_err pp_store_user_get_id(struct pp_store *s, long id, struct pp_user *u,
                                               struct pp_diag *d);
/* Replace the hash (an Argon2id string, else PP_ERR_INPUT "password_hash"); PP_ERR_NOT_FOUND
 * for no such user. The user's sessions are kept: a password change by the user keeps the
 * current session, an administrator's reset should also call pp_store_session_revoke_user. */
PP_MUST_CHECK enum pp_err pp_store_user_set_password(struct pp_store *s, long id, const char *hash,
                                                     struct pp_diag *d);
/* Disabling also revokes the user's sessions (one transaction); a disabled user's personal
 * tokens come back from pp_store_token_get with user_disabled set. PP_ERR_NOT_FOUND for no
 * such user. */
PP_MUST_CHECK enum pp_err pp_store_user_set_disabled(struct pp_store *s, long id, bool disabled,
                                                     struct pp_diag *d);
/* Record a failed login: failed_logins + 1, and locked_until when given (NULL: unchanged). */
PP_MUST_CHECK enum pp_err pp_store_user_login_failed(struct pp_store *s, long id,
                                                     const char *locked_until, struct pp_diag *d);
/*
 * The account lockout in one call (one transaction): failed_logins + 1; when that reaches
 * sec->account_max_failures the account is locked until now + account_lockout_minutes and
 * the count starts again from 0 (*locked true). now: ISO time as pp_store_time_now writes.
 */
PP_MUST_CHECK enum pp_err pp_store_user_failed_lockout(struct pp_store *s, long id, const char *now,
                                                       const struct pp_security *sec, bool *locked,
                                                       struct pp_diag *d);
/* True when u is locked at `now` (locked_until after now). */
bool pp_user_locked(const struct pp_user *u, const char *now);
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
/* Delete the session (logout). PP_OK also when there was none. */
PP_MUST_CHECK enum pp_err pp_store_session_revoke(struct pp_store *s, const char *token_hash,
                                                  struct pp_diag *d);
/* Delete every session of the user; *n (may be NULL) receives how many. */
PP_MUST_CHECK enum pp_err pp_store_session_revoke_user(struct pp_store *s, long user_id, long *n,
                                                       struct pp_diag *d);
/* Delete the sessions whose absolute end (expires) is at or before now, or whose last_seen
 * is at or before idle_before (now minus the idle timeout; NULL: not checked). */
PP_MUST_CHECK enum pp_err pp_store_session_purge(struct pp_store *s, const char *now,
                                                 const char *idle_before, long *n,
                                                 struct pp_diag *d);

/*
 * A bearer token; only its SHA-256 is stored. An integration token has role integration
 * and no user. A personal token belongs to a user (user_id) and acts as that user: its role
 * is the user's, and the principal takes the user's Practitioner / Patient links; it stops
 * working while the user is disabled (user_disabled).
 */
struct pp_token {
    long id;
    char token_hash[65];
    char name[PP_USERNAME_MAX + 1]; /* 1-64 printable ASCII, no leading/trailing space */
    enum pp_role role;
    char scope[256]; /* space-separated scopes, e.g. "cds" or "fhir:read:Patient,Observation" */
    char created[PP_TIME_MAX];
    char expires[PP_TIME_MAX]; /* "" = no end */
    bool revoked;
    long user_id;                       /* a personal token's user, 0 for an integration token */
    bool user_disabled;                 /* read back: the personal token's user is disabled */
    char username[PP_USERNAME_MAX + 1]; /* read back: the user's name, or "" */
};
/* True when the name is 1-64 printable ASCII characters without leading/trailing space. */
bool pp_token_name_valid(const char *s);
/*
 * Check the syntax of a scope string: items separated by single spaces, each one of `*`,
 * `cds`, `ops`, `export`, `metrics`, `audit:read`, `fhir:read`, `fhir:write`,
 * `fhir:read:Type[,Type...]`, `fhir:write:Type[,Type...]` (Type a resourceType), at most
 * 255 bytes, no repeats. PP_ERR_INPUT where "scope", naming the bad item. What a scope
 * allows is decided by the role table (http/rbac.c), not here.
 */
PP_MUST_CHECK enum pp_err pp_token_scope_check(const char *scope, struct pp_diag *d);
/*
 * Add t (t->id, created, revoked and the read-back fields are ignored; *id may be NULL).
 * PP_ERR_INPUT naming the field: "token_hash" not 64 lowercase hex, "name", "role" (none),
 * "scope" (pp_token_scope_check), "expires" (not an ISO time), "user_id" (no such user, or
 * a role other than the user's), or a patient-role token without a user ("user_id").
 */
PP_MUST_CHECK enum pp_err pp_store_token_add(struct pp_store *s, const struct pp_token *t, long *id,
                                             struct pp_diag *d);
/* PP_ERR_NOT_FOUND when absent. A revoked token is returned with revoked set and an expired
 * one with its expires: the caller refuses them (compare expires with now). */
PP_MUST_CHECK enum pp_err pp_store_token_get(struct pp_store *s, const char *token_hash,
                                             struct pp_token *t, struct pp_diag *d);
/* PP_ERR_NOT_FOUND (where "id") for no such token; revoking twice is PP_OK. */
PP_MUST_CHECK enum pp_err pp_store_token_revoke(struct pp_store *s, long id, struct pp_diag *d);
typedef enum pp_err (*pp_store_token_fn)(void *ctx, const struct pp_token *t);
/* Every token (revoked ones too), by id; token_hash is left empty. */
PP_MUST_CHECK enum pp_err pp_store_token_list(struct pp_store *s, pp_store_token_fn fn, void *ctx,
                                              struct pp_diag *d);

/* Break-glass: user `user_id` may open patient `patient` until `expires`, for `reason`
 * (started is now). PP_ERR_INPUT naming "patient" (not a FHIR id), "reason" (empty or
 * over 255 bytes), "expires" (not an ISO time), "user_id" (no such user). */
PP_MUST_CHECK enum pp_err pp_store_break_glass_add(struct pp_store *s, long user_id,
                                                   const char *patient, const char *reason,
                                                   const char *expires, struct pp_diag *d);
/* *active: a grant of user_id for patient whose expires is after `now`. */
PP_MUST_CHECK enum pp_err pp_store_break_glass_active(struct pp_store *s, long user_id,
                                                      const char *patient, const char *now,
                                                      bool *active, struct pp_diag *d);
typedef enum pp_err (*pp_store_grant_fn)(void *ctx, const char *patient, const char *expires);
/* The patients user_id holds an active grant for at `now` (latest expiry each), by patient. */
PP_MUST_CHECK enum pp_err pp_store_break_glass_each(struct pp_store *s, long user_id,
                                                    const char *now, pp_store_grant_fn fn,
                                                    void *ctx, struct pp_diag *d);

/*
 * Login throttling per client address (the login_failures table), for POST /auth/login:
 *   1. pp_store_client_locked(client, now): refuse (429) while *locked, before checking
 *      the password (`until`, may be NULL, receives the lock's end);
 *   2. on a failed password, pp_store_client_failed: counts the failure in the current
 *      window of sec->client_window_minutes (a failure after the window ended starts a new
 *      window at 1); reaching sec->client_max_failures locks the client for
 *      client_window_minutes from now (*locked true);
 *   3. pp_store_client_clear forgets a client (an administrator's unlock; whether a
 *      successful login clears its client is the caller's choice).
 * `client` is the address as text (1-63 bytes, else PP_ERR_INPUT where "client"); `now` an
 * ISO time as pp_store_time_now writes. Old rows are pruned as failures are recorded.
 */
PP_MUST_CHECK enum pp_err pp_store_client_locked(struct pp_store *s, const char *client,
                                                 const char *now, bool *locked,
                                                 char until[PP_TIME_MAX], struct pp_diag *d);
PP_MUST_CHECK enum pp_err pp_store_client_failed(struct pp_store *s, const char *client,
                                                 const char *now, const struct pp_security *sec,
                                                 int *failures, bool *locked, struct pp_diag *d);
PP_MUST_CHECK enum pp_err pp_store_client_clear(struct pp_store *s, const char *client,
                                                struct pp_diag *d);
#endif
