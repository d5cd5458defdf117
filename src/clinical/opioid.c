/*
 * opioid.c — CDC 2022 recommendations 1-12 (with the CDC opioid CDS's own
 * definitions, CLINICAL-FACTS §1.4) and the practice's opioid policy, as
 * findings. Pure: every threshold is a struct pp_policy field, every concept a
 * pp_terms set or a PP_DRUG_* class; no clock, I/O or globals. MME comes from
 * clinical/mme.c and is never recomputed here.
 */
#include "clinical/opioid.h"

#include <assert.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util/alloc.h"
#include "util/buf.h"
#include "util/banned.h"

#define CDC_URL "https://www.cdc.gov/mmwr/volumes/71/rr/rr7103a1.htm"
#define SCOPE_KEYS "adult_age_years,cancer_encounter_count,cancer_lookback_months"

#define REC01 "CDC22-REC01"
#define REC02 "CDC22-REC02"
#define REC03 "CDC22-REC03"
#define REC04 "CDC22-REC04"
#define REC05 "CDC22-REC05"
#define REC06 "CDC22-REC06"
#define REC07 "CDC22-REC07"
#define REC08 "CDC22-REC08"
#define REC09 "CDC22-REC09"
#define REC10 "CDC22-REC10"
#define REC10_UNEXPECTED "CDC22-REC10-UNEXPECTED"
#define REC11 "CDC22-REC11"
#define REC11_CNS "CDC22-REC11-CNS"
#define REC12 "CDC22-REC12"
#define NO_LA "PRACTICE-NO-LA"
#define SHORT_COURSE "PRACTICE-SHORT-COURSE"
#define NO_REPLACEMENT "PRACTICE-NO-REPLACEMENT"
#define EARLY_REFILL "PRACTICE-EARLY-REFILL"
#define RISK_EDUCATION "PRACTICE-RISK-EDUCATION"

/* The naloxone product suggested by REC08: from the CDC naloxone-medications value set. */
#define NALOXONE_RXCUI "1725059"
#define NALOXONE_NAME "naloxone hydrochloride 40 MG/ML Nasal Spray"

static const struct pp_opioid_rule rules[] = {
    {REC01, "Nonopioid therapy first for acute pain",
     "An opioid-naive adult is prescribed an opioid for acute pain (days' supply under "
     "acute_supply_days): maximize nonopioid therapy and discuss realistic benefits and known "
     "risks before prescribing.",
     "CLINICAL-FACTS §1.3 Rec 1; §1.1 acute pain < 1 month; §1.4 CDS parameters (opioid-naive)",
     SCOPE_KEYS ",acute_supply_days,naive_lookback_days,naive_exclude_days", CDC_URL,
     PP_OPIOID_HOOKS_ORDER},
    {REC02, "Treatment goals before opioids for subacute/chronic pain",
     "An opioid-naive adult is prescribed an opioid for subacute or chronic pain (days' supply "
     "of at least acute_supply_days) with no pain treatment plan or pain-management review in "
     "the last rec07_reassess_days: set pain and function goals and an exit plan first.",
     "CLINICAL-FACTS §1.3 Rec 2; §1.4 reassessment at least every 3 months",
     SCOPE_KEYS ",acute_supply_days,naive_lookback_days,naive_exclude_days,rec07_reassess_days",
     CDC_URL, PP_OPIOID_HOOKS_ORDER},
    {REC03, "Immediate-release when starting opioids",
     "An extended-release/long-acting opioid is started in an opioid-naive adult: prescribe "
     "immediate-release instead.",
     "CLINICAL-FACTS §1.3 Rec 3; §1.4 CDS parameters (opioid-naive)",
     SCOPE_KEYS ",naive_lookback_days,naive_exclude_days", CDC_URL, PP_OPIOID_HOOKS_ALL},
    {REC04, "Lowest effective dose (>= mme_caution)",
     "Subacute/chronic opioid therapy brings the total to at least mme_caution (and under "
     "mme_high) MME/day: pause, reassess, avoid further increases.",
     "CLINICAL-FACTS §1.3 Rec 4; §1.4 \"pause and carefully reassess\" >= 50 MME/day",
     SCOPE_KEYS ",acute_supply_days,mme_caution,mme_high", CDC_URL, PP_OPIOID_HOOKS_ALL},
    {REC05, "High dose (>= mme_high): weigh a gradual taper",
     "Subacute/chronic opioid therapy brings the total to at least mme_high MME/day: high "
     "overdose risk; weigh benefits and risks and taper gradually when risks outweigh them.",
     "CLINICAL-FACTS §1.3 Rec 5; §1.4 90 MME/day (CDC CDS \"taper now\" wording), taper rate",
     SCOPE_KEYS ",acute_supply_days,mme_high", CDC_URL, PP_OPIOID_HOOKS_ALL},
    {REC06, "No greater quantity than needed for acute pain",
     "An opioid for acute pain (days' supply under acute_supply_days) is extended-release/"
     "long-acting or longer than cdc_acute_max_days: prescribe no more than the expected "
     "duration of severe pain needs.",
     "CLINICAL-FACTS §1.3 Rec 6; §1.4 CDS parameter: acute alert when a prescription is > 7 days",
     SCOPE_KEYS ",acute_supply_days,cdc_acute_max_days", CDC_URL, PP_OPIOID_HOOKS_ORDER},
    {REC07, "Evaluate benefits and harms regularly",
     "A subacute/chronic opioid for a patient on opioids for at least rec07_min_days of the last "
     "rec07_window_days, or rec07_long_min_days of the last rec07_long_window_days, with no "
     "benefit/harm (risk) assessment in the last rec07_reassess_days.",
     "CLINICAL-FACTS §1.3 Rec 7; §1.4 CDS parameters (7 of 10 days, chronic-use proxy), "
     "reassessment every 3 months",
     SCOPE_KEYS ",acute_supply_days,rec07_window_days,rec07_min_days,rec07_long_window_days,"
                "rec07_long_min_days,rec07_reassess_days",
     CDC_URL, PP_OPIOID_HOOKS_ALL},
    {REC08, "Offer naloxone",
     "A patient on (or being prescribed) an opioid has an overdose risk factor (total MME/day at "
     "least naloxone_mme, a benzodiazepine, substance use disorder or overdose history, "
     "sleep-disordered breathing) and no naloxone rescue product: offer naloxone.",
     "CLINICAL-FACTS §1.3 Rec 8; §1.4 naloxone: offer when ... >= 50 MME/day, concurrent "
     "benzodiazepines",
     SCOPE_KEYS ",naloxone_mme", CDC_URL, PP_OPIOID_HOOKS_ALL},
    {REC09, "Review the PDMP",
     "An opioid is prescribed (or continued) with no PDMP review in the last pdmp_lookback_days.",
     "CLINICAL-FACTS §1.3 Rec 9; §1.4 PDMP every 3 months, CDS parameter 90 days",
     SCOPE_KEYS ",pdmp_lookback_days", CDC_URL, PP_OPIOID_HOOKS_ALL},
    {REC10, "Consider urine drug testing",
     "Subacute/chronic opioid therapy with no urine drug test in the last uds_lookback_months.",
     "CLINICAL-FACTS §1.3 Rec 10; §1.4 toxicology testing, CDS parameter UDS lookback 12 months",
     SCOPE_KEYS ",acute_supply_days,uds_lookback_months", CDC_URL, PP_OPIOID_HOOKS_ALL},
    {REC10_UNEXPECTED, "Unexpected urine drug test result",
     "Subacute/chronic opioid therapy and a urine drug test in the last uds_lookback_months that "
     "is positive for an illicit drug (cocaine, PCP, heroin, amphetamine; cannabinoids when "
     "uds_cannabinoid_unexpected is 1) or for a drug not prescribed in the uds_rx_window_days "
     "before it, or negative for an opioid or benzodiazepine prescribed in that window.",
     "CLINICAL-FACTS §1.3 Rec 10; §1.4 toxicology testing (never dismiss a patient on a result)",
     SCOPE_KEYS ",acute_supply_days,uds_lookback_months,uds_rx_window_days,"
                "uds_cannabinoid_unexpected",
     CDC_URL, PP_OPIOID_HOOKS_ALL},
    {REC11, "Opioid with a benzodiazepine",
     "An opioid and a benzodiazepine are (or would be) prescribed together: use particular "
     "caution; avoid concurrent prescribing whenever possible.",
     "CLINICAL-FACTS §1.3 Rec 11; §1.4 benzodiazepines (taper opioids first if tapering both)",
     SCOPE_KEYS, CDC_URL, PP_OPIOID_HOOKS_ALL},
    {REC11_CNS, "Opioid with another CNS depressant",
     "An opioid and another CNS depressant (gabapentinoid, muscle relaxant, barbiturate, "
     "Z-hypnotic) are prescribed together: consider whether benefits outweigh risks.",
     "CLINICAL-FACTS §1.3 Rec 11; §1.4 other CNS depressants named", SCOPE_KEYS, CDC_URL,
     PP_OPIOID_HOOKS_ALL},
    {REC12, "Medication for opioid use disorder",
     "An adult with an active opioid use disorder diagnosis has no current buprenorphine, "
     "methadone or naltrexone: offer or arrange medication for OUD.",
     "CLINICAL-FACTS §1.3 Rec 12; §1.4 OUD diagnosis", "adult_age_years", CDC_URL,
     PP_OPIOID_HOOKS_ALL},
    {NO_LA, "No long-acting opioid without tolerance",
     "An ER/LA opioid is started in a patient who has not taken at least "
     "er_tolerance_morphine_mg MME/day (or er_tolerance_oxycodone_mg mg/day oxycodone) on each of "
     "the er_tolerance_days before: use immediate-release or a non-opioid.",
     "CLINICAL-FACTS §1.4 ER/LA opioids (60 mg/d morphine or 30 mg/d oxycodone for >= 1 week); "
     "practice policy (DESIGN.md: no routine long-acting opioids)",
     "cancer_encounter_count,cancer_lookback_months,er_tolerance_morphine_mg,"
     "er_tolerance_oxycodone_mg,er_tolerance_days",
     NULL, PP_OPIOID_HOOKS_ALL},
    {SHORT_COURSE, "Short course of short-acting opioid",
     "A short-acting opioid for acute pain whose course (days' supply times one plus refills) is "
     "longer than practice_short_course_max_days: shorten it.",
     "CLINICAL-FACTS §1.4 acute pain duration (2016: more than 7 days rarely needed); practice "
     "policy (DESIGN.md: no more than a short course)",
     "cancer_encounter_count,cancer_lookback_months,acute_supply_days,"
     "practice_short_course_max_days",
     NULL, PP_OPIOID_HOOKS_ORDER},
    {NO_REPLACEMENT, "No replacement of lost, stolen or destroyed opioids",
     "An opioid order replaces a supply reported lost, stolen or destroyed: refused.",
     "practice policy (DESIGN.md: no refills for lost, stolen or destroyed prescriptions)", "",
     NULL, PP_OPIOID_HOOKS_ALL},
    {EARLY_REFILL, "Early opioid refill",
     "A new order for an opioid starts before an earlier supply of the same opioid should be used "
     "up (more than early_refill_grace_days early), whatever the stated reason.",
     "practice policy (DESIGN.md: no early replacement); no CLINICAL-FACTS row for the grace",
     "early_refill_grace_days", NULL, PP_OPIOID_HOOKS_ALL},
    {RISK_EDUCATION, "Opioid risk education",
     "Every new opioid start (opioid-naive patient) without documented opioid counseling since: "
     "explain motor-vehicle accident, overdose, immune and hormonal risks to the patient.",
     "CLINICAL-FACTS §1.3 Rec 1-2 (discuss known risks), Rec 8; practice policy (DESIGN.md: risks "
     "are explained)",
     "naive_lookback_days,naive_exclude_days", NULL, PP_OPIOID_HOOKS_ALL},
};

