// The channel between the main thread and one append worker, in the broker's shared core
// memory: a ring of job slots and a ring of completion slots. A job names a batch by its
// address in that memory (a request frame is read into core memory, so the worker validates
// and writes the batch where the socket's bytes landed: one user-space copy). Jobs and
// completions are numbered by int32 counters that wrap; the worker writes completion n into
// slot n, and the main thread issues job n + SLOTS only after consuming completion n, so no
// slot is overwritten unread. Each side waits on the other's counter with Atomics.waitAsync.
import type { CoreMemory, Ptr } from '../core/index.js';

export const SLOTS = 1024; // jobs in flight per worker (power of two)
const CONTROL_BYTES = 64;
export const JOB_BYTES = 32;
export const DONE_BYTES = 64;

/** Int32 indexes in the control block. */
export const JOB_HEAD = 0; // jobs published by the main thread
export const DONE_HEAD = 1; // completions published by the worker
export const STOP = 2; // set to 1 to stop the worker's loop

/** Job flags. */
export const FLAG_STRICT = 1; // a producer's batch (core F_STRICT rules)
export const FLAG_ROLL = 2; // roll the segment before this batch (the main thread's index is full)

/** Completion statuses besides 0 (ok) and the core's negative ERR_* codes. */
export const STATUS_NO_PARTITION = -100;
export const STATUS_IO_ERROR = -101;
export const STATUS_DISK_FULL = -102;
export const STATUS_OFFSET_OVERFLOW = -103;

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
}

// Slot layouts (byte offsets, little-endian): read and written only by the functions below.
const J_PARTITION = 0;
const J_PTR = 4;
const J_LENGTH = 8;
const J_FLAGS = 12;
const J_LOG_APPEND_TIME = 16; // f64
const J_ID = 24;

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

export function writeJob(mem: CoreMemory, slot: number, job: AppendJob): void {
  const dv = mem.dv();
  dv.setInt32(slot + J_PARTITION, job.partition, true);
  dv.setInt32(slot + J_PTR, job.ptr, true);
  dv.setInt32(slot + J_LENGTH, job.length, true);
  dv.setInt32(slot + J_FLAGS, job.flags, true);
  dv.setFloat64(slot + J_LOG_APPEND_TIME, job.logAppendTime, true);
  dv.setInt32(slot + J_ID, job.id, true);
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
  return into;
}

/** Writes a completion: `done` in full for status 0, only the status (and id) otherwise. */
export function writeDone(mem: CoreMemory, slot: number, id: number, done: AppendDone): void {
  const dv = mem.dv();
  dv.setInt32(slot + D_ID, id, true);
  dv.setInt32(slot + D_STATUS, done.status, true);
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
}

export function readDone(mem: CoreMemory, slot: number): AppendDone {
  const dv = mem.dv();
  const status = dv.getInt32(slot + D_STATUS, true);
  if (status !== 0) return { status, baseOffset: -1, lastOffset: -1, maxTimestamp: -1, offsetOfMaxTimestamp: -1, position: -1, size: 0, rolled: false, records: 0, logAppendTime: -1 };
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
