// tests/browser/lib.mjs - the plumbing of the browser tests (run.mjs): the
// check runner, a real `otwatch serve` on a free loopback port, headless
// chromium (Debian's /usr/bin/chromium) through playwright-core, and the
// page watchers (console errors, page errors, CSP violations, dialogs, the
// JSON the API answered).
//
// Nothing here waits for a fixed time to pass: waits are for a condition,
// with a generous limit after which the check fails with what was seen.
import { spawn, execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import net from 'node:net';
import http from 'node:http';

// --- checks ------------------------------------------------------------------------------

export class Checks {
  constructor() { this.passed = 0; this.failed = 0; this.results = []; }

  // Runs fn (async); it passes when it returns, fails when it throws.
  async run(name, fn) {
    try {
      const note = await fn();
      console.log('ok - ' + name + (note ? ' (' + note + ')' : ''));
      this.passed++;
      this.results.push({ name, ok: true });
    } catch (e) {
      const why = (e && e.message) || String(e);
      console.log('not ok - ' + name + ': ' + why.split('\n')[0]);
      for (const l of why.split('\n').slice(1, 40)) console.log('    ' + l);
      this.failed++;
      this.results.push({ name, ok: false, why });
    }
  }

  summary() {
    console.log(this.passed + ' passed, ' + this.failed + ' failed');
    return this.failed === 0;
  }
}

export function fail(msg) { throw new Error(msg); }
export function eq(got, want, what) {
  if (got !== want) fail(what + ': expected ' + JSON.stringify(want) + ', got ' + JSON.stringify(got));
}

// --- processes ---------------------------------------------------------------------------

// Runs a program, returns its standard output (a Buffer when raw); throws
// with its standard error when it fails.
export function run(cmd, args, opt = {}) {
  try {
    return execFileSync(cmd, args, {
      encoding: opt.raw ? null : 'utf8', input: opt.input, maxBuffer: 256 << 20,
      stdio: ['pipe', 'pipe', 'pipe'], env: opt.env || process.env,
    });
  } catch (e) {
    if (opt.allowFail) return e.stdout;
    const err = e.stderr ? String(e.stderr).trim().split('\n').slice(-3).join(' | ') : e.message;
    throw new Error(cmd + ' ' + args.join(' ') + ' failed: ' + err);
  }
}

function portFree(port) {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.once('error', () => resolve(false));
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });
}

// A free port in [lo, hi] (the browser tests' range is 18500-18599), starting
// at a random place so that two runs at once rarely try the same one.
export async function freePort(lo = 18500, hi = 18599, skip = new Set()) {
  const n = hi - lo + 1;
  const start = Math.floor(Math.random() * n);
  for (let i = 0; i < n; i++) {
    const p = lo + ((start + i) % n);
    if (!skip.has(p) && (await portFree(p))) return p;
  }
  throw new Error('no free port in ' + lo + '-' + hi);
}

function get(url) {
  return new Promise((resolve, reject) => {
    const r = http.get(url, (res) => {
      let body = '';
      res.on('data', (d) => { body += d; });
      res.on('end', () => resolve({ status: res.statusCode, body }));
    });
    r.on('error', reject);
    r.setTimeout(5000, () => r.destroy(new Error('timeout')));
  });
}

// `otwatch serve` on 127.0.0.1:PORT (a free one in the range); resolves
// when it answers GET /api/setup. .stop() ends it (SIGTERM, then SIGKILL).
export async function startServer(otw, db, extra = [], skip = new Set()) {
  for (let attempt = 0; attempt < 5; attempt++) {
    const port = await freePort(18500, 18599, skip);
    const args = ['serve', '--listen', '127.0.0.1:' + port, '--db', db, ...extra];
    const child = spawn(otw, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => { out += d; });
    child.stderr.on('data', (d) => { out += d; });
    let exited = null;
    child.on('exit', (code, sig) => { exited = { code, sig }; });
    const base = 'http://127.0.0.1:' + port;
    const deadline = Date.now() + 30000;
    let up = false;
    while (!exited && Date.now() < deadline) {
      try {
        const r = await get(base + '/api/setup');
        if (r.status > 0) { up = true; break; }
      } catch (e) { /* not listening yet */ }
      await new Promise((r) => setTimeout(r, 100));
    }
    if (up) {
      return {
        port, base, child,
        log: () => out,
        async stop() {
          if (exited) return exited;
          const done = new Promise((r) => child.once('exit', (code, sig) => r({ code, sig })));
          child.kill('SIGTERM');
          const t = setTimeout(() => child.kill('SIGKILL'), 10000);
          const r = await done;
          clearTimeout(t);
          return r;
        },
      };
    }
    if (!exited) child.kill('SIGKILL');
    // The port was taken between the probe and the bind: try another.
    if (/in use/i.test(out)) { skip.add(port); continue; }
    throw new Error('otwatch ' + args.join(' ') + ' did not start: ' + out.trim().slice(-600));
  }
  throw new Error('otwatch serve: no port could be bound');
}

