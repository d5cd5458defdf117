/*
 * run.c — parallel load and evaluation for the batch subcommands. Threads
 * share nothing mutable but an atomic work counter; each owns its patient set
 * and output buffers until the main thread merges them.
 */
#include "cli/run.h"

#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fhir/load.h"
#include "fhir/patient_set.h"
#include "util/alloc.h"
#include "util/json.h"

#define MAX_THREADS 64

struct load_job {
    char **files;
    size_t n_files;
    atomic_size_t next;
    atomic_int failed;
};

struct load_worker {
    struct load_job *job;
    struct pp_patient_set set;
    enum pp_err rc;
    size_t failed_index; /* file index of the first failure this worker saw */
    struct pp_diag diag;
    struct pp_json_scratch scratch; /* this thread's cJSON memory, reset after each file */
    pthread_t thread;
};

static void *load_main(void *arg)
{
    struct load_worker *w = arg;
    struct load_job *job = w->job;

    for (;;) {
        size_t i = atomic_fetch_add(&job->next, 1);
        enum pp_err rc;
        struct pp_diag d;
        if (i >= job->n_files || atomic_load(&job->failed))
            break;
        pp_diag_clear(&d);
        pp_json_scratch_enter(&w->scratch);
        rc = pp_fhir_load_file(&w->set, job->files[i], &d);
        pp_json_scratch_leave(&w->scratch);
        if (rc) {
            if (!w->rc || i < w->failed_index) {
                w->rc = rc;
                w->failed_index = i;
                w->diag = d;
            }
            atomic_store(&job->failed, 1);
            break;
        }
    }
    return NULL;
}

struct eval_job {
    struct pp_record **records;
    size_t n;
    const struct pp_cli_opts *opts;
    pp_cli_patient_fn fn;
    struct pp_buf *outs;
    int *flags;
    atomic_size_t next;
};

static void *eval_main(void *arg)
{
    struct eval_job *job = arg;
    for (;;) {
        size_t i = atomic_fetch_add(&job->next, 16);
        if (i >= job->n)
            break;
        for (size_t k = i; k < i + 16 && k < job->n; k++)
            job->flags[k] = job->fn(job->records[k], job->opts, &job->outs[k]);
    }
    return NULL;
}

static int thread_count(const struct pp_cli_opts *opts, size_t work)
{
    long n = opts->threads > 0 ? opts->threads : sysconf(_SC_NPROCESSORS_ONLN);
    if (n < 1)
        n = 1;
    if (n > MAX_THREADS)
        n = MAX_THREADS;
    if ((size_t)n > work)
        n = work ? (long)work : 1;
    return (int)n;
}

static int by_patient_id(const void *a, const void *b)
{
    const struct pp_record *ra = *(struct pp_record *const *)a;
    const struct pp_record *rb = *(struct pp_record *const *)b;
    return strcmp(ra->patient.id ? ra->patient.id : "", rb->patient.id ? rb->patient.id : "");
}

/* Expand the command line into the list of files, in argument order. */
static enum pp_err collect_files(char **paths, int n_paths, char ***files, size_t *n_files,
                                 struct pp_diag *d)
{
    size_t alloc = 0;
    *files = NULL;
    *n_files = 0;
    for (int i = 0; i < n_paths; i++) {
        struct stat st;
        if (strcmp(paths[i], "-") == 0)
            continue; /* standard input: read by load_stdin */
        if (stat(paths[i], &st) != 0)
            return pp_diag_set(d, PP_ERR_IO, paths[i], "no such file or directory");
        if (S_ISDIR(st.st_mode)) {
            char **sub = NULL;
            size_t n_sub = 0;
            enum pp_err rc = pp_fhir_list_dir(paths[i], &sub, &n_sub, NULL, d);
            if (rc)
                return rc;
            PP_ALLOC_GROW(*files, *n_files + n_sub, alloc);
            memcpy(*files + *n_files, sub, n_sub * sizeof(*sub));
            *n_files += n_sub;
            free(sub); /* the strings moved into *files */
        } else {
            PP_ALLOC_GROW(*files, *n_files + 1, alloc);
            (*files)[(*n_files)++] = pp_xstrdup(paths[i]);
        }
    }
    return PP_OK;
}

