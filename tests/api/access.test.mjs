// access.test.mjs — who may do what (docs/SECURITY.md "Roles"), as a generated matrix: every
// role (front desk, nurse, physician on and off the patient's care team, admin, patient,
// integration tokens with narrow scopes, nobody) against one representative request per
// route class and resource-type class, read and write, each expected to answer 2xx or
// 401/403 as the table below says. The table equals the one documented (checked first).
// Then the patient compartment (another patient's record by id, by search, by _include /
// _revinclude, in a Bundle), the front desk and clinical notes, tokens outside their scope,
// revoked tokens and ended sessions, and break-glass (reason required, flagged, audited).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fetch, url, loginAs, tokenFor, asToken, anonymous, cli, USERS, DB, SRC, assertOutcome, tokenCacheSettles } from './lib.mjs';

const uniq = `acc-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
const fhirJson = { 'content-type': 'application/fhir+json' };

// ---- the expected table: class -> action -> roles allowed (integration: the scope item) ----
const ROLES = ['front-desk', 'nurse', 'physician', 'admin', 'patient'];
const EXPECTED = {
  public: { read: ROLES, write: ROLES },
  session: { read: ROLES, write: ROLES },
  directory: { read: ['front-desk', 'nurse', 'physician', 'admin', 'patient'], write: ['admin'] },
  availability: { read: ['front-desk', 'nurse', 'physician', 'admin', 'patient'], write: ['front-desk', 'physician'] },
  demographics: { read: ['front-desk', 'nurse', 'physician', 'patient'], write: ['front-desk', 'physician'] },
  scheduling: { read: ['front-desk', 'nurse', 'physician', 'patient'], write: ['front-desk', 'physician', 'patient'] },
  referral: { read: ['front-desk', 'nurse', 'physician', 'patient'], write: ['front-desk', 'physician'] },
  'care-team': { read: ['front-desk', 'nurse', 'physician', 'patient'], write: ['front-desk', 'physician'] },
  intake: { read: ['nurse', 'physician', 'patient'], write: ['nurse', 'physician', 'patient'] },
  observation: { read: ['nurse', 'physician', 'patient'], write: ['nurse', 'physician'] },
  clinical: { read: ['nurse', 'physician', 'patient'], write: ['physician'] },
  operation: { read: ['nurse', 'physician'] },
  decision: { read: ['physician'] },
  cds: { read: ['physician'], write: ['physician'] },
  export: { read: ['admin'], write: ['admin'] },
  metrics: { read: ['admin'] },
  audit: { read: ['admin'], write: [] },
  'access-log': { read: ['admin', 'patient'] },
  'break-glass': { write: ['nurse', 'physician'] },
};
const SCOPES = {
  directory: { read: 'fhir:read', write: 'fhir:write' },
  availability: { read: 'fhir:read', write: 'fhir:write' },
  demographics: { read: 'fhir:read', write: 'fhir:write' },
  scheduling: { read: 'fhir:read', write: 'fhir:write' },
  referral: { read: 'fhir:read', write: 'fhir:write' },
  'care-team': { read: 'fhir:read', write: 'fhir:write' },
  intake: { read: 'fhir:read', write: 'fhir:write' },
  observation: { read: 'fhir:read', write: 'fhir:write' },
  clinical: { read: 'fhir:read', write: 'fhir:write' },
  operation: { read: 'ops' },
  decision: { read: 'ops' },
  cds: { read: 'cds', write: 'cds' },
  export: { read: 'export', write: 'export' },
  metrics: { read: 'metrics' },
  audit: { read: 'audit:read' },
  'access-log': { read: 'audit:read' },
};
// Resource-type classes hold patient data (the patient rule applies) unless listed here.
const PATIENTLESS = new Set(['public', 'session', 'directory', 'availability', 'export', 'metrics', 'audit', 'cds']);

// The token scope grammar: does `scope` grant `item` on `type`?
function grants(scope, item, type) {
  return scope.split(' ').filter(Boolean).some((it) =>
    it === '*' || it === item || (type && it.startsWith(`${item}:`) && it.slice(item.length + 1).split(',').includes(type)));
}

// ---- docs/SECURITY.md's table ----
function documentedTable() {
  const text = readFileSync(join(SRC, 'docs', 'SECURITY.md'), 'utf8');
  const block = text.split('<!-- roles-table: generated from src/http/rbac.c -->')[1]?.split('<!-- /roles-table -->')[0];
  assert.ok(block, 'docs/SECURITY.md has the roles table');
  const lines = block.trim().split('\n');
  const head = lines[0].split('|').slice(1, -1).map((s) => s.trim());
  const table = {};
  for (const line of lines.slice(2)) {
    const cells = line.split('|').slice(1, -1).map((s) => s.trim());
    const [cls, action] = cells;
    table[cls] ??= {};
    table[cls][action] = Object.fromEntries(head.slice(2).map((role, i) => [role, cells[i + 2].replace(/`/g, '')]));
  }
  return table;
}

