// indicators.test.mjs - the indicator pages in a real browser: Debian's
// /usr/bin/chromium (headless) driven by playwright-core against
// `kairan serve` on the demo dataset (`kairan demo`, a few thousand
// indicators) on a loopback port.  A railway member opens Indicators from
// the navigation, filters and searches the list, pages through it, opens
// an indicator with its correlation counts and STIX JSON, imports a CSV
// list and finds it, sees the rejection of a bad file (nothing stored),
// and switches to English; on a phone the list and the detail page fit
// the screen.  Fails on any console error, page error, CSP violation,
// request leaving the server, 5xx, or a page wider than the phone.
// Screenshots go to tests/out/screenshots/indicators-*.png.
//
// Run: node --test tests/browser/indicators.test.mjs  (KAIRAN_BIN overrides
// build/asan/kairan).

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DESKTOP, PHONE, SHOTS, kairan, launchBrowser, startServer, stopServer, assertClean, loginForm, watchPage } from './lib.mjs';

const PASSWORD = 'kairan-demo-2020'; // every demo person's

let work, db, srv, base, browser, context;
let detailPath = null;
const problems = [];

before(async () => {
  work = mkdtempSync(join(tmpdir(), 'kairan-browser-indicators-'));
  mkdirSync(SHOTS, { recursive: true });
  db = join(work, 'kairan.db');
  kairan(db, ['demo']);
  srv = await startServer(db, work);
  base = srv.base;
  browser = await launchBrowser();
});

after(async () => {
  if (browser) await browser.close();
  await stopServer(srv);
  if (work && !process.env.KAIRAN_KEEP) rmSync(work, { recursive: true, force: true });
});

async function newPage(viewport, locale = 'ja-JP') {
  context = await browser.newContext({ viewport, locale, deviceScaleFactor: 1,
    isMobile: viewport.width < 500, hasTouch: viewport.width < 500 });
  const page = await context.newPage();
  // The bad-file import answers 422 on purpose; Chromium logs any 4xx.
  await watchPage(page, base, problems, /status of 422/);
  page.on('dialog', (d) => d.dismiss());
  return page;
}

async function checkPage(page, label) {
  await assertClean(page, problems, label);
  if ((page.viewportSize() || {}).width < 500) {
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 1, `${label} is ${overflow}px wider than the phone`);
  }
}

async function shot(page, name) {
  await page.screenshot({ path: join(SHOTS, `indicators-${name}.png`), fullPage: true });
}

async function login(page, loginName) {
  await loginForm(page, base, loginName, PASSWORD);
  assert.doesNotMatch(page.url(), /\/login/);
}

async function submit(page, selector) {
  await Promise.all([page.waitForNavigation(), page.click(selector)]);
}

async function range(page) {
  return (await page.textContent('#range')).trim();
}

