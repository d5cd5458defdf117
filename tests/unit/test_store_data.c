/*
 * test_store_data.c — `painpath import` and `painpath export` over the third-party data in
 * $PP_SHARED_DATA: all of synthea-r4 and synthea-bulk-ndjson import with zero errors, and
 * an export re-imports into a fresh database with the same count per resource type.
 * Fails (never skips) when PP_SHARED_DATA is unset. Prints the counts.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store/store.h"

/* The commands under test (cli/, registered in main.c). */
int pp_cmd_import(int argc, char **argv);
int pp_cmd_export(int argc, char **argv);

static char tmpdir[64];

static const char *tmp_path(const char *name, char *buf, size_t size)
{
    snprintf(buf, size, "%s/%s", tmpdir, name);
    return buf;
}

static const char *data_dir(const char *sub, char *buf, size_t size)
{
    const char *root = getenv("PP_SHARED_DATA");
    if (!root || !*root)
        fail_msg("PP_SHARED_DATA is not set: it must name ../shared/data");
    snprintf(buf, size, "%s/%s", root, sub);
    return buf;
}

static int run_import(const char *src, const char *db)
{
    char *argv[] = {"import", (char *)src, "--db", (char *)db, NULL};
    return pp_cmd_import(4, argv);
}

/* The per-type counts of a database as "Type=n;Type=n;..." */
struct counts {
    char text[4096];
    size_t total;
};

static enum pp_err add_count(void *ctx, const char *type, size_t n)
{
    struct counts *c = ctx;
    size_t len = strlen(c->text);
    snprintf(c->text + len, sizeof(c->text) - len, "%s=%zu;", type, n);
    c->total += n;
    return PP_OK;
}

static void db_counts(const char *db, struct counts *c)
{
    struct pp_store *s = NULL;
    struct pp_diag d;
    memset(c, 0, sizeof(*c));
    assert_int_equal(pp_store_open(db, &s, &d), PP_OK);
    assert_int_equal(pp_store_types(s, add_count, c, &d), PP_OK);
    pp_store_close(s);
}

static size_t type_count(const char *db, const char *type)
{
    struct pp_store *s = NULL;
    struct pp_diag d;
    size_t n = 0;
    assert_int_equal(pp_store_open(db, &s, &d), PP_OK);
    assert_int_equal(pp_store_count(s, type, &n, &d), PP_OK);
    pp_store_close(s);
    return n;
}

/* Synthea R4: 185 transaction Bundles of 183 patients; then export and re-import. */
static void test_store__data_synthea_r4_roundtrip(void **state)
{
    char src[1024], db[160], db2[160], out[160];
    struct counts a, b;
    (void)state;
    data_dir("synthea-r4", src, sizeof(src));
    tmp_path("r4.db", db, sizeof(db));
    tmp_path("r4-again.db", db2, sizeof(db2));
    tmp_path("export", out, sizeof(out));
    assert_int_equal(run_import(src, db), 0);
    assert_int_equal(type_count(db, "Patient"), 183);
    db_counts(db, &a);
    printf("  synthea-r4 in the store: %zu resources: %s\n", a.total, a.text);
    assert_true(a.total > 50000);
    char *exp[] = {"export", out, "--db", db, NULL};
    assert_int_equal(pp_cmd_export(4, exp), 0);
    assert_int_equal(run_import(out, db2), 0);
    db_counts(db2, &b);
    assert_string_equal(a.text, b.text);
    assert_int_equal(a.total, b.total);
}

/* Synthea bulk NDJSON export: 13 patients across 13 files (log.ndjson is skipped). */
static void test_store__data_bulk_ndjson(void **state)
{
    char src[1024], db[160];
    struct counts a;
    (void)state;
    data_dir("synthea-bulk-ndjson", src, sizeof(src));
    tmp_path("bulk.db", db, sizeof(db));
    assert_int_equal(run_import(src, db), 0);
    assert_int_equal(type_count(db, "Patient"), 13);
    db_counts(db, &a);
    printf("  bulk NDJSON in the store: %zu resources: %s\n", a.total, a.text);
    assert_true(a.total > 7000);
    /* importing the same files again adds versions, not resources */
    assert_int_equal(run_import(src, db), 0);
    assert_int_equal(type_count(db, "Patient"), 13);
}

/* Remove every file in dir (one level), then dir. */
static void remove_dir(const char *dir)
{
    DIR *dp = opendir(dir);
    struct dirent *e;
    if (!dp)
        return;
    while ((e = readdir(dp))) {
        char path[512];
        if (e->d_name[0] == '.')
            continue;
        snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
        if (unlink(path) != 0)
            remove_dir(path);
    }
    closedir(dp);
    rmdir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_store__data_synthea_r4_roundtrip),
        cmocka_unit_test(test_store__data_bulk_ndjson),
    };
    size_t n = sizeof(tests) / sizeof(tests[0]);
    snprintf(tmpdir, sizeof(tmpdir), "/tmp/pp-store-data-XXXXXX");
    if (!mkdtemp(tmpdir)) {
        perror("mkdtemp");
        return 1;
    }
    int failed = cmocka_run_group_tests(tests, NULL, NULL);
    remove_dir(tmpdir);
    printf("store data: %zu passed, %d failed\n", n - (size_t)failed, failed);
    return failed ? 1 : 0;
}
