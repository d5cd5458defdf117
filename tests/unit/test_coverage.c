/*
 * test_coverage.c — payer eligibility (clinical/coverage.c) against the default Medicare
 * criteria table: a table of clinical vignettes written by us, each citing the rule id it
 * exercises, then every threshold at, just below and just above its boundary (27/28/29
 * days, 79.99/80/80.01%, the 4th/5th session in the rolling window, 13/14/15 days between
 * blocks, ...), payer tables loaded from JSON, and malformed requests.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "clinical/coverage.h"
#include "clinical/finding.h"
#include "clinical/policy.h"
#include "clinical/procedures.h"
#include "util/date.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define MAXP 6
#define NONE "none" /* a date that is not documented */
#define UNK (-1.0)  /* a number that is not documented */
#define DX PP_PURPOSE_DIAGNOSTIC
#define TX PP_PURPOSE_THERAPEUTIC
#define MET PP_COV_MET
#define UNMET PP_COV_UNMET
#define NA PP_COV_NOT_APPLICABLE
#define OK PP_COV_ELIGIBLE
#define LATER PP_COV_ELIGIBLE_LATER
#define NOT PP_COV_NOT_ELIGIBLE
#define NOCRIT PP_COV_NO_CRITERIA

/* Entries the catalogue does not carry (yet): SI joint RFA (64625, §2.6) and a TF ESI whose
 * levels span two regions, to reach COV-SIJ-RFA and COV-ESI-ONE-REGION. */
static const struct pp_proc_entry rfa_sij = {
    "rfa-sij",
    "Radiofrequency ablation of the nerves of the SI joint",
    {"64625", NULL},
    NULL,
    NULL,
    "test entry",
    PP_REGION_SI_JOINT,
    NULL,
    NULL,
    PP_LAT_EITHER,
    PP_GUIDE_FLUORO,
    PP_PURPOSE_THERAPEUTIC,
    "CLINICAL-FACTS §2.6 64625"};
static const struct pp_proc_entry esi_tf_ct = {"esi-tf-cervicothoracic",
                                               "test entry",
                                               {NULL},
                                               NULL,
                                               NULL,
                                               "test entry",
                                               PP_REGION_CERVICAL,
                                               "C1",
                                               "T12",
                                               PP_LAT_EITHER,
                                               PP_GUIDE_FLUORO,
                                               PP_PURPOSE_THERAPEUTIC,
                                               "test"};

struct prior_spec {
    const char *id; /* NULL ends the list */
    const char *date;
    unsigned purpose;
    double relief;       /* UNK: not documented */
    double months;       /* relief duration; UNK: not documented */
    double function_pct; /* 0: not documented */
    const char *levels;  /* one level, NULL: the proposal's */
    const char *drug;
    double med_pct; /* SCS trial medication reduction; 0: not documented */
    double days;    /* SCS trial length; 0: not documented */
    const char *scale;
};

/* A prior's id, date, purpose, relief % and relief months, as designated initializers. */
#define P(id_, date_, purpose_, relief_, months_)                                                  \
    .id = id_, .date = date_, .purpose = purpose_, .relief = relief_, .months = months_

struct vignette {
    const char *name;
    const char *rule; /* the rule id it exercises */
    const char *proc; /* catalogue id, or "rfa-sij" / "esi-tf-cervicothoracic" */
    unsigned purpose;
    const char *levels[3];
    enum pp_cov_side side;
    unsigned guidance; /* 0: fluoroscopy */
    bool no_contrast;
    const char *drug;
    /* history; NULL dates take the defaults below */
    const char *onset, *cons_start, *imaging, *psych;
    bool cons_not_failed, others_not_failed, zoster, allergy, pregnant;
    int provocation; /* 0: the default 3; -1 not documented; else value - 100 when >= 100 */
    const char *pain_scale;
    struct prior_spec priors[MAXP];
    /* expected */
    enum pp_cov_status status;
    enum pp_cov_verdict verdict;
    const char *eligible_on; /* ELIGIBLE_LATER: the date */
};

/* Every vignette is proposed on 2026-12-01. */
#define DATE "2026-12-01"

