/*
 * search_params.c — the search-parameter registry of the store (US Core 6 for the types a
 * pain practice uses, a generic set for every other type) and the pure helpers that turn
 * element values into index values: date ranges in ms, normalised strings and references.
 * Data and pure functions only: no SQL, no I/O.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/search_params.h"
#include "store/store.h"
#include "util/alloc.h"
#include "util/date.h"
#include "util/banned.h"

#define TOK PP_SP_TOKEN
#define REF PP_SP_REFERENCE
#define DATE PP_SP_DATE
#define STR PP_SP_STRING
#define USC PP_SP_USCORE

/* _id and _lastUpdated open every table. */
#define PP_SP_RESOURCE                                                                             \
    {"_id", TOK, "_id", NULL, NULL, PP_SP_COL_ID},                                                 \
    {                                                                                              \
        "_lastUpdated", DATE, "_lastUpdated", NULL, NULL, PP_SP_COL_UPDATED                        \
    }
/* patient (the resource's patient column) and subject of the clinical types. */
#define PP_SP_PATIENT(fl)                                                                          \
    {                                                                                              \
        "patient", REF, "patient", NULL, "Patient", PP_SP_COL_PATIENT | (fl)                       \
    }
#define PP_SP_SUBJECT                                                                              \
    {                                                                                              \
        "subject", REF, "subject", "subject", NULL, 0                                              \
    }
#define PP_SP_IDENTIFIER(fl)                                                                       \
    {                                                                                              \
        "identifier", TOK, "identifier", "identifier", NULL, (fl)                                  \
    }

static const struct pp_search_param sp_generic[] = {
    PP_SP_RESOURCE,
    PP_SP_PATIENT(0),
    PP_SP_SUBJECT,
    {"code", TOK, "code", "code|medicationCodeableConcept|vaccineCode", NULL, 0},
    {"status", TOK, "status", "status|clinicalStatus|verificationStatus", NULL, 0},
    {"date", DATE, "date",
     "effectiveDateTime|effectivePeriod|performedDateTime|performedPeriod|onsetDateTime|"
     "authoredOn|occurrenceDateTime|period|start|date|recordedDate|issued|created|"
     "billablePeriod|birthDate",
     NULL, PP_SP_FIRST_PATH},
    PP_SP_IDENTIFIER(0),
};

static const struct pp_search_param sp_patient[] = {
    PP_SP_RESOURCE,
    PP_SP_IDENTIFIER(USC),
    {"name", STR, "name", "name", NULL, USC},
    {"family", STR, "family", "name.family", NULL, USC},
    {"given", STR, "given", "name.given", NULL, USC},
    {"birthdate", DATE, "birthdate", "birthDate", NULL, USC},
    {"gender", TOK, "gender", "gender", NULL, USC},
};

static const struct pp_search_param sp_practitioner[] = {
    PP_SP_RESOURCE,
    PP_SP_IDENTIFIER(USC),
    {"name", STR, "name", "name", NULL, USC},
    {"family", STR, "family", "name.family", NULL, 0},
    {"given", STR, "given", "name.given", NULL, 0},
};

static const struct pp_search_param sp_practitioner_role[] = {
    PP_SP_RESOURCE,
    {"practitioner", REF, "practitioner", "practitioner", "Practitioner", USC},
    {"organization", REF, "organization", "organization", "Organization", 0},
    {"specialty", TOK, "specialty", "specialty", NULL, USC},
    {"role", TOK, "role", "code", NULL, 0},
    PP_SP_IDENTIFIER(0),
};

static const struct pp_search_param sp_organization[] = {
    PP_SP_RESOURCE,
    {"name", STR, "name", "name|alias", NULL, USC},
    PP_SP_IDENTIFIER(0),
    {"address", STR, "address", "address", NULL, USC},
};

static const struct pp_search_param sp_service_request[] = {
    PP_SP_RESOURCE,
    PP_SP_PATIENT(USC),
    PP_SP_SUBJECT,
    {"status", TOK, "status", "status", NULL, USC},
    {"intent", TOK, "intent", "intent", NULL, 0},
    {"category", TOK, "category", "category", NULL, USC},
    {"code", TOK, "code", "code", NULL, USC},
    {"authored", DATE, "authored", "authoredOn", NULL, USC},
    {"requester", REF, "requester", "requester", NULL, 0},
    {"performer", REF, "performer", "performer", NULL, 0},
    PP_SP_IDENTIFIER(0),
};

