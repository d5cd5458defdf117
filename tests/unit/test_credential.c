/*
 * test_credential.c — pain-medicine qualification and privileges
 * (clinical/credential.c, fhir/practitioner.c): a table of vignettes from the
 * documented JSON, each citing the rule it exercises; the fellowship boundary
 * (11/12/13 months); certificates expiring yesterday/today/tomorrow; FHIR input.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "clinical/credential.h"
#include "clinical/finding.h"
#include "clinical/policy.h"
#include "fhir/practitioner.h"

#define NOW "2026-11-27"

static pp_day D(const char *s)
{
    pp_day d;
    struct pp_diag diag;
    assert_int_equal(pp_day_parse(s, strlen(s), &d, &diag), PP_OK);
    return d;
}

static bool fired(const struct pp_findings *f, const char *rule)
{
    return rule && pp_findings_count_rule(f, rule) > 0;
}

/* Parse `json` (plain or FHIR) and evaluate it at `now` under `p`. */
static void eval(const char *json, const char *now, const struct pp_policy *p,
                 struct pp_credential_input *in, struct pp_findings *f,
                 struct pp_credential_result *res)
{
    struct pp_diag d;
    pp_diag_clear(&d);
    if (pp_fhir_practitioner_read(json, strlen(json), "t.json", in, &d) != PP_OK)
        fail_msg("parse: %s: %s", d.where, d.what);
    if (pp_credential_evaluate(in, D(now), p, f, res, &d) != PP_OK)
        fail_msg("evaluate: %s: %s", d.where, d.what);
}

/* ---- building blocks of the vignettes ---- */

#define LIC                                                                                        \
    "{\"kind\": \"license\", \"issuer\": \"CO\", \"start\": \"2014-07-01\", "                      \
    "\"end\": \"2027-04-30\"}"
#define BOARD(b) "{\"kind\": \"board\", \"issuer\": \"" b "\", \"start\": \"2018-10-01\"}"
#define FELLOW                                                                                     \
    "{\"kind\": \"fellowship\", \"issuer\": \"ACGME\", \"specialty\": \"pain-medicine\", "         \
    "\"start\": \"2018-07-01\", \"end\": \"2019-06-30\"}"
#define PAIN(b)                                                                                    \
    "{\"kind\": \"subspecialty\", \"issuer\": \"" b "\", "                                         \
    "\"specialty\": \"pain-medicine\", \"start\": \"2019-11-01\", "                                \
    "\"end\": \"2029-12-31\"}"
#define Q(...) "{\"id\": \"p1\", \"qualifications\": [" __VA_ARGS__ "]}"

struct vignette {
    const char *name;
    const char *rule;   /* must fire */
    const char *absent; /* must not fire, or NULL */
    const char *json;
    bool qualified;
    bool abfm; /* policy cred_count_abfm = 1 */
};

