/*
 * instruments.c — the questionnaires' items, scoring, bands, missing-item rules
 * and MCIDs, every number from CLINICAL-FACTS §0, §4 or §6.1 (the §0 rows win).
 * Item wording is shipped only for NRS, PEG, PHQ and GAD (free to redistribute);
 * BPI, ODI, NDI, ORT and STarT Back are licensed: scoring and item ids only.
 * Pure: no I/O, no clock, no globals beyond const tables.
 */
#include "clinical/instruments.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

/* Comparisons of computed percentages and means tolerate rounding (30% of 10 is 3). */
#define EPS 1e-9

/* ------------------------------------------------------------------ items */

/* PHQ-9 / GAD-7 answers (Pfizer, free; CLINICAL-FACTS §4.5 licence row). */
#define PHQ_STEM                                                                                   \
    "Over the last 2 weeks, how often have you been bothered by any of the following problems?"
#define GAD_STEM                                                                                   \
    "Over the last 2 weeks, how often have you been bothered by the following problems?"
#define PHQ_OPTIONS                                                                                \
    "0 = Not at all, 1 = Several days, 2 = More than half the days, 3 = Nearly every day"

#define PHQ1 "Little interest or pleasure in doing things"
#define PHQ2 "Feeling down, depressed, or hopeless"
#define GAD1 "Feeling nervous, anxious, or on edge"
#define GAD2 "Not being able to stop or control worrying"

/* clang-format off */
static const struct pp_instrument_item nrs_items[] = {
    {"1", "pain intensity",
     "On a scale from 0 to 10, where 0 is no pain and 10 is the worst pain imaginable, what number "
     "best describes your pain?", "72514-3", 0, 10, 0, true},
};

/* CLINICAL-FACTS §4.1: P, E, G, each 0-10 over the past week, with their LOINC codes. */
static const struct pp_instrument_item peg_items[] = {
    {"1", "average pain",
     "What number best describes your pain on average in the past week?", "75893-8", 0, 10, 0, true},
    {"2", "enjoyment of life",
     "What number best describes how, during the past week, pain has interfered with your "
     "enjoyment of life?", "91145-3", 0, 10, 0, true},
    {"3", "general activity",
     "What number best describes how, during the past week, pain has interfered with your general "
     "activity?", "91146-1", 0, 10, 0, true},
};

static const struct pp_instrument_item phq2_items[] = {
    {"1", "anhedonia", PHQ1, NULL, 0, 3, 0, true},
    {"2", "depressed mood", PHQ2, NULL, 0, 3, 0, true},
};

/* CLINICAL-FACTS §4.5: 9 items 0-3; item 10 (difficulty) is asked but not scored. */
static const struct pp_instrument_item phq9_items[] = {
    {"1", "anhedonia", PHQ1, NULL, 0, 3, 0, true},
    {"2", "depressed mood", PHQ2, NULL, 0, 3, 0, true},
    {"3", "sleep", "Trouble falling or staying asleep, or sleeping too much", NULL, 0, 3, 0, true},
    {"4", "energy", "Feeling tired or having little energy", NULL, 0, 3, 0, true},
    {"5", "appetite", "Poor appetite or overeating", NULL, 0, 3, 0, true},
    {"6", "self-worth",
     "Feeling bad about yourself \xe2\x80\x94 or that you are a failure or have let yourself or your "
     "family down", NULL, 0, 3, 0, true},
    {"7", "concentration",
     "Trouble concentrating on things, such as reading the newspaper or watching television", NULL,
     0, 3, 0, true},
    {"8", "psychomotor",
     "Moving or speaking so slowly that other people could have noticed? Or the opposite \xe2\x80\x94 "
     "being so fidgety or restless that you have been moving around a lot more than usual", NULL,
     0, 3, 0, true},
    {"9", "self-harm",
     "Thoughts that you would be better off dead or of hurting yourself in some way", NULL, 0, 3, 0,
     true},
    {"10", "difficulty",
     "If you checked off any problems, how difficult have these problems made it for you to do "
     "your work, take care of things at home, or get along with other people? (0 = Not difficult "
     "at all, 1 = Somewhat difficult, 2 = Very difficult, 3 = Extremely difficult)", NULL, 0, 3, 0,
     false},
};

static const struct pp_instrument_item gad2_items[] = {
    {"1", "nervousness", GAD1, NULL, 0, 3, 0, true},
    {"2", "uncontrolled worry", GAD2, NULL, 0, 3, 0, true},
};

static const struct pp_instrument_item gad7_items[] = {
    {"1", "nervousness", GAD1, NULL, 0, 3, 0, true},
    {"2", "uncontrolled worry", GAD2, NULL, 0, 3, 0, true},
    {"3", "excessive worry", "Worrying too much about different things", NULL, 0, 3, 0, true},
    {"4", "trouble relaxing", "Trouble relaxing", NULL, 0, 3, 0, true},
    {"5", "restlessness", "Being so restless that it is hard to sit still", NULL, 0, 3, 0, true},
    {"6", "irritability", "Becoming easily annoyed or irritable", NULL, 0, 3, 0, true},
    {"7", "fear", "Feeling afraid as if something awful might happen", NULL, 0, 3, 0, true},
};

/* CLINICAL-FACTS §4.2 (licensed: no wording). Severity Q3-Q6, interference Q9 A-G, relief Q8. */
static const struct pp_instrument_item bpi_items[] = {
    {"3", "worst pain (24 h)", NULL, NULL, 0, 10, 0, true},
    {"4", "least pain (24 h)", NULL, NULL, 0, 10, 0, true},
    {"5", "average pain", NULL, NULL, 0, 10, 0, true},
    {"6", "pain now", NULL, NULL, 0, 10, 0, true},
    {"9a", "interference: general activity", NULL, NULL, 0, 10, 0, true},
    {"9b", "interference: mood", NULL, NULL, 0, 10, 0, true},
    {"9c", "interference: walking ability", NULL, NULL, 0, 10, 0, true},
    {"9d", "interference: normal work", NULL, NULL, 0, 10, 0, true},
    {"9e", "interference: relations with others", NULL, NULL, 0, 10, 0, true},
    {"9f", "interference: sleep", NULL, NULL, 0, 10, 0, true},
    {"9g", "interference: enjoyment of life", NULL, NULL, 0, 10, 0, true},
    {"8", "relief from treatment (%)", NULL, NULL, 0, 100, 10, false},
};
#define BPI_N_SEVERITY 4
#define BPI_FIRST_INTERFERENCE 4
#define BPI_N_INTERFERENCE 7

