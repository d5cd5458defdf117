/*
 * valueset.h — FHIR ValueSet resources loaded at run time (`--valuesets DIR`):
 * their codes go into the concept-set registry (clinical/terms.h) and, for
 * medication value sets, into the RxNorm class registry (clinical/drugs.h).
 * Reads files and JSON; never SQL, HTTP or the clock.
 */
#ifndef PP_FHIR_VALUESET_H
#define PP_FHIR_VALUESET_H

#include <stddef.h>

#include <cjson/cJSON.h>

#include "clinical/drugs.h"
#include "clinical/terms.h"
#include "util/err.h"

/* What a load added. Counts accumulate over calls (zero it first). */
struct pp_fhir_valueset_report {
    size_t files;        /* files read by pp_fhir_valuesets_load_dir */
    size_t sets_loaded;  /* value sets painpath knows, whose codes were added */
    size_t sets_unknown; /* well-formed value sets painpath has no use for: ignored */
    size_t term_codes;   /* codes added to the concept-set registry */
    size_t drug_codes;   /* RxNorm codes added to the drug-class registry */
};

/*
 * The PP_DRUG_* class bits a medication value set stands for (matched on the last path
 * segment of its url or on its file name, ".json" ignored), 0 when it is not one.
 * E.g. "benzodiazepine-medications" -> PP_DRUG_BENZODIAZEPINE.
 */
uint32_t pp_fhir_valueset_drug_classes(const char *url_or_name);

/*
 * Add the codes of ValueSet `vs` (borrowed; or a Bundle of ValueSets): expansion.contains[]
 * (nested contains included), or compose.include[].concept[] when there is no expansion.
 * A set known to clinical/terms.h (pp_terms_bits_for_valueset on its url, else on `name`)
 * adds (system, code, bits) to `terms`; a medication set (pp_fhir_valueset_drug_classes)
 * adds its RxNorm codes to `drugs`; others are counted as unknown. `terms` or `drugs` may
 * be NULL to skip that kind. `name` (a file name, may be NULL) prefixes d->where.
 * Errors: PP_ERR_INPUT when it is not a ValueSet, a member has the wrong JSON type, or an
 * RxNorm code in a medication set is not an RXCUI (where = "expansion.contains[4].code");
 * nothing of that value set is added then. PP_ERR_LIMIT when a registry is full.
 */
PP_MUST_CHECK enum pp_err pp_fhir_valueset_load(const cJSON *vs, const char *name,
                                                struct pp_terms *terms, struct pp_drug_codes *drugs,
                                                struct pp_fhir_valueset_report *rep,
                                                struct pp_diag *d);

/*
 * Every *.json below `dir` (sorted, as pp_fhir_list_dir), each through
 * pp_fhir_valueset_load. Stops at the first bad file (d names it: "dir/x.json:url");
 * sets from earlier files stay added. PP_ERR_IO when the directory or a file cannot be read.
 */
PP_MUST_CHECK enum pp_err pp_fhir_valuesets_load_dir(const char *dir, struct pp_terms *terms,
                                                     struct pp_drug_codes *drugs,
                                                     struct pp_fhir_valueset_report *rep,
                                                     struct pp_diag *d);

#endif
