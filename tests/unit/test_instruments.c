/*
 * test_instruments.c — clinical/instruments.c: scoring, bands, missing-item
 * rules and responder status as a table of vignettes, each naming the rule id
 * it exercises. Every band edge, cut-off, missing-item limit and MCID is tried
 * at, just below and just above its boundary.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "clinical/finding.h"
#include "clinical/instruments.h"
#include "clinical/policy.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define NONE NAN

/* One scoring vignette. answers: "id=value id=value ..."; error_item: the item the input
 * error must name (NULL when the input is valid). */
struct vignette {
    const char *rule; /* rule id exercised */
    const char *instrument;
    const char *sex; /* ORT only, or NULL */
    const char *answers;
    const char *policy; /* JSON override or NULL */
    double total, sub;
    const char *band;       /* expected band or NULL */
    const char *flag;       /* a rule id that must be among the findings, or NULL */
    const char *no_flag;    /* a rule id that must not be, or NULL */
    const char *error_item; /* expected d.where on PP_ERR_INPUT */
};

/* Eight zeros then a value: PHQ-9 answers with item 9 set. */
#define PHQ9(a, b, c, d, e, f, g, h, i)                                                            \
    "1=" #a " 2=" #b " 3=" #c " 4=" #d " 5=" #e " 6=" #f " 7=" #g " 8=" #h " 9=" #i
#define GAD7(a, b, c, d, e, f, g) "1=" #a " 2=" #b " 3=" #c " 4=" #d " 5=" #e " 6=" #f " 7=" #g
#define TEN(a, b, c, d, e, f, g, h, i, j)                                                          \
    "1=" #a " 2=" #b " 3=" #c " 4=" #d " 5=" #e " 6=" #f " 7=" #g " 8=" #h " 9=" #i " 10=" #j
#define ORT_ALL(fa, fi, fr, pa, pi, pr, age, sa, psy, dep)                                         \
    "family_alcohol=" #fa " family_illegal=" #fi " family_rx=" #fr " personal_alcohol=" #pa        \
    " personal_illegal=" #pi " personal_rx=" #pr " age_16_45=" #age                                \
    " preadolescent_sexual_abuse=" #sa " psych_add_ocd_bipolar_schizophrenia=" #psy                \
    " psych_depression=" #dep
#define OUD_ALL(fa, fi, fr, pa, pi, pr, age, psy, dep)                                             \
    "family_alcohol=" #fa " family_illegal=" #fi " family_rx=" #fr " personal_alcohol=" #pa        \
    " personal_illegal=" #pi " personal_rx=" #pr " age_16_45=" #age                                \
    " psych_add_ocd_bipolar_schizophrenia=" #psy " psych_depression=" #dep
#define SBT(a, b, c, d, e, f, g, h, i) PHQ9(a, b, c, d, e, f, g, h, i)
#define BPI_SEV "3=8 4=2 5=5 6=5 "

