/*
 * test_mme.c — MME per order and per patient (CLINICAL-FACTS §1.2): the
 * worked examples of the CDC table, every dose shape the issue names, every
 * status, and the 2016 table's methadone tiers at their boundaries.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "clinical/mme.h"

struct dose_case {
    const char *label;
    const char *display;      /* RxNorm normalized name */
    const char *status;       /* MedicationRequest.status */
    double dose, dose_high;   /* dose_high > 0: doseRange */
    const char *unit;         /* dose unit */
    double frequency, period; /* timing.repeat */
    const char *period_unit;
    int time_of_day;         /* timeOfDay entries when frequency is 0 */
    double max_num, max_den; /* maxDosePerPeriod (per max_den days) */
    enum pp_mme_table table;
    enum pp_mme_status want_status;
    double want_mme; /* NAN when not counted */
};

/* one row per line: the formatter would spread each row over many */
/* clang-format off */
static const struct dose_case cases[] = {
    /* CLINICAL-FACTS §1.2 worked examples */
    {"hydrocodone 5 mg QID = 20", "acetaminophen 325 MG / hydrocodone bitartrate 5 MG Oral Tablet",
     "active", 1, 0, "{tbl}", 4, 1, "d", 0, 0, 0, PP_MME_TABLE_CDC2022, PP_MME_COUNTED, 20},
    {"oxycodone ER 10 mg BID = 30",
     "12 HR oxycodone hydrochloride 10 MG Extended Release Oral Tablet", "active", 1, 0, "{tbl}",
     1, 12, "h", 0, 0, 0, PP_MME_TABLE_CDC2022, PP_MME_COUNTED, 30},
    {"fentanyl 75 mcg/h patch = 180", "72 HR fentanyl 0.075 MG/HR Transdermal System", "active",
     1, 0, "{patch}", 1, 3, "d", 0, 0, 0, PP_MME_TABLE_CDC2022, PP_MME_COUNTED, 180},
    {"two 50 mcg/h patches = 240", "72 HR fentanyl 0.05 MG/HR Transdermal System", "active", 2, 0,
     "{patch}", 1, 72, "h", 0, 0, 0, PP_MME_TABLE_CDC2022, PP_MME_COUNTED, 240},
    {"liquid 1 mg/mL, 10 mL q6h = 60", "oxycodone hydrochloride 1 MG/ML Oral Solution", "active",
     10, 0, "mL", 1, 6, "h", 0, 0, 0, PP_MME_TABLE_CDC2022, PP_MME_COUNTED, 60},
    {"dose in mg of a combination", "acetaminophen 325 MG / oxycodone hydrochloride 5 MG Oral Tablet",
     "active", 10, 0, "mg", 3, 1, "d", 0, 0, 0, PP_MME_TABLE_CDC2022, PP_MME_COUNTED, 45},
    {"as-needed range takes the high end", "oxycodone hydrochloride 5 MG Oral Tablet", "active", 1,
     2, "{tbl}", 1, 4, "h", 0, 0, 0, PP_MME_TABLE_CDC2022, PP_MME_COUNTED, 90},
    {"maxDosePerPeriod caps the day", "oxycodone hydrochloride 5 MG Oral Tablet", "active", 1, 2,
     "{tbl}", 1, 4, "h", 0, 6, 1, PP_MME_TABLE_CDC2022, PP_MME_COUNTED, 45},
    {"timeOfDay twice = two doses", "12 HR oxycodone hydrochloride 60 MG Extended Release Oral Tablet",
     "active", 10, 0, "mg", 0, 0, NULL, 2, 0, 0, PP_MME_TABLE_CDC2022, PP_MME_COUNTED, 30},
    {"weekly period", "morphine sulfate 15 MG Oral Tablet", "active", 1, 0, "{tbl}", 14, 1, "wk",
     0, 0, 0, PP_MME_TABLE_CDC2022, PP_MME_COUNTED, 30},
    {"Synthea plain number (no unit)", "oxycodone hydrochloride 5 MG Oral Tablet", "active", 1, 0,
     NULL, 4, 1, "d", 0, 0, 0, PP_MME_TABLE_CDC2022, PP_MME_COUNTED, 30},
    {"tramadol 0.2", "tramadol hydrochloride 50 MG Oral Tablet", "active", 1, 0, "{tbl}", 4, 1,
     "d", 0, 0, 0, PP_MME_TABLE_CDC2022, PP_MME_COUNTED, 40},
    {"tapentadol 0.4", "tapentadol 50 MG Oral Tablet", "active", 1, 0, "{tbl}", 4, 1, "d", 0, 0, 0,
     PP_MME_TABLE_CDC2022, PP_MME_COUNTED, 80},
    {"codeine 0.15", "acetaminophen 300 MG / codeine phosphate 30 MG Oral Tablet", "active", 1, 0,
     "{tbl}", 4, 1, "d", 0, 0, 0, PP_MME_TABLE_CDC2022, PP_MME_COUNTED, 18},
    {"hydromorphone 2022 = 5", "hydromorphone hydrochloride 2 MG Oral Tablet", "active", 1, 0,
     "{tbl}", 4, 1, "d", 0, 0, 0, PP_MME_TABLE_CDC2022, PP_MME_COUNTED, 40},
    {"hydromorphone 2016 = 4", "hydromorphone hydrochloride 2 MG Oral Tablet", "active", 1, 0,
     "{tbl}", 4, 1, "d", 0, 0, 0, PP_MME_TABLE_CDC2016, PP_MME_COUNTED, 32},
    {"oxymorphone 3", "oxymorphone hydrochloride 5 MG Oral Tablet", "active", 1, 0, "{tbl}", 2, 1,
     "d", 0, 0, 0, PP_MME_TABLE_CDC2022, PP_MME_COUNTED, 30},
    {"methadone 2022 single factor 4.7", "methadone hydrochloride 10 MG Oral Tablet", "active", 1,
     0, "{tbl}", 3, 1, "d", 0, 0, 0, PP_MME_TABLE_CDC2022, PP_MME_COUNTED, 141},
    /* 2016 tiered methadone: 1-20 -> 4, 21-40 -> 8, 41-60 -> 10, > 60 -> 12 */
    {"methadone 2016 20 mg -> x4", "methadone hydrochloride 10 MG Oral Tablet", "active", 1, 0,
     "{tbl}", 2, 1, "d", 0, 0, 0, PP_MME_TABLE_CDC2016, PP_MME_COUNTED, 80},
    {"methadone 2016 21 mg -> x8", "methadone hydrochloride 1 MG/ML Oral Solution", "active", 21,
     0, "mL", 1, 1, "d", 0, 0, 0, PP_MME_TABLE_CDC2016, PP_MME_COUNTED, 168},
    {"methadone 2016 40 mg -> x8", "methadone hydrochloride 10 MG Oral Tablet", "active", 1, 0,
     "{tbl}", 4, 1, "d", 0, 0, 0, PP_MME_TABLE_CDC2016, PP_MME_COUNTED, 320},
    {"methadone 2016 41 mg -> x10", "methadone hydrochloride 1 MG/ML Oral Solution", "active", 41,
     0, "mL", 1, 1, "d", 0, 0, 0, PP_MME_TABLE_CDC2016, PP_MME_COUNTED, 410},
    {"methadone 2016 60 mg -> x10", "methadone hydrochloride 10 MG Oral Tablet", "active", 1, 0,
     "{tbl}", 6, 1, "d", 0, 0, 0, PP_MME_TABLE_CDC2016, PP_MME_COUNTED, 600},
    {"methadone 2016 61 mg -> x12", "methadone hydrochloride 1 MG/ML Oral Solution", "active", 61,
     0, "mL", 1, 1, "d", 0, 0, 0, PP_MME_TABLE_CDC2016, PP_MME_COUNTED, 732},
    /* statuses other than counted: never a zero */
    {"buprenorphine is excluded", "168 HR buprenorphine 0.01 MG/HR Transdermal System", "active",
     1, 0, "{patch}", 1, 7, "d", 0, 0, 0, PP_MME_TABLE_CDC2022, PP_MME_EXCLUDED, NAN},
    {"meperidine has no factor", "meperidine hydrochloride 50 MG Oral Tablet", "active", 1, 0,
     "{tbl}", 4, 1, "d", 0, 0, 0, PP_MME_TABLE_CDC2022, PP_MME_NO_FACTOR, NAN},
    {"buccal fentanyl has no clinical factor", "fentanyl 0.1 MG Buccal Tablet", "active", 1, 0,
     "{tbl}", 4, 1, "d", 0, 0, 0, PP_MME_TABLE_CDC2022, PP_MME_NO_FACTOR, NAN},
    {"no dose", "oxycodone hydrochloride 5 MG Oral Tablet", "active", -1, 0, NULL, 4, 1, "d", 0,
     0, 0, PP_MME_TABLE_CDC2022, PP_MME_NO_DOSAGE, NAN},
    {"no frequency", "oxycodone hydrochloride 5 MG Oral Tablet", "active", 1, 0, "{tbl}", 0, 0,
     NULL, 0, 0, 0, PP_MME_TABLE_CDC2022, PP_MME_NO_DOSAGE, NAN},
    {"mg dose of a two-opioid product is ambiguous",
     "codeine phosphate 10 MG / hydrocodone bitartrate 5 MG Oral Tablet", "active", 10, 0, "mg",
     3, 1, "d", 0, 0, 0, PP_MME_TABLE_CDC2022, PP_MME_NO_DOSAGE, NAN},
    {"two opioids counted by tablet add up",
     "codeine phosphate 10 MG / hydrocodone bitartrate 5 MG Oral Tablet", "active", 1, 0, "{tbl}",
     4, 1, "d", 0, 0, 0, PP_MME_TABLE_CDC2022, PP_MME_COUNTED, 26},
    {"stopped order", "oxycodone hydrochloride 5 MG Oral Tablet", "stopped", 1, 0, "{tbl}", 4, 1,
     "d", 0, 0, 0, PP_MME_TABLE_CDC2022, PP_MME_NOT_ACTIVE, NAN},
    {"a code nobody knows and no name", NULL, "active", 1, 0, "{tbl}", 4, 1, "d", 0, 0, 0,
     PP_MME_TABLE_CDC2022, PP_MME_UNKNOWN_DRUG, NAN},
    {"an opioid named outside RxNorm's grammar", "Acetaminophen/Hydrocodone", "active", 1, 0,
     "{tbl}", 4, 1, "d", 0, 0, 0, PP_MME_TABLE_CDC2022, PP_MME_UNKNOWN_DRUG, NAN},
};
/* clang-format on */

