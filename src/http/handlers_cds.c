/*
 * handlers_cds.c — CDS Hooks over HTTP: discovery, running a service exactly
 * as `painpath cds SERVICE` does (same request reader, same cards) after
 * completing absent prefetch keys from the store (CDS Hooks 2.0: else 412), and
 * feedback (validated, stored in one transaction, counted).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fhir/cds.h"
#include "fhir/cds_response.h"
#include "http/handlers.h"
#include "http/metrics.h"
#include "store/store.h"
#include "util/json.h"

void pp_http_handle_cds_discovery(const struct pp_http_request *req, struct pp_http_response *res)
{
    (void)req;
    pp_cds_discovery_write(&res->body);
}

/* The service named by the path, or NULL after answering 404. */
static const struct pp_cds_service *service_or_404(const struct pp_http_request *req,
                                                   struct pp_http_response *res)
{
    const struct pp_cds_service *svc = pp_cds_service_find(req->param);
    if (!svc)
        pp_http_outcome(res, 404, "not-found", "", "no such CDS service");
    return svc;
}

/* ---- prefetch completion ------------------------------------------------------------ */

struct gather {
    cJSON *entries;
    const char *query; /* the prefetch template */
    size_t seen;
};

static enum pp_err gather_one(void *ctx, const struct pp_store_resource *r)
{
    struct gather *g = ctx;
    struct pp_diag d;
    cJSON *res = NULL, *entry;
    g->seen++;
    if (!r->body || pp_json_parse_fast(r->body, r->len, "store", &res, &d) != PP_OK)
        return PP_OK;
    if (!pp_cds_prefetch_matches(res, g->query)) {
        cJSON_Delete(res);
        return PP_OK;
    }
    entry = cJSON_CreateObject();
    cJSON_AddItemToObject(entry, "resource", res);
    cJSON_AddItemToArray(g->entries, entry);
    return PP_OK;
}

/* The searchset Bundle answering template `query` ("Type?patient=...&...") for `patient`. */
static enum pp_err fetch_key(struct pp_store *s, const char *query, const char *patient,
                             cJSON **out, struct pp_diag *d)
{
    const char *qm = strchr(query, '?');
    char type[PP_STORE_TYPE_MAX + 1];
    struct pp_store_query q;
    struct gather g;
    cJSON *bundle;
    size_t total = 0;
    enum pp_err rc;

    snprintf(type, sizeof(type), "%.*s", (int)(qm ? (size_t)(qm - query) : strlen(query)), query);
    bundle = cJSON_CreateObject();
    cJSON_AddStringToObject(bundle, "resourceType", "Bundle");
    cJSON_AddStringToObject(bundle, "type", "searchset");
    g.entries = cJSON_AddArrayToObject(bundle, "entry");
    g.query = query;
    g.seen = 0;
    do {
        if ((rc = pp_store_query_init(&q, type, d)))
            break;
        q.count = PP_STORE_MAX_COUNT;
        q.offset = (long)g.seen;
        rc = pp_store_query_param(&q, "patient", patient, d);
        if (!rc)
            rc = pp_store_search(s, &q, gather_one, &g, &total, d);
        pp_store_query_release(&q);
    } while (!rc && g.seen < total && total > 0 && q.offset < (long)g.seen);
    if (rc) {
        cJSON_Delete(bundle);
        return rc;
    }
    cJSON_AddNumberToObject(bundle, "total", cJSON_GetArraySize(g.entries));
    *out = bundle;
    return PP_OK;
}

/* Answer 412 naming the missing keys; `why` completes the sentence. */
static void missing_412(struct pp_http_response *res, const char **keys, size_t n, const char *why)
{
    char where[96], what[512];
    size_t len = 0;
    snprintf(where, sizeof(where), "prefetch.%s", keys[0]);
    len = (size_t)snprintf(what, sizeof(what), "missing prefetch key%s: ", n == 1 ? "" : "s");
    for (size_t i = 0; i < n && len < sizeof(what); i++)
        len += (size_t)snprintf(what + len, sizeof(what) - len, "%s%s", i ? ", " : "", keys[i]);
    if (len < sizeof(what))
        snprintf(what + len, sizeof(what) - len, " (%s)", why);
    pp_http_outcome(res, 412, "required", where, what);
}

