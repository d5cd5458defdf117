/*
 * cmd_user.c — `painpath user add|passwd|disable|enable|unlock|list`: the accounts of the
 * people who use painpath, straight on the store (never through the server). A password is
 * read from standard input (--password-stdin) or typed at the terminal without echo, never
 * taken from the command line; only its Argon2id hash is stored, and nothing prints a hash.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <sodium.h>

#include "cli/cli.h"
#include "cli/common.h"
#include "store/accounts.h"
#include "store/store.h"
#include "util/buf.h"
#include "util/json.h"
#include "util/banned.h"

static const char pp_user_usage[] =
    "usage: painpath user add USERNAME --role ROLE [--practitioner ID] [--patient ID]\n"
    "                         [--password-stdin] [--security FILE] [--db PATH]\n"
    "       painpath user passwd USERNAME [--password-stdin] [--security FILE] [--db PATH]\n"
    "       painpath user disable|enable|unlock USERNAME [--db PATH]\n"
    "       painpath user list [--format table|json] [--db PATH]\n"
    "ROLE is front-desk, nurse, physician, admin or patient (a patient account needs\n"
    "--patient, the id of its Patient). The password is read from standard input with\n"
    "--password-stdin (its first line), else typed twice at the terminal without echo.\n"
    "disable also ends the user's sessions; unlock clears a login lockout.\n";

/* Everything a `user` subcommand may be given. */
struct user_args {
    const char *verb;
    const char *username;
    const char *role;
    const char *practitioner;
    const char *patient;
    const char *security_file;
    const char *db;
    bool password_stdin;
    enum pp_cli_format format;
};

static int usage_error(const char *fmt, ...) PP_PRINTF(1, 2);
static int usage_error(const char *fmt, ...)
{
    va_list ap;
    fputs("painpath user: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\n%s", pp_user_usage);
    return 2;
}

static int parse_args(int argc, char **argv, struct user_args *a)
{
    memset(a, 0, sizeof(*a));
    a->db = PP_STORE_DEFAULT_DB;
    a->format = PP_FORMAT_TABLE;
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        bool has_value = i + 1 < argc;
        if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
            fputs(pp_user_usage, stdout);
            return 0;
        } else if (strcmp(arg, "--db") == 0 && has_value) {
            a->db = argv[++i];
        } else if (strcmp(arg, "--role") == 0 && has_value) {
            a->role = argv[++i];
        } else if (strcmp(arg, "--practitioner") == 0 && has_value) {
            a->practitioner = argv[++i];
        } else if (strcmp(arg, "--patient") == 0 && has_value) {
            a->patient = argv[++i];
        } else if (strcmp(arg, "--security") == 0 && has_value) {
            a->security_file = argv[++i];
        } else if (strcmp(arg, "--password-stdin") == 0) {
            a->password_stdin = true;
        } else if (strcmp(arg, "--format") == 0 && has_value) {
            const char *f = argv[++i];
            if (strcmp(f, "table") == 0)
                a->format = PP_FORMAT_TABLE;
            else if (strcmp(f, "json") == 0)
                a->format = PP_FORMAT_JSON;
            else
                return usage_error("--format: expected table or json, got '%s'", f);
        } else if (strcmp(arg, "--password") == 0 || strncmp(arg, "--password=", 11) == 0) {
            /* a password on the command line is visible to every user of the machine */
            return usage_error("%s: a password is never taken from the command line; use "
                               "--password-stdin or type it at the prompt",
                               "--password");
        } else if (arg[0] == '-' && arg[1]) {
            return usage_error("unexpected option '%s'", arg);
        } else if (!a->verb) {
            a->verb = arg;
        } else if (!a->username) {
            a->username = arg;
        } else {
            return usage_error("unexpected argument '%s'", arg);
        }
    }
    if (!a->verb)
        return usage_error("%s", "expected add, passwd, disable, enable, unlock or list");
    return -1; /* parsed: go on */
}

