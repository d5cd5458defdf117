/*
 * store.h — the FHIR resource store, backend-neutral (SQLite now, PostgreSQL later):
 * versioned JSON documents with history and soft delete, index rows for the supported
 * search parameters, numbered schema migrations, transactions, online backup.
 * One struct pp_store per thread; several may be open on the same database at once.
 */
#ifndef PP_STORE_STORE_H
#define PP_STORE_STORE_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <cjson/cJSON.h>
#include "fhir/patient_set.h"
#include "util/err.h"

/* Longest FHIR id (R4: [A-Za-z0-9\-\.]{1,64}) and resourceType the store accepts. */
#define PP_STORE_ID_MAX 64
#define PP_STORE_TYPE_MAX 64
/* Default database path of the CLI commands. */
#define PP_STORE_DEFAULT_DB "painpath.db"

struct pp_store;

/* True when s is a FHIR id: [A-Za-z0-9\-.]{1,64}. */
bool pp_store_valid_id(const char *s);
/* True when s looks like a resourceType: an ASCII letter then letters/digits, <= 64. */
bool pp_store_valid_type(const char *s);

/* The version facts of one resource version. */
struct pp_store_meta {
    char type[PP_STORE_TYPE_MAX + 1];
    char id[PP_STORE_ID_MAX + 1];
    long version;          /* 1, 2, ... (meta.versionId) */
    char last_updated[32]; /* "2026-11-27T11:46:40.123Z" (meta.lastUpdated) */
    bool deleted;          /* this version is a deletion (the resource is gone: HTTP 410) */
    char patient[PP_STORE_ID_MAX + 1]; /* the patient whose resource it is ("" none; read,
                                          vread, history, search and scan set it) */
    bool conflict; /* set by pp_store_update when If-Match named a stale version */
};

/* Why a search returned a resource (Bundle entry.search.mode). */
enum pp_store_mode {
    PP_STORE_MODE_MATCH = 0, /* it matches the search (and everything else the store walks) */
    PP_STORE_MODE_INCLUDE,   /* added by _include / _revinclude */
};

/* One stored version: meta plus its JSON text (NULL for a deletion). Borrowed by callbacks:
 * valid only during the call. */
struct pp_store_resource {
    struct pp_store_meta meta;
    const char *body;
    size_t len;
    enum pp_store_mode mode;
};

/* Called once per resource by history, search and scan, in order; a non-PP_OK return stops
 * the walk and is returned by the walker. */
typedef enum pp_err (*pp_store_each_fn)(void *ctx, const struct pp_store_resource *r);

/*
 * Open (creating if absent) the database at `path` and bring its schema up to date
 * (migrations run in a transaction each). *out is the caller's, closed with
 * pp_store_close. Errors: PP_ERR_IO (cannot open / not a database), PP_ERR_UNSUPPORTED
 * (the schema is newer than this binary knows), PP_ERR_INTERNAL (a migration failed).
 */
PP_MUST_CHECK enum pp_err pp_store_open(const char *path, struct pp_store **out, struct pp_diag *d);
/* Time this connection spent running SQL statements (sqlite3_step) and how many steps,
 * since the previous call; resets both (the server's per-request database metrics). */
void pp_store_take_timing(struct pp_store *s, uint64_t *ns, uint64_t *steps);
/* Close; rolls back an open transaction. NULL is accepted. */
void pp_store_close(struct pp_store *s);
/* The schema version of the open database, and the newest this binary knows. */
int pp_store_schema_version(const struct pp_store *s);
int pp_store_schema_latest(void);

/*
 * Explicit transactions. Without one, every write below is its own transaction; inside
 * one, nothing is durable until commit, and rollback undoes every write since begin.
 * Nested begin is PP_ERR_INTERNAL.
 */
PP_MUST_CHECK enum pp_err pp_store_begin(struct pp_store *s, struct pp_diag *d);
/* A read transaction: every read until commit / rollback sees one snapshot, and writers
 * on other connections are not blocked (WAL). A write inside it may fail as busy. */
