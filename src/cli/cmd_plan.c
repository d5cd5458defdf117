/*
 * cmd_plan.c — `painpath plan`: a proposed multimodal plan (clinical/careplan.h)
 * for each patient of the FHIR input, as a table or, with --format json, one
 * JSON line per patient holding the PLAN-* findings and a draft FHIR CarePlan
 * (intent proposal). Decodes options, calls the clinical module, encodes.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/common.h"
#include "cli/run.h"
#include "clinical/careplan.h"
#include "clinical/procedures.h"
#include "fhir/careplan_out.h"
#include "util/alloc.h"

static void usage(FILE *out)
{
    fprintf(out,
            "usage: painpath plan [--now YYYY-MM-DD] [--example] [--format table|json]\n"
            "                     [--policy FILE] [--valuesets DIR] [--threads N] PATH...\n"
            "A proposed multimodal plan for each patient of the FHIR input (Bundle, NDJSON or\n"
            "directory): rehabilitation, pain psychology, non-opioid medication, interventions,\n"
            "referrals, goals, follow-up and the opioid stance. --format json adds a draft FHIR\n"
            "CarePlan. Exit code 1 when any finding is critical (a red flag).\n");
}

/* A patient with lumbar radiculopathy, chronic kidney disease, PHQ-9 12, PEG 6.3 and an
 * oxycodone order: shows psychology, an NSAID contraindication and the opioid follow-up. */
static const char example[] =
    "{\"resourceType\": \"Bundle\", \"type\": \"collection\", \"entry\": [\n"
    "  {\"resource\": {\"resourceType\": \"Patient\", \"id\": \"example\", \"gender\": \"female\","
    " \"birthDate\": \"1970-04-02\"}},\n"
    "  {\"resource\": {\"resourceType\": \"Condition\", \"id\": \"radic\", \"subject\":"
    " {\"reference\": \"Patient/example\"}, \"clinicalStatus\": {\"coding\": [{\"system\":"
    " \"http://terminology.hl7.org/CodeSystem/condition-clinical\", \"code\": \"active\"}]},"
    " \"code\": {\"coding\": [{\"system\": \"http://snomed.info/sct\", \"code\": \"128196005\","
    " \"display\": \"Lumbar radiculopathy\"}, {\"system\": \"http://hl7.org/fhir/sid/icd-10-cm\","
    " \"code\": \"M54.16\"}]}, \"onsetDateTime\": \"2026-06-01\"}},\n"
    "  {\"resource\": {\"resourceType\": \"Condition\", \"id\": \"ckd\", \"subject\":"
    " {\"reference\": \"Patient/example\"}, \"code\": {\"coding\": [{\"system\":"
    " \"http://hl7.org/fhir/sid/icd-10-cm\", \"code\": \"N18.3\", \"display\": \"Chronic kidney"
    " disease, stage 3\"}]}}},\n"
    "  {\"resource\": {\"resourceType\": \"Observation\", \"id\": \"phq9\", \"status\": \"final\","
    " \"subject\": {\"reference\": \"Patient/example\"}, \"code\": {\"coding\": [{\"system\":"
    " \"http://loinc.org\", \"code\": \"44261-6\"}]}, \"effectiveDateTime\": \"2026-11-20\","
    " \"valueQuantity\": {\"value\": 12}}},\n"
    "  {\"resource\": {\"resourceType\": \"Observation\", \"id\": \"peg\", \"status\": \"final\","
    " \"subject\": {\"reference\": \"Patient/example\"}, \"code\": {\"coding\": [{\"system\":"
    " \"http://loinc.org\", \"code\": \"91147-9\"}]}, \"effectiveDateTime\": \"2026-11-20\","
    " \"valueQuantity\": {\"value\": 6.3}}},\n"
    "  {\"resource\": {\"resourceType\": \"MedicationRequest\", \"id\": \"oxy\", \"status\":"
    " \"active\", \"intent\": \"order\", \"subject\": {\"reference\": \"Patient/example\"},"
    " \"medicationCodeableConcept\": {\"coding\": [{\"system\":"
    " \"http://www.nlm.nih.gov/research/umls/rxnorm\", \"code\": \"1049621\", \"display\":"
    " \"oxycodone hydrochloride 5 MG Oral Tablet\"}]}, \"authoredOn\": \"2026-11-20\","
    " \"dosageInstruction\": [{\"timing\": {\"repeat\": {\"frequency\": 1, \"period\": 6,"
    " \"periodUnit\": \"h\"}}, \"asNeededBoolean\": true, \"doseAndRate\": [{\"doseQuantity\":"
    " {\"value\": 1, \"unit\": \"tablet\"}}]}], \"dispenseRequest\": {\"expectedSupplyDuration\":"
    " {\"value\": 5, \"unit\": \"days\", \"system\": \"http://unitsofmeasure.org\", \"code\":"
    " \"d\"}, \"quantity\": {\"value\": 20}}}}\n"
    "]}\n";

