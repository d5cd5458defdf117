/*
 * rbac.c — may this caller do this (http/auth.h, http/rbac.h): the role table as data (deny
 * by default, a deny row wins), the resource-type classes, token scopes, the patient
 * compartment, the care team and break-glass. Never trusts the request for who is calling:
 * only the principal pp_http_authenticate filled.
 */
#include "http/rbac.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "http/handlers.h"
#include "http/routes.h"
#include "store/search_params.h"
#include "util/json.h"

/* ---- the table ---- */

#define FD PP_ROLE_FRONT_DESK
#define NU PP_ROLE_NURSE
#define PH PP_ROLE_PHYSICIAN
#define AD PP_ROLE_ADMIN
#define PT PP_ROLE_PATIENT
#define IN PP_ROLE_INTEGRATION
#define R PP_RBAC_READ
#define W PP_RBAC_WRITE
#define ALLOW(c, a, r)                                                                             \
    {                                                                                              \
        c, a, r, PP_RBAC_ALLOW, NULL                                                               \
    }
#define DENY(c, a, r)                                                                              \
    {                                                                                              \
        c, a, r, PP_RBAC_DENY, NULL                                                                \
    }
#define SCOPE(c, a, s)                                                                             \
    {                                                                                              \
        c, a, IN, PP_RBAC_ALLOW, s                                                                 \
    }

/* Classes, in the order docs print them. Route classes "fhir" and "operation" resolve to a
 * resource-type class (and "operation" also to its own row); "public" needs nobody. */
static const char *const classes[] = {
    "public",    "session", "directory",   "availability", "demographics", "scheduling", "referral",
    "care-team", "intake",  "observation", "clinical",     "operation",    "decision",   "cds",
    "export",    "metrics", "audit",       "access-log",   "break-glass",  NULL,
};

