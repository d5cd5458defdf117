/*
 * questionnaire.c — QuestionnaireResponse / plain answers JSON -> instrument
 * answers, and a score -> Observation resources. Validation of item ids and
 * ranges is the clinical layer's (pp_instrument_answers_set); this file only
 * walks JSON and says where in it a problem is.
 */
#include "fhir/questionnaire.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/json.h"

#define LOINC "http://loinc.org"
#define UCUM "http://unitsofmeasure.org"
#define OBS_CATEGORY "http://terminology.hl7.org/CodeSystem/observation-category"

static enum pp_err parse_sex(const char *s, enum pp_instr_sex *out, const char *where,
                             struct pp_diag *d)
{
    if (s && strcmp(s, "female") == 0)
        *out = PP_INSTR_SEX_FEMALE;
    else if (s && strcmp(s, "male") == 0)
        *out = PP_INSTR_SEX_MALE;
    else
        return pp_diag_set(d, PP_ERR_INPUT, where, "expected \"female\" or \"male\"");
    return PP_OK;
}

/* Set one answer; on error the item's path replaces the clinical layer's bare item id. */
static enum pp_err set_answer(struct pp_instrument_answers *a, const char *id, double v,
                              const char *where, struct pp_diag *d)
{
    enum pp_err rc = pp_instrument_answers_set(a, id, v, d);
    if (rc)
        snprintf(d->where, sizeof(d->where), "%s", where);
    return rc;
}

/* ---------------------------------------------------------------- plain form */

static enum pp_err read_plain(const cJSON *root, struct pp_instrument_answers *a,
                              struct pp_questionnaire_meta *meta, struct pp_diag *d)
{
    const cJSON *answers = cJSON_GetObjectItemCaseSensitive(root, "answers");
    const cJSON *v;
    char where[200];

    if (!cJSON_IsObject(answers))
        return pp_diag_set(d, PP_ERR_INPUT, "answers",
                           "expected an object of item id -> answer, e.g. {\"1\": 2}");
    cJSON_ArrayForEach(v, answers)
    {
        double x;
        snprintf(where, sizeof(where), "answers.%s", v->string);
        if (cJSON_IsBool(v))
            x = cJSON_IsTrue(v) ? 1 : 0;
        else if (cJSON_IsNumber(v))
            x = v->valuedouble;
        else if (cJSON_IsNull(v))
            continue; /* explicitly unanswered */
        else
            return pp_diag_set(d, PP_ERR_INPUT, where, "expected a number or true/false");
        if (set_answer(a, v->string, x, where, d))
            return PP_ERR_INPUT;
    }
    v = cJSON_GetObjectItemCaseSensitive(root, "sex");
    if (v && !cJSON_IsNull(v)) {
        if (a->def->id != PP_INSTR_ORT)
            return pp_diag_set(d, PP_ERR_INPUT, "sex", "only the Opioid Risk Tool uses sex");
        if (parse_sex(cJSON_IsString(v) ? v->valuestring : NULL, &a->sex, "sex", d))
            return PP_ERR_INPUT;
    }
    for (const char *const *k = (const char *const[]){"subject", "date", NULL}; *k; k++) {
        v = cJSON_GetObjectItemCaseSensitive(root, *k);
        if (v && !cJSON_IsString(v))
            return pp_diag_set(d, PP_ERR_INPUT, *k, "expected a string");
    }
    meta->subject = pp_json_str(root, "subject");
    meta->date = pp_json_str(root, "date");
    return PP_OK;
}

/* ---------------------------------------------------------------- QuestionnaireResponse */

/* out = path + step, cut short (never overflowing) when the path is very deep. */
static void path_join(char *out, size_t size, const char *path, const char *step)
{
    size_t lp = strlen(path), ls = strlen(step);
    if (lp >= size)
        lp = size - 1;
    memcpy(out, path, lp);
    if (ls > size - 1 - lp)
        ls = size - 1 - lp;
    memcpy(out + lp, step, ls);
    out[lp + ls] = '\0';
}

static enum pp_err read_items(const cJSON *items, const char *path, struct pp_instrument_answers *a,
                              struct pp_diag *d, int depth);

static enum pp_err read_answer(const cJSON *ans, const char *link, const char *where,
                               struct pp_instrument_answers *a, struct pp_diag *d)
{
    const cJSON *v;
    const cJSON *coding = cJSON_GetObjectItemCaseSensitive(ans, "valueCoding");
    const char *text = NULL;
    double x;

