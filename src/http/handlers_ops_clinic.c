/*
 * handlers_ops_clinic.c — the procedure workflow operations: Procedure $block-report (a
 * diagnostic block and its diary -> the interpretation for the surgeon) and
 * ServiceRequest $eligibility (a proposed procedure -> payer criteria), on the store or on
 * a Bundle in the body; and the operation entries of the CapabilityStatement.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clinical/blocks.h"
#include "clinical/coverage.h"
#include "clinical/procedures.h"
#include "fhir/block_diary.h"
#include "fhir/coverage_history.h"
#include "http/handlers.h"
#include "http/ops_int.h"
#include "store/store.h"
#include "util/json.h"

/* "Procedure/x" or "x" -> "x" (NULL stays NULL). */
static const char *bare_id(const char *ref, const char *type)
{
    size_t n = strlen(type);
    if (ref && strncmp(ref, type, n) == 0 && ref[n] == '/')
        return ref + n + 1;
    return ref;
}

/* Add the stored resource type/id to the Bundle when it exists (false when absent). */
static enum pp_err add_stored(struct pp_store *s, const char *type, const char *id, cJSON *bundle,
                              bool required, struct pp_diag *d)
{
    cJSON *r = NULL;
    enum pp_err rc = pp_ops_read(s, type, id, &r, d);
    if (rc == PP_ERR_NOT_FOUND && !required) {
        pp_diag_clear(d);
        return PP_OK;
    }
    if (rc)
        return rc;
    pp_ops_bundle_add(bundle, r);
    return PP_OK;
}

/* ---- Procedure/$block-report ---- */

/* The stored block, its comparative block, their diaries and the request they answer. */
static enum pp_err stored_block(struct pp_store *s, const char *rid, const char *comparative,
                                cJSON *bundle, struct pp_diag *d)
{
    const cJSON *e;
    const char *patient = NULL;
    enum pp_err rc;

    if ((rc = add_stored(s, "Procedure", rid, bundle, true, d)))
        return rc;
    if (comparative && (rc = add_stored(s, "Procedure", comparative, bundle, true, d))) {
        snprintf(d->where, sizeof(d->where), "comparative");
        return rc;
    }
    cJSON_ArrayForEach(e, pp_json_arr(bundle, "entry"))
    {
        const cJSON *proc = pp_json_obj(e, "resource"), *b;
        const char *pt = pp_ops_ref_id(proc, "subject", "Patient");
        if (pt && patient && strcmp(pt, patient) != 0)
            return pp_diag_set(d, PP_ERR_INPUT, "comparative",
                               "the comparative block is of another patient");
        patient = pt ? pt : patient;
        cJSON_ArrayForEach(b, pp_json_arr(proc, "basedOn"))
        {
            const char *ref = pp_json_str(b, "reference");
            if (ref && strncmp(ref, "ServiceRequest/", 15) == 0 && pp_store_valid_id(ref + 15) &&
                (rc = add_stored(s, "ServiceRequest", ref + 15, bundle, false, d)))
                return rc;
            break;
        }
    }
    /* the diary: the Observations partOf each block; a store that cannot search by part-of
     * gives the patient's Observations (the reader keeps those partOf the blocks) */
    {
        const char *ids[2] = {rid, comparative};
        for (size_t k = 0; k < 2 && ids[k]; k++) {
            char ref[PP_HTTP_PARAM_MAX + 32];
            snprintf(ref, sizeof(ref), "Procedure/%s", ids[k]);
            rc = pp_ops_gather_by(s, "Observation", "part-of", ref, bundle, d);
            if (rc == PP_ERR_UNSUPPORTED) {
                pp_diag_clear(d);
                return patient ? pp_ops_gather(s, "Observation", patient, bundle, d) : PP_OK;
            }
            if (rc)
                return rc;
        }
    }
    return PP_OK;
}

static void block_report_text(struct pp_buf *b, const struct pp_block_request *r,
                              const struct pp_block_result *res)
{
    pp_buf_addf(b, "Diagnostic block report: %s\n", res->site);
    if (r->requested_by)
        pp_buf_addf(b, "Requested by: %s\n", r->requested_by);
    if (r->question)
        pp_buf_addf(b, "Question: %s\n", r->question);
    for (size_t i = 0; i < res->n_blocks; i++) {
        const struct pp_block *blk = &r->blocks[i];
        const struct pp_block_outcome *o = &res->blocks[i];
        pp_buf_addf(b, "Block %zu (%s): %s ", i + 1, blk->date ? blk->date : "undated",
                    pp_anesthetic_name(blk->anesthetic));
        pp_buf_add_num2(b, blk->concentration_pct);
        pp_buf_adds(b, "%, ");
        pp_buf_add_num2(b, blk->volume_ml);
        pp_buf_addf(b, " mL, %s guidance. ", pp_proc_guidance_name(blk->guidance));
        if (blk->has_baseline) {
            pp_buf_adds(b, "Baseline NRS ");
            pp_buf_add_num2(b, blk->baseline_nrs);
            pp_buf_adds(b, "; ");
        }
        if (isfinite(o->peak_relief_pct)) {
            pp_buf_adds(b, "peak relief ");
            pp_buf_add_num2(b, o->peak_relief_pct);
            pp_buf_adds(b, "%; ");
        }
        pp_buf_addf(b, "result: %s (%s).\n", pp_block_verdict_name(o->verdict), o->reason);
    }
    if (res->n_blocks == 2)
        pp_buf_addf(b, "Comparative blocks: %s.\n", pp_block_concordance_name(res->concordance));
    pp_buf_addf(b, "Conclusion: %s\n", res->conclusion);
}

