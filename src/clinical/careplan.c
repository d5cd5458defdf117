/*
 * careplan.c — the multimodal plan proposal (DESIGN.md "Multimodal plan"), one
 * PLAN-* finding per proposal with the condition, score or opioid finding that
 * triggered it. Pure: record + now + policy in; no I/O, no clock, no globals.
 * Every threshold is a policy key (policy_careplan.def or a module's own).
 */
#include "clinical/careplan.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "clinical/mme.h"
#include "clinical/opioid.h"
#include "clinical/procedures.h"
#include "util/buf.h"

/* ------------------------------------------------------------------ rule ids */

#define R_REHAB "PLAN-REHAB"
#define R_PSYCH "PLAN-PSYCHOLOGY"
#define R_NSAID "PLAN-MED-NSAID"
#define R_NSAID_AVOID "PLAN-MED-NSAID-AVOID"
#define R_APAP "PLAN-MED-ACETAMINOPHEN"
#define R_GABA "PLAN-MED-GABAPENTINOID"
#define R_DULOX "PLAN-MED-DULOXETINE"
#define R_INT_RAD "PLAN-INT-RADICULAR"
#define R_INT_STEN "PLAN-INT-STENOSIS"
#define R_INT_FACET "PLAN-INT-FACET"
#define R_INT_FACET_DEFER "PLAN-INT-FACET-DEFERRED"
#define R_INT_SI "PLAN-INT-SI"
#define R_INT_CRPS "PLAN-INT-CRPS"
#define R_INT_KNEE "PLAN-INT-KNEE"
#define R_INT_SCS "PLAN-INT-SCS-EVAL"
#define R_SURGERY "PLAN-SURGERY-REFERRAL"
#define R_WORKUP "PLAN-RED-FLAG-WORKUP"
#define R_NEURO "PLAN-COORDINATE-NEUROLOGY"
#define R_NO_DX "PLAN-NO-DIAGNOSIS"
#define R_GOAL "PLAN-GOAL"
#define R_GOAL_BASE "PLAN-GOAL-BASELINE"
#define R_FU_OPIOID "PLAN-FOLLOWUP-OPIOID"
#define R_FU_PROC "PLAN-FOLLOWUP-PROCEDURE"
#define R_FU_REVIEW "PLAN-FOLLOWUP-REVIEW"
#define R_STANCE "PLAN-OPIOID-STANCE"
#define R_NALOXONE "PLAN-NALOXONE"

#define SRC_DESIGN "DESIGN.md: Multimodal plan; Medication"
#define SRC_NONDRUG                                                                                \
    "DESIGN.md: Multimodal plan; CLINICAL-FACTS §5 ACP 2017 (nonpharmacologic first); §1.3 Rec " \
    "1-2"
#define SRC_PSYCH                                                                                  \
    "CLINICAL-FACTS §4.5 PHQ-9/GAD-7 bands, §4.7 STarT Back high risk, §2.5 NCD 160.7 "         \
    "psychological evaluation"
#define SRC_NSAID_AVOID                                                                            \
    "no CLINICAL-FACTS row (drug labeling); DESIGN.md Medication (non-opioids first)"
#define SRC_APAP "CLINICAL-FACTS §1.4 acetaminophen hepatotoxicity (> 3-4 g/day)"
#define SRC_CNS "CLINICAL-FACTS §1.4 other CNS depressants (gabapentin/pregabalin), §1.3 Rec 11"
#define SRC_ESI "CLINICAL-FACTS §2.2 ESI indications"
#define SRC_FACET "CLINICAL-FACTS §2.3 facet patient selection and initial RFA"
#define SRC_SI "CLINICAL-FACTS §2.4 SIJ (diagnostic >= 75%; SIJ RFA not covered)"
#define SRC_SCS "CLINICAL-FACTS §2.5 SCS typical indications and NCD 160.7"
#define SRC_KNEE                                                                                   \
    "DESIGN.md: Therapeutic interventions (cortisone joint injections); procedure catalogue "      \
    "rfa-genicular"
#define SRC_RED "CLINICAL-FACTS §5 red flags (cauda equina, severe or progressive neuro deficit)"
#define SRC_WORKUP "CLINICAL-FACTS §5 red flags (malignancy, infection, fracture)"
#define SRC_GOAL "CLINICAL-FACTS §4.9 MCIDs, §4.1 PEG >= 30%, §0 NDI MCID"
#define SRC_BASELINE                                                                                \
    "CLINICAL-FACTS §2.2 baseline pain and functional scales; §1.3 Rec 2 (set pain and function " \
    "goals)"
#define SRC_FU_OPIOID                                                                              \
    "CLINICAL-FACTS §1.4 follow-up after start or escalation; reassessment of long-term therapy"
#define SRC_FU_PROC                                                                                 \
    "CLINICAL-FACTS §0 ESI repeat (>= 14 days after a failed first); no row for a post-procedure " \
    "visit (UNCONFIRMED)"
#define SRC_FU_REVIEW                                                                              \
    "CLINICAL-FACTS §1.4 reassessment at least every 3 months (applied to the plan; UNCONFIRMED)"
#define SRC_STANCE "DESIGN.md: Medication (opioids conservatively); CLINICAL-FACTS §1.3 Rec 1-3, 6"
#define SRC_NALOXONE "CLINICAL-FACTS §1.4 naloxone: offer when; §1.3 Rec 8"

/* clang-format off */
static const struct pp_rule_info rules[] = {
    {R_REHAB, "Physical therapy / rehabilitation",
     "Axial or radicular spinal pain, facet, SI joint, stenosis, post-laminectomy, knee OA, CRPS or fibromyalgia: propose physical therapy / rehabilitation (always for axial and radicular pain, once no red flag is open).",
     SRC_NONDRUG, ""},
    {R_PSYCH, "Pain psychology",
     "PHQ-9 >= plan_psych_phq9_min, GAD-7 >= instr_gad7_cutoff, a STarT Back high-risk result, or a proposed SCS evaluation (psychological evaluation required): propose pain psychology.",
     SRC_PSYCH, "plan_psych_phq9_min,instr_gad7_cutoff"},
    {R_NSAID, "NSAID",
     "Musculoskeletal or radicular spinal pain or knee OA without chronic kidney disease, GI bleeding/ulcer or an active anticoagulant: propose an NSAID.",
     SRC_DESIGN, ""},
    {R_NSAID_AVOID, "Avoid NSAIDs",
     "An NSAID would be proposed or is prescribed, and the patient has chronic kidney disease, GI bleeding or peptic ulcer (any status), or an active anticoagulant order: avoid (or review) NSAIDs.",
     SRC_NSAID_AVOID, ""},
    {R_APAP, "Acetaminophen",
     "Musculoskeletal spinal pain or knee OA: propose acetaminophen within plan_apap_max_mg_day, lower with liver disease or alcohol use.",
     SRC_APAP, "plan_apap_max_mg_day"},
    {R_GABA, "Gabapentinoid",
     "Neuropathic pain (incl. diabetic neuropathy): propose a gabapentinoid; with an active opioid or benzodiazepine it is a CNS depressant to combine with caution (warning).",
     SRC_CNS, ""},
    {R_DULOX, "Duloxetine (SNRI)",
     "Neuropathic pain or chronic musculoskeletal pain (axial, facet, knee OA, fibromyalgia): propose duloxetine.",
     SRC_DESIGN, ""},
    {R_INT_RAD, "Transforaminal ESI",
     "Radicular pain (or post-laminectomy syndrome) without a red flag: propose a transforaminal epidural steroid injection at the matching region.",
     SRC_ESI, ""},
    {R_INT_STEN, "Interlaminar ESI",
     "Lumbar spinal stenosis (neurogenic claudication) without a red flag: propose a lumbar interlaminar epidural steroid injection.",
     SRC_ESI, ""},
    {R_INT_FACET, "Medial branch blocks, then RFA",
     "Facet arthropathy or axial neck / low back pain without radicular pain or a red flag: propose medial branch blocks and, after two positive blocks, radiofrequency ablation.",
     SRC_FACET, "cov_facet_pain_months,cov_facet_dx_blocks_required,cov_facet_block_relief_pct"},
    {R_INT_FACET_DEFER, "Facet blocks deferred",
     "Axial or facet pain together with untreated radicular pain: medial branch blocks wait until the radicular pain is treated.",
     SRC_FACET, ""},
    {R_INT_SI, "SI joint injection",
     "Sacroiliac joint pain without a red flag: propose a diagnostic/therapeutic SI joint injection (SI RFA is not covered).",
     SRC_SI, "block_si_relief_pct"},
    {R_INT_CRPS, "Sympathetic block / SCS for CRPS",
     "CRPS without a red flag: propose a sympathetic block for the limb (stellate ganglion for an upper limb, lumbar sympathetic for a lower limb) and an SCS trial evaluation.",
     SRC_SCS, "cov_scs_trial_relief_pct,cov_scs_trial_med_reduction_pct"},
    {R_INT_KNEE, "Knee injection / genicular RFA",
     "Knee osteoarthritis: propose a large-joint corticosteroid injection and genicular nerve RFA.",
     SRC_KNEE, ""},
    {R_INT_SCS, "SCS evaluation",
     "Post-laminectomy syndrome with radicular pain, without a red flag: propose an SCS trial evaluation (with a psychological evaluation).",
     SRC_SCS, "cov_scs_trial_relief_pct,cov_scs_trial_med_reduction_pct"},
    {R_SURGERY, "Surgical referral",
     "Cauda equina syndrome, myelopathy or a severe or progressive neurological deficit (active): refer to surgery now; interventions wait (critical).",
     SRC_RED, ""},
    {R_WORKUP, "Red-flag work-up",
     "History of cancer, or a suspected spinal infection or fracture: image and work up per the red-flag row before any intervention; interventions wait.",
     SRC_WORKUP, ""},
    {R_NEURO, "Coordinate with neurology",
     "Migraine: coordinate the headache plan with neurology (no interventional option in the catalogue).",
     "DESIGN.md: Multimodal plan (coordinated with the referring physicians)", ""},
    {R_NO_DX, "No matching diagnosis",
     "No active condition matched a diagnosis the plan knows: no diagnosis-specific proposal is made.",
     SRC_DESIGN, ""},
    {R_GOAL, "Function goal",
     "For each latest PEG, NRS, ODI or NDI score: the goal is an improvement of at least the instrument's MCID (PEG 30%, NRS 2 points or 30%, ODI 10 points, NDI 5 points).",
     SRC_GOAL, "instr_mcid_peg_pct,instr_mcid_nrs_points,instr_mcid_nrs_pct,instr_mcid_nrs_require_both,instr_mcid_odi_points,instr_mcid_ndi_points,plan_goal_review_days"},
    {R_GOAL_BASE, "Record a baseline",
     "No PEG, NRS, ODI or NDI score on record: record a baseline pain and function score before treatment.",
     SRC_BASELINE, ""},
    {R_FU_OPIOID, "Opioid follow-up",
     "An active opioid: follow up within plan_methadone_followup_days (methadone), plan_opioid_followup_min_days (ER/LA or >= mme_caution MME/day) or plan_opioid_followup_max_days, and reassess at least every rec07_reassess_days.",
     SRC_FU_OPIOID, "plan_methadone_followup_days,plan_opioid_followup_min_days,plan_opioid_followup_max_days,mme_caution,rec07_reassess_days"},
    {R_FU_PROC, "Post-procedure follow-up",
     "An intervention is proposed: follow up plan_procedure_followup_days after it to record relief and decide the next step (UNCONFIRMED interval).",
     SRC_FU_PROC, "plan_procedure_followup_days"},
    {R_FU_REVIEW, "Plan review",
     "Every plan: review the goals and the plan within plan_goal_review_days.",
     SRC_FU_REVIEW, "plan_goal_review_days"},
    {R_STANCE, "Opioid stance",
     "Every plan states the practice's opioid policy (non-opioid first, no routine long-acting opioids, short courses only, no replacement of lost, stolen or destroyed prescriptions), the opioid-safety findings it carries, and an ORT >= plan_ort_high_min.",
     SRC_STANCE, "practice_short_course_max_days,plan_ort_high_min"},
    {R_NALOXONE, "Naloxone",
     "The opioid checks found an overdose risk factor and no naloxone (CDC22-REC08): offer naloxone.",
     SRC_NALOXONE, "naloxone_mme"},
};
/* clang-format on */

