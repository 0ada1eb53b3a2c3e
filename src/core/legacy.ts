// Conversions between legacy message sets (magic 0/1) and record batches (magic 2), for
// Produce v0-2 (up-conversion) and Fetch v0-3 (down-conversion). The core checks, reads and
// writes the bytes (assembly/legacy.ts); this file sequences it and runs the caller's codecs.
import type { Core } from './core.js';
import { decodeRecordsAt, type Codecs } from './records.js';
import { ABI, at, type Ptr } from './abi.js';

const ZSTD = 4;

export interface UpConverted {
  /** One record batch holding every message of the set, compressed like the set was. */
  batch: Uint8Array;
  count: number;
  magic: number;
  compression: number;
}

/**
 * Converts a producer's message set (magic 0 or 1, wrappers included) into one record batch,
 * numbering records 0..n-1 as Kafka does. Throws CoreError on any invalid or incomplete
 * message (bad CRC, size, magic, nested compression).
 */
export function legacyToBatch(core: Core, messageSet: Uint8Array, codecs?: Codecs): UpConverted {
  const mem = core.mem;
  core.resetArena();
  const scan = (ptr: Ptr, length: number): { desc: Ptr; count: number } => {
    const maxCount = Math.floor(length / 26) + 1; // 26 = smallest legacy message
    const desc = core.alloc(maxCount * ABI.DESC_SIZE);
    const count = core.exports.legacyScan(ptr, length, desc, maxCount);
    const status = core.resultInt(ABI.R_STATUS);
    if (status === 1) throw core.error(ABI.ERR_TRUNCATED, 'message set ends inside a message');
    if (status !== 0) throw core.error(status);
    return { desc, count };
  };
  const outer = scan(core.copyIn(messageSet), messageSet.length);
  const messages: Ptr[] = []; // descriptor addresses, in order
  let magic = -1;
  let compression = 0;
  let dataBytes = 0;
  for (let i = 0; i < outer.count; i++) {
    const d = at(outer.desc, i * ABI.DESC_SIZE);
    const attributes = mem.dv().getInt32(d + ABI.D_ATTRIBUTES, true);
    if (magic < 0) magic = attributes >> 8;
    const codec = attributes & ABI.COMPRESSION_MASK;
    if (codec === 0) {
      messages.push(d);
      continue;
    }
    if (!codecs) throw new Error(`message set compressed with codec ${codec} and no codecs were given`);
    const dv = mem.dv();
    const inner = codecs.decompress(codec, mem.view(mem.ptrAt(at(d, ABI.D_VALUE_PTR)), Math.max(0, dv.getInt32(d + ABI.D_VALUE_LEN, true))), attributes >> 8);
    const wrapped = scan(core.copyIn(inner), inner.length);
    for (let j = 0; j < wrapped.count; j++) {
      const w = at(wrapped.desc, j * ABI.DESC_SIZE);
      // Kafka's LegacyRecord: a wrapper's inner messages may not be compressed again.
      if ((mem.dv().getInt32(w + ABI.D_ATTRIBUTES, true) & ABI.COMPRESSION_MASK) !== 0) {
        throw core.error(ABI.ERR_COMPRESSION, 'nested compression inside a wrapper message');
      }
      messages.push(w);
    }
    compression ||= codec;
  }
  if (messages.length === 0) throw core.error(ABI.ERR_RECORD_COUNT, 'empty message set');

  const count = messages.length;
  const desc = core.alloc(count * ABI.DESC_SIZE);
  let maxTimestamp = -1;
  for (let i = 0; i < count; i++) {
    const target = at(desc, i * ABI.DESC_SIZE);
    mem.u8().copyWithin(target, messages[i], messages[i] + ABI.DESC_SIZE);
    const dv = mem.dv();
    dv.setInt32(target + ABI.D_OFFSET_DELTA, i, true);
    dv.setInt32(target + ABI.D_HEADER_COUNT, 0, true);
    dataBytes += Math.max(0, dv.getInt32(target + ABI.D_KEY_LEN, true)) + Math.max(0, dv.getInt32(target + ABI.D_VALUE_LEN, true));
    maxTimestamp = Math.max(maxTimestamp, dv.getFloat64(target + ABI.D_TIMESTAMP, true));
  }
  const baseTimestamp = mem.dv().getFloat64(desc + ABI.D_TIMESTAMP, true);
  const capacity = dataBytes + count * 40 + 16;
  let batch = core.alloc(ABI.BATCH_HEADER_SIZE + capacity);
  let recordsLength = core.exports.recordsEncode(desc, count, baseTimestamp, batch + ABI.BATCH_HEADER_SIZE, capacity);
  if (recordsLength < 0) throw core.error(recordsLength);
  if (compression !== 0) {
    const compressed = codecs!.compress(compression, mem.view(at(batch, ABI.BATCH_HEADER_SIZE), recordsLength), 2);
    batch = core.alloc(ABI.BATCH_HEADER_SIZE + compressed.length);
    mem.write(at(batch, ABI.BATCH_HEADER_SIZE), compressed);
    recordsLength = compressed.length;
  }
  const size = core.exports.batchWriteHeader(batch, recordsLength, count, compression, count - 1, 0, baseTimestamp,
    maxTimestamp, -1, -1, -1, -1);
  return { batch: mem.read(batch, size), count, magic, compression };
}

