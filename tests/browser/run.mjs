// tests/browser/run.mjs - the web interface in a real browser (issue 7):
// Debian's chromium, headless, driven by playwright-core, against a real
// `otwatch serve` on a free loopback port (18500-18599) over the shared test
// database (tests/web/make-db.sh: the testbed captures with a learned
// baseline, the scenarios' alerts, tests/web/html-fields.pcap; users alice
// (admin) and victor (viewer)).
//
//   node tests/browser/run.mjs OTWATCH-BINARY SOURCE-DIR
//
// Every check looks at a real outcome: what the page shows is compared with
// what the CLI (`otwatch sessions`, `otwatch pcap`, `otwatch alerts`,
// `otwatch user`) says about the same database, downloads are read back
// with capinfos, and the server's own answers are checked beside the page.
// Screenshots of every page, in English and in Japanese, go to
// ${OTW_ARTIFACTS:-<build dir>/artifacts}/screenshots/ (paths printed).
// Prints `ok - NAME` / `not ok - NAME: WHY` per check, then
// `N passed, N failed`; exits 1 when any check failed.
//
// The pages' hooks used here are documented at the top of each page module
// (web/src/pages/*.js); the shell's at the top of web/src/main.js.
import { mkdtempSync, rmSync, readFileSync, existsSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname, resolve } from 'node:path';
import { Checks, fail, eq, run, startServer, launch, newWatchedPage, ensureDir } from './lib.mjs';
import { collectTexts, dataTokens, labelTokens, findEnglish, describe } from './english.mjs';

const OTW = resolve(process.argv[2] || fail('usage: run.mjs OTWATCH-BINARY SOURCE-DIR'));
const SRC = resolve(process.argv[3] || fail('usage: run.mjs OTWATCH-BINARY SOURCE-DIR'));
const ART = resolve(process.env.OTW_ARTIFACTS || join(dirname(OTW), 'artifacts'));
const SHOTS = ensureDir(join(ART, 'screenshots'));
const W = mkdtempSync(join(tmpdir(), 'otw-browser-'));
const DB = join(W, 'web.db');
const LIMIT = 30000; // ms: the most any one wait may take before the check fails

// The users make-db.sh creates; their passwords are read out of the script,
// so that there is one place that says them.
function userPasswords() {
  const s = readFileSync(join(SRC, 'tests/web/make-db.sh'), 'utf8');
  const pw = {};
  for (const m of s.matchAll(/printf '%s\\n' '([^']+)' \| run "\$OTW" user add (\w+) --role (\w+)/g))
    pw[m[2]] = { password: m[1], role: m[3] };
  if (!pw.alice || !pw.victor) fail('cannot read the passwords of alice and victor from make-db.sh');
  return pw;
}

const otw = (...args) => run(OTW, [...args, '--db', DB]);
const cliSessions = (expr) =>
  otw('sessions', '--format', 'json', expr).split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l));

function capinfosCount(file) {
  const out = run('capinfos', ['-M', '-c', '-T', '-r', file]);
  const n = Number(out.trim().split('\t').pop());
  if (!Number.isInteger(n)) fail('capinfos could not read ' + file + ': ' + out);
  return n;
}

const checks = new Checks();
const trace = (s) => { if (process.env.OTW_TRACE) console.error(new Date().toISOString() + ' ' + s); };
let server = null;
let browser = null;
let USERS = null;
const shots = [];
const pageTroubles = []; // {page, lang, what}

// The whole page, up to 8000 pixels down (a list of thousands of rows would
// make an image too big to be any use).
async function shot(w, name) {
  const f = join(SHOTS, name + '.png');
  // from the top: the sticky header would otherwise be drawn where the page was scrolled to
  const size = await w.page.evaluate(() => {
    window.scrollTo(0, 0);
    return [document.documentElement.scrollWidth, document.documentElement.scrollHeight];
  });
  const opt = { path: f, fullPage: true, timeout: LIMIT };
  if (size[1] > 8000) opt.clip = { x: 0, y: 0, width: size[0], height: 8000 };
  await w.page.screenshot(opt);
  shots.push(f);
  return f;
}

async function login(w, name, password, expectOk = true) {
  await w.page.goto(server.base + '/');
  await w.page.waitForSelector('#login-form', { timeout: LIMIT });
  await w.page.fill('#login-user', name);
  await w.page.fill('#login-password', password);
  await w.page.click('#login-form button[type=submit]');
  if (expectOk) {
    await w.page.waitForSelector('#whoami', { timeout: LIMIT });
    await w.settle();
  }
}

