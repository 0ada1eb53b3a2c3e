// The index cache (src/log/index-cache.ts): its bound, its LRU order, the memory evictions
// give back, and pins. Then the indexes of inactive segments loaded through it by a real
// LogManager over real files: nothing loaded at start-up, reads right with a cache far
// smaller than the indexes, corrupt or missing index files rebuilt from the log.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cpSync, existsSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { RegionPool, buildBatch, decodeBatches } from '../../../src/core/index.js';
import { IndexCache, IndexFile } from '../../../src/log/index-cache.js';
import type { PartitionLog } from '../../../src/log/partition-log.js';
import { initCompression } from '../../../src/compression/codecs.js';
import { core } from '../../helpers/core.js';
import { LogDirs } from '../../helpers/logs.js';

const dirs = new LogDirs(core);
beforeAll(initCompression);
afterAll(() => dirs.cleanup());

/** A loaded file of `bytes` (a region of that capacity), as a finished load leaves it. */
function loaded(pool: RegionPool, name: string, bytes = 1024): IndexFile {
  const file = new IndexFile(name, 8);
  file.entries = bytes / 8;
  file.region = pool.alloc(bytes);
  return file;
}

const resident = (files: IndexFile[]) => files.filter((f) => f.cached && f.region !== null).map((f) => f.path);

describe('index cache', () => {
  it('holds its bound by evicting the least recently used file, and a hit makes a file recent', () => {
    const pool = new RegionPool(core.mem);
    const cache = new IndexCache(pool, 3 * 1024);
    const files = ['a', 'b', 'c', 'd', 'e'].map((name) => loaded(pool, name));
    for (const f of files.slice(0, 3)) cache.admit(f);
    expect([cache.bytes, cache.files, cache.evictions]).toEqual([3072, 3, 0]);
    cache.hit(files[0]); // a is now the most recent: b is the oldest
    cache.admit(files[3]);
    expect(resident(files)).toEqual(['a', 'c', 'd']);
    cache.admit(files[4]);
    expect(resident(files)).toEqual(['a', 'd', 'e']);
    expect([cache.bytes, cache.peakBytes, cache.files, cache.evictions, cache.hits]).toEqual([3072, 3072, 3, 2, 1]);
  });

  it('gives an evicted file\'s memory back to the pool, which hands it to the next load', () => {
    const pool = new RegionPool(core.mem);
    const cache = new IndexCache(pool, 4096);
    const big = loaded(pool, 'big', 4096);
    cache.admit(big);
    const ptr = big.region!.ptr;
    const inUse = pool.inUse;
    cache.resize(0);
    expect([big.region, cache.bytes, cache.files, cache.evictions]).toEqual([null, 0, 0, 1]);
    expect(pool.inUse).toBe(inUse - 4096);
    expect(pool.alloc(4000).ptr).toBe(ptr);
  });

  it('never evicts a pinned file, and trims once it is unpinned', () => {
    const pool = new RegionPool(core.mem);
    const cache = new IndexCache(pool, 2048);
    const pinned = loaded(pool, 'pinned');
    pinned.pins++;
    cache.admit(pinned);
    const others = ['x', 'y', 'z'].map((name) => loaded(pool, name));
    for (const f of others) cache.admit(f);
    expect(pinned.region).not.toBeNull();
    expect(resident(others)).toEqual(['z']);
    expect(cache.bytes).toBe(2048);
    cache.hit(others[2]);
    cache.unpin(pinned); // the oldest now, and over nothing: stays
    expect(pinned.region).not.toBeNull();
    cache.resize(1024);
    expect(resident([pinned, ...others])).toEqual(['z']);
  });

  it('makes room for a load by evicting, and goes over its bound only by pinned files', () => {
    const pool = new RegionPool(core.mem);
    const cache = new IndexCache(pool, 2048);
    const [pinned, other] = [loaded(pool, 'pinned'), loaded(pool, 'other')];
    pinned.pins++; // being written
    cache.admit(pinned);
    cache.admit(other);
    const incoming = new IndexFile('incoming', 8);
    cache.reserve(incoming, 1024);
    expect(resident([pinned, other])).toEqual(['pinned']);
    expect([cache.bytes, incoming.cached]).toEqual([2048, true]);
    const more = new IndexFile('more', 8);
    cache.reserve(more, 1024); // the loaded 'incoming' is evicted; 'pinned' stays
    expect([cache.bytes, cache.peakBytes, incoming.cached, pinned.cached]).toEqual([2048, 2048, false, true]);
    const third = new IndexFile('third', 8);
    more.pins++;
    cache.reserve(third, 1024); // everything else pinned: over the bound until a pin goes
    expect([cache.bytes, cache.peakBytes]).toEqual([3072, 3072]);
    cache.unpin(pinned);
    expect([cache.bytes, pinned.cached]).toEqual([2048, false]);
  });

  it('lets one file larger than the whole bound in, alone', () => {
    const pool = new RegionPool(core.mem);
    const cache = new IndexCache(pool, 1024);
    const small = loaded(pool, 'small');
    cache.admit(small);
    const huge = new IndexFile('huge', 8);
    cache.reserve(huge, 8192);
    expect(small.region).toBeNull();
    expect([cache.bytes, cache.files]).toEqual([8192, 1]);
    cache.trim(); // the next load or admission evicts it
    expect([cache.bytes, cache.files]).toEqual([0, 0]);
  });

  it('frees a released file when its last pin goes, not before', () => {
    const pool = new RegionPool(core.mem);
    const cache = new IndexCache(pool, 1 << 20);
    const file = loaded(pool, 'gone');
    cache.admit(file);
    file.pins++;
    const inUse = pool.inUse;
    cache.release(file);
    expect(file.region).not.toBeNull();
    cache.unpin(file);
    expect([file.region, cache.bytes, cache.files, pool.inUse]).toEqual([null, 0, 0, inUse - 1024]);
  });
});

