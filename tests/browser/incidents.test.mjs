// incidents.test.mjs - the whole incident journey of SPEC R9 in a real
// browser (Debian's /usr/bin/chromium, headless, driven by playwright-core)
// against `kairan serve` on a fresh database: a railway operator reports a
// DDoS and designates its ministry and the police; the ministry sees it, an
// unrelated organisation gets 404; the coordinator triages and asks a
// security agency for support, the agency answers; the coordinator puts the
// case into the PM upward report, opens the printable page (print media:
// no navigation, no forms) and logs its sending; finally publishes a
// sanitised lesson-learned topic that carries none of the reporter's
// identifying strings.  Fails on any console error, page error, CSP
// violation, HTTP 5xx or request leaving the server.  Screenshots go to
// tests/out/screenshots/incident-*.png.
//
// Run: node --test tests/browser/incidents.test.mjs  (KAIRAN_BIN overrides
// build/asan/kairan).

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DESKTOP, SHOTS, kairan, launchBrowser, startServer, stopServer, totp, assertClean, loginForm, watchPage } from './lib.mjs';

const PASSWORD = 'browser-password-2020';

// What identifies the reporter: its names, its person, its addresses.
const RAIL_JA = '東都鉄道';
const RAIL_EN = 'Toto Rail';
const PERSON = '鉄道 花子';
const EMAIL = 'hanako@toto-rail.example';
const HOST = 'booking.toto-rail.example';
const IP = '198.51.100.23';
const IDENTIFYING = [RAIL_JA, RAIL_EN, PERSON, '花子', EMAIL, HOST, IP, 'toto-rail', 'rail-member'];

let work, db, srv, base, browser;
const problems = [];
const contexts = [];

const cli = (args, input) => kairan(db, args, input);

function user(login, org, name, email, role = 'member') {
  cli(['user add', '--login', login, '--org', org, '--email', email, '--name', name, '--role', role,
    '--password-stdin'], PASSWORD + '\n');
}

before(async () => {
  work = mkdtempSync(join(tmpdir(), 'kairan-browser-inc-'));
  mkdirSync(SHOTS, { recursive: true });
  db = join(work, 'kairan.db');
  cli(['init', '--admin-login', 'admin', '--admin-email', 'admin@example.test', '--admin-password-stdin'],
    PASSWORD + '\n');
  cli(['org add', '--slug', 'toto-rail', '--name-ja', RAIL_JA, '--name-en', RAIL_EN,
    '--kind', 'critical_service', '--sector', 'railway']);
  cli(['org add', '--slug', 'ministry-transport', '--name-ja', '交通省', '--name-en', 'Ministry of Transport',
    '--kind', 'ministry']);
  cli(['org add', '--slug', 'police', '--name-ja', '警察', '--name-en', 'Police', '--kind', 'law_enforcement']);
  cli(['org add', '--slug', 'sec-agency', '--name-ja', 'セキュリティ機関', '--name-en', 'Security Agency',
    '--kind', 'security_agency']);
  cli(['org add', '--slug', 'venue-x', '--name-ja', '会場X', '--name-en', 'Venue X', '--kind', 'venue']);
  user('coordinator', 'cc', 'Coordinator One', 'coord@example.test', 'coordinator');
  user('rail-member', 'toto-rail', PERSON, EMAIL);
  user('ministry-member', 'ministry-transport', '交通 次郎', 'jiro@ministry.example');
  user('venue-member', 'venue-x', '会場 三郎', 'saburo@venue.example');
  user('agency-analyst', 'sec-agency', '解析 四郎', 'shiro@agency.example');

  srv = await startServer(db, work);
  base = srv.base;
  browser = await launchBrowser();
});

after(async () => {
  for (const c of contexts) await c.close().catch(() => {});
  if (browser) await browser.close();
  await stopServer(srv);
  if (work && !process.env.KAIRAN_KEEP) rmSync(work, { recursive: true, force: true });
});

async function newPage(locale = 'ja-JP') {
  const context = await browser.newContext({ viewport: DESKTOP, locale, deviceScaleFactor: 1 });
  contexts.push(context);
  const page = await context.newPage();
  // The 404 pages this journey opens on purpose log their status.
  await watchPage(page, base, problems, /status of 404/);
  return page;
}

async function checkPage(page, label) {
  await assertClean(page, problems, label);
}

async function shot(page, name) {
  await page.screenshot({ path: join(SHOTS, `incident-${name}.png`), fullPage: true });
}

async function login(page, loginName) {
  await loginForm(page, base, loginName, PASSWORD);
}

