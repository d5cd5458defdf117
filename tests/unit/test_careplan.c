/*
 * test_careplan.c — the multimodal plan (clinical/careplan.c): a table of
 * vignettes written by us (records built in C), each citing the PLAN-* rules it
 * exercises, and boundary tests at every threshold (PHQ-9, GAD-7, ORT, the
 * opioid follow-up MME, naloxone MME) plus the goal arithmetic and code matching.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "clinical/careplan.h"
#include "clinical/finding.h"
#include "clinical/policy.h"
#include "clinical/record.h"
#include "clinical/terms.h"

#define SCT PP_SYS_SNOMED
#define ICD PP_SYS_ICD10CM

static pp_day now(void)
{
    return pp_day_from_ymd(2026, 11, 27);
}

/* ------------------------------------------------------------------ record builders */

struct fx {
    struct pp_record r;
    struct pp_policy p;
    struct pp_terms t;
    struct pp_plan plan;
    struct pp_findings f;
};

static void fx_init(struct fx *x)
{
    memset(x, 0, sizeof(*x));
    pp_record_init(&x->r);
    pp_policy_init(&x->p);
    pp_terms_init_builtin(&x->t);
    pp_terms_add(&x->t, SCT, "363346000", PP_CS_CANCER); /* malignant neoplastic disease */
    pp_findings_init(&x->f);
    x->r.has_patient = true;
    x->r.patient.id = "p1";
    x->r.patient.gender = "female";
    x->r.patient.birth_date = pp_day_from_ymd(1970, 1, 1);
}

static void fx_release(struct fx *x)
{
    pp_findings_release(&x->f);
    pp_terms_release(&x->t);
    pp_record_release(&x->r);
}

static struct pp_concept concept(struct fx *x, const char *system, const char *code,
                                 const char *display)
{
    struct pp_concept c = {0};
    struct pp_coding *k = pp_arena_alloc(&x->r.arena, sizeof(*k));
    k->system = system;
    k->code = code;
    k->display = display;
    c.codings = k;
    c.n_codings = 1;
    return c;
}

static void cond(struct fx *x, const char *id, const char *system, const char *code,
                 const char *display, const char *status)
{
    struct pp_condition *c = pp_record_add_condition(&x->r);
    c->id = id;
    c->code = concept(x, system, code, display);
    c->clinical_status = status;
    c->verification_status = "confirmed";
}

static struct pp_observation *score(struct fx *x, const char *id, const char *loinc, double v,
                                    pp_day when)
{
    struct pp_observation *o = pp_record_add_observation(&x->r);
    o->id = id;
    o->status = "final";
    o->code = concept(x, PP_SYS_LOINC, loinc, NULL);
    o->effective = when;
    o->value_quantity.present = true;
    o->value_quantity.value = v;
    return o;
}

/* An active order of `mg_per_day` (one dose a day) of the drug `name`, started 3 days ago. */
static void med(struct fx *x, const char *id, const char *name, double mg_per_day)
{
    struct pp_medication *m = pp_record_add_med(&x->r);
    struct pp_dosage *d = pp_arena_alloc(&x->r.arena, sizeof(*d));
    memset(d, 0, sizeof(*d));
    m->source = PP_MED_REQUEST;
    m->id = id;
    m->status = "active";
    m->intent = "order";
    m->category = "community";
    m->code = concept(x, PP_SYS_RXNORM, NULL, name);
    m->authored = now() - 3;
    m->start = now() - 3;
    m->days_supply = 30;
    d->dose.present = true;
    d->dose.value = mg_per_day;
    d->dose.unit = "mg";
    d->frequency = 1;
    d->period = 1;
    d->period_unit = "d";
    m->dosages = d;
    m->n_dosages = 1;
}

static void run(struct fx *x)
{
    assert_int_equal(pp_careplan_propose(&x->r, now(), &x->p, &x->t, NULL, &x->plan, &x->f), PP_OK);
}

static const struct pp_plan_item *item(const struct fx *x, const char *rule)
{
    for (size_t i = 0; i < x->plan.n_items; i++)
        if (strcmp(x->plan.items[i].rule_id, rule) == 0)
            return &x->plan.items[i];
    return NULL;
}

static const struct pp_finding *finding(const struct fx *x, const char *rule)
{
    const struct pp_plan_item *it = item(x, rule);
    return it ? &x->f.items[it->finding] : NULL;
}

