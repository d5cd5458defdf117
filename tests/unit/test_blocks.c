/*
 * test_blocks.c — diagnostic block interpretation (clinical/blocks.c): a table
 * of clinical vignettes written by us, each citing the rule id it exercises,
 * then every threshold at, just below and just above its boundary: relief
 * 79.99/80/80.01 (MBB, root, joint), 74.99/75/75.01 (SI), 49.99/50/50.01
 * (single-block standard), the expected-duration window 59/60/61 min and the
 * comparative gap 179/180/181 min; then malformed requests.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "clinical/blocks.h"
#include "clinical/finding.h"
#include "clinical/policy.h"
#include "clinical/procedures.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define MAXD 8
#define LIDO PP_ANESTHETIC_LIDOCAINE
#define BUPI PP_ANESTHETIC_BUPIVACAINE
#define POS PP_BLOCK_POSITIVE
#define NEG PP_BLOCK_NEGATIVE
#define INS PP_BLOCK_INSUFFICIENT
#define NO_BASELINE (-1.0)

struct diary_spec {
    enum pp_anesthetic agent;
    double baseline; /* NO_BASELINE: none recorded */
    struct pp_diary_entry d[MAXD];
    size_t n;
};

struct vignette {
    const char *name;
    const char *rule; /* the rule id this vignette exercises: it must be among the findings */
    enum pp_block_target target;
    const char *level;
    const char *joint;
    enum pp_block_side side;
    int mbb_standard;
    size_t n_blocks;
    struct diary_spec b[2];
    enum pp_block_verdict v0, v1;
    enum pp_block_concordance conc;
    bool generator;
    const char *conclusion;  /* a substring the conclusion must contain */
    const char *absent_rule; /* a rule id that must NOT fire, or NULL */
};