#define N_RULES (sizeof(rules) / sizeof(rules[0]))

const struct pp_opioid_rule *pp_opioid_rules(size_t *count)
{
    *count = N_RULES;
    return rules;
}

const struct pp_opioid_rule *pp_opioid_rule_find(const char *id)
{
    for (size_t i = 0; id && i < N_RULES; i++)
        if (strcmp(rules[i].id, id) == 0)
            return &rules[i];
    return NULL;
}

static const char *const hook_names[] = {"patient-view", "order-select", "order-sign"};

/* The CLINICAL-FACTS source of a rule (every id used below is in the table). */
static const char *rule_source(const char *id)
{
    const struct pp_opioid_rule *rule = pp_opioid_rule_find(id);
    return rule ? rule->source : "";
}
#define SRC(id) rule_source(id)

const char *pp_opioid_hook_name(enum pp_opioid_hook h)
{
    return (unsigned)h < 3 ? hook_names[h] : "patient-view";
}

bool pp_opioid_hook_parse(const char *name, enum pp_opioid_hook *out)
{
    for (unsigned i = 0; name && i < 3; i++) {
        if (strcmp(name, hook_names[i]) == 0) {
            *out = (enum pp_opioid_hook)i;
            return true;
        }
    }
    return false;
}

/* ---- the evaluation's shared state ----------------------------------------------------- */

struct eval {
    const struct pp_record *r;
    pp_day now;
    const struct pp_policy *p;
    const struct pp_terms *t;
    const struct pp_mme_result *mme;
    const struct pp_opioid_context *ctx;
    struct pp_findings *out;
    bool order_hook;
    unsigned char *target;                /* per medication: under decision */
    const struct pp_mme_order **order_of; /* per medication: its MME order, or NULL */
    /* concept-set bits of each observation, condition and procedure code, looked up once:
     * several rules scan the same hundreds of observations */
    uint32_t *obs_code_bits, *cond_code_bits, *proc_code_bits;
    /* CDC 2022 scope (CLINICAL-FACTS §1.1) */
    bool age_known;
    int age;
    bool adult;                /* at least adult_age_years, or age unknown */
    const char *excluded;      /* why the patient is outside the CDC scope, or NULL */
    const char *excluded_type; /* evidence of the exclusion */
    const char *excluded_id;
    struct pp_buf tmp; /* detail text under construction */
};

static uint32_t obs_bits(const struct eval *e, const struct pp_observation *o)
{
    return e->obs_code_bits[o - e->r->observations];
}

static uint32_t cond_bits(const struct eval *e, const struct pp_condition *c)
{
    return e->cond_code_bits[c - e->r->conditions];
}

static uint32_t proc_bits(const struct eval *e, const struct pp_procedure *x)
{
    return e->proc_code_bits[x - e->r->procedures];
}

static bool str_is(const char *a, const char *b)
{
    return a && strcmp(a, b) == 0;
}

static const char *med_type(const struct pp_medication *m)
{
    switch (m->source) {
    case PP_MED_STATEMENT: return "MedicationStatement";
    case PP_MED_DISPENSE: return "MedicationDispense";
    case PP_MED_REQUEST: break;
    }
    return "MedicationRequest";
}

static const struct pp_med_info *info_of(const struct eval *e, size_t i)
{
    return &e->mme->meds[i];
}

static const char *med_name(const struct pp_medication *m)
{
    return pp_concept_label(&m->code);
}

/* A record that never happened or is not a prescription: cancelled, in error, a proposal. */
static bool med_void(const struct pp_medication *m)
{
    static const char *const bad_status[] = {"cancelled", "entered-in-error", "not-taken",
                                             "declined"};
    static const char *const bad_intent[] = {"proposal", "plan", "option"};
    for (size_t i = 0; i < sizeof(bad_status) / sizeof(bad_status[0]); i++)
        if (str_is(m->status, bad_status[i]))
            return true;
    for (size_t i = 0; i < sizeof(bad_intent) / sizeof(bad_intent[0]); i++)
        if (str_is(m->intent, bad_intent[i]))
            return true;
    /* a draft that is not part of this decision is not a prescription yet */
    return str_is(m->status, "draft") && !m->is_draft_order;
}

/* Current therapy: what clinical/mme.c counts as active (drafts and active status). */
static bool med_current(const struct eval *e, size_t i)
{
    return info_of(e, i)->active && !med_void(&e->r->meds[i]);
}

/* Ambulatory (outpatient) prescribing: the CDC checks skip inpatient orders. */
static bool ambulatory(const struct pp_medication *m)
{
    return !str_is(m->category, "inpatient");
}

static bool is_opioid(const struct eval *e, size_t i)
{
    return info_of(e, i)->opioid && !med_void(&e->r->meds[i]);
}

static bool has_class(const struct eval *e, size_t i, unsigned classes)
{
    return (info_of(e, i)->classes & classes) != 0 && !med_void(&e->r->meds[i]);
}

/* A naloxone/nalmefene rescue product (not buprenorphine/naloxone, which only contains it). */
static bool is_rescue(const struct eval *e, size_t i)
{
    const struct pp_med_info *mi = info_of(e, i);
    if (med_void(&e->r->meds[i]))
        return false;
    if (mi->identified)
        return pp_drug_is_naloxone_rescue(&mi->drug);
    return (mi->classes & PP_DRUG_OPIOID_REVERSAL) && !(mi->classes & PP_DRUG_OPIOID);
}

/* First day of the period a medication is in use, and the first day after it. */
static bool use_period(const struct eval *e, size_t i, pp_day *start, pp_day *end)
{
    const struct pp_med_info *mi = info_of(e, i);
    const struct pp_medication *m = &e->r->meds[i];

    if (e->order_hook && e->target[i]) {
        /* an order being prescribed starts now, whatever date the draft carries */
        *start = e->now;
        *end = e->now + (mi->days_supply > 0 ? (pp_day)ceil(mi->days_supply) : 1);
        return true;
    }
    *start = mi->start != PP_DAY_NONE ? mi->start : m->authored;
    if (*start == PP_DAY_NONE)
        return false;
    if (mi->end_of_supply != PP_DAY_NONE)
        *end = mi->end_of_supply;
    else if (m->end != PP_DAY_NONE)
        *end = m->end + 1;
    else if (mi->active)
        *end = e->now + 1; /* ongoing, no stated end: in use until today */
    else
        *end = *start + 1;
    if (*end <= *start)
        *end = *start + 1;
    return true;
}

/* The day a target order starts: now for an order being prescribed, its start on review. */
static pp_day target_start(const struct eval *e, size_t i)
{
    pp_day s, end;
    if (!use_period(e, i, &s, &end))
        return e->now;
    return s;
}

enum duration { DUR_UNKNOWN, DUR_ACUTE, DUR_CHRONIC };

/*
 * CLINICAL-FACTS §1.1: acute pain < 1 month; the CDC CDS reads that as an order with fewer
 * than acute_supply_days of supply (§1.4), and an order without a supply but with a
 * validity period at least that long as subacute/chronic.
 */
static enum duration duration_of(const struct eval *e, size_t i)
{
    const struct pp_med_info *mi = info_of(e, i);
    const struct pp_medication *m = &e->r->meds[i];
    if (mi->days_supply >= 0)
        return mi->days_supply < e->p->acute_supply_days ? DUR_ACUTE : DUR_CHRONIC;
    if (m->start != PP_DAY_NONE && m->end != PP_DAY_NONE &&
        m->end - m->start >= e->p->acute_supply_days)
        return DUR_CHRONIC;
    return DUR_UNKNOWN;
}

/* Does one of the medication's opioid ingredients equal `op`? */
static bool has_opioid(const struct eval *e, size_t i, enum pp_drug_opioid op)
{
    const struct pp_med_info *mi = info_of(e, i);
    if (!mi->identified)
        return false;
    for (size_t k = 0; k < mi->drug.n_ingredients; k++) {
        const struct pp_drug_ingredient_info *ing = mi->drug.ingredients[k].info;
        if (ing && ing->opioid == op)
            return true;
    }
    return false;
}

/* Is `op` the medication's one and only opioid ingredient? */
static bool only_opioid(const struct eval *e, size_t i, enum pp_drug_opioid op)
{
    const struct pp_med_info *mi = info_of(e, i);
    size_t n = 0;
    bool found = false;
    if (!mi->identified)
        return false;
    for (size_t k = 0; k < mi->drug.n_ingredients; k++) {
        const struct pp_drug_ingredient_info *ing = mi->drug.ingredients[k].info;
        if (ing && ing->opioid != PP_OPIOID_NONE) {
            n++;
            found |= ing->opioid == op;
        }
    }
    return n == 1 && found;
}

/* Do two medications share an opioid ingredient? */
static bool same_opioid(const struct eval *e, size_t a, size_t b)
{
    const struct pp_med_info *ma = info_of(e, a);
    if (!ma->identified || !info_of(e, b)->identified)
        return false;
    for (size_t k = 0; k < ma->drug.n_ingredients; k++) {
        const struct pp_drug_ingredient_info *ing = ma->drug.ingredients[k].info;
        if (ing && ing->opioid != PP_OPIOID_NONE && has_opioid(e, b, ing->opioid))
            return true;
    }
    return false;
}

