/*
 * cds_response.c — the opioid CDS Hooks services: discovery, one service run
 * (request -> record -> MME -> findings), and findings as CDS Hooks cards with
 * deterministic uuids and create/update/delete suggestions. Never HTTP or I/O:
 * the caller hands in parsed JSON and gets text in a pp_buf.
 */
#include "fhir/cds_response.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clinical/mme.h"
#include "fhir/cds.h"
#include "fhir/patient_set.h"
#include "util/json.h"
#include "util/banned.h"

#define RULE_SYSTEM "urn:painpath:rule"

static const struct pp_cds_service services[] = {
    {"opioid-order-select", "order-select", PP_OPIOID_ORDER_SELECT,
     "Opioid safety (CDC 2022 and practice policy) on order select",
     "Checks the selected draft orders against the CDC 2022 opioid guideline (recommendations "
     "1-12) and the practice's opioid policy: MME/day, naloxone, benzodiazepines, PDMP, urine "
     "drug testing, long-acting and early or replacement refills."},
    {"opioid-order-sign", "order-sign", PP_OPIOID_ORDER_SIGN,
     "Opioid safety (CDC 2022 and practice policy) on order sign",
     "Checks the draft orders about to be signed against the CDC 2022 opioid guideline "
     "(recommendations 1-12) and the practice's opioid policy."},
    {"opioid-patient-view", "patient-view", PP_OPIOID_PATIENT_VIEW,
     "Opioid safety review of the current medications",
     "Reviews the patient's active opioid therapy against the CDC 2022 opioid guideline and "
     "the practice's opioid policy when the chart is opened."},
};

#define N_SERVICES (sizeof(services) / sizeof(services[0]))

const struct pp_cds_service *pp_cds_services(size_t *count)
{
    *count = N_SERVICES;
    return services;
}

const struct pp_cds_service *pp_cds_service_find(const char *id)
{
    for (size_t i = 0; id && i < N_SERVICES; i++)
        if (strcmp(services[i].id, id) == 0)
            return &services[i];
    return NULL;
}

/* Prefetch keys and FHIR queries every service asks for (CDS Hooks prefetch templates). */
static const struct {
    const char *key;
    const char *query;
} prefetch[] = {
    {"patient", "Patient/{{context.patientId}}"},
    {"medicationRequests",
     "MedicationRequest?patient={{context.patientId}}&status=active,on-hold,completed,stopped"},
    {"medicationStatements", "MedicationStatement?patient={{context.patientId}}"},
    {"medicationDispenses", "MedicationDispense?patient={{context.patientId}}"},
    {"conditions", "Condition?patient={{context.patientId}}"},
    {"labObservations", "Observation?patient={{context.patientId}}&category=laboratory"},
    {"pdmpObservations",
     "Observation?patient={{context.patientId}}&code=http://snomed.info/sct|461651000124104"},
    {"procedures", "Procedure?patient={{context.patientId}}"},
    {"encounters", "Encounter?patient={{context.patientId}}"},
    {"carePlans", "CarePlan?patient={{context.patientId}}&status=active,completed"},
};

void pp_cds_discovery_write(struct pp_buf *out)
{
    pp_buf_adds(out, "{\"services\":[");
    for (size_t i = 0; i < N_SERVICES; i++) {
        const struct pp_cds_service *s = &services[i];
        pp_buf_adds(out, i ? ",{\"hook\":" : "{\"hook\":");
        pp_buf_add_json_str(out, s->hook);
        pp_buf_adds(out, ",\"id\":");
        pp_buf_add_json_str(out, s->id);
        pp_buf_adds(out, ",\"title\":");
        pp_buf_add_json_str(out, s->title);
        pp_buf_adds(out, ",\"description\":");
        pp_buf_add_json_str(out, s->description);
        pp_buf_adds(out, ",\"prefetch\":{");
        for (size_t k = 0; k < sizeof(prefetch) / sizeof(prefetch[0]); k++) {
            pp_buf_adds(out, k ? "," : "");
            pp_buf_add_json_str(out, prefetch[k].key);
            pp_buf_addc(out, ':');
            pp_buf_add_json_str(out, prefetch[k].query);
        }
        pp_buf_adds(out, "}}");
    }
    pp_buf_adds(out, "]}\n");
}

/* ---- cards ------------------------------------------------------------------------- */

/* 64-bit FNV-1a, continued from `h`. */
static uint64_t fnv(uint64_t h, const char *s)
{
    for (; s && *s; s++) {
        h ^= (unsigned char)*s;
        h *= 1099511628211ull;
    }
    h ^= 0xff; /* separator, so ("ab","c") and ("a","bc") differ */
    h *= 1099511628211ull;
    return h;
}

