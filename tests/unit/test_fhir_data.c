/*
 * test_fhir_data.c — the FHIR readers over third-party data in $PP_SHARED_DATA:
 * Synthea R4 bundles (smart-on-fhir/generated-sample-data), a Synthea bulk NDJSON
 * export (smart-on-fhir/sample-bulk-fhir-datasets), the CDC opioid CDS Hooks requests
 * and MME bundles (cqframework), the AHRQ pain summary bundles, and the CDC value sets.
 * Fails (never skips) when PP_SHARED_DATA is unset. Prints what it loaded.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clinical/drugs.h"
#include "clinical/terms.h"
#include "fhir/cds.h"
#include "fhir/load.h"
#include "fhir/patient_set.h"
#include "fhir/valueset.h"
#include "util/buf.h"

static const char *data_dir(const char *sub, char *buf, size_t size)
{
    const char *root = getenv("PP_SHARED_DATA");
    if (!root || !*root)
        fail_msg("PP_SHARED_DATA is not set: it must name ../shared/data");
    snprintf(buf, size, "%s/%s", root, sub);
    return buf;
}

static size_t loaded(const struct pp_patient_set *set, const char *type)
{
    const struct pp_fhir_type_count *tc = pp_fhir_patient_set_count(set, type);
    return tc ? tc->loaded : 0;
}

static void print_counts(const struct pp_patient_set *set)
{
    for (size_t i = 0; i < set->n_counts; i++) {
        const struct pp_fhir_type_count *tc = &set->counts[i];
        printf("    %-22s loaded %6zu  unsupported %5zu  no-patient %3zu  duplicate %3zu  "
               "id reused %3zu\n",
               tc->type, tc->loaded, tc->unsupported, tc->no_patient, tc->duplicate, tc->same_id);
    }
}

/* Every resource the set has seen, whatever became of it. */
static size_t seen(const struct pp_patient_set *set)
{
    size_t n = 0;
    for (size_t i = 0; i < set->n_counts; i++)
        n += set->counts[i].loaded + set->counts[i].unsupported + set->counts[i].no_patient +
             set->counts[i].duplicate;
    return n;
}

static size_t with_patient(const struct pp_patient_set *set)
{
    size_t n = 0;
    for (size_t i = 0; i < set->n_records; i++)
        n += set->records[i]->has_patient;
    return n;
}

/* Synthea R4: 185 transaction bundles, 183 patients (figures counted from the files). */
static void test_fhir__data_synthea_r4(void **state)
{
    char dir[1024];
    struct pp_patient_set set;
    struct pp_fhir_dir_report rep;
    struct pp_diag d;
    size_t with_dosage = 0, no_dosage = 0;
    (void)state;
    data_dir("synthea-r4", dir, sizeof(dir));
    pp_fhir_patient_set_init(&set);
    pp_diag_clear(&d);
    assert_int_equal(pp_fhir_load_dir(&set, dir, true, &rep, &d), PP_OK);
    if (rep.files_failed)
        printf("  first failure: %s: %s\n", d.where, d.what);
    assert_int_equal(pp_fhir_patient_set_finish(&set), 0);
    for (size_t i = 0; i < set.n_records; i++)
        for (size_t k = 0; k < set.records[i]->n_meds; k++) {
            with_dosage += set.records[i]->meds[k].n_dosages > 0;
            no_dosage += set.records[i]->meds[k].n_dosages == 0;
        }
    printf("synthea-r4: %zu/%zu bundles loaded, %zu patients, %zu resources (%zu read into "
           "records, the rest of types painpath does not read) [Synthea via "
           "smart-on-fhir/generated-sample-data]\n",
           rep.files_loaded, rep.files_loaded + rep.files_failed, with_patient(&set), seen(&set),
           pp_fhir_patient_set_loaded(&set));
    printf("  MedicationRequests: %zu (%zu with a dosage, %zu without)\n",
           loaded(&set, "MedicationRequest"), with_dosage, no_dosage);
    print_counts(&set);
    assert_int_equal(rep.files_loaded, 185);
    assert_int_equal(rep.files_failed, 0);
    assert_int_equal(set.n_records, 183);
    assert_int_equal(with_patient(&set), 183);
    assert_int_equal(loaded(&set, "MedicationRequest"), 1424);
    assert_int_equal(with_dosage, 630);
    assert_int_equal(loaded(&set, "Condition"), 1419);
    assert_int_equal(loaded(&set, "Observation"), 24223);
    assert_int_equal(loaded(&set, "Encounter"), 4806);
    assert_int_equal(loaded(&set, "Procedure"), 2800);
    assert_int_equal(loaded(&set, "CarePlan"), 584);
    assert_int_equal(pp_fhir_patient_set_count(&set, "Claim")->unsupported, 6230);
    pp_fhir_patient_set_release(&set);
}

