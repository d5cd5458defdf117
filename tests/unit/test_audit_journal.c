/*
 * test_audit_journal.c — the read-audit journal (store/audit.h): lines appended are in the
 * chain after an import, in order, with their fields intact (tabs, newlines); a process that
 * stopped without importing (a crash) leaves files that the next open imports, a torn last
 * line skipped; a generation already imported is removed, not imported twice; a second
 * owner is refused; and through the HTTP gate a read whose line cannot be written is
 * answered 500 while a read that is journalled reaches the chain at the importer's round.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "http/auth.h"
#include "http/handlers.h"
#include "http/http.h"
#include "http/routes.h"
#include "store/audit.h"
#include "store/store.h"

#include "store_fixture.h"

static bool file_exists(const char *name, long gen)
{
    char p[200];
    snprintf(p, sizeof(p), "%s.audit-journal.%ld", db_path(name), gen);
    return access(p, F_OK) == 0;
}

static void record(struct pp_audit_record *r, const char *agent, const char *patient,
                   const char *reason)
{
    memset(r, 0, sizeof(*r));
    snprintf(r->agent, sizeof(r->agent), "%s", agent);
    snprintf(r->role, sizeof(r->role), "physician");
    snprintf(r->client, sizeof(r->client), "127.0.0.1");
    snprintf(r->action, sizeof(r->action), "read");
    snprintf(r->resource_type, sizeof(r->resource_type), "Patient");
    snprintf(r->resource_id, sizeof(r->resource_id), "%s", patient);
    snprintf(r->patient, sizeof(r->patient), "%s", patient);
    snprintf(r->outcome, sizeof(r->outcome), "success");
    snprintf(r->reason, sizeof(r->reason), "%s", reason);
    r->user_id = 0; /* (a user id must name a row of users) */
}

static void must_import(struct pp_audit_journal *j, struct pp_store *s)
{
    struct pp_diag d;
    pp_diag_clear(&d);
    if (pp_audit_journal_import(j, s, &d) != PP_OK)
        fail_msg("import: %s: %s", d.where, d.what);
}

static void journal_line(struct pp_audit_journal *j, const char *agent, const char *patient,
                         const char *reason)
{
    struct pp_audit_record r;
    struct pp_diag d;
    pp_diag_clear(&d);
    record(&r, agent, patient, reason);
    if (pp_audit_journal_append(j, &r, NULL, &d) != PP_OK)
        fail_msg("append: %s", d.what);
}

/* The chain's record count; fails the test when it does not verify. */
static long verified(const char *name)
{
    struct pp_store *s = open_db(name);
    struct pp_diag d;
    long n = -1, bad = -1;
    char why[160];
    pp_diag_clear(&d);
    assert_int_equal(pp_store_audit_verify(s, &n, &bad, why, &d), PP_OK);
    if (bad)
        fail_msg("chain broken at %ld: %s", bad, why);
    pp_store_close(s);
    return n;
}

struct seen {
    int n;
    char agents[512];
    char reason[256];
    long user_id;
    char at[40];
};

static enum pp_err collect(void *ctx, const struct pp_audit_record *r)
{
    struct seen *h = ctx;
    size_t len = strlen(h->agents);
    h->n++;
    snprintf(h->agents + len, sizeof(h->agents) - len, "%s%s", len ? "," : "", r->agent);
    snprintf(h->reason, sizeof(h->reason), "%s", r->reason);
    h->user_id = r->user_id;
    snprintf(h->at, sizeof(h->at), "%s", r->at);
    return PP_OK;
}

static struct seen search(const char *name, const char *patient)
{
    struct pp_store *s = open_db(name);
    struct pp_audit_query q;
    struct seen h;
    struct pp_diag d;
    memset(&q, 0, sizeof(q));
    memset(&h, 0, sizeof(h));
    q.patient = patient;
    pp_diag_clear(&d);
    assert_int_equal(pp_store_audit_search(s, &q, collect, &h, NULL, &d), PP_OK);
    pp_store_close(s);
    return h;
}