const struct pp_rule_info *pp_careplan_rules(size_t *count)
{
    *count = sizeof(rules) / sizeof(rules[0]);
    return rules;
}

/* ------------------------------------------------------------------ diagnoses */

#define DX_RAD PP_PLAN_DX_RADICULAR
#define DX_RADC (PP_PLAN_DX_RADICULAR | PP_PLAN_DX_RADICULAR_CERVICAL)
#define DX_RADT (PP_PLAN_DX_RADICULAR | PP_PLAN_DX_RADICULAR_THORACIC)
#define DX_LBP PP_PLAN_DX_AXIAL_LUMBAR
#define DX_NECK PP_PLAN_DX_AXIAL_CERVICAL
#define DX_FACET PP_PLAN_DX_FACET
#define DX_FACETC (PP_PLAN_DX_FACET | PP_PLAN_DX_FACET_CERVICAL)
#define DX_CRPS PP_PLAN_DX_CRPS
#define DX_CRPSU (PP_PLAN_DX_CRPS | PP_PLAN_DX_CRPS_UPPER)
#define DX_CRPSL (PP_PLAN_DX_CRPS | PP_PLAN_DX_CRPS_LOWER)

/* A code of the table; `prefix` matches every code that starts with it (dots ignored). */
struct dx_code {
    const char *system;
    const char *code;
    bool prefix;
    unsigned bits;
};

/* Codes from CLINICAL-FACTS §6.2 and §0 unless marked "not in sheet" (standard ICD-10-CM
 * categories we can justify; docs/rules-careplan.md lists them). SNOMED codes the sheet marks
 * unconfirmed (facet arthropathy, SI dysfunction) are not used: keywords cover them. */
static const struct dx_code dx_codes[] = {
    /* radicular: §6.2 sciatica H, §0 lumbar radiculopathy H, §0 cervical radiculitis H */
    {PP_SYS_SNOMED, "23056005", false, DX_RAD},
    {PP_SYS_SNOMED, "128196005", false, DX_RAD},
    {PP_SYS_SNOMED, "11049006", false, DX_RADC},
    {PP_SYS_ICD10CM, "M54.1", true, DX_RAD}, /* §6.2 M54.16, M54.12 */
    {PP_SYS_ICD10CM, "M54.11", true, DX_RADC},
    {PP_SYS_ICD10CM, "M54.12", true, DX_RADC},
    {PP_SYS_ICD10CM, "M54.13", true, DX_RADC},
    {PP_SYS_ICD10CM, "M54.14", true, DX_RADT},
    {PP_SYS_ICD10CM, "M54.3", true, DX_RAD},          /* §6.2 sciatica */
    {PP_SYS_ICD10CM, "M54.4", true, DX_RAD | DX_LBP}, /* §6.2 lumbago with sciatica */
    {PP_SYS_ICD10CM, "M51.1", true, DX_RAD},          /* not in sheet: disc with radiculopathy */
    {PP_SYS_ICD10CM, "M50.1", true, DX_RADC},         /* not in sheet: cervical disc, radic. */
    /* axial: §6.2 */
    {PP_SYS_SNOMED, "279039007", false, DX_LBP},
    {PP_SYS_SNOMED, "278860009", false, DX_LBP},
    {PP_SYS_SNOMED, "161891005", false, DX_LBP},
    {PP_SYS_SNOMED, "81680005", false, DX_NECK},
    {PP_SYS_SNOMED, "1121000119107", false, DX_NECK},
    {PP_SYS_ICD10CM, "M54.5", true, DX_LBP},
    {PP_SYS_ICD10CM, "M54.2", true, DX_NECK},
    /* facet: §6.2 M47.816 lumbar spondylosis; the other M47.81x sites not in sheet */
    {PP_SYS_ICD10CM, "M47.81", true, DX_FACET},
    {PP_SYS_ICD10CM, "M47.811", false, DX_FACETC},
    {PP_SYS_ICD10CM, "M47.812", false, DX_FACETC},
    {PP_SYS_ICD10CM, "M47.813", false, DX_FACETC},
    /* SI: §6.2 M46.1 sacroiliitis (M53.3 is sacrococcygeal, not the SI joint: not used) */
    {PP_SYS_ICD10CM, "M46.1", true, PP_PLAN_DX_SI_JOINT},
    /* CRPS: §6.2 SNOMED 128200000 H; G90.5x CRPS I, G56.4x / G57.7x causalgia (CRPS II) */
    {PP_SYS_SNOMED, "128200000", false, DX_CRPS},
    {PP_SYS_ICD10CM, "G90.5", true, DX_CRPS},
    {PP_SYS_ICD10CM, "G90.51", true, DX_CRPSU},
    {PP_SYS_ICD10CM, "G90.52", true, DX_CRPSL},
    {PP_SYS_ICD10CM, "G56.4", true, DX_CRPSU},
    {PP_SYS_ICD10CM, "G57.7", true, DX_CRPSL},
    /* knee OA, migraine, fibromyalgia, stenosis, post-laminectomy: §6.2 and §0 */
    {PP_SYS_SNOMED, "239873007", false, PP_PLAN_DX_KNEE_OA},
    {PP_SYS_ICD10CM, "M17", true, PP_PLAN_DX_KNEE_OA},
    {PP_SYS_SNOMED, "37796009", false, PP_PLAN_DX_MIGRAINE},
    {PP_SYS_ICD10CM, "G43", true, PP_PLAN_DX_MIGRAINE},
    {PP_SYS_SNOMED, "203082005", false, PP_PLAN_DX_FIBROMYALGIA},
    {PP_SYS_ICD10CM, "M79.7", true, PP_PLAN_DX_FIBROMYALGIA}, /* not in sheet */
    {PP_SYS_SNOMED, "18347007", false, PP_PLAN_DX_STENOSIS},  /* §6.2 L/M */
    {PP_SYS_ICD10CM, "M48.06", true, PP_PLAN_DX_STENOSIS},
    {PP_SYS_SNOMED, "27151001", false, PP_PLAN_DX_POST_LAMINECTOMY}, /* §0 H */
    {PP_SYS_ICD10CM, "M96.1", true, PP_PLAN_DX_POST_LAMINECTOMY},
    /* neuropathic (not in sheet): diabetes with neurological complications, polyneuropathy,
     * postherpetic neuralgia, neuralgia/neuritis unspecified */
    {PP_SYS_ICD10CM, "E10.4", true, PP_PLAN_DX_NEUROPATHIC},
    {PP_SYS_ICD10CM, "E11.4", true, PP_PLAN_DX_NEUROPATHIC},
    {PP_SYS_ICD10CM, "E13.4", true, PP_PLAN_DX_NEUROPATHIC},
    {PP_SYS_ICD10CM, "G62", true, PP_PLAN_DX_NEUROPATHIC},
    {PP_SYS_ICD10CM, "G63", true, PP_PLAN_DX_NEUROPATHIC},
    {PP_SYS_ICD10CM, "B02.2", true, PP_PLAN_DX_NEUROPATHIC},
    {PP_SYS_ICD10CM, "M79.2", true, PP_PLAN_DX_NEUROPATHIC},
    /* contraindications (not in sheet): CKD, peptic ulcer, GI haemorrhage, liver, alcohol */
    {PP_SYS_ICD10CM, "N18", true, PP_PLAN_DX_CKD},
    {PP_SYS_ICD10CM, "K25", true, PP_PLAN_DX_GI_BLEED},
    {PP_SYS_ICD10CM, "K26", true, PP_PLAN_DX_GI_BLEED},
    {PP_SYS_ICD10CM, "K27", true, PP_PLAN_DX_GI_BLEED},
    {PP_SYS_ICD10CM, "K28", true, PP_PLAN_DX_GI_BLEED},
    {PP_SYS_ICD10CM, "K92.0", true, PP_PLAN_DX_GI_BLEED},
    {PP_SYS_ICD10CM, "K92.1", true, PP_PLAN_DX_GI_BLEED},
    {PP_SYS_ICD10CM, "K92.2", true, PP_PLAN_DX_GI_BLEED},
    {PP_SYS_ICD10CM, "K70", true, PP_PLAN_DX_LIVER},
    {PP_SYS_ICD10CM, "K71", true, PP_PLAN_DX_LIVER},
    {PP_SYS_ICD10CM, "K72", true, PP_PLAN_DX_LIVER},
    {PP_SYS_ICD10CM, "K73", true, PP_PLAN_DX_LIVER},
    {PP_SYS_ICD10CM, "K74", true, PP_PLAN_DX_LIVER},
    {PP_SYS_ICD10CM, "K75", true, PP_PLAN_DX_LIVER},
    {PP_SYS_ICD10CM, "K76", true, PP_PLAN_DX_LIVER},
    {PP_SYS_ICD10CM, "K77", true, PP_PLAN_DX_LIVER},
    {PP_SYS_ICD10CM, "F10", true, PP_PLAN_DX_LIVER},
    /* §5 red flags (codes not in sheet): cauda equina, myelopathy, foot drop */
    {PP_SYS_ICD10CM, "G83.4", true, PP_PLAN_DX_URGENT_NEURO},
    {PP_SYS_ICD10CM, "M47.1", true, PP_PLAN_DX_URGENT_NEURO},
    {PP_SYS_ICD10CM, "M50.0", true, PP_PLAN_DX_URGENT_NEURO},
    {PP_SYS_ICD10CM, "M21.37", true, PP_PLAN_DX_URGENT_NEURO},
    /* §5 infection and fracture (codes not in sheet); cancer comes from the terms registry */
    {PP_SYS_ICD10CM, "M46.2", true, PP_PLAN_DX_SERIOUS},
    {PP_SYS_ICD10CM, "M46.3", true, PP_PLAN_DX_SERIOUS},
    {PP_SYS_ICD10CM, "M46.4", true, PP_PLAN_DX_SERIOUS},
    {PP_SYS_ICD10CM, "G06.1", true, PP_PLAN_DX_SERIOUS},
    {PP_SYS_ICD10CM, "M48.5", true, PP_PLAN_DX_SERIOUS},
    {PP_SYS_ICD10CM, "M80", true, PP_PLAN_DX_SERIOUS},
    {PP_SYS_ICD10CM, "S32.0", true, PP_PLAN_DX_SERIOUS},
    {PP_SYS_ICD10CM, "S22.0", true, PP_PLAN_DX_SERIOUS},
    {PP_SYS_ICD10CM, "S12", true, PP_PLAN_DX_SERIOUS},
};

