// journeys.test.mjs - Kairan in a real browser: Debian's /usr/bin/chromium
// (headless) driven by playwright-core, against `kairan serve` on a fresh
// database on a loopback port.  Walks the main journeys - log in, enrol
// TOTP, switch the language, browse the directory, log out - and fails on
// any console error, uncaught page error, CSP violation or request leaving
// the server.  Screenshots (desktop 1280x900, phone 390x844) go to
// tests/out/screenshots/.
//
// Run: node --test tests/browser/journeys.test.mjs  (KAIRAN_BIN overrides
// build/asan/kairan; scripts/test.sh does this after building).

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DESKTOP, PHONE, SHOTS, kairan, launchBrowser, startServer, stopServer, totp, assertClean, loginForm, watchPage } from './lib.mjs';

const PASSWORD = 'browser-password-2020';

let work, db, srv, base, browser, context;
const problems = [];   // console errors, page errors, CSP violations, foreign requests

const cli = (args, input) => kairan(db, args, input);

before(async () => {
  work = mkdtempSync(join(tmpdir(), 'kairan-browser-'));
  mkdirSync(SHOTS, { recursive: true });
  db = join(work, 'kairan.db');   // the browser journeys need no second engine
  cli(['init', '--admin-login', 'admin', '--admin-email', 'admin@example.test', '--admin-password-stdin'],
    PASSWORD + '\n');
  cli(['org add', '--slug', 'tokyo-rail', '--name-ja', '東京鉄道', '--name-en', 'Tokyo Rail',
    '--kind', 'critical_service', '--sector', 'railway']);
  cli(['org add', '--slug', 'games-org', '--name-ja', '大会組織委員会', '--name-en', 'Games Organiser',
    '--kind', 'organiser']);
  for (let i = 0; i < 30; i++) {
    const n = String(i).padStart(2, '0');
    cli(['org add', '--slug', `venue-${n}`, '--name-ja', `会場${n}`, '--name-en', `Venue ${n}`, '--kind', 'venue']);
  }
  cli(['user add', '--login', 'coordinator', '--org', 'cc', '--email', 'coord@example.test',
    '--name', 'Coordinator One', '--role', 'coordinator', '--password-stdin'], PASSWORD + '\n');
  cli(['user add', '--login', 'games-contact', '--org', 'games-org', '--email', 'contact@games.example',
    '--name', '大会 連絡係', '--password-stdin'], PASSWORD + '\n');
  cli(['user add', '--login', 'rail-member', '--org', 'tokyo-rail', '--email', 'rail@example.test',
    '--name', '鉄道 花子', '--password-stdin'], PASSWORD + '\n');

  srv = await startServer(db, work);
  base = srv.base;
  browser = await launchBrowser();
});

after(async () => {
  if (browser) await browser.close();
  await stopServer(srv);
  if (work && !process.env.KAIRAN_KEEP) rmSync(work, { recursive: true, force: true });
});

// A fresh context per journey: its own cookies, the chosen viewport, and
// watchers for anything that would show the page is broken or leaky.
async function newPage(viewport, locale = 'en-US') {
  context = await browser.newContext({ viewport, locale, deviceScaleFactor: 1,
    isMobile: viewport.width < 500, hasTouch: viewport.width < 500 });
  const page = await context.newPage();
  await watchPage(page, base, problems);
  return page;
}

async function checkPage(page, label) {
  await assertClean(page, problems, label);
}

async function shot(page, name) {
  await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
}

async function htmlLang(page) {
  return page.evaluate(() => document.documentElement.lang);
}

async function login(page, loginName) {
  await loginForm(page, base, loginName, PASSWORD);
}

let coordSecret = null;

test('coordinator logs in and enrols TOTP (desktop)', async () => {
  const page = await newPage(DESKTOP);
  await page.goto(base + '/login');
  await shot(page, 'desktop-login');
  await checkPage(page, 'login');
  await login(page, 'coordinator');
  assert.match(page.url(), /\/totp\/enrol/);
  const secret = (await page.textContent('#totp-secret')).replace(/\s+/g, '');
  assert.match(secret, /^[A-Z2-7]{16,}=*$/);
  coordSecret = secret;
  await shot(page, 'desktop-totp-enrol');
  await checkPage(page, 'totp enrol');
  await page.fill('input[name=code]', totp(secret));
  await Promise.all([page.waitForNavigation(), page.click('form[action="/totp/enrol"] button[type=submit]')]);
  const text = await page.textContent('body');
  assert.match(text, /[a-z0-9]{4,6}-[a-z0-9]{4,6}/i, 'recovery codes are shown');
  await shot(page, 'desktop-recovery-codes');
  await page.goto(base + '/');
  assert.doesNotMatch(page.url(), /\/login/);
  await shot(page, 'desktop-home');
  await checkPage(page, 'home');
  await context.close();
});