static void fmt_day(pp_day d, char out[static 11])
{
    if (d == PP_DAY_NONE) {
        snprintf(out, 11, "unknown");
        return;
    }
    pp_day_format(d, out);
}

/* ---- conditions, observations, procedures ---------------------------------------------- */

static bool cond_valid(const struct pp_condition *c)
{
    return !str_is(c->verification_status, "refuted") &&
           !str_is(c->verification_status, "entered-in-error");
}

/* An active condition: not refuted, clinical status active (or absent), not abated. */
static bool cond_active(const struct eval *e, const struct pp_condition *c)
{
    if (!cond_valid(c))
        return false;
    if (c->clinical_status && !str_is(c->clinical_status, "active") &&
        !str_is(c->clinical_status, "recurrence") && !str_is(c->clinical_status, "relapse"))
        return false;
    return c->abatement == PP_DAY_NONE || c->abatement > e->now;
}

static bool obs_valid(const struct pp_observation *o)
{
    return !str_is(o->status, "entered-in-error") && !str_is(o->status, "cancelled") &&
           !str_is(o->status, "unknown");
}

static bool proc_valid(const struct pp_procedure *x)
{
    return !str_is(x->status, "entered-in-error") && !str_is(x->status, "not-done") &&
           !str_is(x->status, "preparation");
}

/* Last valid procedure or observation in `bits` dated in [from, to]; its date, or NONE. */
static pp_day last_event(const struct eval *e, uint32_t bits, pp_day from, pp_day to,
                         const char **type, const char **id)
{
    pp_day best = PP_DAY_NONE;
    for (size_t i = 0; i < e->r->n_procedures; i++) {
        const struct pp_procedure *x = &e->r->procedures[i];
        pp_day d = x->performed;
        /* the cached concept bits first: most procedures are of no interest */
        if (!(proc_bits(e, x) & bits) || d == PP_DAY_NONE || d < from || d > to || !proc_valid(x))
            continue;
        if (d > best) {
            best = d;
            *type = "Procedure";
            *id = x->id;
        }
    }
    for (size_t i = 0; i < e->r->n_observations; i++) {
        const struct pp_observation *o = &e->r->observations[i];
        pp_day d = o->effective;
        if (!(obs_bits(e, o) & bits) || d == PP_DAY_NONE || d < from || d > to || !obs_valid(o))
            continue;
        if (d > best) {
            best = d;
            *type = "Observation";
            *id = o->id;
        }
    }
    return best;
}

/* The date of the last such event ever, for details ("none on record" when there is none). */
static void last_event_ever(const struct eval *e, uint32_t bits, char out[static 16])
{
    const char *type = NULL, *id = NULL;
    pp_day d = last_event(e, bits, INT32_MIN + 1, INT32_MAX, &type, &id);
    if (d == PP_DAY_NONE)
        snprintf(out, 16, "none on record");
    else
        pp_day_format(d, out);
}

/* ---- scope: CLINICAL-FACTS §1.1 population and exclusions ------------------------------ */

static void set_excluded(struct eval *e, const char *why, const char *type, const char *id)
{
    if (e->excluded)
        return;
    e->excluded = why;
    e->excluded_type = type;
    e->excluded_id = id;
}

static void compute_scope(struct eval *e)
{
    const struct pp_record *r = e->r;
    const struct pp_policy *p = e->p;
    const uint32_t eol = PP_CS_HOSPICE | PP_CS_END_OF_LIFE_THERAPY;
    pp_day cancer_from = pp_day_add_months(e->now, -p->cancer_lookback_months);
    int oncology_visits = 0;
    const char *onc_id = NULL;

    e->age_known = r->has_patient && r->patient.birth_date != PP_DAY_NONE;
    e->age = e->age_known ? pp_years_between(r->patient.birth_date, e->now) : -1;
    /* CLINICAL-FACTS §1.1: outpatients aged >= 18. An unknown age does not silence the
     * checks (the practice treats adults); details say the age is unknown. */
    e->adult = !e->age_known || e->age >= p->adult_age_years;

    for (size_t i = 0; i < r->n_conditions; i++) {
        const struct pp_condition *c = &r->conditions[i];
        uint32_t bits;
        if (!cond_valid(c))
            continue;
        bits = cond_bits(e, c);
        /* sickle cell disease: any record of it (the CDC CDS assumes it stays active) */
        if (bits & PP_CS_SICKLE_CELL)
            set_excluded(e, "sickle cell disease", "Condition", c->id);
        if (!cond_active(e, c))
            continue;
        if (bits & PP_CS_CANCER)
            set_excluded(e, "active cancer", "Condition", c->id);
        if (bits & PP_CS_TERMINAL)
            set_excluded(e, "a condition likely terminal (limited life expectancy)", "Condition",
                         c->id);
        if (bits & eol)
            set_excluded(e, "hospice or end-of-life care", "Condition", c->id);
    }
    for (size_t i = 0; i < r->n_observations; i++) {
        const struct pp_observation *o = &r->observations[i];
        if ((obs_bits(e, o) & eol) && obs_valid(o))
            set_excluded(e, "hospice or end-of-life care", "Observation", o->id);
    }
    for (size_t i = 0; i < r->n_procedures; i++) {
        const struct pp_procedure *x = &r->procedures[i];
        if ((proc_bits(e, x) & eol) && proc_valid(x))
            set_excluded(e, "hospice or end-of-life care", "Procedure", x->id);
    }
    for (size_t i = 0; i < r->n_service_requests; i++) {
        const struct pp_service_request *s = &r->service_requests[i];
        if ((str_is(s->status, "active") || str_is(s->status, "completed")) &&
            (pp_terms_concept(e->t, &s->code) & eol))
            set_excluded(e, "end-of-life care ordered", "ServiceRequest", s->id);
    }
    for (size_t i = 0; i < r->n_careplans; i++) {
        const struct pp_careplan *c = &r->careplans[i];
        if ((str_is(c->status, "active") || str_is(c->status, "completed")) &&
            (pp_terms_concept(e->t, &c->category) & eol))
            set_excluded(e, "hospice or end-of-life care plan", "CarePlan", c->id);
    }
    for (size_t i = 0; i < r->n_encounters; i++) {
        const struct pp_encounter *x = &r->encounters[i];
        const char *dd = x->discharge_disposition;
        if (str_is(x->status, "cancelled") || str_is(x->status, "entered-in-error"))
            continue;
        /* discharged to hospice: the CDC hospice-disposition set (SNOMED) or HL7 "hosp" */
        if (dd && (str_is(dd, "hosp") || (pp_terms_lookup(e->t, PP_SYS_SNOMED, dd) & eol)))
            set_excluded(e, "discharged to hospice", "Encounter", x->id);
        /* CLINICAL-FACTS §1.4: active cancer = >= 2 oncology encounters in 12 months */
        if (x->start != PP_DAY_NONE && x->start >= cancer_from && x->start <= e->now &&
            ((pp_terms_concept(e->t, &x->type) | pp_terms_concept(e->t, &x->service_type)) &
             (PP_CS_ONCOLOGY | PP_CS_CANCER))) {
            oncology_visits++;
            onc_id = x->id;
        }
    }
    if (oncology_visits >= p->cancer_encounter_count)
        set_excluded(e, "active cancer treatment (oncology encounters)", "Encounter", onc_id);
}

/* In the CDC 2022 scope: an adult (or unknown age) with none of the exclusions. */
static bool in_scope(const struct eval *e)
{
    return e->adult && !e->excluded;
}

/* ---- opioid history ------------------------------------------------------------------- */

/* A medication that is part of the patient's history for medication `self` (targets of an
 * order hook are being decided now and are nobody's history). */
static bool history_of(const struct eval *e, size_t k, size_t self)
{
    if (k == self)
        return false;
    return !(e->order_hook && e->target[k]);
}

/*
 * Opioid-naive on day `t` (CLINICAL-FACTS §1.4 CDS parameter): no opioid in use on any day
 * of [t - naive_lookback_days, t - naive_exclude_days]. Returns the evidence index or -1.
 */
static long prior_opioid(const struct eval *e, size_t self, pp_day t)
{
    pp_day from = t - e->p->naive_lookback_days, to = t - e->p->naive_exclude_days;
    for (size_t k = 0; k < e->r->n_meds; k++) {
        pp_day s, end;
        if (!history_of(e, k, self) || !is_opioid(e, k) || !use_period(e, k, &s, &end))
            continue;
        if (s <= to && end > from)
            return (long)k;
    }
    return -1;
}

/* Days in [from, to] on which the patient had an opioid in supply (history only). */
static int opioid_days(const struct eval *e, pp_day from, pp_day to)
{
    size_t n = to >= from ? (size_t)(to - from + 1) : 0;
    unsigned char *day;
    int count = 0;

    if (n == 0)
        return 0;
    day = pp_xcalloc(n, 1);
    for (size_t k = 0; k < e->r->n_meds; k++) {
        pp_day s, end;
        if ((e->order_hook && e->target[k]) || !is_opioid(e, k) || !use_period(e, k, &s, &end))
            continue;
        for (pp_day d = s > from ? s : from; d < end && d <= to; d++)
            day[d - from] = 1;
    }
    for (size_t i = 0; i < n; i++)
        count += day[i];
    free(day);
    return count;
}

/* ---- finding helpers -------------------------------------------------------------------- */

static void cite_med(struct eval *e, struct pp_finding *f, size_t i)
{
    pp_finding_evidence(e->out, f, med_type(&e->r->meds[i]), e->r->meds[i].id);
}

/* Start the detail text with the scope line every CDC finding shares. */
static void detail_begin(struct eval *e)
{
    pp_buf_reset(&e->tmp);
}

static void detail_end(struct eval *e, struct pp_finding *f)
{
    if (!e->age_known)
        pp_buf_adds(&e->tmp, "\n\n_Age unknown: the CDC checks were applied as for an adult._");
    pp_finding_detail(e->out, f, "%s", pp_buf_status(&e->tmp) == PP_OK ? e->tmp.data : "");
}

static const char *dur_text(const struct eval *e, size_t i, char *buf, size_t n)
{
    double ds = info_of(e, i)->days_supply;
    if (ds >= 0)
        snprintf(buf, n, "%g days' supply", ds);
    else
        snprintf(buf, n, "days' supply unknown");
    return buf;
}

