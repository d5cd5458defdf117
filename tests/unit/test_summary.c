/*
 * test_summary.c — the pain management summary (clinical/summary.c): a table
 * of vignettes written by us, each one element on a record built in C and
 * citing the rule id it exercises, with every look-back window at, just
 * inside and just outside its edge (24, 12 and 6 months, 42 weeks, 180 days,
 * ages 18 and 65, MME 50), then PEG items, ordering, findings and policy keys.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "clinical/finding.h"
#include "clinical/policy.h"
#include "clinical/record.h"
#include "clinical/summary.h"
#include "clinical/terms.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define AHRQ "http://cds.ahrq.gov/cdsconnect/pms"
#define SCT PP_SYS_SNOMED
#define LNC PP_SYS_LOINC
#define ICD PP_SYS_ICD10CM
#define RX PP_SYS_RXNORM
#define NO_CHECK (-1)

enum el { COND, ENC_DX, OBS, MEDREQ, MEDSTMT, PROC, SERVREQ, NONE };

struct vignette {
    const char *name;
    const char *rule; /* the rule id exercised */
    enum el kind;
    const char *system, *code, *display;
    const char *status; /* resource status / clinical status for conditions */
    int months, days;   /* element date: now + months (calendar) + days */
    double value;       /* observation value (NAN: none) */
    int birth_months;   /* birth = now + birth_months + birth_days (0/0: 1960-01-01) */
    int birth_days;
    int section;   /* enum pp_summary_section to count, NO_CHECK to skip */
    int count;     /* expected items in that section */
    int inclusion; /* expected meets_inclusion, NO_CHECK to skip */
    unsigned flag; /* a PP_SUMRISK_* bit to check (0: none) */
    int flag_set;
};

#define OXY "1049593", "12 HR Oxycodone Hydrochloride 60 MG Extended Release Oral Tablet"
#define IBU "197806", "Ibuprofen 600 MG Oral Tablet"
#define PEG3350 "876193", "POLYETHYLENE GLYCOL 3350 17000 MG Powder for Oral Solution"
#define DIAZ "197591", "Diazepam 5 MG Oral Tablet"
#define NALOX "1725059", "Naloxone Hydrochloride 40 MG/ML Nasal Spray"
#define GABA "310431", "gabapentin 100 MG Oral Capsule"

