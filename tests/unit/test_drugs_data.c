/*
 * test_drugs_data.c — src/clinical/drugs.c run against third-party data in
 * $PP_SHARED_DATA: the NLM RxNorm opioid ingredient extract (912 rows) and the CDC opioid
 * CDS value sets (cqframework/opioid-cds-r4). Prints pass counts for the ctest log; fails
 * loudly when PP_SHARED_DATA is unset. Reads the data in place, never copies it.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clinical/drugs.h"

#define TSV_ROWS 912

/* Read a whole file; caller frees. Fails the test when it cannot. */
static char *read_file(const char *rel, size_t *len_out)
{
    const char *root = getenv("PP_SHARED_DATA");
    char path[1024];
    FILE *f;
    char *buf;
    long len;

    if (!root || !*root)
        fail_msg("PP_SHARED_DATA is not set: it must name ../shared/data (the third-party "
                 "test data); this test never skips");
    snprintf(path, sizeof(path), "%s/%s", root, rel);
    f = fopen(path, "rb");
    if (!f)
        fail_msg("cannot open %s", path);
    assert_int_equal(fseek(f, 0, SEEK_END), 0);
    len = ftell(f);
    assert_true(len >= 0);
    assert_int_equal(fseek(f, 0, SEEK_SET), 0);
    buf = malloc((size_t)len + 1);
    assert_non_null(buf);
    assert_int_equal(fread(buf, 1, (size_t)len, f), (size_t)len);
    buf[len] = '\0';
    fclose(f);
    if (len_out)
        *len_out = (size_t)len;
    return buf;
}

static bool ci_equal(const char *a, const char *b)
{
    for (; *a && *b; a++, b++) {
        int x = (*a >= 'A' && *a <= 'Z') ? *a + 32 : *a;
        int y = (*b >= 'A' && *b <= 'Z') ? *b + 32 : *b;

        if (x != y)
            return false;
    }
    return *a == *b;
}

/* ---- (a) the RxNorm opioid ingredient rows ---- */

/*
 * Rows whose expected values are wrong upstream, kept in the run and reported. None so
 * far: every one of the 912 rows agrees with its own drug_name. A row added here must say
 * why the upstream value is wrong.
 */
static const struct {
    const char *drug_rxcui;
    const char *reason;
} tsv_expected_to_differ[] = {
    {"", ""}, /* placeholder: the table is empty */
};

static const char *tsv_expected_reason(const char *rxcui)
{
    size_t i;

    for (i = 0; i < sizeof(tsv_expected_to_differ) / sizeof(tsv_expected_to_differ[0]); i++) {
        if (tsv_expected_to_differ[i].drug_rxcui[0] &&
            strcmp(tsv_expected_to_differ[i].drug_rxcui, rxcui) == 0)
            return tsv_expected_to_differ[i].reason;
    }
    return NULL;
}

enum {
    COL_DRUG_RXCUI,
    COL_DRUG_NAME,
    COL_FORM_RXCUI,
    COL_FORM,
    COL_ING_RXCUI,
    COL_ING,
    COL_STRENGTH,
    COL_VALUE,
    COL_UNIT,
    N_COLS
};

/* Split one TSV line in place into N_COLS fields; false when the count is wrong. */
static bool split_tsv(char *line, char *fields[N_COLS])
{
    size_t n = 0;
    char *p = line;

    for (;;) {
        char *tab = strchr(p, '\t');

        if (n >= N_COLS)
            return false;
        fields[n++] = p;
        if (!tab)
            break;
        *tab = '\0';
        p = tab + 1;
    }
    return n == N_COLS;
}

