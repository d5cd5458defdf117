/*
 * handlers_rest.c — FHIR R4 REST on the store: read, vread, history, create,
 * update (If-Match), delete, search with paging links, and transaction / batch
 * Bundles at POST /fhir. One store connection per worker thread, opened on
 * first use and closed when the thread exits. Errors are OperationOutcomes.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "http/handlers.h"
#include "http/rbac.h"
#include "store/audit.h"
#include "store/search_params.h"
#include "store/store.h"
#include "util/alloc.h"
#include "util/json.h"

/* The resource types the REST interactions accept: the US Core types the clinic uses plus what
 * a Synthea record holds (so an imported patient can be read back). Sorted by name; the
 * CapabilityStatement lists exactly these. */
static const char *const rest_types[] = {
    "AllergyIntolerance",
    "Appointment",
    "AuditEvent",
    "CarePlan",
    "CareTeam",
    "Claim",
    "Condition",
    "Device",
    "DiagnosticReport",
    "DocumentReference",
    "Encounter",
    "ExplanationOfBenefit",
    "Goal",
    "ImagingStudy",
    "Immunization",
    "Location",
    "Medication",
    "MedicationAdministration",
    "MedicationDispense",
    "MedicationRequest",
    "MedicationStatement",
    "Observation",
    "Organization",
    "Patient",
    "Practitioner",
    "PractitionerRole",
    "Procedure",
    "Provenance",
    "QuestionnaireResponse",
    "Schedule",
    "ServiceRequest",
    "Slot",
    "SupplyDelivery",
};
#define N_REST_TYPES (sizeof(rest_types) / sizeof(rest_types[0]))

bool pp_http_rest_type_supported(const char *type)
{
    for (size_t i = 0; i < N_REST_TYPES; i++)
        if (strcmp(rest_types[i], type) == 0)
            return true;
    return false;
}

/* ---- helpers ---- */

/* "http://HOST/fhir" (Host header) or "/fhir" into b. */
static void add_base(struct pp_buf *b, const struct pp_http_request *req)
{
    bool host_ok = req->host && req->host[0] && strlen(req->host) < 200;
    for (const char *p = req->host; host_ok && *p; p++)
        if (!isalnum((unsigned char)*p) && !strchr(".-:[]", *p))
            host_ok = false;
    if (host_ok)
        pp_buf_addf(b, "http://%s", req->host);
    pp_buf_adds(b, "/fhir");
}

/* "2026-11-27T11:46:40.123Z" -> "Fri, 27 Nov 2026 11:46:40 GMT" (RFC 9110 IMF-fixdate);
 * "" when it does not parse. */
