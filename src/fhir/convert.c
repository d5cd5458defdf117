/*
 * convert.c — one FHIR R4 resource (cJSON) -> the element of struct pp_record
 * it stands for, with every string copied into the record's arena. Known
 * fields of the wrong JSON type and unparseable dates are errors naming the
 * JSON path; unknown fields and extensions are ignored. No I/O here.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "fhir/fhir_int.h"
#include "util/banned.h"

#define REPLACEMENT_SYSTEM "urn:painpath:replacement-reason"

/* ---- paths and errors ---- */

void pp_fhir_path_push_key(struct pp_fhir_conv *c, const char *key)
{
    if (c->path.depth >= 0 && c->path.depth < PP_FHIR_PATH_MAX) {
        c->path.key[c->path.depth] = key;
        c->path.index[c->path.depth] = -1;
    }
    c->path.depth++;
}

void pp_fhir_path_push_index(struct pp_fhir_conv *c, int index)
{
    if (c->path.depth >= 0 && c->path.depth < PP_FHIR_PATH_MAX) {
        c->path.key[c->path.depth] = NULL;
        c->path.index[c->path.depth] = index;
    }
    c->path.depth++;
}

void pp_fhir_path_pop(struct pp_fhir_conv *c)
{
    if (c->path.depth > 0)
        c->path.depth--;
}

static void add_seg(char *buf, size_t size, size_t *pos, const char *key, int index)
{
    int n;
    if (*pos >= size)
        return;
    if (key)
        n = snprintf(buf + *pos, size - *pos, "%s%s", *pos ? "." : "", key);
    else
        n = snprintf(buf + *pos, size - *pos, "[%d]", index);
    if (n > 0)
        *pos += (size_t)n;
}

void pp_fhir_where(const struct pp_fhir_conv *c, const cJSON *item, char *buf, size_t size)
{
    size_t pos = 0;
    int depth = c->path.depth < PP_FHIR_PATH_MAX ? c->path.depth : PP_FHIR_PATH_MAX;

    buf[0] = '\0';
    for (int i = 0; i < depth; i++)
        add_seg(buf, size, &pos, c->path.key[i], c->path.index[i]);
    if (c->path.depth > PP_FHIR_PATH_MAX)
        add_seg(buf, size, &pos, "...", 0);
    if (item && item->string)
        add_seg(buf, size, &pos, item->string, 0);
}

enum pp_err pp_fhir_type_error(struct pp_fhir_conv *c, const cJSON *item, const char *expected)
{
    pp_fhir_where(c, item, c->d->where, sizeof(c->d->where));
    snprintf(c->d->what, sizeof(c->d->what), "expected %s", expected);
    return PP_ERR_INPUT;
}

/* Step into member or element `v` (array elements have their index pushed by the caller). */
static void enter(struct pp_fhir_conv *c, const cJSON *v)
{
    if (v->string)
        pp_fhir_path_push_key(c, v->string);
}

static void leave(struct pp_fhir_conv *c, const cJSON *v)
{
    if (v->string)
        pp_fhir_path_pop(c);
}

#define KEY(m, name) PP_FHIR_KEY(m, name)

/* ---- primitives ---- */

/* A string member, copied into the current arena (out NULL: only checked). */
static enum pp_err str(struct pp_fhir_conv *c, const cJSON *v, const char **out)
{
    if (!pp_fhir_is_string(v))
        return pp_fhir_type_error(c, v, "a string");
    if (out)
        *out = pp_arena_strdup(c->arena, v->valuestring);
    return PP_OK;
}

static enum pp_err number(struct pp_fhir_conv *c, const cJSON *v, double *out)
{
    if (!pp_fhir_is_number(v))
        return pp_fhir_type_error(c, v, "a number");
    *out = v->valuedouble;
    return PP_OK;
}

static enum pp_err integer(struct pp_fhir_conv *c, const cJSON *v, double *out)
{
    if (!pp_fhir_is_number(v) || v->valuedouble != floor(v->valuedouble) ||
        fabs(v->valuedouble) > 2147483647.0)
        return pp_fhir_type_error(c, v, "an integer");
    *out = v->valuedouble;
    return PP_OK;
}

static enum pp_err boolean(struct pp_fhir_conv *c, const cJSON *v, bool *out)
{
    if (!pp_fhir_is_bool(v))
        return pp_fhir_type_error(c, v, "a boolean (true or false)");
    *out = cJSON_IsTrue(v);
    return PP_OK;
}

/* A FHIR date / dateTime / instant as a day. */
static enum pp_err date(struct pp_fhir_conv *c, const cJSON *v, pp_day *out)
{
    if (!pp_fhir_is_string(v))
        return pp_fhir_type_error(c, v, "a string");
    if (pp_day_parse(v->valuestring, strlen(v->valuestring), out, c->d) != PP_OK) {
        pp_fhir_where(c, v, c->d->where, sizeof(c->d->where));
        return PP_ERR_INPUT;
    }
    return PP_OK;
}

static enum pp_err object(struct pp_fhir_conv *c, const cJSON *v)
{
    return pp_fhir_is_object(v) ? PP_OK : pp_fhir_type_error(c, v, "an object");
}

static enum pp_err array(struct pp_fhir_conv *c, const cJSON *v)
{
    return pp_fhir_is_array(v) ? PP_OK : pp_fhir_type_error(c, v, "an array");
}

static size_t count_children(const cJSON *v)
{
    size_t n = 0;
    for (const cJSON *e = v->child; e; e = e->next)
        n++;
    return n;
}

/* ---- data types ---- */

/* CodeableConcept. out NULL: only checked, nothing copied. */
static enum pp_err codeable(struct pp_fhir_conv *c, const cJSON *v, struct pp_concept *out)
{
    enum pp_err rc = object(c, v);
    if (rc)
        return rc;
    enter(c, v);
    for (const cJSON *m = v->child; m; m = m->next) {
        if (KEY(m, "text")) {
            rc = str(c, m, out ? &out->text : NULL);
        } else if (KEY(m, "coding")) {
            size_t i = 0;
            if ((rc = array(c, m)))
                return rc;
            if (out) {
                out->n_codings = count_children(m);
                out->codings =
                    out->n_codings
                        ? pp_arena_alloc(c->arena, out->n_codings * sizeof(*out->codings))
                        : NULL;
            }
            enter(c, m);
            for (const cJSON *e = m->child; e; e = e->next, i++) {
                struct pp_coding *k = out ? &out->codings[i] : NULL;
                pp_fhir_path_push_index(c, (int)i);
                if ((rc = object(c, e)))
                    return rc;
                for (const cJSON *f = e->child; f; f = f->next) {
                    if (KEY(f, "system"))
                        rc = str(c, f, k ? &k->system : NULL);
                    else if (KEY(f, "code"))
                        rc = str(c, f, k ? &k->code : NULL);
                    else if (KEY(f, "display"))
                        rc = str(c, f, k ? &k->display : NULL);
                    if (rc)
                        return rc;
                }
                pp_fhir_path_pop(c);
            }
            leave(c, m);
        }
        if (rc)
            return rc;
    }
    leave(c, v);
    return PP_OK;
}

