/*
 * patient_set.h — many struct pp_record, one per patient id, filled by the
 * FHIR readers (fhir/load.h, fhir/cds.h), plus the Medication resources seen
 * so far so that medicationReference can be resolved once everything is in.
 * Knows FHIR ids and references, never SQL, HTTP or the clock.
 */
#ifndef PP_FHIR_PATIENT_SET_H
#define PP_FHIR_PATIENT_SET_H

#include <stdbool.h>
#include <stddef.h>

#include "clinical/record.h"
#include "util/alloc.h"
#include "util/err.h"

/* How many resources of one resourceType a set has seen, and what became of them. */
struct pp_fhir_type_count {
    const char *type;   /* "MedicationRequest"; owned by the set */
    size_t loaded;      /* converted into a record (or, for Medication, into the table) */
    size_t unsupported; /* a resourceType painpath does not read (Claim, Organization, ...) */
    size_t no_patient;  /* a supported type with no Patient subject: dropped */
    size_t duplicate;   /* a copy of a resource the record already holds (same type, id and
                         * content as painpath reads it): kept once */
    size_t same_id;     /* a different resource reusing the type and id of one the record holds:
                         * both kept (counted in loaded) */
};

struct pp_fhir_patient_slot;
struct pp_fhir_med_slot;
struct pp_fhir_seen_slot;

/*
 * The set. Read `records`, `n_records`, `counts` and `n_counts` freely; everything
 * else is private to fhir/. Records keep the order in which their patients were
 * first seen (deterministic for a given load order). Not thread-safe: give each
 * loading thread its own set and merge them (pp_fhir_patient_set_merge).
 */
struct pp_patient_set {
    struct pp_record **records; /* owned; records[i]->patient.id is always set */
    size_t n_records;
    struct pp_fhir_type_count *counts; /* one per resourceType seen, in first-seen order */
    size_t n_counts;

    /* private */
    size_t alloc_records, alloc_counts;
    struct pp_fhir_patient_slot *patients; /* id -> records index (open addressing) */
    size_t patients_cap;
    struct pp_fhir_med_slot *meds; /* "Medication/ID" or fullUrl -> code */
    size_t n_meds, meds_cap;
    struct pp_fhir_seen_slot *seen; /* (record, kind, id) of every element, for de-duplication */
    size_t n_seen, seen_cap;
    struct pp_arena arena;    /* Medication table and type names */
    struct pp_record scratch; /* where resources without a patient are validated, then dropped */
    struct pp_record *last;   /* the record the previous lookup found (bundles are per patient) */
};

/* An empty set. */
void pp_fhir_patient_set_init(struct pp_patient_set *set);

/* Free every record and table; the set is empty and reusable afterwards. */
void pp_fhir_patient_set_release(struct pp_patient_set *set);

/* The record of patient `id` (a bare id, not "Patient/ID"), or NULL. Borrowed: valid until
 * the set is released or merged into another set. */
struct pp_record *pp_fhir_patient_set_find(const struct pp_patient_set *set, const char *id);

/*
 * The record of patient `id`, created empty (has_patient false, patient.id set) when the
 * set has none yet. Borrowed, as for _find. Never NULL.
 */
struct pp_record *pp_fhir_patient_set_get(struct pp_patient_set *set, const char *id);

/*
 * Move everything in `src` into `dst`: records of patients `dst` lacks are moved as they
 * are; records of patients both hold are appended to dst's (strings copied into dst's
 * record), skipping copies of resources dst's record already holds; the Medication
 * tables and the counts are combined. `src` is left empty (as after _init), and every
 * pointer into it is invalid. Cannot fail (allocation aborts).
 */
void pp_fhir_patient_set_merge(struct pp_patient_set *dst, struct pp_patient_set *src);

/*
 * Resolve every pending medicationReference ("Medication/ID", an absolute URL ending in
 * Medication/ID, or a bundle fullUrl such as "urn:uuid:ID") against the Medication
 * resources loaded so far: the medication's code becomes the Medication's code (copied into
 * the record) and medication_unresolved is cleared. References no Medication answers keep
 * medication_unresolved true. Call after all inputs are loaded (and merged); calling again
 * after more loads resolves what became resolvable. Returns how many references remain
 * unresolved (contained "#id" misses included).
 */
size_t pp_fhir_patient_set_finish(struct pp_patient_set *set);

/* The count entry for `type`, or NULL when the set has seen none. Borrowed. */
const struct pp_fhir_type_count *pp_fhir_patient_set_count(const struct pp_patient_set *set,
                                                           const char *type);

/* Sum of `loaded` over all types (Medication resources included). */
size_t pp_fhir_patient_set_loaded(const struct pp_patient_set *set);

#endif
