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

#endif
