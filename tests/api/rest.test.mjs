// rest.test.mjs — FHIR R4 REST on the store: read, vread, create, update with If-Match
// (and its race), delete then 410, history, search with paging links followed to the end,
// transaction (all or nothing) and batch Bundles, malformed and oversized bodies, and a
// Synthea Bundle imported with `painpath import --db` then read over HTTP.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { url, cli, assertOutcome, fetch } from './lib.mjs';

const FHIR = 'application/fhir+json';

async function send(method, path, body, headers = {}) {
  return fetch(url(path), {
    method,
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    headers: { 'content-type': FHIR, ...headers },
  });
}

async function create(resource) {
  const res = await send('POST', `/fhir/${resource.resourceType}`, resource);
  assert.equal(res.status, 201);
  return res.json();
}

// A marker unique to this run, so searches see only what this file created.
const RUN = `run${Date.now()}${process.pid}`;

test('create answers 201 with Location, ETag and the stored resource', async () => {
  const res = await send('POST', '/fhir/Patient', { resourceType: 'Patient', id: 'ignored', gender: 'female' });
  assert.equal(res.status, 201);
  assert.match(res.headers.get('content-type'), /^application\/fhir\+json/);
  assert.equal(res.headers.get('etag'), 'W/"1"');
  const p = await res.json();
  assert.notEqual(p.id, 'ignored', 'the server assigns the id');
  assert.equal(p.meta.versionId, '1');
  assert.equal(res.headers.get('location'), url(`/fhir/Patient/${p.id}/_history/1`));
});

test('create refuses a body whose resourceType is not the URL type, bad JSON and no body', async () => {
  let issue = await assertOutcome(await send('POST', '/fhir/Patient', { resourceType: 'Observation' }), 400);
  assert.deepEqual(issue.expression, ['resourceType']);
  issue = await assertOutcome(await send('POST', '/fhir/Patient', { gender: 'male' }), 400);
  assert.deepEqual(issue.expression, ['resourceType']);
  issue = await assertOutcome(await send('POST', '/fhir/Patient', '{"resourceType": "Patient",\n  oops}'), 400);
  assert.match(issue.expression[0], /^request:2:/);
  await assertOutcome(await send('POST', '/fhir/Patient', '[1, 2]'), 400);
  await assertOutcome(await send('POST', '/fhir/Patient', ''), 400);
  await assertOutcome(await send('POST', '/fhir/Widget', { resourceType: 'Widget' }), 404);
});

test('an oversized resource body answers 413 OperationOutcome', async () => {
  const big = JSON.stringify({ resourceType: 'Patient', text: { div: 'x'.repeat((16 << 20) + 10) } });
  const issue = await assertOutcome(await send('POST', '/fhir/Patient', big), 413);
  assert.equal(issue.code, 'too-costly');
});

test('read: 200 with ETag and Last-Modified; 404 unknown; vread each version', async () => {
  const p = await create({ resourceType: 'Patient', gender: 'male' });
  let res = await fetch(url(`/fhir/Patient/${p.id}`));
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('etag'), 'W/"1"');
  const lm = res.headers.get('last-modified');
  assert.match(lm, /^[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT$/);
  assert.equal(new Date(lm).toISOString().slice(0, 19), p.meta.lastUpdated.slice(0, 19));
  assert.deepEqual(await res.json(), p);
  await assertOutcome(await fetch(url('/fhir/Patient/no-such-id')), 404);
  await assertOutcome(await fetch(url('/fhir/Widget/x')), 404);

  res = await send('PUT', `/fhir/Patient/${p.id}`, { ...p, gender: 'female' });
  assert.equal(res.status, 200);
  res = await fetch(url(`/fhir/Patient/${p.id}/_history/1`));
  assert.equal(res.status, 200);
  assert.equal((await res.json()).gender, 'male');
  res = await fetch(url(`/fhir/Patient/${p.id}/_history/2`));
  assert.equal(res.headers.get('etag'), 'W/"2"');
  assert.equal((await res.json()).gender, 'female');
  await assertOutcome(await fetch(url(`/fhir/Patient/${p.id}/_history/3`)), 404);
});

