// main.js - the shell of the web interface: log-in, the menu, the language
// switch and a hash router (#/sessions?expr=...) over the pages. Each page is
// a module in pages/ exporting
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
import './style.css';
import { registerStrings, setLang, t } from './i18n.js';
import { api, setCsrf } from './api.js';
import { el, clear } from './dom.js';
import common from './strings.js';
import sessions from './pages/sessions.js';
import connections from './pages/connections.js';
import assets from './pages/assets.js';
import alerts from './pages/alerts.js';
import baseline from './pages/baseline.js';
import daily from './pages/daily.js';
import status from './pages/status.js';

export const pages = [daily, alerts, connections, sessions, assets, baseline, status];
registerStrings(common);
for (const p of pages) registerStrings(p.strings || {});

let user = null;

function route() {
  const h = location.hash.replace(/^#\/?/, '');
  const [id, q] = h.split('?');
  return { id: id || 'daily', params: new URLSearchParams(q || '') };
}

export function go(id, params) {
  const q = params ? new URLSearchParams(params).toString() : '';
  location.hash = '#/' + id + (q ? '?' + q : '');
}

async function render() {
  const app = clear(document.getElementById('app'));
  if (!user) return; // the log-in form is shown by start()
  const r = route();
  const page = pages.find((p) => p.id === r.id) || pages[0];
  const nav = el('nav', { class: 'menu' },
    pages.map((p) => el('a', { href: '#/' + p.id, class: p === page ? 'active' : null }, t(p.nav))));
  const root = el('main', { id: 'page-' + page.id });
  app.append(el('header', null, el('span', { class: 'brand' }, 'otwatch'), nav), root);
  document.title = t(page.nav) + ' - otwatch';
  const ctx = { user, params: r.params, go, refresh: render };
  try {
    await page.render(root, ctx);
  } catch (e) {
    root.append(el('p', { class: 'error' }, t('error.' + (e.code || 'internal'))));
  }
}

async function start() {
  try {
    const me = await api('GET', '/api/me');
    user = me.user;
    setCsrf(me.csrf);
    setLang(user.lang);
  } catch (e) {
    user = null;
  }
  if (!user) {
    clear(document.getElementById('app')).append(el('p', null, t('login.required')));
    return;
  }
  render();
}

window.addEventListener('hashchange', render);
start();