/**
 * Converts the whole record batches in `bytes` (as read from the log; an incomplete batch at
 * the end is dropped) into a message set of the given magic for Fetch v0-3. Control batches
 * are left out; compressed batches become wrapper messages with the same codec. zstd has no
 * legacy form: such batches throw ERR_COMPRESSION (Kafka answers UNSUPPORTED_COMPRESSION_TYPE).
 */
export function batchesToLegacy(core: Core, bytes: Uint8Array, magic: 0 | 1, codecs?: Codecs): Uint8Array {
  const mem = core.mem;
  core.resetArena();
  const base = core.copyIn(bytes);
  const scan = core.scanAt(base, bytes.length, 0, Math.ceil(bytes.length / ABI.BATCH_HEADER_SIZE));
  if (scan.status < 0) throw core.error(scan.status);
  const parts: Uint8Array[] = [];
  for (const entry of scan.batches) {
    const ptr = at(base, entry.position);
    core.readHeaderAt(ptr, entry.size);
    const header = core.header();
    if (header.isControl || header.recordsCount === 0) continue;
    let recordsPtr = at(ptr, ABI.BATCH_HEADER_SIZE);
    let recordsLength = entry.size - ABI.BATCH_HEADER_SIZE;
    const codec = header.compression;
    if (codec !== 0) {
      if (codec === ZSTD) throw core.error(ABI.ERR_COMPRESSION, 'zstd batches cannot be down-converted to magic 0/1');
      if (!codecs) throw new Error(`batch compressed with codec ${codec} and no codecs were given`);
      const plain = codecs.decompress(codec, mem.view(recordsPtr, recordsLength), 2);
      recordsPtr = core.copyIn(plain);
      recordsLength = plain.length;
    }
    const { desc, count } = decodeRecordsAt(core, header, recordsPtr, recordsLength);
    const lastOffset = mem.dv().getFloat64(at(desc, (count - 1) * ABI.DESC_SIZE + ABI.D_OFFSET), true);
    const capacity = recordsLength + count * 34 + 16;
    const out = core.alloc(capacity);
    let flags = header.timestampType === 1 ? ABI.L_LOG_APPEND_TIME : 0;
    // Magic 1 wrappers carry relative inner offsets; magic 0 ones absolute (KIP-31).
    if (codec !== 0 && magic === 1) flags |= ABI.L_RELATIVE_OFFSETS;
    const written = core.exports.legacyWrite(desc, count, magic, flags, out, capacity);
    if (written < 0) throw core.error(written);
    if (codec === 0) {
      parts.push(mem.read(out, written));
      continue;
    }
    const compressed = codecs!.compress(codec, mem.view(out, written), magic);
    const headerSize = core.exports.legacyHeaderSize(magic);
    const wrapper = core.alloc(headerSize + compressed.length);
    mem.write(at(wrapper, headerSize), compressed);
    const size = core.exports.legacyWrapper(wrapper, lastOffset, magic, codec, header.timestampType, header.maxTimestamp, compressed.length);
    parts.push(mem.read(wrapper, size));
  }
  return concat(parts);
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
