/*
 * ops_int.h — what the workflow operations (handlers_ops*.c) share: a writer for the
 * FHIR Parameters resource they answer with, and readers that gather a resource and a
 * patient's resources from the store into a collection Bundle for the fhir/ readers.
 * Internal to http/; never SQL (the store's public API only).
 */
#ifndef PP_HTTP_OPS_INT_H
#define PP_HTTP_OPS_INT_H

#include <stdbool.h>
#include <stddef.h>

#include <cjson/cJSON.h>

#include "clinical/finding.h"
#include "http/http.h"
#include "util/buf.h"
#include "util/date.h"

struct pp_store;

/* ---- Parameters writer: `b` holds "{... \"parameter\": [" and grows element by element;
 * every function writes one element (or nothing for an absent value) with the ", " between
 * elements. A `part` list is opened with pp_ops_part_open and closed with pp_ops_part_close. */

/* Start a Parameters resource: {"resourceType": "Parameters", "parameter": [ */
void pp_ops_begin(struct pp_buf *b);
/* Close it: ]}\n */
void pp_ops_end(struct pp_buf *b);
/* valueX of a string (NULL: nothing written). type is "String", "Code", "Markdown", "Date"... */
void pp_ops_str(struct pp_buf *b, const char *name, const char *type, const char *v);
/* valueDecimal (NAN or infinite: nothing). */
void pp_ops_num(struct pp_buf *b, const char *name, double v);
void pp_ops_int(struct pp_buf *b, const char *name, long v);
void pp_ops_bool(struct pp_buf *b, const char *name, bool v);
/* valueDate (PP_DAY_NONE: nothing). */
void pp_ops_day(struct pp_buf *b, const char *name, pp_day v);
/* valueReference {"reference": "type/id"} (type NULL: id is the whole reference). */
void pp_ops_ref(struct pp_buf *b, const char *name, const char *type, const char *id);
/* {"name": name, "resource": json} — json is a complete JSON object (borrowed). */
void pp_ops_resource(struct pp_buf *b, const char *name, const char *json);
/* {"name": name, "part": [  ...  ]} */
void pp_ops_part_open(struct pp_buf *b, const char *name);
void pp_ops_part_close(struct pp_buf *b);
/* One `finding` parameter per finding: rule, severity, summary, detail, source, evidence,
 * suggestion (the shape of Patient/$evaluate). */
void pp_ops_findings(struct pp_buf *b, const struct pp_findings *f);

/* Read `root` (borrowed: a one-patient Bundle or one resource) into `set`; *r is the
 * patient's record, borrowed from set. PP_ERR_INPUT when it holds not exactly one patient. */
struct pp_patient_set;
struct pp_record;
PP_MUST_CHECK enum pp_err pp_ops_one_record(struct pp_patient_set *set, const cJSON *root,
                                            const struct pp_record **r, struct pp_diag *d);

/* ---- store access ---- */

/* The calling thread's store inside a read transaction (a consistent snapshot for the whole
 * operation). On failure the response is already answered (500) and false is returned. */
bool pp_ops_store_open(const struct pp_http_request *req, struct pp_http_response *res,
                       struct pp_store **s);
/* End the read transaction begun by pp_ops_store_open (NULL accepted). */
void pp_ops_store_done(struct pp_store *s);

/*
 * Read type/id from the store as parsed JSON (*out, caller frees with cJSON_Delete).
 * PP_ERR_NOT_FOUND (d->where "type/id", "no such ..." or "deleted") when absent or deleted.
 */
PP_MUST_CHECK enum pp_err pp_ops_read(struct pp_store *s, const char *type, const char *id,
                                      cJSON **out, struct pp_diag *d);

/* A new collection Bundle (caller frees) and an entry for a resource (takes ownership). */
cJSON *pp_ops_bundle_new(void);
void pp_ops_bundle_add(cJSON *bundle, cJSON *resource);

/*
 * Append to `bundle` every live resource of `type` whose patient is `patient_id` (all
 * pages; a scan filtered on subject / patient when the store cannot search the type by
 * patient). PP_ERR_LIMIT when more than PP_OPS_MAX_RESOURCES would be gathered.
 */
#define PP_OPS_MAX_RESOURCES 20000
PP_MUST_CHECK enum pp_err pp_ops_gather(struct pp_store *s, const char *type,
                                        const char *patient_id, cJSON *bundle, struct pp_diag *d);

/* Append every live resource of `type` matching the search parameter name=value (all
 * pages). PP_ERR_UNSUPPORTED (d->where = name) when the store does not search that type by
 * that parameter: the caller falls back to a wider gather. */
PP_MUST_CHECK enum pp_err pp_ops_gather_by(struct pp_store *s, const char *type, const char *name,
                                           const char *value, cJSON *bundle, struct pp_diag *d);

/* The bare id of a "Patient/ID" reference in obj.key.reference (NULL when there is none). */
const char *pp_ops_ref_id(const cJSON *obj, const char *key, const char *type);

/* The body as JSON: PP_ERR_INPUT (where "request" or line:column) when not JSON. */
PP_MUST_CHECK enum pp_err pp_ops_body(const struct pp_http_request *req, cJSON **out,
                                      struct pp_diag *d);

/* The value of query parameter `name` (first one), or NULL. */
const char *pp_ops_arg(const struct pp_http_request *req, const char *name);

/* In a Parameters body, the value[x] string of parameter `name` (valueString, valueCode,
 * valueId, valueUri, valueDate, valueDateTime, valueReference.reference), or NULL. */
const char *pp_ops_param_str(const cJSON *parameters, const char *name);
/* A query (GET) or Parameters (POST) argument `name`: a string or NULL. POST bodies that
 * are not Parameters give NULL. */
const char *pp_ops_option(const struct pp_http_request *req, const cJSON *body, const char *name);

#endif
