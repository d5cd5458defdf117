/*
 * search_params.h — the FHIR search parameters the store supports, as data: per resource
 * type, each parameter's name, search type, the element paths its index rows come from and
 * the SearchParameter it implements; plus the pure value helpers (date ranges, string
 * normalisation, reference normalisation) that indexing and searching share. No SQL here.
 * The HTTP layer reads the table for the CapabilityStatement.
 */
#ifndef PP_STORE_SEARCH_PARAMS_H
#define PP_STORE_SEARCH_PARAMS_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Bump when what index rows are extracted changes: databases indexed by an older painpath
 * are re-indexed when opened (or by `painpath migrate`). */
#define PP_SEARCH_INDEX_VERSION 2

enum pp_sp_type {
    PP_SP_TOKEN,     /* system|code: code, Coding, CodeableConcept, Identifier, boolean */
    PP_SP_REFERENCE, /* "Type/id" (base URL stripped); a canonical string as written */
    PP_SP_DATE,      /* a date, dateTime, instant or Period: rows hold [lo, hi] in ms */
    PP_SP_STRING,    /* case- and accent-insensitive prefix; :exact, :contains */
};

/* Flags of a parameter. */
#define PP_SP_USCORE 1u      /* defined by US Core (else by FHIR R4 itself) */
#define PP_SP_COL_ID 2u      /* _id: the resource's id column, no index rows */
#define PP_SP_COL_UPDATED 4u /* _lastUpdated: the last_updated column */
#define PP_SP_COL_PATIENT 8u /* patient: the resource's patient column (subject / patient) */
#define PP_SP_FIRST_PATH 16u /* index only the first of `paths` that is present */
#define PP_SP_COLUMNS (PP_SP_COL_ID | PP_SP_COL_UPDATED | PP_SP_COL_PATIENT) /* no index rows */

/*
 * One search parameter of one resource type. Index rows are written under `key` by the
 * parameter whose name equals its key; a parameter with another key (e.g. Appointment
 * `patient`, key "actor", targets "Patient") searches the rows of that one, narrowed to its
 * targets. `paths` are '|'-separated dotted element paths; every JSON array on the way is
 * walked. `targets` (reference only) are the ','-separated resource types a reference may
 * name (NULL: any); indexing keeps only those.
 */
struct pp_search_param {
    const char *name;
    enum pp_sp_type type;
    const char *key;
    const char *paths;
    const char *targets;
    unsigned flags;
};

/* The parameters of `type` (*n receives how many). Types without a table of their own get
 * the generic one (_id, _lastUpdated, patient, subject, code, status, date, identifier).
 * Never NULL. Borrowed: static data. */
const struct pp_search_param *pp_search_params(const char *type, size_t *n);
/* The parameter `name` of `type`, or NULL. */
const struct pp_search_param *pp_search_param_find(const char *type, const char *name);
/* The canonical URL of the SearchParameter p implements for `type`, into out. */
void pp_search_param_definition(const char *type, const struct pp_search_param *p, char *out,
                                size_t cap);
/* True when reference parameter p may name a resource of `target` (targets NULL: any). */
bool pp_search_param_targets(const struct pp_search_param *p, const char *target);

/* Earliest and latest representable instants (open period ends). */
#define PP_SP_DATE_MIN INT64_MIN
#define PP_SP_DATE_MAX INT64_MAX

/*
 * Parse a FHIR date / dateTime / instant of any precision ("2020", "2020-03", "2020-03-04",
 * "2020-03-04T10:11", "2020-03-04T10:11:12.345+02:00") into the range of milliseconds since
 * 1970 (UTC) it covers: *lo the first, *hi the last. No time zone: UTC. False when the text
 * is not such a date.
 */
bool pp_search_date_range(const char *s, int64_t *lo, int64_t *hi);
/* ms since 1970 as "YYYY-MM-DDThh:mm:ss.mmmZ" (the store's lastUpdated format). */
void pp_search_date_format(int64_t ms, char out[32]);

/* Lower-case ASCII, fold Latin-1 accented letters (UTF-8) to their base letter, squeeze
 * nothing else: the form string rows are stored and compared in. Caller frees. */
char *pp_search_string_norm(const char *s);

/*
 * A reference as the index holds it: "Type/id" from "Type/id", "Type/id/_history/2" or
 * "http://base/fhir/Type/id"; into out (cap >= 130). False when it names no Type/id
 * (e.g. "#contained", a urn:uuid).
 */
bool pp_search_ref_norm(const char *ref, char *out, size_t cap);
#endif
