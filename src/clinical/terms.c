/*
 * terms.c — the concept-set registry: an open-addressing hash table keyed by
 * code (systems compared after the hash), plus the built-in table and the map
 * from known value-set names to concept sets. Pure.
 */
#include "clinical/terms.h"

#include <stdlib.h>
#include <string.h>

#include "util/alloc.h"

struct pp_term_entry {
    char *system;  /* NULL: any system */
    char *code;    /* NULL: empty slot */
    uint64_t hash; /* of code: most probes end on a hash mismatch, without strcmp */
    uint32_t bits;
};

static uint64_t hash_str(const char *s)
{
    uint64_t h = 1469598103934665603ull; /* FNV-1a */
    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= 1099511628211ull;
    }
    return h;
}

void pp_terms_init(struct pp_terms *t)
{
    t->slots = NULL;
    t->n = 0;
    t->cap = 0;
    t->n_any_system = 0;
}

void pp_terms_release(struct pp_terms *t)
{
    for (size_t i = 0; i < t->cap; i++) {
        free(t->slots[i].system);
        free(t->slots[i].code);
    }
    free(t->slots);
    pp_terms_init(t);
}

static bool same_system(const char *a, const char *b)
{
    if (!a || !b)
        return a == b;
    return strcmp(a, b) == 0;
}

static struct pp_term_entry *find_slot(struct pp_term_entry *slots, size_t cap, const char *system,
                                       const char *code, uint64_t h)
{
    size_t i = (size_t)h & (cap - 1);
    for (;;) {
        struct pp_term_entry *e = &slots[i];
        if (!e->code ||
            (e->hash == h && strcmp(e->code, code) == 0 && same_system(e->system, system)))
            return e;
        i = (i + 1) & (cap - 1);
    }
}

static void rehash(struct pp_terms *t, size_t cap)
{
    struct pp_term_entry *old = t->slots;
    size_t oldcap = t->cap;
    t->slots = pp_xcalloc(cap, sizeof(*t->slots));
    t->cap = cap;
    for (size_t i = 0; i < oldcap; i++) {
        if (old[i].code)
            *find_slot(t->slots, cap, old[i].system, old[i].code, old[i].hash) = old[i];
    }
    free(old);
}

void pp_terms_add(struct pp_terms *t, const char *system, const char *code, uint32_t bits)
{
    struct pp_term_entry *e;
    if (!code || !*code)
        return;
    if ((t->n + 1) * 2 > t->cap)
        rehash(t, t->cap ? t->cap * 2 : 256);
    e = find_slot(t->slots, t->cap, system, code, hash_str(code));
    if (!e->code) {
        e->code = pp_xstrdup(code);
        e->system = system ? pp_xstrdup(system) : NULL;
        e->hash = hash_str(code);
        t->n++;
        if (!system)
            t->n_any_system++;
    }
    e->bits |= bits;
}

uint32_t pp_terms_lookup(const struct pp_terms *t, const char *system, const char *code)
{
    uint32_t bits = 0;
    struct pp_term_entry *e;
    uint64_t h;
    if (!t->cap || !code)
        return 0;
    h = hash_str(code);
    e = find_slot(t->slots, t->cap, system, code, h);
    if (e->code)
        bits |= e->bits;
    if (system && t->n_any_system) {
        e = find_slot(t->slots, t->cap, NULL, code, h);
        if (e->code)
            bits |= e->bits;
    }
    return bits;
}

uint32_t pp_terms_concept(const struct pp_terms *t, const struct pp_concept *c)
{
    uint32_t bits = 0;
    for (size_t i = 0; i < c->n_codings; i++)
        bits |= pp_terms_lookup(t, c->codings[i].system, c->codings[i].code);
    return bits;
}

