// Records inside a v2 batch (uncompressed, or after the JS face decompressed them):
//   length varint | attributes int8 | timestampDelta varlong | offsetDelta varint |
//   keyLength varint (-1 = null) | key | valueLength varint (-1 = null) | value |
//   headerCount varint | (headerKeyLength varint | key | headerValueLength varint | value)*
// All varints zig-zag (apache/kafka DefaultRecord.java).
//
// Record descriptors are the core's exchange format with JS for records: the walker writes
// them when decoding, recordsEncode and legacyWrite read them. 48 bytes each:
import { readVarlong, varintEnd, varintAt, nextOf, valueOf, unzigzag32, writeVarint, writeVarlong, varintSize, varlongSize } from './varint';
import { OK, ERR_RECORD_BOUNDS, ERR_RECORD_COUNT, ERR_OFFSET_DELTA, ERR_CAPACITY } from './errors';
import { result, R_RECORDS_MAX_TIMESTAMP, R_RECORDS_MIN_TIMESTAMP, R_MAX_TIMESTAMP_DELTA, R_HEADERS_USED, R_BYTES } from './scratch';
import { assertRange, assertInit } from './checks';

export const DESC_SIZE: usize = 48;
export const D_TIMESTAMP: usize = 0;     // f64, absolute (-1 = none)
export const D_OFFSET: usize = 8;        // f64, absolute offset
export const D_OFFSET_DELTA: usize = 16; // i32
export const D_KEY_PTR: usize = 20;      // i32
export const D_KEY_LEN: usize = 24;      // i32, -1 = null
export const D_VALUE_PTR: usize = 28;    // i32
export const D_VALUE_LEN: usize = 32;    // i32, -1 = null
export const D_HEADERS_PTR: usize = 36;  // i32, first header descriptor
export const D_HEADER_COUNT: usize = 40; // i32
export const D_ATTRIBUTES: usize = 44;   // i32; legacy messages: magic << 8 | attributes
/** Header descriptors: key ptr, key len, value ptr, value len (-1 = null), 4 x i32. */
export const HEADER_DESC_SIZE: usize = 16;

/** Smallest record body: attributes + five one-byte varints. */
const MIN_RECORD_BODY: i32 = 6;

/**
 * Walks `count` records in [p, end). Checks every varint and length is in bounds, records
 * end exactly where their length says and the last one exactly at end; with `strict` (a
 * producer's batch) offset deltas must run 0..count-1. Tracks min/max timestamps into the
 * result area. With `decode`, also writes descriptors (and header descriptors up to
 * headerCap). Inlined into its two callers so the non-decoding walk carries no stores.
 */
