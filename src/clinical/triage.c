/*
 * triage.c — referral disposition and timing: red flags to emergency or urgent
 * care (CLINICAL-FACTS §5), severe pain that blocks rehabilitation to an
 * expedited visit, then the practice's timing ("When to see the pain doctor",
 * DESIGN.md) and the candidacy categories. Pure: no I/O, no clock, no globals.
 */
#include "clinical/triage.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "clinical/candidacy.h"
#include "util/buf.h"
#include "util/json.h"

/* ---- names ---- */

static const char *const source_names[PP_REF_COUNT] = {
    "primary_care", "spine_surgeon", "neurologist", "rheumatologist", "other_specialist", "self",
};
static const char *const course_names[] = {"unknown", "improving", "not_improving", "worsening"};
static const char *const care_names[PP_CARE_COUNT] = {
    "rest", "activity_change", "otc_drugs", "physical_therapy", "prescription_drugs",
};
static const char *const stance_names[] = {"unknown", "wants", "unsure", "does_not_want",
                                           "not_candidate"};
static const char *const disposition_names[] = {"self_care", "primary_care", "interventional",
                                                "expedited", "urgent",       "emergency"};

#define N_OF(a) (sizeof(a) / sizeof((a)[0]))

static const char *name_at(const char *const *names, size_t n, unsigned i)
{
    return i < n ? names[i] : "?";
}

const char *pp_triage_disposition_name(enum pp_disposition d)
{
    return name_at(disposition_names, N_OF(disposition_names), (unsigned)d);
}
const char *pp_triage_source_name(enum pp_referral_source s)
{
    return name_at(source_names, N_OF(source_names), (unsigned)s);
}
const char *pp_triage_course_name(enum pp_pain_course c)
{
    return name_at(course_names, N_OF(course_names), (unsigned)c);
}
const char *pp_triage_care_name(enum pp_care c)
{
    return name_at(care_names, N_OF(care_names), (unsigned)c);
}
const char *pp_triage_stance_name(enum pp_surgery_stance s)
{
    return name_at(stance_names, N_OF(stance_names), (unsigned)s);
}

const char *pp_triage_bring_label(unsigned bit)
{
    switch (bit) {
    case PP_BRING_PAIN_NOTES: return "prior pain notes and the list of medications tried";
    case PP_BRING_SURGICAL_NOTES: return "surgical (operative) notes";
    case PP_BRING_SCANS: return "scans (the images, e.g. on a disc)";
    case PP_BRING_SCAN_REPORTS: return "scan reports";
    default: return "?";
    }
}

/* ---- red flags: CLINICAL-FACTS §5, one category per row ---- */

enum rf_category { CAT_CAUDA, CAT_INFECTION, CAT_NEURO, CAT_MALIGNANCY, CAT_FRACTURE, CAT_COUNT };

