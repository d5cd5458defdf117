/*
 * blocks.c — interprets diagnostic blocks from a baseline NRS and a post-block
 * pain diary: relief at peak and sustained over the anesthetic's expected
 * duration, the verdict against the target's threshold, comparative-block
 * concordance and the conclusion for the surgeon. Never reports relief that
 * the diary does not show. Pure: no I/O, no clock, no globals.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "clinical/blocks.h"
#include "clinical/procedures.h"

/*
 * Floating-point tolerance of the >= comparisons: 100*(b-n)/b of decimal diary values is not
 * exact in binary (80% can come out as 79.99999999999999). Not a clinical number.
 */
#define FP_EPS 1e-9

#define SRC_INSUFFICIENT                                                                           \
    "CLINICAL-FACTS §2.3 same pain scale at baseline and after each block, relief for the "       \
    "expected duration of the anesthetic; §3 expected anesthetic durations (L)"
#define SRC_COMPARATIVE                                                                            \
    "CLINICAL-FACTS §3 controlled blocks: comparative local anesthetic blocks, concordant = "     \
    "relief with both, longer with bupivacaine (BCBS ND: three hours longer)"
#define SRC_SECOND                                                                                 \
    "CLINICAL-FACTS §2.3 second diagnostic block, initial thermal RFA (two diagnostic MBBs each " \
    ">= 80%); §3 Provenzano 2022"
#define SRC_DUAL "CLINICAL-FACTS §2.3 initial thermal RFA: two diagnostic MBBs each >= 80%"

/* clang-format off */
static const struct pp_rule_info rules[] = {
    {"BLOCK-POSITIVE", "Diagnostic block positive",
     "Relief from the baseline NRS stays at or above the target's threshold at every diary entry "
     "over the anesthetic's expected duration (medial branch: block_mbb_relief_pct, or "
     "block_single_relief_pct under the multisociety standard; SI joint: block_si_relief_pct; "
     "joint: block_joint_relief_pct; nerve root: block_root_relief_pct).",
     "CLINICAL-FACTS §2.3 initial thermal RFA (>= 80%), §2.4 diagnostic SIJI (>= 75%), §3 Cohen "
     "2020 (>= 50% single block), §3 expected anesthetic durations (L)",
     "block_mbb_relief_pct,block_mbb_standard,block_single_relief_pct,block_si_relief_pct,"
     "block_joint_relief_pct,block_root_relief_pct,block_lidocaine_minutes,"
     "block_bupivacaine_minutes"},
    {"BLOCK-NEGATIVE", "Diagnostic block negative",
     "Relief falls below the target's threshold at a diary entry within the anesthetic's "
     "expected duration (or at its end, interpolated between the entries around it).",
     "CLINICAL-FACTS §2.3, §2.4, §3 (as BLOCK-POSITIVE)",
     "block_mbb_relief_pct,block_mbb_standard,block_single_relief_pct,block_si_relief_pct,"
     "block_joint_relief_pct,block_root_relief_pct,block_lidocaine_minutes,"
     "block_bupivacaine_minutes"},
    {"BLOCK-DIARY-INSUFFICIENT", "Block diary cannot be interpreted",
     "No baseline NRS, a baseline of 0, no diary entry within the anesthetic's expected duration, "
     "a diary that stops before that duration while relief still meets the threshold, or (for "
     "comparative blocks) lidocaine relief that had not worn off by the last entry: no relief is "
     "reported from absent data.",
     SRC_INSUFFICIENT, "block_lidocaine_minutes,block_bupivacaine_minutes"},
    {"BLOCK-SECOND-NEEDED", "Second comparative medial branch block needed",
     "One positive medial branch block under the MAC standard (block_mbb_standard 0): a second "
     "(comparative) block must also be positive before a first radiofrequency ablation.",
     SRC_SECOND, "block_mbb_standard,block_mbb_relief_pct"},
    {"BLOCK-CONCORDANT", "Comparative blocks concordant",
     "A lidocaine and a bupivacaine block at the same target are both positive and bupivacaine "
     "relief outlasts lidocaine relief by at least block_comparative_extra_minutes (lidocaine "
     "counted to its first entry without relief, bupivacaine to its last entry with relief).",
     SRC_COMPARATIVE, "block_comparative_extra_minutes"},
    {"BLOCK-DISCORDANT", "Blocks discordant",
     "Two blocks at the same target disagree (one positive, one negative), or a lidocaine and a "
     "bupivacaine block are both positive but bupivacaine relief does not outlast lidocaine relief "
     "by block_comparative_extra_minutes: the target is not confirmed (possible false positive).",
     SRC_COMPARATIVE, "block_comparative_extra_minutes"},
    {"BLOCK-DUAL-POSITIVE", "Two positive blocks, same anesthetic",
     "Two blocks with the same anesthetic at the same target are both positive: the two-block "
     "relief criterion is met, but the blocks are not comparative (controlled).",
     SRC_DUAL "; §3 controlled blocks", "block_mbb_relief_pct,block_mbb_standard"},
};
/* clang-format on */

