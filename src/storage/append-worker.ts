// Entry of an append worker thread: runs its own core over the broker's shared memory, takes
// jobs from its channel and appends them for the partitions it owns.
// Rare control messages (open, close, config, flush, producers, stop) come by postMessage.
import { parentPort, workerData } from 'node:worker_threads';
import { Core, type Ptr } from '../core/index.js';
import { PartitionWriter, type WriterSpec, type WriterConfig } from './partition-writer.js';
import {
  type ChannelLayout, type AppendJob, controlView, jobSlot, doneSlot, readJob, writeDone, failedDone, JOB_HEAD, DONE_HEAD, STOP, MESSAGES, STATUS_NO_PARTITION, FLAG_MARKER,
} from './channel.js';
import type { ProducerSnapshotEntry } from './producer-state.js';

export type ControlMessage =
  | { op: 'open'; id: number; slot: number; spec: WriterSpec }
  /** Many partitions in one message (a start or a creation of thousands): the ack's `errors` has one entry per partition, null when it opened. */
  | { op: 'openMany'; id: number; partitions: { slot: number; spec: WriterSpec }[] }
  | { op: 'close'; id: number; slot: number }
  | { op: 'config'; id: number; slot: number; config: WriterConfig }
  /** snapshot: also write each partition's producer snapshot at its log end, synced (clean shutdown). */
  | { op: 'flush'; id: number; snapshot?: boolean }
  /** The partition's producers (DescribeProducers): the ack's result is ProducerSnapshotEntry[]. */
  | { op: 'producers'; id: number; slot: number }
  | { op: 'stop'; id: number };

export type WorkerReply =
  | { op: 'ack'; id: number; error?: string; result?: ProducerSnapshotEntry[]; errors?: (string | null)[] }
  | { op: 'flushed'; slot: number; offset: number }
  | { op: 'warn'; message: string };

interface Init {
  memory: WebAssembly.Memory;
  module: WebAssembly.Module;
  layout: ChannelLayout;
}

const { memory, module, layout } = workerData as Init;
const core = Core.attach(memory, { module, arenaBytes: 64 << 10 });
const writers = new Map<number, PartitionWriter>();
const port = parentPort!;

function reply(message: WorkerReply): void {
  port.postMessage(message);
}

function open(slot: number, spec: WriterSpec): void {
  const writer = new PartitionWriter(core, spec.dir, spec);
  writer.onFlushed = (offset) => reply({ op: 'flushed', slot, offset });
  writer.onWarning = (text) => reply({ op: 'warn', message: text });
  writers.set(slot, writer);
}

port.on('message', (message: ControlMessage) => {
  try {
    switch (message.op) {
      case 'open':
        open(message.slot, message.spec);
        break;
      case 'openMany': {
        const errors = message.partitions.map(({ slot, spec }) => {
          try {
            open(slot, spec);
            return null;
          } catch (e) {
            return (e as Error).message;
          }
        });
        reply({ op: 'ack', id: message.id, errors });
        return;
      }
      case 'producers':
        reply({ op: 'ack', id: message.id, result: writers.get(message.slot)?.producers.snapshotEntries() ?? [] });
        return;
      case 'close':
        writers.get(message.slot)?.close();
        writers.delete(message.slot);
        break;
      case 'config': {
        const writer = writers.get(message.slot);
        if (writer) writer.config = message.config;
        break;
      }
      case 'flush':
        for (const writer of writers.values()) {
          writer.flushSync();
          if (message.snapshot) writer.snapshotSync();
        }
        break;
      case 'stop':
        for (const writer of writers.values()) {
          writer.flushSync();
          writer.close();
        }
        writers.clear();
        clearInterval(flushTimer);
        Atomics.store(control, STOP, 1);
        Atomics.notify(control, JOB_HEAD);
        break;
    }
    reply({ op: 'ack', id: message.id });
  } catch (e) {
    reply({ op: 'ack', id: message.id, error: (e as Error).message });
  }
});

/** How often flush.ms is checked: a record waits at most this long past its flush.ms to be synced. */
const FLUSH_CHECK_INTERVAL_MS = 100;

// flush.ms: the oldest unflushed record decides.
const flushTimer = setInterval(() => {
  const now = Date.now();
  for (const writer of writers.values()) writer.maybeFlush(now);
}, FLUSH_CHECK_INTERVAL_MS);

// Shared memory only grows, in place: this view stays valid however the memory grows.
const control = controlView(core.mem, layout);
/** The job being read: one object for every job, nothing allocated per append. */
const job: AppendJob = { partition: 0, ptr: 0 as Ptr, length: 0, flags: 0, logAppendTime: -1, id: 0, producerId: -1, producerEpoch: -1, coordinatorEpoch: -1, leaderEpoch: 0 };
const NO_PARTITION = failedDone(STATUS_NO_PARTITION);

/**
 * Longest the loop goes without giving the event loop a turn (its control messages, the
 * flush.ms timer): a blocking wait ends after this, and a busy loop yields this often.
 */
const YIELD_EVERY_MS = 20;

/** A turn of the event loop: messages and timers due run, then the loop goes on. */
const yieldToLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

// The worker waits for jobs with a blocking Atomics.wait rather than Atomics.waitAsync: a
// job's notify then wakes this thread directly (a futex), where an async waiter is woken
// through a task posted to its event loop (an eventfd write, the loop's wake-up, a promise
// and its microtask), which on a busy machine cost more than the append. The main thread
// bumps MESSAGES and notifies after each control message, so none waits for a timeout.
async function run(): Promise<void> {
  let next = 0;
  let messagesSeen = 0;
  let yielded = Date.now();
  for (;;) {
    if (Atomics.load(control, STOP) === 1) return;
    const messages = Atomics.load(control, MESSAGES);
    if (messages !== messagesSeen || Date.now() - yielded >= YIELD_EVERY_MS) {
      messagesSeen = messages;
      await yieldToLoop();
      yielded = Date.now();
      continue;
    }
    const head = Atomics.load(control, JOB_HEAD);
    if (head === next) {
      Atomics.wait(control, JOB_HEAD, next, YIELD_EVERY_MS);
      continue;
    }
    while (next !== head) {
      readJob(core.mem, jobSlot(layout, next), job);
      const writer = writers.get(job.partition);
      const done = !writer ? NO_PARTITION
        : (job.flags & FLAG_MARKER) !== 0 ? writer.appendMarker(job) : writer.append(job.ptr, job.length, job.flags, job.logAppendTime, job.leaderEpoch, job.producerId);
      writeDone(core.mem, doneSlot(layout, next), job.id, done);
      next = (next + 1) | 0;
      // Publish as we go: the main thread can answer early batches while later ones append.
      Atomics.store(control, DONE_HEAD, next);
    }
    Atomics.notify(control, DONE_HEAD);
  }
}

run().catch((e) => {
  console.error('append worker failed:', e);
  process.exit(1);
});
