/*
 * test_triage.c — referral triage (clinical/triage.c): a table of clinical
 * vignettes read from the documented JSON input, each citing the rule it
 * exercises; boundaries of triage_review_days (3/4/5) and
 * triage_conservative_failed_days (13/14/15); the JSON input's error messages.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "clinical/candidacy.h"
#include "clinical/finding.h"
#include "clinical/policy.h"
#include "clinical/triage.h"
#include "fhir/referral.h"

/* Every vignette is evaluated on this day. */
#define NOW "2026-11-27"

static pp_day D(const char *s)
{
    pp_day d;
    struct pp_diag diag;
    assert_int_equal(pp_day_parse(s, strlen(s), &d, &diag), PP_OK);
    return d;
}

static const struct pp_finding *find(const struct pp_findings *f, const char *rule)
{
    for (size_t i = 0; i < f->n; i++)
        if (strcmp(f->items[i].rule_id, rule) == 0)
            return &f->items[i];
    return NULL;
}

/* ---- the vignettes ---- */

#define ANY_BRING 0xffu

struct vignette {
    const char *name;
    const char *rule;   /* rule id the vignette exercises: must fire */
    const char *absent; /* a rule id that must not fire, or NULL */
    const char *json;   /* input; red flags not listed are answered "no" unless keep_unknown */
    bool keep_unknown;
    enum pp_disposition disposition;
    const char *review; /* expected review date, or NULL for none */
    unsigned bring;     /* expected bring bits, or ANY_BRING */
};

#define PC "\"referral_source\": \"primary_care\", "
#define NO_CANDIDACY "\"prior_imaging\": true, \"prior_specialist\": true, "

