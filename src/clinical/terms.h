/*
 * terms.h — which clinical concept sets a coded concept belongs to (active
 * cancer, sickle cell disease, hospice, urine drug screen, PDMP review...).
 * A small built-in table written by us covers the common codes; value-set
 * expansions loaded at run time (fhir/valueset.c, `--valuesets DIR`) add to it.
 * Pure: the caller owns the registry and passes it to the rules.
 */
#ifndef PP_CLINICAL_TERMS_H
#define PP_CLINICAL_TERMS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "clinical/record.h"

/* Concept sets, as bits. Medication classes live in clinical/drugs.h, not here. */
enum pp_cset {
    PP_CS_CANCER = 1u << 0,              /* malignant cancer conditions */
    PP_CS_SICKLE_CELL = 1u << 1,         /* sickle cell diseases */
    PP_CS_TERMINAL = 1u << 2,            /* conditions likely terminal / limited life expectancy */
    PP_CS_HOSPICE = 1u << 3,             /* hospice findings and procedures */
    PP_CS_END_OF_LIFE_THERAPY = 1u << 4, /* therapies indicating end-of-life care */
    PP_CS_SLEEP_BREATHING = 1u << 5,     /* sleep-disordered breathing */
    PP_CS_SUBSTANCE_MISUSE = 1u << 6,    /* substance misuse conditions */
    PP_CS_OUD = 1u << 7,                 /* opioid misuse / use disorders */
    PP_CS_UDS = 1u << 8,                 /* any urine drug screening test */
    PP_CS_UDS_OPIOID = 1u << 9,          /* opioid / opiate / synthetic-opioid screens */
    PP_CS_UDS_ILLICIT = 1u << 10,        /* cocaine, PCP, heroin, amphetamine, ... screens */
    PP_CS_PDMP_REVIEW = 1u << 11,        /* PDMP review procedure or "PDMP data reviewed" finding */
    PP_CS_PAIN_PLAN = 1u << 12,          /* pain treatment plan / pain management procedure */
    PP_CS_MISUSE_ASSESSMENT = 1u << 13,  /* opioid misuse / treatment assessment procedures */
    PP_CS_OPIOID_COUNSELING = 1u << 14,
    PP_CS_ONCOLOGY = 1u << 15, /* oncology specialty (encounter type) */
    PP_CS_OVERDOSE = 1u << 16, /* history of opioid overdose */
    PP_CS_UDS_BENZO = 1u << 17,
    PP_CS_UDS_HEROIN = 1u << 18,
    PP_CS_UDS_COCAINE = 1u << 19,
    PP_CS_UDS_PCP = 1u << 20,
    PP_CS_UDS_AMPHETAMINE = 1u << 21,
    PP_CS_UDS_SYNTHETIC_OPIOID = 1u << 22, /* fentanyl, methadone, oxycodone, ... */
    /* Added for the opioid rules (REC10 expected/unexpected results need the drug a screen
     * detects); mapped from the CDC value sets of the same names in terms.c. */
    PP_CS_UDS_CANNABINOID = 1u << 23,
    PP_CS_UDS_OPIATE = 1u << 24, /* general / opiate-specific screens (morphine, codeine...) */
    PP_CS_UDS_OXYCODONE = 1u << 25,
    PP_CS_UDS_FENTANYL = 1u << 26,
    PP_CS_UDS_METHADONE = 1u << 27,
    PP_CS_UDS_BUPRENORPHINE = 1u << 28,
};

struct pp_term_entry;

/* A registry of (system, code) -> concept-set bits. */
struct pp_terms {
    struct pp_term_entry *slots; /* open-addressing hash table */
    size_t n, cap;
    size_t n_any_system; /* entries added without a system */
};

/* An empty registry. */
void pp_terms_init(struct pp_terms *t);
/* A registry holding the built-in table (codes written by us, cited in CLINICAL-RULES.md). */
void pp_terms_init_builtin(struct pp_terms *t);
void pp_terms_release(struct pp_terms *t);
/* Add `bits` to (system, code); strings are copied. system may be NULL (matches any). */
void pp_terms_add(struct pp_terms *t, const char *system, const char *code, uint32_t bits);
/* Bits for one coding (0 when unknown). */
uint32_t pp_terms_lookup(const struct pp_terms *t, const char *system, const char *code);
/* Union of bits over a concept's codings. */
uint32_t pp_terms_concept(const struct pp_terms *t, const struct pp_concept *c);
/* The concept-set bits a value set is known by (matched on its url or name), 0 if none. */
uint32_t pp_terms_bits_for_valueset(const char *url_or_name);

#endif