/* clang-format off */
static const struct vignette vignettes[] = {
    {"V01 left L5 root, lidocaine, 87.5% for the hour", "BLOCK-POSITIVE",
     PP_BLOCK_NERVE_ROOT, "L5", NULL, PP_SIDE_LEFT, 0, 1,
     {{LIDO, 8, {{15, 1}, {30, 1}, {60, 1}, {120, 6}}, 4}},
     POS, POS, PP_CONC_SINGLE, true, "L5 root (left): likely pain generator", "BLOCK-SECOND-NEEDED"},
    {"V02 right L4 root, bupivacaine, 43% only", "BLOCK-NEGATIVE",
     PP_BLOCK_NERVE_ROOT, "L4", NULL, PP_SIDE_RIGHT, 0, 1,
     {{BUPI, 7, {{30, 4}, {60, 4}, {180, 5}, {240, 7}}, 4}},
     NEG, NEG, PP_CONC_SINGLE, false, "L4 root (right): negative block; unlikely", NULL},
    {"V03 L4-L5 medial branches, MAC standard, one positive block", "BLOCK-SECOND-NEEDED",
     PP_BLOCK_MEDIAL_BRANCH, "L4-L5", NULL, PP_SIDE_RIGHT, 0, 1,
     {{LIDO, 6, {{15, 0}, {30, 1}, {60, 1}, {90, 4}}, 4}},
     POS, POS, PP_CONC_SINGLE, false,
     "L4-L5 medial branches (right): positive, second comparative block needed before RFA", NULL},
    {"V04 L4-L5 medial branches, multisociety single block, 50%", "BLOCK-POSITIVE",
     PP_BLOCK_MEDIAL_BRANCH, "L4-L5", NULL, PP_SIDE_RIGHT, 1, 1,
     {{LIDO, 6, {{30, 3}, {60, 3}, {120, 6}}, 3}},
     POS, POS, PP_CONC_SINGLE, true, "positive on a single block (multisociety >= 50% view)",
     "BLOCK-SECOND-NEEDED"},
    {"V05 the same 50% block under the MAC standard", "BLOCK-NEGATIVE",
     PP_BLOCK_MEDIAL_BRANCH, "L4-L5", NULL, PP_SIDE_RIGHT, 0, 1,
     {{LIDO, 6, {{30, 3}, {60, 3}, {120, 6}}, 3}},
     NEG, NEG, PP_CONC_SINGLE, false, "negative block", "BLOCK-SECOND-NEEDED"},
    {"V06 left SI joint, 75%", "BLOCK-POSITIVE",
     PP_BLOCK_SI_JOINT, NULL, NULL, PP_SIDE_LEFT, 0, 1,
     {{LIDO, 8, {{30, 2}, {60, 2}, {180, 8}}, 3}},
     POS, POS, PP_CONC_SINGLE, true, "SI joint (left): likely pain generator", NULL},
    {"V07 comparative MBB, bupivacaine 210 min longer", "BLOCK-CONCORDANT",
     PP_BLOCK_MEDIAL_BRANCH, "L3-L4", NULL, PP_SIDE_LEFT, 0, 2,
     {{LIDO, 8, {{15, 1}, {30, 1}, {60, 1}, {90, 6}}, 4},
      {BUPI, 8, {{30, 1}, {60, 1}, {180, 1}, {240, 1}, {300, 1}, {360, 7}}, 6}},
     POS, POS, PP_CONC_CONCORDANT, true, "two-block relief criterion before RFA met",
     "BLOCK-DISCORDANT"},
    {"V08 comparative root, both positive, bupivacaine only 60 min longer", "BLOCK-DISCORDANT",
     PP_BLOCK_NERVE_ROOT, "S1", NULL, PP_SIDE_LEFT, 0, 2,
     {{LIDO, 9, {{30, 1}, {60, 1}, {120, 7}}, 3},
      {BUPI, 9, {{30, 1}, {60, 1}, {180, 1}, {240, 6}}, 4}},
     POS, POS, PP_CONC_DISCORDANT, false, "discordant blocks; not confirmed", "BLOCK-CONCORDANT"},
    {"V09 comparative MBB, lidocaine positive, bupivacaine negative", "BLOCK-DISCORDANT",
     PP_BLOCK_MEDIAL_BRANCH, "L5-S1", NULL, PP_SIDE_BILATERAL, 0, 2,
     {{LIDO, 7, {{30, 1}, {60, 1}, {120, 7}}, 3},
      {BUPI, 7, {{30, 5}, {60, 5}, {180, 6}}, 3}},
     POS, NEG, PP_CONC_DISCORDANT, false, "discordant", NULL},
    {"V10 no baseline NRS recorded", "BLOCK-DIARY-INSUFFICIENT",
     PP_BLOCK_NERVE_ROOT, "L5", NULL, PP_SIDE_LEFT, 0, 1,
     {{LIDO, NO_BASELINE, {{30, 1}, {60, 1}}, 2}},
     INS, INS, PP_CONC_SINGLE, false, "not interpretable (no baseline NRS", "BLOCK-POSITIVE"},
    {"V11 bupivacaine diary stops at 120 min with relief", "BLOCK-DIARY-INSUFFICIENT",
     PP_BLOCK_SI_JOINT, NULL, NULL, PP_SIDE_RIGHT, 0, 1,
     {{BUPI, 8, {{30, 1}, {60, 1}, {120, 1}}, 3}},
     INS, INS, PP_CONC_SINGLE, false, "the diary stops at 120 min", "BLOCK-POSITIVE"},
    {"V12 bupivacaine diary stops early but relief already gone", "BLOCK-NEGATIVE",
     PP_BLOCK_SI_JOINT, NULL, NULL, PP_SIDE_RIGHT, 0, 1,
     {{BUPI, 8, {{30, 1}, {60, 6}}, 2}},
     NEG, NEG, PP_CONC_SINGLE, false, "negative block", "BLOCK-DIARY-INSUFFICIENT"},
    {"V13 first diary entry after the lidocaine window", "BLOCK-DIARY-INSUFFICIENT",
     PP_BLOCK_NERVE_ROOT, "C6", NULL, PP_SIDE_RIGHT, 0, 1,
     {{LIDO, 6, {{120, 1}, {240, 6}}, 2}},
     INS, INS, PP_CONC_SINGLE, false, "no diary entry within the expected 60 minutes", NULL},
    {"V14 baseline NRS 0", "BLOCK-DIARY-INSUFFICIENT",
     PP_BLOCK_JOINT, NULL, "knee", PP_SIDE_LEFT, 0, 1,
     {{LIDO, 0, {{30, 0}, {60, 0}}, 2}},
     INS, INS, PP_CONC_SINGLE, false, "baseline NRS is 0", NULL},
    {"V15 two lidocaine MBBs, both positive", "BLOCK-DUAL-POSITIVE",
     PP_BLOCK_MEDIAL_BRANCH, "L4-L5", NULL, PP_SIDE_RIGHT, 0, 2,
     {{LIDO, 8, {{30, 1}, {60, 1}, {120, 8}}, 3},
      {LIDO, 8, {{30, 0}, {60, 1}, {120, 7}}, 3}},
     POS, POS, PP_CONC_SAME_AGENT, true, "same anesthetic, not comparative", "BLOCK-CONCORDANT"},
    {"V16 comparative, lidocaine relief outlasts its diary", "BLOCK-DIARY-INSUFFICIENT",
     PP_BLOCK_MEDIAL_BRANCH, "C5-C6", NULL, PP_SIDE_LEFT, 0, 2,
     {{LIDO, 8, {{30, 1}, {60, 1}, {120, 1}}, 3},
      {BUPI, 8, {{30, 1}, {180, 1}, {400, 8}}, 3}},
     POS, POS, PP_CONC_INSUFFICIENT, false, "not interpretable", "BLOCK-CONCORDANT"},
    {"V17 right knee, intra-articular lidocaine, 86%", "BLOCK-POSITIVE",
     PP_BLOCK_JOINT, NULL, "knee", PP_SIDE_RIGHT, 0, 1,
     {{LIDO, 7, {{30, 1}, {60, 1}}, 2}},
     POS, POS, PP_CONC_SINGLE, true, "knee joint (right): likely pain generator", NULL},
    {"V18 pain returning inside the bupivacaine window (interpolated 60% at 180 min)",
     "BLOCK-NEGATIVE",
     PP_BLOCK_NERVE_ROOT, "L5", NULL, PP_SIDE_RIGHT, 0, 1,
     {{BUPI, 10, {{30, 0}, {60, 0}, {120, 0}, {240, 8}}, 4}},
     NEG, NEG, PP_CONC_SINGLE, false, "negative block", NULL},
    {"V19 comparative SI, both negative", "BLOCK-NEGATIVE",
     PP_BLOCK_SI_JOINT, NULL, NULL, PP_SIDE_LEFT, 0, 2,
     {{LIDO, 8, {{30, 5}, {60, 6}}, 2}, {BUPI, 8, {{30, 6}, {180, 7}}, 2}},
     NEG, NEG, PP_CONC_BOTH_NEGATIVE, false, "negative on both blocks", "BLOCK-DISCORDANT"},
    {"V20 an entry at minute 0 (before onset) is not in the window", "BLOCK-POSITIVE",
     PP_BLOCK_NERVE_ROOT, "L5", NULL, PP_SIDE_LEFT, 0, 1,
     {{LIDO, 8, {{0, 8}, {15, 1}, {60, 1}}, 3}},
     POS, POS, PP_CONC_SINGLE, true, "likely pain generator", NULL},
    {"V21 L4-L5 facet joint, intra-articular, below 80%", "BLOCK-NEGATIVE",
     PP_BLOCK_JOINT, "L4-L5", "facet", PP_SIDE_LEFT, 0, 1,
     {{LIDO, 5, {{30, 2}, {60, 2}}, 2}},
     NEG, NEG, PP_CONC_SINGLE, false, "L4-L5 facet joint (left): negative", NULL},
};
/* clang-format on */

