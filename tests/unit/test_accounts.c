/*
 * test_accounts.c — the accounts store (store/accounts.h) on a real SQLite file: users
 * (duplicates, validation, lockout), sessions (disabling a user revokes them), bearer tokens
 * (revoked and expired ones still read back), break-glass windows at their boundaries,
 * per-client login throttling, the security settings loader, times, and util/secret.c
 * (Argon2id at a cheap cost, tokens, SHA-256, constant-time equality).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "store/accounts.h"
#include "util/secret.h"

static char tmpdir[64];

/* The cheapest Argon2id cost libsodium allows: tests hash many passwords. */
static const struct pp_secret_cost cheap = {1, 8192};

static struct pp_store *open_db(const char *name)
{
    char path[160];
    struct pp_store *s = NULL;
    struct pp_diag d;
    snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
    pp_diag_clear(&d);
    if (pp_store_open(path, &s, &d) != PP_OK)
        fail_msg("open %s: %s: %s", name, d.where, d.what);
    return s;
}

/* A user of `role` named `name` with password "pw-<name>" hashed cheaply. */
static long add_user(struct pp_store *s, const char *name, enum pp_role role,
                     const char *practitioner, const char *patient)
{
    struct pp_user u;
    struct pp_diag d;
    char pw[96];
    long id = 0;
    memset(&u, 0, sizeof(u));
    snprintf(u.username, sizeof(u.username), "%s", name);
    u.role = role;
    snprintf(u.practitioner, sizeof(u.practitioner), "%s", practitioner ? practitioner : "");
    snprintf(u.patient, sizeof(u.patient), "%s", patient ? patient : "");
    snprintf(pw, sizeof(pw), "pw-%s", name);
    assert_int_equal(pp_secret_hash_password(pw, &cheap, u.password_hash, &d), PP_OK);
    if (pp_store_user_add(s, &u, &id, &d) != PP_OK)
        fail_msg("add %s: %s: %s", name, d.where, d.what);
    assert_true(id > 0);
    return id;
}

static void session_of(long user_id, const char *token, struct pp_session *x)
{
    memset(x, 0, sizeof(*x));
    pp_secret_sha256_hex(token, strlen(token), x->token_hash);
    pp_secret_sha256_hex("csrf", 4, x->csrf_hash);
    x->user_id = user_id;
    snprintf(x->created, sizeof(x->created), "2026-11-27T10:00:00.000Z");
    snprintf(x->last_seen, sizeof(x->last_seen), "2026-11-27T10:00:00.000Z");
    snprintf(x->expires, sizeof(x->expires), "2026-11-27T22:00:00.000Z");
}

static void test_accounts__roles(void **state)
{
    (void)state;
    for (int r = PP_ROLE_FRONT_DESK; r < PP_ROLE_COUNT; r++)
        assert_int_equal(pp_role_parse(pp_role_name((enum pp_role)r)), r);
    assert_string_equal(pp_role_name(PP_ROLE_FRONT_DESK), "front-desk");
    assert_string_equal(pp_role_name(PP_ROLE_INTEGRATION), "integration");
    assert_string_equal(pp_role_name(PP_ROLE_NONE), "none");
    assert_string_equal(pp_role_name(PP_ROLE_COUNT), "none");
    assert_int_equal(pp_role_parse("none"), PP_ROLE_NONE);
    assert_int_equal(pp_role_parse("Physician"), PP_ROLE_NONE);
    assert_int_equal(pp_role_parse(""), PP_ROLE_NONE);
    assert_int_equal(pp_role_parse(NULL), PP_ROLE_NONE);
}

static void test_accounts__usernames(void **state)
{
    char longest[PP_USERNAME_MAX + 2];
    (void)state;
    assert_true(pp_username_valid("a"));
    assert_true(pp_username_valid("dr.rivera@clinic-1_x"));
    assert_false(pp_username_valid(""));
    assert_false(pp_username_valid(NULL));
    assert_false(pp_username_valid("has space"));
    assert_false(pp_username_valid("semi;colon"));
    assert_false(pp_username_valid("caf\xc3\xa9"));
    memset(longest, 'a', sizeof(longest));
    longest[PP_USERNAME_MAX] = '\0';
    assert_true(pp_username_valid(longest));
    longest[PP_USERNAME_MAX] = 'a';
    longest[PP_USERNAME_MAX + 1] = '\0';
    assert_false(pp_username_valid(longest));
}

