/*
 * cmd_block.c — `painpath block`: read a diagnostic block (or two comparative
 * blocks) with its pain diary as JSON, print the interpretation for the
 * surgeon (table or JSON report); and `painpath procedures`: the catalogue.
 * Decoding and printing only: every decision is in clinical/blocks.c.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/common.h"
#include "cli/run.h"
#include "clinical/blocks.h"
#include "clinical/procedures.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/json.h"

#define BLOCK_INPUT_MAX (1u << 20) /* 1 MiB: a block request is a few KB */

static const char example[] =
    "{\n"
    "  \"requested_by\": \"Dr. A. Surgeon, spine surgery\",\n"
    "  \"question\": \"Is the left L5 root the pain generator before decompression?\",\n"
    "  \"target\": \"nerve-root\",\n"
    "  \"levels\": [\"L5\"],\n"
    "  \"side\": \"left\",\n"
    "  \"procedure\": \"esi-tf-lumbar\",\n"
    "  \"blocks\": [\n"
    "    {\n"
    "      \"id\": \"snrb-1\",\n"
    "      \"date\": \"2026-11-20\",\n"
    "      \"guidance\": \"fluoroscopy\",\n"
    "      \"anesthetic\": \"lidocaine\",\n"
    "      \"concentration_pct\": 2,\n"
    "      \"volume_ml\": 1,\n"
    "      \"baseline_nrs\": 8,\n"
    "      \"diary\": [\n"
    "        {\"minutes\": 15, \"nrs\": 1},\n"
    "        {\"minutes\": 30, \"nrs\": 1},\n"
    "        {\"minutes\": 60, \"nrs\": 1},\n"
    "        {\"minutes\": 120, \"nrs\": 5},\n"
    "        {\"minutes\": 240, \"nrs\": 8}\n"
    "      ]\n"
    "    }\n"
    "  ]\n"
    "}\n";

static void usage(FILE *out)
{
    fprintf(out, "usage: painpath block [--example] [--format table|json] [--policy FILE] "
                 "[FILE|-]\n"
                 "Interpret a diagnostic block (or two comparative blocks) from the baseline NRS\n"
                 "and the pain diary; input is JSON (see --example), from FILE or stdin.\n"
                 "Exit 0 interpreted, 1 the diary cannot be interpreted, 2 bad input.\n");
}

/* ---- decoding ---- */

static enum pp_err only_keys(const cJSON *obj, const char *const *keys, const char *path,
                             struct pp_diag *d)
{
    const cJSON *it;
    cJSON_ArrayForEach(it, obj)
    {
        bool known = false;
        for (size_t k = 0; keys[k]; k++)
            known = known || strcmp(it->string, keys[k]) == 0;
        if (!known) {
            char where[128];
            snprintf(where, sizeof(where), "%s%s%.60s", path, *path ? "." : "", it->string);
            return pp_diag_set(d, PP_ERR_INPUT, where, "unknown field");
        }
    }
    return PP_OK;
}

/* An optional string member; PP_ERR_INPUT when present and not a string. */
static enum pp_err opt_str(const cJSON *obj, const char *key, const char *path, const char **out,
                           struct pp_diag *d)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    char where[128];
    *out = NULL;
    if (!v || cJSON_IsNull(v))
        return PP_OK;
    if (cJSON_IsString(v)) {
        *out = v->valuestring;
        return PP_OK;
    }
    snprintf(where, sizeof(where), "%s%s%s", path, *path ? "." : "", key);
    return pp_diag_set(d, PP_ERR_INPUT, where, "expected a string");
}

/* Match a string member against `names`; its index in *out. */
static enum pp_err pick(const cJSON *obj, const char *key, const char *path,
                        const char *const *names, const char *expected, bool required, int *out,
                        struct pp_diag *d)
{
    const char *s;
    char where[128];
    enum pp_err rc = opt_str(obj, key, path, &s, d);
    if (rc)
        return rc;
    snprintf(where, sizeof(where), "%s%s%s", path, *path ? "." : "", key);
    if (!s) {
        if (required)
            return pp_diag_set(d, PP_ERR_INPUT, where, "missing; expected %s", expected);
        return PP_OK;
    }
    for (int i = 0; names[i]; i++) {
        if (strcmp(s, names[i]) == 0) {
            *out = i;
            return PP_OK;
        }
    }
    return pp_diag_set(d, PP_ERR_INPUT, where, "expected %s, got '%.60s'", expected, s);
}

