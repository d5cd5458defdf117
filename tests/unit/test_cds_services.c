/*
 * test_cds_services.c — the CDS services beyond the opioid ones (pain-summary,
 * procedure-order-sign, imaging-order-select) on the requests in tests/fixtures/cds/,
 * their thresholds at, below and above the boundary, selections, the prefetch keys a
 * request lacks, the intake answers, feedback stored through the HTTP handler, and the
 * AHRQ Pain Management Summary cases (shared data) through the pain-summary service.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clinical/policy.h"
#include "clinical/summary.h"
#include "clinical/terms.h"
#include "fhir/cds.h"
#include "fhir/cds_orders.h"
#include "fhir/cds_response.h"
#include "fhir/load.h"
#include "fhir/patient_set.h"
#include "http/handlers.h"
#include "http/metrics.h"
#include "http/routes.h"
#include "store/store.h"
#include "util/buf.h"
#include "util/json.h"

static struct pp_policy policy;
static struct pp_terms terms;
static pp_day now_day; /* 2026-11-27, the API tests' date */

static int setup(void **state)
{
    (void)state;
    pp_policy_init(&policy);
    pp_terms_init_builtin(&terms);
    now_day = pp_day_from_ymd(2026, 11, 27);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    pp_terms_release(&terms);
    return 0;
}

/* A fixture of tests/fixtures/cds, parsed (caller frees). */
static cJSON *fixture(const char *name)
{
    const char *src = getenv("PP_SOURCE_DIR");
    char path[512];
    struct pp_buf b;
    struct pp_diag d;
    cJSON *root = NULL;
    if (!src)
        fail_msg("PP_SOURCE_DIR is not set");
    snprintf(path, sizeof(path), "%s/tests/fixtures/cds/%s", src, name);
    pp_buf_init(&b, PP_BUF_UNLIMITED);
    if (pp_buf_read_file(&b, path, &d) != PP_OK)
        fail_msg("%s: %s", path, d.what);
    assert_int_equal(pp_json_parse(b.data, b.len, name, &root, &d), PP_OK);
    pp_buf_release(&b);
    return root;
}

/* Run service `id` on `req` at `now`; the response (caller frees) or NULL with *rc set. */
static cJSON *run_at(const char *id, const cJSON *req, pp_day now, enum pp_err *rc,
                     struct pp_diag *d)
{
    const struct pp_cds_service *svc = pp_cds_service_find(id);
    struct pp_cds_env env = {now, &policy, &terms, NULL};
    struct pp_findings f;
    struct pp_buf out;
    cJSON *res = NULL;
    assert_non_null(svc);
    pp_findings_init(&f);
    pp_buf_init(&out, PP_BUF_UNLIMITED);
    pp_diag_clear(d);
    *rc = pp_cds_service_run(svc, req, "req", &env, &f, &out, d);
    if (*rc == PP_OK)
        assert_int_equal(pp_json_parse(out.data, out.len, "out", &res, d), PP_OK);
    else
        assert_int_equal(out.len, 0);
    pp_buf_release(&out);
    pp_findings_release(&f);
    return res;
}

static cJSON *run(const char *id, const cJSON *req)
{
    struct pp_diag d;
    enum pp_err rc;
    cJSON *res = run_at(id, req, now_day, &rc, &d);
    if (rc)
        fail_msg("%s: %s: %s", id, d.where, d.what);
    return res;
}

/* "indicator CODE" of every card, joined by ", ", into out. */
static const char *topics(const cJSON *res, char *out, size_t n)
{
    const cJSON *c;
    size_t len = 0;
    out[0] = '\0';
    cJSON_ArrayForEach(c, pp_json_arr(res, "cards"))
    {
        const char *code = pp_json_str(pp_json_obj(pp_json_obj(c, "source"), "topic"), "code");
        const char *sys = pp_json_str(pp_json_obj(pp_json_obj(c, "source"), "topic"), "system");
        assert_string_equal(sys, "urn:painpath:rule");
        assert_true(strlen(pp_json_str(c, "summary")) <= 140);
        len += (size_t)snprintf(out + len, n - len, "%s%s %s", len ? ", " : "",
                                pp_json_str(c, "indicator"), code);
    }
    return out;
}

