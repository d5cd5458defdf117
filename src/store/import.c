/*
 * import.c — storing a parsed Bundle or resource through the store interface: ids kept,
 * urn:uuid references to other entries rewritten to "Type/id", all of it in one
 * transaction. Backend-neutral: only store.h calls, no SQL.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/store.h"
#include "store/store_int.h"
#include "util/alloc.h"
#include "util/json.h"
#include "util/banned.h"

/* fullUrl -> "Type/id", open addressing; keys borrowed from the Bundle, values in arena. */
struct url_map {
    const char **keys;
    const char **vals;
    size_t cap, n;
    struct pp_arena arena;
};

static size_t hash_str(const char *s)
{
    size_t h = 1469598103934665603ULL;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return h;
}

static void map_init(struct url_map *m, size_t entries)
{
    m->cap = 16;
    while (m->cap < entries * 2 + 1)
        m->cap *= 2;
    m->keys = pp_xcalloc(m->cap, sizeof(*m->keys));
    m->vals = pp_xcalloc(m->cap, sizeof(*m->vals));
    m->n = 0;
    pp_arena_init(&m->arena);
}

static void map_release(struct url_map *m)
{
    free(m->keys);
    free(m->vals);
    pp_arena_release(&m->arena);
}

static void map_put(struct url_map *m, const char *key, const char *type, const char *id)
{
    size_t i = hash_str(key) & (m->cap - 1);
    size_t lt = strlen(type), li = strlen(id);
    while (m->keys[i] && strcmp(m->keys[i], key) != 0)
        i = (i + 1) & (m->cap - 1);
    char *v = pp_arena_alloc_raw(&m->arena, lt + li + 2);
    memcpy(v, type, lt);
    v[lt] = '/';
    memcpy(v + lt + 1, id, li + 1);
    if (!m->keys[i])
        m->n++;
    m->keys[i] = key;
    m->vals[i] = v;
}

static const char *map_get(const struct url_map *m, const char *key)
{
    size_t i = hash_str(key) & (m->cap - 1);
    while (m->keys[i]) {
        if (strcmp(m->keys[i], key) == 0)
            return m->vals[i];
        i = (i + 1) & (m->cap - 1);
    }
    return NULL;
}

/* Rewrite every "reference": "urn:uuid:..." below node that names an entry of the Bundle. */
static void rewrite_refs(cJSON *node, const struct url_map *m)
{
    cJSON *c;
    cJSON_ArrayForEach(c, node)
    {
        if (cJSON_IsString(c) && c->string && strcmp(c->string, "reference") == 0 &&
            strncmp(c->valuestring, "urn:uuid:", 9) == 0) {
            const char *to = map_get(m, c->valuestring);
            if (to)
                (void)cJSON_SetValuestring(c, to);
        } else if (cJSON_IsObject(c) || cJSON_IsArray(c)) {
            rewrite_refs(c, m);
        }
    }
}

void pp_store_import_stats_release(struct pp_store_import_stats *st)
{
    free(st->types);
    memset(st, 0, sizeof(*st));
}

static void stats_add_n(struct pp_store_import_stats *st, const char *type, size_t n)
{
    st->resources += n;
    for (size_t i = 0; i < st->n_types; i++)
        if (strcmp(st->types[i].type, type) == 0) {
            st->types[i].n += n;
            return;
        }
    PP_ALLOC_GROW(st->types, st->n_types + 1, st->alloc_types);
    snprintf(st->types[st->n_types].type, sizeof(st->types[0].type), "%s", type);
    st->types[st->n_types++].n = n;
}

void pp_store_import_stats_merge(struct pp_store_import_stats *dst,
                                 const struct pp_store_import_stats *src)
{
    for (size_t i = 0; i < src->n_types; i++)
        stats_add_n(dst, src->types[i].type, src->types[i].n);
}

static void stats_add(struct pp_store_import_stats *st, const char *type)
{
    stats_add_n(st, type, 1);
}

/* Store one resource: with its id (update) or a new one (create). */
static enum pp_err store_one(struct pp_store *s, cJSON *res, struct pp_store_import_stats *st,
                             struct pp_diag *d)
{
    struct pp_store_meta meta;
    enum pp_err e;
    if (cJSON_GetObjectItemCaseSensitive(res, "id"))
        e = pp_store_update(s, res, 0, &meta, d);
    else
        e = pp_store_create(s, res, &meta, d);
    if (e == PP_OK && st)
        stats_add(st, meta.type);
    return e;
}

