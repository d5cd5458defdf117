/*
 * cds.c — CDS Hooks request bodies: context (patient, user, encounter, draft
 * orders, selections) and prefetch, loaded into a patient set through the
 * same converter as Bundles. All-or-nothing, like every loader in src/fhir.
 */
#include "fhir/cds.h"

#include <stdio.h>
#include <string.h>

#include "fhir/fhir_int.h"
#include "util/json.h"
#include "util/banned.h"

void pp_fhir_cds_request_init(struct pp_cds_request *req)
{
    memset(req, 0, sizeof(*req));
    pp_arena_init(&req->arena);
}

void pp_fhir_cds_request_release(struct pp_cds_request *req)
{
    pp_arena_release(&req->arena);
    pp_fhir_cds_request_init(req);
}

/* An optional string member of obj, copied; NULL when absent or null. */
static enum pp_err opt_str(struct pp_fhir_conv *c, struct pp_arena *a, const cJSON *obj,
                           const char *key, const char **out)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    *out = NULL;
    if (!v || pp_fhir_is_null(v))
        return PP_OK;
    if (!pp_fhir_is_string(v))
        return pp_fhir_type_error(c, v, "a string");
    *out = pp_arena_strdup(a, v->valuestring);
    return PP_OK;
}

static enum pp_err missing(struct pp_fhir_conv *c, const char *key)
{
    pp_fhir_path_push_key(c, key);
    pp_fhir_where(c, NULL, c->d->where, sizeof(c->d->where));
    pp_fhir_path_pop(c);
    snprintf(c->d->what, sizeof(c->d->what), "missing: a CDS Hooks request must carry it");
    return PP_ERR_INPUT;
}

/* "Type/id" of a resource object, into the request's arena; NULL without both. */
static const char *type_id(struct pp_arena *a, const cJSON *res)
{
    const char *type = pp_json_str(res, "resourceType");
    const char *id = pp_json_str(res, "id");
    size_t tl, il;
    char *out;
    if (!type || !id)
        return NULL;
    tl = strlen(type);
    il = strlen(id);
    out = pp_arena_alloc(a, tl + il + 2);
    memcpy(out, type, tl);
    out[tl] = '/';
    memcpy(out + tl + 1, id, il + 1);
    return out;
}

/* The draft orders' "Type/id", from a Bundle's entries or a single resource (checked). */
static void list_drafts(struct pp_cds_request *req, const cJSON *drafts)
{
    const cJSON *entries = pp_json_arr(drafts, "entry");
    size_t n = 0;
    const char *type = pp_json_str(drafts, "resourceType");

    if (type && strcmp(type, "Bundle") != 0) {
        req->draft_order_ids = pp_arena_alloc(&req->arena, sizeof(*req->draft_order_ids));
        req->draft_order_ids[0] = type_id(&req->arena, drafts);
        req->n_draft_orders = req->draft_order_ids[0] != NULL;
        return;
    }
    for (const cJSON *e = entries ? entries->child : NULL; e; e = e->next)
        n++;
    req->draft_order_ids = pp_arena_alloc(&req->arena, (n ? n : 1) * sizeof(char *));
    for (const cJSON *e = entries ? entries->child : NULL; e; e = e->next) {
        const char *ti = type_id(&req->arena, pp_json_obj(e, "resource"));
        if (ti)
            req->draft_order_ids[req->n_draft_orders++] = ti;
    }
}

/* Does selection `sel` ("Type/id", or a bare id) name draft order `draft` ("Type/id")? */
static bool selection_names(const char *sel, const char *draft)
{
    const char *slash;
    if (strcmp(sel, draft) == 0)
        return true;
    slash = strchr(draft, '/');
    return !strchr(sel, '/') && slash && strcmp(slash + 1, sel) == 0;
}