static void test_audit_journal__import(void **state)
{
    struct pp_store *s = open_db("imp.db");
    struct pp_audit_journal *j = NULL;
    struct pp_diag d;
    struct seen h;
    (void)state;
    pp_diag_clear(&d);
    assert_int_equal(pp_audit_journal_open(s, &j, &d), PP_OK);
    assert_non_null(j);
    journal_line(j, "dr.a", "p1", "");
    journal_line(j, "dr.b", "p1", "tab\there\nnew line \\ back");
    journal_line(j, "dr.c", "p2", "");
    assert_true(file_exists("imp.db", 1));
    assert_int_equal(verified("imp.db"), 0); /* journalled, not yet in the chain */
    must_import(j, s);
    assert_false(file_exists("imp.db", 1));
    assert_int_equal(verified("imp.db"), 3);
    h = search("imp.db", "p1");
    assert_int_equal(h.n, 2);
    assert_string_equal(h.agents, "dr.b,dr.a"); /* newest first: journal order kept */
    h = search("imp.db", "p2");
    assert_int_equal(h.n, 1);
    assert_int_equal(h.user_id, 0);
    assert_true(strlen(h.at) >= 20); /* stamped when journalled */
    /* a second round writes to generation 2; nothing pending: nothing changes */
    journal_line(j, "dr.d", "p3", "");
    assert_true(file_exists("imp.db", 2));
    must_import(j, s);
    must_import(j, s);
    assert_int_equal(verified("imp.db"), 4);
    pp_audit_journal_close(j);
    pp_store_close(s);
    {
        struct pp_store *t = open_db("imp.db");
        struct pp_audit_query q;
        struct seen e;
        memset(&q, 0, sizeof(q));
        memset(&e, 0, sizeof(e));
        q.agent = "dr.b";
        assert_int_equal(pp_store_audit_search(t, &q, collect, &e, NULL, &d), PP_OK);
        assert_int_equal(e.n, 1);
        assert_string_equal(e.reason, "tab\there\nnew line \\ back");
        pp_store_close(t);
    }
}

static void test_audit_journal__crash(void **state)
{
    struct pp_store *s = open_db("crash.db");
    struct pp_audit_journal *j = NULL;
    struct pp_diag d;
    char path[200];
    long damaged = -1;
    bool busy = true;
    int fd;
    (void)state;
    pp_diag_clear(&d);
    assert_int_equal(pp_audit_journal_open(s, &j, &d), PP_OK);
    journal_line(j, "dr.a", "p1", "");
    journal_line(j, "dr.b", "p1", "");
    /* the process dies: no import */
    pp_audit_journal_close(j);
    pp_store_close(s);
    assert_true(file_exists("crash.db", 1));
    /* a torn write at the end of the file (power loss mid-line) */
    snprintf(path, sizeof(path), "%s.audit-journal.1", db_path("crash.db"));
    fd = open(path, O_WRONLY | O_APPEND);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, "A1\t2026-11-27T10:00", 19), 19);
    close(fd);
    /* the next process imports it before anything else */
    s = open_db("crash.db");
    assert_int_equal(pp_audit_journal_open(s, &j, &d), PP_OK);
    assert_non_null(j);
    assert_false(file_exists("crash.db", 1));
    assert_int_equal(verified("crash.db"), 2);
    /* its own lines go to a new generation, after the imported ones */
    journal_line(j, "dr.c", "p1", "");
    assert_true(file_exists("crash.db", 2));
    /* while it owns the journal, `painpath audit verify` leaves the journal alone */
    {
        struct pp_store *cli = open_db("crash.db");
        assert_int_equal(pp_store_audit_import_leftovers(cli, &busy, &damaged, &d), PP_OK);
        assert_true(busy);
        pp_store_close(cli);
    }
    pp_audit_journal_close(j); /* dies again */
    pp_store_close(s);
    /* the CLI's path: leftovers imported with the journal unowned */
    s = open_db("crash.db");
    assert_int_equal(pp_store_audit_import_leftovers(s, &busy, &damaged, &d), PP_OK);
    assert_false(busy);
    assert_int_equal(damaged, 0);
    pp_store_close(s);
    assert_false(file_exists("crash.db", 2));
    assert_int_equal(verified("crash.db"), 3);
    assert_int_equal(search("crash.db", "p1").n, 3);
}