/* The first coding's code of a checked CodeableConcept (borrowed from the JSON), or NULL. */
static const char *raw_first_code(const cJSON *concept_json)
{
    const cJSON *coding = cJSON_GetObjectItemCaseSensitive(concept_json, "coding");
    for (const cJSON *e = coding ? coding->child : NULL; e; e = e->next) {
        const cJSON *code = cJSON_GetObjectItemCaseSensitive(e, "code");
        if (pp_fhir_is_string(code))
            return code->valuestring;
    }
    return NULL;
}

/* A CodeableConcept reduced to its first code. */
static enum pp_err concept_code(struct pp_fhir_conv *c, const cJSON *v, const char **out)
{
    enum pp_err rc = codeable(c, v, NULL);
    if (!rc && !*out)
        *out = pp_arena_strdup(c->arena, raw_first_code(v));
    return rc;
}

/*
 * An array of CodeableConcept: all checked; the first converted into *first (may be NULL)
 * and the first code found into *code (may be NULL).
 */
static enum pp_err concepts(struct pp_fhir_conv *c, const cJSON *v, struct pp_concept *first,
                            const char **code)
{
    enum pp_err rc = array(c, v);
    int i = 0;
    if (rc)
        return rc;
    enter(c, v);
    for (const cJSON *e = v->child; e; e = e->next, i++) {
        pp_fhir_path_push_index(c, i);
        if ((rc = codeable(c, e, i == 0 ? first : NULL)))
            return rc;
        if (code && !*code)
            *code = pp_arena_strdup(c->arena, raw_first_code(e));
        pp_fhir_path_pop(c);
    }
    leave(c, v);
    return PP_OK;
}

/* Quantity (also Duration, SimpleQuantity, Age): value, and code-else-unit. */
static enum pp_err quantity(struct pp_fhir_conv *c, const cJSON *v, struct pp_quantity *q)
{
    const cJSON *unit = NULL, *code = NULL;
    enum pp_err rc = object(c, v);
    if (rc)
        return rc;
    enter(c, v);
    for (const cJSON *m = v->child; m; m = m->next) {
        if (KEY(m, "value")) {
            rc = number(c, m, &q->value);
            q->present = true;
        } else if (KEY(m, "unit")) {
            rc = str(c, m, NULL);
            unit = m;
        } else if (KEY(m, "code")) {
            rc = str(c, m, NULL);
            code = m;
        } else if (KEY(m, "system") || KEY(m, "comparator")) {
            rc = str(c, m, NULL);
        }
        if (rc)
            return rc;
    }
    leave(c, v);
    if (code)
        q->unit = pp_arena_strdup(c->arena, code->valuestring);
    else if (unit)
        q->unit = pp_arena_strdup(c->arena, unit->valuestring);
    return PP_OK;
}

/* Period: start and end (either may be absent). */
static enum pp_err period(struct pp_fhir_conv *c, const cJSON *v, pp_day *start, pp_day *end)
{
    enum pp_err rc = object(c, v);
    if (rc)
        return rc;
    enter(c, v);
    for (const cJSON *m = v->child; m; m = m->next) {
        if (KEY(m, "start"))
            rc = date(c, m, start);
        else if (KEY(m, "end"))
            rc = date(c, m, end);
        if (rc)
            return rc;
    }
    leave(c, v);
    return PP_OK;
}

/* Reference: the reference and display strings, borrowed from the JSON (NULL when absent). */
static enum pp_err reference(struct pp_fhir_conv *c, const cJSON *v, const char **ref,
                             const char **display)
{
    enum pp_err rc = object(c, v);
    *ref = NULL;
    if (display)
        *display = NULL;
    if (rc)
        return rc;
    enter(c, v);
    for (const cJSON *m = v->child; m; m = m->next) {
        if (KEY(m, "reference") || KEY(m, "display")) {
            if ((rc = str(c, m, NULL)))
                return rc;
            if (KEY(m, "reference"))
                *ref = m->valuestring;
            else if (display)
                *display = m->valuestring;
        }
    }
    leave(c, v);
    return PP_OK;
}

/* A Reference copied as its reference string (else its display). */
static enum pp_err reference_copy(struct pp_fhir_conv *c, const cJSON *v, const char **out)
{
    const char *ref, *display;
    enum pp_err rc = reference(c, v, &ref, &display);
    if (!rc)
        *out = pp_arena_strdup(c->arena, ref ? ref : display);
    return rc;
}

/* Days in a Duration of `value` in UCUM code or unit word `unit`; false when unknown. */
static bool duration_days(double value, const char *unit, double *days)
{
    static const struct {
        const char *unit;
        double days;
    } units[] = {
        {"d", 1},
        {"day", 1},
        {"days", 1},
        {"wk", 7},
        {"week", 7},
        {"weeks", 7},
        {"mo", 30},
        {"month", 30},
        {"months", 30},
        {"h", 1.0 / 24},
        {"hr", 1.0 / 24},
        {"hour", 1.0 / 24},
        {"hours", 1.0 / 24},
        {"min", 1.0 / 1440},
        {"a", 365},
        {"year", 365},
        {"years", 365},
    };
    if (!unit)
        return false;
    for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
        const char *a = units[i].unit, *b = unit;
        while (*a && *b && (*a == *b || (*b >= 'A' && *b <= 'Z' && *b + 32 == *a))) {
            a++;
            b++;
        }
        if (!*a && !*b) {
            *days = value * units[i].days;
            return true;
        }
    }
    return false;
}

/* Ratio: numerator and denominator quantities. */
static enum pp_err ratio(struct pp_fhir_conv *c, const cJSON *v, struct pp_quantity *num,
                         struct pp_quantity *den)
{
    enum pp_err rc = object(c, v);
    if (rc)
        return rc;
    enter(c, v);
    for (const cJSON *m = v->child; m; m = m->next) {
        if (KEY(m, "numerator"))
            rc = quantity(c, m, num);
        else if (KEY(m, "denominator"))
            rc = quantity(c, m, den);
        if (rc)
            return rc;
    }
    leave(c, v);
    return PP_OK;
}

/* An array of strings: checked, counted. */
static enum pp_err string_count(struct pp_fhir_conv *c, const cJSON *v, int *n)
{
    enum pp_err rc = array(c, v);
    int i = 0;
    if (rc)
        return rc;
    enter(c, v);
    for (const cJSON *e = v->child; e; e = e->next, i++) {
        pp_fhir_path_push_index(c, i);
        if ((rc = str(c, e, NULL)))
            return rc;
        pp_fhir_path_pop(c);
    }
    leave(c, v);
    *n = i;
    return PP_OK;
}

