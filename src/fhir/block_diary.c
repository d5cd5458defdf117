/*
 * block_diary.c — FHIR block Procedure + diary Observations -> struct pp_block_request
 * (docs/PROFILES.md). Reads and validates the FHIR elements and names the element when one
 * is missing or wrong; every interpretation is clinical/blocks.c's. No clock, SQL or HTTP.
 */
#include "fhir/block_diary.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clinical/procedures.h"
#include "util/alloc.h"
#include "util/date.h"
#include "util/json.h"

#define MAX_DIARY 64 /* entries per block; a diary is a handful of ratings */

void pp_fhir_block_init(struct pp_fhir_block *b)
{
    memset(b, 0, sizeof(*b));
}

void pp_fhir_block_release(struct pp_fhir_block *b)
{
    free(b->diary[0]);
    free(b->diary[1]);
    memset(b, 0, sizeof(*b));
}

static bool digits(const char *s, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (!isdigit((unsigned char)s[i]))
            return false;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return true;
}

bool pp_fhir_datetime_minutes(const char *s, double *minutes)
{
    int y, mo, da, h, mi, sec = 0, oh = 0, om = 0;
    double frac = 0, offset = 0;
    const char *p;

    if (!s || strlen(s) < 16 || !digits(s, 4, &y) || s[4] != '-' || !digits(s + 5, 2, &mo) ||
        s[7] != '-' || !digits(s + 8, 2, &da) || s[10] != 'T' || !digits(s + 11, 2, &h) ||
        s[13] != ':' || !digits(s + 14, 2, &mi))
        return false;
    if (!pp_ymd_valid(y, mo, da) || h > 23 || mi > 59)
        return false;
    p = s + 16;
    if (*p == ':') {
        if (!digits(p + 1, 2, &sec) || sec > 60)
            return false;
        p += 3;
        if (*p == '.') {
            double scale = 0.1;
            p++;
            if (!isdigit((unsigned char)*p))
                return false;
            while (isdigit((unsigned char)*p)) {
                frac += (*p - '0') * scale;
                scale /= 10;
                p++;
            }
        }
    }
    if (*p == 'Z') {
        p++;
    } else if (*p == '+' || *p == '-') {
        if (!digits(p + 1, 2, &oh) || p[3] != ':' || !digits(p + 4, 2, &om) || oh > 14 || om > 59)
            return false;
        offset = (*p == '+' ? 1 : -1) * (oh * 60.0 + om);
        p += 6;
    }
    if (*p)
        return false;
    *minutes =
        (double)pp_day_from_ymd(y, mo, da) * 1440.0 + h * 60.0 + mi + (sec + frac) / 60.0 - offset;
    return true;
}

/* The first resource of `type` with `id` in the Bundle, or NULL. */
static const cJSON *find(const cJSON *bundle, const char *type, const char *id)
{
    const cJSON *e;
    cJSON_ArrayForEach(e, pp_json_arr(bundle, "entry"))
    {
        const cJSON *r = pp_json_obj(e, "resource");
        const char *t = pp_json_str(r, "resourceType"), *i = pp_json_str(r, "id");
        if (t && i && strcmp(t, type) == 0 && strcmp(i, id) == 0)
            return r;
    }
    return NULL;
}

/* A coding of `system` in a CodeableConcept: its code, or NULL. */
const char *pp_fhir_coding_code(const cJSON *concept, const char *system)
{
    const cJSON *c;
    cJSON_ArrayForEach(c, pp_json_arr(concept, "coding"))
    {
        const char *sys = pp_json_str(c, "system"), *code = pp_json_str(c, "code");
        if (sys && code && strcmp(sys, system) == 0)
            return code;
    }
    return NULL;
}

/* The extension `url` of obj, or NULL. */
const cJSON *pp_fhir_extension(const cJSON *obj, const char *url)
{
    const cJSON *x;
    cJSON_ArrayForEach(x, pp_json_arr(obj, "extension"))
    {
        const char *u = pp_json_str(x, "url");
        if (u && strcmp(u, url) == 0)
            return x;
    }
    return NULL;
}

