/*
 * summary.h — the pain management summary (the content of the AHRQ CDS
 * Connect Pain Management Summary, CLINICAL-FACTS S46): chronic-pain
 * conditions, risk factors for opioid-related harm, pain / PEG / STarT Back
 * history, treatments, MME, urine drug screens, benzodiazepines, naloxone and
 * risk screenings, each section filtered by its look-back window at `now`.
 * Pure: record + now + policy + concept sets in, a summary struct out.
 */
#ifndef PP_CLINICAL_SUMMARY_H
#define PP_CLINICAL_SUMMARY_H

#include <stdbool.h>
#include <stddef.h>

#include "clinical/drugs.h"
#include "clinical/finding.h"
#include "clinical/policy.h"
#include "clinical/record.h"
#include "clinical/terms.h"

/* The sections of the summary, in display order. */
enum pp_summary_section {
    PP_SUM_CHRONIC_PAIN_CONDITIONS, /* conditions associated with chronic pain */
    PP_SUM_RISK_FACTORS,            /* risk factors for opioid-related harms */
    PP_SUM_PAIN_INTENSITY,          /* numeric pain intensity assessments */
    PP_SUM_PEG,                     /* PEG assessments (mean score + the three items) */
    PP_SUM_STARTBACK,               /* STarT Back totals */
    PP_SUM_OPIOIDS,                 /* opioid pain medications */
    PP_SUM_NON_OPIOIDS,             /* non-opioid pain medications */
    PP_SUM_NON_PHARM,               /* non-pharmacologic treatments (procedures, referrals) */
    PP_SUM_LAXATIVES,               /* stool softeners and laxatives */
    PP_SUM_MME,                     /* most recent recorded MME observation (0 or 1 item) */
    PP_SUM_UDS,                     /* urine drug screens */
    PP_SUM_BENZODIAZEPINES,         /* benzodiazepine medications */
    PP_SUM_NALOXONE,                /* naloxone medications */
    PP_SUM_SCREENINGS,              /* PHQ-2/9, GAD-7, AUDIT(-C), DAST-10, ORT totals */
    PP_SUM_COUNT
};

/* "conditions_associated_with_chronic_pain", "risk_factors", ... (the JSON keys). */
const char *pp_summary_section_key(enum pp_summary_section s);

/* Where an item came from. */
enum pp_summary_source {
    PP_SUMSRC_CONDITION,
    PP_SUMSRC_ENCOUNTER_DIAGNOSIS, /* a Condition of category encounter-diagnosis */
    PP_SUMSRC_AGE,                 /* the "65 years or older" risk factor */
    PP_SUMSRC_OBSERVATION,
    PP_SUMSRC_REQUEST,   /* MedicationRequest */
    PP_SUMSRC_STATEMENT, /* MedicationStatement (or MedicationDispense) */
    PP_SUMSRC_PROCEDURE,
    PP_SUMSRC_SERVICE_REQUEST,
};

/* "Condition", "Encounter", "Age", "Observation", "Request", "Statement", "Procedure",
 * "ServiceRequest". */
const char *pp_summary_source_name(enum pp_summary_source s);

/* Risk-factor kinds (bits of pp_summary_item.risk and pp_summary.risk_flags). */
#define PP_SUMRISK_DEPRESSION (1u << 0)
#define PP_SUMRISK_ANXIETY (1u << 1)
#define PP_SUMRISK_SUBSTANCE_USE (1u << 2)
#define PP_SUMRISK_SUICIDE_ATTEMPT (1u << 3)
#define PP_SUMRISK_SLEEP_BREATHING (1u << 4)
#define PP_SUMRISK_RENAL (1u << 5)
#define PP_SUMRISK_HEPATIC (1u << 6)
#define PP_SUMRISK_PREGNANCY (1u << 7)
#define PP_SUMRISK_AGE_65 (1u << 8)
#define PP_SUMRISK_BENZODIAZEPINE (1u << 9)  /* a benzodiazepine in its window */
#define PP_SUMRISK_HIGH_MME (1u << 10)       /* computed or recorded MME/day >= naloxone_mme */
#define PP_SUMRISK_ALCOHOL_SCREEN (1u << 11) /* an AUDIT / AUDIT-C total in its window */
#define PP_SUMRISK_DRUG_SCREEN (1u << 12)    /* a DAST-10 total in its window */

