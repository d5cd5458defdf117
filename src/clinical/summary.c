/*
 * summary.c — the pain management summary: the sections of the AHRQ CDS
 * Connect Pain Management Summary (CLINICAL-FACTS S46) built from one
 * pp_record at `now`, each filtered by its look-back window (policy keys
 * summary_*), plus the risk flags and findings painpath adds. Pure.
 */
#include "clinical/summary.h"

#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "clinical/mme.h"
#include "util/alloc.h"

/* The local code system of the S46 CQL for concepts without a standard code. */
#define SYS_AHRQ "http://cds.ahrq.gov/cdsconnect/pms"

/* ---- code tables --------------------------------------------------------------------- */

/* What a coded concept is to the summary (bits). */
enum {
    K_CHRONIC_PAIN = 1u << 0,
    K_DEPRESSION = 1u << 1,
    K_ANXIETY = 1u << 2,
    K_SUBSTANCE_USE = 1u << 3,
    K_SUICIDE_ATTEMPT = 1u << 4,
    K_SLEEP_BREATHING = 1u << 5,
    K_RENAL = 1u << 6,
    K_HEPATIC = 1u << 7,
    K_PREGNANCY = 1u << 8,
    K_PAIN_INTENSITY = 1u << 9,
    K_PEG_MEAN = 1u << 10,
    K_PEG_PAIN = 1u << 11,
    K_PEG_ENJOYMENT = 1u << 12,
    K_PEG_ACTIVITY = 1u << 13,
    K_STARTBACK = 1u << 14,
    K_MME = 1u << 15,
    K_SCREENING = 1u << 16,
    K_NON_PHARM = 1u << 17,
    K_PREGNANCY_STATUS = 1u << 18,
    K_ALCOHOL_SCREEN = 1u << 19,
    K_DRUG_SCREEN = 1u << 20,
};

/*
 * The built-in codes. A code ending in '*' matches every code it begins (ICD-10-CM
 * categories). Sources: CLINICAL-FACTS §6.1 (LOINC), §6.2 (SNOMED CT, ICD-10-CM, with
 * the VSAC S62 membership the sheet notes), §4.1 PEG, §4.10 AUDIT/AUDIT-C/DAST-10, the
 * S46 CQL code declarations (Wong-Baker 38221-8, pregnancy status 82810-3, the LOCAL
 * codes), and the codes the S46 test cases show the reference classifying
 * ("AHRQ CDS Connect Pain Management Summary test cases"). ICD-10-CM category prefixes
 * (F32/F33, F40/F41, F10-F16/F18/F19, N17-N19, K70-K77, O*, Z33.1) are the standard
 * classification's chapters for the S46 value-set concepts: painpath's reading, listed as
 * such in docs/rules-summary.md.
 */
