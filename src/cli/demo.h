/*
 * demo.h — the demo clinic of `painpath demo`: a believable interventional pain practice
 * written by us (no third-party data) as one FHIR R4 collection Bundle, reproducible for a
 * seed and dated relative to a chosen day. The mapping is documented in docs/demo.md.
 */
#ifndef PP_CLI_DEMO_H
#define PP_CLI_DEMO_H
#include <stdint.h>

#include <cjson/cJSON.h>

#include "util/date.h"

/* Default patient count, upper bound, and default seed of `painpath demo`. */
#define PP_DEMO_DEFAULT_PATIENTS 40
#define PP_DEMO_MAX_PATIENTS 5000
#define PP_DEMO_DEFAULT_SEED 20261127u

/*
 * Build the clinic for `patients` patients (1..PP_DEMO_MAX_PATIENTS) from `seed`, every date
 * relative to `now`. The same arguments always give the same Bundle (ids included). The first
 * patients are the opioid-rule scenarios (docs/demo.md lists them), so every rule needs at
 * least PP_DEMO_SCENARIOS patients. Returns a caller-owned Bundle (cJSON_Delete); never NULL
 * (allocation failure aborts).
 */
cJSON *pp_demo_bundle(int patients, uint64_t seed, pp_day now);

/* How many leading patients are fixed opioid-rule scenarios. */
#define PP_DEMO_SCENARIOS 12

#endif
