/*
 * sqlite.c — the SQLite backend of store.h: WAL, synchronous=FULL, foreign keys, a busy
 * timeout, one connection per struct pp_store (one per thread), every SQL text a static
 * const char[] prepared once per connection and reused, every write one transaction.
 */
#include <assert.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sqlite3.h>

#include "fhir/load.h"
#include "store/search_params.h"
#include "store/store.h"
#include "store/store_int.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/json.h"
#include "util/banned.h"

/* How long a connection waits for another's write lock before giving up (ms). */
#define PP_STORE_BUSY_MS 10000

enum pp_stmt {
    S_BEGIN,
    S_BEGIN_READ,
    S_COMMIT,
    S_ROLLBACK,
    S_LOOKUP,
    S_INS_RES,
    S_UPD_RES,
    S_INS_VER,
    S_DEL_IDX,
    S_INS_IDX,
    S_READ,
    S_VREAD,
    S_HISTORY,
    S_INC_REFS,
    S_REV_PATIENT,
    S_REV,
    S_IDXVER_GET,
    S_IDXVER_SET,
    S_REINDEX_CLEAR,
    S_REINDEX_ALL,
    S_COUNT,
    S_TYPES,
    S_SCAN,
    S_SCAN_COMPARTMENT,
    S_PATIENT,
    S_FEEDBACK,
    S_SCHEMA_GET,
    S_SCHEMA_SET,
    S_COUNT_STMTS
};

/* Columns 0-5 as row_resource reads them, then 6 rid and 7 patient (for _include). */
#define PP_SEARCH_SELECT                                                                           \
    "SELECT r.type, r.id, v.version, v.last_updated, v.deleted, v.body, r.rid, r.patient"          \
    " FROM resource r JOIN resource_version v ON v.rid = r.rid AND v.version = r.version"

static const char *const pp_sql[S_COUNT_STMTS] = {
    [S_BEGIN] = "BEGIN IMMEDIATE",
    [S_BEGIN_READ] = "BEGIN DEFERRED",
    [S_COMMIT] = "COMMIT",
    [S_ROLLBACK] = "ROLLBACK",
    [S_LOOKUP] = "SELECT rid, version, deleted FROM resource WHERE type = ?1 AND id = ?2",
    [S_INS_RES] = "INSERT INTO resource (type, id, version, last_updated, deleted, patient)"
                  " VALUES (?1, ?2, 1, ?3, 0, ?4)",
    [S_UPD_RES] = "UPDATE resource SET version = ?2, last_updated = ?3, deleted = ?4,"
                  " patient = ?5 WHERE rid = ?1",
    [S_INS_VER] = "INSERT INTO resource_version (rid, version, last_updated, deleted, body)"
                  " VALUES (?1, ?2, ?3, ?4, ?5)",
    [S_DEL_IDX] = "DELETE FROM search_index WHERE rid = ?1",
    [S_INS_IDX] = "INSERT OR IGNORE INTO search_index (rid, param, system, value, lo, hi)"
                  " VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    [S_READ] = PP_SEARCH_SELECT " WHERE r.type = ?1 AND r.id = ?2",
    [S_VREAD] = "SELECT r.type, r.id, v.version, v.last_updated, v.deleted, v.body, r.rid,"
                " r.patient FROM resource r JOIN resource_version v ON v.rid = r.rid"
                " WHERE r.type = ?1 AND r.id = ?2 AND v.version = ?3",
    [S_HISTORY] = "SELECT r.type, r.id, v.version, v.last_updated, v.deleted, v.body, r.rid,"
                  " r.patient FROM resource r JOIN resource_version v ON v.rid = r.rid"
                  " WHERE r.type = ?1 AND r.id = ?2 ORDER BY v.version DESC",
    [S_INC_REFS] = "SELECT value FROM search_index WHERE rid = ?1 AND param = ?2 ORDER BY value",
    [S_REV_PATIENT] = PP_SEARCH_SELECT " WHERE r.patient = ?1 AND r.type = ?2 AND r.deleted = 0"
                                       " ORDER BY r.rid",
    [S_REV] = PP_SEARCH_SELECT " WHERE r.rid IN (SELECT i.rid FROM search_index i"
                               " WHERE i.param = ?1 AND i.value = ?2)"
                               " AND r.type = ?3 AND r.deleted = 0 ORDER BY r.rid",
    [S_IDXVER_GET] = "SELECT coalesce(max(version), 0) FROM search_index_version",
    [S_IDXVER_SET] = "UPDATE search_index_version SET version = ?1",
    [S_REINDEX_CLEAR] = "DELETE FROM search_index",
    [S_REINDEX_ALL] = "SELECT r.rid, r.type, v.body FROM resource r JOIN resource_version v"
                      " ON v.rid = r.rid AND v.version = r.version WHERE r.deleted = 0"
                      " ORDER BY r.rid",
    [S_COUNT] = "SELECT count(*) FROM resource WHERE deleted = 0 AND (?1 IS NULL OR type = ?1)",
    [S_TYPES] = "SELECT type, count(*) FROM resource WHERE deleted = 0 GROUP BY type"
                " ORDER BY type",
    [S_SCAN] = PP_SEARCH_SELECT " WHERE r.type = ?1 AND r.deleted = 0 ORDER BY r.rid",
    [S_SCAN_COMPARTMENT] = PP_SEARCH_SELECT
    " WHERE r.type = ?1 AND r.deleted = 0 AND r.patient IN"
    " (SELECT p.id FROM resource p WHERE p.type = 'Patient' AND p.deleted = 0) ORDER BY r.rid",
    [S_PATIENT] = PP_SEARCH_SELECT " WHERE r.patient = ?1 AND r.deleted = 0"
                                   " UNION ALL " PP_SEARCH_SELECT
                                   " WHERE r.type = 'Medication' AND r.deleted = 0"
                                   " AND (r.patient IS NULL OR r.patient <> ?1)",
    [S_FEEDBACK] = "INSERT INTO cds_feedback (received, service, card, outcome,"
                   " outcome_timestamp, body) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    [S_SCHEMA_GET] = "SELECT coalesce(max(version), 0) FROM schema_version",
    [S_SCHEMA_SET] = "INSERT INTO schema_version (version, applied_at) VALUES (?1, ?2)",
};

/* Connection settings, then the bookkeeping table of the migrations (no parameters). */
/* cache_size: 64 MiB of page cache per connection (negative = KiB), so bulk imports and
 * index lookups stay in memory instead of re-reading pages with pread. */
static const char pp_sql_pragmas[] = "PRAGMA journal_mode = WAL;"
                                     "PRAGMA synchronous = FULL;"
                                     "PRAGMA foreign_keys = ON;"
                                     "PRAGMA cache_size = -65536;"
                                     "PRAGMA temp_store = MEMORY;";
static const char pp_sql_schema_table[] = "CREATE TABLE IF NOT EXISTS schema_version ("
                                          " version INTEGER PRIMARY KEY,"
                                          " applied_at TEXT NOT NULL)";

/* Prepared searches kept per connection, by SQL text (the shape of a query). */
#define PP_STORE_SHAPES 16
struct shape {
    char *sql;
    sqlite3_stmt *st;
};

/* How many statements the other store files may keep prepared per connection. */
#define PP_STORE_EXTRA_STMTS 128

struct pp_store {
    sqlite3 *db;
    sqlite3_stmt *stmt[S_COUNT_STMTS];
    struct shape shapes[PP_STORE_SHAPES];
    int next_shape;
    bool in_tx;
    int schema;
    struct pp_buf scratch; /* index extraction scratch */
    char *path;            /* the database file, as opened */
    /* statements of the other store files (pp_store_stmt), keyed by their SQL's address */
    struct {
        const char *sql;
        sqlite3_stmt *st;
    } extra[PP_STORE_EXTRA_STMTS];
    uint64_t step_ns; /* time spent in sqlite3_step since the last pp_store_take_timing */
    uint64_t steps;
};

static enum pp_err reindex_if_stale(struct pp_store *s, struct pp_diag *d);

static uint64_t mono_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

/* sqlite3_step, timed for the server's database metrics. */
static int step(struct pp_store *s, sqlite3_stmt *st)
{
    uint64_t t0 = mono_ns();
    int rc = sqlite3_step(st);
    s->step_ns += mono_ns() - t0;
    s->steps++;
    return rc;
}

void pp_store_take_timing(struct pp_store *s, uint64_t *ns, uint64_t *steps)
{
    *ns = s->step_ns;
    *steps = s->steps;
    s->step_ns = 0;
    s->steps = 0;
}

static enum pp_err db_error(struct pp_store *s, struct pp_diag *d, const char *where)
{
    return pp_diag_set(d, PP_ERR_IO, where, "database: %s", sqlite3_errmsg(s->db));
}

/* The prepared statement `k`, reset and with its bindings cleared; NULL after a diag. */
static sqlite3_stmt *stmt_get(struct pp_store *s, enum pp_stmt k, struct pp_diag *d)
{
    if (!s->stmt[k]) {
        if (sqlite3_prepare_v3(s->db, pp_sql[k], -1, SQLITE_PREPARE_PERSISTENT, &s->stmt[k],
                               NULL) != SQLITE_OK) {
            (void)db_error(s, d, "prepare");
            return NULL;
        }
    } else {
        sqlite3_reset(s->stmt[k]);
        sqlite3_clear_bindings(s->stmt[k]);
    }
    return s->stmt[k];
}

/* Bind a string or NULL. */
static void bind_text(sqlite3_stmt *st, int i, const char *v)
{
    if (v)
        sqlite3_bind_text(st, i, v, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(st, i);
}

/* Run a statement that returns no rows. */
static enum pp_err stmt_done(struct pp_store *s, sqlite3_stmt *st, struct pp_diag *d,
                             const char *where)
{
    int rc = step(s, st);
    enum pp_err e = rc == SQLITE_DONE ? PP_OK : db_error(s, d, where);
    sqlite3_reset(st);
    return e;
}

static enum pp_err exec_simple(struct pp_store *s, enum pp_stmt k, struct pp_diag *d)
{
    sqlite3_stmt *st = stmt_get(s, k, d);
    return st ? stmt_done(s, st, d, pp_sql[k]) : PP_ERR_IO;
}

bool pp_store_valid_id(const char *s)
{
    size_t n = 0;
    if (!s)
        return false;
    for (; s[n]; n++) {
        char c = s[n];
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '.'))
            return false;
    }
    return n >= 1 && n <= PP_STORE_ID_MAX;
}

bool pp_store_valid_type(const char *s)
{
    size_t n = 0;
    if (!s || !((s[0] >= 'A' && s[0] <= 'Z') || (s[0] >= 'a' && s[0] <= 'z')))
        return false;
    for (; s[n]; n++) {
        char c = s[n];
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')))
            return false;
    }
    return n <= PP_STORE_TYPE_MAX;
}

void pp_store_new_uuid(char out[37])
{
    static const char hex[] = "0123456789abcdef";
    unsigned char r[16];
    size_t o = 0;
    sqlite3_randomness((int)sizeof(r), r);
    r[6] = (unsigned char)((r[6] & 0x0f) | 0x40); /* version 4 */
    r[8] = (unsigned char)((r[8] & 0x3f) | 0x80); /* RFC 4122 variant */
    for (size_t i = 0; i < sizeof(r); i++) {
        if (i == 4 || i == 6 || i == 8 || i == 10)
            out[o++] = '-';
        out[o++] = hex[r[i] >> 4];
        out[o++] = hex[r[i] & 15];
    }
    out[o] = '\0';
}

