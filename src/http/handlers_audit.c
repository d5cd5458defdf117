/*
 * handlers_audit.c — the audit trail as FHIR R4 AuditEvent resources: search, read, and a
 * patient's own access log. Read-only: the trail is written only by the server (audit.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http/auth.h"
#include "http/handlers.h"
#include "store/audit.h"
#include "util/buf.h"
#include "util/date.h"
#include "util/banned.h"

#define AUDIT_COUNT_DEFAULT 50
#define AUDIT_COUNT_MAX 1000

static const char sys_event_type[] = "http://terminology.hl7.org/CodeSystem/audit-event-type";
static const char sys_interaction[] = "http://hl7.org/fhir/restful-interaction";
static const char sys_dcm[] = "http://dicom.nema.org/resources/ontology/DCM";

/* type, subtype and action of a record's action word. */
struct event_kind {
    const char *action;
    const char *type_system, *type_code, *type_display;
    const char *sub_system, *sub_code, *sub_display;
    char fhir_action; /* C R U D E */
};

static const struct event_kind kinds[] = {
    {"read", sys_event_type, "rest", "RESTful Operation", sys_interaction, "read", "read", 'R'},
    {"vread", sys_event_type, "rest", "RESTful Operation", sys_interaction, "vread", "vread", 'R'},
    {"history", sys_event_type, "rest", "RESTful Operation", sys_interaction, "history-instance",
     "history-instance", 'R'},
    {"search", sys_event_type, "rest", "RESTful Operation", sys_interaction, "search-type",
     "search-type", 'E'},
    {"create", sys_event_type, "rest", "RESTful Operation", sys_interaction, "create", "create",
     'C'},
    {"update", sys_event_type, "rest", "RESTful Operation", sys_interaction, "update", "update",
     'U'},
    {"delete", sys_event_type, "rest", "RESTful Operation", sys_interaction, "delete", "delete",
     'D'},
    {"transaction", sys_event_type, "rest", "RESTful Operation", sys_interaction, "transaction",
     "transaction", 'E'},
    {"batch", sys_event_type, "rest", "RESTful Operation", sys_interaction, "batch", "batch", 'E'},
    {"operation", sys_event_type, "rest", "RESTful Operation", sys_interaction, "operation",
     "operation", 'E'},
    {"cds", sys_event_type, "rest", "RESTful Operation", sys_interaction, "operation", "operation",
     'E'},
    {"export", sys_dcm, "110106", "Export", sys_interaction, "operation", "operation", 'E'},
    {"login", sys_dcm, "110114", "User Authentication", sys_dcm, "110122", "Login", 'E'},
    {"login-failed", sys_dcm, "110114", "User Authentication", sys_dcm, "110122", "Login", 'E'},
    {"logout", sys_dcm, "110114", "User Authentication", sys_dcm, "110123", "Logout", 'E'},
    {"denied", sys_event_type, "rest", "RESTful Operation", NULL, NULL, NULL, 'E'},
    {"break-glass", sys_dcm, "110113", "Security Alert", sys_dcm, "110127",
     "Emergency Override Started", 'E'},
};

static const struct event_kind *kind_of(const char *action)
{
    for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
        if (strcmp(kinds[i].action, action) == 0)
            return &kinds[i];
    return &kinds[9]; /* an action this build does not know: an operation */
}

/* Copy v into out, cut at cap - 1 bytes. */
static void copy(char *out, size_t cap, const char *v)
{
    size_t n = strnlen(v, cap - 1);
    memmove(out, v, n);
    out[n] = '\0';
}

static const char *outcome_code(const char *outcome)
{
    if (strcmp(outcome, "success") == 0)
        return "0";
    if (strcmp(outcome, "error") == 0)
        return "8";
    return "4"; /* denied, failed: a minor failure (the request was refused) */
}

static void coding(struct pp_buf *b, const char *system, const char *code, const char *display)
{
    pp_buf_adds(b, "{\"system\": ");
    pp_buf_add_json_str(b, system);
    pp_buf_adds(b, ", \"code\": ");
    pp_buf_add_json_str(b, code);
    pp_buf_adds(b, ", \"display\": ");
    pp_buf_add_json_str(b, display);
    pp_buf_addc(b, '}');
}