static void test_accounts__users(void **state)
{
    struct pp_store *s = open_db("users.db");
    struct pp_user u, back;
    struct pp_diag d;
    long id, id2;
    (void)state;
    id = add_user(s, "rivera", PP_ROLE_PHYSICIAN, "demo-dr-rivera", NULL);
    assert_int_equal(pp_store_user_get(s, "rivera", &back, &d), PP_OK);
    assert_int_equal(back.id, id);
    assert_int_equal(back.role, PP_ROLE_PHYSICIAN);
    assert_string_equal(back.practitioner, "demo-dr-rivera");
    assert_string_equal(back.patient, "");
    assert_false(back.disabled);
    assert_int_equal(back.failed_logins, 0);
    assert_string_equal(back.locked_until, "");
    assert_int_equal(strlen(back.created), 24);
    assert_true(pp_secret_verify_password(back.password_hash, "pw-rivera"));
    assert_false(pp_secret_verify_password(back.password_hash, "pw-rivera "));
    assert_int_equal(pp_store_user_get_id(s, id, &back, &d), PP_OK);
    assert_string_equal(back.username, "rivera");
    assert_int_equal(pp_store_user_get(s, "nobody", &back, &d), PP_ERR_NOT_FOUND);
    assert_int_equal(pp_store_user_get_id(s, 9999, &back, &d), PP_ERR_NOT_FOUND);

    /* a duplicate username is bad input naming the field, and adds nothing */
    u = back;
    u.role = PP_ROLE_NURSE;
    assert_int_equal(pp_store_user_add(s, &u, &id2, &d), PP_ERR_INPUT);
    assert_string_equal(d.where, "username");
    assert_non_null(strstr(d.what, "taken"));
    assert_int_equal(pp_store_user_get(s, "rivera", &back, &d), PP_OK);
    assert_int_equal(back.role, PP_ROLE_PHYSICIAN);

    /* validation, each naming its field */
    u = back;
    snprintf(u.username, sizeof(u.username), "bad name");
    assert_int_equal(pp_store_user_add(s, &u, NULL, &d), PP_ERR_INPUT);
    assert_string_equal(d.where, "username");
    snprintf(u.username, sizeof(u.username), "pat1");
    u.role = PP_ROLE_PATIENT;
    u.practitioner[0] = '\0';
    assert_int_equal(pp_store_user_add(s, &u, NULL, &d), PP_ERR_INPUT);
    assert_string_equal(d.where, "patient");
    snprintf(u.patient, sizeof(u.patient), "bad id!");
    assert_int_equal(pp_store_user_add(s, &u, NULL, &d), PP_ERR_INPUT);
    assert_string_equal(d.where, "patient");
    snprintf(u.patient, sizeof(u.patient), "demo-pt-001");
    snprintf(u.practitioner, sizeof(u.practitioner), "demo-dr-rivera");
    assert_int_equal(pp_store_user_add(s, &u, NULL, &d), PP_ERR_INPUT);
    assert_string_equal(d.where, "practitioner");
    u.practitioner[0] = '\0';
    u.role = PP_ROLE_NURSE;
    assert_int_equal(pp_store_user_add(s, &u, NULL, &d), PP_ERR_INPUT);
    assert_string_equal(d.where, "patient");
    u.patient[0] = '\0';
    u.role = PP_ROLE_NONE;
    assert_int_equal(pp_store_user_add(s, &u, NULL, &d), PP_ERR_INPUT);
    assert_string_equal(d.where, "role");
    u.role = PP_ROLE_INTEGRATION;
    assert_int_equal(pp_store_user_add(s, &u, NULL, &d), PP_ERR_INPUT);
    assert_string_equal(d.where, "role");
    u.role = PP_ROLE_NURSE;
    snprintf(u.password_hash, sizeof(u.password_hash), "plain-password");
    assert_int_equal(pp_store_user_add(s, &u, NULL, &d), PP_ERR_INPUT);
    assert_string_equal(d.where, "password_hash");
    snprintf(u.password_hash, sizeof(u.password_hash), "$argon2id$");
    assert_int_equal(pp_store_user_add(s, &u, NULL, &d), PP_ERR_INPUT);
    assert_string_equal(d.where, "password_hash");
    assert_int_equal(pp_user_check(&u, false, &d), PP_OK);
    assert_int_equal(pp_user_check(&u, true, &d), PP_ERR_INPUT);
    assert_int_equal(pp_store_user_get(s, "pat1", &back, &d), PP_ERR_NOT_FOUND);

    /* a patient account with its Patient */
    id2 = add_user(s, "pat1", PP_ROLE_PATIENT, NULL, "demo-pt-001");
    assert_int_equal(pp_store_user_get_id(s, id2, &back, &d), PP_OK);
    assert_string_equal(back.patient, "demo-pt-001");
    assert_string_equal(back.practitioner, "");

    /* new password */
    assert_int_equal(pp_secret_hash_password("another-pass", &cheap, u.password_hash, &d), PP_OK);
    assert_int_equal(pp_store_user_set_password(s, id, u.password_hash, &d), PP_OK);
    assert_int_equal(pp_store_user_get(s, "rivera", &back, &d), PP_OK);
    assert_true(pp_secret_verify_password(back.password_hash, "another-pass"));
    assert_false(pp_secret_verify_password(back.password_hash, "pw-rivera"));
    assert_int_equal(pp_store_user_set_password(s, 9999, u.password_hash, &d), PP_ERR_NOT_FOUND);
    assert_int_equal(pp_store_user_set_password(s, id, "another-pass", &d), PP_ERR_INPUT);
    assert_string_equal(d.where, "password_hash");
    pp_store_close(s);
}

/* Collects usernames from pp_store_user_list. */
struct names {
    char all[512];
    int n, stop_after;
};

static enum pp_err name_fn(void *ctx, const struct pp_user *u)
{
    struct names *c = ctx;
    size_t len = strlen(c->all);
    snprintf(c->all + len, sizeof(c->all) - len, "%s%s:%s", c->n ? "," : "", u->username,
             pp_role_name(u->role));
    if (++c->n == c->stop_after)
        return PP_ERR_LIMIT;
    return PP_OK;
}

static void test_accounts__user_list(void **state)
{
    struct pp_store *s = open_db("list.db");
    struct names c;
    struct pp_diag d;
    (void)state;
    memset(&c, 0, sizeof(c));
    assert_int_equal(pp_store_user_list(s, name_fn, &c, &d), PP_OK);
    assert_int_equal(c.n, 0);
    add_user(s, "zed", PP_ROLE_ADMIN, NULL, NULL);
    add_user(s, "amy", PP_ROLE_FRONT_DESK, NULL, NULL);
    add_user(s, "max", PP_ROLE_NURSE, "n1", NULL);
    assert_int_equal(pp_store_user_list(s, name_fn, &c, &d), PP_OK);
    assert_string_equal(c.all, "amy:front-desk,max:nurse,zed:admin");
    memset(&c, 0, sizeof(c));
    c.stop_after = 2;
    assert_int_equal(pp_store_user_list(s, name_fn, &c, &d), PP_ERR_LIMIT);
    assert_int_equal(c.n, 2);
    pp_store_close(s);
}

static void test_accounts__transactions(void **state)
{
    struct pp_store *s = open_db("tx.db");
    struct pp_session x, y;
    struct pp_user u;
    struct pp_diag d;
    long id;
    (void)state;
    /* inside the caller's transaction: a rollback undoes the add */
    assert_int_equal(pp_store_begin(s, &d), PP_OK);
    add_user(s, "ghost", PP_ROLE_NURSE, NULL, NULL);
    pp_store_rollback(s);
    assert_int_equal(pp_store_user_get(s, "ghost", &u, &d), PP_ERR_NOT_FOUND);
    /* disabling (two writes) joins the caller's transaction, and rolls back whole */
    id = add_user(s, "keep", PP_ROLE_NURSE, NULL, NULL);
    session_of(id, "tok-keep", &x);
    assert_int_equal(pp_store_session_add(s, &x, &d), PP_OK);
    assert_int_equal(pp_store_begin(s, &d), PP_OK);
    assert_int_equal(pp_store_user_set_disabled(s, id, true, &d), PP_OK);
    assert_true(pp_store_in_transaction(s));
    pp_store_rollback(s);
    assert_int_equal(pp_store_user_get_id(s, id, &u, &d), PP_OK);
    assert_false(u.disabled);
    assert_int_equal(pp_store_session_get(s, x.token_hash, &y, &d), PP_OK);
    assert_int_equal(y.user_id, id);
    pp_store_close(s);
}

