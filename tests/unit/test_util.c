/*
 * test_util.c — the util layer: pp_buf caps and sticky errors, JSON string
 * escaping and two-decimal numbers, civil dates (parsing, leap years, ages,
 * month arithmetic), JSON diagnostics (line:column and what was expected,
 * UTF-8, depth), the arena, and pp_diag path joining.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "util/alloc.h"
#include "util/buf.h"
#include "util/date.h"
#include "util/err.h"
#include "util/json.h"

static void test_util__buf_cap_is_sticky(void **state)
{
    struct pp_buf b;
    (void)state;
    pp_buf_init(&b, 8);
    pp_buf_adds(&b, "12345678");
    assert_int_equal(pp_buf_status(&b), PP_OK);
    assert_string_equal(b.data, "12345678");
    pp_buf_addc(&b, '9'); /* one past the cap */
    assert_int_equal(pp_buf_status(&b), PP_ERR_LIMIT);
    pp_buf_adds(&b, ""); /* still refused once overflowed */
    assert_int_equal(b.len, 8);
    assert_string_equal(b.data, "12345678");
    pp_buf_reset(&b);
    assert_int_equal(pp_buf_status(&b), PP_OK);
    pp_buf_addf(&b, "%d-%s", 42, "x");
    assert_string_equal(b.data, "42-x");
    pp_buf_release(&b);
}

static void test_util__buf_json_string_and_numbers(void **state)
{
    struct pp_buf b;
    (void)state;
    pp_buf_init(&b, PP_BUF_UNLIMITED);
    pp_buf_add_json_str(&b, "a\"b\\c\n\x01");
    assert_string_equal(b.data, "\"a\\\"b\\\\c\\n\\u0001\"");
    pp_buf_reset(&b);
    pp_buf_add_num2(&b, 180.00000000000003);
    pp_buf_addc(&b, ' ');
    pp_buf_add_num2(&b, 22.5);
    pp_buf_addc(&b, ' ');
    pp_buf_add_num2(&b, 0.155);
    pp_buf_addc(&b, ' ');
    pp_buf_add_num2(&b, -0.001);
    assert_string_equal(b.data, "180 22.5 0.16 0");
    pp_buf_release(&b);
}

static void test_util__dates(void **state)
{
    pp_day d;
    struct pp_diag diag;
    char out[11];
    int y, m, dd;
    (void)state;

    assert_int_equal(pp_day_from_ymd(1970, 1, 1), 0);
    assert_int_equal(pp_day_parse("2023-05-01", 10, &d, &diag), PP_OK);
    pp_day_format(d, out);
    assert_string_equal(out, "2023-05-01");
    assert_int_equal(pp_day_parse("2023-05-01T23:59:00-06:00", 25, &d, &diag), PP_OK);
    pp_day_format(d, out);
    assert_string_equal(out, "2023-05-01"); /* the date as written, no zone shift */
    assert_int_equal(pp_day_parse("2023-05", 7, &d, &diag), PP_OK);
    pp_day_to_ymd(d, &y, &m, &dd);
    assert_int_equal(dd, 1);
    assert_int_equal(pp_day_parse("2024-02-29", 10, &d, &diag), PP_OK);
    assert_int_equal(pp_day_parse("2023-02-29", 10, &d, &diag), PP_ERR_INPUT);
    assert_non_null(strstr(diag.what, "calendar"));
    assert_int_equal(pp_day_parse("2023/05/01", 10, &d, &diag), PP_ERR_INPUT);
    assert_int_equal(pp_day_parse("05", 2, &d, &diag), PP_ERR_INPUT);
    /* age: the day before, on and after the 18th birthday */
    assert_int_equal(pp_years_between(pp_day_from_ymd(2005, 5, 1), pp_day_from_ymd(2023, 4, 30)),
                     17);
    assert_int_equal(pp_years_between(pp_day_from_ymd(2005, 5, 1), pp_day_from_ymd(2023, 5, 1)),
                     18);
    assert_int_equal(pp_years_between(pp_day_from_ymd(2004, 2, 29), pp_day_from_ymd(2022, 2, 28)),
                     17);
    /* months: clamped to the month's end */
    pp_day_format(pp_day_add_months(pp_day_from_ymd(2023, 3, 31), -1), out);
    assert_string_equal(out, "2023-02-28");
    pp_day_format(pp_day_add_months(pp_day_from_ymd(2023, 5, 1), -12), out);
    assert_string_equal(out, "2022-05-01");
}

