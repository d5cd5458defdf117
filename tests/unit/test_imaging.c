/*
 * test_imaging.c — imaging appropriateness (clinical/imaging.c): a table of
 * low back and neck vignettes from the documented JSON, each citing the rule
 * it exercises; the img_conservative_weeks boundary (5/6/7 weeks and 41/42
 * days); the JSON input's error messages; the rule table.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "clinical/finding.h"
#include "clinical/imaging.h"
#include "clinical/policy.h"

#define NOW "2026-11-27"

static pp_day D(const char *s)
{
    pp_day d;
    struct pp_diag diag;
    assert_int_equal(pp_day_parse(s, strlen(s), &d, &diag), PP_OK);
    return d;
}

static bool fired(const struct pp_findings *f, const char *rule)
{
    return rule && pp_findings_count_rule(f, rule) > 0;
}

static void eval(const char *json, const struct pp_policy *p, struct pp_findings *f,
                 struct pp_imaging_result *res)
{
    struct pp_imaging_input in;
    struct pp_diag d;
    pp_diag_clear(&d);
    if (pp_imaging_input_from_json(json, strlen(json), "t.json", &in, &d) != PP_OK)
        fail_msg("parse: %s: %s", d.where, d.what);
    if (pp_imaging_evaluate(&in, D(NOW), p, f, res, &d) != PP_OK)
        fail_msg("evaluate: %s: %s", d.where, d.what);
}

/* Every red flag answered "no". */
#define NO_FLAGS                                                                                   \
    "\"red_flags\": {\"urinary_retention\": false, \"fecal_incontinence\": false, "                \
    "\"saddle_anesthesia\": false, \"bilateral_sciatica\": false, \"bilateral_leg_deficit\": "     \
    "false, \"cancer_history\": false, \"unexplained_weight_loss\": false, \"fever\": false, "     \
    "\"iv_drug_use\": false, \"immunosuppression\": false, \"major_trauma\": false, "              \
    "\"minor_trauma_osteoporosis_or_steroids\": false, \"major_motor_weakness\": false, "          \
    "\"progressive_deficit\": false}"
#define NO_NECK                                                                                    \
    "\"neck_flags\": {\"myelopathy\": false, \"cervical_artery_dissection\": false, "              \
    "\"high_risk_trauma\": false}"
#define LUMBAR(mod) "\"region\": \"lumbar\", \"modality\": \"" mod "\", "
#define CERVICAL(mod) "\"region\": \"cervical\", \"modality\": \"" mod "\", "
#define ONSET_OLD "\"onset\": \"2026-08-01\", "
#define CARE_7W "\"conservative_care_start\": \"2026-10-09\", "
#define CAND "\"candidate_for_surgery_or_intervention\": true, "

struct vignette {
    const char *name;
    const char *rule;   /* must fire */
    const char *absent; /* must not fire, or NULL */
    const char *json;
    enum pp_img_verdict verdict;
    int variant;
    enum pp_img_rating rating;
    enum pp_img_urgency urgency;
};

