/*
 * cds_services.c — the CDS services beyond the opioid ones: pain-summary (the AHRQ
 * Pain Management Summary sections as cards, clinical/summary.c), procedure-order-sign
 * (payer eligibility of each draft procedure order, clinical/coverage.c) and
 * imaging-order-select (ACR appropriateness of each selected imaging order,
 * clinical/imaging.c). Each run turns the request into the module's input, calls the
 * module and appends findings; cards are drawn by cds_response.c. No I/O, no clock.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "clinical/coverage.h"
#include "clinical/imaging.h"
#include "clinical/opioid.h"
#include "clinical/rules.h"
#include "clinical/summary.h"
#include "fhir/cds_int.h"
#include "fhir/block_diary.h"
#include "fhir/cds_orders.h"
#include "fhir/coverage_history.h"
#include "util/buf.h"
#include "util/json.h"
#include "util/banned.h"

#define N_OF(a) (sizeof(a) / sizeof((a)[0]))

#define SRC_COVERAGE "CLINICAL-FACTS §0, §2 (Medicare LCDs, NCD 160.7)"
#define SRC_IMAGING "CLINICAL-FACTS §5"

const char *pp_cds_rule_title(const char *id)
{
    size_t nm, n;
    const struct pp_rule_module *mods = pp_rule_modules(&nm);
    const struct pp_opioid_rule *o = pp_opioid_rule_find(id);
    if (o)
        return o->title;
    for (size_t m = 0; m < nm; m++) {
        const struct pp_rule_info *r = mods[m].rules(&n);
        for (size_t i = 0; i < n; i++)
            if (strcmp(r[i].id, id) == 0)
                return r[i].title;
    }
    return NULL;
}

/* ---- draft orders ------------------------------------------------------------------- */

/* Called for each draft order the hook is about: resource and its JSON path. */
typedef enum pp_err (*draft_fn)(const struct pp_cds_run *run, const cJSON *res, const char *path,
                                void *ctx, struct pp_diag *d);

/* Walk context.draftOrders (a Bundle or one resource), calling fn for each ServiceRequest the
 * hook is about (the selected ones; all when selections name none). */
static enum pp_err each_draft(const struct pp_cds_run *run, draft_fn fn, void *ctx,
                              struct pp_diag *d)
{
    const cJSON *drafts = pp_json_obj(pp_json_obj(run->request, "context"), "draftOrders");
    const cJSON *entries = pp_json_arr(drafts, "entry"), *e;
    bool narrowed = run->req->has_selections && run->req->n_selected;
    enum pp_err rc = PP_OK;
    char path[96];
    int i = 0;

    if (!drafts)
        return PP_OK;
    if (!entries) {
        const char *type = pp_json_str(drafts, "resourceType"), *id = pp_json_str(drafts, "id");
        if (type && strcmp(type, "ServiceRequest") == 0 &&
            (!narrowed || (id && pp_fhir_cds_is_selected(run->req, type, id))))
            rc = fn(run, drafts, "context.draftOrders", ctx, d);
        return rc;
    }
    cJSON_ArrayForEach(e, entries)
    {
        const cJSON *res = pp_json_obj(e, "resource");
        const char *type = pp_json_str(res, "resourceType"), *id = pp_json_str(res, "id");
        snprintf(path, sizeof(path), "context.draftOrders.entry[%d].resource", i++);
        if (!type || strcmp(type, "ServiceRequest") != 0)
            continue;
        if (narrowed && !(id && pp_fhir_cds_is_selected(run->req, type, id)))
            continue;
        if ((rc = fn(run, res, path, ctx, d)))
            return rc;
    }
    return PP_OK;
}

/* Prefix d->where with the resource's path ("context.draftOrders.entry[0].resource."). */
static enum pp_err at_path(struct pp_diag *d, const char *path, enum pp_err rc)
{
    pp_diag_prefix(d, path);
    return rc;
}

static void day_str(pp_day day, char out[11])
{
    if (day == PP_DAY_NONE)
        snprintf(out, 11, "-");
    else
        pp_day_format(day, out);
}

/* ---- pain-summary ------------------------------------------------------------------- */

/* Section titles, in enum pp_summary_section order. */
static const char *const section_titles[PP_SUM_COUNT] = {
    "Conditions associated with chronic pain",
    "Risk factors for opioid-related harms",
    "Numeric pain intensity assessments",
    "PEG assessments",
    "STarT Back assessments",
    "Opioid pain medications",
    "Non-opioid pain medications",
    "Non-pharmacologic treatments",
    "Stool softeners and laxatives",
    "Most recent MME",
    "Urine drug screens",
    "Benzodiazepine medications",
    "Naloxone medications",
    "Risk screenings (PHQ, GAD, AUDIT, DAST, ORT)",
};

