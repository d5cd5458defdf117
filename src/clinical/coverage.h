/*
 * coverage.h — payer eligibility of a proposed procedure: the procedure (catalogue entry,
 * levels, side, guidance, date) and the patient's history (pain onset, conservative care,
 * imaging, psychological evaluation, prior procedures with their relief, an SCS trial) are
 * checked against a table of criteria rows (data: the Medicare LCD family by default, or a
 * payer's JSON table) -> eligible, eligible on a date (time is the only obstacle), or not,
 * with every unmet criterion named. Pure: no I/O, no clock; the caller reads files.
 */
#ifndef PP_CLINICAL_COVERAGE_H
#define PP_CLINICAL_COVERAGE_H

#include <stdbool.h>
#include <stddef.h>

#include "clinical/finding.h"
#include "clinical/policy.h"
#include "clinical/procedures.h"
#include "util/alloc.h"
#include "util/date.h"
#include "util/err.h"

#define PP_COV_MAX_LEVELS 8
#define PP_COV_MAX_KEYS 4

/* What a criterion row checks; each kind reads its policy keys in the order given. */
enum pp_cov_kind {
    PP_COV_PAIN_DAYS,         /* keys: days. Pain onset at least `days` before the date */
    PP_COV_PAIN_MONTHS,       /* keys: months. The same in calendar months */
    PP_COV_CONSERVATIVE,      /* keys: [days]. Conservative care failed (for >= days) */
    PP_COV_IMAGING,           /* keys: none. Imaging done on or before the date */
    PP_COV_GUIDE_CONTRAST,    /* none. Fluoroscopy/CT with contrast; ultrasound only with
                               * contrast allergy or pregnancy */
    PP_COV_GUIDE_NO_US,       /* none. Fluoroscopy or CT; ultrasound never */
    PP_COV_MAX_LEVELS_KIND,   /* keys: max. Distinct levels in the session */
    PP_COV_MAX_REGIONS,       /* keys: max. Spinal regions in the session */
    PP_COV_NOT_BILATERAL,     /* none. Never bilateral */
    PP_COV_MAX_SESSIONS,      /* keys: max, window months (0: lifetime). Prior sessions of
                               * `prior` in the region within the window, plus this one */
    PP_COV_MIN_INTERVAL,      /* keys: days. Since the latest prior of `prior` in the region */
    PP_COV_PREVIOUS_POSITIVE, /* keys: pct, window months. The latest prior of `prior` in the
                               * region within the window gave >= pct relief */
    PP_COV_POSITIVE_BLOCKS,   /* keys: count, pct, [reblock months]. At least `count` priors
                               * of `prior` in the region gave >= pct relief; with reblock
                               * months only for a first procedure of the proposal's family
                               * or one >= reblock months after the last (blocks after it) */
    PP_COV_REPEAT_RELIEF,     /* keys: pct, months, function pct, [reblock months]. The latest
                               * prior of `prior` in the region gave >= pct relief for >=
                               * months, or >= function pct improvement */
    PP_COV_REPEAT_OR_RETRY,   /* keys: pct, months, function pct, retry days. As above, or the
                               * only prior failed and this one is >= retry days later with a
                               * different approach, level or drug */
    PP_COV_SAME_SCALE,        /* none. Baseline pain and function scales documented; each
                               * prior's follow-up on the same scale */
    PP_COV_PROVOCATION,       /* keys: min. Positive provocation tests */
    PP_COV_PSYCH_EVAL,        /* none. Psychological evaluation on or before the date */
    PP_COV_OTHER_FAILED,      /* none. Other modalities tried and failed or unsuitable */
    PP_COV_TRIAL_SUCCESS,     /* keys: relief pct, medication reduction pct (latest trial) */
    PP_COV_TRIAL_LENGTH,      /* keys: min days (latest trial) */
    PP_COV_NOT_COVERED,       /* none. Never covered */
    PP_COV_KIND_COUNT
};

/*
 * One criterion row. `family` names the proposals it applies to: a procedure family
 * ("esi-tf", "facet-rfa", "sij-injection", "scs-implant"...), a group ("esi", "facet", "sij",
 * "scs") or a group and purpose ("facet-diagnostic", "sij-therapeutic"); see
 * pp_coverage_names. `prior` names the history procedures the kind looks at (NULL: the same
 * as family). `policy_keys` are comma-separated struct pp_policy keys. Strings are static
 * (default table) or owned by the table they were loaded into.
 */
struct pp_cov_criterion {
    const char *id; /* rule id, e.g. "COV-ESI-PAIN-DURATION" */
    const char *family;
    enum pp_cov_kind kind;
    const char *policy_keys;
    const char *prior;
    bool zoster_exempt; /* herpes zoster waives it (ESI pain duration, conservative care) */
    const char *title;
    const char *source; /* CLINICAL-FACTS row */
};

/* A criteria table: the default (static) or one loaded from JSON (owned). */
struct pp_cov_table {
    const struct pp_cov_criterion *rows;
    size_t n;
    struct pp_cov_criterion *owned; /* loaded rows, or NULL */
    struct pp_arena arena;          /* their strings */
};

/* The default table (CLINICAL-FACTS §0 over §2: Medicare LCDs, NCD 160.7). Release after. */
void pp_coverage_table_default(struct pp_cov_table *t);

/*
 * Replace `t` (initialised by pp_coverage_table_default) with the rows of a JSON array of
 * `len` bytes: [{"id", "family", "kind", "keys": [...], "prior", "herpes_zoster_exempt",
 * "title", "source"}]. An unknown kind, family or policy key, or the wrong number of keys
 * for the kind, is PP_ERR_INPUT with d->where = "<name>: [i].field". `name` names the input
 * in messages. On error `t` is unchanged. Borrows text.
 */