static const struct vignette vignettes[] = {
    {"saddle anesthesia on day 2 goes to the emergency department, no timing advice",
     "TRIAGE-RED-FLAG-CAUDA-EQUINA", "TRIAGE-TOO-EARLY",
     "{" PC "\"onset\": \"2026-11-25\", \"red_flags\": {\"saddle_anesthesia\": true}}", false,
     PP_DISP_EMERGENCY, NULL, 0},
    {"urinary retention with bilateral sciatica: one cauda equina finding",
     "TRIAGE-RED-FLAG-CAUDA-EQUINA", "TRIAGE-RED-FLAG-NEURO-DEFICIT",
     "{" PC "\"onset\": \"2026-11-01\", \"red_flags\": {\"urinary_retention\": true, "
     "\"bilateral_sciatica\": true}}",
     false, PP_DISP_EMERGENCY, NULL, 0},
    {"fever in an intravenous drug user: emergency (possible spinal infection)",
     "TRIAGE-RED-FLAG-INFECTION", "TRIAGE-CONSERVATIVE-FAILED",
     "{" PC "\"onset\": \"2026-10-01\", \"conservative_care\": {\"physical_therapy\": "
     "\"2026-10-05\"}, \"red_flags\": {\"fever\": true, \"iv_drug_use\": true}}",
     false, PP_DISP_EMERGENCY, NULL, 0},
    {"immunosuppression alone is an infection red flag", "TRIAGE-RED-FLAG-INFECTION", NULL,
     "{" PC "\"onset\": \"2026-11-10\", \"red_flags\": {\"immunosuppression\": true}}", false,
     PP_DISP_EMERGENCY, NULL, 0},
    {"history of cancer with a month of failed PT: urgent, not the interventional queue",
     "TRIAGE-RED-FLAG-MALIGNANCY", "TRIAGE-CONSERVATIVE-FAILED",
     "{" PC "\"onset\": \"2026-10-20\", \"conservative_care\": {\"physical_therapy\": "
     "\"2026-10-27\"}, \"red_flags\": {\"cancer_history\": true}}",
     false, PP_DISP_URGENT, NULL, 0},
    {"unexplained weight loss: urgent malignancy work-up", "TRIAGE-RED-FLAG-MALIGNANCY", NULL,
     "{" PC "\"onset\": \"2026-11-20\", \"red_flags\": {\"unexplained_weight_loss\": true}}", false,
     PP_DISP_URGENT, NULL, 0},
    {"minor fall in osteoporosis: urgent radiographs", "TRIAGE-RED-FLAG-FRACTURE", NULL,
     "{" PC "\"onset\": \"2026-11-26\", \"red_flags\": "
     "{\"minor_trauma_osteoporosis_or_steroids\": true}}",
     false, PP_DISP_URGENT, NULL, 0},
    {"foot drop: urgent neurological red flag", "TRIAGE-RED-FLAG-NEURO-DEFICIT", NULL,
     "{\"referral_source\": \"neurologist\", \"onset\": \"2026-11-15\", \"red_flags\": "
     "{\"major_motor_weakness\": true}}",
     false, PP_DISP_URGENT, NULL, 0},
    {"cancer history and saddle anesthesia: the more urgent (emergency) wins",
     "TRIAGE-RED-FLAG-MALIGNANCY", NULL,
     "{" PC "\"onset\": \"2026-11-15\", \"red_flags\": {\"cancer_history\": true, "
     "\"saddle_anesthesia\": true}}",
     false, PP_DISP_EMERGENCY, NULL, 0},
    {"pain on day 2 that prevents home exercise: expedited visit, not 'too early'",
     "TRIAGE-SEVERE-BLOCKS-REHAB", "TRIAGE-TOO-EARLY",
     "{" PC NO_CANDIDACY "\"onset\": \"2026-11-25\", \"nrs\": 9, "
     "\"prevents_exercise_or_therapy\": true}",
     false, PP_DISP_EXPEDITED, NULL, PP_BRING_PAIN_NOTES | PP_BRING_SCANS | PP_BRING_SCAN_REPORTS},
    {"improving but still too severe for therapy: expedited", "TRIAGE-SEVERE-BLOCKS-REHAB",
     "TRIAGE-IMPROVING",
     "{" PC "\"onset\": \"2026-11-10\", \"course\": \"improving\", \"prior_imaging\": false, "
     "\"prevents_exercise_or_therapy\": true}",
     false, PP_DISP_EXPEDITED, NULL, PP_BRING_PAIN_NOTES},
    {"three weeks of PT without improvement: interventional visit", "TRIAGE-CONSERVATIVE-FAILED",
     "TRIAGE-CLINICIAN-REVIEW",
     "{" PC NO_CANDIDACY "\"onset\": \"2026-10-30\", \"course\": \"not_improving\", "
     "\"conservative_care\": {\"physical_therapy\": \"2026-11-06\"}}",
     false, PP_DISP_INTERVENTIONAL, NULL,
     PP_BRING_PAIN_NOTES | PP_BRING_SCANS | PP_BRING_SCAN_REPORTS},
    {"worsening on prescription drugs for 15 days: interventional visit",
     "TRIAGE-CONSERVATIVE-FAILED", NULL,
     "{\"referral_source\": \"rheumatologist\", \"onset\": \"2026-11-05\", \"course\": "
     "\"worsening\", \"prior_imaging\": false, \"conservative_care\": {\"prescription_drugs\": "
     "\"2026-11-12\"}}",
     false, PP_DISP_INTERVENTIONAL, NULL, PP_BRING_PAIN_NOTES},
    {"day 2, not improving: self-care, review on day 4", "TRIAGE-TOO-EARLY", "TRIAGE-BRING",
     "{\"referral_source\": \"self\", \"onset\": \"2026-11-25\", \"course\": \"not_improving\"}",
     false, PP_DISP_SELF_CARE, "2026-11-29", 0},
    {"improving on day 10: self-care, review in 4 days", "TRIAGE-IMPROVING", "TRIAGE-CANDIDATE",
     "{\"referral_source\": \"self\", \"onset\": \"2026-11-17\", \"course\": \"improving\", "
     "\"surgery_stance\": \"unsure\"}",
     false, PP_DISP_SELF_CARE, "2026-12-01", 0},
    {"day 6, rest for 5 days: primary care, review when 14 days of care are reached",
     "TRIAGE-CLINICIAN-REVIEW", "TRIAGE-CONSERVATIVE-FAILED",
     "{" PC NO_CANDIDACY "\"onset\": \"2026-11-21\", \"course\": \"not_improving\", "
     "\"conservative_care\": {\"rest\": \"2026-11-22\"}}",
     false, PP_DISP_PRIMARY_CARE, "2026-12-06", 0},
    {"neurologist referral, 20 days, no conservative care yet: primary care starts it",
     "TRIAGE-CLINICIAN-REVIEW", "TRIAGE-CANDIDATE",
     "{\"referral_source\": \"neurologist\", \"onset\": \"2026-11-07\", \"surgery_stance\": "
     "\"wants\"}",
     false, PP_DISP_PRIMARY_CARE, "2026-12-11", 0},
    {"residual pain 8 months after spine surgery: candidate, bring surgical notes",
     "CANDIDACY-POST-SURGERY-RESIDUAL", "TRIAGE-CLINICIAN-REVIEW",
     "{\"referral_source\": \"spine_surgeon\", \"onset\": \"2026-03-27\", \"course\": "
     "\"not_improving\", \"prior_imaging\": true, \"prior_spine_surgery\": \"2026-03-27\", "
     "\"surgery_stance\": \"wants\"}",
     false, PP_DISP_INTERVENTIONAL, NULL,
     PP_BRING_PAIN_NOTES | PP_BRING_SURGICAL_NOTES | PP_BRING_SCANS | PP_BRING_SCAN_REPORTS},
    {"self-referral with 20 days of pain and no work-up: candidate", "TRIAGE-CANDIDATE",
     "TRIAGE-CLINICIAN-REVIEW",
     "{\"referral_source\": \"self\", \"onset\": \"2026-11-07\", \"course\": \"not_improving\", "
     "\"prior_imaging\": false, \"prior_specialist\": false}",
     false, PP_DISP_INTERVENTIONAL, NULL, PP_BRING_PAIN_NOTES},
    {"surgeon's referral, unsure about surgery, 30 days: candidate", "CANDIDACY-SURGERY-UNSURE",
     NULL,
     "{\"referral_source\": \"spine_surgeon\", \"onset\": \"2026-10-28\", \"prior_imaging\": "
     "true, \"surgery_stance\": \"unsure\"}",
     false, PP_DISP_INTERVENTIONAL, NULL, ANY_BRING},
    {"red-flag questions unanswered on day 2: not sent home, primary care asks them",
     "TRIAGE-RED-FLAGS-UNANSWERED", NULL,
     "{\"referral_source\": \"self\", \"onset\": \"2026-11-25\"}", true, PP_DISP_PRIMARY_CARE,
     "2026-11-29", 0},
    {"unknown course counts as not improving on day 5", "TRIAGE-CLINICIAN-REVIEW",
     "TRIAGE-IMPROVING", "{" PC NO_CANDIDACY "\"onset\": \"2026-11-22\"}", false,
     PP_DISP_PRIMARY_CARE, "2026-12-11", 0},
};

