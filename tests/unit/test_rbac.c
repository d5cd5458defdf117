/*
 * test_rbac.c — the role table (a deny row wins, deny by default, every route has a known
 * class, the scope grammar, the resource-type classes, the documented table equals the
 * code's), the care-team and break-glass rule on a real store (search totals count only
 * what the caller may see), and the break-glass endpoint (reason required, audited,
 * flagged).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "http/auth.h"
#include "http/handlers.h"
#include "http/rbac.h"
#include "http/routes.h"
#include "store/accounts.h"
#include "store/store.h"
#include "util/buf.h"
#include "util/json.h"
#include "util/secret.h"

#define FD PP_ROLE_FRONT_DESK
#define NU PP_ROLE_NURSE
#define PH PP_ROLE_PHYSICIAN
#define AD PP_ROLE_ADMIN
#define PT PP_ROLE_PATIENT
#define IN PP_ROLE_INTEGRATION

static void test_rbac__deny_wins(void **state)
{
    (void)state;
    const struct pp_rbac_rule allow_then_deny[] = {
        {"clinical", PP_RBAC_READ, PH, PP_RBAC_ALLOW, NULL},
        {"clinical", PP_RBAC_READ, PH, PP_RBAC_DENY, NULL},
    };
    const struct pp_rbac_rule deny_then_allow[] = {
        {"clinical", PP_RBAC_READ, PH, PP_RBAC_DENY, NULL},
        {"clinical", PP_RBAC_READ, PH, PP_RBAC_ALLOW, NULL},
    };
    assert_false(pp_rbac_decide(allow_then_deny, 2, "clinical", PP_RBAC_READ, PH, NULL, NULL));
    assert_false(pp_rbac_decide(deny_then_allow, 2, "clinical", PP_RBAC_READ, PH, NULL, NULL));
    /* the allow row alone allows */
    assert_true(pp_rbac_decide(allow_then_deny, 1, "clinical", PP_RBAC_READ, PH, NULL, NULL));
    /* a deny for another role or action does not touch this one */
    const struct pp_rbac_rule other[] = {
        {"clinical", PP_RBAC_READ, PH, PP_RBAC_ALLOW, NULL},
        {"clinical", PP_RBAC_WRITE, PH, PP_RBAC_DENY, NULL},
        {"clinical", PP_RBAC_READ, NU, PP_RBAC_DENY, NULL},
    };
    assert_true(pp_rbac_decide(other, 3, "clinical", PP_RBAC_READ, PH, NULL, NULL));
    assert_false(pp_rbac_decide(other, 3, "clinical", PP_RBAC_WRITE, PH, NULL, NULL));
    /* a scoped deny row applies only under its scope */
    const struct pp_rbac_rule scoped[] = {
        {"export", PP_RBAC_READ, IN, PP_RBAC_ALLOW, "export"},
        {"export", PP_RBAC_READ, IN, PP_RBAC_DENY, "metrics"},
    };
    assert_true(pp_rbac_decide(scoped, 2, "export", PP_RBAC_READ, IN, "export", NULL));
    assert_false(pp_rbac_decide(scoped, 2, "export", PP_RBAC_READ, IN, "export metrics", NULL));
}

static void test_rbac__default_deny(void **state)
{
    size_t n;
    const struct pp_rbac_rule *t = pp_rbac_rules(&n);
    (void)state;
    assert_false(pp_rbac_decide(t, 0, "clinical", PP_RBAC_READ, PH, NULL, NULL));
    for (int r = PP_ROLE_NONE; r < PP_ROLE_COUNT; r++) {
        assert_false(
            pp_rbac_decide(t, n, "no-such-class", PP_RBAC_READ, (enum pp_role)r, "*", NULL));
        /* nobody signed in reaches nothing but public */
        if (r == PP_ROLE_NONE)
            for (const char *const *c = pp_rbac_classes(); *c; c++)
                assert_int_equal(pp_rbac_decide(t, n, *c, PP_RBAC_READ, PP_ROLE_NONE, NULL, NULL),
                                 strcmp(*c, "public") == 0);
    }
    /* an integration token without scope has nothing */
    for (const char *const *c = pp_rbac_classes(); *c; c++)
        if (strcmp(*c, "public") != 0 && strcmp(*c, "session") != 0)
            assert_false(pp_rbac_decide(t, n, *c, PP_RBAC_READ, IN, "", "Observation"));
    /* metrics is read-only: no write row at all */
    assert_false(pp_rbac_decide(t, n, "metrics", PP_RBAC_WRITE, AD, NULL, NULL));
}

