// pages/assets.js - the asset inventory: every host seen, with its MAC's
// vendor, the name and role people gave it, its addresses, the names it was
// seen under, the protocols it served and used, first/last seen and the
// capture points. Administrators edit the name and role in the row (the
// server refuses viewers anyway: 403). A click on an address opens the
// host's detail: its MAC/IP bindings over time and every fact known of it.
//
// Route: #/assets?q=PATTERN&key=IP|MAC
//   q: an IP, a CIDR range, a MAC, or text (names, roles, vendors, identities),
//      matched by the server as `otwatch assets list PATTERN` does.
//
// Ids and classes for the browser tests:
//   input#assets-filter        the filter box (Enter or a pause applies it)
//   #assets-count              "N hosts"
//   table#assets-table         tbody tr[data-key] with td.asset-ip, td.asset-mac,
//                              td.asset-vendor, td.asset-name, td.asset-role,
//                              td.asset-names, td.asset-protocols, td.asset-first,
//                              td.asset-last, td.asset-points; a.asset-link opens the detail
//   button.asset-edit          (admins only) edit that row's name and role:
//                              input#asset-edit-name, input#asset-edit-role,
//                              button#asset-edit-save, button#asset-edit-cancel,
//                              button#asset-edit-clear (removes both)
//   #asset-detail              the open host (data-key): table#asset-history,
//                              table#asset-facts
//   #assets-message            the outcome of the last action (.error / .form-ok)
// Names, vendors and identities come from packets: text nodes only (el()).
import './assets.css';
import { el, clear } from '../dom.js';
import { t, errText, fmtTime, fmtNumber, vendorText } from '../i18n.js';
import { api, qs } from '../api.js';

