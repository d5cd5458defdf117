/*
 * test_candidacy.c — interventional candidacy (clinical/candidacy.c): a table
 * of vignettes, each citing its CANDIDACY-* rule; boundaries of
 * candidacy_persistent_days (13/14/15), triage_conservative_failed_days for a
 * non-surgical candidate (13/14/15) and candidacy_recovery_months (day before, on, after).
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

static pp_day now(void)
{
    return pp_day_from_ymd(2026, 11, 27);
}

#define BIT(c) (1u << (c))

/* One vignette, described by the few answers that differ from a worked-up, not-improving
 * primary-care patient who wants surgery. */
struct vignette {
    const char *name;
    const char *rule; /* the rule the vignette exercises; NULL: no finding expected */
    enum pp_referral_source source;
    enum pp_pain_course course;
    int pain_days;
    int care_days; /* -1: none tried */
    enum pp_answer imaging, specialist;
    enum pp_surgery_stance stance;
    int surgery_days_ago; /* -1: no prior surgery */
    unsigned categories;
};

#define Y PP_ANSWER_YES
#define N PP_ANSWER_NO
#define U PP_ANSWER_UNKNOWN

static const struct vignette vignettes[] = {
    {"self-referral, 3 weeks, never imaged or seen: no prior work-up", "CANDIDACY-NO-WORKUP",
     PP_REF_SELF, PP_COURSE_NOT_IMPROVING, 21, -1, N, N, PP_STANCE_UNKNOWN, -1,
     BIT(PP_CAND_NO_WORKUP)},
    {"unknown work-up answers count as none", "CANDIDACY-NO-WORKUP", PP_REF_PRIMARY_CARE,
     PP_COURSE_WORSENING, 30, -1, U, U, PP_STANCE_WANTS, -1, BIT(PP_CAND_NO_WORKUP)},
    {"imaged already: not 'no prior work-up'", NULL, PP_REF_PRIMARY_CARE, PP_COURSE_NOT_IMPROVING,
     30, -1, Y, N, PP_STANCE_WANTS, -1, 0},
    {"a rheumatologist's referral is a specialist work-up", NULL, PP_REF_RHEUMATOLOGIST,
     PP_COURSE_NOT_IMPROVING, 30, -1, N, N, PP_STANCE_WANTS, -1, 0},
    {"unsure whether surgery is an option", "CANDIDACY-SURGERY-UNSURE", PP_REF_SPINE_SURGEON,
     PP_COURSE_NOT_IMPROVING, 40, -1, Y, Y, PP_STANCE_UNSURE, -1, BIT(PP_CAND_SURGERY_UNSURE)},
    {"unknown course is read as not improving", "CANDIDACY-SURGERY-UNSURE", PP_REF_SPINE_SURGEON,
     PP_COURSE_UNKNOWN, 40, -1, Y, Y, PP_STANCE_UNSURE, -1, BIT(PP_CAND_SURGERY_UNSURE)},
    {"does not want surgery", "CANDIDACY-NO-SURGERY", PP_REF_NEUROLOGIST, PP_COURSE_NOT_IMPROVING,
     60, 50, Y, Y, PP_STANCE_DOES_NOT_WANT, -1, BIT(PP_CAND_NO_SURGERY)},
    {"not a surgical candidate after 3 weeks of failed PT", "CANDIDACY-FAILED-NONSURGICAL",
     PP_REF_SPINE_SURGEON, PP_COURSE_NOT_IMPROVING, 40, 21, Y, Y, PP_STANCE_NOT_CANDIDATE, -1,
     BIT(PP_CAND_FAILED_NONSURGICAL)},
    {"not a surgical candidate but only a week of care: not yet", NULL, PP_REF_SPINE_SURGEON,
     PP_COURSE_NOT_IMPROVING, 40, 7, Y, Y, PP_STANCE_NOT_CANDIDATE, -1, 0},
    {"residual pain a year after spine surgery", "CANDIDACY-POST-SURGERY-RESIDUAL",
     PP_REF_SPINE_SURGEON, PP_COURSE_NOT_IMPROVING, 365, -1, Y, Y, PP_STANCE_WANTS, 365,
     BIT(PP_CAND_POST_SURGERY_RESIDUAL)},
    {"one month after spine surgery: still recovering", "CANDIDACY-POST-SURGERY-RECOVERING",
     PP_REF_SPINE_SURGEON, PP_COURSE_NOT_IMPROVING, 30, -1, Y, Y, PP_STANCE_WANTS, 30, 0},
    {"improving pain makes no candidate, whatever the stance", NULL, PP_REF_SELF,
     PP_COURSE_IMPROVING, 90, 60, N, N, PP_STANCE_UNSURE, 365, 0},
    {"wants surgery and worked up: not a candidate category", NULL, PP_REF_SPINE_SURGEON,
     PP_COURSE_NOT_IMPROVING, 60, -1, Y, Y, PP_STANCE_WANTS, -1, 0},
    {"two categories at once: no work-up and does not want surgery", "CANDIDACY-NO-SURGERY",
     PP_REF_SELF, PP_COURSE_NOT_IMPROVING, 20, -1, N, N, PP_STANCE_DOES_NOT_WANT, -1,
     BIT(PP_CAND_NO_WORKUP) | BIT(PP_CAND_NO_SURGERY)},
};

