// pages/daily.js - the daily check, the app's first page: what a person
// reads in two minutes each morning. For one day of the browser's calendar
// (the last day with data unless #/daily?day=YYYY-MM-DD): a few headline
// sentences, what is new (devices, communications, alerts), the alerts open
// now, the traffic of the busiest hosts hour by hour (a small SVG drawn with
// DOM calls, one row per host), and capture health (drops, disk).
//
// Ids and classes for the browser tests:
//   #daily-day               the day shown (data-day=YYYY-MM-DD); a#daily-prev,
//                            a#daily-next, input#daily-pick
//   ul#daily-headlines       li (data-key: devices, communications, alerts, capture, disk)
//   #daily-new               ul#daily-new-assets li[data-ip|data-mac],
//                            ul#daily-new-comms li[data-id], ul#daily-new-alerts li[data-id]
//   #daily-alerts            the open alerts: #daily-alert-counts, ul#daily-top-alerts
//                            li[data-id] (a to #/alerts?id=ID)
//   #daily-traffic           table#daily-traffic-table tr[data-ip] with svg.spark
//                            (rect.bar[data-hour]); buttons #daily-metric-sessions,
//                            #daily-metric-bytes
//   #daily-health            table#daily-capture tr[data-iface], #daily-disk
// Host names come from packets: only text nodes (dom.js el(); SVG made with
// createElementNS and textContent).
import './daily.css';
import { el, clear } from '../dom.js';
import { t, errText, fmtTime, fmtNumber, fmtBytes, vendorText } from '../i18n.js';
import { api, qs } from '../api.js';
import { append, hostLabel, hostEl, sevBadge, explanation, kindTitle } from './alerts.js';

const SVGNS = 'http://www.w3.org/2000/svg';
const SEVS = ['critical', 'high', 'medium', 'low'];
const DISK_LOW = 0.1;   // warn below 10% free

function svg(tag, attrs, ...children) {
  const e = document.createElementNS(SVGNS, tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v !== undefined && v !== null) e.setAttribute(k, String(v));
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined) continue;
    e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return e;
}

// The browser's offset on that day (minutes, UTC - local), so the day is
// local even across a daylight-saving change.
function tzOffset(day) {
  if (day && /^\d{4}-\d{2}-\d{2}$/.test(day)) {
    const [y, m, d] = day.split('-').map(Number);
    return new Date(y, m - 1, d, 12).getTimezoneOffset();
  }
  return new Date().getTimezoneOffset();
}

// A plural-aware sentence: key.one for 1, key.other else (English needs it;
// the Japanese entries are the same for both).
function count(key, n, params) {
  return t(key + (n === 1 ? '.one' : '.other'), { n: fmtNumber(n), ...(params || {}) });
}

function hh(h) { return String(h).padStart(2, '0') + ':00'; }

function sparkline(host, metric, max) {
  const W = 288, H = 30, BW = W / 24;
  const vals = metric === 'bytes' ? host.hourly_bytes : host.hourly_sessions;
  const bars = vals.map((v, i) => {
    const h = max > 0 && v > 0 ? Math.max(2, Math.round((v / max) * (H - 2))) : 0;
    const tip = t('daily.traffic.tip', {
      from: hh(i), to: hh(i + 1), sessions: fmtNumber(host.hourly_sessions[i]),
      bytes: fmtBytes(host.hourly_bytes[i]),
    });
    return svg('rect', {
      class: 'bar' + (v > 0 ? '' : ' zero'), 'data-hour': i, x: (i * BW + 1).toFixed(1), y: H - h,
      width: (BW - 2).toFixed(1), height: h,
    }, svg('title', null, tip));
  });
  return svg('svg', {
    class: 'spark', width: W, height: H, viewBox: '0 0 ' + W + ' ' + H, role: 'img',
    'aria-label': t('daily.traffic.aria', { host: hostLabel(host.host) }),
  }, svg('line', { class: 'base', x1: 0, y1: H - 0.5, x2: W, y2: H - 0.5 }), bars);
}

function hourAxis() {
  const W = 288, H = 16, BW = W / 24;
  const ticks = [0, 3, 6, 9, 12, 15, 18, 21, 24].map((h) => svg('text', {
    x: Math.min(Math.max(h * BW, 8), W - 8), y: 12, 'text-anchor': 'middle',
  }, String(h)));
  return svg('svg', { class: 'axis', width: W, height: H, viewBox: '0 0 ' + W + ' ' + H, 'aria-hidden': 'true' }, ticks);
}

