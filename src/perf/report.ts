// What the harness prints: a line every --reporting-interval (records/s, MB/s, latency
// percentiles of that interval), a progress bar on a terminal, and at the end the totals;
// with --json the totals are one JSON object, the last line on stdout, and the interval
// lines go to stderr.
import cliProgress from 'cli-progress';
import { newHistogram, latencySummary, record, type Histogram, type LatencySummary } from './histogram.js';

export interface PerfResult {
  records: number;
  bytes: number;
  elapsed_sec: number;
  records_per_sec: number;
  mb_per_sec: number;
  latency_ms: LatencySummary;
  errors: Record<string, number>;
  [extra: string]: unknown;
}

const MB = 1024 * 1024;

interface IntervalSample {
  t_sec: number;
  records_per_sec: number;
  mb_per_sec: number;
  latency_ms: LatencySummary;
}

export class Reporter {
  readonly total = newHistogram();
  private interval = newHistogram();
  records = 0;
  bytes = 0;
  readonly errors: Record<string, number> = {};
  private intervalRecords = 0;
  private intervalBytes = 0;
  private startMs = performance.now();
  private intervalStartMs = this.startMs;
  private timer: NodeJS.Timeout | null = null;
  private bar: cliProgress.SingleBar | null = null;
  readonly samples: IntervalSample[] = [];

  constructor(private readonly options: { json: boolean; intervalMs: number; expected: number; unit: string; quiet?: boolean }) {
    const tty = Boolean(process.stderr.isTTY) && !options.quiet;
    if (tty) {
      this.bar = new cliProgress.SingleBar({
        format: `{bar} {percentage}% | {value}/{total} ${options.unit} | {rate} rec/s | p99 {p99} ms`,
        stream: process.stderr, hideCursor: true, clearOnComplete: true,
      }, cliProgress.Presets.shades_classic);
      this.bar.start(options.expected, 0, { rate: 0, p99: 0 });
    }
    if (options.intervalMs > 0) this.timer = setInterval(() => this.tick(), options.intervalMs);
  }

  /** Starts the clock again (set-up done: connections open, batches built). */
  restart(): void {
    this.startMs = performance.now();
    this.intervalStartMs = this.startMs;
  }

  /** Records one latency observation (µs) into the totals and the interval, with no histogram of its own. */
  recordLatency(micros: number): void {
    record(this.total, micros);
    record(this.interval, micros);
  }

  add(records: number, bytes: number, histogram: Histogram | null, errors: Record<string, number> = {}): void {
    this.records += records;
    this.bytes += bytes;
    this.intervalRecords += records;
    this.intervalBytes += bytes;
    if (histogram) {
      this.total.add(histogram);
      this.interval.add(histogram);
    }
    for (const [k, v] of Object.entries(errors)) this.errors[k] = (this.errors[k] ?? 0) + v;
  }

  private tick(): void {
    const t = performance.now();
    const sec = (t - this.intervalStartMs) / 1000;
    const lat = latencySummary(this.interval);
    const sample = {
      t_sec: Math.round((t - this.startMs) / 100) / 10,
      records_per_sec: Math.round(this.intervalRecords / sec),
      mb_per_sec: Math.round((this.intervalBytes / MB / sec) * 100) / 100,
      latency_ms: lat,
    };
    this.samples.push(sample);
    const line = `${this.intervalRecords} records, ${sample.records_per_sec.toLocaleString('en')} records/sec (${sample.mb_per_sec} MB/sec), `
      + `latency p50 ${lat.p50} ms, p95 ${lat.p95} ms, p99 ${lat.p99} ms, p99.9 ${lat.p999} ms, max ${lat.max} ms`;
    if (this.bar) this.bar.update(this.records, { rate: sample.records_per_sec, p99: lat.p99 });
    else if (!this.options.quiet) (this.options.json ? process.stderr : process.stdout).write(line + '\n');
    this.interval = newHistogram();
    this.intervalRecords = 0;
    this.intervalBytes = 0;
    this.intervalStartMs = t;
  }

  /** Stops the reports and returns the totals. */
  finish(extra: Record<string, unknown> = {}): PerfResult {
    if (this.timer) clearInterval(this.timer);
    if (this.intervalRecords > 0) this.tick();
    this.bar?.stop();
    const elapsed = (performance.now() - this.startMs) / 1000;
    return {
      records: this.records,
      bytes: this.bytes,
      elapsed_sec: Math.round(elapsed * 1000) / 1000,
      records_per_sec: Math.round(this.records / elapsed),
      mb_per_sec: Math.round((this.bytes / MB / elapsed) * 100) / 100,
      latency_ms: latencySummary(this.total),
      errors: { ...this.errors },
      ...extra,
      samples: this.samples,
    };
  }
}

/** The closing lines: one human summary, or with --json one JSON object (the last line). */
export function printResult(result: PerfResult, json: boolean, what: string): void {
  if (json) {
    process.stdout.write(JSON.stringify(result) + '\n');
    return;
  }
  const l = result.latency_ms;
  const errors = Object.entries(result.errors).map(([k, v]) => `${k}: ${v}`).join(', ') || 'none';
  process.stdout.write(`${result.records} records ${what}, ${result.records_per_sec.toLocaleString('en')} records/sec (${result.mb_per_sec} MB/sec), `
    + `latency p50 ${l.p50} ms, p95 ${l.p95} ms, p99 ${l.p99} ms, p99.9 ${l.p999} ms, max ${l.max} ms; errors: ${errors}\n`);
}
