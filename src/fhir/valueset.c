/*
 * valueset.c — ValueSet expansions into the concept-set and drug-class
 * registries. Codes of one value set are gathered and checked first, then
 * added, so a malformed set adds nothing.
 */
#include "fhir/valueset.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fhir/fhir_int.h"
#include "fhir/load.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/json.h"
#include "util/banned.h"

/*
 * The CDC opioid CDS medication value sets and the drug classes their members belong to
 * (class bits from clinical/drugs.h; a barbiturate is also a CNS depressant there).
 */
static const struct {
    const char *name;
    uint32_t classes;
} drug_valuesets[] = {
    {"benzodiazepine-medications", PP_DRUG_BENZODIAZEPINE},
    {"naloxone-medications", PP_DRUG_OPIOID_REVERSAL},
    {"buprenorphine-medications", PP_DRUG_OPIOID | PP_DRUG_BUPRENORPHINE},
    {"methadone-medications", PP_DRUG_OPIOID | PP_DRUG_METHADONE},
    {"buprenorphine-and-methadone-medications", PP_DRUG_OPIOID},
    {"extended-release-opioid-with-ambulatory-misuse-potential",
     PP_DRUG_OPIOID | PP_DRUG_LONG_ACTING_OPIOID},
    {"opioid-analgesics-with-ambulatory-misuse-potential", PP_DRUG_OPIOID},
    {"cns-depressant-medications", PP_DRUG_CNS_DEPRESSANT},
    {"barbiturate-medications", PP_DRUG_BARBITURATE | PP_DRUG_CNS_DEPRESSANT},
    {"fentanyl-type-medications", PP_DRUG_OPIOID},
    {"oxycodone-medications", PP_DRUG_OPIOID},
    {"synthetic-opioid-medications", PP_DRUG_OPIOID},
    {"non-synthetic-opioid-medications", PP_DRUG_OPIOID},
};

/* Last path segment of a url or file path, without ".json": {ptr, len}. */
static const char *base_name(const char *s, size_t *len)
{
    const char *b = strrchr(s, '/');
    b = b ? b + 1 : s;
    *len = strlen(b);
    if (*len > 5 && strcmp(b + *len - 5, ".json") == 0)
        *len -= 5;
    return b;
}

uint32_t pp_fhir_valueset_drug_classes(const char *url_or_name)
{
    size_t len;
    const char *b;
    if (!url_or_name)
        return 0;
    b = base_name(url_or_name, &len);
    for (size_t i = 0; i < sizeof(drug_valuesets) / sizeof(drug_valuesets[0]); i++)
        if (strlen(drug_valuesets[i].name) == len && strncmp(drug_valuesets[i].name, b, len) == 0)
            return drug_valuesets[i].classes;
    return 0;
}

/* The (system, code) pairs of one value set, borrowed from the JSON. */
struct code_list {
    const char **system;
    const char **code;
    size_t n, alloc_s, alloc_c;
    bool check_rxcui; /* a medication set: its RxNorm codes must be RXCUIs */
};

static bool is_rxcui(const char *code)
{
    size_t n = 0;
    bool nonzero = false;
    for (; code[n]; n++) {
        if (code[n] < '0' || code[n] > '9')
            return false;
        nonzero = nonzero || code[n] != '0';
    }
    return n >= 1 && n <= 9 && nonzero;
}

/* Add the code of element `e` (its "code" member is a string) with `system`. */
static enum pp_err list_add(struct pp_fhir_conv *c, struct code_list *l, const cJSON *e,
                            const char *system)
{
    const cJSON *code = cJSON_GetObjectItemCaseSensitive(e, "code");
    if (l->check_rxcui && system && strcmp(system, PP_SYS_RXNORM) == 0 &&
        !is_rxcui(code->valuestring)) {
        pp_fhir_where(c, code, c->d->where, sizeof(c->d->where));
        snprintf(c->d->what, sizeof(c->d->what),
                 "\"%.40s\" in an RxNorm medication value set is not an RXCUI", code->valuestring);
        return PP_ERR_INPUT;
    }
    PP_ALLOC_GROW(l->system, l->n + 1, l->alloc_s);
    PP_ALLOC_GROW(l->code, l->n + 1, l->alloc_c);
    l->system[l->n] = system;
    l->code[l->n] = code->valuestring;
    l->n++;
    return PP_OK;
}