/* CLINICAL-FACTS §4.3: 10 sections, each 0-5 (licensed: no wording). */
static const struct pp_instrument_item odi_items[] = {
    {"1", "pain intensity", NULL, NULL, 0, 5, 0, true},
    {"2", "personal care", NULL, NULL, 0, 5, 0, true},
    {"3", "lifting", NULL, NULL, 0, 5, 0, true},
    {"4", "walking", NULL, NULL, 0, 5, 0, true},
    {"5", "sitting", NULL, NULL, 0, 5, 0, true},
    {"6", "standing", NULL, NULL, 0, 5, 0, true},
    {"7", "sleeping", NULL, NULL, 0, 5, 0, true},
    {"8", "sex life", NULL, NULL, 0, 5, 0, true},
    {"9", "social life", NULL, NULL, 0, 5, 0, true},
    {"10", "travelling", NULL, NULL, 0, 5, 0, true},
};

/* CLINICAL-FACTS §4.4: 10 items, each 0-5 (licensed: no wording). */
static const struct pp_instrument_item ndi_items[] = {
    {"1", "pain intensity", NULL, NULL, 0, 5, 0, true},
    {"2", "personal care", NULL, NULL, 0, 5, 0, true},
    {"3", "lifting", NULL, NULL, 0, 5, 0, true},
    {"4", "reading", NULL, NULL, 0, 5, 0, true},
    {"5", "headaches", NULL, NULL, 0, 5, 0, true},
    {"6", "concentration", NULL, NULL, 0, 5, 0, true},
    {"7", "work", NULL, NULL, 0, 5, 0, true},
    {"8", "driving", NULL, NULL, 0, 5, 0, true},
    {"9", "sleeping", NULL, NULL, 0, 5, 0, true},
    {"10", "recreation", NULL, NULL, 0, 5, 0, true},
};

/* CLINICAL-FACTS §4.6: check if present (0 = no, 1 = yes). Order matches ort_weights. The
 * sexual-abuse item is last so that ORT-OUD (the same items without it, 1 point each) is the
 * first ORT_OUD_ITEMS of this table. */
static const struct pp_instrument_item ort_items[] = {
    {"family_alcohol", "family history: alcohol", NULL, NULL, 0, 1, 0, true},
    {"family_illegal", "family history: illegal drugs", NULL, NULL, 0, 1, 0, true},
    {"family_rx", "family history: prescription drugs", NULL, NULL, 0, 1, 0, true},
    {"personal_alcohol", "personal history: alcohol", NULL, NULL, 0, 1, 0, true},
    {"personal_illegal", "personal history: illegal drugs", NULL, NULL, 0, 1, 0, true},
    {"personal_rx", "personal history: prescription drugs", NULL, NULL, 0, 1, 0, true},
    {"age_16_45", "age 16-45", NULL, NULL, 0, 1, 0, true},
    {"psych_add_ocd_bipolar_schizophrenia", "psychological disease: ADD, OCD, bipolar, schizophrenia",
     NULL, NULL, 0, 1, 0, true},
    {"psych_depression", "psychological disease: depression", NULL, NULL, 0, 1, 0, true},
    {"preadolescent_sexual_abuse", "history of preadolescent sexual abuse", NULL, NULL, 0, 1, 0, true},
};
#define ORT_OUD_ITEMS 9 /* CLINICAL-FACTS §4.6 ORT-OUD: 9 yes/no items */

/* CLINICAL-FACTS §4.7: items 1-8 agree = 1 / disagree = 0; item 9 (bothersomeness) answered
 * 0 not at all, 1 slightly, 2 moderately, 3 very much, 4 extremely (licensed: no wording). */
static const struct pp_instrument_item startback_items[] = {
    {"1", "referred leg pain", NULL, NULL, 0, 1, 0, true},
    {"2", "shoulder or neck pain", NULL, NULL, 0, 1, 0, true},
    {"3", "walking short distances only", NULL, NULL, 0, 1, 0, true},
    {"4", "dressing more slowly", NULL, NULL, 0, 1, 0, true},
    {"5", "fear", NULL, NULL, 0, 1, 0, true},
    {"6", "worry / anxiety", NULL, NULL, 0, 1, 0, true},
    {"7", "catastrophizing", NULL, NULL, 0, 1, 0, true},
    {"8", "depression / low mood", NULL, NULL, 0, 1, 0, true},
    {"9", "bothersomeness", NULL, NULL, 0, 4, 0, true},
};
#define STARTBACK_FIRST_PSYCHOSOCIAL 4 /* items 5-9 (index 4-8), CLINICAL-FACTS §4.7 */

/* ORT weights (female, male) per item, CLINICAL-FACTS §4.6 table. */
static const int ort_weights[][2] = {
    {1, 3}, {2, 3}, {4, 4}, {3, 3}, {4, 4}, {5, 5}, {1, 1}, {2, 2}, {1, 1}, {3, 0},
};

#define N(a) (sizeof(a) / sizeof((a)[0]))
#define FREE_LICENCE "CLINICAL-FACTS §4.5 licence: PHQ/GAD free, no permission required (Pfizer)"

