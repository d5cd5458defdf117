/*
 * cds_orders.c — what the order CDS services read from a request beyond the record:
 * its resources as one Bundle (for fhir/coverage_history.c), the intake answers of its
 * QuestionnaireResponses, and the imaging order with its clinical context. Reading
 * only: every decision stays in clinical/imaging.c and clinical/coverage.c.
 */
#include "fhir/cds_orders.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "clinical/careplan.h"
#include "clinical/triage.h"
#include "util/json.h"
#include "util/banned.h"

#define N_OF(a) (sizeof(a) / sizeof((a)[0]))

/* ---- small JSON helpers ------------------------------------------------------------- */

/* The code of the first coding of `concept` with `system`, or NULL. */
static const char *coding_code(const cJSON *concept, const char *system)
{
    const cJSON *c;
    cJSON_ArrayForEach(c, pp_json_arr(concept, "coding"))
    {
        const char *sys = pp_json_str(c, "system");
        if (sys && strcmp(sys, system) == 0 && pp_json_str(c, "code"))
            return pp_json_str(c, "code");
    }
    return NULL;
}

/* A FHIR date or dateTime string's day; PP_DAY_NONE when absent or not a date. */
static pp_day day_of(const char *s)
{
    struct pp_diag d;
    pp_day day;
    if (!s || strlen(s) < 10 || pp_day_parse(s, 10, &day, &d) != PP_OK)
        return PP_DAY_NONE;
    return day;
}

/* ---- intake answers ----------------------------------------------------------------- */

/* The answer's value as a new cJSON node, or NULL when the item has no usable answer. */
static cJSON *answer_value(const cJSON *item)
{
    const cJSON *a = cJSON_GetArrayItem(pp_json_arr(item, "answer"), 0);
    const cJSON *v;
    const char *s;
    if (!cJSON_IsObject(a))
        return NULL;
    if ((v = cJSON_GetObjectItemCaseSensitive(a, "valueBoolean")) && cJSON_IsBool(v))
        return cJSON_CreateBool(cJSON_IsTrue(v));
    if ((v = cJSON_GetObjectItemCaseSensitive(a, "valueInteger")) && cJSON_IsNumber(v))
        return cJSON_CreateNumber(v->valuedouble);
    if ((s = pp_json_str(a, "valueDate")) || (s = pp_json_str(a, "valueDateTime")) ||
        (s = pp_json_str(a, "valueString")))
        return cJSON_CreateString(s);
    if ((v = pp_json_obj(a, "valueCoding")) && (s = pp_json_str(v, "code")))
        return cJSON_CreateString(s);
    return NULL;
}

/* Put `value` (taken) at "prefix.linkId" (or "linkId") of `out`, replacing what was there. */
static void put(cJSON *out, const char *prefix, const char *link, cJSON *value)
{
    char key[160];
    snprintf(key, sizeof(key), "%s%s%s", prefix ? prefix : "", prefix ? "." : "", link);
    cJSON_DeleteItemFromObjectCaseSensitive(out, key);
    cJSON_AddItemToObject(out, key, value);
}

static void put_items(cJSON *out, const cJSON *items, const char *group)
{
    const cJSON *item;
    cJSON_ArrayForEach(item, items)
    {
        const char *link = pp_json_str(item, "linkId");
        cJSON *v;
        if (!link)
            continue;
        if (pp_json_arr(item, "item")) {
            /* a group: its children are "group.child" unless already dotted */
            put_items(out, pp_json_arr(item, "item"), strchr(link, '.') ? NULL : link);
            continue;
        }
        if ((v = answer_value(item)) != NULL)
            put(out, strchr(link, '.') ? NULL : group, link, v);
    }
}

/* Collect the QuestionnaireResponses of a prefetch value into qrs (borrowed pointers). */
static void collect_qr(const cJSON *v, const cJSON **qrs, size_t *n, size_t max)
{
    const char *type = pp_json_str(v, "resourceType");
    const cJSON *e;
    if (!type && pp_json_obj(v, "resource")) /* an entry-shaped wrapper */
        v = pp_json_obj(v, "resource"), type = pp_json_str(v, "resourceType");
    if (!type)
        return;
    if (strcmp(type, "QuestionnaireResponse") == 0) {
        const char *st = pp_json_str(v, "status");
        if (*n < max && st && (strcmp(st, "completed") == 0 || strcmp(st, "amended") == 0))
            qrs[(*n)++] = v;
        return;
    }
    if (strcmp(type, "Bundle") == 0)
        cJSON_ArrayForEach(e, pp_json_arr(v, "entry"))
            collect_qr(pp_json_obj(e, "resource"), qrs, n, max);
}