/* Now as "YYYY-MM-DDThh:mm:ss.mmmZ" (UTC). */
static void now_iso(char out[32])
{
    struct timespec ts;
    struct tm tm;
    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    /* each field reduced to its width so the text always fits */
    snprintf(out, 32, "%04u-%02u-%02uT%02u:%02u:%02u.%03uZ", (unsigned)(tm.tm_year + 1900) % 10000u,
             (unsigned)(tm.tm_mon + 1) % 100u, (unsigned)tm.tm_mday % 100u,
             (unsigned)tm.tm_hour % 100u, (unsigned)tm.tm_min % 100u, (unsigned)tm.tm_sec % 100u,
             (unsigned)(ts.tv_nsec / 1000000) % 1000u);
}

static enum pp_err migrate(struct pp_store *s, struct pp_diag *d)
{
    int n = 0;
    const char *const *mig = pp_store_migrations(&n);
    char *err = NULL;
    sqlite3_stmt *st;
    enum pp_err e;
    if (sqlite3_exec(s->db, pp_sql_schema_table, NULL, NULL, &err) != SQLITE_OK) {
        e = pp_diag_set(d, PP_ERR_IO, "schema_version", "database: %s", err ? err : "?");
        sqlite3_free(err);
        return e;
    }
    if ((e = pp_store_begin(s, d)) != PP_OK)
        return e;
    if (!(st = stmt_get(s, S_SCHEMA_GET, d)))
        goto fail_io;
    if (step(s, st) != SQLITE_ROW) {
        (void)db_error(s, d, "schema_version");
        goto fail_io;
    }
    s->schema = sqlite3_column_int(st, 0);
    sqlite3_reset(st);
    if (s->schema > n) {
        pp_store_rollback(s);
        return pp_diag_set(d, PP_ERR_UNSUPPORTED, "schema_version",
                           "the database has schema version %d; this painpath knows up to %d "
                           "(upgrade painpath)",
                           s->schema, n);
    }
    for (int v = s->schema + 1; v <= n; v++) {
        char now[32];
        if (sqlite3_exec(s->db, mig[v - 1], NULL, NULL, &err) != SQLITE_OK) {
            pp_diag_set(d, PP_ERR_INTERNAL, "migration", "migration %d failed: %s", v,
                        err ? err : "?");
            sqlite3_free(err);
            pp_store_rollback(s);
            return PP_ERR_INTERNAL;
        }
        if (!(st = stmt_get(s, S_SCHEMA_SET, d)))
            goto fail_io;
        now_iso(now);
        sqlite3_bind_int(st, 1, v);
        sqlite3_bind_text(st, 2, now, -1, SQLITE_TRANSIENT);
        if (stmt_done(s, st, d, "schema_version") != PP_OK)
            goto fail_io;
        s->schema = v;
    }
    return pp_store_commit(s, d);
fail_io:
    pp_store_rollback(s);
    return PP_ERR_IO;
}

enum pp_err pp_store_open(const char *path, struct pp_store **out, struct pp_diag *d)
{
    struct pp_store *s = pp_xcalloc(1, sizeof(*s));
    char *err = NULL;
    enum pp_err e;
    *out = NULL;
    pp_buf_init(&s->scratch, PP_BUF_UNLIMITED);
    if (sqlite3_open_v2(path, &s->db,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                        NULL) != SQLITE_OK) {
        e = pp_diag_set(d, PP_ERR_IO, path, "cannot open the database: %s",
                        s->db ? sqlite3_errmsg(s->db) : "out of memory");
        pp_store_close(s);
        return e;
    }
    s->path = pp_xstrdup(path);
    sqlite3_busy_timeout(s->db, PP_STORE_BUSY_MS);
    if (sqlite3_exec(s->db, pp_sql_pragmas, NULL, NULL, &err) != SQLITE_OK) {
        e = pp_diag_set(d, PP_ERR_IO, path, "cannot open the database: %s", err ? err : "?");
        sqlite3_free(err);
        pp_store_close(s);
        return e;
    }
    if ((e = migrate(s, d)) != PP_OK || (e = reindex_if_stale(s, d)) != PP_OK) {
        pp_store_close(s);
        return e;
    }
    *out = s;
    return PP_OK;
}

void pp_store_close(struct pp_store *s)
{
    if (!s)
        return;
    if (s->in_tx)
        pp_store_rollback(s);
    for (int i = 0; i < S_COUNT_STMTS; i++)
        sqlite3_finalize(s->stmt[i]);
    for (int i = 0; i < PP_STORE_SHAPES; i++) {
        sqlite3_finalize(s->shapes[i].st);
        free(s->shapes[i].sql);
    }
    for (int i = 0; i < PP_STORE_EXTRA_STMTS; i++)
        sqlite3_finalize(s->extra[i].st);
    sqlite3_close(s->db);
    pp_buf_release(&s->scratch);
    free(s->path);
    free(s);
}

int pp_store_schema_version(const struct pp_store *s)
{
    return s->schema;
}

int pp_store_schema_latest(void)
{
    int n = 0;
    (void)pp_store_migrations(&n);
    return n;
}

enum pp_err pp_store_begin(struct pp_store *s, struct pp_diag *d)
{
    enum pp_err e;
    if (s->in_tx)
        return pp_diag_set(d, PP_ERR_INTERNAL, "transaction", "a transaction is already open");
    if ((e = exec_simple(s, S_BEGIN, d)) == PP_OK)
        s->in_tx = true;
    return e;
}

enum pp_err pp_store_begin_read(struct pp_store *s, struct pp_diag *d)
{
    enum pp_err e;
    if (s->in_tx)
        return pp_diag_set(d, PP_ERR_INTERNAL, "transaction", "a transaction is already open");
    if ((e = exec_simple(s, S_BEGIN_READ, d)) == PP_OK)
        s->in_tx = true;
    return e;
}

enum pp_err pp_store_commit(struct pp_store *s, struct pp_diag *d)
{
    enum pp_err e;
    if (!s->in_tx)
        return pp_diag_set(d, PP_ERR_INTERNAL, "transaction", "no transaction is open");
    e = exec_simple(s, S_COMMIT, d);
    if (e != PP_OK)
        pp_store_rollback(s);
    s->in_tx = false;
    return e;
}

void pp_store_rollback(struct pp_store *s)
{
    struct pp_diag ignored;
    if (!s->in_tx)
        return;
    for (int i = 0; i < S_COUNT_STMTS; i++)
        if (s->stmt[i])
            sqlite3_reset(s->stmt[i]);
    for (int i = 0; i < PP_STORE_SHAPES; i++)
        if (s->shapes[i].st)
            sqlite3_reset(s->shapes[i].st);
    if (sqlite3_get_autocommit(s->db) == 0)
        (void)exec_simple(s, S_ROLLBACK, &ignored);
    s->in_tx = false;
}

bool pp_store_in_transaction(const struct pp_store *s)
{
    return s->in_tx;
}

enum pp_err pp_store_end_own(struct pp_store *s, bool own, enum pp_err e, struct pp_diag *d)
{
    if (!own)
        return e;
    if (e != PP_OK) {
        pp_store_rollback(s);
        return e;
    }
    return pp_store_commit(s, d);
}

/* Drop the index rows of rid. */
static enum pp_err clear_index(struct pp_store *s, sqlite3_int64 rid, struct pp_diag *d)
{
    sqlite3_stmt *st = stmt_get(s, S_DEL_IDX, d);
    if (!st)
        return PP_ERR_IO;
    sqlite3_bind_int64(st, 1, rid);
    return stmt_done(s, st, d, "search_index");
}

/*
 * Store `version` of rid (body NULL: a deletion) and, when `move` is set, point the
 * resource row at it. S_UPD_RES and S_INS_VER bind the same five values.
 */
static enum pp_err put_version(struct pp_store *s, sqlite3_int64 rid, long version, const char *now,
                               const char *patient, const char *body, bool move, struct pp_diag *d)
{
    static const enum pp_stmt which[2] = {S_UPD_RES, S_INS_VER};
    enum pp_err e;
    for (int i = move ? 0 : 1; i < 2; i++) {
        sqlite3_stmt *st = stmt_get(s, which[i], d);
        if (!st)
            return PP_ERR_IO;
        sqlite3_bind_int64(st, 1, rid);
        sqlite3_bind_int64(st, 2, version);
        bind_text(st, 3, now);
        sqlite3_bind_int(st, 4, body == NULL);
        bind_text(st, 5, i == 0 ? patient : body);
        if ((e = stmt_done(s, st, d, i == 0 ? "resource" : "resource_version")) != PP_OK)
            return e;
    }
    return PP_OK;
}

/* ---- index rows ---------------------------------------------------------------------- */

/* One index row; lo/hi are bound only for date rows (has_range). */
static enum pp_err index_row(struct pp_store *s, sqlite3_int64 rid, const char *key,
                             const char *system, const char *value, bool has_range, int64_t lo,
                             int64_t hi, struct pp_diag *d)
{
    sqlite3_stmt *st;
    if (!value || !*value)
        return PP_OK;
    if (!(st = stmt_get(s, S_INS_IDX, d)))
        return PP_ERR_IO;
    sqlite3_bind_int64(st, 1, rid);
    sqlite3_bind_text(st, 2, key, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, system ? system : "", -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, value, -1, SQLITE_STATIC);
    if (has_range) {
        sqlite3_bind_int64(st, 5, lo);
        sqlite3_bind_int64(st, 6, hi);
    }
    return stmt_done(s, st, d, key);
}

/* What one parameter's extraction writes to. */
struct index_ctx {
    struct pp_store *s;
    sqlite3_int64 rid;
    const struct pp_search_param *p;
    struct pp_diag *d;
    size_t rows;
};

static enum pp_err index_string(struct index_ctx *x, const char *text)
{
    char *norm;
    enum pp_err e;
    if (!text || !*text)
        return PP_OK;
    norm = pp_search_string_norm(text);
    /* the normalised text is searched; the text as written answers :exact */
    e = index_row(x->s, x->rid, x->p->key, text, norm, false, 0, 0, x->d);
    free(norm);
    x->rows++;
    return e;
}

/* One element value at the end of a path, indexed as x->p's type says. */
static enum pp_err index_leaf(struct index_ctx *x, const cJSON *v)
{
    const cJSON *c;
    enum pp_err e = PP_OK;
    char ref[PP_STORE_TYPE_MAX + PP_STORE_ID_MAX + 2];
    switch (x->p->type) {
    case PP_SP_TOKEN:
        if (cJSON_IsString(v))
            e = index_row(x->s, x->rid, x->p->key, NULL, v->valuestring, false, 0, 0, x->d);
        else if (cJSON_IsBool(v))
            e = index_row(x->s, x->rid, x->p->key, NULL, cJSON_IsTrue(v) ? "true" : "false", false,
                          0, 0, x->d);
        else if (pp_json_arr(v, "coding"))
            cJSON_ArrayForEach(c, pp_json_arr(v, "coding"))
            {
                if ((e = index_row(x->s, x->rid, x->p->key, pp_json_str(c, "system"),
                                   pp_json_str(c, "code"), false, 0, 0, x->d)))
                    return e;
            }
        else if (pp_json_str(v, "code"))
            e = index_row(x->s, x->rid, x->p->key, pp_json_str(v, "system"), pp_json_str(v, "code"),
                          false, 0, 0, x->d);
        else
            e = index_row(x->s, x->rid, x->p->key, pp_json_str(v, "system"),
                          pp_json_str(v, "value"), false, 0, 0, x->d);
        break;
    case PP_SP_REFERENCE: {
        const char *text = cJSON_IsString(v) ? v->valuestring : pp_json_str(v, "reference");
        if (!text)
            break;
        if (pp_search_ref_norm(text, ref, sizeof(ref))) {
            char type[PP_STORE_TYPE_MAX + 1];
            size_t tl = strcspn(ref, "/");
            memcpy(type, ref, tl);
            type[tl] = '\0';
            if (!pp_search_param_targets(x->p, type))
                break;
            text = ref;
        } else if (!cJSON_IsString(v)) {
            break; /* contained, urn:uuid: nothing to search by */
        }
        e = index_row(x->s, x->rid, x->p->key, NULL, text, false, 0, 0, x->d);
        break;
    }
    case PP_SP_DATE: {
        int64_t lo = PP_SP_DATE_MIN, hi = PP_SP_DATE_MAX, l2, h2;
        const char *text = NULL;
        if (cJSON_IsString(v)) {
            text = v->valuestring;
            if (!pp_search_date_range(text, &lo, &hi))
                break;
        } else {
            const char *start = pp_json_str(v, "start"), *end = pp_json_str(v, "end");
            if (start && pp_search_date_range(start, &lo, &h2))
                text = start;
            if (end && pp_search_date_range(end, &l2, &hi))
                text = text ? text : end;
            if (!text)
                break;
        }
        e = index_row(x->s, x->rid, x->p->key, NULL, text, true, lo, hi, x->d);
        break;
    }
    case PP_SP_STRING:
        if (cJSON_IsString(v))
            return index_string(x, v->valuestring);
        /* HumanName, Address: every part but use / type */
        cJSON_ArrayForEach(c, v)
        {
            const cJSON *item;
            if (!c->string || strcmp(c->string, "use") == 0 || strcmp(c->string, "type") == 0)
                continue;
            if (cJSON_IsString(c) && (e = index_string(x, c->valuestring)))
                return e;
            if (cJSON_IsArray(c))
                cJSON_ArrayForEach(item, c)
                {
                    if (cJSON_IsString(item) && (e = index_string(x, item->valuestring)))
                        return e;
                }
        }
        break;
    }
    x->rows++;
    return e;
}

