/*
 * handlers_export.c — FHIR Bulk Data $export (Bulk Data Access IG v2, asynchronous):
 * kick-off (system and Patient level), status polling, cancel, and the NDJSON files.
 * Each job runs on its own thread with its own store connection inside one read
 * transaction (a consistent snapshot while the server keeps writing) and writes through
 * store/export.c into <export dir>/<job id>/. Jobs live in memory only: a restart forgets
 * them and pp_http_export_start removes their directories. Nothing of a patient is logged.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "http/handlers.h"
#include "store/export.h"
#include "store/store.h"
#include "util/alloc.h"
#include "util/json.h"
#include "util/banned.h"

/* Jobs exporting at once (each holds a store connection and a read snapshot, and the
 * machine has few cores); one more kick-off is answered 429 with Retry-After. */
#define EXPORT_RUNNING_MAX 2
/* Jobs kept at once, running or finished (their files use disk); beyond it: 429. */
#define EXPORT_JOBS_MAX 16
/* A finished job and its files are removed this long after it finished (seconds). */
#define EXPORT_EXPIRY_S 3600
/* Retry-After of a running job's status and of a 429 (seconds). */
#define EXPORT_RETRY_S "1"
#define EXPORT_RETRY_BUSY_S "10"
/* Job ids are 128 random bits in hex. */
#define JOB_ID_LEN 32
#define NDJSON_TYPE "application/fhir+ndjson"
/* The error file's name (the manifest's "error" entry): OperationOutcomes, one per line. */
#define ERROR_TYPE "OperationOutcome"

enum job_state { JOB_RUNNING, JOB_DONE, JOB_FAILED, JOB_CANCELLED };

struct job {
    char id[JOB_ID_LEN + 1];
    char dir[4096 + JOB_ID_LEN + 2]; /* export_root/id */
    char db[4096];                   /* the store it reads (db_path when it started) */
    char base[256];                  /* "http://host/fhir" of the kick-off, for the file URLs */
    char request[2048];              /* the kick-off request URL (manifest "request") */
    struct pp_export_spec spec;
    char transaction_time[PP_EXPORT_INSTANT_LEN];
    enum job_state state;           /* under `lock` */
    char progress[128];             /* under `lock` */
    atomic_bool cancel;             /* DELETE or server stop: the thread stops at its next tick */
    struct pp_export_result result; /* set by the thread before it leaves JOB_RUNNING */
    size_t n_errors;                /* lines of the error file (0: none) */
    struct pp_diag diag;            /* why a JOB_FAILED job failed */
    struct timespec finished;       /* CLOCK_MONOTONIC, when it left JOB_RUNNING */
    pthread_t thread;
    bool thread_done; /* under `lock`: the thread has nothing left to do but return */
    bool joined;
    struct job *next;
};

/* The registry: every job, newest first; and where the files go. */
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct job *jobs;
static char db_path[4096];
static char export_root[4096]; /* "" while the server has no store */

/* ---- files ---- */

static bool is_job_id(const char *s)
{
    size_t n = 0;
    for (; s[n]; n++)
        if (!isxdigit((unsigned char)s[n]) || isupper((unsigned char)s[n]))
            return false;
    return n == JOB_ID_LEN;
}

/* Remove a job directory and the files in it (only ours are there). */
static void remove_dir(const char *dir)
{
    DIR *dh = opendir(dir);
    struct dirent *e;
    char path[4096 + 400];

    if (dh) {
        while ((e = readdir(dh)) != NULL) {
            if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
                continue;
            snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
            (void)unlink(path);
        }
        closedir(dh);
    }
    (void)rmdir(dir);
}

static void now_instant(char out[PP_EXPORT_INSTANT_LEN])
{
    struct timespec ts;
    struct tm tm;
    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    snprintf(out, PP_EXPORT_INSTANT_LEN, "%04u-%02u-%02uT%02u:%02u:%02u.%03uZ",
             (unsigned)(tm.tm_year + 1900) % 10000u, (unsigned)(tm.tm_mon + 1) % 100u,
             (unsigned)tm.tm_mday % 100u, (unsigned)tm.tm_hour % 100u, (unsigned)tm.tm_min % 100u,
             (unsigned)tm.tm_sec % 100u, (unsigned)(ts.tv_nsec / 1000000) % 1000u);
}

/* ---- the job thread ---- */

