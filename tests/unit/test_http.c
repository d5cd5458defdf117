/*
 * test_http.c — the HTTP layer without a socket: the route table (exact and
 * {id} patterns, 404 versus 405), the pp_err -> status table, OperationOutcome
 * bodies, the metrics text, and handlers called directly with a fake request.
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

#include "http/handlers.h"
#include "http/metrics.h"
#include "http/routes.h"
#include "util/json.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static const struct {
    const char *method, *path;
    enum pp_http_match want;
    const char *route; /* the pattern matched, or for a 405 the Allow value */
    const char *param;
} route_cases[] = {
    {"GET", "/healthz", PP_HTTP_MATCHED, "/healthz", ""},
    {"HEAD", "/healthz", PP_HTTP_MATCHED, "/healthz", ""},
    {"POST", "/healthz", PP_HTTP_WRONG_METHOD, "GET", ""},
    {"GET", "/healthz/", PP_HTTP_NO_ROUTE, NULL, ""},
    {"GET", "/healthzz", PP_HTTP_NO_ROUTE, NULL, ""},
    {"GET", "/metrics", PP_HTTP_MATCHED, "/metrics", ""},
    {"GET", "/fhir/metadata", PP_HTTP_MATCHED, "/fhir/metadata", ""},
    {"POST", "/fhir/Patient/$mme", PP_HTTP_MATCHED, "/fhir/Patient/$mme", ""},
    {"GET", "/fhir/Patient/$evaluate", PP_HTTP_WRONG_METHOD, "POST", ""},
    {"GET", "/fhir/Patient/x", PP_HTTP_MATCHED, "/fhir/{type}/{rid}", "Patient"},
    {"DELETE", "/fhir/Patient/x", PP_HTTP_MATCHED, "/fhir/{type}/{rid}", "Patient"},
    {"POST", "/fhir/Patient/x", PP_HTTP_WRONG_METHOD, "GET, PUT, DELETE", ""},
    {"GET", "/fhir/Patient", PP_HTTP_MATCHED, "/fhir/{type}", "Patient"},
    {"DELETE", "/fhir/Patient", PP_HTTP_WRONG_METHOD, "GET, POST", ""},
    {"POST", "/fhir", PP_HTTP_MATCHED, "/fhir", ""},
    {"GET", "/fhir/patient/x", PP_HTTP_NO_ROUTE, NULL, ""},   /* type starts upper-case */
    {"GET", "/fhir/Patient/a_b", PP_HTTP_NO_ROUTE, NULL, ""}, /* not a FHIR id */
    {"GET", "/fhir/Patient/x/_history/2", PP_HTTP_MATCHED, "/fhir/{type}/{rid}/_history/{vid}",
     "Patient"},
    {"GET", "/fhir/Patient/x/_history/v2", PP_HTTP_NO_ROUTE, NULL, ""}, /* vid is digits */
    {"GET", "/fhir/Patient/x/_history", PP_HTTP_MATCHED, "/fhir/{type}/{rid}/_history", "Patient"},
    {"DELETE", "/fhir/metadata", PP_HTTP_WRONG_METHOD, "GET", ""},
    {"GET", "/cds-services", PP_HTTP_MATCHED, "/cds-services", ""},
    {"POST", "/cds-services/opioid-order-sign", PP_HTTP_MATCHED, "/cds-services/{id}",
     "opioid-order-sign"},
    {"POST", "/cds-services/x/feedback", PP_HTTP_MATCHED, "/cds-services/{id}/feedback", "x"},
    {"GET", "/cds-services/x", PP_HTTP_WRONG_METHOD, "POST", ""},
    {"POST", "/cds-services/", PP_HTTP_NO_ROUTE, NULL, ""}, /* empty segment */
    {"POST", "/cds-services//feedback", PP_HTTP_NO_ROUTE, NULL, ""},
    {"POST", "/cds-services/a/b", PP_HTTP_NO_ROUTE, NULL, ""}, /* two segments */
    {"POST", "/cds-services/x/feedback/more", PP_HTTP_NO_ROUTE, NULL, ""},
    {"POST",
     "/cds-services/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
     PP_HTTP_NO_ROUTE, NULL, ""}, /* longer than PP_HTTP_PARAM_MAX */
};

