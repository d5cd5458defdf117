/*
 * test_export.c — store/export.h: the _type list and _since instant parsers (table-driven,
 * every boundary), and pp_store_export on a real SQLite file: one file per type, the
 * Patient compartment, _since, empty types, cancellation from the progress hook; and the
 * $export handlers driven without a server: kick-off, polling, a file, DELETE, the stop.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "http/handlers.h"
#include "store/export.h"
#include "store/store.h"

static char tmpdir[64];

static void test_export__instant(void **state)
{
    static const struct {
        const char *in, *out; /* out NULL: PP_ERR_INPUT */
    } cases[] = {
        {"2026-11-27T09:30:00Z", "2026-11-27T09:30:00.000Z"},
        {"2026-11-27T09:30:00+02:00", "2026-11-27T07:30:00.000Z"},
        {"2026-11-27T09:30:00 02:00", "2026-11-27T07:30:00.000Z"}, /* '+' decoded as ' ' */
        {"2026-11-27T09:30:00-05:00", "2026-11-27T14:30:00.000Z"},
        {"2026-11-27T22:00:00-05:00", "2026-11-28T03:00:00.000Z"}, /* crosses midnight */
        {"2026-01-01T01:00:00+02:00", "2025-12-31T23:00:00.000Z"}, /* crosses the year */
        {"2024-03-01T00:30:00+01:00", "2024-02-29T23:30:00.000Z"}, /* leap day */
        {"2026-11-27T09:30:00.5Z", "2026-11-27T09:30:00.500Z"},
        {"2026-11-27T09:30:00.123456Z", "2026-11-27T09:30:00.123Z"},
        {"2026-11-27T23:59:59.999Z", "2026-11-27T23:59:59.999Z"},
        {"2026-11-27T00:00:00+14:00", "2026-11-26T10:00:00.000Z"},
        {"2026-11-27", "2026-11-27T00:00:00.000Z"},
        {"1970-01-01T00:00:00+00:01", "1969-12-31T23:59:00.000Z"},
        {"2026-11-27T09:30Z", NULL},         /* seconds are required */
        {"2026-11-27T09:30:00", NULL},       /* a time needs a zone */
        {"2026-02-29T00:00:00Z", NULL},      /* not a leap year */
        {"2026-11-27T24:00:00Z", NULL},      /* hour past 23 */
        {"2026-11-27T09:60:00Z", NULL},      /* minute past 59 */
        {"2026-11-27T09:30:00.Z", NULL},     /* a dot without digits */
        {"2026-11-27T09:30:00+2:00", NULL},  /* offset hours need two digits */
        {"2026-11-27T09:30:00+15:00", NULL}, /* offset past 14 h */
        {"2026-11-27T09:30:00Zjunk", NULL},
        {"2026-11-2", NULL},
        {"yesterday", NULL},
        {"", NULL},
    };
    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char out[PP_EXPORT_INSTANT_LEN];
        struct pp_diag d;
        pp_diag_clear(&d);
        enum pp_err e = pp_export_parse_instant(cases[i].in, "_since", out, &d);
        if (cases[i].out) {
            if (e != PP_OK)
                fail_msg("'%s': %s", cases[i].in, d.what);
            assert_string_equal(out, cases[i].out);
        } else {
            if (e != PP_ERR_INPUT)
                fail_msg("'%s' was accepted as %s", cases[i].in, out);
            assert_string_equal(d.where, "_since");
        }
    }
}

