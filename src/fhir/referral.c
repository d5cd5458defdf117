/*
 * referral.c — FHIR referral -> struct pp_triage_input: the
 * QuestionnaireResponse's answers are rewritten as the documented triage JSON
 * (linkId = field) and handed to clinical/triage.c's parser, so both inputs
 * share one set of checks and messages. No clock, SQL or HTTP here.
 */
#include "fhir/referral.h"

#include <stdio.h>
#include <string.h>

#include "util/alloc.h"
#include "util/json.h"

/* Sections of the documented JSON whose fields may be a group's children. */
static const char *const sections[] = {"red_flags", "conservative_care"};

static enum pp_err bad(struct pp_diag *d, const char *name, const char *where, const char *what)
{
    pp_diag_set(d, PP_ERR_INPUT, where, "%s", what);
    pp_diag_prefix_file(d, name);
    return PP_ERR_INPUT;
}

/* The answer's value as a new cJSON node, or NULL when the item has no answer. */
static cJSON *answer_value(const cJSON *item)
{
    const cJSON *answers = pp_json_arr(item, "answer");
    const cJSON *a = answers ? cJSON_GetArrayItem(answers, 0) : NULL;
    const cJSON *v;
    const char *s;
    if (!cJSON_IsObject(a))
        return NULL;
    if ((v = cJSON_GetObjectItemCaseSensitive(a, "valueBoolean")) && cJSON_IsBool(v))
        return cJSON_CreateBool(cJSON_IsTrue(v));
    if ((v = cJSON_GetObjectItemCaseSensitive(a, "valueInteger")) && cJSON_IsNumber(v))
        return cJSON_CreateNumber(v->valuedouble);
    if ((v = cJSON_GetObjectItemCaseSensitive(a, "valueDecimal")) && cJSON_IsNumber(v))
        return cJSON_CreateNumber(v->valuedouble);
    if ((s = pp_json_str(a, "valueDate")) || (s = pp_json_str(a, "valueDateTime")) ||
        (s = pp_json_str(a, "valueString")))
        return cJSON_CreateString(s);
    if ((v = pp_json_obj(a, "valueCoding")) && (s = pp_json_str(v, "code")))
        return cJSON_CreateString(s);
    /* An answer of another type: keep it so the parser names the field. */
    return cJSON_CreateString("(unsupported answer type)");
}

static bool is_section(const char *s)
{
    for (size_t i = 0; i < sizeof(sections) / sizeof(sections[0]); i++)
        if (strcmp(s, sections[i]) == 0)
            return true;
    return false;
}

/* Put `value` (owned) at the dotted `path` of `out`; the last answer for a path wins. */
static void put(cJSON *out, const char *path, cJSON *value)
{
    const char *dot = strchr(path, '.');
    if (dot) {
        char section[64];
        size_t n = (size_t)(dot - path);
        cJSON *obj;
        if (n >= sizeof(section))
            n = sizeof(section) - 1;
        memcpy(section, path, n);
        section[n] = '\0';
        obj = cJSON_GetObjectItemCaseSensitive(out, section);
        if (!cJSON_IsObject(obj)) {
            cJSON_DeleteItemFromObjectCaseSensitive(out, section);
            obj = cJSON_AddObjectToObject(out, section);
        }
        out = obj;
        path = dot + 1;
    }
    cJSON_DeleteItemFromObjectCaseSensitive(out, path);
    cJSON_AddItemToObject(out, path, value);
}

/* Walk items (and nested groups) of a QuestionnaireResponse into `out`. */
static enum pp_err walk(const cJSON *items, const char *group, cJSON *out, const char *name,
                        const char *where, struct pp_diag *d)
{
    const cJSON *item;
    int i = 0;
    cJSON_ArrayForEach(item, items)
    {
        char here[200], path[160];
        const char *link = pp_json_str(item, "linkId");
        const cJSON *children = pp_json_arr(item, "item");
        cJSON *value;
        snprintf(here, sizeof(here), "%s.item[%d]", where, i++);
        if (!link || !*link)
            return bad(d, name, here, "linkId: required");
        if (group && !strchr(link, '.'))
            snprintf(path, sizeof(path), "%s.%s", group, link);
        else
            snprintf(path, sizeof(path), "%s", link);
        if (children) {
            enum pp_err rc = walk(children, is_section(link) ? link : NULL, out, name, here, d);
            if (rc)
                return rc;
        }
        value = answer_value(item);
        if (value)
            put(out, path, value);
    }
    return PP_OK;
}

