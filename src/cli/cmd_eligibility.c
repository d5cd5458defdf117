/*
 * cmd_eligibility.c — `painpath eligibility PROCEDURE-ID`: read the proposed procedure's
 * details and the patient's history as JSON, check them against the coverage criteria
 * (the default Medicare table, or --criteria FILE), print the verdict and every criterion.
 * Decoding and printing only: every decision is in clinical/coverage.c.
 */
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/common.h"
#include "cli/run.h"
#include "clinical/coverage.h"
#include "clinical/procedures.h"
#include "util/buf.h"
#include "util/date.h"
#include "util/json.h"

#define ELIG_INPUT_MAX (1u << 20)     /* 1 MiB: a history is a few KB */
#define CRITERIA_INPUT_MAX (1u << 20) /* a criteria table is tens of rows */
#define ELIG_MAX_PRIORS 256

static const char example[] =
    "{\n"
    "  \"procedure\": {\n"
    "    \"date\": \"2026-12-01\",\n"
    "    \"purpose\": \"therapeutic\",\n"
    "    \"levels\": [\"L5\"],\n"
    "    \"side\": \"left\",\n"
    "    \"guidance\": \"fluoroscopy\",\n"
    "    \"contrast\": true,\n"
    "    \"drug\": \"dexamethasone\"\n"
    "  },\n"
    "  \"history\": {\n"
    "    \"pain_onset\": \"2026-08-15\",\n"
    "    \"conservative_care_start\": \"2026-08-20\",\n"
    "    \"conservative_care_failed\": true,\n"
    "    \"imaging_date\": \"2026-10-02\",\n"
    "    \"herpes_zoster\": false,\n"
    "    \"contrast_allergy\": false,\n"
    "    \"baseline_pain_scale\": \"NRS\",\n"
    "    \"baseline_function_scale\": \"ODI\",\n"
    "    \"prior_procedures\": [\n"
    "      {\"id\": \"esi-tf-lumbar\", \"date\": \"2026-07-01\", \"levels\": [\"L5\"],\n"
    "       \"drug\": \"dexamethasone\", \"baseline_pain\": 8, \"followup_pain\": 3,\n"
    "       \"relief_months\": 4, \"followup_scale\": \"NRS\"}\n"
    "    ]\n"
    "  }\n"
    "}\n";

static void usage(FILE *out)
{
    fprintf(out,
            "usage: painpath eligibility PROCEDURE-ID [--now YYYY-MM-DD] [--example]\n"
            "       [--format table|json] [--policy FILE] [--criteria FILE] [FILE|-]\n"
            "Check a proposed procedure (a catalogue id, see painpath procedures) against the\n"
            "payer's coverage criteria (default: the Medicare LCD family; --criteria FILE: a\n"
            "JSON array of rows of the same shape). Input is JSON (see --example).\n"
            "Exit 0 eligible, 1 not (yet) eligible or no criteria, 2 bad input.\n");
}

/* ---- decoding: each object is a table of fields written at an offset ---- */

enum ftype {
    F_DATE,
    F_BOOL,
    F_NUM,
    F_INT,
    F_STR,
    F_LEVELS,
    F_CHOICE, /* an unsigned from struct choice */
    F_SIDE,   /* an enum pp_cov_side from struct choice */
    F_ID,
    F_SKIP
};

/* A string member that names one of a few values. */
struct choice {
    const char *const *names; /* NULL-terminated */
    const unsigned *values;
    const char *expected; /* for the message */
};

struct field {
    const char *key;
    enum ftype type;
    size_t off;
    const struct choice *choice; /* F_CHOICE, F_SIDE */
};

static const char *const purpose_names[] = {"diagnostic", "therapeutic", "trial", NULL};
static const unsigned purpose_bits[] = {PP_PURPOSE_DIAGNOSTIC, PP_PURPOSE_THERAPEUTIC,
                                        PP_PURPOSE_TRIAL};
static const char *const side_names[] = {"none", "left", "right", "bilateral", NULL};
static const unsigned side_values[] = {PP_COV_SIDE_NONE, PP_COV_SIDE_LEFT, PP_COV_SIDE_RIGHT,
                                       PP_COV_SIDE_BILATERAL};