/* Walk the dotted path (len bytes) from v, through arrays, to its leaves. */
static enum pp_err index_path(struct index_ctx *x, const cJSON *v, const char *path, size_t len)
{
    const cJSON *c;
    enum pp_err e;
    char step[64];
    size_t sl;
    if (!v)
        return PP_OK;
    if (cJSON_IsArray(v)) {
        cJSON_ArrayForEach(c, v)
        {
            if ((e = index_path(x, c, path, len)))
                return e;
        }
        return PP_OK;
    }
    if (len == 0)
        return index_leaf(x, v);
    sl = 0;
    while (sl < len && path[sl] != '.')
        sl++;
    if (sl >= sizeof(step) || !cJSON_IsObject(v))
        return PP_OK;
    memcpy(step, path, sl);
    step[sl] = '\0';
    c = cJSON_GetObjectItemCaseSensitive(v, step);
    return index_path(x, c, sl < len ? path + sl + 1 : path + sl, sl < len ? len - sl - 1 : 0);
}

/* Write the index rows of `res` (of `type`) as its parameter table says; `fresh`: rid has no
 * rows yet (a new resource, or a re-index), so nothing is deleted first. */
static enum pp_err index_resource(struct pp_store *s, sqlite3_int64 rid, const char *type,
                                  const cJSON *res, bool fresh, struct pp_diag *d)
{
    size_t n;
    const struct pp_search_param *params = pp_search_params(type, &n);
    enum pp_err e;
    if (!fresh && (e = clear_index(s, rid, d)) != PP_OK)
        return e;
    for (size_t i = 0; i < n; i++) {
        struct index_ctx x = {s, rid, &params[i], d, 0};
        const char *path = params[i].paths;
        /* only the parameter that owns its key writes rows */
        if (!path || strcmp(params[i].key, params[i].name) != 0)
            continue;
        while (*path) {
            size_t len = strcspn(path, "|");
            if ((e = index_path(&x, res, path, len)) != PP_OK)
                return e;
            if (x.rows && (params[i].flags & PP_SP_FIRST_PATH))
                break;
            path += len + (path[len] == '|');
        }
    }
    return PP_OK;
}

void pp_store_patient_of(const char *type, const cJSON *res, char out[PP_STORE_ID_MAX + 1])
{
    static const char *const keys[] = {"subject", "patient", "beneficiary"};
    out[0] = '\0';
    if (strcmp(type, "Patient") == 0) {
        snprintf(out, PP_STORE_ID_MAX + 1, "%s", pp_json_str(res, "id"));
        return;
    }
    for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
        const char *ref = pp_json_str(pp_json_obj(res, keys[i]), "reference");
        const char *p = ref ? strstr(ref, "Patient/") : NULL;
        if (p && (p == ref || p[-1] == '/')) {
            p += strlen("Patient/");
            if (pp_store_valid_id(p)) {
                snprintf(out, PP_STORE_ID_MAX + 1, "%s", p);
                return;
            }
        }
    }
}

/* Set res.meta.versionId and res.meta.lastUpdated. */
static void set_meta(cJSON *res, long version, const char *when)
{
    char v[24];
    cJSON *meta = cJSON_GetObjectItemCaseSensitive(res, "meta");
    if (!cJSON_IsObject(meta)) {
        cJSON_DeleteItemFromObjectCaseSensitive(res, "meta");
        meta = cJSON_AddObjectToObject(res, "meta");
    }
    snprintf(v, sizeof(v), "%ld", version);
    cJSON_DeleteItemFromObjectCaseSensitive(meta, "versionId");
    cJSON_DeleteItemFromObjectCaseSensitive(meta, "lastUpdated");
    cJSON_AddStringToObject(meta, "versionId", v);
    cJSON_AddStringToObject(meta, "lastUpdated", when);
}

static void set_id(cJSON *res, const char *id)
{
    cJSON *old = cJSON_GetObjectItemCaseSensitive(res, "id");
    if (cJSON_IsString(old) && strcmp(old->valuestring, id) == 0)
        return;
    cJSON_DeleteItemFromObjectCaseSensitive(res, "id");
    cJSON_AddStringToObject(res, "id", id);
}

/* Write a new version of type/id (body from res). Runs inside the caller's transaction. */
static enum pp_err write_version(struct pp_store *s, const char *type, const char *id, cJSON *res,
                                 long if_match, struct pp_store_meta *meta, struct pp_diag *d)
{
    sqlite3_stmt *st;
    sqlite3_int64 rid = 0;
    long version = 1;
    bool exists = false, was_deleted = false;
    char now[32], patient[PP_STORE_ID_MAX + 1];
    char *body;
    enum pp_err e;
    if (!(st = stmt_get(s, S_LOOKUP, d)))
        return PP_ERR_IO;
    bind_text(st, 1, type);
    bind_text(st, 2, id);
    int rc = step(s, st);
    if (rc == SQLITE_ROW) {
        exists = true;
        rid = sqlite3_column_int64(st, 0);
        version = (long)sqlite3_column_int64(st, 1) + 1;
        was_deleted = sqlite3_column_int(st, 2) != 0;
    } else if (rc != SQLITE_DONE) {
        return db_error(s, d, "resource");
    }
    sqlite3_reset(st);
    if (if_match > 0 && (!exists || was_deleted || if_match != version - 1)) {
        if (meta) {
            meta->conflict = true;
            meta->version = exists ? version - 1 : 0;
        }
        return pp_diag_set(d, PP_ERR_INPUT, "If-Match",
                           "version %ld is not the current version of %s/%s", if_match, type, id);
    }
    now_iso(now);
    set_id(res, id);
    set_meta(res, version, now);
    pp_store_patient_of(type, res, patient);
    if (!exists) {
        if (!(st = stmt_get(s, S_INS_RES, d)))
            return PP_ERR_IO;
        bind_text(st, 1, type);
        bind_text(st, 2, id);
        bind_text(st, 3, now);
        bind_text(st, 4, patient[0] ? patient : NULL);
        if ((e = stmt_done(s, st, d, "resource")) != PP_OK)
            return e;
        rid = sqlite3_last_insert_rowid(s->db);
    }
    body = cJSON_PrintUnformatted(res);
    if (!body)
        return pp_diag_set(d, PP_ERR_INTERNAL, type, "cannot serialise the resource");
    e = put_version(s, rid, version, now, patient[0] ? patient : NULL, body, exists, d);
    cJSON_free(body);
    if (e != PP_OK)
        return e;
    if ((e = index_resource(s, rid, type, res, !exists, d)) != PP_OK)
        return e;
    if (meta) {
        snprintf(meta->type, sizeof(meta->type), "%s", type);
        snprintf(meta->id, sizeof(meta->id), "%s", id);
        meta->version = version;
        snprintf(meta->last_updated, sizeof(meta->last_updated), "%s", now);
        meta->deleted = false;
        meta->conflict = false;
    }
    return PP_OK;
}

/* Run write_version in the caller's transaction or its own. */
static enum pp_err write_tx(struct pp_store *s, const char *type, const char *id, cJSON *res,
                            long if_match, struct pp_store_meta *meta, struct pp_diag *d)
{
    bool own = !s->in_tx;
    enum pp_err e;
    if (own && (e = pp_store_begin(s, d)) != PP_OK)
        return e;
    e = write_version(s, type, id, res, if_match, meta, d);
    return pp_store_end_own(s, own, e, d);
}

static enum pp_err resource_type(const cJSON *res, const char **type, struct pp_diag *d)
{
    *type = pp_json_str(res, "resourceType");
    if (!cJSON_IsObject(res))
        return pp_diag_set(d, PP_ERR_INPUT, "", "expected a JSON object (a FHIR resource)");
    if (!pp_store_valid_type(*type))
        return pp_diag_set(d, PP_ERR_INPUT, "resourceType", "expected a resource type name");
    return PP_OK;
}

enum pp_err pp_store_create(struct pp_store *s, cJSON *res, struct pp_store_meta *meta,
                            struct pp_diag *d)
{
    const char *type;
    char id[37];
    enum pp_err e;
    if ((e = resource_type(res, &type, d)) != PP_OK)
        return e;
    pp_store_new_uuid(id);
    char t[PP_STORE_TYPE_MAX + 1];
    snprintf(t, sizeof(t), "%s", type);
    return write_tx(s, t, id, res, 0, meta, d);
}

enum pp_err pp_store_update(struct pp_store *s, cJSON *res, long if_match,
                            struct pp_store_meta *meta, struct pp_diag *d)
{
    const char *type, *id;
    char t[PP_STORE_TYPE_MAX + 1], i[PP_STORE_ID_MAX + 1];
    enum pp_err e;
    if (meta)
        meta->conflict = false;
    if ((e = resource_type(res, &type, d)) != PP_OK)
        return e;
    id = pp_json_str(res, "id");
    if (!pp_store_valid_id(id))
        return pp_diag_set(d, PP_ERR_INPUT, "id",
                           "expected a FHIR id (1-64 letters, digits, '-' or '.')");
    /* copies: writing replaces res.id and may free the strings type and id point into */
    snprintf(t, sizeof(t), "%s", type);
    snprintf(i, sizeof(i), "%s", id);
    return write_tx(s, t, i, res, if_match, meta, d);
}

enum pp_err pp_store_delete(struct pp_store *s, const char *type, const char *id,
                            struct pp_store_meta *meta, struct pp_diag *d)
{
    sqlite3_stmt *st;
    sqlite3_int64 rid;
    long version;
    char now[32];
    bool own = !s->in_tx;
    enum pp_err e;
    if (own && (e = pp_store_begin(s, d)) != PP_OK)
        return e;
    if (!(st = stmt_get(s, S_LOOKUP, d))) {
        e = PP_ERR_IO;
        goto out;
    }
    bind_text(st, 1, type);
    bind_text(st, 2, id);
    int rc = step(s, st);
    if (rc != SQLITE_ROW) {
        e = rc == SQLITE_DONE ? pp_diag_set(d, PP_ERR_NOT_FOUND, "id", "no %s/%s", type, id)
                              : db_error(s, d, "resource");
        sqlite3_reset(st);
        goto out;
    }
    rid = sqlite3_column_int64(st, 0);
    version = (long)sqlite3_column_int64(st, 1);
    bool gone = sqlite3_column_int(st, 2) != 0;
    sqlite3_reset(st);
    if (meta) {
        memset(meta, 0, sizeof(*meta));
        snprintf(meta->type, sizeof(meta->type), "%s", type);
        snprintf(meta->id, sizeof(meta->id), "%s", id);
        meta->deleted = true;
        meta->version = version;
    }
    e = PP_OK;
    if (gone)
        goto out;
    version++;
    now_iso(now);
    if ((e = put_version(s, rid, version, now, NULL, NULL, true, d)) != PP_OK ||
        (e = clear_index(s, rid, d)) != PP_OK)
        goto out;
    if (meta) {
        meta->version = version;
        snprintf(meta->last_updated, sizeof(meta->last_updated), "%s", now);
    }
out:
    return pp_store_end_own(s, own, e, d);
}

