// auth.test.mjs — who is calling: login (cookie flags, one message for a wrong name or
// password), the session cookie with its CSRF token, idle timeout and absolute lifetime
// (judged by the server's clock: the test moves the session's times into the past in the
// database), logout, bearer tokens (unknown, malformed, revoked, expired). Account lockout,
// the per-client limit and TLS run on servers of their own, with their own settings.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import {
  url, cli, tokenFor, assertOutcome, login, cookieOf, loginAs, asToken, anonymous, fetch,
  USERS, TOKEN, DB, BIN, NOW, tokenCacheSettles,
} from './lib.mjs';

const sha256 = (s) => createHash('sha256').update(s).digest('hex');
const sql = (db, q) => {
  const r = spawnSync('sqlite3', ['-cmd', '.timeout 5000', db, q], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout.trim();
};
const session = (cookie, base) =>
  anonymous(new URL('auth/session', base ?? url('/')), { headers: { cookie: `painpath_session=${cookie}` } });

test('login: 200, an HttpOnly SameSite=Strict cookie (no Secure on plain HTTP), a CSRF token', async () => {
  const u = USERS['front-desk'];
  const res = await login(u.username, u.password);
  assert.equal(res.status, 200);
  const body = await res.json();
  assert.equal(body.user, u.username);
  assert.equal(body.role, 'front-desk');
  assert.match(body.csrfToken, /^[A-Za-z0-9_-]{43}$/);
  assert.match(body.expires, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  assert.ok(Date.parse(body.expires) > Date.now());
  const set = res.headers.getSetCookie();
  const main = set.find((c) => c.startsWith('painpath_session='));
  assert.match(main, /^painpath_session=[A-Za-z0-9_-]{43}; /);
  assert.match(main, /; HttpOnly/);
  assert.match(main, /; SameSite=Strict/);
  assert.match(main, /; Path=\//);
  assert.doesNotMatch(main, /Secure/);
  // the web UI's copy of the CSRF token: readable by the page (not HttpOnly)
  const csrf = set.find((c) => c.startsWith('painpath_csrf='));
  assert.equal(cookieOf(res, 'painpath_csrf'), body.csrfToken);
  assert.doesNotMatch(csrf, /HttpOnly/);
  // who am I: the session, without its CSRF token
  const me = await session(cookieOf(res, 'painpath_session'));
  assert.equal(me.status, 200);
  const who = await me.json();
  assert.equal(who.user, u.username);
  assert.equal(who.role, 'front-desk');
  assert.equal(who.via, 'session');
  assert.equal(who.expires, body.expires);
  assert.equal(who.csrfToken, undefined);
  // the session cookie among others in one Cookie header
  const many = await anonymous(url('/auth/session'), {
    headers: { cookie: `theme=dark; painpath_session=${cookieOf(res, 'painpath_session')}; painpath_csrf=${body.csrfToken}` },
  });
  assert.equal(many.status, 200);
  assert.equal((await many.json()).user, u.username);
});

test('login links: a physician to its Practitioner, a patient to its Patient', async () => {
  const doc = await loginAs('physician');
  assert.equal(doc.user.practitioner, USERS.physician.practitioner);
  const who = await (await doc.get('/auth/session')).json();
  assert.equal(who.role, 'physician');
  assert.equal(who.practitioner, USERS.physician.practitioner);
  const pat = await loginAs('patient');
  const me = await (await pat.get('/auth/session')).json();
  assert.equal(me.role, 'patient');
  assert.equal(me.patient, USERS.patient.patient);
});

test('a wrong password and an unknown user get the same 401', async () => {
  const u = USERS.nurse;
  const wrong = await login(u.username, `${u.password}x`);
  const unknown = await login(`nobody-${randomBytes(4).toString('hex')}`, u.password);
  for (const r of [wrong, unknown]) assert.equal(r.headers.get('www-authenticate'), 'Bearer realm="painpath"');
  const a = await assertOutcome(wrong, 401);
  const b = await assertOutcome(unknown, 401);
  assert.equal(a.diagnostics, b.diagnostics);
  assert.equal(wrong.headers.get('set-cookie'), null);
  // and the right one still works (one failure does not lock the account)
  assert.equal((await login(u.username, u.password)).status, 200);
});

test('login input: missing fields and bad JSON are 400 naming the field, a body not JSON 415', async () => {
  const post = (body) =>
    anonymous(url('/auth/login'), { method: 'POST', headers: { 'content-type': 'application/json' }, body });
  let issue = await assertOutcome(await post('{"username":"api-admin"}'), 400);
  assert.deepEqual(issue.expression, ['password']);
  issue = await assertOutcome(await post('{"password":"x"}'), 400);
  assert.deepEqual(issue.expression, ['username']);
  await assertOutcome(await post('{"username":'), 400);
  await assertOutcome(await post('[]'), 400);
  // what a form of another site could send: not JSON, refused before any check
  const u0 = USERS.admin;
  // (without a type fetch sends a string body as text/plain)
  for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'application/jsonp', undefined]) {
    const r = await anonymous(url('/auth/login'), {
      method: 'POST', headers: type ? { 'content-type': type } : {}, body: JSON.stringify({ username: u0.username, password: u0.password }),
    });
    const issue = await assertOutcome(r, 415);
    assert.deepEqual(issue.expression, ['Content-Type']);
  }
  assert.equal((await anonymous(url('/auth/login'), {
    method: 'POST', headers: { 'content-type': 'application/json; charset=utf-8' },
    body: JSON.stringify({ username: u0.username, password: u0.password }),
  })).status, 200);
  // a stale cookie does not stand in the way of a login
  const u = USERS.admin;
  const r = await anonymous(url('/auth/login'), {
    method: 'POST',
    headers: { 'content-type': 'application/json', cookie: `painpath_session=${'A'.repeat(43)}` },
    body: JSON.stringify({ username: u.username, password: u.password }),
  });
  assert.equal(r.status, 200);
});

test('the database keeps the hashes of the session and CSRF tokens, never the tokens', async () => {
  const s = await loginAs('nurse');
  assert.equal(sql(DB, `SELECT count(*) FROM sessions WHERE token_hash = '${s.cookie}'`), '0');
  assert.equal(sql(DB, `SELECT count(*) FROM sessions WHERE token_hash = '${sha256(s.cookie)}'`), '1');
  assert.equal(sql(DB, `SELECT csrf_hash FROM sessions WHERE token_hash = '${sha256(s.cookie)}'`),
    sha256(s.user.csrfToken));
  assert.equal(sql(DB, `SELECT count(*) FROM sessions WHERE csrf_hash = '${s.user.csrfToken}'`), '0');
});

test('CSRF: a change with the cookie needs the session\'s X-CSRF-Token (403 without or wrong)', async () => {
  const s = await loginAs('admin');
  const cookie = `painpath_session=${s.cookie}`;
  const logout = (headers) => anonymous(url('/auth/logout'), { method: 'POST', headers: { cookie, ...headers } });
  let issue = await assertOutcome(await logout({}), 403);
  assert.match(issue.diagnostics, /X-CSRF-Token/);
  issue = await assertOutcome(await logout({ 'x-csrf-token': randomBytes(32).toString('base64url') }), 403);
  assert.match(issue.diagnostics, /X-CSRF-Token/);
  // another session's CSRF token does not fit this one
  const other = await loginAs('admin');
  await assertOutcome(await logout({ 'x-csrf-token': other.user.csrfToken }), 403);
  // the CSRF check comes before any handler: a FHIR write is refused the same way, and the
  // refusal is in the audit trail under the session's user
  const refusedBy = async (name) => {
    const b = await (await fetch(url(`/fhir/AuditEvent?agent=${encodeURIComponent(name)}&_count=1000`))).json();
    return (b.entry ?? []).filter((e) => e.resource.outcome !== '0').length;
  };
  const before = await refusedBy(USERS.admin.username);
  const w = await anonymous(url('/fhir/Patient'), {
    method: 'POST', headers: { cookie, 'content-type': 'application/fhir+json' }, body: '{"resourceType":"Patient"}',
  });
  await assertOutcome(w, 403);
  assert.ok(await refusedBy(USERS.admin.username) > before, 'the refused write is audited under the user');
  // a read needs none, and the session is still alive
  assert.equal((await session(s.cookie)).status, 200);
  // with the token: signed out, the cookies cleared, the old cookie now 401
  const out = await logout({ 'x-csrf-token': s.user.csrfToken });
  assert.equal(out.status, 200);
  assert.ok(out.headers.getSetCookie().some((c) => /^painpath_session=;.*Max-Age=0/.test(c)));
  const again = await session(s.cookie);
  await assertOutcome(again, 401);
  assert.equal(again.headers.get('www-authenticate'), 'Bearer realm="painpath"');
  assert.equal(sql(DB, `SELECT count(*) FROM sessions WHERE token_hash = '${sha256(s.cookie)}'`), '0');
});

test('idle timeout and absolute lifetime, by the server\'s clock', async () => {
  const where = (s) => `WHERE token_hash = '${sha256(s.cookie)}'`;
  // last_seen 5 minutes ago: inside the idle timeout, and the visit moves it to now
  const a = await loginAs('front-desk');
  const fiveAgo = new Date(Date.now() - 5 * 60e3).toISOString();
  sql(DB, `UPDATE sessions SET last_seen = '${fiveAgo}' ${where(a)}`);
  assert.equal((await a.get('/auth/session')).status, 200);
  assert.ok(sql(DB, `SELECT last_seen FROM sessions ${where(a)}`) > fiveAgo);
  // idle longer than the timeout (30 minutes by default): 401
  const b = await loginAs('front-desk');
  sql(DB, `UPDATE sessions SET last_seen = '${new Date(Date.now() - 31 * 60e3).toISOString()}' ${where(b)}`);
  await assertOutcome(await b.get('/auth/session'), 401);
  // past its absolute end, however recently used: 401
  const c = await loginAs('front-desk');
  sql(DB, `UPDATE sessions SET expires = '${new Date(Date.now() - 1000).toISOString()}' ${where(c)}`);
  await assertOutcome(await c.get('/auth/session'), 401);
  // a cookie of the wrong shape or unknown: 401, and the cookie is cleared
  for (const cookie of ['x', 'A'.repeat(43), `${a.cookie}A`]) {
    const r = await session(cookie);
    await assertOutcome(r, 401);
    assert.ok(r.headers.getSetCookie().some((x) => /^painpath_session=;/.test(x)));
  }
});

test('bearer tokens: the integration token works; unknown, malformed, revoked, expired are 401', async () => {
  const me = await (await fetch(url('/auth/session'))).json();
  assert.equal(me.role, 'integration');
  assert.equal(me.via, 'token');
  assert.equal(me.token, 'api-tests');
  assert.equal(me.scope, '*');
  const refused = async (authorization) => {
    const r = await anonymous(url('/auth/session'), { headers: { authorization } });
    await assertOutcome(r, 401);
    assert.equal(r.headers.get('www-authenticate'), 'Bearer realm="painpath"');
  };
  await refused(`Bearer ${randomBytes(32).toString('base64url')}`);
  await refused('Bearer');
  await refused(`Bearer ${TOKEN} extra`);
  await refused(`Basic ${Buffer.from('api-admin:x').toString('base64')}`);
  // revoked with the CLI
  const t = tokenFor('integration', 'cds');
  assert.equal((await asToken(t.token).get('/auth/session')).status, 200);
  const rv = cli(['token', 'revoke', String(t.id), '--db', DB]);
  assert.equal(rv.status, 0, rv.stderr);
  await tokenCacheSettles();
  await refused(`Bearer ${t.token}`);
  // past its end
  const e = tokenFor('integration', 'cds');
  assert.equal((await asToken(e.token).get('/auth/session')).status, 200);
  sql(DB, `UPDATE tokens SET expires = '2020-01-01T00:00:00.000Z' WHERE token_hash = '${sha256(e.token)}'`);
  await tokenCacheSettles();
  await refused(`Bearer ${e.token}`);
  // only the hash is stored
  assert.equal(sql(DB, `SELECT count(*) FROM tokens WHERE token_hash = '${TOKEN}'`), '0');
  assert.equal(sql(DB, `SELECT count(*) FROM tokens WHERE token_hash = '${sha256(TOKEN)}'`), '1');
});

test('logout with a bearer token is refused (tokens are revoked with the CLI); anonymous is 401', async () => {
  await assertOutcome(await fetch(url('/auth/logout'), { method: 'POST' }), 400);
  await assertOutcome(await anonymous(url('/auth/session')), 401);
  await assertOutcome(await anonymous(url('/auth/logout'), { method: 'POST' }), 401);
});

// ---- servers of their own: lockout and the per-client limit need small settings, TLS a
// certificate ----

const dirs = [];
after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

// A fresh database with user `username` (physician) and a server on it with `security`.
async function ownServer(security, username, password, extraArgs = []) {
  const dir = mkdtempSync(join(tmpdir(), 'pp-auth-'));
  dirs.push(dir);
  const db = join(dir, 'auth.db');
  writeFileSync(join(dir, 'security.json'), JSON.stringify(security));
  const r = cli(['user', 'add', username, '--role', 'physician', '--password-stdin', '--db', db], `${password}\n`);
  assert.equal(r.status, 0, r.stderr);
  const child = spawn(BIN, ['serve', '--listen', '127.0.0.1:0', '--threads', '2', '--db', db,
    '--security', join(dir, 'security.json'), ...extraArgs], {
    env: { ...process.env, PAINPATH_NOW: NOW }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  child.stderr.on('data', (c) => (log += c));
  const base = await new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (c) => {
      out += c;
      const m = out.match(/listening on (https?:\/\/\S+)/);
      if (m) resolve(m[1]);
    });
    child.on('exit', (code) => reject(new Error(`server exited ${code}: ${log}`)));
  });
  const exited = new Promise((resolve) => child.on('exit', (code) => resolve(code)));
  // stop with SIGTERM: the server drains and exits 0; returns its log
  const stop = async () => {
    child.kill('SIGTERM');
    assert.equal(await exited, 0, log);
    return log;
  };
  return { base, db, dir, stop };
}

