// src/log/partition-log.ts: one partition's log as the main thread keeps it, over real files
// and append workers (a log manager in a temp dir): appends and the offsets they assign, reads
// within byte budgets and bounds, reads at the tail from the appends' own bounds, the long-poll
// wake-ups and what they count, rolls, lookups by time, and the removal of old segments.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { existsSync, readdirSync } from 'node:fs';
import { buildBatch, decodeBatches } from '../../../src/core/index.js';
import { codecs, initCompression, GZIP } from '../../../src/compression/codecs.js';
import { ErrorCode } from '../../../src/protocol/errors.js';
import type { LogManager } from '../../../src/log/log-manager.js';
import type { PartitionLog } from '../../../src/log/partition-log.js';
import { core } from '../../helpers/core.js';
import { LogDirs } from '../../helpers/logs.js';
import { waitFor } from '../../helpers/wait.js';
import { TAIL_BATCHES } from '../../../src/log/tail-batches.js';

const dirs = new LogDirs(core);
let manager: LogManager;
beforeAll(async () => {
  await initCompression();
  ({ manager } = await dirs.open(dirs.newRoot()));
});
afterAll(() => dirs.cleanup());

let topics = 0;
async function partition(configs: Record<string, string> = {}): Promise<PartitionLog> {
  const name = `pl-${topics++}`;
  await manager.createTopic(name, 1, configs);
  return manager.partition(name, 0)!;
}
const batch = (n: number, from = 0, options: { ts?: number; size?: number; compression?: number } = {}) => buildBatch(core,
  Array.from({ length: n }, (_, i) => ({ key: `k${from + i}`, value: `v${from + i} `.padEnd(options.size ?? 40, '.'), timestamp: (options.ts ?? 1_700_000_000_000) + from + i })),
  { compression: options.compression ?? 0, codecs });
async function appendAll(log: PartitionLog, batches: number, perBatch: number, options = {}) {
  const results = [];
  for (let i = 0; i < batches; i++) {
    const r = await log.append(batch(perBatch, i * perBatch, options));
    expect(r.status).toBe(0);
    results.push(r);
  }
  return results;
}
/** Offsets of the records in a read, and its release. */
async function read(log: PartitionLog, offset: number, maxBytes: number, minOneBatch = true, upperBound?: number): Promise<number[]> {
  const r = await log.read(offset, maxBytes, minOneBatch, upperBound);
  try {
    return decodeBatches(core, r.records, codecs).flatMap((b) => b.records.map((rec) => rec.offset));
  } finally {
    r.release();
  }
}
const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);

describe('appends', () => {
  it('assign the next offsets; the end offset and the high watermark follow', async () => {
    const log = await partition();
    const [a, b] = await appendAll(log, 2, 3);
    expect([a.baseOffset, a.lastOffset, b.baseOffset, b.lastOffset, b.position]).toEqual([0, 2, 3, 5, a.size]);
    expect([log.logStartOffset, log.logEndOffset, log.highWatermark, log.activeSegment.size]).toEqual([0, 6, 6, a.size + b.size]);
  });

  it('a batch already in core memory (a request frame) is appended where it lies, offsets assigned in place', async () => {
    const log = await partition();
    await appendAll(log, 1, 2);
    const bytes = batch(3);
    const ptr = core.mem.reserve(bytes.length);
    core.mem.write(ptr, bytes);
    const inCore = core.mem.view(ptr, bytes.length);
    const r = await log.append(inCore);
    expect([r.status, r.baseOffset]).toEqual([0, 2]);
    expect(core.readBatchHeader(core.mem.read(ptr, bytes.length)).baseOffset).toBe(2);
    expect(bytes[7]).toBe(0); // a batch elsewhere is copied: the caller's bytes stay as they were
  });

  it('a batch the worker refuses changes nothing; a closed log refuses with NOT_LEADER_OR_FOLLOWER', async () => {
    const log = await partition();
    await appendAll(log, 1, 2);
    const bad = batch(2);
    bad[bad.length - 2] ^= 0x40;
    await expect(log.append(bad)).rejects.toMatchObject({ code: ErrorCode.CORRUPT_MESSAGE, message: /ERR_CRC/ });
    expect(log.logEndOffset).toBe(2);
    const handle = log.handle;
    log.handle = null;
    await expect(log.append(batch(1))).rejects.toMatchObject({ code: ErrorCode.NOT_LEADER_OR_FOLLOWER });
    log.handle = handle;
  });

  it('count appends in flight', async () => {
    const log = await partition();
    const pending = log.append(batch(1));
    expect(log.appending).toBe(1);
    await pending;
    expect(log.appending).toBe(0);
  });

  it('wake one-shot listeners (long-polling fetches); a cancelled listener is not called', async () => {
    const log = await partition();
    const calls: string[] = [];
    log.onNextAppend(() => calls.push('a'));
    const cancel = log.onNextAppend(() => calls.push('b'));
    cancel();
    await appendAll(log, 1, 1);
    await log.append(batch(1, 1));
    expect(calls).toEqual(['a']);
    log.onNextAppend(() => calls.push('closed'));
    log.close();
    expect(calls).toEqual(['a', 'closed']);
  });
});