/* Timing.repeat */
static enum pp_err timing_repeat(struct pp_fhir_conv *c, const cJSON *v, struct pp_dosage *ds)
{
    enum pp_err rc = object(c, v);
    if (rc)
        return rc;
    enter(c, v);
    for (const cJSON *m = v->child; m; m = m->next) {
        if (KEY(m, "frequency"))
            rc = integer(c, m, &ds->frequency);
        else if (KEY(m, "frequencyMax"))
            rc = integer(c, m, &ds->frequency_max);
        else if (KEY(m, "period"))
            rc = number(c, m, &ds->period);
        else if (KEY(m, "periodMax"))
            rc = number(c, m, &ds->period_max);
        else if (KEY(m, "periodUnit"))
            rc = str(c, m, &ds->period_unit);
        else if (KEY(m, "timeOfDay"))
            rc = string_count(c, m, &ds->n_time_of_day);
        else if (KEY(m, "when"))
            rc = string_count(c, m, &ds->n_when);
        if (rc)
            return rc;
    }
    leave(c, v);
    return PP_OK;
}

static enum pp_err timing(struct pp_fhir_conv *c, const cJSON *v, struct pp_dosage *ds)
{
    enum pp_err rc = object(c, v);
    if (rc)
        return rc;
    enter(c, v);
    for (const cJSON *m = v->child; m; m = m->next) {
        if (KEY(m, "repeat")) {
            rc = timing_repeat(c, m, ds);
        } else if (KEY(m, "code")) {
            if (!(rc = concept_code(c, m, &ds->timing_code)) && !ds->timing_code) {
                const cJSON *text = cJSON_GetObjectItemCaseSensitive(m, "text");
                if (pp_fhir_is_string(text))
                    ds->timing_code = pp_arena_strdup(c->arena, text->valuestring);
            }
        }
        if (rc)
            return rc;
    }
    leave(c, v);
    return PP_OK;
}

/* Range: low -> dose, high -> dose_high. */
static enum pp_err dose_range(struct pp_fhir_conv *c, const cJSON *v, struct pp_dosage *ds)
{
    enum pp_err rc = object(c, v);
    if (rc)
        return rc;
    enter(c, v);
    for (const cJSON *m = v->child; m; m = m->next) {
        if (KEY(m, "low"))
            rc = quantity(c, m, &ds->dose);
        else if (KEY(m, "high"))
            rc = quantity(c, m, &ds->dose_high);
        if (rc)
            return rc;
    }
    leave(c, v);
    return PP_OK;
}

/* doseAndRate[]: the first dose (doseQuantity or doseRange) and the first rateQuantity win;
 * Epic sends the same dose several times, typed calculated / admin-amount / ordered. */
static enum pp_err dose_and_rate(struct pp_fhir_conv *c, const cJSON *v, struct pp_dosage *ds)
{
    enum pp_err rc = array(c, v);
    int i = 0;
    if (rc)
        return rc;
    enter(c, v);
    for (const cJSON *e = v->child; e; e = e->next, i++) {
        bool had_dose = ds->dose.present || ds->dose_high.present, had_rate = ds->rate.present;
        struct pp_dosage spare;
        pp_fhir_path_push_index(c, i);
        if ((rc = object(c, e)))
            return rc;
        memset(&spare, 0, sizeof(spare));
        for (const cJSON *m = e->child; m; m = m->next) {
            if (KEY(m, "doseQuantity"))
                rc = quantity(c, m, had_dose ? &spare.dose : &ds->dose);
            else if (KEY(m, "doseRange"))
                rc = dose_range(c, m, had_dose ? &spare : ds);
            else if (KEY(m, "rateQuantity"))
                rc = quantity(c, m, had_rate ? &spare.rate : &ds->rate);
            else if (KEY(m, "type"))
                rc = codeable(c, m, NULL);
            if (rc)
                return rc;
        }
        pp_fhir_path_pop(c);
    }
    leave(c, v);
    return PP_OK;
}

static enum pp_err dosage(struct pp_fhir_conv *c, const cJSON *v, struct pp_dosage *ds)
{
    enum pp_err rc = object(c, v);
    if (rc)
        return rc;
    for (const cJSON *m = v->child; m; m = m->next) {
        if (KEY(m, "text")) {
            rc = str(c, m, &ds->text);
        } else if (KEY(m, "asNeededBoolean")) {
            bool b = false;
            rc = boolean(c, m, &b);
            ds->as_needed = ds->as_needed || b;
        } else if (KEY(m, "asNeededCodeableConcept")) {
            rc = codeable(c, m, NULL);
            ds->as_needed = true;
        } else if (KEY(m, "doseAndRate")) {
            rc = dose_and_rate(c, m, ds);
        } else if (KEY(m, "timing")) {
            rc = timing(c, m, ds);
        } else if (KEY(m, "maxDosePerPeriod")) {
            rc = ratio(c, m, &ds->max_per_period_num, &ds->max_per_period_den);
        }
        if (rc)
            return rc;
    }
    return PP_OK;
}

static enum pp_err dosages(struct pp_fhir_conv *c, const cJSON *v, struct pp_medication *med)
{
    enum pp_err rc = array(c, v);
    int i = 0;
    if (rc)
        return rc;
    med->n_dosages = count_children(v);
    med->dosages =
        med->n_dosages ? pp_arena_alloc(c->arena, med->n_dosages * sizeof(*med->dosages)) : NULL;
    enter(c, v);
    for (const cJSON *e = v->child; e; e = e->next, i++) {
        pp_fhir_path_push_index(c, i);
        if ((rc = dosage(c, e, &med->dosages[i])))
            return rc;
        pp_fhir_path_pop(c);
    }
    leave(c, v);
    return PP_OK;
}

/* ---- medication[x] and contained Medication ---- */

static enum pp_err medication_ref(struct pp_fhir_conv *c, const cJSON *v, struct pp_medication *med)
{
    const char *ref, *display;
    enum pp_err rc = reference(c, v, &ref, &display);
    if (rc)
        return rc;
    med->medication_ref = pp_arena_strdup(c->arena, ref);
    /* the display names the product: the drug parser can still read it if unresolved */
    if (display && !med->code.text)
        med->code.text = pp_arena_strdup(c->arena, display);
    med->medication_unresolved = ref != NULL; /* resolved below or by _finish */
    return PP_OK;
}

/* Resolve "#id" against the resource's contained[] Medication. */
static enum pp_err resolve_contained(struct pp_fhir_conv *c, struct pp_medication *med)
{
    const cJSON *list = c->contained;
    int i = 0;