static const char *const guide_names[] = {"fluoroscopy", "ct", "ultrasound", "landmark", NULL};
static const unsigned guide_bits[] = {PP_GUIDE_FLUORO, PP_GUIDE_CT, PP_GUIDE_US, PP_GUIDE_LANDMARK};
static const struct choice purposes = {purpose_names, purpose_bits,
                                       "diagnostic, therapeutic or trial"};
static const struct choice sides = {side_names, side_values, "none, left, right or bilateral"};
static const struct choice guides = {guide_names, guide_bits,
                                     "fluoroscopy, ct, ultrasound or landmark"};

static int name_index(const char *const *names, const char *s)
{
    for (int i = 0; names[i]; i++)
        if (strcmp(names[i], s) == 0)
            return i;
    return -1;
}

/* The levels array (or one string) into levels[] / *n at base + off. */
static enum pp_err take_levels(const cJSON *v, char *base, size_t off, const char *where,
                               struct pp_diag *d)
{
    const char **levels = (const char **)(void *)(base + off);
    size_t *n = (size_t *)(void *)(base + off + sizeof(const char *) * PP_COV_MAX_LEVELS);
    const cJSON *it;
    if (cJSON_IsString(v)) {
        levels[(*n)++] = v->valuestring;
        return PP_OK;
    }
    if (!cJSON_IsArray(v))
        return pp_diag_set(d, PP_ERR_INPUT, where, "expected an array of levels such as \"L5\"");
    cJSON_ArrayForEach(it, v)
    {
        if (!cJSON_IsString(it))
            return pp_diag_set(d, PP_ERR_INPUT, where, "expected levels such as \"L5\"");
        if (*n == PP_COV_MAX_LEVELS)
            return pp_diag_set(d, PP_ERR_INPUT, where, "at most %d levels", PP_COV_MAX_LEVELS);
        levels[(*n)++] = it->valuestring;
    }
    return PP_OK;
}

static enum pp_err take(const cJSON *v, const struct field *fd, char *base, const char *where,
                        struct pp_diag *d)
{
    void *at = base + fd->off;
    int i;
    if (fd->type == F_SKIP) /* decoded by the caller */
        return PP_OK;
    if (fd->type == F_LEVELS)
        return take_levels(v, base, fd->off, where, d);
    if (fd->type == F_BOOL) {
        if (!cJSON_IsBool(v))
            return pp_diag_set(d, PP_ERR_INPUT, where, "expected true or false");
        *(bool *)at = cJSON_IsTrue(v);
        return PP_OK;
    }
    if (fd->type == F_NUM || fd->type == F_INT) {
        if (!cJSON_IsNumber(v) || !isfinite(v->valuedouble) || v->valuedouble < 0)
            return pp_diag_set(d, PP_ERR_INPUT, where, "expected a number >= 0");
        if (fd->type == F_INT && (v->valuedouble != floor(v->valuedouble) || v->valuedouble > 1000))
            return pp_diag_set(d, PP_ERR_INPUT, where, "expected a whole number from 0 to 1000");
        if (fd->type == F_INT)
            *(int *)at = v->valueint;
        else
            *(double *)at = v->valuedouble;
        return PP_OK;
    }
    if (!cJSON_IsString(v))
        return pp_diag_set(d, PP_ERR_INPUT, where, "expected a string");
    switch (fd->type) {
    case F_DATE:
        if (pp_day_parse(v->valuestring, strlen(v->valuestring), (pp_day *)at, d))
            return pp_diag_set(d, PP_ERR_INPUT, where, "expected a date YYYY-MM-DD");
        return PP_OK;
    case F_STR: *(const char **)at = v->valuestring; return PP_OK;
    case F_ID:
        *(const struct pp_proc_entry **)at = pp_procedure_by_id(v->valuestring);
        if (!*(const struct pp_proc_entry **)at)
            return pp_diag_set(d, PP_ERR_INPUT, where,
                               "unknown procedure '%.60s' (see painpath procedures)",
                               v->valuestring);
        return PP_OK;
    case F_CHOICE:
    case F_SIDE:
        if ((i = name_index(fd->choice->names, v->valuestring)) < 0)
            return pp_diag_set(d, PP_ERR_INPUT, where, "expected %s", fd->choice->expected);
        if (fd->type == F_SIDE)
            *(enum pp_cov_side *)at = (enum pp_cov_side)fd->choice->values[i];
        else
            *(unsigned *)at = fd->choice->values[i];
        return PP_OK;
    default: return pp_diag_set(d, PP_ERR_INPUT, where, "unexpected value");
    }
}

