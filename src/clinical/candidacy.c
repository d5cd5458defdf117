/*
 * candidacy.c — the interventional-candidacy categories of DESIGN.md "Who is a
 * candidate", each a CANDIDACY-* finding. Pure: reads the triage input, `now`
 * and the policy; never the clock. Day and month thresholds are policy keys.
 */
#include "clinical/candidacy.h"

/* The possible causes of residual pain after spine surgery (DESIGN.md "Who is a candidate"). */
static const char POST_SURGERY_CAUSES[] =
    "Possible causes to consider: scar tissue (epidural fibrosis); prior nerve damage; a new "
    "pain generator (e.g. an adjacent level, facet or sacroiliac joint); recurrence (e.g. of a "
    "disc herniation or stenosis); rarely, an unsuccessful operation.";

static const struct pp_rule_info rules[] = {
    {"CANDIDACY-NO-WORKUP", "No prior work-up",
     "Pain not improving for at least candidacy_persistent_days, with no prior imaging and no "
     "specialist evaluation (referred by primary care or self-referred): the pain clinic can "
     "do the diagnostic work-up.",
     "DESIGN.md: who is a candidate (no prior work-up); when to see the pain doctor",
     "candidacy_persistent_days"},
    {"CANDIDACY-SURGERY-UNSURE", "Unsure about surgery",
     "Pain not improving for at least candidacy_persistent_days and the patient is unsure whether "
     "surgery is an option: diagnostic blocks can show the pain generator before that decision.",
     "DESIGN.md: who is a candidate (unsure whether surgery is an option)",
     "candidacy_persistent_days"},
    {"CANDIDACY-NO-SURGERY", "Does not want or need surgery",
     "Pain not improving for at least candidacy_persistent_days and the patient does not want "
     "(or need) surgery: non-surgical interventional care.",
     "DESIGN.md: who is a candidate (does not want or need surgery)", "candidacy_persistent_days"},
    {"CANDIDACY-FAILED-NONSURGICAL", "Conservative care failed, not a surgical candidate",
     "At least triage_conservative_failed_days of conservative care without improvement, and the "
     "patient is not a surgical candidate.",
     "DESIGN.md: who is a candidate (conservative care failed and not a surgical candidate); when "
     "to see the pain doctor (about 2-3 weeks)",
     "triage_conservative_failed_days"},
    {"CANDIDACY-POST-SURGERY-RESIDUAL", "Residual pain after spine surgery",
     "Pain not improving at least candidacy_recovery_months after spine surgery: candidate; "
     "consider scar tissue, prior nerve damage, a new pain generator, recurrence, an "
     "unsuccessful operation.",
     "DESIGN.md: who is a candidate (residual pain after spine surgery despite a reasonable "
     "recovery); recovery period unconfirmed (CLINICAL-FACTS §1.1 chronic pain > 3 months); "
     "CLINICAL-FACTS §5 ACR Variant 5",
     "candidacy_recovery_months"},
    {"CANDIDACY-POST-SURGERY-RECOVERING", "Still recovering from spine surgery",
     "Pain after spine surgery less than candidacy_recovery_months ago: still within the "
     "recovery period, not yet a residual-pain candidate; the surgeon follows up until then.",
     "DESIGN.md: who is a candidate (a reasonable recovery); recovery period unconfirmed",
     "candidacy_recovery_months"},
};

const struct pp_rule_info *pp_candidacy_rules(size_t *count)
{
    *count = sizeof(rules) / sizeof(rules[0]);
    return rules;
}

const char *pp_candidacy_category_name(enum pp_candidacy_category c)
{
    static const char *const names[PP_CAND_COUNT] = {
        "no_workup", "surgery_unsure", "no_surgery", "failed_nonsurgical", "post_surgery_residual",
    };
    return (unsigned)c < PP_CAND_COUNT ? names[c] : "?";
}

int pp_candidacy_care_days(const struct pp_triage_input *in, pp_day now)
{
    pp_day first = PP_DAY_NONE;
    for (int c = 0; c < PP_CARE_COUNT; c++)
        if (in->care_start[c] != PP_DAY_NONE && (first == PP_DAY_NONE || in->care_start[c] < first))
            first = in->care_start[c];
    return first == PP_DAY_NONE ? -1 : (int)(now - first);
}

static bool specialist_referral(enum pp_referral_source s)
{
    return s != PP_REF_PRIMARY_CARE && s != PP_REF_SELF;
}

static void add(struct pp_candidacy_result *out, enum pp_candidacy_category c)
{
    out->categories |= 1u << c;
}

void pp_candidacy_evaluate(const struct pp_triage_input *in, pp_day now, const struct pp_policy *p,
                           struct pp_findings *f, struct pp_candidacy_result *out)
{
    /* An unknown course is read as not improving: the safe reading. */
    bool persisting = in->course != PP_COURSE_IMPROVING;
    int pain_days = (int)(now - in->onset);
    int care_days = pp_candidacy_care_days(in, now);
    bool persistent = persisting && pain_days >= p->candidacy_persistent_days;
    struct pp_finding *x;

