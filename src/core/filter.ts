// Record-level work on stored batches, for the log cleaner (compaction) and for produce
// checks that must see every record: visit each record's key, or rewrite a batch keeping
// only some of its records. Both decode the records into descriptors in core memory
// (decompressing first); a rewrite compacts the descriptors of the records kept and has the
// core encode them again, so values and headers are never copied out to JS objects.
import type { Core, BatchHeader } from './core.js';
import { decodeBatchAt as decodeAt, type Codecs } from './records.js';
import { ABI, at, type Ptr } from './abi.js';

/**
 * What a visitor or keep-decision sees of one record. `key` is a view of core memory, valid
 * only during the call (copy it to keep it); null for a record without a key.
 */
export type RecordVisitor = (offset: number, key: Uint8Array | null, tombstone: boolean, timestamp: number) => void;
export type RecordPredicate = (offset: number, key: Uint8Array | null, tombstone: boolean, timestamp: number) => boolean;

/** What filterBatchAt did: kept every record, none, or some (the rewritten batch). */
export type FilterResult =
  | { kept: 'all'; header: BatchHeader }
  | { kept: 'none'; header: BatchHeader }
  | { kept: 'some'; header: BatchHeader; batch: Uint8Array; records: number; maxTimestamp: number };

/** Calls `visit` with the fields of descriptor i that the callbacks take. */
function callWith<T>(core: Core, d: Ptr, fn: (offset: number, key: Uint8Array | null, tombstone: boolean, timestamp: number) => T): T {
  const dv = core.mem.dv();
  const keyLen = dv.getInt32(d + ABI.D_KEY_LEN, true);
  const key = keyLen < 0 ? null : core.mem.view(core.mem.ptrAt(at(d, ABI.D_KEY_PTR)), keyLen);
  return fn(dv.getFloat64(d + ABI.D_OFFSET, true), key, dv.getInt32(d + ABI.D_VALUE_LEN, true) < 0, dv.getFloat64(d + ABI.D_TIMESTAMP, true));
}

/**
 * Visits every record of the batch at ptr (size bytes of core memory outside the call
 * arena, which this resets). Returns the batch header.
 */
export function visitRecordsAt(core: Core, ptr: Ptr, size: number, codecs: Codecs | undefined, visit: RecordVisitor): BatchHeader {
  core.resetArena();
  return visitDecoded(core, ptr, size, codecs, visit);
}

/** visitRecordsAt for a batch held in a byte array (used in place when it is core memory). */
export function visitRecords(core: Core, batch: Uint8Array, codecs: Codecs | undefined, visit: RecordVisitor): BatchHeader {
  return visitDecoded(core, placeBatch(core, batch), batch.length, codecs, visit);
}

/** Resets the call arena and returns where `batch` lies in core memory (copied in if it is not there). */
function placeBatch(core: Core, batch: Uint8Array): Ptr {
  core.resetArena();
  const ptr = core.addressOf(batch);
  return ptr !== -1 ? ptr : core.copyIn(batch);
}

function visitDecoded(core: Core, ptr: Ptr, size: number, codecs: Codecs | undefined, visit: RecordVisitor): BatchHeader {
  const { header, desc, count } = decodeAt(core, ptr, size, codecs);
  for (let i = 0; i < count; i++) callWith(core, at(desc, i * ABI.DESC_SIZE), visit);
  return header;
}

/**
 * Rewrites the batch at ptr (size bytes of core memory outside the call arena) keeping
 * the records `keep` accepts. A rewritten batch keeps what Kafka's cleaner keeps: base
 * offset, last offset delta, the retained records' own offsets (gaps allowed), producer id,
 * epoch and base sequence, attributes (so its codec), leader epoch and base timestamp; the
 * max timestamp is that of the retained records (LogAppendTime batches keep theirs).
 * The rewritten batch is a view of the call arena, valid until the next core call.
 */
export function filterBatchAt(core: Core, ptr: Ptr, size: number, codecs: Codecs | undefined, keep: RecordPredicate): FilterResult {
  core.resetArena();
  return filterDecoded(core, ptr, size, codecs, keep);
}

/** filterBatchAt for a batch in a byte array; a rewritten batch is returned as a copy of its own. */
export function filterBatch(core: Core, batch: Uint8Array, codecs: Codecs | undefined, keep: RecordPredicate): FilterResult {
  const result = filterDecoded(core, placeBatch(core, batch), batch.length, codecs, keep);
  return result.kept === 'some' ? { ...result, batch: result.batch.slice() } : result;
}

