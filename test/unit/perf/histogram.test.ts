import { describe, expect, it } from 'vitest';
import { newHistogram, record, encodeHistogram, decodeHistogram, mergeHistograms, latencySummary } from '../../../src/perf/histogram.js';

describe('latency histograms', () => {
  it('merging workers\' histograms gives the percentiles of all their values, not an average of percentiles', () => {
    const a = newHistogram();
    const b = newHistogram();
    for (let i = 1; i <= 900; i++) record(a, 1000); // 900 × 1 ms
    for (let i = 1; i <= 100; i++) record(b, 50_000); // 100 × 50 ms
    const merged = mergeHistograms([decodeHistogram(encodeHistogram(a)), decodeHistogram(encodeHistogram(b))]);
    expect(merged.totalCount).toBe(1000);
    const s = latencySummary(merged);
    expect(s.p50).toBeCloseTo(1, 2);
    expect(s.p95).toBeCloseTo(50, 0);
    expect(s.p99).toBeCloseTo(50, 0);
    expect(s.max).toBeCloseTo(50, 0);
  });

  it('counts a request once per record it carried', () => {
    const h = newHistogram();
    record(h, 2000, 99);
    record(h, 9000, 1);
    expect(h.totalCount).toBe(100);
    const s = latencySummary(h);
    expect(s.p50).toBeCloseTo(2, 2);
    expect(s.p999).toBeCloseTo(9, 1);
  });

  it('keeps 3 significant digits through the encoding and clamps out-of-range values', () => {
    const h = newHistogram();
    record(h, 123_456);
    record(h, 0);
    record(h, 1e12);
    const d = decodeHistogram(encodeHistogram(h));
    expect(d.totalCount).toBe(3);
    expect(Math.abs(d.getValueAtPercentile(50) - 123_456) / 123_456).toBeLessThan(0.001);
    expect(latencySummary(newHistogram())).toEqual({ p50: 0, p95: 0, p99: 0, p999: 0, max: 0 });
  });
});
