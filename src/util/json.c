/*
 * json.c — cJSON wrapper: positions, expectations, UTF-8 and depth checks.
 */
#include "util/json.h"

#include <math.h>

#include <stdint.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The scratch arena of this thread, or NULL: cJSON's hooks consult it on every call. */
static _Thread_local struct pp_arena *scratch_arena;
static pthread_once_t hooks_once = PTHREAD_ONCE_INIT;

static void *hook_malloc(size_t size)
{
    if (scratch_arena)
        return pp_arena_alloc_raw(scratch_arena, size);
    return pp_xmalloc(size);
}

static void hook_free(void *p)
{
    if (!scratch_arena)
        free(p);
}

static void install_hooks(void)
{
    cJSON_Hooks hooks = {hook_malloc, hook_free};
    cJSON_InitHooks(&hooks);
}

void pp_json_scratch_init(struct pp_json_scratch *s)
{
    pthread_once(&hooks_once, install_hooks);
    pp_arena_init(&s->arena);
}

void pp_json_scratch_release(struct pp_json_scratch *s)
{
    pp_arena_release(&s->arena);
}

void pp_json_scratch_enter(struct pp_json_scratch *s)
{
    pthread_once(&hooks_once, install_hooks);
    scratch_arena = &s->arena;
}

void pp_json_scratch_leave(struct pp_json_scratch *s)
{
    scratch_arena = NULL;
    pp_arena_reset(&s->arena);
}

void pp_json_position(const char *text, size_t offset, int *line, int *column)
{
    int l = 1, c = 1;
    for (size_t i = 0; i < offset && text[i]; i++) {
        if (text[i] == '\n') {
            l++;
            c = 1;
        } else if (((unsigned char)text[i] & 0xC0) != 0x80) {
            c++; /* count code points, not continuation bytes */
        }
    }
    *line = l;
    *column = c;
}