static void test_export__types(void **state)
{
    struct pp_export_spec spec;
    struct pp_diag d;
    char many[PP_EXPORT_TYPES_MAX * 8 + 16];
    size_t len = 0;
    (void)state;

    pp_export_spec_init(&spec);
    assert_int_equal(pp_export_spec_add_types(&spec, "Patient, Observation ,Patient", &d), PP_OK);
    assert_int_equal(spec.n_types, 2);
    assert_string_equal(spec.types[0], "Patient");
    assert_string_equal(spec.types[1], "Observation");
    assert_int_equal(pp_export_spec_add_types(&spec, "Condition", &d), PP_OK);
    assert_int_equal(spec.n_types, 3);

    static const char *const bad[] = {
        "",       "Patient,",          ",Patient", "Patient,,Condition",
        "../etc", "Patient;Condition", "1Patient"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        pp_export_spec_init(&spec);
        pp_diag_clear(&d);
        if (pp_export_spec_add_types(&spec, bad[i], &d) != PP_ERR_INPUT)
            fail_msg("'%s' was accepted", bad[i]);
        assert_string_equal(d.where, "_type");
    }
    /* exactly PP_EXPORT_TYPES_MAX distinct names fit; one more does not */
    for (int i = 0; i < PP_EXPORT_TYPES_MAX; i++)
        len += (size_t)snprintf(many + len, sizeof(many) - len, "%sT%d", i ? "," : "", i);
    pp_export_spec_init(&spec);
    assert_int_equal(pp_export_spec_add_types(&spec, many, &d), PP_OK);
    assert_int_equal(spec.n_types, PP_EXPORT_TYPES_MAX);
    snprintf(many + len, sizeof(many) - len, ",Extra");
    pp_export_spec_init(&spec);
    assert_int_equal(pp_export_spec_add_types(&spec, many, &d), PP_ERR_INPUT);
}

/* ---- on a store ---- */

static void put(struct pp_store *s, const char *text)
{
    struct pp_diag d;
    cJSON *v = cJSON_Parse(text);
    assert_non_null(v);
    pp_diag_clear(&d);
    if (pp_store_update(s, v, 0, NULL, &d) != PP_OK)
        fail_msg("put: %s: %s", d.where, d.what);
    cJSON_Delete(v);
}

/* Lines of dir/name, or -1 when the file does not exist. */
static long lines(const char *dir, const char *name)
{
    char path[256];
    long n = 0;
    int c;
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    while ((c = fgetc(f)) != EOF)
        n += c == '\n';
    fclose(f);
    return n;
}

static const struct pp_export_file *file_of(const struct pp_export_result *r, const char *type)
{
    for (size_t i = 0; i < r->n_files; i++)
        if (strcmp(r->files[i].type, type) == 0)
            return &r->files[i];
    return NULL;
}

static void clear_dir(const char *dir)
{
    static const char *const names[] = {"Patient.ndjson", "Observation.ndjson",
                                        "Organization.ndjson", "Condition.ndjson"};
    char path[256];
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
        unlink(path);
    }
}

static size_t ticks;
static bool stop_at_second(void *ctx, const char *type, size_t type_index, size_t n_types,
                           size_t written)
{
    (void)ctx;
    (void)type;
    (void)written;
    assert_true(type_index < n_types);
    return ++ticks < 2;
}

static struct pp_store *fill(void)
{
    struct pp_store *s = NULL;
    struct pp_diag d;
    char path[128];
    snprintf(path, sizeof(path), "%s/x.db", tmpdir);
    if (pp_store_open(path, &s, &d) != PP_OK)
        fail_msg("open: %s", d.what);
    put(s, "{\"resourceType\": \"Patient\", \"id\": \"p1\"}");
    put(s, "{\"resourceType\": \"Patient\", \"id\": \"p2\"}");
    put(s, "{\"resourceType\": \"Organization\", \"id\": \"org1\", \"name\": \"Clinic\"}");
    put(s, "{\"resourceType\": \"Observation\", \"id\": \"o1\", \"status\": \"final\", "
           "\"code\": {\"text\": \"pain\"}, \"subject\": {\"reference\": \"Patient/p1\"}}");
    put(s, "{\"resourceType\": \"Observation\", \"id\": \"o2\", \"status\": \"final\", "
           "\"code\": {\"text\": \"pain\"}, \"subject\": {\"reference\": \"Patient/p2\"}}");
    put(s, "{\"resourceType\": \"Observation\", \"id\": \"o3\", \"status\": \"final\", "
           "\"code\": {\"text\": \"pain\"}, \"subject\": {\"reference\": \"Patient/p1\"}}");
    /* an observation of no stored patient: outside every compartment */
    put(s, "{\"resourceType\": \"Observation\", \"id\": \"o4\", \"status\": \"final\", "
           "\"code\": {\"text\": \"pain\"}, \"subject\": {\"reference\": \"Patient/zz\"}}");
    /* a deleted one is never exported */
    put(s, "{\"resourceType\": \"Observation\", \"id\": \"o5\", \"status\": \"final\", "
           "\"code\": {\"text\": \"pain\"}, \"subject\": {\"reference\": \"Patient/p1\"}}");
    struct pp_store_meta m;
    assert_int_equal(pp_store_delete(s, "Observation", "o5", &m, &d), PP_OK);
    return s;
}

