// pages/baseline.js - the baseline: the plant's normal communications
// (client, server, transport, port, protocol, OT function class) with their
// review status (learned, approved, new) and category, the mode (learning:
// everything seen is learned; protecting: anything else is new and
// alerted), and the maintenance windows with the rules saying which
// communications they restrict. Administrators approve or remove selected
// entries, switch the mode, and add or remove windows and rules; viewers
// see no controls (the server refuses them anyway: 403).
//
// Route: #/baseline?status=learned|approved|new&category=operational|maintenance
//
// Ids and classes for the browser tests:
//   #baseline-mode-current     the mode (data-mode="learning|protecting")
//   button#baseline-mode       (admins) switch to the other mode
//   #baseline-counts           counts of learned / approved / new entries
//   select#baseline-status-filter, select#baseline-category-filter
//   table#baseline-table       tbody tr[data-id] (class st-baseline / st-new) with
//                              td.bl-client, td.bl-server, td.bl-transport, td.bl-port,
//                              td.bl-app, td.bl-class, td.bl-status (data-status),
//                              td.bl-category, td.bl-sessions, td.bl-bytes, td.bl-last,
//                              td.bl-hours; input.baseline-select (admins)
//   input#baseline-select-all, button#baseline-approve, button#baseline-remove (admins);
//   button#baseline-approve-all asks on the first click (data-armed="1"), approves on the second
//   table#baseline-windows-table   tbody tr[data-name]: td.win-name, td.win-schedule,
//                              td.win-rules (li per rule), button.baseline-window-remove
//   input#baseline-window-name, input#baseline-window-schedule, button#baseline-window-add
//   select#baseline-rule-window, input#baseline-rule-client, #baseline-rule-server,
//   #baseline-rule-port, #baseline-rule-app, button#baseline-rule-add   (admins)
//   #baseline-message          the outcome of the last action (.error / .form-ok)
// Host names come from packets: text nodes only (el()).
import './baseline.css';
import { el, clear } from '../dom.js';
import { t, errText, fmtTime, fmtNumber, fmtBytes } from '../i18n.js';
import { api, qs } from '../api.js';

