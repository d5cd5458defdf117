/*
 * finding.h — struct pp_finding, the one output of every rule: rule id,
 * severity, a summary under 140 characters, a markdown detail with the
 * numbers, the evidence (resource references), the CLINICAL-FACTS source and
 * suggestions. Rendered elsewhere as CDS Hooks cards, tables and letters.
 */
#ifndef PP_CLINICAL_FINDING_H
#define PP_CLINICAL_FINDING_H

#include <stddef.h>

#include "util/alloc.h"
#include "util/err.h"

enum pp_severity {
    PP_SEV_INFO,
    PP_SEV_WARNING,
    PP_SEV_CRITICAL,
};

#define PP_SUMMARY_MAX 140
#define PP_FINDING_MAX_EVIDENCE 8
#define PP_FINDING_MAX_SUGGESTIONS 4

/* What a suggestion asks the EHR to do. */
enum pp_action {
    PP_ACTION_NONE,   /* advice only */
    PP_ACTION_CREATE, /* create the resource described */
    PP_ACTION_UPDATE, /* change the draft order (e.g. shorten the supply) */
    PP_ACTION_DELETE, /* remove the draft order */
};

struct pp_suggestion {
    const char *label; /* arena-owned */
    enum pp_action action;
    const char *resource_ref;   /* "MedicationRequest/ID" the action targets, or NULL */
    const char *resource_type;  /* type to create (e.g. "MedicationRequest") or NULL */
    const char *rxnorm;         /* RxNorm code for a medication to create, or NULL */
    const char *rxnorm_display; /* its name */
    double days_supply;         /* for UPDATE of supply; <= 0 when unused */
};

struct pp_finding {
    const char *rule_id; /* static string, e.g. "CDC22-REC04" */
    enum pp_severity severity;
    char summary[PP_SUMMARY_MAX + 1];
    const char *detail; /* markdown, arena-owned */
    const char *source; /* CLINICAL-FACTS row, static, e.g. "CLINICAL-FACTS §1.4 MME >= 50" */
    const char *evidence[PP_FINDING_MAX_EVIDENCE]; /* "Type/id", arena-owned */
    size_t n_evidence;
    struct pp_suggestion suggestions[PP_FINDING_MAX_SUGGESTIONS];
    size_t n_suggestions;
};

/* A list of findings with the arena that owns their strings. */
struct pp_findings {
    struct pp_finding *items;
    size_t n, alloc;
    struct pp_arena arena;
};

void pp_findings_init(struct pp_findings *f);
void pp_findings_release(struct pp_findings *f);
/* Forget the findings but keep memory for reuse. */
void pp_findings_reset(struct pp_findings *f);

/*
 * Append a finding; summary is printf-formatted and truncated to 140 characters
 * (on a UTF-8 boundary). Returns the new finding (valid until the next add).
 */
struct pp_finding *pp_findings_add(struct pp_findings *f, const char *rule_id, enum pp_severity sev,
                                   const char *source, const char *fmt, ...) PP_PRINTF(5, 6);
/* Set the markdown detail, printf-style, copied into the arena. */
void pp_finding_detail(struct pp_findings *f, struct pp_finding *x, const char *fmt, ...)
    PP_PRINTF(3, 4);
/* Add an evidence reference "type/id" (ignored past PP_FINDING_MAX_EVIDENCE or if id NULL). */
void pp_finding_evidence(struct pp_findings *f, struct pp_finding *x, const char *type,
                         const char *id);
/* Add a suggestion and return it for the caller to fill (NULL past the maximum). */
struct pp_suggestion *pp_finding_suggest(struct pp_findings *f, struct pp_finding *x,
                                         enum pp_action action, const char *label);

/*
 * What a module says about one of its rules, for `painpath rules` and
 * docs/CLINICAL-RULES.md. Each module exports its table as
 * `const struct pp_rule_info *pp_<module>_rules(size_t *count)` (static storage).
 */
struct pp_rule_info {
    const char *id;          /* "TRIAGE-RED-FLAG", "BLOCK-MBB-POSITIVE", ... */
    const char *title;       /* short display */
    const char *statement;   /* one sentence: when it applies and what it concludes */
    const char *source;      /* CLINICAL-FACTS row(s), or DESIGN.md for practice facts */
    const char *policy_keys; /* comma-separated struct pp_policy keys it reads, or "" */
};

/* "info", "warning", "critical". */
const char *pp_severity_name(enum pp_severity s);
/* Number of findings with this rule id. */
size_t pp_findings_count_rule(const struct pp_findings *f, const char *rule_id);

#endif
