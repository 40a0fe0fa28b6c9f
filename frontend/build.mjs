// Bundle the status page into the flask_server_status package's static folder.
//
//   node build.mjs          build once; exits 1 when JS + CSS exceed the gzip budget
//   node build.mjs --watch  rebuild on every change under src/
//   --outdir DIR, --budget BYTES  write elsewhere / use another budget (used by the tests)
//
// Besides the bundle it writes build-info.json, whose source_hash lets the Python side tell a
// stale bundle from a fresh one (same algorithm as the check in noxfile.py).

import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, readFileSync, readdirSync, watch, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { gzipSync } from 'node:zlib';
import * as esbuild from 'esbuild';

const root = dirname(fileURLToPath(import.meta.url));
const { values: args } = parseArgs({
  options: {
    watch: { type: 'boolean', default: false },
    outdir: { type: 'string', default: join(root, '..', 'packages', 'server-status', 'src', 'flask_server_status', 'static') },
    budget: { type: 'string', default: '20480' },
  },
});
const outdir = resolve(args.outdir);
const BUDGET_GZIP_BYTES = Number(args.budget);
const BUNDLED = ['status.js', 'status.css'];
const FILES = [...BUNDLED, 'status.js.map', 'status.css.map', 'index.html'];

function listFiles(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    return entry.isDirectory() ? listFiles(path) : [path];
  });
}

/** sha256 over package files and src/, each fed as relpath NUL bytes NUL, in POSIX path order. */
function sourceHash() {
  const paths = ['package-lock.json', 'package.json', 'build.mjs'].map((p) => join(root, p));
  const entries = [...paths, ...listFiles(join(root, 'src'))]
    .map((path) => [relative(root, path).split(sep).join('/'), path])
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const hash = createHash('sha256');
  for (const [rel, path] of entries) {
    hash.update(Buffer.from(rel, 'utf8'));
    hash.update(Buffer.from([0]));
    hash.update(readFileSync(path));
    hash.update(Buffer.from([0]));
  }
  return hash.digest('hex');
}

function finish() {
  copyFileSync(join(root, 'src', 'index.html'), join(outdir, 'index.html'));
  const sizes = BUNDLED.map((name) => gzipSync(readFileSync(join(outdir, name)), { level: 9 }).length);
  const gzipBytes = sizes.reduce((a, b) => a + b, 0);
  const info = { source_hash: sourceHash(), files: FILES, gzip_bytes: gzipBytes };
  writeFileSync(join(outdir, 'build-info.json'), `${JSON.stringify(info, null, 2)}\n`);
  const detail = BUNDLED.map((name, i) => `${name} ${sizes[i]} B`).join(', ');
  console.log(`status page bundle: ${gzipBytes} bytes gzipped (${detail}); budget ${BUDGET_GZIP_BYTES} bytes`);
  return gzipBytes <= BUDGET_GZIP_BYTES;
}

const options = {
  entryPoints: [
    { in: join(root, 'src', 'main.js'), out: 'status' },
    { in: join(root, 'src', 'styles.css'), out: 'status' },
  ],
  outdir,
  bundle: true,
  minify: true,
  sourcemap: true,
  format: 'iife',
  target: ['chrome100', 'firefox100', 'safari15', 'edge100'],
  legalComments: 'none',
  logLevel: 'warning',
};

mkdirSync(outdir, { recursive: true });
if (args.watch) {
  const ctx = await esbuild.context({
    ...options,
    plugins: [
      {
        name: 'finish',
        setup(build) {
          build.onEnd((result) => {
            if (result.errors.length === 0 && !finish()) console.error('over the gzip budget');
          });
        },
      },
    ],
  });
  await ctx.watch();
  // index.html is copied, not bundled, so esbuild does not watch it.
  watch(join(root, 'src', 'index.html'), () => finish());
  console.log('watching src/ for changes');
} else {
  await esbuild.build(options);
  if (!finish()) {
    console.error(`error: JS + CSS exceed ${BUDGET_GZIP_BYTES} bytes gzipped`);
    process.exit(1);
  }
}