const struct pp_rule_info *pp_blocks_rules(size_t *count)
{
    *count = sizeof(rules) / sizeof(rules[0]);
    return rules;
}

const char *pp_block_target_name(enum pp_block_target t)
{
    switch (t) {
    case PP_BLOCK_JOINT: return "joint";
    case PP_BLOCK_NERVE_ROOT: return "nerve-root";
    case PP_BLOCK_MEDIAL_BRANCH: return "medial-branch";
    case PP_BLOCK_SI_JOINT: return "si-joint";
    }
    return "unknown";
}

const char *pp_block_side_name(enum pp_block_side s)
{
    switch (s) {
    case PP_SIDE_NONE: return "none";
    case PP_SIDE_LEFT: return "left";
    case PP_SIDE_RIGHT: return "right";
    case PP_SIDE_BILATERAL: return "bilateral";
    }
    return "unknown";
}

const char *pp_anesthetic_name(enum pp_anesthetic a)
{
    return a == PP_ANESTHETIC_BUPIVACAINE ? "bupivacaine" : "lidocaine";
}

const char *pp_block_verdict_name(enum pp_block_verdict v)
{
    switch (v) {
    case PP_BLOCK_POSITIVE: return "positive";
    case PP_BLOCK_NEGATIVE: return "negative";
    case PP_BLOCK_INSUFFICIENT: return "insufficient";
    }
    return "unknown";
}

const char *pp_block_concordance_name(enum pp_block_concordance c)
{
    switch (c) {
    case PP_CONC_SINGLE: return "single";
    case PP_CONC_CONCORDANT: return "concordant";
    case PP_CONC_DISCORDANT: return "discordant";
    case PP_CONC_SAME_AGENT: return "same-agent";
    case PP_CONC_BOTH_NEGATIVE: return "both-negative";
    case PP_CONC_INSUFFICIENT: return "insufficient";
    }
    return "unknown";
}

/* A number with at most two decimals, trailing zeros removed ("80", "79.99"). */
static const char *num(double v, char out[static 32])
{
    size_t n;
    snprintf(out, 32, "%.2f", v);
    n = strlen(out);
    while (n > 0 && out[n - 1] == '0')
        out[--n] = '\0';
    if (n > 0 && out[n - 1] == '.')
        out[--n] = '\0';
    if (strcmp(out, "-0") == 0)
        out[0] = '0', out[1] = '\0';
    return out;
}

static bool at_least(double v, double threshold)
{
    return v >= threshold - FP_EPS;
}

