// Record batch v2 ("magic 2"): header layout, validation, offset assignment, scanning and
// building. Layout from apache/kafka DefaultRecordBatch.java; all header fields big-endian.
import { crc32c } from './crc32';
import { checkRecords } from './records';
import { OK, ERR_TRUNCATED, ERR_BATCH_TOO_SMALL, ERR_MAGIC, ERR_CRC, ERR_COMPRESSION, ERR_RECORD_COUNT, ERR_OFFSET_DELTA } from './errors';
import {
  result, R_BASE_OFFSET, R_LAST_OFFSET, R_BASE_TIMESTAMP, R_MAX_TIMESTAMP, R_PRODUCER_ID, R_PRODUCER_EPOCH,
  R_BASE_SEQUENCE, R_RECORDS_COUNT, R_ATTRIBUTES, R_BATCH_SIZE, R_LEADER_EPOCH, R_LAST_OFFSET_DELTA, R_MAGIC, R_CRC,
  R_RECORDS_MAX_TIMESTAMP, R_RECORDS_MIN_TIMESTAMP, R_MAX_TIMESTAMP_DELTA, R_BYTES, R_STATUS,
} from './scratch';
import { assertRange, assertInit } from './checks';

export const BASE_OFFSET: usize = 0;
export const BATCH_LENGTH: usize = 8;
export const PARTITION_LEADER_EPOCH: usize = 12;
export const MAGIC: usize = 16;
export const CRC: usize = 17;
export const ATTRIBUTES: usize = 21;
export const LAST_OFFSET_DELTA: usize = 23;
export const BASE_TIMESTAMP: usize = 27;
export const MAX_TIMESTAMP: usize = 35;
export const PRODUCER_ID: usize = 43;
export const PRODUCER_EPOCH: usize = 51;
export const BASE_SEQUENCE: usize = 53;
export const RECORDS_COUNT: usize = 57;
/** Header size; also the smallest valid batch (RECORD_BATCH_OVERHEAD in Kafka). */
export const RECORDS: usize = 61;
/** baseOffset + batchLength: bytes before what batchLength counts (LOG_OVERHEAD). */
export const LOG_OVERHEAD: usize = 12;

export const COMPRESSION_MASK: i32 = 0x07;
export const TIMESTAMP_TYPE_BIT: i32 = 0x08;
export const TRANSACTIONAL_BIT: i32 = 0x10;
export const CONTROL_BIT: i32 = 0x20;

/** Flags for validation and scans. */
export const F_STRICT: i32 = 1;     // a producer's batch: count > 0, offset deltas 0..count-1
export const F_VERIFY_CRC: i32 = 2; // batchScan: check each CRC
export const F_RECORDS: i32 = 4;    // batchScan: walk the records of uncompressed batches

// @ts-ignore: decorator
@inline export function be16(p: usize): i32 { return <i32><i16>bswap<u16>(load<u16>(p)); }
// @ts-ignore: decorator
@inline export function be32(p: usize): i32 { return <i32>bswap<u32>(load<u32>(p)); }
// @ts-ignore: decorator
@inline export function be64(p: usize): i64 { return <i64>bswap<u64>(load<u64>(p)); }
// @ts-ignore: decorator
@inline export function putBe16(p: usize, v: i32): void { store<u16>(p, bswap<u16>(<u16>v)); }
// @ts-ignore: decorator
@inline export function putBe32(p: usize, v: i32): void { store<u32>(p, bswap<u32>(<u32>v)); }
// @ts-ignore: decorator
@inline export function putBe64(p: usize, v: i64): void { store<u64>(p, bswap<u64>(<u64>v)); }

/**
 * Bounds of the batch at p: its size (batchLength + 12) if [p, p + len) holds it whole, else
 * ERR_TRUNCATED, or ERR_BATCH_TOO_SMALL when the length field is below the header size.
 */
