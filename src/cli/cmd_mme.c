/*
 * cmd_mme.c — `painpath mme`: MME per order and per patient. The JSON form
 * is a contract for users' scripts (README.md); keep its keys stable.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/common.h"
#include "cli/run.h"
#include "clinical/mme.h"
#include "util/alloc.h"

static void usage(FILE *out)
{
    fprintf(out,
            "usage: painpath mme [--now YYYY-MM-DD] [--format table|json] [--policy FILE]\n"
            "                    [--valuesets DIR] [--threads N] PATH...\n"
            "MME/day per opioid order and per patient (CDC 2022 clinical table by default).\n"
            "PATH: FHIR Bundle or resource (.json), NDJSON (.ndjson), or a directory of these.\n");
}

static const char *order_rxnorm(const struct pp_medication *m)
{
    return pp_concept_code(&m->code, PP_SYS_RXNORM);
}

static const char *order_name(const struct pp_medication *m)
{
    for (size_t i = 0; i < m->code.n_codings; i++)
        if (m->code.codings[i].display && m->code.codings[i].system &&
            strcmp(m->code.codings[i].system, PP_SYS_RXNORM) == 0)
            return m->code.codings[i].display;
    return pp_concept_label(&m->code);
}

static void mme_json(struct pp_buf *b, const struct pp_record *r, const struct pp_mme_result *res)
{
    pp_buf_adds(b, "{\"patient\": ");
    pp_cli_json_str_or_null(b, r->patient.id);
    pp_buf_adds(b, ", \"total_mme_per_day\": ");
    pp_cli_json_num_or_null(b, res->total);
    pp_buf_adds(b, res->complete ? ", \"complete\": true" : ", \"complete\": false");
    pp_buf_adds(b, ", \"orders\": [");
    for (size_t i = 0; i < res->n_orders; i++) {
        const struct pp_mme_order *o = &res->orders[i];
        pp_buf_adds(b, i ? ", {\"id\": " : "{\"id\": ");
        pp_cli_json_str_or_null(b, o->med->id);
        pp_buf_adds(b, ", \"rxnorm\": ");
        pp_cli_json_str_or_null(b, order_rxnorm(o->med));
        pp_buf_adds(b, ", \"name\": ");
        pp_cli_json_str_or_null(b, order_name(o->med));
        pp_buf_adds(b, ", \"status\": ");
        pp_buf_add_json_str(b, pp_mme_status_name(o->status));
        pp_buf_adds(b, ", \"daily_dose\": ");
        if (isfinite(o->daily_dose)) {
            pp_buf_adds(b, "{\"value\": ");
            pp_buf_add_num2(b, o->daily_dose);
            pp_buf_adds(b, ", \"unit\": ");
            pp_buf_add_json_str(b, o->daily_dose_unit);
            pp_buf_adds(b, "}");
        } else {
            pp_buf_adds(b, "null");
        }
        pp_buf_adds(b, ", \"factor\": ");
        pp_cli_json_num_or_null(b, o->factor);
        pp_buf_adds(b, ", \"mme_per_day\": ");
        pp_cli_json_num_or_null(b, o->mme_per_day);
        pp_buf_adds(b, ", \"reason\": ");
        pp_buf_add_json_str(b, o->reason);
        pp_buf_adds(b, "}");
    }
    pp_buf_adds(b, "]}\n");
}

static void table(struct pp_buf *b, const struct pp_record *r, const struct pp_mme_result *res)
{
    pp_buf_addf(b, "%s  total ", r->patient.id ? r->patient.id : "(no id)");
    if (isfinite(res->total)) {
        pp_buf_add_num2(b, res->total);
        pp_buf_adds(b, " MME/day");
    } else {
        pp_buf_adds(b, res->n_orders ? "unknown" : "none (no opioid orders)");
    }
    pp_buf_adds(b, res->complete ? "\n" : "  [incomplete: an active opioid order has no MME]\n");
    for (size_t i = 0; i < res->n_orders; i++) {
        const struct pp_mme_order *o = &res->orders[i];
        char mme[32] = "-";
        if (isfinite(o->mme_per_day))
            snprintf(mme, sizeof(mme), "%.2f", o->mme_per_day);
        pp_buf_addf(b, "  %-22.22s %-20s %9s  %.60s\n", o->med->id ? o->med->id : "(no id)",
                    pp_mme_status_name(o->status), mme, order_name(o->med));
        pp_buf_addf(b, "  %-22s %-20s %9s  %s\n", "", "", "", o->reason);
    }
}

static int per_patient(const struct pp_record *r, const struct pp_cli_opts *opts,
                       struct pp_buf *out)
{
    struct pp_mme_result res;

    pp_mme_result_init(&res);
    if (pp_mme_compute(r, opts->now, &opts->policy, &opts->codes, &res) != PP_OK) {
        pp_mme_result_release(&res);
        return 1;
    }
    if (opts->format == PP_FORMAT_JSON)
        mme_json(out, r, &res);
    else
        table(out, r, &res);
    pp_mme_result_release(&res);
    return 0;
}

int pp_cmd_mme(int argc, char **argv)
{
    static const struct pp_cli_spec spec = {"mme", usage, NULL, NULL, per_patient};
    return pp_cli_main(&spec, argc, argv);
}
