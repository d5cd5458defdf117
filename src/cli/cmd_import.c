/*
 * cmd_import.c — `painpath import PATH... [--db PATH] [--format table|json]`: FHIR Bundles
 * (transaction, batch, collection), single resources, NDJSON files and directories of them
 * into the store. Each file is all of it or none of it (files are committed in batches, each
 * file a savepoint); a bad file is
 * reported with the JSON path of the problem and the others still load (exit 1).
 */
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "cli/cli.h"
#include "cli/common.h"
#include "fhir/load.h"
#include "store/store.h"
#include "util/buf.h"
#include "util/json.h"
#include "util/banned.h"

static const char pp_import_usage[] =
    "usage: painpath import PATH... [--db PATH] [--format table|json]\n"
    "  PATH: a FHIR JSON file (Bundle or resource), an .ndjson file, or a directory of them\n";

struct import_run {
    struct pp_store *s;
    struct pp_store_import_stats total;
    struct pp_json_scratch scratch;
    struct pp_buf text;
    size_t files, failed, bytes;
    /* imported but not yet committed */
    struct pp_store_import_stats pending;
    size_t pending_bytes, pending_files;
};

/* Import the JSON value(s) of r->text inside the open transaction; cJSON memory comes from
 * r->scratch (per file for JSON, per line for NDJSON). */
static enum pp_err import_text(struct import_run *r, const char *name, bool ndjson,
                               struct pp_store_import_stats *st, struct pp_diag *d)
{
    const char *p = r->text.data, *end = r->text.data + r->text.len;
    cJSON *root = NULL;
    enum pp_err e;
    size_t line = 0;
    if (!ndjson) {
        pp_json_scratch_enter(&r->scratch);
        if ((e = pp_json_parse_fast(p, r->text.len, name, &root, d)) == PP_OK) {
            e = pp_store_import_json(r->s, root, name, st, d);
            cJSON_Delete(root);
        }
        pp_json_scratch_leave(&r->scratch);
        return e;
    }
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);
        char where[300];
        line++;
        snprintf(where, sizeof(where), "%s line %zu", name, line);
        if (len && p[len - 1] == '\r')
            len--;
        if (len) {
            /* one scratch scope per line: memory stays that of one resource */
            pp_json_scratch_enter(&r->scratch);
            if ((e = pp_json_parse_fast(p, len, where, &root, d)) == PP_OK) {
                e = pp_store_import_json(r->s, root, where, st, d);
                cJSON_Delete(root);
            }
            pp_json_scratch_leave(&r->scratch);
            if (e != PP_OK)
                return e;
        }
        p = nl ? nl + 1 : end;
    }
    return PP_OK;
}

static bool ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcmp(s + n - m, suffix) == 0;
}

/* Files are committed together until this much input is pending: one fsync and one WAL
 * write of the pages they share instead of one per file. Each file still is all or
 * nothing (a savepoint), and nothing is reported as imported before its commit. */
#define IMPORT_BATCH_BYTES ((size_t)32 << 20)

/* Commit the pending files; on failure every one of them counts as failed. */
static void import_commit(struct import_run *r)
{
    struct pp_diag d;
    pp_diag_clear(&d);
    if (!pp_store_in_transaction(r->s))
        return;
    if (pp_store_commit(r->s, &d) == PP_OK) {
        r->bytes += r->pending_bytes;
        pp_store_import_stats_merge(&r->total, &r->pending);
    } else {
        r->failed += r->pending_files;
        pp_cli_print_diag("import", &d);
    }
    pp_store_import_stats_release(&r->pending);
    memset(&r->pending, 0, sizeof(r->pending));
    r->pending_bytes = 0;
    r->pending_files = 0;
}

/* One file, one savepoint in the batch's transaction. Failures are printed and counted. */
static void import_file(struct import_run *r, const char *path)
{
    struct pp_store_import_stats st = {0};
    struct pp_diag d;
    enum pp_err e;
    pp_diag_clear(&d);
    r->files++;
    pp_buf_reset(&r->text);
    e = pp_buf_read_file(&r->text, path, &d);
    if (e == PP_OK && !pp_store_in_transaction(r->s))
        e = pp_store_begin(r->s, &d);
    if (e == PP_OK && (e = pp_store_savepoint(r->s, &d)) == PP_OK) {
        e = import_text(r, path, ends_with(path, ".ndjson"), &st, &d);
        if (e == PP_OK) {
            e = pp_store_savepoint_release(r->s, &d);
        } else {
            struct pp_diag ignored;
            if (pp_store_savepoint_rollback(r->s, &ignored) != PP_OK)
                pp_store_rollback(r->s); /* cannot happen short of a broken database */
        }
    }
    if (e == PP_OK) {
        r->pending_bytes += r->text.len;
        r->pending_files++;
        pp_store_import_stats_merge(&r->pending, &st);
        if (r->pending_bytes >= IMPORT_BATCH_BYTES)
            import_commit(r);
    } else {
        r->failed++;
        pp_cli_print_diag("import", &d);
    }
    pp_store_import_stats_release(&st);
}

