/*
 * coverage.c — evaluates a proposed procedure against the criteria rows of a table
 * (coverage_table.c by default, or a payer's JSON rows) and loads such tables. Each kind
 * reads its numbers from policy keys named by the row; no threshold is written here.
 * Pure: no I/O, no clock.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "clinical/coverage.h"
#include "clinical/coverage_int.h"
#include "util/buf.h"
#include "util/json.h"

/* ---- names ---- */

static const char *const kind_names[PP_COV_KIND_COUNT] = {
    "pain-duration-days",
    "pain-duration-months",
    "conservative-care",
    "imaging-done",
    "guidance-contrast",
    "guidance-no-ultrasound",
    "max-levels",
    "max-regions",
    "not-bilateral",
    "max-sessions",
    "min-interval",
    "previous-positive",
    "positive-blocks",
    "repeat-relief",
    "repeat-relief-or-retry",
    "same-scale",
    "provocation-tests",
    "psych-evaluation",
    "other-modalities-failed",
    "trial-success",
    "trial-length",
    "not-covered",
};

/* How many policy keys each kind reads: at least, at most. */
static const unsigned char kind_keys[PP_COV_KIND_COUNT][2] = {
    {1, 1}, {1, 1}, {0, 1}, {0, 0}, {0, 0}, {0, 0}, {1, 1}, {1, 1}, {0, 0}, {1, 2}, {1, 1},
    {2, 2}, {2, 3}, {3, 4}, {4, 4}, {0, 0}, {1, 1}, {0, 0}, {0, 0}, {2, 2}, {1, 1}, {0, 0},
};

const char *pp_cov_kind_name(enum pp_cov_kind k)
{
    return (unsigned)k < PP_COV_KIND_COUNT ? kind_names[k] : NULL;
}

const char *pp_cov_verdict_name(enum pp_cov_verdict v)
{
    switch (v) {
    case PP_COV_ELIGIBLE: return "eligible";
    case PP_COV_ELIGIBLE_LATER: return "eligible-later";
    case PP_COV_NOT_ELIGIBLE: return "not-eligible";
    case PP_COV_NO_CRITERIA: return "no-criteria";
    }
    return "?";
}

const char *pp_cov_status_name(enum pp_cov_status s)
{
    switch (s) {
    case PP_COV_MET: return "met";
    case PP_COV_UNMET: return "unmet";
    case PP_COV_NOT_APPLICABLE: return "not-applicable";
    }
    return "?";
}

const char *pp_cov_side_name(enum pp_cov_side s)
{
    switch (s) {
    case PP_COV_SIDE_NONE: return "none";
    case PP_COV_SIDE_LEFT: return "left";
    case PP_COV_SIDE_RIGHT: return "right";
    case PP_COV_SIDE_BILATERAL: return "bilateral";
    }
    return "?";
}

/* ---- tables ---- */

void pp_coverage_table_default(struct pp_cov_table *t)
{
    memset(t, 0, sizeof(*t));
    t->rows = pp_cov_default_rows(&t->n);
    pp_arena_init(&t->arena);
}

void pp_coverage_table_release(struct pp_cov_table *t)
{
    free(t->owned);
    pp_arena_release(&t->arena);
    memset(t, 0, sizeof(*t));
}

/* The i-th comma-separated key of `keys` copied into out[cap]; false past the end. */
static bool key_at(const char *keys, size_t i, char *out, size_t cap)
{
    const char *s = keys;
    for (size_t k = 0; k < i && s; k++) {
        s = strchr(s, ',');
        s = s ? s + 1 : NULL;
    }
    if (!s || !*s)
        return false;
    size_t n = strcspn(s, ",");
    if (n >= cap)
        n = cap - 1;
    memcpy(out, s, n);
    out[n] = '\0';
    return true;
}

/* A JSON row's optional string member into the arena; PP_ERR_INPUT when not a string. */
static enum pp_err row_str(struct pp_arena *a, const cJSON *o, const char *key, bool required,
                           const char *where, const char **out, struct pp_diag *d)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    if (!v || cJSON_IsNull(v)) {
        *out = NULL;
        return required ? pp_diag_set(d, PP_ERR_INPUT, where, "%s: missing; expected a string", key)
                        : PP_OK;
    }
    if (!cJSON_IsString(v) || !*v->valuestring)
        return pp_diag_set(d, PP_ERR_INPUT, where, "%s: expected a non-empty string", key);
    *out = pp_arena_strdup(a, v->valuestring);
    return PP_OK;
}

static enum pp_err load_row(struct pp_arena *a, const cJSON *o, const char *where,
                            const struct pp_policy *p, struct pp_cov_criterion *r,
                            struct pp_diag *d)
{
    static const char *const fields[] = {
        "id", "family", "kind", "keys", "prior", "title", "source", "herpes_zoster_exempt", NULL};
    const char *kind = NULL;
    const cJSON *it, *keys, *zx;
    struct pp_buf kb;
    size_t n_keys = 0;
    enum pp_err rc;

