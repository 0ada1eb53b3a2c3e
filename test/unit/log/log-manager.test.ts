import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, readdirSync, statSync, truncateSync, existsSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RegionPool, buildBatch, decodeBatches } from '../../../src/core/index.js';
import { AppendPool } from '../../../src/storage/append-pool.js';
import { BrokerConfig } from '../../../src/config/config.js';
import { LogManager } from '../../../src/log/log-manager.js';
import { initCompression, codecs } from '../../../src/compression/codecs.js';
import { core } from '../../helpers/core.js';
import { waitFor } from '../../helpers/wait.js';

const roots: string[] = [];
const pools: AppendPool[] = [];
const quiet = { info() {}, warn() {} };
beforeAll(initCompression);
afterAll(async () => {
  await Promise.all(pools.map((p) => p.stop()));
  for (const r of roots) rmSync(r, { recursive: true, force: true });
});

function newRoot(): string {
  const dir = mkdtempSync(join(tmpdir(), 'strom-log-'));
  roots.push(dir);
  return dir;
}

async function open(dir: string, overrides: Record<string, string> = {}) {
  const pool = new AppendPool(core, 2);
  pools.push(pool);
  const manager = new LogManager(new BrokerConfig({ 'log.dir': dir, ...overrides }), core, new RegionPool(core.mem), pool, quiet);
  const stats = await manager.start();
  return { manager, stats, pool };
}

const batch = (n: number, from: number, ts = 1_700_000_000_000) =>
  buildBatch(core, Array.from({ length: n }, (_, i) => ({ key: `k${from + i}`, value: `value ${from + i} `.repeat(8), timestamp: ts + from + i })));

async function readAll(log: NonNullable<ReturnType<LogManager['partition']>>, from = log.logStartOffset): Promise<number[]> {
  const offsets: number[] = [];
  while (from < log.logEndOffset) {
    const r = await log.read(from, 10_000, true);
    if (r.records.length === 0) break;
    for (const b of decodeBatches(core, r.records)) for (const rec of b.records) if (rec.offset >= from) offsets.push(rec.offset);
    r.release();
    from = offsets[offsets.length - 1] + 1;
  }
  return offsets;
}