/* Keywords (lower case) of a condition's text and displays, used when no code matched. */
static const struct {
    const char *word;
    unsigned bits;
} dx_words[] = {
    {"radicul", DX_RAD},
    {"sciatica", DX_RAD},
    {"low back pain", DX_LBP},
    {"lumbago", DX_LBP},
    {"backache", DX_LBP},
    {"neck pain", DX_NECK},
    {"cervicalgia", DX_NECK},
    {"facet", DX_FACET},
    {"zygapophys", DX_FACET},
    {"spondylosis", DX_FACET},
    {"sacroiliac", PP_PLAN_DX_SI_JOINT},
    {"sacroiliitis", PP_PLAN_DX_SI_JOINT},
    {"si joint", PP_PLAN_DX_SI_JOINT},
    {"complex regional pain", DX_CRPS},
    {"crps", DX_CRPS},
    {"reflex sympathetic dystrophy", DX_CRPS},
    {"causalgia", DX_CRPS},
    {"osteoarthritis of knee", PP_PLAN_DX_KNEE_OA},
    {"osteoarthritis of the knee", PP_PLAN_DX_KNEE_OA},
    {"knee osteoarthritis", PP_PLAN_DX_KNEE_OA},
    {"gonarthrosis", PP_PLAN_DX_KNEE_OA},
    {"neuropath", PP_PLAN_DX_NEUROPATHIC},
    {"neuralgia", PP_PLAN_DX_NEUROPATHIC},
    {"laminectomy syndrome", PP_PLAN_DX_POST_LAMINECTOMY},
    {"failed back", PP_PLAN_DX_POST_LAMINECTOMY},
    {"fibromyalgia", PP_PLAN_DX_FIBROMYALGIA},
    {"migraine", PP_PLAN_DX_MIGRAINE},
    {"spinal stenosis", PP_PLAN_DX_STENOSIS},
    {"lumbar stenosis", PP_PLAN_DX_STENOSIS},
    {"neurogenic claudication", PP_PLAN_DX_STENOSIS},
    {"chronic kidney disease", PP_PLAN_DX_CKD},
    {"chronic renal", PP_PLAN_DX_CKD},
    {"renal insufficiency", PP_PLAN_DX_CKD},
    {"renal failure", PP_PLAN_DX_CKD},
    {"kidney failure", PP_PLAN_DX_CKD},
    {"end-stage renal", PP_PLAN_DX_CKD},
    {"end stage renal", PP_PLAN_DX_CKD},
    {"peptic ulcer", PP_PLAN_DX_GI_BLEED},
    {"gastric ulcer", PP_PLAN_DX_GI_BLEED},
    {"duodenal ulcer", PP_PLAN_DX_GI_BLEED},
    {"gastrointestinal bleed", PP_PLAN_DX_GI_BLEED},
    {"gastrointestinal hemorrhage", PP_PLAN_DX_GI_BLEED},
    {"gastrointestinal haemorrhage", PP_PLAN_DX_GI_BLEED},
    {"gi bleed", PP_PLAN_DX_GI_BLEED},
    {"melena", PP_PLAN_DX_GI_BLEED},
    {"hematemesis", PP_PLAN_DX_GI_BLEED},
    {"cirrhosis", PP_PLAN_DX_LIVER},
    {"hepatitis", PP_PLAN_DX_LIVER},
    {"liver disease", PP_PLAN_DX_LIVER},
    {"hepatic failure", PP_PLAN_DX_LIVER},
    {"alcohol use disorder", PP_PLAN_DX_LIVER},
    {"alcohol dependence", PP_PLAN_DX_LIVER},
    {"alcohol abuse", PP_PLAN_DX_LIVER},
    {"alcoholism", PP_PLAN_DX_LIVER},
    {"cauda equina", PP_PLAN_DX_URGENT_NEURO},
    {"saddle an", PP_PLAN_DX_URGENT_NEURO},
    {"myelopathy", PP_PLAN_DX_URGENT_NEURO},
    {"foot drop", PP_PLAN_DX_URGENT_NEURO},
    {"progressive weakness", PP_PLAN_DX_URGENT_NEURO},
    {"progressive neurolog", PP_PLAN_DX_URGENT_NEURO},
    {"spinal cord compression", PP_PLAN_DX_URGENT_NEURO},
    {"osteomyelitis", PP_PLAN_DX_SERIOUS},
    {"discitis", PP_PLAN_DX_SERIOUS},
    {"epidural abscess", PP_PLAN_DX_SERIOUS},
    {"spinal abscess", PP_PLAN_DX_SERIOUS},
    {"vertebral fracture", PP_PLAN_DX_SERIOUS},
    {"compression fracture", PP_PLAN_DX_SERIOUS},
    {"metasta", PP_PLAN_DX_SERIOUS},
};

/* Site qualifiers read from the text of any matched concept. */
static const char *const cervical_words[] = {"cervical", NULL};
static const char *const thoracic_words[] = {"thoracic", NULL};
static const char *const upper_words[] = {"upper limb", "upper extremity", " arm",
                                          "hand",       "wrist",           NULL};
static const char *const lower_words[] = {"lower limb", "lower extremity", " leg",
                                          "foot",       "ankle",           NULL};

static char lower(char c)
{
    return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
}

/* Case-insensitive substring test; `needle` is lower case. */
static bool contains(const char *hay, const char *needle)
{
    size_t n = strlen(needle);
    if (!hay)
        return false;
    for (const char *h = hay; *h; h++) {
        size_t i = 0;
        while (i < n && h[i] && lower(h[i]) == needle[i])
            i++;
        if (i == n)
            return true;
    }
    return false;
}

static bool contains_any(const struct pp_concept *c, const char *const *words)
{
    for (const char *const *w = words; *w; w++) {
        if (contains(c->text, *w))
            return true;
        for (size_t i = 0; i < c->n_codings; i++)
            if (contains(c->codings[i].display, *w))
                return true;
    }
    return false;
}

/* Code equality (or prefix) ignoring dots and case: "M5416" and "m54.16" match "M54.16". */
static bool code_matches(const char *code, const char *pattern, bool prefix)
{
    const char *a = code, *b = pattern;
    for (;;) {
        while (*a == '.')
            a++;
        while (*b == '.')
            b++;
        if (!*b)
            return prefix || !*a;
        if (!*a || lower(*a) != lower(*b))
            return false;
        a++;
        b++;
    }
}

static bool str_is(const char *a, const char *b)
{
    return a && strcmp(a, b) == 0;
}

unsigned pp_careplan_concept_dx(const struct pp_concept *c)
{
    unsigned bits = 0;

    for (size_t i = 0; i < c->n_codings; i++) {
        const struct pp_coding *cd = &c->codings[i];
        if (!cd->code)
            continue;
        for (size_t k = 0; k < sizeof(dx_codes) / sizeof(dx_codes[0]); k++) {
            const struct dx_code *t = &dx_codes[k];
            if (cd->system && !str_is(cd->system, t->system))
                continue;
            if (code_matches(cd->code, t->code, t->prefix))
                bits |= t->bits;
        }
    }
    if (bits == 0) {
        /* Fallback for codes the sheet leaves unconfirmed or a record codes differently. */
        for (size_t k = 0; k < sizeof(dx_words) / sizeof(dx_words[0]); k++) {
            bool hit = contains(c->text, dx_words[k].word);
            for (size_t i = 0; i < c->n_codings && !hit; i++)
                hit = contains(c->codings[i].display, dx_words[k].word);
            if (hit)
                bits |= dx_words[k].bits;
        }
    }
    if ((bits & PP_PLAN_DX_RADICULAR) && contains_any(c, cervical_words))
        bits |= PP_PLAN_DX_RADICULAR_CERVICAL;
    if ((bits & PP_PLAN_DX_RADICULAR) && contains_any(c, thoracic_words))
        bits |= PP_PLAN_DX_RADICULAR_THORACIC;
    if ((bits & PP_PLAN_DX_FACET) && contains_any(c, cervical_words))
        bits |= PP_PLAN_DX_FACET_CERVICAL;
    if ((bits & PP_PLAN_DX_CRPS) && contains_any(c, upper_words))
        bits |= PP_PLAN_DX_CRPS_UPPER;
    if ((bits & PP_PLAN_DX_CRPS) && contains_any(c, lower_words))
        bits |= PP_PLAN_DX_CRPS_LOWER;
    return bits;
}

