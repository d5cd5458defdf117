/*
 * audit.c — the SQLite side of store/audit.h: append a record to the hash chain, walk the
 * chain, search it. The chain key lives in `<db path>.audit-key` (32 random bytes as hex,
 * mode 0600), never in the database. Nothing here logs a record's content.
 */
#include "store/audit.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store/store_int.h"
#include "util/buf.h"
#include "util/secret.h"
#include "util/banned.h"

/* The hash a chain's first record links to. */
static const char genesis[] = "0000000000000000000000000000000000000000000000000000000000000000";

static const char sql_head[] = "SELECT seq, hash, mac FROM audit_head WHERE one = 1";
static const char sql_max[] = "SELECT max(seq) FROM audit";
static const char sql_insert[] =
    "INSERT INTO audit (seq, at, user_id, agent, role, client, action, resource_type,"
    " resource_id, patient, outcome, reason, prev_hash, hash)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)";
static const char sql_head_put[] =
    "INSERT INTO audit_head (one, seq, hash, mac) VALUES (1, ?1, ?2, ?3)"
    " ON CONFLICT (one) DO UPDATE SET seq = excluded.seq, hash = excluded.hash,"
    " mac = excluded.mac";
#define AUDIT_COLUMNS                                                                              \
    "seq, at, coalesce(user_id, 0), agent, role, client, action, coalesce(resource_type, ''),"     \
    " coalesce(resource_id, ''), coalesce(patient, ''), outcome, coalesce(reason, ''),"            \
    " prev_hash, hash"
static const char sql_walk[] = "SELECT " AUDIT_COLUMNS " FROM audit ORDER BY seq";
static const char sql_sync_normal[] = "PRAGMA synchronous = NORMAL";
static const char sql_sync_full[] = "PRAGMA synchronous = FULL";
/* Search: every filter is bound (NULL: no filter), newest first. */
#define AUDIT_WHERE                                                                                \
    " WHERE (?1 IS NULL OR patient = ?1) AND (?2 IS NULL OR agent = ?2)"                           \
    " AND (?3 IS NULL OR at >= ?3) AND (?4 IS NULL OR at < ?4) AND (?5 IS NULL OR seq = ?5)"
static const char sql_search[] =
    "SELECT " AUDIT_COLUMNS " FROM audit" AUDIT_WHERE " ORDER BY seq DESC LIMIT ?6 OFFSET ?7";
static const char sql_count[] = "SELECT count(*) FROM audit" AUDIT_WHERE;

/* ---- the key ---- */

/* One cached key per database path, valid while the key file is the same file. */
static pthread_mutex_t key_lock = PTHREAD_MUTEX_INITIALIZER;
static struct {
    char path[4200];
    dev_t dev;
    ino_t ino;
    unsigned char key[PP_SECRET_KEY_BYTES];
} key_cache[8];
static unsigned key_next;

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

static enum pp_err read_key(const char *path, unsigned char key[PP_SECRET_KEY_BYTES],
                            struct pp_diag *d)
{
    char text[2 * PP_SECRET_KEY_BYTES + 2];
    size_t n = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return pp_diag_set(d, PP_ERR_IO, "audit-key", "cannot read the audit key %s: %s", path,
                           strerror(errno));
    while (n < sizeof(text)) {
        ssize_t r = read(fd, text + n, sizeof(text) - n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        n += (size_t)r;
    }
    close(fd);
    if (n < 2 * PP_SECRET_KEY_BYTES)
        return pp_diag_set(d, PP_ERR_IO, "audit-key", "the audit key %s is damaged", path);
    for (size_t i = 0; i < PP_SECRET_KEY_BYTES; i++) {
        int hi = hexval(text[2 * i]), lo = hexval(text[2 * i + 1]);
        if (hi < 0 || lo < 0)
            return pp_diag_set(d, PP_ERR_IO, "audit-key", "the audit key %s is damaged", path);
        key[i] = (unsigned char)(hi << 4 | lo);
    }
    return PP_OK;
}

/* Write a new key to path atomically: a private temporary file, fsynced, then link()ed into
 * place (which fails when another process made one first; then theirs is used). */
static enum pp_err create_key(const char *path, struct pp_diag *d)
{
    unsigned char key[PP_SECRET_KEY_BYTES];
    char tmp[4300], text[2 * PP_SECRET_KEY_BYTES + 1];
    static const char hex[] = "0123456789abcdef";
    enum pp_err e = PP_OK;
    int fd;

