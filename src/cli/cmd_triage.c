/*
 * cmd_triage.c — `painpath triage`: one referral (the JSON of
 * docs/cli-triage.md) -> a disposition, the review date, what to bring and
 * every reason as a finding. Reads, calls clinical/triage.c, prints; no rules here.
 */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/common.h"
#include "cli/run.h"
#include "clinical/candidacy.h"
#include "clinical/finding.h"
#include "clinical/triage.h"
#include "fhir/referral.h"
#include "util/buf.h"

#define INPUT_MAX (1024 * 1024)

static const char EXAMPLE[] =
    "{\n"
    "  \"referral_source\": \"primary_care\",\n"
    "  \"onset\": \"2026-10-20\",\n"
    "  \"course\": \"not_improving\",\n"
    "  \"conservative_care\": {\"rest\": \"2026-10-21\", \"otc_drugs\": \"2026-10-21\",\n"
    "                        \"physical_therapy\": \"2026-10-28\"},\n"
    "  \"nrs\": 6,\n"
    "  \"prevents_exercise_or_therapy\": false,\n"
    "  \"red_flags\": {\n"
    "    \"urinary_retention\": false, \"fecal_incontinence\": false,\n"
    "    \"saddle_anesthesia\": false, \"bilateral_sciatica\": false,\n"
    "    \"bilateral_leg_deficit\": false, \"cancer_history\": false,\n"
    "    \"unexplained_weight_loss\": false, \"fever\": false, \"iv_drug_use\": false,\n"
    "    \"immunosuppression\": false, \"major_trauma\": false,\n"
    "    \"minor_trauma_osteoporosis_or_steroids\": false,\n"
    "    \"major_motor_weakness\": false, \"progressive_deficit\": false\n"
    "  },\n"
    "  \"prior_imaging\": true,\n"
    "  \"prior_specialist\": false,\n"
    "  \"prior_spine_surgery\": null,\n"
    "  \"surgery_stance\": \"unsure\"\n"
    "}\n";

static void usage(FILE *out)
{
    fprintf(out, "usage: painpath triage [--now YYYY-MM-DD] [--example] [--format table|json]\n"
                 "                       [--policy FILE] [FILE|-]\n"
                 "Triage one referral: the triage JSON of docs/cli-triage.md, or FHIR (a Bundle\n"
                 "with a ServiceRequest and a QuestionnaireResponse, or the latter alone);\n"
                 "'-' or no FILE reads stdin. Disposition: "
                 "emergency, urgent, expedited,\n"
                 "interventional, primary_care or self_care, with every reason.\n"
                 "Exit code 1 for emergency or urgent (a red flag), 2 for bad input.\n");
}

static void out_json(struct pp_buf *b, const struct pp_triage_input *in,
                     const struct pp_triage_result *res, const struct pp_findings *f)
{
    size_t n = 0;
    pp_buf_adds(b, "{\"disposition\": ");
    pp_buf_add_json_str(b, pp_triage_disposition_name(res->disposition));
    pp_buf_adds(b, ", \"review_date\": ");
    pp_buf_add_json_day(b, res->review_date);
    pp_buf_adds(b, ", \"recovery_ends\": ");
    pp_buf_add_json_day(b, res->recovery_ends);
    pp_buf_adds(b, ", \"candidacy\": [");
    for (int c = 0; c < PP_CAND_COUNT; c++)
        if (res->candidacy & (1u << c)) {
            pp_buf_adds(b, n++ ? ", " : "");
            pp_buf_add_json_str(b, pp_candidacy_category_name((enum pp_candidacy_category)c));
        }
    pp_buf_adds(b, "], \"bring\": [");
    n = 0;
    for (unsigned bit = 1; bit <= PP_BRING_SCAN_REPORTS; bit <<= 1)
        if (res->bring & bit) {
            pp_buf_adds(b, n++ ? ", " : "");
            pp_buf_add_json_str(b, pp_triage_bring_label(bit));
        }
    pp_buf_adds(b, "], \"consult_letter_to\": ");
    pp_cli_json_str_or_null(b,
                            in->source == PP_REF_SELF ? NULL : pp_triage_source_name(in->source));
    pp_buf_adds(b, ", \"findings\": ");
    pp_cli_findings_json(b, f);
    pp_buf_adds(b, "}\n");
}

static void out_table(struct pp_buf *b, const struct pp_triage_input *in,
                      const struct pp_triage_result *res, const struct pp_findings *f)
{
    char day[11];

    pp_buf_addf(b, "disposition  %s\n", pp_triage_disposition_name(res->disposition));
    if (res->review_date != PP_DAY_NONE) {
        pp_day_format(res->review_date, day);
        pp_buf_addf(b, "review date  %s\n", day);
    }
    if (res->recovery_ends != PP_DAY_NONE) {
        pp_day_format(res->recovery_ends, day);
        pp_buf_addf(b, "recovering   until %s (after spine surgery)\n", day);
    }
    if (in->source != PP_REF_SELF)
        pp_buf_addf(b, "letter to    %s (referrer)\n", pp_triage_source_name(in->source));
    for (unsigned bit = 1; bit <= PP_BRING_SCAN_REPORTS; bit <<= 1)
        if (res->bring & bit)
            pp_buf_addf(b, "bring        %s\n", pp_triage_bring_label(bit));
    pp_buf_adds(b, "reasons\n");
    pp_cli_findings_table(b, f);
}
/* The command's input and result (pp_cli_run_module's ctx). */
struct triage_run {
    struct pp_triage_input in;
    struct pp_triage_result res;
};

static enum pp_err read_input(const char *text, size_t len, const char *name, void *ctx,
                              struct pp_diag *d)
{
    struct triage_run *r = ctx;
    return pp_fhir_referral_read(text, len, name, &r->in, d);
}

static enum pp_err evaluate(void *ctx, const struct pp_cli_opts *o, struct pp_findings *f,
                            struct pp_diag *d)
{
    struct triage_run *r = ctx;
    return pp_triage_evaluate(&r->in, o->now, &o->policy, f, &r->res, d);
}

static void write_out(struct pp_buf *out, const void *ctx, const struct pp_findings *f, bool json)
{
    const struct triage_run *r = ctx;
    if (json)
        out_json(out, &r->in, &r->res, f);
    else
        out_table(out, &r->in, &r->res, f);
}

static int exit_code(const void *ctx)
{
    const struct triage_run *r = ctx;
    return r->res.disposition >= PP_DISP_URGENT ? 1 : 0;
}

static int run(const char *path, const struct pp_cli_opts *o)
{
    static const struct pp_cli_module module = {"triage", INPUT_MAX, read_input,
                                                evaluate, write_out, exit_code};
    struct triage_run r;
    return pp_cli_run_module(&module, path, o, &r);
}

int pp_cmd_triage(int argc, char **argv)
{
    static const struct pp_cli_spec spec = {"triage", usage, EXAMPLE, run, NULL};
    return pp_cli_main(&spec, argc, argv);
}