static const struct {
    const char *system;
    const char *code;
    unsigned kind;
} codes_table[] = {
    /* conditions associated with chronic pain (§6.2; VSAC S62 members where noted there) */
    {PP_SYS_SNOMED, "203082005", K_CHRONIC_PAIN},     /* fibromyalgia */
    {PP_SYS_SNOMED, "202725007", K_CHRONIC_PAIN},     /* lumbar post-laminectomy (S46 cases) */
    {PP_SYS_SNOMED, "82423001", K_CHRONIC_PAIN},      /* chronic pain */
    {PP_SYS_SNOMED, "278860009", K_CHRONIC_PAIN},     /* chronic low back pain */
    {PP_SYS_SNOMED, "1121000119107", K_CHRONIC_PAIN}, /* chronic neck pain */
    {PP_SYS_SNOMED, "23056005", K_CHRONIC_PAIN},      /* sciatica */
    {PP_SYS_SNOMED, "128196005", K_CHRONIC_PAIN},     /* lumbar radiculopathy */
    {PP_SYS_SNOMED, "128200000", K_CHRONIC_PAIN},     /* CRPS */
    {PP_SYS_SNOMED, "18347007", K_CHRONIC_PAIN},      /* lumbar spinal stenosis */
    {PP_SYS_ICD10CM, "M54.5*", K_CHRONIC_PAIN},       /* low back pain (M54.5 in the S46 cases) */
    {PP_SYS_ICD10CM, "M96.1", K_CHRONIC_PAIN},        /* postlaminectomy syndrome */
    {PP_SYS_ICD10CM, "G89.4", K_CHRONIC_PAIN},        /* chronic pain syndrome */
    {PP_SYS_ICD10CM, "G89.29", K_CHRONIC_PAIN},       /* other chronic pain */
    {PP_SYS_ICD10CM, "G90.5*", K_CHRONIC_PAIN},       /* CRPS I */
    /* risk factors for opioid-related harm */
    {PP_SYS_SNOMED, "832007", K_DEPRESSION},        /* moderate major depression (S46 cases) */
    {PP_SYS_ICD10CM, "F32*", K_DEPRESSION},         /* major depressive disorder, single */
    {PP_SYS_ICD10CM, "F33*", K_DEPRESSION},         /* major depressive disorder, recurrent */
    {PP_SYS_SNOMED, "191722009", K_ANXIETY},        /* agoraphobia with panic (S46 cases) */
    {PP_SYS_ICD10CM, "F40*", K_ANXIETY},            /* phobic anxiety disorders */
    {PP_SYS_ICD10CM, "F41*", K_ANXIETY},            /* other anxiety disorders */
    {PP_SYS_ICD10CM, "F10*", K_SUBSTANCE_USE},      /* alcohol */
    {PP_SYS_ICD10CM, "F11*", K_SUBSTANCE_USE},      /* opioids */
    {PP_SYS_ICD10CM, "F12*", K_SUBSTANCE_USE},      /* cannabis */
    {PP_SYS_ICD10CM, "F13*", K_SUBSTANCE_USE},      /* sedatives */
    {PP_SYS_ICD10CM, "F14*", K_SUBSTANCE_USE},      /* cocaine */
    {PP_SYS_ICD10CM, "F15*", K_SUBSTANCE_USE},      /* other stimulants */
    {PP_SYS_ICD10CM, "F16*", K_SUBSTANCE_USE},      /* hallucinogens */
    {PP_SYS_ICD10CM, "F18*", K_SUBSTANCE_USE},      /* inhalants */
    {PP_SYS_ICD10CM, "F19*", K_SUBSTANCE_USE},      /* other / multiple */
    {PP_SYS_ICD10CM, "T14.91*", K_SUICIDE_ATTEMPT}, /* suicide attempt (S46 cases) */
    {PP_SYS_ICD10CM, "N17*", K_RENAL},
    {PP_SYS_ICD10CM, "N18*", K_RENAL},
    {PP_SYS_ICD10CM, "N19*", K_RENAL},
    {PP_SYS_ICD10CM, "K70*", K_HEPATIC},
    {PP_SYS_ICD10CM, "K71*", K_HEPATIC},
    {PP_SYS_ICD10CM, "K72*", K_HEPATIC},
    {PP_SYS_ICD10CM, "K73*", K_HEPATIC},
    {PP_SYS_ICD10CM, "K74*", K_HEPATIC},
    {PP_SYS_ICD10CM, "K75*", K_HEPATIC},
    {PP_SYS_ICD10CM, "K76*", K_HEPATIC},
    {PP_SYS_ICD10CM, "K77*", K_HEPATIC},
    {PP_SYS_SNOMED, "77386006", K_PREGNANCY}, /* §6.2 pregnant */
    {PP_SYS_ICD10CM, "Z33.1", K_PREGNANCY},
    {PP_SYS_ICD10CM, "O*", K_PREGNANCY},
    {PP_SYS_LOINC, "82810-3", K_PREGNANCY_STATUS}, /* S46 pregnancy status */
    /* pain assessments: S46 Wong-Baker; §6.1 verbal NRS and pain severity */
    {PP_SYS_LOINC, "38221-8", K_PAIN_INTENSITY},
    {PP_SYS_LOINC, "72514-3", K_PAIN_INTENSITY},
    {PP_SYS_LOINC, "38208-5", K_PAIN_INTENSITY},
    /* PEG (§4.1, §6.1) and the S46 LOCAL legacy codes */
    {PP_SYS_LOINC, "91147-9", K_PEG_MEAN},
    {SYS_AHRQ, "PEGASSESSMENT", K_PEG_MEAN},
    {PP_SYS_LOINC, "75893-8", K_PEG_PAIN},
    {SYS_AHRQ, "PEGPAIN", K_PEG_PAIN},
    {PP_SYS_LOINC, "91145-3", K_PEG_ENJOYMENT},
    {SYS_AHRQ, "PEGENJOYMENT", K_PEG_ENJOYMENT},
    {PP_SYS_LOINC, "91146-1", K_PEG_ACTIVITY},
    {SYS_AHRQ, "PEGGENERALACTIVITY", K_PEG_ACTIVITY},
    /* STarT Back (§4.x, §6.1) */
    {PP_SYS_LOINC, "91351-7", K_STARTBACK},
    {SYS_AHRQ, "STARTBACK", K_STARTBACK},
    /* recorded MME (S46 LOCAL) */
    {SYS_AHRQ, "MME", K_MME},
    /* screenings: §6.1 PHQ-2, PHQ-9, GAD-7, ORT; §4.10 AUDIT, AUDIT-C, DAST-10; S46 LOCAL */
    {PP_SYS_LOINC, "55758-7", K_SCREENING},
    {PP_SYS_LOINC, "44261-6", K_SCREENING},
    {PP_SYS_LOINC, "70274-6", K_SCREENING},
    {PP_SYS_LOINC, "91392-1", K_SCREENING},
    {PP_SYS_LOINC, "75624-7", K_SCREENING | K_ALCOHOL_SCREEN},
    {PP_SYS_LOINC, "75626-2", K_SCREENING | K_ALCOHOL_SCREEN},
    {PP_SYS_LOINC, "82667-7", K_SCREENING | K_DRUG_SCREEN},
    {SYS_AHRQ, "SQETOHUSE", K_SCREENING | K_ALCOHOL_SCREEN},
    {SYS_AHRQ, "SQDRUGUSE", K_SCREENING | K_DRUG_SCREEN},
    /* non-pharmacologic treatments (SNOMED; the S46 cases) */
    {PP_SYS_SNOMED, "182548004", K_NON_PHARM},       /* chiropraxy */
    {PP_SYS_SNOMED, "81294000", K_NON_PHARM},        /* referral for psychotherapy */
    {PP_SYS_SNOMED, "308449000", K_NON_PHARM},       /* referral to chiropractor */
    {PP_SYS_SNOMED, "444831000124102", K_NON_PHARM}, /* referral for physical therapy */
};

static bool code_matches(const char *pattern, const char *code)
{
    size_t n = strlen(pattern);
    if (n && pattern[n - 1] == '*')
        return strncmp(pattern, code, n - 1) == 0;
    return strcmp(pattern, code) == 0;
}

