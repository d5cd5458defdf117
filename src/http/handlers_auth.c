/*
 * handlers_auth.c — the trust routes: POST /auth/login, POST /auth/logout, GET /auth/session
 * (docs/API.md "Authentication"). Passwords are checked with Argon2id (util/secret.h) and
 * never kept, echoed or logged; failed logins are counted per account and per client
 * address in the store (store/accounts.h), so a lock survives a restart.
 */
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <cjson/cJSON.h>

#include "http/auth.h"
#include "http/handlers.h"
#include "util/json.h"
#include "util/banned.h"

/* The one answer to a wrong username or a wrong password: the two must not be told apart. */
#define LOGIN_FAILED "unknown username or wrong password"

/* The work of one password check, spent when there is no password to check (unknown user,
 * disabled or locked account), so that the answer's timing tells nothing. */
static void spend_one_check(const char *password, const struct pp_security *sec)
{
    static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
    static char dummy[PP_SECRET_HASH_MAX];
    char hash[PP_SECRET_HASH_MAX] = "";
    struct pp_diag d;

    pthread_mutex_lock(&lock);
    if (!dummy[0] &&
        pp_secret_hash_password("painpath: no such account", &sec->pwhash, dummy, &d) != PP_OK)
        dummy[0] = '\0';
    memcpy(hash, dummy, sizeof(hash));
    pthread_mutex_unlock(&lock);
    if (hash[0])
        (void)pp_secret_verify_password(hash, password);
}

static void too_many(struct pp_http_response *res, long long wait, const char *what)
{
    pp_http_outcome(res, 429, "throttled", "", what);
    /* at least a second, at most the longest lockout settings allow (a day) */
    unsigned secs = wait < 1 ? 1u : wait > 86400 ? 86400u : (unsigned)wait;
    snprintf(res->retry_after, sizeof(res->retry_after), "%u", secs);
}

static void login_failed(struct pp_http_response *res)
{
    pp_http_outcome(res, 401, "login", "", LOGIN_FAILED);
    res->www_authenticate = PP_HTTP_WWW_AUTHENTICATE;
}

/* Open a session for u: cookies, and the answer's body. */
static enum pp_err open_session(const struct pp_http_request *req, struct pp_http_response *res,
                                struct pp_store *st, const struct pp_user *u, const char *now,
                                struct pp_diag *d)
{
    const struct pp_security *sec = pp_http_security(req);
    char token[PP_SECRET_TOKEN_MAX], csrf[PP_SECRET_TOKEN_MAX];
    struct pp_session x;
    enum pp_err e;

    memset(&x, 0, sizeof(x));
    pp_secret_token(token);
    pp_secret_token(csrf);
    pp_secret_sha256_hex(token, strlen(token), x.token_hash);
    pp_secret_sha256_hex(csrf, strlen(csrf), x.csrf_hash);
    x.user_id = u->id;
    snprintf(x.created, sizeof(x.created), "%s", now);
    memcpy(x.last_seen, x.created, sizeof(x.last_seen));
    if (!pp_store_time_add(now, (long long)sec->session_max_hours * 3600, x.expires))
        return pp_diag_set(d, PP_ERR_INTERNAL, "expires", "cannot compute the session's end");
    if ((e = pp_store_session_add(st, &x, d)) != PP_OK)
        return e;
    {
        /* sessions that ended (idle or past their end) are deleted as new ones begin, so
         * the table holds the live sessions and a few more */
        char idle_before[PP_TIME_MAX];
        if (pp_store_time_add(now, -(long long)sec->session_idle_minutes * 60, idle_before) &&
            (e = pp_store_session_purge(st, now, idle_before, NULL, d)) != PP_OK)
            return e;
    }
    pp_http_session_cookie(res->set_cookie[0], token, req->tls);
    pp_http_csrf_cookie(res->set_cookie[1], csrf, req->tls);
    pp_buf_adds(&res->body, "{\"user\":");
    pp_buf_add_json_str(&res->body, u->username);
    pp_buf_adds(&res->body, ",\"role\":");
    pp_buf_add_json_str(&res->body, pp_role_name(u->role));
    if (u->practitioner[0]) {
        pp_buf_adds(&res->body, ",\"practitioner\":");
        pp_buf_add_json_str(&res->body, u->practitioner);
    }
    if (u->patient[0]) {
        pp_buf_adds(&res->body, ",\"patient\":");
        pp_buf_add_json_str(&res->body, u->patient);
    }
    pp_buf_adds(&res->body, ",\"csrfToken\":");
    pp_buf_add_json_str(&res->body, csrf);
    pp_buf_adds(&res->body, ",\"expires\":");
    pp_buf_add_json_str(&res->body, x.expires);
    pp_buf_addf(&res->body, ",\"idleTimeoutMinutes\":%d}", sec->session_idle_minutes);
    memset(token, 0, sizeof(token));
    memset(csrf, 0, sizeof(csrf));
    return PP_OK;
}