static const struct pp_instrument_def defs[PP_INSTR_COUNT] = {
    {PP_INSTR_NRS, "nrs", "NRS 0-10", nrs_items, N(nrs_items), "pain", "{score}", 10,
     "72514-3", NULL, NULL, NULL, NULL, NULL, "0 = no pain ... 10 = worst pain imaginable", true,
     "free; the NRS has no single canonical wording (common anchored form shipped)",
     "CLINICAL-FACTS §6.1 Pain severity 0-10 verbal NRS; §4.9 0-10 NRS pain"},
    {PP_INSTR_PEG, "peg", "PEG-3", peg_items, N(peg_items), "mean", "{score}", 10,
     "91147-9", NULL, NULL, NULL, NULL, NULL,
     "item 1: 0 = No pain ... 10 = Pain as bad as you can imagine; items 2-3: 0 = Does not "
     "interfere ... 10 = Completely interferes", true,
     "free (Krebs 2009, published in J Gen Intern Med)", "CLINICAL-FACTS §4.1 PEG-3"},
    {PP_INSTR_PHQ2, "phq2", "PHQ-2", phq2_items, N(phq2_items), "total", "{score}", 6,
     "55758-7", "55757-9", NULL, NULL, NULL, PHQ_STEM, PHQ_OPTIONS, true, FREE_LICENCE,
     "CLINICAL-FACTS §4.5 PHQ-2"},
    {PP_INSTR_PHQ9, "phq9", "PHQ-9", phq9_items, N(phq9_items), "total", "{score}", 27,
     "44261-6", "44249-1", NULL, NULL, NULL, PHQ_STEM, PHQ_OPTIONS, true, FREE_LICENCE,
     "CLINICAL-FACTS §4.5 PHQ-9"},
    {PP_INSTR_GAD2, "gad2", "GAD-2", gad2_items, N(gad2_items), "total", "{score}", 6,
     NULL, NULL, "CLINICAL-FACTS §0 LOINC: GAD-2 total code not found (unconfirmed)", NULL, NULL,
     GAD_STEM, PHQ_OPTIONS, true, FREE_LICENCE, "CLINICAL-FACTS §4.5 GAD-2"},
    {PP_INSTR_GAD7, "gad7", "GAD-7", gad7_items, N(gad7_items), "total", "{score}", 21,
     "70274-6", "69737-5", NULL, NULL, NULL, GAD_STEM, PHQ_OPTIONS, true, FREE_LICENCE,
     "CLINICAL-FACTS §4.5 GAD-7"},
    {PP_INSTR_BPI, "bpi", "BPI short form", bpi_items, N(bpi_items), "severity", "{score}", 10,
     NULL, NULL, "CLINICAL-FACTS §0 LOINC / §4.2: BPI severity code not found (unconfirmed)",
     "interference", "77565-0", NULL, NULL, false,
     "CLINICAL-FACTS §4.2 licence: (c) Charles Cleeland / MD Anderson; licence required",
     "CLINICAL-FACTS §4.2 BPI short form; §0 BPI interference"},
    {PP_INSTR_ODI, "odi", "Oswestry Disability Index v2.1a", odi_items, N(odi_items), "ODI", "%",
     100, "97909-6", "97908-8", NULL, NULL, NULL, NULL, NULL, false,
     "CLINICAL-FACTS §4.3 licence: (c) Fairbank; Mapi Research Trust (licence for commercial software)",
     "CLINICAL-FACTS §4.3 ODI; §0 ODI and LOINC"},
    {PP_INSTR_NDI, "ndi", "Neck Disability Index", ndi_items, N(ndi_items), "total", "{score}", 50,
     "82237-9", "82226-2", NULL, NULL, NULL, NULL, NULL, false,
     "licensed (Vernon & Mior 1991); wording not shipped",
     "CLINICAL-FACTS §4.4 NDI; §0 NDI and LOINC"},
    {PP_INSTR_ORT, "ort", "Opioid Risk Tool", ort_items, N(ort_items), "total", "{score}", 26,
     "91392-1", NULL, NULL, NULL, NULL, NULL, NULL, false,
     "CLINICAL-FACTS §4.6: Dr. Lynn Webster asks clinical users to request permission",
     "CLINICAL-FACTS §4.6 Opioid Risk Tool"},
    {PP_INSTR_ORT_OUD, "ort-oud", "Opioid Risk Tool - OUD", ort_items, ORT_OUD_ITEMS,
     "total", "{score}", 9, NULL, NULL,
     "CLINICAL-FACTS §4.6 / §0 ORT-OUD: the sheet gives no LOINC code", NULL, NULL, NULL, NULL,
     false, "CLINICAL-FACTS §4.6: ORT family (Webster); wording not shipped",
     "CLINICAL-FACTS §4.6 ORT-OUD; §0 ORT-OUD"},
    {PP_INSTR_STARTBACK, "startback", "STarT Back Screening Tool", startback_items,
     N(startback_items), "total", "{score}", 9, "91351-7", NULL, NULL, "psychosocial subscale",
     NULL, NULL, NULL, false, "CLINICAL-FACTS §4.7 licence: (c) Keele University, licence terms",
     "CLINICAL-FACTS §4.7 STarT Back; §0 STarT Back"},
};

/* ------------------------------------------------------------------ bands */

/* A band applies when the total is >= from (or > from when `above`); the last match wins. */
struct band {
    enum pp_instrument instrument;
    double from;
    bool above;
    const char *label;
};

