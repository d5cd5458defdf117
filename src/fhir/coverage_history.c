/*
 * coverage_history.c — FHIR proposal + patient record -> the coverage proposal and history
 * (docs/PROFILES.md "Eligibility"). Reads what the record documents and leaves the rest
 * undocumented (PP_DAY_NONE, NAN) so that clinical/coverage.c names the criterion; never
 * guesses a date or a relief. No clock, SQL or HTTP.
 */
#include "fhir/coverage_history.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clinical/careplan.h"
#include "clinical/procedures.h"
#include "fhir/block_diary.h"
#include "util/alloc.h"
#include "util/json.h"

#define LOINC "http://loinc.org"
#define LOINC_ODI "97909-6"
#define LOINC_NDI "82237-9"
#define SNOMED_PREGNANT "77386006" /* CLINICAL-FACTS §6.2 */

struct pp_fhir_coverage *pp_fhir_coverage_new(void)
{
    return pp_xcalloc(1, sizeof(struct pp_fhir_coverage));
}

void pp_fhir_coverage_free(struct pp_fhir_coverage *c)
{
    if (!c)
        return;
    free(c->priors);
    free(c);
}

/* The day of a FHIR date or dateTime ("2026-11-20", "2026-11-20T09:00:00Z"). */
static pp_day day_of(const char *s)
{
    pp_day d;
    struct pp_diag ignored;
    if (!s || strlen(s) < 10 || pp_day_parse(s, 10, &d, &ignored))
        return PP_DAY_NONE;
    return d;
}

static const char *type_of(const cJSON *r)
{
    const char *t = pp_json_str(r, "resourceType");
    return t ? t : "";
}

/* A resource the record no longer stands behind. */
static bool voided(const cJSON *r)
{
    const char *status = pp_json_str(r, "status");
    const char *verification =
        pp_fhir_coding_code(pp_json_obj(r, "verificationStatus"),
                            "http://terminology.hl7.org/CodeSystem/condition-ver-status");
    if (!verification)
        verification = pp_fhir_coding_code(
            pp_json_obj(r, "verificationStatus"),
            "http://terminology.hl7.org/CodeSystem/allergyintolerance-verification");
    return (status && (strcmp(status, "entered-in-error") == 0 ||
                       strcmp(status, "cancelled") == 0 || strcmp(status, "not-done") == 0)) ||
           (verification && (strcmp(verification, "entered-in-error") == 0 ||
                             strcmp(verification, "refuted") == 0));
}

/* Case-insensitive: does the concept's text or any display contain `word`? */
static bool concept_mentions(const cJSON *concept, const char *word)
{
    const char *texts[16];
    size_t n = 0;
    const cJSON *c;
    texts[n++] = pp_json_str(concept, "text");
    cJSON_ArrayForEach(c, pp_json_arr(concept, "coding"))
    {
        if (n < sizeof(texts) / sizeof(texts[0]))
            texts[n++] = pp_json_str(c, "display");
    }
    for (size_t i = 0; i < n; i++) {
        const char *t = texts[i];
        size_t wl = strlen(word);
        if (!t)
            continue;
        for (; *t; t++) {
            size_t k = 0;
            while (k < wl && t[k] && tolower((unsigned char)t[k]) == word[k])
                k++;
            if (k == wl)
                return true;
        }
    }
    return false;
}

/* The clinical groups a Condition's code matches (clinical/careplan.h's table). */
static unsigned condition_dx(const cJSON *concept)
{
    struct pp_coding codings[16];
    struct pp_concept c = {codings, 0, pp_json_str(concept, "text")};
    const cJSON *x;
    cJSON_ArrayForEach(x, pp_json_arr(concept, "coding"))
    {
        if (c.n_codings == sizeof(codings) / sizeof(codings[0]))
            break;
        codings[c.n_codings].system = pp_json_str(x, "system");
        codings[c.n_codings].code = pp_json_str(x, "code");
        codings[c.n_codings].display = pp_json_str(x, "display");
        c.n_codings++;
    }
    return pp_careplan_concept_dx(&c);
}

