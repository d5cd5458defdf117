/*
 * sqlite.c — the SQLite backend of store.h: WAL, synchronous=FULL, foreign keys, a busy
 * timeout, one connection per struct pp_store (one per thread), every SQL text a static
 * const char[] prepared once per connection and reused, every write one transaction.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sqlite3.h>

#include "fhir/load.h"
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
    S_SEARCH_TYPE,
    S_SEARCH_PATIENT,
    S_TOTAL_TYPE,
    S_TOTAL_PATIENT,
    S_COUNT,
    S_TYPES,
    S_SCAN,
    S_PATIENT,
    S_FEEDBACK,
    S_SCHEMA_GET,
    S_SCHEMA_SET,
    S_COUNT_STMTS
};

/* The WHERE clause every search shares: ?1 type, ?2 patient, ?3 subject, ?4 code system,
 * ?5 code, ?6 status, ?7 date_lo, ?8 date_hi, ?9 identifier system, ?10 identifier,
 * ?11 _id; ?12 limit, ?13 offset. */
#define PP_SEARCH_FILTER                                                                           \
    " AND r.deleted = 0"                                                                           \
    " AND (?3 IS NULL OR EXISTS (SELECT 1 FROM search_index i WHERE i.rid = r.rid"                 \
    "      AND i.param = 'subject' AND i.value = ?3))"                                             \
    " AND (?5 IS NULL OR EXISTS (SELECT 1 FROM search_index i WHERE i.rid = r.rid"                 \
    "      AND i.param = 'code' AND i.value = ?5 AND (?4 IS NULL OR i.system = ?4)))"              \
    " AND (?6 IS NULL OR EXISTS (SELECT 1 FROM search_index i WHERE i.rid = r.rid"                 \
    "      AND i.param = 'status' AND i.value = ?6))"                                              \
    " AND (?7 IS NULL OR EXISTS (SELECT 1 FROM search_index i WHERE i.rid = r.rid"                 \
    "      AND i.param = 'date' AND i.value >= ?7))"                                               \
    " AND (?8 IS NULL OR EXISTS (SELECT 1 FROM search_index i WHERE i.rid = r.rid"                 \
    "      AND i.param = 'date' AND i.value < ?8))"                                                \
    " AND (?10 IS NULL OR EXISTS (SELECT 1 FROM search_index i WHERE i.rid = r.rid"                \
    "      AND i.param = 'identifier' AND i.value = ?10 AND (?9 IS NULL OR i.system = ?9)))"       \
    " AND (?11 IS NULL OR r.id = ?11)"

/* ?14 is enum pp_store_sort: one key ascending or descending, then creation order. */
#define PP_SEARCH_DATE                                                                             \
    "(SELECT min(i.value) FROM search_index i WHERE i.rid = r.rid AND i.param = 'date')"
#define PP_SEARCH_ORDER                                                                            \
    " ORDER BY CASE ?14 WHEN 1 THEN r.last_updated WHEN 3 THEN " PP_SEARCH_DATE                    \
    " WHEN 5 THEN r.id END ASC,"                                                                   \
    " CASE ?14 WHEN 2 THEN r.last_updated WHEN 4 THEN " PP_SEARCH_DATE                             \
    " WHEN 6 THEN r.id END DESC, r.rid LIMIT ?12 OFFSET ?13"

#define PP_SEARCH_SELECT                                                                           \
    "SELECT r.type, r.id, v.version, v.last_updated, v.deleted, v.body FROM resource r"            \
    " JOIN resource_version v ON v.rid = r.rid AND v.version = r.version"

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
    [S_INS_IDX] = "INSERT OR IGNORE INTO search_index (rid, param, system, value)"
                  " VALUES (?1, ?2, ?3, ?4)",
    [S_READ] = PP_SEARCH_SELECT " WHERE r.type = ?1 AND r.id = ?2",
    [S_VREAD] = "SELECT r.type, r.id, v.version, v.last_updated, v.deleted, v.body"
                " FROM resource r JOIN resource_version v ON v.rid = r.rid"
                " WHERE r.type = ?1 AND r.id = ?2 AND v.version = ?3",
    [S_HISTORY] = "SELECT r.type, r.id, v.version, v.last_updated, v.deleted, v.body"
                  " FROM resource r JOIN resource_version v ON v.rid = r.rid"
                  " WHERE r.type = ?1 AND r.id = ?2 ORDER BY v.version DESC",
    [S_SEARCH_TYPE] =
        PP_SEARCH_SELECT " WHERE r.type = ?1 AND ?2 IS NULL" PP_SEARCH_FILTER PP_SEARCH_ORDER,
    [S_SEARCH_PATIENT] =
        PP_SEARCH_SELECT " WHERE r.patient = ?2 AND r.type = ?1" PP_SEARCH_FILTER PP_SEARCH_ORDER,
    [S_TOTAL_TYPE] = "SELECT count(*) FROM resource r WHERE r.type = ?1 AND ?2 IS NULL"
                     " AND ?12 IS NULL AND ?13 IS NULL" PP_SEARCH_FILTER,
    [S_TOTAL_PATIENT] = "SELECT count(*) FROM resource r WHERE r.patient = ?2 AND r.type = ?1"
                        " AND ?12 IS NULL AND ?13 IS NULL" PP_SEARCH_FILTER,
    [S_COUNT] = "SELECT count(*) FROM resource WHERE deleted = 0 AND (?1 IS NULL OR type = ?1)",
    [S_TYPES] = "SELECT type, count(*) FROM resource WHERE deleted = 0 GROUP BY type"
                " ORDER BY type",
    [S_SCAN] = PP_SEARCH_SELECT " WHERE r.type = ?1 AND r.deleted = 0 ORDER BY r.rid",
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