static void http_date(const char *iso, char *out, size_t cap)
{
    static const char *const wd[] = {"Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"};
    static const char *const mon[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                      "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    struct pp_diag d;
    pp_day day;
    int y, m, dd;
    long w;

    out[0] = '\0';
    if (strlen(iso) < 19 || iso[10] != 'T' || pp_day_parse(iso, 10, &day, &d) != PP_OK)
        return;
    pp_day_to_ymd(day, &y, &m, &dd);
    w = ((long)day % 7 + 7) % 7; /* 1970-01-01 (day 0) was a Thursday */
    snprintf(out, cap, "%s, %02d %s %04d %.8s GMT", wd[w], dd, mon[(m - 1) % 12], y % 10000,
             iso + 11);
}

static void set_version_headers(struct pp_http_response *res, const struct pp_store_meta *m)
{
    snprintf(res->etag, sizeof(res->etag), "W/\"%ld\"", m->version);
    http_date(m->last_updated, res->last_modified, sizeof(res->last_modified));
}

static void set_location(struct pp_http_response *res, const struct pp_http_request *req,
                         const struct pp_store_meta *m)
{
    struct pp_buf b;
    pp_buf_init(&b, sizeof(res->location) - 1);
    add_base(&b, req);
    pp_buf_addf(&b, "/%s/%s/_history/%ld", m->type, m->id, m->version);
    if (pp_buf_status(&b) == PP_OK && b.len < sizeof(res->location)) {
        memcpy(res->location, b.data, b.len);
        res->location[b.len] = '\0';
    }
    pp_buf_release(&b);
}

/* A one-issue OperationOutcome with severity information (a successful delete). */
static void outcome_info(struct pp_http_response *res, unsigned status, const char *what)
{
    res->status = status;
    res->content_type = PP_HTTP_FHIR_JSON;
    pp_buf_reset(&res->body);
    pp_buf_adds(&res->body, "{\"resourceType\": \"OperationOutcome\", \"issue\": [{\"severity\": "
                            "\"information\", \"code\": \"informational\", \"diagnostics\": ");
    pp_buf_add_json_str(&res->body, what);
    pp_buf_adds(&res->body, "}]}\n");
}

/* 404 for a type the server does not serve; true when it does. */
static bool check_type(const struct pp_http_request *req, struct pp_http_response *res)
{
    char what[128];
    if (pp_http_rest_type_supported(req->param))
        return true;
    snprintf(what, sizeof(what), "resource type '%.64s' is not supported", req->param);
    pp_http_outcome(res, 404, "not-supported", "", what);
    return false;
}

/* A read or vread failure: 410 for a deletion, 404 otherwise, else the error table. */
static void fail_read(struct pp_http_response *res, enum pp_err rc, const struct pp_store_meta *m,
                      const struct pp_diag *d)
{
    if (rc == PP_ERR_NOT_FOUND && m->deleted)
        pp_http_outcome(res, 410, "deleted", "", "the resource has been deleted");
    else if (rc == PP_ERR_NOT_FOUND)
        pp_http_outcome(res, 404, "not-found", "", "no such resource");
    else
        pp_http_fail(res, rc, d);
}

/* A write failure: 412 for an If-Match conflict, else the error table. */
static void fail_write(struct pp_http_response *res, enum pp_err rc, const struct pp_store_meta *m,
                       const struct pp_diag *d)
{
    if (m->conflict)
        pp_http_outcome(res, 412, "conflict", "If-Match",
                        "the resource has changed since the version named in If-Match");
    else if (rc == PP_ERR_NOT_FOUND)
        pp_http_outcome(res, 404, "not-found", "", "no such resource");
    else
        pp_http_fail(res, rc, d);
}

/* If-Match: W/"n" or "n" or n -> *v (> 0). Absent: 0. */
static enum pp_err parse_if_match(const char *h, long *v, struct pp_diag *d)
{
    char *end;
    const char *p = h;
    long n;

    *v = 0;
    if (!h || !*h)
        return PP_OK;
    if (p[0] == 'W' && p[1] == '/')
        p += 2;
    if (*p == '"')
        p++;
    if (!isdigit((unsigned char)*p))
        return pp_diag_set(d, PP_ERR_INPUT, "If-Match", "expected W/\"version\"");
    n = strtol(p, &end, 10);
    if (*end == '"')
        end++;
    if (*end != '\0' || n <= 0)
        return pp_diag_set(d, PP_ERR_INPUT, "If-Match", "expected W/\"version\"");
    *v = n;
    return PP_OK;
}

/* Parse a body that must be a resource of `type` (NULL: any). */
static enum pp_err parse_resource(const char *body, size_t len, const char *type, cJSON **out,
                                  struct pp_diag *d)
{
    cJSON *root = NULL;
    const char *rt;
    enum pp_err rc;

    *out = NULL;
    if (len == 0)
        return pp_diag_set(d, PP_ERR_INPUT, "request", "the request has no body");
    rc = pp_json_parse_fast(body, len, "request", &root, d);
    if (rc)
        return rc;
    if (!cJSON_IsObject(root)) {
        cJSON_Delete(root);
        return pp_diag_set(d, PP_ERR_INPUT, "request", "expected a JSON object (a resource)");
    }
    rt = pp_json_str(root, "resourceType");
    if (!rt || (type && strcmp(rt, type) != 0)) {
        cJSON_Delete(root);
        if (!rt)
            return pp_diag_set(d, PP_ERR_INPUT, "resourceType", "missing resourceType");
        return pp_diag_set(d, PP_ERR_INPUT, "resourceType",
                           "resourceType does not match the URL's type %.64s", type);
    }
    *out = root;
    return PP_OK;
}

/* Append the resource as JSON text (cJSON print through the request's scratch arena). */
static void add_json(struct pp_buf *b, const cJSON *j)
{
    char *text = cJSON_PrintUnformatted(j);
    if (text) {
        pp_buf_adds(b, text);
        cJSON_free(text);
    }
}

/* ---- read, vread, history ---- */

void pp_http_handle_fhir_read(const struct pp_http_request *req, struct pp_http_response *res)
{
    struct pp_store *s;
    struct pp_store_meta m;
    struct pp_diag d;
    char *body = NULL;
    enum pp_err rc;

    pp_diag_clear(&d);
    memset(&m, 0, sizeof(m));
    if (!check_type(req, res))
        return;
    if ((rc = pp_http_store(req, &s, &d)) != PP_OK) {
        pp_http_fail(res, rc, &d);
        return;
    }
    rc = pp_store_read(s, req->param, req->param2, &body, &m, &d);
    if (rc) {
        fail_read(res, rc, &m, &d);
        return;
    }
    snprintf(res->audit.patient, sizeof(res->audit.patient), "%s", m.patient);
    res->content_type = PP_HTTP_FHIR_JSON;
    set_version_headers(res, &m);
    pp_buf_adds(&res->body, body);
    free(body);
}

void pp_http_handle_fhir_vread(const struct pp_http_request *req, struct pp_http_response *res)
{
    struct pp_store *s;
    struct pp_store_meta m;
    struct pp_diag d;
    char *body = NULL, *end;
    long v;
    enum pp_err rc;

    pp_diag_clear(&d);
    memset(&m, 0, sizeof(m));
    if (!check_type(req, res))
        return;
    v = strtol(req->param3, &end, 10);
    if (*end != '\0' || v <= 0 || strlen(req->param3) > 12) {
        pp_http_outcome(res, 404, "not-found", "", "no such version");
        return;
    }
    if ((rc = pp_http_store(req, &s, &d)) != PP_OK) {
        pp_http_fail(res, rc, &d);
        return;
    }
    rc = pp_store_vread(s, req->param, req->param2, v, &body, &m, &d);
    if (rc) {
        fail_read(res, rc, &m, &d);
        return;
    }
    snprintf(res->audit.patient, sizeof(res->audit.patient), "%s", m.patient);
    res->content_type = PP_HTTP_FHIR_JSON;
    set_version_headers(res, &m);
    pp_buf_adds(&res->body, body);
    free(body);
}

/* Bundle entries of a history or search walk. */
struct walk {
    const struct pp_http_request *req;
    struct pp_buf *b;
    size_t n;
    bool history;       /* history entries (request/response); else searchset (search.mode) */
    struct pp_store *s; /* set: _include / _revinclude entries pass the caller's rules */
    char patient[PP_STORE_ID_MAX + 1]; /* history: the resource's patient, for its audit */
};

static enum pp_err add_entry(void *ctx, const struct pp_store_resource *r)
{
    struct walk *w = ctx;
    struct pp_buf *b = w->b;

    if (w->s && w->req->who && r->mode == PP_STORE_MODE_INCLUDE &&
        !pp_rbac_may_include(w->req, w->s, r))
        return PP_OK; /* not the caller's to see: left out as if absent */
    pp_buf_adds(b, w->n++ ? ",\n{\"fullUrl\": \"" : "\n{\"fullUrl\": \"");
    add_base(b, w->req);
    pp_buf_addf(b, "/%s/%s\"", r->meta.type, r->meta.id);
    if (r->body) {
        pp_buf_adds(b, ", \"resource\": ");
        pp_buf_add(b, r->body, r->len);
    }
    if (w->history) {
        if (!w->patient[0])
            snprintf(w->patient, sizeof(w->patient), "%s", r->meta.patient);
        pp_buf_addf(b,
                    ", \"request\": {\"method\": \"%s\", \"url\": \"%s/%s\"}, \"response\": "
                    "{\"status\": \"%s\", \"etag\": \"W/\\\"%ld\\\"\", \"lastModified\": \"%s\"}}",
                    r->meta.deleted        ? "DELETE"
                    : r->meta.version == 1 ? "POST"
                                           : "PUT",
                    r->meta.type, r->meta.id,
                    r->meta.deleted        ? "204"
                    : r->meta.version == 1 ? "201"
                                           : "200",
                    r->meta.version, r->meta.last_updated);
    } else {
        pp_buf_adds(b, r->mode == PP_STORE_MODE_INCLUDE ? ", \"search\": {\"mode\": \"include\"}}"
                                                        : ", \"search\": {\"mode\": \"match\"}}");
    }
    return pp_buf_status(b);
}

void pp_http_handle_fhir_history(const struct pp_http_request *req, struct pp_http_response *res)
{
    struct pp_store *s;
    struct pp_diag d;
    struct pp_buf entries;
    struct walk w = {req, NULL, 0, true, NULL, ""};
    enum pp_err rc;

    pp_diag_clear(&d);
    if (!check_type(req, res))
        return;
    if ((rc = pp_http_store(req, &s, &d)) != PP_OK) {
        pp_http_fail(res, rc, &d);
        return;
    }
    pp_buf_init(&entries, PP_HTTP_RESPONSE_MAX);
    w.b = &entries;
    rc = pp_store_history(s, req->param, req->param2, add_entry, &w, &d);
    if (rc) {
        pp_buf_release(&entries);
        if (rc == PP_ERR_NOT_FOUND)
            pp_http_outcome(res, 404, "not-found", "", "no such resource");
        else
            pp_http_fail(res, rc, &d);
        return;
    }
    snprintf(res->audit.patient, sizeof(res->audit.patient), "%s", w.patient);
    res->content_type = PP_HTTP_FHIR_JSON;
    pp_buf_addf(&res->body,
                "{\"resourceType\": \"Bundle\", \"type\": \"history\", \"total\": %zu, "
                "\"link\": [{\"relation\": \"self\", \"url\": \"",
                w.n);
    add_base(&res->body, req);
    pp_buf_addf(&res->body, "/%s/%s/_history\"}], \"entry\": [", req->param, req->param2);
    if (entries.len)
        pp_buf_add(&res->body, entries.data, entries.len);
    pp_buf_adds(&res->body, "]}\n");
    pp_buf_release(&entries);
}

/* ---- create, update, delete ---- */

/* The write's audit record, then commit (both or neither: the record rides in the write's
 * transaction). On failure everything is rolled back and the gate records the failure. */
static enum pp_err audit_commit(const struct pp_http_request *req, struct pp_store *s,
                                struct pp_http_response *res, enum pp_err rc, struct pp_diag *d)
{
    if (rc == PP_OK && (rc = pp_http_audit_in_tx(req, s, res, d)) == PP_OK &&
        (rc = pp_store_commit(s, d)) == PP_OK)
        return PP_OK;
    pp_store_rollback(s);
    res->audit.recorded = false;
    return rc;
}

/* What a write touched, for its audit record. */
static void audit_what(struct pp_http_response *res, const char *action, const char *type,
                       const char *id)
{
    size_t n;
    snprintf(res->audit.action, sizeof(res->audit.action), "%s", action);
    n = strnlen(type, sizeof(res->audit.type) - 1);
    memcpy(res->audit.type, type, n);
    res->audit.type[n] = '\0';
    n = strnlen(id, sizeof(res->audit.id) - 1);
    memcpy(res->audit.id, id, n);
    res->audit.id[n] = '\0';
}

void pp_http_handle_fhir_create(const struct pp_http_request *req, struct pp_http_response *res)
{
    struct pp_store *s;
    struct pp_store_meta m;
    struct pp_diag d;
    cJSON *root = NULL;
    enum pp_err rc;

    pp_diag_clear(&d);
    memset(&m, 0, sizeof(m));
    if (!check_type(req, res))
        return;
    if ((rc = parse_resource(req->body, req->body_len, req->param, &root, &d)) != PP_OK) {
        pp_http_fail(res, rc, &d);
        return;
    }
    if ((rc = pp_http_store(req, &s, &d)) == PP_OK && (rc = pp_store_begin(s, &d)) == PP_OK) {
        if ((rc = pp_store_create(s, root, &m, &d)) == PP_OK)
            audit_what(res, "create", m.type, m.id);
        rc = audit_commit(req, s, res, rc, &d);
    }
    if (rc) {
        cJSON_Delete(root);
        fail_write(res, rc, &m, &d);
        return;
    }
    res->status = 201;
    res->content_type = PP_HTTP_FHIR_JSON;
    set_version_headers(res, &m);
    set_location(res, req, &m);
    add_json(&res->body, root);
    pp_buf_addc(&res->body, '\n');
    cJSON_Delete(root);
}

void pp_http_handle_fhir_update(const struct pp_http_request *req, struct pp_http_response *res)
{
    struct pp_store *s;
    struct pp_store_meta m;
    struct pp_diag d;
    cJSON *root = NULL;
    const char *id;
    long if_match = 0;
    enum pp_err rc;

    pp_diag_clear(&d);
    memset(&m, 0, sizeof(m));
    if (!check_type(req, res))
        return;
    if ((rc = parse_if_match(req->if_match, &if_match, &d)) != PP_OK) {
        pp_http_fail(res, rc, &d);
        return;
    }
    if ((rc = parse_resource(req->body, req->body_len, req->param, &root, &d)) != PP_OK) {
        pp_http_fail(res, rc, &d);
        return;
    }
    id = pp_json_str(root, "id");
    if (!id || strcmp(id, req->param2) != 0) {
        cJSON_Delete(root);
        pp_http_outcome(res, 400, "invalid", "id",
                        id ? "the resource's id does not match the URL's id"
                           : "the resource has no id (update needs the URL's id in the body)");
        return;
    }
    if ((rc = pp_http_store(req, &s, &d)) == PP_OK && (rc = pp_store_begin(s, &d)) == PP_OK) {
        if ((rc = pp_store_update(s, root, if_match, &m, &d)) == PP_OK)
            audit_what(res, m.version == 1 ? "create" : "update", m.type, m.id);
        rc = audit_commit(req, s, res, rc, &d);
    }
    if (rc) {
        cJSON_Delete(root);
        fail_write(res, rc, &m, &d);
        return;
    }
    res->status = m.version == 1 ? 201 : 200;
    res->content_type = PP_HTTP_FHIR_JSON;
    set_version_headers(res, &m);
    if (m.version == 1)
        set_location(res, req, &m);
    add_json(&res->body, root);
    pp_buf_addc(&res->body, '\n');
    cJSON_Delete(root);
}

void pp_http_handle_fhir_delete(const struct pp_http_request *req, struct pp_http_response *res)
{
    struct pp_store *s;
    struct pp_store_meta m;
    struct pp_diag d;
    enum pp_err rc;

    pp_diag_clear(&d);
    memset(&m, 0, sizeof(m));
    if (!check_type(req, res))
        return;
    if ((rc = pp_http_store(req, &s, &d)) == PP_OK && (rc = pp_store_begin(s, &d)) == PP_OK) {
        /* the patient before the delete takes the resource out of the compartment */
        audit_what(res, "delete", req->param, req->param2);
        if ((rc = pp_store_audit_patient_of(s, req->param, req->param2, res->audit.patient, &d)) ==
            PP_OK)
            rc = pp_store_delete(s, req->param, req->param2, &m, &d);
        rc = audit_commit(req, s, res, rc, &d);
    }
    if (rc) {
        fail_write(res, rc, &m, &d);
        return;
    }
    snprintf(res->etag, sizeof(res->etag), "W/\"%ld\"", m.version);
    outcome_info(res, 200, "deleted");
}

/* ---- search ---- */

/* %-encode a query component. */
static void add_qs(struct pp_buf *b, const char *s)
{
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (isalnum(c) || strchr("-._~:/", c))
            pp_buf_addc(b, (char)c);
        else
            pp_buf_addf(b, "%%%02X", c);
    }
}

