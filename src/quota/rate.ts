// A rate over sampled windows, as Kafka's metrics measure quotas (SampledStat and Rate):
// values are summed into `samples` windows of `windowMs` each; the rate is their total over
// the time they span, counted as at least samples - 1 full windows (so a client's first
// burst is measured against the whole window, not against the milliseconds it took). A
// sample older than samples x windowMs is dropped. Throttle times follow Kafka's
// QuotaUtils.throttleTime: (rate - bound) / bound x the window the rate was measured over,
// the time in which the client must send nothing to be back at its bound.

export class SampledRate {
  private readonly totals: Float64Array;
  /** Start of each sample's window (ms; -Infinity: unused). */
  private readonly starts: Float64Array;
  private current = 0;

  constructor(private readonly samples: number, private readonly windowMs: number) {
    if (samples < 2 || windowMs <= 0) throw new Error(`a sampled rate needs at least 2 samples and a positive window (${samples}, ${windowMs})`);
    this.totals = new Float64Array(samples);
    this.starts = new Float64Array(samples).fill(-Infinity);
  }

  /** Adds `value` at `nowMs` (a negative value takes back what was recorded). */
  record(value: number, nowMs: number): void {
    if (this.starts[this.current] === -Infinity) this.starts[this.current] = nowMs;
    else if (nowMs >= this.starts[this.current] + this.windowMs) {
      // Kafka's SampledStat.advance: the next sample starts at now.
      this.current = (this.current + 1) % this.samples;
      this.starts[this.current] = nowMs;
      this.totals[this.current] = 0;
    }
    this.totals[this.current] += value;
  }

  /** The rate per second at `nowMs`. */
  perSecond(nowMs: number): number {
    this.purge(nowMs);
    let total = 0;
    for (let i = 0; i < this.samples; i++) if (this.starts[i] !== -Infinity) total += this.totals[i];
    return total / (this.windowSizeMs(nowMs) / 1000);
  }

  /** The time the rate is measured over at `nowMs` (Kafka's Rate.windowSize). */
  windowSizeMs(nowMs: number): number {
    this.purge(nowMs);
    let oldest = nowMs;
    for (let i = 0; i < this.samples; i++) if (this.starts[i] !== -Infinity && this.starts[i] < oldest) oldest = this.starts[i];
    let elapsed = nowMs - oldest;
    const fullWindows = Math.floor(elapsed / this.windowMs);
    if (fullWindows < this.samples - 1) elapsed += (this.samples - 1 - fullWindows) * this.windowMs;
    return Math.max(elapsed, 1);
  }

  /** How long the client must wait to be back at `bound` (0 when within it). */
  throttleMs(bound: number, nowMs: number): number {
    const rate = this.perSecond(nowMs);
    if (rate <= bound) return 0;
    return Math.round(((rate - bound) / bound) * this.windowSizeMs(nowMs));
  }

  /** Whether nothing was recorded in the samples still kept. */
  idle(nowMs: number): boolean {
    this.purge(nowMs);
    return this.starts.every((s) => s === -Infinity);
  }

  /** Kafka's purgeObsoleteSamples: a sample whose window started samples x windowMs ago or more is reset. */
  private purge(nowMs: number): void {
    const expireAgeMs = this.samples * this.windowMs;
    for (let i = 0; i < this.samples; i++) {
      if (this.starts[i] !== -Infinity && nowMs - this.starts[i] >= expireAgeMs) {
        this.starts[i] = -Infinity;
        this.totals[i] = 0;
      }
    }
  }
}