static void test_http__route_table_matches(void **state)
{
    (void)state;
    for (size_t i = 0; i < ARRAY_SIZE(route_cases); i++) {
        const struct pp_http_route *r = NULL;
        const char *allow = NULL;
        char param[PP_HTTP_PARAM_MAX];
        enum pp_http_match m =
            pp_http_route_find(route_cases[i].method, route_cases[i].path, &r, param, &allow);
        if (m != route_cases[i].want)
            fail_msg("%s %s: match %d, want %d", route_cases[i].method, route_cases[i].path, m,
                     route_cases[i].want);
        if (m == PP_HTTP_MATCHED) {
            assert_string_equal(r->path, route_cases[i].route);
            assert_string_equal(param, route_cases[i].param);
        } else {
            assert_null(r);
            if (m == PP_HTTP_WRONG_METHOD)
                assert_string_equal(allow, route_cases[i].route);
        }
    }
}

static void test_http__route_table_is_well_formed(void **state)
{
    size_t n;
    const struct pp_http_route *t = pp_http_routes(&n);
    (void)state;
    assert_true(n >= 8);
    for (size_t i = 0; i < n; i++) {
        assert_non_null(t[i].handler);
        assert_true(t[i].path[0] == '/');
        /* every route names who may call it (rbac.c reads `role`) */
        assert_non_null(t[i].role);
        assert_true(t[i].role[0] != '\0');
        /* GET and DELETE routes take no body; POST and PUT routes have a cap */
        if (strcmp(t[i].method, "GET") == 0 || strcmp(t[i].method, "DELETE") == 0)
            assert_int_equal(t[i].body_max, 0);
        else
            assert_true(t[i].body_max > 0);
        assert_int_equal(pp_http_route_index(&t[i]), i);
        for (size_t k = i + 1; k < n; k++)
            assert_false(strcmp(t[i].path, t[k].path) == 0 &&
                         strcmp(t[i].method, t[k].method) == 0);
    }
    assert_int_equal(pp_http_route_index(NULL), n);
}

static void test_http__error_table(void **state)
{
    (void)state;
    assert_int_equal(pp_http_status_for(PP_OK), 200);
    assert_int_equal(pp_http_status_for(PP_ERR_INPUT), 400);
    assert_int_equal(pp_http_status_for(PP_ERR_NOT_FOUND), 404);
    assert_int_equal(pp_http_status_for(PP_ERR_UNSUPPORTED), 422);
    assert_int_equal(pp_http_status_for(PP_ERR_LIMIT), 413);
    assert_int_equal(pp_http_status_for(PP_ERR_IO), 500);
    assert_int_equal(pp_http_status_for(PP_ERR_INTERNAL), 500);
    assert_int_equal(pp_http_status_for((enum pp_err)99), 500);
    assert_string_equal(pp_http_issue_code_for(PP_ERR_INPUT), "invalid");
    assert_string_equal(pp_http_issue_code_for(PP_ERR_LIMIT), "too-costly");
}

static void test_http__outcome_is_escaped_json(void **state)
{
    struct pp_http_response res;
    struct pp_diag d;
    struct pp_diag pd;
    cJSON *root = NULL;
    const cJSON *issue;
    (void)state;

    pp_http_response_init(&res);
    pp_buf_adds(&res.body, "partial answer");
    (void)pp_diag_set(&d, PP_ERR_INPUT, "entry[0].resource.status", "expected \"a\"\n string");
    pp_http_fail(&res, PP_ERR_INPUT, &d);
    assert_int_equal(res.status, 400);
    assert_string_equal(res.content_type, PP_HTTP_FHIR_JSON);
    pp_diag_clear(&pd);
    assert_int_equal(pp_json_parse(res.body.data, res.body.len, "oo", &root, &pd), PP_OK);
    assert_string_equal(pp_json_str(root, "resourceType"), "OperationOutcome");
    issue = cJSON_GetArrayItem(pp_json_arr(root, "issue"), 0);
    assert_string_equal(pp_json_str(issue, "code"), "invalid");
    assert_string_equal(pp_json_str(issue, "diagnostics"), "expected \"a\"\n string");
    assert_string_equal(cJSON_GetArrayItem(pp_json_arr(issue, "expression"), 0)->valuestring,
                        "entry[0].resource.status");
    cJSON_Delete(root);
    /* no where: no expression */
    pp_http_outcome(&res, 404, "not-found", "", "gone");
    assert_null(strstr(res.body.data, "expression"));
    assert_null(strstr(res.body.data, "partial"));
    pp_http_response_release(&res);
}