/* The summary kinds of a concept (union over its codings). */
static unsigned concept_kind(const struct pp_concept *c)
{
    unsigned k = 0;
    for (size_t i = 0; i < c->n_codings; i++) {
        const struct pp_coding *cd = &c->codings[i];
        if (!cd->code)
            continue;
        for (size_t j = 0; j < sizeof(codes_table) / sizeof(codes_table[0]); j++) {
            if (cd->system && strcmp(cd->system, codes_table[j].system) == 0 &&
                code_matches(codes_table[j].code, cd->code))
                k |= codes_table[j].kind;
        }
    }
    return k;
}

/* ---- names --------------------------------------------------------------------------- */

static const char *const section_keys[PP_SUM_COUNT] = {
    "conditions_associated_with_chronic_pain",
    "risk_factors",
    "pain_intensity_assessments",
    "peg_assessments",
    "startback_assessments",
    "opioid_medications",
    "non_opioid_medications",
    "non_pharmacologic_treatments",
    "stool_softeners_and_laxatives",
    "most_recent_mme",
    "urine_drug_screens",
    "benzodiazepine_medications",
    "naloxone_medications",
    "risk_screenings",
};

const char *pp_summary_section_key(enum pp_summary_section s)
{
    return (unsigned)s < PP_SUM_COUNT ? section_keys[s] : NULL;
}

const char *pp_summary_source_name(enum pp_summary_source s)
{
    switch (s) {
    case PP_SUMSRC_CONDITION: return "Condition";
    case PP_SUMSRC_ENCOUNTER_DIAGNOSIS: return "Encounter";
    case PP_SUMSRC_AGE: return "Age";
    case PP_SUMSRC_OBSERVATION: return "Observation";
    case PP_SUMSRC_REQUEST: return "Request";
    case PP_SUMSRC_STATEMENT: return "Statement";
    case PP_SUMSRC_PROCEDURE: return "Procedure";
    case PP_SUMSRC_SERVICE_REQUEST: return "ServiceRequest";
    }
    return "?";
}

static const struct {
    unsigned bit;
    const char *name;
} risk_names[] = {
    {PP_SUMRISK_DEPRESSION, "depression"},
    {PP_SUMRISK_ANXIETY, "anxiety"},
    {PP_SUMRISK_SUBSTANCE_USE, "substance-use-disorder"},
    {PP_SUMRISK_SUICIDE_ATTEMPT, "suicide-attempt"},
    {PP_SUMRISK_SLEEP_BREATHING, "sleep-disordered-breathing"},
    {PP_SUMRISK_RENAL, "renal-dysfunction"},
    {PP_SUMRISK_HEPATIC, "hepatic-dysfunction"},
    {PP_SUMRISK_PREGNANCY, "pregnancy"},
    {PP_SUMRISK_AGE_65, "age-65-or-older"},
    {PP_SUMRISK_BENZODIAZEPINE, "benzodiazepine"},
    {PP_SUMRISK_HIGH_MME, "high-mme"},
    {PP_SUMRISK_ALCOHOL_SCREEN, "alcohol-screen"},
    {PP_SUMRISK_DRUG_SCREEN, "drug-use-screen"},
};

const char *pp_summary_risk_name(unsigned bit)
{
    for (size_t i = 0; i < sizeof(risk_names) / sizeof(risk_names[0]); i++) {
        if (risk_names[i].bit == bit)
            return risk_names[i].name;
    }
    return NULL;
}

/* ---- lists --------------------------------------------------------------------------- */

void pp_summary_init(struct pp_summary *s)
{
    memset(s, 0, sizeof(*s));
    s->now = PP_DAY_NONE;
    s->age = -1;
    s->computed_mme = NAN;
    s->computed_mme_complete = true;
}

void pp_summary_release(struct pp_summary *s)
{
    for (int i = 0; i < PP_SUM_COUNT; i++)
        free(s->sections[i].items);
    pp_summary_init(s);
}

static struct pp_summary_item *add_item(struct pp_summary *s, enum pp_summary_section sec,
                                        enum pp_summary_source src, const char *id,
                                        const struct pp_concept *code, pp_day date)
{
    struct pp_summary_list *l = &s->sections[sec];
    struct pp_summary_item *it;
    if (l->n == l->alloc) {
        l->alloc = l->alloc ? l->alloc * 2 : 8;
        l->items = pp_xrealloc(l->items, l->alloc * sizeof(*l->items));
    }
    it = &l->items[l->n++];
    memset(it, 0, sizeof(*it));
    it->source = src;
    it->id = id;
    it->name = code ? pp_concept_label(code) : NULL;
    it->code = code ? pp_concept_code(code, NULL) : NULL;
    it->date = date;
    it->recorded = PP_DAY_NONE;
    return it;
}

/* Newest first; undated last; ties keep the record's order (stable by index). */
static int item_cmp(const void *a, const void *b)
{
    const struct pp_summary_item *x = a, *y = b;
    if (x->date != y->date) {
        if (x->date == PP_DAY_NONE)
            return 1;
        if (y->date == PP_DAY_NONE)
            return -1;
        return x->date > y->date ? -1 : 1;
    }
    return 0;
}

static void sort_list(struct pp_summary_list *l)
{
    /* insertion sort: stable, and lists are short */
    for (size_t i = 1; i < l->n; i++) {
        struct pp_summary_item t = l->items[i];
        size_t j = i;
        while (j > 0 && item_cmp(&l->items[j - 1], &t) > 0) {
            l->items[j] = l->items[j - 1];
            j--;
        }
        l->items[j] = t;
    }
}