static const struct vignette vignettes[] = {
    {"acute LBP day 10, no red flags, X-ray ordered: ACR V1, usually not appropriate",
     "IMG-V1-ACUTE", "IMG-RED-FLAGS-UNANSWERED",
     "{" LUMBAR("xray") "\"onset\": \"2026-11-17\", " NO_FLAGS "}", PP_VERDICT_NOT_APPROPRIATE, 1,
     PP_RATING_USUALLY_NOT_APPROPRIATE, PP_URGENCY_ROUTINE},
    {"4-month LBP, never treated, MRI ordered: ACR V2, usually not appropriate",
     "IMG-V2-NO-MANAGEMENT", "IMG-V3-CANDIDATE",
     "{" LUMBAR("mri_without_contrast") ONSET_OLD CAND NO_FLAGS "}", PP_VERDICT_NOT_APPROPRIATE, 2,
     PP_RATING_USUALLY_NOT_APPROPRIATE, PP_URGENCY_ROUTINE},
    {"ESI candidate after 7 weeks of PT, MRI without contrast: ACR V3, usually appropriate",
     "IMG-V3-CANDIDATE", "IMG-MODALITY-MISMATCH",
     "{" LUMBAR("mri_without_contrast") ONSET_OLD CARE_7W CAND NO_FLAGS "}", PP_VERDICT_APPROPRIATE,
     3, PP_RATING_USUALLY_APPROPRIATE, PP_URGENCY_ROUTINE},
    {"ESI candidate after 7 weeks, CT ordered: V3 but CT not rated; another study indicated",
     "IMG-MODALITY-MISMATCH", NULL, "{" LUMBAR("ct") ONSET_OLD CARE_7W CAND NO_FLAGS "}",
     PP_VERDICT_REVIEW, 3, PP_RATING_NOT_RATED, PP_URGENCY_ROUTINE},
    {"7 weeks of care but not a surgery or injection candidate (ACP)", "IMG-NOT-CANDIDATE",
     "IMG-V3-CANDIDATE",
     "{" LUMBAR("mri_without_contrast") ONSET_OLD CARE_7W
     "\"candidate_for_surgery_or_intervention\": false, " NO_FLAGS "}",
     PP_VERDICT_NOT_APPROPRIATE, 0, PP_RATING_NOT_RATED, PP_URGENCY_ROUTINE},
    {"candidate, 7 weeks, but improving", "IMG-IMPROVING", "IMG-V3-CANDIDATE",
     "{" LUMBAR("mri_without_contrast") ONSET_OLD CARE_7W CAND "\"improving\": true, " NO_FLAGS "}",
     PP_VERDICT_NOT_APPROPRIATE, 0, PP_RATING_NOT_RATED, PP_URGENCY_ROUTINE},
    {"saddle anesthesia: ACR V4, emergency MRI, usually appropriate", "IMG-V4-CAUDA-EQUINA",
     "IMG-V1-ACUTE",
     "{" LUMBAR("mri_without_contrast") "\"onset\": \"2026-11-25\", \"red_flags\": "
                                        "{\"saddle_anesthesia\": true}}",
     PP_VERDICT_URGENT, 4, PP_RATING_USUALLY_APPROPRIATE, PP_URGENCY_EMERGENCY},
    {"urinary retention with an X-ray ordered: emergency, and the wrong study",
     "IMG-MODALITY-MISMATCH", NULL,
     "{" LUMBAR("xray") "\"onset\": \"2026-11-20\", \"red_flags\": {\"urinary_retention\": true}}",
     PP_VERDICT_URGENT, 4, PP_RATING_NOT_RATED, PP_URGENCY_EMERGENCY},
    {"fever in an IV drug user, MRI with and without contrast: ACR V7 infection",
     "IMG-V7-INFECTION", "IMG-MODALITY-MISMATCH",
     "{" LUMBAR("mri_with_and_without_contrast") "\"onset\": \"2026-11-20\", \"red_flags\": "
                                                 "{\"fever\": true, \"iv_drug_use\": true}}",
     PP_VERDICT_URGENT, 7, PP_RATING_NOT_RATED, PP_URGENCY_URGENT},
    {"history of cancer, MRI without contrast: ACR V7 cancer, urgent", "IMG-V7-CANCER",
     "IMG-TOO-EARLY",
     "{" LUMBAR("mri_without_contrast") "\"onset\": \"2026-11-10\", \"red_flags\": "
                                        "{\"cancer_history\": true}}",
     PP_VERDICT_URGENT, 7, PP_RATING_NOT_RATED, PP_URGENCY_URGENT},
    {"minor fall with osteoporosis, radiographs: ACR V6 fracture", "IMG-V6-FRACTURE",
     "IMG-MODALITY-MISMATCH",
     "{" LUMBAR("xray") "\"onset\": \"2026-11-24\", \"red_flags\": "
                        "{\"minor_trauma_osteoporosis_or_steroids\": true}}",
     PP_VERDICT_URGENT, 6, PP_RATING_NOT_RATED, PP_URGENCY_URGENT},
    {"foot drop: MRI promptly, no ACR variant", "IMG-NEURO-DEFICIT", "IMG-V4-CAUDA-EQUINA",
     "{" LUMBAR("mri_without_contrast") "\"onset\": \"2026-11-20\", \"red_flags\": "
                                        "{\"major_motor_weakness\": true}}",
     PP_VERDICT_URGENT, 0, PP_RATING_NOT_RATED, PP_URGENCY_URGENT},
    {"prior laminectomy with new leg pain: ACR V5, not rated, review", "IMG-V5-PRIOR-SURGERY",
     "IMG-V2-NO-MANAGEMENT",
     "{" LUMBAR("mri_with_and_without_contrast") ONSET_OLD
     "\"prior_surgery_new_symptoms\": true, " NO_FLAGS "}",
     PP_VERDICT_REVIEW, 5, PP_RATING_NOT_RATED, PP_URGENCY_ROUTINE},
    {"neck pain with myelopathy signs: urgent MRI, neck row (L)", "IMG-NECK-RED-FLAG",
     "IMG-NECK-BY-ANALOGY",
     "{" CERVICAL("mri_without_contrast") "\"onset\": \"2026-11-01\", \"neck_flags\": "
                                          "{\"myelopathy\": true}}",
     PP_VERDICT_URGENT, 0, PP_RATING_NOT_RATED, PP_URGENCY_URGENT},
    {"neck pain, candidate after 7 weeks: MRI by analogy, never rated", "IMG-NECK-BY-ANALOGY",
     "IMG-MODALITY-MISMATCH",
     "{" CERVICAL("mri_without_contrast") ONSET_OLD CARE_7W CAND NO_FLAGS "," NO_NECK "}",
     PP_VERDICT_APPROPRIATE, 0, PP_RATING_NOT_RATED, PP_URGENCY_ROUTINE},
    {"neck pain day 5, X-ray, neck flags unanswered: not appropriate, ask the questions",
     "IMG-RED-FLAGS-UNANSWERED", "IMG-NECK-RED-FLAG",
     "{" CERVICAL("xray") "\"onset\": \"2026-11-22\", " NO_FLAGS "}", PP_VERDICT_NOT_APPROPRIATE, 0,
     PP_RATING_NOT_RATED, PP_URGENCY_ROUTINE},
    {"red flags unanswered on an acute LBP order", "IMG-RED-FLAGS-UNANSWERED", NULL,
     "{" LUMBAR("xray") "\"onset\": \"2026-11-20\"}", PP_VERDICT_NOT_APPROPRIATE, 1,
     PP_RATING_USUALLY_NOT_APPROPRIATE, PP_URGENCY_ROUTINE},
};