static enum pp_err req_num(const cJSON *obj, const char *key, const char *path, double *out,
                           struct pp_diag *d)
{
    char where[128];
    snprintf(where, sizeof(where), "%s.%s", path, key);
    if (!pp_json_num(obj, key, out))
        return pp_diag_set(d, PP_ERR_INPUT, where,
                           cJSON_GetObjectItemCaseSensitive(obj, key)
                               ? "expected a number"
                               : "missing; expected a number");
    return PP_OK;
}

static enum pp_err decode_block(const cJSON *o, size_t bi, struct pp_block *b, struct pp_diag *d)
{
    static const char *const keys[] = {
        "id",        "date",         "guidance", "anesthetic", "concentration_pct",
        "volume_ml", "baseline_nrs", "diary",    NULL};
    static const char *const guides[] = {"fluoroscopy", "ct", "ultrasound", "landmark", NULL};
    static const unsigned guide_bits[] = {PP_GUIDE_FLUORO, PP_GUIDE_CT, PP_GUIDE_US,
                                          PP_GUIDE_LANDMARK};
    static const char *const agents[] = {"lidocaine", "bupivacaine", NULL};
    char path[32], where[64];
    const cJSON *v, *diary, *e;
    int g = 0, a = 0;
    size_t j = 0;
    struct pp_diary_entry *entries;
    enum pp_err rc;

    snprintf(path, sizeof(path), "blocks[%zu]", bi);
    if (!cJSON_IsObject(o))
        return pp_diag_set(d, PP_ERR_INPUT, path, "expected an object");
    if ((rc = only_keys(o, keys, path, d)) || (rc = opt_str(o, "id", path, &b->id, d)) ||
        (rc = opt_str(o, "date", path, &b->date, d)) ||
        (rc = pick(o, "guidance", path, guides, "fluoroscopy, ct, ultrasound or landmark", true, &g,
                   d)) ||
        (rc = pick(o, "anesthetic", path, agents, "lidocaine or bupivacaine", true, &a, d)) ||
        (rc = req_num(o, "concentration_pct", path, &b->concentration_pct, d)) ||
        (rc = req_num(o, "volume_ml", path, &b->volume_ml, d)))
        return rc;
    b->guidance = guide_bits[g];
    b->anesthetic = a ? PP_ANESTHETIC_BUPIVACAINE : PP_ANESTHETIC_LIDOCAINE;
    v = cJSON_GetObjectItemCaseSensitive(o, "baseline_nrs");
    b->has_baseline = v && !cJSON_IsNull(v);
    if (b->has_baseline && (rc = req_num(o, "baseline_nrs", path, &b->baseline_nrs, d)))
        return rc;
    diary = cJSON_GetObjectItemCaseSensitive(o, "diary");
    snprintf(where, sizeof(where), "%s.diary", path);
    if (!cJSON_IsArray(diary))
        return pp_diag_set(d, PP_ERR_INPUT, where,
                           "expected an array of {\"minutes\": N, \"nrs\": 0-10}");
    b->n_diary = (size_t)cJSON_GetArraySize(diary);
    entries = pp_xcalloc(b->n_diary ? b->n_diary : 1, sizeof(*entries));
    b->diary = entries;
    cJSON_ArrayForEach(e, diary)
    {
        static const char *const ekeys[] = {"minutes", "nrs", NULL};
        snprintf(where, sizeof(where), "%s.diary[%zu]", path, j);
        if (!cJSON_IsObject(e))
            return pp_diag_set(d, PP_ERR_INPUT, where, "expected {\"minutes\": N, \"nrs\": 0-10}");
        if ((rc = only_keys(e, ekeys, where, d)) ||
            (rc = req_num(e, "minutes", where, &entries[j].minutes, d)) ||
            (rc = req_num(e, "nrs", where, &entries[j].nrs, d)))
            return rc;
        j++;
    }
    return PP_OK;
}