static void test_audit_journal__torn_counted(void **state)
{
    struct pp_store *s;
    struct pp_diag d;
    char path[200];
    long damaged = -1;
    bool busy = true;
    FILE *f;
    (void)state;
    pp_store_close(open_db("torn.db"));
    snprintf(path, sizeof(path), "%s.audit-journal.3", db_path("torn.db"));
    f = fopen(path, "w");
    assert_non_null(f);
    fputs(
        "A1\t2026-11-27T10:00:00.000Z\t0\tbot\t\t10.0.0.1\tsearch\tObservation\t\tp9\tsuccess\t\n",
        f);
    fputs("A1\t2026-11-27T10:00:01", f); /* torn */
    fclose(f);
    s = open_db("torn.db");
    pp_diag_clear(&d);
    assert_int_equal(pp_store_audit_import_leftovers(s, &busy, &damaged, &d), PP_OK);
    assert_int_equal(damaged, 1);
    pp_store_close(s);
    assert_int_equal(verified("torn.db"), 1);
    assert_string_equal(search("torn.db", "p9").at, "2026-11-27T10:00:00.000Z");
}

static void test_audit_journal__done_not_twice(void **state)
{
    struct pp_store *s;
    struct pp_audit_journal *j = NULL;
    struct pp_diag d;
    (void)state;
    s = open_db("done.db");
    pp_diag_clear(&d);
    assert_int_equal(pp_audit_journal_open(s, &j, &d), PP_OK);
    journal_line(j, "dr.a", "p1", "");
    pp_audit_journal_close(j);
    pp_store_close(s);
    /* generation 1 was imported and committed, but the process died before removing it */
    sql_on("done.db", "INSERT INTO audit_journal_done (generation) VALUES (1)");
    s = open_db("done.db");
    assert_int_equal(pp_audit_journal_open(s, &j, &d), PP_OK);
    assert_false(file_exists("done.db", 1));
    assert_int_equal(verified("done.db"), 0); /* removed, not imported */
    /* new lines continue after it: generation 2 */
    journal_line(j, "dr.b", "p1", "");
    assert_true(file_exists("done.db", 2));
    must_import(j, s);
    pp_audit_journal_close(j);
    pp_store_close(s);
    assert_int_equal(verified("done.db"), 1);
    assert_string_equal(search("done.db", "p1").agents, "dr.b");
}

/* ---- through the HTTP gate ---- */

static void read_request(struct pp_http_request *req, const struct pp_http_env *env,
                         const char *path)
{
    char params[PP_HTTP_PARAMS][PP_HTTP_PARAM_MAX];
    const char *allow = NULL;
    memset(req, 0, sizeof(*req));
    assert_int_equal(pp_http_route_find_all("GET", path, &req->route, params, &allow),
                     PP_HTTP_MATCHED);
    req->method = "GET";
    req->path = path;
    snprintf(req->param, sizeof(req->param), "%s", params[0]);
    snprintf(req->param2, sizeof(req->param2), "%s", params[1]);
    snprintf(req->client, sizeof(req->client), "127.0.0.1");
    req->env = env;
}

static unsigned audited_read(const struct pp_http_env *env, const char *path, const char *patient)
{
    struct pp_http_request req;
    struct pp_http_response res;
    unsigned status;
    read_request(&req, env, path);
    pp_http_response_init(&res);
    snprintf(res.audit.patient, sizeof(res.audit.patient), "%s", patient);
    pp_http_audit_request(&req, NULL, &res);
    status = res.status;
    pp_http_response_release(&res);
    return status;
}