test('update: version increments; If-Match stale -> 412; body id must match; update-as-create', async () => {
  const p = await create({ resourceType: 'Condition', subject: { reference: 'Patient/x' } });
  let res = await send('PUT', `/fhir/Condition/${p.id}`, { ...p, onsetDateTime: '2020-01-01' }, { 'if-match': 'W/"1"' });
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('etag'), 'W/"2"');
  let issue = await assertOutcome(await send('PUT', `/fhir/Condition/${p.id}`, p, { 'if-match': 'W/"1"' }), 412);
  assert.equal(issue.code, 'conflict');
  issue = await assertOutcome(await send('PUT', `/fhir/Condition/${p.id}`, p, { 'if-match': 'banana' }), 400);
  assert.deepEqual(issue.expression, ['If-Match']);
  issue = await assertOutcome(await send('PUT', `/fhir/Condition/${p.id}`, { ...p, id: 'other' }), 400);
  assert.deepEqual(issue.expression, ['id']);
  issue = await assertOutcome(await send('PUT', `/fhir/Condition/${p.id}`, { resourceType: 'Condition' }), 400);
  assert.deepEqual(issue.expression, ['id']);
  issue = await assertOutcome(await send('PUT', `/fhir/Condition/${p.id}`, { ...p, resourceType: 'Patient' }), 400);
  assert.deepEqual(issue.expression, ['resourceType']);
  const id = `client-${RUN}`;
  res = await send('PUT', `/fhir/Condition/${id}`, { resourceType: 'Condition', id });
  assert.equal(res.status, 201);
  assert.equal(res.headers.get('location'), url(`/fhir/Condition/${id}/_history/1`));
});

test('If-Match race: two updates naming the same version, one wins and one gets 412', async () => {
  const p = await create({ resourceType: 'Observation', status: 'preliminary' });
  for (let round = 1; round <= 5; round++) {
    const body = { ...p, status: 'final' };
    const answers = await Promise.all([1, 2].map(() =>
      send('PUT', `/fhir/Observation/${p.id}`, body, { 'if-match': `W/"${round}"` })));
    const codes = answers.map((r) => r.status).sort();
    assert.deepEqual(codes, [200, 412], `round ${round}`);
    await Promise.all(answers.map((r) => r.arrayBuffer()));
  }
  const res = await fetch(url(`/fhir/Observation/${p.id}`));
  assert.equal(res.headers.get('etag'), 'W/"6"');
});

test('delete: 200 OperationOutcome, then read 410, history keeps every version, 404 if never there', async () => {
  const p = await create({ resourceType: 'Procedure', status: 'completed' });
  let res = await send('DELETE', `/fhir/Procedure/${p.id}`);
  assert.equal(res.status, 200);
  const oo = await res.json();
  assert.equal(oo.resourceType, 'OperationOutcome');
  assert.equal(oo.issue[0].severity, 'information');
  const issue = await assertOutcome(await fetch(url(`/fhir/Procedure/${p.id}`)), 410);
  assert.equal(issue.code, 'deleted');
  await assertOutcome(await fetch(url(`/fhir/Procedure/${p.id}/_history/2`)), 410);
  res = await fetch(url(`/fhir/Procedure/${p.id}/_history`));
  assert.equal(res.status, 200);
  const h = await res.json();
  assert.equal(h.type, 'history');
  assert.equal(h.total, 2);
  assert.deepEqual(h.entry.map((e) => e.request.method), ['DELETE', 'POST']);
  assert.equal(h.entry[0].resource, undefined);
  assert.equal(h.entry[1].resource.id, p.id);
  await assertOutcome(await send('DELETE', '/fhir/Procedure/never-was'), 404);
  await assertOutcome(await fetch(url('/fhir/Procedure/never-was/_history')), 404);
  // deleted resources are not found by search
  res = await fetch(url(`/fhir/Procedure?_id=${p.id}`));
  assert.equal((await res.json()).total, 0);
});

test('search: searchset with total; paging links followed to the end; _count capped', async () => {
  const subject = `Patient/${RUN}`;
  const made = [];
  for (let i = 0; i < 7; i++)
    made.push((await create({ resourceType: 'Observation', status: 'final', subject: { reference: subject } })).id);
  await create({ resourceType: 'Observation', status: 'final', subject: { reference: `Patient/other${RUN}` } });
  let next = url(`/fhir/Observation?subject=${encodeURIComponent(subject)}&_count=3`);
  const seen = [];
  let pages = 0;
  while (next) {
    const res = await fetch(next);
    assert.equal(res.status, 200);
    const b = await res.json();
    assert.equal(b.type, 'searchset');
    assert.equal(b.total, 7);
    const self = b.link.find((l) => l.relation === 'self');
    assert.ok(self.url.includes('subject='), self.url);
    for (const e of b.entry) {
      assert.equal(e.search.mode, 'match');
      assert.equal(e.fullUrl, url(`/fhir/Observation/${e.resource.id}`));
      seen.push(e.resource.id);
    }
    next = b.link.find((l) => l.relation === 'next')?.url;
    if (pages > 0) assert.ok(b.link.find((l) => l.relation === 'previous'));
    pages++;
    assert.ok(pages <= 3);
  }
  assert.equal(pages, 3);
  assert.deepEqual(seen, made, 'every match once, in creation order');

  // _count above the maximum is capped (not refused); _count=0 gives the total only
  let res = await fetch(url(`/fhir/Observation?subject=${encodeURIComponent(subject)}&_count=100000`));
  let b = await res.json();
  assert.match(b.link[0].url, /_count=1000&/);
  assert.equal(b.entry.length, 7);
  res = await fetch(url(`/fhir/Observation?subject=${encodeURIComponent(subject)}&_count=0`));
  b = await res.json();
  assert.equal(b.total, 7);
  assert.equal(b.entry.length, 0);
});

