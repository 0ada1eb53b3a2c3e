// The log cleaner over real files: a LogManager with append workers, compaction passes run
// in the cleaner's worker thread (dist/log/cleaner-worker.js: build first).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync, readdirSync, writeFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { buildBatch, decodeBatches, type RecordInput } from '../../../src/core/index.js';
import { initCompression, codecs } from '../../../src/compression/codecs.js';
import type { PartitionLog } from '../../../src/log/partition-log.js';
import { readCheckpoint } from '../../../src/log/checkpoint.js';
import { core } from '../../helpers/core.js';
import { LogDirs, readRecords, settled, latestByKey, type ReadRecord } from '../../helpers/logs.js';

const dirs = new LogDirs(core);
beforeAll(initCompression);
afterAll(() => dirs.cleanup());

const COMPACT = { 'cleanup.policy': 'compact', 'segment.bytes': '2000', 'min.cleanable.dirty.ratio': '0.01' };
const HOUR = 3_600_000;

/** `rounds` batches of `perBatch` records, keys k0..k(keys-1) in turn, value "<key>@<round>.<i>". */
async function produce(log: PartitionLog, rounds: number, keys: number, perBatch = 5, extra: Partial<RecordInput> = {}, options = {}): Promise<void> {
  let n = 0;
  for (let round = 0; round < rounds; round++) {
    const records = Array.from({ length: perBatch }, (_, i) => {
      const key = `k${n++ % keys}`;
      return { key, value: `${key}@${round}.${i} `.padEnd(60, '.'), timestamp: Date.now(), ...extra };
    });
    expect((await log.append(buildBatch(core, records, options))).status).toBe(0);
  }
}

const files = (log: PartitionLog, suffix: string) => readdirSync(log.dir).filter((f) => f.endsWith(suffix)).sort();
const bytesOnDisk = (log: PartitionLog) => files(log, '.log').reduce((n, f) => n + statSync(join(log.dir, f)).size, 0);

/** Offsets increase, and below the active segment each key appears once, at its latest value. */
function expectCompacted(after: ReadRecord[], before: ReadRecord[], activeBase: number): void {
  const offsets = after.map((r) => r.offset);
  expect(offsets).toEqual([...offsets].sort((a, b) => a - b));
  expect(new Set(offsets).size).toBe(offsets.length);
  const cleanable = before.filter((r) => r.offset < activeBase);
  const latest = latestByKey(cleanable);
  const expected = [...before.filter((r) => r.offset < activeBase && r.key !== null && latest.get(r.key) === r), ...before.filter((r) => r.offset >= activeBase)];
  expect(after).toEqual(expected);
}

