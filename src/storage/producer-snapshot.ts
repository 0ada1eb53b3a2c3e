// Producer state snapshots in Kafka's file format (its ProducerSnapshot message, version 1,
// written by ProducerStateManager.writeSnapshot), so Kafka's tools read Strom's files:
//   int16  version (1)
//   uint32 crc: CRC-32C of everything after it
//   int32  entry count, then per producer (46 bytes):
//     int64 producerId, int16 epoch, int32 lastSequence, int64 lastOffset, int32 offsetDelta,
//     int64 timestamp, int32 coordinatorEpoch, int64 currentTxnFirstOffset (-1: none)
// A file is named by the offset its state holds at (<offset, 20 digits>.snapshot) and written
// beside the segments: when a segment rolls (at the new segment's base) and at a clean
// shutdown (at the log end). Recovery starts from the latest good one and replays the log after it.
import type { ProducerSnapshotEntry } from './producer-state.js';

const SNAPSHOT_VERSION = 1;
const CRC_OFFSET = 2;
/** Where the CRC's coverage starts (Kafka's PRODUCER_ENTRIES_OFFSET). */
const ENTRIES_OFFSET = 6;
const HEADER_BYTES = 10;
export const SNAPSHOT_ENTRY_BYTES = 46;

/** A snapshot that cannot be trusted: recovery deletes it and tries an older one. */
export class CorruptSnapshotError extends Error {
  override name = 'CorruptSnapshotError';
}

/** CRC-32C of bytes (the caller's core, or any implementation). */
type Crc32c = (bytes: Uint8Array) => number;

export function encodeSnapshot(entries: readonly ProducerSnapshotEntry[], crc32c: Crc32c): Buffer {
  const out = Buffer.alloc(HEADER_BYTES + entries.length * SNAPSHOT_ENTRY_BYTES);
  out.writeInt16BE(SNAPSHOT_VERSION, 0);
  out.writeInt32BE(entries.length, ENTRIES_OFFSET);
  let at = HEADER_BYTES;
  for (const e of entries) {
    out.writeBigInt64BE(BigInt(e.producerId), at);
    out.writeInt16BE(e.epoch, at + 8);
    out.writeInt32BE(e.lastSequence, at + 10);
    out.writeBigInt64BE(BigInt(e.lastOffset), at + 14);
    out.writeInt32BE(e.offsetDelta, at + 22);
    out.writeBigInt64BE(BigInt(e.timestamp), at + 26);
    out.writeInt32BE(e.coordinatorEpoch, at + 34);
    out.writeBigInt64BE(BigInt(e.currentTxnFirstOffset), at + 38);
    at += SNAPSHOT_ENTRY_BYTES;
  }
  out.writeUInt32BE(crc32c(out.subarray(ENTRIES_OFFSET)) >>> 0, CRC_OFFSET);
  return out;
}

/** Reads a snapshot file's bytes; throws CorruptSnapshotError for a wrong version, size or CRC. */
export function decodeSnapshot(bytes: Uint8Array, crc32c: Crc32c): ProducerSnapshotEntry[] {
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
  if (b.length < HEADER_BYTES) throw new CorruptSnapshotError(`${b.length} bytes is shorter than a snapshot's header`);
  const version = b.readInt16BE(0);
  if (version !== SNAPSHOT_VERSION) throw new CorruptSnapshotError(`unknown snapshot version ${version}`);
  const count = b.readInt32BE(ENTRIES_OFFSET);
  if (count < 0 || b.length !== HEADER_BYTES + count * SNAPSHOT_ENTRY_BYTES) throw new CorruptSnapshotError(`${b.length} bytes do not hold ${count} entries`);
  const stored = b.readUInt32BE(CRC_OFFSET);
  const computed = crc32c(b.subarray(ENTRIES_OFFSET)) >>> 0;
  if (stored !== computed) throw new CorruptSnapshotError(`CRC ${stored} stored, ${computed} computed`);
  const entries: ProducerSnapshotEntry[] = [];
  for (let i = 0, at = HEADER_BYTES; i < count; i++, at += SNAPSHOT_ENTRY_BYTES) {
    entries.push({
      producerId: Number(b.readBigInt64BE(at)),
      epoch: b.readInt16BE(at + 8),
      lastSequence: b.readInt32BE(at + 10),
      lastOffset: Number(b.readBigInt64BE(at + 14)),
      offsetDelta: b.readInt32BE(at + 22),
      timestamp: Number(b.readBigInt64BE(at + 26)),
      coordinatorEpoch: b.readInt32BE(at + 34),
      currentTxnFirstOffset: Number(b.readBigInt64BE(at + 38)),
    });
  }
  return entries;
}
