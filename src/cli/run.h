/*
 * run.h — the engine behind `painpath mme` and `painpath check`: load FHIR
 * inputs on several threads (one patient set per thread, merged), then run a
 * per-patient function on several threads, each writing into its own buffer,
 * and print the buffers in patient-id order. All-or-nothing: a bad input
 * stops the run before anything is printed.
 */
#ifndef PP_CLI_RUN_H
#define PP_CLI_RUN_H

#include <stddef.h>
#include <stdio.h>

#include "cli/common.h"
#include "clinical/record.h"
#include "util/buf.h"

/*
 * Called once per patient, possibly from several threads at once: append this
 * patient's output to `out` and return 1 if the patient had something that
 * makes the run's exit code 1 (a critical finding), else 0. Must touch only
 * `r`, `opts` (read-only) and `out`.
 */
typedef int (*pp_cli_patient_fn)(const struct pp_record *r, const struct pp_cli_opts *opts,
                                 struct pp_buf *out);

/* What a run loaded, for summaries. */
struct pp_cli_run_stats {
    size_t files;
    size_t patients;
    size_t resources;
    size_t unresolved_medication_refs;
};

/*
 * Load every path (files or directories; "-" is one JSON document on standard input), then call
 * `fn` for each patient in patient-id order and write all output to stdout. Returns the exit code:
 * 2 after printing the diagnostic of a bad input (nothing on stdout), 1 when a patient function
 * returned 1, else 0. `stats` may be NULL.
 */
int pp_cli_run(const char *cmd, char **paths, int n_paths, const struct pp_cli_opts *opts,
               pp_cli_patient_fn fn, struct pp_cli_run_stats *stats);

/*
 * How pp_cli_main drives a subcommand: its name, usage text, an optional
 * --example input, and either one input (FILE, or '-' / none for standard
 * input) handled by run_one, or many (PATH...) run through pp_cli_run with
 * per_patient. Exactly one of run_one and per_patient is set.
 */
struct pp_cli_spec {
    const char *name;
    void (*usage)(FILE *out);
    const char *example; /* printed by --example; NULL when the command has none */
    int (*run_one)(const char *path, const struct pp_cli_opts *opts);
    pp_cli_patient_fn per_patient;
};

/*
 * Parse --help, --example and the common options (cli/common.h), refuse
 * unknown options and extra inputs with a usage error, load the policy and
 * value sets, then run. Returns the process exit code (2 for usage errors).
 */
int pp_cli_main(const struct pp_cli_spec *spec, int argc, char **argv);

/* Append a JSON string or null. */
void pp_cli_json_str_or_null(struct pp_buf *b, const char *s);
/* Append a number rounded to two decimals, or null when it is NaN. */
void pp_cli_json_num_or_null(struct pp_buf *b, double v);

#endif
