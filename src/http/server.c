/*
 * server.c — the libmicrohttpd glue: per-request state, body collection with
 * the route's cap, dispatch through the route table, sending, metrics and
 * the request log. The one trap (DESIGN.md): answering on the first callback
 * makes libmicrohttpd close keep-alive connections, so we answer on a later one.
 */
#include "http/server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <microhttpd.h>

#include "http/auth.h"
#include "http/handlers.h"
#include "http/metrics.h"
#include "http/routes.h"
#include "util/alloc.h"
#include "util/json.h"

/* Request headers must fit in this per-connection pool (libmicrohttpd answers 431 beyond
 * it); the body streams through it in pieces. */
#define HEADER_POOL ((size_t)64 << 10)
/* A body over its route's cap is read and dropped up to this much, so that the client,
 * still sending, can read our 413 on an open connection; beyond it we answer at once and
 * libmicrohttpd closes the connection. */
#define DRAIN_MAX ((size_t)64 << 20)
/* Idle connections are closed after this many seconds (slow clients, slowloris). */
#define IDLE_TIMEOUT_S 60

struct pp_http_server {
    struct MHD_Daemon *daemon;
    struct pp_http_metrics *metrics;
    const struct pp_http_env *env;
    FILE *log;
    unsigned port;
    atomic_uint in_flight;
    bool tls;            /* serving TLS (--tls-cert / --tls-key) */
    bool audit_owner;    /* this server started the read-audit importer (handlers.h) */
    MHD_socket quiesced; /* the listening socket after quiesce, to close at the end */
    /* the request log is block-buffered and flushed by its own thread every LOG_FLUSH_MS */
    pthread_t log_flusher;
    bool log_flushing;
    pthread_mutex_t log_lock;
    pthread_cond_t log_wake;
    bool log_stop;
};

/* One request's state, from its headers to its completion. */
struct req_state {
    enum pp_http_match match;
    const struct pp_http_route *route;
    const char *allow;
    char params[PP_HTTP_PARAMS][PP_HTTP_PARAM_MAX];
    struct pp_buf body;
    bool too_large;
    bool answered; /* a response is queued (an early 413): ignore what follows */
    size_t dropped;
    struct timespec start;
};

/* Each worker thread's cJSON scratch arena (util/json.h): a request's JSON trees come from
 * it and are dropped at once after the handler, instead of a malloc and free per node —
 * what the profile of CDS order-sign was dominated by. Freed when the thread exits. */
static pthread_key_t scratch_key;
static pthread_once_t scratch_once = PTHREAD_ONCE_INIT;

static void scratch_free(void *p)
{
    pp_json_scratch_release(p);
    free(p);
}

static void scratch_key_create(void)
{
    struct pp_json_scratch probe;
    /* installs cJSON's allocation hooks now, before any worker thread parses */
    pp_json_scratch_init(&probe);
    pp_json_scratch_release(&probe);
    if (pthread_key_create(&scratch_key, scratch_free) != 0)
        abort();
}

static struct pp_json_scratch *thread_scratch(void)
{
    struct pp_json_scratch *js = pthread_getspecific(scratch_key);
    if (!js) {
        js = pp_xmalloc(sizeof(*js));
        pp_json_scratch_init(js);
        if (pthread_setspecific(scratch_key, js) != 0)
            abort();
    }
    return js;
}

static unsigned long long micros_since(const struct timespec *t0)
{
    struct timespec t;
    long long us;

    clock_gettime(CLOCK_MONOTONIC, &t);
    us = (long long)(t.tv_sec - t0->tv_sec) * 1000000 + (t.tv_nsec - t0->tv_nsec) / 1000;
    return us < 0 ? 0 : (unsigned long long)us;
}

/* The method as logged: only known tokens, so that nothing a client sends reaches the log. */
static const char *log_method(const char *m)
{
    static const char *const known[] = {"GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"};
    for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
        if (strcmp(m, known[i]) == 0)
            return known[i];
    return "OTHER";
}

static enum MHD_Result send_response(struct pp_http_server *s, struct MHD_Connection *c,
                                     struct req_state *r, const char *method,
                                     struct pp_http_response *res)
{
    struct MHD_Response *mr;
    enum MHD_Result ok;
    unsigned long long us;
    size_t len;

