// src/perf/fetch-loop.ts: positions advance from the batch headers alone, over record batches
// and old clients' message sets, as the consumer harness counts what it fetched.
import { describe, expect, it } from 'vitest';
import { Core, batchesToLegacy, buildBatch } from '../../../src/core/index.js';
import { countBatches } from '../../../src/perf/fetch-loop.js';

const core = Core.create();
const batch = (baseOffset: number, count: number, control = false) => Buffer.from(buildBatch(core,
  Array.from({ length: count }, (_, i) => ({ value: `v${baseOffset + i}`, timestamp: 1_700_000_000_000 })), { baseOffset, control }));

describe('countBatches', () => {
  it('counts records from batch headers, skipping what precedes the fetch offset and a partial batch', () => {
    const whole = [batch(0, 10), batch(10, 5)];
    const set = Buffer.concat([...whole, batch(15, 7).subarray(0, 40)]);
    expect(countBatches(set, 0)).toEqual({ count: 15, next: 15, bytes: whole[0].length + whole[1].length });
    expect(countBatches(set, 4).count).toBe(11);
  });

  it('steps over control batches without counting them', () => {
    const set = Buffer.concat([batch(0, 3), batch(3, 1, true), batch(4, 2)]);
    expect(countBatches(set, 0)).toEqual({ count: 5, next: 6, bytes: set.length });
  });

  it('reads message sets v0/v1 by their offsets: one message each, the next offset after the last', () => {
    for (const magic of [0, 1] as const) {
      const set = Buffer.from(batchesToLegacy(core, Buffer.concat([batch(20, 3), batch(23, 2)]), magic));
      expect(countBatches(set, 20), `magic ${magic}`).toEqual({ count: 5, next: 25, bytes: set.length });
      expect(countBatches(set, 22).count, `magic ${magic}`).toBe(3);
    }
  });

  it('stops at a length no batch can have instead of looping on it', () => {
    const bad = Buffer.concat([batch(0, 2), Buffer.alloc(61)]);
    bad.writeInt32BE(-12, bad.length - 61 + 8); // a size of 0
    expect(countBatches(bad, 0)).toEqual({ count: 2, next: 2, bytes: bad.length - 61 });
  });
});
