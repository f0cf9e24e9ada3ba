// pages/alerts.js - the alerts detection raised: a list (severity, what
// happened in the user's language, hosts, count, first/last seen) filtered
// by status and kind, and the detail of one alert with its evidence
// sessions (links to the Sessions page and to their packets). Admins can
// acknowledge, resolve or reopen an alert; viewers do not get the buttons
// (and the server refuses them anyway: 403, shown as error.forbidden).
//
// Route: #/alerts?status=open|acknowledged|resolved|active|any&kind=KIND&id=ID
//
// Ids and classes for the browser tests:
//   #alerts-filters          select#alerts-status, select#alerts-kind
//   table#alerts-table       tbody tr[data-id] (class sev-*), td .badge.alert-sev,
//                            td.alert-text (the explanation), td.alert-hosts
//   #alert-detail            the selected alert (data-id, data-status):
//                            .alert-explanation, #alert-status, table#alert-evidence
//                            (tbody tr[data-session]; a.alert-session-link,
//                            a.alert-pcap), a#alert-evidence-all
//   button.alert-ack, button.alert-resolve, button.alert-reopen   (admins only; in
//                            #alert-detail and in each row), input#alert-note
//   #alerts-message          the outcome of the last action (.error / .form-ok)
// Host names come from packets: everything is text nodes (dom.js el()).
import './alerts.css';
import { el, clear } from '../dom.js';
import { t, errText, fmtTime, fmtNumber, fmtBytes, getLang } from '../i18n.js';
import { api, qs } from '../api.js';

const STATUSES = ['open', 'acknowledged', 'resolved', 'active', 'any'];
const SEV_CLASS = { critical: 'sev-critical', high: 'sev-high', medium: 'sev-medium', low: 'sev-low' };

// Appends children leaving out null/undefined/false (Element.append would
// show them as text).
export function append(parent, ...kids) {
  for (const k of kids.flat(Infinity)) if (k !== null && k !== undefined && k !== false) parent.append(k);
  return parent;
}

// "scada (SCADA server)", else the address; the address and MAC as a tooltip.
export function hostLabel(h) {
  if (!h) return '';
  if (h.name && h.role) return h.name + ' (' + h.role + ')';
  if (h.name) return h.name;
  if (h.role) return '(' + h.role + ') ' + h.ip;
  return h.ip;
}

export function hostEl(h, extra) {
  const tip = [h.ip, h.mac].filter(Boolean).join(' ');
  return el('span', { class: 'host', title: tip }, hostLabel(h) + (extra || ''));
}

export function sevBadge(sev) {
  return el('span', { class: 'badge alert-sev ' + (SEV_CLASS[sev] || 'sev-low'), dataset: { sev } },
    t('alerts.sev.' + sev));
}

// The text of an alert in the user's language (the server sends both).
export function explanation(a) {
  const e = a.explanation || {};
  return e[getLang()] || e.en || '';
}

export function kindTitle(a) {
  const k = a.title || {};
  return k[getLang()] || k.en || a.kind;
}

// Sources then targets: "maint (maintenance server) → plc (PLC), hmi (HMI)".
function hostsEl(a) {
  const src = (a.hosts || []).filter((h) => h.side === 'src');
  const dst = (a.hosts || []).filter((h) => h.side !== 'src');
  const parts = [];
  src.forEach((h, i) => { if (i) parts.push(', '); parts.push(hostEl(h)); });
  if (src.length && dst.length) parts.push(' → ');
  dst.forEach((h, i) => { if (i) parts.push(', '); parts.push(hostEl(h)); });
  if (a.proto) parts.push(el('span', { class: 'mono port' }, ' ' + a.proto + (a.port ? '/' + a.port : '')));
  return parts;
}

function sessionsExpr(ids) {
  return ids.length === 1 ? 'id == ' + ids[0] : 'id == [' + ids.join(', ') + ']';
}

function sessionsHref(ids) {
  return '#/sessions?' + new URLSearchParams({ expr: sessionsExpr(ids) }).toString();
}

function endpoint(h) {
  if (!h) return '';
  return hostEl(h, h.port !== undefined ? ':' + h.port : '');
}