static void test_accounts__lockout(void **state)
{
    struct pp_store *s = open_db("lockout.db");
    struct pp_security sec;
    struct pp_user u;
    struct pp_diag d;
    bool locked = true;
    const char *now = "2026-11-27T10:00:00.000Z";
    long id;
    (void)state;
    pp_security_defaults(&sec);
    id = add_user(s, "fumble", PP_ROLE_FRONT_DESK, NULL, NULL);
    /* the plain counter */
    assert_int_equal(pp_store_user_login_failed(s, id, NULL, &d), PP_OK);
    assert_int_equal(pp_store_user_login_failed(s, id, "2026-11-27T10:15:00.000Z", &d), PP_OK);
    assert_int_equal(pp_store_user_get_id(s, id, &u, &d), PP_OK);
    assert_int_equal(u.failed_logins, 2);
    assert_string_equal(u.locked_until, "2026-11-27T10:15:00.000Z");
    assert_true(pp_user_locked(&u, "2026-11-27T10:14:59.999Z"));
    assert_false(pp_user_locked(&u, "2026-11-27T10:15:00.000Z"));
    assert_int_equal(pp_store_user_login_failed(s, id, "yesterday", &d), PP_ERR_INPUT);
    assert_int_equal(pp_store_user_login_failed(s, 9999, NULL, &d), PP_ERR_NOT_FOUND);
    assert_int_equal(pp_store_user_login_ok(s, id, &d), PP_OK);
    assert_int_equal(pp_store_user_get_id(s, id, &u, &d), PP_OK);
    assert_int_equal(u.failed_logins, 0);
    assert_string_equal(u.locked_until, "");
    assert_false(pp_user_locked(&u, now));
    assert_int_equal(pp_store_user_login_ok(s, 9999, &d), PP_ERR_NOT_FOUND);

    /* the policy: max - 1 failures leave the account open, the max-th locks it */
    for (int i = 1; i < sec.account_max_failures; i++) {
        assert_int_equal(pp_store_user_failed_lockout(s, id, now, &sec, &locked, &d), PP_OK);
        assert_false(locked);
    }
    assert_int_equal(pp_store_user_get_id(s, id, &u, &d), PP_OK);
    assert_int_equal(u.failed_logins, sec.account_max_failures - 1);
    assert_false(pp_user_locked(&u, now));
    assert_int_equal(pp_store_user_failed_lockout(s, id, now, &sec, &locked, &d), PP_OK);
    assert_true(locked);
    assert_int_equal(pp_store_user_get_id(s, id, &u, &d), PP_OK);
    assert_int_equal(u.failed_logins, 0);
    assert_string_equal(u.locked_until, "2026-11-27T10:15:00.000Z"); /* + 15 minutes */
    assert_true(pp_user_locked(&u, now));
    assert_int_equal(pp_store_user_failed_lockout(s, id, "not a time", &sec, &locked, &d),
                     PP_ERR_INPUT);
    assert_int_equal(pp_store_user_failed_lockout(s, 9999, now, &sec, &locked, &d),
                     PP_ERR_NOT_FOUND);
    pp_store_close(s);
}

