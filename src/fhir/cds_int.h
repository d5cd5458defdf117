/*
 * cds_int.h — what cds_response.c (the services table, cards) and cds_services.c (the
 * pain-summary, procedure-order-sign and imaging-order-select runs) share. Not for
 * use outside src/fhir/cds*.c.
 */
#ifndef PP_FHIR_CDS_INT_H
#define PP_FHIR_CDS_INT_H

#include <cjson/cJSON.h>

#include "clinical/finding.h"
#include "clinical/record.h"
#include "fhir/cds.h"
#include "fhir/cds_response.h"

/* One run of a non-opioid service: everything borrowed. Findings are appended to
 * `findings`; d->where is relative to the request ("context.draftOrders.entry[0]..."). */
struct pp_cds_run {
    const struct pp_cds_service *svc;
    const struct pp_cds_request *req;
    const struct pp_record *record;
    const cJSON *request;
    const struct pp_cds_env *env;
    struct pp_findings *findings;
};

PP_MUST_CHECK enum pp_err pp_cds_run_pain_summary(const struct pp_cds_run *run, struct pp_diag *d);
PP_MUST_CHECK enum pp_err pp_cds_run_procedures(const struct pp_cds_run *run, struct pp_diag *d);
PP_MUST_CHECK enum pp_err pp_cds_run_imaging(const struct pp_cds_run *run, struct pp_diag *d);

/* The title of rule `id` from every rule table (clinical modules, opioid, the services'
 * own), or NULL. Static. */
const char *pp_cds_rule_title(const char *id);

#endif