/* The LOINC code of an Observation, or "". */
static const char *loinc_of(const cJSON *obs)
{
    const char *c = pp_fhir_coding_code(pp_json_obj(obs, "code"), LOINC);
    return c ? c : "";
}

static bool obs_value(const cJSON *obs, double *v)
{
    return pp_json_num(pp_json_obj(obs, "valueQuantity"), "value", v) ||
           pp_json_num(obs, "valueInteger", v) || pp_json_num(obs, "valueDecimal", v);
}

static const char *effective_of(const cJSON *r)
{
    const char *s = pp_json_str(r, "effectiveDateTime");
    if (!s)
        s = pp_json_str(pp_json_obj(r, "effectivePeriod"), "start");
    return s;
}

static const char *performed_of(const cJSON *r)
{
    const char *s = pp_json_str(r, "performedDateTime");
    if (!s)
        s = pp_json_str(pp_json_obj(r, "performedPeriod"), "start");
    return s;
}

/* The latest date on or before `limit`, else the earliest (so a late one is still seen). */
static void keep_date(pp_day *slot, pp_day d, pp_day limit)
{
    if (d == PP_DAY_NONE)
        return;
    if (*slot == PP_DAY_NONE) {
        *slot = d;
        return;
    }
    if (d <= limit && (*slot > limit || d > *slot))
        *slot = d;
    else if (*slot > limit && d < *slot)
        *slot = d;
}

/* ---- intake answers: conservative care and course ---- */

static void walk_items(const cJSON *items, bool in_care, pp_day *care_start, bool *not_improving)
{
    const cJSON *it;
    cJSON_ArrayForEach(it, items)
    {
        const char *link = pp_json_str(it, "linkId");
        const cJSON *ans = cJSON_GetArrayItem(pp_json_arr(it, "answer"), 0);
        bool care = in_care || (link && strncmp(link, "conservative_care", 17) == 0);
        if (!link)
            continue;
        if (care && ans) {
            pp_day d = day_of(pp_json_str(ans, "valueDate"));
            if (d == PP_DAY_NONE)
                d = day_of(pp_json_str(ans, "valueDateTime"));
            if (d != PP_DAY_NONE && (*care_start == PP_DAY_NONE || d < *care_start))
                *care_start = d;
        }
        if (strcmp(link, "course") == 0 && ans) {
            const char *v = pp_json_str(pp_json_obj(ans, "valueCoding"), "code");
            if (!v)
                v = pp_json_str(ans, "valueString");
            if (v && (strcmp(v, "not_improving") == 0 || strcmp(v, "worsening") == 0))
                *not_improving = true;
        }
        walk_items(pp_json_arr(it, "item"), care && strcmp(link, "conservative_care") == 0,
                   care_start, not_improving);
    }
}

/* ---- priors ---- */

/* Relief from the block's own diary: baseline = the latest rating at or before the
 * injection, relief = the best rating after it (peak relief). False without both. */
static bool diary_relief(const cJSON *bundle, const char *pid, const char *performed,
                         double *baseline, double *best)
{
    double injected, base_at = -INFINITY;
    bool has_base = false, has_after = false;
    const cJSON *e;
    if (!pp_fhir_datetime_minutes(performed, &injected))
        return false;
    cJSON_ArrayForEach(e, pp_json_arr(bundle, "entry"))
    {
        const cJSON *obs = pp_json_obj(e, "resource"), *p;
        bool mine = false;
        double at, v;
        if (strcmp(type_of(obs), "Observation") != 0 || strcmp(loinc_of(obs), PP_FHIR_LOINC_NRS))
            continue;
        cJSON_ArrayForEach(p, pp_json_arr(obs, "partOf"))
        {
            const char *ref = pp_json_str(p, "reference");
            mine = mine || (ref && strncmp(ref, "Procedure/", 10) == 0 && !strcmp(ref + 10, pid));
        }
        if (!mine || voided(obs) || !pp_fhir_datetime_minutes(effective_of(obs), &at) ||
            !obs_value(obs, &v))
            continue;
        if (at <= injected) {
            if (at >= base_at) {
                base_at = at;
                *baseline = v;
                has_base = true;
            }
        } else if (!has_after || v < *best) {
            *best = v;
            has_after = true;
        }
    }
    return has_base && has_after;
}

