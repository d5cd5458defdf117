/*
 * cds_orders.h — what the order CDS services read from a CDS Hooks request beyond
 * struct pp_record: the request's resources as one Bundle (the input of the
 * ServiceRequest/$eligibility reader, fhir/coverage_history.h), the intake answers of
 * the patient's QuestionnaireResponses, and a draft imaging order with its clinical
 * context for clinical/imaging.h. Knows FHIR JSON; never HTTP, SQL or the clock.
 */
#ifndef PP_FHIR_CDS_ORDERS_H
#define PP_FHIR_CDS_ORDERS_H

#include <stdbool.h>

#include <cjson/cJSON.h>

#include "clinical/imaging.h"
#include "clinical/record.h"

/* The code system of imaging orders: code "REGION-MODALITY" in clinical/imaging.h's names. */
#define PP_SYS_IMAGING "urn:painpath:imaging"

/*
 * A collection Bundle of every resource of `request` (borrowed): context.draftOrders first,
 * then each prefetch value's resources (a Bundle's entries, a lone resource, an entry-shaped
 * wrapper). The entries reference the request's nodes (nothing is copied): delete the
 * Bundle with cJSON_Delete before the request. Caller frees.
 */
cJSON *pp_cds_request_bundle(const cJSON *request);

/*
 * The patient's intake answers: every QuestionnaireResponse (status completed or amended)
 * found in request.prefetch, oldest `authored` first, its answered items put at their
 * linkId ("onset", "red_flags.fever", or "fever" inside a group "red_flags"); a later
 * answer to the same linkId wins. valueBoolean, valueInteger, valueDate, valueDateTime,
 * valueString and valueCoding.code are read. Returns a new object (caller frees with
 * cJSON_Delete); empty when there are none.
 */
cJSON *pp_cds_intake_answers(const cJSON *request);

/*
 * The imaging study a ServiceRequest (borrowed) orders: a coding urn:painpath:imaging
 * "REGION-MODALITY" with the names of clinical/imaging.h ("lumbar-mri_without_contrast",
 * "lumbar-ct", "lumbar-xray", "cervical-..."). False when it orders none.
 */
bool pp_cds_imaging_order_of(const cJSON *sr, enum pp_img_region *region,
                             enum pp_img_modality *modality);

/*
 * The clinical context of an imaging order for `r`, into *in (initialised here, then region
 * and modality set from the arguments): the intake answers (`answers`, borrowed) named as in
 * the imaging JSON (onset, conservative_care_start, candidate_for_surgery_or_intervention,
 * improving, prior_surgery_new_symptoms, red_flags.*, neck_flags.*) plus the triage answers
 * course (improving -> improving yes; not_improving, worsening -> no) and conservative_care.*
 * (the earliest date). Without an "onset" answer, the earliest onset (else recorded date)
 * of an active back or neck pain Condition (clinical/careplan.h's spinal diagnosis groups)
 * dates the pain. An answer of the wrong type is left unknown; in->onset stays PP_DAY_NONE
 * when nothing dates the pain.
 */
void pp_cds_imaging_context(const struct pp_record *r, const cJSON *answers,
                            enum pp_img_region region, enum pp_img_modality modality,
                            struct pp_imaging_input *in);

#endif