static void test_accounts__sessions(void **state)
{
    struct pp_store *s = open_db("sessions.db");
    struct pp_session x, y, z, back;
    struct pp_user u;
    struct pp_diag d;
    long id, other, n = -1;
    (void)state;
    id = add_user(s, "nurse1", PP_ROLE_NURSE, NULL, NULL);
    other = add_user(s, "nurse2", PP_ROLE_NURSE, NULL, NULL);
    session_of(id, "token-a", &x);
    assert_int_equal(pp_store_session_add(s, &x, &d), PP_OK);
    assert_int_equal(pp_store_session_get(s, x.token_hash, &back, &d), PP_OK);
    assert_int_equal(back.user_id, id);
    assert_string_equal(back.csrf_hash, x.csrf_hash);
    assert_string_equal(back.expires, "2026-11-27T22:00:00.000Z");
    assert_int_equal(pp_store_session_touch(s, x.token_hash, "2026-11-27T10:05:00.000Z", &d),
                     PP_OK);
    assert_int_equal(pp_store_session_get(s, x.token_hash, &back, &d), PP_OK);
    assert_string_equal(back.last_seen, "2026-11-27T10:05:00.000Z");
    assert_string_equal(back.created, "2026-11-27T10:00:00.000Z");
    /* a token that is not a hash, an unknown user, bad times */
    y = x;
    snprintf(y.token_hash, sizeof(y.token_hash), "token-a");
    assert_int_equal(pp_store_session_add(s, &y, &d), PP_ERR_INPUT);
    assert_string_equal(d.where, "token_hash");
    session_of(9999, "token-z", &y);
    assert_int_equal(pp_store_session_add(s, &y, &d), PP_ERR_INPUT);
    session_of(id, "token-z", &y);
    snprintf(y.expires, sizeof(y.expires), "tomorrow");
    assert_int_equal(pp_store_session_add(s, &y, &d), PP_ERR_INPUT);
    assert_string_equal(d.where, "expires");
    assert_int_equal(pp_store_session_get(s, y.token_hash, &back, &d), PP_ERR_NOT_FOUND);

    /* revoke: gone; revoking again is fine; touching it is NOT_FOUND */
    assert_int_equal(pp_store_session_revoke(s, x.token_hash, &d), PP_OK);
    assert_int_equal(pp_store_session_get(s, x.token_hash, &back, &d), PP_ERR_NOT_FOUND);
    assert_int_equal(pp_store_session_revoke(s, x.token_hash, &d), PP_OK);
    assert_int_equal(pp_store_session_touch(s, x.token_hash, "2026-11-27T10:06:00.000Z", &d),
                     PP_ERR_NOT_FOUND);

    /* disabling a user revokes that user's sessions, not another's */
    session_of(id, "token-b", &x);
    assert_int_equal(pp_store_session_add(s, &x, &d), PP_OK);
    session_of(id, "token-c", &y);
    assert_int_equal(pp_store_session_add(s, &y, &d), PP_OK);
    session_of(other, "token-d", &back);
    assert_int_equal(pp_store_session_add(s, &back, &d), PP_OK);
    assert_int_equal(pp_store_user_set_disabled(s, id, true, &d), PP_OK);
    assert_int_equal(pp_store_user_get_id(s, id, &u, &d), PP_OK);
    assert_true(u.disabled);
    assert_int_equal(pp_store_session_get(s, x.token_hash, &z, &d), PP_ERR_NOT_FOUND);
    assert_int_equal(pp_store_session_get(s, y.token_hash, &z, &d), PP_ERR_NOT_FOUND);
    assert_int_equal(pp_store_session_get(s, back.token_hash, &z, &d), PP_OK);
    assert_int_equal(z.user_id, other);
    assert_int_equal(pp_store_user_set_disabled(s, id, false, &d), PP_OK);
    assert_int_equal(pp_store_user_get_id(s, id, &u, &d), PP_OK);
    assert_false(u.disabled);
    assert_int_equal(pp_store_user_set_disabled(s, 9999, true, &d), PP_ERR_NOT_FOUND);

    /* revoke_user counts; purge by absolute end and by idleness */
    assert_int_equal(pp_store_session_revoke_user(s, other, &n, &d), PP_OK);
    assert_int_equal(n, 1);
    session_of(id, "old", &x); /* expires 22:00 */
    assert_int_equal(pp_store_session_add(s, &x, &d), PP_OK);
    session_of(id, "idle", &y);
    snprintf(y.expires, sizeof(y.expires), "2026-11-28T22:00:00.000Z");
    assert_int_equal(pp_store_session_add(s, &y, &d), PP_OK);
    session_of(id, "fresh", &back);
    snprintf(back.expires, sizeof(back.expires), "2026-11-28T22:00:00.000Z");
    snprintf(back.last_seen, sizeof(back.last_seen), "2026-11-27T22:30:00.000Z");
    assert_int_equal(pp_store_session_add(s, &back, &d), PP_OK);
    assert_int_equal(pp_store_session_purge(s, "2026-11-27T21:59:59.999Z", NULL, &n, &d), PP_OK);
    assert_int_equal(n, 0);
    assert_int_equal(pp_store_session_purge(s, "2026-11-27T22:00:00.000Z", NULL, &n, &d), PP_OK);
    assert_int_equal(n, 1); /* "old" at its end */
    assert_int_equal(
        pp_store_session_purge(s, "2026-11-27T22:40:00.000Z", "2026-11-27T22:10:00.000Z", &n, &d),
        PP_OK);
    assert_int_equal(n, 1); /* "idle" (last seen 10:00), "fresh" stays */
    assert_int_equal(pp_store_session_get(s, back.token_hash, &z, &d), PP_OK);
    assert_int_equal(pp_store_session_get(s, y.token_hash, &z, &d), PP_ERR_NOT_FOUND);
    /* the key may live in the struct it fills */
    assert_int_equal(pp_store_session_get(s, back.token_hash, &back, &d), PP_OK);
    assert_string_equal(back.last_seen, "2026-11-27T22:30:00.000Z");
    assert_int_equal(pp_store_session_purge(s, "soon", NULL, &n, &d), PP_ERR_INPUT);
    pp_store_close(s);
}

/* Collects token names and states from pp_store_token_list. */
static enum pp_err token_fn(void *ctx, const struct pp_token *t)
{
    char *out = ctx;
    size_t len = strlen(out);
    assert_string_equal(t->token_hash, ""); /* the list never carries the hash */
    snprintf(out + len, 512 - len, "%s%ld:%s:%s%s", len ? "," : "", t->id, t->name,
             pp_role_name(t->role), t->revoked ? ":revoked" : "");
    return PP_OK;
}

static void make_token(struct pp_token *t, const char *plain, const char *name, enum pp_role r,
                       const char *scope)
{
    memset(t, 0, sizeof(*t));
    pp_secret_sha256_hex(plain, strlen(plain), t->token_hash);
    snprintf(t->name, sizeof(t->name), "%s", name);
    t->role = r;
    snprintf(t->scope, sizeof(t->scope), "%s", scope);
}