/* ------------------------------------------------------------------ vignettes */

struct cond_spec {
    const char *system, *code, *display, *status;
};

struct vignette {
    const char *name;
    struct cond_spec conds[3];
    const char *med;       /* an active medication's name, or NULL */
    double med_mg;         /* its mg per day */
    const char *expect[7]; /* rules that must be proposed (the rules the vignette cites) */
    const char *absent[4]; /* rules that must not */
    const char *proc_rule; /* an item whose catalogue ids are checked, or NULL */
    const char *procs[3];
};

#define A "active"

static const struct vignette vignettes[] = {
    {"lumbar radiculopathy: PT, TF ESI lumbar, NSAID, acetaminophen, record a baseline",
     {{SCT, "128196005", "Lumbar radiculopathy", A}},
     NULL,
     0,
     {"PLAN-REHAB", "PLAN-INT-RADICULAR", "PLAN-MED-NSAID", "PLAN-MED-ACETAMINOPHEN",
      "PLAN-GOAL-BASELINE", "PLAN-OPIOID-STANCE", "PLAN-FOLLOWUP-PROCEDURE"},
     {"PLAN-INT-FACET", "PLAN-PSYCHOLOGY", "PLAN-MED-GABAPENTINOID", "PLAN-FOLLOWUP-OPIOID"},
     "PLAN-INT-RADICULAR",
     {"esi-tf-lumbar"}},
    {"cervical radiculopathy M54.12: TF ESI cervical",
     {{ICD, "M54.12", "Radiculopathy, cervical region", A}},
     NULL,
     0,
     {"PLAN-REHAB", "PLAN-INT-RADICULAR"},
     {"PLAN-INT-FACET"},
     "PLAN-INT-RADICULAR",
     {"esi-tf-cervical"}},
    {"axial low back pain: medial branch blocks then RFA, duloxetine",
     {{SCT, "279039007", "Low back pain", A}},
     NULL,
     0,
     {"PLAN-REHAB", "PLAN-INT-FACET", "PLAN-MED-DULOXETINE", "PLAN-MED-NSAID"},
     {"PLAN-INT-RADICULAR", "PLAN-INT-FACET-DEFERRED"},
     "PLAN-INT-FACET",
     {"mbb-lumbar", "rfa-mb-lumbar"}},
    {"neck pain: cervical medial branch blocks then RFA",
     {{SCT, "81680005", "Neck pain", A}},
     NULL,
     0,
     {"PLAN-REHAB", "PLAN-INT-FACET"},
     {"PLAN-INT-RADICULAR"},
     "PLAN-INT-FACET",
     {"mbb-cervical", "rfa-mb-cervical"}},
    {"lumbago with sciatica: facet blocks deferred, TF ESI",
     {{ICD, "M54.41", "Lumbago with sciatica, right side", A}},
     NULL,
     0,
     {"PLAN-INT-RADICULAR", "PLAN-INT-FACET-DEFERRED", "PLAN-REHAB"},
     {"PLAN-INT-FACET"},
     NULL,
     {NULL}},
    {"facet arthropathy by keyword (SNOMED code unconfirmed in the sheet)",
     {{SCT, "0000001", "Lumbar facet joint arthropathy", A}},
     NULL,
     0,
     {"PLAN-INT-FACET", "PLAN-REHAB"},
     {"PLAN-NO-DIAGNOSIS"},
     "PLAN-INT-FACET",
     {"mbb-lumbar", "rfa-mb-lumbar"}},
    {"sacroiliitis M46.1: SI joint injection",
     {{ICD, "M46.1", "Sacroiliitis, not elsewhere classified", A}},
     NULL,
     0,
     {"PLAN-INT-SI", "PLAN-REHAB"},
     {"PLAN-INT-FACET"},
     "PLAN-INT-SI",
     {"sij-injection"}},
    {"CRPS I right lower limb: lumbar sympathetic block, SCS trial, psychology for SCS",
     {{ICD, "G90.521", "Complex regional pain syndrome I of right lower limb", A}},
     NULL,
     0,
     {"PLAN-INT-CRPS", "PLAN-PSYCHOLOGY", "PLAN-REHAB"},
     {"PLAN-INT-FACET"},
     "PLAN-INT-CRPS",
     {"lumbar-sympathetic-block", "scs-trial"}},
    {"CRPS (SNOMED) of the hand: stellate ganglion block",
     {{SCT, "128200000", "Complex regional pain syndrome, left hand", A}},
     NULL,
     0,
     {"PLAN-INT-CRPS"},
     {"PLAN-INT-RADICULAR"},
     "PLAN-INT-CRPS",
     {"stellate-ganglion-block", "scs-trial"}},
    {"knee osteoarthritis: joint injection and genicular RFA, duloxetine",
     {{SCT, "239873007", "Osteoarthritis of knee", A}},
     NULL,
     0,
     {"PLAN-INT-KNEE", "PLAN-MED-DULOXETINE", "PLAN-MED-NSAID", "PLAN-REHAB"},
     {"PLAN-INT-FACET"},
     "PLAN-INT-KNEE",
     {"joint-injection-large", "rfa-genicular"}},
    {"type 2 diabetic polyneuropathy E11.42: gabapentinoid and duloxetine",
     {{ICD, "E11.42", "Type 2 diabetes mellitus with diabetic polyneuropathy", A}},
     NULL,
     0,
     {"PLAN-MED-GABAPENTINOID", "PLAN-MED-DULOXETINE"},
     {"PLAN-MED-NSAID", "PLAN-REHAB", "PLAN-FOLLOWUP-PROCEDURE"},
     NULL,
     {NULL}},
    {"post-laminectomy syndrome with radicular pain: SCS evaluation with psychology",
     {{ICD, "M96.1", "Postlaminectomy syndrome", A}, {SCT, "23056005", "Sciatica", A}},
     NULL,
     0,
     {"PLAN-INT-SCS-EVAL", "PLAN-PSYCHOLOGY", "PLAN-INT-RADICULAR"},
     {NULL},
     "PLAN-INT-SCS-EVAL",
     {"scs-trial"}},
    {"post-laminectomy without radicular pain: ESI, no SCS evaluation",
     {{SCT, "27151001", "Post-laminectomy syndrome", A}},
     NULL,
     0,
     {"PLAN-INT-RADICULAR", "PLAN-REHAB"},
     {"PLAN-INT-SCS-EVAL", "PLAN-PSYCHOLOGY"},
     NULL,
     {NULL}},
    {"cauda equina with sciatica: surgical referral, no interventions",
     {{ICD, "G83.4", "Cauda equina syndrome", A}, {SCT, "23056005", "Sciatica", A}},
     NULL,
     0,
     {"PLAN-SURGERY-REFERRAL", "PLAN-MED-ACETAMINOPHEN"},
     {"PLAN-INT-RADICULAR", "PLAN-FOLLOWUP-PROCEDURE", "PLAN-REHAB"},
     NULL,
     {NULL}},
    {"foot drop by keyword: surgical referral",
     {{SCT, "0000002", "Progressive foot drop, left", A}, {SCT, "279039007", "Low back pain", A}},
     NULL,
     0,
     {"PLAN-SURGERY-REFERRAL"},
     {"PLAN-INT-FACET"},
     NULL,
     {NULL}},
    {"history of cancer (resolved) and back pain: red-flag work-up first",
     {{SCT, "363346000", "Malignant neoplastic disease", "resolved"},
      {SCT, "279039007", "Low back pain", A}},
     NULL,
     0,
     {"PLAN-RED-FLAG-WORKUP"},
     {"PLAN-INT-FACET", "PLAN-SURGERY-REFERRAL", "PLAN-REHAB"},
     NULL,
     {NULL}},
    {"vertebral compression fracture M48.56: work-up first",
     {{ICD, "M48.56XA", "Collapsed vertebra, lumbar region", A},
      {SCT, "279039007", "Low back pain", A}},
     NULL,
     0,
     {"PLAN-RED-FLAG-WORKUP"},
     {"PLAN-INT-FACET"},
     NULL,
     {NULL}},
    {"back pain with CKD stage 3: avoid NSAIDs",
     {{SCT, "279039007", "Low back pain", A}, {ICD, "N18.3", "Chronic kidney disease, stage 3", A}},
     NULL,
     0,
     {"PLAN-MED-NSAID-AVOID", "PLAN-MED-ACETAMINOPHEN"},
     {"PLAN-MED-NSAID"},
     NULL,
     {NULL}},
    {"back pain with a resolved peptic ulcer: history still avoids NSAIDs",
     {{SCT, "279039007", "Low back pain", A}, {ICD, "K27.9", "Peptic ulcer", "resolved"}},
     NULL,
     0,
     {"PLAN-MED-NSAID-AVOID"},
     {"PLAN-MED-NSAID"},
     NULL,
     {NULL}},
    {"GI bleed by keyword: avoid NSAIDs",
     {{SCT, "279039007", "Low back pain", A},
      {SCT, "0000003", "Upper gastrointestinal bleeding", A}},
     NULL,
     0,
     {"PLAN-MED-NSAID-AVOID"},
     {"PLAN-MED-NSAID"},
     NULL,
     {NULL}},
    {"knee OA on apixaban: avoid NSAIDs (anticoagulant)",
     {{SCT, "239873007", "Osteoarthritis of knee", A}},
     "apixaban 5 MG Oral Tablet",
     10,
     {"PLAN-MED-NSAID-AVOID", "PLAN-INT-KNEE"},
     {"PLAN-MED-NSAID"},
     NULL,
     {NULL}},
    {"neuropathy on oxycodone: gabapentinoid with caution, opioid follow-up",
     {{SCT, "0000004", "Postherpetic neuralgia", A}},
     "oxycodone hydrochloride 5 MG Oral Tablet",
     20,
     {"PLAN-MED-GABAPENTINOID", "PLAN-FOLLOWUP-OPIOID", "PLAN-OPIOID-STANCE"},
     {"PLAN-MED-NSAID"},
     NULL,
     {NULL}},
    {"fibromyalgia: rehabilitation and duloxetine, no intervention",
     {{SCT, "203082005", "Fibromyalgia", A}},
     NULL,
     0,
     {"PLAN-REHAB", "PLAN-MED-DULOXETINE"},
     {"PLAN-FOLLOWUP-PROCEDURE", "PLAN-MED-GABAPENTINOID"},
     NULL,
     {NULL}},
    {"migraine: coordinate with neurology",
     {{ICD, "G43.909", "Migraine, unspecified", A}},
     NULL,
     0,
     {"PLAN-COORDINATE-NEUROLOGY"},
     {"PLAN-REHAB", "PLAN-NO-DIAGNOSIS"},
     NULL,
     {NULL}},
    {"lumbar stenosis M48.062: interlaminar ESI",
     {{ICD, "M48.062", "Spinal stenosis, lumbar region with neurogenic claudication", A}},
     NULL,
     0,
     {"PLAN-INT-STENOSIS", "PLAN-REHAB"},
     {"PLAN-INT-RADICULAR"},
     "PLAN-INT-STENOSIS",
     {"esi-il-lumbar"}},
    {"no pain diagnosis: nothing diagnosis-specific",
     {{SCT, "0000005", "Essential hypertension", A}},
     NULL,
     0,
     {"PLAN-NO-DIAGNOSIS", "PLAN-FOLLOWUP-REVIEW", "PLAN-OPIOID-STANCE"},
     {"PLAN-REHAB", "PLAN-MED-NSAID", "PLAN-FOLLOWUP-PROCEDURE"},
     NULL,
     {NULL}},
    {"refuted or resolved pain diagnoses do not count",
     {{SCT, "128196005", "Lumbar radiculopathy", "resolved"}},
     NULL,
     0,
     {"PLAN-NO-DIAGNOSIS"},
     {"PLAN-INT-RADICULAR", "PLAN-REHAB"},
     NULL,
     {NULL}},
};

