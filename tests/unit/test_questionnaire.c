/*
 * test_questionnaire.c — fhir/questionnaire.c: a QuestionnaireResponse or the
 * plain answers JSON read into instrument answers (errors name the JSON path),
 * and scores written as Observations with the LOINC codes CLINICAL-FACTS gives.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "clinical/instruments.h"
#include "clinical/policy.h"
#include "fhir/questionnaire.h"
#include "util/buf.h"
#include "util/json.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* An input and what reading + scoring it must give: total, or the error's JSON path. */
struct read_case {
    const char *rule;       /* rule id exercised (INSTR-MISSING covers input errors) */
    const char *instrument; /* named on the command line, or NULL */
    const char *json;
    double total;
    const char *error_where; /* NULL when valid */
};

#define QR(items)                                                                                  \
    "{\"resourceType\": \"QuestionnaireResponse\", \"id\": \"qr1\", "                              \
    "\"status\": \"completed\", \"subject\": {\"reference\": \"Patient/p1\"}, "                    \
    "\"authored\": \"2026-11-27T10:00:00Z\", \"item\": [" items "]}"
#define ANS(id, v) "{\"linkId\": \"" id "\", \"answer\": [{\"valueInteger\": " #v "}]}"

/* clang-format off */
static const struct read_case cases[] = {
    {"INSTR-MISSING", NULL, "{\"instrument\": \"nrs\", \"answers\": {\"1\": 6}}", 6, NULL},
    {"INSTR-MISSING", "nrs", "{\"answers\": {\"1\": 6}}", 6, NULL},
    {"INSTR-MISSING", "peg", "{\"instrument\": \"PEG\", \"answers\": {\"1\": 6, \"2\": 3, \"3\": 3}}", 4, NULL},
    {"INSTR-MISSING", "phq2", "{\"instrument\": \"gad2\", \"answers\": {\"1\": 1, \"2\": 1}}", 0, "instrument"},
    {"INSTR-MISSING", NULL, "{\"answers\": {\"1\": 1}}", 0, "instrument"},
    {"INSTR-MISSING", NULL, "{\"instrument\": \"phq11\", \"answers\": {}}", 0, "instrument"},
    {"INSTR-MISSING", NULL, "{\"instrument\": \"nrs\", \"answers\": [6]}", 0, "answers"},
    {"INSTR-MISSING", NULL, "{\"instrument\": \"nrs\", \"answers\": {\"1\": \"6\"}}", 0, "answers.1"},
    {"INSTR-MISSING", NULL, "{\"instrument\": \"nrs\", \"answers\": {\"2\": 6}}", 0, "answers.2"},
    {"INSTR-MISSING", NULL, "{\"instrument\": \"nrs\", \"answers\": {\"1\": 11}}", 0, "answers.1"},
    {"INSTR-MISSING", NULL, "{\"instrument\": \"nrs\", \"answers\": {\"1\": -1}}", 0, "answers.1"},
    {"INSTR-MISSING", NULL, "{\"instrument\": \"nrs\", \"answers\": {\"1\": 6}, \"sex\": \"male\"}", 0, "sex"},
    {"INSTR-MISSING", NULL, "{\"instrument\": \"nrs\", \"answers\": {\"1\": 6}, \"date\": 5}", 0, "date"},
    {"INSTR-ORT-HIGH", NULL, "{\"instrument\": \"ort\", \"sex\": \"male\", \"answers\": {\"family_alcohol\": true, "
     "\"family_illegal\": false, \"family_rx\": false, \"personal_alcohol\": false, \"personal_illegal\": false, "
     "\"personal_rx\": false, \"age_16_45\": true, \"preadolescent_sexual_abuse\": false, "
     "\"psych_add_ocd_bipolar_schizophrenia\": false, \"psych_depression\": false}}", 4, NULL},
    {"INSTR-ORT-HIGH", NULL, "{\"instrument\": \"ort\", \"sex\": \"M\", \"answers\": {}}", 0, "sex"},
    {"INSTR-STARTBACK-HIGH", NULL, "{\"instrument\": \"startback\", \"answers\": {\"1\": true, \"2\": true, "
     "\"3\": false, \"4\": false, \"5\": true, \"6\": true, \"7\": true, \"8\": true, \"9\": 4}}", 7, NULL},
    /* QuestionnaireResponse */
    {"INSTR-MISSING", "nrs", QR(ANS("1", 3)), 3, NULL},
    {"INSTR-MISSING", NULL, QR(ANS("1", 3)), 0, "(root)"},
    {"INSTR-MISSING", "phq2", QR("{\"linkId\": \"grp\", \"item\": [" ANS("1", 2) ", " ANS("2", 3) "]}"), 5, NULL},
    {"INSTR-MISSING", "phq2", QR("{\"linkId\": \"grp\", \"item\": [" ANS("1", 2) ", " ANS("2", 4) "]}"), 0, "item[0].item[1].answer[0]"},
    {"INSTR-MISSING", "phq2", QR(ANS("1", 2) ", " ANS("3", 1)), 0, "item[1].answer[0]"},
    {"INSTR-MISSING", "phq2", QR(ANS("1", 2) ", {\"linkId\": \"2\", \"answer\": [{\"valueCoding\": {\"code\": \"1\"}}]}"), 3, NULL},
    {"INSTR-MISSING", "phq2", QR(ANS("1", 2) ", {\"linkId\": \"2\", \"answer\": [{\"valueCoding\": {\"code\": \"LA6568-5\"}}]}"), 0, "item[1].answer[0]"},
    {"INSTR-MISSING", "phq2", QR(ANS("1", 2) ", {\"linkId\": \"2\", \"answer\": [{\"valueString\": \"1\"}]}"), 0, "item[1].answer[0]"},
    {"INSTR-MISSING", "phq2", QR(ANS("1", 2) ", {\"linkId\": \"2\", \"answer\": [{\"valueInteger\": 1}, {\"valueInteger\": 2}]}"), 0, "item[1].answer"},
    {"INSTR-MISSING", "phq2", QR(ANS("1", 2) ", {\"answer\": [{\"valueInteger\": 1}]}"), 0, "item[1]"},
    {"INSTR-MISSING", "phq2", QR(ANS("1", 2) ", {\"linkId\": \"2\", \"answer\": [{\"valueDecimal\": 1.0}]}"), 3, NULL},
    {"INSTR-MISSING", "phq2", QR(ANS("1", 2) ", " ANS("1", 1)), 0, "item[1].answer[0]"},
    {"INSTR-MISSING", "phq2", QR(ANS("1", 2)), 0, "2"},
    {"INSTR-MISSING", "phq2", "{\"resourceType\": \"QuestionnaireResponse\", \"status\": \"entered-in-error\"}", 0, "status"},
    {"INSTR-MISSING", "phq2", "{\"resourceType\": \"Observation\"}", 0, "resourceType"},
    {"INSTR-ORT-HIGH", "ort-oud", QR(ANS("family_alcohol", 1) ", {\"linkId\": \"family_illegal\", \"answer\": [{\"valueBoolean\": true}]}, "
     ANS("family_rx", 1) ", " ANS("personal_alcohol", 0) ", " ANS("personal_illegal", 0) ", " ANS("personal_rx", 0) ", "
     ANS("age_16_45", 0) ", " ANS("psych_add_ocd_bipolar_schizophrenia", 0) ", " ANS("psych_depression", 0)), 3, NULL},
    {"INSTR-ORT-HIGH", "ort", QR("{\"linkId\": \"sex\", \"answer\": [{\"valueCoding\": {\"code\": \"female\"}}]}, "
     ANS("family_alcohol", 1) ", " ANS("family_illegal", 1) ", " ANS("family_rx", 1) ", " ANS("personal_alcohol", 0) ", "
     ANS("personal_illegal", 0) ", " ANS("personal_rx", 0) ", " ANS("age_16_45", 0) ", " ANS("preadolescent_sexual_abuse", 0) ", "
     ANS("psych_add_ocd_bipolar_schizophrenia", 0) ", " ANS("psych_depression", 0)), 7, NULL},
};
/* clang-format on */