static bool is_delete(const cJSON *entry)
{
    const char *m = pp_json_str(pp_json_obj(entry, "request"), "method");
    return m && strcmp(m, "DELETE") == 0;
}

static enum pp_err import_bundle(struct pp_store *s, cJSON *root, struct pp_store_import_stats *st,
                                 struct pp_diag *d)
{
    static const char *const kinds[] = {"transaction", "batch", "collection", "searchset"};
    const char *kind = pp_json_str(root, "type");
    const cJSON *entries = pp_json_arr(root, "entry");
    struct url_map map;
    cJSON *entry;
    enum pp_err e = PP_OK;
    char where[64];
    size_t i = 0;
    bool ok = kind == NULL;
    for (size_t k = 0; k < sizeof(kinds) / sizeof(kinds[0]) && kind; k++)
        ok |= strcmp(kind, kinds[k]) == 0;
    if (!ok)
        return pp_diag_set(d, PP_ERR_UNSUPPORTED, "type", "a %s Bundle cannot be imported", kind);
    if (cJSON_GetObjectItemCaseSensitive(root, "entry") && !entries)
        return pp_diag_set(d, PP_ERR_INPUT, "entry", "expected an array");
    map_init(&map, (size_t)cJSON_GetArraySize(entries));
    /* pass 1: every entry's resource gets an id; fullUrl -> Type/id */
    cJSON_ArrayForEach(entry, entries)
    {
        cJSON *res = cJSON_GetObjectItemCaseSensitive(entry, "resource");
        const char *type, *id, *url;
        snprintf(where, sizeof(where), "entry[%zu]", i++);
        if (!res || is_delete(entry))
            continue;
        type = pp_json_str(res, "resourceType");
        if (!cJSON_IsObject(res) || !pp_store_valid_type(type)) {
            e = pp_diag_set(d, PP_ERR_INPUT, "resource.resourceType",
                            "expected a resource type name");
            pp_diag_prefix(d, where);
            goto out;
        }
        id = pp_json_str(res, "id");
        if (!id) {
            char uuid[37];
            pp_store_new_uuid(uuid);
            cJSON_AddStringToObject(res, "id", uuid);
            id = pp_json_str(res, "id");
        }
        if (!pp_store_valid_id(id)) {
            e = pp_diag_set(d, PP_ERR_INPUT, "resource.id",
                            "expected a FHIR id (1-64 letters, digits, '-' or '.')");
            pp_diag_prefix(d, where);
            goto out;
        }
        url = pp_json_str(entry, "fullUrl");
        if (url)
            map_put(&map, url, type, id);
    }
    /* pass 2: rewrite references, store */
    i = 0;
    cJSON_ArrayForEach(entry, entries)
    {
        cJSON *res = cJSON_GetObjectItemCaseSensitive(entry, "resource");
        snprintf(where, sizeof(where), "entry[%zu].resource", i++);
        if (!res || is_delete(entry))
            continue;
        if (map.n)
            rewrite_refs(res, &map);
        if ((e = store_one(s, res, st, d)) != PP_OK) {
            pp_diag_prefix(d, where);
            goto out;
        }
    }
out:
    map_release(&map);
    return e;
}

enum pp_err pp_store_import_json(struct pp_store *s, cJSON *root, const char *name,
                                 struct pp_store_import_stats *st, struct pp_diag *d)
{
    bool own = !pp_store_in_transaction(s);
    struct pp_store_import_stats local = {0};
    const char *type = pp_json_str(root, "resourceType");
    enum pp_err e;
    if (own && (e = pp_store_begin(s, d)) != PP_OK)
        return e;
    if (type && strcmp(type, "Bundle") == 0)
        e = import_bundle(s, root, &local, d);
    else
        e = store_one(s, root, &local, d);
    e = pp_store_end_own(s, own, e, d);
    if (e != PP_OK) {
        if (name)
            pp_diag_prefix_file(d, name);
        pp_store_import_stats_release(&local);
        return e;
    }
    /* counted only once the resources are in */
    if (st)
        pp_store_import_stats_merge(st, &local);
    pp_store_import_stats_release(&local);
    return PP_OK;
}