function trafficTable(traffic, metric) {
  const hosts = traffic.hosts || [];
  let max = 0;
  for (const h of hosts) for (const v of (metric === 'bytes' ? h.hourly_bytes : h.hourly_sessions)) max = Math.max(max, v);
  return el('table', { id: 'daily-traffic-table', class: 'grid' },
    el('thead', null, el('tr', null,
      el('th', null, t('daily.traffic.host')),
      el('th', { class: 'chart' }, t('daily.traffic.hours'), el('div', null, hourAxis())),
      el('th', { class: 'num' }, t('daily.traffic.sessions')),
      el('th', { class: 'num' }, t('daily.traffic.bytes')))),
    el('tbody', null, hosts.map((h) => el('tr', { dataset: { ip: h.host.ip } },
      el('td', null, hostEl(h.host)),
      el('td', { class: 'chart' }, sparkline(h, metric, max)),
      el('td', { class: 'num' }, fmtNumber(h.sessions)),
      el('td', { class: 'num' }, fmtBytes(h.bytes))))));
}

function headlines(d) {
  const out = [];
  const n = d.new;
  const add = (key, cls, text) => out.push(el('li', { class: cls, dataset: { key } }, text));
  add('devices', n.assets_total ? 'st-new' : 'st-baseline',
    n.assets_total ? count('daily.h.devices', n.assets_total) : t('daily.h.devices.none'));
  add('communications', n.communications_total ? 'st-new' : 'st-baseline',
    n.communications_total ? count('daily.h.comms', n.communications_total) : t('daily.h.comms.none'));
  const a = d.alerts;
  if (a.open) {
    const parts = SEVS.filter((s) => a.by_severity[s]).map((s) =>
      t('daily.h.sevpart', { n: fmtNumber(a.by_severity[s]), sev: t('alerts.sev.' + s) }));
    const worst = SEVS.find((s) => a.by_severity[s]) || 'low';
    add('alerts', worst === 'critical' || worst === 'high' ? 'sev-high' : 'sev-medium',
      count('daily.h.alerts', a.open, { parts: parts.join(t('daily.h.sep')) }));
  } else {
    add('alerts', 'st-baseline', t('daily.h.alerts.none'));
  }
  if (n.alerts_total) add('alerts-new', 'sev-medium', count('daily.h.alertsNew', n.alerts_total));
  const ifs = d.health.interfaces || [];
  if (!ifs.length) {
    add('capture', 'muted', t('daily.h.capture.none'));
  } else {
    const drops = ifs.reduce((s, i) => s + i.dropped + i.ifdropped, 0);
    add('capture', drops ? 'sev-high' : 'st-baseline',
      drops ? count('daily.h.drops', drops) : t('daily.h.drops.none'));
  }
  const db = d.health.database || {};
  if (db.fs_total_bytes) {
    const free = db.fs_free_bytes / db.fs_total_bytes;
    add('disk', free < DISK_LOW ? 'sev-high' : 'st-baseline',
      t(free < DISK_LOW ? 'daily.h.disk.low' : 'daily.h.disk.ok', {
        free: fmtBytes(db.fs_free_bytes), pct: Math.round(free * 100),
      }));
  }
  return el('ul', { id: 'daily-headlines', class: 'headlines' }, out);
}

// "maint (maintenance server) → plc (PLC)" of an alert.
function alertHosts(a) {
  const src = (a.hosts || []).filter((h) => h.side === 'src').map(hostLabel);
  const dst = (a.hosts || []).filter((h) => h.side !== 'src').map(hostLabel);
  if (dst.length > 3) dst.splice(3, dst.length - 3, '…');
  return src.join(', ') + (src.length && dst.length ? ' → ' : '') + dst.join(', ');
}

function commLabel(c) {
  const port = c.proto + (c.port ? '/' + c.port : '') + (c.app ? ' ' + c.app : '');
  return [hostEl(c.client), ' → ', hostEl(c.server), ' ', el('span', { class: 'mono' }, port)];
}

// At most SHOW items per list on the page (the API sends up to 50): the
// rest is one click away.
const SHOW = 8;

