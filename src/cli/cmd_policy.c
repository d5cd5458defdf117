/*
 * cmd_policy.c — `painpath policy [--policy FILE] [--format table|json]`:
 * every threshold key with its value, unit and CLINICAL-FACTS source.
 */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/common.h"
#include "util/buf.h"

static void usage(FILE *out)
{
    fprintf(out, "usage: painpath policy [--policy FILE] [--format table|json|markdown]\n"
                 "Prints every threshold painpath uses: key, value, unit, source.\n");
}

int pp_cmd_policy(int argc, char **argv)
{
    struct pp_cli_opts o;
    int rc = 0;

    pp_cli_opts_init(&o);
    for (int i = 1; i < argc; i++) {
        int t;
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            usage(stdout);
            goto out;
        }
        if (strcmp(argv[i], "--format=markdown") == 0 ||
            (strcmp(argv[i], "--format") == 0 && i + 1 < argc &&
             strcmp(argv[i + 1], "markdown") == 0)) {
            o.markdown = true;
            i += argv[i][8] == '\0';
            continue;
        }
        t = pp_cli_opts_take(&o, argc, argv, &i, "policy");
        if (t < 0) {
            rc = 2;
            goto out;
        }
        if (t == 0) {
            fprintf(stderr, "painpath policy: unexpected argument '%s'\n", argv[i]);
            usage(stderr);
            rc = 2;
            goto out;
        }
    }
    if (pp_cli_opts_load(&o, "policy")) {
        rc = 2;
        goto out;
    }
    if (o.format == PP_FORMAT_JSON) {
        struct pp_buf b;
        pp_buf_init(&b, PP_BUF_UNLIMITED);
        pp_buf_adds(&b, "{");
        for (size_t i = 0; i < pp_policy_key_count(); i++) {
            const struct pp_policy_key *k = pp_policy_key_at(i);
            double v = 0;
            if (!pp_policy_get(&o.policy, k->key, &v))
                continue;
            pp_buf_adds(&b, i ? ", " : "");
            pp_buf_add_json_str(&b, k->key);
            pp_buf_adds(&b, ": ");
            if (strcmp(k->key, "mme_table") == 0)
                pp_buf_adds(&b, v == 2016 ? "\"cdc2016\"" : "\"cdc2022\"");
            else
                pp_buf_add_num2(&b, v);
        }
        pp_buf_adds(&b, "}\n");
        fputs(b.data, stdout);
        pp_buf_release(&b);
        goto out;
    }
    if (o.markdown) {
        printf("| key | default | unit | meaning | source |\n|---|---|---|---|---|\n");
        for (size_t i = 0; i < pp_policy_key_count(); i++) {
            const struct pp_policy_key *k = pp_policy_key_at(i);
            double v = 0;
            if (!pp_policy_get(&o.policy, k->key, &v))
                continue;
            printf("| `%s` | ", k->key);
            if (strcmp(k->key, "mme_table") == 0)
                printf("%s", v == 2016 ? "cdc2016" : "cdc2022");
            else
                printf("%g", v);
            printf(" | %s | %s | %s%s |\n", k->unit, k->meaning, k->source,
                   k->unconfirmed ? " **(unconfirmed: configurable)**" : "");
        }
        goto out;
    }
    printf("%-32s %-10s %-16s %s\n", "KEY", "VALUE", "UNIT", "SOURCE");
    for (size_t i = 0; i < pp_policy_key_count(); i++) {
        const struct pp_policy_key *k = pp_policy_key_at(i);
        double v = 0;
        if (!pp_policy_get(&o.policy, k->key, &v))
            continue;
        if (strcmp(k->key, "mme_table") == 0)
            printf("%-32s %-10s %-16s %s\n", k->key, v == 2016 ? "cdc2016" : "cdc2022", k->unit,
                   k->source);
        else
            printf("%-32s %-10g %-16s %s%s\n", k->key, v, k->unit, k->source,
                   k->unconfirmed ? " [unconfirmed: configurable]" : "");
    }
out:
    pp_cli_opts_release(&o);
    return rc;
}