/* ---- windows ------------------------------------------------------------------------- */

/* True when `d` lies in [now - months, now] (S46: Interval[Now() - lookback, Now()]). */
static bool within_months(pp_day d, pp_day now, int months)
{
    if (d == PP_DAY_NONE)
        return false;
    return d <= now && d >= pp_day_add_months(now, -months);
}

static bool within_days(pp_day d, pp_day now, int days)
{
    if (d == PP_DAY_NONE)
        return false;
    return d <= now && d >= now - days;
}

static bool str_in(const char *s, const char *const *list)
{
    if (!s)
        return false;
    for (; *list; list++) {
        if (strcmp(s, *list) == 0)
            return true;
    }
    return false;
}

/* S46 ActiveOrRecurring: clinicalStatus active, recurrence or relapse. */
static bool active_or_recurring(const struct pp_condition *c)
{
    static const char *const ok[] = {"active", "recurrence", "relapse", NULL};
    return str_in(c->clinical_status, ok);
}

/* S46 Confirmed, read leniently (painpath choice, docs/rules-summary.md): only refuted and
 * entered-in-error are dropped, so an absent verificationStatus (optional in R4) counts. */
static bool not_refuted(const struct pp_condition *c)
{
    static const char *const bad[] = {"refuted", "entered-in-error", NULL};
    return !str_in(c->verification_status, bad);
}

/* S46 Verified: final, amended or corrected. */
static bool verified(const struct pp_observation *o)
{
    static const char *const ok[] = {"final", "amended", "corrected", NULL};
    return str_in(o->status, ok);
}

static bool med_status_ok(const struct pp_medication *m)
{
    /* S46 ActiveCompletedOrStoppedMedicationRequest / ActiveOrCompletedMedicationStatement */
    static const char *const req[] = {"active", "completed", "stopped", NULL};
    static const char *const stmt[] = {"active", "completed", NULL};
    if (m->source == PP_MED_REQUEST)
        return str_in(m->status, req);
    if (m->source == PP_MED_STATEMENT)
        return str_in(m->status, stmt);
    return false; /* dispenses are not part of the S46 summary */
}

/* The date a medication is listed under: authoredOn for a request, effective start for a
 * statement. */
static pp_day med_date(const struct pp_medication *m)
{
    return m->source == PP_MED_REQUEST ? m->authored : m->start;
}

/* In the window: the date in [now - months, now], or (a statement's effectivePeriod) a
 * period overlapping it. months == 0 means unrestricted (any date, or none). */
static bool med_in_window(const struct pp_medication *m, pp_day now, int months)
{
    pp_day d = med_date(m);
    if (months == 0)
        return true;
    if (within_months(d, now, months))
        return true;
    if (m->source == PP_MED_STATEMENT && d != PP_DAY_NONE && d <= now && m->end != PP_DAY_NONE)
        return m->end >= pp_day_add_months(now, -months);
    return false;
}

static bool med_recent_days(const struct pp_medication *m, pp_day now, int days)
{
    pp_day d = med_date(m);
    if (within_days(d, now, days))
        return true;
    return m->source == PP_MED_STATEMENT && d != PP_DAY_NONE && d <= now && m->end != PP_DAY_NONE &&
           m->end >= now - days;
}

/* ---- medications --------------------------------------------------------------------- */

static bool label_has(const struct pp_medication *m, const char *const *needles)
{
    char low[256];
    const char *src[3] = {m->code.text, NULL, NULL};
    if (m->code.n_codings)
        src[1] = m->code.codings[0].display;
    for (int k = 0; k < 2; k++) {
        size_t i;
        if (!src[k])
            continue;
        for (i = 0; src[k][i] && i < sizeof(low) - 1; i++)
            low[i] = (char)tolower((unsigned char)src[k][i]);
        low[i] = '\0';
        for (const char *const *n = needles; *n; n++) {
            if (strstr(low, *n))
                return true;
        }
    }
    return false;
}

/* Stool softeners and laxatives (S46 value set 2.16.840.1.113762.1.4.1032.44), by ingredient
 * name; polyethylene glycol 3350 is the S46 cases' example. */
static const char *const laxative_names[] = {
    "polyethylene glycol", "docusate",          "senna",    "bisacodyl",        "lactulose",
    "magnesium hydroxide", "magnesium citrate", "psyllium", "methylnaltrexone", NULL};

/* Salicylates are NSAIDs the drug table does not list (caffeine / magnesium salicylate is the
 * S46 cases' example of a non-opioid pain medication). */
static const char *const salicylate_names[] = {"salicylate", "salsalate", NULL};

enum med_kind {
    MK_OPIOID = 1u << 0,
    MK_NON_OPIOID = 1u << 1,
    MK_ADJUVANT = 1u << 2,
    MK_BENZO = 1u << 3,
    MK_NALOXONE = 1u << 4,
    MK_LAXATIVE = 1u << 5,
};