static const struct {
    const char *name;  /* JSON key */
    const char *label; /* plain words */
    enum rf_category category;
} red_flags[PP_RF_COUNT] = {
    [PP_RF_URINARY_RETENTION] = {"urinary_retention", "urinary retention or overflow incontinence",
                                 CAT_CAUDA},
    [PP_RF_FECAL_INCONTINENCE] = {"fecal_incontinence", "new fecal incontinence", CAT_CAUDA},
    [PP_RF_SADDLE_ANESTHESIA] = {"saddle_anesthesia", "saddle anesthesia", CAT_CAUDA},
    [PP_RF_BILATERAL_SCIATICA] = {"bilateral_sciatica", "bilateral sciatica", CAT_CAUDA},
    [PP_RF_BILATERAL_LEG_DEFICIT] = {"bilateral_leg_deficit",
                                     "severe or progressive bilateral leg deficit", CAT_CAUDA},
    [PP_RF_CANCER_HISTORY] = {"cancer_history", "history of cancer", CAT_MALIGNANCY},
    [PP_RF_WEIGHT_LOSS] = {"unexplained_weight_loss", "unexplained weight loss", CAT_MALIGNANCY},
    [PP_RF_FEVER] = {"fever", "fever or chills", CAT_INFECTION},
    [PP_RF_IV_DRUG_USE] = {"iv_drug_use", "intravenous drug use", CAT_INFECTION},
    [PP_RF_IMMUNOSUPPRESSION] = {"immunosuppression", "immunosuppression", CAT_INFECTION},
    [PP_RF_MAJOR_TRAUMA] = {"major_trauma", "major trauma", CAT_FRACTURE},
    [PP_RF_MINOR_TRAUMA_FRAGILE] = {"minor_trauma_osteoporosis_or_steroids",
                                    "minor trauma with osteoporosis or steroid use", CAT_FRACTURE},
    [PP_RF_MAJOR_MOTOR_WEAKNESS] = {"major_motor_weakness", "major motor weakness (e.g. foot drop)",
                                    CAT_NEURO},
    [PP_RF_PROGRESSIVE_DEFICIT] = {"progressive_deficit",
                                   "progressive or multi-level neurological deficit", CAT_NEURO},
};

const char *pp_triage_red_flag_name(enum pp_red_flag r)
{
    return (unsigned)r < PP_RF_COUNT ? red_flags[r].name : "?";
}

/* What each category means for the disposition. The action is CLINICAL-FACTS §5's column. */
static const struct {
    const char *rule;
    enum pp_disposition disposition;
    const char *what;
    const char *action;
    const char *source;
} categories[CAT_COUNT] = {
    [CAT_CAUDA] = {"TRIAGE-RED-FLAG-CAUDA-EQUINA", PP_DISP_EMERGENCY, "possible cauda equina",
                   "Emergency department now: emergency MRI and same-day surgical referral",
                   "CLINICAL-FACTS §5 cauda equina syndrome (ACR Variant 4)"},
    [CAT_INFECTION] = {"TRIAGE-RED-FLAG-INFECTION", PP_DISP_EMERGENCY, "possible spinal infection",
                       "Emergency department now: MRI with and without contrast, ESR/CRP",
                       "CLINICAL-FACTS §5 infection (ACR Variant 7)"},
    [CAT_NEURO] = {"TRIAGE-RED-FLAG-NEURO-DEFICIT", PP_DISP_URGENT,
                   "severe or progressive neurological deficit",
                   "Urgent care today: prompt MRI and surgical opinion",
                   "CLINICAL-FACTS §5 severe or progressive neuro deficit"},
    [CAT_MALIGNANCY] = {"TRIAGE-RED-FLAG-MALIGNANCY", PP_DISP_URGENT, "possible malignancy",
                        "Urgent work-up, not a queue: MRI (ESR/CRP and plain film in lower-risk "
                        "cases)",
                        "CLINICAL-FACTS §5 malignancy (ACR Variant 7)"},
    [CAT_FRACTURE] = {"TRIAGE-RED-FLAG-FRACTURE", PP_DISP_URGENT, "possible fracture",
                      "Urgent care: radiographs or CT",
                      "CLINICAL-FACTS §5 fracture (ACR Variant 6)"},
};

#define SRC_TIMING "DESIGN.md: when to see the pain doctor"