describe('log manager', () => {
  it('creates a topic in Kafka\'s layout, appends and reads back', async () => {
    const dir = newRoot();
    const { manager } = await open(dir);
    await manager.createTopic('orders', 3, { 'retention.ms': '1000000' });
    expect(readdirSync(dir).sort()).toEqual(expect.arrayContaining(['orders-0', 'orders-1', 'orders-2', 'meta.properties', 'strom-topics.json']));
    const log = manager.partition('orders', 1)!;
    for (let i = 0; i < 5; i++) expect((await log.append(batch(10, i * 10))).status).toBe(0);
    expect([log.logStartOffset, log.logEndOffset]).toEqual([0, 50]);
    expect(await readAll(log)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(await readAll(log, 37)).toEqual(Array.from({ length: 13 }, (_, i) => 37 + i));
    expect(readdirSync(join(dir, 'orders-1'))).toContain('00000000000000000000.log');
    await expect(log.read(51, 100, true)).rejects.toThrow(/outside/);
  });

  it('reads at most maxBytes of whole batches, and one oversized batch with minOneBatch', async () => {
    const { manager } = await open(newRoot());
    await manager.createTopic('sizes', 1);
    const log = manager.partition('sizes', 0)!;
    const sizes: number[] = [];
    for (let i = 0; i < 4; i++) sizes.push((await log.append(batch(10, i * 10))).size);
    const two = await log.read(0, sizes[0] + sizes[1] + sizes[2] - 1, true);
    expect(decodeBatches(core, two.records).length).toBe(2);
    two.release();
    const none = await log.read(0, 10, false);
    expect(none.records.length).toBe(0);
    const one = await log.read(0, 10, true);
    expect(decodeBatches(core, one.records).length).toBe(1);
    one.release();
  });

  it('survives a clean restart: same offsets, indexes loaded, recovery skipped', async () => {
    const dir = newRoot();
    const first = await open(dir, { 'log.segment.bytes': '3000', 'log.index.interval.bytes': '500' });
    await first.manager.createTopic('keep', 2);
    for (let i = 0; i < 40; i++) await first.manager.partition('keep', i % 2)!.append(batch(5, Math.floor(i / 2) * 5));
    const segments = first.manager.partition('keep', 0)!.segments.length;
    expect(segments).toBeGreaterThan(1);
    await first.manager.shutdown();
    await first.pool.stop();
    expect(readdirSync(join(dir, 'keep-0')).filter((f) => f.endsWith('.index')).length).toBe(segments);
    const second = await open(dir, { 'log.segment.bytes': '3000', 'log.index.interval.bytes': '500' });
    expect(second.stats).toMatchObject({ clean: true, recoveredSegments: 0, partitions: 2 });
    const log = second.manager.partition('keep', 0)!;
    expect([log.logEndOffset, log.segments.length]).toEqual([100, segments]);
    expect(await readAll(log)).toEqual(Array.from({ length: 100 }, (_, i) => i));
    expect((await log.append(batch(1, 100))).baseOffset).toBe(100);
  });

  it('recovers after an unclean stop, cutting a torn tail at the last whole batch', async () => {
    const dir = newRoot();
    const first = await open(dir);
    await first.manager.createTopic('torn', 1);
    const log = first.manager.partition('torn', 0)!;
    for (let i = 0; i < 10; i++) await log.append(batch(3, i * 3));
    const file = join(dir, 'torn-0', '00000000000000000000.log');
    const size = statSync(file).size;
    await first.pool.stop(); // no shutdown: as after kill -9
    truncateSync(file, size - 17); // cut the last batch mid-way
    const second = await open(dir);
    expect(second.stats.clean).toBe(false);
    expect(second.stats.truncatedBytes).toBeGreaterThan(0);
    const recovered = second.manager.partition('torn', 0)!;
    expect(recovered.logEndOffset).toBe(27);
    expect(statSync(file).size).toBe(size - batch(3, 27).length);
    expect(await readAll(recovered)).toEqual(Array.from({ length: 27 }, (_, i) => i));
    expect((await recovered.append(batch(2, 27))).baseOffset).toBe(27);
  });

  it('rebuilds an index that fails its sanity check', async () => {
    const dir = newRoot();
    const first = await open(dir, { 'log.segment.bytes': '8000', 'log.index.interval.bytes': '100' });
    await first.manager.createTopic('idx', 1);
    for (let i = 0; i < 30; i++) await first.manager.partition('idx', 0)!.append(batch(4, i * 4));
    await first.manager.shutdown();
    await first.pool.stop();
    const index = join(dir, 'idx-0', '00000000000000000000.index');
    const bytes = readFileSync(index);
    expect(bytes.length).toBeGreaterThan(8);
    truncateSync(index, bytes.length - 3);
    const second = await open(dir, { 'log.segment.bytes': '8000', 'log.index.interval.bytes': '100' });
    expect(second.stats.recoveredSegments).toBe(1);
    expect(await readAll(second.manager.partition('idx', 0)!)).toEqual(Array.from({ length: 120 }, (_, i) => i));
  });

  it('applies retention by size and by time, never deleting the active segment', async () => {
    const { manager } = await open(newRoot(), { 'log.segment.bytes': '3000' });
    await manager.createTopic('bysize', 1, { 'retention.bytes': '6000' });
    await manager.createTopic('bytime', 1, { 'retention.ms': '60000' });
    const sized = manager.partition('bysize', 0)!;
    const timed = manager.partition('bytime', 0)!;
    for (let i = 0; i < 20; i++) {
      await sized.append(batch(3, i * 3));
      await timed.append(batch(3, i * 3, Date.now() - 3_600_000));
    }
    const before = [sized.segments.length, timed.segments.length];
    manager.applyRetention(Date.now());
    expect(sized.sizeBytes).toBeLessThan(6000 + 3000);
    expect(sized.segments.length).toBeLessThan(before[0]);
    expect(timed.segments.length).toBe(1);
    expect(timed.logStartOffset).toBe(timed.activeSegment.baseOffset);
    expect(await readAll(timed)).toEqual(Array.from({ length: 60 - timed.logStartOffset }, (_, i) => timed.logStartOffset + i));
  });

  it('deletes records below an offset and finds offsets by timestamp', async () => {
    const { manager } = await open(newRoot(), { 'log.segment.bytes': '3000' });
    await manager.createTopic('times', 1);
    const log = manager.partition('times', 0)!;
    for (let i = 0; i < 10; i++) await log.append(batch(5, i * 5, 1_700_000_000_000 + i * 1000));
    expect(await log.offsetForTimestamp(1_700_000_005_000 + 25)).toEqual({ offset: 25, timestamp: 1_700_000_005_025 });
    expect(await log.offsetForTimestamp(2_000_000_000_000)).toBeNull();
    expect((await log.maxTimestampOffset())!.offset).toBe(49);
    log.deleteRecordsBefore(22, 0);
    expect(log.logStartOffset).toBe(22);
    await expect(log.read(21, 1000, true)).rejects.toThrow(/outside/);
    expect((await readAll(log))[0]).toBe(22);
  });

  it('keeps topic configs across restarts and validates them', async () => {
    const dir = newRoot();
    const first = await open(dir);
    await first.manager.createTopic('conf', 1, { 'cleanup.policy': 'compact', 'retention.ms': '123' });
    await expect(first.manager.createTopic('conf', 1)).rejects.toThrow(/already exists/);
    await expect(first.manager.createTopic('bad name!', 1)).rejects.toThrow(/illegal/);
    await expect(first.manager.createTopic('x', 1, { 'retention.ms': 'soon' })).rejects.toThrow(/Invalid value/);
    await expect(first.manager.createTopic('y', 1, { 'no.such.key': '1' })).rejects.toThrow(/Unknown topic config/);
    await first.manager.shutdown();
    await first.pool.stop();
    const second = await open(dir);
    expect(second.manager.topic('conf')!.config.raw('retention.ms')).toBe('123');
    expect(second.manager.topic('conf')!.config.list('cleanup.policy')).toEqual(['compact']);
    expect(second.manager.topic('x')).toBeUndefined();
  });

  it('deletes a topic and its directories', async () => {
    const dir = newRoot();
    const { manager } = await open(dir);
    await manager.createTopic('gone', 2);
    await manager.partition('gone', 0)!.append(batch(2, 0));
    await manager.deleteTopic('gone');
    expect(manager.topic('gone')).toBeUndefined();
    // Renamed to gone-N-delete at once, removed in the background.
    await waitFor('the partition directories to go', () => !readdirSync(dir).some((f) => f.startsWith('gone-')), { timeoutMs: 5000 });
    expect(existsSync(join(dir, 'strom-topics.json'))).toBe(true);
    void codecs;
  });
});
