/*
 * test_policy.c — the threshold table: every default as CLINICAL-FACTS states
 * it, every key documented with a source, JSON overrides, and refusals that
 * name the key and leave the policy unchanged.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "clinical/policy.h"

/* The defaults as the fact sheet gives them (CLINICAL-FACTS §1.1, §1.2, §1.4). */
/* one row per line: the formatter would spread each row over many */
/* clang-format off */
static const struct {
    const char *key;
    double value;
} defaults[] = {
    {"mme_table", 2022},           {"mme_caution", 50},           {"mme_high", 90},
    {"naloxone_mme", 50},          {"adult_age_years", 18},       {"cancer_encounter_count", 2},
    {"cancer_lookback_months", 12}, {"acute_supply_days", 28},    {"naive_lookback_days", 90},
    {"naive_exclude_days", 1},     {"rec07_window_days", 10},     {"rec07_min_days", 7},
    {"rec07_long_window_days", 90}, {"rec07_long_min_days", 63},  {"rec07_reassess_days", 90},
    {"pdmp_lookback_days", 90},    {"uds_lookback_months", 12},   {"cdc_acute_max_days", 7},
    {"practice_short_course_max_days", 7}, {"er_tolerance_morphine_mg", 60},
    {"er_tolerance_oxycodone_mg", 30},     {"er_tolerance_days", 7},
    {"early_refill_grace_days", 0},
};
/* clang-format on */

static void test_policy__defaults_match_the_fact_sheet(void **state)
{
    struct pp_policy p;
    (void)state;
    pp_policy_init(&p);
    for (size_t i = 0; i < sizeof(defaults) / sizeof(defaults[0]); i++) {
        double v = -1;
        assert_true(pp_policy_get(&p, defaults[i].key, &v));
        if (v != defaults[i].value) {
            print_error("%s = %g, want %g\n", defaults[i].key, v, defaults[i].value);
            fail();
        }
    }
    assert_false(pp_policy_get(&p, "no_such_key", &(double){0}));
}

static void test_policy__every_key_has_a_source(void **state)
{
    (void)state;
    assert_true(pp_policy_key_count() >= sizeof(defaults) / sizeof(defaults[0]));
    for (size_t i = 0; i < pp_policy_key_count(); i++) {
        const struct pp_policy_key *k = pp_policy_key_at(i);
        assert_non_null(k);
        assert_true(strlen(k->source) > 0 && strlen(k->meaning) > 0 && strlen(k->unit) > 0);
        /* a key without an H/M fact row must say so */
        if (!strstr(k->source, "CLINICAL-FACTS"))
            assert_true(k->unconfirmed);
    }
    assert_null(pp_policy_key_at(pp_policy_key_count()));
}

static void test_policy__override(void **state)
{
    struct pp_policy p;
    struct pp_diag d;
    const char *json = "{\"mme_caution\": 40, \"practice_short_course_max_days\": 5, "
                       "\"mme_table\": \"cdc2016\"}";
    (void)state;
    pp_policy_init(&p);
    assert_int_equal(pp_policy_load_json(&p, json, strlen(json), "p.json", &d), PP_OK);
    assert_true(p.mme_caution == 40);
    assert_int_equal(p.practice_short_course_max_days, 5);
    assert_int_equal(p.mme_table, PP_MME_TABLE_CDC2016);
    assert_true(p.mme_high == 90); /* untouched keys keep their defaults */
}

static void test_policy__refusals_name_the_key_and_change_nothing(void **state)
{
    static const struct {
        const char *json;
        const char *where;
        const char *what;
    } bad[] = {
        {"{\"mme_caution\": 40, \"mme_cuation\": 45}", "mme_cuation", "unknown policy key"},
        {"{\"mme_caution\": \"fifty\"}", "mme_caution", "expected a number"},
        {"{\"adult_age_years\": 17.5}", "adult_age_years", "whole number"},
        {"{\"mme_caution\": 0}", "mme_caution", "out of range"},
        {"{\"mme_table\": \"cdc2019\"}", "mme_table", "cdc2022"},
        {"[1, 2]", "p.json", "JSON object"},
        {"{\"mme_caution\": 40,}", "p.json:1:", "string key"},
    };
    (void)state;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct pp_policy p, before;
        struct pp_diag d;
        pp_policy_init(&p);
        before = p;
        assert_int_equal(pp_policy_load_json(&p, bad[i].json, strlen(bad[i].json), "p.json", &d),
                         PP_ERR_INPUT);
        if (!strstr(d.where, bad[i].where) || !strstr(d.what, bad[i].what)) {
            print_error("case %zu: %s: %s\n", i, d.where, d.what);
            fail();
        }
        assert_memory_equal(&p, &before, sizeof(p));
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_policy__defaults_match_the_fact_sheet),
        cmocka_unit_test(test_policy__every_key_has_a_source),
        cmocka_unit_test(test_policy__override),
        cmocka_unit_test(test_policy__refusals_name_the_key_and_change_nothing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