static const cJSON *card(const cJSON *res, size_t i)
{
    return cJSON_GetArrayItem(pp_json_arr(res, "cards"), (int)i);
}

static void test_cds_services__fixtures(void **state)
{
    static const struct {
        const char *file, *service, *topics;
    } cases[] = {
        {"pain-summary.json", "pain-summary",
         "warning SUMMARY-RISK-FACTOR, warning SUMMARY-HIGH-MME, info SUMMARY-CONDITIONS, "
         "info SUMMARY-ASSESSMENTS, info SUMMARY-TREATMENTS, info SUMMARY-RISK-CONSIDERATIONS"},
        {"procedure-order-sign.json", "procedure-order-sign",
         "critical COV-NOT-ELIGIBLE, warning COV-NOT-ELIGIBLE, info COV-ELIGIBLE"},
        {"procedure-eligible-later.json", "procedure-order-sign", "warning COV-ELIGIBLE-LATER"},
        {"imaging-order-select.json", "imaging-order-select",
         "warning IMG-MODALITY-MISMATCH, info IMG-V3-CANDIDATE, info IMG-V3-CANDIDATE"},
        {"imaging-red-flag.json", "imaging-order-select", "critical IMG-V4-CAUDA-EQUINA"},
    };
    char got[1024];
    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        cJSON *req = fixture(cases[i].file), *res = run(cases[i].service, req);
        assert_string_equal(topics(res, got, sizeof(got)), cases[i].topics);
        cJSON_Delete(res);
        cJSON_Delete(req);
    }
}

static void test_cds_services__procedure_cards_name_criteria(void **state)
{
    cJSON *req = fixture("procedure-order-sign.json"), *res = run("procedure-order-sign", req);
    const char *sij = pp_json_str(card(res, 0), "detail");
    const char *rfa = pp_json_str(card(res, 1), "detail");
    const char *esi = pp_json_str(card(res, 2), "detail");
    (void)state;
    /* SI joint RFA is never covered: critical, the row named */
    assert_non_null(strstr(sij, "ServiceRequest/cds-proc-1-sij"));
    assert_non_null(strstr(sij, "**COV-SIJ-RFA**"));
    assert_non_null(strstr(rfa, "**COV-FACET-RFA-BLOCKS**"));
    assert_non_null(strstr(esi, "Verdict: **eligible**"));
    assert_null(strstr(esi, "Unmet:"));
    /* the physical therapy order is no catalogue procedure: no card */
    assert_int_equal(cJSON_GetArraySize(pp_json_arr(res, "cards")), 3);
    assert_string_equal(pp_json_str(pp_json_obj(card(res, 2), "source"), "label"),
                        "painpath: payer coverage criteria");
    cJSON_Delete(res);
    cJSON_Delete(req);
}

/* Move every date of the eligible-later fixture so that the pain and the conservative care
 * began `days` before the proposed date, and run it. */