    if (!med->medication_ref || med->medication_ref[0] != '#')
        return PP_OK;
    if (!list)
        return PP_OK; /* stays unresolved */
    pp_fhir_path_push_key(c, "contained");
    for (const cJSON *e = list->child; e; e = e->next, i++) {
        const cJSON *id = cJSON_GetObjectItemCaseSensitive(e, "id");
        const cJSON *type = cJSON_GetObjectItemCaseSensitive(e, "resourceType");
        const cJSON *code;
        if (!pp_fhir_is_string(type) || strcmp(type->valuestring, "Medication") != 0 ||
            !pp_fhir_is_string(id) || strcmp(id->valuestring, med->medication_ref + 1) != 0)
            continue;
        code = cJSON_GetObjectItemCaseSensitive(e, "code");
        if (code) {
            const char *display = med->code.text;
            enum pp_err rc;
            pp_fhir_path_push_index(c, i);
            memset(&med->code, 0, sizeof(med->code));
            if ((rc = codeable(c, code, &med->code)))
                return rc;
            if (!med->code.text)
                med->code.text = display;
            pp_fhir_path_pop(c);
        }
        med->medication_unresolved = false;
        break;
    }
    pp_fhir_path_pop(c);
    return PP_OK;
}

static enum pp_err contained(struct pp_fhir_conv *c, const cJSON *v)
{
    enum pp_err rc = array(c, v);
    int i = 0;
    if (rc)
        return rc;
    enter(c, v);
    for (const cJSON *e = v->child; e; e = e->next, i++) {
        pp_fhir_path_push_index(c, i);
        if ((rc = object(c, e)))
            return rc;
        pp_fhir_path_pop(c);
    }
    leave(c, v);
    c->contained = v;
    return PP_OK;
}

/* ---- replacement reasons ---- */

static bool is_word_char(char ch)
{
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9');
}

/* True when `word` (lower case) occurs in `text` as a whole word, ignoring case. */
static bool has_word(const char *text, const char *word)
{
    size_t wlen = strlen(word);
    for (const char *p = text; *p; p++) {
        size_t k = 0;
        if (p != text && is_word_char(p[-1]))
            continue;
        while (k < wlen && p[k] && (p[k] | 0x20) == word[k])
            k++;
        if (k == wlen && !is_word_char(p[k]))
            return true;
    }
    return false;
}

static enum pp_replacement_reason reason_in_text(const char *text)
{
    if (!text)
        return PP_REPLACE_NONE;
    if (has_word(text, "lost"))
        return PP_REPLACE_LOST;
    if (has_word(text, "stolen"))
        return PP_REPLACE_STOLEN;
    if (has_word(text, "destroyed"))
        return PP_REPLACE_DESTROYED;
    return PP_REPLACE_NONE;
}

/* The practice's coded reason (urn:painpath:replacement-reason), else the words in text. */
static enum pp_replacement_reason reason_in_concept(const cJSON *concept_json)
{
    const cJSON *coding = cJSON_GetObjectItemCaseSensitive(concept_json, "coding");
    const cJSON *text = cJSON_GetObjectItemCaseSensitive(concept_json, "text");
    for (const cJSON *e = coding ? coding->child : NULL; e; e = e->next) {
        const cJSON *sys = cJSON_GetObjectItemCaseSensitive(e, "system");
        const cJSON *code = cJSON_GetObjectItemCaseSensitive(e, "code");
        enum pp_replacement_reason r;
        if (!pp_fhir_is_string(sys) || strcmp(sys->valuestring, REPLACEMENT_SYSTEM) != 0 ||
            !pp_fhir_is_string(code))
            continue;
        r = reason_in_text(code->valuestring);
        if (r)
            return r;
    }
    return pp_fhir_is_string(text) ? reason_in_text(text->valuestring) : PP_REPLACE_NONE;
}

static enum pp_err reason_codes(struct pp_fhir_conv *c, const cJSON *v, struct pp_medication *med)
{
    enum pp_err rc = concepts(c, v, NULL, NULL);
    if (rc)
        return rc;
    for (const cJSON *e = v->child; e && !med->replacement_reason; e = e->next)
        med->replacement_reason = reason_in_concept(e);
    return PP_OK;
}

/* note[] (Annotation): text checked; a replacement word counts when no code said so. */
static enum pp_err notes(struct pp_fhir_conv *c, const cJSON *v, enum pp_replacement_reason *r)
{
    enum pp_err rc = array(c, v);
    int i = 0;
    if (rc)
        return rc;
    enter(c, v);
    for (const cJSON *e = v->child; e; e = e->next, i++) {
        const cJSON *text;
        pp_fhir_path_push_index(c, i);
        if ((rc = object(c, e)))
            return rc;
        text = cJSON_GetObjectItemCaseSensitive(e, "text");
        if (text) {
            if ((rc = str(c, text, NULL)))
                return rc;
            if (!*r)
                *r = reason_in_text(text->valuestring);
        }
        pp_fhir_path_pop(c);
    }
    leave(c, v);
    return PP_OK;
}

/* ---- resources ---- */

static enum pp_err dispense_request(struct pp_fhir_conv *c, const cJSON *v,
                                    struct pp_medication *med)
{
    enum pp_err rc = object(c, v);
    if (rc)
        return rc;
    enter(c, v);
    for (const cJSON *m = v->child; m; m = m->next) {
        if (KEY(m, "validityPeriod")) {
            rc = period(c, m, &med->start, &med->end);
        } else if (KEY(m, "expectedSupplyDuration")) {
            struct pp_quantity q = {0};
            rc = quantity(c, m, &q);
            if (!rc && q.present && !duration_days(q.value, q.unit, &med->days_supply))
                med->days_supply = -1; /* a unit we cannot turn into days */
        } else if (KEY(m, "quantity")) {
            rc = quantity(c, m, &med->quantity);
        } else if (KEY(m, "numberOfRepeatsAllowed")) {
            double n = 0;
            rc = integer(c, m, &n);
            med->repeats = (int)n;
        }
        if (rc)
            return rc;
    }
    leave(c, v);
    return PP_OK;
}

/* medication[x], contained, status, id: what Request, Statement and Dispense share. */
static enum pp_err med_common(struct pp_fhir_conv *c, const cJSON *m, struct pp_medication *med,
                              bool *handled)
{
    *handled = true;
    if (KEY(m, "id"))
        return str(c, m, &med->id);
    if (KEY(m, "status"))
        return str(c, m, &med->status);
    if (KEY(m, "medicationCodeableConcept")) {
        const char *display = med->code.text;
        enum pp_err rc = codeable(c, m, &med->code);
        if (!med->code.text)
            med->code.text = display;
        return rc;
    }
    if (KEY(m, "medicationReference"))
        return medication_ref(c, m, med);
    if (KEY(m, "contained"))
        return contained(c, m);
    *handled = false;
    return PP_OK;
}

static enum pp_err conv_med_request(struct pp_fhir_conv *c, const cJSON *res,
                                    struct pp_medication *med)
{
    enum pp_replacement_reason note_reason = PP_REPLACE_NONE;
    enum pp_err rc = PP_OK;
    bool handled;