size_t pp_utf8_invalid_at(const char *text, size_t len)
{
    const unsigned char *s = (const unsigned char *)text;
    size_t i = 0;
    while (i < len) {
        unsigned char c = s[i];
        size_t n;
        unsigned cp;
        if (c < 0x80) {
            i++;
            continue;
        } else if ((c & 0xE0) == 0xC0) {
            n = 1;
            cp = c & 0x1F;
        } else if ((c & 0xF0) == 0xE0) {
            n = 2;
            cp = c & 0x0F;
        } else if ((c & 0xF8) == 0xF0) {
            n = 3;
            cp = c & 0x07;
        } else {
            return i;
        }
        for (size_t k = 1; k <= n; k++) {
            if (i + k >= len || (s[i + k] & 0xC0) != 0x80)
                return i;
            cp = (cp << 6) | (s[i + k] & 0x3F);
        }
        /* overlong forms, surrogates, beyond U+10FFFF */
        if ((n == 1 && cp < 0x80) || (n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) ||
            (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF)
            return i;
        i += n + 1;
    }
    return len;
}

/* Depth check without recursion on the text itself (strings skipped). */
static size_t too_deep_at(const char *text, size_t len)
{
    int depth = 0;
    bool in_str = false;
    for (size_t i = 0; i < len; i++) {
        char c = text[i];
        if (in_str) {
            if (c == '\\')
                i++;
            else if (c == '"')
                in_str = false;
            continue;
        }
        if (c == '"') {
            in_str = true;
        } else if (c == '{' || c == '[') {
            if (++depth > PP_JSON_MAX_DEPTH)
                return i;
        } else if (c == '}' || c == ']') {
            depth--;
        }
    }
    return len;
}

static const char *skip_ws(const char *p, const char *end)
{
    while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'))
        p++;
    return p;
}

/*
 * cJSON reports some failures at the start of the last value it read (in "[1, 2" it
 * points at the 2): when a complete number or literal stands there, the problem is what
 * follows it, so move past it and its whitespace.
 */
static const char *past_complete_scalar(const char *text, const char *p, const char *end)
{
    const char *q = p, *b = p;
    static const char *const literals[] = {"true", "false", "null"};

    /* only a value where a value belongs (after '[', ',' or ':') */
    while (b > text && (b[-1] == ' ' || b[-1] == '\t' || b[-1] == '\n' || b[-1] == '\r'))
        b--;
    if (b == text || (b[-1] != '[' && b[-1] != ',' && b[-1] != ':'))
        return p;

    if (q < end && (*q == '-' || (*q >= '0' && *q <= '9'))) {
        q++;
        while (q < end && ((*q >= '0' && *q <= '9') || *q == '.' || *q == 'e' || *q == 'E' ||
                           *q == '+' || *q == '-'))
            q++;
        return skip_ws(q, end);
    }
    for (size_t i = 0; i < sizeof(literals) / sizeof(literals[0]); i++) {
        size_t n = strlen(literals[i]);
        if ((size_t)(end - q) >= n && memcmp(q, literals[i], n) == 0)
            return skip_ws(q + n, end);
    }
    return p;
}

/* What a JSON parser could have wanted at `p`, judged from the text before it. */
static void describe(const char *text, const char *p, const char *end, char *what, size_t wsz)
{
    const char *q = p;
    char prev = 0;
    char got[24];

    if (q >= end || !*q) {
        snprintf(what, wsz,
                 "unexpected end of input: a value, ',' or a closing bracket was "
                 "expected");
        return;
    }
    /* look back past whitespace for the last significant character */
    for (const char *b = p; b > text;) {
        b--;
        if (*b != ' ' && *b != '\t' && *b != '\n' && *b != '\r') {
            prev = *b;
            break;
        }
    }
    if ((unsigned char)*q < 0x20 || (unsigned char)*q >= 0x7f)
        snprintf(got, sizeof(got), "byte 0x%02x", (unsigned char)*q);
    else
        snprintf(got, sizeof(got), "'%c'", *q);
    if (prev == '{' || (prev == ',' && *q == '}'))
        snprintf(what, wsz, "expected a string key in double quotes, found %s", got);
    else if (prev == ':' || prev == '[' || prev == ',')
        snprintf(what, wsz,
                 "expected a value (string, number, object, array, true, false, "
                 "null), found %s",
                 got);
    else if (*q == '"' || *q == '{' || *q == '[')
        snprintf(what, wsz, "expected ',' or a closing bracket, found %s", got);
    else
        snprintf(what, wsz, "unexpected %s", got);
}

enum pp_err pp_json_parse(const char *text, size_t len, const char *name, cJSON **out,
                          struct pp_diag *d)
{
    const char *endp = NULL;
    size_t at;
    int line, col;
    cJSON *root;

    *out = NULL;
    name = name ? name : "input";
    at = pp_utf8_invalid_at(text, len);
    if (at < len) {
        pp_json_position(text, at, &line, &col);
        pp_diag_set(d, PP_ERR_INPUT, "", "invalid UTF-8 (byte 0x%02x)", (unsigned char)text[at]);
        snprintf(d->where, sizeof(d->where), "%s:%d:%d", name, line, col);
        return PP_ERR_INPUT;
    }
    at = too_deep_at(text, len);
    if (at < len) {
        pp_json_position(text, at, &line, &col);
        pp_diag_set(d, PP_ERR_INPUT, "", "JSON nested deeper than %d levels", PP_JSON_MAX_DEPTH);
        snprintf(d->where, sizeof(d->where), "%s:%d:%d", name, line, col);
        return PP_ERR_INPUT;
    }
    root = cJSON_ParseWithLengthOpts(text, len, &endp, 0);
    if (root) {
        const char *rest = skip_ws(endp, text + len);
        if (rest >= text + len || !*rest) {
            *out = root;
            return PP_OK;
        }
        cJSON_Delete(root);
        pp_json_position(text, (size_t)(rest - text), &line, &col);
        pp_diag_set(d, PP_ERR_INPUT, "", "expected end of input after the JSON value, found '%c'",
                    *rest);
        snprintf(d->where, sizeof(d->where), "%s:%d:%d", name, line, col);
        return PP_ERR_INPUT;
    }
    /* cJSON reports the failure position through return_parse_end as well as through its
     * global error pointer; only the former is safe when several threads parse at once */
    if (!endp || endp < text || endp > text + len)
        endp = text + len;
    endp = past_complete_scalar(text, endp, text + len);
    pp_json_position(text, (size_t)(endp - text), &line, &col);
    describe(text, endp, text + len, d->what, sizeof(d->what));
    snprintf(d->where, sizeof(d->where), "%s:%d:%d", name, line, col);
    return PP_ERR_INPUT;
}

const char *pp_json_str(const cJSON *obj, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

const cJSON *pp_json_obj(const cJSON *obj, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    return cJSON_IsObject(v) ? v : NULL;
}

const cJSON *pp_json_arr(const cJSON *obj, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    return cJSON_IsArray(v) ? v : NULL;
}

bool pp_json_num(const cJSON *obj, const char *key, double *out)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (!cJSON_IsNumber(v))
        return false;
    *out = v->valuedouble;
    return true;
}

bool pp_json_bool(const cJSON *obj, const char *key, bool *out)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (!cJSON_IsBool(v))
        return false;
    *out = cJSON_IsTrue(v);
    return true;
}