PP_MUST_CHECK enum pp_err pp_store_begin_read(struct pp_store *s, struct pp_diag *d);
PP_MUST_CHECK enum pp_err pp_store_commit(struct pp_store *s, struct pp_diag *d);
void pp_store_rollback(struct pp_store *s);
bool pp_store_in_transaction(const struct pp_store *s);
/*
 * A savepoint inside the open transaction: pp_store_savepoint_rollback undoes every write
 * since pp_store_savepoint and keeps the transaction's earlier work; _release keeps them.
 * One level (no nesting). Lets a bulk load commit many files at once while each file stays
 * all or nothing.
 */
PP_MUST_CHECK enum pp_err pp_store_savepoint(struct pp_store *s, struct pp_diag *d);
PP_MUST_CHECK enum pp_err pp_store_savepoint_release(struct pp_store *s, struct pp_diag *d);
PP_MUST_CHECK enum pp_err pp_store_savepoint_rollback(struct pp_store *s, struct pp_diag *d);

/*
 * Create `res` (a JSON object with a string resourceType) under a new server-assigned id
 * (a UUID; any id in res is replaced). res is modified: id, meta.versionId and
 * meta.lastUpdated are set to what was stored. *meta (may be NULL) receives the facts.
 * Errors: PP_ERR_INPUT (no resourceType: d->where = "resourceType"), PP_ERR_IO (database).
 */
PP_MUST_CHECK enum pp_err pp_store_create(struct pp_store *s, cJSON *res,
                                          struct pp_store_meta *meta, struct pp_diag *d);
/*
 * Update (or create with the client's id when absent or deleted) the resource res.id of
 * type res.resourceType. if_match > 0 is the version the client last saw (If-Match): a
 * different current version fails with PP_ERR_INPUT, meta->conflict = true and
 * d->where = "If-Match" (HTTP 412); if_match 0 means unconditional. res is modified as for
 * create. Errors as create, plus PP_ERR_INPUT for a missing or malformed id (d->where "id").
 */
PP_MUST_CHECK enum pp_err pp_store_update(struct pp_store *s, cJSON *res, long if_match,
                                          struct pp_store_meta *meta, struct pp_diag *d);
/*
 * Soft-delete: a new version marked deleted; history keeps the old ones, search and read
 * no longer see it. PP_ERR_NOT_FOUND when it never existed; deleting a deleted resource is
 * PP_OK (meta->deleted set, version unchanged).
 */
PP_MUST_CHECK enum pp_err pp_store_delete(struct pp_store *s, const char *type, const char *id,
                                          struct pp_store_meta *meta, struct pp_diag *d);
/*
 * The current version of type/id, as a caller-owned JSON string (*body, free()) with
 * meta.versionId/lastUpdated in it. PP_ERR_NOT_FOUND when absent; when deleted also
 * PP_ERR_NOT_FOUND, with meta->deleted = true and *body NULL (HTTP 410).
 */
PP_MUST_CHECK enum pp_err pp_store_read(struct pp_store *s, const char *type, const char *id,
                                        char **body, struct pp_store_meta *meta, struct pp_diag *d);
/* Version `version` of type/id (a deletion version: PP_ERR_NOT_FOUND, meta->deleted). */
PP_MUST_CHECK enum pp_err pp_store_vread(struct pp_store *s, const char *type, const char *id,
                                         long version, char **body, struct pp_store_meta *meta,
                                         struct pp_diag *d);
/* Every version of type/id, newest first (deletions with body NULL). PP_ERR_NOT_FOUND when
 * the resource never existed. */
PP_MUST_CHECK enum pp_err pp_store_history(struct pp_store *s, const char *type, const char *id,
                                           pp_store_each_fn fn, void *ctx, struct pp_diag *d);

/* Parsed search parameters (private to the store). */
struct pp_store_query_state;