test('search failures: unknown parameter, bad value, unknown type', async () => {
  let issue = await assertOutcome(await fetch(url('/fhir/Observation?colour=red')), 400);
  assert.match(issue.diagnostics, /colour/);
  issue = await assertOutcome(await fetch(url('/fhir/Observation?date=yesterday')), 400);
  assert.deepEqual(issue.expression, ['date']);
  await assertOutcome(await fetch(url('/fhir/Observation?_count=-1')), 400);
  await assertOutcome(await fetch(url('/fhir/Widget?_count=1')), 404);
});

test('transaction: all entries or none; a bad entry is a 400 naming entry[i]', async () => {
  const id = `tx-${RUN}`;
  const good = {
    resourceType: 'Bundle', type: 'transaction', entry: [
      { resource: { resourceType: 'Patient', id }, request: { method: 'PUT', url: `Patient/${id}` } },
      { resource: { resourceType: 'Encounter', status: 'finished' }, request: { method: 'POST', url: 'Encounter' } },
    ],
  };
  const bad = {
    resourceType: 'Bundle', type: 'transaction', entry: [
      { resource: { resourceType: 'Patient', id: `${id}b` }, request: { method: 'PUT', url: `Patient/${id}b` } },
      { resource: { resourceType: 'Encounter', status: 'finished' }, request: { method: 'POST', url: 'Encounter' } },
      { resource: { resourceType: 'Encounter' }, request: { method: 'POST', url: 'Condition' } },
    ],
  };
  const before = (await (await fetch(url('/fhir/Encounter?_count=0'))).json()).total;
  const issue = await assertOutcome(await send('POST', '/fhir', bad), 400);
  assert.match(issue.expression[0], /^entry\[2\]/);
  await assertOutcome(await fetch(url(`/fhir/Patient/${id}b`)), 404);
  assert.equal((await (await fetch(url('/fhir/Encounter?_count=0'))).json()).total, before, 'nothing written');

  const res = await send('POST', '/fhir', good);
  assert.equal(res.status, 200);
  const b = await res.json();
  assert.equal(b.type, 'transaction-response');
  assert.deepEqual(b.entry.map((e) => e.response.status), ['201', '201']);
  assert.equal((await fetch(url(`/fhir/Patient/${id}`))).status, 200);
  assert.equal((await (await fetch(url('/fhir/Encounter?_count=0'))).json()).total, before + 1);

  // a stale ifMatch in a transaction is a 412 and rolls back
  const stale = {
    resourceType: 'Bundle', type: 'transaction', entry: [
      { resource: { resourceType: 'Encounter', status: 'planned' }, request: { method: 'POST', url: 'Encounter' } },
      { resource: { resourceType: 'Patient', id }, request: { method: 'PUT', url: `Patient/${id}`, ifMatch: 'W/"7"' } },
    ],
  };
  const i2 = await assertOutcome(await send('POST', '/fhir', stale), 412);
  assert.match(i2.expression[0], /^entry\[1\]/);
  assert.equal((await (await fetch(url('/fhir/Encounter?_count=0'))).json()).total, before + 1);
});

test('batch: each entry answered on its own', async () => {
  const res = await send('POST', '/fhir', {
    resourceType: 'Bundle', type: 'batch', entry: [
      { resource: { resourceType: 'Device' }, request: { method: 'POST', url: 'Device' } },
      { request: { method: 'GET', url: 'Device/no-such' } },
      { resource: { resourceType: 'Device' }, request: { method: 'POST', url: 'Slot' } },
    ],
  });
  assert.equal(res.status, 200);
  const b = await res.json();
  assert.equal(b.type, 'batch-response');
  assert.deepEqual(b.entry.map((e) => e.response.status), ['201', '404', '400']);
  assert.equal(b.entry[1].response.outcome.resourceType, 'OperationOutcome');
  const loc = b.entry[0].response.location;
  assert.equal((await fetch(loc)).status, 200);
});

