// pages/sessions.js - the sessions page: an expression in the CLI's query
// language (with field completion and the error marked where it is), a time
// range, a sortable table paged with cursors, a detail view with every
// field, and pcap downloads of one session or of the whole result.
//
// Route: #/sessions?expr=...&since=...&until=...&sort=FIELD&desc=0|1
// (since/until: microseconds since the epoch, or a time the API takes such
// as 2024-05-01T13:00:00Z). Other pages link here, e.g. the connection graph
// opens #/sessions?expr=ip.src==1.2.3.4 && ip.dst==... && port.dst==502.
// With no sort given, the newest sessions come first.
//
// Ids and classes the browser tests rely on:
//   #sessions-form            the query form
//   #sessions-expr            the expression input (role=combobox)
//   #sessions-complete        completion list (li.complete-item, li.active; data-field)
//   #sessions-error           the error message; .expr-mark is the marked place,
//                             data-column / data-kind give the column and the kind
//   #sessions-since, #sessions-until   datetime-local inputs (browser time zone)
//   #sessions-run             runs the query
//   #sessions-count           "N sessions" / "more than 10,000 sessions" (data-count,
//                             data-capped once the count has come)
//   table#sessions-table      thead th[data-sort=FIELD] (click sorts; aria-sort),
//                             tbody tr[data-id=ID] (click opens the detail)
//   #sessions-prev, #sessions-next     paging buttons
//   a#sessions-pcap-all       pcap of the whole result
//   #session-detail           the detail view: table.session-fields tbody tr
//                             (td.field-key, td.field-label, td.field-value)
//   a#session-pcap            pcap of that session
//   #session-detail-close     closes the detail
import './sessions.css';
import { el, clear } from '../dom.js';
import { t, has, fmtTime, fmtNumber, fmtBytes, getLang, errText } from '../i18n.js';
import { api, qs } from '../api.js';

const PAGE = 50;

// The fields' catalog (GET /api/fields), loaded once.
let catalog = null;
async function loadCatalog() {
  if (!catalog) {
    try {
      catalog = (await api('GET', '/api/fields')).items;
    } catch (e) {
      catalog = [];
    }
  }
  return catalog;
}

function meaning(f) {
  return getLang() === 'ja' ? (f.meaning_ja || f.meaning) : f.meaning;
}

// The columns of the table and the field each sorts by.
const COLUMNS = [
  { key: 'col.start', sort: 'starttime' },
  { key: 'col.duration', sort: 'duration' },
  { key: 'col.transport', sort: 'ip.protocol' },
  { key: 'col.source', sort: 'ip.src' },
  { key: 'col.sport', sort: 'port.src' },
  { key: 'col.destination', sort: 'ip.dst' },
  { key: 'col.dport', sort: 'port.dst' },
  { key: 'col.protocols', sort: 'protocols' },
  { key: 'col.state', sort: 'state' },
  { key: 'col.packets', sort: 'packets' },
  { key: 'col.bytes', sort: 'bytes' },
  { key: 'col.point', sort: 'point' },
];

// Keys of the detail that are not catalog fields.
const EXTRA_LABELS = {
  'otwatch.session_id': 'detail.session_id',
  'event.start': 'detail.start', 'event.end': 'detail.end',
  'source.name': 'detail.src_name', 'source.role': 'detail.src_role',
  'destination.name': 'detail.dst_name', 'destination.role': 'detail.dst_role',
  'otwatch.counts': 'detail.counts', 'otwatch.events': 'detail.events',
  'network.inner.vlan.id': 'detail.inner_vlan',
};

// --- times: datetime-local values <-> microseconds ------------------------------

function pad(n, w = 2) { return String(n).padStart(w, '0'); }

function usToLocalInput(us) {
  if (!us) return '';
  const d = new Date(Math.floor(us / 1000));
  if (Number.isNaN(d.getTime())) return '';
  return d.getFullYear() + '-' + pad(d.getMonth() + 1) + '-' + pad(d.getDate()) + 'T' +
    pad(d.getHours()) + ':' + pad(d.getMinutes()) + ':' + pad(d.getSeconds());
}