/* The catalogue entry of a Procedure: its urn:painpath:procedure code, else a CPT code that
 * names exactly one entry. NULL with *ambiguous set when the CPT names several. */
const struct pp_proc_entry *pp_fhir_catalogue_entry(const cJSON *proc, bool *ambiguous)
{
    const cJSON *code = pp_json_obj(proc, "code"), *c;
    const char *id = pp_fhir_coding_code(code, "urn:painpath:procedure");
    *ambiguous = false;
    if (id)
        return pp_procedure_by_id(id);
    cJSON_ArrayForEach(c, pp_json_arr(code, "coding"))
    {
        const char *sys = pp_json_str(c, "system"), *cpt = pp_json_str(c, "code");
        const struct pp_proc_entry *hits[2];
        size_t n;
        if (!sys || !cpt || strcmp(sys, PP_FHIR_CPT_SYSTEM) != 0)
            continue;
        n = pp_procedures_by_cpt(cpt, hits, 2);
        if (n == 1)
            return hits[0];
        if (n > 1)
            *ambiguous = true;
    }
    return NULL;
}

/* What a catalogue entry blocks, when it is a diagnostic block; false otherwise. */
static bool block_target(const struct pp_proc_entry *e, enum pp_block_target *t, const char **joint)
{
    *joint = NULL;
    if (strncmp(e->id, "mbb-", 4) == 0)
        *t = PP_BLOCK_MEDIAL_BRANCH;
    else if (strncmp(e->id, "esi-tf-", 7) == 0)
        *t = PP_BLOCK_NERVE_ROOT;
    else if (strncmp(e->id, "facet-ia-", 9) == 0) {
        *t = PP_BLOCK_JOINT;
        *joint = "facet";
    } else if (strcmp(e->id, "sij-injection") == 0 || strcmp(e->id, "sij-nerve-block") == 0)
        *t = PP_BLOCK_SI_JOINT;
    else
        return false;
    return true;
}

static enum pp_err need(struct pp_diag *d, const char *pid, const char *element, const char *what)
{
    char where[160];
    snprintf(where, sizeof(where), "Procedure/%s.%s", pid, element);
    return pp_diag_set(d, PP_ERR_UNSUPPORTED, where, "%s", what);
}

enum pp_err pp_fhir_body_site(const cJSON *res, const char *where, char (*levels)[16],
                              const char **ptrs, size_t max, size_t *n, int *side,
                              struct pp_diag *d)
{
    const cJSON *site = cJSON_GetArrayItem(pp_json_arr(res, "bodySite"), 0);
    const char *text = pp_json_str(site, "text");
    const char *p;

    if (!text)
        text = pp_json_str(cJSON_GetArrayItem(pp_json_arr(site, "coding"), 0), "display");
    if (!text)
        return PP_OK; /* the interpretation says what is missing, if anything */
    for (p = text; *p;) {
        char tok[32];
        size_t len = strcspn(p, " ,;/");
        int a, b;
        if (len == 0) {
            p++;
            continue;
        }
        if (len >= sizeof(tok))
            return pp_diag_set(d, PP_ERR_INPUT, where, "unreadable word in '%.60s'", text);
        for (size_t i = 0; i < len; i++)
            tok[i] = (char)tolower((unsigned char)p[i]);
        tok[len] = '\0';
        p += len;
        if (strcmp(tok, "left") == 0)
            *side = 1;
        else if (strcmp(tok, "right") == 0)
            *side = 2;
        else if (strcmp(tok, "bilateral") == 0)
            *side = 3;
        else {
            const char *dash;
            for (size_t i = 0; i < len; i++)
                tok[i] = (char)toupper((unsigned char)tok[i]);
            dash = strchr(tok, '-');
            if (!(dash ? pp_spine_level_parse(tok, (size_t)(dash - tok), &a) &&
                             pp_spine_level_parse(dash + 1, strlen(dash + 1), &b)
                       : pp_spine_level_parse(tok, len, &a)))
                continue; /* other words ("facet", "joint") describe, they do not locate */
            if (*n == max)
                return pp_diag_set(d, PP_ERR_INPUT, where, "at most %zu levels", max);
            if (len >= 16)
                continue; /* no level is that long */
            memcpy(levels[*n], tok, len + 1);
            ptrs[*n] = levels[*n];
            (*n)++;
        }
    }
    return PP_OK;
}

