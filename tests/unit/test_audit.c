/*
 * test_audit.c — the audit chain (store/audit.h): append and verify; a copy of the database
 * tampered with as an attacker with file access would (triggers dropped first) — a field
 * edited, a middle record deleted, a record forged, two records swapped, the newest deleted —
 * each reported at the right seq; the append-only triggers; a missing key; concurrent
 * appends from two connections; search.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#include "store/audit.h"
#include "store/store.h"

#include "store_fixture.h"

/* True when sql fails on the database (the append-only triggers). */
static bool sql_fails(const char *name, const char *sql)
{
    sqlite3 *db;
    char *err = NULL;
    int rc;
    assert_int_equal(sqlite3_open(db_path(name), &db), SQLITE_OK);
    rc = sqlite3_exec(db, sql, NULL, NULL, &err);
    sqlite3_free(err);
    sqlite3_close(db);
    return rc != SQLITE_OK;
}

static void append(struct pp_store *s, const char *agent, const char *action, const char *patient)
{
    struct pp_audit_record r;
    struct pp_diag d;
    memset(&r, 0, sizeof(r));
    snprintf(r.agent, sizeof(r.agent), "%s", agent);
    snprintf(r.role, sizeof(r.role), "physician");
    snprintf(r.client, sizeof(r.client), "127.0.0.1");
    snprintf(r.action, sizeof(r.action), "%s", action);
    snprintf(r.resource_type, sizeof(r.resource_type), "Patient");
    snprintf(r.resource_id, sizeof(r.resource_id), "%s", patient);
    snprintf(r.patient, sizeof(r.patient), "%s", patient);
    snprintf(r.outcome, sizeof(r.outcome), "success");
    pp_diag_clear(&d);
    if (pp_store_audit_append(s, &r, &d) != PP_OK)
        fail_msg("append: %s: %s", d.where, d.what);
    assert_true(r.seq > 0);
    assert_int_equal(strlen(r.hash), 64);
}

/* Verify; returns the first bad seq (0: intact), *checked the records read. */
static long verify(const char *name, long *checked)
{
    struct pp_store *s = open_db(name);
    struct pp_diag d;
    long n = 0, bad = 0;
    char why[160];
    pp_diag_clear(&d);
    if (pp_store_audit_verify(s, &n, &bad, why, &d) != PP_OK)
        fail_msg("verify: %s: %s", d.where, d.what);
    if (bad)
        print_message("    %s: %s\n", name, why);
    pp_store_close(s);
    if (checked)
        *checked = n;
    return bad;
}

/* chain.db with 5 records (seq 1..5). */
static void make_chain(const char *name)
{
    struct pp_store *s = open_db(name);
    static const char *const who[] = {"dr.house", "nurse.joy", "dr.house", "frontdesk", "admin"};
    for (int i = 0; i < 5; i++)
        append(s, who[i], i % 2 ? "search" : "read", i < 3 ? "p1" : "p2");
    pp_store_close(s);
}

/* A copy of `name` (and its key) as `copy`, its triggers dropped, then `tamper` run on it. */
static void tampered_copy(const char *name, const char *copy, const char *tamper)
{
    char sql[512], src[200], dst[200];
    FILE *in, *out;
    char buf[256];
    size_t n;
    unlink(db_path(copy));
    snprintf(sql, sizeof(sql), "VACUUM INTO '%s'", db_path(copy));
    sql_on(name, sql);
    snprintf(src, sizeof(src), "%s.audit-key", db_path(name));
    snprintf(dst, sizeof(dst), "%s.audit-key", db_path(copy));
    assert_non_null(in = fopen(src, "rb"));
    assert_non_null(out = fopen(dst, "wb"));
    while ((n = fread(buf, 1, sizeof(buf), in)) > 0)
        assert_int_equal(fwrite(buf, 1, n, out), n);
    fclose(in);
    fclose(out);
    sql_on(copy, "DROP TRIGGER audit_no_update; DROP TRIGGER audit_no_delete;");
    sql_on(copy, tamper);
}

