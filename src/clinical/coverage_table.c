/*
 * coverage_table.c — the default eligibility criteria as data: one row per criterion per
 * procedure family (the Medicare LCD family of CLINICAL-FACTS §2, with the §0 rows that
 * override it), and which catalogue entries answer to which family. No logic here: the
 * kinds are evaluated in coverage.c; the numbers are policy keys (policy_coverage.def).
 */
#include <string.h>

#include "clinical/coverage.h"
#include "clinical/coverage_int.h"

/* ROW(id, family, kind, policy keys, prior family or NULL, herpes zoster exempt, title,
 *     statement, source) */
/* clang-format off */
#define PP_COV_ROWS(ROW)                                                                           \
    /* --- epidural steroid injections: §0 ESI rows override §2.2 --- */                           \
    ROW("COV-ESI-PAIN-DURATION", "esi", PP_COV_PAIN_DAYS, "cov_esi_pain_days", NULL, true,         \
        "ESI: pain for at least 4 weeks",                                                          \
        "An ESI needs pain for at least cov_esi_pain_days days before the date (herpes zoster "    \
        "exempt); otherwise eligible on onset + that many days.",                                  \
        "CLINICAL-FACTS §0 ESI prerequisites; §2.2 duration")                                      \
    ROW("COV-ESI-CONSERVATIVE", "esi", PP_COV_CONSERVATIVE, "cov_esi_conservative_days", NULL,     \
        true, "ESI: 4 weeks of failed conservative care",                                          \
        "An ESI needs documented failure of conservative care begun at least "                     \
        "cov_esi_conservative_days days before (herpes zoster exempt).",                           \
        "CLINICAL-FACTS §0 ESI prerequisites; §2.2 conservative care")                             \
    ROW("COV-ESI-IMAGING", "esi", PP_COV_IMAGING, "", NULL, false,                                 \
        "ESI: imaging concordant with the history",                                                \
        "An ESI needs imaging done on or before the date (history and exam concordant with "       \
        "imaging).",                                                                               \
        "CLINICAL-FACTS §2.2 indications (concordant with imaging)")                               \
    ROW("COV-ESI-SCALES", "esi", PP_COV_SAME_SCALE, "", "esi", false,                              \
        "ESI: the same pain/function scale at baseline and follow-up",                             \
        "An ESI needs a baseline pain scale and a function scale, and every follow-up of a prior " \
        "ESI in the region on the same scale.",                                                    \
        "CLINICAL-FACTS §0 ESI prerequisites; §2.2 baseline")                                      \
    ROW("COV-ESI-GUIDANCE", "esi", PP_COV_GUIDE_CONTRAST, "", NULL, false,                         \
        "ESI: fluoroscopy or CT with contrast",                                                    \
        "An ESI is covered under fluoroscopy or CT with contrast (without contrast only with a "   \
        "contrast allergy); ultrasound only with a contrast allergy or pregnancy; never without "  \
        "imaging.",                                                                                \
        "CLINICAL-FACTS §0 ESI prerequisites; §2.2 imaging guidance")                              \
    ROW("COV-ESI-TF-LEVELS", "esi-tf", PP_COV_MAX_LEVELS_KIND, "cov_esi_tf_max_levels", NULL,      \
        false, "Transforaminal ESI: at most 2 levels",                                             \
        "A transforaminal ESI session covers at most cov_esi_tf_max_levels levels (unilateral or " \
        "bilateral).",                                                                             \
        "CLINICAL-FACTS §0 ESI limits; §2.2 levels per session")                                   \
    ROW("COV-ESI-IL-LEVELS", "esi-il", PP_COV_MAX_LEVELS_KIND, "cov_esi_il_max_levels", NULL,      \
        false, "Interlaminar/caudal ESI: 1 level",                                                 \
        "An interlaminar or caudal ESI session covers at most cov_esi_il_max_levels level.",       \
        "CLINICAL-FACTS §0 ESI limits; §2.2 levels per session")                                   \
    ROW("COV-ESI-IL-BILATERAL", "esi-il", PP_COV_NOT_BILATERAL, "", NULL, false,                   \
        "Interlaminar/caudal ESI: never bilateral",                                                \
        "An interlaminar or caudal ESI is never billed bilateral.",                                \
        "CLINICAL-FACTS §0 ESI limits (interlaminar/caudal never bilateral)")                      \
    ROW("COV-ESI-ONE-REGION", "esi", PP_COV_MAX_REGIONS, "cov_esi_regions_per_session", NULL,      \
        false, "ESI: one spinal region per session",                                               \
        "The levels of one ESI session lie in at most cov_esi_regions_per_session spinal region "  \
        "(cervical, thoracic, lumbosacral).",                                                      \
        "CLINICAL-FACTS §0 ESI limits; §2.2 levels per session")                                   \
    ROW("COV-ESI-SESSIONS", "esi", PP_COV_MAX_SESSIONS,                                            \
        "cov_esi_sessions_max,cov_esi_window_months", "esi", false,                                \
        "ESI: at most 4 sessions per region per rolling 12 months",                                \
        "Prior ESI sessions in the region within the rolling window, plus this one, are at most "  \
        "cov_esi_sessions_max; otherwise eligible when the oldest leaves the window.",             \
        "CLINICAL-FACTS §0 ESI limits; §2.2 frequency")                                            \
    ROW("COV-ESI-REPEAT", "esi", PP_COV_REPEAT_OR_RETRY,                                           \
        "cov_esi_repeat_relief_pct,cov_esi_repeat_relief_months,cov_esi_repeat_function_pct,"      \
        "cov_esi_failed_retry_days", "esi", false,                                                 \
        "ESI repeat: >= 50% relief for >= 3 months, or >= 50% function",                          \
        "After a prior ESI in the region, a repeat needs its relief >= cov_esi_repeat_relief_pct " \
        "for >= cov_esi_repeat_relief_months months or function improvement >= "                  \
        "cov_esi_repeat_function_pct; after a failed first ESI, a repeat >= "                      \
        "cov_esi_failed_retry_days days later with a different approach, level or drug.",          \
        "CLINICAL-FACTS §0 ESI repeat; §2.2 repeat ESI")                                           \
    /* --- facet joint interventions: §0 facet rows override §2.3 --- */                          \
    ROW("COV-FACET-PAIN-DURATION", "facet", PP_COV_PAIN_MONTHS, "cov_facet_pain_months", NULL,     \
        false, "Facet: pain for at least 3 months",                                                \
        "Facet interventions need pain for at least cov_facet_pain_months months.",                \
        "CLINICAL-FACTS §2.3 patient selection")                                                   \
    ROW("COV-FACET-CONSERVATIVE", "facet", PP_COV_CONSERVATIVE, "", NULL, false,                   \
        "Facet: failed noninvasive conservative care",                                             \
        "Facet interventions need documented failure of noninvasive conservative care (no "        \
        "duration is stated).",                                                                    \
        "CLINICAL-FACTS §2.3 patient selection")                                                   \
    ROW("COV-FACET-GUIDANCE", "facet", PP_COV_GUIDE_NO_US, "", NULL, false,                        \
        "Facet: fluoroscopy or CT; ultrasound not covered",                                        \
        "Facet interventions are covered under fluoroscopy or CT only.",                           \
        "CLINICAL-FACTS §2.3 guidance; §2.6 0213T-0218T")                                          \
    ROW("COV-FACET-LEVELS", "facet", PP_COV_MAX_LEVELS_KIND, "cov_facet_max_levels", NULL, false,  \
        "Facet: at most 2 levels per session",                                                     \
        "A facet session covers at most cov_facet_max_levels levels (unilateral or bilateral); "   \
        "a 3rd level is not covered.",                                                             \
        "CLINICAL-FACTS §2.3 levels; §0 facet exclusions")                                         \
    ROW("COV-FACET-DX-SESSIONS", "facet-diagnostic", PP_COV_MAX_SESSIONS,                          \
        "cov_facet_dx_sessions_max,cov_facet_window_months", "facet-diagnostic", false,            \
        "Facet diagnostic blocks: at most 4 per region per rolling 12 months",                     \
        "Prior diagnostic facet sessions (MBB or IA) in the region within the window, plus this "  \
        "one, are at most cov_facet_dx_sessions_max.",                                             \
        "CLINICAL-FACTS §0 facet diagnostic blocks")                                               \
    ROW("COV-FACET-DX-INTERVAL", "facet-diagnostic", PP_COV_MIN_INTERVAL,                          \
        "cov_facet_dx_interval_days", "facet-diagnostic", false,                                   \
        "Facet: the second diagnostic block >= 2 weeks after the first",                           \
        "A diagnostic facet block is at least cov_facet_dx_interval_days days after the previous " \
        "one in the region; otherwise eligible on that day.",                                      \
        "CLINICAL-FACTS §0 facet diagnostic blocks")                                               \
    ROW("COV-FACET-DX-SECOND", "facet-diagnostic", PP_COV_PREVIOUS_POSITIVE,                       \
        "cov_facet_block_relief_pct,cov_facet_window_months", "facet-diagnostic", false,           \
        "Facet: a second diagnostic block only after a first >= 80%",                              \
        "When a diagnostic facet block in the region lies within the window, the latest gave at "  \
        "least cov_facet_block_relief_pct relief.",                                                \
        "CLINICAL-FACTS §2.3 second diagnostic block")                                             \
    ROW("COV-FACET-RFA-BLOCKS", "facet-rfa", PP_COV_POSITIVE_BLOCKS,                               \
        "cov_facet_dx_blocks_required,cov_facet_block_relief_pct,cov_facet_reblock_months",        \
        "facet-mbb", false, "First facet RFA: two MBBs each >= 80%",                               \
        "A first RFA in the region (or one >= cov_facet_reblock_months months after the last) "    \
        "needs cov_facet_dx_blocks_required medial branch blocks (since the last RFA) each with "  \
        ">= cov_facet_block_relief_pct relief.",                                                   \
        "CLINICAL-FACTS §2.3 initial thermal RFA; §0 facet RFA repeat (2 years)")                  \
    ROW("COV-FACET-RFA-REPEAT", "facet-rfa", PP_COV_REPEAT_RELIEF,                                 \
        "cov_facet_rfa_repeat_relief_pct,cov_facet_rfa_repeat_months,"                             \
        "cov_facet_rfa_repeat_function_pct,cov_facet_reblock_months", "facet-rfa", false,          \
        "Facet RFA repeat: >= 50% for >= 6 months",                                                \
        "A repeat RFA within cov_facet_reblock_months months of the last needs its relief >= "     \
        "cov_facet_rfa_repeat_relief_pct for >= cov_facet_rfa_repeat_months months, or activity "  \
        "improvement >= cov_facet_rfa_repeat_function_pct.",                                       \
        "CLINICAL-FACTS §0 facet RFA repeat; §2.3 repeat RFA")                                     \
    ROW("COV-FACET-RFA-SESSIONS", "facet-rfa", PP_COV_MAX_SESSIONS,                                \
        "cov_facet_rfa_sessions_max,cov_facet_window_months", "facet-rfa", false,                  \
        "Facet RFA: at most 2 per region per 12 months",                                           \
        "Prior RFA sessions in the region within the window, plus this one, are at most "          \
        "cov_facet_rfa_sessions_max.",                                                             \
        "CLINICAL-FACTS §0 facet RFA repeat; §2.3 frequency, RFA")                                 \
    ROW("COV-FACET-IA-BLOCKS", "facet-therapeutic", PP_COV_POSITIVE_BLOCKS,                        \
        "cov_facet_dx_blocks_required,cov_facet_block_relief_pct", "facet-diagnostic", false,      \
        "Therapeutic facet injection: two diagnostic blocks each >= 80%",                          \
        "A therapeutic intra-articular facet injection needs cov_facet_dx_blocks_required "        \
        "diagnostic blocks in the region each >= cov_facet_block_relief_pct.",                     \
        "CLINICAL-FACTS §2.3 therapeutic IA facet injection")                                      \
    ROW("COV-FACET-IA-REPEAT", "facet-therapeutic", PP_COV_REPEAT_RELIEF,                          \
        "cov_facet_ia_repeat_relief_pct,cov_facet_ia_repeat_months,"                               \
        "cov_facet_ia_repeat_function_pct", "facet-therapeutic", false,                            \
        "Therapeutic facet injection repeat: >= 50% for >= 3 months",                              \
        "A repeat therapeutic facet injection needs the previous one's relief >= "                 \
        "cov_facet_ia_repeat_relief_pct for >= cov_facet_ia_repeat_months months, or ADL "         \
        "improvement >= cov_facet_ia_repeat_function_pct.",                                        \
        "CLINICAL-FACTS §2.3 therapeutic IA facet injection")                                      \
    ROW("COV-FACET-IA-SESSIONS", "facet-therapeutic", PP_COV_MAX_SESSIONS,                         \
        "cov_facet_ia_sessions_max,cov_facet_window_months", "facet-therapeutic", false,           \
        "Therapeutic facet injection: at most 4 per region per 12 months",                         \
        "Prior therapeutic facet sessions in the region within the window, plus this one, are at " \
        "most cov_facet_ia_sessions_max.",                                                         \
        "CLINICAL-FACTS §2.3 frequency, therapeutic IA")                                           \
    /* --- sacroiliac joint: §0 SI joint row over §2.4 --- */                                      \
    ROW("COV-SIJ-PAIN-DURATION", "sij", PP_COV_PAIN_MONTHS, "cov_sij_pain_months", NULL, false,    \
        "SI joint: pain for at least 3 months",                                                    \
        "SI joint procedures need pain for at least cov_sij_pain_months months.",                  \
        "CLINICAL-FACTS §2.4 pain")                                                                \
    ROW("COV-SIJ-PROVOCATION", "sij", PP_COV_PROVOCATION, "cov_sij_provocation_min", NULL, false,  \
        "SI joint: at least 3 positive provocation tests",                                         \
        "SI joint procedures need at least cov_sij_provocation_min positive provocation "          \
        "maneuvers.",                                                                              \
        "CLINICAL-FACTS §2.4 exam")                                                                \
    ROW("COV-SIJ-CONSERVATIVE", "sij", PP_COV_CONSERVATIVE, "cov_sij_conservative_days", NULL,     \
        false, "SI joint: 4 weeks of failed conservative care",                                    \
        "SI joint procedures need documented failure of conservative care begun at least "         \
        "cov_sij_conservative_days days before.",                                                  \
        "CLINICAL-FACTS §2.4 conservative care")                                                   \
    ROW("COV-SIJ-IMAGING", "sij", PP_COV_IMAGING, "", NULL, false,                                 \
        "SI joint: imaging excludes other pain generators",                                        \
        "SI joint procedures need imaging done on or before the date.",                            \
        "CLINICAL-FACTS §2.4 exclusion of other causes")                                           \
    ROW("COV-SIJ-GUIDANCE", "sij", PP_COV_GUIDE_CONTRAST, "", NULL, false,                         \
        "SI joint: CT or fluoroscopy with contrast",                                               \
        "SI joint injections are covered under CT or fluoroscopy with contrast; ultrasound only "  \
        "with a contrast allergy or pregnancy.",                                                   \
        "CLINICAL-FACTS §2.4 guidance")                                                            \
    ROW("COV-SIJ-DX-SESSIONS", "sij-diagnostic", PP_COV_MAX_SESSIONS,                              \
        "cov_sij_dx_sessions_max,cov_sij_window_months", "sij-diagnostic", false,                  \
        "SI joint: at most 2 diagnostic sessions per 12 months",                                   \
        "Prior diagnostic SI joint sessions within the window, plus this one, are at most "        \
        "cov_sij_dx_sessions_max.",                                                                \
        "CLINICAL-FACTS §0 SI joint; §2.4 frequency")                                              \
    ROW("COV-SIJ-TX-BLOCKS", "sij-therapeutic", PP_COV_POSITIVE_BLOCKS,                            \
        "cov_sij_dx_blocks_required,cov_sij_dx_relief_pct", "sij-diagnostic", false,               \
        "Therapeutic SI joint injection: a prior diagnostic >= 75%",                               \
        "A therapeutic SI joint injection needs cov_sij_dx_blocks_required diagnostic SI joint "   \
        "injection(s) with >= cov_sij_dx_relief_pct relief.",                                      \
        "CLINICAL-FACTS §2.4 diagnostic SIJI positive, therapeutic SIJI")                          \
    ROW("COV-SIJ-TX-SESSIONS", "sij-therapeutic", PP_COV_MAX_SESSIONS,                             \
        "cov_sij_tx_sessions_max,cov_sij_window_months", "sij-therapeutic", false,                 \
        "SI joint: at most 4 therapeutic sessions per 12 months",                                  \
        "Prior therapeutic SI joint sessions within the window, plus this one, are at most "       \
        "cov_sij_tx_sessions_max.",                                                                \
        "CLINICAL-FACTS §0 SI joint; §2.4 frequency")                                              \
    ROW("COV-SIJ-TX-REPEAT", "sij-therapeutic", PP_COV_REPEAT_RELIEF,                              \
        "cov_sij_repeat_relief_pct,cov_sij_repeat_months,cov_sij_repeat_function_pct",             \
        "sij-therapeutic", false, "SI joint repeat: >= 50% for >= 3 months",                       \
        "A repeat therapeutic SI joint injection needs the previous one's relief >= "              \
        "cov_sij_repeat_relief_pct for >= cov_sij_repeat_months months, or function improvement "  \
        ">= cov_sij_repeat_function_pct.",                                                         \
        "CLINICAL-FACTS §2.4 therapeutic SIJI (repeat)")                                           \
    ROW("COV-SIJ-RFA", "sij-rfa", PP_COV_NOT_COVERED, "", NULL, false,                             \
        "SI joint RFA (64625) is not covered",                                                     \
        "Radiofrequency ablation of the nerves of the SI joint (any technique) is not covered.",   \
        "CLINICAL-FACTS §0 SI joint; §2.4 not covered; §2.6 64625")                                \
    /* --- spinal cord stimulation: NCD 160.7 and §0 SCS over §2.5 --- */                          \
    ROW("COV-SCS-PSYCH", "scs", PP_COV_PSYCH_EVAL, "", NULL, false,                                \
        "SCS: psychological evaluation",                                                           \
        "SCS (trial and implant) needs a psychological as well as physical evaluation on or "      \
        "before the date.",                                                                        \
        "CLINICAL-FACTS §2.5 NCD 160.7 conditions (3); psych evaluation by")                       \
    ROW("COV-SCS-OTHER-MODALITIES", "scs", PP_COV_OTHER_FAILED, "", NULL, false,                   \
        "SCS: other modalities tried and failed",                                                  \
        "SCS needs other modalities (pharmacologic, surgical, physical, psychological) tried and "  \
        "unsatisfactory, or unsuitable.",                                                          \
        "CLINICAL-FACTS §2.5 NCD 160.7 conditions (1), (2)")                                       \
    ROW("COV-SCS-CONSERVATIVE", "scs", PP_COV_CONSERVATIVE, "", NULL, false,                       \
        "SCS: failed conservative care",                                                           \
        "SCS needs documented failure of conservative care.",                                      \
        "CLINICAL-FACTS §2.5 other documentation")                                                 \
    ROW("COV-SCS-PAIN-DURATION", "scs", PP_COV_PAIN_MONTHS, "cov_scs_pain_months", NULL, false,    \
        "SCS: pain duration (a commercial payer's number)",                                        \
        "SCS needs pain for at least cov_scs_pain_months months: the LCD states none; the "        \
        "default is a commercial payer's number, UNCONFIRMED (0 disables).",                       \
        "CLINICAL-FACTS §0 SCS (L); §2.5 minimum pain duration (UNCONFIRMED)")                     \
    ROW("COV-SCS-TRIAL-SUCCESS", "scs-implant", PP_COV_TRIAL_SUCCESS,                              \
        "cov_scs_trial_relief_pct,cov_scs_trial_med_reduction_pct", "scs-trial", false,            \
        "SCS implant: a trial with >= 50% relief or >= 50% less medication",                       \
        "A permanent implant needs a prior trial with >= cov_scs_trial_relief_pct pain reduction " \
        "or >= cov_scs_trial_med_reduction_pct analgesic reduction.",                              \
        "CLINICAL-FACTS §2.5 NCD 160.7 conditions (5); trial success")                             \
    ROW("COV-SCS-TRIAL-LENGTH", "scs-implant", PP_COV_TRIAL_LENGTH, "cov_scs_trial_min_days",      \
        "scs-trial", false, "SCS implant: trial length (a commercial payer's number)",             \
        "The trial before an implant lasted at least cov_scs_trial_min_days days: the LCD says "   \
        "'a short trial'; the default is a commercial payer's number, UNCONFIRMED (0 disables).",  \
        "CLINICAL-FACTS §0 SCS (L); §2.5 trial length (UNCONFIRMED)")                              \
    ROW("COV-SCS-TRIALS-LIFETIME", "scs-trial", PP_COV_MAX_SESSIONS, "cov_scs_trials_max",         \
        "scs-trial", false, "SCS: at most 2 trials per spinal region per lifetime",                \
        "Prior SCS trials in the spinal region, plus this one, are at most cov_scs_trials_max "    \
        "(lifetime; exceptions for technical failure or a new modality are not modelled).",        \
        "CLINICAL-FACTS §2.5 limits (A56876/L37632)")