function filterDecoded(core: Core, ptr: Ptr, size: number, codecs: Codecs | undefined, keep: RecordPredicate): FilterResult {
  const { header, desc, count, recordsLength } = decodeAt(core, ptr, size, codecs);
  let kept = 0;
  let maxTimestamp = -1;
  for (let i = 0; i < count; i++) {
    const d = at(desc, i * ABI.DESC_SIZE);
    if (!callWith(core, d, keep)) continue;
    // Descriptors of the records kept close up at the front, in order.
    if (kept !== i) core.mem.u8().copyWithin(desc + kept * ABI.DESC_SIZE, d, d + ABI.DESC_SIZE);
    maxTimestamp = Math.max(maxTimestamp, core.mem.dv().getFloat64(d + ABI.D_TIMESTAMP, true));
    kept++;
  }
  if (kept === count) return { kept: 'all', header };
  if (kept === 0) return { kept: 'none', header };
  if (header.timestampType === 1) maxTimestamp = header.maxTimestamp;
  const batch = encodeKept(core, header, desc, kept, recordsLength, codecs, maxTimestamp);
  return { kept: 'some', header, batch, records: kept, maxTimestamp };
}

/**
 * The whole batches in `bytes` with every batch compressed with codec `from` rewritten with
 * codec `to`, all else as it was: offsets, timestamps, producer fields, leader epoch (Fetch
 * before v10 cannot take zstd: its batches are served in a codec the version allows). The
 * result is a copy of its own; bytes with no such batch come back as they are.
 */
export function recodeBatches(core: Core, bytes: Uint8Array, from: number, to: number, codecs: Codecs): Uint8Array {
  core.resetArena();
  const base = placeBatch(core, bytes);
  const scan = core.scanAt(base, bytes.length, 0, Math.ceil(bytes.length / ABI.BATCH_HEADER_SIZE));
  if (scan.status < 0) throw core.error(scan.status, `batch at byte ${scan.bytes}: ${core.codeName(scan.status)}`);
  if (!scan.batches.some((b) => (b.attributes & ABI.COMPRESSION_MASK) === from)) return bytes;
  const parts: Uint8Array[] = [];
  for (const b of scan.batches) {
    const ptr = at(base, b.position);
    if ((b.attributes & ABI.COMPRESSION_MASK) !== from) {
      parts.push(core.mem.read(ptr, b.size));
      continue;
    }
    const { header, desc, count, recordsLength } = decodeAt(core, ptr, b.size, codecs);
    const recoded = { ...header, compression: to, attributes: (header.attributes & ~ABI.COMPRESSION_MASK) | to };
    parts.push(encodeKept(core, recoded, desc, count, recordsLength, codecs, header.maxTimestamp).slice());
  }
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

/** Encodes `count` descriptors at desc as the records of a batch shaped like `header`. */
function encodeKept(core: Core, header: BatchHeader, desc: number, count: number, decodedLength: number, codecs: Codecs | undefined, maxTimestamp: number): Uint8Array {
  // A kept record re-encodes to at most the bytes it had (same fields and deltas, minimal
  // varints), so the decoded records' length is enough.
  const out = core.alloc(ABI.BATCH_HEADER_SIZE + decodedLength);
  let recordsLength = core.exports.recordsEncode(desc, count, header.baseTimestamp, out + ABI.BATCH_HEADER_SIZE, decodedLength);
  if (recordsLength < 0) throw core.error(recordsLength);
  let batch = out;
  if (header.compression !== 0) {
    const compressed = codecs!.compress(header.compression, core.mem.view(at(out, ABI.BATCH_HEADER_SIZE), recordsLength), 2);
    batch = core.alloc(ABI.BATCH_HEADER_SIZE + compressed.length);
    core.mem.write(at(batch, ABI.BATCH_HEADER_SIZE), compressed);
    recordsLength = compressed.length;
  }
  const size = core.exports.batchWriteHeader(batch, recordsLength, count, header.attributes, header.lastOffsetDelta,
    header.baseOffset, header.baseTimestamp, maxTimestamp, header.producerId, header.producerEpoch,
    header.baseSequence, header.partitionLeaderEpoch);
  return core.mem.view(batch, size);
}
