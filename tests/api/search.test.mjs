// search.test.mjs — FHIR search over HTTP: the US Core parameters per type (token,
// reference, date, string with :exact / :contains), OR with commas and AND with repeats,
// _sort, _include / _revinclude (search.mode "include", not counted in total), paging links
// that carry every parameter, 400s that name the parameter, and the CapabilityStatement's
// per-type lists. Everything here carries this run's own ids and identifiers.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { url, assertOutcome, fetch } from './lib.mjs';

const FHIR = 'application/fhir+json';
const RUN = `s${Date.now()}${process.pid}`;
const SYS = `urn:painpath:test:${RUN}`;

async function put(resource) {
  const res = await fetch(url(`/fhir/${resource.resourceType}/${resource.id}`), {
    method: 'PUT', body: JSON.stringify(resource), headers: { 'content-type': FHIR },
  });
  assert.ok(res.status === 200 || res.status === 201, `${resource.resourceType}/${resource.id}: ${res.status}`);
}

async function search(query) {
  const res = await fetch(url(`/fhir/${query}`));
  assert.equal(res.status, 200, query);
  return res.json();
}

const ids = (b, mode = 'match') => (b.entry ?? []).filter((e) => e.search.mode === mode)
  .map((e) => `${e.resource.resourceType}/${e.resource.id}`);

const P1 = `p1-${RUN}`, P2 = `p2-${RUN}`, DR = `dr-${RUN}`;
const FAMILY = `Zy${RUN}`; // unique family names: Zy<run>ñez and Zy<run>berg

const loaded = (async () => {
  await put({ resourceType: 'Patient', id: P1, gender: 'female', birthDate: '1980-03-04',
    identifier: [{ system: SYS, value: 'mrn1' }],
    name: [{ family: `${FAMILY}ñez`, given: ['José'] }] });
  await put({ resourceType: 'Patient', id: P2, gender: 'male', birthDate: '1975',
    identifier: [{ system: SYS, value: 'mrn2' }], name: [{ family: `${FAMILY}berg`, given: ['Paul'] }] });
  await put({ resourceType: 'Practitioner', id: DR, identifier: [{ system: SYS, value: 'npi' }],
    name: [{ family: `Osler${RUN}` }] });
  const obs = (n, patient, date, code, status) => put({
    resourceType: 'Observation', id: `o${n}-${RUN}`, status, identifier: [{ system: SYS, value: 'obs' }],
    subject: { reference: `Patient/${patient}` }, effectiveDateTime: date,
    code: { coding: [{ system: 'http://loinc.org', code }] },
  });
  await obs(1, P1, '2020-03-04', '72514-3', 'final');
  await obs(2, P1, '2020-03-05T01:30:00+02:00', '8867-4', 'amended');
  await obs(3, P2, '2021-01-01T10:00:00Z', '72514-3', 'final');
  await put({ resourceType: 'Encounter', id: `e1-${RUN}`, status: 'finished',
    identifier: [{ system: SYS, value: 'enc' }], subject: { reference: `Patient/${P1}` },
    participant: [{ individual: { reference: `Practitioner/${DR}` } }],
    period: { start: '2020-03-04T10:00:00Z', end: '2020-03-04T10:30:00Z' } });
})();

