/*
 * handlers_ops.c — the patient, referral and practitioner workflow operations:
 * Patient/{rid}/$mme, $evaluate and $care-plan on the stored record, ServiceRequest $triage
 * and Practitioner $qualification. Each decodes (store or body), calls fhir/ and clinical/,
 * and writes a Parameters resource; nothing of a patient is logged.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clinical/candidacy.h"
#include "clinical/careplan.h"
#include "clinical/credential.h"
#include "clinical/triage.h"
#include "fhir/careplan_out.h"
#include "fhir/load.h"
#include "fhir/patient_set.h"
#include "fhir/practitioner.h"
#include "fhir/referral.h"
#include "http/handlers.h"
#include "http/ops_int.h"
#include "store/store.h"
#include "util/alloc.h"
#include "util/json.h"

/* ---- Patient: the stored record ---- */

/* Load patient `id`'s record from the store into `set`; *r borrowed from it. 404 when no
 * Patient resource has that id. */
static enum pp_err stored_record(struct pp_store *s, const char *id, struct pp_patient_set *set,
                                 const struct pp_record **r, struct pp_diag *d)
{
    cJSON *patient = NULL;
    enum pp_err rc = pp_ops_read(s, "Patient", id, &patient, d);
    cJSON_Delete(patient);
    if (rc)
        return rc;
    rc = pp_store_load_patient(s, id, set, d);
    if (rc)
        return rc;
    *r = pp_fhir_patient_set_find(set, id);
    if (!*r)
        return pp_diag_set(d, PP_ERR_NOT_FOUND, "Patient", "no record for this patient");
    return PP_OK;
}

/* The body as a one-patient Bundle (type-level forms). */
static enum pp_err body_record(const struct pp_http_request *req, struct pp_patient_set *set,
                               const struct pp_record **r, struct pp_diag *d)
{
    cJSON *root = NULL;
    enum pp_err rc = pp_ops_body(req, &root, d);
    if (rc)
        return rc;
    if (!root)
        return pp_diag_set(d, PP_ERR_INPUT, "request",
                           "expected a Bundle of one patient's resources in the body");
    rc = pp_ops_one_record(set, root, r, d);
    cJSON_Delete(root);
    return rc;
}

static void patient_instance(const struct pp_http_request *req, struct pp_http_response *res,
                             bool findings)
{
    struct pp_patient_set set;
    struct pp_store *s;
    struct pp_diag d;
    const struct pp_record *r = NULL;
    enum pp_err rc;

    if (!pp_ops_store_open(req, res, &s))
        return;
    pp_fhir_patient_set_init(&set);
    pp_diag_clear(&d);
    rc = stored_record(s, req->param, &set, &r, &d);
    pp_ops_store_done(s);
    if (rc)
        pp_http_fail(res, rc, &d);
    else
        pp_http_patient_answer(req, res, r, findings);
    pp_fhir_patient_set_release(&set);
}

void pp_http_handle_patient_mme_instance(const struct pp_http_request *req,
                                         struct pp_http_response *res)
{
    patient_instance(req, res, false);
}

void pp_http_handle_patient_evaluate_instance(const struct pp_http_request *req,
                                              struct pp_http_response *res)
{
    patient_instance(req, res, true);
}

/* Parameters: patient, diagnosis (codes), onOpioid, totalMmePerDay, item (rule, kind,
 * procedure, rxnorm, drug, doNotPerform, due, goalTarget, goalLoinc), finding, carePlan. */