/* clang-format on */

#define AS_ROW(id, family, kind, keys, prior, zoster, title, statement, source)                    \
    {id, family, kind, keys, prior, zoster, title, source},
#define AS_RULE(id, family, kind, keys, prior, zoster, title, statement, source)                   \
    {id, title, statement, source, keys},

static const struct pp_cov_criterion default_rows[] = {PP_COV_ROWS(AS_ROW)};
#define SRC_VERDICT "CLINICAL-FACTS §0, §2 (Medicare LCDs, NCD 160.7)"
/* The verdicts of a whole order (the procedure-order-sign CDS service's cards) after the
 * criteria rows. */
/* clang-format off */
static const struct pp_rule_info rules[] = {
    PP_COV_ROWS(AS_RULE)
    {"COV-ELIGIBLE", "Procedure order meets the payer criteria",
     "Every coverage criterion that applies to the ordered procedure is met on its date: an info "
     "card listing them.",
     SRC_VERDICT, ""},
    {"COV-ELIGIBLE-LATER", "Procedure order eligible on a later date",
     "Only time stands in the way (pain duration, conservative care, an interval): a warning card "
     "with the first date every criterion is met.",
     SRC_VERDICT, ""},
    {"COV-NOT-ELIGIBLE", "Procedure order does not meet the payer criteria",
     "One or more coverage criteria are unmet: a warning card naming each (critical when one can "
     "never be met, e.g. a procedure that is not covered).",
     SRC_VERDICT, ""},
    {"COV-NO-CRITERIA", "No payer criteria for the procedure",
     "The criteria table has no row for the ordered procedure: an info card.", SRC_VERDICT, ""},
};
/* clang-format on */