test('token, reference and date parameters; OR and AND', async () => {
  await loaded;
  const base = `Observation?identifier=${encodeURIComponent(`${SYS}|obs`)}`;
  let b = await search(base);
  assert.equal(b.total, 3);
  b = await search(`${base}&code=${encodeURIComponent('http://loinc.org|72514-3')}`);
  assert.deepEqual(ids(b), [`Observation/o1-${RUN}`, `Observation/o3-${RUN}`]);
  b = await search(`${base}&code=72514-3&status=final&patient=${P2}`);
  assert.deepEqual(ids(b), [`Observation/o3-${RUN}`]);
  b = await search(`${base}&status=amended,final&subject=Patient/${P1}`);
  assert.equal(b.total, 2);
  b = await search(`${base}&status:not=final`);
  assert.deepEqual(ids(b), [`Observation/o2-${RUN}`]);
  // o2 is 2020-03-04T23:30Z (its +02:00 offset taken into account)
  b = await search(`${base}&date=2020-03-04`);
  assert.equal(b.total, 2);
  b = await search(`${base}&date=ge2020-03-05`);
  assert.deepEqual(ids(b), [`Observation/o3-${RUN}`]);
  b = await search(`${base}&date=gt2020-03-03&date=lt2021`);
  assert.equal(b.total, 2);
  b = await search(`${base}&date=sa2020`);
  assert.deepEqual(ids(b), [`Observation/o3-${RUN}`]);
  b = await search(`Patient?identifier=${encodeURIComponent(`${SYS}|`)}&birthdate=1975`);
  assert.deepEqual(ids(b), [`Patient/${P2}`]);
  b = await search(`Encounter?patient=${P1}&practitioner=${DR}&date=2020-03`);
  assert.equal(b.total, 1);
});

test('string parameters: prefix without case or accents, :exact, :contains', async () => {
  await loaded;
  let b = await search(`Patient?family=${FAMILY.toLowerCase()}`);
  assert.equal(b.total, 2);
  b = await search(`Patient?family=${encodeURIComponent(`${FAMILY}NEZ`)}`);
  assert.deepEqual(ids(b), [`Patient/${P1}`]);
  b = await search(`Patient?family:exact=${encodeURIComponent(`${FAMILY}ñez`)}`);
  assert.equal(b.total, 1);
  b = await search(`Patient?family:exact=${encodeURIComponent(`${FAMILY}nez`)}`);
  assert.equal(b.total, 0);
  b = await search(`Patient?family:contains=${RUN}BER`);
  assert.deepEqual(ids(b), [`Patient/${P2}`]);
  b = await search(`Patient?name=jose&family=${FAMILY}`);
  assert.deepEqual(ids(b), [`Patient/${P1}`]);
  b = await search(`Practitioner?name=osler${RUN}`);
  assert.equal(b.total, 1);
});

test('_sort by several keys; paging links carry every parameter', async () => {
  await loaded;
  const base = `Observation?identifier=${encodeURIComponent(`${SYS}|obs`)}`;
  let b = await search(`${base}&_sort=-date`);
  assert.deepEqual(ids(b), [`Observation/o3-${RUN}`, `Observation/o2-${RUN}`, `Observation/o1-${RUN}`]);
  b = await search(`${base}&_sort=status,-_id`);
  assert.deepEqual(ids(b), [`Observation/o2-${RUN}`, `Observation/o3-${RUN}`, `Observation/o1-${RUN}`]);
  b = await search(`Patient?family=${FAMILY}&_sort=family`);
  assert.deepEqual(ids(b), [`Patient/${P2}`, `Patient/${P1}`]);
  // page through with the links: the filters, _sort and _include stay on every link
  let next = url(`/fhir/${base}&date=ge2020&_sort=date&_include=Observation:patient&_count=1`);
  const seen = [];
  while (next) {
    const res = await fetch(next);
    assert.equal(res.status, 200);
    b = await res.json();
    assert.equal(b.total, 3);
    for (const l of b.link) {
      assert.match(l.url, /identifier=/);
      assert.match(l.url, /date=ge2020/);
      assert.match(l.url, /_sort=date/);
      assert.match(l.url, /_include=Observation(:|%3A)patient/);
    }
    seen.push(...ids(b));
    assert.equal(ids(b, 'include').length, 1);
    next = b.link.find((l) => l.relation === 'next')?.url;
    assert.ok(seen.length <= 3);
  }
  assert.deepEqual(seen, [`Observation/o1-${RUN}`, `Observation/o2-${RUN}`, `Observation/o3-${RUN}`]);
});