static void test_imaging__vignettes(void **state)
{
    int passed = 0, failed = 0;
    (void)state;
    for (size_t i = 0; i < sizeof(vignettes) / sizeof(vignettes[0]); i++) {
        const struct vignette *v = &vignettes[i];
        struct pp_imaging_result res;
        struct pp_findings f;
        struct pp_policy p;
        bool ok;
        pp_policy_init(&p);
        pp_findings_init(&f);
        eval(v->json, &p, &f, &res);
        ok = fired(&f, v->rule) && !fired(&f, v->absent) && res.verdict == v->verdict &&
             res.acr_variant == v->variant && res.rating == v->rating && res.urgency == v->urgency;
        if (!ok)
            printf("FAIL [%s] %s: verdict %s variant %d rating %s urgency %s\n", v->rule, v->name,
                   pp_imaging_verdict_name(res.verdict), res.acr_variant,
                   pp_imaging_rating_name(res.rating), pp_imaging_urgency_name(res.urgency));
        ok ? passed++ : failed++;
        pp_findings_release(&f);
    }
    printf("imaging vignettes: %d passed, %d failed\n", passed, failed);
    assert_int_equal(failed, 0);
    assert_true(passed >= 12);
}

/* IMG-TOO-EARLY / IMG-V3-CANDIDATE at img_conservative_weeks = 6: 5, 6, 7 weeks; 41 and 42
 * days (whole weeks are counted, so day 41 is still week 5). */