static const char *const dx_names[] = {
    "radicular",
    "radicular-cervical",
    "radicular-thoracic",
    "axial-lumbar",
    "axial-cervical",
    "facet",
    "facet-cervical",
    "si-joint",
    "crps",
    "crps-upper-limb",
    "crps-lower-limb",
    "knee-oa",
    "neuropathic",
    "post-laminectomy",
    "fibromyalgia",
    "migraine",
    "stenosis",
    "ckd",
    "gi-bleed-ulcer",
    "liver-or-alcohol",
    "urgent-neuro-red-flag",
    "serious-pathology-red-flag",
};

#define N_DX (sizeof(dx_names) / sizeof(dx_names[0]))

const char *pp_plan_dx_name(unsigned bit)
{
    for (size_t i = 0; i < N_DX; i++)
        if (bit == 1u << i)
            return dx_names[i];
    return "";
}

const char *pp_plan_kind_name(enum pp_plan_kind k)
{
    switch (k) {
    case PP_PLAN_KIND_REHAB: return "rehabilitation";
    case PP_PLAN_KIND_PSYCHOLOGY: return "psychology";
    case PP_PLAN_KIND_MEDICATION: return "medication";
    case PP_PLAN_KIND_PROCEDURE: return "procedure";
    case PP_PLAN_KIND_REFERRAL: return "referral";
    case PP_PLAN_KIND_GOAL: return "goal";
    case PP_PLAN_KIND_FOLLOWUP: return "follow-up";
    case PP_PLAN_KIND_OPIOID: return "opioid";
    }
    return "?";
}

/* ------------------------------------------------------------------ evaluation state */

enum score_id { SC_PHQ9, SC_GAD7, SC_PEG, SC_STARTBACK, SC_ORT, SC_NRS, SC_ODI, SC_NDI, SC_N };

/* LOINC totals: CLINICAL-FACTS §6.1 (PHQ-9, GAD-7, PEG, STarT Back, ORT, NRS) and §0 (ODI,
 * NDI). */
static const struct {
    const char *loinc;
    const char *name;
} score_codes[SC_N] = {
    {"44261-6", "PHQ-9"}, {"70274-6", "GAD-7"},    {"91147-9", "PEG"}, {"91351-7", "STarT Back"},
    {"91392-1", "ORT"},   {"72514-3", "NRS pain"}, {"97909-6", "ODI"}, {"82237-9", "NDI"},
};

struct eval {
    const struct pp_record *r;
    pp_day now;
    const struct pp_policy *p;
    const struct pp_terms *terms;
    struct pp_plan *plan;
    struct pp_findings *f;
    const struct pp_mme_result *mme;
    const struct pp_findings *opioid; /* the opioid checks' findings */
    const char *dx_cond[32];          /* first Condition id per PP_PLAN_DX_* bit */
    const char *dx_label[32];         /* its label */
    const struct pp_observation *score[SC_N];
    bool startback_high;
    bool red_flag; /* interventions wait */
    bool any_procedure;
    bool scs_proposed;
    struct pp_buf tmp;
};

static bool cond_valid(const struct pp_condition *c)
{
    return !str_is(c->verification_status, "refuted") &&
           !str_is(c->verification_status, "entered-in-error");
}

static bool cond_active(const struct eval *e, const struct pp_condition *c)
{
    if (!cond_valid(c))
        return false;
    if (c->clinical_status && !str_is(c->clinical_status, "active") &&
        !str_is(c->clinical_status, "recurrence") && !str_is(c->clinical_status, "relapse"))
        return false;
    return c->abatement == PP_DAY_NONE || c->abatement > e->now;
}

/* Contraindications count in any clinical status: a past GI bleed still argues against an
 * NSAID (the conservative reading). */
#define DX_HISTORY_COUNTS (PP_PLAN_DX_CKD | PP_PLAN_DX_GI_BLEED | PP_PLAN_DX_LIVER)

static void collect_dx(struct eval *e)
{
    for (size_t i = 0; i < e->r->n_conditions; i++) {
        const struct pp_condition *c = &e->r->conditions[i];
        unsigned bits;
        if (!cond_valid(c))
            continue;
        bits = pp_careplan_concept_dx(&c->code);
        if (!cond_active(e, c))
            bits &= DX_HISTORY_COUNTS;
        /* CLINICAL-FACTS §5: a history of cancer (any status) is the strongest single
         * malignancy flag. */
        if (e->terms && (pp_terms_concept(e->terms, &c->code) & PP_CS_CANCER))
            bits |= PP_PLAN_DX_SERIOUS;
        for (unsigned b = 0; b < N_DX; b++) {
            if (!(bits & (1u << b)) || e->dx_label[b])
                continue;
            e->dx_cond[b] = c->id ? c->id : "";
            e->dx_label[b] = pp_concept_label(&c->code);
        }
        e->plan->dx |= bits;
    }
}

static bool obs_valid(const struct pp_observation *o)
{
    return !str_is(o->status, "entered-in-error") && !str_is(o->status, "cancelled") &&
           !str_is(o->status, "preliminary");
}

/* The latest valid score of each instrument on or before `now`. */
static void collect_scores(struct eval *e)
{
    for (size_t i = 0; i < e->r->n_observations; i++) {
        const struct pp_observation *o = &e->r->observations[i];
        if (!obs_valid(o) || !o->value_quantity.present || !isfinite(o->value_quantity.value))
            continue;
        if (o->effective != PP_DAY_NONE && o->effective > e->now)
            continue;
        for (int s = 0; s < SC_N; s++) {
            const struct pp_observation *old = e->score[s];
            if (!pp_concept_has(&o->code, PP_SYS_LOINC, score_codes[s].loinc))
                continue;
            if (!old || (o->effective != PP_DAY_NONE &&
                         (old->effective == PP_DAY_NONE || o->effective >= old->effective)))
                e->score[s] = o;
        }
    }
    /* CLINICAL-FACTS §4.7: the total alone cannot tell medium from high risk (the
     * psychosocial subscale decides); `painpath score` writes the risk group into the
     * Observation's interpretation, which is what is read here. */
    if (e->score[SC_STARTBACK]) {
        const struct pp_observation *o = e->score[SC_STARTBACK];
        e->startback_high = contains(pp_concept_label(&o->interpretation), "high") ||
                            contains(pp_concept_label(&o->value_concept), "high");
    }
}

static double score_value(const struct eval *e, enum score_id s)
{
    return e->score[s] ? e->score[s]->value_quantity.value : NAN;
}

/* Add a finding and the plan item that points at it. NULL once the plan is full. */
static struct pp_plan_item *add(struct eval *e, const char *rule, enum pp_plan_kind kind,
                                enum pp_severity sev, const char *src, struct pp_finding **out,
                                const char *summary)
{
    struct pp_plan_item *it;
    struct pp_finding *x;

    if (e->plan->n_items >= PP_PLAN_MAX_ITEMS)
        return NULL;
    x = pp_findings_add(e->f, rule, sev, src, "%s", summary);
    it = &e->plan->items[e->plan->n_items++];
    memset(it, 0, sizeof(*it));
    it->rule_id = rule;
    it->kind = kind;
    it->finding = e->f->n - 1;
    it->due = PP_DAY_NONE;
    it->goal_target = NAN;
    *out = x;
    return it;
}

static void cite_dx(struct eval *e, struct pp_finding *x, unsigned bits)
{
    for (unsigned b = 0; b < N_DX; b++)
        if ((bits & (1u << b)) && e->dx_cond[b] && e->dx_cond[b][0])
            pp_finding_evidence(e->f, x, "Condition", e->dx_cond[b]);
}

/* Append "label (Condition/id)" for each matched bit of `bits` to tmp. */
static void say_dx(struct eval *e, unsigned bits)
{
    bool first = true;
    for (unsigned b = 0; b < N_DX; b++) {
        if (!(bits & e->plan->dx & (1u << b)) || !e->dx_label[b])
            continue;
        pp_buf_addf(&e->tmp, "%s**%s** (%s)", first ? "" : ", ", e->dx_label[b],
                    pp_plan_dx_name(1u << b));
        first = false;
    }
}

static void finish(struct eval *e, struct pp_finding *x)
{
    pp_finding_detail(e->f, x, "%s", e->tmp.data);
    pp_buf_reset(&e->tmp);
}

static bool has_opioid_rule(const struct eval *e, const char *rule)
{
    return pp_findings_count_rule(e->opioid, rule) > 0;
}

/* Index of the first active medication with any of `classes`, or -1. */
static long active_with_class(const struct eval *e, unsigned classes)
{
    for (size_t i = 0; i < e->mme->n_meds; i++)
        if (e->mme->meds[i].active && (e->mme->meds[i].classes & classes))
            return (long)i;
    return -1;
}

/* Anticoagulants have no class in clinical/drugs.h: match the ingredient name (no RxNorm codes
 * for them in CLINICAL-FACTS). */
static const char *const anticoagulants[] = {
    "warfarin",   "apixaban",   "rivaroxaban",  "dabigatran", "edoxaban",    "heparin",
    "enoxaparin", "dalteparin", "fondaparinux", "argatroban", "bivalirudin", NULL};

static long active_anticoagulant(const struct eval *e)
{
    for (size_t i = 0; i < e->mme->n_meds; i++)
        if (e->mme->meds[i].active && contains_any(&e->mme->meds[i].med->code, anticoagulants))
            return (long)i;
    return -1;
}

