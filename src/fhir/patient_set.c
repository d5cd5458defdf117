/*
 * patient_set.c — the patient set: id -> record hash, the Medication table,
 * the (record, kind, id) de-duplication index, per-type counts, merging sets
 * from several loading threads, and resolving medicationReference at the end.
 * Never parses JSON; src/fhir/convert.c and load.c fill it.
 */
#include "fhir/patient_set.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fhir/fhir_int.h"
#include "util/banned.h"

struct pp_fhir_patient_slot {
    uint64_t hash;
    size_t idx1; /* records index + 1; 0 = empty */
};

struct pp_fhir_med_slot {
    uint64_t hash;
    const char *key; /* NULL = empty; set arena */
    struct pp_concept code;
};

struct pp_fhir_seen_slot {
    uint64_t hash;
    const struct pp_record *rec; /* NULL = empty */
    const char *id;              /* rec's arena */
    size_t idx;
    enum pp_fhir_kind kind;
};

static uint64_t hash_str(const char *s)
{
    uint64_t h = 1469598103934665603ull; /* FNV-1a */
    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= 1099511628211ull;
    }
    return h;
}

static uint64_t hash_mix(uint64_t h, uint64_t v)
{
    h ^= v + 0x9e3779b97f4a7c15ull + (h << 6) + (h >> 2);
    return h;
}

void pp_fhir_patient_set_init(struct pp_patient_set *set)
{
    memset(set, 0, sizeof(*set));
    pp_arena_init(&set->arena);
    pp_record_init(&set->scratch);
}

void pp_fhir_patient_set_release(struct pp_patient_set *set)
{
    for (size_t i = 0; i < set->n_records; i++) {
        pp_record_release(set->records[i]);
        free(set->records[i]);
    }
    free(set->records);
    free(set->counts);
    free(set->patients);
    free(set->meds);
    free(set->seen);
    pp_arena_release(&set->arena);
    pp_record_release(&set->scratch);
    pp_fhir_patient_set_init(set);
}

/* ---- patients ---- */

static struct pp_fhir_patient_slot *patient_slot(const struct pp_patient_set *set, const char *id,
                                                 uint64_t h)
{
    size_t mask = set->patients_cap - 1;
    for (size_t i = (size_t)h & mask;; i = (i + 1) & mask) {
        struct pp_fhir_patient_slot *s = &set->patients[i];
        if (!s->idx1)
            return s;
        if (s->hash == h && strcmp(set->records[s->idx1 - 1]->patient.id, id) == 0)
            return s;
    }
}

static void patients_grow(struct pp_patient_set *set)
{
    struct pp_fhir_patient_slot *old = set->patients;
    size_t old_cap = set->patients_cap;

    set->patients_cap = old_cap ? old_cap * 2 : 64;
    set->patients = pp_xcalloc(set->patients_cap, sizeof(*set->patients));
    for (size_t i = 0; i < old_cap; i++) {
        if (old[i].idx1) {
            const char *id = set->records[old[i].idx1 - 1]->patient.id;
            *patient_slot(set, id, old[i].hash) = old[i];
        }
    }
    free(old);
}

struct pp_record *pp_fhir_patient_set_find(const struct pp_patient_set *set, const char *id)
{
    const struct pp_fhir_patient_slot *s;
    if (!set->patients_cap || !id)
        return NULL;
    s = patient_slot(set, id, hash_str(id));
    return s->idx1 ? set->records[s->idx1 - 1] : NULL;
}

/* Insert an existing record (its patient.id set) that the set does not hold yet. */
static void adopt_record(struct pp_patient_set *set, struct pp_record *rec, uint64_t h)
{
    struct pp_fhir_patient_slot *s;
    if ((set->n_records + 1) * 4 > set->patients_cap * 3)
        patients_grow(set);
    PP_ALLOC_GROW(set->records, set->n_records + 1, set->alloc_records);
    set->records[set->n_records++] = rec;
    s = patient_slot(set, rec->patient.id, h);
    s->hash = h;
    s->idx1 = set->n_records;
}

struct pp_record *pp_fhir_patient_set_get(struct pp_patient_set *set, const char *id)
{
    struct pp_record *rec;
    uint64_t h;