    if (!cJSON_IsObject(o))
        return pp_diag_set(d, PP_ERR_INPUT, where, "expected a criterion object");
    cJSON_ArrayForEach(it, o)
    {
        bool known = false;
        for (size_t k = 0; fields[k]; k++)
            known = known || strcmp(it->string, fields[k]) == 0;
        if (!known)
            return pp_diag_set(d, PP_ERR_INPUT, where, "%.60s: unknown field", it->string);
    }
    if ((rc = row_str(a, o, "id", true, where, &r->id, d)) ||
        (rc = row_str(a, o, "family", true, where, &r->family, d)) ||
        (rc = row_str(a, o, "kind", true, where, &kind, d)) ||
        (rc = row_str(a, o, "prior", false, where, &r->prior, d)) ||
        (rc = row_str(a, o, "title", false, where, &r->title, d)) ||
        (rc = row_str(a, o, "source", false, where, &r->source, d)))
        return rc;
    if (!pp_cov_family_known(r->family))
        return pp_diag_set(d, PP_ERR_INPUT, where, "family: unknown procedure family '%.60s'",
                           r->family);
    if (r->prior && !pp_cov_family_known(r->prior))
        return pp_diag_set(d, PP_ERR_INPUT, where, "prior: unknown procedure family '%.60s'",
                           r->prior);
    r->kind = PP_COV_KIND_COUNT;
    for (size_t k = 0; k < PP_COV_KIND_COUNT; k++)
        if (strcmp(kind, kind_names[k]) == 0)
            r->kind = (enum pp_cov_kind)k;
    if (r->kind == PP_COV_KIND_COUNT)
        return pp_diag_set(d, PP_ERR_INPUT, where, "kind: unknown criterion kind '%.60s'", kind);
    zx = cJSON_GetObjectItemCaseSensitive(o, "herpes_zoster_exempt");
    if (zx && !cJSON_IsBool(zx))
        return pp_diag_set(d, PP_ERR_INPUT, where, "herpes_zoster_exempt: expected true or false");
    r->zoster_exempt = zx && cJSON_IsTrue(zx);
    keys = cJSON_GetObjectItemCaseSensitive(o, "keys");
    if (keys && !cJSON_IsArray(keys))
        return pp_diag_set(d, PP_ERR_INPUT, where, "keys: expected an array of policy keys");
    pp_buf_init(&kb, 1024);
    cJSON_ArrayForEach(it, keys)
    {
        double v;
        if (!cJSON_IsString(it) || !pp_policy_get(p, it->valuestring, &v)) {
            pp_buf_release(&kb);
            return pp_diag_set(d, PP_ERR_INPUT, where, "keys[%zu]: unknown policy key '%.60s'",
                               n_keys, cJSON_IsString(it) ? it->valuestring : "?");
        }
        pp_buf_adds(&kb, n_keys ? "," : "");
        pp_buf_adds(&kb, it->valuestring);
        n_keys++;
    }
    r->policy_keys = pp_arena_strdup(a, kb.data ? kb.data : "");
    pp_buf_release(&kb);
    if (n_keys < kind_keys[r->kind][0] || n_keys > kind_keys[r->kind][1])
        return pp_diag_set(d, PP_ERR_INPUT, where,
                           "keys: kind '%s' reads %u to %u policy keys, got %zu", kind,
                           kind_keys[r->kind][0], kind_keys[r->kind][1], n_keys);
    if (!r->title)
        r->title = r->id;
    if (!r->source)
        r->source = "payer criteria table (no CLINICAL-FACTS row)";
    return PP_OK;
}

enum pp_err pp_coverage_table_load_json(struct pp_cov_table *t, const char *text, size_t len,
                                        const char *name, const struct pp_policy *p,
                                        struct pp_diag *d)
{
    struct pp_cov_table nt;
    cJSON *root = NULL, *it;
    enum pp_err rc;
    size_t i = 0;

    rc = pp_json_parse(text, len, name, &root, d);
    if (rc)
        return rc;
    if (!cJSON_IsArray(root)) {
        cJSON_Delete(root);
        return pp_diag_set(d, PP_ERR_INPUT, name, "expected a JSON array of criterion rows");
    }
    memset(&nt, 0, sizeof(nt));
    pp_arena_init(&nt.arena);
    nt.n = (size_t)cJSON_GetArraySize(root);
    nt.owned = pp_xcalloc(nt.n ? nt.n : 1, sizeof(*nt.owned));
    cJSON_ArrayForEach(it, root)
    {
        char where[48];
        snprintf(where, sizeof(where), "[%zu]", i);
        rc = load_row(&nt.arena, it, where, p, &nt.owned[i], d);
        if (rc) {
            pp_diag_prefix_file(d, name);
            break;
        }
        i++;
    }
    cJSON_Delete(root);
    if (rc) {
        pp_coverage_table_release(&nt);
        return rc;
    }
    nt.rows = nt.owned;
    pp_coverage_table_release(t);
    *t = nt;
    return PP_OK;
}

/* ---- families, regions, levels ---- */

static const struct pp_cov_family_map *map_of(const struct pp_proc_entry *e)
{
    return e ? pp_cov_family_of(e->id) : NULL;
}

bool pp_coverage_names(const struct pp_proc_entry *e, unsigned purpose, const char *names[4])
{
    const struct pp_cov_family_map *m = map_of(e);
    size_t n = 0;
    names[0] = names[1] = names[2] = names[3] = NULL;
    if (!m)
        return false;
    names[n++] = m->family;
    names[n++] = m->group;
    if (purpose == PP_PURPOSE_DIAGNOSTIC && m->diagnostic)
        names[n++] = m->diagnostic;
    else if (purpose == PP_PURPOSE_THERAPEUTIC && m->therapeutic)
        names[n++] = m->therapeutic;
    return true;
}

