/*
 * test_opioid.c — the CDC 2022 and practice opioid rules (clinical/opioid.c)
 * on small records built in C. Every threshold is tried at, just below and
 * just above its boundary: MME 49.99/50/50.01 and 89.99/90/90.01, days' supply
 * 27/28/29 and 7/8, opioid-naive 90/91 days, PDMP 89/90/91 days, UDS 12
 * months, age 17/18, tolerance 59.99/60 and 29.99/30, refill grace.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "clinical/finding.h"
#include "clinical/mme.h"
#include "clinical/opioid.h"
#include "clinical/policy.h"
#include "clinical/record.h"
#include "clinical/terms.h"

#define SCT PP_SYS_SNOMED
#define NUCC "http://nucc.org/provider-taxonomy"

#define OXY_IR "oxycodone hydrochloride 5 MG Oral Tablet"
#define OXY_ER "12 HR oxycodone hydrochloride 10 MG Extended Release Oral Tablet"
#define MORPHINE "morphine sulfate 15 MG Oral Tablet"
#define HYDROCODONE "acetaminophen 325 MG / hydrocodone bitartrate 5 MG Oral Tablet"
#define ALPRAZOLAM "alprazolam 0.5 MG Oral Tablet"
#define GABAPENTIN "gabapentin 300 MG Oral Capsule"
#define NALOXONE "naloxone hydrochloride 0.4 MG/ML Injectable Solution"
#define SUBOXONE "buprenorphine 2 MG / naloxone 0.5 MG Sublingual Film"

struct fx {
    struct pp_record r;
    struct pp_policy p;
    struct pp_terms t;
    struct pp_mme_result mme;
    struct pp_findings f;
    pp_day now;
};

static pp_day D(int y, int m, int d)
{
    return pp_day_from_ymd(y, m, d);
}

static int setup(void **state)
{
    struct fx *x = test_calloc(1, sizeof(*x));
    x->now = D(2023, 5, 1);
    pp_record_init(&x->r);
    pp_policy_init(&x->p);
    pp_terms_init_builtin(&x->t);
    /* codes the tests use, as the CDC value sets would add them */
    pp_terms_add(&x->t, SCT, "363346000", PP_CS_CANCER);     /* malignant neoplastic disease */
    pp_terms_add(&x->t, SCT, "300936002", PP_CS_TERMINAL);   /* terminal illness */
    pp_terms_add(&x->t, NUCC, "207RX0202X", PP_CS_ONCOLOGY); /* medical oncology */
    pp_terms_add(&x->t, SCT, "454281000124100", PP_CS_MISUSE_ASSESSMENT);
    pp_terms_add(&x->t, PP_SYS_LOINC, "80764-4", PP_CS_PAIN_PLAN);
    pp_terms_add(&x->t, SCT, "460831000124102", PP_CS_OPIOID_COUNSELING);
    pp_terms_add(&x->t, PP_SYS_LOINC, "11246-6",
                 PP_CS_UDS | PP_CS_UDS_OPIOID | PP_CS_UDS_SYNTHETIC_OPIOID | PP_CS_UDS_OXYCODONE);
    pp_terms_add(&x->t, SCT, "66590003", PP_CS_SUBSTANCE_MISUSE); /* alcohol dependence */
    x->r.has_patient = true;
    x->r.patient.id = "p1";
    x->r.patient.birth_date = D(1980, 1, 1);
    pp_mme_result_init(&x->mme);
    pp_findings_init(&x->f);
    *state = x;
    return 0;
}