/* clang-format off */
static const struct vignette vignettes[] = {
    /* --- ESI --- */
    {"V01 left L5 TF ESI, 6 months of radicular pain, fluoroscopy with contrast",
     "COV-ESI-PAIN-DURATION", "esi-tf-lumbar", 0, {"L5"}, PP_COV_SIDE_LEFT,
     .status = MET, .verdict = OK},
    {"V02 pain began 10 days ago: eligible on onset + 28 days",
     "COV-ESI-PAIN-DURATION", "esi-tf-lumbar", 0, {"L5"}, PP_COV_SIDE_LEFT,
     .onset = "2026-11-21", .cons_start = "2026-11-21",
     .status = UNMET, .verdict = LATER, .eligible_on = "2026-12-19"},
    {"V03 acute herpes zoster, 5 days: exempt from duration and conservative care",
     "COV-ESI-CONSERVATIVE", "esi-tf-thoracic", 0, {"T6"}, PP_COV_SIDE_RIGHT,
     .onset = "2026-11-26", .cons_start = NONE, .zoster = true,
     .status = MET, .verdict = OK},
    {"V04 three-level TF ESI L3-L5",
     "COV-ESI-TF-LEVELS", "esi-tf-lumbar", 0, {"L3", "L4", "L5"}, PP_COV_SIDE_LEFT,
     .status = UNMET, .verdict = NOT},
    {"V05 bilateral interlaminar lumbar ESI",
     "COV-ESI-IL-BILATERAL", "esi-il-lumbar", 0, {"L4"}, PP_COV_SIDE_BILATERAL,
     .status = UNMET, .verdict = NOT},
    {"V06 interlaminar at two levels",
     "COV-ESI-IL-LEVELS", "esi-il-cervical", 0, {"C6", "C7"},
     .status = UNMET, .verdict = NOT},
    {"V07 ultrasound-guided caudal ESI without allergy or pregnancy",
     "COV-ESI-GUIDANCE", "esi-caudal", 0, {"S1"}, .guidance = PP_GUIDE_US,
     .status = UNMET, .verdict = NOT},
    {"V08 ultrasound-guided caudal ESI in pregnancy",
     "COV-ESI-GUIDANCE", "esi-caudal", 0, {"S1"}, .guidance = PP_GUIDE_US, .pregnant = true,
     .status = MET, .verdict = OK},
    {"V09 fluoroscopy without contrast, documented contrast allergy",
     "COV-ESI-GUIDANCE", "esi-tf-lumbar", 0, {"L4"}, PP_COV_SIDE_LEFT, .no_contrast = true,
     .allergy = true, .status = MET, .verdict = OK},
    {"V10 fifth ESI in the rolling 12 months: eligible when the oldest leaves the window",
     "COV-ESI-SESSIONS", "esi-tf-lumbar", 0, {"L5"}, PP_COV_SIDE_LEFT,
     .priors = {{P("esi-tf-lumbar", "2026-01-10", 0, 70, 3)},
                {P("esi-tf-lumbar", "2026-04-15", 0, 70, 3)},
                {P("esi-tf-lumbar", "2026-07-20", 0, 70, 3)},
                {P("esi-tf-lumbar", "2026-10-25", 0, 70, 3)}},
     .status = UNMET, .verdict = LATER, .eligible_on = "2027-01-10"},
    {"V11 repeat after a second ESI that gave 40%",
     "COV-ESI-REPEAT", "esi-tf-lumbar", 0, {"L5"}, PP_COV_SIDE_LEFT,
     .priors = {{P("esi-tf-lumbar", "2026-03-01", 0, 70, 4)},
                {P("esi-tf-lumbar", "2026-08-01", 0, 40, 1)}},
     .status = UNMET, .verdict = NOT},
    {"V12 failed first ESI 10 days ago, different level: eligible 14 days after it",
     "COV-ESI-REPEAT", "esi-tf-lumbar", 0, {"L4"}, PP_COV_SIDE_LEFT,
     .priors = {{P("esi-tf-lumbar", "2026-11-21", 0, 10, 0), .levels = "L5"}},
     .status = UNMET, .verdict = LATER, .eligible_on = "2026-12-05"},
    {"V13 failed first ESI 20 days ago, same approach, level and drug",
     "COV-ESI-REPEAT", "esi-tf-lumbar", 0, {"L5"}, PP_COV_SIDE_LEFT, .drug = "dexamethasone",
     .priors = {{P("esi-tf-lumbar", "2026-11-11", 0, 10, 0), .drug = "dexamethasone"}},
     .status = UNMET, .verdict = NOT},
    {"V14 failed first TF ESI 20 days ago, now interlaminar",
     "COV-ESI-REPEAT", "esi-il-lumbar", 0, {"L5"},
     .priors = {{P("esi-tf-lumbar", "2026-11-11", 0, 10, 0)}},
     .status = MET, .verdict = OK},
    {"V15 repeat: 30% pain relief but 55% better function (ODI)",
     "COV-ESI-REPEAT", "esi-tf-lumbar", 0, {"L5"}, PP_COV_SIDE_LEFT,
     .priors = {{P("esi-tf-lumbar", "2026-06-01", 0, 30, 1), .function_pct = 55}},
     .status = MET, .verdict = OK},
    {"V16 TF ESI whose levels span cervical and thoracic",
     "COV-ESI-ONE-REGION", "esi-tf-cervicothoracic", 0, {"C7", "T1"}, PP_COV_SIDE_LEFT,
     .status = UNMET, .verdict = NOT},
    {"V17 follow-up on VAS against a baseline on NRS",
     "COV-ESI-SCALES", "esi-tf-lumbar", 0, {"L5"}, PP_COV_SIDE_LEFT,
     .priors = {{P("esi-tf-lumbar", "2026-06-01", 0, 70, 4), .scale = "VAS"}},
     .status = UNMET, .verdict = NOT},
    {"V18 MRI booked for 2026-12-09: eligible that day",
     "COV-ESI-IMAGING", "esi-tf-lumbar", 0, {"L5"}, PP_COV_SIDE_LEFT, .imaging = "2026-12-09",
     .status = UNMET, .verdict = LATER, .eligible_on = "2026-12-09"},
    {"V19 no imaging at all",
     "COV-ESI-IMAGING", "esi-tf-lumbar", 0, {"L5"}, PP_COV_SIDE_LEFT, .imaging = NONE,
     .status = UNMET, .verdict = NOT},
    /* --- facet --- */
    {"V20 first lumbar MBB after 2 months of axial pain: eligible at 3 months",
     "COV-FACET-PAIN-DURATION", "mbb-lumbar", 0, {"L4-L5"}, PP_COV_SIDE_BILATERAL,
     .onset = "2026-10-01", .status = UNMET, .verdict = LATER, .eligible_on = "2027-01-01"},
    {"V21 second MBB 10 days after a first at 85%: eligible 14 days after it",
     "COV-FACET-DX-INTERVAL", "mbb-lumbar", 0, {"L4-L5"}, PP_COV_SIDE_RIGHT,
     .priors = {{P("mbb-lumbar", "2026-11-21", 0, 85, 0)}},
     .status = UNMET, .verdict = LATER, .eligible_on = "2026-12-05"},
    {"V22 second MBB after a first at 70%",
     "COV-FACET-DX-SECOND", "mbb-lumbar", 0, {"L4-L5"}, PP_COV_SIDE_RIGHT,
     .priors = {{P("mbb-lumbar", "2026-11-01", 0, 70, 0)}},
     .status = UNMET, .verdict = NOT},
    {"V23 ultrasound-guided cervical MBB",
     "COV-FACET-GUIDANCE", "mbb-cervical", 0, {"C5-C6"}, PP_COV_SIDE_RIGHT,
     .guidance = PP_GUIDE_US, .status = UNMET, .verdict = NOT},
    {"V24 MBB at three levels",
     "COV-FACET-LEVELS", "mbb-lumbar", 0, {"L3-L4", "L4-L5", "L5-S1"}, PP_COV_SIDE_RIGHT,
     .status = UNMET, .verdict = NOT},
    {"V25 first RFA after MBBs at 90% and 85%",
     "COV-FACET-RFA-BLOCKS", "rfa-mb-lumbar", 0, {"L4-L5"}, PP_COV_SIDE_RIGHT,
     .priors = {{P("mbb-lumbar", "2026-10-01", 0, 90, 0)}, {P("mbb-lumbar", "2026-10-20", 0, 85, 0)}},
     .status = MET, .verdict = OK},
    {"V26 first RFA after MBBs at 90% and 70%",
     "COV-FACET-RFA-BLOCKS", "rfa-mb-lumbar", 0, {"L4-L5"}, PP_COV_SIDE_RIGHT,
     .priors = {{P("mbb-lumbar", "2026-10-01", 0, 90, 0)}, {P("mbb-lumbar", "2026-10-20", 0, 70, 0)}},
     .status = UNMET, .verdict = NOT},
    {"V27 repeat RFA 8 months on, 60% for 7 months",
     "COV-FACET-RFA-REPEAT", "rfa-mb-lumbar", 0, {"L4-L5"}, PP_COV_SIDE_RIGHT,
     .priors = {{P("mbb-lumbar", "2026-02-01", 0, 90, 0)}, {P("mbb-lumbar", "2026-02-20", 0, 90, 0)},
                {P("rfa-mb-lumbar", "2026-04-01", 0, 60, 7)}},
     .status = MET, .verdict = OK},
    {"V28 repeat RFA after 60% for only 4 months",
     "COV-FACET-RFA-REPEAT", "rfa-mb-lumbar", 0, {"L4-L5"}, PP_COV_SIDE_RIGHT,
     .priors = {{P("mbb-lumbar", "2026-02-01", 0, 90, 0)}, {P("mbb-lumbar", "2026-02-20", 0, 90, 0)},
                {P("rfa-mb-lumbar", "2026-04-01", 0, 60, 4)}},
     .status = UNMET, .verdict = NOT},
    {"V29 third RFA in the region in 12 months",
     "COV-FACET-RFA-SESSIONS", "rfa-mb-lumbar", 0, {"L4-L5"}, PP_COV_SIDE_RIGHT,
     .priors = {{P("rfa-mb-lumbar", "2026-01-05", 0, 80, 8)},
                {P("rfa-mb-lumbar", "2026-06-05", 0, 80, 8)}},
     .status = UNMET, .verdict = LATER, .eligible_on = "2027-01-05"},
    {"V30 RFA 26 months after the last, no new blocks",
     "COV-FACET-RFA-BLOCKS", "rfa-mb-lumbar", 0, {"L4-L5"}, PP_COV_SIDE_RIGHT,
     .priors = {{P("mbb-lumbar", "2024-08-01", 0, 90, 0)}, {P("mbb-lumbar", "2024-08-20", 0, 90, 0)},
                {P("rfa-mb-lumbar", "2024-10-01", 0, 80, 18)}},
     .status = UNMET, .verdict = NOT},
    {"V31 RFA 26 months after the last, two new MBBs at 85%",
     "COV-FACET-RFA-BLOCKS", "rfa-mb-lumbar", 0, {"L4-L5"}, PP_COV_SIDE_RIGHT,
     .priors = {{P("rfa-mb-lumbar", "2024-10-01", 0, 80, 18)},
                {P("mbb-lumbar", "2026-10-01", 0, 85, 0)}, {P("mbb-lumbar", "2026-10-20", 0, 85, 0)}},
     .status = MET, .verdict = OK},
    {"V32 fifth diagnostic facet session in 12 months",
     "COV-FACET-DX-SESSIONS", "facet-ia-lumbar", DX, {"L4-L5"}, PP_COV_SIDE_RIGHT,
     .priors = {{P("mbb-lumbar", "2026-01-10", 0, 90, 0)}, {P("mbb-lumbar", "2026-03-10", 0, 90, 0)},
                {P("facet-ia-lumbar", "2026-06-10", DX, 90, 0)},
                {P("facet-ia-lumbar", "2026-09-10", DX, 90, 0)}},
     .status = UNMET, .verdict = LATER, .eligible_on = "2027-01-10"},
    {"V33 therapeutic facet injection after two diagnostic blocks at 85% and 90%",
     "COV-FACET-IA-BLOCKS", "facet-ia-lumbar", TX, {"L4-L5"}, PP_COV_SIDE_RIGHT,
     .priors = {{P("facet-ia-lumbar", "2026-09-01", DX, 85, 0)},
                {P("mbb-lumbar", "2026-09-20", 0, 90, 0)}},
     .status = MET, .verdict = OK},
    /* --- SI joint --- */
    {"V34 diagnostic SIJ injection with two positive provocation tests",
     "COV-SIJ-PROVOCATION", "sij-injection", DX, .provocation = 102,
     .status = UNMET, .verdict = NOT},
    {"V35 therapeutic SIJ injection after a diagnostic at 74%",
     "COV-SIJ-TX-BLOCKS", "sij-injection", TX,
     .priors = {{P("sij-injection", "2026-10-01", DX, 74, 0)}},
     .status = UNMET, .verdict = NOT},
    {"V36 third diagnostic SIJ session in 12 months",
     "COV-SIJ-DX-SESSIONS", "sij-injection", DX,
     .priors = {{P("sij-injection", "2026-03-01", DX, 60, 0)},
                {P("sij-nerve-block", "2026-06-01", DX, 60, 0)}},
     .status = UNMET, .verdict = LATER, .eligible_on = "2027-03-01"},
    {"V37 ultrasound SIJ injection with a contrast allergy",
     "COV-SIJ-GUIDANCE", "sij-injection", DX, .guidance = PP_GUIDE_US, .allergy = true,
     .status = MET, .verdict = OK},
    {"V38 SI joint radiofrequency ablation (64625)",
     "COV-SIJ-RFA", "rfa-sij", 0, .status = UNMET, .verdict = NOT},
    {"V39 repeat therapeutic SIJ injection: 50% for 3 months",
     "COV-SIJ-TX-REPEAT", "sij-injection", TX,
     .priors = {{P("sij-injection", "2026-02-01", DX, 80, 0)},
                {P("sij-injection", "2026-06-01", TX, 50, 3)}},
     .status = MET, .verdict = OK},
    /* --- SCS --- */
    {"V40 SCS trial without a psychological evaluation",
     "COV-SCS-PSYCH", "scs-trial", 0, .psych = NONE, .status = UNMET, .verdict = NOT},
    {"V41 SCS implant after a 5-day trial with 60% relief",
     "COV-SCS-TRIAL-SUCCESS", "scs-implant", 0,
     .priors = {{P("scs-trial", "2026-11-01", 0, 60, 0), .days = 5}},
     .status = MET, .verdict = OK},
    {"V42 SCS implant: 40% relief but 50% less medication",
     "COV-SCS-TRIAL-SUCCESS", "scs-implant", 0,
     .priors = {{P("scs-trial", "2026-11-01", 0, 40, 0), .med_pct = 50, .days = 7}},
     .status = MET, .verdict = OK},
    {"V43 SCS implant after a 2-day trial",
     "COV-SCS-TRIAL-LENGTH", "scs-implant", 0,
     .priors = {{P("scs-trial", "2026-11-01", 0, 70, 0), .days = 2}},
     .status = UNMET, .verdict = NOT},
    {"V44 third SCS trial in a lifetime",
     "COV-SCS-TRIALS-LIFETIME", "scs-trial", 0,
     .priors = {{P("scs-trial", "2019-05-01", 0, 20, 0), .days = 5},
                {P("scs-trial", "2022-05-01", 0, 30, 0), .days = 5}},
     .status = UNMET, .verdict = NOT},
    {"V45 SCS implant with no trial",
     "COV-SCS-TRIAL-SUCCESS", "scs-implant", 0, .status = UNMET, .verdict = NOT},
    {"V46 SCS trial, other modalities not yet tried",
     "COV-SCS-OTHER-MODALITIES", "scs-trial", 0, .others_not_failed = true,
     .status = UNMET, .verdict = NOT},
    {"V47 SCS trial, 8 months of pain (the commercial 12-month number)",
     "COV-SCS-PAIN-DURATION", "scs-trial", 0, .onset = "2026-04-01",
     .status = UNMET, .verdict = LATER, .eligible_on = "2027-04-01"},
};
/* clang-format on */

