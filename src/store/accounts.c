/*
 * accounts.c — the SQLite side of store/accounts.h: users, sessions, bearer tokens,
 * break-glass grants, per-client login throttling, and the security settings. Prepared SQL
 * with bound parameters only; only hashes of passwords and tokens ever reach the database.
 * A write joins the caller's transaction when one is open, else is its own.
 */
#include "store/accounts.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <sodium.h>
#include <sqlite3.h>

#include "store/store_int.h"
#include "util/date.h"
#include "util/json.h"
#include "util/banned.h"

/* ---- security settings ---- */

/* Settings defaults; docs/SECURITY.md gives the source of each. */
#define SEC_SESSION_IDLE_MINUTES 30     /* NIST SP 800-63B 4.2.3 (AAL2: 30 min inactivity) */
#define SEC_SESSION_MAX_HOURS 12        /* NIST SP 800-63B 4.2.3 (AAL2: 12 h) */
#define SEC_ACCOUNT_MAX_FAILURES 5      /* practice choice within SP 800-63B 5.2.2 (<= 100) */
#define SEC_ACCOUNT_LOCKOUT_MINUTES 15  /* practice choice */
#define SEC_CLIENT_MAX_FAILURES 20      /* practice choice within SP 800-63B 5.2.2 */
#define SEC_CLIENT_WINDOW_MINUTES 15    /* practice choice */
#define SEC_BREAK_GLASS_MINUTES 60      /* practice choice */
#define SEC_PASSWORD_MIN_LENGTH 8       /* NIST SP 800-63B 5.1.1.2 */
#define SEC_PASSWORD_MIN_LENGTH_CEIL 64 /* SP 800-63B: verifiers permit at least 64 */

void pp_security_defaults(struct pp_security *sec)
{
    memset(sec, 0, sizeof(*sec));
    sec->pwhash.ops = crypto_pwhash_OPSLIMIT_INTERACTIVE;
    sec->pwhash.mem = crypto_pwhash_MEMLIMIT_INTERACTIVE;
    sec->session_idle_minutes = SEC_SESSION_IDLE_MINUTES;
    sec->session_max_hours = SEC_SESSION_MAX_HOURS;
    sec->account_max_failures = SEC_ACCOUNT_MAX_FAILURES;
    sec->account_lockout_minutes = SEC_ACCOUNT_LOCKOUT_MINUTES;
    sec->client_max_failures = SEC_CLIENT_MAX_FAILURES;
    sec->client_window_minutes = SEC_CLIENT_WINDOW_MINUTES;
    sec->break_glass_minutes = SEC_BREAK_GLASS_MINUTES;
    sec->password_min_length = SEC_PASSWORD_MIN_LENGTH;
}

/* One member of the settings file: its name, its accepted range, where it goes. */
struct sec_member {
    const char *name;
    long long lo, hi;
    int which;
};
enum {
    M_OPS,
    M_MEM_KIB,
    M_IDLE,
    M_MAX_HOURS,
    M_ACC_FAIL,
    M_ACC_LOCK,
    M_CLI_FAIL,
    M_CLI_WIN,
    M_BREAK_GLASS,
    M_PW_MIN
};
static const struct sec_member sec_members[] = {
    {"pwhash_ops", crypto_pwhash_OPSLIMIT_MIN, 32, M_OPS},
    {"pwhash_mem_kib", crypto_pwhash_MEMLIMIT_MIN / 1024, 1048576, M_MEM_KIB},
    {"session_idle_minutes", 1, 1440, M_IDLE},
    {"session_max_hours", 1, 720, M_MAX_HOURS},
    {"account_max_failures", 1, 100, M_ACC_FAIL},
    {"account_lockout_minutes", 1, 1440, M_ACC_LOCK},
    {"client_max_failures", 1, 10000, M_CLI_FAIL},
    {"client_window_minutes", 1, 1440, M_CLI_WIN},
    {"break_glass_minutes", 1, 1440, M_BREAK_GLASS},
    {"password_min_length", SEC_PASSWORD_MIN_LENGTH, SEC_PASSWORD_MIN_LENGTH_CEIL, M_PW_MIN},
};
#define N_SEC_MEMBERS (sizeof(sec_members) / sizeof(sec_members[0]))

static void sec_apply(struct pp_security *sec, int which, long long v)
{
    switch (which) {
    case M_OPS: sec->pwhash.ops = (unsigned long long)v; break;
    case M_MEM_KIB: sec->pwhash.mem = (size_t)v * 1024u; break;
    case M_IDLE: sec->session_idle_minutes = (int)v; break;
    case M_MAX_HOURS: sec->session_max_hours = (int)v; break;
    case M_ACC_FAIL: sec->account_max_failures = (int)v; break;
    case M_ACC_LOCK: sec->account_lockout_minutes = (int)v; break;
    case M_CLI_FAIL: sec->client_max_failures = (int)v; break;
    case M_CLI_WIN: sec->client_window_minutes = (int)v; break;
    case M_BREAK_GLASS: sec->break_glass_minutes = (int)v; break;
    case M_PW_MIN: sec->password_min_length = (int)v; break;
    default: break;
    }
}

enum pp_err pp_security_load_json(struct pp_security *sec, const char *text, size_t len,
                                  const char *name, struct pp_diag *d)
{
    struct pp_security next = *sec;
    cJSON *root = NULL, *m;
    enum pp_err e;
    char what[160];

    if (!name)
        name = "security";
    if ((e = pp_json_parse(text, len, name, &root, d)) != PP_OK)
        return e;
    if (!cJSON_IsObject(root)) {
        cJSON_Delete(root);
        return pp_diag_set(d, PP_ERR_INPUT, name, "expected a JSON object of security settings");
    }
    cJSON_ArrayForEach(m, root)
    {
        const struct sec_member *k = NULL;
        double v;
        for (size_t i = 0; i < N_SEC_MEMBERS; i++)
            if (m->string && strcmp(m->string, sec_members[i].name) == 0)
                k = &sec_members[i];
        if (!k) {
            e = pp_json_field_error(d, name, m->string ? m->string : "",
                                    "unknown security setting (docs/SECURITY.md lists them)");
            break;
        }
        v = m->valuedouble;
        if (!cJSON_IsNumber(m) || !isfinite(v) || v != floor(v) || v < (double)k->lo ||
            v > (double)k->hi) {
            snprintf(what, sizeof(what), "expected a whole number %lld-%lld", k->lo, k->hi);
            e = pp_json_field_error(d, name, k->name, what);
            break;
        }
        sec_apply(&next, k->which, (long long)v);
    }
    cJSON_Delete(root);
    if (e == PP_OK)
        *sec = next;
    return e;
}

