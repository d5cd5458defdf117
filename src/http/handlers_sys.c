/*
 * handlers_sys.c — the operational routes: /healthz for load balancers and
 * the test harness, /metrics for Prometheus. Neither touches patient data.
 */
#include "http/handlers.h"
#include "http/metrics.h"

void pp_http_handle_healthz(const struct pp_http_request *req, struct pp_http_response *res)
{
    (void)req;
    pp_buf_adds(&res->body, "{\"status\": \"ok\"}\n");
}

void pp_http_handle_metrics(const struct pp_http_request *req, struct pp_http_response *res)
{
    res->content_type = PP_HTTP_TEXT;
    pp_http_metrics_write(req->metrics, &res->body);
}
