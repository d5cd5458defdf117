// export.test.mjs — FHIR Bulk Data $export: kick-off (system and Patient level, GET and
// POST), status polling to the manifest, NDJSON downloads whose lines match the manifest's
// counts, _type and _since, the 400s (no Prefer, bad _type / _since / _outputFormat), DELETE
// (cancel, files gone, then 404), unknown jobs, and the downloaded files re-imported with
// `painpath import --db` into a fresh database to the same per-type counts.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { url, cli, assertOutcome, fetch } from './lib.mjs';

const FHIR = 'application/fhir+json';
const ASYNC = { prefer: 'respond-async', accept: FHIR };
// ids unique to this run: the database is shared with the other test files
const RUN = `ex${Date.now().toString(36)}${process.pid}`;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function put(resource) {
  const res = await fetch(url(`/fhir/${resource.resourceType}/${resource.id}`), {
    method: 'PUT',
    body: JSON.stringify(resource),
    headers: { 'content-type': FHIR },
  });
  assert.ok(res.status === 200 || res.status === 201, `PUT ${resource.id}: ${res.status}`);
  return res.json();
}

const patient = (id) => ({ resourceType: 'Patient', id, name: [{ family: 'Export', given: [id] }] });
const observation = (id, pid, nrs) => ({
  resourceType: 'Observation', id, status: 'final',
  code: { coding: [{ system: 'http://loinc.org', code: '72514-3' }] },
  subject: { reference: `Patient/${pid}` }, valueQuantity: { value: nrs },
});
const condition = (id, pid) => ({
  resourceType: 'Condition', id, subject: { reference: `Patient/${pid}` },
  code: { coding: [{ system: 'http://snomed.info/sct', code: '279039007' }] },
});

// Kick off (retrying while the server answers 429: other exports still running); returns
// the status URL.
async function kickoff(path, init = {}) {
  for (let i = 0; i < 150; i++) {
    const res = await fetch(url(path), { ...init, headers: { ...ASYNC, ...(init.headers || {}) } });
    if (res.status === 429) {
      assert.ok(Number(res.headers.get('retry-after')) > 0);
      await res.body?.cancel();
      await sleep(200);
      continue;
    }
    const text = await res.text();
    assert.equal(res.status, 202, `kick-off ${path}: ${res.status} ${text}`);
    assert.equal(JSON.parse(text).resourceType, 'OperationOutcome');
    const loc = res.headers.get('content-location');
    assert.match(loc, /\/fhir\/\$export-status\/[0-9a-f]{32}$/);
    return loc;
  }
  throw new Error('the server stayed busy');
}

// Poll until 200; checks the 202 answers carry X-Progress and Retry-After.
async function poll(statusUrl) {
  for (let i = 0; i < 600; i++) {
    const res = await fetch(statusUrl);
    if (res.status === 200) {
      assert.match(res.headers.get('content-type'), /^application\/json/);
      return res.json();
    }
    assert.equal(res.status, 202, `status: ${res.status}`);
    assert.ok(res.headers.get('x-progress'), 'X-Progress while running');
    assert.ok(Number(res.headers.get('retry-after')) >= 1, 'Retry-After while running');
    await res.body?.cancel();
    await sleep(50);
  }
  throw new Error('the export did not finish');
}

// Download every output file; returns {Type: [resources]} and checks the manifest's counts.
async function download(manifest) {
  const got = {};
  for (const out of manifest.output) {
    const res = await fetch(out.url);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type'), /^application\/fhir\+ndjson/);
    const text = await res.text();
    assert.ok(text.endsWith('\n'));
    const lines = text.split('\n').slice(0, -1);
    assert.equal(lines.length, out.count, `${out.type}: manifest count vs lines`);
    got[out.type] = lines.map((l) => JSON.parse(l));
    for (const r of got[out.type]) assert.equal(r.resourceType, out.type);
  }
  return got;
}

const ids = (got, type) => new Set((got[type] || []).map((r) => r.id));

async function remove(statusUrl) {
  const res = await fetch(statusUrl, { method: 'DELETE' });
  assert.equal(res.status, 202);
  await res.body?.cancel();
}