const strings = {
  en: {
    'baseline.title': 'Baseline',
    'baseline.intro': 'The plant\'s normal communications. In protecting mode, anything not listed here is recorded as new and raises an alert.',
    'baseline.mode': 'Mode',
    'baseline.mode.learning': 'Learning',
    'baseline.mode.protecting': 'Protecting',
    'baseline.mode.to_learning': 'Switch to learning',
    'baseline.mode.to_protecting': 'Switch to protecting',
    'baseline.mode.changed': 'The mode is now: {mode}',
    'baseline.mode.empty': 'Warning: no entry is learned or approved yet, so every communication will be new.',
    'baseline.counts': '{all} entries: {approved} approved, {learned} learned, {new} new',
    'baseline.shown_more': 'Only the first {n} entries are shown; narrow the filter.',
    'baseline.filter.status': 'Status',
    'baseline.filter.category': 'Category',
    'baseline.filter.any': 'All',
    'baseline.status.learned': 'Learned',
    'baseline.status.approved': 'Approved',
    'baseline.status.new': 'New',
    'baseline.category.operational': 'Operational',
    'baseline.category.maintenance': 'Maintenance',
    'baseline.col.select': 'Select',
    'baseline.col.client': 'Client',
    'baseline.col.server': 'Server',
    'baseline.col.transport': 'Transport',
    'baseline.col.port': 'Port',
    'baseline.col.app': 'Protocol',
    'baseline.col.class': 'Function',
    'baseline.col.status': 'Status',
    'baseline.col.category': 'Category',
    'baseline.col.sessions': 'Sessions',
    'baseline.col.bytes': 'Bytes',
    'baseline.col.last': 'Last seen',
    'baseline.col.hours': 'Active hours (plant time)',
    'baseline.select_all': 'Select all shown',
    'baseline.approve': 'Approve selected',
    'baseline.approve_all': 'Approve all',
    'baseline.approve_all.confirm': 'Click again to approve all {n} learned and new entries',
    'baseline.remove': 'Remove selected',
    'baseline.none_selected': 'Select one or more entries first.',
    'baseline.approved': '{n} entries approved.',
    'baseline.removed': '{n} entries removed.',
    'baseline.none': 'No entry.',
    'baseline.loading': 'Loading…',
    'baseline.class.read': 'read',
    'baseline.class.write': 'write',
    'baseline.class.program': 'program',
    'baseline.class.control': 'control',
    'baseline.class.diagnostic': 'diagnostic',
    'baseline.windows': 'Maintenance windows',
    'baseline.windows.intro': 'Outside its window, a communication a window restricts raises an alert. Times are plant time.',
    'baseline.windows.none': 'No maintenance window.',
    'baseline.win.name': 'Name',
    'baseline.win.schedule': 'Schedule',
    'baseline.win.rules': 'Restricted communications',
    'baseline.win.norules': 'No rule yet: the window restricts nothing.',
    'baseline.win.remove': 'Remove',
    'baseline.win.add': 'Add or change window',
    'baseline.win.added': 'Window {name}: {schedule}',
    'baseline.win.removed': 'Window {name} removed.',
    'baseline.win.schedule.hint': 'For example: Tue 13:00-17:00, Mon-Fri 09:00-10:00, daily 22:00-06:00, weekends 00:00-24:00',
    'baseline.win.schedule.placeholder': 'Tue 13:00-17:00',
    'baseline.rule.title': 'Add a rule to a window',
    'baseline.rule.window': 'Window',
    'baseline.rule.client': 'Client',
    'baseline.rule.server': 'Server',
    'baseline.rule.port': 'Port',
    'baseline.rule.app': 'Protocol',
    'baseline.rule.add': 'Add rule',
    'baseline.rule.added': 'Rule added to {name}.',
    'baseline.rule.hint': 'Hosts: an address, a range (192.168.10.0/24), an asset name or *. Port: tcp/22, udp, 502 or *.',
    'baseline.rule.text': '{client} → {server}, port {port}, protocol {app}',
    'error.bad_schedule': 'The schedule is not valid. Write it like "Tue 13:00-17:00".',
    'baseline.day.Mon': 'Mon', 'baseline.day.Tue': 'Tue', 'baseline.day.Wed': 'Wed',
    'baseline.day.Thu': 'Thu', 'baseline.day.Fri': 'Fri', 'baseline.day.Sat': 'Sat',
    'baseline.day.Sun': 'Sun', 'baseline.day.daily': 'daily',
  },
  ja: {
    'baseline.title': 'ベースライン',
    'baseline.intro': 'プラントの通常の通信です。保護モードでは、ここにない通信は新規として記録され、アラートになります。',
    'baseline.mode': 'モード',
    'baseline.mode.learning': '学習',
    'baseline.mode.protecting': '保護',
    'baseline.mode.to_learning': '学習モードに切り替え',
    'baseline.mode.to_protecting': '保護モードに切り替え',
    'baseline.mode.changed': 'モードを「{mode}」に切り替えました。',
    'baseline.mode.empty': '注意: 学習済みまたは承認済みのエントリがまだないため、すべての通信が新規になります。',
    'baseline.counts': '全 {all} 件: 承認済み {approved} 件、学習済み {learned} 件、新規 {new} 件',
    'baseline.shown_more': '最初の {n} 件のみ表示しています。条件を絞り込んでください。',
    'baseline.filter.status': '状態',
    'baseline.filter.category': '分類',
    'baseline.filter.any': 'すべて',
    'baseline.status.learned': '学習済み',
    'baseline.status.approved': '承認済み',
    'baseline.status.new': '新規',
    'baseline.category.operational': '運用',
    'baseline.category.maintenance': '保守',
    'baseline.col.select': '選択',
    'baseline.col.client': 'クライアント',
    'baseline.col.server': 'サーバー',
    'baseline.col.transport': 'トランスポート',
    'baseline.col.port': 'ポート',
    'baseline.col.app': 'プロトコル',
    'baseline.col.class': '機能',
    'baseline.col.status': '状態',
    'baseline.col.category': '分類',
    'baseline.col.sessions': 'セッション数',
    'baseline.col.bytes': 'バイト数',
    'baseline.col.last': '最終確認',
    'baseline.col.hours': '通信のある時間帯 (プラント時刻)',
    'baseline.select_all': '表示中をすべて選択',
    'baseline.approve': '選択したものを承認',
    'baseline.approve_all': 'すべて承認',
    'baseline.approve_all.confirm': 'もう一度クリックすると、学習済みと新規の {n} 件をすべて承認します',
    'baseline.remove': '選択したものを削除',
    'baseline.none_selected': '先にエントリを選択してください。',
    'baseline.approved': '{n} 件を承認しました。',
    'baseline.removed': '{n} 件を削除しました。',
    'baseline.none': 'エントリはありません。',
    'baseline.loading': '読み込み中…',
    'baseline.class.read': '読み出し',
    'baseline.class.write': '書き込み',
    'baseline.class.program': 'プログラム',
    'baseline.class.control': '制御',
    'baseline.class.diagnostic': '診断',
    'baseline.windows': '保守時間帯',
    'baseline.windows.intro': '時間帯で制限された通信が時間帯の外で行われると、アラートになります。時刻はプラント時刻です。',
    'baseline.windows.none': '保守時間帯はありません。',
    'baseline.win.name': '名前',
    'baseline.win.schedule': 'スケジュール',
    'baseline.win.rules': '制限する通信',
    'baseline.win.norules': 'ルールがまだないため、この時間帯は何も制限していません。',
    'baseline.win.remove': '削除',
    'baseline.win.add': '時間帯を追加・変更',
    'baseline.win.added': '時間帯 {name}: {schedule}',
    'baseline.win.removed': '時間帯 {name} を削除しました。',
    'baseline.win.schedule.hint': '例: 火 13:00-17:00、月-金 09:00-10:00、毎日 22:00-06:00、週末 00:00-24:00',
    'baseline.win.schedule.placeholder': '火 13:00-17:00',
    'baseline.rule.title': '時間帯にルールを追加',
    'baseline.rule.window': '時間帯',
    'baseline.rule.client': 'クライアント',
    'baseline.rule.server': 'サーバー',
    'baseline.rule.port': 'ポート',
    'baseline.rule.app': 'プロトコル',
    'baseline.rule.add': 'ルールを追加',
    'baseline.rule.added': '{name} にルールを追加しました。',
    'baseline.rule.hint': 'ホスト: アドレス、範囲 (192.168.10.0/24)、資産の名前、または *。ポート: tcp/22、udp、502 または *。',
    'baseline.rule.text': '{client} → {server}、ポート {port}、プロトコル {app}',
    'error.bad_schedule': 'スケジュールが正しくありません。「火 13:00-17:00」のように入力してください。',
    'baseline.day.Mon': '月', 'baseline.day.Tue': '火', 'baseline.day.Wed': '水',
    'baseline.day.Thu': '木', 'baseline.day.Fri': '金', 'baseline.day.Sat': '土',
    'baseline.day.Sun': '日', 'baseline.day.daily': '毎日',
  },
};