test('POST /fhir refuses what is not a transaction or batch Bundle', async () => {
  let issue = await assertOutcome(await send('POST', '/fhir', { resourceType: 'Bundle', type: 'collection' }), 400);
  assert.deepEqual(issue.expression, ['type']);
  issue = await assertOutcome(await send('POST', '/fhir', { resourceType: 'Patient' }), 400);
  assert.deepEqual(issue.expression, ['resourceType']);
  await assertOutcome(await send('POST', '/fhir', '{"resourceType": "Bundle", '), 400);
  await assertOutcome(await send('POST', '/fhir', { resourceType: 'Bundle', type: 'batch', entry: {} }), 400);
});

test('wrong methods on the REST paths answer 405 with Allow', async () => {
  let res = await send('POST', '/fhir/Patient/abc', {});
  assert.equal(res.headers.get('allow'), 'GET, PUT, DELETE');
  await assertOutcome(res, 405);
  res = await send('DELETE', '/fhir/Patient');
  assert.equal(res.headers.get('allow'), 'GET, POST');
  await assertOutcome(res, 405);
});

test('a Synthea Bundle imported with `painpath import --db` is read over HTTP', async (t) => {
  const dir = process.env.PP_SHARED_DATA && join(process.env.PP_SHARED_DATA, 'synthea-r4');
  let files = [];
  try { files = readdirSync(dir).filter((f) => /_[0-9a-f-]{36}\.json$/.test(f)); } catch { /* absent */ }
  if (!files.length) return t.skip('no synthea-r4 data');
  const file = files.sort()[0];
  const bundle = JSON.parse(readFileSync(join(dir, file), 'utf8'));
  const id = bundle.entry.find((e) => e.resource.resourceType === 'Patient').resource.id;
  const r = cli(['import', '--db', process.env.PP_DB, join(dir, file)]);
  assert.equal(r.status, 0, r.stderr);
  const res = await fetch(url(`/fhir/Patient/${id}`));
  assert.equal(res.status, 200);
  const p = await res.json();
  assert.equal(p.resourceType, 'Patient');
  assert.equal(p.id, id);
  const s = await (await fetch(url(`/fhir/Encounter?patient=${id}&_count=1`))).json();
  assert.ok(s.total > 0);
  assert.equal(s.entry[0].resource.subject.reference, `Patient/${id}`);
});

test('a transaction resolves urn:uuid references between its entries (forward ones too)', async () => {
  const pat = 'urn:uuid:11111111-2222-4333-8444-555555555555';
  const enc = 'urn:uuid:aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee';
  const res = await send('POST', '/fhir', {
    resourceType: 'Bundle', type: 'transaction', entry: [
      { fullUrl: enc, resource: { resourceType: 'Encounter', status: 'finished', subject: { reference: pat } },
        request: { method: 'POST', url: 'Encounter' } },
      { fullUrl: pat, resource: { resourceType: 'Patient', id: 'client-id-replaced' }, request: { method: 'POST', url: 'Patient' } },
    ],
  });
  assert.equal(res.status, 200);
  const b = await res.json();
  assert.deepEqual(b.entry.map((e) => e.response.status), ['201', '201']);
  const patLoc = b.entry[1].response.location;
  const patId = patLoc.match(/Patient\/([^/]+)\/_history\/1$/)[1];
  assert.notEqual(patId, 'client-id-replaced');
  const e = await (await fetch(b.entry[0].response.location)).json();
  assert.equal(e.subject.reference, `Patient/${patId}`);
  assert.equal((await fetch(url(`/fhir/Patient/${patId}`))).status, 200);
});

test('a whole Synthea transaction Bundle posted to /fhir is stored and searchable', async (t) => {
  const dir = process.env.PP_SHARED_DATA && join(process.env.PP_SHARED_DATA, 'synthea-r4');
  let files = [];
  try { files = readdirSync(dir).filter((f) => /_[0-9a-f-]{36}\.json$/.test(f)).sort(); } catch { /* absent */ }
  if (files.length < 2) return t.skip('no synthea-r4 data');
  const text = readFileSync(join(dir, files[1]), 'utf8');
  const n = JSON.parse(text).entry.length;
  const res = await send('POST', '/fhir', text);
  assert.equal(res.status, 200);
  const b = await res.json();
  assert.equal(b.entry.length, n);
  assert.ok(b.entry.every((e) => e.response.status === '201'));
  const loc = b.entry.map((e) => e.response.location).find((l) => l.includes('/Patient/'));
  const id = loc.match(/Patient\/([^/]+)\//)[1];
  const s = await (await fetch(url(`/fhir/Encounter?patient=${id}&_count=0`))).json();
  assert.ok(s.total > 0, 'the encounters name the new Patient id');
});
