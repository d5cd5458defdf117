/*
 * coverage_int.h — what coverage.c and coverage_table.c share: the default rows and the
 * map from catalogue entries to coverage families. Not for other modules.
 */
#ifndef PP_CLINICAL_COVERAGE_INT_H
#define PP_CLINICAL_COVERAGE_INT_H

#include <stdbool.h>
#include <stddef.h>

#include "clinical/coverage.h"

/* Which coverage names an entry answers to; every string static. */
struct pp_cov_family_map {
    const char *match; /* entry id, or an id prefix ending in '-' */
    const char *family;
    const char *group;
    const char *diagnostic;  /* name when the purpose is diagnostic, or NULL */
    const char *therapeutic; /* name when the purpose is therapeutic, or NULL */
};

/* The default rows (static) and their count. */
const struct pp_cov_criterion *pp_cov_default_rows(size_t *count);
/* The map row for a catalogue entry id, or NULL (static). */
const struct pp_cov_family_map *pp_cov_family_of(const char *entry_id);
/* Whether `name` is a family, group or group-purpose name of some map row. */
bool pp_cov_family_known(const char *name);

#endif
