/*
 * cmd_export.c — `painpath export DIR [--db PATH] [--type T]`: every live resource as
 * NDJSON, one file DIR/<Type>.ndjson per resource type (bodies as stored, creation order),
 * and a count per type on stdout. Files of the same name in DIR are replaced. The files are
 * written by store/export.c (shared with the server's bulk $export) from one read snapshot.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/cli.h"
#include "cli/common.h"
#include "store/export.h"
#include "store/store.h"
#include "util/banned.h"

static const char pp_export_usage[] = "usage: painpath export DIR [--db PATH] [--type TYPE]\n";

int pp_cmd_export(int argc, char **argv)
{
    const char *db = PP_STORE_DEFAULT_DB, *dir = NULL, *type = NULL;
    struct pp_export_spec spec;
    struct pp_export_result res = {0};
    struct pp_store *s;
    struct pp_diag d;
    enum pp_err e;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--db") == 0 && i + 1 < argc) {
            db = argv[++i];
        } else if (strcmp(argv[i], "--type") == 0 && i + 1 < argc) {
            type = argv[++i];
        } else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            fputs(pp_export_usage, stdout);
            return 0;
        } else if (argv[i][0] != '-' && !dir) {
            dir = argv[i];
        } else {
            fprintf(stderr, "painpath export: unexpected argument '%s'\n%s", argv[i],
                    pp_export_usage);
            return 2;
        }
    }
    if (!dir) {
        fprintf(stderr, "painpath export: DIR is required\n%s", pp_export_usage);
        return 2;
    }
    if (type && !pp_store_valid_type(type)) {
        fprintf(stderr, "painpath export: --type: expected a resource type name\n");
        return 2;
    }
    if (mkdir(dir, 0755) != 0 && errno != EEXIST) {
        fprintf(stderr, "painpath export: %s: cannot create: %s\n", dir, strerror(errno));
        return 1;
    }
    pp_diag_clear(&d);
    if ((e = pp_store_open(db, &s, &d)) != PP_OK) {
        pp_cli_print_diag("export", &d);
        return pp_err_exit_code(e);
    }
    pp_export_spec_init(&spec);
    if (type) {
        /* a named type gets its file even when empty */
        snprintf(spec.types[0], sizeof(spec.types[0]), "%s", type);
        spec.n_types = 1;
        spec.keep_empty = true;
    }
    printf("exported from %s to %s:\n", db, dir);
    /* one snapshot: a server writing meanwhile does not tear the export */
    e = pp_store_begin_read(s, &d);
    if (e == PP_OK)
        e = pp_store_export(s, dir, &spec, NULL, NULL, &res, &d);
    if (pp_store_in_transaction(s))
        pp_store_rollback(s);
    pp_store_close(s);
    if (e != PP_OK) {
        pp_export_result_release(&res);
        pp_cli_print_diag("export", &d);
        return pp_err_exit_code(e);
    }
    for (size_t i = 0; i < res.n_files; i++)
        printf("  %-24s %8zu\n", res.files[i].type, res.files[i].count);
    printf("  %-24s %8zu\n", "total", res.total);
    pp_export_result_release(&res);
    return 0;
}