static pp_day day(const char *s, const char *dflt)
{
    pp_day d = PP_DAY_NONE;
    struct pp_diag dg;
    if (!s)
        s = dflt;
    if (strcmp(s, NONE) == 0)
        return PP_DAY_NONE;
    assert_int_equal(pp_day_parse(s, strlen(s), &d, &dg), PP_OK);
    return d;
}

static const struct pp_proc_entry *entry(const char *id)
{
    if (strcmp(id, rfa_sij.id) == 0)
        return &rfa_sij;
    if (strcmp(id, esi_tf_ct.id) == 0)
        return &esi_tf_ct;
    const struct pp_proc_entry *e = pp_procedure_by_id(id);
    assert_non_null(e);
    return e;
}

/* Everything a case needs, owned by the caller. */
struct fixture {
    struct pp_cov_proposal prop;
    struct pp_cov_history h;
    struct pp_cov_prior priors[MAXP];
};

static void build(const struct vignette *v, struct fixture *fx)
{
    memset(fx, 0, sizeof(*fx));
    fx->prop.entry = entry(v->proc);
    fx->prop.date = day(DATE, DATE);
    fx->prop.purpose = v->purpose;
    for (size_t i = 0; i < 3 && v->levels[i]; i++)
        fx->prop.levels[fx->prop.n_levels++] = v->levels[i];
    fx->prop.side = v->side;
    fx->prop.guidance = v->guidance ? v->guidance : PP_GUIDE_FLUORO;
    fx->prop.contrast = !v->no_contrast;
    fx->prop.drug = v->drug;
    fx->h.pain_onset = day(v->onset, "2025-06-01");
    fx->h.conservative_start = day(v->cons_start, "2025-07-01");
    fx->h.conservative_failed = !v->cons_not_failed;
    fx->h.imaging_date = day(v->imaging, "2025-08-01");
    fx->h.psych_eval_date = day(v->psych, "2026-10-01");
    fx->h.other_modalities_failed = !v->others_not_failed;
    fx->h.herpes_zoster = v->zoster;
    fx->h.contrast_allergy = v->allergy;
    fx->h.pregnant = v->pregnant;
    fx->h.provocation_positive = v->provocation == 0     ? 3
                                 : v->provocation >= 100 ? v->provocation - 100
                                                         : v->provocation;
    fx->h.baseline_pain_scale = v->pain_scale ? v->pain_scale : "NRS";
    fx->h.baseline_function_scale = "ODI";
    for (size_t i = 0; i < MAXP && v->priors[i].id; i++) {
        const struct prior_spec *s = &v->priors[i];
        struct pp_cov_prior *pr = &fx->priors[i];
        pr->entry = entry(s->id);
        pr->date = day(s->date, s->date);
        pr->purpose = s->purpose;
        pr->relief_pct = s->relief == UNK ? NAN : s->relief;
        pr->relief_months = s->months == UNK ? NAN : s->months;
        pr->baseline_pain = pr->followup_pain = NAN;
        pr->function_improvement_pct = s->function_pct > 0 ? s->function_pct : NAN;
        pr->baseline_function = pr->followup_function = NAN;
        pr->medication_reduction_pct = s->med_pct > 0 ? s->med_pct : NAN;
        pr->trial_days = s->days > 0 ? s->days : NAN;
        pr->followup_scale = s->scale ? s->scale : "NRS";
        pr->drug = s->drug;
        if (s->levels)
            pr->levels[pr->n_levels++] = s->levels;
        else
            for (size_t k = 0; k < fx->prop.n_levels; k++)
                pr->levels[pr->n_levels++] = fx->prop.levels[k];
        fx->h.n_priors++;
    }
    fx->h.priors = fx->priors;
}