static void write_plan(struct pp_buf *b, const struct pp_record *r, pp_day now,
                       const struct pp_plan *plan, const struct pp_findings *fs)
{
    struct pp_buf cp;

    pp_ops_begin(b);
    pp_ops_ref(b, "patient", "Patient", r->patient.id);
    for (unsigned bit = 1; bit && bit <= PP_PLAN_DX_SERIOUS; bit <<= 1)
        if (plan->dx & bit)
            pp_ops_str(b, "diagnosis", "Code", pp_plan_dx_name(bit));
    pp_ops_bool(b, "onOpioid", plan->on_opioid);
    pp_ops_num(b, "totalMmePerDay", plan->total_mme);
    for (size_t i = 0; i < plan->n_items; i++) {
        const struct pp_plan_item *it = &plan->items[i];
        pp_ops_part_open(b, "item");
        pp_ops_str(b, "rule", "Code", it->rule_id);
        pp_ops_str(b, "kind", "Code", pp_plan_kind_name(it->kind));
        for (size_t k = 0; k < PP_PLAN_MAX_PROCS && it->proc_ids[k]; k++)
            pp_ops_str(b, "procedure", "Code", it->proc_ids[k]);
        pp_ops_str(b, "rxnorm", "Code", it->rxnorm);
        pp_ops_str(b, "drug", "String", it->drug);
        pp_ops_bool(b, "doNotPerform", it->do_not_perform);
        pp_ops_day(b, "due", it->due);
        pp_ops_num(b, "goalTarget", it->goal_target);
        pp_ops_str(b, "goalLoinc", "Code", it->goal_loinc);
        pp_ops_part_close(b);
    }
    pp_ops_findings(b, fs);
    pp_buf_init(&cp, PP_BUF_UNLIMITED);
    pp_fhir_careplan_write(&cp, r, now, plan, fs);
    pp_ops_resource(b, "carePlan", cp.data);
    pp_buf_release(&cp);
    pp_ops_end(b);
}

void pp_http_handle_patient_care_plan(const struct pp_http_request *req,
                                      struct pp_http_response *res)
{
    struct pp_patient_set set;
    struct pp_plan *plan = pp_xcalloc(1, sizeof(*plan));
    struct pp_findings fs;
    struct pp_store *s = NULL;
    struct pp_diag d;
    const struct pp_record *r = NULL;
    enum pp_err rc;

    pp_fhir_patient_set_init(&set);
    pp_findings_init(&fs);
    pp_diag_clear(&d);
    if (req->param[0]) {
        if (!pp_ops_store_open(req, res, &s))
            goto out;
        rc = stored_record(s, req->param, &set, &r, &d);
        pp_ops_store_done(s);
    } else {
        rc = body_record(req, &set, &r, &d);
    }
    if (!rc)
        rc = pp_careplan_propose(r, req->now, req->env->policy, req->env->terms, req->env->codes,
                                 plan, &fs);
    if (rc) {
        pp_http_fail(res, rc, &d);
        goto out;
    }
    res->content_type = PP_HTTP_FHIR_JSON;
    write_plan(&res->body, r, req->now, plan, &fs);
out:
    pp_findings_release(&fs);
    free(plan);
    pp_fhir_patient_set_release(&set);
}

/* ---- ServiceRequest/$triage ---- */

/* The stored referral rid and its intake answers as a Bundle text (caller frees). */
static enum pp_err stored_referral(struct pp_store *s, const char *rid, char **text,
                                   struct pp_diag *d)
{
    cJSON *sr = NULL, *bundle = NULL, *qrs = NULL, *chosen = NULL, *info, *e;
    const char *patient, *want = NULL;
    enum pp_err rc;

