/*
 * metrics.c — Prometheus counters for the server, one relaxed atomic per
 * cell so that worker threads never wait on each other. Holds no patient
 * data: only route patterns, statuses and durations.
 */
#include "http/metrics.h"

#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>

#include "http/routes.h"
#include "util/alloc.h"

#define STATUS_MIN 100
#define STATUS_N 500 /* 100..599 */

/* Histogram upper bounds in microseconds (Prometheus `le` in seconds). Chosen to resolve the
 * CDS budget (p99 < 5 ms) and the slow tail. */
static const unsigned long long bucket_us[] = {100,  250,   500,   1000,   2500,
                                               5000, 10000, 25000, 100000, 1000000};
#define N_BUCKETS (sizeof(bucket_us) / sizeof(bucket_us[0]))

struct route_stats {
    atomic_ullong status[STATUS_N];
    atomic_ullong bucket[N_BUCKETS + 1]; /* last: +Inf */
    atomic_ullong sum_us;
    atomic_ullong count;
    /* the database's share: requests that ran SQL, their SQL time, statement steps */
    atomic_ullong db_bucket[N_BUCKETS + 1];
    atomic_ullong db_sum_us;
    atomic_ullong db_count;
    atomic_ullong db_steps;
};

struct pp_http_metrics {
    size_t n_rows; /* routes + "no route" */
    struct route_stats *rows;
    atomic_ullong feedback;
};

struct pp_http_metrics *pp_http_metrics_new(size_t n_routes)
{
    struct pp_http_metrics *m = pp_xcalloc(1, sizeof(*m));
    m->n_rows = n_routes + 1;
    m->rows = pp_xcalloc(m->n_rows, sizeof(*m->rows));
    for (size_t r = 0; r < m->n_rows; r++) {
        for (size_t i = 0; i < STATUS_N; i++)
            atomic_init(&m->rows[r].status[i], 0);
        for (size_t i = 0; i <= N_BUCKETS; i++)
            atomic_init(&m->rows[r].bucket[i], 0);
        atomic_init(&m->rows[r].sum_us, 0);
        atomic_init(&m->rows[r].count, 0);
        for (size_t i = 0; i <= N_BUCKETS; i++)
            atomic_init(&m->rows[r].db_bucket[i], 0);
        atomic_init(&m->rows[r].db_sum_us, 0);
        atomic_init(&m->rows[r].db_count, 0);
        atomic_init(&m->rows[r].db_steps, 0);
    }
    atomic_init(&m->feedback, 0);
    return m;
}

void pp_http_metrics_free(struct pp_http_metrics *m)
{
    if (!m)
        return;
    free(m->rows);
    free(m);
}

void pp_http_metrics_request(struct pp_http_metrics *m, size_t route_index, unsigned status,
                             unsigned long long micros)
{
    struct route_stats *s;
    size_t b = 0;

    if (route_index >= m->n_rows)
        route_index = m->n_rows - 1;
    if (status < STATUS_MIN || status >= STATUS_MIN + STATUS_N)
        status = 500;
    s = &m->rows[route_index];
    atomic_fetch_add_explicit(&s->status[status - STATUS_MIN], 1, memory_order_relaxed);
    while (b < N_BUCKETS && micros > bucket_us[b])
        b++;
    atomic_fetch_add_explicit(&s->bucket[b], 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&s->sum_us, micros, memory_order_relaxed);
    atomic_fetch_add_explicit(&s->count, 1, memory_order_relaxed);
}

void pp_http_metrics_db(struct pp_http_metrics *m, size_t route_index, unsigned long long micros,
                        unsigned long long steps)
{
    struct route_stats *s;
    size_t b = 0;
    if (route_index >= m->n_rows)
        route_index = m->n_rows - 1;
    s = &m->rows[route_index];
    while (b < N_BUCKETS && micros > bucket_us[b])
        b++;
    atomic_fetch_add_explicit(&s->db_bucket[b], 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&s->db_sum_us, micros, memory_order_relaxed);
    atomic_fetch_add_explicit(&s->db_count, 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&s->db_steps, steps, memory_order_relaxed);
}

