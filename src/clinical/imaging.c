/*
 * imaging.c — low back and neck imaging appropriateness (CLINICAL-FACTS §5:
 * red-flag categories, ACR Low Back Pain 2021 variants 1-7, ACP, NICE; the
 * neck by analogy, §5 "Neck-specific" being L) and the documented JSON input.
 * Pure: no I/O, no clock, no globals; thresholds are policy fields.
 */
#include "clinical/imaging.h"

#include <stdio.h>
#include <string.h>

#include "util/buf.h"
#include "util/json.h"

#define N_OF(a) (sizeof(a) / sizeof((a)[0]))

#define SRC_ACR "CLINICAL-FACTS §5 ACR Appropriateness Criteria Low Back Pain 2021"
#define SRC_ACP "CLINICAL-FACTS §5 ACP (Chou 2007, 2011)"
#define SRC_NECK "CLINICAL-FACTS §5 Neck-specific (L)"

/* ---- names ---- */

static const char *const region_names[] = {"lumbar", "cervical"};
static const char *const modality_names[] = {"xray", "ct", "mri_without_contrast",
                                             "mri_with_contrast", "mri_with_and_without_contrast"};
static const char *const neck_names[] = {"myelopathy", "cervical_artery_dissection",
                                         "high_risk_trauma"};
static const char *const rating_names[] = {"not_rated", "usually_appropriate", "may_be_appropriate",
                                           "usually_not_appropriate"};
static const char *const rating_texts[] = {"not rated by the sheet", "Usually appropriate",
                                           "May be appropriate", "Usually not appropriate"};
static const char *const verdict_names[] = {"appropriate", "usually_not_appropriate", "review",
                                            "urgent"};
static const char *const urgency_names[] = {"routine", "urgent", "emergency"};

static const char *name_at(const char *const *names, size_t n, unsigned i)
{
    return i < n ? names[i] : "?";
}

const char *pp_imaging_region_name(enum pp_img_region r)
{
    return name_at(region_names, N_OF(region_names), (unsigned)r);
}
const char *pp_imaging_modality_name(enum pp_img_modality m)
{
    return name_at(modality_names, N_OF(modality_names), (unsigned)m);
}
const char *pp_imaging_neck_flag_name(enum pp_img_neck_flag n)
{
    return name_at(neck_names, N_OF(neck_names), (unsigned)n);
}
const char *pp_imaging_rating_name(enum pp_img_rating r)
{
    return name_at(rating_names, N_OF(rating_names), (unsigned)r);
}
const char *pp_imaging_rating_text(enum pp_img_rating r)
{
    return name_at(rating_texts, N_OF(rating_texts), (unsigned)r);
}
const char *pp_imaging_verdict_name(enum pp_img_verdict v)
{
    return name_at(verdict_names, N_OF(verdict_names), (unsigned)v);
}
const char *pp_imaging_urgency_name(enum pp_img_urgency u)
{
    return name_at(urgency_names, N_OF(urgency_names), (unsigned)u);
}

void pp_imaging_input_init(struct pp_imaging_input *in)
{
    memset(in, 0, sizeof(*in));
    in->region = PP_IMG_LUMBAR;
    in->modality = PP_IMG_MRI_WITHOUT;
    in->onset = PP_DAY_NONE;
    in->conservative_start = PP_DAY_NONE;
}

/* ---- the red-flag cases, in order of precedence (CLINICAL-FACTS §5 rows) ---- */

#define M_XRAY (1u << PP_IMG_XRAY)
#define M_CT (1u << PP_IMG_CT)
#define M_MRI                                                                                      \
    ((1u << PP_IMG_MRI_WITHOUT) | (1u << PP_IMG_MRI_WITH) | (1u << PP_IMG_MRI_WITH_WITHOUT))

enum img_case { C_CAUDA, C_NEURO, C_INFECTION, C_MALIGNANCY, C_NECK, C_FRACTURE, C_COUNT };