static enum pp_err read_selections(struct pp_fhir_conv *c, struct pp_cds_request *req,
                                   const cJSON *sel)
{
    size_t n = 0;
    int i = 0;

    if (!pp_fhir_is_array(sel))
        return pp_fhir_type_error(c, sel, "an array");
    for (const cJSON *e = sel->child; e; e = e->next)
        n++;
    req->has_selections = true;
    req->selections = pp_arena_alloc(&req->arena, (n ? n : 1) * sizeof(char *));
    pp_fhir_path_push_key(c, "selections");
    for (const cJSON *e = sel->child; e; e = e->next, i++) {
        pp_fhir_path_push_index(c, i);
        if (!pp_fhir_is_string(e))
            return pp_fhir_type_error(c, e, "a string");
        req->selections[req->n_selections++] = pp_arena_strdup(&req->arena, e->valuestring);
        pp_fhir_path_pop(c);
    }
    pp_fhir_path_pop(c);
    return PP_OK;
}

/* selected = drafts named by a selection (all drafts when there are no selections). */
static void match_selections(struct pp_cds_request *req)
{
    req->selected_ids = pp_arena_alloc(
        &req->arena, (req->n_draft_orders ? req->n_draft_orders : 1) * sizeof(char *));
    for (size_t i = 0; i < req->n_draft_orders; i++) {
        bool take = !req->has_selections;
        for (size_t k = 0; k < req->n_selections && !take; k++)
            take = selection_names(req->selections[k], req->draft_order_ids[i]);
        if (take)
            req->selected_ids[req->n_selected++] = req->draft_order_ids[i];
    }
    for (size_t k = 0; k < req->n_selections; k++) {
        bool found = false;
        for (size_t i = 0; i < req->n_draft_orders && !found; i++)
            found = selection_names(req->selections[k], req->draft_order_ids[i]);
        if (!found)
            req->n_unmatched_selections++;
    }
}

static enum pp_err read_prefetch(struct pp_fhir_conv *c, struct pp_cds_request *req,
                                 const cJSON *prefetch)
{
    enum pp_err rc = PP_OK;

    if (!prefetch || pp_fhir_is_null(prefetch))
        return PP_OK;
    if (!pp_fhir_is_object(prefetch))
        return pp_fhir_type_error(c, prefetch, "an object");
    pp_fhir_path_push_key(c, "prefetch");
    for (const cJSON *m = prefetch->child; m && !rc; m = m->next) {
        const cJSON *inner;
        if (pp_fhir_is_null(m))
            continue;
        /* an entry-shaped wrapper {"response": {...}, "resource": {...}} (older servers) */
        if (pp_fhir_is_object(m) && !cJSON_GetObjectItemCaseSensitive(m, "resourceType") &&
            (inner = cJSON_GetObjectItemCaseSensitive(m, "resource")) != NULL) {
            if (pp_fhir_is_null(inner))
                continue;
            req->n_prefetch++;
            pp_fhir_path_push_key(c, m->string);
            rc = pp_fhir_conv_value(c, inner);
            if (!rc)
                pp_fhir_path_pop(c);
            continue;
        }
        req->n_prefetch++;
        rc = pp_fhir_conv_value(c, m);
    }
    if (!rc)
        pp_fhir_path_pop(c);
    return rc;
}

/* The id of context.patientId "Patient/x", ".../Patient/x" or "x" (borrowed from it). */
static const char *bare_patient_id(const char *value)
{
    const char *id = value, *p;
    for (p = strstr(value, "Patient/"); p; p = strstr(p + 1, "Patient/"))
        if (p == value || p[-1] == '/')
            id = p + 8;
    return id;
}

bool pp_fhir_cds_patient_id(const cJSON *root, char *out, size_t n)
{
    const cJSON *pid = cJSON_GetObjectItemCaseSensitive(pp_json_obj(root, "context"), "patientId");
    const char *id;
    if (!cJSON_IsString(pid) || !pid->valuestring || !*(id = bare_patient_id(pid->valuestring)) ||
        strlen(id) >= n)
        return false;
    memcpy(out, id, strlen(id) + 1);
    return true;
}

/* Everything but the loading into the caller's set, into tmp and *req. */
static enum pp_err read_request(struct pp_fhir_conv *c, const cJSON *root,
                                struct pp_cds_request *req)
{
    const cJSON *ctx, *pid, *drafts, *sel;
    const char *id;
    enum pp_err rc;