static bool on_tick(void *ctx, const char *type, size_t type_index, size_t n_types, size_t written)
{
    struct job *j = ctx;
    pthread_mutex_lock(&lock);
    snprintf(j->progress, sizeof(j->progress), "%s (type %zu of %zu), %zu resources written", type,
             type_index + 1, n_types, written);
    pthread_mutex_unlock(&lock);
    return !atomic_load(&j->cancel);
}

/* The error file: one OperationOutcome (warning) per _type outside every Patient
 * compartment, which a Patient-level export cannot hold. */
static enum pp_err write_errors(const struct job *j, const struct pp_export_result *r,
                                struct pp_diag *d)
{
    char path[sizeof(j->dir) + 32];
    FILE *f;
    int bad = 0;

    snprintf(path, sizeof(path), "%s/" ERROR_TYPE ".ndjson", j->dir);
    if (!(f = fopen(path, "w")))
        return pp_diag_set(d, PP_ERR_IO, "", "cannot create the error file: %s", strerror(errno));
    for (size_t i = 0; i < r->n_skipped; i++)
        if (fprintf(f,
                    "{\"resourceType\":\"OperationOutcome\",\"issue\":[{\"severity\":"
                    "\"warning\",\"code\":\"not-supported\",\"diagnostics\":\"%s is in no "
                    "Patient compartment: not exported by Patient/$export\",\"expression\":"
                    "[\"_type\"]}]}\n",
                    r->skipped[i]) < 0)
            bad = 1;
    if (fclose(f) != 0 || bad)
        return pp_diag_set(d, PP_ERR_IO, "", "cannot write the error file: %s", strerror(errno));
    return PP_OK;
}

static void *run_job(void *arg)
{
    struct job *j = arg;
    struct pp_store *s = NULL;
    struct pp_export_result result = {0};
    struct pp_diag d;
    enum pp_err e;

    pp_diag_clear(&d);
    e = pp_store_open(j->db, &s, &d);
    if (e == PP_OK)
        e = pp_store_begin_read(s, &d);
    if (e == PP_OK)
        e = pp_store_export(s, j->dir, &j->spec, on_tick, j, &result, &d);
    pp_store_close(s); /* ends the read transaction */
    if (e == PP_OK && result.n_skipped > 0)
        e = write_errors(j, &result, &d);
    pthread_mutex_lock(&lock);
    if (atomic_load(&j->cancel)) {
        j->state = JOB_CANCELLED;
        remove_dir(j->dir);
        pp_export_result_release(&result);
    } else if (e != PP_OK) {
        j->state = JOB_FAILED;
        j->diag = d;
        remove_dir(j->dir);
        pp_export_result_release(&result);
    } else {
        j->state = JOB_DONE;
        j->result = result;
        j->n_errors = result.n_skipped;
    }
    clock_gettime(CLOCK_MONOTONIC, &j->finished);
    j->thread_done = true;
    pthread_mutex_unlock(&lock);
    return NULL;
}

static void job_free(struct job *j)
{
    pp_export_result_release(&j->result);
    free(j);
}

/* Under `lock`: join finished threads, drop cancelled jobs and expired ones (files too). */
static void sweep(void)
{
    struct timespec now;
    struct job **pp = &jobs;

    clock_gettime(CLOCK_MONOTONIC, &now);
    while (*pp) {
        struct job *j = *pp;
        bool drop = false;
        if (j->thread_done && !j->joined) {
            pthread_join(j->thread, NULL); /* returns at once: the thread is leaving */
            j->joined = true;
        }
        if (j->joined && j->state == JOB_CANCELLED)
            drop = true;
        if (j->joined && (j->state == JOB_DONE || j->state == JOB_FAILED) &&
            now.tv_sec - j->finished.tv_sec >= EXPORT_EXPIRY_S) {
            remove_dir(j->dir);
            drop = true;
        }
        if (drop) {
            *pp = j->next;
            job_free(j);
        } else {
            pp = &j->next;
        }
    }
}

/* Under `lock`: the job `id`, unless unknown or cancelled. */
static struct job *find_job(const char *id)
{
    for (struct job *j = jobs; j; j = j->next)
        if (strcmp(j->id, id) == 0 && j->state != JOB_CANCELLED)
            return j;
    return NULL;
}