static const struct {
    const char *rule;
    const char *what;
    int variant; /* ACR LBP variant (lumbar only), 0 for none */
    enum pp_img_urgency urgency;
    unsigned accepted; /* modalities §5's action names */
    const char *preferred;
    const char *source;
} cases[C_COUNT] = {
    /* §5 Cauda equina (H/M): emergency MRI; ACR Variant 4. */
    [C_CAUDA] = {"IMG-V4-CAUDA-EQUINA", "suspected cauda equina syndrome", 4, PP_URGENCY_EMERGENCY,
                 M_MRI, "emergency MRI, same-day surgical referral",
                 "CLINICAL-FACTS §5 Cauda equina syndrome; ACR Variant 4"},
    /* §5 Severe or progressive neuro deficit (H): MRI promptly. */
    [C_NEURO] = {"IMG-NEURO-DEFICIT", "severe or progressive neurological deficit", 0,
                 PP_URGENCY_URGENT, M_MRI, "MRI promptly",
                 "CLINICAL-FACTS §5 Severe or progressive neuro deficit"},
    /* §5 Infection (H/M): MRI with and without contrast plus ESR/CRP; ACR Variant 7. */
    [C_INFECTION] = {"IMG-V7-INFECTION", "suspected spinal infection", 7, PP_URGENCY_URGENT,
                     1u << PP_IMG_MRI_WITH_WITHOUT, "MRI with and without contrast plus ESR/CRP",
                     "CLINICAL-FACTS §5 Infection; ACR Variant 7"},
    /* §5 Malignancy (H/M): MRI; ESR/CRP and plain film in lower-risk cases (ACP 2007). */
    [C_MALIGNANCY] = {"IMG-V7-CANCER", "suspected malignancy", 7, PP_URGENCY_URGENT, M_MRI | M_XRAY,
                      "MRI (ESR/CRP and plain film in lower-risk cases)",
                      "CLINICAL-FACTS §5 Malignancy; ACR Variant 7"},
    /* §5 Neck-specific (L): MRI/CT per ACR Neck Pain criteria. */
    [C_NECK] = {"IMG-NECK-RED-FLAG", "neck red flag", 0, PP_URGENCY_URGENT, M_MRI | M_CT,
                "MRI or CT per the ACR Neck Pain criteria", SRC_NECK},
    /* §5 Fracture (H/M): radiographs/CT; ACR Variant 6. */
    [C_FRACTURE] = {"IMG-V6-FRACTURE", "suspected fracture", 6, PP_URGENCY_URGENT, M_XRAY | M_CT,
                    "radiographs or CT", "CLINICAL-FACTS §5 Fracture; ACR Variant 6"},
};

/* The §5 category of a triage red-flag feature. */
static enum img_case flag_case(enum pp_red_flag r)
{
    switch (r) {
    case PP_RF_URINARY_RETENTION:
    case PP_RF_FECAL_INCONTINENCE:
    case PP_RF_SADDLE_ANESTHESIA:
    case PP_RF_BILATERAL_SCIATICA:
    case PP_RF_BILATERAL_LEG_DEFICIT: return C_CAUDA;
    case PP_RF_CANCER_HISTORY:
    case PP_RF_WEIGHT_LOSS: return C_MALIGNANCY;
    case PP_RF_FEVER:
    case PP_RF_IV_DRUG_USE:
    case PP_RF_IMMUNOSUPPRESSION: return C_INFECTION;
    case PP_RF_MAJOR_TRAUMA:
    case PP_RF_MINOR_TRAUMA_FRAGILE: return C_FRACTURE;
    default: return C_NEURO;
    }
}

/* ---- evaluation ---- */

static enum pp_err check(const struct pp_imaging_input *in, pp_day now, struct pp_diag *d)
{
    if (in->onset == PP_DAY_NONE)
        return pp_diag_set(d, PP_ERR_INPUT, "onset", "required: the date the pain began");
    if (in->onset > now)
        return pp_diag_set(d, PP_ERR_INPUT, "onset", "after --now");
    if (in->conservative_start != PP_DAY_NONE &&
        (in->conservative_start < in->onset || in->conservative_start > now))
        return pp_diag_set(d, PP_ERR_INPUT, "conservative_care_start",
                           "must lie between onset and --now");
    if (in->region != PP_IMG_CERVICAL)
        for (int n = 0; n < PP_NECK_FLAG_COUNT; n++)
            if (in->neck_flags[n] == PP_ANSWER_YES) {
                char where[64];
                snprintf(where, sizeof(where), "neck_flags.%s", neck_names[n]);
                return pp_diag_set(d, PP_ERR_INPUT, where, "applies to region cervical only");
            }
    return PP_OK;
}

