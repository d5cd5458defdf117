/*
 * err.c — pp_diag formatting and the error-code tables. No allocation.
 */
#include "util/err.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void pp_diag_clear(struct pp_diag *d)
{
    if (!d)
        return;
    d->where[0] = '\0';
    d->what[0] = '\0';
}

enum pp_err pp_diag_set(struct pp_diag *d, enum pp_err code, const char *where, const char *fmt,
                        ...)
{
    va_list ap;

    if (!d)
        return code;
    snprintf(d->where, sizeof(d->where), "%s", where ? where : "");
    va_start(ap, fmt);
    vsnprintf(d->what, sizeof(d->what), fmt, ap);
    va_end(ap);
    return code;
}

static void join(struct pp_diag *d, const char *prefix, const char *sep)
{
    char tmp[sizeof(d->where)];

    if (!d || !prefix || !*prefix)
        return;
    if (!d->where[0] || d->where[0] == '[')
        sep = d->where[0] == '[' && sep[0] == '.' ? "" : (d->where[0] ? sep : "");
    snprintf(tmp, sizeof(tmp), "%s%s%s", prefix, sep, d->where);
    memcpy(d->where, tmp, sizeof(tmp));
}

void pp_diag_prefix(struct pp_diag *d, const char *prefix)
{
    join(d, prefix, ".");
}

void pp_diag_prefix_file(struct pp_diag *d, const char *file)
{
    join(d, file, ": ");
}

const char *pp_err_name(enum pp_err e)
{
    switch (e) {
    case PP_OK: return "ok";
    case PP_ERR_INPUT: return "bad input";
    case PP_ERR_NOT_FOUND: return "not found";
    case PP_ERR_UNSUPPORTED: return "unsupported";
    case PP_ERR_LIMIT: return "limit exceeded";
    case PP_ERR_IO: return "i/o error";
    case PP_ERR_INTERNAL: return "internal error";
    }
    return "unknown error";
}

int pp_err_exit_code(enum pp_err e)
{
    switch (e) {
    case PP_OK: return 0;
    case PP_ERR_INPUT:
    case PP_ERR_NOT_FOUND:
    case PP_ERR_UNSUPPORTED:
    case PP_ERR_LIMIT: return 2;
    default: return 1;
    }
}
