// src/storage/producer-snapshot.ts: Kafka's ProducerSnapshot file format (version 1), byte
// for byte, so that Kafka's tools read Strom's snapshots and the other way round.
import { describe, expect, it } from 'vitest';
import { crc32c } from '@node-rs/crc32';
import { encodeSnapshot, decodeSnapshot, CorruptSnapshotError, SNAPSHOT_ENTRY_BYTES } from '../../../src/storage/producer-snapshot.js';
import type { ProducerSnapshotEntry } from '../../../src/storage/producer-state.js';

const crc = (b: Uint8Array) => crc32c(Buffer.from(b));

const ENTRY: ProducerSnapshotEntry = {
  producerId: 2 ** 40 + 5, epoch: 32766, lastSequence: 0x7ffffff0, lastOffset: 2 ** 35 + 9, offsetDelta: 4,
  timestamp: 1_700_000_000_123, coordinatorEpoch: 17, currentTxnFirstOffset: -1,
};

describe('producer snapshot files', () => {
  it('are Kafka\'s layout: version 1, CRC-32C of what follows it, then int32-counted 46-byte entries', () => {
    const bytes = encodeSnapshot([ENTRY], crc);
    expect(bytes.length).toBe(10 + SNAPSHOT_ENTRY_BYTES);
    const expected = Buffer.alloc(56);
    expected.writeInt16BE(1, 0);
    expected.writeInt32BE(1, 6);
    expected.writeBigInt64BE(BigInt(2 ** 40 + 5), 10);
    expected.writeInt16BE(32766, 18);
    expected.writeInt32BE(0x7ffffff0, 20);
    expected.writeBigInt64BE(BigInt(2 ** 35 + 9), 24);
    expected.writeInt32BE(4, 32);
    expected.writeBigInt64BE(1_700_000_000_123n, 36);
    expected.writeInt32BE(17, 44);
    expected.writeBigInt64BE(-1n, 48);
    expected.writeUInt32BE(crc(expected.subarray(6)), 2);
    expect(bytes.equals(expected)).toBe(true);
  });

  it('round-trip any number of entries, none included', () => {
    const many = Array.from({ length: 300 }, (_, i) => ({ ...ENTRY, producerId: i, currentTxnFirstOffset: i % 3 === 0 ? i * 10 : -1 }));
    expect(decodeSnapshot(encodeSnapshot(many, crc), crc)).toEqual(many);
    expect(decodeSnapshot(encodeSnapshot([], crc), crc)).toEqual([]);
  });

  it('a flipped bit, a wrong version, a torn or padded file is a CorruptSnapshotError', () => {
    const good = encodeSnapshot([ENTRY, { ...ENTRY, producerId: 9 }], crc);
    const flipped = Buffer.from(good);
    flipped[40] ^= 0x10;
    const version = Buffer.from(good);
    version.writeInt16BE(2, 0);
    for (const bad of [flipped, version, good.subarray(0, good.length - 1), Buffer.concat([good, Buffer.alloc(46)]), good.subarray(0, 4)]) {
      expect(() => decodeSnapshot(bad, crc)).toThrow(CorruptSnapshotError);
    }
  });
});