/* The security settings: defaults, then --security FILE. */
static int load_security(const char *file, struct pp_security *sec)
{
    struct pp_buf b;
    struct pp_diag d;
    const char *name;
    int rc = 0;
    pp_security_defaults(sec);
    if (!file)
        return 0;
    pp_diag_clear(&d);
    pp_buf_init(&b, 64 * 1024);
    if (pp_cli_read_input(file, &b, &name, &d) != PP_OK ||
        pp_security_load_json(sec, b.data, b.len, name, &d) != PP_OK) {
        pp_cli_print_diag("user", &d);
        rc = 2;
    }
    pp_buf_release(&b);
    return rc;
}

/* Read one line (without its end) from f into out[n]; false at EOF before any byte or when
 * longer than n - 1 bytes. */
static bool read_line(FILE *f, char *out, size_t n, bool *too_long)
{
    size_t len = 0;
    int c;
    *too_long = false;
    while ((c = fgetc(f)) != EOF && c != '\n') {
        if (len + 1 >= n) {
            *too_long = true;
            continue; /* drain the line */
        }
        out[len++] = (char)c;
    }
    out[len] = '\0';
    if (len > 0 && out[len - 1] == '\r')
        out[--len] = '\0';
    return !(c == EOF && len == 0 && !*too_long);
}

/* Prompt on the terminal with echo off and read a line. */
static bool prompt_hidden(const char *prompt, char *out, size_t n, bool *too_long)
{
    struct termios old, quiet;
    bool ok, restore = tcgetattr(STDIN_FILENO, &old) == 0;
    /* echo off first (TCSAFLUSH drops what was typed ahead), then the prompt: what is typed
     * after the prompt is never echoed nor dropped */
    if (restore) {
        quiet = old;
        quiet.c_lflag &= ~(tcflag_t)ECHO;
        quiet.c_lflag |= ECHONL;
        (void)tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
    }
    fputs(prompt, stderr);
    fflush(stderr);
    ok = read_line(stdin, out, n, too_long);
    if (restore)
        (void)tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
    return ok;
}

/*
 * The new password for `username` into pw[PP_PASSWORD_MAX + 2], checked against the rules.
 * Returns 0, or the exit code after printing why (2: none given, too short, mismatch...).
 */
static int read_password(const struct user_args *a, const struct pp_security *sec, char *pw,
                         size_t n)
{
    struct pp_diag d;
    bool too_long = false;
    pw[0] = '\0';
    if (a->password_stdin) {
        if (!read_line(stdin, pw, n, &too_long))
            pw[0] = '\0';
    } else if (isatty(STDIN_FILENO)) {
        char again[PP_PASSWORD_MAX + 2];
        char prompt[128];
        bool too_long2 = false;
        snprintf(prompt, sizeof(prompt), "New password for %s: ", a->username);
        if (!prompt_hidden(prompt, pw, n, &too_long))
            pw[0] = '\0';
        if (!prompt_hidden("Type it again: ", again, sizeof(again), &too_long2))
            again[0] = '\0';
        if (strcmp(pw, again) != 0 || too_long != too_long2) {
            sodium_memzero(again, sizeof(again));
            fprintf(stderr, "painpath user: password: the two entries differ\n");
            return 2;
        }
        sodium_memzero(again, sizeof(again));
    } else {
        fprintf(stderr, "painpath user: password: standard input is not a terminal; give "
                        "--password-stdin to read the password from it\n");
        return 2;
    }
    if (too_long) {
        fprintf(stderr, "painpath user: password: the password is longer than %d bytes\n",
                PP_PASSWORD_MAX);
        return 2;
    }
    pp_diag_clear(&d);
    if (pp_security_check_password(sec, pw, &d) != PP_OK) {
        pp_cli_print_diag("user", &d);
        return 2;
    }
    return 0;
}