static void import_path(struct import_run *r, const char *path)
{
    struct stat sb;
    char **paths = NULL;
    size_t n = 0;
    struct pp_diag d;
    pp_diag_clear(&d);
    if (stat(path, &sb) != 0 || !S_ISDIR(sb.st_mode)) {
        import_file(r, path);
        return;
    }
    if (pp_fhir_list_dir(path, &paths, &n, NULL, &d) != PP_OK) {
        r->failed++;
        pp_cli_print_diag("import", &d);
        return;
    }
    for (size_t i = 0; i < n; i++)
        import_file(r, paths[i]);
    pp_fhir_paths_free(paths, n);
}

static double seconds_since(const struct timespec *t0)
{
    struct timespec t1;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    return (double)(t1.tv_sec - t0->tv_sec) + (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}

static void print_report(const struct import_run *r, const char *db, bool json, double secs)
{
    double mb = (double)r->bytes / 1e6;
    double rate = secs > 0 ? mb / secs : 0;
    if (json) {
        struct pp_buf b;
        pp_buf_init(&b, PP_BUF_UNLIMITED);
        pp_buf_adds(&b, "{\"db\":");
        pp_buf_add_json_str(&b, db);
        pp_buf_addf(&b, ",\"files\":%zu,\"failed\":%zu,\"resources\":%zu,\"bytes\":%zu,", r->files,
                    r->failed, r->total.resources, r->bytes);
        pp_buf_adds(&b, "\"seconds\":");
        pp_buf_add_num2(&b, secs);
        pp_buf_adds(&b, ",\"types\":{");
        for (size_t i = 0; i < r->total.n_types; i++) {
            if (i)
                pp_buf_addc(&b, ',');
            pp_buf_add_json_str(&b, r->total.types[i].type);
            pp_buf_addf(&b, ":%zu", r->total.types[i].n);
        }
        pp_buf_adds(&b, "}}\n");
        fputs(b.data, stdout);
        pp_buf_release(&b);
        return;
    }
    printf("imported into %s:\n", db);
    for (size_t i = 0; i < r->total.n_types; i++)
        printf("  %-24s %8zu\n", r->total.types[i].type, r->total.types[i].n);
    printf("  %-24s %8zu\n", "total", r->total.resources);
    printf("%zu files (%zu failed), %.1f MB in %.2f s: %.1f MB/s\n", r->files, r->failed, mb, secs,
           rate);
}

int pp_cmd_import(int argc, char **argv)
{
    const char *db = PP_STORE_DEFAULT_DB;
    struct import_run r;
    struct pp_diag d;
    struct timespec t0;
    bool json = false;
    int n_paths = 0;
    enum pp_err e;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--db") == 0 && i + 1 < argc) {
            db = argv[++i];
        } else if (strcmp(argv[i], "--format") == 0 && i + 1 < argc) {
            const char *f = argv[++i];
            if (strcmp(f, "json") != 0 && strcmp(f, "table") != 0) {
                fprintf(stderr, "painpath import: --format: expected table or json\n");
                return 2;
            }
            json = strcmp(f, "json") == 0;
        } else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            fputs(pp_import_usage, stdout);
            return 0;
        } else if (argv[i][0] == '-' && argv[i][1]) {
            fprintf(stderr, "painpath import: unexpected argument '%s'\n%s", argv[i],
                    pp_import_usage);
            return 2;
        } else {
            n_paths++;
        }
    }
    if (!n_paths) {
        fprintf(stderr, "painpath import: at least one PATH is required\n%s", pp_import_usage);
        return 2;
    }
    memset(&r, 0, sizeof(r));
    pp_diag_clear(&d);
    if ((e = pp_store_open(db, &r.s, &d)) != PP_OK) {
        pp_cli_print_diag("import", &d);
        return pp_err_exit_code(e);
    }
    pp_json_scratch_init(&r.scratch);
    pp_buf_init(&r.text, PP_FHIR_MAX_FILE);
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--db") == 0 || strcmp(argv[i], "--format") == 0)
            i++;
        else
            import_path(&r, argv[i]);
    }
    import_commit(&r);
    print_report(&r, db, json, seconds_since(&t0));
    pp_buf_release(&r.text);
    pp_json_scratch_release(&r.scratch);
    pp_store_import_stats_release(&r.total);
    pp_store_close(r.s);
    return r.failed ? 1 : 0;
}
