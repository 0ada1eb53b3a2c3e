// Latency histograms for the load harness (hdr-histogram-js): values in microseconds, 3
// significant digits, up to 10 minutes. Workers send theirs to the main thread encoded
// (HdrHistogram's compressed base64 format) and the main thread adds them up, so the
// percentiles are those of every request of every worker, not an average of percentiles.
import * as hdr from 'hdr-histogram-js';

export type Histogram = hdr.Histogram;

const HIGHEST_TRACKABLE_US = 600_000_000;

export function newHistogram(): Histogram {
  return hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: HIGHEST_TRACKABLE_US, numberOfSignificantValueDigits: 3, useWebAssembly: false });
}

/** Records `count` observations of `micros` (clamped into the trackable range). */
export function record(h: Histogram, micros: number, count = 1): void {
  const v = Math.min(HIGHEST_TRACKABLE_US, Math.max(1, Math.round(micros)));
  h.recordValueWithCount(v, count);
}

export function encodeHistogram(h: Histogram): string {
  return hdr.encodeIntoCompressedBase64(h);
}

export function decodeHistogram(encoded: string): Histogram {
  return hdr.decodeFromCompressedBase64(encoded, 'packed', false);
}

/** Adds every histogram into a new one. */
export function mergeHistograms(parts: Histogram[]): Histogram {
  const total = newHistogram();
  for (const p of parts) total.add(p);
  return total;
}

export interface LatencySummary {
  p50: number;
  p95: number;
  p99: number;
  p999: number;
  max: number;
}

/** Percentiles in milliseconds (3 decimals); zeros for an empty histogram. */
export function latencySummary(h: Histogram): LatencySummary {
  const ms = (us: number) => Math.round(us) / 1000;
  if (h.totalCount === 0) return { p50: 0, p95: 0, p99: 0, p999: 0, max: 0 };
  // A percentile is its bucket's highest equivalent value, which can pass the true maximum.
  const at = (p: number) => ms(Math.min(h.getValueAtPercentile(p), h.maxValue));
  return { p50: at(50), p95: at(95), p99: at(99), p999: at(99.9), max: ms(h.maxValue) };
}
