/*
 * cmd_rules.c — `painpath rules [--format table|json|markdown]`: every rule
 * id with its statement, CLINICAL-FACTS source, policy keys and hooks. The
 * markdown form is the rule table of docs/CLINICAL-RULES.md.
 */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "clinical/opioid.h"
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

int pp_cmd_rules(int argc, char **argv)
{
    const char *format = "table";
    size_t n;
    const struct pp_opioid_rule *rules = pp_opioid_rules(&n);
    char hooks[128];

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
            hooks_text(rules[i].hooks, hooks, sizeof(hooks));
            pp_buf_adds(&b, ", \"hooks\": ");
            pp_buf_add_json_str(&b, hooks);
            pp_buf_adds(&b, "}");
        }
        pp_buf_adds(&b, "]\n");
        fputs(b.data, stdout);
        pp_buf_release(&b);
    } else if (strcmp(format, "markdown") == 0) {
        printf("| rule id | statement | source | policy keys | hooks |\n");
        printf("|---|---|---|---|---|\n");
        for (size_t i = 0; i < n; i++) {
            hooks_text(rules[i].hooks, hooks, sizeof(hooks));
            printf("| `%s` | ", rules[i].id);
            md_cell(rules[i].statement);
            printf(" | ");
            md_cell(rules[i].source);
            printf(" | ");
            md_cell(rules[i].policy_keys[0] ? rules[i].policy_keys : "-");
            printf(" | %s |\n", hooks);
        }
    } else if (strcmp(format, "table") == 0) {
        for (size_t i = 0; i < n; i++) {
            hooks_text(rules[i].hooks, hooks, sizeof(hooks));
            printf("%-24s %s\n%-24s %s\n%-24s source: %s\n%-24s keys: %s\n%-24s hooks: %s\n\n",
                   rules[i].id, rules[i].title, "", rules[i].statement, "", rules[i].source, "",
                   rules[i].policy_keys[0] ? rules[i].policy_keys : "-", "", hooks);
        }
    } else {
        fprintf(stderr, "painpath rules: --format: expected table, json or markdown, got '%s'\n",
                format);
        return 2;
    }
    return 0;
}
