/*
 * fuzz_fhir.c — libFuzzer target for the FHIR readers (src/fhir/load.h): the same bytes as
 * one JSON document (Bundle or resource) and as NDJSON, then medication references
 * resolved and every record loaded run through MME and the opioid checks, as `painpath
 * check` does. Checks what load.h promises: no crash, no read past `len`, an untouched set
 * on error, and records that the clinical rules can evaluate.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "clinical/finding.h"
#include "clinical/mme.h"
#include "clinical/opioid.h"
#include "clinical/policy.h"
#include "clinical/terms.h"
#include "fhir/load.h"
#include "fhir/patient_set.h"
#include "util/date.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(int ok)
{
    if (!ok)
        abort();
}

static struct pp_terms terms;
static struct pp_policy policy;
static int ready;

static void evaluate(struct pp_patient_set *set)
{
    pp_day now = pp_day_from_ymd(2023, 5, 1);
    (void)pp_fhir_patient_set_finish(set);
    for (size_t i = 0; i < set->n_records; i++) {
        struct pp_mme_result mme;
        struct pp_findings findings;
        struct pp_opioid_context ctx = {PP_OPIOID_PATIENT_VIEW, NULL, 0};

        check(set->records[i] != NULL);
        pp_mme_result_init(&mme);
        pp_findings_init(&findings);
        check(pp_mme_compute(set->records[i], now, &policy, NULL, &mme) == PP_OK);
        pp_opioid_evaluate(set->records[i], now, &policy, &terms, &mme, &ctx, &findings);
        ctx.hook = PP_OPIOID_ORDER_SIGN;
        pp_opioid_evaluate(set->records[i], now, &policy, &terms, &mme, &ctx, &findings);
        pp_findings_release(&findings);
        pp_mme_result_release(&mme);
    }
}

static void load(const char *text, size_t size, int ndjson)
{
    struct pp_patient_set set;
    struct pp_diag d;
    enum pp_err rc;

    pp_fhir_patient_set_init(&set);
    pp_diag_clear(&d);
    rc = ndjson ? pp_fhir_load_ndjson_text(&set, text, size, "fuzz.ndjson", &d)
                : pp_fhir_load_json_text(&set, text, size, "fuzz.json", &d);
    check(memchr(d.where, '\0', sizeof(d.where)) != NULL);
    check(memchr(d.what, '\0', sizeof(d.what)) != NULL);
    if (rc == PP_OK) {
        evaluate(&set);
    } else {
        /* all-or-nothing: a failed load leaves the (empty) set empty */
        check(set.n_records == 0);
        check(pp_fhir_patient_set_loaded(&set) == 0);
        check(d.what[0] != '\0');
    }
    pp_fhir_patient_set_release(&set);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size ? size : 1);

    if (!ready) {
        pp_terms_init_builtin(&terms);
        pp_policy_init(&policy);
        ready = 1;
    }
    check(text != NULL);
    if (size)
        memcpy(text, data, size);
    load(text, size, 0);
    load(text, size, 1);
    free(text);
    return 0;
}