struct run {
    struct pp_block_request req;
    struct pp_block_result res;
    struct pp_findings f;
    struct pp_policy p;
    struct pp_diag d;
};

static void build(struct run *r, const struct vignette *v)
{
    memset(&r->req, 0, sizeof(r->req));
    pp_policy_init(&r->p);
    r->p.block_mbb_standard = v->mbb_standard;
    r->req.target = v->target;
    if (v->level) {
        r->req.levels[0] = v->level;
        r->req.n_levels = 1;
    }
    r->req.joint = v->joint;
    r->req.side = v->side;
    r->req.n_blocks = v->n_blocks;
    for (size_t i = 0; i < v->n_blocks; i++) {
        struct pp_block *b = &r->req.blocks[i];
        b->id = i ? "blk-2" : "blk-1";
        b->guidance = PP_GUIDE_FLUORO;
        b->anesthetic = v->b[i].agent;
        b->concentration_pct = v->b[i].agent == LIDO ? 2 : 0.5;
        b->volume_ml = 0.5;
        b->has_baseline = v->b[i].baseline != NO_BASELINE;
        b->baseline_nrs = b->has_baseline ? v->b[i].baseline : 0;
        b->diary = v->b[i].d;
        b->n_diary = v->b[i].n;
    }
}

/* Run one vignette; returns 0 when every expectation holds, else prints why. */
static int check(const struct vignette *v)
{
    struct run r;
    int bad = 0;

    build(&r, v);
    pp_findings_init(&r.f);
    if (pp_block_evaluate(&r.req, &r.p, &r.res, &r.f, &r.d) != PP_OK) {
        printf("FAIL %s [%s]: input refused: %s: %s\n", v->name, v->rule, r.d.where, r.d.what);
        pp_findings_release(&r.f);
        return 1;
    }
#define EXPECT(cond, ...)                                                                          \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            printf("FAIL %s [%s]: ", v->name, v->rule);                                            \
            printf(__VA_ARGS__);                                                                   \
            printf("\n");                                                                          \
            bad = 1;                                                                               \
        }                                                                                          \
    } while (0)
    EXPECT(pp_findings_count_rule(&r.f, v->rule) > 0, "rule %s did not fire", v->rule);
    if (v->absent_rule)
        EXPECT(pp_findings_count_rule(&r.f, v->absent_rule) == 0, "rule %s fired", v->absent_rule);
    EXPECT(r.res.blocks[0].verdict == v->v0, "block 1 is %s",
           pp_block_verdict_name(r.res.blocks[0].verdict));
    if (v->n_blocks == 2)
        EXPECT(r.res.blocks[1].verdict == v->v1, "block 2 is %s",
               pp_block_verdict_name(r.res.blocks[1].verdict));
    EXPECT(r.res.concordance == v->conc, "concordance %s",
           pp_block_concordance_name(r.res.concordance));
    EXPECT(r.res.generator_likely == v->generator, "generator_likely %d", r.res.generator_likely);
    EXPECT(strstr(r.res.conclusion, v->conclusion) != NULL, "conclusion '%s' lacks '%s'",
           r.res.conclusion, v->conclusion);
    /* never a relief figure from absent data */
    for (size_t i = 0; i < v->n_blocks; i++)
        if (r.res.blocks[i].verdict == INS)
            EXPECT(isnan(r.res.blocks[i].sustained_relief_pct),
                   "insufficient block %zu has a "
                   "sustained relief",
                   i + 1);