static int teardown(void **state)
{
    struct fx *x = *state;
    pp_findings_release(&x->f);
    pp_mme_result_release(&x->mme);
    pp_terms_release(&x->t);
    pp_record_release(&x->r);
    test_free(x);
    return 0;
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

/* A medication order: `dose` in `unit` once, `per_day` times a day, from `start`. */
static struct pp_medication *med(struct fx *x, const char *id, const char *name, double dose,
                                 const char *unit, double per_day, double supply, pp_day start,
                                 const char *status)
{
    struct pp_medication *m = pp_record_add_med(&x->r);
    struct pp_dosage *d = pp_arena_alloc(&x->r.arena, sizeof(*d));
    m->source = PP_MED_REQUEST;
    m->id = id;
    m->status = status;
    m->intent = "order";
    m->category = "community";
    m->code = concept(x, PP_SYS_RXNORM, NULL, name);
    m->authored = start;
    m->start = start;
    m->days_supply = supply;
    d->dose.present = true;
    d->dose.value = dose;
    d->dose.unit = unit;
    d->frequency = per_day;
    d->period = 1;
    d->period_unit = "d";
    m->dosages = d;
    m->n_dosages = 1;
    return m;
}

/* A draft order being prescribed today. */
static struct pp_medication *draft(struct fx *x, const char *id, const char *name, double dose,
                                   const char *unit, double per_day, double supply)
{
    struct pp_medication *m = med(x, id, name, dose, unit, per_day, supply, x->now, "active");
    m->is_draft_order = true;
    return m;
}

static struct pp_condition *condition(struct fx *x, const char *system, const char *code,
                                      const char *clinical_status)
{
    struct pp_condition *c = pp_record_add_condition(&x->r);
    c->id = "c1";
    c->code = concept(x, system, code, NULL);
    c->clinical_status = clinical_status;
    c->category = "problem-list-item";
    return c;
}

static struct pp_procedure *procedure(struct fx *x, const char *system, const char *code,
                                      pp_day when)
{
    struct pp_procedure *p = pp_record_add_procedure(&x->r);
    p->id = "pr1";
    p->status = "completed";
    p->code = concept(x, system, code, NULL);
    p->performed = when;
    return p;
}

static struct pp_observation *uds(struct fx *x, const char *loinc, pp_day when, const char *value)
{
    struct pp_observation *o = pp_record_add_observation(&x->r);
    o->id = "o1";
    o->status = "final";
    o->category = "laboratory";
    o->code = concept(x, PP_SYS_LOINC, loinc, NULL);
    o->effective = when;
    o->value_string = value;
    return o;
}

static void run(struct fx *x, enum pp_opioid_hook hook)
{
    struct pp_opioid_context ctx = {hook, NULL, 0};
    assert_int_equal(pp_mme_compute(&x->r, x->now, &x->p, NULL, &x->mme), PP_OK);
    pp_findings_reset(&x->f);
    pp_opioid_evaluate(&x->r, x->now, &x->p, &x->t, &x->mme, &ctx, &x->f);
    for (size_t i = 0; i < x->f.n; i++) {
        const struct pp_finding *f = &x->f.items[i];
        assert_non_null(pp_opioid_rule_find(f->rule_id));
        assert_true(strlen(f->summary) > 0 && strlen(f->summary) <= PP_SUMMARY_MAX);
        assert_true(f->detail && strlen(f->detail) > 0);
        assert_true(f->source && strlen(f->source) > 0);
    }
}

static size_t n_rule(struct fx *x, const char *rule)
{
    return pp_findings_count_rule(&x->f, rule);
}

/* Evaluate for `hook` and check how many findings `rule` gave (a macro: failures name the line). */
#define EXPECT(x, hook, rule, n)                                                                   \
    do {                                                                                           \
        run((x), (hook));                                                                          \
        assert_int_equal(n_rule((x), (rule)), (n));                                                \
    } while (0)

static const struct pp_finding *find(struct fx *x, const char *rule)
{
    for (size_t i = 0; i < x->f.n; i++)
        if (strcmp(x->f.items[i].rule_id, rule) == 0)
            return &x->f.items[i];
    return NULL;
}

static size_t n_cdc(struct fx *x)
{
    size_t n = 0;
    for (size_t i = 0; i < x->f.n; i++)
        n += strncmp(x->f.items[i].rule_id, "CDC22-", 6) == 0;
    return n;
}

/* ---- the rule table --------------------------------------------------------------------- */

static void test_opioid__rule_table_is_complete(void **state)
{
    size_t n;
    const struct pp_opioid_rule *rules = pp_opioid_rules(&n);
    enum pp_opioid_hook h;
    (void)state;
    assert_true(n >= 19);
    for (size_t i = 0; i < n; i++) {
        assert_true(strncmp(rules[i].id, "CDC22-REC", 9) == 0 ||
                    strncmp(rules[i].id, "PRACTICE-", 9) == 0);
        assert_true(strlen(rules[i].title) > 0 && strlen(rules[i].statement) > 0);
        assert_true(strlen(rules[i].source) > 0);
        assert_non_null(rules[i].policy_keys);
        assert_true(rules[i].hooks != 0);
        assert_ptr_equal(pp_opioid_rule_find(rules[i].id), &rules[i]);
        for (size_t j = 0; j < i; j++)
            assert_string_not_equal(rules[i].id, rules[j].id);
        /* every key a rule names is a policy key */
        for (const char *k = rules[i].policy_keys; *k;) {
            char key[64];
            double v;
            size_t len = strcspn(k, ",");
            assert_true(len < sizeof(key));
            snprintf(key, sizeof(key), "%.*s", (int)len, k);
            struct pp_policy p;
            pp_policy_init(&p);
            if (!pp_policy_get(&p, key, &v))
                fail_msg("rule %s names unknown policy key '%s'", rules[i].id, key);
            k += len + (k[len] == ',');
        }
    }
    assert_null(pp_opioid_rule_find("CDC22-REC13"));
    assert_true(pp_opioid_hook_parse("order-sign", &h) && h == PP_OPIOID_ORDER_SIGN);
    assert_true(pp_opioid_hook_parse("order-select", &h) && h == PP_OPIOID_ORDER_SELECT);
    assert_true(pp_opioid_hook_parse("patient-view", &h) && h == PP_OPIOID_PATIENT_VIEW);
    assert_false(pp_opioid_hook_parse("encounter-start", &h));
    assert_string_equal(pp_opioid_hook_name(PP_OPIOID_ORDER_SIGN), "order-sign");
}

static void test_opioid__no_medication_no_finding(void **state)
{
    struct fx *x = *state;
    run(x, PP_OPIOID_ORDER_SIGN);
    assert_int_equal(x->f.n, 0);
    run(x, PP_OPIOID_PATIENT_VIEW);
    assert_int_equal(x->f.n, 0);
}

/* ---- scope: age and exclusions ----------------------------------------------------------- */

static void test_opioid__age_17_18_boundary(void **state)
{
    struct fx *x = *state;
    draft(x, "d1", OXY_IR, 1, "{tbl}", 4, 5);
    x->r.patient.birth_date = D(2005, 5, 2); /* 17 on 2023-05-01 */
    run(x, PP_OPIOID_ORDER_SIGN);
    assert_int_equal(n_cdc(x), 0);
    assert_int_equal(n_rule(x, "PRACTICE-RISK-EDUCATION"), 1); /* the practice still educates */
    x->r.patient.birth_date = D(2005, 5, 1);                   /* 18 today */
    EXPECT(x, PP_OPIOID_ORDER_SIGN, "CDC22-REC01", 1);
    assert_int_equal(n_rule(x, "CDC22-REC09"), 1);
    x->p.adult_age_years = 19;
    run(x, PP_OPIOID_ORDER_SIGN);
    assert_int_equal(n_cdc(x), 0);
}

static void test_opioid__unknown_age_still_checked(void **state)
{
    struct fx *x = *state;
    x->r.has_patient = false;
    x->r.patient.birth_date = PP_DAY_NONE;
    draft(x, "d1", OXY_IR, 1, "{tbl}", 4, 5);
    EXPECT(x, PP_OPIOID_ORDER_SIGN, "CDC22-REC01", 1);
    assert_non_null(strstr(find(x, "CDC22-REC01")->detail, "Age unknown"));
}

static void test_opioid__exclusions(void **state)
{
    struct fx *x = *state;
    struct pp_condition *c;
    struct pp_encounter *e;

    draft(x, "d1", OXY_IR, 1, "{tbl}", 4, 5);
    run(x, PP_OPIOID_ORDER_SIGN);
    assert_true(n_cdc(x) > 0);

    c = condition(x, SCT, "363346000", "active"); /* active cancer */
    run(x, PP_OPIOID_ORDER_SIGN);
    assert_int_equal(n_cdc(x), 0);
    c->clinical_status = "resolved";
    run(x, PP_OPIOID_ORDER_SIGN);
    assert_true(n_cdc(x) > 0);
    c->clinical_status = "active";
    c->verification_status = "refuted";
    run(x, PP_OPIOID_ORDER_SIGN);
    assert_true(n_cdc(x) > 0);

    /* sickle cell disease excludes whatever its clinical status */
    c->verification_status = NULL;
    c->code = concept(x, SCT, "417357006", NULL);
    c->clinical_status = "inactive";
    run(x, PP_OPIOID_ORDER_SIGN);
    assert_int_equal(n_cdc(x), 0);

    /* a condition likely terminal */
    c->code = concept(x, SCT, "300936002", NULL);
    c->clinical_status = "active";
    run(x, PP_OPIOID_ORDER_SIGN);
    assert_int_equal(n_cdc(x), 0);
    c->code = concept(x, SCT, "38341003", NULL); /* hypertension: no exclusion */
    run(x, PP_OPIOID_ORDER_SIGN);
    assert_true(n_cdc(x) > 0);

    /* hospice admission */
    procedure(x, SCT, "305336008", D(2023, 4, 1));
    run(x, PP_OPIOID_ORDER_SIGN);
    assert_int_equal(n_cdc(x), 0);
    assert_int_equal(n_rule(x, "PRACTICE-RISK-EDUCATION"), 1);
    x->r.procedures[0].status = "entered-in-error";
    run(x, PP_OPIOID_ORDER_SIGN);
    assert_true(n_cdc(x) > 0);

    /* discharged to hospice */
    e = pp_record_add_encounter(&x->r);
    e->id = "e0";
    e->status = "finished";
    e->start = D(2022, 1, 1);
    e->discharge_disposition = "hosp";
    run(x, PP_OPIOID_ORDER_SIGN);
    assert_int_equal(n_cdc(x), 0);
}

static void add_oncology_visit(struct fx *x, const char *id, pp_day when)
{
    struct pp_encounter *e = pp_record_add_encounter(&x->r);
    e->id = id;
    e->status = "finished";
    e->class_code = "AMB";
    e->type = concept(x, NUCC, "207RX0202X", "Medical Oncology");
    e->start = when;
    e->end = when;
}

static void test_opioid__oncology_encounters_1_2_and_12_months(void **state)
{
    struct fx *x = *state;
    draft(x, "d1", OXY_IR, 1, "{tbl}", 4, 5);
    add_oncology_visit(x, "e1", D(2023, 3, 1));
    run(x, PP_OPIOID_ORDER_SIGN);
    assert_true(n_cdc(x) > 0);                   /* one visit: below cancer_encounter_count 2 */
    add_oncology_visit(x, "e2", D(2022, 4, 30)); /* 12 months + 1 day ago: outside */
    run(x, PP_OPIOID_ORDER_SIGN);
    assert_true(n_cdc(x) > 0);
    x->r.encounters[1].start = D(2022, 5, 1); /* exactly 12 months: inside */
    run(x, PP_OPIOID_ORDER_SIGN);
    assert_int_equal(n_cdc(x), 0);
    x->p.cancer_encounter_count = 3;
    run(x, PP_OPIOID_ORDER_SIGN);
    assert_true(n_cdc(x) > 0);
}

static void test_opioid__inpatient_order_not_checked(void **state)
{
    struct fx *x = *state;
    struct pp_medication *m = draft(x, "d1", OXY_IR, 1, "{tbl}", 4, 5);
    m->category = "inpatient";
    EXPECT(x, PP_OPIOID_ORDER_SIGN, "CDC22-REC01", 0);
    assert_int_equal(n_rule(x, "CDC22-REC09"), 0);
}

/* ---- REC01 / REC02: acute 27/28/29 days, opioid-naive 90/91 days ----------------------- */

static void test_opioid__acute_supply_27_28_29(void **state)
{
    struct fx *x = *state;
    static const struct {
        double supply;
        size_t rec01, rec02;
    } t[] = {{27, 1, 0}, {27.99, 1, 0}, {28, 0, 1}, {29, 0, 1}};
    struct pp_medication *m = draft(x, "d1", OXY_IR, 1, "{tbl}", 4, 27);
    for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        m->days_supply = t[i].supply;
        EXPECT(x, PP_OPIOID_ORDER_SIGN, "CDC22-REC01", t[i].rec01);
        assert_int_equal(n_rule(x, "CDC22-REC02"), t[i].rec02);
        assert_int_equal(find(x, t[i].rec01 ? "CDC22-REC01" : "CDC22-REC02")->evidence[0] != NULL,
                         1);
    }
}

