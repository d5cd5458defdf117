/*
 * audit_journal.c — the read-audit journal of store/audit.h: records appended as lines to
 * `<db path>.audit-journal.<generation>` and imported into the hash chain in batches.
 * A line: "A1" and the record's fields (at, user_id, agent, role, client, action,
 * resource_type, resource_id, patient, outcome, reason), each after a tab, with backslash,
 * tab, CR and LF escaped, ended by LF. Nothing here logs a record's content.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store/audit.h"
#include "store/store_int.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/banned.h"

#define LINE_MAX_BYTES 4096
#define PATH_BYTES 4300

struct pp_audit_journal {
    pthread_mutex_t lock;        /* fd, gen, size, pending */
    pthread_mutex_t import_lock; /* one import at a time */
    char base[PATH_BYTES];       /* "<db path>.audit-journal" */
    int lock_fd;
    int fd;       /* generation gen's file, opened at its first line; -1: not open */
    long gen;     /* the generation new lines go to */
    long todo_lo; /* the oldest generation not yet imported */
    off_t size;   /* bytes of gen's file */
    size_t pending;
};

static const char sql_done_max[] = "SELECT coalesce(max(generation), 0) FROM audit_journal_done";
static const char sql_done_put[] =
    "INSERT OR IGNORE INTO audit_journal_done (generation) VALUES (?1)";
static const char sql_done_trim[] = "DELETE FROM audit_journal_done WHERE generation < ?1";

/* ---- the line form ---- */

static void put_field(struct pp_buf *b, const char *v)
{
    pp_buf_addc(b, '\t');
    for (; *v; v++) {
        switch (*v) {
        case '\\': pp_buf_add(b, "\\\\", 2); break;
        case '\t': pp_buf_add(b, "\\t", 2); break;
        case '\n': pp_buf_add(b, "\\n", 2); break;
        case '\r': pp_buf_add(b, "\\r", 2); break;
        default: pp_buf_addc(b, *v);
        }
    }
}

static void encode(struct pp_buf *b, const struct pp_audit_record *r)
{
    char num[32];
    pp_buf_add(b, "A1", 2);
    put_field(b, r->at);
    snprintf(num, sizeof(num), "%ld", r->user_id);
    put_field(b, num);
    put_field(b, r->agent);
    put_field(b, r->role);
    put_field(b, r->client);
    put_field(b, r->action);
    put_field(b, r->resource_type);
    put_field(b, r->resource_id);
    put_field(b, r->patient);
    put_field(b, r->outcome);
    put_field(b, r->reason);
    pp_buf_addc(b, '\n');
}

/* Unescape [p, end) into out (cap bytes); false when it does not fit or is malformed. */
static bool get_field(const char *p, const char *end, char *out, size_t cap)
{
    size_t n = 0;
    for (; p < end; p++) {
        char c = *p;
        if (c == '\\') {
            if (++p >= end)
                return false;
            c = *p == 't' ? '\t' : *p == 'n' ? '\n' : *p == 'r' ? '\r' : *p == '\\' ? '\\' : 0;
            if (!c)
                return false;
        }
        if (n + 1 >= cap)
            return false;
        out[n++] = c;
    }
    out[n] = '\0';
    return true;
}

/* One line (without its LF) into r; false: damaged. */
static bool decode(const char *line, size_t len, struct pp_audit_record *r)
{
    struct {
        char *out;
        size_t cap;
    } f[11];
    char num[32], *endp;
    const char *p = line, *end = line + len;
    size_t i = 0;

    memset(r, 0, sizeof(*r));
    f[0].out = r->at, f[0].cap = sizeof(r->at);
    f[1].out = num, f[1].cap = sizeof(num);
    f[2].out = r->agent, f[2].cap = sizeof(r->agent);
    f[3].out = r->role, f[3].cap = sizeof(r->role);
    f[4].out = r->client, f[4].cap = sizeof(r->client);
    f[5].out = r->action, f[5].cap = sizeof(r->action);
    f[6].out = r->resource_type, f[6].cap = sizeof(r->resource_type);
    f[7].out = r->resource_id, f[7].cap = sizeof(r->resource_id);
    f[8].out = r->patient, f[8].cap = sizeof(r->patient);
    f[9].out = r->outcome, f[9].cap = sizeof(r->outcome);
    f[10].out = r->reason, f[10].cap = sizeof(r->reason);
    if (len < 3 || memcmp(line, "A1\t", 3) != 0)
        return false;
    p += 3;
    for (i = 0; i < 11; i++) {
        const char *tab = memchr(p, '\t', (size_t)(end - p));
        const char *stop = tab ? tab : end;
        if ((i < 10) != (tab != NULL) || !get_field(p, stop, f[i].out, f[i].cap))
            return false;
        p = tab ? tab + 1 : end;
    }
    errno = 0;
    r->user_id = strtol(num, &endp, 10);
    return errno == 0 && *num && !*endp && r->at[0] && r->action[0];
}

