import { describe, expect, it } from 'vitest';
import { Core, buildBatch, decodeBatches } from '../../../src/core/index.js';
import { stamp, stampTemplate } from '../../../src/perf/produce-loop.js';
import { randomBytes } from '../../helpers/core.js';

describe('e2e send-time stamps', () => {
  it('a stamped copy of a pre-built batch validates, and every value and timestamp carries the send time', () => {
    const core = Core.create();
    const values = Array.from({ length: 37 }, (_, i) => randomBytes(100 + i * 13, i + 1));
    const built = buildBatch(core, values.map((value) => ({ value, timestamp: 1_000 })));
    const template = stampTemplate(core, Buffer.from(built));
    const sendMs = 1_795_000_000_123.456;
    const batch = stamp(core, template, sendMs);
    // decodeBatches checks the CRC-32C: a stale one would throw.
    const [decoded] = decodeBatches(core, batch);
    expect(decoded.records.length).toBe(values.length);
    decoded.records.forEach((r, i) => {
      expect(Buffer.from(r.value!).readDoubleLE(0)).toBe(sendMs);
      expect(Buffer.compare(r.value!.subarray(8), values[i].subarray(8))).toBe(0);
      expect(r.timestamp).toBe(Math.floor(sendMs));
    });
    // The template itself is left as built, for the next send.
    expect(Buffer.compare(template.batch, Buffer.from(built))).toBe(0);
  });

  it('refuses values too short to hold a stamp', () => {
    const core = Core.create();
    const built = buildBatch(core, [{ value: new Uint8Array(7) }]);
    expect(() => stampTemplate(core, Buffer.from(built))).toThrow(/at least 8 bytes/);
  });
});
