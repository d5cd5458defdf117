/*
 * routes.c — the route table (data: method, path, handler, body limit, role)
 * and the matcher. Adding a route is adding a row; the handler belongs in
 * handlers.c. Every route is "public" until accounts and RBAC arrive.
 */
#include "http/routes.h"

#include <string.h>

#include "http/handlers.h"

/* Body caps. A CDS Hooks request with its prefetch, or a one-patient Bundle, is rarely over
 * a megabyte (a Synthea patient with ten years of history is ~2-5 MB); 16 MB leaves room
 * for long histories and stays far from what would hurt the server. Feedback is tiny. */
#define BODY_CLINICAL ((size_t)16 << 20)
#define BODY_FEEDBACK ((size_t)64 << 10)

static const struct pp_http_route routes[] = {
    {"GET", "/healthz", pp_http_handle_healthz, 0, "public"},
    {"GET", "/metrics", pp_http_handle_metrics, 0, "public"},
    {"GET", "/fhir/metadata", pp_http_handle_metadata, 0, "public"},
    {"POST", "/fhir/Patient/$mme", pp_http_handle_patient_mme, BODY_CLINICAL, "public"},
    {"POST", "/fhir/Patient/$evaluate", pp_http_handle_patient_evaluate, BODY_CLINICAL, "public"},
    {"GET", "/cds-services", pp_http_handle_cds_discovery, 0, "public"},
    {"POST", "/cds-services/{id}", pp_http_handle_cds_service, BODY_CLINICAL, "public"},
    {"POST", "/cds-services/{id}/feedback", pp_http_handle_cds_feedback, BODY_FEEDBACK, "public"},
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

/* Does `path` match `pattern`? A "{id}" segment takes one non-empty segment into param. */
static bool path_matches(const char *pattern, const char *path, char *param)
{
    const char *open = strstr(pattern, "{id}");
    size_t pre, seg;
    const char *rest;

    param[0] = '\0';
    if (!open)
        return strcmp(pattern, path) == 0;
    pre = (size_t)(open - pattern);
    if (strncmp(pattern, path, pre) != 0)
        return false;
    path += pre;
    seg = strcspn(path, "/");
    if (seg == 0 || seg >= PP_HTTP_PARAM_MAX)
        return false;
    rest = open + 4;
    if (strcmp(rest, path + seg) != 0)
        return false;
    memcpy(param, path, seg);
    param[seg] = '\0';
    return true;
}

enum pp_http_match pp_http_route_find(const char *method, const char *path,
                                      const struct pp_http_route **route, char *param,
                                      const char **allow)
{
    char scratch[PP_HTTP_PARAM_MAX];
    const char *other = NULL;

    *route = NULL;
    param[0] = '\0';
    for (size_t i = 0; i < N_ROUTES; i++) {
        if (!path_matches(routes[i].path, path, scratch))
            continue;
        if (strcmp(routes[i].method, method) == 0) {
            *route = &routes[i];
            memcpy(param, scratch, sizeof(scratch));
            return PP_HTTP_MATCHED;
        }
        /* HEAD is GET without the body: libmicrohttpd drops the body for us. */
        if (strcmp(method, "HEAD") == 0 && strcmp(routes[i].method, "GET") == 0) {
            *route = &routes[i];
            memcpy(param, scratch, sizeof(scratch));
            return PP_HTTP_MATCHED;
        }
        other = routes[i].method;
    }
    if (other) {
        if (allow)
            *allow = other;
        return PP_HTTP_WRONG_METHOD;
    }
    return PP_HTTP_NO_ROUTE;
}
