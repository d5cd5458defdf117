/*
 * imaging.h — appropriateness of a low back or neck imaging order against
 * CLINICAL-FACTS §5 (ACR Appropriateness Criteria Low Back Pain 2021 variants
 * 1-7, ACP, NICE; the neck-specific row): the variant, the sheet's rating for
 * the modality, the urgency and every reason. Pure: no I/O, no clock.
 */
#ifndef PP_CLINICAL_IMAGING_H
#define PP_CLINICAL_IMAGING_H

#include <stdbool.h>
#include <stddef.h>

#include "clinical/finding.h"
#include "clinical/policy.h"
#include "clinical/triage.h" /* enum pp_answer, enum pp_red_flag: the §5 red-flag features */
#include "util/date.h"
#include "util/err.h"

enum pp_img_region { PP_IMG_LUMBAR, PP_IMG_CERVICAL, PP_IMG_REGION_COUNT };

enum pp_img_modality {
    PP_IMG_XRAY,
    PP_IMG_CT,
    PP_IMG_MRI_WITHOUT,      /* MRI without IV contrast */
    PP_IMG_MRI_WITH,         /* MRI with IV contrast */
    PP_IMG_MRI_WITH_WITHOUT, /* MRI without and with IV contrast */
    PP_IMG_MODALITY_COUNT
};

/* Neck-specific red flags (CLINICAL-FACTS §5 "Neck-specific", L). */
enum pp_img_neck_flag {
    PP_NECK_MYELOPATHY,       /* gait change, hand clumsiness, Hoffmann, hyperreflexia */
    PP_NECK_DISSECTION,       /* cervical artery dissection features */
    PP_NECK_HIGH_RISK_TRAUMA, /* Canadian C-spine rule: age >= 65, dangerous mechanism,
                               * limb paresthesias */
    PP_NECK_FLAG_COUNT
};

struct pp_imaging_input {
    enum pp_img_region region;
    enum pp_img_modality modality;
    pp_day onset;              /* required: when the pain began */
    pp_day conservative_start; /* start of optimal conservative management; PP_DAY_NONE: none */
    enum pp_answer candidate;  /* candidate for surgery or intervention (e.g. ESI) */
    enum pp_answer improving;  /* symptoms improving (not persistent or progressive) */
    enum pp_answer prior_surgery_new_symptoms; /* prior lumbar surgery, new or progressive
                                                * symptoms */
    enum pp_answer red_flags[PP_RF_COUNT];     /* the triage red-flag features (§5) */
    enum pp_answer neck_flags[PP_NECK_FLAG_COUNT];
};

/* The sheet's rating of the ordered modality for the matched variant. */
enum pp_img_rating {
    PP_RATING_NOT_RATED, /* "not rated by the sheet" */
    PP_RATING_USUALLY_APPROPRIATE,
    PP_RATING_MAY_BE_APPROPRIATE, /* never produced today: §5 states no such rating */
    PP_RATING_USUALLY_NOT_APPROPRIATE,
};

/* What to do with the order. */
enum pp_img_verdict {
    PP_VERDICT_APPROPRIATE,
    PP_VERDICT_NOT_APPROPRIATE, /* usually not appropriate: do not image now */
    PP_VERDICT_REVIEW,          /* the sheet does not decide: specialist judgement */
    PP_VERDICT_URGENT,          /* red flag: image now on the urgent pathway */
};

enum pp_img_urgency { PP_URGENCY_ROUTINE, PP_URGENCY_URGENT, PP_URGENCY_EMERGENCY };

struct pp_imaging_result {
    int acr_variant; /* 1-7, 0 when no ACR Low Back Pain variant applies */
    enum pp_img_rating rating;
    enum pp_img_verdict verdict;
    enum pp_img_urgency urgency;
    const char *preferred;  /* the study §5 names for the matched case (static), or NULL */
    int pain_weeks;         /* whole weeks since onset */
    int conservative_weeks; /* whole weeks of conservative management, -1 when none */
    pp_day review_date;     /* when conservative care reaches img_conservative_weeks, or NONE */
};

/* Empty input: lumbar, MRI without contrast, onset PP_DAY_NONE, every answer unknown. */
void pp_imaging_input_init(struct pp_imaging_input *in);

/*
 * Evaluate one order at `now`: append every reason (IMG-* findings; strings in f's arena) and
 * fill `out`. Borrows `in` and `p`. PP_ERR_INPUT (field in d->where) when onset is missing or
 * after now, or conservative_start is before onset or after now.
 */
PP_MUST_CHECK enum pp_err pp_imaging_evaluate(const struct pp_imaging_input *in, pp_day now,
                                              const struct pp_policy *p, struct pp_findings *f,
                                              struct pp_imaging_result *out, struct pp_diag *d);

/*
 * Parse the documented JSON (docs/cli-imaging.md) of `len` bytes into `in` (initialised here).
 * `name` prefixes positions. PP_ERR_INPUT with the field ("red_flags.fever") in d->where.
 */
PP_MUST_CHECK enum pp_err pp_imaging_input_from_json(const char *text, size_t len, const char *name,
                                                     struct pp_imaging_input *in,
                                                     struct pp_diag *d);

/* JSON names (static; "?" out of range). */
const char *pp_imaging_region_name(enum pp_img_region r);
const char *pp_imaging_modality_name(enum pp_img_modality m);
const char *pp_imaging_neck_flag_name(enum pp_img_neck_flag n);
const char *pp_imaging_rating_name(enum pp_img_rating r);
/* "Usually appropriate", ..., "not rated by the sheet". */
const char *pp_imaging_rating_text(enum pp_img_rating r);
const char *pp_imaging_verdict_name(enum pp_img_verdict v);
const char *pp_imaging_urgency_name(enum pp_img_urgency u);

/* The rule table of imaging (static storage). */
const struct pp_rule_info *pp_imaging_rules(size_t *count);

#endif