    if (res->file_fd >= 0) {
        /* a file answer (bulk export NDJSON): streamed from the descriptor, which
         * libmicrohttpd closes when it is done with the response */
        mr = MHD_create_response_from_fd64(res->file_size, res->file_fd);
        if (!mr)
            return MHD_NO; /* pp_http_response_release closes the descriptor */
        res->file_fd = -1;
    } else {
        char *data = pp_buf_detach(&res->body, &len);
        mr = MHD_create_response_from_buffer(len, data, MHD_RESPMEM_MUST_FREE);
        if (!mr) {
            free(data);
            return MHD_NO;
        }
    }
    MHD_add_response_header(mr, MHD_HTTP_HEADER_CONTENT_TYPE, res->content_type);
    /* answers carry patient data: no shared cache may keep them */
    MHD_add_response_header(mr, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
    if (res->allow)
        MHD_add_response_header(mr, MHD_HTTP_HEADER_ALLOW, res->allow);
    if (res->etag[0])
        MHD_add_response_header(mr, MHD_HTTP_HEADER_ETAG, res->etag);
    if (res->last_modified[0])
        MHD_add_response_header(mr, MHD_HTTP_HEADER_LAST_MODIFIED, res->last_modified);
    if (res->location[0])
        MHD_add_response_header(mr, MHD_HTTP_HEADER_LOCATION, res->location);
    if (res->content_location[0])
        MHD_add_response_header(mr, MHD_HTTP_HEADER_CONTENT_LOCATION, res->content_location);
    if (res->retry_after[0])
        MHD_add_response_header(mr, MHD_HTTP_HEADER_RETRY_AFTER, res->retry_after);
    if (res->progress[0])
        MHD_add_response_header(mr, "X-Progress", res->progress);
    for (int i = 0; i < 2; i++)
        if (res->set_cookie[i][0])
            MHD_add_response_header(mr, MHD_HTTP_HEADER_SET_COOKIE, res->set_cookie[i]);
    if (res->break_glass)
        MHD_add_response_header(mr, "X-Break-Glass", "active");
    if (res->www_authenticate)
        MHD_add_response_header(mr, MHD_HTTP_HEADER_WWW_AUTHENTICATE, res->www_authenticate);
    if (s->tls) /* a browser that saw TLS here never falls back to plain HTTP for a year */
        MHD_add_response_header(mr, MHD_HTTP_HEADER_STRICT_TRANSPORT_SECURITY, "max-age=31536000");
    ok = MHD_queue_response(c, res->status, mr);
    MHD_destroy_response(mr);
    us = micros_since(&r->start);
    pp_http_metrics_request(s->metrics, pp_http_route_index(r->route), res->status, us);
    if (s->log)
        fprintf(s->log, "%s %s %u %.3fms\n", log_method(method), r->route ? r->route->path : "-",
                res->status, (double)us / 1000.0);
    return ok;
}

static void too_large(struct pp_http_response *res, const struct pp_http_route *route)
{
    char what[128];
    snprintf(what, sizeof(what), "request body larger than %zu bytes", route->body_max);
    pp_http_outcome(res, 413, "too-costly", "", what);
}

/* Collect one query-string parameter into the request (MHD_KeyValueIterator). */
static enum MHD_Result collect_arg(void *cls, enum MHD_ValueKind kind, const char *key,
                                   const char *value)
{
    struct pp_http_request *req = cls;
    (void)kind;
    if (req->n_args >= PP_HTTP_ARGS_MAX) {
        req->args_overflow = true;
        return MHD_NO;
    }
    req->args[req->n_args].name = key;
    req->args[req->n_args].value = value ? value : "";
    req->n_args++;
    return MHD_YES;
}

/* The request log's buffer, and how long a line may wait in it: one write(2) per buffer
 * instead of one per request (stderr is unbuffered), and an operator tailing the log sees
 * each line within LOG_FLUSH_MS. */
#define LOG_BUFFER ((size_t)64 << 10)
#define LOG_FLUSH_MS 200

static void *log_flush_loop(void *arg)
{
    struct pp_http_server *s = arg;
    pthread_mutex_lock(&s->log_lock);
    while (!s->log_stop) {
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_nsec += LOG_FLUSH_MS * 1000L * 1000L;
        if (until.tv_nsec >= 1000000000L) {
            until.tv_sec++;
            until.tv_nsec -= 1000000000L;
        }
        (void)pthread_cond_timedwait(&s->log_wake, &s->log_lock, &until);
        fflush(s->log);
    }
    pthread_mutex_unlock(&s->log_lock);
    return NULL;
}

/* The client's address as text ("127.0.0.1", "::1"), or "" when unknown. */
static void client_address(struct MHD_Connection *c, char *out, size_t cap)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    out[0] = '\0';
    if (!ci || !ci->client_addr)
        return;
    if (ci->client_addr->sa_family == AF_INET)
        inet_ntop(AF_INET, &((const struct sockaddr_in *)ci->client_addr)->sin_addr, out,
                  (socklen_t)cap);
    else if (ci->client_addr->sa_family == AF_INET6)
        inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)ci->client_addr)->sin6_addr, out,
                  (socklen_t)cap);
}