/* Is obs part of some Procedure (a block diary rating, not a visit score)? */
static bool in_diary(const cJSON *obs)
{
    return cJSON_GetArraySize(pp_json_arr(obs, "partOf")) > 0;
}

/* The latest score of `loinc` (not a diary rating) dated in [lo, hi] (days). */
static bool score_between(const cJSON *bundle, const char *loinc, pp_day lo, pp_day hi, double *v,
                          pp_day *on)
{
    const cJSON *e;
    pp_day best = PP_DAY_NONE;
    cJSON_ArrayForEach(e, pp_json_arr(bundle, "entry"))
    {
        const cJSON *obs = pp_json_obj(e, "resource");
        pp_day d;
        double x;
        if (strcmp(type_of(obs), "Observation") != 0 || strcmp(loinc_of(obs), loinc) != 0 ||
            in_diary(obs) || voided(obs) || !obs_value(obs, &x))
            continue;
        d = day_of(effective_of(obs));
        if (d == PP_DAY_NONE || d < lo || d > hi || (best != PP_DAY_NONE && d < best))
            continue;
        best = d;
        *v = x;
    }
    if (on)
        *on = best;
    return best != PP_DAY_NONE;
}

/* Whole calendar months from a to b (b >= a). */
static double months_between(pp_day a, pp_day b)
{
    int m = 0;
    while (m < 1200 && pp_day_add_months(a, m + 1) <= b)
        m++;
    return m;
}

static void prior_init(struct pp_cov_prior *pr)
{
    memset(pr, 0, sizeof(*pr));
    pr->date = PP_DAY_NONE;
    pr->relief_pct = pr->relief_months = pr->baseline_pain = pr->followup_pain = NAN;
    pr->function_improvement_pct = pr->baseline_function = pr->followup_function = NAN;
    pr->medication_reduction_pct = pr->trial_days = NAN;
}

static unsigned purpose_of(const cJSON *r, const char *where, bool *bad)
{
    static const char *const names[] = {"diagnostic", "therapeutic", "trial"};
    static const unsigned bits[] = {PP_PURPOSE_DIAGNOSTIC, PP_PURPOSE_THERAPEUTIC,
                                    PP_PURPOSE_TRIAL};
    const char *v = pp_json_str(pp_fhir_extension(r, PP_FHIR_PURPOSE_URL), "valueCode");
    (void)where;
    *bad = false;
    if (!v)
        return 0;
    for (size_t i = 0; i < 3; i++)
        if (strcmp(v, names[i]) == 0)
            return bits[i];
    *bad = true;
    return 0;
}

/* The day of the next completed catalogue Procedure after `after` (PP_DAY_NONE: none). */
static pp_day next_procedure(const cJSON *bundle, pp_day after)
{
    const cJSON *e;
    pp_day next = PP_DAY_NONE;
    cJSON_ArrayForEach(e, pp_json_arr(bundle, "entry"))
    {
        const cJSON *r = pp_json_obj(e, "resource");
        bool amb;
        const char *status = pp_json_str(r, "status");
        pp_day d;
        if (strcmp(type_of(r), "Procedure") != 0 || !status || strcmp(status, "completed") ||
            !pp_fhir_catalogue_entry(r, &amb))
            continue;
        d = day_of(performed_of(r));
        if (d != PP_DAY_NONE && d > after && (next == PP_DAY_NONE || d < next))
            next = d;
    }
    return next;
}

static enum pp_err read_prior(const cJSON *bundle, const cJSON *proc,
                              const struct pp_proc_entry *entry, pp_day until, size_t i,
                              struct pp_fhir_coverage *out, struct pp_diag *d)
{
    struct pp_cov_prior *pr = &out->priors[i];
    const char *pid = pp_json_str(proc, "id"), *performed = performed_of(proc);
    char where[160];
    int side = 0;
    bool bad;
    double base, best;
    pp_day next, on;
    enum pp_err rc;

