// ops.test.mjs — the workflow operations (docs/API.md "Workflow operations") on resources
// this file stores under its own ids: each answer is checked against what the command line
// gives for the same input (triage, block, eligibility, credential, plan, check, mme) or
// against hand-checked expectations (next available slot), and every error path answers an
// OperationOutcome naming the field.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { randomBytes } from 'node:crypto';
import { post, cli, example, assertOutcome, onePatient, params, part, NOW, url, fetch } from './lib.mjs';

const RUN = `ops${randomBytes(4).toString('hex')}`;
const id = (name) => `${RUN}-${name}`;
const ref = (type, name) => ({ reference: `${type}/${id(name)}` });

const get = (path) => fetch(url(path));
const postJson = (path, body) => post(path, JSON.stringify(body), { 'content-type': 'application/fhir+json' });
const one = (p, name) => params(p, name)[0];
const value = (x) => (x ? x.valueCode ?? x.valueString ?? x.valueDate ?? x.valueBoolean ?? x.valueDecimal ?? x.valueInteger ?? x.valueDateTime : undefined);
const rules = (p) => params(p, 'finding').map((f) => part(f, 'rule').valueCode);

// Store resources with their ids in one transaction.
async function store(resources) {
  const bundle = {
    resourceType: 'Bundle',
    type: 'transaction',
    entry: resources.map((r) => ({ resource: r, request: { method: 'PUT', url: `${r.resourceType}/${r.id}` } })),
  };
  const res = await postJson('/fhir', bundle);
  assert.equal(res.status, 200, await res.text());
}

const collection = (resources) => ({ resourceType: 'Bundle', type: 'collection', entry: resources.map((r) => ({ resource: r })) });

// Rename every resource of a Bundle (and the references between them) under this run's ids.
function uniquify(bundle) {
  const ids = new Set(bundle.entry.map((e) => `${e.resource.resourceType}/${e.resource.id}`));
  const walk = (v) => {
    if (Array.isArray(v)) return v.map(walk);
    if (v && typeof v === 'object') {
      const o = {};
      for (const [k, x] of Object.entries(v)) {
        o[k] = k === 'reference' && typeof x === 'string' && ids.has(x) ? x.replace(/\/(.*)$/, (_, rid) => `/${id(rid)}`) : walk(x);
      }
      return o;
    }
    return v;
  };
  return {
    ...bundle,
    entry: bundle.entry.map((e) => ({ resource: { ...walk(e.resource), id: id(e.resource.id) } })),
  };
}

test('the CapabilityStatement lists every workflow operation on its resource type', async () => {
  const cs = await (await get('/fhir/metadata')).json();
  const ops = (type) => (cs.rest[0].resource.find((r) => r.type === type)?.operation ?? []).map((o) => o.name);
  assert.deepEqual(ops('Patient').sort(), ['care-plan', 'evaluate', 'mme']);
  assert.deepEqual(ops('ServiceRequest').sort(), ['eligibility', 'triage']);
  assert.deepEqual(ops('Procedure'), ['block-report']);
  assert.deepEqual(ops('Practitioner'), ['qualification']);
  assert.deepEqual(ops('Slot'), ['next-available']);
  assert.deepEqual(ops('Observation'), []);
});

// ---- ServiceRequest/$triage ----

const referral = {
  resourceType: 'ServiceRequest', id: id('ref'), status: 'active', intent: 'order',
  subject: ref('Patient', 'tri'), requester: ref('Practitioner', 'pcp'),
};
const intake = {
  resourceType: 'QuestionnaireResponse', id: id('intake'), status: 'completed',
  subject: ref('Patient', 'tri'), basedOn: [ref('ServiceRequest', 'ref')],
  item: [
    { linkId: 'referral_source', answer: [{ valueCoding: { code: 'primary_care' } }] },
    { linkId: 'onset', answer: [{ valueDate: '2026-10-20' }] },
    { linkId: 'course', answer: [{ valueCoding: { code: 'not_improving' } }] },
    { linkId: 'conservative_care', item: [
      { linkId: 'rest', answer: [{ valueDate: '2026-10-21' }] },
      { linkId: 'physical_therapy', answer: [{ valueDate: '2026-10-28' }] }] },
    { linkId: 'nrs', answer: [{ valueInteger: 6 }] },
    { linkId: 'prior_imaging', answer: [{ valueBoolean: false }] },
    { linkId: 'surgery_stance', answer: [{ valueCoding: { code: 'unsure' } }] },
  ],
};

