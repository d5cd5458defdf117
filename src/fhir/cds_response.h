/*
 * cds_response.h — painpath's opioid CDS Hooks services: the discovery
 * document, running a service on a request (request -> record -> MME ->
 * clinical/opioid.c findings), and findings rendered as CDS Hooks cards.
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

/* One CDS service painpath offers (static). */
struct pp_cds_service {
    const char *id;   /* "opioid-order-sign" */
    const char *hook; /* "order-sign" */
    enum pp_opioid_hook opioid_hook;
    const char *title;
    const char *description;
};

/* The services, in discovery order (static); *count receives their number. */
const struct pp_cds_service *pp_cds_services(size_t *count);

/* The service with this id, or NULL. */
const struct pp_cds_service *pp_cds_service_find(const char *id);

/*
 * Append the discovery document {"services": [{hook, id, title, description, prefetch}]}
 * to `out` (one line, newline-terminated). Prefetch templates ask for the patient, their
 * medication requests/statements/dispenses, conditions, laboratory observations (urine
 * drug screens), PDMP-review observations, procedures, encounters and care plans.
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
 * MME and the opioid findings for context.patientId with the service's hook, append them to
 * `findings` (initialised by the caller) and the response JSON to `out`. On the order hooks
 * the orders under decision are the draft orders, narrowed to context.selections when given.
 * `name` prefixes diagnostics ("<stdin>").
 * Errors: PP_ERR_INPUT when the request is not a JSON object, is not a CDS Hooks request
 * (d->where names the field: "hook", "context.patientId", "prefetch.item2.entry[0]...") or
 * its hook is not the service's (where = "hook"). Nothing is appended to `out` on error.
 */
PP_MUST_CHECK enum pp_err pp_cds_service_run(const struct pp_cds_service *svc, const cJSON *request,
                                             const char *name, const struct pp_cds_env *env,
                                             struct pp_findings *findings, struct pp_buf *out,
                                             struct pp_diag *d);

#endif