/* clang-format off */
static const struct vignette vignettes[] = {
    /* SUMMARY-ASSESSMENTS: summary_assessment_months = 24 */
    {"V01 Wong-Baker exactly 24 months back", "SUMMARY-ASSESSMENTS", OBS, LNC, "38221-8",
     "Pain severity Wong-Baker FACES Scale", "final", -24, 0, 6, 0, 0, PP_SUM_PAIN_INTENSITY, 1, NO_CHECK, 0, 0},
    {"V02 Wong-Baker one day before the 24-month edge", "SUMMARY-ASSESSMENTS", OBS, LNC, "38221-8",
     "Wong-Baker", "final", -24, -1, 6, 0, 0, PP_SUM_PAIN_INTENSITY, 0, NO_CHECK, 0, 0},
    {"V03 Wong-Baker one day inside the 24-month edge", "SUMMARY-ASSESSMENTS", OBS, LNC, "38221-8",
     "Wong-Baker", "final", -24, 1, 6, 0, 0, PP_SUM_PAIN_INTENSITY, 1, NO_CHECK, 0, 0},
    {"V04 verbal NRS 72514-3 dated tomorrow is not yet history", "SUMMARY-ASSESSMENTS", OBS, LNC,
     "72514-3", "NRS", "final", 0, 1, 6, 0, 0, PP_SUM_PAIN_INTENSITY, 0, NO_CHECK, 0, 0},
    {"V05 NRS today", "SUMMARY-ASSESSMENTS", OBS, LNC, "72514-3", "NRS", "final", 0, 0, 6, 0, 0,
     PP_SUM_PAIN_INTENSITY, 1, NO_CHECK, 0, 0},
    {"V06 preliminary NRS is not verified", "SUMMARY-ASSESSMENTS", OBS, LNC, "72514-3", "NRS",
     "preliminary", -1, 0, 6, 0, 0, PP_SUM_PAIN_INTENSITY, 0, NO_CHECK, 0, 0},
    {"V07 PEG mean 91147-9 at the 24-month edge", "SUMMARY-ASSESSMENTS", OBS, LNC, "91147-9",
     "Mean score [PEG]", "final", -24, 0, 5, 0, 0, PP_SUM_PEG, 1, NO_CHECK, 0, 0},
    {"V08 legacy PEGASSESSMENT one day outside", "SUMMARY-ASSESSMENTS", OBS, AHRQ, "PEGASSESSMENT",
     "PEG", "final", -24, -1, 5, 0, 0, PP_SUM_PEG, 0, NO_CHECK, 0, 0},
    {"V09 STarT Back 91351-7 one day inside", "SUMMARY-ASSESSMENTS", OBS, LNC, "91351-7",
     "Total score [STarT Back]", "amended", -24, 1, 4, 0, 0, PP_SUM_STARTBACK, 1, NO_CHECK, 0, 0},
    {"V10 STarT Back one day outside", "SUMMARY-ASSESSMENTS", OBS, AHRQ, "STARTBACK", "STarT Back",
     "final", -24, -1, 4, 0, 0, PP_SUM_STARTBACK, 0, NO_CHECK, 0, 0},
    /* SUMMARY-TREATMENTS: summary_treatment_months = 24, laxatives 6, naloxone unrestricted */
    {"V11 oxycodone ER request exactly 24 months back", "SUMMARY-TREATMENTS", MEDREQ, RX, OXY,
     "active", -24, 0, NAN, 0, 0, PP_SUM_OPIOIDS, 1, NO_CHECK, 0, 0},
    {"V12 oxycodone ER request one day outside", "SUMMARY-TREATMENTS", MEDREQ, RX, OXY, "completed",
     -24, -1, NAN, 0, 0, PP_SUM_OPIOIDS, 0, NO_CHECK, 0, 0},
    {"V13 cancelled opioid request is not history", "SUMMARY-TREATMENTS", MEDREQ, RX, OXY,
     "cancelled", -1, 0, NAN, 0, 0, PP_SUM_OPIOIDS, 0, NO_CHECK, 0, 0},
    {"V14 stopped opioid request counts", "SUMMARY-TREATMENTS", MEDREQ, RX, OXY, "stopped", -1, 0,
     NAN, 0, 0, PP_SUM_OPIOIDS, 1, NO_CHECK, 0, 0},
    {"V15 ibuprofen statement one day inside", "SUMMARY-TREATMENTS", MEDSTMT, RX, IBU, "active",
     -24, 1, NAN, 0, 0, PP_SUM_NON_OPIOIDS, 1, NO_CHECK, 0, 0},
    {"V16 stopped statement is not listed", "SUMMARY-TREATMENTS", MEDSTMT, RX, IBU, "stopped", -1,
     0, NAN, 0, 0, PP_SUM_NON_OPIOIDS, 0, NO_CHECK, 0, 0},
    {"V17 PEG 3350 exactly 6 months back", "SUMMARY-TREATMENTS", MEDREQ, RX, PEG3350, "active", -6,
     0, NAN, 0, 0, PP_SUM_LAXATIVES, 1, NO_CHECK, 0, 0},
    {"V18 PEG 3350 one day outside 6 months", "SUMMARY-TREATMENTS", MEDREQ, RX, PEG3350, "active",
     -6, -1, NAN, 0, 0, PP_SUM_LAXATIVES, 0, NO_CHECK, 0, 0},
    {"V19 PEG 3350 one day inside 6 months", "SUMMARY-TREATMENTS", MEDSTMT, RX, PEG3350, "active",
     -6, 1, NAN, 0, 0, PP_SUM_LAXATIVES, 1, NO_CHECK, 0, 0},
    {"V20 diazepam at the 24-month edge", "SUMMARY-RISK-FACTOR", MEDREQ, RX, DIAZ, "active", -24, 0,
     NAN, 0, 0, PP_SUM_BENZODIAZEPINES, 1, NO_CHECK, PP_SUMRISK_BENZODIAZEPINE, 1},
    {"V21 diazepam one day outside: no benzodiazepine flag", "SUMMARY-RISK-FACTOR", MEDREQ, RX,
     DIAZ, "active", -24, -1, NAN, 0, 0, PP_SUM_BENZODIAZEPINES, 0, NO_CHECK,
     PP_SUMRISK_BENZODIAZEPINE, 0},
    {"V22 naloxone ten years back (unrestricted)", "SUMMARY-TREATMENTS", MEDREQ, RX, NALOX,
     "active", -120, 0, NAN, 0, 0, PP_SUM_NALOXONE, 1, NO_CHECK, 0, 0},
    {"V23 naloxone dated ten days ahead (unrestricted)", "SUMMARY-TREATMENTS", MEDREQ, RX, NALOX,
     "active", 0, 10, NAN, 0, 0, PP_SUM_NALOXONE, 1, NO_CHECK, 0, 0},
    {"V24 naloxone is not an opioid treatment", "SUMMARY-TREATMENTS", MEDREQ, RX, NALOX, "active",
     -1, 0, NAN, 0, 0, PP_SUM_OPIOIDS, 0, NO_CHECK, 0, 0},
    {"V25 chiropraxy at the 24-month edge", "SUMMARY-TREATMENTS", PROC, SCT, "182548004",
     "Chiropraxy", "completed", -24, 0, NAN, 0, 0, PP_SUM_NON_PHARM, 1, NO_CHECK, 0, 0},
    {"V26 chiropraxy one day outside", "SUMMARY-TREATMENTS", PROC, SCT, "182548004", "Chiropraxy",
     "completed", -24, -1, NAN, 0, 0, PP_SUM_NON_PHARM, 0, NO_CHECK, 0, 0},
    {"V27 not-done procedure is not listed", "SUMMARY-TREATMENTS", PROC, SCT, "182548004",
     "Chiropraxy", "not-done", -1, 0, NAN, 0, 0, PP_SUM_NON_PHARM, 0, NO_CHECK, 0, 0},
    {"V28 PT referral as a ServiceRequest", "SUMMARY-TREATMENTS", SERVREQ, SCT, "444831000124102",
     "Referral for physical therapy", "active", -3, 0, NAN, 0, 0, PP_SUM_NON_PHARM, 1, NO_CHECK, 0, 0},
    /* SUMMARY-RISK-CONSIDERATIONS: MME 6 months, UDS and screenings 12 months */
    {"V29 recorded MME exactly 6 months back", "SUMMARY-RISK-CONSIDERATIONS", OBS, AHRQ, "MME",
     "MME", "final", -6, 0, 20, 0, 0, PP_SUM_MME, 1, NO_CHECK, 0, 0},
    {"V30 recorded MME one day outside 6 months", "SUMMARY-RISK-CONSIDERATIONS", OBS, AHRQ, "MME",
     "MME", "final", -6, -1, 20, 0, 0, PP_SUM_MME, 0, NO_CHECK, 0, 0},
    {"V31 opiate urine screen exactly 12 months back", "SUMMARY-RISK-CONSIDERATIONS", OBS, LNC,
     "19295-5", "Opiates screen", "final", -12, 0, 2300, 0, 0, PP_SUM_UDS, 1, NO_CHECK, 0, 0},
    {"V32 opiate urine screen one day outside", "SUMMARY-RISK-CONSIDERATIONS", OBS, LNC, "19295-5",
     "Opiates screen", "final", -12, -1, 2300, 0, 0, PP_SUM_UDS, 0, NO_CHECK, 0, 0},
    {"V33 PHQ-9 one day inside 12 months", "SUMMARY-RISK-CONSIDERATIONS", OBS, LNC, "44261-6",
     "PHQ-9 total", "final", -12, 1, 8, 0, 0, PP_SUM_SCREENINGS, 1, NO_CHECK, 0, 0},
    {"V34 GAD-7 one day outside 12 months", "SUMMARY-RISK-CONSIDERATIONS", OBS, LNC, "70274-6",
     "GAD-7 total", "final", -12, -1, 8, 0, 0, PP_SUM_SCREENINGS, 0, NO_CHECK, 0, 0},
    {"V35 AUDIT-C in the window flags alcohol screening", "SUMMARY-RISK-CONSIDERATIONS", OBS, LNC,
     "75626-2", "AUDIT-C", "final", -12, 0, 5, 0, 0, PP_SUM_SCREENINGS, 1, NO_CHECK,
     PP_SUMRISK_ALCOHOL_SCREEN, 1},
    {"V36 DAST-10 one day outside: no flag", "SUMMARY-RISK-CONSIDERATIONS", OBS, LNC, "82667-7",
     "DAST-10", "final", -12, -1, 3, 0, 0, PP_SUM_SCREENINGS, 0, NO_CHECK, PP_SUMRISK_DRUG_SCREEN, 0},
    /* SUMMARY-HIGH-MME: naloxone_mme = 50 */
    {"V37 recorded MME 50 is high", "SUMMARY-HIGH-MME", OBS, AHRQ, "MME", "MME", "final", -1, 0, 50,
     0, 0, PP_SUM_MME, 1, NO_CHECK, PP_SUMRISK_HIGH_MME, 1},
    {"V38 recorded MME 49.99 is not", "SUMMARY-HIGH-MME", OBS, AHRQ, "MME", "MME", "final", -1, 0,
     49.99, 0, 0, PP_SUM_MME, 1, NO_CHECK, PP_SUMRISK_HIGH_MME, 0},
    {"V39 recorded MME 50.01 is high", "SUMMARY-HIGH-MME", OBS, AHRQ, "MME", "MME", "final", -1, 0,
     50.01, 0, 0, PP_SUM_MME, 1, NO_CHECK, PP_SUMRISK_HIGH_MME, 1},
    /* SUMMARY-CONDITIONS */
    {"V40 active fibromyalgia from 2000 is listed", "SUMMARY-CONDITIONS", COND, SCT, "203082005",
     "Fibromyalgia", "active", -220, 0, NAN, 0, 0, PP_SUM_CHRONIC_PAIN_CONDITIONS, 1, 1, 0, 0},
    {"V41 resolved fibromyalgia is not", "SUMMARY-CONDITIONS", COND, SCT, "203082005",
     "Fibromyalgia", "resolved", -220, 0, NAN, 0, 0, PP_SUM_CHRONIC_PAIN_CONDITIONS, 0, 0, 0, 0},
    {"V42 low back pain M54.50 (ICD-10-CM category)", "SUMMARY-CONDITIONS", COND, ICD, "M54.50",
     "Low back pain", "recurrence", -30, 0, NAN, 0, 0, PP_SUM_CHRONIC_PAIN_CONDITIONS, 1, 1, 0, 0},
    /* SUMMARY-RISK-FACTOR */
    {"V43 active major depression", "SUMMARY-RISK-FACTOR", COND, SCT, "832007", "Depression",
     "active", -30, 0, NAN, 0, 0, PP_SUM_RISK_FACTORS, 1, NO_CHECK, PP_SUMRISK_DEPRESSION, 1},
    {"V44 resolved depression is not a risk factor", "SUMMARY-RISK-FACTOR", COND, ICD, "F33.1",
     "Depression", "resolved", -30, 0, NAN, 0, 0, PP_SUM_RISK_FACTORS, 0, NO_CHECK,
     PP_SUMRISK_DEPRESSION, 0},
    {"V45 resolved suicide attempt still counts", "SUMMARY-RISK-FACTOR", COND, ICD, "T14.91XA",
     "Suicide attempt", "resolved", -60, 0, NAN, 0, 0, PP_SUM_RISK_FACTORS, 1, NO_CHECK,
     PP_SUMRISK_SUICIDE_ATTEMPT, 1},
    {"V46 suicide attempt as an encounter diagnosis", "SUMMARY-RISK-FACTOR", ENC_DX, ICD,
     "T14.91XA", "Suicide attempt", NULL, -60, 0, NAN, 0, 0, PP_SUM_RISK_FACTORS, 1, NO_CHECK,
     PP_SUMRISK_SUICIDE_ATTEMPT, 1},
    {"V47 pregnancy exactly 42 weeks back", "SUMMARY-RISK-FACTOR", COND, SCT, "77386006",
     "Pregnant", "active", 0, -294, NAN, 0, 0, PP_SUM_RISK_FACTORS, 1, NO_CHECK,
     PP_SUMRISK_PREGNANCY, 1},
    {"V48 pregnancy 42 weeks and a day back", "SUMMARY-RISK-FACTOR", COND, SCT, "77386006",
     "Pregnant", "active", 0, -295, NAN, 0, 0, PP_SUM_RISK_FACTORS, 0, NO_CHECK,
     PP_SUMRISK_PREGNANCY, 0},
    {"V49 pregnancy 41 weeks 6 days back", "SUMMARY-RISK-FACTOR", COND, SCT, "77386006",
     "Pregnant", "active", 0, -293, NAN, 0, 0, PP_SUM_RISK_FACTORS, 1, NO_CHECK,
     PP_SUMRISK_PREGNANCY, 1},
    {"V50 65th birthday today", "SUMMARY-RISK-FACTOR", NONE, NULL, NULL, NULL, NULL, 0, 0, NAN,
     -780, 0, PP_SUM_RISK_FACTORS, 1, NO_CHECK, PP_SUMRISK_AGE_65, 1},
    {"V51 65th birthday tomorrow", "SUMMARY-RISK-FACTOR", NONE, NULL, NULL, NULL, NULL, 0, 0, NAN,
     -780, 1, PP_SUM_RISK_FACTORS, 0, NO_CHECK, PP_SUMRISK_AGE_65, 0},
    {"V52 65 years and a day", "SUMMARY-RISK-FACTOR", NONE, NULL, NULL, NULL, NULL, 0, 0, NAN,
     -780, -1, PP_SUM_RISK_FACTORS, 1, NO_CHECK, PP_SUMRISK_AGE_65, 1},
    /* SUMMARY-INCLUSION: summary_adult_age 18, summary_inclusion_med_days 180 */
    {"V53 18th birthday today with fibromyalgia", "SUMMARY-INCLUSION", COND, SCT, "203082005",
     "Fibromyalgia", "active", -12, 0, NAN, -216, 0, NO_CHECK, 0, 1, 0, 0},
    {"V54 18th birthday tomorrow with fibromyalgia", "SUMMARY-INCLUSION", COND, SCT, "203082005",
     "Fibromyalgia", "active", -12, 0, NAN, -216, 1, NO_CHECK, 0, 0, 0, 0},
    {"V55 18 years and a day", "SUMMARY-INCLUSION", COND, SCT, "203082005", "Fibromyalgia",
     "active", -12, 0, NAN, -216, -1, NO_CHECK, 0, 1, 0, 0},
    {"V56 opioid 180 days back includes", "SUMMARY-INCLUSION", MEDREQ, RX, OXY, "active", 0, -180,
     NAN, 0, 0, PP_SUM_OPIOIDS, 1, 1, 0, 0},
    {"V57 opioid 181 days back does not", "SUMMARY-INCLUSION", MEDREQ, RX, OXY, "active", 0, -181,
     NAN, 0, 0, PP_SUM_OPIOIDS, 1, 0, 0, 0},
    {"V58 opioid 179 days back includes", "SUMMARY-INCLUSION", MEDSTMT, RX, OXY, "completed", 0,
     -179, NAN, 0, 0, PP_SUM_OPIOIDS, 1, 1, 0, 0},
    {"V59 gabapentin (adjuvant) 100 days back includes", "SUMMARY-INCLUSION", MEDREQ, RX, GABA,
     "active", 0, -100, NAN, 0, 0, NO_CHECK, 0, 1, 0, 0},
    {"V60 ibuprofen alone does not include", "SUMMARY-INCLUSION", MEDREQ, RX, IBU, "active", 0, -10,
     NAN, 0, 0, PP_SUM_NON_OPIOIDS, 1, 0, 0, 0},
};
/* clang-format on */