static void cite_med(struct eval *e, struct pp_finding *x, long i)
{
    const struct pp_medication *m;
    if (i < 0)
        return;
    m = e->mme->meds[i].med;
    pp_finding_evidence(e->f, x,
                        m->source == PP_MED_STATEMENT  ? "MedicationStatement"
                        : m->source == PP_MED_DISPENSE ? "MedicationDispense"
                                                       : "MedicationRequest",
                        m->id);
}

static const char *med_label(const struct eval *e, long i)
{
    return pp_concept_label(&e->mme->meds[i].med->code);
}

static void cite_score(struct eval *e, struct pp_finding *x, enum score_id s)
{
    if (e->score[s] && e->score[s]->id)
        pp_finding_evidence(e->f, x, "Observation", e->score[s]->id);
}

/* ------------------------------------------------------------------ red flags */

static void red_flags(struct eval *e)
{
    struct pp_finding *x;
    struct pp_plan_item *it;
    unsigned dx = e->plan->dx;

    if (dx & PP_PLAN_DX_URGENT_NEURO) {
        /* CLINICAL-FACTS §5: cauda equina -> emergency MRI / same-day surgical referral;
         * severe or progressive deficit -> MRI promptly. */
        it = add(e, R_SURGERY, PP_PLAN_KIND_REFERRAL, PP_SEV_CRITICAL, SRC_RED, &x,
                 "Red flag: refer to spine surgery now (emergency MRI); interventions wait");
        if (it) {
            pp_buf_adds(&e->tmp, "Triggered by ");
            say_dx(e, PP_PLAN_DX_URGENT_NEURO);
            pp_buf_adds(&e->tmp, ".\n\nCauda equina syndrome or a severe or progressive "
                                 "neurological deficit needs an emergency MRI and a same-day "
                                 "surgical referral, not a queue. Interventional options are "
                                 "not proposed until the surgeon has seen the patient.");
            cite_dx(e, x, PP_PLAN_DX_URGENT_NEURO);
            pp_finding_suggest(e->f, x, PP_ACTION_CREATE, "Urgent spine surgery referral")
                ->resource_type = "ServiceRequest";
            finish(e, x);
        }
        e->red_flag = true;
    }
    if (dx & PP_PLAN_DX_SERIOUS) {
        it = add(e, R_WORKUP, PP_PLAN_KIND_REFERRAL, PP_SEV_WARNING, SRC_WORKUP, &x,
                 "Red flag for serious pathology: image and work up before any intervention");
        if (it) {
            pp_buf_adds(&e->tmp, "Triggered by ");
            say_dx(e, PP_PLAN_DX_SERIOUS);
            pp_buf_adds(&e->tmp, ".\n\nSuspected malignancy (a history of cancer is the "
                                 "strongest single flag), infection or fracture: MRI (with and "
                                 "without contrast for infection) and ESR/CRP, or radiographs/CT "
                                 "for a fracture, per CLINICAL-FACTS §5. Interventional options "
                                 "wait for the result.");
            cite_dx(e, x, PP_PLAN_DX_SERIOUS);
            finish(e, x);
        }
        e->red_flag = true;
    }
}

/* ------------------------------------------------------------------ non-drug care */

#define DX_REHAB                                                                                   \
    (PP_PLAN_DX_RADICULAR | PP_PLAN_DX_AXIAL_LUMBAR | PP_PLAN_DX_AXIAL_CERVICAL |                  \
     PP_PLAN_DX_FACET | PP_PLAN_DX_SI_JOINT | PP_PLAN_DX_STENOSIS | PP_PLAN_DX_POST_LAMINECTOMY |  \
     PP_PLAN_DX_KNEE_OA | PP_PLAN_DX_CRPS | PP_PLAN_DX_FIBROMYALGIA)

static void rehab(struct eval *e)
{
    struct pp_finding *x;
    /* CLINICAL-FACTS §5: with a red flag the work-up or the surgeon comes first. */
    if (!(e->plan->dx & DX_REHAB) || e->red_flag)
        return;
    if (!add(e, R_REHAB, PP_PLAN_KIND_REHAB, PP_SEV_INFO, SRC_NONDRUG, &x,
             "Physical therapy / rehabilitation: active exercise program"))
        return;
    pp_buf_adds(&e->tmp, "For ");
    say_dx(e, DX_REHAB);
    pp_buf_adds(&e->tmp, ".\n\nNonpharmacologic treatment comes first for acute, subacute and "
                         "chronic low back pain (ACP 2017) and nonopioid therapies are preferred "
                         "(CDC 2022 Rec 1-2). Rehabilitation is part of every multimodal plan "
                         "for spinal and joint pain.");
    cite_dx(e, x, DX_REHAB);
    pp_finding_suggest(e->f, x, PP_ACTION_CREATE, "Refer to physical therapy")->resource_type =
        "ServiceRequest";
    finish(e, x);
}

static void psychology(struct eval *e)
{
    const struct pp_policy *p = e->p;
    double phq9 = score_value(e, SC_PHQ9), gad7 = score_value(e, SC_GAD7);
    bool by_phq = isfinite(phq9) && phq9 >= p->plan_psych_phq9_min;
    bool by_gad = isfinite(gad7) && gad7 >= p->instr_gad7_cutoff;
    struct pp_finding *x;

    if (!by_phq && !by_gad && !e->startback_high && !e->scs_proposed)
        return;
    if (!add(e, R_PSYCH, PP_PLAN_KIND_PSYCHOLOGY, by_phq || by_gad ? PP_SEV_WARNING : PP_SEV_INFO,
             SRC_PSYCH, &x, "Pain psychology: coping and distraction skills (CBT-based)"))
        return;
    pp_buf_adds(&e->tmp, "Triggered by:");
    if (by_phq) {
        pp_buf_addf(&e->tmp,
                    "\n- PHQ-9 **%g** (at least %d: moderate depressive symptoms or "
                    "worse; assess depression)",
                    phq9, p->plan_psych_phq9_min);
        cite_score(e, x, SC_PHQ9);
    }
    if (by_gad) {
        pp_buf_addf(&e->tmp, "\n- GAD-7 **%g** (at least %d: assess for an anxiety disorder)", gad7,
                    p->instr_gad7_cutoff);
        cite_score(e, x, SC_GAD7);
    }
    if (e->startback_high) {
        pp_buf_addf(&e->tmp,
                    "\n- STarT Back **high risk** (total %g; psychosocial subscale "
                    ">= 4)",
                    score_value(e, SC_STARTBACK));
        cite_score(e, x, SC_STARTBACK);
    }
    if (e->scs_proposed)
        pp_buf_adds(&e->tmp, "\n- spinal cord stimulation evaluation proposed: NCD 160.7 "
                             "requires a psychological as well as a physical evaluation");
    if (by_phq)
        pp_buf_adds(&e->tmp, "\n\nDepression is also a reason to reassess opioid therapy more "
                             "often (CLINICAL-FACTS §1.4).");
    pp_finding_suggest(e->f, x, PP_ACTION_CREATE, "Refer to pain psychology")->resource_type =
        "ServiceRequest";
    finish(e, x);
}

/* ------------------------------------------------------------------ medication */

#define DX_NSAID                                                                                   \
    (PP_PLAN_DX_RADICULAR | PP_PLAN_DX_AXIAL_LUMBAR | PP_PLAN_DX_AXIAL_CERVICAL |                  \
     PP_PLAN_DX_FACET | PP_PLAN_DX_SI_JOINT | PP_PLAN_DX_STENOSIS | PP_PLAN_DX_POST_LAMINECTOMY |  \
     PP_PLAN_DX_KNEE_OA)
#define DX_APAP DX_NSAID
#define DX_DULOX                                                                                   \
    (PP_PLAN_DX_NEUROPATHIC | PP_PLAN_DX_AXIAL_LUMBAR | PP_PLAN_DX_AXIAL_CERVICAL |                \
     PP_PLAN_DX_FACET | PP_PLAN_DX_KNEE_OA | PP_PLAN_DX_FIBROMYALGIA)

static void med_item(struct pp_plan_item *it, const char *rxnorm, const char *drug)
{
    it->rxnorm = rxnorm;
    it->drug = drug;
}

static void nsaid(struct eval *e)
{
    unsigned dx = e->plan->dx;
    long current = active_with_class(e, PP_DRUG_NSAID);
    long anticoag = active_anticoagulant(e);
    unsigned contra = dx & (PP_PLAN_DX_CKD | PP_PLAN_DX_GI_BLEED);
    struct pp_finding *x;
    struct pp_plan_item *it;

    if (!(dx & DX_NSAID) && current < 0)
        return;
    if (contra || anticoag >= 0) {
        it = add(e, R_NSAID_AVOID, PP_PLAN_KIND_MEDICATION, PP_SEV_WARNING, SRC_NSAID_AVOID, &x,
                 current >= 0 ? "Avoid NSAIDs: review the current NSAID (contraindication)"
                              : "Avoid NSAIDs (contraindication on record)");
        if (!it)
            return;
        it->do_not_perform = true;
        med_item(it, NULL, "NSAID");
        pp_buf_adds(&e->tmp, "NSAIDs are avoided because of:");
        if (dx & PP_PLAN_DX_CKD) {
            pp_buf_adds(&e->tmp, "\n- chronic kidney disease: ");
            say_dx(e, PP_PLAN_DX_CKD);
        }
        if (dx & PP_PLAN_DX_GI_BLEED) {
            pp_buf_adds(&e->tmp, "\n- GI bleeding or peptic ulcer: ");
            say_dx(e, PP_PLAN_DX_GI_BLEED);
        }
        if (anticoag >= 0)
            pp_buf_addf(&e->tmp, "\n- an active anticoagulant: **%s** (bleeding risk)",
                        med_label(e, anticoag));
        if (current >= 0)
            pp_buf_addf(&e->tmp,
                        "\n\nCurrently prescribed: **%s**; review it with the "
                        "prescriber.",
                        med_label(e, current));
        pp_buf_adds(&e->tmp, "\n\nUse acetaminophen, topical or non-drug options instead.");
        cite_dx(e, x, contra);
        cite_med(e, x, anticoag);
        cite_med(e, x, current);
        finish(e, x);
        return;
    }
    if (!(dx & DX_NSAID))
        return;
    it = add(e, R_NSAID, PP_PLAN_KIND_MEDICATION, PP_SEV_INFO, SRC_DESIGN, &x,
             current >= 0 ? "NSAID: continue the current NSAID (no contraindication found)"
                          : "NSAID, e.g. naproxen or ibuprofen (no contraindication found)");
    if (!it)
        return;
    /* RxNorm naproxen 7258 (CLINICAL-FACTS §6.3, M). */
    med_item(it, "7258", "naproxen");
    pp_buf_adds(&e->tmp, "For ");
    say_dx(e, DX_NSAID);
    pp_buf_adds(&e->tmp, ". Checked: no chronic kidney disease, no GI bleeding or peptic ulcer, "
                         "no active anticoagulant on record.");
    cite_dx(e, x, DX_NSAID);
    cite_med(e, x, current);
    finish(e, x);
}