const DAYS = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];

// "scada (SCADA server)", else the address; the address and MAC as a tooltip.
function hostText(h) {
  if (!h) return '';
  if (h.name && h.role) return h.name + ' (' + h.role + ')';
  if (h.name) return h.name;
  if (h.role) return '(' + h.role + ') ' + h.ip;
  return h.ip;
}

function hostCell(cls, h) {
  return el('td', { class: cls, title: [h && h.ip, h && h.mac].filter(Boolean).join(' ') }, hostText(h));
}

function className(c) {
  if (!c) return '';
  const k = 'baseline.class.' + c;
  const s = t(k);
  return s === k ? c : s;
}

// Day names of a schedule or an hour in the user's language: "Mon-Fri
// 09:00-10:00" -> "月-金 09:00-10:00" (the schedule itself is written in
// English, as `otwatch baseline window set` takes it; the tooltip shows it).
function localDays(text) {
  return String(text).replace(/\b(Mon|Tue|Wed|Thu|Fri|Sat|Sun|daily)\b/g, (d) => t('baseline.day.' + d));
}

// The other way for what a person types: Japanese day names (月, 火曜,
// 火曜日, 毎日, 平日, 週末) become the schedule's English ones, so a
// Japanese user writes "月-金 09:00-10:00"; English passes unchanged.
const JA_DAYS = { 月: 'Mon', 火: 'Tue', 水: 'Wed', 木: 'Thu', 金: 'Fri', 土: 'Sat', 日: 'Sun' };
export function scheduleToEnglish(text) {
  const word = (w) => (m, off, all) => w + (/\d/.test(all.charAt(off + m.length)) ? ' ' : '');
  return String(text)
    .replace(/毎日/g, word('daily')).replace(/平日/g, word('weekdays')).replace(/週末/g, word('weekends'))
    .replace(/[月火水木金土日](?:曜日|曜)?/g, (m, off, all) => word(JA_DAYS[m.charAt(0)])(m, off, all))
    .replace(/、/g, ', ').replace(/，/g, ',').replace(/[〜～]/g, '-').replace(/：/g, ':')
    .replace(/\s+/g, ' ').trim();
}