/* The four AHRQ Pain Management Summary sections, as cards. */
static const struct {
    const char *rule;
    const char *title;
    enum pp_summary_section first, last;
} groups[] = {
    {"SUMMARY-CONDITIONS", "Pertinent medical history", PP_SUM_CHRONIC_PAIN_CONDITIONS,
     PP_SUM_RISK_FACTORS},
    {"SUMMARY-ASSESSMENTS", "Pain assessments", PP_SUM_PAIN_INTENSITY, PP_SUM_STARTBACK},
    {"SUMMARY-TREATMENTS", "Historical treatments", PP_SUM_OPIOIDS, PP_SUM_LAXATIVES},
    {"SUMMARY-RISK-CONSIDERATIONS", "Risk considerations", PP_SUM_MME, PP_SUM_SCREENINGS},
};

/* Lines listed per section on a card; the count says how many there are in all. */
#define SECTION_LINES 10

static void section_markdown(struct pp_buf *b, enum pp_summary_section sec,
                             const struct pp_summary_list *l)
{
    pp_buf_addf(b, "%s**%s** (%zu)\n", b->len ? "\n" : "", section_titles[sec], l->n);
    for (size_t j = 0; j < l->n && j < SECTION_LINES; j++) {
        const struct pp_summary_item *it = &l->items[j];
        char day[11];
        day_str(it->date, day);
        pp_buf_addf(b, "- %s %s", day, it->name ? it->name : "(no name)");
        if (it->has_value) {
            pp_buf_adds(b, ": ");
            pp_buf_add_num2(b, it->value);
            if (it->unit && it->unit[0] != '{') /* UCUM annotations ({score}) say nothing */
                pp_buf_addf(b, " %s", it->unit);
        } else if (it->value_text) {
            pp_buf_addf(b, ": %s", it->value_text);
        }
        if (it->interpretation)
            pp_buf_addf(b, " (%s)", it->interpretation);
        if (it->status)
            pp_buf_addf(b, " [%s]", it->status);
        pp_buf_adds(b, "\n");
    }
    if (l->n > SECTION_LINES)
        pp_buf_addf(b, "- ... %zu more\n", l->n - SECTION_LINES);
}

enum pp_err pp_cds_run_pain_summary(const struct pp_cds_run *run, struct pp_diag *d)
{
    const struct pp_cds_env *env = run->env;
    struct pp_summary s;
    struct pp_buf b;
    enum pp_err rc;

    pp_summary_init(&s);
    rc = pp_summary_build(run->record, env->now, env->policy, env->terms, env->codes, &s);
    if (rc) {
        pp_summary_release(&s);
        return pp_diag_set(d, rc, "", "the pain management summary could not be built");
    }
    pp_buf_init(&b, PP_BUF_UNLIMITED);
    for (size_t g = 0; g < N_OF(groups); g++) {
        struct pp_finding *x;
        size_t total = 0;
        pp_buf_reset(&b);
        for (int sec = (int)groups[g].first; sec <= (int)groups[g].last; sec++) {
            total += s.sections[sec].n;
            section_markdown(&b, (enum pp_summary_section)sec, &s.sections[sec]);
        }
        if (g == N_OF(groups) - 1) {
            pp_buf_adds(&b, "\n**Computed MME/day of active opioid orders**: ");
            if (isfinite(s.computed_mme))
                pp_buf_add_num2(&b, s.computed_mme);
            else
                pp_buf_adds(&b, "none");
            pp_buf_adds(&b, s.computed_mme_complete ? "\n" : " (incomplete)\n");
        }
        x = pp_findings_add(run->findings, groups[g].rule, PP_SEV_INFO, "CLINICAL-FACTS S46",
                            "Pain management summary, %s: %zu item%s", groups[g].title, total,
                            total == 1 ? "" : "s");
        pp_finding_detail(run->findings, x, "%s", b.data ? b.data : "");
    }
    pp_buf_release(&b);
    /* the flags: population, risk factors, high MME */
    pp_summary_findings(&s, env->policy, run->findings);
    pp_summary_release(&s);
    return PP_OK;
}

/* ---- procedure-order-sign ----------------------------------------------------------- */

struct proc_ctx {
    const struct pp_cov_table *table;
    const cJSON *bundle; /* the request's resources (pp_cds_request_bundle) */
    struct pp_fhir_coverage *cov;
};