/* Suggest removing a draft order (order hooks only; on patient-view it is advice). */
static void suggest_remove(struct eval *e, struct pp_finding *f, size_t i, const char *label)
{
    struct pp_suggestion *s =
        pp_finding_suggest(e->out, f, e->order_hook ? PP_ACTION_DELETE : PP_ACTION_NONE, label);
    if (s && e->order_hook) {
        char ref[300];
        snprintf(ref, sizeof(ref), "%s/%s", med_type(&e->r->meds[i]),
                 e->r->meds[i].id ? e->r->meds[i].id : "");
        s->resource_ref = pp_arena_strdup(&e->out->arena, ref);
    }
}

static void suggest_supply(struct eval *e, struct pp_finding *f, size_t i, int days)
{
    char label[160];
    struct pp_suggestion *s;
    snprintf(label, sizeof(label), "Shorten to %d days' supply%s", days,
             e->r->meds[i].repeats > 0 ? ", no refills" : "");
    s = pp_finding_suggest(e->out, f, e->order_hook ? PP_ACTION_UPDATE : PP_ACTION_NONE, label);
    if (s && e->order_hook) {
        char ref[300];
        snprintf(ref, sizeof(ref), "%s/%s", med_type(&e->r->meds[i]),
                 e->r->meds[i].id ? e->r->meds[i].id : "");
        s->resource_ref = pp_arena_strdup(&e->out->arena, ref);
        s->days_supply = days;
    }
}

/* ---- CDC 2022, order-level recommendations (one finding per order) ---------------------- */

static void rec01_02(struct eval *e, size_t i)
{
    const struct pp_medication *m = &e->r->meds[i];
    enum duration dur = duration_of(e, i);
    char sup[48], d1[11];
    struct pp_finding *f;
    pp_day t = target_start(e, i);

    if (dur == DUR_UNKNOWN || prior_opioid(e, i, t) >= 0)
        return; /* CLINICAL-FACTS §1.4: Rec 1/2 concern opioid-naive patients */
    if (dur == DUR_ACUTE) {
        f = pp_findings_add(e->out, REC01, PP_SEV_INFO, SRC(REC01),
                            "Opioid-naive, acute pain: maximize nonopioid therapy; discuss "
                            "realistic benefits and known risks first");
        cite_med(e, f, i);
        detail_begin(e);
        pp_buf_addf(&e->tmp,
                    "**%s** (%s) is an opioid start for acute pain in an opioid-naive patient "
                    "(no opioid from %d to %d days before).\n\n"
                    "Nonopioid therapies are at least as effective for many acute pains (NSAIDs, "
                    "acetaminophen, ice/heat, activity modification). Prescribe the opioid only "
                    "if benefits are expected to outweigh risks, after discussing them.",
                    med_name(m), dur_text(e, i, sup, sizeof(sup)), e->p->naive_lookback_days,
                    e->p->naive_exclude_days);
        detail_end(e, f);
        return;
    }
    /* Rec 2: a pain treatment plan created/reviewed, or a pain-management visit, within the
     * reassessment interval (CLINICAL-FACTS §1.4: at least every 3 months) */
    {
        pp_day from = e->now - e->p->rec07_reassess_days;
        const char *type = NULL, *id = NULL;
        for (size_t k = 0; k < e->r->n_careplans; k++) {
            const struct pp_careplan *c = &e->r->careplans[k];
            pp_day d = c->created != PP_DAY_NONE ? c->created : c->start;
            if ((str_is(c->status, "active") || str_is(c->status, "completed")) &&
                d != PP_DAY_NONE && d >= from && d <= e->now &&
                (pp_terms_concept(e->t, &c->category) & PP_CS_PAIN_PLAN))
                return;
        }
        if (last_event(e, PP_CS_PAIN_PLAN, from, e->now, &type, &id) != PP_DAY_NONE)
            return;
        fmt_day(from, d1);
        f = pp_findings_add(e->out, REC02, PP_SEV_WARNING, SRC(REC02),
                            "Opioid start for subacute/chronic pain without a pain treatment "
                            "plan since %s: set goals and an exit plan",
                            d1);
        cite_med(e, f, i);
        detail_begin(e);
        pp_buf_addf(&e->tmp,
                    "**%s** (%s) starts opioid therapy for subacute or chronic pain in an "
                    "opioid-naive patient, and no pain treatment plan was created or reviewed "
                    "in the last %d days (since %s).\n\n"
                    "Nonopioid therapies are preferred. Before starting, agree on realistic "
                    "goals for pain **and function** and on how opioids will be stopped if "
                    "benefits do not outweigh risks.",
                    med_name(m), dur_text(e, i, sup, sizeof(sup)), e->p->rec07_reassess_days, d1);
        detail_end(e, f);
    }
}

static void rec03(struct eval *e, size_t i)
{
    const struct pp_medication *m = &e->r->meds[i];
    struct pp_finding *f;
    char d1[11];
    pp_day t = target_start(e, i);

    if (!info_of(e, i)->long_acting || prior_opioid(e, i, t) >= 0)
        return;
    fmt_day(t, d1);
    f = pp_findings_add(e->out, REC03, PP_SEV_WARNING, SRC(REC03),
                        "Starting an extended-release/long-acting opioid: prescribe "
                        "immediate-release instead");
    cite_med(e, f, i);
    detail_begin(e);
    pp_buf_addf(&e->tmp,
                "**%s** is extended-release/long-acting and starts on %s with no opioid in the "
                "%d days before (opioid-naive).\n\n"
                "When starting opioids for acute, subacute or chronic pain, prescribe "
                "immediate-release opioids at the lowest effective dose; reserve ER/LA opioids "
                "for severe continuous pain in opioid-tolerant patients.",
                med_name(m), d1, e->p->naive_lookback_days);
    detail_end(e, f);
    suggest_remove(e, f, i, "Remove the ER/LA order; prescribe an immediate-release opioid");
}

static void rec06(struct eval *e, size_t i)
{
    const struct pp_med_info *mi = info_of(e, i);
    const struct pp_medication *m = &e->r->meds[i];
    struct pp_finding *f;
    int max = e->p->cdc_acute_max_days;
    bool too_long = mi->days_supply > max;

    /* acute (CLINICAL-FACTS §1.1), and, as the CDC CDS's "order is for long-acting opioid"
     * test reads: ER/LA, or more than cdc_acute_max_days (§1.4 CDS parameter) */
    if (duration_of(e, i) != DUR_ACUTE || !(mi->long_acting || too_long))
        return;
    if (too_long)
        f = pp_findings_add(e->out, REC06, PP_SEV_WARNING, SRC(REC06),
                            "Acute-pain opioid for %g days (over %d): prescribe no more than the "
                            "expected duration of severe pain",
                            mi->days_supply, max);
    else
        f = pp_findings_add(e->out, REC06, PP_SEV_WARNING, SRC(REC06),
                            "Extended-release opioid for acute pain: use immediate-release, no "
                            "more than the expected duration needs");
    cite_med(e, f, i);
    detail_begin(e);
    pp_buf_addf(&e->tmp,
                "**%s**: %g days' supply%s, for acute pain (under %d days).\n\n"
                "For acute pain prescribe immediate-release opioids, no greater quantity than "
                "needed for the expected duration of pain severe enough to need them; a few days "
                "or less often suffice, more than %d days is rarely needed. Re-evaluate at least "
                "every 2 weeks if opioids continue.",
                med_name(m), mi->days_supply,
                mi->long_acting ? ", extended-release/long-acting" : "", e->p->acute_supply_days,
                max);
    detail_end(e, f);
    if (too_long)
        suggest_supply(e, f, i, max);
    if (mi->long_acting)
        suggest_remove(e, f, i, "Replace with an immediate-release opioid");
}

/* ---- CDC 2022, patient-level recommendations (one finding per patient) ----------------- */

/* Targets of a kind: opioids (ambulatory), optionally subacute/chronic only. */
static size_t opioid_targets(const struct eval *e, bool chronic_only, size_t *first)
{
    size_t n = 0;
    for (size_t i = 0; i < e->r->n_meds; i++) {
        if (!e->target[i] || !is_opioid(e, i) || !ambulatory(&e->r->meds[i]))
            continue;
        if (chronic_only && duration_of(e, i) != DUR_CHRONIC)
            continue;
        if (n++ == 0)
            *first = i;
    }
    return n;
}

static void cite_targets(struct eval *e, struct pp_finding *f, bool chronic_only)
{
    for (size_t i = 0; i < e->r->n_meds; i++)
        if (e->target[i] && is_opioid(e, i) && ambulatory(&e->r->meds[i]) &&
            (!chronic_only || duration_of(e, i) == DUR_CHRONIC))
            cite_med(e, f, i);
}

/* The counted orders of the MME total as a markdown list. */
static void list_mme_orders(struct eval *e)
{
    const struct pp_mme_result *mme = e->mme;
    size_t uncounted = 0;
    for (size_t k = 0; k < mme->n_orders; k++) {
        const struct pp_mme_order *o = &mme->orders[k];
        if (o->status == PP_MME_COUNTED)
            pp_buf_addf(&e->tmp, "\n- %s: %.2f MME/day (%s)", med_name(o->med), o->mme_per_day,
                        o->reason);
        else if (o->status != PP_MME_NOT_ACTIVE && o->status != PP_MME_EXCLUDED)
            uncounted++;
    }
    if (!mme->complete)
        pp_buf_addf(&e->tmp,
                    "\n\n%zu active opioid order(s) have no computable MME: the total is a lower "
                    "bound.",
                    uncounted);
}

static void rec04_05(struct eval *e)
{
    const struct pp_mme_result *mme = e->mme;
    struct pp_finding *f;
    size_t first;
    bool high;

    if (!opioid_targets(e, true, &first) || !mme->any_counted || !(mme->total >= e->p->mme_caution))
        return;
    high = mme->total >= e->p->mme_high;
    if (high)
        f = pp_findings_add(e->out, REC05, PP_SEV_WARNING, SRC(REC05),
                            "Total %.2f MME/day (>= %g): high overdose risk; weigh a gradual "
                            "taper to a safer dose",
                            mme->total, e->p->mme_high);
    else
        f = pp_findings_add(e->out, REC04, PP_SEV_WARNING, SRC(REC04),
                            "Total %.2f MME/day (>= %g): reassess before any increase; use the "
                            "lowest effective dose",
                            mme->total, e->p->mme_caution);
    cite_targets(e, f, true);
    detail_begin(e);
    pp_buf_addf(&e->tmp,
                "Total opioid dose **%.2f MME/day** (CDC 2022 %s conversion factors):", mme->total,
                e->p->mme_table == PP_MME_TABLE_CDC2016 ? "2016" : "2022");
    list_mme_orders(e);
    if (high)
        pp_buf_addf(&e->tmp,
                    "\n\nAt or above %g MME/day overdose risk is 2 to 9 times that below 20, with "
                    "little added benefit. If risks outweigh benefits, taper gradually (about "
                    "10%% a month or slower for long-term use) toward under %g MME/day; do not "
                    "stop abruptly unless there is a life-threatening issue. Offer naloxone.",
                    e->p->mme_high, e->p->mme_caution);
    else
        pp_buf_addf(&e->tmp,
                    "\n\nAt or above %g MME/day pause and carefully reassess benefits and risks "
                    "before increasing; avoid increases beyond the point of diminishing returns "
                    "and optimize nonopioid therapy.",
                    e->p->mme_caution);
    detail_end(e, f);
}