static const struct pp_rbac_rule rules[] = {
    /* public: /healthz, /fhir/metadata, /auth/login */
    ALLOW("public", R, PP_ROLE_NONE),
    ALLOW("public", W, PP_ROLE_NONE),
    ALLOW("public", R, FD),
    ALLOW("public", W, FD),
    ALLOW("public", R, NU),
    ALLOW("public", W, NU),
    ALLOW("public", R, PH),
    ALLOW("public", W, PH),
    ALLOW("public", R, AD),
    ALLOW("public", W, AD),
    ALLOW("public", R, PT),
    ALLOW("public", W, PT),
    ALLOW("public", R, IN),
    ALLOW("public", W, IN),
    /* session: anyone signed in (/auth/session, /auth/logout) */
    ALLOW("session", R, FD),
    ALLOW("session", W, FD),
    ALLOW("session", R, NU),
    ALLOW("session", W, NU),
    ALLOW("session", R, PH),
    ALLOW("session", W, PH),
    ALLOW("session", R, AD),
    ALLOW("session", W, AD),
    ALLOW("session", R, PT),
    ALLOW("session", W, PT),
    ALLOW("session", R, IN),
    ALLOW("session", W, IN),
    /* directory: Practitioner, PractitionerRole, Organization, Location, HealthcareService */
    ALLOW("directory", R, FD),
    ALLOW("directory", R, NU),
    ALLOW("directory", R, PH),
    ALLOW("directory", R, AD),
    ALLOW("directory", W, AD),
    ALLOW("directory", R, PT),
    SCOPE("directory", R, "fhir:read"),
    SCOPE("directory", W, "fhir:write"),
    /* availability: Schedule, Slot (booking reads them, the front desk keeps them) */
    ALLOW("availability", R, FD),
    ALLOW("availability", W, FD),
    ALLOW("availability", R, NU),
    ALLOW("availability", R, PH),
    ALLOW("availability", W, PH),
    ALLOW("availability", R, AD),
    ALLOW("availability", R, PT),
    SCOPE("availability", R, "fhir:read"),
    SCOPE("availability", W, "fhir:write"),
    /* demographics: Patient, RelatedPerson, Coverage */
    ALLOW("demographics", R, FD),
    ALLOW("demographics", W, FD),
    ALLOW("demographics", R, NU),
    ALLOW("demographics", R, PH),
    ALLOW("demographics", W, PH),
    ALLOW("demographics", R, PT),
    DENY("demographics", R, AD),
    DENY("demographics", W, AD),
    SCOPE("demographics", R, "fhir:read"),
    SCOPE("demographics", W, "fhir:write"),
    /* scheduling: Appointment (a patient books their own) */
    ALLOW("scheduling", R, FD),
    ALLOW("scheduling", W, FD),
    ALLOW("scheduling", R, NU),
    ALLOW("scheduling", R, PH),
    ALLOW("scheduling", W, PH),
    ALLOW("scheduling", R, PT),
    ALLOW("scheduling", W, PT),
    DENY("scheduling", R, AD),
    DENY("scheduling", W, AD),
    SCOPE("scheduling", R, "fhir:read"),
    SCOPE("scheduling", W, "fhir:write"),
    /* referral: ServiceRequest (referral intake) */
    ALLOW("referral", R, FD),
    ALLOW("referral", W, FD),
    ALLOW("referral", R, NU),
    ALLOW("referral", R, PH),
    ALLOW("referral", W, PH),
    ALLOW("referral", R, PT),
    DENY("referral", R, AD),
    DENY("referral", W, AD),
    SCOPE("referral", R, "fhir:read"),
    SCOPE("referral", W, "fhir:write"),
    /* care-team: CareTeam (who treats whom; the front desk assigns) */
    ALLOW("care-team", R, FD),
    ALLOW("care-team", W, FD),
    ALLOW("care-team", R, NU),
    ALLOW("care-team", R, PH),
    ALLOW("care-team", W, PH),
    ALLOW("care-team", R, PT),
    DENY("care-team", R, AD),
    DENY("care-team", W, AD),
    SCOPE("care-team", R, "fhir:read"),
    SCOPE("care-team", W, "fhir:write"),
    /* intake: Questionnaire, QuestionnaireResponse */
    ALLOW("intake", R, NU),
    ALLOW("intake", W, NU),
    ALLOW("intake", R, PH),
    ALLOW("intake", W, PH),
    ALLOW("intake", R, PT),
    ALLOW("intake", W, PT),
    DENY("intake", R, FD),
    DENY("intake", W, FD),
    DENY("intake", R, AD),
    DENY("intake", W, AD),
    SCOPE("intake", R, "fhir:read"),
    SCOPE("intake", W, "fhir:write"),
    /* observation: vitals, scores, procedure diaries */
    ALLOW("observation", R, NU),
    ALLOW("observation", W, NU),
    ALLOW("observation", R, PH),
    ALLOW("observation", W, PH),
    ALLOW("observation", R, PT),
    DENY("observation", R, FD),
    DENY("observation", W, FD),
    DENY("observation", R, AD),
    DENY("observation", W, AD),
    SCOPE("observation", R, "fhir:read"),
    SCOPE("observation", W, "fhir:write"),
    /* clinical: notes, conditions, procedures, medications, plans, results, ... */
    ALLOW("clinical", R, NU),
    ALLOW("clinical", R, PH),
    ALLOW("clinical", W, PH),
    ALLOW("clinical", R, PT),
    DENY("clinical", R, FD),
    DENY("clinical", W, FD),
    DENY("clinical", R, AD),
    DENY("clinical", W, AD),
    SCOPE("clinical", R, "fhir:read"),
    SCOPE("clinical", W, "fhir:write"),
    /* operation: workflow operations that report ($mme, $evaluate, $block-report,
     * $qualification, $triage); decision: those that propose care ($care-plan, $eligibility) */
    ALLOW("operation", R, NU),
    ALLOW("operation", R, PH),
    DENY("operation", R, FD),
    DENY("operation", R, AD),
    DENY("operation", R, PT),
    SCOPE("operation", R, "ops"),
    ALLOW("decision", R, PH),
    DENY("decision", R, FD),
    DENY("decision", R, AD),
    DENY("decision", R, PT),
    SCOPE("decision", R, "ops"),
    /* cds: CDS Hooks services and their feedback */
    ALLOW("cds", R, PH),
    ALLOW("cds", W, PH),
    DENY("cds", R, FD),
    DENY("cds", W, FD),
    DENY("cds", R, PT),
    DENY("cds", W, PT),
    SCOPE("cds", R, "cds"),
    SCOPE("cds", W, "cds"),
    /* export: bulk $export (kick-off, status, files, cancel) */
    ALLOW("export", R, AD),
    ALLOW("export", W, AD),
    SCOPE("export", R, "export"),
    SCOPE("export", W, "export"),
    /* metrics */
    ALLOW("metrics", R, AD),
    SCOPE("metrics", R, "metrics"),
    /* audit: AuditEvent (the trail is never written through the API) */
    ALLOW("audit", R, AD),
    SCOPE("audit", R, "audit:read"),
    DENY("audit", W, FD),
    DENY("audit", W, NU),
    DENY("audit", W, PH),
    DENY("audit", W, AD),
    DENY("audit", W, PT),
    DENY("audit", W, IN),
    /* access-log: Patient/{id}/$access-log (a patient's own) */
    ALLOW("access-log", R, AD),
    ALLOW("access-log", R, PT),
    SCOPE("access-log", R, "audit:read"),
    /* break-glass: a clinician opens a record outside their care team, with a reason */
    ALLOW("break-glass", W, PH),
    ALLOW("break-glass", W, NU),
    DENY("break-glass", W, PT),
    DENY("break-glass", W, IN),
};

