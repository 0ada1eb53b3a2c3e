// src/perf/sequencer.ts: sequence numbers written into pre-built batches with the CRC patched
// from precomputed bit deltas: every stamped batch must validate as if built whole.
import { describe, expect, it } from 'vitest';
import { Core, buildBatch, CoreError } from '../../../src/core/index.js';
import { codecs, initCompression, GZIP } from '../../../src/compression/codecs.js';
import { BatchSequencer } from '../../../src/perf/sequencer.js';

const core = Core.create();

describe('BatchSequencer', () => {
  it('gives each partition its own run of sequences, and every stamped batch validates', async () => {
    await initCompression();
    const s = new BatchSequencer(core, 42, 3);
    const plain = Buffer.from(buildBatch(core, [{ value: 'a' }, { value: 'b' }, { value: 'c' }], { producerId: 42, producerEpoch: 3, baseSequence: 0 }));
    const zipped = Buffer.from(buildBatch(core, [{ value: 'x'.repeat(500) }], { producerId: 42, producerEpoch: 3, baseSequence: 0, compression: GZIP, codecs }));
    const seen: [number, number][] = [];
    for (let i = 0; i < 40; i++) {
      const [batch, n, partition] = i % 3 === 0 ? [zipped, 1, 1] as const : [plain, 3, 0] as const;
      const out = s.stamp(batch, partition, n);
      const header = core.validateBatch(out);
      expect([header.producerId, header.producerEpoch]).toEqual([42, 3]);
      seen.push([partition, header.baseSequence]);
    }
    const of = (p: number) => seen.filter(([q]) => q === p).map(([, seq]) => seq);
    expect(of(1)).toEqual(Array.from({ length: 14 }, (_, i) => i));
    expect(of(0)).toEqual(Array.from({ length: 26 }, (_, i) => i * 3));
    expect(plain.readInt32BE(53)).toBe(0); // the pooled batch itself is left alone
  });

  it('wraps sequences past 2^31-1 to 0 as Kafka does', () => {
    const s = new BatchSequencer(core, 1, 0);
    const batch = Buffer.from(buildBatch(core, [{ value: 'a' }, { value: 'b' }], { producerId: 1, producerEpoch: 0, baseSequence: 0 }));
    (s as unknown as { next: Map<number, number> }).next.set(0, 0x7ffffffe);
    expect(core.validateBatch(s.stamp(batch, 0, 2)).baseSequence).toBe(0x7ffffffe);
    expect(core.validateBatch(s.stamp(batch, 0, 2)).baseSequence).toBe(0); // after 0x7ffffffe and 0x7fffffff
    // A stale CRC would be refused: the patch is what makes it valid.
    const broken = s.stamp(batch, 0, 2);
    broken.writeInt32BE(99, 53);
    expect(() => core.validateBatch(broken)).toThrow(CoreError);
  });

  it('sends a released buffer again as it is (no copy), and never one of another record count', () => {
    const s = new BatchSequencer(core, 7, 0);
    const two = Buffer.from(buildBatch(core, [{ value: 'a' }, { value: 'a' }], { producerId: 7, producerEpoch: 0, baseSequence: 0 }));
    const one = Buffer.from(buildBatch(core, [{ value: 'x'.repeat(9) }], { producerId: 7, producerEpoch: 0, baseSequence: 0 }));
    expect(one.length).toBe(two.length);
    const first = s.stamp(two, 0, 2);
    expect(first).not.toBe(two);
    s.release(first);
    const again = s.stamp(two, 0, 2);
    expect(again).toBe(first); // reused
    expect(core.validateBatch(again).baseSequence).toBe(2);
    s.release(again);
    const single = s.stamp(one, 0, 1); // as long, one record: not the two-record buffer
    expect(single).not.toBe(again);
    expect([core.validateBatch(single).baseSequence, core.validateBatch(single).recordsCount]).toEqual([4, 1]);
    expect(s.stamp(two, 0, 2)).toBe(again); // still free for its like
    expect(core.validateBatch(again).baseSequence).toBe(5);
  });
});