static void rec07(struct eval *e)
{
    const struct pp_policy *p = e->p;
    struct pp_finding *f;
    size_t first;
    const char *atype = NULL, *aid = NULL;
    int recent, longterm;
    char d1[16];

    if (!opioid_targets(e, true, &first))
        return;
    /* a benefit/harm (risk) assessment within the reassessment interval satisfies Rec 7 */
    if (last_event(e, PP_CS_MISUSE_ASSESSMENT, e->now - p->rec07_reassess_days, e->now, &atype,
                   &aid) != PP_DAY_NONE)
        return;
    /* CLINICAL-FACTS §1.4 CDS parameters: opioids on >= 7 of the last 10 days (a recent start
     * or escalation), or the chronic-use proxy over the last 3 months */
    recent = opioid_days(e, e->now - p->rec07_window_days, e->now - 1);
    longterm = opioid_days(e, e->now - p->rec07_long_window_days, e->now - 1);
    if (recent < p->rec07_min_days && longterm < p->rec07_long_min_days)
        return;
    last_event_ever(e, PP_CS_MISUSE_ASSESSMENT, d1);
    if (recent >= p->rec07_min_days)
        f = pp_findings_add(e->out, REC07, PP_SEV_WARNING, SRC(REC07),
                            "On opioids %d of the last %d days, no benefit/harm evaluation in %d "
                            "days: evaluate within 1-4 weeks",
                            recent, p->rec07_window_days, p->rec07_reassess_days);
    else
        f = pp_findings_add(e->out, REC07, PP_SEV_WARNING, SRC(REC07),
                            "Long-term opioids (%d of the last %d days), no benefit/harm "
                            "evaluation in %d days: reassess now",
                            longterm, p->rec07_long_window_days, p->rec07_reassess_days);
    cite_targets(e, f, true);
    detail_begin(e);
    pp_buf_addf(&e->tmp,
                "Opioids in supply on **%d of the last %d days** and **%d of the last %d "
                "days**; last documented benefit/harm (risk) assessment: %s.\n\n"
                "Evaluate benefits and risks within 1 to 4 weeks of starting opioids for "
                "subacute or chronic pain or of a dose increase (within 3 days for methadone), "
                "then at least every 3 months.",
                recent, p->rec07_window_days, longterm, p->rec07_long_window_days, d1);
    detail_end(e, f);
}

/* Is some current medication other than `self` in `classes`? Returns its index or -1. */
static long current_with_class(const struct eval *e, unsigned classes, unsigned without, long self)
{
    for (size_t k = 0; k < e->r->n_meds; k++) {
        if ((long)k == self || !med_current(e, k) || !has_class(e, k, classes))
            continue;
        if (info_of(e, k)->classes & without)
            continue;
        return (long)k;
    }
    return -1;
}

static void rec08(struct eval *e)
{
    const struct pp_mme_result *mme = e->mme;
    struct pp_finding *f;
    size_t first;
    long benzo;
    const char *sud_id = NULL, *od_id = NULL, *sdb_id = NULL;
    char factors[200] = "";
    size_t n_factors = 0;

    if (!opioid_targets(e, false, &first))
        return;
    for (size_t k = 0; k < e->r->n_meds; k++)
        if (is_rescue(e, k) && med_current(e, k))
            return; /* naloxone already on record */
    benzo = current_with_class(e, PP_DRUG_BENZODIAZEPINE, 0, -1);
    for (size_t k = 0; k < e->r->n_conditions; k++) {
        const struct pp_condition *c = &e->r->conditions[k];
        uint32_t bits;
        if (!cond_valid(c))
            continue;
        bits = cond_bits(e, c);
        /* history of substance use disorder or overdose: any clinical status */
        if ((bits & (PP_CS_SUBSTANCE_MISUSE | PP_CS_OUD)) && !sud_id)
            sud_id = c->id ? c->id : "";
        if ((bits & PP_CS_OVERDOSE) && !od_id)
            od_id = c->id ? c->id : "";
        if ((bits & PP_CS_SLEEP_BREATHING) && cond_active(e, c) && !sdb_id)
            sdb_id = c->id ? c->id : "";
    }
#define FACTOR(s)                                                                                  \
    do {                                                                                           \
        size_t l_ = strlen(factors);                                                               \
        snprintf(factors + l_, sizeof(factors) - l_, "%s%s", n_factors++ ? ", " : "", s);          \
    } while (0)
    if (mme->any_counted && mme->total >= e->p->naloxone_mme)
        FACTOR("high dose");
    if (benzo >= 0)
        FACTOR("benzodiazepine");
    if (sud_id)
        FACTOR("substance use history");
    if (od_id)
        FACTOR("overdose history");
    if (sdb_id)
        FACTOR("sleep-disordered breathing");
#undef FACTOR
    if (n_factors == 0)
        return;
    f = pp_findings_add(e->out, REC08, PP_SEV_WARNING, SRC(REC08),
                        "Overdose risk (%s) and no naloxone on record: offer naloxone", factors);
    cite_targets(e, f, false);
    detail_begin(e);
    pp_buf_adds(&e->tmp, "Risk factors for opioid overdose:");
    if (mme->any_counted && mme->total >= e->p->naloxone_mme)
        pp_buf_addf(&e->tmp, "\n- total **%.2f MME/day** (at least %g)", mme->total,
                    e->p->naloxone_mme);
    if (benzo >= 0) {
        pp_buf_addf(&e->tmp, "\n- concurrent benzodiazepine: %s", med_name(&e->r->meds[benzo]));
        cite_med(e, f, (size_t)benzo);
    }
    if (sud_id) {
        pp_buf_adds(&e->tmp, "\n- history of substance use disorder");
        pp_finding_evidence(e->out, f, "Condition", sud_id);
    }
    if (od_id) {
        pp_buf_adds(&e->tmp, "\n- history of overdose");
        pp_finding_evidence(e->out, f, "Condition", od_id);
    }
    if (sdb_id) {
        pp_buf_adds(&e->tmp, "\n- sleep-disordered breathing");
        pp_finding_evidence(e->out, f, "Condition", sdb_id);
    }
    pp_buf_adds(&e->tmp, "\n\nNo naloxone rescue product is on the medication list. Offer "
                         "naloxone and teach the patient and household how to use it.");
    detail_end(e, f);
    {
        struct pp_suggestion *s =
            pp_finding_suggest(e->out, f, PP_ACTION_CREATE, "Prescribe naloxone 4 mg nasal spray");
        if (s) {
            s->resource_type = "MedicationRequest";
            s->rxnorm = NALOXONE_RXCUI;
            s->rxnorm_display = NALOXONE_NAME;
        }
    }
}

static void rec09(struct eval *e)
{
    struct pp_finding *f;
    size_t first;
    const char *type = NULL, *id = NULL;
    char d1[16];

    if (!opioid_targets(e, false, &first))
        return;
    /* CLINICAL-FACTS §1.4: PDMP before every prescription, at least every 3 months (90 days) */
    if (last_event(e, PP_CS_PDMP_REVIEW, e->now - e->p->pdmp_lookback_days, e->now, &type, &id) !=
        PP_DAY_NONE)
        return;
    last_event_ever(e, PP_CS_PDMP_REVIEW, d1);
    f = pp_findings_add(e->out, REC09, PP_SEV_WARNING, SRC(REC09),
                        "No PDMP review in the last %d days (last: %s): review the PDMP before "
                        "prescribing",
                        e->p->pdmp_lookback_days, d1);
    cite_targets(e, f, false);
    detail_begin(e);
    pp_buf_addf(&e->tmp,
                "Last prescription drug monitoring program review: **%s**, more than %d days "
                "ago or never.\n\n"
                "Review the PDMP for controlled-substance prescriptions, total dose and "
                "dangerous combinations (benzodiazepines, multiple prescribers) before starting "
                "and periodically during therapy. Do not dismiss patients because of PDMP data.",
                d1, e->p->pdmp_lookback_days);
    detail_end(e, f);
}

/* ---- Rec 10: urine drug testing ------------------------------------------------------- */

static bool prefix_ci(const char *s, const char *prefix)
{
    return strncasecmp(s, prefix, strlen(prefix)) == 0;
}

/* +1 positive, -1 negative, 0 unknown (value string, coded value, boolean, interpretation). */
static int uds_result(const struct pp_observation *o)
{
    static const char *const neg_words[] = {"neg",    "not detected", "none detected",
                                            "absent", "non-reactive", "nonreactive"};
    static const char *const pos_words[] = {"pos", "detected", "present", "reactive"};
    static const char *const neg_codes[] = {"NEG", "ND", "N", "260385009", "260415000", "2667000"};
    static const char *const pos_codes[] = {"POS", "DET",      "A",         "AA",      "H",
                                            "HH",  "10828004", "260373001", "52101004"};
    const struct pp_concept *cs[2] = {&o->value_concept, &o->interpretation};

    if (o->value_string) {
        const char *s = o->value_string;
        while (*s == ' ')
            s++;
        for (size_t i = 0; i < sizeof(neg_words) / sizeof(neg_words[0]); i++)
            if (prefix_ci(s, neg_words[i]))
                return -1;
        for (size_t i = 0; i < sizeof(pos_words) / sizeof(pos_words[0]); i++)
            if (prefix_ci(s, pos_words[i]))
                return 1;
    }
    if (o->has_value_bool)
        return o->value_bool ? 1 : -1;
    for (size_t c = 0; c < 2; c++) {
        for (size_t k = 0; k < cs[c]->n_codings; k++) {
            const char *code = cs[c]->codings[k].code;
            if (!code)
                continue;
            for (size_t i = 0; i < sizeof(neg_codes) / sizeof(neg_codes[0]); i++)
                if (strcasecmp(code, neg_codes[i]) == 0)
                    return -1;
            for (size_t i = 0; i < sizeof(pos_codes) / sizeof(pos_codes[0]); i++)
                if (strcasecmp(code, pos_codes[i]) == 0)
                    return 1;
        }
    }
    return 0;
}

