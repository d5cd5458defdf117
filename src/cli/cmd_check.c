/*
 * cmd_check.c — `painpath check`: every opioid-safety finding (CDC 2022 and
 * the practice's policy) for each patient, reviewing the active orders as the
 * patient-view service does. JSON form: one line per patient.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/common.h"
#include "cli/run.h"
#include "clinical/finding.h"
#include "clinical/mme.h"
#include "clinical/opioid.h"
#include "util/alloc.h"

static void usage(FILE *out)
{
    fprintf(out, "usage: painpath check [--now YYYY-MM-DD] [--format table|json] [--policy FILE]\n"
                 "                      [--valuesets DIR] [--threads N] PATH...\n"
                 "All opioid-safety findings (CDC 2022 + practice policy) for each patient.\n"
                 "Exit code 1 when any finding is critical.\n");
}

static int per_patient(const struct pp_record *r, const struct pp_cli_opts *opts,
                       struct pp_buf *out)
{
    struct pp_mme_result res;
    struct pp_findings fs;
    struct pp_opioid_context ctx = {PP_OPIOID_PATIENT_VIEW, NULL, 0};
    int critical = 0;

    pp_mme_result_init(&res);
    pp_findings_init(&fs);
    if (pp_mme_compute(r, opts->now, &opts->policy, &opts->codes, &res) != PP_OK) {
        critical = 1;
        goto out;
    }
    pp_opioid_evaluate(r, opts->now, &opts->policy, &opts->terms, &res, &ctx, &fs);
    critical = pp_cli_findings_critical(&fs);
    if (opts->format == PP_FORMAT_JSON) {
        pp_buf_adds(out, "{\"patient\": ");
        pp_cli_json_str_or_null(out, r->patient.id);
        pp_buf_adds(out, ", \"total_mme_per_day\": ");
        pp_cli_json_num_or_null(out, res.total);
        pp_buf_adds(out, res.complete ? ", \"complete\": true" : ", \"complete\": false");
        pp_buf_adds(out, ", \"findings\": ");
        pp_cli_findings_json(out, &fs);
        pp_buf_adds(out, "}\n");
    } else {
        pp_buf_addf(out, "%s  MME/day ", r->patient.id ? r->patient.id : "(no id)");
        if (isfinite(res.total))
            pp_buf_add_num2(out, res.total);
        else
            pp_buf_adds(out, res.n_orders ? "unknown" : "none");
        pp_buf_adds(out, res.complete ? "" : " (incomplete)");
        pp_buf_addf(out, "  %zu finding%s\n", fs.n, fs.n == 1 ? "" : "s");
        pp_cli_findings_table(out, &fs);
        pp_buf_adds(out, "\n");
    }
out:
    pp_findings_release(&fs);
    pp_mme_result_release(&res);
    return critical;
}

int pp_cmd_check(int argc, char **argv)
{
    static const struct pp_cli_spec spec = {"check", usage, NULL, NULL, per_patient};
    return pp_cli_main(&spec, argc, argv);
}
