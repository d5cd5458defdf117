/*
 * test_store.c — the FHIR store (store/store.h) on a real SQLite file in a temporary
 * directory: create/read/update/delete with versions and If-Match conflicts, history, soft
 * delete, search with paging, migrations, transactions that roll back, urn:uuid rewriting,
 * two connections on one file, backup, and loading a patient's record.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include <unistd.h>

#include <sqlite3.h>

#include "fhir/patient_set.h"
#include "store/store.h"
#include "util/json.h"

#include "store_fixture.h"

static cJSON *parse(const char *text)
{
    cJSON *v = cJSON_Parse(text);
    assert_non_null(v);
    return v;
}

/* Store text as an update (it carries its id). */
static void put(struct pp_store *s, const char *text)
{
    struct pp_diag d;
    cJSON *v = parse(text);
    pp_diag_clear(&d);
    enum pp_err e = pp_store_update(s, v, 0, NULL, &d);
    if (e != PP_OK)
        fail_msg("put: %s: %s", d.where, d.what);
    cJSON_Delete(v);
}

static size_t count(struct pp_store *s, const char *type)
{
    size_t n = 99999;
    struct pp_diag d;
    assert_int_equal(pp_store_count(s, type, &n, &d), PP_OK);
    return n;
}

/* Collects the ids (and versions) a walk produced, comma-separated. */
struct collect {
    char ids[2048];
    size_t n;
};

static enum pp_err collect_fn(void *ctx, const struct pp_store_resource *r)
{
    struct collect *c = ctx;
    size_t len = strlen(c->ids);
    snprintf(c->ids + len, sizeof(c->ids) - len, "%s%s@%ld%s", c->n ? "," : "", r->meta.id,
             r->meta.version, r->meta.deleted ? "x" : "");
    c->n++;
    return PP_OK;
}

static void test_store__create_read(void **state)
{
    struct pp_store *s = open_db("crud.db");
    struct pp_store_meta m;
    struct pp_diag d;
    char *body = NULL;
    (void)state;
    cJSON *p = parse("{\"resourceType\":\"Patient\",\"id\":\"ignored\",\"gender\":\"female\"}");
    assert_int_equal(pp_store_create(s, p, &m, &d), PP_OK);
    assert_int_equal(m.version, 1);
    assert_int_equal(strlen(m.id), 36); /* a UUID, not the client's id */
    assert_string_not_equal(m.id, "ignored");
    assert_string_equal(pp_json_str(p, "id"), m.id);
    cJSON_Delete(p);
    assert_int_equal(pp_store_read(s, "Patient", m.id, &body, &m, &d), PP_OK);
    cJSON *back = parse(body);
    assert_string_equal(pp_json_str(back, "gender"), "female");
    assert_string_equal(pp_json_str(pp_json_obj(back, "meta"), "versionId"), "1");
    assert_string_equal(pp_json_str(pp_json_obj(back, "meta"), "lastUpdated"), m.last_updated);
    cJSON_Delete(back);
    free(body);
    assert_int_equal(pp_store_read(s, "Patient", "nobody", &body, &m, &d), PP_ERR_NOT_FOUND);
    assert_false(m.deleted);
    assert_null(body);
    /* no resourceType: input error naming the field */
    cJSON *bad = parse("{\"id\":\"x\"}");
    assert_int_equal(pp_store_create(s, bad, &m, &d), PP_ERR_INPUT);
    assert_string_equal(d.where, "resourceType");
    cJSON_Delete(bad);
    bad = parse("{\"resourceType\":\"Patient\",\"id\":\"has space\"}");
    assert_int_equal(pp_store_update(s, bad, 0, &m, &d), PP_ERR_INPUT);
    assert_string_equal(d.where, "id");
    cJSON_Delete(bad);
    assert_int_equal(count(s, "Patient"), 1);
    pp_store_close(s);
}