function localInputToUs(v) {
  if (!v) return '';
  const d = new Date(v); // a datetime-local value is read in the browser's zone
  return Number.isNaN(d.getTime()) ? '' : String(d.getTime() * 1000);
}

// A route's since/until: microseconds, or any time Date understands.
function paramToUs(v) {
  if (!v) return '';
  if (/^\d+$/.test(v)) return v;
  const d = new Date(v);
  return Number.isNaN(d.getTime()) ? '' : String(d.getTime() * 1000);
}

// --- error messages --------------------------------------------------------------

function queryErrorText(d) {
  const args = Object.assign({}, d.args || {});
  if ('found' in args) args.found = args.found === '' ? t('qerr.end') : '"' + args.found + '"';
  const key = 'qerr.' + (d.kind || 'internal');
  let s = t(key, args);
  if (s === key) s = t('qerr.internal');
  if (d.suggest && d.suggest.length) s += ' ' + t('qerr.suggest', { names: d.suggest.join(', ') });
  return s;
}

// The server's column counts bytes of UTF-8: the string index of that byte.
function byteColumnToIndex(expr, column) {
  const enc = new TextEncoder();
  let bytes = 0;
  let i = 0;
  while (i < expr.length && bytes < column - 1) {
    const cp = expr.codePointAt(i);
    const ch = String.fromCodePoint(cp);
    bytes += enc.encode(ch).length;
    i += ch.length;
  }
  return i;
}

// The expression with the error's column marked.
function markedExpr(expr, column) {
  const i = Math.max(0, Math.min(expr.length, byteColumnToIndex(expr, column || 1)));
  const at = expr.slice(i, i + 1) || '\u00a0';
  return el('code', { class: 'expr-shown' }, expr.slice(0, i),
    el('mark', { class: 'expr-mark' }, at), expr.slice(i + 1));
}

// --- host cells ------------------------------------------------------------------

function hostCell(h) {
  const label = h.name ? (h.role ? h.name + ' (' + h.role + ')' : h.name) : (h.role || null);
  return el('td', { class: 'host' }, label ? el('span', { class: 'host-name' }, label) : null,
    el('span', { class: 'host-ip' }, h.ip));
}

function duration(us) {
  const s = us / 1e6;
  if (s < 10) return t('dur.s', { n: s.toFixed(3) });
  if (s < 3600) return t('dur.s', { n: Math.round(s) });
  if (s < 86400) return t('dur.h', { n: (s / 3600).toFixed(1) });
  return t('dur.d', { n: (s / 86400).toFixed(1) });
}

function fmtValue(v) {
  if (v === null || v === undefined) return '';
  if (Array.isArray(v)) return v.map(fmtValue).join(', ');
  if (typeof v === 'object') return Object.entries(v).map(([k, x]) => k + ': ' + fmtValue(x)).join(', ');
  return String(v);
}

