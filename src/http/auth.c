/*
 * auth.c — who is calling (http/auth.h): a session cookie or a bearer token, checked against
 * the store's hashes (only the SHA-256 of a token is ever stored or compared), with the
 * session's idle timeout, absolute lifetime and CSRF token. Never logs a token, cookie or
 * password. The login, logout and session routes are in handlers_auth.c.
 */
#include "http/auth.h"

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "http/handlers.h"
#include "http/routes.h"
#include "util/date.h"
#include "util/banned.h"

/* last_seen is written when it is older than this: the idle timeout (minutes) loses at most
 * this much precision, and a burst of requests costs one write instead of one each. */
#define TOUCH_EVERY_S 60

static struct pp_security default_security;
static pthread_once_t default_once = PTHREAD_ONCE_INIT;

static void default_security_init(void)
{
    pp_security_defaults(&default_security);
}

const struct pp_security *pp_http_security(const struct pp_http_request *req)
{
    if (req->env && req->env->security)
        return req->env->security;
    pthread_once(&default_once, default_security_init);
    return &default_security;
}

/* RFC 6750 token68: ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/", then "="s. */
static bool token68_char(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '.' || c == '_' || c == '~' || c == '+' || c == '/';
}

bool pp_http_bearer_parse(const char *authorization, char *out, size_t cap)
{
    const char *p = authorization, *tok;
    size_t n;

    if (!p || cap == 0 || strncasecmp(p, "Bearer", 6) != 0 || (p[6] != ' ' && p[6] != '\t'))
        return false;
    p += 6;
    while (*p == ' ' || *p == '\t')
        p++;
    tok = p;
    while (token68_char(*p))
        p++;
    if (p == tok)
        return false;
    while (*p == '=')
        p++;
    n = (size_t)(p - tok);
    while (*p == ' ' || *p == '\t')
        p++;
    if (*p != '\0' || n >= cap)
        return false;
    memcpy(out, tok, n);
    out[n] = '\0';
    return true;
}

bool pp_http_token_shape(const char *token)
{
    size_t n = 0;
    if (!token)
        return false;
    for (; token[n]; n++) {
        char c = token[n];
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_'))
            return false;
    }
    return n == PP_SECRET_TOKEN_MAX - 1;
}

static void cookie(char out[512], const char *name, const char *token, bool http_only, bool secure)
{
    snprintf(out, 512, "%s=%s;%s SameSite=Strict; Path=/%s%s", name, token ? token : "",
             http_only ? " HttpOnly;" : "", secure ? "; Secure" : "", token ? "" : "; Max-Age=0");
}

void pp_http_session_cookie(char out[512], const char *token, bool secure)
{
    cookie(out, PP_HTTP_SESSION_COOKIE, token, true, secure);
}

void pp_http_csrf_cookie(char out[512], const char *token, bool secure)
{
    cookie(out, PP_HTTP_CSRF_COOKIE, token, false, secure);
}

/* n digits at p as a number, or -1. */
static int digits(const char *p, int n)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (p[i] < '0' || p[i] > '9')
            return -1;
        v = v * 10 + (p[i] - '0');
    }
    return v;
}

bool pp_http_iso_parse(const char *iso, long long *t)
{
    int y, mo, d, h, mi, s;
    if (!iso || strlen(iso) < 19 || iso[4] != '-' || iso[7] != '-' || iso[10] != 'T' ||
        iso[13] != ':' || iso[16] != ':')
        return false;
    y = digits(iso, 4);
    mo = digits(iso + 5, 2);
    d = digits(iso + 8, 2);
    h = digits(iso + 11, 2);
    mi = digits(iso + 14, 2);
    s = digits(iso + 17, 2);
    if (y < 0 || mo < 0 || d < 0 || !pp_ymd_valid(y, mo, d) || h < 0 || h > 23 || mi < 0 ||
        mi > 59 || s < 0 || s > 60)
        return false;
    *t = (long long)pp_day_from_ymd(y, mo, d) * 86400LL + h * 3600LL + mi * 60LL + s;
    return true;
}

/* 401 for credentials that do not sign anyone in. */
static bool unauthorized(struct pp_http_response *res, const char *what)
{
    pp_http_outcome(res, 401, "login", "", what);
    res->www_authenticate = PP_HTTP_WWW_AUTHENTICATE;
    return false;
}

static bool state_changing(const char *method)
{
    return strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0 &&
           strcmp(method, "OPTIONS") != 0;
}

