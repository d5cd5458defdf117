/*
 * cmd_score.c — `painpath score INSTRUMENT`: score a questionnaire (FHIR
 * QuestionnaireResponse or plain answers JSON), print the score, band, flags
 * and the Observations to store; `--compare` gives responder status between
 * two scores. Decode -> clinical/instruments.c -> encode; no clinical logic here.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/common.h"
#include "cli/run.h"
#include "clinical/instruments.h"
#include "fhir/questionnaire.h"
#include "util/buf.h"
#include "util/json.h"

#define CMD "score"
#define MAX_INPUT ((size_t)4 << 20) /* a questionnaire is small; refuse anything huge */

static void usage(FILE *out)
{
    fprintf(out, "usage: painpath score INSTRUMENT [--format table|json] [--policy FILE] FILE|-\n"
                 "       painpath score INSTRUMENT --compare BASELINE FOLLOWUP\n"
                 "       painpath score INSTRUMENT --example[=fhir] | --items\n"
                 "Scores a FHIR QuestionnaireResponse or {\"instrument\", \"answers\"} JSON.\n"
                 "BASELINE and FOLLOWUP are input files or plain numbers (earlier totals).\n"
                 "INSTRUMENT: nrs peg phq2 phq9 gad2 gad7 bpi odi ndi ort ort-oud startback\n"
                 "(may be omitted when the plain JSON names it). Exit 1 on a critical flag.\n");
}

/* A valid plain answer set per instrument, for --example (enum pp_instrument order). */
static const char *const examples[PP_INSTR_COUNT] = {
    [PP_INSTR_NRS] = "{\"1\": 7}",
    [PP_INSTR_PEG] = "{\"1\": 7, \"2\": 6, \"3\": 5}",
    [PP_INSTR_PHQ2] = "{\"1\": 1, \"2\": 2}",
    [PP_INSTR_PHQ9] = "{\"1\": 2, \"2\": 2, \"3\": 1, \"4\": 2, \"5\": 1, \"6\": 1, \"7\": 1, "
                      "\"8\": 0, \"9\": 0, \"10\": 1}",
    [PP_INSTR_GAD2] = "{\"1\": 1, \"2\": 1}",
    [PP_INSTR_GAD7] = "{\"1\": 1, \"2\": 2, \"3\": 1, \"4\": 2, \"5\": 0, \"6\": 1, \"7\": 0}",
    [PP_INSTR_BPI] = "{\"3\": 8, \"4\": 3, \"5\": 6, \"6\": 5, \"9a\": 6, \"9b\": 5, \"9c\": 7, "
                     "\"9d\": 6, \"9e\": 3, \"9f\": 7, \"9g\": 6, \"8\": 30}",
    [PP_INSTR_ODI] = "{\"1\": 3, \"2\": 2, \"3\": 3, \"4\": 2, \"5\": 3, \"6\": 2, \"7\": 1, "
                     "\"8\": 2, \"9\": 2, \"10\": 3}",
    [PP_INSTR_NDI] = "{\"1\": 2, \"2\": 1, \"3\": 2, \"4\": 1, \"5\": 3, \"6\": 2, \"7\": 2, "
                     "\"8\": 1, \"9\": 2, \"10\": 2}",
    [PP_INSTR_ORT] = "{\"family_alcohol\": 1, \"family_illegal\": 0, \"family_rx\": 0, "
                     "\"personal_alcohol\": 0, \"personal_illegal\": 0, \"personal_rx\": 0, "
                     "\"age_16_45\": 1, \"preadolescent_sexual_abuse\": 0, "
                     "\"psych_add_ocd_bipolar_schizophrenia\": 0, \"psych_depression\": 1}",
    [PP_INSTR_ORT_OUD] = "{\"family_alcohol\": 1, \"family_illegal\": 0, \"family_rx\": 0, "
                         "\"personal_alcohol\": 0, \"personal_illegal\": 0, \"personal_rx\": 0, "
                         "\"age_16_45\": 1, \"psych_add_ocd_bipolar_schizophrenia\": 0, "
                         "\"psych_depression\": 1}",
    [PP_INSTR_STARTBACK] = "{\"1\": 1, \"2\": 0, \"3\": 1, \"4\": 1, \"5\": 0, \"6\": 1, \"7\": 0, "
                           "\"8\": 0, \"9\": 2}",
};