static const struct dose_case *case_named(const char *label)
{
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        if (strcmp(cases[i].label, label) == 0)
            return &cases[i];
    fail_msg("no case '%s'", label);
    return NULL;
}

static void build(struct pp_record *r, const struct dose_case *c)
{
    struct pp_medication *m;
    struct pp_dosage *d;
    struct pp_coding *k;

    m = pp_record_add_med(r);
    m->source = PP_MED_REQUEST;
    m->id = "order-1";
    m->status = c->status;
    k = pp_arena_alloc(&r->arena, sizeof(*k));
    k->system = PP_SYS_RXNORM;
    k->code = "0";
    k->display = c->display;
    m->code.codings = k;
    m->code.n_codings = 1;
    m->authored = pp_day_from_ymd(2026, 11, 1);
    d = pp_arena_alloc(&r->arena, sizeof(*d));
    m->dosages = d;
    m->n_dosages = 1;
    if (c->dose >= 0) {
        d->dose.present = true;
        d->dose.value = c->dose;
        d->dose.unit = c->unit;
    }
    if (c->dose_high > 0) {
        d->dose_high.present = true;
        d->dose_high.value = c->dose_high;
        d->dose_high.unit = c->unit;
        d->as_needed = true;
    }
    d->frequency = c->frequency;
    d->period = c->period;
    d->period_unit = c->period_unit;
    d->n_time_of_day = c->time_of_day;
    if (c->max_num > 0) {
        d->max_per_period_num.present = true;
        d->max_per_period_num.value = c->max_num;
        d->max_per_period_num.unit = c->unit;
        d->max_per_period_den.present = true;
        d->max_per_period_den.value = c->max_den;
        d->max_per_period_den.unit = "d";
    }
}