static const struct pp_rule_info rules[] = {
    {"TRIAGE-RED-FLAG-CAUDA-EQUINA", "Red flag: cauda equina",
     "Urinary retention or overflow incontinence, new fecal incontinence, saddle anesthesia, "
     "bilateral sciatica or a severe/progressive bilateral leg deficit: emergency care "
     "(emergency MRI, same-day surgical referral), not a queue.",
     "CLINICAL-FACTS §5 cauda equina syndrome", ""},
    {"TRIAGE-RED-FLAG-INFECTION", "Red flag: infection",
     "Fever or chills, intravenous drug use or immunosuppression with the pain: emergency care "
     "(MRI with and without contrast, ESR/CRP), not a queue.",
     "CLINICAL-FACTS §5 infection", ""},
    {"TRIAGE-RED-FLAG-NEURO-DEFICIT", "Red flag: neurological deficit",
     "Major motor weakness or a progressive or multi-level deficit: urgent care and prompt MRI.",
     "CLINICAL-FACTS §5 severe or progressive neuro deficit", ""},
    {"TRIAGE-RED-FLAG-MALIGNANCY", "Red flag: malignancy",
     "History of cancer or unexplained weight loss: urgent work-up (MRI), not a queue.",
     "CLINICAL-FACTS §5 malignancy", ""},
    {"TRIAGE-RED-FLAG-FRACTURE", "Red flag: fracture",
     "Major trauma, or minor trauma with osteoporosis or steroid use: urgent radiographs or CT.",
     "CLINICAL-FACTS §5 fracture", ""},
    {"TRIAGE-RED-FLAGS-UNANSWERED", "Red-flag questions unanswered",
     "No red flag is present but some red-flag questions are unanswered: a clinician must ask "
     "them; self-care is not offered until then (at least primary-care follow-up).",
     "CLINICAL-FACTS §5 (red flags screened before any queue); DESIGN.md: when to see the pain "
     "doctor",
     ""},
    {"TRIAGE-SEVERE-BLOCKS-REHAB", "Severe pain blocks rehabilitation",
     "Pain so severe that home exercise or therapy is impossible: expedited interventional "
     "visit, whatever the number of days.",
     SRC_TIMING " (intervene earlier)", ""},
    {"TRIAGE-CONSERVATIVE-FAILED", "Conservative care failed",
     "Pain not improving after at least triage_conservative_failed_days of conservative care "
     "(counted from the earliest start): interventional visit.",
     SRC_TIMING " (about 2-3 weeks; unconfirmed)", "triage_conservative_failed_days"},
    {"TRIAGE-CANDIDATE", "Candidacy category applies",
     "Pain not improving for at least triage_review_days and a CANDIDACY-* category applies: "
     "interventional visit.",
     "DESIGN.md: who is a candidate", "triage_review_days"},
    {"TRIAGE-CLINICIAN-REVIEW", "Primary-care follow-up",
     "Pain not improving for at least triage_review_days, but fewer than "
     "triage_conservative_failed_days of conservative care and no candidacy category: a "
     "clinician should look now; review for referral when the conservative-care days are reached.",
     SRC_TIMING " (about 4-7 days, about 2-3 weeks; unconfirmed)",
     "triage_review_days,triage_conservative_failed_days"},
    {"TRIAGE-TOO-EARLY", "Too early: self-care",
     "Pain for fewer than triage_review_days days and not improving yet: self-care (rest, "
     "activity change, over-the-counter drugs) with a review on the day triage_review_days is "
     "reached.",
     SRC_TIMING " (most pain settles in days; about 4-7 days; unconfirmed)", "triage_review_days"},
    {"TRIAGE-IMPROVING", "Improving: self-care",
     "Pain improving: continue self-care; review in triage_review_days days or sooner if it "
     "stops improving.",
     SRC_TIMING " (most pain settles in days)", "triage_review_days"},
    {"TRIAGE-BRING", "What to bring",
     "A pain-clinic visit is booked: bring prior pain notes, surgical notes after spine surgery, "
     "and scans with their reports when imaging was done.",
     "DESIGN.md: the visits (first visit reviews prior pain notes, surgical notes, scans and "
     "scan reports)",
     ""},
};

const struct pp_rule_info *pp_triage_rules(size_t *count)
{
    *count = N_OF(rules);
    return rules;
}

/* ---- input ---- */

void pp_triage_input_init(struct pp_triage_input *in)
{
    memset(in, 0, sizeof(*in));
    in->source = PP_REF_PRIMARY_CARE;
    in->onset = PP_DAY_NONE;
    for (int c = 0; c < PP_CARE_COUNT; c++)
        in->care_start[c] = PP_DAY_NONE;
    in->nrs = -1;
    in->surgery_date = PP_DAY_NONE;
}

