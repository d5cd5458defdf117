/*
 * triage.h — referral triage: who comes to the interventional pain clinic, how
 * soon, and who goes to emergency care or back to primary care first. Owns the
 * triage input (a referral with its answers) and the disposition. Pure: no I/O,
 * no clock; the documented JSON input is parsed from text the caller read.
 */
#ifndef PP_CLINICAL_TRIAGE_H
#define PP_CLINICAL_TRIAGE_H

#include <stdbool.h>
#include <stddef.h>

#include "clinical/finding.h"
#include "clinical/policy.h"
#include "util/date.h"
#include "util/err.h"

/* Who referred the patient (DESIGN.md "How patients arrive"). */
enum pp_referral_source {
    PP_REF_PRIMARY_CARE,
    PP_REF_SPINE_SURGEON, /* spine or orthopedic surgeon */
    PP_REF_NEUROLOGIST,
    PP_REF_RHEUMATOLOGIST,
    PP_REF_OTHER_SPECIALIST,
    PP_REF_SELF, /* the patient booked directly */
    PP_REF_COUNT
};

/* The pain's course since onset. UNKNOWN is read as not improving (the safe reading). */
enum pp_pain_course {
    PP_COURSE_UNKNOWN,
    PP_COURSE_IMPROVING,
    PP_COURSE_NOT_IMPROVING,
    PP_COURSE_WORSENING,
};

/* Conservative care (DESIGN.md "When to see the pain doctor"). */
enum pp_care {
    PP_CARE_REST,
    PP_CARE_ACTIVITY_CHANGE,
    PP_CARE_OTC_DRUGS,
    PP_CARE_PHYSICAL_THERAPY,
    PP_CARE_PRESCRIPTION_DRUGS,
    PP_CARE_COUNT
};

/* The patient's stance on spine surgery. */
enum pp_surgery_stance {
    PP_STANCE_UNKNOWN,
    PP_STANCE_WANTS,
    PP_STANCE_UNSURE,
    PP_STANCE_DOES_NOT_WANT, /* does not want (or, per the surgeon, need) surgery */
    PP_STANCE_NOT_CANDIDATE, /* a surgeon judged the patient not a surgical candidate */
};

/* A yes/no answer that may be missing. */
enum pp_answer {
    PP_ANSWER_UNKNOWN = 0,
    PP_ANSWER_NO,
    PP_ANSWER_YES,
};

/* Red-flag questions (CLINICAL-FACTS §5), grouped by category. */
enum pp_red_flag {
    /* cauda equina syndrome */
    PP_RF_URINARY_RETENTION,  /* urinary retention or overflow incontinence */
    PP_RF_FECAL_INCONTINENCE, /* new fecal incontinence or anal sphincter laxity */
    PP_RF_SADDLE_ANESTHESIA,
    PP_RF_BILATERAL_SCIATICA,
    PP_RF_BILATERAL_LEG_DEFICIT, /* severe or progressive bilateral lower-limb deficit */
    /* malignancy */
    PP_RF_CANCER_HISTORY,
    PP_RF_WEIGHT_LOSS, /* unexplained weight loss */
    /* infection */
    PP_RF_FEVER, /* fever or chills */
    PP_RF_IV_DRUG_USE,
    PP_RF_IMMUNOSUPPRESSION, /* steroids, transplant, HIV */
    /* fracture */
    PP_RF_MAJOR_TRAUMA,
    PP_RF_MINOR_TRAUMA_FRAGILE, /* minor trauma with osteoporosis or prolonged steroid use */
    /* severe or progressive neurological deficit */
    PP_RF_MAJOR_MOTOR_WEAKNESS, /* e.g. knee extension weakness, foot drop */
    PP_RF_PROGRESSIVE_DEFICIT,  /* progressive or multi-level deficit */
    PP_RF_COUNT
};

/* Everything the triage needs about one referral. */
struct pp_triage_input {
    enum pp_referral_source source;
    pp_day onset; /* required */
    enum pp_pain_course course;
    pp_day care_start[PP_CARE_COUNT]; /* PP_DAY_NONE: not tried */
    int nrs;                          /* 0-10, or -1 when not given */
    enum pp_answer blocks_rehab;      /* pain prevents home exercise or therapy */
    enum pp_answer red_flags[PP_RF_COUNT];
    enum pp_answer prior_imaging;    /* X-ray, CT or MRI of the painful region */
    enum pp_answer prior_specialist; /* seen by a spine/pain specialist for it */
    bool prior_surgery;              /* prior spine surgery */
    pp_day surgery_date;             /* its date (required when prior_surgery) */
    enum pp_surgery_stance stance;
};