const struct pp_rbac_rule *pp_rbac_rules(size_t *n)
{
    *n = sizeof(rules) / sizeof(rules[0]);
    return rules;
}

const char *const *pp_rbac_classes(void)
{
    return classes;
}

static const char *const route_classes[] = {
    "public",  "session", "fhir",       "operation",   "cds", "export",
    "metrics", "audit",   "access-log", "break-glass", NULL,
};

const char *const *pp_rbac_route_classes(void)
{
    return route_classes;
}

bool pp_rbac_route_class_known(const char *cls)
{
    for (size_t i = 0; cls && route_classes[i]; i++)
        if (strcmp(route_classes[i], cls) == 0)
            return true;
    return false;
}

static const struct {
    const char *type;
    const char *cls;
} type_classes[] = {
    {"Appointment", "scheduling"},      {"AuditEvent", "audit"},
    {"CareTeam", "care-team"},          {"Coverage", "demographics"},
    {"HealthcareService", "directory"}, {"Location", "directory"},
    {"Organization", "directory"},      {"Patient", "demographics"},
    {"Practitioner", "directory"},      {"PractitionerRole", "directory"},
    {"Questionnaire", "intake"},        {"QuestionnaireResponse", "intake"},
    {"RelatedPerson", "demographics"},  {"Schedule", "availability"},
    {"ServiceRequest", "referral"},     {"Slot", "availability"},
    {"Observation", "observation"},
};

const char *pp_rbac_type_class(const char *type)
{
    for (size_t i = 0; type && i < sizeof(type_classes) / sizeof(type_classes[0]); i++)
        if (strcmp(type_classes[i].type, type) == 0)
            return type_classes[i].cls;
    return "clinical";
}

/* Does the scope item (len bytes) grant `item` on `type`? */
static bool item_grants(const char *it, size_t len, const char *item, const char *type)
{
    size_t il = strlen(item);
    if (len == 1 && it[0] == '*')
        return true;
    if (len == il && memcmp(it, item, il) == 0)
        return true;
    /* "fhir:read:T1,T2" grants "fhir:read" on those types only */
    if (type && len > il + 1 && memcmp(it, item, il) == 0 && it[il] == ':' &&
        strncmp(item, "fhir:", 5) == 0) {
        const char *t = it + il + 1, *end = it + len;
        size_t tl = strlen(type);
        while (t < end) {
            const char *comma = memchr(t, ',', (size_t)(end - t));
            size_t n = comma ? (size_t)(comma - t) : (size_t)(end - t);
            if (n == tl && memcmp(t, type, tl) == 0)
                return true;
            if (!comma)
                break;
            t = comma + 1;
        }
    }
    return false;
}

bool pp_rbac_scope_grants(const char *scope, const char *item, const char *type)
{
    const char *p = scope;
    if (!scope || !item)
        return false;
    while (*p) {
        size_t len;
        while (*p == ' ')
            p++;
        len = strcspn(p, " ");
        if (len && item_grants(p, len, item, type))
            return true;
        p += len;
    }
    return false;
}

bool pp_rbac_decide(const struct pp_rbac_rule *t, size_t n, const char *cls, enum pp_rbac_action a,
                    enum pp_role role, const char *scope, const char *type)
{
    bool allow = false;
    for (size_t i = 0; i < n; i++) {
        if (t[i].role != role || t[i].action != a || strcmp(t[i].cls, cls) != 0)
            continue;
        if (t[i].scope && !pp_rbac_scope_grants(scope, t[i].scope, type))
            continue;
        if (t[i].effect == PP_RBAC_DENY)
            return false; /* a deny row wins over any allow row */
        allow = true;
    }
    return allow;
}

bool pp_rbac_may(const struct pp_http_principal *who, const char *cls, enum pp_rbac_action a,
                 const char *type)
{
    enum pp_role role = who && who->authenticated ? who->role : PP_ROLE_NONE;
    return pp_rbac_decide(rules, sizeof(rules) / sizeof(rules[0]), cls, a, role,
                          who ? who->scope : NULL, type);
}