/* Fill r from a row of (type, id, version, last_updated, deleted, body). */
static void row_resource(sqlite3_stmt *st, struct pp_store_resource *r)
{
    const char *t = (const char *)sqlite3_column_text(st, 0);
    const char *i = (const char *)sqlite3_column_text(st, 1);
    const char *lu = (const char *)sqlite3_column_text(st, 3);
    memset(r, 0, sizeof(*r));
    snprintf(r->meta.type, sizeof(r->meta.type), "%s", t ? t : "");
    snprintf(r->meta.id, sizeof(r->meta.id), "%s", i ? i : "");
    r->meta.version = (long)sqlite3_column_int64(st, 2);
    snprintf(r->meta.last_updated, sizeof(r->meta.last_updated), "%s", lu ? lu : "");
    r->meta.deleted = sqlite3_column_int(st, 4) != 0;
    r->body = (const char *)sqlite3_column_text(st, 5);
    r->len = (size_t)sqlite3_column_bytes(st, 5);
    if (sqlite3_column_count(st) > 7) {
        const char *p = (const char *)sqlite3_column_text(st, 7);
        snprintf(r->meta.patient, sizeof(r->meta.patient), "%s", p ? p : "");
    }
}

/* One row of a read statement -> caller-owned body. */
static enum pp_err read_one(struct pp_store *s, sqlite3_stmt *st, const char *type, const char *id,
                            char **body, struct pp_store_meta *meta, struct pp_diag *d)
{
    struct pp_store_resource r;
    int rc = step(s, st);
    *body = NULL;
    if (meta)
        memset(meta, 0, sizeof(*meta));
    if (rc == SQLITE_DONE) {
        sqlite3_reset(st);
        return pp_diag_set(d, PP_ERR_NOT_FOUND, "id", "no %s/%s", type, id);
    }
    if (rc != SQLITE_ROW) {
        enum pp_err e = db_error(s, d, "resource");
        sqlite3_reset(st);
        return e;
    }
    row_resource(st, &r);
    if (meta)
        *meta = r.meta;
    if (r.meta.deleted || !r.body) {
        sqlite3_reset(st);
        return pp_diag_set(d, PP_ERR_NOT_FOUND, "id", "%s/%s was deleted", type, id);
    }
    *body = pp_xstrndup(r.body, r.len);
    sqlite3_reset(st);
    return PP_OK;
}

enum pp_err pp_store_read(struct pp_store *s, const char *type, const char *id, char **body,
                          struct pp_store_meta *meta, struct pp_diag *d)
{
    sqlite3_stmt *st = stmt_get(s, S_READ, d);
    *body = NULL;
    if (!st)
        return PP_ERR_IO;
    bind_text(st, 1, type);
    bind_text(st, 2, id);
    return read_one(s, st, type, id, body, meta, d);
}

enum pp_err pp_store_vread(struct pp_store *s, const char *type, const char *id, long version,
                           char **body, struct pp_store_meta *meta, struct pp_diag *d)
{
    sqlite3_stmt *st = stmt_get(s, S_VREAD, d);
    *body = NULL;
    if (!st)
        return PP_ERR_IO;
    bind_text(st, 1, type);
    bind_text(st, 2, id);
    sqlite3_bind_int64(st, 3, version);
    return read_one(s, st, type, id, body, meta, d);
}

/* Step st to the end, calling fn per row; *rows counts them (may be NULL). */
static enum pp_err walk(struct pp_store *s, sqlite3_stmt *st, pp_store_each_fn fn, void *ctx,
                        size_t *rows, struct pp_diag *d)
{
    struct pp_store_resource r;
    enum pp_err e = PP_OK;
    size_t n = 0;
    int rc;
    while ((rc = step(s, st)) == SQLITE_ROW) {
        row_resource(st, &r);
        n++;
        if ((e = fn(ctx, &r)) != PP_OK)
            break;
    }
    if (e == PP_OK && rc != SQLITE_DONE)
        e = db_error(s, d, "resource");
    sqlite3_reset(st);
    if (rows)
        *rows = n;
    return e;
}

enum pp_err pp_store_history(struct pp_store *s, const char *type, const char *id,
                             pp_store_each_fn fn, void *ctx, struct pp_diag *d)
{
    sqlite3_stmt *st = stmt_get(s, S_HISTORY, d);
    size_t n = 0;
    enum pp_err e;
    if (!st)
        return PP_ERR_IO;
    bind_text(st, 1, type);
    bind_text(st, 2, id);
    if ((e = walk(s, st, fn, ctx, &n, d)) != PP_OK)
        return e;
    return n ? PP_OK : pp_diag_set(d, PP_ERR_NOT_FOUND, "id", "no %s/%s", type, id);
}

/* ---- search -------------------------------------------------------------------------- */

/* Caps of one query (every value is bound, so these bound the SQL text and bindings). */
#define Q_MAX_CONDS 32
#define Q_MAX_ALTS 64
#define Q_MAX_SORT 8
#define Q_MAX_INC 8
#define Q_MAX_BINDS (Q_MAX_ALTS * 3 + Q_MAX_CONDS * 4 + Q_MAX_SORT + 8)

enum q_mod {
    MOD_NONE,
    MOD_NOT,      /* token :not */
    MOD_MISSING,  /* :missing=true (missing_true) / false */
    MOD_EXACT,    /* string :exact */
    MOD_CONTAINS, /* string :contains */
};

enum q_prefix { PX_EQ, PX_NE, PX_LT, PX_GT, PX_LE, PX_GE, PX_SA, PX_EB, PX_AP };

/* One value of a parameter (commas give several, ORed). */
struct q_alt {
    const char *system; /* token system ("" = no system), string text as written; or NULL */
    const char *value;  /* token code, reference, normalised string; NULL: any */
    const char *upper;  /* string prefix: the first text after every match */
    bool suffix;        /* reference given as a bare id: any type */
    enum q_prefix prefix;
    int64_t lo, hi;                /* date range */
    char lo_text[32], hi_text[32]; /* the same as lastUpdated text */
};

struct q_cond {
    const struct pp_search_param *p;
    enum q_mod mod;
    bool missing_true;
    size_t first, n; /* alts[first .. first+n) */
};

struct q_sort {
    const struct pp_search_param *p;
    bool desc;
};

struct q_inc {
    const struct pp_search_param *p;
    char source[PP_STORE_TYPE_MAX + 1]; /* the type p belongs to */
    char target[PP_STORE_TYPE_MAX + 1]; /* "" = any */
    bool rev;
};

struct pp_store_query_state {
    struct q_cond conds[Q_MAX_CONDS];
    size_t n_conds;
    struct q_alt alts[Q_MAX_ALTS];
    size_t n_alts;
    struct q_sort sort[Q_MAX_SORT];
    size_t n_sort;
    struct q_inc inc[Q_MAX_INC];
    size_t n_inc;
    char **owned;
    size_t n_owned, alloc_owned;
};

enum pp_err pp_store_query_init(struct pp_store_query *q, const char *type, struct pp_diag *d)
{
    memset(q, 0, sizeof(*q));
    if (!pp_store_valid_type(type))
        return pp_diag_set(d, PP_ERR_INPUT, "type", "expected a resource type name");
    snprintf(q->type, sizeof(q->type), "%s", type);
    q->state = pp_xcalloc(1, sizeof(*q->state));
    return PP_OK;
}

void pp_store_query_release(struct pp_store_query *q)
{
    if (!q->state)
        return;
    for (size_t i = 0; i < q->state->n_owned; i++)
        free(q->state->owned[i]);
    free(q->state->owned);
    free(q->state);
    q->state = NULL;
}

/* Keep s (takes ownership) until the query is released. */
static char *own(struct pp_store_query_state *st, char *s)
{
    if (st->n_owned == st->alloc_owned) {
        st->alloc_owned = st->alloc_owned ? st->alloc_owned * 2 : 16;
        st->owned = pp_xrealloc(st->owned, st->alloc_owned * sizeof(*st->owned));
    }
    st->owned[st->n_owned++] = s;
    return s;
}

static enum pp_err parse_long(const char *name, const char *value, long max, long *out,
                              struct pp_diag *d)
{
    char *end;
    long v;
    errno = 0;
    v = strtol(value, &end, 10);
    if (errno || end == value || *end || v < 0 || v > max)
        return pp_diag_set(d, PP_ERR_INPUT, name, "expected a whole number from 0 to %ld", max);
    *out = v;
    return PP_OK;
}

/* The next part of *p up to an unescaped `sep` ("\," "\|" "\$" "\\" are the character),
 * as an owned copy; *p moves past the separator. NULL at the end. */
static char *next_part(struct pp_store_query_state *st, const char **p, char sep)
{
    const char *s = *p;
    size_t n = 0;
    char *out;
    if (!s)
        return NULL;
    out = own(st, pp_xmalloc(strlen(s) + 1));
    while (*s && *s != sep) {
        if (*s == '\\' && s[1])
            s++;
        out[n++] = *s++;
    }
    out[n] = '\0';
    *p = *s == sep ? s + 1 : NULL;
    return out;
}

/* The type part of "Type/id" (ref, normalised) into type. */
static void ref_type(const char *ref, char type[PP_STORE_TYPE_MAX + 1])
{
    size_t tl = strcspn(ref, "/");
    if (tl > PP_STORE_TYPE_MAX)
        tl = 0;
    memcpy(type, ref, tl);
    type[tl] = '\0';
}

static enum pp_err parse_date_alt(struct q_alt *a, const char *name, const char *v,
                                  struct pp_diag *d)
{
    static const char *const prefixes[] = {"eq", "ne", "lt", "gt", "le", "ge", "sa", "eb", "ap"};
    a->prefix = PX_EQ;
    if (v[0] >= 'a' && v[0] <= 'z') {
        size_t i;
        for (i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++)
            if (strncmp(v, prefixes[i], 2) == 0)
                break;
        if (i == sizeof(prefixes) / sizeof(prefixes[0]))
            return pp_diag_set(d, PP_ERR_INPUT, name,
                               "expected [eq|ne|lt|gt|le|ge|sa|eb|ap]YYYY[-MM[-DD[Thh:mm[:ss]]]]");
        a->prefix = (enum q_prefix)i;
        v += 2;
    }
    if (!pp_search_date_range(v, &a->lo, &a->hi))
        return pp_diag_set(d, PP_ERR_INPUT, name,
                           "expected [eq|ne|lt|gt|le|ge|sa|eb|ap]YYYY[-MM[-DD[Thh:mm[:ss]]]]");
    pp_search_date_format(a->lo, a->lo_text);
    pp_search_date_format(a->hi, a->hi_text);
    return PP_OK;
}