static void test_accounts__tokens(void **state)
{
    struct pp_store *s = open_db("tokens.db");
    struct pp_token t, back;
    struct pp_diag d;
    char list[512] = "", want[128];
    long id, id2, pid, uid;
    (void)state;
    make_token(&t, "plain-1", "EHR bridge", PP_ROLE_INTEGRATION, "cds fhir:read:Patient,Condition");
    assert_int_equal(pp_store_token_add(s, &t, &id, &d), PP_OK);
    assert_int_equal(pp_store_token_get(s, t.token_hash, &back, &d), PP_OK);
    assert_int_equal(back.id, id);
    assert_string_equal(back.name, "EHR bridge");
    assert_int_equal(back.role, PP_ROLE_INTEGRATION);
    assert_string_equal(back.scope, "cds fhir:read:Patient,Condition");
    assert_string_equal(back.expires, "");
    assert_false(back.revoked);
    assert_int_equal(back.user_id, 0);
    assert_int_equal(strlen(back.created), 24);

    /* an expired token still reads back, with its expiry, for the caller to refuse */
    make_token(&t, "plain-2", "old", PP_ROLE_INTEGRATION, "*");
    snprintf(t.expires, sizeof(t.expires), "2020-01-01T00:00:00.000Z");
    assert_int_equal(pp_store_token_add(s, &t, &id2, &d), PP_OK);
    assert_int_equal(pp_store_token_get(s, t.token_hash, &back, &d), PP_OK);
    assert_string_equal(back.expires, "2020-01-01T00:00:00.000Z");
    assert_false(back.revoked);

    /* revoked: still returned, revoked set; twice is fine; unknown id NOT_FOUND */
    assert_int_equal(pp_store_token_revoke(s, id, &d), PP_OK);
    assert_int_equal(pp_store_token_revoke(s, id, &d), PP_OK);
    assert_int_equal(pp_store_token_revoke(s, 9999, &d), PP_ERR_NOT_FOUND);
    assert_string_equal(d.where, "id");
    make_token(&t, "plain-1", "x", PP_ROLE_INTEGRATION, "*");
    assert_int_equal(pp_store_token_get(s, t.token_hash, &back, &d), PP_OK);
    assert_true(back.revoked);
    assert_string_equal(back.name, "EHR bridge");
    make_token(&t, "plain-unknown", "x", PP_ROLE_INTEGRATION, "*");
    assert_int_equal(pp_store_token_get(s, t.token_hash, &back, &d), PP_ERR_NOT_FOUND);
    assert_int_equal(pp_store_token_get(s, "plain-1", &back, &d), PP_ERR_NOT_FOUND);

    /* bad input, each naming its field */
    make_token(&t, "plain-3", "ok", PP_ROLE_INTEGRATION, "fhir:read:patient");
    assert_int_equal(pp_store_token_add(s, &t, NULL, &d), PP_ERR_INPUT);
    assert_string_equal(d.where, "scope");
    make_token(&t, "plain-3", " lead", PP_ROLE_INTEGRATION, "*");
    assert_int_equal(pp_store_token_add(s, &t, NULL, &d), PP_ERR_INPUT);
    assert_string_equal(d.where, "name");
    make_token(&t, "plain-3", "ok", PP_ROLE_NONE, "*");
    assert_int_equal(pp_store_token_add(s, &t, NULL, &d), PP_ERR_INPUT);
    assert_string_equal(d.where, "role");
    make_token(&t, "plain-3", "ok", PP_ROLE_INTEGRATION, "*");
    snprintf(t.token_hash, sizeof(t.token_hash), "plain-3");
    assert_int_equal(pp_store_token_add(s, &t, NULL, &d), PP_ERR_INPUT);
    assert_string_equal(d.where, "token_hash");
    make_token(&t, "plain-3", "ok", PP_ROLE_INTEGRATION, "*");
    snprintf(t.expires, sizeof(t.expires), "2030-01-01");
    assert_int_equal(pp_store_token_add(s, &t, NULL, &d), PP_ERR_INPUT);
    assert_string_equal(d.where, "expires");
    make_token(&t, "plain-3", "ok", PP_ROLE_PATIENT, "fhir:read");
    assert_int_equal(pp_store_token_add(s, &t, NULL, &d), PP_ERR_INPUT);
    assert_string_equal(d.where, "user_id");
    make_token(&t, "plain-2", "same hash", PP_ROLE_INTEGRATION, "*");
    assert_int_equal(pp_store_token_add(s, &t, NULL, &d), PP_ERR_INPUT);
    assert_string_equal(d.where, "token_hash");

    /* a personal token: the user's role, the user's name, refused while the user is disabled */
    pid = add_user(s, "pat9", PP_ROLE_PATIENT, NULL, "pt-9");
    uid = add_user(s, "doc9", PP_ROLE_PHYSICIAN, "pr-9", NULL);
    make_token(&t, "plain-4", "phone app", PP_ROLE_PATIENT, "fhir:read");
    t.user_id = pid;
    assert_int_equal(pp_store_token_add(s, &t, NULL, &d), PP_OK);
    assert_int_equal(pp_store_token_get(s, t.token_hash, &back, &d), PP_OK);
    assert_int_equal(back.user_id, pid);
    assert_string_equal(back.username, "pat9");
    assert_false(back.user_disabled);
    assert_int_equal(pp_store_user_set_disabled(s, pid, true, &d), PP_OK);
    assert_int_equal(pp_store_token_get(s, t.token_hash, &back, &d), PP_OK);
    assert_true(back.user_disabled);
    make_token(&t, "plain-5", "wrong role", PP_ROLE_ADMIN, "*");
    t.user_id = uid;
    assert_int_equal(pp_store_token_add(s, &t, NULL, &d), PP_ERR_INPUT);
    assert_string_equal(d.where, "role");
    t.user_id = 9999;
    assert_int_equal(pp_store_token_add(s, &t, NULL, &d), PP_ERR_INPUT);
    assert_string_equal(d.where, "user_id");

    assert_int_equal(pp_store_token_list(s, token_fn, list, &d), PP_OK);
    snprintf(want, sizeof(want), "%ld:EHR bridge:integration:revoked,%ld:old:integration", id, id2);
    assert_non_null(strstr(list, want));
    assert_non_null(strstr(list, "phone app:patient"));
    pp_store_close(s);
}

static void test_accounts__scopes(void **state)
{
    static const char *const good[] = {"*",
                                       "cds",
                                       "ops export metrics audit:read",
                                       "fhir:read",
                                       "fhir:write:Observation",
                                       "fhir:read:Patient,Observation cds"};
    static const char *const bad[] = {"",
                                      " cds",
                                      "cds ",
                                      "cds  ops",
                                      "fhir",
                                      "fhir:read:",
                                      "fhir:read:Patient,",
                                      "fhir:read:,Patient",
                                      "fhir:delete",
                                      "fhir:read:patient",
                                      "cds cds",
                                      "CDS"};
    struct pp_diag d;
    char longest[300];
    (void)state;
    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
        if (pp_token_scope_check(good[i], &d) != PP_OK)
            fail_msg("'%s' refused: %s", good[i], d.what);
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        if (pp_token_scope_check(bad[i], &d) != PP_ERR_INPUT)
            fail_msg("'%s' accepted", bad[i]);
        assert_string_equal(d.where, "scope");
    }
    assert_int_equal(pp_token_scope_check("fhir:delete", &d), PP_ERR_INPUT);
    assert_non_null(strstr(d.what, "'fhir:delete'"));
    /* 255 bytes is the cap */
    snprintf(longest, sizeof(longest), "fhir:read:Patient");
    while (strlen(longest) + 8 <= 255) {
        size_t len = strlen(longest);
        snprintf(longest + len, sizeof(longest) - len, ",Patient");
    }
    assert_int_equal(strlen(longest), 249);
    assert_int_equal(pp_token_scope_check(longest, &d), PP_OK);
    snprintf(longest + 249, sizeof(longest) - 249, ",Patien"); /* 256 bytes */
    assert_int_equal(pp_token_scope_check(longest, &d), PP_ERR_INPUT);
    assert_true(pp_token_name_valid("EHR bridge 2"));
    assert_false(pp_token_name_valid("trailing "));
    assert_false(pp_token_name_valid("tab\there"));
    assert_false(pp_token_name_valid(""));
}