/* Evaluate with the default table and policy `p`; the status of `rule` (or -1 if absent). */
static int run(const struct fixture *fx, const struct pp_policy *p, const char *rule,
               struct pp_cov_result *res, struct pp_findings *f)
{
    struct pp_cov_table t;
    struct pp_diag d;
    int status = -1;
    pp_coverage_table_default(&t);
    assert_int_equal(pp_coverage_evaluate(&t, &fx->prop, &fx->h, p, res, f, &d), PP_OK);
    for (size_t i = 0; i < res->n_checks; i++)
        if (strcmp(res->checks[i].row->id, rule) == 0)
            status = (int)res->checks[i].status;
    pp_coverage_table_release(&t);
    return status;
}

static void test_coverage__vignettes(void **state)
{
    struct pp_policy p;
    int passed = 0, failed = 0;
    (void)state;
    pp_policy_init(&p);
    for (size_t i = 0; i < ARRAY_SIZE(vignettes); i++) {
        const struct vignette *v = &vignettes[i];
        struct fixture fx;
        struct pp_cov_result res;
        struct pp_findings f;
        bool ok;
        int status;
        char got[11] = "-";

        build(v, &fx);
        pp_findings_init(&f);
        status = run(&fx, &p, v->rule, &res, &f);
        if (res.eligible_on != PP_DAY_NONE)
            pp_day_format(res.eligible_on, got);
        ok = status == (int)v->status && res.verdict == v->verdict &&
             (v->verdict != LATER || strcmp(got, v->eligible_on) == 0) &&
             /* an unmet rule is named among the findings */
             (v->status != UNMET || pp_findings_count_rule(&f, v->rule) == 1) &&
             (v->status == UNMET || pp_findings_count_rule(&f, v->rule) == 0);
        if (ok) {
            passed++;
        } else {
            failed++;
            printf("FAIL %s [%s]: status %d (want %d), verdict %s (want %s), eligible on %s\n",
                   v->name, v->rule, status, (int)v->status, pp_cov_verdict_name(res.verdict),
                   pp_cov_verdict_name(v->verdict), got);
            for (size_t k = 0; k < res.n_checks; k++)
                printf("    %-8s %-26s %s\n", pp_cov_status_name(res.checks[k].status),
                       res.checks[k].row->id, res.checks[k].reason);
        }
        pp_coverage_result_release(&res);
        pp_findings_release(&f);
    }
    printf("coverage vignettes: %d passed, %d failed\n", passed, failed);
    assert_true(ARRAY_SIZE(vignettes) >= 20);
    assert_int_equal(failed, 0);
}

/* ---- boundaries: one base vignette, one number moved ---- */

