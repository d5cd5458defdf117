/*
 * test_demo_ops.c — the demo clinic holds what the workflow operations read: every block
 * Procedure reads as a diagnostic block (anesthetic, concentration, volume, guidance,
 * baseline before the injection), the facet patients' pairs are concordant comparative
 * blocks, the single blocks negative, and every referral's intake answers triage without
 * a red flag.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "cli/demo.h"
#include "clinical/blocks.h"
#include "clinical/policy.h"
#include "clinical/procedures.h"
#include "clinical/triage.h"
#include "fhir/block_diary.h"
#include "fhir/referral.h"
#include "util/date.h"
#include "util/json.h"

static const char *type_of(const cJSON *r)
{
    const char *t = pp_json_str(r, "resourceType");
    return t ? t : "";
}

/* The block Procedures of a patient, in Bundle order. */
static size_t blocks_of(const cJSON *bundle, const char *patient, const char *ids[4])
{
    const cJSON *e;
    char ref[64];
    size_t n = 0;
    snprintf(ref, sizeof(ref), "Patient/%s", patient);
    cJSON_ArrayForEach(e, pp_json_arr(bundle, "entry"))
    {
        const cJSON *r = pp_json_obj(e, "resource");
        const char *subject = pp_json_str(pp_json_obj(r, "subject"), "reference");
        const char *code = pp_fhir_coding_code(pp_json_obj(r, "code"), "urn:painpath:procedure");
        if (strcmp(type_of(r), "Procedure") == 0 && subject && strcmp(subject, ref) == 0 && code &&
            strncmp(code, "mbb-", 4) == 0 && n < 4)
            ids[n++] = pp_json_str(r, "id");
    }
    return n;
}

static void test_demo_ops__blocks(void **state)
{
    cJSON *bundle = pp_demo_bundle(PP_DEMO_DEFAULT_PATIENTS, PP_DEMO_DEFAULT_SEED,
                                   pp_day_from_ymd(2026, 11, 27));
    struct pp_policy p;
    size_t pairs = 0, singles = 0;
    (void)state;
    assert_non_null(bundle);
    pp_policy_init(&p);
    for (int i = 1; i <= PP_DEMO_DEFAULT_PATIENTS; i++) {
        char pid[32];
        const char *ids[4];
        struct pp_fhir_block fb;
        struct pp_block_result res;
        struct pp_findings f;
        struct pp_diag d;
        size_t n;
        snprintf(pid, sizeof(pid), "demo-pt-%03d", i);
        n = blocks_of(bundle, pid, ids);
        if (n == 0)
            continue;
        assert_true(n <= 2);
        pp_findings_init(&f);
        pp_diag_clear(&d);
        assert_int_equal(pp_fhir_block_read(bundle, ids[0], n == 2 ? ids[1] : NULL, &fb, &d),
                         PP_OK);
        for (size_t k = 0; k < n; k++) {
            assert_true(fb.req.blocks[k].has_baseline);
            assert_int_equal(fb.req.blocks[k].n_diary, 6);
            assert_int_equal(fb.req.blocks[k].guidance, PP_GUIDE_FLUORO);
            assert_true(fb.req.blocks[k].volume_ml > 0);
        }
        assert_int_equal(pp_block_evaluate(&fb.req, &p, &res, &f, &d), PP_OK);
        if (n == 2) {
            assert_int_equal(fb.req.blocks[0].anesthetic, PP_ANESTHETIC_LIDOCAINE);
            assert_int_equal(fb.req.blocks[1].anesthetic, PP_ANESTHETIC_BUPIVACAINE);
            assert_int_equal(res.concordance, PP_CONC_CONCORDANT);
            assert_true(res.generator_likely);
            pairs++;
        } else {
            assert_int_equal(res.blocks[0].verdict, PP_BLOCK_NEGATIVE);
            singles++;
        }
        pp_findings_release(&f);
        pp_fhir_block_release(&fb);
    }
    printf("demo blocks: %zu comparative pairs concordant, %zu single blocks negative\n", pairs,
           singles);
    assert_true(pairs >= 1 && singles >= 1);
    cJSON_Delete(bundle);
}

static void test_demo_ops__intakes(void **state)
{
    pp_day now = pp_day_from_ymd(2026, 11, 27);
    cJSON *bundle = pp_demo_bundle(PP_DEMO_DEFAULT_PATIENTS, PP_DEMO_DEFAULT_SEED, now);
    struct pp_policy p;
    const cJSON *e;
    size_t n = 0;
    (void)state;
    pp_policy_init(&p);
    cJSON_ArrayForEach(e, pp_json_arr(bundle, "entry"))
    {
        const cJSON *qr = pp_json_obj(e, "resource"), *x;
        const char *based =
            pp_json_str(cJSON_GetArrayItem(pp_json_arr(qr, "basedOn"), 0), "reference");
        const cJSON *sr = NULL;
        cJSON *pair, *entries;
        char *text;
        struct pp_triage_input in;
        struct pp_triage_result res;
        struct pp_findings f;
        struct pp_diag d;
        if (strcmp(type_of(qr), "QuestionnaireResponse") != 0)
            continue;
        assert_non_null(based);
        cJSON_ArrayForEach(x, pp_json_arr(bundle, "entry"))
        {
            const cJSON *r = pp_json_obj(x, "resource");
            const char *id = pp_json_str(r, "id");
            if (strcmp(type_of(r), "ServiceRequest") == 0 && id &&
                strcmp(based + strlen("ServiceRequest/"), id) == 0)
                sr = r;
        }
        assert_non_null(sr);
        pair = cJSON_CreateObject();
        cJSON_AddStringToObject(pair, "resourceType", "Bundle");
        cJSON_AddStringToObject(pair, "type", "collection");
        entries = cJSON_AddArrayToObject(pair, "entry");
        for (int k = 0; k < 2; k++) {
            cJSON *entry = cJSON_CreateObject();
            cJSON_AddItemToObject(entry, "resource", cJSON_Duplicate(k ? qr : sr, true));
            cJSON_AddItemToArray(entries, entry);
        }
        text = cJSON_PrintUnformatted(pair);
        assert_non_null(text);
        pp_findings_init(&f);
        pp_diag_clear(&d);
        assert_int_equal(pp_fhir_referral_read(text, strlen(text), "demo", &in, &d), PP_OK);
        assert_int_equal(pp_triage_evaluate(&in, now, &p, &f, &res, &d), PP_OK);
        /* six weeks of pain that conservative care has not settled, no red flag */
        assert_true(res.disposition == PP_DISP_INTERVENTIONAL ||
                    res.disposition == PP_DISP_EXPEDITED);
        assert_true(in.source != PP_REF_SELF);
        pp_findings_release(&f);
        cJSON_free(text);
        cJSON_Delete(pair);
        n++;
    }
    printf("demo intakes triaged: %zu\n", n);
    assert_int_equal(n, PP_DEMO_DEFAULT_PATIENTS);
    cJSON_Delete(bundle);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_demo_ops__blocks),
        cmocka_unit_test(test_demo_ops__intakes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