    pid = pid ? pid : "(no id)";
    prior_init(pr);
    out->prior_ids[i] = pid;
    pr->entry = entry;
    pr->date = day_of(performed);
    snprintf(where, sizeof(where), "Procedure/%s.bodySite[0].text", pid);
    if ((rc = pp_fhir_body_site(proc, where, out->levels[1 + i], pr->levels, PP_COV_MAX_LEVELS,
                                &pr->n_levels, &side, d)))
        return rc;
    pr->purpose = purpose_of(proc, where, &bad);
    if (bad) {
        snprintf(where, sizeof(where), "Procedure/%s.extension('%s')", pid, PP_FHIR_PURPOSE_URL);
        return pp_diag_set(d, PP_ERR_INPUT, where, "expected diagnostic, therapeutic or trial");
    }
    {
        const cJSON *used = cJSON_GetArrayItem(pp_json_arr(proc, "usedCode"), 0);
        pr->drug = pp_json_str(used, "text");
        if (!pr->drug)
            pr->drug = pp_json_str(cJSON_GetArrayItem(pp_json_arr(used, "coding"), 0), "code");
    }
    if (strcmp(entry->id, "scs-trial") == 0) {
        pp_day a = day_of(pp_json_str(pp_json_obj(proc, "performedPeriod"), "start"));
        pp_day b = day_of(pp_json_str(pp_json_obj(proc, "performedPeriod"), "end"));
        if (a != PP_DAY_NONE && b != PP_DAY_NONE && b >= a)
            pr->trial_days = b - a;
    }
    if (diary_relief(bundle, pid, performed, &base, &best)) {
        pr->baseline_pain = base;
        pr->followup_pain = best;
        pr->followup_scale = "NRS";
        if (base > 0)
            pr->relief_pct = 100.0 * (base - best) / base;
        return PP_OK;
    }
    /* follow-up visits: the scores before it and the last ones before the next procedure */
    next = next_procedure(bundle, pr->date);
    if (next == PP_DAY_NONE || next > until)
        next = until + 1;
    if (score_between(bundle, PP_FHIR_LOINC_NRS, PP_DAY_NONE + 1, pr->date, &base, NULL) &&
        score_between(bundle, PP_FHIR_LOINC_NRS, pr->date + 1, next - 1, &best, &on)) {
        pr->baseline_pain = base;
        pr->followup_pain = best;
        pr->followup_scale = "NRS";
        /* the relief documented at that visit had lasted at least this long */
        pr->relief_months = months_between(pr->date, on);
    }
    {
        const char *scales[] = {LOINC_ODI, LOINC_NDI};
        for (size_t k = 0; k < 2; k++) {
            if (score_between(bundle, scales[k], PP_DAY_NONE + 1, pr->date, &base, NULL) &&
                score_between(bundle, scales[k], pr->date + 1, next - 1, &best, NULL)) {
                pr->baseline_function = base;
                pr->followup_function = best;
                break;
            }
        }
    }
    return PP_OK;
}

/* ---- the proposal ---- */

static bool has_catalogue_code(const cJSON *sr)
{
    bool amb;
    return pp_fhir_catalogue_entry(sr, &amb) || amb;
}

static const cJSON *find_proposal(const cJSON *bundle, const char *sr_id, struct pp_diag *d,
                                  enum pp_err *rc)
{
    const cJSON *e, *found = NULL;
    size_t n = 0;
    *rc = PP_OK;
    cJSON_ArrayForEach(e, pp_json_arr(bundle, "entry"))
    {
        const cJSON *r = pp_json_obj(e, "resource");
        const char *id = pp_json_str(r, "id");
        if (strcmp(type_of(r), "ServiceRequest") != 0)
            continue;
        if (sr_id ? (id && strcmp(id, sr_id) == 0) : has_catalogue_code(r)) {
            found = r;
            n++;
        }
    }
    if (sr_id && !found)
        *rc = pp_diag_set(d, PP_ERR_NOT_FOUND, "ServiceRequest", "no ServiceRequest %.64s", sr_id);
    else if (!found)
        *rc = pp_diag_set(d, PP_ERR_INPUT, "ServiceRequest",
                          "no proposed procedure: a ServiceRequest with a urn:painpath:procedure "
                          "or CPT code is required");
    else if (!sr_id && n > 1)
        *rc = pp_diag_set(d, PP_ERR_INPUT, "ServiceRequest",
                          "%zu proposed procedures: send one ServiceRequest with a catalogue "
                          "code",
                          n);
    return *rc ? NULL : found;
}