// @ts-ignore: decorator
@inline function batchBounds(p: usize, len: usize): i32 {
  if (len < LOG_OVERHEAD) return ERR_TRUNCATED;
  const batchLength = be32(p + BATCH_LENGTH);
  if (batchLength < <i32>(RECORDS - LOG_OVERHEAD)) return ERR_BATCH_TOO_SMALL;
  const size = <usize>batchLength + LOG_OVERHEAD;
  if (size > len) return ERR_TRUNCATED;
  return <i32>size;
}

/** Header fields of the batch at p into the result area (no checks beyond the size). */
function readHeader(p: usize, size: i32): void {
  const r = result;
  const baseOffset = be64(p + BASE_OFFSET);
  const lastOffsetDelta = be32(p + LAST_OFFSET_DELTA);
  store<f64>(r + R_BASE_OFFSET, <f64>baseOffset);
  store<f64>(r + R_LAST_OFFSET, <f64>(baseOffset + <i64>lastOffsetDelta));
  store<f64>(r + R_BASE_TIMESTAMP, <f64>be64(p + BASE_TIMESTAMP));
  store<f64>(r + R_MAX_TIMESTAMP, <f64>be64(p + MAX_TIMESTAMP));
  store<f64>(r + R_PRODUCER_ID, <f64>be64(p + PRODUCER_ID));
  store<i32>(r + R_PRODUCER_EPOCH, be16(p + PRODUCER_EPOCH));
  store<i32>(r + R_BASE_SEQUENCE, be32(p + BASE_SEQUENCE));
  store<i32>(r + R_RECORDS_COUNT, be32(p + RECORDS_COUNT));
  store<i32>(r + R_ATTRIBUTES, be16(p + ATTRIBUTES));
  store<i32>(r + R_BATCH_SIZE, size);
  store<i32>(r + R_LEADER_EPOCH, be32(p + PARTITION_LEADER_EPOCH));
  store<i32>(r + R_LAST_OFFSET_DELTA, lastOffsetDelta);
  store<i32>(r + R_MAGIC, <i32>load<i8>(p + MAGIC));
  store<u32>(r + R_CRC, <u32>be32(p + CRC));
}

/**
 * Reads the header of the batch at p into the result area without checking its CRC or
 * records; only the 61 header bytes need to be present (len >= 61). Returns the batch size
 * from its length field (which may exceed len) or an error.
 */
export function batchHeader(p: usize, len: usize): i32 {
  assertRange(p, len); assertInit();
  if (len < RECORDS) return ERR_TRUNCATED;
  const batchLength = be32(p + BATCH_LENGTH);
  if (batchLength < <i32>(RECORDS - LOG_OVERHEAD)) return ERR_BATCH_TOO_SMALL;
  const size = batchLength + <i32>LOG_OVERHEAD;
  readHeader(p, size);
  return load<i8>(p + MAGIC) == 2 ? size : ERR_MAGIC;
}

/**
 * Validates the batch starting at p (len bytes available): length, magic 2, CRC-32C over
 * attributes..end, codec, and for uncompressed batches every record (count, varints,
 * lengths). With F_STRICT the producer rules apply too. Returns the batch size or an error;
 * the result area holds the header and the records' min/max timestamps.
 */
