/*
 * record.c — building and freeing struct pp_record. Pure: arena memory only.
 */
#include "clinical/record.h"

#include <stdlib.h>
#include <string.h>

void pp_record_init(struct pp_record *r)
{
    memset(r, 0, sizeof(*r));
    pp_arena_init(&r->arena);
    r->patient.birth_date = PP_DAY_NONE;
}

static void free_arrays(struct pp_record *r)
{
    free(r->meds);
    free(r->conditions);
    free(r->observations);
    free(r->procedures);
    free(r->encounters);
    free(r->service_requests);
    free(r->careplans);
}

void pp_record_release(struct pp_record *r)
{
    free_arrays(r);
    pp_arena_release(&r->arena);
    pp_record_init(r);
}

void pp_record_reset(struct pp_record *r)
{
    pp_arena_reset(&r->arena);
    memset(&r->patient, 0, sizeof(r->patient));
    r->patient.birth_date = PP_DAY_NONE;
    r->has_patient = false;
    r->n_meds = r->n_conditions = r->n_observations = r->n_procedures = 0;
    r->n_encounters = r->n_service_requests = r->n_careplans = 0;
}

#define ADD(r, arr, n, alloc)                                                                      \
    do {                                                                                           \
        PP_ALLOC_GROW((r)->arr, (r)->n + 1, (r)->alloc);                                           \
        memset(&(r)->arr[(r)->n], 0, sizeof((r)->arr[0]));                                         \
    } while (0)

struct pp_medication *pp_record_add_med(struct pp_record *r)
{
    struct pp_medication *m;
    ADD(r, meds, n_meds, alloc_meds);
    m = &r->meds[r->n_meds++];
    m->authored = m->start = m->end = PP_DAY_NONE;
    m->days_supply = -1;
    return m;
}

struct pp_condition *pp_record_add_condition(struct pp_record *r)
{
    struct pp_condition *c;
    ADD(r, conditions, n_conditions, alloc_conditions);
    c = &r->conditions[r->n_conditions++];
    c->onset = c->abatement = c->recorded = PP_DAY_NONE;
    return c;
}

struct pp_observation *pp_record_add_observation(struct pp_record *r)
{
    struct pp_observation *o;
    ADD(r, observations, n_observations, alloc_observations);
    o = &r->observations[r->n_observations++];
    o->effective = PP_DAY_NONE;
    return o;
}

struct pp_procedure *pp_record_add_procedure(struct pp_record *r)
{
    struct pp_procedure *p;
    ADD(r, procedures, n_procedures, alloc_procedures);
    p = &r->procedures[r->n_procedures++];
    p->performed = p->performed_end = PP_DAY_NONE;
    return p;
}

struct pp_encounter *pp_record_add_encounter(struct pp_record *r)
{
    struct pp_encounter *e;
    ADD(r, encounters, n_encounters, alloc_encounters);
    e = &r->encounters[r->n_encounters++];
    e->start = e->end = PP_DAY_NONE;
    return e;
}

struct pp_service_request *pp_record_add_service_request(struct pp_record *r)
{
    struct pp_service_request *s;
    ADD(r, service_requests, n_service_requests, alloc_service_requests);
    s = &r->service_requests[r->n_service_requests++];
    s->authored = PP_DAY_NONE;
    return s;
}

struct pp_careplan *pp_record_add_careplan(struct pp_record *r)
{
    struct pp_careplan *c;
    ADD(r, careplans, n_careplans, alloc_careplans);
    c = &r->careplans[r->n_careplans++];
    c->created = c->start = c->end = PP_DAY_NONE;
    return c;
}

const char *pp_record_strdup(struct pp_record *r, const char *s)
{
    return pp_arena_strdup(&r->arena, s);
}

bool pp_concept_has(const struct pp_concept *c, const char *system, const char *code)
{
    for (size_t i = 0; i < c->n_codings; i++) {
        const struct pp_coding *k = &c->codings[i];
        if (!k->code || strcmp(k->code, code) != 0)
            continue;
        if (!system || (k->system && strcmp(k->system, system) == 0))
            return true;
    }
    return false;
}

const char *pp_concept_code(const struct pp_concept *c, const char *system)
{
    for (size_t i = 0; i < c->n_codings; i++) {
        const struct pp_coding *k = &c->codings[i];
        if (!k->code)
            continue;
        if (!system || (k->system && strcmp(k->system, system) == 0))
            return k->code;
    }
    return NULL;
}

const char *pp_concept_label(const struct pp_concept *c)
{
    if (c->text && *c->text)
        return c->text;
    for (size_t i = 0; i < c->n_codings; i++)
        if (c->codings[i].display && *c->codings[i].display)
            return c->codings[i].display;
    for (size_t i = 0; i < c->n_codings; i++)
        if (c->codings[i].code)
            return c->codings[i].code;
    return "(no code)";
}