static enum pp_img_rating rating_for(int variant, enum pp_img_modality m)
{
    /* §5 ACR (H): Variants 1-2 all imaging usually not appropriate; Variant 3 MRI lumbar without
     * contrast usually appropriate; Variant 4 MRI usually appropriate (read as MRI without
     * contrast: the sheet names no contrast). Nothing else is rated by the sheet. */
    if (variant == 1 || variant == 2)
        return PP_RATING_USUALLY_NOT_APPROPRIATE;
    if ((variant == 3 || variant == 4) && m == PP_IMG_MRI_WITHOUT)
        return PP_RATING_USUALLY_APPROPRIATE;
    return PP_RATING_NOT_RATED;
}

static void mismatch(struct pp_findings *f, const struct pp_imaging_input *in,
                     const char *preferred, const char *why)
{
    struct pp_finding *x = pp_findings_add(f, "IMG-MODALITY-MISMATCH", PP_SEV_WARNING,
                                           "CLINICAL-FACTS §5", "%s ordered; %s calls for %s",
                                           pp_imaging_modality_name(in->modality), why, preferred);
    pp_finding_suggest(f, x, PP_ACTION_UPDATE, preferred);
}

/* The red-flag pathway; true when any red flag is present. */
static bool red_flags(const struct pp_imaging_input *in, struct pp_findings *f,
                      struct pp_imaging_result *out)
{
    bool hit[C_COUNT] = {false};
    struct pp_buf words[C_COUNT];
    int top = -1;

    for (int c = 0; c < C_COUNT; c++)
        pp_buf_init(&words[c], 512);
    for (int r = 0; r < PP_RF_COUNT; r++)
        if (in->red_flags[r] == PP_ANSWER_YES) {
            enum img_case c = flag_case((enum pp_red_flag)r);
            hit[c] = true;
            pp_buf_adds(&words[c], words[c].len ? ", " : "");
            pp_buf_adds(&words[c], pp_triage_red_flag_name((enum pp_red_flag)r));
        }
    for (int n = 0; n < PP_NECK_FLAG_COUNT; n++)
        if (in->neck_flags[n] == PP_ANSWER_YES) {
            hit[C_NECK] = true;
            pp_buf_adds(&words[C_NECK], words[C_NECK].len ? ", " : "");
            pp_buf_adds(&words[C_NECK], neck_names[n]);
        }
    for (int c = 0; c < C_COUNT; c++) {
        struct pp_finding *x;
        if (!hit[c])
            continue;
        if (top < 0)
            top = c;
        if (cases[c].urgency > out->urgency)
            out->urgency = cases[c].urgency;
        if (!out->acr_variant && in->region == PP_IMG_LUMBAR)
            out->acr_variant = cases[c].variant;
        x = pp_findings_add(f, cases[c].rule,
                            cases[c].urgency == PP_URGENCY_EMERGENCY ? PP_SEV_CRITICAL
                                                                     : PP_SEV_WARNING,
                            cases[c].source, "Red flag, %s (%s): %s", cases[c].what, words[c].data,
                            cases[c].preferred);
        pp_finding_detail(
            f, x, "Red flags go to %s care, not to a queue (DESIGN.md). §5 action: %s.",
            cases[c].urgency == PP_URGENCY_EMERGENCY ? "emergency" : "urgent", cases[c].preferred);
    }
    for (int c = 0; c < C_COUNT; c++)
        pp_buf_release(&words[c]);
    if (top < 0)
        return false;
    out->verdict = PP_VERDICT_URGENT;
    out->preferred = cases[top].preferred;
    if (in->region == PP_IMG_LUMBAR && in->prior_surgery_new_symptoms == PP_ANSWER_YES &&
        !out->acr_variant)
        out->acr_variant = 5;
    if (!(cases[top].accepted & (1u << in->modality)))
        mismatch(f, in, cases[top].preferred, cases[top].what);
    return true;
}