/* bodySite[0] of the block: the request's levels and side. */
static enum pp_err body_site(const cJSON *proc, const char *pid, struct pp_fhir_block *out,
                             struct pp_diag *d)
{
    char where[160];
    int side = 0;
    enum pp_err rc;
    snprintf(where, sizeof(where), "Procedure/%s.bodySite[0].text", pid);
    rc = pp_fhir_body_site(proc, where, out->levels, out->req.levels, PP_BLOCK_MAX_LEVELS,
                           &out->req.n_levels, &side, d);
    out->req.side = (enum pp_block_side)side;
    return rc;
}

static enum pp_err quantity_ext(const cJSON *proc, const char *pid, const char *url,
                                const char *what, double *out, struct pp_diag *d)
{
    const cJSON *x = pp_fhir_extension(proc, url);
    char element[96];
    snprintf(element, sizeof(element), "extension('%s')", url);
    if (!x)
        return need(d, pid, element, what);
    if (!pp_json_num(pp_json_obj(x, "valueQuantity"), "value", out) || !isfinite(*out) ||
        *out <= 0) {
        char where[200];
        snprintf(where, sizeof(where), "Procedure/%s.%s.valueQuantity.value", pid, element);
        return pp_diag_set(d, PP_ERR_INPUT, where, "expected a number above 0");
    }
    return PP_OK;
}

static int by_minutes(const void *a, const void *b)
{
    const struct pp_diary_entry *x = a, *y = b;
    return (x->minutes > y->minutes) - (x->minutes < y->minutes);
}

/* Does obs have partOf "Procedure/<pid>"? */
static bool part_of(const cJSON *obs, const char *pid)
{
    const cJSON *p;
    cJSON_ArrayForEach(p, pp_json_arr(obs, "partOf"))
    {
        const char *ref = pp_json_str(p, "reference");
        if (ref && strncmp(ref, "Procedure/", 10) == 0 && strcmp(ref + 10, pid) == 0)
            return true;
    }
    return false;
}

/* The diary of block i: NRS Observations partOf it. The latest at or before the injection
 * is the baseline; the rest, in minutes after it, are the diary. */
static enum pp_err read_diary(const cJSON *bundle, const char *pid, double injected, size_t i,
                              struct pp_fhir_block *out, struct pp_diag *d)
{
    struct pp_block *blk = &out->req.blocks[i];
    struct pp_diary_entry *entries = pp_xcalloc(MAX_DIARY, sizeof(*entries));
    double baseline_at = -INFINITY;
    size_t n = 0;
    const cJSON *e;