enum pp_err pp_security_check_password(const struct pp_security *sec, const char *password,
                                       struct pp_diag *d)
{
    size_t len, chars = 0;
    int min = sec ? sec->password_min_length : SEC_PASSWORD_MIN_LENGTH;
    if (!password || !*password)
        return pp_diag_set(d, PP_ERR_INPUT, "password", "the password is empty");
    len = strlen(password);
    if (len > PP_PASSWORD_MAX)
        return pp_diag_set(d, PP_ERR_INPUT, "password", "the password is longer than %d bytes",
                           PP_PASSWORD_MAX);
    if (pp_utf8_invalid_at(password, len) != len)
        return pp_diag_set(d, PP_ERR_INPUT, "password", "the password is not valid UTF-8");
    for (size_t i = 0; i < len; i++)
        if (((unsigned char)password[i] & 0xC0) != 0x80)
            chars++;
    if (chars < (size_t)min)
        return pp_diag_set(d, PP_ERR_INPUT, "password",
                           "the password is shorter than %d characters", min);
    return PP_OK;
}

/* ---- times ---- */

static bool digits(const char *s, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return true;
}

/* "YYYY-MM-DDTHH:MM:SS[.f{1,9}]Z" -> milliseconds since 1970-01-01T00:00:00Z. */
static bool time_parse(const char *s, long long *ms)
{
    int y, mo, da, h, mi, se, frac = 0;
    const char *p;
    if (!s || strlen(s) < 20 || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' ||
        s[16] != ':')
        return false;
    if (!digits(s, 4, &y) || !digits(s + 5, 2, &mo) || !digits(s + 8, 2, &da) ||
        !digits(s + 11, 2, &h) || !digits(s + 14, 2, &mi) || !digits(s + 17, 2, &se))
        return false;
    if (!pp_ymd_valid(y, mo, da) || h > 23 || mi > 59 || se > 59)
        return false;
    p = s + 19;
    if (*p == '.') {
        int n = 0;
        for (p++; *p >= '0' && *p <= '9'; p++, n++)
            if (n < 3)
                frac = frac * 10 + (*p - '0');
        if (n == 0 || n > 9)
            return false;
        for (; n < 3; n++)
            frac *= 10;
    }
    if (p[0] != 'Z' || p[1] != '\0')
        return false;
    *ms = (((long long)pp_day_from_ymd(y, mo, da) * 86400 + h * 3600 + mi * 60 + se) * 1000) + frac;
    return true;
}

static bool time_format(long long ms, char out[PP_TIME_MAX])
{
    long long day = ms >= 0 ? ms / 86400000 : -((-ms + 86399999) / 86400000);
    long long rest = ms - day * 86400000;
    int y, mo, da;
    if (day < INT32_MIN + 1 || day > INT32_MAX)
        return false;
    pp_day_to_ymd((pp_day)day, &y, &mo, &da);
    if (y < 0 || y > 9999)
        return false;
    snprintf(out, PP_TIME_MAX, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", y, mo, da,
             (int)(rest / 3600000), (int)(rest / 60000 % 60), (int)(rest / 1000 % 60),
             (int)(rest % 1000));
    return true;
}

void pp_store_time_now(char out[PP_TIME_MAX])
{
    pp_store_now_iso(out);
}

bool pp_store_time_add(const char *iso, long long seconds, char out[PP_TIME_MAX])
{
    long long ms;
    out[0] = '\0';
    if (!time_parse(iso, &ms) || seconds > INT64_MAX / 2000 || seconds < -(INT64_MAX / 2000))
        return false;
    if (!time_format(ms + seconds * 1000, out)) {
        out[0] = '\0';
        return false;
    }
    return true;
}

/* ---- roles and names ---- */

static const char *const role_names[PP_ROLE_COUNT] = {
    [PP_ROLE_NONE] = "none",
    [PP_ROLE_FRONT_DESK] = "front-desk",
    [PP_ROLE_NURSE] = "nurse",
    [PP_ROLE_PHYSICIAN] = "physician",
    [PP_ROLE_ADMIN] = "admin",
    [PP_ROLE_PATIENT] = "patient",
    [PP_ROLE_INTEGRATION] = "integration",
};

const char *pp_role_name(enum pp_role r)
{
    if ((int)r < 0 || r >= PP_ROLE_COUNT)
        return "none";
    return role_names[r];
}

enum pp_role pp_role_parse(const char *s)
{
    if (!s)
        return PP_ROLE_NONE;
    for (int i = 1; i < PP_ROLE_COUNT; i++)
        if (strcmp(s, role_names[i]) == 0)
            return (enum pp_role)i;
    return PP_ROLE_NONE;
}

bool pp_username_valid(const char *s)
{
    size_t n = 0;
    if (!s)
        return false;
    for (; s[n]; n++) {
        char c = s[n];
        if (n >= PP_USERNAME_MAX)
            return false;
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == '@' || c == '-'))
            return false;
    }
    return n > 0;
}

bool pp_token_name_valid(const char *s)
{
    size_t n;
    if (!s || !*s)
        return false;
    n = strlen(s);
    if (n > PP_USERNAME_MAX || s[0] == ' ' || s[n - 1] == ' ')
        return false;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] > 0x7e)
            return false;
    return true;
}

/* A list of resourceTypes, "Patient,Observation". */
static bool type_list_valid(const char *s, size_t n)
{
    size_t start = 0;
    char t[PP_STORE_TYPE_MAX + 1];
    for (size_t i = 0; i <= n; i++) {
        if (i < n && s[i] != ',')
            continue;
        if (i == start || i - start > PP_STORE_TYPE_MAX || s[start] < 'A' || s[start] > 'Z')
            return false;
        memcpy(t, s + start, i - start);
        t[i - start] = '\0';
        if (!pp_store_valid_type(t))
            return false;
        start = i + 1;
    }
    return true;
}

static bool scope_item_valid(const char *s, size_t n)
{
    static const char *const plain[] = {"*",       "cds",        "ops",       "export",
                                        "metrics", "audit:read", "fhir:read", "fhir:write"};
    for (size_t i = 0; i < sizeof(plain) / sizeof(plain[0]); i++)
        if (strlen(plain[i]) == n && memcmp(plain[i], s, n) == 0)
            return true;
    if (n > 10 && memcmp(s, "fhir:read:", 10) == 0)
        return type_list_valid(s + 10, n - 10);
    if (n > 11 && memcmp(s, "fhir:write:", 11) == 0)
        return type_list_valid(s + 11, n - 11);
    return false;
}

