/*
 * test_drugs.c — unit tests of src/clinical/drugs.c: the RxNorm name parser (table of
 * names -> expected parse; malformed names -> error position), salts, brands, ER/LA,
 * naloxone combinations, case, the ingredient and product tables, and the code registry.
 * Cases are written by us; the third-party data runs in test_drugs_data.c.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clinical/drugs.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

struct want_ingredient {
    const char *name;
    double value;
    const char *unit;
    const char *rxcui; /* NULL: an ingredient we do not know (info == NULL) */
};

#define LA 1u
#define ER 2u
#define TD 4u  /* transdermal */
#define LIQ 8u /* liquid */
#define PACK 16u
#define RESCUE 32u /* naloxone rescue product */

struct parse_case {
    const char *input;
    struct want_ingredient ing[3];
    size_t n_ingredients;
    const char *dose_form;
    const char *brand; /* "" = none */
    double quantity_value;
    const char *quantity_unit;
    unsigned flags;       /* LA | ER | TD | LIQ | PACK | RESCUE, exactly */
    uint32_t classes;     /* must all be set */
    uint32_t not_classes; /* must all be clear */
};

/* Laid out by hand: a case per few lines, not a field per line. */
/* clang-format off */
static const struct parse_case parse_cases[] = {
    /* The brief's examples. */
    {"acetaminophen 325 MG / oxycodone hydrochloride 5 MG Oral Tablet",
     {{"acetaminophen", 325, "MG", "161"}, {"oxycodone", 5, "MG", "7804"}},
     2, "Oral Tablet", "", 0, "", 0,
     PP_DRUG_OPIOID | PP_DRUG_OPIOID_AGONIST | PP_DRUG_ACETAMINOPHEN,
     PP_DRUG_LONG_ACTING_OPIOID | PP_DRUG_BENZODIAZEPINE},
    {"72 HR fentanyl 0.05 MG/HR Transdermal System",
     {{"fentanyl", 0.05, "MG/HR", "4337"}},
     1, "Transdermal System", "", 72, "HR", LA | ER | TD,
     PP_DRUG_OPIOID_AGONIST | PP_DRUG_LONG_ACTING_OPIOID, 0},
    {"12 HR oxycodone hydrochloride 10 MG Extended Release Oral Tablet",
     {{"oxycodone", 10, "MG", "7804"}},
     1, "Extended Release Oral Tablet", "", 12, "HR", LA | ER,
     PP_DRUG_OPIOID_AGONIST | PP_DRUG_LONG_ACTING_OPIOID, 0},
    {"1 ML buprenorphine 0.3 MG/ML Injection [Buprenex]",
     {{"buprenorphine", 0.3, "MG/ML", "1819"}},
     1, "Injection", "Buprenex", 1, "ML", LIQ, PP_DRUG_OPIOID | PP_DRUG_BUPRENORPHINE,
     PP_DRUG_OPIOID_AGONIST | PP_DRUG_LONG_ACTING_OPIOID},

    /* Long-acting without "Extended Release": transdermal buprenorphine, methadone (CDC). */
    {"168 HR buprenorphine 0.01 MG/HR Transdermal System [BuTrans]",
     {{"buprenorphine", 0.01, "MG/HR", "1819"}},
     1, "Transdermal System", "BuTrans", 168, "HR", LA | ER | TD,
     PP_DRUG_BUPRENORPHINE | PP_DRUG_LONG_ACTING_OPIOID, PP_DRUG_OPIOID_AGONIST},
    {"methadone hydrochloride 10 MG Oral Tablet",
     {{"methadone", 10, "MG", "6813"}},
     1, "Oral Tablet", "", 0, "", LA,
     PP_DRUG_METHADONE | PP_DRUG_OPIOID_AGONIST | PP_DRUG_LONG_ACTING_OPIOID, 0},
    {"methadone hydrochloride 10 MG/ML Oral Solution [Methadose]",
     {{"methadone", 10, "MG/ML", "6813"}},
     1, "Oral Solution", "Methadose", 0, "", LA | LIQ, PP_DRUG_LONG_ACTING_OPIOID, 0},
    /* Immediate release stays short-acting; a transdermal non-opioid is not an LA opioid. */
    {"oxycodone hydrochloride 5 MG Oral Tablet [Roxicodone]",
     {{"oxycodone", 5, "MG", "7804"}},
     1, "Oral Tablet", "Roxicodone", 0, "", 0, PP_DRUG_OPIOID_AGONIST,
     PP_DRUG_LONG_ACTING_OPIOID},
    {"fentanyl 0.1 MG Buccal Tablet",
     {{"fentanyl", 0.1, "MG", "4337"}},
     1, "Buccal Tablet", "", 0, "", 0, PP_DRUG_OPIOID_AGONIST, PP_DRUG_LONG_ACTING_OPIOID},
    {"24 HR rivastigmine 0.192 MG/HR Transdermal System",
     {{"rivastigmine", 0.192, "MG/HR", NULL}},
     1, "Transdermal System", "", 24, "HR", LA | ER | TD, 0,
     PP_DRUG_OPIOID | PP_DRUG_LONG_ACTING_OPIOID},
    {"Abuse-Deterrent 12 HR oxycodone hydrochloride 80 MG Extended Release Oral Tablet "
     "[Oxycontin]",
     {{"oxycodone", 80, "MG", "7804"}},
     1, "Extended Release Oral Tablet", "Oxycontin", 12, "HR", LA | ER,
     PP_DRUG_LONG_ACTING_OPIOID, 0},
    {"morphine sulfate 30 MG Extended Release Oral Tablet [MS Contin]",
     {{"morphine", 30, "MG", "7052"}},
     1, "Extended Release Oral Tablet", "MS Contin", 0, "", LA | ER,
     PP_DRUG_LONG_ACTING_OPIOID, 0},

    /* Naloxone: rescue only when it is the sole active ingredient. */
    {"naloxone hydrochloride 40 MG/ML Nasal Spray [Narcan]",
     {{"naloxone", 40, "MG/ML", "7242"}},
     1, "Nasal Spray", "Narcan", 0, "", LIQ | RESCUE, PP_DRUG_OPIOID_REVERSAL, PP_DRUG_OPIOID},
    {"0.4 ML naloxone hydrochloride 5 MG/ML Auto-Injector",
     {{"naloxone", 5, "MG/ML", "7242"}},
     1, "Auto-Injector", "", 0.4, "ML", LIQ | RESCUE, PP_DRUG_OPIOID_REVERSAL, 0},
    {"buprenorphine 8 MG / naloxone 2 MG Sublingual Film [Suboxone]",
     {{"buprenorphine", 8, "MG", "1819"}, {"naloxone", 2, "MG", "7242"}},
     2, "Sublingual Film", "Suboxone", 0, "", 0,
     PP_DRUG_BUPRENORPHINE | PP_DRUG_OPIOID_REVERSAL, PP_DRUG_LONG_ACTING_OPIOID},
    {"naloxone 0.5 MG / pentazocine 50 MG Oral Tablet",
     {{"naloxone", 0.5, "MG", "7242"}, {"pentazocine", 50, "MG", "8001"}},
     2, "Oral Tablet", "", 0, "", 0, PP_DRUG_OPIOID | PP_DRUG_OPIOID_REVERSAL,
     PP_DRUG_OPIOID_AGONIST},
    {"nalmefene hydrochloride 2.7 MG/ACTUAT Nasal Spray",
     {{"nalmefene", 2.7, "MG/ACTUAT", NULL}},
     1, "Nasal Spray", "", 0, "", RESCUE, PP_DRUG_OPIOID_REVERSAL, 0},
    {"Abuse-Deterrent morphine sulfate 30 MG / naltrexone hydrochloride 1.2 MG Extended "
     "Release Oral Capsule",
     {{"morphine", 30, "MG", "7052"}, {"naltrexone", 1.2, "MG", "7243"}},
     2, "Extended Release Oral Capsule", "", 0, "", LA | ER,
     PP_DRUG_NALTREXONE | PP_DRUG_LONG_ACTING_OPIOID, PP_DRUG_OPIOID_REVERSAL},

    /* Salts and preparations map to the base ingredient. */
    {"acetaminophen 300 MG / codeine phosphate 30 MG Oral Tablet [Tylenol with Codeine]",
     {{"acetaminophen", 300, "MG", "161"}, {"codeine", 30, "MG", "2670"}},
     2, "Oral Tablet", "Tylenol with Codeine", 0, "", 0, PP_DRUG_OPIOID_AGONIST, 0},
    {"levorphanol tartrate 2 MG Oral Tablet",
     {{"levorphanol", 2, "MG", "6378"}},
     1, "Oral Tablet", "", 0, "", 0, PP_DRUG_OPIOID_AGONIST, 0},
    {"12 HR chlorpheniramine polistirex 4 MG / hydrocodone polistirex 5 MG Extended Release "
     "Oral Capsule",
     {{"chlorpheniramine", 4, "MG", NULL}, {"hydrocodone", 5, "MG", "5489"}},
     2, "Extended Release Oral Capsule", "", 12, "HR", LA | ER, PP_DRUG_LONG_ACTING_OPIOID, 0},
    {"1.5 ML morphine sulfate liposomal 10 MG/ML Injection",
     {{"morphine", 10, "MG/ML", "7052"}},
     1, "Injection", "", 1.5, "ML", LIQ, PP_DRUG_OPIOID_AGONIST, 0},
    {"opium tincture 100 MG/ML Oral Solution",
     {{"opium", 100, "MG/ML", "7676"}},
     1, "Oral Solution", "", 0, "", LIQ, PP_DRUG_OPIOID_AGONIST, 0},
    {"belladonna alkaloids 16.2 MG / opium 30 MG Rectal Suppository",
     {{"belladonna alkaloids", 16.2, "MG", NULL}, {"opium", 30, "MG", "7676"}},
     2, "Rectal Suppository", "", 0, "", 0, PP_DRUG_OPIOID_AGONIST, 0},
    {"aspirin 325 MG / oxycodone hydrochloride 4.5 MG / oxycodone terephthalate 0.38 MG Oral "
     "Tablet",
     {{"aspirin", 325, "MG", "1191"}, {"oxycodone", 4.5, "MG", "7804"},
      {"oxycodone", 0.38, "MG", "7804"}},
     3, "Oral Tablet", "", 0, "", 0, PP_DRUG_NSAID | PP_DRUG_OPIOID_AGONIST, 0},
    {"ketorolac tromethamine 10 MG Oral Tablet",
     {{"ketorolac", 10, "MG", NULL}},
     1, "Oral Tablet", "", 0, "", 0, PP_DRUG_NSAID, PP_DRUG_OPIOID},

    /* Case-insensitive, tall-man lettering, free-text habits seen in real orders. */
    {"ACETAMINOPHEN 325 MG / OXYCODONE HYDROCHLORIDE 5 MG ORAL TABLET",
     {{"acetaminophen", 325, "MG", "161"}, {"oxycodone", 5, "MG", "7804"}},
     2, "Oral Tablet", "", 0, "", 0, PP_DRUG_OPIOID_AGONIST | PP_DRUG_ACETAMINOPHEN, 0},
    {"Acetaminophen 325 MG / oxyCODONE Hydrochloride 5 MG Oral Tablet",
     {{"acetaminophen", 325, "MG", "161"}, {"oxycodone", 5, "MG", "7804"}},
     2, "Oral Tablet", "", 0, "", 0, PP_DRUG_OPIOID_AGONIST, 0},
    {"oxyCODONE HCl 10 MG 12HR Extended Release Oral Tablet",
     {{"oxycodone", 10, "MG", "7804"}},
     1, "Extended Release Oral Tablet", "", 12, "HR", LA | ER, PP_DRUG_LONG_ACTING_OPIOID, 0},
    {"  hydrocodone   bitartrate 5mg  /  acetaminophen 325 mg   oral  tablet ",
     {{"hydrocodone", 5, "MG", "5489"}, {"acetaminophen", 325, "MG", "161"}},
     2, "Oral Tablet", "", 0, "", 0, PP_DRUG_OPIOID_AGONIST, 0},
    {"paracetamol 500 MG Oral Tablet",
     {{"acetaminophen", 500, "MG", "161"}},
     1, "Oral Tablet", "", 0, "", 0, PP_DRUG_ACETAMINOPHEN, PP_DRUG_OPIOID},
    /* A clinical drug component: no dose form. A dose form we do not list: kept as written. */
    {"Acetaminophen 300 MG / HYDROcodone Bitartrate 5 MG [Vicodin]",
     {{"acetaminophen", 300, "MG", "161"}, {"hydrocodone", 5, "MG", "5489"}},
     2, "", "Vicodin", 0, "", 0, PP_DRUG_OPIOID_AGONIST, 0},
    {"oxycodone hydrochloride 5 MG",
     {{"oxycodone", 5, "MG", "7804"}},
     1, "", "", 0, "", 0, PP_DRUG_OPIOID_AGONIST, 0},
    {"Buprenorphine 2 MG / Naloxone 0.5 MG Oral Strip",
     {{"buprenorphine", 2, "MG", "1819"}, {"naloxone", 0.5, "MG", "7242"}},
     2, "Oral Strip", "", 0, "", 0, PP_DRUG_BUPRENORPHINE, 0},
    {"lidocaine 0.05 MG/MG Medicated Adhesive Patch",
     {{"lidocaine", 0.05, "MG/MG", NULL}},
     1, "Medicated Adhesive Patch", "", 0, "", 0, 0, PP_DRUG_CLASS_ALL},
    /* Ingredients with digits in their names; a strength per 5 mL is stored per mL. */
    {"Vitamin B 12 5 MG/ML Injectable Solution",
     {{"vitamin b 12", 5, "MG/ML", NULL}},
     1, "Injectable Solution", "", 0, "", LIQ, 0, PP_DRUG_CLASS_ALL},
    {"codeine phosphate 12 MG/5ML Oral Solution",
     {{"codeine", 2.4, "MG/ML", "2670"}},
     1, "Oral Solution", "", 0, "", LIQ, PP_DRUG_OPIOID_AGONIST, 0},

    /* Packs: components' ingredients once each, the pack's own brand first. */
    {"{2 (fentanyl 0.6 MG/ACTUAT Mucosal Spray [Subsys]) } Pack [Subsys 1200 MCG]",
     {{"fentanyl", 0.6, "MG/ACTUAT", "4337"}},
     1, "Pack", "Subsys 1200 MCG", 0, "", PACK, PP_DRUG_OPIOID_AGONIST, 0},
    {"{1 (0.1 ML) (diazepam 100 MG/ML Nasal Spray [Valtoco]) } Pack [Valtoco 10 MG Dose Kit]",
     {{"diazepam", 100, "MG/ML", "3322"}},
     1, "Pack", "Valtoco 10 MG Dose Kit", 0, "", PACK | LIQ, PP_DRUG_BENZODIAZEPINE, 0},
    {"{7 (24 HR lorazepam 1 MG Extended Release Oral Capsule) / 14 (24 HR lorazepam 1 MG "
     "Extended Release Oral Capsule [Loreev])} Pack",
     {{"lorazepam", 1, "MG", "6470"}},
     1, "Pack", "Loreev", 24, "HR", PACK | LA | ER, PP_DRUG_BENZODIAZEPINE,
     PP_DRUG_LONG_ACTING_OPIOID},

    /* Classes of the non-opioids a pain clinic co-prescribes. */
    {"alprazolam 0.5 MG Oral Tablet [Xanax]",
     {{"alprazolam", 0.5, "MG", "596"}},
     1, "Oral Tablet", "Xanax", 0, "", 0, PP_DRUG_BENZODIAZEPINE, PP_DRUG_CNS_DEPRESSANT},
    {"gabapentin 300 MG Oral Capsule",
     {{"gabapentin", 300, "MG", "25480"}},
     1, "Oral Capsule", "", 0, "", 0, PP_DRUG_GABAPENTINOID | PP_DRUG_CNS_DEPRESSANT,
     PP_DRUG_BENZODIAZEPINE},
    {"24 HR pregabalin 165 MG Extended Release Oral Tablet",
     {{"pregabalin", 165, "MG", "187832"}},
     1, "Extended Release Oral Tablet", "", 24, "HR", LA | ER,
     PP_DRUG_GABAPENTINOID | PP_DRUG_CNS_DEPRESSANT, PP_DRUG_LONG_ACTING_OPIOID},
    {"cyclobenzaprine hydrochloride 10 MG Oral Tablet",
     {{"cyclobenzaprine", 10, "MG", "21949"}},
     1, "Oral Tablet", "", 0, "", 0, PP_DRUG_MUSCLE_RELAXANT | PP_DRUG_CNS_DEPRESSANT, 0},
    {"aspirin 325 MG / carisoprodol 200 MG / codeine phosphate 16 MG Oral Tablet",
     {{"aspirin", 325, "MG", "1191"}, {"carisoprodol", 200, "MG", "2101"},
      {"codeine", 16, "MG", "2670"}},
     3, "Oral Tablet", "", 0, "", 0,
     PP_DRUG_NSAID | PP_DRUG_MUSCLE_RELAXANT | PP_DRUG_CNS_DEPRESSANT | PP_DRUG_OPIOID_AGONIST,
     0},
    {"tizanidine hydrochloride 4 MG Oral Tablet",
     {{"tizanidine", 4, "MG", NULL}},
     1, "Oral Tablet", "", 0, "", 0, PP_DRUG_MUSCLE_RELAXANT | PP_DRUG_CNS_DEPRESSANT, 0},
    {"acetaminophen 325 MG / butalbital 50 MG / caffeine 40 MG Oral Tablet",
     {{"acetaminophen", 325, "MG", "161"}, {"butalbital", 50, "MG", NULL},
      {"caffeine", 40, "MG", NULL}},
     3, "Oral Tablet", "", 0, "", 0, PP_DRUG_BARBITURATE | PP_DRUG_CNS_DEPRESSANT,
     PP_DRUG_OPIOID},
    {"zolpidem tartrate 10 MG Oral Tablet [Ambien]",
     {{"zolpidem", 10, "MG", NULL}},
     1, "Oral Tablet", "Ambien", 0, "", 0, PP_DRUG_Z_HYPNOTIC | PP_DRUG_CNS_DEPRESSANT,
     PP_DRUG_BENZODIAZEPINE},
    {"meloxicam 15 MG Oral Tablet",
     {{"meloxicam", 15, "MG", "41493"}},
     1, "Oral Tablet", "", 0, "", 0, PP_DRUG_NSAID, 0},
    {"duloxetine 60 MG Delayed Release Oral Capsule",
     {{"duloxetine", 60, "MG", "72625"}},
     1, "Delayed Release Oral Capsule", "", 0, "", 0, PP_DRUG_SNRI, 0},
    {"amitriptyline hydrochloride 25 MG Oral Tablet",
     {{"amitriptyline", 25, "MG", "704"}},
     1, "Oral Tablet", "", 0, "", 0, PP_DRUG_TCA, 0},
    {"naltrexone hydrochloride 50 MG Oral Tablet",
     {{"naltrexone", 50, "MG", "7243"}},
     1, "Oral Tablet", "", 0, "", 0, PP_DRUG_NALTREXONE, PP_DRUG_OPIOID_REVERSAL},
    /* A corticosteroid is systemic by mouth or injection (an epidural), not on the skin. */
    {"triamcinolone acetonide 40 MG/ML Injectable Suspension [Kenalog]",
     {{"triamcinolone", 40, "MG/ML", "10759"}},
     1, "Injectable Suspension", "Kenalog", 0, "", LIQ, PP_DRUG_SYSTEMIC_CORTICOSTEROID, 0},
    {"triamcinolone acetonide 1 MG/G Topical Cream",
     {{"triamcinolone", 1, "MG/G", "10759"}},
     1, "Topical Cream", "", 0, "", 0, 0, PP_DRUG_SYSTEMIC_CORTICOSTEROID},
    {"methylprednisolone 4 MG Oral Tablet",
     {{"methylprednisolone", 4, "MG", "6902"}},
     1, "Oral Tablet", "", 0, "", 0, PP_DRUG_SYSTEMIC_CORTICOSTEROID, 0},
};
/* clang-format on */