// Submit the form matched by selector and wait for the page it leads to.
async function submit(page, formSel, buttonSel = 'button[type=submit]') {
  await Promise.all([page.waitForNavigation(), page.click(`${formSel} ${buttonSel}`)]);
}

let casePath = null, caseId = null, coord = null, reportPath = null;

test('a railway operator reports a DDoS to its ministry and the police', async () => {
  const page = await newPage();
  await login(page, 'rail-member');
  await page.goto(base + '/incidents/new');
  await page.selectOption('select[name=kind]', 'report_incident');
  await page.fill('input[name=title]', `DDoS: ${RAIL_EN} の予約サイトが応答しない`);
  await page.fill('textarea[name=description]',
    `${RAIL_JA}（${RAIL_EN}）の予約サイト ${HOST} に ${IP} ほかから大量の通信。` +
    `担当は ${PERSON}（${EMAIL}）。`);
  await page.selectOption('select[name=tlp]', 'amber');
  await page.fill('textarea[name=impact]', '予約の受付が 30 分停止');
  await page.fill('input[name=recipients]', 'ministry-transport, police');
  await shot(page, 'report-form');
  await submit(page, 'form[action="/incidents/new"]');
  const m = new URL(page.url()).pathname.match(/^\/incidents\/(C-\d{8}-\d{4})$/);
  assert.ok(m, 'the case page follows: ' + page.url());
  casePath = m[0];
  caseId = m[1];
  const recipients = await page.textContent('#recipients');
  assert.match(recipients, /交通省|Ministry of Transport/);
  assert.match(recipients, /警察|Police/);
  await shot(page, 'case-reporter');
  await checkPage(page, 'report');
});

test('the designated ministry sees the case; an unrelated organisation gets 404', async () => {
  assert.ok(casePath, 'the report ran first');
  const mpage = await newPage();
  await login(mpage, 'ministry-member');
  await mpage.goto(base + '/incidents');
  assert.match(await mpage.textContent('#incidents'), new RegExp(caseId));
  assert.equal((await mpage.goto(base + casePath)).status(), 200);
  assert.match(await mpage.textContent('h1'), /DDoS/);

  const vpage = await newPage();
  await login(vpage, 'venue-member');
  const resp = await vpage.goto(base + casePath);
  assert.equal(resp.status(), 404);
  const missing = await vpage.goto(base + '/incidents/C-20000101-0001');
  assert.equal(missing.status(), 404);
  await vpage.goto(base + '/incidents');
  assert.doesNotMatch(await vpage.textContent('main'), new RegExp(caseId));
  assert.doesNotMatch(await vpage.textContent('main'), /予約サイトが応答しない/);
  // No counts either: the board shows nothing new for this organisation.
  assert.match(await vpage.textContent('#board'), /(新規|New) 0/);
  await checkPage(vpage, 'visibility');
});

test('the coordinator triages and asks a security agency for support', async () => {
  coord = await newPage();
  await login(coord, 'coordinator');
  assert.match(coord.url(), /\/totp\/enrol/, 'coordinators enrol TOTP at first login');
  const secret = (await coord.textContent('#totp-secret')).replace(/\s+/g, '');
  await coord.fill('input[name=code]', totp(secret));
  await submit(coord, 'form[action="/totp/enrol"]');
  await coord.goto(base + casePath);
  const triage = `form[action="${casePath}/triage"]`;
  await coord.selectOption(`${triage} select[name=priority]`, 'p1');
  await coord.selectOption(`${triage} select[name=class]`, 'ddos');
  await coord.check(`${triage} input[name=affects_event]`);
  await submit(coord, triage);
  assert.match(await coord.textContent('#state'), /受付済|Triaged/);
  const support = `form[action="${casePath}/support"]`;
  await coord.selectOption(`${support} select[name=agency]`, 'sec-agency');
  await coord.selectOption(`${support} select[name=kind]`, 'investigation');
  await coord.fill(`${support} input[name=note]`, '攻撃元の調査をお願いします');
  await submit(coord, support);
  assert.match(await coord.textContent('#support'), /攻撃元の調査/);
  await shot(coord, 'case-coordinator');
  await checkPage(coord, 'triage and support');
});

test('the agency analyst answers the request', async () => {
  const page = await newPage();
  await login(page, 'agency-analyst');
  assert.equal((await page.goto(base + casePath)).status(), 200);
  const form = 'form[action^="/support-requests/"]';
  await page.selectOption(`${form} select[name=action]`, 'answer');
  await page.fill(`${form} textarea[name=text]`, '攻撃元はボットネット。上流でのフィルタを推奨します。');
  await submit(page, form);
  assert.match(await page.textContent('#support'), /ボットネット/);
  assert.match(await page.textContent('#timeline'), /ボットネット/);
  await shot(page, 'case-agency');
  await checkPage(page, 'agency answer');
});