static cJSON *esi_with_pain_days(int days, char *onset_out)
{
    cJSON *req = fixture("procedure-eligible-later.json");
    pp_day date = pp_day_from_ymd(2026, 11, 30), onset = date - days;
    char day[11];
    cJSON *cond = cJSON_GetObjectItem(
        cJSON_GetArrayItem(
            pp_json_arr(pp_json_obj(pp_json_obj(req, "prefetch"), "conditions"), "entry"), 0),
        "resource");
    cJSON *qr =
        cJSON_GetObjectItem(cJSON_GetArrayItem(pp_json_arr(pp_json_obj(pp_json_obj(req, "prefetch"),
                                                                       "questionnaireResponses"),
                                                           "entry"),
                                               0),
                            "resource");
    const cJSON *it;
    cJSON *res;
    pp_day_format(onset, day);
    cJSON_ReplaceItemInObject(cond, "onsetDateTime", cJSON_CreateString(day));
    cJSON_ArrayForEach(it, pp_json_arr(qr, "item"))
    {
        const cJSON *sub;
        cJSON_ArrayForEach(sub, pp_json_arr(it, "item"))
        {
            cJSON *a = cJSON_GetArrayItem(pp_json_arr(sub, "answer"), 0);
            if (cJSON_GetObjectItem(a, "valueDate")) /* the conservative-care dates */
                cJSON_ReplaceItemInObject(a, "valueDate", cJSON_CreateString(day));
        }
    }
    res = run("procedure-order-sign", req);
    if (onset_out)
        memcpy(onset_out, day, 11);
    cJSON_Delete(req);
    return res;
}

static void test_cds_services__esi_pain_duration_boundary(void **state)
{
    int days = policy.cov_esi_pain_days;
    char got[256];
    cJSON *res;
    (void)state;
    assert_int_equal(days, policy.cov_esi_conservative_days); /* one boundary for both */
    res = esi_with_pain_days(days - 1, NULL);
    assert_string_equal(topics(res, got, sizeof(got)), "warning COV-ELIGIBLE-LATER");
    assert_non_null(strstr(pp_json_str(card(res, 0), "summary"), "eligible from 2026-12-01"));
    cJSON_Delete(res);
    res = esi_with_pain_days(days, NULL);
    assert_string_equal(topics(res, got, sizeof(got)), "info COV-ELIGIBLE");
    cJSON_Delete(res);
    res = esi_with_pain_days(days + 1, NULL);
    assert_string_equal(topics(res, got, sizeof(got)), "info COV-ELIGIBLE");
    cJSON_Delete(res);
}

/* The imaging fixture with conservative care begun `days` before now (pain since long
 * before), MRI selected only. */
static cJSON *mri_after_care_days(int days)
{
    cJSON *req = fixture("imaging-order-select.json");
    cJSON *qr =
        cJSON_GetObjectItem(cJSON_GetArrayItem(pp_json_arr(pp_json_obj(pp_json_obj(req, "prefetch"),
                                                                       "questionnaireResponses"),
                                                           "entry"),
                                               0),
                            "resource");
    cJSON *ctx = cJSON_GetObjectItem(req, "context");
    const cJSON *it;
    char day[11];
    cJSON *res;
    pp_day_format(now_day - days, day);
    cJSON_ArrayForEach(it, pp_json_arr(qr, "item"))
    {
        const cJSON *sub;
        cJSON_ArrayForEach(sub, pp_json_arr(it, "item"))
        {
            if (strcmp(pp_json_str(sub, "linkId"), "physical_therapy") == 0)
                cJSON_ReplaceItemInObject(cJSON_GetArrayItem(pp_json_arr(sub, "answer"), 0),
                                          "valueDate", cJSON_CreateString(day));
        }
    }
    cJSON_ReplaceItemInObject(ctx, "selections", cJSON_Parse("[\"ServiceRequest/cds-img-1-mri\"]"));
    res = run("imaging-order-select", req);
    cJSON_Delete(req);
    return res;
}

static void test_cds_services__imaging_conservative_weeks_boundary(void **state)
{
    int days = 7 * policy.img_conservative_weeks;
    char got[256];
    cJSON *res;
    (void)state;
    res = mri_after_care_days(days - 1);
    assert_string_equal(topics(res, got, sizeof(got)), "warning IMG-TOO-EARLY");
    cJSON_Delete(res);
    res = mri_after_care_days(days);
    assert_string_equal(topics(res, got, sizeof(got)), "info IMG-V3-CANDIDATE");
    assert_non_null(strstr(pp_json_str(card(res, 0), "detail"), "rating: Usually appropriate"));
    cJSON_Delete(res);
    res = mri_after_care_days(days + 1);
    assert_string_equal(topics(res, got, sizeof(got)), "info IMG-V3-CANDIDATE");
    cJSON_Delete(res);
}

