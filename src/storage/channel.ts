// The channel between the main thread and one append worker, in the broker's shared core
// memory: a ring of job slots and a ring of completion slots. A job names a batch by its
// address in that memory (a request frame is read into core memory, so the worker validates
// and writes the batch where the socket's bytes landed: one user-space copy). Jobs and
// completions are numbered by int32 counters that wrap; the worker writes completion n into
// slot n, and the main thread issues job n + SLOTS only after consuming completion n, so no
// slot is overwritten unread. The worker waits on the job counter with a blocking Atomics.wait,
// the main thread on the completion counter with Atomics.waitAsync.
import type { CoreMemory, Ptr } from '../core/index.js';

export const SLOTS = 1024; // jobs in flight per worker (power of two)
const CONTROL_BYTES = 64;
export const JOB_BYTES = 48;
export const DONE_BYTES = 128;

/** Int32 indexes in the control block. */
export const JOB_HEAD = 0; // jobs published by the main thread
export const DONE_HEAD = 1; // completions published by the worker
export const STOP = 2; // set to 1 to stop the worker's loop
export const MESSAGES = 3; // control messages posted to the worker: it leaves its wait to read them

/** Job flags. */
export const FLAG_STRICT = 1; // a producer's batch (core F_STRICT rules)
export const FLAG_ROLL = 2; // roll the segment before this batch (the main thread's index is full)
export const FLAG_MARKER = 4; // no batch: write a transaction marker for the job's producer
export const FLAG_COMMIT = 8; // with FLAG_MARKER: COMMIT (else ABORT)
export const FLAG_REPLICA = 16; // a follower's copy of the leader's batch: its offsets and epoch kept, no producer checks

/** Completion statuses besides 0 (ok) and the core's negative ERR_* codes. */
export const STATUS_NO_PARTITION = -100;
export const STATUS_IO_ERROR = -101;
export const STATUS_DISK_FULL = -102;
export const STATUS_OFFSET_OVERFLOW = -103;
/** Producer state refusals (detail: the current last sequence, epoch or coordinator epoch). */
export const STATUS_OUT_OF_ORDER_SEQUENCE = -110;
export const STATUS_INVALID_PRODUCER_EPOCH = -111;
export const STATUS_INVALID_TXN_STATE = -112;
export const STATUS_COORDINATOR_FENCED = -113;
/** FLAG_REPLICA: the batch starts below the log end (detail: the log end offset). */
export const STATUS_OFFSET_BEHIND = -120;

/** An append asked of the worker: the batch at [ptr, ptr + length) of core memory, for a partition slot. */
export interface AppendJob {
  partition: number;
  ptr: Ptr;
  length: number;
  flags: number;
  /** LogAppendTime to stamp, or -1 for CreateTime. */
  logAppendTime: number;
  /** The job's number (its completion carries it back). */
  id: number;
  /** FLAG_MARKER: whose transaction the marker ends, and the coordinator's epoch. */
  producerId: number;
  producerEpoch: number;
  coordinatorEpoch: number;
  /** The partition leader epoch stamped on a leader's batch (and marker). */
  leaderEpoch: number;
}

/** What the worker did with a job: status 0 and where the batch went, or a failure status. */
export interface AppendDone {
  /** 0, a core ERR_* code, or a STATUS_* code. */
  status: number;
  baseOffset: number;
  lastOffset: number;
  maxTimestamp: number;
  offsetOfMaxTimestamp: number;
  position: number;
  size: number;
  /** This batch is the first of a new segment (based at baseOffset). */
  rolled: boolean;
  records: number;
  logAppendTime: number;
  /**
   * A retried batch of an idempotent producer (its sequence range matches one of the last 5):
   * not written again; baseOffset, lastOffset and maxTimestamp are the original append's.
   */
  duplicate: boolean;
  /** The batch opened its producer's transaction on the partition (at baseOffset). */
  txnStarted: boolean;
  /** A marker that ended an aborted transaction: its first offset and the LSO in its index entry; else -1. */
  abortedFirstOffset: number;
  abortedLastStableOffset: number;
  /** A producer state refusal's detail (see the STATUS_* codes), else -1. */
  detail: number;
  /** The batch's producer id (-1: none). */
  producerId: number;
}

