/*
 * handlers.h — the route handlers the table in routes.c points at. Each one
 * decodes the request, calls fhir/ and clinical/, and encodes the answer;
 * none keeps state between requests except the atomic metrics.
 */
#ifndef PP_HTTP_HANDLERS_H
#define PP_HTTP_HANDLERS_H

#include <stdint.h>

#include "http/http.h"

/* GET /healthz: 200 {"status": "ok"}. */
void pp_http_handle_healthz(const struct pp_http_request *req, struct pp_http_response *res);
/* GET /metrics: Prometheus text (http/metrics.h). */
void pp_http_handle_metrics(const struct pp_http_request *req, struct pp_http_response *res);
/* GET /fhir/metadata: the CapabilityStatement of what is supported today. */
void pp_http_handle_metadata(const struct pp_http_request *req, struct pp_http_response *res);
/* POST /fhir/Patient/$mme: a one-patient Bundle in, Parameters with the MME per order out. */
void pp_http_handle_patient_mme(const struct pp_http_request *req, struct pp_http_response *res);
/* POST /fhir/Patient/$evaluate: as $mme plus the opioid-safety findings (patient-view). */
void pp_http_handle_patient_evaluate(const struct pp_http_request *req,
                                     struct pp_http_response *res);
/* GET /cds-services: the CDS Hooks discovery document. */
void pp_http_handle_cds_discovery(const struct pp_http_request *req, struct pp_http_response *res);
/* POST /cds-services/{id}: run the service (as `painpath cds ID`); 404 for an unknown id.
 * Declared prefetch keys the request lacks are fetched from the store when it holds the
 * patient; else 412 naming them. */
void pp_http_handle_cds_service(const struct pp_http_request *req, struct pp_http_response *res);
/* POST /cds-services/{id}/feedback: validate every item (400 naming feedback[i].field), store
 * them in one transaction (without a store: count only), count; 200 {}. */
void pp_http_handle_cds_feedback(const struct pp_http_request *req, struct pp_http_response *res);

/* FHIR REST on the store (handlers_rest.c). Each opens the worker thread's store connection
 * on first use (env->db_path) and runs as one store transaction. {type} is param, {rid}
 * param2, {vid} param3. */
/* GET /fhir/{type}/{rid}: read; ETag, Last-Modified; 404; 410 after a delete. */
void pp_http_handle_fhir_read(const struct pp_http_request *req, struct pp_http_response *res);
/* GET /fhir/{type}/{rid}/_history/{vid}: vread. */
void pp_http_handle_fhir_vread(const struct pp_http_request *req, struct pp_http_response *res);
/* GET /fhir/{type}/{rid}/_history: history Bundle, newest first. */
void pp_http_handle_fhir_history(const struct pp_http_request *req, struct pp_http_response *res);
/* POST /fhir/{type}: create; 201 + Location + ETag. */
void pp_http_handle_fhir_create(const struct pp_http_request *req, struct pp_http_response *res);
/* PUT /fhir/{type}/{rid}: update (or create with the client's id); If-Match -> 412. */
void pp_http_handle_fhir_update(const struct pp_http_request *req, struct pp_http_response *res);
/* DELETE /fhir/{type}/{rid}: soft delete; 200 with an OperationOutcome; 404 if never there. */
void pp_http_handle_fhir_delete(const struct pp_http_request *req, struct pp_http_response *res);
/* GET /fhir/{type}?params: searchset Bundle with total and self / next / previous links. */
void pp_http_handle_fhir_search(const struct pp_http_request *req, struct pp_http_response *res);
/* POST /fhir: a transaction (all or nothing) or batch Bundle; transaction-/batch-response. */
void pp_http_handle_fhir_bundle(const struct pp_http_request *req, struct pp_http_response *res);
/* True when `type` is a resource type the REST interactions serve. */
bool pp_http_rest_type_supported(const char *type);
/* Append the CapabilityStatement's rest.resource array elements (without the brackets). */
void pp_http_rest_capability(struct pp_buf *b);
/* The calling worker thread's connection to env->db_path, opened on first use (a
 * transaction a failed handler left open is rolled back). PP_ERR_INTERNAL when the server
 * runs without a store, PP_ERR_IO when it cannot be opened. */