/*
 * Fill the prefetch keys `svc` declares and `root` lacks from the store, when the server has
 * one and it holds the patient (in one read snapshot); else answer 412. Returns true when
 * it answered (412 or 500). A request too malformed to name its patient or hook is left to
 * the service run, which names the field (400).
 */
static bool complete_prefetch(const struct pp_http_request *req, struct pp_http_response *res,
                              const struct pp_cds_service *svc, cJSON *root)
{
    const char *keys[PP_CDS_PREFETCH_KEYS];
    char patient[PP_STORE_ID_MAX + 1];
    const char *hook = pp_json_str(root, "hook");
    size_t n = pp_cds_prefetch_missing(svc, root, keys, PP_CDS_PREFETCH_KEYS);
    struct pp_store *s = NULL;
    struct pp_store_meta meta;
    struct pp_diag d;
    cJSON *prefetch;
    char *body = NULL;
    enum pp_err rc;

    prefetch = cJSON_GetObjectItemCaseSensitive(root, "prefetch");
    if (!n || !cJSON_IsObject(root) || !hook || strcmp(hook, svc->hook) != 0 ||
        !pp_fhir_cds_patient_id(root, patient, sizeof(patient)) ||
        (prefetch && !cJSON_IsObject(prefetch) && !cJSON_IsNull(prefetch)))
        return false; /* the run names the field (400) */
    if (!req->env->db_path) {
        missing_412(res, keys, n, "the server runs without a store to fetch them from");
        return true;
    }
    pp_diag_clear(&d);
    if ((rc = pp_http_store(req, &s, &d)) || (rc = pp_store_begin_read(s, &d))) {
        pp_http_fail(res, rc, &d);
        return true;
    }
    rc = pp_store_read(s, "Patient", patient, &body, &meta, &d);
    if (rc == PP_ERR_NOT_FOUND) {
        pp_store_rollback(s);
        missing_412(res, keys, n, "the server does not hold this patient to fetch them");
        return true;
    }
    if (!cJSON_IsObject(prefetch)) {
        cJSON_DeleteItemFromObjectCaseSensitive(root, "prefetch");
        prefetch = cJSON_AddObjectToObject(root, "prefetch");
    }
    for (size_t i = 0; i < n && !rc; i++) {
        const char *query = NULL;
        cJSON *value = NULL;
        for (size_t k = 0; k < PP_CDS_PREFETCH_KEYS; k++)
            if (strcmp(pp_cds_prefetch_key(k, &query), keys[i]) == 0)
                break;
        if (strncmp(query, "Patient/", 8) == 0)
            rc = pp_json_parse_fast(body, strlen(body), "store", &value, &d);
        else
            rc = fetch_key(s, query, patient, &value, &d);
        if (!rc)
            cJSON_AddItemToObject(prefetch, keys[i], value);
    }
    free(body);
    if (!rc)
        rc = pp_store_commit(s, &d);
    else
        pp_store_rollback(s);
    if (rc) {
        pp_http_fail(res, rc, &d);
        return true;
    }
    return false;
}

void pp_http_handle_cds_service(const struct pp_http_request *req, struct pp_http_response *res)
{
    const struct pp_cds_service *svc = service_or_404(req, res);
    struct pp_cds_env env = {req->now, req->env->policy, req->env->terms, req->env->codes};
    struct pp_findings fs;
    struct pp_diag d;
    cJSON *root = NULL;
    enum pp_err rc;

    if (!svc)
        return;
    pp_findings_init(&fs);
    pp_diag_clear(&d);
    rc = pp_json_parse_fast(req->body, req->body_len, "request", &root, &d);
    /* the audit record names the patient the service ran on (context.patientId) */
    if (!rc && !pp_fhir_cds_patient_id(root, res->audit.patient, sizeof(res->audit.patient)))
        res->audit.patient[0] = '\0';
    if (!rc && complete_prefetch(req, res, svc, root))
        goto out;
    if (!rc)
        rc = pp_cds_service_run(svc, root, "request", &env, &fs, &res->body, &d);
    if (!rc)
        rc = pp_buf_status(&res->body);
    if (rc)
        pp_http_fail(res, rc, &d);
out:
    cJSON_Delete(root);
    pp_findings_release(&fs);
}

/* ---- feedback ----------------------------------------------------------------------- */