// @ts-ignore: decorator
@inline function walkRecords(p: usize, end: usize, count: i32, strict: bool, baseTimestamp: i64,
  decode: bool, baseOffset: i64, logAppendTime: bool, maxTimestamp: i64, desc: usize, headers: usize, headerCap: i32): i32 {
  if (count < 0) return ERR_RECORD_COUNT;
  let maxDelta: i64 = i64.MIN_VALUE;
  let minDelta: i64 = i64.MAX_VALUE;
  let maxDeltaOffset: i32 = -1;
  let headersUsed: i32 = 0;
  for (let i: i32 = 0; i < count; i++) {
    if (p >= end) return ERR_RECORD_COUNT;
    let v = varintAt(p, end);
    let q = nextOf(v);
    const length = valueOf(v);
    if (q == 0 || length < MIN_RECORD_BODY || <usize>length > end - q) return ERR_RECORD_BOUNDS;
    const recordEnd = q + <usize>length;
    const attributes = <i32>load<u8>(q);
    q++;
    // Timestamp delta: one or two bytes almost always (records of a batch lie within a
    // linger of milliseconds). q + 1 < recordEnd: the body holds at least MIN_RECORD_BODY bytes.
    let timestampDelta: i64;
    const t = <u32>load<u16>(q);
    if ((t & 0x80) == 0) {
      timestampDelta = <i64>unzigzag32(t & 0x7f);
      q++;
    } else if ((t & 0x8000) == 0) {
      timestampDelta = <i64>unzigzag32((t & 0x7f) | ((t >> 8) << 7));
      q += 2;
    } else {
      timestampDelta = readVarlong(q, recordEnd);
      q = varintEnd;
      if (q == 0) return ERR_RECORD_BOUNDS;
    }
    v = varintAt(q, recordEnd);
    q = nextOf(v);
    const offsetDelta = valueOf(v);
    if (q == 0) return ERR_RECORD_BOUNDS;
    if (strict && offsetDelta != i) return ERR_OFFSET_DELTA;
    v = varintAt(q, recordEnd);
    q = nextOf(v);
    const keyLen = valueOf(v);
    if (q == 0 || keyLen < -1 || keyLen > <i32>(recordEnd - q)) return ERR_RECORD_BOUNDS;
    const keyPtr = q;
    if (keyLen > 0) q += <usize>keyLen;
    v = varintAt(q, recordEnd);
    q = nextOf(v);
    const valueLen = valueOf(v);
    if (q == 0 || valueLen < -1 || valueLen > <i32>(recordEnd - q)) return ERR_RECORD_BOUNDS;
    const valuePtr = q;
    if (valueLen > 0) q += <usize>valueLen;
    v = varintAt(q, recordEnd);
    q = nextOf(v);
    const headerCount = valueOf(v);
    if (q == 0 || headerCount < 0) return ERR_RECORD_BOUNDS;
    const firstHeader = headers + <usize>headersUsed * HEADER_DESC_SIZE;
    for (let h: i32 = 0; h < headerCount; h++) {
      // Header keys are non-null strings; values may be null.
      v = varintAt(q, recordEnd);
      q = nextOf(v);
      const hKeyLen = valueOf(v);
      if (q == 0 || hKeyLen < 0 || hKeyLen > <i32>(recordEnd - q)) return ERR_RECORD_BOUNDS;
      const hKeyPtr = q;
      q += <usize>hKeyLen;
      v = varintAt(q, recordEnd);
      q = nextOf(v);
      const hValueLen = valueOf(v);
      if (q == 0 || hValueLen < -1 || hValueLen > <i32>(recordEnd - q)) return ERR_RECORD_BOUNDS;
      const hValuePtr = q;
      if (hValueLen > 0) q += <usize>hValueLen;
      if (decode) {
        if (headersUsed >= headerCap) return ERR_CAPACITY;
        const hd = headers + <usize>headersUsed * HEADER_DESC_SIZE;
        store<i32>(hd, <i32>hKeyPtr);
        store<i32>(hd, hKeyLen, 4);
        store<i32>(hd, <i32>hValuePtr, 8);
        store<i32>(hd, hValueLen, 12);
        headersUsed++;
      }
    }
    if (q != recordEnd) return ERR_RECORD_BOUNDS;
    if (timestampDelta > maxDelta) { maxDelta = timestampDelta; maxDeltaOffset = offsetDelta; }
    if (timestampDelta < minDelta) minDelta = timestampDelta;
    if (decode) {
      const d = desc + <usize>i * DESC_SIZE;
      // LogAppendTime batches: every record's timestamp is the batch's max timestamp.
      store<f64>(d, <f64>(logAppendTime ? maxTimestamp : baseTimestamp + timestampDelta), D_TIMESTAMP);
      store<f64>(d, <f64>(baseOffset + <i64>offsetDelta), D_OFFSET);
      store<i32>(d, offsetDelta, D_OFFSET_DELTA);
      store<i32>(d, <i32>keyPtr, D_KEY_PTR);
      store<i32>(d, keyLen, D_KEY_LEN);
      store<i32>(d, <i32>valuePtr, D_VALUE_PTR);
      store<i32>(d, valueLen, D_VALUE_LEN);
      store<i32>(d, <i32>firstHeader, D_HEADERS_PTR);
      store<i32>(d, headerCount, D_HEADER_COUNT);
      store<i32>(d, attributes, D_ATTRIBUTES);
    }
    p = recordEnd;
  }
  if (p != end) return ERR_RECORD_COUNT;
  if (count == 0) { maxDelta = 0; minDelta = 0; }
  store<f64>(result + R_RECORDS_MAX_TIMESTAMP, <f64>(baseTimestamp + maxDelta));
  store<f64>(result + R_RECORDS_MIN_TIMESTAMP, <f64>(baseTimestamp + minDelta));
  store<i32>(result + R_MAX_TIMESTAMP_DELTA, maxDeltaOffset);
  store<i32>(result + R_HEADERS_USED, headersUsed);
  return OK;
}

/** Validation walk, used by batchValidate and for decompressed record payloads. */
export function checkRecords(p: usize, end: usize, count: i32, strict: bool, baseTimestamp: i64): i32 {
  return walkRecords(p, end, count, strict, baseTimestamp, false, 0, false, 0, 0, 0, 0);
}