/* Optional string member; false (with the diag set) when present but not a string. */
static enum pp_err member_str(struct pp_fhir_conv *c, const cJSON *obj, const char *key,
                              const char **out)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    *out = NULL;
    if (!v)
        return PP_OK;
    if (!pp_fhir_is_string(v))
        return pp_fhir_type_error(c, v, "a string");
    *out = v->valuestring;
    return PP_OK;
}

/* expansion.contains[] (recursive): system + code of each, into l. */
static enum pp_err gather_contains(struct pp_fhir_conv *c, const cJSON *arr, struct code_list *l)
{
    int i = 0;
    if (!pp_fhir_is_array(arr))
        return pp_fhir_type_error(c, arr, "an array");
    pp_fhir_path_push_key(c, arr->string);
    for (const cJSON *e = arr->child; e; e = e->next, i++) {
        const char *system, *code;
        const cJSON *nested;
        enum pp_err rc;
        pp_fhir_path_push_index(c, i);
        if (!pp_fhir_is_object(e))
            return pp_fhir_type_error(c, e, "an object");
        if ((rc = member_str(c, e, "system", &system)) || (rc = member_str(c, e, "code", &code)))
            return rc;
        if (code && (rc = list_add(c, l, e, system)))
            return rc;
        nested = cJSON_GetObjectItemCaseSensitive(e, "contains");
        if (nested && (rc = gather_contains(c, nested, l)))
            return rc;
        pp_fhir_path_pop(c);
    }
    pp_fhir_path_pop(c);
    return PP_OK;
}

/* compose.include[].concept[].code with the include's system. */
static enum pp_err gather_compose(struct pp_fhir_conv *c, const cJSON *compose, struct code_list *l)
{
    const cJSON *inc;
    int i = 0;
    if (!pp_fhir_is_object(compose))
        return pp_fhir_type_error(c, compose, "an object");
    pp_fhir_path_push_key(c, "compose");
    inc = cJSON_GetObjectItemCaseSensitive(compose, "include");
    if (!inc) {
        pp_fhir_path_pop(c);
        return PP_OK;
    }
    if (!pp_fhir_is_array(inc))
        return pp_fhir_type_error(c, inc, "an array");
    pp_fhir_path_push_key(c, "include");
    for (const cJSON *e = inc->child; e; e = e->next, i++) {
        const char *system;
        const cJSON *concepts;
        enum pp_err rc;
        int k = 0;
        pp_fhir_path_push_index(c, i);
        if (!pp_fhir_is_object(e))
            return pp_fhir_type_error(c, e, "an object");
        if ((rc = member_str(c, e, "system", &system)))
            return rc;
        concepts = cJSON_GetObjectItemCaseSensitive(e, "concept");
        if (concepts) {
            if (!pp_fhir_is_array(concepts))
                return pp_fhir_type_error(c, concepts, "an array");
            pp_fhir_path_push_key(c, "concept");
            for (const cJSON *k_e = concepts->child; k_e; k_e = k_e->next, k++) {
                const char *code;
                pp_fhir_path_push_index(c, k);
                if (!pp_fhir_is_object(k_e))
                    return pp_fhir_type_error(c, k_e, "an object");
                if ((rc = member_str(c, k_e, "code", &code)))
                    return rc;
                if (code && (rc = list_add(c, l, k_e, system)))
                    return rc;
                pp_fhir_path_pop(c);
            }
            pp_fhir_path_pop(c);
        }
        pp_fhir_path_pop(c);
    }
    pp_fhir_path_pop(c);
    pp_fhir_path_pop(c);
    return PP_OK;
}

static enum pp_err one_valueset(struct pp_fhir_conv *c, const cJSON *vs, const char *name,
                                struct pp_terms *terms, struct pp_drug_codes *drugs,
                                struct pp_fhir_valueset_report *rep)
{
    const char *type, *url;
    const cJSON *expansion, *contains = NULL, *compose;
    struct code_list l = {0};
    uint32_t term_bits, drug_bits;
    enum pp_err rc;

    if (!pp_fhir_is_object(vs))
        return pp_fhir_type_error(c, vs, "an object (a ValueSet)");
    if ((rc = member_str(c, vs, "resourceType", &type)) || (rc = member_str(c, vs, "url", &url)))
        return rc;
    if (!type || strcmp(type, "ValueSet") != 0) {
        pp_fhir_path_push_key(c, "resourceType");
        pp_fhir_where(c, NULL, c->d->where, sizeof(c->d->where));
        snprintf(c->d->what, sizeof(c->d->what), "expected \"ValueSet\", found %s%.40s%s",
                 type ? "\"" : "", type ? type : "nothing", type ? "\"" : "");
        return PP_ERR_INPUT;
    }
    term_bits = pp_terms_bits_for_valueset(url);
    if (!term_bits)
        term_bits = pp_terms_bits_for_valueset(name);
    drug_bits = pp_fhir_valueset_drug_classes(url);
    if (!drug_bits)
        drug_bits = pp_fhir_valueset_drug_classes(name);