/* "depression", "anxiety", ... for one bit; NULL for anything else. */
const char *pp_summary_risk_name(unsigned bit);

/* PEG items, in the reference's order. */
enum pp_peg_item { PP_PEG_PAIN, PP_PEG_ENJOYMENT, PP_PEG_ACTIVITY, PP_PEG_N };

/* One line of a section. Strings are borrowed from the record (or static). */
struct pp_summary_item {
    enum pp_summary_source source;
    const char *id;     /* resource id, or NULL */
    const char *name;   /* concept label (text, else first display, else code) */
    const char *code;   /* first code, or NULL */
    const char *status; /* clinical status / resource status, or NULL */
    pp_day date;        /* onset, visit start, effective, authored, performed (or NONE) */
    pp_day recorded;    /* Condition.recordedDate (or NONE) */
    bool has_value;
    double value; /* score, MME/day, result */
    const char *unit;
    const char *value_text;     /* valueString / valueCodeableConcept label, or NULL */
    const char *interpretation; /* first interpretation label, or NULL */
    bool has_item[PP_PEG_N];    /* PEG only */
    double item[PP_PEG_N];
    unsigned risk; /* PP_SUMRISK_* bits (risk factors) */
};

struct pp_summary_list {
    struct pp_summary_item *items; /* sorted by date, newest first */
    size_t n, alloc;
};

/* The whole summary. Owns its item arrays; release with pp_summary_release. */
struct pp_summary {
    pp_day now;
    int age;    /* years on `now`; -1 when the birth date is unknown */
    bool adult; /* age >= summary_adult_age */
    bool has_chronic_pain_condition;
    bool recent_opioid;   /* opioid order/statement within summary_inclusion_med_days */
    bool recent_adjuvant; /* adjuvant analgesic within summary_inclusion_med_days */
    bool meets_inclusion; /* adult and any of the three above (S46 inclusion) */
    struct pp_summary_list sections[PP_SUM_COUNT];
    double computed_mme; /* total MME/day of active opioid orders (clinical/mme.h); NAN if none */
    bool computed_mme_complete; /* false when an active opioid order had no computable MME */
    unsigned risk_flags;        /* union of PP_SUMRISK_* found */
};

void pp_summary_init(struct pp_summary *s);
void pp_summary_release(struct pp_summary *s);

/*
 * Build the summary of `r` on day `now` with the windows of `p` (summary_* keys and
 * naloxone_mme). `terms` (concept sets; may be NULL for the built-in codes only) and
 * `codes` (drug classes from value sets; may be NULL) extend the built-in tables. The
 * result borrows strings from `r`: release it before `r`. Errors: none from data (an
 * element without the date its window needs is left out, as the reference does);
 * PP_MUST_CHECK kept for the MME computation it calls.
 */
PP_MUST_CHECK enum pp_err pp_summary_build(const struct pp_record *r, pp_day now,
                                           const struct pp_policy *p, const struct pp_terms *terms,
                                           const struct pp_drug_codes *codes, struct pp_summary *s);

/*
 * Findings from a built summary: SUMMARY-INCLUSION (info, when the patient is outside the
 * summary's population), one SUMMARY-RISK-* warning per risk factor found, and
 * SUMMARY-HIGH-MME (warning). Appends to `f` (caller-owned).
 */
void pp_summary_findings(const struct pp_summary *s, const struct pp_policy *p,
                         struct pp_findings *f);

/* The rule table (static storage). */
const struct pp_rule_info *pp_summary_rules(size_t *count);

#endif