// {"Fri 09": 3, "Fri 10": 1, "Sat 22": 2} -> "Fri 09-10, Sat 22" (plant time;
// day names as the schedules write them).
function hoursText(hours) {
  const on = new Array(168).fill(false);
  for (const k of Object.keys(hours || {})) {
    const m = /^(\w{3}) (\d{2})$/.exec(k);
    if (!m) continue;
    const d = DAYS.indexOf(m[1]);
    if (d >= 0) on[d * 24 + Number(m[2])] = true;
  }
  const parts = [];
  for (let i = 0; i < 168;) {
    if (!on[i]) { i++; continue; }
    let j = i;
    while (j + 1 < 168 && on[j + 1] && Math.floor((j + 1) / 24) === Math.floor(i / 24)) j++;
    const day = t('baseline.day.' + DAYS[Math.floor(i / 24)]);
    const a = String(i % 24).padStart(2, '0');
    parts.push(j === i ? day + ' ' + a : day + ' ' + a + '-' + String(j % 24).padStart(2, '0'));
    i = j + 1;
  }
  return parts.join(', ');
}

// Element.append() with el()'s rules: arrays flattened, null/false left out.
function add(parent, ...kids) {
  for (const c of kids.flat(Infinity)) {
    if (c !== null && c !== undefined && c !== false) parent.append(c);
  }
  return parent;
}

function msg(root, text, ok) {
  const m = root.querySelector('#baseline-message');
  m.className = ok ? 'form-ok' : 'error';
  m.textContent = text;
}

