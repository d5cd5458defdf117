/*
 * fuzz_drug_name.c — libFuzzer target for pp_drug_parse (src/clinical/drugs.h), the RxNorm
 * normalized-name parser, on arbitrary bytes. Checks what drugs.h promises: no crash, no
 * read past `len` (the name is not NUL-terminated), slices inside the input, fields
 * NUL-terminated within their size, and *out zeroed on error.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "clinical/drugs.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(int ok)
{
    if (!ok)
        abort();
}

static void check_slice(struct pp_drug_slice s, const char *text, size_t size)
{
    if (s.len == 0)
        return;
    check(s.ptr >= text && s.len <= size && (size_t)(s.ptr - text) <= size - s.len);
}

/* "zeroed on error", judged field by field (padding bytes may hold anything). */
static int is_zeroed(const struct pp_drug *drug)
{
    return drug->n_ingredients == 0 && drug->dose_form[0] == '\0' && drug->brand.len == 0 &&
           drug->qualifier.len == 0 && drug->quantity_unit[0] == '\0' && drug->classes == 0 &&
           !drug->extended_release && !drug->long_acting && !drug->transdermal && !drug->liquid &&
           !drug->pack;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size ? size : 1);
    struct pp_drug drug;
    struct pp_diag d;
    enum pp_err rc;

    check(text != NULL);
    if (size)
        memcpy(text, data, size);
    memset(&drug, 0xA5, sizeof(drug));
    pp_diag_clear(&d);

    rc = pp_drug_parse(&drug, text, size, &d);
    check(memchr(d.where, '\0', sizeof(d.where)) != NULL);
    check(memchr(d.what, '\0', sizeof(d.what)) != NULL);
    if (rc == PP_OK) {
        check(drug.n_ingredients <= PP_DRUG_MAX_INGREDIENTS);
        check(memchr(drug.dose_form, '\0', sizeof(drug.dose_form)) != NULL);
        check(memchr(drug.quantity_unit, '\0', sizeof(drug.quantity_unit)) != NULL);
        check_slice(drug.brand, text, size);
        check_slice(drug.qualifier, text, size);
        check((drug.classes & ~PP_DRUG_CLASS_ALL) == 0);
        for (size_t i = 0; i < drug.n_ingredients; i++) {
            const struct pp_drug_ingredient *ing = &drug.ingredients[i];
            check(memchr(ing->name, '\0', sizeof(ing->name)) != NULL);
            check(memchr(ing->strength_unit, '\0', sizeof(ing->strength_unit)) != NULL);
            check_slice(ing->text, text, size);
        }
        (void)pp_drug_is_naloxone_rescue(&drug);
    } else {
        check(is_zeroed(&drug));
        check(d.what[0] != '\0');
    }
    free(text);
    return 0;
}