static pp_day day_of(const char *s)
{
    pp_day d;
    struct pp_diag dg;
    assert_int_equal(pp_day_parse(s, strlen(s), &d, &dg), PP_OK);
    return d;
}

static struct pp_coding codings[1];

/* Build the record of one vignette. The codings are static (the record borrows them). */
static void build(const struct vignette *v, pp_day now, struct pp_record *r)
{
    pp_day when = pp_day_add_months(now, v->months) + v->days;
    struct pp_concept code = {codings, 1, NULL};
    codings[0].system = v->system;
    codings[0].code = v->code;
    codings[0].display = v->display;

    pp_record_init(r);
    r->has_patient = true;
    r->patient.id = "p1";
    r->patient.gender = "female";
    r->patient.birth_date = (v->birth_months || v->birth_days)
                                ? pp_day_add_months(now, v->birth_months) + v->birth_days
                                : day_of("1960-01-01");
    switch (v->kind) {
    case COND:
    case ENC_DX: {
        struct pp_condition *c = pp_record_add_condition(r);
        c->id = "c1";
        c->code = code;
        c->onset = when;
        if (v->kind == COND) {
            c->clinical_status = v->status;
            c->verification_status = "confirmed";
        } else {
            c->category = "encounter-diagnosis";
        }
        break;
    }
    case OBS: {
        struct pp_observation *o = pp_record_add_observation(r);
        o->id = "o1";
        o->status = v->status;
        o->code = code;
        o->effective = when;
        if (!isnan(v->value)) {
            o->value_quantity.present = true;
            o->value_quantity.value = v->value;
        }
        break;
    }
    case MEDREQ:
    case MEDSTMT: {
        struct pp_medication *m = pp_record_add_med(r);
        m->id = "m1";
        m->source = v->kind == MEDREQ ? PP_MED_REQUEST : PP_MED_STATEMENT;
        m->status = v->status;
        m->code = code;
        if (v->kind == MEDREQ)
            m->authored = when;
        else
            m->start = when;
        break;
    }
    case PROC: {
        struct pp_procedure *p = pp_record_add_procedure(r);
        p->id = "pr1";
        p->status = v->status;
        p->code = code;
        p->performed = when;
        break;
    }
    case SERVREQ: {
        struct pp_service_request *s = pp_record_add_service_request(r);
        s->id = "sr1";
        s->status = v->status;
        s->code = code;
        s->authored = when;
        break;
    }
    case NONE: break;
    }
}