static enum pp_err read_proposal(const cJSON *sr, pp_day now, struct pp_fhir_coverage *out,
                                 struct pp_diag *d)
{
    static const char *const guides[] = {"fluoroscopy", "ct", "ultrasound", "landmark"};
    static const unsigned guide_bits[] = {PP_GUIDE_FLUORO, PP_GUIDE_CT, PP_GUIDE_US,
                                          PP_GUIDE_LANDMARK};
    struct pp_cov_proposal *p = &out->proposal;
    const char *id = pp_json_str(sr, "id"), *when, *guide;
    const cJSON *contrast;
    char where[200];
    bool amb, bad;
    int side = 0;
    enum pp_err rc;

    id = id ? id : "(no id)";
    out->proposal_id = id;
    p->entry = pp_fhir_catalogue_entry(sr, &amb);
    snprintf(where, sizeof(where), "ServiceRequest/%s.code", id);
    if (!p->entry)
        return pp_diag_set(d, PP_ERR_UNSUPPORTED, where, "%s",
                           amb ? "the CPT code names several catalogue procedures: add the "
                                 "urn:painpath:procedure code"
                               : "no procedure of the catalogue (urn:painpath:procedure id or "
                                 "its CPT code)");
    when = pp_json_str(sr, "occurrenceDateTime");
    if (!when)
        when = pp_json_str(pp_json_obj(sr, "occurrencePeriod"), "start");
    p->date = when ? day_of(when) : now;
    if (p->date == PP_DAY_NONE) {
        snprintf(where, sizeof(where), "ServiceRequest/%s.occurrenceDateTime", id);
        return pp_diag_set(d, PP_ERR_INPUT, where, "expected a date YYYY-MM-DD");
    }
    snprintf(where, sizeof(where), "ServiceRequest/%s.bodySite[0].text", id);
    if ((rc = pp_fhir_body_site(sr, where, out->levels[0], p->levels, PP_COV_MAX_LEVELS,
                                &p->n_levels, &side, d)))
        return rc;
    p->side = (enum pp_cov_side)side;
    p->purpose = purpose_of(sr, where, &bad);
    if (bad) {
        snprintf(where, sizeof(where), "ServiceRequest/%s.extension('%s')", id,
                 PP_FHIR_PURPOSE_URL);
        return pp_diag_set(d, PP_ERR_INPUT, where, "expected diagnostic, therapeutic or trial");
    }
    guide = pp_json_str(pp_fhir_extension(sr, PP_FHIR_GUIDANCE_URL), "valueCode");
    p->guidance = guide ? 0 : PP_GUIDE_FLUORO; /* as `painpath eligibility` */
    for (size_t k = 0; guide && k < 4; k++)
        if (strcmp(guide, guides[k]) == 0)
            p->guidance = guide_bits[k];
    if (!p->guidance) {
        snprintf(where, sizeof(where), "ServiceRequest/%s.extension('%s').valueCode", id,
                 PP_FHIR_GUIDANCE_URL);
        return pp_diag_set(d, PP_ERR_INPUT, where,
                           "expected fluoroscopy, ct, ultrasound or landmark");
    }
    contrast = cJSON_GetObjectItemCaseSensitive(pp_fhir_extension(sr, PP_FHIR_CONTRAST_URL),
                                                "valueBoolean");
    p->contrast = cJSON_IsTrue(contrast);
    return PP_OK;
}

/* ---- the history ---- */

