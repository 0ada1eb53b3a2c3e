// src/protocol/generated/ is what tools/gen-protocol.mjs makes of Kafka's message specs:
// never edited by hand, never stale after a change to the generator or the specs.
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

describe('generated protocol codecs', () => {
  it('src/protocol/generated/ matches what gen-protocol generates from the specs', () => {
    const root = fileURLToPath(new URL('../../../', import.meta.url));
    const r = spawnSync(process.execPath, ['tools/gen-protocol.mjs', '--check'], { cwd: root, encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });
});
