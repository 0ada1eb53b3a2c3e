// Legacy message sets, magic 0 and 1 (Produce v0-2, Fetch v0-3). A set is a concatenation of
//   offset int64 | messageSize int32 | crc uint32 | magic int8 | attributes int8 |
//   [timestamp int64, magic 1] | keyLength int32 | key | valueLength int32 | value
// with CRC-32 (IEEE) over magic..end. Compressed sets are one wrapper message whose value
// is the compressed inner set (apache/kafka docs "Old Message Format"; LegacyRecord.java).
// The core converts through record descriptors (records.ts); the JS face does the
// (de)compression between the steps.
import { crc32 } from './crc32';
import { be32, be64, putBe32, putBe64 } from './batch';
import { ERR_MAGIC, ERR_CRC, ERR_RECORD_BOUNDS, ERR_CAPACITY, ERR_MESSAGE_SIZE } from './errors';
import { DESC_SIZE, D_TIMESTAMP, D_OFFSET, D_OFFSET_DELTA, D_KEY_PTR, D_KEY_LEN, D_VALUE_PTR, D_VALUE_LEN, D_HEADERS_PTR, D_HEADER_COUNT, D_ATTRIBUTES } from './records';
import { result, R_BYTES, R_STATUS } from './scratch';
import { assertRange } from './checks';

const LOG_OVERHEAD: usize = 12; // offset + messageSize
const CRC_AT: usize = 12;
const MAGIC_AT: usize = 16;
const ATTRIBUTES_AT: usize = 17;
const TIMESTAMP_AT: usize = 18;

/** messageSize minimum: crc, magic, attributes, [timestamp,] key and value lengths. */
// @ts-ignore: decorator
@inline function minMessageSize(magic: i32): usize { return magic == 0 ? 14 : 22; }

/** Bytes from the start of a message to its key length field. */
// @ts-ignore: decorator
@inline function keyLengthAt(magic: i32): usize { return magic == 0 ? 18 : 26; }

/** Size of a message with a null key and no value bytes: where a wrapper's value begins. */
export function legacyHeaderSize(magic: i32): i32 { return <i32>(LOG_OVERHEAD + minMessageSize(magic)); }

export const TIMESTAMP_TYPE_BIT: i32 = 0x08;

/**
 * Walks the message set in [p, p + len), checking each message's size, magic (0 or 1), CRC
 * and key/value bounds, and writes a descriptor per message to desc (at most maxCount).
 * Descriptor attributes hold magic << 8 | attributes; timestamp is -1 for magic 0.
 * Result area: bytes = length of the whole messages accepted; status = 0 (ended exactly),
 * 1 (stopped at an incomplete message, as fetch responses may end), 2 (desc full), or the
 * error of the message at `bytes`. Returns the number of descriptors written.
 */
export function legacyScan(p: usize, len: usize, desc: usize, maxCount: i32): i32 {
  assertRange(p, len); assertRange(desc, <usize>maxCount * DESC_SIZE);
  let pos: usize = 0;
  let n: i32 = 0;
  let status: i32 = 0;
  while (pos < len) {
    if (n >= maxCount) { status = 2; break; }
    const m = p + pos;
    if (len - pos < LOG_OVERHEAD) { status = 1; break; }
    const messageSize = be32(m + 8);
    if (messageSize < 14) { status = ERR_MESSAGE_SIZE; break; }
    const end = pos + LOG_OVERHEAD + <usize>messageSize;
    if (end > len) { status = 1; break; }
    const magic = <i32>load<i8>(m + MAGIC_AT);
    if (magic != 0 && magic != 1) { status = ERR_MAGIC; break; }
    if (<usize>messageSize < minMessageSize(magic)) { status = ERR_MESSAGE_SIZE; break; }
    if (crc32(0, m + MAGIC_AT, <usize>messageSize - 4) != <u32>be32(m + CRC_AT)) { status = ERR_CRC; break; }
    const messageEnd = p + end;
    let q = m + keyLengthAt(magic);
    const keyLen = be32(q);
    q += 4;
    if (keyLen < -1 || keyLen > <i32>(messageEnd - q) - 4) { status = ERR_RECORD_BOUNDS; break; }
    const keyPtr = q;
    if (keyLen > 0) q += <usize>keyLen;
    const valueLen = be32(q);
    q += 4;
    if (valueLen < -1 || valueLen > <i32>(messageEnd - q)) { status = ERR_RECORD_BOUNDS; break; }
    const valuePtr = q;
    if (valueLen > 0) q += <usize>valueLen;
    if (q != messageEnd) { status = ERR_RECORD_BOUNDS; break; }
    const d = desc + <usize>n * DESC_SIZE;
    store<f64>(d, magic == 0 ? -1.0 : <f64>be64(m + TIMESTAMP_AT), D_TIMESTAMP);
    store<f64>(d, <f64>be64(m), D_OFFSET);
    store<i32>(d, 0, D_OFFSET_DELTA);
    store<i32>(d, <i32>keyPtr, D_KEY_PTR);
    store<i32>(d, keyLen, D_KEY_LEN);
    store<i32>(d, <i32>valuePtr, D_VALUE_PTR);
    store<i32>(d, valueLen, D_VALUE_LEN);
    store<i32>(d, 0, D_HEADERS_PTR);
    store<i32>(d, 0, D_HEADER_COUNT);
    store<i32>(d, (magic << 8) | <i32>load<u8>(m + ATTRIBUTES_AT), D_ATTRIBUTES);
    pos = end;
    n++;
  }
  store<i32>(result + R_BYTES, <i32>pos);
  store<i32>(result + R_STATUS, status);
  return n;
}

