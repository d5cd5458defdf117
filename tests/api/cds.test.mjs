// cds.test.mjs — CDS Hooks over HTTP: discovery and order-sign give exactly what
// `painpath cds` prints; unknown services, bad JSON, wrong requests and oversized bodies
// are 4xx OperationOutcomes; feedback is accepted, stored and counted.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { url, post, cli, example, assertOutcome, NOW, fetch } from './lib.mjs';

const ORDER_SIGN = example('order-sign-request.json');

test('GET /cds-services equals `painpath cds --list`', async () => {
  const res = await fetch(url('/cds-services'));
  assert.equal(res.status, 200);
  const want = cli(['cds', '--list']);
  assert.equal(want.status, 0, want.stderr);
  const got = await res.json();
  assert.deepEqual(got, JSON.parse(want.stdout));
  assert.ok(got.services.some((s) => s.id === 'opioid-order-sign'));
});

test('POST /cds-services/opioid-order-sign gives the same cards as the CLI', async () => {
  const res = await post('/cds-services/opioid-order-sign', ORDER_SIGN);
  assert.equal(res.status, 200);
  const got = await res.json();
  const want = cli(['cds', 'opioid-order-sign', '--now', NOW], ORDER_SIGN);
  assert.equal(want.status, 0, want.stderr);
  assert.deepEqual(got, JSON.parse(want.stdout));
  assert.ok(got.cards.length > 0, 'the example triggers cards');
});

test('an unknown service answers 404', async () => {
  const issue = await assertOutcome(await post('/cds-services/no-such-service', ORDER_SIGN), 404);
  assert.equal(issue.code, 'not-found');
  await assertOutcome(await post('/cds-services/no-such-service/feedback', '{"feedback": []}'), 404);
});

test('bad JSON answers 400 naming line:column', async () => {
  const issue = await assertOutcome(await post('/cds-services/opioid-order-sign', '{\n  "hook": "order-sign",\n  "context": ]\n}'), 400);
  assert.equal(issue.code, 'invalid');
  assert.deepEqual(issue.expression, ['request:3:14']);
});

test('an empty body answers 400', async () => {
  const issue = await assertOutcome(await post('/cds-services/opioid-order-sign', ''), 400);
  assert.match(issue.expression[0], /^request:1:1$/);
});

test('JSON nested deeper than the cap answers 400', async () => {
  await assertOutcome(await post('/cds-services/opioid-order-sign', '['.repeat(200) + ']'.repeat(200)), 400);
});

test('a request that is not a CDS Hooks request answers 400 naming the field', async () => {
  let issue = await assertOutcome(await post('/cds-services/opioid-order-sign', '[1, 2]'), 400);
  assert.match(issue.diagnostics, /JSON object/);
  const req = JSON.parse(ORDER_SIGN);
  delete req.context.patientId;
  issue = await assertOutcome(await post('/cds-services/opioid-order-sign', JSON.stringify(req)), 400);
  assert.match(issue.expression[0], /context\.patientId/);
  // a request for another hook
  issue = await assertOutcome(await post('/cds-services/opioid-patient-view', ORDER_SIGN), 400);
  assert.match(issue.expression[0], /hook/);
});

test('a body over the 16 MB cap answers 413 and the connection stays usable', async () => {
  const big = ' '.repeat((16 << 20) + 1);
  const issue = await assertOutcome(await post('/cds-services/opioid-order-sign', big), 413);
  assert.equal(issue.code, 'too-costly');
  assert.equal((await fetch(url('/healthz'))).status, 200);
});

test('a body at the cap is read (and judged on its content)', async () => {
  const body = ORDER_SIGN + ' '.repeat((16 << 20) - Buffer.byteLength(ORDER_SIGN));
  const res = await post('/cds-services/opioid-order-sign', body);
  assert.equal(res.status, 200);
});

test('POST /cds-services/{id}/feedback accepts feedback, counts it, and checks its shape', async () => {
  const before = await feedbackCount();
  const fb = { feedback: [{ card: '6e2c9061-bae6-818e-9a5b-aeaf8c08db9d', outcome: 'accepted', outcomeTimestamp: '2026-11-27T10:00:00Z' }] };
  const res = await post('/cds-services/opioid-order-sign/feedback', JSON.stringify(fb));
  assert.equal(res.status, 200);
  assert.deepEqual(await res.json(), {});
  assert.equal(await feedbackCount(), before + 1);

  let issue = await assertOutcome(await post('/cds-services/opioid-order-sign/feedback', '{"feedback": [{"card": "x"}]}'), 400);
  assert.deepEqual(issue.expression, ['feedback[0].outcome']);
  issue = await assertOutcome(await post('/cds-services/opioid-order-sign/feedback', '{}'), 400);
  assert.deepEqual(issue.expression, ['feedback']);
  issue = await assertOutcome(await post('/cds-services/opioid-order-sign/feedback', '{"feedback": '), 400);
  assert.deepEqual(issue.expression, ['request:1:13']);
  await assertOutcome(await post('/cds-services/opioid-order-sign/feedback', 'x'.repeat((64 << 10) + 1)), 413);
  assert.equal(await feedbackCount(), before + 1);
});

async function feedbackCount() {
  const text = await (await fetch(url('/metrics'))).text();
  return Number(text.match(/^painpath_cds_feedback_total (\d+)$/m)[1]);
}
