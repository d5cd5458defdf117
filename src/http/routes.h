/*
 * routes.h — the server's routes as a table of data: method, path pattern,
 * handler, body limit and access class (the role table in rbac.c reads it), plus
 * the lookup that maps a method and path to a route, a 405 or a 404.
 * Matching is pure string work; the handlers live in handlers.c.
 */
#ifndef PP_HTTP_ROUTES_H
#define PP_HTTP_ROUTES_H

#include <stddef.h>

#include "http/http.h"

/*
 * One route. `path` is exact ("/healthz") or has up to PP_HTTP_PARAMS placeholder segments,
 * each matching one non-empty path segment of at most PP_HTTP_PARAM_MAX - 1 bytes: "{id}"
 * any such segment, "{type}" a resource type name ([A-Z][A-Za-z0-9]*), "{rid}" a FHIR id
 * ([A-Za-z0-9-.]), "{vid}" a version number ([0-9]+). `body_max` caps the request body (0: no body
 * accepted). `role` is the route's access class in the role table (http/rbac.c): "public"
 * (nobody need sign in), "session" (anyone signed in), "fhir" (the class of the {type}),
 * "operation" (a workflow operation: its row and the class of what it reads), "cds",
 * "export", "metrics", "audit", "break-glass".
 */
struct pp_http_route {
    const char *method;
    const char *path;
    pp_http_handler handler;
    size_t body_max;
    const char *role;
    const char *allow; /* the Allow header of a 405 on this path when it takes several
                        * methods ("GET, PUT, DELETE"); NULL: `method` */
};

/* The table (static), in match order; *count receives its length. */
const struct pp_http_route *pp_http_routes(size_t *count);

enum pp_http_match {
    PP_HTTP_MATCHED,      /* *route and param are set */
    PP_HTTP_NO_ROUTE,     /* 404 */
    PP_HTTP_WRONG_METHOD, /* 405; *allow names the method the path takes */
};

/*
 * Find the route for `method` and `path` (without the query string; borrowed). On
 * PP_HTTP_MATCHED *route is the table row and `param` (PP_HTTP_PARAM_MAX bytes) receives
 * the first placeholder segment ("" when the route has none); pp_http_route_find_all
 * gives all of them. On PP_HTTP_WRONG_METHOD *allow is the
 * method the path accepts (static). Never fails otherwise.
 */
enum pp_http_match pp_http_route_find(const char *method, const char *path,
                                      const struct pp_http_route **route, char *param,
                                      const char **allow);

/* As pp_http_route_find, with every placeholder: params[i] is the i-th ("" when absent). */
enum pp_http_match pp_http_route_find_all(const char *method, const char *path,
                                          const struct pp_http_route **route,
                                          char params[PP_HTTP_PARAMS][PP_HTTP_PARAM_MAX],
                                          const char **allow);

/* The route's index in the table (for per-route metrics); `count` for NULL (no route). */
size_t pp_http_route_index(const struct pp_http_route *route);

#endif
