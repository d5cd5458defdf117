/*
 * cmd_demo.c — `painpath demo [--db PATH] [--patients N] [--seed S] [--now YYYY-MM-DD]
 * [--force] [--print] [--format table|json] [--logins]`: writes the demo clinic (cli/demo.c)
 * and one sign-in per role, linked to the clinic's people, into the store in one transaction
 * and prints what was created, per resource type, and the demo logins. Refuses (exit 2) a
 * database that already holds patients unless --force. --logins prints the demo logins a
 * database holds (for `make run`).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/common.h"
#include "cli/cli.h"
#include "cli/demo.h"
#include "store/accounts.h"
#include "store/store.h"
#include "util/json.h"
#include "util/banned.h"

static const char pp_demo_usage[] =
    "usage: painpath demo [--db PATH] [--patients N] [--seed S] [--now YYYY-MM-DD] [--force]\n"
    "                     [--format table|json] [--print] [--example] [--logins]\n"
    "Create the demo clinic (written by us) in the database (default ./" PP_STORE_DEFAULT_DB "),\n"
    "with one demo login per role (demo-physician, demo-nurse, demo-frontdesk, demo-admin,\n"
    "demo-patient; their passwords are printed and are for the demo only).\n"
    "--print writes the Bundle to stdout instead; --example prints a 2-patient Bundle;\n"
    "--logins prints the demo logins the database holds.\n"
    "A database that already holds patients is refused (exit 2) unless --force.\n";

/* ---- the demo's sign-ins ---------------------------------------------------------------- */

/* One account per role. The passwords are public (printed, documented): demo data only. */
static const struct demo_account {
    const char *username, *password;
    enum pp_role role;
} demo_accounts[] = {
    {"demo-physician", "demo-physician-pass", PP_ROLE_PHYSICIAN},
    {"demo-nurse", "demo-nurse-pass", PP_ROLE_NURSE},
    {"demo-frontdesk", "demo-frontdesk-pass", PP_ROLE_FRONT_DESK},
    {"demo-admin", "demo-admin-pass", PP_ROLE_ADMIN},
    {"demo-patient", "demo-patient-pass", PP_ROLE_PATIENT},
};
#define N_DEMO_ACCOUNTS (sizeof(demo_accounts) / sizeof(demo_accounts[0]))

/* What `painpath demo` did with (or `--logins` found of) each demo account. */
struct demo_login {
    const struct demo_account *acct;
    struct pp_user user;
    bool present;   /* in the database (made now or before) */
    bool created;   /* made by this run */
    bool demo_pass; /* its password is still the demo's */
};

#define SYS_SPECIALTY "urn:painpath:specialty"
#define SYS_PRACTITIONER_ROLE "http://terminology.hl7.org/CodeSystem/practitioner-role"

/* The id of a {"reference": "Type/id"} member of r, or NULL. */
static const char *ref_id(const cJSON *r, const char *key, const char *type)
{
    const char *ref = pp_json_str(pp_json_obj(r, key), "reference");
    size_t n = strlen(type);
    if (!ref || strncmp(ref, type, n) != 0 || ref[n] != '/' || !pp_store_valid_id(ref + n + 1))
        return NULL;
    return ref + n + 1;
}

/* True when an array of CodeableConcepts holds system|code. */
static bool coded(const cJSON *concepts, const char *system, const char *code)
{
    const cJSON *cc, *c;
    cJSON_ArrayForEach(cc, concepts)
    {
        cJSON_ArrayForEach(c, pp_json_arr(cc, "coding"))
        {
            const char *sys = pp_json_str(c, "system"), *v = pp_json_str(c, "code");
            if (sys && v && strcmp(sys, system) == 0 && strcmp(v, code) == 0)
                return true;
        }
    }
    return false;
}

/* True when the CareTeam r names Practitioner/id as a participant. */
static bool on_team(const cJSON *r, const char *id)
{
    const cJSON *p;
    cJSON_ArrayForEach(p, pp_json_arr(r, "participant"))
    {
        const char *m = ref_id(p, "member", "Practitioner");
        if (m && strcmp(m, id) == 0)
            return true;
    }
    return false;
}