/* Hash the password read for a->username into hash (0, or the exit code). */
static int new_hash(const struct user_args *a, char hash[PP_SECRET_HASH_MAX])
{
    struct pp_security sec;
    struct pp_diag d;
    char pw[PP_PASSWORD_MAX + 2];
    int rc;
    if ((rc = load_security(a->security_file, &sec)) != 0)
        return rc;
    if ((rc = read_password(a, &sec, pw, sizeof(pw))) != 0) {
        sodium_memzero(pw, sizeof(pw));
        return rc;
    }
    pp_diag_clear(&d);
    if (pp_secret_hash_password(pw, &sec.pwhash, hash, &d) != PP_OK) {
        pp_cli_print_diag("user", &d);
        rc = 1;
    }
    sodium_memzero(pw, sizeof(pw));
    return rc;
}

/* Print a diag; the exit code of e (a store failure is 1, bad input or a missing user 2). */
static int fail(const struct pp_diag *d, enum pp_err e)
{
    pp_cli_print_diag("user", d);
    return pp_err_exit_code(e);
}

/* A note when the linked resource is not (yet) in the database: not an error, since
 * accounts are often made before the records arrive. */
static void note_missing(struct pp_store *s, const char *db, const char *type, const char *id)
{
    struct pp_store_meta m;
    struct pp_diag d;
    char *body = NULL;
    if (!id || !*id)
        return;
    if (pp_store_read(s, type, id, &body, &m, &d) == PP_ERR_NOT_FOUND)
        fprintf(stderr, "painpath user: note: %s has no %s/%s (yet)\n", db, type, id);
    free(body);
}

static int cmd_add(struct pp_store *s, const struct user_args *a)
{
    struct pp_user u;
    struct pp_diag d;
    long id = 0;
    enum pp_err e;
    int rc;

    memset(&u, 0, sizeof(u));
    pp_diag_clear(&d);
    if (!a->role)
        return usage_error("%s", "add: --role is required");
    u.role = pp_role_parse(a->role);
    if (u.role == PP_ROLE_NONE) {
        fprintf(stderr,
                "painpath user: role: unknown role '%s' (front-desk, nurse, physician, admin, "
                "patient)\n",
                a->role);
        return 2;
    }
    if (!pp_username_valid(a->username)) {
        fprintf(stderr, "painpath user: username: expected 1-%d of A-Z a-z 0-9 . _ @ -\n",
                PP_USERNAME_MAX);
        return 2;
    }
    snprintf(u.username, sizeof(u.username), "%s", a->username);
    if ((a->practitioner && strlen(a->practitioner) > PP_STORE_ID_MAX) ||
        (a->patient && strlen(a->patient) > PP_STORE_ID_MAX)) {
        fprintf(stderr, "painpath user: %s: not a FHIR id (at most %d characters)\n",
                a->patient && strlen(a->patient) > PP_STORE_ID_MAX ? "patient" : "practitioner",
                PP_STORE_ID_MAX);
        return 2;
    }
    snprintf(u.practitioner, sizeof(u.practitioner), "%s", a->practitioner ? a->practitioner : "");
    snprintf(u.patient, sizeof(u.patient), "%s", a->patient ? a->patient : "");
    /* every check the store makes, before asking for a password */
    if ((e = pp_user_check(&u, false, &d)) != PP_OK)
        return fail(&d, e);
    {
        struct pp_user old;
        e = pp_store_user_get(s, u.username, &old, &d);
        sodium_memzero(old.password_hash, sizeof(old.password_hash));
        if (e == PP_OK) {
            fprintf(stderr, "painpath user: username: the username '%s' is taken\n", u.username);
            return 2;
        }
        if (e != PP_ERR_NOT_FOUND)
            return fail(&d, e);
        pp_diag_clear(&d);
    }
    if ((rc = new_hash(a, u.password_hash)) != 0)
        return rc;
    pp_diag_clear(&d);
    if ((e = pp_store_user_add(s, &u, &id, &d)) != PP_OK)
        rc = fail(&d, e);
    sodium_memzero(u.password_hash, sizeof(u.password_hash));
    if (rc)
        return rc;
    note_missing(s, a->db, "Practitioner", u.practitioner);
    note_missing(s, a->db, "Patient", u.patient);
    printf("user %s added (id %ld, role %s", u.username, id, pp_role_name(u.role));
    if (u.practitioner[0])
        printf(", Practitioner/%s", u.practitioner);
    if (u.patient[0])
        printf(", Patient/%s", u.patient);
    printf(")\n");
    return 0;
}

