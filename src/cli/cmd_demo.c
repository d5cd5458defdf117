/*
 * cmd_demo.c — `painpath demo [--db PATH] [--patients N] [--seed S] [--now YYYY-MM-DD]
 * [--force] [--print] [--format table|json]`: writes the demo clinic (cli/demo.c) into the
 * store in one transaction and prints what was created, per resource type. Refuses (exit 2)
 * a database that already holds patients unless --force.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/common.h"
#include "cli/cli.h"
#include "cli/demo.h"
#include "store/store.h"
#include "util/banned.h"

static const char pp_demo_usage[] =
    "usage: painpath demo [--db PATH] [--patients N] [--seed S] [--now YYYY-MM-DD] [--force]\n"
    "                     [--format table|json] [--print] [--example]\n"
    "Create the demo clinic (written by us) in the database (default ./" PP_STORE_DEFAULT_DB ").\n"
    "--print writes the Bundle to stdout instead; --example prints a 2-patient Bundle.\n"
    "A database that already holds patients is refused (exit 2) unless --force.\n";

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
                         enum pp_cli_format fmt, int patients, unsigned long long seed, pp_day now)
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
        printf("}, \"total\": %zu}\n", st->resources);
        return;
    }
    printf("demo clinic in %s (%d patients, seed %llu, now %s):\n", db, patients, seed, day);
    for (size_t i = 0; i < st->n_types; i++)
        printf("  %-24s %8zu\n", st->types[i].type, st->types[i].n);
    printf("  %-24s %8zu\n", "total", st->resources);
}

int pp_cmd_demo(int argc, char **argv)
{
    const char *db = PP_STORE_DEFAULT_DB;
    unsigned long long patients = PP_DEMO_DEFAULT_PATIENTS, seed = PP_DEMO_DEFAULT_SEED;
    bool force = false, print = false, example = false;
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
    /* everything in one transaction: the clinic appears whole or not at all */
    if (e == PP_OK)
        e = pp_store_begin(s, &d);
    if (e == PP_OK) {
        e = pp_store_import_json(s, bundle, "demo", &st, &d);
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
    print_counts(&st, db, opts.format, (int)patients, seed, opts.now);
out:
    pp_store_import_stats_release(&st);
    pp_store_close(s);
    cJSON_Delete(bundle);
    pp_cli_opts_release(&opts);
    return rc;
}
