/*
 * audit.c — one audit record per access to patient data and per trust event (http/auth.h),
 * written after the handler by the gate in server.c, or by a writing handler inside its own
 * store transaction (pp_http_audit_in_tx). What the record says comes from res->audit when
 * the handler or the auth code filled it, else from the route. Never logs a record.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "http/auth.h"
#include "http/handlers.h"
#include "http/routes.h"
#include "store/audit.h"
#include "util/banned.h"

/* Routes that touch no patient data and are not trust events: never audited. */
static bool quiet_route(const char *path)
{
    static const char *const quiet[] = {"/healthz", "/metrics", "/fhir/metadata", "/cds-services"};
    for (size_t i = 0; i < sizeof(quiet) / sizeof(quiet[0]); i++)
        if (strcmp(path, quiet[i]) == 0)
            return true;
    return strncmp(path, "/fhir", 5) != 0 && strncmp(path, "/cds-services", 13) != 0;
}

/* Copy v (NULL: "") into out, cut at cap - 1 bytes. */
static void set(char *out, size_t cap, const char *v)
{
    size_t n = v ? strnlen(v, cap - 1) : 0;
    if (n)
        memmove(out, v, n);
    out[n] = '\0';
}

/* The resource type a "/fhir/Type/..." route pattern names ("" for "{type}" or none). */
static void pattern_type(const char *pattern, char *out, size_t cap)
{
    const char *p;
    out[0] = '\0';
    if (strncmp(pattern, "/fhir/", 6) != 0)
        return;
    p = pattern + 6;
    if (*p == '{' || *p == '$')
        return;
    snprintf(out, cap, "%.*s", (int)strcspn(p, "/"), p);
}

/* The action a route implies (its pattern and method), or NULL: not audited by itself. */
static const char *route_action(const struct pp_http_request *req)
{
    const char *p = req->route->path, *m = req->method;
    if (strstr(p, "$export"))
        return "export";
    if (strcmp(p, "/fhir") == 0)
        return "transaction";
    if (strstr(p, "/$"))
        return "operation";
    if (strncmp(p, "/cds-services/", 14) == 0)
        return "cds";
    if (strcmp(p, "/fhir/{type}/{rid}/_history/{vid}") == 0)
        return "vread";
    if (strcmp(p, "/fhir/{type}/{rid}/_history") == 0)
        return "history";
    if (strcmp(p, "/fhir/{type}/{rid}") == 0 || strcmp(p, "/fhir/AuditEvent/{rid}") == 0)
        return strcmp(m, "PUT") == 0 ? "update" : strcmp(m, "DELETE") == 0 ? "delete" : "read";
    if (strcmp(p, "/fhir/{type}") == 0 || strcmp(p, "/fhir/AuditEvent") == 0)
        return strcmp(m, "POST") == 0 ? "create" : "search";
    return NULL;
}

/* The value of query parameter `name` (first), or NULL. */
static const char *arg(const struct pp_http_request *req, const char *name)
{
    for (size_t i = 0; i < req->n_args; i++)
        if (strcmp(req->args[i].name, name) == 0)
            return req->args[i].value;
    return NULL;
}

/* A search's patient: its patient / subject parameter as a bare id. */
static void search_patient(const struct pp_http_request *req, char *out, size_t cap)
{
    static const char *const names[] = {"patient", "subject", "subject:Patient", "_id"};
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        const char *v = arg(req, names[i]);
        if (!v || !*v || (i == 3 && strcmp(req->param, "Patient") != 0))
            continue;
        if (strncmp(v, "Patient/", 8) == 0)
            v += 8;
        if (!strchr(v, ',') && !strchr(v, '/')) {
            set(out, cap, v);
            return;
        }
    }
}

/* The outcome word of an HTTP status. */
static const char *outcome_of(unsigned status)
{
    if (status == 401 || status == 403)
        return "denied";
    if (status >= 500)
        return "error";
    if (status >= 400)
        return "failed";
    return "success";
}