/*
 * Whose resources a caller may see (the server's patient compartment and care-team rule):
 * a resource belongs to the allowed set when it has no patient, or its patient is `patient`,
 * or a patient of a CareTeam (status active or absent, not deleted) whose participant.member
 * is `practitioner` ("Practitioner/id"), or a patient for whom user `user_id` holds a
 * break-glass grant whose expiry is after `now` (ISO text). NULL / 0 members add nothing.
 * Borrowed.
 */
struct pp_store_access {
    const char *patient;
    const char *practitioner;
    long user_id;
    const char *now;
};
/* *allowed: `patient` (a bare Patient id; "" or NULL: true) is one `access` allows. */
PP_MUST_CHECK enum pp_err pp_store_access_allows(struct pp_store *s,
                                                 const struct pp_store_access *access,
                                                 const char *patient, bool *allowed,
                                                 struct pp_diag *d);
/* The bare patient id the resource `res` of `type` belongs to, as the store files it
 * (Patient: its id; else subject / patient / beneficiary naming "Patient/id"), copied into
 * out ("" when none). */
void pp_store_patient_of(const char *type, const cJSON *res, char out[PP_STORE_ID_MAX + 1]);

/* A search: resources of one type matching every given parameter. */
struct pp_store_query {
    char type[PP_STORE_TYPE_MAX + 1];
    long count;  /* page size (_count); 0 = PP_STORE_DEFAULT_COUNT, -1 = only the total */
    long offset; /* skip this many (_offset / paging) */
    struct pp_store_query_state *state; /* owned: conditions, _sort keys, _include */
    /* NULL: anyone's resources; else only matches access allows (pp_store_access: the
     * total and the pages count only those). Borrowed; set after pp_store_query_init. */
    const struct pp_store_access *access;
};
#define PP_STORE_DEFAULT_COUNT 50
#define PP_STORE_MAX_COUNT 1000
/* At most this many resources are added by _include / _revinclude to one page. */
#define PP_STORE_MAX_INCLUDE 1000

/* An empty query for `type` (PP_ERR_INPUT when type is not a resourceType name). */
PP_MUST_CHECK enum pp_err pp_store_query_init(struct pp_store_query *q, const char *type,
                                              struct pp_diag *d);
/* Free what pp_store_query_param copied. */
void pp_store_query_release(struct pp_store_query *q);
/*
 * Add one FHIR search parameter as it came in a URL (already %-decoded). `name` may carry a
 * modifier ("code:not", "name:exact", "name:contains", "subject:Patient", "date:missing").
 * The parameters of each type are those of store/search_params.h: token (system|code,
 * |code, system|, code), reference (Type/id, id, absolute URL), date (prefix eq ne lt gt le
 * ge sa eb ap, any precision), string (case- and accent-insensitive prefix); commas OR the
 * values of one parameter, repeating a parameter ANDs. Also _id, _lastUpdated, _count,
 * _offset, _sort (keys separated by ',', '-' for descending), _include=Type:param[:Target]
 * and _revinclude=Type:param[:Target]. PP_ERR_UNSUPPORTED for an unknown name or modifier
 * (d->where = the name), PP_ERR_INPUT for a bad value (d->where = the name), PP_ERR_LIMIT
 * when the query grows past the store's caps.
 */
PP_MUST_CHECK enum pp_err pp_store_query_param(struct pp_store_query *q, const char *name,
                                               const char *value, struct pp_diag *d);
/*
 * Run q: calls fn for each match on the page, in a deterministic order (the _sort keys, then
 * order of first creation), then for each resource _include / _revinclude adds (r->mode
 * PP_STORE_MODE_INCLUDE, each once, none that is a match), and sets *total (may be NULL) to
 * the number of matches over all pages (includes not counted).
 */
PP_MUST_CHECK enum pp_err pp_store_search(struct pp_store *s, const struct pp_store_query *q,
                                          pp_store_each_fn fn, void *ctx, size_t *total,
                                          struct pp_diag *d);
/* Rebuild every index row from the stored resources in one transaction (the store does this
 * by itself when it opens a database indexed by an older painpath). */
