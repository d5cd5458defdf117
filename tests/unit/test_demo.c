/*
 * test_demo.c — the demo clinic (cli/demo.c, `painpath demo`): reproducible for a seed,
 * N patients, every resource read by the FHIR loader with zero errors, every CDC22-* and
 * PRACTICE-* opioid rule raised at least once, and a second run without --force refused.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "cli/cli.h"
#include "cli/demo.h"
#include "clinical/drugs.h"
#include "clinical/finding.h"
#include "clinical/mme.h"
#include "clinical/opioid.h"
#include "clinical/policy.h"
#include "clinical/terms.h"
#include "fhir/load.h"
#include "fhir/patient_set.h"
#include "store/store.h"

static int passed, failed;

static void tally(int ok)
{
    if (ok)
        passed++;
    else
        failed++;
}

#define NOW_TEXT "2026-11-27"

static pp_day demo_now(void)
{
    pp_day d = PP_DAY_NONE;
    struct pp_diag diag;
    assert_int_equal(pp_day_parse(NOW_TEXT, 10, &d, &diag), PP_OK);
    return d;
}

static char *bundle_text(int patients, uint64_t seed)
{
    cJSON *b = pp_demo_bundle(patients, seed, demo_now());
    char *text = cJSON_PrintUnformatted(b);
    cJSON_Delete(b);
    assert_non_null(text);
    return text;
}

static size_t count_type(const cJSON *bundle, const char *type)
{
    size_t n = 0;
    const cJSON *e;
    cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(bundle, "entry"))
    {
        const cJSON *t = cJSON_GetObjectItemCaseSensitive(
            cJSON_GetObjectItemCaseSensitive(e, "resource"), "resourceType");
        if (cJSON_IsString(t) && strcmp(t->valuestring, type) == 0)
            n++;
    }
    return n;
}

/* Same seed, same clinic (byte for byte); another seed, another clinic. */
static void test_demo__reproducible_for_a_seed(void **state)
{
    char *a = bundle_text(40, PP_DEMO_DEFAULT_SEED), *b = bundle_text(40, PP_DEMO_DEFAULT_SEED);
    char *c = bundle_text(40, PP_DEMO_DEFAULT_SEED + 1);
    (void)state;
    tally(strcmp(a, b) == 0);
    tally(strcmp(a, c) != 0);
    assert_string_equal(a, b);
    assert_string_not_equal(a, c);
    free(a);
    free(b);
    free(c);
}

/* N patients, each with its own record once loaded, for small and large N. */
static void test_demo__n_patients(void **state)
{
    static const int ns[] = {1, PP_DEMO_SCENARIOS, 40, 101};
    (void)state;
    for (size_t i = 0; i < sizeof(ns) / sizeof(ns[0]); i++) {
        cJSON *b = pp_demo_bundle(ns[i], 7, demo_now());
        struct pp_patient_set set;
        struct pp_diag d;
        size_t n = count_type(b, "Patient");
        pp_fhir_patient_set_init(&set);
        pp_diag_clear(&d);
        assert_int_equal(pp_fhir_load_json(&set, b, "demo", &d), PP_OK);
        pp_fhir_patient_set_finish(&set);
        tally(n == (size_t)ns[i] && set.n_records == (size_t)ns[i]);
        assert_int_equal(n, ns[i]);
        assert_int_equal(set.n_records, ns[i]);
        pp_fhir_patient_set_release(&set);
        cJSON_Delete(b);
    }
}

/* Every resource of a record type is loaded (no duplicate, no orphan); the other types
 * (Organization, Practitioner, Slot...) are only counted as unsupported by the reader. */