function sameTriage(p, w) {
  assert.equal(one(p, 'disposition').valueCode, w.disposition);
  assert.equal(value(one(p, 'reviewDate')) ?? null, w.review_date);
  assert.deepEqual(params(p, 'candidacy').map(value), w.candidacy);
  assert.deepEqual(params(p, 'bring').map(value), w.bring);
  assert.equal(value(one(p, 'consultLetterTo')) ?? null, w.consult_letter_to);
  assert.deepEqual(rules(p), w.findings.map((f) => f.rule));
  assert.deepEqual(params(p, 'finding').map((f) => part(f, 'summary').valueString), w.findings.map((f) => f.summary));
}

test('ServiceRequest/{id}/$triage reads the intake basedOn the referral: the answer of `painpath triage`', async () => {
  await store([{ resourceType: 'Patient', id: id('tri') }, referral, intake]);
  const out = cli(['triage', '--now', NOW, '--format', 'json', '-'], JSON.stringify(collection([referral, intake])));
  assert.equal(out.status, 0, out.stderr);
  const want = JSON.parse(out.stdout);
  assert.equal(want.disposition, 'interventional');
  for (const res of [await get(`/fhir/ServiceRequest/${id('ref')}/$triage`),
    await postJson(`/fhir/ServiceRequest/${id('ref')}/$triage`, { resourceType: 'Parameters' }),
    await postJson('/fhir/ServiceRequest/$triage', collection([referral, intake]))]) {
    assert.equal(res.status, 200);
    const p = await res.json();
    assert.equal(p.resourceType, 'Parameters');
    sameTriage(p, want);
  }
});

test('$triage takes the QuestionnaireResponse the referral names in supportingInfo', async () => {
  // a worsening course named by supportingInfo; a stale intake basedOn the same referral is not read
  const named = { ...intake, id: id('named'), basedOn: undefined, item: intake.item.map((i) => (i.linkId === 'course' ? { linkId: 'course', answer: [{ valueCoding: { code: 'improving' } }] } : i)) };
  const sr = { ...referral, id: id('ref2'), supportingInfo: [ref('QuestionnaireResponse', 'named')] };
  const stale = { ...intake, id: id('stale'), basedOn: [ref('ServiceRequest', 'ref2')] };
  await store([{ resourceType: 'Patient', id: id('tri') }, sr, named, stale]);
  const out = cli(['triage', '--now', NOW, '--format', 'json', '-'], JSON.stringify(collection([sr, named])));
  const want = JSON.parse(out.stdout);
  const other = JSON.parse(cli(['triage', '--now', NOW, '--format', 'json', '-'], JSON.stringify(collection([referral, intake]))).stdout);
  assert.notDeepEqual(want.findings.map((f) => f.rule), other.findings.map((f) => f.rule), 'the two intakes differ');
  const res = await get(`/fhir/ServiceRequest/${id('ref2')}/$triage`);
  assert.equal(res.status, 200);
  sameTriage(await res.json(), want);
});

test('$triage errors: unknown referral 404, no intake answers 422, a bad answer 400 naming it', async () => {
  let issue = await assertOutcome(await get(`/fhir/ServiceRequest/${id('nope')}/$triage`), 404);
  assert.deepEqual(issue.expression, [`ServiceRequest/${id('nope')}`]);
  const lonely = { ...referral, id: id('lonely') };
  await store([lonely]);
  issue = await assertOutcome(await get(`/fhir/ServiceRequest/${id('lonely')}/$triage`), 422);
  assert.match(issue.expression[0], /QuestionnaireResponse/);
  const bad = { ...intake, item: intake.item.map((i) => (i.linkId === 'onset' ? { linkId: 'onset', answer: [{ valueDate: 'last week' }] } : i)) };
  issue = await assertOutcome(await postJson('/fhir/ServiceRequest/$triage', collection([referral, bad])), 400);
  assert.match(issue.expression[0], /onset/);
  await assertOutcome(await post('/fhir/ServiceRequest/$triage', ''), 400);
  // supportingInfo naming another patient's answers is refused, not read
  const foreign = { ...intake, id: id('foreign'), subject: ref('Patient', 'other'), basedOn: undefined };
  const pointing = { ...referral, id: id('ref3'), supportingInfo: [ref('QuestionnaireResponse', 'foreign')] };
  await store([{ resourceType: 'Patient', id: id('other') }, foreign, pointing]);
  issue = await assertOutcome(await get(`/fhir/ServiceRequest/${id('ref3')}/$triage`), 422);
  assert.deepEqual(issue.expression, ['ServiceRequest.supportingInfo']);
});

