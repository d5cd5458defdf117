/*
 * buf.h — struct pp_buf, an owned, growable, always NUL-terminated byte buffer
 * with a hard cap and a sticky error, so a chain of appends is checked once.
 * Never holds patient data longer than its owner decides.
 */
#ifndef PP_UTIL_BUF_H
#define PP_UTIL_BUF_H

#include <stdbool.h>
#include <stddef.h>

#include "util/date.h"
#include "util/err.h"

struct pp_buf {
    char *data;    /* always NUL-terminated once initialised; owned */
    size_t len;    /* bytes used, excluding the NUL */
    size_t alloc;  /* bytes allocated */
    size_t max;    /* hard cap on len; appends beyond it set `overflow` */
    bool overflow; /* sticky: an append was refused because of `max` */
};

#define PP_BUF_UNLIMITED ((size_t)-1 / 2)

/* Initialise an empty buffer capped at `max` bytes (PP_BUF_UNLIMITED for no cap). */
void pp_buf_init(struct pp_buf *b, size_t max);
/* Free the contents; the buffer is empty and reusable afterwards. */
void pp_buf_release(struct pp_buf *b);
/* Truncate to zero length, keep the allocation, clear the sticky error. */
void pp_buf_reset(struct pp_buf *b);
/* Append bytes / a C string / one char / printf output. Over the cap: nothing is
 * appended and `overflow` is set. */
void pp_buf_add(struct pp_buf *b, const void *data, size_t len);
void pp_buf_adds(struct pp_buf *b, const char *s);
void pp_buf_addc(struct pp_buf *b, char c);
void pp_buf_addf(struct pp_buf *b, const char *fmt, ...) PP_PRINTF(2, 3);
/* Append `s` as a JSON string literal, quotes included, escaping as RFC 8259 requires. */
void pp_buf_add_json_str(struct pp_buf *b, const char *s);
/* Append a civil day as a JSON string "YYYY-MM-DD", or null for PP_DAY_NONE. */
void pp_buf_add_json_day(struct pp_buf *b, pp_day d);
/* Append a number with at most two decimals, trailing zeros removed ("180", "22.5"). */
void pp_buf_add_num2(struct pp_buf *b, double v);
/* Take the contents (caller frees); the buffer is left empty. */
char *pp_buf_detach(struct pp_buf *b, size_t *len);
/* PP_ERR_LIMIT when an append overflowed, else PP_OK. */
PP_MUST_CHECK enum pp_err pp_buf_status(const struct pp_buf *b);

/*
 * Read a whole file into `b` (capped by b->max). PP_ERR_IO with the OS reason
 * in `d` when it cannot be read, PP_ERR_LIMIT when it is larger than the cap.
 */
PP_MUST_CHECK enum pp_err pp_buf_read_file(struct pp_buf *b, const char *path, struct pp_diag *d);

#endif
