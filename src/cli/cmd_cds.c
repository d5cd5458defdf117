/*
 * cmd_cds.c — `painpath cds SERVICE < request.json`: run one CDS Hooks service
 * (opioid, pain-summary, procedure-order-sign, imaging-order-select) on a request
 * read from stdin and print the response; `painpath cds --list` prints the
 * discovery document. The CLI has no store: a prefetch key the service declares
 * and the request lacks is read as no data (the server fetches it instead). A bad
 * request prints nothing on stdout and exits 2; cards are not a failure (exit 0).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/common.h"
#include "clinical/finding.h"
#include "fhir/cds_response.h"
#include "util/buf.h"
#include "util/json.h"

/* A CDS Hooks request with its prefetch is at most a few megabytes; cap what we read. */
#define CDS_REQUEST_MAX ((size_t)64 << 20)

static void usage(FILE *out)
{
    size_t n;
    const struct pp_cds_service *s = pp_cds_services(&n);

    fprintf(out, "usage: painpath cds SERVICE [--now YYYY-MM-DD] [--policy FILE] [--valuesets DIR]"
                 " < request.json\n"
                 "       painpath cds --list\n"
                 "Run a CDS Hooks service on the request read from stdin and print its cards.\n"
                 "A prefetch key the service declares and the request lacks is read as no data\n"
                 "(the server completes it from its store). Services:\n");
    for (size_t i = 0; i < n; i++)
        fprintf(out, "  %-22s %s\n", s[i].id, s[i].hook);
}

static int run(const struct pp_cds_service *svc, const struct pp_cli_opts *o)
{
    struct pp_buf in, out;
    struct pp_findings fs;
    struct pp_diag d;
    struct pp_cds_env env = {o->now, &o->policy, &o->terms, &o->codes};
    cJSON *root = NULL;
    const char *name;
    enum pp_err rc;

    pp_buf_init(&in, CDS_REQUEST_MAX);
    pp_buf_init(&out, PP_BUF_UNLIMITED);
    pp_findings_init(&fs);
    pp_diag_clear(&d);
    rc = pp_cli_read_input(NULL, &in, &name, &d);
    if (!rc)
        rc = pp_json_parse(in.data, in.len, name, &root, &d);
    if (!rc)
        rc = pp_cds_service_run(svc, root, name, &env, &fs, &out, &d);
    if (!rc)
        rc = pp_buf_status(&out);
    if (rc)
        pp_cli_print_diag("cds", &d);
    else
        fwrite(out.data, 1, out.len, stdout);
    cJSON_Delete(root);
    pp_findings_release(&fs);
    pp_buf_release(&out);
    pp_buf_release(&in);
    return rc ? pp_err_exit_code(rc) : 0;
}

int pp_cmd_cds(int argc, char **argv)
{
    struct pp_cli_opts o;
    const char *service = NULL;
    bool list = false;
    int rc;

    pp_cli_opts_init(&o);
    for (int i = 1; i < argc; i++) {
        int t;
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            usage(stdout);
            rc = 0;
            goto out;
        }
        if (strcmp(argv[i], "--list") == 0) {
            list = true;
            continue;
        }
        t = pp_cli_opts_take(&o, argc, argv, &i, "cds");
        if (t < 0) {
            rc = 2;
            goto out;
        }
        if (t > 0)
            continue;
        if (argv[i][0] == '-' && argv[i][1] != '\0') {
            fprintf(stderr, "painpath cds: unknown option '%s'\n", argv[i]);
            usage(stderr);
            rc = 2;
            goto out;
        }
        if (service) {
            fprintf(stderr, "painpath cds: one service at a time ('%s' and '%s')\n", service,
                    argv[i]);
            rc = 2;
            goto out;
        }
        service = argv[i];
    }
    if (list) {
        struct pp_buf b;
        if (service) {
            fprintf(stderr, "painpath cds: --list takes no service\n");
            rc = 2;
            goto out;
        }
        pp_buf_init(&b, PP_BUF_UNLIMITED);
        pp_cds_discovery_write(&b);
        fwrite(b.data, 1, b.len, stdout);
        pp_buf_release(&b);
        rc = 0;
        goto out;
    }
    if (!service) {
        fprintf(stderr, "painpath cds: no service given\n");
        usage(stderr);
        rc = 2;
        goto out;
    }
    if (!pp_cds_service_find(service)) {
        fprintf(stderr, "painpath cds: unknown service '%s'\n", service);
        usage(stderr);
        rc = 2;
        goto out;
    }
    if (pp_cli_opts_load(&o, "cds")) {
        rc = 2;
        goto out;
    }
    rc = run(pp_cds_service_find(service), &o);
out:
    pp_cli_opts_release(&o);
    return rc;
}