/* clang-format off */
static const struct vignette vignettes[] = {
    /* NRS (CLINICAL-FACTS §6.1): the total is the answer */
    {"INSTR-MISSING", "nrs", NULL, "1=0", NULL, 0, NONE, NULL, NULL, "INSTR-NO-LOINC", NULL},
    {"INSTR-MISSING", "nrs", NULL, "1=10", NULL, 10, NONE, NULL, NULL, NULL, NULL},
    {"INSTR-MISSING", "nrs", NULL, "", NULL, 0, NONE, NULL, NULL, NULL, "1"},
    /* PEG-3 (§4.1): mean of the 3 items */
    {"INSTR-MISSING", "peg", NULL, "1=7 2=6 3=4", NULL, 17.0 / 3, NONE, NULL, NULL, NULL, NULL},
    {"INSTR-MISSING", "peg", NULL, "1=7 3=4", NULL, 0, NONE, NULL, NULL, NULL, "2"},
    /* PHQ-9 bands (§4.5): 0-4, 5-9, 10-14, 15-19, 20-27 */
    {"INSTR-PHQ9-SAFETY", "phq9", NULL, PHQ9(1,1,1,1,0,0,0,0,0), NULL, 4, NONE, "none/minimal", NULL, "INSTR-PHQ9-SAFETY", NULL},
    {"INSTR-PHQ9-SAFETY", "phq9", NULL, PHQ9(1,1,1,1,1,0,0,0,0), NULL, 5, NONE, "mild", NULL, NULL, NULL},
    {"INSTR-PHQ9-SAFETY", "phq9", NULL, PHQ9(1,1,1,1,1,1,0,0,0), NULL, 6, NONE, "mild", NULL, NULL, NULL},
    {"INSTR-PHQ9-SAFETY", "phq9", NULL, PHQ9(1,1,1,1,1,1,1,1,1), NULL, 9, NONE, "mild", "INSTR-PHQ9-SAFETY", NULL, NULL},
    {"INSTR-PHQ9-OTHER", "phq9", NULL, PHQ9(2,1,1,1,1,1,1,1,1), NULL, 10, NONE, "moderate", NULL, NULL, NULL},
    {"INSTR-PHQ9-OTHER", "phq9", NULL, PHQ9(2,2,2,2,2,1,1,1,0), NULL, 13, NONE, "moderate", "INSTR-PHQ9-MAJOR", NULL, NULL},
    {"INSTR-PHQ9-OTHER", "phq9", NULL, PHQ9(2,2,2,2,1,1,1,1,0), NULL, 12, NONE, "moderate", "INSTR-PHQ9-OTHER", "INSTR-PHQ9-MAJOR", NULL},
    {"INSTR-PHQ9-OTHER", "phq9", NULL, PHQ9(1,1,2,2,2,2,2,2,2), NULL, 16, NONE, "moderately severe", NULL, "INSTR-PHQ9-MAJOR", NULL},
    {"INSTR-PHQ9-OTHER", "phq9", NULL, PHQ9(1,1,2,2,2,2,2,2,0), NULL, 14, NONE, "moderate", NULL, "INSTR-PHQ9-OTHER", NULL},
    {"INSTR-PHQ9-OTHER", "phq9", NULL, PHQ9(2,0,0,0,0,0,0,0,0), NULL, 2, NONE, "none/minimal", NULL, "INSTR-PHQ9-OTHER", NULL},
    {"INSTR-PHQ9-OTHER", "phq9", NULL, PHQ9(2,2,0,0,0,0,0,0,0), NULL, 4, NONE, "none/minimal", "INSTR-PHQ9-OTHER", NULL, NULL},
    {"INSTR-PHQ9-MAJOR", "phq9", NULL, PHQ9(2,0,2,2,2,0,0,0,1), NULL, 9, NONE, "mild", "INSTR-PHQ9-MAJOR", NULL, NULL},
    {"INSTR-PHQ9-MAJOR", "phq9", NULL, PHQ9(2,2,2,2,2,2,2,1,0), NULL, 15, NONE, "moderately severe", "INSTR-PHQ9-MAJOR", NULL, NULL},
    {"INSTR-PHQ9-MAJOR", "phq9", NULL, PHQ9(2,2,2,2,2,2,2,2,1), NULL, 17, NONE, "moderately severe", "INSTR-PHQ9-SAFETY", NULL, NULL},
    {"INSTR-PHQ9-MAJOR", "phq9", NULL, PHQ9(3,2,2,3,2,2,2,2,1), NULL, 19, NONE, "moderately severe", NULL, NULL, NULL},
    {"INSTR-PHQ9-MAJOR", "phq9", NULL, PHQ9(3,3,2,3,2,2,2,2,1), NULL, 20, NONE, "severe", NULL, NULL, NULL},
    {"INSTR-PHQ9-MAJOR", "phq9", NULL, PHQ9(3,3,3,3,3,3,3,3,3), NULL, 27, NONE, "severe", "INSTR-PHQ9-SAFETY", NULL, NULL},
    {"INSTR-PHQ9-SAFETY", "phq9", NULL, PHQ9(0,0,0,0,0,0,0,0,1), "{\"instr_phq9_item9_safety_min\": 2}", 1, NONE, "none/minimal", NULL, "INSTR-PHQ9-SAFETY", NULL},
    {"INSTR-MISSING", "phq9", NULL, "1=0 2=0 3=0 4=0 5=0 6=0 7=0 8=0 10=1", NULL, 0, NONE, NULL, NULL, NULL, "9"},
    {"INSTR-MISSING", "phq9", NULL, PHQ9(0,0,0,0,0,0,0,0,0), NULL, 0, NONE, "none/minimal", NULL, "INSTR-PHQ9-SAFETY", NULL},
    /* PHQ-2 / GAD-2 (§4.5): >= 3 positive */
    {"INSTR-PHQ2-POSITIVE", "phq2", NULL, "1=1 2=1", NULL, 2, NONE, "negative screen", NULL, "INSTR-PHQ2-POSITIVE", NULL},
    {"INSTR-PHQ2-POSITIVE", "phq2", NULL, "1=2 2=1", NULL, 3, NONE, "positive screen", "INSTR-PHQ2-POSITIVE", NULL, NULL},
    {"INSTR-PHQ2-POSITIVE", "phq2", NULL, "1=2 2=2", NULL, 4, NONE, "positive screen", "INSTR-PHQ2-POSITIVE", NULL, NULL},
    {"INSTR-GAD2-POSITIVE", "gad2", NULL, "1=1 2=1", NULL, 2, NONE, "negative screen", "INSTR-NO-LOINC", "INSTR-GAD2-POSITIVE", NULL},
    {"INSTR-GAD2-POSITIVE", "gad2", NULL, "1=0 2=3", NULL, 3, NONE, "positive screen", "INSTR-GAD2-POSITIVE", NULL, NULL},
    {"INSTR-GAD2-POSITIVE", "gad2", NULL, "1=1 2=3", NULL, 4, NONE, "positive screen", "INSTR-GAD2-POSITIVE", NULL, NULL},
    /* GAD-7 (§4.5): 0-4, 5-9, 10-14, 15-21; cut-off 10 */
    {"INSTR-GAD7-CUTOFF", "gad7", NULL, GAD7(1,1,1,1,0,0,0), NULL, 4, NONE, "minimal", NULL, NULL, NULL},
    {"INSTR-GAD7-CUTOFF", "gad7", NULL, GAD7(1,1,1,1,1,0,0), NULL, 5, NONE, "mild", NULL, NULL, NULL},
    {"INSTR-GAD7-CUTOFF", "gad7", NULL, GAD7(1,1,1,1,1,1,0), NULL, 6, NONE, "mild", NULL, NULL, NULL},
    {"INSTR-GAD7-CUTOFF", "gad7", NULL, GAD7(2,2,2,1,1,1,0), NULL, 9, NONE, "mild", NULL, "INSTR-GAD7-CUTOFF", NULL},
    {"INSTR-GAD7-CUTOFF", "gad7", NULL, GAD7(2,2,2,1,1,1,1), NULL, 10, NONE, "moderate", "INSTR-GAD7-CUTOFF", NULL, NULL},
    {"INSTR-GAD7-CUTOFF", "gad7", NULL, GAD7(2,2,2,2,1,1,1), NULL, 11, NONE, "moderate", "INSTR-GAD7-CUTOFF", NULL, NULL},
    {"INSTR-GAD7-CUTOFF", "gad7", NULL, GAD7(2,2,2,2,2,2,2), NULL, 14, NONE, "moderate", NULL, NULL, NULL},
    {"INSTR-GAD7-CUTOFF", "gad7", NULL, GAD7(3,2,2,2,2,2,2), NULL, 15, NONE, "severe", NULL, NULL, NULL},
    {"INSTR-GAD7-CUTOFF", "gad7", NULL, GAD7(3,3,3,3,3,3,3), NULL, 21, NONE, "severe", NULL, NULL, NULL},
    {"INSTR-GAD7-CUTOFF", "gad7", NULL, GAD7(2,2,2,1,1,1,1), "{\"instr_gad7_cutoff\": 11}", 10, NONE, "moderate", NULL, "INSTR-GAD7-CUTOFF", NULL},
    /* BPI (§4.2, §0): severity mean of 4; interference mean of >= 4 of 7 */
    {"INSTR-BPI-PARTIAL", "bpi", NULL, BPI_SEV "9a=4 9b=4 9c=4 9d=4 9e=4 9f=4 9g=6", NULL, 5, 30.0 / 7, NULL, "INSTR-NO-LOINC", "INSTR-BPI-PARTIAL", NULL},
    {"INSTR-BPI-PARTIAL", "bpi", NULL, BPI_SEV "9a=4 9b=4 9c=4 9d=6", NULL, 5, 4.5, NULL, "INSTR-BPI-PARTIAL", NULL, NULL},
    {"INSTR-BPI-PARTIAL", "bpi", NULL, BPI_SEV "9a=4 9b=4 9c=4 9d=6 9e=1", NULL, 5, 19.0 / 5, NULL, "INSTR-BPI-PARTIAL", NULL, NULL},
    {"INSTR-MISSING", "bpi", NULL, BPI_SEV "9a=4 9b=4 9d=6", NULL, 0, NONE, NULL, NULL, NULL, "9c"},
    {"INSTR-MISSING", "bpi", NULL, BPI_SEV "9a=4 9b=4 9d=6", "{\"instr_bpi_interference_min_items\": 3}", 5, 14.0 / 3, NULL, "INSTR-BPI-PARTIAL", NULL, NULL},
    {"INSTR-MISSING", "bpi", NULL, "3=8 4=2 6=5 9a=4 9b=4 9c=4 9d=6", NULL, 0, NONE, NULL, NULL, NULL, "5"},
    {"INSTR-MISSING", "bpi", NULL, BPI_SEV "9a=4 9b=4 9c=4 9d=6 9e=1 9f=1 9g=1 8=40", NULL, 5, 3, NULL, NULL, "INSTR-BPI-PARTIAL", NULL},
    /* ODI (§4.3, §0): sum / (5 x answered) x 100; bands 0-20, 21-40, 41-60, 61-80, 81-100 */
    {"INSTR-ODI-SKIPPED", "odi", NULL, TEN(1,1,1,1,1,1,1,1,1,1), NULL, 20, NONE, "minimal disability", NULL, "INSTR-ODI-SKIPPED", NULL},
    {"INSTR-ODI-SKIPPED", "odi", NULL, TEN(2,1,1,1,1,1,1,1,1,1), NULL, 22, NONE, "moderate disability", NULL, NULL, NULL},
    {"INSTR-ODI-SKIPPED", "odi", NULL, TEN(2,2,2,2,2,2,2,2,2,2), NULL, 40, NONE, "moderate disability", NULL, NULL, NULL},
    {"INSTR-ODI-SKIPPED", "odi", NULL, TEN(3,2,2,2,2,2,2,2,2,2), NULL, 42, NONE, "severe disability", NULL, NULL, NULL},
    {"INSTR-ODI-SKIPPED", "odi", NULL, TEN(3,3,3,3,3,3,3,3,3,3), NULL, 60, NONE, "severe disability", NULL, NULL, NULL},
    {"INSTR-ODI-SKIPPED", "odi", NULL, TEN(4,3,3,3,3,3,3,3,3,3), NULL, 62, NONE, "crippled", NULL, NULL, NULL},
    {"INSTR-ODI-SKIPPED", "odi", NULL, TEN(4,4,4,4,4,4,4,4,4,4), NULL, 80, NONE, "crippled", NULL, NULL, NULL},
    {"INSTR-ODI-SKIPPED", "odi", NULL, TEN(5,4,4,4,4,4,4,4,4,4), NULL, 82, NONE, "bed-bound or exaggerating", NULL, NULL, NULL},
    {"INSTR-ODI-SKIPPED", "odi", NULL, "1=2 2=2 3=2 4=2 5=2 6=2 7=2 9=2 10=2", NULL, 40, NONE, "moderate disability", "INSTR-ODI-SKIPPED", NULL, NULL},
    {"INSTR-ODI-SKIPPED", "odi", NULL, "1=2 2=2 3=2 4=2 5=2 6=2 7=2 9=2 10=1", NULL, 1700.0 / 45, NONE, "moderate disability", "INSTR-ODI-SKIPPED", NULL, NULL},
    {"INSTR-ODI-SKIPPED", "odi", NULL, "1=2 2=2 3=2 4=2 5=2 6=2 7=2 9=2", NULL, 0, NONE, NULL, NULL, NULL, "8"},
    {"INSTR-ODI-SKIPPED", "odi", NULL, "1=2 2=2 3=2 4=2 5=2 6=2 7=2 9=3", "{\"instr_odi_max_skipped\": 2}", 1700.0 / 40, NONE, "severe disability", "INSTR-ODI-SKIPPED", NULL, NULL},
    {"INSTR-ODI-SKIPPED", "odi", NULL, "1=2 2=2 3=2 4=2 5=2 6=2 7=2", "{\"instr_odi_max_skipped\": 2}", 0, NONE, NULL, NULL, NULL, "8"},
    /* NDI (§0): 0-4 none, 5-14 mild, 15-24 moderate, 25-34 severe, >= 35 complete */
    {"INSTR-NDI-IMPUTED", "ndi", NULL, TEN(1,1,1,1,0,0,0,0,0,0), NULL, 4, NONE, "no disability", NULL, "INSTR-NDI-IMPUTED", NULL},
    {"INSTR-NDI-IMPUTED", "ndi", NULL, TEN(1,1,1,1,1,0,0,0,0,0), NULL, 5, NONE, "mild disability", NULL, NULL, NULL},
    {"INSTR-NDI-IMPUTED", "ndi", NULL, TEN(1,1,1,1,1,1,0,0,0,0), NULL, 6, NONE, "mild disability", NULL, NULL, NULL},
    {"INSTR-NDI-IMPUTED", "ndi", NULL, TEN(2,2,2,2,1,1,1,1,1,1), NULL, 14, NONE, "mild disability", NULL, NULL, NULL},
    {"INSTR-NDI-IMPUTED", "ndi", NULL, TEN(2,2,2,2,2,1,1,1,1,1), NULL, 15, NONE, "moderate disability", NULL, NULL, NULL},
    {"INSTR-NDI-IMPUTED", "ndi", NULL, TEN(2,2,2,2,2,2,1,1,1,1), NULL, 16, NONE, "moderate disability", NULL, NULL, NULL},
    {"INSTR-NDI-IMPUTED", "ndi", NULL, TEN(3,3,3,3,2,2,2,2,2,2), NULL, 24, NONE, "moderate disability", NULL, NULL, NULL},
    {"INSTR-NDI-IMPUTED", "ndi", NULL, TEN(3,3,3,3,3,2,2,2,2,2), NULL, 25, NONE, "severe disability", NULL, NULL, NULL},
    {"INSTR-NDI-IMPUTED", "ndi", NULL, TEN(3,3,3,3,3,3,2,2,2,2), NULL, 26, NONE, "severe disability", NULL, NULL, NULL},
    {"INSTR-NDI-IMPUTED", "ndi", NULL, TEN(4,4,4,4,3,3,3,3,3,3), NULL, 34, NONE, "severe disability", NULL, NULL, NULL},
    {"INSTR-NDI-IMPUTED", "ndi", NULL, TEN(4,4,4,4,4,3,3,3,3,3), NULL, 35, NONE, "complete disability", NULL, NULL, NULL},
    {"INSTR-NDI-IMPUTED", "ndi", NULL, TEN(4,4,4,4,4,4,3,3,3,3), NULL, 36, NONE, "complete disability", NULL, NULL, NULL},
    {"INSTR-NDI-IMPUTED", "ndi", NULL, "1=2 2=2 3=2 4=2 5=2 6=2 7=2 8=2 9=2", NULL, 20, NONE, "moderate disability", "INSTR-NDI-IMPUTED", NULL, NULL},
    {"INSTR-NDI-IMPUTED", "ndi", NULL, "1=1 2=1 3=1 4=1 5=0 6=0 7=0 8=0", NULL, 5, NONE, "mild disability", "INSTR-NDI-IMPUTED", NULL, NULL},
    {"INSTR-NDI-IMPUTED", "ndi", NULL, "1=1 2=1 3=1 4=1 5=0 6=0 7=0", NULL, 0, NONE, NULL, NULL, NULL, "8"},
    {"INSTR-NDI-IMPUTED", "ndi", NULL, "1=1 2=1 3=1 4=1 5=0 6=0 7=0 8=0", "{\"instr_ndi_max_missing\": 1}", 0, NONE, NULL, NULL, NULL, "9"},
    /* ORT (§4.6): sex-specific weights; 0-3 low, 4-7 moderate, >= 8 high */
    {"INSTR-ORT-HIGH", "ort", "female", ORT_ALL(1,1,0,0,0,0,0,0,0,0), NULL, 3, NONE, "low risk", NULL, "INSTR-ORT-HIGH", NULL},
    {"INSTR-ORT-HIGH", "ort", "male", ORT_ALL(1,1,0,0,0,0,0,0,0,0), NULL, 6, NONE, "moderate risk", NULL, NULL, NULL},
    {"INSTR-ORT-HIGH", "ort", "female", ORT_ALL(1,1,0,0,0,0,1,0,0,0), NULL, 4, NONE, "moderate risk", NULL, NULL, NULL},
    {"INSTR-ORT-HIGH", "ort", "male", ORT_ALL(0,0,0,0,0,0,1,1,1,0), NULL, 3, NONE, "low risk", NULL, NULL, NULL},
    {"INSTR-ORT-HIGH", "ort", "female", ORT_ALL(0,0,0,0,0,0,1,1,1,0), NULL, 6, NONE, "moderate risk", NULL, NULL, NULL},
    {"INSTR-ORT-HIGH", "ort", "female", ORT_ALL(0,0,0,3,0,0,1,1,0,0), NULL, 0, NONE, NULL, NULL, NULL, "personal_alcohol"},
    {"INSTR-ORT-HIGH", "ort", "male", ORT_ALL(0,0,0,0,1,0,1,0,1,0), NULL, 7, NONE, "moderate risk", NULL, "INSTR-ORT-HIGH", NULL},
    {"INSTR-ORT-HIGH", "ort", "male", ORT_ALL(0,0,0,0,1,0,1,0,1,1), NULL, 8, NONE, "high risk", "INSTR-ORT-HIGH", NULL, NULL},
    {"INSTR-ORT-HIGH", "ort", "female", ORT_ALL(1,1,1,1,1,1,1,1,1,1), NULL, 26, NONE, "high risk", "INSTR-ORT-HIGH", NULL, NULL},
    {"INSTR-ORT-HIGH", "ort", "male", ORT_ALL(1,1,1,1,1,1,1,1,1,1), NULL, 26, NONE, "high risk", "INSTR-ORT-HIGH", NULL, NULL},
    {"INSTR-ORT-HIGH", "ort", NULL, ORT_ALL(1,1,1,1,1,1,1,1,1,1), NULL, 0, NONE, NULL, NULL, NULL, "sex"},
    {"INSTR-MISSING", "ort", "male", "family_alcohol=1", NULL, 0, NONE, NULL, NULL, NULL, "family_illegal"},
    /* ORT-OUD (§4.6, §0): 1 point each, <= 2 low, >= 3 high */
    {"INSTR-ORT-OUD-HIGH", "ort-oud", NULL, OUD_ALL(1,0,0,0,0,0,1,0,0), NULL, 2, NONE, "low risk", "INSTR-NO-LOINC", "INSTR-ORT-OUD-HIGH", NULL},
    {"INSTR-ORT-OUD-HIGH", "ort-oud", NULL, OUD_ALL(1,0,0,0,0,0,1,0,1), NULL, 3, NONE, "high risk", "INSTR-ORT-OUD-HIGH", NULL, NULL},
    {"INSTR-ORT-OUD-HIGH", "ort-oud", NULL, OUD_ALL(1,1,0,0,0,0,1,0,1), NULL, 4, NONE, "high risk", "INSTR-ORT-OUD-HIGH", NULL, NULL},
    {"INSTR-ORT-OUD-HIGH", "ort-oud", NULL, OUD_ALL(1,1,0,0,0,0,1,0,1), "{\"instr_ort_oud_high_min\": 5}", 4, NONE, "low risk", NULL, "INSTR-ORT-OUD-HIGH", NULL},
    /* STarT Back (§4.7): total <= 3 low; >= 4 and subscale <= 3 medium; subscale >= 4 high */
    {"INSTR-STARTBACK-HIGH", "startback", NULL, SBT(1,1,1,0,0,0,0,0,4), NULL, 4, 1, "medium risk", NULL, "INSTR-STARTBACK-HIGH", NULL},
    {"INSTR-STARTBACK-HIGH", "startback", NULL, SBT(1,1,1,0,0,0,0,0,2), NULL, 3, 0, "low risk", NULL, NULL, NULL},
    {"INSTR-STARTBACK-HIGH", "startback", NULL, SBT(1,1,1,0,0,0,0,0,3), NULL, 4, 1, "medium risk", NULL, NULL, NULL},
    {"INSTR-STARTBACK-HIGH", "startback", NULL, SBT(0,0,0,0,1,1,1,0,0), NULL, 3, 3, "low risk", NULL, NULL, NULL},
    {"INSTR-STARTBACK-HIGH", "startback", NULL, SBT(1,0,0,0,1,1,1,0,0), NULL, 4, 3, "medium risk", NULL, "INSTR-STARTBACK-HIGH", NULL},
    {"INSTR-STARTBACK-HIGH", "startback", NULL, SBT(0,0,0,0,1,1,1,0,3), NULL, 4, 4, "high risk", "INSTR-STARTBACK-HIGH", NULL, NULL},
    {"INSTR-STARTBACK-HIGH", "startback", NULL, SBT(1,1,1,1,1,1,1,1,4), NULL, 9, 5, "high risk", "INSTR-STARTBACK-HIGH", NULL, NULL},
    {"INSTR-MISSING", "startback", NULL, "1=1 2=1 3=1 4=1 5=1 6=1 7=1 8=1", NULL, 0, NONE, NULL, NULL, NULL, "9"},
};
/* clang-format on */