/* One record as an AuditEvent (id: its seq). */
static void render(struct pp_buf *b, const struct pp_audit_record *r)
{
    const struct event_kind *k = kind_of(r->action);
    pp_buf_addf(b,
                "{\"resourceType\": \"AuditEvent\", \"id\": \"%ld\", \"meta\": "
                "{\"versionId\": \"1\", \"lastUpdated\": ",
                r->seq);
    pp_buf_add_json_str(b, r->at);
    pp_buf_adds(b, "}, \"type\": ");
    coding(b, k->type_system, k->type_code, k->type_display);
    if (k->sub_code) {
        pp_buf_adds(b, ", \"subtype\": [");
        coding(b, k->sub_system, k->sub_code, k->sub_display);
        pp_buf_addc(b, ']');
    }
    pp_buf_addf(b, ", \"action\": \"%c\", \"recorded\": ", k->fhir_action);
    pp_buf_add_json_str(b, r->at);
    pp_buf_addf(b, ", \"outcome\": \"%s\"", outcome_code(r->outcome));
    pp_buf_adds(b, ", \"outcomeDesc\": ");
    {
        char desc[300];
        snprintf(desc, sizeof(desc), "%s%s%s", r->outcome, r->reason[0] ? ": " : "", r->reason);
        pp_buf_add_json_str(b, desc);
    }
    pp_buf_adds(b, ", \"agent\": [{\"type\": {\"coding\": [");
    coding(b, "http://terminology.hl7.org/CodeSystem/extra-security-role-type",
           r->user_id > 0 ? "humanuser" : "dataprocessor",
           r->user_id > 0 ? "human user" : "data processor");
    pp_buf_adds(b, "]}");
    if (r->role[0]) {
        pp_buf_adds(b, ", \"role\": [{\"text\": ");
        pp_buf_add_json_str(b, r->role);
        pp_buf_adds(b, "}]");
    }
    pp_buf_adds(b, ", \"who\": {\"display\": ");
    pp_buf_add_json_str(b, r->agent[0] ? r->agent : "anonymous");
    pp_buf_adds(b, "}, \"requestor\": true");
    if (r->client[0]) {
        pp_buf_adds(b, ", \"network\": {\"address\": ");
        pp_buf_add_json_str(b, r->client);
        pp_buf_adds(b, ", \"type\": \"2\"}");
    }
    pp_buf_adds(b, "}], \"source\": {\"observer\": {\"display\": \"painpath\"}, \"type\": [");
    coding(b, "http://terminology.hl7.org/CodeSystem/security-source-type", "4",
           "Application Server");
    pp_buf_adds(b, "]}");
    bool what = r->resource_type[0] && r->resource_id[0];
    bool patient = r->patient[0] && !(what && strcmp(r->resource_type, "Patient") == 0 &&
                                      strcmp(r->resource_id, r->patient) == 0);
    if (what || patient || r->resource_type[0]) {
        bool first = true;
        pp_buf_adds(b, ", \"entity\": [");
        if (what || (r->resource_type[0] && !r->resource_id[0])) {
            first = false;
            pp_buf_adds(b, "{\"what\": {");
            if (what)
                pp_buf_addf(b, "\"reference\": \"%s/%s\"", r->resource_type, r->resource_id);
            else
                pp_buf_addf(b, "\"type\": \"%s\"", r->resource_type);
            pp_buf_adds(b, "}, \"type\": ");
            coding(b, "http://terminology.hl7.org/CodeSystem/audit-entity-type",
                   strcmp(r->resource_type, "Patient") == 0 ? "1" : "2",
                   strcmp(r->resource_type, "Patient") == 0 ? "Person" : "System Object");
            if (strcmp(r->resource_type, "Patient") == 0) {
                pp_buf_adds(b, ", \"role\": ");
                coding(b, "http://terminology.hl7.org/CodeSystem/object-role", "1", "Patient");
            }
            pp_buf_addc(b, '}');
        }
        if (patient) {
            pp_buf_adds(b, first ? "" : ", ");
            pp_buf_addf(b, "{\"what\": {\"reference\": \"Patient/%s\"}, \"type\": ", r->patient);
            coding(b, "http://terminology.hl7.org/CodeSystem/audit-entity-type", "1", "Person");
            pp_buf_adds(b, ", \"role\": ");
            coding(b, "http://terminology.hl7.org/CodeSystem/object-role", "1", "Patient");
            pp_buf_addc(b, '}');
        }
        pp_buf_addc(b, ']');
    }
    pp_buf_addc(b, '}');
}