static bool check_vignette(const struct vignette *v)
{
    struct fx x;
    bool ok = true;

    fx_init(&x);
    for (size_t i = 0; i < 3 && v->conds[i].code; i++) {
        char id[16];
        snprintf(id, sizeof(id), "c%zu", i + 1);
        cond(&x, pp_record_strdup(&x.r, id), v->conds[i].system, v->conds[i].code,
             v->conds[i].display, v->conds[i].status);
    }
    if (v->med)
        med(&x, "m1", v->med, v->med_mg);
    if (pp_careplan_propose(&x.r, now(), &x.p, &x.t, NULL, &x.plan, &x.f) != PP_OK)
        ok = false;
    for (size_t i = 0; ok && i < 7 && v->expect[i]; i++)
        if (!item(&x, v->expect[i])) {
            printf("  vignette '%s': expected %s\n", v->name, v->expect[i]);
            ok = false;
        }
    for (size_t i = 0; ok && i < 4 && v->absent[i]; i++)
        if (item(&x, v->absent[i])) {
            printf("  vignette '%s': unexpected %s\n", v->name, v->absent[i]);
            ok = false;
        }
    if (ok && v->proc_rule) {
        const struct pp_plan_item *it = item(&x, v->proc_rule);
        for (size_t k = 0; k < PP_PLAN_MAX_PROCS; k++) {
            const char *want = v->procs[k], *got = it->proc_ids[k];
            if ((want == NULL) != (got == NULL) || (want && strcmp(want, got) != 0)) {
                printf("  vignette '%s': procedure %zu is %s, expected %s\n", v->name, k,
                       got ? got : "(none)", want ? want : "(none)");
                ok = false;
            }
        }
    }
    /* Every item's finding carries its rule id and a detail naming a reason. */
    for (size_t i = 0; ok && i < x.plan.n_items; i++) {
        const struct pp_finding *f = &x.f.items[x.plan.items[i].finding];
        if (strcmp(f->rule_id, x.plan.items[i].rule_id) != 0 || !f->detail || !f->detail[0])
            ok = false;
    }
    fx_release(&x);
    return ok;
}