/* Decode `obj` (at JSON path `path`) into `base` by the field table; unknown members and
 * members of the wrong type are PP_ERR_INPUT naming the path. */
static enum pp_err decode_fields(const cJSON *obj, const char *path, const struct field *fields,
                                 size_t n_fields, void *base, struct pp_diag *d)
{
    const cJSON *it;
    if (!cJSON_IsObject(obj))
        return pp_diag_set(d, PP_ERR_INPUT, path, "expected an object");
    cJSON_ArrayForEach(it, obj)
    {
        char where[160];
        size_t k = 0;
        while (k < n_fields && strcmp(fields[k].key, it->string) != 0)
            k++;
        snprintf(where, sizeof(where), "%s.%.60s", path, it->string);
        if (k == n_fields)
            return pp_diag_set(d, PP_ERR_INPUT, where, "unknown field");
        if (cJSON_IsNull(it))
            continue;
        enum pp_err rc = take(it, &fields[k], base, where, d);
        if (rc)
            return rc;
    }
    return PP_OK;
}

/* clang-format off */
#define FP(key, type, member) {key, type, offsetof(struct pp_cov_proposal, member), NULL}
#define FH(key, type, member) {key, type, offsetof(struct pp_cov_history, member), NULL}
#define FR(key, type, member) {key, type, offsetof(struct pp_cov_prior, member), NULL}

static const struct field proposal_fields[] = {
    FP("date", F_DATE, date),
    {"purpose", F_CHOICE, offsetof(struct pp_cov_proposal, purpose), &purposes},
    FP("levels", F_LEVELS, levels),
    {"side", F_SIDE, offsetof(struct pp_cov_proposal, side), &sides},
    {"guidance", F_CHOICE, offsetof(struct pp_cov_proposal, guidance), &guides},
    FP("contrast", F_BOOL, contrast),
    FP("drug", F_STR, drug),
};

static const struct field history_fields[] = {
    FH("pain_onset", F_DATE, pain_onset),
    FH("conservative_care_start", F_DATE, conservative_start),
    FH("conservative_care_failed", F_BOOL, conservative_failed),
    FH("imaging_date", F_DATE, imaging_date),
    FH("psych_eval_date", F_DATE, psych_eval_date),
    FH("other_modalities_failed", F_BOOL, other_modalities_failed),
    FH("herpes_zoster", F_BOOL, herpes_zoster),
    FH("contrast_allergy", F_BOOL, contrast_allergy),
    FH("pregnant", F_BOOL, pregnant),
    FH("provocation_tests_positive", F_INT, provocation_positive),
    FH("baseline_pain_scale", F_STR, baseline_pain_scale),
    FH("baseline_function_scale", F_STR, baseline_function_scale),
    FH("prior_procedures", F_SKIP, priors), /* decoded by decode() */
};

static const struct field prior_fields[] = {
    FR("id", F_ID, entry),
    FR("date", F_DATE, date),
    {"purpose", F_CHOICE, offsetof(struct pp_cov_prior, purpose), &purposes},
    FR("levels", F_LEVELS, levels),
    FR("drug", F_STR, drug),
    FR("relief_pct", F_NUM, relief_pct),
    FR("relief_months", F_NUM, relief_months),
    FR("baseline_pain", F_NUM, baseline_pain),
    FR("followup_pain", F_NUM, followup_pain),
    FR("function_improvement_pct", F_NUM, function_improvement_pct),
    FR("baseline_function", F_NUM, baseline_function),
    FR("followup_function", F_NUM, followup_function),
    FR("medication_reduction_pct", F_NUM, medication_reduction_pct),
    FR("trial_days", F_NUM, trial_days),
    FR("followup_scale", F_STR, followup_scale),
};
/* clang-format on */

