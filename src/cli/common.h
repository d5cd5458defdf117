/*
 * common.h — what the subcommands share: the common options (--now,
 * --policy, --valuesets, --format), loading the policy file and value sets,
 * and printing a diagnostic the way every command does.
 */
#ifndef PP_CLI_COMMON_H
#define PP_CLI_COMMON_H

#include <stdbool.h>
#include <stdio.h>

#include "clinical/drugs.h"
#include "clinical/finding.h"
#include "clinical/policy.h"
#include "clinical/terms.h"
#include "util/date.h"
#include "util/buf.h"
#include "util/err.h"

enum pp_cli_format { PP_FORMAT_TABLE, PP_FORMAT_JSON };

/* Options every clinical subcommand understands. */
struct pp_cli_opts {
    pp_day now;                 /* --now, else today (UTC) */
    struct pp_policy policy;    /* defaults, then --policy FILE */
    struct pp_terms terms;      /* built-in concept sets, then --valuesets DIR */
    struct pp_drug_codes codes; /* drug classes from --valuesets DIR */
    enum pp_cli_format format;  /* --format table|json */
    int threads;                /* --threads N (0 = number of cores) */
    const char *valuesets_dir;
    const char *policy_file;
    bool markdown; /* --format markdown, for the commands that document themselves */
};

void pp_cli_opts_init(struct pp_cli_opts *o);
void pp_cli_opts_release(struct pp_cli_opts *o);

/*
 * Try to consume one common option at argv[*i] (advancing *i past its value).
 * Returns 1 when consumed, 0 when argv[*i] is not a common option, and -1
 * after printing a usage error to stderr (exit code 2).
 */
int pp_cli_opts_take(struct pp_cli_opts *o, int argc, char **argv, int *i, const char *cmd);

/* Load --policy and --valuesets (after all options are read). Prints and returns the error. */
PP_MUST_CHECK enum pp_err pp_cli_opts_load(struct pp_cli_opts *o, const char *cmd);

/* "painpath CMD: WHERE: WHAT" on stderr. */
void pp_cli_print_diag(const char *cmd, const struct pp_diag *d);

/* What messages call standard input. */
#define PP_CLI_STDIN_NAME "<stdin>"

/*
 * Read the file `path`, or standard input when path is NULL or "-", into `b`
 * (capped by b->max). *name receives what messages should call the input
 * (the path, or PP_CLI_STDIN_NAME). PP_ERR_IO when it cannot be read,
 * PP_ERR_LIMIT when it is larger than the cap; `d` says which.
 */
PP_MUST_CHECK enum pp_err pp_cli_read_input(const char *path, struct pp_buf *b, const char **name,
                                            struct pp_diag *d);

/* Append the findings as a JSON array of {"rule", "severity", "summary", "detail",
 * "evidence", "source", "suggestions"} (the shape `painpath check` documents). */
void pp_cli_findings_json(struct pp_buf *b, const struct pp_findings *f);

/* Append the findings as table lines: severity, rule id, summary, then suggestions. */
void pp_cli_findings_table(struct pp_buf *b, const struct pp_findings *f);

/* True when any finding is critical. */
bool pp_cli_findings_critical(const struct pp_findings *f);

/*
 * One clinical module's command, as data: read the input, evaluate it, print it. `ctx` is the
 * command's own input + result struct. pp_cli_run_module reads PATH (or stdin, "-"), calls
 * read then evaluate (an evaluation error gets the file's name in front of its field), prints
 * the diagnostic under `cmd` on error (exit 2 for bad input or an unreadable file), else
 * writes the answer (table or JSON) and returns exit_code(ctx).
 */
struct pp_cli_module {
    const char *cmd;
    size_t input_max;
    enum pp_err (*read)(const char *text, size_t len, const char *name, void *ctx,
                        struct pp_diag *d);
    enum pp_err (*evaluate)(void *ctx, const struct pp_cli_opts *o, struct pp_findings *f,
                            struct pp_diag *d);
    void (*write)(struct pp_buf *out, const void *ctx, const struct pp_findings *f, bool json);
    int (*exit_code)(const void *ctx);
};
int pp_cli_run_module(const struct pp_cli_module *m, const char *path, const struct pp_cli_opts *o,
                      void *ctx);

#endif