/* Why a row fails, or NULL when it passes. */
static const char *check_tsv_row(char *const f[N_COLS], char *why, size_t why_len)
{
    struct pp_drug drug;
    struct pp_diag d;
    double want_value = strtod(f[COL_VALUE], NULL);
    size_t i;
    bool name_seen = false;

    pp_diag_clear(&d);
    if (pp_drug_parse_cstr(&drug, f[COL_DRUG_NAME], &d) != PP_OK) {
        snprintf(why, why_len, "parse failed: %s: %s", d.where, d.what);
        return why;
    }
    if (!(drug.classes & PP_DRUG_OPIOID) || (drug.classes & PP_DRUG_BENZODIAZEPINE)) {
        snprintf(why, why_len, "classes 0x%x: not an opioid, or a benzodiazepine", drug.classes);
        return why;
    }
    if (strcmp(drug.dose_form, f[COL_FORM]) != 0) {
        snprintf(why, why_len, "dose form \"%s\", want \"%s\"", drug.dose_form, f[COL_FORM]);
        return why;
    }
    /* A multi-ingredient product lists one opioid ingredient: it must be among ours. */
    for (i = 0; i < drug.n_ingredients; i++) {
        const struct pp_drug_ingredient *ing = &drug.ingredients[i];

        if (!ci_equal(ing->name, f[COL_ING]))
            continue;
        name_seen = true;
        if (!ing->info || !ing->info->rxcui || strcmp(ing->info->rxcui, f[COL_ING_RXCUI]) != 0)
            continue;
        if (ing->strength_value == want_value && strcmp(ing->strength_unit, f[COL_UNIT]) == 0)
            return NULL;
    }
    if (!name_seen)
        snprintf(why, why_len, "no ingredient named \"%s\" among %zu parsed", f[COL_ING],
                 drug.n_ingredients);
    else
        snprintf(why, why_len, "%s found, but not with RXCUI %s and strength %s %s", f[COL_ING],
                 f[COL_ING_RXCUI], f[COL_VALUE], f[COL_UNIT]);
    return why;
}

static void test_drugs__rxnorm_ingredient_rows(void **state)
{
    char *text = read_file("rxnorm/opioid-drug-ingredients.tsv", NULL);
    char *line = text, *next;
    size_t rows = 0, passed = 0, expected_differ = 0, line_no = 0;

    (void)state;
    for (; line && *line; line = next) {
        char *fields[N_COLS];
        char why[1024];
        const char *fail_reason, *known;

        next = strchr(line, '\n');
        if (next)
            *next++ = '\0';
        line_no++;
        if (line_no == 1)
            continue; /* header */
        if (line[0] == '\0')
            continue;
        if (line[strlen(line) - 1] == '\r')
            line[strlen(line) - 1] = '\0';
        if (!split_tsv(line, fields))
            fail_msg("rxnorm/opioid-drug-ingredients.tsv:%zu: expected %d columns", line_no,
                     N_COLS);
        rows++;
        fail_reason = check_tsv_row(fields, why, sizeof(why));
        known = tsv_expected_reason(fields[COL_DRUG_RXCUI]);
        if (!fail_reason) {
            passed++;
            if (known)
                printf("  row %zu (%s): passes but is listed as expected to differ (%s)\n", line_no,
                       fields[COL_DRUG_RXCUI], known);
        } else if (known) {
            expected_differ++;
            printf("  row %zu (%s) differs as expected: %s [%s]\n", line_no, fields[COL_DRUG_RXCUI],
                   fail_reason, known);
        } else {
            printf("  FAIL row %zu (%s) \"%s\": %s\n", line_no, fields[COL_DRUG_RXCUI],
                   fields[COL_DRUG_NAME], fail_reason);
        }
    }
    printf("rxnorm ingredient rows (NLM RxNorm via CDC opioid CDS, 2020-10-20): %zu/%d passed",
           passed, TSV_ROWS);
    if (expected_differ)
        printf(", %zu expected to differ", expected_differ);
    printf("\n");
    free(text);
    assert_int_equal(rows, TSV_ROWS);
    assert_int_equal(passed + expected_differ, TSV_ROWS);
}

/* ---- (b) the CDC opioid CDS value sets ---- */

typedef bool (*vs_agrees_fn)(const struct pp_drug *drug);

