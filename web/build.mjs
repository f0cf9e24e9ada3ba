// build.mjs - bundles the UI with esbuild into OUTDIR (default dist/):
// index.html, favicon.svg, app.js and app.css (the CSS files the modules import, e.g.
// pages/sessions.js: import './sessions.css'). No inline script anywhere (the server's CSP
// forbids it). usage: node build.mjs [OUTDIR]
import * as esbuild from 'esbuild';
import { copyFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const out = process.argv[2] || join(here, 'dist');
mkdirSync(out, { recursive: true });
await esbuild.build({
  entryPoints: [join(here, 'src/main.js')],
  bundle: true,
  minify: true,
  format: 'iife',
  target: ['chrome100', 'firefox100', 'safari15'],
  outfile: join(out, 'app.js'),
  legalComments: 'none',
  logLevel: 'warning',
  loader: { '.png': 'dataurl', '.svg': 'dataurl' },
});
copyFileSync(join(here, 'index.html'), join(out, 'index.html'));
copyFileSync(join(here, 'src/favicon.svg'), join(out, 'favicon.svg'));
