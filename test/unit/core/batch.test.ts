import { describe, expect, it } from 'vitest';
import { buildBatch, decodeBatches, CoreError, ABI } from '../../../src/core/index.js';
import { core, fixtures, fixtureRecords, gzipCodecs, text, CODEC_IDS } from '../../helpers/core.js';

const c = ABI;
const v2 = fixtures.filter((f) => f.magic === 2);

/** Re-seals a mutated batch: recomputes the CRC over attributes..end. */
function reseal(batch: Uint8Array): Uint8Array {
  new DataView(batch.buffer, batch.byteOffset).setUint32(17, core.crc32c(batch.subarray(21)));
  return batch;
}

function rejection(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    if (e instanceof CoreError) return e.codeName;
    throw e;
  }
  return 'accepted';
}

const sample = () => buildBatch(core, [
  { key: 'a', value: 'one', timestamp: 1000, headers: [{ key: 'h', value: 'x' }] },
  { key: null, value: 'two', timestamp: 1003 },
  { key: 'c', value: null, timestamp: 1001 },
]);

describe('record batches captured from real clients', () => {
  it.each(v2.map((f) => [f.file, f]))('%s validates strictly and reads its header', (_name, f) => {
    const header = core.validateBatch(f.bytes, c.F_STRICT);
    expect(header.magic).toBe(2);
    expect(header.recordsCount).toBe(fixtureRecords.length);
    expect(header.lastOffsetDelta).toBe(fixtureRecords.length - 1);
    expect(header.compression).toBe(CODEC_IDS[f.codec]);
    expect(header.baseTimestamp).toBe(fixtureRecords[0].timestamp);
    expect(header.maxTimestamp).toBe(Math.max(...fixtureRecords.map((r) => r.timestamp)));
    expect(header.batchSize).toBe(f.bytes.length);
    expect(header.isControl).toBe(false);
  });

  it.each(v2.filter((f) => f.codec === 'none' || f.codec === 'gzip').map((f) => [f.file, f]))('%s decodes to the records the client sent', (_name, f) => {
    const [batch] = decodeBatches(core, f.bytes, gzipCodecs);
    expect(batch.records.map((r) => ({
      key: text(r.key), value: text(r.value), timestamp: r.timestamp,
      headers: r.headers.map((h) => ({ key: h.key, value: text(h.value) })),
    }))).toEqual(fixtureRecords);
    expect(batch.records.map((r) => r.offset)).toEqual([0, 1, 2]);
  });

  it('tracks the records\' own min and max timestamps while validating', () => {
    core.validateBatch(v2.find((f) => f.codec === 'none')!.bytes);
    const ts = core.recordTimestamps();
    expect(ts.min).toBe(1700000000000);
    expect(ts.max).toBe(1700000000005);
    expect(ts.maxOffsetDelta).toBe(1);
  });
});

