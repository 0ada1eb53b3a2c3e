// src/log/segment-index.ts: a segment's offset and time indexes as appends build them (Kafka's
// LogSegment.append rule: an entry after more than index.interval.bytes of log) and the
// lookups reads and ListOffsets make. Positions are of batches, so a lookup lands at or
// before the wanted batch and the reader scans forward.
import { afterAll, describe, expect, it } from 'vitest';
import { RegionPool } from '../../../src/core/index.js';
import { SegmentIndex, type IndexedBatch } from '../../../src/log/segment-index.js';
import { IndexCache } from '../../../src/log/index-cache.js';
import { core } from '../../helpers/core.js';

const regions = new RegionPool(core.mem);
const cache = new IndexCache(regions, 1 << 20);
/** Appended to only: the index never reads its files or its log. */
const NO_FILES = { index: '/nonexistent/index', timeIndex: '/nonexistent/timeindex' };
const NO_LOG = { size: 0, readSync: () => 0 };
const made: SegmentIndex[] = [];
afterAll(() => { for (const i of made) i.release(); });

function index(baseOffset = 0, maxIndexBytes = 1 << 20): SegmentIndex {
  const i = new SegmentIndex(core, cache, baseOffset, NO_FILES, { maxIndexBytes, indexIntervalBytes: 4096 }, NO_LOG);
  i.reset(); // an active segment's index: empty, appended to
  made.push(i);
  return i;
}

/** Batches of `records` records and `size` bytes each, timestamps from `ts` in steps. */
function batches(count: number, records: number, size: number, base = 0, ts = 1000, step = 10): IndexedBatch[] {
  return Array.from({ length: count }, (_, i) => ({
    lastOffset: base + (i + 1) * records - 1, position: i * size, size, maxTimestamp: ts + i * step, offsetOfMaxTimestamp: base + (i + 1) * records - 1,
  }));
}

describe('segment index', () => {
  it('indexes a batch once more than index.interval.bytes of log lie since the last entry', () => {
    const idx = index();
    const all = batches(10, 5, 100); // 100-byte batches of 5 records
    for (const b of all) idx.onAppend(b, 250);
    // Entries at the 4th, 7th and 10th batch (after 300 bytes each time).
    expect(idx.offsetEntries).toBe(3);
    expect(idx.positionFor(14)).toBe(0); // before the first entry: the segment's start
    expect(idx.positionFor(19)).toBe(300); // the 4th batch, last offset 19
    expect(idx.positionFor(25)).toBe(300); // floor: the reader scans from the 4th batch
    expect(idx.positionFor(34)).toBe(600);
    expect(idx.positionFor(10_000)).toBe(900);
  });

  it('index.interval.bytes 0 indexes every batch after the first', () => {
    const idx = index();
    for (const b of batches(4, 1, 64)) idx.onAppend(b, 0);
    expect([0, 1, 2, 3].map((o) => idx.positionFor(o))).toEqual([0, 64, 128, 192]);
  });

  it('works in offsets relative to the segment\'s base offset', () => {
    const idx = index(1_000_000);
    for (const b of batches(6, 10, 200, 1_000_000)) idx.onAppend(b, 100);
    expect(idx.positionFor(1_000_000)).toBe(0);
    expect(idx.positionFor(1_000_039)).toBe(600);
    expect(idx.positionFor(1_000_059)).toBe(1000);
  });

  it('tracks the largest timestamp and the offset holding it, whatever the order of appends', () => {
    const idx = index();
    expect([idx.maxTimestamp, idx.offsetOfMaxTimestamp]).toEqual([-1, -1]);
    idx.onAppend({ lastOffset: 4, position: 0, size: 100, maxTimestamp: 5000, offsetOfMaxTimestamp: 2 }, 4096);
    idx.onAppend({ lastOffset: 9, position: 100, size: 100, maxTimestamp: 4000, offsetOfMaxTimestamp: 7 }, 4096);
    expect([idx.maxTimestamp, idx.offsetOfMaxTimestamp]).toEqual([5000, 2]);
    idx.onAppend({ lastOffset: 14, position: 200, size: 100, maxTimestamp: 6000, offsetOfMaxTimestamp: 14 }, 4096);
    expect([idx.maxTimestamp, idx.offsetOfMaxTimestamp]).toEqual([6000, 14]);
  });

  it('finds where to search for a timestamp: the offset of the last time entry at or below it, else the base', () => {
    const idx = index(100);
    // 100-byte batches of 5 records at 1000, 1010, ...: entries at every 2nd batch from the 3rd.
    for (const b of batches(10, 5, 100, 100, 1000, 10)) idx.onAppend(b, 150);
    expect(idx.timeEntries).toBe(4); // (1020, 114), (1040, 124), (1060, 134), (1080, 144)
    idx.onRolled(); // and the largest timestamp when the segment rolls: (1090, 149)
    expect(idx.timeEntries).toBe(5);
    expect([0, 1000, 1019, 1020, 1030, 1055, 1089, 1090, 5000].map((t) => idx.offsetForTimestamp(t))).toEqual([100, 100, 100, 114, 114, 124, 144, 149, 149]);
  });

  it('time entries only grow: a batch with older timestamps adds none', () => {
    const idx = index();
    idx.onAppend({ lastOffset: 0, position: 0, size: 100, maxTimestamp: 900, offsetOfMaxTimestamp: 0 }, 0);
    idx.onAppend({ lastOffset: 1, position: 100, size: 100, maxTimestamp: 900, offsetOfMaxTimestamp: 1 }, 0);
    idx.onAppend({ lastOffset: 2, position: 200, size: 100, maxTimestamp: 500, offsetOfMaxTimestamp: 2 }, 0);
    expect(idx.timeEntries).toBe(1);
    expect(idx.offsetForTimestamp(950)).toBe(0);
  });

  it('is full once either index holds segment.index.bytes (the segment then rolls), and adds no more', () => {
    const idx = index(0, 24); // room for three 8-byte offset entries, two 12-byte time entries
    const all = batches(10, 1, 50);
    idx.onAppend(all[0], 0);
    idx.onAppend(all[1], 0);
    expect([idx.isFull, idx.offsetEntries, idx.timeEntries]).toEqual([false, 1, 1]);
    idx.onAppend(all[2], 0);
    expect([idx.isFull, idx.offsetEntries, idx.timeEntries]).toEqual([true, 2, 2]);
    for (const b of all.slice(3)) idx.onAppend(b, 0);
    expect([idx.offsetEntries, idx.timeEntries]).toEqual([3, 2]);
    expect(idx.positionFor(9)).toBe(150); // still a floor: the reader scans on from there
  });

  it('grows past its first allocation without losing entries', () => {
    const idx = index();
    const all = batches(2000, 2, 40);
    for (const b of all) idx.onAppend(b, 0);
    expect(idx.offsetEntries).toBe(1999);
    for (const i of [1, 500, 1000, 1999]) expect(idx.positionFor(all[i].lastOffset)).toBe(all[i].position);
    expect(idx.offsetForTimestamp(1000 + 1500 * 10)).toBe(all[1500].lastOffset);
  });

  it('reset() starts over (recovery rebuilds from the log)', () => {
    const idx = index();
    for (const b of batches(5, 1, 100)) idx.onAppend(b, 0);
    idx.reset();
    expect([idx.offsetEntries, idx.timeEntries, idx.maxTimestamp, idx.positionFor(4)]).toEqual([0, 0, -1, 0]);
  });
});