/* The status of `rule` for `v` with policy `p` (default when NULL). */
static int status_of(const struct vignette *v, const struct pp_policy *p0, const char *rule,
                     enum pp_cov_verdict *verdict, pp_day *on)
{
    struct pp_policy p;
    struct fixture fx;
    struct pp_cov_result res;
    struct pp_findings f;
    int s;
    if (p0)
        p = *p0;
    else
        pp_policy_init(&p);
    build(v, &fx);
    pp_findings_init(&f);
    s = run(&fx, &p, rule, &res, &f);
    if (verdict)
        *verdict = res.verdict;
    if (on)
        *on = res.eligible_on;
    pp_coverage_result_release(&res);
    pp_findings_release(&f);
    return s;
}

static const char *days_before(char *buf, int n)
{
    pp_day_format(day(DATE, DATE) - n, buf);
    return buf;
}

static void test_coverage__esi_pain_27_28_29_days(void **state)
{
    /* COV-ESI-PAIN-DURATION: cov_esi_pain_days = 28 (§0 ESI prerequisites) */
    char b[11];
    struct vignette v = {.proc = "esi-tf-lumbar", .levels = {"L5"}, .side = PP_COV_SIDE_LEFT};
    enum pp_cov_verdict verdict;
    pp_day on;
    (void)state;
    v.onset = days_before(b, 27);
    assert_int_equal(status_of(&v, NULL, "COV-ESI-PAIN-DURATION", &verdict, &on), UNMET);
    assert_int_equal(verdict, LATER);
    assert_int_equal(on, day(DATE, DATE) + 1);
    v.onset = days_before(b, 28);
    assert_int_equal(status_of(&v, NULL, "COV-ESI-PAIN-DURATION", &verdict, NULL), MET);
    assert_int_equal(verdict, OK);
    v.onset = days_before(b, 29);
    assert_int_equal(status_of(&v, NULL, "COV-ESI-PAIN-DURATION", NULL, NULL), MET);
}

static void test_coverage__esi_conservative_27_28_29_days(void **state)
{
    /* COV-ESI-CONSERVATIVE: cov_esi_conservative_days = 28 (§0 ESI prerequisites) */
    char b[11];
    struct vignette v = {.proc = "esi-il-lumbar", .levels = {"L4"}};
    (void)state;
    v.cons_start = days_before(b, 27);
    assert_int_equal(status_of(&v, NULL, "COV-ESI-CONSERVATIVE", NULL, NULL), UNMET);
    v.cons_start = days_before(b, 28);
    assert_int_equal(status_of(&v, NULL, "COV-ESI-CONSERVATIVE", NULL, NULL), MET);
    v.cons_start = days_before(b, 29);
    assert_int_equal(status_of(&v, NULL, "COV-ESI-CONSERVATIVE", NULL, NULL), MET);
    v.cons_not_failed = true; /* still in care: no date can fix it */
    assert_int_equal(status_of(&v, NULL, "COV-ESI-CONSERVATIVE", NULL, NULL), UNMET);
}

static void test_coverage__facet_pain_3_months(void **state)
{
    /* COV-FACET-PAIN-DURATION: cov_facet_pain_months = 3 (§2.3); 2026-09-01 is 3 months back */
    struct vignette v = {.proc = "mbb-lumbar", .levels = {"L4-L5"}};
    (void)state;
    v.onset = "2026-09-02";
    assert_int_equal(status_of(&v, NULL, "COV-FACET-PAIN-DURATION", NULL, NULL), UNMET);
    v.onset = "2026-09-01";
    assert_int_equal(status_of(&v, NULL, "COV-FACET-PAIN-DURATION", NULL, NULL), MET);
    v.onset = "2026-08-31";
    assert_int_equal(status_of(&v, NULL, "COV-FACET-PAIN-DURATION", NULL, NULL), MET);
}

static void test_coverage__facet_second_block_79_99_80_80_01(void **state)
{
    /* COV-FACET-DX-SECOND and COV-FACET-RFA-BLOCKS: cov_facet_block_relief_pct = 80 (§2.3) */
    static const double relief[] = {79.99, 80, 80.01};
    static const int want[] = {UNMET, MET, MET};
    (void)state;
    for (size_t i = 0; i < 3; i++) {
        struct vignette dx = {.proc = "mbb-lumbar",
                              .levels = {"L4-L5"},
                              .priors = {{P("mbb-lumbar", "2026-11-01", 0, relief[i], 0)}}};
        struct vignette rfa = {.proc = "rfa-mb-lumbar",
                               .levels = {"L4-L5"},
                               .priors = {{P("mbb-lumbar", "2026-10-01", 0, 95, 0)},
                                          {P("mbb-lumbar", "2026-11-01", 0, relief[i], 0)}}};
        assert_int_equal(status_of(&dx, NULL, "COV-FACET-DX-SECOND", NULL, NULL), want[i]);
        assert_int_equal(status_of(&rfa, NULL, "COV-FACET-RFA-BLOCKS", NULL, NULL), want[i]);
    }
}

static void test_coverage__sij_diagnostic_74_99_75_75_01(void **state)
{
    /* COV-SIJ-TX-BLOCKS: cov_sij_dx_relief_pct = 75 (§2.4) */
    static const double relief[] = {74.99, 75, 75.01};
    static const int want[] = {UNMET, MET, MET};
    (void)state;
    for (size_t i = 0; i < 3; i++) {
        struct vignette v = {.proc = "sij-injection",
                             .purpose = TX,
                             .priors = {{P("sij-injection", "2026-10-01", DX, relief[i], 0)}}};
        assert_int_equal(status_of(&v, NULL, "COV-SIJ-TX-BLOCKS", NULL, NULL), want[i]);
    }
}

static void test_coverage__esi_repeat_relief_and_months(void **state)
{
    /* COV-ESI-REPEAT: >= 50% (cov_esi_repeat_relief_pct) for >= 3 months (§0 ESI repeat).
     * Two priors, so the failed-first exception does not apply. */
    static const double relief[] = {49.99, 50, 50.01, 70, 70, 70};
    static const double months[] = {4, 4, 4, 2.99, 3, 3.01};
    static const int want[] = {UNMET, MET, MET, UNMET, MET, MET};
    (void)state;
    for (size_t i = 0; i < 6; i++) {
        struct vignette v = {
            .proc = "esi-tf-lumbar",
            .levels = {"L5"},
            .priors = {{P("esi-tf-lumbar", "2026-01-01", 0, 80, 5)},
                       {P("esi-tf-lumbar", "2026-06-01", 0, relief[i], months[i])}}};
        assert_int_equal(status_of(&v, NULL, "COV-ESI-REPEAT", NULL, NULL), want[i]);
    }
}