static void check_parse_case(const struct parse_case *pc)
{
    struct pp_drug drug;
    struct pp_diag d;
    unsigned flags = 0;
    size_t i;

    pp_diag_clear(&d);
    if (pp_drug_parse_cstr(&drug, pc->input, &d) != PP_OK)
        fail_msg("\"%s\": %s: %s", pc->input, d.where, d.what);
    if (drug.n_ingredients != pc->n_ingredients)
        fail_msg("\"%s\": %zu ingredients, want %zu", pc->input, drug.n_ingredients,
                 pc->n_ingredients);
    for (i = 0; i < pc->n_ingredients; i++) {
        const struct pp_drug_ingredient *ing = &drug.ingredients[i];
        const struct want_ingredient *w = &pc->ing[i];

        if (strcmp(ing->name, w->name) != 0 || ing->strength_value != w->value ||
            strcmp(ing->strength_unit, w->unit) != 0)
            fail_msg("\"%s\" ingredient %zu: %s %g %s, want %s %g %s", pc->input, i, ing->name,
                     ing->strength_value, ing->strength_unit, w->name, w->value, w->unit);
        if (w->rxcui) {
            if (!ing->info || !ing->info->rxcui || strcmp(ing->info->rxcui, w->rxcui) != 0)
                fail_msg("\"%s\" ingredient %s: RXCUI %s, want %s", pc->input, ing->name,
                         ing->info && ing->info->rxcui ? ing->info->rxcui : "(none)", w->rxcui);
        }
        /* The text slice points into the input and holds the name as written. */
        assert_true(ing->text.ptr >= pc->input &&
                    ing->text.ptr + ing->text.len <= pc->input + strlen(pc->input));
    }
    if (strcmp(drug.dose_form, pc->dose_form) != 0)
        fail_msg("\"%s\": dose form \"%s\", want \"%s\"", pc->input, drug.dose_form, pc->dose_form);
    if (drug.brand.len != strlen(pc->brand) ||
        memcmp(drug.brand.ptr ? drug.brand.ptr : "", pc->brand, strlen(pc->brand)) != 0)
        fail_msg("\"%s\": brand \"%.*s\", want \"%s\"", pc->input, (int)drug.brand.len,
                 drug.brand.ptr ? drug.brand.ptr : "", pc->brand);
    if (drug.quantity_value != pc->quantity_value ||
        strcmp(drug.quantity_unit, pc->quantity_unit) != 0)
        fail_msg("\"%s\": quantity %g %s, want %g %s", pc->input, drug.quantity_value,
                 drug.quantity_unit, pc->quantity_value, pc->quantity_unit);
    flags |= drug.long_acting ? LA : 0;
    flags |= drug.extended_release ? ER : 0;
    flags |= drug.transdermal ? TD : 0;
    flags |= drug.liquid ? LIQ : 0;
    flags |= drug.pack ? PACK : 0;
    flags |= pp_drug_is_naloxone_rescue(&drug) ? RESCUE : 0;
    if (flags != pc->flags)
        fail_msg("\"%s\": flags 0x%x, want 0x%x (LA 1, ER 2, TD 4, LIQ 8, PACK 16, RESCUE 32)",
                 pc->input, flags, pc->flags);
    if ((drug.classes & pc->classes) != pc->classes || (drug.classes & pc->not_classes) != 0)
        fail_msg("\"%s\": classes 0x%x, want all of 0x%x and none of 0x%x", pc->input, drug.classes,
                 pc->classes, pc->not_classes);
}