void pp_rbac_table_markdown(struct pp_buf *b)
{
    static const enum pp_role roles[] = {PP_ROLE_NONE,       PP_ROLE_FRONT_DESK, PP_ROLE_NURSE,
                                         PP_ROLE_PHYSICIAN,  PP_ROLE_ADMIN,      PP_ROLE_PATIENT,
                                         PP_ROLE_INTEGRATION};
    const size_t nr = sizeof(roles) / sizeof(roles[0]);
    pp_buf_adds(b, "| class | action |");
    for (size_t r = 0; r < nr; r++)
        pp_buf_addf(b, " %s |", r == 0 ? "anonymous" : pp_role_name(roles[r]));
    pp_buf_adds(b, "\n|---|---|");
    for (size_t r = 0; r < nr; r++)
        pp_buf_adds(b, "---|");
    pp_buf_adds(b, "\n");
    for (size_t c = 0; classes[c]; c++) {
        for (int a = 0; a < 2; a++) {
            bool any = false;
            for (size_t i = 0; i < sizeof(rules) / sizeof(rules[0]); i++)
                any |= rules[i].action == (enum pp_rbac_action)a &&
                       strcmp(rules[i].cls, classes[c]) == 0;
            if (!any)
                continue;
            pp_buf_addf(b, "| %s | %s |", classes[c], a == 0 ? "read" : "write");
            for (size_t r = 0; r < nr; r++) {
                const char *cell = "";
                bool scoped = false;
                for (size_t i = 0; i < sizeof(rules) / sizeof(rules[0]); i++) {
                    const struct pp_rbac_rule *x = &rules[i];
                    if (x->role != roles[r] || x->action != (enum pp_rbac_action)a ||
                        strcmp(x->cls, classes[c]) != 0)
                        continue;
                    if (x->effect == PP_RBAC_DENY) {
                        cell = "**deny**";
                        break;
                    }
                    cell = x->scope ? x->scope : "allow";
                    scoped = x->scope != NULL;
                }
                if (scoped)
                    pp_buf_addf(b, " `%s` |", cell);
                else
                    pp_buf_addf(b, " %s |", cell);
            }
            pp_buf_adds(b, "\n");
        }
    }
}

/* ---- the patient rule ---- */

/* The current UTC time as the store writes times ("2026-11-27T11:46:40.000Z"), plus `secs`. */
static void iso_now(char out[32], long secs)
{
    time_t t = time(NULL) + secs;
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, 32, "%Y-%m-%dT%H:%M:%S.000Z", &tm);
}

bool pp_rbac_view(const struct pp_http_principal *who, struct pp_rbac_view *v)
{
    memset(v, 0, sizeof(*v));
    if (!who || !who->authenticated)
        return true; /* nobody: nothing but patient-less resources */
    switch (who->role) {
    case PP_ROLE_PATIENT: v->access.patient = who->patient[0] ? who->patient : NULL; return true;
    case PP_ROLE_PHYSICIAN:
    case PP_ROLE_NURSE:
        if (who->practitioner[0]) {
            snprintf(v->practitioner, sizeof(v->practitioner), "Practitioner/%s",
                     who->practitioner);
            v->access.practitioner = v->practitioner;
        }
        v->access.user_id = who->user_id;
        iso_now(v->now, 0);
        v->access.now = v->now;
        return true;
    default: return false;
    }
}

void pp_rbac_patient_of(const char *type, const cJSON *body, const char *meta_patient,
                        char out[PP_STORE_ID_MAX + 1])
{
    const cJSON *p;
    out[0] = '\0';
    if (meta_patient && meta_patient[0]) {
        snprintf(out, PP_STORE_ID_MAX + 1, "%s", meta_patient);
        return;
    }
    if (!body)
        return;
    pp_store_patient_of(type, body, out);
    if (out[0] || strcmp(type, "Appointment") != 0)
        return;
    /* an Appointment's patient is a participant's actor */
    cJSON_ArrayForEach(p, pp_json_arr(body, "participant"))
    {
        const char *ref = pp_json_str(pp_json_obj(p, "actor"), "reference");
        const char *at = ref ? strstr(ref, "Patient/") : NULL;
        if (at && (at == ref || at[-1] == '/') && pp_store_valid_id(at + 8)) {
            snprintf(out, PP_STORE_ID_MAX + 1, "%s", at + 8);
            return;
        }
    }
}

/* Resources without a patient that the patient role reads: the directory, the schedules,
 * the forms it fills in. */
static bool patientless_public(const char *type)
{
    const char *cls = pp_rbac_type_class(type);
    return strcmp(cls, "directory") == 0 || strcmp(cls, "availability") == 0 ||
           strcmp(type, "Questionnaire") == 0;
}