static const struct pp_search_param sp_appointment[] = {
    PP_SP_RESOURCE,
    {"actor", REF, "actor", "participant.actor", NULL, 0},
    {"patient", REF, "actor", NULL, "Patient", 0},
    {"practitioner", REF, "actor", NULL, "Practitioner", 0},
    {"date", DATE, "date", "start", NULL, 0},
    {"status", TOK, "status", "status", NULL, 0},
    {"service-type", TOK, "service-type", "serviceType", NULL, 0},
    {"slot", REF, "slot", "slot", "Slot", 0},
    PP_SP_IDENTIFIER(0),
};

static const struct pp_search_param sp_slot[] = {
    PP_SP_RESOURCE,
    {"schedule", REF, "schedule", "schedule", "Schedule", 0},
    {"start", DATE, "start", "start", NULL, 0},
    {"status", TOK, "status", "status", NULL, 0},
    {"service-type", TOK, "service-type", "serviceType", NULL, 0},
    PP_SP_IDENTIFIER(0),
};

static const struct pp_search_param sp_schedule[] = {
    PP_SP_RESOURCE,
    {"actor", REF, "actor", "actor", NULL, 0},
    {"active", TOK, "active", "active", NULL, 0},
    {"service-type", TOK, "service-type", "serviceType", NULL, 0},
    PP_SP_IDENTIFIER(0),
};

static const struct pp_search_param sp_encounter[] = {
    PP_SP_RESOURCE,
    PP_SP_PATIENT(USC),
    PP_SP_SUBJECT,
    {"date", DATE, "date", "period", NULL, USC},
    {"status", TOK, "status", "status", NULL, USC},
    {"class", TOK, "class", "class", NULL, USC},
    {"type", TOK, "type", "type", NULL, USC},
    PP_SP_IDENTIFIER(USC),
    {"practitioner", REF, "practitioner", "participant.individual", "Practitioner", 0},
};

static const struct pp_search_param sp_condition[] = {
    PP_SP_RESOURCE,
    PP_SP_PATIENT(USC),
    PP_SP_SUBJECT,
    {"category", TOK, "category", "category", NULL, USC},
    {"clinical-status", TOK, "clinical-status", "clinicalStatus", NULL, USC},
    {"code", TOK, "code", "code", NULL, USC},
    {"onset-date", DATE, "onset-date", "onsetDateTime|onsetPeriod", NULL, USC},
    {"verification-status", TOK, "verification-status", "verificationStatus", NULL, 0},
    PP_SP_IDENTIFIER(0),
};

static const struct pp_search_param sp_observation[] = {
    PP_SP_RESOURCE,
    PP_SP_PATIENT(USC),
    PP_SP_SUBJECT,
    {"category", TOK, "category", "category", NULL, USC},
    {"code", TOK, "code", "code", NULL, USC},
    {"date", DATE, "date", "effectiveDateTime|effectivePeriod|effectiveInstant", NULL, USC},
    {"status", TOK, "status", "status", NULL, USC},
    {"part-of", REF, "part-of", "partOf", NULL, 0},
    {"based-on", REF, "based-on", "basedOn", NULL, 0},
    PP_SP_IDENTIFIER(0),
};

static const struct pp_search_param sp_questionnaire_response[] = {
    PP_SP_RESOURCE,
    PP_SP_PATIENT(USC),
    PP_SP_SUBJECT,
    {"questionnaire", REF, "questionnaire", "questionnaire", "Questionnaire", USC},
    {"authored", DATE, "authored", "authored", NULL, USC},
    {"status", TOK, "status", "status", NULL, USC},
    {"based-on", REF, "based-on", "basedOn", NULL, 0},
    PP_SP_IDENTIFIER(0),
};

static const struct pp_search_param sp_procedure[] = {
    PP_SP_RESOURCE,
    PP_SP_PATIENT(USC),
    PP_SP_SUBJECT,
    {"date", DATE, "date", "performedDateTime|performedPeriod", NULL, USC},
    {"code", TOK, "code", "code", NULL, USC},
    {"status", TOK, "status", "status", NULL, USC},
    {"part-of", REF, "part-of", "partOf", NULL, 0},
    {"performer", REF, "performer", "performer.actor", NULL, 0},
    PP_SP_IDENTIFIER(0),
};

