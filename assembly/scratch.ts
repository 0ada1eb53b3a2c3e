// Per-instance scratch. Several instances (one per worker thread) may share one memory, so
// the core keeps no mutable state in linear memory of its own: each instance is handed a
// private scratch region by its JS face (init) and keeps only the pointer, in a wasm global
// (globals are per instance).

import { CRC_SCRATCH_BYTES, setCrcScratch } from './crc32';

/** Result area: functions that produce more than one value write them here. */
export const RESULT_BYTES: usize = 128;
/** The result area, then the CRC folds' windows. */
export const SCRATCH_BYTES: usize = RESULT_BYTES + CRC_SCRATCH_BYTES;

export let result: usize = 0;

export function setScratch(ptr: usize): void {
  result = ptr;
  setCrcScratch(ptr + RESULT_BYTES);
}

// Result area layout (byte offsets). 64-bit integers cross the JS boundary as f64: exact
// below 2^53, which holds every offset and millisecond timestamp Kafka produces.
export const R_BASE_OFFSET: usize = 0;
export const R_LAST_OFFSET: usize = 8;
export const R_BASE_TIMESTAMP: usize = 16;
export const R_MAX_TIMESTAMP: usize = 24;
export const R_PRODUCER_ID: usize = 32;
export const R_RECORDS_MAX_TIMESTAMP: usize = 40;
export const R_RECORDS_MIN_TIMESTAMP: usize = 48;
export const R_PRODUCER_EPOCH: usize = 56;
export const R_BASE_SEQUENCE: usize = 60;
export const R_RECORDS_COUNT: usize = 64;
export const R_ATTRIBUTES: usize = 68;
export const R_BATCH_SIZE: usize = 72;
export const R_LEADER_EPOCH: usize = 76;
export const R_LAST_OFFSET_DELTA: usize = 80;
export const R_MAGIC: usize = 84;
export const R_CRC: usize = 88;
export const R_MAX_TIMESTAMP_DELTA: usize = 92;
export const R_BYTES: usize = 96;
export const R_STATUS: usize = 100;
export const R_HEADERS_USED: usize = 104;
export const R_INDEX_VALUE: usize = 108;
export const R_INDEX_KEY: usize = 112;
export const R_COORDINATOR_EPOCH: usize = 120;