static void test_drugs__parse_table(void **state)
{
    size_t i;

    (void)state;
    for (i = 0; i < ARRAY_SIZE(parse_cases); i++)
        check_parse_case(&parse_cases[i]);
    printf("drug-name parse cases: %zu passed\n", ARRAY_SIZE(parse_cases));
}

static void test_drugs__qualifier_is_a_slice_of_the_input(void **state)
{
    static const char name[] = "Abuse-Deterrent 24 HR hydrocodone bitartrate 20 MG Extended "
                               "Release Oral Tablet [Hysingla]";
    struct pp_drug drug;
    struct pp_diag d;

    (void)state;
    assert_int_equal(pp_drug_parse_cstr(&drug, name, &d), PP_OK);
    assert_ptr_equal(drug.qualifier.ptr, name);
    assert_int_equal(drug.qualifier.len, strlen("Abuse-Deterrent"));
    assert_int_equal(drug.ingredients[0].text.len, strlen("hydrocodone bitartrate"));
    assert_memory_equal(drug.ingredients[0].text.ptr, "hydrocodone bitartrate",
                        drug.ingredients[0].text.len);
}

/* The parser reads exactly `len` bytes: what follows is never looked at. */
static void test_drugs__parse_reads_only_len_bytes(void **state)
{
    static const char text[] = "oxycodone hydrochloride 5 MG Oral Tablet [Roxicodone]###";
    size_t len = strlen(text) - 3;
    char *exact = malloc(len); /* not NUL-terminated: ASan catches a read past the end */
    struct pp_drug drug;
    struct pp_diag d;

    (void)state;
    assert_non_null(exact);
    memcpy(exact, text, len);
    assert_int_equal(pp_drug_parse(&drug, exact, len, &d), PP_OK);
    assert_int_equal(drug.brand.len, strlen("Roxicodone"));
    assert_true(drug.brand.ptr > exact && drug.brand.ptr + drug.brand.len <= exact + len);
    assert_int_equal(pp_drug_parse(&drug, text, strlen(text), &d), PP_ERR_INPUT);
    free(exact);
}