void pp_http_export_start(const struct pp_http_env *env)
{
    DIR *dh;
    struct dirent *e;

    pthread_mutex_lock(&lock);
    db_path[0] = export_root[0] = '\0';
    if (env && env->db_path) {
        snprintf(db_path, sizeof(db_path), "%s", env->db_path);
        if (env->export_dir && env->export_dir[0])
            snprintf(export_root, sizeof(export_root), "%s", env->export_dir);
        else
            snprintf(export_root, sizeof(export_root), "%s.export", env->db_path);
    }
    /* jobs of an earlier run are forgotten: remove their directories */
    if (export_root[0] && (dh = opendir(export_root)) != NULL) {
        while ((e = readdir(dh)) != NULL) {
            char dir[4096 + 64];
            if (!is_job_id(e->d_name))
                continue;
            int n = snprintf(dir, sizeof(dir), "%s/%s", export_root, e->d_name);
            if (n > 0 && (size_t)n < sizeof(dir))
                remove_dir(dir);
        }
        closedir(dh);
    }
    pthread_mutex_unlock(&lock);
}

void pp_http_export_stop(void)
{
    struct job *j;

    pthread_mutex_lock(&lock);
    for (j = jobs; j; j = j->next)
        atomic_store(&j->cancel, true);
    pthread_mutex_unlock(&lock);
    /* no handler runs any more (the server has stopped): nothing else joins or frees */
    for (j = jobs; j; j = j->next)
        if (!j->joined) {
            pthread_join(j->thread, NULL);
            j->joined = true;
        }
    pthread_mutex_lock(&lock);
    while ((j = jobs) != NULL) {
        jobs = j->next;
        remove_dir(j->dir);
        job_free(j);
    }
    if (export_root[0])
        (void)rmdir(export_root); /* only when empty: nothing but job directories is removed */
    pthread_mutex_unlock(&lock);
}

/* ---- request helpers ---- */

/* "http://HOST/fhir" (a sane Host header) or "/fhir". */
static void base_url(const struct pp_http_request *req, char *out, size_t cap)
{
    bool host_ok = req->host && req->host[0] && strlen(req->host) < 200;
    for (const char *p = req->host; host_ok && *p; p++)
        if (!isalnum((unsigned char)*p) && !strchr(".-:[]", *p))
            host_ok = false;
    snprintf(out, cap, "%s%s/fhir", host_ok ? "http://" : "", host_ok ? req->host : "");
}

static void add_url_encoded(struct pp_buf *b, const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (isalnum(*p) || strchr("-._~,:", *p))
            pp_buf_addc(b, (char)*p);
        else
            pp_buf_addf(b, "%%%02X", *p);
    }
}

/* Does a comma/semicolon-separated header value hold `token` (case-insensitive)? */
static bool header_has(const char *h, const char *token)
{
    size_t n = strlen(token);
    for (const char *p = h; p && *p;) {
        while (*p == ' ' || *p == ',' || *p == ';')
            p++;
        if (strncasecmp(p, token, n) == 0 && (p[n] == '\0' || strchr(" ,;", p[n])))
            return true;
        p += strcspn(p, ",;");
    }
    return false;
}

/* The kick-off's parameters, from the query string or a Parameters body. */
struct kickoff {
    struct pp_export_spec spec;
    bool have_since, have_format;
};

static enum pp_err take_param(struct kickoff *k, const char *name, const char *value,
                              struct pp_diag *d)
{
    if (strcmp(name, "_type") == 0) {
        enum pp_err e = pp_export_spec_add_types(&k->spec, value, d);
        if (e)
            return e;
        for (size_t i = 0; i < k->spec.n_types; i++)
            if (!pp_http_rest_type_supported(k->spec.types[i]))
                return pp_diag_set(d, PP_ERR_INPUT, "_type", "resource type '%s' is not supported",
                                   k->spec.types[i]);
        return PP_OK;
    }
    if (strcmp(name, "_since") == 0) {
        if (k->have_since)
            return pp_diag_set(d, PP_ERR_INPUT, "_since", "given more than once");
        k->have_since = true;
        return pp_export_parse_instant(value, "_since", k->spec.since, d);
    }
    if (strcmp(name, "_outputFormat") == 0) {
        if (k->have_format)
            return pp_diag_set(d, PP_ERR_INPUT, "_outputFormat", "given more than once");
        k->have_format = true;
        if (strcmp(value, "application/fhir+ndjson") != 0 &&
            strcmp(value, "application/ndjson") != 0 && strcmp(value, "ndjson") != 0)
            return pp_diag_set(d, PP_ERR_INPUT, "_outputFormat",
                               "only application/fhir+ndjson is supported");
        return PP_OK;
    }
    return pp_diag_set(d, PP_ERR_INPUT, name,
                       "parameter not supported by $export (supported: _outputFormat, _type, "
                       "_since)");
}

