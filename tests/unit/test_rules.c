/*
 * test_rules.c — every rule table of painpath at once: ids unique across the
 * whole project and carrying their module's prefix, every rule with a title,
 * a statement and a source, and every policy key it names a real key.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "clinical/opioid.h"
#include "clinical/policy.h"
#include "clinical/rules.h"

#define MAX_RULES 512

static const char *ids[MAX_RULES];
static size_t n_ids;

static void check_keys(const char *id, const char *keys, const struct pp_policy *p)
{
    const char *k = keys;
    assert_non_null(keys);
    while (*k) {
        char key[64];
        size_t len = strcspn(k, ",");
        double v;
        assert_true(len > 0 && len < sizeof(key));
        memcpy(key, k, len);
        key[len] = '\0';
        if (!pp_policy_get(p, key, &v))
            fail_msg("%s names unknown policy key '%s'", id, key);
        k += len + (k[len] == ',');
    }
}

static void check_unique(const char *id)
{
    for (size_t i = 0; i < n_ids; i++)
        if (strcmp(ids[i], id) == 0)
            fail_msg("rule id %s is used twice", id);
    assert_true(n_ids < MAX_RULES);
    ids[n_ids++] = id;
}

static void test_rules__every_table_is_complete_and_ids_unique(void **state)
{
    size_t n_mods, n_op, total = 0;
    const struct pp_rule_module *mods = pp_rule_modules(&n_mods);
    const struct pp_opioid_rule *op = pp_opioid_rules(&n_op);
    struct pp_policy p;
    (void)state;

    pp_policy_init(&p);
    n_ids = 0;
    for (size_t i = 0; i < n_op; i++) {
        check_unique(op[i].id);
        check_keys(op[i].id, op[i].policy_keys, &p);
    }
    total += n_op;
    for (size_t m = 0; m < n_mods; m++) {
        size_t n;
        const struct pp_rule_info *r = mods[m].rules(&n);
        assert_true(n > 0);
        for (size_t i = 0; i < n; i++) {
            if (strncmp(r[i].id, mods[m].id_prefix, strlen(mods[m].id_prefix)) != 0)
                fail_msg("%s: rule %s lacks the prefix %s", mods[m].module, r[i].id,
                         mods[m].id_prefix);
            assert_true(r[i].title && *r[i].title);
            assert_true(r[i].statement && *r[i].statement);
            assert_true(r[i].source && *r[i].source);
            check_unique(r[i].id);
            check_keys(r[i].id, r[i].policy_keys, &p);
        }
        printf("rules %-12s %zu\n", mods[m].module, n);
        total += n;
    }
    printf("rule tables: %zu passed, 0 failed (%zu modules + the opioid engine)\n", total, n_mods);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rules__every_table_is_complete_and_ids_unique),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
