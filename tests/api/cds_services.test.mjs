// cds_services.test.mjs — the CDS services beyond the opioid ones (pain-summary,
// procedure-order-sign, imaging-order-select) over HTTP give exactly what `painpath cds`
// prints; absent prefetch keys are completed from the store when it holds the patient and
// answered 412 otherwise; feedback is stored (all items or none). Every patient here has an
// id of its own (the database is shared with the other test files).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { url, post, cli, assertOutcome, NOW, SRC, fetch } from './lib.mjs';

const fixture = (name) => readFileSync(join(SRC, 'tests', 'fixtures', 'cds', name), 'utf8');
const RUN = `${process.pid}-${Date.now()}`;

async function put(type, resource) {
  const res = await fetch(url(`/fhir/${type}/${resource.id}`), {
    method: 'PUT', body: JSON.stringify(resource), headers: { 'content-type': 'application/fhir+json' },
  });
  assert.ok(res.status === 200 || res.status === 201, `PUT ${type}/${resource.id}: ${res.status}`);
}

// The cards of the CLI and of the server for the same request.
async function both(service, body) {
  const want = cli(['cds', service, '--now', NOW], body);
  assert.equal(want.status, 0, want.stderr);
  const res = await post(`/cds-services/${service}`, body);
  assert.equal(res.status, 200, await res.clone().text());
  return { got: await res.json(), want: JSON.parse(want.stdout) };
}

const topics = (r) => r.cards.map((c) => `${c.indicator} ${c.source.topic.code}`);

test('discovery lists the three services with their prefetch templates, as the CLI', async () => {
  const got = await (await fetch(url('/cds-services'))).json();
  const byId = Object.fromEntries(got.services.map((s) => [s.id, s]));
  assert.equal(byId['pain-summary'].hook, 'patient-view');
  assert.equal(byId['procedure-order-sign'].hook, 'order-sign');
  assert.equal(byId['imaging-order-select'].hook, 'order-select');
  assert.equal(byId['imaging-order-select'].prefetch.questionnaireResponses,
    'QuestionnaireResponse?patient={{context.patientId}}');
  assert.ok(byId['procedure-order-sign'].prefetch.imagingStudies);
  assert.equal(byId['pain-summary'].prefetch.observations, 'Observation?patient={{context.patientId}}');
  assert.deepEqual(got, JSON.parse(cli(['cds', '--list']).stdout));
});

for (const [file, service, expect] of [
  ['pain-summary.json', 'pain-summary',
    ['warning SUMMARY-RISK-FACTOR', 'warning SUMMARY-HIGH-MME', 'info SUMMARY-CONDITIONS',
      'info SUMMARY-ASSESSMENTS', 'info SUMMARY-TREATMENTS', 'info SUMMARY-RISK-CONSIDERATIONS']],
  ['procedure-order-sign.json', 'procedure-order-sign',
    ['critical COV-NOT-ELIGIBLE', 'warning COV-NOT-ELIGIBLE', 'info COV-ELIGIBLE']],
  ['procedure-eligible-later.json', 'procedure-order-sign', ['warning COV-ELIGIBLE-LATER']],
  ['imaging-order-select.json', 'imaging-order-select',
    ['warning IMG-MODALITY-MISMATCH', 'info IMG-V3-CANDIDATE', 'info IMG-V3-CANDIDATE']],
  ['imaging-red-flag.json', 'imaging-order-select', ['critical IMG-V4-CAUDA-EQUINA']],
]) {
  test(`POST /cds-services/${service} (${file}) gives the CLI's cards`, async () => {
    const { got, want } = await both(service, fixture(file));
    assert.deepEqual(got, want);
    assert.deepEqual(topics(got), expect);
    for (const c of got.cards) assert.equal(c.source.topic.system, 'urn:painpath:rule');
  });
}

test('procedure-order-sign names each unmet criterion and the date eligibility starts', async () => {
  const { got } = await both('procedure-order-sign', fixture('procedure-eligible-later.json'));
  assert.match(got.cards[0].summary, /eligible from 2026-12-08/);
  assert.match(got.cards[0].detail, /COV-ESI-PAIN-DURATION/);
  const signed = await both('procedure-order-sign', fixture('procedure-order-sign.json'));
  const rfa = signed.got.cards.find((c) => c.detail.includes('ServiceRequest/cds-proc-1-rfa'));
  assert.match(rfa.detail, /\*\*COV-FACET-RFA-BLOCKS\*\*/);
  // the physical therapy order is not a procedure of the catalogue: no card
  assert.ok(!signed.got.cards.some((c) => c.detail.includes('cds-proc-1-pt')));
});

test('a wrong hook or an unreadable draft order answers 400 naming the field', async () => {
  let issue = await assertOutcome(await post('/cds-services/pain-summary', fixture('imaging-order-select.json')), 400);
  assert.deepEqual(issue.expression, ['request: hook']);
  const req = JSON.parse(fixture('procedure-order-sign.json'));
  req.context.draftOrders.entry[0].resource.occurrenceDateTime = 'soon';
  issue = await assertOutcome(await post('/cds-services/procedure-order-sign', JSON.stringify(req)), 400);
  assert.match(issue.expression[0], /occurrenceDateTime/);
});