// ---- Procedure/$block-report ----

const ext = (url, v) => ({ url, ...v });
function block(name, agent, pct, when, extra = {}) {
  return {
    resourceType: 'Procedure', id: id(name), status: 'completed', subject: ref('Patient', 'blk'),
    code: { coding: [{ system: 'urn:painpath:procedure', code: 'mbb-lumbar' }, { system: 'http://www.ama-assn.org/go/cpt', code: '64493' }] },
    performedDateTime: when, bodySite: [{ text: 'L4-L5 right' }],
    usedCode: [{ coding: [{ system: 'urn:painpath:anesthetic', code: agent }] }],
    extension: [
      ext('urn:painpath:anesthetic-concentration', { valueQuantity: { value: pct, unit: '%' } }),
      ext('urn:painpath:injectate-volume', { valueQuantity: { value: 0.5, unit: 'mL' } }),
      ext('urn:painpath:guidance', { valueCode: 'fluoroscopy' }),
    ],
    ...extra,
  };
}
const rating = (name, proc, when, nrs) => ({
  resourceType: 'Observation', id: id(name), status: 'final', subject: ref('Patient', 'blk'),
  code: { coding: [{ system: 'http://loinc.org', code: '72514-3' }] }, partOf: [ref('Procedure', proc)],
  effectiveDateTime: when, valueQuantity: { value: nrs },
});
const at = (day, minutes) => new Date(Date.parse(`${day}T09:00:00Z`) + minutes * 60000).toISOString().replace('.000Z', 'Z');
// lidocaine: relief 8 -> 1 for an hour; bupivacaine: 8 -> 1 for six hours
const LIDO = [[30, 1], [60, 1], [120, 8], [240, 8]];
const BUPI = [[30, 1], [60, 1], [120, 1], [240, 1], [360, 1], [480, 8]];
const blockResources = [
  { resourceType: 'Patient', id: id('blk') },
  { resourceType: 'ServiceRequest', id: id('ask'), status: 'active', intent: 'order', subject: ref('Patient', 'blk'), requester: { display: 'Dr. A. Surgeon' }, note: [{ text: 'Is L4-L5 the generator?' }] },
  block('lido', 'lidocaine', 2, at('2026-11-02', 0), { basedOn: [ref('ServiceRequest', 'ask')] }),
  block('bupi', 'bupivacaine', 0.5, at('2026-11-16', 0)),
  rating('l-base', 'lido', at('2026-11-02', -10), 8),
  ...LIDO.map(([m, v], i) => rating(`l${i}`, 'lido', at('2026-11-02', m), v)),
  rating('b-base', 'bupi', at('2026-11-16', -10), 8),
  ...BUPI.map(([m, v], i) => rating(`b${i}`, 'bupi', at('2026-11-16', m), v)),
];
const plainBlocks = {
  requested_by: 'Dr. A. Surgeon', question: 'Is L4-L5 the generator?', target: 'medial-branch', levels: ['L4-L5'], side: 'right', procedure: 'mbb-lumbar',
  blocks: [
    { date: '2026-11-02', guidance: 'fluoroscopy', anesthetic: 'lidocaine', concentration_pct: 2, volume_ml: 0.5, baseline_nrs: 8, diary: LIDO.map(([minutes, nrs]) => ({ minutes, nrs })) },
    { date: '2026-11-16', guidance: 'fluoroscopy', anesthetic: 'bupivacaine', concentration_pct: 0.5, volume_ml: 0.5, baseline_nrs: 8, diary: BUPI.map(([minutes, nrs]) => ({ minutes, nrs })) },
  ],
};

function sameBlocks(p, w) {
  assert.equal(one(p, 'site').valueString, w.target.site);
  assert.equal(one(p, 'concordance').valueCode, w.concordance);
  assert.equal(one(p, 'generatorLikely').valueBoolean, w.generator_likely);
  assert.equal(one(p, 'conclusion').valueString, w.conclusion);
  assert.equal(value(one(p, 'durationGainMinutes')) ?? null, w.duration_gain_minutes);
  const blocks = params(p, 'block');
  assert.equal(blocks.length, w.blocks.length);
  blocks.forEach((b, i) => {
    const wb = w.blocks[i];
    assert.equal(part(b, 'anesthetic').valueCode, wb.anesthetic);
    assert.equal(part(b, 'result').valueCode, wb.result);
    assert.equal(value(part(b, 'peakReliefPct')) ?? null, wb.peak_relief_pct);
    assert.equal(value(part(b, 'sustainedReliefPct')) ?? null, wb.sustained_relief_pct);
    assert.equal(value(part(b, 'reliefUntilMinutes')) ?? null, wb.relief_until_minutes);
    assert.equal(value(part(b, 'baselineNrs')) ?? null, wb.baseline_nrs);
  });
  assert.deepEqual(rules(p), w.findings.map((f) => f.rule));
}