static void test_opioid__naive_lookback_90_91(void **state)
{
    struct fx *x = *state;
    struct pp_medication *prior;
    draft(x, "d1", OXY_IR, 1, "{tbl}", 4, 5);
    /* prior supply whose last day is now-90: inside the 90-day lookback, not naive */
    prior = med(x, "m0", HYDROCODONE, 1, "{tbl}", 4, 11, x->now - 100, "completed");
    EXPECT(x, PP_OPIOID_ORDER_SIGN, "CDC22-REC01", 0);
    assert_int_equal(n_rule(x, "PRACTICE-RISK-EDUCATION"), 0);
    /* last day now-91: naive */
    prior->days_supply = 10;
    EXPECT(x, PP_OPIOID_ORDER_SIGN, "CDC22-REC01", 1);
    assert_int_equal(n_rule(x, "PRACTICE-RISK-EDUCATION"), 1);
    /* used only yesterday: not naive; only today (the excluded last 24 h): naive */
    prior->start = prior->authored = x->now - 1;
    prior->days_supply = 1;
    EXPECT(x, PP_OPIOID_ORDER_SIGN, "CDC22-REC01", 0);
    prior->start = prior->authored = x->now;
    EXPECT(x, PP_OPIOID_ORDER_SIGN, "CDC22-REC01", 1);
    /* a cancelled prior order is no history */
    prior->start = prior->authored = x->now - 10;
    prior->days_supply = 5;
    prior->status = "cancelled";
    EXPECT(x, PP_OPIOID_ORDER_SIGN, "CDC22-REC01", 1);
}

