// pages/daily.js - the daily page (stub: its owner fills it).
import { el } from '../dom.js';
import { t } from '../i18n.js';

export default {
  id: 'daily',
  nav: 'nav.daily',
  strings: { en: {}, ja: {} },
  async render(root, ctx) {
    root.append(el('h1', null, t('nav.daily')));
  },
};