static int per_patient(const struct pp_record *r, const struct pp_cli_opts *opts,
                       struct pp_buf *out)
{
    struct pp_plan *plan = pp_xcalloc(1, sizeof(*plan));
    struct pp_findings fs;
    int critical = 0;

    pp_findings_init(&fs);
    if (pp_careplan_propose(r, opts->now, &opts->policy, &opts->terms, &opts->codes, plan, &fs) !=
        PP_OK) {
        critical = 1;
        goto out;
    }
    critical = pp_cli_findings_critical(&fs);
    if (opts->format == PP_FORMAT_JSON) {
        bool first = true;
        pp_buf_adds(out, "{\"patient\": ");
        pp_cli_json_str_or_null(out, r->patient.id);
        pp_buf_adds(out, ", \"diagnoses\": [");
        for (unsigned bit = 1; bit && bit <= PP_PLAN_DX_SERIOUS; bit <<= 1) {
            if (!(plan->dx & bit))
                continue;
            pp_buf_adds(out, first ? "" : ", ");
            pp_buf_add_json_str(out, pp_plan_dx_name(bit));
            first = false;
        }
        pp_buf_adds(out, plan->on_opioid ? "], \"on_opioid\": true" : "], \"on_opioid\": false");
        pp_buf_adds(out, ", \"total_mme_per_day\": ");
        pp_cli_json_num_or_null(out, plan->total_mme);
        pp_buf_adds(out, ", \"items\": [");
        for (size_t i = 0; i < plan->n_items; i++) {
            const struct pp_plan_item *it = &plan->items[i];
            pp_buf_adds(out, i ? ", {\"rule\": " : "{\"rule\": ");
            pp_buf_add_json_str(out, it->rule_id);
            pp_buf_adds(out, ", \"kind\": ");
            pp_buf_add_json_str(out, pp_plan_kind_name(it->kind));
            pp_buf_adds(out, ", \"procedures\": [");
            for (size_t k = 0; k < PP_PLAN_MAX_PROCS && it->proc_ids[k]; k++) {
                pp_buf_adds(out, k ? ", " : "");
                pp_buf_add_json_str(out, it->proc_ids[k]);
            }
            pp_buf_adds(out, "], \"rxnorm\": ");
            pp_cli_json_str_or_null(out, it->rxnorm);
            pp_buf_adds(out, ", \"drug\": ");
            pp_cli_json_str_or_null(out, it->drug);
            pp_buf_adds(out, it->do_not_perform ? ", \"do_not_perform\": true"
                                                : ", \"do_not_perform\": false");
            pp_buf_adds(out, ", \"due\": ");
            pp_buf_add_json_day(out, it->due);
            pp_buf_adds(out, ", \"goal_target\": ");
            pp_cli_json_num_or_null(out, it->goal_target);
            pp_buf_adds(out, ", \"goal_loinc\": ");
            pp_cli_json_str_or_null(out, it->goal_loinc);
            pp_buf_adds(out, "}");
        }
        pp_buf_adds(out, "], \"findings\": ");
        pp_cli_findings_json(out, &fs);
        pp_buf_adds(out, ", \"careplan\": ");
        pp_fhir_careplan_write(out, r, opts->now, plan, &fs);
        pp_buf_adds(out, "}\n");
    } else {
        bool first = true;
        pp_buf_addf(out,
                    "%s  proposed plan; diagnoses: ", r->patient.id ? r->patient.id : "(no id)");
        for (unsigned bit = 1; bit && bit <= PP_PLAN_DX_SERIOUS; bit <<= 1) {
            if (!(plan->dx & bit))
                continue;
            pp_buf_addf(out, "%s%s", first ? "" : ", ", pp_plan_dx_name(bit));
            first = false;
        }
        pp_buf_adds(out, first ? "none" : "");
        if (plan->on_opioid) {
            pp_buf_adds(out, "; on opioids");
            if (isfinite(plan->total_mme)) {
                pp_buf_adds(out, " ");
                pp_buf_add_num2(out, plan->total_mme);
                pp_buf_adds(out, " MME/day");
            }
        }
        pp_buf_addf(out, "  %zu item%s\n", plan->n_items, plan->n_items == 1 ? "" : "s");
        pp_cli_findings_table(out, &fs);
        pp_buf_adds(out, "\n");
    }
out:
    pp_findings_release(&fs);
    free(plan);
    return critical;
}

int pp_cmd_plan(int argc, char **argv)
{
    static const struct pp_cli_spec spec = {"plan", usage, example, NULL, per_patient};
    return pp_cli_main(&spec, argc, argv);
}