#define N_OF(a) (sizeof(a) / sizeof((a)[0]))

static void prior_init(struct pp_cov_prior *pr)
{
    memset(pr, 0, sizeof(*pr));
    pr->date = PP_DAY_NONE;
    pr->relief_pct = pr->relief_months = pr->baseline_pain = pr->followup_pain = NAN;
    pr->function_improvement_pct = pr->baseline_function = pr->followup_function = NAN;
    pr->medication_reduction_pct = pr->trial_days = NAN;
}

static enum pp_err decode(const cJSON *root, struct pp_cov_proposal *prop, struct pp_cov_history *h,
                          struct pp_cov_prior **priors, struct pp_diag *d)
{
    const cJSON *it, *arr;
    size_t i = 0;
    enum pp_err rc;

    if (!cJSON_IsObject(root))
        return pp_diag_set(d, PP_ERR_INPUT, "(top)", "expected a JSON object (see --example)");
    cJSON_ArrayForEach(it, root)
    {
        if (strcmp(it->string, "procedure") != 0 && strcmp(it->string, "history") != 0)
            return pp_diag_set(d, PP_ERR_INPUT, it->string, "unknown field");
    }
    it = cJSON_GetObjectItemCaseSensitive(root, "procedure");
    if (it &&
        (rc = decode_fields(it, "procedure", proposal_fields, N_OF(proposal_fields), prop, d)))
        return rc;
    it = cJSON_GetObjectItemCaseSensitive(root, "history");
    if (!it)
        return pp_diag_set(d, PP_ERR_INPUT, "history", "missing; expected an object");
    arr = cJSON_GetObjectItemCaseSensitive(it, "prior_procedures");
    rc = decode_fields(it, "history", history_fields, N_OF(history_fields), h, d);
    if (!rc && arr && !cJSON_IsArray(arr))
        rc = pp_diag_set(d, PP_ERR_INPUT, "history.prior_procedures", "expected an array");
    if (!rc && cJSON_GetArraySize(arr) > ELIG_MAX_PRIORS)
        rc = pp_diag_set(d, PP_ERR_INPUT, "history.prior_procedures", "at most %d procedures",
                         ELIG_MAX_PRIORS);
    *priors = pp_xcalloc((size_t)cJSON_GetArraySize(arr) + 1, sizeof(**priors));
    if (rc)
        return rc;
    cJSON_ArrayForEach(it, arr)
    {
        char path[48];
        snprintf(path, sizeof(path), "history.prior_procedures[%zu]", i);
        prior_init(&(*priors)[i]);
        if ((rc = decode_fields(it, path, prior_fields, N_OF(prior_fields), &(*priors)[i], d)))
            break;
        if (!(*priors)[i].entry || (*priors)[i].date == PP_DAY_NONE) {
            rc = pp_diag_set(d, PP_ERR_INPUT, path, "id and date are required");
            break;
        }
        i++;
    }
    h->priors = *priors;
    h->n_priors = i;
    return rc;
}

/* ---- output ---- */

static void add_day(struct pp_buf *b, pp_day day, bool json)
{
    char ds[11];
    if (day == PP_DAY_NONE) {
        pp_buf_adds(b, json ? "null" : "-");
        return;
    }
    pp_day_format(day, ds);
    if (json)
        pp_buf_add_json_str(b, ds);
    else
        pp_buf_adds(b, ds);
}

static void print_table(struct pp_buf *b, const struct pp_cov_proposal *prop,
                        const struct pp_cov_result *res, const struct pp_findings *f)
{
    pp_buf_addf(b, "eligibility: %s (%s), region %s, on ", prop->entry->id, prop->entry->name,
                res->region);
    add_day(b, prop->date, false);
    pp_buf_addf(b, "\nverdict:     %s", pp_cov_verdict_name(res->verdict));
    if (res->verdict == PP_COV_ELIGIBLE_LATER) {
        pp_buf_adds(b, " on ");
        add_day(b, res->eligible_on, false);
    }
    pp_buf_adds(b, "\n");
    for (size_t i = 0; i < res->n_checks; i++) {
        const struct pp_cov_check *k = &res->checks[i];
        pp_buf_addf(b, "  %-14s %-26s %s\n", pp_cov_status_name(k->status), k->row->id, k->reason);
    }
    pp_cli_findings_table(b, f);
}