/* The last callback of a request: dispatch and send. */
static enum MHD_Result answer(struct pp_http_server *s, struct MHD_Connection *c,
                              struct req_state *r, const char *method, const char *path)
{
    struct pp_http_response res;
    enum MHD_Result ok;

    pp_http_response_init(&res);
    if (r->match == PP_HTTP_NO_ROUTE) {
        pp_http_outcome(&res, 404, "not-found", "", "no such endpoint");
    } else if (r->match == PP_HTTP_WRONG_METHOD) {
        pp_http_outcome(&res, 405, "not-supported", "", "method not allowed on this endpoint");
        res.allow = r->allow;
    } else if (r->too_large) {
        too_large(&res, r->route);
    } else {
        struct pp_http_request req;
        memset(&req, 0, sizeof(req));
        req.route = r->route;
        req.method = method;
        req.path = path;
        memcpy(req.param, r->params[0], sizeof(req.param));
        memcpy(req.param2, r->params[1], sizeof(req.param2));
        memcpy(req.param3, r->params[2], sizeof(req.param3));
        MHD_get_connection_values(c, MHD_GET_ARGUMENT_KIND, collect_arg, &req);
        req.if_match = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_IF_MATCH);
        req.host = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_HOST);
        req.prefer = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Prefer");
        req.accept = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_ACCEPT);
        req.content_type =
            MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_TYPE);
        req.authorization =
            MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION);
        req.cookie = MHD_lookup_connection_value(c, MHD_COOKIE_KIND, PP_HTTP_SESSION_COOKIE);
        req.csrf = MHD_lookup_connection_value(c, MHD_HEADER_KIND, PP_HTTP_CSRF_HEADER);
        client_address(c, req.client, sizeof(req.client));
        req.tls = s->tls;
        req.body = r->body.data ? r->body.data : "";
        req.body_len = r->body.len;
        req.env = s->env;
        req.now = s->env->now != PP_DAY_NONE ? s->env->now : pp_day_today_utc();
        req.metrics = s->metrics;
        struct pp_json_scratch *js = thread_scratch();
        /* handlers free every tree they parse before returning: nothing outlives the scope */
        pp_json_scratch_enter(js);
        /* the trust gate (http/auth.h): who, may they, the handler, the audit record */
        struct pp_http_principal who;
        if (pp_http_authenticate(&req, &who, &res)) {
            req.who = &who;
            if (pp_http_authorize(&req, &who, &res))
                r->route->handler(&req, &res);
        }
        req.who = &who;
        pp_http_audit_request(&req, &who, &res);
        pp_json_scratch_leave(js);
        {
            uint64_t db_ns, db_steps;
            if (pp_http_rest_thread_timing(&db_ns, &db_steps))
                pp_http_metrics_db(s->metrics, pp_http_route_index(r->route), db_ns / 1000,
                                   db_steps);
        }
        if (pp_buf_status(&res.body))
            pp_http_outcome(&res, 500, "exception", "", "response too large");
    }
    ok = send_response(s, c, r, method, &res);
    pp_http_response_release(&res);
    return ok;
}

/* Content-Length when the client declared one and it parses; else false. */
static bool declared_length(struct MHD_Connection *c, unsigned long long *n)
{
    const char *v = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
    char *end;
    if (!v || !*v)
        return false;
    errno = 0;
    *n = strtoull(v, &end, 10);
    return errno == 0 && *end == '\0';
}