PP_MUST_CHECK enum pp_err pp_store_reindex(struct pp_store *s, struct pp_diag *d);
/* How many live (not deleted) resources of `type` there are; type NULL: of all types. */
PP_MUST_CHECK enum pp_err pp_store_count(struct pp_store *s, const char *type, size_t *n,
                                         struct pp_diag *d);
/* Called once per resource type with live resources, in name order, with their count. */
typedef enum pp_err (*pp_store_type_fn)(void *ctx, const char *type, size_t count);
PP_MUST_CHECK enum pp_err pp_store_types(struct pp_store *s, pp_store_type_fn fn, void *ctx,
                                         struct pp_diag *d);
/* Every live resource of `type` in creation order (for export). */
PP_MUST_CHECK enum pp_err pp_store_scan(struct pp_store *s, const char *type, pp_store_each_fn fn,
                                        void *ctx, struct pp_diag *d);
/* Every live resource of `type` whose patient is a live Patient (the Patient compartment of
 * every patient, one pass), in creation order. */
PP_MUST_CHECK enum pp_err pp_store_scan_compartment(struct pp_store *s, const char *type,
                                                    pp_store_each_fn fn, void *ctx,
                                                    struct pp_diag *d);
/*
 * Load the record of patient `patient_id`: the Patient and every live resource whose
 * patient it is, plus every Medication resource, read through pp_fhir_load_json into
 * `set` (then pp_fhir_patient_set_finish). Find the record with pp_fhir_patient_set_find.
 * PP_ERR_NOT_FOUND when the store holds nothing of that patient.
 */
PP_MUST_CHECK enum pp_err pp_store_load_patient(struct pp_store *s, const char *patient_id,
                                                struct pp_patient_set *set, struct pp_diag *d);
/* Copy the whole database to `dest_path` with the online backup API (consistent while
 * other connections keep writing). PP_ERR_IO on failure. */
PP_MUST_CHECK enum pp_err pp_store_backup(struct pp_store *s, const char *dest_path,
                                          struct pp_diag *d);

/* Per-type counts of what pp_store_import_json stored. */
struct pp_store_import_count {
    char type[PP_STORE_TYPE_MAX + 1];
    size_t n;
};
struct pp_store_import_stats {
    struct pp_store_import_count *types; /* owned; sorted by first appearance */
    size_t n_types, alloc_types;
    size_t resources;
};
void pp_store_import_stats_release(struct pp_store_import_stats *st);
/* Add src's counts to dst's. */
void pp_store_import_stats_merge(struct pp_store_import_stats *dst,
                                 const struct pp_store_import_stats *src);
/*
 * Store what `root` holds: one resource, or a Bundle (transaction, batch, collection,
 * searchset; entries without a resource and DELETE requests are skipped) whose resources
 * keep their ids (entries without one get a server id). "urn:uuid:..." references to
 * another entry's fullUrl are rewritten to "Type/id". Existing resources get a new
 * version. Runs inside the caller's transaction when one is open (so a file is all or
 * nothing), else in its own. root is modified (references, id, meta). `name` prefixes
 * d->where. Errors: PP_ERR_INPUT with the JSON path ("entry[3].resource.id").
 */
PP_MUST_CHECK enum pp_err pp_store_import_json(struct pp_store *s, cJSON *root, const char *name,
                                               struct pp_store_import_stats *st, struct pp_diag *d);
/* Store one CDS Hooks feedback item for `service`: the card uuid, its outcome ("accepted",
 * "overridden"), outcomeTimestamp (may be NULL) and the item's JSON text. */
PP_MUST_CHECK enum pp_err pp_store_feedback_add(struct pp_store *s, const char *service,
                                                const char *card, const char *outcome,
                                                const char *outcome_timestamp, const char *body,
                                                struct pp_diag *d);
/* How many feedback items are stored for service / card (NULL: any). */
PP_MUST_CHECK enum pp_err pp_store_feedback_count(struct pp_store *s, const char *service,
                                                  const char *card, size_t *n, struct pp_diag *d);
#endif