    out->categories = 0;
    out->recovery_ends = PP_DAY_NONE;

    /* DESIGN.md "Who is a candidate": no prior work-up. A specialist referral means a specialist
     * has evaluated the pain; an unknown answer counts as no work-up (the clinic will do it). */
    if (persistent && in->prior_imaging != PP_ANSWER_YES && in->prior_specialist != PP_ANSWER_YES &&
        !specialist_referral(in->source)) {
        add(out, PP_CAND_NO_WORKUP);
        x = pp_findings_add(f, "CANDIDACY-NO-WORKUP", PP_SEV_INFO,
                            "DESIGN.md: who is a candidate (no prior work-up)",
                            "Candidate: pain for %d days with no prior imaging or specialist "
                            "work-up",
                            pain_days);
        pp_finding_detail(f, x,
                          "Pain not improving for %d days (threshold %d, "
                          "`candidacy_persistent_days`); no prior imaging or specialist "
                          "evaluation. The first visit includes the diagnostic work-up.",
                          pain_days, p->candidacy_persistent_days);
    }
    if (persistent && in->stance == PP_STANCE_UNSURE) {
        add(out, PP_CAND_SURGERY_UNSURE);
        x = pp_findings_add(f, "CANDIDACY-SURGERY-UNSURE", PP_SEV_INFO,
                            "DESIGN.md: who is a candidate (unsure whether surgery is an option)",
                            "Candidate: unsure whether surgery is an option");
        pp_finding_detail(f, x,
                          "Pain not improving for %d days (threshold %d). Diagnostic blocks can "
                          "identify the pain generator and inform the surgical decision.",
                          pain_days, p->candidacy_persistent_days);
    }
    if (persistent && in->stance == PP_STANCE_DOES_NOT_WANT) {
        add(out, PP_CAND_NO_SURGERY);
        x = pp_findings_add(f, "CANDIDACY-NO-SURGERY", PP_SEV_INFO,
                            "DESIGN.md: who is a candidate (does not want or need surgery)",
                            "Candidate: does not want or need surgery");
        pp_finding_detail(f, x, "Pain not improving for %d days (threshold %d).", pain_days,
                          p->candidacy_persistent_days);
    }
    /* DESIGN.md: conservative care failed (the ~2-3 weeks of "When to see the pain doctor") and
     * not a surgical candidate. */
    if (persisting && in->stance == PP_STANCE_NOT_CANDIDATE && care_days >= 0 &&
        care_days >= p->triage_conservative_failed_days) {
        add(out, PP_CAND_FAILED_NONSURGICAL);
        x = pp_findings_add(f, "CANDIDACY-FAILED-NONSURGICAL", PP_SEV_INFO,
                            "DESIGN.md: who is a candidate (conservative care failed and not a "
                            "surgical candidate)",
                            "Candidate: %d days of conservative care failed; not a surgical "
                            "candidate",
                            care_days);
        pp_finding_detail(f, x,
                          "%d days of conservative care without improvement (threshold %d, "
                          "`triage_conservative_failed_days`); a surgeon judged the patient not "
                          "a surgical candidate.",
                          care_days, p->triage_conservative_failed_days);
    }
    /* Residual pain after spine surgery beyond a reasonable recovery: the sheet gives no period,
     * so candidacy_recovery_months is an unconfirmed policy key (default from CLINICAL-FACTS
     * §1.1: pain beyond 3 months is chronic). */
    if (in->prior_surgery && in->surgery_date != PP_DAY_NONE && persisting) {
        pp_day ends = pp_day_add_months(in->surgery_date, p->candidacy_recovery_months);
        char surgery[11], end[11];
        pp_day_format(in->surgery_date, surgery);
        pp_day_format(ends, end);
        if (now >= ends) {
            add(out, PP_CAND_POST_SURGERY_RESIDUAL);
            x = pp_findings_add(
                f, "CANDIDACY-POST-SURGERY-RESIDUAL", PP_SEV_INFO,
                "DESIGN.md: who is a candidate (residual pain after spine surgery); "
                "CLINICAL-FACTS §5 ACR Variant 5",
                "Candidate: residual pain after spine surgery on %s", surgery);
            pp_finding_detail(f, x,
                              "Spine surgery on %s; the recovery period "
                              "(`candidacy_recovery_months` = %d, unconfirmed) ended on %s and the "
                              "pain is not improving. %s",
                              surgery, p->candidacy_recovery_months, end, POST_SURGERY_CAUSES);
        } else {
            out->recovery_ends = ends;
            x = pp_findings_add(f, "CANDIDACY-POST-SURGERY-RECOVERING", PP_SEV_INFO,
                                "DESIGN.md: who is a candidate (a reasonable recovery)",
                                "Still within the recovery period after spine surgery (until %s)",
                                end);
            pp_finding_detail(f, x,
                              "Spine surgery on %s; the recovery period "
                              "(`candidacy_recovery_months` = %d, unconfirmed) ends on %s. Until "
                              "then residual pain alone does not make a candidate; the surgeon "
                              "follows up.",
                              surgery, p->candidacy_recovery_months, end);
        }
    }
}
