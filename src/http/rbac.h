/*
 * rbac.h — who may do what, as data: the role table (route class x action x role ->
 * allow / deny, deny by default, a deny row beats an allow row), the resource-type classes,
 * the integration token scopes, and the patient rule (a patient sees their own record, a
 * physician or nurse the patients of their care team or of an active break-glass grant).
 * The server's gate (pp_http_authorize, http/auth.h) and the REST handlers call it; docs
 * print the table (pp_rbac_table_markdown) and a test compares it with docs/SECURITY.md.
 */
#ifndef PP_HTTP_RBAC_H
#define PP_HTTP_RBAC_H

#include <stdbool.h>
#include <stddef.h>

#include <cjson/cJSON.h>

#include "http/auth.h"
#include "http/http.h"
#include "store/accounts.h"
#include "store/store.h"
#include "util/buf.h"

enum pp_rbac_action { PP_RBAC_READ, PP_RBAC_WRITE };
enum pp_rbac_effect { PP_RBAC_ALLOW = 1, PP_RBAC_DENY };

/* One row of the role table. An integration row applies only when the token's scope holds
 * `scope` (pp_rbac_scope_grants); other roles' rows have scope NULL. */
struct pp_rbac_rule {
    const char *cls; /* a class of pp_rbac_classes() */
    enum pp_rbac_action action;
    enum pp_role role;
    enum pp_rbac_effect effect;
    const char *scope;
};

/* The table (static), and the classes it speaks of, in display order (NULL-terminated). */
const struct pp_rbac_rule *pp_rbac_rules(size_t *n);
const char *const *pp_rbac_classes(void);

/* The route classes routes.c may name in a route's `access` (NULL-terminated). */
const char *const *pp_rbac_route_classes(void);
/* True when `cls` is one of them. */
bool pp_rbac_route_class_known(const char *cls);

/* The class of a resource type ("directory", "demographics", ..., "clinical" for every
 * type not named otherwise). Static. */
const char *pp_rbac_type_class(const char *type);

/*
 * May a token of scope `scope` use `item` ("fhir:read", "ops", ...) on resource type `type`
 * (NULL: no type)? Items: `*` (all), `cds`, `fhir:read`, `fhir:write`, `fhir:read:T1,T2`,
 * `fhir:write:T`, `ops`, `export`, `metrics`, `audit:read`, separated by spaces.
 */
bool pp_rbac_scope_grants(const char *scope, const char *item, const char *type);

/*
 * The decision of `rules` (n rows) for role `role` (with token scope `scope` for the
 * integration role) on class `cls`, action `a`, resource type `type` (NULL: none): deny
 * when any matching row denies, allow when one allows, deny when none matches.
 */
bool pp_rbac_decide(const struct pp_rbac_rule *rules, size_t n, const char *cls,
                    enum pp_rbac_action a, enum pp_role role, const char *scope, const char *type);

/* The same on the server's table for the caller `who`. */
bool pp_rbac_may(const struct pp_http_principal *who, const char *cls, enum pp_rbac_action a,
                 const char *type);

/* Append the table as a Markdown matrix (class / action rows, role columns). */
void pp_rbac_table_markdown(struct pp_buf *b);

/* Whose patients a caller may see, with the storage its pp_store_access borrows. */
struct pp_rbac_view {
    struct pp_store_access access;
    char now[32];
    char practitioner[PP_STORE_ID_MAX + 16]; /* "Practitioner/id" */
};

/*
 * Whose patients `who` may see: false when anyone's (front desk, admin, integration); true
 * with *v filled (borrowing who) for the patient role (own patient) and physicians / nurses
 * (care team, break-glass grants).
 */
bool pp_rbac_view(const struct pp_http_principal *who, struct pp_rbac_view *v);

/* The patient a stored resource belongs to, into out: meta->patient, else (an Appointment)
 * its first participant.actor naming a Patient, from `body` (may be NULL). */
void pp_rbac_patient_of(const char *type, const cJSON *body, const char *meta_patient,
                        char out[PP_STORE_ID_MAX + 1]);

/*
 * May `who` see resource `type` of patient `patient` ("" none)? *grant: only through a
 * break-glass grant (the answer then carries X-Break-Glass). A resource without a patient
 * is seen by the patient role only when its class is directory / availability or it is a
 * Questionnaire (`write`: never).
 */
PP_MUST_CHECK enum pp_err pp_rbac_patient_ok(struct pp_store *s,
                                             const struct pp_http_principal *who, const char *type,
                                             const char *patient, bool write, bool *ok, bool *grant,
                                             struct pp_diag *d);

/* The handler hooks below (search, includes, Bundle entries) apply the caller's rules when
 * req->who is set, as the server's gate always does; a handler called in-process without a
 * principal (req->who NULL: tests, tools) is not filtered. */

/*
 * Search: force the caller's compartment onto q (patient role: `patient` / `_id`;
 * physicians and nurses: q->access, borrowing the caller's *v). false after
 * answering 403 (a type outside the patient compartment that is not a directory type).
 */
bool pp_rbac_search_scope(const struct pp_http_request *req, struct pp_store_query *q,
                          struct pp_rbac_view *v, struct pp_http_response *res);

/* May an _include / _revinclude add r to the caller's answer (its class and its patient)? */
bool pp_rbac_may_include(const struct pp_http_request *req, struct pp_store *s,
                         const struct pp_store_resource *r);

/*
 * A transaction / batch entry: may the caller run `method` on type/id (id "" for a create)
 * with `resource` (may be NULL)? 0 when it may; else the entry's status with d set: 403
 * (where "request.url" or "resource"), 500 (the store failed).
 */
unsigned pp_rbac_entry_status(const struct pp_http_request *req, struct pp_store *s,
                              const char *method, const char *type, const char *id,
                              const cJSON *resource, struct pp_diag *d);

/* Answer 403 and mark the request's audit record a denial of type/id of patient. */
void pp_rbac_deny(struct pp_http_response *res, const char *type, const char *id,
                  const char *patient, const char *what);

/* POST /auth/break-glass {"patient": id, "reason": text}: a grant for the caller (physician,
 * nurse) for security.break_glass_minutes; 400 naming "reason" without one. */
void pp_http_handle_break_glass(const struct pp_http_request *req, struct pp_http_response *res);

#endif
