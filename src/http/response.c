/*
 * response.c — the response helpers: the one table from pp_err to HTTP
 * status and FHIR issue type, and OperationOutcome bodies for every error.
 * Diagnostics name positions and fields, never echo patient data back.
 */
#include "http/http.h"

#include <string.h>

#include <stddef.h>
#include <unistd.h>

/* The one table: pp_err -> HTTP status and FHIR issue type (STYLE.md "Errors"). */
static const struct {
    enum pp_err err;
    unsigned status;
    const char *issue_code;
} err_map[] = {
    {PP_OK, 200, "informational"},        {PP_ERR_INPUT, 400, "invalid"},
    {PP_ERR_NOT_FOUND, 404, "not-found"}, {PP_ERR_UNSUPPORTED, 422, "not-supported"},
    {PP_ERR_LIMIT, 413, "too-costly"},    {PP_ERR_IO, 500, "exception"},
    {PP_ERR_INTERNAL, 500, "exception"},
};

unsigned pp_http_status_for(enum pp_err e)
{
    for (size_t i = 0; i < sizeof(err_map) / sizeof(err_map[0]); i++)
        if (err_map[i].err == e)
            return err_map[i].status;
    return 500;
}

const char *pp_http_issue_code_for(enum pp_err e)
{
    for (size_t i = 0; i < sizeof(err_map) / sizeof(err_map[0]); i++)
        if (err_map[i].err == e)
            return err_map[i].issue_code;
    return "exception";
}

void pp_http_response_init(struct pp_http_response *res)
{
    res->status = 200;
    res->content_type = PP_HTTP_JSON;
    res->allow = NULL;
    res->etag[0] = res->last_modified[0] = res->location[0] = '\0';
    res->content_location[0] = res->retry_after[0] = res->progress[0] = '\0';
    res->file_fd = -1;
    res->file_size = 0;
    res->set_cookie[0][0] = res->set_cookie[1][0] = '\0';
    res->www_authenticate = NULL;
    res->break_glass = false;
    memset(&res->audit, 0, sizeof(res->audit));
    pp_buf_init(&res->body, PP_HTTP_RESPONSE_MAX);
}

void pp_http_response_release(struct pp_http_response *res)
{
    pp_buf_release(&res->body);
    if (res->file_fd >= 0)
        close(res->file_fd);
    res->file_fd = -1;
}

void pp_http_outcome(struct pp_http_response *res, unsigned status, const char *code,
                     const char *where, const char *what)
{
    struct pp_buf *b = &res->body;

    res->status = status;
    res->content_type = PP_HTTP_FHIR_JSON;
    if (res->file_fd >= 0) /* an error replaces a file answer */
        close(res->file_fd);
    res->file_fd = -1;
    pp_buf_reset(b);
    pp_buf_adds(b, "{\"resourceType\": \"OperationOutcome\", \"issue\": [{\"severity\": "
                   "\"error\", \"code\": ");
    pp_buf_add_json_str(b, code);
    pp_buf_adds(b, ", \"diagnostics\": ");
    pp_buf_add_json_str(b, what && what[0] ? what : "error");
    if (where && where[0]) {
        pp_buf_adds(b, ", \"expression\": [");
        pp_buf_add_json_str(b, where);
        pp_buf_adds(b, "]");
    }
    pp_buf_adds(b, "}]}\n");
}

void pp_http_fail(struct pp_http_response *res, enum pp_err e, const struct pp_diag *d)
{
    pp_http_outcome(res, pp_http_status_for(e), pp_http_issue_code_for(e), d->where, d->what);
}