    pp_secret_random_key(key);
    for (size_t i = 0; i < PP_SECRET_KEY_BYTES; i++) {
        text[2 * i] = hex[key[i] >> 4];
        text[2 * i + 1] = hex[key[i] & 15];
    }
    text[2 * PP_SECRET_KEY_BYTES] = '\n';
    snprintf(tmp, sizeof(tmp), "%s.%ld.%lu.tmp", path, (long)getpid(),
             (unsigned long)pthread_self());
    fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0)
        return pp_diag_set(d, PP_ERR_IO, "audit-key", "cannot create the audit key %s: %s", path,
                           strerror(errno));
    if (write(fd, text, sizeof(text)) != (ssize_t)sizeof(text) || fsync(fd) != 0)
        e = pp_diag_set(d, PP_ERR_IO, "audit-key", "cannot write the audit key %s: %s", path,
                        strerror(errno));
    close(fd);
    if (e == PP_OK && link(tmp, path) != 0 && errno != EEXIST)
        e = pp_diag_set(d, PP_ERR_IO, "audit-key", "cannot create the audit key %s: %s", path,
                        strerror(errno));
    unlink(tmp);
    memset(key, 0, sizeof(key));
    return e;
}

/*
 * The chain key of s's database. When the file is missing: a new one if `may_create` (the
 * chain is empty), else PP_ERR_IO (a chain without its key cannot be checked or continued:
 * making a new key would hide that).
 */
static enum pp_err chain_key(struct pp_store *s, bool may_create,
                             unsigned char key[PP_SECRET_KEY_BYTES], struct pp_diag *d)
{
    char path[4200];
    struct stat st;
    enum pp_err e;
    const char *db = pp_store_path(s);

    if (!db || !*db || strcmp(db, ":memory:") == 0)
        return pp_diag_set(d, PP_ERR_INTERNAL, "audit-key", "the store has no file for its key");
    snprintf(path, sizeof(path), "%s.audit-key", db);
    if (stat(path, &st) != 0) {
        if (errno != ENOENT)
            return pp_diag_set(d, PP_ERR_IO, "audit-key", "cannot read the audit key %s: %s", path,
                               strerror(errno));
        if (!may_create)
            return pp_diag_set(d, PP_ERR_IO, "audit-key",
                               "the audit key %s is missing but the audit trail has records", path);
        if ((e = create_key(path, d)) != PP_OK)
            return e;
        if (stat(path, &st) != 0)
            return pp_diag_set(d, PP_ERR_IO, "audit-key", "cannot read the audit key %s: %s", path,
                               strerror(errno));
    }
    pthread_mutex_lock(&key_lock);
    for (size_t i = 0; i < sizeof(key_cache) / sizeof(key_cache[0]); i++)
        if (key_cache[i].ino == st.st_ino && key_cache[i].dev == st.st_dev &&
            strcmp(key_cache[i].path, path) == 0) {
            memcpy(key, key_cache[i].key, PP_SECRET_KEY_BYTES);
            pthread_mutex_unlock(&key_lock);
            return PP_OK;
        }
    pthread_mutex_unlock(&key_lock);
    if ((e = read_key(path, key, d)) != PP_OK)
        return e;
    pthread_mutex_lock(&key_lock);
    {
        unsigned i = key_next++ % (unsigned)(sizeof(key_cache) / sizeof(key_cache[0]));
        snprintf(key_cache[i].path, sizeof(key_cache[i].path), "%s", path);
        key_cache[i].dev = st.st_dev;
        key_cache[i].ino = st.st_ino;
        memcpy(key_cache[i].key, key, PP_SECRET_KEY_BYTES);
    }
    pthread_mutex_unlock(&key_lock);
    return PP_OK;
}

/* ---- the canonical form ---- */

/* "<length>:<bytes>;" — no field's content can pass for another field. */
static void field(struct pp_buf *b, const char *v)
{
    size_t n = strlen(v);
    pp_buf_addf(b, "%zu:", n);
    pp_buf_add(b, v, n);
    pp_buf_addc(b, ';');
}