    med->source = PP_MED_REQUEST;
    med->is_draft_order = c->draft;
    for (const cJSON *m = res->child; m; m = m->next) {
        if ((rc = med_common(c, m, med, &handled)) || handled)
            goto next;
        if (KEY(m, "intent"))
            rc = str(c, m, &med->intent);
        else if (KEY(m, "category"))
            rc = concepts(c, m, NULL, &med->category);
        else if (KEY(m, "authoredOn"))
            rc = date(c, m, &med->authored);
        else if (KEY(m, "dosageInstruction"))
            rc = dosages(c, m, med);
        else if (KEY(m, "dispenseRequest"))
            rc = dispense_request(c, m, med);
        else if (KEY(m, "priorPrescription"))
            rc = reference_copy(c, m, &med->prior_prescription);
        else if (KEY(m, "requester"))
            rc = reference_copy(c, m, &med->requester);
        else if (KEY(m, "reasonCode"))
            rc = reason_codes(c, m, med);
        else if (KEY(m, "note"))
            rc = notes(c, m, &note_reason);
    next:
        if (rc)
            return rc;
    }
    if (!med->replacement_reason)
        med->replacement_reason = note_reason;
    return resolve_contained(c, med);
}

static enum pp_err conv_med_statement(struct pp_fhir_conv *c, const cJSON *res,
                                      struct pp_medication *med)
{
    enum pp_err rc = PP_OK;
    bool handled;

    med->source = PP_MED_STATEMENT;
    for (const cJSON *m = res->child; m; m = m->next) {
        if ((rc = med_common(c, m, med, &handled)) || handled)
            goto next;
        if (KEY(m, "category"))
            rc = concept_code(c, m, &med->category);
        else if (KEY(m, "effectiveDateTime"))
            rc = date(c, m, &med->start);
        else if (KEY(m, "effectivePeriod"))
            rc = period(c, m, &med->start, &med->end);
        else if (KEY(m, "dateAsserted"))
            rc = date(c, m, &med->authored);
        else if (KEY(m, "dosage"))
            rc = dosages(c, m, med);
    next:
        if (rc)
            return rc;
    }
    return resolve_contained(c, med);
}

static enum pp_err conv_med_dispense(struct pp_fhir_conv *c, const cJSON *res,
                                     struct pp_medication *med)
{
    enum pp_err rc = PP_OK;
    bool handled;

    med->source = PP_MED_DISPENSE;
    for (const cJSON *m = res->child; m; m = m->next) {
        if ((rc = med_common(c, m, med, &handled)) || handled)
            goto next;
        if (KEY(m, "category")) {
            rc = concept_code(c, m, &med->category);
        } else if (KEY(m, "whenHandedOver")) {
            rc = date(c, m, &med->authored);
        } else if (KEY(m, "daysSupply")) {
            struct pp_quantity q = {0};
            rc = quantity(c, m, &q);
            /* daysSupply is in days by definition; honour an explicit other unit */
            if (!rc && q.present && !duration_days(q.value, q.unit, &med->days_supply))
                med->days_supply = q.value;
        } else if (KEY(m, "quantity")) {
            rc = quantity(c, m, &med->quantity);
        } else if (KEY(m, "dosageInstruction")) {
            rc = dosages(c, m, med);
        }
    next:
        if (rc)
            return rc;
    }
    return resolve_contained(c, med);
}

static enum pp_err conv_condition(struct pp_fhir_conv *c, const cJSON *res,
                                  struct pp_condition *cond)
{
    enum pp_err rc = PP_OK;
    for (const cJSON *m = res->child; m; m = m->next) {
        if (KEY(m, "id"))
            rc = str(c, m, &cond->id);
        else if (KEY(m, "code")) {
            rc = codeable(c, m, &cond->code);
        } else if (KEY(m, "clinicalStatus")) {
            rc = concept_code(c, m, &cond->clinical_status);
        } else if (KEY(m, "verificationStatus")) {
            rc = concept_code(c, m, &cond->verification_status);
        } else if (KEY(m, "category")) {
            rc = concepts(c, m, NULL, &cond->category);
        } else if (KEY(m, "onsetDateTime")) {
            rc = date(c, m, &cond->onset);
        } else if (KEY(m, "onsetPeriod")) {
            pp_day end = PP_DAY_NONE;
            rc = period(c, m, &cond->onset, &end);
        } else if (KEY(m, "abatementDateTime")) {
            rc = date(c, m, &cond->abatement);
        } else if (KEY(m, "abatementPeriod")) {
            pp_day end = PP_DAY_NONE;
            rc = period(c, m, &cond->abatement, &end);
            if (cond->abatement == PP_DAY_NONE)
                cond->abatement = end;
        } else if (KEY(m, "recordedDate")) {
            rc = date(c, m, &cond->recorded);
        }
        if (rc)
            return rc;
    }
    return PP_OK;
}

/* Observation.partOf[]: the first reference. */
static enum pp_err part_of(struct pp_fhir_conv *c, const cJSON *v, const char **out)
{
    enum pp_err rc = array(c, v);
    int i = 0;
    if (rc)
        return rc;
    enter(c, v);
    for (const cJSON *e = v->child; e; e = e->next, i++) {
        const char *ref;
        pp_fhir_path_push_index(c, i);
        if ((rc = reference(c, e, &ref, NULL)))
            return rc;
        if (!*out)
            *out = pp_arena_strdup(c->arena, ref);
        pp_fhir_path_pop(c);
    }
    leave(c, v);
    return PP_OK;
}

static enum pp_err conv_observation(struct pp_fhir_conv *c, const cJSON *res,
                                    struct pp_observation *obs)
{
    enum pp_err rc = PP_OK;
    pp_day issued = PP_DAY_NONE;
    for (const cJSON *m = res->child; m; m = m->next) {
        if (KEY(m, "issued")) {
            rc = date(c, m, &issued);
        } else if (KEY(m, "id"))
            rc = str(c, m, &obs->id);
        else if (KEY(m, "status")) {
            rc = str(c, m, &obs->status);
        } else if (KEY(m, "code")) {
            rc = codeable(c, m, &obs->code);
        } else if (KEY(m, "category")) {
            rc = concepts(c, m, NULL, &obs->category);
        } else if (KEY(m, "effectiveDateTime") || KEY(m, "effectiveInstant")) {
            rc = date(c, m, &obs->effective);
        } else if (KEY(m, "effectivePeriod")) {
            pp_day end = PP_DAY_NONE;
            rc = period(c, m, &obs->effective, &end);
        } else if (KEY(m, "valueQuantity")) {
            rc = quantity(c, m, &obs->value_quantity);
        } else if (KEY(m, "valueInteger")) {
            rc = integer(c, m, &obs->value_quantity.value);
            obs->value_quantity.present = true;
        } else if (KEY(m, "valueCodeableConcept")) {
            rc = codeable(c, m, &obs->value_concept);
        } else if (KEY(m, "valueString")) {
            rc = str(c, m, &obs->value_string);
        } else if (KEY(m, "valueBoolean")) {
            rc = boolean(c, m, &obs->value_bool);
            obs->has_value_bool = true;
        } else if (KEY(m, "interpretation")) {
            rc = concepts(c, m, &obs->interpretation, NULL);
        } else if (KEY(m, "partOf")) {
            rc = part_of(c, m, &obs->part_of);
        }
        if (rc)
            return rc;
    }
    /* a result with no clinically relevant time is dated when it was issued */
    if (obs->effective == PP_DAY_NONE)
        obs->effective = issued;
    return PP_OK;
}