static void read_facts(const cJSON *bundle, pp_day date, struct pp_cov_history *h)
{
    const cJSON *e;
    pp_day care_start = PP_DAY_NONE, provocation_day = PP_DAY_NONE;
    bool not_improving = false;

    cJSON_ArrayForEach(e, pp_json_arr(bundle, "entry"))
    {
        const cJSON *r = pp_json_obj(e, "resource");
        const char *type = type_of(r);
        if (voided(r))
            continue;
        if (strcmp(type, "Condition") == 0) {
            const cJSON *code = pp_json_obj(r, "code");
            pp_day onset = day_of(pp_json_str(r, "onsetDateTime"));
            if (onset == PP_DAY_NONE)
                onset = day_of(pp_json_str(pp_json_obj(r, "onsetPeriod"), "start"));
            if (onset == PP_DAY_NONE)
                onset = day_of(pp_json_str(r, "recordedDate"));
            if ((condition_dx(code) & PP_PLAN_DX_PAIN_ALL) && onset != PP_DAY_NONE &&
                (h->pain_onset == PP_DAY_NONE || onset < h->pain_onset))
                h->pain_onset = onset;
            if (concept_mentions(code, "zoster"))
                h->herpes_zoster = true;
            if (pp_fhir_coding_code(code, "http://snomed.info/sct") &&
                strcmp(pp_fhir_coding_code(code, "http://snomed.info/sct"), SNOMED_PREGNANT) == 0)
                h->pregnant = true;
        } else if (strcmp(type, "AllergyIntolerance") == 0) {
            if (concept_mentions(pp_json_obj(r, "code"), "contrast"))
                h->contrast_allergy = true;
        } else if (strcmp(type, "ImagingStudy") == 0) {
            keep_date(&h->imaging_date, day_of(pp_json_str(r, "started")), date);
        } else if (strcmp(type, "DiagnosticReport") == 0) {
            const cJSON *cat;
            cJSON_ArrayForEach(cat, pp_json_arr(r, "category"))
            {
                const char *c =
                    pp_fhir_coding_code(cat, "http://terminology.hl7.org/CodeSystem/v2-0074");
                if (c && strcmp(c, "RAD") == 0) {
                    const char *when = effective_of(r);
                    keep_date(&h->imaging_date, day_of(when ? when : pp_json_str(r, "issued")),
                              date);
                }
            }
        } else if (strcmp(type, "Procedure") == 0) {
            const char *c = pp_fhir_coding_code(pp_json_obj(r, "code"), PP_FHIR_EVALUATION_SYSTEM);
            if (c && strcmp(c, "psychological") == 0)
                keep_date(&h->psych_eval_date, day_of(performed_of(r)), date);
        } else if (strcmp(type, "Observation") == 0) {
            const char *c = pp_fhir_coding_code(pp_json_obj(r, "code"), PP_FHIR_FINDING_SYSTEM);
            const char *loinc = loinc_of(r);
            pp_day d = day_of(effective_of(r));
            double v;
            if (c && strcmp(c, PP_FHIR_PROVOCATION_CODE) == 0 && obs_value(r, &v) && v >= 0 &&
                v <= 1000 && (provocation_day == PP_DAY_NONE || d >= provocation_day)) {
                provocation_day = d;
                h->provocation_positive = (int)v;
            }
            if (d != PP_DAY_NONE && d <= date && !in_diary(r)) {
                if (strcmp(loinc, PP_FHIR_LOINC_NRS) == 0)
                    h->baseline_pain_scale = "NRS";
                else if (strcmp(loinc, LOINC_ODI) == 0)
                    h->baseline_function_scale = "ODI";
                else if (strcmp(loinc, LOINC_NDI) == 0 && !h->baseline_function_scale)
                    h->baseline_function_scale = "NDI";
            }
        } else if (strcmp(type, "QuestionnaireResponse") == 0) {
            walk_items(pp_json_arr(r, "item"), false, &care_start, &not_improving);
        }
    }
    h->conservative_start = care_start;
    /* care tried and the pain still not improving: conservative care has failed */
    h->conservative_failed = care_start != PP_DAY_NONE && not_improving;
}

