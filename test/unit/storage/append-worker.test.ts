// src/storage/append-worker.ts, the append worker thread itself (dist/storage/append-worker.js),
// driven as the append pool drives it: control messages by postMessage, jobs and completions
// through its channel in shared core memory.
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { Worker } from 'node:worker_threads';
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Core, buildBatch, coreModule } from '../../../src/core/index.js';
import * as ch from '../../../src/storage/channel.js';
import type { ControlMessage, WorkerReply } from '../../../src/storage/append-worker.js';
import type { WriterConfig } from '../../../src/storage/partition-writer.js';
import { waitFor } from '../../helpers/wait.js';

const WORKER = new URL('../../../dist/storage/append-worker.js', import.meta.url);
const core = Core.create();
const root = mkdtempSync(join(tmpdir(), 'strom-worker-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const NEVER = Number.MAX_SAFE_INTEGER;
const CONFIG: WriterConfig = { segmentBytes: 1 << 30, segmentMs: NEVER, segmentJitterMs: 0, flushMessages: NEVER, flushMs: NEVER, producerIdExpirationMs: NEVER, producerIdExpirationCheckIntervalMs: NEVER };

type Without<T> = T extends unknown ? Omit<T, 'id'> : never;

class Harness {
  readonly layout = ch.allocateChannel(core.mem);
  readonly control = ch.controlView(core.mem, this.layout);
  readonly worker = new Worker(WORKER, { workerData: { memory: core.memory, module: coreModule(), layout: this.layout } });
  readonly replies: WorkerReply[] = [];
  private nextId = 1;
  private issued = 0;

  constructor() {
    this.worker.on('message', (r: WorkerReply) => this.replies.push(r));
  }

  /** Sends a control message; resolves with the worker's ack (error included). */
  async send(message: Without<ControlMessage>): Promise<{ error?: string }> {
    const id = this.nextId++;
    this.worker.postMessage({ ...message, id });
    await waitFor(`the ack of ${message.op}`, () => this.replies.some((r) => r.op === 'ack' && r.id === id), { timeoutMs: 5000 });
    const ack = this.replies.find((r) => r.op === 'ack' && r.id === id) as { error?: string };
    return { error: ack.error };
  }

  open(slot: number, name: string, config: Partial<WriterConfig> = {}) {
    const dir = join(root, name);
    mkdirSync(dir, { recursive: true });
    return this.send({ op: 'open', slot, spec: { dir, activeBaseOffset: 0, position: 0, createdMs: Date.now(), nextOffset: 0, config: { ...CONFIG, ...config }, producers: [], snapshotOffset: -1 } }).then((ack) => ({ ...ack, dir }));
  }

  /** Publishes jobs (the batches put in core memory) and waits for their completions. */
  async append(jobs: { slot: number; bytes: Uint8Array; flags?: number }[]): Promise<{ id: number; status: number; baseOffset: number; rolled: number }[]> {
    const first = this.issued;
    for (const job of jobs) {
      const ptr = core.mem.reserve(job.bytes.length);
      core.mem.write(ptr, job.bytes);
      ch.writeJob(core.mem, ch.jobSlot(this.layout, this.issued), { partition: job.slot, ptr, length: job.bytes.length, flags: job.flags ?? ch.FLAG_STRICT, logAppendTime: -1, id: 1000 + this.issued });
      this.issued = (this.issued + 1) | 0;
    }
    Atomics.store(this.control, ch.JOB_HEAD, this.issued);
    Atomics.notify(this.control, ch.JOB_HEAD);
    await waitFor('the completions', () => Atomics.load(this.control, ch.DONE_HEAD) === this.issued, { timeoutMs: 5000 });
    return jobs.map((_, i) => {
      const slot = ch.doneSlot(this.layout, first + i);
      const done = ch.readDone(core.mem, slot);
      return { id: core.mem.dv().getInt32(slot, true), status: done.status, baseOffset: done.baseOffset, rolled: done.rolled ? 1 : 0 };
    });
  }

  async stop(): Promise<void> {
    await this.worker.terminate();
  }
}

const batch = (n: number) => buildBatch(core, Array.from({ length: n }, (_, i) => ({ value: `v${i}` })));
let h: Harness;
afterEach(async () => { await h?.stop(); });

describe('append worker', () => {
  it('appends the jobs of each partition in order, answering each in its own completion slot', async () => {
    h = new Harness();
    expect((await h.open(1, 'a-0')).error).toBeUndefined();
    expect((await h.open(2, 'b-0')).error).toBeUndefined();
    const done = await h.append([{ slot: 1, bytes: batch(2) }, { slot: 2, bytes: batch(5) }, { slot: 1, bytes: batch(3) }, { slot: 2, bytes: batch(1) }]);
    expect(done.map((d) => [d.id, d.status, d.baseOffset])).toEqual([[1000, 0, 0], [1001, 0, 0], [1002, 0, 2], [1003, 0, 5]]);
  });

  it('a job for a partition it does not own: STATUS_NO_PARTITION (also once closed)', async () => {
    h = new Harness();
    await h.open(1, 'closing-0');
    expect((await h.append([{ slot: 9, bytes: batch(1) }]))[0].status).toBe(ch.STATUS_NO_PARTITION);
    expect((await h.append([{ slot: 1, bytes: batch(1) }]))[0].status).toBe(0);
    expect((await h.send({ op: 'close', slot: 1 })).error).toBeUndefined();
    expect((await h.append([{ slot: 1, bytes: batch(1) }]))[0].status).toBe(ch.STATUS_NO_PARTITION);
  });

  it('a control message that fails is acknowledged with the error, and the worker goes on', async () => {
    h = new Harness();
    const ack = await h.send({ op: 'open', slot: 1, spec: { dir: join(root, 'no-such-dir', 'x-0'), activeBaseOffset: 0, position: 0, createdMs: Date.now(), nextOffset: 0, config: CONFIG, producers: [], snapshotOffset: -1 } });
    expect(ack.error).toMatch(/ENOENT/);
    await h.open(2, 'after-0');
    expect((await h.append([{ slot: 2, bytes: batch(1) }]))[0].status).toBe(0);
  });

  it('config: a partition takes its new settings for the next append (a smaller segment.bytes rolls)', async () => {
    h = new Harness();
    const { dir } = await h.open(1, 'config-0');
    await h.append([{ slot: 1, bytes: batch(3) }]);
    await h.send({ op: 'config', slot: 1, config: { ...CONFIG, segmentBytes: 100 } });
    const [r] = await h.append([{ slot: 1, bytes: batch(3) }]);
    expect([r.rolled, r.baseOffset]).toEqual([1, 3]);
    expect(readdirSync(dir).filter((f) => f.endsWith('.log')).sort()).toEqual(['00000000000000000000.log', '00000000000000000003.log']);
  });

  it('flush: syncs every partition and reports each one\'s flushed offset; flush.ms does it by itself', async () => {
    h = new Harness();
    await h.open(1, 'flush-0');
    await h.open(2, 'timer-0', { flushMs: 0 });
    await h.append([{ slot: 1, bytes: batch(4) }]);
    await h.send({ op: 'flush' });
    expect(h.replies.filter((r) => r.op === 'flushed')).toContainEqual({ op: 'flushed', slot: 1, offset: 4 });
    await h.append([{ slot: 2, bytes: batch(2) }]);
    await waitFor('the flush.ms timer', () => h.replies.some((r) => r.op === 'flushed' && r.slot === 2), { timeoutMs: 5000 });
    expect(h.replies.filter((r) => r.op === 'flushed' && r.slot === 2)).toEqual([{ op: 'flushed', slot: 2, offset: 2 }]);
  });

  it('stop: flushes, closes, and sets STOP for the job loop', async () => {
    h = new Harness();
    await h.open(1, 'stop-0');
    await h.append([{ slot: 1, bytes: batch(2) }]);
    await h.send({ op: 'stop' });
    expect(Atomics.load(h.control, ch.STOP)).toBe(1);
    expect(h.replies).toContainEqual({ op: 'flushed', slot: 1, offset: 2 });
  });
});