static bool store_failed(struct pp_http_response *res, enum pp_err e, const struct pp_diag *d)
{
    pp_http_fail(res, e == PP_ERR_INPUT ? PP_ERR_INTERNAL : e, d);
    return false;
}

/* A bearer token the store has just vouched for is trusted again, on the worker thread that
 * checked it, for TOKEN_CACHE_MS without asking the store: integrations call many times a
 * second, and the lookup was a good part of a CDS call. So a token revoked (or a user
 * disabled) with the command line stops working within this time; expiry is still checked
 * on every call. Failures are never cached. */
#define TOKEN_CACHE_MS 1000
#define TOKEN_CACHE_N 8

struct token_seen {
    char hash[PP_SECRET_HEX_MAX];
    char expires[PP_TIME_MAX]; /* "" = no end */
    uint64_t at_ms;            /* 0 = empty */
    struct pp_http_principal who;
};
static _Thread_local struct token_seen token_cache[TOKEN_CACHE_N];
static _Thread_local unsigned token_cache_next;

static uint64_t mono_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t)t.tv_sec * 1000u + (uint64_t)t.tv_nsec / 1000000u + 1; /* never 0 */
}

/* The principal of a recently checked, unexpired token, or NULL. */
static const struct pp_http_principal *token_cached(const char *hash)
{
    uint64_t now_ms = mono_ms();
    for (unsigned i = 0; i < TOKEN_CACHE_N; i++) {
        const struct token_seen *t = &token_cache[i];
        if (!t->at_ms || now_ms - t->at_ms >= TOKEN_CACHE_MS || strcmp(t->hash, hash) != 0)
            continue;
        if (t->expires[0]) {
            char now[PP_TIME_MAX];
            pp_store_time_now(now);
            if (strcmp(t->expires, now) <= 0)
                return NULL;
        }
        return &t->who;
    }
    return NULL;
}

static void token_remember(const char *hash, const char *expires,
                           const struct pp_http_principal *who)
{
    struct token_seen *t = &token_cache[token_cache_next++ % TOKEN_CACHE_N];
    snprintf(t->hash, sizeof(t->hash), "%s", hash);
    snprintf(t->expires, sizeof(t->expires), "%s", expires);
    t->who = *who;
    t->at_ms = mono_ms();
}

/* A bearer token: known, not revoked, not expired. */
static bool from_token(const struct pp_http_request *req, const char *token,
                       struct pp_http_principal *who, struct pp_http_response *res)
{
    char hash[PP_SECRET_HEX_MAX], now[PP_TIME_MAX];
    struct pp_store *st;
    struct pp_token t;
    struct pp_diag d;
    enum pp_err e;

    const struct pp_http_principal *seen;

    pp_diag_clear(&d);
    pp_secret_sha256_hex(token, strlen(token), hash);
    if ((seen = token_cached(hash)) != NULL) {
        *who = *seen;
        return true;
    }
    if ((e = pp_http_store(req, &st, &d)) != PP_OK)
        return store_failed(res, e, &d);
    e = pp_store_token_get(st, hash, &t, &d);
    if (e == PP_ERR_NOT_FOUND)
        return unauthorized(res, "unknown bearer token");
    if (e)
        return store_failed(res, e, &d);
    pp_store_time_now(now);
    if (t.revoked)
        return unauthorized(res, "the bearer token was revoked");
    if (t.expires[0] && strcmp(t.expires, now) <= 0)
        return unauthorized(res, "the bearer token has expired");
    if (t.user_id) {
        /* a personal token acts as its user, with the user's links */
        struct pp_user u;
        if (t.user_disabled)
            return unauthorized(res, "the bearer token's user is disabled");
        e = pp_store_user_get_id(st, t.user_id, &u, &d);
        if (e == PP_ERR_NOT_FOUND || (!e && u.disabled))
            return unauthorized(res, "the bearer token's user is disabled");
        if (e)
            return store_failed(res, e, &d);
        who->user_id = u.id;
        snprintf(who->practitioner, sizeof(who->practitioner), "%s", u.practitioner);
        snprintf(who->patient, sizeof(who->patient), "%s", u.patient);
    }
    who->authenticated = true;
    who->role = t.role;
    who->token_id = t.id;
    snprintf(who->name, sizeof(who->name), "%s", t.name);
    snprintf(who->scope, sizeof(who->scope), "%s", t.scope);
    token_remember(hash, t.expires, who);
    return true;
}