    /* resources of one patient come in runs (a Synthea bundle is one patient) */
    if (set->last && strcmp(set->last->patient.id, id) == 0)
        return set->last;
    h = hash_str(id);
    if (set->patients_cap) {
        struct pp_fhir_patient_slot *s = patient_slot(set, id, h);
        if (s->idx1)
            return set->last = set->records[s->idx1 - 1];
    }
    rec = pp_xmalloc(sizeof(*rec));
    pp_record_init(rec);
    rec->patient.id = pp_record_strdup(rec, id);
    adopt_record(set, rec, h);
    return set->last = rec;
}

/* ---- counts ---- */

static struct pp_fhir_type_count *count_for(struct pp_patient_set *set, const char *type)
{
    struct pp_fhir_type_count *tc;
    for (size_t i = 0; i < set->n_counts; i++)
        if (set->counts[i].type[0] == type[0] && strcmp(set->counts[i].type, type) == 0)
            return &set->counts[i];
    PP_ALLOC_GROW(set->counts, set->n_counts + 1, set->alloc_counts);
    tc = &set->counts[set->n_counts++];
    memset(tc, 0, sizeof(*tc));
    tc->type = pp_arena_strdup(&set->arena, type);
    return tc;
}

void pp_fhir_set_tally(struct pp_patient_set *set, const char *type, enum pp_fhir_tally which,
                       size_t n)
{
    struct pp_fhir_type_count *tc = count_for(set, type);
    switch (which) {
    case PP_FHIR_LOADED: tc->loaded += n; break;
    case PP_FHIR_UNSUPPORTED: tc->unsupported += n; break;
    case PP_FHIR_NO_PATIENT: tc->no_patient += n; break;
    case PP_FHIR_DUPLICATE: tc->duplicate += n; break;
    case PP_FHIR_SAME_ID: tc->same_id += n; break;
    }
}

const struct pp_fhir_type_count *pp_fhir_patient_set_count(const struct pp_patient_set *set,
                                                           const char *type)
{
    for (size_t i = 0; i < set->n_counts; i++)
        if (strcmp(set->counts[i].type, type) == 0)
            return &set->counts[i];
    return NULL;
}

size_t pp_fhir_patient_set_loaded(const struct pp_patient_set *set)
{
    size_t n = 0;
    for (size_t i = 0; i < set->n_counts; i++)
        n += set->counts[i].loaded;
    return n;
}

/* ---- de-duplication index ---- */

static uint64_t seen_hash(const struct pp_record *rec, enum pp_fhir_kind kind, const char *id)
{
    return hash_mix(hash_mix(hash_str(id), (uint64_t)(uintptr_t)rec), (uint64_t)kind);
}

static struct pp_fhir_seen_slot *seen_slot(struct pp_fhir_seen_slot *slots, size_t cap,
                                           const struct pp_record *rec, enum pp_fhir_kind kind,
                                           const char *id, uint64_t h)
{
    size_t mask = cap - 1;
    for (size_t i = (size_t)h & mask;; i = (i + 1) & mask) {
        struct pp_fhir_seen_slot *s = &slots[i];
        if (!s->rec)
            return s;
        if (s->hash == h && s->rec == rec && s->kind == kind && strcmp(s->id, id) == 0)
            return s;
    }
}

static void seen_grow(struct pp_patient_set *set)
{
    struct pp_fhir_seen_slot *old = set->seen;
    size_t old_cap = set->seen_cap;

    set->seen_cap = old_cap ? old_cap * 2 : 256;
    set->seen = pp_xcalloc(set->seen_cap, sizeof(*set->seen));
    for (size_t i = 0; i < old_cap; i++) {
        if (old[i].rec)
            *seen_slot(set->seen, set->seen_cap, old[i].rec, old[i].kind, old[i].id, old[i].hash) =
                old[i];
    }
    free(old);
}

bool pp_fhir_set_seen(struct pp_patient_set *set, const struct pp_record *rec,
                      enum pp_fhir_kind kind, const char *id, size_t idx, size_t *first)
{
    struct pp_fhir_seen_slot *s;
    uint64_t h;