enum pp_err pp_token_scope_check(const char *scope, struct pp_diag *d)
{
    size_t n, start = 0;
    if (!scope || !*scope)
        return pp_diag_set(d, PP_ERR_INPUT, "scope", "the scope is empty (e.g. \"cds\" or \"*\")");
    n = strlen(scope);
    if (n > 255)
        return pp_diag_set(d, PP_ERR_INPUT, "scope", "the scope is longer than 255 bytes");
    for (size_t i = 0; i <= n; i++) {
        if (i < n && scope[i] != ' ')
            continue;
        if (i == start)
            return pp_diag_set(d, PP_ERR_INPUT, "scope",
                               "scope items are separated by single spaces");
        if (!scope_item_valid(scope + start, i - start))
            return pp_diag_set(d, PP_ERR_INPUT, "scope",
                               "unknown scope item '%.*s' (expected *, cds, ops, export, "
                               "metrics, audit:read, fhir:read[:Type,...], fhir:write[:Type,...])",
                               (int)(i - start), scope + start);
        /* a repeated item is a typing slip */
        for (size_t j = 0; j < start;) {
            size_t k = j;
            while (k < n && scope[k] != ' ')
                k++;
            if (k - j == i - start && memcmp(scope + j, scope + start, i - start) == 0)
                return pp_diag_set(d, PP_ERR_INPUT, "scope", "scope item '%.*s' is repeated",
                                   (int)(i - start), scope + start);
            j = k + 1;
        }
        start = i + 1;
    }
    return PP_OK;
}

/* ---- SQLite helpers ---- */

static enum pp_err db_fail(struct pp_store *s, struct pp_diag *d, const char *where)
{
    return pp_diag_set(d, PP_ERR_IO, where, "database: %s", sqlite3_errmsg(pp_store_sqlite(s)));
}

