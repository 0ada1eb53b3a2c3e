// Append workers, seen from the main thread: a fixed pool of worker threads, each owning the
// partitions pinned to it by hash and running its own core over the broker's shared memory.
// A batch already in core memory (where the request frame was read) is handed over by
// address through the worker's channel (channel.ts); batches of one partition are appended
// in the order they were submitted.
import { Worker } from 'node:worker_threads';
import { availableParallelism } from 'node:os';
import { coreModule, type Core, type Ptr } from '../core/index.js';
import type { WriterSpec, WriterConfig } from './partition-writer.js';
import type { ControlMessage, WorkerReply } from './append-worker.js';
import {
  allocateChannel, controlView, jobSlot, doneSlot, writeJob, readDone, SLOTS, JOB_HEAD, DONE_HEAD, MESSAGES, FLAG_MARKER, FLAG_COMMIT, FLAG_ROLL, type ChannelLayout, type AppendDone,
} from './channel.js';
import type { ProducerSnapshotEntry } from './producer-state.js';
import { workerUrl } from '../base/worker-url.js';

export type AppendResult = AppendDone;

export interface PartitionHandle {
  readonly channel: WorkerChannel;
  readonly slot: number;
}

interface Job {
  slot: number;
  ptr: Ptr;
  length: number;
  flags: number;
  logAppendTime: number;
  /** Markers (FLAG_MARKER): the producer and the coordinator epoch. */
  producerId: number;
  producerEpoch: number;
  coordinatorEpoch: number;
  leaderEpoch: number;
  resolve: (result: AppendResult) => void;
}

/** A transaction marker to write (FLAG_MARKER). */
interface MarkerJob {
  producerId: number;
  producerEpoch: number;
  commit: boolean;
  coordinatorEpoch: number;
}

const WORKER_URL = workerUrl(import.meta.url, 'storage/append-worker.js');

class WorkerChannel {
  readonly worker: Worker;
  private readonly layout: ChannelLayout;
  /**
   * The control block. Shared memory only grows, in place: a view made before a growth
   * still sees these bytes, so one view serves for the channel's life.
   */
  private readonly controlBlock: Int32Array;
  private issued = 0; // int32 job counter
  private consumed = 0; // int32 completion counter
  private readonly inflight: (Job | undefined)[] = new Array(SLOTS);
  private readonly waiting: Job[] = [];
  private nextControlId = 1;
  private readonly acks = new Map<number, { resolve: (result: unknown) => void; reject: (e: Error) => void }>();
  /** Opens asked for in this turn of the event loop: sent in one message at its end. */
  private opening: { slot: number; spec: WriterSpec; resolve: () => void; reject: (e: Error) => void }[] = [];
  private stopped = false;
  /**
   * The worker is notified once for the jobs placed in one turn, after them (a microtask),
   * so that it wakes to all of a request's batches at once.
   */
  private wakeQueued = false;
  private readonly wakeWorker = () => {
    this.wakeQueued = false;
    Atomics.notify(this.controlBlock, JOB_HEAD);
  };
  onFlushed: (slot: number, offset: number) => void = () => {};
  onWarning: (message: string) => void = () => {};
  /** Partitions this worker owns, for slots. */
  private nextSlot = 1;

  constructor(readonly index: number, private readonly core: Core) {
    this.layout = allocateChannel(core.mem);
    this.controlBlock = controlView(core.mem, this.layout);
    this.worker = new Worker(WORKER_URL, { workerData: { memory: core.memory, module: coreModule(), layout: this.layout } });
    this.worker.on('message', (reply: WorkerReply) => {
      if (reply.op === 'ack') {
        const ack = this.acks.get(reply.id);
        this.acks.delete(reply.id);
        if (reply.error) ack?.reject(new Error(reply.error));
        else ack?.resolve(reply.errors ?? reply.result);
      } else if (reply.op === 'warn') this.onWarning(reply.message);
      else this.onFlushed(reply.slot, reply.offset);
    });
    this.worker.on('error', (e) => {
      for (const ack of this.acks.values()) ack.reject(e);
      this.acks.clear();
    });
    void this.collect();
  }

