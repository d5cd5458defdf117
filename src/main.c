/*
 * main.c — painpath's subcommand table and dispatch, and the one place cli/ and http/ meet
 * (`painpath serve`: cli parses the options, http serves).
 */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/serve.h"
#include "http/server.h"

/* `painpath serve`: cli/ parses and loads, http/ serves; main joins them (DESIGN.md:
 * main -> cli, http). */
static int run_server(const struct pp_serve_config *c)
{
    struct pp_http_env env = {c->now,     c->policy,     c->terms,   c->codes,
                              c->db_path, c->export_dir, c->security};
    struct pp_http_config hc = {c->address, c->port,         c->threads,    &env,
                                NULL,       c->tls_cert_pem, c->tls_key_pem};
    return pp_http_serve(&hc);
}

static int cmd_serve(int argc, char **argv)
{
    return pp_cmd_serve(argc, argv, run_server);
}

static const struct pp_command commands[] = {
    {"serve", cmd_serve,
     "the clinic server: FHIR R4 REST on the store, CDS Hooks, /healthz, /metrics"},
    {"mme", pp_cmd_mme, "MME per order and per patient from FHIR files"},
    {"cds", pp_cmd_cds, "run a CDS Hooks service on a request read from stdin"},
    {"check", pp_cmd_check, "all opioid-safety findings for the patients in FHIR files"},
    {"block", pp_cmd_block, "interpret a diagnostic block and its pain diary"},
    {"procedures", pp_cmd_procedures, "the procedure catalogue (CPT, region, guidance)"},
    {"imaging", pp_cmd_imaging, "appropriateness of low back / neck imaging (ACR criteria)"},
    {"credential", pp_cmd_credential, "pain-medicine qualification and procedure privileges"},
    {"eligibility", pp_cmd_eligibility, "payer eligibility of a proposed procedure"},
    {"plan", pp_cmd_plan, "propose a multimodal care plan for each patient"},
    {"summary", pp_cmd_summary, "pain management summary (conditions, risks, scores, treatments)"},
    {"score", pp_cmd_score, "score a questionnaire (PHQ-9, GAD-7, PEG, ODI, ...) or compare two"},
    {"triage", pp_cmd_triage, "referral triage: disposition, reasons, what to bring"},
    {"rules", pp_cmd_rules, "print every rule: id, statement, source, policy keys"},
    {"policy", pp_cmd_policy, "print the policy keys, their values and sources"},
    {"demo", pp_cmd_demo, "create a demo clinic in the store (practitioners, slots, patients)"},
    {"import", pp_cmd_import, "load FHIR Bundles / NDJSON / directories into the store"},
    {"export", pp_cmd_export, "write the store as NDJSON, one file per resource type"},
    {"migrate", pp_cmd_migrate, "apply the store's schema migrations"},
    {"backup", pp_cmd_backup, "online backup of the store to a file"},
    {"audit", pp_cmd_audit, "verify the audit trail's hash chain; list its records"},
    {"user", pp_cmd_user, "user accounts: add, passwd, disable, enable, unlock, list"},
    {"token", pp_cmd_token, "bearer tokens for integrations: create (shown once), list, revoke"},
    {"version", pp_cmd_version, "print the version"},
};

static void usage(FILE *out)
{
    fprintf(out, "usage: painpath COMMAND [OPTIONS] [ARGS]\n\ncommands:\n");
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
        fprintf(out, "  %-10s %s\n", commands[i].name, commands[i].help);
    fprintf(out, "\nRun 'painpath COMMAND --help' for a command's options.\n");
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
        strcmp(argv[1], "help") == 0) {
        usage(stdout);
        return 0;
    }
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
        if (strcmp(argv[1], commands[i].name) == 0)
            return commands[i].fn(argc - 1, argv + 1);
    }
    fprintf(stderr, "painpath: unknown command '%s'\n\n", argv[1]);
    usage(stderr);
    return 2;
}