#undef EXPECT
    pp_findings_release(&r.f);
    return bad;
}

static void test_blocks__vignettes(void **state)
{
    int passed = 0, failed = 0;
    (void)state;
    for (size_t i = 0; i < ARRAY_SIZE(vignettes); i++) {
        if (check(&vignettes[i]))
            failed++;
        else
            passed++;
    }
    printf("blocks vignettes: %d passed, %d failed\n", passed, failed);
    assert_true(ARRAY_SIZE(vignettes) >= 12);
    assert_int_equal(failed, 0);
}

/* One lidocaine block at `target` with NRS `nrs` at 30 and 60 min from baseline 10. */
static enum pp_block_verdict single(enum pp_block_target target, int standard, double nrs,
                                    double *sustained)
{
    struct run r;
    struct pp_diary_entry d[] = {{30, nrs}, {60, nrs}, {120, 10}};
    struct vignette v = {0};
    enum pp_block_verdict out;

    v.target = target;
    v.level = target == PP_BLOCK_NERVE_ROOT      ? "L5"
              : target == PP_BLOCK_MEDIAL_BRANCH ? "L4-L5"
                                                 : NULL;
    v.joint = target == PP_BLOCK_JOINT ? "hip" : NULL;
    v.mbb_standard = standard;
    v.n_blocks = 1;
    v.b[0].agent = LIDO;
    v.b[0].baseline = 10;
    build(&r, &v);
    r.req.blocks[0].diary = d;
    r.req.blocks[0].n_diary = ARRAY_SIZE(d);
    pp_findings_init(&r.f);
    assert_int_equal(pp_block_evaluate(&r.req, &r.p, &r.res, &r.f, &r.d), PP_OK);
    out = r.res.blocks[0].verdict;
    /* the finding agrees with the verdict */
    assert_int_equal(pp_findings_count_rule(&r.f, out == POS ? "BLOCK-POSITIVE" : "BLOCK-NEGATIVE"),
                     1);
    *sustained = r.res.blocks[0].sustained_relief_pct;
    pp_findings_release(&r.f);
    return out;
}