static int print_example(const struct pp_instrument_def *def, bool fhir)
{
    const char *answers = examples[def->id];
    cJSON *root = NULL, *v;
    struct pp_diag d;
    int i = 0;

    if (!fhir) {
        printf("{\"instrument\": \"%s\", %s\"subject\": \"Patient/example\", "
               "\"date\": \"2026-11-27\", \"answers\": %s}\n",
               def->key, def->id == PP_INSTR_ORT ? "\"sex\": \"female\", " : "", answers);
        return 0;
    }
    if (pp_json_parse(answers, strlen(answers), "example", &root, &d))
        return 1; /* our own literal: cannot happen */
    printf("{\"resourceType\": \"QuestionnaireResponse\", \"id\": \"example\", "
           "\"status\": \"completed\", \"subject\": {\"reference\": \"Patient/example\"}, "
           "\"authored\": \"2026-11-27\", \"item\": [");
    if (def->id == PP_INSTR_ORT)
        printf("{\"linkId\": \"sex\", \"answer\": [{\"valueCoding\": {\"code\": \"female\"}}]}");
    cJSON_ArrayForEach(v, root)
    {
        printf("%s{\"linkId\": \"%s\", \"answer\": [{\"valueInteger\": %d}]}",
               (i++ || def->id == PP_INSTR_ORT) ? ", " : "", v->string, v->valueint);
    }
    printf("]}\n");
    cJSON_Delete(root);
    return 0;
}

static int print_items(const struct pp_instrument_def *def)
{
    printf("%s (%s) — %s\n", def->title, def->key, def->source);
    printf("licence: %s\n", def->licence);
    if (def->stem)
        printf("stem: %s\n", def->stem);
    if (def->options)
        printf("answers: %s\n", def->options);
    if (!def->item_text_shipped)
        printf("item wording is not shipped (licensed instrument): ids and scoring only\n");
    for (size_t i = 0; i < def->n_items; i++) {
        const struct pp_instrument_item *it = &def->items[i];
        printf("  %-36s %3d-%-3d %-8s %s\n", it->id, it->min, it->max,
               it->scored ? "scored" : "unscored", it->text ? it->text : it->name);
    }
    return 0;
}

/* Read and parse FILE ('-' = stdin) into answers. Prints the diagnostic; returns exit code. */
static int load_answers(const char *path, const struct pp_instrument_def **def,
                        struct pp_instrument_answers *a, struct pp_questionnaire_meta *meta,
                        cJSON **root)
{
    struct pp_buf b;
    struct pp_diag d;
    const char *name;
    enum pp_err rc;

    pp_diag_clear(&d);
    pp_buf_init(&b, MAX_INPUT);
    rc = pp_cli_read_input(path, &b, &name, &d);
    if (!rc)
        rc = pp_json_parse(b.data, b.len, name, root, &d);
    if (!rc) {
        rc = pp_questionnaire_read(*root, *def, a, meta, &d);
        if (rc)
            pp_diag_prefix_file(&d, name);
        else
            *def = a->def;
    }
    pp_buf_release(&b);
    if (rc) {
        pp_cli_print_diag(CMD, &d);
        return rc == PP_ERR_INPUT ? 2 : pp_err_exit_code(rc);
    }
    return 0;
}