    if (!id)
        return false; /* an element without id cannot be a known duplicate */
    if ((set->n_seen + 1) * 4 > set->seen_cap * 3)
        seen_grow(set);
    h = seen_hash(rec, kind, id);
    s = seen_slot(set->seen, set->seen_cap, rec, kind, id, h);
    if (s->rec) {
        if (first)
            *first = s->idx;
        return true;
    }
    s->hash = h;
    s->rec = rec;
    s->kind = kind;
    s->id = id;
    s->idx = idx;
    set->n_seen++;
    return false;
}

/* ---- Medication table ---- */

static struct pp_fhir_med_slot *med_slot(struct pp_fhir_med_slot *slots, size_t cap,
                                         const char *key, uint64_t h)
{
    size_t mask = cap - 1;
    for (size_t i = (size_t)h & mask;; i = (i + 1) & mask) {
        struct pp_fhir_med_slot *s = &slots[i];
        if (!s->key || (s->hash == h && strcmp(s->key, key) == 0))
            return s;
    }
}

static void copy_concept(struct pp_arena *a, struct pp_concept *dst, const struct pp_concept *src)
{
    dst->text = pp_arena_strdup(a, src->text);
    dst->n_codings = src->n_codings;
    dst->codings = NULL;
    if (!src->n_codings)
        return;
    dst->codings = pp_arena_alloc(a, src->n_codings * sizeof(*dst->codings));
    for (size_t i = 0; i < src->n_codings; i++) {
        dst->codings[i].system = pp_arena_strdup(a, src->codings[i].system);
        dst->codings[i].code = pp_arena_strdup(a, src->codings[i].code);
        dst->codings[i].display = pp_arena_strdup(a, src->codings[i].display);
    }
}

void pp_fhir_set_add_medication(struct pp_patient_set *set, const char *key,
                                const struct pp_concept *code)
{
    struct pp_fhir_med_slot *s;
    uint64_t h = hash_str(key);

    if ((set->n_meds + 1) * 4 > set->meds_cap * 3) {
        struct pp_fhir_med_slot *old = set->meds;
        size_t old_cap = set->meds_cap;
        set->meds_cap = old_cap ? old_cap * 2 : 32;
        set->meds = pp_xcalloc(set->meds_cap, sizeof(*set->meds));
        for (size_t i = 0; i < old_cap; i++)
            if (old[i].key)
                *med_slot(set->meds, set->meds_cap, old[i].key, old[i].hash) = old[i];
        free(old);
    }
    s = med_slot(set->meds, set->meds_cap, key, h);
    if (s->key)
        return; /* first wins */
    s->hash = h;
    s->key = pp_arena_strdup(&set->arena, key);
    copy_concept(&set->arena, &s->code, code);
    set->n_meds++;
}

static const struct pp_concept *find_medication(const struct pp_patient_set *set, const char *key)
{
    const struct pp_fhir_med_slot *s;
    if (!set->meds_cap)
        return NULL;
    s = med_slot(set->meds, set->meds_cap, key, hash_str(key));
    return s->key ? &s->code : NULL;
}

/* ---- same resource? ---- */

static bool eq_str(const char *a, const char *b)
{
    return a == b || (a && b && strcmp(a, b) == 0);
}

static bool eq_concept(const struct pp_concept *a, const struct pp_concept *b)
{
    if (a->n_codings != b->n_codings || !eq_str(a->text, b->text))
        return false;
    for (size_t i = 0; i < a->n_codings; i++)
        if (!eq_str(a->codings[i].system, b->codings[i].system) ||
            !eq_str(a->codings[i].code, b->codings[i].code) ||
            !eq_str(a->codings[i].display, b->codings[i].display))
            return false;
    return true;
}

static bool eq_quantity(const struct pp_quantity *a, const struct pp_quantity *b)
{
    return a->present == b->present && (!a->present || a->value == b->value) &&
           eq_str(a->unit, b->unit);
}

static bool eq_dosage(const struct pp_dosage *a, const struct pp_dosage *b)
{
    return eq_str(a->text, b->text) && a->as_needed == b->as_needed &&
           eq_quantity(&a->dose, &b->dose) && eq_quantity(&a->dose_high, &b->dose_high) &&
           eq_quantity(&a->rate, &b->rate) && a->frequency == b->frequency &&
           a->frequency_max == b->frequency_max && a->period == b->period &&
           a->period_max == b->period_max && eq_str(a->period_unit, b->period_unit) &&
           a->n_time_of_day == b->n_time_of_day && a->n_when == b->n_when &&
           eq_str(a->timing_code, b->timing_code) &&
           eq_quantity(&a->max_per_period_num, &b->max_per_period_num) &&
           eq_quantity(&a->max_per_period_den, &b->max_per_period_den);
}