static void unanswered(const struct pp_imaging_input *in, struct pp_findings *f)
{
    struct pp_buf b;
    pp_buf_init(&b, 1024);
    for (int r = 0; r < PP_RF_COUNT; r++)
        if (in->red_flags[r] == PP_ANSWER_UNKNOWN) {
            pp_buf_adds(&b, b.len ? ", " : "");
            pp_buf_adds(&b, pp_triage_red_flag_name((enum pp_red_flag)r));
        }
    if (in->region == PP_IMG_CERVICAL)
        for (int n = 0; n < PP_NECK_FLAG_COUNT; n++)
            if (in->neck_flags[n] == PP_ANSWER_UNKNOWN) {
                pp_buf_adds(&b, b.len ? ", " : "");
                pp_buf_adds(&b, neck_names[n]);
            }
    if (b.len) {
        struct pp_finding *x = pp_findings_add(f, "IMG-RED-FLAGS-UNANSWERED", PP_SEV_WARNING,
                                               "CLINICAL-FACTS §5 (red flags)",
                                               "Red-flag questions unanswered: %s", b.data);
        pp_finding_detail(f, x, "The verdict assumes no red flag. Unanswered: %s.", b.data);
        pp_finding_suggest(f, x, PP_ACTION_NONE, "Ask the unanswered red-flag questions");
    }
    pp_buf_release(&b);
}

/* No red flag: prior surgery, then the timing and candidacy rules (ACR Variants 1-3, ACP). */
static void routine(const struct pp_imaging_input *in, const struct pp_policy *p,
                    struct pp_findings *f, struct pp_imaging_result *out)
{
    bool lumbar = in->region == PP_IMG_LUMBAR;
    int base = out->pain_weeks < p->img_acute_max_weeks ? 1 : 2;
    struct pp_finding *x;

    out->urgency = PP_URGENCY_ROUTINE;
    if (!lumbar) {
        x = pp_findings_add(f, "IMG-NECK-BY-ANALOGY", PP_SEV_INFO, SRC_NECK,
                            "Neck pain: the low back rules applied by analogy; not rated by the "
                            "sheet");
        pp_finding_detail(f, x,
                          "CLINICAL-FACTS §5 gives no ACR neck variants (its neck row is L); "
                          "the 6-week and candidacy rules of the ACR low back criteria and "
                          "ACP are applied as the conservative reading.");
    }
    if (in->prior_surgery_new_symptoms == PP_ANSWER_YES) {
        /* §5 ACR Variant 5 (H): prior lumbar surgery with new or progressive symptoms; the sheet
         * gives no rating, so the order is for specialist judgement. */
        out->acr_variant = lumbar ? 5 : 0;
        out->verdict = PP_VERDICT_REVIEW;
        x = pp_findings_add(f, "IMG-V5-PRIOR-SURGERY", PP_SEV_INFO, SRC_ACR " Variant 5",
                            "Prior spine surgery with new or progressive symptoms: %s; not rated "
                            "by the sheet",
                            lumbar ? "ACR Variant 5" : "by analogy with ACR Variant 5");
        pp_finding_detail(f, x,
                          "Imaging is a specialist decision: NICE NG59, image only if the "
                          "result is likely to change management.");
        return;
    }
    if (in->improving == PP_ANSWER_YES) {
        /* Variant 3 needs persistent or progressive symptoms; ACP: nonpharmacologic care first. */
        out->acr_variant = lumbar && out->conservative_weeks < 0 ? base : 0;
        out->verdict = PP_VERDICT_NOT_APPROPRIATE;
        x = pp_findings_add(f, "IMG-IMPROVING", PP_SEV_WARNING, SRC_ACR " Variant 3; " SRC_ACP,
                            "Symptoms improving without red flags: imaging usually not "
                            "appropriate");
        pp_finding_suggest(f, x, PP_ACTION_DELETE, "Withdraw the imaging order");
        return;
    }
    if (out->conservative_weeks < 0) {
        /* §5 ACR Variants 1-2 (H): no red flags, no prior management: imaging usually not
         * appropriate. */
        out->acr_variant = lumbar ? base : 0;
        out->verdict = PP_VERDICT_NOT_APPROPRIATE;
        x = pp_findings_add(f, base == 1 ? "IMG-V1-ACUTE" : "IMG-V2-NO-MANAGEMENT", PP_SEV_WARNING,
                            SRC_ACR,
                            "%s pain (%d weeks), no red flags, no "
                            "conservative management yet: imaging usually not appropriate",
                            base == 1 ? "Acute" : "Subacute/chronic", out->pain_weeks);
        pp_finding_detail(f, x,
                          "ACR Variant %d. ACP 2017: nonpharmacologic treatment first. Imaging "
                          "becomes a question after %d weeks of optimal conservative management "
                          "in a surgery or intervention candidate (`img_conservative_weeks`; "
                          "`img_acute_max_weeks` = %d separates acute from subacute).",
                          base, p->img_conservative_weeks, p->img_acute_max_weeks);
        pp_finding_suggest(f, x, PP_ACTION_DELETE,
                           "Withdraw the order; start conservative management");
        return;
    }
    if (out->conservative_weeks < p->img_conservative_weeks) {
        char day[11];
        out->verdict = PP_VERDICT_NOT_APPROPRIATE;
        out->review_date = in->conservative_start + 7 * p->img_conservative_weeks;
        pp_day_format(out->review_date, day);
        x = pp_findings_add(f, "IMG-TOO-EARLY", PP_SEV_WARNING, SRC_ACR " Variant 3 (6 weeks)",
                            "%d of %d weeks of conservative management: no routine imaging "
                            "before %s",
                            out->conservative_weeks, p->img_conservative_weeks, day);
        pp_finding_detail(f, x,
                          "ACR Variant 3 rates MRI only for persistent or progressive symptoms "
                          "during or after %d weeks of optimal medical management "
                          "(`img_conservative_weeks`).",
                          p->img_conservative_weeks);
        pp_finding_suggest(f, x, PP_ACTION_DELETE, "Withdraw the order; review on the date given");
        return;
    }
    if (in->candidate != PP_ANSWER_YES) {
        /* ACP (Chou 2007/2011): MRI/CT for radiculopathy or stenosis only in candidates for
         * surgery or ESI with persistent symptoms. */
        out->verdict = PP_VERDICT_NOT_APPROPRIATE;
        x = pp_findings_add(f, "IMG-NOT-CANDIDATE", PP_SEV_WARNING, SRC_ACP,
                            "%d weeks of conservative care but %s: imaging usually not "
                            "appropriate",
                            out->conservative_weeks,
                            in->candidate == PP_ANSWER_NO
                                ? "not a candidate for surgery or intervention"
                                : "candidacy for surgery or intervention not stated");
        pp_finding_detail(f, x,
                          "Image only when the result would change management (NICE NG59): "
                          "a candidate for surgery or an injection.");
        return;
    }
    /* §5 ACR Variant 3 (H): MRI lumbar without contrast usually appropriate. */
    out->acr_variant = lumbar ? 3 : 0;
    out->preferred = lumbar ? "MRI lumbar spine without contrast" : "MRI without contrast";
    x = pp_findings_add(f, "IMG-V3-CANDIDATE", PP_SEV_INFO, SRC_ACR " Variant 3",
                        "Candidate with %d weeks of conservative management (>= %d): %s",
                        out->conservative_weeks, p->img_conservative_weeks, out->preferred);
    pp_finding_detail(f, x,
                      "Persistent or progressive symptoms during or after %d weeks of "
                      "optimal medical management in a surgery or intervention candidate.",
                      p->img_conservative_weeks);
    if (in->modality == PP_IMG_MRI_WITHOUT) {
        out->verdict = PP_VERDICT_APPROPRIATE;
    } else {
        out->verdict = PP_VERDICT_REVIEW;
        mismatch(f, in, out->preferred, lumbar ? "ACR Variant 3" : "the Variant 3 analogy");
    }
}