static bool is_benzodiazepine(const struct pp_drug *drug)
{
    return (drug->classes & PP_DRUG_BENZODIAZEPINE) != 0;
}

/* Every member holds naloxone; it is a rescue product exactly when it holds no opioid. */
static bool is_naloxone_product(const struct pp_drug *drug)
{
    bool opioid = (drug->classes & PP_DRUG_OPIOID) != 0;

    return (drug->classes & PP_DRUG_OPIOID_REVERSAL) && pp_drug_is_naloxone_rescue(drug) == !opioid;
}

static bool is_er_la_opioid(const struct pp_drug *drug)
{
    return (drug->classes & PP_DRUG_LONG_ACTING_OPIOID) && drug->long_acting;
}

static bool is_buprenorphine(const struct pp_drug *drug)
{
    return (drug->classes & (PP_DRUG_BUPRENORPHINE | PP_DRUG_OPIOID)) ==
           (PP_DRUG_BUPRENORPHINE | PP_DRUG_OPIOID);
}

static bool is_methadone(const struct pp_drug *drug)
{
    return (drug->classes & PP_DRUG_METHADONE) && (drug->classes & PP_DRUG_OPIOID_AGONIST) &&
           drug->long_acting;
}

static bool is_barbiturate(const struct pp_drug *drug)
{
    return (drug->classes & (PP_DRUG_BARBITURATE | PP_DRUG_CNS_DEPRESSANT)) ==
           (PP_DRUG_BARBITURATE | PP_DRUG_CNS_DEPRESSANT);
}

static bool is_buprenorphine_or_methadone(const struct pp_drug *drug)
{
    return (drug->classes & (PP_DRUG_BUPRENORPHINE | PP_DRUG_METHADONE)) != 0;
}

static bool is_opioid(const struct pp_drug *drug)
{
    return (drug->classes & PP_DRUG_OPIOID) != 0;
}

static bool is_oxycodone(const struct pp_drug *drug)
{
    size_t i;

    for (i = 0; i < drug->n_ingredients; i++) {
        if (drug->ingredients[i].info && drug->ingredients[i].info->opioid == PP_OPIOID_OXYCODONE)
            return (drug->classes & PP_DRUG_OPIOID_AGONIST) != 0;
    }
    return false;
}

/*
 * Documented disagreements between a value set and our classification: (set, code,
 * reason). A disagreement not in this table fails the test; so does a floor not met.
 * None remain: every member of the sets below is classified as the set says.
 */
static const struct {
    const char *set;
    const char *code;
    const char *reason;
} vs_disagreements[] = {
    {"", "", ""}, /* placeholder: the table is empty */
};

static const char *vs_disagreement_reason(const char *set, const char *code)
{
    size_t i;

    for (i = 0; i < sizeof(vs_disagreements) / sizeof(vs_disagreements[0]); i++) {
        if (vs_disagreements[i].set[0] && strcmp(vs_disagreements[i].set, set) == 0 &&
            strcmp(vs_disagreements[i].code, code) == 0)
            return vs_disagreements[i].reason;
    }
    return NULL;
}

/*
 * The value sets checked, what membership means in our terms, and the floor: the number
 * of members that must agree (the set size less the documented disagreements above).
 */
static const struct {
    const char *set;
    const char *meaning;
    vs_agrees_fn agrees;
    size_t floor;
} value_sets[] = {
    {"benzodiazepine-medications", "PP_DRUG_BENZODIAZEPINE", is_benzodiazepine, 207},
    {"naloxone-medications", "naloxone; rescue product iff no opioid", is_naloxone_product, 50},
    {"extended-release-opioid-with-ambulatory-misuse-potential", "ER/LA opioid", is_er_la_opioid,
     183},
    {"buprenorphine-medications", "PP_DRUG_BUPRENORPHINE", is_buprenorphine, 83},
    {"methadone-medications", "PP_DRUG_METHADONE, long-acting", is_methadone, 16},
    /* Beyond the brief: more evidence for the parser and the class table. */
    {"barbiturate-medications", "PP_DRUG_BARBITURATE", is_barbiturate, 119},
    {"buprenorphine-and-methadone-medications", "buprenorphine or methadone",
     is_buprenorphine_or_methadone, 85},
    {"opioid-analgesics-with-ambulatory-misuse-potential", "PP_DRUG_OPIOID", is_opioid, 557},
    {"oxycodone-medications", "oxycodone ingredient", is_oxycodone, 96},
};