// Slot layouts (byte offsets, little-endian): read and written only by the functions below.
const J_PARTITION = 0;
const J_PTR = 4;
const J_LENGTH = 8;
const J_FLAGS = 12;
const J_LOG_APPEND_TIME = 16; // f64
const J_ID = 24;
const J_PRODUCER_EPOCH = 28;
const J_PRODUCER_ID = 32; // f64
const J_COORDINATOR_EPOCH = 40;
const J_LEADER_EPOCH = 44;

const D_ID = 0;
const D_STATUS = 4;
const D_BASE_OFFSET = 8;
const D_LAST_OFFSET = 16;
const D_MAX_TIMESTAMP = 24;
const D_OFFSET_OF_MAX_TIMESTAMP = 32;
const D_POSITION = 40;
const D_SIZE = 44;
const D_ROLLED = 48;
const D_RECORDS = 52;
const D_LOG_APPEND_TIME = 56;
const D_FLAGS = 64; // bit 0 duplicate, bit 1 txnStarted
const D_DETAIL = 68;
const D_ABORTED_FIRST_OFFSET = 72;
const D_ABORTED_LAST_STABLE_OFFSET = 80;
const D_PRODUCER_ID = 88;
const DUPLICATE_BIT = 1;
const TXN_STARTED_BIT = 2;

export function writeJob(mem: CoreMemory, slot: number, job: AppendJob): void {
  const dv = mem.dv();
  dv.setInt32(slot + J_PARTITION, job.partition, true);
  dv.setInt32(slot + J_PTR, job.ptr, true);
  dv.setInt32(slot + J_LENGTH, job.length, true);
  dv.setInt32(slot + J_FLAGS, job.flags, true);
  dv.setFloat64(slot + J_LOG_APPEND_TIME, job.logAppendTime, true);
  dv.setInt32(slot + J_ID, job.id, true);
  dv.setInt32(slot + J_PRODUCER_EPOCH, job.producerEpoch, true);
  dv.setFloat64(slot + J_PRODUCER_ID, job.producerId, true);
  dv.setInt32(slot + J_COORDINATOR_EPOCH, job.coordinatorEpoch, true);
  dv.setInt32(slot + J_LEADER_EPOCH, job.leaderEpoch, true);
}

/** Reads the job in `slot` into `into` (one object reused by the worker: nothing allocated per job). */
export function readJob(mem: CoreMemory, slot: number, into: AppendJob): AppendJob {
  const dv = mem.dv();
  into.partition = dv.getInt32(slot + J_PARTITION, true);
  into.ptr = dv.getUint32(slot + J_PTR, true) as Ptr;
  into.length = dv.getInt32(slot + J_LENGTH, true);
  into.flags = dv.getInt32(slot + J_FLAGS, true);
  into.logAppendTime = dv.getFloat64(slot + J_LOG_APPEND_TIME, true);
  into.id = dv.getInt32(slot + J_ID, true);
  into.producerEpoch = dv.getInt32(slot + J_PRODUCER_EPOCH, true);
  into.producerId = dv.getFloat64(slot + J_PRODUCER_ID, true);
  into.coordinatorEpoch = dv.getInt32(slot + J_COORDINATOR_EPOCH, true);
  into.leaderEpoch = dv.getInt32(slot + J_LEADER_EPOCH, true);
  return into;
}