/* Value sets painpath knows by name (the CDC opioid CDS knowledge base's names and urls). */
static const struct {
    const char *name;
    uint32_t bits;
} known_valuesets[] = {
    {"cdc-malignant-cancer-conditions", PP_CS_CANCER},
    {"sickle-cell-diseases", PP_CS_SICKLE_CELL},
    {"conditions-likely-terminal-for-opioid-prescribing", PP_CS_TERMINAL},
    {"limited-life-expectancy-conditions", PP_CS_TERMINAL},
    {"hospice-finding", PP_CS_HOSPICE},
    {"hospice-procedure", PP_CS_HOSPICE},
    {"hospice-disposition", PP_CS_HOSPICE}, /* Encounter dischargeDisposition (opioid rules) */
    {"therapies-indicating-end-of-life-care", PP_CS_END_OF_LIFE_THERAPY},
    {"conditions-documenting-sleep-disordered-breathing", PP_CS_SLEEP_BREATHING},
    {"conditions-documenting-substance-misuse", PP_CS_SUBSTANCE_MISUSE},
    {"opioid-misuse-disorders", PP_CS_OUD},
    {"all-urine-drug-screening-tests", PP_CS_UDS},
    {"opioid-urine-drug-screening", PP_CS_UDS | PP_CS_UDS_OPIOID},
    {"general-opiate-urine-drug-screening-tests", PP_CS_UDS | PP_CS_UDS_OPIOID | PP_CS_UDS_OPIATE},
    {"opiate-specific-urine-drug-screening-tests", PP_CS_UDS | PP_CS_UDS_OPIOID | PP_CS_UDS_OPIATE},
    {"synthetic-opioid-urine-drug-screening-tests",
     PP_CS_UDS | PP_CS_UDS_OPIOID | PP_CS_UDS_SYNTHETIC_OPIOID},
    {"fentanyl-type-urine-drug-screening-tests",
     PP_CS_UDS | PP_CS_UDS_OPIOID | PP_CS_UDS_SYNTHETIC_OPIOID | PP_CS_UDS_FENTANYL},
    {"oxycodone-urine-drug-screening-tests",
     PP_CS_UDS | PP_CS_UDS_OPIOID | PP_CS_UDS_SYNTHETIC_OPIOID | PP_CS_UDS_OXYCODONE},
    {"methadone-urine-drug-screening-tests",
     PP_CS_UDS | PP_CS_UDS_OPIOID | PP_CS_UDS_SYNTHETIC_OPIOID | PP_CS_UDS_METHADONE},
    {"buprenorphine-urine-drug-screening-tests",
     PP_CS_UDS | PP_CS_UDS_OPIOID | PP_CS_UDS_SYNTHETIC_OPIOID | PP_CS_UDS_BUPRENORPHINE},
    {"heroin-urine-drug-screening-tests", PP_CS_UDS | PP_CS_UDS_ILLICIT | PP_CS_UDS_HEROIN},
    {"cocaine-urine-drug-screening-tests", PP_CS_UDS | PP_CS_UDS_ILLICIT | PP_CS_UDS_COCAINE},
    {"phencyclidine-urine-drug-screening-tests", PP_CS_UDS | PP_CS_UDS_ILLICIT | PP_CS_UDS_PCP},
    {"amphetamine-urine-drug-screening-tests",
     PP_CS_UDS | PP_CS_UDS_ILLICIT | PP_CS_UDS_AMPHETAMINE},
    {"benzodiazepine-urine-drug-screening-tests", PP_CS_UDS | PP_CS_UDS_BENZO},
    {"barbiturate-urine-drug-screening-tests", PP_CS_UDS},
    {"cannabinoid-urine-drug-screening-tests", PP_CS_UDS | PP_CS_UDS_CANNABINOID},
    {"xylazine-urine-drug-screening-tests", PP_CS_UDS},
    {"non-opioid-urine-drug-screening", PP_CS_UDS},
    {"pdmp-review-procedure", PP_CS_PDMP_REVIEW},
    {"pdmp-data-reviewed-finding", PP_CS_PDMP_REVIEW},
    {"pain-treatment-plan", PP_CS_PAIN_PLAN},
    {"pain-management-procedure", PP_CS_PAIN_PLAN},
    {"opioid-misuse-assessment-procedure", PP_CS_MISUSE_ASSESSMENT},
    {"opioid-treatment-assessment-procedure", PP_CS_MISUSE_ASSESSMENT},
    {"opioid-counseling-procedure", PP_CS_OPIOID_COUNSELING},
    {"substance-misuse-behavioral-counseling", PP_CS_OPIOID_COUNSELING},
    {"oncology-specialty-designations", PP_CS_ONCOLOGY},
};