export function batchValidate(p: usize, len: usize, flags: i32): i32 {
  assertRange(p, len); assertInit();
  const size = batchBounds(p, len);
  if (size < 0) return size;
  readHeader(p, size);
  if (load<i8>(p + MAGIC) != 2) return ERR_MAGIC;
  if (crc32c(0, p + ATTRIBUTES, <usize>size - ATTRIBUTES) != <u32>be32(p + CRC)) return ERR_CRC;
  const attributes = be16(p + ATTRIBUTES);
  if ((attributes & COMPRESSION_MASK) > 4) return ERR_COMPRESSION;
  const count = be32(p + RECORDS_COUNT);
  const strict = (flags & F_STRICT) != 0;
  if (count < 0 || (strict && count == 0)) return ERR_RECORD_COUNT;
  // KIP-98 producers and all clients number records 0..count-1 (Kafka's LogValidator).
  if (strict && be32(p + LAST_OFFSET_DELTA) != count - 1) return ERR_OFFSET_DELTA;
  const baseTimestamp = be64(p + BASE_TIMESTAMP);
  if ((attributes & COMPRESSION_MASK) == 0) {
    const status = checkRecords(p + RECORDS, p + <usize>size, count, strict, baseTimestamp);
    if (status != OK) return status;
  } else {
    // Compressed records are only walked after the JS face decompresses them.
    store<f64>(result + R_RECORDS_MAX_TIMESTAMP, <f64>be64(p + MAX_TIMESTAMP));
    store<f64>(result + R_RECORDS_MIN_TIMESTAMP, <f64>baseTimestamp);
    store<i32>(result + R_MAX_TIMESTAMP_DELTA, -1);
  }
  return size;
}

/**
 * Assigns the batch at p its base offset and partition leader epoch (not covered by the
 * CRC), and sets the timestamp type and max timestamp; the CRC is recomputed only when
 * either of those changes. Returns 1 if the CRC was recomputed, else 0.
 */
export function batchAssign(p: usize, baseOffset: f64, leaderEpoch: i32, timestampType: i32, maxTimestamp: f64): i32 {
  assertRange(p, RECORDS); assertInit();
  putBe64(p + BASE_OFFSET, <i64>baseOffset);
  putBe32(p + PARTITION_LEADER_EPOCH, leaderEpoch);
  const attributes = be16(p + ATTRIBUTES);
  const newAttributes = timestampType != 0 ? attributes | TIMESTAMP_TYPE_BIT : attributes & ~TIMESTAMP_TYPE_BIT;
  const newMax = <i64>maxTimestamp;
  if (attributes == newAttributes && be64(p + MAX_TIMESTAMP) == newMax) return 0;
  putBe16(p + ATTRIBUTES, newAttributes);
  putBe64(p + MAX_TIMESTAMP, newMax);
  const size = <usize>be32(p + BATCH_LENGTH) + LOG_OVERHEAD;
  putBe32(p + CRC, <i32>crc32c(0, p + ATTRIBUTES, size - ATTRIBUTES));
  return 1;
}

/**
 * The append path in one call: validate the batch at p, then assign baseOffset and the
 * leader epoch. logAppendTime >= 0 stamps a LogAppendTime topic's append time; otherwise
 * (CreateTime) the max timestamp is corrected to the records' own when they were walked,
 * as Kafka's LogValidator does. Returns the batch size or an error.
 */
export function batchValidateAssign(p: usize, len: usize, flags: i32, baseOffset: f64, leaderEpoch: i32, logAppendTime: f64): i32 {
  assertRange(p, len); assertInit();
  const size = batchValidate(p, len, flags);
  if (size < 0) return size;
  if (logAppendTime >= 0) batchAssign(p, baseOffset, leaderEpoch, 1, logAppendTime);
  else batchAssign(p, baseOffset, leaderEpoch, 0, load<f64>(result + R_RECORDS_MAX_TIMESTAMP));
  store<f64>(result + R_BASE_OFFSET, baseOffset);
  store<f64>(result + R_LAST_OFFSET, baseOffset + <f64>be32(p + LAST_OFFSET_DELTA));
  store<f64>(result + R_MAX_TIMESTAMP, <f64>be64(p + MAX_TIMESTAMP));
  store<i32>(result + R_ATTRIBUTES, be16(p + ATTRIBUTES));
  store<u32>(result + R_CRC, <u32>be32(p + CRC));
  return size;
}

/** Scan entries: position, size, baseOffset, lastOffset, maxTimestamp, attributes. */
export const SCAN_ENTRY_SIZE: usize = 40;