/* A POST body: a Parameters resource whose parameters carry value[x] strings. */
static enum pp_err take_body(struct kickoff *k, const struct pp_http_request *req,
                             struct pp_diag *d)
{
    cJSON *root = NULL;
    const cJSON *params, *p;
    const char *rt;
    enum pp_err e;
    size_t i = 0;

    if (req->body_len == 0)
        return PP_OK;
    if ((e = pp_json_parse_fast(req->body, req->body_len, "request", &root, d)) != PP_OK)
        return e;
    rt = pp_json_str(root, "resourceType");
    if (!rt || strcmp(rt, "Parameters") != 0) {
        cJSON_Delete(root);
        return pp_diag_set(d, PP_ERR_INPUT, "resourceType", "expected a Parameters resource");
    }
    params = pp_json_arr(root, "parameter");
    cJSON_ArrayForEach(p, params)
    {
        static const char *const value_keys[] = {"valueString", "valueCode", "valueInstant",
                                                 "valueDateTime", "valueDate"};
        const char *name = pp_json_str(p, "name"), *value = NULL;
        for (size_t v = 0; !value && v < sizeof(value_keys) / sizeof(value_keys[0]); v++)
            value = pp_json_str(p, value_keys[v]);
        if (!name || !value) {
            cJSON_Delete(root);
            return pp_diag_set(d, PP_ERR_INPUT, "parameter",
                               "parameter[%zu]: expected a name "
                               "and a string value[x]",
                               i);
        }
        if ((e = take_param(k, name, value, d)) != PP_OK) {
            cJSON_Delete(root);
            return e;
        }
        i++;
    }
    cJSON_Delete(root);
    return PP_OK;
}

static void outcome_info(struct pp_http_response *res, unsigned status, const char *what)
{
    res->status = status;
    res->content_type = PP_HTTP_FHIR_JSON;
    pp_buf_reset(&res->body);
    pp_buf_adds(&res->body, "{\"resourceType\": \"OperationOutcome\", \"issue\": [{\"severity\": "
                            "\"information\", \"code\": \"informational\", \"diagnostics\": ");
    pp_buf_add_json_str(&res->body, what);
    pp_buf_adds(&res->body, "}]}\n");
}

/* Validate the kick-off's headers and parameters into *k. */
static enum pp_err read_kickoff(const struct pp_http_request *req, struct kickoff *k,
                                struct pp_diag *d)
{
    enum pp_err e;

    if (!req->prefer || !header_has(req->prefer, "respond-async"))
        return pp_diag_set(d, PP_ERR_INPUT, "Prefer",
                           "$export is asynchronous: send the header Prefer: respond-async");
    if (req->accept && req->accept[0] && !strstr(req->accept, "application/fhir+json") &&
        !strstr(req->accept, "application/json") && !strstr(req->accept, "*/*") &&
        !strstr(req->accept, "application/*"))
        return pp_diag_set(d, PP_ERR_INPUT, "Accept", "only application/fhir+json is supported");
    if (req->args_overflow)
        return pp_diag_set(d, PP_ERR_INPUT, "", "too many query parameters");
    for (size_t i = 0; i < req->n_args; i++)
        if ((e = take_param(k, req->args[i].name, req->args[i].value, d)) != PP_OK)
            return e;
    return take_body(k, req, d);
}

/* The kick-off request URL for the manifest: base, path below /fhir, query re-encoded. */
static void request_url(const struct pp_http_request *req, struct job *j)
{
    struct pp_buf b;

    pp_buf_init(&b, sizeof(j->request) - 1);
    pp_buf_adds(&b, j->base);
    pp_buf_adds(&b, strncmp(req->path, "/fhir", 5) == 0 ? req->path + 5 : req->path);
    for (size_t i = 0; i < req->n_args; i++) {
        pp_buf_addc(&b, i ? '&' : '?');
        add_url_encoded(&b, req->args[i].name);
        pp_buf_addc(&b, '=');
        add_url_encoded(&b, req->args[i].value);
    }
    if (pp_buf_status(&b) == PP_OK && b.data)
        snprintf(j->request, sizeof(j->request), "%s", b.data);
    else
        snprintf(j->request, sizeof(j->request), "%s%s", j->base, req->path + 5);
    pp_buf_release(&b);
}