/* Every route names a class the gate knows, and every class a row is for exists. */
static void test_rbac__routes_known(void **state)
{
    size_t n, nr, seen_public = 0;
    const struct pp_http_route *r = pp_http_routes(&n);
    const struct pp_rbac_rule *t = pp_rbac_rules(&nr);
    (void)state;
    assert_true(n > 40);
    for (size_t i = 0; i < n; i++) {
        if (!r[i].role || !pp_rbac_route_class_known(r[i].role))
            fail_msg("route %s %s: unknown class '%s'", r[i].method, r[i].path,
                     r[i].role ? r[i].role : "(null)");
        if (strcmp(r[i].role, "public") == 0) {
            seen_public++;
            /* only these are open to everyone */
            if (strcmp(r[i].path, "/healthz") && strcmp(r[i].path, "/fhir/metadata") &&
                strcmp(r[i].path, "/auth/login"))
                fail_msg("route %s %s is public", r[i].method, r[i].path);
        }
        /* an operation must be one the table knows (else nobody may call it) */
        if (strcmp(r[i].role, "operation") == 0)
            assert_non_null(strchr(r[i].path, '$'));
    }
    assert_true(seen_public >= 2);
    for (size_t i = 0; i < nr; i++) {
        bool known = false;
        for (const char *const *c = pp_rbac_classes(); *c; c++)
            known |= strcmp(*c, t[i].cls) == 0;
        if (!known)
            fail_msg("row %zu: unknown class %s", i, t[i].cls);
        /* scopes belong to integration rows only */
        if (t[i].scope)
            assert_int_equal(t[i].role, IN);
    }
    assert_false(pp_rbac_route_class_known("role"));
    assert_false(pp_rbac_route_class_known(NULL));
}

/* The roles as the practice describes them. */
static void test_rbac__roles(void **state)
{
    struct pp_http_principal who;
    static const struct {
        enum pp_role role;
        const char *cls;
        enum pp_rbac_action a;
        bool allowed;
    } cases[] = {
        {FD, "demographics", PP_RBAC_WRITE, true}, {FD, "scheduling", PP_RBAC_WRITE, true},
        {FD, "availability", PP_RBAC_WRITE, true}, {FD, "referral", PP_RBAC_WRITE, true},
        {FD, "directory", PP_RBAC_READ, true},     {FD, "directory", PP_RBAC_WRITE, false},
        {FD, "clinical", PP_RBAC_READ, false},     {FD, "observation", PP_RBAC_READ, false},
        {FD, "intake", PP_RBAC_READ, false},       {FD, "operation", PP_RBAC_READ, false},
        {FD, "cds", PP_RBAC_WRITE, false},         {NU, "observation", PP_RBAC_WRITE, true},
        {NU, "intake", PP_RBAC_WRITE, true},       {NU, "clinical", PP_RBAC_READ, true},
        {NU, "clinical", PP_RBAC_WRITE, false},    {NU, "operation", PP_RBAC_READ, true},
        {NU, "decision", PP_RBAC_READ, false},     {NU, "break-glass", PP_RBAC_WRITE, true},
        {PH, "clinical", PP_RBAC_WRITE, true},     {PH, "decision", PP_RBAC_READ, true},
        {PH, "cds", PP_RBAC_WRITE, true},          {PH, "export", PP_RBAC_READ, false},
        {PH, "audit", PP_RBAC_READ, false},        {AD, "audit", PP_RBAC_READ, true},
        {AD, "audit", PP_RBAC_WRITE, false},       {AD, "metrics", PP_RBAC_READ, true},
        {AD, "export", PP_RBAC_WRITE, true},       {AD, "clinical", PP_RBAC_READ, false},
        {AD, "demographics", PP_RBAC_READ, false}, {PT, "clinical", PP_RBAC_READ, true},
        {PT, "clinical", PP_RBAC_WRITE, false},    {PT, "scheduling", PP_RBAC_WRITE, true},
        {PT, "intake", PP_RBAC_WRITE, true},       {PT, "observation", PP_RBAC_WRITE, false},
        {PT, "access-log", PP_RBAC_READ, true},    {PT, "audit", PP_RBAC_READ, false},
        {PT, "break-glass", PP_RBAC_WRITE, false}, {PT, "operation", PP_RBAC_READ, false},
    };
    (void)state;
    memset(&who, 0, sizeof(who));
    who.authenticated = true;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        who.role = cases[i].role;
        if (pp_rbac_may(&who, cases[i].cls, cases[i].a, NULL) != cases[i].allowed)
            fail_msg("%s %s %s: expected %s", pp_role_name(cases[i].role), cases[i].cls,
                     cases[i].a == PP_RBAC_READ ? "read" : "write",
                     cases[i].allowed ? "allow" : "deny");
    }
    /* signed out: the same role fields count for nothing */
    who.authenticated = false;
    who.role = PH;
    assert_false(pp_rbac_may(&who, "clinical", PP_RBAC_READ, "Condition"));
}