/* ---- files ---- */

static void base_of(const char *db, char *out, size_t cap)
{
    snprintf(out, cap, "%s.audit-journal", db);
}

static void gen_path(const char *base, long gen, char *out, size_t cap)
{
    snprintf(out, cap, "%s.%ld", base, gen);
}

/* Append the records of generation gen's file to *recs (a missing file holds none). */
static enum pp_err read_gen(const char *base, long gen, struct pp_audit_record **recs, size_t *n,
                            size_t *cap, long *damaged, struct pp_diag *d)
{
    char path[PATH_BYTES + 32];
    struct pp_buf b;
    char chunk[65536];
    int fd;
    size_t at = 0;

    gen_path(base, gen, path, sizeof(path));
    if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
        if (errno == ENOENT)
            return PP_OK;
        return pp_diag_set(d, PP_ERR_IO, "audit-journal", "cannot read %s: %s", path,
                           strerror(errno));
    }
    pp_buf_init(&b, (size_t)1 << 30);
    for (;;) {
        ssize_t r = read(fd, chunk, sizeof(chunk));
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            int e = errno;
            close(fd);
            pp_buf_release(&b);
            return pp_diag_set(d, PP_ERR_IO, "audit-journal", "cannot read %s: %s", path,
                               strerror(e));
        }
        if (r == 0)
            break;
        pp_buf_add(&b, chunk, (size_t)r);
    }
    close(fd);
    while (at < b.len) {
        const char *line = b.data + at;
        const char *lf = memchr(line, '\n', b.len - at);
        size_t len = lf ? (size_t)(lf - line) : b.len - at;
        if (*n == *cap) {
            *cap = *cap ? *cap * 2 : 256;
            *recs = pp_xrealloc(*recs, *cap * sizeof(**recs));
        }
        if (lf && decode(line, len, &(*recs)[*n]))
            ++*n;
        else
            ++*damaged; /* a torn write: its request was answered with an error */
        at += len + (lf ? 1 : 0);
    }
    pp_buf_release(&b);
    return PP_OK;
}

static enum pp_err done_max(struct pp_store *s, long *out, struct pp_diag *d)
{
    return pp_store_scalar(s, sql_done_max, out, d);
}

/* Inside the open transaction: generations up to hi are imported (only the newest is kept:
 * generations are imported in order). */
static enum pp_err mark_done(struct pp_store *s, long hi, struct pp_diag *d)
{
    const char *const sqls[] = {sql_done_put, sql_done_trim};
    for (size_t i = 0; i < 2; i++) {
        sqlite3_stmt *st = pp_store_stmt(s, sqls[i], d);
        int rc;
        if (!st)
            return PP_ERR_IO;
        sqlite3_bind_int64(st, 1, hi);
        rc = pp_store_step(s, st);
        sqlite3_reset(st);
        if (rc != SQLITE_DONE)
            return pp_diag_set(d, PP_ERR_IO, "audit-journal", "audit journal: %s",
                               sqlite3_errmsg(pp_store_sqlite(s)));
    }
    return PP_OK;
}

/* Import generations lo..hi of base into the chain in one transaction, mark hi done, then
 * remove their files. Generations already marked done are only removed. */
static enum pp_err import_range(struct pp_store *s, const char *base, long lo, long hi,
                                long *damaged, struct pp_diag *d)
{
    struct pp_audit_record *recs = NULL;
    size_t n = 0, cap = 0;
    long done;
    enum pp_err e;

    if ((e = pp_store_begin(s, d)) != PP_OK)
        return e;
    if ((e = done_max(s, &done, d)) != PP_OK)
        goto fail;
    for (long g = lo > done ? lo : done + 1; g <= hi; g++)
        if ((e = read_gen(base, g, &recs, &n, &cap, damaged, d)) != PP_OK)
            goto fail;
    if (hi > done && ((e = pp_store_audit_append_batch(s, recs, n, d)) != PP_OK ||
                      (e = mark_done(s, hi, d)) != PP_OK))
        goto fail;
    free(recs);
    if ((e = pp_store_commit(s, d)) != PP_OK)
        return e;
    for (long g = lo; g <= hi; g++) {
        char path[PATH_BYTES + 32];
        gen_path(base, g, path, sizeof(path));
        (void)unlink(path);
    }
    return PP_OK;
fail:
    free(recs);
    pp_store_rollback(s);
    return e;
}