/* Under `lock`: jobs whose thread still works (a cancelled one until it has stopped). */
static size_t count_running(void)
{
    size_t n = 0;
    for (struct job *j = jobs; j; j = j->next)
        if (!j->thread_done)
            n++;
    return n;
}

static size_t count_jobs(void)
{
    size_t n = 0;
    for (struct job *j = jobs; j; j = j->next)
        n++;
    return n;
}

/* Under `lock`: create the job's directory and start its thread. */
static enum pp_err launch(struct job *j, struct pp_diag *d)
{
    unsigned char rnd[JOB_ID_LEN / 2];

    if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd))
        return pp_diag_set(d, PP_ERR_IO, "", "no randomness for a job id");
    for (size_t i = 0; i < sizeof(rnd); i++)
        snprintf(j->id + 2 * i, 3, "%02x", rnd[i]);
    if (mkdir(export_root, 0700) != 0 && errno != EEXIST)
        return pp_diag_set(d, PP_ERR_IO, "", "cannot create the export directory: %s",
                           strerror(errno));
    snprintf(j->dir, sizeof(j->dir), "%s/%s", export_root, j->id);
    snprintf(j->db, sizeof(j->db), "%s", db_path);
    if (mkdir(j->dir, 0700) != 0)
        return pp_diag_set(d, PP_ERR_IO, "", "cannot create the job directory: %s",
                           strerror(errno));
    j->state = JOB_RUNNING;
    snprintf(j->progress, sizeof(j->progress), "queued");
    atomic_init(&j->cancel, false);
    if (pthread_create(&j->thread, NULL, run_job, j) != 0) {
        remove_dir(j->dir);
        return pp_diag_set(d, PP_ERR_IO, "", "cannot start the export");
    }
    j->next = jobs;
    jobs = j;
    return PP_OK;
}

static void kickoff(const struct pp_http_request *req, struct pp_http_response *res,
                    bool patient_level)
{
    struct kickoff k;
    struct pp_diag d;
    struct job *j;
    enum pp_err e;

    memset(&k, 0, sizeof(k));
    pp_export_spec_init(&k.spec);
    k.spec.patient_compartment = patient_level;
    pp_diag_clear(&d);
    if ((e = read_kickoff(req, &k, &d)) != PP_OK) {
        pp_http_fail(res, e, &d);
        return;
    }
    j = pp_xcalloc(1, sizeof(*j));
    j->spec = k.spec;
    base_url(req, j->base, sizeof(j->base));
    request_url(req, j);
    /* transactionTime no later than the snapshot the job reads (taken at its first read):
     * a later export with _since = this time misses nothing */
    now_instant(j->transaction_time);
    pthread_mutex_lock(&lock);
    sweep();
    if (!export_root[0]) {
        e = pp_diag_set(&d, PP_ERR_INTERNAL, "", "the server has no store");
    } else if (count_running() >= EXPORT_RUNNING_MAX || count_jobs() >= EXPORT_JOBS_MAX) {
        pthread_mutex_unlock(&lock);
        free(j);
        pp_http_outcome(res, 429, "throttled", "",
                        "too many bulk exports at once: retry later, or DELETE a finished one");
        snprintf(res->retry_after, sizeof(res->retry_after), "%s", EXPORT_RETRY_BUSY_S);
        return;
    } else {
        e = launch(j, &d);
    }
    if (e != PP_OK) {
        pthread_mutex_unlock(&lock);
        free(j);
        pp_http_fail(res, e, &d);
        return;
    }
    snprintf(res->content_location, sizeof(res->content_location), "%s/$export-status/%s", j->base,
             j->id);
    pthread_mutex_unlock(&lock);
    outcome_info(res, 202, "export started; poll the Content-Location URL for its status");
}

void pp_http_handle_export_system(const struct pp_http_request *req, struct pp_http_response *res)
{
    kickoff(req, res, false);
}

void pp_http_handle_export_patient(const struct pp_http_request *req, struct pp_http_response *res)
{
    kickoff(req, res, true);
}