    if (!pp_fhir_is_object(root))
        return pp_fhir_type_error(c, root, "an object (a CDS Hooks request)");
    if (!cJSON_GetObjectItemCaseSensitive(root, "hook"))
        return missing(c, "hook");
    if ((rc = opt_str(c, &req->arena, root, "hook", &req->hook)) ||
        (rc = opt_str(c, &req->arena, root, "hookInstance", &req->hook_instance)))
        return rc;
    if (!req->hook)
        return missing(c, "hook");
    ctx = cJSON_GetObjectItemCaseSensitive(root, "context");
    if (!ctx)
        return missing(c, "context");
    if (!pp_fhir_is_object(ctx))
        return pp_fhir_type_error(c, ctx, "an object");
    pp_fhir_path_push_key(c, "context");
    pid = cJSON_GetObjectItemCaseSensitive(ctx, "patientId");
    if (!pid)
        return missing(c, "patientId");
    if (!pp_fhir_is_string(pid) || !pid->valuestring[0])
        return pp_fhir_type_error(c, pid, "a non-empty string");
    if ((rc = opt_str(c, &req->arena, ctx, "userId", &req->user_id)) ||
        (rc = opt_str(c, &req->arena, ctx, "encounterId", &req->encounter_id)))
        return rc;
    id = bare_patient_id(pid->valuestring);
    if (!*id)
        return pp_fhir_type_error(c, pid, "a patient id (\"Patient/ID\" or \"ID\")");
    req->patient_id = pp_arena_strdup(&req->arena, id);
    c->forced_patient = req->patient_id;
    /* make the patient's record exist even when nothing else names it */
    (void)pp_fhir_patient_set_get(c->set, req->patient_id);

    sel = cJSON_GetObjectItemCaseSensitive(ctx, "selections");
    if (sel && !pp_fhir_is_null(sel) && (rc = read_selections(c, req, sel)))
        return rc;
    drafts = cJSON_GetObjectItemCaseSensitive(ctx, "draftOrders");
    if (drafts && !pp_fhir_is_null(drafts)) {
        c->draft = true;
        rc = pp_fhir_conv_value(c, drafts);
        c->draft = false;
        if (rc)
            return rc;
        list_drafts(req, drafts);
    }
    match_selections(req);
    pp_fhir_path_pop(c);
    return read_prefetch(c, req, cJSON_GetObjectItemCaseSensitive(root, "prefetch"));
}

enum pp_err pp_fhir_cds_load(struct pp_patient_set *set, const cJSON *root, const char *name,
                             struct pp_cds_request *req, struct pp_diag *d)
{
    struct pp_patient_set tmp;
    struct pp_cds_request out;
    struct pp_fhir_conv c;
    enum pp_err rc;

    pp_fhir_patient_set_init(&tmp);
    pp_fhir_cds_request_init(&out);
    memset(&c, 0, sizeof(c));
    c.set = &tmp;
    c.d = d;
    rc = read_request(&c, root, &out);
    if (rc == PP_OK) {
        pp_fhir_patient_set_merge(set, &tmp);
        (void)pp_fhir_patient_set_finish(set);
        pp_fhir_cds_request_release(req);
        *req = out;
    } else {
        pp_fhir_diag_name(d, name);
        pp_fhir_cds_request_release(&out);
    }
    pp_fhir_patient_set_release(&tmp);
    return rc;
}

enum pp_err pp_fhir_cds_load_text(struct pp_patient_set *set, const char *text, size_t len,
                                  const char *name, struct pp_cds_request *req, struct pp_diag *d)
{
    cJSON *root = NULL;
    enum pp_err rc = pp_json_parse_fast(text, len, name, &root, d);
    if (rc)
        return rc;
    rc = pp_fhir_cds_load(set, root, name, req, d);
    cJSON_Delete(root);
    return rc;
}

bool pp_fhir_cds_is_selected(const struct pp_cds_request *req, const char *type, const char *id)
{
    size_t tl = strlen(type);
    for (size_t i = 0; i < req->n_selected; i++) {
        const char *s = req->selected_ids[i];
        if (strncmp(s, type, tl) == 0 && s[tl] == '/' && strcmp(s + tl + 1, id) == 0)
            return true;
    }
    return false;
}
