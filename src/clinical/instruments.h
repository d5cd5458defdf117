/*
 * instruments.h — scoring, bands and missing-item rules of the pain practice's
 * questionnaires (NRS, PEG, PHQ-2/9, GAD-2/7, BPI-SF, ODI, NDI, ORT, ORT-OUD,
 * STarT Back; CLINICAL-FACTS §0, §4, §6.1) and responder status between two
 * scores. Pure: answers + policy in, a score and findings out; no I/O.
 */
#ifndef PP_CLINICAL_INSTRUMENTS_H
#define PP_CLINICAL_INSTRUMENTS_H

#include <stdbool.h>
#include <stddef.h>

#include "clinical/finding.h"
#include "clinical/policy.h"
#include "util/err.h"

enum pp_instrument {
    PP_INSTR_NRS = 0,
    PP_INSTR_PEG,
    PP_INSTR_PHQ2,
    PP_INSTR_PHQ9,
    PP_INSTR_GAD2,
    PP_INSTR_GAD7,
    PP_INSTR_BPI,
    PP_INSTR_ODI,
    PP_INSTR_NDI,
    PP_INSTR_ORT,
    PP_INSTR_ORT_OUD,
    PP_INSTR_STARTBACK,
    PP_INSTR_COUNT
};

/* Items per instrument, at most (BPI-SF: 4 severity + 7 interference + relief). */
#define PP_INSTR_MAX_ITEMS 12

/* Sex, for the Opioid Risk Tool's sex-specific weights (CLINICAL-FACTS §4.6). */
enum pp_instr_sex { PP_INSTR_SEX_UNKNOWN = 0, PP_INSTR_SEX_FEMALE, PP_INSTR_SEX_MALE };

/* One item of an instrument (static data). */
struct pp_instrument_item {
    const char *id;    /* the item id / QuestionnaireResponse linkId: "1", "9a", "family_rx" */
    const char *name;  /* short English name ("self-harm", "lifting") */
    const char *text;  /* published wording, only for free instruments; NULL otherwise */
    const char *loinc; /* item LOINC where CLINICAL-FACTS gives one, else NULL */
    int min, max;      /* accepted answer range (integers) */
    int step;          /* answers must be multiples of this (BPI relief: 10); 0 or 1 = any */
    bool scored;       /* false: asked but not part of any score (PHQ-9 item 10, BPI relief) */
};

/* An instrument's self-description (static data). */
struct pp_instrument_def {
    enum pp_instrument id;
    const char *key;   /* command-line name: "phq9", "ort-oud", "startback" */
    const char *title; /* "PHQ-9" */
    const struct pp_instrument_item *items;
    size_t n_items;
    const char *total_name;  /* "total", "ODI %", "severity" */
    const char *total_unit;  /* UCUM unit of the total: "{score}" or "%" */
    double total_max;        /* the total runs from 0 to this (PHQ-9 27, ODI 100) */
    const char *total_loinc; /* LOINC of the total, NULL where the sheet says unconfirmed */
    const char *panel_loinc; /* LOINC panel, or NULL */
    const char *loinc_note;  /* why total_loinc is NULL, else NULL */
    const char *sub_name;    /* second score (BPI interference, STarT Back subscale) or NULL */
    const char *sub_loinc;   /* its LOINC, or NULL */
    const char *stem;        /* item stem for free instruments, else NULL */
    const char *options; /* answer options for free instruments ("0 = Not at all, ..."), or NULL */
    bool item_text_shipped; /* item wording included (free to redistribute) */
    const char *licence;    /* CLINICAL-FACTS licence row, one line */
    const char *source;     /* CLINICAL-FACTS scoring row */
};

/* The table of every instrument (static; `*count` set to PP_INSTR_COUNT). */
const struct pp_instrument_def *pp_instrument_defs(size_t *count);
/* Look an instrument up by key ("phq9", "PHQ-9", "ort_oud" all work); NULL if unknown. */
const struct pp_instrument_def *pp_instrument_find(const char *key);
/* Item `id` of `def`; its index in *index. NULL if the instrument has no such item. */
const struct pp_instrument_item *pp_instrument_item(const struct pp_instrument_def *def,
                                                    const char *id, size_t *index);