/** Flags for legacyWrite. */
export const L_RELATIVE_OFFSETS: i32 = 1; // offsets 0..n-1: the inner set of a magic 1 wrapper
export const L_LOG_APPEND_TIME: i32 = 2;  // magic 1: timestamp type bit set

// @ts-ignore: decorator
@inline function putMessageHeader(m: usize, offset: i64, messageSize: i32, magic: i32, attributes: i32, timestamp: i64): usize {
  putBe64(m, offset);
  putBe32(m + 8, messageSize);
  store<i8>(m + MAGIC_AT, <i8>magic);
  store<u8>(m + ATTRIBUTES_AT, <u8>attributes);
  if (magic == 1) putBe64(m + TIMESTAMP_AT, timestamp);
  return m + keyLengthAt(magic);
}

// @ts-ignore: decorator
@inline function sealMessage(m: usize, messageSize: i32): void {
  putBe32(m + CRC_AT, <i32>crc32(0, m + MAGIC_AT, <usize>messageSize - 4));
}

/**
 * Writes `count` uncompressed messages of the given magic from descriptors (headers are
 * dropped: legacy messages have none). Offsets come from the descriptors' absolute offset,
 * or run 0..n-1 with L_RELATIVE_OFFSETS. Returns bytes written or ERR_CAPACITY.
 */
export function legacyWrite(desc: usize, count: i32, magic: i32, flags: i32, out: usize, cap: usize): i32 {
  assertRange(out, cap); assertRange(desc, <usize>count * DESC_SIZE);
  if (magic != 0 && magic != 1) return ERR_MAGIC;
  const attributes = magic == 1 && (flags & L_LOG_APPEND_TIME) != 0 ? TIMESTAMP_TYPE_BIT : 0;
  let p = out;
  const end = out + cap;
  for (let i: i32 = 0; i < count; i++) {
    const d = desc + <usize>i * DESC_SIZE;
    const keyLen = load<i32>(d, D_KEY_LEN);
    const valueLen = load<i32>(d, D_VALUE_LEN);
    const messageSize = <i32>minMessageSize(magic) + max(keyLen, 0) + max(valueLen, 0);
    if (p + LOG_OVERHEAD + <usize>messageSize > end) return ERR_CAPACITY;
    const offset = (flags & L_RELATIVE_OFFSETS) != 0 ? <i64>i : <i64>load<f64>(d, D_OFFSET);
    let q = putMessageHeader(p, offset, messageSize, magic, attributes, <i64>load<f64>(d, D_TIMESTAMP));
    putBe32(q, keyLen);
    q += 4;
    if (keyLen > 0) { memory.copy(q, <usize>load<i32>(d, D_KEY_PTR), <usize>keyLen); q += <usize>keyLen; }
    putBe32(q, valueLen);
    q += 4;
    if (valueLen > 0) { memory.copy(q, <usize>load<i32>(d, D_VALUE_PTR), <usize>valueLen); q += <usize>valueLen; }
    sealMessage(p, messageSize);
    p = q;
  }
  return <i32>(p - out);
}

/**
 * Writes a wrapper message in front of valueLen bytes of compressed inner messages that the
 * caller already placed at out + legacyHeaderSize(magic): null key, codec in attributes.
 * For magic 1 the offset is the last inner message's absolute offset and inner offsets are
 * relative; for magic 0 inner offsets are absolute. Returns the wrapper's total size.
 */
export function legacyWrapper(out: usize, offset: f64, magic: i32, codec: i32, timestampType: i32, timestamp: f64, valueLen: i32): i32 {
  if (magic != 0 && magic != 1) return ERR_MAGIC;
  const attributes = (codec & 0x07) | (magic == 1 && timestampType != 0 ? TIMESTAMP_TYPE_BIT : 0);
  const messageSize = <i32>minMessageSize(magic) + valueLen;
  const q = putMessageHeader(out, <i64>offset, messageSize, magic, attributes, <i64>timestamp);
  putBe32(q, -1);
  putBe32(q + 4, valueLen);
  sealMessage(out, messageSize);
  return <i32>LOG_OVERHEAD + messageSize;
}