static const struct band bands[] = {
    /* CLINICAL-FACTS §4.5 PHQ-9: 0-4, 5-9, 10-14, 15-19, 20-27 */
    {PP_INSTR_PHQ9, 0, false, "none/minimal"},
    {PP_INSTR_PHQ9, 5, false, "mild"},
    {PP_INSTR_PHQ9, 10, false, "moderate"},
    {PP_INSTR_PHQ9, 15, false, "moderately severe"},
    {PP_INSTR_PHQ9, 20, false, "severe"},
    /* CLINICAL-FACTS §4.5 GAD-7: 0-4, 5-9, 10-14, 15-21 */
    {PP_INSTR_GAD7, 0, false, "minimal"},
    {PP_INSTR_GAD7, 5, false, "mild"},
    {PP_INSTR_GAD7, 10, false, "moderate"},
    {PP_INSTR_GAD7, 15, false, "severe"},
    /* CLINICAL-FACTS §4.3 ODI %: 0-20, 21-40, 41-60, 61-80, 81-100 (a prorated % can fall
     * between the published integers, so each band starts just above the previous top). */
    {PP_INSTR_ODI, 0, false, "minimal disability"},
    {PP_INSTR_ODI, 20, true, "moderate disability"},
    {PP_INSTR_ODI, 40, true, "severe disability"},
    {PP_INSTR_ODI, 60, true, "crippled"},
    {PP_INSTR_ODI, 80, true, "bed-bound or exaggerating"},
    /* CLINICAL-FACTS §0 NDI: 0-4 none, 5-14 mild, 15-24 moderate, 25-34 severe, >= 35 complete */
    {PP_INSTR_NDI, 0, false, "no disability"},
    {PP_INSTR_NDI, 5, false, "mild disability"},
    {PP_INSTR_NDI, 15, false, "moderate disability"},
    {PP_INSTR_NDI, 25, false, "severe disability"},
    {PP_INSTR_NDI, 35, false, "complete disability"},
    /* CLINICAL-FACTS §4.6 ORT: 0-3 low, 4-7 moderate, >= 8 high */
    {PP_INSTR_ORT, 0, false, "low risk"},
    {PP_INSTR_ORT, 4, false, "moderate risk"},
    {PP_INSTR_ORT, 8, false, "high risk"},
};

/* CLINICAL-FACTS §4.5 PHQ-9 syndromes: an item "counts" when >= 2 (item 9 when >= 1); major
 * depressive syndrome: >= 5 counting items, one of them item 1 or 2; other depressive
 * syndrome: item 1 or 2 counts and 2-4 items count in total. Published algorithm, not policy. */
static const struct {
    int item_counts_min, item9_counts_min, major_min, other_min, other_max;
} phq9_syndrome = {2, 1, 5, 2, 4};

/* CLINICAL-FACTS §4.7: item 9 scores 1 for "very much" (3) or "extremely" (4); risk groups:
 * total <= 3 low; total >= 4 and subscale <= 3 medium; subscale >= 4 high. */
static const struct {
    int bother_scores_from, low_total_max, high_sub_min;
} startback = {3, 3, 4};
/* clang-format on */

/* ------------------------------------------------------------------ rules */

static const struct pp_rule_info rules[] = {
    {"INSTR-MISSING", "Missing items beyond the rule",
     "An instrument is not scored when more items are missing than its rule allows (every item, "
     "unless the BPI, ODI or NDI rule permits fewer); the input is rejected naming the first "
     "missing item.",
     "CLINICAL-FACTS §0 BPI/ODI/NDI, §4.1-§4.7",
     "instr_bpi_interference_min_items,"
     "instr_odi_max_skipped,instr_ndi_max_missing"},
    {"INSTR-NO-LOINC", "Score without a confirmed LOINC code",
     "GAD-2 total, BPI severity and ORT-OUD total have no LOINC code in the sheet: the score is "
     "reported and stored with a text code only.",
     "CLINICAL-FACTS §0 LOINC; §6.1 LOINC", ""},
    {"INSTR-PHQ9-SAFETY", "PHQ-9 item 9 answered above 0",
     "Any answer above 0 to PHQ-9 item 9 (thoughts of self-harm) calls for a safety assessment "
     "the same day.",
     "CLINICAL-FACTS §4.5 PHQ-9 (item 9 > 0)", "instr_phq9_item9_safety_min"},
    {"INSTR-PHQ9-MAJOR", "PHQ-9 major depressive syndrome",
     ">= 5 items scored >= 2 (item 9 >= 1), at least one of them item 1 or 2.",
     "CLINICAL-FACTS §4.5 PHQ-9", ""},
    {"INSTR-PHQ9-OTHER", "PHQ-9 other depressive syndrome",
     "Item 1 or 2 scored >= 2 and 2-4 items scored >= 2 (item 9 >= 1) in total.",
     "CLINICAL-FACTS §4.5 PHQ-9", ""},
    {"INSTR-PHQ2-POSITIVE", "PHQ-2 positive screen", "PHQ-2 total >= 3: complete a PHQ-9.",
     "CLINICAL-FACTS §4.5 PHQ-2", "instr_phq2_positive"},
    {"INSTR-GAD2-POSITIVE", "GAD-2 positive screen", "GAD-2 total >= 3: complete a GAD-7.",
     "CLINICAL-FACTS §4.5 GAD-2", "instr_gad2_positive"},
    {"INSTR-GAD7-CUTOFF", "GAD-7 at or above the usual cut-off",
     "GAD-7 total >= 10: assess for an anxiety disorder.", "CLINICAL-FACTS §4.5 GAD-7",
     "instr_gad7_cutoff"},
    {"INSTR-BPI-PARTIAL", "BPI interference from fewer than 7 items",
     "BPI interference is the mean of the answered items when at least 4 of 7 are answered.",
     "CLINICAL-FACTS §0 BPI interference", "instr_bpi_interference_min_items"},
    {"INSTR-ODI-SKIPPED", "ODI with skipped sections",
     "ODI % = sum / (5 x sections answered) x 100; skipped sections leave the denominator, up "
     "to the configured maximum.",
     "CLINICAL-FACTS §0 ODI; §4.3 formula and skipped sections", "instr_odi_max_skipped"},
    {"INSTR-NDI-IMPUTED", "NDI with missing items filled",
     "Each missing NDI item is filled with the mean of the answered items, up to the configured "
     "maximum.",
     "CLINICAL-FACTS §0 NDI; §4.4 missing items", "instr_ndi_max_missing"},
    {"INSTR-ORT-HIGH", "Opioid Risk Tool high risk",
     "ORT total (sex-specific weights) >= 8: high risk of opioid misuse.",
     "CLINICAL-FACTS §4.6 Opioid Risk Tool", ""},
    {"INSTR-ORT-OUD-HIGH", "ORT-OUD high risk",
     "ORT-OUD total >= 3: high risk of opioid use disorder.",
     "CLINICAL-FACTS §0 ORT-OUD; §4.6 ORT-OUD", "instr_ort_oud_high_min"},
    {"INSTR-STARTBACK-HIGH", "STarT Back high risk",
     "Psychosocial subscale (items 5-9) >= 4: high-risk group (psychologically informed care).",
     "CLINICAL-FACTS §4.7 STarT Back", ""},
    {"INSTR-RESPONDER", "Responder status between two scores",
     "A follow-up score that improves on the baseline by at least the instrument's MCID is a "
     "response; one that worsens by at least the MCID is a worsening. NRS: 2 points or 30%; "
     "PEG 30%; ODI 10 points; NDI 5 points; PHQ-9 5 and GAD-7 4 points (unconfirmed).",
     "CLINICAL-FACTS §4.9; §4.1 PEG; §0 NDI; §4.5 MCID",
     "instr_mcid_nrs_points,instr_mcid_nrs_pct,instr_mcid_nrs_require_both,instr_mcid_peg_pct,"
     "instr_mcid_odi_points,instr_mcid_ndi_points,instr_mcid_phq9_points,"
     "instr_mcid_gad7_points"},
};

