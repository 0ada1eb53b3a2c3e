// src/log/recovery.ts: loading a partition at startup. Partitions are written by a real log
// manager (and append workers), then loaded here with loadPartition as after a clean or an
// unclean stop, with the files tampered with as crashes and interrupted deletions leave them.
import { afterAll, describe, expect, it } from 'vitest';
import { existsSync, readFileSync, readdirSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { RegionPool, buildBatch, decodeBatches } from '../../../src/core/index.js';
import { AppendPool } from '../../../src/storage/append-pool.js';
import { BrokerConfig, TopicConfig } from '../../../src/config/config.js';
import { PartitionLog } from '../../../src/log/partition-log.js';
import { loadPartition, type LoadOptions } from '../../../src/log/recovery.js';
import { IndexCache } from '../../../src/log/index-cache.js';
import { core } from '../../helpers/core.js';
import { LogDirs } from '../../helpers/logs.js';

const dirs = new LogDirs(core);
const idle = new AppendPool(core, 1); // never opened: loading appends nothing
afterAll(async () => {
  await idle.stop();
  await dirs.cleanup();
});

const BATCH_RECORDS = 4;
const batch = (from: number) => buildBatch(core, Array.from({ length: BATCH_RECORDS }, (_, i) => ({ key: `k${from + i}`, value: `value ${from + i} `.padEnd(80, '.'), timestamp: 1_700_000_000_000 + from + i })));

/** A partition dir written by a log manager (`batches` appends, segments of ~3 batches), stopped cleanly. */
async function written(batches: number): Promise<{ dir: string; sizes: number[] }> {
  const root = dirs.newRoot();
  const { manager, pool } = await dirs.open(root, { 'log.segment.bytes': '1200', 'log.index.interval.bytes': '100' });
  await manager.createTopic('r', 1);
  const log = manager.partition('r', 0)!;
  const sizes: number[] = [];
  for (let i = 0; i < batches; i++) sizes.push((await log.append(batch(i * BATCH_RECORDS))).size);
  await manager.shutdown();
  await pool.stop();
  return { dir: join(root, 'r-0'), sizes };
}

/** A fresh view of the partition, loaded as the broker loads it. */
async function load(dir: string, options: Partial<LoadOptions> = {}) {
  const config = new TopicConfig(new BrokerConfig({ 'log.dir': join(dir, '..') }), { 'index.interval.bytes': '100' });
  const regions = new RegionPool(core.mem);
  const log = new PartitionLog('r', 0, dir, config, core, regions, idle, new IndexCache(regions, 1 << 20));
  const stats = await loadPartition(core, new RegionPool(core.mem), log, { clean: false, recoveryPoint: 0, logStartOffset: 0, ...options });
  return { log, stats };
}

async function offsets(log: PartitionLog): Promise<number[]> {
  const out: number[] = [];
  for (let from = log.logStartOffset; from < log.logEndOffset;) {
    const r = await log.read(from, 1 << 20, true);
    try {
      if (r.records.length === 0) break;
      for (const b of decodeBatches(core, r.records)) for (const rec of b.records) if (rec.offset >= from) out.push(rec.offset);
      from = out[out.length - 1] + 1;
    } finally {
      r.release();
    }
  }
  return out;
}
const range = (n: number, from = 0) => Array.from({ length: n }, (_, i) => from + i);
const logFiles = (dir: string) => readdirSync(dir).filter((f) => f.endsWith('.log')).sort();

describe('loading a partition', () => {
  it('after a clean stop: nothing scanned, the end offset from the last segment, reads work', async () => {
    const { dir } = await written(10);
    const { log, stats } = await load(dir, { clean: true, recoveryPoint: 40 });
    expect(log.segments.length).toBeGreaterThan(2);
    expect(stats).toMatchObject({ recoveredSegments: 0, truncatedBytes: 0, recoveredFrom: Infinity });
    expect([log.logStartOffset, log.logEndOffset, log.recoveryPoint]).toEqual([0, 40, 40]);
    expect(await offsets(log)).toEqual(range(40));
    expect((await log.offsetForTimestamp(1_700_000_000_000 + 25))?.offset).toBe(25);
  });

  it('after an unclean stop: only the segments from the recovery point on are scanned', async () => {
    const { dir } = await written(10);
    const { log: probe } = await load(dir, { clean: true, recoveryPoint: 40 });
    const lastBase = probe.activeSegment.baseOffset;
    const { log, stats } = await load(dir, { recoveryPoint: lastBase });
    expect(stats).toMatchObject({ recoveredSegments: 1, truncatedBytes: 0, recoveredFrom: lastBase });
    expect([log.logEndOffset, log.recoveryPoint]).toEqual([40, 40]);
    const all = await load(dir, { recoveryPoint: 0 });
    expect(all.stats.recoveredSegments).toBe(probe.segments.length);
    expect(await offsets(all.log)).toEqual(range(40));
  });

  it('cuts a torn tail at the last whole batch', async () => {
    const { dir, sizes } = await written(5);
    const last = join(dir, logFiles(dir).at(-1)!);
    const size = statSync(last).size;
    truncateSync(last, size - 10);
    const { log, stats } = await load(dir, { recoveryPoint: 0 });
    expect(stats.truncatedBytes).toBe(sizes[4] - 10);
    expect(statSync(last).size).toBe(size - sizes[4]);
    expect([log.logEndOffset, log.recoveryPoint]).toEqual([16, 16]);
    expect(await offsets(log)).toEqual(range(16));
  });

  it('a corrupt batch cuts the log there: the rest of its segment and every later segment go', async () => {
    const { dir } = await written(10);
    const files = logFiles(dir);
    expect(files.length).toBeGreaterThanOrEqual(3);
    const second = join(dir, files[1]);
    const base = Number(files[1].slice(0, 20));
    const bytes = readFileSync(second);
    const firstBatchSize = bytes.readInt32BE(8) + 12;
    bytes[firstBatchSize + 70] ^= 0xff; // inside the segment's second batch, covered by its CRC
    writeFileSync(second, bytes);
    const { log, stats } = await load(dir, { recoveryPoint: 0 });
    expect(stats.truncatedBytes).toBeGreaterThan(bytes.length - firstBatchSize);
    expect(log.logEndOffset).toBe(base + BATCH_RECORDS);
    expect(logFiles(dir)).toEqual(files.slice(0, 2));
    expect(files.slice(2).some((f) => existsSync(join(dir, f.replace('.log', '.index'))))).toBe(false);
    expect(await offsets(log)).toEqual(range(base + BATCH_RECORDS));
  });

  it('after a clean stop, a last segment changed since (cut mid-batch) is scanned anyway', async () => {
    const { dir, sizes } = await written(4);
    const last = join(dir, logFiles(dir).at(-1)!);
    truncateSync(last, statSync(last).size - 5);
    const { log, stats } = await load(dir, { clean: true, recoveryPoint: 16 });
    expect(stats.recoveredSegments).toBe(1);
    expect(stats.truncatedBytes).toBe(sizes[3] - 5);
    expect(log.logEndOffset).toBe(12);
  });

  it('drops leftovers of interrupted deletions and compactions, and index files without their log', async () => {
    const { dir } = await written(4);
    const leftovers = ['00000000000000000000.log.deleted', '00000000000000000000.index.deleted', '00000000000000000004.log.cleaned',
      '00000000000000000004.log.swap', 'recovery-tmp.tmp', '00000000000000000099.index', '00000000000000000099.timeindex'];
    for (const name of leftovers) writeFileSync(join(dir, name), 'junk');
    const { log } = await load(dir, { clean: true, recoveryPoint: 16 });
    for (const name of leftovers) expect(existsSync(join(dir, name)), name).toBe(false);
    expect(log.logEndOffset).toBe(16);
  });

  it('an empty directory gets an empty first segment at the log start offset', async () => {
    const root = dirs.newRoot();
    const { log, stats } = await load(root, { logStartOffset: 42 });
    expect(logFiles(root)).toEqual(['00000000000000000042.log']);
    expect([log.logStartOffset, log.logEndOffset, stats.recoveredSegments]).toEqual([42, 42, 1]);
  });

  it('keeps the log start offset inside [first segment base, log end]', async () => {
    const { dir } = await written(4);
    expect((await load(dir, { clean: true, recoveryPoint: 16, logStartOffset: 6 })).log.logStartOffset).toBe(6);
    expect((await load(dir, { clean: true, recoveryPoint: 16, logStartOffset: 99 })).log.logStartOffset).toBe(16);
  });
});
