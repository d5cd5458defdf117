/*
 * cmd_token.c — `painpath token create|list|revoke`: bearer tokens for integrations (and
 * personal tokens of a user), straight on the store. A new token is printed once; only its
 * SHA-256 is stored, so it can be revoked and listed but never shown again.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <sodium.h>

#include "cli/cli.h"
#include "cli/common.h"
#include "store/accounts.h"
#include "store/store.h"
#include "util/json.h"
#include "util/banned.h"

static const char pp_token_usage[] =
    "usage: painpath token create --name NAME --scope SCOPE [--role ROLE] [--user USERNAME]\n"
    "                             [--expires-days N] [--format text|json] [--db PATH]\n"
    "       painpath token list [--format table|json] [--db PATH]\n"
    "       painpath token revoke ID [--db PATH]\n"
    "SCOPE: space-separated items from *, cds, ops, export, metrics, audit:read, fhir:read,\n"
    "fhir:write, fhir:read:Type[,Type], fhir:write:Type[,Type]. ROLE defaults to integration\n"
    "(with --user: the user's role; the token then acts as that user). The token is printed\n"
    "once on standard output; only its SHA-256 is kept.\n";

/* Longest --expires-days: ten years. */
#define TOKEN_MAX_DAYS 3650

struct token_args {
    const char *verb, *arg;
    const char *name, *scope, *role, *user, *expires_days, *db;
    bool json;
};

static int usage_error(const char *fmt, ...) PP_PRINTF(1, 2);
static int usage_error(const char *fmt, ...)
{
    va_list ap;
    fputs("painpath token: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\n%s", pp_token_usage);
    return 2;
}

static int parse_args(int argc, char **argv, struct token_args *a)
{
    memset(a, 0, sizeof(*a));
    a->db = PP_STORE_DEFAULT_DB;
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        bool has_value = i + 1 < argc;
        if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
            fputs(pp_token_usage, stdout);
            return 0;
        } else if (strcmp(arg, "--db") == 0 && has_value) {
            a->db = argv[++i];
        } else if (strcmp(arg, "--name") == 0 && has_value) {
            a->name = argv[++i];
        } else if (strcmp(arg, "--scope") == 0 && has_value) {
            a->scope = argv[++i];
        } else if (strcmp(arg, "--role") == 0 && has_value) {
            a->role = argv[++i];
        } else if (strcmp(arg, "--user") == 0 && has_value) {
            a->user = argv[++i];
        } else if (strcmp(arg, "--expires-days") == 0 && has_value) {
            a->expires_days = argv[++i];
        } else if (strcmp(arg, "--format") == 0 && has_value) {
            const char *f = argv[++i];
            if (strcmp(f, "json") == 0)
                a->json = true;
            else if (strcmp(f, "table") != 0 && strcmp(f, "text") != 0)
                return usage_error("--format: expected table (text) or json, got '%s'", f);
        } else if (arg[0] == '-' && arg[1]) {
            return usage_error("unexpected option '%s'", arg);
        } else if (!a->verb) {
            a->verb = arg;
        } else if (!a->arg) {
            a->arg = arg;
        } else {
            return usage_error("unexpected argument '%s'", arg);
        }
    }
    if (!a->verb)
        return usage_error("%s", "expected create, list or revoke");
    return -1;
}

static int fail(const struct pp_diag *d, enum pp_err e)
{
    pp_cli_print_diag("token", d);
    return pp_err_exit_code(e);
}

/* A whole number in [lo, hi], or false. */
static bool parse_long(const char *s, long lo, long hi, long *out)
{
    char *end;
    long v;
    if (!s || !*s || *s == '+' || *s == '-')
        return false;
    errno = 0;
    v = strtol(s, &end, 10);
    if (errno || *end || v < lo || v > hi)
        return false;
    *out = v;
    return true;
}