// --- inactive segments' indexes through a LogManager ----------------------------------------

const T0 = 1_700_000_000_000;
const PARTITIONS = 4;
const SMALL = { 'log.segment.bytes': '2000', 'log.index.interval.bytes': '100' };
/** Enough for 8 of the ~60 index files (each a 256-byte region). */
const CACHE = { ...SMALL, 'strom.index.cache.max.bytes': '2048' };
let prepared: string;

/** Record `o` of partition `p`: value "p<p>-o<o>", timestamp T0 + o seconds. */
async function fill(log: PartitionLog, batches: number): Promise<void> {
  for (let b = 0; b < batches; b++) {
    const records = Array.from({ length: 3 }, (_, i) => ({ key: `k${i}`, value: `p${log.partition}-o${b * 3 + i}`.padEnd(60, '.'), timestamp: T0 + (b * 3 + i) * 1000 }));
    expect((await log.append(buildBatch(core, records))).status).toBe(0);
  }
}

/** A copy of the prepared log directory (clean shutdown, ~8 segments per partition), opened. */
async function reopen(overrides: Record<string, string> = CACHE, before: (dir: string) => void = () => {}) {
  const dir = dirs.newRoot();
  cpSync(prepared, dir, { recursive: true });
  before(dir);
  const opened = await dirs.open(dir, overrides);
  return { dir, ...opened, logs: Array.from({ length: PARTITIONS }, (_, p) => opened.manager.partition('lazy', p)!) };
}

/** Reads offset `o` alone and checks it is the record written there. */
async function expectRecord(log: PartitionLog, o: number): Promise<void> {
  const r = await log.read(o, 200, true);
  try {
    const found = decodeBatches(core, r.records).flatMap((b) => b.records).find((rec) => rec.offset >= o);
    expect(found && [found.offset, Buffer.from(found.value!).toString().replace(/\.+$/, '')]).toEqual([o, `p${log.partition}-o${o}`]);
  } finally {
    r.release();
  }
}

/** Every offset of every partition by offset and by timestamp, in a scrambled order, `parallel` at a time. */
async function readEverything(logs: PartitionLog[], parallel: number): Promise<void> {
  const work = logs.flatMap((log) => Array.from({ length: log.logEndOffset }, (_, o) => ({ log, o })));
  work.sort((a, b) => ((a.o * 7919 + a.log.partition * 104729) % 1009) - ((b.o * 7919 + b.log.partition * 104729) % 1009));
  for (let i = 0; i < work.length; i += parallel) {
    await Promise.all(work.slice(i, i + parallel).map(async ({ log, o }) => {
      await expectRecord(log, o);
      expect(await log.offsetForTimestamp(T0 + o * 1000 - 500)).toEqual({ offset: o, timestamp: T0 + o * 1000 });
    }));
  }
}