/* BLOCK-POSITIVE / BLOCK-NEGATIVE at block_mbb_relief_pct 80 (and root, joint 80). */
static void test_blocks__relief_80_boundary(void **state)
{
    static const enum pp_block_target targets[] = {PP_BLOCK_MEDIAL_BRANCH, PP_BLOCK_NERVE_ROOT,
                                                   PP_BLOCK_JOINT};
    double s;
    (void)state;
    for (size_t i = 0; i < ARRAY_SIZE(targets); i++) {
        assert_int_equal(single(targets[i], 0, 2.001, &s), NEG); /* 79.99% */
        assert_true(fabs(s - 79.99) < 1e-6);
        assert_int_equal(single(targets[i], 0, 2.0, &s), POS);   /* 80% */
        assert_int_equal(single(targets[i], 0, 1.999, &s), POS); /* 80.01% */
        assert_true(fabs(s - 80.01) < 1e-6);
    }
}

/* BLOCK-POSITIVE / BLOCK-NEGATIVE at block_si_relief_pct 75. */
static void test_blocks__si_75_boundary(void **state)
{
    double s;
    (void)state;
    assert_int_equal(single(PP_BLOCK_SI_JOINT, 0, 2.501, &s), NEG); /* 74.99% */
    assert_int_equal(single(PP_BLOCK_SI_JOINT, 0, 2.5, &s), POS);   /* 75% */
    assert_int_equal(single(PP_BLOCK_SI_JOINT, 0, 2.499, &s), POS); /* 75.01% */
}

/* BLOCK-POSITIVE / BLOCK-NEGATIVE at block_single_relief_pct 50 (block_mbb_standard 1);
 * the same blocks are negative under the MAC standard. */
static void test_blocks__single_block_50_boundary(void **state)
{
    double s;
    (void)state;
    assert_int_equal(single(PP_BLOCK_MEDIAL_BRANCH, 1, 5.001, &s), NEG); /* 49.99% */
    assert_int_equal(single(PP_BLOCK_MEDIAL_BRANCH, 1, 5.0, &s), POS);   /* 50% */
    assert_int_equal(single(PP_BLOCK_MEDIAL_BRANCH, 1, 4.999, &s), POS); /* 50.01% */
    assert_int_equal(single(PP_BLOCK_MEDIAL_BRANCH, 0, 4.999, &s), NEG); /* MAC: needs 80% */
}

/* A policy override moves the threshold (the rule reads the key, not a literal). */
static void test_blocks__policy_threshold_is_read(void **state)
{
    struct run r;
    struct vignette v = vignettes[0]; /* 87.5% at the L5 root */
    (void)state;
    build(&r, &v);
    r.p.block_root_relief_pct = 90;
    pp_findings_init(&r.f);
    assert_int_equal(pp_block_evaluate(&r.req, &r.p, &r.res, &r.f, &r.d), PP_OK);
    assert_int_equal(r.res.blocks[0].verdict, NEG);
    assert_int_equal(pp_findings_count_rule(&r.f, "BLOCK-NEGATIVE"), 1);
    pp_findings_release(&r.f);
}