/* A session cookie: a live session (idle timeout, lifetime) of an enabled user, and on a
 * state-changing method the session's CSRF token. */
static bool from_session(const struct pp_http_request *req, struct pp_http_principal *who,
                         struct pp_http_response *res)
{
    const struct pp_security *sec = pp_http_security(req);
    char hash[PP_SECRET_HEX_MAX], now[PP_TIME_MAX], cutoff[PP_TIME_MAX];
    struct pp_session x;
    struct pp_user u;
    struct pp_store *st;
    struct pp_diag d;
    enum pp_err e;

    pp_diag_clear(&d);
    if (!pp_http_token_shape(req->cookie))
        return unauthorized(res, "unknown or expired session; sign in again");
    pp_secret_sha256_hex(req->cookie, strlen(req->cookie), hash);
    if ((e = pp_http_store(req, &st, &d)) != PP_OK)
        return store_failed(res, e, &d);
    e = pp_store_session_get(st, hash, &x, &d);
    if (e == PP_ERR_NOT_FOUND)
        return unauthorized(res, "unknown or expired session; sign in again");
    if (e)
        return store_failed(res, e, &d);
    /* the server's own clock decides, never the client's */
    pp_store_time_now(now);
    if (!pp_store_time_add(now, -(long long)sec->session_idle_minutes * 60, cutoff) ||
        strcmp(x.expires, now) <= 0 || strcmp(x.last_seen, cutoff) < 0)
        return unauthorized(res, "unknown or expired session; sign in again");
    e = pp_store_user_get_id(st, x.user_id, &u, &d);
    if (e == PP_ERR_NOT_FOUND || (!e && u.disabled))
        return unauthorized(res, "unknown or expired session; sign in again");
    if (e)
        return store_failed(res, e, &d);
    if (state_changing(req->method)) {
        char csrf[PP_SECRET_HEX_MAX];
        /* a refusal below is audited under the session's user */
        snprintf(res->audit.agent, sizeof(res->audit.agent), "%s", u.username);
        res->audit.user_id = u.id;
        if (!req->csrf || !*req->csrf) {
            pp_http_outcome(res, 403, "security", PP_HTTP_CSRF_HEADER,
                            "a signed-in change needs the X-CSRF-Token header of the session");
            return false;
        }
        pp_secret_sha256_hex(req->csrf, strlen(req->csrf), csrf);
        if (!pp_secret_equal(csrf, x.csrf_hash)) {
            pp_http_outcome(res, 403, "security", PP_HTTP_CSRF_HEADER,
                            "the X-CSRF-Token header does not match the session");
            return false;
        }
    }
    if (pp_store_time_add(now, -TOUCH_EVERY_S, cutoff) && strcmp(x.last_seen, cutoff) < 0 &&
        (e = pp_store_session_touch(st, hash, now, &d)) != PP_OK)
        return store_failed(res, e, &d);
    who->authenticated = true;
    who->role = u.role;
    who->user_id = u.id;
    who->via_cookie = true;
    snprintf(who->name, sizeof(who->name), "%s", u.username);
    snprintf(who->practitioner, sizeof(who->practitioner), "%s", u.practitioner);
    snprintf(who->patient, sizeof(who->patient), "%s", u.patient);
    memcpy(who->session_hash, hash, sizeof(who->session_hash));
    return true;
}

bool pp_http_authenticate(const struct pp_http_request *req, struct pp_http_principal *who,
                          struct pp_http_response *res)
{
    /* on a public route (login, /healthz, /fhir/metadata) credentials grant nothing: a stale
     * cookie must not stand between a user and the login form */
    bool public_route = req->route && req->route->role && strcmp(req->route->role, "public") == 0;
    char token[256];
    bool ok;

    memset(who, 0, sizeof(*who));
    who->role = PP_ROLE_NONE;
    if (public_route)
        return true;
    if (req->authorization) {
        if (!pp_http_bearer_parse(req->authorization, token, sizeof(token)))
            return unauthorized(res, "malformed Authorization header (expected: Bearer TOKEN)");
        ok = from_token(req, token, who, res);
        memset(token, 0, sizeof(token));
    } else if (req->cookie) {
        ok = from_session(req, who, res);
        if (!ok && res->status == 401) /* the browser may forget it */
            pp_http_session_cookie(res->set_cookie[0], NULL, req->tls);
    } else {
        return true; /* nobody: authorisation decides */
    }
    if (!ok)
        memset(who, 0, sizeof(*who));
    return ok;
}
