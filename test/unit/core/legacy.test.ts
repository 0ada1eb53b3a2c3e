import { describe, expect, it } from 'vitest';
import { gzipSync } from 'node:zlib';
import { buildBatch, decodeBatches, legacyToBatch, batchesToLegacy, CoreError, ABI } from '../../../src/core/index.js';
import { core, fixtures, fixtureRecords, gzipCodecs, text } from '../../helpers/core.js';
import { KAFKA_PYTHON, requireExternal } from '../../helpers/external.js';
import { readWithKafkaPython } from '../../helpers/kafka-python.js';

requireExternal(KAFKA_PYTHON);

const legacy = fixtures.filter((f) => f.magic !== 2);
const decodable = legacy.filter((f) => f.codec === 'none' || f.codec === 'gzip');

describe('up-conversion of legacy message sets (Produce v0-2)', () => {
  it.each(legacy.map((f) => [f.file, f]))('%s scans with valid CRC-32s', (_name, f) => {
    core.resetArena();
    const desc = core.alloc(64 * ABI.DESC_SIZE);
    const n = core.exports.legacyScan(core.copyIn(f.bytes), f.bytes.length, desc, 64);
    expect(core.resultInt(ABI.R_STATUS)).toBe(0);
    expect(n).toBe(f.codec === 'none' ? fixtureRecords.length : 1);
    expect(core.mem.dv().getInt32(desc + ABI.D_ATTRIBUTES, true) >> 8).toBe(f.magic);
  });

  it.each(decodable.map((f) => [f.file, f]))('%s becomes one record batch with the same records', (_name, f) => {
    const up = legacyToBatch(core, f.bytes, gzipCodecs);
    expect([up.count, up.magic, up.compression]).toEqual([3, f.magic, f.codec === 'gzip' ? 1 : 0]);
    const header = core.validateBatch(up.batch, ABI.F_STRICT);
    expect(header.compression).toBe(up.compression);
    const [batch] = decodeBatches(core, up.batch, gzipCodecs);
    expect(batch.records.map((r) => [r.offset, text(r.key), text(r.value), r.timestamp])).toEqual(
      fixtureRecords.map((r, i) => [i, r.key, r.value, f.magic === 0 ? -1 : r.timestamp]));
  });

  it('rejects a message with a bad CRC-32, a truncated set and nested compression', () => {
    const f = legacy.find((x) => x.magic === 1 && x.codec === 'none')!;
    const bad = Uint8Array.from(f.bytes);
    bad[40] ^= 1;
    expect(() => legacyToBatch(core, bad)).toThrow(CoreError);
    try { legacyToBatch(core, bad); } catch (e) { expect((e as CoreError).codeName).toBe('ERR_CRC'); }
    try { legacyToBatch(core, f.bytes.subarray(0, f.bytes.length - 3)); } catch (e) { expect((e as CoreError).codeName).toBe('ERR_TRUNCATED'); }
    // A gzip wrapper whose inner set is itself a gzip wrapper.
    const inner = batchesToLegacy(core, buildBatch(core, [{ value: 'x', timestamp: 1 }], { compression: 1, codecs: gzipCodecs }), 1, gzipCodecs);
    const compressed = gzipSync(inner);
    core.resetArena();
    const headerSize = core.exports.legacyHeaderSize(1);
    const at = core.alloc(headerSize + compressed.length);
    core.mem.write(at + headerSize, compressed);
    const nested = core.mem.read(at, core.exports.legacyWrapper(at, 0, 1, 1, 0, 1, compressed.length));
    try { legacyToBatch(core, nested, gzipCodecs); expect.unreachable(); } catch (e) { expect((e as CoreError).codeName).toBe('ERR_COMPRESSION'); }
  });
});

describe('down-conversion to legacy message sets (Fetch v0-3)', () => {
  const records = fixtureRecords.map((r) => ({ key: r.key, value: r.value, timestamp: r.timestamp, headers: r.headers }));
  const plain = buildBatch(core, records, { baseOffset: 100 });
  const gzip = buildBatch(core, records.slice(0, 2), { baseOffset: 103, compression: 1, codecs: gzipCodecs });
  const log = new Uint8Array(plain.length + gzip.length);
  log.set(plain);
  log.set(gzip, plain.length);

  it.each([[0], [1]] as const)('magic %i sets read back by kafka-python with absolute offsets', (magic) => {
    const set = batchesToLegacy(core, log, magic, gzipCodecs);
    const read = readWithKafkaPython(set);
    const expected = [...records, ...records.slice(0, 2)].map((r, i) => ({
      offset: 100 + i, timestamp: magic === 0 ? null : r.timestamp, key: r.key, value: r.value,
    }));
    expect(read).toEqual(expected);
  });

  it('keeps compression as a wrapper message and round-trips through up-conversion', () => {
    const set = batchesToLegacy(core, gzip, 1, gzipCodecs);
    core.resetArena();
    const desc = core.alloc(8 * ABI.DESC_SIZE);
    expect(core.exports.legacyScan(core.copyIn(set), set.length, desc, 8)).toBe(1); // one wrapper
    const dv = core.mem.dv();
    expect(dv.getInt32(desc + ABI.D_ATTRIBUTES, true)).toBe((1 << 8) | 1);
    expect(dv.getFloat64(desc + ABI.D_OFFSET, true)).toBe(104); // a magic 1 wrapper carries the last offset
    const back = legacyToBatch(core, set, gzipCodecs);
    expect(decodeBatches(core, back.batch, gzipCodecs)[0].records.map((r) => text(r.value))).toEqual(records.slice(0, 2).map((r) => r.value));
  });

  it('leaves out control batches, drops an incomplete tail and refuses zstd', () => {
    const marker = buildBatch(core, [{ key: new Uint8Array([0, 0, 0, 1]), value: new Uint8Array(6) }], { control: true, transactional: true, baseOffset: 5 });
    const set = batchesToLegacy(core, Buffer.concat([marker, plain, gzip.subarray(0, 20)]), 1, gzipCodecs);
    expect(readWithKafkaPython(set).map((r) => r.offset)).toEqual([100, 101, 102]);
    const zstd = Uint8Array.from(plain);
    zstd[22] = (zstd[22] & ~7) | 4;
    try { batchesToLegacy(core, zstd, 1); expect.unreachable(); } catch (e) { expect((e as CoreError).codeName).toBe('ERR_COMPRESSION'); }
  });
});