static bool answers_to(const struct pp_proc_entry *e, unsigned purpose, const char *name)
{
    const char *names[4];
    if (!pp_coverage_names(e, purpose, names))
        return false;
    for (size_t k = 0; names[k]; k++)
        if (strcmp(names[k], name) == 0)
            return true;
    return false;
}

/* The purpose an entry was (or will be) done for; 0 when it must be said. */
static unsigned resolve_purpose(const struct pp_proc_entry *e, unsigned purpose)
{
    const struct pp_cov_family_map *m = map_of(e);
    unsigned bits = e->purpose;
    if (purpose)
        return (bits & purpose) ? purpose : 0;
    if ((bits & (bits - 1)) == 0)
        return bits;
    /* both purposes listed: the families that count them apart need to be told */
    if (m && m->diagnostic && m->therapeutic)
        return 0;
    if (m && m->diagnostic && (bits & PP_PURPOSE_DIAGNOSTIC))
        return PP_PURPOSE_DIAGNOSTIC;
    return (bits & PP_PURPOSE_THERAPEUTIC) ? PP_PURPOSE_THERAPEUTIC : (bits & -bits);
}

/* The spinal region of a level ("L4" or the joint "L4-L5"): its first level decides. Lumbar
 * and sacral are one region, as in the CPT families (§2.3 regions, §2.6). */
static const char *level_region(const char *level)
{
    switch (level[0]) {
    case 'C': return "cervical";
    case 'T': return "thoracic";
    default: return "lumbosacral";
    }
}

static const char *entry_region(const struct pp_proc_entry *e)
{
    switch (e->region) {
    case PP_REGION_LUMBAR:
    case PP_REGION_SACRAL: return "lumbosacral";
    default: return pp_proc_region_name(e->region);
    }
}

static const char *levels_region(const struct pp_proc_entry *e, const char *const *levels, size_t n)
{
    return n ? level_region(levels[0]) : entry_region(e);
}

/* Neuromodulation leads are placed per patient: "spine" matches any spinal region. */
static bool region_match(const char *a, const char *b)
{
    return strcmp(a, b) == 0 || strcmp(a, "spine") == 0 || strcmp(b, "spine") == 0;
}

/* Check one level or joint ("L4", "L4-L5") and, when `e` has levels, that it lies in them. */
static enum pp_err check_level(const char *s, const struct pp_proc_entry *e, const char *where,
                               struct pp_diag *d)
{
    const char *dash = strchr(s, '-');
    size_t n1 = dash ? (size_t)(dash - s) : strlen(s);
    int a, b;
    if (!pp_spine_level_parse(s, n1, &a) ||
        (dash && !pp_spine_level_parse(dash + 1, strlen(dash + 1), &b)))
        return pp_diag_set(d, PP_ERR_INPUT, where,
                           "expected a spinal level such as \"L5\" or a joint such as \"L4-L5\", "
                           "got '%.20s'",
                           s);
    if (e && e->level_first && !pp_procedure_covers_level(e, a))
        return pp_diag_set(d, PP_ERR_INPUT, where, "level %.20s is outside %s (%s-%s)", s, e->id,
                           e->level_first, e->level_last);
    return PP_OK;
}

/* ---- evaluation ---- */

/* What one evaluation sees: the proposal's names and region, the history, the policy. */
struct ctx {
    const struct pp_cov_proposal *prop;
    const struct pp_cov_history *h;
    const struct pp_policy *p;
    unsigned purpose;
    const char *region;
    const char *family;      /* the proposal's own family */
    unsigned *prior_purpose; /* resolved purpose of each prior */
};

static double key_value(const struct ctx *c, const struct pp_cov_criterion *r, size_t i,
                        bool *present)
{
    char name[64];
    double v = NAN;
    *present = key_at(r->policy_keys, i, name, sizeof(name)) && pp_policy_get(c->p, name, &v);
    return v;
}

static double key_or_nan(const struct ctx *c, const struct pp_cov_criterion *r, size_t i)
{
    bool present;
    double v = key_value(c, r, i, &present);
    return present ? v : NAN;
}

static bool prior_counts(const struct ctx *c, size_t i, const char *family)
{
    const struct pp_cov_prior *pr = &c->h->priors[i];
    return answers_to(pr->entry, c->prior_purpose[i], family) &&
           region_match(levels_region(pr->entry, pr->levels, pr->n_levels), c->region);
}

/* The latest prior of `family` in the region (on or before the date), or -1. */
static long latest_prior(const struct ctx *c, const char *family)
{
    long best = -1;
    for (size_t i = 0; i < c->h->n_priors; i++)
        if (prior_counts(c, i, family) &&
            (best < 0 || c->h->priors[i].date >= c->h->priors[best].date))
            best = (long)i;
    return best;
}

static double prior_relief(const struct pp_cov_prior *pr)
{
    if (!isnan(pr->relief_pct))
        return pr->relief_pct;
    if (pr->baseline_pain > 0 && !isnan(pr->followup_pain))
        return (pr->baseline_pain - pr->followup_pain) / pr->baseline_pain * 100.0;
    return NAN;
}

/* Function improvement; disability scores (ODI, NDI): lower is better. */
static double prior_function(const struct pp_cov_prior *pr)
{
    if (!isnan(pr->function_improvement_pct))
        return pr->function_improvement_pct;
    if (pr->baseline_function > 0 && !isnan(pr->followup_function))
        return (pr->baseline_function - pr->followup_function) / pr->baseline_function * 100.0;
    return NAN;
}

static void say(struct pp_cov_check *k, enum pp_cov_status st, const char *fmt, ...)
    PP_PRINTF(3, 4);