static void test_util__json_errors_name_line_and_column(void **state)
{
    static const struct {
        const char *text;
        const char *where;
        const char *what; /* a fragment of the message */
    } cases[] = {
        {"{\"a\": 1,\n \"b\": }", "t.json:2:7", "expected a value"},
        {"{\"a\" 1}", "t.json:1:6", "unexpected"},
        {"[1, 2", "t.json:1:6", "end of input"},
        {"{\"a\": 1} x", "t.json:1:10", "end of input after the JSON value"},
        {"{\"a\": \"\xff\"}", "t.json:1:8", "UTF-8"},
        {"{,}", "t.json:1:3", "string key"},
    };
    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        cJSON *root = NULL;
        struct pp_diag d;
        assert_int_equal(pp_json_parse(cases[i].text, strlen(cases[i].text), "t.json", &root, &d),
                         PP_ERR_INPUT);
        assert_null(root);
        if (strcmp(d.where, cases[i].where) != 0 || !strstr(d.what, cases[i].what)) {
            print_error("case %zu: got %s: %s\n", i, d.where, d.what);
            fail();
        }
    }
}

static void test_util__json_depth_limit(void **state)
{
    char deep[2 * (PP_JSON_MAX_DEPTH + 1) + 1];
    cJSON *root = NULL;
    struct pp_diag d;
    (void)state;
    for (int n = PP_JSON_MAX_DEPTH; n <= PP_JSON_MAX_DEPTH + 1; n++) {
        memset(deep, '[', (size_t)n);
        memset(deep + n, ']', (size_t)n);
        deep[2 * n] = '\0';
        if (n == PP_JSON_MAX_DEPTH) {
            assert_int_equal(pp_json_parse(deep, (size_t)(2 * n), "d", &root, &d), PP_OK);
            cJSON_Delete(root);
            assert_int_equal(pp_json_parse_fast(deep, (size_t)(2 * n), "d", &root, &d), PP_OK);
            cJSON_Delete(root);
        } else {
            assert_int_equal(pp_json_parse(deep, (size_t)(2 * n), "d", &root, &d), PP_ERR_INPUT);
            assert_non_null(strstr(d.what, "deeper"));
            assert_int_equal(pp_json_parse_fast(deep, (size_t)(2 * n), "d", &root, &d),
                             PP_ERR_INPUT);
        }
    }
}

static void test_util__json_scratch_arena(void **state)
{
    struct pp_json_scratch s;
    cJSON *root = NULL;
    struct pp_diag d;
    (void)state;
    pp_json_scratch_init(&s);
    for (int round = 0; round < 3; round++) {
        pp_json_scratch_enter(&s);
        assert_int_equal(pp_json_parse("{\"a\": [1, 2, {\"b\": \"c\"}]}", 25, "s", &root, &d),
                         PP_OK);
        assert_string_equal(pp_json_str(cJSON_GetArrayItem(pp_json_arr(root, "a"), 2), "b"), "c");
        cJSON_Delete(root); /* frees nothing inside the scope */
        assert_true(s.arena.used_total > 0);
        pp_json_scratch_leave(&s);
        assert_int_equal(s.arena.used_total, 0);
    }
    /* outside the scope cJSON uses the heap again */
    assert_int_equal(pp_json_parse("[1]", 3, "s", &root, &d), PP_OK);
    cJSON_Delete(root);
    pp_json_scratch_release(&s);
}

