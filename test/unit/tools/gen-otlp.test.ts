// src/telemetry/generated/otlp-metrics.ts is what tools/gen-otlp.mjs makes of OpenTelemetry's
// .proto files (tools/otlp-proto/): never edited by hand, never stale.
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

describe('generated OTLP schema', () => {
  it('src/telemetry/generated/otlp-metrics.ts matches what gen-otlp generates from tools/otlp-proto/', () => {
    const root = fileURLToPath(new URL('../../../', import.meta.url));
    const r = spawnSync(process.execPath, ['tools/gen-otlp.mjs', '--check'], { cwd: root, encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });
});