static void test_export__store(void **state)
{
    struct pp_store *s = fill();
    struct pp_export_spec spec;
    struct pp_export_result r = {0};
    struct pp_diag d;
    char dir[128];
    (void)state;

    snprintf(dir, sizeof(dir), "%s/out", tmpdir);
    assert_int_equal(mkdir(dir, 0700), 0);

    /* system level: every live resource, one file per type */
    pp_export_spec_init(&spec);
    assert_int_equal(pp_store_begin_read(s, &d), PP_OK);
    assert_int_equal(pp_store_export(s, dir, &spec, NULL, NULL, &r, &d), PP_OK);
    pp_store_rollback(s);
    assert_int_equal(r.n_files, 3);
    assert_int_equal(r.total, 7);
    assert_string_equal(r.files[0].type, "Observation"); /* name order */
    assert_int_equal(file_of(&r, "Observation")->count, 4);
    assert_int_equal(lines(dir, "Observation.ndjson"), 4);
    assert_int_equal(lines(dir, "Patient.ndjson"), 2);
    assert_int_equal(lines(dir, "Organization.ndjson"), 1);
    pp_export_result_release(&r);
    clear_dir(dir);

    /* the Patient compartment: o4 (no stored patient) and the Organization stay out */
    pp_export_spec_init(&spec);
    spec.patient_compartment = true;
    if (pp_store_export(s, dir, &spec, NULL, NULL, &r, &d) != PP_OK)
        fail_msg("compartment export: %s: %s", d.where, d.what);
    assert_int_equal(r.n_files, 2);
    assert_int_equal(file_of(&r, "Observation")->count, 3);
    assert_int_equal(file_of(&r, "Patient")->count, 2);
    assert_null(file_of(&r, "Organization"));
    assert_int_equal(lines(dir, "Organization.ndjson"), -1); /* no empty file left */
    assert_int_equal(lines(dir, "Observation.ndjson"), 3);
    assert_int_equal(r.n_skipped, 0); /* no _type: nothing was asked for and skipped */
    pp_export_result_release(&r);
    clear_dir(dir);
    /* a named type outside every compartment is reported as skipped */
    assert_int_equal(pp_export_spec_add_types(&spec, "Organization,Patient", &d), PP_OK);
    assert_int_equal(pp_store_export(s, dir, &spec, NULL, NULL, &r, &d), PP_OK);
    assert_int_equal(r.n_files, 1);
    assert_int_equal(r.n_skipped, 1);
    assert_string_equal(r.skipped[0], "Organization");
    pp_export_result_release(&r);
    clear_dir(dir);

    /* _type, with a type that has nothing: no file unless keep_empty */
    pp_export_spec_init(&spec);
    assert_int_equal(pp_export_spec_add_types(&spec, "Patient,Condition", &d), PP_OK);
    assert_int_equal(pp_store_export(s, dir, &spec, NULL, NULL, &r, &d), PP_OK);
    assert_int_equal(r.n_files, 1);
    assert_string_equal(r.files[0].type, "Patient");
    assert_int_equal(lines(dir, "Condition.ndjson"), -1);
    pp_export_result_release(&r);
    spec.keep_empty = true;
    assert_int_equal(pp_store_export(s, dir, &spec, NULL, NULL, &r, &d), PP_OK);
    assert_int_equal(r.n_files, 2);
    assert_int_equal(lines(dir, "Condition.ndjson"), 0);
    pp_export_result_release(&r);
    clear_dir(dir);

    /* _since: far past keeps everything, far future nothing */
    pp_export_spec_init(&spec);
    assert_int_equal(pp_export_parse_instant("2000-01-01T00:00:00Z", "_since", spec.since, &d),
                     PP_OK);
    assert_int_equal(pp_store_export(s, dir, &spec, NULL, NULL, &r, &d), PP_OK);
    assert_int_equal(r.total, 7);
    pp_export_result_release(&r);
    assert_int_equal(pp_export_parse_instant("9999-01-01T00:00:00Z", "_since", spec.since, &d),
                     PP_OK);
    assert_int_equal(pp_store_export(s, dir, &spec, NULL, NULL, &r, &d), PP_OK);
    assert_int_equal(r.total, 0);
    assert_int_equal(r.n_files, 0);
    pp_export_result_release(&r);
    clear_dir(dir);

    /* the hook stops it: an error, result->cancelled */
    pp_export_spec_init(&spec);
    ticks = 0;
    assert_int_equal(pp_store_export(s, dir, &spec, stop_at_second, NULL, &r, &d), PP_ERR_INTERNAL);
    assert_true(r.cancelled);
    assert_int_equal(ticks, 2);
    pp_export_result_release(&r);
    clear_dir(dir);

    /* a directory that does not exist: PP_ERR_IO naming the file */
    char missing[160];
    snprintf(missing, sizeof(missing), "%s/nope", tmpdir);
    pp_diag_clear(&d);
    assert_int_equal(pp_store_export(s, missing, &spec, NULL, NULL, &r, &d), PP_ERR_IO);
    assert_non_null(strstr(d.where, "nope"));
    pp_export_result_release(&r);

    pp_store_close(s);
    rmdir(dir);
}