enum pp_err pp_imaging_evaluate(const struct pp_imaging_input *in, pp_day now,
                                const struct pp_policy *p, struct pp_findings *f,
                                struct pp_imaging_result *out, struct pp_diag *d)
{
    enum pp_err rc;

    memset(out, 0, sizeof(*out));
    out->review_date = PP_DAY_NONE;
    out->conservative_weeks = -1;
    rc = check(in, now, d);
    if (rc)
        return rc;
    out->pain_weeks = (int)((now - in->onset) / 7);
    if (in->conservative_start != PP_DAY_NONE)
        out->conservative_weeks = (int)((now - in->conservative_start) / 7);

    if (!red_flags(in, f, out)) {
        routine(in, p, f, out);
        unanswered(in, f);
    }
    out->rating = in->region == PP_IMG_LUMBAR ? rating_for(out->acr_variant, in->modality)
                                              : PP_RATING_NOT_RATED;
    return PP_OK;
}

/* ---- the documented JSON input ---- */

/* An object of answers keyed by `names` (n of them) into `answers`. */
static enum pp_err get_flags(const cJSON *obj, const char *group, bool triage_names,
                             enum pp_answer *answers, int n, const char *name, struct pp_diag *d)
{
    const cJSON *item;
    char field[96];
    if (!cJSON_IsObject(obj))
        return pp_json_field_error(d, name, group, "expected an object of true/false answers");
    cJSON_ArrayForEach(item, obj)
    {
        int r;
        snprintf(field, sizeof(field), "%s.%.48s", group, item->string);
        for (r = 0; r < n; r++)
            if (strcmp(item->string, triage_names ? pp_triage_red_flag_name((enum pp_red_flag)r)
                                                  : neck_names[r]) == 0)
                break;
        if (r == n)
            return pp_json_field_error(d, name, field, "unknown flag (see docs/cli-imaging.md)");
        if (pp_triage_answer_from_json(item, &answers[r], name, field, d))
            return PP_ERR_INPUT;
    }
    return PP_OK;
}

