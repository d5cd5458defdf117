/*
 * cds_response.h — painpath's CDS Hooks services (the opioid ones, pain-summary,
 * procedure-order-sign, imaging-order-select): the discovery document with each
 * service's prefetch templates, running a service on a request (request -> record ->
 * clinical findings), and findings rendered as CDS Hooks cards.
 * Knows JSON and the CDS Hooks 2.0 shapes; never HTTP, SQL or the clock.
 */
#ifndef PP_FHIR_CDS_RESPONSE_H
#define PP_FHIR_CDS_RESPONSE_H

#include <stddef.h>

#include <cjson/cJSON.h>

#include "clinical/drugs.h"
#include "clinical/finding.h"
#include "clinical/opioid.h"
#include "clinical/policy.h"
#include "clinical/terms.h"
#include "util/buf.h"
#include "util/date.h"
#include "util/err.h"

/* What a service computes. */
enum pp_cds_kind {
    PP_CDS_OPIOID,       /* clinical/opioid.c on the service's hook */
    PP_CDS_PAIN_SUMMARY, /* clinical/summary.c: the AHRQ Pain Management Summary */
    PP_CDS_PROCEDURES,   /* clinical/coverage.c: payer eligibility of draft procedure orders */
    PP_CDS_IMAGING,      /* clinical/imaging.c: ACR appropriateness of draft imaging orders */
};

/* One CDS service painpath offers (static). */
struct pp_cds_service {
    const char *id;   /* "opioid-order-sign" */
    const char *hook; /* "order-sign" */
    enum pp_opioid_hook opioid_hook;
    const char *title;
    const char *description;
    enum pp_cds_kind kind;
    unsigned prefetch;  /* bits of the prefetch keys it declares (pp_cds_prefetch_key) */
    const char *source; /* card source.label */
};

/* Prefetch keys painpath's services may declare, in discovery order. */
#define PP_CDS_PREFETCH_KEYS 16

/*
 * Prefetch key `i` (0 .. PP_CDS_PREFETCH_KEYS-1): its name ("medicationRequests") and FHIR
 * query template ("MedicationRequest?patient={{context.patientId}}&status=..."). Static.
 */
const char *pp_cds_prefetch_key(size_t i, const char **query);

/*
 * The prefetch keys `svc` declares that `request` (borrowed) does not carry: absent from
 * request.prefetch (a key present with value null means "no data" and is not missing).
 * Fills up to `max` static key names into `keys`; returns how many are missing.
 */
size_t pp_cds_prefetch_missing(const struct pp_cds_service *svc, const cJSON *request,
                               const char **keys, size_t max);

/*
 * Does resource `r` (borrowed) match prefetch template `query` ("Observation?patient=...&
 * category=laboratory")? Every parameter but patient is checked: status (one of a comma
 * list), category (a coding code of any category), code ("system|code" or "code", a comma
 * list). Used to fill an absent key from a store searched by patient.
 */
bool pp_cds_prefetch_matches(const cJSON *r, const char *query);

/* The services, in discovery order (static); *count receives their number. */
const struct pp_cds_service *pp_cds_services(size_t *count);

/* The service with this id, or NULL. */
const struct pp_cds_service *pp_cds_service_find(const char *id);

/*
 * Append the discovery document {"services": [{hook, id, title, description, prefetch}]}
 * to `out` (one line, newline-terminated). Each service's prefetch holds the keys it
 * declares: the opioid services the patient, their medication requests/statements/
 * dispenses, conditions, laboratory observations (urine drug screens), PDMP-review
 * observations, procedures, encounters and care plans; the others what they read.
 */
void pp_cds_discovery_write(struct pp_buf *out);

/*
 * Append {"cards": [...]} for `f` (borrowed) to `out`, newline-terminated. Cards are
 * ordered critical, warning, info (stable otherwise). Each card has a deterministic uuid
 * (from rule id, patient and evidence), summary, markdown detail, indicator, source {label,
 * url, topic {system "urn:painpath:rule", code = rule id, display}} and, when the finding
 * has suggestions, suggestions with actions: create -> a draft resource for `patient_id`;
 * update -> the draft order from `request` (context.draftOrders; borrowed, may be NULL) with
 * the new expectedSupplyDuration; delete -> resourceId. An update whose draft is not in the
 * request keeps its label and has no action.
 */
void pp_cds_cards_write(const struct pp_findings *f, const char *patient_id, const cJSON *request,
                        struct pp_buf *out);

/* What a service run needs besides the request (all borrowed). */
struct pp_cds_env {
    pp_day now;
    const struct pp_policy *policy;
    const struct pp_terms *terms;
    const struct pp_drug_codes *codes; /* may be NULL */
};

/*
 * Run service `svc` on CDS Hooks request `request` (borrowed): read it (fhir/cds.h), compute
 * the service's findings for context.patientId (opioid: MME and the opioid rules on the
 * service's hook; pain-summary: the summary sections and flags; procedure-order-sign: one
 * verdict per draft procedure order; imaging-order-select: the appropriateness reasons per
 * draft imaging order), append them to `findings` (initialised by the caller) and the
 * response JSON to `out`. On the order hooks the orders under decision are the draft orders,
 * narrowed to context.selections when given. A declared prefetch key that is absent is read
 * as no data (the server completes it first; pp_cds_prefetch_missing).
 * `name` prefixes diagnostics ("<stdin>").
 * Errors: PP_ERR_INPUT when the request is not a JSON object, is not a CDS Hooks request
 * (d->where names the field: "hook", "context.patientId", "prefetch.item2.entry[0]...") or
 * its hook is not the service's (where = "hook"), or a draft order cannot be read (where =
 * "context.draftOrders.entry[0].resource.bodySite[0]"). Nothing is appended to `out` on error.
 */
PP_MUST_CHECK enum pp_err pp_cds_service_run(const struct pp_cds_service *svc, const cJSON *request,
                                             const char *name, const struct pp_cds_env *env,
                                             struct pp_findings *findings, struct pp_buf *out,
                                             struct pp_diag *d);

#endif