static bool has_rule(const struct pp_findings *f, const char *id)
{
    return pp_findings_count_rule(f, id) > 0;
}

static void test_summary__vignettes(void **state)
{
    pp_day now = day_of("2018-12-10");
    struct pp_policy p;
    struct pp_terms terms;
    int passed = 0, failed = 0;
    (void)state;

    pp_policy_init(&p);
    pp_terms_init_builtin(&terms);
    for (size_t i = 0; i < ARRAY_SIZE(vignettes); i++) {
        const struct vignette *v = &vignettes[i];
        struct pp_record r;
        struct pp_summary s;
        struct pp_findings f;
        bool ok = true;

        build(v, now, &r);
        pp_summary_init(&s);
        pp_findings_init(&f);
        assert_int_equal(pp_summary_build(&r, now, &p, &terms, NULL, &s), PP_OK);
        pp_summary_findings(&s, &p, &f);
        if (v->section != NO_CHECK && s.sections[v->section].n != (size_t)v->count) {
            printf("  %s [%s]: %s has %zu item(s), want %d\n", v->name, v->rule,
                   pp_summary_section_key(v->section), s.sections[v->section].n, v->count);
            ok = false;
        }
        if (v->inclusion != NO_CHECK && s.meets_inclusion != (v->inclusion == 1)) {
            printf("  %s [%s]: meets_inclusion %d, want %d\n", v->name, v->rule, s.meets_inclusion,
                   v->inclusion);
            ok = false;
        }
        if (v->flag && ((s.risk_flags & v->flag) != 0) != (v->flag_set == 1)) {
            printf("  %s [%s]: flag %s is %s\n", v->name, v->rule, pp_summary_risk_name(v->flag),
                   (s.risk_flags & v->flag) ? "set" : "clear");
            ok = false;
        }
        /* the cited rule shows in the findings where it yields one */
        if (v->flag && v->flag_set && strcmp(v->rule, "SUMMARY-TREATMENTS") != 0 &&
            strcmp(v->rule, "SUMMARY-RISK-CONSIDERATIONS") != 0 && !has_rule(&f, v->rule)) {
            printf("  %s: no %s finding\n", v->name, v->rule);
            ok = false;
        }
        if (v->inclusion == 0 && !has_rule(&f, "SUMMARY-INCLUSION")) {
            printf("  %s: no SUMMARY-INCLUSION finding\n", v->name);
            ok = false;
        }
        if (v->inclusion == 1 && has_rule(&f, "SUMMARY-INCLUSION")) {
            printf("  %s: unexpected SUMMARY-INCLUSION finding\n", v->name);
            ok = false;
        }
        ok ? passed++ : failed++;
        pp_findings_release(&f);
        pp_summary_release(&s);
        pp_record_release(&r);
    }
    pp_terms_release(&terms);
    printf("summary vignettes: %d passed, %d failed\n", passed, failed);
    assert_int_equal(failed, 0);
}