/*
 * A name-based uuid (RFC 9562 version 8: implementation-specific) from the finding's rule,
 * the patient, its summary and evidence, and `salt` (0 for the card, n for suggestion n):
 * the same finding on the same data always gets the same uuid.
 */
static void card_uuid(const struct pp_finding *x, const char *patient, unsigned salt, char out[37])
{
    uint64_t h[2] = {1469598103934665603ull, 0x9ae16a3b2f90404full};
    unsigned char b[16];
    char num[16];

    snprintf(num, sizeof(num), "%u", salt);
    for (int k = 0; k < 2; k++) {
        h[k] = fnv(h[k], x->rule_id);
        h[k] = fnv(h[k], patient);
        h[k] = fnv(h[k], x->summary);
        for (size_t i = 0; i < x->n_evidence; i++)
            h[k] = fnv(h[k], x->evidence[i]);
        h[k] = fnv(h[k], num);
    }
    for (int i = 0; i < 8; i++) {
        b[i] = (unsigned char)(h[0] >> (8 * i));
        b[8 + i] = (unsigned char)(h[1] >> (8 * i));
    }
    b[6] = (unsigned char)((b[6] & 0x0f) | 0x80); /* version 8 */
    b[8] = (unsigned char)((b[8] & 0x3f) | 0x80); /* RFC variant */
    snprintf(out, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[0],
             b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13],
             b[14], b[15]);
}

/* The draft order `ref` ("Type/id") in request.context.draftOrders, or NULL. Borrowed. */
static const cJSON *find_draft(const cJSON *request, const char *ref)
{
    const cJSON *drafts = pp_json_obj(pp_json_obj(request, "context"), "draftOrders");
    const cJSON *entries, *e;
    const char *slash = ref ? strchr(ref, '/') : NULL;
    size_t tlen;

    if (!drafts || !slash)
        return NULL;
    tlen = (size_t)(slash - ref);
    entries = pp_json_arr(drafts, "entry");
    if (!entries) {
        const char *type = pp_json_str(drafts, "resourceType"), *id = pp_json_str(drafts, "id");
        if (type && id && strlen(type) == tlen && strncmp(type, ref, tlen) == 0 &&
            strcmp(id, slash + 1) == 0)
            return drafts;
        return NULL;
    }
    cJSON_ArrayForEach(e, entries)
    {
        const cJSON *res = pp_json_obj(e, "resource");
        const char *type = pp_json_str(res, "resourceType"), *id = pp_json_str(res, "id");
        if (type && id && strlen(type) == tlen && strncmp(type, ref, tlen) == 0 &&
            strcmp(id, slash + 1) == 0)
            return res;
    }
    return NULL;
}

/* Replace (or add) member `key` of `obj` with `value` (taken). */
static void set_member(cJSON *obj, const char *key, cJSON *value)
{
    if (cJSON_GetObjectItemCaseSensitive(obj, key))
        cJSON_ReplaceItemInObjectCaseSensitive(obj, key, value);
    else
        cJSON_AddItemToObject(obj, key, value);
}

/*
 * The draft order with a new days' supply: expectedSupplyDuration set, refills removed,
 * the dispensed quantity scaled to the shorter supply (rounded up). Caller frees.
 */
static cJSON *shortened_order(const cJSON *draft, double days)
{
    cJSON *copy = cJSON_Duplicate(draft, 1);
    cJSON *disp, *dur, *qty, *old;
    double old_days = -1, qv;

    if (!copy)
        return NULL;
    disp = cJSON_GetObjectItemCaseSensitive(copy, "dispenseRequest");
    if (!cJSON_IsObject(disp)) {
        disp = cJSON_CreateObject();
        set_member(copy, "dispenseRequest", disp);
    }
    old = cJSON_GetObjectItemCaseSensitive(disp, "expectedSupplyDuration");
    if (old && pp_json_num(old, "value", &old_days) && old_days > 0) {
        const char *code = pp_json_str(old, "code");
        if (code && strcmp(code, "wk") == 0)
            old_days *= 7;
        else if (code && strcmp(code, "mo") == 0)
            old_days *= 30;
    }
    dur = cJSON_CreateObject();
    cJSON_AddNumberToObject(dur, "value", days);
    cJSON_AddStringToObject(dur, "unit", "days");
    cJSON_AddStringToObject(dur, "system", "http://unitsofmeasure.org");
    cJSON_AddStringToObject(dur, "code", "d");
    set_member(disp, "expectedSupplyDuration", dur);
    if (cJSON_GetObjectItemCaseSensitive(disp, "numberOfRepeatsAllowed"))
        set_member(disp, "numberOfRepeatsAllowed", cJSON_CreateNumber(0));
    qty = cJSON_GetObjectItemCaseSensitive(disp, "quantity");
    if (cJSON_IsObject(qty) && pp_json_num(qty, "value", &qv) && old_days > days && qv > 0)
        set_member(qty, "value", cJSON_CreateNumber(ceil(qv * days / old_days)));
    return copy;
}