static void test_rbac__scopes(void **state)
{
    struct pp_http_principal who;
    (void)state;
    assert_true(pp_rbac_scope_grants("*", "export", NULL));
    assert_true(pp_rbac_scope_grants("cds  export", "export", NULL));
    assert_false(pp_rbac_scope_grants("cds", "export", NULL));
    assert_false(pp_rbac_scope_grants("exports", "export", NULL));
    assert_false(pp_rbac_scope_grants("", "cds", NULL));
    assert_false(pp_rbac_scope_grants(NULL, "cds", NULL));
    assert_true(pp_rbac_scope_grants("fhir:read:Observation,Patient", "fhir:read", "Patient"));
    assert_true(pp_rbac_scope_grants("fhir:read:Observation,Patient", "fhir:read", "Observation"));
    assert_false(pp_rbac_scope_grants("fhir:read:Observation,Patient", "fhir:read", "Condition"));
    assert_false(pp_rbac_scope_grants("fhir:read:Observation", "fhir:write", "Observation"));
    assert_false(pp_rbac_scope_grants("fhir:read:Observation", "fhir:read", "Obs"));
    assert_false(pp_rbac_scope_grants("fhir:read:Observation", "fhir:read", NULL));
    assert_true(pp_rbac_scope_grants("fhir:write:Observation", "fhir:write", "Observation"));

    memset(&who, 0, sizeof(who));
    who.authenticated = true;
    who.role = IN;
    snprintf(who.scope, sizeof(who.scope), "fhir:read:Observation cds");
    assert_true(pp_rbac_may(&who, "observation", PP_RBAC_READ, "Observation"));
    assert_false(pp_rbac_may(&who, "observation", PP_RBAC_WRITE, "Observation"));
    assert_false(pp_rbac_may(&who, "clinical", PP_RBAC_READ, "Condition"));
    assert_true(pp_rbac_may(&who, "cds", PP_RBAC_WRITE, NULL));
    assert_false(pp_rbac_may(&who, "export", PP_RBAC_READ, NULL));
    assert_false(pp_rbac_may(&who, "metrics", PP_RBAC_READ, NULL));
    snprintf(who.scope, sizeof(who.scope), "*");
    assert_true(pp_rbac_may(&who, "clinical", PP_RBAC_WRITE, "Condition"));
    assert_true(pp_rbac_may(&who, "export", PP_RBAC_READ, NULL));
    assert_true(pp_rbac_may(&who, "metrics", PP_RBAC_READ, NULL));
    assert_true(pp_rbac_may(&who, "decision", PP_RBAC_READ, NULL));
    /* nobody writes the audit trail, `*` or not; a token cannot break glass */
    assert_false(pp_rbac_may(&who, "audit", PP_RBAC_WRITE, "AuditEvent"));
    assert_false(pp_rbac_may(&who, "break-glass", PP_RBAC_WRITE, NULL));
}