enum pp_err pp_rbac_patient_ok(struct pp_store *s, const struct pp_http_principal *who,
                               const char *type, const char *patient, bool write, bool *ok,
                               bool *grant, struct pp_diag *d)
{
    struct pp_rbac_view v;
    enum pp_err rc;
    *ok = true;
    *grant = false;
    if (!pp_rbac_view(who, &v))
        return PP_OK;
    if (!patient || !patient[0]) {
        /* staff see patient-less resources by class; a patient only the public ones */
        if (who->authenticated && who->role == PP_ROLE_PATIENT)
            *ok = !write && patientless_public(type);
        return PP_OK;
    }
    if (!who->authenticated || who->role == PP_ROLE_PATIENT) {
        *ok = v.access.patient && strcmp(v.access.patient, patient) == 0;
        return PP_OK;
    }
    /* Appointments are the clinic's schedule: clinicians book for any patient */
    if (strcmp(type, "Appointment") == 0)
        return PP_OK;
    /* the care team first; a grant only when the team does not open it */
    {
        struct pp_store_access team = v.access;
        team.user_id = 0;
        if ((rc = pp_store_access_allows(s, &team, patient, ok, d)) != PP_OK || *ok)
            return rc;
    }
    if (v.access.user_id > 0) {
        struct pp_store_access glass = v.access;
        glass.practitioner = NULL;
        if ((rc = pp_store_access_allows(s, &glass, patient, ok, d)) != PP_OK)
            return rc;
        *grant = *ok;
    }
    return PP_OK;
}

void pp_rbac_deny(struct pp_http_response *res, const char *type, const char *id,
                  const char *patient, const char *what)
{
    pp_http_outcome(res, 403, "forbidden", "", what);
    snprintf(res->audit.action, sizeof(res->audit.action), "denied");
    snprintf(res->audit.type, sizeof(res->audit.type), "%s", type ? type : "");
    snprintf(res->audit.id, sizeof(res->audit.id), "%s", id ? id : "");
    snprintf(res->audit.patient, sizeof(res->audit.patient), "%s", patient ? patient : "");
}

/* The patient of stored type/id into patient; *found false when it is not there (nor was:
 * a deleted resource keeps its patient). */
static enum pp_err stored_patient(struct pp_store *s, const char *type, const char *id, bool *found,
                                  char patient[PP_STORE_ID_MAX + 1], struct pp_diag *d)
{
    struct pp_store_meta m;
    char *body = NULL;
    cJSON *json = NULL;
    enum pp_err rc;

    patient[0] = '\0';
    *found = true;
    if (strcmp(type, "Patient") == 0) {
        snprintf(patient, PP_STORE_ID_MAX + 1, "%s", id);
        return PP_OK;
    }
    memset(&m, 0, sizeof(m));
    rc = pp_store_read(s, type, id, &body, &m, d);
    if (rc == PP_ERR_NOT_FOUND) {
        *found = m.deleted && m.patient[0];
        snprintf(patient, PP_STORE_ID_MAX + 1, "%s", m.patient);
        return PP_OK;
    }
    if (rc)
        return rc;
    if (!m.patient[0] && body && pp_json_parse(body, strlen(body), "resource", &json, d) != PP_OK)
        json = NULL;
    pp_rbac_patient_of(type, json, m.patient, patient);
    cJSON_Delete(json);
    free(body);
    return PP_OK;
}

/* Outcome of a patient check. */
enum verdict { V_OK, V_GRANT, V_DENY, V_ERROR };

/* May who touch stored type/id (write: change it)? A patient-role caller is refused alike
 * whether the resource is another patient's or not there at all, so that a refusal never
 * tells whether it exists; staff get the handler's 404 for a missing one. */
static enum verdict check_stored(struct pp_store *s, const struct pp_http_principal *who,
                                 const char *type, const char *id, bool write,
                                 char patient[PP_STORE_ID_MAX + 1], struct pp_diag *d)
{
    struct pp_rbac_view v;
    bool found, ok, grant;
    if (!pp_rbac_view(who, &v))
        return V_OK;
    if (stored_patient(s, type, id, &found, patient, d) != PP_OK)
        return V_ERROR;
    if (!found)
        return who->role == PP_ROLE_PATIENT && !write ? V_DENY : V_OK;
    if (pp_rbac_patient_ok(s, who, type, patient, write, &ok, &grant, d) != PP_OK)
        return V_ERROR;
    return !ok ? V_DENY : grant ? V_GRANT : V_OK;
}

/* May who write `body` (a resource of type)? */
static enum verdict check_body(struct pp_store *s, const struct pp_http_principal *who,
                               const char *type, const cJSON *body,
                               char patient[PP_STORE_ID_MAX + 1], struct pp_diag *d)
{
    struct pp_rbac_view v;
    bool ok, grant;
    patient[0] = '\0';
    if (!pp_rbac_view(who, &v))
        return V_OK;
    pp_rbac_patient_of(type, body, NULL, patient);
    if (pp_rbac_patient_ok(s, who, type, patient, true, &ok, &grant, d) != PP_OK)
        return V_ERROR;
    return !ok ? V_DENY : grant ? V_GRANT : V_OK;
}

/* ---- search, includes, Bundle entries ---- */

bool pp_rbac_search_scope(const struct pp_http_request *req, struct pp_store_query *q,
                          struct pp_rbac_view *v, struct pp_http_response *res)
{
    const struct pp_http_principal *who = req->who;
    struct pp_diag d;
    char ref[PP_STORE_ID_MAX + 16];
    enum pp_err rc = PP_OK;

