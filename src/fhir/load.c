/*
 * load.c — Bundles, NDJSON, files and directory trees into a patient set.
 * Each public loader fills a scratch set and merges it into the caller's only
 * on success, so a bad input never leaves half of itself behind.
 */
#include "fhir/load.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fhir/fhir_int.h"
#include "util/buf.h"
#include "util/json.h"
#include "util/banned.h"

/* ---- Bundle or resource ---- */

static const char *const bundle_types[] = {
    "collection", "transaction",          "batch", "searchset", "document",
    "message",    "transaction-response",
};

static int alias_cmp(const void *a, const void *b)
{
    return strcmp(((const struct pp_fhir_alias *)a)->url, ((const struct pp_fhir_alias *)b)->url);
}

/* fullUrl -> id of every well-formed Patient entry; the converter resolves "urn:uuid:". */
static void collect_aliases(const cJSON *entries, struct pp_fhir_aliases *al)
{
    size_t n = 0;
    for (const cJSON *e = entries ? entries->child : NULL; e; e = e->next)
        n++;
    al->items = n ? pp_xmalloc(n * sizeof(*al->items)) : NULL;
    al->n = 0;
    for (const cJSON *e = entries ? entries->child : NULL; e; e = e->next) {
        const char *url = pp_json_str(e, "fullUrl");
        const cJSON *res = pp_json_obj(e, "resource");
        const char *type = pp_json_str(res, "resourceType");
        const char *id = pp_json_str(res, "id");
        if (url && type && id && strcmp(type, "Patient") == 0) {
            al->items[al->n].url = url;
            al->items[al->n].patient_id = id;
            al->n++;
        }
    }
    if (al->n > 1)
        qsort(al->items, al->n, sizeof(*al->items), alias_cmp);
}

static enum pp_err bundle_entry(struct pp_fhir_conv *c, const cJSON *e)
{
    const cJSON *res = NULL, *request = NULL;
    enum pp_err rc;

    if (!pp_fhir_is_object(e))
        return pp_fhir_type_error(c, e, "an object");
    c->full_url = NULL;
    for (const cJSON *m = e->child; m; m = m->next) {
        if (PP_FHIR_KEY(m, "fullUrl")) {
            if (!pp_fhir_is_string(m))
                return pp_fhir_type_error(c, m, "a string");
            c->full_url = m->valuestring;
        } else if (PP_FHIR_KEY(m, "resource")) {
            res = m;
        } else if (PP_FHIR_KEY(m, "request")) {
            if (!pp_fhir_is_object(m))
                return pp_fhir_type_error(c, m, "an object");
            request = m;
        }
    }
    if (request) {
        const char *method = pp_json_str(request, "method");
        if (method && strcmp(method, "DELETE") == 0)
            return PP_OK;
    }
    if (!res || pp_fhir_is_null(res))
        return PP_OK; /* a transaction-response or search outcome without a body */
    rc = pp_fhir_conv_value(c, res);
    c->full_url = NULL;
    return rc;
}

static enum pp_err bundle(struct pp_fhir_conv *c, const cJSON *b)
{
    const cJSON *type = cJSON_GetObjectItemCaseSensitive(b, "type");
    const cJSON *entries = cJSON_GetObjectItemCaseSensitive(b, "entry");
    struct pp_fhir_aliases al = {.parent = c->aliases};
    enum pp_err rc = PP_OK;
    int i = 0;

    if (type) {
        size_t k, n = sizeof(bundle_types) / sizeof(bundle_types[0]);
        if (!pp_fhir_is_string(type))
            return pp_fhir_type_error(c, type, "a string");
        for (k = 0; k < n && strcmp(type->valuestring, bundle_types[k]) != 0; k++)
            ;
        if (k == n) {
            pp_fhir_where(c, type, c->d->where, sizeof(c->d->where));
            snprintf(c->d->what, sizeof(c->d->what),
                     "Bundle type \"%.40s\" is not read (collection, transaction, batch, "
                     "searchset, document, message and transaction-response are)",
                     type->valuestring);
            return PP_ERR_UNSUPPORTED;
        }
    }
    if (!entries || pp_fhir_is_null(entries))
        return PP_OK;
    if (!pp_fhir_is_array(entries))
        return pp_fhir_type_error(c, entries, "an array");
    collect_aliases(entries, &al);
    c->aliases = &al;
    pp_fhir_path_push_key(c, "entry");
    for (const cJSON *e = entries->child; e && !rc; e = e->next, i++) {
        pp_fhir_path_push_index(c, i);
        rc = bundle_entry(c, e);
        pp_fhir_path_pop(c);
    }
    pp_fhir_path_pop(c);
    c->aliases = al.parent;
    free(al.items);
    return rc;
}