describe('inactive segments\' indexes, loaded on demand', () => {
  beforeAll(async () => {
    prepared = dirs.newRoot();
    const { manager, pool } = await dirs.open(prepared, SMALL);
    await manager.createTopic('lazy', PARTITIONS);
    for (let p = 0; p < PARTITIONS; p++) await fill(manager.partition('lazy', p)!, 60);
    expect(manager.partition('lazy', 0)!.segments.length).toBeGreaterThanOrEqual(7);
    await manager.shutdown();
    await pool.stop();
  });

  it('starts without loading them, and serves every offset and time within a cache far smaller than they are', async () => {
    const { manager, logs } = await reopen();
    const cache = manager.indexCache;
    expect([cache.bytes, cache.files, cache.misses]).toEqual([0, 0, 0]);
    expect(logs.flatMap((log) => log.segments.slice(0, -1)).map((s) => s.index.residentBytes).filter((n) => n > 0)).toEqual([]);
    const indexFiles = logs.reduce((n, log) => n + 2 * (log.segments.length - 1), 0);
    expect(indexFiles * 256).toBeGreaterThan(3 * cache.maxBytes);
    await readEverything(logs, 1);
    await readEverything(logs, 16); // many reads in flight: each load still makes its room first
    expect(cache.peakBytes).toBeLessThanOrEqual(2048);
    expect(cache.bytes).toBeLessThanOrEqual(2048);
    expect(cache.misses).toBeGreaterThan(indexFiles);
    expect(cache.evictions).toBeGreaterThan(0);
    expect(cache.hits).toBeGreaterThan(0);
  });

  it('rebuilds from the log an index file found corrupt or missing when it is loaded', async () => {
    const { dir, manager, logs, logged } = await reopen();
    const [log] = logs;
    const [first, second] = log.segments;
    // Entries reversed: the right size, so start-up does not notice; the load's check does.
    const original = readFileSync(first.paths.index);
    expect(original.length).toBeGreaterThanOrEqual(16);
    const reversed = Buffer.concat(Array.from({ length: original.length / 8 }, (_, i) => original.subarray(original.length - 8 * (i + 1), original.length - 8 * i)));
    writeFileSync(first.paths.index, reversed);
    rmSync(second.paths.index);
    for (let o = log.logStartOffset; o < log.logEndOffset; o++) await expectRecord(log, o);
    expect(logged.filter((l) => l.includes('rebuilding the indexes')).length).toBe(2);
    // Written in the background after the rebuild.
    const deadline = Date.now() + 5000;
    const written = () => readFileSync(first.paths.index).equals(original) && existsSync(second.paths.index) && readFileSync(second.paths.index).length > 0;
    while (!written() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    expect(readFileSync(first.paths.index)).toEqual(original);
    expect(readFileSync(second.paths.index).length).toBeGreaterThan(0);
    void dir;
    void manager;
  });

  it('rebuilds at start-up a time index a crash left zeroed, rather than trust its last entry', async () => {
    const timeIndex = (dir: string) => join(dir, 'lazy-0', readdirSync(join(dir, 'lazy-0')).filter((f) => f.endsWith('.timeindex')).sort()[1]);
    const original = readFileSync(timeIndex(prepared));
    expect(original.length).toBeGreaterThanOrEqual(24);
    const { dir, logs } = await reopen(CACHE, (d) => writeFileSync(timeIndex(d), Buffer.alloc(original.length)));
    const segment = logs[0].segments[1];
    const lastOffset = logs[0].segments[2].baseOffset - 1;
    expect([segment.index.maxTimestamp, segment.index.offsetOfMaxTimestamp]).toEqual([T0 + lastOffset * 1000, lastOffset]);
    expect(readFileSync(timeIndex(dir))).toEqual(original);
  });

  it('applies retention and finds the largest timestamp without loading an index', async () => {
    const { manager, logs } = await reopen();
    const [log] = logs;
    expect(await log.maxTimestampOffset()).toEqual({ offset: 179, timestamp: T0 + 179_000 });
    const keep = log.segments[3];
    const now = Date.now();
    // Older than the largest timestamp before `keep` (its base offset - 1), younger than any in it.
    await manager.setTopicConfigs('lazy', { 'retention.ms': String(now - (T0 + keep.baseOffset * 1000) + 500) });
    manager.applyRetention(now);
    expect(log.logStartOffset).toBe(keep.baseOffset);
    expect(manager.indexCache.misses).toBe(0);
  });

  it('hands a rolled segment\'s index to the cache once written: a cache of 0 keeps none', async () => {
    const { manager, logs } = await reopen({ ...SMALL, 'strom.index.cache.max.bytes': '0' });
    const [log] = logs;
    const before = log.segments.length;
    await fill(log, 30); // offsets 180..269, values as fill() writes them from 0: read them back below
    expect(log.segments.length).toBeGreaterThan(before + 2);
    const deadline = Date.now() + 5000;
    while (manager.indexCache.bytes > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    expect([manager.indexCache.bytes, manager.indexCache.files]).toEqual([0, 0]);
    for (const s of log.segments.slice(0, -1)) expect(readFileSync(s.paths.index).length % 8).toBe(0);
    for (let o = 0; o < 180; o += 7) await expectRecord(log, o);
    expect(manager.indexCache.peakBytes).toBeGreaterThan(0); // each index was counted while written
  });

  it('gives the memory back when segments, topics or the bound go', async () => {
    const { manager, logs } = await reopen({ ...SMALL, 'strom.index.cache.max.bytes': '1000000' });
    const cache = manager.indexCache;
    await readEverything(logs, 4);
    const full = cache.bytes;
    expect(cache.evictions).toBe(0);
    logs[0].deleteRecordsBefore(logs[0].activeSegment.baseOffset, 0);
    expect(cache.bytes).toBeLessThan(full);
    expect(cache.bytes).toBeGreaterThan(0);
    await manager.setBrokerConfigs({ 'strom.index.cache.max.bytes': '1024' });
    expect(cache.bytes).toBeLessThanOrEqual(1024);
    expect(cache.bytes).toBeGreaterThan(0);
    await manager.deleteTopic('lazy');
    expect([cache.bytes, cache.files]).toEqual([0, 0]);
  });
});