test('a declared prefetch key that is absent, for a patient the store does not hold, answers 412', async () => {
  const req = JSON.parse(fixture('pain-summary.json'));
  req.context.patientId = `nobody-${RUN}`;
  delete req.prefetch.observations;
  delete req.prefetch.encounters;
  const issue = await assertOutcome(await post('/cds-services/pain-summary', JSON.stringify(req)), 412);
  assert.deepEqual(issue.expression, ['prefetch.encounters']);
  assert.match(issue.diagnostics, /missing prefetch keys: encounters, observations \(/);
  // no prefetch at all: every declared key is named
  const all = await assertOutcome(await post('/cds-services/imaging-order-select',
    JSON.stringify({ ...JSON.parse(fixture('imaging-order-select.json')), prefetch: undefined })), 412);
  assert.match(all.diagnostics, /patient, conditions, questionnaireResponses/);
});

test('a prefetch that is not an object is a 400 naming it, not a 412', async () => {
  const req = JSON.parse(fixture('pain-summary.json'));
  req.context.patientId = `nobody-${RUN}`;
  req.prefetch = [];
  const issue = await assertOutcome(await post('/cds-services/pain-summary', JSON.stringify(req)), 400);
  assert.match(issue.expression[0], /prefetch/);
});

test('a key present with value null means "no data": no 412', async () => {
  const req = JSON.parse(fixture('pain-summary.json'));
  req.context.patientId = `nobody-${RUN}`;
  req.prefetch.observations = null;
  const res = await post('/cds-services/pain-summary', JSON.stringify(req));
  assert.equal(res.status, 200);
  const body = await res.json();
  // without the two NRS observations the assessments card counts none
  assert.match(body.cards.find((c) => c.source.topic.code === 'SUMMARY-ASSESSMENTS').summary, /: 0 items/);
});

// Store the resources of a fixture's prefetch under a new patient id; returns the request
// rewritten to that id (the full prefetch, for the CLI) and the same without prefetch.
async function storeFixture(file, id) {
  const text = fixture(file).replaceAll(JSON.parse(fixture(file)).context.patientId.replace(/^Patient\//, ''), id);
  const full = JSON.parse(text);
  for (const v of Object.values(full.prefetch)) {
    if (!v) continue;
    for (const r of v.resourceType === 'Bundle' ? v.entry.map((e) => e.resource) : [v]) await put(r.resourceType, r);
  }
  const bare = structuredClone(full);
  delete bare.prefetch;
  return { full, bare };
}

test('absent prefetch is completed from the store when it holds the patient: same cards as a full prefetch', async () => {
  for (const [file, service] of [['pain-summary.json', 'pain-summary'],
    ['imaging-order-select.json', 'imaging-order-select'],
    ['procedure-order-sign.json', 'procedure-order-sign']]) {
    const id = `cds-${service}-${RUN}`;
    const { full, bare } = await storeFixture(file, id);
    const want = cli(['cds', service, '--now', NOW], JSON.stringify(full));
    assert.equal(want.status, 0, want.stderr);
    const res = await post(`/cds-services/${service}`, JSON.stringify(bare));
    assert.equal(res.status, 200, await res.clone().text());
    assert.deepEqual(await res.json(), JSON.parse(want.stdout), `${service}: completion differs from the full prefetch`);
    // the CLI has no store: the bare request reads as no data and gives other cards
    const cliBare = cli(['cds', service, '--now', NOW], JSON.stringify(bare));
    assert.equal(cliBare.status, 0, cliBare.stderr);
    assert.notDeepEqual(JSON.parse(cliBare.stdout), JSON.parse(want.stdout));
  }
});

test('a partial prefetch keeps what was sent and completes only the absent keys', async () => {
  const id = `cds-partial-${RUN}`;
  const { full } = await storeFixture('pain-summary.json', id);
  const partial = structuredClone(full);
  delete partial.prefetch.medicationRequests; // from the store
  partial.prefetch.observations = null;       // "no data", although the store has two
  const res = await post('/cds-services/pain-summary', JSON.stringify(partial));
  assert.equal(res.status, 200);
  const got = await res.json();
  assert.ok(topics(got).includes('warning SUMMARY-HIGH-MME'), 'the opioid order came from the store');
  assert.match(got.cards.find((c) => c.source.topic.code === 'SUMMARY-ASSESSMENTS').summary, /: 0 items/);
});

function feedbackRows(card) {
  const r = spawnSync('sqlite3', [process.env.PP_DB, `SELECT count(*) FROM cds_feedback WHERE card = '${card}'`], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return Number(r.stdout.trim());
}

test('feedback is stored, all items or none, and bad items are named', async () => {
  const card = `card-${RUN}`;
  const item = { card, outcome: 'overridden', outcomeTimestamp: '2026-11-27T10:00:00Z',
    overrideReason: { reason: { code: 'patient-declined', system: 'urn:example' }, userComment: 'later' } };
  let res = await post('/cds-services/pain-summary/feedback',
    JSON.stringify({ feedback: [item, { card, outcome: 'accepted', outcomeTimestamp: '2026-11-27T10:01:00Z' }] }));
  assert.equal(res.status, 200);
  assert.deepEqual(await res.json(), {});
  assert.equal(feedbackRows(card), 2);
  const bad = [
    [{ ...item, outcome: 'ignored' }, 'feedback[1].outcome'],
    [{ ...item, card: 7 }, 'feedback[1].card'],
    [{ ...item, overrideReason: 'no' }, 'feedback[1].overrideReason'],
    [{ card, outcome: 'accepted' }, 'feedback[1].outcomeTimestamp'],
    ['x', 'feedback[1]'],
  ];
  for (const [second, where] of bad) {
    const issue = await assertOutcome(await post('/cds-services/pain-summary/feedback',
      JSON.stringify({ feedback: [item, second] })), 400);
    assert.deepEqual(issue.expression, [where]);
  }
  assert.equal(feedbackRows(card), 2, 'a batch with a bad item stores nothing');
});
