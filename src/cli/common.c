/*
 * common.c — option parsing and loading shared by the subcommands. The only
 * place the CLI turns files into policy and value sets.
 */
#include "cli/common.h"

#include <stdlib.h>
#include <string.h>

#include "fhir/valueset.h"
#include "util/buf.h"

/* A policy file is a handful of keys; anything larger is a mistake. */
#define POLICY_FILE_MAX ((size_t)1 << 20)

void pp_cli_opts_init(struct pp_cli_opts *o)
{
    memset(o, 0, sizeof(*o));
    o->now = PP_DAY_NONE;
    pp_policy_init(&o->policy);
    pp_terms_init_builtin(&o->terms);
    pp_drug_codes_init(&o->codes);
    o->format = PP_FORMAT_TABLE;
}

void pp_cli_opts_release(struct pp_cli_opts *o)
{
    pp_terms_release(&o->terms);
    pp_drug_codes_release(&o->codes);
}

void pp_cli_print_diag(const char *cmd, const struct pp_diag *d)
{
    if (d->where[0])
        fprintf(stderr, "painpath %s: %s: %s\n", cmd, d->where, d->what);
    else
        fprintf(stderr, "painpath %s: %s\n", cmd, d->what);
}

static const char *value_of(int argc, char **argv, int *i, const char *cmd)
{
    const char *arg = argv[*i];
    const char *eq = strchr(arg, '=');
    if (eq)
        return eq + 1;
    if (*i + 1 >= argc) {
        fprintf(stderr, "painpath %s: option %s needs a value\n", cmd, arg);
        return NULL;
    }
    return argv[++*i];
}

static bool is_opt(const char *arg, const char *name)
{
    size_t n = strlen(name);
    return strncmp(arg, name, n) == 0 && (arg[n] == '\0' || arg[n] == '=');
}

int pp_cli_opts_take(struct pp_cli_opts *o, int argc, char **argv, int *i, const char *cmd)
{
    const char *arg = argv[*i];
    const char *v;
    struct pp_diag d;

    if (is_opt(arg, "--now")) {
        if (!(v = value_of(argc, argv, i, cmd)))
            return -1;
        if (strlen(v) != 10 || pp_day_parse(v, strlen(v), &o->now, &d)) {
            fprintf(stderr, "painpath %s: --now: expected a date YYYY-MM-DD, got '%s'\n", cmd, v);
            return -1;
        }
        return 1;
    }
    if (is_opt(arg, "--policy")) {
        if (!(v = value_of(argc, argv, i, cmd)))
            return -1;
        o->policy_file = v;
        return 1;
    }
    if (is_opt(arg, "--valuesets")) {
        if (!(v = value_of(argc, argv, i, cmd)))
            return -1;
        o->valuesets_dir = v;
        return 1;
    }
    if (is_opt(arg, "--format")) {
        if (!(v = value_of(argc, argv, i, cmd)))
            return -1;
        if (strcmp(v, "table") == 0)
            o->format = PP_FORMAT_TABLE;
        else if (strcmp(v, "json") == 0)
            o->format = PP_FORMAT_JSON;
        else {
            fprintf(stderr, "painpath %s: --format: expected 'table' or 'json', got '%s'\n", cmd,
                    v);
            return -1;
        }
        return 1;
    }
    if (is_opt(arg, "--threads")) {
        char *end;
        long n;
        if (!(v = value_of(argc, argv, i, cmd)))
            return -1;
        n = strtol(v, &end, 10);
        if (*v == '\0' || *end != '\0' || n < 0 || n > 256) {
            fprintf(stderr, "painpath %s: --threads: expected a number from 0 to 256, got '%s'\n",
                    cmd, v);
            return -1;
        }
        o->threads = (int)n;
        return 1;
    }
    return 0;
}

enum pp_err pp_cli_opts_load(struct pp_cli_opts *o, const char *cmd)
{
    struct pp_diag d;
    enum pp_err rc;

    pp_diag_clear(&d);
    if (o->now == PP_DAY_NONE)
        o->now = pp_day_today_utc();
    if (o->policy_file) {
        struct pp_buf b;
        pp_buf_init(&b, POLICY_FILE_MAX);
        rc = pp_buf_read_file(&b, o->policy_file, &d);
        if (!rc)
            rc = pp_policy_load_json(&o->policy, b.data, b.len, o->policy_file, &d);
        pp_buf_release(&b);
        if (rc) {
            if (strncmp(d.where, o->policy_file, strlen(o->policy_file)) != 0)
                pp_diag_prefix_file(&d, o->policy_file);
            pp_cli_print_diag(cmd, &d);
            return rc;
        }
    }
    if (o->valuesets_dir) {
        rc = pp_fhir_valuesets_load_dir(o->valuesets_dir, &o->terms, &o->codes, NULL, &d);
        if (rc) {
            pp_cli_print_diag(cmd, &d);
            return rc;
        }
    }
    return PP_OK;
}