/* One value of cond c (parameter p, modifier type `target` for references). */
static enum pp_err parse_alt(struct pp_store_query_state *st, const struct pp_search_param *p,
                             enum q_mod mod, const char *target, struct q_alt *a, const char *name,
                             char *v, struct pp_diag *d)
{
    memset(a, 0, sizeof(*a));
    if (!*v)
        return pp_diag_set(d, PP_ERR_INPUT, name, "expected a value");
    if (p->flags & PP_SP_COL_ID) {
        if (!pp_store_valid_id(v))
            return pp_diag_set(d, PP_ERR_INPUT, name, "expected a FHIR id");
        a->value = v;
        return PP_OK;
    }
    switch (p->type) {
    case PP_SP_TOKEN: {
        const char *rest = v;
        char *first = next_part(st, &rest, '|');
        if (rest) { /* system|code */
            a->system = first;
            a->value = *rest ? next_part(st, &rest, '\0') : NULL;
        } else {
            a->value = first;
        }
        return PP_OK;
    }
    case PP_SP_REFERENCE: {
        char ref[PP_STORE_TYPE_MAX + PP_STORE_ID_MAX + 2], type[PP_STORE_TYPE_MAX + 1];
        if (strchr(v, '/')) {
            if (!pp_search_ref_norm(v, ref, sizeof(ref))) {
                a->value = v; /* a canonical URL without Type/id: as written */
                return PP_OK;
            }
            ref_type(ref, type);
            if ((target && strcmp(type, target) != 0) || !pp_search_param_targets(p, type))
                return pp_diag_set(d, PP_ERR_INPUT, name, "a %s reference cannot match here", type);
        } else {
            if (!pp_store_valid_id(v))
                return pp_diag_set(d, PP_ERR_INPUT, name, "expected Type/id or an id");
            if (!target && p->targets && !strchr(p->targets, ','))
                target = p->targets;
            if (!target) {
                a->value = v;
                a->suffix = true;
                return PP_OK;
            }
            snprintf(ref, sizeof(ref), "%s/%s", target, v);
        }
        if (p->flags & PP_SP_COL_PATIENT) /* the column holds the bare id */
            a->value = own(st, pp_xstrdup(strchr(ref, '/') + 1));
        else
            a->value = own(st, pp_xstrdup(ref));
        return PP_OK;
    }
    case PP_SP_DATE: return parse_date_alt(a, name, v, d);
    case PP_SP_STRING: {
        char *norm = own(st, pp_search_string_norm(v));
        size_t n = strlen(norm);
        a->value = norm;
        if (mod == MOD_EXACT) {
            a->system = v;
        } else if (mod == MOD_NONE) {
            /* every text starting with norm sorts below norm + 0xFF (no UTF-8 byte is 0xFF) */
            char *upper = own(st, pp_xmalloc(n + 2));
            memcpy(upper, norm, n);
            upper[n] = (char)0xFF;
            upper[n + 1] = '\0';
            a->upper = upper;
        }
        return PP_OK;
    }
    }
    return PP_OK;
}

/* _sort=key,-key,... */
static enum pp_err parse_sort(struct pp_store_query *q, const char *value, struct pp_diag *d)
{
    struct pp_store_query_state *st = q->state;
    const char *rest = value;
    char *key;
    while ((key = next_part(st, &rest, ',')) != NULL) {
        bool desc = key[0] == '-';
        const struct pp_search_param *p = pp_search_param_find(q->type, key + desc);
        if (!p || p->type == PP_SP_REFERENCE)
            return pp_diag_set(d, PP_ERR_UNSUPPORTED, "_sort",
                               "cannot sort %s by '%.64s' (a date, string or token parameter, "
                               "_id or _lastUpdated)",
                               q->type, key + desc);
        if (st->n_sort == Q_MAX_SORT)
            return pp_diag_set(d, PP_ERR_LIMIT, "_sort", "at most %d sort keys", Q_MAX_SORT);
        st->sort[st->n_sort].p = p;
        st->sort[st->n_sort++].desc = desc;
    }
    return PP_OK;
}

/* _include=Type:param[:Target] (rev: _revinclude). */
static enum pp_err parse_include(struct pp_store_query *q, const char *name, const char *value,
                                 bool rev, struct pp_diag *d)
{
    struct pp_store_query_state *st = q->state;
    const char *rest = value;
    char *source = next_part(st, &rest, ':');
    char *param = next_part(st, &rest, ':');
    char *target = next_part(st, &rest, ':');
    struct q_inc *inc;
    const struct pp_search_param *p;
    if (!param || !pp_store_valid_type(source) || (target && !pp_store_valid_type(target)) || rest)
        return pp_diag_set(d, PP_ERR_INPUT, name, "expected Type:parameter[:TargetType]");
    if (!rev && strcmp(source, q->type) != 0)
        return pp_diag_set(d, PP_ERR_INPUT, name, "this search is of %s, not %.64s", q->type,
                           source);
    p = pp_search_param_find(source, param);
    if (!p || p->type != PP_SP_REFERENCE)
        return pp_diag_set(d, PP_ERR_INPUT, name, "%.64s has no reference parameter '%.64s'",
                           source, param);
    if (rev && (!pp_search_param_targets(p, q->type) || (target && strcmp(target, q->type))))
        return pp_diag_set(d, PP_ERR_INPUT, name, "%.64s:%.64s never refers to a %s", source, param,
                           q->type);
    if (!rev && target && !pp_search_param_targets(p, target))
        return pp_diag_set(d, PP_ERR_INPUT, name, "%.64s:%.64s never refers to a %.64s", source,
                           param, target);
    if (st->n_inc == Q_MAX_INC)
        return pp_diag_set(d, PP_ERR_LIMIT, name, "at most %d _include / _revinclude", Q_MAX_INC);
    inc = &st->inc[st->n_inc++];
    inc->p = p;
    inc->rev = rev;
    snprintf(inc->source, sizeof(inc->source), "%s", source);
    snprintf(inc->target, sizeof(inc->target), "%s", target ? target : "");
    return PP_OK;
}

enum pp_err pp_store_query_param(struct pp_store_query *q, const char *name, const char *value,
                                 struct pp_diag *d)
{
    struct pp_store_query_state *st = q->state;
    const struct pp_search_param *p;
    const char *colon, *modifier = NULL, *target = NULL;
    char base[64];
    struct q_cond *c;
    enum q_mod mod = MOD_NONE;
    if (!st)
        return pp_diag_set(d, PP_ERR_INTERNAL, name, "query not initialised");
    if (!value || !*value)
        return pp_diag_set(d, PP_ERR_INPUT, name, "expected a value");
    if (strcmp(name, "_count") == 0) {
        long c2;
        enum pp_err e = parse_long(name, value, PP_STORE_MAX_COUNT, &c2, d);
        if (e == PP_OK)
            q->count = c2 ? c2 : -1; /* _count=0: only the total */
        return e;
    }
    if (strcmp(name, "_offset") == 0)
        return parse_long(name, value, 1L << 30, &q->offset, d);
    if (strcmp(name, "_sort") == 0)
        return parse_sort(q, value, d);
    if (strcmp(name, "_include") == 0 || strcmp(name, "_revinclude") == 0)
        return parse_include(q, name, value, name[1] == 'r', d);
    colon = strchr(name, ':');
    if (strlen(name) >= sizeof(base))
        return pp_diag_set(d, PP_ERR_UNSUPPORTED, name, "unsupported search parameter");
    snprintf(base, sizeof(base), "%.*s", colon ? (int)(colon - name) : (int)strlen(name), name);
    if (colon)
        modifier = colon + 1;
    p = pp_search_param_find(q->type, base);
    if (!p)
        return pp_diag_set(d, PP_ERR_UNSUPPORTED, name, "unsupported search parameter");
    if (modifier) {
        if (strcmp(modifier, "missing") == 0 && !(p->flags & (PP_SP_COL_ID | PP_SP_COL_UPDATED)))
            mod = MOD_MISSING;
        else if (strcmp(modifier, "not") == 0 && p->type == PP_SP_TOKEN &&
                 !(p->flags & PP_SP_COL_ID))
            mod = MOD_NOT;
        else if (strcmp(modifier, "exact") == 0 && p->type == PP_SP_STRING)
            mod = MOD_EXACT;
        else if (strcmp(modifier, "contains") == 0 && p->type == PP_SP_STRING)
            mod = MOD_CONTAINS;
        else if (p->type == PP_SP_REFERENCE && pp_store_valid_type(modifier) &&
                 modifier[0] >= 'A' && modifier[0] <= 'Z' && pp_search_param_targets(p, modifier))
            target = modifier;
        else
            return pp_diag_set(d, PP_ERR_UNSUPPORTED, name, "unsupported modifier");
    }
    if (st->n_conds == Q_MAX_CONDS)
        return pp_diag_set(d, PP_ERR_LIMIT, name, "too many search parameters");
    c = &st->conds[st->n_conds];
    memset(c, 0, sizeof(*c));
    c->p = p;
    c->mod = mod;
    c->first = st->n_alts;
    if (mod == MOD_MISSING) {
        if (strcmp(value, "true") != 0 && strcmp(value, "false") != 0)
            return pp_diag_set(d, PP_ERR_INPUT, name, "expected true or false");
        c->missing_true = value[0] == 't';
    } else {
        const char *rest = value;
        char *part;
        while ((part = next_part(st, &rest, ',')) != NULL) {
            enum pp_err e;
            if (st->n_alts == Q_MAX_ALTS)
                return pp_diag_set(d, PP_ERR_LIMIT, name, "too many values");
            e = parse_alt(st, p, mod, target, &st->alts[st->n_alts], name, part, d);
            if (e)
                return e;
            st->n_alts++;
            c->n++;
        }
    }
    st->n_conds++;
    return PP_OK;
}

/* ---- SQL of one query shape: fixed fragments and ?N placeholders, every value bound ---- */

struct q_bind {
    bool is_int;
    const char *text;
    int64_t i;
};

struct q_sql {
    struct pp_buf sql;
    struct q_bind binds[Q_MAX_BINDS];
    int n;
};

static void bind_t(struct q_sql *b, const char *text)
{
    assert(b->n < Q_MAX_BINDS);
    b->binds[b->n].is_int = false;
    b->binds[b->n].text = text;
    b->binds[b->n].i = 0;
    b->n++;
    pp_buf_addf(&b->sql, "?%d", b->n);
}

static void bind_i(struct q_sql *b, int64_t v)
{
    assert(b->n < Q_MAX_BINDS);
    b->binds[b->n].is_int = true;
    b->binds[b->n].i = v;
    b->n++;
    pp_buf_addf(&b->sql, "?%d", b->n);
}

/* The date test of prefix px on a row range [lo_col, hi_col] (for _lastUpdated both are
 * r.last_updated and the bounds are text). FHIR R4 3.1.1.4.5: the search value is the range
 * its precision covers. */
static void date_test(struct q_sql *b, const struct q_alt *a, const char *lo_col,
                      const char *hi_col, bool text)
{
#define QLO (text ? bind_t(b, a->lo_text) : bind_i(b, a->lo))
#define QHI (text ? bind_t(b, a->hi_text) : bind_i(b, a->hi))
#define COL(c) pp_buf_adds(&b->sql, c)
    switch (a->prefix) {
    case PX_NE:
        COL("NOT ");
        /* fall through */
    case PX_EQ:
        COL("(");
        COL(lo_col);
        COL(" >= ");
        QLO;
        COL(" AND ");
        COL(hi_col);
        COL(" <= ");
        QHI;
        COL(")");
        break;
    case PX_GT:
        COL(hi_col);
        COL(" > ");
        QHI;
        break;
    case PX_LT:
        COL(lo_col);
        COL(" < ");
        QLO;
        break;
    case PX_GE:
    case PX_LE:
        COL("(");
        if (a->prefix == PX_GE) {
            COL(hi_col);
            COL(" > ");
            QHI;
        } else {
            COL(lo_col);
            COL(" < ");
            QLO;
        }
        COL(" OR (");
        COL(lo_col);
        COL(" >= ");
        QLO;
        COL(" AND ");
        COL(hi_col);
        COL(" <= ");
        QHI;
        COL("))");
        break;
    case PX_SA:
        COL(lo_col);
        COL(" > ");
        QHI;
        break;
    case PX_EB:
        COL(hi_col);
        COL(" < ");
        QLO;
        break;
    case PX_AP:
        COL("(");
        COL(lo_col);
        COL(" <= ");
        QHI;
        COL(" AND ");
        COL(hi_col);
        COL(" >= ");
        QLO;
        COL(")");
        break;
    }
#undef QLO
#undef QHI
#undef COL
}