/* The target's threshold and the CLINICAL-FACTS row it comes from. */
static double threshold_for(const struct pp_block_request *r, const struct pp_policy *p,
                            const char **source)
{
    switch (r->target) {
    case PP_BLOCK_MEDIAL_BRANCH:
        if (p->block_mbb_standard == 1) {
            *source = "CLINICAL-FACTS §3 Cohen 2020 consensus: >= 50% on a single MBB";
            return p->block_single_relief_pct;
        }
        *source = "CLINICAL-FACTS §2.3 initial thermal RFA: two MBBs each >= 80% sustained relief";
        return p->block_mbb_relief_pct;
    case PP_BLOCK_SI_JOINT:
        *source = "CLINICAL-FACTS §2.4 diagnostic SIJI positive: >= 75% relief";
        return p->block_si_relief_pct;
    case PP_BLOCK_JOINT:
        *source = "CLINICAL-FACTS §2.3 facet diagnostic blocks >= 80% (other joints: unconfirmed, "
                  "same value)";
        return p->block_joint_relief_pct;
    case PP_BLOCK_NERVE_ROOT:
        *source = "no CLINICAL-FACTS row for nerve root blocks: §3 SIS >= 80% (unconfirmed)";
        return p->block_root_relief_pct;
    }
    *source = "";
    return NAN;
}

/* Expected relief of the anesthetic (CLINICAL-FACTS §3, L: lower bounds, policy keys). */
static double expected_minutes(enum pp_anesthetic a, const struct pp_policy *p)
{
    return a == PP_ANESTHETIC_BUPIVACAINE ? p->block_bupivacaine_minutes
                                          : p->block_lidocaine_minutes;
}

static double relief_pct(double baseline, double nrs)
{
    return 100.0 * (baseline - nrs) / baseline;
}

static bool nrs_ok(double v)
{
    return isfinite(v) && v >= 0 && v <= PP_NRS_MAX;
}

/* "L5" or "L4-L5" (ascending); ranges only where `ranges` is true. */
static bool level_ok(const char *s, bool ranges, int *first, int *last)
{
    const char *dash = strchr(s, '-');
    if (!dash) {
        if (!pp_spine_level_parse(s, strlen(s), first))
            return false;
        *last = *first;
        return true;
    }
    return ranges && pp_spine_level_parse(s, (size_t)(dash - s), first) &&
           pp_spine_level_parse(dash + 1, strlen(dash + 1), last) && *first < *last;
}

static enum pp_err validate_site(const struct pp_block_request *r, struct pp_diag *d)
{
    const struct pp_proc_entry *proc = NULL;
    bool need_levels = r->target == PP_BLOCK_NERVE_ROOT || r->target == PP_BLOCK_MEDIAL_BRANCH ||
                       (r->target == PP_BLOCK_JOINT && r->joint && strcmp(r->joint, "facet") == 0);

    if (r->target == PP_BLOCK_JOINT && (!r->joint || !r->joint[0]))
        return pp_diag_set(d, PP_ERR_INPUT, "joint",
                           "a joint block needs the joint (\"facet\", \"knee\", \"hip\"...)");
    if (r->n_levels > PP_BLOCK_MAX_LEVELS)
        return pp_diag_set(d, PP_ERR_INPUT, "levels", "at most %d levels", PP_BLOCK_MAX_LEVELS);
    if (need_levels && r->n_levels == 0)
        return pp_diag_set(d, PP_ERR_INPUT, "levels", "a %s block needs its level(s), e.g. \"L5\"",
                           pp_block_target_name(r->target));
    if (r->procedure_id) {
        proc = pp_procedure_by_id(r->procedure_id);
        if (!proc)
            return pp_diag_set(d, PP_ERR_INPUT, "procedure",
                               "'%.100s' is not a procedure of the catalogue (painpath procedures)",
                               r->procedure_id);
    }
    for (size_t i = 0; i < r->n_levels; i++) {
        char where[96];
        int first, last;
        snprintf(where, sizeof(where), "levels[%zu]", i);
        if (!r->levels[i] ||
            !level_ok(r->levels[i], r->target != PP_BLOCK_NERVE_ROOT, &first, &last))
            return pp_diag_set(d, PP_ERR_INPUT, where,
                               r->target == PP_BLOCK_NERVE_ROOT
                                   ? "expected one spinal level such as \"L5\" or \"C6\""
                                   : "expected a spinal level (\"L4\") or segment (\"L4-L5\")");
        if (proc && proc->level_first &&
            (!pp_procedure_covers_level(proc, first) || !pp_procedure_covers_level(proc, last)))
            return pp_diag_set(d, PP_ERR_INPUT, where, "%s is outside %s's levels %s-%s",
                               r->levels[i], proc->id, proc->level_first, proc->level_last);
    }
    return PP_OK;
}

