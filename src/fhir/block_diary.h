/*
 * block_diary.h — a diagnostic block as FHIR (docs/PROFILES.md "Scores, blocks,
 * procedures"): the block Procedure (catalogue code, bodySite levels and side, performed
 * time, the anesthetic in usedCode, its concentration, the injected volume and the image
 * guidance in extensions) and its pain diary (NRS Observations with partOf the Procedure;
 * the one at or before the injection is the baseline) -> the request of clinical/blocks.h.
 * Knows FHIR JSON only: never the clock, SQL or HTTP.
 */
#ifndef PP_FHIR_BLOCK_DIARY_H
#define PP_FHIR_BLOCK_DIARY_H

#include <stdbool.h>
#include <stddef.h>

#include <cjson/cJSON.h>

#include "clinical/blocks.h"
#include "util/err.h"

/* Code systems and extensions painpath reads on a block Procedure. */
#define PP_FHIR_ANESTHETIC_SYSTEM "urn:painpath:anesthetic" /* usedCode: lidocaine|bupivacaine */
#define PP_FHIR_CONCENTRATION_URL "urn:painpath:anesthetic-concentration" /* valueQuantity % */
#define PP_FHIR_VOLUME_URL "urn:painpath:injectate-volume"                /* valueQuantity mL */
#define PP_FHIR_GUIDANCE_URL "urn:painpath:guidance" /* valueCode fluoroscopy|ct|ultrasound... */
#define PP_FHIR_CPT_SYSTEM "http://www.ama-assn.org/go/cpt"
#define PP_FHIR_LOINC_NRS "72514-3"

/* A block request read from FHIR, with the storage its pointers need. */
struct pp_fhir_block {
    struct pp_block_request req;     /* strings borrowed from the Bundle or from this struct */
    struct pp_diary_entry *diary[2]; /* owned (req.blocks[i].diary) */
    char levels[PP_BLOCK_MAX_LEVELS][16];
    char dates[2][11];
    const char *procedure_ids[2]; /* the Procedure ids, borrowed from the Bundle */
    const char *diary_ids[2][64]; /* the Observations read per block (evidence), borrowed */
    size_t n_diary_ids[2];
};

void pp_fhir_block_init(struct pp_fhir_block *b);
void pp_fhir_block_release(struct pp_fhir_block *b);

/*
 * Read a block from `bundle` (a Bundle of resources; borrowed, must outlive `out`).
 * `procedure_id` names the block Procedure (NULL: every completed block Procedure in the
 * Bundle, one or two); `comparative_id` (may be NULL) names a second, comparative block.
 * Two blocks are ordered by their performed time. A ServiceRequest the Procedure is basedOn,
 * when in the Bundle, gives requested_by (requester.display) and the question (note[0]).
 * Errors (d->where = "Procedure/ID.element" or "Observation/ID.element"): PP_ERR_NOT_FOUND
 * when a named Procedure is not in the Bundle; PP_ERR_UNSUPPORTED when the Procedure is not
 * a diagnostic block of the catalogue or lacks what the interpretation needs (anesthetic,
 * concentration, volume, guidance, a performed time); PP_ERR_INPUT for malformed values.
 */
PP_MUST_CHECK enum pp_err pp_fhir_block_read(const cJSON *bundle, const char *procedure_id,
                                             const char *comparative_id, struct pp_fhir_block *out,
                                             struct pp_diag *d);

/*
 * Minutes since 1970-01-01T00:00Z of a FHIR dateTime with a time
 * ("2026-11-20T09:15:00Z", "2026-11-20T09:15:00.5-05:00"; no zone: UTC). False for a date
 * alone or a malformed value.
 */
bool pp_fhir_datetime_minutes(const char *s, double *minutes);

/* Helpers the FHIR readers of the workflow operations share. */
struct pp_proc_entry;
/* The code of the first coding of `system` in a CodeableConcept, or NULL (borrowed). */
const char *pp_fhir_coding_code(const cJSON *concept, const char *system);
/* The extension of obj with this url, or NULL (borrowed). */
const cJSON *pp_fhir_extension(const cJSON *obj, const char *url);
/* The catalogue entry of a resource's `code`: its urn:painpath:procedure code, else a CPT
 * code naming exactly one entry; NULL otherwise (*ambiguous: a CPT naming several). */
const struct pp_proc_entry *pp_fhir_catalogue_entry(const cJSON *res, bool *ambiguous);
/* The spinal levels ("L5", "L4-L5") and side (0 none, 1 left, 2 right, 3 bilateral) in the
 * words of res.bodySite[0] (text, else the first coding's display), into levels[] (copies)
 * and ptrs[] (pointing at them), at most `max`. PP_ERR_INPUT at `where` for too many. */
PP_MUST_CHECK enum pp_err pp_fhir_body_site(const cJSON *res, const char *where, char (*levels)[16],
                                            const char **ptrs, size_t max, size_t *n, int *side,
                                            struct pp_diag *d);

#endif