static const struct pp_search_param sp_medication_request[] = {
    PP_SP_RESOURCE,
    PP_SP_PATIENT(USC),
    PP_SP_SUBJECT,
    {"status", TOK, "status", "status", NULL, USC},
    {"intent", TOK, "intent", "intent", NULL, USC},
    {"authoredon", DATE, "authoredon", "authoredOn", NULL, USC},
    {"encounter", REF, "encounter", "encounter", "Encounter", USC},
    {"medication", REF, "medication", "medicationReference", "Medication", 0},
    {"code", TOK, "code", "medicationCodeableConcept", NULL, 0},
    PP_SP_IDENTIFIER(0),
};

static const struct pp_search_param sp_care_plan[] = {
    PP_SP_RESOURCE,
    PP_SP_PATIENT(USC),
    PP_SP_SUBJECT,
    {"category", TOK, "category", "category", NULL, USC},
    {"status", TOK, "status", "status", NULL, USC},
    {"date", DATE, "date", "period", NULL, USC},
    PP_SP_IDENTIFIER(0),
};

static const struct pp_search_param sp_document_reference[] = {
    PP_SP_RESOURCE,
    PP_SP_PATIENT(USC),
    PP_SP_SUBJECT,
    {"category", TOK, "category", "category", NULL, USC},
    {"type", TOK, "type", "type", NULL, USC},
    {"date", DATE, "date", "date", NULL, USC},
    {"status", TOK, "status", "status", NULL, USC},
    PP_SP_IDENTIFIER(0),
};

/* CareTeam: the generic parameters plus participant (the server's care-team rule reads its
 * rows: a clinician sees the patients of the care teams naming them). */
static const struct pp_search_param sp_care_team[] = {
    PP_SP_RESOURCE,
    PP_SP_PATIENT(0),
    PP_SP_SUBJECT,
    {"status", TOK, "status", "status", NULL, 0},
    {"participant", REF, "participant", "participant.member", NULL, 0},
    {"date", DATE, "date", "period", NULL, 0},
    PP_SP_IDENTIFIER(0),
};

static const struct pp_search_param sp_device[] = {
    PP_SP_RESOURCE,
    PP_SP_PATIENT(USC),
    {"type", TOK, "type", "type", NULL, USC},
    PP_SP_IDENTIFIER(0),
};

static const struct pp_search_param sp_audit_event[] = {
    PP_SP_RESOURCE,
    {"date", DATE, "date", "recorded", NULL, 0},
    {"agent", REF, "agent", "agent.who", NULL, 0},
    {"entity", REF, "entity", "entity.what", NULL, 0},
    {"patient", REF, "patient", "agent.who|entity.what", "Patient", 0},
    {"action", TOK, "action", "action", NULL, 0},
    {"type", TOK, "type", "type", NULL, 0},
};

#define PP_SP_TABLE(t, a)                                                                          \
    {                                                                                              \
        t, a, sizeof(a) / sizeof(a[0])                                                             \
    }
static const struct {
    const char *type;
    const struct pp_search_param *params;
    size_t n;
} sp_types[] = {
    PP_SP_TABLE("Appointment", sp_appointment),
    PP_SP_TABLE("AuditEvent", sp_audit_event),
    PP_SP_TABLE("CarePlan", sp_care_plan),
    PP_SP_TABLE("CareTeam", sp_care_team),
    PP_SP_TABLE("Condition", sp_condition),
    PP_SP_TABLE("Device", sp_device),
    PP_SP_TABLE("DocumentReference", sp_document_reference),
    PP_SP_TABLE("Encounter", sp_encounter),
    PP_SP_TABLE("MedicationRequest", sp_medication_request),
    PP_SP_TABLE("Observation", sp_observation),
    PP_SP_TABLE("Organization", sp_organization),
    PP_SP_TABLE("Patient", sp_patient),
    PP_SP_TABLE("Practitioner", sp_practitioner),
    PP_SP_TABLE("PractitionerRole", sp_practitioner_role),
    PP_SP_TABLE("Procedure", sp_procedure),
    PP_SP_TABLE("QuestionnaireResponse", sp_questionnaire_response),
    PP_SP_TABLE("Schedule", sp_schedule),
    PP_SP_TABLE("ServiceRequest", sp_service_request),
    PP_SP_TABLE("Slot", sp_slot),
};