static enum pp_err parse_key(const cJSON *v, struct pp_imaging_input *in, unsigned *have,
                             const char *name, struct pp_diag *d)
{
    const char *k = v->string;
    int e;
    if (strcmp(k, "region") == 0) {
        *have |= 1u;
        if (pp_json_field_enum(v, region_names, N_OF(region_names), &e, name, k, d))
            return PP_ERR_INPUT;
        in->region = (enum pp_img_region)e;
    } else if (strcmp(k, "modality") == 0) {
        *have |= 2u;
        if (pp_json_field_enum(v, modality_names, N_OF(modality_names), &e, name, k, d))
            return PP_ERR_INPUT;
        in->modality = (enum pp_img_modality)e;
    } else if (strcmp(k, "onset") == 0) {
        return pp_json_field_date(v, true, &in->onset, name, k, d);
    } else if (strcmp(k, "conservative_care_start") == 0) {
        return pp_json_field_date(v, true, &in->conservative_start, name, k, d);
    } else if (strcmp(k, "candidate_for_surgery_or_intervention") == 0) {
        return pp_triage_answer_from_json(v, &in->candidate, name, k, d);
    } else if (strcmp(k, "improving") == 0) {
        return pp_triage_answer_from_json(v, &in->improving, name, k, d);
    } else if (strcmp(k, "prior_surgery_new_symptoms") == 0) {
        return pp_triage_answer_from_json(v, &in->prior_surgery_new_symptoms, name, k, d);
    } else if (strcmp(k, "red_flags") == 0) {
        return get_flags(v, k, true, in->red_flags, PP_RF_COUNT, name, d);
    } else if (strcmp(k, "neck_flags") == 0) {
        return get_flags(v, k, false, in->neck_flags, PP_NECK_FLAG_COUNT, name, d);
    } else {
        return pp_json_field_error(d, name, k, "unknown field (see docs/cli-imaging.md)");
    }
    return PP_OK;
}

enum pp_err pp_imaging_input_from_json(const char *text, size_t len, const char *name,
                                       struct pp_imaging_input *in, struct pp_diag *d)
{
    cJSON *root = NULL;
    const cJSON *v;
    unsigned have = 0;
    enum pp_err rc;

    pp_imaging_input_init(in);
    rc = pp_json_parse(text, len, name, &root, d);
    if (rc)
        return rc;
    if (!cJSON_IsObject(root)) {
        rc = pp_json_field_error(d, name, "(top level)", "expected a JSON object");
        goto out;
    }
    cJSON_ArrayForEach(v, root)
    {
        rc = parse_key(v, in, &have, name, d);
        if (rc)
            goto out;
    }
    if (!(have & 1u))
        rc = pp_json_field_error(d, name, "region", "required: lumbar or cervical");
    else if (!(have & 2u))
        rc = pp_json_field_error(d, name, "modality", "required (see docs/cli-imaging.md)");
    else if (in->onset == PP_DAY_NONE)
        rc =
            pp_json_field_error(d, name, "onset", "required: the date the pain began (YYYY-MM-DD)");
out:
    cJSON_Delete(root);
    return rc;
}

/* ---- the rule table ---- */