/**
 * Walks consecutive batches in [p, p + len), writing one entry per whole batch to out (at
 * most maxEntries). Result area: bytes = length of the whole batches accepted; status = 0
 * (ended exactly at len), 1 (stopped at an incomplete batch), 2 (out full), or the error of
 * the batch at `bytes`. F_VERIFY_CRC and F_RECORDS choose how much is checked (recovery
 * checks both; the read path only needs bounds). Returns the number of entries.
 */
export function batchScan(p: usize, len: usize, flags: i32, out: usize, maxEntries: i32): i32 {
  assertRange(p, len); assertRange(out, <usize>maxEntries * SCAN_ENTRY_SIZE); assert(maxEntries >= 0, 'negative maxEntries'); assertInit();
  let pos: usize = 0;
  let n: i32 = 0;
  let status: i32 = 0;
  while (pos < len) {
    if (n >= maxEntries) { status = 2; break; }
    const b = p + pos;
    let size: i32;
    if ((flags & F_RECORDS) != 0) size = batchValidate(b, len - pos, 0);
    else {
      size = batchBounds(b, len - pos);
      if (size > 0) {
        if (load<i8>(b + MAGIC) != 2) size = ERR_MAGIC;
        else if ((flags & F_VERIFY_CRC) != 0 && crc32c(0, b + ATTRIBUTES, <usize>size - ATTRIBUTES) != <u32>be32(b + CRC)) size = ERR_CRC;
      }
    }
    if (size < 0) { status = size == ERR_TRUNCATED ? 1 : size; break; }
    const e = out + <usize>n * SCAN_ENTRY_SIZE;
    const baseOffset = be64(b + BASE_OFFSET);
    store<i32>(e, <i32>pos);
    store<i32>(e, size, 4);
    store<f64>(e, <f64>baseOffset, 8);
    store<f64>(e, <f64>(baseOffset + <i64>be32(b + LAST_OFFSET_DELTA)), 16);
    store<f64>(e, <f64>be64(b + MAX_TIMESTAMP), 24);
    store<i32>(e, be16(b + ATTRIBUTES), 32);
    pos += <usize>size;
    n++;
  }
  store<i32>(result + R_BYTES, <i32>pos);
  store<i32>(result + R_STATUS, status);
  return n;
}

/**
 * Writes a batch header in front of recordsLen bytes of (possibly compressed) records that
 * the caller already placed at out + RECORDS, and its CRC. Returns the batch size.
 */
export function batchWriteHeader(out: usize, recordsLen: i32, count: i32, attributes: i32, lastOffsetDelta: i32,
  baseOffset: f64, baseTimestamp: f64, maxTimestamp: f64, producerId: f64, producerEpoch: i32, baseSequence: i32,
  leaderEpoch: i32): i32 {
  const size = <usize>recordsLen + RECORDS;
  putBe64(out + BASE_OFFSET, <i64>baseOffset);
  putBe32(out + BATCH_LENGTH, <i32>(size - LOG_OVERHEAD));
  putBe32(out + PARTITION_LEADER_EPOCH, leaderEpoch);
  store<u8>(out + MAGIC, 2);
  putBe16(out + ATTRIBUTES, attributes);
  putBe32(out + LAST_OFFSET_DELTA, lastOffsetDelta);
  putBe64(out + BASE_TIMESTAMP, <i64>baseTimestamp);
  putBe64(out + MAX_TIMESTAMP, <i64>maxTimestamp);
  putBe64(out + PRODUCER_ID, <i64>producerId);
  putBe16(out + PRODUCER_EPOCH, producerEpoch);
  putBe32(out + BASE_SEQUENCE, baseSequence);
  putBe32(out + RECORDS_COUNT, count);
  putBe32(out + CRC, <i32>crc32c(0, out + ATTRIBUTES, size - ATTRIBUTES));
  return <i32>size;
}
