/*
 * export.c — the store as NDJSON, one file per resource type, through the public store
 * API only (scan, types, the Patient-compartment scan). Shared by `painpath export` and the
 * server's bulk $export. Never opens its own transaction: the caller decides the snapshot.
 */
#include "store/export.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/alloc.h"
#include "util/date.h"
#include "util/banned.h"

/* The progress hook runs every this many resources. */
#define TICK_EVERY 256
/* stdio buffer of each file: fewer write calls on exports of hundreds of MB */
#define FILE_BUFFER ((size_t)1 << 20)

void pp_export_spec_init(struct pp_export_spec *spec)
{
    memset(spec, 0, sizeof(*spec));
}

void pp_export_result_release(struct pp_export_result *r)
{
    free(r->files);
    memset(r, 0, sizeof(*r));
}

enum pp_err pp_export_spec_add_types(struct pp_export_spec *spec, const char *list,
                                     struct pp_diag *d)
{
    const char *p = list;

    for (;;) {
        const char *start, *end;
        char name[PP_STORE_TYPE_MAX + 1];
        size_t n;
        bool seen = false;

        while (*p == ' ')
            p++;
        start = p;
        while (*p && *p != ',')
            p++;
        end = p;
        while (end > start && end[-1] == ' ')
            end--;
        n = (size_t)(end - start);
        if (n == 0)
            return pp_diag_set(d, PP_ERR_INPUT, "_type",
                               "expected resource type names "
                               "separated by commas");
        if (n > PP_STORE_TYPE_MAX)
            return pp_diag_set(d, PP_ERR_INPUT, "_type", "'%.64s...' is not a resource type",
                               start);
        memcpy(name, start, n);
        name[n] = '\0';
        if (!pp_store_valid_type(name))
            return pp_diag_set(d, PP_ERR_INPUT, "_type", "'%s' is not a resource type", name);
        for (size_t i = 0; i < spec->n_types; i++)
            if (strcmp(spec->types[i], name) == 0)
                seen = true;
        if (!seen) {
            if (spec->n_types >= PP_EXPORT_TYPES_MAX)
                return pp_diag_set(d, PP_ERR_INPUT, "_type", "more than %d resource types",
                                   PP_EXPORT_TYPES_MAX);
            memcpy(spec->types[spec->n_types++], name, n + 1);
        }
        if (*p == '\0')
            return PP_OK;
        p++; /* the comma */
    }
}

/* n decimal digits at s -> *v; false when one is not a digit. */
static bool digits(const char *s, int n, int *v)
{
    *v = 0;
    for (int i = 0; i < n; i++) {
        if (!isdigit((unsigned char)s[i]))
            return false;
        *v = *v * 10 + (s[i] - '0');
    }
    return true;
}