/* ---- pp_json_parse_fast (added by src/fhir) ---- */

#define HIGHS 0x8080808080808080ull

/* pp_utf8_invalid_at(text, len) == len, skipping ASCII sixteen bytes at a time. */
static bool utf8_valid_fast(const char *text, size_t len)
{
    const char *s = text, *end = text + len;
    while (s < end) {
        while (end - s >= 16) {
            uint64_t a, b;
            memcpy(&a, s, 8);
            memcpy(&b, s + 8, 8);
            if ((a | b) & HIGHS)
                break;
            s += 16;
        }
        if (s >= end)
            break;
        if ((unsigned char)*s < 0x80) {
            s++;
        } else {
            /* one sequence: the validator accepts it when it stops past its first byte */
            size_t window = (size_t)(end - s) < 4 ? (size_t)(end - s) : 4;
            unsigned char c = (unsigned char)*s;
            size_t n = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : 2;
            if (pp_utf8_invalid_at(s, window) == 0 || window < n)
                return false;
            s += n;
        }
    }
    return true;
}

/* The deepest nesting of arrays and objects is at most PP_JSON_MAX_DEPTH (the same count
 * as the text check of pp_json_parse: every container, empty or not, is one level). */
static bool depth_ok(const cJSON *root)
{
    const cJSON *stack[PP_JSON_MAX_DEPTH];
    int top = 0;
    const cJSON *n = root;

    for (;;) {
        if (cJSON_IsObject(n) || cJSON_IsArray(n)) {
            if (top + 1 > PP_JSON_MAX_DEPTH)
                return false;
            if (n->child) {
                stack[top++] = n;
                n = n->child;
                continue;
            }
        }
        while (!n->next) {
            if (!top)
                return true;
            n = stack[--top];
        }
        n = n->next;
    }
}

enum pp_err pp_json_parse_fast(const char *text, size_t len, const char *name, cJSON **out,
                               struct pp_diag *d)
{
    const char *endp = NULL;
    cJSON *root;

    *out = NULL;
    /* cJSON's own nesting limit (1000) keeps its recursion safe before depth_ok runs */
    if (utf8_valid_fast(text, len)) {
        root = cJSON_ParseWithLengthOpts(text, len, &endp, 0);
        if (root) {
            /* text after an embedded NUL is pp_json_parse's to judge: defer to it */
            const char *rest = skip_ws(endp, text + len);
            if (rest >= text + len && depth_ok(root)) {
                *out = root;
                return PP_OK;
            }
            cJSON_Delete(root);
        }
    }
    return pp_json_parse(text, len, name, out, d);
}

enum pp_err pp_json_field_error(struct pp_diag *d, const char *name, const char *field,
                                const char *what)
{
    pp_diag_set(d, PP_ERR_INPUT, field, "%s", what);
    pp_diag_prefix_file(d, name);
    return PP_ERR_INPUT;
}