static const struct vignette vignettes[] = {
    {"anesthesiologist with ACGME fellowship and ABA Pain Medicine: qualified", "CRED-QUALIFIED",
     "CRED-NOT-QUALIFIED", Q(LIC "," BOARD("ABA") "," FELLOW "," PAIN("ABA")), true, false},
    {"PM&R (ABPMR) diplomate with ABPMR Pain Medicine: qualified", "CRED-PRIMARY-BOARD",
     "CRED-PRIMARY-BOARD-MISSING", Q(LIC "," BOARD("ABPMR") "," FELLOW "," PAIN("ABPMR")), true,
     false},
    {"neurologist (ABPN) and emergency physician (ABEM) boards both count", "CRED-SUBSPECIALTY",
     "CRED-SUBSPECIALTY-MISSING", Q(LIC "," BOARD("ABEM") "," FELLOW "," PAIN("ABEM")), true,
     false},
    {"ABPM (American Board of Pain Medicine) instead of ABMS Pain Medicine: not counted",
     "CRED-BOARD-NON-ABMS", "CRED-QUALIFIED", Q(LIC "," BOARD("ABA") "," FELLOW "," PAIN("ABPM")),
     false, false},
    {"ABIPP and ABPS as the only boards: recognised, never counted", "CRED-BOARD-NON-ABMS",
     "CRED-PRIMARY-BOARD", Q(LIC "," BOARD("ABIPP") "," BOARD("ABPS") "," FELLOW), false, false},
    {"family physician (ABFM) by default: unconfirmed co-sponsor, not counted",
     "CRED-BOARD-UNCONFIRMED", "CRED-QUALIFIED",
     Q(LIC "," BOARD("ABFM") "," FELLOW "," PAIN("ABFM")), false, false},
    {"family physician (ABFM) with cred_count_abfm = 1: qualified", "CRED-QUALIFIED",
     "CRED-BOARD-UNCONFIRMED", Q(LIC "," BOARD("ABFM") "," FELLOW "," PAIN("ABFM")), true, true},
    {"internist (ABIM) board: ABMS but not a co-sponsor", "CRED-BOARD-NOT-COSPONSOR",
     "CRED-QUALIFIED", Q(LIC "," BOARD("ABIM") "," FELLOW "," PAIN("ABA")), false, false},
    {"ABA Pain Medicine without a current ABA primary board: issuer mismatch",
     "CRED-SUBSPECIALTY-ISSUER", "CRED-SUBSPECIALTY",
     Q(LIC "," BOARD("ABPN") "," FELLOW "," PAIN("ABA")), false, false},
    {"fellowship accredited by someone other than ACGME", "CRED-FELLOWSHIP-NOT-ACGME",
     "CRED-FELLOWSHIP",
     Q(LIC "," BOARD("ABA") ",{\"kind\": \"fellowship\", \"issuer\": \"ABIPP\", \"specialty\": "
                            "\"pain-medicine\", \"months\": 12}," PAIN("ABA")),
     false, false},
    {"fellow still in training (ends next June)", "CRED-FELLOWSHIP-INCOMPLETE", "CRED-FELLOWSHIP",
     Q(LIC
       "," BOARD("ABA") ",{\"kind\": \"fellowship\", \"issuer\": \"ACGME\", \"specialty\": "
                        "\"pain-medicine\", \"start\": \"2026-07-01\", \"end\": \"2027-06-30\"}"),
     false, false},
    {"no licence recorded", "CRED-LICENSE-MISSING", "CRED-LICENSE",
     Q(BOARD("ABA") "," FELLOW "," PAIN("ABA")), false, false},
    {"expired Pain Medicine certificate (continuing certification lapsed)", "CRED-CERT-EXPIRED",
     "CRED-SUBSPECIALTY",
     Q(LIC "," BOARD("ABA") "," FELLOW ",{\"kind\": \"subspecialty\", \"issuer\": \"ABA\", "
                            "\"specialty\": \"pain-medicine\", \"end\": \"2025-12-31\"}"),
     false, false},
    {"unknown board abbreviation", "CRED-BOARD-UNKNOWN", "CRED-PRIMARY-BOARD",
     Q(LIC "," BOARD("XYZ") "," FELLOW), false, false},
    {"empty record: every part missing", "CRED-FELLOWSHIP-MISSING", "CRED-QUALIFIED", Q(), false,
     false},
};

static void test_credential__vignettes(void **state)
{
    int passed = 0, failed = 0;
    (void)state;
    for (size_t i = 0; i < sizeof(vignettes) / sizeof(vignettes[0]); i++) {
        const struct vignette *v = &vignettes[i];
        struct pp_credential_input in;
        struct pp_credential_result res;
        struct pp_findings f;
        struct pp_policy p;
        bool ok;
        pp_policy_init(&p);
        p.cred_count_abfm = v->abfm;
        pp_findings_init(&f);
        eval(v->json, NOW, &p, &in, &f, &res);
        ok = fired(&f, v->rule) && !fired(&f, v->absent) && res.qualified == v->qualified;
        if (!ok)
            printf("FAIL [%s] %s: qualified %d\n", v->rule, v->name, res.qualified);
        ok ? passed++ : failed++;
        pp_findings_release(&f);
    }
    printf("credential vignettes: %d passed, %d failed\n", passed, failed);
    assert_int_equal(failed, 0);
    assert_true(passed >= 10);
}