/*
 * Observation.component[]: each component with a code becomes an observation of its own
 * (code and value from the component; status, category, date and partOf from the parent;
 * id "<parent>-component-<n>"), so a PEG panel's items read like separate answers.
 */
static enum pp_err add_components(struct pp_fhir_conv *c, const cJSON *res, size_t parent)
{
    const cJSON *comps = cJSON_GetObjectItemCaseSensitive(res, "component");
    const cJSON *comp;
    int n = 0;
    enum pp_err rc = PP_OK;

    if (!comps)
        return PP_OK;
    if (!cJSON_IsArray(comps))
        return pp_fhir_type_error(c, comps, "an array");
    pp_fhir_path_push_key(c, "component");
    cJSON_ArrayForEach(comp, comps)
    {
        struct pp_observation *o, *p;
        char id[128];
        pp_fhir_path_push_index(c, n++);
        if (!cJSON_IsObject(comp)) {
            rc = pp_fhir_type_error(c, comp, "an object");
            break;
        }
        if (!cJSON_GetObjectItemCaseSensitive(comp, "code")) {
            pp_fhir_path_pop(c);
            continue;
        }
        o = pp_record_add_observation(c->rec);
        p = &c->rec->observations[parent];
        snprintf(id, sizeof(id), "%.64s-component-%d", p->id ? p->id : "anonymous", n);
        o->id = pp_arena_strdup(c->arena, id);
        o->status = p->status;
        o->category = p->category;
        o->effective = p->effective;
        o->part_of = p->part_of;
        rc = conv_observation(c, comp, o);
        o->id = pp_arena_strdup(c->arena, id); /* a component's own "id" is not a resource id */
        pp_fhir_path_pop(c);
        if (rc)
            break;
    }
    pp_fhir_path_pop(c);
    return rc;
}

static enum pp_err conv_procedure(struct pp_fhir_conv *c, const cJSON *res,
                                  struct pp_procedure *proc)
{
    enum pp_err rc = PP_OK;
    for (const cJSON *m = res->child; m; m = m->next) {
        if (KEY(m, "id"))
            rc = str(c, m, &proc->id);
        else if (KEY(m, "status"))
            rc = str(c, m, &proc->status);
        else if (KEY(m, "code"))
            rc = codeable(c, m, &proc->code);
        else if (KEY(m, "performedDateTime"))
            rc = date(c, m, &proc->performed);
        else if (KEY(m, "performedPeriod"))
            rc = period(c, m, &proc->performed, &proc->performed_end);
        if (rc)
            return rc;
    }
    return PP_OK;
}

static enum pp_err encounter_class(struct pp_fhir_conv *c, const cJSON *v, const char **code)
{
    enum pp_err rc = object(c, v);
    if (rc)
        return rc;
    enter(c, v);
    for (const cJSON *m = v->child; m; m = m->next) {
        if (KEY(m, "code"))
            rc = str(c, m, code);
        else if (KEY(m, "system") || KEY(m, "display"))
            rc = str(c, m, NULL);
        if (rc)
            return rc;
    }
    leave(c, v);
    return PP_OK;
}

static enum pp_err hospitalization(struct pp_fhir_conv *c, const cJSON *v, const char **dispo)
{
    enum pp_err rc = object(c, v);
    if (rc)
        return rc;
    enter(c, v);
    for (const cJSON *m = v->child; m; m = m->next) {
        if (KEY(m, "dischargeDisposition") && (rc = concept_code(c, m, dispo)))
            return rc;
    }
    leave(c, v);
    return PP_OK;
}

static enum pp_err conv_encounter(struct pp_fhir_conv *c, const cJSON *res,
                                  struct pp_encounter *enc)
{
    enum pp_err rc = PP_OK;
    for (const cJSON *m = res->child; m; m = m->next) {
        if (KEY(m, "id"))
            rc = str(c, m, &enc->id);
        else if (KEY(m, "status"))
            rc = str(c, m, &enc->status);
        else if (KEY(m, "class"))
            rc = encounter_class(c, m, &enc->class_code);
        else if (KEY(m, "type"))
            rc = concepts(c, m, &enc->type, NULL);
        else if (KEY(m, "serviceType"))
            rc = codeable(c, m, &enc->service_type);
        else if (KEY(m, "period"))
            rc = period(c, m, &enc->start, &enc->end);
        else if (KEY(m, "hospitalization"))
            rc = hospitalization(c, m, &enc->discharge_disposition);
        if (rc)
            return rc;
    }
    return PP_OK;
}

static enum pp_err conv_service_request(struct pp_fhir_conv *c, const cJSON *res,
                                        struct pp_service_request *sr)
{
    enum pp_err rc = PP_OK;
    sr->is_draft_order = c->draft;
    for (const cJSON *m = res->child; m; m = m->next) {
        if (KEY(m, "id"))
            rc = str(c, m, &sr->id);
        else if (KEY(m, "status"))
            rc = str(c, m, &sr->status);
        else if (KEY(m, "intent"))
            rc = str(c, m, &sr->intent);
        else if (KEY(m, "code"))
            rc = codeable(c, m, &sr->code);
        else if (KEY(m, "authoredOn"))
            rc = date(c, m, &sr->authored);
        else if (KEY(m, "requester"))
            rc = reference_copy(c, m, &sr->requester);
        if (rc)
            return rc;
    }
    return PP_OK;
}

static enum pp_err conv_careplan(struct pp_fhir_conv *c, const cJSON *res, struct pp_careplan *cp)
{
    enum pp_err rc = PP_OK;
    for (const cJSON *m = res->child; m; m = m->next) {
        if (KEY(m, "id"))
            rc = str(c, m, &cp->id);
        else if (KEY(m, "status"))
            rc = str(c, m, &cp->status);
        else if (KEY(m, "intent"))
            rc = str(c, m, &cp->intent);
        else if (KEY(m, "category"))
            rc = concepts(c, m, &cp->category, NULL);
        else if (KEY(m, "created"))
            rc = date(c, m, &cp->created);
        else if (KEY(m, "period"))
            rc = period(c, m, &cp->start, &cp->end);
        else if (KEY(m, "title"))
            rc = str(c, m, &cp->title);
        if (rc)
            return rc;
    }
    return PP_OK;
}

static enum pp_err conv_patient(struct pp_fhir_conv *c, const cJSON *res, struct pp_patient *pt)
{
    enum pp_err rc = PP_OK;
    for (const cJSON *m = res->child; m; m = m->next) {
        if (KEY(m, "id")) {
            rc = str(c, m, NULL); /* the record's key is the id already */
        } else if (KEY(m, "gender")) {
            rc = str(c, m, &pt->gender);
        } else if (KEY(m, "birthDate")) {
            rc = date(c, m, &pt->birth_date);
        } else if (KEY(m, "deceasedBoolean")) {
            rc = boolean(c, m, &pt->deceased);
        } else if (KEY(m, "deceasedDateTime")) {
            pp_day when;
            rc = date(c, m, &when);
            pt->deceased = true;
        }
        if (rc)
            return rc;
    }
    return PP_OK;
}

