/*
 * test_procedures.c — the procedure catalogue (clinical/procedures.c): every
 * entry is well formed, every code is one CLINICAL-FACTS §2.6 lists, no
 * SNOMED code is invented, lookups by id and by CPT, and spinal level parsing.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "clinical/procedures.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* The codes CLINICAL-FACTS §2.6 lists (CPT and HCPCS), the only codes the catalogue may use. */
static const char *const sheet_codes[] = {
    "62320", "62321", "62322", "62323", "62324", "62325", "62326", "62327", "64479",
    "64480", "64483", "64484", "64490", "64491", "64492", "64493", "64494", "64495",
    "64633", "64634", "64635", "64636", "0213T", "0214T", "0215T", "0216T", "0217T",
    "0218T", "27096", "G0260", "64451", "64625", "63650", "63655", "63661", "63662",
    "63663", "63664", "63685", "63688", "95970", "95971", "95972",
};

static bool in_sheet(const char *code)
{
    for (size_t i = 0; i < ARRAY_SIZE(sheet_codes); i++)
        if (strcmp(sheet_codes[i], code) == 0)
            return true;
    return false;
}

static void test_procedures__every_entry_is_valid(void **state)
{
    size_t n;
    const struct pp_proc_entry *all = pp_procedures_all(&n);
    const unsigned guide_bits = PP_GUIDE_FLUORO | PP_GUIDE_CT | PP_GUIDE_US | PP_GUIDE_LANDMARK;
    const unsigned purpose_bits = PP_PURPOSE_DIAGNOSTIC | PP_PURPOSE_THERAPEUTIC | PP_PURPOSE_TRIAL;
    size_t with_codes = 0;
    (void)state;

    assert_true(n >= 20);
    for (size_t i = 0; i < n; i++) {
        const struct pp_proc_entry *p = &all[i];
        assert_non_null(p->id);
        assert_true(strlen(p->name) > 5);
        for (size_t k = i + 1; k < n; k++)
            assert_string_not_equal(p->id, all[k].id); /* ids are unique */
        assert_ptr_equal(pp_procedure_by_id(p->id), p);
        /* SNOMED: the sheet gives no procedure code for any entry: never guessed */
        assert_null(p->snomed);
        for (size_t k = 0; k < PP_PROC_MAX_CPT && p->cpt[k]; k++) {
            if (!in_sheet(p->cpt[k]))
                fail_msg("%s: CPT %s is not in CLINICAL-FACTS §2.6", p->id, p->cpt[k]);
            with_codes += k == 0;
        }
        if (p->hcpcs)
            assert_true(in_sheet(p->hcpcs));
        /* an entry without a code says why */
        if (!p->cpt[0])
            assert_non_null(strstr(p->cpt_note, "CLINICAL-FACTS §2.6 lists no CPT"));
        assert_string_not_equal(pp_proc_region_name(p->region), "unknown");
        assert_string_not_equal(pp_proc_laterality_name(p->laterality), "unknown");
        assert_true(p->guidance != 0 && (p->guidance & ~guide_bits) == 0);
        assert_true(p->purpose != 0 && (p->purpose & ~purpose_bits) == 0);
        assert_true(strlen(p->source) > 10);
        assert_true((p->level_first == NULL) == (p->level_last == NULL));
        if (p->level_first) {
            int first, last;
            assert_true(pp_spine_level_parse(p->level_first, strlen(p->level_first), &first));
            assert_true(pp_spine_level_parse(p->level_last, strlen(p->level_last), &last));
            assert_true(first <= last);
            assert_true(pp_procedure_covers_level(p, first));
            assert_true(pp_procedure_covers_level(p, last));
            assert_false(pp_procedure_covers_level(p, last + 1));
        }
    }
    assert_true(with_codes >= 15);
}

