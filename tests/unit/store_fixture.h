/*
 * store_fixture.h — what the store's unit tests share: a per-suite temporary directory,
 * database paths inside it, opening a store there, and raw SQL on the file (to tamper with
 * it or read what the store wrote). Include after <cmocka.h>.
 */
#ifndef PP_TEST_STORE_FIXTURE_H
#define PP_TEST_STORE_FIXTURE_H

#include <stdio.h>

#include <sqlite3.h>

#include "store/store.h"

/* The suite's temporary directory (its setup fills it with mkdtemp). */
static char tmpdir[64];

/* tmpdir/name; four results may be in use at once. */
static inline const char *db_path(const char *name)
{
    static char path[4][160];
    static int next;
    char *p = path[next++ % 4];
    snprintf(p, 160, "%s/%s", tmpdir, name);
    return p;
}

/* The store at tmpdir/name, created and migrated if needed; fails the test otherwise. */
static inline struct pp_store *open_db(const char *name)
{
    struct pp_store *s = NULL;
    struct pp_diag d;
    pp_diag_clear(&d);
    if (pp_store_open(db_path(name), &s, &d) != PP_OK)
        fail_msg("open %s: %s: %s", name, d.where, d.what);
    return s;
}

/* Run sql on the database file directly; fails the test when it fails. */
static inline void sql_on(const char *name, const char *sql)
{
    sqlite3 *db;
    char *err = NULL;
    assert_int_equal(sqlite3_open(db_path(name), &db), SQLITE_OK);
    if (sqlite3_exec(db, sql, NULL, NULL, &err) != SQLITE_OK)
        fail_msg("%s: %s", sql, err ? err : "?");
    sqlite3_close(db);
}

/* The first column of the first row of sql on the database file (-1: no row). */
static inline int sql_int(const char *name, const char *sql)
{
    sqlite3 *db;
    sqlite3_stmt *st;
    int v = -1;
    assert_int_equal(sqlite3_open(db_path(name), &db), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
    if (sqlite3_step(st) == SQLITE_ROW)
        v = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    sqlite3_close(db);
    return v;
}

#endif
