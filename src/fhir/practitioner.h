/*
 * practitioner.h — a FHIR R4 Practitioner (alone, or in a Bundle with its
 * PractitionerRole resources) read into the credential input of
 * clinical/credential.h. Knows FHIR JSON only: never the clock, SQL or HTTP.
 */
#ifndef PP_FHIR_PRACTITIONER_H
#define PP_FHIR_PRACTITIONER_H

#include <stddef.h>

#include "clinical/credential.h"
#include "util/err.h"

/* Code systems painpath reads (docs/cli-credential.md). */
#define PP_FHIR_QUAL_KIND_SYSTEM "urn:painpath:qualification-kind"     /* board|subspecialty|... */
#define PP_FHIR_SPECIALTY_SYSTEM "urn:painpath:specialty"              /* pain-medicine, ... */
#define PP_FHIR_PROCEDURE_SYSTEM "urn:painpath:procedure"              /* catalogue procedure ids */
#define PP_FHIR_FELLOWSHIP_MONTHS_URL "urn:painpath:fellowship-months" /* valueInteger */

/*
 * Read `len` bytes of `text` into `in` (initialised here). Accepted:
 *  - a Practitioner: qualification[].code (kind from PP_FHIR_QUAL_KIND_SYSTEM, specialty from
 *    PP_FHIR_SPECIALTY_SYSTEM), issuer (display, else identifier.value), identifier[0].value,
 *    period, and the PP_FHIR_FELLOWSHIP_MONTHS_URL extension;
 *  - a Bundle with one Practitioner and any PractitionerRole whose practitioner.reference is
 *    "Practitioner/<id>": each PP_FHIR_PROCEDURE_SYSTEM coding of PractitionerRole.code is a
 *    privilege valid over the role's period; roles with active false are skipped;
 *  - the documented plain JSON (no resourceType), via pp_credential_input_from_json.
 * Errors are PP_ERR_INPUT with "NAME: path" (e.g. "qualification[1].code") in d->where.
 * Borrows text.
 */
PP_MUST_CHECK enum pp_err pp_fhir_practitioner_read(const char *text, size_t len, const char *name,
                                                    struct pp_credential_input *in,
                                                    struct pp_diag *d);

#endif