static int cmd_create(struct pp_store *s, const struct token_args *a)
{
    struct pp_token t;
    struct pp_diag d;
    char plain[PP_SECRET_TOKEN_MAX];
    long id = 0, days = 0;
    enum pp_err e;

    memset(&t, 0, sizeof(t));
    pp_diag_clear(&d);
    if (a->arg)
        return usage_error("create: unexpected argument '%s'", a->arg);
    if (!a->name)
        return usage_error("%s", "create: --name is required");
    if (!a->scope)
        return usage_error("%s", "create: --scope is required");
    if (!pp_token_name_valid(a->name)) {
        fprintf(stderr,
                "painpath token: name: expected 1-%d printable ASCII characters, no leading or "
                "trailing space\n",
                PP_USERNAME_MAX);
        return 2;
    }
    snprintf(t.name, sizeof(t.name), "%s", a->name);
    if (pp_token_scope_check(a->scope, &d) != PP_OK)
        return fail(&d, PP_ERR_INPUT);
    snprintf(t.scope, sizeof(t.scope), "%s", a->scope);
    if (a->expires_days) {
        char now[PP_TIME_MAX];
        if (!parse_long(a->expires_days, 1, TOKEN_MAX_DAYS, &days)) {
            fprintf(stderr,
                    "painpath token: expires-days: expected a whole number 1-%d, got '%s'\n",
                    TOKEN_MAX_DAYS, a->expires_days);
            return 2;
        }
        pp_store_time_now(now);
        if (!pp_store_time_add(now, (long long)days * 86400, t.expires))
            return 1;
    }
    if (a->user) {
        struct pp_user u;
        if ((e = pp_store_user_get(s, a->user, &u, &d)) != PP_OK) {
            sodium_memzero(u.password_hash, sizeof(u.password_hash));
            (void)pp_diag_set(&d, e, "user", "no user '%s'", a->user);
            return fail(&d, e);
        }
        sodium_memzero(u.password_hash, sizeof(u.password_hash));
        t.user_id = u.id;
        t.role = u.role;
    } else {
        t.role = PP_ROLE_INTEGRATION;
    }
    if (a->role) {
        enum pp_role r = pp_role_parse(a->role);
        if (r == PP_ROLE_NONE) {
            fprintf(stderr,
                    "painpath token: role: unknown role '%s' (integration, front-desk, nurse, "
                    "physician, admin, patient)\n",
                    a->role);
            return 2;
        }
        if (a->user && r != t.role) {
            fprintf(stderr, "painpath token: role: %s's token has %s's role (%s)\n", a->user,
                    a->user, pp_role_name(t.role));
            return 2;
        }
        t.role = r;
    }
    if (t.role == PP_ROLE_PATIENT && !a->user) {
        fprintf(stderr, "painpath token: user: a patient token belongs to a patient user "
                        "(give --user USERNAME)\n");
        return 2;
    }
    pp_secret_token(plain);
    pp_secret_sha256_hex(plain, strlen(plain), t.token_hash);
    if ((e = pp_store_token_add(s, &t, &id, &d)) != PP_OK) {
        sodium_memzero(plain, sizeof(plain));
        return fail(&d, e);
    }
    if (a->json) {
        cJSON *o = cJSON_CreateObject();
        char *text;
        cJSON_AddNumberToObject(o, "id", (double)id);
        cJSON_AddStringToObject(o, "name", t.name);
        cJSON_AddStringToObject(o, "role", pp_role_name(t.role));
        cJSON_AddStringToObject(o, "scope", t.scope);
        if (t.expires[0])
            cJSON_AddStringToObject(o, "expires", t.expires);
        else
            cJSON_AddNullToObject(o, "expires");
        cJSON_AddStringToObject(o, "token", plain);
        text = cJSON_PrintUnformatted(o);
        if (text)
            printf("%s\n", text);
        if (text)
            sodium_memzero(text, strlen(text));
        free(text);
        cJSON_Delete(o);
    } else {
        printf("%s\n", plain);
    }
    fprintf(stderr,
            "painpath token: token %ld '%s' created (role %s, scope '%s'%s%s); it is shown "
            "only now and cannot be recovered\n",
            id, t.name, pp_role_name(t.role), t.scope, t.expires[0] ? ", expires " : "", t.expires);
    sodium_memzero(plain, sizeof(plain));
    return 0;
}

/* Gather the tokens as JSON (both formats print from it); the hash never leaves the store. */
struct list_ctx {
    cJSON *arr;
    char now[PP_TIME_MAX];
};

static const char *token_status(const struct pp_token *t, const char *now)
{
    if (t->revoked)
        return "revoked";
    if (t->expires[0] && strcmp(t->expires, now) <= 0)
        return "expired";
    if (t->user_id && t->user_disabled)
        return "user disabled";
    return "active";
}

