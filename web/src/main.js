// main.js - the shell of the web interface: log-in, the first-run set-up,
// the menu, the language switch and a hash router (#/sessions?expr=...) over
// the pages. Each page is a module in pages/ exporting
//
//   export default {
//     id: 'sessions',              // its route: #/sessions
//     nav: 'nav.sessions',         // i18n key of its menu label
//     strings: { en: {...}, ja: {...} },   // its strings, registered at start
//     async render(root, ctx) {}   // fills root (an empty element)
//   }
//
// ctx = { user: {name, role, lang, admin}, params: URLSearchParams of the
// route, go(id, params) to navigate, refresh() to render again }.
// A page's own CSS is a file beside it that the page imports
// (import './sessions.css'); esbuild bundles all of it into app.css.
//
// What the shell draws (ids and classes the browser tests rely on):
//   #login-form (#login-user, #login-password, .form-error)   before log-in
//   #setup-form (#setup-user, #setup-password, #setup-password2)   first run
//   header.top: .brand, nav.menu (a[data-page=ID]), .who (#whoami), .lang-switch
//     (button[data-lang=en|ja], aria-pressed), #logout
//   main#page-ID: the page's root; p.page-failed in it when render() threw
// The language: before log-in the browser's (navigator.language), after it
// the user's, remembered by the server (PUT /api/me {"lang"}). <html lang>
// always follows it. The switch shows each language's name in that language
// (lang="en" / lang="ja" on the buttons), the usual convention.
import './style.css';
import { registerStrings, setLang, getLang, browserLang, errText, t } from './i18n.js';
import { api, setCsrf, onLoginRequired } from './api.js';
import { el, clear } from './dom.js';
import common from './strings.js';
import sessions from './pages/sessions.js';
import connections from './pages/connections.js';
import assets from './pages/assets.js';
import alerts from './pages/alerts.js';
import baseline from './pages/baseline.js';
import daily from './pages/daily.js';
import status from './pages/status.js';
import users from './pages/users.js';

export const pages = [daily, alerts, connections, sessions, assets, baseline, status];
// Pages only administrators see in the menu (the server refuses viewers anyway).
const adminPages = [users];
registerStrings(common);
for (const p of pages.concat(adminPages)) registerStrings(p.strings || {});

let user = null;
let renderSeq = 0;

function visiblePages() {
  return user && user.admin ? pages.concat(adminPages) : pages;
}