static void test_http__metrics_text(void **state)
{
    size_t n;
    struct pp_http_metrics *m;
    struct pp_buf b;
    (void)state;

    pp_http_routes(&n);
    m = pp_http_metrics_new(n);
    pp_http_metrics_request(m, 0, 200, 50);   /* first bucket (<= 100 us) */
    pp_http_metrics_request(m, 0, 200, 100);  /* at the bound: still the first */
    pp_http_metrics_request(m, 0, 200, 101);  /* just above: the second */
    pp_http_metrics_request(m, n, 404, 10);   /* no route */
    pp_http_metrics_request(m, 99, 9999, 10); /* out of range: "none", 500 */
    pp_buf_init(&b, PP_BUF_UNLIMITED);
    pp_http_metrics_write(m, &b);
    assert_non_null(strstr(b.data, "painpath_http_requests_total{method=\"GET\",route="
                                   "\"/healthz\",status=\"200\"} 3\n"));
    assert_non_null(strstr(
        b.data, "painpath_http_requests_total{method=\"\",route=\"none\",status=\"404\"} 1"));
    assert_non_null(strstr(
        b.data, "painpath_http_requests_total{method=\"\",route=\"none\",status=\"500\"} 1"));
    assert_non_null(strstr(
        b.data,
        "painpath_http_request_duration_seconds_bucket{route=\"/healthz\",le=\"0.0001\"} 2"));
    assert_non_null(strstr(
        b.data,
        "painpath_http_request_duration_seconds_bucket{route=\"/healthz\",le=\"0.00025\"} 3"));
    assert_non_null(
        strstr(b.data, "painpath_http_request_duration_seconds_count{route=\"/healthz\"} 3"));
    assert_non_null(strstr(b.data, "painpath_cds_feedback_total 0\n"));
    pp_buf_release(&b);
    pp_http_metrics_free(m);
}

/* A handler call with the built-in policy and concept sets. */
static unsigned call(pp_http_handler h, const char *param, const char *body,
                     struct pp_http_response *res)
{
    static struct pp_policy policy;
    static struct pp_terms terms;
    static bool ready;
    struct pp_http_env env;
    struct pp_http_request req;
    size_t n;

    if (!ready) {
        pp_policy_init(&policy);
        pp_terms_init_builtin(&terms);
        ready = true;
    }
    env.now = pp_day_from_ymd(2026, 11, 27);
    env.policy = &policy;
    env.terms = &terms;
    env.codes = NULL;
    env.db_path = NULL;
    memset(&req, 0, sizeof(req));
    snprintf(req.param, sizeof(req.param), "%s", param);
    req.body = body;
    req.body_len = strlen(body);
    req.env = &env;
    req.now = env.now;
    pp_http_routes(&n);
    req.metrics = pp_http_metrics_new(n);
    pp_http_response_init(res);
    h(&req, res);
    pp_http_metrics_free(req.metrics);
    return res->status;
}

