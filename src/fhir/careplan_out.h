/*
 * careplan_out.h — a proposed multimodal plan as a draft FHIR CarePlan (status draft,
 * intent proposal): goals as contained Goal resources, one activity per proposal (per
 * catalogue entry for interventions), the opioid stance as a note. Shared by
 * `painpath plan --format json` and the server's Patient/$care-plan.
 */
#ifndef PP_FHIR_CAREPLAN_OUT_H
#define PP_FHIR_CAREPLAN_OUT_H

#include "clinical/careplan.h"
#include "clinical/finding.h"
#include "clinical/record.h"
#include "util/buf.h"
#include "util/date.h"

/* Append the CarePlan JSON object for `plan` (proposed for `r` on `now`, with the findings
 * `fs` it indexes) to `b`. Borrows everything. */
void pp_fhir_careplan_write(struct pp_buf *b, const struct pp_record *r, pp_day now,
                            const struct pp_plan *plan, const struct pp_findings *fs);

#endif