describe('append watchers', () => {
  const txnBatch = (producerId: number, baseSequence: number, n: number) => buildBatch(core,
    Array.from({ length: n }, (_, i) => ({ key: `t${i}`, value: 'in a transaction', timestamp: Date.now() })),
    { producerId, producerEpoch: 0, baseSequence, transactional: true });

  it('are told the bytes each append makes readable, below the high watermark and below the last stable offset', async () => {
    const log = await partition();
    const told: [number, number][] = [];
    const cancel = log.watchAppends((bytes, stableBytes) => told.push([bytes, stableBytes]));
    const [plain] = await appendAll(log, 1, 2);
    const opened = await log.append(txnBatch(7, 0, 2)); // opens a transaction: the LSO stays
    const inside = await log.append(batch(1, 9)); // after it, still held back by it
    await log.appendMarker(7, 0, true, 0); // the LSO jumps over all of it
    const after = await log.append(batch(1, 10));
    const markerBytes = log.activeSegment.size - plain.size - opened.size - inside.size - after.size;
    expect(told).toEqual([[plain.size, plain.size], [opened.size, 0], [inside.size, 0], [markerBytes, -1], [after.size, after.size]]);
    cancel();
    await appendAll(log, 1, 1);
    expect(told.length).toBe(5);
    log.watchAppends((bytes, stableBytes) => told.push([bytes, stableBytes]));
    log.close();
    expect(told[5]).toEqual([-1, -1]); // closed: look again
  });
});

describe('reads at the tail', () => {
  it(`slice the last ${TAIL_BATCHES} batches from the appends' bounds, without reading the segment file, as the header walk does`, async () => {
    const log = await partition({ 'index.interval.bytes': '200' });
    const appended = [];
    const codecOf = (i: number) => (i % 4 === 1 ? GZIP : 0);
    for (let i = 0; i < TAIL_BATCHES + 8; i++) appended.push(await log.append(batch(1 + (i % 3), i * 3, { size: 20 + ((i * 37) % 90), compression: codecOf(i) })));
    const segment = log.activeSegment;
    const reads = vi.spyOn(segment, 'readSync');
    // What a slice must be, from the append results alone.
    const expected = (fetchOffset: number, maxBytes: number, minOneBatch: boolean, upperBound: number) => {
      const from = appended.findIndex((r) => r.lastOffset >= fetchOffset);
      if (from < 0 || appended[from].baseOffset >= upperBound) return null;
      let to = from;
      while (to < appended.length && appended[to].baseOffset < upperBound && appended[to].position + appended[to].size - appended[from].position <= maxBytes) to++;
      if (to === from) to = minOneBatch ? from + 1 : from;
      if (to === from) return null;
      return { position: appended[from].position, length: appended[to - 1].position + appended[to - 1].size - appended[from].position };
    };
    const tailFrom = appended[appended.length - TAIL_BATCHES].baseOffset;
    for (let offset = 0; offset <= log.logEndOffset; offset++) {
      for (const [maxBytes, minOneBatch, upperBound] of [[1 << 20, true, log.logEndOffset], [150, true, log.logEndOffset], [150, false, log.logEndOffset], [1 << 20, true, 50]] as const) {
        if (offset >= upperBound && upperBound < log.logEndOffset) continue;
        reads.mockClear();
        const slice = log.slice(offset, maxBytes, minOneBatch, upperBound, true);
        const got = slice && { position: slice.position, length: slice.length };
        expect(got, `offset ${offset}, maxBytes ${maxBytes}, minOneBatch ${minOneBatch}, upperBound ${upperBound}`).toEqual(expected(offset, maxBytes, minOneBatch, upperBound));
        if (slice) {
          const codecs = appended.reduce((m, r, i) => (r.position >= slice.position && r.position < slice.position + slice.length ? m | (1 << codecOf(i)) : m), 0);
          // At the tail exactly those; further back the walk may answer with the segment's (no zstd in it).
          if (offset >= tailFrom) expect(slice.codecs).toBe(codecs);
          else expect(slice.codecs! & codecs).toBe(codecs);
          slice.release();
        }
        if (offset >= tailFrom) expect(reads).not.toHaveBeenCalled();
      }
    }
    reads.mockRestore();
  });
});

