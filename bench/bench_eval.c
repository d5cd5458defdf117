/*
 * bench_eval.c — in-memory evaluation per patient, parsing excluded: load a
 * directory of FHIR files once, then time MME + every opioid finding for each
 * patient (patient-view), repeated, and print the median and p99 over
 * patients of each patient's fastest-of-N time.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clinical/finding.h"
#include "clinical/mme.h"
#include "clinical/opioid.h"
#include "clinical/policy.h"
#include "clinical/terms.h"
#include "fhir/load.h"
#include "util/alloc.h"

#define REPEATS 21

static double now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
    struct pp_patient_set set;
    struct pp_diag d;
    struct pp_policy policy;
    struct pp_terms terms;
    struct pp_drug_codes codes;
    struct pp_opioid_context ctx = {PP_OPIOID_PATIENT_VIEW, NULL, 0};
    pp_day now = pp_day_from_ymd(2026, 11, 27);
    double *per_patient, sink = 0, total_findings = 0;
    size_t n;

    if (argc != 2) {
        fprintf(stderr, "usage: bench_eval DIR\n");
        return 2;
    }
    pp_fhir_patient_set_init(&set);
    if (pp_fhir_load_dir(&set, argv[1], false, NULL, &d)) {
        fprintf(stderr, "bench_eval: %s: %s\n", d.where, d.what);
        return 2;
    }
    (void)pp_fhir_patient_set_finish(&set);
    pp_policy_init(&policy);
    pp_terms_init_builtin(&terms);
    pp_drug_codes_init(&codes);
    n = set.n_records;
    per_patient = pp_xcalloc(n ? n : 1, sizeof(*per_patient));
    for (size_t i = 0; i < n; i++) {
        const struct pp_record *r = set.records[i];
        struct pp_mme_result res;
        struct pp_findings fs;
        double best = INFINITY;
        pp_mme_result_init(&res);
        pp_findings_init(&fs);
        for (int k = 0; k < REPEATS; k++) {
            double t0 = now_ns(), t1;
            if (pp_mme_compute(r, now, &policy, &codes, &res) != PP_OK)
                return 1;
            pp_findings_reset(&fs);
            pp_opioid_evaluate(r, now, &policy, &terms, &res, &ctx, &fs);
            t1 = now_ns();
            if (t1 - t0 < best)
                best = t1 - t0;
            sink += isfinite(res.total) ? res.total : 0;
        }
        total_findings += (double)fs.n;
        per_patient[i] = best;
        pp_findings_release(&fs);
        pp_mme_result_release(&res);
    }
    qsort(per_patient, n, sizeof(*per_patient), cmp_double);
    if (n) {
        size_t p99 = (size_t)ceil(0.99 * (double)n) - 1;
        printf("patients %zu, findings %.0f, fastest of %d runs per patient\n", n, total_findings,
               REPEATS);
        printf("per-patient evaluation: median %.2f us, p99 %.2f us, max %.2f us\n",
               per_patient[n / 2] / 1000.0, per_patient[p99] / 1000.0, per_patient[n - 1] / 1000.0);
    }
    if (sink < 0)
        printf("%g\n", sink);
    free(per_patient);
    pp_drug_codes_release(&codes);
    pp_terms_release(&terms);
    pp_fhir_patient_set_release(&set);
    return 0;
}
