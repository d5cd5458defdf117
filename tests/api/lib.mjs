// lib.mjs — what the API tests share: the server's URL (PP_URL, set by run.sh), the CLI
// (PP_BIN) for "same answer as the command line" checks, the example inputs, the
// OperationOutcome assertion every error path uses, and the credentials run.sh created:
// `fetch` and `post` carry the integration token (PP_TOKEN) unless told otherwise,
// `loginAs(role)` signs in as that role's user (PP_USERS), `asToken(token)` calls with
// another bearer token, `anonymous` with none.
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

// The integration token (scope `*`) and one user per role, made by run.sh before the server
// started: USERS[role] = {username, password, practitioner?, patient?}.
export const TOKEN = process.env.PP_TOKEN ?? '';
export const USERS = JSON.parse(process.env.PP_USERS || '{}');
export const DB = process.env.PP_DB;

// The global fetch with `Authorization: Bearer PP_TOKEN` unless the caller sets its own
// Authorization header (an empty one: none at all).
export function fetch(input, init = {}) {
  const headers = new Headers(init.headers);
  if (!headers.has('authorization') && TOKEN) headers.set('authorization', `Bearer ${TOKEN}`);
  else if (headers.get('authorization') === '') headers.delete('authorization');
  return globalThis.fetch(input, { ...init, headers });
}

// fetch without any credentials.
export const anonymous = (input, init = {}) => globalThis.fetch(input, init);

// A client whose every call carries `headers` (and its cookies): get/post/put/del(path, ...).
function client(headers) {
  const call = (method) => (path, body, extra = {}) =>
    globalThis.fetch(url(path), {
      method,
      body: typeof body === 'string' || body === undefined ? body : JSON.stringify(body),
      headers: { ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers, ...extra },
    });
  return {
    headers,
    fetch: (input, init = {}) => globalThis.fetch(input, { ...init, headers: { ...headers, ...init.headers } }),
    get: (path, extra = {}) => call('GET')(path, undefined, extra),
    post: call('POST'),
    put: call('PUT'),
    del: (path, extra = {}) => call('DELETE')(path, undefined, extra),
  };
}

// Calls with `Authorization: Bearer token`.
export const asToken = (token) => client({ authorization: `Bearer ${token}` });

// POST /auth/login as `username`; the raw answer.
export const login = (username, password, base = BASE) =>
  globalThis.fetch(new URL('auth/login', base), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password }),
  });

// The value of cookie `name` among a response's Set-Cookie headers, or undefined.
export function cookieOf(res, name) {
  for (const c of res.headers.getSetCookie()) {
    const m = c.match(/^([^=]+)=([^;]*)/);
    if (m && m[1] === name) return m[2];
  }
  return undefined;
}

// A signed-in client for run.sh's user of `role` ('front-desk', 'nurse', 'physician', 'admin',
// 'patient'): its calls carry the session cookie and the CSRF header. Also: user (the login
// answer: user, role, csrfToken, expires...), cookie (the session token).
export async function loginAs(role) {
  const u = USERS[role];
  if (!u) throw new Error(`no test user for role ${role} (PP_USERS)`);
  const res = await login(u.username, u.password);
  if (res.status !== 200) throw new Error(`login as ${role}: ${res.status} ${await res.text()}`);
  const user = await res.json();
  const cookie = cookieOf(res, 'painpath_session');
  const c = client({ cookie: `painpath_session=${cookie}`, 'x-csrf-token': user.csrfToken });
  return { ...c, user, cookie };
}

// A new bearer token of `role` with `scope` (`painpath token create` on the test database);
// returns {token, id}.
export function tokenFor(role, scope, name = `t-${role}-${process.pid}-${Math.random().toString(36).slice(2, 8)}`) {
  const r = cli(['token', 'create', '--name', name, '--role', role, '--scope', scope, '--format', 'json', '--db', DB]);
  if (r.status !== 0) throw new Error(`painpath token create: ${r.status} ${r.stderr}`);
  return parseToken(r.stdout);
}

// `painpath token create --format json`'s output -> {token, id}.
export function parseToken(stdout) {
  const { token, id } = JSON.parse(stdout);
  if (!/^[A-Za-z0-9_-]{43}$/.test(token)) throw new Error('painpath token create: no token in its output');
  return { token, id };
}

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

// A bearer token the server has just accepted is trusted again for up to a second per worker
// thread (src/http/auth.c TOKEN_CACHE_MS): after revoking or expiring one behind the server's
// back (CLI, SQL), wait this long before expecting a 401.
export const TOKEN_CACHE_MS = 1000;
export const tokenCacheSettles = () => new Promise((r) => setTimeout(r, TOKEN_CACHE_MS + 100));