/* Medication: goes to the set's table under "Medication/<id>" and the entry's fullUrl. */
static enum pp_err conv_medication(struct pp_fhir_conv *c, const cJSON *res)
{
    struct pp_concept code = {0};
    const cJSON *id = NULL;
    enum pp_err rc = PP_OK;
    struct pp_record *scratch = &c->set->scratch;

    c->arena = &scratch->arena;
    for (const cJSON *m = res->child; m; m = m->next) {
        if (KEY(m, "id") && !(rc = str(c, m, NULL)))
            id = m;
        else if (KEY(m, "code"))
            rc = codeable(c, m, &code);
        if (rc)
            return rc;
    }
    if (id) {
        char key[300];
        int n = snprintf(key, sizeof(key), "Medication/%s", id->valuestring);
        if (n > 0 && (size_t)n < sizeof(key))
            pp_fhir_set_add_medication(c->set, key, &code);
    }
    if (c->full_url)
        pp_fhir_set_add_medication(c->set, c->full_url, &code);
    pp_record_reset(scratch);
    pp_fhir_set_tally(c->set, "Medication", PP_FHIR_LOADED, 1);
    return PP_OK;
}

/* ---- which patient ---- */

static const char *alias_lookup(const struct pp_fhir_aliases *al, const char *url)
{
    for (; al; al = al->parent) {
        size_t lo = 0, hi = al->n;
        while (lo < hi) {
            size_t mid = lo + (hi - lo) / 2;
            int cmp = strcmp(al->items[mid].url, url);
            if (cmp == 0)
                return al->items[mid].patient_id;
            if (cmp < 0)
                lo = mid + 1;
            else
                hi = mid;
        }
    }
    return NULL;
}

/*
 * The patient id a subject/patient reference names, into buf: "Patient/ID",
 * ".../Patient/ID[/_history/N]", or "urn:uuid:U" (a bundle's Patient fullUrl, else U as
 * Synthea uses the uuid as the id). "" when it names no patient (Group, contained, ...).
 */
static enum pp_err patient_from_ref(struct pp_fhir_conv *c, const cJSON *where_item,
                                    const char *ref, char *buf, size_t size)
{
    const char *id = NULL, *end, *p;
    size_t len;

    buf[0] = '\0';
    if (strncmp(ref, "urn:uuid:", 9) == 0) {
        id = alias_lookup(c->aliases, ref);
        if (!id)
            id = ref + 9;
    } else {
        for (p = strstr(ref, "Patient/"); p; p = strstr(p + 1, "Patient/"))
            if (p == ref || p[-1] == '/')
                id = p + 8;
    }
    if (!id || !*id)
        return PP_OK;
    end = strchr(id, '/');
    len = end ? (size_t)(end - id) : strlen(id);
    if (len >= size) {
        pp_fhir_where(c, where_item, c->d->where, sizeof(c->d->where));
        snprintf(c->d->what, sizeof(c->d->what), "patient id longer than %zu bytes", size - 1);
        return PP_ERR_INPUT;
    }
    memcpy(buf, id, len);
    buf[len] = '\0';
    return PP_OK;
}

/* The patient id a resource belongs to, into buf ("" for none). */
static enum pp_err patient_of(struct pp_fhir_conv *c, const cJSON *res, const char *type, char *buf,
                              size_t size)
{
    const cJSON *subj;
    const char *ref;
    enum pp_err rc;

    buf[0] = '\0';
    if (c->forced_patient) {
        snprintf(buf, size, "%s", c->forced_patient);
        return PP_OK;
    }
    if (strcmp(type, "Patient") == 0) {
        const cJSON *id = cJSON_GetObjectItemCaseSensitive(res, "id");
        if (!id)
            return PP_OK;
        if (!pp_fhir_is_string(id))
            return pp_fhir_type_error(c, id, "a string");
        if (strlen(id->valuestring) >= size)
            return pp_fhir_type_error(c, id, "an id shorter than 256 bytes");
        snprintf(buf, size, "%s", id->valuestring);
        return PP_OK;
    }
    subj = cJSON_GetObjectItemCaseSensitive(res, "subject");
    if (!subj)
        subj = cJSON_GetObjectItemCaseSensitive(res, "patient");
    if (!subj)
        return PP_OK;
    if ((rc = reference(c, subj, &ref, NULL)) || !ref)
        return rc;
    return patient_from_ref(c, subj, ref, buf, size);
}

/* ---- dispatch ---- */

enum pp_fhir_handler {
    H_PATIENT,
    H_MED_REQUEST,
    H_MED_STATEMENT,
    H_MED_DISPENSE,
    H_CONDITION,
    H_OBSERVATION,
    H_PROCEDURE,
    H_ENCOUNTER,
    H_SERVICE_REQUEST,
    H_CAREPLAN,
    H_MEDICATION,
};

static const struct {
    const char *type;
    enum pp_fhir_handler handler;
} handlers[] = {
    {"Observation", H_OBSERVATION},
    {"Encounter", H_ENCOUNTER},
    {"Procedure", H_PROCEDURE},
    {"Condition", H_CONDITION},
    {"MedicationRequest", H_MED_REQUEST},
    {"CarePlan", H_CAREPLAN},
    {"Patient", H_PATIENT},
    {"MedicationStatement", H_MED_STATEMENT},
    {"MedicationDispense", H_MED_DISPENSE},
    {"ServiceRequest", H_SERVICE_REQUEST},
    {"Medication", H_MEDICATION},
};

const char *pp_fhir_kind_type(enum pp_fhir_kind kind)
{
    switch (kind) {
    case PP_FHIR_K_MED_REQUEST: return "MedicationRequest";
    case PP_FHIR_K_MED_STATEMENT: return "MedicationStatement";
    case PP_FHIR_K_MED_DISPENSE: return "MedicationDispense";
    case PP_FHIR_K_CONDITION: return "Condition";
    case PP_FHIR_K_OBSERVATION: return "Observation";
    case PP_FHIR_K_PROCEDURE: return "Procedure";
    case PP_FHIR_K_ENCOUNTER: return "Encounter";
    case PP_FHIR_K_SERVICE_REQUEST: return "ServiceRequest";
    case PP_FHIR_K_CAREPLAN: return "CarePlan";
    }
    return "";
}

/* A request with doNotPerform true forbids what it names: it is not an order. */
static bool do_not_perform(const cJSON *res)
{
    return cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(res, "doNotPerform"));
}

/*
 * Keep the element just appended to c->rec (index idx of kind, *n elements) unless the
 * record already holds the same resource (same type and id, same content): then drop the
 * copy, mark the kept one a draft order when the copy was one (a CDS prefetch may repeat
 * the draft), and return false. Another resource reusing the id is kept and counted.
 */