static void test_coverage__esi_function_49_99_50(void **state)
{
    /* COV-ESI-REPEAT: or >= 50% function (cov_esi_repeat_function_pct), from ODI scores */
    static const double followup[] = {20.002, 20, 19.998};
    static const int want[] = {UNMET, MET, MET};
    (void)state;
    for (size_t i = 0; i < 3; i++) {
        struct vignette v = {.proc = "esi-tf-lumbar",
                             .levels = {"L5"},
                             .priors = {{P("esi-tf-lumbar", "2026-01-01", 0, 80, 5)},
                                        {P("esi-tf-lumbar", "2026-06-01", 0, 20, 1)}}};
        struct fixture fx;
        struct pp_cov_result res;
        struct pp_findings f;
        struct pp_policy p;
        pp_policy_init(&p);
        build(&v, &fx);
        fx.priors[1].baseline_function = 40; /* ODI 40 -> 20 is 50% better */
        fx.priors[1].followup_function = followup[i];
        pp_findings_init(&f);
        assert_int_equal(run(&fx, &p, "COV-ESI-REPEAT", &res, &f), want[i]);
        pp_coverage_result_release(&res);
        pp_findings_release(&f);
    }
}

static void test_coverage__esi_failed_retry_13_14_15_days(void **state)
{
    /* COV-ESI-REPEAT: after a failed first ESI, >= 14 days (cov_esi_failed_retry_days) */
    static const int gap[] = {13, 14, 15};
    static const int want[] = {UNMET, MET, MET};
    char b[11];
    (void)state;
    for (size_t i = 0; i < 3; i++) {
        struct vignette v = {
            .proc = "esi-il-lumbar",
            .levels = {"L4"},
            .priors = {{P("esi-tf-lumbar", days_before(b, gap[i]), 0, 20, 0), .levels = "L5"}}};
        enum pp_cov_verdict verdict;
        pp_day on;
        assert_int_equal(status_of(&v, NULL, "COV-ESI-REPEAT", &verdict, &on), want[i]);
        if (want[i] == UNMET) {
            assert_int_equal(verdict, LATER);
            assert_int_equal(on, day(DATE, DATE) + 1);
        }
    }
}

static void test_coverage__facet_interval_13_14_15_days(void **state)
{
    /* COV-FACET-DX-INTERVAL: cov_facet_dx_interval_days = 14 (§0 facet diagnostic blocks) */
    static const int gap[] = {13, 14, 15};
    static const int want[] = {UNMET, MET, MET};
    char b[11];
    (void)state;
    for (size_t i = 0; i < 3; i++) {
        struct vignette v = {.proc = "mbb-lumbar",
                             .levels = {"L4-L5"},
                             .priors = {{P("mbb-lumbar", days_before(b, gap[i]), 0, 90, 0)}}};
        assert_int_equal(status_of(&v, NULL, "COV-FACET-DX-INTERVAL", NULL, NULL), want[i]);
    }
}

static void test_coverage__esi_4th_5th_session_and_window_edge(void **state)
{
    /* COV-ESI-SESSIONS: <= 4 per region per rolling 12 months (§0 ESI limits) */
    struct vignette v = {.proc = "esi-tf-lumbar",
                         .levels = {"L5"},
                         .priors = {{P("esi-tf-lumbar", "2026-03-01", 0, 70, 4)},
                                    {P("esi-tf-lumbar", "2026-06-01", 0, 70, 4)},
                                    {P("esi-tf-lumbar", "2026-09-01", 0, 70, 4)}}};
    enum pp_cov_verdict verdict;
    pp_day on;
    (void)state;
    /* 4th session in the window */
    assert_int_equal(status_of(&v, NULL, "COV-ESI-SESSIONS", NULL, NULL), MET);
    /* a session exactly 12 months back (2025-12-01) has left the window: still the 4th */
    v.priors[3] =
        (struct prior_spec){.id = "esi-tf-lumbar", .date = "2025-12-01", .relief = 70, .months = 4};
    assert_int_equal(status_of(&v, NULL, "COV-ESI-SESSIONS", NULL, NULL), MET);
    /* a day later (2025-12-02) it is inside: this would be the 5th; met on 2026-12-02 */
    v.priors[3].date = "2025-12-02";
    assert_int_equal(status_of(&v, NULL, "COV-ESI-SESSIONS", &verdict, &on), UNMET);
    assert_int_equal(verdict, LATER);
    assert_int_equal(on, day("2026-12-02", NULL));
    /* another region does not count (a cervical ESI) */
    v.priors[3] = (struct prior_spec){P("esi-tf-cervical", "2026-10-01", 0, 70, 4), .levels = "C6"};
    assert_int_equal(status_of(&v, NULL, "COV-ESI-SESSIONS", NULL, NULL), MET);
}

static void test_coverage__levels_at_the_limit(void **state)
{
    /* COV-ESI-TF-LEVELS (2), COV-ESI-IL-LEVELS (1), COV-FACET-LEVELS (2) */
    struct vignette tf = {.proc = "esi-tf-lumbar", .levels = {"L4", "L5"}};
    struct vignette il = {.proc = "esi-il-thoracic", .levels = {"T10"}};
    struct vignette fc = {.proc = "mbb-cervical", .levels = {"C4-C5", "C5-C6"}};
    (void)state;
    assert_int_equal(status_of(&tf, NULL, "COV-ESI-TF-LEVELS", NULL, NULL), MET);
    tf.levels[2] = "S1";
    assert_int_equal(status_of(&tf, NULL, "COV-ESI-TF-LEVELS", NULL, NULL), UNMET);
    tf.levels[2] = "L5"; /* the same level twice (both sides) is one level */
    assert_int_equal(status_of(&tf, NULL, "COV-ESI-TF-LEVELS", NULL, NULL), MET);
    assert_int_equal(status_of(&il, NULL, "COV-ESI-IL-LEVELS", NULL, NULL), MET);
    il.levels[1] = "T11";
    assert_int_equal(status_of(&il, NULL, "COV-ESI-IL-LEVELS", NULL, NULL), UNMET);
    assert_int_equal(status_of(&fc, NULL, "COV-FACET-LEVELS", NULL, NULL), MET);
    fc.levels[2] = "C6-C7";
    assert_int_equal(status_of(&fc, NULL, "COV-FACET-LEVELS", NULL, NULL), UNMET);
}