struct bad_case {
    const char *input;
    enum pp_err rc;
    const char *where;    /* "char N", 1-based */
    const char *expected; /* a phrase the message must contain */
};

/* Laid out by hand: a case per few lines, not a field per line. */
/* clang-format off */
static const struct bad_case bad_cases[] = {
    {"", PP_ERR_INPUT, "char 1", "a drug name"},
    {"   ", PP_ERR_INPUT, "char 4", "a drug name"},
    {"oxycodone Oral Tablet", PP_ERR_INPUT, "char 22", "strength"},
    {"5 MG Oral Tablet", PP_ERR_INPUT, "char 1", "ingredient name"},
    {"oxycodone 5 MGX Oral Tablet", PP_ERR_INPUT, "char 13", "strength unit"},
    {"oxycodone 5mgx Oral Tablet", PP_ERR_INPUT, "char 12", "strength unit"},
    {"oxycodone 5 MG Oral Tablet [Roxicodone", PP_ERR_INPUT, "char 39", "\"]\""},
    {"oxycodone 5 MG Oral Tablet []", PP_ERR_INPUT, "char 29", "brand name"},
    {"oxycodone 5 MG Oral Tablet]", PP_ERR_INPUT, "char 27", "dose form"},
    {"oxycodone 5 MG Oral Tablet 2", PP_ERR_INPUT, "char 28", "dose form"},
    {"oxycodone 5 MG Oral Tablet [Roxicodone] x", PP_ERR_INPUT, "char 41", "end of the name"},
    {"oxycodone 5 MG / Oral Tablet", PP_ERR_INPUT, "char 29", "strength"},
    {"acetaminophen 325 MG / 5 MG Oral Tablet", PP_ERR_INPUT, "char 24", "ingredient name"},
    {"Suboxone 2 MG / 0.5 MG Sublingual Film", PP_ERR_INPUT, "char 17", "ingredient name"},
    {"Acetaminophen/Hydrocodone", PP_ERR_INPUT, "char 26", "strength"},
    {"oxycodone 5 MG Oral Tablet\n", PP_ERR_INPUT, "char 27", "printable"},
    {"{2 (fentanyl 0.6 MG/ACTUAT Mucosal Spray) Pack", PP_ERR_INPUT, "char 43", "\"}\""},
    {"{2 (fentanyl 0.6 MG/ACTUAT Mucosal Spray) } Box", PP_ERR_INPUT, "char 45", "Pack"},
    {"{(fentanyl 0.6 MG/ACTUAT Mucosal Spray) } Pack", PP_ERR_INPUT, "char 2", "number of units"},
    {"{2 fentanyl 0.6 MG/ACTUAT Mucosal Spray } Pack", PP_ERR_INPUT, "char 4", "\"(\""},
    {"{2 (fentanyl 0.6 MG/ACTUAT Mucosal Spray } Pack", PP_ERR_INPUT, "char 42", "dose form"},
    /* 15 digits is the most a number may have: 16 is refused, not rounded. */
    {"oxycodone 1234567890123456 MG", PP_ERR_LIMIT, "char 11", "15 digits"},
};
/* clang-format on */