static void test_imaging__conservative_weeks_5_6_7(void **state)
{
    static const struct {
        const char *start; /* NOW minus ... */
        int weeks;
        bool v3;
        const char *review;
    } cases[] = {
        {"2026-10-23", 5, false, "2026-12-04"}, /* 35 days */
        {"2026-10-17", 5, false, "2026-11-28"}, /* 41 days: tomorrow */
        {"2026-10-16", 6, true, NULL},          /* 42 days */
        {"2026-10-09", 7, true, NULL},          /* 49 days */
    };
    char json[2048];
    struct pp_policy p;
    (void)state;
    pp_policy_init(&p);
    assert_int_equal(p.img_conservative_weeks, 6);
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct pp_imaging_result res;
        struct pp_findings f;
        char day[11];
        pp_findings_init(&f);
        snprintf(json, sizeof(json),
                 "{" LUMBAR("mri_without_contrast") ONSET_OLD
                 "\"conservative_care_start\": \"%s\", " CAND NO_FLAGS "}",
                 cases[i].start);
        eval(json, &p, &f, &res);
        assert_int_equal(res.conservative_weeks, cases[i].weeks);
        assert_int_equal(fired(&f, "IMG-V3-CANDIDATE"), cases[i].v3);
        assert_int_equal(fired(&f, "IMG-TOO-EARLY"), !cases[i].v3);
        assert_int_equal(res.verdict,
                         cases[i].v3 ? PP_VERDICT_APPROPRIATE : PP_VERDICT_NOT_APPROPRIATE);
        assert_int_equal(res.acr_variant, cases[i].v3 ? 3 : 0);
        if (cases[i].review) {
            pp_day_format(res.review_date, day);
            assert_string_equal(day, cases[i].review);
        } else {
            assert_int_equal(res.review_date, PP_DAY_NONE);
        }
        pp_findings_release(&f);
    }
    /* the key moves the boundary: at 7 weeks required, 6 weeks is too early */
    {
        struct pp_imaging_result res;
        struct pp_findings f;
        p.img_conservative_weeks = 7;
        pp_findings_init(&f);
        eval("{" LUMBAR("mri_without_contrast") ONSET_OLD
             "\"conservative_care_start\": \"2026-10-16\", " CAND NO_FLAGS "}",
             &p, &f, &res);
        assert_true(fired(&f, "IMG-TOO-EARLY"));
        pp_findings_release(&f);
    }
}

/* img_acute_max_weeks = 6 separates ACR V1 from V2 (pain 5, 6, 7 weeks, no management). */
static void test_imaging__acute_weeks_5_6_7(void **state)
{
    static const struct {
        const char *onset;
        int variant;
    } cases[] = {{"2026-10-23", 1}, {"2026-10-16", 2}, {"2026-10-09", 2}, {"2026-10-17", 1}};
    char json[2048];
    struct pp_policy p;
    (void)state;
    pp_policy_init(&p);
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct pp_imaging_result res;
        struct pp_findings f;
        pp_findings_init(&f);
        snprintf(json, sizeof(json), "{" LUMBAR("xray") "\"onset\": \"%s\", " NO_FLAGS "}",
                 cases[i].onset);
        eval(json, &p, &f, &res);
        assert_int_equal(res.acr_variant, cases[i].variant);
        assert_true(fired(&f, cases[i].variant == 1 ? "IMG-V1-ACUTE" : "IMG-V2-NO-MANAGEMENT"));
        pp_findings_release(&f);
    }
}

