// lib.mjs - what the browser tests share: the binaries, the kairan CLI on
// a test database, `kairan serve` on a loopback port (started, waited
// for, stopped with SIGTERM and checked for a clean exit and no sanitizer
// report), headless Chromium, and TOTP codes (RFC 6238) for the
// coordinators' second factor.

import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { openSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const BIN = process.env.KAIRAN_BIN || join(ROOT, 'build', 'asan', 'kairan');
export const CHROMIUM = process.env.KAIRAN_CHROMIUM || '/usr/bin/chromium';
export const SHOTS = join(ROOT, 'tests', 'out', 'screenshots');
export const SANITIZER = /ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:|SUMMARY: (AddressSanitizer|UndefinedBehaviorSanitizer)/;
export const DESKTOP = { width: 1280, height: 900 };
export const PHONE = { width: 390, height: 844 };

function base32Decode(s) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = 0, value = 0;
  const out = [];
  for (const ch of s.replace(/[\s=]/g, '').toUpperCase()) {
    const i = alphabet.indexOf(ch);
    if (i < 0) throw new Error('bad base32: ' + s);
    value = (value << 5) | i;
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  return Buffer.from(out);
}

// The 6-digit TOTP code of a base32 secret for a 30-second step.
export function totp(secret, step = Math.floor(Date.now() / 30000)) {
  const msg = Buffer.alloc(8);
  msg.writeBigUInt64BE(BigInt(step));
  const mac = createHmac('sha1', base32Decode(secret)).update(msg).digest();
  const off = mac[mac.length - 1] & 0x0f;
  return String((mac.readUInt32BE(off) & 0x7fffffff) % 1000000).padStart(6, '0');
}

function freePort() {
  return new Promise((res, rej) => {
    const s = createServer();
    s.unref();
    s.on('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const p = s.address().port;
      s.close(() => res(p));
    });
  });
}

// kairan's environment: no KAIRAN_* setting of the caller's (KAIRAN_CONFIG,
// KAIRAN_SMTP_URL ...) may change the server under test.
export function serverEnv() {
  const env = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (!k.startsWith('KAIRAN_') || k === 'KAIRAN_BIN' || k.startsWith('KAIRAN_TEST')) env[k] = v;
  }
  env.ASAN_OPTIONS = env.ASAN_OPTIONS || 'detect_leaks=1:halt_on_error=1';
  return env;
}

// `kairan CMD --db db ARGS...` (args[0] is the command, e.g. 'user add'),
// its stdout; throws on failure or a sanitizer report.
export function kairan(db, args, input) {
  const [cmd, ...rest] = args;
  const p = spawnSync(BIN, [...cmd.split(' '), '--db', db, ...rest],
    { input, encoding: 'utf8', timeout: 300000, env: serverEnv() });
  if (p.status !== 0 || SANITIZER.test(p.stderr || '')) {
    throw new Error(`kairan ${cmd} failed (${p.status}): ${p.stdout}\n${p.stderr}`);
  }
  return p.stdout;
}

// `kairan serve` on db at a free loopback port, its stderr in work; once it
// answers /healthz: { server, port, base, logPath }.
export async function startServer(db, work) {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const logPath = join(work, 'server.stderr');
  const log = openSync(logPath, 'a');
  const server = spawn(BIN, ['serve', '--db', db, '--listen', `127.0.0.1:${port}`],
    { stdio: ['ignore', log, log], env: serverEnv() });
  const end = Date.now() + 60000;
  for (;;) {
    if (server.exitCode !== null) throw new Error('kairan serve exited: ' + readFileSync(logPath, 'utf8'));
    try {
      if ((await fetch(base + '/healthz')).status === 200) break;
    } catch { /* not yet */ }
    if (Date.now() > end) throw new Error('kairan serve did not answer /healthz: ' + readFileSync(logPath, 'utf8'));
    await new Promise((r) => setTimeout(r, 100));
  }
  return { server, port, base, logPath };
}

// SIGTERM; it must exit 0 within 30 s with no sanitizer report.
export async function stopServer(srv) {
  const { server, logPath } = srv || {};
  if (!server || server.exitCode !== null) return;
  const exited = new Promise((res) => server.once('exit', (code, sig) => res({ code, sig })));
  server.kill('SIGTERM');
  const r = await Promise.race([exited, new Promise((res) => setTimeout(() => res(null), 30000))]);
  if (!r) {
    server.kill('SIGKILL');
    assert.fail('kairan serve ignored SIGTERM');
  }
  const log = readFileSync(logPath, 'utf8');
  assert.ok(!SANITIZER.test(log), 'sanitizer report from kairan serve:\n' + log.slice(-6000));
  assert.equal(r.code, 0, 'kairan serve exit status after SIGTERM\n' + log.slice(-3000));
}

// Headless Chromium; playwright gives every launch a fresh temporary
// --user-data-dir of its own, so no profile state is shared.
export function launchBrowser() {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

// Watch page for what shows a page is broken or leaky, into problems:
// console errors (but those matching ignore, e.g. the status line of a
// 4xx the test asks for on purpose) and CSP reports, page errors,
// requests leaving base, 5xx answers.
export async function watchPage(page, base, problems, ignore = null) {
  await page.addInitScript(() => {
    window.__cspViolations = [];
    document.addEventListener('securitypolicyviolation', (e) => {
      window.__cspViolations.push(`${e.violatedDirective} ${e.blockedURI}`);
    });
  });
  page.on('console', (m) => {
    const csp = /Content Security Policy/i.test(m.text());
    if ((m.type() === 'error' && !(ignore && ignore.test(m.text()))) || csp) {
      problems.push(`console ${m.type()} on ${page.url()}: ${m.text()}`);
    }
  });
  page.on('pageerror', (e) => problems.push(`page error on ${page.url()}: ${e.message}`));
  page.on('request', (req) => {
    const u = req.url();
    if (!u.startsWith(base) && !u.startsWith('data:') && !u.startsWith('about:')) {
      problems.push(`request leaving the server: ${u}`);
    }
  });
  page.on('response', (resp) => {
    if (resp.status() >= 500) problems.push(`HTTP ${resp.status()} for ${resp.url()}`);
  });
}

// No CSP violation on page and nothing in problems so far.
export async function assertClean(page, problems, label) {
  assert.deepEqual(await page.evaluate(() => window.__cspViolations || []), [], `CSP violations on ${label}`);
  assert.deepEqual(problems, [], `problems by ${label}`);
}

// Log in through the login form (no second factor).
export async function loginForm(page, base, login, password) {
  await page.goto(base + '/login');
  await page.fill('input[name=login]', login);
  await page.fill('input[name=password]', password);
  await Promise.all([page.waitForNavigation(), page.click('form[action="/login"] button[type=submit]')]);
}