    out->diary[i] = entries;
    blk->diary = entries;
    cJSON_ArrayForEach(e, pp_json_arr(bundle, "entry"))
    {
        const cJSON *obs = pp_json_obj(e, "resource");
        const char *type = pp_json_str(obs, "resourceType"), *oid = pp_json_str(obs, "id");
        const char *status = pp_json_str(obs, "status"), *when;
        char where[200];
        double at, nrs;
        if (!type || strcmp(type, "Observation") != 0 || !part_of(obs, pid))
            continue;
        if (!pp_fhir_coding_code(pp_json_obj(obs, "code"), "http://loinc.org") ||
            strcmp(pp_fhir_coding_code(pp_json_obj(obs, "code"), "http://loinc.org"),
                   PP_FHIR_LOINC_NRS) != 0)
            continue; /* not a pain rating (a note, a vital sign) */
        if (status && (strcmp(status, "entered-in-error") == 0 || strcmp(status, "cancelled") == 0))
            continue;
        oid = oid ? oid : "(no id)";
        when = pp_json_str(obs, "effectiveDateTime");
        snprintf(where, sizeof(where), "Observation/%s.effectiveDateTime", oid);
        if (!pp_fhir_datetime_minutes(when, &at))
            return pp_diag_set(d, PP_ERR_INPUT, where,
                               "a diary rating needs the date and time it was given");
        if (!pp_json_num(pp_json_obj(obs, "valueQuantity"), "value", &nrs) &&
            !pp_json_num(obs, "valueInteger", &nrs)) {
            snprintf(where, sizeof(where), "Observation/%s.valueQuantity.value", oid);
            return pp_diag_set(d, PP_ERR_INPUT, where, "expected the NRS rating (0-10)");
        }
        if (!(nrs >= 0 && nrs <= PP_NRS_MAX)) {
            snprintf(where, sizeof(where), "Observation/%s.valueQuantity.value", oid);
            return pp_diag_set(d, PP_ERR_INPUT, where, "NRS must be 0-10");
        }
        if (out->n_diary_ids[i] < sizeof(out->diary_ids[0]) / sizeof(out->diary_ids[0][0]))
            out->diary_ids[i][out->n_diary_ids[i]++] = oid;
        if (at <= injected) {
            if (at >= baseline_at) {
                baseline_at = at;
                blk->has_baseline = true;
                blk->baseline_nrs = nrs;
            }
            continue;
        }
        if (n == MAX_DIARY) {
            snprintf(where, sizeof(where), "Procedure/%s", pid);
            return pp_diag_set(d, PP_ERR_LIMIT, where, "more than %d diary ratings", MAX_DIARY);
        }
        entries[n].minutes = at - injected;
        entries[n].nrs = nrs;
        n++;
    }
    qsort(entries, n, sizeof(*entries), by_minutes);
    blk->n_diary = n;
    return PP_OK;
}

/* One block Procedure into req.blocks[i] (and, for the first, the request's site). */
static enum pp_err read_block(const cJSON *bundle, const cJSON *proc, size_t i, double *when,
                              struct pp_fhir_block *out, struct pp_diag *d)
{
    static const char *const guides[] = {"fluoroscopy", "ct", "ultrasound", "landmark"};
    static const unsigned guide_bits[] = {PP_GUIDE_FLUORO, PP_GUIDE_CT, PP_GUIDE_US,
                                          PP_GUIDE_LANDMARK};
    const char *pid = pp_json_str(proc, "id");
    const char *status = pp_json_str(proc, "status"), *performed, *agent, *guide;
    const struct pp_proc_entry *entry;
    struct pp_block *blk = &out->req.blocks[i];
    enum pp_block_target target;
    const char *joint;
    const cJSON *used;
    bool ambiguous;
    enum pp_err rc;