static void test_cds_services__imaging_selections_and_onset(void **state)
{
    cJSON *req = fixture("imaging-order-select.json"), *res;
    cJSON *ctx = cJSON_GetObjectItem(req, "context"), *pre = cJSON_GetObjectItem(req, "prefetch");
    char got[512];
    (void)state;
    /* without selections every imaging draft is decided, the CT one too */
    cJSON_DeleteItemFromObject(ctx, "selections");
    res = run("imaging-order-select", req);
    assert_string_equal(topics(res, got, sizeof(got)),
                        "warning IMG-MODALITY-MISMATCH, warning IMG-MODALITY-MISMATCH, "
                        "info IMG-V3-CANDIDATE, info IMG-V3-CANDIDATE, info IMG-V3-CANDIDATE");
    cJSON_Delete(res);
    /* no intake answers and no pain Condition: nothing dates the pain */
    cJSON_ReplaceItemInObject(pre, "questionnaireResponses", cJSON_CreateNull());
    cJSON_ReplaceItemInObject(pre, "conditions", cJSON_CreateNull());
    res = run("imaging-order-select", req);
    assert_string_equal(topics(res, got, sizeof(got)),
                        "warning IMG-ONSET-UNKNOWN, warning IMG-ONSET-UNKNOWN, "
                        "warning IMG-ONSET-UNKNOWN");
    cJSON_Delete(res);
    cJSON_Delete(req);
    /* a red flag goes before everything: the cauda equina card is critical */
    req = fixture("imaging-red-flag.json");
    res = run("imaging-order-select", req);
    assert_non_null(strstr(pp_json_str(card(res, 0), "detail"), "pain onset 2026-11-20"));
    cJSON_Delete(res);
    cJSON_Delete(req);
}

static void test_cds_services__wrong_hook_and_bad_order(void **state)
{
    cJSON *req = fixture("imaging-order-select.json"), *res;
    struct pp_diag d;
    enum pp_err rc;
    (void)state;
    res = run_at("pain-summary", req, now_day, &rc, &d);
    assert_null(res);
    assert_int_equal(rc, PP_ERR_INPUT);
    assert_string_equal(d.where, "req: hook");
    cJSON_Delete(req);
    req = fixture("procedure-order-sign.json");
    cJSON_ReplaceItemInObject(
        cJSON_GetObjectItem(
            cJSON_GetArrayItem(
                pp_json_arr(pp_json_obj(pp_json_obj(req, "context"), "draftOrders"), "entry"), 0),
            "resource"),
        "occurrenceDateTime", cJSON_CreateString("soon"));
    res = run_at("procedure-order-sign", req, now_day, &rc, &d);
    assert_null(res);
    assert_int_equal(rc, PP_ERR_INPUT);
    assert_non_null(strstr(d.where, "ServiceRequest/cds-proc-1-esi.occurrenceDateTime"));
    cJSON_Delete(req);
}