struct tally {
    int passed, failed;
};

static bool check_vignette(const struct vignette *v, size_t idx)
{
    const struct pp_instrument_def *def = pp_instrument_find(v->instrument);
    struct pp_instrument_answers a;
    struct pp_instrument_score s;
    struct pp_findings f;
    struct pp_policy p;
    struct pp_diag d;
    char buf[512], *save = NULL;
    bool ok = true;
    enum pp_err rc;

    if (!def) {
        print_message("vignette %zu (%s): unknown instrument %s\n", idx, v->rule, v->instrument);
        return false;
    }
    pp_policy_init(&p);
    if (v->policy && pp_policy_load_json(&p, v->policy, strlen(v->policy), "policy", &d) != PP_OK) {
        print_message("vignette %zu: bad policy %s\n", idx, v->policy);
        return false;
    }
    pp_instrument_answers_init(&a, def);
    if (v->sex)
        a.sex = strcmp(v->sex, "female") == 0 ? PP_INSTR_SEX_FEMALE : PP_INSTR_SEX_MALE;
    snprintf(buf, sizeof(buf), "%s", v->answers);
    for (char *tok = strtok_r(buf, " ", &save); tok; tok = strtok_r(NULL, " ", &save)) {
        char *eq = strchr(tok, '=');
        *eq = '\0';
        rc = pp_instrument_answers_set(&a, tok, strtod(eq + 1, NULL), &d);
        if (rc) {
            if (v->error_item && strcmp(d.where, v->error_item) == 0)
                return true; /* the expected range error */
            print_message("vignette %zu (%s): answer %s rejected: %s\n", idx, v->rule, tok, d.what);
            return false;
        }
    }
    pp_findings_init(&f);
    pp_diag_clear(&d);
    rc = pp_instrument_score(&a, &p, &s, &f, &d);
    if (v->error_item) {
        if (rc != PP_ERR_INPUT || strcmp(d.where, v->error_item) != 0) {
            print_message("vignette %zu (%s %s): expected an error naming %s, got rc %d '%s'\n",
                          idx, v->rule, v->instrument, v->error_item, (int)rc, d.where);
            ok = false;
        }
        goto out;
    }
    if (rc != PP_OK) {
        print_message("vignette %zu (%s %s): unexpected error %s: %s\n", idx, v->rule,
                      v->instrument, d.where, d.what);
        ok = false;
        goto out;
    }
    if (fabs(s.total - v->total) > 1e-9) {
        print_message("vignette %zu (%s %s): total %g, expected %g\n", idx, v->rule, v->instrument,
                      s.total, v->total);
        ok = false;
    }
    if (isnan(v->sub) != isnan(s.sub) || (!isnan(v->sub) && fabs(s.sub - v->sub) > 1e-9)) {
        print_message("vignette %zu (%s %s): sub %g, expected %g\n", idx, v->rule, v->instrument,
                      s.sub, v->sub);
        ok = false;
    }
    if ((v->band == NULL) != (s.band == NULL) || (v->band && strcmp(v->band, s.band) != 0)) {
        print_message("vignette %zu (%s %s): band %s, expected %s\n", idx, v->rule, v->instrument,
                      s.band ? s.band : "(none)", v->band ? v->band : "(none)");
        ok = false;
    }
    if (v->flag && pp_findings_count_rule(&f, v->flag) != 1) {
        print_message("vignette %zu (%s %s): expected finding %s\n", idx, v->rule, v->instrument,
                      v->flag);
        ok = false;
    }
    if (v->no_flag && pp_findings_count_rule(&f, v->no_flag) != 0) {
        print_message("vignette %zu (%s %s): unexpected finding %s\n", idx, v->rule, v->instrument,
                      v->no_flag);
        ok = false;
    }
out:
    pp_findings_release(&f);
    return ok;
}