static void build(const struct vignette *v, struct pp_triage_input *in)
{
    pp_triage_input_init(in);
    in->source = v->source;
    in->course = v->course;
    in->onset = now() - v->pain_days;
    if (v->care_days >= 0)
        in->care_start[PP_CARE_PHYSICAL_THERAPY] = now() - v->care_days;
    in->prior_imaging = v->imaging;
    in->prior_specialist = v->specialist;
    in->stance = v->stance;
    if (v->surgery_days_ago >= 0) {
        in->prior_surgery = true;
        in->surgery_date = now() - v->surgery_days_ago;
    }
    for (int r = 0; r < PP_RF_COUNT; r++)
        in->red_flags[r] = PP_ANSWER_NO;
}

static int run_vignette(const struct vignette *v, const struct pp_policy *p)
{
    struct pp_triage_input in;
    struct pp_candidacy_result res;
    struct pp_findings f;
    struct pp_diag d;
    int bad = 0;

    build(v, &in);
    if (pp_triage_check(&in, now(), &d) != PP_OK) {
        printf("FAIL %s: bad vignette: %s: %s\n", v->name, d.where, d.what);
        return 1;
    }
    pp_findings_init(&f);
    pp_candidacy_evaluate(&in, now(), p, &f, &res);
    if (res.categories != v->categories) {
        printf("FAIL %s [%s]: categories %#x, expected %#x\n", v->name, v->rule ? v->rule : "-",
               res.categories, v->categories);
        bad++;
    }
    if (v->rule && pp_findings_count_rule(&f, v->rule) != 1) {
        printf("FAIL %s: %s did not fire once\n", v->name, v->rule);
        bad++;
    }
    if (!v->rule && f.n != 0) {
        printf("FAIL %s: unexpected finding %s\n", v->name, f.items[0].rule_id);
        bad++;
    }
    pp_findings_release(&f);
    return bad;
}

static void test_candidacy__vignettes(void **state)
{
    size_t n = sizeof(vignettes) / sizeof(vignettes[0]);
    int passed = 0, failed = 0;
    struct pp_policy p;
    (void)state;
    pp_policy_init(&p);
    assert_true(n >= 8);
    for (size_t i = 0; i < n; i++) {
        if (run_vignette(&vignettes[i], &p) == 0)
            passed++;
        else
            failed++;
    }
    printf("candidacy vignettes: %d passed, %d failed\n", passed, failed);
    assert_int_equal(failed, 0);
}

static unsigned categories(const struct pp_triage_input *in, const struct pp_policy *p,
                           pp_day *recovery_ends)
{
    struct pp_candidacy_result res;
    struct pp_findings f;
    pp_findings_init(&f);
    pp_candidacy_evaluate(in, now(), p, &f, &res);
    pp_findings_release(&f);
    if (recovery_ends)
        *recovery_ends = res.recovery_ends;
    return res.categories;
}

/* CANDIDACY-NO-WORKUP / -SURGERY-UNSURE from candidacy_persistent_days (default 14). */
static void test_candidacy__persistent_days_13_14_15(void **state)
{
    struct vignette v = {
        "", NULL, PP_REF_SELF, PP_COURSE_NOT_IMPROVING, 13, -1, N, N, PP_STANCE_UNSURE, -1, 0};
    struct pp_triage_input in;
    struct pp_policy p;
    const unsigned both = BIT(PP_CAND_NO_WORKUP) | BIT(PP_CAND_SURGERY_UNSURE);
    (void)state;
    pp_policy_init(&p);
    assert_int_equal(p.candidacy_persistent_days, 14);
    build(&v, &in);
    assert_int_equal(categories(&in, &p, NULL), 0);
    v.pain_days = 14;
    build(&v, &in);
    assert_int_equal(categories(&in, &p, NULL), both);
    v.pain_days = 15;
    build(&v, &in);
    assert_int_equal(categories(&in, &p, NULL), both);
    p.candidacy_persistent_days = 21;
    assert_int_equal(categories(&in, &p, NULL), 0);
}