/* BLOCK-DIARY-INSUFFICIENT: the lidocaine window (block_lidocaine_minutes 60) must be covered. */
static void test_blocks__window_59_60_61(void **state)
{
    static const double ends[] = {59, 60, 61};
    static const enum pp_block_verdict want[] = {INS, POS, POS};
    (void)state;
    for (size_t i = 0; i < ARRAY_SIZE(ends); i++) {
        struct run r;
        struct pp_diary_entry d[] = {{30, 1}, {ends[i], 1}};
        struct vignette v = vignettes[0];
        build(&r, &v);
        r.req.blocks[0].diary = d;
        r.req.blocks[0].n_diary = 2;
        pp_findings_init(&r.f);
        assert_int_equal(pp_block_evaluate(&r.req, &r.p, &r.res, &r.f, &r.d), PP_OK);
        assert_int_equal(r.res.blocks[0].verdict, want[i]);
        assert_int_equal(pp_findings_count_rule(&r.f, "BLOCK-DIARY-INSUFFICIENT"),
                         want[i] == INS ? 1 : 0);
        pp_findings_release(&r.f);
    }
}

/* BLOCK-CONCORDANT / BLOCK-DISCORDANT at block_comparative_extra_minutes 180: lidocaine relief
 * lost at 60 min, bupivacaine relief last seen at 239, 240, 241 min. */
static void test_blocks__comparative_gap_179_180_181(void **state)
{
    static const double until[] = {239, 240, 241};
    static const enum pp_block_concordance want[] = {PP_CONC_DISCORDANT, PP_CONC_CONCORDANT,
                                                     PP_CONC_CONCORDANT};
    (void)state;
    for (size_t i = 0; i < ARRAY_SIZE(until); i++) {
        struct run r;
        struct pp_diary_entry lido[] = {{30, 1}, {45, 1}, {60, 8}};
        struct pp_diary_entry bupi[] = {{30, 1}, {180, 1}, {until[i], 1}, {until[i] + 60, 8}};
        struct vignette v = vignettes[6];
        build(&r, &v);
        r.req.blocks[0].diary = lido;
        r.req.blocks[0].n_diary = ARRAY_SIZE(lido);
        r.req.blocks[1].diary = bupi;
        r.req.blocks[1].n_diary = ARRAY_SIZE(bupi);
        pp_findings_init(&r.f);
        /* lidocaine relief must hold over its 60-minute window: make the window 45 minutes */
        r.p.block_lidocaine_minutes = 45;
        assert_int_equal(pp_block_evaluate(&r.req, &r.p, &r.res, &r.f, &r.d), PP_OK);
        assert_true(fabs(r.res.duration_gain_minutes - (until[i] - 60)) < 1e-9);
        assert_int_equal(r.res.concordance, want[i]);
        assert_int_equal(pp_findings_count_rule(&r.f, "BLOCK-CONCORDANT"),
                         want[i] == PP_CONC_CONCORDANT ? 1 : 0);
        assert_int_equal(pp_findings_count_rule(&r.f, "BLOCK-DISCORDANT"),
                         want[i] == PP_CONC_DISCORDANT ? 1 : 0);
        pp_findings_release(&r.f);
    }
}

/* Relief figures: peak, sustained (interpolated at the window's end), the relief run. */
static void test_blocks__relief_figures(void **state)
{
    struct run r;
    struct vignette v = vignettes[17]; /* V18: NRS 0 to 120 min, 8 at 240, baseline 10 */
    (void)state;
    build(&r, &v);
    pp_findings_init(&r.f);
    assert_int_equal(pp_block_evaluate(&r.req, &r.p, &r.res, &r.f, &r.d), PP_OK);
    assert_true(fabs(r.res.blocks[0].peak_relief_pct - 100) < 1e-9);
    assert_true(fabs(r.res.blocks[0].sustained_relief_pct - 60) < 1e-9); /* NRS 4 at 180 */
    assert_true(fabs(r.res.blocks[0].relief_until_minutes - 120) < 1e-9);
    assert_true(fabs(r.res.blocks[0].relief_lost_minutes - 240) < 1e-9);
    assert_true(fabs(r.res.blocks[0].expected_minutes - 180) < 1e-9);
    assert_string_equal(r.res.site, "L5 root (right)");
    pp_findings_release(&r.f);
}