static enum pp_err decode(const cJSON *root, struct pp_block_request *r, struct pp_diag *d)
{
    static const char *const keys[] = {"requested_by", "question",  "target", "levels", "joint",
                                       "side",         "procedure", "blocks", NULL};
    static const char *const targets[] = {"joint", "nerve-root", "medial-branch", "si-joint", NULL};
    static const char *const sides[] = {"none", "left", "right", "bilateral", NULL};
    const cJSON *levels, *blocks, *it;
    int t = 0, s = 0;
    enum pp_err rc;

    if (!cJSON_IsObject(root))
        return pp_diag_set(d, PP_ERR_INPUT, "(top)", "expected a JSON object (see --example)");
    if ((rc = only_keys(root, keys, "", d)) ||
        (rc = opt_str(root, "requested_by", "", &r->requested_by, d)) ||
        (rc = opt_str(root, "question", "", &r->question, d)) ||
        (rc = opt_str(root, "joint", "", &r->joint, d)) ||
        (rc = opt_str(root, "procedure", "", &r->procedure_id, d)) ||
        (rc = pick(root, "target", "", targets, "joint, nerve-root, medial-branch or si-joint",
                   true, &t, d)) ||
        (rc = pick(root, "side", "", sides, "none, left, right or bilateral", false, &s, d)))
        return rc;
    r->target = (enum pp_block_target)t;
    r->side = (enum pp_block_side)s;
    levels = cJSON_GetObjectItemCaseSensitive(root, "levels");
    if (cJSON_IsString(levels)) {
        r->levels[r->n_levels++] = levels->valuestring;
    } else if (cJSON_IsArray(levels)) {
        cJSON_ArrayForEach(it, levels)
        {
            char where[32];
            snprintf(where, sizeof(where), "levels[%zu]", r->n_levels);
            if (!cJSON_IsString(it))
                return pp_diag_set(d, PP_ERR_INPUT, where, "expected a level such as \"L5\"");
            if (r->n_levels == PP_BLOCK_MAX_LEVELS)
                return pp_diag_set(d, PP_ERR_INPUT, "levels", "at most %d levels",
                                   PP_BLOCK_MAX_LEVELS);
            r->levels[r->n_levels++] = it->valuestring;
        }
    } else if (levels && !cJSON_IsNull(levels)) {
        return pp_diag_set(d, PP_ERR_INPUT, "levels", "expected a level or an array of levels");
    }
    blocks = cJSON_GetObjectItemCaseSensitive(root, "blocks");
    if (!cJSON_IsArray(blocks) || cJSON_GetArraySize(blocks) < 1 || cJSON_GetArraySize(blocks) > 2)
        return pp_diag_set(d, PP_ERR_INPUT, "blocks",
                           "expected an array of one block, or two comparative blocks");
    cJSON_ArrayForEach(it, blocks)
    {
        rc = decode_block(it, r->n_blocks, &r->blocks[r->n_blocks], d);
        r->n_blocks++;
        if (rc)
            return rc;
    }
    return PP_OK;
}

/* ---- output ---- */

static void num_or_dash(struct pp_buf *b, double v, const char *suffix)
{
    if (isnan(v)) {
        pp_buf_adds(b, "-");
        return;
    }
    pp_buf_add_num2(b, v);
    pp_buf_adds(b, suffix);
}

/* `, "key": value` members of a JSON object being written. */
static void kv_str(struct pp_buf *b, const char *key, const char *v)
{
    pp_buf_addf(b, ", \"%s\": ", key);
    pp_cli_json_str_or_null(b, v);
}

static void kv_num(struct pp_buf *b, const char *key, double v)
{
    pp_buf_addf(b, ", \"%s\": ", key);
    pp_cli_json_num_or_null(b, v);
}

