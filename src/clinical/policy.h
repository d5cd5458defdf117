/*
 * policy.h — every threshold painpath's rules use, as one struct with named
 * fields. Each field has a default that cites a CLINICAL-FACTS row (listed in
 * docs/CLINICAL-RULES.md) and can be overridden from a JSON object; an unknown
 * key is an error. Pure: the caller reads the file, this parses the text.
 */
#ifndef PP_CLINICAL_POLICY_H
#define PP_CLINICAL_POLICY_H

#include <stdbool.h>
#include <stddef.h>

#include "util/err.h"

enum pp_mme_table {
    PP_MME_TABLE_CDC2022 = 0, /* CDC 2022 clinical table (default) */
    PP_MME_TABLE_CDC2016 = 1, /* CDC 2016 clinical table (tiered methadone, hydromorphone 4) */
};

struct pp_policy {
    /* --- MME --- */
    enum pp_mme_table mme_table;
    double mme_caution;  /* MME/day at which to pause and reassess (>=) */
    double mme_high;     /* MME/day of the "taper now" wording (>=) */
    double naloxone_mme; /* MME/day at which naloxone should be offered (>=) */
    /* --- scope --- */
    int adult_age_years;        /* CDC 2022 applies to adults of at least this age */
    int cancer_encounter_count; /* oncology/cancer encounters that mark active cancer */
    int cancer_lookback_months;
    /* --- definitions --- */
    int acute_supply_days;   /* an order with fewer days' supply than this is acute */
    int naive_lookback_days; /* opioid-naive: no opioid in this many days ... */
    int naive_exclude_days;  /* ... excluding the most recent this many days */
    int rec07_window_days;   /* opioid on >= rec07_min_days of the last rec07_window_days */
    int rec07_min_days;
    int rec07_long_window_days; /* chronic-use proxy window (90 days) */
    int rec07_long_min_days;    /* opioid days within it */
    int rec07_reassess_days;    /* re-evaluation interval for long-term therapy */
    int pdmp_lookback_days;
    int uds_lookback_months;
    int cdc_acute_max_days; /* CDS: alert when an acute order exceeds this many days */
    /* --- practice policy --- */
    int practice_short_course_max_days; /* short-acting course for acute pain */
    double er_tolerance_morphine_mg;    /* ER/LA only after this daily oral morphine ... */
    double er_tolerance_oxycodone_mg;   /* ... or this daily oxycodone (or equivalent) */
    int er_tolerance_days;              /* ... for at least this many days */
    int early_refill_grace_days;        /* a refill this many days early still counts as on time */
    /* --- added for the opioid rules (REC10 urine drug testing) --- */
    int uds_rx_window_days;         /* a drug prescribed within this many days before a urine
                                     * test explains (or should appear in) its result */
    int uds_cannabinoid_unexpected; /* 1: a positive cannabinoid screen is an unexpected result */
    /* --- the modules' keys, one field per row of clinical/policy_<module>.def --- */
#define PP_POLICY_FIELD_INT int
#define PP_POLICY_FIELD_DOUBLE double
#define PP_POLICY_KEY(kind, field, ...) PP_POLICY_FIELD_##kind field;
#include "clinical/policy_modules.def"
#undef PP_POLICY_KEY
};

/* Fill `p` with the defaults (each cited in docs/CLINICAL-RULES.md). */
void pp_policy_init(struct pp_policy *p);

/*
 * Override fields from a JSON object of `len` bytes: {"mme_caution": 50, "mme_table": "cdc2016"}.
 * Unknown keys, wrong types and out-of-range values are PP_ERR_INPUT with the
 * key in d->where. `name` is used in positions of JSON syntax errors. On error
 * `p` is unchanged.
 */
PP_MUST_CHECK enum pp_err pp_policy_load_json(struct pp_policy *p, const char *text, size_t len,
                                              const char *name, struct pp_diag *d);

/* One row of the policy's self-description, for docs and `painpath policy`. */
struct pp_policy_key {
    const char *key;
    const char *unit;
    const char *source; /* CLINICAL-FACTS row */
    bool unconfirmed;   /* the sheet marks the number L or UNCONFIRMED */
    const char *meaning;
};

/* The number of keys, and key i (static; NULL past the end). */
size_t pp_policy_key_count(void);
const struct pp_policy_key *pp_policy_key_at(size_t i);

/* The value of a key as a double (mme_table: 2022 or 2016); false if no such key. */
bool pp_policy_get(const struct pp_policy *p, const char *key, double *out);

#endif
