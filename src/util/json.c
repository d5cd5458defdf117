/*
 * json.c — cJSON wrapper: positions, expectations, UTF-8 and depth checks.
 */
#include "util/json.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

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

/* What a JSON parser could have wanted at `p`, judged from the text before it. */
static void describe(const char *text, const char *p, const char *end, char *what, size_t wsz)
{
    const char *q = p;
    char prev = 0;
    char got[24];

    if (q >= end || !*q) {
        snprintf(what, wsz, "unexpected end of input: a value, ',' or a closing bracket was "
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
        snprintf(what, wsz, "expected a value (string, number, object, array, true, false, "
                            "null), found %s", got);
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

/* ---- pp_json_parse_fast: one pass for UTF-8 and depth (added by src/fhir) ---- */

#define ONES 0x0101010101010101ull
#define HIGHS 0x8080808080808080ull

/* Validate the UTF-8 sequence at *p (lead byte >= 0x80) and step past it. */
static bool utf8_step(const unsigned char **p, const unsigned char *end)
{
    size_t at = pp_utf8_invalid_at((const char *)*p, (size_t)(end - *p) < 4 ? (size_t)(end - *p)
                                                                            : 4);
    const unsigned char c = **p;
    size_t n = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : 2;
    /* the window holds the whole sequence: invalid_at > 0 means it was accepted */
    if (at == 0 || (size_t)(end - *p) < n)
        return false;
    *p += n;
    return true;
}

/* True when text is valid UTF-8 and nested no deeper than PP_JSON_MAX_DEPTH (as
 * pp_utf8_invalid_at and the depth check of pp_json_parse decide, for input cJSON accepts). */
static bool scan_ok(const char *text, size_t len)
{
    const unsigned char *s = (const unsigned char *)text, *end = s + len;
    int depth = 0;

    while (s < end) {
        unsigned char ch = *s;
        if (ch >= 0x80) {
            if (!utf8_step(&s, end))
                return false;
            continue;
        }
        if (ch == ' ') {
            /* pretty-printed input: skip indentation eight bytes at a time */
            s++;
            while (end - s >= 8) {
                uint64_t w;
                memcpy(&w, s, 8);
                if (w != 0x2020202020202020ull)
                    break;
                s += 8;
            }
            continue;
        }
        if (ch == '{' || ch == '[') {
            if (++depth > PP_JSON_MAX_DEPTH)
                return false;
        } else if (ch == '}' || ch == ']') {
            depth--;
        } else if (ch == '"') {
            s++;
            while (s < end) {
                /* skip eight bytes at a time while none is '"', '\\' or >= 0x80 */
                while (end - s >= 8) {
                    uint64_t w, q, b;
                    memcpy(&w, s, 8);
                    q = w ^ (ONES * '"');
                    b = w ^ (ONES * '\\');
                    if ((((q - ONES) & ~q) | ((b - ONES) & ~b) | w) & HIGHS)
                        break;
                    s += 8;
                }
                if (s >= end || *s == '"')
                    break;
                if (*s == '\\') {
                    if (end - s < 2)
                        return true; /* unterminated: cJSON will say so */
                    s += 2;
                } else if (*s >= 0x80) {
                    if (!utf8_step(&s, end))
                        return false;
                } else {
                    s++;
                }
            }
            if (s >= end)
                return true;
        }
        s++; /* past the structural character or the closing quote */
    }
    return true;
}

enum pp_err pp_json_parse_fast(const char *text, size_t len, const char *name, cJSON **out,
                               struct pp_diag *d)
{
    const char *endp = NULL;
    cJSON *root;

    *out = NULL;
    if (scan_ok(text, len)) {
        root = cJSON_ParseWithLengthOpts(text, len, &endp, 0);
        if (root) {
            const char *rest = skip_ws(endp, text + len);
            if (rest >= text + len || !*rest) {
                *out = root;
                return PP_OK;
            }
            cJSON_Delete(root);
        }
    }
    return pp_json_parse(text, len, name, out, d);
}