/* Two loaders over alternate files, merged, hold what one loader over all files holds. */
static void test_fhir__data_synthea_parallel_merge(void **state)
{
    char dir[1024];
    struct pp_patient_set one, half[2];
    char **paths;
    size_t n;
    struct pp_diag d;
    (void)state;
    data_dir("synthea-r4", dir, sizeof(dir));
    assert_int_equal(pp_fhir_list_dir(dir, &paths, &n, NULL, &d), PP_OK);
    pp_fhir_patient_set_init(&one);
    pp_fhir_patient_set_init(&half[0]);
    pp_fhir_patient_set_init(&half[1]);
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(pp_fhir_load_file(&one, paths[i], &d), PP_OK);
        assert_int_equal(pp_fhir_load_file(&half[i % 2], paths[i], &d), PP_OK);
    }
    pp_fhir_patient_set_merge(&half[0], &half[1]);
    assert_int_equal(half[0].n_records, one.n_records);
    assert_int_equal(pp_fhir_patient_set_loaded(&half[0]), pp_fhir_patient_set_loaded(&one));
    for (size_t i = 0; i < one.n_records; i++) {
        const struct pp_record *a = one.records[i];
        const struct pp_record *b = pp_fhir_patient_set_find(&half[0], a->patient.id);
        assert_non_null(b);
        assert_int_equal(a->n_meds, b->n_meds);
        assert_int_equal(a->n_observations, b->n_observations);
        assert_int_equal(a->n_conditions, b->n_conditions);
    }
    printf("synthea-r4: 2 half sets merged = one set: %zu patients, %zu resources\n",
           half[0].n_records, pp_fhir_patient_set_loaded(&half[0]));
    pp_fhir_patient_set_release(&half[0]);
    pp_fhir_patient_set_release(&half[1]);
    pp_fhir_patient_set_release(&one);
    pp_fhir_paths_free(paths, n);
}

/* The bulk NDJSON export: one file per type; its log.ndjson is the client's log. */
static void test_fhir__data_synthea_bulk_ndjson(void **state)
{
    char dir[1024];
    struct pp_patient_set set;
    struct pp_fhir_dir_report rep;
    struct pp_diag d;
    (void)state;
    data_dir("synthea-bulk-ndjson", dir, sizeof(dir));
    pp_fhir_patient_set_init(&set);
    if (pp_fhir_load_dir(&set, dir, false, &rep, &d) != PP_OK)
        fail_msg("%s: %s", d.where, d.what);
    (void)pp_fhir_patient_set_finish(&set);
    printf("synthea-bulk-ndjson: %zu files loaded, 0 errors, %zu skipped (export log), %zu "
           "patients, %zu resources (%zu read into records) [smart-on-fhir/"
           "sample-bulk-fhir-datasets]\n",
           rep.files_loaded, rep.files_skipped, with_patient(&set), seen(&set),
           pp_fhir_patient_set_loaded(&set));
    print_counts(&set);
    assert_int_equal(rep.files_loaded, 13);
    assert_int_equal(rep.files_skipped, 1);
    assert_int_equal(with_patient(&set), 13);
    assert_int_equal(set.n_records, 13);
    assert_int_equal(loaded(&set, "MedicationRequest"), 1745);
    assert_int_equal(loaded(&set, "Condition"), 555);
    assert_int_equal(loaded(&set, "Procedure"), 2056);
    assert_int_equal(loaded(&set, "Encounter"), 1215);
    pp_fhir_patient_set_release(&set);
}

/* Every CDS Hooks request of the CDC opioid examples parses (FIXLOG.tsv is not one). */
static void test_fhir__data_opioid_cds_requests(void **state)
{
    char dir[1024];
    char **paths;
    size_t n, ok = 0, drafts = 0, selected = 0, unmatched = 0, prefetch = 0, meds = 0;
    size_t copies = 0, reused = 0;
    struct pp_diag d;
    (void)state;
    data_dir("opioid-cds-r4/requests", dir, sizeof(dir));
    assert_int_equal(pp_fhir_list_dir(dir, &paths, &n, NULL, &d), PP_OK);
    for (size_t i = 0; i < n; i++) {
        struct pp_patient_set set;
        struct pp_cds_request req;
        struct pp_buf b;
        const struct pp_record *r;
        pp_fhir_patient_set_init(&set);
        pp_fhir_cds_request_init(&req);
        pp_buf_init(&b, PP_FHIR_MAX_FILE);
        assert_int_equal(pp_buf_read_file(&b, paths[i], &d), PP_OK);
        if (pp_fhir_cds_load_text(&set, b.data, b.len, paths[i], &req, &d) != PP_OK) {
            printf("  FAILED %s: %s\n", d.where, d.what);
        } else {
            r = pp_fhir_patient_set_find(&set, req.patient_id);
            assert_non_null(r);
            assert_int_equal(set.n_records, 1);
            assert_non_null(req.hook);
            for (size_t k = 0; k < r->n_meds; k++)
                if (r->meds[k].is_draft_order)
                    assert_true(strchr(r->meds[k].id, '/') == NULL);
            ok++;
            drafts += req.n_draft_orders;
            selected += req.n_selected;
            unmatched += req.n_unmatched_selections;
            prefetch += req.n_prefetch;
            meds += r->n_meds;
            for (size_t k = 0; k < set.n_counts; k++) {
                copies += set.counts[k].duplicate;
                reused += set.counts[k].same_id;
            }
        }
        pp_buf_release(&b);
        pp_fhir_cds_request_release(&req);
        pp_fhir_patient_set_release(&set);
    }
    printf("opioid-cds-r4 requests: %zu/%zu parsed as CDS Hooks requests "
           "[cqframework/opioid-cds-r4]; %zu draft orders (%zu selected), %zu prefetch entries, "
           "%zu medications, "
           "%zu selections naming no draft order, %zu repeated copies kept once, %zu "
           "different resources reusing an id\n",
           ok, n, drafts, selected, prefetch, meds, unmatched, copies, reused);
    assert_int_equal(n, 66);
    assert_int_equal(ok, n);
    pp_fhir_paths_free(paths, n);
}