test('the coordinator puts the case into the PM report and prints it', async () => {
  await coord.goto(base + casePath);
  await Promise.all([coord.waitForNavigation(), coord.click('main a[href="/upward-reports"]')]);
  await Promise.all([coord.waitForNavigation(), coord.click('a[href="/upward-reports/new"]')]);
  await coord.selectOption('select[name=period]', 'pm');
  assert.ok(await coord.isChecked(`input[name=case][value="${caseId}"]`), 'the flagged case is pre-selected');
  await shot(coord, 'upward-form');
  await submit(coord, '#upward-form');
  assert.match(new URL(coord.url()).pathname, /^\/upward-reports\/U-\d{8}-PM-\d{2}$/);
  reportPath = new URL(coord.url()).pathname;
  assert.match(await coord.textContent('#report-cases'), new RegExp(caseId));
  assert.match(await coord.textContent('h1'), /午後報告/);
  assert.match(await coord.textContent('h1'), /PM report/);
  assert.equal(await coord.locator('nav').count(), 0, 'the report page has no site navigation');

  await coord.fill('#send-form input[name=to]', '上位センター（メール）');
  await submit(coord, '#send-form');
  assert.match(await coord.textContent('#sends'), /上位センター（メール）/);
  await shot(coord, 'upward-report');

  // On paper: the report and its sending log, no toolbar and no forms.
  await coord.emulateMedia({ media: 'print' });
  assert.equal(await coord.isVisible('#report-cases'), true);
  assert.equal(await coord.isVisible('.toolbar'), false);
  assert.equal(await coord.isVisible('#send-form'), false);
  await shot(coord, 'upward-report-print');
  const pdf = await coord.pdf({ format: 'A4', landscape: true });
  assert.ok(pdf.length > 1000, 'the report prints');
  await coord.emulateMedia({ media: 'screen' });

  const csv = await coord.evaluate(async (p) => {
    const r = await fetch(p + '/csv');
    return { status: r.status, type: r.headers.get('content-type'), text: await r.text() };
  }, reportPath);
  assert.equal(csv.status, 200);
  assert.match(csv.type, /text\/csv/);
  assert.match(csv.text, new RegExp(caseId));
  await checkPage(coord, 'upward report');
});

test('non-coordinators cannot see the upward reports', async () => {
  const page = await newPage();
  await login(page, 'ministry-member');
  for (const p of ['/upward-reports', '/upward-reports/new', reportPath, `${casePath}/lesson`]) {
    assert.equal((await page.goto(base + p)).status(), 404, p);
  }
  await checkPage(page, 'upward 404');
});

test('the coordinator publishes a sanitised lesson-learned topic', async () => {
  await coord.goto(base + casePath);
  await Promise.all([coord.waitForNavigation(), coord.click('#lesson-link')]);
  const original = await coord.textContent('#original');
  const sanitised = await coord.textContent('#sanitised');
  assert.match(original, new RegExp(RAIL_EN));
  assert.match(original, /ボットネット/);
  for (const s of IDENTIFYING) assert.ok(!sanitised.includes(s), `draft still has ${s}`);
  // Every found string is listed, ticked to be stripped.
  const found = await coord.$$eval('#found input[name=strip]', (xs) => xs.map((x) => [x.value, x.checked]));
  for (const s of [RAIL_JA, RAIL_EN, EMAIL, HOST, IP]) {
    assert.ok(found.some(([v, on]) => v === s && on), `${s} is listed to strip: ${JSON.stringify(found)}`);
  }
  await coord.fill('#f-extra', '予約の受付');
  await submit(coord, '#lesson-form', 'button[value=preview]');
  assert.ok(!(await coord.textContent('#sanitised')).includes('予約の受付'), 'the extra term is stripped');
  await coord.selectOption('#f-community', 'professional');
  await coord.selectOption('#f-tlp', 'green');
  await shot(coord, 'lesson-review');
  await submit(coord, '#lesson-form', 'button[value=publish]');
  assert.match(new URL(coord.url()).pathname, /^\/topics\/\d{8}-\d{6}$/);
  const article = await coord.textContent('article.topic');
  assert.match(article, /DDoS/);
  assert.match(article, /\[組織\/ORG\]/);
  for (const s of [...IDENTIFYING, '予約の受付']) {
    assert.ok(!article.toLowerCase().includes(s.toLowerCase()), `the topic contains ${s}`);
  }
  await shot(coord, 'lesson-topic');
  await checkPage(coord, 'lesson');
});
