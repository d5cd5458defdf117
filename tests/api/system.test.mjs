// system.test.mjs — /healthz, /metrics, /fhir/metadata, and the answers for unknown
// paths, wrong methods and oversized bodies on any route.
import assert from 'node:assert/strict';
import http from 'node:http';
import { test } from 'node:test';
import { url, post, assertOutcome, fetch } from './lib.mjs';

test('GET /healthz answers 200 {"status":"ok"}', async () => {
  const res = await fetch(url('/healthz'));
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type'), /^application\/json/);
  assert.equal(res.headers.get('cache-control'), 'no-store');
  assert.deepEqual(await res.json(), { status: 'ok' });
});

test('HEAD /healthz answers 200 without a body', async () => {
  const res = await fetch(url('/healthz'), { method: 'HEAD' });
  assert.equal(res.status, 200);
  assert.equal(await res.text(), '');
});

test('GET /metrics counts requests by route and status, with a duration histogram', async () => {
  await fetch(url('/healthz'));
  await fetch(url('/no/such/path'));
  const res = await fetch(url('/metrics'));
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type'), /^text\/plain; version=0\.0\.4/);
  const text = await res.text();
  const healthz = text.match(/^painpath_http_requests_total\{method="GET",route="\/healthz",status="200"\} (\d+)$/m);
  assert.ok(healthz, text);
  assert.ok(Number(healthz[1]) >= 1);
  assert.match(text, /^painpath_http_requests_total\{method="",route="none",status="404"\} \d+$/m);
  assert.match(text, /^painpath_http_request_duration_seconds_bucket\{route="\/healthz",le="\+Inf"\} \d+$/m);
  assert.match(text, /^painpath_http_request_duration_seconds_count\{route="\/healthz"\} \d+$/m);
  // the unknown path itself never becomes a label
  assert.doesNotMatch(text, /no\/such\/path/);
});

test('GET /metrics reports the time requests spent in the database, by route', async () => {
  // a read of an absent resource still runs SQL; /healthz runs none
  const before = await (await fetch(url('/metrics'))).text();
  const countOf = (text) => {
    const m = text.match(/^painpath_db_request_seconds_count\{route="\/fhir\/\{type\}\/\{rid\}"\} (\d+)$/m);
    return m ? Number(m[1]) : 0;
  };
  for (let i = 0; i < 3; i++) assert.equal((await fetch(url('/fhir/Patient/no-such-db-metrics'))).status, 404);
  await fetch(url('/healthz'));
  const text = await (await fetch(url('/metrics'))).text();
  assert.ok(countOf(text) >= countOf(before) + 3, text);
  assert.match(text, /^painpath_db_request_seconds_bucket\{route="\/fhir\/\{type\}\/\{rid\}",le="\+Inf"\} \d+$/m);
  assert.match(text, /^painpath_db_statement_steps_total\{route="\/fhir\/\{type\}\/\{rid\}"\} [1-9]\d*$/m);
  assert.doesNotMatch(text, /^painpath_db_request_seconds_count\{route="\/healthz"\}/m);
});

test('GET /fhir/metadata is a CapabilityStatement of exactly what is supported', async () => {
  const res = await fetch(url('/fhir/metadata'));
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type'), /^application\/fhir\+json/);
  const cs = await res.json();
  assert.equal(cs.resourceType, 'CapabilityStatement');
  assert.equal(cs.fhirVersion, '4.0.1');
  assert.equal(cs.kind, 'instance');
  assert.equal(cs.rest.length, 1);
  assert.equal(cs.rest[0].mode, 'server');
  assert.deepEqual(cs.rest[0].interaction.map((i) => i.code), ['transaction', 'batch']);
  const types = cs.rest[0].resource.map((r) => r.type);
  for (const t of ['Patient', 'Practitioner', 'ServiceRequest', 'Observation', 'Procedure', 'MedicationRequest'])
    assert.ok(types.includes(t), t);
  assert.deepEqual([...types].sort(), types, 'sorted by name');
  for (const r of cs.rest[0].resource) {
    assert.deepEqual(r.interaction.map((i) => i.code).sort(),
      ['create', 'delete', 'history-instance', 'read', 'search-type', 'update', 'vread']);
    // every type searches by _id and _lastUpdated; search.test.mjs checks the lists per type
    const names = r.searchParam.map((p) => p.name);
    assert.ok(names.includes('_id') && names.includes('_lastUpdated'), r.type);
  }
  const patient = cs.rest[0].resource.find((r) => r.type === 'Patient');
  assert.deepEqual(patient.operation.map((o) => o.name).sort(), ['care-plan', 'evaluate', 'mme']);
  // the workflow operations (ops.test.mjs checks each) are on five types
  assert.deepEqual(cs.rest[0].resource.filter((r) => r.operation).map((r) => r.type),
    ['Patient', 'Practitioner', 'Procedure', 'ServiceRequest', 'Slot']);
});

test('an unknown path answers 404 OperationOutcome', async () => {
  const issue = await assertOutcome(await fetch(url('/fhir/Patient/123')), 404);
  assert.equal(issue.code, 'not-found');
  await assertOutcome(await fetch(url('/healthz/extra')), 404);
  await assertOutcome(await fetch(url('/cds-services/')), 404);
});

test('a wrong method answers 405 with Allow', async () => {
  let res = await post('/healthz', '');
  assert.equal(res.headers.get('allow'), 'GET');
  await assertOutcome(res, 405);
  res = await fetch(url('/cds-services/opioid-order-sign'));
  assert.equal(res.headers.get('allow'), 'POST');
  await assertOutcome(res, 405);
  res = await fetch(url('/fhir/metadata'), { method: 'DELETE' });
  await assertOutcome(res, 405);
});

test('a body on a route that takes none answers 413', async () => {
  // fetch cannot send a GET body; node:http can
  const { status, body } = await new Promise((resolve, reject) => {
    const req = http.request(url('/healthz'), { method: 'GET', headers: { 'content-length': 1 } }, (res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode, body }));
    });
    req.on('error', reject);
    req.end('x');
  });
  assert.equal(status, 413);
  assert.equal(JSON.parse(body).resourceType, 'OperationOutcome');
});

test('headers larger than the connection pool are refused with a 4xx', async () => {
  const res = await fetch(url('/healthz'), { headers: { 'x-big': 'a'.repeat(100 * 1024) } });
  assert.ok(res.status >= 400 && res.status < 500, `status ${res.status}`);
});