export default {
  id: 'alerts',
  nav: 'nav.alerts',
  strings: {
    en: {
      'alerts.title': 'Alerts',
      'alerts.intro': 'What detection found, one line per cause: repeated occurrences raise the count. Acknowledge an alert when someone is on it; resolve it when it is dealt with.',
      'alerts.filter.status': 'Status',
      'alerts.filter.kind': 'Kind',
      'alerts.filter.anyKind': 'All kinds',
      'alerts.status.open': 'Open',
      'alerts.status.acknowledged': 'Acknowledged',
      'alerts.status.resolved': 'Resolved',
      'alerts.status.active': 'Open or acknowledged',
      'alerts.status.any': 'All',
      'alerts.sev.critical': 'Critical',
      'alerts.sev.high': 'High',
      'alerts.sev.medium': 'Medium',
      'alerts.sev.low': 'Low',
      'alerts.col.severity': 'Severity',
      'alerts.col.what': 'What happened',
      'alerts.col.hosts': 'Hosts',
      'alerts.col.count': 'Count',
      'alerts.col.first': 'First seen',
      'alerts.col.last': 'Last seen',
      'alerts.col.status': 'Status',
      'alerts.col.actions': 'Actions',
      'alerts.none': 'No alerts match.',
      'alerts.more': 'Only the newest {n} alerts are shown.',
      'alerts.loading': 'Loading…',
      'alerts.ack': 'Acknowledge',
      'alerts.resolve': 'Resolve',
      'alerts.reopen': 'Reopen',
      'alerts.note': 'Note (optional)',
      'alerts.done.acknowledged': 'Alert {id} acknowledged.',
      'alerts.done.resolved': 'Alert {id} resolved.',
      'alerts.done.open': 'Alert {id} reopened.',
      'alerts.viewerHint': 'Only an administrator can acknowledge or resolve alerts.',
      'alerts.detail.title': 'Alert {id}: {kind}',
      'alerts.detail.close': 'Close',
      'alerts.detail.count': 'Occurrences',
      'alerts.detail.first': 'First seen',
      'alerts.detail.last': 'Last seen',
      'alerts.detail.status': 'Status',
      'alerts.detail.statusBy': '{status} by {by} at {time}',
      'alerts.detail.note': 'Note',
      'alerts.detail.hosts': 'Hosts',
      'alerts.detail.evidence': 'Evidence sessions',
      'alerts.detail.evidenceNote': '{shown} of the {linked} linked sessions are still stored (at most {max} are linked per alert; the count goes on).',
      'alerts.detail.evidenceNone': 'No evidence session is stored any more.',
      'alerts.detail.evidenceAll': 'Show these sessions on the Sessions page',
      'alerts.ev.start': 'Start',
      'alerts.ev.src': 'Source',
      'alerts.ev.dst': 'Destination',
      'alerts.ev.proto': 'Protocol',
      'alerts.ev.state': 'State',
      'alerts.ev.bytes': 'Bytes',
      'alerts.ev.links': 'Links',
      'alerts.ev.session': 'Session',
      'alerts.ev.pcap': 'Packets (pcap)',
      'alerts.state.attempt': 'Unanswered',
      'alerts.state.rejected': 'Refused',
      'alerts.state.established': 'Established',
      'alerts.state.closed': 'Closed',
      'alerts.state.reset': 'Reset',
      'alerts.state.timeout': 'Timed out',
    },
    ja: {
      'alerts.title': 'アラート',
      'alerts.intro': '検知した事象を原因ごとに 1 行で表示します。同じ事象が繰り返されると件数が増えます。誰かが対応を始めたら「確認済み」に、対処が終わったら「解決済み」にしてください。',
      'alerts.filter.status': '状態',
      'alerts.filter.kind': '種類',
      'alerts.filter.anyKind': 'すべての種類',
      'alerts.status.open': '未対応',
      'alerts.status.acknowledged': '確認済み',
      'alerts.status.resolved': '解決済み',
      'alerts.status.active': '未対応と確認済み',
      'alerts.status.any': 'すべて',
      'alerts.sev.critical': '緊急',
      'alerts.sev.high': '高',
      'alerts.sev.medium': '中',
      'alerts.sev.low': '低',
      'alerts.col.severity': '重要度',
      'alerts.col.what': '内容',
      'alerts.col.hosts': 'ホスト',
      'alerts.col.count': '件数',
      'alerts.col.first': '初回検知',
      'alerts.col.last': '最終検知',
      'alerts.col.status': '状態',
      'alerts.col.actions': '操作',
      'alerts.none': '該当するアラートはありません。',
      'alerts.more': '新しい順に {n} 件のみ表示しています。',
      'alerts.loading': '読み込み中…',
      'alerts.ack': '確認済みにする',
      'alerts.resolve': '解決済みにする',
      'alerts.reopen': '未対応に戻す',
      'alerts.note': 'メモ（任意）',
      'alerts.done.acknowledged': 'アラート {id} を確認済みにしました。',
      'alerts.done.resolved': 'アラート {id} を解決済みにしました。',
      'alerts.done.open': 'アラート {id} を未対応に戻しました。',
      'alerts.viewerHint': 'アラートを確認済み・解決済みにできるのは管理者のみです。',
      'alerts.detail.title': 'アラート {id}：{kind}',
      'alerts.detail.close': '閉じる',
      'alerts.detail.count': '発生件数',
      'alerts.detail.first': '初回検知',
      'alerts.detail.last': '最終検知',
      'alerts.detail.status': '状態',
      'alerts.detail.statusBy': '{time} に {by} さんが「{status}」にしました',
      'alerts.detail.note': 'メモ',
      'alerts.detail.hosts': 'ホスト',
      'alerts.detail.evidence': '根拠となるセッション',
      'alerts.detail.evidenceNote': '関連付けられた {linked} 件のうち {shown} 件が保存されています（1 つのアラートに関連付けるのは最大 {max} 件で、件数はその後も数え続けます）。',
      'alerts.detail.evidenceNone': '根拠となるセッションはもう保存されていません。',
      'alerts.detail.evidenceAll': 'これらのセッションをセッション画面で表示',
      'alerts.ev.start': '開始',
      'alerts.ev.src': '送信元',
      'alerts.ev.dst': '宛先',
      'alerts.ev.proto': 'プロトコル',
      'alerts.ev.state': '状態',
      'alerts.ev.bytes': 'バイト数',
      'alerts.ev.links': 'リンク',
      'alerts.ev.session': 'セッション',
      'alerts.ev.pcap': 'パケット (pcap)',
      'alerts.state.attempt': '応答なし',
      'alerts.state.rejected': '拒否',
      'alerts.state.established': '確立',
      'alerts.state.closed': '終了',
      'alerts.state.reset': 'リセット',
      'alerts.state.timeout': 'タイムアウト',
    },
  },

  async render(root, ctx) {
    const p = ctx.params;
    const status = STATUSES.includes(p.get('status')) ? p.get('status') : 'open';
    const kind = p.get('kind') || '';
    const selected = p.get('id') || '';
    const admin = !!(ctx.user && ctx.user.admin);
    const msg = el('p', { id: 'alerts-message', role: 'status' });
    const nav = (changes) => {
      const q = { status, kind, id: selected, ...changes };
      for (const k of Object.keys(q)) if (!q[k]) delete q[k];
      ctx.go('alerts', q);
    };

    const statusSel = el('select', {
      id: 'alerts-status', onchange: (e) => nav({ status: e.target.value, id: '' }),
    }, STATUSES.map((s) => el('option', { value: s, selected: s === status }, t('alerts.status.' + s))));
    const kindSel = el('select', {
      id: 'alerts-kind', onchange: (e) => nav({ kind: e.target.value, id: '' }),
    }, el('option', { value: '' }, t('alerts.filter.anyKind')));
    const detail = el('section', { id: 'alert-detail', class: 'panel', hidden: true });
    const listBox = el('div', { class: 'alerts-list' }, el('p', { class: 'loading' }, t('alerts.loading')));

    root.append(
      el('h1', null, t('alerts.title')),
      el('p', { class: 'hint' }, t('alerts.intro')),
      el('div', { id: 'alerts-filters', class: 'toolbar' },
        el('label', { class: 'field' }, el('span', null, t('alerts.filter.status')), statusSel),
        el('label', { class: 'field' }, el('span', null, t('alerts.filter.kind')), kindSel)),
      msg, detail, listBox);
    if (!admin) root.insertBefore(el('p', { class: 'hint viewer-hint' }, t('alerts.viewerHint')), msg);

    // A status change (admins): the server records who did it.
    async function change(id, action, noteInput) {
      clear(msg);
      msg.className = '';
      const body = {};
      if (noteInput && noteInput.value.trim() !== '') body.note = noteInput.value.trim();
      try {
        const a = await api('POST', '/api/alerts/' + encodeURIComponent(id) + '/' + action, body);
        msg.className = 'form-ok';
        msg.append(t('alerts.done.' + a.status, { id: a.id }));
        await load();
      } catch (e) {
        msg.className = 'error';
        msg.append(errText(e));
      }
    }

    function actionButtons(a, noteInput) {
      if (!admin) return [];
      const b = [];
      if (a.status === 'open') {
        b.push(el('button', { type: 'button', class: 'alert-ack', dataset: { id: a.id },
          onclick: (ev) => { ev.stopPropagation(); change(a.id, 'ack', noteInput); } }, t('alerts.ack')));
      }
      if (a.status !== 'resolved') {
        b.push(el('button', { type: 'button', class: 'alert-resolve', dataset: { id: a.id },
          onclick: (ev) => { ev.stopPropagation(); change(a.id, 'resolve', noteInput); } }, t('alerts.resolve')));
      } else {
        b.push(el('button', { type: 'button', class: 'alert-reopen', dataset: { id: a.id },
          onclick: (ev) => { ev.stopPropagation(); change(a.id, 'reopen', noteInput); } }, t('alerts.reopen')));
      }
      return b;
    }

    async function showDetail(id) {
      clear(detail);
      if (!id) { detail.hidden = true; return; }
      detail.hidden = false;
      detail.append(el('p', { class: 'loading' }, t('alerts.loading')));
      let a;
      try {
        a = await api('GET', '/api/alerts/' + encodeURIComponent(id));
      } catch (e) {
        clear(detail).append(el('p', { class: 'error' }, errText(e)));
        return;
      }
      clear(detail);
      detail.dataset.id = a.id;
      detail.dataset.status = a.status;
      detail.className = 'panel alert-detail';
      detail.dataset.sev = a.severity;
      const note = admin ? el('input', { id: 'alert-note', type: 'text', maxlength: 255 }) : null;
      let statusLine = t('alerts.status.' + a.status);
      if (a.status_us) {
        statusLine = t('alerts.detail.statusBy', {
          status: t('alerts.status.' + a.status), by: a.status_by || '-', time: fmtTime(a.status_us),
        });
      }
      const dl = el('dl', { class: 'alert-facts' },
        el('dt', null, t('alerts.col.severity')), el('dd', null, sevBadge(a.severity)),
        el('dt', null, t('alerts.detail.hosts')), el('dd', null, hostsEl(a)),
        el('dt', null, t('alerts.detail.count')), el('dd', null, fmtNumber(a.count)),
        el('dt', null, t('alerts.detail.first')), el('dd', { class: 'time' }, fmtTime(a.first_us)),
        el('dt', null, t('alerts.detail.last')), el('dd', { class: 'time' }, fmtTime(a.last_us)),
        el('dt', null, t('alerts.detail.status')), el('dd', { id: 'alert-status', dataset: { status: a.status } }, statusLine),
        a.note ? [el('dt', null, t('alerts.detail.note')), el('dd', { class: 'alert-note-text' }, a.note)] : null);
      const sessions = a.sessions || [];
      const ids = sessions.map((s) => s.id);
      const evRows = sessions.map((s) => el('tr', { dataset: { session: s.id } },
        el('td', { class: 'time' }, fmtTime(s.start_us)),
        el('td', null, endpoint(s.src)),
        el('td', null, endpoint(s.dst)),
        el('td', { class: 'mono' }, [s.proto].concat(s.protocols || []).join(' ')),
        el('td', null, t('alerts.state.' + s.state)),
        el('td', { class: 'num' }, fmtBytes(s.bytes)),
        el('td', { class: 'links' },
          el('a', { class: 'alert-session-link', href: sessionsHref([s.id]) }, t('alerts.ev.session')),
          ' ',
          el('a', { class: 'alert-pcap', href: '/api/sessions/' + s.id + '/pcap', download: 'session-' + s.id + '.pcap' },
            t('alerts.ev.pcap')))));
      append(detail,
        el('div', { class: 'detail-head' },
          el('h2', null, t('alerts.detail.title', { id: a.id, kind: kindTitle(a) })),
          el('button', { type: 'button', class: 'alert-close', onclick: () => nav({ id: '' }) }, t('alerts.detail.close'))),
        el('p', { class: 'alert-explanation' }, explanation(a)),
        dl,
        admin ? el('div', { class: 'toolbar alert-actions' },
          el('label', { class: 'field' }, el('span', null, t('alerts.note')), note),
          actionButtons(a, note)) : null,
        el('h3', null, t('alerts.detail.evidence')),
        sessions.length ? el('p', { class: 'hint' }, t('alerts.detail.evidenceNote', {
          shown: fmtNumber(sessions.length), linked: fmtNumber(a.evidence_linked || 0), max: a.evidence_max,
        })) : el('p', { class: 'empty' }, t('alerts.detail.evidenceNone')),
        sessions.length ? el('p', null, el('a', { id: 'alert-evidence-all', href: sessionsHref(ids) },
          t('alerts.detail.evidenceAll'))) : null,
        sessions.length ? el('table', { id: 'alert-evidence', class: 'grid' },
          el('thead', null, el('tr', null,
            ['start', 'src', 'dst', 'proto', 'state', 'bytes', 'links'].map((c) =>
              el('th', { class: c === 'bytes' ? 'num' : null }, t('alerts.ev.' + c))))),
          el('tbody', null, evRows)) : null);
    }

    async function load() {
      let r;
      try {
        r = await api('GET', qs('/api/alerts', { status, kind, limit: 500 }));
      } catch (e) {
        clear(listBox).append(el('p', { class: 'error' }, errText(e)));
        return;
      }
      if (kindSel.options.length === 1) {
        for (const k of r.kinds || []) {
          kindSel.append(el('option', { value: k.name, selected: k.name === kind },
            (k.title && (k.title[getLang()] || k.title.en)) || k.name));
        }
      }
      const rows = r.items.map((a) => el('tr', {
        class: (SEV_CLASS[a.severity] || '') + (String(a.id) === selected ? ' selected' : ''),
        dataset: { id: a.id, status: a.status, kind: a.kind },
        tabindex: 0,
        onclick: () => nav({ id: String(a.id) }),
        onkeydown: (ev) => { if (ev.key === 'Enter') nav({ id: String(a.id) }); },
      },
      el('td', null, sevBadge(a.severity)),
      el('td', { class: 'alert-what' }, el('div', { class: 'alert-kind' }, kindTitle(a)),
        el('div', { class: 'alert-text' }, explanation(a))),
      el('td', { class: 'alert-hosts' }, hostsEl(a)),
      el('td', { class: 'num' }, fmtNumber(a.count)),
      el('td', { class: 'time' }, fmtTime(a.first_us)),
      el('td', { class: 'time' }, fmtTime(a.last_us)),
      el('td', { class: 'alert-status' }, t('alerts.status.' + a.status)),
      admin ? el('td', { class: 'alert-row-actions' }, actionButtons(a, null)) : null));
      const cols = ['severity', 'what', 'hosts', 'count', 'first', 'last', 'status'].concat(admin ? ['actions'] : []);
      append(clear(listBox),
        rows.length ? el('table', { id: 'alerts-table', class: 'grid' },
          el('thead', null, el('tr', null, cols.map((c) =>
            el('th', { class: c === 'count' ? 'num' : null }, t('alerts.col.' + c))))),
          el('tbody', null, rows)) : el('p', { class: 'empty', id: 'alerts-empty' }, t('alerts.none')),
        r.more ? el('p', { class: 'hint' }, t('alerts.more', { n: r.items.length })) : null);
      if (selected) await showDetail(selected);
    }

    await load();
  },
};