static void acetaminophen(struct eval *e)
{
    struct pp_finding *x;
    struct pp_plan_item *it;
    bool liver = e->plan->dx & PP_PLAN_DX_LIVER;
    long current = active_with_class(e, PP_DRUG_ACETAMINOPHEN);

    if (!(e->plan->dx & DX_APAP))
        return;
    it = add(e, R_APAP, PP_PLAN_KIND_MEDICATION, liver ? PP_SEV_WARNING : PP_SEV_INFO, SRC_APAP, &x,
             liver ? "Acetaminophen at a reduced ceiling (liver disease or alcohol use)"
                   : "Acetaminophen within the daily ceiling");
    if (!it)
        return;
    /* RxNorm acetaminophen 161 (CLINICAL-FACTS §6.3, M). */
    med_item(it, "161", "acetaminophen");
    pp_buf_addf(&e->tmp,
                "Hepatotoxicity above 3-4 g/day (CLINICAL-FACTS §1.4): keep the total from all "
                "products, combinations included, at or below **%d mg/day**.",
                e->p->plan_apap_max_mg_day);
    if (liver) {
        pp_buf_adds(&e->tmp, "\n\nLiver disease or alcohol use on record (");
        say_dx(e, PP_PLAN_DX_LIVER);
        pp_buf_adds(&e->tmp, "): the sheet says the ceiling is lower; set it individually.");
        cite_dx(e, x, PP_PLAN_DX_LIVER);
    }
    if (current >= 0) {
        pp_buf_addf(&e->tmp, "\n\nAlready prescribed: **%s**.", med_label(e, current));
        cite_med(e, x, current);
    }
    finish(e, x);
}

static void gabapentinoid(struct eval *e)
{
    struct pp_finding *x;
    struct pp_plan_item *it;
    long current = active_with_class(e, PP_DRUG_GABAPENTINOID);
    long depressant = active_with_class(e, PP_DRUG_OPIOID | PP_DRUG_BENZODIAZEPINE);

    if (!(e->plan->dx & PP_PLAN_DX_NEUROPATHIC))
        return;
    /* CLINICAL-FACTS §1.4: gabapentin/pregabalin are CNS depressants to weigh with opioids. */
    it = add(e, R_GABA, PP_PLAN_KIND_MEDICATION, depressant >= 0 ? PP_SEV_WARNING : PP_SEV_INFO,
             SRC_CNS, &x,
             current >= 0      ? "Gabapentinoid for neuropathic pain: continue and review"
             : depressant >= 0 ? "Gabapentinoid for neuropathic pain: caution with the current "
                                 "opioid/benzodiazepine"
                               : "Gabapentinoid (gabapentin or pregabalin) for neuropathic pain");
    if (!it)
        return;
    /* RxNorm gabapentin 25480 (CLINICAL-FACTS §6.3, M). */
    med_item(it, "25480", "gabapentin");
    pp_buf_adds(&e->tmp, "For ");
    say_dx(e, PP_PLAN_DX_NEUROPATHIC);
    pp_buf_adds(&e->tmp, ".");
    if (depressant >= 0) {
        pp_buf_addf(&e->tmp,
                    "\n\n**%s** is active: gabapentinoids are CNS depressants; weigh the "
                    "combination and start low (CDC 2022 Rec 11).",
                    med_label(e, depressant));
        cite_med(e, x, depressant);
    }
    if (current >= 0) {
        pp_buf_addf(&e->tmp, "\n\nAlready prescribed: **%s**.", med_label(e, current));
        cite_med(e, x, current);
    }
    cite_dx(e, x, PP_PLAN_DX_NEUROPATHIC);
    finish(e, x);
}

static void duloxetine(struct eval *e)
{
    struct pp_finding *x;
    struct pp_plan_item *it;
    long current = active_with_class(e, PP_DRUG_SNRI);

    if (!(e->plan->dx & DX_DULOX))
        return;
    it = add(e, R_DULOX, PP_PLAN_KIND_MEDICATION, PP_SEV_INFO, SRC_DESIGN, &x,
             current >= 0 ? "SNRI already prescribed: continue and review"
                          : "Duloxetine (SNRI) for neuropathic or chronic musculoskeletal pain");
    if (!it)
        return;
    /* RxNorm duloxetine 72625 (CLINICAL-FACTS §6.3, H). */
    med_item(it, "72625", "duloxetine");
    pp_buf_adds(&e->tmp, "For ");
    say_dx(e, DX_DULOX);
    pp_buf_adds(&e->tmp, ".");
    if (current >= 0) {
        pp_buf_addf(&e->tmp, "\n\nAlready prescribed: **%s**.", med_label(e, current));
        cite_med(e, x, current);
    }
    cite_dx(e, x, DX_DULOX);
    finish(e, x);
}

/* ------------------------------------------------------------------ interventions */

/* Add an intervention item with up to three catalogue ids (NULL-terminated). */
static struct pp_plan_item *procedure(struct eval *e, const char *rule, const char *src,
                                      struct pp_finding **x, const char *summary,
                                      const char *const *ids)
{
    struct pp_plan_item *it = add(e, rule, PP_PLAN_KIND_PROCEDURE, PP_SEV_INFO, src, x, summary);
    size_t n = 0;
    if (!it)
        return NULL;
    e->any_procedure = true;
    for (size_t i = 0; ids[i] && n < PP_PLAN_MAX_PROCS; i++) {
        const struct pp_proc_entry *pe = pp_procedure_by_id(ids[i]);
        if (!pe)
            continue; /* a catalogue id that went away: never invent one */
        it->proc_ids[n++] = pe->id;
        pp_buf_addf(&e->tmp, "%s- %s (`%s`", i ? "\n" : "", pe->name, pe->id);
        if (pe->cpt[0])
            pp_buf_addf(&e->tmp, ", CPT %s", pe->cpt[0]);
        pp_buf_adds(&e->tmp, ")");
    }
    pp_buf_adds(&e->tmp, "\n\n");
    return it;
}

/* CLINICAL-FACTS §2.5 NCD 160.7 and trial success. */
static void scs_text(struct eval *e)
{
    pp_buf_addf(&e->tmp,
                "a late resort after other modalities, with a multidisciplinary and "
                "psychological evaluation, and a trial with at least %g%% pain relief (or %g%% "
                "less analgesic) before an implant (NCD 160.7).",
                e->p->cov_scs_trial_relief_pct, e->p->cov_scs_trial_med_reduction_pct);
}