static enum pp_err validate_block(const struct pp_block *b, size_t bi, struct pp_diag *d)
{
    char where[96];

    if (!pp_proc_guidance_name(b->guidance)) {
        snprintf(where, sizeof(where), "blocks[%zu].guidance", bi);
        return pp_diag_set(d, PP_ERR_INPUT, where,
                           "expected ultrasound, fluoroscopy, ct or "
                           "landmark");
    }
    if (b->anesthetic != PP_ANESTHETIC_LIDOCAINE && b->anesthetic != PP_ANESTHETIC_BUPIVACAINE) {
        snprintf(where, sizeof(where), "blocks[%zu].anesthetic", bi);
        return pp_diag_set(d, PP_ERR_INPUT, where, "expected lidocaine or bupivacaine");
    }
    if (!isfinite(b->concentration_pct) || b->concentration_pct <= 0 ||
        b->concentration_pct > 100) {
        snprintf(where, sizeof(where), "blocks[%zu].concentration_pct", bi);
        return pp_diag_set(d, PP_ERR_INPUT, where, "expected a percentage above 0");
    }
    if (!isfinite(b->volume_ml) || b->volume_ml <= 0) {
        snprintf(where, sizeof(where), "blocks[%zu].volume_ml", bi);
        return pp_diag_set(d, PP_ERR_INPUT, where, "expected a volume in mL above 0");
    }
    if (b->has_baseline && !nrs_ok(b->baseline_nrs)) {
        snprintf(where, sizeof(where), "blocks[%zu].baseline_nrs", bi);
        return pp_diag_set(d, PP_ERR_INPUT, where, "expected an NRS from 0 to 10");
    }
    for (size_t j = 0; j < b->n_diary; j++) {
        const struct pp_diary_entry *e = &b->diary[j];
        if (!isfinite(e->minutes) || e->minutes < 0 ||
            (j > 0 && e->minutes <= b->diary[j - 1].minutes)) {
            snprintf(where, sizeof(where), "blocks[%zu].diary[%zu].minutes", bi, j);
            return pp_diag_set(d, PP_ERR_INPUT, where,
                               "expected minutes after the block, 0 or more and ascending");
        }
        if (!nrs_ok(e->nrs)) {
            snprintf(where, sizeof(where), "blocks[%zu].diary[%zu].nrs", bi, j);
            return pp_diag_set(d, PP_ERR_INPUT, where, "expected an NRS from 0 to 10");
        }
    }
    return PP_OK;
}

/*
 * One block's outcome. Window: entries after minute 0 (an entry at 0 is the moment of the
 * injection) up to the expected duration E. Sustained relief is the lowest relief in the
 * window and at E (linearly interpolated when no entry falls on E). A diary that ends
 * before E can still be negative (relief already fell) but never positive.
 */
static void evaluate_one(const struct pp_block *b, double thr, double expected,
                         struct pp_block_outcome *o)
{
    char n1[32], n2[32];
    double lowest = INFINITY, last_in = NAN;
    const struct pp_diary_entry *after = NULL, *before = NULL;
    bool in_run = false, run_done = false;

    o->threshold_pct = thr;
    o->expected_minutes = expected;
    o->peak_relief_pct = o->sustained_relief_pct = NAN;
    o->relief_until_minutes = o->relief_lost_minutes = NAN;
    o->reason[0] = '\0';
    o->verdict = PP_BLOCK_INSUFFICIENT;