// The pages in the menu, as the shell lists them (data-page).
async function menuPages(w) {
  return w.page.$$eval('nav.menu a[data-page]', (as) => as.map((a) => a.dataset.page));
}

async function openPage(w, id, params = '') {
  trace('open ' + id);
  await w.page.evaluate((h) => { location.hash = h; }, '#/' + id + (params ? '?' + params : ''));
  await w.page.waitForSelector('main#page-' + id, { timeout: LIMIT });
  await w.settle();
}

async function recordTroubles(w, pageId, lang) {
  for (const what of await w.troubles()) pageTroubles.push({ page: pageId, lang, what });
  w.console.length = 0;
  w.pageErrors.length = 0;
  await w.page.evaluate(() => { window.__otwCsp = []; }).catch(() => {});
}

async function main() {
  // --- set-up: the database, the server, the browser ------------------------------------
  let ready = true;
  await checks.run('set-up: test database (tests/web/make-db.sh), users from it', async () => {
    USERS = userPasswords();
    run('bash', [join(SRC, 'tests/web/make-db.sh'), OTW, SRC, DB]);
    const n = cliSessions('ip == 192.168.10.0/24').length;
    if (n < 10) fail('the database holds only ' + n + ' sessions');
  }).then(() => { ready = checks.failed === 0; });
  if (!ready) return;
  await checks.run('set-up: otwatch serve on a free port in 18500-18599', async () => {
    const conf = DB + '.conf';
    server = await startServer(OTW, DB, existsSync(conf) ? ['--config', conf] : []);
    return server.base;
  });
  if (!server) return;
  await checks.run('set-up: chromium (' + '/usr/bin/chromium' + ') headless through playwright-core', async () => {
    browser = await launch(SRC);
    return browser.version();
  });
  if (!browser) return;

  // OTW_BROWSER_ONLY=viewer,users runs some parts only (while working on them)
  const only = (process.env.OTW_BROWSER_ONLY || '').split(',').filter(Boolean);
  const part = (n) => !only.length || only.includes(n);
  if (part('shell')) await shellChecks();
  if (part('pages') || part('ja') || part('users')) {
    admin = await newWatchedPage(browser, { locale: 'en-US' });
    await login(admin, 'alice', USERS.alice.password);
    await recordTroubles(admin, 'daily', 'en');
  }
  if (part('pages')) await pageChecks();
  if (part('ja')) await japaneseChecks();
  if (part('viewer')) await viewerChecks();
  if (part('users')) await usersChecks();
  if (part('firstrun')) await firstRunChecks();

  await checks.run('no console errors, page errors, CSP violations or dialogs on any page', async () => {
    if (pageTroubles.length) {
      fail(pageTroubles.length + ' found:\n' + pageTroubles.slice(0, 30)
        .map((x) => '[' + x.lang + ' ' + x.page + '] ' + x.what).join('\n'));
    }
  });
}

