// api.js - calls to the JSON API. State-changing calls carry the session's
// CSRF token (X-CSRF-Token); errors come back as ApiError with the
// server's code, which the pages translate (t('error.' + code)).
let csrf = '';
let onLogin = null;

export function setCsrf(token) { csrf = token || ''; }
// fn(err) is called when the server answers 401 to a call other than the
// log-in check itself (the login cookie expired): the shell shows its form.
export function onLoginRequired(fn) { onLogin = fn; }

export class ApiError extends Error {
  constructor(status, body) {
    const e = (body && body.error) || {};
    super(e.message || 'HTTP ' + status);
    this.status = status;
    this.code = e.code || 'http_' + status;
    this.details = e;
  }
}

export async function api(method, path, body) {
  const opt = { method, headers: {}, credentials: 'same-origin' };
  if (method !== 'GET') {
    opt.headers['X-CSRF-Token'] = csrf;
    opt.headers['Content-Type'] = 'application/json';
    opt.body = JSON.stringify(body || {});
  }
  let r;
  try {
    r = await fetch(path, opt);
  } catch (e) {
    throw new ApiError(0, { error: { code: 'network', message: String(e) } });
  }
  let j = null;
  try { j = await r.json(); } catch (e) { j = null; }
  if (!r.ok) {
    const err = new ApiError(r.status, j);
    if (r.status === 401 && onLogin && path !== '/api/me' && path !== '/api/login') onLogin(err);
    throw err;
  }
  return j;
}

// "/api/sessions" + {expr: "...", limit: 50} -> "/api/sessions?expr=...&limit=50"
export function qs(path, params) {
  const u = new URLSearchParams();
  for (const [k, v] of Object.entries(params || {}))
    if (v !== undefined && v !== null && v !== '') u.set(k, v);
  const s = u.toString();
  return s ? path + '?' + s : path;
}