const struct pp_rule_info *pp_instruments_rules(size_t *count)
{
    *count = N(rules);
    return rules;
}

/* ------------------------------------------------------------------ lookup */

const struct pp_instrument_def *pp_instrument_defs(size_t *count)
{
    *count = PP_INSTR_COUNT;
    return defs;
}

/* Compare keys ignoring case, '-' and '_' ("PHQ-9" == "phq9", "ort_oud" == "ort-oud"). */
static bool key_equal(const char *a, const char *b)
{
    for (;;) {
        while (*a == '-' || *a == '_')
            a++;
        while (*b == '-' || *b == '_')
            b++;
        char ca = *a, cb = *b;
        if (ca >= 'A' && ca <= 'Z')
            ca = (char)(ca - 'A' + 'a');
        if (cb >= 'A' && cb <= 'Z')
            cb = (char)(cb - 'A' + 'a');
        if (ca != cb)
            return false;
        if (ca == '\0')
            return true;
        a++;
        b++;
    }
}

const struct pp_instrument_def *pp_instrument_find(const char *key)
{
    if (!key)
        return NULL;
    for (size_t i = 0; i < PP_INSTR_COUNT; i++)
        if (key_equal(key, defs[i].key))
            return &defs[i];
    return NULL;
}

const struct pp_instrument_item *pp_instrument_item(const struct pp_instrument_def *def,
                                                    const char *id, size_t *index)
{
    for (size_t i = 0; i < def->n_items; i++) {
        if (strcmp(def->items[i].id, id) == 0) {
            if (index)
                *index = i;
            return &def->items[i];
        }
    }
    return NULL;
}

void pp_instrument_answers_init(struct pp_instrument_answers *a,
                                const struct pp_instrument_def *def)
{
    memset(a, 0, sizeof(*a));
    a->def = def;
}

enum pp_err pp_instrument_answers_set(struct pp_instrument_answers *a, const char *item_id,
                                      double value, struct pp_diag *d)
{
    size_t i;
    const struct pp_instrument_item *it = pp_instrument_item(a->def, item_id, &i);

    if (!it)
        return pp_diag_set(d, PP_ERR_INPUT, item_id, "%s has no item '%s'", a->def->title, item_id);
    if (!isfinite(value) || value != floor(value))
        return pp_diag_set(d, PP_ERR_INPUT, item_id, "%s item %s (%s): expected a whole number",
                           a->def->title, it->id, it->name);
    if (value < it->min || value > it->max)
        return pp_diag_set(d, PP_ERR_INPUT, item_id, "%s item %s (%s): %g is out of range %d-%d",
                           a->def->title, it->id, it->name, value, it->min, it->max);
    if (it->step > 1 && (int)value % it->step != 0)
        return pp_diag_set(d, PP_ERR_INPUT, item_id, "%s item %s (%s): %g is not a multiple of %d",
                           a->def->title, it->id, it->name, value, it->step);
    if (a->answered[i])
        return pp_diag_set(d, PP_ERR_INPUT, item_id, "%s item %s answered twice", a->def->title,
                           it->id);
    a->value[i] = (int)value;
    a->answered[i] = true;
    return PP_OK;
}

/* ------------------------------------------------------------------ scoring */

static const char *band_of(enum pp_instrument id, double total)
{
    const char *label = NULL;
    for (size_t i = 0; i < N(bands); i++) {
        const struct band *b = &bands[i];
        if (b->instrument != id)
            continue;
        if (b->above ? total > b->from + EPS : total >= b->from - EPS)
            label = b->label;
    }
    return label;
}

/* The first unanswered scored item among items [from, to), or NULL. */
static const struct pp_instrument_item *first_missing(const struct pp_instrument_answers *a,
                                                      size_t from, size_t to)
{
    for (size_t i = from; i < to; i++)
        if (a->def->items[i].scored && !a->answered[i])
            return &a->def->items[i];
    return NULL;
}

static enum pp_err missing(struct pp_diag *d, const struct pp_instrument_def *def,
                           const struct pp_instrument_item *it, const char *rule)
{
    return pp_diag_set(d, PP_ERR_INPUT, it->id, "%s item %s (%s) is missing: %s", def->title,
                       it->id, it->name, rule);
}

/* Sum of answered scored items in [from, to), and how many were answered. */
static int sum_items(const struct pp_instrument_answers *a, size_t from, size_t to, size_t *n)
{
    int sum = 0;
    *n = 0;
    for (size_t i = from; i < to; i++) {
        if (a->def->items[i].scored && a->answered[i]) {
            sum += a->value[i];
            (*n)++;
        }
    }
    return sum;
}

static size_t count_scored(const struct pp_instrument_def *def)
{
    size_t n = 0;
    for (size_t i = 0; i < def->n_items; i++)
        n += def->items[i].scored;
    return n;
}

