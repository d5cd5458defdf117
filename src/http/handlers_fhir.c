/*
 * handlers_fhir.c — the FHIR routes that need no store: the
 * CapabilityStatement, and Patient/$mme and Patient/$evaluate on a Bundle of
 * one patient sent in the body, answered as a Parameters resource. The
 * patient's data lives only for the request; nothing of it is logged.
 */
#include <math.h>
#include <stdio.h>

#include "clinical/finding.h"
#include "clinical/mme.h"
#include "clinical/opioid.h"
#include "fhir/load.h"
#include "fhir/patient_set.h"
#include "http/handlers.h"
#include "util/json.h"

/* What the server supports, and nothing more ("listing exactly what is
 * supported"): the REST interactions and search parameters of handlers_rest.c on its
 * resource types, transaction and batch, and Patient $mme / $evaluate. */
static const char capability_head[] =
    "{\"resourceType\": \"CapabilityStatement\", \"status\": \"active\", "
    "\"date\": \"2026-11-27\", \"publisher\": \"painpath\", \"kind\": \"instance\", "
    "\"software\": {\"name\": \"painpath\"}, "
    "\"implementation\": {\"description\": \"painpath clinic server: FHIR store, "
    "opioid-safety operations and CDS Hooks\"}, "
    "\"fhirVersion\": \"4.0.1\", \"format\": [\"application/fhir+json\", \"json\"], "
    "\"rest\": [{\"mode\": \"server\", "
    "\"documentation\": \"No authentication yet. Search also takes _count (capped at 1000), "
    "_offset (paging) and _sort (_lastUpdated, date, _id; '-' for descending); an unknown "
    "search parameter is a 400. Operations take a Bundle of one patient's resources in the "
    "body and answer a Parameters resource.\", "
    "\"interaction\": [{\"code\": \"transaction\"}, {\"code\": \"batch\"}], "
    "\"resource\": [";

void pp_http_handle_metadata(const struct pp_http_request *req, struct pp_http_response *res)
{
    (void)req;
    res->content_type = PP_HTTP_FHIR_JSON;
    pp_buf_add(&res->body, capability_head, sizeof(capability_head) - 1);
    pp_http_rest_capability(&res->body);
    pp_buf_adds(&res->body, "]}]}\n");
}

/* The body as a one-patient Bundle (or one resource). On success *r is the patient's record,
 * borrowed from `set`. Errors: PP_ERR_INPUT with the position or JSON path. */
static enum pp_err load_patient(const struct pp_http_request *req, struct pp_patient_set *set,
                                const struct pp_record **r, struct pp_diag *d)
{
    cJSON *root = NULL;
    enum pp_err rc = pp_json_parse(req->body, req->body_len, "request", &root, d);
    if (rc)
        return rc;
    rc = pp_fhir_load_json(set, root, "request", d);
    cJSON_Delete(root);
    if (rc)
        return rc;
    pp_fhir_patient_set_finish(set);
    if (set->n_records != 1)
        return pp_diag_set(d, PP_ERR_INPUT, "request",
                           "expected the resources of exactly one patient, found %zu patients",
                           set->n_records);
    *r = set->records[0];
    return PP_OK;
}

static const char *med_type(const struct pp_medication *m)
{
    switch (m->source) {
    case PP_MED_STATEMENT: return "MedicationStatement";
    case PP_MED_DISPENSE: return "MedicationDispense";
    case PP_MED_REQUEST: break;
    }
    return "MedicationRequest";
}

/* ", " between array elements: nothing right after the opening '['. */
static void open_part(struct pp_buf *b, const char *name)
{
    if (b->len && b->data[b->len - 1] != '[')
        pp_buf_adds(b, ", ");
    pp_buf_adds(b, "{\"name\": ");
    pp_buf_add_json_str(b, name);
}

static void part_str(struct pp_buf *b, const char *name, const char *type, const char *v)
{
    if (!v)
        return;
    open_part(b, name);
    pp_buf_addf(b, ", \"value%s\": ", type);
    pp_buf_add_json_str(b, v);
    pp_buf_adds(b, "}");
}

static void part_num(struct pp_buf *b, const char *name, double v)
{
    if (!isfinite(v))
        return;
    open_part(b, name);
    pp_buf_adds(b, ", \"valueDecimal\": ");
    pp_buf_add_num2(b, v);
    pp_buf_adds(b, "}");
}

