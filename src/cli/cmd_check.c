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
    struct pp_cli_opts o;
    char **paths = pp_xcalloc((size_t)argc + 1, sizeof(*paths));
    int n_paths = 0, rc;

    pp_cli_opts_init(&o);
    for (int i = 1; i < argc; i++) {
        int t;
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            usage(stdout);
            rc = 0;
            goto out;
        }
        t = pp_cli_opts_take(&o, argc, argv, &i, "check");
        if (t < 0) {
            rc = 2;
            goto out;
        }
        if (t == 0) {
            if (argv[i][0] == '-' && argv[i][1] != '\0') {
                fprintf(stderr, "painpath check: unknown option '%s'\n", argv[i]);
                usage(stderr);
                rc = 2;
                goto out;
            }
            paths[n_paths++] = argv[i];
        }
    }
    if (n_paths == 0) {
        fprintf(stderr, "painpath check: no input; give one or more FHIR files or directories\n");
        usage(stderr);
        rc = 2;
        goto out;
    }
    if (pp_cli_opts_load(&o, "check")) {
        rc = 2;
        goto out;
    }
    rc = pp_cli_run("check", paths, n_paths, &o, per_patient, NULL);
out:
    free(paths);
    pp_cli_opts_release(&o);
    return rc;
}
