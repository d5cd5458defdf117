/*
 * cmd_export.c — `painpath export DIR [--db PATH] [--type T]`: every live resource as
 * NDJSON, one file DIR/<Type>.ndjson per resource type (bodies as stored, creation order),
 * and a count per type on stdout. Files of the same name in DIR are replaced.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/cli.h"
#include "cli/common.h"
#include "store/store.h"
#include "util/banned.h"

static const char pp_export_usage[] = "usage: painpath export DIR [--db PATH] [--type TYPE]\n";

struct export_ctx {
    struct pp_store *s;
    const char *dir;
    FILE *out;
    size_t written, total;
    struct pp_diag *d;
};

static enum pp_err export_line(void *vctx, const struct pp_store_resource *r)
{
    struct export_ctx *c = vctx;
    if (!r->body)
        return PP_OK;
    if (fwrite(r->body, 1, r->len, c->out) != r->len || fputc('\n', c->out) == EOF)
        return pp_diag_set(c->d, PP_ERR_IO, r->meta.type, "write failed: %s", strerror(errno));
    c->written++;
    return PP_OK;
}

static enum pp_err export_type(void *vctx, const char *type, size_t count)
{
    struct export_ctx *c = vctx;
    char path[4096];
    enum pp_err e;
    int n = snprintf(path, sizeof(path), "%s/%s.ndjson", c->dir, type);
    (void)count;
    if (n < 0 || (size_t)n >= sizeof(path))
        return pp_diag_set(c->d, PP_ERR_LIMIT, c->dir, "path too long");
    if (!(c->out = fopen(path, "w")))
        return pp_diag_set(c->d, PP_ERR_IO, path, "cannot create: %s", strerror(errno));
    c->written = 0;
    e = pp_store_scan(c->s, type, export_line, c, c->d);
    if (fclose(c->out) != 0 && e == PP_OK)
        e = pp_diag_set(c->d, PP_ERR_IO, path, "write failed: %s", strerror(errno));
    c->out = NULL;
    if (e == PP_OK) {
        printf("  %-24s %8zu\n", type, c->written);
        c->total += c->written;
    }
    return e;
}

int pp_cmd_export(int argc, char **argv)
{
    const char *db = PP_STORE_DEFAULT_DB, *dir = NULL, *type = NULL;
    struct export_ctx c;
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
    memset(&c, 0, sizeof(c));
    c.s = s;
    c.dir = dir;
    c.d = &d;
    printf("exported from %s to %s:\n", db, dir);
    if (type) {
        size_t n = 0;
        e = pp_store_count(s, type, &n, &d);
        if (e == PP_OK)
            e = export_type(&c, type, n);
    } else {
        e = pp_store_types(s, export_type, &c, &d);
    }
    pp_store_close(s);
    if (e != PP_OK) {
        pp_cli_print_diag("export", &d);
        return pp_err_exit_code(e);
    }
    printf("  %-24s %8zu\n", "total", c.total);
    return 0;
}