/* SUMMARY-ASSESSMENTS: the PEG items recorded on the mean's day are attached to it. */
static void test_summary__peg_items_attach_by_day(void **state)
{
    static struct pp_coding mean = {LNC, "91147-9", "Mean score [PEG]"};
    static struct pp_coding items[3] = {{LNC, "75893-8", "Pain"},
                                        {LNC, "91145-3", "Enjoyment"},
                                        {AHRQ, "PEGGENERALACTIVITY", "GA"}};
    static const double vals[3] = {7, 5, 4};
    pp_day now = day_of("2018-12-10");
    struct pp_policy p;
    struct pp_record r;
    struct pp_summary s;
    struct pp_observation *o;
    (void)state;

    pp_policy_init(&p);
    pp_record_init(&r);
    o = pp_record_add_observation(&r);
    o->status = "final";
    o->code = (struct pp_concept){&mean, 1, NULL};
    o->effective = now - 30;
    o->value_quantity.present = true;
    o->value_quantity.value = 5.33;
    for (int i = 0; i < 3; i++) {
        o = pp_record_add_observation(&r);
        o->status = "final";
        o->code = (struct pp_concept){&items[i], 1, NULL};
        o->effective = i == 2 ? now - 31 : now - 30; /* the activity item is a day off */
        o->value_quantity.present = true;
        o->value_quantity.value = vals[i];
    }
    pp_summary_init(&s);
    assert_int_equal(pp_summary_build(&r, now, &p, NULL, NULL, &s), PP_OK);
    assert_int_equal(s.sections[PP_SUM_PEG].n, 1);
    assert_true(s.sections[PP_SUM_PEG].items[0].has_item[PP_PEG_PAIN]);
    assert_true(s.sections[PP_SUM_PEG].items[0].item[PP_PEG_PAIN] == 7);
    assert_true(s.sections[PP_SUM_PEG].items[0].item[PP_PEG_ENJOYMENT] == 5);
    assert_false(s.sections[PP_SUM_PEG].items[0].has_item[PP_PEG_ACTIVITY]);
    /* an item on its own is not a pain-intensity assessment */
    assert_int_equal(s.sections[PP_SUM_PAIN_INTENSITY].n, 0);
    pp_summary_release(&s);
    pp_record_release(&r);
}