/* The procedures the practice performs (DESIGN.md) are all there. */
static void test_procedures__catalogue_covers_the_practice(void **state)
{
    static const char *const ids[] = {
        "esi-il-cervical",
        "esi-il-thoracic",
        "esi-il-lumbar",
        "esi-caudal",
        "esi-tf-cervical",
        "esi-tf-thoracic",
        "esi-tf-lumbar",
        "mbb-cervical",
        "mbb-lumbar",
        "facet-ia-cervical",
        "facet-ia-lumbar",
        "rfa-mb-cervical",
        "rfa-mb-lumbar",
        "rfa-genicular",
        "sij-injection",
        "trigger-point",
        "joint-injection-large",
        "peripheral-nerve-block",
        "stellate-ganglion-block",
        "lumbar-sympathetic-block",
        "scs-trial",
        "scs-implant",
        "drg-stimulation",
    };
    (void)state;
    for (size_t i = 0; i < ARRAY_SIZE(ids); i++)
        if (!pp_procedure_by_id(ids[i]))
            fail_msg("missing catalogue entry %s", ids[i]);
    assert_null(pp_procedure_by_id("esi-tf-lumbar "));
    assert_null(pp_procedure_by_id(""));
    assert_null(pp_procedure_by_id(NULL));
}

/* Facts the sheet states for particular entries. */
static void test_procedures__sourced_facts(void **state)
{
    const struct pp_proc_entry *p;
    (void)state;
    /* §2.2 / §0: ESI under fluoroscopy or CT; ultrasound is not covered */
    p = pp_procedure_by_id("esi-tf-lumbar");
    assert_true(p->guidance & PP_GUIDE_FLUORO);
    assert_true(p->guidance & PP_GUIDE_CT);
    assert_false(p->guidance & PP_GUIDE_US);
    assert_int_equal(p->laterality, PP_LAT_EITHER);  /* §2.2 unilateral or bilateral */
    assert_true(p->purpose & PP_PURPOSE_DIAGNOSTIC); /* §2.2 diagnostic SNRB */
    /* §0: interlaminar and caudal never bilateral */
    assert_int_equal(pp_procedure_by_id("esi-il-lumbar")->laterality, PP_LAT_MIDLINE);
    assert_int_equal(pp_procedure_by_id("esi-caudal")->laterality, PP_LAT_MIDLINE);
    /* §2.3: ultrasound-guided facet injections are not covered */
    assert_false(pp_procedure_by_id("mbb-lumbar")->guidance & PP_GUIDE_US);
    assert_int_equal(pp_procedure_by_id("mbb-lumbar")->purpose, PP_PURPOSE_DIAGNOSTIC);
    /* §2.5: the trial comes before the implant */
    assert_int_equal(pp_procedure_by_id("scs-trial")->purpose, PP_PURPOSE_TRIAL);
    assert_string_equal(pp_procedure_by_id("scs-implant")->cpt[2], "63685");
    /* §2.6 lists no genicular RFA code */
    assert_null(pp_procedure_by_id("rfa-genicular")->cpt[0]);
}

