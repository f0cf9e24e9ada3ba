// pages/users.js - the administrators' page over /api/users: the accounts
// with their role and language, adding one (name, role, password), changing
// a role or a password, removing one. Only admins see it in the menu; the
// server refuses everyone else (403 "forbidden", shown translated).
//
// Ids for the browser tests: #users-table (tr[data-user=NAME]), #user-add
// (#user-add-name, #user-add-role, #user-add-password), .form-error /
// .form-ok for the outcome of the last action.
import { el, clear } from '../dom.js';
import { t, errText, fmtTime } from '../i18n.js';
import { api } from '../api.js';

function roleSelect(id, value) {
  return el('select', { id, 'aria-label': t('users.role') },
    ['viewer', 'admin'].map((r) => el('option', { value: r, selected: r === value }, t('role.' + r))));
}

export default {
  id: 'users',
  nav: 'nav.users',
  strings: {
    en: {
      'users.title': 'Users',
      'users.intro': 'Viewers can see everything; administrators can also change the baseline, alerts, assets and users.',
      'users.name': 'Name',
      'users.role': 'Role',
      'users.lang': 'Language',
      'users.created': 'Created',
      'users.updated': 'Changed',
      'users.actions': 'Actions',
      'users.you': '(you)',
      'users.add': 'Add a user',
      'users.add.submit': 'Add',
      'users.password': 'Password',
      'users.newpw': 'New password',
      'users.setpw': 'Set password',
      'users.setrole': 'Change role',
      'users.remove': 'Remove',
      'users.remove.confirm': 'Remove {name}? Press again to confirm.',
      'users.added': 'Added {name}.',
      'users.removed': 'Removed {name}.',
      'users.changed': 'Saved for {name}.',
      'users.pwrules': '10 to 1024 characters.',
      'users.none': 'No users.',
      'lang.en': 'English',
      'lang.ja': 'Japanese',
    },
    ja: {
      'users.title': 'ユーザー',
      'users.intro': '閲覧者はすべてを見ることができます。管理者はさらにベースライン・アラート・資産・ユーザーを変更できます。',
      'users.name': '名前',
      'users.role': '権限',
      'users.lang': '言語',
      'users.created': '作成日時',
      'users.updated': '変更日時',
      'users.actions': '操作',
      'users.you': '(あなた)',
      'users.add': 'ユーザーの追加',
      'users.add.submit': '追加',
      'users.password': 'パスワード',
      'users.newpw': '新しいパスワード',
      'users.setpw': 'パスワードを設定',
      'users.setrole': '権限を変更',
      'users.remove': '削除',
      'users.remove.confirm': '{name} を削除しますか?もう一度押すと削除します。',
      'users.added': '{name} を追加しました。',
      'users.removed': '{name} を削除しました。',
      'users.changed': '{name} の設定を保存しました。',
      'users.pwrules': '10~1024 文字。',
      'users.none': 'ユーザーがいません。',
      'lang.en': '英語',
      'lang.ja': '日本語',
    },
  },

  async render(root, ctx) {
    const msg = el('p', { class: 'form-msg', role: 'status' });
    const say = (ok, text) => {
      clear(msg).append(el('span', { class: ok ? 'form-ok' : 'form-error' }, text));
    };
    const body = el('tbody');
    const table = el('table', { id: 'users-table', class: 'grid' },
      el('thead', null, el('tr', null,
        ['users.name', 'users.role', 'users.lang', 'users.created', 'users.updated',
          'users.actions'].map((k) => el('th', { scope: 'col' }, t(k))))),
      body);

    const load = async () => {
      const r = await api('GET', '/api/users');
      const list = Array.isArray(r) ? r : (r.items || r.users || []);
      clear(body);
      if (!list.length)
        body.append(el('tr', null, el('td', { colspan: 6, class: 'empty' }, t('users.none'))));
      for (const u of list) body.append(row(u));
    };

    const act = async (fn, okText) => {
      try {
        await fn();
        say(true, okText);
        await load();
      } catch (e) {
        say(false, errText(e));
      }
    };

    const row = (u) => {
      const self = u.name === ctx.user.name;
      const role = roleSelect('role-' + u.name, u.role);
      const pw = el('input', {
        type: 'password', autocomplete: 'new-password', placeholder: t('users.newpw'),
        'aria-label': t('users.newpw'), class: 'pw',
      });
      let armed = false;
      const rm = el('button', { type: 'button', class: 'danger', dataset: { act: 'remove' } },
        t('users.remove'));
      rm.addEventListener('click', () => {
        if (!armed) {
          armed = true;
          rm.classList.add('armed');
          say(false, t('users.remove.confirm', { name: u.name }));
          return;
        }
        act(() => api('DELETE', '/api/users/' + encodeURIComponent(u.name), {}),
          t('users.removed', { name: u.name }));
      });
      return el('tr', { dataset: { user: u.name } },
        el('td', null, u.name, self ? el('span', { class: 'muted' }, ' ' + t('users.you')) : null),
        el('td', null, el('div', { class: 'inline' }, role,
          el('button', {
            type: 'button', dataset: { act: 'role' },
            onclick: async () => {
              await act(() => api('PUT', '/api/users/' + encodeURIComponent(u.name),
                { role: role.value }), t('users.changed', { name: u.name }));
              // one's own role changed: the menu and the rights change with it
              if (self && role.value !== u.role && msg.querySelector('.form-ok')) location.reload();
            },
          }, t('users.setrole')))),
        el('td', null, u.lang ? t('lang.' + u.lang) : ''),
        el('td', { class: 'time' }, fmtTime(u.created_us)),
        el('td', { class: 'time' }, fmtTime(u.updated_us)),
        el('td', null, el('div', { class: 'inline' }, pw,
          el('button', {
            type: 'button', dataset: { act: 'password' },
            onclick: () => act(() => api('PUT', '/api/users/' + encodeURIComponent(u.name),
              { password: pw.value }), t('users.changed', { name: u.name })),
          }, t('users.setpw')),
          rm)));
    };

    const name = el('input', { id: 'user-add-name', autocomplete: 'off', required: true });
    const pw = el('input', {
      id: 'user-add-password', type: 'password', autocomplete: 'new-password', required: true,
    });
    const role = roleSelect('user-add-role', 'viewer');
    const add = el('form', {
      id: 'user-add', class: 'inline-form', onsubmit: (ev) => {
        ev.preventDefault();
        const n = name.value;
        act(async () => {
          await api('POST', '/api/users', { user: n, password: pw.value, role: role.value });
          name.value = '';
          pw.value = '';
        }, t('users.added', { name: n }));
      },
    },
    el('label', { class: 'field' }, el('span', null, t('users.name')), name),
    el('label', { class: 'field' }, el('span', null, t('users.role')), role),
    el('label', { class: 'field' }, el('span', null, t('users.password')), pw),
    el('button', { type: 'submit', class: 'primary' }, t('users.add.submit')));

    root.append(el('h1', null, t('users.title')), el('p', { class: 'hint' }, t('users.intro')),
      msg, table,
      el('section', { class: 'panel' }, el('h2', null, t('users.add')), add,
        el('p', { class: 'hint' }, t('users.pwrules'))));
    await load();
  },
};
