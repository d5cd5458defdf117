/*
 * cmd_credential.c — `painpath credential`: a practitioner (FHIR Practitioner,
 * a Bundle with PractitionerRole privileges, or the plain JSON of
 * docs/cli-credential.md) -> qualified pain-medicine specialist or not, every
 * reason, and with --procedure whether they may perform it. No rules here.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/common.h"
#include "cli/run.h"
#include "clinical/credential.h"
#include "clinical/finding.h"
#include "fhir/practitioner.h"
#include "util/alloc.h"
#include "util/buf.h"

#define INPUT_MAX (1024 * 1024)

static const char EXAMPLE[] =
    "{\n"
    "  \"id\": \"dr-rivera\",\n"
    "  \"name\": \"Dr. Ana Rivera\",\n"
    "  \"qualifications\": [\n"
    "    {\"kind\": \"license\", \"issuer\": \"CO\", \"id\": \"DR.0061234\",\n"
    "     \"start\": \"2014-07-01\", \"end\": \"2027-04-30\"},\n"
    "    {\"kind\": \"board\", \"issuer\": \"ABA\", \"specialty\": \"anesthesiology\",\n"
    "     \"id\": \"ABA-48213\", \"start\": \"2018-10-01\", \"end\": \"2028-12-31\"},\n"
    "    {\"kind\": \"fellowship\", \"issuer\": \"ACGME\", \"specialty\": \"pain-medicine\",\n"
    "     \"start\": \"2018-07-01\", \"end\": \"2019-06-30\"},\n"
    "    {\"kind\": \"subspecialty\", \"issuer\": \"ABA\", \"specialty\": \"pain-medicine\",\n"
    "     \"id\": \"ABA-PM-9102\", \"start\": \"2019-11-01\", \"end\": \"2029-12-31\"},\n"
    "    {\"kind\": \"board\", \"issuer\": \"ABIPP\", \"specialty\": \"interventional-pain\",\n"
    "     \"start\": \"2020-01-01\"}\n"
    "  ],\n"
    "  \"privileges\": [\"esi-tf-lumbar\", \"mbb-lumbar\", \"rfa-mb-lumbar\",\n"
    "                 {\"procedure\": \"sij-injection\", \"start\": \"2020-01-01\",\n"
    "                  \"end\": \"2027-12-31\"}]\n"
    "}\n";

static void usage(FILE *out)
{
    fprintf(out,
            "usage: painpath credential [--now YYYY-MM-DD] [--example] [--format table|json]\n"
            "                           [--policy FILE] [--procedure ID] [FILE|-]\n"
            "Is this practitioner a qualified pain-medicine specialist (co-sponsoring ABMS\n"
            "primary board, ACGME pain fellowship, ABMS Pain Medicine certificate, licence)?\n"
            "Input: a FHIR Practitioner, a Bundle with Practitioner + PractitionerRole, or the\n"
            "JSON of docs/cli-credential.md; '-' or no FILE reads stdin. --procedure ID asks\n"
            "whether they hold a current privilege for a catalogue procedure.\n"
            "Exit code 0 qualified (and privileged), 1 not, 2 bad input.\n");
}

static void privileges_json(struct pp_buf *b, const struct pp_credential_input *in)
{
    char day[11];
    pp_buf_adds(b, "[");
    for (size_t i = 0; i < in->n_privileges; i++) {
        const struct pp_cred_privilege *v = &in->privileges[i];
        pp_buf_adds(b, i ? ", {\"procedure\": " : "{\"procedure\": ");
        pp_buf_add_json_str(b, v->procedure);
        pp_buf_adds(b, ", \"start\": ");
        pp_day_format(v->start, day);
        pp_cli_json_str_or_null(b, v->start == PP_DAY_NONE ? NULL : day);
        pp_buf_adds(b, ", \"end\": ");
        pp_day_format(v->end, day);
        pp_cli_json_str_or_null(b, v->end == PP_DAY_NONE ? NULL : day);
        pp_buf_adds(b, "}");
    }
    pp_buf_adds(b, "]");
}

static void out_json(struct pp_buf *b, const struct pp_credential_input *in,
                     const struct pp_credential_result *res, const char *procedure, bool allowed,
                     const struct pp_findings *f)
{
    pp_buf_adds(b, "{\"practitioner\": ");
    pp_cli_json_str_or_null(b, in->practitioner_id[0] ? in->practitioner_id : NULL);
    pp_buf_adds(b, ", \"name\": ");
    pp_cli_json_str_or_null(b, in->name[0] ? in->name : NULL);
    pp_buf_addf(b,
                ", \"qualified\": %s, \"primary_board\": %s, \"fellowship\": %s, "
                "\"pain_medicine_certificate\": %s, \"license\": %s, \"board\": ",
                res->qualified ? "true" : "false", res->primary_ok ? "true" : "false",
                res->fellowship_ok ? "true" : "false", res->subspecialty_ok ? "true" : "false",
                res->license_ok ? "true" : "false");
    pp_cli_json_str_or_null(b, res->board);
    pp_buf_adds(b, ", \"privileges\": ");
    privileges_json(b, in);
    pp_buf_adds(b, ", \"procedure\": ");
    pp_cli_json_str_or_null(b, procedure);
    pp_buf_adds(b, ", \"may_perform\": ");
    pp_buf_adds(b, procedure ? (allowed ? "true" : "false") : "null");
    pp_buf_adds(b, ", \"findings\": ");
    pp_cli_findings_json(b, f);
    pp_buf_adds(b, "}\n");
}

static void out_table(struct pp_buf *b, const struct pp_credential_input *in,
                      const struct pp_credential_result *res, const char *procedure, bool allowed,
                      const struct pp_findings *f)
{
    pp_buf_addf(b, "practitioner  %s%s%s%s\n", in->name[0] ? in->name : "(no name)",
                in->practitioner_id[0] ? " (Practitioner/" : "", in->practitioner_id,
                in->practitioner_id[0] ? ")" : "");
    pp_buf_addf(b, "qualified     %s\n",
                res->qualified ? "yes: double board certified pain-medicine specialist" : "no");
    pp_buf_addf(b, "  primary     %s%s%s\n", res->primary_ok ? "yes (" : "no",
                res->primary_ok ? res->board : "", res->primary_ok ? ")" : "");
    pp_buf_addf(b, "  fellowship  %s\n", res->fellowship_ok ? "yes" : "no");
    pp_buf_addf(b, "  pain cert   %s\n", res->subspecialty_ok ? "yes" : "no");
    pp_buf_addf(b, "  licence     %s\n", res->license_ok ? "yes" : "no");
    pp_buf_adds(b, "privileges   ");
    for (size_t i = 0; i < in->n_privileges; i++)
        pp_buf_addf(b, "%s%s", i ? ", " : " ", in->privileges[i].procedure);
    pp_buf_adds(b, in->n_privileges ? "\n" : " (none)\n");
    if (procedure)
        pp_buf_addf(b, "may perform   %s: %s\n", procedure, allowed ? "yes" : "no");
    pp_buf_adds(b, "reasons\n");
    pp_cli_findings_table(b, f);
}

static int run(const struct pp_cli_opts *o, const char *path, const char *procedure)
{
    const char *name = PP_CLI_STDIN_NAME;
    struct pp_credential_input *in = NULL;
    struct pp_credential_result res;
    struct pp_findings f;
    struct pp_diag d;
    struct pp_buf b, out;
    bool allowed = false;
    enum pp_err rc;
    int exit_code;

    pp_diag_clear(&d);
    pp_findings_init(&f);
    pp_buf_init(&b, INPUT_MAX);
    pp_buf_init(&out, PP_BUF_UNLIMITED);
    in = pp_xcalloc(1, sizeof(*in)); /* ~9 KB: off the stack */
    rc = pp_cli_read_input(path, &b, &name, &d);
    if (!rc)
        rc = pp_fhir_practitioner_read(b.data, b.len, name, in, &d);
    if (!rc) {
        rc = pp_credential_evaluate(in, o->now, &o->policy, &f, &res, &d);
        if (!rc && procedure)
            rc = pp_credential_may_perform(in, procedure, o->now, &f, &allowed, &d);
        if (rc && strcmp(d.where, "procedure") == 0)
            snprintf(d.where, sizeof(d.where), "--procedure");
        else if (rc)
            pp_diag_prefix_file(&d, name);
    }
    if (rc) {
        pp_cli_print_diag("credential", &d);
        exit_code = rc == PP_ERR_IO ? 2 : pp_err_exit_code(rc);
        goto out;
    }
    if (o->format == PP_FORMAT_JSON)
        out_json(&out, in, &res, procedure, allowed, &f);
    else
        out_table(&out, in, &res, procedure, allowed, &f);
    fwrite(out.data, 1, out.len, stdout);
    exit_code = res.qualified && (!procedure || allowed) ? 0 : 1;