static void score_json(struct pp_buf *b, const struct pp_instrument_score *s,
                       const struct pp_instrument_answers *a)
{
    const struct pp_instrument_def *def = s->def;
    pp_buf_adds(b, "{\"instrument\": ");
    pp_buf_add_json_str(b, def->key);
    pp_buf_adds(b, ", \"title\": ");
    pp_buf_add_json_str(b, def->title);
    pp_buf_adds(b, ", \"total_name\": ");
    pp_buf_add_json_str(b, def->total_name);
    pp_buf_adds(b, ", \"total\": ");
    pp_buf_add_num2(b, s->total);
    pp_buf_addf(b, ", \"total_max\": %g, \"band\": ", def->total_max);
    pp_cli_json_str_or_null(b, s->band);
    pp_buf_adds(b, ", \"sub_name\": ");
    pp_cli_json_str_or_null(b, def->sub_name);
    pp_buf_adds(b, ", \"sub\": ");
    pp_cli_json_num_or_null(b, s->sub);
    pp_buf_addf(b, ", \"answered\": %zu, \"scored_items\": %zu, \"imputed\": %zu, \"skipped\": %zu",
                s->n_answered, s->n_scored, s->n_imputed, s->n_skipped);
    if (def->id == PP_INSTR_ORT)
        pp_buf_addf(b, ", \"sex\": \"%s\"", pp_instr_sex_name(a->sex));
    pp_buf_adds(b, ", \"loinc\": ");
    pp_cli_json_str_or_null(b, def->total_loinc);
    pp_buf_adds(b, ", \"panel_loinc\": ");
    pp_cli_json_str_or_null(b, def->panel_loinc);
    pp_buf_adds(b, ", \"loinc_note\": ");
    pp_cli_json_str_or_null(b, def->loinc_note);
    pp_buf_adds(b, ", \"sub_loinc\": ");
    pp_cli_json_str_or_null(b, def->sub_loinc);
    pp_buf_adds(b, "}");
}

static void score_table(struct pp_buf *b, const struct pp_instrument_score *s)
{
    const struct pp_instrument_def *def = s->def;
    pp_buf_addf(b, "%s %s ", def->title, def->total_name);
    pp_buf_add_num2(b, s->total);
    pp_buf_addf(b, " (0-%g)%s%s\n", def->total_max, s->band ? "  " : "", s->band ? s->band : "");
    if (def->sub_name && isfinite(s->sub)) {
        pp_buf_addf(b, "%s %s ", def->title, def->sub_name);
        pp_buf_add_num2(b, s->sub);
        pp_buf_adds(b, "\n");
    }
    pp_buf_addf(b, "items: %zu of %zu scored items answered", s->n_answered, s->n_scored);
    if (s->n_imputed)
        pp_buf_addf(b, ", %zu filled with the mean", s->n_imputed);
    if (s->n_skipped)
        pp_buf_addf(b, ", %zu skipped", s->n_skipped);
    pp_buf_adds(b, "\n");
    if (!def->total_loinc)
        pp_buf_addf(b, "LOINC: none (%s)\n", def->loinc_note);
    else if (def->panel_loinc)
        pp_buf_addf(b, "LOINC: %s (panel %s)\n", def->total_loinc, def->panel_loinc);
    else
        pp_buf_addf(b, "LOINC: %s\n", def->total_loinc);
    if (def->sub_name && isfinite(s->sub))
        pp_buf_addf(b, "LOINC of the %s: %s\n", def->sub_name,
                    def->sub_loinc ? def->sub_loinc : "none in CLINICAL-FACTS");
}

/* A scoring error names an item id: say where it lives in the input the user gave. */
static void item_where(struct pp_diag *d, const struct pp_questionnaire_meta *meta)
{
    char id[sizeof(d->where)];
    if (strcmp(d->where, "sex") == 0)
        return;
    if (!meta->is_response) {
        pp_diag_prefix(d, "answers");
        return;
    }
    snprintf(id, sizeof(id), "%s", d->where);
    snprintf(d->where, sizeof(d->where), "item[linkId=%.200s]", id);
}