/* One card for one order's verdict. */
static void coverage_card(const struct pp_cds_run *run, const cJSON *sr,
                          const struct pp_cov_proposal *prop, const struct pp_cov_result *res,
                          const struct pp_findings *unmet)
{
    const char *name = prop->entry->name, *id = pp_json_str(sr, "id");
    enum pp_severity sev = PP_SEV_WARNING;
    struct pp_finding *x;
    struct pp_buf b;
    char day[11], on[11];
    size_t n_unmet = 0;

    pp_buf_init(&b, PP_BUF_UNLIMITED);
    day_str(prop->date, day);
    day_str(res->eligible_on, on);
    for (size_t i = 0; i < res->n_checks; i++)
        n_unmet += res->checks[i].status == PP_COV_UNMET;
    for (size_t i = 0; i < unmet->n; i++)
        if (unmet->items[i].severity == PP_SEV_CRITICAL)
            sev = PP_SEV_CRITICAL;
    switch (res->verdict) {
    case PP_COV_ELIGIBLE:
        x = pp_findings_add(run->findings, "COV-ELIGIBLE", PP_SEV_INFO, SRC_COVERAGE,
                            "%s on %s: payer criteria met", name, day);
        break;
    case PP_COV_ELIGIBLE_LATER:
        x = pp_findings_add(run->findings, "COV-ELIGIBLE-LATER", PP_SEV_WARNING, SRC_COVERAGE,
                            "%s: eligible from %s (ordered for %s)", name, on, day);
        break;
    case PP_COV_NOT_ELIGIBLE:
        x = pp_findings_add(run->findings, "COV-NOT-ELIGIBLE", sev, SRC_COVERAGE,
                            "%s on %s: %zu payer criteri%s unmet", name, day, n_unmet,
                            n_unmet == 1 ? "on" : "a");
        break;
    case PP_COV_NO_CRITERIA:
    default:
        x = pp_findings_add(run->findings, "COV-NO-CRITERIA", PP_SEV_INFO, SRC_COVERAGE,
                            "%s: no payer criteria for this procedure", name);
        break;
    }
    pp_buf_addf(&b, "Order ServiceRequest/%s: %s (%s), region %s, on %s. Verdict: **%s**", id,
                prop->entry->id, name, res->region, day, pp_cov_verdict_name(res->verdict));
    if (res->verdict == PP_COV_ELIGIBLE_LATER)
        pp_buf_addf(&b, ", eligible from %s", on);
    pp_buf_adds(&b, ".\n");
    for (int pass = 0; pass < 2; pass++) {
        bool any = false;
        for (size_t i = 0; i < res->n_checks; i++) {
            const struct pp_cov_check *k = &res->checks[i];
            if ((k->status == PP_COV_UNMET) != (pass == 0) || k->status == PP_COV_NOT_APPLICABLE)
                continue;
            if (!any)
                pp_buf_adds(&b, pass == 0 ? "\nUnmet:\n" : "\nMet:\n");
            any = true;
            pp_buf_addf(&b, "- **%s** %s: %s", k->row->id, k->row->title, k->reason);
            if (k->status == PP_COV_UNMET && k->eligible_on != PP_DAY_NONE) {
                char kd[11];
                pp_day_format(k->eligible_on, kd);
                pp_buf_addf(&b, " (met from %s)", kd);
            }
            pp_buf_adds(&b, "\n");
        }
    }
    pp_finding_detail(run->findings, x, "%s", b.data ? b.data : "");
    pp_finding_evidence(run->findings, x, "ServiceRequest", id);
    pp_buf_release(&b);
}

static enum pp_err one_procedure(const struct pp_cds_run *run, const cJSON *sr, const char *path,
                                 void *vctx, struct pp_diag *d)
{
    struct proc_ctx *ctx = vctx;
    const char *id = pp_json_str(sr, "id");
    struct pp_cov_result res;
    struct pp_findings unmet;
    bool ambiguous = false;
    enum pp_err rc;

    if (!pp_fhir_catalogue_entry(sr, &ambiguous) && !ambiguous)
        return PP_OK; /* not a procedure of the catalogue: not this service's order */
    if (!id)
        return pp_diag_set(d, PP_ERR_INPUT, path, "a draft ServiceRequest needs an id");
    /* the same reading as ServiceRequest/$eligibility: proposal from the order, history
     * from every other resource of the request */
    if ((rc = pp_fhir_coverage_read(ctx->bundle, id, run->env->now, ctx->cov, d)))
        return rc;
    pp_findings_init(&unmet);
    memset(&res, 0, sizeof(res));
    rc = pp_coverage_evaluate(ctx->table, &ctx->cov->proposal, &ctx->cov->history, run->env->policy,
                              &res, &unmet, d);
    if (rc == PP_OK)
        coverage_card(run, sr, &ctx->cov->proposal, &res, &unmet);
    else
        pp_diag_prefix(d, path);
    pp_coverage_result_release(&res);
    pp_findings_release(&unmet);
    return rc;
}

enum pp_err pp_cds_run_procedures(const struct pp_cds_run *run, struct pp_diag *d)
{
    struct pp_cov_table t;
    struct proc_ctx ctx;
    enum pp_err rc;

