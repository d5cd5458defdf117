/*
 * cmd_serve.c — `painpath serve`: parse the options, load the policy and
 * value sets, and hand them to the runner main.c supplies (the HTTP server,
 * http/server.h pp_http_serve). The only place the server's `now` is read
 * from the environment (PAINPATH_NOW, for tests).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/common.h"
#include "cli/serve.h"
#include "store/store.h"

static void usage(FILE *out)
{
    fprintf(out,
            "usage: painpath serve [--listen ADDR:PORT] [--db PATH] [--threads N]\n"
            "                      [--policy FILE] [--valuesets DIR] [--now YYYY-MM-DD]\n"
            "                      [--export-dir DIR]\n"
            "Serve FHIR R4 REST on the store (/fhir/{type}...), CDS Hooks (/cds-services),\n"
            "FHIR operations (/fhir/Patient/$mme, $evaluate), /fhir/metadata, /healthz and\n"
            "/metrics. --db: the database, created and migrated if needed (default\n"
            "./" PP_STORE_DEFAULT_DB "). ADDR is IPv4; default 127.0.0.1:8080;\n"
            "PORT 0 picks a free port. --threads 0 (default) means one per core.\n"
            "--export-dir: where bulk $export jobs write their NDJSON files (default\n"
            "PATH.export beside the database; job directories left there are removed at start).\n"
            "The clinical date is today (UTC) per request, or --now, or PAINPATH_NOW=YYYY-MM-DD.\n"
            "SIGTERM or SIGINT: finish the requests in flight and exit 0.\n");
}

/* "ADDR:PORT" -> addr (NUL-terminated copy, `cap` bytes) and port. */
static bool parse_listen(const char *v, char *addr, size_t cap, unsigned *port)
{
    const char *colon = strrchr(v, ':');
    char *end;
    unsigned long p;

    if (!colon || colon == v || (size_t)(colon - v) >= cap || colon[1] == '\0')
        return false;
    p = strtoul(colon + 1, &end, 10);
    if (*end != '\0' || p > 65535)
        return false;
    memcpy(addr, v, (size_t)(colon - v));
    addr[colon - v] = '\0';
    *port = (unsigned)p;
    return true;
}

int pp_cmd_serve(int argc, char **argv, pp_serve_runner run)
{
    struct pp_cli_opts o;
    char addr[64] = "127.0.0.1";
    const char *db = PP_STORE_DEFAULT_DB;
    const char *export_dir = NULL;
    unsigned port = 8080;
    pp_day now = PP_DAY_NONE;
    const char *env_now = getenv("PAINPATH_NOW");
    int rc;

    pp_cli_opts_init(&o);
    for (int i = 1; i < argc; i++) {
        int t;
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            usage(stdout);
            rc = 0;
            goto out;
        }
        if (strcmp(argv[i], "--listen") == 0 || strncmp(argv[i], "--listen=", 9) == 0) {
            const char *v = argv[i][8] == '=' ? argv[i] + 9 : (i + 1 < argc ? argv[++i] : NULL);
            if (!v || !parse_listen(v, addr, sizeof(addr), &port)) {
                fprintf(stderr, "painpath serve: --listen: expected ADDR:PORT, got '%s'\n",
                        v ? v : "");
                rc = 2;
                goto out;
            }
            continue;
        }
        if (strcmp(argv[i], "--db") == 0 || strncmp(argv[i], "--db=", 5) == 0) {
            const char *v = argv[i][4] == '=' ? argv[i] + 5 : (i + 1 < argc ? argv[++i] : NULL);
            if (!v || !*v) {
                fprintf(stderr, "painpath serve: --db: expected a file path\n");
                rc = 2;
                goto out;
            }
            db = v;
            continue;
        }
        if (strcmp(argv[i], "--export-dir") == 0 || strncmp(argv[i], "--export-dir=", 13) == 0) {
            const char *v = argv[i][12] == '=' ? argv[i] + 13 : (i + 1 < argc ? argv[++i] : NULL);
            if (!v || !*v) {
                fprintf(stderr, "painpath serve: --export-dir: expected a directory\n");
                rc = 2;
                goto out;
            }
            export_dir = v;
            continue;
        }
        t = pp_cli_opts_take(&o, argc, argv, &i, "serve");
        if (t < 0) {
            rc = 2;
            goto out;
        }
        if (t == 0) {
            fprintf(stderr, "painpath serve: unknown argument '%s'\n", argv[i]);
            usage(stderr);
            rc = 2;
            goto out;
        }
    }
    if (o.now != PP_DAY_NONE) {
        now = o.now;
    } else if (env_now && *env_now) {
        struct pp_diag d;
        if (strlen(env_now) != 10 || pp_day_parse(env_now, 10, &now, &d) != PP_OK) {
            fprintf(stderr, "painpath serve: PAINPATH_NOW: expected a date YYYY-MM-DD, got '%s'\n",
                    env_now);
            rc = 2;
            goto out;
        }
    }
    if (pp_cli_opts_load(&o, "serve")) {
        rc = 2;
        goto out;
    }
    {
        /* open and migrate once here: a bad path or a too-new schema fails before listening;
         * each worker thread then opens its own connection */
        struct pp_store *st = NULL;
        struct pp_diag d;
        enum pp_err e;
        pp_diag_clear(&d);
        e = pp_store_open(db, &st, &d);
        pp_store_close(st);
        if (e) {
            fprintf(stderr, "painpath serve: %s: %s\n", db, d.what);
            rc = e == PP_ERR_UNSUPPORTED ? 2 : 1;
            goto out;
        }
    }
    {
        long cores = sysconf(_SC_NPROCESSORS_ONLN);
        struct pp_serve_config cfg = {addr,     port,     1,  now,       &o.policy,
                                      &o.terms, &o.codes, db, export_dir};
        if (o.threads > 0)
            cfg.threads = (unsigned)o.threads;
        else if (cores > 0)
            cfg.threads = (unsigned)cores;
        rc = run(&cfg);
    }
out:
    pp_cli_opts_release(&o);
    return rc;
}
