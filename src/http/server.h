/*
 * server.h — painpath's HTTP server: libmicrohttpd with an internal epoll
 * thread pool, the route table, capped request bodies, metrics, one log line
 * per request (method, route, status, duration — never patient data), and a
 * draining stop. Signals and option parsing belong to cli/cmd_serve.c.
 */
#ifndef PP_HTTP_SERVER_H
#define PP_HTTP_SERVER_H

#include <stdbool.h>
#include <stdio.h>

#include "http/http.h"
#include "util/err.h"

struct pp_http_config {
    const char *address;           /* IPv4 dotted quad to bind ("127.0.0.1") */
    unsigned port;                 /* 0: let the kernel pick one (see pp_http_server_port) */
    unsigned threads;              /* worker threads in the pool (>= 1) */
    const struct pp_http_env *env; /* borrowed; must outlive the server */
    FILE *log;                     /* request log (borrowed), or NULL for none */
    const char *tls_cert_pem;      /* TLS: the certificate chain (PEM text), or NULL: plain */
    const char *tls_key_pem;       /* TLS: its private key (PEM text); both or neither,
                                    * borrowed, must outlive the server */
};

struct pp_http_server;

/*
 * Bind and start serving on cfg->threads worker threads. On success *out is the server
 * (stop it with pp_http_server_drain + pp_http_server_free). Errors: PP_ERR_INPUT for an
 * address that is not IPv4, PP_ERR_IO when the socket cannot be bound (d says why),
 * PP_ERR_UNSUPPORTED when TLS is asked of a libmicrohttpd built without it, PP_ERR_INPUT when
 * the certificate or key is refused. With TLS every answer carries Strict-Transport-Security.
 */
PP_MUST_CHECK enum pp_err pp_http_server_start(const struct pp_http_config *cfg,
                                               struct pp_http_server **out, struct pp_diag *d);

/* The port actually bound (differs from cfg->port when that was 0). */
unsigned pp_http_server_port(const struct pp_http_server *s);

/*
 * Stop accepting connections and wait until the requests already begun have been answered,
 * or `timeout_ms` has passed. Returns how many requests were still in flight (0 = drained).
 * Idle keep-alive connections do not count; pp_http_server_free closes them.
 */
unsigned pp_http_server_drain(struct pp_http_server *s, unsigned timeout_ms);

/* Stop the worker threads, close every connection and free the server. NULL is a no-op. */
void pp_http_server_free(struct pp_http_server *s);

/*
 * Run a server until SIGTERM or SIGINT: block both signals (the worker threads inherit the
 * mask), ignore SIGPIPE, start with `cfg` (its log is stderr when NULL), print "painpath
 * serve: listening on http[s]://ADDR:PORT/ (N threads)" on stdout, wait for a signal, drain for
 * up to ten seconds and stop. Returns the exit code: 0 after a clean drain; 2 for an address
 * that is not IPv4 and 1 when it cannot be bound (message on stderr); 1 when requests were
 * still running after the drain.
 */
int pp_http_serve(const struct pp_http_config *cfg);

#endif
