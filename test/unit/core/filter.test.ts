import { describe, expect, it } from 'vitest';
import { buildBatch, decodeBatches, filterBatch, visitRecords, CoreError, type RecordInput, ABI } from '../../../src/core/index.js';
import { core, gzipCodecs, text } from '../../helpers/core.js';

const c = ABI;

const records: RecordInput[] = [
  { key: 'a', value: 'a1', timestamp: 1000, headers: [{ key: 'h', value: 'x' }] },
  { key: 'b', value: 'b1', timestamp: 1004 },
  { key: null, value: 'no key', timestamp: 1002 },
  { key: 'a', value: null, timestamp: 1003 },
  { key: 'c', value: 'c1', timestamp: 1001 },
];
const producer = { baseOffset: 500, producerId: 77, producerEpoch: 3, baseSequence: 40, partitionLeaderEpoch: 0 };

const keyOf = (key: Uint8Array | null) => (key === null ? null : Buffer.from(key).toString());

describe('buildBatch with explicit offset deltas', () => {
  it('numbers records from the deltas given and keeps the last offset delta', () => {
    const batch = buildBatch(core, [{ key: 'x', value: '1', offsetDelta: 2 }, { key: 'y', value: '2', offsetDelta: 7 }], { baseOffset: 10, lastOffsetDelta: 9 });
    const header = core.validateBatch(batch);
    expect([header.recordsCount, header.lastOffsetDelta, header.lastOffset]).toEqual([2, 9, 19]);
    expect(decodeBatches(core, batch)[0].records.map((r) => r.offset)).toEqual([12, 17]);
    // A producer's batch must number its records 0..n-1: the append path refuses this one.
    expect(() => core.validateBatch(batch, c.F_STRICT)).toThrow(CoreError);
  });

  it('defaults to consecutive deltas, and refuses deltas that do not increase', () => {
    const batch = buildBatch(core, [{ value: 'a' }, { value: 'b', offsetDelta: 4 }, { value: 'c' }]);
    expect(decodeBatches(core, batch)[0].records.map((r) => r.offset)).toEqual([0, 4, 5]);
    expect(core.validateBatch(batch).lastOffsetDelta).toBe(5);
    expect(() => buildBatch(core, [{ value: 'a', offsetDelta: 3 }, { value: 'b', offsetDelta: 3 }])).toThrow(RangeError);
    expect(() => buildBatch(core, [{ value: 'a', offsetDelta: 3 }], { lastOffsetDelta: 2 })).toThrow(RangeError);
  });
});

describe('visitRecords', () => {
  it('sees every record\'s offset, key, tombstone flag and timestamp', () => {
    const seen: unknown[] = [];
    const header = visitRecords(core, buildBatch(core, records, producer), undefined, (offset, key, tombstone, timestamp) => seen.push([offset, keyOf(key), tombstone, timestamp]));
    expect(header.baseOffset).toBe(500);
    expect(seen).toEqual([[500, 'a', false, 1000], [501, 'b', false, 1004], [502, null, false, 1002], [503, 'a', true, 1003], [504, 'c', false, 1001]]);
  });

  it('decompresses first', () => {
    const keys: (string | null)[] = [];
    visitRecords(core, buildBatch(core, records, { compression: 1, codecs: gzipCodecs }), gzipCodecs, (_o, key) => keys.push(keyOf(key)));
    expect(keys).toEqual(['a', 'b', null, 'a', 'c']);
  });
});

describe('filterBatch', () => {
  const keepLatest = (offset: number, key: Uint8Array | null) => key !== null && !(keyOf(key) === 'a' && offset === 500);

  it('rewrites a batch to exactly what buildBatch makes of the retained records with their offsets', () => {
    const original = buildBatch(core, records, producer);
    const result = filterBatch(core, original, undefined, keepLatest);
    expect(result.kept).toBe('some');
    if (result.kept !== 'some') return;
    const retained = [1, 3, 4].map((i) => ({ ...records[i], offsetDelta: i }));
    const expected = buildBatch(core, retained, { ...producer, baseTimestamp: 1000, lastOffsetDelta: 4 });
    expect(Buffer.from(result.batch).equals(Buffer.from(expected))).toBe(true);
    const header = core.validateBatch(result.batch);
    expect(header).toMatchObject({ baseOffset: 500, lastOffset: 504, recordsCount: 3, producerId: 77, producerEpoch: 3, baseSequence: 40, maxTimestamp: 1004, baseTimestamp: 1000 });
    expect(result.records).toBe(3);
  });

  it('keeps the codec of a compressed batch', () => {
    const original = buildBatch(core, records, { ...producer, compression: 1, codecs: gzipCodecs });
    const result = filterBatch(core, original, gzipCodecs, keepLatest);
    if (result.kept !== 'some') throw new Error(`kept ${result.kept}`);
    expect(core.validateBatch(result.batch).compression).toBe(1);
    const [batch] = decodeBatches(core, result.batch, gzipCodecs);
    expect(batch.records.map((r) => [r.offset, text(r.key), text(r.value)])).toEqual([[501, 'b', 'b1'], [503, 'a', null], [504, 'c', 'c1']]);
  });

  it('recomputes the max timestamp from the records kept, except for LogAppendTime', () => {
    const dropNewest = (offset: number) => offset !== 501;
    const create = filterBatch(core, buildBatch(core, records, producer), undefined, dropNewest);
    expect(create.kept === 'some' && create.maxTimestamp).toBe(1003);
    const append = filterBatch(core, buildBatch(core, records, { ...producer, timestampType: 1, maxTimestamp: 9999 }), undefined, dropNewest);
    expect(append.kept === 'some' && core.validateBatch(append.batch).maxTimestamp).toBe(9999);
  });

  it('says when it keeps all or nothing, without rewriting', () => {
    const original = buildBatch(core, records, producer);
    expect(filterBatch(core, original, undefined, () => true).kept).toBe('all');
    expect(filterBatch(core, original, undefined, () => false).kept).toBe('none');
  });

  it('keeps headers and keys of the retained records', () => {
    const result = filterBatch(core, buildBatch(core, records, producer), undefined, (offset) => offset === 500);
    if (result.kept !== 'some') throw new Error(`kept ${result.kept}`);
    const [record] = decodeBatches(core, result.batch)[0].records;
    expect([record.offset, text(record.key), text(record.value), record.headers.map((h) => [h.key, text(h.value)])]).toEqual([500, 'a', 'a1', [['h', 'x']]]);
  });
});
