import { describe, expect, it } from 'vitest';
import { ThroughputLimiter } from '../../../src/perf/limiter.js';
import { recordsPerBatch } from '../../../src/perf/produce-loop.js';
import { shares } from '../../../src/perf/produce.js';

describe('throughput limiter', () => {
  it('makes the n-th record due n / rate seconds after the start', () => {
    const l = new ThroughputLimiter(1000, 10_000);
    expect(l.waitMs(1000, 10_000)).toBe(1000);
    expect(l.waitMs(500, 10_200)).toBe(300);
    expect(l.allowed(10_500)).toBe(500);
  });

  it('lets a late sender catch up (no wait while behind the schedule)', () => {
    const l = new ThroughputLimiter(100, 0);
    expect(l.waitMs(10, 5000)).toBe(0);
  });

  it('never waits when unlimited (-1)', () => {
    const l = new ThroughputLimiter(-1, 0);
    expect(l.limited).toBe(false);
    expect(l.waitMs(1e9, 0)).toBe(0);
    expect(l.allowed(0)).toBe(Infinity);
  });
});

describe('harness arithmetic', () => {
  it('fills batches to batch-bytes at full speed and to what linger gathers under a cap', () => {
    expect(recordsPerBatch({ batchBytes: 16384, recordSize: 100, throughput: -1, lingerMs: 5 }, 6)).toBe(145);
    expect(recordsPerBatch({ batchBytes: 16384, recordSize: 1024, throughput: 50000, lingerMs: 1 }, 16)).toBe(4);
    expect(recordsPerBatch({ batchBytes: 10, recordSize: 1024, throughput: -1, lingerMs: 0 }, 1)).toBe(1);
  });

  it('splits records over producers in whole shares that add up', () => {
    expect(shares(10, 3)).toEqual([4, 3, 3]);
    expect(shares(2, 4)).toEqual([1, 1, 0, 0]);
  });
});