static void test_audit_journal__http(void **state)
{
    struct pp_http_env env;
    struct pp_diag d;
    bool owner = false;
    const struct timespec tick = {0, 10 * 1000 * 1000};
    int waited = 0;
    (void)state;
    memset(&env, 0, sizeof(env));
    env.db_path = db_path("http.db");
    pp_diag_clear(&d);
    assert_int_equal(pp_http_audit_start(&env, &owner, &d), PP_OK);
    assert_true(owner);
    /* a read is journalled and answered as it was */
    assert_int_equal(audited_read(&env, "/fhir/Patient/px1", "px1"), 200);
    assert_int_equal(audited_read(&env, "/fhir/Condition/c1", "px1"), 200);
    /* the importer brings it into the chain within a few rounds */
    while (search("http.db", "px1").n < 2 && waited++ < 300)
        nanosleep(&tick, NULL);
    assert_int_equal(search("http.db", "px1").n, 2);
    /* the second read's patient came from the handler (res->audit.patient) */
    assert_int_equal(verified("http.db"), 2);
    pp_http_audit_stop();
    pp_http_rest_thread_close();
}

static void test_audit_journal__http_fail(void **state)
{
    struct pp_http_env env;
    struct pp_diag d;
    struct pp_store *s;
    bool owner = false;
    char p[200];
    (void)state;
    memset(&env, 0, sizeof(env));
    env.db_path = db_path("fail.db");
    pp_diag_clear(&d);
    assert_int_equal(pp_http_audit_start(&env, &owner, &d), PP_OK);
    assert_true(owner);
    /* a fresh database: the first generation is 1; its file is made a directory */
    snprintf(p, sizeof(p), "%s.audit-journal.1", db_path("fail.db"));
    assert_int_equal(mkdir(p, 0700), 0);
    assert_int_equal(audited_read(&env, "/fhir/Patient/pf1", "pf1"), 500);
    assert_int_equal(rmdir(p), 0);
    /* once writable again, reads are journalled and answered */
    assert_int_equal(audited_read(&env, "/fhir/Patient/pf1", "pf1"), 200);
    s = open_db("fail.db");
    assert_int_equal(pp_http_audit_flush(s, &d), PP_OK);
    pp_store_close(s);
    pp_http_audit_stop();
    pp_http_rest_thread_close();
    assert_int_equal(search("fail.db", "pf1").n, 1); /* only the answered read */
    assert_int_equal(verified("fail.db"), 1);
}

static void test_audit_journal__stop_drains(void **state)
{
    struct pp_http_env env;
    struct pp_diag d;
    bool owner = false;
    (void)state;
    memset(&env, 0, sizeof(env));
    env.db_path = db_path("drain.db");
    pp_diag_clear(&d);
    assert_int_equal(pp_http_audit_start(&env, &owner, &d), PP_OK);
    for (int i = 0; i < 700; i++) /* past the batch size: a kick as well as the timer */
        assert_int_equal(audited_read(&env, "/fhir/Patient/pd1", "pd1"), 200);
    pp_http_audit_stop(); /* imports the last lines */
    pp_http_rest_thread_close();
    assert_int_equal(verified("drain.db"), 700);
    assert_false(file_exists("drain.db", 1));
}

static int setup(void **state)
{
    (void)state;
    snprintf(tmpdir, sizeof(tmpdir), "/tmp/pp_auditj_XXXXXX");
    return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
    char cmd[128];
    (void)state;
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
    return system(cmd) == 0 ? 0 : -1;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_audit_journal__import),
        cmocka_unit_test(test_audit_journal__crash),
        cmocka_unit_test(test_audit_journal__torn_counted),
        cmocka_unit_test(test_audit_journal__done_not_twice),
        cmocka_unit_test(test_audit_journal__http),
        cmocka_unit_test(test_audit_journal__http_fail),
        cmocka_unit_test(test_audit_journal__stop_drains),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