enum pp_err pp_triage_check(const struct pp_triage_input *in, pp_day now, struct pp_diag *d)
{
    if (in->onset == PP_DAY_NONE)
        return pp_diag_set(d, PP_ERR_INPUT, "onset", "required: the date the pain began");
    if (in->onset > now)
        return pp_diag_set(d, PP_ERR_INPUT, "onset", "is after the evaluation date (--now)");
    for (int c = 0; c < PP_CARE_COUNT; c++) {
        char where[64];
        if (in->care_start[c] == PP_DAY_NONE)
            continue;
        snprintf(where, sizeof(where), "conservative_care.%s", care_names[c]);
        if (in->care_start[c] > now)
            return pp_diag_set(d, PP_ERR_INPUT, where, "is after the evaluation date (--now)");
        if (in->care_start[c] < in->onset)
            return pp_diag_set(d, PP_ERR_INPUT, where, "starts before the pain's onset");
    }
    if (in->nrs < -1 || in->nrs > 10)
        return pp_diag_set(d, PP_ERR_INPUT, "nrs", "expected 0 to 10, got %d", in->nrs);
    if (in->prior_surgery && in->surgery_date == PP_DAY_NONE)
        return pp_diag_set(d, PP_ERR_INPUT, "prior_spine_surgery", "expected a date YYYY-MM-DD");
    if (in->prior_surgery && in->surgery_date > now)
        return pp_diag_set(d, PP_ERR_INPUT, "prior_spine_surgery",
                           "is after the evaluation date (--now)");
    return PP_OK;
}

/* ---- evaluation ---- */

/* Append the labels of the flags of `cat` answered `want`, comma-separated. */
static void list_flags(struct pp_buf *b, int cat, enum pp_answer want, const enum pp_answer *ans)
{
    size_t n = 0;
    for (int r = 0; r < PP_RF_COUNT; r++) {
        if ((cat >= 0 && (int)red_flags[r].category != cat) || ans[r] != want)
            continue;
        pp_buf_adds(b, n++ ? ", " : "");
        pp_buf_adds(b, want == PP_ANSWER_UNKNOWN ? red_flags[r].name : red_flags[r].label);
    }
}

/* Red flags present: one critical finding per category. Returns the highest disposition. */
static enum pp_disposition red_flag_findings(const struct pp_triage_input *in,
                                             struct pp_findings *f, bool *any)
{
    enum pp_disposition disp = PP_DISP_SELF_CARE;
    struct pp_buf b;

    pp_buf_init(&b, 4096);
    *any = false;
    for (int cat = 0; cat < CAT_COUNT; cat++) {
        struct pp_finding *x;
        pp_buf_reset(&b);
        list_flags(&b, cat, PP_ANSWER_YES, in->red_flags);
        if (b.len == 0)
            continue;
        *any = true;
        if (categories[cat].disposition > disp)
            disp = categories[cat].disposition;
        x = pp_findings_add(f, categories[cat].rule, PP_SEV_CRITICAL, categories[cat].source,
                            "Red flag, %s (%s): %s", categories[cat].what, b.data,
                            pp_triage_disposition_name(categories[cat].disposition));
        pp_finding_detail(f, x, "Red-flag answers: %s. %s. Not a queue for the pain clinic.",
                          b.data, categories[cat].action);
        pp_finding_suggest(f, x, PP_ACTION_NONE, categories[cat].action);
    }
    pp_buf_release(&b);
    return disp;
}

static void bring_finding(const struct pp_triage_input *in, struct pp_findings *f,
                          struct pp_triage_result *out)
{
    struct pp_buf b;
    struct pp_finding *x;