static void test_store__update_if_match(void **state)
{
    struct pp_store *s = open_db("update.db");
    struct pp_store_meta m;
    struct pp_diag d;
    char *body = NULL;
    (void)state;
    put(s, "{\"resourceType\":\"Patient\",\"id\":\"p1\",\"gender\":\"male\"}");
    cJSON *v2 = parse("{\"resourceType\":\"Patient\",\"id\":\"p1\",\"gender\":\"female\"}");
    assert_int_equal(pp_store_update(s, v2, 1, &m, &d), PP_OK);
    assert_int_equal(m.version, 2);
    assert_false(m.conflict);
    cJSON_Delete(v2);
    /* a stale If-Match (version 1 again) is a conflict and changes nothing */
    cJSON *v3 = parse("{\"resourceType\":\"Patient\",\"id\":\"p1\",\"gender\":\"other\"}");
    assert_int_equal(pp_store_update(s, v3, 1, &m, &d), PP_ERR_INPUT);
    assert_true(m.conflict);
    assert_int_equal(m.version, 2);
    assert_string_equal(d.where, "If-Match");
    /* If-Match on the current version (2) passes */
    assert_int_equal(pp_store_update(s, v3, 2, &m, &d), PP_OK);
    assert_int_equal(m.version, 3);
    cJSON_Delete(v3);
    assert_int_equal(pp_store_read(s, "Patient", "p1", &body, &m, &d), PP_OK);
    assert_non_null(strstr(body, "\"other\""));
    assert_int_equal(m.version, 3);
    free(body);
    assert_int_equal(pp_store_vread(s, "Patient", "p1", 1, &body, &m, &d), PP_OK);
    assert_non_null(strstr(body, "\"male\""));
    assert_int_equal(m.version, 1);
    free(body);
    assert_int_equal(pp_store_vread(s, "Patient", "p1", 9, &body, &m, &d), PP_ERR_NOT_FOUND);
    /* If-Match on an absent resource is a conflict too */
    cJSON *nx = parse("{\"resourceType\":\"Patient\",\"id\":\"p9\"}");
    assert_int_equal(pp_store_update(s, nx, 1, &m, &d), PP_ERR_INPUT);
    assert_true(m.conflict);
    cJSON_Delete(nx);
    assert_int_equal(count(s, "Patient"), 1);
    pp_store_close(s);
}

static void test_store__delete_soft_history(void **state)
{
    struct pp_store *s = open_db("delete.db");
    struct pp_store_meta m;
    struct pp_diag d;
    struct collect c = {{0}, 0};
    struct pp_store_query q;
    size_t total = 99;
    char *body = NULL;
    (void)state;
    put(s, "{\"resourceType\":\"Condition\",\"id\":\"c1\",\"subject\":{\"reference\":\"Patient/"
           "p1\"},\"code\":{\"coding\":[{\"system\":\"http://snomed.info/sct\",\"code\":\"1\"}]}}");
    put(s, "{\"resourceType\":\"Condition\",\"id\":\"c1\",\"subject\":{\"reference\":\"Patient/"
           "p1\"},\"code\":{\"coding\":[{\"system\":\"http://snomed.info/sct\",\"code\":\"2\"}]}}");
    assert_int_equal(pp_store_delete(s, "Condition", "c1", &m, &d), PP_OK);
    assert_int_equal(m.version, 3);
    assert_true(m.deleted);
    assert_int_equal(pp_store_read(s, "Condition", "c1", &body, &m, &d), PP_ERR_NOT_FOUND);
    assert_true(m.deleted); /* gone, not unknown: HTTP 410 */
    assert_null(body);
    assert_int_equal(pp_store_history(s, "Condition", "c1", collect_fn, &c, &d), PP_OK);
    assert_string_equal(c.ids, "c1@3x,c1@2,c1@1");
    /* deleting again is fine and changes nothing; an unknown id is not found */
    assert_int_equal(pp_store_delete(s, "Condition", "c1", &m, &d), PP_OK);
    assert_int_equal(m.version, 3);
    assert_int_equal(pp_store_delete(s, "Condition", "zz", &m, &d), PP_ERR_NOT_FOUND);
    assert_int_equal(pp_store_history(s, "Condition", "zz", collect_fn, &c, &d), PP_ERR_NOT_FOUND);
    /* search and count no longer see it */
    assert_int_equal(pp_store_query_init(&q, "Condition", &d), PP_OK);
    assert_int_equal(pp_store_query_param(&q, "patient", "p1", &d), PP_OK);
    assert_int_equal(pp_store_search(s, &q, collect_fn, &c, &total, &d), PP_OK);
    assert_int_equal(total, 0);
    pp_store_query_release(&q);
    assert_int_equal(count(s, "Condition"), 0);
    /* update after delete re-creates it as the next version */
    put(s, "{\"resourceType\":\"Condition\",\"id\":\"c1\"}");
    assert_int_equal(pp_store_read(s, "Condition", "c1", &body, &m, &d), PP_OK);
    assert_int_equal(m.version, 4);
    free(body);
    pp_store_close(s);
}

