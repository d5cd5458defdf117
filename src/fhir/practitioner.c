/*
 * practitioner.c — FHIR R4 Practitioner.qualification[] and PractitionerRole.code
 * (procedure privileges) into struct pp_credential_input. FHIR JSON only: the
 * rules live in clinical/credential.c.
 */
#include "fhir/practitioner.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "util/json.h"

/* PP_ERR_INPUT at `where`; the file name is prefixed once, by pp_fhir_practitioner_read. */
static enum pp_err bad(struct pp_diag *d, const char *name, const char *where, const char *what)
{
    (void)name;
    pp_diag_set(d, PP_ERR_INPUT, where, "%s", what);
    return PP_ERR_INPUT;
}

/* The code of the first coding of `cc` (a CodeableConcept) with `system`, or NULL. */
static const char *coding_code(const cJSON *cc, const char *system)
{
    const cJSON *c;
    cJSON_ArrayForEach(c, pp_json_arr(cc, "coding"))
    {
        const char *s = pp_json_str(c, "system");
        if (s && strcmp(s, system) == 0)
            return pp_json_str(c, "code");
    }
    return NULL;
}

static enum pp_err text_field(char dst[PP_CRED_TEXT], const char *s, const char *name,
                              const char *where, struct pp_diag *d)
{
    if (s && !pp_credential_set_text(dst, s, strlen(s)))
        return bad(d, name, where, "too long (at most 63 bytes)");
    return PP_OK;
}

/* period.start / period.end of `obj` into start / end (PP_DAY_NONE when absent). */
static enum pp_err period(const cJSON *obj, pp_day *start, pp_day *end, const char *name,
                          const char *at, struct pp_diag *d)
{
    const cJSON *per = pp_json_obj(obj, "period");
    const char *keys[2] = {"start", "end"};
    pp_day *outs[2] = {start, end};
    *start = *end = PP_DAY_NONE;
    for (int i = 0; i < 2 && per; i++) {
        const char *s = pp_json_str(per, keys[i]);
        struct pp_diag ignored;
        char where[96];
        if (!s)
            continue;
        if (pp_day_parse(s, strlen(s), outs[i], &ignored)) {
            snprintf(where, sizeof(where), "%.48s.period.%s", at, keys[i]);
            return bad(d, name, where, "expected a FHIR date");
        }
    }
    return PP_OK;
}

static enum pp_err qualification(const cJSON *q, size_t i, struct pp_cred_qualification *out,
                                 const char *name, struct pp_diag *d)
{
    char at[48], where[96];
    const char *kind, *issuer;
    const cJSON *iss, *ids, *ext;
    enum pp_err rc;

    memset(out, 0, sizeof(*out));
    out->months = -1;
    snprintf(at, sizeof(at), "qualification[%zu]", i);
    snprintf(where, sizeof(where), "%s.code", at);
    kind = coding_code(pp_json_obj(q, "code"), PP_FHIR_QUAL_KIND_SYSTEM);
    if (!kind || !pp_credential_kind_parse(kind, &out->kind))
        return bad(d, name, where,
                   "expected a coding of " PP_FHIR_QUAL_KIND_SYSTEM
                   " with code board, subspecialty, fellowship or license");
    rc = text_field(out->specialty, coding_code(pp_json_obj(q, "code"), PP_FHIR_SPECIALTY_SYSTEM),
                    name, where, d);
    if (rc)
        return rc;
    iss = pp_json_obj(q, "issuer");
    issuer = pp_json_str(iss, "display");
    if (!issuer)
        issuer = pp_json_str(pp_json_obj(iss, "identifier"), "value");
    snprintf(where, sizeof(where), "%s.issuer", at);
    rc = text_field(out->issuer, issuer, name, where, d);
    if (rc)
        return rc;
    ids = pp_json_arr(q, "identifier");
    snprintf(where, sizeof(where), "%s.identifier[0].value", at);
    rc = text_field(out->id, pp_json_str(cJSON_GetArrayItem(ids, 0), "value"), name, where, d);
    if (rc)
        return rc;
    rc = period(q, &out->start, &out->end, name, at, d);
    if (rc)
        return rc;
    cJSON_ArrayForEach(ext, pp_json_arr(q, "extension"))
    {
        const char *url = pp_json_str(ext, "url");
        double m;
        if (!url || strcmp(url, PP_FHIR_FELLOWSHIP_MONTHS_URL) != 0)
            continue;
        if (!pp_json_num(ext, "valueInteger", &m) || m < 0 || m > 1200 || m != floor(m)) {
            snprintf(where, sizeof(where), "%s.extension.valueInteger", at);
            return bad(d, name, where, "expected a whole number of months (0-1200)");
        }
        out->months = (int)m;
    }
    return PP_OK;
}

/* "AT.FIELD", or "FIELD" when AT is empty (a lone Practitioner). */
static void join(char *out, size_t size, const char *at, const char *field)
{
    snprintf(out, size, "%.48s%s%s", at, at[0] ? "." : "", field);
}