/* Under `lock`: the manifest of a finished job. */
static void manifest(struct pp_buf *b, const struct job *j)
{
    pp_buf_adds(b, "{\"transactionTime\": ");
    pp_buf_add_json_str(b, j->transaction_time);
    pp_buf_adds(b, ", \"request\": ");
    pp_buf_add_json_str(b, j->request);
    pp_buf_adds(b, ", \"requiresAccessToken\": false, \"output\": [");
    for (size_t i = 0; i < j->result.n_files; i++) {
        const struct pp_export_file *f = &j->result.files[i];
        pp_buf_adds(b, i ? ",\n  {\"type\": " : "\n  {\"type\": ");
        pp_buf_add_json_str(b, f->type);
        pp_buf_addf(b, ", \"url\": \"%s/$export-file/%s/%s.ndjson\", \"count\": %zu}", j->base,
                    j->id, f->type, f->count);
    }
    pp_buf_adds(b, "], \"error\": [");
    if (j->n_errors)
        pp_buf_addf(b,
                    "\n  {\"type\": \"" ERROR_TYPE "\", \"url\": \"%s/$export-file/%s/" ERROR_TYPE
                    ".ndjson\", \"count\": %zu}",
                    j->base, j->id, j->n_errors);
    pp_buf_adds(b, "]}\n");
}

void pp_http_handle_export_status(const struct pp_http_request *req, struct pp_http_response *res)
{
    struct job *j;

    pthread_mutex_lock(&lock);
    sweep();
    j = find_job(req->param);
    if (!j) {
        pthread_mutex_unlock(&lock);
        pp_http_outcome(res, 404, "not-found", "", "no such export job (unknown or expired)");
        return;
    }
    if (j->state == JOB_RUNNING) {
        res->status = 202;
        snprintf(res->progress, sizeof(res->progress), "%s", j->progress);
        snprintf(res->retry_after, sizeof(res->retry_after), "%s", EXPORT_RETRY_S);
    } else if (j->state == JOB_FAILED) {
        char what[600];
        snprintf(what, sizeof(what), "the export failed: %s", j->diag.what);
        pp_http_outcome(res, 500, "exception", "", what);
    } else {
        res->content_type = PP_HTTP_JSON;
        manifest(&res->body, j);
    }
    pthread_mutex_unlock(&lock);
}

void pp_http_handle_export_delete(const struct pp_http_request *req, struct pp_http_response *res)
{
    struct job *j;

    pthread_mutex_lock(&lock);
    sweep();
    j = find_job(req->param);
    if (!j) {
        pthread_mutex_unlock(&lock);
        pp_http_outcome(res, 404, "not-found", "", "no such export job (unknown or expired)");
        return;
    }
    /* a running job stops at its next tick and removes its files; a finished one now */
    atomic_store(&j->cancel, true);
    if (j->state != JOB_RUNNING)
        remove_dir(j->dir);
    j->state = JOB_CANCELLED;
    sweep();
    pthread_mutex_unlock(&lock);
    outcome_info(res, 202, "export cancelled and its files removed");
}

void pp_http_handle_export_file(const struct pp_http_request *req, struct pp_http_response *res)
{
    const struct pp_export_file *f = NULL;
    char path[sizeof(((struct job *)0)->dir) + PP_STORE_TYPE_MAX + 16];
    struct stat st;
    struct job *j;
    int fd = -1;

    pthread_mutex_lock(&lock);
    sweep();
    j = find_job(req->param);
    if (j && j->state == JOB_DONE) {
        for (size_t i = 0; !f && i < j->result.n_files; i++) {
            size_t n = strlen(j->result.files[i].type);
            if (strncmp(req->param2, j->result.files[i].type, n) == 0 &&
                strcmp(req->param2 + n, ".ndjson") == 0)
                f = &j->result.files[i];
        }
    }
    if (j && j->state == JOB_DONE && j->n_errors &&
        strcmp(req->param2, ERROR_TYPE ".ndjson") == 0) {
        snprintf(path, sizeof(path), "%s/" ERROR_TYPE ".ndjson", j->dir);
        fd = open(path, O_RDONLY | O_CLOEXEC);
    } else if (f) {
        snprintf(path, sizeof(path), "%s/%s.ndjson", j->dir, f->type);
        fd = open(path, O_RDONLY | O_CLOEXEC);
    }
    if (fd >= 0 && fstat(fd, &st) != 0) {
        close(fd);
        fd = -1;
    }
    pthread_mutex_unlock(&lock);
    if (fd < 0) {
        pp_http_outcome(res, 404, "not-found", "", "no such export file (unknown or expired)");
        return;
    }
    res->content_type = NDJSON_TYPE;
    res->file_fd = fd;
    res->file_size = (unsigned long long)st.st_size;
}