describe('batchValidate rejects', () => {
  const good = () => Uint8Array.from(v2.find((f) => f.codec === 'none' && f.client.startsWith('kafka-python'))!.bytes);

  it('a flipped bit anywhere the CRC covers', () => {
    const bytes = good();
    for (const at of [21, 30, 61, 100, bytes.length - 1]) {
      const broken = Uint8Array.from(bytes);
      broken[at] ^= 0x10;
      expect(rejection(() => core.validateBatch(broken)), `byte ${at}`).toBe('ERR_CRC');
    }
  });

  it('a batch shorter than its length field says', () => {
    expect(rejection(() => core.validateBatch(good().subarray(0, 100)))).toBe('ERR_TRUNCATED');
    expect(rejection(() => core.validateBatch(good().subarray(0, 8)))).toBe('ERR_TRUNCATED');
  });

  it('a length field below the 61-byte header', () => {
    const bytes = good();
    new DataView(bytes.buffer).setInt32(8, 48);
    expect(rejection(() => core.validateBatch(bytes))).toBe('ERR_BATCH_TOO_SMALL');
  });

  it('bytes left after the batch', () => {
    const bytes = good();
    const longer = new Uint8Array(bytes.length + 3);
    longer.set(bytes);
    expect(rejection(() => core.validateBatch(longer))).toBe('ERR_RECORD_COUNT');
  });

  it('a magic other than 2', () => {
    const bytes = good();
    bytes[16] = 1;
    expect(rejection(() => core.validateBatch(bytes))).toBe('ERR_MAGIC');
  });

  it('codec bits 5..7', () => {
    const bytes = good();
    bytes[22] = (bytes[22] & ~7) | 5;
    expect(rejection(() => core.validateBatch(reseal(bytes)))).toBe('ERR_COMPRESSION');
  });

  it('a records count that disagrees with the records present', () => {
    for (const count of [2, 4]) {
      const bytes = good();
      new DataView(bytes.buffer).setInt32(57, count);
      expect(rejection(() => core.validateBatch(reseal(bytes))), `count ${count}`).toBe('ERR_RECORD_COUNT');
    }
  });

  it('a record whose length runs past the batch', () => {
    const bytes = good();
    bytes[61] = 0x7e; // first record's length varint: 63 bytes (zig-zag), more than it holds
    expect(rejection(() => core.validateBatch(reseal(bytes)))).not.toBe('accepted');
    bytes[61] = 0xfe; bytes[62] = 0x7f; // 8191 bytes
    expect(rejection(() => core.validateBatch(reseal(bytes)))).toBe('ERR_RECORD_BOUNDS');
  });

  it('a key length that runs past its record', () => {
    const bytes = buildBatch(core, [{ key: 'abc', value: 'def', timestamp: 5 }]);
    // record: len, attrs, tsDelta, offsetDelta, keyLen at byte 61 + 4
    expect(bytes[65]).toBe(6); // zig-zag 3
    bytes[65] = 40;
    expect(rejection(() => core.validateBatch(reseal(bytes)))).toBe('ERR_RECORD_BOUNDS');
  });

  it('in strict (producer) mode: offset deltas out of order, and a zero count', () => {
    const bytes = sample();
    // second record's offsetDelta: find it by decoding positions: build it with a known layout
    const dv = new DataView(bytes.buffer);
    dv.setInt32(23, 5); // lastOffsetDelta 5 with 3 records
    reseal(bytes);
    expect(rejection(() => core.validateBatch(bytes, c.F_STRICT))).toBe('ERR_OFFSET_DELTA');
    expect(rejection(() => core.validateBatch(bytes, 0))).toBe('accepted');
    const empty = sample();
    new DataView(empty.buffer).setInt32(57, 0);
    expect(rejection(() => core.validateBatch(reseal(empty), c.F_STRICT))).toBe('ERR_RECORD_COUNT');
  });
});

describe('offset assignment', () => {
  it('assigns base offset and leader epoch without touching the CRC', () => {
    const bytes = sample();
    const crcBefore = core.validateBatch(bytes).crc;
    core.resetArena();
    const ptr = core.copyIn(bytes);
    const size = core.validateAssignAt(ptr, bytes.length, c.F_STRICT, 1000, 7);
    expect(size).toBe(bytes.length);
    const h = core.header();
    expect([h.baseOffset, h.lastOffset, h.crc]).toEqual([1000, 1002, crcBefore]);
    const assigned = core.mem.read(ptr, size);
    const again = core.validateBatch(assigned);
    expect([again.baseOffset, again.partitionLeaderEpoch, again.crc, again.timestampType]).toEqual([1000, 7, crcBefore, 0]);
  });

  it('stamps LogAppendTime: attributes and max timestamp change, the CRC is recomputed', () => {
    const bytes = sample();
    core.resetArena();
    const ptr = core.copyIn(bytes);
    core.validateAssignAt(ptr, bytes.length, 0, 50, 0, 1_800_000_000_000);
    const h = core.validateBatch(core.mem.read(ptr, bytes.length));
    expect([h.timestampType, h.maxTimestamp, h.baseOffset]).toEqual([1, 1_800_000_000_000, 50]);
    const [decoded] = decodeBatches(core, core.mem.read(ptr, bytes.length));
    expect(decoded.records.map((r) => r.timestamp)).toEqual([1_800_000_000_000, 1_800_000_000_000, 1_800_000_000_000]);
  });

  it('corrects a CreateTime batch whose max timestamp disagrees with its records', () => {
    const bytes = buildBatch(core, [{ value: 'a', timestamp: 10 }, { value: 'b', timestamp: 30 }], { maxTimestamp: 999 });
    core.resetArena();
    const ptr = core.copyIn(bytes);
    core.validateAssignAt(ptr, bytes.length, c.F_STRICT, 0, 0);
    expect(core.validateBatch(core.mem.read(ptr, bytes.length)).maxTimestamp).toBe(30);
  });

  it('recomputes the CRC only when a covered field changes', () => {
    const bytes = sample();
    core.resetArena();
    const ptr = core.copyIn(bytes);
    const h = core.validateBatch(bytes);
    expect(core.assignAt(ptr, 9, 1, 0, h.maxTimestamp)).toBe(false);
    expect(core.assignAt(ptr, 9, 1, 0, h.maxTimestamp + 1)).toBe(true);
    expect(core.validateBatch(core.mem.read(ptr, bytes.length)).maxTimestamp).toBe(h.maxTimestamp + 1);
  });
});