PP_MUST_CHECK enum pp_err pp_coverage_table_load_json(struct pp_cov_table *t, const char *text,
                                                      size_t len, const char *name,
                                                      const struct pp_policy *p, struct pp_diag *d);

void pp_coverage_table_release(struct pp_cov_table *t);

/* "pain-duration-days", ... (the names JSON tables use); NULL past the end. */
const char *pp_cov_kind_name(enum pp_cov_kind k);

enum pp_cov_side { PP_COV_SIDE_NONE, PP_COV_SIDE_LEFT, PP_COV_SIDE_RIGHT, PP_COV_SIDE_BILATERAL };

/* A prior procedure of the catalogue. Unknown numbers are NAN. Strings borrowed. */
struct pp_cov_prior {
    const struct pp_proc_entry *entry; /* borrowed, never NULL */
    pp_day date;
    unsigned purpose; /* one PP_PURPOSE_* bit; 0: the entry's when it has only one */
    const char *levels[PP_COV_MAX_LEVELS];
    size_t n_levels;
    const char *drug;                /* injectate, for "a different drug"; NULL unknown */
    double relief_pct;               /* measured relief; NAN: from the scores below */
    double relief_months;            /* how long the relief lasted */
    double baseline_pain;            /* pain before, for relief_pct when it is NAN */
    double followup_pain;            /* pain after */
    double function_improvement_pct; /* NAN: from the function scores below */
    double baseline_function;        /* disability score before (lower is better: ODI, NDI) */
    double followup_function;
    double medication_reduction_pct; /* SCS trial */
    double trial_days;               /* SCS trial length */
    const char *followup_scale;      /* the pain scale of the follow-up ("NRS"), or NULL */
};

/* The patient's history. Dates are PP_DAY_NONE when not documented. */
struct pp_cov_history {
    pp_day pain_onset;
    pp_day conservative_start;
    bool conservative_failed; /* documented failure (or contraindication) */
    pp_day imaging_date;
    pp_day psych_eval_date;
    bool other_modalities_failed;
    bool herpes_zoster;
    bool contrast_allergy;
    bool pregnant;
    int provocation_positive;            /* -1: not documented */
    const char *baseline_pain_scale;     /* "NRS", NULL when none */
    const char *baseline_function_scale; /* "ODI", NULL when none */
    const struct pp_cov_prior *priors;   /* borrowed */
    size_t n_priors;
};

/* The proposed procedure. Strings borrowed. */
struct pp_cov_proposal {
    const struct pp_proc_entry *entry; /* never NULL */
    pp_day date;
    unsigned purpose; /* one PP_PURPOSE_* bit; 0: the entry's when it has only one */
    const char *levels[PP_COV_MAX_LEVELS]; /* "L5" or a joint "L4-L5" */
    size_t n_levels;
    enum pp_cov_side side;
    unsigned guidance; /* one PP_GUIDE_* bit */
    bool contrast;
    const char *drug;
};

enum pp_cov_status { PP_COV_MET, PP_COV_UNMET, PP_COV_NOT_APPLICABLE };

enum pp_cov_verdict {
    PP_COV_ELIGIBLE,
    PP_COV_ELIGIBLE_LATER, /* only time stands in the way: eligible_on */
    PP_COV_NOT_ELIGIBLE,
    PP_COV_NO_CRITERIA, /* the table has no row for this procedure */
};

#define PP_COV_REASON_MAX 240

/* The outcome of one row for this proposal. */
struct pp_cov_check {
    const struct pp_cov_criterion *row; /* borrowed from the table */
    enum pp_cov_status status;
    pp_day eligible_on; /* unmet and time is the only obstacle: the first day it is met */
    char reason[PP_COV_REASON_MAX];
};

struct pp_cov_result {
    enum pp_cov_verdict verdict;
    pp_day eligible_on;          /* PP_COV_ELIGIBLE_LATER: the first day every row is met */
    const char *names[4];        /* family, group, group-purpose (static or NULL) */
    char region[16];             /* "cervical", "thoracic", "lumbosacral", "si-joint", "spine"... */
    struct pp_cov_check *checks; /* caller frees with pp_coverage_result_release */
    size_t n_checks;
};

/*
 * Check `prop` against every row of `t` that applies to it. Fills `res` (release with
 * pp_coverage_result_release) and adds one finding per unmet row (rule id = row id; warning,
 * critical for a row that can never be met). PP_ERR_INPUT (d->where names the field) when a
 * level cannot be parsed or lies outside the entry's levels, a prior is dated after the
 * proposal, or a purpose is not the entry's. Borrows everything.
 */
PP_MUST_CHECK enum pp_err pp_coverage_evaluate(const struct pp_cov_table *t,
                                               const struct pp_cov_proposal *prop,
                                               const struct pp_cov_history *h,
                                               const struct pp_policy *p, struct pp_cov_result *res,
                                               struct pp_findings *f, struct pp_diag *d);

void pp_coverage_result_release(struct pp_cov_result *res);

/* Fill `names` (up to 3 static strings, NULL-terminated in a 4-array) with the families a
 * procedure answers to for `purpose`; false when the entry has no coverage family. */
bool pp_coverage_names(const struct pp_proc_entry *e, unsigned purpose, const char *names[4]);

/* "eligible", "eligible-later", "not-eligible", "no-criteria". */
const char *pp_cov_verdict_name(enum pp_cov_verdict v);
/* "met", "unmet", "not-applicable". */
const char *pp_cov_status_name(enum pp_cov_status s);
/* "none", "left", "right", "bilateral". */
const char *pp_cov_side_name(enum pp_cov_side s);

/* The rule table of the default rows, for `painpath rules` (static). */
const struct pp_rule_info *pp_coverage_rules(size_t *count);

#endif