    pp_coverage_table_default(&t);
    ctx.table = &t;
    ctx.bundle = pp_cds_request_bundle(run->request);
    ctx.cov = pp_fhir_coverage_new();
    rc = each_draft(run, one_procedure, &ctx, d);
    pp_fhir_coverage_free(ctx.cov);
    cJSON_Delete((cJSON *)ctx.bundle);
    pp_coverage_table_release(&t);
    return rc;
}

/* ---- imaging-order-select ----------------------------------------------------------- */

static const char *study_name(enum pp_img_region g, enum pp_img_modality m, char *out, size_t n)
{
    static const char *const regions[PP_IMG_REGION_COUNT] = {"Lumbar spine", "Cervical spine"};
    static const char *const studies[PP_IMG_MODALITY_COUNT] = {
        "X-ray", "CT", "MRI without contrast", "MRI with contrast",
        "MRI without and with contrast"};
    snprintf(out, n, "%s %s", regions[g], studies[m]);
    return out;
}

static enum pp_err one_imaging(const struct pp_cds_run *run, const cJSON *sr, const char *path,
                               void *vctx, struct pp_diag *d)
{
    const cJSON *answers = vctx;
    const char *id = pp_json_str(sr, "id");
    pp_day now = run->env->now;
    enum pp_img_region region;
    enum pp_img_modality modality;
    struct pp_imaging_input in;
    struct pp_imaging_result res;
    struct pp_findings f;
    char study[64], onset[11], review[11];
    enum pp_err rc;

    if (!pp_cds_imaging_order_of(sr, &region, &modality))
        return PP_OK;
    study_name(region, modality, study, sizeof(study));
    pp_cds_imaging_context(run->record, answers, region, modality, &in);
    if (in.onset == PP_DAY_NONE || in.onset > now) {
        struct pp_finding *x =
            pp_findings_add(run->findings, "IMG-ONSET-UNKNOWN", PP_SEV_WARNING, SRC_IMAGING,
                            "%s: pain onset not documented; appropriateness not judged", study);
        pp_finding_detail(run->findings, x,
                          "Order ServiceRequest/%s. Neither an intake answer \"onset\" nor an "
                          "active back or neck pain Condition (on or before the evaluation date) "
                          "dates the pain, so the ACR Low Back Pain variant cannot be chosen.",
                          id);
        pp_finding_evidence(run->findings, x, "ServiceRequest", id);
        pp_finding_suggest(run->findings, x, PP_ACTION_NONE,
                           "Record when the pain began and answer the red-flag questions");
        return PP_OK;
    }
    /* conservative care dated outside onset..now is a charting slip: read as none */
    if (in.conservative_start != PP_DAY_NONE &&
        (in.conservative_start < in.onset || in.conservative_start > now))
        in.conservative_start = PP_DAY_NONE;
    pp_findings_init(&f);
    rc = pp_imaging_evaluate(&in, now, run->env->policy, &f, &res, d);
    if (rc) {
        pp_findings_release(&f);
        return at_path(d, path, rc);
    }
    day_str(in.onset, onset);
    day_str(res.review_date, review);
    for (size_t i = 0; i < f.n; i++) {
        const struct pp_finding *src = &f.items[i];
        struct pp_finding *x = pp_findings_add(run->findings, src->rule_id, src->severity,
                                               src->source, "%s: %s", study, src->summary);
        pp_finding_detail(run->findings, x,
                          "%s%sOrder ServiceRequest/%s (%s). ACR variant: %d; rating: %s; verdict: "
                          "%s; urgency: %s; pain onset %s (%d weeks); review date %s.",
                          src->detail ? src->detail : "", src->detail ? "\n\n" : "", id, study,
                          res.acr_variant, pp_imaging_rating_text(res.rating),
                          pp_imaging_verdict_name(res.verdict),
                          pp_imaging_urgency_name(res.urgency), onset, res.pain_weeks, review);
        pp_finding_evidence(run->findings, x, "ServiceRequest", id);
        for (size_t k = 0; k < src->n_evidence; k++) {
            const char *ev = src->evidence[k], *slash = strchr(ev, '/');
            char type[64];
            if (!slash || (size_t)(slash - ev) >= sizeof(type))
                continue;
            memcpy(type, ev, (size_t)(slash - ev));
            type[slash - ev] = '\0';
            pp_finding_evidence(run->findings, x, type, slash + 1);
        }
        for (size_t k = 0; k < src->n_suggestions; k++)
            /* advice only: the study to order instead has no resource to point at */
            (void)pp_finding_suggest(run->findings, x, PP_ACTION_NONE, src->suggestions[k].label);
    }
    pp_findings_release(&f);
    return PP_OK;
}

enum pp_err pp_cds_run_imaging(const struct pp_cds_run *run, struct pp_diag *d)
{
    cJSON *answers = pp_cds_intake_answers(run->request);
    enum pp_err rc = each_draft(run, one_imaging, answers, d);
    cJSON_Delete(answers);
    return rc;
}