test('second login asks for the TOTP code', async () => {
  assert.ok(coordSecret, 'enrolment ran first');
  const page = await newPage(DESKTOP);
  await login(page, 'coordinator');
  assert.match(page.url(), /\/login\/totp/);
  // The enrolment used the current step; the next one is inside the window.
  await page.fill('input[name=code]', totp(coordSecret, Math.floor(Date.now() / 30000) + 1));
  await Promise.all([page.waitForNavigation(), page.click('form[action="/login/totp"] button[type=submit]')]);
  assert.doesNotMatch(page.url(), /\/login/);
  await checkPage(page, 'totp login');
  await context.close();
});

test('language switch ja <-> en changes the page', async () => {
  const page = await newPage(DESKTOP, 'ja-JP');
  await page.goto(base + '/login');
  assert.equal(await htmlLang(page), 'ja');
  const jaText = await page.textContent('main');
  await Promise.all([page.waitForNavigation(), page.click('form[action="/lang"] button[value=en]')]);
  assert.equal(await htmlLang(page), 'en');
  const enText = await page.textContent('main');
  assert.notEqual(enText, jaText);
  assert.match(jaText, /[\u3040-\u30ff\u4e00-\u9fff]/, 'Japanese page has Japanese text');
  await shot(page, 'desktop-login-en');
  // Logged in, the person's own choice (stored with the account) rules;
  // switching must change the page both ways.
  await login(page, 'rail-member');
  const first = await htmlLang(page);
  const other = first === 'ja' ? 'en' : 'ja';
  const before = await page.textContent('nav');
  await Promise.all([page.waitForNavigation(), page.click(`form[action="/lang"] button[value=${other}]`)]);
  assert.equal(await htmlLang(page), other);
  assert.notEqual(await page.textContent('nav'), before);
  await Promise.all([page.waitForNavigation(), page.click('form[action="/lang"] button[value=ja]')]);
  assert.equal(await htmlLang(page), 'ja');
  await shot(page, 'desktop-home-ja');
  await checkPage(page, 'language switch');
  await context.close();
});

test('directory browsing (phone)', async () => {
  const page = await newPage(PHONE, 'ja-JP');
  await page.goto(base + '/login');
  await shot(page, 'phone-login');
  await login(page, 'rail-member');
  await shot(page, 'phone-home');
  await page.goto(base + '/orgs');
  assert.equal((await page.goto(base + '/orgs')).status(), 200);
  await shot(page, 'phone-orgs');
  const links = await page.$$eval('a[href^="/orgs/"]', (as) => as.map((a) => a.getAttribute('href')));
  assert.ok(links.length >= 5, 'organisations are listed: ' + links.join(' '));
  await Promise.all([page.waitForNavigation(), page.click('a[href="/orgs/games-org"]')]);
  assert.match(await page.textContent('main'), /大会組織委員会/);
  // The directory is for finding who to call: the organisation's contacts.
  assert.match(await page.textContent('main'), /大会 連絡係/);
  await shot(page, 'phone-org');
  // Nothing may be wider than the phone's screen.
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 1, `page is ${overflow}px wider than the phone`);
  await checkPage(page, 'directory');
  await context.close();
});

test('directory browsing (desktop) and log out', async () => {
  const page = await newPage(DESKTOP);
  await login(page, 'rail-member');
  await page.goto(base + '/orgs');
  await shot(page, 'desktop-orgs');
  await page.goto(base + '/orgs/games-org');
  await shot(page, 'desktop-org');
  await page.goto(base + '/account');
  await shot(page, 'desktop-account');
  await Promise.all([page.waitForNavigation(), page.click('form[action="/logout"] button')]);
  assert.match(page.url(), /\/login/);
  await page.goto(base + '/account');
  assert.match(page.url(), /\/login/);
  await checkPage(page, 'logout');
  await context.close();
});