describe('building batches', () => {
  it('round-trips keys, values, nulls, headers and timestamps', () => {
    const records = [
      { key: 'k1', value: 'v1', timestamp: 1_700_000_000_000, headers: [{ key: 'a', value: 'b' }, { key: 'n', value: null }] },
      { key: null, value: new Uint8Array([0, 255, 1]), timestamp: 1_699_999_999_000 },
      { key: '', value: null, timestamp: 1_700_000_000_500 },
    ];
    const bytes = buildBatch(core, records, { baseOffset: 42, producerId: 7, producerEpoch: 2, baseSequence: 11 });
    const h = core.validateBatch(bytes, c.F_STRICT);
    expect([h.baseOffset, h.producerId, h.producerEpoch, h.baseSequence, h.baseTimestamp, h.maxTimestamp])
      .toEqual([42, 7, 2, 11, 1_700_000_000_000, 1_700_000_000_500]);
    const [batch] = decodeBatches(core, bytes);
    expect(batch.records.map((r) => [r.offset, text(r.key), r.value && Array.from(r.value), r.timestamp])).toEqual([
      [42, 'k1', Array.from(Buffer.from('v1')), 1_700_000_000_000],
      [43, null, [0, 255, 1], 1_699_999_999_000],
      [44, '', null, 1_700_000_000_500],
    ]);
    expect(batch.records[0].headers.map((x) => [x.key, text(x.value)])).toEqual([['a', 'b'], ['n', null]]);
  });

  it('sets the codec, transactional and control bits, and compresses with the given codec', () => {
    const records = Array.from({ length: 50 }, (_, i) => ({ key: `k${i}`, value: 'v'.repeat(100), timestamp: 1000 + i }));
    const bytes = buildBatch(core, records, { compression: 1, codecs: gzipCodecs, transactional: true, producerId: 3, producerEpoch: 0, baseSequence: 0 });
    const h = core.validateBatch(bytes, c.F_STRICT);
    expect([h.compression, h.isTransactional, h.isControl]).toEqual([1, true, false]);
    expect(bytes.length).toBeLessThan(50 * 100);
    const [batch] = decodeBatches(core, bytes, gzipCodecs);
    expect(batch.records.map((r) => text(r.key))).toEqual(records.map((r) => r.key));
    const marker = buildBatch(core, [{ key: new Uint8Array([0, 0, 0, 1]), value: new Uint8Array([0, 0, 0, 0, 0, 0]) }], { control: true, transactional: true });
    expect(core.validateBatch(marker).isControl).toBe(true);
  });

  it('builds large batches (16 KiB of 100-byte records)', () => {
    const records = Array.from({ length: 150 }, (_, i) => ({ value: new Uint8Array(100).fill(i), timestamp: 5 }));
    const bytes = buildBatch(core, records);
    expect(core.validateBatch(bytes, c.F_STRICT).recordsCount).toBe(150);
    expect(bytes.length).toBeGreaterThan(150 * 100);
  });
});

describe('scanning consecutive batches', () => {
  const three = () => {
    const parts = [0, 1, 2].map((i) => buildBatch(core, [{ value: `batch ${i}`, timestamp: 100 + i }], { baseOffset: i * 10 }));
    const all = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    let at = 0;
    for (const p of parts) { all.set(p, at); at += p.length; }
    return { parts, all };
  };

  it('lists whole batches and stops at an incomplete one', () => {
    const { parts, all } = three();
    const scan = core.scan(all.subarray(0, all.length - 5), c.F_VERIFY_CRC);
    expect(scan.batches.map((b) => [b.position, b.baseOffset, b.lastOffset, b.maxTimestamp])).toEqual([
      [0, 0, 0, 100], [parts[0].length, 10, 10, 101],
    ]);
    expect(scan.status).toBe(1);
    expect(scan.bytes).toBe(parts[0].length + parts[1].length);
    const whole = core.scan(all, c.F_VERIFY_CRC | c.F_RECORDS);
    expect([whole.batches.length, whole.status, whole.bytes]).toEqual([3, 0, all.length]);
  });

  it('stops at a corrupt batch when verifying CRCs, and not otherwise', () => {
    const { parts, all } = three();
    all[parts[0].length + 70] ^= 1;
    const verified = core.scan(all, c.F_VERIFY_CRC);
    expect([verified.batches.length, verified.status, verified.bytes]).toEqual([1, c.ERR_CRC, parts[0].length]);
    expect(core.scan(all, 0).batches.length).toBe(3);
  });

  it('stops when the output is full', () => {
    const { all } = three();
    const scan = core.scan(all, 0, 2);
    expect([scan.batches.length, scan.status]).toEqual([2, 2]);
  });
});
