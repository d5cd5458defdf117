/*
 * fhir_int.h — what the files of src/fhir share and nobody else may use: the
 * conversion context (target set, JSON path for diagnostics, CDS flags), the
 * resource converter, and the patient set's internal tables.
 */
#ifndef PP_FHIR_INT_H
#define PP_FHIR_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "fhir/patient_set.h"
#include "util/err.h"

/* cJSON's type tests inlined: conversion calls them for every member it reads. */
static inline int pp_fhir_type(const cJSON *v)
{
    return v ? v->type & 0xFF : cJSON_Invalid;
}
static inline bool pp_fhir_is_object(const cJSON *v)
{
    return pp_fhir_type(v) == cJSON_Object;
}
static inline bool pp_fhir_is_array(const cJSON *v)
{
    return pp_fhir_type(v) == cJSON_Array;
}
static inline bool pp_fhir_is_string(const cJSON *v)
{
    return pp_fhir_type(v) == cJSON_String;
}
static inline bool pp_fhir_is_number(const cJSON *v)
{
    return pp_fhir_type(v) == cJSON_Number;
}
static inline bool pp_fhir_is_bool(const cJSON *v)
{
    return pp_fhir_type(v) == cJSON_True || pp_fhir_type(v) == cJSON_False;
}
static inline bool pp_fhir_is_null(const cJSON *v)
{
    return pp_fhir_type(v) == cJSON_NULL;
}

/* Member name test: the first byte decides most comparisons without a call. */
#define PP_FHIR_KEY(m, name) ((m)->string[0] == (name)[0] && strcmp((m)->string, (name)) == 0)

/* What kind of record element a resource became; the de-duplication key's middle part. */
enum pp_fhir_kind {
    PP_FHIR_K_MED_REQUEST,
    PP_FHIR_K_MED_STATEMENT,
    PP_FHIR_K_MED_DISPENSE,
    PP_FHIR_K_CONDITION,
    PP_FHIR_K_OBSERVATION,
    PP_FHIR_K_PROCEDURE,
    PP_FHIR_K_ENCOUNTER,
    PP_FHIR_K_SERVICE_REQUEST,
    PP_FHIR_K_CAREPLAN,
};

/* The resourceType a kind comes from ("MedicationRequest"). Static. */
const char *pp_fhir_kind_type(enum pp_fhir_kind kind);

/* Which counter of a type to bump. */
enum pp_fhir_tally {
    PP_FHIR_LOADED,
    PP_FHIR_UNSUPPORTED,
    PP_FHIR_NO_PATIENT,
    PP_FHIR_DUPLICATE,
    PP_FHIR_SAME_ID,
};

/* Add `n` to one counter of `type` (copied on first sight). */
void pp_fhir_set_tally(struct pp_patient_set *set, const char *type, enum pp_fhir_tally which,
                       size_t n);

/*
 * Remember that element `idx` of kind `kind` in `rec` has id `id` (borrowed: must live in
 * rec's arena). Returns false when that was new; true, with *first set to the index of the
 * element already registered, when the (rec, kind, id) is taken.
 */
bool pp_fhir_set_seen(struct pp_patient_set *set, const struct pp_record *rec,
                      enum pp_fhir_kind kind, const char *id, size_t idx, size_t *first);

/* Whether element ia of `kind` in ra and element ib in rb hold the same resource: every
 * field painpath reads is equal (is_draft_order aside). Same type and id with other
 * content is another resource reusing the id. */
bool pp_fhir_same_element(enum pp_fhir_kind kind, const struct pp_record *ra, size_t ia,
                          const struct pp_record *rb, size_t ib);

/* Register a Medication's code under `key` (copied, as is the concept); the first wins. */
void pp_fhir_set_add_medication(struct pp_patient_set *set, const char *key,
                                const struct pp_concept *code);

/* A bundle's fullUrl -> Patient id aliases (sorted by url for bsearch), chained to the
 * enclosing bundle's for nested bundles. */
struct pp_fhir_alias {
    const char *url;
    const char *patient_id;
};
struct pp_fhir_aliases {
    struct pp_fhir_alias *items;
    size_t n;
    const struct pp_fhir_aliases *parent;
};

/* Deep enough for any JSON that pp_json_parse accepts (PP_JSON_MAX_DEPTH) plus the leaf. */
#define PP_FHIR_PATH_MAX 72

/* The JSON path from the input's root to where conversion is, for diagnostics. */
struct pp_fhir_path {
    const char *key[PP_FHIR_PATH_MAX]; /* member name, or NULL for an array index */
    int index[PP_FHIR_PATH_MAX];
    int depth; /* may exceed PP_FHIR_PATH_MAX; the excess is not stored */
};

/* One load's context. Zero it, then set `set` and `d`. */
struct pp_fhir_conv {
    struct pp_patient_set *set; /* target */
    struct pp_diag *d;
    struct pp_fhir_path path;
    const struct pp_fhir_aliases *aliases; /* innermost bundle's, or NULL */
    const char *forced_patient; /* CDS Hooks: every resource belongs to this patient id */
    bool draft;                 /* CDS Hooks draftOrders: requests are draft orders */
    const char *full_url;       /* the current bundle entry's fullUrl, or NULL */
    /* per resource, set by the converter */
    struct pp_record *rec;
    struct pp_arena *arena;
    const cJSON *contained;
};

void pp_fhir_path_push_key(struct pp_fhir_conv *c, const char *key);
void pp_fhir_path_push_index(struct pp_fhir_conv *c, int index);
void pp_fhir_path_pop(struct pp_fhir_conv *c);

/* Write the current path, then ".<item->string>" when item is a named member, into buf. */
void pp_fhir_where(const struct pp_fhir_conv *c, const cJSON *item, char *buf, size_t size);

/* Fail with where = path of `item`, what = "expected <expected>". Returns PP_ERR_INPUT. */
enum pp_err pp_fhir_type_error(struct pp_fhir_conv *c, const cJSON *item, const char *expected);

/* Prefix d->where with an input's name: "file.json:entry[0].resource.id" (no-op for NULL). */
void pp_fhir_diag_name(struct pp_diag *d, const char *name);

/*
 * Convert one resource (any resourceType but Bundle) into c->set: it goes to its patient's
 * record (or c->forced_patient's), the Medication table, or is only counted. Borrows res.
 * PP_ERR_INPUT with a path diagnostic for malformed input; the set may then hold part of it
 * (callers load into a scratch set and merge on success).
 */
PP_MUST_CHECK enum pp_err pp_fhir_conv_resource(struct pp_fhir_conv *c, const cJSON *res,
                                                const char *type);

/*
 * Convert a Bundle or a single resource `v` (the value at the context's current path) into
 * c->set. Checks resourceType. Errors as for pp_fhir_conv_resource.
 */
PP_MUST_CHECK enum pp_err pp_fhir_conv_value(struct pp_fhir_conv *c, const cJSON *v);

#endif