enum pp_err pp_fhir_conv_value(struct pp_fhir_conv *c, const cJSON *v)
{
    const cJSON *rt;
    enum pp_err rc;

    if (!pp_fhir_is_object(v))
        return pp_fhir_type_error(c, v, "an object (a FHIR resource)");
    if (v->string)
        pp_fhir_path_push_key(c, v->string);
    rt = cJSON_GetObjectItemCaseSensitive(v, "resourceType");
    if (!rt) {
        pp_fhir_path_push_key(c, "resourceType");
        pp_fhir_where(c, NULL, c->d->where, sizeof(c->d->where));
        snprintf(c->d->what, sizeof(c->d->what), "missing: a resource must name its type");
        return PP_ERR_INPUT;
    }
    if (!pp_fhir_is_string(rt))
        return pp_fhir_type_error(c, rt, "a string");
    if (strcmp(rt->valuestring, "Bundle") == 0)
        rc = bundle(c, v);
    else
        rc = pp_fhir_conv_resource(c, v, rt->valuestring);
    if (!rc && v->string)
        pp_fhir_path_pop(c);
    return rc;
}

/* ---- public loaders ---- */

/* d->where = "<name>:<line>:<rest>" (line 0: "<name>:<rest>"), cut to fit. */
static void set_where(struct pp_diag *d, const char *name, int line, const char *rest)
{
    struct pp_buf b;
    size_t n;

    pp_buf_init(&b, PP_BUF_UNLIMITED);
    pp_buf_adds(&b, name);
    if (line)
        pp_buf_addf(&b, ":%d", line);
    if (rest[0])
        pp_buf_addf(&b, ":%s", rest);
    n = b.len < sizeof(d->where) - 1 ? b.len : sizeof(d->where) - 1;
    memcpy(d->where, b.data, n);
    d->where[n] = '\0';
    pp_buf_release(&b);
}

void pp_fhir_diag_name(struct pp_diag *d, const char *name)
{
    if (name && *name)
        set_where(d, name, 0, d->where);
}

/* One input of a loader. */
struct input {
    enum { IN_VALUE, IN_JSON_TEXT, IN_NDJSON_TEXT, IN_FILE } kind;
    const cJSON *value;
    const char *text;
    size_t len;
    const char *name; /* file path for IN_FILE */
};

static enum pp_err load_into(struct pp_patient_set *set, const struct input *in, struct pp_diag *d);

static enum pp_err value_into(struct pp_patient_set *set, const cJSON *v, const char *name,
                              struct pp_diag *d)
{
    struct pp_fhir_conv c;
    enum pp_err rc;

    memset(&c, 0, sizeof(c));
    c.set = set;
    c.d = d;
    rc = pp_fhir_conv_value(&c, v);
    if (rc)
        pp_fhir_diag_name(d, name);
    return rc;
}

static enum pp_err json_text_into(struct pp_patient_set *set, const char *text, size_t len,
                                  const char *name, struct pp_diag *d)
{
    cJSON *root = NULL;
    enum pp_err rc = pp_json_parse_fast(text, len, name, &root, d);
    if (rc)
        return rc;
    rc = value_into(set, root, name, d);
    cJSON_Delete(root);
    return rc;
}

static enum pp_err ndjson_text_into(struct pp_patient_set *set, const char *text, size_t len,
                                    const char *name, struct pp_diag *d)
{
    struct pp_fhir_conv c;
    const char *p = text, *end = text + len;
    enum pp_err rc = PP_OK;
    int line = 0;

    name = name ? name : "input";
    memset(&c, 0, sizeof(c));
    c.set = set;
    c.d = d;
    while (p < end && !rc) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *eol = nl ? nl : end, *q = p;
        cJSON *v = NULL;

        line++;
        while (q < eol && (*q == ' ' || *q == '\t' || *q == '\r'))
            q++;
        if (q < eol) {
            size_t n = (size_t)(eol - p);
            if (n && p[n - 1] == '\r')
                n--;
            rc = pp_json_parse_fast(p, n, "", &v, d);
            if (rc) {
                /* pp_json_parse names ":1:COLUMN" of the line alone */
                const char *col = strrchr(d->where, ':');
                set_where(d, name, line, col ? col + 1 : "1");
            } else {
                c.path.depth = 0;
                rc = pp_fhir_conv_value(&c, v);
                if (rc)
                    set_where(d, name, line, d->where);
                cJSON_Delete(v);
            }
        }
        p = nl ? nl + 1 : end;
    }
    return rc;
}