/* Malformed requests are PP_ERR_INPUT naming the field. */
static void test_blocks__bad_input_names_the_field(void **state)
{
    static const struct {
        const char *level;
        enum pp_block_target target;
        const char *procedure;
        double nrs1, min1;
        const char *where;
    } cases[] = {
        {"L5", PP_BLOCK_NERVE_ROOT, NULL, 11, 60, "blocks[0].diary[1].nrs"},
        {"L5", PP_BLOCK_NERVE_ROOT, NULL, 1, 10, "blocks[0].diary[1].minutes"}, /* descending */
        {"L6", PP_BLOCK_NERVE_ROOT, NULL, 1, 60, "levels[0]"},
        {"L4-L5", PP_BLOCK_NERVE_ROOT, NULL, 1, 60, "levels[0]"}, /* a root is one level */
        {"L5-L4", PP_BLOCK_MEDIAL_BRANCH, NULL, 1, 60, "levels[0]"},
        {"L5", PP_BLOCK_NERVE_ROOT, "no-such-procedure", 1, 60, "procedure"},
        {"L5", PP_BLOCK_NERVE_ROOT, "esi-tf-cervical", 1, 60, "levels[0]"},
        {NULL, PP_BLOCK_MEDIAL_BRANCH, NULL, 1, 60, "levels"},
    };
    (void)state;
    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        struct run r;
        struct pp_diary_entry d[] = {{30, 1}, {cases[i].min1, cases[i].nrs1}};
        struct vignette v = vignettes[0];
        build(&r, &v);
        r.req.target = cases[i].target;
        r.req.levels[0] = cases[i].level;
        r.req.n_levels = cases[i].level ? 1 : 0;
        r.req.procedure_id = cases[i].procedure;
        r.req.blocks[0].diary = d;
        r.req.blocks[0].n_diary = ARRAY_SIZE(d);
        pp_findings_init(&r.f);
        assert_int_equal(pp_block_evaluate(&r.req, &r.p, &r.res, &r.f, &r.d), PP_ERR_INPUT);
        assert_string_equal(r.d.where, cases[i].where);
        assert_int_equal(r.f.n, 0);
        pp_findings_release(&r.f);
    }
}

/* A matching catalogue procedure is accepted (L5 is within esi-tf-lumbar's L1-S5). */
static void test_blocks__procedure_levels_accepted(void **state)
{
    struct run r;
    struct vignette v = vignettes[0];
    (void)state;
    build(&r, &v);
    r.req.procedure_id = "esi-tf-lumbar";
    pp_findings_init(&r.f);
    assert_int_equal(pp_block_evaluate(&r.req, &r.p, &r.res, &r.f, &r.d), PP_OK);
    pp_findings_release(&r.f);
}

/* Every rule a vignette cites is in the module's rule table, with a source and a statement. */
static void test_blocks__rule_table_is_complete(void **state)
{
    size_t n;
    const struct pp_rule_info *rules = pp_blocks_rules(&n);
    (void)state;
    assert_int_equal(n, 7);
    for (size_t i = 0; i < ARRAY_SIZE(vignettes); i++) {
        bool found = false;
        for (size_t k = 0; k < n; k++)
            found = found || strcmp(rules[k].id, vignettes[i].rule) == 0;
        assert_true(found);
    }
    for (size_t k = 0; k < n; k++) {
        assert_true(strlen(rules[k].statement) > 20);
        assert_non_null(strstr(rules[k].source, "CLINICAL-FACTS"));
        assert_true(strncmp(rules[k].id, "BLOCK-", 6) == 0);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_blocks__rule_table_is_complete),
        cmocka_unit_test(test_blocks__vignettes),
        cmocka_unit_test(test_blocks__relief_80_boundary),
        cmocka_unit_test(test_blocks__si_75_boundary),
        cmocka_unit_test(test_blocks__single_block_50_boundary),
        cmocka_unit_test(test_blocks__policy_threshold_is_read),
        cmocka_unit_test(test_blocks__window_59_60_61),
        cmocka_unit_test(test_blocks__comparative_gap_179_180_181),
        cmocka_unit_test(test_blocks__relief_figures),
        cmocka_unit_test(test_blocks__bad_input_names_the_field),
        cmocka_unit_test(test_blocks__procedure_levels_accepted),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
