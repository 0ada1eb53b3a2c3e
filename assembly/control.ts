// Control batches of transactions (KIP-98): the COMMIT and ABORT markers a transaction
// coordinator writes to each partition of a transaction. Layout from apache/kafka
// EndTransactionMarker and ControlRecordType: one record, uncompressed, in a batch with the
// control and transactional attribute bits, the producer's id and epoch, base sequence -1;
//   key   = int16 version (0), int16 type (0 ABORT, 1 COMMIT)
//   value = int16 version (0), int32 coordinator epoch
import { RECORDS, CONTROL_BIT, TRANSACTIONAL_BIT, COMPRESSION_MASK, ATTRIBUTES, RECORDS_COUNT, be16, be32, batchWriteHeader } from './batch';
import { varintAt, nextOf, valueOf, readVarlong, varintEnd } from './varint';
import { result, R_COORDINATOR_EPOCH } from './scratch';
import { assertRange, assertInit } from './checks';

export const CONTROL_ABORT: i32 = 0;
export const CONTROL_COMMIT: i32 = 1;
/** A marker's record: length, attributes, timestamp and offset deltas, key (4), value (6), no headers. */
const MARKER_RECORD_BYTES: usize = 17;
/** Bytes of a whole marker batch. */
export const MARKER_BATCH_SIZE: usize = RECORDS + MARKER_RECORD_BYTES;
/** batchControlType: the batch has no record (a cleaner emptied it). */
export const CONTROL_EMPTY: i32 = -1;
/** batchControlType: not a control batch, compressed, or its first record is malformed. */
export const CONTROL_INVALID: i32 = -2;

/**
 * Writes a transaction marker batch at out (MARKER_BATCH_SIZE bytes): base offset 0 and
 * leader epoch -1 (the append assigns both), both timestamps `timestamp`. Returns its size.
 */
export function batchWriteMarker(out: usize, commit: i32, coordinatorEpoch: i32, producerId: f64, producerEpoch: i32, timestamp: f64): i32 {
  assertRange(out, MARKER_BATCH_SIZE); assertInit();
  let p = out + RECORDS;
  store<u8>(p, 32);       // record length 16, zig-zag
  store<u8>(p, 0, 1);     // record attributes
  store<u8>(p, 0, 2);     // timestamp delta 0
  store<u8>(p, 0, 3);     // offset delta 0
  store<u8>(p, 8, 4);     // key length 4
  store<u16>(p, 0, 5);    // key version 0
  store<u8>(p, 0, 7);
  store<u8>(p, commit != 0 ? <u8>CONTROL_COMMIT : <u8>CONTROL_ABORT, 8);
  store<u8>(p, 12, 9);    // value length 6
  store<u16>(p, 0, 10);   // value version 0
  store<u32>(p, bswap<u32>(<u32>coordinatorEpoch), 12);
  store<u8>(p, 0, 16);    // no headers
  return batchWriteHeader(out, <i32>MARKER_RECORD_BYTES, 1, CONTROL_BIT | TRANSACTIONAL_BIT, 0, 0, timestamp, timestamp,
    producerId, producerEpoch, -1, -1);
}

/**
 * The control type of the control batch at p (size bytes, whole, CRC checked by the caller):
 * the type of its first record's key (0 ABORT, 1 COMMIT, others for KRaft's records), with
 * the coordinator epoch of a marker's value (-1 when the value is shorter) in the result
 * area; CONTROL_EMPTY for a batch without records, CONTROL_INVALID otherwise.
 */
export function batchControlType(p: usize, size: usize): i32 {
  assertRange(p, size); assertInit();
  store<i32>(result + R_COORDINATOR_EPOCH, -1);
  if (size < RECORDS) return CONTROL_INVALID;
  const attributes = be16(p + ATTRIBUTES);
  if ((attributes & CONTROL_BIT) == 0 || (attributes & COMPRESSION_MASK) != 0) return CONTROL_INVALID;
  if (be32(p + RECORDS_COUNT) <= 0) return CONTROL_EMPTY;
  const end = p + size;
  let v = varintAt(p + RECORDS, end);
  let q = nextOf(v);
  const length = valueOf(v);
  if (q == 0 || length < 0 || <usize>length > end - q) return CONTROL_INVALID;
  const recordEnd = q + <usize>length;
  q++; // attributes
  readVarlong(q, recordEnd); // timestamp delta
  q = varintEnd;
  if (q == 0) return CONTROL_INVALID;
  v = varintAt(q, recordEnd); // offset delta
  q = nextOf(v);
  if (q == 0) return CONTROL_INVALID;
  v = varintAt(q, recordEnd);
  q = nextOf(v);
  const keyLen = valueOf(v);
  if (q == 0 || keyLen < 4 || <usize>keyLen > recordEnd - q) return CONTROL_INVALID;
  const type = be16(q + 2);
  q += <usize>keyLen;
  v = varintAt(q, recordEnd);
  q = nextOf(v);
  const valueLen = valueOf(v);
  if (q != 0 && valueLen >= 6 && <usize>valueLen <= recordEnd - q) store<i32>(result + R_COORDINATOR_EPOCH, be32(q + 2));
  return type;
}