static void test_careplan__vignettes(void **state)
{
    int passed = 0, failed = 0;
    (void)state;
    for (size_t i = 0; i < sizeof(vignettes) / sizeof(vignettes[0]); i++) {
        if (check_vignette(&vignettes[i]))
            passed++;
        else
            failed++;
    }
    printf("careplan vignettes: %d passed, %d failed\n", passed, failed);
    assert_int_equal(failed, 0);
    assert_true(passed >= 10);
}

/* ------------------------------------------------------------------ boundaries */

/* PLAN-PSYCHOLOGY: PHQ-9 9/10/11 against plan_psych_phq9_min 10 (CLINICAL-FACTS §4.5). */
static void test_careplan__phq9_9_10_11(void **state)
{
    static const struct {
        double phq9;
        bool psych;
    } rows[] = {{9, false}, {10, true}, {11, true}};
    (void)state;
    for (size_t i = 0; i < 3; i++) {
        struct fx x;
        fx_init(&x);
        cond(&x, "c1", SCT, "279039007", "Low back pain", A);
        score(&x, "o1", "44261-6", rows[i].phq9, now() - 1);
        run(&x);
        assert_int_equal(item(&x, "PLAN-PSYCHOLOGY") != NULL, rows[i].psych);
        if (rows[i].psych) {
            assert_non_null(strstr(finding(&x, "PLAN-PSYCHOLOGY")->detail, "PHQ-9"));
            assert_string_equal(finding(&x, "PLAN-PSYCHOLOGY")->evidence[0], "Observation/o1");
        }
        fx_release(&x);
    }
}