static void bind_text(sqlite3_stmt *st, int i, const char *v)
{
    if (v && *v)
        sqlite3_bind_text(st, i, v, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(st, i);
}

/* Copy column i (NULL -> "") into out[n]. */
static void col_text(sqlite3_stmt *st, int i, char *out, size_t n)
{
    const unsigned char *v = sqlite3_column_text(st, i);
    snprintf(out, n, "%s", v ? (const char *)v : "");
}

/* Run a write statement to its end; the statement is reset. *changes may be NULL. */
static enum pp_err run_write(struct pp_store *s, sqlite3_stmt *st, long *changes, struct pp_diag *d,
                             const char *where)
{
    int rc = pp_store_step(s, st);
    enum pp_err e = PP_OK;
    if (rc != SQLITE_DONE)
        e = db_fail(s, d, where);
    else if (changes)
        *changes = (long)sqlite3_changes(pp_store_sqlite(s));
    sqlite3_reset(st);
    return e;
}

/* Begin our own transaction when the caller has none open. */
static enum pp_err own_begin(struct pp_store *s, bool *own, struct pp_diag *d)
{
    *own = !pp_store_in_transaction(s);
    return *own ? pp_store_begin(s, d) : PP_OK;
}

static bool is_hex64(const char *s)
{
    if (!s || strlen(s) != 64)
        return false;
    for (int i = 0; i < 64; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
            return false;
    return true;
}

/* An Argon2id hash string: "$argon2id$v=19$m=...,t=...,p=...$salt$hash" (five '$'). */
static bool is_argon2id(const char *h)
{
    int dollars = 0;
    if (!h || strncmp(h, "$argon2id$v=", 12) != 0 || strlen(h) >= PP_SECRET_HASH_MAX)
        return false;
    for (; *h; h++)
        dollars += *h == '$';
    return dollars == 5 && h[-1] != '$';
}

/* ---- users ---- */

#define USER_COLS                                                                                  \
    "id, username, role, practitioner, patient, password_hash, disabled, failed_logins, "          \
    "locked_until, created"

static const char sql_user_add[] =
    "INSERT INTO users (username, password_hash, role, practitioner, patient, disabled, "
    "created) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)";
static const char sql_user_by_name[] = "SELECT " USER_COLS " FROM users WHERE username = ?1";
static const char sql_user_by_id[] = "SELECT " USER_COLS " FROM users WHERE id = ?1";
static const char sql_user_list[] = "SELECT " USER_COLS " FROM users ORDER BY username";
static const char sql_user_password[] = "UPDATE users SET password_hash = ?2 WHERE id = ?1";
static const char sql_user_disabled[] = "UPDATE users SET disabled = ?2 WHERE id = ?1";
static const char sql_user_failed[] = "UPDATE users SET failed_logins = failed_logins + 1, "
                                      "locked_until = COALESCE(?2, locked_until) WHERE id = ?1";
static const char sql_user_lockout[] =
    "UPDATE users SET failed_logins = CASE WHEN failed_logins + 1 >= ?3 THEN 0 "
    "ELSE failed_logins + 1 END, locked_until = CASE WHEN failed_logins + 1 >= ?3 THEN ?2 "
    "ELSE locked_until END WHERE id = ?1 RETURNING locked_until = ?2";
static const char sql_user_ok[] =
    "UPDATE users SET failed_logins = 0, locked_until = NULL WHERE id = ?1";

static void user_row(sqlite3_stmt *st, struct pp_user *u)
{
    char role[32];
    memset(u, 0, sizeof(*u));
    u->id = (long)sqlite3_column_int64(st, 0);
    col_text(st, 1, u->username, sizeof(u->username));
    col_text(st, 2, role, sizeof(role));
    u->role = pp_role_parse(role);
    col_text(st, 3, u->practitioner, sizeof(u->practitioner));
    col_text(st, 4, u->patient, sizeof(u->patient));
    col_text(st, 5, u->password_hash, sizeof(u->password_hash));
    u->disabled = sqlite3_column_int(st, 6) != 0;
    u->failed_logins = sqlite3_column_int(st, 7);
    col_text(st, 8, u->locked_until, sizeof(u->locked_until));
    col_text(st, 9, u->created, sizeof(u->created));
}

/* One user from a prepared lookup: PP_ERR_NOT_FOUND when no row. */
static enum pp_err user_fetch(struct pp_store *s, sqlite3_stmt *st, struct pp_user *u,
                              struct pp_diag *d, const char *where, const char *what)
{
    int rc = pp_store_step(s, st);
    enum pp_err e = PP_OK;
    if (rc == SQLITE_ROW)
        user_row(st, u);
    else if (rc == SQLITE_DONE)
        e = pp_diag_set(d, PP_ERR_NOT_FOUND, where, "no user %s", what);
    else
        e = db_fail(s, d, "users");
    sqlite3_reset(st);
    return e;
}

enum pp_err pp_user_check(const struct pp_user *u, bool with_hash, struct pp_diag *d)
{
    if (!pp_username_valid(u->username))
        return pp_diag_set(d, PP_ERR_INPUT, "username",
                           "expected 1-%d of the characters A-Z a-z 0-9 . _ @ -", PP_USERNAME_MAX);
    if (u->role == PP_ROLE_NONE || (int)u->role < 0 || u->role >= PP_ROLE_COUNT)
        return pp_diag_set(d, PP_ERR_INPUT, "role",
                           "expected front-desk, nurse, physician, admin or patient");
    if (u->role == PP_ROLE_INTEGRATION)
        return pp_diag_set(d, PP_ERR_INPUT, "role",
                           "an integration is a bearer token (painpath token create), "
                           "not a user account");
    if (u->role == PP_ROLE_PATIENT && !u->patient[0])
        return pp_diag_set(d, PP_ERR_INPUT, "patient",
                           "a patient account needs the id of its Patient");
    if (u->role != PP_ROLE_PATIENT && u->patient[0])
        return pp_diag_set(d, PP_ERR_INPUT, "patient",
                           "only a patient account is linked to a Patient");
    if (u->patient[0] && !pp_store_valid_id(u->patient))
        return pp_diag_set(d, PP_ERR_INPUT, "patient", "not a FHIR id");
    if (u->role == PP_ROLE_PATIENT && u->practitioner[0])
        return pp_diag_set(d, PP_ERR_INPUT, "practitioner",
                           "a patient account is not linked to a Practitioner");
    if (u->practitioner[0] && !pp_store_valid_id(u->practitioner))
        return pp_diag_set(d, PP_ERR_INPUT, "practitioner", "not a FHIR id");
    if (with_hash && !is_argon2id(u->password_hash))
        return pp_diag_set(d, PP_ERR_INPUT, "password_hash", "not an Argon2id hash string");
    return PP_OK;
}

enum pp_err pp_store_user_add(struct pp_store *s, const struct pp_user *u, long *id,
                              struct pp_diag *d)
{
    char now[PP_TIME_MAX];
    struct pp_user old;
    sqlite3_stmt *st;
    enum pp_err e;
    int rc;

    if ((e = pp_user_check(u, true, d)) != PP_OK)
        return e;
    if (!(st = pp_store_stmt(s, sql_user_by_name, d)))
        return PP_ERR_IO;
    sqlite3_bind_text(st, 1, u->username, -1, SQLITE_STATIC);
    e = user_fetch(s, st, &old, d, "username", u->username);
    if (e == PP_OK)
        return pp_diag_set(d, PP_ERR_INPUT, "username", "the username '%s' is taken", u->username);
    if (e != PP_ERR_NOT_FOUND)
        return e;
    pp_diag_clear(d);
    if (!(st = pp_store_stmt(s, sql_user_add, d)))
        return PP_ERR_IO;
    pp_store_time_now(now);
    sqlite3_bind_text(st, 1, u->username, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, u->password_hash, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, pp_role_name(u->role), -1, SQLITE_STATIC);
    bind_text(st, 4, u->practitioner);
    bind_text(st, 5, u->patient);
    sqlite3_bind_int(st, 6, u->disabled ? 1 : 0);
    sqlite3_bind_text(st, 7, now, -1, SQLITE_STATIC);
    rc = pp_store_step(s, st);
    sqlite3_reset(st);
    if (rc == SQLITE_CONSTRAINT) /* another connection took the name just now */
        return pp_diag_set(d, PP_ERR_INPUT, "username", "the username '%s' is taken", u->username);
    if (rc != SQLITE_DONE)
        return db_fail(s, d, "users");
    if (id)
        *id = (long)sqlite3_last_insert_rowid(pp_store_sqlite(s));
    return PP_OK;
}

enum pp_err pp_store_user_get(struct pp_store *s, const char *username, struct pp_user *u,
                              struct pp_diag *d)
{
    sqlite3_stmt *st;
    char what[PP_USERNAME_MAX + 3];
    if (!username || !pp_username_valid(username))
        return pp_diag_set(d, PP_ERR_NOT_FOUND, "username", "no such user");
    if (!(st = pp_store_stmt(s, sql_user_by_name, d)))
        return PP_ERR_IO;
    sqlite3_bind_text(st, 1, username, -1, SQLITE_STATIC);
    snprintf(what, sizeof(what), "'%s'", username);
    return user_fetch(s, st, u, d, "username", what);
}

enum pp_err pp_store_user_get_id(struct pp_store *s, long id, struct pp_user *u, struct pp_diag *d)
{
    sqlite3_stmt *st;
    char what[32];
    if (!(st = pp_store_stmt(s, sql_user_by_id, d)))
        return PP_ERR_IO;
    sqlite3_bind_int64(st, 1, id);
    snprintf(what, sizeof(what), "with id %ld", id);
    return user_fetch(s, st, u, d, "user_id", what);
}

/* An UPDATE of one user by id: PP_ERR_NOT_FOUND when no row changed. */
static enum pp_err user_update(struct pp_store *s, sqlite3_stmt *st, long id, struct pp_diag *d)
{
    long n = 0;
    enum pp_err e = run_write(s, st, &n, d, "users");
    if (e == PP_OK && n == 0)
        e = pp_diag_set(d, PP_ERR_NOT_FOUND, "user_id", "no user with id %ld", id);
    return e;
}

enum pp_err pp_store_user_set_password(struct pp_store *s, long id, const char *hash,
                                       struct pp_diag *d)
{
    sqlite3_stmt *st;
    if (!is_argon2id(hash))
        return pp_diag_set(d, PP_ERR_INPUT, "password_hash", "not an Argon2id hash string");
    if (!(st = pp_store_stmt(s, sql_user_password, d)))
        return PP_ERR_IO;
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_text(st, 2, hash, -1, SQLITE_STATIC);
    return user_update(s, st, id, d);
}

enum pp_err pp_store_user_set_disabled(struct pp_store *s, long id, bool disabled,
                                       struct pp_diag *d)
{
    sqlite3_stmt *st;
    bool own;
    enum pp_err e;
    if ((e = own_begin(s, &own, d)) != PP_OK)
        return e;
    if (!(st = pp_store_stmt(s, sql_user_disabled, d)))
        e = PP_ERR_IO;
    if (e == PP_OK) {
        sqlite3_bind_int64(st, 1, id);
        sqlite3_bind_int(st, 2, disabled ? 1 : 0);
        e = user_update(s, st, id, d);
    }
    if (e == PP_OK && disabled)
        e = pp_store_session_revoke_user(s, id, NULL, d);
    return pp_store_end_own(s, own, e, d);
}

enum pp_err pp_store_user_login_failed(struct pp_store *s, long id, const char *locked_until,
                                       struct pp_diag *d)
{
    sqlite3_stmt *st;
    if (locked_until && !time_parse(locked_until, &(long long){0}))
        return pp_diag_set(d, PP_ERR_INPUT, "locked_until", "not an ISO 8601 UTC time");
    if (!(st = pp_store_stmt(s, sql_user_failed, d)))
        return PP_ERR_IO;
    sqlite3_bind_int64(st, 1, id);
    bind_text(st, 2, locked_until);
    return user_update(s, st, id, d);
}

enum pp_err pp_store_user_failed_lockout(struct pp_store *s, long id, const char *now,
                                         const struct pp_security *sec, bool *locked,
                                         struct pp_diag *d)
{
    char until[PP_TIME_MAX];
    sqlite3_stmt *st;
    int rc;
    enum pp_err e = PP_OK;
    *locked = false;
    if (!pp_store_time_add(now, (long long)sec->account_lockout_minutes * 60, until))
        return pp_diag_set(d, PP_ERR_INPUT, "now", "not an ISO 8601 UTC time");
    /* one statement: atomic without a transaction of our own */
    if (!(st = pp_store_stmt(s, sql_user_lockout, d)))
        return PP_ERR_IO;
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_text(st, 2, until, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 3, sec->account_max_failures);
    rc = pp_store_step(s, st);
    if (rc == SQLITE_ROW) {
        *locked = sqlite3_column_int(st, 0) == 1;
        rc = pp_store_step(s, st);
    } else if (rc == SQLITE_DONE) {
        e = pp_diag_set(d, PP_ERR_NOT_FOUND, "user_id", "no user with id %ld", id);
    }
    if (e == PP_OK && rc != SQLITE_DONE)
        e = db_fail(s, d, "users");
    sqlite3_reset(st);
    return e;
}

bool pp_user_locked(const struct pp_user *u, const char *now)
{
    return u->locked_until[0] && now && strcmp(u->locked_until, now) > 0;
}

enum pp_err pp_store_user_login_ok(struct pp_store *s, long id, struct pp_diag *d)
{
    sqlite3_stmt *st;
    if (!(st = pp_store_stmt(s, sql_user_ok, d)))
        return PP_ERR_IO;
    sqlite3_bind_int64(st, 1, id);
    return user_update(s, st, id, d);
}

enum pp_err pp_store_user_list(struct pp_store *s, pp_store_user_fn fn, void *ctx,
                               struct pp_diag *d)
{
    sqlite3_stmt *st;
    struct pp_user u;
    enum pp_err e = PP_OK;
    int rc;
    /* rarely run (CLI, administration): not kept in the connection's statement cache */
    if (sqlite3_prepare_v2(pp_store_sqlite(s), sql_user_list, -1, &st, NULL) != SQLITE_OK)
        return db_fail(s, d, "users");
    while ((rc = pp_store_step(s, st)) == SQLITE_ROW) {
        user_row(st, &u);
        if ((e = fn(ctx, &u)) != PP_OK)
            break;
    }
    if (e == PP_OK && rc != SQLITE_DONE)
        e = db_fail(s, d, "users");
    sqlite3_finalize(st);
    sodium_memzero(&u, sizeof(u));
    return e;
}

/* ---- sessions ---- */

static const char sql_session_add[] =
    "INSERT INTO sessions (token_hash, user_id, created, last_seen, expires, csrf_hash) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6)";
static const char sql_session_get[] =
    "SELECT token_hash, csrf_hash, user_id, created, last_seen, expires FROM sessions "
    "WHERE token_hash = ?1";
static const char sql_session_touch[] = "UPDATE sessions SET last_seen = ?2 WHERE token_hash = ?1";
static const char sql_session_revoke[] = "DELETE FROM sessions WHERE token_hash = ?1";
static const char sql_session_revoke_user[] = "DELETE FROM sessions WHERE user_id = ?1";
static const char sql_session_purge[] =
    "DELETE FROM sessions WHERE expires <= ?1 OR (?2 IS NOT NULL AND last_seen <= ?2)";

enum pp_err pp_store_session_add(struct pp_store *s, const struct pp_session *x, struct pp_diag *d)
{
    sqlite3_stmt *st;
    long long t;
    int rc;
    if (!is_hex64(x->token_hash))
        return pp_diag_set(d, PP_ERR_INPUT, "token_hash", "expected a SHA-256 as 64 hex digits");
    if (!is_hex64(x->csrf_hash))
        return pp_diag_set(d, PP_ERR_INPUT, "csrf_hash", "expected a SHA-256 as 64 hex digits");
    if (!time_parse(x->created, &t))
        return pp_diag_set(d, PP_ERR_INPUT, "created", "not an ISO 8601 UTC time");
    if (!time_parse(x->last_seen, &t))
        return pp_diag_set(d, PP_ERR_INPUT, "last_seen", "not an ISO 8601 UTC time");
    if (!time_parse(x->expires, &t))
        return pp_diag_set(d, PP_ERR_INPUT, "expires", "not an ISO 8601 UTC time");
    if (!(st = pp_store_stmt(s, sql_session_add, d)))
        return PP_ERR_IO;
    sqlite3_bind_text(st, 1, x->token_hash, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, x->user_id);
    sqlite3_bind_text(st, 3, x->created, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, x->last_seen, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 5, x->expires, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 6, x->csrf_hash, -1, SQLITE_STATIC);
    rc = pp_store_step(s, st);
    sqlite3_reset(st);
    if (rc == SQLITE_CONSTRAINT)
        return pp_diag_set(d, PP_ERR_INPUT, "user_id", "no user with id %ld, or the session exists",
                           x->user_id);
    return rc == SQLITE_DONE ? PP_OK : db_fail(s, d, "sessions");
}

/* The one row of `sql` whose ?1 is `token_hash` (a SHA-256 hex) read by `row` into `out`
 * (zeroed first; `token_hash` may point into it). PP_ERR_NOT_FOUND ("no such <what>") for
 * no row or a malformed hash. */
static enum pp_err get_by_hash(struct pp_store *s, const char *sql, const char *token_hash,
                               const char *what, void (*row)(sqlite3_stmt *st, void *out),
                               void *out, size_t out_size, struct pp_diag *d)
{
    sqlite3_stmt *st;
    enum pp_err e = PP_OK;
    char key[65];
    int rc;
    bool valid = is_hex64(token_hash);
    if (valid)
        memcpy(key, token_hash, sizeof(key));
    memset(out, 0, out_size);
    if (!valid)
        return pp_diag_set(d, PP_ERR_NOT_FOUND, what, "no such %s", what);
    if (!(st = pp_store_stmt(s, sql, d)))
        return PP_ERR_IO;
    sqlite3_bind_text(st, 1, key, -1, SQLITE_TRANSIENT);
    rc = pp_store_step(s, st);
    if (rc == SQLITE_ROW)
        row(st, out);
    else if (rc == SQLITE_DONE)
        e = pp_diag_set(d, PP_ERR_NOT_FOUND, what, "no such %s", what);
    else
        e = db_fail(s, d, what);
    sqlite3_reset(st);
    return e;
}

static void session_row(sqlite3_stmt *st, void *out)
{
    struct pp_session *x = out;
    col_text(st, 0, x->token_hash, sizeof(x->token_hash));
    col_text(st, 1, x->csrf_hash, sizeof(x->csrf_hash));
    x->user_id = (long)sqlite3_column_int64(st, 2);
    col_text(st, 3, x->created, sizeof(x->created));
    col_text(st, 4, x->last_seen, sizeof(x->last_seen));
    col_text(st, 5, x->expires, sizeof(x->expires));
}

enum pp_err pp_store_session_get(struct pp_store *s, const char *token_hash, struct pp_session *x,
                                 struct pp_diag *d)
{
    return get_by_hash(s, sql_session_get, token_hash, "session", session_row, x, sizeof(*x), d);
}

enum pp_err pp_store_session_touch(struct pp_store *s, const char *token_hash,
                                   const char *last_seen, struct pp_diag *d)
{
    sqlite3_stmt *st;
    long n = 0;
    enum pp_err e;
    if (!time_parse(last_seen, &(long long){0}))
        return pp_diag_set(d, PP_ERR_INPUT, "last_seen", "not an ISO 8601 UTC time");
    if (!(st = pp_store_stmt(s, sql_session_touch, d)))
        return PP_ERR_IO;
    sqlite3_bind_text(st, 1, token_hash ? token_hash : "", -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, last_seen, -1, SQLITE_STATIC);
    e = run_write(s, st, &n, d, "sessions");
    if (e == PP_OK && n == 0)
        e = pp_diag_set(d, PP_ERR_NOT_FOUND, "session", "no such session");
    return e;
}

enum pp_err pp_store_session_revoke(struct pp_store *s, const char *token_hash, struct pp_diag *d)
{
    sqlite3_stmt *st;
    if (!(st = pp_store_stmt(s, sql_session_revoke, d)))
        return PP_ERR_IO;
    sqlite3_bind_text(st, 1, token_hash ? token_hash : "", -1, SQLITE_STATIC);
    return run_write(s, st, NULL, d, "sessions");
}

enum pp_err pp_store_session_revoke_user(struct pp_store *s, long user_id, long *n,
                                         struct pp_diag *d)
{
    sqlite3_stmt *st;
    if (!(st = pp_store_stmt(s, sql_session_revoke_user, d)))
        return PP_ERR_IO;
    sqlite3_bind_int64(st, 1, user_id);
    return run_write(s, st, n, d, "sessions");
}

enum pp_err pp_store_session_purge(struct pp_store *s, const char *now, const char *idle_before,
                                   long *n, struct pp_diag *d)
{
    sqlite3_stmt *st;
    if (!time_parse(now, &(long long){0}))
        return pp_diag_set(d, PP_ERR_INPUT, "now", "not an ISO 8601 UTC time");
    if (idle_before && !time_parse(idle_before, &(long long){0}))
        return pp_diag_set(d, PP_ERR_INPUT, "idle_before", "not an ISO 8601 UTC time");
    if (!(st = pp_store_stmt(s, sql_session_purge, d)))
        return PP_ERR_IO;
    sqlite3_bind_text(st, 1, now, -1, SQLITE_STATIC);
    bind_text(st, 2, idle_before);
    return run_write(s, st, n, d, "sessions");
}

/* ---- tokens ---- */

#define TOKEN_COLS                                                                                 \
    "t.id, t.token_hash, t.name, t.role, t.scope, t.created, t.expires, t.revoked, t.user_id, "    \
    "u.disabled, u.username"

static const char sql_token_add[] =
    "INSERT INTO tokens (token_hash, name, role, scope, created, expires, user_id) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)";
static const char sql_token_get[] = "SELECT " TOKEN_COLS " FROM tokens t LEFT JOIN users u "
                                    "ON u.id = t.user_id WHERE t.token_hash = ?1";
static const char sql_token_list[] =
    "SELECT " TOKEN_COLS " FROM tokens t LEFT JOIN users u ON u.id = t.user_id ORDER BY t.id";
static const char sql_token_revoke[] = "UPDATE tokens SET revoked = 1 WHERE id = ?1";

static void token_row(sqlite3_stmt *st, struct pp_token *t, bool with_hash)
{
    char role[32];
    memset(t, 0, sizeof(*t));
    t->id = (long)sqlite3_column_int64(st, 0);
    if (with_hash)
        col_text(st, 1, t->token_hash, sizeof(t->token_hash));
    col_text(st, 2, t->name, sizeof(t->name));
    col_text(st, 3, role, sizeof(role));
    t->role = pp_role_parse(role);
    col_text(st, 4, t->scope, sizeof(t->scope));
    col_text(st, 5, t->created, sizeof(t->created));
    col_text(st, 6, t->expires, sizeof(t->expires));
    t->revoked = sqlite3_column_int(st, 7) != 0;
    t->user_id = (long)sqlite3_column_int64(st, 8);
    t->user_disabled = sqlite3_column_int(st, 9) != 0;
    col_text(st, 10, t->username, sizeof(t->username));
}

enum pp_err pp_store_token_add(struct pp_store *s, const struct pp_token *t, long *id,
                               struct pp_diag *d)
{
    char now[PP_TIME_MAX];
    sqlite3_stmt *st;
    enum pp_err e;
    int rc;

    if (!is_hex64(t->token_hash))
        return pp_diag_set(d, PP_ERR_INPUT, "token_hash", "expected a SHA-256 as 64 hex digits");
    if (!pp_token_name_valid(t->name))
        return pp_diag_set(d, PP_ERR_INPUT, "name",
                           "expected 1-%d printable ASCII characters, no leading or trailing "
                           "space",
                           PP_USERNAME_MAX);
    if (t->role == PP_ROLE_NONE || (int)t->role < 0 || t->role >= PP_ROLE_COUNT)
        return pp_diag_set(d, PP_ERR_INPUT, "role",
                           "expected integration, front-desk, nurse, physician, admin or "
                           "patient");
    if ((e = pp_token_scope_check(t->scope, d)) != PP_OK)
        return e;
    if (t->expires[0] && !time_parse(t->expires, &(long long){0}))
        return pp_diag_set(d, PP_ERR_INPUT, "expires", "not an ISO 8601 UTC time");
    if (t->user_id) {
        struct pp_user u;
        e = pp_store_user_get_id(s, t->user_id, &u, d);
        sodium_memzero(u.password_hash, sizeof(u.password_hash));
        if (e == PP_ERR_NOT_FOUND)
            return pp_diag_set(d, PP_ERR_INPUT, "user_id", "no user with id %ld", t->user_id);
        if (e != PP_OK)
            return e;
        if (u.role != t->role)
            return pp_diag_set(d, PP_ERR_INPUT, "role", "a personal token has its user's role (%s)",
                               pp_role_name(u.role));
    } else if (t->role == PP_ROLE_PATIENT) {
        return pp_diag_set(d, PP_ERR_INPUT, "user_id",
                           "a patient token belongs to a patient user (give the user)");
    }
    if (!(st = pp_store_stmt(s, sql_token_add, d)))
        return PP_ERR_IO;
    pp_store_time_now(now);
    sqlite3_bind_text(st, 1, t->token_hash, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, t->name, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, pp_role_name(t->role), -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, t->scope, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 5, now, -1, SQLITE_STATIC);
    bind_text(st, 6, t->expires);
    if (t->user_id)
        sqlite3_bind_int64(st, 7, t->user_id);
    else
        sqlite3_bind_null(st, 7);
    rc = pp_store_step(s, st);
    sqlite3_reset(st);
    if (rc == SQLITE_CONSTRAINT)
        return pp_diag_set(d, PP_ERR_INPUT, "token_hash", "a token with this hash exists");
    if (rc != SQLITE_DONE)
        return db_fail(s, d, "tokens");
    if (id)
        *id = (long)sqlite3_last_insert_rowid(pp_store_sqlite(s));
    return PP_OK;
}

static void token_row_full(sqlite3_stmt *st, void *out)
{
    token_row(st, out, true);
}

enum pp_err pp_store_token_get(struct pp_store *s, const char *token_hash, struct pp_token *t,
                               struct pp_diag *d)
{
    return get_by_hash(s, sql_token_get, token_hash, "token", token_row_full, t, sizeof(*t), d);
}

enum pp_err pp_store_token_revoke(struct pp_store *s, long id, struct pp_diag *d)
{
    sqlite3_stmt *st;
    long n = 0;
    enum pp_err e;
    if (!(st = pp_store_stmt(s, sql_token_revoke, d)))
        return PP_ERR_IO;
    sqlite3_bind_int64(st, 1, id);
    e = run_write(s, st, &n, d, "tokens");
    if (e == PP_OK && n == 0)
        e = pp_diag_set(d, PP_ERR_NOT_FOUND, "id", "no token with id %ld", id);
    return e;
}

enum pp_err pp_store_token_list(struct pp_store *s, pp_store_token_fn fn, void *ctx,
                                struct pp_diag *d)
{
    sqlite3_stmt *st;
    struct pp_token t;
    enum pp_err e = PP_OK;
    int rc;
    if (sqlite3_prepare_v2(pp_store_sqlite(s), sql_token_list, -1, &st, NULL) != SQLITE_OK)
        return db_fail(s, d, "tokens");
    while ((rc = pp_store_step(s, st)) == SQLITE_ROW) {
        token_row(st, &t, false);
        if ((e = fn(ctx, &t)) != PP_OK)
            break;
    }
    if (e == PP_OK && rc != SQLITE_DONE)
        e = db_fail(s, d, "tokens");
    sqlite3_finalize(st);
    return e;
}

/* ---- break-glass ---- */

static const char sql_bg_add[] = "INSERT INTO break_glass (user_id, patient, reason, started, "
                                 "expires) VALUES (?1, ?2, ?3, ?4, ?5)";
static const char sql_bg_active[] = "SELECT 1 FROM break_glass WHERE user_id = ?1 AND "
                                    "patient = ?2 AND expires > ?3 LIMIT 1";
static const char sql_bg_each[] =
    "SELECT patient, MAX(expires) FROM break_glass WHERE user_id = ?1 AND expires > ?2 "
    "GROUP BY patient ORDER BY patient";

enum pp_err pp_store_break_glass_add(struct pp_store *s, long user_id, const char *patient,
                                     const char *reason, const char *expires, struct pp_diag *d)
{
    char now[PP_TIME_MAX];
    sqlite3_stmt *st;
    int rc;
    if (!patient || !pp_store_valid_id(patient))
        return pp_diag_set(d, PP_ERR_INPUT, "patient", "not a FHIR id");
    if (!reason || !*reason)
        return pp_diag_set(d, PP_ERR_INPUT, "reason", "a break-glass access needs a reason");
    if (strlen(reason) > 255)
        return pp_diag_set(d, PP_ERR_INPUT, "reason", "the reason is longer than 255 bytes");
    if (!time_parse(expires, &(long long){0}))
        return pp_diag_set(d, PP_ERR_INPUT, "expires", "not an ISO 8601 UTC time");
    if (!(st = pp_store_stmt(s, sql_bg_add, d)))
        return PP_ERR_IO;
    pp_store_time_now(now);
    sqlite3_bind_int64(st, 1, user_id);
    sqlite3_bind_text(st, 2, patient, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, reason, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, now, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 5, expires, -1, SQLITE_STATIC);
    rc = pp_store_step(s, st);
    sqlite3_reset(st);
    if (rc == SQLITE_CONSTRAINT)
        return pp_diag_set(d, PP_ERR_INPUT, "user_id", "no user with id %ld", user_id);
    return rc == SQLITE_DONE ? PP_OK : db_fail(s, d, "break_glass");
}

enum pp_err pp_store_break_glass_active(struct pp_store *s, long user_id, const char *patient,
                                        const char *now, bool *active, struct pp_diag *d)
{
    sqlite3_stmt *st;
    int rc;
    *active = false;
    if (!patient || !*patient || !now)
        return PP_OK;
    if (!(st = pp_store_stmt(s, sql_bg_active, d)))
        return PP_ERR_IO;
    sqlite3_bind_int64(st, 1, user_id);
    sqlite3_bind_text(st, 2, patient, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, now, -1, SQLITE_STATIC);
    rc = pp_store_step(s, st);
    *active = rc == SQLITE_ROW;
    sqlite3_reset(st);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? PP_OK : db_fail(s, d, "break_glass");
}

enum pp_err pp_store_break_glass_each(struct pp_store *s, long user_id, const char *now,
                                      pp_store_grant_fn fn, void *ctx, struct pp_diag *d)
{
    sqlite3_stmt *st;
    enum pp_err e = PP_OK;
    int rc;
    char patient[PP_STORE_ID_MAX + 1], expires[PP_TIME_MAX];
    if (!(st = pp_store_stmt(s, sql_bg_each, d)))
        return PP_ERR_IO;
    sqlite3_bind_int64(st, 1, user_id);
    sqlite3_bind_text(st, 2, now ? now : "", -1, SQLITE_STATIC);
    while ((rc = pp_store_step(s, st)) == SQLITE_ROW) {
        col_text(st, 0, patient, sizeof(patient));
        col_text(st, 1, expires, sizeof(expires));
        if ((e = fn(ctx, patient, expires)) != PP_OK)
            break;
    }
    if (e == PP_OK && rc != SQLITE_DONE)
        e = db_fail(s, d, "break_glass");
    sqlite3_reset(st);
    return e;
}

/* ---- login failures per client address ---- */

static const char sql_client_get[] =
    "SELECT failures, first_failure, locked_until FROM login_failures WHERE client = ?1";
/* ?1 client, ?2 now, ?3 the window's start (now - window): a failure after the window
 * ended starts a new one; the lock (when reached) is set by sql_client_lock */
static const char sql_client_failed[] =
    "INSERT INTO login_failures (client, failures, first_failure, locked_until) "
    "VALUES (?1, 1, ?2, NULL) ON CONFLICT (client) DO UPDATE SET "
    "failures = CASE WHEN first_failure <= ?3 THEN 1 ELSE failures + 1 END, "
    "first_failure = CASE WHEN first_failure <= ?3 THEN ?2 ELSE first_failure END "
    "RETURNING failures";
static const char sql_client_lock[] =
    "UPDATE login_failures SET locked_until = ?2 WHERE client = ?1";
static const char sql_client_clear[] = "DELETE FROM login_failures WHERE client = ?1";
static const char sql_client_prune[] = "DELETE FROM login_failures WHERE first_failure <= ?1 AND "
                                       "(locked_until IS NULL OR locked_until <= ?2)";

static enum pp_err client_check(const char *client, struct pp_diag *d)
{
    if (!client || !*client || strlen(client) > 63)
        return pp_diag_set(d, PP_ERR_INPUT, "client", "expected a client address (1-63 bytes)");
    return PP_OK;
}

enum pp_err pp_store_client_locked(struct pp_store *s, const char *client, const char *now,
                                   bool *locked, char until[PP_TIME_MAX], struct pp_diag *d)
{
    sqlite3_stmt *st;
    enum pp_err e;
    char lock[PP_TIME_MAX] = "";
    int rc;
    *locked = false;
    if (until)
        until[0] = '\0';
    if ((e = client_check(client, d)) != PP_OK)
        return e;
    if (!(st = pp_store_stmt(s, sql_client_get, d)))
        return PP_ERR_IO;
    sqlite3_bind_text(st, 1, client, -1, SQLITE_STATIC);
    rc = pp_store_step(s, st);
    if (rc == SQLITE_ROW)
        col_text(st, 2, lock, sizeof(lock));
    sqlite3_reset(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return db_fail(s, d, "login_failures");
    if (lock[0] && now && strcmp(lock, now) > 0) {
        *locked = true;
        if (until)
            snprintf(until, PP_TIME_MAX, "%s", lock);
    }
    return PP_OK;
}

enum pp_err pp_store_client_failed(struct pp_store *s, const char *client, const char *now,
                                   const struct pp_security *sec, int *failures, bool *locked,
                                   struct pp_diag *d)
{
    char start[PP_TIME_MAX], until[PP_TIME_MAX];
    long long window = (long long)sec->client_window_minutes * 60;
    sqlite3_stmt *st;
    enum pp_err e;
    bool own;
    int rc, n = 0;

    *locked = false;
    if (failures)
        *failures = 0;
    if ((e = client_check(client, d)) != PP_OK)
        return e;
    if (!pp_store_time_add(now, -window, start) || !pp_store_time_add(now, window, until))
        return pp_diag_set(d, PP_ERR_INPUT, "now", "not an ISO 8601 UTC time");
    if ((e = own_begin(s, &own, d)) != PP_OK)
        return e;
    /* forget clients whose window ended and who are not locked (keeps the table small) */
    if (!(st = pp_store_stmt(s, sql_client_prune, d))) {
        e = PP_ERR_IO;
    } else {
        sqlite3_bind_text(st, 1, start, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, now, -1, SQLITE_STATIC);
        e = run_write(s, st, NULL, d, "login_failures");
    }
    if (e == PP_OK && !(st = pp_store_stmt(s, sql_client_failed, d)))
        e = PP_ERR_IO;
    if (e == PP_OK) {
        sqlite3_bind_text(st, 1, client, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, now, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 3, start, -1, SQLITE_STATIC);
        rc = pp_store_step(s, st);
        if (rc == SQLITE_ROW) {
            n = sqlite3_column_int(st, 0);
            rc = pp_store_step(s, st);
        }
        if (rc != SQLITE_DONE)
            e = db_fail(s, d, "login_failures");
        sqlite3_reset(st);
    }
    if (e == PP_OK && n >= sec->client_max_failures) {
        if (!(st = pp_store_stmt(s, sql_client_lock, d))) {
            e = PP_ERR_IO;
        } else {
            sqlite3_bind_text(st, 1, client, -1, SQLITE_STATIC);
            sqlite3_bind_text(st, 2, until, -1, SQLITE_STATIC);
            e = run_write(s, st, NULL, d, "login_failures");
        }
        if (e == PP_OK)
            *locked = true;
    }
    if (failures)
        *failures = n;
    e = pp_store_end_own(s, own, e, d);
    if (e != PP_OK)
        *locked = false;
    return e;
}

enum pp_err pp_store_client_clear(struct pp_store *s, const char *client, struct pp_diag *d)
{
    sqlite3_stmt *st;
    enum pp_err e;
    if ((e = client_check(client, d)) != PP_OK)
        return e;
    if (!(st = pp_store_stmt(s, sql_client_clear, d)))
        return PP_ERR_IO;
    sqlite3_bind_text(st, 1, client, -1, SQLITE_STATIC);
    return run_write(s, st, NULL, d, "login_failures");
}