/* Run one vignette; returns the number of failed checks (printed). */
static int run_vignette(const struct vignette *v)
{
    struct pp_triage_input in;
    struct pp_triage_result res;
    struct pp_findings f;
    struct pp_policy p;
    struct pp_diag d;
    int bad = 0;

    pp_policy_init(&p);
    pp_findings_init(&f);
    if (pp_triage_input_from_json(v->json, strlen(v->json), "vignette", &in, &d) != PP_OK) {
        printf("FAIL %s: input: %s: %s\n", v->name, d.where, d.what);
        pp_findings_release(&f);
        return 1;
    }
    if (!v->keep_unknown)
        for (int r = 0; r < PP_RF_COUNT; r++)
            if (in.red_flags[r] == PP_ANSWER_UNKNOWN)
                in.red_flags[r] = PP_ANSWER_NO;
    if (pp_triage_evaluate(&in, D(NOW), &p, &f, &res, &d) != PP_OK) {
        printf("FAIL %s: %s: %s\n", v->name, d.where, d.what);
        pp_findings_release(&f);
        return 1;
    }
    if (res.disposition != v->disposition) {
        printf("FAIL %s [%s]: disposition %s, expected %s\n", v->name, v->rule,
               pp_triage_disposition_name(res.disposition),
               pp_triage_disposition_name(v->disposition));
        bad++;
    }
    if (!find(&f, v->rule)) {
        printf("FAIL %s: rule %s did not fire\n", v->name, v->rule);
        bad++;
    }
    if (v->absent && find(&f, v->absent)) {
        printf("FAIL %s [%s]: rule %s fired\n", v->name, v->rule, v->absent);
        bad++;
    }
    if ((v->review == NULL) != (res.review_date == PP_DAY_NONE) ||
        (v->review && res.review_date != D(v->review))) {
        char got[11];
        pp_day_format(res.review_date, got);
        printf("FAIL %s [%s]: review date '%s', expected '%s'\n", v->name, v->rule, got,
               v->review ? v->review : "");
        bad++;
    }
    if (v->bring != ANY_BRING && res.bring != v->bring) {
        printf("FAIL %s [%s]: bring %#x, expected %#x\n", v->name, v->rule, res.bring, v->bring);
        bad++;
    }
    /* Every finding is a rule of the triage or candidacy table, with a source. */
    for (size_t i = 0; i < f.n; i++)
        if (!f.items[i].source || !f.items[i].summary[0]) {
            printf("FAIL %s: finding %s has no source or summary\n", v->name, f.items[i].rule_id);
            bad++;
        }
    pp_findings_release(&f);
    return bad;
}