/* PLAN-PSYCHOLOGY: the PHQ-9 key is a policy value: 14/15/16 with plan_psych_phq9_min 15. */
static void test_careplan__phq9_policy_override_14_15_16(void **state)
{
    static const double v[] = {14, 15, 16};
    (void)state;
    for (size_t i = 0; i < 3; i++) {
        struct fx x;
        fx_init(&x);
        x.p.plan_psych_phq9_min = 15;
        score(&x, "o1", "44261-6", v[i], now());
        run(&x);
        assert_int_equal(item(&x, "PLAN-PSYCHOLOGY") != NULL, i > 0);
        fx_release(&x);
    }
}

/* PLAN-PSYCHOLOGY: GAD-7 9/10/11 against instr_gad7_cutoff 10 (CLINICAL-FACTS §4.5). */
static void test_careplan__gad7_9_10_11(void **state)
{
    static const double v[] = {9, 10, 11};
    (void)state;
    for (size_t i = 0; i < 3; i++) {
        struct fx x;
        fx_init(&x);
        score(&x, "g1", "70274-6", v[i], now() - 2);
        run(&x);
        assert_int_equal(item(&x, "PLAN-PSYCHOLOGY") != NULL, i > 0);
        if (i > 0)
            assert_non_null(strstr(finding(&x, "PLAN-PSYCHOLOGY")->detail, "GAD-7"));
        fx_release(&x);
    }
}