/* A patient's answers to one instrument; item values indexed like def->items. */
struct pp_instrument_answers {
    const struct pp_instrument_def *def; /* borrowed static */
    int value[PP_INSTR_MAX_ITEMS];
    bool answered[PP_INSTR_MAX_ITEMS];
    enum pp_instr_sex sex; /* ORT only */
};

/* Start an empty answer set for `def` (static, borrowed). */
void pp_instrument_answers_init(struct pp_instrument_answers *a,
                                const struct pp_instrument_def *def);

/*
 * Record the answer `value` for item `item_id`. PP_ERR_INPUT when the item id is
 * unknown, the value is not a whole number or is outside the item's range, or the
 * item was already answered; d->where is the item id, d->what says why (the caller
 * prefixes its JSON path).
 */
PP_MUST_CHECK enum pp_err pp_instrument_answers_set(struct pp_instrument_answers *a,
                                                    const char *item_id, double value,
                                                    struct pp_diag *d);

/* The result of scoring. Strings are static. */
struct pp_instrument_score {
    const struct pp_instrument_def *def;
    double total;       /* the main score (NRS value, PEG mean, PHQ total, ODI %, BPI severity) */
    double sub;         /* BPI interference or STarT Back psychosocial subscale; NAN if none */
    const char *band;   /* severity band / risk group, or NULL (PEG and NRS have none) */
    size_t n_answered;  /* scored items answered */
    size_t n_scored;    /* scored items in the instrument */
    size_t n_imputed;   /* NDI items filled with the mean of the others */
    size_t n_skipped;   /* ODI sections dropped from the denominator, BPI items missing */
    bool total_is_mean; /* the total is a mean or a percentage, not a whole-number sum */
};

/*
 * Score answers `a` under policy `p`. Findings for flags (PHQ-9 item 9 -> safety
 * assessment, positive screens, high risk, prorated or imputed scores, no LOINC)
 * are appended to `f`, which the caller owns. PP_ERR_INPUT, naming the first
 * missing item in d->where, when more items are missing than the instrument's
 * rule allows (ORT also needs the sex: d->where "sex"). `out` is written only on
 * success.
 */
PP_MUST_CHECK enum pp_err pp_instrument_score(const struct pp_instrument_answers *a,
                                              const struct pp_policy *p,
                                              struct pp_instrument_score *out,
                                              struct pp_findings *f, struct pp_diag *d);

/* Responder status between two scores of one instrument (lower is better for all). */
enum pp_responder {
    PP_RESPONDER_YES,      /* improved by at least the MCID */
    PP_RESPONDER_NO,       /* changed by less than the MCID either way */
    PP_RESPONDER_WORSENED, /* worsened by at least the MCID */
};

struct pp_instrument_change {
    double baseline, followup;
    double change_points; /* followup - baseline (negative = better) */
    double change_pct;    /* 100 * (followup - baseline) / baseline; NAN when baseline is 0 */
    double mcid_points;   /* the MCID in points, NAN when only a percentage applies */
    double mcid_pct;      /* the MCID as % of baseline, NAN when only points apply */
    bool require_both;    /* NRS with instr_mcid_nrs_require_both */
    bool mcid_unconfirmed;
    const char *mcid_source; /* CLINICAL-FACTS row */
    enum pp_responder status;
};

/*
 * Compare a baseline and a follow-up score (the instrument's total) using the MCID
 * of policy `p`. PP_ERR_UNSUPPORTED when the sheet gives no MCID for the
 * instrument (d says so); PP_ERR_INPUT when a score is outside the instrument's
 * range (d->where "baseline" or "followup"). Adds one INSTR-RESPONDER finding to `f`.
 */
PP_MUST_CHECK enum pp_err pp_instrument_compare(const struct pp_instrument_def *def,
                                                double baseline, double followup,
                                                const struct pp_policy *p,
                                                struct pp_instrument_change *out,
                                                struct pp_findings *f, struct pp_diag *d);

/* "responder", "no meaningful change", "worsened". */
const char *pp_responder_name(enum pp_responder r);
/* "female", "male", "unknown". */
const char *pp_instr_sex_name(enum pp_instr_sex s);

/* The module's rule table (static storage). */
const struct pp_rule_info *pp_instruments_rules(size_t *count);

#endif