/* CRED-FELLOWSHIP / CRED-FELLOWSHIP-SHORT at cred_fellowship_min_months = 12: 11, 12, 13. */
static void test_credential__fellowship_11_12_13_months(void **state)
{
    static const struct {
        const char *fellowship;
        bool ok;
    } cases[] = {
        {"{\"kind\": \"fellowship\", \"issuer\": \"ACGME\", \"specialty\": \"pain-medicine\", "
         "\"months\": 11}",
         false},
        {"{\"kind\": \"fellowship\", \"issuer\": \"ACGME\", \"specialty\": \"pain-medicine\", "
         "\"months\": 12}",
         true},
        {"{\"kind\": \"fellowship\", \"issuer\": \"ACGME\", \"specialty\": \"pain-medicine\", "
         "\"months\": 13}",
         true},
        /* the same from the period: July 1 - May 31 (11), - June 30 (12), - July 31 (13) */
        {"{\"kind\": \"fellowship\", \"issuer\": \"ACGME\", \"specialty\": \"pain-medicine\", "
         "\"start\": \"2018-07-01\", \"end\": \"2019-05-31\"}",
         false},
        {"{\"kind\": \"fellowship\", \"issuer\": \"ACGME\", \"specialty\": \"pain-medicine\", "
         "\"start\": \"2018-07-01\", \"end\": \"2019-06-30\"}",
         true},
        {"{\"kind\": \"fellowship\", \"issuer\": \"ACGME\", \"specialty\": \"pain-medicine\", "
         "\"start\": \"2018-07-01\", \"end\": \"2019-06-29\"}",
         false},
        {"{\"kind\": \"fellowship\", \"issuer\": \"ACGME\", \"specialty\": \"pain-medicine\", "
         "\"start\": \"2018-07-01\", \"end\": \"2019-07-31\"}",
         true},
    };
    char json[1024];
    struct pp_policy p;
    (void)state;
    pp_policy_init(&p);
    assert_int_equal(p.cred_fellowship_min_months, 12);
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct pp_credential_input in;
        struct pp_credential_result res;
        struct pp_findings f;
        pp_findings_init(&f);
        snprintf(json, sizeof(json), Q(LIC "," BOARD("ABA") ",%s," PAIN("ABA")),
                 cases[i].fellowship);
        eval(json, NOW, &p, &in, &f, &res);
        assert_int_equal(res.fellowship_ok, cases[i].ok);
        assert_int_equal(res.qualified, cases[i].ok);
        assert_int_equal(fired(&f, "CRED-FELLOWSHIP"), cases[i].ok);
        assert_int_equal(fired(&f, "CRED-FELLOWSHIP-SHORT"), !cases[i].ok);
        pp_findings_release(&f);
    }
}

/* CRED-CERT-EXPIRED: the end day is the last valid day. */
static void test_credential__certificate_expiring_yesterday_today_tomorrow(void **state)
{
    static const struct {
        const char *end;
        bool current;
    } cases[] = {{"2026-11-26", false}, {"2026-11-27", true}, {"2026-11-28", true}};
    char json[1024];
    struct pp_policy p;
    (void)state;
    pp_policy_init(&p);
    for (size_t i = 0; i < 3; i++) {
        struct pp_credential_input in;
        struct pp_credential_result res;
        struct pp_findings f;
        pp_findings_init(&f);
        /* the primary board expires */
        snprintf(json, sizeof(json),
                 Q(LIC ",{\"kind\": \"board\", \"issuer\": \"ABA\", \"end\": \"%s\"}," FELLOW
                       "," PAIN("ABA")),
                 cases[i].end);
        eval(json, NOW, &p, &in, &f, &res);
        assert_int_equal(res.primary_ok, cases[i].current);
        assert_int_equal(res.qualified, cases[i].current);
        assert_int_equal(fired(&f, "CRED-CERT-EXPIRED"), !cases[i].current);
        pp_findings_release(&f);
        /* the licence expires */
        pp_findings_init(&f);
        snprintf(json, sizeof(json),
                 Q("{\"kind\": \"license\", \"issuer\": \"CO\", \"end\": \"%s\"}," BOARD(
                     "ABA") "," FELLOW "," PAIN("ABA")),
                 cases[i].end);
        eval(json, NOW, &p, &in, &f, &res);
        assert_int_equal(res.license_ok, cases[i].current);
        assert_int_equal(fired(&f, "CRED-LICENSE-MISSING"), !cases[i].current);
        pp_findings_release(&f);
    }
}