const strings = {
  en: {
    'assets.title': 'Assets',
    'assets.intro': 'Every host seen on the network. Names and roles label hosts on every page.',
    'assets.filter': 'Filter',
    'assets.filter.placeholder': 'IP, range (192.168.10.0/24), MAC or text',
    'assets.count': '{n} hosts',
    'assets.count.more': '{n} hosts shown (more exist: narrow the filter)',
    'assets.loading': 'Loading…',
    'assets.none': 'No host matches.',
    'assets.col.ip': 'Address',
    'assets.col.mac': 'MAC',
    'assets.col.vendor': 'Vendor',
    'assets.col.name': 'Name',
    'assets.col.role': 'Role',
    'assets.col.names': 'Seen as',
    'assets.col.protocols': 'Protocols',
    'assets.col.first': 'First seen',
    'assets.col.last': 'Last seen',
    'assets.col.points': 'Capture points',
    'assets.col.sessions': 'Sessions (out / in)',
    'assets.col.actions': 'Actions',
    'assets.served': 'serves',
    'assets.used': 'uses',
    'assets.more': '… and {n} more',
    'assets.detail.served': 'Services it serves',
    'assets.detail.used': 'Services it uses',
    'assets.edit': 'Edit',
    'assets.save': 'Save',
    'assets.cancel': 'Cancel',
    'assets.clear': 'Remove name and role',
    'assets.edit.name': 'Name',
    'assets.edit.role': 'Role',
    'assets.saved': 'Saved: {key}',
    'assets.cleared': 'Name and role removed: {key}',
    'assets.from_file': 'from the settings file ({where})',
    'assets.detail.title': 'Host {key}',
    'assets.detail.close': 'Close',
    'assets.detail.history': 'Addresses and MACs over time',
    'assets.detail.facts': 'What is known of it',
    'assets.detail.mac_facts': 'What is known of its MAC',
    'assets.detail.identity': 'Identity',
    'assets.detail.l2': 'Layer-2 packets',
    'assets.hist.mac': 'MAC',
    'assets.hist.ip': 'Address',
    'assets.hist.vendor': 'Vendor',
    'assets.hist.seen_by': 'Seen by',
    'assets.hist.count': 'Count',
    'assets.hist.first': 'First seen',
    'assets.hist.last': 'Last seen',
    'assets.fact.kind': 'Kind',
    'assets.fact.value': 'Value',
    'assets.fact.count': 'Count',
    'assets.none.short': '-',
    'error.settings_file': 'This name and role come from the settings file; change them there.',
    'assets.kind.name.dhcp': 'DHCP host name',
    'assets.kind.name.nbns': 'NetBIOS name',
    'assets.kind.name.dns': 'DNS name',
    'assets.kind.name.lldp': 'LLDP system name',
    'assets.kind.name.cdp': 'CDP device ID',
    'assets.kind.name.dcp': 'PROFINET station name',
    'assets.kind.dhcp.vendor_class': 'DHCP vendor class',
    'assets.kind.enip.vendor': 'EtherNet/IP vendor',
    'assets.kind.enip.product_name': 'EtherNet/IP product',
    'assets.kind.enip.device_type': 'EtherNet/IP device type',
    'assets.kind.enip.product_code': 'EtherNet/IP product code',
    'assets.kind.enip.revision': 'EtherNet/IP revision',
    'assets.kind.enip.serial': 'EtherNet/IP serial number',
    'assets.kind.bacnet.device_instance': 'BACnet device instance',
    'assets.kind.bacnet.vendor_id': 'BACnet vendor ID',
    'assets.kind.s7.order_number': 'S7 order number',
    'assets.kind.s7.module_name': 'S7 module name',
    'assets.kind.s7.module_type': 'S7 module type',
    'assets.kind.s7.system_name': 'S7 system name',
    'assets.kind.s7.plant_id': 'S7 plant ID',
    'assets.kind.s7.serial': 'S7 serial number',
    'assets.kind.served': 'Serves',
    'assets.kind.used': 'Uses',
    'assets.kind.point': 'Capture point',
    'assets.seen.arp': 'ARP',
    'assets.seen.dhcp': 'DHCP',
    'assets.seen.nd': 'IPv6 ND',
    'assets.seen.session': 'sessions',
    'assets.seen.l2': 'other layer-2 frames',
  },
  ja: {
    'assets.title': '資産',
    'assets.intro': 'ネットワーク上で確認されたすべてのホストです。名前と役割は各ページのホスト表示に使われます。',
    'assets.filter': '絞り込み',
    'assets.filter.placeholder': 'IP、範囲 (192.168.10.0/24)、MAC または文字列',
    'assets.count': '{n} 台のホスト',
    'assets.count.more': '{n} 台を表示しています(ほかにもあります。条件を絞り込んでください)',
    'assets.loading': '読み込み中…',
    'assets.none': '該当するホストはありません。',
    'assets.col.ip': 'アドレス',
    'assets.col.mac': 'MAC',
    'assets.col.vendor': 'ベンダー',
    'assets.col.name': '名前',
    'assets.col.role': '役割',
    'assets.col.names': '検出された名前',
    'assets.col.protocols': 'プロトコル',
    'assets.col.first': '初回確認',
    'assets.col.last': '最終確認',
    'assets.col.points': 'キャプチャ地点',
    'assets.col.sessions': 'セッション (発信 / 着信)',
    'assets.col.actions': '操作',
    'assets.served': '提供',
    'assets.used': '利用',
    'assets.more': '… ほか {n} 件',
    'assets.detail.served': '提供しているサービス',
    'assets.detail.used': '利用しているサービス',
    'assets.edit': '編集',
    'assets.save': '保存',
    'assets.cancel': 'キャンセル',
    'assets.clear': '名前と役割を削除',
    'assets.edit.name': '名前',
    'assets.edit.role': '役割',
    'assets.saved': '保存しました: {key}',
    'assets.cleared': '名前と役割を削除しました: {key}',
    'assets.from_file': '設定ファイルで指定 ({where})',
    'assets.detail.title': 'ホスト {key}',
    'assets.detail.close': '閉じる',
    'assets.detail.history': 'アドレスと MAC の履歴',
    'assets.detail.facts': '判明している情報',
    'assets.detail.mac_facts': 'MAC について判明している情報',
    'assets.detail.identity': '識別情報',
    'assets.detail.l2': 'レイヤー 2 パケット数',
    'assets.hist.mac': 'MAC',
    'assets.hist.ip': 'アドレス',
    'assets.hist.vendor': 'ベンダー',
    'assets.hist.seen_by': '確認方法',
    'assets.hist.count': '回数',
    'assets.hist.first': '初回確認',
    'assets.hist.last': '最終確認',
    'assets.fact.kind': '種類',
    'assets.fact.value': '値',
    'assets.fact.count': '回数',
    'assets.none.short': '-',
    'error.settings_file': 'この名前と役割は設定ファイルで指定されています。設定ファイルで変更してください。',
    'assets.kind.name.dhcp': 'DHCP ホスト名',
    'assets.kind.name.nbns': 'NetBIOS 名',
    'assets.kind.name.dns': 'DNS 名',
    'assets.kind.name.lldp': 'LLDP システム名',
    'assets.kind.name.cdp': 'CDP デバイス ID',
    'assets.kind.name.dcp': 'PROFINET ステーション名',
    'assets.kind.dhcp.vendor_class': 'DHCP ベンダークラス',
    'assets.kind.enip.vendor': 'EtherNet/IP ベンダー',
    'assets.kind.enip.product_name': 'EtherNet/IP 製品名',
    'assets.kind.enip.device_type': 'EtherNet/IP 機器種別',
    'assets.kind.enip.product_code': 'EtherNet/IP 製品コード',
    'assets.kind.enip.revision': 'EtherNet/IP リビジョン',
    'assets.kind.enip.serial': 'EtherNet/IP シリアル番号',
    'assets.kind.bacnet.device_instance': 'BACnet デバイスインスタンス',
    'assets.kind.bacnet.vendor_id': 'BACnet ベンダー ID',
    'assets.kind.s7.order_number': 'S7 注文番号',
    'assets.kind.s7.module_name': 'S7 モジュール名',
    'assets.kind.s7.module_type': 'S7 モジュール種別',
    'assets.kind.s7.system_name': 'S7 システム名',
    'assets.kind.s7.plant_id': 'S7 プラント ID',
    'assets.kind.s7.serial': 'S7 シリアル番号',
    'assets.kind.served': '提供',
    'assets.kind.used': '利用',
    'assets.kind.point': 'キャプチャ地点',
    'assets.seen.arp': 'ARP',
    'assets.seen.dhcp': 'DHCP',
    'assets.seen.nd': 'IPv6 ND',
    'assets.seen.session': 'セッション',
    'assets.seen.l2': 'その他のレイヤー 2 フレーム',
  },
};