/* Collects "patient@expires" from pp_store_break_glass_each. */
static enum pp_err grant_fn(void *ctx, const char *patient, const char *expires)
{
    char *out = ctx;
    size_t len = strlen(out);
    snprintf(out + len, 256 - len, "%s%s@%s", len ? "," : "", patient, expires);
    return PP_OK;
}

static void test_accounts__break_glass(void **state)
{
    struct pp_store *s = open_db("bg.db");
    struct pp_diag d;
    bool active = false;
    char got[256] = "";
    long id, other;
    const char *end = "2026-11-27T11:00:00.000Z";
    (void)state;
    id = add_user(s, "er-doc", PP_ROLE_PHYSICIAN, "pr-1", NULL);
    other = add_user(s, "er-doc2", PP_ROLE_PHYSICIAN, "pr-2", NULL);
    assert_int_equal(pp_store_break_glass_add(s, id, "pt-1", "unconscious in ER", end, &d), PP_OK);
    /* active strictly before its end */
    assert_int_equal(
        pp_store_break_glass_active(s, id, "pt-1", "2026-11-27T10:59:59.999Z", &active, &d), PP_OK);
    assert_true(active);
    assert_int_equal(pp_store_break_glass_active(s, id, "pt-1", end, &active, &d), PP_OK);
    assert_false(active);
    assert_int_equal(
        pp_store_break_glass_active(s, id, "pt-1", "2026-11-27T11:00:00.001Z", &active, &d), PP_OK);
    assert_false(active);
    /* for that user and that patient only */
    assert_int_equal(
        pp_store_break_glass_active(s, other, "pt-1", "2026-11-27T10:00:00.000Z", &active, &d),
        PP_OK);
    assert_false(active);
    assert_int_equal(
        pp_store_break_glass_active(s, id, "pt-2", "2026-11-27T10:00:00.000Z", &active, &d), PP_OK);
    assert_false(active);
    /* a later grant for the same patient extends; each lists the latest end per patient */
    assert_int_equal(
        pp_store_break_glass_add(s, id, "pt-1", "still in ER", "2026-11-27T12:00:00.000Z", &d),
        PP_OK);
    assert_int_equal(
        pp_store_break_glass_add(s, id, "pt-3", "covering", "2026-11-27T10:30:00.000Z", &d), PP_OK);
    assert_int_equal(
        pp_store_break_glass_each(s, id, "2026-11-27T10:00:00.000Z", grant_fn, got, &d), PP_OK);
    assert_string_equal(got, "pt-1@2026-11-27T12:00:00.000Z,pt-3@2026-11-27T10:30:00.000Z");
    got[0] = '\0';
    assert_int_equal(
        pp_store_break_glass_each(s, id, "2026-11-27T10:30:00.000Z", grant_fn, got, &d), PP_OK);
    assert_string_equal(got, "pt-1@2026-11-27T12:00:00.000Z");
    /* bad input */
    assert_int_equal(pp_store_break_glass_add(s, id, "pt-1", "", end, &d), PP_ERR_INPUT);
    assert_string_equal(d.where, "reason");
    assert_int_equal(pp_store_break_glass_add(s, id, "pt 1", "why", end, &d), PP_ERR_INPUT);
    assert_string_equal(d.where, "patient");
    assert_int_equal(pp_store_break_glass_add(s, id, "pt-1", "why", "noon", &d), PP_ERR_INPUT);
    assert_string_equal(d.where, "expires");
    assert_int_equal(pp_store_break_glass_add(s, 9999, "pt-1", "why", end, &d), PP_ERR_INPUT);
    assert_string_equal(d.where, "user_id");
    pp_store_close(s);
}

static void test_accounts__client_throttle(void **state)
{
    struct pp_store *s = open_db("clients.db");
    struct pp_security sec;
    struct pp_diag d;
    char until[PP_TIME_MAX];
    bool locked = true;
    int n = 0;
    const char *t0 = "2026-11-27T10:00:00.000Z";
    (void)state;
    pp_security_defaults(&sec);
    sec.client_max_failures = 3;
    assert_int_equal(pp_store_client_locked(s, "10.0.0.1", t0, &locked, until, &d), PP_OK);
    assert_false(locked);
    for (int i = 1; i < 3; i++) {
        assert_int_equal(pp_store_client_failed(s, "10.0.0.1", t0, &sec, &n, &locked, &d), PP_OK);
        assert_int_equal(n, i);
        assert_false(locked);
    }
    assert_int_equal(pp_store_client_locked(s, "10.0.0.1", t0, &locked, until, &d), PP_OK);
    assert_false(locked);
    assert_int_equal(
        pp_store_client_failed(s, "10.0.0.1", "2026-11-27T10:05:00.000Z", &sec, &n, &locked, &d),
        PP_OK);
    assert_int_equal(n, 3);
    assert_true(locked);
    /* locked for the window from the locking failure; another client is unaffected */
    assert_int_equal(
        pp_store_client_locked(s, "10.0.0.1", "2026-11-27T10:19:59.999Z", &locked, until, &d),
        PP_OK);
    assert_true(locked);
    assert_string_equal(until, "2026-11-27T10:20:00.000Z");
    assert_int_equal(
        pp_store_client_locked(s, "10.0.0.1", "2026-11-27T10:20:00.000Z", &locked, until, &d),
        PP_OK);
    assert_false(locked);
    assert_int_equal(pp_store_client_locked(s, "10.0.0.2", t0, &locked, until, &d), PP_OK);
    assert_false(locked);
    /* a failure after the window ended starts a new window */
    assert_int_equal(pp_store_client_failed(s, "10.0.0.2", t0, &sec, &n, &locked, &d), PP_OK);
    assert_int_equal(n, 1);
    assert_int_equal(
        pp_store_client_failed(s, "10.0.0.2", "2026-11-27T10:14:59.999Z", &sec, &n, &locked, &d),
        PP_OK);
    assert_int_equal(n, 2);
    assert_int_equal(
        pp_store_client_failed(s, "10.0.0.2", "2026-11-27T10:15:00.000Z", &sec, &n, &locked, &d),
        PP_OK);
    assert_int_equal(n, 1);
    assert_false(locked);
    /* clear forgets a locked client */
    assert_int_equal(pp_store_client_failed(s, "10.0.0.3", t0, &sec, &n, &locked, &d), PP_OK);
    assert_int_equal(pp_store_client_failed(s, "10.0.0.3", t0, &sec, &n, &locked, &d), PP_OK);
    assert_int_equal(pp_store_client_failed(s, "10.0.0.3", t0, &sec, &n, &locked, &d), PP_OK);
    assert_true(locked);
    assert_int_equal(pp_store_client_clear(s, "10.0.0.3", &d), PP_OK);
    assert_int_equal(pp_store_client_locked(s, "10.0.0.3", t0, &locked, until, &d), PP_OK);
    assert_false(locked);
    assert_int_equal(pp_store_client_failed(s, "", t0, &sec, &n, &locked, &d), PP_ERR_INPUT);
    assert_string_equal(d.where, "client");
    assert_int_equal(pp_store_client_failed(s, "10.0.0.4", "now", &sec, &n, &locked, &d),
                     PP_ERR_INPUT);
    pp_store_close(s);
}

