/*
 * serve.c — the server as a process: signals, the start line on stdout,
 * and the draining stop. `painpath serve` (cli/cmd_serve.c, through main.c)
 * calls pp_http_serve once its options are loaded.
 */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>

#include "http/server.h"

/* How long a stop waits for requests in flight (they take milliseconds). */
#define DRAIN_TIMEOUT_MS 10000

int pp_http_serve(const struct pp_http_config *cfg)
{
    struct pp_http_config c = *cfg;
    struct pp_http_server *srv = NULL;
    struct pp_diag d;
    sigset_t stop;
    int sig = 0;
    unsigned left;
    enum pp_err rc;

    if (!c.log)
        c.log = stderr;
    sigemptyset(&stop);
    sigaddset(&stop, SIGTERM);
    sigaddset(&stop, SIGINT);
    pthread_sigmask(SIG_BLOCK, &stop, NULL);
    signal(SIGPIPE, SIG_IGN);
    pp_diag_clear(&d);
    rc = pp_http_server_start(&c, &srv, &d);
    if (rc) {
        fprintf(stderr, "painpath serve: %s: %s\n", d.where, d.what);
        return pp_err_exit_code(rc);
    }
    printf("painpath serve: listening on %s://%s:%u/ (%u threads)\n",
           c.tls_cert_pem ? "https" : "http", c.address, pp_http_server_port(srv), c.threads);
    fflush(stdout);
    while (sigwait(&stop, &sig) != 0)
        ;
    fprintf(c.log, "painpath serve: signal %d, draining\n", sig);
    left = pp_http_server_drain(srv, DRAIN_TIMEOUT_MS);
    pp_http_server_free(srv);
    if (left) {
        fprintf(stderr, "painpath serve: %u requests still running after %d ms\n", left,
                DRAIN_TIMEOUT_MS);
        return 1;
    }
    fprintf(c.log, "painpath serve: stopped\n");
    return 0;
}