describe('reads', () => {
  let log: PartitionLog;
  let sizes: number[];
  beforeAll(async () => {
    log = await partition();
    sizes = (await appendAll(log, 5, 4)).map((r) => r.size);
  });

  it('return whole batches from the one holding the fetch offset, within maxBytes', async () => {
    expect(await read(log, 0, 1 << 20)).toEqual(range(0, 20));
    expect(await read(log, 6, 1 << 20)).toEqual(range(4, 20));
    expect(await read(log, 0, sizes[0] + sizes[1])).toEqual(range(0, 8));
    expect(await read(log, 0, sizes[0] + sizes[1] - 1)).toEqual(range(0, 4));
  });

  it('return the first batch whole when it alone is over maxBytes, only with minOneBatch', async () => {
    expect(await read(log, 4, 10, true)).toEqual(range(4, 8));
    expect(await read(log, 4, 10, false)).toEqual([]);
  });

  it('stop before upperBound', async () => {
    expect(await read(log, 0, 1 << 20, true, 12)).toEqual(range(0, 12));
    expect(await read(log, 12, 1 << 20, true, 12)).toEqual([]);
  });

  it('at the end offset are empty; outside [log start, log end] are OFFSET_OUT_OF_RANGE', async () => {
    expect(await read(log, 20, 1000)).toEqual([]);
    await expect(log.read(21, 1000, true)).rejects.toMatchObject({ code: ErrorCode.OFFSET_OUT_OF_RANGE });
    await expect(log.read(-1, 1000, true)).rejects.toMatchObject({ code: ErrorCode.OFFSET_OUT_OF_RANGE });
  });

  it('return a batch larger than maxBytes plus the scan slack whole, with minOneBatch', async () => {
    const big = await partition();
    await appendAll(big, 1, 2);
    await big.append(batch(3, 2, { size: 50_000 })); // ~150 KB
    await appendAll(big, 1, 1);
    expect(await read(big, 3, 1000, true)).toEqual([2, 3, 4]);
    expect(await read(big, 3, 1000, false)).toEqual([]);
  });

  it('say which codecs the batches read use (Fetch before v10 cannot take zstd)', async () => {
    const mixed = await partition();
    await mixed.append(batch(2, 0));
    await mixed.append(batch(2, 2, { compression: GZIP }));
    const r = await mixed.read(0, 1 << 20, true);
    expect(r.codecs).toBe((1 << 0) | (1 << GZIP));
    r.release();
  });
});