/* Instruments whose every scored item is required (no missing-item rule in the sheet). */
static enum pp_err require_all(const struct pp_instrument_answers *a, struct pp_diag *d)
{
    const struct pp_instrument_item *it = first_missing(a, 0, a->def->n_items);
    if (it)
        return missing(d, a->def, it,
                       "every item is required (CLINICAL-FACTS gives no missing-item rule for "
                       "this instrument)");
    return PP_OK;
}

static void phq9_flags(const struct pp_instrument_answers *a, const struct pp_policy *p,
                       struct pp_findings *f)
{
    int counting = 0;
    bool core = false;

    if (a->value[8] >= p->instr_phq9_item9_safety_min) {
        struct pp_finding *x =
            pp_findings_add(f, "INSTR-PHQ9-SAFETY", PP_SEV_CRITICAL,
                            "CLINICAL-FACTS §4.5 PHQ-9 (item 9 > 0 -> safety assessment)",
                            "PHQ-9 item 9 (self-harm) is %d: assess safety today", a->value[8]);
        pp_finding_detail(f, x,
                          "Item 9 asks about thoughts of being better off dead or of self-harm. "
                          "Any answer above 0 needs a same-day suicide risk assessment, "
                          "whatever the total score.");
    }
    for (size_t i = 0; i < 9; i++) {
        int from = i == 8 ? phq9_syndrome.item9_counts_min : phq9_syndrome.item_counts_min;
        if (a->value[i] >= from) {
            counting++;
            if (i < 2)
                core = true;
        }
    }
    if (core && counting >= phq9_syndrome.major_min)
        pp_findings_add(f, "INSTR-PHQ9-MAJOR", PP_SEV_WARNING, "CLINICAL-FACTS §4.5 PHQ-9",
                        "PHQ-9 pattern of a major depressive syndrome (%d items at threshold)",
                        counting);
    else if (core && counting >= phq9_syndrome.other_min && counting <= phq9_syndrome.other_max)
        pp_findings_add(f, "INSTR-PHQ9-OTHER", PP_SEV_WARNING, "CLINICAL-FACTS §4.5 PHQ-9",
                        "PHQ-9 pattern of an other depressive syndrome (%d items at threshold)",
                        counting);
}

static enum pp_err score_bpi(const struct pp_instrument_answers *a, const struct pp_policy *p,
                             struct pp_instrument_score *s, struct pp_findings *f,
                             struct pp_diag *d)
{
    size_t n_sev, n_int;
    const struct pp_instrument_item *it = first_missing(a, 0, BPI_N_SEVERITY);
    int sev, inter;

    /* CLINICAL-FACTS §4.2: severity is the mean of the 4 items; the sheet gives no rule for a
     * missing one, so all 4 are required. */
    if (it)
        return missing(d, a->def, it, "the BPI severity score needs all 4 severity items");
    sev = sum_items(a, 0, BPI_N_SEVERITY, &n_sev);
    inter =
        sum_items(a, BPI_FIRST_INTERFERENCE, BPI_FIRST_INTERFERENCE + BPI_N_INTERFERENCE, &n_int);
    /* CLINICAL-FACTS §0 BPI interference: mean of the answered items, valid with >= 4 of 7. */
    if (n_int < (size_t)p->instr_bpi_interference_min_items) {
        it = first_missing(a, BPI_FIRST_INTERFERENCE, BPI_FIRST_INTERFERENCE + BPI_N_INTERFERENCE);
        return pp_diag_set(d, PP_ERR_INPUT, it->id,
                           "BPI item %s (%s) is missing: interference needs at least %d of 7 "
                           "items, %zu answered",
                           it->id, it->name, p->instr_bpi_interference_min_items, n_int);
    }
    s->total = (double)sev / (double)n_sev;
    s->sub = (double)inter / (double)n_int;
    s->n_answered = n_sev + n_int;
    s->n_skipped = BPI_N_INTERFERENCE - n_int;
    s->total_is_mean = true;
    if (n_int < BPI_N_INTERFERENCE)
        pp_findings_add(f, "INSTR-BPI-PARTIAL", PP_SEV_INFO, "CLINICAL-FACTS §0 BPI interference",
                        "BPI interference is the mean of %zu of 7 items", n_int);
    return PP_OK;
}

static enum pp_err score_odi(const struct pp_instrument_answers *a, const struct pp_policy *p,
                             struct pp_instrument_score *s, struct pp_findings *f,
                             struct pp_diag *d)
{
    size_t n;
    int sum = sum_items(a, 0, a->def->n_items, &n);
    size_t skipped = a->def->n_items - n;

    if (skipped > (size_t)p->instr_odi_max_skipped) {
        char rule[160];
        snprintf(rule, sizeof(rule),
                 "%zu sections skipped, at most %d allowed (policy instr_odi_max_skipped)", skipped,
                 p->instr_odi_max_skipped);
        return missing(d, a->def, first_missing(a, 0, a->def->n_items), rule);
    }
    /* CLINICAL-FACTS §4.3 / §0 ODI: % = sum / (5 x sections answered) x 100. */
    s->total = 100.0 * (double)sum / (double)(a->def->items[0].max * (int)n);
    s->n_answered = n;
    s->n_skipped = skipped;
    s->total_is_mean = true;
    if (skipped)
        pp_findings_add(f, "INSTR-ODI-SKIPPED", PP_SEV_INFO,
                        "CLINICAL-FACTS §0 ODI; §4.3 skipped sections",
                        "ODI scored over %zu answered sections (%zu skipped)", n, skipped);
    return PP_OK;
}

static enum pp_err score_ndi(const struct pp_instrument_answers *a, const struct pp_policy *p,
                             struct pp_instrument_score *s, struct pp_findings *f,
                             struct pp_diag *d)
{
    size_t n;
    int sum = sum_items(a, 0, a->def->n_items, &n);
    size_t miss = a->def->n_items - n;

