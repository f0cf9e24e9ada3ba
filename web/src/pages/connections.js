// pages/connections.js - the connections page: who talks to whom, as a
// force-directed graph (Cytoscape.js, its built-in "cose" layout) of the
// sessions of a time range (GET /api/graph, docs/API.md).
//
// Hosts are labelled by name and role (else their address), connections by
// port, transport and application protocol; the width follows sessions or
// bytes; colours say baseline / new / alerting (new connections are dashed
// too, so the difference does not rest on colour alone). The hide toggles
// are the capture presets applied at query time: nothing is captured again.
// Clicking a connection opens the sessions page with an expression that
// selects its sessions; clicking a host shows its details beside the graph.
//
// Route: #/connections?since=US&until=US&expr=...&weight=sessions|bytes
//        &hide=icmp,ipv6,multicast,broadcast,operational
// (since/until: microseconds since the epoch; none: the last day of data).
//
// Ids the browser tests rely on:
//   #page-connections[data-state=loading|ready|error]   set when the answer is drawn
//   #graph-form             the query form: #graph-since, #graph-until (datetime-local,
//                           browser time zone), #graph-lastday, #graph-expr, #graph-run
//   #graph-weight-sessions, #graph-weight-bytes          width toggle (aria-pressed)
//   #graph-hide-icmp, #graph-hide-ipv6, #graph-hide-multicast, #graph-hide-broadcast,
//   #graph-hide-operational                              hide toggles (aria-pressed; a click
//                                                        queries again)
//   #graph-error            an error message (data-code = the API's error code)
//   #graph-summary          hosts, connections and sessions shown; #graph-truncated when
//                           only the heaviest connections are shown
//   #graph-legend           the colours (li[data-status=baseline|new|alerting])
//   #graph                  the Cytoscape container; data-nodes, data-edges = hosts and
//                           connections of the answer, data-drawn = lines drawn (more than
//                           BUNDLE_OVER connections of one client to one server are one
//                           line, "bundle|CLIENT|SERVER", whose click selects them all)
//   #graph-png              exports the picture; a#graph-png-link is the download link
//                           it makes (blob: URL, download="otwatch-connections-....png")
//   #graph-detail           a clicked host: .detail-row[data-key], button#graph-host-sessions,
//                           its connections as button.graph-edge-link[data-edge=ID]
// window.otwGraph holds the last answer ({nodes, edges, truncated, ...}: each edge with
// its id, status and expr) and window.otwCy the Cytoscape instance, for the tests;
// window.otwGraphOpenEdge(id) does what a click on that edge does.
import './connections.css';
import cytoscape from 'cytoscape';
import { el, clear } from '../dom.js';
import { t, fmtTime, fmtNumber, fmtBytes, errText, vendorText } from '../i18n.js';
import { api, qs } from '../api.js';

const HIDES = ['icmp', 'ipv6', 'multicast', 'broadcast', 'operational'];
const STATUSES = ['baseline', 'new', 'alerting'];
// More connections than this between one client and one server are drawn as one bundle.
const BUNDLE_OVER = 4;

// --- times: datetime-local values <-> microseconds --------------------------------

function pad(n) { return String(n).padStart(2, '0'); }

function usToLocalInput(us) {
  if (!us) return '';
  const d = new Date(Math.floor(Number(us) / 1000));
  if (Number.isNaN(d.getTime())) return '';
  return d.getFullYear() + '-' + pad(d.getMonth() + 1) + '-' + pad(d.getDate()) + 'T' +
    pad(d.getHours()) + ':' + pad(d.getMinutes()) + ':' + pad(d.getSeconds());
}

function localInputToUs(v) {
  if (!v) return '';
  const d = new Date(v); // read in the browser's time zone
  return Number.isNaN(d.getTime()) ? '' : String(d.getTime() * 1000);
}

// --- labels --------------------------------------------------------------------------

function nodeLabel(n) {
  if (n.name) return n.role ? n.name + '\n' + n.role : n.name;
  return n.role ? n.ip + '\n' + n.role : n.ip;
}

function edgeLabel(e) {
  const where = e.port || e.transport === 'tcp' || e.transport === 'udp'
    ? e.port + '/' + e.transport : e.transport;
  return e.app ? where + ' ' + e.app : where;
}