test('the table of this test is the documented one', () => {
  const doc = documentedTable();
  const classes = new Set([...Object.keys(doc), ...Object.keys(EXPECTED)]);
  for (const cls of classes) {
    for (const action of ['read', 'write']) {
      const row = doc[cls]?.[action];
      const expected = EXPECTED[cls]?.[action];
      if (!row) {
        assert.ok(!expected?.length, `${cls} ${action}: documented nowhere, expected ${expected}`);
        continue;
      }
      const allowed = ROLES.filter((r) => row[r] === 'allow');
      assert.deepEqual(allowed.sort(), [...(expected ?? [])].sort(), `${cls} ${action}`);
      const scope = cls === 'public' || cls === 'session' ? 'allow' : SCOPES[cls]?.[action] ?? '';
      const integ = row.integration === '**deny**' ? '' : row.integration;
      assert.equal(integ, scope, `${cls} ${action} integration`);
      assert.equal(row.anonymous, cls === 'public' ? 'allow' : '', `${cls} ${action} anonymous`);
    }
  }
});

// ---- the world the matrix runs in ----
const P = USERS.patient?.patient ?? 'api-patient'; // patient A: the patient user's own record
const PHYS = USERS.physician?.practitioner ?? 'api-physician';
const NURSE = USERS.nurse?.practitioner ?? 'api-nurse';
const B = `${uniq}-b`; // on nobody's care team
const C = `${uniq}-c`; // on the care team of the physician and the nurse
const D = `${uniq}-d`; // for break-glass

async function put(resource) {
  const r = await fetch(url(`/fhir/${resource.resourceType}/${resource.id}`), { method: 'PUT', headers: fhirJson, body: JSON.stringify(resource) });
  const text = await r.text();
  assert.ok(r.status === 200 || r.status === 201, `PUT ${resource.resourceType}/${resource.id}: ${r.status} ${text}`);
  return JSON.parse(text);
}

const subject = (pid) => ({ reference: `Patient/${pid}` });
const lbp = { coding: [{ system: 'http://snomed.info/sct', code: '279039007', display: 'Low back pain' }] };