static void test_coverage__rfa_repeat_months_and_reblock_24(void **state)
{
    /* COV-FACET-RFA-REPEAT: >= 6 months (cov_facet_rfa_repeat_months); past
     * cov_facet_reblock_months = 24 the blocks decide (COV-FACET-RFA-BLOCKS) */
    static const double months[] = {5.99, 6, 6.01};
    static const int want[] = {UNMET, MET, MET};
    (void)state;
    for (size_t i = 0; i < 3; i++) {
        struct vignette v = {.proc = "rfa-mb-lumbar",
                             .levels = {"L4-L5"},
                             .priors = {{P("rfa-mb-lumbar", "2026-01-15", 0, 70, months[i])}}};
        assert_int_equal(status_of(&v, NULL, "COV-FACET-RFA-REPEAT", NULL, NULL), want[i]);
        assert_int_equal(status_of(&v, NULL, "COV-FACET-RFA-BLOCKS", NULL, NULL), NA);
    }
    /* last RFA 2024-12-02: 1 day short of 24 months -> a repeat */
    struct vignette r = {.proc = "rfa-mb-lumbar",
                         .levels = {"L4-L5"},
                         .priors = {{P("rfa-mb-lumbar", "2024-12-02", 0, 70, 12)}}};
    assert_int_equal(status_of(&r, NULL, "COV-FACET-RFA-REPEAT", NULL, NULL), MET);
    assert_int_equal(status_of(&r, NULL, "COV-FACET-RFA-BLOCKS", NULL, NULL), NA);
    /* 2024-12-01: exactly 24 months -> new blocks needed */
    r.priors[0].date = "2024-12-01";
    assert_int_equal(status_of(&r, NULL, "COV-FACET-RFA-REPEAT", NULL, NULL), NA);
    assert_int_equal(status_of(&r, NULL, "COV-FACET-RFA-BLOCKS", NULL, NULL), UNMET);
}

static void test_coverage__scs_trial_thresholds(void **state)
{
    /* COV-SCS-TRIAL-SUCCESS 49.99/50/50.01 (§2.5), COV-SCS-TRIAL-LENGTH 2/3/4 days (§0, L) */
    static const double relief[] = {49.99, 50, 50.01};
    static const double days[] = {2, 3, 4};
    static const int want[] = {UNMET, MET, MET};
    (void)state;
    for (size_t i = 0; i < 3; i++) {
        struct vignette a = {
            .proc = "scs-implant",
            .priors = {{P("scs-trial", "2026-11-01", 0, relief[i], 0), .days = 5}}};
        struct vignette b = {.proc = "scs-implant",
                             .priors = {{P("scs-trial", "2026-11-01", 0, 80, 0), .days = days[i]}}};
        struct vignette m = {
            .proc = "scs-implant",
            .priors = {{P("scs-trial", "2026-11-01", 0, 10, 0), .med_pct = relief[i], .days = 5}}};
        assert_int_equal(status_of(&a, NULL, "COV-SCS-TRIAL-SUCCESS", NULL, NULL), want[i]);
        assert_int_equal(status_of(&m, NULL, "COV-SCS-TRIAL-SUCCESS", NULL, NULL), want[i]);
        assert_int_equal(status_of(&b, NULL, "COV-SCS-TRIAL-LENGTH", NULL, NULL), want[i]);
    }
}

static void test_coverage__counts_at_the_limit(void **state)
{
    /* COV-SIJ-PROVOCATION 2/3/4 (§2.4); COV-SCS-TRIALS-LIFETIME 2nd/3rd (§2.5);
     * COV-SIJ-TX-SESSIONS 4th/5th (§0 SI joint) */
    static const int tests[] = {102, 103, 104};
    static const int want[] = {UNMET, MET, MET};
    (void)state;
    for (size_t i = 0; i < 3; i++) {
        struct vignette v = {.proc = "sij-injection", .purpose = DX, .provocation = tests[i]};
        assert_int_equal(status_of(&v, NULL, "COV-SIJ-PROVOCATION", NULL, NULL), want[i]);
    }
    struct vignette s = {.proc = "scs-trial",
                         .priors = {{P("scs-trial", "2020-01-01", 0, 20, 0), .days = 5}}};
    assert_int_equal(status_of(&s, NULL, "COV-SCS-TRIALS-LIFETIME", NULL, NULL), MET);
    s.priors[1] = (struct prior_spec){P("scs-trial", "2021-01-01", 0, 20, 0), .days = 5};
    assert_int_equal(status_of(&s, NULL, "COV-SCS-TRIALS-LIFETIME", NULL, NULL), UNMET);
    struct vignette t = {.proc = "sij-injection",
                         .purpose = TX,
                         .priors = {{P("sij-injection", "2026-01-05", DX, 90, 0)},
                                    {P("sij-injection", "2026-02-01", TX, 60, 3)},
                                    {P("sij-injection", "2026-05-01", TX, 60, 3)},
                                    {P("sij-injection", "2026-08-01", TX, 60, 3)}}};
    assert_int_equal(status_of(&t, NULL, "COV-SIJ-TX-SESSIONS", NULL, NULL), MET);
    t.priors[4] = (struct prior_spec){
        .id = "sij-injection", .date = "2026-11-01", .purpose = TX, .relief = 60, .months = 3};
    assert_int_equal(status_of(&t, NULL, "COV-SIJ-TX-SESSIONS", NULL, NULL), UNMET);
}

static void test_coverage__policy_overrides_a_threshold(void **state)
{
    /* COV-ESI-PAIN-DURATION reads cov_esi_pain_days: a payer with 6 weeks */
    static const char json[] = "{\"cov_esi_pain_days\": 42}";
    struct pp_policy p;
    struct pp_diag d;
    char b[11];
    struct vignette v = {.proc = "esi-tf-lumbar", .levels = {"L5"}};
    (void)state;
    pp_policy_init(&p);
    assert_int_equal(pp_policy_load_json(&p, json, strlen(json), "p.json", &d), PP_OK);
    v.onset = days_before(b, 30);
    assert_int_equal(status_of(&v, NULL, "COV-ESI-PAIN-DURATION", NULL, NULL), MET);
    assert_int_equal(status_of(&v, &p, "COV-ESI-PAIN-DURATION", NULL, NULL), UNMET);
}

static void test_coverage__payer_table_replaces_the_default(void **state)
{
    static const char rows[] =
        "[{\"id\": \"PAYER-ESI-SIX-WEEKS\", \"family\": \"esi\", \"kind\": \"pain-duration-days\","
        "  \"keys\": [\"cov_esi_pain_days\"], \"herpes_zoster_exempt\": true,"
        "  \"source\": \"Payer X policy 12\"}]";
    struct pp_cov_table t;
    struct pp_policy p;
    struct pp_diag d;
    struct fixture fx;
    struct pp_cov_result res;
    struct pp_findings f;
    char b[11];
    struct vignette v = {.proc = "esi-tf-lumbar", .levels = {"L5"}, .imaging = NONE};
    (void)state;
    pp_policy_init(&p);
    pp_coverage_table_default(&t);
    assert_int_equal(pp_coverage_table_load_json(&t, rows, strlen(rows), "payer.json", &p, &d),
                     PP_OK);
    assert_int_equal(t.n, 1);
    v.onset = days_before(b, 30);
    build(&v, &fx);
    pp_findings_init(&f);
    /* only the payer's row applies: no imaging row, so eligible */
    assert_int_equal(pp_coverage_evaluate(&t, &fx.prop, &fx.h, &p, &res, &f, &d), PP_OK);
    assert_int_equal(res.n_checks, 1);
    assert_string_equal(res.checks[0].row->id, "PAYER-ESI-SIX-WEEKS");
    assert_int_equal(res.verdict, OK);
    pp_coverage_result_release(&res);
    pp_findings_release(&f);
    pp_coverage_table_release(&t);
}