static bool eq_med(const struct pp_medication *a, const struct pp_medication *b)
{
    if (a->n_dosages != b->n_dosages)
        return false;
    for (size_t i = 0; i < a->n_dosages; i++)
        if (!eq_dosage(&a->dosages[i], &b->dosages[i]))
            return false;
    /* is_draft_order is where it came from, not what it says: not compared */
    return a->source == b->source && eq_str(a->id, b->id) && eq_str(a->status, b->status) &&
           eq_str(a->intent, b->intent) && eq_str(a->category, b->category) &&
           eq_concept(&a->code, &b->code) && eq_str(a->medication_ref, b->medication_ref) &&
           a->authored == b->authored && a->start == b->start && a->end == b->end &&
           a->days_supply == b->days_supply && eq_quantity(&a->quantity, &b->quantity) &&
           a->repeats == b->repeats && eq_str(a->prior_prescription, b->prior_prescription) &&
           a->replacement_reason == b->replacement_reason && eq_str(a->requester, b->requester);
}

static bool eq_condition(const struct pp_condition *a, const struct pp_condition *b)
{
    return eq_str(a->id, b->id) && eq_concept(&a->code, &b->code) &&
           eq_str(a->clinical_status, b->clinical_status) &&
           eq_str(a->verification_status, b->verification_status) &&
           eq_str(a->category, b->category) && a->onset == b->onset &&
           a->abatement == b->abatement && a->recorded == b->recorded;
}

static bool eq_observation(const struct pp_observation *a, const struct pp_observation *b)
{
    return eq_str(a->id, b->id) && eq_str(a->status, b->status) && eq_concept(&a->code, &b->code) &&
           eq_str(a->category, b->category) && a->effective == b->effective &&
           eq_quantity(&a->value_quantity, &b->value_quantity) &&
           eq_concept(&a->value_concept, &b->value_concept) &&
           eq_str(a->value_string, b->value_string) && a->has_value_bool == b->has_value_bool &&
           a->value_bool == b->value_bool && eq_concept(&a->interpretation, &b->interpretation) &&
           eq_str(a->part_of, b->part_of);
}

static bool eq_procedure(const struct pp_procedure *a, const struct pp_procedure *b)
{
    return eq_str(a->id, b->id) && eq_str(a->status, b->status) && eq_concept(&a->code, &b->code) &&
           a->performed == b->performed && a->performed_end == b->performed_end;
}

static bool eq_encounter(const struct pp_encounter *a, const struct pp_encounter *b)
{
    return eq_str(a->id, b->id) && eq_str(a->status, b->status) &&
           eq_str(a->class_code, b->class_code) && eq_concept(&a->type, &b->type) &&
           eq_concept(&a->service_type, &b->service_type) && a->start == b->start &&
           a->end == b->end && eq_str(a->discharge_disposition, b->discharge_disposition);
}

static bool eq_service_request(const struct pp_service_request *a,
                               const struct pp_service_request *b)
{
    return eq_str(a->id, b->id) && eq_str(a->status, b->status) && eq_str(a->intent, b->intent) &&
           eq_concept(&a->code, &b->code) && a->authored == b->authored &&
           eq_str(a->requester, b->requester);
}

static bool eq_careplan(const struct pp_careplan *a, const struct pp_careplan *b)
{
    return eq_str(a->id, b->id) && eq_str(a->status, b->status) && eq_str(a->intent, b->intent) &&
           eq_concept(&a->category, &b->category) && a->created == b->created &&
           a->start == b->start && a->end == b->end && eq_str(a->title, b->title);
}