static enum pp_err practitioner(const cJSON *res, const char *at, struct pp_credential_input *in,
                                const char *name, struct pp_diag *d)
{
    const cJSON *q, *nm;
    size_t i = 0;
    char where[96];
    enum pp_err rc;

    join(where, sizeof(where), at, "id");
    rc = text_field(in->practitioner_id, pp_json_str(res, "id"), name, where, d);
    if (rc)
        return rc;
    nm = cJSON_GetArrayItem(pp_json_arr(res, "name"), 0);
    if (pp_json_str(nm, "text")) {
        join(where, sizeof(where), at, "name[0].text");
        rc = text_field(in->name, pp_json_str(nm, "text"), name, where, d);
    } else if (pp_json_str(nm, "family")) {
        join(where, sizeof(where), at, "name[0].family");
        rc = text_field(in->name, pp_json_str(nm, "family"), name, where, d);
    }
    if (rc)
        return rc;
    cJSON_ArrayForEach(q, pp_json_arr(res, "qualification"))
    {
        if (i == PP_CRED_MAX_QUALIFICATIONS) {
            join(where, sizeof(where), at, "qualification");
            return bad(d, name, where, "too many qualifications (at most 32)");
        }
        rc = qualification(q, i, &in->qualifications[i], name, d);
        if (rc) {
            if (at[0])
                pp_diag_prefix(d, at);
            return rc;
        }
        i++;
    }
    in->n_qualifications = i;
    return PP_OK;
}

static enum pp_err role(const cJSON *res, const char *at, struct pp_credential_input *in,
                        const char *name, struct pp_diag *d)
{
    const cJSON *cc, *c;
    bool active = true;
    pp_day start, end;
    char where[96];
    size_t k = 0;
    enum pp_err rc;

    if (pp_json_bool(res, "active", &active) && !active)
        return PP_OK;
    rc = period(res, &start, &end, name, at, d);
    if (rc)
        return rc;
    cJSON_ArrayForEach(cc, pp_json_arr(res, "code"))
    {
        cJSON_ArrayForEach(c, pp_json_arr(cc, "coding"))
        {
            const char *s = pp_json_str(c, "system"), *code = pp_json_str(c, "code");
            struct pp_cred_privilege *v;
            if (!s || strcmp(s, PP_FHIR_PROCEDURE_SYSTEM) != 0)
                continue;
            snprintf(where, sizeof(where), "%.48s.code[%zu]", at, k);
            if (!code)
                return bad(d, name, where, "a " PP_FHIR_PROCEDURE_SYSTEM " coding without code");
            if (in->n_privileges == PP_CRED_MAX_PRIVILEGES)
                return bad(d, name, where, "too many privileges (at most 64)");
            v = &in->privileges[in->n_privileges];
            rc = text_field(v->procedure, code, name, where, d);
            if (rc)
                return rc;
            v->start = start;
            v->end = end;
            in->n_privileges++;
        }
        k++;
    }
    return PP_OK;
}

/* Does PractitionerRole `res` belong to Practitioner `id`? */
static bool role_of(const cJSON *res, const char *id)
{
    const char *ref = pp_json_str(pp_json_obj(res, "practitioner"), "reference");
    size_t n = strlen("Practitioner/");
    return ref && id[0] && strncmp(ref, "Practitioner/", n) == 0 && strcmp(ref + n, id) == 0;
}

static enum pp_err bundle(const cJSON *root, struct pp_credential_input *in, const char *name,
                          struct pp_diag *d)
{
    const cJSON *e;
    const cJSON *found = NULL;
    size_t i = 0, found_at = 0;
    char at[48];
    enum pp_err rc;

    cJSON_ArrayForEach(e, pp_json_arr(root, "entry"))
    {
        const cJSON *res = pp_json_obj(e, "resource");
        const char *t = pp_json_str(res, "resourceType");
        if (t && strcmp(t, "Practitioner") == 0) {
            if (found) {
                snprintf(at, sizeof(at), "entry[%zu].resource", i);
                return bad(d, name, at, "a second Practitioner: one practitioner per input");
            }
            found = res;
            found_at = i;
        }
        i++;
    }
    if (!found)
        return bad(d, name, "entry", "no Practitioner in the Bundle");
    snprintf(at, sizeof(at), "entry[%zu].resource", found_at);
    rc = practitioner(found, at, in, name, d);
    if (rc)
        return rc;
    i = 0;
    cJSON_ArrayForEach(e, pp_json_arr(root, "entry"))
    {
        const cJSON *res = pp_json_obj(e, "resource");
        const char *t = pp_json_str(res, "resourceType");
        if (t && strcmp(t, "PractitionerRole") == 0 && role_of(res, in->practitioner_id)) {
            snprintf(at, sizeof(at), "entry[%zu].resource", i);
            rc = role(res, at, in, name, d);
            if (rc)
                return rc;
        }
        i++;
    }
    return PP_OK;
}

enum pp_err pp_fhir_practitioner_read(const char *text, size_t len, const char *name,
                                      struct pp_credential_input *in, struct pp_diag *d)
{
    cJSON *root = NULL;
    const char *type;
    enum pp_err rc;

    pp_credential_input_init(in);
    rc = pp_json_parse(text, len, name, &root, d);
    if (rc)
        return rc;
    type = pp_json_str(root, "resourceType");
    if (!cJSON_IsObject(root)) {
        rc = bad(d, name, "(top level)", "expected a JSON object");
    } else if (!type) {
        cJSON_Delete(root);
        return pp_credential_input_from_json(text, len, name, in, d);
    } else if (strcmp(type, "Practitioner") == 0) {
        rc = practitioner(root, "", in, name, d);
    } else if (strcmp(type, "Bundle") == 0) {
        rc = bundle(root, in, name, d);
    } else {
        rc = bad(d, name, "resourceType", "expected Practitioner or Bundle");
    }
    if (rc)
        pp_diag_prefix_file(d, name);
    cJSON_Delete(root);
    return rc;
}