    out->bring = PP_BRING_PAIN_NOTES;
    if (in->prior_surgery)
        out->bring |= PP_BRING_SURGICAL_NOTES;
    /* Unknown imaging: ask for any scans there are. */
    if (in->prior_imaging != PP_ANSWER_NO)
        out->bring |= PP_BRING_SCANS | PP_BRING_SCAN_REPORTS;
    pp_buf_init(&b, 1024);
    for (unsigned bit = 1; bit <= PP_BRING_SCAN_REPORTS; bit <<= 1)
        if (out->bring & bit) {
            pp_buf_adds(&b, b.len ? "; " : "");
            pp_buf_adds(&b, pp_triage_bring_label(bit));
        }
    x = pp_findings_add(f, "TRIAGE-BRING", PP_SEV_INFO,
                        "DESIGN.md: the visits (first-visit review)",
                        "Bring to the first visit: %s", b.data);
    pp_finding_detail(f, x, "Bring to the first visit: %s.", b.data);
    pp_buf_release(&b);
}

static void set_review(struct pp_triage_result *out, enum pp_disposition disp, pp_day review)
{
    out->disposition = disp;
    out->review_date = review;
}

/* Timing and candidacy, once no red flag is present. */
static void timing(const struct pp_triage_input *in, pp_day now, const struct pp_policy *p,
                   struct pp_findings *f, struct pp_triage_result *out)
{
    int pain_days = (int)(now - in->onset);
    int care_days = pp_candidacy_care_days(in, now);
    bool severe = in->blocks_rehab == PP_ANSWER_YES;
    struct pp_finding *x;
    char day[11];

    if (severe) {
        /* DESIGN.md: pain so severe that home exercise or therapy is impossible: intervene
         * earlier, before any day threshold. */
        out->disposition = PP_DISP_EXPEDITED;
        x = pp_findings_add(
            f, "TRIAGE-SEVERE-BLOCKS-REHAB", PP_SEV_WARNING, SRC_TIMING " (intervene earlier)",
            "Pain prevents home exercise or therapy: expedited interventional visit");
        if (in->nrs >= 0)
            pp_finding_detail(f, x,
                              "NRS %d/10; the pain prevents home exercise or therapy, so "
                              "rehabilitation cannot proceed. Day %d since onset.",
                              in->nrs, pain_days);
        else
            pp_finding_detail(f, x,
                              "The pain prevents home exercise or therapy, so "
                              "rehabilitation cannot proceed. Day %d since onset.",
                              pain_days);
    }
    if (in->course == PP_COURSE_IMPROVING) {
        if (severe)
            return;
        pp_day_format(now + p->triage_review_days, day);
        set_review(out, PP_DISP_SELF_CARE, now + p->triage_review_days);
        x = pp_findings_add(f, "TRIAGE-IMPROVING", PP_SEV_INFO, SRC_TIMING,
                            "Improving: continue self-care; review by %s", day);
        pp_finding_detail(f, x,
                          "Pain improving on day %d. Review in %d days (`triage_review_days`), "
                          "sooner if it stops improving or a red flag appears.",
                          pain_days, p->triage_review_days);
        return;
    }
    /* An unknown course counts as not improving (the safe reading). */
    if (pain_days < p->triage_review_days) {
        if (severe)
            return;
        pp_day_format(in->onset + p->triage_review_days, day);
        set_review(out, PP_DISP_SELF_CARE, in->onset + p->triage_review_days);
        x = pp_findings_add(f, "TRIAGE-TOO-EARLY", PP_SEV_INFO, SRC_TIMING " (about 4-7 days)",
                            "Day %d of pain: self-care (rest, activity change, OTC drugs); review "
                            "on %s",
                            pain_days, day);
        pp_finding_detail(f, x,
                          "Most pain settles within days. Pain began %d days ago; a clinician "
                          "should look if there is no improvement by day %d "
                          "(`triage_review_days`, unconfirmed).",
                          pain_days, p->triage_review_days);
        return;
    }