/* One value test on index row i. */
static void alt_test(struct q_sql *b, const struct q_cond *c, const struct q_alt *a)
{
    struct pp_buf *sql = &b->sql;
    switch (c->p->type) {
    case PP_SP_TOKEN:
        pp_buf_adds(sql, "(");
        if (a->value) {
            pp_buf_adds(sql, "i.value = ");
            bind_t(b, a->value);
        }
        if (a->system) {
            pp_buf_adds(sql, a->value ? " AND i.system = " : "i.system = ");
            bind_t(b, a->system);
        }
        pp_buf_adds(sql, ")");
        break;
    case PP_SP_REFERENCE:
        if (a->suffix) {
            char *glob = pp_xmalloc(strlen(a->value) + 3);
            /* a valid id holds no GLOB metacharacter */
            snprintf(glob, strlen(a->value) + 3, "*/%s", a->value);
            pp_buf_adds(sql, "i.value GLOB ");
            bind_t(b, glob);
            /* kept until the statement ran: owned by the caller's list */
            b->binds[b->n - 1].i = 1; /* marks text to free */
        } else {
            pp_buf_adds(sql, "i.value = ");
            bind_t(b, a->value);
        }
        break;
    case PP_SP_DATE: date_test(b, a, "i.lo", "i.hi", false); break;
    case PP_SP_STRING:
        if (c->mod == MOD_EXACT) {
            pp_buf_adds(sql, "(i.value = ");
            bind_t(b, a->value);
            pp_buf_adds(sql, " AND i.system = ");
            bind_t(b, a->system);
            pp_buf_adds(sql, ")");
        } else if (c->mod == MOD_CONTAINS) {
            pp_buf_adds(sql, "instr(i.value, ");
            bind_t(b, a->value);
            pp_buf_adds(sql, ") > 0");
        } else {
            pp_buf_adds(sql, "(i.value >= ");
            bind_t(b, a->value);
            pp_buf_adds(sql, " AND i.value < ");
            bind_t(b, a->upper);
            pp_buf_adds(sql, ")");
        }
        break;
    }
}

/* A parameter with another parameter's key sees only the rows of its own target types. */
static void target_test(struct q_sql *b, const struct pp_search_param *p)
{
    const char *t = p->targets;
    if (p->paths || !t)
        return;
    pp_buf_adds(&b->sql, " AND (0");
    while (*t) {
        size_t len = strcspn(t, ",");
        char *glob = pp_xmalloc(len + 3);
        memcpy(glob, t, len);
        memcpy(glob + len, "/*", 3);
        pp_buf_adds(&b->sql, " OR i.value GLOB ");
        bind_t(b, glob);
        b->binds[b->n - 1].i = 1;
        t += len + (t[len] == ',');
    }
    pp_buf_adds(&b->sql, ")");
}

static void cond_sql(struct q_sql *b, const struct pp_store_query_state *st, const struct q_cond *c,
                     bool drive)
{
    struct pp_buf *sql = &b->sql;
    const struct pp_search_param *p = c->p;
    pp_buf_adds(sql, " AND ");
    if (p->flags & (PP_SP_COL_ID | PP_SP_COL_PATIENT)) {
        const char *col = p->flags & PP_SP_COL_ID ? "r.id" : "r.patient";
        if (c->mod == MOD_MISSING) {
            pp_buf_adds(sql, col);
            pp_buf_adds(sql, c->missing_true ? " IS NULL" : " IS NOT NULL");
            return;
        }
        pp_buf_adds(sql, col);
        pp_buf_adds(sql, " IN (");
        for (size_t k = 0; k < c->n; k++) {
            if (k)
                pp_buf_adds(sql, ", ");
            bind_t(b, st->alts[c->first + k].value);
        }
        pp_buf_adds(sql, ")");
        return;
    }
    if (p->flags & PP_SP_COL_UPDATED) {
        pp_buf_adds(sql, "(");
        for (size_t k = 0; k < c->n; k++) {
            if (k)
                pp_buf_adds(sql, " OR ");
            date_test(b, &st->alts[c->first + k], "r.last_updated", "r.last_updated", true);
        }
        pp_buf_adds(sql, ")");
        return;
    }
    if (c->mod == MOD_MISSING) {
        pp_buf_adds(sql, c->missing_true ? "NOT EXISTS" : "EXISTS");
        pp_buf_adds(sql, " (SELECT 1 FROM search_index i WHERE i.rid = r.rid AND i.param = ");
        bind_t(b, p->key);
        target_test(b, p);
        pp_buf_adds(sql, ")");
        return;
    }
    /* the driving condition lists its rows by value (index search_index_value); every other
     * one is checked per candidate through the primary key (rid, param, ...) */
    if (drive)
        pp_buf_adds(sql, "r.rid IN (SELECT i.rid FROM search_index i WHERE");
    else
        pp_buf_adds(sql, c->mod == MOD_NOT ? "NOT EXISTS (SELECT 1 FROM search_index i WHERE"
                                           : "EXISTS (SELECT 1 FROM search_index i WHERE");
    pp_buf_adds(sql, drive ? " i.param = " : " i.rid = r.rid AND i.param = ");
    bind_t(b, p->key);
    target_test(b, p);
    pp_buf_adds(sql, " AND (");
    for (size_t k = 0; k < c->n; k++) {
        if (k)
            pp_buf_adds(sql, " OR ");
        alt_test(b, c, &st->alts[c->first + k]);
    }
    pp_buf_adds(sql, "))");
}

/* The condition that lists the candidates, or -1 (then the type's rows, or the patient or id
 * column's index, are walked): the first exact token or reference match. */
static int driving_cond(const struct pp_store_query_state *st)
{
    for (size_t i = 0; i < st->n_conds; i++) {
        const struct q_cond *c = &st->conds[i];
        if ((c->p->flags & (PP_SP_COL_ID | PP_SP_COL_PATIENT)) && c->mod != MOD_MISSING)
            return -1;
    }
    for (size_t i = 0; i < st->n_conds; i++) {
        const struct q_cond *c = &st->conds[i];
        bool exact = c->mod == MOD_NONE && !(c->p->flags & PP_SP_COLUMNS) &&
                     (c->p->type == PP_SP_TOKEN || c->p->type == PP_SP_REFERENCE);
        for (size_t k = 0; exact && k < c->n; k++)
            exact = st->alts[c->first + k].value && !st->alts[c->first + k].suffix;
        if (exact)
            return (int)i;
    }
    return -1;
}

/* The patients a pp_store_access allows, as one SELECT of patient ids: the caller's own,
 * those of the CareTeams (status active or absent) naming the practitioner as a
 * participant.member, those of the user's unexpired break-glass grants. A NULL member
 * contributes nothing (NULL never equals), so the statement keeps one shape. */
#define ACCESS_PATIENTS                                                                            \
    "SELECT ct.patient FROM search_index ci JOIN resource ct ON ct.rid = ci.rid"                   \
    " WHERE ci.param = 'participant' AND ci.value = ?2 AND ct.type = 'CareTeam'"                   \
    " AND ct.deleted = 0 AND ct.patient IS NOT NULL AND NOT EXISTS (SELECT 1 FROM search_index cs" \
    " WHERE cs.rid = ct.rid AND cs.param = 'status' AND cs.value <> 'active')"                     \
    " UNION ALL SELECT bg.patient FROM break_glass bg WHERE bg.user_id = ?3 AND bg.expires > ?4"

/* Only resources without a patient or of a patient `a` allows. */
static void access_sql(struct q_sql *b, const struct pp_store_access *a)
{
    pp_buf_adds(&b->sql, " AND (r.patient IS NULL OR r.patient = ");
    bind_t(b, a->patient);
    pp_buf_adds(&b->sql, " OR r.patient IN (SELECT ct.patient FROM search_index ci JOIN resource ct"
                         " ON ct.rid = ci.rid WHERE ci.param = 'participant' AND ci.value = ");
    bind_t(b, a->practitioner);
    pp_buf_adds(&b->sql, " AND ct.type = 'CareTeam' AND ct.deleted = 0 AND ct.patient IS NOT NULL"
                         " AND NOT EXISTS (SELECT 1 FROM search_index cs WHERE cs.rid = ct.rid"
                         " AND cs.param = 'status' AND cs.value <> 'active')"
                         " UNION ALL SELECT bg.patient FROM break_glass bg WHERE bg.user_id = ");
    bind_i(b, a->user_id);
    pp_buf_adds(&b->sql, " AND bg.expires > ");
    bind_t(b, a->now);
    pp_buf_adds(&b->sql, "))");
}

static const char access_one_sql[] = "SELECT 1 WHERE ?1 IN (" ACCESS_PATIENTS ")";

enum pp_err pp_store_access_allows(struct pp_store *s, const struct pp_store_access *access,
                                   const char *patient, bool *allowed, struct pp_diag *d)
{
    sqlite3_stmt *st;
    int rc;
    *allowed = true;
    if (!access || !patient || !*patient ||
        (access->patient && strcmp(access->patient, patient) == 0))
        return PP_OK;
    *allowed = false;
    if (!access->practitioner && access->user_id <= 0)
        return PP_OK;
    if (!(st = pp_store_stmt(s, access_one_sql, d)))
        return PP_ERR_IO;
    bind_text(st, 1, patient);
    bind_text(st, 2, access->practitioner);
    sqlite3_bind_int64(st, 3, access->user_id);
    bind_text(st, 4, access->now);
    rc = step(s, st);
    if (rc == SQLITE_ROW)
        *allowed = true;
    else if (rc != SQLITE_DONE)
        return db_error(s, d, "access");
    sqlite3_reset(st);
    return PP_OK;
}

/* The query's SQL: count (only the total) or the page. */
static void query_sql(struct q_sql *b, const struct pp_store_query *q, bool count)
{
    const struct pp_store_query_state *st = q->state;
    pp_buf_init(&b->sql, PP_BUF_UNLIMITED);
    b->n = 0;
    int drive = driving_cond(st);
    pp_buf_adds(&b->sql, count ? "SELECT count(*) FROM resource r" : PP_SEARCH_SELECT);
    /* with a driving list, '+' keeps the planner from walking the type's index instead */
    pp_buf_adds(&b->sql, drive >= 0 ? " WHERE +r.type = " : " WHERE r.type = ");
    bind_t(b, q->type);
    pp_buf_adds(&b->sql, " AND r.deleted = 0");
    for (size_t i = 0; i < st->n_conds; i++)
        cond_sql(b, st, &st->conds[i], (int)i == drive);
    if (q->access)
        access_sql(b, q->access);
    if (count)
        return;
    pp_buf_adds(&b->sql, " ORDER BY ");
    for (size_t i = 0; i < st->n_sort; i++) {
        const struct pp_search_param *p = st->sort[i].p;
        if (p->flags & PP_SP_COL_ID) {
            pp_buf_adds(&b->sql, "r.id");
        } else if (p->flags & PP_SP_COL_UPDATED) {
            pp_buf_adds(&b->sql, "r.last_updated");
        } else {
            /* resources without a value sort first ascending, last descending */
            pp_buf_adds(&b->sql,
                        p->type == PP_SP_DATE ? "(SELECT min(i.lo)" : "(SELECT min(i.value)");
            pp_buf_adds(&b->sql, " FROM search_index i WHERE i.rid = r.rid AND i.param = ");
            bind_t(b, p->key);
            target_test(b, p);
            pp_buf_adds(&b->sql, ")");
        }
        pp_buf_adds(&b->sql, st->sort[i].desc ? " DESC, " : " ASC, ");
    }
    pp_buf_adds(&b->sql, "r.rid LIMIT ");
    bind_i(b, q->count ? q->count : PP_STORE_DEFAULT_COUNT);
    pp_buf_adds(&b->sql, " OFFSET ");
    bind_i(b, q->offset);
}