/* A search link: base/Type?<the request's params but _count/_offset>&_count=c&_offset=o. */
static void add_link(struct pp_buf *b, const struct pp_http_request *req, const char *rel,
                     long count, long offset, bool *first)
{
    pp_buf_adds(b, *first ? "{\"relation\": \"" : ", {\"relation\": \"");
    *first = false;
    pp_buf_adds(b, rel);
    pp_buf_adds(b, "\", \"url\": \"");
    add_base(b, req);
    pp_buf_addf(b, "/%s?", req->param);
    for (size_t i = 0; i < req->n_args; i++) {
        if (strcmp(req->args[i].name, "_count") == 0 || strcmp(req->args[i].name, "_offset") == 0)
            continue;
        add_qs(b, req->args[i].name);
        pp_buf_addc(b, '=');
        add_qs(b, req->args[i].value);
        pp_buf_addc(b, '&');
    }
    pp_buf_addf(b, "_count=%ld&_offset=%ld\"}", count, offset);
}

void pp_http_handle_fhir_search(const struct pp_http_request *req, struct pp_http_response *res)
{
    struct pp_store *s;
    struct pp_store_query q;
    struct pp_diag d;
    struct pp_buf entries;
    struct walk w = {req, NULL, 0, false, NULL, ""};
    struct pp_rbac_view view;
    size_t total = 0;
    long count, offset;
    bool first = true;
    enum pp_err rc;

    pp_diag_clear(&d);
    if (!check_type(req, res))
        return;
    if (req->args_overflow) {
        pp_http_outcome(res, 400, "too-costly", "", "too many search parameters");
        return;
    }
    if ((rc = pp_store_query_init(&q, req->param, &d)) != PP_OK) {
        pp_http_fail(res, rc, &d);
        return;
    }
    for (size_t i = 0; i < req->n_args; i++) {
        const char *name = req->args[i].name, *value = req->args[i].value;
        char capped[24];
        if (strcmp(name, "_format") == 0)
            continue;
        if (strcmp(name, "_count") == 0) {
            /* _count over the store's maximum is capped, not refused (FHIR: a hint) */
            char *end;
            long c = strtol(value, &end, 10);
            if (*value && *end == '\0' && c > PP_STORE_MAX_COUNT) {
                snprintf(capped, sizeof(capped), "%d", PP_STORE_MAX_COUNT);
                value = capped;
            }
        }
        rc = pp_store_query_param(&q, name, value, &d);
        if (rc == PP_ERR_UNSUPPORTED || rc == PP_ERR_LIMIT) {
            /* every search error is the client's: 400, naming the parameter */
            char what[700];
            if (rc == PP_ERR_UNSUPPORTED && strcmp(d.what, "unsupported search parameter") == 0)
                snprintf(what, sizeof(what), "unknown search parameter '%.64s' for %.64s", name,
                         req->param);
            else
                snprintf(what, sizeof(what), "search parameter '%.64s': %s", name, d.what);
            pp_http_outcome(res, 400, rc == PP_ERR_LIMIT ? "too-costly" : "not-supported", d.where,
                            what);
            pp_store_query_release(&q);
            return;
        }
        if (rc) {
            pp_http_fail(res, rc, &d);
            pp_store_query_release(&q);
            return;
        }
    }
    count = q.count == 0 ? PP_STORE_DEFAULT_COUNT : q.count < 0 ? 0 : q.count;
    offset = q.offset;
    /* the caller's compartment / care team, in the query so that totals and pages count
     * only what they may see (http/rbac.h) */
    if (!pp_rbac_search_scope(req, &q, &view, res)) {
        pp_store_query_release(&q);
        return;
    }
    if ((rc = pp_http_store(req, &s, &d)) != PP_OK) {
        pp_store_query_release(&q);
        pp_http_fail(res, rc, &d);
        return;
    }
    pp_buf_init(&entries, PP_HTTP_RESPONSE_MAX);
    w.b = &entries;
    w.s = s;
    rc = pp_store_search(s, &q, add_entry, &w, &total, &d);
    pp_store_query_release(&q);
    if (rc) {
        pp_buf_release(&entries);
        pp_http_fail(res, rc, &d);
        return;
    }
    res->content_type = PP_HTTP_FHIR_JSON;
    pp_buf_addf(&res->body,
                "{\"resourceType\": \"Bundle\", \"type\": \"searchset\", \"total\": %zu, "
                "\"link\": [",
                total);
    add_link(&res->body, req, "self", count, offset, &first);
    if (count > 0 && (size_t)(offset + count) < total)
        add_link(&res->body, req, "next", count, offset + count, &first);
    if (count > 0 && offset > 0)
        add_link(&res->body, req, "previous", count, offset > count ? offset - count : 0, &first);
    pp_buf_adds(&res->body, "], \"entry\": [");
    if (entries.len)
        pp_buf_add(&res->body, entries.data, entries.len);
    pp_buf_adds(&res->body, "]}\n");
    pp_buf_release(&entries);
}