/* CRED-CERT-NOT-YET-VALID: a certificate starting tomorrow does not count today. */
static void test_credential__certificate_starting_tomorrow(void **state)
{
    struct pp_credential_input in;
    struct pp_credential_result res;
    struct pp_findings f;
    struct pp_policy p;
    (void)state;
    pp_policy_init(&p);
    pp_findings_init(&f);
    eval(Q(LIC ",{\"kind\": \"board\", \"issuer\": \"ABA\", \"start\": \"2026-11-28\"}," FELLOW
               "," PAIN("ABA")),
         NOW, &p, &in, &f, &res);
    assert_false(res.primary_ok);
    assert_true(fired(&f, "CRED-CERT-NOT-YET-VALID"));
    pp_findings_release(&f);
}

/* CRED-PRIVILEGE-GRANTED / -NOT-GRANTED, with privilege periods. */
static void test_credential__privileges(void **state)
{
    static const char json[] =
        "{\"id\": \"p1\", \"privileges\": [\"esi-tf-lumbar\", {\"procedure\": \"rfa-mb-lumbar\", "
        "\"end\": \"2026-11-26\"}, {\"procedure\": \"mbb-lumbar\", \"start\": \"2026-11-28\"}, "
        "{\"procedure\": \"sij-injection\", \"end\": \"2026-11-27\"}]}";
    static const struct {
        const char *procedure;
        bool allowed;
    } cases[] = {{"esi-tf-lumbar", true},
                 {"rfa-mb-lumbar", false},
                 {"mbb-lumbar", false},
                 {"sij-injection", true},
                 {"esi-caudal", false}};
    struct pp_credential_input in;
    struct pp_diag d;
    struct pp_policy p;
    (void)state;
    pp_policy_init(&p);
    assert_int_equal(pp_credential_input_from_json(json, strlen(json), "t", &in, &d), PP_OK);
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct pp_findings f;
        bool allowed = !cases[i].allowed;
        pp_findings_init(&f);
        assert_int_equal(
            pp_credential_may_perform(&in, cases[i].procedure, D(NOW), &f, &allowed, &d), PP_OK);
        assert_int_equal(allowed, cases[i].allowed);
        assert_true(fired(&f, allowed ? "CRED-PRIVILEGE-GRANTED" : "CRED-PRIVILEGE-NOT-GRANTED"));
        pp_findings_release(&f);
    }
    {
        struct pp_findings f;
        bool allowed;
        pp_findings_init(&f);
        assert_int_equal(pp_credential_may_perform(&in, "brain-surgery", D(NOW), &f, &allowed, &d),
                         PP_ERR_INPUT);
        assert_string_equal(d.where, "procedure");
        pp_findings_release(&f);
    }
}