static int run_score(const char *path, const struct pp_instrument_def *def,
                     const struct pp_cli_opts *o)
{
    struct pp_instrument_answers a;
    struct pp_questionnaire_meta meta;
    struct pp_instrument_score s;
    struct pp_findings f;
    struct pp_diag d;
    struct pp_buf out;
    cJSON *root = NULL;
    int rc = load_answers(path, &def, &a, &meta, &root);

    if (rc) {
        cJSON_Delete(root);
        return rc;
    }
    pp_findings_init(&f);
    pp_buf_init(&out, PP_BUF_UNLIMITED);
    pp_diag_clear(&d);
    if (pp_instrument_score(&a, &o->policy, &s, &f, &d)) {
        item_where(&d, &meta);
        pp_diag_prefix_file(&d, strcmp(path, "-") == 0 ? PP_CLI_STDIN_NAME : path);
        pp_cli_print_diag(CMD, &d);
        rc = 2;
        goto out;
    }
    if (o->format == PP_FORMAT_JSON) {
        pp_buf_adds(&out, "{\"score\": ");
        score_json(&out, &s, &a);
        pp_buf_adds(&out, ", \"findings\": ");
        pp_cli_findings_json(&out, &f);
        pp_buf_adds(&out, ", \"observations\": ");
        pp_questionnaire_observations(&out, &s, &meta);
        pp_buf_adds(&out, "}\n");
    } else {
        score_table(&out, &s);
        if (f.n)
            pp_buf_adds(&out, "flags:\n");
        pp_cli_findings_table(&out, &f);
    }
    fwrite(out.data, 1, out.len, stdout);
    rc = pp_cli_findings_critical(&f) ? 1 : 0;
out:
    pp_buf_release(&out);
    pp_findings_release(&f);
    cJSON_Delete(root);
    return rc;
}

/* BASELINE or FOLLOWUP: a plain number is a total already computed, else an input file. */
static int side_total(const char *arg, const struct pp_instrument_def **def,
                      const struct pp_cli_opts *o, struct pp_findings *f, double *total)
{
    struct pp_instrument_answers a;
    struct pp_questionnaire_meta meta;
    struct pp_instrument_score s;
    struct pp_diag d;
    cJSON *root = NULL;
    char *end = NULL;
    int rc;

    *total = strtod(arg, &end);
    if (end != arg && *end == '\0')
        return 0;
    rc = load_answers(arg, def, &a, &meta, &root);
    if (!rc) {
        pp_diag_clear(&d);
        if (pp_instrument_score(&a, &o->policy, &s, f, &d)) {
            item_where(&d, &meta);
            pp_diag_prefix_file(&d, arg);
            pp_cli_print_diag(CMD, &d);
            rc = 2;
        } else {
            *total = s.total;
        }
    }
    cJSON_Delete(root);
    return rc;
}

static int run_compare(const char *base_arg, const char *follow_arg,
                       const struct pp_instrument_def *def, const struct pp_cli_opts *o)
{
    struct pp_findings f;
    struct pp_instrument_change c;
    struct pp_diag d;
    struct pp_buf out;
    double base, follow;
    int rc;

    pp_findings_init(&f);
    pp_buf_init(&out, PP_BUF_UNLIMITED);
    pp_diag_clear(&d);
    rc = side_total(base_arg, &def, o, &f, &base);
    if (!rc)
        rc = side_total(follow_arg, &def, o, &f, &follow);
    if (rc)
        goto out;
    if (!def) {
        fprintf(stderr, "painpath score: --compare with two numbers needs the INSTRUMENT\n");
        rc = 2;
        goto out;
    }
    if (pp_instrument_compare(def, base, follow, &o->policy, &c, &f, &d)) {
        pp_cli_print_diag(CMD, &d);
        rc = 2;
        goto out;
    }
    if (o->format == PP_FORMAT_JSON) {
        pp_buf_adds(&out, "{\"instrument\": ");
        pp_buf_add_json_str(&out, def->key);
        pp_buf_adds(&out, ", \"baseline\": ");
        pp_buf_add_num2(&out, c.baseline);
        pp_buf_adds(&out, ", \"followup\": ");
        pp_buf_add_num2(&out, c.followup);
        pp_buf_adds(&out, ", \"change_points\": ");
        pp_buf_add_num2(&out, c.change_points);
        pp_buf_adds(&out, ", \"change_pct\": ");
        pp_cli_json_num_or_null(&out, c.change_pct);
        pp_buf_adds(&out, ", \"mcid_points\": ");
        pp_cli_json_num_or_null(&out, c.mcid_points);
        pp_buf_adds(&out, ", \"mcid_pct\": ");
        pp_cli_json_num_or_null(&out, c.mcid_pct);
        pp_buf_addf(&out, ", \"require_both\": %s, \"mcid_unconfirmed\": %s, \"mcid_source\": ",
                    c.require_both ? "true" : "false", c.mcid_unconfirmed ? "true" : "false");
        pp_buf_add_json_str(&out, c.mcid_source);
        pp_buf_adds(&out, ", \"status\": ");
        pp_buf_add_json_str(&out, pp_responder_name(c.status));
        pp_buf_adds(&out, ", \"findings\": ");
        pp_cli_findings_json(&out, &f);
        pp_buf_adds(&out, "}\n");
    } else {
        pp_buf_addf(&out, "%s ", def->title);
        pp_buf_add_num2(&out, c.baseline);
        pp_buf_adds(&out, " -> ");
        pp_buf_add_num2(&out, c.followup);
        pp_buf_adds(&out, ": change ");
        pp_buf_add_num2(&out, c.change_points);
        if (isfinite(c.change_pct)) {
            pp_buf_adds(&out, " points (");
            pp_buf_add_num2(&out, c.change_pct);
            pp_buf_adds(&out, "%)");
        } else {
            pp_buf_adds(&out, " points");
        }
        pp_buf_addf(&out, "\nstatus: %s\nMCID:", pp_responder_name(c.status));
        if (isfinite(c.mcid_points))
            pp_buf_addf(&out, " %g points", c.mcid_points);
        if (isfinite(c.mcid_points) && isfinite(c.mcid_pct))
            pp_buf_adds(&out, c.require_both ? " and" : " or");
        if (isfinite(c.mcid_pct))
            pp_buf_addf(&out, " %g%% of baseline", c.mcid_pct);
        pp_buf_addf(&out, " (%s%s)\n", c.mcid_source, c.mcid_unconfirmed ? ", unconfirmed" : "");
        if (f.n)
            pp_buf_adds(&out, "flags:\n");
        pp_cli_findings_table(&out, &f);
    }
    fwrite(out.data, 1, out.len, stdout);
    rc = pp_cli_findings_critical(&f) ? 1 : 0;
out:
    pp_buf_release(&out);
    pp_findings_release(&f);
    return rc;
}