// --- the shell: log-in, language before log-in, header, log-out ---------------------------
async function shellChecks() {
  await checks.run('before log-in the language follows the browser (ja-JP: Japanese form)', async () => {
    const w = await newWatchedPage(browser, { locale: 'ja-JP' });
    try {
      await w.page.goto(server.base + '/');
      await w.page.waitForSelector('#login-form', { timeout: LIMIT });
      eq(await w.page.getAttribute('html', 'lang'), 'ja', '<html lang>');
      const label = await w.page.textContent('#login-form button[type=submit]');
      if (!/[\u3040-\u30ff\u4e00-\u9fff]/.test(label)) fail('the log-in button says "' + label + '"');
      const bad = findEnglish(await w.page.evaluate(collectTexts), new Set());
      if (bad.length) fail('English on the Japanese log-in page:\n' + describe(bad));
      await shot(w, 'ja-login');
      await recordTroubles(w, 'login', 'ja');
    } finally { await w.ctx.close(); }
  });

  await checks.run('the server\'s CSP forbids inline script, and the watcher sees a violation', async () => {
    const v = await newWatchedPage(browser, { locale: 'en-US' });
    try {
      const r = await v.page.goto(server.base + '/');
      const csp = r.headers()['content-security-policy'] || '';
      if (!/script-src 'self'/.test(csp) && !/default-src 'self'/.test(csp)) fail('CSP: "' + csp + '"');
      if (/unsafe-inline/.test(csp.replace(/style-src[^;]*/, ''))) fail('CSP allows inline script: ' + csp);
      await v.page.waitForSelector('#login-form', { timeout: LIMIT });
      // what an injected inline script or style attribute would meet
      await v.page.evaluate(() => {
        const s = document.createElement('script');
        s.textContent = 'window.__otwInline = 1;';
        document.body.append(s);
      });
      const ran = await v.page.evaluate(() => window.__otwInline === 1);
      if (ran) fail('an inline script ran');
      const seen = (await v.troubles()).filter((x) => /CSP|Content Security Policy/i.test(x));
      if (!seen.length) fail('the blocked inline script was not noticed (console and securitypolicyviolation)');
      return seen.length + ' reports of the blocked script';
    } finally { await v.ctx.close(); }
  });

  const w = await newWatchedPage(browser, { locale: 'en-US' });
  await checks.run('a wrong password is refused, with a translated message', async () => {
    await w.page.goto(server.base + '/');
    await w.page.waitForSelector('#login-form', { timeout: LIMIT });
    eq(await w.page.getAttribute('html', 'lang'), 'en', '<html lang> for an English browser');
    await shot(w, 'en-login');
    await w.page.fill('#login-user', 'alice');
    await w.page.fill('#login-password', 'not-' + USERS.alice.password);
    await w.page.click('#login-form button[type=submit]');
    const msg = await w.page.waitForSelector('#login-form .form-error:not(:empty)', { timeout: LIMIT });
    const text = (await msg.textContent()).trim();
    if (!text || /_|^error\.|^HTTP/.test(text)) fail('message "' + text + '" is not a sentence');
    if (await w.page.$('#whoami')) fail('logged in with a wrong password');
    const me = await w.page.evaluate(() => fetch('/api/me').then((r) => r.status));
    eq(me, 401, 'GET /api/me after the refused log-in');
    await recordTroubles(w, 'login', 'en');
    return '"' + text + '"';
  });

  await checks.run('log in as admin alice: her name, role and the users page in the menu', async () => {
    await login(w, 'alice', USERS.alice.password);
    eq((await w.page.textContent('#whoami')).trim(), 'alice', 'name in the header');
    const ids = await menuPages(w);
    for (const id of ['daily', 'alerts', 'connections', 'sessions', 'assets', 'baseline', 'status', 'users'])
      if (!ids.includes(id)) fail('menu lacks ' + id + ' (has ' + ids.join(',') + ')');
    const me = await w.page.evaluate(() => fetch('/api/me').then((r) => r.json()));
    eq(me.user && me.user.name, 'alice', '/api/me user');
    await recordTroubles(w, 'daily', 'en');
  });

  await checks.run('every page opens in English (screenshots)', async () => {
    const done = [];
    for (const id of await menuPages(w)) {
      await openPage(w, id);
      const err = await w.page.$('main#page-' + id + ' > p.page-failed');
      if (err) fail(id + ': "' + (await err.textContent()) + '"');
      done.push(await shot(w, 'en-' + id));
      await recordTroubles(w, id, 'en');
    }
    return done.length + ' pages';
  });

  await checks.run('log out: the log-in form is back and the API refuses', async () => {
    await w.page.click('#logout');
    await w.page.waitForSelector('#login-form', { timeout: LIMIT });
    const st = await w.page.evaluate(() => fetch('/api/me').then((r) => r.status));
    eq(st, 401, 'GET /api/me after log-out');
    const st2 = await w.page.evaluate(() => fetch('/api/alerts').then((r) => r.status));
    eq(st2, 401, 'GET /api/alerts after log-out');
    await recordTroubles(w, 'logout', 'en');
  });
  await w.ctx.close();
}