static void test_mme__dose_table(void **state)
{
    size_t passed = 0;
    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const struct dose_case *c = &cases[i];
        struct pp_record r;
        struct pp_policy p;
        struct pp_mme_result res;

        pp_record_init(&r);
        pp_policy_init(&p);
        p.mme_table = c->table;
        pp_mme_result_init(&res);
        build(&r, c);
        assert_int_equal(pp_mme_compute(&r, pp_day_from_ymd(2026, 11, 27), &p, NULL, &res), PP_OK);
        if (res.n_orders != 1 || res.orders[0].status != c->want_status) {
            print_error("case '%s': status %s (%s), want %s\n", c->label,
                        res.n_orders ? pp_mme_status_name(res.orders[0].status) : "(no order)",
                        res.n_orders ? res.orders[0].reason : "",
                        pp_mme_status_name(c->want_status));
            fail();
        }
        if (isnan(c->want_mme)) {
            assert_true(isnan(res.orders[0].mme_per_day));
            assert_true(isnan(res.total));
            assert_false(res.any_counted);
            assert_true(res.orders[0].reason[0] != '\0');
            /* only an unknowable active opioid makes the total incomplete */
            assert_int_equal(res.complete, c->want_status == PP_MME_EXCLUDED ||
                                               c->want_status == PP_MME_NOT_ACTIVE);
        } else {
            if (fabs(res.orders[0].mme_per_day - c->want_mme) > 1e-9) {
                print_error("case '%s': %.10g MME/day, want %g (%s)\n", c->label,
                            res.orders[0].mme_per_day, c->want_mme, res.orders[0].reason);
                fail();
            }
            assert_true(fabs(res.total - c->want_mme) < 1e-9);
            assert_true(res.complete);
        }
        passed++;
        pp_mme_result_release(&res);
        pp_record_release(&r);
    }
    print_message("mme dose cases: %zu passed, 0 failed\n", passed);
}