/* Agreement of one value set; prints the count and each disagreement. */
static void check_value_set(size_t index, size_t *total_out)
{
    char rel[256];
    char *text;
    cJSON *root, *contains, *item;
    size_t total = 0, agree = 0, documented = 0;
    const char *set = value_sets[index].set;

    snprintf(rel, sizeof(rel), "valuesets/%s.json", set);
    text = read_file(rel, NULL);
    root = cJSON_Parse(text);
    assert_non_null(root);
    contains = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(root, "expansion"),
                                                "contains");
    assert_true(cJSON_IsArray(contains));
    cJSON_ArrayForEach(item, contains)
    {
        const cJSON *code = cJSON_GetObjectItemCaseSensitive(item, "code");
        const cJSON *display = cJSON_GetObjectItemCaseSensitive(item, "display");
        struct pp_drug drug;
        struct pp_diag d;
        const char *reason;
        bool ok;

        assert_true(cJSON_IsString(code) && cJSON_IsString(display));
        total++;
        pp_diag_clear(&d);
        ok = pp_drug_parse_cstr(&drug, display->valuestring, &d) == PP_OK &&
             value_sets[index].agrees(&drug);
        if (ok) {
            agree++;
            continue;
        }
        reason = vs_disagreement_reason(set, code->valuestring);
        if (reason)
            documented++;
        printf("  %s %s %s \"%s\": %s%s%s\n", reason ? "documented" : "DISAGREES", set,
               code->valuestring, display->valuestring, d.what[0] ? d.what : "not classified so",
               reason ? " -- " : "", reason ? reason : "");
    }
    printf("valueset %s: %zu/%zu agree (%s)\n", set, agree, total, value_sets[index].meaning);
    cJSON_Delete(root);
    free(text);
    *total_out = total;
    assert_true(agree + documented == total);
    assert_true(agree >= value_sets[index].floor);
}

static void test_drugs__valueset_classification_agrees(void **state)
{
    size_t i, total;

    (void)state;
    for (i = 0; i < sizeof(value_sets) / sizeof(value_sets[0]); i++) {
        check_value_set(i, &total);
        /* The floors are the full sets: a grown set must be looked at, not silently passed. */
        if (value_sets[i].floor)
            assert_int_equal(total, value_sets[i].floor);
    }
}

