// Connections: 100, 1,000 and 10,000 client connections to one broker, held by a child
// process (hold-connections.mjs): first all idle (each said ApiVersions once), then the same
// number with up to 1,000 of them producing one 100-byte record a second. For each: the
// broker's RSS and open files against the same broker without them (per connection), and
// the p99 of a separate probe (`strom perf e2e`, 2,000 msg/s of 1 KiB) run meanwhile.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { startBroker, stopBroker, idleSample, sample, perf, strom, sleep } from './proc.mjs';

const HOLDER = fileURLToPath(new URL('./hold-connections.mjs', import.meta.url));
/** Connections producing in the second phase, and how often each sends. */
const SLOW_PRODUCERS = 1_000;
const SLOW_INTERVAL_MS = 1_000;

export function connectionCounts(scale) {
  const max = Math.max(100, 10_000 * scale);
  return [100, 1_000, 10_000].filter((n) => n <= max);
}

/** Starts the holder; resolves once its connections are open, with its first line and a stop() that resolves with its last. */
function hold(bootstrap, idle, producing, maxSeconds) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [HOLDER, bootstrap, String(idle), String(producing), String(SLOW_INTERVAL_MS), String(maxSeconds)], { stdio: ['pipe', 'pipe', 'inherit'] });
    const lines = createInterface({ input: child.stdout });
    let ready = null;
    let last = null;
    const exited = new Promise((r) => child.once('exit', r));
    lines.on('line', (line) => {
      const m = JSON.parse(line);
      if (m.ready) {
        ready = m;
        resolve({ ready, stop: async () => { child.stdin.end(); await exited; return last; } });
      } else last = m;
    });
    exited.then(() => { if (!ready) reject(new Error('the connection holder exited before its connections were open')); });
  });
}

function probe(bootstrap, scale) {
  const seconds = Math.max(5, Math.round(15 * Math.min(1, scale * 4)));
  const r = perf(['e2e', '--bootstrap-server', bootstrap, '--topic', 'probe', '--num-records', String(2_000 * seconds), '--record-size', '1024',
    '--partitions', '1', '--throughput', '2000', '--warmup-ms', '1000']);
  return { p50_ms: r.latency_ms.p50, p99_ms: r.latency_ms.p99, p999_ms: r.latency_ms.p999, records_per_sec: r.records_per_sec };
}

export async function runConnections({ scale, step }) {
  const points = [];
  const dir = mkdtempSync(join(tmpdir(), 'strom-scale-c-'));
  const broker = await startBroker(dir);
  try {
    strom(['topics', '--bootstrap-server', broker.bootstrap, '--create', '--topic', 'slow', '--partitions', '16']);
    strom(['topics', '--bootstrap-server', broker.bootstrap, '--create', '--topic', 'probe', '--partitions', '1']);
    step('connections: baseline probe');
    const baselineProbe = probe(broker.bootstrap, scale);
    const base = await idleSample(broker.child.pid);
    for (const n of connectionCounts(scale)) {
      for (const producing of [0, Math.min(SLOW_PRODUCERS, n)]) {
        step(`${n} connections, ${producing} producing`);
        const point = { connections: n, producing };
        const before = await idleSample(broker.child.pid, 1000);
        const held = await hold(broker.bootstrap, n - producing, producing, 600);
        await sleep(2000);
        const during = sample(broker.child.pid);
        point.rss_mb = during.rssMb;
        point.fds = during.fds;
        point.rss_per_connection_kb = +(((during.rssMb - before.rssMb) * 1024) / n).toFixed(1);
        point.fds_per_connection = +((during.fds - before.fds) / n).toFixed(2);
        point.open_ms = held.ready.open_ms;
        point.open_errors = held.ready.open_errors;
        const cpu0 = sample(broker.child.pid);
        const t0 = performance.now();
        point.probe = probe(broker.bootstrap, scale);
        const cpu1 = sample(broker.child.pid);
        point.broker_cpu_during_probe = +((cpu1.cpuSec - cpu0.cpuSec) / ((performance.now() - t0) / 1000)).toFixed(2);
        point.slow_producers = await held.stop();
        points.push(point);
      }
    }
    const after = await idleSample(broker.child.pid, 3000);
    return { baseline: { rss_mb: base.rssMb, fds: base.fds, probe: baselineProbe }, after_close: { rss_mb: after.rssMb, fds: after.fds }, points };
  } finally {
    await stopBroker(broker);
    rmSync(dir, { recursive: true, force: true });
  }
}
