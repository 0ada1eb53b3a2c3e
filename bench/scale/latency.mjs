// Latency under load, as the OpenMessaging Benchmark draws it: the maximum produce rate of
// 1 KiB records to 16 partitions (acks=1, 16 KiB batches), then end-to-end latency (send to
// consumer, `strom perf e2e`, 2 s warm-up left out) at 10, 25, 50, 75 and 90 % of it, and at
// the 50,000 msg/s. Every run writes to a topic of its own, deleted after it, so one
// run's dirty pages are not written back during the next.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startBroker, stopBroker, perf, strom, sleep } from './proc.mjs';
import { pick } from './partitions.mjs';

export const FRACTIONS = [0.1, 0.25, 0.5, 0.75, 0.9];
const PARTITIONS = 16;
const TARGET_RATE = 50_000;

export async function runLatency({ scale, step }) {
  const dir = mkdtempSync(join(tmpdir(), 'strom-scale-l-'));
  const broker = await startBroker(dir, { 'log.segment.delete.delay.ms': '0' });
  let topics = 0;
  const fresh = () => {
    const name = `lat-${topics++}`;
    strom(['topics', '--bootstrap-server', broker.bootstrap, '--create', '--topic', name, '--partitions', String(PARTITIONS)]);
    return name;
  };
  const drop = async (name) => {
    strom(['topics', '--bootstrap-server', broker.bootstrap, '--delete', '--topic', name]);
    await sleep(2000);
  };
  try {
    step('latency: maximum produce rate');
    let topic = fresh();
    const max = perf(['produce', '--bootstrap-server', broker.bootstrap, '--topic', topic, '--num-records', String(Math.max(100_000, Math.round(2_000_000 * scale))),
      '--record-size', '1024', '--batch-bytes', '16384', '--acks', '1', '--linger-ms', '1']);
    await drop(topic);
    const maxRate = max.records_per_sec;
    const seconds = Math.max(6, Math.round(15 * Math.min(1, scale * 4)));
    const rates = [...FRACTIONS.map((f) => ({ fraction: f, rate: Math.round(maxRate * f) })), { fraction: +(TARGET_RATE / maxRate).toFixed(3), rate: TARGET_RATE, target: true }];
    const points = [];
    for (const r of rates) {
      step(`latency: e2e at ${r.rate} msg/s`);
      topic = fresh();
      const e2e = perf(['e2e', '--bootstrap-server', broker.bootstrap, '--topic', topic, '--num-records', String(Math.round(r.rate * (seconds + 2))),
        '--record-size', '1024', '--partitions', String(PARTITIONS), '--throughput', String(r.rate), '--linger-ms', '1', '--warmup-ms', '2000']);
      await drop(topic);
      points.push({ ...r, achieved_rate: e2e.records_per_sec, latency_ms: e2e.latency_ms, produce_latency_ms: e2e.produce_latency_ms, latency_records: e2e.latency_records, errors: e2e.errors });
    }
    return { partitions: PARTITIONS, record_size: 1024, max_produce: pick(max), max_rate: maxRate, points };
  } finally {
    await stopBroker(broker);
    rmSync(dir, { recursive: true, force: true });
  }
}
