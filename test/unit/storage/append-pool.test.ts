import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, readdirSync, rmSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AppendPool } from '../../../src/storage/append-pool.js';
import { buildBatch, decodeBatches, ABI } from '../../../src/core/index.js';
import { FLAG_STRICT, STATUS_NO_PARTITION } from '../../../src/storage/channel.js';
import { Core } from '../../../src/core/index.js';

const core = Core.create();

const root = mkdtempSync(join(tmpdir(), 'strom-pool-'));
const pool = new AppendPool(core, 2);
afterAll(async () => {
  await pool.stop();
  rmSync(root, { recursive: true, force: true });
});

const config = { segmentBytes: 1 << 30, segmentMs: 7 * 86_400_000, segmentJitterMs: 0, flushMessages: Number.MAX_SAFE_INTEGER, flushMs: Number.MAX_SAFE_INTEGER,
  producerIdExpirationMs: 86_400_000, producerIdExpirationCheckIntervalMs: 600_000 };

async function openPartition(name: string, overrides = {}) {
  const dir = join(root, name);
  mkdirSync(dir);
  const handle = await pool.open(name, { dir, activeBaseOffset: 0, position: 0, createdMs: Date.now(), nextOffset: 0, config: { ...config, ...overrides }, producers: [], snapshotOffset: -1 });
  return { dir, handle };
}

/** Puts bytes in core memory (where request frames land) and appends them from there. */
function append(handle: Parameters<typeof pool.append>[0], bytes: Uint8Array, flags: number, logAppendTime: number) {
  const ptr = core.mem.reserve(bytes.length);
  core.mem.write(ptr, bytes);
  return pool.append(handle, ptr, bytes.length, flags, logAppendTime);
}

const batch = (n: number, tag: string) => buildBatch(core, Array.from({ length: n }, (_, i) => ({ key: `${tag}-${i}`, value: `value ${tag} ${i}`, timestamp: 1000 + i })));

describe('append pool', () => {
  it('appends batches in order with offsets assigned, straight to the segment file', async () => {
    const { dir, handle } = await openPartition('orders-0');
    const results = await Promise.all([batch(3, 'a'), batch(2, 'b'), batch(5, 'c')].map((b) => append(handle, b, FLAG_STRICT, -1)));
    expect(results.map((r) => [r.status, r.baseOffset, r.lastOffset])).toEqual([[0, 0, 2], [0, 3, 4], [0, 5, 9]]);
    expect(results.map((r) => r.position)).toEqual([0, results[0].size, results[0].size + results[1].size]);
    const file = readFileSync(join(dir, '00000000000000000000.log'));
    const decoded = decodeBatches(core, file);
    expect(decoded.flatMap((d) => d.records.map((r) => r.offset))).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(Buffer.from(decoded[2].records[4].key!).toString()).toBe('c-4');
  });

  it('rejects a corrupt batch without using an offset', async () => {
    const { dir, handle } = await openPartition('corrupt-0');
    const bad = batch(2, 'x');
    bad[70] ^= 1;
    const [r1, r2] = await Promise.all([append(handle, bad, FLAG_STRICT, -1), append(handle, batch(1, 'y'), FLAG_STRICT, -1)]);
    expect(r1.status).toBe(ABI.ERR_CRC);
    expect([r2.status, r2.baseOffset, r2.position]).toEqual([0, 0, 0]);
    expect(decodeBatches(core, readFileSync(join(dir, '00000000000000000000.log'))).length).toBe(1);
  });

  it('rolls the segment when the next batch would pass segment.bytes', async () => {
    const { dir, handle } = await openPartition('roll-0', { segmentBytes: 600 });
    const results = [];
    for (let i = 0; i < 6; i++) results.push(await append(handle, batch(3, `r${i}`), FLAG_STRICT, -1));
    expect(results.some((r) => r.rolled)).toBe(true);
    const logs = readdirSync(dir).filter((f) => f.endsWith('.log')).sort();
    expect(logs.length).toBeGreaterThan(1);
    const rolledAt = results.filter((r) => r.rolled).map((r) => r.baseOffset);
    expect(logs.slice(1)).toEqual(rolledAt.map((o) => String(o).padStart(20, '0') + '.log'));
    const all = logs.flatMap((f) => decodeBatches(core, readFileSync(join(dir, f))).flatMap((d) => d.records.map((r) => r.offset)));
    expect(all).toEqual(Array.from({ length: 18 }, (_, i) => i));
  });

  it('stamps LogAppendTime', async () => {
    const { dir, handle } = await openPartition('lat-0');
    const r = await append(handle, batch(2, 't'), FLAG_STRICT, 1_800_000_000_000);
    expect([r.status, r.maxTimestamp, r.logAppendTime]).toEqual([0, 1_800_000_000_000, 1_800_000_000_000]);
    const [decoded] = decodeBatches(core, readFileSync(join(dir, '00000000000000000000.log')));
    expect(decoded.header.timestampType).toBe(1);
  });

  it('keeps many partitions apart under concurrent load', async () => {
    const parts = await Promise.all(['p-0', 'p-1', 'p-2', 'p-3'].map((n) => openPartition(n)));
    const big = buildBatch(core, Array.from({ length: 100 }, (_, i) => ({ value: 'x'.repeat(1000), timestamp: i })));
    const appends = [];
    for (let round = 0; round < 10; round++) for (const p of parts) appends.push(append(p.handle, big, FLAG_STRICT, -1));
    const results = await Promise.all(appends);
    expect(results.every((r) => r.status === 0)).toBe(true);
    for (const p of parts) {
      const offsets = decodeBatches(core, readFileSync(join(p.dir, '00000000000000000000.log'))).map((d) => d.header.baseOffset);
      expect(offsets).toEqual(Array.from({ length: 10 }, (_, i) => i * 100));
    }
  });

  it('answers for a partition it does not own', async () => {
    const { handle } = await openPartition('closed-0');
    await pool.close('closed-0');
    expect((await append(handle, batch(1, 'z'), FLAG_STRICT, -1)).status).toBe(STATUS_NO_PARTITION);
  });
});