void pp_http_metrics_feedback(struct pp_http_metrics *m)
{
    atomic_fetch_add_explicit(&m->feedback, 1, memory_order_relaxed);
}

static const char *row_label(size_t r)
{
    size_t n;
    const struct pp_http_route *t = pp_http_routes(&n);
    return r < n ? t[r].path : "none";
}

static const char *row_method(size_t r)
{
    size_t n;
    const struct pp_http_route *t = pp_http_routes(&n);
    return r < n ? t[r].method : "";
}

/* One histogram's series for `route` (nothing when its count is zero). */
static void write_histogram(struct pp_buf *out, const char *name, const char *route,
                            const atomic_ullong *bucket, const atomic_ullong *sum_us,
                            const atomic_ullong *count_p)
{
    unsigned long long count = atomic_load_explicit(count_p, memory_order_relaxed);
    unsigned long long cum = 0;
    if (!count)
        return;
    for (size_t b = 0; b <= N_BUCKETS; b++) {
        cum += atomic_load_explicit(&bucket[b], memory_order_relaxed);
        pp_buf_addf(out, "%s_bucket{route=\"%s\",le=\"", name, route);
        if (b < N_BUCKETS)
            pp_buf_addf(out, "%g", (double)bucket_us[b] / 1e6);
        else
            pp_buf_adds(out, "+Inf");
        pp_buf_addf(out, "\"} %llu\n", cum);
    }
    pp_buf_addf(out, "%s_sum{route=\"%s\"} %.6f\n", name, route,
                (double)atomic_load_explicit(sum_us, memory_order_relaxed) / 1e6);
    pp_buf_addf(out, "%s_count{route=\"%s\"} %llu\n", name, route, count);
}

void pp_http_metrics_write(const struct pp_http_metrics *m, struct pp_buf *out)
{
    pp_buf_adds(out, "# HELP painpath_http_requests_total HTTP requests answered, by route and "
                     "status.\n# TYPE painpath_http_requests_total counter\n");
    for (size_t r = 0; r < m->n_rows; r++)
        for (size_t i = 0; i < STATUS_N; i++) {
            unsigned long long v =
                atomic_load_explicit(&m->rows[r].status[i], memory_order_relaxed);
            if (v)
                pp_buf_addf(
                    out,
                    "painpath_http_requests_total{method=\"%s\",route=\"%s\",status=\"%zu\"}"
                    " %llu\n",
                    row_method(r), row_label(r), i + STATUS_MIN, v);
        }
    pp_buf_adds(out, "# HELP painpath_http_request_duration_seconds Time from the request's "
                     "headers to its response, by route.\n"
                     "# TYPE painpath_http_request_duration_seconds histogram\n");
    for (size_t r = 0; r < m->n_rows; r++)
        write_histogram(out, "painpath_http_request_duration_seconds", row_label(r),
                        m->rows[r].bucket, &m->rows[r].sum_us, &m->rows[r].count);
    pp_buf_adds(out, "# HELP painpath_db_request_seconds Time a request spent running SQL "
                     "statements, by route (requests that ran none are not counted).\n"
                     "# TYPE painpath_db_request_seconds histogram\n");
    for (size_t r = 0; r < m->n_rows; r++)
        write_histogram(out, "painpath_db_request_seconds", row_label(r), m->rows[r].db_bucket,
                        &m->rows[r].db_sum_us, &m->rows[r].db_count);
    pp_buf_adds(out, "# HELP painpath_db_statement_steps_total SQL statement steps run, by "
                     "route.\n# TYPE painpath_db_statement_steps_total counter\n");
    for (size_t r = 0; r < m->n_rows; r++) {
        unsigned long long v = atomic_load_explicit(&m->rows[r].db_steps, memory_order_relaxed);
        if (v)
            pp_buf_addf(out, "painpath_db_statement_steps_total{route=\"%s\"} %llu\n", row_label(r),
                        v);
    }
    pp_buf_addf(out,
                "# HELP painpath_cds_feedback_total CDS Hooks feedback requests accepted.\n"
                "# TYPE painpath_cds_feedback_total counter\npainpath_cds_feedback_total %llu\n",
                atomic_load_explicit(&m->feedback, memory_order_relaxed));
}