static void print_table(struct pp_buf *b, const struct pp_block_request *r,
                        const struct pp_block_result *res, const struct pp_findings *f)
{
    pp_buf_addf(b, "block report: %s\n", res->site);
    if (r->requested_by)
        pp_buf_addf(b, "requested by: %s\n", r->requested_by);
    if (r->question)
        pp_buf_addf(b, "question:     %s\n", r->question);
    for (size_t i = 0; i < res->n_blocks; i++) {
        const struct pp_block *blk = &r->blocks[i];
        const struct pp_block_outcome *o = &res->blocks[i];
        pp_buf_addf(b, "block %zu: %s ", i + 1, pp_anesthetic_name(blk->anesthetic));
        pp_buf_add_num2(b, blk->concentration_pct);
        pp_buf_adds(b, "% ");
        pp_buf_add_num2(b, blk->volume_ml);
        pp_buf_addf(b, " mL, %s%s%s\n", pp_proc_guidance_name(blk->guidance), blk->date ? ", " : "",
                    blk->date ? blk->date : "");
        pp_buf_adds(b, "  baseline NRS ");
        num_or_dash(b, blk->has_baseline ? blk->baseline_nrs : NAN, "");
        pp_buf_adds(b, "  peak relief ");
        num_or_dash(b, o->peak_relief_pct, "%");
        pp_buf_adds(b, "  sustained ");
        num_or_dash(b, o->sustained_relief_pct, "%");
        pp_buf_adds(b, " over ");
        num_or_dash(b, o->expected_minutes, " min");
        pp_buf_adds(b, "  threshold ");
        num_or_dash(b, o->threshold_pct, "%");
        pp_buf_addf(b, "  -> %s\n", pp_block_verdict_name(o->verdict));
    }
    pp_buf_addf(b, "concordance: %s\n", pp_block_concordance_name(res->concordance));
    pp_buf_addf(b, "conclusion:  %s\n", res->conclusion);
    pp_cli_findings_table(b, f);
}

static void print_json(struct pp_buf *b, const struct pp_block_request *r,
                       const struct pp_block_result *res, const struct pp_findings *f)
{
    pp_buf_adds(b, "{\"requested_by\": ");
    pp_cli_json_str_or_null(b, r->requested_by);
    kv_str(b, "question", r->question);
    pp_buf_adds(b, ",\n \"target\": {\"type\": ");
    pp_buf_add_json_str(b, pp_block_target_name(r->target));
    pp_buf_adds(b, ", \"levels\": [");
    for (size_t i = 0; i < r->n_levels; i++) {
        pp_buf_adds(b, i ? ", " : "");
        pp_buf_add_json_str(b, r->levels[i]);
    }
    pp_buf_adds(b, "], \"joint\": ");
    pp_cli_json_str_or_null(b, r->joint);
    kv_str(b, "side", pp_block_side_name(r->side));
    kv_str(b, "procedure", r->procedure_id);
    kv_str(b, "site", res->site);
    pp_buf_adds(b, "},\n \"blocks\": [");
    for (size_t i = 0; i < res->n_blocks; i++) {
        const struct pp_block *blk = &r->blocks[i];
        const struct pp_block_outcome *o = &res->blocks[i];
        pp_buf_adds(b, i ? ",\n  {\"id\": " : "\n  {\"id\": ");
        pp_cli_json_str_or_null(b, blk->id);
        kv_str(b, "date", blk->date);
        kv_str(b, "guidance", pp_proc_guidance_name(blk->guidance));
        kv_str(b, "anesthetic", pp_anesthetic_name(blk->anesthetic));
        kv_num(b, "concentration_pct", blk->concentration_pct);
        kv_num(b, "volume_ml", blk->volume_ml);
        kv_num(b, "baseline_nrs", blk->has_baseline ? blk->baseline_nrs : NAN);
        kv_num(b, "expected_minutes", o->expected_minutes);
        kv_num(b, "threshold_pct", o->threshold_pct);
        kv_num(b, "peak_relief_pct", o->peak_relief_pct);
        kv_num(b, "sustained_relief_pct", o->sustained_relief_pct);
        kv_num(b, "relief_until_minutes", o->relief_until_minutes);
        kv_num(b, "relief_lost_minutes", o->relief_lost_minutes);
        kv_str(b, "result", pp_block_verdict_name(o->verdict));
        kv_str(b, "reason", o->reason);
        pp_buf_adds(b, "}");
    }
    pp_buf_adds(b, "],\n \"concordance\": ");
    pp_buf_add_json_str(b, pp_block_concordance_name(res->concordance));
    kv_num(b, "duration_gain_minutes", res->duration_gain_minutes);
    pp_buf_adds(b, res->generator_likely ? ", \"generator_likely\": true"
                                         : ", \"generator_likely\": false");
    pp_buf_adds(b, ",\n \"conclusion\": ");
    pp_buf_add_json_str(b, res->conclusion);
    pp_buf_adds(b, ",\n \"findings\": ");
    pp_cli_findings_json(b, f);
    pp_buf_adds(b, "}\n");
}