static void test_drugs__malformed_names_say_where(void **state)
{
    size_t i;

    (void)state;
    for (i = 0; i < ARRAY_SIZE(bad_cases); i++) {
        const struct bad_case *bc = &bad_cases[i];
        struct pp_drug drug;
        struct pp_diag d;
        enum pp_err rc;

        memset(&drug, 0xA5, sizeof(drug));
        pp_diag_clear(&d);
        rc = pp_drug_parse_cstr(&drug, bc->input, &d);
        if (rc != bc->rc)
            fail_msg("\"%s\": rc %d, want %d (%s)", bc->input, rc, bc->rc, d.what);
        if (strcmp(d.where, bc->where) != 0 || !strstr(d.what, bc->expected))
            fail_msg("\"%s\": diag \"%s: %s\", want \"%s\" and \"%s\"", bc->input, d.where, d.what,
                     bc->where, bc->expected);
        /* *out is zeroed on error. */
        assert_int_equal(drug.n_ingredients, 0);
        assert_int_equal(drug.classes, 0);
        assert_string_equal(drug.dose_form, "");
    }
    printf("malformed drug names: %zu rejected with their position\n", ARRAY_SIZE(bad_cases));
}

static void test_drugs__numbers_up_to_15_digits(void **state)
{
    struct pp_drug drug;
    struct pp_diag d;

    (void)state;
    assert_int_equal(pp_drug_parse_cstr(&drug, "oxycodone 123456789012345 MG", &d), PP_OK);
    assert_true(drug.ingredients[0].strength_value == 123456789012345.0);
    assert_int_equal(pp_drug_parse_cstr(&drug, "fentanyl 0.00000000000001 MG/HR", &d), PP_OK);
    assert_true(drug.ingredients[0].strength_value == 1e-14);
    assert_int_equal(pp_drug_parse_cstr(&drug, "fentanyl 0.000000000000001 MG/HR", &d),
                     PP_ERR_LIMIT);
}