    struct pp_candidacy_result cand;
    pp_candidacy_evaluate(in, now, p, f, &cand);
    out->candidacy = cand.categories;
    out->recovery_ends = cand.recovery_ends;

    bool failed = care_days >= p->triage_conservative_failed_days;
    if (failed) {
        if (out->disposition < PP_DISP_INTERVENTIONAL)
            out->disposition = PP_DISP_INTERVENTIONAL;
        x = pp_findings_add(f, "TRIAGE-CONSERVATIVE-FAILED", PP_SEV_INFO,
                            SRC_TIMING " (about 2-3 weeks)",
                            "%d days of conservative care without improvement: interventional "
                            "visit",
                            care_days);
        pp_finding_detail(f, x,
                          "Conservative care began %d days ago (threshold %d, "
                          "`triage_conservative_failed_days`, unconfirmed); the pain is %s.",
                          care_days, p->triage_conservative_failed_days,
                          in->course == PP_COURSE_WORSENING ? "worsening" : "not improving");
    }
    if (cand.categories) {
        struct pp_buf b;
        pp_buf_init(&b, 512);
        for (int c = 0; c < PP_CAND_COUNT; c++)
            if (cand.categories & (1u << c)) {
                pp_buf_adds(&b, b.len ? ", " : "");
                pp_buf_adds(&b, pp_candidacy_category_name((enum pp_candidacy_category)c));
            }
        if (out->disposition < PP_DISP_INTERVENTIONAL)
            out->disposition = PP_DISP_INTERVENTIONAL;
        x = pp_findings_add(f, "TRIAGE-CANDIDATE", PP_SEV_INFO, "DESIGN.md: who is a candidate",
                            "Interventional candidate: %s", b.data);
        pp_finding_detail(f, x, "Candidacy categories: %s (see the CANDIDACY-* findings).", b.data);
        pp_buf_release(&b);
    }
    if (out->disposition >= PP_DISP_INTERVENTIONAL)
        return;

    /* DESIGN.md: no improvement after about 4-7 days: a clinician should look; refer after about
     * 2-3 weeks of conservative care. The review is the day that second threshold is reached. */
    pp_day review = (care_days >= 0 ? now - care_days : now) + p->triage_conservative_failed_days;
    pp_day_format(review, day);
    set_review(out, PP_DISP_PRIMARY_CARE, review);
    x = pp_findings_add(f, "TRIAGE-CLINICIAN-REVIEW", PP_SEV_INFO,
                        SRC_TIMING " (about 4-7 days, about 2-3 weeks)",
                        "Day %d without improvement: primary-care follow-up; review for referral "
                        "on %s",
                        pain_days, day);
    if (care_days >= 0)
        pp_finding_detail(f, x,
                          "No improvement after %d days (`triage_review_days` = %d): a clinician "
                          "should look. Conservative care for %d of the %d days "
                          "(`triage_conservative_failed_days`) before referral to "
                          "interventional pain.",
                          pain_days, p->triage_review_days, care_days,
                          p->triage_conservative_failed_days);
    else
        pp_finding_detail(f, x,
                          "No improvement after %d days (`triage_review_days` = %d): a clinician "
                          "should look. No conservative care tried yet: start physical therapy "
                          "and medication; referral after %d days of it "
                          "(`triage_conservative_failed_days`).",
                          pain_days, p->triage_review_days, p->triage_conservative_failed_days);
}

enum pp_err pp_triage_evaluate(const struct pp_triage_input *in, pp_day now,
                               const struct pp_policy *p, struct pp_findings *f,
                               struct pp_triage_result *out, struct pp_diag *d)
{
    enum pp_err rc;
    bool any_flag;
    enum pp_disposition flag_disp;

    memset(out, 0, sizeof(*out));
    out->review_date = PP_DAY_NONE;
    out->recovery_ends = PP_DAY_NONE;
    rc = pp_triage_check(in, now, d);
    if (rc)
        return rc;

