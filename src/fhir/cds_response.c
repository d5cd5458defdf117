/*
 * cds_response.c — painpath's CDS Hooks services: the table, discovery with each
 * service's prefetch templates, one service run (request -> record -> findings; the
 * opioid run here, the others in cds_services.c), and findings as CDS Hooks cards with
 * deterministic uuids and create/update/delete suggestions. Never HTTP or I/O: the
 * caller hands in parsed JSON and gets text in a pp_buf.
 */
#include "fhir/cds_response.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clinical/mme.h"
#include "fhir/cds.h"
#include "fhir/cds_int.h"
#include "fhir/patient_set.h"
#include "util/json.h"
#include "util/banned.h"

#define RULE_SYSTEM "urn:painpath:rule"

/* Prefetch keys and FHIR queries the services may ask for (CDS Hooks prefetch templates). */
static const struct {
    const char *key;
    const char *query;
} prefetch[PP_CDS_PREFETCH_KEYS] = {
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
    {"observations", "Observation?patient={{context.patientId}}"},
    {"serviceRequests", "ServiceRequest?patient={{context.patientId}}"},
    {"questionnaireResponses", "QuestionnaireResponse?patient={{context.patientId}}"},
    {"imagingStudies", "ImagingStudy?patient={{context.patientId}}"},
    {"diagnosticReports", "DiagnosticReport?patient={{context.patientId}}"},
    {"allergies", "AllergyIntolerance?patient={{context.patientId}}"},
};

#define PF(i) (1u << (i))
#define PF_PATIENT PF(0)
#define PF_MED_REQUESTS PF(1)
#define PF_MED_STATEMENTS PF(2)
#define PF_MED_DISPENSES PF(3)
#define PF_CONDITIONS PF(4)
#define PF_LAB_OBS PF(5)
#define PF_PDMP_OBS PF(6)
#define PF_PROCEDURES PF(7)
#define PF_ENCOUNTERS PF(8)
#define PF_CAREPLANS PF(9)
#define PF_OBSERVATIONS PF(10)
#define PF_SERVICE_REQUESTS PF(11)
#define PF_QUESTIONNAIRES PF(12)
#define PF_IMAGING_STUDIES PF(13)
#define PF_REPORTS PF(14)
#define PF_ALLERGIES PF(15)
/* the opioid rules read all of the first ten */
#define PF_OPIOID (PF(10) - 1)

#define LABEL_OPIOID NULL /* CDC or practice label, chosen per rule */