const small = { pwhash_ops: 1, pwhash_mem_kib: 8192 };

test('account lockout: after account_max_failures wrong passwords, 429 even with the right one, until it runs out', async () => {
  const password = `pp-${randomBytes(9).toString('base64url')}`;
  const srv = await ownServer({ ...small, account_max_failures: 3, account_lockout_minutes: 5 }, 'lock-me', password);
  try {
    const before = sql(srv.db, "SELECT password_hash FROM users WHERE username = 'lock-me'");
    // a successful login resets the count, and rehashes at the server's (smaller) cost
    assert.equal((await login('lock-me', password, srv.base)).status, 200);
    const rehashed = sql(srv.db, "SELECT password_hash FROM users WHERE username = 'lock-me'");
    assert.notEqual(rehashed, before);
    assert.match(rehashed, /^\$argon2id\$v=19\$m=8192,t=1,/);
    for (let i = 0; i < 3; i++) await assertOutcome(await login('lock-me', 'wrong-password', srv.base), 401);
    const locked = await login('lock-me', password, srv.base);
    await assertOutcome(locked, 429);
    const wait = Number(locked.headers.get('retry-after'));
    assert.ok(wait > 240 && wait <= 300, `Retry-After ${wait}`);
    assert.ok(sql(srv.db, "SELECT locked_until FROM users WHERE username = 'lock-me'") > new Date().toISOString());
    // two failures are not three: below the limit the account stays open
    sql(srv.db, "UPDATE users SET locked_until = '2020-01-01T00:00:00.000Z' WHERE username = 'lock-me'");
    for (let i = 0; i < 2; i++) await assertOutcome(await login('lock-me', 'wrong-password', srv.base), 401);
    const ok = await login('lock-me', password, srv.base);
    assert.equal(ok.status, 200);
    assert.equal(sql(srv.db, "SELECT failed_logins FROM users WHERE username = 'lock-me'"), '0');
  } finally {
    const log = await srv.stop();
    assert.ok(!log.includes(password), 'the password is not in the server log');
  }
});

