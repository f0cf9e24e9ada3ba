// i18n.js - every string the UI shows, in English and Japanese.
//
// Strings are registered per module: registerStrings({en: {...}, ja: {...}})
// with keys like "sessions.title". t(key, params) looks the key up in the
// current language, then replaces {name} with params.name. A key missing in
// Japanese is a bug (tests/browser checks that no English is left), so
// t() falls back to English only to keep the page usable.
const dict = { en: {}, ja: {} };
let lang = 'en';

export function registerStrings(s) {
  for (const l of ['en', 'ja']) Object.assign(dict[l], s[l] || {});
}

export function t(key, params) {
  let s = dict[lang][key];
  if (s === undefined) s = dict.en[key];
  if (s === undefined) return key;
  if (params) s = s.replace(/\{(\w+)\}/g, (m, k) => (params[k] !== undefined ? String(params[k]) : m));
  return s;
}

export function has(key) { return dict[lang][key] !== undefined; }
export function getLang() { return lang; }
export function setLang(l) { if (l === 'en' || l === 'ja') lang = l; document.documentElement.lang = lang; }

// The language before anyone has logged in: the browser's own ("ja-JP" -> ja).
export function browserLang() {
  const l = (navigator.languages && navigator.languages[0]) || navigator.language || 'en';
  return /^ja\b/i.test(l) ? 'ja' : 'en';
}

// The text to show for a failed API call (an ApiError or anything thrown):
// error.<code> when the UI knows the code, else a general message in the
// current language, so that no untranslated server text reaches the page.
export function errText(e) {
  const code = e && e.code;
  if (code && dict.en['error.' + code] !== undefined) return t('error.' + code, e.details || {});
  if (e && e.status === 0) return t('error.network');
  return t('error.internal');
}

// Times: the API sends microseconds since the epoch; show them in the
// browser's time zone, year first in both languages so that no one has to
// guess the order of day and month: 2026-11-27 16:30:05 (en),
// 2026/11/27 16:30:05 (ja).
const timeFmt = new Intl.DateTimeFormat('en-GB', {
  year: 'numeric', month: '2-digit', day: '2-digit',
  hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23',
});
export function fmtTime(us) {
  if (us === null || us === undefined || us === 0 || !Number.isFinite(Number(us))) return '';
  const d = new Date(Math.floor(Number(us) / 1000));
  if (Number.isNaN(d.getTime())) return '';
  const p = {};
  for (const x of timeFmt.formatToParts(d)) p[x.type] = x.value;
  const sep = lang === 'ja' ? '/' : '-';
  return p.year + sep + p.month + sep + p.day + ' ' + p.hour + ':' + p.minute + ':' + p.second;
}

export function fmtNumber(n) {
  return new Intl.NumberFormat(lang === 'ja' ? 'ja-JP' : 'en-US').format(n);
}

export function fmtBytes(n) {
  const u = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  while (n >= 1024 && i < u.length - 1) { n /= 1024; i++; }
  return (i ? n.toFixed(1) : String(n)) + ' ' + u[i];
}

// A MAC vendor as the API gives it: a registry's name stays as it is; the
// two texts that are otwatch's own (src/detect/oui.c) are translated.
export function vendorText(v) {
  if (v === '(locally administered)') return t('vendor.local');
  if (v === 'unknown') return t('vendor.unknown');
  return v || '';
}