static bool keep_new(struct pp_fhir_conv *c, enum pp_fhir_kind kind, const char *id, size_t idx,
                     size_t *n)
{
    size_t first;
    if (c->rec == &c->set->scratch || !pp_fhir_set_seen(c->set, c->rec, kind, id, idx, &first))
        return true;
    if (!pp_fhir_same_element(kind, c->rec, first, c->rec, idx)) {
        pp_fhir_set_tally(c->set, pp_fhir_kind_type(kind), PP_FHIR_SAME_ID, 1);
        return true;
    }
    (*n)--; /* its strings stay in the arena until the record is released */
    if (c->draft && kind == PP_FHIR_K_SERVICE_REQUEST)
        c->rec->service_requests[first].is_draft_order = true;
    else if (c->draft && kind == PP_FHIR_K_MED_REQUEST)
        c->rec->meds[first].is_draft_order = true;
    return false;
}

/*
 * Encounter.reasonCode[]: the coded reason the patient was seen, recorded as a Condition
 * of category encounter-diagnosis dated at the encounter's start (id "<encounter>-reason-<n>"),
 * the way encounter diagnoses are read everywhere else.
 */
static enum pp_err add_encounter_reasons(struct pp_fhir_conv *c, const cJSON *res, size_t enc)
{
    const cJSON *reasons = cJSON_GetObjectItemCaseSensitive(res, "reasonCode");
    const cJSON *r;
    int n = 0;
    enum pp_err rc = PP_OK;

    if (!reasons)
        return PP_OK;
    if (!cJSON_IsArray(reasons))
        return pp_fhir_type_error(c, reasons, "an array");
    pp_fhir_path_push_key(c, "reasonCode");
    cJSON_ArrayForEach(r, reasons)
    {
        struct pp_condition *cond;
        const struct pp_encounter *e;
        char id[128];
        pp_fhir_path_push_index(c, n++);
        cond = pp_record_add_condition(c->rec);
        e = &c->rec->encounters[enc];
        snprintf(id, sizeof(id), "%.64s-reason-%d", e->id ? e->id : "anonymous", n);
        cond->id = pp_arena_strdup(c->arena, id);
        cond->category = "encounter-diagnosis";
        cond->onset = e->start;
        rc = codeable(c, r, &cond->code);
        pp_fhir_path_pop(c);
        if (rc)
            break;
    }
    pp_fhir_path_pop(c);
    return rc;
}

enum pp_err pp_fhir_conv_resource(struct pp_fhir_conv *c, const cJSON *res, const char *type)
{
    char pid[256];
    enum pp_fhir_handler h;
    size_t i, n = sizeof(handlers) / sizeof(handlers[0]);
    enum pp_err rc;
    bool kept = true;
    struct pp_record *rec;

    for (i = 0; i < n; i++)
        if (handlers[i].type[0] == type[0] && strcmp(handlers[i].type, type) == 0)
            break;
    if (i == n ||
        ((strcmp(type, "MedicationRequest") == 0 || strcmp(type, "ServiceRequest") == 0) &&
         do_not_perform(res))) {
        pp_fhir_set_tally(c->set, type, PP_FHIR_UNSUPPORTED, 1);
        return PP_OK;
    }
    h = handlers[i].handler;
    c->contained = NULL;
    if (h == H_MEDICATION)
        return conv_medication(c, res);
    if ((rc = patient_of(c, res, type, pid, sizeof(pid))))
        return rc;
    rec = pid[0] ? pp_fhir_patient_set_get(c->set, pid) : &c->set->scratch;
    c->rec = rec;
    c->arena = &rec->arena;

    switch (h) {
    case H_PATIENT: {
        struct pp_patient pt = {.birth_date = PP_DAY_NONE};
        if ((rc = conv_patient(c, res, &pt)))
            return rc;
        if (rec->has_patient) {
            kept = false;
        } else if (rec != &c->set->scratch) {
            pt.id = rec->patient.id;
            rec->patient = pt;
            rec->has_patient = true;
        }
        break;
    }
    case H_MED_REQUEST:
    case H_MED_STATEMENT:
    case H_MED_DISPENSE: {
        struct pp_medication *med = pp_record_add_med(rec);
        size_t idx = rec->n_meds - 1;
        enum pp_fhir_kind kind;
        if (h == H_MED_REQUEST) {
            kind = PP_FHIR_K_MED_REQUEST;
            rc = conv_med_request(c, res, med);
        } else if (h == H_MED_STATEMENT) {
            kind = PP_FHIR_K_MED_STATEMENT;
            rc = conv_med_statement(c, res, med);
        } else {
            kind = PP_FHIR_K_MED_DISPENSE;
            rc = conv_med_dispense(c, res, med);
        }
        if (rc)
            return rc;
        kept = keep_new(c, kind, med->id, idx, &rec->n_meds);
        break;
    }
#define SIMPLE(H, add_fn, conv_fn, arr, n_field, kind)                                             \
    case H: {                                                                                      \
        size_t idx = rec->n_field;                                                                 \
        if ((rc = conv_fn(c, res, add_fn(rec))))                                                   \
            return rc;                                                                             \
        kept = keep_new(c, kind, rec->arr[idx].id, idx, &rec->n_field);                            \
        break;                                                                                     \
    }
        SIMPLE(H_CONDITION, pp_record_add_condition, conv_condition, conditions, n_conditions,
               PP_FHIR_K_CONDITION)
        SIMPLE(H_OBSERVATION, pp_record_add_observation, conv_observation, observations,
               n_observations, PP_FHIR_K_OBSERVATION)
        SIMPLE(H_PROCEDURE, pp_record_add_procedure, conv_procedure, procedures, n_procedures,
               PP_FHIR_K_PROCEDURE)
        SIMPLE(H_ENCOUNTER, pp_record_add_encounter, conv_encounter, encounters, n_encounters,
               PP_FHIR_K_ENCOUNTER)
        SIMPLE(H_SERVICE_REQUEST, pp_record_add_service_request, conv_service_request,
               service_requests, n_service_requests, PP_FHIR_K_SERVICE_REQUEST)
        SIMPLE(H_CAREPLAN, pp_record_add_careplan, conv_careplan, careplans, n_careplans,
               PP_FHIR_K_CAREPLAN)
#undef SIMPLE
    case H_MEDICATION: break;
    }
    if (kept && h == H_OBSERVATION && (rc = add_components(c, res, rec->n_observations - 1)))
        return rc;
    if (kept && h == H_ENCOUNTER && (rc = add_encounter_reasons(c, res, rec->n_encounters - 1)))
        return rc;
    if (rec == &c->set->scratch) {
        pp_record_reset(rec);
        pp_fhir_set_tally(c->set, type, PP_FHIR_NO_PATIENT, 1);
    } else {
        pp_fhir_set_tally(c->set, type, kept ? PP_FHIR_LOADED : PP_FHIR_DUPLICATE, 1);
    }
    return PP_OK;
}