static void add_created_resource(struct pp_buf *out, const struct pp_suggestion *s,
                                 const char *patient)
{
    char ref[300];
    snprintf(ref, sizeof(ref), "Patient/%s", patient ? patient : "");
    pp_buf_adds(out, "{\"resourceType\":");
    pp_buf_add_json_str(out, s->resource_type);
    pp_buf_adds(out, ",\"status\":\"draft\",\"intent\":\"order\",\"subject\":{\"reference\":");
    pp_buf_add_json_str(out, ref);
    pp_buf_adds(out, "}");
    if (s->rxnorm) {
        pp_buf_adds(out, ",\"medicationCodeableConcept\":{\"coding\":[{\"system\":");
        pp_buf_add_json_str(out, PP_SYS_RXNORM);
        pp_buf_adds(out, ",\"code\":");
        pp_buf_add_json_str(out, s->rxnorm);
        if (s->rxnorm_display) {
            pp_buf_adds(out, ",\"display\":");
            pp_buf_add_json_str(out, s->rxnorm_display);
        }
        pp_buf_adds(out, "}]");
        if (s->rxnorm_display) {
            pp_buf_adds(out, ",\"text\":");
            pp_buf_add_json_str(out, s->rxnorm_display);
        }
        pp_buf_adds(out, "}");
    }
    pp_buf_adds(out, "}");
}

/* One suggestion: label, uuid and (when it can be expressed) its action. */
static void write_suggestion(struct pp_buf *out, const struct pp_finding *x, size_t n,
                             const char *patient, const cJSON *request)
{
    const struct pp_suggestion *s = &x->suggestions[n];
    char uuid[37];
    cJSON *updated = NULL;

    card_uuid(x, patient, (unsigned)n + 1, uuid);
    pp_buf_adds(out, "{\"label\":");
    pp_buf_add_json_str(out, s->label);
    pp_buf_adds(out, ",\"uuid\":");
    pp_buf_add_json_str(out, uuid);
    switch (s->action) {
    case PP_ACTION_CREATE:
        if (!s->resource_type)
            break;
        pp_buf_adds(out, ",\"actions\":[{\"type\":\"create\",\"description\":");
        pp_buf_add_json_str(out, s->label);
        pp_buf_adds(out, ",\"resource\":");
        add_created_resource(out, s, patient);
        pp_buf_adds(out, "}]");
        break;
    case PP_ACTION_UPDATE: {
        const cJSON *draft = find_draft(request, s->resource_ref);
        char *text;
        if (!draft || !(s->days_supply > 0) || !(updated = shortened_order(draft, s->days_supply)))
            break;
        text = cJSON_PrintUnformatted(updated);
        if (!text)
            break;
        pp_buf_adds(out, ",\"actions\":[{\"type\":\"update\",\"description\":");
        pp_buf_add_json_str(out, s->label);
        pp_buf_adds(out, ",\"resource\":");
        pp_buf_adds(out, text);
        pp_buf_adds(out, "}]");
        cJSON_free(text);
        break;
    }
    case PP_ACTION_DELETE:
        if (!s->resource_ref)
            break;
        pp_buf_adds(out, ",\"actions\":[{\"type\":\"delete\",\"description\":");
        pp_buf_add_json_str(out, s->label);
        pp_buf_adds(out, ",\"resourceId\":[");
        pp_buf_add_json_str(out, s->resource_ref);
        pp_buf_adds(out, "]}]");
        break;
    case PP_ACTION_NONE: break;
    }
    cJSON_Delete(updated);
    pp_buf_adds(out, "}");
}