static unsigned med_kind(const struct pp_med_info *mi)
{
    unsigned k = 0;
    unsigned cl = mi->classes | (mi->identified ? mi->drug.classes : 0);
    bool rescue = mi->identified ? pp_drug_is_naloxone_rescue(&mi->drug)
                                 : ((cl & PP_DRUG_OPIOID_REVERSAL) && !(cl & PP_DRUG_OPIOID));
    if (rescue)
        k |= MK_NALOXONE;
    else if (cl & PP_DRUG_OPIOID)
        k |= MK_OPIOID;
    if (cl & PP_DRUG_BENZODIAZEPINE)
        k |= MK_BENZO;
    if (cl & (PP_DRUG_GABAPENTINOID | PP_DRUG_SNRI | PP_DRUG_TCA))
        k |= MK_ADJUVANT;
    if (!(k & MK_OPIOID) && ((cl & (PP_DRUG_NSAID | PP_DRUG_ACETAMINOPHEN | PP_DRUG_GABAPENTINOID |
                                    PP_DRUG_SNRI | PP_DRUG_TCA)) ||
                             label_has(mi->med, salicylate_names)))
        k |= MK_NON_OPIOID;
    if (label_has(mi->med, laxative_names))
        k |= MK_LAXATIVE;
    return k;
}

static void add_med(struct pp_summary *s, enum pp_summary_section sec,
                    const struct pp_medication *m)
{
    struct pp_summary_item *it =
        add_item(s, sec, m->source == PP_MED_REQUEST ? PP_SUMSRC_REQUEST : PP_SUMSRC_STATEMENT,
                 m->id, &m->code, med_date(m));
    it->status = m->status;
}

static void build_meds(struct pp_summary *s, const struct pp_mme_result *res, pp_day now,
                       const struct pp_policy *p)
{
    for (size_t i = 0; i < res->n_meds; i++) {
        const struct pp_med_info *mi = &res->meds[i];
        const struct pp_medication *m = mi->med;
        unsigned k;
        if (!med_status_ok(m))
            continue;
        k = med_kind(mi);
        if ((k & MK_OPIOID) && med_recent_days(m, now, p->summary_inclusion_med_days))
            s->recent_opioid = true;
        if ((k & MK_ADJUVANT) && med_recent_days(m, now, p->summary_inclusion_med_days))
            s->recent_adjuvant = true;
        if ((k & MK_OPIOID) && med_in_window(m, now, p->summary_treatment_months))
            add_med(s, PP_SUM_OPIOIDS, m);
        if ((k & MK_NON_OPIOID) && med_in_window(m, now, p->summary_treatment_months))
            add_med(s, PP_SUM_NON_OPIOIDS, m);
        if ((k & MK_BENZO) && med_in_window(m, now, p->summary_treatment_months))
            add_med(s, PP_SUM_BENZODIAZEPINES, m);
        if ((k & MK_NALOXONE) && med_in_window(m, now, p->summary_naloxone_months))
            add_med(s, PP_SUM_NALOXONE, m);
        if ((k & MK_LAXATIVE) && med_in_window(m, now, p->summary_laxative_months))
            add_med(s, PP_SUM_LAXATIVES, m);
    }
}

/* ---- conditions ---------------------------------------------------------------------- */

static unsigned risk_bits_of(unsigned kind)
{
    unsigned r = 0;
    r |= (kind & K_DEPRESSION) ? PP_SUMRISK_DEPRESSION : 0;
    r |= (kind & K_ANXIETY) ? PP_SUMRISK_ANXIETY : 0;
    r |= (kind & K_SUBSTANCE_USE) ? PP_SUMRISK_SUBSTANCE_USE : 0;
    r |= (kind & K_SUICIDE_ATTEMPT) ? PP_SUMRISK_SUICIDE_ATTEMPT : 0;
    r |= (kind & K_SLEEP_BREATHING) ? PP_SUMRISK_SLEEP_BREATHING : 0;
    r |= (kind & K_RENAL) ? PP_SUMRISK_RENAL : 0;
    r |= (kind & K_HEPATIC) ? PP_SUMRISK_HEPATIC : 0;
    r |= (kind & K_PREGNANCY) ? PP_SUMRISK_PREGNANCY : 0;
    return r;
}

static void build_conditions(struct pp_summary *s, const struct pp_record *r, pp_day now,
                             const struct pp_policy *p, const struct pp_terms *terms)
{
    for (size_t i = 0; i < r->n_conditions; i++) {
        const struct pp_condition *c = &r->conditions[i];
        unsigned kind = concept_kind(&c->code);
        uint32_t cs = terms ? pp_terms_concept(terms, &c->code) : 0;
        bool encounter = c->category && strcmp(c->category, "encounter-diagnosis") == 0;
        pp_day when = c->onset != PP_DAY_NONE ? c->onset : c->recorded;
        unsigned risk;
        struct pp_summary_item *it;

        if (cs & PP_CS_SLEEP_BREATHING)
            kind |= K_SLEEP_BREATHING;
        if (cs & (PP_CS_SUBSTANCE_MISUSE | PP_CS_OUD))
            kind |= K_SUBSTANCE_USE;
        if (!not_refuted(c))
            continue;
        if ((kind & K_CHRONIC_PAIN) && !encounter && active_or_recurring(c)) {
            it = add_item(s, PP_SUM_CHRONIC_PAIN_CONDITIONS, PP_SUMSRC_CONDITION, c->id, &c->code,
                          c->onset);
            it->status = c->clinical_status;
            it->recorded = c->recorded;
            s->has_chronic_pain_condition = true;
        }
        risk = risk_bits_of(kind);
        if (!risk)
            continue;
        if (!encounter) {
            /* S46: SUD and suicide attempt need no clinical status; pregnancy needs one and
             * the summary_pregnancy_weeks window; the others need active/recurring. */
            unsigned keep = risk & (PP_SUMRISK_SUBSTANCE_USE | PP_SUMRISK_SUICIDE_ATTEMPT);
            if (active_or_recurring(c)) {
                keep |= risk & ~(unsigned)PP_SUMRISK_PREGNANCY;
                if ((risk & PP_SUMRISK_PREGNANCY) &&
                    within_days(when, now, 7 * p->summary_pregnancy_weeks))
                    keep |= PP_SUMRISK_PREGNANCY;
            }
            risk = keep;
        } else {
            /* S46 reads encounter diagnoses without status, and never for pregnancy */
            risk &= ~(unsigned)PP_SUMRISK_PREGNANCY;
        }
        if (!risk)
            continue;
        it = add_item(s, PP_SUM_RISK_FACTORS,
                      encounter ? PP_SUMSRC_ENCOUNTER_DIAGNOSIS : PP_SUMSRC_CONDITION, c->id,
                      &c->code, encounter ? when : c->onset);
        it->status = encounter ? NULL : c->clinical_status;
        it->recorded = encounter ? PP_DAY_NONE : c->recorded;
        it->risk = risk;
        s->risk_flags |= risk;
    }
}