// --- the browser -------------------------------------------------------------------------

export const CHROMIUM = process.env.OTW_CHROMIUM || '/usr/bin/chromium';

export async function launch(src) {
  const req = createRequire(join(src, 'web', 'package.json'));
  const { chromium } = req('playwright-core');
  if (!existsSync(CHROMIUM)) throw new Error(CHROMIUM + ' is missing (Debian package chromium)');
  const args = ['--disable-dev-shm-usage', '--disable-gpu'];
  if (process.getuid && process.getuid() === 0) args.push('--no-sandbox');
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args });
}

// A fresh browser context (own cookies) with a page whose troubles are
// recorded: console errors, uncaught exceptions, CSP violations, dialogs
// (alert/confirm/prompt: a sign of injected script; dismissed), and every
// JSON answer of /api/ (for the "no English left" allow-list).
export async function newWatchedPage(browser, opt = {}) {
  const ctx = await browser.newContext({
    locale: opt.locale || 'en-US', viewport: { width: 1400, height: 900 },
    acceptDownloads: true, timezoneId: opt.timezoneId || 'Asia/Tokyo',
  });
  const page = await ctx.newPage();
  const w = {
    page, ctx, console: [], pageErrors: [], dialogs: [], csp: [], json: [], pending: 0,
    inflight: new Set(), bodies: [],
  };
  await page.addInitScript(() => {
    window.__otwCsp = [];
    document.addEventListener('securitypolicyviolation', (e) => {
      window.__otwCsp.push(e.violatedDirective + ' ' + (e.blockedURI || '') + ' ' +
        (e.sourceFile || '') + ':' + (e.lineNumber || ''));
    });
  });
  page.on('console', (m) => {
    if (m.type() !== 'error') return;
    const text = m.text();
    const url = (m.location() && m.location().url) || '';
    // A refused API call (401 before log-in, 403 for a viewer, 400 for a bad
    // query) is logged by chromium itself; the UI shows it translated, which
    // the checks look at. Anything else, and any 5xx, counts.
    if (/^Failed to load resource: the server responded with a status of 4\d\d/.test(text) &&
        /\/api\//.test(url)) return;
    w.console.push(text + (url ? ' [' + url + ']' : ''));
  });
  page.on('pageerror', (e) => w.pageErrors.push(String(e && e.stack ? e.stack : e).split('\n')[0]));
  page.on('dialog', (d) => { w.dialogs.push(d.type() + ': ' + d.message()); d.dismiss().catch(() => {}); });
  page.on('request', (r) => { if (r.url().includes('/api/')) w.inflight.add(r); });
  const done = (r) => { w.inflight.delete(r); };
  page.on('requestfinished', done);
  page.on('requestfailed', done);
  page.on('response', (r) => {
    const u = r.url();
    if (!u.includes('/api/')) return;
    const ct = r.headers()['content-type'] || '';
    if (!ct.includes('json')) return;
    w.bodies.push(r.json().then((j) => { w.json.push({ url: u, json: j }); }).catch(() => {}));
  });
  w.cspViolations = async () => {
    try { return await page.evaluate(() => window.__otwCsp || []); } catch (e) { return []; }
  };
  // Waits until no API call has been in flight for a moment and no
  // ".loading" element is left (a page still fetching), at most limitMs.
  w.settle = async (limitMs = 20000) => {
    const end = Date.now() + limitMs;
    let quietSince = 0;
    while (Date.now() < end) {
      const busy = w.inflight.size > 0;
      let loading = false;
      try { loading = await page.evaluate(() => !!document.querySelector('.loading')); } catch (e) { /* navigating */ }
      if (busy || loading) quietSince = 0;
      else if (!quietSince) quietSince = Date.now();
      else if (Date.now() - quietSince >= 300) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    // The answers' bodies (a body chromium no longer holds, e.g. of a
    // fetch() made in the test itself, may never come: wait a little only).
    const bodies = w.bodies.splice(0);
    await Promise.race([Promise.all(bodies), new Promise((r) => setTimeout(r, 3000))]);
  };
  w.troubles = async () => {
    const csp = await w.cspViolations();
    const dialogs = w.dialogs.splice(0);
    return [...w.console.map((s) => 'console: ' + s), ...w.pageErrors.map((s) => 'page error: ' + s),
      ...csp.map((s) => 'CSP: ' + s), ...dialogs.map((s) => 'dialog: ' + s)];
  };
  return w;
}

export function ensureDir(d) { mkdirSync(d, { recursive: true }); return d; }