/* Check feedback item `i`; PP_ERR_INPUT with d->where "feedback[i].field". */
static enum pp_err check_item(const cJSON *item, int i, struct pp_diag *d)
{
    const cJSON *reason = cJSON_GetObjectItemCaseSensitive(item, "overrideReason");
    const char *outcome = pp_json_str(item, "outcome"), *ts = pp_json_str(item, "outcomeTimestamp");
    char where[64];
    pp_day day;

    snprintf(where, sizeof(where), "feedback[%d]", i);
    if (!cJSON_IsObject(item))
        return pp_diag_set(d, PP_ERR_INPUT, where, "expected a feedback object");
    snprintf(where, sizeof(where), "feedback[%d].card", i);
    if (!pp_json_str(item, "card") || !*pp_json_str(item, "card"))
        return pp_diag_set(d, PP_ERR_INPUT, where, "expected the card's uuid (a string)");
    snprintf(where, sizeof(where), "feedback[%d].outcome", i);
    if (!outcome || (strcmp(outcome, "accepted") != 0 && strcmp(outcome, "overridden") != 0))
        return pp_diag_set(d, PP_ERR_INPUT, where, "expected \"accepted\" or \"overridden\"");
    snprintf(where, sizeof(where), "feedback[%d].overrideReason", i);
    if (reason && !cJSON_IsObject(reason))
        return pp_diag_set(d, PP_ERR_INPUT, where, "expected an object {reason, userComment}");
    snprintf(where, sizeof(where), "feedback[%d].outcomeTimestamp", i);
    if (!ts || strlen(ts) < 10 || pp_day_parse(ts, 10, &day, d) != PP_OK)
        return pp_diag_set(d, PP_ERR_INPUT, where,
                           "required: when the clinician acted (an ISO 8601 date-time)");
    return PP_OK;
}

/* Store every item in one transaction (all or none), the request's audit record with them. */
static enum pp_err store_feedback(const struct pp_http_request *req,
                                  const struct pp_cds_service *svc, const cJSON *list,
                                  struct pp_http_response *res, struct pp_diag *d)
{
    struct pp_store *s = NULL;
    const cJSON *item;
    enum pp_err rc;

    if ((rc = pp_http_store(req, &s, d)) || (rc = pp_store_begin(s, d)))
        return rc;
    cJSON_ArrayForEach(item, list)
    {
        char *text = cJSON_PrintUnformatted(item);
        if (!text) {
            rc = pp_diag_set(d, PP_ERR_INTERNAL, "feedback", "could not encode an item");
            break;
        }
        rc = pp_store_feedback_add(s, svc->id, pp_json_str(item, "card"),
                                   pp_json_str(item, "outcome"),
                                   pp_json_str(item, "outcomeTimestamp"), text, d);
        cJSON_free(text);
        if (rc)
            break;
    }
    if (!rc && !(rc = pp_http_audit_in_tx(req, s, res, d)))
        rc = pp_store_commit(s, d);
    if (rc) {
        pp_store_rollback(s);
        res->audit.recorded = false;
    }
    return rc;
}

/* CDS Hooks 2.0 feedback: {"feedback": [{"card", "outcome", "overrideReason"?,
 * "outcomeTimestamp"}]}. Every item is checked before any is stored; stored in one store
 * transaction when the server has a store (without one: counted only), then counted. */
void pp_http_handle_cds_feedback(const struct pp_http_request *req, struct pp_http_response *res)
{
    const struct pp_cds_service *svc = service_or_404(req, res);
    const cJSON *list, *item;
    struct pp_diag d;
    cJSON *root = NULL;
    enum pp_err rc;
    int i = 0;

    if (!svc)
        return;
    pp_diag_clear(&d);
    rc = pp_json_parse_fast(req->body, req->body_len, "request", &root, &d);
    if (rc) {
        pp_http_fail(res, rc, &d);
        return;
    }
    list = pp_json_arr(root, "feedback");
    if (!list) {
        pp_http_outcome(res, 400, "invalid", "feedback", "expected an array of feedback items");
        goto out;
    }
    cJSON_ArrayForEach(item, list)
    {
        if ((rc = check_item(item, i++, &d))) {
            pp_http_fail(res, rc, &d);
            goto out;
        }
    }
    if (req->env->db_path && cJSON_GetArraySize(list) > 0 &&
        (rc = store_feedback(req, svc, list, res, &d))) {
        pp_http_fail(res, rc, &d);
        goto out;
    }
    pp_http_metrics_feedback(req->metrics);
    pp_buf_adds(&res->body, "{}\n");
out:
    cJSON_Delete(root);
}
