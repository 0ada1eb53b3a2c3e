// Partitions: one broker holding 1 to 10,000 partitions of one topic. For each count: the
// creation, the idle broker (RSS, open files), a Metadata request for all topics, a clean
// restart with the partitions empty, produce (100 B records, 16 KiB batches, 1 MiB requests
// taking the partitions in turn, from two producer threads) of about 1 GiB spread over them,
// consume it all back, and a clean restart with that data in place.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startBroker, stopBroker, idleSample, sample, perf, strom } from './proc.mjs';
import { Connection } from '../../dist/client/connection.js';
import { MetadataApi } from '../../dist/protocol/generated/metadata.js';

const RECORD_BYTES = 100;
/** About what 1 GiB of these records takes on disk (value, record and batch overhead). */
const RECORDS_PER_GIB = Math.round(2 ** 30 / 112);

/** Median ms of `runs` Metadata requests for all topics (v12, as current clients send). */
export async function metadataMs(port, runs = 5) {
  const c = await Connection.open('127.0.0.1', port, { clientId: 'bench-scale', maxResponseBytes: 1 << 30 });
  try {
    const v = c.version(MetadataApi, 1, 12);
    const times = [];
    let partitions = 0;
    for (let i = 0; i < runs; i++) {
      const t = performance.now();
      const md = await c.send(MetadataApi, v, { topics: null, allowAutoTopicCreation: false, includeClusterAuthorizedOperations: false, includeTopicAuthorizedOperations: false });
      times.push(performance.now() - t);
      partitions = md.topics.reduce((n, topic) => n + topic.partitions.length, 0);
    }
    times.sort((a, b) => a - b);
    return { ms: +times[Math.floor(runs / 2)].toFixed(2), partitions };
  } finally {
    c.close();
  }
}

/** The partition counts to measure: up to 10,000 × BENCH_SCALE (at least 100), with 8 for the target's baseline. */
export function partitionCounts(scale) {
  // BENCH_PARTITIONS=1000,10000 measures those counts only.
  if (process.env.BENCH_PARTITIONS) return process.env.BENCH_PARTITIONS.split(',').map(Number);
  const max = Math.max(100, 10_000 * scale);
  return [1, 8, 10, 100, 1_000, 10_000].filter((n) => n <= max);
}

export async function runPartitions({ scale, step }) {
  const points = [];
  for (const n of partitionCounts(scale)) {
    const dir = mkdtempSync(join(tmpdir(), 'strom-scale-p-'));
    const overrides = { 'strom.max.partitions': String(n + 100), 'log.segment.delete.delay.ms': '0' };
    const point = { partitions: n };
    try {
      let broker = await startBroker(dir, overrides);
      step(`${n} partitions: create`);
      let t = performance.now();
      strom(['topics', '--bootstrap-server', broker.bootstrap, '--create', '--topic', 'scale', '--partitions', String(n)], 600_000);
      point.create_ms = Math.round(performance.now() - t);
      const idle = await idleSample(broker.child.pid);
      Object.assign(point, { idle_rss_mb: idle.rssMb, idle_fds: idle.fds, threads: idle.threads });
      step(`${n} partitions: metadata`);
      const md = await metadataMs(broker.port);
      point.metadata_ms = md.ms;
      point.metadata_partitions = md.partitions;
      step(`${n} partitions: restart empty`);
      point.stop_empty_ms = Math.round(await stopBroker(broker));
      broker = await startBroker(dir, overrides);
      point.start_empty_ms = Math.round(broker.startMs);
      point.start_empty_cpu_ms = { all_threads: broker.startCpuMs, main_thread: broker.startMainCpuMs };
      point.start_empty_rss_mb = (await idleSample(broker.child.pid)).rssMb;

      step(`${n} partitions: produce`);
      const records = Math.max(10_000, Math.round(RECORDS_PER_GIB * scale));
      const produced = perf(['produce', '--bootstrap-server', broker.bootstrap, '--topic', 'scale', '--num-records', String(records),
        '--record-size', String(RECORD_BYTES), '--batch-bytes', '16384', '--producers', '2', '--max-request-bytes', String(1 << 20), '--acks', '1']);
      point.produce = pick(produced);
      step(`${n} partitions: consume`);
      const consumed = perf(['consume', '--bootstrap-server', broker.bootstrap, '--topic', 'scale', '--messages', String(produced.records),
        '--from-beginning', '--timeout', '5000']);
      point.consume = pick(consumed);
      const loaded = await idleSample(broker.child.pid);
      Object.assign(point, { loaded_rss_mb: loaded.rssMb, loaded_fds: loaded.fds });

      step(`${n} partitions: restart with data`);
      point.stop_data_ms = Math.round(await stopBroker(broker));
      broker = await startBroker(dir, overrides);
      point.start_data_ms = Math.round(broker.startMs);
      point.start_data_cpu_ms = { all_threads: broker.startCpuMs, main_thread: broker.startMainCpuMs };
      point.start_data_fds = sample(broker.child.pid).fds;
      point.start_data_rss_mb = (await idleSample(broker.child.pid)).rssMb;
      await stopBroker(broker);
    } catch (e) {
      point.error = String(e.message ?? e).slice(0, 2000);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    points.push(point);
  }
  return { points };
}

/** The figures of a `strom perf` result kept in scale.json. */
export function pick(r) {
  return {
    records: r.records, records_per_sec: r.records_per_sec, mb_per_sec: r.mb_per_sec, elapsed_sec: r.elapsed_sec,
    latency_ms: r.latency_ms, errors: r.errors, ...(r.failures ? { failures: r.failures } : {}),
  };
}
