import { beforeAll, describe, expect, it } from 'vitest';
import { buildBatch, decodeBatches, legacyToBatch, batchesToLegacy } from '../../../src/core/index.js';
import { codecs, initCompression, CompressionError, GZIP, SNAPPY, LZ4, ZSTD, codecOf } from '../../../src/compression/codecs.js';
import { core, fixtures, fixtureRecords, text, randomBytes, CODEC_IDS } from '../../helpers/core.js';
import { KAFKA_PYTHON, requireExternal } from '../../helpers/external.js';
import { readWithKafkaPython } from '../../helpers/kafka-python.js';

requireExternal(KAFKA_PYTHON);

beforeAll(initCompression);

const asRecords = (records: { key: Uint8Array | null; value: Uint8Array | null; timestamp: number }[]) =>
  records.map((r) => [text(r.key), text(r.value), r.timestamp]);

describe('codecs on what real clients send', () => {
  it.each(fixtures.filter((f) => f.magic === 2).map((f) => [f.file, f]))('%s decodes to the records sent', (_name, f) => {
    const [batch] = decodeBatches(core, f.bytes, codecs);
    expect(batch.header.compression).toBe(CODEC_IDS[f.codec]);
    expect(asRecords(batch.records)).toEqual(fixtureRecords.map((r) => [r.key, r.value, r.timestamp]));
  });

  it.each(fixtures.filter((f) => f.magic !== 2).map((f) => [f.file, f]))('%s up-converts to the records sent', (_name, f) => {
    const up = legacyToBatch(core, f.bytes, codecs);
    expect(up.compression).toBe(CODEC_IDS[f.codec]);
    const [batch] = decodeBatches(core, up.batch, codecs);
    expect(asRecords(batch.records)).toEqual(fixtureRecords.map((r) => [r.key, r.value, f.magic === 0 ? -1 : r.timestamp]));
  });
});

describe('codec round trips', () => {
  const inputs = [new Uint8Array(0), new Uint8Array([7]), randomBytes(100_000, 3), Buffer.alloc(1 << 20, 'abcdefgh')];
  it.each([['gzip', GZIP], ['snappy', SNAPPY], ['lz4', LZ4], ['zstd', ZSTD]] as const)('%s', (_name, codec) => {
    for (const input of inputs) {
      for (const magic of codec === ZSTD ? [2] : [0, 1, 2]) {
        const packed = codecs.compress(codec, input, magic);
        expect(Buffer.from(codecs.decompress(codec, packed, magic)).equals(Buffer.from(input)), `${input.length} bytes, magic ${magic}`).toBe(true);
      }
    }
  });

  it('writes xerial-framed snappy, as the Java client does', () => {
    const packed = Buffer.from(codecs.compress(SNAPPY, Buffer.from('hello'), 2));
    expect(packed.subarray(0, 8).toString('hex')).toBe('82534e4150505900');
  });

  it('writes the 0.8-era LZ4 header checksum for magic 0 only (KIP-57)', () => {
    const input = Buffer.from('x'.repeat(1000));
    const v0 = Buffer.from(codecs.compress(LZ4, input, 0));
    const v1 = Buffer.from(codecs.compress(LZ4, input, 1));
    expect(v0.subarray(0, 6)).toEqual(v1.subarray(0, 6));
    expect(v0[6]).not.toBe(v1[6]);
    expect(() => codecs.decompress(LZ4, v0, 1)).toThrow(CompressionError);
  });

  it('reports corrupt input as a CompressionError', () => {
    for (const codec of [GZIP, SNAPPY, LZ4, ZSTD]) {
      expect(() => codecs.decompress(codec, Buffer.from('definitely not compressed'), 2), `codec ${codec}`).toThrow(CompressionError);
    }
  });

  it('maps compression.type names', () => {
    expect(['producer', 'uncompressed', 'gzip', 'snappy', 'lz4', 'zstd'].map(codecOf)).toEqual([null, 0, 1, 2, 3, 4]);
  });
});

describe('compressed batches and message sets that kafka-python reads', () => {
  const records = Array.from({ length: 20 }, (_, i) => ({ key: `k${i}`, value: `value ${i} `.repeat(10), timestamp: 1_700_000_000_000 + i }));
  it.each([['gzip', GZIP], ['snappy', SNAPPY], ['lz4', LZ4]] as const)('%s, magic 0 and 1', (_name, codec) => {
    const batch = buildBatch(core, records, { baseOffset: 500, compression: codec, codecs });
    expect(decodeBatches(core, batch, codecs)[0].records.length).toBe(20);
    for (const magic of [0, 1] as const) {
      const set = batchesToLegacy(core, batch, magic, codecs);
      expect(readWithKafkaPython(set).map((r) => ({ offset: r.offset, value: r.value }))).toEqual(records.map((r, i) => ({ offset: 500 + i, value: r.value })));
    }
  });
});
