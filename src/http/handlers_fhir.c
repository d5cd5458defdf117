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
#include "http/ops_int.h"
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
    "_offset (paging), _sort (comma-separated date, string or token parameters, _id, "
    "_lastUpdated; '-' for descending), _include and _revinclude; an unknown "
    "search parameter is a 400. Operations answer a Parameters resource: the type-level "
    "forms take the resources in the body (a Bundle), the instance-level forms read the "
    "store.\", "
    "\"interaction\": [{\"code\": \"transaction\"}, {\"code\": \"batch\"}], "
    "\"resource\": [";

/* The system-level operations: FHIR Bulk Data $export (handlers_export.c). */
#define CAPABILITY_EXPORT                                                                          \
    "{\"name\": \"export\", \"definition\": "                                                      \
    "\"http://hl7.org/fhir/uv/bulkdata/OperationDefinition/export\", \"documentation\": "          \
    "\"Bulk Data export of every live resource (GET or POST /fhir/$export, Prefer: "               \
    "respond-async; _type, _since, _outputFormat=application/fhir+ndjson).\"}, "                   \
    "{\"name\": \"patient-export\", \"definition\": "                                              \
    "\"http://hl7.org/fhir/uv/bulkdata/OperationDefinition/patient-export\", "                     \
    "\"documentation\": \"Bulk Data export of the Patient compartment at /fhir/Patient/$export "   \
    "(same parameters).\"}"

void pp_http_handle_metadata(const struct pp_http_request *req, struct pp_http_response *res)
{
    (void)req;
    res->content_type = PP_HTTP_FHIR_JSON;
    pp_buf_add(&res->body, capability_head, sizeof(capability_head) - 1);
    pp_http_rest_capability(&res->body);
    pp_buf_adds(&res->body, "], \"operation\": [" CAPABILITY_EXPORT "]}]}\n");
}

/* The body as a one-patient Bundle (or one resource). On success *r is the patient's record,
 * borrowed from `set`. Errors: PP_ERR_INPUT with the position or JSON path. */
static enum pp_err load_patient(const struct pp_http_request *req, struct pp_patient_set *set,
                                const struct pp_record **r, struct pp_diag *d)
{
    cJSON *root = NULL;
    enum pp_err rc = pp_json_parse_fast(req->body, req->body_len, "request", &root, d);
    if (rc)
        return rc;
    rc = pp_ops_one_record(set, root, r, d);
    cJSON_Delete(root);
    return rc;
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

/* Parameters: patient, totalMmePerDay (absent when none counted), complete, one `order` per
 * opioid order (medication, status, mmePerDay, factor, reason). */
static void write_mme(struct pp_buf *b, const struct pp_record *r, const struct pp_mme_result *m)
{
    pp_buf_adds(b, "{\"resourceType\": \"Parameters\", \"parameter\": [");
    pp_ops_ref(b, "patient", "Patient", r->patient.id);
    pp_ops_num(b, "totalMmePerDay", m->total);
    pp_ops_bool(b, "complete", m->complete);
    for (size_t i = 0; i < m->n_orders; i++) {
        const struct pp_mme_order *o = &m->orders[i];
        pp_ops_part_open(b, "order");
        pp_ops_str(b, "status", "Code", pp_mme_status_name(o->status));
        if (o->med->id)
            pp_ops_ref(b, "medication", med_type(o->med), o->med->id);
        pp_ops_str(b, "name", "String", pp_concept_label(&o->med->code));
        pp_ops_num(b, "mmePerDay", o->mme_per_day);
        pp_ops_num(b, "factor", o->factor);
        pp_ops_str(b, "reason", "String", o->reason);
        pp_ops_part_close(b);
    }
}

void pp_http_patient_answer(const struct pp_http_request *req, struct pp_http_response *res,
                            const struct pp_record *r, bool findings)
{
    struct pp_mme_result mme;
    struct pp_findings fs;
    struct pp_diag d;
    enum pp_err rc;

    pp_mme_result_init(&mme);
    pp_findings_init(&fs);
    pp_diag_clear(&d);
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
        pp_ops_findings(&res->body, &fs);
    }
    pp_buf_adds(&res->body, "]}\n");
out:
    pp_findings_release(&fs);
    pp_mme_result_release(&mme);
}

static void patient_op(const struct pp_http_request *req, struct pp_http_response *res,
                       bool findings)
{
    struct pp_patient_set set;
    struct pp_diag d;
    const struct pp_record *r = NULL;
    enum pp_err rc;

    pp_fhir_patient_set_init(&set);
    pp_diag_clear(&d);
    rc = load_patient(req, &set, &r, &d);
    if (rc)
        pp_http_fail(res, rc, &d);
    else
        pp_http_patient_answer(req, res, r, findings);
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
