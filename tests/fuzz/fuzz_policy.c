/*
 * fuzz_policy.c — libFuzzer target for pp_policy_load_json (src/clinical/policy.h) on
 * arbitrary bytes. Checks what policy.h promises: no crash, no read past `len`, the policy
 * left unchanged on error, and every documented key still readable afterwards.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "clinical/policy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(int ok)
{
    if (!ok)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size ? size : 1);
    struct pp_policy policy, before;
    struct pp_diag d;
    enum pp_err rc;

    check(text != NULL);
    if (size)
        memcpy(text, data, size);
    memset(&policy, 0, sizeof(policy));
    pp_policy_init(&policy);
    memcpy(&before, &policy, sizeof(policy));
    pp_diag_clear(&d);

    rc = pp_policy_load_json(&policy, text, size, "fuzz", &d);
    check(memchr(d.where, '\0', sizeof(d.where)) != NULL);
    check(memchr(d.what, '\0', sizeof(d.what)) != NULL);
    if (rc != PP_OK) {
        check(memcmp(&policy, &before, sizeof(policy)) == 0);
        check(d.what[0] != '\0');
    }
    for (size_t i = 0; i < pp_policy_key_count(); i++) {
        const struct pp_policy_key *k = pp_policy_key_at(i);
        double value;
        check(k != NULL && k->key != NULL);
        check(pp_policy_get(&policy, k->key, &value));
    }
    free(text);
    return 0;
}