function newSection(d) {
  const n = d.new;
  const more = (shown, total, href) => (total > shown
    ? el('li', { class: 'hint more' }, el('a', { href }, t('daily.new.more', { n: fmtNumber(total - shown) })))
    : null);
  const assets = n.assets.slice(0, SHOW).map((a) => el('li', { class: 'st-new', dataset: a.ip ? { ip: a.ip } : { mac: a.mac } },
    el('span', { class: 'host' }, a.ip ? hostLabel(a) : a.mac),
    a.ip && a.mac ? el('span', { class: 'mono muted' }, ' ' + a.mac) : null,
    a.vendor ? el('span', { class: 'muted' }, ' ' + vendorText(a.vendor)) : null,
    el('span', { class: 'time muted' }, ' ' + t('daily.new.firstSeen', { time: fmtTime(a.first_us) }))));
  const comms = n.communications.slice(0, SHOW).map((c) => el('li', { class: 'st-new', dataset: { id: c.id } },
    commLabel(c), el('span', { class: 'muted' }, ' ' + t('daily.new.sessions', { n: fmtNumber(c.sessions) })),
    el('span', { class: 'time muted' }, ' ' + t('daily.new.firstSeen', { time: fmtTime(c.first_us) }))));
  const alerts = n.alerts.slice(0, SHOW).map((a) => el('li', { class: 'sev-' + (a.severity === 'critical' ? 'high' : a.severity), dataset: { id: a.id } },
    sevBadge(a.severity), ' ',
    el('a', { href: '#/alerts?' + new URLSearchParams({ status: 'any', id: a.id }).toString() }, kindTitle(a)),
    ' ', el('span', { class: 'alert-hosts' }, alertHosts(a)),
    el('span', { class: 'time muted' }, ' ' + fmtTime(a.first_us))));
  const list = (id, items, total, none, href) => (items.length
    ? el('ul', { id, class: 'items' }, items, more(items.length, total, href))
    : el('p', { id, class: 'empty' }, none));
  return el('section', { id: 'daily-new', class: 'panel' },
    el('h2', null, t('daily.new.title')),
    el('h3', null, t('daily.new.devices', { n: fmtNumber(n.assets_total) })),
    list('daily-new-assets', assets, n.assets_total, t('daily.new.devices.none'), '#/assets'),
    el('h3', null, t('daily.new.comms', { n: fmtNumber(n.communications_total) })),
    list('daily-new-comms', comms, n.communications_total, t('daily.new.comms.none'), '#/baseline'),
    el('h3', null, t('daily.new.alerts', { n: fmtNumber(n.alerts_total) })),
    list('daily-new-alerts', alerts, n.alerts_total, t('daily.new.alerts.none'), '#/alerts?status=any'));
}

function alertsSection(d) {
  const a = d.alerts;
  const counts = el('p', { id: 'daily-alert-counts' },
    t('daily.alerts.counts', { open: fmtNumber(a.open), ack: fmtNumber(a.acknowledged) }), ' ',
    SEVS.map((s) => el('span', { class: 'badge ' + (s === 'critical' ? 'sev-critical' : 'sev-' + s), dataset: { sev: s } },
      t('alerts.sev.' + s) + ' ' + fmtNumber(a.by_severity[s]))));
  const top = a.top.map((x) => el('li', { class: 'sev-' + (x.severity === 'critical' ? 'high' : x.severity), dataset: { id: x.id } },
    sevBadge(x.severity), ' ',
    el('a', { href: '#/alerts?' + new URLSearchParams({ status: 'active', id: x.id }).toString() }, kindTitle(x)),
    ' ', el('span', null, explanation(x)),
    el('span', { class: 'time muted' }, ' ' + t('daily.alerts.last', { time: fmtTime(x.last_us) }))));
  return el('section', { id: 'daily-alerts', class: 'panel' },
    el('h2', null, t('daily.alerts.title')), counts,
    top.length ? el('ul', { id: 'daily-top-alerts', class: 'items' }, top)
      : el('p', { class: 'empty' }, t('daily.alerts.none')),
    el('p', null, el('a', { href: '#/alerts?status=active' }, t('daily.alerts.all'))));
}

