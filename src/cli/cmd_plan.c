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

static void json_day(struct pp_buf *b, pp_day d)
{
    char s[11];
    if (d == PP_DAY_NONE) {
        pp_buf_adds(b, "null");
        return;
    }
    pp_day_format(d, s);
    pp_buf_add_json_str(b, s);
}

static const char *detail_kind(const struct pp_plan_item *it)
{
    switch (it->kind) {
    case PP_PLAN_KIND_MEDICATION:
    case PP_PLAN_KIND_OPIOID: return "MedicationRequest";
    case PP_PLAN_KIND_FOLLOWUP: return "Appointment";
    default: return "ServiceRequest";
    }
}

/* One CarePlan.activity for item `it` (and catalogue entry `pe`, if any). */
static void activity(struct pp_buf *b, const struct pp_plan_item *it, const struct pp_finding *x,
                     const struct pp_proc_entry *pe, bool *first)
{
    pp_buf_adds(b, *first ? "{\"detail\": {\"kind\": " : ", {\"detail\": {\"kind\": ");
    *first = false;
    pp_buf_add_json_str(b, detail_kind(it));
    if (pe) {
        pp_buf_adds(b, ", \"code\": {");
        if (pe->cpt[0]) {
            pp_buf_adds(b, "\"coding\": [{\"system\": \"http://www.ama-assn.org/go/cpt\", "
                           "\"code\": ");
            pp_buf_add_json_str(b, pe->cpt[0]);
            pp_buf_adds(b, "}], ");
        }
        pp_buf_adds(b, "\"text\": ");
        pp_buf_add_json_str(b, pe->name);
        pp_buf_adds(b, "}");
    }
    if (!pe && !it->rxnorm && it->drug) {
        pp_buf_adds(b, ", \"code\": {\"text\": ");
        pp_buf_add_json_str(b, it->drug);
        pp_buf_adds(b, "}");
    }
    if (it->rxnorm) {
        pp_buf_adds(b, ", \"productCodeableConcept\": {\"coding\": [{\"system\": "
                       "\"http://www.nlm.nih.gov/research/umls/rxnorm\", \"code\": ");
        pp_buf_add_json_str(b, it->rxnorm);
        pp_buf_adds(b, ", \"display\": ");
        pp_buf_add_json_str(b, it->drug);
        pp_buf_adds(b, "}], \"text\": ");
        pp_buf_add_json_str(b, it->drug);
        pp_buf_adds(b, "}");
    }
    pp_buf_adds(b, ", \"reasonCode\": [{\"text\": ");
    pp_buf_add_json_str(b, it->rule_id);
    pp_buf_adds(b, "}]");
    {
        bool any = false;
        for (size_t i = 0; i < x->n_evidence; i++) {
            if (strncmp(x->evidence[i], "Condition/", 10) != 0 &&
                strncmp(x->evidence[i], "Observation/", 12) != 0)
                continue;
            pp_buf_adds(b, any ? ", {\"reference\": " : ", \"reasonReference\": [{\"reference\": ");
            pp_buf_add_json_str(b, x->evidence[i]);
            pp_buf_adds(b, "}");
            any = true;
        }
        if (any)
            pp_buf_adds(b, "]");
    }
    pp_buf_adds(b, ", \"status\": \"not-started\"");
    if (it->do_not_perform)
        pp_buf_adds(b, ", \"doNotPerform\": true");
    if (it->due != PP_DAY_NONE && it->kind == PP_PLAN_KIND_FOLLOWUP) {
        pp_buf_adds(b, ", \"scheduledPeriod\": {\"end\": ");
        json_day(b, it->due);
        pp_buf_adds(b, "}");
    }
    pp_buf_adds(b, ", \"description\": ");
    pp_buf_add_json_str(b, x->summary);
    pp_buf_adds(b, "}}");
}

/* Append the JSON string "<type>/<id>". */
static void json_ref(struct pp_buf *b, const char *type, const char *id)
{
    struct pp_buf t;
    pp_buf_init(&t, PP_BUF_UNLIMITED);
    pp_buf_addf(&t, "%s/%s", type, id);
    pp_buf_add_json_str(b, t.data);
    pp_buf_release(&t);
}

/* The draft FHIR CarePlan (status draft, intent proposal) of a plan: goals as contained Goal
 * resources, one activity per proposal (per catalogue entry for interventions), the opioid
 * stance as a note. */
