/*
 * test_block_diary.c — fhir/block_diary.c: a block Procedure and its NRS diary read into the
 * request of clinical/blocks.h (the same interpretation as the plain JSON of
 * `painpath block`), dateTime arithmetic, and every missing or malformed element named.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "clinical/blocks.h"
#include "clinical/policy.h"
#include "clinical/procedures.h"
#include "fhir/block_diary.h"
#include "util/json.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* The `painpath block --example` block as FHIR: left L5 transforaminal (nerve root) block,
 * lidocaine 2% 1 mL under fluoroscopy at 09:00Z, baseline 8, relief to 1 for an hour. */
#define PROC(id, code_sys, code, status, when, extra)                                              \
    ", {\"resource\": {\"resourceType\": \"Procedure\", \"id\": \"" id "\", \"status\": \"" status \
    "\", \"subject\": {\"reference\": \"Patient/p1\"}, \"code\": {\"coding\": [{\"system\": "      \
    "\"" code_sys "\", \"code\": \"" code "\"}]}, \"performedDateTime\": \"" when "\", "           \
    "\"bodySite\": [{\"text\": \"left L5\"}]" extra "}}"
#define AGENT(a, pct)                                                                              \
    ", \"usedCode\": [{\"coding\": [{\"system\": \"urn:painpath:anesthetic\", \"code\": \"" a      \
    "\"}]}], \"extension\": [{\"url\": \"urn:painpath:anesthetic-concentration\", "                \
    "\"valueQuantity\": {\"value\": " #pct ", \"unit\": \"%\"}}, {\"url\": "                       \
    "\"urn:painpath:injectate-volume\", \"valueQuantity\": {\"value\": 1, \"unit\": \"mL\"}}, "    \
    "{\"url\": \"urn:painpath:guidance\", \"valueCode\": \"fluoroscopy\"}]"
#define NRS(id, proc, when, v)                                                                     \
    ", {\"resource\": {\"resourceType\": \"Observation\", \"id\": \"" id "\", \"status\": "        \
    "\"final\", \"code\": {\"coding\": [{\"system\": \"http://loinc.org\", \"code\": "             \
    "\"72514-3\"}]}, \"partOf\": [{\"reference\": \"Procedure/" proc "\"}], "                      \
    "\"effectiveDateTime\": \"" when "\", \"valueQuantity\": {\"value\": " #v "}}}"
/* Entries are juxtaposed strings, each starting with ", "; the Patient comes first. */
#define BUNDLE(entries)                                                                            \
    "{\"resourceType\": \"Bundle\", \"type\": \"collection\", \"entry\": [{\"resource\": "         \
    "{\"resourceType\": \"Patient\", \"id\": \"p1\"}}" entries "]}"

#define LIDO_DIARY(p)                                                                              \
    NRS("o0", p, "2026-11-20T08:50:00Z", 8)                                                        \
    NRS("o1", p, "2026-11-20T09:15:00Z", 1)                                                        \
    NRS("o2", p, "2026-11-20T09:30:00Z", 1)                                                        \
    NRS("o3", p, "2026-11-20T10:00:00Z", 1)                                                        \
    NRS("o4", p, "2026-11-20T11:00:00Z", 5) NRS("o5", p, "2026-11-20T13:00:00Z", 8)

static const char example_bundle[] = BUNDLE(
    PROC("b1", "urn:painpath:procedure", "esi-tf-lumbar", "completed", "2026-11-20T09:00:00Z",
         AGENT("lidocaine", 2)) LIDO_DIARY("b1")
    /* not the diary: another procedure's rating, a visit score, a voided rating */
    NRS("x1", "other", "2026-11-20T09:20:00Z",
        9) ", {\"resource\": {\"resourceType\": \"Observation\", \"id\": \"x2\", \"code\": "
           "{\"coding\": "
           "[{\"system\": \"http://loinc.org\", \"code\": \"72514-3\"}]}, \"effectiveDateTime\": "
           "\"2026-11-20T09:20:00Z\", \"valueQuantity\": {\"value\": 9}}}"
           ", {\"resource\": {\"resourceType\": \"Observation\", \"id\": \"x3\", \"status\": "
           "\"entered-in-error\", \"code\": {\"coding\": [{\"system\": \"http://loinc.org\", "
           "\"code\": "
           "\"72514-3\"}]}, \"partOf\": [{\"reference\": \"Procedure/b1\"}], "
           "\"effectiveDateTime\": "
           "\"2026-11-20T09:20:00Z\", \"valueQuantity\": {\"value\": 9}}}");

