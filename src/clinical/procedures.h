/*
 * procedures.h — the practice's procedure catalogue: a static table of the
 * interventions it performs (ESI, medial branch blocks, facet injections,
 * RFA, SI joint, trigger points, joints, nerve and sympathetic blocks, SCS
 * and DRG stimulation), with codes only where CLINICAL-FACTS lists them.
 * Pure data and lookups: no I/O, nothing allocated, nothing mutable.
 */
#ifndef PP_CLINICAL_PROCEDURES_H
#define PP_CLINICAL_PROCEDURES_H

#include <stdbool.h>
#include <stddef.h>

enum pp_proc_region {
    PP_REGION_CERVICAL,
    PP_REGION_THORACIC,
    PP_REGION_LUMBAR,
    PP_REGION_SACRAL, /* caudal epidural */
    PP_REGION_SI_JOINT,
    PP_REGION_KNEE,
    PP_REGION_LARGE_JOINT, /* knee, hip, shoulder */
    PP_REGION_PERIPHERAL,  /* a named peripheral nerve */
    PP_REGION_MUSCLE,      /* trigger points */
    PP_REGION_SPINE,       /* neuromodulation: the spinal region is chosen per patient */
};

enum pp_proc_laterality {
    PP_LAT_MIDLINE,    /* not sided (interlaminar, caudal: never bilateral, §0) */
    PP_LAT_UNILATERAL, /* one side per procedure */
    PP_LAT_EITHER,     /* left, right or bilateral */
};

/* Guidance modalities, a bit set. */
#define PP_GUIDE_FLUORO (1u << 0)
#define PP_GUIDE_CT (1u << 1)
#define PP_GUIDE_US (1u << 2)
#define PP_GUIDE_LANDMARK (1u << 3) /* no imaging */

/* Purpose, a bit set. */
#define PP_PURPOSE_DIAGNOSTIC (1u << 0)
#define PP_PURPOSE_THERAPEUTIC (1u << 1)
#define PP_PURPOSE_TRIAL (1u << 2) /* a temporary trial before an implant */

#define PP_PROC_MAX_CPT 6

/* One catalogue entry; every string is static. */
struct pp_proc_entry {
    const char *id;   /* stable: "esi-tf-lumbar" */
    const char *name; /* "Transforaminal epidural steroid injection, lumbar/sacral" */
    /* CPT codes from CLINICAL-FACTS §2.6 (first = primary), NULL-terminated; cpt[0] is NULL
     * when the sheet lists none (cpt_note says why). */
    const char *cpt[PP_PROC_MAX_CPT + 1];
    const char *hcpcs;  /* facility HCPCS code from the sheet (G0260), or NULL */
    const char *snomed; /* SNOMED CT procedure code: NULL, the sheet gives none */
    const char *cpt_note;
    enum pp_proc_region region;
    const char *level_first; /* spinal levels the entry covers ("L1".."S5"), NULL if none */
    const char *level_last;
    enum pp_proc_laterality laterality;
    unsigned guidance;  /* PP_GUIDE_* */
    unsigned purpose;   /* PP_PURPOSE_* */
    const char *source; /* CLINICAL-FACTS rows (or DESIGN.md) for codes, guidance, purpose */
};

/* The whole catalogue (static storage, never NULL) and its size. */
const struct pp_proc_entry *pp_procedures_all(size_t *count);

/* The entry with this id, or NULL. Borrows `id`; the result is static. */
const struct pp_proc_entry *pp_procedure_by_id(const char *id);

/*
 * Every entry listing CPT (or HCPCS) `code`, in catalogue order: fills up to `max` pointers
 * into `out` (static entries) and returns how many entries list the code (which may exceed
 * `max`). 0 when no entry lists it. One code can belong to several entries (64490 is both a
 * cervical medial branch block and a cervical facet joint injection).
 */
size_t pp_procedures_by_cpt(const char *code, const struct pp_proc_entry **out, size_t max);

/* "cervical", "thoracic", "lumbar", "sacral", "si-joint", "knee", "large-joint",
 * "peripheral", "muscle", "spine". */
const char *pp_proc_region_name(enum pp_proc_region r);
/* "midline", "unilateral", "left-right-bilateral". */
const char *pp_proc_laterality_name(enum pp_proc_laterality l);
/* "fluoroscopy", "ct", "ultrasound", "landmark" for one PP_GUIDE_* bit; NULL otherwise. */
const char *pp_proc_guidance_name(unsigned bit);
/* "diagnostic", "therapeutic", "trial" for one PP_PURPOSE_* bit; NULL otherwise. */
const char *pp_proc_purpose_name(unsigned bit);

/*
 * Parse one spinal level ("C1".."C8", "T1".."T12", "L1".."L5", "S1".."S5"; letters upper
 * case) of `len` bytes into an ordinal that increases head to tail (C1 = 1 ... S5 = 30).
 * C8 is a nerve root (there is no C8 vertebra). False when `s` is not such a level.
 */
bool pp_spine_level_parse(const char *s, size_t len, int *ordinal);

/* Whether ordinal `level` lies within the entry's level_first..level_last (false when the
 * entry has no spinal levels). */
bool pp_procedure_covers_level(const struct pp_proc_entry *p, int level);

#endif