out:
    free(in);
    pp_buf_release(&out);
    pp_buf_release(&b);
    pp_findings_release(&f);
    return exit_code;
}

int pp_cmd_credential(int argc, char **argv)
{
    struct pp_cli_opts o;
    const char *path = NULL, *procedure = NULL;
    int rc;

    pp_cli_opts_init(&o);
    for (int i = 1; i < argc; i++) {
        int t;
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            usage(stdout);
            rc = 0;
            goto out;
        }
        if (strcmp(argv[i], "--example") == 0) {
            fputs(EXAMPLE, stdout);
            rc = 0;
            goto out;
        }
        if (strcmp(argv[i], "--procedure") == 0) {
            if (i + 1 >= argc) {
                fprintf(stderr, "painpath credential: --procedure needs a catalogue id\n");
                rc = 2;
                goto out;
            }
            procedure = argv[++i];
            continue;
        }
        t = pp_cli_opts_take(&o, argc, argv, &i, "credential");
        if (t < 0) {
            rc = 2;
            goto out;
        }
        if (t > 0)
            continue;
        if ((argv[i][0] == '-' && argv[i][1] != '\0') || path) {
            fprintf(stderr, "painpath credential: %s '%s'\n",
                    path ? "one input only, extra argument" : "unknown option", argv[i]);
            usage(stderr);
            rc = 2;
            goto out;
        }
        path = argv[i];
    }
    if (pp_cli_opts_load(&o, "credential") != PP_OK) {
        rc = 2;
        goto out;
    }
    rc = run(&o, path, procedure);
out:
    pp_cli_opts_release(&o);
    return rc;
}