/* A folder of bundles that must all load; returns the set (caller releases). */
static void load_bundles(const char *sub, const char *source, size_t want_files,
                         struct pp_patient_set *set)
{
    char dir[1024];
    struct pp_fhir_dir_report rep;
    struct pp_diag d;
    data_dir(sub, dir, sizeof(dir));
    pp_fhir_patient_set_init(set);
    if (pp_fhir_load_dir(set, dir, false, &rep, &d) != PP_OK)
        fail_msg("%s: %s", d.where, d.what);
    (void)pp_fhir_patient_set_finish(set);
    printf("%s: %zu/%zu bundles loaded, %zu patients, %zu resources, %zu MedicationRequests "
           "[%s]\n",
           sub, rep.files_loaded, want_files, with_patient(set), seen(set),
           loaded(set, "MedicationRequest"), source);
    assert_int_equal(rep.files_loaded, want_files);
}

static void test_fhir__data_opioid_mme_bundles(void **state)
{
    struct pp_patient_set set;
    (void)state;
    load_bundles("opioid-mme-r4/bundles", "cqframework/opioid-mme-r4", 5, &set);
    assert_int_equal(with_patient(&set), 5);
    assert_int_equal(loaded(&set, "MedicationRequest"), 4);
    pp_fhir_patient_set_release(&set);
}

static void test_fhir__data_pain_summary_bundles(void **state)
{
    struct pp_patient_set set;
    (void)state;
    load_bundles("pain-summary-r4/bundles", "AHRQ CQL Testing Framework, pain_r4", 9, &set);
    print_counts(&set);
    /* four bundles are one patient's variations: identical resources are kept once,
     * others reusing an id are kept as well */
    assert_int_equal(loaded(&set, "MedicationStatement") +
                         pp_fhir_patient_set_count(&set, "MedicationStatement")->duplicate,
                     10);
    assert_int_equal(loaded(&set, "Observation") +
                         pp_fhir_patient_set_count(&set, "Observation")->duplicate,
                     23);
    assert_int_equal(set.n_records, 6);
    pp_fhir_patient_set_release(&set);
}

static void test_fhir__data_valuesets(void **state)
{
    char dir[1024];
    struct pp_terms terms;
    struct pp_drug_codes codes;
    struct pp_fhir_valueset_report rep = {0};
    struct pp_diag d;
    (void)state;
    data_dir("valuesets", dir, sizeof(dir));
    pp_terms_init(&terms);
    pp_drug_codes_init(&codes);
    if (pp_fhir_valuesets_load_dir(dir, &terms, &codes, &rep, &d) != PP_OK)
        fail_msg("%s: %s", d.where, d.what);
    printf("valuesets: %zu files, %zu sets loaded, %zu unknown (ignored), %zu concept-set "
           "codes, %zu RxNorm medication codes [cqframework/opioid-cds-r4]\n",
           rep.files, rep.sets_loaded, rep.sets_unknown, rep.term_codes, rep.drug_codes);
    assert_int_equal(rep.files, 61);
    assert_int_equal(rep.sets_loaded + rep.sets_unknown, 61);
    assert_true(rep.sets_loaded >= 40);
    assert_true(rep.drug_codes > 1000);
    /* alprazolam 0.25 MG Oral Tablet is in benzodiazepine-medications */
    assert_true(pp_drug_codes_lookup(&codes, "308047", 6) & PP_DRUG_BENZODIAZEPINE);
    assert_true(terms.n > 1000);
    pp_drug_codes_release(&codes);
    pp_terms_release(&terms);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fhir__data_synthea_r4),
        cmocka_unit_test(test_fhir__data_synthea_parallel_merge),
        cmocka_unit_test(test_fhir__data_synthea_bulk_ndjson),
        cmocka_unit_test(test_fhir__data_opioid_cds_requests),
        cmocka_unit_test(test_fhir__data_opioid_mme_bundles),
        cmocka_unit_test(test_fhir__data_pain_summary_bundles),
        cmocka_unit_test(test_fhir__data_valuesets),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
