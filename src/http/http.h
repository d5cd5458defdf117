/*
 * http.h — what the server hands a route handler and what the handler gives
 * back: the request (method, path, the route's {id}, the collected body, the
 * server's clinical environment), the response (status, content type, body),
 * and the helpers that write JSON answers and OperationOutcome errors.
 * Knows HTTP and FHIR JSON shapes; never libmicrohttpd (server.c) or SQL.
 */
#ifndef PP_HTTP_HTTP_H
#define PP_HTTP_HTTP_H

#include <stdbool.h>
#include <stddef.h>

#include "clinical/drugs.h"
#include "clinical/policy.h"
#include "clinical/terms.h"
#include "util/buf.h"
#include "util/date.h"
#include "util/err.h"

struct pp_security;

/* What clinical answers need besides the request (all borrowed, read-only, shared by every
 * worker thread). `now` PP_DAY_NONE means "today (UTC) at the time of each request". */
struct pp_http_env {
    pp_day now;
    const struct pp_policy *policy;
    const struct pp_terms *terms;
    const struct pp_drug_codes *codes;  /* may be NULL */
    const char *db_path;                /* the store (store/store.h); NULL: no FHIR REST */
    const char *export_dir;             /* bulk $export files; NULL: "<db_path>.export" */
    const struct pp_security *security; /* sessions, lockout, rate limits (store/accounts.h);
                                         * NULL: pp_security_defaults */
};

struct pp_http_metrics;
struct pp_http_route;
struct pp_http_principal;

/* Bytes of a path placeholder segment with its NUL: holds a 64-character FHIR id (a
 * longer segment does not match the route). */
#define PP_HTTP_PARAM_MAX 66
/* Most path placeholders in one route ("/fhir/{type}/{rid}/_history/{vid}"). */
#define PP_HTTP_PARAMS 3
/* Most query parameters a request may carry (more: 400). */
#define PP_HTTP_ARGS_MAX 32

/* One query-string parameter, %-decoded by libmicrohttpd (borrowed). */
struct pp_http_arg {
    const char *name;
    const char *value; /* "" for "?name" */
};

/* One request as a handler sees it. Everything is borrowed for the handler's call. */
struct pp_http_request {
    const struct pp_http_route *route;
    const char *method;             /* "GET", "POST" */
    const char *path;               /* without the query string */
    char param[PP_HTTP_PARAM_MAX];  /* the route's first placeholder segment, "" when none */
    char param2[PP_HTTP_PARAM_MAX]; /* the second ("{rid}" of "/fhir/{type}/{rid}"), or "" */
    char param3[PP_HTTP_PARAM_MAX]; /* the third ("{vid}"), or "" */
    struct pp_http_arg args[PP_HTTP_ARGS_MAX]; /* the query string, in order */
    size_t n_args;
    bool args_overflow;       /* more than PP_HTTP_ARGS_MAX parameters were sent */
    const char *if_match;     /* the If-Match header, or NULL */
    const char *host;         /* the Host header, or NULL (for absolute links) */
    const char *prefer;       /* the Prefer header, or NULL (bulk $export: respond-async) */
    const char *accept;       /* the Accept header, or NULL */
    const char *content_type; /* the Content-Type header, or NULL */
    /* trust (http/auth.h) */
    const char *authorization; /* the Authorization header, or NULL */
    const char *cookie;        /* the session cookie's value (Cookie header), or NULL */
    const char *csrf;          /* the X-CSRF-Token header, or NULL */
    char client[64];           /* the client's address ("127.0.0.1"), for limits and audit */
    bool tls;                  /* the connection is TLS */
    const struct pp_http_principal *who; /* set by the gate before the handler runs */
    const char *body;                    /* NUL-terminated; "" when there is none */
    size_t body_len;
    pp_day now; /* env->now, or today when the server runs on the real clock */
    const struct pp_http_env *env;
    struct pp_http_metrics *metrics;
};

/* What a handler answers. The server initialises it (status 200, JSON content type, empty
 * body capped by PP_HTTP_RESPONSE_MAX) and sends it after the handler returns. */
struct pp_http_response {
    unsigned status;
    const char *content_type;   /* static string */
    const char *allow;          /* static "GET" / "POST" for a 405, else NULL */
    char etag[32];              /* ETag header (W/"3") when non-empty */
    char last_modified[40];     /* Last-Modified header (an HTTP date) when non-empty */
    char location[320];         /* Location header when non-empty */
    char content_location[320]; /* Content-Location header when non-empty */
    char retry_after[16];       /* Retry-After header (seconds) when non-empty */
    char progress[128];         /* X-Progress header when non-empty */
    /* A file to send instead of `body` when >= 0 (answers larger than PP_HTTP_RESPONSE_MAX):
     * an open descriptor the response owns, `file_size` bytes from offset 0. The server
     * closes it after sending; pp_http_response_release closes it if it was not sent. */
    int file_fd;
    unsigned long long file_size;
    char set_cookie[2][512];      /* Set-Cookie headers when non-empty (session, CSRF) */
    const char *www_authenticate; /* static WWW-Authenticate header (a 401), or NULL */
    bool break_glass;             /* the answer was opened by break-glass: X-Break-Glass header */
    /* What the request touched, for its audit record (http/auth.h): the handler fills what
     * it knows; `recorded` when it already appended the record in its own transaction. */
    struct {
        char action[24];
        char type[65];
        char id[65];
        char patient[65];
        char agent[65];   /* who, when the handler learnt it (login, login-failed), else "" */
        long user_id;     /* that user's id (a login), 0 otherwise */
        char reason[256]; /* why (a break-glass grant's reason), or "" */
        bool recorded;
    } audit;
    struct pp_buf body;
};

/* The session cookie's name and the header that carries the CSRF token. */
#define PP_HTTP_SESSION_COOKIE "painpath_session"
#define PP_HTTP_CSRF_HEADER "X-CSRF-Token"

/* Largest response body the server builds (a findings Parameters is a few kilobytes). */
#define PP_HTTP_RESPONSE_MAX ((size_t)16 << 20)

#define PP_HTTP_FHIR_JSON "application/fhir+json"
#define PP_HTTP_JSON "application/json"
#define PP_HTTP_TEXT "text/plain; version=0.0.4; charset=utf-8"

typedef void (*pp_http_handler)(const struct pp_http_request *req, struct pp_http_response *res);

/* Initialise / release a response (status 200, application/json, empty body). */
void pp_http_response_init(struct pp_http_response *res);
void pp_http_response_release(struct pp_http_response *res);

/*
 * The HTTP status for an error code (the one table: PP_ERR_INPUT 400, NOT_FOUND 404,
 * UNSUPPORTED 422, LIMIT 413, IO and INTERNAL 500; PP_OK 200).
 */
unsigned pp_http_status_for(enum pp_err e);

/* The FHIR issue type (OperationOutcome.issue.code) for an error code ("invalid", ...). */
const char *pp_http_issue_code_for(enum pp_err e);

/*
 * Replace the response with an OperationOutcome: status `status`, content type
 * application/fhir+json, one issue of severity error with code `code` (a FHIR issue type),
 * diagnostics `what` and, when `where` is non-empty, expression [where] (a JSON path or
 * "name:line:column"). Strings are copied and JSON-escaped.
 */
void pp_http_outcome(struct pp_http_response *res, unsigned status, const char *code,
                     const char *where, const char *what);

/* pp_http_outcome for an error code and its diagnostic (status and code from the table). */
void pp_http_fail(struct pp_http_response *res, enum pp_err e, const struct pp_diag *d);

#endif
