/*
 * cds.h — a CDS Hooks request (patient-view, order-sign, order-select, ...)
 * read into a struct pp_patient_set plus what the service needs to know about
 * the call itself: hook, patient, user, draft orders and selections.
 * Knows JSON and FHIR, never HTTP: the server hands it the parsed body.
 */
#ifndef PP_FHIR_CDS_H
#define PP_FHIR_CDS_H

#include <stdbool.h>
#include <stddef.h>

#include <cjson/cJSON.h>

#include "fhir/patient_set.h"
#include "util/alloc.h"
#include "util/err.h"

/* The call. Strings and arrays live in `arena` (released by pp_fhir_cds_request_release). */
struct pp_cds_request {
    const char *hook;          /* "order-sign", "order-select", "patient-view", ... */
    const char *hook_instance; /* NULL when absent */
    const char *patient_id;    /* bare id: "x" for context.patientId "Patient/x" or "x" */
    const char *user_id;       /* context.userId as written ("Practitioner/1"), or NULL */
    const char *encounter_id;  /* context.encounterId as written, or NULL */
    /* every resource in context.draftOrders, as "Type/id" (resources without id left out) */
    const char **draft_order_ids;
    size_t n_draft_orders;
    /* context.selections as written (order-select); has_selections false when absent */
    const char **selections;
    size_t n_selections;
    bool has_selections;
    /* the draft orders the hook is about: the listed ones when selections are present,
     * every draft order otherwise ("Type/id") */
    const char **selected_ids;
    size_t n_selected;
    size_t n_unmatched_selections; /* selections that name no draft order */
    size_t n_prefetch;             /* prefetch entries that held a value (null ones not) */
    struct pp_arena arena;
};

void pp_fhir_cds_request_init(struct pp_cds_request *req);
/* Free what the request owns; it is empty (as after _init) afterwards. */
void pp_fhir_cds_request_release(struct pp_cds_request *req);

/*
 * Read a CDS Hooks request `root` (borrowed): fill *req (initialised by the caller) and load
 * context.draftOrders (a Bundle or one resource; its MedicationRequests and ServiceRequests
 * get is_draft_order) and every prefetch value (a Bundle, one resource, a Bundle-entry-like
 * {"resource": ...} wrapper, or null) into `set`. Every resource belongs to
 * context.patientId, whatever its subject says. A prefetch copy of a draft order is the same
 * order (kept once, marked draft). Then resolves medication references
 * (pp_fhir_patient_set_finish on the whole set). The patient's record afterwards:
 * pp_fhir_patient_set_get(set, req->patient_id).
 * Errors: PP_ERR_INPUT when hook or context.patientId is missing or not a string, a known
 * member has the wrong JSON type (where = "context.selections[1]"), or a resource is
 * malformed (where = "prefetch.item2.entry[0].resource.status"), prefixed by `name` when
 * given. On error `set` and *req are unchanged.
 */
PP_MUST_CHECK enum pp_err pp_fhir_cds_load(struct pp_patient_set *set, const cJSON *root,
                                           const char *name, struct pp_cds_request *req,
                                           struct pp_diag *d);

/* Parse `len` bytes of JSON text (errors: "name:line:column"), then pp_fhir_cds_load. */
PP_MUST_CHECK enum pp_err pp_fhir_cds_load_text(struct pp_patient_set *set, const char *text,
                                                size_t len, const char *name,
                                                struct pp_cds_request *req, struct pp_diag *d);

/*
 * The bare patient id of request `root` (borrowed): context.patientId "Patient/x", a full
 * URL ".../Patient/x" or "x", copied into out[n]. False when root is not an object or the
 * member is missing, not a non-empty string, or longer than n - 1.
 */
bool pp_fhir_cds_patient_id(const cJSON *root, char *out, size_t n);

/* True when "type/id" is one of req's selected draft orders. */
bool pp_fhir_cds_is_selected(const struct pp_cds_request *req, const char *type, const char *id);

#endif
