/*
 * test_fhir_elements.c — how the reader presents FHIR elements that have no
 * field of their own in struct pp_record: Observation.issued (the date when
 * effective[x] is absent), Observation.component (one observation each), and
 * Encounter.reasonCode (an encounter-diagnosis Condition).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "fhir/load.h"

static const char bundle[] =
    "{\"resourceType\": \"Bundle\", \"type\": \"collection\", \"entry\": ["
    " {\"resource\": {\"resourceType\": \"Patient\", \"id\": \"p1\"}},"
    " {\"resource\": {\"resourceType\": \"Observation\", \"id\": \"peg1\", \"status\": \"final\","
    "   \"subject\": {\"reference\": \"Patient/p1\"}, \"issued\": \"2018-10-09T16:00:00Z\","
    "   \"code\": {\"coding\": [{\"system\": \"http://loinc.org\", \"code\": \"91148-7\"}]},"
    "   \"component\": ["
    "     {\"code\": {\"coding\": [{\"system\": \"http://loinc.org\", \"code\": \"75893-8\"}]},"
    "      \"valueInteger\": 7},"
    "     {\"code\": {\"coding\": [{\"system\": \"http://loinc.org\", \"code\": \"91145-3\"}]},"
    "      \"valueQuantity\": {\"value\": 6}}]}},"
    " {\"resource\": {\"resourceType\": \"Encounter\", \"id\": \"e1\", \"status\": \"finished\","
    "   \"subject\": {\"reference\": \"Patient/p1\"}, \"period\": {\"start\": \"2018-06-01\"},"
    "   \"reasonCode\": [{\"coding\": [{\"system\": \"http://snomed.info/sct\","
    "     \"code\": \"82313006\"}]}]}}]}";

static void test_fhir_elements__issued_components_and_reasons(void **state)
{
    struct pp_patient_set set;
    struct pp_diag d;
    struct pp_record *r;
    (void)state;

    pp_fhir_patient_set_init(&set);
    assert_int_equal(pp_fhir_load_json_text(&set, bundle, strlen(bundle), "b.json", &d), PP_OK);
    r = pp_fhir_patient_set_find(&set, "p1");
    assert_non_null(r);
    /* the panel and its two components */
    assert_int_equal(r->n_observations, 3);
    assert_int_equal(r->observations[0].effective, pp_day_from_ymd(2018, 10, 9));
    assert_string_equal(r->observations[1].id, "peg1-component-1");
    assert_true(pp_concept_has(&r->observations[1].code, PP_SYS_LOINC, "75893-8"));
    assert_true(r->observations[1].value_quantity.present);
    assert_true(r->observations[1].value_quantity.value == 7);
    assert_int_equal(r->observations[1].effective, pp_day_from_ymd(2018, 10, 9));
    assert_string_equal(r->observations[1].status, "final");
    assert_true(r->observations[2].value_quantity.value == 6);
    /* the encounter's reason as an encounter diagnosis of its date */
    assert_int_equal(r->n_conditions, 1);
    assert_string_equal(r->conditions[0].id, "e1-reason-1");
    assert_string_equal(r->conditions[0].category, "encounter-diagnosis");
    assert_int_equal(r->conditions[0].onset, pp_day_from_ymd(2018, 6, 1));
    assert_true(pp_concept_has(&r->conditions[0].code, PP_SYS_SNOMED, "82313006"));
    pp_fhir_patient_set_release(&set);
}

static void test_fhir_elements__bad_component_names_its_path(void **state)
{
    static const char bad[] =
        "{\"resourceType\": \"Observation\", \"id\": \"o1\", \"status\": \"final\","
        " \"subject\": {\"reference\": \"Patient/p1\"},"
        " \"code\": {\"text\": \"panel\"},"
        " \"component\": [{\"code\": {\"text\": \"a\"}, \"valueInteger\": \"seven\"}]}";
    struct pp_patient_set set;
    struct pp_diag d;
    (void)state;

    pp_fhir_patient_set_init(&set);
    assert_int_equal(pp_fhir_load_json_text(&set, bad, strlen(bad), "o.json", &d), PP_ERR_INPUT);
    if (!strstr(d.where, "component[0].valueInteger")) {
        print_error("where: %s (%s)\n", d.where, d.what);
        fail();
    }
    assert_int_equal(set.n_records, 0); /* nothing half-loaded */
    pp_fhir_patient_set_release(&set);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fhir_elements__issued_components_and_reasons),
        cmocka_unit_test(test_fhir_elements__bad_component_names_its_path),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