function list(a) { return Array.isArray(a) ? a : []; }

// A word of the API (a fact kind, a way a binding was seen) in the user's
// language; an unknown one as it came.
function word(prefix, w) {
  const k = prefix + w;
  const s = t(k);
  return s === k ? w : s;
}

// Element.append() with el()'s rules: arrays flattened, null/false left out.
function add(parent, ...kids) {
  for (const c of kids.flat(Infinity)) {
    if (c !== null && c !== undefined && c !== false) parent.append(c);
  }
  return parent;
}

function cellList(cls, items) {
  const td = el('td', { class: cls });
  list(items).forEach((v, i) => {
    if (i) td.append(el('br'));
    td.append(String(v));
  });
  return td;
}

// At most PROTO_SHOWN services per line in the table (a scanner uses
// hundreds); the detail view has them all.
const PROTO_SHOWN = 8;
function services(v) {
  const a = list(v);
  if (a.length <= PROTO_SHOWN) return a.join(', ');
  return a.slice(0, PROTO_SHOWN).join(', ') + ' ' + t('assets.more', { n: fmtNumber(a.length - PROTO_SHOWN) });
}

function protocolsCell(h) {
  const td = el('td', { class: 'asset-protocols' });
  if (list(h.served).length) td.append(el('div', { class: 'served' }, t('assets.served') + ': ', services(h.served)));
  if (list(h.used).length) td.append(el('div', { class: 'used' }, t('assets.used') + ': ', services(h.used)));
  return td;
}

function showMessage(root, text, ok) {
  const m = root.querySelector('#assets-message');
  if (!m) return;
  m.className = ok ? 'form-ok' : 'error';
  m.textContent = text;
}

