/*
 * careplan.h — the multimodal plan (DESIGN.md "Multimodal plan"): from a
 * patient's diagnoses, scores and opioid findings, propose rehabilitation,
 * pain psychology, non-opioid medication with contraindication checks,
 * interventions from the procedure catalogue, surgical referral, function
 * goals, follow-up and the practice's opioid stance, as PLAN-* findings.
 * Pure: record + now + policy in; never a clock, a file or a global.
 */
#ifndef PP_CLINICAL_CAREPLAN_H
#define PP_CLINICAL_CAREPLAN_H

#include <stdbool.h>
#include <stddef.h>

#include "clinical/drugs.h"
#include "clinical/finding.h"
#include "clinical/policy.h"
#include "clinical/record.h"
#include "clinical/terms.h"
#include "util/date.h"
#include "util/err.h"

/* Diagnosis groups the plan reasons about, as bits (docs/rules-careplan.md lists the codes). */
enum pp_plan_dx {
    PP_PLAN_DX_RADICULAR = 1u << 0,          /* radicular pain / radiculopathy / sciatica */
    PP_PLAN_DX_RADICULAR_CERVICAL = 1u << 1, /* ... at a cervical level (set with RADICULAR) */
    PP_PLAN_DX_RADICULAR_THORACIC = 1u << 2, /* ... at a thoracic level (set with RADICULAR) */
    PP_PLAN_DX_AXIAL_LUMBAR = 1u << 3,       /* axial low back pain */
    PP_PLAN_DX_AXIAL_CERVICAL = 1u << 4,     /* axial neck pain */
    PP_PLAN_DX_FACET = 1u << 5,              /* facet arthropathy / spondylosis (lumbar) */
    PP_PLAN_DX_FACET_CERVICAL = 1u << 6,     /* ... cervical (set with FACET) */
    PP_PLAN_DX_SI_JOINT = 1u << 7,           /* sacroiliac joint pain / sacroiliitis */
    PP_PLAN_DX_CRPS = 1u << 8,               /* complex regional pain syndrome I or II */
    PP_PLAN_DX_CRPS_UPPER = 1u << 9,         /* ... of an upper limb (set with CRPS) */
    PP_PLAN_DX_CRPS_LOWER = 1u << 10,        /* ... of a lower limb (set with CRPS) */
    PP_PLAN_DX_KNEE_OA = 1u << 11,           /* osteoarthritis of the knee */
    PP_PLAN_DX_NEUROPATHIC = 1u << 12,       /* neuropathic pain, incl. diabetic neuropathy */
    PP_PLAN_DX_POST_LAMINECTOMY = 1u << 13,  /* post-laminectomy / failed back surgery */
    PP_PLAN_DX_FIBROMYALGIA = 1u << 14,
    PP_PLAN_DX_MIGRAINE = 1u << 15,
    PP_PLAN_DX_STENOSIS = 1u << 16, /* lumbar spinal stenosis (neurogenic claudication) */
    /* Not pain diagnoses: what the plan must check against. */
    PP_PLAN_DX_CKD = 1u << 17,          /* chronic kidney disease (NSAIDs) */
    PP_PLAN_DX_GI_BLEED = 1u << 18,     /* GI bleeding or peptic ulcer (NSAIDs) */
    PP_PLAN_DX_LIVER = 1u << 19,        /* liver disease or alcohol use (acetaminophen) */
    PP_PLAN_DX_URGENT_NEURO = 1u << 20, /* cauda equina, myelopathy, progressive deficit */
    PP_PLAN_DX_SERIOUS = 1u << 21,      /* suspected cancer, infection or fracture of the spine */
};

/* Every pain-diagnosis bit (RADICULAR .. STENOSIS), without the checks that follow them. */
#define PP_PLAN_DX_PAIN_ALL ((1u << 17) - 1u)