int pp_cmd_score(int argc, char **argv)
{
    struct pp_cli_opts o;
    const struct pp_instrument_def *def = NULL;
    const char *file = NULL, *compare[2] = {NULL, NULL};
    int example = 0, items = 0, rc = 2;

    pp_cli_opts_init(&o);
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        int t;
        if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
            usage(stdout);
            rc = 0;
            goto out;
        }
        if (strcmp(arg, "--example") == 0 || strcmp(arg, "--example=fhir") == 0) {
            example = arg[9] ? 2 : 1;
            continue;
        }
        if (strcmp(arg, "--items") == 0) {
            items = 1;
            continue;
        }
        if (strcmp(arg, "--compare") == 0) {
            if (i + 2 >= argc) {
                fprintf(stderr, "painpath score: --compare needs BASELINE and FOLLOWUP\n");
                goto out;
            }
            compare[0] = argv[++i];
            compare[1] = argv[++i];
            continue;
        }
        t = pp_cli_opts_take(&o, argc, argv, &i, CMD);
        if (t < 0)
            goto out;
        if (t > 0)
            continue;
        if (arg[0] == '-' && arg[1] != '\0') {
            fprintf(stderr, "painpath score: unknown option '%s'\n", arg);
            usage(stderr);
            goto out;
        }
        if (!def && !file && pp_instrument_find(arg)) {
            def = pp_instrument_find(arg);
        } else if (!file) {
            file = arg;
        } else {
            fprintf(stderr, "painpath score: more than one input ('%s', '%s')\n", file, arg);
            goto out;
        }
    }
    if (example || items) {
        if (!def)
            def = pp_instrument_find("phq9");
        rc = example ? print_example(def, example == 2) : print_items(def);
        goto out;
    }
    if (pp_cli_opts_load(&o, CMD))
        goto out;
    if (compare[0]) {
        if (file) {
            fprintf(stderr, "painpath score: give either FILE or --compare, not both\n");
            goto out;
        }
        rc = run_compare(compare[0], compare[1], def, &o);
        goto out;
    }
    if (!file) {
        fprintf(stderr, "painpath score: no input; give FILE or - for stdin\n");
        usage(stderr);
        goto out;
    }
    rc = run_score(file, def, &o);
out:
    pp_cli_opts_release(&o);
    return rc;
}