function cssVar(name, dflt) {
  const v = getComputedStyle(document.documentElement).getPropertyValue(name).trim();
  return v || dflt;
}

// Cytoscape adds a <style> element for its container unless one with this id
// exists; the CSP forbids inline style, and connections.css has the rule.
function cytoscapeStyleDone() {
  const id = '__________cytoscape_stylesheet';
  if (!document.getElementById(id)) document.head.append(el('meta', { id, name: 'cytoscape' }));
}

// --- the page ---------------------------------------------------------------------------

function readState(p) {
  const hide = (p.get('hide') || '').split(',').filter((h) => HIDES.includes(h));
  return {
    since: /^\d+$/.test(p.get('since') || '') ? p.get('since') : '',
    until: /^\d+$/.test(p.get('until') || '') ? p.get('until') : '',
    expr: p.get('expr') || '',
    weight: p.get('weight') === 'bytes' ? 'bytes' : 'sessions',
    hide,
  };
}

function routeParams(s) {
  const o = {};
  if (s.since) o.since = s.since;
  if (s.until) o.until = s.until;
  if (s.expr) o.expr = s.expr;
  if (s.weight !== 'sessions') o.weight = s.weight;
  if (s.hide.length) o.hide = s.hide.join(',');
  return o;
}

function toggle(id, pressed, label, onclick) {
  return el('button', {
    type: 'button', id, class: 'toggle' + (pressed ? ' on' : ''),
    'aria-pressed': pressed ? 'true' : 'false', onclick,
  }, label);
}

function legend(weight) {
  return el('ul', { id: 'graph-legend', class: 'graph-legend' },
    STATUSES.map((s) => el('li', { dataset: { status: s } },
      el('span', { class: 'swatch st-' + s }), t('graph.status.' + s))),
    el('li', { class: 'legend-width' }, t(weight === 'bytes' ? 'graph.width.bytes' : 'graph.width.sessions')));
}

function detailRow(key, label, value) {
  if (value === undefined || value === null || value === '') return null;
  return el('tr', { class: 'detail-row', dataset: { key } }, el('th', null, label), el('td', null, value));
}