/* PLAN-PSYCHOLOGY: STarT Back high risk (from the Observation's interpretation) vs medium. */
static void test_careplan__startback_high_vs_medium(void **state)
{
    static const char *const band[] = {"medium risk", "high risk"};
    (void)state;
    for (size_t i = 0; i < 2; i++) {
        struct fx x;
        struct pp_observation *o;
        fx_init(&x);
        o = score(&x, "s1", "91351-7", 6, now());
        o->interpretation.text = band[i];
        run(&x);
        assert_int_equal(item(&x, "PLAN-PSYCHOLOGY") != NULL, i == 1);
        fx_release(&x);
    }
}

/* Only the latest score counts, and a score dated after `now` is ignored. */
static void test_careplan__latest_score_wins(void **state)
{
    struct fx x;
    (void)state;
    fx_init(&x);
    score(&x, "old", "44261-6", 18, now() - 60);
    score(&x, "new", "44261-6", 4, now() - 5);
    score(&x, "future", "44261-6", 20, now() + 5);
    run(&x);
    assert_null(item(&x, "PLAN-PSYCHOLOGY"));
    fx_release(&x);
}

/* PLAN-OPIOID-STANCE: ORT 7/8/9 against plan_ort_high_min 8 (CLINICAL-FACTS §4.6). */
static void test_careplan__ort_7_8_9(void **state)
{
    static const double v[] = {7, 8, 9};
    (void)state;
    for (size_t i = 0; i < 3; i++) {
        struct fx x;
        const struct pp_finding *f;
        fx_init(&x);
        score(&x, "ort", "91392-1", v[i], now());
        run(&x);
        f = finding(&x, "PLAN-OPIOID-STANCE");
        assert_non_null(f);
        assert_int_equal(f->severity, i > 0 ? PP_SEV_WARNING : PP_SEV_INFO);
        assert_int_equal(strstr(f->detail, "ORT") != NULL, i > 0);
        fx_release(&x);
    }
}

/* PLAN-FOLLOWUP-OPIOID: morphine 49/50/51 MME/day against mme_caution 50 -> 28/7/7 days;
 * PLAN-NALOXONE (CDC22-REC08) at naloxone_mme 50: none/yes/yes (CLINICAL-FACTS §1.4). */
static void test_careplan__opioid_followup_and_naloxone_49_50_51(void **state)
{
    static const struct {
        double mg;
        int days;
        bool naloxone;
    } rows[] = {{49, 28, false}, {50, 7, true}, {51, 7, true}};
    (void)state;
    for (size_t i = 0; i < 3; i++) {
        struct fx x;
        const struct pp_plan_item *it;
        fx_init(&x);
        cond(&x, "c1", SCT, "279039007", "Low back pain", A);
        med(&x, "m1", "morphine sulfate 15 MG Oral Tablet", rows[i].mg);
        run(&x);
        assert_true(x.plan.on_opioid);
        assert_true(fabs(x.plan.total_mme - rows[i].mg) < 1e-9);
        it = item(&x, "PLAN-FOLLOWUP-OPIOID");
        assert_non_null(it);
        assert_int_equal(it->due, now() + rows[i].days);
        assert_int_equal(item(&x, "PLAN-NALOXONE") != NULL, rows[i].naloxone);
        if (rows[i].naloxone) {
            assert_string_equal(item(&x, "PLAN-NALOXONE")->rxnorm, "7242");
            /* the opioid finding's evidence is carried over */
            assert_string_equal(finding(&x, "PLAN-NALOXONE")->evidence[0], "MedicationRequest/m1");
        }
        fx_release(&x);
    }
}

/* PLAN-FOLLOWUP-OPIOID: methadone -> plan_methadone_followup_days; ER/LA under 50 MME -> the
 * lower end (CLINICAL-FACTS §1.4). */
static void test_careplan__opioid_followup_methadone_and_er(void **state)
{
    struct fx x;
    (void)state;
    fx_init(&x);
    med(&x, "m1", "methadone hydrochloride 5 MG Oral Tablet", 5);
    run(&x);
    assert_int_equal(item(&x, "PLAN-FOLLOWUP-OPIOID")->due, now() + 3);
    fx_release(&x);

    fx_init(&x);
    med(&x, "m1", "morphine sulfate 15 MG Extended Release Oral Tablet", 30);
    run(&x);
    assert_int_equal(item(&x, "PLAN-FOLLOWUP-OPIOID")->due, now() + 7);
    fx_release(&x);
}

