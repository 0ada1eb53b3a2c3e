// dist/bundle/strom.cjs, the launcher `npm start` runs (written by tools/bundle.mjs): it
// compiles the bundle with V8's code cache. V8 accepts a cache for any source of the same
// length, so a cache kept across a rebuild ran the old build's code: after a rebuild, the
// new code must run.
import { afterAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const LAUNCHER = fileURLToPath(new URL('../../../dist/bundle/strom.cjs', import.meta.url));
const dirs: string[] = [];
afterAll(() => { for (const d of dirs) rmSync(d, { recursive: true, force: true }); });

/** A bundle that says which build it is and saves the code cache, as the broker does once up. */
const bundle = (build: string) => `console.log('build ${build}'); globalThis.__stromSaveCodeCache?.();\n`;

describe('bundle launcher', () => {
  it('runs a rebuilt bundle of the same length as the old one, not the old code from the cache', () => {
    const dir = mkdtempSync(join(tmpdir(), 'strom-launcher-'));
    dirs.push(dir);
    copyFileSync(LAUNCHER, join(dir, 'strom.cjs'));
    const start = () => spawnSync(process.execPath, [join(dir, 'strom.cjs')], { encoding: 'utf8' });
    writeFileSync(join(dir, 'strom-bundle.cjs'), bundle('A'));
    expect(start().stdout).toBe('build A\n');
    expect(readdirSync(dir).filter((f) => f.endsWith('.v8cache'))).toHaveLength(1); // the cache is in use
    expect(start().stdout).toBe('build A\n');
    writeFileSync(join(dir, 'strom-bundle.cjs'), bundle('B'));
    expect(bundle('B').length).toBe(bundle('A').length);
    expect(start().stdout).toBe('build B\n');
  });
});