test('Patient/$export with _type and _since: my patients since the instant, counts = lines', async () => {
  const a = `${RUN}-a`, b = `${RUN}-b`;
  await put(patient(a));
  await put(observation(`${a}-o1`, a, 6));
  await sleep(30);
  const pb = await put(patient(b));
  const since = pb.meta.lastUpdated; // b and what follows are at or after it, a's are before
  await put(observation(`${b}-o1`, b, 4));
  await put(observation(`${b}-o2`, b, 7));
  await put(condition(`${b}-c1`, b));

  const q = `_type=Patient,Observation&_since=${encodeURIComponent(since)}&_outputFormat=application%2Ffhir%2Bndjson`;
  const status = await kickoff(`/fhir/Patient/$export?${q}`);
  const m = await poll(status);
  assert.equal(m.requiresAccessToken, false);
  assert.deepEqual(m.error, []);
  assert.match(m.transactionTime, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  assert.ok(m.transactionTime >= since);
  assert.ok(m.request.includes('/fhir/Patient/$export?'), m.request);
  assert.ok(m.request.includes('_type=Patient,Observation'), m.request);
  const types = m.output.map((o) => o.type);
  assert.ok(types.every((t) => t === 'Patient' || t === 'Observation'), `only _type: ${types}`);

  const got = await download(m);
  assert.ok(ids(got, 'Patient').has(b));
  assert.ok(!ids(got, 'Patient').has(a), 'a was last updated before _since');
  assert.ok(ids(got, 'Observation').has(`${b}-o1`) && ids(got, 'Observation').has(`${b}-o2`));
  assert.ok(!ids(got, 'Observation').has(`${a}-o1`));
  for (const r of got.Observation) assert.ok(r.meta.lastUpdated >= since);
  await remove(status);
});

test('Patient/$export keeps to the compartment; system $export has everything', async () => {
  const p = `${RUN}-p`;
  await put(patient(p));
  await put(condition(`${p}-c1`, p));
  // a Condition of a patient that is not stored: in no Patient compartment
  await put(condition(`${RUN}-orphan`, `${RUN}-nobody`));
  await put({ resourceType: 'Organization', id: `${RUN}-org`, name: 'Export test clinic' });

  const ps = await kickoff('/fhir/Patient/$export?_type=Patient,Condition,Organization');
  const pm = await poll(ps);
  const pgot = await download(pm);
  // the Organization asked for is reported in an error file of OperationOutcomes
  assert.equal(pm.error.length, 1);
  assert.equal(pm.error[0].type, 'OperationOutcome');
  const errs = await download({ output: pm.error });
  assert.equal(errs.OperationOutcome.length, 1);
  assert.equal(errs.OperationOutcome[0].issue[0].severity, 'warning');
  assert.match(errs.OperationOutcome[0].issue[0].diagnostics, /^Organization /);
  assert.ok(ids(pgot, 'Patient').has(p));
  assert.ok(ids(pgot, 'Condition').has(`${p}-c1`));
  assert.ok(!ids(pgot, 'Condition').has(`${RUN}-orphan`));
  assert.equal(pgot.Organization, undefined, 'an Organization is in no Patient compartment');
  await remove(ps);

  const ss = await kickoff('/fhir/$export');
  const m = await poll(ss);
  assert.equal(new Set(m.output.map((o) => o.type)).size, m.output.length, 'one file per type');
  assert.deepEqual(m.error, []);
  const got = await download(m);
  assert.ok(ids(got, 'Patient').has(p));
  assert.ok(ids(got, 'Condition').has(`${RUN}-orphan`));
  assert.ok(ids(got, 'Organization').has(`${RUN}-org`));

  // the files re-import into a fresh database to the manifest's counts
  const dir = mkdtempSync(join(tmpdir(), 'pp-export-'));
  try {
    for (const [type, list] of Object.entries(got))
      writeFileSync(join(dir, `${type}.ndjson`), list.map((r) => JSON.stringify(r)).join('\n') + '\n');
    const r = cli(['import', '--db', join(dir, 'fresh.db'), dir]);
    assert.equal(r.status, 0, r.stderr);
    const counts = {};
    for (const line of r.stdout.split('\n')) {
      const mm = line.match(/^\s+([A-Z][A-Za-z]+)\s+(\d+)$/);
      if (mm) counts[mm[1]] = Number(mm[2]);
    }
    for (const o of m.output) assert.equal(counts[o.type], o.count, `re-imported ${o.type}`);
    const e = cli(['export', join(dir, 'again'), '--db', join(dir, 'fresh.db')]);
    assert.equal(e.status, 0, e.stderr);
    const total = Number(e.stdout.match(/total\s+(\d+)/)[1]);
    assert.equal(total, m.output.reduce((n, o) => n + o.count, 0));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  await remove(ss);
});

test('POST kick-off with a Parameters body', async () => {
  const p = `${RUN}-post`;
  await put(patient(p));
  const status = await kickoff('/fhir/Patient/$export', {
    method: 'POST',
    headers: { 'content-type': FHIR },
    body: JSON.stringify({
      resourceType: 'Parameters',
      parameter: [
        { name: '_type', valueString: 'Patient' },
        { name: '_outputFormat', valueString: 'ndjson' },
        { name: '_since', valueInstant: '2000-01-01T00:00:00+01:00' },
      ],
    }),
  });
  const m = await poll(status);
  assert.deepEqual(m.output.map((o) => o.type), ['Patient']);
  assert.ok(ids(await download(m), 'Patient').has(p));
  await remove(status);
  const bad = await fetch(url('/fhir/$export'), {
    method: 'POST', headers: { ...ASYNC, 'content-type': FHIR },
    body: JSON.stringify({ resourceType: 'Patient' }),
  });
  await assertOutcome(bad, 400);
});

test('kick-off errors: no Prefer, bad _type, _since, _outputFormat, Accept; unknown parameter', async () => {
  let issue = await assertOutcome(await fetch(url('/fhir/$export')), 400);
  assert.deepEqual(issue.expression, ['Prefer']);
  assert.match(issue.diagnostics, /respond-async/);
  issue = await assertOutcome(await fetch(url('/fhir/Patient/$export'), { headers: { prefer: 'return=minimal' } }), 400);
  assert.deepEqual(issue.expression, ['Prefer']);
  for (const [q, where] of [
    ['_type=Widget', '_type'],
    ['_type=Patient,,Condition', '_type'],
    ['_type=../etc', '_type'],
    ['_since=yesterday', '_since'],
    ['_since=2026-11-27T09:30:00', '_since'],
    ['_outputFormat=text%2Fcsv', '_outputFormat'],
    ['_typeFilter=Observation%3Fstatus%3Dfinal', '_typeFilter'],
  ]) {
    issue = await assertOutcome(await fetch(url(`/fhir/$export?${q}`), { headers: ASYNC }), 400);
    assert.deepEqual(issue.expression, [where], q);
  }
  issue = await assertOutcome(await fetch(url('/fhir/$export'), { headers: { ...ASYNC, accept: 'text/html' } }), 400);
  assert.deepEqual(issue.expression, ['Accept']);
});

test('DELETE cancels a job and removes its files; then 404; unknown jobs 404', async () => {
  await put(patient(`${RUN}-del`));
  const status = await kickoff('/fhir/$export');
  const job = status.split('/').pop();
  const dir = process.env.PP_DB && join(`${process.env.PP_DB}.export`, job);
  await remove(status); // running or already done: either way cancelled
  await assertOutcome(await fetch(status), 404);
  await assertOutcome(await fetch(status, { method: 'DELETE' }), 404);
  await assertOutcome(await fetch(url(`/fhir/$export-file/${job}/Patient.ndjson`)), 404);
  if (dir) {
    for (let i = 0; i < 100 && existsSync(dir); i++) await sleep(50);
    assert.ok(!existsSync(dir), 'the job directory is removed');
  }

  await assertOutcome(await fetch(url(`/fhir/$export-status/${'0'.repeat(32)}`)), 404);
  await assertOutcome(await fetch(url('/fhir/$export-status/not-a-job')), 404);
  await assertOutcome(await fetch(url(`/fhir/$export-status/${'0'.repeat(32)}`), { method: 'DELETE' }), 404);
  // a finished job's unknown file, and a path that tries to leave the job directory
  const s2 = await kickoff('/fhir/Patient/$export?_type=Patient');
  await poll(s2);
  const job2 = s2.split('/').pop();
  await assertOutcome(await fetch(url(`/fhir/$export-file/${job2}/Observation.ndjson`)), 404);
  await assertOutcome(await fetch(url(`/fhir/$export-file/${job2}/..%2F..%2Fapi.db`)), 404);
  const ok = await fetch(url(`/fhir/$export-file/${job2}/Patient.ndjson`));
  assert.equal(ok.status, 200);
  await ok.body?.cancel();
  await remove(s2);
  await assertOutcome(await fetch(url(`/fhir/$export-file/${job2}/Patient.ndjson`)), 404);
});

test('the CapabilityStatement lists export and patient-export', async () => {
  const cs = await (await fetch(url('/fhir/metadata'))).json();
  const names = cs.rest[0].operation.map((o) => o.name);
  assert.ok(names.includes('export') && names.includes('patient-export'), names.join());
});