static void test_opioid__rec02_treatment_plan_within_90_days(void **state)
{
    struct fx *x = *state;
    struct pp_careplan *cp;
    draft(x, "d1", OXY_IR, 1, "{tbl}", 4, 30);
    EXPECT(x, PP_OPIOID_ORDER_SIGN, "CDC22-REC02", 1);
    cp = pp_record_add_careplan(&x->r);
    cp->id = "cp1";
    cp->status = "active";
    cp->category = concept(x, PP_SYS_LOINC, "80764-4", NULL);
    cp->created = x->now - 90;
    EXPECT(x, PP_OPIOID_ORDER_SIGN, "CDC22-REC02", 0);
    x->r.careplans[0].created = x->now - 91;
    EXPECT(x, PP_OPIOID_ORDER_SIGN, "CDC22-REC02", 1);
}

static void test_opioid__order_rules_not_on_patient_view(void **state)
{
    struct fx *x = *state;
    med(x, "m1", OXY_IR, 1, "{tbl}", 4, 10, x->now - 2, "active");
    EXPECT(x, PP_OPIOID_PATIENT_VIEW, "CDC22-REC01", 0);
    assert_int_equal(n_rule(x, "CDC22-REC06"), 0);
    assert_int_equal(n_rule(x, "PRACTICE-SHORT-COURSE"), 0);
    assert_int_equal(n_rule(x, "CDC22-REC09"), 1); /* PDMP applies to continuing therapy too */
}

/* ---- REC03 ------------------------------------------------------------------------------ */

static void test_opioid__rec03_long_acting_start(void **state)
{
    struct fx *x = *state;
    const struct pp_finding *f;
    draft(x, "d1", OXY_ER, 1, "{tbl}", 2, 30);
    EXPECT(x, PP_OPIOID_ORDER_SIGN, "CDC22-REC03", 1);
    f = find(x, "CDC22-REC03");
    assert_int_equal(f->severity, PP_SEV_WARNING);
    assert_int_equal(f->n_suggestions, 1);
    assert_int_equal(f->suggestions[0].action, PP_ACTION_DELETE);
    assert_string_equal(f->suggestions[0].resource_ref, "MedicationRequest/d1");
    assert_string_equal(f->evidence[0], "MedicationRequest/d1");
    /* already on opioids: not a start */
    med(x, "m0", OXY_IR, 1, "{tbl}", 4, 30, x->now - 20, "active");
    EXPECT(x, PP_OPIOID_ORDER_SIGN, "CDC22-REC03", 0);
    /* an immediate-release start is fine */
    x->r.n_meds = 0;
    draft(x, "d2", OXY_IR, 1, "{tbl}", 4, 30);
    EXPECT(x, PP_OPIOID_ORDER_SIGN, "CDC22-REC03", 0);
}

static void test_opioid__rec03_patient_view_advice_only(void **state)
{
    struct fx *x = *state;
    const struct pp_finding *f;
    med(x, "m1", OXY_ER, 1, "{tbl}", 2, 30, x->now - 10, "active");
    run(x, PP_OPIOID_PATIENT_VIEW);
    f = find(x, "CDC22-REC03");
    assert_non_null(f);
    assert_int_equal(f->suggestions[0].action, PP_ACTION_NONE);
}

/* ---- REC04 / REC05: MME 49.99/50/50.01, 89.99/90/90.01 ----------------------------------- */

static void test_opioid__mme_caution_and_high_boundaries(void **state)
{
    struct fx *x = *state;
    static const struct {
        double mme;
        size_t rec04, rec05;
    } t[] = {{49.99, 0, 0}, {50, 1, 0}, {50.01, 1, 0}, {89.99, 1, 0}, {90, 0, 1}, {90.01, 0, 1}};
    struct pp_medication *m = draft(x, "d1", MORPHINE, 50, "mg", 1, 30);
    for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        m->dosages[0].dose.value = t[i].mme; /* morphine: factor 1 */
        run(x, PP_OPIOID_ORDER_SIGN);
        assert_true(fabs(x->mme.total - t[i].mme) < 1e-9);
        assert_int_equal(n_rule(x, "CDC22-REC04"), t[i].rec04);
        assert_int_equal(n_rule(x, "CDC22-REC05"), t[i].rec05);
    }
    /* the number is in the detail, to two decimals */
    assert_non_null(strstr(find(x, "CDC22-REC05")->detail, "90.01 MME/day"));
    /* acute orders are not checked for dose (CDC REC04/05: subacute/chronic) */
    m->days_supply = 5;
    EXPECT(x, PP_OPIOID_ORDER_SIGN, "CDC22-REC05", 0);
    /* the policy moves the thresholds */
    m->days_supply = 30;
    x->p.mme_high = 100;
    EXPECT(x, PP_OPIOID_ORDER_SIGN, "CDC22-REC04", 1);
}

static void test_opioid__mme_total_adds_active_orders(void **state)
{
    struct fx *x = *state;
    draft(x, "d1", MORPHINE, 30, "mg", 1, 30);
    med(x, "m1", OXY_IR, 20, "mg", 1, 30, x->now - 5, "active"); /* 30 MME */
    run(x, PP_OPIOID_ORDER_SIGN);
    assert_true(fabs(x->mme.total - 60) < 1e-9);
    assert_int_equal(n_rule(x, "CDC22-REC04"), 1);
    assert_non_null(strstr(find(x, "CDC22-REC04")->summary, "60.00"));
}

/* ---- REC06: 7/8 days, ER for acute pain --------------------------------------------------- */

static void test_opioid__rec06_acute_7_8_27_28(void **state)
{
    struct fx *x = *state;
    static const struct {
        double supply;
        size_t rec06;
    } t[] = {{7, 0}, {8, 1}, {27, 1}, {28, 0}};
    struct pp_medication *m = draft(x, "d1", OXY_IR, 1, "{tbl}", 4, 7);
    for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        m->days_supply = t[i].supply;
        EXPECT(x, PP_OPIOID_ORDER_SIGN, "CDC22-REC06", t[i].rec06);
    }
    m->days_supply = 8;
    run(x, PP_OPIOID_ORDER_SIGN);
    {
        const struct pp_finding *f = find(x, "CDC22-REC06");
        assert_int_equal(f->suggestions[0].action, PP_ACTION_UPDATE);
        assert_true(f->suggestions[0].days_supply == 7);
        assert_string_equal(f->suggestions[0].resource_ref, "MedicationRequest/d1");
    }
    /* an extended-release opioid for acute pain, even for 5 days */
    x->r.n_meds = 0;
    draft(x, "d2", OXY_ER, 1, "{tbl}", 2, 5);
    EXPECT(x, PP_OPIOID_ORDER_SIGN, "CDC22-REC06", 1);
}