static void test_http__handlers_answer(void **state)
{
    struct pp_http_response res;
    (void)state;

    assert_int_equal(call(pp_http_handle_healthz, "", "", &res), 200);
    assert_string_equal(res.body.data, "{\"status\": \"ok\"}\n");
    pp_http_response_release(&res);

    assert_int_equal(call(pp_http_handle_cds_service, "nope", "{}", &res), 404);
    pp_http_response_release(&res);
    assert_int_equal(call(pp_http_handle_cds_service, "opioid-order-sign", "{\n  1}", &res), 400);
    assert_non_null(strstr(res.body.data, "\"request:2:4\""));
    pp_http_response_release(&res);
    /* without a store: checked and counted only */
    assert_int_equal(call(pp_http_handle_cds_feedback, "opioid-order-sign",
                          "{\"feedback\": [{\"card\": \"c\", \"outcome\": \"accepted\", "
                          "\"outcomeTimestamp\": \"2026-11-27T10:00:00Z\"}]}",
                          &res),
                     200);
    pp_http_response_release(&res);
    /* CDS Hooks 2.0 requires outcomeTimestamp */
    assert_int_equal(call(pp_http_handle_cds_feedback, "opioid-order-sign",
                          "{\"feedback\": [{\"card\": \"c\", \"outcome\": \"accepted\"}]}", &res),
                     400);
    assert_non_null(strstr(res.body.data, "feedback[0].outcomeTimestamp"));
    pp_http_response_release(&res);
    /* an empty Bundle has no patient: 400, not a crash */
    assert_int_equal(
        call(pp_http_handle_patient_mme, "", "{\"resourceType\": \"Bundle\", \"entry\": []}", &res),
        400);
    assert_non_null(strstr(res.body.data, "exactly one patient"));
    pp_http_response_release(&res);
    assert_int_equal(call(pp_http_handle_metadata, "", "", &res), 200);
    assert_non_null(strstr(res.body.data, "\"fhirVersion\": \"4.0.1\""));
    pp_http_response_release(&res);
}

/* The REST handlers against a fresh database in a temporary directory. */
static unsigned rest(pp_http_handler h, const char *db, const char *type, const char *id,
                     const char *vid, const char *if_match, const char *body,
                     struct pp_http_response *res)
{
    struct pp_http_env env;
    struct pp_http_request req;

    memset(&env, 0, sizeof(env));
    env.db_path = db;
    memset(&req, 0, sizeof(req));
    snprintf(req.param, sizeof(req.param), "%s", type);
    snprintf(req.param2, sizeof(req.param2), "%s", id);
    snprintf(req.param3, sizeof(req.param3), "%s", vid);
    req.if_match = if_match;
    req.body = body;
    req.body_len = strlen(body);
    req.env = &env;
    pp_http_response_init(res);
    h(&req, res);
    return res->status;
}

