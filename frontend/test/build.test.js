import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const frontend = fileURLToPath(new URL('..', import.meta.url));
const scratch = mkdtempSync(join(tmpdir(), 'status-build-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

function build(outdir, ...extra) {
  return spawnSync(process.execPath, ['build.mjs', '--outdir', outdir, ...extra], { cwd: frontend, encoding: 'utf8' });
}

/** The stamp's hash computed independently of build.mjs, as the Python check does. */
function expectedHash() {
  const files = ['package-lock.json', 'package.json', 'build.mjs'];
  for (const entry of readdirSync(join(frontend, 'src'), { recursive: true, withFileTypes: true })) {
    if (entry.isFile()) files.push(join(entry.parentPath ?? entry.path, entry.name).slice(frontend.length).replaceAll('\\', '/'));
  }
  const hash = createHash('sha256');
  for (const rel of files.sort()) hash.update(Buffer.concat([Buffer.from(`${rel}\0`), readFileSync(join(frontend, rel)), Buffer.from('\0')]));
  return hash.digest('hex');
}

describe('build.mjs', () => {
  test('writes the minified bundle, source maps, the page and the staleness stamp', () => {
    const outdir = join(scratch, 'ok');
    const result = build(outdir);
    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stdout, /status page bundle: \d+ bytes gzipped .* budget 20480 bytes/);
    const info = JSON.parse(readFileSync(join(outdir, 'build-info.json'), 'utf8'));
    assert.deepEqual(info.files, ['status.js', 'status.css', 'status.js.map', 'status.css.map', 'index.html']);
    for (const name of info.files) assert.ok(readFileSync(join(outdir, name)).length > 0, name);
    const gzipped = ['status.js', 'status.css'].map((n) => gzipSync(readFileSync(join(outdir, n)), { level: 9 }).length);
    assert.equal(info.gzip_bytes, gzipped[0] + gzipped[1]);
    assert.ok(info.gzip_bytes <= 20480);
    assert.equal(info.source_hash, expectedHash());
    assert.equal(readFileSync(join(outdir, 'index.html'), 'utf8'), readFileSync(join(frontend, 'src', 'index.html'), 'utf8'));
    const js = readFileSync(join(outdir, 'status.js'), 'utf8');
    assert.match(js, /sourceMappingURL=status\.js\.map/);
    assert.ok(js.split('\n').length < 5, 'minified');
  });

  test('fails over the gzip budget', () => {
    const result = build(join(scratch, 'small'), '--budget', '1000');
    assert.equal(result.status, 1);
    assert.match(result.stderr, /exceed 1000 bytes gzipped/);
  });
});
