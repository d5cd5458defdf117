/*
 * drugs.h — the drug knowledge of painpath: parsing RxNorm normalized drug names,
 * the built-in ingredient and product tables, drug classes, and a run-time
 * code->class registry filled from value sets. Pure: no I/O, no clock, no mutable globals.
 */
#ifndef PP_CLINICAL_DRUGS_H
#define PP_CLINICAL_DRUGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/err.h"

#define PP_DRUG_MAX_INGREDIENTS 8
#define PP_DRUG_NAME_MAX 64    /* normalized ingredient name, incl. NUL */
#define PP_DRUG_UNIT_MAX 16    /* "MG/ACTUAT", incl. NUL */
#define PP_DRUG_FORM_MAX 48    /* "Extended Release Oral Tablet", incl. NUL */
#define PP_DRUG_INPUT_MAX 2048 /* longest drug name accepted by the parser */

/*
 * Drug class bits. The classes of a product are the union over its ingredients
 * (see pp_drug_is_naloxone_rescue for the one place where that is not enough).
 */
#define PP_DRUG_OPIOID (1u << 0)         /* any opioid, agonist or not */
#define PP_DRUG_OPIOID_AGONIST (1u << 1) /* full mu agonist analgesic, counted in MME */
#define PP_DRUG_BUPRENORPHINE (1u << 2)
#define PP_DRUG_METHADONE (1u << 3)
#define PP_DRUG_BENZODIAZEPINE (1u << 4)
#define PP_DRUG_GABAPENTINOID (1u << 5)
#define PP_DRUG_MUSCLE_RELAXANT (1u << 6)
#define PP_DRUG_BARBITURATE (1u << 7)
#define PP_DRUG_Z_HYPNOTIC (1u << 8)       /* zolpidem, zaleplon, eszopiclone */
#define PP_DRUG_CNS_DEPRESSANT (1u << 9)   /* gabapentinoid | muscle relaxant | barbiturate | Z */
#define PP_DRUG_OPIOID_REVERSAL (1u << 10) /* naloxone, nalmefene (also inside combinations) */
#define PP_DRUG_NALTREXONE (1u << 11)
#define PP_DRUG_NSAID (1u << 12)
#define PP_DRUG_SYSTEMIC_CORTICOSTEROID (1u << 13) /* not set for topical, inhaled, ... forms */
#define PP_DRUG_SNRI (1u << 14)
#define PP_DRUG_TCA (1u << 15)
#define PP_DRUG_ACETAMINOPHEN (1u << 16)
#define PP_DRUG_LONG_ACTING_OPIOID (1u << 17) /* product-level: an ER/LA opioid (CDC) */
#define PP_DRUG_CLASS_ALL ((1u << 18) - 1u)

/* The opioid an ingredient is; PP_OPIOID_NONE for every non-opioid. */
enum pp_drug_opioid {
    PP_OPIOID_NONE = 0,
    PP_OPIOID_ALFENTANIL,
    PP_OPIOID_BENZHYDROCODONE,
    PP_OPIOID_BUPRENORPHINE,
    PP_OPIOID_BUTORPHANOL,
    PP_OPIOID_CODEINE,
    PP_OPIOID_DEXTROMORAMIDE,
    PP_OPIOID_DIHYDROCODEINE,
    PP_OPIOID_DIPIPANONE,
    PP_OPIOID_FENTANYL,
    PP_OPIOID_HEROIN,
    PP_OPIOID_HYDROCODONE,
    PP_OPIOID_HYDROMORPHONE,
    PP_OPIOID_LEVOMETHADYL,
    PP_OPIOID_LEVORPHANOL,
    PP_OPIOID_MEPERIDINE,
    PP_OPIOID_MEPTAZINOL,
    PP_OPIOID_METHADONE,
    PP_OPIOID_MORPHINE,
    PP_OPIOID_NALBUPHINE,
    PP_OPIOID_OPIUM,
    PP_OPIOID_OXYCODONE,
    PP_OPIOID_OXYMORPHONE,
    PP_OPIOID_PENTAZOCINE,
    PP_OPIOID_PHOLCODINE,
    PP_OPIOID_PROPOXYPHENE,
    PP_OPIOID_REMIFENTANIL,
    PP_OPIOID_SUFENTANIL,
    PP_OPIOID_TAPENTADOL,
    PP_OPIOID_TRAMADOL,
    PP_OPIOID_COUNT
};