export default {
  id: 'sessions',
  nav: 'nav.sessions',
  strings: {
    en: {
      'sessions.title': 'Sessions',
      'sessions.expr': 'Expression',
      'sessions.expr_placeholder': 'e.g. ip.src == 192.168.10.10 && port.dst == 502',
      'sessions.since': 'From',
      'sessions.until': 'To',
      'sessions.run': 'Search',
      'sessions.clear_time': 'All time',
      'sessions.count': '{n} sessions',
      'sessions.count_one': '1 session',
      'sessions.count_capped': 'More than {n} sessions',
      'sessions.none': 'No session matches.',
      'sessions.state.attempt': 'Unanswered',
      'sessions.state.rejected': 'Refused',
      'sessions.state.established': 'Established',
      'sessions.state.closed': 'Closed',
      'sessions.state.reset': 'Reset',
      'sessions.state.timeout': 'Timed out',
      'sessions.loading': 'Loading…',
      'sessions.prev': 'Previous',
      'sessions.next': 'Next',
      'sessions.page': 'Page {n}',
      'sessions.pcap_all': 'Download pcap of all results',
      'sessions.help': 'Type a field name for suggestions (↑ ↓ to choose, Tab or Enter to take one).',
      'col.start': 'Start',
      'col.duration': 'Duration',
      'col.transport': 'Proto',
      'col.source': 'Source',
      'col.sport': 'Src port',
      'col.destination': 'Destination',
      'col.dport': 'Dst port',
      'col.protocols': 'Application',
      'col.state': 'State',
      'col.packets': 'Packets',
      'col.bytes': 'Bytes',
      'col.point': 'Point',
      'detail.title': 'Session {id}',
      'detail.close': 'Close',
      'detail.pcap': 'Download pcap of this session',
      'detail.field': 'Field',
      'detail.label': 'Meaning',
      'detail.value': 'Value',
      'detail.session_id': 'session record number in this database',
      'detail.start': 'first packet',
      'detail.end': 'last packet',
      'detail.src_name': 'name of the source host',
      'detail.src_role': 'role of the source host',
      'detail.dst_name': 'name of the destination host',
      'detail.dst_role': 'role of the destination host',
      'detail.counts': 'how often each parser value was seen',
      'detail.events': 'events the parsers raised, with counts',
      'detail.inner_vlan': 'inner VLAN id',
      'detail.local_time': 'in your time zone: {start} – {end}',
      'dur.s': '{n} s',
      'dur.h': '{n} h',
      'dur.d': '{n} d',
      'qerr.end': 'the end of the expression',
      'qerr.suggest': 'Did you mean: {names}?',
      'qerr.unclosed_string': 'The quoted text is not closed: a {quote} is missing.',
      'qerr.wildcard_not_allowed': 'Wildcards (* ?) work on text fields only; {field} is a {type} field.',
      'qerr.bad_value': '"{value}" is not a valid value for {field} ({type}).',
      'qerr.bad_prefix': '"{value}": the prefix length after / must be 0–32 for IPv4 or 0–128 for IPv6.',
      'qerr.out_of_range': '{value} is out of range for {field} ({min}–{max}).',
      'qerr.field_expected': 'A field name is expected here, but found {found}.',
      'qerr.unknown_field': 'Unknown field "{field}".',
      'qerr.too_many_terms': 'Too many comparisons (at most {limit}).',
      'qerr.single_equals': 'Use == to compare (a single = is not an operator).',
      'qerr.operator_expected': 'An operator (== != < <= > >=) is expected after {field}, but found {found}.',
      'qerr.operator_not_applicable': '{op} does not apply to {field} (a {type} field); use == or !=.',
      'qerr.exists_operator': 'EXISTS! takes == or !=.',
      'qerr.value_expected': 'A value is expected after {op}, but found {found}.',
      'qerr.list_operator': 'A [list] takes == (any of) or != (none of), not {op}.',
      'qerr.list_value_expected': 'A value is expected in the list, but found {found}.',
      'qerr.list_too_long': 'The list is longer than {limit} values.',
      'qerr.list_separator_expected': ', or ] is expected in the list, but found {found}.',
      'qerr.too_deep': 'Nested too deeply (more than {limit} levels of ( and !).',
      'qerr.paren_expected': ') is expected to close the ( at column {open_column}, but found {found}.',
      'qerr.too_long': 'The expression is longer than {limit} bytes.',
      'qerr.combine_operator': 'Use {op} to combine comparisons.',
      'qerr.unmatched_paren': 'This ) has no matching (.',
      'qerr.connective_expected': '&& or || is expected here, but found {found}.',
      'qerr.internal': 'The expression is not valid.',
      'qerr.column': '(at column {column})',
      'error.query_syntax': 'The expression is not valid.',
      'error.bad_sort': 'The table cannot be sorted by this field.',
      'error.too_many_sessions': 'Too many sessions for one download (at most {limit}): narrow the search.',
      'error.no_packets': 'The packets of these sessions are no longer available.',
    },
    ja: {
      'sessions.title': 'セッション',
      'sessions.expr': '検索式',
      'sessions.expr_placeholder': '例: ip.src == 192.168.10.10 && port.dst == 502',
      'sessions.since': '開始',
      'sessions.until': '終了',
      'sessions.run': '検索',
      'sessions.clear_time': '全期間',
      'sessions.count': '{n} 件のセッション',
      'sessions.count_one': '1 件のセッション',
      'sessions.count_capped': '{n} 件を超えるセッション',
      'sessions.none': '一致するセッションはありません。',
      'sessions.state.attempt': '応答なし',
      'sessions.state.rejected': '拒否',
      'sessions.state.established': '確立',
      'sessions.state.closed': '終了',
      'sessions.state.reset': 'リセット',
      'sessions.state.timeout': 'タイムアウト',
      'sessions.loading': '読み込み中…',
      'sessions.prev': '前へ',
      'sessions.next': '次へ',
      'sessions.page': '{n} ページ目',
      'sessions.pcap_all': '検索結果すべての pcap をダウンロード',
      'sessions.help': 'フィールド名を入力すると候補が出ます（↑ ↓ で選び、Tab か Enter で確定）。',
      'col.start': '開始時刻',
      'col.duration': '継続時間',
      'col.transport': 'プロトコル',
      'col.source': '送信元',
      'col.sport': '送信元ポート',
      'col.destination': '宛先',
      'col.dport': '宛先ポート',
      'col.protocols': 'アプリケーション',
      'col.state': '状態',
      'col.packets': 'パケット数',
      'col.bytes': 'バイト数',
      'col.point': 'キャプチャ地点',
      'detail.title': 'セッション {id}',
      'detail.close': '閉じる',
      'detail.pcap': 'このセッションの pcap をダウンロード',
      'detail.field': 'フィールド',
      'detail.label': '意味',
      'detail.value': '値',
      'detail.session_id': 'このデータベースでのセッションの記録番号',
      'detail.start': '最初のパケットの時刻',
      'detail.end': '最後のパケットの時刻',
      'detail.src_name': '送信元ホストの名前',
      'detail.src_role': '送信元ホストの役割',
      'detail.dst_name': '宛先ホストの名前',
      'detail.dst_role': '宛先ホストの役割',
      'detail.counts': 'パーサーが見た各値の回数',
      'detail.events': 'パーサーが検出したイベントと回数',
      'detail.inner_vlan': '内側の VLAN ID',
      'detail.local_time': 'お使いのタイムゾーンでは {start} ～ {end}',
      'dur.s': '{n} 秒',
      'dur.h': '{n} 時間',
      'dur.d': '{n} 日',
      'qerr.end': '式の終わり',
      'qerr.suggest': 'もしかして: {names}',
      'qerr.unclosed_string': '引用符で囲んだ文字列が閉じていません（{quote} がありません）。',
      'qerr.wildcard_not_allowed': 'ワイルドカード（* ?）は文字列のフィールドでのみ使えます。{field} は {type} 型のフィールドです。',
      'qerr.bad_value': '「{value}」は {field}（{type} 型）の値として正しくありません。',
      'qerr.bad_prefix': '「{value}」: / の後のプレフィックス長は IPv4 では 0〜32、IPv6 では 0〜128 です。',
      'qerr.out_of_range': '{value} は {field} の範囲（{min}〜{max}）を超えています。',
      'qerr.field_expected': 'ここにはフィールド名が必要ですが、{found} があります。',
      'qerr.unknown_field': '「{field}」というフィールドはありません。',
      'qerr.too_many_terms': '比較が多すぎます（最大 {limit} 個）。',
      'qerr.single_equals': '比較には == を使ってください（= だけでは演算子になりません）。',
      'qerr.operator_expected': '{field} の後には演算子（== != < <= > >=）が必要ですが、{found} があります。',
      'qerr.operator_not_applicable': '{op} は {field}（{type} 型）には使えません。== か != を使ってください。',
      'qerr.exists_operator': 'EXISTS! には == か != を使ってください。',
      'qerr.value_expected': '{op} の後には値が必要ですが、{found} があります。',
      'qerr.list_operator': '[リスト] には ==（いずれか）か !=（いずれでもない）を使ってください。{op} は使えません。',
      'qerr.list_value_expected': 'リストの中には値が必要ですが、{found} があります。',
      'qerr.list_too_long': 'リストの値が {limit} 個を超えています。',
      'qerr.list_separator_expected': 'リストの中には , か ] が必要ですが、{found} があります。',
      'qerr.too_deep': '入れ子が深すぎます（( と ! は {limit} 段まで）。',
      'qerr.paren_expected': '{open_column} 文字目の ( を閉じる ) が必要ですが、{found} があります。',
      'qerr.too_long': '検索式が {limit} バイトを超えています。',
      'qerr.combine_operator': '比較をつなぐには {op} を使ってください。',
      'qerr.unmatched_paren': 'この ) に対応する ( がありません。',
      'qerr.connective_expected': 'ここには && か || が必要ですが、{found} があります。',
      'qerr.internal': '検索式が正しくありません。',
      'qerr.column': '（{column} 文字目）',
      'error.query_syntax': '検索式が正しくありません。',
      'error.bad_sort': 'このフィールドでは並べ替えできません。',
      'error.too_many_sessions': '一度にダウンロードできるセッション数（{limit} 件）を超えています。検索条件を絞り込んでください。',
      'error.no_packets': 'これらのセッションのパケットはもう残っていません。',
    },
  },

  async render(root, ctx) {
    const p = ctx.params;
    const state = {
      expr: p.get('expr') || '',
      since: paramToUs(p.get('since')),
      until: paramToUs(p.get('until')),
      sort: p.get('sort') || 'starttime',
      // newest first unless the route says otherwise
      desc: p.has('desc') ? p.get('desc') === '1' : !p.get('sort'),
      cursors: [null],  // cursors[i]: the "after" of page i
      page: 0,
    };
    const fields = await loadCatalog();

    // --- the form -----------------------------------------------------------------
    const exprIn = el('input', {
      id: 'sessions-expr', type: 'text', class: 'expr', autocomplete: 'off', spellcheck: 'false',
      role: 'combobox', 'aria-autocomplete': 'list', 'aria-expanded': 'false',
      'aria-controls': 'sessions-complete', placeholder: t('sessions.expr_placeholder'),
      'aria-label': t('sessions.expr'),
    });
    exprIn.value = state.expr;
    const complete = el('ul', { id: 'sessions-complete', class: 'complete', role: 'listbox', hidden: true });
    const errBox = el('div', { id: 'sessions-error', class: 'expr-error', role: 'alert', hidden: true });
    const sinceIn = el('input', { id: 'sessions-since', type: 'datetime-local', step: '1' });
    const untilIn = el('input', { id: 'sessions-until', type: 'datetime-local', step: '1' });
    sinceIn.value = usToLocalInput(Number(state.since));
    untilIn.value = usToLocalInput(Number(state.until));
    const runBtn = el('button', { id: 'sessions-run', type: 'submit' }, t('sessions.run'));
    const allTime = el('button', {
      type: 'button', class: 'link', onclick: () => { sinceIn.value = ''; untilIn.value = ''; },
    }, t('sessions.clear_time'));
    const form = el('form', { id: 'sessions-form', class: 'sessions-form' },
      el('div', { class: 'expr-wrap' },
        el('label', { for: 'sessions-expr' }, t('sessions.expr')), exprIn, complete),
      el('div', { class: 'time-range' },
        el('label', { for: 'sessions-since' }, t('sessions.since')), sinceIn,
        el('label', { for: 'sessions-until' }, t('sessions.until')), untilIn, allTime, runBtn),
      el('p', { class: 'hint' }, t('sessions.help')),
      errBox);

    const countEl = el('span', { id: 'sessions-count', class: 'count' });
    const pcapAll = el('a', { id: 'sessions-pcap-all', class: 'download', download: '' }, t('sessions.pcap_all'));
    const prevBtn = el('button', { id: 'sessions-prev', type: 'button' }, t('sessions.prev'));
    const nextBtn = el('button', { id: 'sessions-next', type: 'button' }, t('sessions.next'));
    const pageEl = el('span', { class: 'page-no' });
    const thead = el('thead');
    const tbody = el('tbody');
    const table = el('table', { id: 'sessions-table', class: 'data sessions' }, thead, tbody);
    const message = el('p', { class: 'message' });
    const detail = el('section', { id: 'session-detail', class: 'session-detail', hidden: true });

    root.append(el('h1', null, t('sessions.title')), form,
      el('div', { class: 'result-bar' }, countEl, pcapAll),
      message, table,
      el('div', { class: 'pager' }, prevBtn, pageEl, nextBtn),
      detail);

    // --- completion -------------------------------------------------------------
    let items = [];
    let active = -1;

    // The word being typed, if it is where a field name goes: at the start,
    // after ( ! && || or an opening of the expression.
    function wordAtCaret() {
      const pos = exprIn.selectionStart ?? exprIn.value.length;
      const before = exprIn.value.slice(0, pos);
      const m = /[A-Za-z0-9_.]*$/.exec(before);
      const word = m ? m[0] : '';
      const lead = before.slice(0, before.length - word.length).replace(/\s+$/, '');
      if (lead !== '' && !/(\(|!|&&|\|\|)$/.test(lead)) return null;
      return { word, start: pos - word.length, end: pos };
    }

    function closeComplete() {
      items = [];
      active = -1;
      clear(complete);
      complete.hidden = true;
      exprIn.setAttribute('aria-expanded', 'false');
      exprIn.removeAttribute('aria-activedescendant');
    }

    function showComplete() {
      const w = wordAtCaret();
      if (!w || w.word.length === 0) { closeComplete(); return; }
      const q = w.word.toLowerCase();
      items = fields.filter((f) => f.name.toLowerCase().startsWith(q) || f.ecs.toLowerCase().startsWith(q))
        .filter((f) => f.name.toLowerCase() !== q).slice(0, 12);
      if (items.length === 0) { closeComplete(); return; }
      active = Math.min(Math.max(active, 0), items.length - 1);
      clear(complete);
      items.forEach((f, i) => {
        complete.append(el('li', {
          id: 'sessions-complete-' + i, role: 'option', class: 'complete-item' + (i === active ? ' active' : ''),
          'aria-selected': i === active ? 'true' : 'false', dataset: { field: f.name },
          onmousedown: (ev) => { ev.preventDefault(); accept(i); },
        }, el('span', { class: 'complete-name' }, f.name),
        el('span', { class: 'complete-meaning' }, meaning(f))));
      });
      complete.hidden = false;
      exprIn.setAttribute('aria-expanded', 'true');
      exprIn.setAttribute('aria-activedescendant', 'sessions-complete-' + active);
    }

    function accept(i) {
      const w = wordAtCaret();
      const f = items[i];
      if (!w || !f) return;
      const v = exprIn.value;
      const ins = f.name + ' ';
      exprIn.value = v.slice(0, w.start) + ins + v.slice(w.end).replace(/^\s+/, '');
      const caret = w.start + ins.length;
      exprIn.setSelectionRange(caret, caret);
      closeComplete();
      exprIn.focus();
    }

    exprIn.addEventListener('input', () => { active = 0; showComplete(); scheduleCheck(); });
    exprIn.addEventListener('blur', () => setTimeout(closeComplete, 150));
    exprIn.addEventListener('keydown', (ev) => {
      if (complete.hidden) return;
      if (ev.key === 'ArrowDown' || ev.key === 'ArrowUp') {
        ev.preventDefault();
        active = (active + (ev.key === 'ArrowDown' ? 1 : items.length - 1)) % items.length;
        showComplete();
      } else if (ev.key === 'Enter' || ev.key === 'Tab') {
        if (active >= 0) { ev.preventDefault(); accept(active); }
      } else if (ev.key === 'Escape') {
        ev.preventDefault();
        closeComplete();
      }
    });

    // --- errors -------------------------------------------------------------------
    // d: the error's details; focus: put the caret on the marked place (after
    // a search, not while typing)
    function showQueryError(d, expr, focus) {
      clear(errBox);
      const col = d.column || 0;
      errBox.dataset.column = String(col);
      errBox.dataset.kind = d.kind || '';
      errBox.append(el('p', { class: 'expr-error-text' }, queryErrorText(d),
        col > 0 ? ' ' + t('qerr.column', { column: col }) : ''));
      if (col > 0) errBox.append(markedExpr(expr, col));
      errBox.hidden = false;
      exprIn.classList.add('invalid');
      exprIn.setAttribute('aria-invalid', 'true');
      if (focus && col > 0 && exprIn.value === expr) {
        exprIn.focus();
        const i = byteColumnToIndex(expr, col);
        exprIn.setSelectionRange(i, Math.min(i + 1, expr.length));
      }
    }

    function clearQueryError() {
      clear(errBox);
      errBox.hidden = true;
      delete errBox.dataset.column;
      delete errBox.dataset.kind;
      exprIn.classList.remove('invalid');
      exprIn.removeAttribute('aria-invalid');
    }

    // Checks the expression while typing (after a pause).
    let checkTimer = null;
    let checkSeq = 0;
    function scheduleCheck() {
      clearTimeout(checkTimer);
      checkTimer = setTimeout(async () => {
        const expr = exprIn.value;
        const seq = ++checkSeq;
        try {
          await api('GET', qs('/api/query/check', { expr }));
          if (seq === checkSeq) clearQueryError();
        } catch (e) {
          if (seq === checkSeq && e.code === 'query_syntax') showQueryError(e.details, expr);
        }
      }, 400);
    }

    // --- the table ----------------------------------------------------------------
    function header() {
      clear(thead);
      thead.append(el('tr', null, COLUMNS.map((c) => {
        const on = c.sort === state.sort;
        return el('th', {
          scope: 'col', class: 'sortable' + (on ? ' sorted' : ''), dataset: { sort: c.sort },
          'aria-sort': on ? (state.desc ? 'descending' : 'ascending') : 'none', tabindex: '0',
          onclick: () => sortBy(c.sort),
          onkeydown: (ev) => { if (ev.key === 'Enter' || ev.key === ' ') { ev.preventDefault(); sortBy(c.sort); } },
        }, t(c.key), on ? (state.desc ? ' ▼' : ' ▲') : '');
      })));
    }

    function sortBy(field) {
      if (state.sort === field) state.desc = !state.desc;
      else { state.sort = field; state.desc = false; }
      state.cursors = [null];
      state.page = 0;
      header();
      load();
    }

    function row(s) {
      const tr = el('tr', {
        dataset: { id: String(s.id) }, tabindex: '0', class: 'clickable',
        onclick: () => openDetail(s.id),
        onkeydown: (ev) => { if (ev.key === 'Enter') openDetail(s.id); },
      },
      el('td', { class: 'time' }, fmtTime(s.start_us)),
      el('td', { class: 'num' }, duration(s.end_us - s.start_us)),
      el('td', null, s.transport),
      hostCell(s.source),
      el('td', { class: 'num' }, s.source.port ?? ''),
      hostCell(s.destination),
      el('td', { class: 'num' }, s.destination.port ?? ''),
      el('td', null, s.protocols.length ? s.protocols.join(', ') : (s.protocol_guess ? s.protocol_guess + '?' : '')),
      el('td', { dataset: { state: s.state } }, has('sessions.state.' + s.state) ? t('sessions.state.' + s.state) : s.state),
      el('td', { class: 'num' }, fmtNumber(s.packets)),
      el('td', { class: 'num' }, fmtBytes(s.bytes)),
      el('td', null, s.point || ''));
      return tr;
    }

    function filterParams() {
      return { expr: state.expr, since: state.since, until: state.until };
    }

    let loadSeq = 0;
    async function load() {
      const seq = ++loadSeq;
      const after = state.cursors[state.page];
      message.textContent = t('sessions.loading');
      prevBtn.disabled = true;
      nextBtn.disabled = true;
      pcapAll.setAttribute('href', qs('/api/pcap', filterParams()));
      let r;
      try {
        r = await api('GET', qs('/api/sessions', Object.assign(filterParams(), {
          sort: state.sort, desc: state.desc ? 1 : 0, limit: PAGE, after: after || '', count: 0,
        })));
      } catch (e) {
        if (seq !== loadSeq) return;
        clear(tbody);
        message.textContent = '';
        if (e.code === 'query_syntax') showQueryError(e.details, state.expr, true);
        else message.textContent = errText(e);
        countEl.textContent = '';
        return;
      }
      if (seq !== loadSeq) return;
      clearQueryError();
      clear(tbody);
      for (const s of r.items) tbody.append(row(s));
      message.textContent = r.items.length === 0 && state.page === 0 ? t('sessions.none') : '';
      // the count after the rows: the first page shows without waiting for it
      if (state.page === 0) loadCount();
      state.cursors[state.page + 1] = r.more ? r.next : undefined;
      prevBtn.disabled = state.page === 0;
      nextBtn.disabled = !r.more;
      pageEl.textContent = t('sessions.page', { n: state.page + 1 });
      pcapAll.hidden = r.items.length === 0;
    }

    let countSeq = 0;
    async function loadCount() {
      const seq = ++countSeq;
      countEl.textContent = '';
      delete countEl.dataset.count;
      let r;
      try {
        r = await api('GET', qs('/api/sessions/count', filterParams()));
      } catch (e) {
        return; // the rows are there; the count is a nicety
      }
      if (seq !== countSeq) return;
      countEl.textContent = r.count_capped ? t('sessions.count_capped', { n: fmtNumber(r.count) })
        : r.count === 1 ? t('sessions.count_one') : t('sessions.count', { n: fmtNumber(r.count) });
      countEl.dataset.count = String(r.count);
      countEl.dataset.capped = r.count_capped ? '1' : '0';
    }

    prevBtn.addEventListener('click', () => { if (state.page > 0) { state.page--; load(); } });
    nextBtn.addEventListener('click', () => {
      if (state.cursors[state.page + 1]) { state.page++; load(); }
    });

    // --- the detail ---------------------------------------------------------------
    const byEcs = new Map();
    for (const f of fields) { byEcs.set(f.ecs, f); if (!byEcs.has(f.name)) byEcs.set(f.name, f); }

    function fieldLabel(key) {
      if (EXTRA_LABELS[key]) return t(EXTRA_LABELS[key]);
      const f = byEcs.get(key);
      return f ? meaning(f) : '';
    }

    async function openDetail(id) {
      clear(detail);
      detail.hidden = false;
      let r;
      try {
        r = await api('GET', '/api/sessions/' + encodeURIComponent(id));
      } catch (e) {
        detail.append(el('p', { class: 'error' }, errText(e)));
        return;
      }
      const s = r.session;
      const rows = Object.entries(r.fields).map(([k, v]) => el('tr', { dataset: { field: k } },
        el('td', { class: 'field-key' }, el('code', null, k)),
        el('td', { class: 'field-label' }, fieldLabel(k)),
        // raw values, as the expression language matches them (state == closed)
        el('td', { class: 'field-value' }, el('code', null, fmtValue(v)))));
      const close = el('button', { id: 'session-detail-close', type: 'button', onclick: () => { detail.hidden = true; clear(detail); } }, t('detail.close'));
      detail.append(
        el('div', { class: 'detail-head' },
          el('h2', null, t('detail.title', { id: s.id })), close),
        el('p', null, t('detail.local_time', { start: fmtTime(s.start_us), end: fmtTime(s.end_us) })),
        el('p', null, el('a', {
          id: 'session-pcap', class: 'download', download: '', href: '/api/sessions/' + encodeURIComponent(s.id) + '/pcap',
        }, t('detail.pcap'))),
        el('table', { class: 'data session-fields' },
          el('thead', null, el('tr', null, el('th', { scope: 'col' }, t('detail.field')),
            el('th', { scope: 'col' }, t('detail.label')), el('th', { scope: 'col' }, t('detail.value')))),
          el('tbody', null, rows)));
      detail.scrollIntoView({ block: 'nearest' });
      close.focus();
    }

    // --- running ------------------------------------------------------------------
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      closeComplete();
      const params = {
        expr: exprIn.value.trim(), since: localInputToUs(sinceIn.value), until: localInputToUs(untilIn.value),
        sort: state.sort, desc: state.desc ? '1' : '0',
      };
      const same = params.expr === state.expr && params.since === state.since && params.until === state.until;
      if (same) {
        state.cursors = [null];
        state.page = 0;
        load();
      } else {
        // the route remembers the query (back button, links); it renders again
        const clean = {};
        for (const [k, v] of Object.entries(params)) if (v !== '') clean[k] = v;
        ctx.go('sessions', clean);
      }
    });

    header();
    await load();
  },
};
