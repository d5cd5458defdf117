/*
 * load.h — reading FHIR R4 JSON into a struct pp_patient_set: a parsed value
 * (Bundle or single resource), JSON or NDJSON text, a file, a directory tree.
 * Every loader is all-or-nothing per input: on error the set is unchanged.
 * Knows files and JSON, never SQL, HTTP or the clock.
 */
#ifndef PP_FHIR_LOAD_H
#define PP_FHIR_LOAD_H

#include <stdbool.h>
#include <stddef.h>

#include <cjson/cJSON.h>

#include "fhir/patient_set.h"
#include "util/err.h"

/* Largest file the file and directory loaders read (bytes). */
#define PP_FHIR_MAX_FILE ((size_t)1 << 30)

/*
 * Load `root`: a Bundle (type collection, transaction, batch, searchset, document, message,
 * transaction-response, or absent; entries without a resource and DELETE requests are
 * skipped; nested Bundles are read) or one resource. Resources go to the record of the
 * patient their subject/patient names ("Patient/ID", an absolute .../Patient/ID, or
 * "urn:uuid:U" — the bundle's Patient with that fullUrl, else U); Medication resources go
 * to the set's Medication table; other resourceTypes are counted and skipped. Borrows
 * root; the set copies what it keeps, so root may be freed afterwards.
 * `name` (may be NULL) prefixes d->where ("file.json:entry[3].resource.status").
 * Errors: PP_ERR_INPUT (resourceType missing / not a string, a known field of the wrong
 * JSON type, a bad date: where = JSON path, what = the problem); PP_ERR_UNSUPPORTED for a
 * Bundle type such as history. On any error the set is unchanged.
 */
PP_MUST_CHECK enum pp_err pp_fhir_load_json(struct pp_patient_set *set, const cJSON *root,
                                            const char *name, struct pp_diag *d);

/* Parse `len` bytes of JSON text (errors: "name:line:column" + what was expected), then
 * pp_fhir_load_json. Borrows text. */
PP_MUST_CHECK enum pp_err pp_fhir_load_json_text(struct pp_patient_set *set, const char *text,
                                                 size_t len, const char *name, struct pp_diag *d);

/*
 * Load NDJSON: one resource (or Bundle) per line; blank lines are skipped, "\r\n" is
 * accepted. A line that is not JSON fails with where = "name:line:column"; a line whose
 * content is wrong with where = "name:line:json.path". The set is unchanged on error.
 */
PP_MUST_CHECK enum pp_err pp_fhir_load_ndjson_text(struct pp_patient_set *set, const char *text,
                                                   size_t len, const char *name, struct pp_diag *d);

/* Load one file: NDJSON when the name ends in ".ndjson", JSON otherwise. PP_ERR_IO when it
 * cannot be read, PP_ERR_LIMIT past PP_FHIR_MAX_FILE; else as the text loaders. */
PP_MUST_CHECK enum pp_err pp_fhir_load_file(struct pp_patient_set *set, const char *path,
                                            struct pp_diag *d);

/*
 * The *.json and *.ndjson files below `dir` (recursively; names starting with '.' and
 * symbolic links to directories are not followed), sorted by path (strcmp), as paths that
 * start with `dir`. A bulk-data client's export log ("log.ndjson") is not a FHIR file and
 * is left out, counted in *n_skipped (may be NULL). On success *paths is a caller-owned
 * array (free with pp_fhir_paths_free). PP_ERR_IO when a directory cannot be read.
 */
PP_MUST_CHECK enum pp_err pp_fhir_list_dir(const char *dir, char ***paths, size_t *n,
                                           size_t *n_skipped, struct pp_diag *d);

/* Free what pp_fhir_list_dir returned. */
void pp_fhir_paths_free(char **paths, size_t n);

/* What a directory load did. */
struct pp_fhir_dir_report {
    size_t files_loaded;
    size_t files_failed;  /* only with keep_going */
    size_t files_skipped; /* bulk export logs */
};

/*
 * Load every file pp_fhir_list_dir finds, in its order. Without keep_going the directory is
 * all-or-nothing: the first bad file stops the load, d names it, and the set is unchanged.
 * With keep_going each good file is loaded, each bad one counted in rep->files_failed with
 * the first failure in d, and PP_OK is returned (check rep). `rep` may be NULL.
 */
PP_MUST_CHECK enum pp_err pp_fhir_load_dir(struct pp_patient_set *set, const char *dir,
                                           bool keep_going, struct pp_fhir_dir_report *rep,
                                           struct pp_diag *d);

#endif