static void q_sql_release(struct q_sql *b)
{
    for (int i = 0; i < b->n; i++)
        if (!b->binds[i].is_int && b->binds[i].i == 1)
            free((char *)b->binds[i].text);
    pp_buf_release(&b->sql);
}

/* A statement for `sql` from the connection's cache of query shapes, reset, unbound. */
static sqlite3_stmt *shape_stmt(struct pp_store *s, const char *sql, struct pp_diag *d)
{
    struct shape *slot;
    for (int i = 0; i < PP_STORE_SHAPES; i++)
        if (s->shapes[i].sql && strcmp(s->shapes[i].sql, sql) == 0) {
            sqlite3_reset(s->shapes[i].st);
            sqlite3_clear_bindings(s->shapes[i].st);
            return s->shapes[i].st;
        }
    slot = &s->shapes[s->next_shape];
    s->next_shape = (s->next_shape + 1) % PP_STORE_SHAPES;
    sqlite3_finalize(slot->st);
    free(slot->sql);
    slot->sql = NULL;
    slot->st = NULL;
    if (sqlite3_prepare_v3(s->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &slot->st, NULL) !=
        SQLITE_OK) {
        (void)db_error(s, d, "search");
        sqlite3_finalize(slot->st);
        slot->st = NULL;
        return NULL;
    }
    slot->sql = pp_xstrdup(sql);
    return slot->st;
}

static sqlite3_stmt *prepare_query(struct pp_store *s, struct q_sql *b, struct pp_diag *d)
{
    sqlite3_stmt *st;
    if (pp_buf_status(&b->sql) != PP_OK) {
        (void)pp_diag_set(d, PP_ERR_LIMIT, "search", "the query is too large");
        return NULL;
    }
    if (!(st = shape_stmt(s, b->sql.data, d)))
        return NULL;
    for (int i = 0; i < b->n; i++) {
        if (b->binds[i].is_int)
            sqlite3_bind_int64(st, i + 1, b->binds[i].i);
        else
            sqlite3_bind_text(st, i + 1, b->binds[i].text, -1, SQLITE_STATIC);
    }
    return st;
}

/* ---- _include / _revinclude ---- */

/* What the page matched, and every "Type/id" already in the answer. */
struct q_seen {
    char **refs;
    size_t n, alloc;
    sqlite3_int64 *rids; /* the matches */
    char **patients;     /* their patient column (or NULL) */
    size_t n_match;
};

/* Add ref; false when it was there already. */
static bool seen_add(struct q_seen *sn, const char *ref)
{
    for (size_t i = 0; i < sn->n; i++)
        if (strcmp(sn->refs[i], ref) == 0)
            return false;
    if (sn->n == sn->alloc) {
        sn->alloc = sn->alloc ? sn->alloc * 2 : 64;
        sn->refs = pp_xrealloc(sn->refs, sn->alloc * sizeof(*sn->refs));
    }
    sn->refs[sn->n++] = pp_xstrdup(ref);
    return true;
}

static void seen_release(struct q_seen *sn)
{
    for (size_t i = 0; i < sn->n; i++)
        free(sn->refs[i]);
    for (size_t i = 0; i < sn->n_match; i++)
        free(sn->patients[i]);
    free(sn->refs);
    free(sn->rids);
    free(sn->patients);
}

/* The page walk: the caller's fn, and what includes need. */
struct q_walk {
    pp_store_each_fn fn;
    void *ctx;
    struct q_seen *seen;
    sqlite3_stmt *st;
    size_t alloc;
};

static enum pp_err match_fn(void *vctx, const struct pp_store_resource *r)
{
    struct q_walk *w = vctx;
    struct q_seen *sn = w->seen;
    if (sn) {
        char ref[PP_STORE_TYPE_MAX + PP_STORE_ID_MAX + 2];
        const char *patient = (const char *)sqlite3_column_text(w->st, 7);
        snprintf(ref, sizeof(ref), "%s/%s", r->meta.type, r->meta.id);
        (void)seen_add(sn, ref);
        if (sn->n_match == w->alloc) {
            w->alloc = w->alloc ? w->alloc * 2 : 64;
            sn->rids = pp_xrealloc(sn->rids, w->alloc * sizeof(*sn->rids));
            sn->patients = pp_xrealloc(sn->patients, w->alloc * sizeof(*sn->patients));
        }
        sn->rids[sn->n_match] = sqlite3_column_int64(w->st, 6);
        sn->patients[sn->n_match++] = patient ? pp_xstrdup(patient) : NULL;
    }
    return w->fn(w->ctx, r);
}

/* Emit the rows of st not seen yet as includes; *left counts down the cap. */
static enum pp_err emit_rows(struct pp_store *s, sqlite3_stmt *st, struct q_seen *sn,
                             pp_store_each_fn fn, void *ctx, size_t *left, struct pp_diag *d)
{
    struct pp_store_resource r;
    enum pp_err e = PP_OK;
    int rc = SQLITE_DONE;
    while (*left > 0 && (rc = step(s, st)) == SQLITE_ROW) {
        char ref[PP_STORE_TYPE_MAX + PP_STORE_ID_MAX + 2];
        row_resource(st, &r);
        if (r.meta.deleted || !r.body)
            continue;
        snprintf(ref, sizeof(ref), "%s/%s", r.meta.type, r.meta.id);
        if (!seen_add(sn, ref))
            continue;
        r.mode = PP_STORE_MODE_INCLUDE;
        (*left)--;
        if ((e = fn(ctx, &r)) != PP_OK)
            break;
    }
    if (e == PP_OK && *left > 0 && rc != SQLITE_DONE)
        e = db_error(s, d, "include");
    sqlite3_reset(st);
    return e;
}

/* Read and emit the resource ref ("Type/id") unless seen. */
static enum pp_err include_ref(struct pp_store *s, const char *ref, struct q_seen *sn,
                               pp_store_each_fn fn, void *ctx, size_t *left, struct pp_diag *d)
{
    char type[PP_STORE_TYPE_MAX + 1];
    const char *id = strchr(ref, '/');
    sqlite3_stmt *st;
    if (!id)
        return PP_OK;
    ref_type(ref, type);
    for (size_t i = 0; i < sn->n; i++)
        if (strcmp(sn->refs[i], ref) == 0)
            return PP_OK;
    if (!(st = stmt_get(s, S_READ, d)))
        return PP_ERR_IO;
    bind_text(st, 1, type);
    bind_text(st, 2, id + 1);
    return emit_rows(s, st, sn, fn, ctx, left, d);
}

static enum pp_err run_include(struct pp_store *s, const struct pp_store_query *q,
                               const struct q_inc *inc, struct q_seen *sn, pp_store_each_fn fn,
                               void *ctx, size_t *left, struct pp_diag *d)
{
    const struct pp_search_param *p = inc->p;
    size_t n_match = sn->n_match;
    enum pp_err e = PP_OK;
    for (size_t m = 0; m<n_match && * left> 0 && e == PP_OK; m++) {
        sqlite3_stmt *st;
        if (inc->rev) {
            /* resources of inc->source whose p names this match */
            const char *ref = sn->refs[m];
            if (p->flags & PP_SP_COL_PATIENT) {
                if (strcmp(q->type, "Patient") != 0)
                    break;
                if (!(st = stmt_get(s, S_REV_PATIENT, d)))
                    return PP_ERR_IO;
                bind_text(st, 1, strchr(ref, '/') + 1);
                bind_text(st, 2, inc->source);
            } else {
                if (!(st = stmt_get(s, S_REV, d)))
                    return PP_ERR_IO;
                bind_text(st, 1, p->key);
                bind_text(st, 2, ref);
                bind_text(st, 3, inc->source);
            }
            e = emit_rows(s, st, sn, fn, ctx, left, d);
            continue;
        }
        if (p->flags & PP_SP_COL_PATIENT) {
            char ref[PP_STORE_ID_MAX + 10];
            if (!sn->patients[m] || (inc->target[0] && strcmp(inc->target, "Patient")))
                continue;
            snprintf(ref, sizeof(ref), "Patient/%s", sn->patients[m]);
            e = include_ref(s, ref, sn, fn, ctx, left, d);
            continue;
        }
        {
            /* the references first (the statement is reused by include_ref's read) */
            char **refs = NULL;
            size_t n = 0;
            int rc;
            if (!(st = stmt_get(s, S_INC_REFS, d)))
                return PP_ERR_IO;
            sqlite3_bind_int64(st, 1, sn->rids[m]);
            bind_text(st, 2, p->key);
            while ((rc = step(s, st)) == SQLITE_ROW) {
                const char *v = (const char *)sqlite3_column_text(st, 0);
                char type[PP_STORE_TYPE_MAX + 1];
                if (!v || !strchr(v, '/'))
                    continue;
                ref_type(v, type);
                if (!pp_search_param_targets(p, type) ||
                    (inc->target[0] && strcmp(inc->target, type) != 0))
                    continue;
                refs = pp_xrealloc(refs, (n + 1) * sizeof(*refs));
                refs[n++] = pp_xstrdup(v);
            }
            if (rc != SQLITE_DONE)
                e = db_error(s, d, "include");
            sqlite3_reset(st);
            for (size_t k = 0; k < n; k++) {
                if (e == PP_OK && *left > 0)
                    e = include_ref(s, refs[k], sn, fn, ctx, left, d);
                free(refs[k]);
            }
            free(refs);
        }
    }
    return e;
}

enum pp_err pp_store_search(struct pp_store *s, const struct pp_store_query *q, pp_store_each_fn fn,
                            void *ctx, size_t *total, struct pp_diag *d)
{
    struct q_sql b;
    struct q_seen seen;
    struct q_walk w = {fn, ctx, NULL, NULL, 0};
    sqlite3_stmt *st;
    enum pp_err e = PP_OK;
    size_t left = PP_STORE_MAX_INCLUDE;
    if (!q->state)
        return pp_diag_set(d, PP_ERR_INTERNAL, "search", "query not initialised");
    if (total) {
        query_sql(&b, q, true);
        if (!(st = prepare_query(s, &b, d))) {
            q_sql_release(&b);
            return PP_ERR_IO;
        }
        if (step(s, st) == SQLITE_ROW)
            *total = (size_t)sqlite3_column_int64(st, 0);
        else
            e = db_error(s, d, "search");
        sqlite3_reset(st);
        q_sql_release(&b);
        if (e)
            return e;
    }
    if (q->count < 0)
        return PP_OK;
    query_sql(&b, q, false);
    if (!(st = prepare_query(s, &b, d))) {
        q_sql_release(&b);
        return PP_ERR_IO;
    }
    memset(&seen, 0, sizeof(seen));
    if (q->state->n_inc)
        w.seen = &seen;
    w.st = st;
    e = walk(s, st, match_fn, &w, NULL, d);
    q_sql_release(&b);
    for (size_t i = 0; e == PP_OK && i < q->state->n_inc && left > 0; i++)
        e = run_include(s, q, &q->state->inc[i], &seen, fn, ctx, &left, d);
    seen_release(&seen);
    return e;
}

/* ---- re-indexing ---- */