export default {
  id: 'connections',
  nav: 'nav.connections',
  strings: {
    en: {
      'graph.since': 'From',
      'graph.until': 'To',
      'graph.lastday': 'Last day of data',
      'graph.expr': 'Filter',
      'graph.expr.placeholder': 'e.g. port.dst == 502 || ip == 192.168.10.0/24',
      'graph.run': 'Show',
      'graph.weight': 'Line width:',
      'graph.weight.sessions': 'Sessions',
      'graph.weight.bytes': 'Bytes',
      'graph.hide': 'Hide:',
      'graph.hide.icmp': 'ICMP',
      'graph.hide.ipv6': 'IPv6',
      'graph.hide.multicast': 'Multicast',
      'graph.hide.broadcast': 'Broadcast',
      'graph.hide.operational': 'Approved operational flows',
      'graph.hide.title': 'Filtering happens on the stored sessions: nothing is captured again.',
      'graph.png': 'Save as PNG',
      'graph.png.link': 'Download the picture',
      'graph.loading': 'Loading the connections…',
      'graph.empty': 'No sessions in this time range with these filters.',
      'graph.summary': '{nodes} hosts, {edges} connections, {sessions} sessions, {from} – {to}',
      'graph.truncated': 'Only the {shown} heaviest of {total} connections are shown; narrow the time range or filter to see the rest.',
      'graph.status.baseline': 'In the baseline',
      'graph.status.new': 'New (not in the baseline)',
      'graph.status.alerting': 'Named by an open alert',
      'graph.hoststatus.baseline': 'Known to the baseline',
      'graph.hoststatus.new': 'New (not in the baseline)',
      'graph.hoststatus.alerting': 'Named by an open alert',
      'graph.width.sessions': 'Line width: number of sessions',
      'graph.width.bytes': 'Line width: bytes',
      'graph.click': 'Click a connection to see its sessions, a host to see its details.',
      'graph.detail.title': 'Host',
      'graph.detail.close': 'Close',
      'graph.detail.ip': 'Address',
      'graph.detail.name': 'Name',
      'graph.detail.role': 'Role',
      'graph.detail.mac': 'MAC address',
      'graph.detail.vendor': 'Vendor',
      'graph.detail.status': 'Status',
      'graph.detail.sessions': 'Sessions',
      'graph.detail.bytes': 'Bytes',
      'graph.detail.edges': 'Its connections (heaviest first)',
      'graph.detail.more': '… and {n} more',
      'graph.host.sessions': 'Show the sessions of this host',
      'graph.edge.to': '{a} → {b}: {what} (sessions: {n})',
      'graph.bundle': '{n} ports',
    },
    ja: {
      'graph.since': '開始',
      'graph.until': '終了',
      'graph.lastday': 'データの最後の1日',
      'graph.expr': '絞り込み',
      'graph.expr.placeholder': '例: port.dst == 502 || ip == 192.168.10.0/24',
      'graph.run': '表示',
      'graph.weight': '線の太さ:',
      'graph.weight.sessions': 'セッション数',
      'graph.weight.bytes': 'バイト数',
      'graph.hide': '非表示:',
      'graph.hide.icmp': 'ICMP',
      'graph.hide.ipv6': 'IPv6',
      'graph.hide.multicast': 'マルチキャスト',
      'graph.hide.broadcast': 'ブロードキャスト',
      'graph.hide.operational': '承認済みの運用通信',
      'graph.hide.title': '保存済みのセッションを絞り込みます。再キャプチャは不要です。',
      'graph.png': 'PNG で保存',
      'graph.png.link': '画像をダウンロード',
      'graph.loading': '通信を読み込んでいます…',
      'graph.empty': 'この期間と条件に当てはまるセッションはありません。',
      'graph.summary': 'ホスト {nodes} 台、通信 {edges} 件、セッション {sessions} 件（{from} ～ {to}）',
      'graph.truncated': '通信 {total} 件のうち、量の多い {shown} 件だけを表示しています。残りを見るには期間や条件を絞ってください。',
      'graph.status.baseline': 'ベースラインにある通信',
      'graph.status.new': '新しい通信（ベースラインにない）',
      'graph.status.alerting': '未対応のアラートに関係する通信',
      'graph.hoststatus.baseline': 'ベースラインにあるホスト',
      'graph.hoststatus.new': '新しいホスト（ベースラインにない）',
      'graph.hoststatus.alerting': '未対応のアラートに挙がっているホスト',
      'graph.width.sessions': '線の太さ: セッション数',
      'graph.width.bytes': '線の太さ: バイト数',
      'graph.click': '通信をクリックするとセッションを、ホストをクリックすると詳細を表示します。',
      'graph.detail.title': 'ホスト',
      'graph.detail.close': '閉じる',
      'graph.detail.ip': 'アドレス',
      'graph.detail.name': '名前',
      'graph.detail.role': '役割',
      'graph.detail.mac': 'MAC アドレス',
      'graph.detail.vendor': 'ベンダー',
      'graph.detail.status': '状態',
      'graph.detail.sessions': 'セッション数',
      'graph.detail.bytes': 'バイト数',
      'graph.detail.edges': 'このホストの通信（量の多い順）',
      'graph.detail.more': '…ほか {n} 件',
      'graph.host.sessions': 'このホストのセッションを表示',
      'graph.edge.to': '{a} → {b}: {what}（セッション {n} 件）',
      'graph.bundle': '{n} 個のポート',
    },
  },

  async render(root, ctx) {
    const state = readState(ctx.params);
    const requery = (changes) => ctx.go('connections', routeParams(Object.assign({}, state, changes)));
    root.dataset.state = 'loading';
    window.otwGraph = null;

    // --- the form ---
    const sinceIn = el('input', { id: 'graph-since', type: 'datetime-local', step: '1' });
    const untilIn = el('input', { id: 'graph-until', type: 'datetime-local', step: '1' });
    const exprIn = el('input', {
      id: 'graph-expr', class: 'expr', type: 'text', spellcheck: 'false', autocomplete: 'off',
      placeholder: t('graph.expr.placeholder'), value: state.expr,
    });
    sinceIn.value = usToLocalInput(state.since);
    untilIn.value = usToLocalInput(state.until);
    const form = el('form', {
      id: 'graph-form', class: 'graph-form',
      onsubmit: (ev) => {
        ev.preventDefault();
        requery({ since: localInputToUs(sinceIn.value), until: localInputToUs(untilIn.value),
          expr: exprIn.value.trim() });
      },
    },
    el('div', { class: 'toolbar' },
      el('label', { for: 'graph-since' }, t('graph.since')), sinceIn,
      el('label', { for: 'graph-until' }, t('graph.until')), untilIn,
      el('button', { type: 'button', id: 'graph-lastday', onclick: () => requery({ since: '', until: '' }) },
        t('graph.lastday'))),
    el('div', { class: 'toolbar' },
      el('label', { for: 'graph-expr' }, t('graph.expr')), exprIn,
      el('button', { type: 'submit', id: 'graph-run', class: 'primary' }, t('graph.run'))));

    const weightBar = el('div', { class: 'toolbar', role: 'group', 'aria-label': t('graph.weight') },
      el('span', null, t('graph.weight')),
      ['sessions', 'bytes'].map((w) => toggle('graph-weight-' + w, state.weight === w,
        t('graph.weight.' + w), () => { if (state.weight !== w) requery({ weight: w }); })));
    const hideBar = el('div', {
      class: 'toolbar', role: 'group', 'aria-label': t('graph.hide'), title: t('graph.hide.title'),
    }, el('span', null, t('graph.hide')),
    HIDES.map((h) => toggle('graph-hide-' + h, state.hide.includes(h), t('graph.hide.' + h), () => {
      const on = state.hide.includes(h);
      requery({ hide: on ? state.hide.filter((x) => x !== h) : HIDES.filter((x) => x === h || state.hide.includes(x)) });
    })));

    const errBox = el('p', { id: 'graph-error', class: 'error', role: 'alert' });
    const summary = el('p', { id: 'graph-summary', class: 'graph-summary' }, t('graph.loading'));
    const truncBox = el('div');
    const pngLink = el('span', { class: 'png-link' });
    const pngBtn = el('button', { type: 'button', id: 'graph-png', disabled: true }, t('graph.png'));
    const graphBox = el('div', { id: 'graph', class: 'graph', role: 'img', 'aria-label': t('nav.connections') });
    const detail = el('aside', { id: 'graph-detail', class: 'graph-detail', hidden: true });

    root.append(el('h1', null, t('nav.connections')), form, el('div', { class: 'graph-bars' }, weightBar, hideBar),
      errBox, summary, truncBox,
      el('div', { class: 'graph-top' }, legend(state.weight), el('div', { class: 'inline' }, pngBtn, pngLink)),
      el('p', { class: 'hint' }, t('graph.click')),
      el('div', { class: 'graph-wrap' }, graphBox, detail));

    // --- the data ---
    let g;
    try {
      g = await api('GET', qs('/api/graph', {
        since: state.since, until: state.until, expr: state.expr,
        weight: state.weight, hide: state.hide.join(','),
      }));
    } catch (e) {
      clear(summary);
      errBox.dataset.code = e.code || '';
      errBox.append(errText(e));
      if (e.code === 'query_syntax' && e.details && e.details.message) errBox.append(' ', el('code', null, e.details.message));
      if (e.code === 'query_syntax') exprIn.classList.add('invalid');
      root.dataset.state = 'error';
      return;
    }
    window.otwGraph = g;
    if (!state.since) sinceIn.value = usToLocalInput(g.since_us);
    if (!state.until) untilIn.value = usToLocalInput(g.until_us);
    clear(summary).append(t('graph.summary', {
      nodes: fmtNumber(g.nodes.length), edges: fmtNumber(g.edges.length),
      sessions: fmtNumber(g.sessions), from: fmtTime(g.since_us), to: fmtTime(g.until_us),
    }));
    if (g.truncated) {
      truncBox.append(el('p', { id: 'graph-truncated', class: 'warn' },
        t('graph.truncated', { shown: fmtNumber(g.edges.length), total: fmtNumber(g.edges_total) })));
    }
    graphBox.dataset.nodes = String(g.nodes.length);
    graphBox.dataset.edges = String(g.edges.length);
    if (g.edges.length === 0) {
      graphBox.append(el('p', { class: 'empty' }, t('graph.empty')));
      root.dataset.state = 'ready';
      return;
    }

    // --- the picture ---
    const wkey = state.weight;
    const maxW = Math.max(1, ...g.edges.map((e) => e[wkey]));
    const width = (v) => 1 + 9 * Math.log1p(v) / Math.log1p(maxW);
    const colour = {
      baseline: cssVar('--st-baseline', '#2e7d32'),
      new: cssVar('--st-new', '#d98200'),
      alerting: cssVar('--st-alerting', '#c62828'),
    };
    const nodesById = new Map(g.nodes.map((n) => [n.id, n]));
    const edgesById = new Map(g.edges.map((e) => [e.id, e]));
    // Parallel connections of one pair (a port scan: hundreds) are drawn as
    // one bundle, coloured by the worst status among them; the host's details
    // list them one by one.
    const rank = { baseline: 0, new: 1, alerting: 2 };
    const pairs = new Map();
    for (const e of g.edges) {
      const k = e.source + '\u0000' + e.target;
      if (!pairs.has(k)) pairs.set(k, []);
      pairs.get(k).push(e);
    }
    const bundles = new Map();
    const drawn = [];
    for (const list of pairs.values()) {
      if (list.length <= BUNDLE_OVER) {
        for (const e of list) drawn.push({ id: e.id, source: e.source, target: e.target, label: edgeLabel(e), status: e.status, w: width(e[wkey]) });
        continue;
      }
      const worst = list.reduce((a, e) => (rank[e.status] > rank[a] ? e.status : a), 'baseline');
      const sum = list.reduce((a, e) => a + e[wkey], 0);
      const id = 'bundle|' + list[0].source + '|' + list[0].target;
      bundles.set(id, list);
      drawn.push({ id, source: list[0].source, target: list[0].target, label: t('graph.bundle', { n: fmtNumber(list.length) }), status: worst, w: width(sum) });
    }
    const elements = g.nodes.map((n) => ({
      group: 'nodes', data: { id: n.id, label: nodeLabel(n), status: n.status },
    })).concat(drawn.map((d) => ({ group: 'edges', data: d })));
    graphBox.dataset.drawn = String(drawn.length);
    cytoscapeStyleDone();
    const cy = cytoscape({
      container: graphBox,
      elements,
      wheelSensitivity: 0.3,
      minZoom: 0.05,
      maxZoom: 4,
      style: [
        {
          selector: 'node',
          style: {
            label: 'data(label)', 'text-wrap': 'wrap', 'font-size': 10, 'text-valign': 'bottom',
            'text-margin-y': 3, width: 16, height: 16, 'background-color': '#ffffff',
            'border-width': 3, 'border-color': colour.baseline, color: '#1b2430',
            'min-zoomed-font-size': 6,
          },
        },
        { selector: 'node[status = "new"]', style: { 'border-color': colour.new, 'background-color': '#fff4e0' } },
        { selector: 'node[status = "alerting"]', style: { 'border-color': colour.alerting, 'background-color': '#fdecea', 'border-width': 4 } },
        { selector: 'node:selected', style: { 'overlay-opacity': 0.15, 'overlay-color': '#1f6fd1' } },
        {
          selector: 'edge',
          style: {
            width: 'data(w)', 'line-color': colour.baseline, 'curve-style': 'bezier',
            'control-point-step-size': 12,
            'target-arrow-shape': 'triangle', 'target-arrow-color': colour.baseline, 'arrow-scale': 0.7,
            label: 'data(label)', 'font-size': 8, 'text-rotation': 'autorotate', color: '#3a4656',
            'text-background-color': '#ffffff', 'text-background-opacity': 0.8,
            'text-background-padding': 1, 'min-zoomed-font-size': 7, opacity: 0.85,
          },
        },
        { selector: 'edge[status = "new"]', style: { 'line-color': colour.new, 'target-arrow-color': colour.new, 'line-style': 'dashed' } },
        { selector: 'edge[status = "alerting"]', style: { 'line-color': colour.alerting, 'target-arrow-color': colour.alerting } },
        { selector: 'edge:selected', style: { 'overlay-opacity': 0.15, 'overlay-color': '#1f6fd1' } },
      ],
      layout: {
        name: 'cose', animate: false, randomize: true, nodeRepulsion: () => 400000,
        idealEdgeLength: () => 110, nodeOverlap: 20, numIter: g.nodes.length > 300 ? 400 : 1000, padding: 20,
      },
    });
    window.otwCy = cy;

    const openEdge = (id) => {
      const e = edgesById.get(id);
      const b = bundles.get(id);
      const expr = e ? e.expr : b ? 'ip.src == ' + b[0].source + ' && ip.dst == ' + b[0].target : null;
      if (expr) ctx.go('sessions', { expr, since: String(g.since_us), until: String(g.until_us) });
    };
    window.otwGraphOpenEdge = openEdge;
    cy.on('tap', 'edge', (ev) => openEdge(ev.target.id()));
    cy.on('tap', 'node', (ev) => showHost(nodesById.get(ev.target.id())));
    cy.on('tap', (ev) => { if (ev.target === cy) detail.hidden = true; });

    const showHost = (n) => {
      if (!n) return;
      clear(detail);
      detail.hidden = false;
      const mine = g.edges.filter((e) => e.source === n.id || e.target === n.id)
        .sort((a, b) => b[wkey] - a[wkey]);
      const label = (id) => {
        const x = nodesById.get(id);
        return x && x.name ? x.name : id;
      };
      detail.append(
        el('div', { class: 'detail-head' }, el('h2', null, t('graph.detail.title')),
          el('button', { type: 'button', class: 'link', onclick: () => { detail.hidden = true; } }, t('graph.detail.close'))),
        el('table', { class: 'detail' }, el('tbody', null,
          detailRow('ip', t('graph.detail.ip'), n.ip),
          detailRow('name', t('graph.detail.name'), n.name),
          detailRow('role', t('graph.detail.role'), n.role),
          detailRow('mac', t('graph.detail.mac'), n.mac),
          detailRow('vendor', t('graph.detail.vendor'), n.vendor && vendorText(n.vendor)),
          detailRow('status', t('graph.detail.status'), t('graph.hoststatus.' + n.status)),
          detailRow('sessions', t('graph.detail.sessions'), fmtNumber(n.sessions)),
          detailRow('bytes', t('graph.detail.bytes'), fmtBytes(n.bytes)))),
        el('button', {
          type: 'button', id: 'graph-host-sessions',
          onclick: () => ctx.go('sessions', { expr: 'ip == ' + n.ip, since: String(g.since_us), until: String(g.until_us) }),
        }, t('graph.host.sessions')),
        el('h3', null, t('graph.detail.edges')),
        el('ul', { class: 'edge-list' }, mine.slice(0, 30).map((e) => el('li', null,
          el('button', {
            type: 'button', class: 'link graph-edge-link st-' + e.status, dataset: { edge: e.id },
            onclick: () => openEdge(e.id),
          }, t('graph.edge.to', { a: label(e.source), b: label(e.target), what: edgeLabel(e), n: fmtNumber(e.sessions) }))))),
        mine.length > 30 ? el('p', { class: 'muted' }, t('graph.detail.more', { n: fmtNumber(mine.length - 30) })) : null);
    };

    pngBtn.disabled = false;
    pngBtn.addEventListener('click', () => {
      const blob = cy.png({ output: 'blob', bg: '#ffffff', full: true, scale: 2, maxWidth: 8000, maxHeight: 8000 });
      const url = URL.createObjectURL(blob);
      const old = document.getElementById('graph-png-link');
      if (old) URL.revokeObjectURL(old.href);
      const stamp = usToLocalInput(g.until_us).replace(/[:T]/g, '-');
      const a = el('a', {
        id: 'graph-png-link', href: url, download: 'otwatch-connections-' + stamp + '.png',
      }, t('graph.png.link'));
      clear(pngLink).append(a);
      a.click();
    });
    root.dataset.state = 'ready';
  },
};