/* ---- REC07: 7 of 10 days, 63 of 90 days, assessment in 90 days ------------------------ */

static void test_opioid__rec07_recent_and_long_term_use(void **state)
{
    struct fx *x = *state;
    struct pp_medication *prior;
    struct pp_procedure *p;
    draft(x, "d1", OXY_IR, 1, "{tbl}", 4, 30);
    prior = med(x, "m0", OXY_IR, 1, "{tbl}", 4, 7, x->now - 7, "completed");
    EXPECT(x, PP_OPIOID_ORDER_SIGN, "CDC22-REC07", 1); /* 7 of the last 10 days */
    prior->start = prior->authored = x->now - 6;
    prior->days_supply = 6;
    EXPECT(x, PP_OPIOID_ORDER_SIGN, "CDC22-REC07", 0); /* 6 of 10 */
    /* 63 of the last 90 days, none in the last 10 */
    prior->start = prior->authored = x->now - 90;
    prior->days_supply = 63;
    EXPECT(x, PP_OPIOID_ORDER_SIGN, "CDC22-REC07", 1);
    prior->days_supply = 62;
    EXPECT(x, PP_OPIOID_ORDER_SIGN, "CDC22-REC07", 0);
    /* an assessment in the last 90 days satisfies it; 91 days ago does not */
    prior->days_supply = 63;
    p = procedure(x, SCT, "454281000124100", x->now - 90);
    EXPECT(x, PP_OPIOID_ORDER_SIGN, "CDC22-REC07", 0);
    p->performed = x->now - 91;
    EXPECT(x, PP_OPIOID_ORDER_SIGN, "CDC22-REC07", 1);
}

/* ---- REC08: naloxone ------------------------------------------------------------------- */

static void test_opioid__rec08_naloxone_mme_boundary(void **state)
{
    struct fx *x = *state;
    static const struct {
        double mme;
        size_t rec08;
    } t[] = {{49.99, 0}, {50, 1}, {50.01, 1}};
    struct pp_medication *m = draft(x, "d1", MORPHINE, 50, "mg", 1, 30);
    for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        m->dosages[0].dose.value = t[i].mme;
        EXPECT(x, PP_OPIOID_ORDER_SIGN, "CDC22-REC08", t[i].rec08);
    }
    {
        const struct pp_finding *f = find(x, "CDC22-REC08");
        assert_int_equal(f->suggestions[0].action, PP_ACTION_CREATE);
        assert_string_equal(f->suggestions[0].resource_type, "MedicationRequest");
        assert_non_null(f->suggestions[0].rxnorm);
    }
}

static void test_opioid__rec08_risk_factors_and_naloxone(void **state)
{
    struct fx *x = *state;
    struct pp_medication *other;
    struct pp_condition *c;

    draft(x, "d1", OXY_IR, 1, "{tbl}", 4, 30); /* 30 MME: no dose factor */
    EXPECT(x, PP_OPIOID_ORDER_SIGN, "CDC22-REC08", 0);
    /* a current benzodiazepine */
    other = med(x, "b1", ALPRAZOLAM, 1, "{tbl}", 2, 30, x->now - 10, "active");
    EXPECT(x, PP_OPIOID_ORDER_SIGN, "CDC22-REC08", 1);
    assert_non_null(strstr(find(x, "CDC22-REC08")->summary, "benzodiazepine"));
    other->status = "stopped";
    EXPECT(x, PP_OPIOID_ORDER_SIGN, "CDC22-REC08", 0);
    /* sleep apnea: active counts, resolved does not */
    c = condition(x, SCT, "78275009", "active");
    EXPECT(x, PP_OPIOID_ORDER_SIGN, "CDC22-REC08", 1);
    c->clinical_status = "resolved";
    EXPECT(x, PP_OPIOID_ORDER_SIGN, "CDC22-REC08", 0);
    /* substance use history counts whatever its status */
    c->code = concept(x, SCT, "66590003", NULL);
    EXPECT(x, PP_OPIOID_ORDER_SIGN, "CDC22-REC08", 1);
    /* buprenorphine/naloxone is not a rescue product ... */
    med(x, "s1", SUBOXONE, 1, "{film}", 1, 30, x->now - 3, "active");
    EXPECT(x, PP_OPIOID_ORDER_SIGN, "CDC22-REC08", 1);
    /* ... naloxone is */
    med(x, "n1", NALOXONE, 1, "mL", 1, 30, x->now - 3, "active");
    EXPECT(x, PP_OPIOID_ORDER_SIGN, "CDC22-REC08", 0);
}

/* ---- REC09: PDMP 89/90/91 days ------------------------------------------------------------ */

static void test_opioid__pdmp_89_90_91_days(void **state)
{
    struct fx *x = *state;
    static const struct {
        int days_ago;
        size_t rec09;
    } t[] = {{89, 0}, {90, 0}, {91, 1}};
    struct pp_procedure *p;
    draft(x, "d1", OXY_IR, 1, "{tbl}", 4, 5);
    EXPECT(x, PP_OPIOID_ORDER_SIGN, "CDC22-REC09", 1);
    assert_non_null(strstr(find(x, "CDC22-REC09")->summary, "none on record"));
    p = procedure(x, SCT, "461621000124108", x->now);
    for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        p->performed = x->now - t[i].days_ago;
        EXPECT(x, PP_OPIOID_ORDER_SIGN, "CDC22-REC09", t[i].rec09);
    }
    assert_non_null(strstr(find(x, "CDC22-REC09")->summary, "2023-01-30"));
    /* the "PDMP reviewed" finding as an Observation counts too */
    p->status = "not-done";
    {
        struct pp_observation *o = uds(x, "x", x->now - 10, NULL);
        o->code = concept(x, SCT, "461651000124104", NULL);
    }
    EXPECT(x, PP_OPIOID_ORDER_SIGN, "CDC22-REC09", 0);
}