/* ---- search ---- */

struct page {
    struct pp_buf *b;
    const struct pp_http_request *req;
    size_t n;
    bool total_only; /* _count=0: the total, no entries */
};

static enum pp_err add_entry(void *ctx, const struct pp_audit_record *r)
{
    struct page *p = ctx;
    if (p->total_only)
        return PP_OK;
    pp_buf_adds(p->b, p->n++ ? ", {\"fullUrl\": \"" : "{\"fullUrl\": \"");
    /* an absolute URL when the Host header is a plain host[:port] */
    if (p->req->host && *p->req->host &&
        strspn(p->req->host,
               "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-:[]") ==
            strlen(p->req->host) &&
        strlen(p->req->host) < 256)
        pp_buf_addf(p->b, "%s://%s", p->req->tls ? "https" : "http", p->req->host);
    pp_buf_addf(p->b, "/fhir/AuditEvent/%ld\", \"resource\": ", r->seq);
    render(p->b, r);
    pp_buf_adds(p->b, ", \"search\": {\"mode\": \"match\"}}");
    return PP_OK;
}

/* "YYYY-MM-DD" (date precision) -> the next day in out; false otherwise. */
static bool next_day(const char *v, char out[32])
{
    int y, m, dd;
    char tail;
    if (strlen(v) != 10 || sscanf(v, "%4d-%2d-%2d%c", &y, &m, &dd, &tail) != 3 ||
        !pp_ymd_valid(y, m, dd))
        return false;
    pp_day_format(pp_day_from_ymd(y, m, dd) + 1, out);
    return true;
}

/* A date parameter ([prefix]YYYY-MM-DD or an ISO date-time) narrowing [lo, hi). */
static enum pp_err date_bound(const char *v, char lo[32], char hi[32], struct pp_diag *d)
{
    char prefix[3] = "eq", next[32];
    bool day;
    if (strlen(v) > 2 && v[0] >= 'a' && v[0] <= 'z') {
        snprintf(prefix, sizeof(prefix), "%.2s", v);
        v += 2;
    }
    if (strlen(v) < 10 || strlen(v) > 30 || v[4] != '-' || v[7] != '-')
        return pp_diag_set(d, PP_ERR_INPUT, "date", "expected [ge|gt|le|lt|eq]YYYY-MM-DD");
    day = next_day(v, next);
    if (strlen(v) == 10 && !day)
        return pp_diag_set(d, PP_ERR_INPUT, "date", "not a valid date");
    if (strcmp(prefix, "ge") == 0 || (strcmp(prefix, "gt") == 0 && !day)) {
        if (strcmp(v, lo) > 0 || !lo[0])
            snprintf(lo, 32, "%s", v);
    } else if (strcmp(prefix, "gt") == 0) {
        if (strcmp(next, lo) > 0 || !lo[0])
            snprintf(lo, 32, "%s", next);
    } else if (strcmp(prefix, "lt") == 0 || (strcmp(prefix, "le") == 0 && !day)) {
        if (!hi[0] || strcmp(v, hi) < 0)
            snprintf(hi, 32, "%s", v);
    } else if (strcmp(prefix, "le") == 0) {
        if (!hi[0] || strcmp(next, hi) < 0)
            snprintf(hi, 32, "%s", next);
    } else if (strcmp(prefix, "eq") == 0 && day) {
        if (strcmp(v, lo) > 0 || !lo[0])
            snprintf(lo, 32, "%s", v);
        if (!hi[0] || strcmp(next, hi) < 0)
            snprintf(hi, 32, "%s", next);
    } else {
        return pp_diag_set(d, PP_ERR_INPUT, "date",
                           "expected ge, gt, le, lt or eq with a date (YYYY-MM-DD)");
    }
    return PP_OK;
}

static enum pp_err parse_long(const char *name, const char *v, long min, long max, long *out,
                              struct pp_diag *d)
{
    char *end;
    long n = strtol(v, &end, 10);
    if (!*v || *end || n < min)
        return pp_diag_set(d, PP_ERR_INPUT, name, "expected a whole number >= %ld", min);
    *out = n > max ? max : n;
    return PP_OK;
}