    pp_diag_clear(&d);
    if (!who || !pp_rbac_view(who, v))
        return true; /* no principal: an in-process caller, not through the server's gate */
    q->access = &v->access;
    if (who->role != PP_ROLE_PATIENT)
        return true;
    /* the patient compartment: the caller's own, whatever else the search asks */
    if (!v->access.patient) {
        if (!patientless_public(q->type)) {
            pp_rbac_deny(res, q->type, "", "", "no patient record is linked to this account");
            return false;
        }
        return true;
    }
    if (strcmp(q->type, "Patient") == 0) {
        rc = pp_store_query_param(q, "_id", v->access.patient, &d);
    } else if (pp_search_param_find(q->type, "patient") &&
               strcmp(pp_rbac_type_class(q->type), "audit") != 0) {
        snprintf(ref, sizeof(ref), "Patient/%s", v->access.patient);
        rc = pp_store_query_param(q, "patient", ref, &d);
    } else if (!patientless_public(q->type)) {
        pp_rbac_deny(res, q->type, "", v->access.patient,
                     "this resource type is outside the patient's own record");
        return false;
    }
    if (rc) {
        pp_http_fail(res, rc, &d);
        return false;
    }
    return true;
}

bool pp_rbac_may_include(const struct pp_http_request *req, struct pp_store *s,
                         const struct pp_store_resource *r)
{
    char patient[PP_STORE_ID_MAX + 1];
    cJSON *json = NULL;
    struct pp_diag d;
    bool ok = false, grant;

    pp_diag_clear(&d);
    if (!pp_rbac_may(req->who, pp_rbac_type_class(r->meta.type), PP_RBAC_READ, r->meta.type))
        return false;
    if (!r->meta.patient[0] && r->body &&
        pp_json_parse(r->body, r->len, "resource", &json, &d) != PP_OK)
        json = NULL;
    pp_rbac_patient_of(r->meta.type, json, r->meta.patient, patient);
    cJSON_Delete(json);
    if (pp_rbac_patient_ok(s, req->who, r->meta.type, patient, false, &ok, &grant, &d) != PP_OK)
        return false;
    return ok;
}

unsigned pp_rbac_entry_status(const struct pp_http_request *req, struct pp_store *s,
                              const char *method, const char *type, const char *id,
                              const cJSON *resource, struct pp_diag *d)
{
    char patient[PP_STORE_ID_MAX + 1];
    bool write = strcmp(method, "GET") != 0;
    enum verdict v;
    if (!pp_rbac_may(req->who, pp_rbac_type_class(type), write ? PP_RBAC_WRITE : PP_RBAC_READ,
                     type)) {
        pp_diag_set(d, PP_ERR_INPUT, "request.url", "this role may not %s %s",
                    write ? "write" : "read", type);
        return 403;
    }
    if (id && id[0]) {
        if ((v = check_stored(s, req->who, type, id, write, patient, d)) == V_ERROR)
            return 500;
        if (v == V_DENY) {
            pp_diag_set(d, PP_ERR_INPUT, "request.url", "not permitted for this patient's record");
            return 403;
        }
    }
    if (resource && (strcmp(method, "POST") == 0 || strcmp(method, "PUT") == 0)) {
        if ((v = check_body(s, req->who, type, resource, patient, d)) == V_ERROR)
            return 500;
        if (v == V_DENY) {
            pp_diag_set(d, PP_ERR_INPUT, "resource", "not permitted for this patient's record");
            return 403;
        }
    }
    return 0;
}

/* ---- the gate ---- */

/* Workflow operations: the row they need ("operation", "decision"; NULL: only the class of
 * what they read) and the class of what they read. */
static const struct {
    const char *name;
    const char *gate;
    const char *reads;
} ops[] = {
    {"$mme", "operation", "clinical"},          {"$evaluate", "operation", "clinical"},
    {"$block-report", "operation", "clinical"}, {"$qualification", "operation", "directory"},
    {"$triage", "operation", "referral"},       {"$care-plan", "decision", "clinical"},
    {"$eligibility", "decision", "clinical"},   {"$next-available", NULL, "availability"},
    {"$access-log", NULL, "access-log"},
};

/* The resource type of an operation route ("/fhir/Patient/{rid}/$mme" -> Patient). */
static void op_type(const char *path, char out[PP_STORE_TYPE_MAX + 1])
{
    const char *t = strncmp(path, "/fhir/", 6) == 0 ? path + 6 : "";
    size_t n = strcspn(t, "/");
    if (n > PP_STORE_TYPE_MAX || t[0] == '$')
        n = 0;
    memcpy(out, t, n);
    out[n] = '\0';
}