/* Limits at, below and above: 8 ingredients, 2048 characters, 63-character names. */
static void test_drugs__limits_at_their_boundaries(void **state)
{
    char name[PP_DRUG_INPUT_MAX + 2];
    struct pp_drug drug;
    struct pp_diag d;
    size_t i, len;

    (void)state;
    len = 0;
    for (i = 0; i < PP_DRUG_MAX_INGREDIENTS; i++)
        len += (size_t)snprintf(name + len, sizeof(name) - len, "%sa%c 1 MG", i ? " / " : "",
                                (char)('a' + i));
    assert_int_equal(pp_drug_parse(&drug, name, len, &d), PP_OK);
    assert_int_equal(drug.n_ingredients, PP_DRUG_MAX_INGREDIENTS);
    len += (size_t)snprintf(name + len, sizeof(name) - len, " / zz 1 MG");
    assert_int_equal(pp_drug_parse(&drug, name, len, &d), PP_ERR_LIMIT);
    assert_non_null(strstr(d.what, "at most 8 ingredients"));

    /* Input length: 2048 accepted (trailing spaces are allowed), 2049 refused. */
    memset(name, ' ', sizeof(name));
    memcpy(name, "oxycodone 5 MG", 14);
    assert_int_equal(pp_drug_parse(&drug, name, PP_DRUG_INPUT_MAX - 1, &d), PP_OK);
    assert_int_equal(pp_drug_parse(&drug, name, PP_DRUG_INPUT_MAX, &d), PP_OK);
    assert_int_equal(pp_drug_parse(&drug, name, PP_DRUG_INPUT_MAX + 1, &d), PP_ERR_LIMIT);

    /* Ingredient names: 63 characters fit the struct, 64 do not. */
    for (len = PP_DRUG_NAME_MAX - 2; len <= PP_DRUG_NAME_MAX; len++) {
        memset(name, 'x', len);
        memcpy(name + len, " 1 MG", 6);
        assert_int_equal(pp_drug_parse_cstr(&drug, name, &d),
                         len < PP_DRUG_NAME_MAX ? PP_OK : PP_ERR_LIMIT);
        if (len < PP_DRUG_NAME_MAX)
            assert_int_equal(strlen(drug.ingredients[0].name), len);
    }
}

static void test_drugs__ingredient_lookup_by_name_and_rxcui(void **state)
{
    const struct pp_drug_ingredient_info *info;

    (void)state;
    info = pp_drug_ingredient_lookup("Oxycodone Hydrochloride", 23);
    assert_non_null(info);
    assert_string_equal(info->name, "oxycodone");
    assert_string_equal(info->rxcui, "7804");
    assert_int_equal(info->opioid, PP_OPIOID_OXYCODONE);
    info = pp_drug_ingredient_lookup("HYDROCODONE BITARTRATE", 22);
    assert_non_null(info);
    assert_int_equal(info->opioid, PP_OPIOID_HYDROCODONE);
    info = pp_drug_ingredient_lookup("gabapentin enacarbil", 20);
    assert_non_null(info);
    assert_string_equal(info->name, "gabapentin enacarbil");
    info = pp_drug_ingredient_lookup("pethidine", 9);
    assert_non_null(info);
    assert_string_equal(info->name, "meperidine");
    assert_null(pp_drug_ingredient_lookup("guaifenesin", 11));
    assert_null(pp_drug_ingredient_lookup("hydrochloride", 13)); /* a salt alone is nothing */
    assert_null(pp_drug_ingredient_lookup("", 0));
    assert_null(pp_drug_ingredient_lookup("oxycodon", 8));

    info = pp_drug_ingredient_by_rxcui("6813", 4);
    assert_non_null(info);
    assert_string_equal(info->name, "methadone");
    info = pp_drug_ingredient_by_rxcui("787390", 6);
    assert_non_null(info);
    assert_int_equal(info->opioid, PP_OPIOID_TAPENTADOL);
    assert_null(pp_drug_ingredient_by_rxcui("68130", 5));
    assert_null(pp_drug_ingredient_by_rxcui("681", 3));
    assert_null(pp_drug_ingredient_by_rxcui("0", 1));
    assert_null(pp_drug_ingredient_by_rxcui("", 0));
    assert_null(pp_drug_ingredient_by_rxcui("7804x", 5));
    assert_non_null(pp_drug_ingredient_by_rxcui("7804x", 4)); /* only len bytes are read */
}