/* The kind of a proposed activity (how `painpath plan` writes it into a FHIR CarePlan). */
enum pp_plan_kind {
    PP_PLAN_KIND_REHAB,      /* physical therapy / rehabilitation (ServiceRequest) */
    PP_PLAN_KIND_PSYCHOLOGY, /* pain psychology (ServiceRequest) */
    PP_PLAN_KIND_MEDICATION, /* a non-opioid medicine (MedicationRequest) */
    PP_PLAN_KIND_PROCEDURE,  /* an intervention from clinical/procedures.h (ServiceRequest) */
    PP_PLAN_KIND_REFERRAL,   /* surgical or specialist referral, work-up (ServiceRequest) */
    PP_PLAN_KIND_GOAL,       /* a function goal (Goal) */
    PP_PLAN_KIND_FOLLOWUP,   /* a follow-up visit (Appointment) */
    PP_PLAN_KIND_OPIOID,     /* the opioid stance and naloxone (advice / MedicationRequest) */
};

#define PP_PLAN_MAX_ITEMS 48
#define PP_PLAN_MAX_PROCS 3

/* One proposed activity; `finding` indexes the findings list the plan appended to. */
struct pp_plan_item {
    const char *rule_id; /* static, "PLAN-*" */
    enum pp_plan_kind kind;
    size_t finding;      /* index into the caller's struct pp_findings */
    bool do_not_perform; /* an "avoid" item (NSAID contraindicated) */
    const char *rxnorm;  /* static RxNorm ingredient code for a medication, or NULL */
    const char *drug;    /* static ingredient / class name for a medication, or NULL */
    const char *proc_ids[PP_PLAN_MAX_PROCS]; /* catalogue ids (static), in order; NULL-padded */
    pp_day due;             /* follow-up or goal review date, PP_DAY_NONE if none */
    double goal_target;     /* goal: the score to reach or beat (NAN when not a goal) */
    const char *goal_loinc; /* goal: LOINC of the score it is measured by (static), or NULL */
};

/* The plan: diagnosis bits and the activities, in the order the findings were added. */
struct pp_plan {
    unsigned dx;      /* PP_PLAN_DX_* bits of the active conditions */
    bool on_opioid;   /* an opioid order is active on `now` */
    double total_mme; /* MME/day of the active opioid orders; NAN when none counted */
    struct pp_plan_item items[PP_PLAN_MAX_ITEMS];
    size_t n_items;
};

/*
 * The PP_PLAN_DX_* bits one condition concept matches: by SNOMED CT / ICD-10-CM
 * code (table in careplan.c), and by keywords of its text and displays when no
 * code matched. Borrows `c`. Cannot fail.
 */
unsigned pp_careplan_concept_dx(const struct pp_concept *c);

/*
 * Propose a plan for `r` on day `now`: fills `out` and appends one PLAN-* finding
 * per proposal to `f` (caller-owned; out->items[i].finding indexes it). Runs the
 * MME and opioid-safety checks (clinical/mme.h, clinical/opioid.h, patient-view)
 * itself on `terms` (NULL: none) and `codes` (NULL: built-in classes only).
 * Everything is borrowed; nothing is kept. Errors: those of pp_mme_compute (none
 * today); `out` and `f` are then unspecified.
 */
PP_MUST_CHECK enum pp_err pp_careplan_propose(const struct pp_record *r, pp_day now,
                                              const struct pp_policy *p,
                                              const struct pp_terms *terms,
                                              const struct pp_drug_codes *codes,
                                              struct pp_plan *out, struct pp_findings *f);

/* "rehabilitation", "psychology", "medication", "procedure", "referral", "goal",
 * "follow-up", "opioid". */
const char *pp_plan_kind_name(enum pp_plan_kind k);

/* Short names of the diagnosis bits, for output ("radicular", "ckd"...); "" if not one bit. */
const char *pp_plan_dx_name(unsigned bit);

/* The module's rule table (static storage). */
const struct pp_rule_info *pp_careplan_rules(size_t *count);

#endif