function route() {
  const h = location.hash.replace(/^#\/?/, '');
  const [id, q] = h.split('?');
  return { id: id || 'daily', params: new URLSearchParams(q || '') };
}

export function go(id, params) {
  const q = params ? new URLSearchParams(params).toString() : '';
  location.hash = '#/' + id + (q ? '?' + q : '');
}

function app() { return clear(document.getElementById('app')); }

// The two languages, each named in itself. Before log-in a click only
// changes this page; after it the server remembers the choice.
function langSwitch(onPick) {
  const cur = getLang();
  const b = (code, name) => el('button', {
    type: 'button', lang: code, class: code === cur ? 'active' : null,
    'aria-pressed': code === cur ? 'true' : 'false', dataset: { lang: code },
    onclick: () => { if (code !== getLang()) onPick(code); },
  }, name);
  return el('div', { class: 'lang-switch', role: 'group', 'aria-label': t('shell.language') },
    b('en', 'English'), b('ja', '日本語'));
}

function field(label, input) {
  return el('label', { class: 'field' }, el('span', null, label), input);
}

// A form shown alone in the middle of the page (log-in, first run).
function card(titleKey, form) {
  document.title = t(titleKey) + ' - otwatch';
  app().append(el('div', { class: 'card-page' },
    el('div', { class: 'card' },
      el('div', { class: 'card-top' }, el('span', { class: 'brand' }, 'otwatch'),
        langSwitch((l) => { setLang(l); showGate(); })),
      el('h1', null, t(titleKey)), form)));
  const first = form.querySelector('input');
  if (first) first.focus();
}

let gate = 'login';
function showGate() { if (gate === 'setup') showSetup(); else showLogin(); }

function showLogin(msgKey) {
  gate = 'login';
  user = null;
  const name = el('input', { id: 'login-user', name: 'user', autocomplete: 'username', required: true });
  const pw = el('input', {
    id: 'login-password', name: 'password', type: 'password',
    autocomplete: 'current-password', required: true,
  });
  const msg = el('p', { class: 'form-error', role: 'alert' }, msgKey ? t(msgKey) : null);
  const btn = el('button', { type: 'submit', class: 'primary' }, t('login.submit'));
  const form = el('form', {
    id: 'login-form', onsubmit: async (ev) => {
      ev.preventDefault();
      btn.disabled = true;
      clear(msg);
      try {
        await api('POST', '/api/login', { user: name.value, password: pw.value });
        await start();
      } catch (e) {
        msg.append(errText(e));
        pw.value = '';
        pw.focus();
      } finally {
        btn.disabled = false;
      }
    },
  }, field(t('login.user'), name), field(t('login.password'), pw), msg, btn);
  card('login.title', form);
}

function showSetup() {
  gate = 'setup';
  const name = el('input', { id: 'setup-user', name: 'user', autocomplete: 'username', required: true });
  const pw = el('input', {
    id: 'setup-password', type: 'password', autocomplete: 'new-password', required: true,
  });
  const pw2 = el('input', {
    id: 'setup-password2', type: 'password', autocomplete: 'new-password', required: true,
  });
  const msg = el('p', { class: 'form-error', role: 'alert' });
  const btn = el('button', { type: 'submit', class: 'primary' }, t('setup.submit'));
  const form = el('form', {
    id: 'setup-form', onsubmit: async (ev) => {
      ev.preventDefault();
      clear(msg);
      if (pw.value !== pw2.value) { msg.append(t('setup.mismatch')); return; }
      btn.disabled = true;
      try {
        await api('POST', '/api/setup', { user: name.value, password: pw.value });
        await api('POST', '/api/login', { user: name.value, password: pw.value });
        await start();
      } catch (e) {
        msg.append(errText(e));
      } finally {
        btn.disabled = false;
      }
    },
  }, el('p', { class: 'hint' }, t('setup.intro')),
  field(t('login.user'), name), field(t('setup.password'), pw),
  field(t('setup.password2'), pw2), el('p', { class: 'hint' }, t('setup.rules')), msg, btn);
  card('setup.title', form);
}

async function pickLang(l) {
  try {
    const r = await api('PUT', '/api/me', { lang: l });
    if (r && r.user) user = r.user; else user.lang = l;
  } catch (e) {
    // Not remembered (e.g. the session ended): still switch this page.
    if (e.status === 401) return;
  }
  setLang(l);
  render();
}

async function logout() {
  try { await api('POST', '/api/logout', {}); } catch (e) { /* gone already */ }
  setCsrf('');
  user = null;
  location.hash = '';
  setLang(browserLang());
  showLogin();
}

async function render() {
  if (!user) return; // the log-in form is on the page
  const seq = ++renderSeq;
  const r = route();
  const list = visiblePages();
  const page = list.find((p) => p.id === r.id) || pages[0];
  const nav = el('nav', { class: 'menu', 'aria-label': t('shell.menu') },
    list.map((p) => el('a', {
      href: '#/' + p.id, class: p === page ? 'active' : null, dataset: { page: p.id },
      'aria-current': p === page ? 'page' : null,
    }, t(p.nav))));
  const who = el('span', { class: 'who' },
    el('span', { id: 'whoami' }, user.name),
    el('span', { class: 'role' }, t(user.admin ? 'role.admin' : 'role.viewer')));
  const out = el('button', { type: 'button', id: 'logout', onclick: logout }, t('shell.logout'));
  const root = el('main', { id: 'page-' + page.id, class: 'page' });
  app().append(el('header', { class: 'top' },
    el('a', { class: 'brand', href: '#/daily' }, 'otwatch'), nav,
    el('div', { class: 'tools' }, who, langSwitch(pickLang), out)), root);
  document.title = t(page.nav) + ' - otwatch';
  const ctx = { user, params: r.params, go, refresh: render };
  try {
    await page.render(root, ctx);
  } catch (e) {
    if (seq !== renderSeq || !user) return;
    console.warn('page ' + page.id + ':', e);
    root.append(el('p', { class: 'error page-failed' }, errText(e)));
  }
}

async function start() {
  let me = null;
  try {
    me = await api('GET', '/api/me');
  } catch (e) {
    me = null;
  }
  if (!me || !me.user) {
    user = null;
    setLang(browserLang());
    let needed = false;
    try { needed = !!(await api('GET', '/api/setup')).needed; } catch (e) { needed = false; }
    if (needed) showSetup(); else showLogin();
    return;
  }
  user = me.user;
  setCsrf(me.csrf);
  setLang(user.lang || browserLang());
  render();
}

onLoginRequired(() => { if (user) showLogin('login.expired'); });
window.addEventListener('hashchange', render);
start();