/*
 * The clinic's people the demo accounts stand for, from the Bundle: the first pain
 * physician (a PractitionerRole with the pain-medicine specialty), the first nurse (a
 * PractitionerRole coded nurse; none when the clinic has none), and a patient whose care
 * team names that physician (and nurse), else the first Patient.
 */
static void demo_links(const cJSON *bundle, char phys[PP_STORE_ID_MAX + 1],
                       char nurse[PP_STORE_ID_MAX + 1], char patient[PP_STORE_ID_MAX + 1])
{
    const cJSON *e, *r;
    const char *first_patient = NULL, *id;
    phys[0] = nurse[0] = patient[0] = '\0';
    cJSON_ArrayForEach(e, pp_json_arr(bundle, "entry"))
    {
        const char *type;
        r = pp_json_obj(e, "resource");
        type = pp_json_str(r, "resourceType");
        if (!type)
            continue;
        if (strcmp(type, "PractitionerRole") == 0 &&
            (id = ref_id(r, "practitioner", "Practitioner")) != NULL) {
            if (!phys[0] && coded(pp_json_arr(r, "specialty"), SYS_SPECIALTY, "pain-medicine"))
                snprintf(phys, PP_STORE_ID_MAX + 1, "%s", id);
            if (!nurse[0] && coded(pp_json_arr(r, "code"), SYS_PRACTITIONER_ROLE, "nurse"))
                snprintf(nurse, PP_STORE_ID_MAX + 1, "%s", id);
        } else if (strcmp(type, "Patient") == 0 && !first_patient) {
            first_patient = pp_json_str(r, "id");
        }
    }
    cJSON_ArrayForEach(e, pp_json_arr(bundle, "entry"))
    {
        const char *type;
        r = pp_json_obj(e, "resource");
        type = pp_json_str(r, "resourceType");
        if (!type || strcmp(type, "CareTeam") != 0 || !phys[0] || !on_team(r, phys) ||
            (nurse[0] && !on_team(r, nurse)) || !(id = ref_id(r, "subject", "Patient")))
            continue;
        snprintf(patient, PP_STORE_ID_MAX + 1, "%s", id);
        return;
    }
    if (first_patient && pp_store_valid_id(first_patient))
        snprintf(patient, PP_STORE_ID_MAX + 1, "%s", first_patient);
}

/* Look each demo account up in the database (and whether it still has the demo password). */
static enum pp_err logins_read(struct pp_store *s, struct demo_login *out, struct pp_diag *d)
{
    for (size_t i = 0; i < N_DEMO_ACCOUNTS; i++) {
        enum pp_err e = pp_store_user_get(s, demo_accounts[i].username, &out[i].user, d);
        out[i].acct = &demo_accounts[i];
        out[i].present = e == PP_OK;
        if (e == PP_ERR_NOT_FOUND)
            continue;
        if (e != PP_OK)
            return e;
        out[i].demo_pass =
            pp_secret_verify_password(out[i].user.password_hash, demo_accounts[i].password);
    }
    pp_diag_clear(d);
    return PP_OK;
}

/*
 * Hash the passwords of the demo accounts the database lacks (before the transaction: hashing
 * is slow on purpose) and fill their links. *note: the nurse has no Practitioner to link.
 */
static enum pp_err logins_prepare(struct demo_login *l, const cJSON *bundle, bool *no_nurse,
                                  struct pp_diag *d)
{
    char phys[PP_STORE_ID_MAX + 1], nurse[PP_STORE_ID_MAX + 1], patient[PP_STORE_ID_MAX + 1];
    struct pp_security sec;
    enum pp_err e;
    pp_security_defaults(&sec);
    demo_links(bundle, phys, nurse, patient);
    *no_nurse = !nurse[0];
    for (size_t i = 0; i < N_DEMO_ACCOUNTS; i++) {
        struct pp_user *u = &l[i].user;
        if (l[i].present)
            continue;
        memset(u, 0, sizeof(*u));
        snprintf(u->username, sizeof(u->username), "%s", l[i].acct->username);
        u->role = l[i].acct->role;
        if (u->role == PP_ROLE_PHYSICIAN)
            snprintf(u->practitioner, sizeof(u->practitioner), "%s", phys);
        else if (u->role == PP_ROLE_NURSE)
            snprintf(u->practitioner, sizeof(u->practitioner), "%s", nurse);
        else if (u->role == PP_ROLE_PATIENT)
            snprintf(u->patient, sizeof(u->patient), "%s", patient);
        if ((e = pp_secret_hash_password(l[i].acct->password, &sec.pwhash, u->password_hash, d)) !=
            PP_OK)
            return e;
    }
    return PP_OK;
}