/* ---- observations -------------------------------------------------------------------- */

static void obs_value(struct pp_summary_item *it, const struct pp_observation *o)
{
    it->status = o->status;
    if (o->value_quantity.present) {
        it->has_value = true;
        it->value = o->value_quantity.value;
        it->unit = o->value_quantity.unit;
    }
    if (o->value_string)
        it->value_text = o->value_string;
    else if (o->value_concept.n_codings || o->value_concept.text)
        it->value_text = pp_concept_label(&o->value_concept);
    if (o->interpretation.n_codings || o->interpretation.text)
        it->interpretation = pp_concept_label(&o->interpretation);
}

/* The PEG items recorded with a PEG mean: observations of the item codes on the same day
 * (a FHIR component arrives as its own observation: see docs/cli-summary.md). */
static void peg_items(struct pp_summary_item *it, const struct pp_record *r, pp_day day)
{
    static const unsigned item_kind[PP_PEG_N] = {K_PEG_PAIN, K_PEG_ENJOYMENT, K_PEG_ACTIVITY};
    for (size_t i = 0; i < r->n_observations; i++) {
        const struct pp_observation *o = &r->observations[i];
        unsigned k;
        if (o->effective != day || !o->value_quantity.present || !verified(o))
            continue;
        k = concept_kind(&o->code);
        for (int j = 0; j < PP_PEG_N; j++) {
            if ((k & item_kind[j]) && !it->has_item[j]) {
                it->has_item[j] = true;
                it->item[j] = o->value_quantity.value;
            }
        }
    }
}

static void build_observations(struct pp_summary *s, const struct pp_record *r, pp_day now,
                               const struct pp_policy *p, const struct pp_terms *terms)
{
    const struct pp_observation *mme = NULL;
    const struct pp_observation *preg = NULL;
    for (size_t i = 0; i < r->n_observations; i++) {
        const struct pp_observation *o = &r->observations[i];
        unsigned k = concept_kind(&o->code);
        uint32_t cs = terms ? pp_terms_concept(terms, &o->code) : 0;
        struct pp_summary_item *it;
        if (!verified(o))
            continue;
        if ((k & K_PAIN_INTENSITY) &&
            within_months(o->effective, now, p->summary_assessment_months)) {
            it = add_item(s, PP_SUM_PAIN_INTENSITY, PP_SUMSRC_OBSERVATION, o->id, &o->code,
                          o->effective);
            obs_value(it, o);
        }
        if ((k & K_PEG_MEAN) && within_months(o->effective, now, p->summary_assessment_months)) {
            it = add_item(s, PP_SUM_PEG, PP_SUMSRC_OBSERVATION, o->id, &o->code, o->effective);
            obs_value(it, o);
            peg_items(it, r, o->effective);
        }
        if ((k & K_STARTBACK) && within_months(o->effective, now, p->summary_assessment_months)) {
            it =
                add_item(s, PP_SUM_STARTBACK, PP_SUMSRC_OBSERVATION, o->id, &o->code, o->effective);
            obs_value(it, o);
        }
        if ((k & K_SCREENING) && within_months(o->effective, now, p->summary_screening_months)) {
            it = add_item(s, PP_SUM_SCREENINGS, PP_SUMSRC_OBSERVATION, o->id, &o->code,
                          o->effective);
            obs_value(it, o);
            s->risk_flags |= (k & K_ALCOHOL_SCREEN) ? PP_SUMRISK_ALCOHOL_SCREEN : 0;
            s->risk_flags |= (k & K_DRUG_SCREEN) ? PP_SUMRISK_DRUG_SCREEN : 0;
        }
        if ((cs & PP_CS_UDS) && within_months(o->effective, now, p->summary_uds_months)) {
            it = add_item(s, PP_SUM_UDS, PP_SUMSRC_OBSERVATION, o->id, &o->code, o->effective);
            obs_value(it, o);
        }
        if ((k & K_MME) && o->value_quantity.present &&
            within_months(o->effective, now, p->summary_mme_months) &&
            (!mme || o->effective > mme->effective))
            mme = o;
        if ((k & K_PREGNANCY_STATUS) &&
            within_days(o->effective, now, 7 * p->summary_pregnancy_weeks) &&
            (!preg || o->effective > preg->effective))
            preg = o;
    }
    if (mme) {
        struct pp_summary_item *it =
            add_item(s, PP_SUM_MME, PP_SUMSRC_OBSERVATION, mme->id, &mme->code, mme->effective);
        obs_value(it, mme);
    }
    /* S46: a positive pregnancy status stands in when no pregnancy condition is listed */
    if (preg && !(s->risk_flags & PP_SUMRISK_PREGNANCY) &&
        pp_concept_has(&preg->value_concept, PP_SYS_SNOMED, "77386006")) {
        struct pp_summary_item *it = add_item(s, PP_SUM_RISK_FACTORS, PP_SUMSRC_OBSERVATION,
                                              preg->id, &preg->code, preg->effective);
        obs_value(it, preg);
        it->risk = PP_SUMRISK_PREGNANCY;
        s->risk_flags |= PP_SUMRISK_PREGNANCY;
    }
}