static cJSON *parse(const char *text)
{
    cJSON *j = cJSON_Parse(text);
    assert_non_null(j);
    return j;
}

static void test_block_diary__datetime(void **state)
{
    static const struct {
        const char *s;
        bool ok;
        double minutes_after_midnight_utc; /* of 2026-11-20 */
    } cases[] = {
        {"2026-11-20T09:15:00Z", true, 555},
        {"2026-11-20T09:15Z", true, 555},
        {"2026-11-20T09:15:30.5Z", true, 555.508333},
        {"2026-11-20T04:15:00-05:00", true, 555},
        {"2026-11-20T10:15:00+01:00", true, 555},
        {"2026-11-20T09:15:00", true, 555}, /* no zone: read as UTC */
        {"2026-11-20", false, 0},           /* a date alone has no minutes */
        {"2026-13-20T09:15:00Z", false, 0},
        {"2026-11-20T24:00:00Z", false, 0},
        {"2026-11-20T09:15:00+1:00", false, 0},
        {"2026-11-20T09:15:00Zjunk", false, 0},
        {NULL, false, 0},
    };
    (void)state;
    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        double m = -1;
        bool ok = pp_fhir_datetime_minutes(cases[i].s, &m);
        if (ok != cases[i].ok || (ok && fabs(m - pp_day_from_ymd(2026, 11, 20) * 1440.0 -
                                             cases[i].minutes_after_midnight_utc) > 1e-3))
            printf("case %zu '%s': ok %d minutes %f\n", i, cases[i].s ? cases[i].s : "(null)", ok,
                   m - pp_day_from_ymd(2026, 11, 20) * 1440.0);
        assert_int_equal(ok, cases[i].ok);
        if (ok) {
            /* cmocka casts to float: compare the small difference, not the epoch minutes */
            double after_midnight = m - pp_day_from_ymd(2026, 11, 20) * 1440.0;
            assert_float_equal(after_midnight, cases[i].minutes_after_midnight_utc, 1e-3);
        }
    }
}

/* The FHIR block reads into exactly the request of the plain JSON example, and both give the
 * same interpretation. */