static void test_triage__vignettes(void **state)
{
    size_t n = sizeof(vignettes) / sizeof(vignettes[0]);
    int passed = 0, failed = 0;
    (void)state;
    assert_true(n >= 15);
    for (size_t i = 0; i < n; i++) {
        if (run_vignette(&vignettes[i]) == 0)
            passed++;
        else
            failed++;
    }
    printf("triage vignettes: %d passed, %d failed\n", passed, failed);
    assert_int_equal(failed, 0);
}

/* ---- boundaries, on inputs built in C ---- */

/* Not improving for `pain_days`, all red flags "no", worked up, wants surgery (no candidacy). */
static void base(struct pp_triage_input *in, int pain_days)
{
    pp_triage_input_init(in);
    in->onset = D(NOW) - pain_days;
    in->course = PP_COURSE_NOT_IMPROVING;
    for (int r = 0; r < PP_RF_COUNT; r++)
        in->red_flags[r] = PP_ANSWER_NO;
    in->prior_imaging = PP_ANSWER_YES;
    in->prior_specialist = PP_ANSWER_YES;
    in->stance = PP_STANCE_WANTS;
}

static enum pp_disposition triage(const struct pp_triage_input *in, const struct pp_policy *p,
                                  const char *rule, bool *fired, pp_day *review)
{
    struct pp_findings f;
    struct pp_triage_result res;
    struct pp_diag d;
    pp_findings_init(&f);
    assert_int_equal(pp_triage_evaluate(in, D(NOW), p, &f, &res, &d), PP_OK);
    *fired = find(&f, rule) != NULL;
    *review = res.review_date;
    pp_findings_release(&f);
    return res.disposition;
}

/* TRIAGE-TOO-EARLY below triage_review_days (default 4), TRIAGE-CLINICIAN-REVIEW at and above. */
static void test_triage__review_days_3_4_5(void **state)
{
    struct pp_triage_input in;
    struct pp_policy p;
    bool fired;
    pp_day review;
    (void)state;
    pp_policy_init(&p);
    assert_int_equal(p.triage_review_days, 4);

    base(&in, 3);
    assert_int_equal(triage(&in, &p, "TRIAGE-TOO-EARLY", &fired, &review), PP_DISP_SELF_CARE);
    assert_true(fired);
    assert_int_equal(review, in.onset + 4);
    base(&in, 4);
    assert_int_equal(triage(&in, &p, "TRIAGE-CLINICIAN-REVIEW", &fired, &review),
                     PP_DISP_PRIMARY_CARE);
    assert_true(fired);
    base(&in, 5);
    assert_int_equal(triage(&in, &p, "TRIAGE-TOO-EARLY", &fired, &review), PP_DISP_PRIMARY_CARE);
    assert_false(fired);

    /* The key is read, not a literal: at 7 days (the upper bound of "about 4-7"), day 6 waits. */
    p.triage_review_days = 7;
    base(&in, 6);
    assert_int_equal(triage(&in, &p, "TRIAGE-TOO-EARLY", &fired, &review), PP_DISP_SELF_CARE);
    assert_int_equal(review, in.onset + 7);
    base(&in, 7);
    assert_int_equal(triage(&in, &p, "TRIAGE-CLINICIAN-REVIEW", &fired, &review),
                     PP_DISP_PRIMARY_CARE);
}

