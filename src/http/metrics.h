/*
 * metrics.h — the server's Prometheus counters: requests by route and
 * status, a request-duration histogram per route, the time requests spent in the
 * database (histogram and statement count per route), and CDS feedback received.
 * Updated with relaxed atomics from every worker thread, never a lock.
 */
#ifndef PP_HTTP_METRICS_H
#define PP_HTTP_METRICS_H

#include <stddef.h>

#include "util/buf.h"

/* Make a zeroed metrics block for `n_routes` routes plus one "no route" row; caller frees
 * with pp_http_metrics_free. */
struct pp_http_metrics *pp_http_metrics_new(size_t n_routes);
void pp_http_metrics_free(struct pp_http_metrics *m);

/* Count one answered request: route row `route_index` (n_routes for "no route"), HTTP
 * `status` (100-599; others are counted as 500), and its duration in microseconds. */
void pp_http_metrics_request(struct pp_http_metrics *m, size_t route_index, unsigned status,
                             unsigned long long micros);

/* Add one request's database work on route row `route_index`: microseconds spent in SQL
 * statements and the statement steps run. */
void pp_http_metrics_db(struct pp_http_metrics *m, size_t route_index, unsigned long long micros,
                        unsigned long long steps);

/* Count one CDS feedback request accepted. */
void pp_http_metrics_feedback(struct pp_http_metrics *m);

/* Append the Prometheus text exposition (format 0.0.4) of every non-zero counter to `out`,
 * labelled with the route patterns of pp_http_routes(). */
void pp_http_metrics_write(const struct pp_http_metrics *m, struct pp_buf *out);

#endif