static void test_block_diary__reads_the_example(void **state)
{
    static const struct pp_diary_entry plain_diary[] = {
        {15, 1}, {30, 1}, {60, 1}, {120, 5}, {240, 8}};
    struct pp_policy p;
    struct pp_fhir_block fb;
    struct pp_block_request plain;
    struct pp_block_result a, b;
    struct pp_findings fa, fbf;
    struct pp_diag d;
    cJSON *bundle = parse(example_bundle);
    (void)state;

    pp_policy_init(&p);
    pp_diag_clear(&d);
    assert_int_equal(pp_fhir_block_read(bundle, "b1", NULL, &fb, &d), PP_OK);
    assert_int_equal(fb.req.n_blocks, 1);
    assert_int_equal(fb.req.target, PP_BLOCK_NERVE_ROOT);
    assert_string_equal(fb.req.procedure_id, "esi-tf-lumbar");
    assert_int_equal(fb.req.n_levels, 1);
    assert_string_equal(fb.req.levels[0], "L5");
    assert_int_equal(fb.req.side, PP_SIDE_LEFT);
    assert_int_equal(fb.req.blocks[0].anesthetic, PP_ANESTHETIC_LIDOCAINE);
    assert_float_equal(fb.req.blocks[0].concentration_pct, 2, 1e-9);
    assert_float_equal(fb.req.blocks[0].volume_ml, 1, 1e-9);
    assert_int_equal(fb.req.blocks[0].guidance, PP_GUIDE_FLUORO);
    assert_true(fb.req.blocks[0].has_baseline);
    assert_float_equal(fb.req.blocks[0].baseline_nrs, 8, 1e-9);
    assert_string_equal(fb.req.blocks[0].date, "2026-11-20");
    /* the voided rating, the visit score and another procedure's rating are not read */
    assert_int_equal(fb.req.blocks[0].n_diary, ARRAY_SIZE(plain_diary));
    assert_int_equal(fb.n_diary_ids[0], 6);
    for (size_t i = 0; i < ARRAY_SIZE(plain_diary); i++) {
        assert_float_equal(fb.req.blocks[0].diary[i].minutes, plain_diary[i].minutes, 1e-9);
        assert_float_equal(fb.req.blocks[0].diary[i].nrs, plain_diary[i].nrs, 1e-9);
    }

    memset(&plain, 0, sizeof(plain));
    plain.target = PP_BLOCK_NERVE_ROOT;
    plain.levels[0] = "L5";
    plain.n_levels = 1;
    plain.side = PP_SIDE_LEFT;
    plain.procedure_id = "esi-tf-lumbar";
    plain.n_blocks = 1;
    plain.blocks[0] = (struct pp_block){
        "snrb-1", "2026-11-20", PP_GUIDE_FLUORO,        PP_ANESTHETIC_LIDOCAINE, 2, 1, true,
        8,        plain_diary,  ARRAY_SIZE(plain_diary)};
    pp_findings_init(&fa);
    pp_findings_init(&fbf);
    assert_int_equal(pp_block_evaluate(&plain, &p, &a, &fa, &d), PP_OK);
    assert_int_equal(pp_block_evaluate(&fb.req, &p, &b, &fbf, &d), PP_OK);
    assert_int_equal(a.blocks[0].verdict, b.blocks[0].verdict);
    assert_int_equal(b.blocks[0].verdict, PP_BLOCK_POSITIVE);
    assert_float_equal(a.blocks[0].peak_relief_pct, b.blocks[0].peak_relief_pct, 1e-9);
    assert_float_equal(a.blocks[0].sustained_relief_pct, b.blocks[0].sustained_relief_pct, 1e-9);
    assert_string_equal(a.conclusion, b.conclusion);
    assert_int_equal(fa.n, fbf.n);
    pp_findings_release(&fa);
    pp_findings_release(&fbf);
    pp_fhir_block_release(&fb);
    cJSON_Delete(bundle);
}

/* Two comparative blocks come out in performed order whichever is named first; the type-level
 * read finds both, and a basedOn ServiceRequest gives who asked and what. */
static void test_block_diary__comparative(void **state)
{
    static const char text[] = BUNDLE(
        PROC("late", "urn:painpath:procedure", "esi-tf-lumbar", "completed", "2026-11-27T09:00:00Z",
             AGENT("bupivacaine", 0.5)) NRS("l0", "late", "2026-11-27T08:55:00Z",
                                            8) NRS("l1", "late", "2026-11-27T10:00:00Z", 1)
            PROC("early", "urn:painpath:procedure", "esi-tf-lumbar", "completed",
                 "2026-11-20T09:00:00Z",
                 AGENT("lidocaine", 2) ", \"basedOn\": [{\"reference\": \"ServiceRequest/ask\"}]")
                NRS("e0", "early", "2026-11-20T08:55:00Z", 7)
                    NRS("e1", "early", "2026-11-20T09:30:00Z",
                        2) ", {\"resource\": {\"resourceType\": \"ServiceRequest\", \"id\": "
                           "\"ask\", \"requester\": "
                           "{\"display\": \"Dr. A. Surgeon\"}, \"note\": [{\"text\": \"Is L5 the "
                           "generator?\"}]}}");
    struct pp_fhir_block fb;
    struct pp_diag d;
    cJSON *bundle = parse(text);
    (void)state;

    for (int round = 0; round < 2; round++) {
        if (round == 0)
            assert_int_equal(pp_fhir_block_read(bundle, "late", "early", &fb, &d), PP_OK);
        else
            assert_int_equal(pp_fhir_block_read(bundle, NULL, NULL, &fb, &d), PP_OK);
        assert_int_equal(fb.req.n_blocks, 2);
        assert_string_equal(fb.procedure_ids[0], "early");
        assert_string_equal(fb.procedure_ids[1], "late");
        assert_int_equal(fb.req.blocks[0].anesthetic, PP_ANESTHETIC_LIDOCAINE);
        assert_int_equal(fb.req.blocks[1].anesthetic, PP_ANESTHETIC_BUPIVACAINE);
        assert_float_equal(fb.req.blocks[0].baseline_nrs, 7, 1e-9);
        assert_float_equal(fb.req.blocks[1].baseline_nrs, 8, 1e-9);
        assert_float_equal(fb.req.blocks[1].concentration_pct, 0.5, 1e-9);
        assert_string_equal(fb.req.blocks[0].date, "2026-11-20");
        assert_float_equal(fb.req.blocks[0].diary[0].minutes, 30, 1e-9);
        assert_float_equal(fb.req.blocks[1].diary[0].minutes, 60, 1e-9);
        assert_string_equal(fb.n_diary_ids[0] ? fb.diary_ids[0][0] : "", "e0");
        if (round == 1) {
            assert_non_null(fb.req.requested_by);
            assert_string_equal(fb.req.requested_by, "Dr. A. Surgeon");
            assert_string_equal(fb.req.question, "Is L5 the generator?");
        }
        pp_fhir_block_release(&fb);
    }
    cJSON_Delete(bundle);
}