static void say(struct pp_cov_check *k, enum pp_cov_status st, const char *fmt, ...)
{
    va_list ap;
    k->status = st;
    va_start(ap, fmt);
    vsnprintf(k->reason, sizeof(k->reason), fmt, ap);
    va_end(ap);
}

/* Unmet, but met from `due` on (time is the only obstacle). */
static void due_on(struct pp_cov_check *k, pp_day due, const char *what, double have, double need,
                   const char *unit)
{
    char ds[11];
    pp_day_format(due, ds);
    k->eligible_on = due;
    say(k, PP_COV_UNMET, "%s %.0f %s of %.0f required; met on %s", what, have, unit, need, ds);
}

/* A measured number with its unit, or "not documented". */
static void fmt_num(char *out, size_t cap, double v, const char *unit)
{
    if (isnan(v))
        snprintf(out, cap, "not documented");
    else
        snprintf(out, cap, "%.2f%s", v, unit);
}

/* Whole calendar months from `since` to `date` (0 when date is earlier). */
static int months_between(pp_day since, pp_day date)
{
    int m = 0;
    while (pp_day_add_months(since, m + 1) <= date)
        m++;
    return m;
}

static void check_since(const struct ctx *c, struct pp_cov_check *k, pp_day since, pp_day due,
                        const char *what, double need, const char *unit, bool months)
{
    pp_day date = c->prop->date;
    double have = months ? (double)months_between(since, date) : (double)(date - since);
    if (date >= due)
        say(k, PP_COV_MET, "%s %.0f %s (>= %.0f)", what, have, unit, need);
    else
        due_on(k, due, what, have, need, unit);
}

/* The smallest day t with add_months(t, -window) >= s: when session s leaves the window. */
static pp_day leaves_window(pp_day s, int window)
{
    pp_day t = pp_day_add_months(s, window);
    while (pp_day_add_months(t, -window) < s)
        t++;
    return t;
}

static int cmp_day_desc(const void *a, const void *b)
{
    pp_day x = *(const pp_day *)a, y = *(const pp_day *)b;
    return (x < y) - (x > y);
}

static void check_sessions(const struct ctx *c, const struct pp_cov_criterion *r,
                           struct pp_cov_check *k)
{
    const char *fam = r->prior ? r->prior : r->family;
    double max = key_or_nan(c, r, 0), window = key_or_nan(c, r, 1);
    bool lifetime = isnan(window);
    pp_day from = lifetime ? 0 : pp_day_add_months(c->prop->date, -(int)window);
    pp_day *dates = pp_xcalloc(c->h->n_priors + 1, sizeof(*dates));
    size_t n = 0;

    for (size_t i = 0; i < c->h->n_priors; i++)
        if (prior_counts(c, i, fam) && (lifetime || c->h->priors[i].date > from))
            dates[n++] = c->h->priors[i].date;
    if ((double)n + 1 <= max) {
        say(k, PP_COV_MET, "%zu prior %s session(s) in the %s region%s; this one is %zu of %.0f", n,
            fam, c->region, lifetime ? " (lifetime)" : " within the window", n + 1, max);
    } else if (lifetime) {
        say(k, PP_COV_UNMET, "%zu prior %s session(s) in the %s region per lifetime; at most %.0f",
            n, fam, c->region, max);
    } else {
        char ds[11];
        qsort(dates, n, sizeof(*dates), cmp_day_desc);
        /* the max-th most recent must leave the window for this one to fit */
        k->eligible_on = leaves_window(dates[(size_t)max - 1], (int)window);
        pp_day_format(k->eligible_on, ds);
        say(k, PP_COV_UNMET,
            "%zu prior %s session(s) in the %s region in the last %.0f months; this would be "
            "%zu of %.0f; met on %s",
            n, fam, c->region, window, n + 1, max, ds);
    }
    free(dates);
}

static bool levels_equal(const struct pp_cov_prior *pr, const struct pp_cov_proposal *prop)
{
    if (pr->n_levels != prop->n_levels)
        return false;
    for (size_t i = 0; i < pr->n_levels; i++) {
        bool found = false;
        for (size_t j = 0; j < prop->n_levels; j++)
            found = found || strcmp(pr->levels[i], prop->levels[j]) == 0;
        if (!found)
            return false;
    }
    return true;
}

/* Relief of prior `pr` meets pct for months, or function meets fpct. */
static bool relief_met(const struct pp_cov_prior *pr, double pct, double months, double fpct,
                       char *why, size_t cap)
{
    double rel = prior_relief(pr), fn = prior_function(pr);
    char a[24], b[24], f[24];
    fmt_num(a, sizeof(a), rel, "%");
    fmt_num(b, sizeof(b), pr->relief_months, " months");
    fmt_num(f, sizeof(f), fn, "%");
    snprintf(why, cap,
             "previous %s: relief %s for %s (need >= %.0f%% for >= %.0f months), "
             "function improvement %s (or >= %.0f%%)",
             pr->entry->id, a, b, pct, months, f, fpct);
    return (!isnan(rel) && rel >= pct && !isnan(pr->relief_months) &&
            pr->relief_months >= months) ||
           (!isnan(fn) && fn >= fpct);
}