static void test_procedures__lookup_by_cpt(void **state)
{
    const struct pp_proc_entry *out[8];
    (void)state;
    assert_int_equal(pp_procedures_by_cpt("64483", out, 8), 1);
    assert_string_equal(out[0]->id, "esi-tf-lumbar");
    assert_int_equal(pp_procedures_by_cpt("64484", out, 8), 1); /* add-on level */
    assert_int_equal(pp_procedures_by_cpt("27096", out, 8), 1);
    assert_string_equal(out[0]->id, "sij-injection");
    assert_int_equal(pp_procedures_by_cpt("G0260", out, 8), 1);
    assert_string_equal(out[0]->id, "sij-injection");
    assert_int_equal(pp_procedures_by_cpt("64635", out, 8), 1);
    assert_string_equal(out[0]->id, "rfa-mb-lumbar");
    /* one code, several entries, in catalogue order */
    assert_int_equal(pp_procedures_by_cpt("64490", out, 8), 4);
    assert_string_equal(out[0]->id, "mbb-cervical");
    assert_string_equal(out[3]->id, "facet-ia-thoracic");
    assert_int_equal(pp_procedures_by_cpt("63650", out, 8), 2);
    assert_string_equal(out[0]->id, "scs-trial");
    assert_string_equal(out[1]->id, "scs-implant");
    /* `max` caps what is written, not what is counted */
    out[1] = NULL;
    assert_int_equal(pp_procedures_by_cpt("63650", out, 1), 2);
    assert_null(out[1]);
    /* SI joint RFA is in the catalogue so that eligibility can say it is not covered (§2.4) */
    assert_int_equal(pp_procedures_by_cpt("64625", out, 8), 1);
    assert_string_equal(out[0]->id, "rfa-sij");
    assert_int_equal(pp_procedures_by_cpt("99999", out, 8), 0);
    assert_int_equal(pp_procedures_by_cpt("6448", out, 8), 0);
    assert_int_equal(pp_procedures_by_cpt(NULL, out, 8), 0);
}

static void test_procedures__spine_levels(void **state)
{
    static const struct {
        const char *s;
        int ordinal; /* 0: invalid */
    } cases[] = {
        {"C1", 1},  {"C7", 7},  {"C8", 8}, {"T1", 9},  {"T12", 20}, {"L1", 21}, {"L5", 25},
        {"S1", 26}, {"S5", 30}, {"C9", 0}, {"T13", 0}, {"T0", 0},   {"L6", 0},  {"L05", 0},
        {"S6", 0},  {"l5", 0},  {"L", 0},  {"", 0},    {"L5x", 0},  {"X1", 0},  {"L123", 0},
    };
    (void)state;
    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        int got = -1;
        bool ok = pp_spine_level_parse(cases[i].s, strlen(cases[i].s), &got);
        if (ok != (cases[i].ordinal != 0) || (ok && got != cases[i].ordinal))
            fail_msg("level '%s': ok %d ordinal %d", cases[i].s, ok, got);
    }
    /* a slice: "L4-L5" parsed as its first two bytes */
    {
        int got = 0;
        assert_true(pp_spine_level_parse("L4-L5", 2, &got));
        assert_int_equal(got, 24);
    }
}

static void test_procedures__names(void **state)
{
    (void)state;
    assert_string_equal(pp_proc_guidance_name(PP_GUIDE_US), "ultrasound");
    assert_string_equal(pp_proc_guidance_name(PP_GUIDE_FLUORO), "fluoroscopy");
    assert_null(pp_proc_guidance_name(PP_GUIDE_FLUORO | PP_GUIDE_CT));
    assert_null(pp_proc_guidance_name(0));
    assert_string_equal(pp_proc_purpose_name(PP_PURPOSE_TRIAL), "trial");
    assert_null(pp_proc_purpose_name(PP_PURPOSE_TRIAL | PP_PURPOSE_DIAGNOSTIC));
    assert_string_equal(pp_proc_region_name(PP_REGION_SI_JOINT), "si-joint");
    assert_string_equal(pp_proc_laterality_name(PP_LAT_MIDLINE), "midline");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_procedures__every_entry_is_valid),
        cmocka_unit_test(test_procedures__catalogue_covers_the_practice),
        cmocka_unit_test(test_procedures__sourced_facts),
        cmocka_unit_test(test_procedures__lookup_by_cpt),
        cmocka_unit_test(test_procedures__spine_levels),
        cmocka_unit_test(test_procedures__names),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    size_t n;
    (void)pp_procedures_all(&n);
    printf("procedures vignettes: %d passed, %d failed (catalogue of %zu entries)\n",
           rc ? (int)ARRAY_SIZE(tests) - rc : (int)ARRAY_SIZE(tests), rc, n);
    return rc;
}