static void test_instruments__vignettes(void **state)
{
    struct tally *t = *state;
    int failed_before = t->failed;
    for (size_t i = 0; i < ARRAY_SIZE(vignettes); i++) {
        if (check_vignette(&vignettes[i], i))
            t->passed++;
        else
            t->failed++;
    }
    assert_int_equal(t->failed, failed_before);
}

/* Responder vignettes (INSTR-RESPONDER): baseline, follow-up, expected status. */
struct change_case {
    const char *instrument;
    double baseline, followup;
    const char *policy;
    enum pp_responder status;
};

/* clang-format off */
static const struct change_case changes[] = {
    /* NRS: 2 points or 30% (§4.9) */
    {"nrs", 10, 8, NULL, PP_RESPONDER_YES},          /* 2 points, 20% */
    {"nrs", 10, 8.5, NULL, PP_RESPONDER_NO},         /* 1.5 points, 15% */
    {"nrs", 10, 7.5, NULL, PP_RESPONDER_YES},
    {"nrs", 5, 3.5, NULL, PP_RESPONDER_YES},         /* 1.5 points, exactly 30% */
    {"nrs", 5, 3.6, NULL, PP_RESPONDER_NO},          /* 28% */
    {"nrs", 5, 3.4, NULL, PP_RESPONDER_YES},
    {"nrs", 10, 8, "{\"instr_mcid_nrs_require_both\": 1}", PP_RESPONDER_NO},
    {"nrs", 10, 7, "{\"instr_mcid_nrs_require_both\": 1}", PP_RESPONDER_YES},
    {"nrs", 4, 6, NULL, PP_RESPONDER_WORSENED},
    {"nrs", 4, 5, NULL, PP_RESPONDER_NO},             /* 1 point, 25% worse */
    {"nrs", 0, 1, NULL, PP_RESPONDER_NO},             /* no % from a 0 baseline */
    {"nrs", 0, 2, NULL, PP_RESPONDER_WORSENED},
    /* PEG: 30% (§4.1) */
    {"peg", 10, 7, NULL, PP_RESPONDER_YES},
    {"peg", 10, 7.1, NULL, PP_RESPONDER_NO},
    {"peg", 10, 6.9, NULL, PP_RESPONDER_YES},
    /* ODI: 10 points (§4.9) */
    {"odi", 40, 30, NULL, PP_RESPONDER_YES},
    {"odi", 40, 30.01, NULL, PP_RESPONDER_NO},
    {"odi", 40, 29.99, NULL, PP_RESPONDER_YES},
    {"odi", 30, 40, NULL, PP_RESPONDER_WORSENED},
    /* NDI: 5 points (§0) */
    {"ndi", 20, 15, NULL, PP_RESPONDER_YES},
    {"ndi", 20, 15.5, NULL, PP_RESPONDER_NO},
    {"ndi", 20, 14, NULL, PP_RESPONDER_YES},
    /* PHQ-9 5, GAD-7 4 (§4.5, L) */
    {"phq9", 15, 10, NULL, PP_RESPONDER_YES},
    {"phq9", 15, 11, NULL, PP_RESPONDER_NO},
    {"phq9", 15, 9, NULL, PP_RESPONDER_YES},
    {"gad7", 12, 8, NULL, PP_RESPONDER_YES},
    {"gad7", 12, 9, NULL, PP_RESPONDER_NO},
    {"gad7", 12, 7, NULL, PP_RESPONDER_YES},
};
/* clang-format on */

