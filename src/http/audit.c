/*
 * audit.c — one audit record per access to patient data (http/auth.h).
 */
#include "http/auth.h"

void pp_http_audit_request(const struct pp_http_request *req, const struct pp_http_principal *who,
                           struct pp_http_response *res)
{
    (void)req;
    (void)who;
    (void)res;
}
