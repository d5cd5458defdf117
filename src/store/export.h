/*
 * export.h — the store as NDJSON files, one per resource type (bodies as stored, one per
 * line): what `painpath export` and the server's bulk $export write. Built on the public
 * store API only (store.h); knows nothing of HTTP or threads. The caller chooses the
 * snapshot: run it inside pp_store_begin_read for a consistent export.
 */
#ifndef PP_STORE_EXPORT_H
#define PP_STORE_EXPORT_H

#include <stdbool.h>
#include <stddef.h>

#include "store/store.h"
#include "util/err.h"

/* Most resource types one export names (_type). */
#define PP_EXPORT_TYPES_MAX 64
/* Bytes of a normalised instant with its NUL ("2026-11-27T11:46:40.123Z"). */
#define PP_EXPORT_INSTANT_LEN 32

/* What to export. A plain value (no pointers): copy it freely. */
struct pp_export_spec {
    char types[PP_EXPORT_TYPES_MAX][PP_STORE_TYPE_MAX + 1]; /* n_types 0: every type */
    size_t n_types;
    char since[PP_EXPORT_INSTANT_LEN]; /* "" or a normalised instant: only resources whose
                                        * meta.lastUpdated is at or after it */
    bool patient_compartment;          /* only Patients and resources whose search
                                        * parameter `patient` names a stored Patient (FHIR
                                        * Patient/$export); types without one are skipped */
    bool keep_empty;                   /* write (and list) a file for a named type with no
                                        * match; else such files are removed */
};

/* One file written: DIR/<type>.ndjson with `count` lines. */
struct pp_export_file {
    char type[PP_STORE_TYPE_MAX + 1];
    size_t count;
};

/* What an export wrote (pp_export_result_release frees `files`). */
struct pp_export_result {
    struct pp_export_file *files; /* owned; in the order written (type name order) */
    size_t n_files, alloc_files;
    size_t total; /* resources written over all files */
    /* types spec->types named that are in no Patient compartment (a compartment export
     * skips them; the server reports them in an error file) */
    char skipped[PP_EXPORT_TYPES_MAX][PP_STORE_TYPE_MAX + 1];
    size_t n_skipped;
    bool cancelled; /* the progress hook asked to stop */
};

void pp_export_spec_init(struct pp_export_spec *spec);
void pp_export_result_release(struct pp_export_result *r);

/*
 * Add the comma-separated resource types of `list` (a _type value: "Patient,Observation";
 * spaces around names ignored, repeats kept once) to spec->types. Errors: PP_ERR_INPUT
 * (d->where "_type") for an empty name, a name that is not a resourceType, or more than
 * PP_EXPORT_TYPES_MAX types.
 */
PP_MUST_CHECK enum pp_err pp_export_spec_add_types(struct pp_export_spec *spec, const char *list,
                                                   struct pp_diag *d);

/*
 * Parse a FHIR instant ("2026-11-27T09:30:00+02:00", "2026-11-27T07:30:00.5Z"; a date
 * "2026-11-27" is taken as its midnight UTC; a space where the offset's '+' belongs is read
 * as '+', since a raw '+' in a query string often arrives decoded as one) into `out`, in the
 * store's meta.lastUpdated form: UTC, milliseconds, "2026-11-27T07:30:00.500Z" (digits past
 * the millisecond are dropped). Errors: PP_ERR_INPUT (d->where `name`).
 */
PP_MUST_CHECK enum pp_err pp_export_parse_instant(const char *s, const char *name,
                                                  char out[PP_EXPORT_INSTANT_LEN],
                                                  struct pp_diag *d);

/*
 * Called when each type starts, every few hundred resources and after each patient's search;
 * `written` counts over the whole export. Return false to stop the export (it then fails
 * with PP_ERR_INTERNAL and result->cancelled set).
 */
typedef bool (*pp_export_tick_fn)(void *ctx, const char *type, size_t type_index, size_t n_types,
                                  size_t written);

/*
 * Write what `spec` selects from `s` into the existing directory `dir` (borrowed), one file
 * DIR/<Type>.ndjson per type with at least one match (files of the same name are replaced;
 * nothing else in DIR is touched), types in name order, resources in creation order (in a
 * Patient-compartment export: Patient by Patient). Without spec->types, every type with
 * live resources. `tick` may be NULL. *out (caller's, initialised to zeros) lists the
 * files. Errors: PP_ERR_IO (a file cannot be written; d names it), the store's errors;
 * the files written so far stay (the caller removes the directory).
 */
PP_MUST_CHECK enum pp_err pp_store_export(struct pp_store *s, const char *dir,
                                          const struct pp_export_spec *spec, pp_export_tick_fn tick,
                                          void *ctx, struct pp_export_result *out,
                                          struct pp_diag *d);

#endif
