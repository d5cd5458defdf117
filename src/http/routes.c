/*
 * routes.c — the route table (data: method, path, handler, body limit, role)
 * and the matcher. Adding a route is adding a row; the handler belongs in
 * handlers.c. `role` is the route's access class, which the role table (rbac.c) reads.
 */
#include "http/routes.h"

#include <ctype.h>
#include <string.h>

#include "http/handlers.h"
#include "http/rbac.h"

/* Body caps. A CDS Hooks request with its prefetch, or a one-patient Bundle, is rarely over
 * a megabyte (a Synthea patient with ten years of history is ~2-5 MB); 16 MB leaves room
 * for long histories and stays far from what would hurt the server. Feedback is tiny. */
#define BODY_CLINICAL ((size_t)16 << 20)
#define BODY_FEEDBACK ((size_t)64 << 10)
/* A resource (create / update) or a transaction / batch Bundle: the same cap as the
 * clinical routes (a Synthea patient's whole history as one transaction fits). */
#define BODY_FHIR ((size_t)16 << 20)
/* A workflow operation's Parameters on an instance (a procedure id, a comparative block). */
#define BODY_OP_PARAMS ((size_t)64 << 10)
#define ALLOW_OP "GET, POST"
#define ALLOW_INSTANCE "GET, PUT, DELETE"
/* A bulk $export kick-off's Parameters body (a few parameters) and its status URL. */
#define BODY_EXPORT ((size_t)64 << 10)
#define ALLOW_EXPORT_STATUS "GET, DELETE"
#define ALLOW_TYPE "GET, POST"
/* A break-glass request: a Patient id and a reason of at most 255 bytes. */
#define BODY_BREAK_GLASS ((size_t)4 << 10)
/* The audit trail is read-only over HTTP. */
#define ALLOW_AUDIT "GET"
/* A login: a username and a password (a passphrase of a few hundred characters fits). */
#define BODY_LOGIN ((size_t)4 << 10)

