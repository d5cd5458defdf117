/*
 * auth.c — who is calling (http/auth.h): session cookies, bearer tokens, login/logout.
 */
#include "http/auth.h"

#include <string.h>

bool pp_http_authenticate(const struct pp_http_request *req, struct pp_http_principal *who,
                          struct pp_http_response *res)
{
    (void)req;
    (void)res;
    memset(who, 0, sizeof(*who));
    return true;
}