static enum pp_err list_fn(void *ctx, const struct pp_token *t)
{
    struct list_ctx *c = ctx;
    cJSON *o = cJSON_CreateObject();
    if (!o)
        return PP_ERR_INTERNAL;
    cJSON_AddNumberToObject(o, "id", (double)t->id);
    cJSON_AddStringToObject(o, "name", t->name);
    cJSON_AddStringToObject(o, "role", pp_role_name(t->role));
    if (t->user_id)
        cJSON_AddStringToObject(o, "user", t->username);
    else
        cJSON_AddNullToObject(o, "user");
    cJSON_AddStringToObject(o, "scope", t->scope);
    cJSON_AddStringToObject(o, "created", t->created);
    if (t->expires[0])
        cJSON_AddStringToObject(o, "expires", t->expires);
    else
        cJSON_AddNullToObject(o, "expires");
    cJSON_AddStringToObject(o, "status", token_status(t, c->now));
    cJSON_AddItemToArray(c->arr, o);
    return PP_OK;
}

static int cmd_list(struct pp_store *s, const struct token_args *a)
{
    struct list_ctx c;
    struct pp_diag d;
    enum pp_err e;
    cJSON *o;
    int rc = 0;
    if (a->arg)
        return usage_error("list: unexpected argument '%s'", a->arg);
    c.arr = cJSON_CreateArray();
    if (!c.arr)
        return 1;
    pp_store_time_now(c.now);
    pp_diag_clear(&d);
    if ((e = pp_store_token_list(s, list_fn, &c, &d)) != PP_OK) {
        cJSON_Delete(c.arr);
        return fail(&d, e);
    }
    if (a->json) {
        char *text = cJSON_Print(c.arr);
        rc = text && printf("%s\n", text) > 0 ? 0 : 1;
        free(text);
        cJSON_Delete(c.arr);
        return rc;
    }
    printf("%-5s %-24s %-11s %-16s %-14s %-10s %s\n", "ID", "NAME", "ROLE", "USER", "STATUS",
           "EXPIRES", "SCOPE");
    cJSON_ArrayForEach(o, c.arr)
    {
        const char *user = pp_json_str(o, "user"), *exp = pp_json_str(o, "expires");
        char day[11];
        double id = 0;
        (void)pp_json_num(o, "id", &id);
        snprintf(day, sizeof(day), "%.10s", exp ? exp : "never");
        printf("%-5.0f %-24s %-11s %-16s %-14s %-10s %s\n", id, pp_json_str(o, "name"),
               pp_json_str(o, "role"), user ? user : "-", pp_json_str(o, "status"), day,
               pp_json_str(o, "scope"));
    }
    cJSON_Delete(c.arr);
    return 0;
}

static int cmd_revoke(struct pp_store *s, const struct token_args *a)
{
    struct pp_diag d;
    enum pp_err e;
    long id;
    if (!a->arg)
        return usage_error("%s", "revoke: expected a token ID (painpath token list)");
    if (!parse_long(a->arg, 1, 0x7fffffffL, &id)) {
        fprintf(stderr, "painpath token: id: expected a token id (a whole number), got '%s'\n",
                a->arg);
        return 2;
    }
    pp_diag_clear(&d);
    if ((e = pp_store_token_revoke(s, id, &d)) != PP_OK)
        return fail(&d, e);
    printf("token %ld revoked\n", id);
    return 0;
}

int pp_cmd_token(int argc, char **argv)
{
    struct token_args a;
    struct pp_store *s = NULL;
    struct pp_diag d;
    int rc = parse_args(argc, argv, &a);
    if (rc >= 0)
        return rc;
    if (strcmp(a.verb, "create") != 0 && strcmp(a.verb, "list") != 0 &&
        strcmp(a.verb, "revoke") != 0)
        return usage_error("unknown subcommand '%s'", a.verb);
    if (strcmp(a.verb, "create") != 0 && (a.name || a.scope || a.role || a.user || a.expires_days))
        return usage_error("%s: --name, --scope, --role, --user and --expires-days belong to "
                           "create",
                           a.verb);
    pp_diag_clear(&d);
    if (pp_secret_init(&d) != PP_OK || pp_store_open(a.db, &s, &d) != PP_OK) {
        pp_cli_print_diag("token", &d);
        return 1;
    }
    if (strcmp(a.verb, "create") == 0)
        rc = cmd_create(s, &a);
    else if (strcmp(a.verb, "list") == 0)
        rc = cmd_list(s, &a);
    else
        rc = cmd_revoke(s, &a);
    pp_store_close(s);
    return rc;
}