    if (miss > (size_t)p->instr_ndi_max_missing || n == 0) {
        char rule[160];
        snprintf(rule, sizeof(rule),
                 "%zu items missing, at most %d may be filled (policy instr_ndi_max_missing)", miss,
                 p->instr_ndi_max_missing);
        return missing(d, a->def, first_missing(a, 0, a->def->n_items), rule);
    }
    /* CLINICAL-FACTS §0 NDI: a missing item is filled with the mean of the others. */
    s->total = (double)sum * (double)a->def->n_items / (double)n;
    s->n_answered = n;
    s->n_imputed = miss;
    s->total_is_mean = miss > 0;
    if (miss)
        pp_findings_add(f, "INSTR-NDI-IMPUTED", PP_SEV_INFO, "CLINICAL-FACTS §0 NDI",
                        "NDI: %zu missing item(s) filled with the mean of the %zu answered", miss,
                        n);
    return PP_OK;
}

static enum pp_err score_ort(const struct pp_instrument_answers *a, struct pp_instrument_score *s,
                             struct pp_findings *f, struct pp_diag *d)
{
    int col, sum = 0;

    if (a->sex == PP_INSTR_SEX_UNKNOWN)
        return pp_diag_set(d, PP_ERR_INPUT, "sex",
                           "the Opioid Risk Tool needs the patient's sex (female or male): its "
                           "weights differ (CLINICAL-FACTS §4.6)");
    col = a->sex == PP_INSTR_SEX_FEMALE ? 0 : 1;
    for (size_t i = 0; i < a->def->n_items; i++)
        sum += a->value[i] * ort_weights[i][col];
    s->total = sum;
    s->n_answered = a->def->n_items;
    s->band = band_of(PP_INSTR_ORT, s->total);
    if (s->band && strcmp(s->band, "high risk") == 0)
        pp_findings_add(f, "INSTR-ORT-HIGH", PP_SEV_WARNING, "CLINICAL-FACTS §4.6 Opioid Risk Tool",
                        "Opioid Risk Tool %d (%s weights): high risk of opioid misuse", sum,
                        pp_instr_sex_name(a->sex));
    return PP_OK;
}

static void score_startback(const struct pp_instrument_answers *a, struct pp_instrument_score *s,
                            struct pp_findings *f)
{
    int total = 0, sub = 0;
    for (size_t i = 0; i < a->def->n_items; i++) {
        /* item 9 (index 8) is dichotomised: very much / extremely = 1 (§4.7) */
        int pts = i == 8 ? a->value[i] >= startback.bother_scores_from : a->value[i];
        total += pts;
        if (i >= STARTBACK_FIRST_PSYCHOSOCIAL)
            sub += pts;
    }
    s->total = total;
    s->sub = sub;
    s->n_answered = a->def->n_items;
    if (sub >= startback.high_sub_min) {
        s->band = "high risk";
        pp_findings_add(f, "INSTR-STARTBACK-HIGH", PP_SEV_WARNING, "CLINICAL-FACTS §4.7 STarT Back",
                        "STarT Back high risk: psychosocial subscale %d of 5 (total %d)", sub,
                        total);
    } else if (total <= startback.low_total_max) {
        s->band = "low risk";
    } else {
        s->band = "medium risk";
    }
}

enum pp_err pp_instrument_score(const struct pp_instrument_answers *a, const struct pp_policy *p,
                                struct pp_instrument_score *out, struct pp_findings *f,
                                struct pp_diag *d)
{
    const struct pp_instrument_def *def = a->def;
    struct pp_instrument_score s;
    enum pp_err rc = PP_OK;
    size_t n;

    memset(&s, 0, sizeof(s));
    s.def = def;
    s.sub = NAN;
    s.n_scored = count_scored(def);
    switch (def->id) {
    case PP_INSTR_BPI: rc = score_bpi(a, p, &s, f, d); break;
    case PP_INSTR_ODI: rc = score_odi(a, p, &s, f, d); break;
    case PP_INSTR_NDI: rc = score_ndi(a, p, &s, f, d); break;
    default:
        rc = require_all(a, d);
        if (rc)
            break;
        s.total = sum_items(a, 0, def->n_items, &n);
        s.n_answered = n;
        break;
    }
    if (rc)
        return rc;

    switch (def->id) {
    case PP_INSTR_PEG:
        /* CLINICAL-FACTS §4.1: the mean of the 3 items; no bands. */
        s.total /= (double)s.n_answered;
        s.total_is_mean = true;
        break;
    case PP_INSTR_PHQ9:
        s.band = band_of(def->id, s.total);
        phq9_flags(a, p, f);
        break;
    case PP_INSTR_GAD7:
        s.band = band_of(def->id, s.total);
        if (s.total >= p->instr_gad7_cutoff)
            pp_findings_add(f, "INSTR-GAD7-CUTOFF", PP_SEV_WARNING, "CLINICAL-FACTS §4.5 GAD-7",
                            "GAD-7 %g is at or above the cut-off %d: assess for an anxiety "
                            "disorder",
                            s.total, p->instr_gad7_cutoff);
        break;
    case PP_INSTR_PHQ2:
    case PP_INSTR_GAD2: {
        bool phq = def->id == PP_INSTR_PHQ2;
        int cut = phq ? p->instr_phq2_positive : p->instr_gad2_positive;
        s.band = s.total >= cut ? "positive screen" : "negative screen";
        if (s.total >= cut)
            pp_findings_add(f, phq ? "INSTR-PHQ2-POSITIVE" : "INSTR-GAD2-POSITIVE", PP_SEV_WARNING,
                            def->source, "%s %g >= %d: positive screen; complete the %s",
                            def->title, s.total, cut, phq ? "PHQ-9" : "GAD-7");
        break;
    }
    case PP_INSTR_ODI:
    case PP_INSTR_NDI: s.band = band_of(def->id, s.total); break;
    case PP_INSTR_ORT: rc = score_ort(a, &s, f, d); break;
    case PP_INSTR_ORT_OUD:
        /* CLINICAL-FACTS §4.6 ORT-OUD: <= 2 low, >= 3 high (policy key) */
        s.band = s.total >= p->instr_ort_oud_high_min ? "high risk" : "low risk";
        if (s.total >= p->instr_ort_oud_high_min)
            pp_findings_add(f, "INSTR-ORT-OUD-HIGH", PP_SEV_WARNING, def->source,
                            "ORT-OUD %g >= %d: high risk of opioid use disorder", s.total,
                            p->instr_ort_oud_high_min);
        break;
    case PP_INSTR_STARTBACK: score_startback(a, &s, f); break;
    default: break;
    }
    if (rc)
        return rc;
    if (!def->total_loinc)
        pp_findings_add(f, "INSTR-NO-LOINC", PP_SEV_INFO, "CLINICAL-FACTS §0 LOINC; §6.1 LOINC",
                        "%s %s has no confirmed LOINC code; stored with a text code only",
                        def->title, def->total_name);
    *out = s;
    return PP_OK;
}

