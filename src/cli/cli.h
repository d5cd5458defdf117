/*
 * cli.h — the subcommands (one file each, cli/cmd_<name>.c) and the option
 * parsing they share. A subcommand returns the process exit code:
 * 0 ok, 1 findings or failure, 2 bad input or usage.
 */
#ifndef PP_CLI_CLI_H
#define PP_CLI_CLI_H

struct pp_command {
    const char *name;
    int (*fn)(int argc, char **argv);
    const char *help;
};

int pp_cmd_mme(int argc, char **argv);
int pp_cmd_cds(int argc, char **argv);
int pp_cmd_check(int argc, char **argv);
int pp_cmd_policy(int argc, char **argv);
int pp_cmd_rules(int argc, char **argv);
int pp_cmd_triage(int argc, char **argv);
int pp_cmd_score(int argc, char **argv);
int pp_cmd_block(int argc, char **argv);
int pp_cmd_procedures(int argc, char **argv);
int pp_cmd_summary(int argc, char **argv);
int pp_cmd_credential(int argc, char **argv);
int pp_cmd_imaging(int argc, char **argv);
int pp_cmd_plan(int argc, char **argv);
int pp_cmd_eligibility(int argc, char **argv);
int pp_cmd_migrate(int argc, char **argv);
int pp_cmd_import(int argc, char **argv);
int pp_cmd_export(int argc, char **argv);
int pp_cmd_backup(int argc, char **argv);
/* `painpath audit verify|list`: exit 0 chain whole, 1 broken (naming the record), 2 usage. */
int pp_cmd_audit(int argc, char **argv);
/* `painpath demo` (docs/demo.md): exit 0 ok, 1 failure, 2 usage or a database that already
 * holds patients (without --force). */
int pp_cmd_demo(int argc, char **argv);
int pp_cmd_version(int argc, char **argv);
/* `painpath user add|passwd|disable|enable|unlock|list` and `painpath token
 * create|list|revoke` (docs/CLI.md): exit 0 ok, 1 store failure, 2 bad input naming the
 * field (unknown role, malformed username, empty password, unknown user or token...). */
int pp_cmd_user(int argc, char **argv);
int pp_cmd_token(int argc, char **argv);

#endif