static void test_rbac__type_classes(void **state)
{
    (void)state;
    assert_string_equal(pp_rbac_type_class("Patient"), "demographics");
    assert_string_equal(pp_rbac_type_class("Coverage"), "demographics");
    assert_string_equal(pp_rbac_type_class("Practitioner"), "directory");
    assert_string_equal(pp_rbac_type_class("Organization"), "directory");
    assert_string_equal(pp_rbac_type_class("Slot"), "availability");
    assert_string_equal(pp_rbac_type_class("Schedule"), "availability");
    assert_string_equal(pp_rbac_type_class("Appointment"), "scheduling");
    assert_string_equal(pp_rbac_type_class("ServiceRequest"), "referral");
    assert_string_equal(pp_rbac_type_class("QuestionnaireResponse"), "intake");
    assert_string_equal(pp_rbac_type_class("Observation"), "observation");
    assert_string_equal(pp_rbac_type_class("CareTeam"), "care-team");
    assert_string_equal(pp_rbac_type_class("AuditEvent"), "audit");
    assert_string_equal(pp_rbac_type_class("DocumentReference"), "clinical");
    assert_string_equal(pp_rbac_type_class("MedicationRequest"), "clinical");
    assert_string_equal(pp_rbac_type_class("Condition"), "clinical");
    assert_string_equal(pp_rbac_type_class("SomethingNew"), "clinical");
}

/* docs/SECURITY.md holds the table the code has, between its markers. */
static void test_rbac__docs_match(void **state)
{
    const char *src = getenv("PP_SOURCE_DIR");
    char path[512], *text;
    const char *open = "<!-- roles-table: generated from src/http/rbac.c -->\n";
    const char *close = "<!-- /roles-table -->";
    struct pp_buf b;
    FILE *f;
    long len;
    (void)state;
    if (!src)
        skip();
    snprintf(path, sizeof(path), "%s/docs/SECURITY.md", src);
    f = fopen(path, "rb");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    len = ftell(f);
    fseek(f, 0, SEEK_SET);
    text = calloc(1, (size_t)len + 1);
    assert_int_equal(fread(text, 1, (size_t)len, f), (size_t)len);
    fclose(f);
    char *a = strstr(text, open), *z = a ? strstr(a, close) : NULL;
    if (!a || !z)
        fail_msg("docs/SECURITY.md lacks the roles-table markers");
    a += strlen(open);
    *z = '\0';
    pp_buf_init(&b, PP_BUF_UNLIMITED);
    pp_rbac_table_markdown(&b);
    if (strcmp(a, b.data) != 0) {
        fputs(b.data, stderr);
        fail_msg("docs/SECURITY.md's role table differs from rbac.c; it should read the above");
    }
    pp_buf_release(&b);
    free(text);
}

/* ---- on a store ---- */

static char tmpdir[64];
static char db[128];

static void put(struct pp_store *s, const char *text)
{
    struct pp_diag d;
    cJSON *v = cJSON_Parse(text);
    if (!v)
        fail_msg("bad test JSON: %s", text);
    if (pp_store_update(s, v, 0, NULL, &d) != PP_OK)
        fail_msg("put: %s: %s", d.where, d.what);
    cJSON_Delete(v);
}

static void iso_at(char out[32], long secs)
{
    time_t t = time(NULL) + secs;
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, 32, "%Y-%m-%dT%H:%M:%S.000Z", &tm);
}

struct ids {
    char text[512];
    size_t n;
};

static enum pp_err collect(void *ctx, const struct pp_store_resource *r)
{
    struct ids *x = ctx;
    size_t len = strlen(x->text);
    snprintf(x->text + len, sizeof(x->text) - len, "%s%s", x->n++ ? "," : "", r->meta.id);
    return PP_OK;
}

static long physician_id;