    if (!b->has_baseline) {
        snprintf(o->reason, sizeof(o->reason), "no baseline NRS: relief cannot be computed");
        return;
    }
    if (b->baseline_nrs <= 0) {
        snprintf(o->reason, sizeof(o->reason), "baseline NRS is 0: there is no pain to relieve");
        return;
    }
    for (size_t j = 0; j < b->n_diary; j++) {
        const struct pp_diary_entry *e = &b->diary[j];
        double r = relief_pct(b->baseline_nrs, e->nrs);
        if (e->minutes <= 0)
            continue;
        if (isnan(o->peak_relief_pct) || r > o->peak_relief_pct)
            o->peak_relief_pct = r;
        /* the first run of entries at or above the threshold, and where it ends */
        if (!run_done) {
            if (at_least(r, thr)) {
                in_run = true;
                o->relief_until_minutes = e->minutes;
            } else if (in_run) {
                o->relief_lost_minutes = e->minutes;
                run_done = true;
            }
        }
        if (e->minutes <= expected) {
            lowest = fmin(lowest, r);
            last_in = e->minutes;
            before = e;
        } else if (!after) {
            after = e;
        }
    }
    if (isnan(last_in)) {
        snprintf(o->reason, sizeof(o->reason),
                 "no diary entry within the expected %s minutes of the anesthetic",
                 num(expected, n1));
        return;
    }
    if (last_in < expected) {
        if (after) {
            /* the NRS at E, on the line between the entries around it */
            double nrs = before->nrs + (after->nrs - before->nrs) * (expected - before->minutes) /
                                           (after->minutes - before->minutes);
            lowest = fmin(lowest, relief_pct(b->baseline_nrs, nrs));
        } else if (at_least(lowest, thr)) {
            snprintf(o->reason, sizeof(o->reason),
                     "the diary stops at %s min, before the expected %s minutes of the anesthetic",
                     num(last_in, n1), num(expected, n2));
            return;
        }
    }
    o->sustained_relief_pct = lowest;
    o->verdict = at_least(lowest, thr) ? PP_BLOCK_POSITIVE : PP_BLOCK_NEGATIVE;
    snprintf(o->reason, sizeof(o->reason),
             "lowest relief over the first %s min: %s%% (threshold %s%%)", num(expected, n1),
             num(lowest, n2), num(thr, (char[32]){0}));
}

static void site_text(const struct pp_block_request *r, char *out, size_t size)
{
    char levels[64] = "";
    size_t n = 0;
    const char *side = r->side == PP_SIDE_NONE ? "" : pp_block_side_name(r->side);

    for (size_t i = 0; i < r->n_levels && n < sizeof(levels); i++)
        n += (size_t)snprintf(levels + n, sizeof(levels) - n, "%s%s", i ? ", " : "", r->levels[i]);
    switch (r->target) {
    case PP_BLOCK_NERVE_ROOT:
        snprintf(out, size, "%s root%s", levels, r->n_levels > 1 ? "s" : "");
        break;
    case PP_BLOCK_MEDIAL_BRANCH: snprintf(out, size, "%s medial branches", levels); break;
    case PP_BLOCK_SI_JOINT: snprintf(out, size, "SI joint"); break;
    case PP_BLOCK_JOINT:
        if (r->n_levels)
            snprintf(out, size, "%s %s joint", levels, r->joint);
        else
            snprintf(out, size, "%s joint", r->joint);
        break;
    }
    if (*side) {
        n = strlen(out);
        snprintf(out + n, size - n, " (%s)", side);
    }
}

static void block_label(const struct pp_block_request *r, size_t i, char *out, size_t size)
{
    if (r->n_blocks > 1)
        snprintf(out, size, "block %zu (%s)", i + 1, pp_anesthetic_name(r->blocks[i].anesthetic));
    else
        snprintf(out, size, "%s block", pp_anesthetic_name(r->blocks[i].anesthetic));
}