/* The link of a page: the request's params but _count/_offset, then both. */
static void add_link(struct pp_buf *b, const struct pp_http_request *req, const char *rel,
                     long count, long offset, bool first)
{
    pp_buf_adds(b, first ? "{\"relation\": \"" : ", {\"relation\": \"");
    pp_buf_adds(b, rel);
    pp_buf_adds(b, "\", \"url\": ");
    struct pp_buf u;
    pp_buf_init(&u, 8192);
    pp_buf_adds(&u, req->path);
    pp_buf_addc(&u, '?');
    for (size_t i = 0; i < req->n_args; i++) {
        const char *c;
        if (strcmp(req->args[i].name, "_count") == 0 || strcmp(req->args[i].name, "_offset") == 0)
            continue;
        for (int k = 0; k < 2; k++) {
            for (c = k ? req->args[i].value : req->args[i].name; *c; c++) {
                unsigned char ch = (unsigned char)*c;
                if ((ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'z') ||
                    (ch >= 'A' && ch <= 'Z') || strchr("-._~:/", ch))
                    pp_buf_addc(&u, (char)ch);
                else
                    pp_buf_addf(&u, "%%%02X", ch);
            }
            pp_buf_addc(&u, k ? '&' : '=');
        }
    }
    pp_buf_addf(&u, "_count=%ld&_offset=%ld", count, offset);
    pp_buf_add_json_str(b, u.data ? u.data : "");
    pp_buf_release(&u);
    pp_buf_addc(b, '}');
}

/* Answer a searchset of the records matching q (paged by _count / _offset). */
static void answer_search(const struct pp_http_request *req, struct pp_http_response *res,
                          struct pp_audit_query *q)
{
    struct pp_store *s;
    struct pp_diag d;
    size_t total = 0;
    enum pp_err rc;
    struct page p = {&res->body, req, 0, q->count == 0};
    struct pp_audit_query store_q = *q;

    pp_diag_clear(&d);
    /* every read journalled before this request is in the chain (http/handlers.h) */
    if ((rc = pp_http_store(req, &s, &d)) != PP_OK || (rc = pp_http_audit_flush(s, &d)) != PP_OK) {
        pp_http_fail(res, rc, &d);
        return;
    }
    res->content_type = PP_HTTP_FHIR_JSON;
    pp_buf_adds(&res->body, "{\"resourceType\": \"Bundle\", \"type\": \"searchset\", \"entry\": [");
    if (p.total_only)
        store_q.count = 1; /* (the store reads every record for a count of 0) */
    if ((rc = pp_store_audit_search(s, &store_q, add_entry, &p, &total, &d)) != PP_OK) {
        pp_buf_reset(&res->body);
        pp_http_fail(res, rc, &d);
        return;
    }
    pp_buf_addf(&res->body, "], \"total\": %zu, \"link\": [", total);
    add_link(&res->body, req, "self", q->count, q->offset, true);
    if (q->count > 0 && (size_t)(q->offset + q->count) < total)
        add_link(&res->body, req, "next", q->count, q->offset + q->count, false);
    if (q->offset > 0)
        add_link(&res->body, req, "previous", q->count,
                 q->offset > q->count ? q->offset - q->count : 0, false);
    pp_buf_adds(&res->body, "]}\n");
}

/* Read the query's parameters into q (bounds into lo / hi); false after answering 400. */
static bool parse_query(const struct pp_http_request *req, struct pp_http_response *res,
                        struct pp_audit_query *q, char lo[32], char hi[32], bool allow_patient)
{
    struct pp_diag d;
    enum pp_err rc = PP_OK;
    pp_diag_clear(&d);
    memset(q, 0, sizeof(*q));
    q->count = AUDIT_COUNT_DEFAULT;
    lo[0] = hi[0] = '\0';
    if (req->args_overflow) {
        pp_http_outcome(res, 400, "too-costly", "", "too many query parameters");
        return false;
    }
    for (size_t i = 0; i < req->n_args && rc == PP_OK; i++) {
        const char *n = req->args[i].name, *v = req->args[i].value;
        if (allow_patient && (strcmp(n, "patient") == 0 || strcmp(n, "entity") == 0)) {
            q->patient = strncmp(v, "Patient/", 8) == 0 ? v + 8 : v;
        } else if (strcmp(n, "agent") == 0 || strcmp(n, "agent:name") == 0 ||
                   strcmp(n, "altid") == 0) {
            q->agent = v;
        } else if (strcmp(n, "date") == 0) {
            rc = date_bound(v, lo, hi, &d);
        } else if (strcmp(n, "_count") == 0) {
            rc = parse_long("_count", v, 0, AUDIT_COUNT_MAX, &q->count, &d);
        } else if (strcmp(n, "_offset") == 0) {
            rc = parse_long("_offset", v, 0, 1L << 40, &q->offset, &d);
        } else if (strcmp(n, "_format") != 0) {
            rc = pp_diag_set(&d, PP_ERR_INPUT, n, "unknown search parameter for AuditEvent");
        }
    }
    if (rc != PP_OK) {
        pp_http_fail(res, rc, &d);
        return false;
    }
    q->date_lo = lo[0] ? lo : NULL;
    q->date_hi = hi[0] ? hi : NULL;
    return true;
}