/* Add the prepared accounts, inside the caller's transaction. */
static enum pp_err logins_add(struct pp_store *s, struct demo_login *l, struct pp_diag *d)
{
    for (size_t i = 0; i < N_DEMO_ACCOUNTS; i++) {
        enum pp_err e;
        if (l[i].present)
            continue;
        if ((e = pp_store_user_add(s, &l[i].user, &l[i].user.id, d)) != PP_OK) {
            pp_diag_prefix(d, l[i].acct->username);
            return e;
        }
        l[i].present = l[i].created = l[i].demo_pass = true;
    }
    return PP_OK;
}

/* The link of a login as "Practitioner/x", "Patient/x" or "-". */
static void login_link(const struct pp_user *u, char *out, size_t n)
{
    if (u->practitioner[0])
        snprintf(out, n, "Practitioner/%s", u->practitioner);
    else if (u->patient[0])
        snprintf(out, n, "Patient/%s", u->patient);
    else
        snprintf(out, n, "-");
}

static void logins_table(const struct demo_login *l, const char *db)
{
    size_t n = 0;
    for (size_t i = 0; i < N_DEMO_ACCOUNTS; i++)
        n += l[i].present;
    if (n == 0) {
        printf("no demo logins in %s (`painpath demo` makes them with the clinic; `painpath "
               "user add` makes others)\n",
               db);
        return;
    }
    printf("demo logins in %s (demo passwords: for the demo clinic only, never real data):\n", db);
    printf("  %-11s %-15s %-20s %s\n", "ROLE", "USERNAME", "PASSWORD", "LINKED TO");
    for (size_t i = 0; i < N_DEMO_ACCOUNTS; i++) {
        char link[96];
        if (!l[i].present)
            continue;
        login_link(&l[i].user, link, sizeof(link));
        printf("  %-11s %-15s %-20s %s%s\n", pp_role_name(l[i].user.role), l[i].user.username,
               l[i].demo_pass ? l[i].acct->password : "(changed)", link,
               l[i].user.disabled ? " (disabled)" : "");
    }
}

/* The logins as a JSON array member "logins" of the object being printed. */
static void logins_json(const struct demo_login *l)
{
    struct pp_buf b;
    bool first = true;
    pp_buf_init(&b, PP_BUF_UNLIMITED);
    pp_buf_addf(&b, "\"logins\": [");
    for (size_t i = 0; i < N_DEMO_ACCOUNTS; i++) {
        const struct pp_user *u = &l[i].user;
        if (!l[i].present)
            continue;
        pp_buf_addf(&b, "%s{\"username\": ", first ? "" : ", ");
        pp_buf_add_json_str(&b, u->username);
        pp_buf_addf(&b, ", \"role\": \"%s\", \"password\": ", pp_role_name(u->role));
        if (l[i].demo_pass)
            pp_buf_add_json_str(&b, l[i].acct->password);
        else
            pp_buf_addf(&b, "null");
        pp_buf_addf(&b, ", \"practitioner\": ");
        if (u->practitioner[0])
            pp_buf_add_json_str(&b, u->practitioner);
        else
            pp_buf_addf(&b, "null");
        pp_buf_addf(&b, ", \"patient\": ");
        if (u->patient[0])
            pp_buf_add_json_str(&b, u->patient);
        else
            pp_buf_addf(&b, "null");
        pp_buf_addf(&b, ", \"disabled\": %s, \"created\": %s}", u->disabled ? "true" : "false",
                    l[i].created ? "true" : "false");
        first = false;
    }
    pp_buf_addf(&b, "]");
    fputs(pp_buf_status(&b) == PP_OK ? b.data : "\"logins\": []", stdout);
    pp_buf_release(&b);
}

