/*
 * fuzz_auth.c — libFuzzer target for what painpath reads from an unauthenticated caller
 * before any check: the Authorization header (pp_http_bearer_parse), the session cookie's
 * shape (pp_http_token_shape), ISO times (pp_http_iso_parse) and a security settings file
 * (pp_security_load_json). Checks what their headers promise: no crash, no read past the
 * input, a parsed token that is a non-empty token68 no longer than the buffer allows, and
 * settings left unchanged when a file is refused.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http/auth.h"
#include "store/accounts.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(int ok)
{
    if (!ok)
        abort();
}

static int token68(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
           strchr("-._~+/=", c) != NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    char token[64];
    long long t;
    struct pp_security sec, before;
    struct pp_diag d;

    check(text != NULL);
    if (size)
        memcpy(text, data, size);
    text[size] = '\0'; /* headers and cookies arrive as C strings */

    if (pp_http_bearer_parse(text, token, sizeof(token))) {
        size_t n = strlen(token);
        check(n > 0 && n < sizeof(token));
        for (size_t i = 0; i < n; i++)
            check(token68(token[i]));
    }
    if (pp_http_token_shape(text))
        check(strlen(text) == 43);
    (void)pp_http_iso_parse(text, &t);

    pp_security_defaults(&sec);
    memcpy(&before, &sec, sizeof(sec));
    pp_diag_clear(&d);
    if (pp_security_load_json(&sec, text, size, "fuzz", &d) != PP_OK) {
        check(memcmp(&sec, &before, sizeof(sec)) == 0);
        check(d.what[0] != '\0');
    }
    check(memchr(d.where, '\0', sizeof(d.where)) != NULL);
    free(text);
    return 0;
}
