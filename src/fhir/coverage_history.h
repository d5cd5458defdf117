/*
 * coverage_history.h — a proposed procedure (a ServiceRequest) and the patient's FHIR
 * record (Conditions, Procedures, score Observations, intake QuestionnaireResponses,
 * imaging, allergies) read into the proposal and history of clinical/coverage.h, by the
 * mapping of docs/PROFILES.md "Eligibility". Knows FHIR JSON only: never the clock (the
 * caller passes `now`), SQL or HTTP.
 */
#ifndef PP_FHIR_COVERAGE_HISTORY_H
#define PP_FHIR_COVERAGE_HISTORY_H

#include <stddef.h>

#include <cjson/cJSON.h>

#include "clinical/coverage.h"
#include "util/date.h"
#include "util/err.h"

/* Extensions painpath reads on the proposal ServiceRequest (and guidance on a Procedure). */
#define PP_FHIR_PURPOSE_URL "urn:painpath:procedure-purpose" /* valueCode diagnostic|... */
#define PP_FHIR_CONTRAST_URL "urn:painpath:contrast"         /* valueBoolean */
/* A psychological evaluation: Procedure.code with this system and code "psychological". */
#define PP_FHIR_EVALUATION_SYSTEM "urn:painpath:evaluation"
/* Positive provocation tests: an Observation with this code and valueInteger. */
#define PP_FHIR_FINDING_SYSTEM "urn:painpath:finding"
#define PP_FHIR_PROVOCATION_CODE "provocation-tests-positive"

#define PP_FHIR_COV_MAX_PRIORS 256

/* The proposal and history read from FHIR, with the storage their pointers need. */
struct pp_fhir_coverage {
    struct pp_cov_proposal proposal;
    struct pp_cov_history history;
    struct pp_cov_prior *priors; /* owned (history.priors) */
    char levels[1 + PP_FHIR_COV_MAX_PRIORS][PP_COV_MAX_LEVELS][16];
    const char *proposal_id;                       /* the ServiceRequest id (borrowed) */
    const char *prior_ids[PP_FHIR_COV_MAX_PRIORS]; /* Procedure ids of the priors (borrowed) */
};

/* Allocate / free (the struct is large: heap only). */
struct pp_fhir_coverage *pp_fhir_coverage_new(void);
void pp_fhir_coverage_free(struct pp_fhir_coverage *c);

/*
 * Read the proposal ServiceRequest `sr_id` of `bundle` (NULL: the only ServiceRequest with a
 * catalogue or CPT code) and the history from the other resources of the Bundle (all of one
 * patient; borrowed, must outlive `out`). Proposal: code (urn:painpath:procedure id, else a
 * CPT code naming one catalogue entry), occurrence[x] (else `now`), bodySite[0] levels and
 * side, extensions for guidance (default fluoroscopy), purpose and contrast. History: pain
 * onset (earliest onset of a pain Condition), conservative care (intake answers
 * conservative_care.* and course), imaging (ImagingStudy.started, radiology
 * DiagnosticReport), psychological evaluation, herpes zoster, pregnancy, contrast allergy,
 * provocation tests, baseline scales, and every earlier completed catalogue Procedure as a
 * prior with its relief from its diary or the NRS / ODI / NDI scores around it.
 * Errors (d->where "ServiceRequest/ID.code", ...): PP_ERR_NOT_FOUND when sr_id is not in the
 * Bundle, PP_ERR_UNSUPPORTED when the proposal names no catalogue procedure, PP_ERR_INPUT
 * for malformed values.
 */
PP_MUST_CHECK enum pp_err pp_fhir_coverage_read(const cJSON *bundle, const char *sr_id, pp_day now,
                                                struct pp_fhir_coverage *out, struct pp_diag *d);

/*
 * Name the FHIR element behind an error of pp_coverage_evaluate on `c`'s input: rewrite
 * d->where from the coverage JSON path ("procedure.levels[0]", "history.prior_procedures[2]")
 * to the element ("ServiceRequest/ID.bodySite[0].text",
 * "Procedure/ID.extension('urn:painpath:procedure-purpose')"). Returns the code to answer
 * with: PP_ERR_UNSUPPORTED when the record lacks what the criteria need (the levels, which
 * purpose), else `rc` unchanged.
 */
enum pp_err pp_fhir_coverage_explain(const struct pp_fhir_coverage *c, enum pp_err rc,
                                     struct pp_diag *d);

#endif