/* Who: the principal (nobody: empty agent and role) and the client address. */
static void set_who(struct pp_audit_record *r, const struct pp_http_request *req,
                    const struct pp_http_principal *who)
{
    set(r->client, sizeof(r->client), req->client);
    if (!who || !who->authenticated)
        return;
    r->user_id = who->user_id;
    set(r->agent, sizeof(r->agent), who->name);
    set(r->role, sizeof(r->role), pp_role_name(who->role));
}

/* What the handler learnt of who it was (a login names its user before anyone is signed in)
 * and why (a break-glass grant's reason). */
static void handler_who(struct pp_audit_record *r, const struct pp_http_response *res)
{
    if (!r->agent[0] && res->audit.agent[0])
        set(r->agent, sizeof(r->agent), res->audit.agent);
    if (!r->user_id && res->audit.user_id > 0)
        r->user_id = res->audit.user_id;
    if (res->audit.reason[0])
        set(r->reason, sizeof(r->reason), res->audit.reason);
}

/* Fill r from the route, then from what res->audit names (it wins where it is set); false
 * when the request is not audited. */
static bool describe(const struct pp_http_request *req, const struct pp_http_response *res,
                     struct pp_audit_record *r)
{
    const char *by_route = NULL, *action;
    memset(r, 0, sizeof(*r));
    if (req->route && !quiet_route(req->route->path))
        by_route = route_action(req);
    action = res->audit.action[0] ? res->audit.action : by_route;
    if (!action)
        return false;
    set(r->action, sizeof(r->action), action);
    if (by_route) {
        const char *p = req->route->path;
        if (strncmp(p, "/fhir/{type}", 12) == 0) {
            set(r->resource_type, sizeof(r->resource_type), req->param);
            set(r->resource_id, sizeof(r->resource_id), req->param2);
        } else if (strncmp(p, "/cds-services/", 14) == 0) {
            set(r->resource_id, sizeof(r->resource_id), req->param);
        } else {
            pattern_type(p, r->resource_type, sizeof(r->resource_type));
            if (strstr(p, "{rid}") || strstr(p, "{job}"))
                set(r->resource_id, sizeof(r->resource_id), req->param);
        }
        if (strstr(p, "/$")) /* the operation's name, e.g. "$mme" */
            set(r->reason, sizeof(r->reason), strstr(p, "/$") + 1);
        else if (strcmp(action, by_route) != 0) /* denied: what was attempted */
            set(r->reason, sizeof(r->reason), by_route);
    }
    if (res->audit.type[0])
        set(r->resource_type, sizeof(r->resource_type), res->audit.type);
    if (res->audit.id[0])
        set(r->resource_id, sizeof(r->resource_id), res->audit.id);
    set(r->patient, sizeof(r->patient), res->audit.patient);
    if (!r->patient[0] && strcmp(r->resource_type, "Patient") == 0 && r->resource_id[0])
        set(r->patient, sizeof(r->patient), r->resource_id);
    if (!r->patient[0] && by_route && strcmp(by_route, "search") == 0)
        search_patient(req, r->patient, sizeof(r->patient));
    return true;
}

/* Replace whatever the handler answered with a 500: nothing of it may go out unaudited. */
static void fail_answer(struct pp_http_response *res)
{
    pp_http_response_release(res);
    pp_http_response_init(res);
    pp_http_outcome(res, 500, "exception", "", "the access could not be recorded");
}

/* ---- the read-audit journal and its importer ---- */

/* An import every this many milliseconds, or at once when this many lines wait. */
#define IMPORT_EVERY_MS 20
#define IMPORT_AT_LINES 512

static pthread_mutex_t imp_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t imp_wake = PTHREAD_COND_INITIALIZER;
static struct pp_audit_journal *journal; /* set while an importer runs */
static struct pp_store *imp_store;       /* the importer's own connection */
static pthread_t importer;
static bool stopping, kicked;

