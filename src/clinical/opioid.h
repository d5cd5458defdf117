/*
 * opioid.h — the opioid-safety checks: CDC 2022 recommendations 1-12 as the
 * CDC opioid CDS defines them (CLINICAL-FACTS §1) and the practice's own
 * opioid policy, as findings. Pure: record + MME result + now + policy +
 * concept sets in, findings out; never reads a clock, a file or a global.
 */
#ifndef PP_CLINICAL_OPIOID_H
#define PP_CLINICAL_OPIOID_H

#include <stdbool.h>
#include <stddef.h>

#include "clinical/finding.h"
#include "clinical/mme.h"
#include "clinical/policy.h"
#include "clinical/record.h"
#include "clinical/terms.h"
#include "util/date.h"

/* The moment of care the checks run for (a CDS Hooks hook, or a chart review). */
enum pp_opioid_hook {
    PP_OPIOID_PATIENT_VIEW = 0, /* chart opened: the patient's current (active) orders */
    PP_OPIOID_ORDER_SELECT,     /* orders chosen, not yet signed: the draft orders */
    PP_OPIOID_ORDER_SIGN,       /* orders about to be signed: the draft orders */
};

/* Bits of enum pp_opioid_hook, for the rule table's `hooks`. */
#define PP_OPIOID_HOOK_BIT(h) (1u << (unsigned)(h))
#define PP_OPIOID_HOOKS_ORDER                                                                      \
    (PP_OPIOID_HOOK_BIT(PP_OPIOID_ORDER_SELECT) | PP_OPIOID_HOOK_BIT(PP_OPIOID_ORDER_SIGN))
#define PP_OPIOID_HOOKS_ALL (PP_OPIOID_HOOKS_ORDER | PP_OPIOID_HOOK_BIT(PP_OPIOID_PATIENT_VIEW))

/*
 * What is being decided. On the order hooks the medications being prescribed
 * are the record's draft orders (med->is_draft_order); when `order_ids` is
 * given (CDS Hooks `selections`, or the draft ids for a caller that does not
 * flag drafts) only the orders with those ids count. On patient-view every
 * current order (active status, not ended before `now`) is under review and
 * `order_ids` is ignored. Strings are borrowed.
 */
struct pp_opioid_context {
    enum pp_opioid_hook hook;
    const char *const *order_ids; /* bare ids ("abc") or "MedicationRequest/abc"; may be NULL */
    size_t n_order_ids;
};

/*
 * Run every rule whose hooks include ctx->hook and append its findings to `out`
 * (strings live in out's arena). `mme` must come from pp_mme_compute() on the
 * same record and `now`; `terms` gives the concept sets (cancer, hospice, urine
 * drug screens, PDMP review...). Everything is borrowed; nothing is kept.
 * Findings carry rule ids from pp_opioid_rules(); a patient outside the CDC
 * 2022 scope (under adult_age_years, sickle cell disease, active cancer,
 * hospice or end-of-life care) gets no CDC22-* finding except REC12 (opioid use
 * disorder, which the CDC CDS checks for every adult). Cannot fail.
 */
void pp_opioid_evaluate(const struct pp_record *r, pp_day now, const struct pp_policy *p,
                        const struct pp_terms *terms, const struct pp_mme_result *mme,
                        const struct pp_opioid_context *ctx, struct pp_findings *out);

/* One rule of the engine: its id, what it says, where the numbers come from. */
struct pp_opioid_rule {
    const char *id;          /* "CDC22-REC04", "PRACTICE-NO-LA" */
    const char *title;       /* short display (card topic) */
    const char *statement;   /* one sentence: when it fires and what it asks */
    const char *source;      /* CLINICAL-FACTS row(s) */
    const char *policy_keys; /* comma-separated struct pp_policy keys it reads, or "" */
    const char *url;         /* guideline link, or NULL */
    unsigned hooks;          /* PP_OPIOID_HOOK_BIT() set of the hooks it runs on */
};

/* The rule table (static, in evaluation order); *count receives its length. */
const struct pp_opioid_rule *pp_opioid_rules(size_t *count);

/* The rule with this id, or NULL. Static result. */
const struct pp_opioid_rule *pp_opioid_rule_find(const char *id);

/* "patient-view", "order-select", "order-sign". */
const char *pp_opioid_hook_name(enum pp_opioid_hook h);

/* The hook called `name` (CDS Hooks spelling); false when there is none. */
bool pp_opioid_hook_parse(const char *name, enum pp_opioid_hook *out);

#endif
