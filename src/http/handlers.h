/*
 * handlers.h — the route handlers the table in routes.c points at. Each one
 * decodes the request, calls fhir/ and clinical/, and encodes the answer;
 * none keeps state between requests except the atomic metrics.
 */
#ifndef PP_HTTP_HANDLERS_H
#define PP_HTTP_HANDLERS_H

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
/* POST /cds-services/{id}: run the service (as `painpath cds ID`); 404 for an unknown id. */
void pp_http_handle_cds_service(const struct pp_http_request *req, struct pp_http_response *res);
/* POST /cds-services/{id}/feedback: validate and count the feedback; 200 {}. Not stored yet. */
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
/* Close the calling thread's store connection, if open (the thread-exit hook does it too). */
void pp_http_rest_thread_close(void);

#endif