/* The QuestionnaireResponse to read from a Bundle, and its ServiceRequest (either may be NULL). */
static void pick(const cJSON *bundle, const cJSON **sr, const cJSON **qr, int *n_qr)
{
    const cJSON *e, *r;
    const char *want = NULL;
    *sr = *qr = NULL;
    *n_qr = 0;
    cJSON_ArrayForEach(e, pp_json_arr(bundle, "entry"))
    {
        r = pp_json_obj(e, "resource");
        const char *type = pp_json_str(r, "resourceType");
        if (type && strcmp(type, "ServiceRequest") == 0 && !*sr)
            *sr = r;
    }
    if (*sr) {
        const cJSON *info;
        cJSON_ArrayForEach(info, pp_json_arr(*sr, "supportingInfo"))
        {
            const char *ref = pp_json_str(info, "reference");
            if (ref && strncmp(ref, "QuestionnaireResponse/", 22) == 0)
                want = ref + 22;
        }
    }
    cJSON_ArrayForEach(e, pp_json_arr(bundle, "entry"))
    {
        r = pp_json_obj(e, "resource");
        const char *type = pp_json_str(r, "resourceType");
        const char *id = pp_json_str(r, "id");
        if (!type || strcmp(type, "QuestionnaireResponse") != 0)
            continue;
        (*n_qr)++;
        if (!*qr || (want && id && strcmp(id, want) == 0))
            *qr = r;
    }
    if (want && *n_qr > 1)
        *n_qr = 1; /* the reference chose one */
}

static enum pp_err from_fhir(const cJSON *root, const char *type, const char *name,
                             struct pp_triage_input *in, struct pp_diag *d)
{
    const cJSON *sr = NULL, *qr = NULL;
    cJSON *out = NULL;
    char *text = NULL;
    int n_qr = 1;
    enum pp_err rc;

    if (strcmp(type, "Bundle") == 0)
        pick(root, &sr, &qr, &n_qr);
    else if (strcmp(type, "QuestionnaireResponse") == 0)
        qr = root;
    else if (strcmp(type, "ServiceRequest") == 0)
        sr = root;
    else
        return bad(d, name, "resourceType",
                   "expected a Bundle, QuestionnaireResponse or ServiceRequest");
    if (!qr)
        return bad(d, name, "QuestionnaireResponse",
                   "required: the referral's intake answers (onset, course, red flags, ...)");
    if (n_qr > 1)
        return bad(d, name, "ServiceRequest.supportingInfo",
                   "several QuestionnaireResponses: reference the intake answers from "
                   "the ServiceRequest");

    out = cJSON_CreateObject();
    if (sr) {
        const char *req = pp_json_str(pp_json_obj(sr, "requester"), "reference");
        if (req && strncmp(req, "Patient/", 8) == 0)
            put(out, "referral_source", cJSON_CreateString("self"));
    }
    rc = walk(pp_json_arr(qr, "item"), NULL, out, name, "QuestionnaireResponse", d);
    if (rc)
        goto done;
    text = cJSON_PrintUnformatted(out);
    if (!text) {
        rc = pp_diag_set(d, PP_ERR_INTERNAL, name, "could not rewrite the answers");
        goto done;
    }
    rc = pp_triage_input_from_json(text, strlen(text), name, in, d);
done:
    cJSON_free(text);
    cJSON_Delete(out);
    return rc;
}

enum pp_err pp_fhir_referral_read(const char *text, size_t len, const char *name,
                                  struct pp_triage_input *in, struct pp_diag *d)
{
    cJSON *root = NULL;
    const char *type;
    enum pp_err rc;

    pp_triage_input_init(in);
    rc = pp_json_parse(text, len, name, &root, d);
    if (rc)
        return rc;
    type = cJSON_IsObject(root) ? pp_json_str(root, "resourceType") : NULL;
    if (type)
        rc = from_fhir(root, type, name, in, d);
    else
        rc = pp_triage_input_from_json(text, len, name, in, d);
    cJSON_Delete(root);
    return rc;
}
