// pages/status.js - is capture keeping up? Per interface the latest
// statistics `otwatch capture` stored (packets received, dropped by the
// kernel because otwatch was too slow, dropped by the interface, the drop
// percentage, packet and drop rates over about the last minute), the size
// of the database and of the packet store, the stored session count, and
// the most recent packet files and imported files. The same numbers as
// `otwatch status` (both use store/capstatus.c).
//
// Route: #/status
//
// Ids and classes for the browser tests:
//   #status-db-size            database file + WAL (data-bytes: the sum)
//   #status-sessions           stored sessions (data-count)
//   #status-pcap-size          packet store: files, size (data-bytes; "none")
//   table#status-interfaces    tbody tr[data-interface]: td.if-name, td.if-point,
//                              td.if-received, td.if-dropped, td.if-ifdropped,
//                              td.if-droppct, td.if-pps, td.if-dps, td.if-time
//   #status-no-capture         shown when no capture statistics exist
//   #status-drop-warning       shown when packets were dropped
//   table#status-pcap-files    the latest packet files (newest first)
//   table#status-imported-files   the latest imported files (newest first)
//   button#status-refresh
import './status.css';
import { el, clear } from '../dom.js';
import { t, errText, fmtTime, fmtNumber, fmtBytes } from '../i18n.js';
import { api } from '../api.js';

const strings = {
  en: {
    'status.title': 'Status',
    'status.intro': 'Whether capture keeps up, and how much is stored.',
    'status.refresh': 'Refresh',
    'status.loading': 'Loading…',
    'status.storage': 'Storage',
    'status.db': 'Database',
    'status.db.value': '{total} (file {file} + log {wal})',
    'status.sessions': 'Stored sessions',
    'status.pcap': 'Packet store',
    'status.pcap.value': '{files} files, {bytes}, {packets} packets',
    'status.pcap.range': 'from {first} to {last}',
    'status.pcap.none': 'No packet files',
    'status.interfaces': 'Capture interfaces',
    'status.no_capture': 'No capture statistics: live capture (otwatch capture) has not run on this database.',
    'status.drop_warning': 'Packets were dropped: otwatch did not see all traffic. See docs/CAPTURE.md (buffer size, CPU, disk).',
    'status.if.name': 'Interface',
    'status.if.point': 'Capture point',
    'status.if.received': 'Received',
    'status.if.dropped': 'Dropped (kernel)',
    'status.if.ifdropped': 'Dropped (interface)',
    'status.if.droppct': 'Drop rate',
    'status.if.pps': 'Packets/s',
    'status.if.dps': 'Drops/s',
    'status.if.time': 'Statistics at',
    'status.if.started': 'Counting since {time}',
    'status.unknown': '-',
    'status.pcap_files': 'Latest packet files',
    'status.imported': 'Latest imported files',
    'status.none': 'None.',
    'status.file.path': 'File',
    'status.file.point': 'Capture point',
    'status.file.size': 'Size',
    'status.file.packets': 'Packets',
    'status.file.sessions': 'Sessions',
    'status.file.first': 'First packet',
    'status.file.last': 'Last packet',
    'status.file.imported': 'Imported at',
    'status.file.status': 'State',
    'status.file.state.complete': 'Complete',
    'status.file.state.importing': 'Importing or interrupted',
    'status.file.state.damaged': 'Damaged (read up to the fault)',
    'status.file.state.interrupted': 'Stopped',
  },
  ja: {
    'status.title': '状態',
    'status.intro': 'キャプチャが追いついているか、どれだけ保存されているかを示します。',
    'status.refresh': '更新',
    'status.loading': '読み込み中…',
    'status.storage': '保存領域',
    'status.db': 'データベース',
    'status.db.value': '{total} (ファイル {file} + ログ {wal})',
    'status.sessions': '保存済みセッション数',
    'status.pcap': 'パケット保存領域',
    'status.pcap.value': '{files} ファイル、{bytes}、{packets} パケット',
    'status.pcap.range': '{first} から {last} まで',
    'status.pcap.none': 'パケットファイルはありません',
    'status.interfaces': 'キャプチャ中のインターフェース',
    'status.no_capture': 'キャプチャの統計はありません。このデータベースではライブキャプチャが実行されていません。',
    'status.drop_warning': 'パケットの取りこぼしがありました。otwatch はすべての通信を確認できていません。バッファサイズ、CPU 負荷、ディスクの速度をご確認ください。',
    'status.if.name': 'インターフェース',
    'status.if.point': 'キャプチャ地点',
    'status.if.received': '受信',
    'status.if.dropped': '取りこぼし (カーネル)',
    'status.if.ifdropped': '取りこぼし (インターフェース)',
    'status.if.droppct': '取りこぼし率',
    'status.if.pps': 'パケット/秒',
    'status.if.dps': '取りこぼし/秒',
    'status.if.time': '統計の時刻',
    'status.if.started': '{time} から集計',
    'status.unknown': '-',
    'status.pcap_files': '最近のパケットファイル',
    'status.imported': '最近取り込んだファイル',
    'status.none': 'ありません。',
    'status.file.path': 'ファイル',
    'status.file.point': 'キャプチャ地点',
    'status.file.size': 'サイズ',
    'status.file.packets': 'パケット数',
    'status.file.sessions': 'セッション数',
    'status.file.first': '最初のパケット',
    'status.file.last': '最後のパケット',
    'status.file.imported': '取り込み日時',
    'status.file.state.complete': '完了',
    'status.file.status': '状態',
    'status.file.state.importing': '取り込み中または中断',
    'status.file.state.damaged': '破損 (破損箇所まで読み込み済み)',
    'status.file.state.interrupted': '停止',
  },
};