static void check_repeat(const struct ctx *c, const struct pp_cov_criterion *r,
                         struct pp_cov_check *k)
{
    const char *fam = r->prior ? r->prior : r->family;
    long last = latest_prior(c, fam);
    double pct = key_or_nan(c, r, 0), months = key_or_nan(c, r, 1), fpct = key_or_nan(c, r, 2);
    double extra = key_or_nan(c, r, 3);
    const struct pp_cov_prior *pr;
    char why[PP_COV_REASON_MAX - 40];
    size_t n = 0;

    if (last < 0) {
        say(k, PP_COV_NOT_APPLICABLE, "no prior %s in the %s region: not a repeat", fam, c->region);
        return;
    }
    pr = &c->h->priors[last];
    if (r->kind == PP_COV_REPEAT_RELIEF && !isnan(extra) &&
        c->prop->date >= pp_day_add_months(pr->date, (int)extra)) {
        say(k, PP_COV_NOT_APPLICABLE,
            "the last %s is %.0f or more months old: new diagnostic blocks decide instead", fam,
            extra);
        return;
    }
    if (relief_met(pr, pct, months, fpct, why, sizeof(why))) {
        say(k, PP_COV_MET, "%s", why);
        return;
    }
    if (r->kind == PP_COV_REPEAT_OR_RETRY) {
        for (size_t i = 0; i < c->h->n_priors; i++)
            n += prior_counts(c, i, fam);
        /* §0: after a failed FIRST one, a repeat later with a different approach/level/drug */
        if (n == 1) {
            bool differs = pr->entry != c->prop->entry || !levels_equal(pr, c->prop) ||
                           (pr->drug && c->prop->drug && strcasecmp(pr->drug, c->prop->drug));
            pp_day due = pr->date + (pp_day)extra;
            if (!differs) {
                say(k, PP_COV_UNMET,
                    "%s; after a failed first one a repeat needs a different approach, level or "
                    "drug",
                    why);
            } else if (c->prop->date < due) {
                char ds[11];
                pp_day_format(due, ds);
                k->eligible_on = due;
                say(k, PP_COV_UNMET,
                    "failed first %s %d days ago; a different one needs >= %.0f "
                    "days; met on %s",
                    fam, (int)(c->prop->date - pr->date), extra, ds);
            } else {
                say(k, PP_COV_MET,
                    "failed first %s %d days ago (>= %.0f); this one differs in approach, level "
                    "or drug",
                    fam, (int)(c->prop->date - pr->date), extra);
            }
            return;
        }
    }
    say(k, PP_COV_UNMET, "%s", why);
}

static void check_blocks(const struct ctx *c, const struct pp_cov_criterion *r,
                         struct pp_cov_check *k)
{
    const char *fam = r->prior ? r->prior : r->family;
    double need = key_or_nan(c, r, 0), pct = key_or_nan(c, r, 1), reblock = key_or_nan(c, r, 2);
    pp_day after = PP_DAY_NONE;
    size_t n = 0, total = 0;

    if (!isnan(reblock)) {
        long own = latest_prior(c, c->family);
        if (own >= 0) {
            pp_day last = c->h->priors[own].date;
            if (c->prop->date < pp_day_add_months(last, (int)reblock)) {
                say(k, PP_COV_NOT_APPLICABLE,
                    "a %s in the region less than %.0f months ago: a repeat, not a first",
                    c->family, reblock);
                return;
            }
            after = last; /* §0: >= 2 years since the last RFA: the blocks are repeated */
        }
    }
    for (size_t i = 0; i < c->h->n_priors; i++) {
        double rel;
        if (!prior_counts(c, i, fam) || (after != PP_DAY_NONE && c->h->priors[i].date <= after))
            continue;
        total++;
        rel = prior_relief(&c->h->priors[i]);
        n += !isnan(rel) && rel >= pct;
    }
    if ((double)n >= need)
        say(k, PP_COV_MET, "%zu %s block(s) in the %s region with >= %.0f%% relief (need %.0f)", n,
            fam, c->region, pct, need);
    else
        say(k, PP_COV_UNMET,
            "%zu of %zu %s block(s) in the %s region%s gave >= %.0f%% relief; %.0f needed", n,
            total, fam, c->region, after != PP_DAY_NONE ? " since the last one" : "", pct, need);
}

static void check_previous(const struct ctx *c, const struct pp_cov_criterion *r,
                           struct pp_cov_check *k)
{
    const char *fam = r->prior ? r->prior : r->family;
    double pct = key_or_nan(c, r, 0), window = key_or_nan(c, r, 1);
    long last = latest_prior(c, fam);
    double rel;

    if (last < 0 || c->h->priors[last].date <= pp_day_add_months(c->prop->date, -(int)window)) {
        say(k, PP_COV_NOT_APPLICABLE, "no %s in the %s region in the last %.0f months: a first",
            fam, c->region, window);
        return;
    }
    rel = prior_relief(&c->h->priors[last]);
    if (!isnan(rel) && rel >= pct)
        say(k, PP_COV_MET, "the previous %s gave %.2f%% relief (>= %.0f%%)", fam, rel, pct);
    else if (isnan(rel))
        say(k, PP_COV_UNMET, "the previous %s's relief is not documented (need >= %.0f%%)", fam,
            pct);
    else
        say(k, PP_COV_UNMET, "the previous %s gave %.2f%% relief; a next one needs >= %.0f%%", fam,
            rel, pct);
}

static void check_trial(const struct ctx *c, const struct pp_cov_criterion *r,
                        struct pp_cov_check *k)
{
    const char *fam = r->prior ? r->prior : r->family;
    long last = latest_prior(c, fam);
    const struct pp_cov_prior *pr;
    double a = key_or_nan(c, r, 0), b = key_or_nan(c, r, 1);
    char x[24], y[24];