static const struct pp_cds_service services[] = {
    {"opioid-order-select", "order-select", PP_OPIOID_ORDER_SELECT,
     "Opioid safety (CDC 2022 and practice policy) on order select",
     "Checks the selected draft orders against the CDC 2022 opioid guideline (recommendations "
     "1-12) and the practice's opioid policy: MME/day, naloxone, benzodiazepines, PDMP, urine "
     "drug testing, long-acting and early or replacement refills.",
     PP_CDS_OPIOID, PF_OPIOID, LABEL_OPIOID},
    {"opioid-order-sign", "order-sign", PP_OPIOID_ORDER_SIGN,
     "Opioid safety (CDC 2022 and practice policy) on order sign",
     "Checks the draft orders about to be signed against the CDC 2022 opioid guideline "
     "(recommendations 1-12) and the practice's opioid policy.",
     PP_CDS_OPIOID, PF_OPIOID, LABEL_OPIOID},
    {"opioid-patient-view", "patient-view", PP_OPIOID_PATIENT_VIEW,
     "Opioid safety review of the current medications",
     "Reviews the patient's active opioid therapy against the CDC 2022 opioid guideline and "
     "the practice's opioid policy when the chart is opened.",
     PP_CDS_OPIOID, PF_OPIOID, LABEL_OPIOID},
    {"pain-summary", "patient-view", PP_OPIOID_PATIENT_VIEW, "Pain management summary",
     "The AHRQ CDS Connect Pain Management Summary of the patient when the chart is opened: "
     "pertinent medical history, pain assessments, historical treatments and risk "
     "considerations as info cards; risk factors, high MME/day and a patient outside the "
     "summary's population as their own cards.",
     PP_CDS_PAIN_SUMMARY,
     PF_PATIENT | PF_MED_REQUESTS | PF_MED_STATEMENTS | PF_MED_DISPENSES | PF_CONDITIONS |
         PF_OBSERVATIONS | PF_PROCEDURES | PF_ENCOUNTERS | PF_SERVICE_REQUESTS,
     "painpath: pain management summary (AHRQ CDS Connect)"},
    {"procedure-order-sign", "order-sign", PP_OPIOID_ORDER_SIGN,
     "Payer eligibility of interventional procedure orders",
     "For each draft ServiceRequest ordering a procedure of painpath's catalogue "
     "(urn:painpath:procedure or its CPT code), the payer coverage criteria (Medicare LCD "
     "family, NCD 160.7): met, met from a later date, or unmet with every criterion named.",
     PP_CDS_PROCEDURES,
     PF_PATIENT | PF_CONDITIONS | PF_OBSERVATIONS | PF_PROCEDURES | PF_SERVICE_REQUESTS |
         PF_QUESTIONNAIRES | PF_IMAGING_STUDIES | PF_REPORTS | PF_ALLERGIES,
     "painpath: payer coverage criteria"},
    {"imaging-order-select", "order-select", PP_OPIOID_ORDER_SELECT,
     "Appropriateness of low back and neck imaging orders",
     "For each selected draft imaging ServiceRequest (urn:painpath:imaging, e.g. "
     "lumbar-mri_without_contrast), the ACR Appropriateness Criteria (Low Back Pain 2021) for "
     "the patient's red flags, pain duration and conservative care: usually not appropriate "
     "with the reason, appropriate, or urgent for a red flag.",
     PP_CDS_IMAGING, PF_PATIENT | PF_CONDITIONS | PF_QUESTIONNAIRES,
     "painpath: imaging appropriateness (ACR, ACP, NICE)"},
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

const char *pp_cds_prefetch_key(size_t i, const char **query)
{
    if (i >= PP_CDS_PREFETCH_KEYS) {
        if (query)
            *query = NULL;
        return NULL;
    }
    if (query)
        *query = prefetch[i].query;
    return prefetch[i].key;
}

size_t pp_cds_prefetch_missing(const struct pp_cds_service *svc, const cJSON *request,
                               const char **keys, size_t max)
{
    const cJSON *pre = cJSON_GetObjectItemCaseSensitive(request, "prefetch");
    size_t n = 0;
    for (size_t k = 0; k < PP_CDS_PREFETCH_KEYS; k++) {
        if (!(svc->prefetch & PF(k)))
            continue;
        if (cJSON_IsObject(pre) && cJSON_GetObjectItemCaseSensitive(pre, prefetch[k].key))
            continue; /* present; null means "no data" */
        if (n < max)
            keys[n] = prefetch[k].key;
        n++;
    }
    return n;
}

/* Does comma-separated `list` hold the `len`-byte word `w`? */
static bool in_list(const char *list, size_t list_len, const char *w)
{
    size_t wl = strlen(w);
    const char *p = list, *end = list + list_len;
    while (p < end) {
        const char *comma = memchr(p, ',', (size_t)(end - p));
        size_t n = comma ? (size_t)(comma - p) : (size_t)(end - p);
        if (n == wl && strncmp(p, w, n) == 0)
            return true;
        p += n + 1;
    }
    return false;
}

/* Any coding of concept `c` (an object) whose code is in `list` (and system `sys` when
 * given, `sys_len` bytes)? */
static bool concept_in(const cJSON *c, const char *sys, size_t sys_len, const char *list,
                       size_t list_len)
{
    const cJSON *k;
    cJSON_ArrayForEach(k, pp_json_arr(c, "coding"))
    {
        const char *ks = pp_json_str(k, "system"), *kc = pp_json_str(k, "code");
        if (!kc || (sys && (!ks || strlen(ks) != sys_len || strncmp(ks, sys, sys_len) != 0)))
            continue;
        if (in_list(list, list_len, kc))
            return true;
    }
    return false;
}

bool pp_cds_prefetch_matches(const cJSON *r, const char *query)
{
    const char *p = strchr(query, '?') ? strchr(query, '?') + 1 : "";
    while (p && *p) {
        const char *amp = strchr(p, '&'), *eq = strchr(p, '=');
        const char *end = amp ? amp : p + strlen(p);
        if (eq && eq < end) {
            size_t nl = (size_t)(eq - p), vl = (size_t)(end - eq - 1);
            const char *v = eq + 1;
            if (nl == 6 && strncmp(p, "status", 6) == 0) {
                const char *st = pp_json_str(r, "status");
                if (!st || !in_list(v, vl, st))
                    return false;
            } else if (nl == 8 && strncmp(p, "category", 8) == 0) {
                const cJSON *cat = cJSON_GetObjectItemCaseSensitive(r, "category"), *c;
                bool hit = false;
                if (cJSON_IsArray(cat)) {
                    cJSON_ArrayForEach(c, cat) hit = hit || concept_in(c, NULL, 0, v, vl);
                } else {
                    hit = concept_in(cat, NULL, 0, v, vl);
                }
                if (!hit)
                    return false;
            } else if (nl == 4 && strncmp(p, "code", 4) == 0) {
                const char *bar = memchr(v, '|', vl);
                if (bar ? !concept_in(pp_json_obj(r, "code"), v, (size_t)(bar - v), bar + 1,
                                      vl - (size_t)(bar - v) - 1)
                        : !concept_in(pp_json_obj(r, "code"), NULL, 0, v, vl))
                    return false;
            }
        }
        p = amp ? amp + 1 : NULL;
    }
    return true;
}

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
        for (size_t k = 0, first = 1; k < PP_CDS_PREFETCH_KEYS; k++) {
            if (!(s->prefetch & PF(k)))
                continue;
            pp_buf_adds(out, first ? "" : ",");
            first = 0;
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
    static const char hex[] = "0123456789abcdef";
    size_t o = 0;

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
    /* 8-4-4-4-12 lowercase hex digits */
    for (int i = 0; i < 16; i++) {
        if (i == 4 || i == 6 || i == 8 || i == 10)
            out[o++] = '-';
        out[o++] = hex[b[i] >> 4];
        out[o++] = hex[b[i] & 15];
    }
    out[o] = '\0';
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
        if (!draft || !(s->days_supply > 0) || !(updated = shortened_order(draft, s->days_supply)))
            break;
        pp_buf_adds(out, ",\"actions\":[{\"type\":\"update\",\"description\":");
        pp_buf_add_json_str(out, s->label);
        pp_buf_adds(out, ",\"resource\":");
        pp_json_write(out, updated);
        pp_buf_adds(out, "}]");
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

/* One card; `label` is the source label (NULL: the opioid labels, CDC or practice). */
static void write_card(struct pp_buf *out, const struct pp_finding *x, const char *patient,
                       const cJSON *request, const char *label)
{
    const struct pp_opioid_rule *rule = label ? NULL : pp_opioid_rule_find(x->rule_id);
    bool cdc = strncmp(x->rule_id, "CDC", 3) == 0;
    const char *title = label ? pp_cds_rule_title(x->rule_id) : NULL;
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
    pp_buf_add_json_str(out, label ? label
                             : cdc ? "painpath: CDC 2022 opioid guideline"
                                   : "painpath: practice opioid policy");
    if (rule && rule->url) {
        pp_buf_adds(out, ",\"url\":");
        pp_buf_add_json_str(out, rule->url);
    }
    pp_buf_adds(out, ",\"topic\":{\"system\":\"" RULE_SYSTEM "\",\"code\":");
    pp_buf_add_json_str(out, x->rule_id);
    pp_buf_adds(out, ",\"display\":");
    pp_buf_add_json_str(out, rule ? rule->title : title ? title : x->rule_id);
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

/* The cards of `f` in indicator order, each with source label `label` (NULL: opioid). */
static void cards_write(const struct pp_findings *f, const char *patient_id, const cJSON *request,
                        const char *label, struct pp_buf *out)
{
    static const enum pp_severity order[] = {PP_SEV_CRITICAL, PP_SEV_WARNING, PP_SEV_INFO};
    bool first = true;

    pp_buf_adds(out, "{\"cards\":[");
    for (size_t o = 0; o < sizeof(order) / sizeof(order[0]); o++) {
        for (size_t i = 0; i < f->n; i++) {
            if (f->items[i].severity != order[o])
                continue;
            pp_buf_adds(out, first ? "" : ",");
            write_card(out, &f->items[i], patient_id, request, label);
            first = false;
        }
    }
    pp_buf_adds(out, "]}\n");
}

void pp_cds_cards_write(const struct pp_findings *f, const char *patient_id, const cJSON *request,
                        struct pp_buf *out)
{
    cards_write(f, patient_id, request, NULL, out);
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
    if (svc->kind != PP_CDS_OPIOID) {
        struct pp_cds_run run = {svc, &req, r, request, env, findings};
        rc = svc->kind == PP_CDS_PAIN_SUMMARY ? pp_cds_run_pain_summary(&run, d)
             : svc->kind == PP_CDS_PROCEDURES ? pp_cds_run_procedures(&run, d)
                                              : pp_cds_run_imaging(&run, d);
        if (rc) {
            pp_diag_prefix_file(d, name);
            goto out;
        }
        cards_write(findings, req.patient_id, request, svc->source, out);
        goto out;
    }
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
