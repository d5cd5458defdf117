/*
 * record.h — struct pp_record: everything known about one patient at one
 * moment, as plain C structs. Built by src/fhir (from Bundles, NDJSON, CDS
 * Hooks requests) and later by src/store; read by the pure rules in
 * src/clinical. Every string and array hangs off the record's arena, so one
 * pp_record_release() frees all of it. No FHIR or JSON types appear here.
 */
#ifndef PP_CLINICAL_RECORD_H
#define PP_CLINICAL_RECORD_H

#include <stdbool.h>
#include <stddef.h>

#include "util/alloc.h"
#include "util/date.h"

/* One coding of a concept. Strings are borrowed from the record's arena; any may be NULL. */
struct pp_coding {
    const char *system;
    const char *code;
    const char *display;
};

/* A FHIR CodeableConcept: codings plus free text. */
struct pp_concept {
    struct pp_coding *codings;
    size_t n_codings;
    const char *text;
};

/* Well-known code systems, compared by pointer-free string equality. */
#define PP_SYS_RXNORM "http://www.nlm.nih.gov/research/umls/rxnorm"
#define PP_SYS_SNOMED "http://snomed.info/sct"
#define PP_SYS_LOINC "http://loinc.org"
#define PP_SYS_ICD10CM "http://hl7.org/fhir/sid/icd-10-cm"

/* A quantity; `present` false means the element was absent (never read value as 0 then). */
struct pp_quantity {
    bool present;
    double value;
    const char *unit; /* unit or code, whichever the source gave (code preferred) */
};

/* One dosageInstruction, flattened. */
struct pp_dosage {
    const char *text;
    bool as_needed;               /* asNeededBoolean true, or asNeededCodeableConcept present */
    struct pp_quantity dose;      /* doseQuantity (or the low end of doseRange) */
    struct pp_quantity dose_high; /* doseRange.high; present only for a range */
    struct pp_quantity rate;      /* rateQuantity (e.g. mcg/h for a patch), if any */
    /* timing.repeat */
    double frequency, frequency_max; /* 0 when absent */
    double period, period_max;       /* 0 when absent */
    const char *period_unit;         /* s, min, h, d, wk, mo, a */
    int n_time_of_day;               /* timing.repeat.timeOfDay entries */
    int n_when;                      /* timing.repeat.when entries (e.g. MORN, NIGHT) */
    const char *timing_code;         /* timing.code (BID, TID, QID, Q4H...) */
    /* maxDosePerPeriod: numerator per denominator (e.g. 6 tablets per 1 d) */
    struct pp_quantity max_per_period_num;
    struct pp_quantity max_per_period_den;
};

enum pp_med_source {
    PP_MED_REQUEST,   /* MedicationRequest */
    PP_MED_STATEMENT, /* MedicationStatement */
    PP_MED_DISPENSE,  /* MedicationDispense */
};

/* Why an early replacement was asked for (the practice refuses lost/stolen/destroyed). */
enum pp_replacement_reason {
    PP_REPLACE_NONE = 0,
    PP_REPLACE_LOST,
    PP_REPLACE_STOLEN,
    PP_REPLACE_DESTROYED,
};

/* A medication order, statement or dispense. */
struct pp_medication {
    enum pp_med_source source;
    const char *id;
    const char *status; /* active, completed, stopped, on-hold, cancelled, draft, ... */
    const char *intent;
    const char *category;        /* community, inpatient, outpatient, discharge (first code) */
    struct pp_concept code;      /* medicationCodeableConcept or the resolved Medication.code */
    const char *medication_ref;  /* medicationReference as written ("Medication/ID", "#ID") */
    bool medication_unresolved;  /* a reference that no loaded Medication answered */
    bool is_draft_order;         /* came from a CDS Hooks context.draftOrders / selections */
    pp_day authored;             /* authoredOn / dateAsserted / whenHandedOver */
    pp_day start;                /* validity / effective period start (PP_DAY_NONE if absent) */
    pp_day end;                  /* validity / effective period end */
    double days_supply;          /* expectedSupplyDuration (days) or daysSupply; <0 when absent */
    struct pp_quantity quantity; /* dispenseRequest.quantity / quantity */
    int repeats;                 /* numberOfRepeatsAllowed; 0 when absent */
    const char *prior_prescription; /* "MedicationRequest/ID" it replaces, if any */
    enum pp_replacement_reason replacement_reason;
    const char *requester;
    struct pp_dosage *dosages;
    size_t n_dosages;
};