static void test_http__rest_handlers(void **state)
{
    char dir[] = "/tmp/pp-test-http-XXXXXX";
    char db[64], id[PP_HTTP_PARAM_MAX] = "", upd[256];
    struct pp_http_response res;
    const char *p;
    (void)state;

    assert_non_null(mkdtemp(dir));
    snprintf(db, sizeof(db), "%s/t.db", dir);
    /* create: 201, ETag, Location; the body's resourceType must match the URL */
    assert_int_equal(rest(pp_http_handle_fhir_create, db, "Patient", "", "", NULL,
                          "{\"resourceType\": \"Patient\"}", &res),
                     201);
    assert_string_equal(res.etag, "W/\"1\"");
    assert_non_null(strstr(res.location, "/fhir/Patient/"));
    p = strstr(res.body.data, "\"id\":\"");
    assert_non_null(p);
    memcpy(id, p + 6, 36);
    id[36] = '\0';
    pp_http_response_release(&res);
    assert_int_equal(rest(pp_http_handle_fhir_create, db, "Patient", "", "", NULL,
                          "{\"resourceType\": \"Observation\"}", &res),
                     400);
    assert_non_null(strstr(res.body.data, "\"resourceType\""));
    pp_http_response_release(&res);
    /* read: ETag and Last-Modified */
    assert_int_equal(rest(pp_http_handle_fhir_read, db, "Patient", id, "", NULL, "", &res), 200);
    assert_string_equal(res.etag, "W/\"1\"");
    assert_true(strlen(res.last_modified) == 29);
    assert_non_null(strstr(res.last_modified, " GMT"));
    pp_http_response_release(&res);
    assert_int_equal(rest(pp_http_handle_fhir_read, db, "Widget", id, "", NULL, "", &res), 404);
    pp_http_response_release(&res);
    /* update with If-Match: the first wins, the same version again is 412 */
    snprintf(upd, sizeof(upd), "{\"resourceType\": \"Patient\", \"id\": \"%s\"}", id);
    assert_int_equal(rest(pp_http_handle_fhir_update, db, "Patient", id, "", "W/\"1\"", upd, &res),
                     200);
    assert_string_equal(res.etag, "W/\"2\"");
    pp_http_response_release(&res);
    assert_int_equal(rest(pp_http_handle_fhir_update, db, "Patient", id, "", "W/\"1\"", upd, &res),
                     412);
    pp_http_response_release(&res);
    assert_int_equal(rest(pp_http_handle_fhir_update, db, "Patient", id, "", "W/x", upd, &res),
                     400);
    pp_http_response_release(&res);
    assert_int_equal(rest(pp_http_handle_fhir_update, db, "Patient", "other", "", NULL, upd, &res),
                     400);
    pp_http_response_release(&res);
    /* vread, delete, then 410 */
    assert_int_equal(rest(pp_http_handle_fhir_vread, db, "Patient", id, "1", NULL, "", &res), 200);
    pp_http_response_release(&res);
    assert_int_equal(rest(pp_http_handle_fhir_vread, db, "Patient", id, "9", NULL, "", &res), 404);
    pp_http_response_release(&res);
    assert_int_equal(rest(pp_http_handle_fhir_delete, db, "Patient", id, "", NULL, "", &res), 200);
    pp_http_response_release(&res);
    assert_int_equal(rest(pp_http_handle_fhir_read, db, "Patient", id, "", NULL, "", &res), 410);
    pp_http_response_release(&res);
    assert_int_equal(rest(pp_http_handle_fhir_delete, db, "Patient", "never", "", NULL, "", &res),
                     404);
    pp_http_response_release(&res);
    /* a transaction with a bad second entry stores nothing */
    assert_int_equal(rest(pp_http_handle_fhir_bundle, db, "", "", "", NULL,
                          "{\"resourceType\": \"Bundle\", \"type\": \"transaction\", \"entry\": ["
                          "{\"resource\": {\"resourceType\": \"Patient\", \"id\": \"tx1\"}, "
                          "\"request\": {\"method\": \"PUT\", \"url\": \"Patient/tx1\"}}, "
                          "{\"resource\": {\"resourceType\": \"Patient\"}, "
                          "\"request\": {\"method\": \"POST\", \"url\": \"Observation\"}}]}",
                          &res),
                     400);
    assert_non_null(strstr(res.body.data, "entry[1]"));
    pp_http_response_release(&res);
    assert_int_equal(rest(pp_http_handle_fhir_read, db, "Patient", "tx1", "", NULL, "", &res), 404);
    pp_http_response_release(&res);
    pp_http_rest_thread_close();
    static const char *const files[] = {"t.db", "t.db-wal", "t.db-shm", "t.db.audit-key"};
    for (size_t i = 0; i < ARRAY_SIZE(files); i++) {
        snprintf(upd, sizeof(upd), "%s/%s", dir, files[i]);
        unlink(upd);
    }
    assert_int_equal(rmdir(dir), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_http__route_table_matches),
        cmocka_unit_test(test_http__route_table_is_well_formed),
        cmocka_unit_test(test_http__error_table),
        cmocka_unit_test(test_http__outcome_is_escaped_json),
        cmocka_unit_test(test_http__metrics_text),
        cmocka_unit_test(test_http__handlers_answer),
        cmocka_unit_test(test_http__rest_handlers),
    };
    int failed = cmocka_run_group_tests(tests, NULL, NULL);
    printf("http vignettes: %zu passed, %d failed\n", ARRAY_SIZE(tests) - (size_t)failed, failed);
    return failed;
}