// The row of one host; editing replaces the name/role cells with inputs.
function row(h, ctx, state) {
  const tr = el('tr', { dataset: { key: h.key } });
  const link = el('a', { class: 'asset-link', href: '#/assets?' + new URLSearchParams({ q: state.q || '', key: h.key }).toString() }, h.ip || h.mac);
  const nameTd = el('td', { class: 'asset-name' }, h.name || '');
  const roleTd = el('td', { class: 'asset-role' }, h.role || '');
  if (h.label_from && h.label_from !== 'assets set') {
    nameTd.title = t('assets.from_file', { where: h.label_from });
    roleTd.title = nameTd.title;
  }
  add(tr,
    el('td', { class: 'asset-ip' }, link),
    el('td', { class: 'asset-mac' }, h.ip ? (h.mac || '') : ''),
    el('td', { class: 'asset-vendor' }, vendorText(h.vendor)),
    nameTd, roleTd,
    cellList('asset-names', list(h.names).concat(list(h.identity))),
    protocolsCell(h),
    el('td', { class: 'asset-first' }, fmtTime(h.first_us)),
    el('td', { class: 'asset-last' }, fmtTime(h.last_us)),
    cellList('asset-points', h.points),
    el('td', { class: 'asset-sessions num' }, fmtNumber(h.sessions_out || 0) + ' / ' + fmtNumber(h.sessions_in || 0)),
  );
  if (ctx.user.admin) {
    const edit = el('button', { type: 'button', class: 'asset-edit', onclick: () => startEdit(tr, h, ctx, state) }, t('assets.edit'));
    tr.append(el('td', { class: 'asset-actions' }, edit));
  }
  return tr;
}

function startEdit(tr, h, ctx, state) {
  const root = state.root;
  // one row at a time: the ids of the inputs are unique
  if (state.editing) state.cancelEdit();
  const nameTd = tr.querySelector('td.asset-name');
  const roleTd = tr.querySelector('td.asset-role');
  const actTd = tr.querySelector('td.asset-actions');
  clear(nameTd);
  clear(roleTd);
  clear(actTd);
  const name = el('input', { id: 'asset-edit-name', type: 'text', maxlength: 63, value: h.name || '', 'aria-label': t('assets.edit.name') });
  const role = el('input', { id: 'asset-edit-role', type: 'text', maxlength: 63, value: h.role || '', 'aria-label': t('assets.edit.role') });
  nameTd.append(name);
  roleTd.append(role);
  const restore = () => {
    state.editing = null;
    tr.replaceWith(row(h, ctx, state));
  };
  state.editing = tr;
  state.cancelEdit = restore;
  const save = async () => {
    try {
      const r = await api('PUT', '/api/assets/' + encodeURIComponent(h.key), { name: name.value, role: role.value });
      h.name = r.name || undefined;
      h.role = r.role || undefined;
      h.label_from = h.name || h.role ? 'assets set' : undefined;
      restore();
      showMessage(root, t('assets.saved', { key: h.key }), true);
    } catch (e) {
      showMessage(root, errText(e));
    }
  };
  const remove = async () => {
    try {
      await api('DELETE', '/api/assets/' + encodeURIComponent(h.key));
      h.name = undefined;
      h.role = undefined;
      h.label_from = undefined;
      restore();
      showMessage(root, t('assets.cleared', { key: h.key }), true);
    } catch (e) {
      if (e.details && e.details.settings_file) showMessage(root, t('error.settings_file'));
      else showMessage(root, errText(e));
    }
  };
  const onKey = (ev) => {
    if (ev.key === 'Enter') save();
    if (ev.key === 'Escape') restore();
  };
  name.addEventListener('keydown', onKey);
  role.addEventListener('keydown', onKey);
  actTd.append(
    el('button', { type: 'button', id: 'asset-edit-save', onclick: save }, t('assets.save')),
    el('button', { type: 'button', id: 'asset-edit-cancel', onclick: restore }, t('assets.cancel')),
    el('button', { type: 'button', id: 'asset-edit-clear', onclick: remove }, t('assets.clear')),
  );
  name.focus();
}