/* The drugs a screen detects, and which prescribed opioids explain (or should show in) it. */
struct screen {
    uint32_t bit;
    const char *label;
    bool illicit;                    /* always unexpected when positive */
    enum pp_drug_opioid explains[8]; /* prescribed opioids a positive is expected from */
    enum pp_drug_opioid shows[6];    /* prescribed opioids a negative is unexpected for */
    unsigned explains_class;         /* or a prescribed class (benzodiazepines) */
};

/*
 * CLINICAL-FACTS §1.4 toxicology testing: the "opiates" immunoassay detects morphine,
 * codeine and heroin (and semi-synthetic hydrocodone/hydromorphone), not synthetic opioids;
 * fentanyl, methadone, oxycodone and buprenorphine need their own tests.
 */
static const struct screen screens[] = {
    {PP_CS_UDS_COCAINE, "cocaine", true, {0}, {0}, 0},
    {PP_CS_UDS_PCP, "phencyclidine (PCP)", true, {0}, {0}, 0},
    {PP_CS_UDS_HEROIN, "heroin (6-MAM)", true, {0}, {0}, 0},
    {PP_CS_UDS_AMPHETAMINE, "amphetamines (unless a stimulant is prescribed)", true, {0}, {0}, 0},
    {PP_CS_UDS_OXYCODONE,
     "oxycodone",
     false,
     {PP_OPIOID_OXYCODONE, PP_OPIOID_OXYMORPHONE},
     {PP_OPIOID_OXYCODONE},
     0},
    {PP_CS_UDS_FENTANYL, "fentanyl", false, {PP_OPIOID_FENTANYL}, {PP_OPIOID_FENTANYL}, 0},
    {PP_CS_UDS_METHADONE, "methadone", false, {PP_OPIOID_METHADONE}, {PP_OPIOID_METHADONE}, 0},
    {PP_CS_UDS_BUPRENORPHINE,
     "buprenorphine",
     false,
     {PP_OPIOID_BUPRENORPHINE},
     {PP_OPIOID_BUPRENORPHINE},
     0},
    {PP_CS_UDS_OPIATE,
     "opiates",
     false,
     {PP_OPIOID_MORPHINE, PP_OPIOID_CODEINE, PP_OPIOID_HYDROCODONE, PP_OPIOID_HYDROMORPHONE,
      PP_OPIOID_OXYCODONE, PP_OPIOID_OXYMORPHONE, PP_OPIOID_OPIUM, PP_OPIOID_DIHYDROCODEINE},
     {PP_OPIOID_MORPHINE, PP_OPIOID_CODEINE, PP_OPIOID_HYDROCODONE, PP_OPIOID_HYDROMORPHONE},
     0},
    {PP_CS_UDS_BENZO, "benzodiazepines", false, {0}, {0}, PP_DRUG_BENZODIAZEPINE},
};

/* Was one of `ops` (or a drug of `classes`) prescribed in the window before test day `t`? */
static long prescribed_before(const struct eval *e, pp_day t, const enum pp_drug_opioid *ops,
                              size_t n_ops, unsigned classes)
{
    pp_day from = t - e->p->uds_rx_window_days;
    for (size_t k = 0; k < e->r->n_meds; k++) {
        pp_day s, end;
        bool match = classes && has_class(e, k, classes);
        if ((e->order_hook && e->target[k]) || med_void(&e->r->meds[k]) ||
            !use_period(e, k, &s, &end))
            continue;
        for (size_t j = 0; !match && j < n_ops && ops[j] != PP_OPIOID_NONE; j++)
            match = has_opioid(e, k, ops[j]);
        if (match && s <= t && end > from)
            return (long)k;
    }
    return -1;
}

static size_t n_ops(const enum pp_drug_opioid *ops, size_t max)
{
    size_t n = 0;
    while (n < max && ops[n] != PP_OPIOID_NONE)
        n++;
    return n;
}

static void rec10(struct eval *e)
{
    const struct pp_policy *p = e->p;
    pp_day from = pp_day_add_months(e->now, -p->uds_lookback_months);
    size_t first, n_tests = 0, n_unexpected = 0;
    struct pp_finding *f = NULL;
    char d1[11];
    struct pp_buf lines;
    size_t *order;

    if (!opioid_targets(e, true, &first))
        return;
    pp_buf_init(&lines, PP_BUF_UNLIMITED);
    order = pp_xcalloc(e->r->n_observations + 1, sizeof(*order));
    for (size_t i = 0; i < e->r->n_observations; i++) {
        const struct pp_observation *o = &e->r->observations[i];
        size_t j = n_tests;
        if (!obs_valid(o) || o->effective == PP_DAY_NONE || o->effective < from ||
            o->effective > e->now || !(obs_bits(e, o) & PP_CS_UDS))
            continue;
        /* oldest first (insertion sort: a patient has few urine tests in a year) */
        while (j > 0 && e->r->observations[order[j - 1]].effective > o->effective) {
            order[j] = order[j - 1];
            j--;
        }
        order[j] = i;
        n_tests++;
    }
    for (size_t oi = 0; oi < n_tests; oi++) {
        const struct pp_observation *o = &e->r->observations[order[oi]];
        uint32_t bits = obs_bits(e, o);
        int res;
        res = uds_result(o);
        if (res == 0)
            continue;
        fmt_day(o->effective, d1);
        for (size_t s = 0; s < sizeof(screens) / sizeof(screens[0]); s++) {
            const struct screen *sc = &screens[s];
            size_t ne = n_ops(sc->explains, 8), ns = n_ops(sc->shows, 6);
            const char *why = NULL;
            long rx = -1;
            if (!(bits & sc->bit))
                continue;
            if (res > 0 && sc->illicit)
                why = "illicit drug";
            else if (res > 0 && (ne || sc->explains_class) &&
                     prescribed_before(e, o->effective, sc->explains, ne, sc->explains_class) < 0)
                why = "not prescribed";
            else if (res < 0 && (ns || sc->explains_class) &&
                     (rx = prescribed_before(e, o->effective, sc->shows, ns, sc->explains_class)) >=
                         0)
                why = "prescribed but not found";
            if (!why)
                continue;
            if (!f)
                f = pp_findings_add(e->out, REC10_UNEXPECTED, PP_SEV_WARNING, SRC(REC10_UNEXPECTED),
                                    "Unexpected urine drug test: %s %s on %s", sc->label,
                                    res > 0 ? "positive" : "negative", d1);
            pp_finding_evidence(e->out, f, "Observation", o->id);
            pp_buf_addf(&lines, "\n- %s: **%s %s** (%s) — %s", d1, sc->label,
                        res > 0 ? "positive" : "negative", pp_concept_label(&o->code), why);
            if (rx >= 0)
                pp_buf_addf(&lines, ": %s", med_name(&e->r->meds[rx]));
            n_unexpected++;
        }
        if (p->uds_cannabinoid_unexpected && res > 0 && (bits & PP_CS_UDS_CANNABINOID)) {
            if (!f)
                f = pp_findings_add(e->out, REC10_UNEXPECTED, PP_SEV_WARNING, SRC(REC10_UNEXPECTED),
                                    "Unexpected urine drug test: cannabinoids positive on %s", d1);
            pp_finding_evidence(e->out, f, "Observation", o->id);
            pp_buf_addf(&lines,
                        "\n- %s: **cannabinoids positive** (%s) — nonprescribed "
                        "controlled substance",
                        d1, pp_concept_label(&o->code));
            n_unexpected++;
        }
    }
    if (f) {
        if (n_unexpected > 1) {
            snprintf(f->summary, sizeof(f->summary),
                     "%zu unexpected urine drug test results in the last %d months: discuss, "
                     "do not dismiss",
                     n_unexpected, p->uds_lookback_months);
        }
        cite_targets(e, f, true);
        detail_begin(e);
        pp_buf_addf(&e->tmp, "Unexpected urine drug test results in the last %d months:%s",
                    p->uds_lookback_months, pp_buf_status(&lines) == PP_OK ? lines.data : "");
        pp_buf_addf(&e->tmp,
                    "\n\nExpected results assume the drugs prescribed in the %d days before "
                    "each test. A negative result may reflect time since the last dose, "
                    "intermittent use or diversion; a positive one may be a false positive. "
                    "Confirm (GC/LC-MS) when it will change management, discuss it with the "
                    "patient, consider more frequent testing and assessment for substance use "
                    "disorder, and offer naloxone. Never dismiss a patient on a test result.",
                    p->uds_rx_window_days);
        detail_end(e, f);
    }
    pp_buf_release(&lines);
    free(order);
    if (n_tests > 0)
        return;
    fmt_day(from, d1);
    f = pp_findings_add(e->out, REC10, PP_SEV_INFO, SRC(REC10),
                        "No urine drug test in the last %d months: consider toxicology testing",
                        p->uds_lookback_months);
    cite_targets(e, f, true);
    detail_begin(e);
    pp_buf_addf(&e->tmp,
                "No urine drug screen since %s. For subacute or chronic opioid therapy, consider "
                "the benefits and risks of toxicology testing for prescribed and nonprescribed "
                "controlled substances before starting and periodically (presumptive immunoassay "
                "first; note the opiate immunoassay misses fentanyl, methadone and oxycodone).",
                d1);
    detail_end(e, f);
}

/* ---- Rec 11: benzodiazepines and other CNS depressants --------------------------------- */

#define OTHER_CNS                                                                                  \
    (PP_DRUG_CNS_DEPRESSANT | PP_DRUG_GABAPENTINOID | PP_DRUG_MUSCLE_RELAXANT |                    \
     PP_DRUG_BARBITURATE | PP_DRUG_Z_HYPNOTIC)

/*
 * A pair (opioid, depressant) that is concurrent and touches the decision: on the order
 * hooks one of them is being prescribed; on patient-view both are current.
 */