    /* CLINICAL-FACTS §5: red flags go to emergency or urgent care, not to a queue; nothing else
     * is said, so no timing advice can be read as a reason to wait. */
    flag_disp = red_flag_findings(in, f, &any_flag);
    if (any_flag) {
        out->disposition = flag_disp;
        return PP_OK;
    }

    timing(in, now, p, f, out);

    /* Unanswered red-flag questions: a clinician asks them before anyone is sent home. */
    struct pp_buf b;
    pp_buf_init(&b, 1024);
    list_flags(&b, -1, PP_ANSWER_UNKNOWN, in->red_flags);
    if (b.len) {
        struct pp_finding *x = pp_findings_add(f, "TRIAGE-RED-FLAGS-UNANSWERED", PP_SEV_WARNING,
                                               "CLINICAL-FACTS §5 (red flags)",
                                               "Red-flag questions unanswered: %s", b.data);
        pp_finding_detail(f, x,
                          "Unanswered: %s. A clinician must ask them before the patient waits "
                          "in a queue; self-care is not offered until then.",
                          b.data);
        pp_finding_suggest(f, x, PP_ACTION_NONE, "Ask the unanswered red-flag questions today");
        if (out->disposition < PP_DISP_PRIMARY_CARE)
            out->disposition = PP_DISP_PRIMARY_CARE;
    }
    pp_buf_release(&b);

    if (out->disposition == PP_DISP_EXPEDITED || out->disposition == PP_DISP_INTERVENTIONAL) {
        out->review_date = PP_DAY_NONE;
        bring_finding(in, f, out);
    }
    return PP_OK;
}

/* ---- the documented JSON input ---- */

/* PP_ERR_INPUT at "NAME: FIELD" saying `what`. */
enum pp_err pp_triage_answer_from_json(const struct cJSON *v, enum pp_answer *out, const char *name,
                                       const char *field, struct pp_diag *d)
{
    if (cJSON_IsNull(v))
        *out = PP_ANSWER_UNKNOWN;
    else if (cJSON_IsBool(v))
        *out = cJSON_IsTrue(v) ? PP_ANSWER_YES : PP_ANSWER_NO;
    else
        return pp_json_field_error(d, name, field, "expected true, false or null");
    return PP_OK;
}

static enum pp_err parse_red_flags(const cJSON *obj, struct pp_triage_input *in, const char *name,
                                   struct pp_diag *d)
{
    const cJSON *item;
    char field[96];
    if (!cJSON_IsObject(obj))
        return pp_json_field_error(d, name, "red_flags",
                                   "expected an object of true/false answers");
    cJSON_ArrayForEach(item, obj)
    {
        int r;
        snprintf(field, sizeof(field), "red_flags.%s", item->string);
        for (r = 0; r < PP_RF_COUNT; r++)
            if (strcmp(item->string, red_flags[r].name) == 0)
                break;
        if (r == PP_RF_COUNT)
            return pp_json_field_error(d, name, field, "unknown red flag (see docs/cli-triage.md)");
        if (pp_triage_answer_from_json(item, &in->red_flags[r], name, field, d))
            return PP_ERR_INPUT;
    }
    return PP_OK;
}

static enum pp_err parse_care(const cJSON *obj, struct pp_triage_input *in, const char *name,
                              struct pp_diag *d)
{
    const cJSON *item;
    char field[96];
    if (!cJSON_IsObject(obj))
        return pp_json_field_error(
            d, name, "conservative_care",
            "expected an object of start dates, e.g. {\"rest\": \"2026-11-02\"}");
    cJSON_ArrayForEach(item, obj)
    {
        int c;
        snprintf(field, sizeof(field), "conservative_care.%s", item->string);
        for (c = 0; c < PP_CARE_COUNT; c++)
            if (strcmp(item->string, care_names[c]) == 0)
                break;
        if (c == PP_CARE_COUNT)
            return pp_json_field_error(d, name, field,
                                       "unknown conservative care; expected rest, activity_change, "
                                       "otc_drugs, physical_therapy or prescription_drugs");
        if (cJSON_IsNull(item))
            continue;
        if (pp_json_field_date(item, false, &in->care_start[c], name, field, d))
            return PP_ERR_INPUT;
    }
    return PP_OK;
}