static void test_cds_services__prefetch_missing(void **state)
{
    const struct pp_cds_service *sum = pp_cds_service_find("pain-summary");
    const struct pp_cds_service *img = pp_cds_service_find("imaging-order-select");
    cJSON *req = fixture("pain-summary.json"), *pre = cJSON_GetObjectItem(req, "prefetch");
    const char *keys[PP_CDS_PREFETCH_KEYS];
    (void)state;
    assert_int_equal(pp_cds_prefetch_missing(sum, req, keys, PP_CDS_PREFETCH_KEYS), 0);
    /* null is "no data", not missing */
    cJSON_ReplaceItemInObject(pre, "observations", cJSON_CreateNull());
    assert_int_equal(pp_cds_prefetch_missing(sum, req, keys, PP_CDS_PREFETCH_KEYS), 0);
    cJSON_DeleteItemFromObject(pre, "observations");
    cJSON_DeleteItemFromObject(pre, "patient");
    assert_int_equal(pp_cds_prefetch_missing(sum, req, keys, PP_CDS_PREFETCH_KEYS), 2);
    assert_string_equal(keys[0], "patient");
    assert_string_equal(keys[1], "observations");
    /* at most `max` named, all counted */
    assert_int_equal(pp_cds_prefetch_missing(sum, req, keys, 1), 2);
    /* a key of another service is not asked for */
    assert_int_equal(pp_cds_prefetch_missing(img, req, keys, PP_CDS_PREFETCH_KEYS), 2);
    assert_string_equal(keys[1], "questionnaireResponses");
    cJSON_DeleteItemFromObject(req, "prefetch");
    assert_int_equal(pp_cds_prefetch_missing(img, req, keys, PP_CDS_PREFETCH_KEYS), 3);
    cJSON_Delete(req);
}

static void test_cds_services__intake_answers(void **state)
{
    cJSON *req = cJSON_Parse(
        "{\"prefetch\": {\"q\": {\"resourceType\": \"Bundle\", \"entry\": ["
        "{\"resource\": {\"resourceType\": \"QuestionnaireResponse\", \"status\": \"completed\","
        " \"authored\": \"2026-11-20\", \"item\": [{\"linkId\": \"red_flags\", \"item\": ["
        "  {\"linkId\": \"fever\", \"answer\": [{\"valueBoolean\": false}]}]},"
        "  {\"linkId\": \"course\", \"answer\": [{\"valueCoding\": {\"code\": \"worsening\"}}]}]}},"
        "{\"resource\": {\"resourceType\": \"QuestionnaireResponse\", \"status\": \"completed\","
        " \"authored\": \"2026-11-01\", \"item\": [{\"linkId\": \"red_flags.fever\","
        "  \"answer\": [{\"valueBoolean\": true}]},"
        "  {\"linkId\": \"onset\", \"answer\": [{\"valueDate\": \"2026-10-01\"}]}]}},"
        "{\"resource\": {\"resourceType\": \"QuestionnaireResponse\", \"status\": \"in-progress\","
        " \"authored\": \"2026-11-25\", \"item\": [{\"linkId\": \"onset\","
        "  \"answer\": [{\"valueDate\": \"2026-11-24\"}]}]}}]}}}");
    cJSON *a = pp_cds_intake_answers(req);
    struct pp_record r;
    struct pp_imaging_input in;
    (void)state;
    /* the later answer wins; an unfinished response is not read */
    assert_true(cJSON_IsFalse(cJSON_GetObjectItem(a, "red_flags.fever")));
    assert_string_equal(pp_json_str(a, "onset"), "2026-10-01");
    assert_string_equal(pp_json_str(a, "course"), "worsening");
    pp_record_init(&r);
    pp_cds_imaging_context(&r, a, PP_IMG_LUMBAR, PP_IMG_CT, &in);
    assert_int_equal(in.onset, pp_day_from_ymd(2026, 10, 1));
    assert_int_equal(in.improving, PP_ANSWER_NO);
    assert_int_equal(in.red_flags[PP_RF_FEVER], PP_ANSWER_NO);
    assert_int_equal(in.red_flags[PP_RF_SADDLE_ANESTHESIA], PP_ANSWER_UNKNOWN);
    assert_int_equal(in.modality, PP_IMG_CT);
    pp_record_release(&r);
    cJSON_Delete(a);
    cJSON_Delete(req);
}

