// Strom's WASM core: the byte work of the broker. Everything exported here is reached only
// through src/core/, which owns the memory. The module imports its memory (shared, so
// worker threads can run their own instance over one memory) and keeps no mutable state in
// it: each instance gets a private scratch region through init().
import { setScratch, SCRATCH_BYTES as SCRATCH } from './scratch';
import {
  zigzag32, unzigzag32, zigzag64, unzigzag64, writeVarint, readVarint, writeVarlong, readVarlong,
  writeUvarint, readUvarint, varintEnd,
} from './varint';
import { assertRange } from './checks';

export { crc32c, crc32cTables, crc32, FOLD4_MIN, FOLD6_MIN } from './crc32';
export * from './errors';
export {
  batchHeader, batchValidate, batchAssign, batchValidateAssign, batchScan, batchWriteHeader,
  RECORDS as BATCH_HEADER_SIZE, F_STRICT, F_VERIFY_CRC, F_RECORDS, SCAN_ENTRY_SIZE,
  COMPRESSION_MASK, TIMESTAMP_TYPE_BIT, TRANSACTIONAL_BIT, CONTROL_BIT,
  CRC as BATCH_CRC, ATTRIBUTES as BATCH_ATTRIBUTES, BASE_TIMESTAMP as BATCH_BASE_TIMESTAMP, MAX_TIMESTAMP as BATCH_MAX_TIMESTAMP,
  BASE_OFFSET as BATCH_BASE_OFFSET, BATCH_LENGTH, MAGIC as BATCH_MAGIC, LAST_OFFSET_DELTA as BATCH_LAST_OFFSET_DELTA,
  RECORDS_COUNT as BATCH_RECORDS_COUNT, LOG_OVERHEAD as BATCH_LOG_OVERHEAD,
} from './batch';
export {
  recordsValidate, recordsDecode, recordsEncode, DESC_SIZE, HEADER_DESC_SIZE, D_TIMESTAMP, D_OFFSET,
  D_OFFSET_DELTA, D_KEY_PTR, D_KEY_LEN, D_VALUE_PTR, D_VALUE_LEN, D_HEADERS_PTR, D_HEADER_COUNT, D_ATTRIBUTES,
} from './records';
export { legacyScan, legacyWrite, legacyWrapper, legacyHeaderSize, L_RELATIVE_OFFSETS, L_LOG_APPEND_TIME } from './legacy';
export {
  offsetIndexFloor, offsetIndexCeiling, timeIndexFloor, timeIndexCeiling, offsetIndexPut, timeIndexPut, indexCheck, indexEntry,
  OFFSET_ENTRY_SIZE, TIME_ENTRY_SIZE,
} from './index-lookup';
export {
  RESULT_BYTES, R_BASE_OFFSET, R_LAST_OFFSET, R_BASE_TIMESTAMP, R_MAX_TIMESTAMP, R_PRODUCER_ID,
  R_RECORDS_MAX_TIMESTAMP, R_RECORDS_MIN_TIMESTAMP, R_PRODUCER_EPOCH, R_BASE_SEQUENCE, R_RECORDS_COUNT,
  R_ATTRIBUTES, R_BATCH_SIZE, R_LEADER_EPOCH, R_LAST_OFFSET_DELTA, R_MAGIC, R_CRC, R_MAX_TIMESTAMP_DELTA,
  R_BYTES, R_STATUS, R_HEADERS_USED, R_INDEX_VALUE, R_INDEX_KEY, R_COORDINATOR_EPOCH,
} from './scratch';
export { batchWriteMarker, batchControlType, MARKER_BATCH_SIZE, CONTROL_ABORT, CONTROL_COMMIT, CONTROL_EMPTY, CONTROL_INVALID } from './control';

/** Bytes of private scratch each instance needs (result area + CRC fold windows). */
export const SCRATCH_BYTES: usize = SCRATCH;

/** Gives this instance its scratch region (SCRATCH_BYTES, 16-byte aligned). */
export function init(scratch: usize): void { setScratch(scratch); }

/** First byte after the static data (tables): the JS face allocates above it. */
export function heapBase(): usize { return __heap_base; }

/**
 * Moves n bytes within the memory (bulk memory's memory.copy: a plain memmove). V8 copies
 * a JS array into shared memory with relaxed atomics, word by word only when source and
 * target are equally aligned and byte by byte otherwise; the JS face stages such copies and
 * finishes them here.
 */
export function memmove(dst: usize, src: usize, n: usize): void {
  assertRange(dst, n); assertRange(src, n); memory.copy(dst, src, n); }

// Varints, exported for the JS face and its tests. varintEnd() is the position after the
// last varint read, 0 if it was malformed or ran past the end.
export function varintEndPos(): usize { return varintEnd; }
export function zigzagEncode32(v: i32): u32 { return zigzag32(v); }
export function zigzagDecode32(v: u32): i32 { return unzigzag32(v); }
export function zigzagEncode64(v: i64): u64 { return zigzag64(v); }
export function zigzagDecode64(v: u64): i64 { return unzigzag64(v); }
export function varintWrite(p: usize, v: i32): usize { return writeVarint(p, v); }
export function varintRead(p: usize, end: usize): i32 { return readVarint(p, end); }
export function varlongWrite(p: usize, v: i64): usize { return writeVarlong(p, v); }
export function varlongRead(p: usize, end: usize): i64 { return readVarlong(p, end); }
export function uvarintWrite(p: usize, v: u32): usize { return writeUvarint(p, v); }
export function uvarintRead(p: usize, end: usize): u32 { return readUvarint(p, end); }
