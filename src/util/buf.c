/*
 * buf.c — the growable buffer. Allocation failures abort (util/alloc.h);
 * caps are reported through the sticky `overflow` flag.
 */
#include "util/buf.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/alloc.h"

static char empty_buf[1];

void pp_buf_init(struct pp_buf *b, size_t max)
{
    b->data = empty_buf;
    b->len = 0;
    b->alloc = 0;
    b->max = max;
    b->overflow = false;
}

void pp_buf_release(struct pp_buf *b)
{
    if (b->alloc)
        free(b->data);
    pp_buf_init(b, b->max);
}

void pp_buf_reset(struct pp_buf *b)
{
    b->len = 0;
    if (b->alloc)
        b->data[0] = '\0';
    b->overflow = false;
}

static bool grow(struct pp_buf *b, size_t extra)
{
    size_t need;

    if (b->overflow)
        return false;
    if (extra > b->max || b->len > b->max - extra) {
        b->overflow = true;
        return false;
    }
    need = b->len + extra + 1;
    if (need > b->alloc) {
        size_t n = b->alloc ? b->alloc : 64;
        while (n < need)
            n *= 2;
        if (b->alloc) {
            b->data = pp_xrealloc(b->data, n);
        } else {
            b->data = pp_xmalloc(n);
            b->data[0] = '\0';
        }
        b->alloc = n;
    }
    return true;
}

void pp_buf_add(struct pp_buf *b, const void *data, size_t len)
{
    if (!grow(b, len))
        return;
    memcpy(b->data + b->len, data, len);
    b->len += len;
    b->data[b->len] = '\0';
}

void pp_buf_adds(struct pp_buf *b, const char *s)
{
    pp_buf_add(b, s, strlen(s));
}

void pp_buf_addc(struct pp_buf *b, char c)
{
    pp_buf_add(b, &c, 1);
}

void pp_buf_addf(struct pp_buf *b, const char *fmt, ...)
{
    va_list ap;
    int n;
    size_t room;

    /* format straight into the free space; only a longer result is formatted twice */
    if (b->overflow)
        return;
    if (b->alloc > b->len + 1 || grow(b, 255)) {
        room = b->alloc - b->len;
        va_start(ap, fmt);
        n = vsnprintf(b->data + b->len, room, fmt, ap);
        va_end(ap);
        if (n < 0) {
            b->data[b->len] = '\0';
            return;
        }
        if ((size_t)n < room) {
            if (b->len + (size_t)n > b->max) { /* over the cap: refuse as pp_buf_add does */
                b->data[b->len] = '\0';
                b->overflow = true;
                return;
            }
            b->len += (size_t)n;
            return;
        }
        b->data[b->len] = '\0';
        if (!grow(b, (size_t)n))
            return;
        va_start(ap, fmt);
        vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
        va_end(ap);
        b->len += (size_t)n;
    }
}

void pp_buf_add_json_str(struct pp_buf *b, const char *s)
{
    static const char hex[] = "0123456789abcdef";
    const unsigned char *p = (const unsigned char *)(s ? s : "");
    const unsigned char *run = p;

    pp_buf_addc(b, '"');
    for (; *p; p++) {
        const char *esc = NULL;
        char u[6];
        if (*p >= 0x20 && *p != '"' && *p != '\\')
            continue;
        pp_buf_add(b, run, (size_t)(p - run));
        switch (*p) {
        case '"': esc = "\\\""; break;
        case '\\': esc = "\\\\"; break;
        case '\n': esc = "\\n"; break;
        case '\r': esc = "\\r"; break;
        case '\t': esc = "\\t"; break;
        default:
            u[0] = '\\';
            u[1] = 'u';
            u[2] = '0';
            u[3] = '0';
            u[4] = hex[*p >> 4];
            u[5] = hex[*p & 15];
            pp_buf_add(b, u, 6);
        }
        if (esc)
            pp_buf_adds(b, esc);
        run = p + 1;
    }
    pp_buf_add(b, run, (size_t)(p - run));
    pp_buf_addc(b, '"');
}

void pp_buf_add_num2(struct pp_buf *b, double v)
{
    char tmp[64];
    int n;
    double r;

    if (!isfinite(v)) {
        pp_buf_adds(b, "null");
        return;
    }
    r = round(v * 100.0) / 100.0;
    if (r == 0)
        r = 0; /* no "-0" */
    n = snprintf(tmp, sizeof(tmp), "%.2f", r);
    if (n <= 0 || (size_t)n >= sizeof(tmp))
        return;
    while (n > 0 && tmp[n - 1] == '0')
        n--;
    if (n > 0 && tmp[n - 1] == '.')
        n--;
    pp_buf_add(b, tmp, (size_t)n);
}

char *pp_buf_detach(struct pp_buf *b, size_t *len)
{
    char *r;
    if (len)
        *len = b->len;
    if (!b->alloc) {
        r = pp_xstrdup("");
    } else {
        r = b->data;
    }
    pp_buf_init(b, b->max);
    return r;
}

enum pp_err pp_buf_status(const struct pp_buf *b)
{
    return b->overflow ? PP_ERR_LIMIT : PP_OK;
}

enum pp_err pp_buf_read_file(struct pp_buf *b, const char *path, struct pp_diag *d)
{
    FILE *f = fopen(path, "rb");
    char chunk[65536];
    size_t n;

    if (!f)
        return pp_diag_set(d, PP_ERR_IO, path, "cannot open: %s", strerror(errno));
    while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
        pp_buf_add(b, chunk, n);
        if (b->overflow) {
            fclose(f);
            return pp_diag_set(d, PP_ERR_LIMIT, path, "file is larger than the %zu-byte limit",
                               b->max);
        }
    }
    if (ferror(f)) {
        int e = errno;
        fclose(f);
        return pp_diag_set(d, PP_ERR_IO, path, "read failed: %s", strerror(e));
    }
    fclose(f);
    return PP_OK;
}

void pp_buf_add_json_day(struct pp_buf *b, pp_day d)
{
    char s[11];
    if (d == PP_DAY_NONE) {
        pp_buf_adds(b, "null");
        return;
    }
    pp_day_format(d, s);
    pp_buf_add_json_str(b, s);
}