/* The password is right: reset the account's counter, rehash at today's cost, open a session. */
static enum pp_err login_ok(const struct pp_http_request *req, struct pp_http_response *res,
                            struct pp_store *st, const struct pp_user *u, const char *password,
                            const char *now, struct pp_diag *d)
{
    const struct pp_security *sec = pp_http_security(req);
    enum pp_err e;

    if ((e = pp_store_user_login_ok(st, u->id, d)) != PP_OK)
        return e;
    if (pp_secret_needs_rehash(u->password_hash, &sec->pwhash)) {
        char hash[PP_SECRET_HASH_MAX];
        if ((e = pp_secret_hash_password(password, &sec->pwhash, hash, d)) != PP_OK ||
            (e = pp_store_user_set_password(st, u->id, hash, d)) != PP_OK)
            return e;
    }
    return open_session(req, res, st, u, now, d);
}

/* Seconds from `now` to `until` (ISO texts), at least 1. */
static long long seconds_until(const char *now, const char *until)
{
    long long a, b;
    if (!pp_http_iso_parse(now, &a) || !pp_http_iso_parse(until, &b) || b <= a)
        return 1;
    return b - a;
}

/* A failed attempt from this client: counted, and the client locked at its limit. */
static enum pp_err count_client(const struct pp_http_request *req, struct pp_store *st,
                                const char *now, struct pp_diag *d)
{
    bool locked;
    if (!req->client[0])
        return PP_OK;
    return pp_store_client_failed(st, req->client, now, pp_http_security(req), NULL, &locked, d);
}

/* Check the password of `username`; answers the request. */
static void login(const struct pp_http_request *req, struct pp_http_response *res,
                  const char *username, const char *password)
{
    const struct pp_security *sec = pp_http_security(req);
    char now[PP_TIME_MAX], until[PP_TIME_MAX];
    struct pp_store *st;
    struct pp_user u;
    struct pp_diag d;
    bool locked = false;
    enum pp_err e;

    pp_diag_clear(&d);
    pp_store_time_now(now);
    snprintf(res->audit.action, sizeof(res->audit.action), "login-failed");
    snprintf(res->audit.agent, sizeof(res->audit.agent), "%s", username);
    if ((e = pp_http_store(req, &st, &d)) != PP_OK)
        goto fail;
    /* a client over its limit is refused before any account is looked at */
    if (req->client[0] &&
        (e = pp_store_client_locked(st, req->client, now, &locked, until, &d)) != PP_OK)
        goto fail;
    if (locked) {
        spend_one_check(password, sec);
        too_many(res, seconds_until(now, until),
                 "too many failed logins from this address; try again later");
        return;
    }
    e = pp_username_valid(username) ? pp_store_user_get(st, username, &u, &d) : PP_ERR_NOT_FOUND;
    if (e == PP_ERR_NOT_FOUND || (!e && u.disabled)) {
        spend_one_check(password, sec);
        if ((e = count_client(req, st, now, &d)) != PP_OK)
            goto fail;
        login_failed(res);
        return;
    }
    if (e)
        goto fail;
    res->audit.user_id = u.id;
    if (pp_user_locked(&u, now)) {
        /* locked: the password is not looked at (the same work is spent) */
        spend_one_check(password, sec);
        if ((e = count_client(req, st, now, &d)) != PP_OK)
            goto fail;
        too_many(res, seconds_until(now, u.locked_until),
                 "this account is locked after too many failed logins; try again later");
        return;
    }
    if (!pp_secret_verify_password(u.password_hash, password)) {
        if ((e = pp_store_user_failed_lockout(st, u.id, now, sec, &locked, &d)) != PP_OK ||
            (e = count_client(req, st, now, &d)) != PP_OK)
            goto fail;
        login_failed(res);
        return;
    }
    if ((e = login_ok(req, res, st, &u, password, now, &d)) != PP_OK) {
        pp_buf_reset(&res->body);
        res->set_cookie[0][0] = res->set_cookie[1][0] = '\0';
        goto fail;
    }
    snprintf(res->audit.action, sizeof(res->audit.action), "login");
    return;
fail:
    pp_http_fail(res, e == PP_ERR_INPUT ? PP_ERR_INTERNAL : e, &d);
}