    if (last < 0) {
        say(k, PP_COV_UNMET, "no %s documented before the implant", fam);
        return;
    }
    pr = &c->h->priors[last];
    if (r->kind == PP_COV_TRIAL_LENGTH) {
        fmt_num(x, sizeof(x), pr->trial_days, " days");
        if (a <= 0 || (!isnan(pr->trial_days) && pr->trial_days >= a))
            say(k, PP_COV_MET, "trial lasted %s (>= %.0f days)", x, a);
        else
            say(k, PP_COV_UNMET, "trial lasted %s; at least %.0f days required", x, a);
        return;
    }
    fmt_num(x, sizeof(x), prior_relief(pr), "%");
    fmt_num(y, sizeof(y), pr->medication_reduction_pct, "%");
    /* NAN compares false: an undocumented number never meets the threshold */
    if (prior_relief(pr) >= a || pr->medication_reduction_pct >= b)
        say(k, PP_COV_MET,
            "trial: pain relief %s, medication reduction %s (>= %.0f%% or >= %.0f%%)", x, y, a, b);
    else
        say(k, PP_COV_UNMET,
            "trial: pain relief %s, medication reduction %s; need >= %.0f%% or >= %.0f%%", x, y, a,
            b);
}

static void check_guidance(const struct ctx *c, const struct pp_cov_criterion *r,
                           struct pp_cov_check *k)
{
    unsigned g = c->prop->guidance;
    const char *gn = pp_proc_guidance_name(g) ? pp_proc_guidance_name(g) : "none";
    bool image = g == PP_GUIDE_FLUORO || g == PP_GUIDE_CT;

    if (r->kind == PP_COV_GUIDE_NO_US) {
        if (image)
            say(k, PP_COV_MET, "%s guidance", gn);
        else
            say(k, PP_COV_UNMET, "%s guidance is not covered; fluoroscopy or CT required", gn);
        return;
    }
    if (image && (c->prop->contrast || c->h->contrast_allergy))
        say(k, PP_COV_MET, "%s %s", gn,
            c->prop->contrast ? "with contrast" : "without contrast (documented contrast allergy)");
    else if (image)
        say(k, PP_COV_UNMET, "%s without contrast and no documented contrast allergy", gn);
    else if (g == PP_GUIDE_US && (c->h->contrast_allergy || c->h->pregnant))
        say(k, PP_COV_MET, "ultrasound allowed: %s",
            c->h->contrast_allergy ? "contrast allergy" : "pregnancy");
    else
        say(k, PP_COV_UNMET,
            "%s guidance is not covered (ultrasound only with a contrast allergy or pregnancy)",
            gn);
}

static void check_dated(struct pp_cov_check *k, pp_day when, pp_day date, const char *what)
{
    char ds[11];
    if (when == PP_DAY_NONE) {
        say(k, PP_COV_UNMET, "%s not documented", what);
        return;
    }
    pp_day_format(when, ds);
    if (when <= date) {
        say(k, PP_COV_MET, "%s on %s", what, ds);
    } else {
        k->eligible_on = when;
        say(k, PP_COV_UNMET, "%s scheduled for %s; met on that day", what, ds);
    }
}

static size_t distinct_regions(const struct pp_cov_proposal *prop)
{
    const char *seen[PP_COV_MAX_LEVELS];
    size_t n = 0;
    for (size_t i = 0; i < prop->n_levels; i++) {
        const char *rg = level_region(prop->levels[i]);
        bool dup = false;
        for (size_t j = 0; j < n; j++)
            dup = dup || seen[j] == rg;
        if (!dup)
            seen[n++] = rg;
    }
    return n ? n : 1;
}

static size_t distinct_levels(const struct pp_cov_proposal *prop)
{
    size_t n = 0;
    for (size_t i = 0; i < prop->n_levels; i++) {
        bool dup = false;
        for (size_t j = 0; j < i; j++)
            dup = dup || strcmp(prop->levels[i], prop->levels[j]) == 0;
        n += !dup;
    }
    return n;
}

static void check_scales(const struct ctx *c, const struct pp_cov_criterion *r,
                         struct pp_cov_check *k)
{
    const struct pp_cov_history *h = c->h;
    const char *fam = r->prior ? r->prior : r->family;
    if (!h->baseline_pain_scale || !h->baseline_function_scale) {
        say(k, PP_COV_UNMET, "baseline %s scale not documented",
            !h->baseline_pain_scale ? "pain" : "function");
        return;
    }
    for (size_t i = 0; i < h->n_priors; i++) {
        const char *s = h->priors[i].followup_scale;
        if (prior_counts(c, i, fam) && s && strcasecmp(s, h->baseline_pain_scale) != 0 &&
            strcasecmp(s, h->baseline_function_scale) != 0) {
            say(k, PP_COV_UNMET, "follow-up of %s on %.20s, baseline on %.20s/%.20s",
                h->priors[i].entry->id, s, h->baseline_pain_scale, h->baseline_function_scale);
            return;
        }
    }
    say(k, PP_COV_MET, "baseline on %.20s and %.20s; follow-ups on the same scale",
        h->baseline_pain_scale, h->baseline_function_scale);
}