static void test_cds_services__request_bundle_and_orders(void **state)
{
    cJSON *req = fixture("procedure-order-sign.json");
    cJSON *b = pp_cds_request_bundle(req);
    const cJSON *first = pp_json_obj(cJSON_GetArrayItem(pp_json_arr(b, "entry"), 0), "resource");
    enum pp_img_region g;
    enum pp_img_modality m;
    cJSON *sr = cJSON_Parse("{\"code\": {\"coding\": [{\"system\": \"urn:painpath:imaging\", "
                            "\"code\": \"cervical-mri_with_contrast\"}]}}");
    (void)state;
    /* 4 draft orders first, then patient, condition, 2 observations, intake, imaging study */
    assert_int_equal(cJSON_GetArraySize(pp_json_arr(b, "entry")), 10);
    assert_string_equal(pp_json_str(first, "id"), "cds-proc-1-esi");
    cJSON_Delete(b);
    cJSON_Delete(req);
    assert_true(pp_cds_imaging_order_of(sr, &g, &m));
    assert_int_equal(g, PP_IMG_CERVICAL);
    assert_int_equal(m, PP_IMG_MRI_WITH);
    cJSON_Delete(sr);
    sr = cJSON_Parse("{\"code\": {\"coding\": [{\"system\": \"urn:painpath:imaging\", "
                     "\"code\": \"lumbar-pet\"}]}}");
    assert_false(pp_cds_imaging_order_of(sr, &g, &m));
    cJSON_Delete(sr);
}

static void test_cds_services__prefetch_templates_match(void **state)
{
    cJSON *lab = cJSON_Parse(
        "{\"resourceType\": \"Observation\", \"status\": \"final\", \"category\": [{\"coding\": "
        "[{\"code\": \"survey\"}]}, {\"coding\": [{\"code\": \"laboratory\"}]}], \"code\": "
        "{\"coding\": [{\"system\": \"http://snomed.info/sct\", \"code\": \"461651000124104\"}]}}");
    cJSON *med = cJSON_Parse("{\"resourceType\": \"MedicationRequest\", \"status\": \"draft\"}");
    const char *q;
    (void)state;
    for (size_t k = 0; pp_cds_prefetch_key(k, &q); k++) {
        if (strcmp(pp_cds_prefetch_key(k, NULL), "labObservations") == 0 ||
            strcmp(pp_cds_prefetch_key(k, NULL), "pdmpObservations") == 0 ||
            strcmp(pp_cds_prefetch_key(k, NULL), "observations") == 0)
            assert_true(pp_cds_prefetch_matches(lab, q));
        if (strcmp(pp_cds_prefetch_key(k, NULL), "medicationRequests") == 0)
            assert_false(pp_cds_prefetch_matches(med, q)); /* a draft is not a prefetch order */
    }
    assert_int_equal(pp_cds_prefetch_key(PP_CDS_PREFETCH_KEYS, &q), NULL);
    assert_false(pp_cds_prefetch_matches(lab, "Observation?category=vital-signs"));
    assert_false(pp_cds_prefetch_matches(lab, "Observation?code=http://loinc.org|461651000124104"));
    assert_true(pp_cds_prefetch_matches(lab, "Observation?code=1,461651000124104"));
    assert_false(pp_cds_prefetch_matches(lab, "Observation?status=preliminary,amended"));
    assert_true(pp_cds_prefetch_matches(lab, "Observation?status=preliminary,final"));
    assert_false(pp_cds_prefetch_matches(lab, "Observation?status=fina"));
    cJSON_Delete(lab);
    cJSON_Delete(med);
}

/* Feedback through the HTTP handler into a fresh database. */
static unsigned feedback(const char *db, const char *body)
{
    struct pp_http_env env = {0};
    struct pp_http_request req;
    struct pp_http_response res;
    unsigned status;
    size_t n;
    env.now = now_day;
    env.policy = &policy;
    env.terms = &terms;
    env.db_path = db;
    memset(&req, 0, sizeof(req));
    snprintf(req.param, sizeof(req.param), "procedure-order-sign");
    req.body = body;
    req.body_len = strlen(body);
    req.env = &env;
    req.now = now_day;
    pp_http_routes(&n);
    req.metrics = pp_http_metrics_new(n);
    pp_http_response_init(&res);
    pp_http_handle_cds_feedback(&req, &res);
    status = res.status;
    pp_http_response_release(&res);
    pp_http_metrics_free(req.metrics);
    return status;
}

