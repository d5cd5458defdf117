/*
 * careplan_out.c — a proposed multimodal plan (clinical/careplan.h) as a draft FHIR
 * CarePlan (status draft, intent proposal): what `painpath plan --format json` and the
 * server's Patient/$care-plan both write. JSON text only; no clock, SQL or HTTP.
 */
#include "fhir/careplan_out.h"

#include <math.h>
#include <string.h>

#include "clinical/procedures.h"

static void str_or_null(struct pp_buf *b, const char *s)
{
    if (s)
        pp_buf_add_json_str(b, s);
    else
        pp_buf_adds(b, "null");
}

static void num_or_null(struct pp_buf *b, double v)
{
    if (isfinite(v))
        pp_buf_add_num2(b, v);
    else
        pp_buf_adds(b, "null");
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
        pp_buf_add_json_day(b, it->due);
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
void pp_fhir_careplan_write(struct pp_buf *b, const struct pp_record *r, pp_day now,
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
    pp_buf_add_json_day(b, now);
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
        str_or_null(b, it->goal_loinc);
        pp_buf_adds(b, "}]}, \"detailQuantity\": {\"value\": ");
        num_or_null(b, it->goal_target);
        pp_buf_adds(b, ", \"comparator\": \"<=\"}, \"dueDate\": ");
        pp_buf_add_json_day(b, it->due);
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
        str_or_null(b, fs->items[it->finding].detail);
        pp_buf_adds(b, "}");
        first = false;
    }
    pp_buf_adds(b, "]}");
}