static int cmp_long(const void *a, const void *b)
{
    long x = *(const long *)a, y = *(const long *)b;
    return x < y ? -1 : x > y;
}

/* The generations whose files exist beside the database, ascending, into *gens. */
static enum pp_err list_gens(const char *base, long **gens, size_t *n, struct pp_diag *d)
{
    char dir[PATH_BYTES];
    const char *name;
    size_t name_len, cap = 0;
    DIR *dh;
    struct dirent *e;
    char *slash;

    snprintf(dir, sizeof(dir), "%s", base);
    slash = strrchr(dir, '/');
    if (slash) {
        *slash = '\0';
        name = base + (slash - dir) + 1;
        if (!dir[0])
            snprintf(dir, sizeof(dir), "/");
    } else {
        snprintf(dir, sizeof(dir), ".");
        name = base;
    }
    name_len = strlen(name);
    *gens = NULL;
    *n = 0;
    if (!(dh = opendir(dir)))
        return pp_diag_set(d, PP_ERR_IO, "audit-journal", "cannot list %s: %s", dir,
                           strerror(errno));
    while ((e = readdir(dh)) != NULL) {
        const char *p = e->d_name;
        char *endp;
        long g;
        if (strncmp(p, name, name_len) != 0 || p[name_len] != '.' || p[name_len + 1] < '0' ||
            p[name_len + 1] > '9')
            continue;
        errno = 0;
        g = strtol(p + name_len + 1, &endp, 10);
        if (errno || *endp || g <= 0)
            continue;
        if (*n == cap) {
            cap = cap ? cap * 2 : 16;
            *gens = pp_xrealloc(*gens, cap * sizeof(**gens));
        }
        (*gens)[(*n)++] = g;
    }
    closedir(dh);
    if (*n)
        qsort(*gens, *n, sizeof(**gens), cmp_long);
    return PP_OK;
}

/* Lock base's journal: the descriptor holding the lock, or -1 with *busy. */
static enum pp_err lock_journal(const char *base, int *fd, bool *busy, struct pp_diag *d)
{
    char path[PATH_BYTES + 16];
    snprintf(path, sizeof(path), "%s.lock", base);
    *busy = false;
    if ((*fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600)) < 0)
        return pp_diag_set(d, PP_ERR_IO, "audit-journal", "cannot open %s: %s", path,
                           strerror(errno));
    if (flock(*fd, LOCK_EX | LOCK_NB) != 0) {
        int e = errno;
        close(*fd);
        *fd = -1;
        if (e == EWOULDBLOCK) {
            *busy = true;
            return PP_OK;
        }
        return pp_diag_set(d, PP_ERR_IO, "audit-journal", "cannot lock %s: %s", path, strerror(e));
    }
    return PP_OK;
}

/* With the lock held: import every leftover generation in order; *next: the generation
 * after every one seen or imported. */
static enum pp_err import_files(struct pp_store *s, const char *base, long *next, long *damaged,
                                struct pp_diag *d)
{
    long *gens, done;
    size_t n;
    enum pp_err e;

    if ((e = list_gens(base, &gens, &n, d)) != PP_OK)
        return e;
    for (size_t i = 0; i < n && e == PP_OK; i++)
        e = import_range(s, base, gens[i], gens[i], damaged, d);
    if (e == PP_OK && (e = done_max(s, &done, d)) == PP_OK)
        *next = (n && gens[n - 1] > done ? gens[n - 1] : done) + 1;
    free(gens);
    return e;
}

static bool usable(struct pp_store *s, struct pp_diag *d)
{
    const char *db = pp_store_path(s);
    if (!db || !*db || strcmp(db, ":memory:") == 0) {
        pp_diag_set(d, PP_ERR_INTERNAL, "audit-journal", "the store has no file for a journal");
        return false;
    }
    return true;
}

enum pp_err pp_store_audit_import_leftovers(struct pp_store *s, bool *busy, long *damaged,
                                            struct pp_diag *d)
{
    char base[PATH_BYTES];
    long next;
    int fd;
    enum pp_err e;

    *damaged = 0;
    *busy = false;
    if (!usable(s, d))
        return PP_ERR_INTERNAL;
    base_of(pp_store_path(s), base, sizeof(base));
    if ((e = lock_journal(base, &fd, busy, d)) != PP_OK || *busy)
        return e;
    e = import_files(s, base, &next, damaged, d);
    close(fd);
    return e;
}

