/*
 * test_coverage_history.c — fhir/coverage_history.c: a proposal ServiceRequest and the
 * patient's FHIR record read into the coverage proposal and history; the `painpath
 * eligibility --example` case written as FHIR gives the same verdict and the same status for
 * every criterion as the plain JSON; facts, priors and errors named.
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
#include "clinical/policy.h"
#include "clinical/procedures.h"
#include "fhir/coverage_history.h"
#include "util/date.h"
#include "util/json.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Entries are juxtaposed strings, each starting with ", "; the Patient comes first. */
#define BUNDLE(entries)                                                                            \
    "{\"resourceType\": \"Bundle\", \"type\": \"collection\", \"entry\": [{\"resource\": "         \
    "{\"resourceType\": \"Patient\", \"id\": \"p1\"}}" entries "]}"
#define RES(body) ", {\"resource\": {" body "}}"
#define SUBJ "\"subject\": {\"reference\": \"Patient/p1\"}"
#define SCORE(id, loinc, day, v)                                                                   \
    RES("\"resourceType\": \"Observation\", \"id\": \"" id "\", \"status\": \"final\", " SUBJ      \
        ", \"code\": {\"coding\": [{\"system\": \"http://loinc.org\", \"code\": \"" loinc          \
        "\"}]}, \"effectiveDateTime\": \"" day "\", \"valueQuantity\": {\"value\": " #v "}")
#define PROPOSAL(id, code, extra)                                                                  \
    RES("\"resourceType\": \"ServiceRequest\", \"id\": \"" id "\", \"status\": \"draft\", "        \
        "\"intent\": \"proposal\", " SUBJ ", \"code\": {\"coding\": [{\"system\": "                \
        "\"urn:painpath:procedure\", \"code\": \"" code "\"}]}" extra)

/* The eligibility example as FHIR: left L5 transforaminal ESI on 2026-12-01 with contrast
 * under fluoroscopy; radiculopathy since 2026-08-15; intake: conservative care from
 * 2026-08-20, not improving; imaging 2026-10-02; a prior L5 ESI on 2026-07-01 with NRS 8
 * before and 3 four months after; ODI at baseline. */
static const char example[] = BUNDLE(
    PROPOSAL("prop", "esi-tf-lumbar",
             ", \"occurrenceDateTime\": \"2026-12-01\", \"bodySite\": [{\"text\": \"L5 left\"}], "
             "\"extension\": [{\"url\": \"urn:painpath:procedure-purpose\", \"valueCode\": "
             "\"therapeutic\"}, {\"url\": \"urn:painpath:contrast\", \"valueBoolean\": true}, "
             "{\"url\": \"urn:painpath:guidance\", \"valueCode\": \"fluoroscopy\"}]")
        RES("\"resourceType\": \"Condition\", \"id\": \"radic\", " SUBJ
            ", \"code\": {\"coding\": [{\"system\": \"http://snomed.info/sct\", \"code\": "
            "\"128196005\", \"display\": \"Lumbar radiculopathy\"}]}, \"onsetDateTime\": "
            "\"2026-08-15\"")
    /* a later onset of another pain condition does not move the onset; a refuted one is not
     * read */
    RES("\"resourceType\": \"Condition\", \"id\": \"lbp\", " SUBJ
        ", \"code\": {\"coding\": [{\"system\": \"http://snomed.info/sct\", \"code\": "
        "\"279039007\", \"display\": \"Low back pain\"}]}, \"onsetDateTime\": \"2026-09-01\"")
        RES("\"resourceType\": \"Condition\", \"id\": \"old\", " SUBJ
            ", \"verificationStatus\": {\"coding\": [{\"system\": "
            "\"http://terminology.hl7.org/CodeSystem/condition-ver-status\", \"code\": "
            "\"refuted\"}]}, \"code\": {\"coding\": [{\"system\": \"http://snomed.info/sct\", "
            "\"code\": \"279039007\"}]}, \"onsetDateTime\": \"2020-01-01\"")
            RES("\"resourceType\": \"QuestionnaireResponse\", \"id\": \"intake\", " SUBJ
                ", \"status\": \"completed\", \"item\": [{\"linkId\": \"course\", \"answer\": "
                "[{\"valueCoding\": {\"code\": \"not_improving\"}}]}, {\"linkId\": "
                "\"conservative_care\", \"item\": [{\"linkId\": \"physical_therapy\", \"answer\": "
                "[{\"valueDate\": \"2026-08-27\"}]}, {\"linkId\": \"rest\", \"answer\": "
                "[{\"valueDate\": "
                "\"2026-08-20\"}]}]}]")
                RES("\"resourceType\": \"DiagnosticReport\", \"id\": \"mri\", \"status\": "
                    "\"final\", " SUBJ ", \"category\": [{\"coding\": [{\"system\": "
                    "\"http://terminology.hl7.org/CodeSystem/v2-0074\", \"code\": \"RAD\"}]}], "
                    "\"effectiveDateTime\": \"2026-10-02\"")
                    RES("\"resourceType\": \"Procedure\", \"id\": \"esi1\", \"status\": "
                        "\"completed\", " SUBJ ", \"code\": {\"coding\": [{\"system\": "
                        "\"urn:painpath:procedure\", \"code\": "
                        "\"esi-tf-lumbar\"}]}, \"performedDateTime\": \"2026-07-01T09:00:00Z\", "
                        "\"bodySite\": "
                        "[{\"text\": \"L5 left\"}], \"usedCode\": [{\"text\": \"dexamethasone\"}]")
                        SCORE("nrs0", "72514-3", "2026-06-20", 8)
                            SCORE("nrs1", "72514-3", "2026-11-01", 3)
                                SCORE("odi0", "97909-6", "2026-06-20", 40)
    /* after the proposed date: not history */
    RES("\"resourceType\": \"Procedure\", \"id\": \"late\", \"status\": \"completed\", " SUBJ
        ", \"code\": {\"coding\": [{\"system\": \"urn:painpath:procedure\", \"code\": "
        "\"esi-tf-lumbar\"}]}, \"performedDateTime\": \"2026-12-20\""));

static cJSON *parse(const char *text)
{
    cJSON *j = cJSON_Parse(text);
    assert_non_null(j);
    return j;
}

static pp_day day(const char *s)
{
    pp_day d;
    struct pp_diag ignored;
    assert_int_equal(pp_day_parse(s, strlen(s), &d, &ignored), PP_OK);
    return d;
}

static void test_coverage_history__example(void **state)
{
    struct pp_fhir_coverage *c = pp_fhir_coverage_new();
    struct pp_diag d;
    cJSON *bundle = parse(example);
    (void)state;

    pp_diag_clear(&d);
    assert_int_equal(pp_fhir_coverage_read(bundle, NULL, day("2026-11-27"), c, &d), PP_OK);
    assert_string_equal(c->proposal_id, "prop");
    assert_string_equal(c->proposal.entry->id, "esi-tf-lumbar");
    assert_int_equal(c->proposal.date, day("2026-12-01"));
    assert_int_equal(c->proposal.n_levels, 1);
    assert_string_equal(c->proposal.levels[0], "L5");
    assert_int_equal(c->proposal.side, PP_COV_SIDE_LEFT);
    assert_int_equal(c->proposal.guidance, PP_GUIDE_FLUORO);
    assert_int_equal(c->proposal.purpose, PP_PURPOSE_THERAPEUTIC);
    assert_true(c->proposal.contrast);
    assert_int_equal(c->history.pain_onset, day("2026-08-15"));
    assert_int_equal(c->history.conservative_start, day("2026-08-20"));
    assert_true(c->history.conservative_failed);
    assert_int_equal(c->history.imaging_date, day("2026-10-02"));
    assert_int_equal(c->history.psych_eval_date, PP_DAY_NONE);
    assert_int_equal(c->history.provocation_positive, -1);
    assert_string_equal(c->history.baseline_pain_scale, "NRS");
    assert_string_equal(c->history.baseline_function_scale, "ODI");
    assert_false(c->history.herpes_zoster);
    assert_int_equal(c->history.n_priors, 1);
    assert_string_equal(c->prior_ids[0], "esi1");
    {
        const struct pp_cov_prior *pr = &c->history.priors[0];
        assert_int_equal(pr->date, day("2026-07-01"));
        assert_string_equal(pr->levels[0], "L5");
        assert_string_equal(pr->drug, "dexamethasone");
        assert_float_equal(pr->baseline_pain, 8, 1e-9);
        assert_float_equal(pr->followup_pain, 3, 1e-9);
        assert_float_equal(pr->relief_months, 4, 1e-9);
        assert_string_equal(pr->followup_scale, "NRS");
        assert_true(isnan(pr->relief_pct));
        /* no function score after it: the improvement is not documented */
        assert_true(isnan(pr->followup_function));
    }
    pp_fhir_coverage_free(c);
    cJSON_Delete(bundle);
}

/* The same case as the plain JSON of `painpath eligibility --example` (decoded by hand here):
 * the same verdict and the same status for every criterion. */
static void test_coverage_history__same_as_plain(void **state)
{
    struct pp_fhir_coverage *c = pp_fhir_coverage_new();
    struct pp_cov_proposal prop;
    struct pp_cov_history h;
    struct pp_cov_prior prior;
    struct pp_cov_table t;
    struct pp_cov_result a, b;
    struct pp_findings fa, fb;
    struct pp_policy p;
    struct pp_diag d;
    cJSON *bundle = parse(example);
    (void)state;

    pp_policy_init(&p);
    pp_coverage_table_default(&t);
    assert_int_equal(pp_fhir_coverage_read(bundle, NULL, day("2026-11-27"), c, &d), PP_OK);
    memset(&prop, 0, sizeof(prop));
    prop.entry = pp_procedure_by_id("esi-tf-lumbar");
    prop.date = day("2026-12-01");
    prop.purpose = PP_PURPOSE_THERAPEUTIC;
    prop.levels[0] = "L5";
    prop.n_levels = 1;
    prop.side = PP_COV_SIDE_LEFT;
    prop.guidance = PP_GUIDE_FLUORO;
    prop.contrast = true;
    prop.drug = "dexamethasone";
    memset(&prior, 0, sizeof(prior));
    prior.entry = prop.entry;
    prior.date = day("2026-07-01");
    prior.levels[0] = "L5";
    prior.n_levels = 1;
    prior.drug = "dexamethasone";
    prior.relief_pct = prior.function_improvement_pct = prior.baseline_function = NAN;
    prior.followup_function = prior.medication_reduction_pct = prior.trial_days = NAN;
    prior.baseline_pain = 8;
    prior.followup_pain = 3;
    prior.relief_months = 4;
    prior.followup_scale = "NRS";
    memset(&h, 0, sizeof(h));
    h.pain_onset = day("2026-08-15");
    h.conservative_start = day("2026-08-20");
    h.conservative_failed = true;
    h.imaging_date = day("2026-10-02");
    h.psych_eval_date = PP_DAY_NONE;
    h.provocation_positive = -1;
    h.baseline_pain_scale = "NRS";
    h.baseline_function_scale = "ODI";
    h.priors = &prior;
    h.n_priors = 1;
    pp_findings_init(&fa);
    pp_findings_init(&fb);
    assert_int_equal(pp_coverage_evaluate(&t, &prop, &h, &p, &a, &fa, &d), PP_OK);
    assert_int_equal(pp_coverage_evaluate(&t, &c->proposal, &c->history, &p, &b, &fb, &d), PP_OK);
    assert_int_equal(a.verdict, b.verdict);
    assert_int_equal(a.eligible_on, b.eligible_on);
    assert_int_equal(a.n_checks, b.n_checks);
    assert_true(a.n_checks > 3);
    for (size_t i = 0; i < a.n_checks; i++) {
        assert_string_equal(a.checks[i].row->id, b.checks[i].row->id);
        assert_int_equal(a.checks[i].status, b.checks[i].status);
    }
    assert_int_equal(fa.n, fb.n);
    pp_coverage_result_release(&a);
    pp_coverage_result_release(&b);
    pp_findings_release(&fa);
    pp_findings_release(&fb);
    pp_coverage_table_release(&t);
    pp_fhir_coverage_free(c);
    cJSON_Delete(bundle);
}

/* A prior block with its own diary: relief from the diary (peak), not from visit scores. The
 * facts the history reads beyond dates. */
static void test_coverage_history__diary_and_facts(void **state)
{
    static const char text[] = BUNDLE(
        PROPOSAL("rfa", "rfa-mb-lumbar", ", \"bodySite\": [{\"text\": \"L4-L5 bilateral\"}]") RES(
            "\"resourceType\": \"Procedure\", \"id\": \"mbb\", \"status\": \"completed\", " SUBJ
            ", \"code\": {\"coding\": [{\"system\": \"http://www.ama-assn.org/go/cpt\", "
            "\"code\": \"64635\"}, {\"system\": \"urn:painpath:procedure\", \"code\": "
            "\"mbb-lumbar\"}]}, \"performedDateTime\": \"2026-10-01T09:00:00Z\", "
            "\"bodySite\": [{\"text\": \"L4-L5 bilateral\"}]")
            RES("\"resourceType\": \"Observation\", \"id\": \"d0\", " SUBJ
                ", \"code\": {\"coding\": "
                "[{\"system\": \"http://loinc.org\", \"code\": \"72514-3\"}]}, \"partOf\": "
                "[{\"reference\": \"Procedure/mbb\"}], \"effectiveDateTime\": "
                "\"2026-10-01T08:45:00Z\", \"valueQuantity\": {\"value\": 8}")
                RES("\"resourceType\": \"Observation\", \"id\": \"d1\", " SUBJ
                    ", \"code\": {\"coding\": "
                    "[{\"system\": \"http://loinc.org\", \"code\": \"72514-3\"}]}, \"partOf\": "
                    "[{\"reference\": \"Procedure/mbb\"}], \"effectiveDateTime\": "
                    "\"2026-10-01T09:30:00Z\", \"valueQuantity\": {\"value\": 2}")
                    RES("\"resourceType\": \"Observation\", \"id\": \"d2\", " SUBJ
                        ", \"code\": {\"coding\": "
                        "[{\"system\": \"http://loinc.org\", \"code\": \"72514-3\"}]}, \"partOf\": "
                        "[{\"reference\": \"Procedure/mbb\"}], \"effectiveDateTime\": "
                        "\"2026-10-01T10:00:00Z\", \"valueQuantity\": {\"value\": 1}")
                        RES("\"resourceType\": \"Condition\", \"id\": \"hz\", " SUBJ
                            ", \"code\": {\"text\": \"Herpes Zoster, thoracic\"}")
                            RES("\"resourceType\": \"Condition\", \"id\": \"preg\", " SUBJ
                                ", \"code\": {\"coding\": [{\"system\": "
                                "\"http://snomed.info/sct\", \"code\": "
                                "\"77386006\"}]}") RES("\"resourceType\": \"AllergyIntolerance\", "
                                                       "\"id\": \"al\", \"patient\": "
                                                       "{\"reference\": \"Patient/p1\"}, \"code\": "
                                                       "{\"text\": \"Iodinated contrast media\"}")
                                RES("\"resourceType\": \"Procedure\", \"id\": \"psy\", \"status\": "
                                    "\"completed\", " SUBJ ", \"code\": {\"coding\": [{\"system\": "
                                    "\"urn:painpath:evaluation\", \"code\": "
                                    "\"psychological\"}]}, \"performedDateTime\": \"2026-09-01\"")
                                    RES("\"resourceType\": \"Observation\", \"id\": \"prov\", " SUBJ
                                        ", \"code\": {\"coding\": [{\"system\": "
                                        "\"urn:painpath:finding\", \"code\": "
                                        "\"provocation-tests-positive\"}]}, \"effectiveDateTime\": "
                                        "\"2026-09-01\", "
                                        "\"valueInteger\": 3")
                                        RES("\"resourceType\": \"ImagingStudy\", \"id\": "
                                            "\"xr\", " SUBJ
                                            ", \"started\": \"2026-08-01T10:00:00Z\""));
    struct pp_fhir_coverage *c = pp_fhir_coverage_new();
    struct pp_diag d;
    cJSON *bundle = parse(text);
    (void)state;

    assert_int_equal(pp_fhir_coverage_read(bundle, "rfa", day("2026-11-27"), c, &d), PP_OK);
    /* no occurrence: the proposal is for today; no guidance extension: fluoroscopy */
    assert_int_equal(c->proposal.date, day("2026-11-27"));
    assert_int_equal(c->proposal.side, PP_COV_SIDE_BILATERAL);
    assert_int_equal(c->history.n_priors, 1);
    assert_string_equal(c->history.priors[0].entry->id, "mbb-lumbar");
    assert_float_equal(c->history.priors[0].baseline_pain, 8, 1e-9);
    assert_float_equal(c->history.priors[0].followup_pain, 1, 1e-9);
    assert_float_equal(c->history.priors[0].relief_pct, 87.5, 1e-6);
    assert_true(c->history.herpes_zoster);
    assert_true(c->history.pregnant);
    assert_true(c->history.contrast_allergy);
    assert_int_equal(c->history.psych_eval_date, day("2026-09-01"));
    assert_int_equal(c->history.provocation_positive, 3);
    assert_int_equal(c->history.imaging_date, day("2026-08-01"));
    /* nothing dates the pain: the onset stays undocumented, conservative care too */
    assert_int_equal(c->history.pain_onset, PP_DAY_NONE);
    assert_int_equal(c->history.conservative_start, PP_DAY_NONE);
    assert_false(c->history.conservative_failed);
    assert_null(c->history.baseline_pain_scale); /* diary ratings are not visit scores */
    pp_fhir_coverage_free(c);
    cJSON_Delete(bundle);
}

static void test_coverage_history__errors(void **state)
{
    static const struct {
        const char *bundle;
        const char *sr;
        enum pp_err rc;
        const char *where;
    } cases[] = {
        {BUNDLE(""), NULL, PP_ERR_INPUT, "ServiceRequest"},
        {BUNDLE(PROPOSAL("a", "esi-tf-lumbar", "") PROPOSAL("b", "mbb-lumbar", "")), NULL,
         PP_ERR_INPUT, "ServiceRequest"},
        {BUNDLE(PROPOSAL("a", "esi-tf-lumbar", "")), "zzz", PP_ERR_NOT_FOUND, "ServiceRequest"},
        {BUNDLE(PROPOSAL("a", "esi-tf-lumbar", "") SCORE("other", "72514-3", "2026-11-01", 3)
                    RES("\"resourceType\": \"Condition\", \"id\": \"c2\", \"subject\": "
                        "{\"reference\": \"Patient/p2\"}")),
         "a", PP_ERR_INPUT, "Condition/c2.subject"},
        {BUNDLE(PROPOSAL("a", "no-such-procedure", "")), "a", PP_ERR_UNSUPPORTED,
         "ServiceRequest/a.code"},
        {BUNDLE(PROPOSAL("a", "esi-tf-lumbar", ", \"occurrenceDateTime\": \"12/01/2026\"")), "a",
         PP_ERR_INPUT, "ServiceRequest/a.occurrenceDateTime"},
        {BUNDLE(PROPOSAL("a", "esi-tf-lumbar",
                         ", \"extension\": [{\"url\": \"urn:painpath:guidance\", \"valueCode\": "
                         "\"xray\"}]")),
         "a", PP_ERR_INPUT, "ServiceRequest/a.extension('urn:painpath:guidance')"},
        {BUNDLE(PROPOSAL("a", "esi-tf-lumbar",
                         ", \"extension\": [{\"url\": \"urn:painpath:procedure-purpose\", "
                         "\"valueCode\": \"cosmetic\"}]")),
         "a", PP_ERR_INPUT, "ServiceRequest/a.extension('urn:painpath:procedure-purpose')"},
    };
    (void)state;
    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        struct pp_fhir_coverage *c = pp_fhir_coverage_new();
        struct pp_diag d;
        cJSON *bundle = parse(cases[i].bundle);
        enum pp_err rc;
        pp_diag_clear(&d);
        rc = pp_fhir_coverage_read(bundle, cases[i].sr, day("2026-11-27"), c, &d);
        if (rc != cases[i].rc || strncmp(d.where, cases[i].where, strlen(cases[i].where)) != 0)
            printf("case %zu: rc %d where '%s' what '%s'\n", i, rc, d.where, d.what);
        assert_int_equal(rc, cases[i].rc);
        assert_true(strncmp(d.where, cases[i].where, strlen(cases[i].where)) == 0);
        assert_true(d.what[0] != '\0');
        pp_fhir_coverage_free(c);
        cJSON_Delete(bundle);
    }
}