/* Most QuestionnaireResponses read (a patient's intake history is a handful). */
#define QR_MAX 256

cJSON *pp_cds_intake_answers(const cJSON *request)
{
    const cJSON *qrs[QR_MAX], *m;
    cJSON *out = cJSON_CreateObject();
    size_t n = 0;

    cJSON_ArrayForEach(m, pp_json_obj(request, "prefetch")) collect_qr(m, qrs, &n, QR_MAX);
    /* oldest authored first (stable insertion sort: n is small), so later answers win */
    for (size_t i = 1; i < n; i++) {
        const cJSON *x = qrs[i];
        const char *ax = pp_json_str(x, "authored");
        size_t j = i;
        while (j > 0) {
            const char *ap = pp_json_str(qrs[j - 1], "authored");
            if (!ax || (ap && strcmp(ap, ax) <= 0))
                break;
            qrs[j] = qrs[j - 1];
            j--;
        }
        qrs[j] = x;
    }
    for (size_t i = 0; i < n; i++)
        put_items(out, pp_json_arr(qrs[i], "item"), NULL);
    return out;
}

/* An intake answer (flattened key) as a day, or PP_DAY_NONE. */
static pp_day answer_day(const cJSON *answers, const char *key)
{
    return day_of(pp_json_str(answers, key));
}

/* The earliest conservative-care start in the answers (either vocabulary), or NONE. */
static pp_day conservative_start(const cJSON *answers)
{
    pp_day start = answer_day(answers, "conservative_care_start");
    const cJSON *a;
    cJSON_ArrayForEach(a, answers)
    {
        pp_day day;
        if (strncmp(a->string, "conservative_care.", 18) != 0 || !cJSON_IsString(a))
            continue;
        day = day_of(a->valuestring);
        if (day != PP_DAY_NONE && (start == PP_DAY_NONE || day < start))
            start = day;
    }
    return start;
}

/* "improving" yes/no from either vocabulary; PP_ANSWER_UNKNOWN when unanswered. */
static enum pp_answer improving(const cJSON *answers)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(answers, "improving");
    const char *course = pp_json_str(answers, "course");
    if (cJSON_IsBool(v))
        return cJSON_IsTrue(v) ? PP_ANSWER_YES : PP_ANSWER_NO;
    if (course && strcmp(course, "improving") == 0)
        return PP_ANSWER_YES;
    if (course && (strcmp(course, "not_improving") == 0 || strcmp(course, "worsening") == 0))
        return PP_ANSWER_NO;
    return PP_ANSWER_UNKNOWN;
}

static enum pp_answer yes_no(const cJSON *answers, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(answers, key);
    if (!cJSON_IsBool(v))
        return PP_ANSWER_UNKNOWN;
    return cJSON_IsTrue(v) ? PP_ANSWER_YES : PP_ANSWER_NO;
}

/* ---- the record --------------------------------------------------------------------- */

/* Back and neck pain diagnoses (clinical/careplan.h's groups): what dates the pain an
 * imaging order is about. Knee, CRPS, migraine, fibromyalgia and neuropathic pain do not. */
#define SPINE_PAIN                                                                                 \
    (PP_PLAN_DX_RADICULAR | PP_PLAN_DX_RADICULAR_CERVICAL | PP_PLAN_DX_RADICULAR_THORACIC |        \
     PP_PLAN_DX_AXIAL_LUMBAR | PP_PLAN_DX_AXIAL_CERVICAL | PP_PLAN_DX_FACET |                      \
     PP_PLAN_DX_FACET_CERVICAL | PP_PLAN_DX_SI_JOINT | PP_PLAN_DX_POST_LAMINECTOMY |               \
     PP_PLAN_DX_STENOSIS)

static bool is_active(const char *status)
{
    return !status || strcmp(status, "active") == 0 || strcmp(status, "recurrence") == 0 ||
           strcmp(status, "relapse") == 0;
}