// A patient's record: one resource of each class.
async function record(pid) {
  await put({ resourceType: 'Patient', id: pid, name: [{ family: 'Access', given: [pid] }], gender: 'female', birthDate: '1970-01-01' });
  await put({ resourceType: 'Observation', id: `${pid}-obs`, status: 'final', code: { text: 'pain' }, subject: subject(pid), valueInteger: 6 });
  await put({ resourceType: 'Condition', id: `${pid}-cond`, code: lbp, subject: subject(pid),
    clinicalStatus: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-clinical', code: 'active' }] } });
  await put({ resourceType: 'DocumentReference', id: `${pid}-note`, status: 'current', subject: subject(pid),
    content: [{ attachment: { contentType: 'text/plain', data: Buffer.from('visit note').toString('base64') } }] });
  await put({ resourceType: 'QuestionnaireResponse', id: `${pid}-qr`, status: 'completed', subject: subject(pid) });
  await put({ resourceType: 'ServiceRequest', id: `${pid}-sr`, status: 'active', intent: 'order', subject: subject(pid), code: { text: 'pain consult' } });
  await put({ resourceType: 'Appointment', id: `${pid}-appt`, status: 'booked',
    participant: [{ actor: subject(pid), status: 'accepted' }, { actor: { reference: `Practitioner/${PHYS}` }, status: 'accepted' }] });
  await put({ resourceType: 'CareTeam', id: `${pid}-ct-empty`, status: 'active', subject: subject(pid), participant: [] });
}

let ready;
function setup() {
  ready ??= (async () => {
    await put({ resourceType: 'Practitioner', id: PHYS, name: [{ family: 'Physician' }] });
    await put({ resourceType: 'Practitioner', id: NURSE, name: [{ family: 'Nurse' }] });
    await put({ resourceType: 'Schedule', id: `${uniq}-sched`, actor: [{ reference: `Practitioner/${PHYS}` }] });
    for (const pid of [P, B, C, D]) await record(pid);
    await put({ resourceType: 'CareTeam', id: `${C}-ct`, status: 'active', subject: subject(C),
      participant: [{ member: { reference: `Practitioner/${PHYS}` } }, { member: { reference: `Practitioner/${NURSE}` } }] });
    // an inactive team opens nothing
    await put({ resourceType: 'CareTeam', id: `${B}-ct`, status: 'inactive', subject: subject(B),
      participant: [{ member: { reference: `Practitioner/${PHYS}` } }, { member: { reference: `Practitioner/${NURSE}` } }] });
  })();
  return ready;
}

// One representative request per class and action, on patient `pid`'s record.
let serial = 0;
function request(cls, action, pid) {
  const n = `${uniq}-w${++serial}`;
  const w = (resource) => ({ method: 'POST', path: `/fhir/${resource.resourceType}`, body: resource });
  const r = (path) => ({ method: 'GET', path });
  const table = {
    public: { read: r('/fhir/metadata') },
    session: { read: r('/auth/session') },
    directory: { read: r(`/fhir/Practitioner/${PHYS}`), write: { method: 'PUT', path: `/fhir/Practitioner/${n}`, body: { resourceType: 'Practitioner', id: n } } },
    availability: { read: r(`/fhir/Schedule/${uniq}-sched`),
      write: w({ resourceType: 'Slot', schedule: { reference: `Schedule/${uniq}-sched` }, status: 'free', start: '2026-12-01T09:00:00Z', end: '2026-12-01T09:30:00Z' }) },
    demographics: { read: r(`/fhir/Patient/${pid}`), write: { method: 'PUT', path: `/fhir/Patient/${pid}`, body: { resourceType: 'Patient', id: pid, name: [{ family: 'Access', given: [pid] }], gender: 'female', birthDate: '1970-01-01' } } },
    scheduling: { read: r(`/fhir/Appointment/${pid}-appt`),
      write: w({ resourceType: 'Appointment', status: 'proposed', participant: [{ actor: subject(pid), status: 'needs-action' }] }) },
    referral: { read: r(`/fhir/ServiceRequest/${pid}-sr`), write: w({ resourceType: 'ServiceRequest', status: 'draft', intent: 'order', subject: subject(pid), code: { text: 'pain consult' } }) },
    'care-team': { read: r(`/fhir/CareTeam/${pid}-ct-empty`), write: w({ resourceType: 'CareTeam', status: 'proposed', subject: subject(pid), participant: [] }) },
    intake: { read: r(`/fhir/QuestionnaireResponse/${pid}-qr`), write: w({ resourceType: 'QuestionnaireResponse', status: 'in-progress', subject: subject(pid) }) },
    observation: { read: r(`/fhir/Observation/${pid}-obs`), write: w({ resourceType: 'Observation', status: 'preliminary', code: { text: 'pain' }, subject: subject(pid), valueInteger: 5 }) },
    clinical: { read: r(`/fhir/DocumentReference/${pid}-note`), write: w({ resourceType: 'Condition', code: lbp, subject: subject(pid) }) },
    operation: { read: r(`/fhir/Patient/${pid}/$mme`) },
    decision: { read: r(`/fhir/Patient/${pid}/$care-plan`) },
    cds: { read: r('/cds-services'),
      write: { method: 'POST', path: '/cds-services/pain-summary/feedback', body: { feedback: [{ card: '6e2c9061-bae6-818e-9a5b-aeaf8c08db9d', outcome: 'accepted', outcomeTimestamp: '2026-11-27T10:00:00Z' }] } } },
    export: { read: { method: 'GET', path: '/fhir/$export?_type=Practitioner', headers: { prefer: 'respond-async' } } },
    metrics: { read: r('/metrics') },
    audit: { read: r('/fhir/AuditEvent?_count=1') },
    'access-log': { read: r(`/fhir/Patient/${pid}/$access-log`) },
  };
  return table[cls]?.[action];
}

// The callers: name, how to call, the role whose row applies, the scope (integration), and
// the patient whose record the requests touch.
async function callers() {
  const out = [];
  const session = async (role) => {
    const c = await loginAs(role);
    return (method, path, body, headers = {}) => c.fetch(url(path), {
      method, headers: { ...(body ? fhirJson : {}), ...headers, 'x-csrf-token': c.user.csrfToken }, body: body ? JSON.stringify(body) : undefined,
    });
  };
  const bearer = (token) => (method, path, body, headers = {}) => globalThis.fetch(url(path), {
    method, headers: { ...(body ? fhirJson : {}), ...headers, authorization: `Bearer ${token}` }, body: body ? JSON.stringify(body) : undefined,
  });
  out.push({ name: 'front desk', role: 'front-desk', call: await session('front-desk'), pid: C });
  out.push({ name: 'nurse (care team)', role: 'nurse', call: await session('nurse'), pid: C, clinician: true });
  const phys = await session('physician');
  out.push({ name: 'physician (care team)', role: 'physician', call: phys, pid: C, clinician: true });
  out.push({ name: 'physician (not on the care team)', role: 'physician', call: phys, pid: B, clinician: true, offTeam: true });
  out.push({ name: 'admin', role: 'admin', call: await session('admin'), pid: C });
  out.push({ name: 'patient A (own record)', role: 'patient', call: await session('patient'), pid: P });
  for (const scope of ['fhir:read:Observation,Patient', 'cds metrics', 'fhir:write:QuestionnaireResponse ops']) {
    out.push({ name: `integration '${scope}'`, role: 'integration', scope, call: bearer(tokenFor('integration', scope).token), pid: C });
  }
  out.push({ name: 'nobody', role: 'anonymous', call: (method, path, body, headers = {}) => globalThis.fetch(url(path), {
    method, headers: { ...(body ? fhirJson : {}), ...headers }, body: body ? JSON.stringify(body) : undefined,
  }), pid: C });
  return out;
}

const TYPE_OF = { directory: 'Practitioner', availability: 'Schedule', demographics: 'Patient', scheduling: 'Appointment', referral: 'ServiceRequest',
  'care-team': 'CareTeam', intake: 'QuestionnaireResponse', observation: 'Observation', clinical: 'DocumentReference' };
const WRITE_TYPE_OF = { ...TYPE_OF, availability: 'Slot', clinical: 'Condition' };

function expectedAllowed(caller, cls, action) {
  if (caller.role === 'anonymous') return cls === 'public';
  let allowed;
  if (caller.role === 'integration') {
    if (cls === 'public' || cls === 'session') allowed = true;
    else {
      const item = SCOPES[cls]?.[action];
      allowed = !!item && grants(caller.scope, item, (action === 'write' ? WRITE_TYPE_OF : TYPE_OF)[cls]);
    }
  } else {
    allowed = (EXPECTED[cls]?.[action] ?? []).includes(caller.role);
  }
  // the patient rule: off the care team, a clinician sees no patient's record (but the
  // clinic's schedule: Appointments)
  if (allowed && caller.offTeam && !PATIENTLESS.has(cls) && cls !== 'scheduling') allowed = false;
  return allowed;
}

test('the access matrix: every role against every class, read and write', async () => {
  await setup();
  const failures = [];
  let checked = 0, allowedCount = 0, deniedCount = 0;
  for (const caller of await callers()) {
    for (const cls of Object.keys(EXPECTED)) {
      for (const action of ['read', 'write']) {
        const rq = request(cls, action, caller.pid);
        if (!rq) continue;
        const allowed = expectedAllowed(caller, cls, action);
        const res = await caller.call(rq.method, rq.path, rq.body, rq.headers);
        const status = res.status;
        const body = await res.text();
        checked++;
        if (allowed) allowedCount++;
        else deniedCount++;
        const ok = allowed ? status >= 200 && status < 300
          : status === (caller.role === 'anonymous' ? 401 : 403) && /OperationOutcome/.test(body);
        if (!ok) failures.push(`${caller.name}: ${cls} ${action} (${rq.method} ${rq.path}): expected ${allowed ? '2xx' : 'refusal'}, got ${status} ${body.slice(0, 160)}`);
        if (res.status === 202 && rq.path.includes('$export')) {
          // cancel the job this check started
          const loc = res.headers.get('content-location');
          if (loc) await fetch(loc, { method: 'DELETE' });
        }
      }
    }
  }
  assert.deepEqual(failures, [], `${failures.length} of ${checked} checks failed`);
  assert.ok(allowedCount > 40 && deniedCount > 60, `allowed ${allowedCount}, denied ${deniedCount}`);
});

// ---- the patient compartment ----

test("patient A never sees patient B's record: by id, by search, by _include / _revinclude", async () => {
  await setup();
  const a = await loginAs('patient');
  // by id: the same refusal whether it is B's or does not exist at all
  const theirs = await a.get(`/fhir/Observation/${B}-obs`);
  const none = await a.get(`/fhir/Observation/${uniq}-no-such`);
  const i1 = await assertOutcome(theirs, 403);
  const i2 = await assertOutcome(none, 403);
  assert.equal(i1.diagnostics, i2.diagnostics);
  await assertOutcome(await a.get(`/fhir/Patient/${B}`), 403);
  await assertOutcome(await a.get(`/fhir/Observation/${B}-obs/_history`), 403);
  await assertOutcome(await a.get(`/fhir/Observation/${B}-obs/_history/1`), 403);
  // own: yes
  assert.equal((await a.get(`/fhir/Observation/${P}-obs`)).status, 200);
  assert.equal((await a.get(`/fhir/Patient/${P}`)).status, 200);
  // by search: B asked for by name, by patient, by _id — nothing of B's, totals too
  for (const q of [`Observation?patient=${B}`, `Observation?subject=Patient/${B}`, `Observation?_id=${B}-obs`, `Patient?_id=${B}`, 'Observation', 'Condition?_count=1000', 'Patient']) {
    const r = await a.get(`/fhir/${q}`);
    assert.equal(r.status, 200, q);
    const b = await r.json();
    const pats = new Set((b.entry ?? []).map((e) => e.resource.resourceType === 'Patient' ? e.resource.id : e.resource.subject?.reference?.replace('Patient/', '')));
    for (const p of pats) assert.equal(p, P, `${q} returned a resource of ${p}`);
    assert.equal(b.total, (b.entry ?? []).filter((e) => e.search.mode === 'match').length, `${q}: total counts only own`);
  }
  // own search still works
  const own = await (await a.get('/fhir/Observation')).json();
  assert.ok(own.entry.some((e) => e.resource.id === `${P}-obs`));
  // by _include / _revinclude: B's resources never come along
  for (const q of [`Patient?_revinclude=Observation:subject&_revinclude=Condition:subject`,
    `Observation?_include=Observation:patient`, `Appointment?_include=Appointment:actor`,
    `Practitioner?_id=${PHYS}&_revinclude=Appointment:actor`]) {
    const r = await a.get(`/fhir/${q}`);
    assert.equal(r.status, 200, q);
    const b = await r.json();
    for (const e of b.entry ?? []) {
      const text = JSON.stringify(e.resource);
      assert.ok(!text.includes(`Patient/${B}`) && e.resource.id !== B, `${q}: ${e.resource.resourceType}/${e.resource.id} is B's`);
    }
  }
  const rev = await (await a.get(`/fhir/Patient?_revinclude=Observation:subject`)).json();
  assert.ok(rev.entry.some((e) => e.resource.id === `${P}-obs` && e.search.mode === 'include'));
  // types outside the compartment (not directory) are refused; the directory is open
  await assertOutcome(await a.get('/fhir/AuditEvent'), 403);
  assert.equal((await a.get('/fhir/Practitioner')).status, 200);
  // writing for another patient: refused; for oneself: allowed
  await assertOutcome(await a.post('/fhir/QuestionnaireResponse', { resourceType: 'QuestionnaireResponse', status: 'completed', subject: subject(B) }), 403);
  await assertOutcome(await a.post('/fhir/Appointment', { resourceType: 'Appointment', status: 'proposed', participant: [{ actor: subject(B), status: 'needs-action' }] }), 403);
  await assertOutcome(await a.post('/fhir/Observation', { resourceType: 'Observation', status: 'final', code: { text: 'pain' }, subject: subject(P) }), 403);
  assert.equal((await a.post('/fhir/QuestionnaireResponse', { resourceType: 'QuestionnaireResponse', status: 'completed', subject: subject(P) })).status, 201);
  // moving one's own resource to another patient is a write for that patient: refused
  await assertOutcome(await a.put(`/fhir/Appointment/${P}-appt`, { resourceType: 'Appointment', id: `${P}-appt`, status: 'booked', participant: [{ actor: subject(B), status: 'accepted' }] }), 403);
  // Bundles: every entry is checked
  const tx = (type) => ({ resourceType: 'Bundle', type, entry: [
    { request: { method: 'GET', url: `Observation/${P}-obs` } },
    { request: { method: 'GET', url: `Observation/${B}-obs` } },
  ] });
  await assertOutcome(await a.post('/fhir', tx('transaction')), 403);
  const batch = await a.post('/fhir', tx('batch'));
  assert.equal(batch.status, 200);
  const entries = (await batch.json()).entry;
  assert.equal(entries[0].response.status, '200');
  assert.equal(entries[1].response.status, '403');
  // operations are the clinicians'; the own access log is the patient's
  await assertOutcome(await a.get(`/fhir/Patient/${P}/$mme`), 403);
  assert.equal((await a.get(`/fhir/Patient/${P}/$access-log`)).status, 200);
  await assertOutcome(await a.get(`/fhir/Patient/${B}/$access-log`), 403);
});

test('physicians and nurses see their care team; searches count only those patients', async () => {
  await setup();
  for (const role of ['physician', 'nurse']) {
    const c = await loginAs(role);
    assert.equal((await c.get(`/fhir/Observation/${C}-obs`)).status, 200, role);
    await assertOutcome(await c.get(`/fhir/Observation/${B}-obs`), 403); // inactive team
    await assertOutcome(await c.get(`/fhir/Patient/${B}`), 403);
    const all = await (await c.get('/fhir/Observation?_count=1000')).json();
    const pats = new Set(all.entry.map((e) => e.resource.subject?.reference));
    assert.ok(pats.has(`Patient/${C}`), role);
    assert.ok(!pats.has(`Patient/${B}`) && !pats.has(`Patient/${P}`), role);
    const byB = await (await c.get(`/fhir/Observation?patient=${B}`)).json();
    assert.equal(byB.total, 0);
    const byC = await (await c.get(`/fhir/Observation?patient=${C}`)).json();
    assert.ok(byC.total >= 1 && byC.entry.every((e) => e.resource.subject.reference === `Patient/${C}`));
    // a physician cannot put themselves on a team to open a record
    const selfAdd = await c.post('/fhir/CareTeam', { resourceType: 'CareTeam', status: 'active', subject: subject(B), participant: [{ member: { reference: `Practitioner/${PHYS}` } }] });
    await assertOutcome(selfAdd, 403);
  }
  const nurse = await loginAs('nurse');
  assert.equal((await nurse.post('/fhir/Observation', { resourceType: 'Observation', status: 'final', code: { text: 'pain' }, subject: subject(C), valueInteger: 3 })).status, 201);
  await assertOutcome(await nurse.post('/fhir/Observation', { resourceType: 'Observation', status: 'final', code: { text: 'pain' }, subject: subject(B), valueInteger: 3 }), 403);
  // the triage of a referral is clinical work: nurses yes, the front desk no
  const desk = await loginAs('front-desk');
  await assertOutcome(await desk.get(`/fhir/ServiceRequest/${C}-sr/$triage`), 403);
  assert.notEqual((await nurse.get(`/fhir/ServiceRequest/${C}-sr/$triage`)).status, 403);
});

test('the front desk never opens clinical notes, results, medications or questionnaires', async () => {
  await setup();
  const desk = await loginAs('front-desk');
  for (const path of [`DocumentReference/${C}-note`, `Condition/${C}-cond`, `Observation/${C}-obs`, `QuestionnaireResponse/${C}-qr`,
    'DocumentReference', 'Condition', 'Observation', 'MedicationRequest', 'QuestionnaireResponse']) {
    const issue = await assertOutcome(await desk.get(`/fhir/${path}`), 403);
    assert.equal(issue.code, 'forbidden');
  }
  // nor through _revinclude from what it may read
  const b = await (await desk.get(`/fhir/Patient?_id=${C}&_revinclude=Observation:subject&_revinclude=Condition:subject`)).json();
  assert.deepEqual(b.entry.map((e) => e.resource.resourceType), ['Patient']);
  // what it may: demographics, scheduling, referrals
  for (const path of [`Patient/${C}`, `Appointment/${C}-appt`, `ServiceRequest/${C}-sr`, 'Patient?_count=1']) assert.equal((await desk.get(`/fhir/${path}`)).status, 200, path);
});

test('a token outside its scope is refused; revoked tokens and ended sessions are not accepted', async () => {
  await setup();
  const { token, id } = tokenFor('integration', 'fhir:read:Observation');
  const t = asToken(token);
  assert.equal((await t.get(`/fhir/Observation/${C}-obs`)).status, 200);
  await assertOutcome(await t.get(`/fhir/Condition/${C}-cond`), 403);
  await assertOutcome(await t.get('/fhir/Condition'), 403);
  await assertOutcome(await t.post('/fhir/Observation', { resourceType: 'Observation', status: 'final', code: { text: 'x' }, subject: subject(C) }), 403);
  await assertOutcome(await t.get('/metrics'), 403);
  await assertOutcome(await t.get('/fhir/$export', { prefer: 'respond-async' }), 403);
  await assertOutcome(await t.post('/auth/break-glass', { patient: B, reason: 'integration' }), 403);
  // a Bundle cannot smuggle a write past the scope
  await assertOutcome(await t.post('/fhir', { resourceType: 'Bundle', type: 'transaction', entry: [
    { resource: { resourceType: 'Observation', status: 'final', code: { text: 'x' }, subject: subject(C) }, request: { method: 'POST', url: 'Observation' } }] }), 403);
  const r = cli(['token', 'revoke', String(id), '--db', DB]);
  assert.equal(r.status, 0, r.stderr);
  await tokenCacheSettles();
  await assertOutcome(await t.get(`/fhir/Observation/${C}-obs`), 401);
  // a session that logged out
  const c = await loginAs('physician');
  assert.equal((await c.get(`/fhir/Observation/${C}-obs`)).status, 200);
  assert.equal((await c.post('/auth/logout')).status < 300, true);
  await assertOutcome(await c.get(`/fhir/Observation/${C}-obs`), 401);
  // nobody
  await assertOutcome(await anonymous(url(`/fhir/Observation/${C}-obs`)), 401);
  assert.equal((await anonymous(url('/healthz'))).status, 200);
});

test('break-glass: refused without a reason, opens the record with the answer flagged, audited', async () => {
  await setup();
  const c = await loginAs('physician');
  await assertOutcome(await c.get(`/fhir/Observation/${D}-obs`), 403);
  let issue = await assertOutcome(await c.post('/auth/break-glass', { patient: D }), 400);
  assert.match(issue.expression?.[0] ?? '', /reason/);
  issue = await assertOutcome(await c.post('/auth/break-glass', { patient: D, reason: '   ' }), 400);
  assert.match(issue.expression?.[0] ?? '', /reason/);
  await assertOutcome(await c.get(`/fhir/Observation/${D}-obs`), 403);
  // patients and the front desk cannot break glass
  await assertOutcome(await (await loginAs('patient')).post('/auth/break-glass', { patient: D, reason: 'curious' }), 403);
  await assertOutcome(await (await loginAs('front-desk')).post('/auth/break-glass', { patient: D, reason: 'curious' }), 403);
  const reason = `unconscious in recovery ${uniq}`;
  const g = await c.post('/auth/break-glass', { patient: D, reason });
  assert.equal(g.status, 201, await g.clone().text());
  const grant = await g.json();
  assert.equal(grant.patient, D);
  assert.ok(Date.parse(grant.expires) > Date.now());
  const r = await c.get(`/fhir/Observation/${D}-obs`);
  assert.equal(r.status, 200);
  assert.equal(r.headers.get('x-break-glass'), 'active');
  // the care team's own patients are not break-glass answers
  const own = await c.get(`/fhir/Observation/${C}-obs`);
  assert.equal(own.status, 200);
  assert.equal(own.headers.get('x-break-glass'), null);
  // the grant is this user's only: the nurse still may not
  await assertOutcome(await (await loginAs('nurse')).get(`/fhir/Observation/${D}-obs`), 403);
  // in the audit trail, with the reason; the earlier refusal too
  const admin = await loginAs('admin');
  const trail = await (await admin.get(`/fhir/AuditEvent?patient=${D}&_count=200`)).json();
  const events = (trail.entry ?? []).map((e) => e.resource);
  assert.ok(events.some((e) => e.subtype?.some((s) => s.code === '110127') && e.outcomeDesc?.includes(reason)),
    `no break-glass event with the reason among ${events.length}`);
  assert.ok(events.some((e) => /^denied/.test(e.outcomeDesc ?? '')), 'the refusal is in the trail');
});