/* Ordered: a higher value is more urgent. */
enum pp_disposition {
    PP_DISP_SELF_CARE,      /* self-care with a review date */
    PP_DISP_PRIMARY_CARE,   /* primary-care follow-up with a review date */
    PP_DISP_INTERVENTIONAL, /* interventional pain visit, ordinary queue */
    PP_DISP_EXPEDITED,      /* interventional pain visit, first available */
    PP_DISP_URGENT,         /* urgent care / prompt imaging, not a queue */
    PP_DISP_EMERGENCY,      /* emergency department now */
};

/* What to bring to the first visit (bits of pp_triage_result.bring). */
enum pp_bring {
    PP_BRING_PAIN_NOTES = 1u << 0,     /* prior pain notes and the medications tried */
    PP_BRING_SURGICAL_NOTES = 1u << 1, /* operative / surgical notes */
    PP_BRING_SCANS = 1u << 2,          /* the scans themselves (images) */
    PP_BRING_SCAN_REPORTS = 1u << 3,   /* the radiologist's reports */
};

struct pp_triage_result {
    enum pp_disposition disposition;
    pp_day review_date;   /* self-care / primary care: when to look again; else PP_DAY_NONE */
    unsigned bring;       /* enum pp_bring bits; 0 unless a pain-clinic visit is booked */
    unsigned candidacy;   /* bits 1u << enum pp_candidacy_category that apply */
    pp_day recovery_ends; /* after spine surgery still within the recovery period: its end */
};

/* Empty input: every answer unknown, no care tried, nrs -1, onset PP_DAY_NONE. */
void pp_triage_input_init(struct pp_triage_input *in);

/*
 * Check the input against `now`: onset present and not in the future, care
 * start dates not before onset nor after now, nrs within 0-10 or -1, surgery
 * date present, not after now, when prior_surgery. PP_ERR_INPUT with the JSON
 * field name (e.g. "conservative_care.physical_therapy") in d->where.
 */
PP_MUST_CHECK enum pp_err pp_triage_check(const struct pp_triage_input *in, pp_day now,
                                          struct pp_diag *d);

/*
 * Triage one referral at `now`: append every reason to `f` (TRIAGE-* and
 * CANDIDACY-* findings; strings owned by f's arena) and fill `out`. Borrows
 * `in` and `p`. Fails only as pp_triage_check does (nothing appended then).
 */
PP_MUST_CHECK enum pp_err pp_triage_evaluate(const struct pp_triage_input *in, pp_day now,
                                             const struct pp_policy *p, struct pp_findings *f,
                                             struct pp_triage_result *out, struct pp_diag *d);

/*
 * Parse the documented JSON input (docs/cli-triage.md) of `len` bytes into
 * `in` (which this initialises). `name` prefixes syntax-error positions. Bad
 * input is PP_ERR_INPUT with the field ("red_flags.saddle_anesthesia") in
 * d->where. Dates are checked against each other, not against a clock.
 */
PP_MUST_CHECK enum pp_err pp_triage_input_from_json(const char *text, size_t len, const char *name,
                                                    struct pp_triage_input *in, struct pp_diag *d);

/* JSON names of the enum values (static strings; "?" out of range). */
const char *pp_triage_disposition_name(enum pp_disposition d);
const char *pp_triage_source_name(enum pp_referral_source s);
const char *pp_triage_course_name(enum pp_pain_course c);
const char *pp_triage_care_name(enum pp_care c);
const char *pp_triage_stance_name(enum pp_surgery_stance s);
const char *pp_triage_red_flag_name(enum pp_red_flag r);
/* Plain-language text of a bring bit (one bit), e.g. "scan reports". */
const char *pp_triage_bring_label(unsigned bit);

/* The rule table of triage (static storage). */
struct cJSON;

/* A red-flag style answer from JSON: true (yes), false (no) or null (not asked). PP_ERR_INPUT
 * otherwise, with d->where = "<name>: <field>". */
PP_MUST_CHECK enum pp_err pp_triage_answer_from_json(const struct cJSON *v, enum pp_answer *out,
                                                     const char *name, const char *field,
                                                     struct pp_diag *d);

const struct pp_rule_info *pp_triage_rules(size_t *count);

#endif