/* TRIAGE-CONSERVATIVE-FAILED at and above triage_conservative_failed_days (default 14). */
static void test_triage__conservative_failed_13_14_15(void **state)
{
    struct pp_triage_input in;
    struct pp_policy p;
    bool fired;
    pp_day review;
    (void)state;
    pp_policy_init(&p);
    assert_int_equal(p.triage_conservative_failed_days, 14);

    base(&in, 30);
    in.care_start[PP_CARE_PHYSICAL_THERAPY] = D(NOW) - 13;
    assert_int_equal(triage(&in, &p, "TRIAGE-CONSERVATIVE-FAILED", &fired, &review),
                     PP_DISP_PRIMARY_CARE);
    assert_false(fired);
    assert_int_equal(review, D(NOW) + 1); /* the day the 14th day is reached */
    in.care_start[PP_CARE_PHYSICAL_THERAPY] = D(NOW) - 14;
    assert_int_equal(triage(&in, &p, "TRIAGE-CONSERVATIVE-FAILED", &fired, &review),
                     PP_DISP_INTERVENTIONAL);
    assert_true(fired);
    assert_int_equal(review, PP_DAY_NONE);
    in.care_start[PP_CARE_PHYSICAL_THERAPY] = D(NOW) - 15;
    assert_int_equal(triage(&in, &p, "TRIAGE-CONSERVATIVE-FAILED", &fired, &review),
                     PP_DISP_INTERVENTIONAL);
    assert_true(fired);

    /* Counted from the earliest measure: rest 15 days ago, PT only 2 days ago. */
    in.care_start[PP_CARE_PHYSICAL_THERAPY] = D(NOW) - 2;
    in.care_start[PP_CARE_REST] = D(NOW) - 15;
    assert_int_equal(triage(&in, &p, "TRIAGE-CONSERVATIVE-FAILED", &fired, &review),
                     PP_DISP_INTERVENTIONAL);

    /* Improving after the same care: no referral. */
    in.course = PP_COURSE_IMPROVING;
    assert_int_equal(triage(&in, &p, "TRIAGE-IMPROVING", &fired, &review), PP_DISP_SELF_CARE);
    assert_true(fired);

    /* A stricter clinic: 21 days (the upper bound of "about 2-3 weeks"). */
    p.triage_conservative_failed_days = 21;
    in.course = PP_COURSE_NOT_IMPROVING;
    in.care_start[PP_CARE_REST] = D(NOW) - 20;
    assert_int_equal(triage(&in, &p, "TRIAGE-CONSERVATIVE-FAILED", &fired, &review),
                     PP_DISP_PRIMARY_CARE);
    in.care_start[PP_CARE_REST] = D(NOW) - 21;
    assert_int_equal(triage(&in, &p, "TRIAGE-CONSERVATIVE-FAILED", &fired, &review),
                     PP_DISP_INTERVENTIONAL);
}

/* Every red flag maps to a category finding of at least URGENT severity and is critical. */
static void test_triage__every_red_flag_is_not_a_queue(void **state)
{
    struct pp_triage_input in;
    struct pp_policy p;
    (void)state;
    pp_policy_init(&p);
    for (int r = 0; r < PP_RF_COUNT; r++) {
        struct pp_findings f;
        struct pp_triage_result res;
        struct pp_diag d;
        base(&in, 1);
        in.red_flags[r] = PP_ANSWER_YES;
        pp_findings_init(&f);
        assert_int_equal(pp_triage_evaluate(&in, D(NOW), &p, &f, &res, &d), PP_OK);
        assert_true(res.disposition >= PP_DISP_URGENT);
        assert_int_equal(f.n, 1);
        assert_int_equal(f.items[0].severity, PP_SEV_CRITICAL);
        assert_int_equal(strncmp(f.items[0].rule_id, "TRIAGE-RED-FLAG-", 16), 0);
        assert_int_equal(res.review_date, PP_DAY_NONE);
        pp_findings_release(&f);
    }
}

/* ---- the JSON input: bad input names the field ---- */

static void expect_error(const char *json, const char *where, const char *what)
{
    struct pp_triage_input in;
    struct pp_diag d;
    pp_diag_clear(&d);
    assert_int_equal(pp_triage_input_from_json(json, strlen(json), "in.json", &in, &d),
                     PP_ERR_INPUT);
    if (!strstr(d.where, where) || !strstr(d.what, what))
        fail_msg("got '%s: %s', expected '%s' ... '%s'", d.where, d.what, where, what);
}