    l.check_rxcui = drug_bits && drugs;
    expansion = cJSON_GetObjectItemCaseSensitive(vs, "expansion");
    if (expansion) {
        if (!pp_fhir_is_object(expansion))
            return pp_fhir_type_error(c, expansion, "an object");
        contains = cJSON_GetObjectItemCaseSensitive(expansion, "contains");
    }
    if (contains) {
        pp_fhir_path_push_key(c, "expansion");
        rc = gather_contains(c, contains, &l);
        pp_fhir_path_pop(c);
    } else if ((compose = cJSON_GetObjectItemCaseSensitive(vs, "compose")) != NULL) {
        rc = gather_compose(c, compose, &l);
    }
    if (!rc && !term_bits && !drug_bits)
        rep->sets_unknown++;
    if (!rc && (term_bits || drug_bits))
        rep->sets_loaded++;
    for (size_t i = 0; !rc && i < l.n; i++) {
        if (term_bits && terms) {
            pp_terms_add(terms, l.system[i], l.code[i], term_bits);
            rep->term_codes++;
        }
        if (drug_bits && drugs && l.system[i] && strcmp(l.system[i], PP_SYS_RXNORM) == 0) {
            rc = pp_drug_codes_add(drugs, l.code[i], strlen(l.code[i]), drug_bits, c->d);
            rep->drug_codes += rc == PP_OK;
        }
    }
    free(l.system);
    free(l.code);
    return rc;
}

enum pp_err pp_fhir_valueset_load(const cJSON *vs, const char *name, struct pp_terms *terms,
                                  struct pp_drug_codes *drugs, struct pp_fhir_valueset_report *rep,
                                  struct pp_diag *d)
{
    struct pp_fhir_conv c;
    struct pp_fhir_valueset_report local = {0};
    const char *type = pp_json_str(vs, "resourceType");
    enum pp_err rc = PP_OK;

    rep = rep ? rep : &local;
    memset(&c, 0, sizeof(c));
    c.d = d;
    if (type && strcmp(type, "Bundle") == 0) {
        const cJSON *entries = pp_json_arr(vs, "entry");
        int i = 0;
        pp_fhir_path_push_key(&c, "entry");
        for (const cJSON *e = entries ? entries->child : NULL; e && !rc; e = e->next, i++) {
            const cJSON *res = pp_json_obj(e, "resource");
            pp_fhir_path_push_index(&c, i);
            pp_fhir_path_push_key(&c, "resource");
            if (res)
                rc = one_valueset(&c, res, NULL, terms, drugs, rep);
            pp_fhir_path_pop(&c);
            pp_fhir_path_pop(&c);
        }
    } else {
        rc = one_valueset(&c, vs, name, terms, drugs, rep);
    }
    if (rc)
        pp_fhir_diag_name(d, name);
    return rc;
}

enum pp_err pp_fhir_valuesets_load_dir(const char *dir, struct pp_terms *terms,
                                       struct pp_drug_codes *drugs,
                                       struct pp_fhir_valueset_report *rep, struct pp_diag *d)
{
    struct pp_fhir_valueset_report local = {0};
    char **paths;
    size_t n;
    enum pp_err rc = pp_fhir_list_dir(dir, &paths, &n, NULL, d);

    rep = rep ? rep : &local;
    if (rc)
        return rc;
    for (size_t i = 0; i < n && !rc; i++) {
        struct pp_buf b;
        cJSON *root = NULL;
        size_t len = strlen(paths[i]);
        if (len < 5 || strcmp(paths[i] + len - 5, ".json") != 0)
            continue; /* value sets are JSON files */
        pp_buf_init(&b, PP_FHIR_MAX_FILE);
        rc = pp_buf_read_file(&b, paths[i], d);
        if (!rc)
            rc = pp_json_parse(b.data, b.len, paths[i], &root, d);
        if (!rc) {
            rep->files++;
            rc = pp_fhir_valueset_load(root, paths[i], terms, drugs, rep, d);
        }
        cJSON_Delete(root);
        pp_buf_release(&b);
    }
    pp_fhir_paths_free(paths, n);
    return rc;
}
