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

// Times: the API sends microseconds since the epoch; show them in the
// browser's time zone.
export function fmtTime(us) {
  if (us === null || us === undefined || us === 0) return '';
  const d = new Date(Math.floor(us / 1000));
  return new Intl.DateTimeFormat(lang === 'ja' ? 'ja-JP' : 'en-GB', {
    year: 'numeric', month: '2-digit', day: '2-digit',
    hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false,
  }).format(d);
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