/* ---- transaction and batch ---- */

/* One entry's answer: status, and the version facts when it wrote or read one. */
struct entry_result {
    unsigned status;
    bool has_meta;
    struct pp_store_meta meta;
    const char *action;                /* for the audit record: read, create, update, delete */
    char patient[PP_STORE_ID_MAX + 1]; /* a deleted resource's patient (looked up before) */
};

/* "Type" or "Type/id" (an optional leading "/" and query string refused) into type / id. */
static enum pp_err split_url(const char *url, char *type, char *id, struct pp_diag *d)
{
    const char *slash;
    size_t tl;

    type[0] = id[0] = '\0';
    if (!url || !*url)
        return pp_diag_set(d, PP_ERR_INPUT, "request.url", "missing request.url");
    if (strchr(url, '?'))
        return pp_diag_set(d, PP_ERR_UNSUPPORTED, "request.url",
                           "conditional and search requests are not supported in a Bundle");
    slash = strchr(url, '/');
    tl = slash ? (size_t)(slash - url) : strlen(url);
    if (tl == 0 || tl > PP_STORE_TYPE_MAX)
        return pp_diag_set(d, PP_ERR_INPUT, "request.url", "expected Type or Type/id");
    memcpy(type, url, tl);
    type[tl] = '\0';
    if (!pp_http_rest_type_supported(type))
        return pp_diag_set(d, PP_ERR_NOT_FOUND, "request.url", "resource type not supported");
    if (slash) {
        if (!pp_store_valid_id(slash + 1))
            return pp_diag_set(d, PP_ERR_INPUT, "request.url", "expected Type/id");
        memcpy(id, slash + 1, strlen(slash + 1) + 1);
    }
    return PP_OK;
}