    pid = pid ? pid : "(no id)";
    out->procedure_ids[i] = pid;
    blk->id = pid;
    if (!status || strcmp(status, "completed") != 0)
        return need(d, pid, "status", "the block is not completed: no diary to interpret");
    entry = pp_fhir_catalogue_entry(proc, &ambiguous);
    if (!entry)
        return need(d, pid, "code",
                    ambiguous ? "the CPT code names several catalogue procedures: add the "
                                "urn:painpath:procedure code"
                              : "not a procedure of the catalogue (urn:painpath:procedure)");
    if (!block_target(entry, &target, &joint))
        return need(d, pid, "code",
                    "not a diagnostic block (a medial branch, nerve root, facet "
                    "joint or sacroiliac joint block)");
    if (i == 0) {
        out->req.target = target;
        out->req.joint = joint;
        out->req.procedure_id = entry->id;
        if ((rc = body_site(proc, pid, out, d)))
            return rc;
    }
    performed = pp_json_str(proc, "performedDateTime");
    if (!performed)
        performed = pp_json_str(pp_json_obj(proc, "performedPeriod"), "start");
    if (!performed || !pp_fhir_datetime_minutes(performed, when))
        return need(d, pid, performed ? "performedDateTime" : "performed[x]",
                    "the time of the injection (a dateTime with hours and minutes) is required");
    snprintf(out->dates[i], sizeof(out->dates[i]), "%.10s", performed);
    blk->date = out->dates[i];
    /* the anesthetic */
    agent = NULL;
    cJSON_ArrayForEach(used, pp_json_arr(proc, "usedCode"))
    {
        const char *a = pp_fhir_coding_code(used, PP_FHIR_ANESTHETIC_SYSTEM);
        if (!a && pp_fhir_coding_code(used, "http://www.nlm.nih.gov/research/umls/rxnorm") &&
            strcmp(pp_fhir_coding_code(used, "http://www.nlm.nih.gov/research/umls/rxnorm"),
                   "6387") == 0)
            a = "lidocaine"; /* RxNorm ingredient, CLINICAL-FACTS §6.3 */
        if (a)
            agent = a;
    }
    if (!agent)
        return need(d, pid, "usedCode",
                    "the local anesthetic is required (urn:painpath:anesthetic lidocaine or "
                    "bupivacaine)");
    if (strcmp(agent, "lidocaine") == 0)
        blk->anesthetic = PP_ANESTHETIC_LIDOCAINE;
    else if (strcmp(agent, "bupivacaine") == 0)
        blk->anesthetic = PP_ANESTHETIC_BUPIVACAINE;
    else
        return need(d, pid, "usedCode", "expected lidocaine or bupivacaine");
    if ((rc = quantity_ext(proc, pid, PP_FHIR_CONCENTRATION_URL,
                           "the anesthetic's concentration (%) is required",
                           &blk->concentration_pct, d)) ||
        (rc = quantity_ext(proc, pid, PP_FHIR_VOLUME_URL, "the injected volume (mL) is required",
                           &blk->volume_ml, d)))
        return rc;
    guide = pp_json_str(pp_fhir_extension(proc, PP_FHIR_GUIDANCE_URL), "valueCode");
    blk->guidance = 0;
    for (size_t k = 0; guide && k < sizeof(guides) / sizeof(guides[0]); k++)
        if (strcmp(guide, guides[k]) == 0)
            blk->guidance = guide_bits[k];
    if (guide && !blk->guidance) {
        char element[96];
        snprintf(element, sizeof(element), "extension('%s').valueCode", PP_FHIR_GUIDANCE_URL);
        return need(d, pid, element, "expected fluoroscopy, ct, ultrasound or landmark");
    }
    if (!guide) {
        /* a catalogue entry done under one modality only says it */
        unsigned g = entry->guidance;
        if (g && !(g & (g - 1)))
            blk->guidance = g;
        else
            return need(d, pid, "extension('" PP_FHIR_GUIDANCE_URL "')",
                        "the image guidance is required (fluoroscopy, ct, ultrasound or "
                        "landmark)");
    }
    return read_diary(bundle, pid, *when, i, out, d);
}

/* Is `r` a completed block Procedure of the catalogue? (type-level: which to read) */
static bool is_block(const cJSON *r)
{
    const char *type = pp_json_str(r, "resourceType");
    const struct pp_proc_entry *e;
    enum pp_block_target t;
    const char *joint;
    bool ambiguous;
    if (!type || strcmp(type, "Procedure") != 0)
        return false;
    e = pp_fhir_catalogue_entry(r, &ambiguous);
    return ambiguous || (e && block_target(e, &t, &joint));
}