static void add_evidence(struct pp_findings *f, struct pp_finding *x,
                         const struct pp_block_request *r)
{
    for (size_t i = 0; i < r->n_blocks; i++)
        pp_finding_evidence(f, x, "Procedure", r->blocks[i].id);
}

static void block_findings(const struct pp_block_request *r, const struct pp_block_result *res,
                           const char *thr_source, struct pp_findings *f)
{
    char a[32], b[32], c[32], label[48];

    for (size_t i = 0; i < res->n_blocks; i++) {
        const struct pp_block_outcome *o = &res->blocks[i];
        const struct pp_block *blk = &r->blocks[i];
        struct pp_finding *x;

        block_label(r, i, label, sizeof(label));
        if (o->verdict == PP_BLOCK_INSUFFICIENT) {
            x = pp_findings_add(f, "BLOCK-DIARY-INSUFFICIENT", PP_SEV_WARNING, SRC_INSUFFICIENT,
                                "%s, %s: not interpretable: %s", res->site, label, o->reason);
            pp_finding_detail(f, x,
                              "No relief is reported from absent data. Record the baseline NRS "
                              "and NRS entries (minutes after the block) through at least the "
                              "expected %s minutes of %s.",
                              num(o->expected_minutes, a), pp_anesthetic_name(blk->anesthetic));
        } else {
            bool pos = o->verdict == PP_BLOCK_POSITIVE;
            x = pp_findings_add(
                f, pos ? "BLOCK-POSITIVE" : "BLOCK-NEGATIVE", PP_SEV_INFO, thr_source,
                "%s, %s: %s, %s%% relief sustained over %s min "
                "(threshold %s%%)",
                res->site, label, pos ? "positive" : "negative", num(o->sustained_relief_pct, a),
                num(o->expected_minutes, b), num(o->threshold_pct, c));
            pp_finding_detail(f, x, "Baseline NRS %s; peak relief %s%%; %s. %s%s",
                              num(blk->baseline_nrs, a), num(o->peak_relief_pct, b), o->reason,
                              "The expected duration is a policy value (CLINICAL-FACTS §3 marks "
                              "the durations L).",
                              pos && r->n_blocks == 1
                                  ? " A single uncontrolled block has a high false-positive rate "
                                    "(CLINICAL-FACTS §3: 25-40% for lumbar facet joints)."
                                  : "");
        }
        pp_finding_evidence(f, x, "Procedure", blk->id);
    }
}

static void pair_findings(const struct pp_block_request *r, const struct pp_policy *p,
                          struct pp_block_result *res, struct pp_findings *f)
{
    const struct pp_block_outcome *o0 = &res->blocks[0], *o1 = &res->blocks[1];
    size_t li = r->blocks[0].anesthetic == PP_ANESTHETIC_LIDOCAINE ? 0 : 1;
    const struct pp_block_outcome *lido = &res->blocks[li], *bupi = &res->blocks[1 - li];
    struct pp_finding *x;
    char a[32], b[32], c[32];