/* ---- the HTTP handlers (http/handlers_export.c) without a server ---- */

static unsigned call(pp_http_handler h, const struct pp_http_env *env, const char *prefer,
                     const char *param, const char *param2, struct pp_http_arg *args, size_t n_args,
                     struct pp_http_response *res)
{
    struct pp_http_request req;
    memset(&req, 0, sizeof(req));
    req.method = "GET";
    req.path = "/fhir/$export";
    req.host = "127.0.0.1:8080";
    req.prefer = prefer;
    snprintf(req.param, sizeof(req.param), "%s", param);
    snprintf(req.param2, sizeof(req.param2), "%s", param2);
    for (size_t i = 0; i < n_args; i++)
        req.args[i] = args[i];
    req.n_args = n_args;
    req.body = "";
    req.env = env;
    pp_http_response_init(res);
    h(&req, res);
    return res->status;
}

static void test_export__handlers(void **state)
{
    struct pp_http_env env;
    struct pp_http_response res;
    struct pp_http_arg bad_type = {"_type", "Widget"}, types = {"_type", "Patient,Observation"};
    char db[128], job[PP_HTTP_PARAM_MAX];
    const char *slash;
    struct pp_store *s = fill(); /* x.db */
    (void)state;

    pp_store_close(s);
    snprintf(db, sizeof(db), "%s/x.db", tmpdir);
    memset(&env, 0, sizeof(env));
    env.db_path = db;
    pp_http_export_start(&env);

    assert_int_equal(call(pp_http_handle_export_system, &env, NULL, "", "", NULL, 0, &res), 400);
    assert_non_null(strstr(res.body.data, "Prefer"));
    pp_http_response_release(&res);
    assert_int_equal(
        call(pp_http_handle_export_system, &env, "respond-async", "", "", &bad_type, 1, &res), 400);
    pp_http_response_release(&res);
    assert_int_equal(call(pp_http_handle_export_status, &env, NULL, "0123", "", NULL, 0, &res),
                     404);
    pp_http_response_release(&res);

    /* kick off, poll to the manifest, open a file, delete */
    assert_int_equal(call(pp_http_handle_export_patient, &env, "respond-async, handling=lenient",
                          "", "", &types, 1, &res),
                     202);
    slash = strrchr(res.content_location, '/');
    assert_non_null(strstr(res.content_location, "http://127.0.0.1:8080/fhir/$export-status/"));
    snprintf(job, sizeof(job), "%s", slash + 1);
    assert_int_equal(strlen(job), 32);
    pp_http_response_release(&res);
    for (int i = 0; i < 1000; i++) {
        unsigned st = call(pp_http_handle_export_status, &env, NULL, job, "", NULL, 0, &res);
        if (st == 200)
            break;
        assert_int_equal(st, 202);
        assert_true(res.progress[0] != '\0');
        assert_string_equal(res.retry_after, "1");
        pp_http_response_release(&res);
        nanosleep(&(struct timespec){0, 10 * 1000 * 1000}, NULL);
    }
    assert_int_equal(res.status, 200);
    assert_non_null(strstr(res.body.data, "Observation.ndjson\", \"count\": 3}"));
    assert_non_null(strstr(res.body.data, "Patient.ndjson\", \"count\": 2}"));
    assert_non_null(strstr(res.body.data, "\"requiresAccessToken\": false"));
    assert_non_null(strstr(res.body.data, "\"error\": []"));
    pp_http_response_release(&res);
    assert_int_equal(
        call(pp_http_handle_export_file, &env, NULL, job, "Patient.ndjson", NULL, 0, &res), 200);
    assert_true(res.file_fd >= 0);
    assert_true(res.file_size > 0);
    assert_string_equal(res.content_type, "application/fhir+ndjson");
    pp_http_response_release(&res);
    assert_int_equal(
        call(pp_http_handle_export_file, &env, NULL, job, "Organization.ndjson", NULL, 0, &res),
        404);
    pp_http_response_release(&res);
    assert_int_equal(call(pp_http_handle_export_delete, &env, NULL, job, "", NULL, 0, &res), 202);
    pp_http_response_release(&res);
    assert_int_equal(call(pp_http_handle_export_delete, &env, NULL, job, "", NULL, 0, &res), 404);
    pp_http_response_release(&res);

    /* a job left running is cancelled and joined by the stop */
    assert_int_equal(
        call(pp_http_handle_export_system, &env, "respond-async", "", "", NULL, 0, &res), 202);
    pp_http_response_release(&res);
    pp_http_export_stop();
    snprintf(db, sizeof(db), "%s/x.db.export", tmpdir);
    assert_int_equal(access(db, F_OK), -1); /* nothing left: the directory is gone too */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_export__instant),
        cmocka_unit_test(test_export__types),
        cmocka_unit_test(test_export__store),
        cmocka_unit_test(test_export__handlers),
    };
    size_t n = sizeof(tests) / sizeof(tests[0]);
    char path[128];
    snprintf(tmpdir, sizeof(tmpdir), "/tmp/pp-export-XXXXXX");
    if (!mkdtemp(tmpdir)) {
        perror("mkdtemp");
        return 1;
    }
    int failed = cmocka_run_group_tests(tests, NULL, NULL);
    static const char *const left[] = {"out", "x.db", "x.db-wal", "x.db-shm", "x.db-journal"};
    for (size_t i = 0; i < sizeof(left) / sizeof(left[0]); i++) {
        snprintf(path, sizeof(path), "%s/%s", tmpdir, left[i]);
        clear_dir(path);
        (void)rmdir(path);
        (void)unlink(path);
    }
    rmdir(tmpdir);
    printf("export: %zu passed, %d failed\n", n - (size_t)failed, failed);
    return failed ? 1 : 0;
}
