/*
 * questionnaire.h — instrument answers in and score Observations out: reads a
 * FHIR R4 QuestionnaireResponse (or painpath's plain answers JSON) into
 * struct pp_instrument_answers, and writes the Observation resources that
 * store a score. Knows JSON and FHIR, never files, SQL, HTTP or the clock.
 */
#ifndef PP_FHIR_QUESTIONNAIRE_H
#define PP_FHIR_QUESTIONNAIRE_H

#include <stdbool.h>

#include <cjson/cJSON.h>

#include "clinical/instruments.h"
#include "util/buf.h"
#include "util/err.h"

/* Who and when, as the input said (strings borrowed from the parsed JSON; NULL if absent). */
struct pp_questionnaire_meta {
    const char *subject;  /* "Patient/123" */
    const char *date;     /* QuestionnaireResponse.authored or the plain "date" */
    const char *response; /* QuestionnaireResponse id, for Observation.derivedFrom */
    bool is_response;     /* the input was a QuestionnaireResponse (not the plain form) */
};

/*
 * Read `root`, either
 *   a FHIR QuestionnaireResponse: every item (nested groups too) with an answer has
 *     linkId = the instrument's item id and one answer: valueInteger, valueDecimal,
 *     valueBoolean (true = 1) or valueCoding whose code is the number; ORT's sex is
 *     linkId "sex" with valueCoding/valueString "female" or "male"; or
 *   the plain form {"instrument": "phq9", "answers": {"1": 2, ...}, "sex": "female",
 *     "subject": "Patient/1", "date": "2026-11-27"} (values numbers or true/false).
 * `def` is the instrument named on the command line, or NULL to take the plain form's
 * "instrument" (a QuestionnaireResponse then needs `def`). Fills `a` (initialised here)
 * and `meta` (borrowing from root). Errors: PP_ERR_INPUT with d->where the JSON path
 * ("answers.9", "item[2].answer[0]") and d->what the reason: an unknown item id, a value
 * out of range, a wrong type, an instrument that differs from `def`.
 */
PP_MUST_CHECK enum pp_err pp_questionnaire_read(const cJSON *root,
                                                const struct pp_instrument_def *def,
                                                struct pp_instrument_answers *a,
                                                struct pp_questionnaire_meta *meta,
                                                struct pp_diag *d);

/*
 * Append to `b` a JSON array of the Observation resources that store score `s`: the
 * total (LOINC code where CLINICAL-FACTS confirms one, else code.text only and a note),
 * and for BPI and STarT Back a second Observation for the interference score / the
 * psychosocial subscale. Category "survey", status "final", subject, effectiveDateTime
 * and derivedFrom from `meta` when present. Sticky buffer errors only.
 */
void pp_questionnaire_observations(struct pp_buf *b, const struct pp_instrument_score *s,
                                   const struct pp_questionnaire_meta *meta);

#endif
