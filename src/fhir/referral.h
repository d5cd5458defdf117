/*
 * referral.h — a FHIR referral (ServiceRequest + the QuestionnaireResponse of
 * its intake answers) read into the triage input of clinical/triage.h. Knows
 * FHIR JSON only: never the clock, SQL or HTTP.
 */
#ifndef PP_FHIR_REFERRAL_H
#define PP_FHIR_REFERRAL_H

#include <stddef.h>

#include "clinical/triage.h"
#include "util/err.h"

/*
 * Read `len` bytes of `text` into `in` (initialised here). Accepted:
 *  - a Bundle with a ServiceRequest and a QuestionnaireResponse (the one the
 *    ServiceRequest's supportingInfo names, else the only one);
 *  - a lone QuestionnaireResponse;
 *  - the documented triage JSON (no resourceType), passed to
 *    pp_triage_input_from_json.
 * Each answered item's linkId is a field of the documented JSON
 * ("onset", "red_flags.saddle_anesthesia", or "saddle_anesthesia" inside a
 * group whose linkId is "red_flags"); valueBoolean, valueDate, valueInteger,
 * valueString and valueCoding.code are read. A ServiceRequest whose requester
 * is a Patient is a self-referral unless an answer says otherwise.
 * Errors are PP_ERR_INPUT with "NAME: linkId" (or the resource path) in
 * d->where. Borrows text.
 */
PP_MUST_CHECK enum pp_err pp_fhir_referral_read(const char *text, size_t len, const char *name,
                                                struct pp_triage_input *in, struct pp_diag *d);

#endif