static void interventions(struct eval *e)
{
    unsigned dx = e->plan->dx;
    struct pp_finding *x;
    bool radicular = dx & PP_PLAN_DX_RADICULAR;

    if (e->red_flag)
        return; /* CLINICAL-FACTS §5: red flags first */
    if (radicular || (dx & PP_PLAN_DX_POST_LAMINECTOMY)) {
        const char *id = (dx & PP_PLAN_DX_RADICULAR_CERVICAL)   ? "esi-tf-cervical"
                         : (dx & PP_PLAN_DX_RADICULAR_THORACIC) ? "esi-tf-thoracic"
                                                                : "esi-tf-lumbar";
        const char *ids[] = {id, NULL};
        const struct pp_proc_entry *pe = pp_procedure_by_id(id);
        if (procedure(e, R_INT_RAD, SRC_ESI, &x,
                      pe ? pe->name : "Transforaminal epidural steroid injection", ids)) {
            pp_buf_adds(&e->tmp, "For ");
            say_dx(e, PP_PLAN_DX_RADICULAR | PP_PLAN_DX_POST_LAMINECTOMY);
            pp_buf_adds(&e->tmp, ". ESI indications include radicular pain and post-laminectomy "
                                 "syndrome; history and exam must be concordant with imaging, "
                                 "with a baseline pain and function scale (`painpath "
                                 "eligibility` checks the payer criteria).");
            cite_dx(e, x, PP_PLAN_DX_RADICULAR | PP_PLAN_DX_POST_LAMINECTOMY);
            finish(e, x);
        }
    }
    if (dx & PP_PLAN_DX_STENOSIS) {
        const char *ids[] = {"esi-il-lumbar", NULL};
        if (procedure(e, R_INT_STEN, SRC_ESI, &x, "Interlaminar ESI for neurogenic claudication",
                      ids)) {
            pp_buf_adds(&e->tmp, "For ");
            say_dx(e, PP_PLAN_DX_STENOSIS);
            pp_buf_adds(&e->tmp, ": neurogenic claudication from spinal stenosis is an ESI "
                                 "indication.");
            cite_dx(e, x, PP_PLAN_DX_STENOSIS);
            finish(e, x);
        }
    }
    if (dx & (PP_PLAN_DX_FACET | PP_PLAN_DX_AXIAL_LUMBAR | PP_PLAN_DX_AXIAL_CERVICAL)) {
        unsigned axial = PP_PLAN_DX_FACET | PP_PLAN_DX_AXIAL_LUMBAR | PP_PLAN_DX_AXIAL_CERVICAL;
        if (radicular) {
            /* CLINICAL-FACTS §2.3: facet selection needs no untreated radiculopathy. */
            if (add(e, R_INT_FACET_DEFER, PP_PLAN_KIND_PROCEDURE, PP_SEV_INFO, SRC_FACET, &x,
                    "Medial branch blocks deferred: treat the radicular pain first")) {
                pp_buf_adds(&e->tmp, "Axial/facet pain (");
                say_dx(e, axial);
                pp_buf_adds(&e->tmp, ") with radicular pain (");
                say_dx(e, PP_PLAN_DX_RADICULAR);
                pp_buf_adds(&e->tmp, "): facet interventions need predominantly axial pain and "
                                     "no untreated radiculopathy.");
                cite_dx(e, x, axial | PP_PLAN_DX_RADICULAR);
                finish(e, x);
            }
        } else {
            bool cervical = (dx & PP_PLAN_DX_FACET_CERVICAL) ||
                            ((dx & PP_PLAN_DX_AXIAL_CERVICAL) &&
                             !(dx & (PP_PLAN_DX_AXIAL_LUMBAR | PP_PLAN_DX_FACET)));
            const char *ids_l[] = {"mbb-lumbar", "rfa-mb-lumbar", NULL};
            const char *ids_c[] = {"mbb-cervical", "rfa-mb-cervical", NULL};
            if (procedure(e, R_INT_FACET, SRC_FACET, &x,
                          "Medial branch blocks, then radiofrequency ablation if positive",
                          cervical ? ids_c : ids_l)) {
                pp_buf_adds(&e->tmp, "For ");
                say_dx(e, axial);
                pp_buf_addf(&e->tmp,
                            ". Predominantly axial pain for at least %d months with failed "
                            "conservative care: %d diagnostic medial branch block(s), each with "
                            "at least %g%% relief of the index pain, before a first RFA.",
                            e->p->cov_facet_pain_months, e->p->cov_facet_dx_blocks_required,
                            e->p->cov_facet_block_relief_pct);
                cite_dx(e, x, axial);
                finish(e, x);
            }
        }
    }
    if (dx & PP_PLAN_DX_SI_JOINT) {
        const char *ids[] = {"sij-injection", NULL};
        if (procedure(e, R_INT_SI, SRC_SI, &x, "Sacroiliac joint injection (image-guided)", ids)) {
            pp_buf_adds(&e->tmp, "For ");
            say_dx(e, PP_PLAN_DX_SI_JOINT);
            pp_buf_addf(&e->tmp,
                        ". A diagnostic SI joint injection is positive with at least "
                        "%g%% relief; SI joint RFA (64625) is not covered.",
                        e->p->block_si_relief_pct);
            cite_dx(e, x, PP_PLAN_DX_SI_JOINT);
            finish(e, x);
        }
    }
    if (dx & PP_PLAN_DX_CRPS) {
        bool up = dx & PP_PLAN_DX_CRPS_UPPER, low = dx & PP_PLAN_DX_CRPS_LOWER;
        const char *ids[4];
        size_t n = 0;
        if (up || !low)
            ids[n++] = "stellate-ganglion-block";
        if (low || !up)
            ids[n++] = "lumbar-sympathetic-block";
        ids[n++] = "scs-trial";
        ids[n] = NULL;
        if (procedure(e, R_INT_CRPS, SRC_SCS, &x, "Sympathetic block; SCS trial evaluation", ids)) {
            e->scs_proposed = true;
            pp_buf_adds(&e->tmp, "For ");
            say_dx(e, PP_PLAN_DX_CRPS);
            pp_buf_adds(&e->tmp, ". The sympathetic block matches the affected limb (both "
                                 "listed when the record does not say which). CRPS I/II is a "
                                 "typical SCS indication: ");
            scs_text(e);
            cite_dx(e, x, PP_PLAN_DX_CRPS);
            finish(e, x);
        }
    }
    if (dx & PP_PLAN_DX_KNEE_OA) {
        const char *ids[] = {"joint-injection-large", "rfa-genicular", NULL};
        if (procedure(e, R_INT_KNEE, SRC_KNEE, &x,
                      "Knee corticosteroid injection; genicular nerve RFA", ids)) {
            pp_buf_adds(&e->tmp, "For ");
            say_dx(e, PP_PLAN_DX_KNEE_OA);
            pp_buf_adds(&e->tmp, ".");
            cite_dx(e, x, PP_PLAN_DX_KNEE_OA);
            finish(e, x);
        }
    }
    if ((dx & PP_PLAN_DX_POST_LAMINECTOMY) && radicular) {
        const char *ids[] = {"scs-trial", NULL};
        if (procedure(e, R_INT_SCS, SRC_SCS, &x,
                      "Spinal cord stimulation trial evaluation (post-laminectomy, radicular)",
                      ids)) {
            e->scs_proposed = true;
            pp_buf_adds(&e->tmp, "For ");
            say_dx(e, PP_PLAN_DX_POST_LAMINECTOMY | PP_PLAN_DX_RADICULAR);
            pp_buf_adds(&e->tmp, ". Failed back surgery / post-laminectomy syndrome with radicular "
                                 "pain is a typical SCS indication: ");
            scs_text(e);
            cite_dx(e, x, PP_PLAN_DX_POST_LAMINECTOMY | PP_PLAN_DX_RADICULAR);
            finish(e, x);
        }
    }
}

static void coordinate(struct eval *e)
{
    struct pp_finding *x;
    if (!(e->plan->dx & PP_PLAN_DX_MIGRAINE))
        return;
    if (!add(e, R_NEURO, PP_PLAN_KIND_REFERRAL, PP_SEV_INFO,
             "DESIGN.md: Multimodal plan (coordinated with the referring physicians)", &x,
             "Migraine: coordinate the headache plan with neurology"))
        return;
    pp_buf_adds(&e->tmp, "For ");
    say_dx(e, PP_PLAN_DX_MIGRAINE);
    pp_buf_adds(&e->tmp, ". The procedure catalogue has no migraine-specific intervention.");
    cite_dx(e, x, PP_PLAN_DX_MIGRAINE);
    finish(e, x);
}

/* ------------------------------------------------------------------ goals */

static void goal(struct eval *e, enum score_id s, double target, const char *how)
{
    struct pp_finding *x;
    struct pp_plan_item *it;
    char summary[PP_SUMMARY_MAX + 1], day[11];
    double baseline = score_value(e, s);

    if (target < 0)
        target = 0;
    target = round(target * 100.0) / 100.0; /* scores are reported to two decimals */
    snprintf(summary, sizeof(summary), "Function goal: %s from %g to %g or better",
             score_codes[s].name, baseline, target);
    it = add(e, R_GOAL, PP_PLAN_KIND_GOAL, PP_SEV_INFO, SRC_GOAL, &x, summary);
    if (!it)
        return;
    it->goal_target = target;
    it->goal_loinc = score_codes[s].loinc;
    it->due = e->now + e->p->plan_goal_review_days;
    pp_day_format(e->score[s]->effective, day);
    pp_buf_addf(&e->tmp, "Latest %s (LOINC %s, %s): **%g**. Goal: %s, reviewed within %d days.",
                score_codes[s].name, score_codes[s].loinc, day[0] ? day : "undated", baseline, how,
                e->p->plan_goal_review_days);
    cite_score(e, x, s);
    finish(e, x);
}

static void goals(struct eval *e)
{
    const struct pp_policy *p = e->p;
    char how[120];
    bool any = false;
    struct pp_finding *x;

    if (e->score[SC_PEG]) {
        double b = score_value(e, SC_PEG);
        snprintf(how, sizeof(how), "at least %g%% improvement", p->instr_mcid_peg_pct);
        goal(e, SC_PEG, b * (1.0 - p->instr_mcid_peg_pct / 100.0), how);
        any = true;
    }
    if (e->score[SC_NRS]) {
        double b = score_value(e, SC_NRS);
        double by_pts = p->instr_mcid_nrs_points, by_pct = b * p->instr_mcid_nrs_pct / 100.0;
        /* CLINICAL-FACTS §4.9 "2 points or 30%": either suffices unless the policy asks for
         * both, so the goal is the smaller (or, with both, the larger) improvement. */
        double need = p->instr_mcid_nrs_require_both ? fmax(by_pts, by_pct) : fmin(by_pts, by_pct);
        snprintf(how, sizeof(how), "%g points %s %g%% improvement", p->instr_mcid_nrs_points,
                 p->instr_mcid_nrs_require_both ? "and" : "or", p->instr_mcid_nrs_pct);
        goal(e, SC_NRS, b - need, how);
        any = true;
    }
    if (e->score[SC_ODI]) {
        snprintf(how, sizeof(how), "at least %g points lower", p->instr_mcid_odi_points);
        goal(e, SC_ODI, score_value(e, SC_ODI) - p->instr_mcid_odi_points, how);
        any = true;
    }
    if (e->score[SC_NDI]) {
        snprintf(how, sizeof(how), "at least %g points lower", p->instr_mcid_ndi_points);
        goal(e, SC_NDI, score_value(e, SC_NDI) - p->instr_mcid_ndi_points, how);
        any = true;
    }
    if (any)
        return;
    if (!add(e, R_GOAL_BASE, PP_PLAN_KIND_GOAL, PP_SEV_WARNING, SRC_BASELINE, &x,
             "No pain or function score on record: record a baseline PEG and ODI/NDI"))
        return;
    pp_buf_adds(&e->tmp, "No PEG (91147-9), NRS (72514-3), ODI (97909-6) or NDI (82237-9) "
                         "score was found. Goals are set against a baseline, and ESI coverage "
                         "needs the same pain and function scale before and after.");
    finish(e, x);
}

/* ------------------------------------------------------------------ follow-up, opioids */

