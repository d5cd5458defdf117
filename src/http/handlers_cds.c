/*
 * handlers_cds.c — CDS Hooks over HTTP: discovery, running a service exactly
 * as `painpath cds SERVICE` does (same request reader, same cards), and
 * feedback (validated and counted; stored once the store exists).
 */
#include <stdio.h>

#include "fhir/cds_response.h"
#include "http/handlers.h"
#include "http/metrics.h"
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
    rc = pp_json_parse(req->body, req->body_len, "request", &root, &d);
    if (!rc)
        rc = pp_cds_service_run(svc, root, "request", &env, &fs, &res->body, &d);
    if (!rc)
        rc = pp_buf_status(&res->body);
    if (rc)
        pp_http_fail(res, rc, &d);
    cJSON_Delete(root);
    pp_findings_release(&fs);
}

/* CDS Hooks 2.0 feedback: {"feedback": [{"card": "...", "outcome": "accepted" | "overridden",
 * ...}]}. Checked for shape, counted, answered 200; storing it waits for src/store. */
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
    rc = pp_json_parse(req->body, req->body_len, "request", &root, &d);
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
        const char *outcome = pp_json_str(item, "outcome");
        if (!pp_json_str(item, "card") || !outcome) {
            char where[64];
            snprintf(where, sizeof(where), "feedback[%d]", i);
            pp_http_outcome(res, 400, "invalid", where,
                            "expected an object with \"card\" and \"outcome\" strings");
            goto out;
        }
        i++;
    }
    pp_http_metrics_feedback(req->metrics);
    pp_buf_adds(&res->body, "{}\n");
out:
    cJSON_Delete(root);
}
