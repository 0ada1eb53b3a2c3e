// Soak: 30 minutes (× BENCH_SCALE, at least 2) producing at half the maximum rate of 1 KiB
// records to 16 partitions while a consumer group reads along and retention deletes segments
// (64 MiB segments, 256 MiB kept per partition, checked every 10 s). Sampled every 10 s from
// outside and from /metrics: RSS, open files, event-loop delay (p99), core memory reserved;
// the producer's p99 per report interval. What it shows: whether these stay flat after the
// warm-up (until retention starts deleting: before, the log and its open files grow by
// design), and whether files or core memory grow.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startBroker, stopBroker, sample, perf, strom, sleep, freePort, STROM } from './proc.mjs';

const PARTITIONS = 16;
const SEGMENT_BYTES = 64 << 20;
const RETENTION_BYTES = 256 << 20;
const SAMPLE_EVERY_MS = 10_000;

/** The gauges of /metrics the soak follows. */
async function metrics(port) {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  const gauge = (name) => Number(new RegExp(`^${name}(?:\\{[^}]*\\})? ([0-9.e+-]+)$`, 'm').exec(text)?.[1] ?? NaN);
  return { eventLoopP99Ms: gauge('strom_nodejs_eventloop_lag_p99_seconds') * 1000, coreMemoryMb: gauge('strom_core_memory_reserved_bytes') / 2 ** 20 };
}

/** Runs `strom perf …` in the background; resolves with its JSON result when it ends. */
function perfInBackground(args) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [STROM, 'perf', ...args, '--json', '--quiet', '--reporting-interval', String(SAMPLE_EVERY_MS)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => { out += d; });
    child.stderr.on('data', (d) => { err = (err + d).slice(-2000); });
    child.once('exit', (code) => {
      try {
        resolve(JSON.parse(out.trim().split('\n').pop()));
      } catch {
        reject(new Error(`strom perf ${args[0]} failed (${code}): ${err}`));
      }
    });
  });
}

/** Spread of `values` around their median, in percent: the largest deviation either way. */
const spreadPct = (values) => {
  const sorted = [...values].filter(Number.isFinite).sort((a, b) => a - b);
  if (!sorted.length) return null;
  const median = sorted[Math.floor(sorted.length / 2)];
  return +((Math.max(median - sorted[0], sorted[sorted.length - 1] - median) / median) * 100).toFixed(1);
};

export async function runSoak({ scale, step, maxRate }) {
  const minutes = Math.max(2, Math.round(30 * scale));
  const dir = mkdtempSync(join(tmpdir(), 'strom-scale-s-'));
  const httpPort = await freePort();
  const broker = await startBroker(dir, { 'http.listeners': `http://127.0.0.1:${httpPort}`, 'log.retention.check.interval.ms': '10000', 'log.segment.delete.delay.ms': '1000' });
  try {
    strom(['topics', '--bootstrap-server', broker.bootstrap, '--create', '--topic', 'soak', '--partitions', String(PARTITIONS),
      '--config', `segment.bytes=${SEGMENT_BYTES}`, '--config', `retention.bytes=${RETENTION_BYTES}`]);
    let rate = maxRate;
    if (!rate) {
      step('soak: maximum produce rate');
      rate = perf(['produce', '--bootstrap-server', broker.bootstrap, '--topic', 'soak-max', '--num-records', String(Math.max(100_000, Math.round(1_000_000 * scale))),
        '--record-size', '1024', '--partitions', String(PARTITIONS), '--linger-ms', '1']).records_per_sec;
      strom(['topics', '--bootstrap-server', broker.bootstrap, '--delete', '--topic', 'soak-max']);
    }
    const soakRate = Math.round(rate / 2);
    const records = soakRate * minutes * 60;
    step(`soak: ${minutes} min at ${soakRate} msg/s`);
    const durationMs = minutes * 60_000;
    const producing = perfInBackground(['produce', '--bootstrap-server', broker.bootstrap, '--topic', 'soak', '--num-records', String(records), '--record-size', '1024',
      '--partitions', String(PARTITIONS), '--throughput', String(soakRate), '--linger-ms', '5', '--max-duration-ms', String(durationMs)]);
    const consuming = perfInBackground(['consume', '--bootstrap-server', broker.bootstrap, '--topic', 'soak', '--messages', String(records), '--group', 'soak-readers',
      '--timeout', '15000', '--max-duration-ms', String(durationMs + 30_000)]);
    const samples = [];
    const t0 = performance.now();
    while (performance.now() - t0 < durationMs) {
      await sleep(SAMPLE_EVERY_MS);
      const s = sample(broker.child.pid);
      const m = await metrics(httpPort).catch(() => ({ eventLoopP99Ms: NaN, coreMemoryMb: NaN }));
      samples.push({ t_min: +((performance.now() - t0) / 60_000).toFixed(2), rss_mb: s.rssMb, fds: s.fds, event_loop_p99_ms: +m.eventLoopP99Ms.toFixed(2), core_memory_mb: +m.coreMemoryMb.toFixed(1), cpu_sec: s.cpuSec });
    }
    step('soak: finishing');
    const [produced, consumed] = await Promise.all([producing, consuming]);
    const latency = (produced.samples ?? []).map((s) => ({ t_min: +(s.t_sec / 60).toFixed(2), p99_ms: s.latency_ms.p99 }));
    return {
      minutes, rate: soakRate, partitions: PARTITIONS, record_size: 1024,
      produced: { records: produced.records, records_per_sec: produced.records_per_sec, latency_ms: produced.latency_ms, errors: produced.errors },
      consumed: { records: consumed.records, records_per_sec: consumed.records_per_sec, errors: consumed.errors },
      ...summarizeSoak(samples, latency, minutes, soakRate),
      samples, latency,
    };
  } finally {
    await stopBroker(broker);
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The soak's figures after its warm-up: the time each partition takes to fill its retention
 * and one more segment at the soak's rate (then retention deletes as fast as records come),
 * at least 2 minutes, at most a third of the run.
 */
export function summarizeSoak(samples, latency, minutes, rate) {
  const fillMin = ((RETENTION_BYTES + SEGMENT_BYTES) * PARTITIONS) / (rate * 1024) / 60;
  const warmupMin = +Math.min(minutes / 3, Math.max(2, fillMin)).toFixed(2);
  const warm = samples.filter((s) => s.t_min >= warmupMin);
  const warmLatency = latency.filter((s) => s.t_min >= warmupMin);
  return {
    warmup_min: warmupMin,
    rss_spread_pct: spreadPct(warm.map((s) => s.rss_mb)), p99_spread_pct: spreadPct(warmLatency.map((s) => s.p99_ms)),
    event_loop_p99_spread_pct: spreadPct(warm.map((s) => s.event_loop_p99_ms)),
    fds_first: warm[0]?.fds, fds_last: warm[warm.length - 1]?.fds, core_memory_first_mb: warm[0]?.core_memory_mb, core_memory_last_mb: warm[warm.length - 1]?.core_memory_mb,
  };
}
