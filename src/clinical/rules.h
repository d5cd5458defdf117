/*
 * rules.h — the list of every module's rule table (struct pp_rule_info), so
 * that `painpath rules`, docs/CLINICAL-RULES.md and the tests see one list.
 * The opioid engine's own table (clinical/opioid.h) carries hooks and is
 * listed separately.
 */
#ifndef PP_CLINICAL_RULES_H
#define PP_CLINICAL_RULES_H

#include <stddef.h>

#include "clinical/finding.h"

/* One module's rule table and the prefix every one of its rule ids starts with. */
struct pp_rule_module {
    const char *module;    /* "triage" */
    const char *id_prefix; /* "TRIAGE-" */
    const struct pp_rule_info *(*rules)(size_t *count);
};

/* The modules in the order docs/CLINICAL-RULES.md lists them (static); *count its length. */
const struct pp_rule_module *pp_rule_modules(size_t *count);

#endif