/* The class table keeps its own rules; a slip in drugs_table.c fails here. */
static void test_drugs__ingredient_table_invariants(void **state)
{
    size_t count, i, j;
    const struct pp_drug_ingredient_info *table = pp_drug_ingredients(&count);
    const uint32_t cns_groups =
        PP_DRUG_GABAPENTINOID | PP_DRUG_MUSCLE_RELAXANT | PP_DRUG_BARBITURATE | PP_DRUG_Z_HYPNOTIC;
    unsigned opioid_seen[PP_OPIOID_COUNT] = {0};

    (void)state;
    assert_true(count > 100);
    for (i = 0; i < count; i++) {
        const struct pp_drug_ingredient_info *in = &table[i];

        if (i > 0 && strcmp(table[i - 1].name, in->name) >= 0)
            fail_msg("ingredient table not sorted at \"%s\"", in->name);
        for (j = 0; in->name[j]; j++)
            assert_false(in->name[j] >= 'A' && in->name[j] <= 'Z');
        assert_int_equal(in->classes & ~PP_DRUG_CLASS_ALL, 0);
        assert_int_equal(in->classes & PP_DRUG_LONG_ACTING_OPIOID, 0); /* product-level only */
        /* CNS depressant = gabapentinoid | muscle relaxant | barbiturate | Z-drug; the
         * benzodiazepines are their own class. */
        assert_int_equal(!!(in->classes & PP_DRUG_CNS_DEPRESSANT), !!(in->classes & cns_groups));
        if (in->classes & PP_DRUG_BENZODIAZEPINE)
            assert_int_equal(in->classes & PP_DRUG_CNS_DEPRESSANT, 0);
        if (in->classes & PP_DRUG_OPIOID_AGONIST)
            assert_true(in->classes & PP_DRUG_OPIOID);
        assert_int_equal(in->opioid != PP_OPIOID_NONE, !!(in->classes & PP_DRUG_OPIOID));
        assert_int_equal(in->opioid == PP_OPIOID_BUPRENORPHINE,
                         !!(in->classes & PP_DRUG_BUPRENORPHINE));
        assert_int_equal(in->opioid == PP_OPIOID_METHADONE, !!(in->classes & PP_DRUG_METHADONE));
        if (in->opioid != PP_OPIOID_NONE) {
            assert_true(in->opioid < PP_OPIOID_COUNT);
            opioid_seen[in->opioid]++;
            assert_string_equal(pp_drug_opioid_name(in->opioid), in->name);
        }
        if (in->rxcui) {
            assert_true(strlen(in->rxcui) > 0 &&
                        strspn(in->rxcui, "0123456789") == strlen(in->rxcui));
            assert_ptr_equal(pp_drug_ingredient_by_rxcui(in->rxcui, strlen(in->rxcui)), in);
            for (j = 0; j < i; j++)
                assert_false(table[j].rxcui && strcmp(table[j].rxcui, in->rxcui) == 0);
        }
        assert_ptr_equal(pp_drug_ingredient_lookup(in->name, strlen(in->name)), in);
    }
    /* Every opioid id has exactly one ingredient. */
    for (i = 1; i < PP_OPIOID_COUNT; i++) {
        if (opioid_seen[i] != 1)
            fail_msg("opioid %s has %u table entries", pp_drug_opioid_name((enum pp_drug_opioid)i),
                     opioid_seen[i]);
    }
    assert_string_equal(pp_drug_opioid_name(PP_OPIOID_NONE), "");
    assert_string_equal(pp_drug_opioid_name(PP_OPIOID_COUNT), "");
    for (i = 0; i < 18; i++)
        assert_true(pp_drug_class_name(1u << i)[0] != '\0');
    assert_string_equal(pp_drug_class_name(1u << 18), "");
    assert_string_equal(pp_drug_class_name(3u), "");
    assert_int_equal(PP_DRUG_CLASS_ALL, (1u << 18) - 1u);
}

static void test_drugs__product_lookup_by_code(void **state)
{
    size_t count, i;
    const struct pp_drug_product *products = pp_drug_products(&count);
    const char *name;

    (void)state;
    assert_true(count >= 100 && count <= 400);
    for (i = 1; i < count; i++) {
        if (products[i - 1].rxcui >= products[i].rxcui)
            fail_msg("product table not sorted at %u", (unsigned)products[i].rxcui);
    }
    for (i = 0; i < count; i++) {
        char code[16];
        int n = snprintf(code, sizeof(code), "%u", (unsigned)products[i].rxcui);

        assert_ptr_equal(pp_drug_product_name(code, (size_t)n), products[i].name);
    }
    name = pp_drug_product_name("1049502", 7);
    assert_non_null(name);
    assert_string_equal(name, "12 HR oxycodone hydrochloride 10 MG Extended Release Oral Tablet");
    name = pp_drug_product_name("310431", 6);
    assert_non_null(name);
    assert_string_equal(name, "gabapentin 300 MG Oral Capsule");
    name = pp_drug_product_name("1725059", 7);
    assert_non_null(name);
    assert_string_equal(name, "naloxone hydrochloride 40 MG/ML Nasal Spray");
    assert_null(pp_drug_product_name("1049503", 7));
    assert_null(pp_drug_product_name("7804", 4)); /* an ingredient code, not a product */
    assert_null(pp_drug_product_name("", 0));
    assert_null(pp_drug_product_name("0", 1));
    assert_null(pp_drug_product_name("10495O2", 7));
    assert_null(pp_drug_product_name("1234567890", 10));
}

