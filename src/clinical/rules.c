/*
 * rules.c — the one list of the modules' rule tables.
 */
#include "clinical/rules.h"

#include "clinical/blocks.h"
#include "clinical/candidacy.h"
#include "clinical/careplan.h"
#include "clinical/coverage.h"
#include "clinical/credential.h"
#include "clinical/imaging.h"
#include "clinical/instruments.h"
#include "clinical/summary.h"
#include "clinical/triage.h"

static const struct pp_rule_module modules[] = {
    {"instruments", "INSTR-", pp_instruments_rules}, {"triage", "TRIAGE-", pp_triage_rules},
    {"candidacy", "CANDIDACY-", pp_candidacy_rules}, {"blocks", "BLOCK-", pp_blocks_rules},
    {"coverage", "COV-", pp_coverage_rules},         {"summary", "SUMMARY-", pp_summary_rules},
    {"credential", "CRED-", pp_credential_rules},    {"imaging", "IMG-", pp_imaging_rules},
    {"careplan", "PLAN-", pp_careplan_rules},
};

const struct pp_rule_module *pp_rule_modules(size_t *count)
{
    *count = sizeof(modules) / sizeof(modules[0]);
    return modules;
}