static void test_accounts__settings(void **state)
{
    struct pp_security sec, before;
    struct pp_diag d;
    const char *ok = "{\"session_idle_minutes\": 15, \"pwhash_ops\": 3, \"pwhash_mem_kib\": "
                     "65536, \"break_glass_minutes\": 30}";
    static const struct {
        const char *json, *where;
    } bad[] = {
        {"{\"session_idle\": 5}", "sec.json: session_idle"},
        {"{\"session_idle_minutes\": 0}", "sec.json: session_idle_minutes"},
        {"{\"session_idle_minutes\": 1441}", "sec.json: session_idle_minutes"},
        {"{\"session_idle_minutes\": 2.5}", "sec.json: session_idle_minutes"},
        {"{\"session_idle_minutes\": \"30\"}", "sec.json: session_idle_minutes"},
        {"{\"account_max_failures\": 101}", "sec.json: account_max_failures"},
        {"{\"password_min_length\": 7}", "sec.json: password_min_length"},
        {"{\"pwhash_mem_kib\": 7}", "sec.json: pwhash_mem_kib"},
        {"{\"pwhash_ops\": 0}", "sec.json: pwhash_ops"},
        {"[1]", "sec.json"},
    };
    (void)state;
    pp_security_defaults(&sec);
    assert_int_equal(sec.pwhash.ops, crypto_pwhash_OPSLIMIT_INTERACTIVE);
    assert_int_equal(sec.pwhash.mem, crypto_pwhash_MEMLIMIT_INTERACTIVE);
    assert_int_equal(sec.session_idle_minutes, 30);
    assert_int_equal(sec.session_max_hours, 12);
    assert_int_equal(sec.account_max_failures, 5);
    assert_int_equal(sec.account_lockout_minutes, 15);
    assert_int_equal(sec.client_max_failures, 20);
    assert_int_equal(sec.client_window_minutes, 15);
    assert_int_equal(sec.break_glass_minutes, 60);
    assert_int_equal(sec.password_min_length, 8);

    assert_int_equal(pp_security_load_json(&sec, ok, strlen(ok), "sec.json", &d), PP_OK);
    assert_int_equal(sec.session_idle_minutes, 15);
    assert_int_equal(sec.pwhash.ops, 3);
    assert_int_equal(sec.pwhash.mem, 65536u * 1024u);
    assert_int_equal(sec.break_glass_minutes, 30);
    assert_int_equal(sec.session_max_hours, 12); /* untouched */
    /* the range ends are accepted */
    assert_int_equal(
        pp_security_load_json(&sec, "{\"account_max_failures\": 100}", 29, "sec.json", &d), PP_OK);
    assert_int_equal(sec.account_max_failures, 100);
    assert_int_equal(
        pp_security_load_json(&sec, "{\"session_idle_minutes\": 1}", 27, "sec.json", &d), PP_OK);
    assert_int_equal(sec.session_idle_minutes, 1);
    assert_int_equal(pp_security_load_json(&sec, "{}", 2, "sec.json", &d), PP_OK);

    before = sec;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        if (pp_security_load_json(&sec, bad[i].json, strlen(bad[i].json), "sec.json", &d) !=
            PP_ERR_INPUT)
            fail_msg("accepted %s", bad[i].json);
        assert_string_equal(d.where, bad[i].where);
    }
    /* a bad member after a good one leaves everything as it was */
    assert_int_equal(
        pp_security_load_json(&sec, "{\"session_max_hours\": 8, \"nope\": 1}", 35, "sec.json", &d),
        PP_ERR_INPUT);
    assert_memory_equal(&sec, &before, sizeof(sec));
    assert_int_equal(pp_security_load_json(&sec, "{\"a\": ", 6, "sec.json", &d), PP_ERR_INPUT);
    assert_non_null(strstr(d.where, "sec.json:1:"));
}