describe('segments', () => {
  it('roll at segment.bytes; reads and segmentFor follow the segments', async () => {
    const log = await partition({ 'segment.bytes': '1000' });
    await appendAll(log, 20, 3);
    const bases = log.segments.map((s) => s.baseOffset);
    expect(bases.length).toBeGreaterThan(4);
    expect(readdirSync(log.dir).filter((f) => f.endsWith('.log')).length).toBe(bases.length);
    for (const [i, base] of bases.entries()) {
      expect(log.segmentFor(base)).toBe(log.segments[i]);
      expect(log.segmentFor(base + 1)).toBe(log.segments[i]);
    }
    expect(await read(log, 0, 1 << 20)).toEqual(range(0, bases[1])); // one segment per read
    expect(await read(log, bases[2] + 1, 1 << 20)).toEqual(range(bases[2], bases[3]));
  });

  it('roll once the active segment\'s index is full (segment.index.bytes)', async () => {
    const log = await partition({ 'segment.index.bytes': '24', 'index.interval.bytes': '0' });
    await appendAll(log, 6, 1);
    expect(log.segments.length).toBeGreaterThan(1);
    expect(await read(log, 5, 1000)).toEqual([5]);
  });

  it('a compacted topic rolls by max.compaction.lag.ms too', async () => {
    const log = await partition({ 'cleanup.policy': 'compact', 'segment.ms': '600000', 'max.compaction.lag.ms': '60000' });
    expect(log.writerConfig().segmentMs).toBe(60_000);
    const plain = await partition({ 'segment.ms': '600000', 'max.compaction.lag.ms': '60000' });
    expect(plain.writerConfig().segmentMs).toBe(600_000);
  });

  it('find offsets by timestamp and the largest timestamp, across segments and codecs', async () => {
    const log = await partition({ 'segment.bytes': '1000', 'index.interval.bytes': '100' });
    for (let i = 0; i < 12; i++) await log.append(batch(3, i * 3, { ts: 1_000_000 + i * 97, compression: i % 2 ? GZIP : 0 }));
    expect(log.segments.length).toBeGreaterThan(2);
    // Record i*3+j has timestamp 1_000_000 + i*97 + i*3 + j.
    const ts = (offset: number) => 1_000_000 + Math.floor(offset / 3) * 97 + offset;
    for (const offset of [0, 4, 17, 35]) expect(await log.offsetForTimestamp(ts(offset))).toEqual({ offset, timestamp: ts(offset) });
    expect(await log.offsetForTimestamp(ts(18) - 1)).toEqual({ offset: 18, timestamp: ts(18) }); // between two batches
    expect(await log.offsetForTimestamp(ts(35) + 1)).toBeNull();
    expect(await log.maxTimestampOffset()).toEqual({ offset: 35, timestamp: ts(35) });
  });

  it('DeleteRecords moves the log start up and deletes the segments wholly below it', async () => {
    const log = await partition({ 'segment.bytes': '1000', 'file.delete.delay.ms': '0' });
    await appendAll(log, 20, 3);
    const [first, second, third] = log.segments;
    log.deleteRecordsBefore(third.baseOffset + 1, 0);
    expect([log.logStartOffset, log.segments[0]]).toEqual([third.baseOffset + 1, third]);
    await waitFor('the deleted segments\' files to go', () => !existsSync(first.paths.log) && !existsSync(second.paths.log), { timeoutMs: 5000 });
    expect(await read(log, third.baseOffset + 1, 1 << 20)).toContain(third.baseOffset + 1);
    await expect(log.read(third.baseOffset, 1000, true)).rejects.toMatchObject({ code: ErrorCode.OFFSET_OUT_OF_RANGE });
    log.deleteRecordsBefore(2, 0);
    expect(log.logStartOffset).toBe(third.baseOffset + 1);
  });

  it('retention deletes the oldest segments by age or by size, never the active one, and not on compacted topics', async () => {
    const now = Date.now();
    const aged = await partition({ 'segment.bytes': '1000', 'retention.ms': '60000', 'file.delete.delay.ms': '0' });
    await appendAll(aged, 10, 3, { ts: now - 3_600_000 });
    await appendAll(aged, 1, 3, { ts: now });
    const agedCount = aged.segments.length;
    expect(aged.applyRetention(now)).toBe(agedCount - 1);
    expect([aged.segments.length, aged.logStartOffset]).toEqual([1, aged.activeSegment.baseOffset]);
    const sized = await partition({ 'segment.bytes': '1000', 'retention.bytes': '2500', 'file.delete.delay.ms': '0' });
    await appendAll(sized, 20, 3);
    expect(sized.applyRetention(now)).toBeGreaterThan(0);
    expect(sized.sizeBytes - sized.segments[0].size).toBeLessThan(2500);
    expect(sized.logStartOffset).toBe(sized.segments[0].baseOffset);
    const compacted = await partition({ 'segment.bytes': '1000', 'retention.ms': '1', 'cleanup.policy': 'compact' });
    await appendAll(compacted, 10, 3, { ts: now - 3_600_000 });
    expect(compacted.applyRetention(now)).toBe(0);
  });

  it('replaceSegment swaps in a compacted copy, never for the active segment or one already gone', async () => {
    const log = await partition({ 'segment.bytes': '1000' });
    await appendAll(log, 10, 3);
    const [first, second] = log.segments;
    const copy = log.newSegment(first.baseOffset, first.size);
    expect(log.replaceSegment(first, copy)).toBe(true);
    expect(log.segments[0]).toBe(copy);
    expect(log.replaceSegment(first, null)).toBe(false);
    expect(log.replaceSegment(log.activeSegment, null)).toBe(false);
    expect(log.replaceSegment(second, null)).toBe(true);
    expect(log.segments).not.toContain(second);
    copy.index.release();
  });
});