enum pp_err pp_export_parse_instant(const char *s, const char *name,
                                    char out[PP_EXPORT_INSTANT_LEN], struct pp_diag *d)
{
    static const char expect[] = "expected an instant such as 2026-11-27T09:30:00Z or "
                                 "2026-11-27T09:30:00.000+02:00";
    int y, mo, dd, h = 0, mi = 0, sec = 0, ms = 0, off_min = 0;
    const char *p = s;
    long long secs;
    pp_day day;

    out[0] = '\0';
    if (strlen(s) < 10 || !digits(s, 4, &y) || s[4] != '-' || !digits(s + 5, 2, &mo) ||
        s[7] != '-' || !digits(s + 8, 2, &dd) || !pp_ymd_valid(y, mo, dd))
        return pp_diag_set(d, PP_ERR_INPUT, name, "%s", expect);
    p = s + 10;
    if (*p != '\0') {
        int oh, om;
        if (p[0] != 'T' || !digits(p + 1, 2, &h) || p[3] != ':' || !digits(p + 4, 2, &mi) ||
            p[6] != ':' || !digits(p + 7, 2, &sec) || h > 23 || mi > 59 || sec > 60)
            return pp_diag_set(d, PP_ERR_INPUT, name, "%s", expect);
        p += 9;
        if (*p == '.') {
            int scale = 100, nd = 0;
            for (p++; isdigit((unsigned char)*p); p++, nd++) {
                ms += (*p - '0') * scale;
                scale /= 10;
            }
            if (nd == 0)
                return pp_diag_set(d, PP_ERR_INPUT, name, "%s", expect);
        }
        if (*p == 'Z' && p[1] == '\0') {
            off_min = 0;
        } else if ((*p == '+' || *p == '-' || *p == ' ') && digits(p + 1, 2, &oh) && p[3] == ':' &&
                   digits(p + 4, 2, &om) && p[6] == '\0' && oh <= 14 && om <= 59) {
            off_min = (oh * 60 + om) * (*p == '-' ? -1 : 1);
        } else {
            return pp_diag_set(d, PP_ERR_INPUT, name, "%s (with a time zone)", expect);
        }
    }
    if (sec == 60)
        sec = 59; /* a leap second orders like the second before it */
    secs = (long long)pp_day_from_ymd(y, mo, dd) * 86400 + h * 3600 + mi * 60 + sec -
           (long long)off_min * 60;
    day = (pp_day)(secs >= 0 ? secs / 86400 : -((-secs + 86399) / 86400));
    secs -= (long long)day * 86400;
    pp_day_to_ymd(day, &y, &mo, &dd);
    if (y < 0 || y > 9999)
        return pp_diag_set(d, PP_ERR_INPUT, name, "%s", expect);
    h = (int)(secs / 3600);
    mi = (int)(secs / 60 % 60);
    sec = (int)(secs % 60);
    snprintf(out, PP_EXPORT_INSTANT_LEN, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", y, mo, dd, h, mi,
             sec, ms);
    return PP_OK;
}

/* ---- the walk ---- */

struct walk {
    const struct pp_export_spec *spec;
    pp_export_tick_fn tick;
    void *tick_ctx;
    struct pp_export_result *out;
    struct pp_diag *d;
    FILE *f;
    const char *path;
    const char *type;
    size_t type_index, n_types;
    size_t in_file; /* lines in the current file */
    size_t on_page; /* resources the current search page returned */
    size_t since_tick;
    /* the types to export (spec's, or the store's) */
    char (*types)[PP_STORE_TYPE_MAX + 1];
    size_t n_list, alloc_list;
    /* Patient ids of a compartment export */
};

static enum pp_err cancelled(struct walk *w)
{
    w->out->cancelled = true;
    return pp_diag_set(w->d, PP_ERR_INTERNAL, "export", "the export was cancelled");
}

/* Count one unit of work; run the hook every TICK_EVERY. */
static enum pp_err step(struct walk *w)
{
    if (++w->since_tick < TICK_EVERY || !w->tick)
        return PP_OK;
    w->since_tick = 0;
    if (!w->tick(w->tick_ctx, w->type, w->type_index, w->n_types, w->out->total))
        return cancelled(w);
    return PP_OK;
}

static enum pp_err write_line(void *ctx, const struct pp_store_resource *r)
{
    struct walk *w = ctx;

    w->on_page++;
    if (!r->body)
        return PP_OK;
    if (w->spec->since[0] && strcmp(r->meta.last_updated, w->spec->since) < 0)
        return step(w);
    if (fwrite(r->body, 1, r->len, w->f) != r->len || fputc('\n', w->f) == EOF)
        return pp_diag_set(w->d, PP_ERR_IO, w->path, "write failed: %s", strerror(errno));
    w->in_file++;
    w->out->total++;
    return step(w);
}

static enum pp_err add_type(void *ctx, const char *type, size_t count)
{
    struct walk *w = ctx;
    (void)count;
    if (w->n_list == w->alloc_list) {
        w->alloc_list = w->alloc_list ? w->alloc_list * 2 : 32;
        w->types = pp_xrealloc(w->types, w->alloc_list * sizeof(*w->types));
    }
    snprintf(w->types[w->n_list++], sizeof(*w->types), "%s", type);
    return PP_OK;
}

/* Can resources of w->type be searched by patient? A type without that search parameter
 * (Organization, Practitioner, Medication, ...) is in no Patient compartment. */
static enum pp_err has_patient_param(struct walk *w, bool *yes)
{
    struct pp_store_query q;
    struct pp_diag probe;
    enum pp_err e;

