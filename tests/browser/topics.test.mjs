// topics.test.mjs - communities and topics in a real browser: Debian's
// /usr/bin/chromium (headless) driven by playwright-core against
// `kairan serve` on a fresh SQLite database on a loopback port.  A member
// creates a community, opens it, writes a topic with an attachment, finds
// it on the list, opens it, likes it and comments; a member of another
// organisation joins on a phone and does the same.  Fails on any console
// error, page error, CSP violation, request leaving the server, 5xx, or a
// page wider than the phone.  Screenshots (desktop 1280x900, phone
// 390x844) go to tests/out/screenshots/topics-*.png.
//
// Run: node --test tests/browser/topics.test.mjs  (KAIRAN_BIN overrides
// build/asan/kairan; scripts/test.sh runs every tests/browser/*.test.mjs).

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DESKTOP, PHONE, SHOTS, kairan, launchBrowser, startServer, stopServer, assertClean, loginForm, watchPage } from './lib.mjs';

const PASSWORD = 'browser-password-2020';
const TITLE = 'VPN 装置の脆弱性について（CVE-2026-0001）';

let work, db, srv, base, browser, context;
let topicPath = null;
const problems = [];

const cli = (args, input) => kairan(db, args, input);

before(async () => {
  work = mkdtempSync(join(tmpdir(), 'kairan-browser-topics-'));
  mkdirSync(SHOTS, { recursive: true });
  db = join(work, 'kairan.db');
  cli(['init', '--admin-login', 'admin', '--admin-email', 'admin@example.test', '--admin-password-stdin'],
    PASSWORD + '\n');
  cli(['org add', '--slug', 'tokyo-rail', '--name-ja', '東京鉄道', '--name-en', 'Tokyo Rail',
    '--kind', 'critical_service', '--sector', 'railway']);
  cli(['org add', '--slug', 'tokyo-water', '--name-ja', '東京水道', '--name-en', 'Tokyo Water',
    '--kind', 'critical_service', '--sector', 'water']);
  cli(['user add', '--login', 'rail-member', '--org', 'tokyo-rail', '--email', 'rail@example.test',
    '--name', '鉄道 花子', '--password-stdin'], PASSWORD + '\n');
  cli(['user add', '--login', 'water-member', '--org', 'tokyo-water', '--email', 'water@example.test',
    '--name', '水道 太郎', '--password-stdin'], PASSWORD + '\n');

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
  await watchPage(page, base, problems);
  // Deleting asks for confirmation; these journeys never delete.
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
  await page.screenshot({ path: join(SHOTS, `topics-${name}.png`), fullPage: true });
}

async function login(page, loginName) {
  await loginForm(page, base, loginName, PASSWORD);
  assert.doesNotMatch(page.url(), /\/login/);
}

async function submit(page, selector) {
  await Promise.all([page.waitForNavigation(), page.click(selector)]);
}

async function likeCount(page) {
  return Number((await page.textContent('#like-count')).trim());
}

test('a member creates a community and a topic, then likes and comments (desktop)', async () => {
  const page = await newPage(DESKTOP);
  await login(page, 'rail-member');
  await shot(page, 'desktop-home-empty');

  // Communities: the built-in ones are there; create a member community.
  await page.click('header nav a[href="/communities"]');
  await page.waitForURL(/\/communities$/);
  assert.match(await page.textContent('main'), /情報提供\(一般\)/);
  await shot(page, 'desktop-communities');
  await page.click('a[href="/communities/new"]');
  await page.fill('input[name=slug]', 'rail-isac');
  await page.fill('input[name=name_ja]', '鉄道 ISAC');
  await page.fill('input[name=name_en]', 'Rail ISAC');
  await page.fill('textarea[name=description]', '鉄道事業者どうしの情報共有の場です。');
  await page.selectOption('select[name=join_policy]', 'open');
  await submit(page, 'form[action="/communities/new"] button[type=submit]');
  assert.match(page.url(), /\/c\/rail-isac/);
  assert.match(await page.textContent('main'), /鉄道 ISAC/);

  // New topic through the button on the community page.
  await page.click('a[href="/c/rail-isac/new"]');
  await page.waitForURL(/\/c\/rail-isac\/new$/);
  await page.fill('input[name=title]', TITLE);
  await page.selectOption('select[name=tag]', 'important');
  await page.selectOption('select[name=category]', 'vulnerability');
  await page.check('input[name=tlp][value=green]');
  await page.fill('textarea[name=body]', '対象の装置をお使いの方は、修正版の適用をご検討ください。\n\n- 影響: リモートからのコード実行');
  await page.setInputFiles('input[name=file]', {
    name: '調査メモ.txt', mimeType: 'text/plain', buffer: Buffer.from('観測したアクセス元: 192.0.2.1\n'),
  });
  await shot(page, 'desktop-new-topic');
  await checkPage(page, 'new topic form');
  await submit(page, 'form[action="/c/rail-isac/new"] button[type=submit]');
  assert.match(page.url(), /\/topics\/\d{8}-\d{6}/);
  topicPath = new URL(page.url()).pathname;
  const main = await page.textContent('main');
  assert.match(main, /VPN 装置の脆弱性/);
  assert.match(main, /TLP:GREEN/);
  assert.match(main, /【重要】/);
  assert.match(main, /調査メモ\.txt/);

  // It is on the community's list; open it from there.
  await page.goto(base + '/c/rail-isac');
  await shot(page, 'desktop-community');
  assert.match(await page.textContent('main'), /1件中 1〜1/);
  await submit(page, `ul.topics a[href="${topicPath}"]`);
  assert.equal(new URL(page.url()).pathname, topicPath);

  // Like it (the count goes up) and comment.
  assert.equal(await likeCount(page), 0);
  await submit(page, `form[action="${topicPath}/like"] button`);
  assert.equal(await likeCount(page), 1);
  await page.fill('textarea[name=body]', '当社でも同じ装置を確認しました。');
  await submit(page, `form[action="${topicPath}/comments"] button`);
  assert.match(await page.textContent('#comments'), /当社でも同じ装置を確認しました。/);
  await shot(page, 'desktop-topic');
  await checkPage(page, 'topic page');

  // Across communities and on the home page.
  await page.goto(base + '/topics');
  assert.match(await page.textContent('main'), /VPN 装置の脆弱性/);
  await shot(page, 'desktop-topics');
  await page.goto(base + '/');
  assert.match(await page.textContent('#important'), /VPN 装置の脆弱性/);
  assert.match(await page.textContent('#new-topics'), /VPN 装置の脆弱性/);
  await shot(page, 'desktop-home');
  await checkPage(page, 'home');
  await context.close();
});

test('a member of another organisation joins, likes and comments (phone)', async () => {
  assert.ok(topicPath, 'the desktop journey ran first');
  const page = await newPage(PHONE);
  await login(page, 'water-member');
  await page.goto(base + '/communities');
  await shot(page, 'phone-communities');
  await checkPage(page, 'communities (phone)');
  await submit(page, 'form[action="/c/rail-isac/join"] button');
  assert.match(page.url(), /\/c\/rail-isac/);
  await shot(page, 'phone-community');
  await checkPage(page, 'community (phone)');
  await submit(page, `ul.topics a[href="${topicPath}"]`);
  assert.equal(await likeCount(page), 1);
  await submit(page, `form[action="${topicPath}/like"] button`);
  assert.equal(await likeCount(page), 2);
  await page.fill('textarea[name=body]', '水道分野でも注意喚起します。');
  await submit(page, `form[action="${topicPath}/comments"] button`);
  assert.match(await page.textContent('#comments'), /水道分野でも注意喚起します。/);
  await shot(page, 'phone-topic');
  await checkPage(page, 'topic (phone)');
  await page.goto(base + '/c/rail-isac/new');
  await shot(page, 'phone-new-topic');
  await checkPage(page, 'new topic form (phone)');
  await page.goto(base + '/');
  await shot(page, 'phone-home');
  await checkPage(page, 'home (phone)');
  await context.close();
});