static size_t stored(const char *db, const char *card)
{
    struct pp_store *s = NULL;
    struct pp_diag d;
    size_t n = 0;
    assert_int_equal(pp_store_open(db, &s, &d), PP_OK);
    assert_int_equal(pp_store_feedback_count(s, "procedure-order-sign", card, &n, &d), PP_OK);
    pp_store_close(s);
    return n;
}

static void test_cds_services__feedback_stored(void **state)
{
    char dir[] = "/tmp/pp_cds_fb_XXXXXX", db[96];
    (void)state;
    assert_non_null(mkdtemp(dir));
    snprintf(db, sizeof(db), "%s/fb.db", dir);
    assert_int_equal(
        feedback(db, "{\"feedback\": [{\"card\": \"c1\", \"outcome\": \"accepted\", "
                     "\"outcomeTimestamp\": \"2026-11-27T10:00:00Z\"}, {\"card\": \"c1\", "
                     "\"outcome\": \"overridden\", \"overrideReason\": {\"userComment\": \"x\"}, "
                     "\"outcomeTimestamp\": \"2026-11-27T10:05:00Z\"}]}"),
        200);
    assert_int_equal(stored(db, "c1"), 2);
    /* the second item is bad: nothing of the batch is stored */
    assert_int_equal(feedback(db, "{\"feedback\": [{\"card\": \"c2\", \"outcome\": \"accepted\", "
                                  "\"outcomeTimestamp\": \"2026-11-27T10:00:00Z\"}, "
                                  "{\"card\": \"c2\", \"outcome\": \"maybe\", "
                                  "\"outcomeTimestamp\": \"2026-11-27T10:00:00Z\"}]}"),
                     400);
    assert_int_equal(stored(db, "c2"), 0);
    /* an empty list is fine and stores nothing */
    assert_int_equal(feedback(db, "{\"feedback\": []}"), 200);
    assert_int_equal(stored(db, NULL), 2);
    pp_http_rest_thread_close();
    snprintf(db, sizeof(db), "rm -rf '%s'", dir);
    assert_int_equal(system(db), 0);
}

/* The AHRQ Pain Management Summary cases (shared data) as pain-summary requests: the four
 * section cards count what pp_summary_build finds on the same Bundle read by the ordinary
 * loader, so the CDS path and `painpath summary` agree. */