/* requested_by and the question from the ServiceRequest the Procedure is basedOn. */
static void request_of(const cJSON *bundle, const cJSON *proc, struct pp_block_request *r)
{
    const cJSON *b;
    cJSON_ArrayForEach(b, pp_json_arr(proc, "basedOn"))
    {
        const char *ref = pp_json_str(b, "reference");
        const cJSON *sr;
        if (!ref || strncmp(ref, "ServiceRequest/", 15) != 0)
            continue;
        sr = find(bundle, "ServiceRequest", ref + 15);
        if (!sr)
            continue;
        r->requested_by = pp_json_str(pp_json_obj(sr, "requester"), "display");
        r->question = pp_json_str(cJSON_GetArrayItem(pp_json_arr(sr, "note"), 0), "text");
        return;
    }
}

enum pp_err pp_fhir_block_read(const cJSON *bundle, const char *procedure_id,
                               const char *comparative_id, struct pp_fhir_block *out,
                               struct pp_diag *d)
{
    const cJSON *procs[2] = {NULL, NULL};
    size_t n = 0;
    double when[2] = {0, 0};
    enum pp_err rc;

    pp_fhir_block_init(out);
    if (procedure_id) {
        const char *ids[2] = {procedure_id, comparative_id};
        for (size_t k = 0; k < 2 && ids[k]; k++) {
            char where[96];
            procs[n] = find(bundle, "Procedure", ids[k]);
            snprintf(where, sizeof(where), "Procedure/%.64s", ids[k]);
            if (!procs[n])
                return pp_diag_set(d, PP_ERR_NOT_FOUND, k ? "comparative" : where,
                                   "no Procedure %.64s", ids[k]);
            n++;
        }
    } else {
        const cJSON *e;
        cJSON_ArrayForEach(e, pp_json_arr(bundle, "entry"))
        {
            const cJSON *r = pp_json_obj(e, "resource");
            if (!is_block(r))
                continue;
            if (n == 2)
                return pp_diag_set(d, PP_ERR_INPUT, "Procedure",
                                   "more than two block Procedures: send one block, or two "
                                   "comparative blocks");
            procs[n++] = r;
        }
        if (n == 0)
            return pp_diag_set(d, PP_ERR_INPUT, "Procedure",
                               "no diagnostic block Procedure (urn:painpath:procedure code of "
                               "a medial branch, nerve root, facet or sacroiliac joint block)");
    }
    for (size_t k = 0; k < n; k++)
        if ((rc = read_block(bundle, procs[k], k, &when[k], out, d)))
            return rc;
    out->req.n_blocks = n;
    if (n == 2 && when[1] < when[0]) {
        /* the earlier block first: the comparative order the interpretation expects */
        struct pp_block tb = out->req.blocks[0];
        struct pp_diary_entry *td = out->diary[0];
        const char *tid = out->procedure_ids[0];
        const char *tids[64];
        size_t tn = out->n_diary_ids[0];
        char tdate[11];
        out->req.blocks[0] = out->req.blocks[1];
        out->req.blocks[1] = tb;
        out->diary[0] = out->diary[1];
        out->diary[1] = td;
        out->procedure_ids[0] = out->procedure_ids[1];
        out->procedure_ids[1] = tid;
        memcpy(tids, out->diary_ids[0], sizeof(tids));
        memcpy(out->diary_ids[0], out->diary_ids[1], sizeof(tids));
        memcpy(out->diary_ids[1], tids, sizeof(tids));
        out->n_diary_ids[0] = out->n_diary_ids[1];
        out->n_diary_ids[1] = tn;
        memcpy(tdate, out->dates[0], sizeof(tdate));
        memcpy(out->dates[0], out->dates[1], sizeof(tdate));
        memcpy(out->dates[1], tdate, sizeof(tdate));
        out->req.blocks[0].date = out->dates[0];
        out->req.blocks[1].date = out->dates[1];
    }
    for (size_t k = 0; k < n && !out->req.requested_by && !out->req.question; k++)
        request_of(bundle, procs[k], &out->req);
    return PP_OK;
}