/* Run a search of Observation with the given name=value pairs (NULL-terminated). */
static size_t search(struct pp_store *s, struct collect *c, ...)
{
    struct pp_store_query q;
    struct pp_diag d;
    size_t total = 99999;
    va_list ap;
    const char *name;
    memset(c, 0, sizeof(*c));
    assert_int_equal(pp_store_query_init(&q, "Observation", &d), PP_OK);
    va_start(ap, c);
    while ((name = va_arg(ap, const char *))) {
        const char *value = va_arg(ap, const char *);
        if (pp_store_query_param(&q, name, value, &d) != PP_OK)
            fail_msg("%s=%s: %s", name, value, d.what);
    }
    va_end(ap);
    assert_int_equal(pp_store_search(s, &q, collect_fn, c, &total, &d), PP_OK);
    pp_store_query_release(&q);
    return total;
}

static void test_store__search_paging(void **state)
{
    struct pp_store *s = open_db("search.db");
    struct collect c;
    struct pp_store_query q;
    struct pp_diag d;
    (void)state;
    for (int i = 0; i < 7; i++) {
        char text[512];
        snprintf(text, sizeof(text),
                 "{\"resourceType\":\"Observation\",\"id\":\"o%d\",\"status\":\"%s\","
                 "\"subject\":{\"reference\":\"Patient/p1\"},\"effectiveDateTime\":\"2020-0%d-"
                 "15\",\"code\":{\"coding\":[{\"system\":\"http://loinc.org\",\"code\":\"%s\"}]}}",
                 i, i == 6 ? "amended" : "final", i + 1, i % 2 ? "8867-4" : "72514-3");
        put(s, text);
    }
    put(s, "{\"resourceType\":\"Observation\",\"id\":\"q1\",\"status\":\"final\",\"subject\":"
           "{\"reference\":\"Patient/p2\"},\"code\":{\"coding\":[{\"system\":\"http://loinc.org\","
           "\"code\":\"72514-3\"}]}}");
    /* paging: creation order, total over all pages */
    assert_int_equal(search(s, &c, "patient", "p1", "_count", "3", NULL), 7);
    assert_string_equal(c.ids, "o0@1,o1@1,o2@1");
    assert_int_equal(search(s, &c, "patient", "Patient/p1", "_count", "3", "_offset", "3", NULL),
                     7);
    assert_string_equal(c.ids, "o3@1,o4@1,o5@1");
    assert_int_equal(search(s, &c, "patient", "p1", "_count", "3", "_offset", "6", NULL), 7);
    assert_string_equal(c.ids, "o6@1");
    assert_int_equal(search(s, &c, "patient", "p1", "_count", "0", NULL), 7);
    assert_int_equal(c.n, 0);
    /* type-wide, by code (with and without system), status, subject, date, _id */
    assert_int_equal(search(s, &c, NULL), 8);
    assert_int_equal(search(s, &c, "code", "http://loinc.org|72514-3", NULL), 5);
    assert_int_equal(search(s, &c, "code", "72514-3", NULL), 5);
    assert_int_equal(search(s, &c, "code", "http://snomed.info/sct|72514-3", NULL), 0);
    assert_int_equal(search(s, &c, "patient", "p1", "code", "8867-4", NULL), 3);
    assert_int_equal(search(s, &c, "status", "amended", NULL), 1);
    assert_string_equal(c.ids, "o6@1");
    assert_int_equal(search(s, &c, "subject", "Patient/p2", NULL), 1);
    assert_int_equal(search(s, &c, "date", "ge2020-03-15", "date", "lt2020-05", NULL), 2);
    assert_string_equal(c.ids, "o2@1,o3@1");
    assert_int_equal(search(s, &c, "date", "2020-02", NULL), 1);
    assert_string_equal(c.ids, "o1@1");
    assert_int_equal(search(s, &c, "date", "gt2020-06", NULL), 1);
    assert_int_equal(search(s, &c, "date", "le2020-02", NULL), 2);
    assert_int_equal(search(s, &c, "_id", "q1", NULL), 1);
    /* _sort: by clinical date (q1 has none: first ascending, last descending), by id */
    assert_int_equal(search(s, &c, "_sort", "-date", "_count", "3", NULL), 8);
    assert_string_equal(c.ids, "o6@1,o5@1,o4@1");
    assert_int_equal(search(s, &c, "_sort", "date", "_count", "2", NULL), 8);
    assert_string_equal(c.ids, "q1@1,o0@1");
    assert_int_equal(search(s, &c, "_sort", "-_id", "_count", "2", NULL), 8);
    assert_string_equal(c.ids, "q1@1,o6@1");
    assert_int_equal(search(s, &c, "_sort", "_lastUpdated", "_count", "1", NULL), 8);
    assert_string_equal(c.ids, "o0@1");
    /* errors name the parameter */
    assert_int_equal(pp_store_query_init(&q, "Observation", &d), PP_OK);
    assert_int_equal(pp_store_query_param(&q, "_count", "abc", &d), PP_ERR_INPUT);
    assert_string_equal(d.where, "_count");
    assert_int_equal(pp_store_query_param(&q, "_count", "1001", &d), PP_ERR_INPUT);
    assert_int_equal(pp_store_query_param(&q, "date", "xx", &d), PP_ERR_INPUT);
    assert_int_equal(pp_store_query_param(&q, "_sort", "subject", &d), PP_ERR_UNSUPPORTED);
    assert_int_equal(pp_store_query_param(&q, "flavour", "x", &d), PP_ERR_UNSUPPORTED);
    assert_string_equal(d.where, "flavour");
    pp_store_query_release(&q);
    assert_int_equal(pp_store_query_init(&q, "Bad Type", &d), PP_ERR_INPUT);
    pp_store_close(s);
}