/* `painpath demo --logins`: what the database holds. */
static int print_logins(const char *db, enum pp_cli_format fmt)
{
    struct demo_login l[N_DEMO_ACCOUNTS];
    struct pp_store *s = NULL;
    struct pp_diag d;
    enum pp_err e;
    memset(l, 0, sizeof(l));
    pp_diag_clear(&d);
    e = pp_store_open(db, &s, &d);
    if (e == PP_OK)
        e = logins_read(s, l, &d);
    pp_store_close(s);
    if (e != PP_OK) {
        pp_cli_print_diag("demo", &d);
        return 1;
    }
    if (fmt == PP_FORMAT_JSON) {
        fputs("{", stdout);
        logins_json(l);
        fputs("}\n", stdout);
    } else {
        logins_table(l, db);
    }
    return 0;
}

/* A whole number in [lo, hi] from text, or false. */
static bool parse_ull(const char *s, unsigned long long lo, unsigned long long hi,
                      unsigned long long *out)
{
    char *end;
    unsigned long long v;
    if (!s || !*s || *s == '-' || *s == '+')
        return false;
    errno = 0;
    v = strtoull(s, &end, 10);
    if (errno || *end || v < lo || v > hi)
        return false;
    *out = v;
    return true;
}

static int print_bundle(cJSON *b)
{
    char *text = cJSON_Print(b);
    int rc = 0;
    if (!text)
        return 1;
    if (fputs(text, stdout) == EOF || fputc('\n', stdout) == EOF)
        rc = 1;
    free(text);
    return rc;
}

static void print_counts(const struct pp_store_import_stats *st, const char *db,
                         enum pp_cli_format fmt, int patients, unsigned long long seed, pp_day now,
                         const struct demo_login *logins)
{
    char day[11];
    pp_day_format(now, day);
    if (fmt == PP_FORMAT_JSON) {
        printf("{\"db\": ");
        {
            struct pp_buf b;
            pp_buf_init(&b, PP_BUF_UNLIMITED);
            pp_buf_add_json_str(&b, db);
            fputs(pp_buf_status(&b) == PP_OK ? b.data : "null", stdout);
            pp_buf_release(&b);
        }
        printf(", \"patients\": %d, \"seed\": %llu, \"now\": \"%s\", \"created\": {", patients,
               seed, day);
        for (size_t i = 0; i < st->n_types; i++)
            printf("%s\"%s\": %zu", i ? ", " : "", st->types[i].type, st->types[i].n);
        printf("}, \"total\": %zu, ", st->resources);
        logins_json(logins);
        printf("}\n");
        return;
    }
    printf("demo clinic in %s (%d patients, seed %llu, now %s):\n", db, patients, seed, day);
    for (size_t i = 0; i < st->n_types; i++)
        printf("  %-24s %8zu\n", st->types[i].type, st->types[i].n);
    printf("  %-24s %8zu\n", "total", st->resources);
    logins_table(logins, db);
}