static bool concurrent_pair(const struct eval *e, unsigned classes, unsigned without, size_t *op,
                            size_t *dep)
{
    long t_op = -1, c_op = -1, t_dep = -1, c_dep = -1;
    for (size_t k = 0; k < e->r->n_meds; k++) {
        if (!med_current(e, k))
            continue;
        if (is_opioid(e, k) && ambulatory(&e->r->meds[k])) {
            if (c_op < 0)
                c_op = (long)k;
            if (t_op < 0 && e->target[k])
                t_op = (long)k;
        } else if (has_class(e, k, classes) && !(info_of(e, k)->classes & without) &&
                   !info_of(e, k)->opioid) {
            if (c_dep < 0)
                c_dep = (long)k;
            if (t_dep < 0 && e->target[k])
                t_dep = (long)k;
        }
    }
    if (t_op >= 0 && c_dep >= 0) {
        *op = (size_t)t_op;
        *dep = (size_t)c_dep;
        return true;
    }
    if (t_dep >= 0 && c_op >= 0) {
        *op = (size_t)c_op;
        *dep = (size_t)t_dep;
        return true;
    }
    return false;
}

static void rec11(struct eval *e)
{
    size_t op, dep;
    struct pp_finding *f;

    if (concurrent_pair(e, PP_DRUG_BENZODIAZEPINE, 0, &op, &dep)) {
        f = pp_findings_add(e->out, REC11, PP_SEV_WARNING, SRC(REC11),
                            "Opioid with a benzodiazepine: use particular caution; avoid "
                            "concurrent prescribing whenever possible");
        cite_med(e, f, op);
        cite_med(e, f, dep);
        detail_begin(e);
        pp_buf_addf(&e->tmp,
                    "**%s** and **%s** would be taken together.\n\n"
                    "Opioids with benzodiazepines raise the risk of fatal respiratory "
                    "depression. If both are needed, use the lowest doses and offer naloxone; if "
                    "tapering both, it may be safer to taper the opioid first and the "
                    "benzodiazepine gradually. Do not withhold medication for opioid use "
                    "disorder because of benzodiazepines.",
                    med_name(&e->r->meds[op]), med_name(&e->r->meds[dep]));
        detail_end(e, f);
    }
    if (concurrent_pair(e, OTHER_CNS, PP_DRUG_BENZODIAZEPINE, &op, &dep)) {
        f = pp_findings_add(e->out, REC11_CNS, PP_SEV_INFO, SRC(REC11_CNS),
                            "Opioid with another CNS depressant (%s): weigh benefits against "
                            "respiratory-depression risk",
                            med_name(&e->r->meds[dep]));
        cite_med(e, f, op);
        cite_med(e, f, dep);
        detail_begin(e);
        pp_buf_addf(&e->tmp,
                    "**%s** with **%s** (a gabapentinoid, muscle relaxant, barbiturate or "
                    "non-benzodiazepine hypnotic).\n\n"
                    "Consider whether the benefits of combining opioids with other central "
                    "nervous system depressants outweigh the added sedation and respiratory-"
                    "depression risk.",
                    med_name(&e->r->meds[op]), med_name(&e->r->meds[dep]));
        detail_end(e, f);
    }
}

/* ---- Rec 12: opioid use disorder ----------------------------------------------------- */

static void rec12(struct eval *e)
{
    const unsigned moud = PP_DRUG_BUPRENORPHINE | PP_DRUG_METHADONE | PP_DRUG_NALTREXONE;
    const struct pp_condition *oud = NULL;
    struct pp_finding *f;
    char d1[11];

    if (!e->adult)
        return;
    for (size_t i = 0; i < e->r->n_conditions && !oud; i++)
        if (cond_active(e, &e->r->conditions[i]) &&
            (cond_bits(e, &e->r->conditions[i]) & PP_CS_OUD))
            oud = &e->r->conditions[i];
    if (!oud)
        return;
    for (size_t k = 0; k < e->r->n_meds; k++) {
        pp_day s, end;
        if (!has_class(e, k, moud))
            continue;
        if (med_current(e, k) || (use_period(e, k, &s, &end) && s <= e->now && end > e->now))
            return; /* on medication for OUD */
    }
    fmt_day(oud->recorded != PP_DAY_NONE ? oud->recorded : oud->onset, d1);
    f = pp_findings_add(e->out, REC12, PP_SEV_WARNING, SRC(REC12),
                        "Opioid use disorder without medication treatment: offer buprenorphine "
                        "or methadone (MOUD)");
    pp_finding_evidence(e->out, f, "Condition", oud->id);
    detail_begin(e);
    pp_buf_addf(&e->tmp,
                "Active diagnosis **%s** (recorded %s) and no current buprenorphine, methadone or "
                "naltrexone.\n\n"
                "Offer or arrange evidence-based medication for opioid use disorder; "
                "detoxification alone, without MOUD, is not recommended (higher risk of return "
                "to use, overdose and overdose death).",
                pp_concept_label(&oud->code), d1);
    detail_end(e, f);
    pp_finding_suggest(e->out, f, PP_ACTION_NONE,
                       "Start buprenorphine or refer for methadone/MOUD treatment");
}

/* ---- practice policy ------------------------------------------------------------------ */

/* Exclusions the practice's prescribing limits share with the CDC scope (not the age). */
static bool practice_excluded(const struct eval *e)
{
    return e->excluded != NULL;
}

/*
 * Established tolerance before day `t` (CLINICAL-FACTS §1.4 ER/LA row): on each of the
 * er_tolerance_days before, at least er_tolerance_morphine_mg MME/day or
 * er_tolerance_oxycodone_mg mg/day of oxycodone from other orders with a computed MME.
 * Returns the lowest daily MME seen (NAN when a day had none).
 */
static bool tolerant(const struct eval *e, size_t self, pp_day t, double *lowest)
{
    const struct pp_policy *p = e->p;
    bool all = true;
    *lowest = INFINITY;
    for (pp_day d = t - p->er_tolerance_days; d < t; d++) {
        double mme = 0, oxy = 0;
        for (size_t k = 0; k < e->r->n_meds; k++) {
            const struct pp_mme_order *o = e->order_of[k];
            pp_day s, end;
            /* past courses count too: dose_* hold what a finished order's dosage gave */
            if (!o || !history_of(e, k, self) || !isfinite(o->dose_mme_per_day) ||
                !use_period(e, k, &s, &end) || d < s || d >= end)
                continue;
            mme += o->dose_mme_per_day;
            if (only_opioid(e, k, PP_OPIOID_OXYCODONE) && isfinite(o->dose_daily_dose) &&
                strcmp(o->daily_dose_unit, "mg/d") == 0)
                oxy += o->dose_daily_dose; /* the order's daily dose is all oxycodone */
        }
        if (mme < *lowest)
            *lowest = mme;
        if (!(mme >= p->er_tolerance_morphine_mg || oxy >= p->er_tolerance_oxycodone_mg))
            all = false;
    }
    if (!isfinite(*lowest))
        *lowest = 0;
    return all;
}

static void practice_no_la(struct eval *e, size_t i)
{
    const struct pp_policy *p = e->p;
    pp_day t = target_start(e, i);
    struct pp_finding *f;
    double lowest;
    char d1[11];

    if (!info_of(e, i)->long_acting || practice_excluded(e))
        return;
    /* continuing an ER/LA opioid the patient already takes is not a start */
    for (size_t k = 0; k < e->r->n_meds; k++) {
        pp_day s, end;
        if (history_of(e, k, i) && is_opioid(e, k) && info_of(e, k)->long_acting &&
            use_period(e, k, &s, &end) && s < t && end > t - p->er_tolerance_days)
            return;
    }
    if (tolerant(e, i, t, &lowest))
        return;
    fmt_day(t, d1);
    f = pp_findings_add(e->out, NO_LA, PP_SEV_WARNING, SRC(NO_LA),
                        "Long-acting opioid without established tolerance: use immediate-release "
                        "or a non-opioid");
    cite_med(e, f, i);
    pp_buf_reset(&e->tmp);
    pp_buf_addf(&e->tmp,
                "**%s** is extended-release/long-acting, starting %s. In the %d days before, the "
                "patient's opioid dose fell to **%.2f MME/day** on some day: below the %g mg/day "
                "oral morphine (or %g mg/day oxycodone) that establishes opioid tolerance.\n\n"
                "The practice does not start long-acting opioids routinely. Use an "
                "immediate-release opioid at the lowest effective dose, or a non-opioid "
                "option (NSAID, duloxetine, gabapentinoid, interventional treatment).",
                med_name(&e->r->meds[i]), d1, p->er_tolerance_days, lowest,
                p->er_tolerance_morphine_mg, p->er_tolerance_oxycodone_mg);
    pp_finding_detail(e->out, f, "%s", pp_buf_status(&e->tmp) == PP_OK ? e->tmp.data : "");
    suggest_remove(e, f, i, "Remove the long-acting order; use immediate-release or a non-opioid");
}

static void practice_short_course(struct eval *e, size_t i)
{
    const struct pp_med_info *mi = info_of(e, i);
    const struct pp_medication *m = &e->r->meds[i];
    int max = e->p->practice_short_course_max_days;
    double course;
    struct pp_finding *f;

    if (mi->long_acting || practice_excluded(e) || duration_of(e, i) != DUR_ACUTE)
        return;
    /* the course a prescription allows: its supply, once plus each refill */
    course = mi->days_supply * (1 + (m->repeats > 0 ? m->repeats : 0));
    if (!(course > max))
        return;
    f = pp_findings_add(e->out, SHORT_COURSE, PP_SEV_WARNING, SRC(SHORT_COURSE),
                        "Short-acting opioid course of %g days exceeds the practice maximum of %d "
                        "days: shorten it",
                        course, max);
    cite_med(e, f, i);
    pp_buf_reset(&e->tmp);
    pp_buf_addf(&e->tmp,
                "**%s**: %g days' supply with %d refill(s) allows a %g-day course for acute pain; "
                "the practice allows at most %d days of a short-acting opioid.\n\n"
                "Most acute pain needs a few days or less; more than %d days is rarely needed. "
                "Re-evaluate before prescribing more.",
                med_name(m), mi->days_supply, m->repeats, course, max, max);
    pp_finding_detail(e->out, f, "%s", pp_buf_status(&e->tmp) == PP_OK ? e->tmp.data : "");
    suggest_supply(e, f, i, max);
}

static const char *replacement_name(enum pp_replacement_reason r)
{
    switch (r) {
    case PP_REPLACE_LOST: return "lost";
    case PP_REPLACE_STOLEN: return "stolen";
    case PP_REPLACE_DESTROYED: return "destroyed";
    case PP_REPLACE_NONE: break;
    }
    return "";
}

