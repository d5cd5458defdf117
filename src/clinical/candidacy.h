/*
 * candidacy.h — is this patient a candidate for the interventional pain
 * clinic? The categories of DESIGN.md "Who is a candidate", read from the
 * triage input. Pure: no I/O, no clock; triage.c calls it.
 */
#ifndef PP_CLINICAL_CANDIDACY_H
#define PP_CLINICAL_CANDIDACY_H

#include <stdbool.h>
#include <stddef.h>

#include "clinical/finding.h"
#include "clinical/policy.h"
#include "clinical/triage.h"
#include "util/date.h"

enum pp_candidacy_category {
    PP_CAND_NO_WORKUP,             /* persistent pain, never worked up */
    PP_CAND_SURGERY_UNSURE,        /* unsure whether surgery is an option */
    PP_CAND_NO_SURGERY,            /* does not want or need surgery */
    PP_CAND_FAILED_NONSURGICAL,    /* conservative care failed, not a surgical candidate */
    PP_CAND_POST_SURGERY_RESIDUAL, /* residual pain after spine surgery, recovery over */
    PP_CAND_COUNT
};

struct pp_candidacy_result {
    unsigned categories;  /* bits 1u << enum pp_candidacy_category */
    pp_day recovery_ends; /* spine surgery still within the recovery period: the day it
                           * ends; PP_DAY_NONE otherwise */
};

/*
 * The candidacy categories that apply at `now`; each one found is appended to
 * `f` as a CANDIDACY-* finding (strings in f's arena), with the still-recovering
 * case as CANDIDACY-POST-SURGERY-RECOVERING. Borrows everything. The input must
 * have passed pp_triage_check (dates present and ordered).
 */
void pp_candidacy_evaluate(const struct pp_triage_input *in, pp_day now, const struct pp_policy *p,
                           struct pp_findings *f, struct pp_candidacy_result *out);

/* Days of conservative care at `now`: from the earliest start date; -1 when none tried. */
int pp_candidacy_care_days(const struct pp_triage_input *in, pp_day now);

/* JSON name of a category ("no_workup", ...); "?" out of range. */
const char *pp_candidacy_category_name(enum pp_candidacy_category c);

/* The rule table of candidacy (static storage). */
const struct pp_rule_info *pp_candidacy_rules(size_t *count);

#endif
