// Record batches as JS values: build a batch from records, decode batches into records.
// The core encodes and walks the records through descriptors (assembly/records.ts); this
// file only moves bytes and descriptors across. For tools, the gateway and tests: the
// broker's own produce and fetch paths stay on bytes and never come here.
import type { Core, BatchHeader } from './core.js';
import { ABI, at, type Ptr } from './abi.js';

export type Bytes = Uint8Array | string;

/** Compression, supplied by the caller (the core has no codecs). codec: Kafka's codec id. */
export interface Codecs {
  compress(codec: number, data: Uint8Array, magic: number): Uint8Array;
  decompress(codec: number, data: Uint8Array, magic: number): Uint8Array;
}

export interface RecordHeader {
  key: string;
  value: Bytes | null;
}

export interface RecordInput {
  key?: Bytes | null;
  value?: Bytes | null;
  headers?: RecordHeader[];
  /** Milliseconds since the epoch; defaults to now. */
  timestamp?: number;
  /**
   * Offset relative to the batch's base offset; defaults to one past the previous record's
   * (0 for the first). Explicit deltas with gaps describe a compacted batch: the records a
   * cleaner retained keep their offsets.
   */
  offsetDelta?: number;
}

export interface DecodedRecord {
  offset: number;
  timestamp: number;
  key: Uint8Array | null;
  value: Uint8Array | null;
  headers: { key: string; value: Uint8Array | null }[];
}

export interface DecodedBatch {
  header: BatchHeader;
  records: DecodedRecord[];
}

