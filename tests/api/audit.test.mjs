// audit.test.mjs — the audit trail over HTTP: every access to a patient's data leaves a
// record that GET /fhir/AuditEvent finds (by patient, agent, date) with the right action and
// outcome; failed logins and denials are recorded; only admins read the trail, nobody
// writes it; a patient reads their own $access-log. (run.sh verifies the whole chain with
// `painpath audit verify` after every test file has run.)
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fetch, url, loginAs, login, USERS, assertOutcome, anonymous } from './lib.mjs';

const uniq = `aud-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
const REST = 'http://hl7.org/fhir/restful-interaction';
const DCM = 'http://dicom.nema.org/resources/ontology/DCM';
const fhirJson = { 'content-type': 'application/fhir+json' };

async function put(path, body) {
  const r = await fetch(url(path), { method: 'PUT', headers: fhirJson, body: JSON.stringify(body) });
  const text = await r.text();
  assert.ok(r.status === 200 || r.status === 201, `PUT ${path}: ${r.status} ${text}`);
  return JSON.parse(text);
}

// Every AuditEvent a search finds (following next links).
async function events(client, query) {
  const out = [];
  let next = `/fhir/AuditEvent?${query}&_count=200`;
  while (next) {
    const r = await client.get(next.replace(/^https?:\/\/[^/]+/, ''));
    assert.equal(r.status, 200, `GET ${next}: ${r.status}`);
    const b = await r.json();
    assert.equal(b.resourceType, 'Bundle');
    assert.equal(b.type, 'searchset');
    for (const e of b.entry ?? []) out.push(e.resource);
    next = b.link?.find((l) => l.relation === 'next')?.url;
  }
  return out;
}

const sub = (e) => e.subtype?.[0]?.code;
const refs = (e) => (e.entity ?? []).map((x) => x.what?.reference).filter(Boolean);
const since = new Date(Date.now() - 5000).toISOString();

test('reads, searches and writes of a patient are in the trail with their actions', async () => {
  const pid = `${uniq}-p`;
  await put(`/fhir/Patient/${pid}`, { resourceType: 'Patient', id: pid, name: [{ family: 'Audit' }] });
  const obsId = `${uniq}-o`;
  await put(`/fhir/Observation/${obsId}`, {
    resourceType: 'Observation', id: obsId, status: 'final', code: { text: 'pain' },
    subject: { reference: `Patient/${pid}` }, valueInteger: 6,
  });
  const created = await fetch(url('/fhir/Observation'), {
    method: 'POST', headers: fhirJson,
    body: JSON.stringify({ resourceType: 'Observation', status: 'final', code: { text: 'pain' }, subject: { reference: `Patient/${pid}` } }),
  });
  assert.equal(created.status, 201);
  const createdId = (await created.json()).id;
  assert.equal((await fetch(url(`/fhir/Patient/${pid}`))).status, 200);
  assert.equal((await fetch(url(`/fhir/Observation/${obsId}`))).status, 200);
  assert.equal((await fetch(url(`/fhir/Observation?patient=${pid}`))).status, 200);
  await put(`/fhir/Observation/${obsId}`, {
    resourceType: 'Observation', id: obsId, status: 'amended', code: { text: 'pain' },
    subject: { reference: `Patient/${pid}` }, valueInteger: 4,
  });
  assert.equal((await fetch(url(`/fhir/Observation/${createdId}`), { method: 'DELETE' })).status, 200);
  assert.equal((await fetch(url(`/fhir/Observation/${uniq}-none`))).status, 404);

  const admin = await loginAs('admin');
  const evs = await events(admin, `patient=${pid}&agent=api-tests`);
  const seen = evs.map((e) => `${sub(e)} ${e.action} ${refs(e)[0] ?? ''}`);
  for (const want of [
    `update U Patient/${pid}`, // PUT of a new id: the store's first version
    `read R Patient/${pid}`,
    `read R Observation/${obsId}`,
    `search-type E Patient/${pid}`,
    `update U Observation/${obsId}`,
    `delete D Observation/${createdId}`,
    `create C Observation/${createdId}`,
  ]) {
    const [code, action, ref] = want.split(' ');
    assert.ok(
      evs.some((e) => (sub(e) === code || (code === 'update' && sub(e) === 'create')) &&
        (e.action === action || (code === 'update' && e.action === 'C')) &&
        refs(e).includes(ref)),
      `no "${want}" among: ${seen.join('; ')}`);
  }
  for (const e of evs) {
    assert.equal(e.resourceType, 'AuditEvent');
    assert.equal(e.outcome, '0');
    assert.ok(refs(e).includes(`Patient/${pid}`), `${e.id} names the patient`);
    assert.equal(e.agent[0].who.display, 'api-tests');
    assert.equal(e.agent[0].role?.[0]?.text, 'integration');
    assert.match(e.agent[0].network.address, /^(127\.0\.0\.1|::1)$/);
    assert.match(e.recorded, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  }
  // the failed read (404) is on the record too, outcome 4, naming no patient
  const failed = await events(admin, `agent=api-tests&date=ge${since}`);
  assert.ok(failed.some((e) => refs(e).includes(`Observation/${uniq}-none`) && e.outcome === '4'));
  // the newest first, ids are the chain's seq
  const ids = evs.map((e) => Number(e.id));
  assert.deepEqual([...ids].sort((a, b) => b - a), ids);
  // one record read back by id
  const one = await admin.get(`/fhir/AuditEvent/${evs[0].id}`);
  assert.equal(one.status, 200);
  assert.deepEqual(await one.json(), evs[0]);
  await assertOutcome(await admin.get('/fhir/AuditEvent/999999999'), 404);
  await assertOutcome(await admin.get('/fhir/AuditEvent/not-a-number'), 404);
});

test('AuditEvent search by agent and date, with paging', async () => {
  const pid = `${uniq}-q`;
  await put(`/fhir/Patient/${pid}`, { resourceType: 'Patient', id: pid });
  for (let i = 0; i < 3; i++) assert.equal((await fetch(url(`/fhir/Patient/${pid}`))).status, 200);
  const admin = await loginAs('admin');
  const today = new Date().toISOString().slice(0, 10);
  const yesterday = new Date(Date.now() - 86400000).toISOString().slice(0, 10);
  // (the admin's own searches of this patient's trail are on it too: count the integration's)
  const mine = `patient=${pid}&agent=api-tests`;
  assert.equal((await events(admin, mine)).length, 4);
  assert.equal((await events(admin, `patient=${pid}&agent=api-nobody`)).length, 0);
  assert.equal((await events(admin, `${mine}&date=ge${yesterday}`)).length, 4);
  assert.equal((await events(admin, `${mine}&date=lt${yesterday}`)).length, 0);
  assert.equal((await events(admin, `${mine}&date=gt${today}`)).length, 0);
  assert.equal((await events(admin, `patient=Patient/${pid}&agent=api-tests&date=le${today}`)).length, 4);
  assert.ok((await events(admin, `patient=${pid}&agent=${USERS.admin.username}`)).length >= 5);
  // paging: 2 per page, total 4, a next link that leads to the rest
  const r = await admin.get(`/fhir/AuditEvent?${mine}&_count=2`);
  const b = await r.json();
  assert.equal(b.total, 4);
  assert.equal(b.entry.length, 2);
  const next = b.link.find((l) => l.relation === 'next').url;
  const b2 = await (await admin.get(next.replace(/^https?:\/\/[^/]+/, ''))).json();
  assert.equal(b2.entry.length, 2);
  assert.notDeepEqual(b2.entry.map((e) => e.resource.id), b.entry.map((e) => e.resource.id));
  const counted = await (await admin.get(`/fhir/AuditEvent?${mine}&_count=0`)).json();
  assert.equal(counted.total, 4);
  assert.equal(counted.entry.length, 0);
  await assertOutcome(await admin.get('/fhir/AuditEvent?date=soon'), 400);
  await assertOutcome(await admin.get('/fhir/AuditEvent?colour=red'), 400);
});

test('a failed login and a denied request are recorded', async () => {
  const who = `${uniq}-nobody`;
  const bad = await login(who, 'not-the-password');
  assert.equal(bad.status, 401);
  const patient = await loginAs('patient');
  const denied = await patient.get('/fhir/AuditEvent');
  assert.equal(denied.status, 403);
  const admin = await loginAs('admin');
  const logins = await events(admin, `agent=${who}`);
  assert.equal(logins.length, 1);
  assert.equal(logins[0].type.system, DCM);
  assert.equal(logins[0].type.code, '110114');
  assert.equal(logins[0].outcome, '4');
  assert.equal(logins[0].agent[0].who.display, who);
  const theirs = await events(admin, `agent=${USERS.patient.username}&date=ge${since.slice(0, 10)}`);
  assert.ok(theirs.some((e) => e.outcome === '4' && refs(e).length === 0 &&
    (e.entity ?? []).some((x) => x.what?.type === 'AuditEvent')),
  'the patient\'s denied AuditEvent search');
  assert.ok(theirs.some((e) => e.type.code === '110114' && sub(e) === '110122' && e.outcome === '0'),
    'the patient\'s login');
});

test('only admins read the trail; nobody writes it', async () => {
  for (const role of ['physician', 'nurse', 'front-desk']) {
    const c = await loginAs(role);
    assert.equal((await c.get('/fhir/AuditEvent')).status, 403, role);
  }
  assert.equal((await anonymous(url('/fhir/AuditEvent'))).status, 401);
  const admin = await loginAs('admin');
  const before = (await (await admin.get('/fhir/AuditEvent?_count=1')).json()).entry[0].resource;
  const body = { resourceType: 'AuditEvent', id: before.id, recorded: before.recorded };
  for (const [method, path] of [['PUT', `/fhir/AuditEvent/${before.id}`], ['POST', '/fhir/AuditEvent'],
    ['DELETE', `/fhir/AuditEvent/${before.id}`]]) {
    const r = method === 'DELETE' ? await admin.del(path) : await admin[method.toLowerCase()](path, body);
    assert.ok(r.status === 403 || r.status === 405, `${method} ${path}: ${r.status}`);
  }
  const tx = await fetch(url('/fhir'), {
    method: 'POST', headers: fhirJson,
    body: JSON.stringify({ resourceType: 'Bundle', type: 'transaction', entry: [
      { resource: body, request: { method: 'PUT', url: `AuditEvent/${before.id}` } }] }),
  });
  assert.ok(tx.status >= 400, `transaction writing an AuditEvent: ${tx.status}`);
  const after = await (await admin.get(`/fhir/AuditEvent/${before.id}`)).json();
  assert.deepEqual(after, before);
});

test('a patient reads who accessed their record ($access-log)', async () => {
  const pid = USERS.patient.patient;
  await put(`/fhir/Patient/${pid}`, { resourceType: 'Patient', id: pid, name: [{ family: 'Accesslog' }] });
  assert.equal((await fetch(url(`/fhir/Patient/${pid}`))).status, 200);
  const patient = await loginAs('patient');
  const r = await patient.get(`/fhir/Patient/${pid}/$access-log`);
  assert.equal(r.status, 200);
  const b = await r.json();
  assert.equal(b.resourceType, 'Bundle');
  const evs = b.entry.map((e) => e.resource);
  assert.ok(evs.some((e) => sub(e) === 'read' && e.agent[0].who.display === 'api-tests' &&
    refs(e).includes(`Patient/${pid}`)), 'the integration\'s read is listed');
  for (const e of evs) assert.ok(refs(e).includes(`Patient/${pid}`), `${e.id} is about this patient`);
  // not another patient's
  assert.equal((await patient.get(`/fhir/Patient/${uniq}-other/$access-log`)).status, 403);
  // an admin may read it; a physician may not
  const admin = await loginAs('admin');
  assert.equal((await admin.get(`/fhir/Patient/${pid}/$access-log`)).status, 200);
  const physician = await loginAs('physician');
  assert.equal((await physician.get(`/fhir/Patient/${pid}/$access-log`)).status, 403);
});

test('batch entries are recorded one by one; a failed transaction records no entry', async () => {
  const pid = `${uniq}-b`;
  const batch = await fetch(url('/fhir'), {
    method: 'POST', headers: fhirJson,
    body: JSON.stringify({ resourceType: 'Bundle', type: 'batch', entry: [
      { resource: { resourceType: 'Patient', id: pid }, request: { method: 'PUT', url: `Patient/${pid}` } },
      { request: { method: 'GET', url: `Observation/${uniq}-missing` } },
    ] }),
  });
  assert.equal(batch.status, 200);
  const tx = await fetch(url('/fhir'), {
    method: 'POST', headers: fhirJson,
    body: JSON.stringify({ resourceType: 'Bundle', type: 'transaction', entry: [
      { resource: { resourceType: 'Patient', id: `${pid}-tx` }, request: { method: 'PUT', url: `Patient/${pid}-tx` } },
      { resource: { resourceType: 'Patient' }, request: { method: 'POST', url: 'Observation' } },
    ] }),
  });
  assert.equal(tx.status, 400);
  const admin = await loginAs('admin');
  const evs = await events(admin, `patient=${pid}&agent=api-tests`);
  assert.equal(evs.length, 1);
  assert.equal(sub(evs[0]), 'create');
  assert.equal(evs[0].outcome, '0');
  const mine = await events(admin, `agent=api-tests&date=ge${since}`);
  assert.ok(mine.some((e) => refs(e).includes(`Observation/${uniq}-missing`) && e.outcome === '4' && e.action === 'R'));
  // the transaction's first entry was rolled back with its record; the request itself is recorded
  assert.equal((await events(admin, `patient=${pid}-tx`)).length, 0);
  assert.ok(mine.some((e) => sub(e) === 'transaction' && e.outcome === '4'));
});