static void test_instruments__responder(void **state)
{
    struct tally *t = *state;
    int failed_before = t->failed;
    for (size_t i = 0; i < ARRAY_SIZE(changes); i++) {
        const struct change_case *c = &changes[i];
        struct pp_policy p;
        struct pp_findings f;
        struct pp_instrument_change out;
        struct pp_diag d;
        pp_policy_init(&p);
        if (c->policy)
            assert_int_equal(pp_policy_load_json(&p, c->policy, strlen(c->policy), "p", &d), PP_OK);
        pp_findings_init(&f);
        if (pp_instrument_compare(pp_instrument_find(c->instrument), c->baseline, c->followup, &p,
                                  &out, &f, &d) == PP_OK &&
            out.status == c->status && pp_findings_count_rule(&f, "INSTR-RESPONDER") == 1) {
            t->passed++;
        } else {
            print_message("INSTR-RESPONDER case %zu (%s %g -> %g): got %s, expected %s\n", i,
                          c->instrument, c->baseline, c->followup, pp_responder_name(out.status),
                          pp_responder_name(c->status));
            t->failed++;
        }
        pp_findings_release(&f);
    }
    assert_int_equal(t->failed, failed_before);
}

/* INSTR-RESPONDER: no MCID in the sheet, or a score out of range, is refused. */
static void test_instruments__responder_refused(void **state)
{
    struct pp_policy p;
    struct pp_findings f;
    struct pp_instrument_change out;
    struct pp_diag d;
    (void)state;
    pp_policy_init(&p);
    pp_findings_init(&f);
    assert_int_equal(pp_instrument_compare(pp_instrument_find("bpi"), 5, 3, &p, &out, &f, &d),
                     PP_ERR_UNSUPPORTED);
    assert_int_equal(pp_instrument_compare(pp_instrument_find("ort"), 5, 3, &p, &out, &f, &d),
                     PP_ERR_UNSUPPORTED);
    assert_int_equal(pp_instrument_compare(pp_instrument_find("nrs"), 11, 3, &p, &out, &f, &d),
                     PP_ERR_INPUT);
    assert_string_equal(d.where, "baseline");
    assert_int_equal(pp_instrument_compare(pp_instrument_find("odi"), 50, 101, &p, &out, &f, &d),
                     PP_ERR_INPUT);
    assert_string_equal(d.where, "followup");
    assert_int_equal(f.n, 0);
    pp_findings_release(&f);
}