uint32_t pp_terms_bits_for_valueset(const char *url_or_name)
{
    const char *base;
    size_t blen;
    if (!url_or_name)
        return 0;
    base = strrchr(url_or_name, '/');
    base = base ? base + 1 : url_or_name;
    blen = strlen(base);
    if (blen > 5 && strcmp(base + blen - 5, ".json") == 0)
        blen -= 5;
    for (size_t i = 0; i < sizeof(known_valuesets) / sizeof(known_valuesets[0]); i++) {
        if (strlen(known_valuesets[i].name) == blen &&
            strncmp(known_valuesets[i].name, base, blen) == 0)
            return known_valuesets[i].bits;
    }
    return 0;
}

/*
 * The built-in table: a few codes for each concept the CDC 2022 checks need
 * (each also appears in the CDC opioid CDS value set of the same concept).
 * Everything else comes from value sets loaded at run time.
 */
static const struct {
    const char *system;
    const char *code;
    uint32_t bits;
} builtin[] = {
    /* sickle cell disease: ICD-10-CM D57.x, SNOMED 417357006 */
    {PP_SYS_SNOMED, "417357006", PP_CS_SICKLE_CELL},
    {PP_SYS_ICD10CM, "D57.00", PP_CS_SICKLE_CELL},
    {PP_SYS_ICD10CM, "D57.1", PP_CS_SICKLE_CELL},
    {PP_SYS_ICD10CM, "D57.20", PP_CS_SICKLE_CELL},
    /* hospice: 305336008 admission to hospice (procedure), 170935008 full care by hospice */
    {PP_SYS_SNOMED, "305336008", PP_CS_HOSPICE},
    {PP_SYS_SNOMED, "170935008", PP_CS_HOSPICE},
    /* opioid use disorder: ICD-10-CM F11.x, SNOMED 5602001 (opioid abuse) */
    {PP_SYS_ICD10CM, "F11.10", PP_CS_OUD | PP_CS_SUBSTANCE_MISUSE},
    {PP_SYS_ICD10CM, "F11.20", PP_CS_OUD | PP_CS_SUBSTANCE_MISUSE},
    {PP_SYS_SNOMED, "5602001", PP_CS_OUD | PP_CS_SUBSTANCE_MISUSE},
    /* obstructive sleep apnea: SNOMED 78275009, ICD-10-CM G47.33 */
    {PP_SYS_SNOMED, "78275009", PP_CS_SLEEP_BREATHING},
    {PP_SYS_ICD10CM, "G47.33", PP_CS_SLEEP_BREATHING},
    /* urine drug screens (LOINC) */
    {PP_SYS_LOINC, "19295-5",
     PP_CS_UDS | PP_CS_UDS_OPIOID | PP_CS_UDS_OPIATE}, /* opiates screen, urine */
    {PP_SYS_LOINC, "3397-7", PP_CS_UDS | PP_CS_UDS_ILLICIT | PP_CS_UDS_COCAINE},
    {PP_SYS_LOINC, "3426-4", PP_CS_UDS | PP_CS_UDS_CANNABINOID}, /* tetrahydrocannabinol */
    /* PDMP review: SNOMED procedure 461621000124108 and situation 461651000124104 */
    {PP_SYS_SNOMED, "461621000124108", PP_CS_PDMP_REVIEW},
    {PP_SYS_SNOMED, "461651000124104", PP_CS_PDMP_REVIEW},
    /* added for the opioid rules: SNOMED 191865004 combined opioid with non-opioid drug
     * dependence (an OUD code the CDC REC12 example uses; absent from the 2022
     * opioid-misuse-disorders expansion) */
    {PP_SYS_SNOMED, "191865004", PP_CS_OUD | PP_CS_SUBSTANCE_MISUSE},
};

void pp_terms_init_builtin(struct pp_terms *t)
{
    pp_terms_init(t);
    for (size_t i = 0; i < sizeof(builtin) / sizeof(builtin[0]); i++)
        pp_terms_add(t, builtin[i].system, builtin[i].code, builtin[i].bits);
}