/**
 * Validates `count` records in n bytes at p (a decompressed batch payload). Returns OK or an
 * error; the result area holds the records' min/max timestamps.
 */
export function recordsValidate(p: usize, n: usize, count: i32, strict: bool, baseTimestamp: f64): i32 {
  assertRange(p, n); assertInit();
  return checkRecords(p, p + n, count, strict, <i64>baseTimestamp);
}

/**
 * Decodes `count` records into descriptors at desc (count x DESC_SIZE) and header descriptors
 * at headers (up to headerCap). Descriptors point into the record bytes. Returns OK, an
 * error, or ERR_CAPACITY when the headers do not fit.
 */
export function recordsDecode(p: usize, n: usize, count: i32, baseOffset: f64, baseTimestamp: f64,
  logAppendTime: bool, maxTimestamp: f64, desc: usize, headers: usize, headerCap: i32): i32 {
  assertRange(p, n); assertRange(desc, <usize>count * DESC_SIZE); assertRange(headers, <usize>headerCap * HEADER_DESC_SIZE); assertInit();
  return walkRecords(p, p + n, count, false, <i64>baseTimestamp, true, <i64>baseOffset, logAppendTime,
    <i64>maxTimestamp, desc, headers, headerCap);
}

/**
 * Encodes `count` records from descriptors at out (at most cap bytes), timestamps relative
 * to baseTimestamp and offset deltas as the descriptors give them. Returns the bytes written
 * or ERR_CAPACITY; the result area's bytes field holds the size the records need.
 */
export function recordsEncode(desc: usize, count: i32, baseTimestamp: f64, out: usize, cap: usize): i32 {
  assertRange(out, cap); assertRange(desc, <usize>count * DESC_SIZE);
  const base = <i64>baseTimestamp;
  let p = out;
  const end = out + cap;
  for (let i: i32 = 0; i < count; i++) {
    const d = desc + <usize>i * DESC_SIZE;
    const timestampDelta = <i64>load<f64>(d, D_TIMESTAMP) - base;
    const offsetDelta = load<i32>(d, D_OFFSET_DELTA);
    const keyLen = load<i32>(d, D_KEY_LEN);
    const valueLen = load<i32>(d, D_VALUE_LEN);
    const headers = <usize>load<i32>(d, D_HEADERS_PTR);
    const headerCount = load<i32>(d, D_HEADER_COUNT);
    let body: usize = 1 + varlongSize(timestampDelta) + varintSize(offsetDelta)
      + varintSize(keyLen) + <usize>max(keyLen, 0) + varintSize(valueLen) + <usize>max(valueLen, 0)
      + varintSize(headerCount);
    for (let h: i32 = 0; h < headerCount; h++) {
      const hd = headers + <usize>h * HEADER_DESC_SIZE;
      const hk = load<i32>(hd, 4);
      const hv = load<i32>(hd, 12);
      body += varintSize(hk) + <usize>hk + varintSize(hv) + <usize>max(hv, 0);
    }
    const total = varintSize(<i32>body) + body;
    if (p + total > end) {
      store<i32>(result + R_BYTES, <i32>(p - out + total));
      return ERR_CAPACITY;
    }
    p = writeVarint(p, <i32>body);
    store<u8>(p++, 0); // record attributes: unused
    p = writeVarlong(p, timestampDelta);
    p = writeVarint(p, offsetDelta);
    p = writeVarint(p, keyLen);
    if (keyLen > 0) { memory.copy(p, <usize>load<i32>(d, D_KEY_PTR), <usize>keyLen); p += <usize>keyLen; }
    p = writeVarint(p, valueLen);
    if (valueLen > 0) { memory.copy(p, <usize>load<i32>(d, D_VALUE_PTR), <usize>valueLen); p += <usize>valueLen; }
    p = writeVarint(p, headerCount);
    for (let h: i32 = 0; h < headerCount; h++) {
      const hd = headers + <usize>h * HEADER_DESC_SIZE;
      const hk = load<i32>(hd, 4);
      const hv = load<i32>(hd, 12);
      p = writeVarint(p, hk);
      memory.copy(p, <usize>load<i32>(hd), <usize>hk);
      p += <usize>hk;
      p = writeVarint(p, hv);
      if (hv > 0) { memory.copy(p, <usize>load<i32>(hd, 8), <usize>hv); p += <usize>hv; }
    }
  }
  store<i32>(result + R_BYTES, <i32>(p - out));
  return <i32>(p - out);
}