/* The earliest onset (else recorded date) of an active pain Condition; NONE without one. */
static pp_day pain_onset(const struct pp_record *r)
{
    pp_day onset = PP_DAY_NONE;
    for (size_t i = 0; i < r->n_conditions; i++) {
        const struct pp_condition *c = &r->conditions[i];
        pp_day day = c->onset != PP_DAY_NONE ? c->onset : c->recorded;
        if (!is_active(c->clinical_status) || !(pp_careplan_concept_dx(&c->code) & SPINE_PAIN) ||
            day == PP_DAY_NONE)
            continue;
        if (onset == PP_DAY_NONE || day < onset)
            onset = day;
    }
    return onset;
}

/* Add a reference to every resource of prefetch value `v` (a Bundle, a resource, or an
 * entry-shaped wrapper) to `entries`. */
static void add_refs(cJSON *entries, const cJSON *v)
{
    const char *type = pp_json_str(v, "resourceType");
    const cJSON *e;
    cJSON *entry;
    if (!type && pp_json_obj(v, "resource"))
        v = pp_json_obj(v, "resource"), type = pp_json_str(v, "resourceType");
    if (!type)
        return;
    if (strcmp(type, "Bundle") == 0) {
        cJSON_ArrayForEach(e, pp_json_arr(v, "entry"))
            add_refs(entries, pp_json_obj(e, "resource"));
        return;
    }
    entry = cJSON_CreateObject();
    /* a reference node: the Bundle borrows the request's resource (cJSON never writes
     * through it, and deleting the Bundle leaves it alone) */
    cJSON_AddItemReferenceToObject(entry, "resource", (cJSON *)(uintptr_t)v);
    cJSON_AddItemToArray(entries, entry);
}

cJSON *pp_cds_request_bundle(const cJSON *request)
{
    cJSON *bundle = cJSON_CreateObject(), *entries;
    const cJSON *m;
    cJSON_AddStringToObject(bundle, "resourceType", "Bundle");
    cJSON_AddStringToObject(bundle, "type", "collection");
    entries = cJSON_AddArrayToObject(bundle, "entry");
    add_refs(entries, pp_json_obj(pp_json_obj(request, "context"), "draftOrders"));
    cJSON_ArrayForEach(m, pp_json_obj(request, "prefetch")) add_refs(entries, m);
    return bundle;
}

/* ---- imaging ------------------------------------------------------------------------ */

bool pp_cds_imaging_order_of(const cJSON *sr, enum pp_img_region *region,
                             enum pp_img_modality *modality)
{
    const char *code = coding_code(pp_json_obj(sr, "code"), PP_SYS_IMAGING);
    const char *dash = code ? strchr(code, '-') : NULL;
    if (!dash)
        return false;
    for (int g = 0; g < PP_IMG_REGION_COUNT; g++) {
        const char *rn = pp_imaging_region_name((enum pp_img_region)g);
        if (strlen(rn) != (size_t)(dash - code) || strncmp(rn, code, strlen(rn)) != 0)
            continue;
        for (int m = 0; m < PP_IMG_MODALITY_COUNT; m++)
            if (strcmp(pp_imaging_modality_name((enum pp_img_modality)m), dash + 1) == 0) {
                *region = (enum pp_img_region)g;
                *modality = (enum pp_img_modality)m;
                return true;
            }
    }
    return false;
}

void pp_cds_imaging_context(const struct pp_record *r, const cJSON *answers,
                            enum pp_img_region region, enum pp_img_modality modality,
                            struct pp_imaging_input *in)
{
    char key[96];

    pp_imaging_input_init(in);
    in->region = region;
    in->modality = modality;
    in->onset = answer_day(answers, "onset");
    if (in->onset == PP_DAY_NONE)
        in->onset = pain_onset(r);
    in->conservative_start = conservative_start(answers);
    in->candidate = yes_no(answers, "candidate_for_surgery_or_intervention");
    in->improving = improving(answers);
    in->prior_surgery_new_symptoms = yes_no(answers, "prior_surgery_new_symptoms");
    for (int f = 0; f < PP_RF_COUNT; f++) {
        snprintf(key, sizeof(key), "red_flags.%s", pp_triage_red_flag_name((enum pp_red_flag)f));
        in->red_flags[f] = yes_no(answers, key);
    }
    for (int f = 0; f < PP_NECK_FLAG_COUNT; f++) {
        snprintf(key, sizeof(key), "neck_flags.%s",
                 pp_imaging_neck_flag_name((enum pp_img_neck_flag)f));
        in->neck_flags[f] = yes_no(answers, key);
    }
}