/* Returns true when a refusal was issued (no early-refill finding on top of it). */
static bool practice_no_replacement(struct eval *e, size_t i)
{
    const struct pp_medication *m = &e->r->meds[i];
    struct pp_finding *f;

    if (m->replacement_reason == PP_REPLACE_NONE)
        return false;
    f = pp_findings_add(e->out, NO_REPLACEMENT, PP_SEV_CRITICAL, SRC(NO_REPLACEMENT),
                        "Refused: the practice does not replace %s opioid prescriptions",
                        replacement_name(m->replacement_reason));
    cite_med(e, f, i);
    if (m->prior_prescription) {
        const char *slash = strrchr(m->prior_prescription, '/');
        pp_finding_evidence(e->out, f, "MedicationRequest",
                            slash ? slash + 1 : m->prior_prescription);
    }
    pp_buf_reset(&e->tmp);
    pp_buf_addf(&e->tmp,
                "**%s** replaces a supply reported **%s**%s%s.\n\n"
                "Practice policy: opioid prescriptions reported lost, stolen or destroyed are not "
                "replaced early. Review the PDMP, check for other signs of misuse, and discuss "
                "safe storage and disposal; consider urine drug testing and naloxone.",
                med_name(m), replacement_name(m->replacement_reason),
                m->prior_prescription ? " (" : "",
                m->prior_prescription ? m->prior_prescription : "");
    if (m->prior_prescription)
        pp_buf_adds(&e->tmp, ")");
    pp_finding_detail(e->out, f, "%s", pp_buf_status(&e->tmp) == PP_OK ? e->tmp.data : "");
    suggest_remove(e, f, i, "Do not sign: cancel the replacement order");
    return true;
}

static void practice_early_refill(struct eval *e, size_t i)
{
    const struct pp_policy *p = e->p;
    pp_day t = target_start(e, i), latest = PP_DAY_NONE;
    long prior = -1;
    struct pp_finding *f;
    char d1[11], d2[11], d3[11];

    for (size_t k = 0; k < e->r->n_meds; k++) {
        const struct pp_med_info *mk = info_of(e, k);
        pp_day s, end;
        if (!history_of(e, k, i) || !is_opioid(e, k) || str_is(e->r->meds[k].status, "stopped") ||
            mk->end_of_supply == PP_DAY_NONE || !same_opioid(e, i, k) ||
            !use_period(e, k, &s, &end) || s >= t)
            continue;
        /* early: the new supply starts before the earlier one runs out, less the grace */
        if (t < mk->end_of_supply - p->early_refill_grace_days && mk->end_of_supply > latest) {
            latest = mk->end_of_supply;
            prior = (long)k;
        }
    }
    if (prior < 0)
        return;
    fmt_day(latest, d1);
    fmt_day(t, d2);
    fmt_day(info_of(e, (size_t)prior)->start, d3);
    f = pp_findings_add(e->out, EARLY_REFILL, PP_SEV_WARNING, SRC(EARLY_REFILL),
                        "Early refill: the previous supply lasts until %s (%d days early)", d1,
                        (int)(latest - t));
    cite_med(e, f, i);
    cite_med(e, f, (size_t)prior);
    pp_buf_reset(&e->tmp);
    pp_buf_addf(&e->tmp,
                "**%s** starts %s, but **%s** (started %s, %g days' supply) should last until "
                "**%s**: %d days early (grace %d days).\n\n"
                "Practice policy: no early refills, whatever the reason given. Check the PDMP and "
                "the patient's use; adjust the dose at a visit rather than by an early refill.",
                med_name(&e->r->meds[i]), d2, med_name(&e->r->meds[prior]), d3,
                info_of(e, (size_t)prior)->days_supply, d1, (int)(latest - t),
                p->early_refill_grace_days);
    pp_finding_detail(e->out, f, "%s", pp_buf_status(&e->tmp) == PP_OK ? e->tmp.data : "");
}

static void practice_risk_education(struct eval *e, size_t i)
{
    pp_day t = target_start(e, i);
    const char *type = NULL, *id = NULL;
    struct pp_finding *f;

    if (prior_opioid(e, i, t) >= 0)
        return; /* not a new start */
    if (last_event(e, PP_CS_OPIOID_COUNSELING, t, INT32_MAX, &type, &id) != PP_DAY_NONE)
        return; /* education documented since the start */
    f = pp_findings_add(e->out, RISK_EDUCATION, PP_SEV_INFO, SRC(RISK_EDUCATION),
                        "New opioid start: explain driving, overdose, immune and hormonal risks "
                        "to the patient");
    cite_med(e, f, i);
    pp_finding_detail(
        e->out, f,
        "**%s** starts opioid therapy. Tell the patient, in plain words:\n\n"
        "- **Driving and accidents**: opioids slow reactions and cause drowsiness. Do not drive, "
        "cycle or use machinery until you know how this medicine affects you, and never after "
        "alcohol or sleeping pills; motor-vehicle accidents are more common on opioids.\n"
        "- **Overdose**: taking more than prescribed, or with alcohol, benzodiazepines, sleeping "
        "pills or other sedatives, can stop your breathing. Keep naloxone at home and show your "
        "family how to use it. Store the medicine locked away and dispose of leftovers.\n"
        "- **Immune system**: long-term opioid use can weaken the body's defence against "
        "infection.\n"
        "- **Hormones**: opioids can lower sex hormones (testosterone, estrogen), causing "
        "tiredness, low sex drive, erectile problems or irregular periods; tell us if you "
        "notice them.\n\n"
        "Also: constipation, nausea, tolerance and dependence; the practice does not replace "
        "lost, stolen or destroyed prescriptions.",
        med_name(&e->r->meds[i]));
}

/* ---- driver ------------------------------------------------------------------------- */

static bool id_listed(const struct pp_opioid_context *ctx, const char *id)
{
    if (!id)
        return false;
    for (size_t k = 0; k < ctx->n_order_ids; k++) {
        const char *want = ctx->order_ids[k], *slash;
        if (!want)
            continue;
        slash = strrchr(want, '/');
        if (strcmp(slash ? slash + 1 : want, id) == 0)
            return true;
    }
    return false;
}

static void mark_targets(struct eval *e)
{
    const struct pp_record *r = e->r;
    bool any_flag = false;

    for (size_t i = 0; i < r->n_meds; i++)
        any_flag |= r->meds[i].is_draft_order;
    for (size_t i = 0; i < r->n_meds; i++) {
        const struct pp_medication *m = &r->meds[i];
        if (!e->order_hook)
            e->target[i] = med_current(e, i) && m->source != PP_MED_DISPENSE;
        else if (any_flag)
            e->target[i] =
                m->is_draft_order && (e->ctx->n_order_ids == 0 || id_listed(e->ctx, m->id));
        else
            e->target[i] = id_listed(e->ctx, m->id) && !med_void(m);
    }
}

static bool runs(const struct eval *e, const char *id)
{
    const struct pp_opioid_rule *rule = pp_opioid_rule_find(id);
    return rule && (rule->hooks & PP_OPIOID_HOOK_BIT(e->ctx->hook));
}

void pp_opioid_evaluate(const struct pp_record *r, pp_day now, const struct pp_policy *p,
                        const struct pp_terms *terms, const struct pp_mme_result *mme,
                        const struct pp_opioid_context *ctx, struct pp_findings *out)
{
    struct eval e;

    assert(mme->n_meds == r->n_meds);
    memset(&e, 0, sizeof(e));
    e.r = r;
    e.now = now;
    e.p = p;
    e.t = terms;
    e.mme = mme;
    e.ctx = ctx;
    e.out = out;
    e.order_hook = ctx->hook != PP_OPIOID_PATIENT_VIEW;
    e.target = pp_xcalloc(r->n_meds + 1, 1);
    e.order_of = pp_xcalloc(r->n_meds + 1, sizeof(*e.order_of));
    e.obs_code_bits = pp_xcalloc(r->n_observations + 1, sizeof(uint32_t));
    e.cond_code_bits = pp_xcalloc(r->n_conditions + 1, sizeof(uint32_t));
    e.proc_code_bits = pp_xcalloc(r->n_procedures + 1, sizeof(uint32_t));
    for (size_t i = 0; i < r->n_observations; i++)
        e.obs_code_bits[i] = pp_terms_concept(terms, &r->observations[i].code);
    for (size_t i = 0; i < r->n_conditions; i++)
        e.cond_code_bits[i] = pp_terms_concept(terms, &r->conditions[i].code);
    for (size_t i = 0; i < r->n_procedures; i++)
        e.proc_code_bits[i] = pp_terms_concept(terms, &r->procedures[i].code);
    pp_buf_init(&e.tmp, PP_BUF_UNLIMITED);
    for (size_t k = 0; k < mme->n_orders; k++)
        if (mme->orders[k].info_index < r->n_meds)
            e.order_of[mme->orders[k].info_index] = &mme->orders[k];
    mark_targets(&e);
    compute_scope(&e);

    /* order-level rules: one finding per opioid under decision */
    for (size_t i = 0; i < r->n_meds; i++) {
        const struct pp_medication *m = &r->meds[i];
        if (!e.target[i] || !is_opioid(&e, i))
            continue;
        if (in_scope(&e) && ambulatory(m)) {
            if (runs(&e, REC01))
                rec01_02(&e, i);
            if (runs(&e, REC03))
                rec03(&e, i);
            if (runs(&e, REC06))
                rec06(&e, i);
        }
        if (ambulatory(m)) {
            if (runs(&e, NO_LA))
                practice_no_la(&e, i);
            if (runs(&e, SHORT_COURSE))
                practice_short_course(&e, i);
        }
        if (!(runs(&e, NO_REPLACEMENT) && practice_no_replacement(&e, i)) && runs(&e, EARLY_REFILL))
            practice_early_refill(&e, i);
        if (runs(&e, RISK_EDUCATION))
            practice_risk_education(&e, i);
    }
    /* patient-level rules */
    if (in_scope(&e)) {
        if (runs(&e, REC04))
            rec04_05(&e);
        if (runs(&e, REC07))
            rec07(&e);
        if (runs(&e, REC08))
            rec08(&e);
        if (runs(&e, REC09))
            rec09(&e);
        if (runs(&e, REC10))
            rec10(&e);
        if (runs(&e, REC11))
            rec11(&e);
    }
    if (runs(&e, REC12))
        rec12(&e);

    pp_buf_release(&e.tmp);
    free(e.order_of);
    free(e.obs_code_bits);
    free(e.cond_code_bits);
    free(e.proc_code_bits);
    free(e.target);
}