static void write_block(struct pp_buf *b, const struct pp_fhir_block *fb,
                        const struct pp_block_result *res, const struct pp_findings *f)
{
    const struct pp_block_request *r = &fb->req;
    struct pp_buf text;

    pp_ops_begin(b);
    pp_ops_ref(b, "procedure", "Procedure", fb->procedure_ids[0]);
    if (r->n_blocks == 2)
        pp_ops_ref(b, "comparative", "Procedure", fb->procedure_ids[1]);
    pp_ops_str(b, "site", "String", res->site);
    pp_ops_str(b, "target", "Code", pp_block_target_name(r->target));
    for (size_t i = 0; i < r->n_levels; i++)
        pp_ops_str(b, "level", "String", r->levels[i]);
    pp_ops_str(b, "side", "Code", pp_block_side_name(r->side));
    pp_ops_str(b, "joint", "String", r->joint);
    pp_ops_str(b, "catalogueProcedure", "Code", r->procedure_id);
    pp_ops_str(b, "requestedBy", "String", r->requested_by);
    pp_ops_str(b, "question", "String", r->question);
    for (size_t i = 0; i < res->n_blocks; i++) {
        const struct pp_block *blk = &r->blocks[i];
        const struct pp_block_outcome *o = &res->blocks[i];
        pp_ops_part_open(b, "block");
        pp_ops_ref(b, "procedure", "Procedure", fb->procedure_ids[i]);
        pp_ops_str(b, "date", "Date", blk->date);
        pp_ops_str(b, "guidance", "Code", pp_proc_guidance_name(blk->guidance));
        pp_ops_str(b, "anesthetic", "Code", pp_anesthetic_name(blk->anesthetic));
        pp_ops_num(b, "concentrationPct", blk->concentration_pct);
        pp_ops_num(b, "volumeMl", blk->volume_ml);
        if (blk->has_baseline)
            pp_ops_num(b, "baselineNrs", blk->baseline_nrs);
        pp_ops_int(b, "diaryEntries", (long)blk->n_diary);
        pp_ops_num(b, "expectedMinutes", o->expected_minutes);
        pp_ops_num(b, "thresholdPct", o->threshold_pct);
        pp_ops_num(b, "peakReliefPct", o->peak_relief_pct);
        pp_ops_num(b, "sustainedReliefPct", o->sustained_relief_pct);
        pp_ops_num(b, "reliefUntilMinutes", o->relief_until_minutes);
        pp_ops_num(b, "reliefLostMinutes", o->relief_lost_minutes);
        pp_ops_str(b, "result", "Code", pp_block_verdict_name(o->verdict));
        pp_ops_str(b, "reason", "String", o->reason);
        for (size_t k = 0; k < fb->n_diary_ids[i]; k++)
            pp_ops_ref(b, "diary", "Observation", fb->diary_ids[i][k]);
        pp_ops_part_close(b);
    }
    pp_ops_str(b, "concordance", "Code", pp_block_concordance_name(res->concordance));
    pp_ops_num(b, "durationGainMinutes", res->duration_gain_minutes);
    pp_ops_bool(b, "generatorLikely", res->generator_likely);
    pp_ops_str(b, "conclusion", "String", res->conclusion);
    pp_buf_init(&text, PP_BUF_UNLIMITED);
    block_report_text(&text, r, res);
    pp_ops_str(b, "report", "String", text.data);
    pp_buf_release(&text);
    pp_ops_findings(b, f);
    pp_ops_end(b);
}

void pp_http_handle_procedure_block_report(const struct pp_http_request *req,
                                           struct pp_http_response *res)
{
    struct pp_fhir_block fb;
    struct pp_block_result out;
    struct pp_findings f;
    struct pp_diag d;
    cJSON *body = NULL, *bundle = NULL;
    enum pp_err rc;

