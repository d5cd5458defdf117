/*
 * cmd_rules.c — `painpath rules [--format table|json|markdown]`: every rule
 * id with its statement, CLINICAL-FACTS source, policy keys and hooks. The
 * markdown form is the rule table of docs/CLINICAL-RULES.md.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "clinical/opioid.h"
#include "clinical/rules.h"
#include "util/alloc.h"
#include "util/buf.h"

static void usage(FILE *out)
{
    fprintf(out, "usage: painpath rules [--format table|json|markdown]\n"
                 "Prints every rule: id, statement, source, policy keys, hooks.\n");
}

static void hooks_text(unsigned hooks, char *out, size_t size)
{
    size_t n = 0;
    out[0] = '\0';
    for (int h = PP_OPIOID_PATIENT_VIEW; h <= PP_OPIOID_ORDER_SIGN; h++) {
        if (!(hooks & PP_OPIOID_HOOK_BIT(h)))
            continue;
        n += (size_t)snprintf(out + n, n < size ? size - n : 0, "%s%s", n ? ", " : "",
                              pp_opioid_hook_name((enum pp_opioid_hook)h));
        if (n >= size)
            break;
    }
}

/* Markdown table cell: '|' would end the cell. */
static void md_cell(const char *s)
{
    for (; *s; s++) {
        if (*s == '|')
            fputs("\\|", stdout);
        else
            putchar(*s);
    }
}

/* One rule of any module, as printed. */
struct row {
    const char *id, *title, *statement, *source, *policy_keys;
    char hooks[128];
};

/* Every rule: the opioid engine's (which run on CDS hooks), then each module's. */
static struct row *all_rules(size_t *n)
{
    size_t n_op, total, k = 0, n_mods;
    const struct pp_opioid_rule *op = pp_opioid_rules(&n_op);
    const struct pp_rule_module *mods;
    struct row *rows;

    total = n_op;
    mods = pp_rule_modules(&n_mods);
    for (size_t t = 0; t < n_mods; t++) {
        size_t c;
        mods[t].rules(&c);
        total += c;
    }
    rows = pp_xcalloc(total + 1, sizeof(*rows));
    for (size_t i = 0; i < n_op; i++, k++) {
        rows[k] = (struct row){op[i].id,     op[i].title,       op[i].statement,
                               op[i].source, op[i].policy_keys, ""};
        hooks_text(op[i].hooks, rows[k].hooks, sizeof(rows[k].hooks));
    }
    for (size_t t = 0; t < n_mods; t++) {
        size_t c;
        const struct pp_rule_info *r = mods[t].rules(&c);
        for (size_t i = 0; i < c; i++, k++) {
            rows[k] = (struct row){r[i].id,     r[i].title,       r[i].statement,
                                   r[i].source, r[i].policy_keys, "-"};
            snprintf(rows[k].hooks, sizeof(rows[k].hooks), "-");
        }
    }
    *n = total;
    return rows;
}

int pp_cmd_rules(int argc, char **argv)
{
    const char *format = "table";
    size_t n;
    struct row *rules;

    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            usage(stdout);
            return 0;
        }
        if (strcmp(argv[i], "--format") == 0 && i + 1 < argc) {
            format = argv[++i];
        } else if (strncmp(argv[i], "--format=", 9) == 0) {
            format = argv[i] + 9;
        } else {
            fprintf(stderr, "painpath rules: unexpected argument '%s'\n", argv[i]);
            usage(stderr);
            return 2;
        }
    }
    if (strcmp(format, "json") != 0 && strcmp(format, "markdown") != 0 &&
        strcmp(format, "table") != 0) {
        fprintf(stderr, "painpath rules: --format: expected table, json or markdown, got '%s'\n",
                format);
        return 2;
    }
    rules = all_rules(&n);
    if (strcmp(format, "json") == 0) {
        struct pp_buf b;
        pp_buf_init(&b, PP_BUF_UNLIMITED);
        pp_buf_adds(&b, "[");
        for (size_t i = 0; i < n; i++) {
            pp_buf_adds(&b, i ? ",\n {\"id\": " : "{\"id\": ");
            pp_buf_add_json_str(&b, rules[i].id);
            pp_buf_adds(&b, ", \"title\": ");
            pp_buf_add_json_str(&b, rules[i].title);
            pp_buf_adds(&b, ", \"statement\": ");
            pp_buf_add_json_str(&b, rules[i].statement);
            pp_buf_adds(&b, ", \"source\": ");
            pp_buf_add_json_str(&b, rules[i].source);
            pp_buf_adds(&b, ", \"policy_keys\": ");
            pp_buf_add_json_str(&b, rules[i].policy_keys);
            pp_buf_adds(&b, ", \"hooks\": ");
            pp_buf_add_json_str(&b, rules[i].hooks);
            pp_buf_adds(&b, "}");
        }
        pp_buf_adds(&b, "]\n");
        fputs(b.data, stdout);
        pp_buf_release(&b);
    } else if (strcmp(format, "markdown") == 0) {
        printf("| rule id | statement | source | policy keys | hooks |\n");
        printf("|---|---|---|---|---|\n");
        for (size_t i = 0; i < n; i++) {
            printf("| `%s` | ", rules[i].id);
            md_cell(rules[i].statement);
            printf(" | ");
            md_cell(rules[i].source);
            printf(" | ");
            md_cell(rules[i].policy_keys[0] ? rules[i].policy_keys : "-");
            printf(" | %s |\n", rules[i].hooks);
        }
    } else {
        for (size_t i = 0; i < n; i++)
            printf("%-24s %s\n%-24s %s\n%-24s source: %s\n%-24s keys: %s\n%-24s hooks: %s\n\n",
                   rules[i].id, rules[i].title, "", rules[i].statement, "", rules[i].source, "",
                   rules[i].policy_keys[0] ? rules[i].policy_keys : "-", "", rules[i].hooks);
    }
    free(rules);
    return 0;
}