/* ---- the journal of a running process ---- */

enum pp_err pp_audit_journal_open(struct pp_store *s, struct pp_audit_journal **out,
                                  struct pp_diag *d)
{
    struct pp_audit_journal *j;
    long damaged = 0;
    bool busy;
    enum pp_err e;

    *out = NULL;
    if (!usable(s, d))
        return PP_ERR_INTERNAL;
    j = pp_xcalloc(1, sizeof(*j));
    base_of(pp_store_path(s), j->base, sizeof(j->base));
    j->fd = -1;
    if ((e = lock_journal(j->base, &j->lock_fd, &busy, d)) != PP_OK || busy) {
        free(j);
        return e;
    }
    if ((e = import_files(s, j->base, &j->gen, &damaged, d)) != PP_OK) {
        close(j->lock_fd);
        free(j);
        return e;
    }
    j->todo_lo = j->gen;
    pthread_mutex_init(&j->lock, NULL);
    pthread_mutex_init(&j->import_lock, NULL);
    *out = j;
    return PP_OK;
}

enum pp_err pp_audit_journal_append(struct pp_audit_journal *j, const struct pp_audit_record *r,
                                    size_t *pending, struct pp_diag *d)
{
    char path[PATH_BYTES + 32];
    struct pp_buf b;
    enum pp_err e = PP_OK;
    ssize_t w;

    pp_buf_init(&b, LINE_MAX_BYTES);
    if (!r->at[0]) {
        struct pp_audit_record copy = *r;
        pp_store_now_iso(copy.at);
        encode(&b, &copy);
    } else {
        encode(&b, r);
    }
    if (b.overflow || b.len == 0 || b.data[b.len - 1] != '\n') {
        pp_buf_release(&b);
        return pp_diag_set(d, PP_ERR_INTERNAL, "audit-journal", "an audit record is too long");
    }
    pthread_mutex_lock(&j->lock);
    if (j->fd < 0) {
        gen_path(j->base, j->gen, path, sizeof(path));
        j->fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
        if (j->fd < 0) {
            e = pp_diag_set(d, PP_ERR_IO, "audit-journal", "cannot open %s: %s", path,
                            strerror(errno));
            goto out;
        }
        j->size = lseek(j->fd, 0, SEEK_END);
    }
    do
        w = write(j->fd, b.data, b.len);
    while (w < 0 && errno == EINTR);
    if (w != (ssize_t)b.len) {
        e = pp_diag_set(d, PP_ERR_IO, "audit-journal", "cannot write the audit journal: %s",
                        w < 0 ? strerror(errno) : "short write");
        /* a torn line must not swallow the next: cut it off, or start a new file */
        if (w > 0 && ftruncate(j->fd, j->size) != 0) {
            close(j->fd);
            j->fd = -1;
            j->gen++;
        }
        goto out;
    }
    j->size += w;
    j->pending++;
out:
    if (pending)
        *pending = j->pending;
    pthread_mutex_unlock(&j->lock);
    pp_buf_release(&b);
    return e;
}

enum pp_err pp_audit_journal_import(struct pp_audit_journal *j, struct pp_store *s,
                                    struct pp_diag *d)
{
    long lo, hi, damaged = 0;
    enum pp_err e = PP_OK;

    pthread_mutex_lock(&j->import_lock);
    pthread_mutex_lock(&j->lock);
    lo = j->todo_lo;
    if (j->pending == 0 && j->fd < 0 && lo >= j->gen) {
        pthread_mutex_unlock(&j->lock);
        pthread_mutex_unlock(&j->import_lock);
        return PP_OK; /* nothing written since the last import */
    }
    /* new lines go to the next generation's file from here on */
    if (j->fd >= 0)
        close(j->fd);
    j->fd = -1;
    hi = j->gen++;
    j->pending = 0;
    pthread_mutex_unlock(&j->lock);
    if ((e = import_range(s, j->base, lo, hi, &damaged, d)) == PP_OK)
        j->todo_lo = hi + 1;
    pthread_mutex_unlock(&j->import_lock);
    return e;
}

void pp_audit_journal_close(struct pp_audit_journal *j)
{
    if (!j)
        return;
    if (j->fd >= 0)
        close(j->fd);
    close(j->lock_fd);
    pthread_mutex_destroy(&j->lock);
    pthread_mutex_destroy(&j->import_lock);
    free(j);
}