function entryRow(e, admin) {
  const known = e.status === 'learned' || e.status === 'approved';
  const tr = el('tr', { class: known ? 'st-baseline' : 'st-new', dataset: { id: e.id } });
  if (admin) {
    tr.append(el('td', { class: 'bl-select' },
      el('input', { type: 'checkbox', class: 'baseline-select', value: e.id, 'aria-label': t('baseline.col.select') })));
  }
  const hasPort = e.transport === 'tcp' || e.transport === 'udp' || e.transport === 'sctp';
  add(tr,
    hostCell('bl-client', e.client),
    hostCell('bl-server', e.server),
    el('td', { class: 'bl-transport' }, e.transport),
    el('td', { class: 'bl-port num' }, hasPort ? String(e.port) : ''),
    el('td', { class: 'bl-app' }, e.app || ''),
    el('td', { class: 'bl-class' }, className(e.class)),
    el('td', { class: 'bl-status', dataset: { status: e.status } },
      el('span', { class: 'badge ' + (known ? 'st-baseline' : 'st-new') }, t('baseline.status.' + e.status))),
    el('td', { class: 'bl-category' }, t('baseline.category.' + e.category)),
    el('td', { class: 'bl-sessions num' }, fmtNumber(e.sessions || 0)),
    el('td', { class: 'bl-bytes num' }, fmtBytes(e.bytes || 0)),
    el('td', { class: 'bl-last time' }, fmtTime(e.last_us)),
    el('td', { class: 'bl-hours' }, hoursText(e.hours)),
  );
  return tr;
}

function field(labelText, input) {
  return el('label', { class: 'field' }, el('span', null, labelText), input);
}

function windowsSection(r, ctx, reload) {
  const root = ctx.root;
  const admin = ctx.user.admin;
  const tb = el('tbody');
  for (const w of r.windows || []) {
    const rules = el('ul', { class: 'win-rule-list' });
    for (const ru of w.rules || []) {
      rules.append(el('li', { dataset: { id: ru.id } },
        t('baseline.rule.text', { client: ru.client, server: ru.server, port: ru.port, app: ru.app })));
    }
    if (!(w.rules || []).length) rules.append(el('li', { class: 'hint' }, t('baseline.win.norules')));
    const tr = el('tr', { dataset: { name: w.name } },
      el('td', { class: 'win-name mono' }, w.name),
      el('td', { class: 'win-schedule', title: w.schedule, dataset: { schedule: w.schedule } }, localDays(w.schedule)),
      el('td', { class: 'win-rules' }, rules));
    if (admin) {
      tr.append(el('td', null, el('button', {
        type: 'button', class: 'baseline-window-remove danger',
        onclick: async () => {
          try {
            await api('DELETE', '/api/baseline/windows/' + encodeURIComponent(w.name));
            await reload();
            msg(root, t('baseline.win.removed', { name: w.name }), true);
          } catch (e) { msg(root, errText(e)); }
        },
      }, t('baseline.win.remove'))));
    }
    tb.append(tr);
  }
  const heads = ['baseline.win.name', 'baseline.win.schedule', 'baseline.win.rules'];
  const sec = el('section', { id: 'baseline-windows', class: 'panel' },
    el('h2', null, t('baseline.windows')),
    el('p', { class: 'hint' }, t('baseline.windows.intro'), r.timezone ? ' (' + r.timezone + ')' : ''),
    (r.windows || []).length
      ? el('table', { id: 'baseline-windows-table', class: 'grid' },
        el('thead', null, el('tr', null, heads.map((k) => el('th', null, t(k))), admin ? el('th') : null)), tb)
      : el('p', { class: 'empty', id: 'baseline-windows-none' }, t('baseline.windows.none')));
  if (!admin) return sec;
  const name = el('input', { id: 'baseline-window-name', type: 'text', maxlength: 63 });
  const sched = el('input', { id: 'baseline-window-schedule', type: 'text', maxlength: 255, placeholder: t('baseline.win.schedule.placeholder') });
  const addWindow = async () => {
    try {
      const w = await api('POST', '/api/baseline/windows', { name: name.value, schedule: scheduleToEnglish(sched.value) });
      await reload();
      msg(root, t('baseline.win.added', { name: w.name, schedule: localDays(w.schedule) }), true);
    } catch (e) { msg(root, errText(e)); }
  };
  add(sec, el('div', { class: 'toolbar inline' },
    field(t('baseline.win.name'), name), field(t('baseline.win.schedule'), sched),
    el('button', { type: 'button', id: 'baseline-window-add', class: 'primary', onclick: addWindow }, t('baseline.win.add'))),
  el('p', { class: 'hint' }, t('baseline.win.schedule.hint')));
  if ((r.windows || []).length) {
    const win = el('select', { id: 'baseline-rule-window' }, (r.windows || []).map((w) => el('option', { value: w.name }, w.name)));
    const client = el('input', { id: 'baseline-rule-client', type: 'text', value: '*', maxlength: 63 });
    const server = el('input', { id: 'baseline-rule-server', type: 'text', value: '*', maxlength: 63 });
    const port = el('input', { id: 'baseline-rule-port', type: 'text', value: '*', maxlength: 31 });
    const app = el('input', { id: 'baseline-rule-app', type: 'text', value: '*', maxlength: 23 });
    const addRule = async () => {
      try {
        await api('POST', '/api/baseline/windows/' + encodeURIComponent(win.value) + '/rules',
          { client: client.value, server: server.value, port: port.value, app: app.value });
        const n = win.value;
        await reload();
        msg(root, t('baseline.rule.added', { name: n }), true);
      } catch (e) { msg(root, errText(e)); }
    };
    add(sec, el('h3', null, t('baseline.rule.title')),
      el('div', { class: 'toolbar inline' },
        field(t('baseline.rule.window'), win), field(t('baseline.rule.client'), client),
        field(t('baseline.rule.server'), server), field(t('baseline.rule.port'), port),
        field(t('baseline.rule.app'), app),
        el('button', { type: 'button', id: 'baseline-rule-add', class: 'primary', onclick: addRule }, t('baseline.rule.add'))),
      el('p', { class: 'hint' }, t('baseline.rule.hint')));
  }
  return sec;
}

