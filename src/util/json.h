/*
 * json.h — cJSON with the diagnostics painpath promises its users: parse
 * errors as line:column plus what was expected, UTF-8 and nesting depth
 * checked for outside input, and small typed accessors. cJSON itself reports
 * only where it stopped; the position and the expectation are computed here.
 */
#ifndef PP_UTIL_JSON_H
#define PP_UTIL_JSON_H

#include <stdbool.h>
#include <stddef.h>

#include <cjson/cJSON.h>

#include "util/alloc.h"
#include "util/buf.h"
#include "util/date.h"
#include "util/err.h"

/* Deepest nesting accepted from outside input (cJSON's own limit is 1000). */
#define PP_JSON_MAX_DEPTH 64

/*
 * Parse `len` bytes of `text` as one JSON value. On success *out is the tree
 * (caller frees with cJSON_Delete). On failure returns PP_ERR_INPUT and
 * d->where = "<name>:<line>:<column>", d->what = what was expected there.
 * Invalid UTF-8 and nesting deeper than PP_JSON_MAX_DEPTH are errors too.
 */
PP_MUST_CHECK enum pp_err pp_json_parse(const char *text, size_t len, const char *name, cJSON **out,
                                        struct pp_diag *d);

/* 1-based line and column of byte `offset` within text. */
void pp_json_position(const char *text, size_t offset, int *line, int *column);

/* The first invalid UTF-8 byte's offset, or `len` when all of it is valid. */
size_t pp_utf8_invalid_at(const char *text, size_t len);

/*
 * A scratch scope for bulk parsing. Between pp_json_scratch_enter() and
 * pp_json_scratch_leave() on one thread, every cJSON allocation of that thread
 * comes from the scratch's arena and cJSON_Delete frees nothing; leaving
 * resets the arena for the next file. Trees parsed inside must be dropped
 * before leaving, and trees made outside must not be deleted inside. Other
 * threads are unaffected. This halves bulk load time (cJSON otherwise
 * mallocs and frees every node and string).
 */
struct pp_json_scratch {
    struct pp_arena arena;
};

void pp_json_scratch_init(struct pp_json_scratch *s);
void pp_json_scratch_release(struct pp_json_scratch *s);
void pp_json_scratch_enter(struct pp_json_scratch *s);
void pp_json_scratch_leave(struct pp_json_scratch *s);

/*
 * Field readers for the documented JSON inputs of the subcommands. On a bad
 * value each returns PP_ERR_INPUT with d->where = "<name>: <field>" and
 * d->what saying what was expected. `name` is the input's name (a file or
 * "<stdin>"), `field` the JSON path of the value.
 */
PP_MUST_CHECK enum pp_err pp_json_field_error(struct pp_diag *d, const char *name,
                                              const char *field, const char *what);
/* A string that is one of names[0..n-1]; *out receives its index. */
PP_MUST_CHECK enum pp_err pp_json_field_enum(const cJSON *v, const char *const *names, size_t n,
                                             int *out, const char *name, const char *field,
                                             struct pp_diag *d);
/* A date "YYYY-MM-DD" (a FHIR date); null gives PP_DAY_NONE when allow_null. */
PP_MUST_CHECK enum pp_err pp_json_field_date(const cJSON *v, bool allow_null, pp_day *out,
                                             const char *name, const char *field,
                                             struct pp_diag *d);

/* Typed member access; borrow. NULL / false when absent or of another type. */
const char *pp_json_str(const cJSON *obj, const char *key);
const cJSON *pp_json_obj(const cJSON *obj, const char *key);
const cJSON *pp_json_arr(const cJSON *obj, const char *key);
bool pp_json_num(const cJSON *obj, const char *key, double *out);
bool pp_json_bool(const cJSON *obj, const char *key, bool *out);

/*
 * pp_json_parse for bulk loads (added by src/fhir): the same contract, acceptance and
 * diagnostics, but UTF-8 is checked sixteen ASCII bytes at a time and the depth on the
 * parsed tree instead of in two byte-at-a-time passes over the text (on the Synthea set the
 * checks fall from ~0.3 s to ~0.04 s). On any problem, or text after an embedded NUL, it
 * calls pp_json_parse for the verdict and the message, so only such input pays twice.
 */
PP_MUST_CHECK enum pp_err pp_json_parse_fast(const char *text, size_t len, const char *name,
                                             cJSON **out, struct pp_diag *d);

/* Append j as compact JSON text (what cJSON_PrintUnformatted gives, without its
 * allocations: nested at most as deep as the tree, which readers capped). */
void pp_json_write(struct pp_buf *b, const cJSON *j);

#endif