    *text = NULL;
    if ((rc = pp_ops_read(s, "ServiceRequest", rid, &sr, d)))
        return rc;
    cJSON_ArrayForEach(info, cJSON_GetObjectItemCaseSensitive(sr, "supportingInfo"))
    {
        const char *ref = pp_json_str(info, "reference");
        if (ref && strncmp(ref, "QuestionnaireResponse/", 22) == 0)
            want = ref + 22;
    }
    /* the QuestionnaireResponse the supportingInfo names, else the last one (creation order)
     * whose basedOn is the referral: searched by based-on, or among the patient's when the
     * store cannot search by it */
    qrs = pp_ops_bundle_new();
    if (want) {
        cJSON *named = NULL;
        rc = pp_ops_read(s, "QuestionnaireResponse", want, &named, d);
        if (rc == PP_ERR_NOT_FOUND)
            pp_diag_clear(d); /* a dangling reference: look for one basedOn the referral */
        else if (rc)
            goto out;
        else {
            /* answers of another patient (or of nobody) never stand in for this one's */
            const char *srp = pp_ops_ref_id(sr, "subject", "Patient");
            const char *qrp = pp_ops_ref_id(named, "subject", "Patient");
            if (!srp || !qrp || strcmp(srp, qrp) != 0) {
                cJSON_Delete(named);
                rc = pp_diag_set(d, PP_ERR_UNSUPPORTED, "ServiceRequest.supportingInfo",
                                 "names QuestionnaireResponse/%s, which is not this referral's "
                                 "patient's",
                                 want);
                goto out;
            }
            pp_ops_bundle_add(qrs, named);
        }
        rc = PP_OK;
    }
    if (cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(qrs, "entry")) == 0) {
        char ref[PP_HTTP_PARAM_MAX + 32];
        snprintf(ref, sizeof(ref), "ServiceRequest/%s", rid);
        rc = pp_ops_gather_by(s, "QuestionnaireResponse", "based-on", ref, qrs, d);
        if (rc == PP_ERR_UNSUPPORTED) {
            pp_diag_clear(d);
            patient = pp_ops_ref_id(sr, "subject", "Patient");
            if (!patient) {
                rc = pp_diag_set(d, PP_ERR_UNSUPPORTED, "ServiceRequest.subject",
                                 "the referral names no Patient: its intake answers cannot be "
                                 "found");
                goto out;
            }
            rc = pp_ops_gather(s, "QuestionnaireResponse", patient, qrs, d);
        }
        if (rc)
            goto out;
    }
    cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(qrs, "entry"))
    {
        cJSON *qr = cJSON_GetObjectItemCaseSensitive(e, "resource"), *on;
        const char *id = pp_json_str(qr, "id");
        bool match = false;
        if (want && id && strcmp(id, want) == 0) {
            chosen = qr;
            break;
        }
        cJSON_ArrayForEach(on, cJSON_GetObjectItemCaseSensitive(qr, "basedOn"))
        {
            const char *ref = pp_json_str(on, "reference");
            if (ref && strncmp(ref, "ServiceRequest/", 15) == 0 && strcmp(ref + 15, rid) == 0)
                match = true;
        }
        if (match)
            chosen = qr;
    }
    if (!chosen) {
        rc = pp_diag_set(d, PP_ERR_UNSUPPORTED, "QuestionnaireResponse.basedOn",
                         "no QuestionnaireResponse of the patient is basedOn ServiceRequest/%s "
                         "or named by its supportingInfo: the intake answers are required",
                         rid);
        goto out;
    }
    /* the reader picks by supportingInfo; give it just the one chosen */
    cJSON_DeleteItemFromObjectCaseSensitive(sr, "supportingInfo");
    bundle = pp_ops_bundle_new();
    pp_ops_bundle_add(bundle, sr);
    sr = NULL;
    chosen = cJSON_Duplicate(chosen, true);
    if (!chosen)
        abort(); /* out of memory, as pp_xmalloc does */
    pp_ops_bundle_add(bundle, chosen);
    *text = cJSON_PrintUnformatted(bundle);
    if (!*text)
        rc = pp_diag_set(d, PP_ERR_INTERNAL, "ServiceRequest", "could not write the referral");
out:
    cJSON_Delete(qrs);
    cJSON_Delete(bundle);
    cJSON_Delete(sr);
    return rc;
}

/* Parameters: referral, disposition, reviewDate, recoveryEnds, candidacy, bring,
 * consultLetterTo, finding. */