    if (strcmp(link, "sex") == 0) {
        if (a->def->id != PP_INSTR_ORT)
            return pp_diag_set(d, PP_ERR_INPUT, where, "only the Opioid Risk Tool uses sex");
        text = coding ? pp_json_str(coding, "code") : pp_json_str(ans, "valueString");
        return parse_sex(text, &a->sex, where, d);
    }
    if ((v = cJSON_GetObjectItemCaseSensitive(ans, "valueInteger")) ||
        (v = cJSON_GetObjectItemCaseSensitive(ans, "valueDecimal"))) {
        if (!cJSON_IsNumber(v))
            return pp_diag_set(d, PP_ERR_INPUT, where, "%s: expected a number", v->string);
        x = v->valuedouble;
    } else if ((v = cJSON_GetObjectItemCaseSensitive(ans, "valueBoolean"))) {
        if (!cJSON_IsBool(v))
            return pp_diag_set(d, PP_ERR_INPUT, where, "valueBoolean: expected true or false");
        x = cJSON_IsTrue(v) ? 1 : 0;
    } else if (coding) {
        const char *code = pp_json_str(coding, "code");
        char *end = NULL;
        x = code ? strtod(code, &end) : NAN;
        if (!code || end == code || *end != '\0')
            return pp_diag_set(d, PP_ERR_INPUT, where,
                               "valueCoding.code: expected the item's score as a number");
    } else {
        return pp_diag_set(d, PP_ERR_INPUT, where,
                           "expected valueInteger, valueDecimal, valueBoolean or valueCoding");
    }
    return set_answer(a, link, x, where, d);
}

static enum pp_err read_item(const cJSON *item, const char *path, struct pp_instrument_answers *a,
                             struct pp_diag *d, int depth)
{
    const char *link = pp_json_str(item, "linkId");
    const cJSON *answers = cJSON_GetObjectItemCaseSensitive(item, "answer");
    const cJSON *sub = cJSON_GetObjectItemCaseSensitive(item, "item");
    char where[256];
    enum pp_err rc;

    if (!cJSON_IsObject(item))
        return pp_diag_set(d, PP_ERR_INPUT, path, "expected an object");
    if (!link)
        return pp_diag_set(d, PP_ERR_INPUT, path, "linkId: expected a string");
    if (answers) {
        int n = cJSON_IsArray(answers) ? cJSON_GetArraySize(answers) : -1;
        path_join(where, sizeof(where), path, ".answer");
        if (n < 0)
            return pp_diag_set(d, PP_ERR_INPUT, where, "expected an array");
        if (n > 1)
            return pp_diag_set(d, PP_ERR_INPUT, where, "item %s: expected one answer, got %d", link,
                               n);
        if (n == 1) {
            const cJSON *ans = cJSON_GetArrayItem(answers, 0);
            path_join(where, sizeof(where), path, ".answer[0]");
            rc = read_answer(ans, link, where, a, d);
            if (rc)
                return rc;
            rc = read_items(cJSON_GetObjectItemCaseSensitive(ans, "item"), where, a, d, depth + 1);
            if (rc)
                return rc;
        }
    }
    return read_items(sub, path, a, d, depth + 1);
}

static enum pp_err read_items(const cJSON *items, const char *path, struct pp_instrument_answers *a,
                              struct pp_diag *d, int depth)
{
    const cJSON *it;
    int i = 0;
    char where[256];

    if (!items)
        return PP_OK;
    if (depth > PP_JSON_MAX_DEPTH)
        return pp_diag_set(d, PP_ERR_INPUT, path, "items nested too deeply");
    if (!cJSON_IsArray(items))
        return pp_diag_set(d, PP_ERR_INPUT, path, "item: expected an array");
    cJSON_ArrayForEach(it, items)
    {
        enum pp_err rc;
        {
            char step[32];
            snprintf(step, sizeof(step), "%sitem[%d]", *path ? "." : "", i++);
            path_join(where, sizeof(where), path, step);
        }
        rc = read_item(it, where, a, d, depth);
        if (rc)
            return rc;
    }
    return PP_OK;
}

static enum pp_err read_response(const cJSON *root, struct pp_instrument_answers *a,
                                 struct pp_questionnaire_meta *meta, struct pp_diag *d)
{
    const char *status = pp_json_str(root, "status");
    const cJSON *subject = pp_json_obj(root, "subject");

    if (status && strcmp(status, "entered-in-error") == 0)
        return pp_diag_set(d, PP_ERR_INPUT, "status",
                           "an entered-in-error QuestionnaireResponse is not scored");
    meta->subject = subject ? pp_json_str(subject, "reference") : NULL;
    meta->date = pp_json_str(root, "authored");
    meta->response = pp_json_str(root, "id");
    meta->is_response = true;
    return read_items(cJSON_GetObjectItemCaseSensitive(root, "item"), "", a, d, 0);
}

enum pp_err pp_questionnaire_read(const cJSON *root, const struct pp_instrument_def *def,
                                  struct pp_instrument_answers *a,
                                  struct pp_questionnaire_meta *meta, struct pp_diag *d)
{
    const char *rtype, *named;

