// lib.mjs — what the API tests share: the server's URL (PP_URL, set by run.sh), the CLI
// (PP_BIN) for "same answer as the command line" checks, the example inputs, and the
// OperationOutcome assertion every error path uses.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export const BASE = process.env.PP_URL;
export const BIN = process.env.PP_BIN;
export const SRC = process.env.PP_SOURCE_DIR;
export const NOW = '2026-11-27';
if (!BASE || !BIN || !SRC) throw new Error('PP_URL, PP_BIN and PP_SOURCE_DIR must be set (tests/api/run.sh does)');

export const url = (path) => new URL(path.replace(/^\//, ''), BASE).href;

export function example(name) {
  return readFileSync(join(SRC, 'examples', name), 'utf8');
}

// Run the CLI; returns {status, stdout, stderr}.
export function cli(args, input) {
  const r = spawnSync(BIN, args, { input, encoding: 'utf8', maxBuffer: 64 << 20 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

export async function post(path, body, headers = {}) {
  return fetch(url(path), { method: 'POST', body, headers: { 'content-type': 'application/json', ...headers } });
}

// The response is an OperationOutcome with this status; returns its first issue.
export async function assertOutcome(res, status) {
  assert.equal(res.status, status);
  assert.match(res.headers.get('content-type'), /^application\/fhir\+json/);
  const oo = await res.json();
  assert.equal(oo.resourceType, 'OperationOutcome');
  assert.ok(oo.issue.length >= 1);
  assert.equal(oo.issue[0].severity, 'error');
  assert.ok(oo.issue[0].diagnostics.length > 0);
  return oo.issue[0];
}

// The resources of one patient of a Bundle (its Patient and everything whose subject or
// patient is that Patient), as a new collection Bundle.
export function onePatient(bundle, id) {
  const ref = `Patient/${id}`;
  const entry = bundle.entry.filter(({ resource: r }) =>
    (r.resourceType === 'Patient' && r.id === id) ||
    r.subject?.reference === ref || r.patient?.reference === ref);
  return { resourceType: 'Bundle', type: 'collection', entry };
}

// A Parameters resource's parameters named `name`.
export const params = (p, name) => p.parameter.filter((x) => x.name === name);
export const part = (p, name) => p.part.find((x) => x.name === name);