static void test_coverage__payer_table_errors_name_the_problem(void **state)
{
    static const struct {
        const char *json, *what;
    } bad[] = {
        {"[{\"id\": \"X\", \"family\": \"esi\", \"kind\": \"moon-phase\"}]", "moon-phase"},
        {"[{\"id\": \"X\", \"family\": \"esi\", \"kind\": \"max-levels\", \"keys\": "
         "[\"no_such_key\"]}]",
         "no_such_key"},
        {"[{\"id\": \"X\", \"family\": \"esi\", \"kind\": \"max-levels\"}]", "reads 1 to 1"},
        {"[{\"id\": \"X\", \"family\": \"hip-arthroscopy\", \"kind\": \"not-covered\"}]",
         "hip-arthroscopy"},
        {"[{\"id\": \"X\", \"family\": \"esi\", \"kind\": \"not-covered\", \"colour\": 1}]",
         "colour"},
        {"{\"id\": \"X\"}", "array"},
    };
    struct pp_policy p;
    (void)state;
    pp_policy_init(&p);
    for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
        struct pp_cov_table t;
        struct pp_diag d;
        pp_coverage_table_default(&t);
        size_t n = t.n;
        assert_int_equal(
            pp_coverage_table_load_json(&t, bad[i].json, strlen(bad[i].json), "payer.json", &p, &d),
            PP_ERR_INPUT);
        assert_non_null(strstr(d.what, bad[i].what));
        assert_int_equal(t.n, n); /* unchanged */
        pp_coverage_table_release(&t);
    }
}

static void test_coverage__rule_table_is_sourced(void **state)
{
    size_t n;
    const struct pp_rule_info *r = pp_coverage_rules(&n);
    struct pp_cov_table t;
    struct pp_policy p;
    (void)state;
    pp_policy_init(&p);
    pp_coverage_table_default(&t);
    /* one rule per criterion row, in order, then the four whole-order verdicts */
    assert_int_equal(n, t.n + 4);
    assert_string_equal(r[t.n].id, "COV-ELIGIBLE");
    assert_string_equal(r[n - 1].id, "COV-NO-CRITERIA");
    for (size_t i = 0; i < n; i++) {
        char keys[256];
        assert_non_null(strstr(r[i].source, "CLINICAL-FACTS"));
        if (i < t.n)
            assert_string_equal(r[i].id, t.rows[i].id);
        snprintf(keys, sizeof(keys), "%s", r[i].policy_keys);
        for (char *k = keys, *e; *k; k = e) {
            double v;
            e = k + strcspn(k, ",");
            if (*e)
                *e++ = '\0';
            assert_true(pp_policy_get(&p, k, &v));
        }
    }
    pp_coverage_table_release(&t);
}

static void test_coverage__bad_requests(void **state)
{
    struct pp_policy p;
    (void)state;
    pp_policy_init(&p);
    struct {
        struct vignette v;
        const char *where;
    } bad[] = {
        {{.proc = "esi-tf-lumbar", .levels = {"C5"}}, "procedure.levels[0]"},
        {{.proc = "esi-tf-lumbar", .levels = {"X9"}}, "procedure.levels[0]"},
        {{.proc = "esi-tf-lumbar"}, "procedure.levels"},
        {{.proc = "facet-ia-lumbar", .levels = {"L4-L5"}}, "procedure.purpose"},
        {{.proc = "esi-tf-lumbar",
          .levels = {"L5"},
          .priors = {{P("esi-tf-lumbar", "2027-01-01", 0, 70, 4)}}},
         "history.prior_procedures[0]"},
    };
    for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
        struct fixture fx;
        struct pp_cov_result res;
        struct pp_findings f;
        struct pp_cov_table t;
        struct pp_diag d;
        build(&bad[i].v, &fx);
        pp_findings_init(&f);
        pp_coverage_table_default(&t);
        assert_int_equal(pp_coverage_evaluate(&t, &fx.prop, &fx.h, &p, &res, &f, &d), PP_ERR_INPUT);
        assert_string_equal(d.where, bad[i].where);
        pp_coverage_table_release(&t);
        pp_findings_release(&f);
    }
}

static void test_coverage__no_criteria_for_trigger_points(void **state)
{
    struct vignette v = {.proc = "trigger-point"};
    enum pp_cov_verdict verdict;
    (void)state;
    assert_int_equal(status_of(&v, NULL, "COV-ESI-PAIN-DURATION", &verdict, NULL), -1);
    assert_int_equal(verdict, NOCRIT);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_coverage__vignettes),
        cmocka_unit_test(test_coverage__esi_pain_27_28_29_days),
        cmocka_unit_test(test_coverage__esi_conservative_27_28_29_days),
        cmocka_unit_test(test_coverage__facet_pain_3_months),
        cmocka_unit_test(test_coverage__facet_second_block_79_99_80_80_01),
        cmocka_unit_test(test_coverage__sij_diagnostic_74_99_75_75_01),
        cmocka_unit_test(test_coverage__esi_repeat_relief_and_months),
        cmocka_unit_test(test_coverage__esi_function_49_99_50),
        cmocka_unit_test(test_coverage__esi_failed_retry_13_14_15_days),
        cmocka_unit_test(test_coverage__facet_interval_13_14_15_days),
        cmocka_unit_test(test_coverage__esi_4th_5th_session_and_window_edge),
        cmocka_unit_test(test_coverage__levels_at_the_limit),
        cmocka_unit_test(test_coverage__rfa_repeat_months_and_reblock_24),
        cmocka_unit_test(test_coverage__scs_trial_thresholds),
        cmocka_unit_test(test_coverage__counts_at_the_limit),
        cmocka_unit_test(test_coverage__policy_overrides_a_threshold),
        cmocka_unit_test(test_coverage__payer_table_replaces_the_default),
        cmocka_unit_test(test_coverage__payer_table_errors_name_the_problem),
        cmocka_unit_test(test_coverage__rule_table_is_sourced),
        cmocka_unit_test(test_coverage__bad_requests),
        cmocka_unit_test(test_coverage__no_criteria_for_trigger_points),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