static void test_triage__json_errors_name_the_field(void **state)
{
    (void)state;
    expect_error("{\"referral_source\": \"self\", \"onset\": \"2026-11-01\", \"red_flags\": "
                 "{\"saddle_anesthesia\": \"no\"}}",
                 "in.json: red_flags.saddle_anesthesia", "expected true, false or null");
    expect_error("{\"referral_source\": \"self\", \"onset\": \"2026-11-01\", \"red_flags\": "
                 "{\"sadle_anesthesia\": true}}",
                 "red_flags.sadle_anesthesia", "unknown red flag");
    expect_error("{\"referral_source\": \"gp\", \"onset\": \"2026-11-01\"}", "referral_source",
                 "primary_care");
    expect_error("{\"referral_source\": \"self\"}", "onset", "required");
    expect_error("{\"onset\": \"2026-11-01\"}", "referral_source", "required");
    expect_error("{\"referral_source\": \"self\", \"onset\": \"1 Nov\"}", "onset",
                 "expected a date");
    expect_error("{\"referral_source\": \"self\", \"onset\": \"2026-11-01\", \"nrs\": 11}", "nrs",
                 "0 to 10");
    expect_error("{\"referral_source\": \"self\", \"onset\": \"2026-11-01\", \"nrs\": 6.5}", "nrs",
                 "whole number");
    expect_error("{\"referral_source\": \"self\", \"onset\": \"2026-11-01\", "
                 "\"conservative_care\": {\"yoga\": \"2026-11-02\"}}",
                 "conservative_care.yoga", "unknown conservative care");
    expect_error("{\"referral_source\": \"self\", \"onset\": \"2026-11-01\", \"course\": \"ok\"}",
                 "course", "not_improving");
    expect_error("{\"referral_source\": \"self\", \"onset\": \"2026-11-01\", \"painn\": 3}",
                 "painn", "unknown field");
    expect_error("[1]", "(top level)", "object");
    expect_error("{\"referral_source\": ", "in.json:1:", "");
}

static void test_triage__dates_checked_against_now(void **state)
{
    struct pp_triage_input in;
    struct pp_diag d;
    (void)state;
    base(&in, 10);
    assert_int_equal(pp_triage_check(&in, D(NOW), &d), PP_OK);
    in.onset = D(NOW) + 1;
    assert_int_equal(pp_triage_check(&in, D(NOW), &d), PP_ERR_INPUT);
    assert_string_equal(d.where, "onset");
    base(&in, 10);
    in.care_start[PP_CARE_OTC_DRUGS] = in.onset - 1;
    assert_int_equal(pp_triage_check(&in, D(NOW), &d), PP_ERR_INPUT);
    assert_string_equal(d.where, "conservative_care.otc_drugs");
    in.care_start[PP_CARE_OTC_DRUGS] = D(NOW) + 1;
    assert_int_equal(pp_triage_check(&in, D(NOW), &d), PP_ERR_INPUT);
    base(&in, 10);
    in.prior_surgery = true;
    assert_int_equal(pp_triage_check(&in, D(NOW), &d), PP_ERR_INPUT);
    assert_string_equal(d.where, "prior_spine_surgery");
    in.surgery_date = D(NOW) + 1;
    assert_int_equal(pp_triage_check(&in, D(NOW), &d), PP_ERR_INPUT);
    in.surgery_date = D(NOW);
    assert_int_equal(pp_triage_check(&in, D(NOW), &d), PP_OK);
}

/* ---- FHIR: ServiceRequest + QuestionnaireResponse (fhir/referral.c) ---- */

