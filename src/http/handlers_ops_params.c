/*
 * handlers_ops_params.c — the pieces every workflow operation shares: the Parameters
 * writer, reading resources and a patient's resources from the store into a Bundle, and
 * the request's options (query string or Parameters body). No clinical rules here.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fhir/load.h"
#include "fhir/patient_set.h"
#include "http/handlers.h"
#include "http/ops_int.h"
#include "store/store.h"
#include "util/json.h"

/* ---- Parameters writer ---- */

void pp_ops_begin(struct pp_buf *b)
{
    pp_buf_adds(b, "{\"resourceType\": \"Parameters\", \"parameter\": [");
}

void pp_ops_end(struct pp_buf *b)
{
    pp_buf_adds(b, "]}\n");
}

/* ", " between elements: nothing right after the opening '['. */
static void open_elem(struct pp_buf *b, const char *name)
{
    if (b->len && b->data[b->len - 1] != '[')
        pp_buf_adds(b, ", ");
    pp_buf_adds(b, "{\"name\": ");
    pp_buf_add_json_str(b, name);
}

void pp_ops_str(struct pp_buf *b, const char *name, const char *type, const char *v)
{
    if (!v)
        return;
    open_elem(b, name);
    pp_buf_addf(b, ", \"value%s\": ", type);
    pp_buf_add_json_str(b, v);
    pp_buf_adds(b, "}");
}

void pp_ops_num(struct pp_buf *b, const char *name, double v)
{
    if (!isfinite(v))
        return;
    open_elem(b, name);
    pp_buf_adds(b, ", \"valueDecimal\": ");
    pp_buf_add_num2(b, v);
    pp_buf_adds(b, "}");
}

void pp_ops_int(struct pp_buf *b, const char *name, long v)
{
    open_elem(b, name);
    pp_buf_addf(b, ", \"valueInteger\": %ld}", v);
}

void pp_ops_bool(struct pp_buf *b, const char *name, bool v)
{
    open_elem(b, name);
    pp_buf_adds(b, v ? ", \"valueBoolean\": true}" : ", \"valueBoolean\": false}");
}

void pp_ops_day(struct pp_buf *b, const char *name, pp_day v)
{
    char s[11];
    if (v == PP_DAY_NONE)
        return;
    pp_day_format(v, s);
    pp_ops_str(b, name, "Date", s);
}

void pp_ops_ref(struct pp_buf *b, const char *name, const char *type, const char *id)
{
    open_elem(b, name);
    pp_buf_adds(b, ", \"valueReference\": {\"reference\": \"");
    if (type)
        pp_buf_addf(b, "%s/", type);
    /* the id through the JSON escaper, without its quotes */
    {
        struct pp_buf t;
        pp_buf_init(&t, PP_BUF_UNLIMITED);
        pp_buf_add_json_str(&t, id ? id : "");
        if (t.len >= 2)
            pp_buf_add(b, t.data + 1, t.len - 2);
        pp_buf_release(&t);
    }
    pp_buf_adds(b, "\"}}");
}

void pp_ops_resource(struct pp_buf *b, const char *name, const char *json)
{
    open_elem(b, name);
    pp_buf_adds(b, ", \"resource\": ");
    pp_buf_adds(b, json);
    pp_buf_adds(b, "}");
}

void pp_ops_part_open(struct pp_buf *b, const char *name)
{
    open_elem(b, name);
    pp_buf_adds(b, ", \"part\": [");
}

void pp_ops_part_close(struct pp_buf *b)
{
    pp_buf_adds(b, "]}");
}

void pp_ops_findings(struct pp_buf *b, const struct pp_findings *f)
{
    for (size_t i = 0; i < f->n; i++) {
        const struct pp_finding *x = &f->items[i];
        pp_ops_part_open(b, "finding");
        pp_ops_str(b, "rule", "Code", x->rule_id);
        pp_ops_str(b, "severity", "Code", pp_severity_name(x->severity));
        pp_ops_str(b, "summary", "String", x->summary);
        pp_ops_str(b, "detail", "Markdown", x->detail);
        pp_ops_str(b, "source", "String", x->source);
        for (size_t k = 0; k < x->n_evidence; k++)
            pp_ops_ref(b, "evidence", NULL, x->evidence[k]);
        for (size_t k = 0; k < x->n_suggestions; k++)
            pp_ops_str(b, "suggestion", "String", x->suggestions[k].label);
        pp_ops_part_close(b);
    }
}

