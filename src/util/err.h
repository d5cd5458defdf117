/*
 * err.h — the one error enum of painpath and the diagnostic that carries the
 * human message (where + what). Every fallible function returns enum pp_err
 * and fills a caller's struct pp_diag; nothing here allocates.
 */
#ifndef PP_UTIL_ERR_H
#define PP_UTIL_ERR_H

#include <stddef.h>

#if defined(__GNUC__) || defined(__clang__)
#define PP_MUST_CHECK __attribute__((warn_unused_result))
#define PP_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define PP_MUST_CHECK
#define PP_PRINTF(a, b)
#endif

enum pp_err {
    PP_OK = 0,
    PP_ERR_INPUT,     /* malformed or invalid input: the user's fault, exit 2 / 4xx */
    PP_ERR_NOT_FOUND, /* a named thing does not exist */
    PP_ERR_UNSUPPORTED,
    PP_ERR_LIMIT, /* a size cap was reached */
    PP_ERR_IO,    /* the operating system said no */
    PP_ERR_INTERNAL,
};

/*
 * Where a problem is and what it is. `where` is a JSON path ("entry[3].resource.status"),
 * "file:line:column", or a key name; `what` a sentence. Both are always NUL-terminated.
 */
struct pp_diag {
    char where[256];
    char what[512];
};

/* Empty both fields. */
void pp_diag_clear(struct pp_diag *d);

/* Set both fields printf-style; returns `code` so callers can `return pp_diag_set(...)`. */
enum pp_err pp_diag_set(struct pp_diag *d, enum pp_err code, const char *where, const char *fmt,
                        ...) PP_PRINTF(4, 5);

/* Prefix `where` with a JSON path step: "entry[2]" + "resource.status" ->
 * "entry[2].resource.status". */
void pp_diag_prefix(struct pp_diag *d, const char *prefix);
/* Prefix `where` with a file name: "a.json" + "entry[2]" -> "a.json: entry[2]". */
void pp_diag_prefix_file(struct pp_diag *d, const char *file);

/* Short English name of an error code ("bad input", ...). Never NULL. */
const char *pp_err_name(enum pp_err e);

/* The process exit code for an error: 0 ok, 2 bad input / usage, 1 otherwise. */
int pp_err_exit_code(enum pp_err e);

#endif