/* Every resource that names a patient names the proposal's: a history is one patient's. */
static enum pp_err one_patient(const cJSON *bundle, const cJSON *sr, struct pp_diag *d)
{
    const char *want = pp_json_str(pp_json_obj(sr, "subject"), "reference");
    const cJSON *e;
    if (!want)
        return PP_OK;
    cJSON_ArrayForEach(e, pp_json_arr(bundle, "entry"))
    {
        const cJSON *r = pp_json_obj(e, "resource");
        const char *key = pp_json_obj(r, "subject") ? "subject" : "patient";
        const char *ref = pp_json_str(pp_json_obj(r, key), "reference");
        if (ref && strncmp(ref, "Patient/", 8) == 0 && strcmp(ref, want) != 0) {
            char where[200];
            const char *id = pp_json_str(r, "id");
            snprintf(where, sizeof(where), "%s/%s.%s", type_of(r), id ? id : "(no id)", key);
            return pp_diag_set(d, PP_ERR_INPUT, where,
                               "of another patient than the proposal (%.80s): send one "
                               "patient's record",
                               want);
        }
    }
    return PP_OK;
}

enum pp_err pp_fhir_coverage_read(const cJSON *bundle, const char *sr_id, pp_day now,
                                  struct pp_fhir_coverage *out, struct pp_diag *d)
{
    const cJSON *sr, *e;
    struct pp_cov_history *h = &out->history;
    size_t n = 0;
    enum pp_err rc;

    free(out->priors);
    memset(out, 0, sizeof(*out));
    h->pain_onset = h->conservative_start = h->imaging_date = h->psych_eval_date = PP_DAY_NONE;
    h->provocation_positive = -1;
    sr = find_proposal(bundle, sr_id, d, &rc);
    if (!sr)
        return rc;
    if ((rc = read_proposal(sr, now, out, d)))
        return rc;
    if ((rc = one_patient(bundle, sr, d)))
        return rc;
    read_facts(bundle, out->proposal.date, h);
    out->priors = pp_xcalloc(PP_FHIR_COV_MAX_PRIORS, sizeof(*out->priors));
    cJSON_ArrayForEach(e, pp_json_arr(bundle, "entry"))
    {
        const cJSON *r = pp_json_obj(e, "resource");
        const char *status = pp_json_str(r, "status");
        const struct pp_proc_entry *entry;
        pp_day when;
        bool amb;
        if (strcmp(type_of(r), "Procedure") != 0 || !status || strcmp(status, "completed") != 0)
            continue;
        entry = pp_fhir_catalogue_entry(r, &amb);
        when = day_of(performed_of(r));
        /* a procedure after the proposed date is not its history */
        if (!entry || when == PP_DAY_NONE || when > out->proposal.date)
            continue;
        if (n == PP_FHIR_COV_MAX_PRIORS)
            return pp_diag_set(d, PP_ERR_LIMIT, "Procedure", "more than %d prior procedures",
                               PP_FHIR_COV_MAX_PRIORS);
        if ((rc = read_prior(bundle, r, entry, out->proposal.date, n, out, d)))
            return rc;
        n++;
    }
    h->priors = out->priors;
    h->n_priors = n;
    return PP_OK;
}

enum pp_err pp_fhir_coverage_explain(const struct pp_fhir_coverage *c, enum pp_err rc,
                                     struct pp_diag *d)
{
    char where[sizeof(d->where)];
    const char *id = c->proposal_id ? c->proposal_id : "(no id)";
    bool missing = strstr(d->what, "say which") || strstr(d->what, "needs its levels");
    size_t i;
    int used = 0;

    if (rc != PP_ERR_INPUT)
        return rc;
    if (strncmp(d->where, "procedure.purpose", 17) == 0)
        snprintf(where, sizeof(where), "ServiceRequest/%s.extension('%s')", id,
                 PP_FHIR_PURPOSE_URL);
    else if (strncmp(d->where, "procedure.levels", 16) == 0)
        snprintf(where, sizeof(where), "ServiceRequest/%s.bodySite[0].text", id);
    else if (sscanf(d->where, "history.prior_procedures[%zu]%n", &i, &used) == 1 && used > 0 &&
             i < c->history.n_priors)
        snprintf(where, sizeof(where), "Procedure/%s.%s", c->prior_ids[i],
                 strstr(d->what, "purpose") ? "extension('" PP_FHIR_PURPOSE_URL "')"
                                            : "bodySite[0].text");
    else
        return rc;
    memcpy(d->where, where, sizeof(where));
    return missing ? PP_ERR_UNSUPPORTED : rc;
}