enum pp_err pp_ops_one_record(struct pp_patient_set *set, const cJSON *root,
                              const struct pp_record **r, struct pp_diag *d)
{
    enum pp_err rc = pp_fhir_load_json(set, root, "request", d);
    if (rc)
        return rc;
    pp_fhir_patient_set_finish(set);
    if (set->n_records != 1)
        return pp_diag_set(d, PP_ERR_INPUT, "request",
                           "expected the resources of exactly one patient, found %zu patients",
                           set->n_records);
    *r = set->records[0];
    return PP_OK;
}

/* ---- store access ---- */

bool pp_ops_store_open(const struct pp_http_request *req, struct pp_http_response *res,
                       struct pp_store **s)
{
    struct pp_diag d;
    enum pp_err rc;

    pp_diag_clear(&d);
    *s = NULL;
    rc = pp_http_store(req, s, &d);
    if (!rc)
        rc = pp_store_begin_read(*s, &d);
    if (rc) {
        pp_http_fail(res, rc, &d);
        *s = NULL;
        return false;
    }
    return true;
}

void pp_ops_store_done(struct pp_store *s)
{
    if (s && pp_store_in_transaction(s))
        pp_store_rollback(s); /* read only: nothing to keep */
}

enum pp_err pp_ops_read(struct pp_store *s, const char *type, const char *id, cJSON **out,
                        struct pp_diag *d)
{
    struct pp_store_meta m;
    char *body = NULL;
    char where[PP_STORE_TYPE_MAX + PP_STORE_ID_MAX + 2];
    enum pp_err rc;

    *out = NULL;
    memset(&m, 0, sizeof(m));
    snprintf(where, sizeof(where), "%s/%s", type, id ? id : "");
    if (!id || !pp_store_valid_id(id))
        return pp_diag_set(d, PP_ERR_NOT_FOUND, where, "no %s with this id", type);
    rc = pp_store_read(s, type, id, &body, &m, d);
    if (rc == PP_ERR_NOT_FOUND)
        return pp_diag_set(d, PP_ERR_NOT_FOUND, where,
                           m.deleted ? "this %s has been deleted" : "no %s with this id", type);
    if (rc)
        return rc;
    *out = cJSON_Parse(body);
    free(body);
    if (!*out)
        return pp_diag_set(d, PP_ERR_INTERNAL, where, "the stored resource is not JSON");
    return PP_OK;
}

cJSON *pp_ops_bundle_new(void)
{
    cJSON *b = cJSON_CreateObject();
    if (!b)
        abort();
    cJSON_AddStringToObject(b, "resourceType", "Bundle");
    cJSON_AddStringToObject(b, "type", "collection");
    cJSON_AddArrayToObject(b, "entry");
    return b;
}

void pp_ops_bundle_add(cJSON *bundle, cJSON *resource)
{
    cJSON *e = cJSON_CreateObject();
    if (!e)
        abort();
    cJSON_AddItemToObject(e, "resource", resource);
    cJSON_AddItemToArray(cJSON_GetObjectItemCaseSensitive(bundle, "entry"), e);
}

struct gather_ctx {
    cJSON *bundle;
    size_t n;
    size_t seen; /* matches on this page */
};

static enum pp_err gather_one(void *ctx, const struct pp_store_resource *r)
{
    struct gather_ctx *g = ctx;
    cJSON *res;
    g->seen++;
    if (!r->body)
        return PP_OK;
    res = cJSON_ParseWithLength(r->body, r->len);
    if (!res)
        return PP_ERR_INTERNAL;
    pp_ops_bundle_add(g->bundle, res);
    g->n++;
    return PP_OK;
}

/* The scan fallback: every resource of the type whose subject or patient is the patient. */
struct scan_ctx {
    const char *ref;
    cJSON *bundle;
    size_t n;
};

static enum pp_err scan_one(void *ctx, const struct pp_store_resource *r)
{
    struct scan_ctx *c = ctx;
    cJSON *res;
    const char *subject, *patient;
    if (!r->body)
        return PP_OK;
    res = cJSON_ParseWithLength(r->body, r->len);
    if (!res)
        return PP_ERR_INTERNAL;
    subject = pp_json_str(pp_json_obj(res, "subject"), "reference");
    patient = pp_json_str(pp_json_obj(res, "patient"), "reference");
    if ((subject && strcmp(subject, c->ref) == 0) || (patient && strcmp(patient, c->ref) == 0)) {
        if (++c->n > PP_OPS_MAX_RESOURCES) {
            cJSON_Delete(res);
            return PP_ERR_LIMIT;
        }
        pp_ops_bundle_add(c->bundle, res);
    } else {
        cJSON_Delete(res);
    }
    return PP_OK;
}