/* The HMAC of r's fields in a fixed order, with its prev_hash. */
static void record_hash(const unsigned char key[PP_SECRET_KEY_BYTES],
                        const struct pp_audit_record *r, char out[PP_SECRET_HEX_MAX])
{
    struct pp_buf b;
    char num[32];
    pp_buf_init(&b, (size_t)1 << 16);
    field(&b, "painpath-audit-1");
    snprintf(num, sizeof(num), "%ld", r->seq);
    field(&b, num);
    field(&b, r->at);
    snprintf(num, sizeof(num), "%ld", r->user_id);
    field(&b, num);
    field(&b, r->agent);
    field(&b, r->role);
    field(&b, r->client);
    field(&b, r->action);
    field(&b, r->resource_type);
    field(&b, r->resource_id);
    field(&b, r->patient);
    field(&b, r->outcome);
    field(&b, r->reason);
    field(&b, r->prev_hash);
    pp_secret_hmac_hex(key, b.data, b.len, out);
    pp_buf_release(&b);
}

/* The MAC of the chain's head (its newest seq and hash): a head rewritten without the key
 * does not verify. */
static void head_mac(const unsigned char key[PP_SECRET_KEY_BYTES], long seq, const char *hash,
                     char out[PP_SECRET_HEX_MAX])
{
    struct pp_buf b;
    char num[32];
    pp_buf_init(&b, 256);
    field(&b, "painpath-audit-head-1");
    snprintf(num, sizeof(num), "%ld", seq);
    field(&b, num);
    field(&b, hash);
    pp_secret_hmac_hex(key, b.data, b.len, out);
    pp_buf_release(&b);
}

/* ---- append ---- */

static enum pp_err db_fail(struct pp_store *s, struct pp_diag *d, const char *what)
{
    return pp_diag_set(d, PP_ERR_IO, "audit", "%s: %s", what, sqlite3_errmsg(pp_store_sqlite(s)));
}

static void bind_str(sqlite3_stmt *st, int i, const char *v)
{
    sqlite3_bind_text(st, i, v, -1, SQLITE_STATIC);
}

static void copy_col(sqlite3_stmt *st, int col, char *out, size_t cap)
{
    const unsigned char *v = sqlite3_column_text(st, col);
    snprintf(out, cap, "%s", v ? (const char *)v : "");
}

/* The head (seq 0 and genesis when the chain is empty). */
static enum pp_err read_head(struct pp_store *s, long *seq, char hash[65], bool *present,
                             struct pp_diag *d)
{
    sqlite3_stmt *st = pp_store_stmt(s, sql_head, d);
    int rc;
    if (!st)
        return PP_ERR_IO;
    *seq = 0;
    snprintf(hash, 65, "%s", genesis);
    *present = false;
    rc = pp_store_step(s, st);
    if (rc == SQLITE_ROW) {
        *present = true;
        *seq = (long)sqlite3_column_int64(st, 0);
        copy_col(st, 1, hash, 65);
    }
    sqlite3_reset(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return db_fail(s, d, "audit head");
    return PP_OK;
}

static enum pp_err max_seq(struct pp_store *s, long *seq, struct pp_diag *d)
{
    return pp_store_scalar(s, sql_max, seq, d);
}

/* Inside the open write transaction: link r[0..n) to the head in turn, insert them, move
 * the head once (one key load, one head read and write per batch). */
static enum pp_err append_in_tx(struct pp_store *s, struct pp_audit_record *r, size_t n,
                                struct pp_diag *d)
{
    unsigned char key[PP_SECRET_KEY_BYTES];
    char mac[PP_SECRET_HEX_MAX], prev[65];
    long head_seq, last;
    bool present;
    sqlite3_stmt *st;
    enum pp_err e;
    int rc;