static void test_audit__append_verify(void **state)
{
    struct pp_store *s;
    struct stat st;
    char key[200];
    long checked = 0;
    (void)state;
    make_chain("chain.db");
    assert_int_equal(verify("chain.db", &checked), 0);
    assert_int_equal(checked, 5);
    /* the key: beside the database, private */
    snprintf(key, sizeof(key), "%s.audit-key", db_path("chain.db"));
    assert_int_equal(stat(key, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    /* each record links to the one before */
    sqlite3 *db;
    sqlite3_stmt *q;
    assert_int_equal(sqlite3_open(db_path("chain.db"), &db), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(db,
                                        "SELECT count(*) FROM audit a JOIN audit b"
                                        " ON b.seq = a.seq + 1 WHERE b.prev_hash = a.hash",
                                        -1, &q, NULL),
                     SQLITE_OK);
    assert_int_equal(sqlite3_step(q), SQLITE_ROW);
    assert_int_equal(sqlite3_column_int(q, 0), 4);
    sqlite3_finalize(q);
    sqlite3_close(db);
    /* appending continues the chain after a reopen */
    s = open_db("chain.db");
    append(s, "dr.house", "update", "p1");
    pp_store_close(s);
    assert_int_equal(verify("chain.db", &checked), 0);
    assert_int_equal(checked, 6);
}

static void test_audit__append_only(void **state)
{
    (void)state;
    make_chain("ro.db");
    assert_true(sql_fails("ro.db", "UPDATE audit SET patient = 'x' WHERE seq = 2"));
    assert_true(sql_fails("ro.db", "DELETE FROM audit WHERE seq = 5"));
    assert_int_equal(verify("ro.db", NULL), 0);
}

static void test_audit__tamper(void **state)
{
    (void)state;
    make_chain("t.db");
    /* an edited field */
    tampered_copy("t.db", "edit.db", "UPDATE audit SET agent = 'someone.else' WHERE seq = 3");
    assert_int_equal(verify("edit.db", NULL), 3);
    tampered_copy("t.db", "edit2.db", "UPDATE audit SET outcome = 'denied' WHERE seq = 1");
    assert_int_equal(verify("edit2.db", NULL), 1);
    /* a middle record deleted */
    tampered_copy("t.db", "del.db", "DELETE FROM audit WHERE seq = 3");
    assert_int_equal(verify("del.db", NULL), 3);
    /* a middle record deleted and the rest renumbered to close the gap */
    tampered_copy("t.db", "renum.db",
                  "DELETE FROM audit WHERE seq = 2; UPDATE audit SET seq = seq - 1 WHERE seq > 2;"
                  "UPDATE audit_head SET seq = 4");
    assert_int_equal(verify("renum.db", NULL), 2);
    /* a forged record appended, linked to the real last one, head moved */
    tampered_copy("t.db", "forge.db",
                  "INSERT INTO audit (seq, at, action, outcome, prev_hash, hash, agent, role,"
                  " client, patient) SELECT 6, at, 'read', 'success', hash,"
                  " '00000000000000000000000000000000000000000000000000000000000000aa',"
                  " 'ghost', 'admin', '10.0.0.9', 'p1' FROM audit WHERE seq = 5;"
                  "UPDATE audit_head SET seq = 6, hash = "
                  "'00000000000000000000000000000000000000000000000000000000000000aa'");
    assert_int_equal(verify("forge.db", NULL), 6);
    /* a forged record inserted in the middle (the later ones moved up) */
    tampered_copy("t.db", "ins.db",
                  "UPDATE audit SET seq = seq + 100 WHERE seq >= 3;"
                  "UPDATE audit SET seq = seq - 99 WHERE seq > 100;"
                  "INSERT INTO audit (seq, at, action, outcome, prev_hash, hash)"
                  " SELECT 3, at, 'read', 'success', hash, hash FROM audit WHERE seq = 2");
    assert_int_equal(verify("ins.db", NULL), 3);
    /* two records' seq swapped */
    tampered_copy("t.db", "swap.db",
                  "UPDATE audit SET seq = -2 WHERE seq = 2; UPDATE audit SET seq = 2 WHERE seq = 4;"
                  "UPDATE audit SET seq = 4 WHERE seq = -2");
    assert_int_equal(verify("swap.db", NULL), 2);
    /* the newest record deleted */
    tampered_copy("t.db", "tail.db", "DELETE FROM audit WHERE seq = 5");
    assert_int_equal(verify("tail.db", NULL), 5);
    /* the newest deleted and the head rewritten to the new newest (no key: caught) */
    tampered_copy("t.db", "tail2.db",
                  "DELETE FROM audit WHERE seq = 5;"
                  "UPDATE audit_head SET seq = 4, hash = (SELECT hash FROM audit WHERE seq = 4)");
    assert_int_equal(verify("tail2.db", NULL), 4);
    /* the untouched original is still whole */
    assert_int_equal(verify("t.db", NULL), 0);
}

static void test_audit__missing_key(void **state)
{
    struct pp_store *s;
    struct pp_diag d;
    struct pp_audit_record r;
    char key[200];
    long n, bad;
    char why[160];
    (void)state;
    make_chain("nokey.db");
    snprintf(key, sizeof(key), "%s.audit-key", db_path("nokey.db"));
    assert_int_equal(unlink(key), 0);
    s = open_db("nokey.db");
    pp_diag_clear(&d);
    assert_int_equal(pp_store_audit_verify(s, &n, &bad, why, &d), PP_ERR_IO);
    assert_non_null(strstr(d.what, "missing"));
    memset(&r, 0, sizeof(r));
    snprintf(r.action, sizeof(r.action), "read");
    snprintf(r.outcome, sizeof(r.outcome), "success");
    assert_int_equal(pp_store_audit_append(s, &r, &d), PP_ERR_IO);
    pp_store_close(s);
    /* no new key was made in its place */
    assert_int_not_equal(access(key, F_OK), 0);
    /* an empty chain verifies without a key */
    s = open_db("empty.db");
    assert_int_equal(pp_store_audit_verify(s, &n, &bad, why, &d), PP_OK);
    assert_int_equal(n, 0);
    assert_int_equal(bad, 0);
    pp_store_close(s);
}

#define PER_THREAD 150

static void *appender(void *arg)
{
    struct pp_store *s = open_db("conc.db");
    for (int i = 0; i < PER_THREAD; i++)
        append(s, (const char *)arg, "read", i % 2 ? "p1" : "p2");
    pp_store_close(s);
    return NULL;
}

static void test_audit__concurrent(void **state)
{
    pthread_t a, b;
    long checked = 0;
    (void)state;
    pp_store_close(open_db("conc.db")); /* create and migrate once */
    assert_int_equal(pthread_create(&a, NULL, appender, "alice"), 0);
    assert_int_equal(pthread_create(&b, NULL, appender, "bob"), 0);
    pthread_join(a, NULL);
    pthread_join(b, NULL);
    assert_int_equal(verify("conc.db", &checked), 0);
    assert_int_equal(checked, 2 * PER_THREAD);
}

struct hits {
    int n;
    long first_seq;
    char agents[256];
};

static enum pp_err collect(void *ctx, const struct pp_audit_record *r)
{
    struct hits *h = ctx;
    if (!h->n++)
        h->first_seq = r->seq;
    size_t len = strlen(h->agents);
    snprintf(h->agents + len, sizeof(h->agents) - len, "%s%s", len ? "," : "", r->agent);
    return PP_OK;
}

static void test_audit__search(void **state)
{
    struct pp_store *s;
    struct pp_diag d;
    struct pp_audit_query q;
    struct hits h;
    size_t total = 0;
    (void)state;
    make_chain("search.db");
    s = open_db("search.db");
    memset(&q, 0, sizeof(q));
    memset(&h, 0, sizeof(h));
    q.patient = "p1";
    assert_int_equal(pp_store_audit_search(s, &q, collect, &h, &total, &d), PP_OK);
    assert_int_equal(total, 3);
    assert_int_equal(h.first_seq, 3); /* newest first */
    assert_string_equal(h.agents, "dr.house,nurse.joy,dr.house");
    memset(&h, 0, sizeof(h));
    q.patient = NULL;
    q.agent = "dr.house";
    q.count = 1;
    assert_int_equal(pp_store_audit_search(s, &q, collect, &h, &total, &d), PP_OK);
    assert_int_equal(total, 2);
    assert_int_equal(h.n, 1);
    memset(&h, 0, sizeof(h));
    memset(&q, 0, sizeof(q));
    q.date_hi = "2000-01-01";
    assert_int_equal(pp_store_audit_search(s, &q, collect, &h, &total, &d), PP_OK);
    assert_int_equal(total, 0);
    memset(&q, 0, sizeof(q));
    q.seq = 4;
    memset(&h, 0, sizeof(h));
    assert_int_equal(pp_store_audit_search(s, &q, collect, &h, &total, &d), PP_OK);
    assert_int_equal(total, 1);
    assert_string_equal(h.agents, "frontdesk");
    pp_store_close(s);
}

static int setup(void **state)
{
    (void)state;
    snprintf(tmpdir, sizeof(tmpdir), "/tmp/pp_audit_XXXXXX");
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
        cmocka_unit_test(test_audit__append_verify), cmocka_unit_test(test_audit__append_only),
        cmocka_unit_test(test_audit__tamper),        cmocka_unit_test(test_audit__missing_key),
        cmocka_unit_test(test_audit__concurrent),    cmocka_unit_test(test_audit__search),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