function rate(v) {
  if (v === null || v === undefined) return t('status.unknown');
  return fmtNumber(Math.round(v * 10) / 10);
}

function table(id, heads, rows) {
  return el('table', { id, class: 'grid' },
    el('thead', null, el('tr', null, heads.map(([k, num]) => el('th', { class: num ? 'num' : null }, t(k))))),
    el('tbody', null, rows));
}

function draw(body, r) {
  clear(body);
  const db = r.database || {};
  const total = (db.bytes || 0) + (db.wal_bytes || 0);
  const pf = r.packet_files;
  body.append(el('section', { class: 'panel' },
    el('h2', null, t('status.storage')),
    el('dl', { class: 'status-kv' },
      el('dt', null, t('status.db')),
      el('dd', { id: 'status-db-size', dataset: { bytes: total }, title: db.path || '' },
        t('status.db.value', { total: fmtBytes(total), file: fmtBytes(db.bytes || 0), wal: fmtBytes(db.wal_bytes || 0) })),
      el('dt', null, t('status.sessions')),
      el('dd', { id: 'status-sessions', dataset: { count: r.sessions || 0 } }, fmtNumber(r.sessions || 0)),
      el('dt', null, t('status.pcap')),
      pf
        ? el('dd', { id: 'status-pcap-size', dataset: { bytes: pf.bytes } },
          t('status.pcap.value', { files: fmtNumber(pf.files), bytes: fmtBytes(pf.bytes), packets: fmtNumber(pf.packets) }),
          pf.first_us ? ' ' + t('status.pcap.range', { first: fmtTime(pf.first_us), last: fmtTime(pf.last_us) }) : '')
        : el('dd', { id: 'status-pcap-size', dataset: { bytes: 0 } }, t('status.pcap.none')))));

  const ifs = r.interfaces || [];
  const sec = el('section', { class: 'panel' }, el('h2', null, t('status.interfaces')));
  if (!ifs.length) {
    sec.append(el('p', { id: 'status-no-capture', class: 'hint' }, t('status.no_capture')));
  } else {
    if (ifs.some((i) => i.dropped || i.ifdropped)) {
      sec.append(el('p', { id: 'status-drop-warning', class: 'error' }, t('status.drop_warning')));
    }
    sec.append(table('status-interfaces', [
      ['status.if.name'], ['status.if.point'], ['status.if.received', 1], ['status.if.dropped', 1],
      ['status.if.ifdropped', 1], ['status.if.droppct', 1], ['status.if.pps', 1], ['status.if.dps', 1],
      ['status.if.time']], ifs.map((i) => el('tr', { dataset: { interface: i.interface }, class: i.dropped || i.ifdropped ? 'sev-high' : null },
      el('td', { class: 'if-name mono' }, i.interface),
      el('td', { class: 'if-point' }, i.point || ''),
      el('td', { class: 'if-received num' }, fmtNumber(i.received)),
      el('td', { class: 'if-dropped num' }, fmtNumber(i.dropped)),
      el('td', { class: 'if-ifdropped num' }, fmtNumber(i.ifdropped)),
      el('td', { class: 'if-droppct num' }, (Math.round((i.drop_percent || 0) * 100) / 100).toFixed(2) + ' %'),
      el('td', { class: 'if-pps num' }, rate(i.packets_per_second)),
      el('td', { class: 'if-dps num' }, rate(i.drops_per_second)),
      el('td', { class: 'if-time time', title: t('status.if.started', { time: fmtTime(i.started_us) }) }, fmtTime(i.time_us))))));
  }
  body.append(sec);

  const pfs = r.pcap_files || [];
  body.append(el('section', { class: 'panel' }, el('h2', null, t('status.pcap_files')),
    pfs.length ? table('status-pcap-files', [
      ['status.file.path'], ['status.file.point'], ['status.file.size', 1], ['status.file.packets', 1],
      ['status.file.first'], ['status.file.last']], pfs.map((f) => el('tr', null,
      el('td', { class: 'mono' }, f.path), el('td', null, f.point || ''),
      el('td', { class: 'num' }, fmtBytes(f.bytes || 0)), el('td', { class: 'num' }, fmtNumber(f.packets || 0)),
      el('td', { class: 'time' }, fmtTime(f.first_us)), el('td', { class: 'time' }, fmtTime(f.last_us)))))
      : el('p', { class: 'empty' }, t('status.none'))));

  const imp = r.imported_files || [];
  body.append(el('section', { class: 'panel' }, el('h2', null, t('status.imported')),
    imp.length ? table('status-imported-files', [
      ['status.file.path'], ['status.file.status'], ['status.file.size', 1], ['status.file.packets', 1],
      ['status.file.sessions', 1], ['status.file.first'], ['status.file.last'], ['status.file.imported']],
    imp.map((f) => el('tr', { dataset: { status: f.status } },
      el('td', { class: 'mono', title: f.error || '' }, f.path),
      el('td', null, t('status.file.state.' + f.status)),
      el('td', { class: 'num' }, fmtBytes(f.bytes || 0)), el('td', { class: 'num' }, fmtNumber(f.packets || 0)),
      el('td', { class: 'num' }, fmtNumber(f.sessions || 0)),
      el('td', { class: 'time' }, fmtTime(f.first_us)), el('td', { class: 'time' }, fmtTime(f.last_us)),
      el('td', { class: 'time' }, fmtTime(f.imported_us)))))
      : el('p', { class: 'empty' }, t('status.none'))));
}

export default {
  id: 'status',
  nav: 'nav.status',
  strings,
  async render(root, ctx) {
    const body = el('div', { id: 'status-body' }, el('p', { class: 'loading' }, t('status.loading')));
    const message = el('p', { id: 'status-message', role: 'status' });
    const load = async () => {
      try {
        draw(body, await api('GET', '/api/status'));
        message.textContent = '';
      } catch (e) {
        message.className = 'error';
        message.textContent = errText(e);
      }
    };
    root.append(
      el('h1', null, t('status.title')),
      el('p', { class: 'intro' }, t('status.intro')),
      el('div', { class: 'toolbar' }, el('button', { type: 'button', id: 'status-refresh', onclick: load }, t('status.refresh'))),
      message, body);
    await load();
  },
};