/* Load standard input (one JSON Bundle or resource) into `set` when a path is "-". */
static enum pp_err load_stdin(char **paths, int n_paths, struct pp_patient_set *set,
                              struct pp_diag *d)
{
    struct pp_buf b;
    const char *name;
    enum pp_err rc = PP_OK;
    bool wanted = false;

    for (int i = 0; i < n_paths; i++)
        wanted = wanted || strcmp(paths[i], "-") == 0;
    if (!wanted)
        return PP_OK;
    pp_buf_init(&b, PP_FHIR_MAX_FILE);
    rc = pp_cli_read_input("-", &b, &name, d);
    if (!rc)
        rc = pp_fhir_load_json_text(set, b.data, b.len, name, d);
    pp_buf_release(&b);
    return rc;
}

int pp_cli_run(const char *cmd, char **paths, int n_paths, const struct pp_cli_opts *opts,
               pp_cli_patient_fn fn, struct pp_cli_run_stats *stats)
{
    struct load_job job;
    struct load_worker *workers;
    struct pp_patient_set all;
    struct eval_job ej;
    pthread_t threads[MAX_THREADS];
    struct pp_diag d;
    char **files = NULL;
    size_t n_files = 0;
    int n_threads, exit_code = 0;
    enum pp_err rc;
    struct pp_record **records;

    pp_diag_clear(&d);
    rc = collect_files(paths, n_paths, &files, &n_files, &d);
    if (rc) {
        pp_cli_print_diag(cmd, &d);
        pp_fhir_paths_free(files, n_files);
        return 2;
    }

    /* load: each worker its own set */
    n_threads = thread_count(opts, n_files);
    job.files = files;
    job.n_files = n_files;
    atomic_init(&job.next, 0);
    atomic_init(&job.failed, 0);
    workers = pp_xcalloc((size_t)n_threads, sizeof(*workers));
    for (int t = 0; t < n_threads; t++) {
        workers[t].job = &job;
        pp_fhir_patient_set_init(&workers[t].set);
        pp_json_scratch_init(&workers[t].scratch);
        if (t > 0 && pthread_create(&workers[t].thread, NULL, load_main, &workers[t]) != 0) {
            fprintf(stderr, "painpath %s: cannot start a thread\n", cmd);
            abort();
        }
    }
    load_main(&workers[0]);
    for (int t = 1; t < n_threads; t++)
        pthread_join(workers[t].thread, NULL);

    pp_fhir_patient_set_init(&all);
    if (load_stdin(paths, n_paths, &all, &d)) {
        pp_cli_print_diag(cmd, &d);
        exit_code = 2;
    }
    {
        struct load_worker *first = NULL;
        for (int t = 0; t < n_threads; t++)
            if (workers[t].rc && (!first || workers[t].failed_index < first->failed_index))
                first = &workers[t];
        if (first && !exit_code) {
            pp_cli_print_diag(cmd, &first->diag);
            exit_code = 2;
        }
    }
    for (int t = 0; t < n_threads; t++) {
        if (!exit_code)
            pp_fhir_patient_set_merge(&all, &workers[t].set);
        pp_fhir_patient_set_release(&workers[t].set);
        pp_json_scratch_release(&workers[t].scratch);
    }
    free(workers);
    if (exit_code)
        goto out;
    if (stats) {
        stats->files = n_files;
        stats->resources = pp_fhir_patient_set_loaded(&all);
    }
    {
        size_t unresolved = pp_fhir_patient_set_finish(&all);
        if (stats)
            stats->unresolved_medication_refs = unresolved;
    }

    /* evaluate: patients in id order, output buffers printed in that order */
    records = pp_xcalloc(all.n_records ? all.n_records : 1, sizeof(*records));
    memcpy(records, all.records, all.n_records * sizeof(*records));
    qsort(records, all.n_records, sizeof(*records), by_patient_id);
    if (stats)
        stats->patients = all.n_records;
    ej.records = records;
    ej.n = all.n_records;
    ej.opts = opts;
    ej.fn = fn;
    ej.outs = pp_xcalloc(ej.n ? ej.n : 1, sizeof(*ej.outs));
    ej.flags = pp_xcalloc(ej.n ? ej.n : 1, sizeof(*ej.flags));
    for (size_t i = 0; i < ej.n; i++)
        pp_buf_init(&ej.outs[i], PP_BUF_UNLIMITED);
    atomic_init(&ej.next, 0);
    n_threads = thread_count(opts, (ej.n + 15) / 16);
    for (int t = 1; t < n_threads; t++) {
        if (pthread_create(&threads[t], NULL, eval_main, &ej) != 0) {
            fprintf(stderr, "painpath %s: cannot start a thread\n", cmd);
            abort();
        }
    }
    eval_main(&ej);
    for (int t = 1; t < n_threads; t++)
        pthread_join(threads[t], NULL);
    for (size_t i = 0; i < ej.n; i++) {
        fwrite(ej.outs[i].data, 1, ej.outs[i].len, stdout);
        if (ej.flags[i])
            exit_code = 1;
        pp_buf_release(&ej.outs[i]);
    }
    if (fflush(stdout) != 0) {
        fprintf(stderr, "painpath %s: cannot write the output\n", cmd);
        exit_code = 1;
    }
    free(ej.outs);
    free(ej.flags);
    free(records);
out:
    pp_fhir_patient_set_release(&all);
    pp_fhir_paths_free(files, n_files);
    return exit_code;
}