static int run_block(const char *path, const struct pp_cli_opts *o)
{
    const char *name = PP_CLI_STDIN_NAME;
    struct pp_block_request req;
    struct pp_block_result res;
    struct pp_findings fs;
    struct pp_buf in, out;
    struct pp_diag d;
    cJSON *root = NULL;
    enum pp_err rc;
    int exit_code;

    memset(&req, 0, sizeof(req));
    pp_diag_clear(&d);
    pp_findings_init(&fs);
    pp_buf_init(&in, BLOCK_INPUT_MAX);
    pp_buf_init(&out, PP_BUF_UNLIMITED);
    rc = pp_cli_read_input(path, &in, &name, &d);
    if (!rc)
        rc = pp_json_parse(in.data, in.len, name, &root, &d);
    if (!rc) {
        rc = decode(root, &req, &d);
        if (!rc)
            rc = pp_block_evaluate(&req, &o->policy, &res, &fs, &d);
        if (rc)
            pp_diag_prefix_file(&d, name);
    }
    if (rc) {
        pp_cli_print_diag("block", &d);
        exit_code = pp_err_exit_code(rc);
        goto out;
    }
    if (o->format == PP_FORMAT_JSON)
        print_json(&out, &req, &res, &fs);
    else
        print_table(&out, &req, &res, &fs);
    fputs(out.data, stdout);
    /* 1 when the diary could not be interpreted: the caller must not read a verdict into it */
    exit_code = pp_findings_count_rule(&fs, "BLOCK-DIARY-INSUFFICIENT") ? 1 : 0;
out:
    for (size_t i = 0; i < req.n_blocks; i++)
        free((void *)req.blocks[i].diary);
    cJSON_Delete(root);
    pp_buf_release(&in);
    pp_buf_release(&out);
    pp_findings_release(&fs);
    return exit_code;
}

int pp_cmd_block(int argc, char **argv)
{
    static const struct pp_cli_spec spec = {"block", usage, example, run_block, NULL};
    return pp_cli_main(&spec, argc, argv);
}

/* ---- painpath procedures ---- */

/* The names of the bits set in `mask` (PP_GUIDE_* or PP_PURPOSE_*), comma-separated or as
 * JSON strings. */
static void bit_list(struct pp_buf *b, unsigned mask, const char *(*name)(unsigned bit), bool json)
{
    bool first = true;
    for (unsigned bit = 1; bit && bit <= mask; bit <<= 1) {
        if (!(mask & bit) || !name(bit))
            continue;
        pp_buf_adds(b, first ? "" : json ? ", " : ",");
        if (json)
            pp_buf_add_json_str(b, name(bit));
        else
            pp_buf_adds(b, name(bit));
        first = false;
    }
}

