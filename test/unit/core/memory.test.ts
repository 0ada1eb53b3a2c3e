import { describe, expect, it, afterAll } from 'vitest';
import { Worker } from 'node:worker_threads';
import { once } from 'node:events';
import { Core, buildBatch, coreModule } from '../../../src/core/index.js';
import { randomBytes } from '../../helpers/core.js';

const workers: Worker[] = [];
afterAll(async () => { await Promise.all(workers.map((w) => w.terminate())); });

async function startWorker(core: Core): Promise<{ ask: (job: object) => Promise<any> }> {
  const worker = new Worker(new URL('./core-worker.mjs', import.meta.url), { workerData: { memory: core.memory, module: coreModule() } });
  workers.push(worker);
  const [hello] = await once(worker, 'message');
  expect(hello).toBe('ready');
  const pending = new Map<number, (result: unknown) => void>();
  let nextId = 0;
  worker.on('message', (reply: { id: number; result: unknown }) => pending.get(reply.id)?.(reply.result));
  return {
    ask: (job) => new Promise((resolve) => {
      const id = nextId++;
      pending.set(id, resolve);
      worker.postMessage({ ...job, id });
    }),
  };
}

describe('core memory', () => {
  it('writes bytes at every alignment of source and target, staged or not, without touching their neighbours', () => {
    const core = Core.create();
    const mem = core.mem;
    const source = randomBytes(200_000 + 16, 7);
    const target = mem.reserve(300_000, 64);
    for (const length of [0, 1, 7, 511, 512, 4096, 65_536, 65_537, 200_000]) {
      for (let srcSkew = 0; srcSkew < 8; srcSkew += 3) {
        for (let dstSkew = 0; dstSkew < 8; dstSkew++) {
          mem.u8().fill(0xee, target, target + 300_000);
          const bytes = source.subarray(srcSkew, srcSkew + length);
          mem.write(target + 8 + dstSkew, bytes);
          const written = mem.view(target + 8 + dstSkew, length);
          expect(Buffer.compare(written, bytes), `length ${length}, skews ${srcSkew}/${dstSkew}`).toBe(0);
          expect(mem.u8()[target + 7 + dstSkew]).toBe(0xee);
          expect(mem.u8()[target + 8 + dstSkew + length]).toBe(0xee);
        }
      }
    }
  });

  it('hands out addresses above 2 GiB as positive numbers the core can use (an i32 allocator word wrapped them negative)', () => {
    const core = Core.create({ maximumBytes: 3 * 1024 ** 3 });
    const mem = core.mem;
    mem.reserve(2 * 1024 ** 3 + 4096, 64); // address space only: nothing is touched
    const high = mem.reserve(1 << 16, 64);
    expect(high).toBeGreaterThan(2 ** 31);
    expect(mem.reservedBytes).toBeGreaterThan(2 ** 31);
    const bytes = randomBytes(1 << 16, 3);
    mem.write(high, bytes);
    mem.move(high + 8, high, 1024);
    expect(Buffer.compare(mem.view(high + 8, 1024), bytes.subarray(0, 1024))).toBe(0);
    expect(core.crc32cAt(high + 8, 1024)).toBe(core.crc32c(bytes.subarray(0, 1024)));
    expect(() => mem.reserve(1024 ** 3, 64)).toThrow(/cannot grow/);
  });

  it('grows without invalidating data, and views follow the new buffer', () => {
    const core = Core.create({ initialBytes: 1 << 20 });
    const ptr = core.mem.reserve(1000);
    core.mem.write(ptr, randomBytes(1000, 3));
    const before = core.mem.u8().length;
    const big = core.mem.reserve(8 << 20);
    expect(core.mem.u8().length).toBeGreaterThanOrEqual(big + (8 << 20));
    expect(core.mem.u8().length).toBeGreaterThan(before);
    expect(core.mem.read(ptr, 1000)).toEqual(randomBytes(1000, 3));
    core.mem.write(big + (8 << 20) - 4, new Uint8Array([1, 2, 3, 4]));
    expect(core.crc32cAt(big + (8 << 20) - 4, 4)).toBe(core.crc32c(new Uint8Array([1, 2, 3, 4])));
  });

  it('hands out disjoint regions to every instance attached to one memory', () => {
    const a = Core.create();
    const b = Core.attach(a.memory);
    const r1 = a.mem.reserve(100);
    const r2 = b.mem.reserve(100);
    const r3 = a.mem.reserve(100);
    expect(new Set([r1, r2, r3]).size).toBe(3);
    expect(r2).toBeGreaterThanOrEqual(r1 + 100);
    expect(r3).toBeGreaterThanOrEqual(r2 + 100);
    // Each instance folds long inputs in its own scratch: interleaving cannot mix them up.
    const x = randomBytes(100_000, 1);
    const y = randomBytes(100_000, 2);
    expect([a.crc32c(x), b.crc32c(y), a.crc32c(y), b.crc32c(x)]).toEqual([a.crc32c(x), a.crc32c(y), b.crc32c(y), b.crc32c(x)]);
  });

  it('lets worker threads run the core over the same memory, concurrently', async () => {
    const core = Core.create();
    const regions = [0, 1, 2, 3].map((i) => {
      const bytes = randomBytes(1 << 20, 10 + i);
      const ptr = core.mem.reserve(bytes.length);
      core.mem.write(ptr, bytes);
      return { ptr, length: bytes.length, expected: core.crc32c(bytes) };
    });
    const [w1, w2] = await Promise.all([startWorker(core), startWorker(core)]);
    const results = await Promise.all(regions.map((r, i) => (i % 2 ? w1 : w2).ask({ type: 'crc', ptr: r.ptr, length: r.length })));
    expect(results).toEqual(regions.map((r) => r.expected));
    // A region the worker reserves is disjoint from ours, and growth made by the main
    // thread is visible to the worker.
    const theirs: number = await w1.ask({ type: 'reserve', bytes: 64 });
    const ours = core.mem.reserve(64);
    expect(Math.abs(theirs - ours)).toBeGreaterThanOrEqual(64);
    const far = core.mem.reserve(32 << 20);
    core.mem.write(far, randomBytes(4096, 77));
    expect(await w2.ask({ type: 'crc', ptr: far, length: 4096 })).toBe(core.crc32c(randomBytes(4096, 77)));
  });

  it('supports the append hand-off: one copy in, the worker validates and assigns in place', async () => {
    const core = Core.create();
    const worker = await startWorker(core);
    const batch = buildBatch(core, [{ value: 'a', timestamp: 1 }, { value: 'b', timestamp: 2 }]);
    const ptr = core.mem.reserve(batch.length);
    core.mem.write(ptr, batch); // the only copy
    const reply = await worker.ask({ type: 'append', ptr, length: batch.length, baseOffset: 500 });
    expect(reply).toEqual({ size: batch.length, lastOffset: 501 });
    const assigned = core.validateBatch(core.mem.read(ptr, batch.length));
    expect([assigned.baseOffset, assigned.partitionLeaderEpoch]).toEqual([500, 3]);
  });
});