bool pp_fhir_same_element(enum pp_fhir_kind kind, const struct pp_record *ra, size_t ia,
                          const struct pp_record *rb, size_t ib)
{
    switch (kind) {
    case PP_FHIR_K_MED_REQUEST:
    case PP_FHIR_K_MED_STATEMENT:
    case PP_FHIR_K_MED_DISPENSE: return eq_med(&ra->meds[ia], &rb->meds[ib]);
    case PP_FHIR_K_CONDITION: return eq_condition(&ra->conditions[ia], &rb->conditions[ib]);
    case PP_FHIR_K_OBSERVATION: return eq_observation(&ra->observations[ia], &rb->observations[ib]);
    case PP_FHIR_K_PROCEDURE: return eq_procedure(&ra->procedures[ia], &rb->procedures[ib]);
    case PP_FHIR_K_ENCOUNTER: return eq_encounter(&ra->encounters[ia], &rb->encounters[ib]);
    case PP_FHIR_K_SERVICE_REQUEST:
        return eq_service_request(&ra->service_requests[ia], &rb->service_requests[ib]);
    case PP_FHIR_K_CAREPLAN: return eq_careplan(&ra->careplans[ia], &rb->careplans[ib]);
    }
    return false;
}

/* ---- merging ---- */

#define DUP(a, field) (dst->field = pp_arena_strdup((a), src->field))

static void copy_quantity(struct pp_arena *a, struct pp_quantity *dst,
                          const struct pp_quantity *src)
{
    *dst = *src;
    DUP(a, unit);
}

static struct pp_dosage *copy_dosages(struct pp_arena *a, const struct pp_dosage *from, size_t n)
{
    struct pp_dosage *out;
    if (!n)
        return NULL;
    out = pp_arena_alloc(a, n * sizeof(*out));
    for (size_t i = 0; i < n; i++) {
        struct pp_dosage *dst = &out[i];
        const struct pp_dosage *src = &from[i];
        *dst = *src;
        DUP(a, text);
        DUP(a, period_unit);
        DUP(a, timing_code);
        copy_quantity(a, &dst->dose, &src->dose);
        copy_quantity(a, &dst->dose_high, &src->dose_high);
        copy_quantity(a, &dst->rate, &src->rate);
        copy_quantity(a, &dst->max_per_period_num, &src->max_per_period_num);
        copy_quantity(a, &dst->max_per_period_den, &src->max_per_period_den);
    }
    return out;
}

static enum pp_fhir_kind med_kind(enum pp_med_source s)
{
    switch (s) {
    case PP_MED_STATEMENT: return PP_FHIR_K_MED_STATEMENT;
    case PP_MED_DISPENSE: return PP_FHIR_K_MED_DISPENSE;
    case PP_MED_REQUEST: break;
    }
    return PP_FHIR_K_MED_REQUEST;
}

/*
 * Whether element `i` of `kind` in s_rec (id `id`, copied into d_rec) joins d_rec as its
 * element `idx`: false when d_rec already holds the same resource (its index in *first),
 * counted as a duplicate; a different resource reusing the id joins, counted as such.
 */
static bool admit(struct pp_patient_set *set, const struct pp_record *d_rec,
                  const struct pp_record *s_rec, enum pp_fhir_kind kind, const char *id, size_t i,
                  size_t idx, size_t *first)
{
    struct pp_fhir_type_count *tc;
    if (!pp_fhir_set_seen(set, d_rec, kind, id, idx, first))
        return true;
    tc = count_for(set, pp_fhir_kind_type(kind));
    if (!pp_fhir_same_element(kind, d_rec, *first, s_rec, i)) {
        tc->same_id++;
        return true;
    }
    if (tc->loaded)
        tc->loaded--;
    tc->duplicate++;
    return false;
}