/* INSTR-MISSING: bad answers are refused naming the item. */
static void test_instruments__answer_errors(void **state)
{
    struct pp_instrument_answers a;
    struct pp_diag d;
    (void)state;
    pp_instrument_answers_init(&a, pp_instrument_find("PHQ-9"));
    assert_int_equal(pp_instrument_answers_set(&a, "11", 1, &d), PP_ERR_INPUT);
    assert_string_equal(d.where, "11");
    assert_int_equal(pp_instrument_answers_set(&a, "1", 4, &d), PP_ERR_INPUT);
    assert_int_equal(pp_instrument_answers_set(&a, "1", -1, &d), PP_ERR_INPUT);
    assert_int_equal(pp_instrument_answers_set(&a, "1", 1.5, &d), PP_ERR_INPUT);
    assert_int_equal(pp_instrument_answers_set(&a, "1", 3, &d), PP_OK);
    assert_int_equal(pp_instrument_answers_set(&a, "1", 0, &d), PP_ERR_INPUT); /* twice */
    assert_int_equal(pp_instrument_answers_set(&a, "10", 3, &d), PP_OK);
    pp_instrument_answers_init(&a, pp_instrument_find("bpi"));
    assert_int_equal(pp_instrument_answers_set(&a, "8", 30, &d), PP_OK);
    pp_instrument_answers_init(&a, pp_instrument_find("bpi"));
    assert_int_equal(pp_instrument_answers_set(&a, "8", 31, &d), PP_ERR_INPUT);
    assert_int_equal(pp_instrument_answers_set(&a, "8", 110, &d), PP_ERR_INPUT);
    assert_null(pp_instrument_find("phq10"));
    assert_non_null(pp_instrument_find("ORT_OUD"));
}