static int schema_in_file(const char *path)
{
    sqlite3 *db;
    sqlite3_stmt *st;
    int v = -1;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(db, "SELECT count(*) FROM schema_version", -1, &st, NULL),
                     SQLITE_OK);
    if (sqlite3_step(st) == SQLITE_ROW)
        v = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    sqlite3_close(db);
    return v;
}

static void test_store__migrations(void **state)
{
    struct pp_store *s;
    struct pp_diag d;
    sqlite3 *db;
    (void)state;
    assert_true(pp_store_schema_latest() >= 1);
    s = open_db("mig.db");
    assert_int_equal(pp_store_schema_version(s), pp_store_schema_latest());
    put(s, "{\"resourceType\":\"Patient\",\"id\":\"keep\"}");
    pp_store_close(s);
    /* re-opening applies nothing and keeps the data */
    s = open_db("mig.db");
    assert_int_equal(pp_store_schema_version(s), pp_store_schema_latest());
    assert_int_equal(count(s, "Patient"), 1);
    pp_store_close(s);
    assert_int_equal(schema_in_file(db_path("mig.db")), pp_store_schema_latest());
    /* the users, sessions and audit tables exist (empty) */
    assert_int_equal(sqlite3_open(db_path("mig.db"), &db), SQLITE_OK);
    assert_int_equal(
        sqlite3_exec(db, "SELECT count(*) FROM users, sessions, audit", NULL, NULL, NULL),
        SQLITE_OK);
    /* a schema newer than this binary knows is refused */
    assert_int_equal(
        sqlite3_exec(db, "INSERT INTO schema_version VALUES (999, '2099-01-01')", NULL, NULL, NULL),
        SQLITE_OK);
    sqlite3_close(db);
    s = NULL;
    assert_int_equal(pp_store_open(db_path("mig.db"), &s, &d), PP_ERR_UNSUPPORTED);
    assert_null(s);
    assert_non_null(strstr(d.what, "999"));
}

