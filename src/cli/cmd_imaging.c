/*
 * cmd_imaging.c — `painpath imaging`: one low back or neck imaging order with
 * its clinical context (the JSON of docs/cli-imaging.md) -> the ACR variant,
 * the sheet's rating, the verdict, the urgency and every reason. Reads, calls
 * clinical/imaging.c, prints; no rules here.
 */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/common.h"
#include "cli/run.h"
#include "clinical/finding.h"
#include "clinical/imaging.h"
#include "util/buf.h"

#define INPUT_MAX (1024 * 1024)

static const char EXAMPLE[] =
    "{\n"
    "  \"region\": \"lumbar\",\n"
    "  \"modality\": \"mri_without_contrast\",\n"
    "  \"onset\": \"2026-09-01\",\n"
    "  \"conservative_care_start\": \"2026-09-08\",\n"
    "  \"candidate_for_surgery_or_intervention\": true,\n"
    "  \"improving\": false,\n"
    "  \"prior_surgery_new_symptoms\": false,\n"
    "  \"red_flags\": {\n"
    "    \"urinary_retention\": false, \"fecal_incontinence\": false,\n"
    "    \"saddle_anesthesia\": false, \"bilateral_sciatica\": false,\n"
    "    \"bilateral_leg_deficit\": false, \"cancer_history\": false,\n"
    "    \"unexplained_weight_loss\": false, \"fever\": false, \"iv_drug_use\": false,\n"
    "    \"immunosuppression\": false, \"major_trauma\": false,\n"
    "    \"minor_trauma_osteoporosis_or_steroids\": false,\n"
    "    \"major_motor_weakness\": false, \"progressive_deficit\": false\n"
    "  }\n"
    "}\n";

static void usage(FILE *out)
{
    fprintf(out,
            "usage: painpath imaging [--now YYYY-MM-DD] [--example] [--format table|json]\n"
            "                        [--policy FILE] [FILE|-]\n"
            "Is a low back or neck imaging order appropriate (CLINICAL-FACTS §5: ACR Low Back\n"
            "Pain 2021 variants 1-7, ACP, NICE)? Input: the JSON of docs/cli-imaging.md; '-'\n"
            "or no FILE reads stdin. Verdict: appropriate, usually_not_appropriate, review or\n"
            "urgent. Exit code 0 appropriate or review, 1 usually_not_appropriate or urgent,\n"
            "2 bad input.\n");
}

static void out_json(struct pp_buf *b, const struct pp_imaging_input *in,
                     const struct pp_imaging_result *res, const struct pp_findings *f)
{
    char day[11];
    pp_buf_adds(b, "{\"region\": ");
    pp_buf_add_json_str(b, pp_imaging_region_name(in->region));
    pp_buf_adds(b, ", \"modality\": ");
    pp_buf_add_json_str(b, pp_imaging_modality_name(in->modality));
    pp_buf_adds(b, ", \"acr_variant\": ");
    if (res->acr_variant)
        pp_buf_addf(b, "%d", res->acr_variant);
    else
        pp_buf_adds(b, "null");
    pp_buf_adds(b, ", \"rating\": ");
    pp_buf_add_json_str(b, pp_imaging_rating_name(res->rating));
    pp_buf_adds(b, ", \"rating_text\": ");
    pp_buf_add_json_str(b, pp_imaging_rating_text(res->rating));
    pp_buf_adds(b, ", \"verdict\": ");
    pp_buf_add_json_str(b, pp_imaging_verdict_name(res->verdict));
    pp_buf_adds(b, ", \"urgency\": ");
    pp_buf_add_json_str(b, pp_imaging_urgency_name(res->urgency));
    pp_buf_adds(b, ", \"preferred_study\": ");
    pp_cli_json_str_or_null(b, res->preferred);
    pp_buf_addf(b, ", \"pain_weeks\": %d, \"conservative_weeks\": ", res->pain_weeks);
    if (res->conservative_weeks >= 0)
        pp_buf_addf(b, "%d", res->conservative_weeks);
    else
        pp_buf_adds(b, "null");
    pp_buf_adds(b, ", \"review_date\": ");
    pp_day_format(res->review_date, day);
    pp_cli_json_str_or_null(b, res->review_date == PP_DAY_NONE ? NULL : day);
    pp_buf_adds(b, ", \"findings\": ");
    pp_cli_findings_json(b, f);
    pp_buf_adds(b, "}\n");
}

static void out_table(struct pp_buf *b, const struct pp_imaging_input *in,
                      const struct pp_imaging_result *res, const struct pp_findings *f)
{
    char day[11];
    pp_buf_addf(b, "order        %s, %s\n", pp_imaging_region_name(in->region),
                pp_imaging_modality_name(in->modality));
    if (res->acr_variant)
        pp_buf_addf(b, "ACR variant  %d (Low Back Pain 2021)\n", res->acr_variant);
    else
        pp_buf_adds(b, "ACR variant  none\n");
    pp_buf_addf(b, "rating       %s\n", pp_imaging_rating_text(res->rating));
    pp_buf_addf(b, "verdict      %s\n", pp_imaging_verdict_name(res->verdict));
    pp_buf_addf(b, "urgency      %s\n", pp_imaging_urgency_name(res->urgency));
    if (res->preferred)
        pp_buf_addf(b, "study        %s\n", res->preferred);
    if (res->review_date != PP_DAY_NONE) {
        pp_day_format(res->review_date, day);
        pp_buf_addf(b, "review date  %s\n", day);
    }
    pp_buf_adds(b, "reasons\n");
    pp_cli_findings_table(b, f);
}

/* The command's input and result (pp_cli_run_module's ctx). */
struct imaging_run {
    struct pp_imaging_input in;
    struct pp_imaging_result res;
};

static enum pp_err read_input(const char *text, size_t len, const char *name, void *ctx,
                              struct pp_diag *d)
{
    struct imaging_run *r = ctx;
    return pp_imaging_input_from_json(text, len, name, &r->in, d);
}

static enum pp_err evaluate(void *ctx, const struct pp_cli_opts *o, struct pp_findings *f,
                            struct pp_diag *d)
{
    struct imaging_run *r = ctx;
    return pp_imaging_evaluate(&r->in, o->now, &o->policy, f, &r->res, d);
}

static void write_out(struct pp_buf *out, const void *ctx, const struct pp_findings *f, bool json)
{
    const struct imaging_run *r = ctx;
    if (json)
        out_json(out, &r->in, &r->res, f);
    else
        out_table(out, &r->in, &r->res, f);
}

static int exit_code(const void *ctx)
{
    const struct imaging_run *r = ctx;
    return r->res.verdict == PP_VERDICT_NOT_APPROPRIATE || r->res.verdict == PP_VERDICT_URGENT;
}

static int run(const char *path, const struct pp_cli_opts *o)
{
    static const struct pp_cli_module module = {"imaging", INPUT_MAX, read_input,
                                                evaluate,  write_out, exit_code};
    struct imaging_run r;
    return pp_cli_run_module(&module, path, o, &r);
}

int pp_cmd_imaging(int argc, char **argv)
{
    static const struct pp_cli_spec spec = {"imaging", usage, EXAMPLE, run, NULL};
    return pp_cli_main(&spec, argc, argv);
}