const struct pp_search_param *pp_search_params(const char *type, size_t *n)
{
    for (size_t i = 0; i < sizeof(sp_types) / sizeof(sp_types[0]); i++)
        if (strcmp(sp_types[i].type, type) == 0) {
            *n = sp_types[i].n;
            return sp_types[i].params;
        }
    *n = sizeof(sp_generic) / sizeof(sp_generic[0]);
    return sp_generic;
}

const struct pp_search_param *pp_search_param_find(const char *type, const char *name)
{
    size_t n;
    const struct pp_search_param *p = pp_search_params(type, &n);
    for (size_t i = 0; i < n; i++)
        if (strcmp(p[i].name, name) == 0)
            return &p[i];
    return NULL;
}

void pp_search_param_definition(const char *type, const struct pp_search_param *p, char *out,
                                size_t cap)
{
    char lower[PP_STORE_TYPE_MAX + 1];
    size_t i;
    if (p->flags & PP_SP_USCORE) {
        for (i = 0; type[i] && i < sizeof(lower) - 1; i++)
            lower[i] = (char)(type[i] >= 'A' && type[i] <= 'Z' ? type[i] - 'A' + 'a' : type[i]);
        lower[i] = '\0';
        snprintf(out, cap, "http://hl7.org/fhir/us/core/SearchParameter/us-core-%s-%s", lower,
                 p->name[0] == '_' ? p->name + 1 : p->name);
    } else if (p->name[0] == '_') {
        snprintf(out, cap, "http://hl7.org/fhir/SearchParameter/Resource-%s", p->name + 1);
    } else {
        snprintf(out, cap, "http://hl7.org/fhir/SearchParameter/%s-%s", type, p->name);
    }
}

bool pp_search_param_targets(const struct pp_search_param *p, const char *target)
{
    const char *t = p->targets;
    size_t n = strlen(target);
    if (!t)
        return true;
    while (*t) {
        const char *comma = strchr(t, ',');
        size_t len = comma ? (size_t)(comma - t) : strlen(t);
        if (len == n && strncmp(t, target, n) == 0)
            return true;
        if (!comma)
            break;
        t = comma + 1;
    }
    return false;
}

/* ---- dates ---- */

/* n digits at s as a number, or -1. */
static int digits(const char *s, int n)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    return v;
}

bool pp_search_date_range(const char *s, int64_t *lo, int64_t *hi)
{
    int y, mo = 1, da = 1, h = 0, mi = 0, se = 0, ms = 0;
    int64_t span, tz = 0;
    const char *p = s;
    if (!s || (y = digits(p, 4)) < 0)
        return false;
    p += 4;
    if (*p == '\0') {
        *lo = (int64_t)pp_day_from_ymd(y, 1, 1) * 86400000;
        *hi = (int64_t)pp_day_from_ymd(y + 1, 1, 1) * 86400000 - 1;
        return true;
    }
    if (*p != '-' || (mo = digits(p + 1, 2)) < 1 || mo > 12)
        return false;
    p += 3;
    if (*p == '\0') {
        *lo = (int64_t)pp_day_from_ymd(y, mo, 1) * 86400000;
        *hi =
            (int64_t)pp_day_from_ymd(mo == 12 ? y + 1 : y, mo == 12 ? 1 : mo + 1, 1) * 86400000 - 1;
        return true;
    }
    if (*p != '-' || (da = digits(p + 1, 2)) < 1 || !pp_ymd_valid(y, mo, da))
        return false;
    p += 3;
    if (*p == '\0') {
        *lo = (int64_t)pp_day_from_ymd(y, mo, da) * 86400000;
        *hi = *lo + 86400000 - 1;
        return true;
    }
    if (*p != 'T' || (h = digits(p + 1, 2)) < 0 || h > 23 || p[3] != ':' ||
        (mi = digits(p + 4, 2)) < 0 || mi > 59)
        return false;
    p += 6;
    span = 60000;
    if (*p == ':') {
        if ((se = digits(p + 1, 2)) < 0 || se > 60)
            return false;
        p += 3;
        span = 1000;
        if (*p == '.') {
            int nd = 0;
            p++;
            while (*p >= '0' && *p <= '9') {
                if (nd < 3) {
                    ms = ms * 10 + (*p - '0');
                    span /= 10;
                }
                nd++;
                p++;
            }
            if (nd == 0)
                return false;
            for (int k = nd; k < 3; k++)
                ms *= 10;
        }
    }
    if (*p == 'Z') {
        p++;
    } else if (*p == '+' || *p == '-') {
        int th = digits(p + 1, 2), tm = p[3] == ':' ? digits(p + 4, 2) : -1;
        if (th < 0 || th > 14 || tm < 0 || tm > 59)
            return false;
        tz = ((int64_t)th * 60 + tm) * 60000 * (*p == '-' ? -1 : 1);
        p += 6;
    }
    if (*p)
        return false;
    *lo = (int64_t)pp_day_from_ymd(y, mo, da) * 86400000 + (int64_t)h * 3600000 +
          (int64_t)mi * 60000 + (int64_t)se * 1000 + ms - tz;
    *hi = *lo + span - 1;
    return true;
}