/* A built-in ingredient (static, never freed). */
struct pp_drug_ingredient_info {
    const char *name;  /* RxNorm ingredient (IN) name, lower case: "oxycodone" */
    const char *rxcui; /* RxNorm IN RXCUI ("7804"), or NULL where not confirmed */
    enum pp_drug_opioid opioid;
    uint32_t classes; /* PP_DRUG_* bits */
};

/* A view into the caller's input; not NUL-terminated. len == 0 means absent. */
struct pp_drug_slice {
    const char *ptr;
    size_t len;
};

struct pp_drug_ingredient {
    /* Built-in entry for this ingredient, or NULL when it is not one we know ("guaifenesin"). */
    const struct pp_drug_ingredient_info *info;
    /* Base ingredient, lower case, salt dropped: "oxycodone" for "oxycodone hydrochloride". */
    char name[PP_DRUG_NAME_MAX];
    /* The name as written, salt included; borrows the input. */
    struct pp_drug_slice text;
    /* 5 in "5 MG"; per mL for a "per N mL" strength (see pp_drug_parse). */
    double strength_value;
    /* Upper case: "MG", "MG/ML", "MG/HR", "MG/ACTUAT". */
    char strength_unit[PP_DRUG_UNIT_MAX];
};

struct pp_drug {
    struct pp_drug_ingredient ingredients[PP_DRUG_MAX_INGREDIENTS];
    size_t n_ingredients;
    /* RxNorm dose form in RxNorm's casing ("Extended Release Oral Tablet"), "Pack" for a
     * pack, "" when the name has none (a clinical drug component such as "oxycodone 5 MG"). */
    char dose_form[PP_DRUG_FORM_MAX];
    /* "Buprenex" from "[Buprenex]"; for a pack its own brand, else its first component's. */
    struct pp_drug_slice brand;
    /* A leading qualitative distinction: "Abuse-Deterrent", "Matrix Delivery", ... */
    struct pp_drug_slice qualifier;
    /* The leading quantity factor: 72 "HR" in "72 HR ...", 1 "ML" in "1 ML ..."; 0 and "". */
    double quantity_value;
    char quantity_unit[PP_DRUG_UNIT_MAX];
    /* Union over the ingredients' classes (PP_DRUG_*), less a corticosteroid in a local
     * form, plus PP_DRUG_LONG_ACTING_OPIOID for an ER/LA opioid. */
    uint32_t classes;
    /* An "Extended Release" form, or an "N HR" quantity factor. */
    bool extended_release;
    /* ER/LA (CDC 2022): extended release, a fentanyl or buprenorphine transdermal system,
     * or methadone in any form. */
    bool long_acting;
    bool transdermal; /* a "Transdermal" dose form */
    bool liquid;      /* some strength is per mL */
    bool pack;        /* "{...} Pack" */
};

/*
 * Parse an RxNorm normalized drug name (SCD, SBD, GPCK/BPCK pack, or a clinical drug
 * component without a dose form) into *out. Grammar, case-insensitive:
 *
 *   [qualifier] [N HR|N ML|N ACTUAT] ingredient NUM UNIT (/ ingredient NUM UNIT)* [form] [[brand]]
 *   {N [(N ML)] (product) (/ N (product))* } Pack [[brand]]
 *
 * Ingredient names map to the base ingredient ("morphine sulfate" -> "morphine"); units are
 * MG, MCG, G, UNT, MEQ, MMOL, ML, % and those per ML, HR, ACTUAT, MG, G, DAY, CM2, L. A
 * "per N mL" strength ("12 MG/5ML") is stored per mL (2.4 MG/ML). `len` bytes of `name` are
 * read; `name` need not be NUL-terminated. No allocation; *out borrows `name` through its
 * slices (text, brand, qualifier), so `name` must outlive them.
 *
 * Errors: PP_ERR_INPUT when the name does not follow the grammar (diag->where is "char N",
 * 1-based, and diag->what says what was expected there); PP_ERR_LIMIT when it holds more
 * than PP_DRUG_MAX_INGREDIENTS ingredients or a part is longer than its field. *out is
 * zeroed on error.
 */