function factsTable(id, facts) {
  const tb = el('tbody');
  for (const [kind, vals] of Object.entries(facts || {})) {
    list(vals).forEach((f, i) => {
      tb.append(el('tr', null,
        el('td', { class: 'fact-kind', dataset: { kind } }, i === 0 ? word('assets.kind.', kind) : ''),
        el('td', { class: 'fact-value' }, f.value),
        el('td', { class: 'num' }, fmtNumber(f.count || 0)),
        el('td', null, fmtTime(f.first_us)),
        el('td', null, fmtTime(f.last_us))));
    });
  }
  return el('table', { id, class: 'grid' },
    el('thead', null, el('tr', null,
      el('th', null, t('assets.fact.kind')), el('th', null, t('assets.fact.value')),
      el('th', null, t('assets.fact.count')), el('th', null, t('assets.hist.first')),
      el('th', null, t('assets.hist.last')))),
    tb);
}

async function showDetail(box, key, ctx, state) {
  clear(box);
  box.hidden = false;
  box.dataset.key = key;
  let h;
  try {
    h = await api('GET', '/api/assets/' + encodeURIComponent(key));
  } catch (e) {
    box.append(el('p', { class: 'error' }, errText(e)));
    return;
  }
  const hist = el('tbody');
  for (const b of list(h.history)) {
    hist.append(el('tr', null,
      el('td', null, b.mac), el('td', null, b.ip), el('td', null, vendorText(b.vendor)),
      el('td', null, list(b.seen_by).map((x) => word('assets.seen.', x)).join(', ')), el('td', { class: 'num' }, fmtNumber(b.count || 0)),
      el('td', null, fmtTime(b.first_us)), el('td', null, fmtTime(b.last_us))));
  }
  const close = el('button', { type: 'button', class: 'asset-detail-close', onclick: () => {
    box.hidden = true;
    const p = new URLSearchParams(ctx.params);
    p.delete('key');
    history.replaceState(null, '', '#/assets' + (p.toString() ? '?' + p.toString() : ''));
  } }, t('assets.detail.close'));
  const label = [h.name, h.role ? '(' + h.role + ')' : ''].filter(Boolean).join(' ');
  add(box,
    el('h2', null, t('assets.detail.title', { key: h.key }), label ? ' ' + label : ''),
    close,
    el('dl', { class: 'asset-summary' },
      el('dt', null, t('assets.col.mac')), el('dd', null, h.mac || t('assets.none.short')),
      el('dt', null, t('assets.col.vendor')), el('dd', null, h.vendor ? vendorText(h.vendor) : t('assets.none.short')),
      el('dt', null, t('assets.col.names')), el('dd', null, list(h.names).join(', ') || t('assets.none.short')),
      el('dt', null, t('assets.detail.identity')), el('dd', null, list(h.identity).join(', ') || t('assets.none.short')),
      el('dt', null, t('assets.detail.served')), el('dd', { class: 'asset-served' }, list(h.served).join(', ') || t('assets.none.short')),
      el('dt', null, t('assets.detail.used')), el('dd', { class: 'asset-used' }, list(h.used).join(', ') || t('assets.none.short')),
      el('dt', null, t('assets.col.points')), el('dd', null, list(h.points).join(', ') || t('assets.none.short')),
      el('dt', null, t('assets.col.first')), el('dd', null, fmtTime(h.first_us) || t('assets.none.short')),
      el('dt', null, t('assets.col.last')), el('dd', null, fmtTime(h.last_us) || t('assets.none.short')),
      el('dt', null, t('assets.col.sessions')), el('dd', null, fmtNumber(h.sessions_out || 0) + ' / ' + fmtNumber(h.sessions_in || 0)),
      h.l2_packets !== undefined ? [el('dt', null, t('assets.detail.l2')), el('dd', null, fmtNumber(h.l2_packets))] : null),
    el('h3', null, t('assets.detail.history')),
    el('table', { id: 'asset-history', class: 'grid' },
      el('thead', null, el('tr', null,
        el('th', null, t('assets.hist.mac')), el('th', null, t('assets.hist.ip')),
        el('th', null, t('assets.hist.vendor')), el('th', null, t('assets.hist.seen_by')),
        el('th', null, t('assets.hist.count')), el('th', null, t('assets.hist.first')),
        el('th', null, t('assets.hist.last')))),
      hist),
    el('h3', null, t('assets.detail.facts')),
    factsTable('asset-facts', h.facts),
    h.mac_facts && Object.keys(h.mac_facts).length
      ? [el('h3', null, t('assets.detail.mac_facts')), factsTable('asset-mac-facts', h.mac_facts)] : null,
  );
}