/* PLAN-GOAL: PEG 30%, NRS 2 points or 30% (either; both with the policy), ODI 10, NDI 5. */
static void test_careplan__goal_targets(void **state)
{
    static const struct {
        const char *loinc;
        double baseline;
        int require_both;
        double target;
    } rows[] = {
        {"91147-9", 10, 0, 7},  /* PEG: 30% */
        {"72514-3", 5, 0, 3.5}, /* NRS: 30% of 5 = 1.5 < 2 points -> the smaller */
        {"72514-3", 8, 0, 6},   /* NRS: 2 points < 30% of 8 = 2.4 */
        {"72514-3", 8, 1, 5.6}, /* NRS, both required: the larger */
        {"97909-6", 40, 0, 30}, /* ODI: 10 points */
        {"82237-9", 20, 0, 15}, /* NDI: 5 points */
        {"97909-6", 6, 0, 0},   /* never below 0 */
    };
    (void)state;
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        struct fx x;
        const struct pp_plan_item *it;
        fx_init(&x);
        x.p.instr_mcid_nrs_require_both = rows[i].require_both;
        score(&x, "b", rows[i].loinc, rows[i].baseline, now());
        run(&x);
        it = item(&x, "PLAN-GOAL");
        assert_non_null(it);
        assert_true(fabs(it->goal_target - rows[i].target) < 1e-9);
        assert_string_equal(it->goal_loinc, rows[i].loinc);
        assert_int_equal(it->due, now() + x.p.plan_goal_review_days);
        assert_null(item(&x, "PLAN-GOAL-BASELINE"));
        fx_release(&x);
    }
}

/* PLAN-FOLLOWUP-REVIEW and PLAN-FOLLOWUP-PROCEDURE take their intervals from the policy. */
static void test_careplan__review_interval_from_policy(void **state)
{
    struct fx x;
    (void)state;
    fx_init(&x);
    x.p.plan_goal_review_days = 30;
    x.p.plan_procedure_followup_days = 21;
    cond(&x, "c1", ICD, "M46.1", "Sacroiliitis", A);
    run(&x);
    assert_int_equal(item(&x, "PLAN-FOLLOWUP-REVIEW")->due, now() + 30);
    assert_non_null(strstr(finding(&x, "PLAN-FOLLOWUP-PROCEDURE")->summary, "21 days"));
    fx_release(&x);
}

/* PLAN-MED-ACETAMINOPHEN: the ceiling in the detail; liver disease makes it a warning. */
static void test_careplan__acetaminophen_ceiling_and_liver(void **state)
{
    struct fx x;
    const struct pp_finding *f;
    (void)state;
    fx_init(&x);
    cond(&x, "c1", SCT, "279039007", "Low back pain", A);
    run(&x);
    f = finding(&x, "PLAN-MED-ACETAMINOPHEN");
    assert_int_equal(f->severity, PP_SEV_INFO);
    assert_non_null(strstr(f->detail, "3000 mg/day"));
    fx_release(&x);

    fx_init(&x);
    cond(&x, "c1", SCT, "279039007", "Low back pain", A);
    cond(&x, "c2", ICD, "K70.30", "Alcoholic cirrhosis of liver", A);
    run(&x);
    f = finding(&x, "PLAN-MED-ACETAMINOPHEN");
    assert_int_equal(f->severity, PP_SEV_WARNING);
    assert_non_null(strstr(f->detail, "lower"));
    fx_release(&x);
}

/* PLAN-SURGERY-REFERRAL is critical and names the condition as evidence. */
static void test_careplan__surgery_referral_is_critical(void **state)
{
    struct fx x;
    const struct pp_finding *f;
    (void)state;
    fx_init(&x);
    cond(&x, "ce", SCT, "0000009", "Cauda equina syndrome with saddle anesthesia", A);
    run(&x);
    f = finding(&x, "PLAN-SURGERY-REFERRAL");
    assert_non_null(f);
    assert_int_equal(f->severity, PP_SEV_CRITICAL);
    assert_string_equal(f->evidence[0], "Condition/ce");
    fx_release(&x);
}

/* Code matching: dots and case ignored, prefixes, keyword fallback only without a code match,
 * limb and level qualifiers from the text. */