/* ---- REC10: urine drug testing ---------------------------------------------------------- */

static void test_opioid__uds_12_month_boundary(void **state)
{
    struct fx *x = *state;
    struct pp_observation *o;
    draft(x, "d1", OXY_IR, 1, "{tbl}", 4, 30);
    EXPECT(x, PP_OPIOID_ORDER_SIGN, "CDC22-REC10", 1);
    o = uds(x, "19295-5", D(2022, 5, 1), "negative"); /* exactly 12 months ago */
    EXPECT(x, PP_OPIOID_ORDER_SIGN, "CDC22-REC10", 0);
    o->effective = D(2022, 4, 30);
    EXPECT(x, PP_OPIOID_ORDER_SIGN, "CDC22-REC10", 1);
    o->effective = D(2022, 5, 2);
    EXPECT(x, PP_OPIOID_ORDER_SIGN, "CDC22-REC10", 0);
    o->status = "entered-in-error";
    EXPECT(x, PP_OPIOID_ORDER_SIGN, "CDC22-REC10", 1);
    /* acute orders: Rec 10 is for subacute/chronic pain */
    o->status = "final";
    x->r.meds[0].days_supply = 5;
    o->effective = D(2021, 1, 1);
    EXPECT(x, PP_OPIOID_ORDER_SIGN, "CDC22-REC10", 0);
}

static void test_opioid__uds_unexpected_results(void **state)
{
    struct fx *x = *state;
    struct pp_observation *o;
    struct pp_medication *rx;
    const pp_day t = D(2023, 3, 1);

    draft(x, "d1", MORPHINE, 1, "{tbl}", 2, 30);
    o = uds(x, "3397-7", t, "Positive"); /* cocaine */
    EXPECT(x, PP_OPIOID_ORDER_SIGN, "CDC22-REC10-UNEXPECTED", 1);
    assert_int_equal(n_rule(x, "CDC22-REC10"), 0);
    assert_non_null(strstr(find(x, "CDC22-REC10-UNEXPECTED")->summary, "cocaine positive"));
    o->value_string = "NEG";
    EXPECT(x, PP_OPIOID_ORDER_SIGN, "CDC22-REC10-UNEXPECTED", 0);

    /* oxycodone positive, oxycodone not prescribed: unexpected */
    o->code = concept(x, PP_SYS_LOINC, "11246-6", NULL);
    o->value_string = "POS";
    EXPECT(x, PP_OPIOID_ORDER_SIGN, "CDC22-REC10-UNEXPECTED", 1);
    /* prescribed, supply's last day 30 days before the test: expected */
    rx = med(x, "m0", OXY_IR, 1, "{tbl}", 4, 10, t - 39, "completed");
    EXPECT(x, PP_OPIOID_ORDER_SIGN, "CDC22-REC10-UNEXPECTED", 0);
    /* last day 31 days before: outside uds_rx_window_days, unexpected again */
    rx->start = rx->authored = t - 40;
    EXPECT(x, PP_OPIOID_ORDER_SIGN, "CDC22-REC10-UNEXPECTED", 1);
    /* negative while oxycodone is in supply: prescribed opioid missing */
    rx->start = rx->authored = t - 5;
    o->value_string = NULL;
    o->interpretation = concept(
        x, "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation", "NEG", NULL);
    EXPECT(x, PP_OPIOID_ORDER_SIGN, "CDC22-REC10-UNEXPECTED", 1);
    assert_non_null(strstr(find(x, "CDC22-REC10-UNEXPECTED")->detail, "prescribed but not found"));
    /* positive by interpretation alone while prescribed: expected */
    o->interpretation = concept(x, NULL, "POS", NULL);
    EXPECT(x, PP_OPIOID_ORDER_SIGN, "CDC22-REC10-UNEXPECTED", 0);
    /* no result at all: not interpreted */
    o->interpretation.n_codings = 0;
    EXPECT(x, PP_OPIOID_ORDER_SIGN, "CDC22-REC10-UNEXPECTED", 0);
}

static void test_opioid__uds_cannabinoid_policy(void **state)
{
    struct fx *x = *state;
    draft(x, "d1", MORPHINE, 1, "{tbl}", 2, 30);
    uds(x, "3426-4", D(2023, 4, 4), "detected");
    EXPECT(x, PP_OPIOID_ORDER_SIGN, "CDC22-REC10-UNEXPECTED", 1);
    x->p.uds_cannabinoid_unexpected = 0;
    EXPECT(x, PP_OPIOID_ORDER_SIGN, "CDC22-REC10-UNEXPECTED", 0);
    assert_int_equal(n_rule(x, "CDC22-REC10"), 0); /* a test was done */
}

/* ---- REC11 ----------------------------------------------------------------------------- */

static void test_opioid__rec11_benzodiazepine_and_cns(void **state)
{
    struct fx *x = *state;
    struct pp_medication *b;

    /* a benzodiazepine draft with no opioid: nothing */
    b = draft(x, "d1", ALPRAZOLAM, 1, "{tbl}", 2, 30);
    EXPECT(x, PP_OPIOID_ORDER_SIGN, "CDC22-REC11", 0);
    /* ... with a current opioid: the benzodiazepine triggers it */
    med(x, "m1", OXY_IR, 1, "{tbl}", 4, 30, x->now - 10, "active");
    EXPECT(x, PP_OPIOID_ORDER_SIGN, "CDC22-REC11", 1);
    assert_int_equal(find(x, "CDC22-REC11")->n_evidence, 2);
    /* both current, nothing being prescribed: only patient-view reports it */
    b->is_draft_order = false;
    b->start = b->authored = x->now - 3;
    EXPECT(x, PP_OPIOID_ORDER_SIGN, "CDC22-REC11", 0);
    EXPECT(x, PP_OPIOID_PATIENT_VIEW, "CDC22-REC11", 1);
    assert_int_equal(n_rule(x, "CDC22-REC11-CNS"), 0);
    /* a gabapentinoid is another CNS depressant */
    b->code = concept(x, PP_SYS_RXNORM, NULL, GABAPENTIN);
    EXPECT(x, PP_OPIOID_PATIENT_VIEW, "CDC22-REC11", 0);
    assert_int_equal(n_rule(x, "CDC22-REC11-CNS"), 1);
    assert_int_equal(find(x, "CDC22-REC11-CNS")->severity, PP_SEV_INFO);
}