/* SUMMARY-RISK-CONSIDERATIONS: the most recent MME in the window wins; sections sort newest
 * first. */
static void test_summary__most_recent_mme_and_order(void **state)
{
    static struct pp_coding mme = {AHRQ, "MME", "MME"};
    static const int ago[3] = {100, 10, 50};
    static const double val[3] = {90, 30, 60};
    pp_day now = day_of("2018-12-10");
    struct pp_policy p;
    struct pp_record r;
    struct pp_summary s;
    (void)state;

    pp_policy_init(&p);
    pp_record_init(&r);
    for (int i = 0; i < 3; i++) {
        struct pp_observation *o = pp_record_add_observation(&r);
        o->status = "final";
        o->code = (struct pp_concept){&mme, 1, NULL};
        o->effective = now - ago[i];
        o->value_quantity.present = true;
        o->value_quantity.value = val[i];
    }
    pp_summary_init(&s);
    assert_int_equal(pp_summary_build(&r, now, &p, NULL, NULL, &s), PP_OK);
    assert_int_equal(s.sections[PP_SUM_MME].n, 1);
    assert_true(s.sections[PP_SUM_MME].items[0].value == 30);
    assert_false(s.risk_flags & PP_SUMRISK_HIGH_MME); /* the latest is 30 < 50 */
    pp_summary_release(&s);
    pp_record_release(&r);
}