static bool ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), k = strlen(suffix);
    return n >= k && strcmp(s + n - k, suffix) == 0;
}

/* The whole file in one read when its size is known up front. Caller frees *data. */
static enum pp_err read_file(const char *path, char **data, size_t *len, struct pp_diag *d)
{
    struct pp_buf b;
    struct stat st;
    FILE *f;
    enum pp_err rc;

    *data = NULL;
    *len = 0;
    f = fopen(path, "rb");
    if (!f)
        return pp_diag_set(d, PP_ERR_IO, path, "cannot open: %s", strerror(errno));
    if (fstat(fileno(f), &st) == 0 && S_ISREG(st.st_mode)) {
        size_t size = (size_t)st.st_size, got;
        if (size > PP_FHIR_MAX_FILE) {
            fclose(f);
            return pp_diag_set(d, PP_ERR_LIMIT, path, "file is larger than the %zu-byte limit",
                               PP_FHIR_MAX_FILE);
        }
        *data = pp_xmalloc(size + 1);
        got = fread(*data, 1, size, f);
        if (got == size && fgetc(f) == EOF && !ferror(f)) {
            (*data)[size] = '\0';
            *len = size;
            fclose(f);
            return PP_OK;
        }
        free(*data); /* it changed under us: read it the slow way */
        *data = NULL;
    }
    fclose(f);
    pp_buf_init(&b, PP_FHIR_MAX_FILE);
    rc = pp_buf_read_file(&b, path, d);
    if (rc == PP_OK)
        *data = pp_buf_detach(&b, len);
    pp_buf_release(&b);
    return rc;
}

static enum pp_err load_into(struct pp_patient_set *set, const struct input *in, struct pp_diag *d)
{
    switch (in->kind) {
    case IN_VALUE: return value_into(set, in->value, in->name, d);
    case IN_JSON_TEXT: return json_text_into(set, in->text, in->len, in->name, d);
    case IN_NDJSON_TEXT: return ndjson_text_into(set, in->text, in->len, in->name, d);
    case IN_FILE: {
        struct input text = {.name = in->name};
        char *data;
        enum pp_err rc = read_file(in->name, &data, &text.len, d);
        if (rc)
            return rc;
        text.text = data;
        text.kind = ends_with(in->name, ".ndjson") ? IN_NDJSON_TEXT : IN_JSON_TEXT;
        rc = load_into(set, &text, d);
        free(data);
        return rc;
    }
    }
    return PP_ERR_INTERNAL;
}

/* True when the set holds nothing at all (so "unchanged" after an error means "empty"). */
static bool set_is_empty(const struct pp_patient_set *set)
{
    return set->n_records == 0 && set->n_counts == 0;
}

/* load_into, all-or-nothing: straight into an empty set (emptied again on error), else
 * through a scratch set merged on success. */
static enum pp_err load_atomic(struct pp_patient_set *set, const struct input *in,
                               struct pp_diag *d)
{
    struct pp_patient_set tmp;
    enum pp_err rc;

    if (set_is_empty(set)) {
        rc = load_into(set, in, d);
        if (rc)
            pp_fhir_patient_set_release(set);
        return rc;
    }
    pp_fhir_patient_set_init(&tmp);
    rc = load_into(&tmp, in, d);
    if (rc == PP_OK)
        pp_fhir_patient_set_merge(set, &tmp);
    pp_fhir_patient_set_release(&tmp);
    return rc;
}

enum pp_err pp_fhir_load_json(struct pp_patient_set *set, const cJSON *root, const char *name,
                              struct pp_diag *d)
{
    struct input in = {.kind = IN_VALUE, .value = root, .name = name};
    return load_atomic(set, &in, d);
}

enum pp_err pp_fhir_load_json_text(struct pp_patient_set *set, const char *text, size_t len,
                                   const char *name, struct pp_diag *d)
{
    struct input in = {.kind = IN_JSON_TEXT, .text = text, .len = len, .name = name};
    return load_atomic(set, &in, d);
}

