// The throughput cap (--throughput, records per second; -1 or 0: none), as
// kafka-producer-perf-test's ThroughputThrottler: the n-th record is due n / rate seconds
// after the start, so a late sender catches up and the average rate stays at the cap.
export class ThroughputLimiter {
  constructor(readonly recordsPerSec: number, readonly startMs: number) {}

  get limited(): boolean {
    return this.recordsPerSec > 0;
  }

  /** Milliseconds to wait at `nowMs` before the records up to `sentIncludingNext` may go. */
  waitMs(sentIncludingNext: number, nowMs: number): number {
    if (!this.limited) return 0;
    const dueMs = this.startMs + (sentIncludingNext * 1000) / this.recordsPerSec;
    return Math.max(0, dueMs - nowMs);
  }

  /** How many records the cap allows in total by `nowMs` (Infinity when unlimited). */
  allowed(nowMs: number): number {
    if (!this.limited) return Infinity;
    return Math.floor(((nowMs - this.startMs) * this.recordsPerSec) / 1000);
  }
}