static void write_triage(struct pp_buf *b, const char *rid, const struct pp_triage_input *in,
                         const struct pp_triage_result *t, const struct pp_findings *f)
{
    pp_ops_begin(b);
    if (rid)
        pp_ops_ref(b, "referral", "ServiceRequest", rid);
    pp_ops_str(b, "disposition", "Code", pp_triage_disposition_name(t->disposition));
    pp_ops_day(b, "reviewDate", t->review_date);
    pp_ops_day(b, "recoveryEnds", t->recovery_ends);
    for (int c = 0; c < PP_CAND_COUNT; c++)
        if (t->candidacy & (1u << c))
            pp_ops_str(b, "candidacy", "Code",
                       pp_candidacy_category_name((enum pp_candidacy_category)c));
    for (unsigned bit = 1; bit <= PP_BRING_SCAN_REPORTS; bit <<= 1)
        if (t->bring & bit)
            pp_ops_str(b, "bring", "String", pp_triage_bring_label(bit));
    pp_ops_str(b, "consultLetterTo", "Code",
               in->source == PP_REF_SELF ? NULL : pp_triage_source_name(in->source));
    pp_ops_findings(b, f);
    pp_ops_end(b);
}

void pp_http_handle_sr_triage(const struct pp_http_request *req, struct pp_http_response *res)
{
    struct pp_triage_input in;
    struct pp_triage_result t;
    struct pp_findings f;
    struct pp_diag d;
    char *text = NULL;
    enum pp_err rc;

    pp_findings_init(&f);
    pp_diag_clear(&d);
    if (req->param[0]) {
        struct pp_store *s;
        if (!pp_ops_store_open(req, res, &s))
            goto out;
        rc = stored_referral(s, req->param, &text, &d);
        pp_ops_store_done(s);
        if (!rc)
            rc = pp_fhir_referral_read(text, strlen(text), "ServiceRequest", &in, &d);
    } else if (req->body_len == 0) {
        rc = pp_diag_set(&d, PP_ERR_INPUT, "request",
                         "expected a Bundle with the ServiceRequest and its "
                         "QuestionnaireResponse, or the QuestionnaireResponse alone");
    } else {
        rc = pp_fhir_referral_read(req->body, req->body_len, "request", &in, &d);
    }
    if (!rc)
        rc = pp_triage_evaluate(&in, req->now, req->env->policy, &f, &t, &d);
    if (rc) {
        pp_http_fail(res, rc, &d);
        goto out;
    }
    res->content_type = PP_HTTP_FHIR_JSON;
    write_triage(&res->body, req->param[0] ? req->param : NULL, &in, &t, &f);
out:
    cJSON_free(text);
    pp_findings_release(&f);
}

/* ---- Practitioner/$qualification ---- */

struct role_ctx {
    const char *ref; /* "Practitioner/ID" */
    cJSON *bundle;
};

static enum pp_err keep_role(void *ctx, const struct pp_store_resource *r)
{
    struct role_ctx *c = ctx;
    cJSON *role;
    const char *ref;
    if (!r->body)
        return PP_OK;
    role = cJSON_ParseWithLength(r->body, r->len);
    if (!role)
        return PP_ERR_INTERNAL;
    ref = pp_json_str(pp_json_obj(role, "practitioner"), "reference");
    if (ref && strcmp(ref, c->ref) == 0)
        pp_ops_bundle_add(c->bundle, role);
    else
        cJSON_Delete(role);
    return PP_OK;
}

/* The stored Practitioner rid and its PractitionerRoles as a Bundle text (caller frees).
 * The store has no practitioner search parameter: the roles are scanned (a clinic holds
 * tens of them). */
static enum pp_err stored_practitioner(struct pp_store *s, const char *rid, char **text,
                                       struct pp_diag *d)
{
    cJSON *pr = NULL;
    char ref[PP_STORE_ID_MAX + 16];
    struct role_ctx c = {ref, NULL};
    enum pp_err rc;

    *text = NULL;
    if ((rc = pp_ops_read(s, "Practitioner", rid, &pr, d)))
        return rc;
    snprintf(ref, sizeof(ref), "Practitioner/%s", rid);
    c.bundle = pp_ops_bundle_new();
    pp_ops_bundle_add(c.bundle, pr);
    rc = pp_store_scan(s, "PractitionerRole", keep_role, &c, d);
    if (!rc) {
        *text = cJSON_PrintUnformatted(c.bundle);
        if (!*text)
            rc = pp_diag_set(d, PP_ERR_INTERNAL, "Practitioner", "could not write it");
    }
    cJSON_Delete(c.bundle);
    return rc;
}