enum pp_err pp_json_field_enum(const cJSON *v, const char *const *names, size_t n, int *out,
                               const char *name, const char *field, struct pp_diag *d)
{
    char allowed[256];
    size_t used;
    if (cJSON_IsString(v))
        for (size_t i = 0; i < n; i++)
            if (strcmp(v->valuestring, names[i]) == 0) {
                *out = (int)i;
                return PP_OK;
            }
    used = (size_t)snprintf(allowed, sizeof(allowed), "expected one of:");
    for (size_t i = 0; i < n && used < sizeof(allowed); i++) {
        int w = snprintf(allowed + used, sizeof(allowed) - used, "%s %s", i ? "," : "", names[i]);
        if (w > 0)
            used += (size_t)w;
    }
    return pp_json_field_error(d, name, field, allowed);
}

enum pp_err pp_json_field_date(const cJSON *v, bool allow_null, pp_day *out, const char *name,
                               const char *field, struct pp_diag *d)
{
    struct pp_diag ignored;
    if (allow_null && cJSON_IsNull(v)) {
        *out = PP_DAY_NONE;
        return PP_OK;
    }
    if (!cJSON_IsString(v) || pp_day_parse(v->valuestring, strlen(v->valuestring), out, &ignored))
        return pp_json_field_error(d, name, field,
                                   allow_null ? "expected a date YYYY-MM-DD or null"
                                              : "expected a date YYYY-MM-DD");
    return PP_OK;
}

/* ---- writing ---- */

/* A JSON number as cJSON prints it: integers exactly, others with the shortest of 15 or 17
 * significant digits that reads back the same; non-finite as null (JSON has no NaN). */
static void write_number(struct pp_buf *b, double v)
{
    char s[32];
    if (!isfinite(v)) {
        pp_buf_adds(b, "null");
        return;
    }
    if (v == floor(v) && fabs(v) < 9007199254740992.0) { /* 2^53: every integer exact */
        char digits[24];
        size_t n = 0;
        unsigned long long u = (unsigned long long)(v < 0 ? -v : v);
        if (v < 0)
            pp_buf_addc(b, '-');
        do {
            digits[n++] = (char)('0' + u % 10);
            u /= 10;
        } while (u);
        while (n)
            pp_buf_addc(b, digits[--n]);
        return;
    }
    snprintf(s, sizeof(s), "%1.15g", v);
    if (strtod(s, NULL) != v)
        snprintf(s, sizeof(s), "%1.17g", v);
    pp_buf_adds(b, s);
}

void pp_json_write(struct pp_buf *b, const cJSON *j)
{
    const cJSON *c;
    bool first = true;
    if (!j) {
        pp_buf_adds(b, "null");
        return;
    }
    switch (j->type & 0xFF) {
    case cJSON_False: pp_buf_adds(b, "false"); return;
    case cJSON_True: pp_buf_adds(b, "true"); return;
    case cJSON_NULL: pp_buf_adds(b, "null"); return;
    case cJSON_Number: write_number(b, j->valuedouble); return;
    case cJSON_String: pp_buf_add_json_str(b, j->valuestring ? j->valuestring : ""); return;
    case cJSON_Raw: pp_buf_adds(b, j->valuestring ? j->valuestring : "null"); return;
    case cJSON_Array:
        pp_buf_addc(b, '[');
        for (c = j->child; c; c = c->next) {
            if (!first)
                pp_buf_addc(b, ',');
            first = false;
            pp_json_write(b, c);
        }
        pp_buf_addc(b, ']');
        return;
    case cJSON_Object:
        pp_buf_addc(b, '{');
        for (c = j->child; c; c = c->next) {
            if (!first)
                pp_buf_addc(b, ',');
            first = false;
            pp_buf_add_json_str(b, c->string ? c->string : "");
            pp_buf_addc(b, ':');
            pp_json_write(b, c);
        }
        pp_buf_addc(b, '}');
        return;
    default: pp_buf_adds(b, "null"); return;
    }
}