/* Run one Bundle entry against the store. `assigned` (may be NULL) is the id a transaction
 * gave a POST entry whose fullUrl is a urn:uuid (stored as an update-as-create). */
static enum pp_err run_entry(struct pp_store *s, cJSON *entry, const char *assigned,
                             struct entry_result *er, struct pp_diag *d)
{
    const cJSON *request = pp_json_obj(entry, "request");
    cJSON *resource = cJSON_GetObjectItemCaseSensitive(entry, "resource");
    const char *method, *url;
    char type[PP_STORE_TYPE_MAX + 1], id[PP_STORE_ID_MAX + 1];
    long if_match = 0;
    enum pp_err rc;

    memset(er, 0, sizeof(*er));
    if (!cJSON_IsObject(entry))
        return pp_diag_set(d, PP_ERR_INPUT, "", "expected an object");
    if (!request)
        return pp_diag_set(d, PP_ERR_INPUT, "request", "missing request");
    method = pp_json_str(request, "method");
    url = pp_json_str(request, "url");
    if (!method)
        return pp_diag_set(d, PP_ERR_INPUT, "request.method", "missing request.method");
    if ((rc = split_url(url, type, id, d)) != PP_OK)
        return rc;
    if (pp_json_str(request, "ifMatch") &&
        (rc = parse_if_match(pp_json_str(request, "ifMatch"), &if_match, d)) != PP_OK) {
        pp_diag_prefix(d, "request");
        return rc;
    }
    if (strcmp(type, "AuditEvent") == 0 && strcmp(method, "GET") != 0)
        return pp_diag_set(d, PP_ERR_UNSUPPORTED, "request.url",
                           "the audit trail is read-only (AuditEvent takes GET only)");
    if (strcmp(method, "POST") == 0 || strcmp(method, "PUT") == 0) {
        const char *rt, *rid;
        bool put = method[1] == 'U';
        if (!cJSON_IsObject(resource))
            return pp_diag_set(d, PP_ERR_INPUT, "resource", "missing resource");
        rt = pp_json_str(resource, "resourceType");
        if (!rt || strcmp(rt, type) != 0)
            return pp_diag_set(d, PP_ERR_INPUT, "resource.resourceType",
                               "resourceType does not match request.url");
        if (put != (id[0] != '\0'))
            return pp_diag_set(d, PP_ERR_INPUT, "request.url",
                               put ? "PUT needs Type/id" : "POST needs Type");
        rid = pp_json_str(resource, "id");
        if (put && (!rid || strcmp(rid, id) != 0))
            return pp_diag_set(d, PP_ERR_INPUT, "resource.id",
                               "the resource's id does not match request.url");
        if (!put && assigned) {
            cJSON_DeleteItemFromObjectCaseSensitive(resource, "id");
            cJSON_AddStringToObject(resource, "id", assigned);
        }
        rc = put || assigned ? pp_store_update(s, resource, if_match, &er->meta, d)
                             : pp_store_create(s, resource, &er->meta, d);
        if (rc) {
            if (er->meta.conflict) {
                er->status = 412;
                return pp_diag_set(d, rc, "request.ifMatch", "stale version in ifMatch");
            }
            pp_diag_prefix(d, "resource");
            return rc;
        }
        er->has_meta = true;
        er->status = put && er->meta.version > 1 ? 200 : 201;
        er->action = er->status == 200 ? "update" : "create";
        return PP_OK;
    }
    if (strcmp(method, "DELETE") == 0) {
        if (!id[0])
            return pp_diag_set(d, PP_ERR_INPUT, "request.url", "DELETE needs Type/id");
        if ((rc = pp_store_audit_patient_of(s, type, id, er->patient, d)) != PP_OK)
            return rc;
        rc = pp_store_delete(s, type, id, &er->meta, d);
        if (rc == PP_ERR_NOT_FOUND)
            return pp_diag_set(d, rc, "request.url", "no such resource");
        if (rc)
            return rc;
        er->status = 204;
        er->action = "delete";
        return PP_OK;
    }
    if (strcmp(method, "GET") == 0) {
        char *body = NULL;
        if (!id[0])
            return pp_diag_set(d, PP_ERR_UNSUPPORTED, "request.url",
                               "search is not supported in a Bundle (GET Type/id only)");
        rc = pp_store_read(s, type, id, &body, &er->meta, d);
        free(body);
        if (rc == PP_ERR_NOT_FOUND) {
            er->status = er->meta.deleted ? 410 : 404;
            return pp_diag_set(d, rc, "request.url",
                               er->meta.deleted ? "the resource has been deleted"
                                                : "no such resource");
        }
        if (rc)
            return rc;
        er->has_meta = true;
        er->status = 200;
        er->action = "read";
        return PP_OK;
    }
    return pp_diag_set(d, PP_ERR_UNSUPPORTED, "request.method",
                       "expected GET, POST, PUT or DELETE");
}