void pp_cli_json_str_or_null(struct pp_buf *b, const char *s)
{
    if (s)
        pp_buf_add_json_str(b, s);
    else
        pp_buf_adds(b, "null");
}

void pp_cli_json_num_or_null(struct pp_buf *b, double v)
{
    if (isfinite(v))
        pp_buf_add_num2(b, v);
    else
        pp_buf_adds(b, "null");
}

int pp_cli_main(const struct pp_cli_spec *spec, int argc, char **argv)
{
    struct pp_cli_opts o;
    char **paths = pp_xcalloc((size_t)argc + 1, sizeof(*paths));
    int n_paths = 0, rc = 0;

    pp_cli_opts_init(&o);
    for (int i = 1; i < argc; i++) {
        int t;
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            spec->usage(stdout);
            goto out;
        }
        if (spec->example && strcmp(argv[i], "--example") == 0) {
            fputs(spec->example, stdout);
            goto out;
        }
        t = pp_cli_opts_take(&o, argc, argv, &i, spec->name);
        if (t < 0) {
            rc = 2;
            goto out;
        }
        if (t > 0)
            continue;
        if (argv[i][0] == '-' && argv[i][1] != '\0') {
            fprintf(stderr, "painpath %s: unknown option '%s'\n", spec->name, argv[i]);
            spec->usage(stderr);
            rc = 2;
            goto out;
        }
        if (spec->run_one && n_paths == 1) {
            fprintf(stderr, "painpath %s: one input only, extra argument '%s'\n", spec->name,
                    argv[i]);
            spec->usage(stderr);
            rc = 2;
            goto out;
        }
        paths[n_paths++] = argv[i];
    }
    if (spec->per_patient && n_paths == 0) {
        fprintf(stderr,
                "painpath %s: no input; give one or more FHIR files or directories "
                "(or - for standard input)\n",
                spec->name);
        spec->usage(stderr);
        rc = 2;
        goto out;
    }
    if (pp_cli_opts_load(&o, spec->name)) {
        rc = 2;
        goto out;
    }
    if (spec->run_one)
        rc = spec->run_one(n_paths ? paths[0] : NULL, &o);
    else
        rc = pp_cli_run(spec->name, paths, n_paths, &o, spec->per_patient, NULL);
out:
    free(paths);
    pp_cli_opts_release(&o);
    return rc;
}