static void test_accounts__password_rules(void **state)
{
    struct pp_security sec;
    struct pp_diag d;
    char big[PP_PASSWORD_MAX + 2];
    (void)state;
    pp_security_defaults(&sec);
    assert_int_equal(pp_security_check_password(&sec, "1234567", &d), PP_ERR_INPUT);
    assert_string_equal(d.where, "password");
    assert_null(strstr(d.what, "1234567"));
    assert_int_equal(pp_security_check_password(&sec, "12345678", &d), PP_OK);
    assert_int_equal(pp_security_check_password(&sec, "", &d), PP_ERR_INPUT);
    /* characters, not bytes: 7 two-byte letters are 7 characters */
    assert_int_equal(pp_security_check_password(
                         &sec, "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9", &d),
                     PP_ERR_INPUT);
    assert_int_equal(
        pp_security_check_password(
            &sec, "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9", &d),
        PP_OK);
    assert_int_equal(pp_security_check_password(&sec, "abcdefg\xff", &d), PP_ERR_INPUT);
    memset(big, 'x', sizeof(big));
    big[PP_PASSWORD_MAX] = '\0';
    assert_int_equal(pp_security_check_password(&sec, big, &d), PP_OK);
    big[PP_PASSWORD_MAX] = 'x';
    big[PP_PASSWORD_MAX + 1] = '\0';
    assert_int_equal(pp_security_check_password(&sec, big, &d), PP_ERR_INPUT);
}

static void test_accounts__times(void **state)
{
    char out[PP_TIME_MAX], now[PP_TIME_MAX];
    (void)state;
    assert_true(pp_store_time_add("2026-11-27T23:59:30.500Z", 45, out));
    assert_string_equal(out, "2026-11-28T00:00:15.500Z");
    assert_true(pp_store_time_add("2024-02-28T12:00:00Z", 86400, out));
    assert_string_equal(out, "2024-02-29T12:00:00.000Z");
    assert_true(pp_store_time_add("2026-01-01T00:00:00.1Z", -1, out));
    assert_string_equal(out, "2025-12-31T23:59:59.100Z");
    assert_true(pp_store_time_add("1970-01-01T00:00:00.000Z", -86400, out));
    assert_string_equal(out, "1969-12-31T00:00:00.000Z");
    assert_true(pp_store_time_add("2026-11-27T10:00:00.123456Z", 12 * 3600, out));
    assert_string_equal(out, "2026-11-27T22:00:00.123Z");
    assert_false(pp_store_time_add("2026-11-27", 0, out));
    assert_string_equal(out, "");
    assert_false(pp_store_time_add("2026-11-27T10:00:00", 0, out));
    assert_false(pp_store_time_add("2026-11-27T10:00:00+01:00", 0, out));
    assert_false(pp_store_time_add("2026-02-30T10:00:00Z", 0, out));
    assert_false(pp_store_time_add("2026-11-27T24:00:00Z", 0, out));
    assert_false(pp_store_time_add("2026-11-27T10:00:00.Z", 0, out));
    assert_false(pp_store_time_add(NULL, 0, out));
    pp_store_time_now(now);
    assert_true(pp_store_time_add(now, 0, out));
    assert_string_equal(out, now);
}

static void test_accounts__secret(void **state)
{
    char hash[PP_SECRET_HASH_MAX], hex[PP_SECRET_HEX_MAX], tok[PP_SECRET_TOKEN_MAX],
        tok2[PP_SECRET_TOKEN_MAX];
    struct pp_secret_cost dearer = {2, 16384};
    struct pp_diag d;
    (void)state;
    assert_int_equal(pp_secret_init(&d), PP_OK);
    assert_int_equal(pp_secret_hash_password("correct horse", &cheap, hash, &d), PP_OK);
    assert_int_equal(strncmp(hash, "$argon2id$v=19$m=8,t=1,p=1$", 27), 0);
    assert_true(pp_secret_verify_password(hash, "correct horse"));
    assert_false(pp_secret_verify_password(hash, "correct horsE"));
    assert_false(pp_secret_verify_password(hash, ""));
    assert_false(pp_secret_verify_password("garbage", "correct horse"));
    assert_false(pp_secret_needs_rehash(hash, &cheap));
    assert_true(pp_secret_needs_rehash(hash, &dearer));
    assert_int_equal(pp_secret_hash_password("", &cheap, hash, &d), PP_ERR_INPUT);
    assert_string_equal(d.where, "password");

    pp_secret_token(tok);
    pp_secret_token(tok2);
    assert_int_equal(strlen(tok), 43);
    assert_string_not_equal(tok, tok2);
    for (size_t i = 0; i < 43; i++)
        assert_non_null(
            strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_", tok[i]));

    pp_secret_sha256_hex("abc", 3, hex); /* FIPS 180-2 test vector */
    assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    pp_secret_sha256_hex("", 0, hex);
    assert_string_equal(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");

    assert_true(pp_secret_equal("abc", "abc"));
    assert_true(pp_secret_equal("", ""));
    assert_false(pp_secret_equal("abc", "abd"));
    assert_false(pp_secret_equal("abc", "abcd"));
    assert_false(pp_secret_equal(NULL, "abc"));
    assert_false(pp_secret_equal("abc", NULL));
}

static void remove_tree(void)
{
    DIR *dir = opendir(tmpdir);
    struct dirent *e;
    char path[400];
    while (dir && (e = readdir(dir)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        snprintf(path, sizeof(path), "%s/%s", tmpdir, e->d_name);
        unlink(path);
    }
    if (dir)
        closedir(dir);
    rmdir(tmpdir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_accounts__roles),
        cmocka_unit_test(test_accounts__usernames),
        cmocka_unit_test(test_accounts__users),
        cmocka_unit_test(test_accounts__user_list),
        cmocka_unit_test(test_accounts__transactions),
        cmocka_unit_test(test_accounts__lockout),
        cmocka_unit_test(test_accounts__sessions),
        cmocka_unit_test(test_accounts__tokens),
        cmocka_unit_test(test_accounts__scopes),
        cmocka_unit_test(test_accounts__break_glass),
        cmocka_unit_test(test_accounts__client_throttle),
        cmocka_unit_test(test_accounts__settings),
        cmocka_unit_test(test_accounts__password_rules),
        cmocka_unit_test(test_accounts__times),
        cmocka_unit_test(test_accounts__secret),
    };
    size_t n = sizeof(tests) / sizeof(tests[0]);
    snprintf(tmpdir, sizeof(tmpdir), "/tmp/pp-accounts-XXXXXX");
    if (!mkdtemp(tmpdir)) {
        perror("mkdtemp");
        return 1;
    }
    int failed = cmocka_run_group_tests(tests, NULL, NULL);
    remove_tree();
    printf("accounts: %zu passed, %d failed\n", n - (size_t)failed, failed);
    return failed ? 1 : 0;
}