    pp_fhir_block_init(&fb);
    pp_findings_init(&f);
    pp_diag_clear(&d);
    memset(&out, 0, sizeof(out));
    if ((rc = pp_ops_body(req, &body, &d)))
        goto done;
    if (req->param[0]) {
        struct pp_store *s;
        const char *comparative = bare_id(pp_ops_option(req, body, "comparative"), "Procedure");
        if (comparative && strcmp(comparative, req->param) == 0) {
            rc = pp_diag_set(&d, PP_ERR_INPUT, "comparative",
                             "the comparative block must be another Procedure");
            goto done;
        }
        if (!pp_ops_store_open(req, res, &s))
            goto out;
        bundle = pp_ops_bundle_new();
        rc = stored_block(s, req->param, comparative, bundle, &d);
        pp_ops_store_done(s);
        if (!rc)
            rc = pp_fhir_block_read(bundle, req->param, comparative, &fb, &d);
    } else {
        const char *type = pp_json_str(body, "resourceType");
        if (!body || !type || strcmp(type, "Bundle") != 0)
            rc = pp_diag_set(&d, PP_ERR_INPUT, body ? "resourceType" : "request",
                             "expected a Bundle with the block Procedure(s) and their diary "
                             "Observations");
        else
            rc = pp_fhir_block_read(body, NULL, NULL, &fb, &d);
    }
    if (!rc)
        rc = pp_block_evaluate(&fb.req, req->env->policy, &out, &f, &d);
done:
    if (rc) {
        pp_http_fail(res, rc, &d);
        goto out;
    }
    res->content_type = PP_HTTP_FHIR_JSON;
    write_block(&res->body, &fb, &out, &f);
out:
    pp_fhir_block_release(&fb);
    pp_findings_release(&f);
    cJSON_Delete(bundle);
    cJSON_Delete(body);
}

/* ---- ServiceRequest/$eligibility ---- */

/* Resource types the eligibility history reads (fhir/coverage_history.h). */
static const char *const history_types[] = {
    "Condition",          "Procedure",    "Observation",     "QuestionnaireResponse",
    "AllergyIntolerance", "ImagingStudy", "DiagnosticReport"};

static enum pp_err stored_proposal(struct pp_store *s, const char *rid, cJSON *bundle,
                                   struct pp_diag *d)
{
    cJSON *sr = NULL;
    const char *patient;
    enum pp_err rc = pp_ops_read(s, "ServiceRequest", rid, &sr, d);
    if (rc)
        return rc;
    patient = pp_ops_ref_id(sr, "subject", "Patient");
    pp_ops_bundle_add(bundle, sr);
    if (!patient) {
        char where[96];
        snprintf(where, sizeof(where), "ServiceRequest/%s.subject", rid);
        return pp_diag_set(d, PP_ERR_UNSUPPORTED, where,
                           "the proposal names no Patient: no history to check it against");
    }
    for (size_t i = 0; i < sizeof(history_types) / sizeof(history_types[0]); i++)
        if ((rc = pp_ops_gather(s, history_types[i], patient, bundle, d)))
            return rc;
    return PP_OK;
}

static void write_eligibility(struct pp_buf *b, const struct pp_fhir_coverage *c,
                              const struct pp_cov_result *r, const struct pp_findings *f)
{
    const struct pp_cov_proposal *p = &c->proposal;

    pp_ops_begin(b);
    pp_ops_ref(b, "proposal", "ServiceRequest", c->proposal_id);
    pp_ops_str(b, "procedure", "Code", p->entry->id);
    pp_ops_str(b, "procedureName", "String", p->entry->name);
    pp_ops_day(b, "date", p->date);
    pp_ops_str(b, "region", "Code", r->region);
    for (size_t k = 0; k < 4 && r->names[k]; k++)
        pp_ops_str(b, "family", "Code", r->names[k]);
    pp_ops_str(b, "verdict", "Code", pp_cov_verdict_name(r->verdict));
    pp_ops_bool(b, "eligible", r->verdict == PP_COV_ELIGIBLE);
    pp_ops_day(b, "eligibleOn",
               r->verdict == PP_COV_ELIGIBLE         ? p->date
               : r->verdict == PP_COV_ELIGIBLE_LATER ? r->eligible_on
                                                     : PP_DAY_NONE);
    for (size_t i = 0; i < r->n_checks; i++) {
        const struct pp_cov_check *k = &r->checks[i];
        pp_ops_part_open(b, "criterion");
        pp_ops_str(b, "rule", "Code", k->row->id);
        pp_ops_str(b, "title", "String", k->row->title);
        pp_ops_str(b, "kind", "Code", pp_cov_kind_name(k->row->kind));
        pp_ops_str(b, "status", "Code", pp_cov_status_name(k->status));
        pp_ops_str(b, "reason", "String", k->reason);
        pp_ops_day(b, "eligibleOn", k->eligible_on);
        pp_ops_str(b, "policyKeys", "String", k->row->policy_keys);
        pp_ops_str(b, "source", "String", k->row->source);
        pp_ops_part_close(b);
    }
    for (size_t i = 0; i < c->history.n_priors; i++)
        pp_ops_ref(b, "prior", "Procedure", c->prior_ids[i]);
    pp_ops_findings(b, f);
    pp_ops_end(b);
}