static int cmd_passwd(struct pp_store *s, const struct user_args *a)
{
    struct pp_user u;
    struct pp_diag d;
    char hash[PP_SECRET_HASH_MAX];
    long ended = 0;
    enum pp_err e;
    int rc;
    pp_diag_clear(&d);
    if ((e = pp_store_user_get(s, a->username, &u, &d)) != PP_OK)
        return fail(&d, e);
    sodium_memzero(u.password_hash, sizeof(u.password_hash));
    if ((rc = new_hash(a, hash)) != 0)
        return rc;
    /* a reset by an administrator ends the sessions the old password opened */
    if ((e = pp_store_begin(s, &d)) == PP_OK) {
        e = pp_store_user_set_password(s, u.id, hash, &d);
        if (e == PP_OK)
            e = pp_store_session_revoke_user(s, u.id, &ended, &d);
        if (e == PP_OK)
            e = pp_store_user_login_ok(s, u.id, &d);
        if (e == PP_OK)
            e = pp_store_commit(s, &d);
        else
            pp_store_rollback(s);
    }
    sodium_memzero(hash, sizeof(hash));
    if (e != PP_OK)
        return fail(&d, e);
    printf("user %s: password changed (%ld session%s ended)\n", u.username, ended,
           ended == 1 ? "" : "s");
    return 0;
}

static int cmd_state(struct pp_store *s, const struct user_args *a)
{
    struct pp_user u;
    struct pp_diag d;
    enum pp_err e;
    const char *done;
    pp_diag_clear(&d);
    if ((e = pp_store_user_get(s, a->username, &u, &d)) != PP_OK)
        return fail(&d, e);
    sodium_memzero(u.password_hash, sizeof(u.password_hash));
    if (strcmp(a->verb, "disable") == 0) {
        e = pp_store_user_set_disabled(s, u.id, true, &d);
        done = "disabled (sessions ended)";
    } else if (strcmp(a->verb, "enable") == 0) {
        e = pp_store_user_set_disabled(s, u.id, false, &d);
        done = "enabled";
    } else {
        e = pp_store_user_login_ok(s, u.id, &d);
        done = "unlocked";
    }
    if (e != PP_OK)
        return fail(&d, e);
    printf("user %s %s\n", u.username, done);
    return 0;
}

/* The rows of `user list`, gathered as JSON (both formats print from it). */
static enum pp_err list_fn(void *ctx, const struct pp_user *u)
{
    cJSON *arr = ctx, *o = cJSON_CreateObject();
    if (!o)
        return PP_ERR_INTERNAL;
    cJSON_AddNumberToObject(o, "id", (double)u->id);
    cJSON_AddStringToObject(o, "username", u->username);
    cJSON_AddStringToObject(o, "role", pp_role_name(u->role));
    if (u->practitioner[0])
        cJSON_AddStringToObject(o, "practitioner", u->practitioner);
    else
        cJSON_AddNullToObject(o, "practitioner");
    if (u->patient[0])
        cJSON_AddStringToObject(o, "patient", u->patient);
    else
        cJSON_AddNullToObject(o, "patient");
    cJSON_AddBoolToObject(o, "disabled", u->disabled);
    cJSON_AddNumberToObject(o, "failed_logins", u->failed_logins);
    if (u->locked_until[0])
        cJSON_AddStringToObject(o, "locked_until", u->locked_until);
    else
        cJSON_AddNullToObject(o, "locked_until");
    cJSON_AddStringToObject(o, "created", u->created);
    cJSON_AddItemToArray(arr, o);
    return PP_OK;
}