static const char FHIR_BUNDLE[] =
    "{\"resourceType\": \"Bundle\", \"type\": \"collection\", \"entry\": ["
    " {\"resource\": {\"resourceType\": \"QuestionnaireResponse\", \"id\": \"other\","
    "   \"status\": \"completed\", \"item\": [{\"linkId\": \"onset\", \"answer\": "
    "   [{\"valueDate\": \"2020-01-01\"}]}]}},"
    " {\"resource\": {\"resourceType\": \"ServiceRequest\", \"id\": \"ref1\", \"status\": "
    "   \"active\", \"intent\": \"order\", \"requester\": {\"reference\": \"Patient/p1\"},"
    "   \"supportingInfo\": [{\"reference\": \"QuestionnaireResponse/qr1\"}]}},"
    " {\"resource\": {\"resourceType\": \"QuestionnaireResponse\", \"id\": \"qr1\","
    "   \"status\": \"completed\", \"item\": ["
    "   {\"linkId\": \"onset\", \"answer\": [{\"valueDate\": \"2026-11-01\"}]},"
    "   {\"linkId\": \"course\", \"answer\": [{\"valueCoding\": {\"code\": \"worsening\"}}]},"
    "   {\"linkId\": \"nrs\", \"answer\": [{\"valueInteger\": 8}]},"
    "   {\"linkId\": \"conservative_care\", \"item\": [{\"linkId\": \"physical_therapy\","
    "     \"answer\": [{\"valueDate\": \"2026-11-05\"}]}]},"
    "   {\"linkId\": \"red_flags\", \"item\": [{\"linkId\": \"saddle_anesthesia\","
    "     \"answer\": [{\"valueBoolean\": %s}]}]},"
    "   {\"linkId\": \"red_flags.fever\", \"answer\": [{\"valueBoolean\": false}]},"
    "   {\"linkId\": \"surgery_stance\", \"answer\": [{\"valueString\": \"does_not_want\"}]}"
    " ]}}]}";

static void test_triage__fhir_referral(void **state)
{
    char text[sizeof(FHIR_BUNDLE) + 16];
    struct pp_triage_input in;
    struct pp_diag d;
    (void)state;

    snprintf(text, sizeof(text), FHIR_BUNDLE, "false");
    assert_int_equal(pp_fhir_referral_read(text, strlen(text), "b.json", &in, &d), PP_OK);
    assert_int_equal(in.source, PP_REF_SELF);    /* requester is the patient */
    assert_int_equal(in.onset, D("2026-11-01")); /* qr1, named by supportingInfo */
    assert_int_equal(in.course, PP_COURSE_WORSENING);
    assert_int_equal(in.nrs, 8);
    assert_int_equal(in.care_start[PP_CARE_PHYSICAL_THERAPY], D("2026-11-05"));
    assert_int_equal(in.care_start[PP_CARE_REST], PP_DAY_NONE);
    assert_int_equal(in.red_flags[PP_RF_SADDLE_ANESTHESIA], PP_ANSWER_NO);
    assert_int_equal(in.red_flags[PP_RF_FEVER], PP_ANSWER_NO);
    assert_int_equal(in.red_flags[PP_RF_CANCER_HISTORY], PP_ANSWER_UNKNOWN);
    assert_int_equal(in.stance, PP_STANCE_DOES_NOT_WANT);

    snprintf(text, sizeof(text), FHIR_BUNDLE, "\"no\"");
    assert_int_equal(pp_fhir_referral_read(text, strlen(text), "b.json", &in, &d), PP_ERR_INPUT);
    assert_string_equal(d.where, "b.json: red_flags.saddle_anesthesia");

    /* A lone ServiceRequest has no answers to triage. */
    const char *sr = "{\"resourceType\": \"ServiceRequest\", \"status\": \"active\"}";
    assert_int_equal(pp_fhir_referral_read(sr, strlen(sr), "s.json", &in, &d), PP_ERR_INPUT);
    assert_non_null(strstr(d.where, "QuestionnaireResponse"));
    /* The documented JSON passes through. */
    const char *plain = "{\"referral_source\": \"neurologist\", \"onset\": \"2026-11-01\"}";
    assert_int_equal(pp_fhir_referral_read(plain, strlen(plain), "p.json", &in, &d), PP_OK);
    assert_int_equal(in.source, PP_REF_NEUROLOGIST);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_triage__vignettes),
        cmocka_unit_test(test_triage__review_days_3_4_5),
        cmocka_unit_test(test_triage__conservative_failed_13_14_15),
        cmocka_unit_test(test_triage__every_red_flag_is_not_a_queue),
        cmocka_unit_test(test_triage__json_errors_name_the_field),
        cmocka_unit_test(test_triage__dates_checked_against_now),
        cmocka_unit_test(test_triage__fhir_referral),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