static bool expects_continue(struct MHD_Connection *c)
{
    const char *v = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_EXPECT);
    return v && strcasecmp(v, "100-continue") == 0;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
                                  const char *method, const char *version, const char *upload,
                                  size_t *upload_size, void **con_cls)
{
    struct pp_http_server *s = cls;
    struct req_state *r = *con_cls;
    unsigned long long declared;

    (void)version;
    if (!r) {
        /* First call: headers only. Set up and return; answering now would close the
         * keep-alive connection (DESIGN.md, the libmicrohttpd trap). */
        r = pp_xcalloc(1, sizeof(*r));
        clock_gettime(CLOCK_MONOTONIC, &r->start);
        r->match = pp_http_route_find_all(method, url, &r->route, r->params, &r->allow);
        pp_buf_init(&r->body, r->route ? r->route->body_max : 0);
        *con_cls = r;
        atomic_fetch_add(&s->in_flight, 1);
        if (r->match == PP_HTTP_MATCHED && declared_length(c, &declared) &&
            declared > r->route->body_max && (declared > DRAIN_MAX || expects_continue(c))) {
            /* refuse before the body is sent; the connection closes after this answer */
            struct pp_http_response res;
            enum MHD_Result ok;
            pp_http_response_init(&res);
            too_large(&res, r->route);
            r->answered = true;
            ok = send_response(s, c, r, method, &res);
            pp_http_response_release(&res);
            return ok;
        }
        return MHD_YES;
    }
    if (*upload_size) {
        size_t n = *upload_size;
        *upload_size = 0;
        if (r->answered)
            return MHD_NO;
        if (!r->too_large && r->body.len + n <= r->body.max) {
            pp_buf_add(&r->body, upload, n);
            return MHD_YES;
        }
        r->too_large = true;
        r->dropped += n;
        return r->dropped > DRAIN_MAX ? MHD_NO : MHD_YES;
    }
    if (r->answered)
        return MHD_YES;
    return answer(s, c, r, method, url);
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    struct pp_http_server *s = cls;
    struct req_state *r = *con_cls;

    (void)c;
    (void)toe;
    if (!r)
        return;
    pp_buf_release(&r->body);
    free(r);
    *con_cls = NULL;
    atomic_fetch_sub(&s->in_flight, 1);
}

enum pp_err pp_http_server_start(const struct pp_http_config *cfg, struct pp_http_server **out,
                                 struct pp_diag *d)
{
    struct pp_http_server *s;
    struct sockaddr_in addr;
    size_t n_routes;
    const union MHD_DaemonInfo *info;
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ITC;
    struct MHD_OptionItem tls_opts[3];
    bool tls = cfg->tls_cert_pem != NULL;