test('Procedure/{id}/$block-report with a comparative block: the interpretation of `painpath block`', async () => {
  await store(blockResources);
  const out = cli(['block', '--format', 'json', '-'], JSON.stringify(plainBlocks));
  assert.equal(out.status, 0, out.stderr);
  const want = JSON.parse(out.stdout);
  assert.equal(want.concordance, 'concordant');
  // named either way round, the earlier block comes first
  for (const res of [await get(`/fhir/Procedure/${id('lido')}/$block-report?comparative=Procedure/${id('bupi')}`),
    await postJson(`/fhir/Procedure/${id('bupi')}/$block-report`, { resourceType: 'Parameters', parameter: [{ name: 'comparative', valueReference: ref('Procedure', 'lido') }] }),
    await postJson('/fhir/Procedure/$block-report', collection(blockResources))]) {
    assert.equal(res.status, 200);
    const p = await res.json();
    sameBlocks(p, want);
    assert.equal(one(p, 'procedure').valueReference.reference, `Procedure/${id('lido')}`);
    assert.equal(one(p, 'requestedBy').valueString, 'Dr. A. Surgeon');
    assert.match(one(p, 'report').valueString, /^Diagnostic block report: L4-L5 medial branches \(right\)/);
    // the diary evidence: the baseline and every rating of the first block
    assert.equal(params(p, 'block')[0].part.filter((x) => x.name === 'diary').length, LIDO.length + 1);
  }
});

test('$block-report on one block alone (instance) reads its own diary only', async () => {
  const out = cli(['block', '--format', 'json', '-'], JSON.stringify({ ...plainBlocks, blocks: [plainBlocks.blocks[1]] }));
  const want = JSON.parse(out.stdout);
  await store(blockResources);
  const res = await get(`/fhir/Procedure/${id('bupi')}/$block-report`);
  assert.equal(res.status, 200);
  const p = await res.json();
  sameBlocks(p, want);
  assert.equal(one(p, 'comparative'), undefined);
});

test('$block-report errors name the element: 404, not a block, no anesthetic, same comparative', async () => {
  let issue = await assertOutcome(await get(`/fhir/Procedure/${id('none')}/$block-report`), 404);
  assert.deepEqual(issue.expression, [`Procedure/${id('none')}`]);
  const bare = block('bare', 'lidocaine', 2, at('2026-11-03', 0));
  delete bare.usedCode;
  const rfa = { ...block('rfa', 'lidocaine', 2, at('2026-11-04', 0)), code: { coding: [{ system: 'urn:painpath:procedure', code: 'rfa-mb-lumbar' }] } };
  await store([{ resourceType: 'Patient', id: id('blk') }, bare, rfa]);
  issue = await assertOutcome(await get(`/fhir/Procedure/${id('bare')}/$block-report`), 422);
  assert.deepEqual(issue.expression, [`Procedure/${id('bare')}.usedCode`]);
  issue = await assertOutcome(await get(`/fhir/Procedure/${id('rfa')}/$block-report`), 422);
  assert.deepEqual(issue.expression, [`Procedure/${id('rfa')}.code`]);
  issue = await assertOutcome(await get(`/fhir/Procedure/${id('bare')}/$block-report?comparative=${id('bare')}`), 400);
  assert.deepEqual(issue.expression, ['comparative']);
  issue = await assertOutcome(await get(`/fhir/Procedure/${id('bare')}/$block-report?comparative=${id('gone')}`), 404);
  assert.deepEqual(issue.expression, ['comparative']);
  const badRating = rating('bad', 'lido', at('2026-11-02', 30), 12);
  issue = await assertOutcome(await postJson('/fhir/Procedure/$block-report', collection([...blockResources.slice(0, 3), badRating])), 400);
  assert.deepEqual(issue.expression, [`Observation/${id('bad')}.valueQuantity.value`]);
  issue = await assertOutcome(await postJson('/fhir/Procedure/$block-report', { resourceType: 'Parameters' }), 400);
  assert.deepEqual(issue.expression, ['resourceType']);
});