/* Policy keys move the windows: a 12-month treatment window drops an 18-month-old order. */
static void test_summary__policy_window_key(void **state)
{
    const struct vignette *v = &vignettes[10]; /* V11 oxycodone 24 months back */
    pp_day now = day_of("2018-12-10");
    struct pp_policy p;
    struct pp_record r;
    struct pp_summary s;
    (void)state;

    pp_policy_init(&p);
    assert_int_equal(p.summary_treatment_months, 24);
    p.summary_treatment_months = 12;
    build(v, now, &r);
    pp_summary_init(&s);
    assert_int_equal(pp_summary_build(&r, now, &p, NULL, NULL, &s), PP_OK);
    assert_int_equal(s.sections[PP_SUM_OPIOIDS].n, 0);
    pp_summary_release(&s);
    pp_record_release(&r);
}

/* Every rule cites a source, and every rule id used by the vignettes is in the table. */
static void test_summary__rule_table(void **state)
{
    size_t n;
    const struct pp_rule_info *rules = pp_summary_rules(&n);
    (void)state;
    assert_true(n >= 6);
    for (size_t i = 0; i < n; i++) {
        assert_non_null(rules[i].source);
        assert_true(strstr(rules[i].source, "CLINICAL-FACTS") != NULL);
    }
    for (size_t i = 0; i < ARRAY_SIZE(vignettes); i++) {
        bool found = false;
        for (size_t j = 0; j < n; j++)
            found |= strcmp(rules[j].id, vignettes[i].rule) == 0;
        assert_true(found);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_summary__vignettes),
        cmocka_unit_test(test_summary__peg_items_attach_by_day),
        cmocka_unit_test(test_summary__most_recent_mme_and_order),
        cmocka_unit_test(test_summary__policy_window_key),
        cmocka_unit_test(test_summary__rule_table),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
