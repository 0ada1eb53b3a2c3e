// src/quota/rate.ts: Kafka's sampled rate (SampledStat, Rate.windowSize) and the throttle time
// it gives (QuotaUtils.throttleTime), with a clock of our own.
import { describe, expect, it } from 'vitest';
import { SampledRate } from '../../../src/quota/rate.js';

describe('SampledRate', () => {
  it('measures a first burst over samples - 1 windows, not over the milliseconds it took', () => {
    const rate = new SampledRate(11, 1000);
    rate.record(10_000, 0);
    expect(rate.windowSizeMs(0)).toBe(10_000);
    expect(rate.perSecond(0)).toBe(1000);
    rate.record(10_000, 500);
    expect(rate.windowSizeMs(500)).toBe(10_500);
    expect(rate.perSecond(500)).toBeCloseTo(20_000 / 10.5);
  });

  it('spans the samples kept once more than samples - 1 windows have passed', () => {
    const rate = new SampledRate(3, 1000);
    for (let t = 0; t < 5000; t += 100) rate.record(100, t);
    // The oldest sample kept started within the last 3 windows.
    const size = rate.windowSizeMs(4950);
    expect(size).toBeGreaterThanOrEqual(2000);
    expect(size).toBeLessThanOrEqual(3000);
    expect(rate.perSecond(4950)).toBeGreaterThan(800);
    expect(rate.perSecond(4950)).toBeLessThan(1200);
  });

  it('drops samples older than samples x window', () => {
    const rate = new SampledRate(2, 1000);
    rate.record(5000, 0);
    expect(rate.perSecond(1500)).toBeGreaterThan(0);
    expect(rate.perSecond(2000)).toBe(0);
    expect(rate.idle(2000)).toBe(true);
  });

  it('throttles for the time that brings the rate back to the bound', () => {
    const rate = new SampledRate(11, 1000);
    expect(rate.throttleMs(1000, 0)).toBe(0);
    rate.record(20_000, 0);
    // 2000/s over 10 s against 1000/s: (2000 - 1000) / 1000 x 10 s.
    expect(rate.throttleMs(1000, 0)).toBe(10_000);
    expect(rate.throttleMs(5000, 0)).toBe(0);
  });

  it('takes back what a negative value records', () => {
    const rate = new SampledRate(11, 1000);
    rate.record(20_000, 0);
    rate.record(-20_000, 0);
    expect(rate.throttleMs(1000, 0)).toBe(0);
  });
});