PP_MUST_CHECK enum pp_err pp_drug_parse(struct pp_drug *out, const char *name, size_t len,
                                        struct pp_diag *diag);

/* pp_drug_parse on a NUL-terminated string. */
PP_MUST_CHECK enum pp_err pp_drug_parse_cstr(struct pp_drug *out, const char *name,
                                             struct pp_diag *diag);

/*
 * True when the product is a naloxone rescue product: every active ingredient is an
 * opioid reversal agent (naloxone or nalmefene). Buprenorphine/naloxone and
 * pentazocine/naloxone carry PP_DRUG_OPIOID_REVERSAL in their classes but are not rescue
 * products; ask this function, not the class bit.
 */
bool pp_drug_is_naloxone_rescue(const struct pp_drug *drug);

/*
 * The built-in ingredient called `name` (case-insensitive; a salt such as "hydrochloride"
 * or "bitartrate" and a few synonyms such as "paracetamol" are accepted), or NULL.
 * Borrows `name`; the result is static.
 */
const struct pp_drug_ingredient_info *pp_drug_ingredient_lookup(const char *name, size_t len);

/* The built-in ingredient with RxNorm IN RXCUI `rxcui` (digits), or NULL. Static result. */
const struct pp_drug_ingredient_info *pp_drug_ingredient_by_rxcui(const char *rxcui, size_t len);

/* The whole built-in ingredient table, sorted by name; *count receives its length. */
const struct pp_drug_ingredient_info *pp_drug_ingredients(size_t *count);

/* Lower-case name of an opioid id ("oxycodone"); "" for PP_OPIOID_NONE or out of range. */
const char *pp_drug_opioid_name(enum pp_drug_opioid opioid);

/* Short name of one class bit ("benzodiazepine"); "" when `class_bit` is not one bit we define. */
const char *pp_drug_class_name(uint32_t class_bit);

/* A built-in product: an RxNorm SCD/SBD/pack code and its normalized name. */
struct pp_drug_product {
    uint32_t rxcui;
    const char *name;
};

/*
 * The normalized name of the built-in product with RXCUI `rxcui` (digits), for an order
 * that carries a code but no display; NULL when the code is not in the table. Static.
 */
const char *pp_drug_product_name(const char *rxcui, size_t len);

/* The whole built-in product table, sorted by rxcui; *count receives its length. */
const struct pp_drug_product *pp_drug_products(size_t *count);

/*
 * A run-time code -> class registry: (RXCUI, PP_DRUG_* bits) pairs that the caller adds,
 * e.g. from value-set expansions. Open-addressing hash on the numeric RXCUI.
 * Zero-initialise or pp_drug_codes_init before use; pp_drug_codes_release frees the table.
 */
struct pp_drug_codes {
    uint32_t *keys;    /* 0 = empty slot */
    uint32_t *classes; /* parallel to keys */
    size_t cap;        /* power of two, or 0 */
    size_t count;
};

#define PP_DRUG_CODES_MAX ((size_t)1 << 22) /* codes a registry holds at most */

void pp_drug_codes_init(struct pp_drug_codes *codes);
void pp_drug_codes_release(struct pp_drug_codes *codes);

/*
 * Add `classes` to the code `rxcui` ({ptr,len}, 1-9 decimal digits, not 0). Adding a code
 * twice ORs the classes. Allocates via util/alloc.h (aborts on out-of-memory).
 * Errors: PP_ERR_INPUT for a code that is not an RXCUI; PP_ERR_LIMIT past PP_DRUG_CODES_MAX.
 */
PP_MUST_CHECK enum pp_err pp_drug_codes_add(struct pp_drug_codes *codes, const char *rxcui,
                                            size_t len, uint32_t classes, struct pp_diag *diag);

/* The classes registered for `rxcui`, 0 when it is absent or not an RXCUI. */
uint32_t pp_drug_codes_lookup(const struct pp_drug_codes *codes, const char *rxcui, size_t len);

#endif