static void test_mme__total_sums_counted_orders_only(void **state)
{
    struct pp_record r;
    struct pp_policy p;
    struct pp_mme_result res;
    (void)state;

    pp_record_init(&r);
    pp_policy_init(&p);
    pp_mme_result_init(&res);
    build(&r, case_named("fentanyl 75 mcg/h patch = 180"));
    build(&r, case_named("hydrocodone 5 mg QID = 20"));
    build(&r, case_named("no dose")); /* unknown, so the total is incomplete */
    assert_int_equal(pp_mme_compute(&r, pp_day_from_ymd(2026, 11, 27), &p, NULL, &res), PP_OK);
    assert_int_equal(res.n_orders, 3);
    assert_true(fabs(res.total - 200) < 1e-9);
    assert_false(res.complete);
    pp_mme_result_release(&res);
    pp_record_release(&r);
}

static void test_mme__named_non_opioid_is_not_an_order(void **state)
{
    struct pp_record r;
    struct pp_policy p;
    struct pp_mme_result res;
    struct dose_case c = cases[0];
    (void)state;

    c.display = "Errin 28 Day Pack"; /* a contraceptive pack outside the grammar */
    pp_record_init(&r);
    pp_policy_init(&p);
    pp_mme_result_init(&res);
    build(&r, &c);
    assert_int_equal(pp_mme_compute(&r, pp_day_from_ymd(2026, 11, 27), &p, NULL, &res), PP_OK);
    assert_int_equal(res.n_orders, 0);
    assert_true(res.complete);
    assert_true(isnan(res.total));
    pp_mme_result_release(&res);
    pp_record_release(&r);
}

static void test_mme__factor_table_is_never_mixed(void **state)
{
    (void)state;
    assert_true(pp_mme_factor(PP_OPIOID_METHADONE, false, 100, PP_MME_TABLE_CDC2022) == 4.7);
    assert_true(pp_mme_factor(PP_OPIOID_METHADONE, false, 100, PP_MME_TABLE_CDC2016) == 12);
    assert_true(pp_mme_factor(PP_OPIOID_HYDROMORPHONE, false, 0, PP_MME_TABLE_CDC2022) == 5);
    assert_true(pp_mme_factor(PP_OPIOID_HYDROMORPHONE, false, 0, PP_MME_TABLE_CDC2016) == 4);
    assert_true(pp_mme_factor(PP_OPIOID_FENTANYL, true, 0, PP_MME_TABLE_CDC2022) == 2.4);
    assert_true(isnan(pp_mme_factor(PP_OPIOID_BUPRENORPHINE, false, 0, PP_MME_TABLE_CDC2022)));
    assert_true(isnan(pp_mme_factor(PP_OPIOID_MEPERIDINE, false, 0, PP_MME_TABLE_CDC2022)));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mme__dose_table),
        cmocka_unit_test(test_mme__total_sums_counted_orders_only),
        cmocka_unit_test(test_mme__named_non_opioid_is_not_an_order),
        cmocka_unit_test(test_mme__factor_table_is_never_mixed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