int pp_cmd_demo(int argc, char **argv)
{
    const char *db = PP_STORE_DEFAULT_DB;
    unsigned long long patients = PP_DEMO_DEFAULT_PATIENTS, seed = PP_DEMO_DEFAULT_SEED;
    bool force = false, print = false, example = false, logins_only = false, no_nurse = false;
    struct demo_login logins[N_DEMO_ACCOUNTS];
    struct pp_cli_opts opts;
    struct pp_store_import_stats st;
    struct pp_store *s = NULL;
    struct pp_diag d;
    enum pp_err e;
    size_t existing = 0;
    cJSON *bundle;
    int rc = 0;

    pp_cli_opts_init(&opts);
    for (int i = 1; i < argc; i++) {
        int t = pp_cli_opts_take(&opts, argc, argv, &i, "demo");
        if (t < 0) {
            pp_cli_opts_release(&opts);
            return 2;
        }
        if (t > 0)
            continue;
        if (strcmp(argv[i], "--db") == 0 && i + 1 < argc) {
            db = argv[++i];
        } else if (strcmp(argv[i], "--patients") == 0 && i + 1 < argc) {
            if (!parse_ull(argv[++i], 1, PP_DEMO_MAX_PATIENTS, &patients)) {
                fprintf(stderr,
                        "painpath demo: --patients: expected a whole number 1-%d, got "
                        "'%s'\n",
                        PP_DEMO_MAX_PATIENTS, argv[i]);
                pp_cli_opts_release(&opts);
                return 2;
            }
        } else if (strcmp(argv[i], "--seed") == 0 && i + 1 < argc) {
            if (!parse_ull(argv[++i], 0, UINT64_MAX, &seed)) {
                fprintf(stderr, "painpath demo: --seed: expected a whole number, got '%s'\n",
                        argv[i]);
                pp_cli_opts_release(&opts);
                return 2;
            }
        } else if (strcmp(argv[i], "--force") == 0) {
            force = true;
        } else if (strcmp(argv[i], "--print") == 0) {
            print = true;
        } else if (strcmp(argv[i], "--example") == 0) {
            example = true;
        } else if (strcmp(argv[i], "--logins") == 0) {
            logins_only = true;
        } else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            fputs(pp_demo_usage, stdout);
            pp_cli_opts_release(&opts);
            return 0;
        } else {
            fprintf(stderr, "painpath demo: unexpected argument '%s'\n%s", argv[i], pp_demo_usage);
            pp_cli_opts_release(&opts);
            return 2;
        }
    }
    if (pp_cli_opts_load(&opts, "demo") != PP_OK) {
        pp_cli_opts_release(&opts);
        return 2;
    }
    if (logins_only) {
        rc = print_logins(db, opts.format);
        pp_cli_opts_release(&opts);
        return rc;
    }
    if (example) {
        bundle = pp_demo_bundle(2, seed, opts.now);
        rc = print_bundle(bundle);
        cJSON_Delete(bundle);
        pp_cli_opts_release(&opts);
        return rc;
    }
    bundle = pp_demo_bundle((int)patients, seed, opts.now);
    if (print) {
        rc = print_bundle(bundle);
        cJSON_Delete(bundle);
        pp_cli_opts_release(&opts);
        return rc;
    }

    pp_diag_clear(&d);
    memset(&st, 0, sizeof(st));
    memset(logins, 0, sizeof(logins));
    e = pp_store_open(db, &s, &d);
    if (e == PP_OK)
        e = pp_store_count(s, "Patient", &existing, &d);
    if (e == PP_OK && existing > 0 && !force) {
        fprintf(stderr,
                "painpath demo: %s: already holds %zu patients; refusing to add the demo "
                "clinic (use --force to add it anyway)\n",
                db, existing);
        rc = 2;
        goto out;
    }
    /* the demo logins: those the database lacks are made (an existing one is kept as is) */
    if (e == PP_OK)
        e = logins_read(s, logins, &d);
    if (e == PP_OK)
        e = logins_prepare(logins, bundle, &no_nurse, &d);
    /* everything in one transaction: the clinic appears whole or not at all */
    if (e == PP_OK)
        e = pp_store_begin(s, &d);
    if (e == PP_OK) {
        e = pp_store_import_json(s, bundle, "demo", &st, &d);
        if (e == PP_OK)
            e = logins_add(s, logins, &d);
        if (e == PP_OK)
            e = pp_store_commit(s, &d);
        else
            pp_store_rollback(s);
    }
    if (e != PP_OK) {
        pp_cli_print_diag("demo", &d);
        rc = pp_err_exit_code(e) == 2 ? 1 : pp_err_exit_code(e);
        goto out;
    }
    if (no_nurse)
        fprintf(stderr, "painpath demo: note: the demo clinic has no nurse Practitioner; "
                        "demo-nurse is linked to none\n");
    print_counts(&st, db, opts.format, (int)patients, seed, opts.now, logins);
out:
    pp_store_import_stats_release(&st);
    pp_store_close(s);
    cJSON_Delete(bundle);
    pp_cli_opts_release(&opts);
    return rc;
}