/* Item text is shipped only for the free instruments; LOINC only where the sheet gives it. */
static void test_instruments__licensing_and_codes(void **state)
{
    size_t n;
    const struct pp_instrument_def *defs = pp_instrument_defs(&n);
    (void)state;
    assert_int_equal(n, PP_INSTR_COUNT);
    for (size_t i = 0; i < n; i++) {
        bool free_text = defs[i].id <= PP_INSTR_GAD7;
        assert_int_equal(defs[i].item_text_shipped, free_text);
        for (size_t j = 0; j < defs[i].n_items; j++)
            assert_int_equal(defs[i].items[j].text != NULL, free_text);
        assert_int_equal(defs[i].total_loinc == NULL, defs[i].loinc_note != NULL);
    }
    assert_string_equal(pp_instrument_find("phq9")->total_loinc, "44261-6");
    assert_string_equal(pp_instrument_find("odi")->total_loinc, "97909-6");
    assert_string_equal(pp_instrument_find("ndi")->total_loinc, "82237-9");
    assert_string_equal(pp_instrument_find("bpi")->sub_loinc, "77565-0");
    assert_null(pp_instrument_find("gad2")->total_loinc);
    assert_null(pp_instrument_find("bpi")->total_loinc);
}

/* The rule table lists every rule id the vignettes exercise. */
static void test_instruments__rule_table(void **state)
{
    size_t n;
    const struct pp_rule_info *r = pp_instruments_rules(&n);
    (void)state;
    for (size_t i = 0; i < ARRAY_SIZE(vignettes); i++) {
        bool found = false;
        for (size_t j = 0; j < n; j++)
            found = found || strcmp(r[j].id, vignettes[i].rule) == 0;
        assert_true(found);
    }
}

static int setup(void **state)
{
    *state = test_calloc(1, sizeof(struct tally));
    return 0;
}

static int teardown(void **state)
{
    struct tally *t = *state;
    int rc = t->failed || t->passed < 100 ? -1 : 0;
    printf("instruments vignettes: %d passed, %d failed\n", t->passed, t->failed);
    test_free(t);
    return rc;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_instruments__vignettes),
        cmocka_unit_test(test_instruments__responder),
        cmocka_unit_test(test_instruments__responder_refused),
        cmocka_unit_test(test_instruments__answer_errors),
        cmocka_unit_test(test_instruments__licensing_and_codes),
        cmocka_unit_test(test_instruments__rule_table),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