describe('log cleaner', () => {
  it('keeps the latest value per key at its own offset and leaves the active segment alone', async () => {
    const { manager } = await dirs.open(dirs.newRoot());
    await manager.createTopic('latest', 1, COMPACT);
    const log = manager.partition('latest', 0)!;
    await produce(log, 40, 7);
    await settled(log);
    const before = await readRecords(core, log);
    const active = log.activeSegment;
    const activeBytes = readFileSync(active.paths.log);
    const sizeBefore = bytesOnDisk(log);
    const [stats] = await manager.compact('latest');
    expect(stats).toMatchObject({ log: 'latest-0', reason: 'dirty-ratio', from: 0, to: active.baseOffset });
    expect(stats.bytesAfter).toBeLessThan(stats.bytesBefore);
    const after = await readRecords(core, log);
    expectCompacted(after, before, active.baseOffset);
    expect(log.activeSegment).toBe(active);
    expect(readFileSync(active.paths.log).equals(activeBytes)).toBe(true);
    expect(bytesOnDisk(log)).toBeLessThan(sizeBefore / 2);
    expect([log.logStartOffset, log.logEndOffset]).toEqual([0, 200]);
    expect(files(log, '.cleaned')).toEqual([]);
    // Appends go on at the end; the checkpoint says where the clean section ends.
    expect((await log.append(buildBatch(core, [{ key: 'k0', value: 'new' }]))).baseOffset).toBe(200);
    await manager.writeCheckpoints();
    await manager.shutdown();
    expect(readCheckpoint(join(manager.dir, 'cleaner-offset-checkpoint')).get('latest-0')).toBe(active.baseOffset);
  });

  it('reads the same compacted log after a clean restart and after a crash', async () => {
    const dir = dirs.newRoot();
    const first = await dirs.open(dir);
    await first.manager.createTopic('again', 1, COMPACT);
    let log = first.manager.partition('again', 0)!;
    await produce(log, 30, 4);
    await settled(log);
    await first.manager.compact();
    const compacted = await readRecords(core, log);
    await first.manager.shutdown();
    await first.pool.stop();
    const second = await dirs.open(dir);
    log = second.manager.partition('again', 0)!;
    expect(await readRecords(core, log)).toEqual(compacted);
    expect(await second.manager.compact()).toEqual([]); // nothing dirty: the checkpoint survived
    await second.pool.stop(); // as kill -9: no clean shutdown
    const third = await dirs.open(dir);
    log = third.manager.partition('again', 0)!;
    expect(await readRecords(core, log)).toEqual(compacted);
    expect((await log.append(buildBatch(core, [{ key: 'k1', value: 'x' }]))).baseOffset).toBe(150);
  });

  it('keeps tombstones until delete.retention.ms after the pass that cleaned them, then drops them', async () => {
    const { manager } = await dirs.open(dirs.newRoot());
    await manager.createTopic('tomb', 1, { ...COMPACT, 'delete.retention.ms': String(HOUR) });
    const log = manager.partition('tomb', 0)!;
    await produce(log, 10, 5);
    // Delete k1 and k3; then enough updates of the others to roll the tombstones out of the active segment.
    await log.append(buildBatch(core, [{ key: 'k1', value: null }, { key: 'k3', value: null }]));
    for (let i = 0; i < 12; i++) await log.append(buildBatch(core, [{ key: 'k0', value: `later ${i}`.padEnd(200, '.') }]));
    await settled(log);
    const t0 = Date.now();
    await manager.compact('tomb', t0);
    let records = await readRecords(core, log);
    const tombstones = records.filter((r) => r.value === null).map((r) => [r.offset, r.key]);
    expect(tombstones).toEqual([[50, 'k1'], [51, 'k3']]);
    expect(records.filter((r) => r.key === 'k1' || r.key === 'k3')).toHaveLength(2); // their values went at once
    // Not yet: nothing dirty and the tombstones are young.
    expect(await manager.compact('tomb', t0 + HOUR - 1000)).toEqual([]);
    const [stats] = await manager.compact('tomb', t0 + HOUR + 1000);
    expect(stats).toMatchObject({ reason: 'tombstones', tombstonesRemoved: 2 });
    records = await readRecords(core, log);
    expect(records.filter((r) => r.key === 'k1' || r.key === 'k3')).toEqual([]);
    expect(records.filter((r) => r.key === 'k2')).toHaveLength(1);
  });

  it('respects min.compaction.lag.ms by the segments\' largest timestamps', async () => {
    const { manager } = await dirs.open(dirs.newRoot());
    await manager.createTopic('lag', 1, { ...COMPACT, 'min.compaction.lag.ms': String(HOUR) });
    const log = manager.partition('lag', 0)!;
    await produce(log, 20, 3);
    await settled(log);
    expect(await manager.compact('lag')).toEqual([]);
    const [stats] = await manager.compact('lag', Date.now() + 2 * HOUR);
    expect(stats.to).toBe(log.activeSegment.baseOffset);
  });

  it('respects min.cleanable.dirty.ratio, and a change of it takes effect', async () => {
    const { manager } = await dirs.open(dirs.newRoot());
    await manager.createTopic('ratio', 1, { ...COMPACT, 'min.cleanable.dirty.ratio': '0.5' });
    const log = manager.partition('ratio', 0)!;
    // Many distinct keys: the clean section stays large after compaction.
    await produce(log, 30, 150);
    await settled(log);
    expect(await manager.compact('ratio')).toHaveLength(1); // all dirty: ratio 1
    await produce(log, 6, 150);
    await settled(log);
    expect(await manager.compact('ratio')).toEqual([]); // a little dirty: below 0.5
    await manager.setTopicConfigs('ratio', { ...COMPACT, 'min.cleanable.dirty.ratio': '0.01' });
    const [stats] = await manager.compact('ratio');
    expect(stats.reason).toBe('dirty-ratio');
  });

  it('compacts when dirty records are older than max.compaction.lag.ms, whatever the ratio', async () => {
    const { manager } = await dirs.open(dirs.newRoot());
    await manager.createTopic('maxlag', 1, { ...COMPACT, 'min.cleanable.dirty.ratio': '0.99', 'max.compaction.lag.ms': String(HOUR) });
    const log = manager.partition('maxlag', 0)!;
    await produce(log, 20, 150);
    await settled(log);
    expect(await manager.compact('maxlag')).toHaveLength(1); // ratio 1 > 0.99
    await produce(log, 6, 150);
    await settled(log);
    expect(await manager.compact('maxlag')).toEqual([]);
    const [stats] = await manager.compact('maxlag', Date.now() + 2 * HOUR);
    expect(stats.reason).toBe('max-compaction-lag');
  });

  it('rewrites compressed batches with their own codec', async () => {
    const { manager } = await dirs.open(dirs.newRoot());
    await manager.createTopic('codecs', 1, COMPACT);
    const log = manager.partition('codecs', 0)!;
    for (let round = 0; round < 8; round++) {
      for (const codec of [1, 2, 3, 4]) await produce(log, 1, 4, 8, {}, { compression: codec, codecs });
    }
    await settled(log);
    const before = await readRecords(core, log);
    await manager.compact('codecs');
    expectCompacted(await readRecords(core, log), before, log.activeSegment.baseOffset);
    // Every batch kept its codec: the producer's choice survives compaction.
    for (const segment of log.segments) {
      const bytes = readFileSync(segment.paths.log);
      for (const batch of decodeBatches(core, bytes, codecs)) expect([1, 2, 3, 4]).toContain(batch.header.compression);
    }
  });

  it('drops records without a key', async () => {
    const { manager } = await dirs.open(dirs.newRoot());
    await manager.createTopic('keyless', 1, COMPACT);
    const log = manager.partition('keyless', 0)!;
    for (let i = 0; i < 30; i++) await log.append(buildBatch(core, [{ key: null, value: `loose ${i}`.padEnd(100) }, { key: `k${i % 3}`, value: `v${i}`.padEnd(100) }]));
    await settled(log);
    await manager.compact('keyless');
    const records = await readRecords(core, log);
    expect(records.filter((r) => r.offset < log.activeSegment.baseOffset && r.key === null)).toEqual([]);
  });

  it('covers as much dirty log per pass as its offset map holds', async () => {
    const { manager } = await dirs.open(dirs.newRoot(), { 'log.cleaner.dedupe.buffer.size': '1' });
    await manager.createTopic('small-map', 1, COMPACT);
    const log = manager.partition('small-map', 0)!;
    await produce(log, 20, 3);
    await settled(log);
    const bases = log.segments.map((s) => s.baseOffset);
    const [first] = await manager.compact('small-map');
    expect(first.to).toBe(bases[1]); // one segment per pass
    const [second] = await manager.compact('small-map');
    expect([second.from, second.to]).toEqual([0, bases[2]]);
  });

  it('deletes segments left empty, but keeps the first one (it holds the log start)', async () => {
    const { manager } = await dirs.open(dirs.newRoot());
    await manager.createTopic('empty', 1, COMPACT);
    const log = manager.partition('empty', 0)!;
    await produce(log, 30, 2);
    await settled(log);
    const segmentsBefore = log.segments.length;
    await manager.compact('empty');
    // Two keys: at most the segments holding their latest values, plus the first and the active one.
    expect(log.segments.length).toBeLessThanOrEqual(4);
    expect(log.segments.length).toBeLessThan(segmentsBefore);
    expect(log.segments[0].baseOffset).toBe(0);
    expect(log.logStartOffset).toBe(0);
    const records = await readRecords(core, log);
    expect(records[0].offset).toBeGreaterThan(0);
    // A fetch at the log start, whose records were compacted away, gets the first batch kept.
    const read = await log.read(0, 1000, true);
    try {
      const [first] = decodeBatches(core, read.records, codecs);
      expect(first?.records[0].offset).toBe(records[0].offset);
    } finally {
      read.release();
    }
  });

  it('lets reads in flight on a replaced segment finish on the old file', async () => {
    const { manager } = await dirs.open(dirs.newRoot());
    await manager.createTopic('inflight', 1, COMPACT);
    const log = manager.partition('inflight', 0)!;
    await produce(log, 20, 2);
    await settled(log);
    const old = log.segments[1];
    const original = readFileSync(old.paths.log);
    await manager.compact('inflight');
    expect(log.segments).not.toContain(old);
    const into = new Uint8Array(original.length);
    expect(await old.read(0, into)).toBe(original.length);
    expect(Buffer.from(into).equals(original)).toBe(true);
  });

  it('applies both retention and compaction with cleanup.policy=compact,delete', async () => {
    const { manager } = await dirs.open(dirs.newRoot());
    await manager.createTopic('both', 1, { ...COMPACT, 'cleanup.policy': 'compact,delete', 'retention.ms': String(HOUR) });
    const log = manager.partition('both', 0)!;
    await produce(log, 10, 3, 5, { timestamp: Date.now() - 2 * HOUR });
    await produce(log, 10, 3);
    await settled(log);
    expect(manager.applyRetention(Date.now())).toBeGreaterThan(0);
    const start = log.logStartOffset;
    expect(start).toBeGreaterThan(0);
    await manager.compact('both');
    const records = await readRecords(core, log);
    expect(records[0].offset).toBeGreaterThanOrEqual(start);
    expect(records.filter((r) => r.offset < log.activeSegment.baseOffset).length).toBeLessThanOrEqual(3);
  });

  it('leaves a log alone when its segment is corrupt, and says so', async () => {
    const { manager, logged } = await dirs.open(dirs.newRoot());
    await manager.createTopic('corrupt', 1, COMPACT);
    const log = manager.partition('corrupt', 0)!;
    await produce(log, 20, 3);
    await settled(log);
    const victim = log.segments[1].paths.log;
    const bytes = readFileSync(victim);
    bytes[bytes.length - 3] ^= 0xff;
    writeFileSync(victim, bytes);
    expect(await manager.compact('corrupt')).toEqual([]);
    expect(logged.some((l) => /WARN log cleaner: corrupt-0: .*corrupt batch/.test(l))).toBe(true);
    expect(files(log, '.cleaned')).toEqual([]);
  });

  it('gives up quietly on a topic deleted during its pass', async () => {
    const { manager, logged } = await dirs.open(dirs.newRoot(), { 'log.segment.delete.delay.ms': '0' });
    await manager.createTopic('doomed', 1, COMPACT);
    const log = manager.partition('doomed', 0)!;
    await produce(log, 30, 3);
    await settled(log);
    const pass = manager.compact('doomed');
    await manager.deleteTopic('doomed');
    expect(await pass).toEqual([]);
    expect(logged.filter((l) => l.startsWith('WARN'))).toEqual([]);
    await manager.createTopic('doomed', 1, COMPACT); // a new log starts from a clean slate
    expect(await manager.compact('doomed')).toEqual([]);
  });

  it('ignores topics that do not compact', async () => {
    const { manager } = await dirs.open(dirs.newRoot());
    await manager.createTopic('plain', 1, { 'segment.bytes': '2000' });
    const log = manager.partition('plain', 0)!;
    await produce(log, 20, 2);
    await settled(log);
    expect(await manager.compact()).toEqual([]);
  });
});