static void test_credential__fhir_practitioner_bundle(void **state)
{
    static const char json[] =
        "{\"resourceType\": \"Bundle\", \"type\": \"collection\", \"entry\": ["
        "{\"resource\": {\"resourceType\": \"Practitioner\", \"id\": \"dr-k\", "
        " \"name\": [{\"family\": \"Kim\"}], \"qualification\": ["
        "  {\"code\": {\"coding\": [{\"system\": \"urn:painpath:qualification-kind\", \"code\": "
        "\"license\"}]}, \"issuer\": {\"display\": \"CO\"}, \"period\": {\"end\": \"2027-01-01\"}},"
        "  {\"identifier\": [{\"value\": \"ABPN-1\"}], \"code\": {\"coding\": [{\"system\": "
        "\"urn:painpath:qualification-kind\", \"code\": \"board\"}, {\"system\": "
        "\"urn:painpath:specialty\", \"code\": \"neurology\"}]}, \"issuer\": {\"display\": "
        "\"ABPN\"}},"
        "  {\"code\": {\"coding\": [{\"system\": \"urn:painpath:qualification-kind\", \"code\": "
        "\"fellowship\"}, {\"system\": \"urn:painpath:specialty\", \"code\": \"pain-medicine\"}]},"
        "   \"issuer\": {\"display\": \"ACGME\"}, \"extension\": [{\"url\": "
        "\"urn:painpath:fellowship-months\", \"valueInteger\": 12}]},"
        "  {\"code\": {\"coding\": [{\"system\": \"urn:painpath:qualification-kind\", \"code\": "
        "\"subspecialty\"}, {\"system\": \"urn:painpath:specialty\", \"code\": "
        "\"pain-medicine\"}]}, \"issuer\": {\"display\": \"ABPN\"}, \"period\": {\"start\": "
        "\"2020-01-01\", \"end\": \"2030-12-31\"}}]}},"
        "{\"resource\": {\"resourceType\": \"PractitionerRole\", \"practitioner\": {\"reference\": "
        "\"Practitioner/dr-k\"}, \"code\": [{\"coding\": [{\"system\": \"urn:painpath:procedure\", "
        "\"code\": \"esi-il-cervical\"}, {\"system\": \"urn:painpath:procedure\", \"code\": "
        "\"stellate-ganglion-block\"}]}]}},"
        "{\"resource\": {\"resourceType\": \"PractitionerRole\", \"active\": false, "
        "\"practitioner\": {\"reference\": \"Practitioner/dr-k\"}, \"code\": [{\"coding\": "
        "[{\"system\": \"urn:painpath:procedure\", \"code\": \"rfa-genicular\"}]}]}},"
        "{\"resource\": {\"resourceType\": \"PractitionerRole\", \"practitioner\": {\"reference\": "
        "\"Practitioner/other\"}, \"code\": [{\"coding\": [{\"system\": "
        "\"urn:painpath:procedure\", "
        "\"code\": \"trigger-point\"}]}]}}]}";
    struct pp_credential_input in;
    struct pp_credential_result res;
    struct pp_findings f;
    struct pp_policy p;
    (void)state;
    pp_policy_init(&p);
    pp_findings_init(&f);
    eval(json, NOW, &p, &in, &f, &res);
    assert_string_equal(in.practitioner_id, "dr-k");
    assert_string_equal(in.name, "Kim");
    assert_int_equal(in.n_qualifications, 4);
    assert_string_equal(in.qualifications[1].id, "ABPN-1");
    assert_int_equal(in.qualifications[2].months, 12);
    assert_true(res.qualified);
    assert_string_equal(res.board, "ABPN");
    assert_int_equal(in.n_privileges, 2); /* inactive role and the other practitioner's skipped */
    assert_string_equal(in.privileges[1].procedure, "stellate-ganglion-block");
    pp_findings_release(&f);
}