/* ---- procedures and service requests ------------------------------------------------- */

static void build_non_pharm(struct pp_summary *s, const struct pp_record *r, pp_day now,
                            const struct pp_policy *p)
{
    /* S46 ProcedurePerformance drops these statuses; ServiceRequests must be active or
     * completed */
    static const char *const bad_proc[] = {"preparation", "not-done", "entered-in-error", "unknown",
                                           NULL};
    static const char *const ok_sr[] = {"active", "completed", NULL};
    for (size_t i = 0; i < r->n_procedures; i++) {
        const struct pp_procedure *pr = &r->procedures[i];
        if (str_in(pr->status, bad_proc) || !(concept_kind(&pr->code) & K_NON_PHARM) ||
            !within_months(pr->performed, now, p->summary_treatment_months))
            continue;
        add_item(s, PP_SUM_NON_PHARM, PP_SUMSRC_PROCEDURE, pr->id, &pr->code, pr->performed)
            ->status = pr->status;
    }
    for (size_t i = 0; i < r->n_service_requests; i++) {
        const struct pp_service_request *sr = &r->service_requests[i];
        if (sr->is_draft_order || !str_in(sr->status, ok_sr) ||
            !(concept_kind(&sr->code) & K_NON_PHARM) ||
            !within_months(sr->authored, now, p->summary_treatment_months))
            continue;
        add_item(s, PP_SUM_NON_PHARM, PP_SUMSRC_SERVICE_REQUEST, sr->id, &sr->code, sr->authored)
            ->status = sr->status;
    }
}

/* ---- the summary --------------------------------------------------------------------- */

enum pp_err pp_summary_build(const struct pp_record *r, pp_day now, const struct pp_policy *p,
                             const struct pp_terms *terms, const struct pp_drug_codes *codes,
                             struct pp_summary *s)
{
    struct pp_mme_result res;
    enum pp_err rc;

    pp_summary_release(s);
    s->now = now;
    if (r->patient.birth_date != PP_DAY_NONE && r->patient.birth_date <= now)
        s->age = pp_years_between(r->patient.birth_date, now);
    s->adult = s->age >= p->summary_adult_age;

    pp_mme_result_init(&res);
    rc = pp_mme_compute(r, now, p, codes, &res);
    if (rc != PP_OK) {
        pp_mme_result_release(&res);
        return rc;
    }
    s->computed_mme = res.any_counted ? res.total : NAN;
    s->computed_mme_complete = res.complete;

    build_conditions(s, r, now, p, terms);
    /* S46 Is65orOlder, shaped as a risk factor */
    if (s->age >= p->summary_older_age) {
        struct pp_summary_item *it =
            add_item(s, PP_SUM_RISK_FACTORS, PP_SUMSRC_AGE, NULL, NULL, PP_DAY_NONE);
        it->name = "65 years or older";
        it->status = "active";
        it->risk = PP_SUMRISK_AGE_65;
        s->risk_flags |= PP_SUMRISK_AGE_65;
    }
    build_observations(s, r, now, p, terms);
    build_meds(s, &res, now, p);
    build_non_pharm(s, r, now, p);
    pp_mme_result_release(&res);

    if (s->sections[PP_SUM_BENZODIAZEPINES].n)
        s->risk_flags |= PP_SUMRISK_BENZODIAZEPINE;
    /* CLINICAL-FACTS §1.4: naloxone at >= 50 MME/day (policy naloxone_mme) */
    if ((isfinite(s->computed_mme) && s->computed_mme >= p->naloxone_mme) ||
        (s->sections[PP_SUM_MME].n && s->sections[PP_SUM_MME].items[0].value >= p->naloxone_mme))
        s->risk_flags |= PP_SUMRISK_HIGH_MME;

    /* S46 MeetsInclusionCriteria */
    s->meets_inclusion =
        s->adult && (s->has_chronic_pain_condition || s->recent_opioid || s->recent_adjuvant);
    for (int i = 0; i < PP_SUM_COUNT; i++)
        sort_list(&s->sections[i]);
    return PP_OK;
}

/* ---- findings and rules -------------------------------------------------------------- */

static const char SRC_S46[] = "CLINICAL-FACTS S46 (AHRQ CDS Connect Pain Management Summary)";
static const char SRC_MME[] = "CLINICAL-FACTS §1.4 Naloxone: offer when >= 50 MME/day";