static const struct pp_http_route routes[] = {
    {"GET", "/healthz", pp_http_handle_healthz, 0, "public", NULL},
    {"GET", "/metrics", pp_http_handle_metrics, 0, "metrics", NULL},
    {"GET", "/fhir/metadata", pp_http_handle_metadata, 0, "public", NULL},
    {"POST", "/fhir/Patient/$mme", pp_http_handle_patient_mme, BODY_CLINICAL, "operation", NULL},
    {"POST", "/fhir/Patient/$evaluate", pp_http_handle_patient_evaluate, BODY_CLINICAL, "operation",
     NULL},
    {"GET", "/cds-services", pp_http_handle_cds_discovery, 0, "cds", NULL},
    {"POST", "/cds-services/{id}", pp_http_handle_cds_service, BODY_CLINICAL, "cds", NULL},
    {"POST", "/cds-services/{id}/feedback", pp_http_handle_cds_feedback, BODY_FEEDBACK, "cds",
     NULL},
    /* trust: login, logout, session (auth.c), break-glass (rbac.c) */
    {"POST", "/auth/break-glass", pp_http_handle_break_glass, BODY_BREAK_GLASS, "break-glass",
     NULL},
    {"POST", "/auth/login", pp_http_handle_login, BODY_LOGIN, "public", NULL},
    {"POST", "/auth/logout", pp_http_handle_logout, BODY_LOGIN, "session", NULL},
    {"GET", "/auth/session", pp_http_handle_session, 0, "session", NULL},
    /* audit: AuditEvent, Patient/$access-log (audit.c) */
    {"GET", "/fhir/AuditEvent", pp_http_handle_audit_search, 0, "audit", ALLOW_AUDIT},
    {"POST", "/fhir/AuditEvent", pp_http_handle_audit_readonly, BODY_FHIR, "audit", ALLOW_AUDIT},
    {"GET", "/fhir/AuditEvent/{rid}", pp_http_handle_audit_read, 0, "audit", ALLOW_AUDIT},
    {"PUT", "/fhir/AuditEvent/{rid}", pp_http_handle_audit_readonly, BODY_FHIR, "audit",
     ALLOW_AUDIT},
    {"DELETE", "/fhir/AuditEvent/{rid}", pp_http_handle_audit_readonly, 0, "audit", ALLOW_AUDIT},
    {"GET", "/fhir/Patient/{rid}/$access-log", pp_http_handle_access_log, 0, "access-log", NULL},
    /* workflow operations (handlers_ops.c) */
    {"GET", "/fhir/Patient/{rid}/$mme", pp_http_handle_patient_mme_instance, 0, "operation",
     ALLOW_OP},
    {"POST", "/fhir/Patient/{rid}/$mme", pp_http_handle_patient_mme_instance, BODY_OP_PARAMS,
     "operation", ALLOW_OP},
    {"GET", "/fhir/Patient/{rid}/$evaluate", pp_http_handle_patient_evaluate_instance, 0,
     "operation", ALLOW_OP},
    {"POST", "/fhir/Patient/{rid}/$evaluate", pp_http_handle_patient_evaluate_instance,
     BODY_OP_PARAMS, "operation", ALLOW_OP},
    {"POST", "/fhir/Patient/$care-plan", pp_http_handle_patient_care_plan, BODY_CLINICAL,
     "operation", NULL},
    {"GET", "/fhir/Patient/{rid}/$care-plan", pp_http_handle_patient_care_plan, 0, "operation",
     ALLOW_OP},
    {"POST", "/fhir/Patient/{rid}/$care-plan", pp_http_handle_patient_care_plan, BODY_OP_PARAMS,
     "operation", ALLOW_OP},
    {"POST", "/fhir/ServiceRequest/$triage", pp_http_handle_sr_triage, BODY_CLINICAL, "operation",
     NULL},
    {"GET", "/fhir/ServiceRequest/{rid}/$triage", pp_http_handle_sr_triage, 0, "operation",
     ALLOW_OP},
    {"POST", "/fhir/ServiceRequest/{rid}/$triage", pp_http_handle_sr_triage, BODY_OP_PARAMS,
     "operation", ALLOW_OP},
    {"POST", "/fhir/ServiceRequest/$eligibility", pp_http_handle_sr_eligibility, BODY_CLINICAL,
     "operation", NULL},
    {"GET", "/fhir/ServiceRequest/{rid}/$eligibility", pp_http_handle_sr_eligibility, 0,
     "operation", ALLOW_OP},
    {"POST", "/fhir/ServiceRequest/{rid}/$eligibility", pp_http_handle_sr_eligibility,
     BODY_OP_PARAMS, "operation", ALLOW_OP},
    {"POST", "/fhir/Procedure/$block-report", pp_http_handle_procedure_block_report, BODY_CLINICAL,
     "operation", NULL},
    {"GET", "/fhir/Procedure/{rid}/$block-report", pp_http_handle_procedure_block_report, 0,
     "operation", ALLOW_OP},
    {"POST", "/fhir/Procedure/{rid}/$block-report", pp_http_handle_procedure_block_report,
     BODY_OP_PARAMS, "operation", ALLOW_OP},
    {"POST", "/fhir/Practitioner/$qualification", pp_http_handle_practitioner_qualification,
     BODY_CLINICAL, "operation", NULL},
    {"GET", "/fhir/Practitioner/{rid}/$qualification", pp_http_handle_practitioner_qualification, 0,
     "operation", ALLOW_OP},
    {"POST", "/fhir/Practitioner/{rid}/$qualification", pp_http_handle_practitioner_qualification,
     BODY_OP_PARAMS, "operation", ALLOW_OP},
    {"GET", "/fhir/Slot/$next-available", pp_http_handle_slot_next_available, 0, "operation", NULL},
    /* bulk export (handlers_export.c) */
    {"GET", "/fhir/$export", pp_http_handle_export_system, 0, "export", ALLOW_TYPE},
    {"POST", "/fhir/$export", pp_http_handle_export_system, BODY_EXPORT, "export", ALLOW_TYPE},
    {"GET", "/fhir/Patient/$export", pp_http_handle_export_patient, 0, "export", ALLOW_TYPE},
    {"POST", "/fhir/Patient/$export", pp_http_handle_export_patient, BODY_EXPORT, "export",
     ALLOW_TYPE},
    {"GET", "/fhir/$export-status/{job}", pp_http_handle_export_status, 0, "export",
     ALLOW_EXPORT_STATUS},
    {"DELETE", "/fhir/$export-status/{job}", pp_http_handle_export_delete, 0, "export",
     ALLOW_EXPORT_STATUS},
    {"GET", "/fhir/$export-file/{job}/{file}", pp_http_handle_export_file, 0, "export", NULL},
    /* FHIR REST on the store (handlers_rest.c); after the operations so "$mme" wins */
    {"POST", "/fhir", pp_http_handle_fhir_bundle, BODY_FHIR, "fhir", NULL},
    {"GET", "/fhir/{type}", pp_http_handle_fhir_search, 0, "fhir", ALLOW_TYPE},
    {"POST", "/fhir/{type}", pp_http_handle_fhir_create, BODY_FHIR, "fhir", ALLOW_TYPE},
    {"GET", "/fhir/{type}/{rid}", pp_http_handle_fhir_read, 0, "fhir", ALLOW_INSTANCE},
    {"PUT", "/fhir/{type}/{rid}", pp_http_handle_fhir_update, BODY_FHIR, "fhir", ALLOW_INSTANCE},
    {"DELETE", "/fhir/{type}/{rid}", pp_http_handle_fhir_delete, 0, "fhir", ALLOW_INSTANCE},
    {"GET", "/fhir/{type}/{rid}/_history", pp_http_handle_fhir_history, 0, "fhir", NULL},
    {"GET", "/fhir/{type}/{rid}/_history/{vid}", pp_http_handle_fhir_vread, 0, "fhir", NULL},
};

