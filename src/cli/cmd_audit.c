/*
 * cmd_audit.c — `painpath audit verify [--db PATH]`: walk the audit chain (exit 0 whole,
 * 1 naming the first broken record); `painpath audit list [--db PATH] [--patient ID]
 * [--agent NAME] [--limit N] [--format table|json]`: the records, newest first, for an
 * administrator at the console. Reads the database directly (never through the server),
 * after importing the read-audit journal a stopped server left behind.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/common.h"
#include "store/audit.h"
#include "store/store.h"
#include "util/buf.h"
#include "util/banned.h"

static const char pp_audit_usage[] =
    "usage: painpath audit verify [--db PATH]\n"
    "       painpath audit list [--db PATH] [--patient ID] [--agent NAME] [--limit N]\n"
    "                           [--format table|json]\n"
    "verify: exit 0 when the chain is whole, 1 naming the first broken record.\n";

static int open_existing(const char *db, struct pp_store **s)
{
    struct pp_diag d;
    enum pp_err e;
    long damaged = 0;
    bool busy = false;
    if (access(db, F_OK) != 0) {
        fprintf(stderr, "painpath audit: %s: no such database\n", db);
        return 2;
    }
    pp_diag_clear(&d);
    if ((e = pp_store_open(db, s, &d)) != PP_OK) {
        pp_cli_print_diag("audit", &d);
        return pp_err_exit_code(e);
    }
    /* reads a stopped server journalled but did not import (store/audit.h) come first; a
     * running server owns its journal and imports it itself */
    if ((e = pp_store_audit_import_leftovers(*s, &busy, &damaged, &d)) != PP_OK) {
        pp_cli_print_diag("audit", &d);
        pp_store_close(*s);
        return pp_err_exit_code(e);
    }
    if (damaged)
        fprintf(stderr, "painpath audit: %ld damaged line(s) of the read-audit journal skipped\n",
                damaged);
    return 0;
}

static int verify(const char *db)
{
    struct pp_store *s;
    struct pp_diag d;
    long checked, bad;
    char why[160];
    enum pp_err e;
    int rc = open_existing(db, &s);
    if (rc)
        return rc;
    pp_diag_clear(&d);
    e = pp_store_audit_verify(s, &checked, &bad, why, &d);
    pp_store_close(s);
    if (e != PP_OK) {
        pp_cli_print_diag("audit verify", &d);
        return 1;
    }
    if (bad) {
        printf("%s: audit chain BROKEN at record %ld: %s (%ld records checked)\n", db, bad, why,
               checked);
        return 1;
    }
    printf("%s: %ld records, chain intact\n", db, checked);
    return 0;
}

struct listing {
    enum pp_cli_format format;
    size_t n;
};

static void json_field(const char *name, const char *v, bool last)
{
    struct pp_buf b;
    pp_buf_init(&b, 4096);
    pp_buf_add_json_str(&b, v);
    printf("\"%s\": %s%s", name, b.data ? b.data : "\"\"", last ? "" : ", ");
    pp_buf_release(&b);
}

static enum pp_err print_record(void *ctx, const struct pp_audit_record *r)
{
    struct listing *l = ctx;
    if (l->format == PP_FORMAT_JSON) {
        printf("%s{\"seq\": %ld, ", l->n ? ",\n  " : "\n  ", r->seq);
        json_field("at", r->at, false);
        json_field("agent", r->agent, false);
        json_field("role", r->role, false);
        json_field("client", r->client, false);
        json_field("action", r->action, false);
        json_field("type", r->resource_type, false);
        json_field("id", r->resource_id, false);
        json_field("patient", r->patient, false);
        json_field("outcome", r->outcome, false);
        json_field("reason", r->reason, true);
        printf("}");
    } else {
        char what[200];
        snprintf(what, sizeof(what), "%s%s%s", r->resource_type, r->resource_id[0] ? "/" : "",
                 r->resource_id);
        printf("%-6ld %-24s %-16s %-11s %-15s %-12s %-32s %-16s %s\n", r->seq, r->at,
               r->agent[0] ? r->agent : "-", r->role[0] ? r->role : "-",
               r->client[0] ? r->client : "-", r->action, what[0] ? what : "-",
               r->patient[0] ? r->patient : "-", r->outcome);
    }
    l->n++;
    return PP_OK;
}

static int list(const char *db, struct pp_audit_query *q, enum pp_cli_format format)
{
    struct pp_store *s;
    struct pp_diag d;
    struct listing l = {format, 0};
    size_t total = 0;
    enum pp_err e;
    int rc = open_existing(db, &s);
    if (rc)
        return rc;
    if (format == PP_FORMAT_TABLE)
        printf("%-6s %-24s %-16s %-11s %-15s %-12s %-32s %-16s %s\n", "SEQ", "AT", "AGENT", "ROLE",
               "CLIENT", "ACTION", "WHAT", "PATIENT", "OUTCOME");
    else
        printf("{\"records\": [");
    pp_diag_clear(&d);
    e = pp_store_audit_search(s, q, print_record, &l, &total, &d);
    pp_store_close(s);
    if (e != PP_OK) {
        if (format == PP_FORMAT_JSON)
            printf("]}\n");
        pp_cli_print_diag("audit list", &d);
        return pp_err_exit_code(e);
    }
    if (format == PP_FORMAT_JSON)
        printf("%s], \"total\": %zu}\n", l.n ? "\n" : "", total);
    else
        printf("(%zu of %zu records)\n", l.n, total);
    return 0;
}

int pp_cmd_audit(int argc, char **argv)
{
    const char *db = PP_STORE_DEFAULT_DB;
    enum pp_cli_format format = PP_FORMAT_TABLE;
    struct pp_audit_query q;
    const char *sub;

    memset(&q, 0, sizeof(q));
    q.count = 100;
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        fputs(pp_audit_usage, argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    sub = argv[1];
    if (strcmp(sub, "verify") != 0 && strcmp(sub, "list") != 0) {
        fprintf(stderr, "painpath audit: unknown subcommand '%s'\n%s", sub, pp_audit_usage);
        return 2;
    }
    for (int i = 2; i < argc; i++) {
        const char *a = argv[i];
        bool has = i + 1 < argc;
        bool is_list = sub[0] == 'l';
        if (strcmp(a, "--db") == 0 && has) {
            db = argv[++i];
        } else if (is_list && strcmp(a, "--patient") == 0 && has) {
            q.patient = argv[++i];
        } else if (is_list && strcmp(a, "--agent") == 0 && has) {
            q.agent = argv[++i];
        } else if (is_list && strcmp(a, "--limit") == 0 && has) {
            char *end;
            q.count = strtol(argv[++i], &end, 10);
            if (*end || q.count <= 0) {
                fprintf(stderr, "painpath audit: --limit takes a whole number > 0\n");
                return 2;
            }
        } else if (is_list && strcmp(a, "--format") == 0 && has) {
            const char *f = argv[++i];
            if (strcmp(f, "json") == 0) {
                format = PP_FORMAT_JSON;
            } else if (strcmp(f, "table") != 0) {
                fprintf(stderr, "painpath audit: --format takes table or json\n");
                return 2;
            }
        } else if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            fputs(pp_audit_usage, stdout);
            return 0;
        } else {
            fprintf(stderr, "painpath audit %s: unexpected argument '%s'\n%s", sub, a,
                    pp_audit_usage);
            return 2;
        }
    }
    return sub[0] == 'v' ? verify(db) : list(db, &q, format);
}