struct pp_store;
PP_MUST_CHECK enum pp_err pp_http_store(const struct pp_http_request *req, struct pp_store **out,
                                        struct pp_diag *d);
/* When the calling thread has a store connection: the time it spent in SQL since the last
 * call (*ns, nanoseconds) and the statement steps (*steps), reset; true. Else false. */
bool pp_http_rest_thread_timing(uint64_t *ns, uint64_t *steps);
/* Close the calling thread's store connection, if open (the thread-exit hook does it too). */
void pp_http_rest_thread_close(void);

/* FHIR Bulk Data $export (handlers_export.c): asynchronous jobs, each on its own thread with
 * its own store connection and one read snapshot; files under env->export_dir (default
 * "<db_path>.export"), one directory per job. {job} is param, {file} param2. */
/* GET|POST /fhir/$export: every live resource. Needs Prefer: respond-async; takes
 * _outputFormat, _type, _since (query or Parameters body); 202 + Content-Location. */
void pp_http_handle_export_system(const struct pp_http_request *req, struct pp_http_response *res);
/* GET|POST /fhir/Patient/$export: the Patient compartment (Patients and what their patient
 * index points at), same parameters. */
void pp_http_handle_export_patient(const struct pp_http_request *req, struct pp_http_response *res);
/* GET /fhir/$export-status/{job}: 202 + X-Progress + Retry-After while running, 200 with the
 * manifest when done, 500 OperationOutcome when it failed, 404 when unknown. */
void pp_http_handle_export_status(const struct pp_http_request *req, struct pp_http_response *res);
/* DELETE /fhir/$export-status/{job}: cancel (and remove the files); 202, then 404. */
void pp_http_handle_export_delete(const struct pp_http_request *req, struct pp_http_response *res);
/* GET /fhir/$export-file/{job}/{file}: one NDJSON file (application/fhir+ndjson). */
void pp_http_handle_export_file(const struct pp_http_request *req, struct pp_http_response *res);
/* Set where jobs read and write (env borrowed for the call; NULL or no db_path: exports
 * answer 500) and remove job directories an earlier run left. The server calls it at start. */
void pp_http_export_start(const struct pp_http_env *env);
/* Cancel every running job, join its thread and remove every job's files. The server calls
 * it once no handler can run any more (pp_http_server_free). */
void pp_http_export_stop(void);

/* Workflow operations (handlers_ops*.c; docs/API.md "Workflow operations"). Each answers a
 * Parameters resource with the clinical module's result and its findings; instance-level
 * forms ({rid} is param) read the store in one read transaction, type-level forms take the
 * resources in the body. 404 for an unknown id, 400/422 naming the field. */
struct pp_record;
/* The $mme / $evaluate answer for a record already loaded (handlers_fhir.c). */
void pp_http_patient_answer(const struct pp_http_request *req, struct pp_http_response *res,
                            const struct pp_record *r, bool findings);
/* GET|POST /fhir/Patient/{rid}/$mme and /$evaluate: as the type-level forms, on the store. */
void pp_http_handle_patient_mme_instance(const struct pp_http_request *req,
                                         struct pp_http_response *res);
void pp_http_handle_patient_evaluate_instance(const struct pp_http_request *req,
                                              struct pp_http_response *res);
/* GET|POST /fhir/Patient/{rid}/$care-plan; POST /fhir/Patient/$care-plan (a one-patient
 * Bundle): the proposed multimodal plan, its findings and a draft CarePlan. */
void pp_http_handle_patient_care_plan(const struct pp_http_request *req,
                                      struct pp_http_response *res);
/* GET|POST /fhir/ServiceRequest/{rid}/$triage; POST /fhir/ServiceRequest/$triage (a Bundle
 * with the ServiceRequest and its QuestionnaireResponse, or the latter alone). */
void pp_http_handle_sr_triage(const struct pp_http_request *req, struct pp_http_response *res);
/* GET|POST /fhir/ServiceRequest/{rid}/$eligibility; POST /fhir/ServiceRequest/$eligibility
 * (a Bundle with the proposal ServiceRequest and the patient's resources). */
void pp_http_handle_sr_eligibility(const struct pp_http_request *req, struct pp_http_response *res);
/* GET|POST /fhir/Procedure/{rid}/$block-report; POST /fhir/Procedure/$block-report (a Bundle
 * with the block Procedure(s) and their diary Observations). */
