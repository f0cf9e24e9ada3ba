// tests/browser/english.mjs - "switch to Japanese and find no English left
// on the page" (issue 7), made precise.
//
// What is read: every visible text node of the page, the options of visible
// <select>s, the attribute texts people see or hear (placeholder, title,
// aria-label, alt, value of button-like inputs) and the document title.
// Each text is cut into tokens: runs of letters, digits and . _ : / @ + -
// (so "192.168.10.40:22", "tcp/502", "ip.src" and "new_peer" are one token
// each). A token without an ASCII letter is fine (Japanese, numbers, dates).
// A token with one is allowed only when it is
//   1. data the page was given: it occurs among the tokens of the string
//      values of the JSON the API answered while the test ran (host names,
//      roles and vendors from the database, protocol and field names,
//      hostnames out of packets...). Values under keys that are the UI's
//      own words to translate are not data and are left out: status,
//      severity, kind, mode, title, text, message, explanation, summary,
//      description, code, label, state, values (a field's value list),
//      end_reason, meaning and meaning_ja (see labelTokens), and "en" (an
//      English copy beside "ja"); a dotted key ("otwatch.state") by its
//      last part;
//   2. an address or a number in Latin script: IPv4/IPv6 (with /prefix or
//      :port), MAC, hexadecimal, community IDs;
//   3. the brand "otwatch";
//   4. one of ACRONYMS: protocol and format names and unit symbols that
//      Japanese technical writing keeps in Latin letters (TCP, PCAP, KiB...),
//      or of KEYS, the names printed on keyboard keys (Enter, Tab, Esc);
//      these are the only hand-written lists and hold no other English;
//   5. an identifier the page marks as one: the whole text of a <code> or
//      <kbd> element when it is a single token (a field name such as
//      source.role) or an otwatch command ("otwatch capture").
// A compound token (tcp/22, maint.scada) is also fine when each of its
// parts is allowed by the rules above. JSON true/false/null count as data.
// Exempt: the language switch's "English" button (marked lang="en": a
// language is named in itself so that its speakers find it).

export const ACRONYMS = new Set([
  'IP', 'IPv4', 'IPv6', 'MAC', 'TCP', 'UDP', 'ICMP', 'ICMPv6', 'ARP', 'DHCP', 'DNS', 'HTTP',
  'HTTPS', 'TLS', 'SNI', 'SSH', 'RDP', 'NTP', 'VLAN', 'OT', 'ICS', 'PLC', 'HMI', 'SCADA', 'ID',
  'PCAP', 'pcap', 'pcapng', 'PNG', 'CSV', 'JSON', 'CPU', 'URL', 'OUI', 'Modbus', 'DNP3',
  'B', 'KiB', 'MiB', 'GiB', 'TiB', 'kB', 'MB', 'GB', 'TB', 'pps', 'bps', 'kbps', 'Mbps', 'Gbps',
  'Mbit', 'Kbit', 'Gbit',
]);
export const KEYS = new Set(['Enter', 'Tab', 'Esc', 'Shift', 'Ctrl', 'Alt', 'Space']);
const BRAND = 'otwatch';
const SKIP_KEYS = new Set(['status', 'state', 'severity', 'kind', 'mode', 'title', 'text',
  'message', 'explanation', 'explain', 'summary', 'description', 'code', 'label', 'labels', 'en',
  'error', 'hint', 'help', 'meaning', 'meaning_ja', 'name_en', 'end_reason', 'values']);

const TOKEN = /[A-Za-z0-9][A-Za-z0-9._:/@+-]*[A-Za-z0-9]|[A-Za-z0-9]/g;
const PARTS = /[._:/@+-]+/;

export function tokens(s) { return String(s).match(TOKEN) || []; }

// The tokens (and their parts) of the values of a list of JSON answers:
// walks into what take(key) accepts (key null: the top; an array's elements
// carry its key) and counts the strings (and true/false/null) whose key
// leaf(key) accepts.
function collectTokens(answers, take, leaf) {
  const whole = new Set();
  const walk = (v, key) => {
    if (!take(key)) return;
    if ((typeof v === 'boolean' || v === null || typeof v === 'string') && !leaf(key)) return;
    if (typeof v === 'boolean' || v === null) {
      whole.add(String(v));
    } else if (typeof v === 'string') {
      for (const tk of tokens(v)) {
        whole.add(tk);
        for (const p of tk.split(PARTS)) if (p) whole.add(p);
      }
    } else if (Array.isArray(v)) {
      for (const x of v) walk(x, key);
    } else if (v && typeof v === 'object') {
      for (const [k, x] of Object.entries(v)) walk(x, k);
    }
  };
  for (const a of answers) walk(a.json, null);
  return whole;
}

// The allowed data tokens of a list of JSON answers. A key names a UI word
// also as the last part of a dotted field name ("otwatch.state": "closed" is
// a state the page must translate).
export function dataTokens(answers) {
  const take = (key) => key === null || !(SKIP_KEYS.has(key) || SKIP_KEYS.has(key.split('.').pop()));
  return collectTokens(answers, take, take);
}