test('per-client limit: client_max_failures failed logins from one address, then 429 for everyone from it', async () => {
  const password = `pp-${randomBytes(9).toString('base64url')}`;
  const srv = await ownServer({ ...small, client_max_failures: 3, client_window_minutes: 2 }, 'client-limit', password);
  try {
    for (let i = 0; i < 3; i++) await assertOutcome(await login(`guess-${i}`, 'guess-password', srv.base), 401);
    // the right name and password, from the same address: refused without a check
    const r = await login('client-limit', password, srv.base);
    await assertOutcome(r, 429);
    const wait = Number(r.headers.get('retry-after'));
    assert.ok(wait > 60 && wait <= 120, `Retry-After ${wait}`);
    // the account itself was never touched
    assert.equal(sql(srv.db, "SELECT failed_logins FROM users WHERE username = 'client-limit'"), '0');
    // when the window has passed the client may try again
    sql(srv.db, "UPDATE login_failures SET locked_until = '2020-01-01T00:00:00.000Z', first_failure = '2020-01-01T00:00:00.000Z'");
    assert.equal((await login('client-limit', password, srv.base)).status, 200);
  } finally {
    await srv.stop();
  }
});

function httpsGet(base, path, options = {}) {
  return new Promise((resolve, reject) => {
    const req = https.request(new URL(path, base), { rejectUnauthorized: false, ...options }, (res) => {
      let text = '';
      res.on('data', (c) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, text }));
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

test('TLS: HTTPS with a self-signed certificate, HSTS on every answer, a Secure session cookie', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'pp-tls-'));
  dirs.push(dir);
  const cert = join(dir, 'cert.pem');
  const key = join(dir, 'key.pem');
  const o = spawnSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1',
    '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=127.0.0.1'], { encoding: 'utf8' });
  assert.equal(o.status, 0, o.stderr);
  const password = `pp-${randomBytes(9).toString('base64url')}`;
  const srv = await ownServer(small, 'tls-user', password, ['--tls-cert', cert, '--tls-key', key]);
  try {
    assert.match(srv.base, /^https:\/\//);
    const h = await httpsGet(srv.base, '/healthz');
    assert.equal(h.status, 200);
    assert.equal(h.headers['strict-transport-security'], 'max-age=31536000');
    const body = JSON.stringify({ username: 'tls-user', password });
    const l = await httpsGet(srv.base, '/auth/login', {
      method: 'POST', headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }, body,
    });
    assert.equal(l.status, 200);
    assert.equal(l.headers['strict-transport-security'], 'max-age=31536000');
    const c = l.headers['set-cookie'].find((x) => x.startsWith('painpath_session='));
    assert.match(c, /; HttpOnly/);
    assert.match(c, /; Secure/);
    // an error answer carries HSTS too
    const e = await httpsGet(srv.base, '/auth/session');
    assert.equal(e.status, 401);
    assert.equal(e.headers['strict-transport-security'], 'max-age=31536000');
    // plain HTTP on the TLS port gets no answer
    await assert.rejects(anonymous(srv.base.replace('https:', 'http:') + 'healthz'));
  } finally {
    await srv.stop();
  }
  // a certificate that cannot be read, or is not one, or a key without its certificate
  const run = (args) => spawnSync(BIN, ['serve', '--listen', '127.0.0.1:0', '--db', join(dir, 'x.db'), ...args],
    { encoding: 'utf8', timeout: 10000 });
  let r = run(['--tls-cert', join(dir, 'missing.pem'), '--tls-key', key]);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /--tls-cert: cannot read/);
  r = run(['--tls-cert', key, '--tls-key', key]);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /--tls-cert: not a PEM certificate/);
  // a key that is not the certificate's
  const other = join(dir, 'other.pem');
  assert.equal(spawnSync('openssl', ['genpkey', '-algorithm', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1',
    '-out', other]).status, 0);
  r = run(['--tls-cert', cert, '--tls-key', other]);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /--tls-cert: TLS refused/);
  r = run(['--tls-key', key]);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /--tls-cert and --tls-key/);
  r = run(['--security', join(dir, 'missing.json')]);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /--security/);
  writeFileSync(join(dir, 'bad.json'), '{"session_idle_minutes": 0}');
  r = run(['--security', join(dir, 'bad.json')]);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /session_idle_minutes/);
  assert.ok(readFileSync(cert, 'utf8').includes('BEGIN CERTIFICATE'));
});
