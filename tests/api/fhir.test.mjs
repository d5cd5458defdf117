// fhir.test.mjs — Patient/$mme and Patient/$evaluate on a one-patient Bundle: the same
// MME as `painpath mme` and the same findings as `painpath check` for every patient of
// examples/clinic-demo.json, and 4xx OperationOutcomes for what is wrong with the input.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { post, cli, example, assertOutcome, onePatient, params, part, NOW, url, fetch } from './lib.mjs';

const DEMO = JSON.parse(example('clinic-demo.json'));
const PATIENTS = DEMO.entry.filter((e) => e.resource.resourceType === 'Patient').map((e) => e.resource.id);
const lines = (s) => s.trim().split('\n').map((l) => JSON.parse(l));

test('POST /fhir/Patient/$mme gives the MME of `painpath mme` for each patient', async () => {
  const out = cli(['mme', '--format', 'json', '--now', NOW, '-'], JSON.stringify(DEMO));
  assert.equal(out.status, 0, out.stderr);
  const want = new Map(lines(out.stdout).map((p) => [p.patient, p]));
  assert.ok(PATIENTS.length >= 2);
  for (const id of PATIENTS) {
    const res = await post('/fhir/Patient/$mme', JSON.stringify(onePatient(DEMO, id)));
    assert.equal(res.status, 200, id);
    assert.match(res.headers.get('content-type'), /^application\/fhir\+json/);
    const p = await res.json();
    assert.equal(p.resourceType, 'Parameters');
    assert.equal(params(p, 'patient')[0].valueReference.reference, `Patient/${id}`);
    const w = want.get(id);
    const total = params(p, 'totalMmePerDay')[0]?.valueDecimal ?? null;
    assert.equal(total, w.total_mme_per_day, id);
    assert.equal(params(p, 'complete')[0].valueBoolean, w.complete, id);
    const orders = params(p, 'order');
    assert.deepEqual(orders.map((o) => part(o, 'status').valueCode), w.orders.map((o) => o.status), id);
    assert.deepEqual(orders.map((o) => part(o, 'mmePerDay')?.valueDecimal ?? null), w.orders.map((o) => o.mme_per_day), id);
    assert.equal(params(p, 'finding').length, 0, '$mme has no findings');
  }
});

test('POST /fhir/Patient/$evaluate gives the findings of `painpath check` for each patient', async () => {
  const out = cli(['check', '--format', 'json', '--now', NOW, '-'], JSON.stringify(DEMO));
  assert.ok(out.status === 0 || out.status === 1, out.stderr);
  const want = new Map(lines(out.stdout).map((p) => [p.patient, p]));
  let total = 0;
  for (const id of PATIENTS) {
    const res = await post('/fhir/Patient/$evaluate', JSON.stringify(onePatient(DEMO, id)));
    assert.equal(res.status, 200, id);
    const p = await res.json();
    const got = params(p, 'finding').map((f) => ({
      rule: part(f, 'rule').valueCode,
      severity: part(f, 'severity').valueCode,
      summary: part(f, 'summary').valueString,
      evidence: f.part.filter((x) => x.name === 'evidence').map((x) => x.valueReference.reference),
    }));
    const w = want.get(id).findings.map((f) => ({ rule: f.rule, severity: f.severity, summary: f.summary, evidence: f.evidence }));
    assert.deepEqual(got, w, id);
    total += got.length;
  }
  assert.ok(total > 0, 'the demo clinic triggers findings');
});

test('a Bundle of several patients answers 400', async () => {
  const issue = await assertOutcome(await post('/fhir/Patient/$evaluate', JSON.stringify(DEMO)), 400);
  assert.match(issue.diagnostics, /exactly one patient/);
});

test('bad JSON answers 400 naming line:column', async () => {
  const issue = await assertOutcome(await post('/fhir/Patient/$mme', '{"resourceType": "Bundle",\n "entry": [}'), 400);
  assert.deepEqual(issue.expression, ['request:2:12']);
});

test('a malformed resource answers 400 naming its JSON path', async () => {
  const b = onePatient(DEMO, PATIENTS[0]);
  const i = b.entry.findIndex((e) => e.resource.resourceType === 'MedicationRequest');
  b.entry[i].resource.status = 42;
  const issue = await assertOutcome(await post('/fhir/Patient/$mme', JSON.stringify(b)), 400);
  assert.match(issue.expression[0], new RegExp(`entry\\[${i}\\]\\.resource\\.status`));
});

test('a Bundle type painpath cannot read answers 422', async () => {
  const b = { ...onePatient(DEMO, PATIENTS[0]), type: 'history' };
  await assertOutcome(await post('/fhir/Patient/$mme', JSON.stringify(b)), 422);
});

test('GET on an operation answers 405; an oversized Bundle 413', async () => {
  await assertOutcome(await fetch(url('/fhir/Patient/$mme')), 405);
  await assertOutcome(await post('/fhir/Patient/$evaluate', ' '.repeat((16 << 20) + 1)), 413);
});