/** Writes a completion: `done` in full for status 0, only the status, id and detail otherwise. */
export function writeDone(mem: CoreMemory, slot: number, id: number, done: AppendDone): void {
  const dv = mem.dv();
  dv.setInt32(slot + D_ID, id, true);
  dv.setInt32(slot + D_STATUS, done.status, true);
  dv.setInt32(slot + D_DETAIL, done.detail, true);
  if (done.status !== 0) return;
  dv.setFloat64(slot + D_BASE_OFFSET, done.baseOffset, true);
  dv.setFloat64(slot + D_LAST_OFFSET, done.lastOffset, true);
  dv.setFloat64(slot + D_MAX_TIMESTAMP, done.maxTimestamp, true);
  dv.setFloat64(slot + D_OFFSET_OF_MAX_TIMESTAMP, done.offsetOfMaxTimestamp, true);
  dv.setInt32(slot + D_POSITION, done.position, true);
  dv.setInt32(slot + D_SIZE, done.size, true);
  dv.setInt32(slot + D_ROLLED, done.rolled ? 1 : 0, true);
  dv.setInt32(slot + D_RECORDS, done.records, true);
  dv.setFloat64(slot + D_LOG_APPEND_TIME, done.logAppendTime, true);
  dv.setInt32(slot + D_FLAGS, (done.duplicate ? DUPLICATE_BIT : 0) | (done.txnStarted ? TXN_STARTED_BIT : 0), true);
  dv.setFloat64(slot + D_ABORTED_FIRST_OFFSET, done.abortedFirstOffset, true);
  dv.setFloat64(slot + D_ABORTED_LAST_STABLE_OFFSET, done.abortedLastStableOffset, true);
  dv.setFloat64(slot + D_PRODUCER_ID, done.producerId, true);
}

/** A completion for a failure `status` (detail -1 unless given). */
export function failedDone(status: number, detail = -1): AppendDone {
  return {
    status, baseOffset: -1, lastOffset: -1, maxTimestamp: -1, offsetOfMaxTimestamp: -1, position: -1, size: 0, rolled: false, records: 0,
    logAppendTime: -1, duplicate: false, txnStarted: false, abortedFirstOffset: -1, abortedLastStableOffset: -1, detail, producerId: -1,
  };
}

export function readDone(mem: CoreMemory, slot: number): AppendDone {
  const dv = mem.dv();
  const status = dv.getInt32(slot + D_STATUS, true);
  if (status !== 0) return failedDone(status, dv.getInt32(slot + D_DETAIL, true));
  const flags = dv.getInt32(slot + D_FLAGS, true);
  return {
    status,
    baseOffset: dv.getFloat64(slot + D_BASE_OFFSET, true),
    lastOffset: dv.getFloat64(slot + D_LAST_OFFSET, true),
    maxTimestamp: dv.getFloat64(slot + D_MAX_TIMESTAMP, true),
    offsetOfMaxTimestamp: dv.getFloat64(slot + D_OFFSET_OF_MAX_TIMESTAMP, true),
    position: dv.getInt32(slot + D_POSITION, true),
    size: dv.getInt32(slot + D_SIZE, true),
    rolled: dv.getInt32(slot + D_ROLLED, true) === 1,
    records: dv.getInt32(slot + D_RECORDS, true),
    logAppendTime: dv.getFloat64(slot + D_LOG_APPEND_TIME, true),
    duplicate: (flags & DUPLICATE_BIT) !== 0,
    txnStarted: (flags & TXN_STARTED_BIT) !== 0,
    abortedFirstOffset: dv.getFloat64(slot + D_ABORTED_FIRST_OFFSET, true),
    abortedLastStableOffset: dv.getFloat64(slot + D_ABORTED_LAST_STABLE_OFFSET, true),
    detail: -1,
    producerId: dv.getFloat64(slot + D_PRODUCER_ID, true),
  };
}

export interface ChannelLayout {
  control: number;
  jobs: number;
  done: number;
}

export function allocateChannel(mem: CoreMemory): ChannelLayout {
  return {
    control: mem.reserve(CONTROL_BYTES, 64),
    jobs: mem.reserve(SLOTS * JOB_BYTES, 64),
    done: mem.reserve(SLOTS * DONE_BYTES, 64),
  };
}

/** The control block as Int32Array; shared memory grows in place, so one view serves for good. */
export function controlView(mem: CoreMemory, layout: ChannelLayout): Int32Array {
  return new Int32Array(mem.memory.buffer, layout.control, CONTROL_BYTES / 4);
}

export const jobSlot = (layout: ChannelLayout, n: number) => layout.jobs + (n & (SLOTS - 1)) * JOB_BYTES;
export const doneSlot = (layout: ChannelLayout, n: number) => layout.done + (n & (SLOTS - 1)) * DONE_BYTES;
