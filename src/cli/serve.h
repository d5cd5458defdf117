/*
 * serve.h — `painpath serve` seen from main.c: cli/ parses the options and
 * loads the policy and value sets, then hands them to a runner that main.c
 * supplies (the HTTP server), because cli/ may not include http/ (DESIGN.md:
 * main -> cli, http). The runner blocks until the server has stopped.
 */
#ifndef PP_CLI_SERVE_H
#define PP_CLI_SERVE_H

#include "clinical/drugs.h"
#include "clinical/policy.h"
#include "clinical/terms.h"
#include "store/accounts.h"
#include "util/date.h"

/* What the server needs from the command line (borrowed for the runner's call). */
struct pp_serve_config {
    const char *address; /* IPv4 address to bind, "127.0.0.1" by default */
    unsigned port;       /* 8080 by default; 0 lets the kernel pick a free port */
    unsigned threads;    /* worker threads, >= 1 (--threads 0: one per core) */
    pp_day now;          /* --now or PAINPATH_NOW; PP_DAY_NONE: today, per request */
    const struct pp_policy *policy;
    const struct pp_terms *terms;
    const struct pp_drug_codes *codes;
    const char *db_path;    /* --db, ./painpath.db by default; already opened and migrated */
    const char *export_dir; /* --export-dir (bulk $export files); NULL: "<db_path>.export" */
    const struct pp_security *security; /* defaults, then --security FILE */
    const char *tls_cert_pem;           /* --tls-cert FILE's text, or NULL: plain HTTP */
    const char *tls_key_pem;            /* --tls-key FILE's text (with --tls-cert) */
};

/* Serve until stopped; returns the process exit code (0 after a clean drain). */
typedef int (*pp_serve_runner)(const struct pp_serve_config *cfg);

/*
 * `painpath serve [--listen ADDR:PORT] [--db PATH] [--threads N] [--policy FILE]
 * [--valuesets DIR] [--now YYYY-MM-DD] [--security FILE] [--tls-cert PEM --tls-key PEM]`:
 * parse and load (a security file or PEM that cannot be read or parsed is a usage error), open the
 * store once (creating and migrating it) so that a bad database fails before listening, then return
 * run(&cfg). Usage errors and bad policy or value sets print a message and return 2 without calling
 * `run`; a database that cannot be opened returns 1 (2 when its schema is too new).
 */
int pp_cmd_serve(int argc, char **argv, pp_serve_runner run);

#endif