/* ---- REC12 ----------------------------------------------------------------------------- */

static void test_opioid__rec12_oud_without_moud(void **state)
{
    struct fx *x = *state;
    struct pp_condition *c = condition(x, PP_SYS_ICD10CM, "F11.20", "active");
    struct pp_medication *m;
    EXPECT(x, PP_OPIOID_PATIENT_VIEW, "CDC22-REC12", 1); /* no medication needed */
    m = med(x, "m1", SUBOXONE, 1, "{film}", 1, 30, x->now - 3, "active");
    EXPECT(x, PP_OPIOID_PATIENT_VIEW, "CDC22-REC12", 0);
    m->code = concept(x, PP_SYS_RXNORM, NULL, "naltrexone hydrochloride 50 MG Oral Tablet");
    EXPECT(x, PP_OPIOID_PATIENT_VIEW, "CDC22-REC12", 0);
    m->status = "completed"; /* ended: supply ran out two days ago? no: 30 days from now-3 */
    EXPECT(x, PP_OPIOID_PATIENT_VIEW, "CDC22-REC12", 0);
    m->start = m->authored = x->now - 40;
    EXPECT(x, PP_OPIOID_PATIENT_VIEW, "CDC22-REC12", 1);
    c->clinical_status = "remission";
    EXPECT(x, PP_OPIOID_PATIENT_VIEW, "CDC22-REC12", 0);
    c->clinical_status = "active";
    x->r.patient.birth_date = D(2006, 1, 1);
    EXPECT(x, PP_OPIOID_PATIENT_VIEW, "CDC22-REC12", 0);
}

/* ---- practice policy --------------------------------------------------------------------- */

static void test_opioid__no_la_tolerance_60_and_30(void **state)
{
    struct fx *x = *state;
    struct pp_medication *prior;
    static const struct {
        const char *name;
        double mg;
        size_t no_la;
    } t[] = {
        {MORPHINE, 59.99, 1}, {MORPHINE, 60, 0}, {MORPHINE, 60.01, 0},
        {OXY_IR, 29.99, 1},   {OXY_IR, 30, 0},
    };
    draft(x, "d1", OXY_ER, 1, "{tbl}", 2, 30);
    EXPECT(x, PP_OPIOID_ORDER_SIGN, "PRACTICE-NO-LA", 1);
    assert_int_equal(find(x, "PRACTICE-NO-LA")->suggestions[0].action, PP_ACTION_DELETE);
    prior = med(x, "m0", MORPHINE, 60, "mg", 1, 30, x->now - 10, "active");
    for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        prior->code = concept(x, PP_SYS_RXNORM, NULL, t[i].name);
        prior->dosages[0].dose.value = t[i].mg;
        EXPECT(x, PP_OPIOID_ORDER_SIGN, "PRACTICE-NO-LA", t[i].no_la);
    }
    /* tolerance needs every one of the 7 days before: 6 days is not enough */
    prior->code = concept(x, PP_SYS_RXNORM, NULL, MORPHINE);
    prior->dosages[0].dose.value = 60;
    prior->start = prior->authored = x->now - 6;
    EXPECT(x, PP_OPIOID_ORDER_SIGN, "PRACTICE-NO-LA", 1);
    prior->start = prior->authored = x->now - 7;
    EXPECT(x, PP_OPIOID_ORDER_SIGN, "PRACTICE-NO-LA", 0);
    /* a course that has just been completed still established tolerance */
    prior->start = prior->authored = x->now - 10;
    prior->days_supply = 10;
    prior->status = "completed";
    EXPECT(x, PP_OPIOID_ORDER_SIGN, "PRACTICE-NO-LA", 0);
    /* ... but not one that ended before the 7 days */
    prior->days_supply = 2;
    EXPECT(x, PP_OPIOID_ORDER_SIGN, "PRACTICE-NO-LA", 1);
    prior->days_supply = 30;
    prior->status = "active";
    /* continuing a long-acting opioid is not a start */
    prior->code = concept(x, PP_SYS_RXNORM, NULL, OXY_ER);
    prior->dosages[0].dose.value = 1;
    prior->dosages[0].dose.unit = "{tbl}";
    EXPECT(x, PP_OPIOID_ORDER_SIGN, "PRACTICE-NO-LA", 0);
}

static void test_opioid__short_course_7_8_and_refills(void **state)
{
    struct fx *x = *state;
    struct pp_medication *m = draft(x, "d1", OXY_IR, 1, "{tbl}", 4, 7);
    EXPECT(x, PP_OPIOID_ORDER_SIGN, "PRACTICE-SHORT-COURSE", 0);
    m->days_supply = 8;
    EXPECT(x, PP_OPIOID_ORDER_SIGN, "PRACTICE-SHORT-COURSE", 1);
    assert_int_equal(find(x, "PRACTICE-SHORT-COURSE")->suggestions[0].action, PP_ACTION_UPDATE);
    assert_true(find(x, "PRACTICE-SHORT-COURSE")->suggestions[0].days_supply == 7);
    /* 4 days and one refill: an 8-day course */
    m->days_supply = 4;
    m->repeats = 1;
    EXPECT(x, PP_OPIOID_ORDER_SIGN, "PRACTICE-SHORT-COURSE", 1);
    m->days_supply = 3;
    EXPECT(x, PP_OPIOID_ORDER_SIGN, "PRACTICE-SHORT-COURSE", 0);
    x->p.practice_short_course_max_days = 5;
    EXPECT(x, PP_OPIOID_ORDER_SIGN, "PRACTICE-SHORT-COURSE", 1);
}