void pp_http_handle_sr_eligibility(const struct pp_http_request *req, struct pp_http_response *res)
{
    struct pp_fhir_coverage *c = pp_fhir_coverage_new();
    struct pp_cov_result r;
    struct pp_cov_table t;
    struct pp_findings f;
    struct pp_diag d;
    cJSON *body = NULL, *bundle = NULL;
    enum pp_err rc;

    memset(&r, 0, sizeof(r));
    pp_coverage_table_default(&t);
    pp_findings_init(&f);
    pp_diag_clear(&d);
    if ((rc = pp_ops_body(req, &body, &d)))
        goto done;
    if (req->param[0]) {
        struct pp_store *s;
        if (!pp_ops_store_open(req, res, &s))
            goto out;
        bundle = pp_ops_bundle_new();
        rc = stored_proposal(s, req->param, bundle, &d);
        pp_ops_store_done(s);
        if (!rc)
            rc = pp_fhir_coverage_read(bundle, req->param, req->now, c, &d);
    } else {
        const char *type = pp_json_str(body, "resourceType");
        if (!body || !type || strcmp(type, "Bundle") != 0)
            rc = pp_diag_set(&d, PP_ERR_INPUT, body ? "resourceType" : "request",
                             "expected a Bundle with the proposal ServiceRequest and the "
                             "patient's resources");
        else
            rc = pp_fhir_coverage_read(body, NULL, req->now, c, &d);
    }
    if (!rc) {
        rc = pp_coverage_evaluate(&t, &c->proposal, &c->history, req->env->policy, &r, &f, &d);
        rc = pp_fhir_coverage_explain(c, rc, &d);
    }
done:
    if (rc) {
        pp_http_fail(res, rc, &d);
        goto out;
    }
    res->content_type = PP_HTTP_FHIR_JSON;
    write_eligibility(&res->body, c, &r, &f);
out:
    pp_coverage_result_release(&r);
    pp_coverage_table_release(&t);
    pp_findings_release(&f);
    pp_fhir_coverage_free(c);
    cJSON_Delete(bundle);
    cJSON_Delete(body);
}

/* ---- CapabilityStatement ---- */

struct op_doc {
    const char *type, *name, *doc;
};

static const struct op_doc operations[] = {
    {"Patient", "mme",
     "MME/day per opioid order and in total (CDC 2022 table by default): POST a one-patient "
     "Bundle to Patient/$mme, or GET/POST Patient/{id}/$mme for the stored record."},
    {"Patient", "evaluate",
     "MME plus every opioid-safety finding (CDC 2022 and the practice's policy) on the "
     "patient's current orders; type level (Bundle) or instance level (stored record)."},
    {"Patient", "care-plan",
     "The proposed multimodal plan (PLAN-* findings) and a draft CarePlan (intent proposal)."},
    {"ServiceRequest", "triage",
     "Referral triage: disposition, review date, what to bring, every reason; reads the "
     "QuestionnaireResponse basedOn the referral."},
    {"ServiceRequest", "eligibility",
     "Payer eligibility of a proposed catalogue procedure against the patient's record: every "
     "criterion, each unmet one named, and the date eligibility starts."},
    {"Procedure", "block-report",
     "Diagnostic block interpretation from the baseline and the pain diary (Observations "
     "partOf the block), with the report for the surgeon; optional comparative block."},
    {"Practitioner", "qualification",
     "Double-board pain-medicine qualification from Practitioner.qualification and "
     "PractitionerRole privileges; optional procedure for a privilege check."},
    {"Slot", "next-available",
     "The next free Slot of a visit mode (service-type in-person or virtual), days until it "
     "and same- or next-day access."},
};

void pp_http_ops_capability(struct pp_buf *b, const char *type)
{
    bool first = true;
    for (size_t i = 0; i < sizeof(operations) / sizeof(operations[0]); i++) {
        const struct op_doc *o = &operations[i];
        if (strcmp(o->type, type) != 0)
            continue;
        pp_buf_adds(b, first ? ", \"operation\": [" : ", ");
        first = false;
        pp_buf_adds(b, "{\"name\": ");
        pp_buf_add_json_str(b, o->name);
        pp_buf_addf(b, ", \"definition\": \"urn:painpath:OperationDefinition/%s-%s\"", o->type,
                    o->name);
        pp_buf_adds(b, ", \"documentation\": ");
        pp_buf_add_json_str(b, o->doc);
        pp_buf_adds(b, "}");
    }
    if (!first)
        pp_buf_adds(b, "]");
}
