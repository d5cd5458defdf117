// connection.test.mjs — keep-alive (several requests, answers and errors alike, on one
// connection) and a draining stop: a server started here finishes a request that is still
// uploading when SIGTERM arrives, then exits 0.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import http from 'node:http';
import { test } from 'node:test';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { url, example, cli, parseToken, BIN, NOW, TOKEN } from './lib.mjs';

function request(agent, target, method = 'GET', body, token = TOKEN) {
  return new Promise((resolve, reject) => {
    const req = http.request(target, { method, agent, headers: { authorization: `Bearer ${token}` } }, (res) => {
      let text = '';
      res.on('data', (c) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode, reused: req.reusedSocket, text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

test('keep-alive: answers and errors all travel on one connection', async () => {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const seq = [
    ['/healthz', 'GET', undefined, 200],
    ['/cds-services', 'GET', undefined, 200],
    ['/no/such/path', 'GET', undefined, 404],
    ['/healthz', 'POST', '', 405],
    ['/cds-services/opioid-order-sign', 'POST', '{"hook":', 400],
    ['/cds-services/opioid-order-sign', 'POST', example('order-sign-request.json'), 200],
    ['/fhir/metadata', 'GET', undefined, 200],
  ];
  for (const [i, [path, method, body, status]] of seq.entries()) {
    const r = await request(agent, url(path), method, body);
    assert.equal(r.status, status, path);
    assert.equal(r.reused, i > 0, `request ${i} (${path}) on the first connection`);
  }
  agent.destroy();
});

// A server of its own on a fresh database in a temporary directory, with an integration token.
function startServer() {
  const dir = mkdtempSync(join(tmpdir(), 'pp-conn-'));
  const db = join(dir, 'conn.db');
  const made = cli(['token', 'create', '--name', 'conn', '--scope', '*', '--format', 'json', '--db', db]);
  assert.equal(made.status, 0, made.stderr);
  const { token } = parseToken(made.stdout);
  return new Promise((resolve, reject) => {
    const child = spawn(BIN, ['serve', '--listen', '127.0.0.1:0', '--threads', '2', '--db', db], {
      env: { ...process.env, PAINPATH_NOW: NOW },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (c) => {
      out += c;
      const m = out.match(/listening on (http:\/\/\S+)/);
      if (m) resolve({ child, base: m[1], token });
    });
    child.on('exit', (code) => {
      rmSync(dir, { recursive: true, force: true });
      reject(new Error(`server exited ${code} before listening`));
    });
  });
}

test('SIGTERM drains a request in flight, then the server exits 0', async () => {
  const { child, base, token } = await startServer();
  const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  const body = example('order-sign-request.json');
  const half = Math.floor(body.length / 2);
  const answer = new Promise((resolve, reject) => {
    const req = http.request(new URL('cds-services/opioid-order-sign', base), {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'content-length': Buffer.byteLength(body),
        authorization: `Bearer ${token}`,
      },
    }, (res) => {
      let text = '';
      res.on('data', (c) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode, text }));
    });
    req.on('error', reject);
    req.write(body.slice(0, half));
    // the server has the headers and half the body when the signal arrives
    setTimeout(() => {
      child.kill('SIGTERM');
      setTimeout(() => req.end(body.slice(half)), 300);
    }, 300);
  });
  const r = await answer;
  assert.equal(r.status, 200);
  assert.ok(JSON.parse(r.text).cards.length > 0);
  assert.deepEqual(await exited, { code: 0, signal: null });
  // and nothing listens any more
  await assert.rejects(fetch(new URL('healthz', base)));
});

test('an oversized body announced with Expect: 100-continue is refused before it is sent', async () => {
  const r = await new Promise((resolve, reject) => {
    const req = http.request(url('/cds-services/opioid-order-sign'), {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'content-length': (16 << 20) + 1,
        expect: '100-continue',
        authorization: `Bearer ${TOKEN}`,
      },
    }, (res) => {
      let text = '';
      res.on('data', (c) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode, text, continued }));
    });
    let continued = false;
    req.on('continue', () => { continued = true; req.destroy(); });
    req.on('error', reject);
    req.flushHeaders();
  });
  assert.equal(r.status, 413);
  assert.equal(r.continued, false, 'the server never asked for the body');
  assert.equal(JSON.parse(r.text).resourceType, 'OperationOutcome');
});

test('`painpath serve` refuses bad options (exit 2) and a port in use (exit 1)', async () => {
  const { spawnSync } = await import('node:child_process');
  const run = (args, env = {}) =>
    spawnSync(BIN, ['serve', ...args], { env: { ...process.env, ...env }, encoding: 'utf8', timeout: 10000 });
  let r = run(['--listen', 'nonsense']);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /--listen/);
  r = run(['--listen', '127.0.0.1:99999']);
  assert.equal(r.status, 2);
  r = run(['--listen', 'localhost6:8080']);
  assert.equal(r.status, 2);
  r = run(['--threads', 'many']);
  assert.equal(r.status, 2);
  r = run(['--bogus']);
  assert.equal(r.status, 2);
  r = run(['--listen', '127.0.0.1:0'], { PAINPATH_NOW: '27/11/2026' });
  assert.equal(r.status, 2);
  assert.match(r.stderr, /PAINPATH_NOW/);
  // the port the suite's server holds (on a database of its own, not ./painpath.db)
  const dir = mkdtempSync(join(tmpdir(), 'pp-port-'));
  try {
    r = run(['--listen', `127.0.0.1:${new URL(url('/')).port}`, '--db', join(dir, 'x.db')]);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /cannot listen/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  // a bad security file: exit 2 naming the file and the member once
  const sdir = mkdtempSync(join(tmpdir(), 'pp-sec-'));
  try {
    const f = join(sdir, 'sec.json');
    writeFileSync(f, '{"session_idle": 3}');
    r = run(['--security', f, '--db', join(sdir, 'x.db'), '--listen', '127.0.0.1:0']);
    assert.equal(r.status, 2);
    assert.equal(r.stderr.split('sec.json').length - 1, 1, r.stderr);
    assert.match(r.stderr, /session_idle: unknown security setting/);
  } finally {
    rmSync(sdir, { recursive: true, force: true });
  }
  r = run(['--help']);
  assert.equal(r.status, 0);
  assert.match(r.stdout, /usage: painpath serve/);
});