static void test_demo__loads_with_zero_errors(void **state)
{
    cJSON *b = pp_demo_bundle(40, PP_DEMO_DEFAULT_SEED, demo_now());
    struct pp_patient_set set;
    struct pp_diag d;
    enum pp_err e;
    (void)state;
    pp_fhir_patient_set_init(&set);
    pp_diag_clear(&d);
    e = pp_fhir_load_json(&set, b, "demo", &d);
    if (e != PP_OK)
        fprintf(stderr, "demo: %s: %s\n", d.where, d.what);
    tally(e == PP_OK);
    assert_int_equal(e, PP_OK);
    pp_fhir_patient_set_finish(&set);
    for (size_t i = 0; i < set.n_counts; i++) {
        const struct pp_fhir_type_count *c = &set.counts[i];
        tally(c->no_patient == 0 && c->duplicate == 0);
        assert_int_equal(c->no_patient, 0);
        assert_int_equal(c->duplicate, 0);
        if (c->unsupported == 0) {
            tally(c->loaded == count_type(b, c->type));
            assert_int_equal(c->loaded, count_type(b, c->type));
        }
    }
    pp_fhir_patient_set_release(&set);
    cJSON_Delete(b);
}

struct rule_seen {
    const char *ids[64];
    size_t n;
};

static void note_findings(struct rule_seen *seen, const struct pp_findings *fs)
{
    for (size_t i = 0; i < fs->n; i++) {
        bool have = false;
        for (size_t k = 0; k < seen->n; k++)
            have |= strcmp(seen->ids[k], fs->items[i].rule_id) == 0;
        if (!have && seen->n < 64) {
            const struct pp_opioid_rule *r = pp_opioid_rule_find(fs->items[i].rule_id);
            if (r)
                seen->ids[seen->n++] = r->id; /* static storage */
        }
    }
}

static void evaluate(const struct pp_record *r, const struct pp_opioid_context *ctx,
                     const struct pp_policy *p, const struct pp_terms *t,
                     const struct pp_drug_codes *codes, struct rule_seen *seen)
{
    struct pp_mme_result res;
    struct pp_findings fs;
    pp_mme_result_init(&res);
    pp_findings_init(&fs);
    assert_int_equal(pp_mme_compute(r, demo_now(), p, codes, &res), PP_OK);
    pp_opioid_evaluate(r, demo_now(), p, t, &res, ctx, &fs);
    note_findings(seen, &fs);
    pp_findings_release(&fs);
    pp_mme_result_release(&res);
}

/*
 * Every CDC22-* and PRACTICE-* rule fires at least once: on patient-view over every patient
 * (what `painpath check` does), plus order-sign for the scenario orders of the rules that run
 * only when an order is signed (CDC22-REC01, -REC02, -REC06, PRACTICE-SHORT-COURSE):
 * demo-pt-009's 10-day acute hydrocodone course and demo-pt-004's long-acting morphine start.
 */
