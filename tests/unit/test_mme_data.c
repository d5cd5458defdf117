/*
 * test_mme_data.c — MME against third-party data in $PP_SHARED_DATA:
 *  - cqframework/opioid-mme-r4: the four expected totals exactly (20, 180,
 *    30, 30) and none for the patient without medication;
 *  - Synthea R4 (smart-on-fhir generated sample data): every bundle loads and
 *    every opioid order gets an MME or an explicit status, counted per status.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "clinical/mme.h"
#include "fhir/load.h"
#include "util/buf.h"
#include "util/json.h"

static const char *data_dir(void)
{
    const char *d = getenv("PP_SHARED_DATA");
    if (!d || !*d) {
        print_error("PP_SHARED_DATA is not set: the third-party data tests cannot run\n");
        fail();
    }
    return d;
}

/*
 * The bundles' validity periods are written relative to the day they are run
 * (a cqf-expression "Today() .. Today() + 6 months"); MME depends only on the
 * order being active, so any day works. 2020-11-01 lies inside the stated periods.
 */
static void test_mme_data__opioid_mme_r4_totals(void **state)
{
    char path[1024];
    struct pp_buf b;
    struct pp_diag d;
    cJSON *expected = NULL;
    const cJSON *c;
    size_t passed = 0, total = 0;
    struct pp_policy p;
    (void)state;

    pp_policy_init(&p);
    snprintf(path, sizeof(path), "%s/opioid-mme-r4/expected-TotalMME.json", data_dir());
    pp_buf_init(&b, PP_BUF_UNLIMITED);
    assert_int_equal(pp_buf_read_file(&b, path, &d), PP_OK);
    assert_int_equal(pp_json_parse(b.data, b.len, path, &expected, &d), PP_OK);
    cJSON_ArrayForEach(c, expected)
    {
        const char *name = pp_json_str(c, "case");
        const cJSON *exp = cJSON_GetObjectItemCaseSensitive(c, "expected");
        const cJSON *res_list = pp_json_arr(c, "resources");
        const char *patient_id = NULL;
        const cJSON *ref;
        struct pp_patient_set set;
        struct pp_record *r;
        struct pp_mme_result res;
        double want = NAN, got;
        bool ok;

        assert_non_null(name);
        cJSON_ArrayForEach(ref, res_list)
        {
            if (cJSON_IsString(ref) && strncmp(ref->valuestring, "Patient/", 8) == 0)
                patient_id = ref->valuestring + 8;
        }
        assert_non_null(patient_id);
        if (cJSON_IsObject(exp))
            assert_true(pp_json_num(pp_json_obj(exp, "TotalMME"), "value", &want));
        snprintf(path, sizeof(path), "%s/opioid-mme-r4/bundles/%s.json", data_dir(), name);
        pp_fhir_patient_set_init(&set);
        if (pp_fhir_load_file(&set, path, &d) != PP_OK) {
            print_error("%s: %s: %s\n", name, d.where, d.what);
            fail();
        }
        (void)pp_fhir_patient_set_finish(&set);
        r = pp_fhir_patient_set_get(&set, patient_id);
        pp_mme_result_init(&res);
        assert_int_equal(pp_mme_compute(r, pp_day_from_ymd(2020, 11, 1), &p, NULL, &res), PP_OK);
        got = res.total;
        if (isnan(want))
            ok = isnan(got) && res.n_orders == 0;
        else
            ok = isfinite(got) && fabs(got - want) < 1e-9 && res.complete;
        printf("opioid-mme-r4 %-32s expected %-6g got %-8g %s\n", name, want, got,
               ok ? "ok" : "FAILED");
        total++;
        passed += ok;
        pp_mme_result_release(&res);
        pp_fhir_patient_set_release(&set);
    }
    printf("opioid-mme-r4 (cqframework): %zu passed, %zu failed\n", passed, total - passed);
    assert_int_equal(total, 5);
    assert_int_equal(passed, total);
    cJSON_Delete(expected);
    pp_buf_release(&b);
}

static void test_mme_data__synthea_every_opioid_order_has_mme_or_status(void **state)
{
    char dir[1024];
    struct pp_patient_set set;
    struct pp_fhir_dir_report rep = {0};
    struct pp_diag d;
    struct pp_policy p;
    size_t per_status[PP_MME_NOT_ACTIVE + 1] = {0};
    size_t orders = 0, patients_with_opioids = 0, incomplete = 0;
    (void)state;

    pp_policy_init(&p);
    snprintf(dir, sizeof(dir), "%s/synthea-r4", data_dir());
    pp_fhir_patient_set_init(&set);
    if (pp_fhir_load_dir(&set, dir, false, &rep, &d) != PP_OK) {
        print_error("synthea-r4: %s: %s\n", d.where, d.what);
        fail();
    }
    (void)pp_fhir_patient_set_finish(&set);
    printf("synthea-r4 (Synthea via smart-on-fhir): %zu files loaded, %zu patients\n",
           rep.files_loaded, set.n_records);
    assert_int_equal(rep.files_loaded, 185);
    for (size_t i = 0; i < set.n_records; i++) {
        struct pp_mme_result res;
        pp_mme_result_init(&res);
        assert_int_equal(
            pp_mme_compute(set.records[i], pp_day_from_ymd(2026, 11, 27), &p, NULL, &res), PP_OK);
        if (res.n_orders)
            patients_with_opioids++;
        if (!res.complete)
            incomplete++;
        for (size_t k = 0; k < res.n_orders; k++) {
            const struct pp_mme_order *o = &res.orders[k];
            orders++;
            per_status[o->status]++;
            if (o->status == PP_MME_COUNTED) {
                assert_true(isfinite(o->mme_per_day) && o->mme_per_day > 0);
            } else {
                /* never a silent zero: no number, and a reason */
                assert_true(isnan(o->mme_per_day));
                assert_true(o->reason[0] != '\0');
            }
        }
        pp_mme_result_release(&res);
    }
    printf("synthea-r4 opioid orders: %zu in %zu patients (%zu with an incomplete total)\n", orders,
           patients_with_opioids, incomplete);
    for (int s = 0; s <= PP_MME_NOT_ACTIVE; s++)
        printf("  %-22s %zu\n", pp_mme_status_name((enum pp_mme_status)s), per_status[s]);
    /* the data set README: 224 opioid MedicationRequests in 72 patients */
    assert_int_equal(orders, 224);
    assert_int_equal(patients_with_opioids, 72);
    printf("synthea-r4 opioid orders with an MME or a status: %zu passed, 0 failed\n", orders);
    pp_fhir_patient_set_release(&set);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mme_data__opioid_mme_r4_totals),
        cmocka_unit_test(test_mme_data__synthea_every_opioid_order_has_mme_or_status),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
