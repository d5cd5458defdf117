/*
 * auth.h — the trust gate every request passes, in this order, at one place in
 * server.c: authenticate (who is calling: session cookie, bearer token, or nobody),
 * authorise (may this role call this route on this resource and this patient), run the
 * handler, audit (one record per access to patient data; a failed audit write fails the
 * request). Each step answers the request itself when it refuses (401, 403, 429, 500).
 * Implemented in auth.c (sessions, tokens, login), rbac.c (the role table, the patient
 * compartment, care team, break-glass) and audit.c.
 */
#ifndef PP_HTTP_AUTH_H
#define PP_HTTP_AUTH_H

#include <stdbool.h>

#include "http/http.h"
#include "store/accounts.h"

/* Who is calling. Filled by pp_http_authenticate; read by everything after it. */
struct pp_http_principal {
    bool authenticated;
    enum pp_role role;                      /* PP_ROLE_NONE when nobody signed in */
    long user_id;                           /* 0 for a token or nobody */
    long token_id;                          /* 0 unless a bearer token */
    char name[PP_USERNAME_MAX + 1];         /* username or token name (for the audit) */
    char practitioner[PP_STORE_ID_MAX + 1]; /* the user's Practitioner id, or "" */
    char patient[PP_STORE_ID_MAX + 1];      /* the patient role's own Patient id, or "" */
    char scope[256];                        /* a token's scopes, "" otherwise */
    bool via_cookie;                        /* a session cookie: CSRF checks apply */
    char session_hash[65];                  /* the session's token hash (logout), or "" */
};

/*
 * Who is calling: a session cookie (idle timeout and absolute lifetime checked, last_seen
 * touched, CSRF token required on state-changing methods), an `Authorization: Bearer`
 * token (revoked / expired refused), or nobody (authenticated false). Returns false after
 * answering the request itself (401 with WWW-Authenticate for bad credentials, 403 for a
 * missing or wrong CSRF token).
 */
bool pp_http_authenticate(const struct pp_http_request *req, struct pp_http_principal *who,
                          struct pp_http_response *res);

/*
 * May `who` call this route with this method (the role table in rbac.c; deny by default,
 * and a deny wins)? For FHIR routes also the resource type and, where the request names
 * one, the patient (compartment, care team, break-glass). Returns false after answering
 * 401 (nobody signed in) or 403 (signed in, not allowed) — the denial audited.
 */
bool pp_http_authorize(const struct pp_http_request *req, const struct pp_http_principal *who,
                       struct pp_http_response *res);

/*
 * After the handler: append the audit record of this request when it touched patient data
 * (or was a denial, login, logout...), unless the handler already wrote it inside its own
 * transaction (res->audit.recorded). A failed audit write replaces the answer with a 500.
 */
void pp_http_audit_request(const struct pp_http_request *req, const struct pp_http_principal *who,
                           struct pp_http_response *res);

/* What auth.c's pieces below need: the security settings in force (env's, or the defaults). */
const struct pp_security *pp_http_security(const struct pp_http_request *req);

/* The CSRF cookie the web UI reads (not HttpOnly: the page copies it into X-CSRF-Token). */
#define PP_HTTP_CSRF_COOKIE "painpath_csrf"
/* The realm of every 401's WWW-Authenticate header. */
#define PP_HTTP_WWW_AUTHENTICATE "Bearer realm=\"painpath\""

/*
 * The token of an `Authorization: Bearer TOKEN` header (scheme case-insensitive, one or more
 * spaces, TOKEN one RFC 6750 token68 of at most cap - 1 characters, nothing after it) copied
 * into out. False for any other form (another scheme, empty, too long, stray characters).
 */
bool pp_http_bearer_parse(const char *authorization, char *out, size_t cap);
/* True when `token` has the shape of a token painpath issues (util/secret.h: 43 base64url
 * characters) — a cookie of another shape is refused before any lookup. */
bool pp_http_token_shape(const char *token);

/* Set-Cookie values (out: 512 bytes): the session cookie (HttpOnly, SameSite=Strict, Path=/,
 * Secure when `secure`), the CSRF cookie (the same without HttpOnly), and the expired forms
 * that clear them (token NULL). */
void pp_http_session_cookie(char out[512], const char *token, bool secure);
void pp_http_csrf_cookie(char out[512], const char *token, bool secure);

/* The store's ISO 8601 UTC text ("2026-11-27T11:46:40.123Z") as whole seconds since the
 * epoch (for Retry-After); false for text of another shape. */
bool pp_http_iso_parse(const char *iso, long long *t);

#endif