static void careplan_json(struct pp_buf *b, const struct pp_record *r, pp_day now,
                          const struct pp_plan *plan, const struct pp_findings *fs)
{
    const char *pid = r->patient.id ? r->patient.id : "unknown";
    bool first = true;
    size_t n_goals = 0;

    pp_buf_adds(b, "{\"resourceType\": \"CarePlan\", \"status\": \"draft\", \"intent\": "
                   "\"proposal\", \"title\": \"Multimodal pain plan (proposed)\", "
                   "\"category\": [{\"text\": \"multimodal pain management\"}], "
                   "\"subject\": {\"reference\": ");
    json_ref(b, "Patient", pid);
    pp_buf_adds(b, "}, \"created\": ");
    json_day(b, now);
    pp_buf_adds(b, ", \"contained\": [");
    for (size_t i = 0; i < plan->n_items; i++) {
        const struct pp_plan_item *it = &plan->items[i];
        if (it->kind != PP_PLAN_KIND_GOAL || !isfinite(it->goal_target))
            continue;
        pp_buf_addf(b,
                    "%s{\"resourceType\": \"Goal\", \"id\": \"goal-%zu\", "
                    "\"lifecycleStatus\": \"proposed\", \"description\": {\"text\": ",
                    n_goals ? ", " : "", n_goals + 1);
        pp_buf_add_json_str(b, fs->items[it->finding].summary);
        pp_buf_adds(b, "}, \"subject\": {\"reference\": ");
        json_ref(b, "Patient", pid);
        pp_buf_adds(b, "}, \"target\": [{\"measure\": {\"coding\": [{\"system\": "
                       "\"http://loinc.org\", \"code\": ");
        pp_cli_json_str_or_null(b, it->goal_loinc);
        pp_buf_adds(b, "}]}, \"detailQuantity\": {\"value\": ");
        pp_cli_json_num_or_null(b, it->goal_target);
        pp_buf_adds(b, ", \"comparator\": \"<=\"}, \"dueDate\": ");
        json_day(b, it->due);
        pp_buf_adds(b, "}]}");
        n_goals++;
    }
    pp_buf_adds(b, "], \"goal\": [");
    for (size_t g = 0; g < n_goals; g++)
        pp_buf_addf(b, "%s{\"reference\": \"#goal-%zu\"}", g ? ", " : "", g + 1);
    pp_buf_adds(b, "], \"activity\": [");
    for (size_t i = 0; i < plan->n_items; i++) {
        const struct pp_plan_item *it = &plan->items[i];
        const struct pp_finding *x = &fs->items[it->finding];
        if (it->kind == PP_PLAN_KIND_GOAL)
            continue;
        if (it->kind == PP_PLAN_KIND_OPIOID && !it->rxnorm)
            continue; /* the stance is a note */
        if (it->proc_ids[0]) {
            for (size_t k = 0; k < PP_PLAN_MAX_PROCS && it->proc_ids[k]; k++)
                activity(b, it, x, pp_procedure_by_id(it->proc_ids[k]), &first);
        } else if (it->kind != PP_PLAN_KIND_PROCEDURE) {
            activity(b, it, x, NULL, &first);
        }
    }
    pp_buf_adds(b, "], \"note\": [");
    first = true;
    for (size_t i = 0; i < plan->n_items; i++) {
        const struct pp_plan_item *it = &plan->items[i];
        if (it->kind != PP_PLAN_KIND_OPIOID || it->rxnorm)
            continue;
        pp_buf_adds(b, first ? "{\"text\": " : ", {\"text\": ");
        pp_cli_json_str_or_null(b, fs->items[it->finding].detail);
        pp_buf_adds(b, "}");
        first = false;
    }
    pp_buf_adds(b, "]}");
}

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
            json_day(out, it->due);
            pp_buf_adds(out, ", \"goal_target\": ");
            pp_cli_json_num_or_null(out, it->goal_target);
            pp_buf_adds(out, ", \"goal_loinc\": ");
            pp_cli_json_str_or_null(out, it->goal_loinc);
            pp_buf_adds(out, "}");
        }
        pp_buf_adds(out, "], \"findings\": ");
        pp_cli_findings_json(out, &fs);
        pp_buf_adds(out, ", \"careplan\": ");
        careplan_json(out, r, opts->now, plan, &fs);
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
