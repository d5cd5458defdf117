/*
 * test_http_auth.c — the pure pieces of authentication (http/auth.h): the Authorization
 * header's parser, the shape a session cookie must have, the Set-Cookie values and the ISO
 * time text a Retry-After is computed from.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "http/auth.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static void test_http_auth__bearer_header(void **state)
{
    static const struct {
        const char *header;
        const char *token; /* NULL: refused */
    } cases[] = {
        {"Bearer abc", "abc"},
        {"bearer abc", "abc"},
        {"BEARER   abc-._~+/==", "abc-._~+/=="},
        {"Bearer\tabc ", "abc"},
        {"Bearer abc def", NULL},
        {"Bearer", NULL},
        {"Bearer ", NULL},
        {"Bearerabc", NULL},
        {"Basic dXNlcjpwYXNz", NULL},
        {"Bearer ab\"c", NULL},
        {"Bearer ==", NULL},
        {"Bearer abc=d", NULL},
        {"", NULL},
    };
    char out[16];
    (void)state;
    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        bool ok = pp_http_bearer_parse(cases[i].header, out, sizeof(out));
        if (cases[i].token) {
            assert_true(ok);
            assert_string_equal(out, cases[i].token);
        } else {
            assert_false(ok);
        }
    }
    assert_false(pp_http_bearer_parse(NULL, out, sizeof(out)));
    /* 15 characters fit in 16 bytes, 16 do not */
    assert_true(pp_http_bearer_parse("Bearer 123456789012345", out, sizeof(out)));
    assert_false(pp_http_bearer_parse("Bearer 1234567890123456", out, sizeof(out)));
}

static void test_http_auth__token_shape(void **state)
{
    char token[PP_SECRET_TOKEN_MAX];
    (void)state;
    pp_secret_token(token);
    assert_true(pp_http_token_shape(token));
    assert_true(pp_http_token_shape("abcdefghijklmnopqrstuvwxyzABCDEFGHIJ-_01234"));
    /* 42 and 44 characters, a padding '=', a '+' (base64, not base64url) */
    assert_false(pp_http_token_shape("abcdefghijklmnopqrstuvwxyzABCDEFGHIJ-_0123"));
    assert_false(pp_http_token_shape("abcdefghijklmnopqrstuvwxyzABCDEFGHIJ-_012345"));
    assert_false(pp_http_token_shape("abcdefghijklmnopqrstuvwxyzABCDEFGHIJ-_0123="));
    assert_false(pp_http_token_shape("abcdefghijklmnopqrstuvwxyzABCDEFGHIJ+_01234"));
    assert_false(pp_http_token_shape(""));
    assert_false(pp_http_token_shape(NULL));
}

static void test_http_auth__cookies(void **state)
{
    char c[512];
    (void)state;
    pp_http_session_cookie(c, "TOKEN", false);
    assert_string_equal(c, "painpath_session=TOKEN; HttpOnly; SameSite=Strict; Path=/");
    pp_http_session_cookie(c, "TOKEN", true);
    assert_string_equal(c, "painpath_session=TOKEN; HttpOnly; SameSite=Strict; Path=/; Secure");
    pp_http_session_cookie(c, NULL, false);
    assert_string_equal(c, "painpath_session=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0");
    pp_http_csrf_cookie(c, "CSRF", true);
    assert_string_equal(c, "painpath_csrf=CSRF; SameSite=Strict; Path=/; Secure");
    assert_null(strstr(c, "HttpOnly"));
}

static void test_http_auth__iso_parse(void **state)
{
    long long t;
    (void)state;
    assert_true(pp_http_iso_parse("1970-01-01T00:00:00.000Z", &t));
    assert_int_equal(t, 0);
    assert_true(pp_http_iso_parse("2026-11-27T11:40:00.123Z", &t));
    assert_int_equal(t, 1795779600LL);
    /* a leap day, and the second after it */
    assert_true(pp_http_iso_parse("2024-02-29T23:59:59.999Z", &t));
    assert_int_equal(t, 1709251199LL);
    assert_true(pp_http_iso_parse("2024-03-01T00:00:00Z", &t));
    assert_int_equal(t, 1709251200LL);
    assert_false(pp_http_iso_parse("2023-02-29T00:00:00Z", &t));
    assert_false(pp_http_iso_parse("2024-02-29 23:59:59", &t));
    assert_false(pp_http_iso_parse("2024-13-01T00:00:00Z", &t));
    assert_false(pp_http_iso_parse("2024-01-01T24:00:00Z", &t));
    assert_false(pp_http_iso_parse("", &t));
    assert_false(pp_http_iso_parse(NULL, &t));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_http_auth__bearer_header),
        cmocka_unit_test(test_http_auth__token_shape),
        cmocka_unit_test(test_http_auth__cookies),
        cmocka_unit_test(test_http_auth__iso_parse),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