struct pp_store {
    sqlite3 *db;
    sqlite3_stmt *stmt[S_COUNT_STMTS];
    bool in_tx;
    int schema;
    struct pp_buf scratch; /* index extraction scratch */
};

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
    int rc = sqlite3_step(st);
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
    if (sqlite3_step(st) != SQLITE_ROW) {
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
    sqlite3_busy_timeout(s->db, PP_STORE_BUSY_MS);
    if (sqlite3_exec(s->db, pp_sql_pragmas, NULL, NULL, &err) != SQLITE_OK) {
        e = pp_diag_set(d, PP_ERR_IO, path, "cannot open the database: %s", err ? err : "?");
        sqlite3_free(err);
        pp_store_close(s);
        return e;
    }
    if ((e = migrate(s, d)) != PP_OK) {
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
    sqlite3_close(s->db);
    pp_buf_release(&s->scratch);
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

static enum pp_err index_row(struct pp_store *s, sqlite3_int64 rid, const char *param,
                             const char *system, const char *value, struct pp_diag *d)
{
    sqlite3_stmt *st;
    if (!value || !*value)
        return PP_OK;
    if (!(st = stmt_get(s, S_INS_IDX, d)))
        return PP_ERR_IO;
    sqlite3_bind_int64(st, 1, rid);
    sqlite3_bind_text(st, 2, param, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, system ? system : "", -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, value, -1, SQLITE_STATIC);
    return stmt_done(s, st, d, param);
}

/* Index every coding of a CodeableConcept under `param` (system|code). */
static enum pp_err index_concept(struct pp_store *s, sqlite3_int64 rid, const char *param,
                                 const cJSON *cc, struct pp_diag *d)
{
    const cJSON *c;
    enum pp_err e;
    cJSON_ArrayForEach(c, pp_json_arr(cc, "coding"))
    {
        if ((e = index_row(s, rid, param, pp_json_str(c, "system"), pp_json_str(c, "code"), d)))
            return e;
    }
    return PP_OK;
}

/* The clinical date of a resource, for the `date` parameter: the first of these present. */
static const char *const pp_date_paths[][2] = {
    {"effectiveDateTime", NULL},
    {"effectivePeriod", "start"},
    {"performedDateTime", NULL},
    {"performedPeriod", "start"},
    {"onsetDateTime", NULL},
    {"authoredOn", NULL},
    {"occurrenceDateTime", NULL},
    {"period", "start"},
    {"start", NULL},
    {"date", NULL},
    {"recordedDate", NULL},
    {"issued", NULL},
    {"created", NULL},
    {"billablePeriod", "start"},
    {"birthDate", NULL},
};

/* Replace the index rows of rid with those `res` calls for. */
static enum pp_err index_resource(struct pp_store *s, sqlite3_int64 rid, const cJSON *res,
                                  struct pp_diag *d)
{
    static const char *const code_keys[] = {"code", "medicationCodeableConcept", "vaccineCode"};
    static const char *const status_keys[] = {"clinicalStatus", "verificationStatus"};
    const cJSON *c;
    enum pp_err e;
    if ((e = clear_index(s, rid, d)) != PP_OK)
        return e;
    if ((e = index_row(s, rid, "subject", NULL,
                       pp_json_str(pp_json_obj(res, "subject"), "reference"), d)))
        return e;
    for (size_t i = 0; i < sizeof(code_keys) / sizeof(code_keys[0]); i++)
        if ((e = index_concept(s, rid, "code", pp_json_obj(res, code_keys[i]), d)))
            return e;
    if ((e = index_row(s, rid, "status", NULL, pp_json_str(res, "status"), d)))
        return e;
    for (size_t i = 0; i < sizeof(status_keys) / sizeof(status_keys[0]); i++)
        if ((e = index_concept(s, rid, "status", pp_json_obj(res, status_keys[i]), d)))
            return e;
    for (size_t i = 0; i < sizeof(pp_date_paths) / sizeof(pp_date_paths[0]); i++) {
        const char *v = pp_date_paths[i][1] ? pp_json_str(pp_json_obj(res, pp_date_paths[i][0]),
                                                          pp_date_paths[i][1])
                                            : pp_json_str(res, pp_date_paths[i][0]);
        if (v) {
            if ((e = index_row(s, rid, "date", NULL, v, d)))
                return e;
            break;
        }
    }
    cJSON_ArrayForEach(c, pp_json_arr(res, "identifier"))
    {
        if ((e = index_row(s, rid, "identifier", pp_json_str(c, "system"), pp_json_str(c, "value"),
                           d)))
            return e;
    }
    return PP_OK;
}

/* The bare patient id a resource belongs to, copied into out ("" when none). */
static void patient_of(const char *type, const cJSON *res, char out[PP_STORE_ID_MAX + 1])
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
    int rc = sqlite3_step(st);
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
    patient_of(type, res, patient);
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
    if ((e = index_resource(s, rid, res, d)) != PP_OK)
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
    int rc = sqlite3_step(st);
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
}

/* One row of a read statement -> caller-owned body. */
static enum pp_err read_one(struct pp_store *s, sqlite3_stmt *st, const char *type, const char *id,
                            char **body, struct pp_store_meta *meta, struct pp_diag *d)
{
    struct pp_store_resource r;
    int rc = sqlite3_step(st);
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
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
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

enum pp_err pp_store_query_init(struct pp_store_query *q, const char *type, struct pp_diag *d)
{
    memset(q, 0, sizeof(*q));
    if (!pp_store_valid_type(type))
        return pp_diag_set(d, PP_ERR_INPUT, "type", "expected a resource type name");
    snprintf(q->type, sizeof(q->type), "%s", type);
    return PP_OK;
}

void pp_store_query_release(struct pp_store_query *q)
{
    for (int i = 0; i < q->n_owned; i++)
        free(q->owned[i]);
    q->n_owned = 0;
}

static const char *own(struct pp_store_query *q, char *s)
{
    q->owned[q->n_owned++] = s;
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

/* Split "system|value" into owned parts; no bar: system NULL. */
static void split_token(struct pp_store_query *q, const char *value, const char **sys,
                        const char **val)
{
    const char *bar = strchr(value, '|');
    if (!bar) {
        *sys = NULL;
        *val = value;
        return;
    }
    *sys = own(q, pp_xstrndup(value, (size_t)(bar - value)));
    *val = bar + 1;
}

enum pp_err pp_store_query_param(struct pp_store_query *q, const char *name, const char *value,
                                 struct pp_diag *d)
{
    /* at most two owned copies per call; the array holds what the supported names need */
    if (q->n_owned + 2 > (int)(sizeof(q->owned) / sizeof(q->owned[0])))
        return pp_diag_set(d, PP_ERR_LIMIT, name, "too many search parameters");
    if (!value || !*value)
        return pp_diag_set(d, PP_ERR_INPUT, name, "expected a value");
    if (strcmp(name, "_count") == 0) {
        long c;
        enum pp_err e = parse_long(name, value, PP_STORE_MAX_COUNT, &c, d);
        if (e == PP_OK)
            q->count = c ? c : -1; /* _count=0: only the total */
        return e;
    }
    if (strcmp(name, "_offset") == 0)
        return parse_long(name, value, 1L << 30, &q->offset, d);
    if (strcmp(name, "_sort") == 0) {
        static const char *const keys[] = {"_lastUpdated", "-_lastUpdated", "date",
                                           "-date",        "_id",           "-_id"};
        for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
            if (strcmp(value, keys[i]) == 0) {
                q->sort = (enum pp_store_sort)(i + 1);
                return PP_OK;
            }
        return pp_diag_set(d, PP_ERR_UNSUPPORTED, name,
                           "supported: _lastUpdated, date, _id (each may start with '-')");
    }
    value = own(q, pp_xstrdup(value));
    if (strcmp(name, "patient") == 0) {
        const char *id = strncmp(value, "Patient/", 8) == 0 ? value + 8 : value;
        if (!pp_store_valid_id(id))
            return pp_diag_set(d, PP_ERR_INPUT, name, "expected a Patient id");
        q->patient = id;
    } else if (strcmp(name, "subject") == 0) {
        q->subject = value;
    } else if (strcmp(name, "_id") == 0) {
        if (!pp_store_valid_id(value))
            return pp_diag_set(d, PP_ERR_INPUT, name, "expected a FHIR id");
        q->id = value;
    } else if (strcmp(name, "code") == 0) {
        split_token(q, value, &q->code_system, &q->code);
        if (q->code_system && !*q->code_system)
            q->code_system = NULL;
    } else if (strcmp(name, "identifier") == 0) {
        split_token(q, value, &q->identifier_system, &q->identifier);
        if (q->identifier_system && !*q->identifier_system)
            q->identifier_system = NULL;
    } else if (strcmp(name, "status") == 0) {
        q->status = value;
    } else if (strcmp(name, "date") == 0) {
        static const char *const prefixes[] = {"eq", "ge", "gt", "le", "lt"};
        int p = 0; /* eq without a prefix */
        for (int i = 0; i < 5; i++)
            if (strncmp(value, prefixes[i], 2) == 0)
                p = i;
        const char *v = (value[0] >= 'a' && value[0] <= 'z') ? value + 2 : value;
        if (strlen(v) < 4 || v[0] < '0' || v[0] > '9')
            return pp_diag_set(d, PP_ERR_INPUT, name,
                               "expected [eq|ge|gt|le|lt]YYYY[-MM[-DD[Thh:mm:ss]]]");
        /* '~' sorts after every character of an ISO date, so X~ is "the end of X" */
        char *end = pp_xmalloc(strlen(v) + 2);
        memcpy(end, v, strlen(v));
        end[strlen(v)] = '~';
        end[strlen(v) + 1] = '\0';
        own(q, end);
        if (p == 0 || p == 1)
            q->date_lo = v;
        if (p == 0 || p == 3)
            q->date_hi = end;
        if (p == 2)
            q->date_lo = end;
        if (p == 4)
            q->date_hi = v;
    } else {
        return pp_diag_set(d, PP_ERR_UNSUPPORTED, name, "unsupported search parameter");
    }
    return PP_OK;
}

static void bind_query(sqlite3_stmt *st, const struct pp_store_query *q)
{
    bind_text(st, 1, q->type);
    bind_text(st, 2, q->patient);
    bind_text(st, 3, q->subject);
    bind_text(st, 4, q->code_system);
    bind_text(st, 5, q->code);
    bind_text(st, 6, q->status);
    bind_text(st, 7, q->date_lo);
    bind_text(st, 8, q->date_hi);
    bind_text(st, 9, q->identifier_system);
    bind_text(st, 10, q->identifier);
    bind_text(st, 11, q->id);
}

enum pp_err pp_store_search(struct pp_store *s, const struct pp_store_query *q, pp_store_each_fn fn,
                            void *ctx, size_t *total, struct pp_diag *d)
{
    sqlite3_stmt *st;
    enum pp_err e;
    if (total) {
        if (!(st = stmt_get(s, q->patient ? S_TOTAL_PATIENT : S_TOTAL_TYPE, d)))
            return PP_ERR_IO;
        bind_query(st, q);
        if (sqlite3_step(st) != SQLITE_ROW) {
            e = db_error(s, d, "search");
            sqlite3_reset(st);
            return e;
        }
        *total = (size_t)sqlite3_column_int64(st, 0);
        sqlite3_reset(st);
    }
    if (q->count < 0)
        return PP_OK;
    if (!(st = stmt_get(s, q->patient ? S_SEARCH_PATIENT : S_SEARCH_TYPE, d)))
        return PP_ERR_IO;
    bind_query(st, q);
    sqlite3_bind_int64(st, 12, q->count ? q->count : PP_STORE_DEFAULT_COUNT);
    sqlite3_bind_int64(st, 13, q->offset);
    sqlite3_bind_int(st, 14, (int)q->sort);
    return walk(s, st, fn, ctx, NULL, d);
}

enum pp_err pp_store_count(struct pp_store *s, const char *type, size_t *n, struct pp_diag *d)
{
    sqlite3_stmt *st = stmt_get(s, S_COUNT, d);
    enum pp_err e = PP_OK;
    *n = 0;
    if (!st)
        return PP_ERR_IO;
    bind_text(st, 1, type);
    if (sqlite3_step(st) == SQLITE_ROW)
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
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
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
    rc = sqlite3_step(st);
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
    int rc = sqlite3_step(st);
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
    if ((e = exec_const(s, "ROLLBACK TO pp_unit", d)) != PP_OK)
        return e;
    return exec_const(s, "RELEASE pp_unit", d);
}