/* CANDIDACY-FAILED-NONSURGICAL from triage_conservative_failed_days (default 14). */
static void test_candidacy__nonsurgical_care_days_13_14_15(void **state)
{
    struct vignette v = {"",
                         NULL,
                         PP_REF_SPINE_SURGEON,
                         PP_COURSE_NOT_IMPROVING,
                         60,
                         13,
                         Y,
                         Y,
                         PP_STANCE_NOT_CANDIDATE,
                         -1,
                         0};
    struct pp_triage_input in;
    struct pp_policy p;
    (void)state;
    pp_policy_init(&p);
    build(&v, &in);
    assert_int_equal(categories(&in, &p, NULL), 0);
    v.care_days = 14;
    build(&v, &in);
    assert_int_equal(categories(&in, &p, NULL), BIT(PP_CAND_FAILED_NONSURGICAL));
    v.care_days = 15;
    build(&v, &in);
    assert_int_equal(categories(&in, &p, NULL), BIT(PP_CAND_FAILED_NONSURGICAL));
    assert_int_equal(pp_candidacy_care_days(&in, now()), 15);
}

/* CANDIDACY-POST-SURGERY-RESIDUAL from candidacy_recovery_months (default 3) after surgery. */
static void test_candidacy__recovery_months_boundary(void **state)
{
    struct vignette v = {
        "", NULL, PP_REF_SPINE_SURGEON, PP_COURSE_NOT_IMPROVING, 5, -1, Y, Y, PP_STANCE_WANTS,
        -1, 0};
    struct pp_triage_input in;
    struct pp_policy p;
    pp_day ends;
    pp_day surgery = pp_day_from_ymd(2026, 8, 27); /* + 3 months = 2026-11-27 = now */
    (void)state;
    pp_policy_init(&p);
    assert_int_equal(p.candidacy_recovery_months, 3);
    build(&v, &in);
    in.prior_surgery = true;

    in.surgery_date = surgery + 1; /* recovery ends tomorrow */
    assert_int_equal(categories(&in, &p, &ends), 0);
    assert_int_equal(ends, now() + 1);
    in.surgery_date = surgery; /* ends today */
    assert_int_equal(categories(&in, &p, &ends), BIT(PP_CAND_POST_SURGERY_RESIDUAL));
    assert_int_equal(ends, PP_DAY_NONE);
    in.surgery_date = surgery - 1; /* ended yesterday */
    assert_int_equal(categories(&in, &p, &ends), BIT(PP_CAND_POST_SURGERY_RESIDUAL));
    p.candidacy_recovery_months = 6;
    assert_int_equal(categories(&in, &p, &ends), 0);
    assert_int_equal(ends, pp_day_add_months(surgery - 1, 6));
}

/* The residual-pain finding lists the causes to consider (DESIGN.md). */
static void test_candidacy__residual_pain_lists_causes(void **state)
{
    struct pp_triage_input in;
    struct pp_candidacy_result res;
    struct pp_findings f;
    struct pp_policy p;
    const struct pp_finding *x = NULL;
    (void)state;
    pp_policy_init(&p);
    build(&vignettes[9], &in);
    pp_findings_init(&f);
    pp_candidacy_evaluate(&in, now(), &p, &f, &res);
    for (size_t i = 0; i < f.n; i++)
        if (strcmp(f.items[i].rule_id, "CANDIDACY-POST-SURGERY-RESIDUAL") == 0)
            x = &f.items[i];
    assert_non_null(x);
    assert_non_null(strstr(x->detail, "scar tissue"));
    assert_non_null(strstr(x->detail, "prior nerve damage"));
    assert_non_null(strstr(x->detail, "new pain generator"));
    assert_non_null(strstr(x->detail, "recurrence"));
    assert_non_null(strstr(x->detail, "unsuccessful operation"));
    pp_findings_release(&f);
}

static void test_candidacy__rule_table_is_complete(void **state)
{
    size_t n;
    const struct pp_rule_info *r = pp_candidacy_rules(&n);
    struct pp_policy p;
    (void)state;
    pp_policy_init(&p);
    assert_int_equal(n, 6);
    for (size_t i = 0; i < n; i++) {
        double v;
        assert_int_equal(strncmp(r[i].id, "CANDIDACY-", 10), 0);
        assert_non_null(strstr(r[i].source, "DESIGN.md"));
        assert_true(pp_policy_get(&p, r[i].policy_keys, &v)); /* one key each */
        for (size_t j = i + 1; j < n; j++)
            assert_string_not_equal(r[i].id, r[j].id);
    }
    for (int c = 0; c < PP_CAND_COUNT; c++)
        assert_string_not_equal(pp_candidacy_category_name((enum pp_candidacy_category)c), "?");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_candidacy__vignettes),
        cmocka_unit_test(test_candidacy__persistent_days_13_14_15),
        cmocka_unit_test(test_candidacy__nonsurgical_care_days_13_14_15),
        cmocka_unit_test(test_candidacy__recovery_months_boundary),
        cmocka_unit_test(test_candidacy__residual_pain_lists_causes),
        cmocka_unit_test(test_candidacy__rule_table_is_complete),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