static void test_demo__every_opioid_rule_fires(void **state)
{
    cJSON *b = pp_demo_bundle(40, PP_DEMO_DEFAULT_SEED, demo_now());
    struct pp_patient_set set;
    struct pp_policy p;
    struct pp_terms t;
    struct pp_drug_codes codes;
    struct pp_diag d;
    struct rule_seen pv, all;
    const struct pp_opioid_rule *rules;
    size_t n_rules;
    static const char *const acute[] = {"demo-pt-009-med-1"};
    static const char *const er_start[] = {"demo-pt-004-med-1"};
    const struct pp_opioid_context view = {PP_OPIOID_PATIENT_VIEW, NULL, 0};
    const struct pp_opioid_context sign_acute = {PP_OPIOID_ORDER_SIGN, acute, 1};
    const struct pp_opioid_context sign_er = {PP_OPIOID_ORDER_SIGN, er_start, 1};
    (void)state;

    memset(&pv, 0, sizeof(pv));
    memset(&all, 0, sizeof(all));
    pp_policy_init(&p);
    pp_terms_init_builtin(&t);
    pp_drug_codes_init(&codes);
    pp_fhir_patient_set_init(&set);
    pp_diag_clear(&d);
    assert_int_equal(pp_fhir_load_json(&set, b, "demo", &d), PP_OK);
    pp_fhir_patient_set_finish(&set);
    for (size_t i = 0; i < set.n_records; i++) {
        evaluate(set.records[i], &view, &p, &t, &codes, &pv);
        evaluate(set.records[i], &view, &p, &t, &codes, &all);
    }
    evaluate(pp_fhir_patient_set_find(&set, "demo-pt-009"), &sign_acute, &p, &t, &codes, &all);
    evaluate(pp_fhir_patient_set_find(&set, "demo-pt-004"), &sign_er, &p, &t, &codes, &all);

    rules = pp_opioid_rules(&n_rules);
    for (size_t i = 0; i < n_rules; i++) {
        const char *id = rules[i].id;
        bool fired = false, on_view = false;
        if (strncmp(id, "CDC22-", 6) != 0 && strncmp(id, "PRACTICE-", 9) != 0)
            continue;
        for (size_t k = 0; k < all.n; k++)
            fired |= strcmp(all.ids[k], id) == 0;
        for (size_t k = 0; k < pv.n; k++)
            on_view |= strcmp(pv.ids[k], id) == 0;
        /* a rule that runs on patient-view must fire there (painpath check sees it) */
        if (rules[i].hooks & PP_OPIOID_HOOK_BIT(PP_OPIOID_PATIENT_VIEW))
            fired = fired && on_view;
        if (!fired)
            fprintf(stderr, "demo: rule %s never fires\n", id);
        tally(fired);
        assert_true(fired);
    }
    pp_fhir_patient_set_release(&set);
    pp_drug_codes_release(&codes);
    pp_terms_release(&t);
    cJSON_Delete(b);
}

static size_t store_count(const char *db, const char *type)
{
    struct pp_store *s;
    struct pp_diag d;
    size_t n = 0;
    assert_int_equal(pp_store_open(db, &s, &d), PP_OK);
    assert_int_equal(pp_store_count(s, type, &n, &d), PP_OK);
    pp_store_close(s);
    return n;
}

/* The command: N patients in the store; a second run without --force is refused (exit 2)
 * and changes nothing; bad arguments are usage errors. */
static void test_demo__command_refuses_a_second_run(void **state)
{
    char dir[] = "/tmp/pp-test-demo-XXXXXX", db[64];
    char *a1[] = {"demo", "--db", db, "--patients", "15", "--now", NOW_TEXT, NULL};
    char *a2[] = {"demo", "--db", db, "--patients", "3", "--now", NOW_TEXT, NULL};
    char *bad[] = {"demo", "--db", db, "--patients", "0", NULL};
    size_t total;
    (void)state;
    assert_non_null(mkdtemp(dir));
    snprintf(db, sizeof(db), "%s/demo.db", dir);
    tally(pp_cmd_demo(7, a1) == 0);
    tally(store_count(db, "Patient") == 15);
    assert_int_equal(store_count(db, "Patient"), 15);
    total = store_count(db, NULL);
    tally(pp_cmd_demo(7, a2) == 2);
    assert_int_equal(pp_cmd_demo(7, a2), 2);
    tally(store_count(db, NULL) == total);
    assert_int_equal(store_count(db, NULL), total);
    tally(pp_cmd_demo(5, bad) == 2);
    assert_int_equal(pp_cmd_demo(5, bad), 2);
    unlink(db);
    snprintf(db, sizeof(db), "%s/demo.db-wal", dir);
    unlink(db);
    snprintf(db, sizeof(db), "%s/demo.db-shm", dir);
    unlink(db);
    rmdir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_demo__reproducible_for_a_seed),
        cmocka_unit_test(test_demo__n_patients),
        cmocka_unit_test(test_demo__loads_with_zero_errors),
        cmocka_unit_test(test_demo__every_opioid_rule_fires),
        cmocka_unit_test(test_demo__command_refuses_a_second_run),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    printf("demo: %d passed, %d failed\n", passed, failed);
    return rc;
}