    if (n == 0)
        return PP_OK;
    if ((e = read_head(s, &head_seq, prev, &present, d)) != PP_OK)
        return e;
    if (!present && ((e = max_seq(s, &last, d)) != PP_OK ||
                     (last > 0 && (e = pp_diag_set(d, PP_ERR_IO, "audit",
                                                   "the audit trail has records but no head "
                                                   "(run painpath audit verify)")) != PP_OK)))
        return e;
    if ((e = chain_key(s, !present, key, d)) != PP_OK)
        return e;
    for (size_t i = 0; i < n; i++) {
        snprintf(r[i].prev_hash, sizeof(r[i].prev_hash), "%s", prev);
        r[i].seq = head_seq + 1 + (long)i;
        if (!r[i].at[0])
            pp_store_now_iso(r[i].at);
        record_hash(key, &r[i], r[i].hash);
        snprintf(prev, sizeof(prev), "%s", r[i].hash);
        if (!(st = pp_store_stmt(s, sql_insert, d))) {
            memset(key, 0, sizeof(key));
            return PP_ERR_IO;
        }
        sqlite3_bind_int64(st, 1, r[i].seq);
        bind_str(st, 2, r[i].at);
        if (r[i].user_id > 0)
            sqlite3_bind_int64(st, 3, r[i].user_id);
        else
            sqlite3_bind_null(st, 3);
        bind_str(st, 4, r[i].agent);
        bind_str(st, 5, r[i].role);
        bind_str(st, 6, r[i].client);
        bind_str(st, 7, r[i].action);
        bind_str(st, 8, r[i].resource_type);
        bind_str(st, 9, r[i].resource_id);
        bind_str(st, 10, r[i].patient);
        bind_str(st, 11, r[i].outcome);
        bind_str(st, 12, r[i].reason);
        bind_str(st, 13, r[i].prev_hash);
        bind_str(st, 14, r[i].hash);
        rc = pp_store_step(s, st);
        sqlite3_reset(st);
        if (rc != SQLITE_DONE) {
            memset(key, 0, sizeof(key));
            return db_fail(s, d, "audit append");
        }
    }
    head_mac(key, r[n - 1].seq, r[n - 1].hash, mac);
    memset(key, 0, sizeof(key));
    if (!(st = pp_store_stmt(s, sql_head_put, d)))
        return PP_ERR_IO;
    sqlite3_bind_int64(st, 1, r[n - 1].seq);
    bind_str(st, 2, r[n - 1].hash);
    bind_str(st, 3, mac);
    rc = pp_store_step(s, st);
    sqlite3_reset(st);
    if (rc != SQLITE_DONE)
        return db_fail(s, d, "audit head");
    return PP_OK;
}

enum pp_err pp_store_audit_append_batch(struct pp_store *s, struct pp_audit_record *r, size_t n,
                                        struct pp_diag *d)
{
    if (!pp_store_in_transaction(s))
        return pp_diag_set(d, PP_ERR_INTERNAL, "audit", "a batch is appended inside a transaction");
    return append_in_tx(s, r, n, d);
}

static pthread_mutex_t append_lock = PTHREAD_MUTEX_INITIALIZER;

static void exec_pragma(struct pp_store *s, const char *sql)
{
    struct pp_diag ignored;
    sqlite3_stmt *st = pp_store_stmt(s, sql, &ignored);
    if (st) {
        (void)pp_store_step(s, st);
        sqlite3_reset(st);
    }
}

enum pp_err pp_store_audit_append(struct pp_store *s, struct pp_audit_record *r, struct pp_diag *d)
{
    enum pp_err e;
    if (pp_store_in_transaction(s))
        return append_in_tx(s, r, 1, d);
    /* The threads of this process take turns here rather than in SQLite's busy handler,
     * which sleeps a millisecond or more when the write lock is taken. */
    pthread_mutex_lock(&append_lock);
    /* An audit-only commit: synchronous=NORMAL (WAL: durable once written to the log, against
     * a crash of the process; the next FULL commit or checkpoint fsyncs it) — an fsync per
     * read would cut the read rate a hundredfold. docs/SECURITY.md "Audit". */
    exec_pragma(s, sql_sync_normal);
    if ((e = pp_store_begin(s, d)) == PP_OK) {
        e = append_in_tx(s, r, 1, d);
        e = pp_store_end_own(s, true, e, d);
    }
    exec_pragma(s, sql_sync_full);
    pthread_mutex_unlock(&append_lock);
    return e;
}

/* ---- verify ---- */

static void read_row(sqlite3_stmt *st, struct pp_audit_record *r)
{
    memset(r, 0, sizeof(*r));
    r->seq = (long)sqlite3_column_int64(st, 0);
    copy_col(st, 1, r->at, sizeof(r->at));
    r->user_id = (long)sqlite3_column_int64(st, 2);
    copy_col(st, 3, r->agent, sizeof(r->agent));
    copy_col(st, 4, r->role, sizeof(r->role));
    copy_col(st, 5, r->client, sizeof(r->client));
    copy_col(st, 6, r->action, sizeof(r->action));
    copy_col(st, 7, r->resource_type, sizeof(r->resource_type));
    copy_col(st, 8, r->resource_id, sizeof(r->resource_id));
    copy_col(st, 9, r->patient, sizeof(r->patient));
    copy_col(st, 10, r->outcome, sizeof(r->outcome));
    copy_col(st, 11, r->reason, sizeof(r->reason));
    copy_col(st, 12, r->prev_hash, sizeof(r->prev_hash));
    copy_col(st, 13, r->hash, sizeof(r->hash));
}

/* Check every record against its predecessor; the first break into bad_seq / why. */
static enum pp_err walk(struct pp_store *s, const unsigned char key[PP_SECRET_KEY_BYTES],
                        long *checked, long *bad_seq, long *last_seq, char last_hash[65],
                        char why[160], struct pp_diag *d)
{
    sqlite3_stmt *st = pp_store_stmt(s, sql_walk, d);
    struct pp_audit_record r;
    char expect[PP_SECRET_HEX_MAX];
    int rc;
    if (!st)
        return PP_ERR_IO;
    while ((rc = pp_store_step(s, st)) == SQLITE_ROW) {
        read_row(st, &r);
        ++*checked;
        if (r.seq != *last_seq + 1) {
            *bad_seq = r.seq > *last_seq + 1 ? *last_seq + 1 : r.seq;
            if (r.seq > *last_seq + 1)
                snprintf(why, 160, "record %ld is missing (deleted): the next record is %ld",
                         *last_seq + 1, r.seq);
            else
                snprintf(why, 160, "record %ld is out of sequence", r.seq);
            break;
        }
        if (strcmp(r.prev_hash, last_hash) != 0) {
            *bad_seq = r.seq;
            snprintf(why, 160,
                     "record %ld does not link to record %ld (inserted, reordered, or its "
                     "predecessor replaced)",
                     r.seq, *last_seq);
            break;
        }
        record_hash(key, &r, expect);
        if (!pp_secret_equal(expect, r.hash)) {
            *bad_seq = r.seq;
            snprintf(why, 160, "record %ld does not match its hash (edited or forged)", r.seq);
            break;
        }
        *last_seq = r.seq;
        snprintf(last_hash, 65, "%s", r.hash);
    }
    sqlite3_reset(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return db_fail(s, d, "audit");
    return PP_OK;
}

enum pp_err pp_store_audit_verify(struct pp_store *s, long *checked, long *bad_seq, char why[160],
                                  struct pp_diag *d)
{
    unsigned char key[PP_SECRET_KEY_BYTES];
    char head_hash[65], last_hash[65], mac[PP_SECRET_HEX_MAX], expect[PP_SECRET_HEX_MAX];
    long head_seq, last_seq = 0, max;
    bool present, own = !pp_store_in_transaction(s);
    sqlite3_stmt *st;
    enum pp_err e;

    *checked = 0;
    *bad_seq = 0;
    why[0] = '\0';
    /* one snapshot: appends that commit meanwhile are not half-seen */
    if (own && (e = pp_store_begin_read(s, d)) != PP_OK)
        return e;
    if ((e = read_head(s, &head_seq, head_hash, &present, d)) != PP_OK ||
        (e = max_seq(s, &max, d)) != PP_OK)
        goto out;
    if (!present && max == 0)
        goto out; /* an empty chain; no key needed */
    if ((e = chain_key(s, false, key, d)) != PP_OK)
        goto out;
    snprintf(last_hash, sizeof(last_hash), "%s", genesis);
    e = walk(s, key, checked, bad_seq, &last_seq, last_hash, why, d);
    if (e != PP_OK || *bad_seq)
        goto wipe;
    if (!present) {
        *bad_seq = 1;
        snprintf(why, 160, "the chain's head is missing (%ld records without it)", last_seq);
        goto wipe;
    }
    if (!(st = pp_store_stmt(s, sql_head, d))) {
        e = PP_ERR_IO;
        goto wipe;
    }
    if (pp_store_step(s, st) == SQLITE_ROW)
        copy_col(st, 2, mac, sizeof(mac));
    else
        mac[0] = '\0';
    sqlite3_reset(st);
    head_mac(key, head_seq, head_hash, expect);
    if (!pp_secret_equal(expect, mac)) {
        *bad_seq = head_seq > last_seq ? last_seq + 1 : head_seq;
        snprintf(why, 160, "the chain's head (record %ld) has been rewritten", head_seq);
    } else if (head_seq > last_seq) {
        *bad_seq = last_seq + 1;
        if (head_seq == last_seq + 1)
            snprintf(why, 160, "record %ld is missing (the newest deleted)", head_seq);
        else
            snprintf(why, 160, "records %ld to %ld are missing (the newest deleted)", last_seq + 1,
                     head_seq);
    } else if (head_seq < last_seq) {
        *bad_seq = head_seq + 1;
        snprintf(why, 160, "record %ld was added after the chain's head (forged)", head_seq + 1);
    } else if (!pp_secret_equal(head_hash, last_hash)) {
        *bad_seq = head_seq;
        snprintf(why, 160, "record %ld is not the chain's head (replaced)", head_seq);
    }
wipe:
    memset(key, 0, sizeof(key));
out:
    if (own)
        pp_store_rollback(s); /* a read transaction: nothing to keep */
    return e;
}

/* ---- search ---- */

static void bind_opt(sqlite3_stmt *st, int i, const char *v)
{
    if (v && *v)
        bind_str(st, i, v);
    else
        sqlite3_bind_null(st, i);
}

static void bind_query(sqlite3_stmt *st, const struct pp_audit_query *q)
{
    bind_opt(st, 1, q->patient);
    bind_opt(st, 2, q->agent);
    bind_opt(st, 3, q->date_lo);
    bind_opt(st, 4, q->date_hi);
    if (q->seq > 0)
        sqlite3_bind_int64(st, 5, q->seq);
    else
        sqlite3_bind_null(st, 5);
}

enum pp_err pp_store_audit_search(struct pp_store *s, const struct pp_audit_query *q,
                                  pp_store_audit_fn fn, void *ctx, size_t *total, struct pp_diag *d)
{
    sqlite3_stmt *st;
    struct pp_audit_record r;
    enum pp_err e = PP_OK;
    int rc;

    if (total) {
        if (!(st = pp_store_stmt(s, sql_count, d)))
            return PP_ERR_IO;
        bind_query(st, q);
        rc = pp_store_step(s, st);
        *total = rc == SQLITE_ROW ? (size_t)sqlite3_column_int64(st, 0) : 0;
        sqlite3_reset(st);
        if (rc != SQLITE_ROW)
            return db_fail(s, d, "audit search");
    }
    if (!(st = pp_store_stmt(s, sql_search, d)))
        return PP_ERR_IO;
    bind_query(st, q);
    sqlite3_bind_int64(st, 6, q->count > 0 ? q->count : -1);
    sqlite3_bind_int64(st, 7, q->offset > 0 ? q->offset : 0);
    while ((rc = pp_store_step(s, st)) == SQLITE_ROW) {
        read_row(st, &r);
        if ((e = fn(ctx, &r)) != PP_OK)
            break;
    }
    sqlite3_reset(st);
    if (e == PP_OK && rc != SQLITE_DONE)
        return db_fail(s, d, "audit search");
    return e;
}

static const char sql_patient_of[] = "SELECT patient FROM resource WHERE type = ?1 AND id = ?2";

enum pp_err pp_store_audit_patient_of(struct pp_store *s, const char *type, const char *id,
                                      char out[PP_STORE_ID_MAX + 1], struct pp_diag *d)
{
    sqlite3_stmt *st = pp_store_stmt(s, sql_patient_of, d);
    int rc;
    out[0] = '\0';
    if (!st)
        return PP_ERR_IO;
    bind_str(st, 1, type);
    bind_str(st, 2, id);
    rc = pp_store_step(s, st);
    if (rc == SQLITE_ROW)
        copy_col(st, 0, out, PP_STORE_ID_MAX + 1);
    sqlite3_reset(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return db_fail(s, d, "audit");
    return PP_OK;
}