static void import_round(void)
{
    static bool failing; /* said once per run of failures, not every round */
    struct pp_diag d;
    pp_diag_clear(&d);
    if (pp_audit_journal_import(journal, imp_store, &d) == PP_OK) {
        if (failing)
            fprintf(stderr, "painpath: audit journal imported again\n");
        failing = false;
    } else if (!failing) {
        /* the lines stay in their files; every round tries again */
        fprintf(stderr, "painpath: audit journal import failed (retrying): %s\n", d.what);
        failing = true;
    }
}

static void *import_loop(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&imp_lock);
    while (!stopping) {
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_nsec += IMPORT_EVERY_MS * 1000L * 1000L;
        if (until.tv_nsec >= 1000000000L) {
            until.tv_sec++;
            until.tv_nsec -= 1000000000L;
        }
        while (!stopping && !kicked)
            if (pthread_cond_timedwait(&imp_wake, &imp_lock, &until) == ETIMEDOUT)
                break;
        kicked = false;
        pthread_mutex_unlock(&imp_lock);
        import_round();
        pthread_mutex_lock(&imp_lock);
    }
    pthread_mutex_unlock(&imp_lock);
    import_round(); /* the lines of the last requests */
    return NULL;
}

enum pp_err pp_http_audit_start(const struct pp_http_env *env, bool *owner, struct pp_diag *d)
{
    struct pp_store *s = NULL;
    struct pp_audit_journal *j = NULL;
    enum pp_err e;

    *owner = false;
    if (!env || !env->db_path)
        return PP_OK;
    pthread_mutex_lock(&imp_lock);
    if (journal) {
        pthread_mutex_unlock(&imp_lock);
        return PP_OK;
    }
    if ((e = pp_store_open(env->db_path, &s, d)) != PP_OK ||
        (e = pp_audit_journal_open(s, &j, d)) != PP_OK || !j) {
        pp_store_close(s);
        pthread_mutex_unlock(&imp_lock);
        return e;
    }
    journal = j;
    imp_store = s;
    stopping = kicked = false;
    if (pthread_create(&importer, NULL, import_loop, NULL) != 0) {
        journal = NULL;
        imp_store = NULL;
        pthread_mutex_unlock(&imp_lock);
        pp_audit_journal_close(j);
        pp_store_close(s);
        return pp_diag_set(d, PP_ERR_IO, "audit-journal", "cannot start the audit importer");
    }
    *owner = true;
    pthread_mutex_unlock(&imp_lock);
    return PP_OK;
}

void pp_http_audit_stop(void)
{
    pthread_mutex_lock(&imp_lock);
    if (!journal) {
        pthread_mutex_unlock(&imp_lock);
        return;
    }
    stopping = true;
    pthread_cond_signal(&imp_wake);
    pthread_mutex_unlock(&imp_lock);
    pthread_join(importer, NULL); /* it imports the last lines before it returns */
    pthread_mutex_lock(&imp_lock);
    pp_audit_journal_close(journal);
    pp_store_close(imp_store);
    journal = NULL;
    imp_store = NULL;
    pthread_mutex_unlock(&imp_lock);
}

enum pp_err pp_http_audit_flush(struct pp_store *s, struct pp_diag *d)
{
    /* the journal lives until pp_http_audit_stop, which runs after the last request */
    struct pp_audit_journal *j;
    pthread_mutex_lock(&imp_lock);
    j = journal;
    pthread_mutex_unlock(&imp_lock);
    return j ? pp_audit_journal_import(j, s, d) : PP_OK;
}

/* Actions recorded through the journal: reads of patient data. Writes record inside their
 * own transaction; logins, denials, exports and failures are appended at once. */
static bool journalled(const struct pp_audit_record *r)
{
    static const char *const reads[] = {"read", "vread", "search", "history", "operation", "cds"};
    if (strcmp(r->outcome, "success") != 0)
        return false;
    for (size_t i = 0; i < sizeof(reads) / sizeof(reads[0]); i++)
        if (strcmp(r->action, reads[i]) == 0)
            return true;
    return false;
}

/* Journal r (true), or false: no journal runs, or r is not a read. *failed: it should have
 * been journalled but the line could not be written. */