/* The FHIR issue type of an entry's failure status. */
static const char *issue_for(unsigned status, enum pp_err rc)
{
    switch (status) {
    case 403: return "forbidden";
    case 404: return "not-found";
    case 410: return "deleted";
    case 412: return "conflict";
    default: return pp_http_issue_code_for(rc);
    }
}

static void add_entry_response(struct pp_buf *b, const struct pp_http_request *req,
                               const struct entry_result *er, size_t i, enum pp_err rc,
                               const struct pp_diag *d)
{
    pp_buf_adds(b, i ? ",\n{\"response\": {\"status\": \"" : "\n{\"response\": {\"status\": \"");
    pp_buf_addf(b, "%u\"", er->status);
    if (er->has_meta) {
        pp_buf_adds(b, ", \"location\": \"");
        add_base(b, req);
        pp_buf_addf(b, "/%s/%s/_history/%ld\", \"etag\": \"W/\\\"%ld\\\"\", \"lastModified\": ",
                    er->meta.type, er->meta.id, er->meta.version, er->meta.version);
        pp_buf_add_json_str(b, er->meta.last_updated);
    }
    if (d) {
        pp_buf_adds(b, ", \"outcome\": {\"resourceType\": \"OperationOutcome\", \"issue\": "
                       "[{\"severity\": \"error\", \"code\": ");
        pp_buf_add_json_str(b, issue_for(er->status, rc));
        pp_buf_adds(b, ", \"diagnostics\": ");
        pp_buf_add_json_str(b, d->what[0] ? d->what : "error");
        if (d->where[0]) {
            pp_buf_adds(b, ", \"expression\": [");
            pp_buf_add_json_str(b, d->where);
            pp_buf_adds(b, "]");
        }
        pp_buf_adds(b, "}]}");
    }
    pp_buf_adds(b, "}}");
}

/* A transaction's urn:uuid fullUrls of POST entries and the ids given to them. */
struct urn {
    const char *urn;                                   /* borrowed from the Bundle */
    char ref[PP_STORE_TYPE_MAX + PP_STORE_ID_MAX + 2]; /* "Type/id" */
    size_t entry;
};

static int urn_cmp(const void *a, const void *b)
{
    return strcmp(((const struct urn *)a)->urn, ((const struct urn *)b)->urn);
}

/* A random (version 4) UUID into out[37]. */
static void new_uuid(char out[37])
{
    unsigned char r[16];
    size_t got = 0;
    while (got < sizeof(r)) {
        ssize_t n = getrandom(r + got, sizeof(r) - got, 0);
        if (n <= 0)
            abort(); /* no entropy: never hand out a predictable id */
        got += (size_t)n;
    }
    r[6] = (unsigned char)((r[6] & 0x0f) | 0x40);
    r[8] = (unsigned char)((r[8] & 0x3f) | 0x80);
    snprintf(out, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", r[0],
             r[1], r[2], r[3], r[4], r[5], r[6], r[7], r[8], r[9], r[10], r[11], r[12], r[13],
             r[14], r[15]);
}