static void test_store__rollback(void **state)
{
    struct pp_store *s = open_db("rollback.db");
    struct pp_store_import_stats st = {0};
    struct pp_diag d;
    (void)state;
    /* explicit transaction: rollback undoes every write since begin */
    assert_int_equal(pp_store_begin(s, &d), PP_OK);
    assert_true(pp_store_in_transaction(s));
    put(s, "{\"resourceType\":\"Patient\",\"id\":\"a\"}");
    put(s, "{\"resourceType\":\"Patient\",\"id\":\"b\"}");
    assert_int_equal(pp_store_begin(s, &d), PP_ERR_INTERNAL);
    pp_store_rollback(s);
    assert_false(pp_store_in_transaction(s));
    assert_int_equal(count(s, "Patient"), 0);
    /* a Bundle with one bad resource (entry 2) stores nothing */
    cJSON *b = parse("{\"resourceType\":\"Bundle\",\"type\":\"transaction\",\"entry\":["
                     "{\"resource\":{\"resourceType\":\"Patient\",\"id\":\"a\"}},"
                     "{\"resource\":{\"resourceType\":\"Condition\",\"id\":\"c\"}},"
                     "{\"resource\":{\"resourceType\":\"Condition\",\"id\":\"bad id\"}}]}");
    assert_int_equal(pp_store_import_json(s, b, "b.json", &st, &d), PP_ERR_INPUT);
    assert_string_equal(d.where, "b.json: entry[2].resource.id");
    assert_int_equal(st.resources, 0);
    assert_int_equal(count(s, NULL), 0);
    cJSON_Delete(b);
    /* a history Bundle is not importable */
    b = parse("{\"resourceType\":\"Bundle\",\"type\":\"history\",\"entry\":[]}");
    assert_int_equal(pp_store_import_json(s, b, NULL, &st, &d), PP_ERR_UNSUPPORTED);
    cJSON_Delete(b);
    /* and a good one commits */
    b = parse("{\"resourceType\":\"Bundle\",\"type\":\"collection\",\"entry\":["
              "{\"resource\":{\"resourceType\":\"Patient\",\"id\":\"a\"}},"
              "{\"request\":{\"method\":\"DELETE\",\"url\":\"Patient/z\"}},"
              "{\"resource\":{\"resourceType\":\"Condition\"}}]}");
    assert_int_equal(pp_store_import_json(s, b, NULL, &st, &d), PP_OK);
    assert_int_equal(st.resources, 2);
    assert_int_equal(count(s, NULL), 2);
    cJSON_Delete(b);
    pp_store_import_stats_release(&st);
    pp_store_close(s);
}