static int store_setup(void **state)
{
    struct pp_store *s;
    struct pp_diag d;
    struct pp_user u;
    (void)state;
    snprintf(tmpdir, sizeof(tmpdir), "/tmp/pp-rbac-XXXXXX");
    if (!mkdtemp(tmpdir))
        return -1;
    snprintf(db, sizeof(db), "%s/rbac.db", tmpdir);
    if (pp_store_open(db, &s, &d) != PP_OK)
        return -1;
    put(s, "{\"resourceType\": \"Patient\", \"id\": \"p1\"}");
    put(s, "{\"resourceType\": \"Patient\", \"id\": \"p2\"}");
    put(s, "{\"resourceType\": \"Patient\", \"id\": \"p3\"}");
    put(s, "{\"resourceType\": \"Practitioner\", \"id\": \"doc\"}");
    put(s, "{\"resourceType\": \"CareTeam\", \"id\": \"ct1\", \"status\": \"active\", \"subject\": "
           "{\"reference\": \"Patient/p1\"}, \"participant\": [{\"member\": {\"reference\": "
           "\"Practitioner/doc\"}}]}");
    /* an inactive team opens nothing; a team without status counts as active */
    put(s, "{\"resourceType\": \"CareTeam\", \"id\": \"ct2\", \"status\": \"inactive\", "
           "\"subject\": {\"reference\": \"Patient/p2\"}, \"participant\": [{\"member\": "
           "{\"reference\": \"Practitioner/doc\"}}]}");
    put(s, "{\"resourceType\": \"CareTeam\", \"id\": \"ct3\", \"subject\": {\"reference\": "
           "\"Patient/p3\"}, \"participant\": [{\"member\": {\"reference\": "
           "\"Practitioner/other\"}}, {\"member\": {\"reference\": \"Practitioner/doc\"}}]}");
    for (int p = 1; p <= 3; p++) {
        char text[200];
        snprintf(text, sizeof(text),
                 "{\"resourceType\": \"Observation\", \"id\": \"o%d\", \"status\": \"final\", "
                 "\"subject\": {\"reference\": \"Patient/p%d\"}}",
                 p, p);
        put(s, text);
    }
    put(s, "{\"resourceType\": \"Observation\", \"id\": \"o-none\", \"status\": \"final\"}");
    memset(&u, 0, sizeof(u));
    snprintf(u.username, sizeof(u.username), "doc");
    u.role = PH;
    snprintf(u.practitioner, sizeof(u.practitioner), "doc");
    {
        struct pp_secret_cost cost = {1, 8192}; /* the least Argon2id allows: a test hash */
        if (pp_secret_init(&d) != PP_OK ||
            pp_secret_hash_password("not-used", &cost, u.password_hash, &d) != PP_OK)
            return -1;
    }
    if (pp_store_user_add(s, &u, &physician_id, &d) != PP_OK)
        fail_msg("user add: %s %s", d.where, d.what);
    pp_store_close(s);
    return 0;
}

static int store_teardown(void **state)
{
    char cmd[128];
    (void)state;
    pp_http_rest_thread_close();
    snprintf(cmd, sizeof(cmd), "rm -rf %s", tmpdir);
    return system(cmd) == 0 ? 0 : -1;
}

static void search_obs(struct pp_store *s, const struct pp_store_access *a, struct ids *out,
                       size_t *total)
{
    struct pp_store_query q;
    struct pp_diag d;
    memset(out, 0, sizeof(*out));
    assert_int_equal(pp_store_query_init(&q, "Observation", &d), PP_OK);
    assert_int_equal(pp_store_query_param(&q, "_sort", "_id", &d), PP_OK);
    q.access = a;
    if (pp_store_search(s, &q, collect, out, total, &d) != PP_OK)
        fail_msg("search: %s %s", d.where, d.what);
    pp_store_query_release(&q);
}