static void test_careplan__concept_matching(void **state)
{
    struct fx x;
    struct pp_concept c;
    (void)state;
    fx_init(&x);
    c = concept(&x, ICD, "m5416", NULL);
    assert_int_equal(pp_careplan_concept_dx(&c), PP_PLAN_DX_RADICULAR);
    c = concept(&x, ICD, "M54.50", NULL);
    assert_int_equal(pp_careplan_concept_dx(&c), PP_PLAN_DX_AXIAL_LUMBAR);
    c = concept(&x, ICD, "M5", NULL); /* shorter than a table code: no match */
    assert_int_equal(pp_careplan_concept_dx(&c), 0);
    c = concept(&x, SCT, "11049006", "Cervical radiculitis");
    assert_int_equal(pp_careplan_concept_dx(&c),
                     PP_PLAN_DX_RADICULAR | PP_PLAN_DX_RADICULAR_CERVICAL);
    /* a known code wins over the words of its display */
    c = concept(&x, SCT, "239873007", "Osteoarthritis of knee with migraine");
    assert_int_equal(pp_careplan_concept_dx(&c), PP_PLAN_DX_KNEE_OA);
    c = concept(&x, NULL, NULL, "Reflex sympathetic dystrophy of the upper limb");
    assert_int_equal(pp_careplan_concept_dx(&c), PP_PLAN_DX_CRPS | PP_PLAN_DX_CRPS_UPPER);
    c = concept(&x, SCT, "0", "Hypertension");
    assert_int_equal(pp_careplan_concept_dx(&c), 0);
    fx_release(&x);
}

/* The rule table: unique PLAN-* ids with sources, every policy key resolvable, and every
 * rule a plan emits is in the table. */
static void test_careplan__rule_table_is_complete(void **state)
{
    size_t n;
    const struct pp_rule_info *r = pp_careplan_rules(&n);
    struct pp_policy p;
    (void)state;
    pp_policy_init(&p);
    assert_true(n >= 20);
    for (size_t i = 0; i < n; i++) {
        char keys[512];
        assert_int_equal(strncmp(r[i].id, "PLAN-", 5), 0);
        assert_true(strlen(r[i].source) > 5);
        for (size_t j = i + 1; j < n; j++)
            assert_string_not_equal(r[i].id, r[j].id);
        snprintf(keys, sizeof(keys), "%s", r[i].policy_keys);
        for (char *k = keys; *k;) {
            char *comma = strchr(k, ',');
            double v;
            if (comma)
                *comma = '\0';
            if (!pp_policy_get(&p, k, &v))
                fail_msg("rule %s: unknown policy key '%s'", r[i].id, k);
            if (!comma)
                break;
            k = comma + 1;
        }
    }
    for (size_t v = 0; v < sizeof(vignettes) / sizeof(vignettes[0]); v++)
        for (size_t e = 0; e < 7 && vignettes[v].expect[e]; e++) {
            bool found = false;
            for (size_t i = 0; i < n; i++)
                found = found || strcmp(r[i].id, vignettes[v].expect[e]) == 0;
            assert_true(found);
        }
    assert_string_equal(pp_plan_dx_name(PP_PLAN_DX_CKD), "ckd");
    assert_string_equal(pp_plan_dx_name(3), "");
    assert_string_equal(pp_plan_kind_name(PP_PLAN_KIND_GOAL), "goal");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_careplan__vignettes),
        cmocka_unit_test(test_careplan__phq9_9_10_11),
        cmocka_unit_test(test_careplan__phq9_policy_override_14_15_16),
        cmocka_unit_test(test_careplan__gad7_9_10_11),
        cmocka_unit_test(test_careplan__startback_high_vs_medium),
        cmocka_unit_test(test_careplan__latest_score_wins),
        cmocka_unit_test(test_careplan__ort_7_8_9),
        cmocka_unit_test(test_careplan__opioid_followup_and_naloxone_49_50_51),
        cmocka_unit_test(test_careplan__opioid_followup_methadone_and_er),
        cmocka_unit_test(test_careplan__goal_targets),
        cmocka_unit_test(test_careplan__review_interval_from_policy),
        cmocka_unit_test(test_careplan__acetaminophen_ceiling_and_liver),
        cmocka_unit_test(test_careplan__surgery_referral_is_critical),
        cmocka_unit_test(test_careplan__concept_matching),
        cmocka_unit_test(test_careplan__rule_table_is_complete),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
