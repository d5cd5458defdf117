/*
 * mme.h — morphine milligram equivalents per order and per patient, exactly,
 * per CLINICAL-FACTS §1.2 (2022 clinical table by default, the 2016 table as a
 * named alternative, never mixed). An order whose MME cannot be computed gets
 * a status and a reason, never 0. Pure: record + now + policy in, result out.
 */
#ifndef PP_CLINICAL_MME_H
#define PP_CLINICAL_MME_H

#include <stdbool.h>
#include <stddef.h>

#include "clinical/drugs.h"
#include "clinical/policy.h"
#include "clinical/record.h"

enum pp_mme_status {
    PP_MME_COUNTED,      /* active opioid order with a computed MME/day, in the total */
    PP_MME_EXCLUDED,     /* an opioid the guideline leaves out of the total (buprenorphine) */
    PP_MME_NO_DOSAGE,    /* no usable dose, frequency or period: MME unknown */
    PP_MME_NO_FACTOR,    /* opioid without a conversion factor in the chosen table */
    PP_MME_UNKNOWN_DRUG, /* the medication could not be identified at all */
    PP_MME_NOT_ACTIVE,   /* the order is not active on `now` */
};

/* "counted", "excluded", "no-dosage", "no-conversion-factor", "unknown-drug", "not-active". */
const char *pp_mme_status_name(enum pp_mme_status s);

/* One medication of the record as the opioid rules see it. */
struct pp_med_info {
    const struct pp_medication *med; /* borrowed from the record */
    bool identified;                 /* drug parsed from its name or code */
    struct pp_drug drug;             /* valid when identified */
    unsigned classes;                /* PP_DRUG_* bits (from the drug and from loaded value sets) */
    bool opioid;                     /* an opioid analgesic (incl. buprenorphine, methadone) */
    bool long_acting;                /* ER/LA */
    bool active;                     /* active on `now` */
    double days_supply;              /* days' supply if known or derivable, else -1 */
    pp_day start;                    /* first day of use (authored / period start) */
    pp_day end_of_supply;            /* start + days' supply (PP_DAY_NONE if unknown) */
};

/* One opioid order's MME. */
struct pp_mme_order {
    const struct pp_medication *med; /* borrowed */
    size_t info_index;               /* index into pp_mme_result.meds */
    enum pp_mme_status status;
    double daily_dose;           /* per day in daily_dose_unit; NAN when unknown */
    const char *daily_dose_unit; /* "mg/d", "mcg/h" (patches), static string */
    double factor;               /* conversion factor; NAN when none */
    double mme_per_day;          /* NAN unless status is COUNTED */
    /* What the order's dosage amounts to whether or not it is active (NAN when it cannot be
     * computed): lets the rules see past courses, e.g. for opioid tolerance. Never totalled. */
    double dose_mme_per_day;
    double dose_daily_dose; /* in daily_dose_unit */
    char reason[200];       /* why not counted, or how it was computed */
};

struct pp_mme_result {
    struct pp_med_info *meds; /* every medication of the record, classified */
    size_t n_meds;
    struct pp_mme_order *orders; /* every opioid order (one per opioid medication) */
    size_t n_orders;
    double total; /* sum of counted orders, rounded to 2 decimals; NAN when none counted */
    bool any_counted;
    bool complete; /* false when an active opioid order could not be computed */
};

void pp_mme_result_init(struct pp_mme_result *res);
void pp_mme_result_release(struct pp_mme_result *res);

/*
 * Classify every medication of `r` and compute MME for each opioid one on day
 * `now` using `p` (table choice) and `codes` (run-time value-set classes; may
 * be NULL). The result borrows from `r`; release it before `r`.
 * Errors: none from data (bad data becomes statuses); PP_OK always today,
 * PP_MUST_CHECK kept for future table-loading failures.
 */
PP_MUST_CHECK enum pp_err pp_mme_compute(const struct pp_record *r, pp_day now,
                                         const struct pp_policy *p,
                                         const struct pp_drug_codes *codes,
                                         struct pp_mme_result *res);

/*
 * Conversion factor for one opioid ingredient: `transdermal` selects the
 * fentanyl patch factor (per mcg/h); `daily_mg` matters only for the 2016
 * tiered methadone table. NAN when the table has no factor for it.
 */
double pp_mme_factor(enum pp_drug_opioid opioid, bool transdermal, double daily_mg,
                     enum pp_mme_table table);

/* Daily amount of a dosage in dose units (tablets, mg, mL, patches) per day; NAN if unknown. */
double pp_dosage_daily_amount(const struct pp_dosage *d);

#endif