/* Append src's elements to dst (both records of the same patient), copying strings. */
static void append_record(struct pp_patient_set *set, struct pp_record *d_rec,
                          const struct pp_record *s_rec)
{
    struct pp_arena *a = &d_rec->arena;
    size_t first;

    if (s_rec->has_patient) {
        if (!d_rec->has_patient) {
            d_rec->has_patient = true;
            d_rec->patient.gender = pp_arena_strdup(a, s_rec->patient.gender);
            d_rec->patient.birth_date = s_rec->patient.birth_date;
            d_rec->patient.deceased = s_rec->patient.deceased;
        } else {
            struct pp_fhir_type_count *tc = count_for(set, "Patient");
            if (tc->loaded)
                tc->loaded--;
            tc->duplicate++;
        }
    }
    for (size_t i = 0; i < s_rec->n_meds; i++) {
        const struct pp_medication *src = &s_rec->meds[i];
        struct pp_medication *dst;
        const char *id;
        if (src->id) {
            id = pp_arena_strdup(a, src->id);
            if (!admit(set, d_rec, s_rec, med_kind(src->source), id, i, d_rec->n_meds, &first)) {
                if (src->is_draft_order)
                    d_rec->meds[first].is_draft_order = true;
                continue;
            }
        } else {
            id = NULL;
        }
        dst = pp_record_add_med(d_rec);
        *dst = *src;
        dst->id = id;
        DUP(a, status);
        DUP(a, intent);
        DUP(a, category);
        copy_concept(a, &dst->code, &src->code);
        DUP(a, medication_ref);
        DUP(a, prior_prescription);
        DUP(a, requester);
        dst->dosages = copy_dosages(a, src->dosages, src->n_dosages);
        copy_quantity(a, &dst->quantity, &src->quantity);
    }
    /* the other kinds share one shape: copy the struct, re-own its strings */
#define APPEND_EACH(T, arr, n, kind, add_fn, on_dup, ...)                                          \
    for (size_t i = 0; i < s_rec->n; i++) {                                                        \
        const T *src = &s_rec->arr[i];                                                             \
        T *dst;                                                                                    \
        const char *id = pp_arena_strdup(a, src->id);                                              \
        if (id && !admit(set, d_rec, s_rec, kind, id, i, d_rec->n, &first)) {                      \
            on_dup;                                                                                \
            continue;                                                                              \
        }                                                                                          \
        dst = add_fn(d_rec);                                                                       \
        *dst = *src;                                                                               \
        dst->id = id;                                                                              \
        __VA_ARGS__                                                                                \
    }
    APPEND_EACH(struct pp_condition, conditions, n_conditions, PP_FHIR_K_CONDITION,
                pp_record_add_condition, (void)0, {
                    copy_concept(a, &dst->code, &src->code);
                    DUP(a, clinical_status);
                    DUP(a, verification_status);
                    DUP(a, category);
                })
    APPEND_EACH(struct pp_observation, observations, n_observations, PP_FHIR_K_OBSERVATION,
                pp_record_add_observation, (void)0, {
                    DUP(a, status);
                    copy_concept(a, &dst->code, &src->code);
                    DUP(a, category);
                    copy_quantity(a, &dst->value_quantity, &src->value_quantity);
                    copy_concept(a, &dst->value_concept, &src->value_concept);
                    DUP(a, value_string);
                    copy_concept(a, &dst->interpretation, &src->interpretation);
                    DUP(a, part_of);
                })
    APPEND_EACH(struct pp_procedure, procedures, n_procedures, PP_FHIR_K_PROCEDURE,
                pp_record_add_procedure, (void)0, {
                    DUP(a, status);
                    copy_concept(a, &dst->code, &src->code);
                })
    APPEND_EACH(struct pp_encounter, encounters, n_encounters, PP_FHIR_K_ENCOUNTER,
                pp_record_add_encounter, (void)0, {
                    DUP(a, status);
                    DUP(a, class_code);
                    copy_concept(a, &dst->type, &src->type);
                    copy_concept(a, &dst->service_type, &src->service_type);
                    DUP(a, discharge_disposition);
                })
    APPEND_EACH(struct pp_service_request, service_requests, n_service_requests,
                PP_FHIR_K_SERVICE_REQUEST, pp_record_add_service_request,
                d_rec->service_requests[first].is_draft_order |= src->is_draft_order, {
                    DUP(a, status);
                    DUP(a, intent);
                    copy_concept(a, &dst->code, &src->code);
                    DUP(a, requester);
                })
    APPEND_EACH(struct pp_careplan, careplans, n_careplans, PP_FHIR_K_CAREPLAN,
                pp_record_add_careplan, (void)0, {
                    DUP(a, status);
                    DUP(a, intent);
                    copy_concept(a, &dst->category, &src->category);
                    DUP(a, title);
                })
#undef APPEND_EACH
}