const IPV4 = /^(\d{1,3}\.){3}\d{1,3}(\/\d{1,2})?(:\d{1,5})?$/;
const IPV6 = /^\[?[0-9A-Fa-f:]*:[0-9A-Fa-f:.]*\]?(\/\d{1,3})?(:\d{1,5})?$/;
const MAC = /^([0-9A-Fa-f]{2}[:-]){5}[0-9A-Fa-f]{2}$/;
const HEX = /^(0x)?[0-9A-Fa-f]+$/;
const CID = /^1:[A-Za-z0-9+/=]+$/;

function plain(tk, data) {
  if (!/[A-Za-z]/.test(tk)) return true;
  if (tk === BRAND || ACRONYMS.has(tk) || KEYS.has(tk) || data.has(tk)) return true;
  if (IPV4.test(tk) || MAC.test(tk) || CID.test(tk)) return true;
  if (tk.includes(':') && IPV6.test(tk)) return true;
  if (/\d/.test(tk) && HEX.test(tk)) return true;
  return false;
}

export function allowed(tk, data) {
  if (plain(tk, data)) return true;
  const parts = tk.split(PARTS).filter(Boolean);
  return parts.length > 1 && parts.every((p) => plain(p, data));
}

// In the page: the texts a person sees, with where they are.
export function collectTexts() {
  const vis = (e) => {
    if (!e) return false;
    if (e.closest('select')) e = e.closest('select');
    if (typeof e.checkVisibility === 'function')
      return e.checkVisibility({ checkOpacity: true, checkVisibilityCSS: true });
    return !!(e.offsetWidth || e.offsetHeight || e.getClientRects().length);
  };
  const where = (e) => {
    const bits = [];
    for (let x = e; x && x !== document.body && bits.length < 4; x = x.parentElement) {
      let s = x.tagName.toLowerCase();
      if (x.id) s += '#' + x.id;
      else if (x.className && typeof x.className === 'string') s += '.' + x.className.trim().split(/\s+/)[0];
      bits.unshift(s);
    }
    return bits.join('>');
  };
  const exempt = (e) => !!e.closest('.lang-switch [lang="en"]');
  const out = [];
  const w = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let n = w.nextNode(); n; n = w.nextNode()) {
    const p = n.parentElement;
    if (!p || !n.nodeValue.trim() || p.closest('script,style,noscript')) continue;
    if (exempt(p) || !vis(p)) continue;
    const code = p.closest('code, kbd');
    // one identifier marked as such (rule 5), or an otwatch command ("otwatch capture")
    if (code && /^\s*(otwatch [a-z]+|[A-Za-z0-9._:/@+-]+)\s*$/.test(code.textContent)) continue;
    out.push({ text: n.nodeValue, where: where(p) });
  }
  const attrs = ['placeholder', 'title', 'aria-label', 'alt', 'aria-description', 'aria-placeholder'];
  for (const e of document.body.querySelectorAll('*')) {
    if (exempt(e)) continue;
    const shown = vis(e);
    for (const a of attrs) {
      const v = e.getAttribute(a);
      // aria-label is heard even on a hidden-looking control (icons); the rest must be visible
      if (v && v.trim() && (shown || a === 'aria-label')) out.push({ text: v, where: where(e) + '[' + a + ']' });
    }
    if (shown && e.tagName === 'INPUT' && /^(button|submit|reset)$/i.test(e.type) && e.value)
      out.push({ text: e.value, where: where(e) + '[value]' });
  }
  out.push({ text: document.title, where: 'document.title' });
  return out;
}

// The field meanings in Japanese (/api/fields "meaning_ja") name the
// expression language's values in Latin letters ("状態：attempt（試行）...").
// They are data only where a field meaning is shown (the session detail's
// label column, the completion list), never elsewhere: otherwise an
// untranslated state in a table would pass because a meaning mentions it.
export const LABEL_PLACES = /field-label|complete/;

export function labelTokens(answers) {
  return collectTokens(answers, () => true, (key) => key === 'meaning_ja');
}

// The English found: [{word, where, text}] (empty when none). labels: the
// labelTokens(), allowed only in LABEL_PLACES.
export function findEnglish(texts, data, labels) {
  const bad = [];
  for (const x of texts) {
    const ok = labels && LABEL_PLACES.test(x.where) ? new Set([...data, ...labels]) : data;
    for (const tk of tokens(x.text)) {
      if (!allowed(tk, ok)) bad.push({ word: tk, where: x.where, text: x.text.trim().slice(0, 80) });
    }
  }
  return bad;
}

export function describe(bad, max = 25) {
  const lines = bad.slice(0, max).map((b) => '"' + b.word + '" in ' + b.where + ': "' + b.text + '"');
  if (bad.length > max) lines.push('... and ' + (bad.length - max) + ' more');
  return lines.join('\n');
}