static enum pp_err reindex_all(struct pp_store *s, struct pp_diag *d)
{
    sqlite3_stmt *st;
    enum pp_err e;
    int rc;
    if ((e = exec_simple(s, S_REINDEX_CLEAR, d)) != PP_OK)
        return e;
    if (!(st = stmt_get(s, S_REINDEX_ALL, d)))
        return PP_ERR_IO;
    while ((rc = step(s, st)) == SQLITE_ROW) {
        sqlite3_int64 rid = sqlite3_column_int64(st, 0);
        const char *type = (const char *)sqlite3_column_text(st, 1);
        const char *body = (const char *)sqlite3_column_text(st, 2);
        cJSON *res = body ? cJSON_Parse(body) : NULL;
        if (res && type)
            e = index_resource(s, rid, type, res, true, d);
        cJSON_Delete(res);
        if (e != PP_OK)
            break;
    }
    if (e == PP_OK && rc != SQLITE_DONE)
        e = db_error(s, d, "reindex");
    sqlite3_reset(st);
    if (e != PP_OK)
        return e;
    if (!(st = stmt_get(s, S_IDXVER_SET, d)))
        return PP_ERR_IO;
    sqlite3_bind_int(st, 1, PP_SEARCH_INDEX_VERSION);
    return stmt_done(s, st, d, "search_index_version");
}

/* The index version of the database (0 when it has none yet). */
static enum pp_err index_version(struct pp_store *s, int *v, struct pp_diag *d)
{
    sqlite3_stmt *st = stmt_get(s, S_IDXVER_GET, d);
    enum pp_err e = PP_OK;
    if (!st)
        return PP_ERR_IO;
    if (step(s, st) == SQLITE_ROW)
        *v = sqlite3_column_int(st, 0);
    else
        e = db_error(s, d, "search_index_version");
    sqlite3_reset(st);
    return e;
}

enum pp_err pp_store_reindex(struct pp_store *s, struct pp_diag *d)
{
    bool own = !s->in_tx;
    enum pp_err e;
    if (own && (e = pp_store_begin(s, d)) != PP_OK)
        return e;
    e = reindex_all(s, d);
    return pp_store_end_own(s, own, e, d);
}

/* At open: re-index when the rows were made by another extraction (checked again under the
 * write lock, so of several connections opening at once only the first does the work). */
static enum pp_err reindex_if_stale(struct pp_store *s, struct pp_diag *d)
{
    int v = 0;
    enum pp_err e;
    if ((e = index_version(s, &v, d)) != PP_OK || v == PP_SEARCH_INDEX_VERSION)
        return e;
    if ((e = pp_store_begin(s, d)) != PP_OK)
        return e;
    if ((e = index_version(s, &v, d)) == PP_OK && v != PP_SEARCH_INDEX_VERSION)
        e = reindex_all(s, d);
    return pp_store_end_own(s, true, e, d);
}

enum pp_err pp_store_count(struct pp_store *s, const char *type, size_t *n, struct pp_diag *d)
{
    sqlite3_stmt *st = stmt_get(s, S_COUNT, d);
    enum pp_err e = PP_OK;
    *n = 0;
    if (!st)
        return PP_ERR_IO;
    bind_text(st, 1, type);
    if (step(s, st) == SQLITE_ROW)
        *n = (size_t)sqlite3_column_int64(st, 0);
    else
        e = db_error(s, d, "count");
    sqlite3_reset(st);
    return e;
}

enum pp_err pp_store_types(struct pp_store *s, pp_store_type_fn fn, void *ctx, struct pp_diag *d)
{
    sqlite3_stmt *st = stmt_get(s, S_TYPES, d);
    enum pp_err e = PP_OK;
    int rc;
    if (!st)
        return PP_ERR_IO;
    while ((rc = step(s, st)) == SQLITE_ROW) {
        const char *t = (const char *)sqlite3_column_text(st, 0);
        if ((e = fn(ctx, t ? t : "", (size_t)sqlite3_column_int64(st, 1))) != PP_OK)
            break;
    }
    if (e == PP_OK && rc != SQLITE_DONE)
        e = db_error(s, d, "types");
    sqlite3_reset(st);
    return e;
}

enum pp_err pp_store_scan(struct pp_store *s, const char *type, pp_store_each_fn fn, void *ctx,
                          struct pp_diag *d)
{
    sqlite3_stmt *st = stmt_get(s, S_SCAN, d);
    if (!st)
        return PP_ERR_IO;
    bind_text(st, 1, type);
    return walk(s, st, fn, ctx, NULL, d);
}

enum pp_err pp_store_scan_compartment(struct pp_store *s, const char *type, pp_store_each_fn fn,
                                      void *ctx, struct pp_diag *d)
{
    sqlite3_stmt *st = stmt_get(s, S_SCAN_COMPARTMENT, d);
    if (!st)
        return PP_ERR_IO;
    bind_text(st, 1, type);
    return walk(s, st, fn, ctx, NULL, d);
}

struct load_ctx {
    struct pp_patient_set *set;
    size_t n;
    struct pp_diag *d;
};

static enum pp_err load_one(void *vctx, const struct pp_store_resource *r)
{
    struct load_ctx *c = vctx;
    enum pp_err e;
    char name[PP_STORE_TYPE_MAX + PP_STORE_ID_MAX + 2];
    if (!r->body)
        return PP_OK;
    snprintf(name, sizeof(name), "%s/%s", r->meta.type, r->meta.id);
    e = pp_fhir_load_json_text(c->set, r->body, r->len, name, c->d);
    c->n += strcmp(r->meta.type, "Medication") != 0;
    return e;
}

enum pp_err pp_store_load_patient(struct pp_store *s, const char *patient_id,
                                  struct pp_patient_set *set, struct pp_diag *d)
{
    struct load_ctx c = {set, 0, d};
    sqlite3_stmt *st = stmt_get(s, S_PATIENT, d);
    enum pp_err e;
    if (!st)
        return PP_ERR_IO;
    bind_text(st, 1, patient_id);
    if ((e = walk(s, st, load_one, &c, NULL, d)) != PP_OK)
        return e;
    if (c.n == 0)
        return pp_diag_set(d, PP_ERR_NOT_FOUND, "patient", "no resources of Patient/%s",
                           patient_id);
    (void)pp_fhir_patient_set_finish(set);
    return PP_OK;
}

enum pp_err pp_store_backup(struct pp_store *s, const char *dest_path, struct pp_diag *d)
{
    sqlite3 *dst = NULL;
    sqlite3_backup *b;
    enum pp_err e = PP_OK;
    int rc;
    if (sqlite3_open_v2(dest_path, &dst, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) !=
        SQLITE_OK) {
        e = pp_diag_set(d, PP_ERR_IO, dest_path, "cannot open: %s",
                        dst ? sqlite3_errmsg(dst) : "out of memory");
        sqlite3_close(dst);
        return e;
    }
    b = sqlite3_backup_init(dst, "main", s->db, "main");
    if (!b) {
        e = pp_diag_set(d, PP_ERR_IO, dest_path, "backup: %s", sqlite3_errmsg(dst));
        sqlite3_close(dst);
        return e;
    }
    /* 256 pages per step, sleeping briefly when writers hold the lock */
    while ((rc = sqlite3_backup_step(b, 256)) == SQLITE_OK || rc == SQLITE_BUSY ||
           rc == SQLITE_LOCKED)
        if (rc != SQLITE_OK)
            sqlite3_sleep(10);
    sqlite3_backup_finish(b);
    if (rc != SQLITE_DONE)
        e = pp_diag_set(d, PP_ERR_IO, dest_path, "backup: %s", sqlite3_errstr(rc));
    sqlite3_close(dst);
    return e;
}

/* ---- CDS Hooks feedback ---- */

enum pp_err pp_store_feedback_add(struct pp_store *s, const char *service, const char *card,
                                  const char *outcome, const char *outcome_timestamp,
                                  const char *body, struct pp_diag *d)
{
    char now[32];
    sqlite3_stmt *st = stmt_get(s, S_FEEDBACK, d);
    if (!st)
        return PP_ERR_IO;
    now_iso(now);
    bind_text(st, 1, now);
    bind_text(st, 2, service);
    bind_text(st, 3, card);
    bind_text(st, 4, outcome);
    bind_text(st, 5, outcome_timestamp);
    bind_text(st, 6, body);
    return stmt_done(s, st, d, "cds_feedback");
}

enum pp_err pp_store_feedback_count(struct pp_store *s, const char *service, const char *card,
                                    size_t *n, struct pp_diag *d)
{
    sqlite3_stmt *st;
    int rc;
    *n = 0;
    if (sqlite3_prepare_v2(s->db,
                           "SELECT count(*) FROM cds_feedback WHERE (?1 IS NULL OR service = ?1)"
                           " AND (?2 IS NULL OR card = ?2)",
                           -1, &st, NULL) != SQLITE_OK)
        return db_error(s, d, "cds_feedback");
    bind_text(st, 1, service);
    bind_text(st, 2, card);
    rc = step(s, st);
    if (rc == SQLITE_ROW)
        *n = (size_t)sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return rc == SQLITE_ROW ? PP_OK : db_error(s, d, "cds_feedback");
}

/* ---- savepoints: one unit of work inside a longer transaction ---- */

/* Run one constant statement (no parameters) prepared once per call. */
static enum pp_err exec_const(struct pp_store *s, const char *sql, struct pp_diag *d)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK)
        return db_error(s, d, sql);
    int rc = step(s, st);
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? PP_OK : db_error(s, d, sql);
}

enum pp_err pp_store_savepoint(struct pp_store *s, struct pp_diag *d)
{
    if (!s->in_tx)
        return pp_diag_set(d, PP_ERR_INTERNAL, "transaction", "no transaction is open");
    return exec_const(s, "SAVEPOINT pp_unit", d);
}

enum pp_err pp_store_savepoint_release(struct pp_store *s, struct pp_diag *d)
{
    return exec_const(s, "RELEASE pp_unit", d);
}

enum pp_err pp_store_savepoint_rollback(struct pp_store *s, struct pp_diag *d)
{
    enum pp_err e;
    for (int i = 0; i < S_COUNT_STMTS; i++)
        if (s->stmt[i])
            sqlite3_reset(s->stmt[i]);
    for (int i = 0; i < PP_STORE_SHAPES; i++)
        if (s->shapes[i].st)
            sqlite3_reset(s->shapes[i].st);
    if ((e = exec_const(s, "ROLLBACK TO pp_unit", d)) != PP_OK)
        return e;
    return exec_const(s, "RELEASE pp_unit", d);
}

/* ---- for the other store files (store_int.h) ---- */

struct sqlite3 *pp_store_sqlite(struct pp_store *s)
{
    return s->db;
}

void pp_store_now_iso(char out[32])
{
    now_iso(out);
}

const char *pp_store_path(const struct pp_store *s)
{
    return s->path ? s->path : "";
}

sqlite3_stmt *pp_store_stmt(struct pp_store *s, const char *sql, struct pp_diag *d)
{
    int i;
    for (i = 0; i < PP_STORE_EXTRA_STMTS && s->extra[i].sql; i++)
        if (s->extra[i].sql == sql) {
            sqlite3_reset(s->extra[i].st);
            sqlite3_clear_bindings(s->extra[i].st);
            return s->extra[i].st;
        }
    if (i == PP_STORE_EXTRA_STMTS) {
        (void)pp_diag_set(d, PP_ERR_INTERNAL, "store", "too many prepared statements");
        return NULL;
    }
    if (sqlite3_prepare_v3(s->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &s->extra[i].st, NULL) !=
        SQLITE_OK) {
        (void)db_error(s, d, "prepare");
        s->extra[i].st = NULL;
        return NULL;
    }
    s->extra[i].sql = sql;
    return s->extra[i].st;
}

int pp_store_step(struct pp_store *s, sqlite3_stmt *st)
{
    return step(s, st);
}

enum pp_err pp_store_scalar(struct pp_store *s, const char *sql, long *out, struct pp_diag *d)
{
    sqlite3_stmt *st = pp_store_stmt(s, sql, d);
    int rc;
    *out = 0;
    if (!st)
        return PP_ERR_IO;
    rc = step(s, st);
    if (rc == SQLITE_ROW)
        *out = (long)sqlite3_column_int64(st, 0);
    sqlite3_reset(st);
    return rc == SQLITE_ROW ? PP_OK : db_error(s, d, "database");
}
