// tools/unused-exports.mjs: every export of src/ is imported somewhere else (src/, a test, a
// bench or tools script, or the package's entry), so `export` says "used from outside".
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

describe('unused exports', () => {
  it('src/ exports nothing that no other file imports', () => {
    const root = fileURLToPath(new URL('../../../', import.meta.url));
    const r = spawnSync(process.execPath, ['tools/unused-exports.mjs', '--check'], { cwd: root, encoding: 'utf8', timeout: 120_000 });
    expect(r.stdout).toBe('');
    expect(r.status).toBe(0);
  }, 120_000);
});