static void procedure_json(struct pp_buf *b, const struct pp_proc_entry *p)
{
    pp_buf_adds(b, "{\"id\": ");
    pp_buf_add_json_str(b, p->id);
    kv_str(b, "name", p->name);
    pp_buf_adds(b, ", \"cpt\": [");
    for (size_t k = 0; k < PP_PROC_MAX_CPT && p->cpt[k]; k++) {
        pp_buf_adds(b, k ? ", " : "");
        pp_buf_add_json_str(b, p->cpt[k]);
    }
    pp_buf_adds(b, "], \"hcpcs\": ");
    pp_cli_json_str_or_null(b, p->hcpcs);
    kv_str(b, "snomed", p->snomed);
    kv_str(b, "code_note", p->cpt_note);
    kv_str(b, "region", pp_proc_region_name(p->region));
    pp_buf_adds(b, ", \"levels\": ");
    if (p->level_first) {
        pp_buf_adds(b, "{\"first\": ");
        pp_buf_add_json_str(b, p->level_first);
        kv_str(b, "last", p->level_last);
        pp_buf_adds(b, "}");
    } else {
        pp_buf_adds(b, "null");
    }
    kv_str(b, "laterality", pp_proc_laterality_name(p->laterality));
    pp_buf_adds(b, ", \"guidance\": [");
    bit_list(b, p->guidance, pp_proc_guidance_name, true);
    pp_buf_adds(b, "], \"purpose\": [");
    bit_list(b, p->purpose, pp_proc_purpose_name, true);
    pp_buf_adds(b, "], \"source\": ");
    pp_buf_add_json_str(b, p->source);
    pp_buf_adds(b, "}");
}

static void procedures_table(struct pp_buf *b)
{
    size_t n;
    const struct pp_proc_entry *all = pp_procedures_all(&n);

    pp_buf_addf(b, "%-25s %-24s %-12s %-8s %-21s %-30s %s\n", "id", "cpt", "region", "levels",
                "laterality", "guidance", "purpose");
    for (size_t i = 0; i < n; i++) {
        const struct pp_proc_entry *p = &all[i];
        struct pp_buf codes, levels, guide, purpose;
        pp_buf_init(&codes, PP_BUF_UNLIMITED);
        pp_buf_init(&levels, PP_BUF_UNLIMITED);
        pp_buf_init(&guide, PP_BUF_UNLIMITED);
        pp_buf_init(&purpose, PP_BUF_UNLIMITED);
        for (size_t k = 0; k < PP_PROC_MAX_CPT && p->cpt[k]; k++)
            pp_buf_addf(&codes, "%s%s", k ? "," : "", p->cpt[k]);
        if (p->hcpcs)
            pp_buf_addf(&codes, "%s%s", codes.len ? "," : "", p->hcpcs);
        if (p->level_first)
            pp_buf_addf(&levels, "%s-%s", p->level_first, p->level_last);
        bit_list(&guide, p->guidance, pp_proc_guidance_name, false);
        bit_list(&purpose, p->purpose, pp_proc_purpose_name, false);
        pp_buf_addf(b, "%-25s %-24s %-12s %-8s %-21s %-30s %s\n", p->id,
                    codes.len ? codes.data : "-", pp_proc_region_name(p->region),
                    levels.len ? levels.data : "-", pp_proc_laterality_name(p->laterality),
                    guide.data, purpose.data);
        pp_buf_release(&codes);
        pp_buf_release(&levels);
        pp_buf_release(&guide);
        pp_buf_release(&purpose);
    }
}

int pp_cmd_procedures(int argc, char **argv)
{
    struct pp_cli_opts o;
    struct pp_buf b;
    size_t n;
    const struct pp_proc_entry *all = pp_procedures_all(&n);
    int rc = 0;

    pp_cli_opts_init(&o);
    for (int i = 1; i < argc; i++) {
        int t;
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            printf("usage: painpath procedures [--format table|json]\n"
                   "The procedure catalogue: id, CPT codes, region, levels, laterality, "
                   "guidance, purpose.\n");
            goto out;
        }
        t = pp_cli_opts_take(&o, argc, argv, &i, "procedures");
        if (t == 1)
            continue;
        if (t == 0)
            fprintf(stderr, "painpath procedures: unexpected argument '%s'\n", argv[i]);
        rc = 2;
        goto out;
    }
    pp_buf_init(&b, PP_BUF_UNLIMITED);
    if (o.format == PP_FORMAT_JSON) {
        pp_buf_adds(&b, "[");
        for (size_t i = 0; i < n; i++) {
            pp_buf_adds(&b, i ? ",\n " : "");
            procedure_json(&b, &all[i]);
        }
        pp_buf_adds(&b, "]\n");
    } else {
        procedures_table(&b);
    }
    fputs(b.data, stdout);
    pp_buf_release(&b);
out:
    pp_cli_opts_release(&o);
    return rc;
}