const struct pp_cov_criterion *pp_cov_default_rows(size_t *count)
{
    *count = sizeof(default_rows) / sizeof(default_rows[0]);
    return default_rows;
}

const struct pp_rule_info *pp_coverage_rules(size_t *count)
{
    *count = sizeof(rules) / sizeof(rules[0]);
    return rules;
}

/* Which catalogue entries answer to which family: entry id (or id prefix ending in '-'),
 * family, group, group-diagnostic and group-therapeutic names (NULL: the purpose has no
 * separate name). An entry not listed has no criteria. "rfa-sij" (64625) is listed for when
 * the catalogue carries it. */
/* clang-format off */
static const struct pp_cov_family_map families[] = {
    {"esi-tf-",         "esi-tf",          "esi",   NULL,               NULL},
    {"esi-il-",         "esi-il",          "esi",   NULL,               NULL},
    {"esi-caudal",      "esi-il",          "esi",   NULL,               NULL},
    {"mbb-",            "facet-mbb",       "facet", "facet-diagnostic", NULL},
    {"facet-ia-",       "facet-ia",        "facet", "facet-diagnostic", "facet-therapeutic"},
    {"rfa-mb-",         "facet-rfa",       "facet", NULL,               NULL},
    {"sij-injection",   "sij-injection",   "sij",   "sij-diagnostic",   "sij-therapeutic"},
    {"sij-nerve-block", "sij-nerve-block", "sij",   "sij-diagnostic",   NULL},
    {"rfa-sij",         "sij-rfa",         "sij",   NULL,               NULL},
    {"scs-trial",       "scs-trial",       "scs",   NULL,               NULL},
    {"scs-implant",     "scs-implant",     "scs",   NULL,               NULL},
};
/* clang-format on */

const struct pp_cov_family_map *pp_cov_family_of(const char *entry_id)
{
    for (size_t i = 0; i < sizeof(families) / sizeof(families[0]); i++) {
        const char *m = families[i].match;
        size_t n = strlen(m);
        if (m[n - 1] == '-' ? strncmp(entry_id, m, n) == 0 : strcmp(entry_id, m) == 0)
            return &families[i];
    }
    return NULL;
}

bool pp_cov_family_known(const char *name)
{
    for (size_t i = 0; i < sizeof(families) / sizeof(families[0]); i++) {
        const struct pp_cov_family_map *f = &families[i];
        const char *names[] = {f->family, f->group, f->diagnostic, f->therapeutic};
        for (size_t k = 0; k < 4; k++)
            if (names[k] && strcmp(names[k], name) == 0)
                return true;
    }
    return false;
}