    memset(meta, 0, sizeof(*meta));
    if (!cJSON_IsObject(root))
        return pp_diag_set(d, PP_ERR_INPUT, "(root)",
                           "expected a QuestionnaireResponse or {\"instrument\", \"answers\"}");
    rtype = pp_json_str(root, "resourceType");
    if (rtype) {
        if (strcmp(rtype, "QuestionnaireResponse") != 0)
            return pp_diag_set(d, PP_ERR_INPUT, "resourceType",
                               "expected QuestionnaireResponse, got %s", rtype);
        if (!def)
            return pp_diag_set(d, PP_ERR_INPUT, "(root)",
                               "name the instrument (e.g. painpath score phq9 FILE) for a "
                               "QuestionnaireResponse");
        pp_instrument_answers_init(a, def);
        return read_response(root, a, meta, d);
    }
    named = pp_json_str(root, "instrument");
    if (cJSON_GetObjectItemCaseSensitive(root, "instrument") && !named)
        return pp_diag_set(d, PP_ERR_INPUT, "instrument", "expected a string");
    if (named) {
        const struct pp_instrument_def *found = pp_instrument_find(named);
        if (!found)
            return pp_diag_set(d, PP_ERR_INPUT, "instrument", "unknown instrument '%s'", named);
        if (def && found != def)
            return pp_diag_set(d, PP_ERR_INPUT, "instrument",
                               "the file is %s but the command named %s", found->key, def->key);
        def = found;
    }
    if (!def)
        return pp_diag_set(d, PP_ERR_INPUT, "instrument",
                           "missing: name the instrument in the file or on the command line");
    pp_instrument_answers_init(a, def);
    return read_plain(root, a, meta, d);
}

/* ---------------------------------------------------------------- Observations */

static void observation(struct pp_buf *b, const char *loinc, const char *text, double value,
                        const char *unit, const char *band, const char *note,
                        const struct pp_questionnaire_meta *m)
{
    pp_buf_adds(b, "{\"resourceType\": \"Observation\", \"status\": \"final\", "
                   "\"category\": [{\"coding\": [{\"system\": \"" OBS_CATEGORY "\", "
                   "\"code\": \"survey\"}]}], \"code\": {");
    if (loinc) {
        pp_buf_adds(b, "\"coding\": [{\"system\": \"" LOINC "\", \"code\": ");
        pp_buf_add_json_str(b, loinc);
        pp_buf_adds(b, "}], ");
    }
    pp_buf_adds(b, "\"text\": ");
    pp_buf_add_json_str(b, text);
    pp_buf_adds(b, "}");
    if (m->subject) {
        pp_buf_adds(b, ", \"subject\": {\"reference\": ");
        pp_buf_add_json_str(b, m->subject);
        pp_buf_adds(b, "}");
    }
    if (m->date) {
        pp_buf_adds(b, ", \"effectiveDateTime\": ");
        pp_buf_add_json_str(b, m->date);
    }
    pp_buf_adds(b, ", \"valueQuantity\": {\"value\": ");
    pp_buf_add_num2(b, value);
    pp_buf_adds(b, ", \"unit\": ");
    pp_buf_add_json_str(b, unit);
    pp_buf_adds(b, ", \"system\": \"" UCUM "\", \"code\": ");
    pp_buf_add_json_str(b, unit);
    pp_buf_adds(b, "}");
    if (band) {
        pp_buf_adds(b, ", \"interpretation\": [{\"text\": ");
        pp_buf_add_json_str(b, band);
        pp_buf_adds(b, "}]");
    }
    if (m->response) {
        char ref[200];
        snprintf(ref, sizeof(ref), "QuestionnaireResponse/%s", m->response);
        pp_buf_adds(b, ", \"derivedFrom\": [{\"reference\": ");
        pp_buf_add_json_str(b, ref);
        pp_buf_adds(b, "}]");
    }
    if (note) {
        pp_buf_adds(b, ", \"note\": [{\"text\": ");
        pp_buf_add_json_str(b, note);
        pp_buf_adds(b, "}]");
    }
    pp_buf_adds(b, "}");
}

void pp_questionnaire_observations(struct pp_buf *b, const struct pp_instrument_score *s,
                                   const struct pp_questionnaire_meta *m)
{
    const struct pp_instrument_def *def = s->def;
    char text[160];

    snprintf(text, sizeof(text), "%s %s", def->title, def->total_name);
    pp_buf_adds(b, "[");
    observation(b, def->total_loinc, text, s->total, def->total_unit, s->band, def->loinc_note, m);
    if (def->sub_name && isfinite(s->sub)) {
        snprintf(text, sizeof(text), "%s %s", def->title, def->sub_name);
        pp_buf_adds(b, ", ");
        observation(b, def->sub_loinc, text, s->sub, "{score}", NULL,
                    def->sub_loinc ? NULL : "no LOINC code for this score in CLINICAL-FACTS", m);
    }
    pp_buf_adds(b, "]");
}