static void test_rbac__care_team_store(void **state)
{
    struct pp_store *s;
    struct pp_diag d;
    struct pp_store_access a = {NULL, "Practitioner/doc", 0, NULL};
    char now[32], later[32], earlier[32];
    struct ids got;
    size_t total = 0;
    bool ok;
    (void)state;
    assert_int_equal(pp_store_open(db, &s, &d), PP_OK);
    assert_int_equal(pp_store_access_allows(s, &a, "p1", &ok, &d), PP_OK);
    assert_true(ok);
    assert_int_equal(pp_store_access_allows(s, &a, "p2", &ok, &d), PP_OK);
    assert_false(ok); /* inactive team */
    assert_int_equal(pp_store_access_allows(s, &a, "p3", &ok, &d), PP_OK);
    assert_true(ok); /* no status: active; second participant */
    assert_int_equal(pp_store_access_allows(s, &a, "", &ok, &d), PP_OK);
    assert_true(ok);
    /* the search counts only what the team opens (and what has no patient) */
    search_obs(s, &a, &got, &total);
    assert_string_equal(got.text, "o-none,o1,o3");
    assert_int_equal(total, 3);
    search_obs(s, NULL, &got, &total);
    assert_int_equal(total, 4);
    /* another practitioner: only the patient-less one */
    struct pp_store_access other = {NULL, "Practitioner/nobody", 0, NULL};
    search_obs(s, &other, &got, &total);
    assert_string_equal(got.text, "o-none");
    assert_int_equal(total, 1);
    /* the patient role: own */
    struct pp_store_access own = {"p2", NULL, 0, NULL};
    search_obs(s, &own, &got, &total);
    assert_string_equal(got.text, "o-none,o2");
    /* break-glass: an unexpired grant opens p2, an expired one does not */
    iso_at(now, 0);
    iso_at(later, 600);
    iso_at(earlier, -600);
    struct pp_store_access glass = {NULL, "Practitioner/doc", physician_id, now};
    assert_int_equal(pp_store_break_glass_add(s, physician_id, "p2", "test", earlier, &d), PP_OK);
    assert_int_equal(pp_store_access_allows(s, &glass, "p2", &ok, &d), PP_OK);
    assert_false(ok);
    assert_int_equal(pp_store_break_glass_add(s, physician_id, "p2", "test", later, &d), PP_OK);
    assert_int_equal(pp_store_access_allows(s, &glass, "p2", &ok, &d), PP_OK);
    assert_true(ok);
    search_obs(s, &glass, &got, &total);
    assert_string_equal(got.text, "o-none,o1,o2,o3");
    assert_int_equal(total, 4);
    /* another user's grant opens nothing for this one */
    struct pp_store_access stranger = {NULL, NULL, physician_id + 1, now};
    assert_int_equal(pp_store_access_allows(s, &stranger, "p2", &ok, &d), PP_OK);
    assert_false(ok);
    pp_store_close(s);
}

static void request_init(struct pp_http_request *req, struct pp_http_env *env,
                         const struct pp_http_principal *who, const char *body)
{
    memset(env, 0, sizeof(*env));
    env->db_path = db;
    memset(req, 0, sizeof(*req));
    req->method = "POST";
    req->path = "/auth/break-glass";
    req->env = env;
    req->who = who;
    req->body = body;
    req->body_len = strlen(body);
}