/* Rewrite every "reference": "urn:uuid:..." under j that names a mapped entry. */
static void rewrite_refs(cJSON *j, const struct urn *map, size_t n)
{
    cJSON *c;
    cJSON_ArrayForEach(c, j)
    {
        if (cJSON_IsString(c) && c->string && strcmp(c->string, "reference") == 0 &&
            strncmp(c->valuestring, "urn:uuid:", 9) == 0) {
            struct urn key = {c->valuestring, "", 0};
            const struct urn *hit = bsearch(&key, map, n, sizeof(*map), urn_cmp);
            if (hit)
                cJSON_SetValuestring(c, hit->ref);
        } else if (cJSON_IsObject(c) || cJSON_IsArray(c)) {
            rewrite_refs(c, map, n);
        }
    }
}

/* Give each POST entry with a urn:uuid fullUrl an id, and point the references to it.
 * *ids (caller frees) holds, per entry, the id or "" (37 bytes each). */
static void resolve_urns(cJSON *entries, char (**ids)[37])
{
    size_t n = (size_t)cJSON_GetArraySize(entries), k = 0, i = 0;
    struct urn *map;
    cJSON *e;

    *ids = pp_xcalloc(n ? n : 1, sizeof(**ids));
    map = pp_xcalloc(n ? n : 1, sizeof(*map));
    cJSON_ArrayForEach(e, entries)
    {
        const char *full = pp_json_str(e, "fullUrl");
        const cJSON *rq = pp_json_obj(e, "request");
        const char *method = rq ? pp_json_str(rq, "method") : NULL;
        const cJSON *r = pp_json_obj(e, "resource");
        const char *rt = r ? pp_json_str(r, "resourceType") : NULL;
        if (full && strncmp(full, "urn:uuid:", 9) == 0 && method && strcmp(method, "POST") == 0 &&
            rt && strlen(rt) <= PP_STORE_TYPE_MAX) {
            new_uuid((*ids)[i]);
            map[k].urn = full;
            map[k].entry = i;
            snprintf(map[k].ref, sizeof(map[k].ref), "%s/%s", rt, (*ids)[i]);
            k++;
        }
        i++;
    }
    if (k) {
        qsort(map, k, sizeof(*map), urn_cmp);
        cJSON_ArrayForEach(e, entries)
        {
            cJSON *r = cJSON_GetObjectItemCaseSensitive(e, "resource");
            if (cJSON_IsObject(r))
                rewrite_refs(r, map, k);
        }
    }
    free(map);
}

/* A batch entry that failed (its status): its record (outcome denied, failed or error) in a
 * transaction of its own. */
static enum pp_err audit_failed_entry(const struct pp_http_request *req, struct pp_store *s,
                                      const cJSON *entry, unsigned status, struct pp_diag *d)
{
    const cJSON *request = pp_json_obj(entry, "request");
    const char *method = pp_json_str(request, "method");
    char type[PP_STORE_TYPE_MAX + 1] = "", id[PP_STORE_ID_MAX + 1] = "";
    struct pp_diag ignored;
    const char *action = !method                         ? "batch"
                         : strcmp(method, "GET") == 0    ? "read"
                         : strcmp(method, "DELETE") == 0 ? "delete"
                         : strcmp(method, "PUT") == 0    ? "update"
                                                         : "create";
    if (split_url(pp_json_str(request, "url"), type, id, &ignored) != PP_OK)
        type[0] = id[0] = '\0';
    return pp_http_audit_entry(req, s, action, type, id, NULL,
                               status == 401 || status == 403 ? "denied"
                               : status >= 500                ? "error"
                                                              : "failed",
                               d);
}

/* May the caller run this entry (http/rbac.h)? 0 when it may (a malformed entry too:
 * run_entry answers it), else the entry's status (403, 500) with d set. */
static unsigned entry_refused(const struct pp_http_request *req, struct pp_store *s,
                              const cJSON *entry, struct pp_diag *d)
{
    const cJSON *request = pp_json_obj(entry, "request");
    const char *method = request ? pp_json_str(request, "method") : NULL;
    char type[PP_STORE_TYPE_MAX + 1], id[PP_STORE_ID_MAX + 1];
    struct pp_diag scratch;

    pp_diag_clear(&scratch);
    if (!req->who)
        return 0; /* not through the server's gate (an in-process caller): no principal */
    if (!method || split_url(pp_json_str(request, "url"), type, id, &scratch) != PP_OK)
        return 0;
    return pp_rbac_entry_status(req, s, method, type, id, pp_json_obj(entry, "resource"), d);
}