    if (o0->verdict == PP_BLOCK_INSUFFICIENT || o1->verdict == PP_BLOCK_INSUFFICIENT) {
        res->concordance = PP_CONC_INSUFFICIENT;
        return;
    }
    if (o0->verdict != o1->verdict) {
        res->concordance = PP_CONC_DISCORDANT;
        x = pp_findings_add(f, "BLOCK-DISCORDANT", PP_SEV_WARNING, SRC_COMPARATIVE,
                            "%s: discordant blocks (block 1 %s, block 2 %s): not confirmed",
                            res->site, pp_block_verdict_name(o0->verdict),
                            pp_block_verdict_name(o1->verdict));
        pp_finding_detail(f, x,
                          "One block relieved the pain and the other did not: the target is "
                          "not confirmed as the pain generator (a single positive block may "
                          "be a false positive, CLINICAL-FACTS §3).");
        add_evidence(f, x, r);
        return;
    }
    if (o0->verdict == PP_BLOCK_NEGATIVE) {
        res->concordance = PP_CONC_BOTH_NEGATIVE;
        return;
    }
    if (r->blocks[0].anesthetic == r->blocks[1].anesthetic) {
        res->concordance = PP_CONC_SAME_AGENT;
        x = pp_findings_add(f, "BLOCK-DUAL-POSITIVE", PP_SEV_INFO, SRC_DUAL,
                            "%s: positive on two %s blocks (not comparative)", res->site,
                            pp_anesthetic_name(r->blocks[0].anesthetic));
        pp_finding_detail(f, x,
                          "Both blocks met the threshold. With the same anesthetic twice the "
                          "blocks are not comparative (controlled), so a placebo response "
                          "is not excluded (CLINICAL-FACTS §3 controlled blocks).");
        add_evidence(f, x, r);
        return;
    }
    /* Comparative: bupivacaine relief must outlast lidocaine relief. Conservative: the shortest
     * bupivacaine duration the diary allows (its last entry with relief) against the longest
     * lidocaine one (its first entry without relief). */
    if (isnan(lido->relief_lost_minutes)) {
        res->concordance = PP_CONC_INSUFFICIENT;
        x = pp_findings_add(f, "BLOCK-DIARY-INSUFFICIENT", PP_SEV_WARNING, SRC_INSUFFICIENT,
                            "%s: lidocaine relief had not worn off by the last diary entry: "
                            "comparative durations cannot be judged",
                            res->site);
        pp_finding_detail(f, x,
                          "Continue the lidocaine diary until the pain returns, so the two "
                          "durations can be compared (CLINICAL-FACTS §3 controlled blocks).");
        add_evidence(f, x, r);
        return;
    }
    res->duration_gain_minutes = bupi->relief_until_minutes - lido->relief_lost_minutes;
    if (res->duration_gain_minutes >= p->block_comparative_extra_minutes - FP_EPS) {
        res->concordance = PP_CONC_CONCORDANT;
        x = pp_findings_add(f, "BLOCK-CONCORDANT", PP_SEV_INFO, SRC_COMPARATIVE,
                            "%s: concordant comparative blocks, bupivacaine relief %s min longer "
                            "(needed %s)",
                            res->site, num(res->duration_gain_minutes, a),
                            num(p->block_comparative_extra_minutes, b));
    } else {
        res->concordance = PP_CONC_DISCORDANT;
        x = pp_findings_add(f, "BLOCK-DISCORDANT", PP_SEV_WARNING, SRC_COMPARATIVE,
                            "%s: discordant: bupivacaine relief only %s min longer than "
                            "lidocaine (needed %s)",
                            res->site, num(res->duration_gain_minutes, a),
                            num(p->block_comparative_extra_minutes, b));
    }
    pp_finding_detail(f, x,
                      "Lidocaine relief lasted to %s min at most (first entry without relief); "
                      "bupivacaine relief lasted at least %s min (last entry with relief). "
                      "Required difference: %s min (policy key block_comparative_extra_minutes, "
                      "CLINICAL-FACTS §3: BCBS ND, durations L).",
                      num(lido->relief_lost_minutes, a), num(bupi->relief_until_minutes, b),
                      num(p->block_comparative_extra_minutes, c));
    add_evidence(f, x, r);
}

static void conclude(const struct pp_block_request *r, const struct pp_policy *p,
                     struct pp_block_result *res, struct pp_findings *f)
{
    bool mbb = r->target == PP_BLOCK_MEDIAL_BRANCH;
    bool mac = mbb && p->block_mbb_standard == 0;
    const char *s = res->site;
    char *out = res->conclusion;
    size_t size = sizeof(res->conclusion);
    char a[32];

