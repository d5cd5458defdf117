/*
 * blocks.h — diagnostic block interpretation: a block (or two comparative
 * blocks) at one target, the baseline NRS and a post-block pain diary ->
 * percent relief at peak and sustained over the anesthetic's expected
 * duration, positive/negative against the policy threshold for the target,
 * concordance of comparative blocks, a plain-language conclusion and findings.
 * Pure: request + policy in, result + findings out; no I/O, no clock.
 */
#ifndef PP_CLINICAL_BLOCKS_H
#define PP_CLINICAL_BLOCKS_H

#include <stdbool.h>
#include <stddef.h>

#include "clinical/finding.h"
#include "clinical/policy.h"
#include "util/err.h"

/* The NRS scale is 0-10 (CLINICAL-FACTS §6.1 "0-10 verbal NRS"). */
#define PP_NRS_MAX 10.0

/* What was blocked. */
enum pp_block_target {
    PP_BLOCK_JOINT,         /* intra-articular: a facet joint, knee, hip, shoulder... */
    PP_BLOCK_NERVE_ROOT,    /* selective nerve root block at a level */
    PP_BLOCK_MEDIAL_BRANCH, /* medial branch block (facet joint innervation) */
    PP_BLOCK_SI_JOINT,      /* sacroiliac joint */
};

enum pp_block_side {
    PP_SIDE_NONE, /* not given / midline */
    PP_SIDE_LEFT,
    PP_SIDE_RIGHT,
    PP_SIDE_BILATERAL,
};

enum pp_anesthetic {
    PP_ANESTHETIC_LIDOCAINE,   /* short-acting */
    PP_ANESTHETIC_BUPIVACAINE, /* long-acting */
};

/* One pain-diary entry: NRS 0-10 at `minutes` after the injection. */
struct pp_diary_entry {
    double minutes;
    double nrs;
};

/* One injection. Every pointer is borrowed for the duration of the call. */
struct pp_block {
    const char *id;    /* the caller's id for it (e.g. a Procedure id) or NULL */
    const char *date;  /* "YYYY-MM-DD" or NULL; reported, not checked here */
    unsigned guidance; /* one PP_GUIDE_* bit (clinical/procedures.h) */
    enum pp_anesthetic anesthetic;
    double concentration_pct; /* e.g. 2 for lidocaine 2% */
    double volume_ml;
    bool has_baseline;
    double baseline_nrs;
    const struct pp_diary_entry *diary; /* ascending minutes */
    size_t n_diary;
};

#define PP_BLOCK_MAX_LEVELS 4

/* The request: where, what was injected (one block, or two comparative ones), who asked. */
struct pp_block_request {
    enum pp_block_target target;
    const char *levels[PP_BLOCK_MAX_LEVELS]; /* "L5" (root, medial branch) or "L4-L5" */
    size_t n_levels;
    const char *joint; /* PP_BLOCK_JOINT: "facet", "knee", "hip"...; else NULL */
    enum pp_block_side side;
    const char *procedure_id; /* a clinical/procedures.h catalogue id, or NULL */
    const char *requested_by; /* the surgeon or clinician who asked, or NULL */
    const char *question;     /* what they asked, or NULL */
    struct pp_block blocks[2];
    size_t n_blocks; /* 1 or 2 */
};

enum pp_block_verdict {
    PP_BLOCK_POSITIVE,
    PP_BLOCK_NEGATIVE,
    PP_BLOCK_INSUFFICIENT, /* the diary (or baseline) cannot support a verdict */
};

/* One block's outcome. Percentages and minutes are NAN when the data do not give them. */
struct pp_block_outcome {
    enum pp_block_verdict verdict;
    double threshold_pct;        /* the policy threshold used */
    double expected_minutes;     /* the anesthetic's expected duration (policy) */
    double peak_relief_pct;      /* best relief in the diary (entries after minute 0) */
    double sustained_relief_pct; /* lowest relief over (0, expected] (interpolated at its end) */
    double relief_until_minutes; /* last entry of the first run of entries at/above threshold */
    double relief_lost_minutes;  /* first entry below threshold after that run (NAN: never) */
    char reason[200];            /* why INSUFFICIENT, or how the verdict was reached */
};

enum pp_block_concordance {
    PP_CONC_SINGLE,        /* only one block */
    PP_CONC_CONCORDANT,    /* lidocaine and bupivacaine both positive, bupivacaine longer */
    PP_CONC_DISCORDANT,    /* the two blocks disagree */
    PP_CONC_SAME_AGENT,    /* both positive with the same anesthetic: not comparative */
    PP_CONC_BOTH_NEGATIVE, /* both negative */
    PP_CONC_INSUFFICIENT,  /* a block or the durations cannot be judged */
};

struct pp_block_result {
    struct pp_block_outcome blocks[2];
    size_t n_blocks;
    enum pp_block_concordance concordance;
    double duration_gain_minutes; /* bupivacaine relief_until - lidocaine relief_lost, or NAN */
    bool generator_likely;        /* the conclusion names the target as the pain generator */
    char site[128];               /* "L4-L5 medial branches (right)" */
    char conclusion[320];         /* plain language, for the surgeon */
};

/*
 * Evaluate `req` under `p`: fill `out` and append findings (BLOCK-POSITIVE, BLOCK-NEGATIVE,
 * BLOCK-DIARY-INSUFFICIENT, BLOCK-SECOND-NEEDED, BLOCK-CONCORDANT, BLOCK-DISCORDANT,
 * BLOCK-DUAL-POSITIVE) to `f`. Borrows everything. PP_ERR_INPUT with d->where naming the
 * field ("blocks[0].diary[2].nrs") when the request is malformed (NRS outside 0-10,
 * minutes negative or not ascending, an unparsable level, the two blocks' count wrong);
 * `out` and `f` are then left as they were on entry except that `out` may be cleared.
 */
PP_MUST_CHECK enum pp_err pp_block_evaluate(const struct pp_block_request *req,
                                            const struct pp_policy *p, struct pp_block_result *out,
                                            struct pp_findings *f, struct pp_diag *d);

/* The module's rule table (static). */
const struct pp_rule_info *pp_blocks_rules(size_t *count);

/* Names for output: "joint", "nerve-root", "medial-branch", "si-joint"; "left", "right",
 * "bilateral", "none"; "lidocaine", "bupivacaine"; "positive", "negative", "insufficient";
 * "single", "concordant", "discordant", "same-agent", "both-negative", "insufficient". */
const char *pp_block_target_name(enum pp_block_target t);
const char *pp_block_side_name(enum pp_block_side s);
const char *pp_anesthetic_name(enum pp_anesthetic a);
const char *pp_block_verdict_name(enum pp_block_verdict v);
const char *pp_block_concordance_name(enum pp_block_concordance c);

#endif