/* Parameters: practitioner, name, qualified, primaryBoard, fellowship,
 * painMedicineCertificate, license, board, privilege (procedure, start, end), procedure,
 * mayPerform, finding. */
static void write_credential(struct pp_buf *b, const struct pp_credential_input *in,
                             const struct pp_credential_result *r, const char *procedure,
                             bool allowed, const struct pp_findings *f)
{
    pp_ops_begin(b);
    if (in->practitioner_id[0])
        pp_ops_ref(b, "practitioner", "Practitioner", in->practitioner_id);
    pp_ops_str(b, "name", "String", in->name[0] ? in->name : NULL);
    pp_ops_bool(b, "qualified", r->qualified);
    pp_ops_bool(b, "primaryBoard", r->primary_ok);
    pp_ops_bool(b, "fellowship", r->fellowship_ok);
    pp_ops_bool(b, "painMedicineCertificate", r->subspecialty_ok);
    pp_ops_bool(b, "license", r->license_ok);
    pp_ops_str(b, "board", "String", r->board);
    for (size_t i = 0; i < in->n_privileges; i++) {
        const struct pp_cred_privilege *v = &in->privileges[i];
        pp_ops_part_open(b, "privilege");
        pp_ops_str(b, "procedure", "Code", v->procedure);
        pp_ops_day(b, "start", v->start);
        pp_ops_day(b, "end", v->end);
        pp_ops_part_close(b);
    }
    if (procedure) {
        pp_ops_str(b, "procedure", "Code", procedure);
        pp_ops_bool(b, "mayPerform", allowed);
    }
    pp_ops_findings(b, f);
    pp_ops_end(b);
}

void pp_http_handle_practitioner_qualification(const struct pp_http_request *req,
                                               struct pp_http_response *res)
{
    struct pp_credential_input *in = pp_xcalloc(1, sizeof(*in)); /* ~9 KB: off the stack */
    struct pp_credential_result r;
    struct pp_findings f;
    struct pp_diag d;
    cJSON *body = NULL;
    char *text = NULL;
    const char *procedure = NULL;
    bool allowed = false;
    enum pp_err rc;

    pp_findings_init(&f);
    pp_diag_clear(&d);
    memset(&r, 0, sizeof(r));
    if (req->param[0]) {
        struct pp_store *s;
        /* instance level: the body, if any, is a Parameters with `procedure` */
        if ((rc = pp_ops_body(req, &body, &d)))
            goto fail;
        procedure = pp_ops_option(req, body, "procedure");
        if (!pp_ops_store_open(req, res, &s))
            goto out;
        rc = stored_practitioner(s, req->param, &text, &d);
        pp_ops_store_done(s);
        if (!rc)
            rc = pp_fhir_practitioner_read(text, strlen(text), "Practitioner", in, &d);
    } else if (req->body_len == 0) {
        rc = pp_diag_set(&d, PP_ERR_INPUT, "request",
                         "expected a Practitioner, or a Bundle with the Practitioner and its "
                         "PractitionerRoles");
    } else {
        procedure = pp_ops_arg(req, "procedure");
        rc = pp_fhir_practitioner_read(req->body, req->body_len, "request", in, &d);
    }
    if (!rc)
        rc = pp_credential_evaluate(in, req->now, req->env->policy, &f, &r, &d);
    if (!rc && procedure) {
        rc = pp_credential_may_perform(in, procedure, req->now, &f, &allowed, &d);
        if (rc && strcmp(d.where, "procedure") == 0)
            rc = pp_diag_set(&d, PP_ERR_INPUT, "procedure",
                             "unknown procedure '%.60s' (a catalogue id, see painpath procedures)",
                             procedure);
    }
fail:
    if (rc) {
        pp_http_fail(res, rc, &d);
        goto out;
    }
    res->content_type = PP_HTTP_FHIR_JSON;
    write_credential(&res->body, in, &r, procedure, allowed, &f);
out:
    cJSON_Delete(body);
    cJSON_free(text);
    pp_findings_release(&f);
    free(in);
}