/* One top-level key. */
static enum pp_err parse_key(const cJSON *v, struct pp_triage_input *in, bool *have_source,
                             const char *name, struct pp_diag *d)
{
    const char *k = v->string;
    int e;
    if (strcmp(k, "referral_source") == 0) {
        *have_source = true;
        if (pp_json_field_enum(v, source_names, N_OF(source_names), &e, name, k, d))
            return PP_ERR_INPUT;
        in->source = (enum pp_referral_source)e;
    } else if (strcmp(k, "onset") == 0) {
        return pp_json_field_date(v, false, &in->onset, name, k, d);
    } else if (strcmp(k, "course") == 0) {
        if (pp_json_field_enum(v, course_names, N_OF(course_names), &e, name, k, d))
            return PP_ERR_INPUT;
        in->course = (enum pp_pain_course)e;
    } else if (strcmp(k, "conservative_care") == 0) {
        return parse_care(v, in, name, d);
    } else if (strcmp(k, "nrs") == 0) {
        if (cJSON_IsNull(v))
            return PP_OK;
        if (!cJSON_IsNumber(v) || v->valuedouble != floor(v->valuedouble) || v->valuedouble < 0 ||
            v->valuedouble > 10)
            return pp_json_field_error(d, name, k, "expected a whole number from 0 to 10");
        in->nrs = (int)v->valuedouble;
    } else if (strcmp(k, "prevents_exercise_or_therapy") == 0) {
        return pp_triage_answer_from_json(v, &in->blocks_rehab, name, k, d);
    } else if (strcmp(k, "red_flags") == 0) {
        return parse_red_flags(v, in, name, d);
    } else if (strcmp(k, "prior_imaging") == 0) {
        return pp_triage_answer_from_json(v, &in->prior_imaging, name, k, d);
    } else if (strcmp(k, "prior_specialist") == 0) {
        return pp_triage_answer_from_json(v, &in->prior_specialist, name, k, d);
    } else if (strcmp(k, "prior_spine_surgery") == 0) {
        if (cJSON_IsNull(v))
            return PP_OK;
        in->prior_surgery = true;
        return pp_json_field_date(v, false, &in->surgery_date, name, k, d);
    } else if (strcmp(k, "surgery_stance") == 0) {
        if (pp_json_field_enum(v, stance_names, N_OF(stance_names), &e, name, k, d))
            return PP_ERR_INPUT;
        in->stance = (enum pp_surgery_stance)e;
    } else {
        return pp_json_field_error(d, name, k, "unknown field (see docs/cli-triage.md)");
    }
    return PP_OK;
}

enum pp_err pp_triage_input_from_json(const char *text, size_t len, const char *name,
                                      struct pp_triage_input *in, struct pp_diag *d)
{
    cJSON *root = NULL;
    const cJSON *v;
    bool have_source = false;
    enum pp_err rc;

    pp_triage_input_init(in);
    rc = pp_json_parse(text, len, name, &root, d);
    if (rc)
        return rc;
    if (!cJSON_IsObject(root)) {
        rc = pp_json_field_error(d, name, "(top level)", "expected a JSON object");
        goto out;
    }
    cJSON_ArrayForEach(v, root)
    {
        rc = parse_key(v, in, &have_source, name, d);
        if (rc)
            goto out;
    }
    if (!have_source)
        rc = pp_json_field_error(d, name, "referral_source", "required");
    else if (in->onset == PP_DAY_NONE)
        rc =
            pp_json_field_error(d, name, "onset", "required: the date the pain began (YYYY-MM-DD)");
out:
    cJSON_Delete(root);
    return rc;
}