void pp_search_date_format(int64_t ms, char out[32])
{
    int64_t days = ms >= 0 ? ms / 86400000 : -((-ms + 86400000 - 1) / 86400000);
    int64_t rest = ms - days * 86400000;
    int y, mo, da;
    pp_day_to_ymd((pp_day)days, &y, &mo, &da);
    snprintf(out, 32, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", y % 10000, mo, da,
             (int)(rest / 3600000), (int)(rest / 60000 % 60), (int)(rest / 1000 % 60),
             (int)(rest % 1000));
}

/* ---- strings ---- */

char *pp_search_string_norm(const char *s)
{
    /* U+00C0..U+00FF without their accents, lower-cased ('*' keeps the letter as is) */
    static const char latin1[] = "aaaaaa*ceeeeiiiidnooooo*ouuuuy**"
                                 "aaaaaa*ceeeeiiiidnooooo*ouuuuy*y";
    size_t n = strlen(s);
    char *out = pp_xmalloc(n + 1);
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 'A' && c <= 'Z') {
            out[o++] = (char)(c - 'A' + 'a');
        } else if (c == 0xC3 && i + 1 < n && (unsigned char)s[i + 1] >= 0x80 &&
                   (unsigned char)s[i + 1] <= 0xBF) {
            char base = latin1[(unsigned char)s[i + 1] - 0x80];
            if (base == '*') {
                out[o++] = s[i];
                out[o++] = s[i + 1];
            } else {
                out[o++] = base;
            }
            i++;
        } else {
            out[o++] = (char)c;
        }
    }
    out[o] = '\0';
    return out;
}

/* ---- references ---- */

bool pp_search_ref_norm(const char *ref, char *out, size_t cap)
{
    const char *end, *slash, *type;
    size_t tl, il;
    char id[PP_STORE_ID_MAX + 1], t[PP_STORE_TYPE_MAX + 1];
    if (!ref || !*ref || ref[0] == '#')
        return false;
    end = strstr(ref, "/_history/");
    if (!end)
        end = ref + strcspn(ref, "?#");
    if (end == ref)
        return false;
    slash = end - 1;
    while (slash > ref && *slash != '/')
        slash--;
    if (*slash != '/')
        return false;
    il = (size_t)(end - slash - 1);
    type = slash - 1;
    while (type > ref && type[-1] != '/')
        type--;
    if (slash == ref)
        return false;
    tl = (size_t)(slash - type);
    if (il == 0 || il > PP_STORE_ID_MAX || tl == 0 || tl > PP_STORE_TYPE_MAX)
        return false;
    memcpy(id, slash + 1, il);
    id[il] = '\0';
    memcpy(t, type, tl);
    t[tl] = '\0';
    if (t[0] < 'A' || t[0] > 'Z' || !pp_store_valid_type(t) || !pp_store_valid_id(id))
        return false;
    snprintf(out, cap, "%s/%s", t, id);
    return true;
}