void pp_http_handle_fhir_bundle(const struct pp_http_request *req, struct pp_http_response *res)
{
    struct pp_store *s;
    struct pp_diag d;
    cJSON *root = NULL;
    cJSON *entries;
    const char *type;
    bool transaction;
    size_t i = 0;
    cJSON *e;
    char(*ids)[37] = NULL;
    enum pp_err rc;

    pp_diag_clear(&d);
    if ((rc = parse_resource(req->body, req->body_len, "Bundle", &root, &d)) != PP_OK) {
        pp_http_fail(res, rc, &d);
        return;
    }
    type = pp_json_str(root, "type");
    if (!type || (strcmp(type, "transaction") != 0 && strcmp(type, "batch") != 0)) {
        cJSON_Delete(root);
        pp_http_outcome(res, 400, "invalid", "type",
                        "POST /fhir takes a Bundle of type transaction or batch");
        return;
    }
    transaction = type[0] == 't';
    entries = cJSON_GetObjectItemCaseSensitive(root, "entry");
    if (entries && !cJSON_IsArray(entries)) {
        cJSON_Delete(root);
        pp_http_outcome(res, 400, "invalid", "entry", "expected an array");
        return;
    }
    if ((rc = pp_http_store(req, &s, &d)) != PP_OK ||
        (transaction && (rc = pp_store_begin(s, &d)) != PP_OK)) {
        cJSON_Delete(root);
        pp_http_fail(res, rc, &d);
        return;
    }
    if (transaction && entries)
        resolve_urns(entries, &ids);
    res->content_type = PP_HTTP_FHIR_JSON;
    pp_buf_addf(&res->body,
                "{\"resourceType\": \"Bundle\", \"type\": \"%s-response\", \"entry\": [", type);
    cJSON_ArrayForEach(e, entries)
    {
        struct entry_result er;
        unsigned refused;
        char step[32];
        pp_diag_clear(&d);
        /* a batch entry is its own transaction, its audit record inside it */
        if (!transaction && (rc = pp_store_begin(s, &d)) != PP_OK)
            goto failed;
        if ((refused = entry_refused(req, s, e, &d)) != 0) {
            /* refused by the caller's rules (http/rbac.h), as the request itself would be */
            memset(&er, 0, sizeof(er));
            er.status = refused;
            rc = refused == 403 ? PP_ERR_INPUT : PP_ERR_IO;
        } else {
            rc = run_entry(s, e, ids && ids[i][0] ? ids[i] : NULL, &er, &d);
        }
        if (rc == PP_OK)
            rc = pp_http_audit_entry(req, s, er.action, er.meta.type, er.meta.id,
                                     er.action[0] == 'd' ? er.patient : NULL, "success", &d);
        if (!transaction && rc == PP_OK && (rc = pp_store_commit(s, &d)) != PP_OK)
            er.status = 500;
        if (!transaction && rc)
            pp_store_rollback(s);
        if (rc) {
            if (!er.status)
                er.status = rc == PP_ERR_NOT_FOUND ? 404 : pp_http_status_for(rc);
            if (transaction) {
                /* all or nothing: undo every entry before this one */
                pp_store_rollback(s);
                snprintf(step, sizeof(step), "entry[%zu]", i);
                pp_diag_prefix(&d, step);
                if (er.status != 403 && er.status != 404 && er.status != 410 && er.status != 412)
                    er.status = 400;
                pp_http_outcome(res, er.status, issue_for(er.status, rc), d.where, d.what);
                cJSON_Delete(root);
                free(ids);
                return;
            }
            add_entry_response(&res->body, req, &er, i, rc, &d);
            if (audit_failed_entry(req, s, e, er.status, &d) != PP_OK)
                goto failed;
        } else {
            add_entry_response(&res->body, req, &er, i, rc, NULL);
        }
        i++;
    }
    cJSON_Delete(root);
    free(ids);
    if (transaction && (rc = pp_store_commit(s, &d)) != PP_OK) {
        pp_store_rollback(s);
        pp_http_fail(res, rc, &d);
        return;
    }
    res->audit.recorded = true; /* one record per entry, each in its entry's transaction */
    pp_buf_adds(&res->body, "]}\n");
    return;
failed:
    cJSON_Delete(root);
    free(ids);
    pp_buf_reset(&res->body);
    pp_http_fail(res, rc, &d);
}

/* ---- the CapabilityStatement's rest.resource array ---- */

static const char *const sp_type_names[] = {"token", "reference", "date", "string"};

/* "Type:param" for every reference parameter of `source` that may name `target` (NULL:
 * any), comma-separated after the first (*n counts what was written). */
static void add_includes(struct pp_buf *b, const char *source, const char *target, size_t *n)
{
    size_t np;
    const struct pp_search_param *p = pp_search_params(source, &np);
    for (size_t k = 0; k < np; k++) {
        char name[160];
        if (p[k].type != PP_SP_REFERENCE || (target && !pp_search_param_targets(&p[k], target)))
            continue;
        snprintf(name, sizeof(name), "%s:%s", source, p[k].name);
        pp_buf_adds(b, (*n)++ ? ", " : "");
        pp_buf_add_json_str(b, name);
    }
}

/* searchParam, searchInclude and searchRevInclude of one type, from the store's table. */
static void add_search_params(struct pp_buf *b, const char *type)
{
    size_t np, n = 0;
    const struct pp_search_param *p = pp_search_params(type, &np);
    for (size_t k = 0; k < np; k++) {
        char def[200];
        pp_search_param_definition(type, &p[k], def, sizeof(def));
        pp_buf_adds(b, k ? ", {\"name\": " : "{\"name\": ");
        pp_buf_add_json_str(b, p[k].name);
        pp_buf_adds(b, ", \"definition\": ");
        pp_buf_add_json_str(b, def);
        pp_buf_adds(b, ", \"type\": ");
        pp_buf_add_json_str(b, sp_type_names[p[k].type]);
        pp_buf_adds(b, "}");
    }
    pp_buf_adds(b, "], \"searchInclude\": [");
    add_includes(b, type, NULL, &n);
    pp_buf_adds(b, "], \"searchRevInclude\": [");
    n = 0;
    for (size_t i = 0; i < N_REST_TYPES; i++)
        add_includes(b, rest_types[i], type, &n);
    pp_buf_adds(b, "]");
}

void pp_http_rest_capability(struct pp_buf *b)
{
    for (size_t i = 0; i < N_REST_TYPES; i++) {
        pp_buf_adds(b, i ? ", {\"type\": " : "{\"type\": ");
        pp_buf_add_json_str(b, rest_types[i]);
        pp_buf_adds(b, ", \"versioning\": \"versioned\", \"readHistory\": true, "
                       "\"updateCreate\": true, \"conditionalCreate\": false, "
                       "\"conditionalUpdate\": false, \"conditionalDelete\": \"not-supported\", "
                       "\"interaction\": [{\"code\": \"read\"}, {\"code\": \"vread\"}, "
                       "{\"code\": \"update\"}, {\"code\": \"delete\"}, "
                       "{\"code\": \"history-instance\"}, {\"code\": \"create\"}, "
                       "{\"code\": \"search-type\"}], \"searchParam\": [");
        add_search_params(b, rest_types[i]);
        pp_http_ops_capability(b, rest_types[i]); /* handlers_ops_clinic.c */
        pp_buf_adds(b, "}");
    }
}