static void print_json(struct pp_buf *b, const struct pp_cov_proposal *prop,
                       const struct pp_cov_result *res, const struct pp_findings *f)
{
    pp_buf_adds(b, "{\"procedure\": ");
    pp_buf_add_json_str(b, prop->entry->id);
    pp_buf_adds(b, ", \"date\": ");
    add_day(b, prop->date, true);
    pp_buf_adds(b, ", \"region\": ");
    pp_buf_add_json_str(b, res->region);
    pp_buf_adds(b, ", \"families\": [");
    for (size_t k = 0; res->names[k]; k++) {
        pp_buf_adds(b, k ? ", " : "");
        pp_buf_add_json_str(b, res->names[k]);
    }
    pp_buf_adds(b, "],\n \"verdict\": ");
    pp_buf_add_json_str(b, pp_cov_verdict_name(res->verdict));
    pp_buf_addf(b, ", \"eligible\": %s, \"eligible_on\": ",
                res->verdict == PP_COV_ELIGIBLE ? "true" : "false");
    add_day(b, res->verdict == PP_COV_ELIGIBLE ? prop->date : res->eligible_on, true);
    pp_buf_adds(b, ",\n \"criteria\": [");
    for (size_t i = 0; i < res->n_checks; i++) {
        const struct pp_cov_check *k = &res->checks[i];
        pp_buf_adds(b, i ? ",\n  {\"rule\": " : "\n  {\"rule\": ");
        pp_buf_add_json_str(b, k->row->id);
        pp_buf_adds(b, ", \"title\": ");
        pp_buf_add_json_str(b, k->row->title);
        pp_buf_adds(b, ", \"kind\": ");
        pp_buf_add_json_str(b, pp_cov_kind_name(k->row->kind));
        pp_buf_adds(b, ", \"status\": ");
        pp_buf_add_json_str(b, pp_cov_status_name(k->status));
        pp_buf_adds(b, ", \"reason\": ");
        pp_buf_add_json_str(b, k->reason);
        pp_buf_adds(b, ", \"eligible_on\": ");
        add_day(b, k->eligible_on, true);
        pp_buf_adds(b, ", \"policy_keys\": ");
        pp_buf_add_json_str(b, k->row->policy_keys);
        pp_buf_adds(b, ", \"source\": ");
        pp_buf_add_json_str(b, k->row->source);
        pp_buf_adds(b, "}");
    }
    pp_buf_adds(b, "],\n \"findings\": ");
    pp_cli_findings_json(b, f);
    pp_buf_adds(b, "}\n");
}

/* Load --criteria FILE into `t` (already the default table). */
static enum pp_err load_criteria(const char *path, struct pp_cov_table *t,
                                 const struct pp_policy *p, struct pp_diag *d)
{
    struct pp_buf in;
    const char *name = path;
    enum pp_err rc;
    pp_buf_init(&in, CRITERIA_INPUT_MAX);
    rc = pp_cli_read_input(path, &in, &name, d);
    if (!rc)
        rc = pp_coverage_table_load_json(t, in.data, in.len, name, p, d);
    pp_buf_release(&in);
    return rc;
}