test('_include and _revinclude add each resource once, as search.mode include', async () => {
  await loaded;
  const base = `Observation?identifier=${encodeURIComponent(`${SYS}|obs`)}`;
  let b = await search(`${base}&_include=Observation:patient`);
  assert.equal(b.total, 3, 'includes are not counted');
  assert.equal(ids(b).length, 3);
  assert.deepEqual(ids(b, 'include'), [`Patient/${P1}`, `Patient/${P2}`]);
  b = await search(`Patient?_id=${P1}&_revinclude=Observation:patient&_revinclude=Encounter:patient`);
  assert.equal(b.total, 1);
  assert.deepEqual(ids(b, 'include'),
    [`Observation/o1-${RUN}`, `Observation/o2-${RUN}`, `Encounter/e1-${RUN}`]);
  b = await search(`Encounter?patient=${P1}&_include=Encounter:practitioner&_include=Encounter:patient`);
  assert.deepEqual(ids(b, 'include'), [`Practitioner/${DR}`, `Patient/${P1}`]);
});

test('search errors are 400s that name the parameter', async () => {
  let issue = await assertOutcome(await fetch(url('/fhir/Patient?code=x')), 400);
  assert.match(issue.diagnostics, /code/);
  issue = await assertOutcome(await fetch(url('/fhir/Observation?date=2020-13')), 400);
  assert.deepEqual(issue.expression, ['date']);
  issue = await assertOutcome(await fetch(url('/fhir/Observation?patient=Practitioner/x')), 400);
  assert.deepEqual(issue.expression, ['patient']);
  issue = await assertOutcome(await fetch(url('/fhir/Observation?_include=Observation:colour')), 400);
  assert.match(issue.diagnostics, /colour/);
  issue = await assertOutcome(await fetch(url('/fhir/Observation?_sort=subject')), 400);
  assert.deepEqual(issue.expression, ['_sort']);
  issue = await assertOutcome(await fetch(url('/fhir/Patient?family:fuzzy=x')), 400);
  assert.match(issue.diagnostics, /family:fuzzy/);
  await assertOutcome(await fetch(url('/fhir/Observation?status=')), 400);
});

test('the CapabilityStatement lists each type\'s parameters, includes and revincludes', async () => {
  const cs = await (await fetch(url('/fhir/metadata'))).json();
  const byType = Object.fromEntries(cs.rest[0].resource.map((r) => [r.type, r]));
  const names = (t) => byType[t].searchParam.map((p) => p.name).sort();
  assert.deepEqual(names('Patient'),
    ['_id', '_lastUpdated', 'birthdate', 'family', 'gender', 'given', 'identifier', 'name']);
  assert.deepEqual(names('Slot'), ['_id', '_lastUpdated', 'identifier', 'schedule', 'service-type', 'start', 'status']);
  for (const n of ['patient', 'category', 'code', 'date', 'status', 'part-of', 'based-on'])
    assert.ok(names('Observation').includes(n), n);
  for (const r of cs.rest[0].resource)
    for (const p of r.searchParam) {
      assert.match(p.definition, /^http:\/\/hl7\.org\/fhir\/(us\/core\/)?SearchParameter\//);
      assert.ok(['token', 'reference', 'date', 'string'].includes(p.type), `${r.type}.${p.name}`);
    }
  const name = byType.Patient.searchParam.find((p) => p.name === 'name');
  assert.equal(name.definition, 'http://hl7.org/fhir/us/core/SearchParameter/us-core-patient-name');
  assert.ok(byType.Observation.searchInclude.includes('Observation:patient'));
  assert.ok(!byType.Observation.searchInclude.includes('Observation:code'));
  assert.ok(byType.Patient.searchRevInclude.includes('Appointment:patient'));
  assert.ok(!byType.Patient.searchRevInclude.includes('Appointment:practitioner'));
});