void pp_summary_findings(const struct pp_summary *s, const struct pp_policy *p,
                         struct pp_findings *f)
{
    if (!s->meets_inclusion) {
        struct pp_finding *x = pp_findings_add(
            f, "SUMMARY-INCLUSION", PP_SEV_INFO, SRC_S46, "Outside the summary's population (%s)",
            !s->adult ? "younger than summary_adult_age or age unknown"
                      : "no chronic-pain condition and no recent opioid or adjuvant analgesic");
        pp_finding_detail(f, x,
                          "Age %d; chronic-pain condition: %s; opioid in %d days: %s; "
                          "adjuvant in %d days: %s.",
                          s->age, s->has_chronic_pain_condition ? "yes" : "no",
                          p->summary_inclusion_med_days, s->recent_opioid ? "yes" : "no",
                          p->summary_inclusion_med_days, s->recent_adjuvant ? "yes" : "no");
    }
    for (size_t i = 0; i < sizeof(risk_names) / sizeof(risk_names[0]); i++) {
        unsigned bit = risk_names[i].bit;
        struct pp_finding *x;
        if (!(s->risk_flags & bit) || bit == PP_SUMRISK_HIGH_MME)
            continue;
        x = pp_findings_add(f, "SUMMARY-RISK-FACTOR", PP_SEV_WARNING, SRC_S46,
                            "Risk factor for opioid-related harm: %s", risk_names[i].name);
        for (size_t j = 0; j < s->sections[PP_SUM_RISK_FACTORS].n; j++) {
            const struct pp_summary_item *it = &s->sections[PP_SUM_RISK_FACTORS].items[j];
            if (it->risk & bit)
                pp_finding_evidence(
                    f, x, it->source == PP_SUMSRC_OBSERVATION ? "Observation" : "Condition",
                    it->id);
        }
    }
    if (s->risk_flags & PP_SUMRISK_HIGH_MME) {
        struct pp_finding *x =
            pp_findings_add(f, "SUMMARY-HIGH-MME", PP_SEV_WARNING, SRC_MME,
                            "MME/day at or above naloxone_mme (%g)", p->naloxone_mme);
        const struct pp_summary_list *l = &s->sections[PP_SUM_MME];
        pp_finding_detail(f, x, "Computed from active orders: %s%g; most recent recorded: %s%g.",
                          isfinite(s->computed_mme) ? "" : "none ",
                          isfinite(s->computed_mme) ? s->computed_mme : 0.0, l->n ? "" : "none ",
                          l->n ? l->items[0].value : 0.0);
        if (l->n)
            pp_finding_evidence(f, x, "Observation", l->items[0].id);
    }
}

static const struct pp_rule_info rules[] = {
    {"SUMMARY-INCLUSION", "Pain summary population",
     "The summary is meant for patients aged summary_adult_age or more with a condition "
     "associated with chronic pain, or an opioid or adjuvant analgesic within "
     "summary_inclusion_med_days; others get an info finding (the summary is still built).",
     "CLINICAL-FACTS S46 MeetsInclusionCriteria (ages and windows unconfirmed by the sheet)",
     "summary_adult_age,summary_inclusion_med_days"},
    {"SUMMARY-CONDITIONS", "Conditions associated with chronic pain",
     "Active, recurring or relapsed conditions coded in the chronic-pain set (§6.2), any onset.",
     "CLINICAL-FACTS S46; §6.2 SNOMED CT and ICD-10-CM (VSAC S62 membership)", ""},
    {"SUMMARY-RISK-FACTOR", "Risk factor for opioid-related harm",
     "Depression, anxiety, renal or hepatic dysfunction and sleep-disordered breathing when "
     "active; substance use disorder and suicide attempt in any status; encounter diagnoses "
     "(as visits); pregnancy within summary_pregnancy_weeks; age summary_older_age or more. "
     "Also flagged (not listed): benzodiazepines, AUDIT/AUDIT-C and DAST-10 screens.",
     "CLINICAL-FACTS S46; §1.4 naloxone list; §6.2 Pregnant 77386006",
     "summary_older_age,summary_pregnancy_weeks"},
    {"SUMMARY-ASSESSMENTS", "Pain intensity, PEG and STarT Back",
     "Verified pain intensity (Wong-Baker 38221-8, NRS 72514-3, 38208-5), PEG mean 91147-9 with "
     "items 75893-8 / 91145-3 / 91146-1, and STarT Back 91351-7 totals within "
     "summary_assessment_months.",
     "CLINICAL-FACTS §4.1, §6.1, S46", "summary_assessment_months"},
    {"SUMMARY-TREATMENTS", "Opioid, non-opioid and non-pharmacologic treatments",
     "Opioid and non-opioid pain medication requests (active/completed/stopped) and statements "
     "(active/completed), non-pharmacologic procedures and referrals, and benzodiazepines within "
     "summary_treatment_months; stool softeners and laxatives within summary_laxative_months; "
     "naloxone within summary_naloxone_months (0 = unrestricted).",
     "CLINICAL-FACTS S46",
     "summary_treatment_months,summary_laxative_months,summary_naloxone_months"},
    {"SUMMARY-RISK-CONSIDERATIONS", "MME, urine drug screens and risk screenings",
     "The most recent recorded MME observation within summary_mme_months (and the MME/day "
     "computed from active orders), urine drug screens within summary_uds_months, PHQ-2, PHQ-9, "
     "GAD-7, AUDIT, AUDIT-C, DAST-10 and ORT totals within summary_screening_months.",
     "CLINICAL-FACTS S46; §4.10; §6.1",
     "summary_mme_months,summary_uds_months,summary_screening_months"},
    {"SUMMARY-HIGH-MME", "High MME/day",
     "Computed or most recently recorded MME/day at or above naloxone_mme.",
     "CLINICAL-FACTS §1.4 naloxone: >= 50 MME/day", "naloxone_mme"},
};

const struct pp_rule_info *pp_summary_rules(size_t *count)
{
    *count = sizeof(rules) / sizeof(rules[0]);
    return rules;
}