enum pp_err pp_cli_read_input(const char *path, struct pp_buf *b, const char **name,
                              struct pp_diag *d)
{
    char chunk[65536];
    size_t got;

    if (path && strcmp(path, "-") != 0) {
        *name = path;
        return pp_buf_read_file(b, path, d);
    }
    *name = PP_CLI_STDIN_NAME;
    while ((got = fread(chunk, 1, sizeof(chunk), stdin)) > 0) {
        pp_buf_add(b, chunk, got);
        if (pp_buf_status(b) != PP_OK)
            return pp_diag_set(d, PP_ERR_LIMIT, PP_CLI_STDIN_NAME,
                               "the input is larger than the %zu-byte limit", b->max);
    }
    if (ferror(stdin))
        return pp_diag_set(d, PP_ERR_IO, PP_CLI_STDIN_NAME, "cannot read standard input");
    return PP_OK;
}

void pp_cli_findings_json(struct pp_buf *b, const struct pp_findings *f)
{
    pp_buf_adds(b, "[");
    for (size_t i = 0; i < f->n; i++) {
        const struct pp_finding *x = &f->items[i];
        pp_buf_adds(b, i ? ", {\"rule\": " : "{\"rule\": ");
        pp_buf_add_json_str(b, x->rule_id);
        pp_buf_adds(b, ", \"severity\": ");
        pp_buf_add_json_str(b, pp_severity_name(x->severity));
        pp_buf_adds(b, ", \"summary\": ");
        pp_buf_add_json_str(b, x->summary);
        pp_buf_adds(b, ", \"detail\": ");
        pp_buf_add_json_str(b, x->detail ? x->detail : "");
        pp_buf_adds(b, ", \"evidence\": [");
        for (size_t k = 0; k < x->n_evidence; k++) {
            pp_buf_adds(b, k ? ", " : "");
            pp_buf_add_json_str(b, x->evidence[k]);
        }
        pp_buf_adds(b, "], \"source\": ");
        if (x->source)
            pp_buf_add_json_str(b, x->source);
        else
            pp_buf_adds(b, "null");
        pp_buf_adds(b, ", \"suggestions\": [");
        for (size_t k = 0; k < x->n_suggestions; k++) {
            pp_buf_adds(b, k ? ", " : "");
            pp_buf_add_json_str(b, x->suggestions[k].label);
        }
        pp_buf_adds(b, "]}");
    }
    pp_buf_adds(b, "]");
}

void pp_cli_findings_table(struct pp_buf *b, const struct pp_findings *f)
{
    static const char *const marks[] = {"info    ", "WARNING ", "CRITICAL"};
    for (size_t i = 0; i < f->n; i++) {
        const struct pp_finding *x = &f->items[i];
        pp_buf_addf(b, "  %s %-33s %s\n", marks[x->severity], x->rule_id, x->summary);
        for (size_t k = 0; k < x->n_suggestions; k++)
            pp_buf_addf(b, "  %8s %-33s -> %s\n", "", "", x->suggestions[k].label);
    }
}

bool pp_cli_findings_critical(const struct pp_findings *f)
{
    for (size_t i = 0; i < f->n; i++)
        if (f->items[i].severity == PP_SEV_CRITICAL)
            return true;
    return false;
}

int pp_cli_run_module(const struct pp_cli_module *m, const char *path, const struct pp_cli_opts *o,
                      void *ctx)
{
    const char *name = PP_CLI_STDIN_NAME;
    struct pp_findings f;
    struct pp_diag d;
    struct pp_buf b, out;
    enum pp_err rc;
    int exit_code;

    pp_diag_clear(&d);
    pp_findings_init(&f);
    pp_buf_init(&b, m->input_max);
    pp_buf_init(&out, PP_BUF_UNLIMITED);
    rc = pp_cli_read_input(path, &b, &name, &d);
    if (!rc)
        rc = m->read(b.data, b.len, name, ctx, &d);
    if (!rc) {
        rc = m->evaluate(ctx, o, &f, &d);
        if (rc)
            pp_diag_prefix_file(&d, name);
    }
    if (rc) {
        pp_cli_print_diag(m->cmd, &d);
        exit_code = rc == PP_ERR_IO ? 2 : pp_err_exit_code(rc);
    } else {
        m->write(&out, ctx, &f, o->format == PP_FORMAT_JSON);
        fwrite(out.data, 1, out.len, stdout);
        exit_code = m->exit_code(ctx);
    }
    pp_buf_release(&out);
    pp_buf_release(&b);
    pp_findings_release(&f);
    return exit_code;
}