static void test_rbac__break_glass(void **state)
{
    struct pp_http_principal who;
    struct pp_http_request req;
    struct pp_http_response res;
    struct pp_http_env env;
    struct pp_store *s;
    struct pp_diag d;
    bool ok, grant;
    (void)state;
    memset(&who, 0, sizeof(who));
    who.authenticated = true;
    who.role = PH;
    who.user_id = physician_id;
    snprintf(who.practitioner, sizeof(who.practitioner), "doc");
    snprintf(who.name, sizeof(who.name), "doc");

    static const char *bad[] = {"{\"patient\": \"p3\"}", "{\"patient\": \"p3\", \"reason\": \"\"}",
                                "{\"patient\": \"p3\", \"reason\": \"  \"}"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        request_init(&req, &env, &who, bad[i]);
        pp_http_response_init(&res);
        pp_http_handle_break_glass(&req, &res);
        assert_int_equal(res.status, 400);
        assert_non_null(strstr(res.body.data, "\"reason\""));
        assert_false(res.break_glass);
        assert_string_equal(res.audit.action, "");
        pp_http_response_release(&res);
    }
    request_init(&req, &env, &who, "{\"patient\": \"nobody-here\", \"reason\": \"ED transfer\"}");
    pp_http_response_init(&res);
    pp_http_handle_break_glass(&req, &res);
    assert_int_equal(res.status, 404);
    pp_http_response_release(&res);

    request_init(&req, &env, &who, "{\"patient\": \"p1\", \"reason\": \"seen in recovery\"}");
    assert_int_equal(pp_http_store(&req, &s, &d), PP_OK);
    /* a new patient, on no team of doc's */
    put(s, "{\"resourceType\": \"Patient\", \"id\": \"p9\"}");
    assert_int_equal(pp_rbac_patient_ok(s, &who, "Observation", "p9", false, &ok, &grant, &d),
                     PP_OK);
    assert_false(ok);
    request_init(&req, &env, &who, "{\"patient\": \"p9\", \"reason\": \"seen in recovery\"}");
    pp_http_response_init(&res);
    pp_http_handle_break_glass(&req, &res);
    assert_int_equal(res.status, 201);
    assert_true(res.break_glass);
    assert_string_equal(res.audit.action, "break-glass");
    assert_string_equal(res.audit.patient, "p9");
    assert_string_equal(res.audit.reason, "seen in recovery");
    pp_http_response_release(&res);
    assert_int_equal(pp_rbac_patient_ok(s, &who, "Observation", "p9", false, &ok, &grant, &d),
                     PP_OK);
    assert_true(ok);
    assert_true(grant);
    /* the clinic's schedule is open to clinicians, for every patient */
    assert_int_equal(pp_rbac_patient_ok(s, &who, "Appointment", "p2", false, &ok, &grant, &d),
                     PP_OK);
    assert_true(ok);
    assert_false(grant);
    /* the team's patient is not a break-glass answer */
    assert_int_equal(pp_rbac_patient_ok(s, &who, "Observation", "p1", false, &ok, &grant, &d),
                     PP_OK);
    assert_true(ok);
    assert_false(grant);

    /* the patient role: own only, the directory, never a write of a patient-less one */
    struct pp_http_principal pat;
    memset(&pat, 0, sizeof(pat));
    pat.authenticated = true;
    pat.role = PT;
    snprintf(pat.patient, sizeof(pat.patient), "p2");
    assert_int_equal(pp_rbac_patient_ok(s, &pat, "Observation", "p2", false, &ok, &grant, &d),
                     PP_OK);
    assert_true(ok);
    assert_int_equal(pp_rbac_patient_ok(s, &pat, "Observation", "p1", false, &ok, &grant, &d),
                     PP_OK);
    assert_false(ok);
    assert_int_equal(pp_rbac_patient_ok(s, &pat, "Observation", "", false, &ok, &grant, &d), PP_OK);
    assert_false(ok);
    assert_int_equal(pp_rbac_patient_ok(s, &pat, "Practitioner", "", false, &ok, &grant, &d),
                     PP_OK);
    assert_true(ok);
    assert_int_equal(pp_rbac_patient_ok(s, &pat, "Practitioner", "", true, &ok, &grant, &d), PP_OK);
    assert_false(ok);
}

/* An Appointment's patient is its participant actor. */
static void test_rbac__appointment_patient(void **state)
{
    char p[PP_STORE_ID_MAX + 1];
    cJSON *a = cJSON_Parse("{\"resourceType\": \"Appointment\", \"participant\": [{\"actor\": "
                           "{\"reference\": \"Practitioner/doc\"}}, {\"actor\": {\"reference\": "
                           "\"Patient/p7\"}}]}");
    (void)state;
    pp_rbac_patient_of("Appointment", a, NULL, p);
    assert_string_equal(p, "p7");
    pp_rbac_patient_of("Appointment", a, "p8", p);
    assert_string_equal(p, "p8");
    pp_rbac_patient_of("Appointment", NULL, "", p);
    assert_string_equal(p, "");
    cJSON_Delete(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rbac__deny_wins),    cmocka_unit_test(test_rbac__default_deny),
        cmocka_unit_test(test_rbac__routes_known), cmocka_unit_test(test_rbac__roles),
        cmocka_unit_test(test_rbac__scopes),       cmocka_unit_test(test_rbac__type_classes),
        cmocka_unit_test(test_rbac__docs_match),   cmocka_unit_test(test_rbac__appointment_patient),
    };
    const struct CMUnitTest store_tests[] = {
        cmocka_unit_test(test_rbac__care_team_store),
        cmocka_unit_test(test_rbac__break_glass),
    };
    int failed = cmocka_run_group_tests(tests, NULL, NULL);
    return failed + cmocka_run_group_tests(store_tests, store_setup, store_teardown);
}