  /** Sends a control message and waits for the worker's acknowledgement (and what it answered). */
  control(message: WithoutId<ControlMessage>): Promise<unknown> {
    const id = this.nextControlId++;
    return new Promise((resolve, reject) => {
      this.acks.set(id, { resolve, reject });
      this.worker.postMessage({ ...message, id } as ControlMessage);
      // The worker may be blocked waiting for jobs: this wakes it to read its messages.
      Atomics.add(this.controlBlock, MESSAGES, 1);
      Atomics.notify(this.controlBlock, JOB_HEAD);
    });
  }

  newSlot(): number {
    return this.nextSlot++;
  }

  /**
   * Hands a partition to the worker. The opens asked in one turn of the event loop go in one
   * message: a message costs tens to hundreds of microseconds on a busy machine, which
   * thousands of partitions opened at a start would pay one by one.
   */
  open(slot: number, spec: WriterSpec): Promise<void> {
    return new Promise((resolve, reject) => {
      if (this.opening.length === 0) setImmediate(() => this.sendOpens());
      this.opening.push({ slot, spec, resolve, reject });
    });
  }

  private sendOpens(): void {
    const batch = this.opening;
    this.opening = [];
    this.control({ op: 'openMany', partitions: batch.map(({ slot, spec }) => ({ slot, spec })) }).then(
      (errors) => batch.forEach((o, i) => {
        const error = (errors as (string | null)[])[i];
        if (error === null) o.resolve();
        else o.reject(new Error(error));
      }),
      (e: Error) => { for (const o of batch) o.reject(e); },
    );
  }

  /**
   * Queues the batch at [ptr, ptr + length) of core memory for the partition in `slot`;
   * resolves when it is on disk (or rejected). The bytes must stay put until then.
   */
  append(slot: number, ptr: Ptr, length: number, flags: number, logAppendTime: number, leaderEpoch: number, marker?: MarkerJob): Promise<AppendResult> {
    return new Promise((resolve) => {
      const job: Job = {
        slot, ptr, length, flags, logAppendTime, leaderEpoch, resolve,
        producerId: marker?.producerId ?? -1, producerEpoch: marker?.producerEpoch ?? -1, coordinatorEpoch: marker?.coordinatorEpoch ?? -1,
      };
      if (this.waiting.length > 0 || !this.place(job)) this.waiting.push(job);
    });
  }

  /** Jobs waiting for a slot or in flight. */
  get backlog(): number {
    return this.waiting.length + ((this.issued - this.consumed) | 0);
  }

  /** Publishes the job; false when every slot is in flight. */
  private place(job: Job): boolean {
    if (((this.issued - this.consumed) | 0) >= SLOTS) return false;
    const n = this.issued;
    writeJob(this.core.mem, jobSlot(this.layout, n), {
      partition: job.slot, ptr: job.ptr, length: job.length, flags: job.flags, logAppendTime: job.logAppendTime, id: n,
      producerId: job.producerId, producerEpoch: job.producerEpoch, coordinatorEpoch: job.coordinatorEpoch, leaderEpoch: job.leaderEpoch,
    });
    this.inflight[n & (SLOTS - 1)] = job;
    this.issued = (n + 1) | 0;
    Atomics.store(this.controlBlock, JOB_HEAD, this.issued);
    if (!this.wakeQueued) {
      this.wakeQueued = true;
      queueMicrotask(this.wakeWorker);
    }
    return true;
  }

  private async collect(): Promise<void> {
    while (!this.stopped) {
      const head = Atomics.load(this.controlBlock, DONE_HEAD);
      if (head === this.consumed) {
        const waiting = Atomics.waitAsync(this.controlBlock, DONE_HEAD, this.consumed);
        if (waiting.async) await waiting.value;
        continue;
      }
      while (this.consumed !== head) {
        const n = this.consumed;
        const job = this.inflight[n & (SLOTS - 1)]!;
        this.inflight[n & (SLOTS - 1)] = undefined;
        const result = readDone(this.core.mem, doneSlot(this.layout, n));
        this.consumed = (n + 1) | 0;
        job.resolve(result);
      }
      while (this.waiting.length > 0 && this.place(this.waiting[0])) this.waiting.shift();
    }
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    await this.control({ op: 'stop' });
    this.stopped = true;
    Atomics.notify(this.controlBlock, DONE_HEAD);
    await this.worker.terminate();
  }
}

/** Omit over each member of a union. */
type WithoutId<T> = T extends unknown ? Omit<T, 'id'> : never;