static void test_cds_services__ahrq_cases_agree(void **state)
{
    static const enum pp_summary_section first[4] = {
        PP_SUM_CHRONIC_PAIN_CONDITIONS, PP_SUM_PAIN_INTENSITY, PP_SUM_OPIOIDS, PP_SUM_MME};
    static const enum pp_summary_section last[4] = {PP_SUM_RISK_FACTORS, PP_SUM_STARTBACK,
                                                    PP_SUM_LAXATIVES, PP_SUM_SCREENINGS};
    const char *data = getenv("PP_SHARED_DATA");
    pp_day ahrq_now = pp_day_from_ymd(2018, 12, 10);
    char dir[512];
    struct dirent *ent;
    int passed = 0, total = 0;
    DIR *dp;
    (void)state;
    if (!data || !*data)
        fail_msg("PP_SHARED_DATA is not set");
    snprintf(dir, sizeof(dir), "%s/pain-summary-r4/bundles", data);
    dp = opendir(dir);
    assert_non_null(dp);
    while ((ent = readdir(dp)) != NULL) {
        char path[1024];
        struct pp_buf b;
        struct pp_diag d;
        struct pp_patient_set set;
        const struct pp_record *r;
        struct pp_summary s;
        cJSON *bundle = NULL, *req, *res;
        const cJSON *e;
        const char *pid = NULL;
        enum pp_err rc;
        bool ok = true;
        if (!strstr(ent->d_name, ".json"))
            continue;
        snprintf(path, sizeof(path), "%s/%s", dir, ent->d_name);
        pp_buf_init(&b, PP_BUF_UNLIMITED);
        assert_int_equal(pp_buf_read_file(&b, path, &d), PP_OK);
        assert_int_equal(pp_json_parse(b.data, b.len, ent->d_name, &bundle, &d), PP_OK);
        cJSON_ArrayForEach(e, pp_json_arr(bundle, "entry"))
        {
            const cJSON *x = pp_json_obj(e, "resource");
            if (strcmp(pp_json_str(x, "resourceType"), "Patient") == 0)
                pid = pp_json_str(x, "id");
        }
        assert_non_null(pid);
        total++;
        pp_fhir_patient_set_init(&set);
        assert_int_equal(pp_fhir_load_json(&set, bundle, ent->d_name, &d), PP_OK);
        r = pp_fhir_patient_set_find(&set, pid);
        assert_non_null(r);
        pp_summary_init(&s);
        assert_int_equal(pp_summary_build(r, ahrq_now, &policy, &terms, NULL, &s), PP_OK);
        req = cJSON_CreateObject();
        cJSON_AddStringToObject(req, "hook", "patient-view");
        cJSON_AddObjectToObject(req, "context");
        cJSON_AddStringToObject(cJSON_GetObjectItem(req, "context"), "patientId", pid);
        cJSON_AddItemReferenceToObject(cJSON_AddObjectToObject(req, "prefetch"), "everything",
                                       bundle);
        res = run_at("pain-summary", req, ahrq_now, &rc, &d);
        assert_int_equal(rc, PP_OK);
        for (int g = 0; g < 4; g++) {
            size_t want = 0;
            char expect[64];
            const cJSON *c;
            bool found = false;
            for (int k = (int)first[g]; k <= (int)last[g]; k++)
                want += s.sections[k].n;
            snprintf(expect, sizeof(expect), ": %zu item%s", want, want == 1 ? "" : "s");
            cJSON_ArrayForEach(c, pp_json_arr(res, "cards"))
            {
                const char *sum = pp_json_str(c, "summary");
                if (strncmp(sum, "Pain management summary", 23) == 0 && strstr(sum, expect) &&
                    strlen(strstr(sum, expect)) == strlen(expect))
                    found = true;
            }
            if (!found) {
                ok = false;
                print_message("%s: section card %d does not count %zu\n", ent->d_name, g, want);
            }
        }
        passed += ok;
        cJSON_Delete(res);
        cJSON_Delete(req);
        pp_summary_release(&s);
        pp_fhir_patient_set_release(&set);
        cJSON_Delete(bundle);
        pp_buf_release(&b);
    }
    closedir(dp);
    print_message("AHRQ pain summary cases through pain-summary: %d of %d agree\n", passed, total);
    assert_int_equal(passed, total);
    assert_true(total >= 9);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cds_services__fixtures),
        cmocka_unit_test(test_cds_services__procedure_cards_name_criteria),
        cmocka_unit_test(test_cds_services__esi_pain_duration_boundary),
        cmocka_unit_test(test_cds_services__imaging_conservative_weeks_boundary),
        cmocka_unit_test(test_cds_services__imaging_selections_and_onset),
        cmocka_unit_test(test_cds_services__wrong_hook_and_bad_order),
        cmocka_unit_test(test_cds_services__prefetch_missing),
        cmocka_unit_test(test_cds_services__intake_answers),
        cmocka_unit_test(test_cds_services__request_bundle_and_orders),
        cmocka_unit_test(test_cds_services__prefetch_templates_match),
        cmocka_unit_test(test_cds_services__feedback_stored),
        cmocka_unit_test(test_cds_services__ahrq_cases_agree),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