static int cmd_list(struct pp_store *s, const struct user_args *a)
{
    cJSON *arr = cJSON_CreateArray(), *o;
    struct pp_diag d;
    enum pp_err e;
    char now[PP_TIME_MAX];
    int rc = 0;
    if (!arr)
        return 1;
    pp_diag_clear(&d);
    if ((e = pp_store_user_list(s, list_fn, arr, &d)) != PP_OK) {
        cJSON_Delete(arr);
        return fail(&d, e);
    }
    if (a->format == PP_FORMAT_JSON) {
        char *text = cJSON_Print(arr);
        rc = text && printf("%s\n", text) > 0 ? 0 : 1;
        free(text);
        cJSON_Delete(arr);
        return rc;
    }
    pp_store_time_now(now);
    printf("%-5s %-24s %-11s %-28s %s\n", "ID", "USERNAME", "ROLE", "LINKED TO", "STATUS");
    cJSON_ArrayForEach(o, arr)
    {
        const char *pr = pp_json_str(o, "practitioner"), *pt = pp_json_str(o, "patient");
        const char *lock = pp_json_str(o, "locked_until");
        char link[96], status[64];
        bool disabled = false;
        double id = 0;
        (void)pp_json_bool(o, "disabled", &disabled);
        (void)pp_json_num(o, "id", &id);
        if (pr)
            snprintf(link, sizeof(link), "Practitioner/%s", pr);
        else if (pt)
            snprintf(link, sizeof(link), "Patient/%s", pt);
        else
            snprintf(link, sizeof(link), "-");
        if (disabled)
            snprintf(status, sizeof(status), "disabled");
        else if (lock && strcmp(lock, now) > 0)
            snprintf(status, sizeof(status), "locked until %s", lock);
        else
            snprintf(status, sizeof(status), "active");
        printf("%-5.0f %-24s %-11s %-28s %s\n", id, pp_json_str(o, "username"),
               pp_json_str(o, "role"), link, status);
    }
    cJSON_Delete(arr);
    return 0;
}

int pp_cmd_user(int argc, char **argv)
{
    struct user_args a;
    struct pp_store *s = NULL;
    struct pp_diag d;
    enum pp_err e;
    int rc = parse_args(argc, argv, &a);
    bool list = false;
    if (rc >= 0)
        return rc;
    if (strcmp(a.verb, "list") == 0) {
        list = true;
        if (a.username)
            return usage_error("list: unexpected argument '%s'", a.username);
    } else if (strcmp(a.verb, "add") != 0 && strcmp(a.verb, "passwd") != 0 &&
               strcmp(a.verb, "disable") != 0 && strcmp(a.verb, "enable") != 0 &&
               strcmp(a.verb, "unlock") != 0) {
        return usage_error("unknown subcommand '%s'", a.verb);
    } else if (!a.username) {
        return usage_error("%s: expected a USERNAME", a.verb);
    }
    if (strcmp(a.verb, "add") != 0 && (a.role || a.practitioner || a.patient))
        return usage_error("%s: --role, --practitioner and --patient belong to add", a.verb);
    pp_diag_clear(&d);
    if ((e = pp_secret_init(&d)) != PP_OK || (e = pp_store_open(a.db, &s, &d)) != PP_OK) {
        pp_cli_print_diag("user", &d);
        return 1;
    }
    if (list)
        rc = cmd_list(s, &a);
    else if (strcmp(a.verb, "add") == 0)
        rc = cmd_add(s, &a);
    else if (strcmp(a.verb, "passwd") == 0)
        rc = cmd_passwd(s, &a);
    else
        rc = cmd_state(s, &a);
    pp_store_close(s);
    return rc;
}