void pp_http_handle_audit_search(const struct pp_http_request *req, struct pp_http_response *res)
{
    struct pp_audit_query q;
    char lo[32], hi[32];
    snprintf(res->audit.action, sizeof(res->audit.action), "search");
    snprintf(res->audit.type, sizeof(res->audit.type), "AuditEvent");
    if (parse_query(req, res, &q, lo, hi, true))
        answer_search(req, res, &q);
}

static enum pp_err one(void *ctx, const struct pp_audit_record *r)
{
    struct pp_http_response *res = ctx;
    render(&res->body, r);
    pp_buf_addc(&res->body, '\n');
    return PP_OK;
}

void pp_http_handle_audit_read(const struct pp_http_request *req, struct pp_http_response *res)
{
    struct pp_audit_query q;
    struct pp_store *s;
    struct pp_diag d;
    size_t total = 0;
    enum pp_err rc;
    char *end;

    snprintf(res->audit.action, sizeof(res->audit.action), "read");
    snprintf(res->audit.type, sizeof(res->audit.type), "AuditEvent");
    copy(res->audit.id, sizeof(res->audit.id), req->param);
    memset(&q, 0, sizeof(q));
    q.seq = strtol(req->param, &end, 10);
    if (*end || q.seq <= 0) {
        pp_http_outcome(res, 404, "not-found", "id", "no such AuditEvent");
        return;
    }
    q.count = 1;
    pp_diag_clear(&d);
    if ((rc = pp_http_store(req, &s, &d)) != PP_OK || (rc = pp_http_audit_flush(s, &d)) != PP_OK ||
        (rc = pp_store_audit_search(s, &q, one, res, &total, &d)) != PP_OK) {
        pp_buf_reset(&res->body);
        pp_http_fail(res, rc, &d);
        return;
    }
    if (total == 0) {
        pp_http_outcome(res, 404, "not-found", "id", "no such AuditEvent");
        return;
    }
    res->content_type = PP_HTTP_FHIR_JSON;
    snprintf(res->etag, sizeof(res->etag), "W/\"1\"");
}

void pp_http_handle_audit_readonly(const struct pp_http_request *req, struct pp_http_response *res)
{
    (void)req;
    res->allow = "GET";
    pp_http_outcome(res, 405, "not-supported", "",
                    "the audit trail is read-only (AuditEvent takes GET only)");
}

void pp_http_handle_access_log(const struct pp_http_request *req, struct pp_http_response *res)
{
    struct pp_audit_query q;
    char lo[32], hi[32];
    const struct pp_http_principal *who = req->who;

    snprintf(res->audit.action, sizeof(res->audit.action), "operation");
    snprintf(res->audit.type, sizeof(res->audit.type), "Patient");
    copy(res->audit.id, sizeof(res->audit.id), req->param);
    copy(res->audit.patient, sizeof(res->audit.patient), req->param);
    /* rbac.c decides who may call the route; a patient sees their own log only, always */
    if (who && who->authenticated && who->role == PP_ROLE_PATIENT &&
        strcmp(who->patient, req->param) != 0) {
        pp_http_outcome(res, 403, "forbidden", "",
                        "only the patient or an administrator may read this access log");
        return;
    }
    if (!parse_query(req, res, &q, lo, hi, false))
        return;
    q.patient = req->param;
    answer_search(req, res, &q);
}