async function draw(root, ctx, state) {
  const seq = ++state.seq;
  let r;
  try {
    r = await api('GET', qs('/api/baseline', { status: state.status, category: state.category }));
  } catch (e) {
    if (seq === state.seq) msg(root, errText(e));
    return;
  }
  if (seq !== state.seq) return;
  const admin = ctx.user.admin;
  const body = clear(state.body);
  const reload = () => draw(root, ctx, state);

  // mode
  const other = r.mode === 'protecting' ? 'learning' : 'protecting';
  const modeBox = el('div', { class: 'toolbar baseline-mode' },
    el('span', null, t('baseline.mode') + ': '),
    el('strong', { id: 'baseline-mode-current', dataset: { mode: r.mode } }, t('baseline.mode.' + r.mode)));
  if (admin) {
    modeBox.append(el('button', {
      type: 'button', id: 'baseline-mode', dataset: { to: other },
      onclick: async () => {
        try {
          const m = await api('PUT', '/api/baseline/mode', { mode: other });
          await reload();
          msg(root, t('baseline.mode.changed', { mode: t('baseline.mode.' + m.mode) })
            + (m.warning === 'baseline_empty' ? ' ' + t('baseline.mode.empty') : ''), true);
        } catch (e) { msg(root, errText(e)); }
      },
    }, t('baseline.mode.to_' + other)));
  }
  const c = r.counts || {};
  body.append(modeBox, el('p', { id: 'baseline-counts' }, t('baseline.counts', {
    all: fmtNumber(c.all || 0), approved: fmtNumber(c.approved || 0),
    learned: fmtNumber(c.learned || 0), new: fmtNumber(c.new || 0),
  })));

  // filters
  const sel = (id, label, values, cur, key, prefix) => {
    const s = el('select', { id },
      el('option', { value: '' }, t('baseline.filter.any')),
      values.map((v) => el('option', { value: v, selected: v === cur }, t(prefix + v))));
    s.addEventListener('change', () => {
      state[key] = s.value;
      const p = new URLSearchParams();
      if (state.status) p.set('status', state.status);
      if (state.category) p.set('category', state.category);
      history.replaceState(null, '', '#/baseline' + (p.toString() ? '?' + p.toString() : ''));
      reload();
    });
    return field(label, s);
  };
  const tools = el('div', { class: 'toolbar inline' },
    sel('baseline-status-filter', t('baseline.filter.status'), ['learned', 'approved', 'new'], state.status, 'status', 'baseline.status.'),
    sel('baseline-category-filter', t('baseline.filter.category'), ['operational', 'maintenance'], state.category, 'category', 'baseline.category.'));
  body.append(tools);

  // entries
  const tb = el('tbody');
  const items = r.items || [];
  for (const e of items) tb.append(entryRow(e, admin));
  const cols = ['client', 'server', 'transport', 'port', 'app', 'class', 'status', 'category', 'sessions', 'bytes', 'last', 'hours'];
  if (!items.length) tb.append(el('tr', { class: 'empty' }, el('td', { colspan: cols.length + (admin ? 1 : 0) }, t('baseline.none'))));
  const numeric = new Set(['port', 'sessions', 'bytes']);
  const head = el('tr', null);
  if (admin) {
    const all = el('input', { type: 'checkbox', id: 'baseline-select-all', 'aria-label': t('baseline.select_all') });
    all.addEventListener('change', () => {
      for (const b of tb.querySelectorAll('input.baseline-select')) b.checked = all.checked;
    });
    add(head, el('th', null, all));
  }
  add(head, cols.map((k) => el('th', { class: numeric.has(k) ? 'num' : null }, t('baseline.col.' + k))));
  if (admin) {
    const selected = () => Array.from(tb.querySelectorAll('input.baseline-select:checked')).map((b) => Number(b.value));
    const act = async (what) => {
      let body2;
      if (what === 'approve_all') body2 = { all: true };
      else {
        const ids = selected();
        if (!ids.length) { msg(root, t('baseline.none_selected')); return; }
        body2 = { ids };
      }
      try {
        const res = await api('POST', '/api/baseline/' + (what === 'remove' ? 'remove' : 'approve'), body2);
        await reload();
        msg(root, what === 'remove' ? t('baseline.removed', { n: fmtNumber(res.removed) })
          : t('baseline.approved', { n: fmtNumber(res.approved) }), true);
      } catch (e) { msg(root, errText(e)); }
    };
    body.append(el('div', { class: 'toolbar inline baseline-actions' },
      el('button', { type: 'button', id: 'baseline-approve', class: 'primary', onclick: () => act('approve') }, t('baseline.approve')),
      el('button', {
        type: 'button', id: 'baseline-approve-all',
        // two clicks: the first asks (no dialog box), the second approves
        onclick: (ev) => {
          const b = ev.currentTarget;
          if (b.dataset.armed !== '1') {
            b.dataset.armed = '1';
            b.textContent = t('baseline.approve_all.confirm', { n: fmtNumber((c.learned || 0) + (c.new || 0)) });
            return;
          }
          act('approve_all');
        },
      }, t('baseline.approve_all')),
      el('button', { type: 'button', id: 'baseline-remove', class: 'danger', onclick: () => act('remove') }, t('baseline.remove'))));
  }
  add(body,
    r.more ? el('p', { class: 'hint' }, t('baseline.shown_more', { n: fmtNumber(items.length) })) : null,
    el('div', { class: 'table-wrap' },
      el('table', { id: 'baseline-table', class: 'grid' }, el('thead', null, head), tb)),
    windowsSection(r, { root, user: ctx.user }, reload));
}

export default {
  id: 'baseline',
  nav: 'nav.baseline',
  strings,
  async render(root, ctx) {
    const state = {
      seq: 0,
      status: ctx.params.get('status') || '',
      category: ctx.params.get('category') || '',
      body: el('div', { id: 'baseline-body' }, el('p', { class: 'loading' }, t('baseline.loading'))),
    };
    root.append(
      el('h1', null, t('baseline.title')),
      el('p', { class: 'intro' }, t('baseline.intro')),
      el('p', { id: 'baseline-message', role: 'status' }),
      state.body);
    await draw(root, ctx, state);
  },
};