static void forbid_role(struct pp_http_response *res, const char *type)
{
    pp_rbac_deny(res, type, "", "", "this role may not use this endpoint");
}

/* Answer by the verdict of a patient check; true to go on. */
static bool verdict_answer(enum verdict v, struct pp_http_response *res, const char *type,
                           const char *id, const char *patient, const struct pp_diag *d)
{
    if (v == V_ERROR) {
        pp_http_fail(res, PP_ERR_IO, d);
        return false;
    }
    if (v == V_DENY) {
        pp_rbac_deny(res, type, id, patient, "not permitted for this patient's record");
        return false;
    }
    if (v == V_GRANT)
        res->break_glass = true;
    return true;
}

static bool authorize_fhir(const struct pp_http_request *req, const struct pp_http_principal *who,
                           struct pp_http_response *res, enum pp_rbac_action a)
{
    const char *type = req->param;
    struct pp_store *s;
    struct pp_diag d;
    char patient[PP_STORE_ID_MAX + 1];
    enum verdict v = V_OK;
    struct pp_rbac_view view;

    pp_diag_clear(&d);
    if (!type[0])
        return true; /* POST /fhir: every entry is checked by the Bundle handler */
    if (!pp_rbac_may(who, pp_rbac_type_class(type), a, type)) {
        forbid_role(res, type);
        return false;
    }
    if (!pp_rbac_view(who, &view))
        return true;
    if (pp_http_store(req, &s, &d) != PP_OK)
        return true; /* the handler answers the store's failure */
    if (req->param2[0]) {
        v = check_stored(s, who, type, req->param2, a == PP_RBAC_WRITE, patient, &d);
        if (!verdict_answer(v, res, type, req->param2, patient, &d))
            return false;
    }
    if (a == PP_RBAC_WRITE && req->body_len && strcmp(req->method, "DELETE") != 0) {
        cJSON *body = NULL;
        if (pp_json_parse(req->body, req->body_len, "body", &body, &d) != PP_OK)
            return true; /* the handler answers the malformed body */
        v = check_body(s, who, type, body, patient, &d);
        cJSON_Delete(body);
        if (!verdict_answer(v, res, type, req->param2, patient, &d))
            return false;
    }
    return true;
}

static bool authorize_op(const struct pp_http_request *req, const struct pp_http_principal *who,
                         struct pp_http_response *res)
{
    const char *name = strrchr(req->route->path, '$');
    char type[PP_STORE_TYPE_MAX + 1], patient[PP_STORE_ID_MAX + 1];
    struct pp_store *s;
    struct pp_diag d;
    struct pp_rbac_view view;

    pp_diag_clear(&d);
    op_type(req->route->path, type);
    for (size_t i = 0; name && i < sizeof(ops) / sizeof(ops[0]); i++) {
        if (strcmp(ops[i].name, name) != 0)
            continue;
        /* a token's `ops` scope is the operation's grant by itself (as `cds` is a CDS
         * service's); a user's role also needs read of what the operation reads */
        bool reads = ops[i].gate && who->role == PP_ROLE_INTEGRATION
                         ? true
                         : pp_rbac_may(who, ops[i].reads, PP_RBAC_READ, type);
        if ((ops[i].gate && !pp_rbac_may(who, ops[i].gate, PP_RBAC_READ, type)) || !reads) {
            forbid_role(res, type);
            return false;
        }
        /* an instance operation reads that resource's patient's record */
        if (!strstr(req->route->path, "{rid}") || !pp_rbac_view(who, &view) ||
            pp_http_store(req, &s, &d) != PP_OK)
            return true;
        return verdict_answer(check_stored(s, who, type, req->param, false, patient, &d), res, type,
                              req->param, patient, &d);
    }
    forbid_role(res, type); /* an operation the table does not know: nobody */
    return false;
}

/* CDS Hooks: the role, then the patient the hook names (prefetch may come from the store). */
static bool authorize_cds(const struct pp_http_request *req, const struct pp_http_principal *who,
                          struct pp_http_response *res, enum pp_rbac_action a)
{
    cJSON *body = NULL;
    struct pp_store *s;
    struct pp_diag d;
    struct pp_rbac_view view;
    bool ok = true, grant = false;
    const char *patient;

    pp_diag_clear(&d);
    if (!pp_rbac_may(who, "cds", a, NULL)) {
        forbid_role(res, "");
        return false;
    }
    if (!req->body_len || !pp_rbac_view(who, &view) || pp_http_store(req, &s, &d) != PP_OK)
        return true;
    if (pp_json_parse(req->body, req->body_len, "body", &body, &d) != PP_OK)
        return true; /* the handler answers */
    patient = pp_json_str(pp_json_obj(body, "context"), "patientId");
    if (patient && pp_store_valid_id(patient) &&
        pp_rbac_patient_ok(s, who, "Patient", patient, false, &ok, &grant, &d) == PP_OK && !ok) {
        pp_rbac_deny(res, "Patient", patient, patient, "not permitted for this patient's record");
        cJSON_Delete(body);
        return false;
    }
    res->break_glass = grant;
    cJSON_Delete(body);
    return true;
}