/* Red flags outrank everything: cauda equina with a fracture sets V4 and emergency. */
static void test_imaging__red_flag_precedence(void **state)
{
    struct pp_imaging_result res;
    struct pp_findings f;
    struct pp_policy p;
    (void)state;
    pp_policy_init(&p);
    pp_findings_init(&f);
    eval("{" LUMBAR("ct") ONSET_OLD CARE_7W CAND "\"red_flags\": {\"major_trauma\": true, "
                                                 "\"bilateral_sciatica\": true}}",
         &p, &f, &res);
    assert_int_equal(res.acr_variant, 4);
    assert_int_equal(res.urgency, PP_URGENCY_EMERGENCY);
    assert_true(fired(&f, "IMG-V6-FRACTURE"));
    assert_true(fired(&f, "IMG-MODALITY-MISMATCH")); /* CT, but cauda equina needs MRI */
    assert_false(fired(&f, "IMG-V3-CANDIDATE"));
    pp_findings_release(&f);
}

static void test_imaging__json_errors_name_the_field(void **state)
{
    static const struct {
        const char *json;
        const char *where;
    } cases[] = {
        {"{\"modality\": \"xray\", \"onset\": \"2026-11-01\"}", "t: region"},
        {"{\"region\": \"thoracic\", \"modality\": \"xray\", \"onset\": \"2026-11-01\"}",
         "t: region"},
        {"{\"region\": \"lumbar\", \"modality\": \"pet\", \"onset\": \"2026-11-01\"}",
         "t: modality"},
        {"{\"region\": \"lumbar\", \"modality\": \"xray\"}", "t: onset"},
        {"{\"region\": \"lumbar\", \"modality\": \"xray\", \"onset\": \"2026-11-01\", "
         "\"red_flags\": {\"fever\": \"yes\"}}",
         "t: red_flags.fever"},
        {"{\"region\": \"lumbar\", \"modality\": \"xray\", \"onset\": \"2026-11-01\", "
         "\"red_flags\": {\"headache\": true}}",
         "t: red_flags.headache"},
        {"{\"region\": \"lumbar\", \"modality\": \"xray\", \"onset\": \"2026-11-01\", "
         "\"weeks\": 3}",
         "t: weeks"},
    };
    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct pp_imaging_input in;
        struct pp_diag d;
        pp_diag_clear(&d);
        assert_int_equal(
            pp_imaging_input_from_json(cases[i].json, strlen(cases[i].json), "t", &in, &d),
            PP_ERR_INPUT);
        assert_string_equal(d.where, cases[i].where);
    }
}

static void test_imaging__dates_checked_against_now(void **state)
{
    static const struct {
        const char *json;
        const char *where;
    } cases[] = {
        {"{\"region\": \"lumbar\", \"modality\": \"xray\", \"onset\": \"2026-11-28\"}", "onset"},
        {"{\"region\": \"lumbar\", \"modality\": \"xray\", \"onset\": \"2026-11-01\", "
         "\"conservative_care_start\": \"2026-10-01\"}",
         "conservative_care_start"},
        {"{\"region\": \"lumbar\", \"modality\": \"xray\", \"onset\": \"2026-11-01\", "
         "\"neck_flags\": {\"myelopathy\": true}}",
         "neck_flags.myelopathy"},
    };
    struct pp_policy p;
    (void)state;
    pp_policy_init(&p);
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct pp_imaging_input in;
        struct pp_imaging_result res;
        struct pp_findings f;
        struct pp_diag d;
        pp_findings_init(&f);
        assert_int_equal(
            pp_imaging_input_from_json(cases[i].json, strlen(cases[i].json), "t", &in, &d), PP_OK);
        assert_int_equal(pp_imaging_evaluate(&in, D(NOW), &p, &f, &res, &d), PP_ERR_INPUT);
        assert_string_equal(d.where, cases[i].where);
        assert_int_equal(f.n, 0);
        pp_findings_release(&f);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_imaging__vignettes),
        cmocka_unit_test(test_imaging__conservative_weeks_5_6_7),
        cmocka_unit_test(test_imaging__acute_weeks_5_6_7),
        cmocka_unit_test(test_imaging__red_flag_precedence),
        cmocka_unit_test(test_imaging__json_errors_name_the_field),
        cmocka_unit_test(test_imaging__dates_checked_against_now),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