static void test_store__urn_uuid_rewrite(void **state)
{
    struct pp_store *s = open_db("urn.db");
    struct pp_diag d;
    struct pp_store_meta m;
    char *body = NULL;
    (void)state;
    cJSON *b = parse(
        "{\"resourceType\":\"Bundle\",\"type\":\"transaction\",\"entry\":["
        "{\"fullUrl\":\"urn:uuid:0000-p\",\"resource\":{\"resourceType\":\"Patient\",\"id\":\"pp\"}"
        ",\"request\":{\"method\":\"POST\",\"url\":\"Patient\"}},"
        "{\"fullUrl\":\"urn:uuid:0000-e\",\"resource\":{\"resourceType\":\"Encounter\",\"id\":"
        "\"ee\",\"subject\":{\"reference\":\"urn:uuid:0000-p\"}}},"
        "{\"fullUrl\":\"urn:uuid:0000-o\",\"resource\":{\"resourceType\":\"Observation\","
        "\"subject\":{\"reference\":\"urn:uuid:0000-p\"},\"encounter\":{\"reference\":"
        "\"urn:uuid:0000-e\"},\"hasMember\":[{\"reference\":\"urn:uuid:elsewhere\"}]}}]}");
    assert_int_equal(pp_store_import_json(s, b, NULL, NULL, &d), PP_OK);
    cJSON_Delete(b);
    assert_int_equal(pp_store_read(s, "Encounter", "ee", &body, &m, &d), PP_OK);
    assert_non_null(strstr(body, "\"reference\":\"Patient/pp\""));
    free(body);
    struct collect c;
    struct pp_store_query q;
    size_t total = 0;
    memset(&c, 0, sizeof(c));
    assert_int_equal(pp_store_query_init(&q, "Observation", &d), PP_OK);
    assert_int_equal(pp_store_query_param(&q, "patient", "pp", &d), PP_OK);
    assert_int_equal(pp_store_search(s, &q, collect_fn, &c, &total, &d), PP_OK);
    pp_store_query_release(&q);
    assert_int_equal(total, 1);
    /* the entry without an id got a server id, and its references were rewritten */
    char id[PP_STORE_ID_MAX + 1];
    snprintf(id, sizeof(id), "%.*s", 36, c.ids);
    assert_int_equal(pp_store_read(s, "Observation", id, &body, &m, &d), PP_OK);
    assert_non_null(strstr(body, "\"Encounter/ee\""));
    assert_non_null(strstr(body, "\"urn:uuid:elsewhere\"")); /* not in the Bundle: kept */
    free(body);
    pp_store_close(s);
}

static void test_store__two_connections_backup(void **state)
{
    struct pp_store *a = open_db("shared.db");
    struct pp_store *b = open_db("shared.db");
    struct pp_diag d;
    char *body = NULL;
    struct pp_store_meta m;
    (void)state;
    put(a, "{\"resourceType\":\"Patient\",\"id\":\"x\"}");
    assert_int_equal(pp_store_read(b, "Patient", "x", &body, &m, &d), PP_OK);
    free(body);
    /* b does not see a's uncommitted write */
    assert_int_equal(pp_store_begin(a, &d), PP_OK);
    put(a, "{\"resourceType\":\"Patient\",\"id\":\"y\"}");
    assert_int_equal(count(b, "Patient"), 1);
    assert_int_equal(pp_store_commit(a, &d), PP_OK);
    assert_int_equal(count(b, "Patient"), 2);
    assert_int_equal(pp_store_backup(b, db_path("backup.db"), &d), PP_OK);
    pp_store_close(a);
    pp_store_close(b);
    struct pp_store *c = open_db("backup.db");
    assert_int_equal(count(c, "Patient"), 2);
    pp_store_close(c);
}

/* Each writer thread opens its own connection on the same file (one per thread). */
#define WRITERS 4
#define WRITES_EACH 40

static void *writer(void *arg)
{
    struct pp_store *s = NULL;
    struct pp_diag d;
    long failures = 0;
    (void)arg;
    if (pp_store_open(db_path("threads.db"), &s, &d) != PP_OK)
        return (void *)1L;
    for (int i = 0; i < WRITES_EACH; i++) {
        cJSON *p = cJSON_Parse("{\"resourceType\":\"Patient\"}");
        failures += pp_store_create(s, p, NULL, &d) != PP_OK;
        cJSON_Delete(p);
    }
    pp_store_close(s);
    return (void *)failures;
}