/* {"name": name, "valueReference": {"reference": "type/id"}} (just id when type is NULL). */
static void part_ref(struct pp_buf *b, const char *name, const char *type, const char *id)
{
    struct pp_buf ref;

    pp_buf_init(&ref, PP_BUF_UNLIMITED);
    if (type)
        pp_buf_addf(&ref, "%s/", type);
    pp_buf_adds(&ref, id ? id : "");
    open_part(b, name);
    pp_buf_adds(b, ", \"valueReference\": {\"reference\": ");
    pp_buf_add_json_str(b, ref.data);
    pp_buf_adds(b, "}}");
    pp_buf_release(&ref);
}

/* Parameters: patient, totalMmePerDay (absent when none counted), complete, one `order` per
 * opioid order (medication, status, mmePerDay, factor, reason). */
static void write_mme(struct pp_buf *b, const struct pp_record *r, const struct pp_mme_result *m)
{
    pp_buf_adds(b, "{\"resourceType\": \"Parameters\", \"parameter\": [");
    part_ref(b, "patient", "Patient", r->patient.id);
    part_num(b, "totalMmePerDay", m->total);
    pp_buf_adds(b, m->complete ? ", {\"name\": \"complete\", \"valueBoolean\": true}"
                               : ", {\"name\": \"complete\", \"valueBoolean\": false}");
    for (size_t i = 0; i < m->n_orders; i++) {
        const struct pp_mme_order *o = &m->orders[i];
        open_part(b, "order");
        pp_buf_adds(b, ", \"part\": [");
        part_str(b, "status", "Code", pp_mme_status_name(o->status));
        if (o->med->id)
            part_ref(b, "medication", med_type(o->med), o->med->id);
        part_str(b, "name", "String", pp_concept_label(&o->med->code));
        part_num(b, "mmePerDay", o->mme_per_day);
        part_num(b, "factor", o->factor);
        part_str(b, "reason", "String", o->reason);
        pp_buf_adds(b, "]}");
    }
}

/* One `finding` parameter per finding: rule, severity, summary, detail, source, evidence
 * (references), suggestion (labels). */
static void write_findings(struct pp_buf *b, const struct pp_findings *f)
{
    for (size_t i = 0; i < f->n; i++) {
        const struct pp_finding *x = &f->items[i];
        open_part(b, "finding");
        pp_buf_adds(b, ", \"part\": [");
        part_str(b, "rule", "Code", x->rule_id);
        part_str(b, "severity", "Code", pp_severity_name(x->severity));
        part_str(b, "summary", "String", x->summary);
        part_str(b, "detail", "Markdown", x->detail);
        part_str(b, "source", "String", x->source);
        for (size_t k = 0; k < x->n_evidence; k++)
            part_ref(b, "evidence", NULL, x->evidence[k]);
        for (size_t k = 0; k < x->n_suggestions; k++)
            part_str(b, "suggestion", "String", x->suggestions[k].label);
        pp_buf_adds(b, "]}");
    }
}

static void patient_op(const struct pp_http_request *req, struct pp_http_response *res,
                       bool findings)
{
    struct pp_patient_set set;
    struct pp_mme_result mme;
    struct pp_findings fs;
    struct pp_diag d;
    const struct pp_record *r = NULL;
    enum pp_err rc;

    pp_fhir_patient_set_init(&set);
    pp_mme_result_init(&mme);
    pp_findings_init(&fs);
    pp_diag_clear(&d);
    rc = load_patient(req, &set, &r, &d);
    if (!rc)
        rc = pp_mme_compute(r, req->now, req->env->policy, req->env->codes, &mme);
    if (rc) {
        pp_http_fail(res, rc, &d);
        goto out;
    }
    res->content_type = PP_HTTP_FHIR_JSON;
    write_mme(&res->body, r, &mme);
    if (findings) {
        /* a chart review: every current order, as `painpath check` and patient-view do */
        struct pp_opioid_context ctx = {PP_OPIOID_PATIENT_VIEW, NULL, 0};
        pp_opioid_evaluate(r, req->now, req->env->policy, req->env->terms, &mme, &ctx, &fs);
        write_findings(&res->body, &fs);
    }
    pp_buf_adds(&res->body, "]}\n");
out:
    pp_findings_release(&fs);
    pp_mme_result_release(&mme);
    pp_fhir_patient_set_release(&set);
}

void pp_http_handle_patient_mme(const struct pp_http_request *req, struct pp_http_response *res)
{
    patient_op(req, res, false);
}

void pp_http_handle_patient_evaluate(const struct pp_http_request *req,
                                     struct pp_http_response *res)
{
    patient_op(req, res, true);
}