void pp_http_handle_login(const struct pp_http_request *req, struct pp_http_response *res)
{
    const char *username, *password;
    cJSON *root = NULL;
    struct pp_diag d;

    pp_diag_clear(&d);
    /* a form of another site can post text/plain or form data but not JSON (that needs a
     * CORS preflight painpath never grants): no one is signed in from elsewhere */
    if (!req->content_type || strncasecmp(req->content_type, PP_HTTP_JSON, strlen(PP_HTTP_JSON)) ||
        (req->content_type[strlen(PP_HTTP_JSON)] != '\0' &&
         req->content_type[strlen(PP_HTTP_JSON)] != ';')) {
        pp_http_outcome(res, 415, "not-supported", "Content-Type",
                        "a login is a JSON body (Content-Type: application/json)");
        return;
    }
    if (pp_json_parse(req->body, req->body_len, "body", &root, &d) != PP_OK) {
        pp_http_fail(res, PP_ERR_INPUT, &d);
        return;
    }
    username = pp_json_str(root, "username");
    password = pp_json_str(root, "password");
    if (!cJSON_IsObject(root))
        pp_http_outcome(res, 400, "invalid", "", "expected {\"username\": ..., \"password\": ...}");
    else if (!username || !*username)
        pp_http_outcome(res, 400, "required", "username", "username: expected a non-empty string");
    else if (!password || !*password)
        pp_http_outcome(res, 400, "required", "password", "password: expected a non-empty string");
    else
        login(req, res, username, password);
    if (password) /* the tree is freed below; wipe the copy it holds first */
        memset((char *)password, 0, strlen(password));
    cJSON_Delete(root);
}

void pp_http_handle_logout(const struct pp_http_request *req, struct pp_http_response *res)
{
    const struct pp_http_principal *who = req->who;
    struct pp_store *st;
    struct pp_diag d;
    enum pp_err e;

    pp_diag_clear(&d);
    if (!who || !who->authenticated) {
        pp_http_outcome(res, 401, "login", "", "not signed in");
        res->www_authenticate = PP_HTTP_WWW_AUTHENTICATE;
        return;
    }
    if (!who->via_cookie) {
        pp_http_outcome(res, 400, "not-supported", "",
                        "logout ends a browser session; revoke a bearer token with "
                        "`painpath token revoke`");
        return;
    }
    if ((e = pp_http_store(req, &st, &d)) != PP_OK ||
        (e = pp_store_session_revoke(st, who->session_hash, &d)) != PP_OK) {
        pp_http_fail(res, e == PP_ERR_INPUT ? PP_ERR_INTERNAL : e, &d);
        return;
    }
    pp_http_session_cookie(res->set_cookie[0], NULL, req->tls);
    pp_http_csrf_cookie(res->set_cookie[1], NULL, req->tls);
    snprintf(res->audit.action, sizeof(res->audit.action), "logout");
    snprintf(res->audit.agent, sizeof(res->audit.agent), "%s", who->name);
    res->audit.user_id = who->user_id;
    pp_buf_adds(&res->body, "{\"signedOut\":true}");
}

/* `,"key":"value"` when value is not empty. */
static void add_field(struct pp_buf *b, const char *key, const char *value)
{
    if (!value[0])
        return;
    pp_buf_addf(b, ",\"%s\":", key);
    pp_buf_add_json_str(b, value);
}

void pp_http_handle_session(const struct pp_http_request *req, struct pp_http_response *res)
{
    const struct pp_http_principal *who = req->who;
    const struct pp_security *sec = pp_http_security(req);
    struct pp_session x;
    struct pp_store *st;
    struct pp_diag d;
    enum pp_err e;

    pp_diag_clear(&d);
    if (!who || !who->authenticated) {
        pp_http_outcome(res, 401, "login", "", "not signed in");
        res->www_authenticate = PP_HTTP_WWW_AUTHENTICATE;
        return;
    }
    pp_buf_adds(&res->body, "{\"role\":");
    pp_buf_add_json_str(&res->body, pp_role_name(who->role));
    if (!who->via_cookie) {
        pp_buf_adds(&res->body, ",\"via\":\"token\",\"token\":");
        pp_buf_add_json_str(&res->body, who->name);
        add_field(&res->body, "scope", who->scope);
        pp_buf_addc(&res->body, '}');
        return;
    }
    if ((e = pp_http_store(req, &st, &d)) != PP_OK ||
        (e = pp_store_session_get(st, who->session_hash, &x, &d)) != PP_OK) {
        pp_buf_reset(&res->body);
        pp_http_fail(res, e == PP_ERR_INPUT ? PP_ERR_INTERNAL : e, &d);
        return;
    }
    pp_buf_adds(&res->body, ",\"via\":\"session\",\"user\":");
    pp_buf_add_json_str(&res->body, who->name);
    add_field(&res->body, "practitioner", who->practitioner);
    add_field(&res->body, "patient", who->patient);
    add_field(&res->body, "created", x.created);
    add_field(&res->body, "expires", x.expires);
    pp_buf_addf(&res->body, ",\"idleTimeoutMinutes\":%d}", sec->session_idle_minutes);
}