export interface BatchOptions {
  baseOffset?: number;
  partitionLeaderEpoch?: number;
  /** Codec id (0 none, 1 gzip, 2 snappy, 3 lz4, 4 zstd); the records are compressed with `codecs`. */
  compression?: number;
  codecs?: Codecs;
  /** 1 = LogAppendTime (maxTimestamp is then the append time). */
  timestampType?: number;
  transactional?: boolean;
  control?: boolean;
  producerId?: number;
  producerEpoch?: number;
  baseSequence?: number;
  /** Defaults to the first record's timestamp, as Kafka's producers do. */
  baseTimestamp?: number;
  /** Defaults to the largest record timestamp. */
  maxTimestamp?: number;
  /**
   * Defaults to the last record's offset delta. A compacted batch keeps its original one,
   * so the batch still ends where it ended (consumers resume after its last offset).
   */
  lastOffsetDelta?: number;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

function toBytes(value: Bytes | null | undefined): Uint8Array | null {
  if (value === null || value === undefined) return null;
  return typeof value === 'string' ? encoder.encode(value) : value;
}

/** Each record's offset delta: given, or one past the previous; they must increase. */
function offsetDeltas(records: RecordInput[]): number[] {
  const deltas: number[] = [];
  let previous = -1;
  for (const record of records) {
    const delta = record.offsetDelta ?? previous + 1;
    if (!Number.isInteger(delta) || delta <= previous || delta > 0x7fffffff) {
      throw new RangeError(`offset delta ${delta} does not follow ${previous}: deltas must increase`);
    }
    deltas.push(delta);
    previous = delta;
  }
  return deltas;
}

/** Builds one record batch (magic 2) holding `records`; returns a byte array of its own. */
export function buildBatch(core: Core, records: RecordInput[], options: BatchOptions = {}): Uint8Array {
  if (records.length === 0) throw new RangeError('a record batch needs at least one record');
  const now = Date.now();
  const count = records.length;
  const keys: (Uint8Array | null)[] = [];
  const values: (Uint8Array | null)[] = [];
  const headers: { key: Uint8Array; value: Uint8Array | null }[][] = [];
  let dataBytes = 0;
  let headerCount = 0;
  for (const record of records) {
    const key = toBytes(record.key);
    const value = toBytes(record.value);
    const hs = (record.headers ?? []).map((h) => ({ key: encoder.encode(h.key), value: toBytes(h.value) }));
    keys.push(key);
    values.push(value);
    headers.push(hs);
    dataBytes += (key?.length ?? 0) + (value?.length ?? 0);
    for (const h of hs) dataBytes += h.key.length + (h.value?.length ?? 0);
    headerCount += hs.length;
  }
  const timestamps = records.map((r) => r.timestamp ?? now);
  const deltas = offsetDeltas(records);
  const lastOffsetDelta = options.lastOffsetDelta ?? deltas[count - 1];
  if (lastOffsetDelta < deltas[count - 1]) throw new RangeError(`lastOffsetDelta ${lastOffsetDelta} is below the last record's offset delta ${deltas[count - 1]}`);
  const baseTimestamp = options.baseTimestamp ?? timestamps[0];
  const maxTimestamp = options.maxTimestamp ?? Math.max(...timestamps);

  core.resetArena();
  const desc = core.alloc(count * ABI.DESC_SIZE);
  const headerDesc = core.alloc(Math.max(1, headerCount) * ABI.HEADER_DESC_SIZE);
  let data = core.alloc(dataBytes);
  const mem = core.mem;
  const place = (bytes: Uint8Array | null): [number, number] => {
    if (bytes === null) return [0, -1];
    const ptr = data;
    mem.write(ptr, bytes);
    data = at(data, bytes.length);
    return [ptr, bytes.length];
  };
  let nextHeader = headerDesc;
  for (let i = 0; i < count; i++) {
    const d = at(desc, i * ABI.DESC_SIZE);
    const [keyPtr, keyLen] = place(keys[i]);
    const [valuePtr, valueLen] = place(values[i]);
    const firstHeader = nextHeader;
    for (const h of headers[i]) {
      const [hk, hkLen] = place(h.key);
      const [hv, hvLen] = place(h.value);
      const dv = mem.dv();
      dv.setInt32(nextHeader, hk, true);
      dv.setInt32(nextHeader + 4, hkLen, true);
      dv.setInt32(nextHeader + 8, hv, true);
      dv.setInt32(nextHeader + 12, hvLen, true);
      nextHeader = at(nextHeader, ABI.HEADER_DESC_SIZE);
    }
    const dv = mem.dv();
    dv.setFloat64(d + ABI.D_TIMESTAMP, timestamps[i], true);
    dv.setFloat64(d + ABI.D_OFFSET, 0, true);
    dv.setInt32(d + ABI.D_OFFSET_DELTA, deltas[i], true);
    dv.setInt32(d + ABI.D_KEY_PTR, keyPtr, true);
    dv.setInt32(d + ABI.D_KEY_LEN, keyLen, true);
    dv.setInt32(d + ABI.D_VALUE_PTR, valuePtr, true);
    dv.setInt32(d + ABI.D_VALUE_LEN, valueLen, true);
    dv.setInt32(d + ABI.D_HEADERS_PTR, firstHeader, true);
    dv.setInt32(d + ABI.D_HEADER_COUNT, headers[i].length, true);
    dv.setInt32(d + ABI.D_ATTRIBUTES, 0, true);
  }
  // Every varint of a record fits in 10 bytes; a record has at most 5 + 2 per header.
  const capacity = dataBytes + count * 60 + headerCount * 20 + 16;
  let batch = core.alloc(ABI.BATCH_HEADER_SIZE + capacity);
  let recordsLength = core.exports.recordsEncode(desc, count, baseTimestamp, batch + ABI.BATCH_HEADER_SIZE, capacity);
  if (recordsLength < 0) throw core.error(recordsLength);
  const codec = options.compression ?? 0;
  if (codec !== 0) {
    if (!options.codecs) throw new Error(`compression ${codec} requested without codecs`);
    const compressed = options.codecs.compress(codec, mem.view(at(batch, ABI.BATCH_HEADER_SIZE), recordsLength), 2);
    batch = core.alloc(ABI.BATCH_HEADER_SIZE + compressed.length);
    mem.write(at(batch, ABI.BATCH_HEADER_SIZE), compressed);
    recordsLength = compressed.length;
  }
  const attributes = (codec & ABI.COMPRESSION_MASK)
    | (options.timestampType ? ABI.TIMESTAMP_TYPE_BIT : 0)
    | (options.transactional ? ABI.TRANSACTIONAL_BIT : 0)
    | (options.control ? ABI.CONTROL_BIT : 0);
  const size = core.exports.batchWriteHeader(batch, recordsLength, count, attributes, lastOffsetDelta,
    options.baseOffset ?? 0, baseTimestamp, maxTimestamp, options.producerId ?? -1, options.producerEpoch ?? -1,
    options.baseSequence ?? -1, options.partitionLeaderEpoch ?? -1);
  return mem.read(batch, size);
}

/**
 * Decodes the records of the batch whose header the core just read (its records at
 * recordsPtr, recordsLength bytes, already decompressed) into descriptors; returns the
 * descriptor and header-descriptor regions. Used by decodeBatches and the legacy conversion.
 */
export function decodeRecordsAt(core: Core, header: BatchHeader, recordsPtr: Ptr, recordsLength: number): { desc: Ptr; count: number } {
  const count = header.recordsCount;
  const desc = core.alloc(Math.max(1, count) * ABI.DESC_SIZE);
  // A header takes at least two bytes on the wire, which bounds how many there can be.
  let headerCap = Math.min(1024, (recordsLength >> 1) + 1);
  for (;;) {
    const headerDesc = core.alloc(headerCap * ABI.HEADER_DESC_SIZE);
    const status = core.exports.recordsDecode(recordsPtr, recordsLength, count, header.baseOffset, header.baseTimestamp,
      header.timestampType === 1, header.maxTimestamp, desc, headerDesc, headerCap);
    if (status === 0) return { desc, count };
    if (status !== ABI.ERR_CAPACITY) throw core.error(status, `records of the batch at offset ${header.baseOffset}: ${core.codeName(status)}`);
    headerCap = (recordsLength >> 1) + 1;
  }
}

/** Record descriptors at desc as JS values (bytes copied out of core memory). */
function readDescriptors(core: Core, desc: Ptr, count: number): DecodedRecord[] {
  const mem = core.mem;
  const out: DecodedRecord[] = [];
  for (let i = 0; i < count; i++) {
    const d = at(desc, i * ABI.DESC_SIZE);
    const dv = mem.dv();
    const keyLen = dv.getInt32(d + ABI.D_KEY_LEN, true);
    const valueLen = dv.getInt32(d + ABI.D_VALUE_LEN, true);
    const headerPtr = mem.ptrAt(at(d, ABI.D_HEADERS_PTR));
    const headerCount = dv.getInt32(d + ABI.D_HEADER_COUNT, true);
    const headers: DecodedRecord['headers'] = [];
    for (let h = 0; h < headerCount; h++) {
      const hd = at(headerPtr, h * ABI.HEADER_DESC_SIZE);
      const hvLen = dv.getInt32(hd + 12, true);
      headers.push({
        key: decoder.decode(mem.view(mem.ptrAt(hd), dv.getInt32(hd + 4, true))),
        value: hvLen < 0 ? null : mem.read(mem.ptrAt(at(hd, 8)), hvLen),
      });
    }
    out.push({
      offset: dv.getFloat64(d + ABI.D_OFFSET, true),
      timestamp: dv.getFloat64(d + ABI.D_TIMESTAMP, true),
      key: keyLen < 0 ? null : mem.read(mem.ptrAt(at(d, ABI.D_KEY_PTR)), keyLen),
      value: valueLen < 0 ? null : mem.read(mem.ptrAt(at(d, ABI.D_VALUE_PTR)), valueLen),
      headers,
    });
  }
  return out;
}

/** One batch decoded into record descriptors in the call arena. */
interface DecodedAt {
  header: BatchHeader;
  desc: Ptr;
  count: number;
  /** Bytes of the (decompressed) records. */
  recordsLength: number;
}

/**
 * Reads the header of the batch at ptr (size bytes of core memory) and decodes its records
 * into descriptors, decompressing them into the call arena first when the batch is compressed.
 */
export function decodeBatchAt(core: Core, ptr: Ptr, size: number, codecs: Codecs | undefined): DecodedAt {
  const status = core.readHeaderAt(ptr, size);
  if (status < 0) throw core.error(status, `batch header: ${core.codeName(status)}`);
  const header = core.header();
  let recordsPtr = at(ptr, ABI.BATCH_HEADER_SIZE);
  let recordsLength = size - ABI.BATCH_HEADER_SIZE;
  if (header.compression !== 0) {
    if (!codecs) throw new Error(`batch at offset ${header.baseOffset} is compressed (codec ${header.compression}) and no codecs were given`);
    const plain = codecs.decompress(header.compression, core.mem.view(recordsPtr, recordsLength), 2);
    recordsPtr = core.copyIn(plain);
    recordsLength = plain.length;
  }
  const { desc, count } = decodeRecordsAt(core, header, recordsPtr, recordsLength);
  return { header, desc, count, recordsLength };
}

/**
 * Decodes every whole batch in `bytes` (a segment slice or a fetch response's records; an
 * incomplete batch at the end is ignored, as consumers do). CRCs are checked.
 */
export function decodeBatches(core: Core, bytes: Uint8Array, codecs?: Codecs): DecodedBatch[] {
  core.resetArena();
  const base = core.copyIn(bytes);
  const scan = core.scanAt(base, bytes.length, ABI.F_VERIFY_CRC, Math.ceil(bytes.length / ABI.BATCH_HEADER_SIZE));
  if (scan.status < 0) throw core.error(scan.status, `batch at byte ${scan.bytes}: ${core.codeName(scan.status)}`);
  const batches: DecodedBatch[] = [];
  for (const entry of scan.batches) {
    const { header, desc, count } = decodeBatchAt(core, at(base, entry.position), entry.size, codecs);
    batches.push({ header, records: readDescriptors(core, desc, count) });
  }
  return batches;
}
