import { ABI } from '../../../src/core/index.js';
import { describe, expect, it } from 'vitest';
import { core } from '../../helpers/core.js';

function offsetIndex(entries: [number, number][]): number {
  core.resetArena();
  const ptr = core.alloc(Math.max(1, entries.length) * ABI.OFFSET_ENTRY_SIZE);
  entries.forEach(([rel, pos], slot) => core.offsetIndexPut(ptr, slot, rel, pos));
  return ptr;
}

function timeIndex(entries: [number, number][]): number {
  core.resetArena();
  const ptr = core.alloc(Math.max(1, entries.length) * ABI.TIME_ENTRY_SIZE);
  entries.forEach(([ts, rel], slot) => core.timeIndexPut(ptr, slot, ts, rel));
  return ptr;
}

describe('offset index', () => {
  const entries: [number, number][] = [[0, 0], [10, 4096], [20, 8192], [35, 12288]];

  it('stores entries big-endian, as Kafka does on disk', () => {
    const ptr = offsetIndex(entries);
    expect(Array.from(core.mem.view(ptr + 8, 8))).toEqual([0, 0, 0, 10, 0, 0, 0x10, 0]);
  });

  it('floor: the largest entry at or below the target', () => {
    const ptr = offsetIndex(entries);
    const floor = (t: number) => { const s = core.offsetIndexFloor(ptr, entries.length, t); return s < 0 ? null : [s, core.indexKey(), core.indexValue()]; };
    expect(floor(15)).toEqual([1, 10, 4096]);
    expect(floor(10)).toEqual([1, 10, 4096]);
    expect(floor(0)).toEqual([0, 0, 0]);
    expect(floor(1000)).toEqual([3, 35, 12288]);
    expect(floor(-1)).toBeNull();
  });

  it('ceiling: the smallest entry at or above the target', () => {
    const ptr = offsetIndex(entries);
    const ceiling = (t: number) => core.offsetIndexCeiling(ptr, entries.length, t);
    expect([ceiling(15), ceiling(20), ceiling(-5), ceiling(36)]).toEqual([2, 2, 0, -1]);
  });

  it('an empty index finds nothing', () => {
    const ptr = offsetIndex([]);
    expect([core.offsetIndexFloor(ptr, 0, 5), core.offsetIndexCeiling(ptr, 0, 5)]).toEqual([-1, -1]);
  });

  it('agrees with a linear scan over a large sparse index', () => {
    const n = 100_000;
    const rel = Array.from({ length: n }, (_, i) => i * 3 + (i % 2));
    const ptr = offsetIndex(rel.map((r, i) => [r, i * 4096]));
    for (let probe = 0; probe < 2000; probe++) {
      const target = (probe * 7919) % (n * 3 + 10) - 2;
      let expected = -1;
      for (let i = 0; i < n && rel[i] <= target; i++) expected = i; // reference
      expect(core.offsetIndexFloor(ptr, n, target)).toBe(expected);
    }
  });
});

describe('lookups on indexes far from linear', () => {
  // The search interpolates first; these key shapes make the guess wrong by a lot.
  const shapes: Record<string, (i: number) => number> = {
    quadratic: (i) => i * i,
    'one huge gap': (i) => (i < 5000 ? i : 10_000_000 + i),
    'dense head, sparse tail': (i) => (i < 9000 ? i : 9000 + (i - 9000) * 50_000),
    'two entries': (i) => i * 1000,
  };
  it.each(Object.entries(shapes))('floor and ceiling agree with a reference: %s', (name, shape) => {
    const n = name === 'two entries' ? 2 : 10_000;
    const keys = Array.from({ length: n }, (_, i) => shape(i));
    const ptr = offsetIndex(keys.map((k, i) => [k, i]));
    const probes = new Set<number>([-1, 0, keys[n - 1], keys[n - 1] + 1]);
    for (let i = 0; i < n; i += Math.max(1, n >> 9)) { probes.add(keys[i]); probes.add(keys[i] + 1); probes.add(keys[i] - 1); }
    for (const t of probes) {
      const floor = keys.findLastIndex((k) => k <= t);
      const ceiling = keys.findIndex((k) => k >= t);
      expect(core.offsetIndexFloor(ptr, n, t), `floor ${t}`).toBe(floor);
      expect(core.offsetIndexCeiling(ptr, n, t), `ceiling ${t}`).toBe(ceiling);
    }
  });
});

describe('time index', () => {
  const entries: [number, number][] = [[1_700_000_000_000, 0], [1_700_000_000_100, 12], [1_700_000_005_000, 40]];

  it('floor and ceiling by timestamp, with the relative offset as value', () => {
    const ptr = timeIndex(entries);
    expect(core.timeIndexFloor(ptr, 3, 1_700_000_000_150)).toBe(1);
    expect([core.indexKey(), core.indexValue()]).toEqual([1_700_000_000_100, 12]);
    expect(core.timeIndexFloor(ptr, 3, 1_699_999_999_999)).toBe(-1);
    expect(core.timeIndexCeiling(ptr, 3, 1_700_000_000_150)).toBe(2);
    expect(core.indexValue()).toBe(40);
    expect(core.timeIndexCeiling(ptr, 3, 1_800_000_000_000)).toBe(-1);
  });

  it('stores the 8-byte timestamp and 4-byte offset big-endian', () => {
    const ptr = timeIndex(entries);
    const dv = new DataView(core.mem.read(ptr + 12, 12).buffer);
    expect([Number(dv.getBigInt64(0)), dv.getInt32(8)]).toEqual([1_700_000_000_100, 12]);
  });
});