static void write_card(struct pp_buf *out, const struct pp_finding *x, const char *patient,
                       const cJSON *request)
{
    const struct pp_opioid_rule *rule = pp_opioid_rule_find(x->rule_id);
    bool cdc = strncmp(x->rule_id, "CDC", 3) == 0;
    char uuid[37];

    card_uuid(x, patient, 0, uuid);
    pp_buf_adds(out, "{\"uuid\":");
    pp_buf_add_json_str(out, uuid);
    pp_buf_adds(out, ",\"summary\":");
    pp_buf_add_json_str(out, x->summary);
    pp_buf_adds(out, ",\"detail\":");
    {
        /* the markdown detail, then where the rule comes from */
        struct pp_buf detail;
        pp_buf_init(&detail, PP_BUF_UNLIMITED);
        pp_buf_adds(&detail, x->detail ? x->detail : "");
        if (x->source && *x->source)
            pp_buf_addf(&detail, "%s_Source: %s (rule %s)._", detail.len ? "\n\n" : "", x->source,
                        x->rule_id);
        pp_buf_add_json_str(out, detail.data ? detail.data : "");
        pp_buf_release(&detail);
    }
    pp_buf_adds(out, ",\"indicator\":");
    pp_buf_add_json_str(out, pp_severity_name(x->severity));
    pp_buf_adds(out, ",\"source\":{\"label\":");
    pp_buf_add_json_str(out, cdc ? "painpath: CDC 2022 opioid guideline"
                                 : "painpath: practice opioid policy");
    if (rule && rule->url) {
        pp_buf_adds(out, ",\"url\":");
        pp_buf_add_json_str(out, rule->url);
    }
    pp_buf_adds(out, ",\"topic\":{\"system\":\"" RULE_SYSTEM "\",\"code\":");
    pp_buf_add_json_str(out, x->rule_id);
    pp_buf_adds(out, ",\"display\":");
    pp_buf_add_json_str(out, rule ? rule->title : x->rule_id);
    pp_buf_adds(out, "}}");
    if (x->n_suggestions) {
        pp_buf_adds(out, ",\"selectionBehavior\":\"at-most-one\",\"suggestions\":[");
        for (size_t i = 0; i < x->n_suggestions; i++) {
            pp_buf_adds(out, i ? "," : "");
            write_suggestion(out, x, i, patient, request);
        }
        pp_buf_adds(out, "]");
    }
    pp_buf_adds(out, "}");
}

void pp_cds_cards_write(const struct pp_findings *f, const char *patient_id, const cJSON *request,
                        struct pp_buf *out)
{
    static const enum pp_severity order[] = {PP_SEV_CRITICAL, PP_SEV_WARNING, PP_SEV_INFO};
    bool first = true;

    pp_buf_adds(out, "{\"cards\":[");
    for (size_t o = 0; o < sizeof(order) / sizeof(order[0]); o++) {
        for (size_t i = 0; i < f->n; i++) {
            if (f->items[i].severity != order[o])
                continue;
            pp_buf_adds(out, first ? "" : ",");
            write_card(out, &f->items[i], patient_id, request);
            first = false;
        }
    }
    pp_buf_adds(out, "]}\n");
}

/* ---- a service run ----------------------------------------------------------------- */

enum pp_err pp_cds_service_run(const struct pp_cds_service *svc, const cJSON *request,
                               const char *name, const struct pp_cds_env *env,
                               struct pp_findings *findings, struct pp_buf *out, struct pp_diag *d)
{
    struct pp_patient_set set;
    struct pp_cds_request req;
    struct pp_mme_result mme;
    struct pp_opioid_context ctx;
    const struct pp_record *r;
    enum pp_err rc;

    if (!cJSON_IsObject(request)) {
        pp_diag_set(d, PP_ERR_INPUT, "", "expected a JSON object: a CDS Hooks request");
        pp_diag_prefix_file(d, name);
        return PP_ERR_INPUT;
    }
    pp_fhir_patient_set_init(&set);
    pp_fhir_cds_request_init(&req);
    pp_mme_result_init(&mme);
    rc = pp_fhir_cds_load(&set, request, name, &req, d);
    if (rc)
        goto out;
    if (strcmp(req.hook, svc->hook) != 0) {
        rc = pp_diag_set(d, PP_ERR_INPUT, "hook", "service %s answers \"%s\" requests, not \"%s\"",
                         svc->id, svc->hook, req.hook);
        pp_diag_prefix_file(d, name);
        goto out;
    }
    r = pp_fhir_patient_set_get(&set, req.patient_id);
    rc = pp_mme_compute(r, env->now, env->policy, env->codes, &mme);
    if (rc) {
        pp_diag_set(d, rc, "", "MME could not be computed");
        goto out;
    }
    memset(&ctx, 0, sizeof(ctx));
    ctx.hook = svc->opioid_hook;
    /* selections narrow the decision to those drafts; selections that name no draft order
     * are the EHR's mistake, and every draft order is checked rather than none */
    if (req.has_selections && req.n_selected) {
        ctx.order_ids = req.selected_ids;
        ctx.n_order_ids = req.n_selected;
    }
    pp_opioid_evaluate(r, env->now, env->policy, env->terms, &mme, &ctx, findings);
    pp_cds_cards_write(findings, req.patient_id, request, out);
out:
    pp_mme_result_release(&mme);
    pp_fhir_cds_request_release(&req);
    pp_fhir_patient_set_release(&set);
    return rc;
}