/* Our product table against the data it was taken from: same names for the same codes. */
static void test_drugs__product_table_matches_sources(void **state)
{
    static const char *const sets[] = {"benzodiazepine-medications", "naloxone-medications"};
    char *text = read_file("rxnorm/opioid-drug-ingredients.tsv", NULL);
    char *line = text, *next;
    size_t n_products, i, checked = 0, mismatched = 0;
    const struct pp_drug_product *products = pp_drug_products(&n_products);

    (void)state;
    for (; line && *line; line = next) {
        char *fields[N_COLS];
        const char *ours;

        next = strchr(line, '\n');
        if (next)
            *next++ = '\0';
        if (!split_tsv(line, fields))
            continue;
        ours = pp_drug_product_name(fields[COL_DRUG_RXCUI], strlen(fields[COL_DRUG_RXCUI]));
        if (!ours)
            continue;
        checked++;
        if (strcmp(ours, fields[COL_DRUG_NAME]) != 0) {
            mismatched++;
            printf("  product %s: ours \"%s\", RxNorm \"%s\"\n", fields[COL_DRUG_RXCUI], ours,
                   fields[COL_DRUG_NAME]);
        }
    }
    free(text);
    for (i = 0; i < sizeof(sets) / sizeof(sets[0]); i++) {
        char rel[256];
        cJSON *root, *item;

        snprintf(rel, sizeof(rel), "valuesets/%s.json", sets[i]);
        text = read_file(rel, NULL);
        root = cJSON_Parse(text);
        assert_non_null(root);
        cJSON_ArrayForEach(item,
                           cJSON_GetObjectItemCaseSensitive(
                               cJSON_GetObjectItemCaseSensitive(root, "expansion"), "contains"))
        {
            const char *code = cJSON_GetObjectItemCaseSensitive(item, "code")->valuestring;
            const char *display = cJSON_GetObjectItemCaseSensitive(item, "display")->valuestring;
            const char *ours = pp_drug_product_name(code, strlen(code));

            if (!ours)
                continue;
            checked++;
            if (strcmp(ours, display) != 0) {
                mismatched++;
                printf("  product %s: ours \"%s\", value set \"%s\"\n", code, ours, display);
            }
        }
        cJSON_Delete(root);
        free(text);
    }
    /* Every row must parse and name at least one ingredient we classify. */
    for (i = 0; i < n_products; i++) {
        struct pp_drug drug;
        struct pp_diag d;
        size_t k;
        bool known = false;

        pp_diag_clear(&d);
        if (pp_drug_parse_cstr(&drug, products[i].name, &d) != PP_OK) {
            mismatched++;
            printf("  product %u \"%s\" does not parse: %s\n", (unsigned)products[i].rxcui,
                   products[i].name, d.what);
            continue;
        }
        for (k = 0; k < drug.n_ingredients; k++)
            known = known || drug.ingredients[k].info != NULL;
        if (!known || !drug.classes) {
            mismatched++;
            printf("  product %u \"%s\" has no classified ingredient\n",
                   (unsigned)products[i].rxcui, products[i].name);
        }
    }
    printf("product table: %zu rows, all parsed; %zu cross-checked against RxNorm/value-set "
           "names; %zu mismatched\n",
           n_products, checked, mismatched);
    assert_int_equal(mismatched, 0);
    /* All but the gabapentinoid/NSAID/antidepressant rows come from those sources. */
    assert_true(checked >= 250);
}

/* The registry loaded from a value set answers for every member and nothing else. */
static void test_drugs__codes_registry_from_value_set(void **state)
{
    char *text = read_file("valuesets/benzodiazepine-medications.json", NULL);
    cJSON *root = cJSON_Parse(text), *item, *contains;
    struct pp_drug_codes codes;
    struct pp_diag d;
    size_t members = 0, found = 0;

    (void)state;
    assert_non_null(root);
    contains = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(root, "expansion"),
                                                "contains");
    pp_drug_codes_init(&codes);
    cJSON_ArrayForEach(item, contains)
    {
        const char *code = cJSON_GetObjectItemCaseSensitive(item, "code")->valuestring;

        assert_int_equal(pp_drug_codes_add(&codes, code, strlen(code), PP_DRUG_BENZODIAZEPINE, &d),
                         PP_OK);
        members++;
    }
    cJSON_ArrayForEach(item, contains)
    {
        const char *code = cJSON_GetObjectItemCaseSensitive(item, "code")->valuestring;

        if (pp_drug_codes_lookup(&codes, code, strlen(code)) == PP_DRUG_BENZODIAZEPINE)
            found++;
    }
    printf("registry: %zu/%zu benzodiazepine-medications codes found after loading\n", found,
           members);
    assert_int_equal(found, members);
    assert_int_equal(codes.count, members);
    /* An opioid code is not a benzodiazepine. */
    assert_int_equal(pp_drug_codes_lookup(&codes, "1049502", 7), 0);
    pp_drug_codes_release(&codes);
    cJSON_Delete(root);
    free(text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_drugs__rxnorm_ingredient_rows),
        cmocka_unit_test(test_drugs__valueset_classification_agrees),
        cmocka_unit_test(test_drugs__product_table_matches_sources),
        cmocka_unit_test(test_drugs__codes_registry_from_value_set),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