    pthread_once(&scratch_once, scratch_key_create);
    memset(&addr, 0, sizeof(addr));
    addr.sin_family = AF_INET;
    addr.sin_port = htons((uint16_t)cfg->port);
    if (cfg->port > 65535 || inet_pton(AF_INET, cfg->address, &addr.sin_addr) != 1)
        return pp_diag_set(d, PP_ERR_INPUT, "--listen", "expected IPv4ADDRESS:PORT, got '%s:%u'",
                           cfg->address, cfg->port);
    if (tls != (cfg->tls_key_pem != NULL))
        return pp_diag_set(d, PP_ERR_INPUT, "--tls-key", "TLS needs both a certificate and a key");
    if (tls && MHD_is_feature_supported(MHD_FEATURE_TLS) != MHD_YES)
        return pp_diag_set(d, PP_ERR_UNSUPPORTED, "--tls-cert",
                           "this libmicrohttpd was built without TLS support");
    /* the PEM texts are borrowed for the server's life (server.h) */
    tls_opts[0] = (struct MHD_OptionItem){MHD_OPTION_END, 0, NULL};
    if (tls) {
        flags |= MHD_USE_TLS;
        tls_opts[0] =
            (struct MHD_OptionItem){MHD_OPTION_HTTPS_MEM_CERT, 0, (void *)cfg->tls_cert_pem};
        tls_opts[1] =
            (struct MHD_OptionItem){MHD_OPTION_HTTPS_MEM_KEY, 0, (void *)cfg->tls_key_pem};
        tls_opts[2] = (struct MHD_OptionItem){MHD_OPTION_END, 0, NULL};
    }
    s = pp_xcalloc(1, sizeof(*s));
    s->tls = tls;
    /* before listening: what an earlier process journalled is in the chain first */
    if (pp_http_audit_start(cfg->env, &s->audit_owner, d) != PP_OK) {
        free(s);
        return PP_ERR_IO;
    }
    pp_http_routes(&n_routes);
    s->metrics = pp_http_metrics_new(n_routes);
    s->env = cfg->env;
    s->log = cfg->log;
    s->quiesced = MHD_INVALID_SOCKET;
    atomic_init(&s->in_flight, 0);
    errno = 0;
    s->daemon = MHD_start_daemon(
        flags, 0, NULL, NULL, on_request, s, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&addr,
        MHD_OPTION_THREAD_POOL_SIZE, (unsigned int)(cfg->threads ? cfg->threads : 1),
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, HEADER_POOL, MHD_OPTION_CONNECTION_TIMEOUT,
        (unsigned int)IDLE_TIMEOUT_S, MHD_OPTION_NOTIFY_COMPLETED, on_completed, s,
        MHD_OPTION_ARRAY, tls_opts, MHD_OPTION_END);
    if (!s->daemon) {
        int e = errno;
        if (s->audit_owner)
            pp_http_audit_stop();
        pp_http_metrics_free(s->metrics);
        free(s);
        if (tls && !e)
            return pp_diag_set(d, PP_ERR_INPUT, "--tls-cert",
                               "TLS refused the certificate or its key (PEM, matching pair?)");
        return pp_diag_set(d, PP_ERR_IO, "--listen", "cannot listen on %s:%u: %s", cfg->address,
                           cfg->port, e ? strerror(e) : "libmicrohttpd refused to start");
    }
    /* only once bound: a second server that fails to bind must not touch this one's files */
    pp_http_export_start(cfg->env);
    if (s->log) {
        fflush(s->log);
        (void)setvbuf(s->log, NULL, _IOFBF, LOG_BUFFER);
        pthread_mutex_init(&s->log_lock, NULL);
        pthread_cond_init(&s->log_wake, NULL);
        s->log_flushing = pthread_create(&s->log_flusher, NULL, log_flush_loop, s) == 0;
        if (!s->log_flushing)
            (void)setvbuf(s->log, NULL, _IOLBF, 0); /* no flusher: a line at a time */
    }
    info = MHD_get_daemon_info(s->daemon, MHD_DAEMON_INFO_BIND_PORT);
    s->port = info ? info->port : cfg->port;
    *out = s;
    return PP_OK;
}

unsigned pp_http_server_port(const struct pp_http_server *s)
{
    return s->port;
}

unsigned pp_http_server_drain(struct pp_http_server *s, unsigned timeout_ms)
{
    const struct timespec tick = {0, 10 * 1000 * 1000};
    unsigned waited = 0, left;

    if (s->quiesced == MHD_INVALID_SOCKET)
        s->quiesced = MHD_quiesce_daemon(s->daemon);
    while ((left = atomic_load(&s->in_flight)) > 0 && waited < timeout_ms) {
        nanosleep(&tick, NULL);
        waited += 10;
    }
    return left;
}

void pp_http_server_free(struct pp_http_server *s)
{
    if (!s)
        return;
    MHD_stop_daemon(s->daemon);
    /* no handler runs now: stop and join the bulk export jobs, remove their files */
    pp_http_export_stop();
    /* and import the reads journalled until the last request */
    if (s->audit_owner)
        pp_http_audit_stop();
    if (s->quiesced != MHD_INVALID_SOCKET)
        close(s->quiesced);
    if (s->log_flushing) {
        pthread_mutex_lock(&s->log_lock);
        s->log_stop = true;
        pthread_cond_signal(&s->log_wake);
        pthread_mutex_unlock(&s->log_lock);
        pthread_join(s->log_flusher, NULL);
        pthread_cond_destroy(&s->log_wake);
        pthread_mutex_destroy(&s->log_lock);
    }
    if (s->log)
        fflush(s->log);
    pp_http_metrics_free(s->metrics);
    free(s);
}