// ---- ServiceRequest/$eligibility ----

const SUBJ = ref('Patient', 'elig');
const eligResources = [
  { resourceType: 'Patient', id: id('elig') },
  {
    resourceType: 'ServiceRequest', id: id('esi'), status: 'draft', intent: 'proposal', subject: SUBJ,
    code: { coding: [{ system: 'urn:painpath:procedure', code: 'esi-tf-lumbar' }] }, occurrenceDateTime: '2026-12-01', bodySite: [{ text: 'L5 left' }],
    extension: [ext('urn:painpath:procedure-purpose', { valueCode: 'therapeutic' }), ext('urn:painpath:contrast', { valueBoolean: true }), ext('urn:painpath:guidance', { valueCode: 'fluoroscopy' })],
  },
  { resourceType: 'Condition', id: id('radic'), subject: SUBJ, code: { coding: [{ system: 'http://snomed.info/sct', code: '128196005', display: 'Lumbar radiculopathy' }] }, onsetDateTime: '2026-08-15' },
  {
    resourceType: 'QuestionnaireResponse', id: id('elig-intake'), status: 'completed', subject: SUBJ,
    item: [{ linkId: 'course', answer: [{ valueCoding: { code: 'not_improving' } }] }, { linkId: 'conservative_care.rest', answer: [{ valueDate: '2026-08-20' }] }],
  },
  { resourceType: 'DiagnosticReport', id: id('mri'), status: 'final', subject: SUBJ, code: { text: 'MRI lumbar spine' }, category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0074', code: 'RAD' }] }], effectiveDateTime: '2026-10-02' },
  { resourceType: 'Procedure', id: id('esi-prior'), status: 'completed', subject: SUBJ, code: { coding: [{ system: 'urn:painpath:procedure', code: 'esi-tf-lumbar' }] }, performedDateTime: '2026-07-01T09:00:00Z', bodySite: [{ text: 'L5 left' }], usedCode: [{ text: 'dexamethasone' }] },
  ...[['nrs0', '72514-3', '2026-06-20', 8], ['nrs1', '72514-3', '2026-11-01', 3], ['odi0', '97909-6', '2026-06-20', 40]].map(([n, loinc, day, v]) => ({
    resourceType: 'Observation', id: id(n), status: 'final', subject: SUBJ, code: { coding: [{ system: 'http://loinc.org', code: loinc }] }, effectiveDateTime: day, valueQuantity: { value: v },
  })),
];

test('ServiceRequest/{id}/$eligibility builds the history from the record: the verdict of `painpath eligibility`', async () => {
  await store(eligResources);
  const plain = JSON.parse(cli(['eligibility', '--example']).stdout);
  const out = cli(['eligibility', 'esi-tf-lumbar', '--now', NOW, '--format', 'json', '-'], JSON.stringify(plain));
  assert.ok(out.status === 0 || out.status === 1, out.stderr);
  const want = JSON.parse(out.stdout);
  for (const res of [await get(`/fhir/ServiceRequest/${id('esi')}/$eligibility`),
    await postJson('/fhir/ServiceRequest/$eligibility', collection(eligResources))]) {
    assert.equal(res.status, 200);
    const p = await res.json();
    assert.equal(one(p, 'procedure').valueCode, 'esi-tf-lumbar');
    assert.equal(one(p, 'verdict').valueCode, want.verdict);
    assert.equal(one(p, 'eligible').valueBoolean, want.eligible);
    assert.equal(value(one(p, 'eligibleOn')) ?? null, want.eligible_on);
    assert.equal(one(p, 'region').valueCode, want.region);
    const got = params(p, 'criterion').map((c) => [part(c, 'rule').valueCode, part(c, 'status').valueCode]);
    assert.deepEqual(got, want.criteria.map((c) => [c.rule, c.status]));
    assert.ok(got.length >= 4);
    assert.deepEqual(rules(p), want.findings.map((f) => f.rule));
    assert.deepEqual(params(p, 'prior').map((x) => x.valueReference.reference), [`Procedure/${id('esi-prior')}`]);
  }
});

test('$eligibility names every unmet criterion when the record lacks them, and the date it starts', async () => {
  // a radiculopathy of 2 weeks, nothing else documented: the duration and care rows are unmet
  const thin = [
    { resourceType: 'Patient', id: id('thin') },
    { ...eligResources[1], id: id('thin-esi'), subject: ref('Patient', 'thin'), occurrenceDateTime: '2026-11-27' },
    { ...eligResources[2], id: id('thin-radic'), subject: ref('Patient', 'thin'), onsetDateTime: '2026-11-13' },
  ];
  await store(thin);
  const p = await (await get(`/fhir/ServiceRequest/${id('thin-esi')}/$eligibility`)).json();
  assert.equal(one(p, 'verdict').valueCode, 'not-eligible');
  assert.equal(one(p, 'eligible').valueBoolean, false);
  const unmet = params(p, 'criterion').filter((c) => part(c, 'status').valueCode === 'unmet').map((c) => part(c, 'rule').valueCode);
  assert.ok(unmet.length >= 2, JSON.stringify(unmet));
  // each unmet criterion is a finding too
  for (const r of unmet) assert.ok(rules(p).includes(r), r);
  const duration = params(p, 'criterion').find((c) => /DURATION/.test(part(c, 'rule').valueCode));
  assert.equal(part(duration, 'status').valueCode, 'unmet');
  assert.equal(value(part(duration, 'eligibleOn')), '2026-12-11'); // 4 weeks after the onset
});

test('$eligibility errors: 404, a proposal without a catalogue code 422, a bad extension 400', async () => {
  let issue = await assertOutcome(await get(`/fhir/ServiceRequest/${id('nothing')}/$eligibility`), 404);
  assert.deepEqual(issue.expression, [`ServiceRequest/${id('nothing')}`]);
  await store([{ ...referral, id: id('plainref') }]);
  issue = await assertOutcome(await get(`/fhir/ServiceRequest/${id('plainref')}/$eligibility`), 422);
  assert.deepEqual(issue.expression, [`ServiceRequest/${id('plainref')}.code`]);
  const bad = { ...eligResources[1], extension: [ext('urn:painpath:guidance', { valueCode: 'x-ray' })] };
  issue = await assertOutcome(await postJson('/fhir/ServiceRequest/$eligibility', collection([bad])), 400);
  assert.match(issue.expression[0], /extension\('urn:painpath:guidance'\)/);
  issue = await assertOutcome(await postJson('/fhir/ServiceRequest/$eligibility', collection(eligResources.slice(2))), 400);
  assert.deepEqual(issue.expression, ['ServiceRequest']);
  // an ESI needs its levels: the record lacks them (422), named as the FHIR element
  await store([{ ...eligResources[1], id: id('nolevels'), bodySite: undefined }]);
  issue = await assertOutcome(await get(`/fhir/ServiceRequest/${id('nolevels')}/$eligibility`), 422);
  assert.deepEqual(issue.expression, [`ServiceRequest/${id('nolevels')}.bodySite[0].text`]);
});

// ---- Practitioner/$qualification ----

const doctor = {
  resourceType: 'Practitioner', id: id('dr'), name: [{ prefix: ['Dr.'], given: ['Ana'], family: 'Rivera' }],
  qualification: [
    { code: { coding: [{ system: 'urn:painpath:qualification-kind', code: 'license' }] }, issuer: { display: 'CO' }, period: { start: '2014-07-01', end: '2027-04-30' } },
    { code: { coding: [{ system: 'urn:painpath:qualification-kind', code: 'board' }, { system: 'urn:painpath:specialty', code: 'anesthesiology' }] }, issuer: { display: 'ABA' }, period: { start: '2018-10-01', end: '2028-12-31' } },
    { code: { coding: [{ system: 'urn:painpath:qualification-kind', code: 'fellowship' }, { system: 'urn:painpath:specialty', code: 'pain-medicine' }] }, issuer: { display: 'ACGME' }, period: { start: '2018-07-01', end: '2019-06-30' } },
    { code: { coding: [{ system: 'urn:painpath:qualification-kind', code: 'subspecialty' }, { system: 'urn:painpath:specialty', code: 'pain-medicine' }] }, issuer: { display: 'ABA' }, period: { start: '2019-11-01', end: '2029-12-31' } },
  ],
};
const role = {
  resourceType: 'PractitionerRole', id: id('dr-role'), active: true, practitioner: ref('Practitioner', 'dr'),
  code: [{ coding: [{ system: 'urn:painpath:procedure', code: 'mbb-lumbar' }, { system: 'urn:painpath:procedure', code: 'rfa-mb-lumbar' }] }],
  period: { start: '2020-01-01' },
};

test('Practitioner/{id}/$qualification: qualification and privileges as `painpath credential`', async () => {
  await store([doctor, role]);
  for (const procedure of ['rfa-mb-lumbar', 'scs-implant']) {
    const out = cli(['credential', '--now', NOW, '--format', 'json', '--procedure', procedure, '-'], JSON.stringify(collection([doctor, role])));
    const want = JSON.parse(out.stdout);
    for (const res of [await get(`/fhir/Practitioner/${id('dr')}/$qualification?procedure=${procedure}`),
      await postJson(`/fhir/Practitioner/${id('dr')}/$qualification`, { resourceType: 'Parameters', parameter: [{ name: 'procedure', valueCode: procedure }] }),
      await postJson(`/fhir/Practitioner/$qualification?procedure=${procedure}`, collection([doctor, role]))]) {
      assert.equal(res.status, 200);
      const p = await res.json();
      assert.equal(one(p, 'qualified').valueBoolean, want.qualified);
      assert.equal(one(p, 'qualified').valueBoolean, true);
      assert.equal(one(p, 'board').valueString, want.board);
      assert.equal(one(p, 'mayPerform').valueBoolean, want.may_perform);
      assert.deepEqual(params(p, 'privilege').map((x) => part(x, 'procedure').valueCode), want.privileges.map((x) => x.procedure));
      assert.deepEqual(rules(p), want.findings.map((f) => f.rule));
    }
    assert.equal(want.may_perform, procedure === 'rfa-mb-lumbar');
  }
  const p = await (await get(`/fhir/Practitioner/${id('dr')}/$qualification`)).json();
  assert.equal(one(p, 'mayPerform'), undefined);
});

test('$qualification errors: 404 and an unknown procedure named', async () => {
  let issue = await assertOutcome(await get(`/fhir/Practitioner/${id('nobody')}/$qualification`), 404);
  assert.deepEqual(issue.expression, [`Practitioner/${id('nobody')}`]);
  await store([doctor, role]);
  issue = await assertOutcome(await get(`/fhir/Practitioner/${id('dr')}/$qualification?procedure=brain-surgery`), 400);
  assert.deepEqual(issue.expression, ['procedure']);
});

// ---- Patient/{id}/$care-plan, $evaluate, $mme ----

test('Patient/{id}/$care-plan: the plan and draft CarePlan of `painpath plan`', async () => {
  const bundle = uniquify(JSON.parse(cli(['plan', '--example']).stdout));
  await store(bundle.entry.map((e) => e.resource));
  const out = cli(['plan', '--now', NOW, '--format', 'json', '-'], JSON.stringify(bundle));
  const want = JSON.parse(out.stdout.trim().split('\n')[0]);
  for (const res of [await get(`/fhir/Patient/${id('example')}/$care-plan`), await postJson('/fhir/Patient/$care-plan', bundle)]) {
    assert.equal(res.status, 200);
    const p = await res.json();
    assert.deepEqual(params(p, 'diagnosis').map(value), want.diagnoses);
    assert.equal(one(p, 'onOpioid').valueBoolean, want.on_opioid);
    assert.deepEqual(params(p, 'item').map((x) => part(x, 'rule').valueCode), want.items.map((x) => x.rule));
    assert.deepEqual(rules(p), want.findings.map((f) => f.rule));
    const cp = one(p, 'carePlan').resource;
    assert.equal(cp.resourceType, 'CarePlan');
    assert.equal(cp.status, 'draft');
    assert.equal(cp.intent, 'proposal');
    assert.deepEqual(cp, want.careplan);
  }
  await assertOutcome(await get(`/fhir/Patient/${id('ghost')}/$care-plan`), 404);
});

test('Patient/{id}/$evaluate and $mme on the stored record answer as on the same Bundle in the body', async () => {
  const DEMO = JSON.parse(example('clinic-demo.json'));
  const bundle = uniquify(onePatient(DEMO, 'ana-ruiz'));
  await store(bundle.entry.map((e) => e.resource));
  for (const op of ['$evaluate', '$mme']) {
    const body = await (await postJson(`/fhir/Patient/${op}`, bundle)).json();
    const res = await get(`/fhir/Patient/${id('ana-ruiz')}/${op}`);
    assert.equal(res.status, 200);
    const stored = await res.json();
    assert.equal(value(one(stored, 'totalMmePerDay')), value(one(body, 'totalMmePerDay')));
    assert.deepEqual(rules(stored), rules(body));
    assert.deepEqual(params(stored, 'order').map((o) => part(o, 'status').valueCode), params(body, 'order').map((o) => part(o, 'status').valueCode));
    if (op === '$evaluate') assert.ok(rules(stored).length > 0);
  }
  const issue = await assertOutcome(await get(`/fhir/Patient/${id('ghost')}/$evaluate`), 404);
  assert.deepEqual(issue.expression, [`Patient/${id('ghost')}`]);
});

// ---- Slot/$next-available ----

test('Slot/$next-available: the next free slot of a mode for a practitioner, days until it, same/next-day access', async () => {
  const mode = (m) => [{ coding: [{ system: 'urn:painpath:visit-mode', code: m }] }];
  const slot = (name, m, status, start) => ({ resourceType: 'Slot', id: id(name), schedule: ref('Schedule', 'sched'), serviceType: mode(m), status, start, end: start.replace(':00:00Z', ':30:00Z') });
  await store([
    { resourceType: 'Practitioner', id: id('slotdoc') },
    { resourceType: 'Schedule', id: id('sched'), active: true, actor: [ref('Practitioner', 'slotdoc')] },
    slot('v-busy', 'virtual', 'busy', '2026-11-27T13:00:00Z'),
    slot('v-next', 'virtual', 'free', '2026-11-28T14:00:00Z'),
    slot('v-later', 'virtual', 'free', '2026-11-28T13:00:00Z'), // earlier on the same day: it is the next
    slot('v-past', 'virtual', 'free', '2026-11-26T13:00:00Z'),
    slot('p-next', 'in-person', 'free', '2026-12-01T08:00:00Z'),
    slot('p-after', 'in-person', 'free', '2026-12-03T08:00:00Z'),
  ]);
  const doc = `practitioner=Practitioner/${id('slotdoc')}`;
  let p = await (await get(`/fhir/Slot/$next-available?service-type=virtual&${doc}`)).json();
  assert.equal(one(p, 'available').valueBoolean, true);
  assert.equal(one(p, 'slot').resource.id, id('v-later'));
  assert.equal(one(p, 'start').valueDateTime, '2026-11-28T13:00:00Z');
  assert.equal(one(p, 'daysUntil').valueInteger, 1);
  assert.equal(one(p, 'sameOrNextDay').valueBoolean, true);
  assert.equal(one(p, 'freeSlotsTodayAndTomorrow').valueInteger, 2);
  p = await (await get(`/fhir/Slot/$next-available?service-type=in-person&${doc}`)).json();
  assert.equal(one(p, 'slot').resource.id, id('p-next'));
  assert.equal(one(p, 'daysUntil').valueInteger, 4);
  assert.equal(one(p, 'sameOrNextDay').valueBoolean, false);
  assert.equal(one(p, 'freeSlotsTodayAndTomorrow').valueInteger, 0);
  p = await (await get(`/fhir/Slot/$next-available?service-type=urn:painpath:visit-mode|in-person&${doc}&start=ge2026-12-02`)).json();
  assert.equal(one(p, 'slot').resource.id, id('p-after'));
  assert.equal(one(p, 'daysUntil').valueInteger, 6);
  p = await (await get(`/fhir/Slot/$next-available?service-type=virtual&${doc}&start=ge2027-01-01`)).json();
  assert.equal(one(p, 'available').valueBoolean, false);
  assert.equal(one(p, 'slot'), undefined);
  assert.equal(one(p, 'sameOrNextDay').valueBoolean, false);
});

test('Slot/$next-available errors name the parameter', async () => {
  let issue = await assertOutcome(await get('/fhir/Slot/$next-available'), 400);
  assert.deepEqual(issue.expression, ['service-type']);
  issue = await assertOutcome(await get('/fhir/Slot/$next-available?service-type=telepathy'), 400);
  assert.deepEqual(issue.expression, ['service-type']);
  issue = await assertOutcome(await get('/fhir/Slot/$next-available?service-type=virtual&start=soon'), 400);
  assert.deepEqual(issue.expression, ['start']);
  issue = await assertOutcome(await get('/fhir/Slot/$next-available?service-type=virtual&colour=blue'), 400);
  assert.deepEqual(issue.expression, ['colour']);
  issue = await assertOutcome(await get(`/fhir/Slot/$next-available?service-type=virtual&practitioner=${id('nobody')}`), 404);
  assert.deepEqual(issue.expression, ['practitioner']);
  const res = await fetch(url('/fhir/Slot/$next-available?service-type=virtual'), { method: 'POST', body: '{}' });
  assert.equal(res.status, 405);
});