static void check_one(const struct ctx *c, const struct pp_cov_criterion *r, struct pp_cov_check *k)
{
    const struct pp_cov_history *h = c->h;
    pp_day date = c->prop->date;
    double v0 = key_or_nan(c, r, 0);

    k->row = r;
    k->eligible_on = PP_DAY_NONE;
    if (r->zoster_exempt && h->herpes_zoster) {
        say(k, PP_COV_MET, "herpes zoster: exempt");
        return;
    }
    switch (r->kind) {
    case PP_COV_PAIN_DAYS:
    case PP_COV_PAIN_MONTHS: {
        bool months = r->kind == PP_COV_PAIN_MONTHS;
        if (h->pain_onset == PP_DAY_NONE)
            say(k, PP_COV_UNMET, "pain onset not documented");
        else
            check_since(c, k, h->pain_onset,
                        months ? pp_day_add_months(h->pain_onset, (int)v0)
                               : h->pain_onset + (pp_day)v0,
                        "pain for", v0, months ? "months" : "days", months);
        break;
    }
    case PP_COV_CONSERVATIVE:
        if (h->conservative_start == PP_DAY_NONE)
            say(k, PP_COV_UNMET, "conservative care not documented");
        else if (!h->conservative_failed)
            say(k, PP_COV_UNMET, "conservative care not documented as failed");
        else if (isnan(v0))
            say(k, PP_COV_MET, "conservative care failed");
        else
            check_since(c, k, h->conservative_start, h->conservative_start + (pp_day)v0,
                        "failed conservative care for", v0, "days", false);
        break;
    case PP_COV_IMAGING: check_dated(k, h->imaging_date, date, "imaging"); break;
    case PP_COV_PSYCH_EVAL:
        check_dated(k, h->psych_eval_date, date, "psychological evaluation");
        break;
    case PP_COV_GUIDE_CONTRAST:
    case PP_COV_GUIDE_NO_US: check_guidance(c, r, k); break;
    case PP_COV_MAX_LEVELS_KIND: {
        size_t n = distinct_levels(c->prop);
        say(k, (double)n <= v0 ? PP_COV_MET : PP_COV_UNMET, "%zu level(s); at most %.0f", n, v0);
        break;
    }
    case PP_COV_MAX_REGIONS: {
        size_t n = distinct_regions(c->prop);
        say(k, (double)n <= v0 ? PP_COV_MET : PP_COV_UNMET, "%zu region(s); at most %.0f", n, v0);
        break;
    }
    case PP_COV_NOT_BILATERAL:
        say(k, c->prop->side == PP_COV_SIDE_BILATERAL ? PP_COV_UNMET : PP_COV_MET, "side: %s",
            pp_cov_side_name(c->prop->side));
        break;
    case PP_COV_MAX_SESSIONS: check_sessions(c, r, k); break;
    case PP_COV_MIN_INTERVAL: {
        long last = latest_prior(c, r->prior ? r->prior : r->family);
        if (last < 0)
            say(k, PP_COV_NOT_APPLICABLE, "no previous one in the %s region", c->region);
        else
            check_since(c, k, h->priors[last].date, h->priors[last].date + (pp_day)v0,
                        "since the previous one:", v0, "days", false);
        break;
    }
    case PP_COV_PREVIOUS_POSITIVE: check_previous(c, r, k); break;
    case PP_COV_POSITIVE_BLOCKS: check_blocks(c, r, k); break;
    case PP_COV_REPEAT_RELIEF:
    case PP_COV_REPEAT_OR_RETRY: check_repeat(c, r, k); break;
    case PP_COV_SAME_SCALE: check_scales(c, r, k); break;
    case PP_COV_PROVOCATION:
        if (h->provocation_positive < 0)
            say(k, PP_COV_UNMET, "provocation tests not documented");
        else
            say(k, h->provocation_positive >= v0 ? PP_COV_MET : PP_COV_UNMET,
                "%d positive provocation test(s); at least %.0f", h->provocation_positive, v0);
        break;
    case PP_COV_OTHER_FAILED:
        say(k, h->other_modalities_failed ? PP_COV_MET : PP_COV_UNMET, "other modalities %s",
            h->other_modalities_failed ? "tried and failed" : "not documented as failed");
        break;
    case PP_COV_TRIAL_SUCCESS:
    case PP_COV_TRIAL_LENGTH: check_trial(c, r, k); break;
    case PP_COV_NOT_COVERED: say(k, PP_COV_UNMET, "not covered"); break;
    case PP_COV_KIND_COUNT: say(k, PP_COV_UNMET, "unknown criterion kind"); break;
    }
}

static bool applies(const struct pp_cov_criterion *r, const char *const *names)
{
    for (size_t k = 0; names[k]; k++)
        if (strcmp(names[k], r->family) == 0)
            return true;
    return false;
}

/* Evaluate every applicable row at prop->date into checks (n_rows capacity); returns how many
 * apply; *all_timed is true when every unmet one has a date, *latest the latest such date. */
static size_t evaluate_once(const struct pp_cov_table *t, const struct ctx *c,
                            const char *const *names, struct pp_cov_check *checks, bool *unmet,
                            bool *all_timed, pp_day *latest)
{
    size_t n = 0;
    *unmet = false;
    *all_timed = true;
    *latest = PP_DAY_NONE;
    for (size_t i = 0; i < t->n; i++) {
        struct pp_cov_check *k;
        if (!applies(&t->rows[i], names))
            continue;
        k = &checks[n++];
        memset(k, 0, sizeof(*k));
        check_one(c, &t->rows[i], k);
        if (k->status != PP_COV_UNMET)
            continue;
        *unmet = true;
        if (k->eligible_on == PP_DAY_NONE)
            *all_timed = false;
        else if (k->eligible_on > *latest)
            *latest = k->eligible_on;
    }
    return n;
}

