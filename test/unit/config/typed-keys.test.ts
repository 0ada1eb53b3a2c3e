// src/config/definitions.ts → config.ts: the accessors are typed by the definitions, so a
// misspelt key, or a key read as another type, is a compile error (fixtures/typed-keys.ts).
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../..', import.meta.url));
const fixture = fileURLToPath(new URL('fixtures/typed-keys.ts', import.meta.url));

describe('typed config keys', () => {
  it('compile where the key and type agree, and fail where they do not', () => {
    const tsc = spawnSync(process.execPath, [
      `${root}node_modules/typescript/bin/tsc`, '--noEmit', '--strict', '--target', 'ES2022', '--module', 'NodeNext',
      '--moduleResolution', 'NodeNext', '--types', 'node', '--skipLibCheck', fixture,
    ], { cwd: root, encoding: 'utf8', timeout: 60_000 });
    expect(tsc.stdout + tsc.stderr).toBe('');
    expect(tsc.status).toBe(0);
  }, 60_000);
});