static int passed, failed;

static void test_questionnaire__read(void **state)
{
    (void)state;
    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        const struct read_case *c = &cases[i];
        struct pp_instrument_answers a;
        struct pp_questionnaire_meta meta;
        struct pp_instrument_score s;
        struct pp_findings f;
        struct pp_policy p;
        struct pp_diag d;
        cJSON *root = NULL;
        enum pp_err rc;
        bool ok;

        pp_policy_init(&p);
        pp_diag_clear(&d);
        assert_int_equal(pp_json_parse(c->json, strlen(c->json), "case", &root, &d), PP_OK);
        pp_findings_init(&f);
        rc = pp_questionnaire_read(root, c->instrument ? pp_instrument_find(c->instrument) : NULL,
                                   &a, &meta, &d);
        if (!rc)
            rc = pp_instrument_score(&a, &p, &s, &f, &d);
        if (c->error_where)
            ok = rc == PP_ERR_INPUT && strcmp(d.where, c->error_where) == 0;
        else
            ok = rc == PP_OK && fabs(s.total - c->total) < 1e-9;
        if (ok) {
            passed++;
        } else {
            failed++;
            print_message("case %zu (%s): rc %d where '%s' what '%s'\n", i, c->rule, (int)rc,
                          d.where, d.what);
        }
        pp_findings_release(&f);
        cJSON_Delete(root);
    }
    assert_int_equal(failed, 0);
}