static void test_store__threads(void **state)
{
    pthread_t t[WRITERS];
    struct pp_store *s = open_db("threads.db"); /* migrated before the writers start */
    (void)state;
    for (int i = 0; i < WRITERS; i++)
        assert_int_equal(pthread_create(&t[i], NULL, writer, NULL), 0);
    for (int i = 0; i < WRITERS; i++) {
        void *failures = NULL;
        assert_int_equal(pthread_join(t[i], &failures), 0);
        assert_null(failures);
    }
    assert_int_equal(count(s, "Patient"), WRITERS * WRITES_EACH);
    pp_store_close(s);
}

static void test_store__load_patient(void **state)
{
    struct pp_store *s = open_db("record.db");
    struct pp_patient_set set;
    struct pp_diag d;
    (void)state;
    put(s, "{\"resourceType\":\"Patient\",\"id\":\"r1\",\"birthDate\":\"1960-05-01\"}");
    put(s, "{\"resourceType\":\"Condition\",\"id\":\"c1\",\"subject\":{\"reference\":\"Patient/"
           "r1\"},\"code\":{\"coding\":[{\"system\":\"http://snomed.info/sct\",\"code\":"
           "\"279039007\"}]}}");
    put(s, "{\"resourceType\":\"Condition\",\"id\":\"c2\",\"subject\":{\"reference\":\"Patient/"
           "other\"}}");
    pp_fhir_patient_set_init(&set);
    assert_int_equal(pp_store_load_patient(s, "r1", &set, &d), PP_OK);
    struct pp_record *r = pp_fhir_patient_set_find(&set, "r1");
    assert_non_null(r);
    assert_true(r->has_patient);
    assert_int_equal(set.n_records, 1);
    assert_int_equal(r->n_conditions, 1);
    pp_fhir_patient_set_release(&set);
    pp_fhir_patient_set_init(&set);
    assert_int_equal(pp_store_load_patient(s, "nobody", &set, &d), PP_ERR_NOT_FOUND);
    pp_fhir_patient_set_release(&set);
    pp_store_close(s);
}

static void remove_tree(void)
{
    static const char *const names[] = {"crud.db",   "update.db",   "delete.db", "search.db",
                                        "mig.db",    "rollback.db", "urn.db",    "shared.db",
                                        "backup.db", "record.db",   "threads.db"};
    static const char *const suffix[] = {"", "-wal", "-shm"};
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        for (size_t k = 0; k < 3; k++) {
            char path[200];
            snprintf(path, sizeof(path), "%s/%s%s", tmpdir, names[i], suffix[k]);
            unlink(path);
        }
    rmdir(tmpdir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_store__create_read),
        cmocka_unit_test(test_store__update_if_match),
        cmocka_unit_test(test_store__delete_soft_history),
        cmocka_unit_test(test_store__search_paging),
        cmocka_unit_test(test_store__migrations),
        cmocka_unit_test(test_store__rollback),
        cmocka_unit_test(test_store__urn_uuid_rewrite),
        cmocka_unit_test(test_store__two_connections_backup),
        cmocka_unit_test(test_store__load_patient),
        cmocka_unit_test(test_store__threads),
    };
    size_t n = sizeof(tests) / sizeof(tests[0]);
    snprintf(tmpdir, sizeof(tmpdir), "/tmp/pp-store-XXXXXX");
    if (!mkdtemp(tmpdir)) {
        perror("mkdtemp");
        return 1;
    }
    int failed = cmocka_run_group_tests(tests, NULL, NULL);
    remove_tree();
    printf("store: %zu passed, %d failed\n", n - (size_t)failed, failed);
    return failed ? 1 : 0;
}