// --- the pages: sessions, pcap, connections, alerts, HTML in packet fields ----------------
let admin = null;
async function pageChecks() {
  const w = admin;

  const EXPR = 'ip.src == 192.168.10.40 && ip.dst == 192.168.10.20 && port.dst == 22';
  await checks.run('sessions: a query shows the sessions `otwatch sessions` finds', async () => {
    const want = cliSessions(EXPR).length;
    if (want < 2) fail('the CLI finds only ' + want + ' sessions for ' + EXPR);
    await openPage(w, 'sessions');
    await w.page.fill('#sessions-expr', EXPR);
    await w.page.click('#sessions-run');
    await w.page.waitForFunction((n) => document.querySelectorAll('#sessions-table tbody tr[data-id]').length === n,
      want, { timeout: LIMIT }).catch(() => {});
    await w.settle();
    const got = await w.page.$$eval('#sessions-table tbody tr[data-id]', (r) => r.length);
    eq(got, want, 'rows for ' + EXPR);
    await recordTroubles(w, 'sessions', 'en');
    return got + ' rows';
  });

  await checks.run('sessions: the detail of one session and its pcap download (capinfos)', async () => {
    const row = await w.page.$('#sessions-table tbody tr[data-id]');
    if (!row) fail('no session row to open');
    const id = await row.getAttribute('data-id');
    await row.click();
    await w.page.waitForSelector('#session-detail', { timeout: LIMIT });
    await w.settle();
    const detail = await w.page.textContent('#session-detail');
    if (!detail.includes('192.168.10.40') || !detail.includes('192.168.10.20'))
      fail('the detail does not show both addresses');
    await shot(w, 'en-session-detail');
    const [dl] = await Promise.all([
      w.page.waitForEvent('download', { timeout: LIMIT }),
      w.page.click('a#session-pcap'),
    ]);
    const got = join(ART, 'session-' + id + '.pcap');
    await dl.saveAs(got);
    const want = join(W, 'cli-' + id + '.pcap');
    otw('pcap', 'id == ' + id, '-o', want);
    const n = capinfosCount(got);
    const m = capinfosCount(want);
    if (n < 1) fail('the download has no packets');
    eq(n, m, 'packets in the download vs `otwatch pcap "id == ' + id + '"`');
    await recordTroubles(w, 'sessions', 'en');
    return 'session ' + id + ', ' + n + ' packets, ' + statSync(got).size + ' bytes';
  });

  await checks.run('connections: scenario 1 (scan_ssh) edges are on the graph, marked new', async () => {
    // Scenario 1's new peers, from its oracle (testbed/scenarios/scan_ssh.expect).
    const exp = readFileSync(join(SRC, 'testbed/scenarios/scan_ssh.expect'), 'utf8');
    const hosts = {};
    const want = [];
    for (const line of exp.split('\n')) {
      const f = line.replace(/#.*/, '').trim().split(/\s+/);
      if (f[0] === 'host') hosts[f[1]] = f[2];
      if (f[0] === 'alert' && f[1] === 'new_peer') {
        const pp = f.slice(4).find((x) => /^(tcp|udp)\/\d+$/.test(x));
        want.push({ src: f[2], dst: f[3], port: pp ? Number(pp.split('/')[1]) : null });
      }
    }
    if (want.length < 3) fail('scan_ssh.expect names only ' + want.length + ' new peers');
    await openPage(w, 'connections');
    await w.page.waitForSelector('#page-connections[data-state=ready]', { timeout: LIMIT });
    await w.settle();
    const g = await w.page.evaluate(() => window.otwGraph);
    if (!g || !Array.isArray(g.edges)) fail('window.otwGraph has no edges');
    // What is drawn (parallel connections of a pair may be one bundle): per pair of hosts
    // the statuses of the drawn edges.
    const drawn = await w.page.evaluate(() => (window.otwCy ? window.otwCy.edges().map((e) =>
      ({ source: e.data('source'), target: e.data('target'), status: e.data('status') })) : null));
    if (!drawn || !drawn.length) fail('Cytoscape drew no edge');
    // What the CLI says is in the baseline (approved or learned): those edges are
    // "baseline" (or "alerting" when an open alert names both ends), all others not.
    const known = new Set();
    for (const l of otw('baseline', 'show', '--format', 'json').split('\n')) {
      if (!l.trim()) continue;
      const x = JSON.parse(l);
      if (x.status === 'approved' || x.status === 'learned')
        known.add([x.client, x.server, x.transport, x.port].join('|'));
    }
    const bad = [];
    for (const e of g.edges) {
      const inBase = known.has([e.source, e.target, e.transport, e.port].join('|'));
      if (e.status === 'baseline' && !inBase) bad.push(e.id + ': marked baseline, the baseline lacks it');
      if (e.status === 'new' && inBase) bad.push(e.id + ': marked new, the baseline has it');
      if (!['baseline', 'new', 'alerting'].includes(e.status)) bad.push(e.id + ': status ' + e.status);
    }
    let marked = 0;
    for (const x of want) {
      const a = hosts[x.src] || x.src;
      const b = hosts[x.dst] || x.dst;
      const es = g.edges.filter((e) => ((e.source === a && e.target === b) || (e.source === b && e.target === a)) &&
        (!x.port || e.port === x.port) && e.status !== 'baseline');
      if (!es.length) bad.push(x.src + ' -> ' + x.dst + (x.port ? ' port ' + x.port : '') + ': no edge marked new');
      marked += es.length;
      const pic = drawn.filter((e) => ((e.source === a && e.target === b) || (e.source === b && e.target === a)) &&
        e.status !== 'baseline');
      if (!pic.length) bad.push(x.src + ' -> ' + x.dst + ': not drawn in the new/alerting colour');
    }
    // ... and the plant's normal traffic is not: SCADA -> PLC Modbus stays baseline.
    const modbus = g.edges.find((e) => e.source === hosts.scada && e.target === hosts.plc && e.port === 502);
    if (!modbus) bad.push('scada -> plc tcp/502 is not on the graph');
    else if (modbus.status !== 'baseline') bad.push('scada -> plc tcp/502 is marked ' + modbus.status);
    if (bad.length > 20) bad.splice(20, bad.length, '...');
    if (bad.length) fail(bad.join('\n'));
    await shot(w, 'en-connections');
    await recordTroubles(w, 'connections', 'en');
    return want.length + ' new peers, ' + marked + ' edges marked new/alerting of ' + g.edges.length +
      ', ' + drawn.length + ' drawn';
  });

  await checks.run('alerts: an admin acknowledges one; the CLI shows it acknowledged', async () => {
    const open = otw('alerts', '--format', 'json').split('\n').filter(Boolean).map((l) => JSON.parse(l));
    if (!open.length) fail('no open alert in the database');
    await openPage(w, 'alerts');
    const id = String(open[0].id);
    const btn = await w.page.waitForSelector('#alerts-table tr[data-id="' + id + '"] button.alert-ack',
      { timeout: LIMIT });
    await btn.click();
    const msg = await w.page.waitForSelector('#alerts-message:is(.form-ok, .error):not(:empty)', { timeout: LIMIT });
    const said = (await msg.textContent()).trim();
    await w.settle();
    if (await msg.evaluate((e) => e.classList.contains('error'))) fail('the page says "' + said + '"');
    const a = JSON.parse(otw('alerts', 'show', id, '--format', 'json'));
    eq(a.status, 'acknowledged', 'alert ' + id + ' status in the CLI');
    if (a.status_by !== undefined) eq(a.status_by, 'alice', 'acknowledged by');
    await recordTroubles(w, 'alerts', 'en');
    return 'alert ' + id;
  });

  await checks.run('HTML in packet fields (DHCP name, HTTP Host/UA, TLS SNI) is shown as text', async () => {
    const payloads = ['<script>alert(1)</script>', '<img src=x onerror=alert(2)>',
      '"><svg onload=alert(3)>', '<b onmouseover=alert(4)>sni</b>'];
    const seen = new Set();
    const dialogs = [];
    const onDialog = (d) => dialogs.push(d.type() + ': ' + d.message());
    w.page.on('dialog', onDialog);
    const visit = async (id, params) => {
      await openPage(w, id, params);
      const text = await w.page.evaluate(() => document.body.innerText);
      for (const p of payloads) if (text.includes(p)) seen.add(p);
      const injected = await w.page.evaluate(() => {
        const bad = [];
        for (const s of document.querySelectorAll('script')) if (s.src.indexOf('/app.js') < 0) bad.push('script');
        for (const e of document.querySelectorAll('img[src="x"], svg[onload], b[onmouseover], [onerror], [onload], [onmouseover]'))
          bad.push(e.tagName.toLowerCase());
        return bad;
      });
      if (injected.length) fail(id + ': elements from packet data: ' + injected.join(', '));
      await recordTroubles(w, id, 'en');
    };
    await visit('sessions', new URLSearchParams({ expr: 'ip == 192.168.10.50' }).toString());
    const row = await w.page.$$('#sessions-table tbody tr[data-id]');
    for (const r of row) {
      await r.click();
      await w.page.waitForSelector('#session-detail', { timeout: LIMIT });
      await w.settle();
      const text = await w.page.evaluate(() => document.body.innerText);
      for (const p of payloads) if (text.includes(p)) seen.add(p);
    }
    await shot(w, 'en-html-fields');
    await visit('assets');
    await visit('alerts');
    w.page.off('dialog', onDialog);
    if (dialogs.length) fail('dialogs opened: ' + dialogs.join('; '));
    const unseen = payloads.filter((p) => !seen.has(p));
    if (unseen.length) fail('not shown as text anywhere: ' + unseen.join('  '));
    return seen.size + ' payloads shown as text, no dialog';
  });
}

// --- Japanese: every page, no English left; the choice remembered -----------------------
async function japaneseChecks() {
  const w = admin;
  // The detector itself must find English where there is some (else the checks
  // below could not fail): a Japanese page with English in a text, a
  // placeholder, a title and an option, beside data and identifiers.
  await checks.run('the English detector finds English words in a Japanese page', async () => {
    const p = await browser.newPage();
    try {
      await p.setContent('<html lang="ja"><head><title>状態 - otwatch</title></head><body>' +
        '<p>送信元 192.168.10.40:22 が scada に接続 (tcp/502, 02:0a:c0:a8:0a:28, 1.5 KiB)</p>' +
        '<p>ログイン Log in</p><input placeholder="Search"><span title="Close">×</span>' +
        '<select><option>すべて</option><option>All kinds</option></select>' +
        '<p hidden>Hidden text</p><code>source.ip</code>' +
        '<div class="lang-switch"><button lang="en">English</button></div></body></html>');
      const bad = findEnglish(await p.evaluate(collectTexts), new Set(['scada', 'tcp']));
      eq(bad.map((b) => b.word).join(' '), 'Log in All kinds Search Close', 'the words found');
    } finally { await p.close(); }
  });
  let switched = false;
  await checks.run('the language switch turns the page Japanese (<html lang=ja>)', async () => {
    await openPage(w, 'daily');
    await w.page.click('.lang-switch button[data-lang=ja]');
    await w.page.waitForFunction(() => document.documentElement.lang === 'ja', null, { timeout: LIMIT });
    await w.settle();
    const me = await w.page.evaluate(() => fetch('/api/me').then((r) => r.json()));
    eq(me.user.lang, 'ja', 'the language the server remembers for alice');
    switched = true;
  });
  if (!switched) return;

  const ids = await menuPages(w);
  for (const id of ids) {
    await checks.run('Japanese: no English left on the ' + id + ' page', async () => {
      await openPage(w, id);
      await shot(w, 'ja-' + id);
      const data = dataTokens(w.json);
      const bad = findEnglish(await w.page.evaluate(collectTexts), data, labelTokens(w.json));
      await recordTroubles(w, id, 'ja');
      if (bad.length) fail(bad.length + ' English words:\n' + describe(bad));
    });
  }
  await checks.run('Japanese: no English left in a session detail', async () => {
    await openPage(w, 'sessions', new URLSearchParams({ expr: 'port.dst == 502' }).toString());
    const row = await w.page.$('#sessions-table tbody tr[data-id]');
    if (!row) fail('no session row');
    await row.click();
    await w.page.waitForSelector('#session-detail', { timeout: LIMIT });
    await w.settle();
    await shot(w, 'ja-session-detail');
    const bad = findEnglish(await w.page.evaluate(collectTexts), dataTokens(w.json), labelTokens(w.json));
    await recordTroubles(w, 'sessions', 'ja');
    if (bad.length) fail(bad.length + ' English words:\n' + describe(bad));
  });
  await checks.run('Japanese: no English left in an asset\'s detail', async () => {
    await openPage(w, 'assets', 'q=192.168.10.40');
    const link = await w.page.waitForSelector('#assets-table a.asset-link', { timeout: LIMIT });
    await link.click();
    await w.page.waitForSelector('#asset-detail', { timeout: LIMIT });
    await w.settle();
    await shot(w, 'ja-asset-detail');
    const bad = findEnglish(await w.page.evaluate(collectTexts), dataTokens(w.json), labelTokens(w.json));
    await recordTroubles(w, 'assets', 'ja');
    if (bad.length) fail(bad.length + ' English words:\n' + describe(bad));
  });
  await checks.run('Japanese: no English left in an alert\'s detail (explanation, evidence)', async () => {
    const all = otw('alerts', '--format', 'json', '--status', 'all').split('\n').filter(Boolean).map((l) => JSON.parse(l));
    const a = all.find((x) => x.kind === 'port_scan') || all[0];
    if (!a) fail('no alert');
    await openPage(w, 'alerts', 'status=any&id=' + a.id);
    await w.page.waitForSelector('#alert-detail:not([hidden]) .alert-explanation', { timeout: LIMIT });
    await w.settle();
    await shot(w, 'ja-alert-detail');
    const text = await w.page.textContent('#alert-detail .alert-explanation');
    if (!/[\u3040-\u30ff\u4e00-\u9fff]/.test(text)) fail('the explanation is not Japanese: ' + text);
    const bad = findEnglish(await w.page.evaluate(collectTexts), dataTokens(w.json), labelTokens(w.json));
    await recordTroubles(w, 'alerts', 'ja');
    if (bad.length) fail(bad.length + ' English words:\n' + describe(bad));
    return 'alert ' + a.id + ' (' + a.kind + ')';
  });

  await checks.run('the language is remembered per user (alice Japanese, victor English)', async () => {
    const a = await newWatchedPage(browser, { locale: 'en-US' });
    try {
      await login(a, 'alice', USERS.alice.password);
      eq(await a.page.getAttribute('html', 'lang'), 'ja', 'alice after a new log-in, English browser');
      const nav = await a.page.textContent('nav.menu');
      if (!/[\u3040-\u30ff\u4e00-\u9fff]/.test(nav)) fail('menu not Japanese: ' + nav);
      await recordTroubles(a, 'daily', 'ja');
    } finally { await a.ctx.close(); }
    const v = await newWatchedPage(browser, { locale: 'ja-JP' });
    try {
      await login(v, 'victor', USERS.victor.password);
      eq(await v.page.getAttribute('html', 'lang'), 'en', 'victor (never switched) keeps his own');
      await recordTroubles(v, 'daily', 'en');
    } finally { await v.ctx.close(); }
  });
  // back to English for the rest
  await w.page.click('.lang-switch button[data-lang=en]').catch(() => {});
  await w.page.waitForFunction(() => document.documentElement.lang === 'en', null, { timeout: LIMIT }).catch(() => {});
}

// --- a viewer: reads, may not change ----------------------------------------------------
async function viewerChecks() {
  const w = await newWatchedPage(browser, { locale: 'en-US' });
  try {
    await login(w, 'victor', USERS.victor.password);
    await checks.run('viewer: no users page in the menu; #/users is not offered', async () => {
      const ids = await menuPages(w);
      if (ids.includes('users')) fail('victor sees the users page');
      const st = await w.page.evaluate(() => fetch('/api/users').then((r) => r.status));
      eq(st, 403, 'GET /api/users as a viewer');
    });
    await checks.run('viewer: acknowledging an alert is refused (no button, or 403 shown translated)', async () => {
      const open = otw('alerts', '--format', 'json').split('\n').filter(Boolean).map((l) => JSON.parse(l));
      if (!open.length) fail('no open alert');
      const id = String(open[0].id);
      trace('viewer: alerts page, alert ' + id);
      await openPage(w, 'alerts');
      trace('viewer: page open');
      await w.page.waitForSelector('#alerts-table tr[data-id="' + id + '"]', { timeout: LIMIT });
      trace('viewer: row');
      const btn = await w.page.$('#alerts-table tr[data-id="' + id + '"] button.alert-ack');
      let how = 'no button';
      if (btn) {
        await btn.click();
        const msg = await w.page.waitForSelector('#alerts-message.error:not(:empty)', { timeout: LIMIT });
        const text = (await msg.textContent()).trim();
        if (!text.includes('administrator')) fail('message "' + text + '"');
        how = '"' + text + '"';
      }
      // The server refuses it too, whatever the page shows.
      const st = await w.page.evaluate(async (aid) => {
        const me = await (await fetch('/api/me')).json();
        const r = await fetch('/api/alerts/' + aid + '/ack', {
          method: 'POST', headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': me.csrf }, body: '{}',
        });
        return r.status;
      }, id);
      eq(st, 403, 'POST /api/alerts/' + id + '/ack as a viewer');
      const a = JSON.parse(otw('alerts', 'show', id, '--format', 'json'));
      eq(a.status, 'open', 'alert ' + id + ' status in the CLI');
      await shot(w, 'en-viewer-alerts');
      await recordTroubles(w, 'alerts', 'en (viewer)');
      return how;
    });
  } finally { await w.ctx.close(); }
}

// --- users admin page ---------------------------------------------------------------------
async function usersChecks() {
  const w = admin;
  const cliUsers = () => {
    const out = otw('user', 'list', '--format', 'json').trim();
    const j = out.startsWith('[') ? JSON.parse(out) : out.split('\n').filter(Boolean).map((l) => JSON.parse(l));
    return Array.isArray(j) ? j : (j.items || j.users || []);
  };
  const say = async () => (await w.page.textContent('main .form-msg')).trim();
  const PW = 'carol-web-pass-1';
  const PW2 = 'carol-web-pass-2';
  await checks.run('users: an admin adds a viewer (the CLI lists her)', async () => {
    await openPage(w, 'users');
    await w.page.fill('#user-add-name', 'carol');
    await w.page.selectOption('#user-add-role', 'viewer');
    await w.page.fill('#user-add-password', PW);
    await w.page.click('#user-add button[type=submit]');
    await w.page.waitForSelector('#users-table tr[data-user="carol"]', { timeout: LIMIT });
    const u = cliUsers().find((x) => x.name === 'carol');
    if (!u) fail('`otwatch user list` has no carol');
    eq(u.role, 'viewer', 'her role');
    run(OTW, ['user', 'check', 'carol', '--db', DB], { input: PW + '\n' });
    await shot(w, 'en-users');
    await recordTroubles(w, 'users', 'en');
  });
  await checks.run('users: a too short password is refused with a translated message', async () => {
    await w.page.fill('#user-add-name', 'dave');
    await w.page.fill('#user-add-password', 'short');
    await w.page.click('#user-add button[type=submit]');
    await w.page.waitForSelector('main .form-msg .form-error', { timeout: LIMIT });
    const text = await say();
    if (/_|^error\./.test(text) || !text) fail('message "' + text + '"');
    if (cliUsers().find((x) => x.name === 'dave')) fail('dave was added');
    await recordTroubles(w, 'users', 'en');
    return '"' + text + '"';
  });
  await checks.run('users: change her role and password, then remove her (the CLI agrees)', async () => {
    const row = '#users-table tr[data-user="carol"]';
    await w.page.selectOption(row + ' select', 'admin');
    await w.page.click(row + ' button[data-act=role]');
    await w.page.waitForSelector('main .form-msg .form-ok', { timeout: LIMIT });
    await w.settle();
    eq(cliUsers().find((x) => x.name === 'carol').role, 'admin', 'role after the change');
    await w.page.fill(row + ' input[type=password]', PW2);
    await w.page.click(row + ' button[data-act=password]');
    await w.settle();
    run(OTW, ['user', 'check', 'carol', '--db', DB], { input: PW2 + '\n' });
    await w.page.click(row + ' button[data-act=remove]');
    await w.page.click(row + ' button[data-act=remove]');
    await w.page.waitForSelector(row, { state: 'detached', timeout: LIMIT });
    if (cliUsers().find((x) => x.name === 'carol')) fail('carol is still listed by the CLI');
    await recordTroubles(w, 'users', 'en');
  });
}

// --- first run: no users yet -> the set-up form creates the first admin -------------------
async function firstRunChecks() {
  const db = join(W, 'empty.db');
  let s2 = null;
  await checks.run('first run: with no users the set-up form creates an admin and logs in', async () => {
    s2 = await startServer(OTW, db, [], new Set([server.port]));
    const w = await newWatchedPage(browser, { locale: 'en-US' });
    try {
      await w.page.goto(s2.base + '/');
      await w.page.waitForSelector('#setup-form', { timeout: LIMIT });
      await shot(w, 'en-setup');
      await w.page.fill('#setup-user', 'founder');
      await w.page.fill('#setup-password', 'founder-pass-123');
      await w.page.fill('#setup-password2', 'founder-pass-123');
      await w.page.click('#setup-form button[type=submit]');
      await w.page.waitForSelector('#whoami', { timeout: LIMIT });
      eq((await w.page.textContent('#whoami')).trim(), 'founder', 'logged in as');
      const setup = await w.page.evaluate(() => fetch('/api/setup').then((r) => r.json()));
      eq(setup.needed, false, 'GET /api/setup afterwards');
      const list = run(OTW, ['user', 'list', '--db', db]);
      if (!/founder/.test(list) || !/admin/.test(list)) fail('the CLI does not list admin founder: ' + list);
      await recordTroubles(w, 'setup', 'en');
    } finally { await w.ctx.close(); }
  });
  if (s2) await s2.stop();
}

let ok = false;
try {
  await main();
} catch (e) {
  await checks.run('browser tests ran to the end', async () => { throw e; });
} finally {
  if (browser) await browser.close().catch(() => {});
  if (server) {
    const r = await server.stop();
    await checks.run('otwatch serve stops cleanly on SIGTERM', async () => {
      if (r.code !== 0) fail('exit ' + JSON.stringify(r) + '\n' + server.log().slice(-800));
    });
  }
  for (const f of shots) console.log('screenshot: ' + f);
  ok = checks.summary();
  if (!process.env.OTW_KEEP) rmSync(W, { recursive: true, force: true });
  else console.log('kept ' + W);
}
process.exit(ok ? 0 : 1);