static const struct pp_rule_info rules[] = {
    {"IMG-V1-ACUTE", "Acute pain, no red flags, no management",
     "Acute low back pain without red flags or prior management (ACR Variant 1): all imaging "
     "usually not appropriate.",
     SRC_ACR " Variant 1; ACP 2017", "img_acute_max_weeks"},
    {"IMG-V2-NO-MANAGEMENT", "Subacute/chronic pain, no red flags, no management",
     "Subacute or chronic low back pain without red flags or prior management (ACR Variant 2): "
     "imaging usually not appropriate.",
     SRC_ACR " Variant 2", "img_acute_max_weeks"},
    {"IMG-TOO-EARLY", "Before 6 weeks of conservative management",
     "No red flags and fewer than img_conservative_weeks of conservative management: no routine "
     "imaging; review when the weeks are reached.",
     SRC_ACR " Variant 3 (6 weeks)", "img_conservative_weeks"},
    {"IMG-IMPROVING", "Improving symptoms",
     "Without red flags, improving symptoms do not meet Variant 3 (persistent or progressive): "
     "imaging usually not appropriate.",
     SRC_ACR " Variant 3; " SRC_ACP, ""},
    {"IMG-NOT-CANDIDATE", "Not a surgery or intervention candidate",
     "After img_conservative_weeks without red flags, imaging only for candidates for surgery or "
     "intervention (ACP, NICE NG59).",
     SRC_ACP "; NICE NG59", "img_conservative_weeks"},
    {"IMG-V3-CANDIDATE", "Candidate after conservative management",
     "A surgery or intervention candidate with persistent symptoms after img_conservative_weeks: "
     "MRI lumbar without contrast usually appropriate (ACR Variant 3).",
     SRC_ACR " Variant 3", "img_conservative_weeks"},
    {"IMG-V4-CAUDA-EQUINA", "Suspected cauda equina syndrome",
     "Cauda equina features: emergency MRI and same-day surgical referral (ACR Variant 4, MRI "
     "usually appropriate).",
     "CLINICAL-FACTS §5 Cauda equina syndrome; ACR Variant 4", ""},
    {"IMG-NEURO-DEFICIT", "Severe or progressive neurological deficit",
     "Major motor weakness or a progressive or multi-level deficit: MRI promptly.",
     "CLINICAL-FACTS §5 Severe or progressive neuro deficit", ""},
    {"IMG-V7-INFECTION", "Suspected infection",
     "Infection features: MRI with and without contrast plus ESR/CRP (ACR Variant 7), urgent.",
     "CLINICAL-FACTS §5 Infection; ACR Variant 7", ""},
    {"IMG-V7-CANCER", "Suspected malignancy",
     "Malignancy features: MRI (ACR Variant 7); ESR/CRP and plain film in lower-risk cases.",
     "CLINICAL-FACTS §5 Malignancy; ACR Variant 7; ACP 2007", ""},
    {"IMG-V6-FRACTURE", "Suspected fracture",
     "Major trauma, or minor trauma with osteoporosis or steroid use: radiographs or CT (ACR "
     "Variant 6), urgent.",
     "CLINICAL-FACTS §5 Fracture; ACR Variant 6", ""},
    {"IMG-NECK-RED-FLAG", "Neck red flag",
     "Myelopathy, cervical artery dissection features or high-risk trauma (Canadian C-spine "
     "rule): MRI or CT per the ACR Neck Pain criteria, urgent (unconfirmed row).",
     SRC_NECK, ""},
    {"IMG-V5-PRIOR-SURGERY", "Prior spine surgery, new symptoms",
     "Prior lumbar surgery with new or progressive symptoms (ACR Variant 5): not rated by the "
     "sheet; specialist review.",
     SRC_ACR " Variant 5; NICE NG59", ""},
    {"IMG-NECK-BY-ANALOGY", "Neck pain by analogy",
     "Neck pain without red flags follows the low back rules by analogy; never rated.", SRC_NECK,
     "img_conservative_weeks"},
    {"IMG-MODALITY-MISMATCH", "Another study is indicated",
     "The ordered modality is not the study §5 names for the matched case.", "CLINICAL-FACTS §5",
     ""},
    {"IMG-RED-FLAGS-UNANSWERED", "Red-flag questions unanswered",
     "Without red flags answered, the verdict assumes none; ask them.",
     "CLINICAL-FACTS §5 (red flags)", ""},
    {"IMG-ONSET-UNKNOWN", "Imaging order: pain onset not documented",
     "Neither an intake answer nor an active back or neck pain Condition dates the pain: the ACR "
     "variant cannot be chosen; a warning card asks for the onset.",
     "CLINICAL-FACTS §5", ""},
};

const struct pp_rule_info *pp_imaging_rules(size_t *count)
{
    *count = N_OF(rules);
    return rules;
}