static void test_opioid__lost_stolen_destroyed_refused(void **state)
{
    struct fx *x = *state;
    static const enum pp_replacement_reason reasons[] = {PP_REPLACE_LOST, PP_REPLACE_STOLEN,
                                                         PP_REPLACE_DESTROYED};
    struct pp_medication *m;
    med(x, "m0", OXY_IR, 1, "{tbl}", 4, 30, x->now - 10, "active");
    m = draft(x, "d1", OXY_IR, 1, "{tbl}", 4, 30);
    m->prior_prescription = "MedicationRequest/m0";
    for (size_t i = 0; i < 3; i++) {
        x->r.meds[1].replacement_reason = reasons[i];
        EXPECT(x, PP_OPIOID_ORDER_SIGN, "PRACTICE-NO-REPLACEMENT", 1);
        assert_int_equal(find(x, "PRACTICE-NO-REPLACEMENT")->severity, PP_SEV_CRITICAL);
        assert_int_equal(n_rule(x, "PRACTICE-EARLY-REFILL"), 0);
    }
    x->r.meds[1].replacement_reason = PP_REPLACE_NONE;
    EXPECT(x, PP_OPIOID_ORDER_SIGN, "PRACTICE-NO-REPLACEMENT", 0);
    assert_int_equal(n_rule(x, "PRACTICE-EARLY-REFILL"), 1); /* no reason given: still early */
}

static void test_opioid__early_refill_grace(void **state)
{
    struct fx *x = *state;
    static const struct {
        int started_ago, grace;
        size_t early;
    } t[] = {
        {20, 0, 1},             /* supply until now+10 */
        {30, 0, 0},             /* used up exactly today */
        {31, 0, 0}, {28, 0, 1}, /* 2 days early */
        {28, 1, 1}, {28, 2, 0}, /* within the grace */
    };
    struct pp_medication *prior = med(x, "m0", OXY_IR, 1, "{tbl}", 4, 30, x->now, "completed");
    draft(x, "d1", OXY_IR, 1, "{tbl}", 4, 5);
    for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        prior->start = prior->authored = x->now - t[i].started_ago;
        x->p.early_refill_grace_days = t[i].grace;
        EXPECT(x, PP_OPIOID_ORDER_SIGN, "PRACTICE-EARLY-REFILL", t[i].early);
    }
    /* a different opioid is not a refill */
    x->p.early_refill_grace_days = 0;
    prior->start = prior->authored = x->now - 20;
    prior->code = concept(x, PP_SYS_RXNORM, NULL, MORPHINE);
    EXPECT(x, PP_OPIOID_ORDER_SIGN, "PRACTICE-EARLY-REFILL", 0);
}

static void test_opioid__risk_education_for_new_starts(void **state)
{
    struct fx *x = *state;
    const struct pp_finding *f;
    struct pp_procedure *p;
    draft(x, "d1", HYDROCODONE, 1, "{tbl}", 4, 3);
    run(x, PP_OPIOID_ORDER_SIGN);
    f = find(x, "PRACTICE-RISK-EDUCATION");
    assert_non_null(f);
    assert_int_equal(f->severity, PP_SEV_INFO);
    assert_non_null(strstr(f->detail, "Driving"));
    assert_non_null(strstr(f->detail, "Overdose"));
    assert_non_null(strstr(f->detail, "Immune"));
    assert_non_null(strstr(f->detail, "Hormones"));
    p = procedure(x, SCT, "460831000124102", x->now); /* counseled today */
    EXPECT(x, PP_OPIOID_ORDER_SIGN, "PRACTICE-RISK-EDUCATION", 0);
    p->performed = x->now - 200; /* long ago: not for this start */
    EXPECT(x, PP_OPIOID_ORDER_SIGN, "PRACTICE-RISK-EDUCATION", 1);
}

static void test_opioid__selected_orders_only(void **state)
{
    struct fx *x = *state;
    const char *ids[] = {"MedicationRequest/d2"};
    struct pp_opioid_context ctx = {PP_OPIOID_ORDER_SELECT, ids, 1};
    draft(x, "d1", OXY_ER, 1, "{tbl}", 2, 30);
    draft(x, "d2", OXY_IR, 1, "{tbl}", 4, 3);
    assert_int_equal(pp_mme_compute(&x->r, x->now, &x->p, NULL, &x->mme), PP_OK);
    pp_opioid_evaluate(&x->r, x->now, &x->p, &x->t, &x->mme, &ctx, &x->f);
    assert_int_equal(n_rule(x, "CDC22-REC03"), 0); /* d1 is not selected */
    assert_int_equal(n_rule(x, "CDC22-REC01"), 1);
    assert_string_equal(find(x, "CDC22-REC01")->evidence[0], "MedicationRequest/d2");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_opioid__rule_table_is_complete),
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
        T(test_opioid__no_medication_no_finding),
        T(test_opioid__age_17_18_boundary),
        T(test_opioid__unknown_age_still_checked),
        T(test_opioid__exclusions),
        T(test_opioid__oncology_encounters_1_2_and_12_months),
        T(test_opioid__inpatient_order_not_checked),
        T(test_opioid__acute_supply_27_28_29),
        T(test_opioid__naive_lookback_90_91),
        T(test_opioid__rec02_treatment_plan_within_90_days),
        T(test_opioid__order_rules_not_on_patient_view),
        T(test_opioid__rec03_long_acting_start),
        T(test_opioid__rec03_patient_view_advice_only),
        T(test_opioid__mme_caution_and_high_boundaries),
        T(test_opioid__mme_total_adds_active_orders),
        T(test_opioid__rec06_acute_7_8_27_28),
        T(test_opioid__rec07_recent_and_long_term_use),
        T(test_opioid__rec08_naloxone_mme_boundary),
        T(test_opioid__rec08_risk_factors_and_naloxone),
        T(test_opioid__pdmp_89_90_91_days),
        T(test_opioid__uds_12_month_boundary),
        T(test_opioid__uds_unexpected_results),
        T(test_opioid__uds_cannabinoid_policy),
        T(test_opioid__rec11_benzodiazepine_and_cns),
        T(test_opioid__rec12_oud_without_moud),
        T(test_opioid__no_la_tolerance_60_and_30),
        T(test_opioid__short_course_7_8_and_refills),
        T(test_opioid__lost_stolen_destroyed_refused),
        T(test_opioid__early_refill_grace),
        T(test_opioid__risk_education_for_new_starts),
        T(test_opioid__selected_orders_only),
#undef T
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