/* A code-only order: the product table's name parses like a display would. */
static void test_drugs__product_code_to_classes(void **state)
{
    static const struct {
        const char *code;
        uint32_t classes;
        bool rescue;
    } cases[] = {
        {"197696", PP_DRUG_LONG_ACTING_OPIOID, false}, /* 72 HR fentanyl 0.075 MG/HR */
        {"1049221", PP_DRUG_OPIOID_AGONIST | PP_DRUG_ACETAMINOPHEN, false},
        {"308048", PP_DRUG_BENZODIAZEPINE, false},
        {"1725059", PP_DRUG_OPIOID_REVERSAL, true},
        {"1010603", PP_DRUG_BUPRENORPHINE | PP_DRUG_OPIOID_REVERSAL, false},
        {"483450", PP_DRUG_GABAPENTINOID, false},
        {"828348", PP_DRUG_MUSCLE_RELAXANT, false},
        {"849574", PP_DRUG_NSAID, false},
        {"1310197", PP_DRUG_OPIOID_AGONIST, false}, /* a component code, no dose form */
    };
    size_t i;

    (void)state;
    for (i = 0; i < ARRAY_SIZE(cases); i++) {
        const char *name = pp_drug_product_name(cases[i].code, strlen(cases[i].code));
        struct pp_drug drug;
        struct pp_diag d;

        if (!name)
            fail_msg("product %s missing", cases[i].code);
        assert_int_equal(pp_drug_parse_cstr(&drug, name, &d), PP_OK);
        if ((drug.classes & cases[i].classes) != cases[i].classes)
            fail_msg("product %s \"%s\": classes 0x%x, want 0x%x", cases[i].code, name,
                     drug.classes, cases[i].classes);
        assert_int_equal(pp_drug_is_naloxone_rescue(&drug), cases[i].rescue);
    }
}

static void test_drugs__codes_registry_add_and_lookup(void **state)
{
    struct pp_drug_codes codes;
    struct pp_diag d;
    char code[16];
    uint32_t i;

    (void)state;
    pp_drug_codes_init(&codes);
    assert_int_equal(pp_drug_codes_lookup(&codes, "308048", 6), 0); /* empty registry */
    assert_int_equal(pp_drug_codes_add(&codes, "308048", 6, PP_DRUG_BENZODIAZEPINE, &d), PP_OK);
    assert_int_equal(pp_drug_codes_lookup(&codes, "308048", 6), PP_DRUG_BENZODIAZEPINE);
    /* A second set naming the same code adds its classes. */
    assert_int_equal(pp_drug_codes_add(&codes, "308048", 6, PP_DRUG_CNS_DEPRESSANT, &d), PP_OK);
    assert_int_equal(pp_drug_codes_lookup(&codes, "308048", 6),
                     PP_DRUG_BENZODIAZEPINE | PP_DRUG_CNS_DEPRESSANT);
    assert_int_equal(codes.count, 1);
    assert_int_equal(pp_drug_codes_lookup(&codes, "308047", 6), 0);
    assert_int_equal(pp_drug_codes_lookup(&codes, "3080480", 7), 0);

    /* RXCUIs are 1-9 digits, never 0. */
    assert_int_equal(pp_drug_codes_add(&codes, "", 0, PP_DRUG_OPIOID, &d), PP_ERR_INPUT);
    assert_int_equal(pp_drug_codes_add(&codes, "0", 1, PP_DRUG_OPIOID, &d), PP_ERR_INPUT);
    assert_int_equal(pp_drug_codes_add(&codes, "12a", 3, PP_DRUG_OPIOID, &d), PP_ERR_INPUT);
    assert_non_null(strstr(d.what, "\"12a\""));
    assert_int_equal(pp_drug_codes_add(&codes, "123456789", 9, PP_DRUG_OPIOID, &d), PP_OK);
    assert_int_equal(pp_drug_codes_add(&codes, "1234567890", 10, PP_DRUG_OPIOID, &d), PP_ERR_INPUT);
    assert_int_equal(pp_drug_codes_lookup(&codes, "123456789", 9), PP_DRUG_OPIOID);

    /* Growth keeps every code: dense runs of RXCUIs, as value sets have. */
    for (i = 1000000; i < 1020000; i++) {
        int n = snprintf(code, sizeof(code), "%u", (unsigned)i);

        assert_int_equal(pp_drug_codes_add(&codes, code, (size_t)n, i & PP_DRUG_CLASS_ALL, &d),
                         PP_OK);
    }
    assert_int_equal(codes.count, 20002);
    for (i = 1000000; i < 1020000; i++) {
        int n = snprintf(code, sizeof(code), "%u", (unsigned)i);

        assert_int_equal(pp_drug_codes_lookup(&codes, code, (size_t)n), i & PP_DRUG_CLASS_ALL);
    }
    assert_int_equal(pp_drug_codes_lookup(&codes, "308048", 6),
                     PP_DRUG_BENZODIAZEPINE | PP_DRUG_CNS_DEPRESSANT);
    pp_drug_codes_release(&codes);
    assert_int_equal(codes.count, 0);
    assert_int_equal(pp_drug_codes_lookup(&codes, "308048", 6), 0);
    pp_drug_codes_release(&codes); /* releasing twice is harmless */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_drugs__parse_table),
        cmocka_unit_test(test_drugs__qualifier_is_a_slice_of_the_input),
        cmocka_unit_test(test_drugs__parse_reads_only_len_bytes),
        cmocka_unit_test(test_drugs__malformed_names_say_where),
        cmocka_unit_test(test_drugs__numbers_up_to_15_digits),
        cmocka_unit_test(test_drugs__limits_at_their_boundaries),
        cmocka_unit_test(test_drugs__ingredient_lookup_by_name_and_rxcui),
        cmocka_unit_test(test_drugs__ingredient_table_invariants),
        cmocka_unit_test(test_drugs__product_lookup_by_code),
        cmocka_unit_test(test_drugs__product_code_to_classes),
        cmocka_unit_test(test_drugs__codes_registry_add_and_lookup),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