#define N_ROUTES (sizeof(routes) / sizeof(routes[0]))

const struct pp_http_route *pp_http_routes(size_t *count)
{
    *count = N_ROUTES;
    return routes;
}

size_t pp_http_route_index(const struct pp_http_route *route)
{
    if (!route || route < routes || route >= routes + N_ROUTES)
        return N_ROUTES;
    return (size_t)(route - routes);
}

/* Does segment `seg` (n bytes) fit placeholder `kind` ("id", "type", "rid", "vid")? */
static bool segment_fits(const char *kind, size_t kind_len, const char *seg, size_t n)
{
    if (n == 0 || n >= PP_HTTP_PARAM_MAX)
        return false;
    if (kind_len == 4 && memcmp(kind, "type", 4) == 0) {
        if (seg[0] < 'A' || seg[0] > 'Z')
            return false;
        for (size_t i = 1; i < n; i++)
            if (!isalnum((unsigned char)seg[i]))
                return false;
    } else if (kind_len == 3 && memcmp(kind, "rid", 3) == 0) {
        for (size_t i = 0; i < n; i++)
            if (!isalnum((unsigned char)seg[i]) && seg[i] != '-' && seg[i] != '.')
                return false;
    } else if (kind_len == 3 && memcmp(kind, "vid", 3) == 0) {
        for (size_t i = 0; i < n; i++)
            if (!isdigit((unsigned char)seg[i]))
                return false;
    }
    return true;
}

/* Does `path` match `pattern`? Each "{kind}" segment takes one fitting segment into the
 * next of params. */
static bool path_matches(const char *pattern, const char *path,
                         char params[PP_HTTP_PARAMS][PP_HTTP_PARAM_MAX])
{
    int k = 0;

    for (int i = 0; i < PP_HTTP_PARAMS; i++)
        params[i][0] = '\0';
    while (*pattern) {
        if (*pattern == '{') {
            const char *close = strchr(pattern, '}');
            size_t seg = strcspn(path, "/");
            if (!close || k >= PP_HTTP_PARAMS ||
                !segment_fits(pattern + 1, (size_t)(close - pattern - 1), path, seg))
                return false;
            memcpy(params[k], path, seg);
            params[k][seg] = '\0';
            k++;
            pattern = close + 1;
            path += seg;
            continue;
        }
        if (*pattern != *path)
            return false;
        pattern++;
        path++;
    }
    return *path == '\0';
}

enum pp_http_match pp_http_route_find_all(const char *method, const char *path,
                                          const struct pp_http_route **route,
                                          char params[PP_HTTP_PARAMS][PP_HTTP_PARAM_MAX],
                                          const char **allow)
{
    char scratch[PP_HTTP_PARAMS][PP_HTTP_PARAM_MAX];
    const char *other = NULL;

    *route = NULL;
    for (int i = 0; i < PP_HTTP_PARAMS; i++)
        params[i][0] = '\0';
    for (size_t i = 0; i < N_ROUTES; i++) {
        if (!path_matches(routes[i].path, path, scratch))
            continue;
        /* HEAD is GET without the body: libmicrohttpd drops the body for us. */
        if (strcmp(routes[i].method, method) == 0 ||
            (strcmp(method, "HEAD") == 0 && strcmp(routes[i].method, "GET") == 0)) {
            *route = &routes[i];
            memcpy(params, scratch, sizeof(scratch));
            return PP_HTTP_MATCHED;
        }
        if (!other)
            other = routes[i].allow ? routes[i].allow : routes[i].method;
    }
    if (other) {
        if (allow)
            *allow = other;
        return PP_HTTP_WRONG_METHOD;
    }
    return PP_HTTP_NO_ROUTE;
}

enum pp_http_match pp_http_route_find(const char *method, const char *path,
                                      const struct pp_http_route **route, char *param,
                                      const char **allow)
{
    char params[PP_HTTP_PARAMS][PP_HTTP_PARAM_MAX];
    enum pp_http_match m = pp_http_route_find_all(method, path, route, params, allow);
    memcpy(param, params[0], PP_HTTP_PARAM_MAX);
    return m;
}