async function load(state, ctx) {
  const seq = ++state.seq;
  const { tbody, count } = state;
  count.textContent = t('assets.loading');
  let r;
  try {
    r = await api('GET', qs('/api/assets', { q: state.q }));
  } catch (e) {
    if (seq !== state.seq) return;
    count.textContent = '';
    showMessage(state.root, errText(e));
    return;
  }
  if (seq !== state.seq) return; // a newer filter answered first
  clear(tbody);
  state.editing = null;
  const items = list(r.items);
  for (const h of items) tbody.append(row(h, ctx, state));
  if (!items.length) tbody.append(el('tr', { class: 'empty' }, el('td', { colspan: ctx.user.admin ? 12 : 11 }, t('assets.none'))));
  count.textContent = t(r.more ? 'assets.count.more' : 'assets.count', { n: fmtNumber(items.length) });
}

export default {
  id: 'assets',
  nav: 'nav.assets',
  strings,
  async render(root, ctx) {
    const state = { root, q: ctx.params.get('q') || '', seq: 0, editing: null };
    const filter = el('input', {
      id: 'assets-filter', type: 'search', value: state.q,
      placeholder: t('assets.filter.placeholder'), 'aria-label': t('assets.filter'),
    });
    state.tbody = el('tbody');
    state.count = el('span', { id: 'assets-count' });
    const heads = ['ip', 'mac', 'vendor', 'name', 'role', 'names', 'protocols', 'first', 'last', 'points', 'sessions']
      .concat(ctx.user.admin ? ['actions'] : []);
    const detail = el('section', { id: 'asset-detail', class: 'panel', hidden: true });
    root.append(
      el('h1', null, t('assets.title')),
      el('p', { class: 'intro' }, t('assets.intro')),
      el('div', { class: 'toolbar assets-toolbar' },
        el('label', { for: 'assets-filter' }, t('assets.filter')), filter, state.count),
      el('p', { id: 'assets-message', role: 'status' }),
      detail,
      el('div', { class: 'table-wrap' },
        el('table', { id: 'assets-table', class: 'grid' },
          el('thead', null, el('tr', null, heads.map((k) => el('th', { class: 'col-' + k }, t('assets.col.' + k))))),
          state.tbody)),
    );
    let timer = null;
    const apply = () => {
      clearTimeout(timer);
      if (filter.value === state.q) return;
      state.q = filter.value;
      const p = new URLSearchParams(ctx.params);
      if (state.q) p.set('q', state.q); else p.delete('q');
      p.delete('key');
      // keep the filter in the address without rendering the page again
      history.replaceState(null, '', '#/assets' + (p.toString() ? '?' + p.toString() : ''));
      load(state, ctx);
    };
    filter.addEventListener('keydown', (ev) => { if (ev.key === 'Enter') apply(); });
    filter.addEventListener('input', () => { clearTimeout(timer); timer = setTimeout(apply, 400); });
    state.tbody.addEventListener('click', (ev) => {
      const a = ev.target.closest('a.asset-link');
      if (!a) return;
      ev.preventDefault();
      const key = a.closest('tr').dataset.key;
      const p = new URLSearchParams(ctx.params);
      p.set('key', key);
      history.replaceState(null, '', '#/assets?' + p.toString());
      showDetail(detail, key, ctx, state);
    });
    await load(state, ctx);
    const key = ctx.params.get('key');
    if (key) await showDetail(detail, key, ctx, state);
  },
};