/* Read `json` for `instrument`, score it and write the Observations; returns the parsed array. */
static cJSON *observations_of(const char *instrument, const char *json)
{
    struct pp_instrument_answers a;
    struct pp_questionnaire_meta meta;
    struct pp_instrument_score s;
    struct pp_findings f;
    struct pp_policy p;
    struct pp_diag d;
    struct pp_buf b;
    cJSON *root = NULL, *out = NULL;

    pp_policy_init(&p);
    pp_findings_init(&f);
    pp_buf_init(&b, PP_BUF_UNLIMITED);
    assert_int_equal(pp_json_parse(json, strlen(json), "in", &root, &d), PP_OK);
    assert_int_equal(pp_questionnaire_read(root, pp_instrument_find(instrument), &a, &meta, &d),
                     PP_OK);
    assert_int_equal(pp_instrument_score(&a, &p, &s, &f, &d), PP_OK);
    pp_questionnaire_observations(&b, &s, &meta);
    assert_int_equal(pp_buf_status(&b), PP_OK);
    assert_int_equal(pp_json_parse(b.data, b.len, "out", &out, &d), PP_OK);
    pp_buf_release(&b);
    pp_findings_release(&f);
    cJSON_Delete(root);
    return out;
}

static const char *loinc_of(const cJSON *obs)
{
    const cJSON *coding = pp_json_arr(pp_json_obj(obs, "code"), "coding");
    return coding ? pp_json_str(cJSON_GetArrayItem(coding, 0), "code") : NULL;
}

static double value_of(const cJSON *obs)
{
    double v = NAN;
    assert_true(pp_json_num(pp_json_obj(obs, "valueQuantity"), "value", &v));
    return v;
}

/* INSTR-NO-LOINC: the total's Observation carries the sheet's LOINC code, or none. */
static void test_questionnaire__observations(void **state)
{
    cJSON *obs;
    (void)state;

    obs = observations_of("phq2", QR(ANS("1", 2) ", " ANS("2", 1)));
    assert_int_equal(cJSON_GetArraySize(obs), 1);
    assert_string_equal(loinc_of(cJSON_GetArrayItem(obs, 0)), "55758-7");
    assert_true(value_of(cJSON_GetArrayItem(obs, 0)) == 3);
    assert_string_equal(
        pp_json_str(pp_json_obj(cJSON_GetArrayItem(obs, 0), "subject"), "reference"), "Patient/p1");
    assert_string_equal(pp_json_str(cJSON_GetArrayItem(obs, 0), "effectiveDateTime"),
                        "2026-11-27T10:00:00Z");
    assert_string_equal(
        pp_json_str(cJSON_GetArrayItem(pp_json_arr(cJSON_GetArrayItem(obs, 0), "derivedFrom"), 0),
                    "reference"),
        "QuestionnaireResponse/qr1");
    cJSON_Delete(obs);
    passed++;

    obs = observations_of("gad2", QR(ANS("1", 2) ", " ANS("2", 1)));
    assert_null(loinc_of(cJSON_GetArrayItem(obs, 0)));
    assert_non_null(pp_json_arr(cJSON_GetArrayItem(obs, 0), "note"));
    assert_string_equal(
        pp_json_str(
            cJSON_GetArrayItem(pp_json_arr(cJSON_GetArrayItem(obs, 0), "interpretation"), 0),
            "text"),
        "positive screen");
    cJSON_Delete(obs);
    passed++;

    obs =
        observations_of("bpi", "{\"answers\": {\"3\": 8, \"4\": 2, \"5\": 5, \"6\": 5, \"9a\": 4, "
                               "\"9b\": 4, \"9c\": 4, \"9d\": 6}}");
    assert_int_equal(cJSON_GetArraySize(obs), 2);
    assert_null(loinc_of(cJSON_GetArrayItem(obs, 0)));
    assert_true(value_of(cJSON_GetArrayItem(obs, 0)) == 5);
    assert_string_equal(loinc_of(cJSON_GetArrayItem(obs, 1)), "77565-0");
    assert_true(value_of(cJSON_GetArrayItem(obs, 1)) == 4.5);
    assert_null(pp_json_obj(cJSON_GetArrayItem(obs, 0), "subject"));
    cJSON_Delete(obs);
    passed++;

    obs = observations_of("odi", "{\"answers\": {\"1\": 2, \"2\": 2, \"3\": 2, \"4\": 2, \"5\": 2, "
                                 "\"6\": 2, \"7\": 2, \"9\": 2, \"10\": 1}, \"subject\": "
                                 "\"Patient/x\"}");
    assert_string_equal(loinc_of(cJSON_GetArrayItem(obs, 0)), "97909-6");
    assert_true(fabs(value_of(cJSON_GetArrayItem(obs, 0)) - 37.78) < 1e-9); /* 17/45, 2 dp */
    assert_string_equal(
        pp_json_str(pp_json_obj(cJSON_GetArrayItem(obs, 0), "valueQuantity"), "unit"), "%");
    cJSON_Delete(obs);
    passed++;
}

static int teardown(void **state)
{
    (void)state;
    printf("questionnaire vignettes: %d passed, %d failed\n", passed, failed);
    return failed ? -1 : 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_questionnaire__read),
        cmocka_unit_test(test_questionnaire__observations),
    };
    return cmocka_run_group_tests(tests, NULL, teardown);
}