static enum pp_err validate(const struct pp_cov_proposal *prop, const struct pp_cov_history *h,
                            unsigned *prior_purpose, unsigned *purpose, struct pp_diag *d)
{
    char where[48];
    enum pp_err rc;
    *purpose = resolve_purpose(prop->entry, prop->purpose);
    if (!*purpose)
        return pp_diag_set(d, PP_ERR_INPUT, "procedure.purpose",
                           prop->purpose ? "not a purpose of %s"
                                         : "%s can be diagnostic or "
                                           "therapeutic: say which",
                           prop->entry->id);
    if (prop->entry->level_first && prop->n_levels == 0)
        return pp_diag_set(d, PP_ERR_INPUT, "procedure.levels", "%s needs its levels",
                           prop->entry->id);
    for (size_t i = 0; i < prop->n_levels; i++) {
        snprintf(where, sizeof(where), "procedure.levels[%zu]", i);
        if ((rc = check_level(prop->levels[i], prop->entry, where, d)))
            return rc;
    }
    for (size_t i = 0; i < h->n_priors; i++) {
        const struct pp_cov_prior *pr = &h->priors[i];
        prior_purpose[i] = resolve_purpose(pr->entry, pr->purpose);
        snprintf(where, sizeof(where), "history.prior_procedures[%zu]", i);
        if (!prior_purpose[i])
            return pp_diag_set(d, PP_ERR_INPUT, where,
                               "purpose: %s can be diagnostic or therapeutic: say which",
                               pr->entry->id);
        if (pr->date == PP_DAY_NONE || pr->date > prop->date)
            return pp_diag_set(d, PP_ERR_INPUT, where, "date: missing or after the proposed date");
        for (size_t j = 0; j < pr->n_levels; j++)
            if ((rc = check_level(pr->levels[j], NULL, where, d)))
                return rc;
    }
    return PP_OK;
}

enum pp_err pp_coverage_evaluate(const struct pp_cov_table *t, const struct pp_cov_proposal *prop,
                                 const struct pp_cov_history *h, const struct pp_policy *p,
                                 struct pp_cov_result *res, struct pp_findings *f,
                                 struct pp_diag *d)
{
    struct ctx c = {prop, h, p, 0, NULL, NULL, NULL};
    struct pp_cov_proposal later;
    struct pp_cov_check *scratch;
    bool unmet, all_timed;
    pp_day latest;
    enum pp_err rc;

    memset(res, 0, sizeof(*res));
    res->eligible_on = PP_DAY_NONE;
    c.prior_purpose = pp_xcalloc(h->n_priors + 1, sizeof(*c.prior_purpose));
    rc = validate(prop, h, c.prior_purpose, &c.purpose, d);
    if (rc) {
        free(c.prior_purpose);
        return rc;
    }
    c.region = levels_region(prop->entry, prop->levels, prop->n_levels);
    snprintf(res->region, sizeof(res->region), "%s", c.region);
    if (!pp_coverage_names(prop->entry, c.purpose, res->names)) {
        res->verdict = PP_COV_NO_CRITERIA;
        free(c.prior_purpose);
        return PP_OK;
    }
    c.family = res->names[0];
    res->checks = pp_xcalloc(t->n + 1, sizeof(*res->checks));
    res->n_checks = evaluate_once(t, &c, res->names, res->checks, &unmet, &all_timed, &latest);
    if (res->n_checks == 0)
        res->verdict = PP_COV_NO_CRITERIA;
    else if (!unmet)
        res->verdict = PP_COV_ELIGIBLE;
    else
        res->verdict = PP_COV_NOT_ELIGIBLE;
    /* Time the only obstacle: re-check on the latest date (a later date can move a session
     * window), a few rounds at most. */
    scratch = pp_xcalloc(t->n + 1, sizeof(*scratch));
    later = *prop;
    c.prop = &later;
    for (int round = 0; unmet && all_timed && round < 8; round++) {
        later.date = latest;
        evaluate_once(t, &c, res->names, scratch, &unmet, &all_timed, &latest);
        if (!unmet) {
            res->verdict = PP_COV_ELIGIBLE_LATER;
            res->eligible_on = later.date;
        }
    }
    free(scratch);
    free(c.prior_purpose);

    for (size_t i = 0; i < res->n_checks; i++) {
        const struct pp_cov_check *k = &res->checks[i];
        struct pp_finding *x;
        char ds[11] = "";
        if (k->status != PP_COV_UNMET)
            continue;
        x = pp_findings_add(f, k->row->id,
                            k->row->kind == PP_COV_NOT_COVERED ? PP_SEV_CRITICAL : PP_SEV_WARNING,
                            k->row->source, "%s: %s", k->row->title, k->reason);
        if (k->eligible_on != PP_DAY_NONE)
            pp_day_format(k->eligible_on, ds);
        pp_finding_detail(f, x, "**%s** (%s, policy keys: %s): %s.%s%s", k->row->title,
                          pp_cov_kind_name(k->row->kind),
                          *k->row->policy_keys ? k->row->policy_keys : "none", k->reason,
                          *ds ? " Time is the only obstacle for this criterion: met on " : "", ds);
    }
    return PP_OK;
}

void pp_coverage_result_release(struct pp_cov_result *res)
{
    free(res->checks);
    res->checks = NULL;
    res->n_checks = 0;
}