struct pp_condition {
    const char *id;
    struct pp_concept code;
    const char *clinical_status; /* active, recurrence, relapse, inactive, remission, resolved */
    const char *verification_status; /* confirmed, provisional, refuted, entered-in-error, ... */
    const char *category;            /* problem-list-item, encounter-diagnosis, health-concern */
    pp_day onset;
    pp_day abatement;
    pp_day recorded;
};

/* An Observation: a score, a lab result (urine drug test), a finding. */
struct pp_observation {
    const char *id;
    const char *status;
    struct pp_concept code;
    const char *category; /* laboratory, survey, vital-signs, procedure, ... (first code) */
    pp_day effective;
    struct pp_quantity value_quantity;
    struct pp_concept value_concept; /* valueCodeableConcept */
    const char *value_string;
    bool has_value_bool;
    bool value_bool;
    struct pp_concept interpretation; /* first interpretation */
    const char *part_of;              /* "Procedure/ID" for a block diary entry */
};

struct pp_procedure {
    const char *id;
    const char *status;
    struct pp_concept code;
    pp_day performed; /* performedDateTime or performedPeriod.start */
    pp_day performed_end;
};

struct pp_encounter {
    const char *id;
    const char *status;
    const char *class_code; /* AMB, IMP, EMER, VR, HH, ... */
    struct pp_concept type; /* first type */
    struct pp_concept service_type;
    pp_day start;
    pp_day end;
    const char *discharge_disposition; /* hospitalization.dischargeDisposition code */
};

struct pp_service_request {
    const char *id;
    const char *status;
    const char *intent;
    struct pp_concept code;
    pp_day authored;
    const char *requester;
    bool is_draft_order;
};

struct pp_careplan {
    const char *id;
    const char *status;
    const char *intent;
    struct pp_concept category; /* first category */
    pp_day created;
    pp_day start;
    pp_day end;
    const char *title;
};

struct pp_patient {
    const char *id;
    const char *gender; /* male, female, other, unknown; NULL when absent */
    pp_day birth_date;  /* PP_DAY_NONE when absent */
    bool deceased;
};

/*
 * One patient's record. Arrays are arena-owned; n_* give their lengths.
 * Build with pp_record_init() and the pp_record_add_*() helpers; free with
 * pp_record_release().
 */
struct pp_record {
    struct pp_arena arena;
    bool has_patient;
    struct pp_patient patient;
    struct pp_medication *meds;
    size_t n_meds, alloc_meds;
    struct pp_condition *conditions;
    size_t n_conditions, alloc_conditions;
    struct pp_observation *observations;
    size_t n_observations, alloc_observations;
    struct pp_procedure *procedures;
    size_t n_procedures, alloc_procedures;
    struct pp_encounter *encounters;
    size_t n_encounters, alloc_encounters;
    struct pp_service_request *service_requests;
    size_t n_service_requests, alloc_service_requests;
    struct pp_careplan *careplans;
    size_t n_careplans, alloc_careplans;
};

void pp_record_init(struct pp_record *r);
/* Free everything the record owns; it is empty and reusable afterwards. */
void pp_record_release(struct pp_record *r);
/* Empty the record but keep its memory for the next patient (fast path for bulk runs). */
void pp_record_reset(struct pp_record *r);

/* Append a zeroed element (dates preset to PP_DAY_NONE, days_supply to -1) and return it;
 * the pointer is valid until the next add of the same kind. Never NULL. */
struct pp_medication *pp_record_add_med(struct pp_record *r);
struct pp_condition *pp_record_add_condition(struct pp_record *r);
struct pp_observation *pp_record_add_observation(struct pp_record *r);
struct pp_procedure *pp_record_add_procedure(struct pp_record *r);
struct pp_encounter *pp_record_add_encounter(struct pp_record *r);
struct pp_service_request *pp_record_add_service_request(struct pp_record *r);
struct pp_careplan *pp_record_add_careplan(struct pp_record *r);

/* Copy of s into the record's arena (NULL stays NULL). */
const char *pp_record_strdup(struct pp_record *r, const char *s);

/* True when `c` has a coding with this system (NULL = any) and code. */
bool pp_concept_has(const struct pp_concept *c, const char *system, const char *code);
/* First coding's code of the given system (NULL = any), or NULL. Borrowed. */
const char *pp_concept_code(const struct pp_concept *c, const char *system);
/* A human label: text, else the first display, else the first code, else "(no code)". */
const char *pp_concept_label(const struct pp_concept *c);

#endif