static void test_util__arena(void **state)
{
    struct pp_arena a;
    char *big;
    (void)state;
    pp_arena_init(&a);
    for (int i = 0; i < 1000; i++) {
        char *p = pp_arena_strdup(&a, "oxycodone");
        assert_string_equal(p, "oxycodone");
        assert_int_equal((uintptr_t)p % _Alignof(max_align_t), 0);
    }
    big = pp_arena_alloc(&a, 1 << 20);
    assert_int_equal(big[0], 0);
    assert_int_equal(big[(1 << 20) - 1], 0);
    assert_null(pp_arena_strdup(&a, NULL));
    pp_arena_reset(&a);
    assert_int_equal(a.used_total, 0);
    pp_arena_release(&a);
}

static void test_util__diag_paths(void **state)
{
    struct pp_diag d;
    (void)state;
    pp_diag_set(&d, PP_ERR_INPUT, "resource.status", "expected a string");
    pp_diag_prefix(&d, "entry[3]");
    assert_string_equal(d.where, "entry[3].resource.status");
    pp_diag_set(&d, PP_ERR_INPUT, "[2].code", "x");
    pp_diag_prefix(&d, "entry");
    assert_string_equal(d.where, "entry[2].code");
    pp_diag_prefix_file(&d, "a.json");
    assert_string_equal(d.where, "a.json: entry[2].code");
    assert_int_equal(pp_err_exit_code(PP_ERR_INPUT), 2);
    assert_int_equal(pp_err_exit_code(PP_ERR_IO), 1);
    assert_int_equal(pp_err_exit_code(PP_OK), 0);
}

/* pp_json_write gives text that parses back to the same tree, and the exact text for the
 * simple cases. */
static void test_util__json_write(void **state)
{
    static const char *const docs[] = {
        "{\"a\":1,\"b\":-3,\"c\":1.5,\"d\":0.1,\"e\":1e+300,\"f\":9007199254740994,"
        "\"g\":-0.000123456789012345678,\"h\":[true,false,null,[],{}],"
        "\"s\":\"quote \\\" backslash \\\\ nl \\n tab \\t \\u0001 \u00e9\"}",
        "[]",
        "\"x\"",
        "42",
    };
    (void)state;
    for (size_t i = 0; i < sizeof(docs) / sizeof(docs[0]); i++) {
        struct pp_buf b;
        cJSON *a = cJSON_Parse(docs[i]), *back;
        assert_non_null(a);
        pp_buf_init(&b, PP_BUF_UNLIMITED);
        pp_json_write(&b, a);
        back = cJSON_Parse(b.data);
        assert_non_null(back);
        assert_true(cJSON_Compare(a, back, 1));
        cJSON_Delete(back);
        cJSON_Delete(a);
        pp_buf_release(&b);
    }
    {
        struct pp_buf b;
        cJSON *a = cJSON_Parse("{\"n\":[1,-2,2.5,100000000000],\"t\":\"a\\\"b\"}");
        pp_buf_init(&b, PP_BUF_UNLIMITED);
        pp_json_write(&b, a);
        assert_string_equal(b.data, "{\"n\":[1,-2,2.5,100000000000],\"t\":\"a\\\"b\"}");
        cJSON_Delete(a);
        pp_buf_release(&b);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_util__buf_cap_is_sticky),
        cmocka_unit_test(test_util__buf_json_string_and_numbers),
        cmocka_unit_test(test_util__dates),
        cmocka_unit_test(test_util__json_errors_name_line_and_column),
        cmocka_unit_test(test_util__json_depth_limit),
        cmocka_unit_test(test_util__json_scratch_arena),
        cmocka_unit_test(test_util__json_write),
        cmocka_unit_test(test_util__arena),
        cmocka_unit_test(test_util__diag_paths),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