    *yes = false;
    if ((e = pp_store_query_init(&q, w->type, w->d)) != PP_OK)
        return e;
    pp_diag_clear(&probe);
    e = pp_store_query_param(&q, "patient", "probe", &probe);
    pp_store_query_release(&q);
    if (e == PP_ERR_UNSUPPORTED)
        return PP_OK;
    if (e != PP_OK) {
        *w->d = probe;
        return e;
    }
    *yes = true;
    return PP_OK;
}

static enum pp_err export_type(struct pp_store *s, struct walk *w, const char *dir)
{
    char path[4096];
    enum pp_err e = PP_OK;
    int n = snprintf(path, sizeof(path), "%s/%s.ndjson", dir, w->type);

    if (n < 0 || (size_t)n >= sizeof(path))
        return pp_diag_set(w->d, PP_ERR_LIMIT, dir, "path too long");
    if (w->spec->patient_compartment && strcmp(w->type, "Patient") != 0) {
        bool in_compartment;
        if ((e = has_patient_param(w, &in_compartment)) != PP_OK)
            return e;
        if (!in_compartment) {
            if (w->spec->n_types > 0 && w->out->n_skipped < PP_EXPORT_TYPES_MAX)
                snprintf(w->out->skipped[w->out->n_skipped++], sizeof(w->out->skipped[0]), "%s",
                         w->type);
            return PP_OK;
        }
    }
    if (w->tick && !w->tick(w->tick_ctx, w->type, w->type_index, w->n_types, w->out->total))
        return cancelled(w);
    if (!(w->f = fopen(path, "w")))
        return pp_diag_set(w->d, PP_ERR_IO, path, "cannot create: %s", strerror(errno));
    setvbuf(w->f, NULL, _IOFBF, FILE_BUFFER);
    w->path = path;
    w->in_file = 0;
    if (!w->spec->patient_compartment || strcmp(w->type, "Patient") == 0) {
        e = pp_store_scan(s, w->type, write_line, w, w->d);
    } else {
        e = pp_store_scan_compartment(s, w->type, write_line, w, w->d);
    }
    if (fclose(w->f) != 0 && e == PP_OK)
        e = pp_diag_set(w->d, PP_ERR_IO, path, "write failed: %s", strerror(errno));
    w->f = NULL;
    w->path = NULL;
    if (e != PP_OK)
        return e;
    if (w->in_file == 0 && !w->spec->keep_empty) {
        if (unlink(path) != 0)
            return pp_diag_set(w->d, PP_ERR_IO, path, "cannot remove: %s", strerror(errno));
        return PP_OK;
    }
    if (w->out->n_files == w->out->alloc_files) {
        w->out->alloc_files = w->out->alloc_files ? w->out->alloc_files * 2 : 16;
        w->out->files = pp_xrealloc(w->out->files, w->out->alloc_files * sizeof(*w->out->files));
    }
    snprintf(w->out->files[w->out->n_files].type, sizeof(w->out->files[0].type), "%s", w->type);
    w->out->files[w->out->n_files++].count = w->in_file;
    return PP_OK;
}

static int type_cmp(const void *a, const void *b)
{
    return strcmp(a, b);
}

enum pp_err pp_store_export(struct pp_store *s, const char *dir, const struct pp_export_spec *spec,
                            pp_export_tick_fn tick, void *ctx, struct pp_export_result *out,
                            struct pp_diag *d)
{
    struct walk w;
    enum pp_err e = PP_OK;

    memset(&w, 0, sizeof(w));
    w.spec = spec;
    w.tick = tick;
    w.tick_ctx = ctx;
    w.out = out;
    w.d = d;
    if (spec->n_types == 0) {
        e = pp_store_types(s, add_type, &w, d);
    } else {
        for (size_t i = 0; i < spec->n_types; i++)
            (void)add_type(&w, spec->types[i], 0);
        qsort(w.types, w.n_list, sizeof(*w.types), type_cmp);
    }
    w.n_types = w.n_list;
    for (size_t i = 0; e == PP_OK && i < w.n_list; i++) {
        w.type = w.types[i];
        w.type_index = i;
        e = export_type(s, &w, dir);
    }
    free(w.types);
    return e;
}