function healthSection(d) {
  const h = d.health;
  const ifs = h.interfaces || [];
  const db = h.database || {};
  const pk = h.packets || {};
  const disk = [];
  disk.push(el('li', null, t('daily.health.db', {
    size: fmtBytes((db.bytes || 0) + (db.wal_bytes || 0)),
  }), db.fs_total_bytes ? ' ' + t('daily.health.free', {
    free: fmtBytes(db.fs_free_bytes), total: fmtBytes(db.fs_total_bytes),
  }) : ''));
  disk.push(el('li', null, pk.files ? t('daily.health.pcap', {
    files: fmtNumber(pk.files), size: fmtBytes(pk.bytes), from: fmtTime(pk.first_us), to: fmtTime(pk.last_us),
  }) : t('daily.health.pcap.none'), pk.fs_total_bytes ? ' ' + t('daily.health.free', {
    free: fmtBytes(pk.fs_free_bytes), total: fmtBytes(pk.fs_total_bytes),
  }) : ''));
  return el('section', { id: 'daily-health', class: 'panel' },
    el('h2', null, t('daily.health.title')),
    ifs.length ? el('table', { id: 'daily-capture', class: 'grid' },
      el('thead', null, el('tr', null, ['iface', 'point', 'at', 'received', 'dropped', 'ifdropped', 'pct'].map((c) =>
        el('th', { class: ['received', 'dropped', 'ifdropped', 'pct'].includes(c) ? 'num' : null }, t('daily.health.' + c))))),
      el('tbody', null, ifs.map((i) => el('tr', {
        dataset: { iface: i.interface }, class: i.dropped || i.ifdropped ? 'sev-high' : 'st-baseline',
      },
      el('td', { class: 'mono' }, i.interface), el('td', null, i.point || '-'),
      el('td', { class: 'time' }, fmtTime(i.ts_us)),
      el('td', { class: 'num' }, fmtNumber(i.received)),
      el('td', { class: 'num' }, fmtNumber(i.dropped)),
      el('td', { class: 'num' }, fmtNumber(i.ifdropped)),
      el('td', { class: 'num' }, i.drop_percent.toFixed(2) + '%')))))
      : el('p', { class: 'hint' }, t('daily.health.nocapture')),
    el('ul', { id: 'daily-disk', class: 'items' }, disk));
}

