// The channel between the main thread and one append worker, in the broker's shared core
// memory: a ring of job slots and a ring of completion slots. A job names a batch by its
// address in that memory (a request frame is read into core memory, so the worker validates
// and writes the batch where the socket's bytes landed: one user-space copy). Jobs and
// completions are numbered by int32 counters that wrap; the worker writes completion n into
// slot n, and the main thread issues job n + SLOTS only after consuming completion n, so no
// slot is overwritten unread. Each side waits on the other's counter with Atomics.waitAsync.
import type { CoreMemory } from '../core/index.js';

export const SLOTS = 1024; // jobs in flight per worker (power of two)
const CONTROL_BYTES = 64;
export const JOB_BYTES = 32;
export const DONE_BYTES = 64;

/** Int32 indexes in the control block. */
export const JOB_HEAD = 0; // jobs published by the main thread
export const DONE_HEAD = 1; // completions published by the worker
export const STOP = 2; // set to 1 to stop the worker's loop

// Job slot fields (byte offsets).
export const J_PARTITION = 0;
export const J_PTR = 4;
export const J_LENGTH = 8;
export const J_FLAGS = 12;
export const J_LOG_APPEND_TIME = 16; // f64, -1 = CreateTime
export const J_ID = 24;

/** Job flags. */
export const FLAG_STRICT = 1; // a producer's batch (core F_STRICT rules)
export const FLAG_ROLL = 2; // roll the segment before this batch (the main thread's index is full)

// Completion slot fields.
export const D_ID = 0;
export const D_STATUS = 4;
export const D_BASE_OFFSET = 8;
export const D_LAST_OFFSET = 16;
export const D_MAX_TIMESTAMP = 24;
export const D_OFFSET_OF_MAX_TIMESTAMP = 32;
export const D_POSITION = 40;
export const D_SIZE = 44;
export const D_ROLLED = 48;
export const D_RECORDS = 52;
export const D_LOG_APPEND_TIME = 56;

/** Completion statuses besides 0 (ok) and the core's negative ERR_* codes. */
export const STATUS_NO_PARTITION = -100;
export const STATUS_IO_ERROR = -101;
export const STATUS_DISK_FULL = -102;
export const STATUS_OFFSET_OVERFLOW = -103;

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