static int run(const struct pp_proc_entry *e, const char *path, const char *criteria,
               const struct pp_cli_opts *o)
{
    const char *name = PP_CLI_STDIN_NAME;
    struct pp_cov_proposal prop;
    struct pp_cov_history h;
    struct pp_cov_prior *priors = NULL;
    struct pp_cov_result res;
    struct pp_cov_table t;
    struct pp_findings fs;
    struct pp_buf in, out;
    struct pp_diag d;
    cJSON *root = NULL;
    enum pp_err rc = PP_OK;
    int exit_code;

    memset(&prop, 0, sizeof(prop));
    memset(&h, 0, sizeof(h));
    memset(&res, 0, sizeof(res));
    prop.entry = e;
    prop.date = o->now;
    prop.guidance = PP_GUIDE_FLUORO;
    h.pain_onset = h.conservative_start = h.imaging_date = h.psych_eval_date = PP_DAY_NONE;
    h.provocation_positive = -1;
    pp_diag_clear(&d);
    pp_findings_init(&fs);
    pp_coverage_table_default(&t);
    pp_buf_init(&in, ELIG_INPUT_MAX);
    pp_buf_init(&out, PP_BUF_UNLIMITED);
    if (criteria)
        rc = load_criteria(criteria, &t, &o->policy, &d);
    if (!rc) {
        rc = pp_cli_read_input(path, &in, &name, &d);
        if (!rc)
            rc = pp_json_parse(in.data, in.len, name, &root, &d);
        if (!rc) {
            rc = decode(root, &prop, &h, &priors, &d);
            if (!rc)
                rc = pp_coverage_evaluate(&t, &prop, &h, &o->policy, &res, &fs, &d);
            if (rc)
                pp_diag_prefix_file(&d, name);
        }
    }
    if (rc) {
        pp_cli_print_diag("eligibility", &d);
        exit_code = pp_err_exit_code(rc);
        goto out;
    }
    if (o->format == PP_FORMAT_JSON)
        print_json(&out, &prop, &res, &fs);
    else
        print_table(&out, &prop, &res, &fs);
    fputs(out.data, stdout);
    exit_code = res.verdict == PP_COV_ELIGIBLE ? 0 : 1;
out:
    pp_coverage_result_release(&res);
    pp_coverage_table_release(&t);
    free(priors);
    cJSON_Delete(root);
    pp_buf_release(&in);
    pp_buf_release(&out);
    pp_findings_release(&fs);
    return exit_code;
}

/* What the command line asked for. */
struct args {
    const char *id, *path, *criteria;
};

/* Print "painpath eligibility: <what>" and the usage on stderr; the usage exit code. */
static int usage_error(const char *fmt, const char *x, const char *y) PP_PRINTF(1, 0);
static int usage_error(const char *fmt, const char *x, const char *y)
{
    fputs("painpath eligibility: ", stderr);
    fprintf(stderr, fmt, x, y);
    fputc('\n', stderr);
    usage(stderr);
    return 2;
}

/* Read argv into `a` and `o`: -1 to go on and run, else the exit code to return now. */
static int parse_args(int argc, char **argv, struct pp_cli_opts *o, struct args *a)
{
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        int taken;
        if (!strcmp(arg, "--help") || !strcmp(arg, "-h"))
            return usage(stdout), 0;
        if (!strcmp(arg, "--example"))
            return fputs(example, stdout), 0;
        if (!strcmp(arg, "--criteria") && i + 1 < argc) {
            a->criteria = argv[++i];
            continue;
        }
        taken = pp_cli_opts_take(o, argc, argv, &i, "eligibility");
        if (taken < 0)
            return 2;
        if (taken > 0)
            continue;
        if (arg[0] == '-' && arg[1])
            return usage_error("unknown option or missing value '%s'", arg, "");
        if (!a->id)
            a->id = arg;
        else if (!a->path)
            a->path = arg;
        else
            return usage_error("one input only ('%s' and '%s')", a->path, arg);
    }
    if (!a->id)
        return usage_error("PROCEDURE-ID missing%s%s", "", "");
    return -1;
}

int pp_cmd_eligibility(int argc, char **argv)
{
    struct pp_cli_opts o;
    struct args a = {NULL, NULL, NULL};
    const struct pp_proc_entry *e = NULL;
    int rc;

    pp_cli_opts_init(&o);
    rc = parse_args(argc, argv, &o, &a);
    if (rc < 0 && !(e = pp_procedure_by_id(a.id))) {
        fprintf(stderr, "painpath eligibility: unknown procedure '%s' (see painpath procedures)\n",
                a.id);
        rc = 2;
    }
    if (rc < 0 && pp_cli_opts_load(&o, "eligibility") != PP_OK)
        rc = 2;
    if (rc < 0)
        rc = run(e, a.path, a.criteria, &o);
    pp_cli_opts_release(&o);
    return rc;
}