static void followups(struct eval *e)
{
    const struct pp_policy *p = e->p;
    struct pp_finding *x;
    struct pp_plan_item *it;
    char day[11];

    if (e->plan->on_opioid) {
        long methadone = active_with_class(e, PP_DRUG_METHADONE);
        long la = active_with_class(e, PP_DRUG_LONG_ACTING_OPIOID);
        bool high = isfinite(e->plan->total_mme) && e->plan->total_mme >= p->mme_caution;
        int days = methadone >= 0      ? p->plan_methadone_followup_days
                   : (la >= 0 || high) ? p->plan_opioid_followup_min_days
                                       : p->plan_opioid_followup_max_days;
        pp_day due = e->now + days;
        char summary[PP_SUMMARY_MAX + 1];
        pp_day_format(due, day);
        snprintf(summary, sizeof(summary),
                 "Opioid follow-up within %d days (by %s), then at least every %d days", days, day,
                 p->rec07_reassess_days);
        it = add(e, R_FU_OPIOID, PP_PLAN_KIND_FOLLOWUP, PP_SEV_INFO, SRC_FU_OPIOID, &x, summary);
        if (it) {
            it->due = due;
            if (methadone >= 0)
                pp_buf_addf(&e->tmp,
                            "Methadone (**%s**): evaluate within %d days of a start or "
                            "dose increase.",
                            med_label(e, methadone), days);
            else if (la >= 0 || high)
                pp_buf_addf(&e->tmp,
                            "%s: the lower end of 1-4 weeks (%d days) after a start or "
                            "escalation.",
                            la >= 0 ? "ER/LA opioid" : "At least the caution MME/day", days);
            else
                pp_buf_addf(&e->tmp,
                            "Immediate-release opioid under %g MME/day: within %d days "
                            "of a start or escalation.",
                            p->mme_caution, days);
            pp_buf_addf(&e->tmp,
                        "\n\nReassess benefits and harms at least every %d days, more "
                        "often with depression or other mental illness, a substance use "
                        "history, prior overdose, at least %g MME/day or other CNS "
                        "depressants.",
                        p->rec07_reassess_days, p->mme_caution);
            cite_med(e, x, methadone >= 0 ? methadone : la);
            finish(e, x);
        }
    }
    if (e->any_procedure) {
        char summary[PP_SUMMARY_MAX + 1];
        snprintf(summary, sizeof(summary),
                 "Follow-up %d days after each intervention: relief diary, next step",
                 p->plan_procedure_followup_days);
        it = add(e, R_FU_PROC, PP_PLAN_KIND_FOLLOWUP, PP_SEV_INFO, SRC_FU_PROC, &x, summary);
        if (it) {
            pp_buf_addf(&e->tmp,
                        "Record the pain diary and the same pain/function scale; decide "
                        "the next step (repeat, RFA, trial) at the visit. The %d-day "
                        "interval is a policy value without a sheet row "
                        "(**unconfirmed**).",
                        p->plan_procedure_followup_days);
            finish(e, x);
        }
    }
    {
        pp_day due = e->now + p->plan_goal_review_days;
        char summary[PP_SUMMARY_MAX + 1];
        pp_day_format(due, day);
        snprintf(summary, sizeof(summary), "Review the plan and its goals by %s (%d days)", day,
                 p->plan_goal_review_days);
        it = add(e, R_FU_REVIEW, PP_PLAN_KIND_FOLLOWUP, PP_SEV_INFO, SRC_FU_REVIEW, &x, summary);
        if (it) {
            it->due = due;
            pp_buf_adds(&e->tmp, "Repeat the pain and function scores; keep what reached its "
                                 "goal, change what did not, and write back to the referring "
                                 "physician.");
            finish(e, x);
        }
    }
}

/* Copy an opioid finding's evidence ("Type/id") onto a plan finding (duplicates skipped). */
static void carry_evidence(struct eval *e, struct pp_finding *x, const struct pp_finding *from)
{
    for (size_t i = 0; i < from->n_evidence; i++) {
        const char *ref = from->evidence[i], *slash = strchr(ref, '/');
        bool seen = false;
        char type[64];
        size_t n;
        for (size_t k = 0; k < x->n_evidence; k++)
            seen = seen || strcmp(x->evidence[k], ref) == 0;
        if (seen || !slash || (n = (size_t)(slash - ref)) >= sizeof(type))
            continue;
        memcpy(type, ref, n);
        type[n] = '\0';
        pp_finding_evidence(e->f, x, type, slash + 1);
    }
}

/* Opioid findings the stance carries into the plan (rule ids of clinical/opioid.c). */
static const char *const stance_rules[] = {
    "PRACTICE-NO-LA",        "PRACTICE-SHORT-COURSE", "PRACTICE-NO-REPLACEMENT",
    "PRACTICE-EARLY-REFILL", "CDC22-REC04",           "CDC22-REC05",
    "CDC22-REC11",           "CDC22-REC12",           NULL};

static void opioid_stance(struct eval *e)
{
    const struct pp_policy *p = e->p;
    struct pp_finding *x;
    struct pp_plan_item *it;
    double ort = score_value(e, SC_ORT);
    bool ort_high = isfinite(ort) && ort >= p->plan_ort_high_min;
    size_t carried = 0;

    for (const char *const *r = stance_rules; *r; r++)
        carried += pp_findings_count_rule(e->opioid, *r);
    it = add(e, R_STANCE, PP_PLAN_KIND_OPIOID, carried || ort_high ? PP_SEV_WARNING : PP_SEV_INFO,
             SRC_STANCE, &x,
             e->plan->on_opioid ? "Opioid stance: on opioids; the practice policy applies"
                                : "Opioid stance: non-opioid plan; no opioid proposed");
    if (!it)
        return;
    pp_buf_addf(&e->tmp,
                "Practice policy: non-opioid and non-drug treatment first; no routine long-acting "
                "opioids; at most a short course (%d days) of a short-acting opioid; no "
                "replacement of lost, stolen or destroyed prescriptions; the risks (motor-vehicle "
                "accidents, overdose, immune suppression, hormonal change) are explained.",
                p->practice_short_course_max_days);
    if (e->plan->on_opioid && isfinite(e->plan->total_mme))
        pp_buf_addf(&e->tmp, "\n\nCurrent total: **%.2f MME/day**.", e->plan->total_mme);
    if (ort_high) {
        pp_buf_addf(&e->tmp, "\n\nORT **%g** (at least %d: high risk of opioid misuse).", ort,
                    p->plan_ort_high_min);
        cite_score(e, x, SC_ORT);
    }
    if (carried) {
        pp_buf_adds(&e->tmp, "\n\nOpioid-safety findings for this patient:");
        for (size_t i = 0; i < e->opioid->n; i++) {
            const struct pp_finding *o = &e->opioid->items[i];
            for (const char *const *r = stance_rules; *r; r++)
                if (strcmp(o->rule_id, *r) == 0) {
                    pp_buf_addf(&e->tmp, "\n- `%s`: %s", o->rule_id, o->summary);
                    carry_evidence(e, x, o);
                }
        }
    }
    finish(e, x);
}

static void naloxone(struct eval *e)
{
    struct pp_finding *x;
    struct pp_suggestion *s;
    struct pp_plan_item *it;
    if (!has_opioid_rule(e, "CDC22-REC08"))
        return;
    it = add(e, R_NALOXONE, PP_PLAN_KIND_OPIOID, PP_SEV_WARNING, SRC_NALOXONE, &x,
             "Offer naloxone (opioid overdose risk factor, none on record)");
    if (!it)
        return;
    for (size_t i = 0; i < e->opioid->n; i++)
        if (strcmp(e->opioid->items[i].rule_id, "CDC22-REC08") == 0) {
            pp_buf_addf(&e->tmp, "From the opioid checks (`CDC22-REC08`): %s",
                        e->opioid->items[i].summary);
            carry_evidence(e, x, &e->opioid->items[i]);
        }
    /* RxNorm naloxone 7242 (CLINICAL-FACTS §6.3, H). */
    med_item(it, "7242", "naloxone");
    s = pp_finding_suggest(e->f, x, PP_ACTION_CREATE, "Prescribe naloxone");
    if (s) {
        s->resource_type = "MedicationRequest";
        s->rxnorm = "7242";
        s->rxnorm_display = "naloxone";
    }
    finish(e, x);
}

static void no_diagnosis(struct eval *e)
{
    struct pp_finding *x;
    if (e->plan->dx & PP_PLAN_DX_PAIN_ALL)
        return;
    if (!add(e, R_NO_DX, PP_PLAN_KIND_REFERRAL, PP_SEV_INFO, SRC_DESIGN, &x,
             "No pain diagnosis the plan knows: record the diagnosis for specific proposals"))
        return;
    pp_buf_addf(&e->tmp,
                "%zu condition(s) on record; none matched the plan's codes or keywords "
                "(docs/rules-careplan.md).",
                e->r->n_conditions);
    finish(e, x);
}

/* ------------------------------------------------------------------ entry point */

enum pp_err pp_careplan_propose(const struct pp_record *r, pp_day now, const struct pp_policy *p,
                                const struct pp_terms *terms, const struct pp_drug_codes *codes,
                                struct pp_plan *out, struct pp_findings *f)
{
    struct pp_mme_result mme;
    struct pp_findings opioid;
    struct pp_opioid_context ctx = {PP_OPIOID_PATIENT_VIEW, NULL, 0};
    struct pp_terms empty;
    struct eval e;
    enum pp_err rc;

    memset(out, 0, sizeof(*out));
    out->total_mme = NAN;
    pp_mme_result_init(&mme);
    pp_findings_init(&opioid);
    pp_terms_init(&empty);
    rc = pp_mme_compute(r, now, p, codes, &mme);
    if (rc)
        goto out;
    pp_opioid_evaluate(r, now, p, terms ? terms : &empty, &mme, &ctx, &opioid);

    memset(&e, 0, sizeof(e));
    e.r = r;
    e.now = now;
    e.p = p;
    e.terms = terms;
    e.plan = out;
    e.f = f;
    e.mme = &mme;
    e.opioid = &opioid;
    pp_buf_init(&e.tmp, PP_BUF_UNLIMITED);
    for (size_t i = 0; i < mme.n_meds; i++)
        if (mme.meds[i].active && mme.meds[i].opioid)
            out->on_opioid = true;
    out->total_mme = mme.any_counted ? mme.total : NAN;

    collect_dx(&e);
    collect_scores(&e);
    red_flags(&e);
    rehab(&e);
    interventions(&e);
    psychology(&e); /* after interventions: an SCS evaluation asks for it */
    nsaid(&e);
    acetaminophen(&e);
    gabapentinoid(&e);
    duloxetine(&e);
    coordinate(&e);
    no_diagnosis(&e);
    goals(&e);
    followups(&e);
    opioid_stance(&e);
    naloxone(&e);
    pp_buf_release(&e.tmp);
out:
    pp_terms_release(&empty);
    pp_findings_release(&opioid);
    pp_mme_result_release(&mme);
    return rc;
}