enum pp_err pp_fhir_load_ndjson_text(struct pp_patient_set *set, const char *text, size_t len,
                                     const char *name, struct pp_diag *d)
{
    struct input in = {.kind = IN_NDJSON_TEXT, .text = text, .len = len, .name = name};
    return load_atomic(set, &in, d);
}

enum pp_err pp_fhir_load_file(struct pp_patient_set *set, const char *path, struct pp_diag *d)
{
    struct input in = {.kind = IN_FILE, .name = path};
    return load_atomic(set, &in, d);
}

/* ---- directories ---- */

struct path_list {
    char **items;
    size_t n, alloc;
    size_t skipped;
};

static enum pp_err walk(const char *dir, struct path_list *out, int depth, struct pp_diag *d)
{
    DIR *dh;
    const struct dirent *de;
    enum pp_err rc = PP_OK;

    if (depth > 32)
        return pp_diag_set(d, PP_ERR_LIMIT, dir, "directories nested deeper than 32 levels");
    dh = opendir(dir);
    if (!dh)
        return pp_diag_set(d, PP_ERR_IO, dir, "cannot read directory: %s", strerror(errno));
    while (!rc && (de = readdir(dh)) != NULL) {
        struct stat st;
        struct pp_buf p;
        if (de->d_name[0] == '.')
            continue;
        pp_buf_init(&p, PP_BUF_UNLIMITED);
        pp_buf_addf(&p, "%s/%s", dir, de->d_name);
        if (lstat(p.data, &st) != 0) {
            rc = pp_diag_set(d, PP_ERR_IO, p.data, "cannot stat: %s", strerror(errno));
        } else if (S_ISDIR(st.st_mode)) {
            rc = walk(p.data, out, depth + 1, d);
        } else if (ends_with(de->d_name, ".json") || ends_with(de->d_name, ".ndjson")) {
            if (strcmp(de->d_name, "log.ndjson") == 0) {
                out->skipped++;
            } else {
                PP_ALLOC_GROW(out->items, out->n + 1, out->alloc);
                out->items[out->n++] = pp_buf_detach(&p, NULL);
            }
        }
        pp_buf_release(&p);
    }
    closedir(dh);
    return rc;
}

static int path_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

void pp_fhir_paths_free(char **paths, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(paths[i]);
    free(paths);
}

enum pp_err pp_fhir_list_dir(const char *dir, char ***paths, size_t *n, size_t *n_skipped,
                             struct pp_diag *d)
{
    struct path_list list = {0};
    enum pp_err rc = walk(dir, &list, 0, d);

    *paths = NULL;
    *n = 0;
    if (rc) {
        pp_fhir_paths_free(list.items, list.n);
        return rc;
    }
    if (list.n > 1)
        qsort(list.items, list.n, sizeof(*list.items), path_cmp);
    *paths = list.items;
    *n = list.n;
    if (n_skipped)
        *n_skipped = list.skipped;
    return PP_OK;
}

enum pp_err pp_fhir_load_dir(struct pp_patient_set *set, const char *dir, bool keep_going,
                             struct pp_fhir_dir_report *rep, struct pp_diag *d)
{
    struct pp_fhir_dir_report local = {0};
    struct pp_patient_set tmp;
    char **paths;
    size_t n;
    enum pp_err rc;

    rep = rep ? rep : &local;
    memset(rep, 0, sizeof(*rep));
    rc = pp_fhir_list_dir(dir, &paths, &n, &rep->files_skipped, d);
    if (rc)
        return rc;
    pp_fhir_patient_set_init(&tmp);
    for (size_t i = 0; i < n; i++) {
        struct input in = {.kind = IN_FILE, .name = paths[i]};
        struct pp_diag one;
        /* all-or-nothing: every file straight into one scratch set, merged at the end */
        enum pp_err frc = keep_going ? load_atomic(set, &in, &one) : load_into(&tmp, &in, &one);
        if (frc == PP_OK) {
            rep->files_loaded++;
            continue;
        }
        if (!rep->files_failed++ && d)
            *d = one;
        if (!keep_going) {
            rc = frc;
            break;
        }
    }
    if (!keep_going && rc == PP_OK) {
        if (set_is_empty(set)) {
            pp_fhir_patient_set_release(set);
            *set = tmp; /* nothing to merge with: take the scratch set whole */
            pp_fhir_patient_set_init(&tmp);
        } else {
            pp_fhir_patient_set_merge(set, &tmp);
        }
    }
    pp_fhir_patient_set_release(&tmp);
    pp_fhir_paths_free(paths, n);
    return rc;
}