void pp_http_handle_procedure_block_report(const struct pp_http_request *req,
                                           struct pp_http_response *res);
/* GET|POST /fhir/Practitioner/{rid}/$qualification; POST /fhir/Practitioner/$qualification
 * (a Practitioner or a Bundle with its PractitionerRoles); optional `procedure`. */
void pp_http_handle_practitioner_qualification(const struct pp_http_request *req,
                                               struct pp_http_response *res);
/* GET /fhir/Slot/$next-available?service-type=in-person|virtual[&practitioner=][&start=ge]. */
void pp_http_handle_slot_next_available(const struct pp_http_request *req,
                                        struct pp_http_response *res);
/* Append `, "operation": [...]` for resource type `type` to the CapabilityStatement (nothing
 * when the type has no operation). */
void pp_http_ops_capability(struct pp_buf *b, const char *type);

/* The trust routes (handlers_auth.c; docs/API.md "Authentication"). */
/* POST /auth/login {"username","password"}: a session cookie and a CSRF token; 401 with one
 * generic message for a wrong name or password, 429 + Retry-After for a locked account or a
 * client over its failure limit. */
void pp_http_handle_login(const struct pp_http_request *req, struct pp_http_response *res);
/* POST /auth/logout: revoke the caller's session and clear its cookies. */
void pp_http_handle_logout(const struct pp_http_request *req, struct pp_http_response *res);
/* GET /auth/session: who is calling (role, user, practitioner, patient, session expiry). */
void pp_http_handle_session(const struct pp_http_request *req, struct pp_http_response *res);

/* The audit trail (audit.c, handlers_audit.c; docs/API.md "AuditEvent"). */
/* Append this request's audit record (res->audit, else the route; outcome success) inside
 * the store transaction `s` has open, and set res->audit.recorded: the record commits or
 * rolls back with the write it records. Borrows everything. */
PP_MUST_CHECK enum pp_err pp_http_audit_in_tx(const struct pp_http_request *req, struct pp_store *s,
                                              struct pp_http_response *res, struct pp_diag *d);
/* Append one record for a Bundle entry (action, type/id, its patient — NULL: looked up —,
 * outcome "success" / "failed"): inside the open transaction, or in its own. */
PP_MUST_CHECK enum pp_err pp_http_audit_entry(const struct pp_http_request *req, struct pp_store *s,
                                              const char *action, const char *type, const char *id,
                                              const char *patient, const char *outcome,
                                              struct pp_diag *d);
/* The read-audit journal (store/audit.h) of the server's database and its importer thread,
 * which appends the journal to the chain every 20 ms (or at 512 lines). Start: before the
 * server listens; imports what an earlier process left; false (and *d) when that fails.
 * Without a store, or when another process owns the journal, reads are audited directly.
 * Stop: after the last request; imports the last lines. One journal per process: a second
 * start while one runs is a no-op (its server audits directly) and returns *owner false. */
PP_MUST_CHECK enum pp_err pp_http_audit_start(const struct pp_http_env *env, bool *owner,
                                              struct pp_diag *d);
void pp_http_audit_stop(void);
/* Import every read record journalled so far into the chain through s (the AuditEvent
 * search and $access-log call it first, so that they see every earlier read). */
PP_MUST_CHECK enum pp_err pp_http_audit_flush(struct pp_store *s, struct pp_diag *d);
/* GET /fhir/AuditEvent?patient=&agent=&date=&_count=&_offset=: searchset of AuditEvents. */
void pp_http_handle_audit_search(const struct pp_http_request *req, struct pp_http_response *res);
/* GET /fhir/AuditEvent/{rid}: one AuditEvent (rid: the record's seq). */
void pp_http_handle_audit_read(const struct pp_http_request *req, struct pp_http_response *res);
/* PUT / POST / DELETE on AuditEvent: 405 (the trail is read-only). */
void pp_http_handle_audit_readonly(const struct pp_http_request *req, struct pp_http_response *res);
/* GET /fhir/Patient/{rid}/$access-log: who accessed the record, when, what (Bundle of
 * AuditEvents); the patient themself or an admin. */
void pp_http_handle_access_log(const struct pp_http_request *req, struct pp_http_response *res);

#endif