/* What the criteria need and the record lacks is named as the FHIR element (422). */
static void test_coverage_history__explain(void **state)
{
    static const struct {
        const char *bundle;
        enum pp_err rc;
        const char *where;
    } cases[] = {
        /* an ESI needs its levels */
        {BUNDLE(PROPOSAL("a", "esi-tf-lumbar", "")), PP_ERR_UNSUPPORTED,
         "ServiceRequest/a.bodySite[0].text"},
        /* a sacroiliac joint injection may be diagnostic or therapeutic: which? */
        {BUNDLE(PROPOSAL("a", "sij-injection", ", \"bodySite\": [{\"text\": \"left\"}]")),
         PP_ERR_UNSUPPORTED, "ServiceRequest/a.extension('urn:painpath:procedure-purpose')"},
        {BUNDLE(PROPOSAL("a", "sij-injection",
                         ", \"extension\": [{\"url\": \"urn:painpath:procedure-purpose\", "
                         "\"valueCode\": \"therapeutic\"}]")
                    RES("\"resourceType\": \"Procedure\", \"id\": \"old\", \"status\": "
                        "\"completed\", " SUBJ ", \"code\": {\"coding\": [{\"system\": "
                        "\"urn:painpath:procedure\", \"code\": \"sij-injection\"}]}, "
                        "\"performedDateTime\": \"2026-01-05\"")),
         PP_ERR_UNSUPPORTED, "Procedure/old.extension('urn:painpath:procedure-purpose')"},
        /* a level outside the entry is bad input, named */
        {BUNDLE(PROPOSAL("a", "esi-tf-lumbar", ", \"bodySite\": [{\"text\": \"C5 left\"}]")),
         PP_ERR_INPUT, "ServiceRequest/a.bodySite[0].text"},
    };
    struct pp_policy p;
    struct pp_cov_table t;
    (void)state;
    pp_policy_init(&p);
    pp_coverage_table_default(&t);
    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        struct pp_fhir_coverage *c = pp_fhir_coverage_new();
        struct pp_cov_result r;
        struct pp_findings f;
        struct pp_diag d;
        cJSON *bundle = parse(cases[i].bundle);
        enum pp_err rc;
        memset(&r, 0, sizeof(r));
        pp_findings_init(&f);
        pp_diag_clear(&d);
        assert_int_equal(pp_fhir_coverage_read(bundle, "a", day("2026-11-27"), c, &d), PP_OK);
        rc = pp_coverage_evaluate(&t, &c->proposal, &c->history, &p, &r, &f, &d);
        assert_int_equal(rc, PP_ERR_INPUT);
        rc = pp_fhir_coverage_explain(c, rc, &d);
        if (rc != cases[i].rc || strcmp(d.where, cases[i].where) != 0)
            printf("case %zu: rc %d where '%s' what '%s'\n", i, rc, d.where, d.what);
        assert_int_equal(rc, cases[i].rc);
        assert_string_equal(d.where, cases[i].where);
        pp_coverage_result_release(&r);
        pp_findings_release(&f);
        pp_fhir_coverage_free(c);
        cJSON_Delete(bundle);
    }
    pp_coverage_table_release(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_coverage_history__example),
        cmocka_unit_test(test_coverage_history__same_as_plain),
        cmocka_unit_test(test_coverage_history__diary_and_facts),
        cmocka_unit_test(test_coverage_history__errors),
        cmocka_unit_test(test_coverage_history__explain),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