static void test_credential__input_errors_name_the_field(void **state)
{
    static const struct {
        const char *json;
        const char *where;
    } cases[] = {
        {"{\"qualifications\": [{\"issuer\": \"ABA\"}]}", "t: qualifications[0].kind"},
        {"{\"qualifications\": [{\"kind\": \"diploma\"}]}", "t: qualifications[0].kind"},
        {"{\"qualifications\": [{\"kind\": \"board\", \"end\": \"soon\"}]}",
         "t: qualifications[0].end"},
        {"{\"qualifications\": [{\"kind\": \"fellowship\", \"months\": 11.5}]}",
         "t: qualifications[0].months"},
        {"{\"privileges\": [42]}", "t: privileges[0]"},
        {"{\"boards\": []}", "t: boards"},
        {"{\"resourceType\": \"Practitioner\", \"qualification\": [{\"code\": {\"text\": "
         "\"MD\"}}]}",
         "t: qualification[0].code"},
        {"{\"resourceType\": \"Patient\"}", "t: resourceType"},
    };
    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct pp_credential_input in;
        struct pp_diag d;
        pp_diag_clear(&d);
        assert_int_equal(
            pp_fhir_practitioner_read(cases[i].json, strlen(cases[i].json), "t", &in, &d),
            PP_ERR_INPUT);
        assert_string_equal(d.where, cases[i].where);
    }
    /* semantic errors come from evaluate */
    {
        static const char json[] = "{\"qualifications\": [{\"kind\": \"board\", \"start\": "
                                   "\"2020-01-01\", \"end\": \"2019-01-01\"}], "
                                   "\"privileges\": [\"esi-tf-lumbar\"]}";
        static const char json2[] = "{\"privileges\": [\"esi-tf-lumbar\", \"knee-surgery\"]}";
        struct pp_credential_input in;
        struct pp_credential_result res;
        struct pp_findings f;
        struct pp_policy p;
        struct pp_diag d;
        pp_policy_init(&p);
        pp_findings_init(&f);
        assert_int_equal(pp_credential_input_from_json(json, strlen(json), "t", &in, &d), PP_OK);
        assert_int_equal(pp_credential_evaluate(&in, D(NOW), &p, &f, &res, &d), PP_ERR_INPUT);
        assert_string_equal(d.where, "qualifications[0].end");
        assert_int_equal(pp_credential_input_from_json(json2, strlen(json2), "t", &in, &d), PP_OK);
        assert_int_equal(pp_credential_evaluate(&in, D(NOW), &p, &f, &res, &d), PP_ERR_INPUT);
        assert_string_equal(d.where, "privileges[1]");
        pp_findings_release(&f);
    }
}

static void test_credential__board_table(void **state)
{
    struct pp_policy p;
    const char *name;
    (void)state;
    pp_policy_init(&p);
    assert_int_equal(pp_credential_board_status("ABA", &p, &name), PP_BOARD_COSPONSOR);
    assert_int_equal(pp_credential_board_status("abem", &p, &name), PP_BOARD_COSPONSOR);
    assert_int_equal(pp_credential_board_status("ABR", &p, &name), PP_BOARD_COSPONSOR_UNCONFIRMED);
    p.cred_count_abr = 1;
    assert_int_equal(pp_credential_board_status("ABR", &p, &name), PP_BOARD_COSPONSOR);
    assert_int_equal(pp_credential_board_status("ABFM", &p, &name), PP_BOARD_COSPONSOR_UNCONFIRMED);
    assert_int_equal(pp_credential_board_status("ABPM", &p, &name), PP_BOARD_NON_ABMS);
    assert_string_equal(name, "American Board of Pain Medicine");
    assert_int_equal(pp_credential_board_status("ABIM", &p, &name), PP_BOARD_ABMS_OTHER);
    assert_int_equal(pp_credential_board_status("NOPE", &p, &name), PP_BOARD_UNKNOWN);
    assert_null(name);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_credential__vignettes),
        cmocka_unit_test(test_credential__fellowship_11_12_13_months),
        cmocka_unit_test(test_credential__certificate_expiring_yesterday_today_tomorrow),
        cmocka_unit_test(test_credential__certificate_starting_tomorrow),
        cmocka_unit_test(test_credential__privileges),
        cmocka_unit_test(test_credential__fhir_practitioner_bundle),
        cmocka_unit_test(test_credential__input_errors_name_the_field),
        cmocka_unit_test(test_credential__board_table),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