/* ------------------------------------------------------------------ responder */

static bool at_least(double x, double threshold)
{
    return isfinite(x) && isfinite(threshold) && x >= threshold - EPS;
}

/* Does a change of `points` (and `pct` of baseline) in one direction reach the MCID? */
static bool reaches(const struct pp_instrument_change *c, double points, double pct)
{
    bool has_pts = isfinite(c->mcid_points), has_pct = isfinite(c->mcid_pct);
    bool by_pts = has_pts && at_least(points, c->mcid_points);
    bool by_pct = has_pct && at_least(pct, c->mcid_pct);

    if (has_pts && has_pct)
        return c->require_both ? by_pts && by_pct : by_pts || by_pct;
    return by_pts || by_pct;
}

enum pp_err pp_instrument_compare(const struct pp_instrument_def *def, double baseline,
                                  double followup, const struct pp_policy *p,
                                  struct pp_instrument_change *out, struct pp_findings *f,
                                  struct pp_diag *d)
{
    struct pp_instrument_change c;
    double gain_pct, loss_pct;
    struct pp_finding *x;

    memset(&c, 0, sizeof(c));
    c.mcid_points = NAN;
    c.mcid_pct = NAN;
    switch (def->id) {
    case PP_INSTR_NRS:
        /* CLINICAL-FACTS §4.9: about 2 points or about 30% (Farrar 2001). */
        c.mcid_points = p->instr_mcid_nrs_points;
        c.mcid_pct = p->instr_mcid_nrs_pct;
        c.require_both = p->instr_mcid_nrs_require_both != 0;
        c.mcid_source = "CLINICAL-FACTS §4.9 0-10 NRS pain";
        break;
    case PP_INSTR_PEG:
        c.mcid_pct = p->instr_mcid_peg_pct;
        c.mcid_source = "CLINICAL-FACTS §4.1 PEG interpretation";
        break;
    case PP_INSTR_ODI:
        c.mcid_points = p->instr_mcid_odi_points;
        c.mcid_source = "CLINICAL-FACTS §4.9 ODI";
        break;
    case PP_INSTR_NDI:
        c.mcid_points = p->instr_mcid_ndi_points;
        c.mcid_source = "CLINICAL-FACTS §0 NDI";
        break;
    case PP_INSTR_PHQ9:
        c.mcid_points = p->instr_mcid_phq9_points;
        c.mcid_unconfirmed = true;
        c.mcid_source = "CLINICAL-FACTS §4.5 MCID (L)";
        break;
    case PP_INSTR_GAD7:
        c.mcid_points = p->instr_mcid_gad7_points;
        c.mcid_unconfirmed = true;
        c.mcid_source = "CLINICAL-FACTS §4.5 MCID (L)";
        break;
    default:
        return pp_diag_set(d, PP_ERR_UNSUPPORTED, def->key,
                           "CLINICAL-FACTS gives no MCID for %s; responder status is not defined",
                           def->title);
    }
    if (!isfinite(baseline) || baseline < 0 || baseline > def->total_max)
        return pp_diag_set(d, PP_ERR_INPUT, "baseline", "%s score %g is outside 0-%g", def->title,
                           baseline, def->total_max);
    if (!isfinite(followup) || followup < 0 || followup > def->total_max)
        return pp_diag_set(d, PP_ERR_INPUT, "followup", "%s score %g is outside 0-%g", def->title,
                           followup, def->total_max);
    c.baseline = baseline;
    c.followup = followup;
    c.change_points = followup - baseline;
    c.change_pct = baseline > 0 ? 100.0 * c.change_points / baseline : NAN;
    gain_pct = isfinite(c.change_pct) ? -c.change_pct : NAN;
    loss_pct = c.change_pct;
    if (reaches(&c, -c.change_points, gain_pct))
        c.status = PP_RESPONDER_YES;
    else if (reaches(&c, c.change_points, loss_pct))
        c.status = PP_RESPONDER_WORSENED;
    else
        c.status = PP_RESPONDER_NO;

    x = pp_findings_add(f, "INSTR-RESPONDER",
                        c.status == PP_RESPONDER_WORSENED ? PP_SEV_WARNING : PP_SEV_INFO,
                        c.mcid_source, "%s %g -> %g: %s", def->title, baseline, followup,
                        pp_responder_name(c.status));
    if (c.mcid_unconfirmed)
        pp_finding_detail(f, x,
                          "The MCID used (%g points) is marked L in CLINICAL-FACTS; it is a "
                          "policy value, check it before relying on it.",
                          c.mcid_points);
    *out = c;
    return PP_OK;
}

const char *pp_responder_name(enum pp_responder r)
{
    switch (r) {
    case PP_RESPONDER_YES: return "responder";
    case PP_RESPONDER_WORSENED: return "worsened";
    case PP_RESPONDER_NO: break;
    }
    return "no meaningful change";
}

const char *pp_instr_sex_name(enum pp_instr_sex s)
{
    switch (s) {
    case PP_INSTR_SEX_FEMALE: return "female";
    case PP_INSTR_SEX_MALE: return "male";
    case PP_INSTR_SEX_UNKNOWN: break;
    }
    return "unknown";
}