bool pp_http_authorize(const struct pp_http_request *req, const struct pp_http_principal *who,
                       struct pp_http_response *res)
{
    const char *cls = req->route->role;
    enum pp_rbac_action a = strcmp(req->method, "GET") == 0 || strcmp(req->method, "HEAD") == 0
                                ? PP_RBAC_READ
                                : PP_RBAC_WRITE;

    if (strcmp(cls, "public") == 0)
        return true;
    if (!who->authenticated) {
        pp_http_outcome(res, 401, "login", "", "sign in (session cookie) or send a bearer token");
        if (!res->www_authenticate)
            res->www_authenticate = "Bearer realm=\"painpath\"";
        return false;
    }
    if (strcmp(cls, "fhir") == 0)
        return authorize_fhir(req, who, res, a);
    if (strchr(req->route->path, '$') &&
        (strcmp(cls, "operation") == 0 || strcmp(cls, "audit") == 0 ||
         strcmp(cls, "access-log") == 0))
        return authorize_op(req, who, res);
    if (strcmp(cls, "cds") == 0)
        return authorize_cds(req, who, res, a);
    if (!pp_rbac_route_class_known(cls) || !pp_rbac_may(who, cls, a, NULL)) {
        forbid_role(res, "");
        return false;
    }
    return true;
}

/* ---- break-glass ---- */

void pp_http_handle_break_glass(const struct pp_http_request *req, struct pp_http_response *res)
{
    const struct pp_http_principal *who = req->who;
    struct pp_security defaults;
    const struct pp_security *sec = req->env->security;
    struct pp_store *s;
    struct pp_store_meta m;
    struct pp_diag d;
    cJSON *body = NULL;
    const char *patient, *reason;
    char expires[32], *stored = NULL;
    enum pp_err rc;

    pp_diag_clear(&d);
    if (!sec) {
        pp_security_defaults(&defaults);
        sec = &defaults;
    }
    if ((rc = pp_json_parse(req->body, req->body_len, "body", &body, &d)) != PP_OK) {
        pp_http_fail(res, rc, &d);
        return;
    }
    patient = pp_json_str(body, "patient");
    reason = pp_json_str(body, "reason");
    if (!patient || !pp_store_valid_id(patient)) {
        pp_http_outcome(res, 400, "required", "patient", "name the Patient id to open");
        goto out;
    }
    if (!reason || reason[strspn(reason, " \t\r\n")] == '\0') {
        pp_http_outcome(res, 400, "required", "reason",
                        "break-glass needs a reason (it is kept in the audit trail)");
        goto out;
    }
    if (strlen(reason) > 255) {
        pp_http_outcome(res, 400, "invalid", "reason", "the reason is at most 255 bytes");
        goto out;
    }
    if (!who || who->user_id <= 0) {
        pp_rbac_deny(res, "Patient", patient, patient, "break-glass needs a signed-in user");
        goto out;
    }
    if ((rc = pp_http_store(req, &s, &d)) != PP_OK) {
        pp_http_fail(res, rc, &d);
        goto out;
    }
    memset(&m, 0, sizeof(m));
    rc = pp_store_read(s, "Patient", patient, &stored, &m, &d);
    free(stored);
    if (rc == PP_ERR_NOT_FOUND) {
        pp_http_outcome(res, 404, "not-found", "patient", "no such Patient");
        goto out;
    }
    iso_now(expires, (long)sec->break_glass_minutes * 60);
    if (rc == PP_OK)
        rc = pp_store_break_glass_add(s, who->user_id, patient, reason, expires, &d);
    if (rc) {
        pp_http_fail(res, rc, &d);
        goto out;
    }
    res->status = 201;
    res->break_glass = true;
    snprintf(res->audit.action, sizeof(res->audit.action), "break-glass");
    snprintf(res->audit.type, sizeof(res->audit.type), "Patient");
    snprintf(res->audit.id, sizeof(res->audit.id), "%s", patient);
    snprintf(res->audit.patient, sizeof(res->audit.patient), "%s", patient);
    snprintf(res->audit.reason, sizeof(res->audit.reason), "%s", reason);
    pp_buf_adds(&res->body, "{\"patient\": ");
    pp_buf_add_json_str(&res->body, patient);
    pp_buf_adds(&res->body, ", \"expires\": ");
    pp_buf_add_json_str(&res->body, expires);
    pp_buf_addf(&res->body, ", \"minutes\": %d}\n", sec->break_glass_minutes);
out:
    cJSON_Delete(body);
}