/* Register every element of a record that just moved into `set` in its index. */
static void index_record(struct pp_patient_set *set, const struct pp_record *rec)
{
#define INDEX_EACH(arr, n, kind_expr)                                                              \
    for (size_t i = 0; i < rec->n; i++)                                                            \
        (void)pp_fhir_set_seen(set, rec, (kind_expr), rec->arr[i].id, i, NULL);
    INDEX_EACH(meds, n_meds, med_kind(rec->meds[i].source))
    INDEX_EACH(conditions, n_conditions, PP_FHIR_K_CONDITION)
    INDEX_EACH(observations, n_observations, PP_FHIR_K_OBSERVATION)
    INDEX_EACH(procedures, n_procedures, PP_FHIR_K_PROCEDURE)
    INDEX_EACH(encounters, n_encounters, PP_FHIR_K_ENCOUNTER)
    INDEX_EACH(service_requests, n_service_requests, PP_FHIR_K_SERVICE_REQUEST)
    INDEX_EACH(careplans, n_careplans, PP_FHIR_K_CAREPLAN)
#undef INDEX_EACH
}

void pp_fhir_patient_set_merge(struct pp_patient_set *dst, struct pp_patient_set *src)
{
    for (size_t i = 0; i < src->n_counts; i++) {
        const struct pp_fhir_type_count *s = &src->counts[i];
        struct pp_fhir_type_count *d = count_for(dst, s->type);
        d->loaded += s->loaded;
        d->unsupported += s->unsupported;
        d->no_patient += s->no_patient;
        d->duplicate += s->duplicate;
        d->same_id += s->same_id;
    }
    for (size_t i = 0; i < src->meds_cap; i++)
        if (src->meds[i].key)
            pp_fhir_set_add_medication(dst, src->meds[i].key, &src->meds[i].code);
    for (size_t i = 0; i < src->n_records; i++) {
        struct pp_record *rec = src->records[i];
        uint64_t h = hash_str(rec->patient.id);
        struct pp_fhir_patient_slot *s = NULL;
        if (dst->patients_cap)
            s = patient_slot(dst, rec->patient.id, h);
        if (s && s->idx1) {
            append_record(dst, dst->records[s->idx1 - 1], rec);
            pp_record_release(rec);
            free(rec);
        } else {
            adopt_record(dst, rec, h);
            index_record(dst, rec);
        }
    }
    src->n_records = 0; /* moved or freed above */
    pp_fhir_patient_set_release(src);
}

/* ---- resolving medicationReference ---- */

/* The Medication table key a reference maps to when not found as written:
 * "http://x/fhir/Medication/7/_history/2" -> "Medication/7" (in buf). */
static const char *canonical_med_ref(const char *ref, char *buf, size_t size)
{
    const char *p = NULL, *q, *end;
    for (q = strstr(ref, "Medication/"); q; q = strstr(q + 1, "Medication/"))
        if (q == ref || q[-1] == '/')
            p = q;
    if (!p)
        return NULL;
    end = strstr(p + 11, "/_history");
    if (!end)
        end = p + strlen(p);
    if ((size_t)(end - p) >= size)
        return NULL;
    memcpy(buf, p, (size_t)(end - p));
    buf[end - p] = '\0';
    return buf;
}

size_t pp_fhir_patient_set_finish(struct pp_patient_set *set)
{
    size_t unresolved = 0;
    char buf[512];

    for (size_t r = 0; r < set->n_records; r++) {
        struct pp_record *rec = set->records[r];
        for (size_t i = 0; i < rec->n_meds; i++) {
            struct pp_medication *m = &rec->meds[i];
            const struct pp_concept *code = NULL;
            const char *text;
            if (!m->medication_unresolved)
                continue;
            if (m->medication_ref && m->medication_ref[0] != '#') {
                const char *canon;
                code = find_medication(set, m->medication_ref);
                if (!code && (canon = canonical_med_ref(m->medication_ref, buf, sizeof(buf))))
                    code = find_medication(set, canon);
            }
            if (!code) {
                unresolved++;
                continue;
            }
            /* keep the reference's display as text when the Medication has none */
            text = m->code.text;
            copy_concept(&rec->arena, &m->code, code);
            if (!m->code.text)
                m->code.text = text;
            m->medication_unresolved = false;
        }
    }
    return unresolved;
}