static bool journal_read(struct pp_audit_record *r, bool *failed)
{
    struct pp_audit_journal *j;
    struct pp_diag d;
    size_t pending = 0;
    *failed = false;
    if (!journalled(r))
        return false;
    pthread_mutex_lock(&imp_lock);
    j = journal;
    pthread_mutex_unlock(&imp_lock);
    if (!j)
        return false;
    pp_diag_clear(&d);
    if (pp_audit_journal_append(j, r, &pending, &d) != PP_OK) {
        *failed = true;
        return true;
    }
    if (pending >= IMPORT_AT_LINES) {
        pthread_mutex_lock(&imp_lock);
        kicked = true;
        pthread_cond_signal(&imp_wake);
        pthread_mutex_unlock(&imp_lock);
    }
    return true;
}

void pp_http_audit_request(const struct pp_http_request *req, const struct pp_http_principal *who,
                           struct pp_http_response *res)
{
    bool failed;
    struct pp_audit_record r;
    struct pp_store *s;
    struct pp_diag d;

    if (res->audit.recorded || !describe(req, res, &r))
        return;
    if (!req->env || !req->env->db_path)
        return; /* a server without a store keeps no patient data and no trail */
    set_who(&r, req, who);
    handler_who(&r, res);
    set(r.outcome, sizeof(r.outcome), outcome_of(res->status));
    pp_diag_clear(&d);
    if (pp_http_store(req, &s, &d) != PP_OK) {
        fail_answer(res);
        return;
    }
    /* a read of a resource in a patient's compartment names the patient (read handlers
     * name it themselves, from the resource they read) */
    if (!r.patient[0] && r.resource_type[0] && r.resource_id[0] &&
        strcmp(r.resource_type, "Patient") != 0 &&
        pp_store_audit_patient_of(s, r.resource_type, r.resource_id, r.patient, &d) != PP_OK) {
        fail_answer(res);
        return;
    }
    if (journal_read(&r, &failed)) {
        if (failed)
            fail_answer(res);
        else
            res->audit.recorded = true;
        return;
    }
    if (pp_store_audit_append(s, &r, &d) != PP_OK) {
        fail_answer(res);
        return;
    }
    res->audit.recorded = true;
}

enum pp_err pp_http_audit_in_tx(const struct pp_http_request *req, struct pp_store *s,
                                struct pp_http_response *res, struct pp_diag *d)
{
    struct pp_audit_record r;
    enum pp_err e;
    if (!describe(req, res, &r))
        return PP_OK;
    set_who(&r, req, req->who);
    handler_who(&r, res);
    set(r.outcome, sizeof(r.outcome), "success");
    if (!r.patient[0] && r.resource_type[0] && r.resource_id[0] &&
        strcmp(r.resource_type, "Patient") != 0 &&
        (e = pp_store_audit_patient_of(s, r.resource_type, r.resource_id, r.patient, d)) != PP_OK)
        return e;
    if ((e = pp_store_audit_append(s, &r, d)) != PP_OK)
        return e;
    res->audit.recorded = true;
    return PP_OK;
}

enum pp_err pp_http_audit_entry(const struct pp_http_request *req, struct pp_store *s,
                                const char *action, const char *type, const char *id,
                                const char *patient, const char *outcome, struct pp_diag *d)
{
    struct pp_audit_record r;
    memset(&r, 0, sizeof(r));
    set_who(&r, req, req->who);
    set(r.action, sizeof(r.action), action);
    set(r.resource_type, sizeof(r.resource_type), type);
    set(r.resource_id, sizeof(r.resource_id), id);
    set(r.outcome, sizeof(r.outcome), outcome);
    if (patient)
        set(r.patient, sizeof(r.patient), patient);
    else if (type && strcmp(type, "Patient") == 0)
        set(r.patient, sizeof(r.patient), id);
    else if (type && *type && id && *id &&
             pp_store_audit_patient_of(s, type, id, r.patient, d) != PP_OK)
        return PP_ERR_IO;
    return pp_store_audit_append(s, &r, d);
}
