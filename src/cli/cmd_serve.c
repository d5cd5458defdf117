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
            "                      [--export-dir DIR] [--security FILE]\n"
            "                      [--tls-cert PEM --tls-key PEM]\n"
            "Serve FHIR R4 REST on the store (/fhir/{type}...), CDS Hooks (/cds-services),\n"
            "FHIR operations (/fhir/Patient/$mme, $evaluate), /fhir/metadata, /healthz and\n"
            "/metrics. --db: the database, created and migrated if needed (default\n"
            "./" PP_STORE_DEFAULT_DB "). ADDR is IPv4; default 127.0.0.1:8080;\n"
            "PORT 0 picks a free port. --threads 0 (default) means one per core.\n"
            "--export-dir: where bulk $export jobs write their NDJSON files (default\n"
            "PATH.export beside the database; job directories left there are removed at start).\n"
            "--security: a JSON object overriding the security settings (session idle\n"
            "timeout, lockout, login rate limits, Argon2id cost; docs/SECURITY.md).\n"
            "--tls-cert/--tls-key: serve HTTPS with this certificate chain and private key\n"
            "(PEM files); every answer then carries Strict-Transport-Security.\n"
            "The clinical date is today (UTC) per request, or --now, or PAINPATH_NOW=YYYY-MM-DD.\n"
            "SIGTERM or SIGINT: finish the requests in flight and exit 0.\n");
}

/* Certificates, keys and the security file are small; a larger file is a mistake. */
#define SERVE_FILE_MAX ((size_t)1 << 20)

/* Read `path` (option `opt`) whole into b; prints the error. */
static bool read_option_file(const char *opt, const char *path, struct pp_buf *b)
{
    struct pp_diag d;
    pp_diag_clear(&d);
    if (pp_buf_read_file(b, path, &d) != PP_OK) {
        fprintf(stderr, "painpath serve: %s: cannot read '%s': %s\n", opt, path, d.what);
        return false;
    }
    return true;
}

/* The value of option `name` at argv[*i] ("--name V" or "--name=V"), advancing *i; NULL when
 * argv[*i] is not that option; *missing when it is but has no value. */
static const char *option_value(int argc, char **argv, int *i, const char *name, bool *missing)
{
    size_t n = strlen(name);
    const char *a = argv[*i];
    *missing = false;
    if (strncmp(a, name, n) != 0 || (a[n] != '\0' && a[n] != '='))
        return NULL;
    if (a[n] == '=')
        return a + n + 1;
    if (*i + 1 < argc)
        return argv[++*i];
    *missing = true;
    return NULL;
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
    const char *security_file = NULL, *cert_file = NULL, *key_file = NULL;
    struct pp_security security;
    struct pp_buf sec_text, cert, key;
    int rc;

    pp_cli_opts_init(&o);
    pp_security_defaults(&security);
    pp_buf_init(&sec_text, SERVE_FILE_MAX);
    pp_buf_init(&cert, SERVE_FILE_MAX);
    pp_buf_init(&key, SERVE_FILE_MAX);
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
        {
            static const char *const file_opts[] = {"--security", "--tls-cert", "--tls-key"};
            const char **dest[] = {&security_file, &cert_file, &key_file};
            bool taken = false;
            for (size_t k = 0; k < 3 && !taken; k++) {
                bool missing;
                const char *v = option_value(argc, argv, &i, file_opts[k], &missing);
                if (!v && !missing)
                    continue;
                if (!v || !*v) {
                    fprintf(stderr, "painpath serve: %s: expected a file path\n", file_opts[k]);
                    rc = 2;
                    goto out;
                }
                *dest[k] = v;
                taken = true;
            }
            if (taken)
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
    if (security_file) {
        struct pp_diag d;
        pp_diag_clear(&d);
        if (!read_option_file("--security", security_file, &sec_text)) {
            rc = 2;
            goto out;
        }
        if (pp_security_load_json(&security, sec_text.data, sec_text.len, security_file, &d)) {
            /* d.where already starts with the file's name */
            fprintf(stderr, "painpath serve: --security: %s%s%s\n", d.where[0] ? d.where : "",
                    d.where[0] ? ": " : "", d.what);
            rc = 2;
            goto out;
        }
    }
    if ((cert_file == NULL) != (key_file == NULL)) {
        fprintf(stderr, "painpath serve: --tls-cert and --tls-key go together\n");
        rc = 2;
        goto out;
    }
    if (cert_file && (!read_option_file("--tls-cert", cert_file, &cert) ||
                      !read_option_file("--tls-key", key_file, &key))) {
        rc = 2;
        goto out;
    }
    if (cert_file && (!strstr(cert.data, "-----BEGIN CERTIFICATE-----") ||
                      !strstr(key.data, "PRIVATE KEY-----"))) {
        fprintf(stderr, "painpath serve: %s\n",
                !strstr(cert.data, "-----BEGIN CERTIFICATE-----")
                    ? "--tls-cert: not a PEM certificate (-----BEGIN CERTIFICATE-----)"
                    : "--tls-key: not a PEM private key (-----BEGIN ... PRIVATE KEY-----)");
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
        struct pp_serve_config cfg = {addr,
                                      port,
                                      1,
                                      now,
                                      &o.policy,
                                      &o.terms,
                                      &o.codes,
                                      db,
                                      export_dir,
                                      &security,
                                      cert_file ? cert.data : NULL,
                                      cert_file ? key.data : NULL};
        if (o.threads > 0)
            cfg.threads = (unsigned)o.threads;
        else if (cores > 0)
            cfg.threads = (unsigned)cores;
        rc = run(&cfg);
    }
out:
    pp_buf_release(&sec_text);
    pp_buf_release(&cert);
    pp_buf_release(&key);
    pp_cli_opts_release(&o);
    return rc;
}
