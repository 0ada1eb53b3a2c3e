// Append workers, seen from the main thread: a fixed pool of worker threads, each owning the
// partitions pinned to it by hash, fed through a shared-memory channel (channel.ts). The
// main thread copies a batch into the worker's ring once and gets its completion back;
// batches of one partition are appended in the order they were submitted.
import { Worker } from 'node:worker_threads';
import { availableParallelism } from 'node:os';
import { Core, coreModule } from '../core/index.js';
import type { WriterSpec, WriterConfig } from './partition-writer.js';
import type { ControlMessage, WorkerReply } from './append-worker.js';
import {
  allocateChannel, controlView, jobSlot, doneSlot, SLOTS, JOB_HEAD, DONE_HEAD, type ChannelLayout,
  J_PARTITION, J_PTR, J_LENGTH, J_FLAGS, J_LOG_APPEND_TIME, J_ID, D_STATUS, D_BASE_OFFSET, D_LAST_OFFSET,
  D_MAX_TIMESTAMP, D_OFFSET_OF_MAX_TIMESTAMP, D_POSITION, D_SIZE, D_ROLLED, D_RECORDS, D_LOG_APPEND_TIME,
} from './channel.js';

export interface AppendResult {
  /** 0, a core ERR_* code, or a channel STATUS_* code. */
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

export interface PartitionHandle {
  readonly channel: WorkerChannel;
  readonly slot: number;
}

interface Job {
  slot: number;
  bytes: Uint8Array;
  flags: number;
  logAppendTime: number;
  resolve: (result: AppendResult) => void;
  /** Ring position after this job's bytes (set when placed). */
  dataEnd: number;
}

// The worker is loaded from compiled JS; under vitest (TypeScript sources) use dist/.
const WORKER_URL = import.meta.url.endsWith('.ts')
  ? new URL('../../dist/storage/append-worker.js', import.meta.url)
  : new URL('./append-worker.js', import.meta.url);

export class WorkerChannel {
  readonly worker: Worker;
  private readonly core: Core;
  private readonly layout: ChannelLayout;
  private dataHead = 0; // bytes placed in the ring since the start (monotonic)
  private dataTail = 0; // bytes released by completions
  private issued = 0; // int32 job counter
  private consumed = 0; // int32 completion counter
  private readonly inflight: (Job | undefined)[] = new Array(SLOTS);
  private readonly waiting: Job[] = [];
  private nextControlId = 1;
  private readonly acks = new Map<number, { resolve: () => void; reject: (e: Error) => void }>();
  private stopped = false;
  onFlushed: (slot: number, offset: number) => void = () => {};
  /** Partitions this worker owns, for slots. */
  private nextSlot = 1;

  constructor(readonly index: number, ringBytes: number) {
    this.core = Core.create({ initialBytes: ringBytes + (4 << 20), maximumBytes: Math.max(1 << 30, ringBytes * 2) });
    this.layout = allocateChannel(this.core.mem, ringBytes);
    this.worker = new Worker(WORKER_URL, { workerData: { memory: this.core.memory, module: coreModule(), layout: this.layout } });
    this.worker.on('message', (reply: WorkerReply) => {
      if (reply.op === 'ack') {
        const ack = this.acks.get(reply.id);
        this.acks.delete(reply.id);
        if (reply.error) ack?.reject(new Error(reply.error));
        else ack?.resolve();
      } else this.onFlushed(reply.slot, reply.offset);
    });
    this.worker.on('error', (e) => {
      for (const ack of this.acks.values()) ack.reject(e);
      this.acks.clear();
    });
    void this.collect();
  }

  /** Sends a control message and waits for the worker's acknowledgement. */
  control(message: WithoutId<ControlMessage>): Promise<void> {
    const id = this.nextControlId++;
    return new Promise((resolve, reject) => {
      this.acks.set(id, { resolve, reject });
      this.worker.postMessage({ ...message, id } as ControlMessage);
    });
  }

  newSlot(): number {
    return this.nextSlot++;
  }

  /** Queues a batch for the partition in `slot`; resolves when it is on disk (or rejected). */
  append(slot: number, bytes: Uint8Array, flags: number, logAppendTime: number): Promise<AppendResult> {
    return new Promise((resolve) => {
      const job: Job = { slot, bytes, flags, logAppendTime, resolve, dataEnd: 0 };
      if (this.waiting.length > 0 || !this.place(job)) this.waiting.push(job);
    });
  }

  /** Jobs queued for ring space or slots. */
  get backlog(): number {
    return this.waiting.length + ((this.issued - this.consumed) | 0);
  }