test('a member searches, opens and imports indicators (desktop)', async () => {
  const page = await newPage(DESKTOP);
  await login(page, 'rail-member');
  await page.click('header nav a[href="/indicators"]');
  await page.waitForURL(/\/indicators$/);
  assert.match(await range(page), /件(以上)?中 1〜20/);
  await shot(page, 'desktop-list');
  await checkPage(page, 'indicator list');

  // Filter by value type and TLP through the form (GET, no script).
  await page.selectOption('select[name=kind]', 'domain-name');
  await page.selectOption('select[name=tlp]', 'green');
  await submit(page, 'form.filters button[type=submit]');
  assert.match(page.url(), /kind=domain-name/);
  const kinds = await page.$$eval('table.indicators code.pattern', (els) => els.map((e) => e.textContent));
  assert.ok(kinds.length > 0 && kinds.every((k) => k.startsWith('[domain-name:value')), kinds.join('\n'));
  const tlps = await page.$$eval('table.indicators td:first-child .tlp', (els) => els.map((e) => e.textContent));
  assert.ok(tlps.every((t) => t === 'TLP:GREEN'), tlps.join(','));

  // Next page keeps the filters; the range moves on.
  if (await page.$('a[rel=next]')) {
    await submit(page, 'a[rel=next]');
    assert.match(page.url(), /kind=domain-name/);
    assert.match(await range(page), /21〜/);
  }

  // Prefix search on an address block, then open one indicator.
  await page.goto(base + '/indicators');
  await page.fill('input[name=value]', '198.51.100.');
  await page.selectOption('select[name=match]', 'prefix');
  await submit(page, 'form.filters button[type=submit]');
  const first = await page.$('table.indicators td a[href^="/indicators/indicator--"]');
  assert.ok(first, 'a prefix search finds demo indicators');
  await Promise.all([page.waitForNavigation(), first.click()]);
  detailPath = new URL(page.url()).pathname + new URL(page.url()).search;
  assert.match(await page.textContent('#facts'), /\[ipv4-addr:value = '198\.51\.100\./);
  assert.ok(await page.$('#facts .tlp'), 'TLP label shown');
  assert.match(await page.textContent('#values'), /198\.51\.100\./);
  assert.ok(await page.$('#values tr.corr a[href^="/indicators?"]'), 'correlation counts link to the list');
  assert.match(await page.textContent('#stix-json'), /"pattern_type": "stix"/);
  await shot(page, 'desktop-detail');
  await checkPage(page, 'indicator detail');

  // Import a CSV list into the railway ISAC, then find it.
  await page.goto(base + '/indicators/import');
  await page.selectOption('select[name=collection]', 'rail-isac');
  await page.setInputFiles('input[name=file]', {
    name: 'rail-iocs.csv', mimeType: 'text/csv',
    buffer: Buffer.from('type,value,tlp,comment\nipv4-addr,192.0.2.99,amber,改札システムへの不審な接続\ndomain-name,rail-phish.example,green,\n'),
  });
  await shot(page, 'desktop-import');
  await submit(page, 'form[action="/indicators/import"] button[type=submit]');
  assert.match(await page.textContent('#import-result'), /2/);
  await checkPage(page, 'import result');
  await page.goto(base + '/indicators?value=rail-phish.example');
  assert.match(await page.textContent('main'), /rail-phish\.example/);
  assert.match(await range(page), /1件中 1〜1/);

  // In the background: the status page refreshes itself (no script)
  // until the job is done.
  await page.goto(base + '/indicators/import');
  await page.selectOption('select[name=collection]', 'rail-isac');
  const objects = Array.from({ length: 300 }, (_, i) => ({
    type: 'indicator', spec_version: '2.1', id: `indicator--00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
    created: '2024-01-01T00:00:00.000Z', modified: '2024-01-01T00:00:00.000Z', name: `背景取り込み ${i}`,
    pattern: `[domain-name:value = 'bg${i}.rail.example']`, pattern_type: 'stix', valid_from: '2024-01-01T00:00:00Z',
  }));
  await page.setInputFiles('input[name=file]', {
    name: 'bundle.json', mimeType: 'application/json',
    buffer: Buffer.from(JSON.stringify({ type: 'bundle', id: 'bundle--00000000-0000-4000-8000-000000000001', objects })),
  });
  await page.check('input[name=background]');
  await submit(page, 'form[action="/indicators/import"] button[type=submit]');
  assert.match(page.url(), /\/indicators\/import\/[0-9a-f-]{36}$/);
  await shot(page, 'desktop-import-status');
  await page.waitForSelector('#import-result', { timeout: 60000 });
  assert.match(await page.textContent('#import-progress'), /300 \/ 300/);
  await shot(page, 'desktop-import-done');
  await checkPage(page, 'import status');

  // A bad file: the problem is named, nothing is stored.
  await page.goto(base + '/indicators/import');
  await page.selectOption('select[name=collection]', 'rail-isac');
  await page.setInputFiles('input[name=file]', {
    name: 'bad.csv', mimeType: 'text/csv',
    buffer: Buffer.from('domain-name,never-stored.example\nipv4-addr,300.1.1.1\n'),
  });
  await submit(page, 'form[action="/indicators/import"] button[type=submit]');
  assert.match(await page.textContent('#import-errors'), /line 2/);
  await shot(page, 'desktop-import-error');
  await page.goto(base + '/indicators?value=never-stored.example');
  assert.ok(await page.$('#empty'), 'nothing of the bad file was stored');

  // English through the language switch.
  await page.goto(base + '/indicators');
  await submit(page, 'form.lang button[value=en]');
  assert.match(await page.textContent('main h1'), /Indicators/);
  assert.match(await range(page), /1–20 of/);
  await shot(page, 'desktop-list-en');
  await submit(page, 'form.lang button[value=ja]');
  await checkPage(page, 'language switch');
  await context.close();
});

test('the list and an indicator fit a phone', async () => {
  assert.ok(detailPath, 'the desktop journey ran first');
  const page = await newPage(PHONE);
  await login(page, 'rail-member');
  await page.goto(base + '/indicators');
  await shot(page, 'phone-list');
  await checkPage(page, 'indicator list (phone)');
  await page.goto(base + '/indicators?kind=sha-256');
  await shot(page, 'phone-list-hashes');
  await checkPage(page, 'hash list (phone)');
  await page.goto(base + detailPath);
  await shot(page, 'phone-detail');
  await checkPage(page, 'indicator detail (phone)');
  await page.goto(base + '/indicators/import');
  await checkPage(page, 'import form (phone)');
  await context.close();
});