    if (res->n_blocks == 1) {
        const struct pp_block_outcome *o = &res->blocks[0];
        switch (o->verdict) {
        case PP_BLOCK_INSUFFICIENT:
            snprintf(out, size,
                     "%.100s: not interpretable (%.150s); complete the diary or repeat the block",
                     s, o->reason);
            return;
        case PP_BLOCK_NEGATIVE:
            snprintf(out, size, "%s: negative block; unlikely to be the pain generator", s);
            return;
        case PP_BLOCK_POSITIVE:
            if (mac) {
                struct pp_finding *x;
                snprintf(out, size, "%s: positive, second comparative block needed before RFA", s);
                x = pp_findings_add(f, "BLOCK-SECOND-NEEDED", PP_SEV_INFO, SRC_SECOND,
                                    "%s: positive; a second comparative block is needed before "
                                    "RFA",
                                    s);
                pp_finding_detail(f, x,
                                  "The MAC standard (policy block_mbb_standard 0) asks for "
                                  "two diagnostic medial branch blocks each with >= %s%% "
                                  "sustained relief before a first RFA; use the other "
                                  "anesthetic (lidocaine vs bupivacaine) for the second.",
                                  num(p->block_mbb_relief_pct, a));
                add_evidence(f, x, r);
                return;
            }
            res->generator_likely = true;
            if (mbb)
                snprintf(out, size,
                         "%s: positive on a single block (multisociety >= %s%% view); facet joint "
                         "pain likely, RFA may be considered",
                         s, num(p->block_single_relief_pct, a));
            else
                snprintf(out, size, "%s: likely pain generator (positive block)", s);
            return;
        }
        return;
    }
    switch (res->concordance) {
    case PP_CONC_CONCORDANT:
        res->generator_likely = true;
        snprintf(out, size, "%s: concordant comparative blocks; %s", s,
                 mbb ? "facet joint pain likely, two-block relief criterion before RFA met"
                     : "likely pain generator");
        return;
    case PP_CONC_SAME_AGENT:
        res->generator_likely = true;
        snprintf(out, size, "%s: positive on two blocks (same anesthetic, not comparative); %s", s,
                 mbb ? "two-block relief criterion before RFA met" : "likely pain generator");
        return;
    case PP_CONC_DISCORDANT:
        snprintf(out, size, "%s: discordant blocks; not confirmed as the pain generator", s);
        return;
    case PP_CONC_BOTH_NEGATIVE:
        snprintf(out, size, "%s: negative on both blocks; unlikely to be the pain generator", s);
        return;
    case PP_CONC_INSUFFICIENT:
    case PP_CONC_SINGLE:
        snprintf(out, size, "%s: not interpretable; complete the diaries (see findings)", s);
        return;
    }
}

enum pp_err pp_block_evaluate(const struct pp_block_request *req, const struct pp_policy *p,
                              struct pp_block_result *out, struct pp_findings *f, struct pp_diag *d)
{
    enum pp_err rc;
    const char *thr_source = "";
    double thr;

    memset(out, 0, sizeof(*out));
    out->duration_gain_minutes = NAN;
    if (req->n_blocks < 1 || req->n_blocks > 2)
        return pp_diag_set(d, PP_ERR_INPUT, "blocks",
                           "expected one block, or two comparative blocks at the same target");
    rc = validate_site(req, d);
    if (rc)
        return rc;
    for (size_t i = 0; i < req->n_blocks; i++) {
        rc = validate_block(&req->blocks[i], i, d);
        if (rc)
            return rc;
    }
    thr = threshold_for(req, p, &thr_source);
    out->n_blocks = req->n_blocks;
    site_text(req, out->site, sizeof(out->site));
    for (size_t i = 0; i < req->n_blocks; i++)
        evaluate_one(&req->blocks[i], thr, expected_minutes(req->blocks[i].anesthetic, p),
                     &out->blocks[i]);
    out->concordance = PP_CONC_SINGLE;
    block_findings(req, out, thr_source, f);
    if (req->n_blocks == 2)
        pair_findings(req, p, out, f);
    conclude(req, p, out, f);
    return PP_OK;
}