/* Every missing or malformed element is named: the error code and d->where. */
static void test_block_diary__errors(void **state)
{
    static const struct {
        const char *bundle;
        const char *procedure;
        enum pp_err rc;
        const char *where; /* prefix of d->where */
    } cases[] = {
        {BUNDLE(PROC("b1", "urn:painpath:procedure", "esi-tf-lumbar", "completed",
                     "2026-11-20T09:00:00Z", "")),
         "b1", PP_ERR_UNSUPPORTED, "Procedure/b1.usedCode"},
        {BUNDLE(PROC("b1", "urn:painpath:procedure", "esi-tf-lumbar", "completed",
                     "2026-11-20T09:00:00Z",
                     ", \"usedCode\": [{\"coding\": [{\"system\": \"urn:painpath:anesthetic\", "
                     "\"code\": \"lidocaine\"}]}]")),
         "b1", PP_ERR_UNSUPPORTED,
         "Procedure/b1.extension('urn:painpath:anesthetic-concentration')"},
        {BUNDLE(PROC("b1", "urn:painpath:procedure", "esi-tf-lumbar", "completed", "2026-11-20",
                     AGENT("lidocaine", 2))),
         "b1", PP_ERR_UNSUPPORTED, "Procedure/b1.performedDateTime"},
        {BUNDLE(PROC("b1", "urn:painpath:procedure", "esi-tf-lumbar", "in-progress",
                     "2026-11-20T09:00:00Z", AGENT("lidocaine", 2))),
         "b1", PP_ERR_UNSUPPORTED, "Procedure/b1.status"},
        {BUNDLE(PROC("b1", "urn:painpath:procedure", "rfa-mb-lumbar", "completed",
                     "2026-11-20T09:00:00Z", AGENT("lidocaine", 2))),
         "b1", PP_ERR_UNSUPPORTED, "Procedure/b1.code"},
        /* CPT 64493 is a lumbar medial branch block and a lumbar facet joint injection */
        {BUNDLE(PROC("b1", "http://www.ama-assn.org/go/cpt", "64493", "completed",
                     "2026-11-20T09:00:00Z", AGENT("lidocaine", 2))),
         "b1", PP_ERR_UNSUPPORTED, "Procedure/b1.code"},
        {BUNDLE(PROC("b1", "urn:painpath:procedure", "esi-tf-lumbar", "completed",
                     "2026-11-20T09:00:00Z", AGENT("lidocaine", 0))),
         "b1", PP_ERR_INPUT, "Procedure/b1.extension('urn:painpath:anesthetic-concentration')"},
        {BUNDLE(PROC("b1", "urn:painpath:procedure", "esi-tf-lumbar", "completed",
                     "2026-11-20T09:00:00Z", AGENT("lidocaine", 2))
                    NRS("o1", "b1", "2026-11-20T09:30:00Z", 11)),
         "b1", PP_ERR_INPUT, "Observation/o1.valueQuantity.value"},
        {BUNDLE(PROC("b1", "urn:painpath:procedure", "esi-tf-lumbar", "completed",
                     "2026-11-20T09:00:00Z", AGENT("lidocaine", 2))
                    NRS("o1", "b1", "2026-11-20", 3)),
         "b1", PP_ERR_INPUT, "Observation/o1.effectiveDateTime"},
        {BUNDLE(PROC("b1", "urn:painpath:procedure", "esi-tf-lumbar", "completed",
                     "2026-11-20T09:00:00Z", AGENT("lidocaine", 2))),
         "nope", PP_ERR_NOT_FOUND, "Procedure/nope"},
        {BUNDLE(PROC("b1", "urn:painpath:procedure", "esi-tf-lumbar", "completed",
                     "2026-11-20T09:00:00Z", AGENT("lidocaine", 2))
                    PROC("b2", "urn:painpath:procedure", "esi-tf-lumbar", "completed",
                         "2026-11-21T09:00:00Z", AGENT("lidocaine", 2))
                        PROC("b3", "urn:painpath:procedure", "esi-tf-lumbar", "completed",
                             "2026-11-22T09:00:00Z", AGENT("lidocaine", 2))),
         NULL, PP_ERR_INPUT, "Procedure"},
        {BUNDLE(NRS("o1", "b1", "2026-11-20T09:30:00Z", 3)), NULL, PP_ERR_INPUT, "Procedure"},
    };
    (void)state;
    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        struct pp_fhir_block fb;
        struct pp_diag d;
        cJSON *bundle = parse(cases[i].bundle);
        pp_diag_clear(&d);
        enum pp_err rc = pp_fhir_block_read(bundle, cases[i].procedure, NULL, &fb, &d);
        if (rc != cases[i].rc || strncmp(d.where, cases[i].where, strlen(cases[i].where)) != 0)
            printf("case %zu: rc %d where '%s' what '%s'\n", i, rc, d.where, d.what);
        assert_int_equal(rc, cases[i].rc);
        assert_true(strncmp(d.where, cases[i].where, strlen(cases[i].where)) == 0);
        assert_true(d.what[0] != '\0');
        pp_fhir_block_release(&fb);
        cJSON_Delete(bundle);
    }
}