  /** Copies the job's bytes into the ring and publishes it; false when there is no room yet. */
  private place(job: Job): boolean {
    if (((this.issued - this.consumed) | 0) >= SLOTS) return false;
    const size = job.bytes.length;
    const { dataBytes } = this.layout;
    let start = this.dataHead % dataBytes;
    let pad = 0;
    if (start + size > dataBytes) {
      pad = dataBytes - start; // batches never wrap: skip to the ring's start
      start = 0;
    }
    if (this.dataHead + pad + size - this.dataTail > dataBytes) return false;
    const ptr = this.layout.data + start;
    this.core.mem.write(ptr, job.bytes); // the one copy between socket and page cache
    this.dataHead += pad + size;
    job.dataEnd = this.dataHead;
    const n = this.issued;
    const slot = jobSlot(this.layout, n);
    const dv = this.core.mem.dv();
    dv.setInt32(slot + J_PARTITION, job.slot, true);
    dv.setInt32(slot + J_PTR, ptr, true);
    dv.setInt32(slot + J_LENGTH, size, true);
    dv.setInt32(slot + J_FLAGS, job.flags, true);
    dv.setFloat64(slot + J_LOG_APPEND_TIME, job.logAppendTime, true);
    dv.setInt32(slot + J_ID, n, true);
    this.inflight[n & (SLOTS - 1)] = job;
    job.bytes = EMPTY; // the caller's buffer may go
    this.issued = (n + 1) | 0;
    const control = controlView(this.core.mem, this.layout);
    Atomics.store(control, JOB_HEAD, this.issued);
    Atomics.notify(control, JOB_HEAD);
    return true;
  }

  private async collect(): Promise<void> {
    while (!this.stopped) {
      const control = controlView(this.core.mem, this.layout);
      const head = Atomics.load(control, DONE_HEAD);
      if (head === this.consumed) {
        const waiting = Atomics.waitAsync(control, DONE_HEAD, this.consumed);
        if (waiting.async) await waiting.value;
        continue;
      }
      const dv = this.core.mem.dv();
      while (this.consumed !== head) {
        const n = this.consumed;
        const job = this.inflight[n & (SLOTS - 1)]!;
        this.inflight[n & (SLOTS - 1)] = undefined;
        const done = doneSlot(this.layout, n);
        const status = dv.getInt32(done + D_STATUS, true);
        const result: AppendResult = status === 0 ? {
          status,
          baseOffset: dv.getFloat64(done + D_BASE_OFFSET, true),
          lastOffset: dv.getFloat64(done + D_LAST_OFFSET, true),
          maxTimestamp: dv.getFloat64(done + D_MAX_TIMESTAMP, true),
          offsetOfMaxTimestamp: dv.getFloat64(done + D_OFFSET_OF_MAX_TIMESTAMP, true),
          position: dv.getInt32(done + D_POSITION, true),
          size: dv.getInt32(done + D_SIZE, true),
          rolled: dv.getInt32(done + D_ROLLED, true) === 1,
          records: dv.getInt32(done + D_RECORDS, true),
          logAppendTime: dv.getFloat64(done + D_LOG_APPEND_TIME, true),
        } : { status, baseOffset: -1, lastOffset: -1, maxTimestamp: -1, offsetOfMaxTimestamp: -1, position: -1, size: 0, rolled: false, records: 0, logAppendTime: -1 };
        this.dataTail = job.dataEnd;
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
    Atomics.notify(controlView(this.core.mem, this.layout), DONE_HEAD);
    await this.worker.terminate();
  }
}

const EMPTY = new Uint8Array(0);

/** Omit over each member of a union. */
type WithoutId<T> = T extends unknown ? Omit<T, 'id'> : never;

/** FNV-1a: partitions are pinned to workers by hashing "<topic>-<partition>". */
function hash(key: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

export class AppendPool {
  readonly channels: WorkerChannel[];
  private readonly keys = new Map<string, PartitionHandle>();

  constructor(workers = availableParallelism(), ringBytes = 64 << 20) {
    this.channels = Array.from({ length: workers }, (_, i) => new WorkerChannel(i, ringBytes));
  }

  /** Called with the partition key and the offset up to which it is synced to disk. */
  set onFlushed(listener: (key: string, offset: number) => void) {
    for (const channel of this.channels) {
      channel.onFlushed = (slot, offset) => {
        for (const [key, handle] of this.keys) if (handle.channel === channel && handle.slot === slot) listener(key, offset);
      };
    }
  }

  /** Hands a partition to its worker; appends may follow once this resolves. */
  async open(key: string, spec: WriterSpec): Promise<PartitionHandle> {
    const channel = this.channels[hash(key) % this.channels.length];
    const slot = channel.newSlot();
    await channel.control({ op: 'open', slot, spec });
    const handle = { channel, slot };
    this.keys.set(key, handle);
    return handle;
  }

  append(handle: PartitionHandle, bytes: Uint8Array, flags: number, logAppendTime: number): Promise<AppendResult> {
    return handle.channel.append(handle.slot, bytes, flags, logAppendTime);
  }

  configure(handle: PartitionHandle, config: WriterConfig): Promise<void> {
    return handle.channel.control({ op: 'config', slot: handle.slot, config });
  }

  async close(key: string): Promise<void> {
    const handle = this.keys.get(key);
    if (!handle) return;
    this.keys.delete(key);
    await handle.channel.control({ op: 'close', slot: handle.slot });
  }

  /** fsyncs every partition's active segment. */
  async flush(): Promise<void> {
    await Promise.all(this.channels.map((c) => c.control({ op: 'flush' })));
  }

  /** Jobs waiting or in flight, over all workers (append-worker queue depth). */
  get backlog(): number {
    return this.channels.reduce((n, c) => n + c.backlog, 0);
  }

  async stop(): Promise<void> {
    await Promise.all(this.channels.map((c) => c.stop()));
  }
}