/** FNV-1a: partitions are pinned to workers by hashing "<topic>-<partition>". */
function hash(key: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

export class AppendPool {
  /** Started on the first open(): a broker with no partitions starts no threads. */
  private started: WorkerChannel[] | null = null;
  private readonly keys = new Map<string, PartitionHandle>();
  private flushedListener: (key: string, offset: number) => void = () => {};
  /** Called with what a worker could not do in the background (e.g. write a producer snapshot). */
  onWarning: (message: string) => void = () => {};

  /** Workers over `core`'s (shared) memory, which holds every batch they are given. */
  constructor(private readonly core: Core, readonly workers = availableParallelism()) {}

  get channels(): WorkerChannel[] {
    if (!this.started) {
      this.started = Array.from({ length: this.workers }, (_, i) => new WorkerChannel(i, this.core));
      for (const channel of this.started) {
        channel.onFlushed = (slot, offset) => {
          for (const [key, handle] of this.keys) if (handle.channel === channel && handle.slot === slot) this.flushedListener(key, offset);
        };
        channel.onWarning = (message) => this.onWarning(message);
      }
    }
    return this.started;
  }

  /** Called with the partition key and the offset up to which it is synced to disk. */
  set onFlushed(listener: (key: string, offset: number) => void) {
    this.flushedListener = listener;
  }

  /** Hands a partition to its worker; appends may follow once this resolves. */
  async open(key: string, spec: WriterSpec): Promise<PartitionHandle> {
    const channel = this.channels[hash(key) % this.channels.length];
    const slot = channel.newSlot();
    await channel.open(slot, spec);
    const handle = { channel, slot };
    this.keys.set(key, handle);
    return handle;
  }

  /**
   * Appends the batch at [ptr, ptr + length) of core memory, which must stay put until this
   * resolves. A follower's batch (FLAG_REPLICA) names the log end it must find
   * (`expectedOffset`, carried in the job's producer id), so that a batch queued behind one
   * that failed is not written past a gap.
   */
  append(handle: PartitionHandle, ptr: Ptr, length: number, flags: number, logAppendTime: number, leaderEpoch = 0, expectedOffset = -1): Promise<AppendResult> {
    const replica = expectedOffset >= 0 ? { producerId: expectedOffset, producerEpoch: -1, coordinatorEpoch: -1, commit: false } : undefined;
    return handle.channel.append(handle.slot, ptr, length, flags, logAppendTime, leaderEpoch, replica);
  }

  /**
   * Writes a transaction marker (COMMIT or ABORT) for `marker.producerId` to the partition;
   * the worker builds the control batch in its own thread. Resolves as append() does.
   */
  appendMarker(handle: PartitionHandle, marker: MarkerJob, logAppendTime: number, roll: boolean, leaderEpoch = 0): Promise<AppendResult> {
    const flags = FLAG_MARKER | (marker.commit ? FLAG_COMMIT : 0) | (roll ? FLAG_ROLL : 0);
    return handle.channel.append(handle.slot, 0 as Ptr, 0, flags, logAppendTime, leaderEpoch, marker);
  }

  /** The partition's producers as its worker knows them (DescribeProducers). */
  async producers(handle: PartitionHandle): Promise<ProducerSnapshotEntry[]> {
    return (await handle.channel.control({ op: 'producers', slot: handle.slot })) as ProducerSnapshotEntry[];
  }

  async configure(handle: PartitionHandle, config: WriterConfig): Promise<void> {
    await handle.channel.control({ op: 'config', slot: handle.slot, config });
  }

  async close(key: string): Promise<void> {
    const handle = this.keys.get(key);
    if (!handle) return;
    this.keys.delete(key);
    await handle.channel.control({ op: 'close', slot: handle.slot });
  }

  /** fsyncs every partition's active segment; `snapshot`: and writes its producer snapshot at its log end (clean shutdown). */
  async flush(snapshot = false): Promise<void> {
    await Promise.all((this.started ?? []).map((c) => c.control({ op: 'flush', snapshot })));
  }

  /** Jobs waiting or in flight, over all workers (append-worker queue depth). */
  get backlog(): number {
    return (this.started ?? []).reduce((n, c) => n + c.backlog, 0);
  }

  async stop(): Promise<void> {
    await Promise.all((this.started ?? []).map((c) => c.stop()));
  }
}