enum pp_err pp_ops_gather_by(struct pp_store *s, const char *type, const char *name,
                             const char *value, cJSON *bundle, struct pp_diag *d)
{
    struct gather_ctx g = {bundle, 0, 0};
    size_t total = 0;
    long offset = 0;
    enum pp_err rc;

    for (;;) {
        struct pp_store_query q;
        char off[24];
        if ((rc = pp_store_query_init(&q, type, d)))
            return rc;
        snprintf(off, sizeof(off), "%ld", offset);
        rc = pp_store_query_param(&q, name, value, d);
        if (!rc)
            rc = pp_store_query_param(&q, "_count", "1000", d);
        if (!rc)
            rc = pp_store_query_param(&q, "_offset", off, d);
        g.seen = 0;
        if (!rc)
            rc = pp_store_search(s, &q, gather_one, &g, &total, d);
        pp_store_query_release(&q);
        if (rc == PP_ERR_INTERNAL && !d->what[0])
            return pp_diag_set(d, rc, type, "a stored %s is not JSON", type);
        if (rc)
            return rc;
        offset += (long)g.seen;
        if (g.n > PP_OPS_MAX_RESOURCES)
            return pp_diag_set(d, PP_ERR_LIMIT, type, "more than %d resources for one patient",
                               PP_OPS_MAX_RESOURCES);
        if (g.seen == 0 || (size_t)offset >= total)
            return PP_OK;
    }
}

enum pp_err pp_ops_gather(struct pp_store *s, const char *type, const char *patient_id,
                          cJSON *bundle, struct pp_diag *d)
{
    char ref[PP_STORE_ID_MAX + 16];
    struct scan_ctx c = {ref, bundle, 0};
    enum pp_err rc = pp_ops_gather_by(s, type, "patient", patient_id, bundle, d);

    if (rc != PP_ERR_UNSUPPORTED)
        return rc;
    /* the store cannot search this type by patient: look at each one */
    pp_diag_clear(d);
    snprintf(ref, sizeof(ref), "Patient/%s", patient_id);
    rc = pp_store_scan(s, type, scan_one, &c, d);
    if (rc == PP_ERR_LIMIT)
        return pp_diag_set(d, PP_ERR_LIMIT, type, "more than %d resources for one patient",
                           PP_OPS_MAX_RESOURCES);
    if (rc == PP_ERR_INTERNAL && !d->what[0])
        return pp_diag_set(d, rc, type, "a stored %s is not JSON", type);
    return rc;
}

const char *pp_ops_ref_id(const cJSON *obj, const char *key, const char *type)
{
    const char *ref = pp_json_str(pp_json_obj(obj, key), "reference");
    size_t n = strlen(type);
    if (!ref || strncmp(ref, type, n) != 0 || ref[n] != '/' || !ref[n + 1])
        return NULL;
    return ref + n + 1;
}

enum pp_err pp_ops_body(const struct pp_http_request *req, cJSON **out, struct pp_diag *d)
{
    *out = NULL;
    if (!req->body || req->body_len == 0)
        return PP_OK;
    return pp_json_parse_fast(req->body, req->body_len, "request", out, d);
}

const char *pp_ops_arg(const struct pp_http_request *req, const char *name)
{
    for (size_t i = 0; i < req->n_args; i++)
        if (strcmp(req->args[i].name, name) == 0)
            return req->args[i].value;
    return NULL;
}

static const cJSON *param_named(const cJSON *parameters, const char *name)
{
    const cJSON *p;
    const char *type = pp_json_str(parameters, "resourceType");
    if (!type || strcmp(type, "Parameters") != 0)
        return NULL;
    cJSON_ArrayForEach(p, pp_json_arr(parameters, "parameter"))
    {
        const char *n = pp_json_str(p, "name");
        if (n && strcmp(n, name) == 0)
            return p;
    }
    return NULL;
}

const char *pp_ops_param_str(const cJSON *parameters, const char *name)
{
    static const char *const keys[] = {"valueString", "valueCode",     "valueId",       "valueUri",
                                       "valueDate",   "valueDateTime", "valueCanonical"};
    const cJSON *p = param_named(parameters, name);
    const char *s;
    if (!p)
        return NULL;
    for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
        if ((s = pp_json_str(p, keys[i])))
            return s;
    return pp_json_str(pp_json_obj(p, "valueReference"), "reference");
}

const char *pp_ops_option(const struct pp_http_request *req, const cJSON *body, const char *name)
{
    const char *v = pp_ops_arg(req, name);
    if (v)
        return v;
    return body ? pp_ops_param_str(body, name) : NULL;
}