/* A CPT code that names one catalogue entry is enough; levels and side come from the words of
 * bodySite; a catalogue entry done under one guidance needs no guidance extension. */
static void test_block_diary__cpt_and_site(void **state)
{
    static const char text[] = BUNDLE(
        ", {\"resource\": {\"resourceType\": \"Procedure\", \"id\": \"b1\", \"status\": "
        "\"completed\", \"code\": {\"coding\": [{\"system\": \"http://www.ama-assn.org/go/cpt\", "
        "\"code\": \"64483\"}]}, \"performedPeriod\": {\"start\": \"2026-11-20T09:00:00Z\"}, "
        "\"bodySite\": [{\"coding\": [{\"display\": \"L4, L5 and S1 roots, Right\"}]}], "
        "\"usedCode\": [{\"coding\": [{\"system\": "
        "\"http://www.nlm.nih.gov/research/umls/rxnorm\", \"code\": \"6387\"}]}], "
        "\"extension\": [{\"url\": \"urn:painpath:anesthetic-concentration\", \"valueQuantity\": "
        "{\"value\": 1}}, {\"url\": \"urn:painpath:injectate-volume\", \"valueQuantity\": "
        "{\"value\": 0.5}}, {\"url\": \"urn:painpath:guidance\", \"valueCode\": \"ct\"}]}}");
    struct pp_fhir_block fb;
    struct pp_diag d;
    cJSON *bundle = parse(text);
    (void)state;
    assert_int_equal(pp_fhir_block_read(bundle, "b1", NULL, &fb, &d), PP_OK);
    assert_string_equal(fb.req.procedure_id, "esi-tf-lumbar");
    assert_int_equal(fb.req.n_levels, 3);
    assert_string_equal(fb.req.levels[0], "L4");
    assert_string_equal(fb.req.levels[2], "S1");
    assert_int_equal(fb.req.side, PP_SIDE_RIGHT);
    assert_int_equal(fb.req.blocks[0].anesthetic, PP_ANESTHETIC_LIDOCAINE); /* RxNorm 6387 */
    assert_int_equal(fb.req.blocks[0].guidance, PP_GUIDE_CT);
    assert_false(fb.req.blocks[0].has_baseline);
    assert_int_equal(fb.req.blocks[0].n_diary, 0);
    pp_fhir_block_release(&fb);
    cJSON_Delete(bundle);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_block_diary__datetime),
        cmocka_unit_test(test_block_diary__reads_the_example),
        cmocka_unit_test(test_block_diary__comparative),
        cmocka_unit_test(test_block_diary__errors),
        cmocka_unit_test(test_block_diary__cpt_and_site),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