export default {
  id: 'daily',
  nav: 'nav.daily',
  strings: {
    en: {
      'daily.title': 'Daily check: {day}',
      'daily.prev': '← Previous day',
      'daily.next': 'Next day →',
      'daily.pick': 'Day',
      'daily.lastData': 'Newest data: {time}',
      'daily.noData': 'No data stored yet.',
      'daily.loading': 'Loading…',
      'daily.h.devices.one': '1 new device since yesterday.',
      'daily.h.devices.other': '{n} new devices since yesterday.',
      'daily.h.devices.none': 'No new devices since yesterday.',
      'daily.h.comms.one': '1 new communication outside the baseline.',
      'daily.h.comms.other': '{n} new communications outside the baseline.',
      'daily.h.comms.none': 'No new communications outside the baseline.',
      'daily.h.alerts.one': '1 open alert: {parts}.',
      'daily.h.alerts.other': '{n} open alerts: {parts}.',
      'daily.h.alerts.none': 'No open alerts.',
      'daily.h.sevpart': '{n} {sev}',
      'daily.h.sep': ', ',
      'daily.h.alertsNew.one': '1 alert was raised this day.',
      'daily.h.alertsNew.other': '{n} alerts were raised this day.',
      'daily.h.drops.one': 'Capture dropped 1 packet: some traffic was not seen.',
      'daily.h.drops.other': 'Capture dropped {n} packets: some traffic was not seen.',
      'daily.h.drops.none': 'Capture kept up: no packets dropped.',
      'daily.h.capture.none': 'No live capture statistics (the data was imported from files).',
      'daily.h.disk.ok': 'Disk: {free} free ({pct}%).',
      'daily.h.disk.low': 'Disk almost full: only {free} free ({pct}%).',
      'daily.new.title': 'New since yesterday',
      'daily.new.devices': 'Devices first seen ({n})',
      'daily.new.devices.none': 'No new devices.',
      'daily.new.comms': 'New communications ({n})',
      'daily.new.comms.none': 'No new communications.',
      'daily.new.alerts': 'Alerts raised ({n})',
      'daily.new.alerts.none': 'No alerts were raised.',
      'daily.new.firstSeen': 'first seen {time}',
      'daily.new.sessions': '{n} sessions',
      'daily.new.more': '… and {n} more',
      'daily.alerts.title': 'Open alerts',
      'daily.alerts.counts': '{open} open, {ack} acknowledged.',
      'daily.alerts.none': 'Nothing is waiting.',
      'daily.alerts.last': 'last seen {time}',
      'daily.alerts.all': 'All open and acknowledged alerts',
      'daily.traffic.title': 'Traffic per host over the day',
      'daily.traffic.intro': 'The busiest hosts, one row each; each bar is one hour of the day (your local time).',
      'daily.traffic.host': 'Host',
      'daily.traffic.hours': 'Hour of the day',
      'daily.traffic.sessions': 'Sessions',
      'daily.traffic.bytes': 'Bytes',
      'daily.traffic.show': 'Bars show:',
      'daily.traffic.tip': '{from}–{to}: {sessions} sessions, {bytes}',
      'daily.traffic.aria': 'Traffic of {host} per hour',
      'daily.traffic.total': '{sessions} sessions and {bytes} between {hosts} hosts in this day.',
      'daily.traffic.none': 'No traffic in this day.',
      'daily.health.title': 'Capture health',
      'daily.health.iface': 'Interface',
      'daily.health.point': 'Capture point',
      'daily.health.at': 'Statistics at',
      'daily.health.received': 'Received',
      'daily.health.dropped': 'Dropped (kernel)',
      'daily.health.ifdropped': 'Dropped (interface)',
      'daily.health.pct': 'Dropped',
      'daily.health.nocapture': 'No live capture has stored statistics in this database.',
      'daily.health.db': 'Database: {size}.',
      'daily.health.free': 'Its disk: {free} free of {total}.',
      'daily.health.pcap': 'Packet files: {files} files, {size}, from {from} to {to}.',
      'daily.health.pcap.none': 'Packet files: none (no live capture stores packets here).',
    },
    ja: {
      'daily.title': '日次点検：{day}',
      'daily.prev': '← 前の日',
      'daily.next': '次の日 →',
      'daily.pick': '日付',
      'daily.lastData': '最新のデータ：{time}',
      'daily.noData': 'まだデータがありません。',
      'daily.loading': '読み込み中…',
      'daily.h.devices.one': '前日から新しい機器が 1 台見つかりました。',
      'daily.h.devices.other': '前日から新しい機器が {n} 台見つかりました。',
      'daily.h.devices.none': '前日から新しい機器はありません。',
      'daily.h.comms.one': 'ベースラインにない新しい通信が 1 件ありました。',
      'daily.h.comms.other': 'ベースラインにない新しい通信が {n} 件ありました。',
      'daily.h.comms.none': 'ベースラインにない新しい通信はありません。',
      'daily.h.alerts.one': '未対応のアラートが 1 件あります（{parts}）。',
      'daily.h.alerts.other': '未対応のアラートが {n} 件あります（{parts}）。',
      'daily.h.alerts.none': '未対応のアラートはありません。',
      'daily.h.sevpart': '{sev} {n} 件',
      'daily.h.sep': '、',
      'daily.h.alertsNew.one': 'この日に 1 件のアラートが発生しました。',
      'daily.h.alertsNew.other': 'この日に {n} 件のアラートが発生しました。',
      'daily.h.drops.one': 'キャプチャで 1 パケットを取りこぼしました。一部の通信が記録されていません。',
      'daily.h.drops.other': 'キャプチャで {n} パケットを取りこぼしました。一部の通信が記録されていません。',
      'daily.h.drops.none': 'キャプチャは正常です。取りこぼしはありません。',
      'daily.h.capture.none': 'ライブキャプチャの統計はありません（データはファイルから取り込まれました）。',
      'daily.h.disk.ok': 'ディスクの空き容量：{free}（{pct}%）。',
      'daily.h.disk.low': 'ディスクの空き容量が残りわずかです：{free}（{pct}%）。',
      'daily.new.title': '前日からの新しい事項',
      'daily.new.devices': '初めて見つかった機器（{n}）',
      'daily.new.devices.none': '新しい機器はありません。',
      'daily.new.comms': '新しい通信（{n}）',
      'daily.new.comms.none': '新しい通信はありません。',
      'daily.new.alerts': '発生したアラート（{n}）',
      'daily.new.alerts.none': 'アラートは発生していません。',
      'daily.new.firstSeen': '初回検知 {time}',
      'daily.new.sessions': '{n} セッション',
      'daily.new.more': '…ほか {n} 件',
      'daily.alerts.title': '未対応のアラート',
      'daily.alerts.counts': '未対応 {open} 件、確認済み {ack} 件。',
      'daily.alerts.none': '対応待ちのアラートはありません。',
      'daily.alerts.last': '最終検知 {time}',
      'daily.alerts.all': '未対応・確認済みのアラートをすべて表示',
      'daily.traffic.title': 'ホストごとの 1 日の通信量',
      'daily.traffic.intro': '通信量の多いホストを 1 行ずつ表示します。棒 1 本が 1 時間です（お使いの端末の現地時刻）。',
      'daily.traffic.host': 'ホスト',
      'daily.traffic.hours': '時刻',
      'daily.traffic.sessions': 'セッション数',
      'daily.traffic.bytes': 'バイト数',
      'daily.traffic.show': '棒の表示：',
      'daily.traffic.tip': '{from}～{to}：{sessions} セッション、{bytes}',
      'daily.traffic.aria': '{host} の時間ごとの通信量',
      'daily.traffic.total': 'この日は {hosts} 台のホストの間で {sessions} セッション、{bytes} の通信がありました。',
      'daily.traffic.none': 'この日の通信はありません。',
      'daily.health.title': 'キャプチャの状態',
      'daily.health.iface': 'インターフェース',
      'daily.health.point': 'キャプチャ地点',
      'daily.health.at': '統計の時刻',
      'daily.health.received': '受信',
      'daily.health.dropped': '取りこぼし（カーネル）',
      'daily.health.ifdropped': '取りこぼし（インターフェース）',
      'daily.health.pct': '取りこぼし率',
      'daily.health.nocapture': 'このデータベースにはライブキャプチャの統計が保存されていません。',
      'daily.health.db': 'データベース：{size}。',
      'daily.health.free': 'ディスクの空き容量：{total} 中 {free}。',
      'daily.health.pcap': 'パケットファイル：{files} 個、{size}、{from} から {to} まで。',
      'daily.health.pcap.none': 'パケットファイル：なし（ここにパケットを保存するライブキャプチャはありません）。',
    },
  },

  async render(root, ctx) {
    const day = ctx.params.get('day') || '';
    const metric = ctx.params.get('metric') === 'bytes' ? 'bytes' : 'sessions';
    const loading = el('p', { class: 'loading' }, t('daily.loading'));
    root.append(el('h1', null, t('nav.daily')), loading);
    let d;
    try {
      d = await api('GET', qs('/api/daily', { day, tz: tzOffset(day) }));
    } catch (e) {
      clear(root).append(el('h1', null, t('nav.daily')), el('p', { class: 'error' }, errText(e)));
      return;
    }
    const go = (params) => ctx.go('daily', Object.fromEntries(Object.entries({ day: d.day, metric, ...params })
      .filter(([, v]) => v && !(v === 'sessions'))));
    const pick = el('input', {
      id: 'daily-pick', type: 'date', value: d.day, 'aria-label': t('daily.pick'),
      onchange: (e) => { if (e.target.value) go({ day: e.target.value }); },
    });
    const metricBtn = (m) => el('button', {
      type: 'button', id: 'daily-metric-' + m, class: m === metric ? 'active' : null,
      'aria-pressed': m === metric ? 'true' : 'false', onclick: () => go({ metric: m }),
    }, t('daily.traffic.' + m));
    const tr = d.traffic;
    append(clear(root),
      el('div', { id: 'daily-day', class: 'daily-head', dataset: { day: d.day } },
        el('h1', null, t('daily.title', { day: d.day })),
        el('div', { class: 'inline' },
          el('a', { id: 'daily-prev', href: '#/daily?day=' + d.prev_day }, t('daily.prev')),
          pick,
          el('a', { id: 'daily-next', href: '#/daily?day=' + d.next_day }, t('daily.next')))),
      el('p', { class: 'hint' }, d.last_data_us ? t('daily.lastData', { time: fmtTime(d.last_data_us) }) : t('daily.noData')),
      headlines(d),
      el('div', { class: 'daily-cols' }, newSection(d), alertsSection(d)),
      el('section', { id: 'daily-traffic', class: 'panel' },
        el('h2', null, t('daily.traffic.title')),
        el('p', { class: 'hint' }, t('daily.traffic.intro')),
        tr.hosts.length ? [
          el('div', { class: 'toolbar' }, t('daily.traffic.show'), metricBtn('sessions'), metricBtn('bytes')),
          trafficTable(tr, metric),
          el('p', { class: 'hint', id: 'daily-traffic-total' }, t('daily.traffic.total', {
            sessions: fmtNumber(tr.sessions), bytes: fmtBytes(tr.bytes), hosts: fmtNumber(tr.hosts_total),
          })),
        ] : el('p', { class: 'empty' }, t('daily.traffic.none'))),
      healthSection(d));
  },
};
