// `strom perf produce`: N worker threads (--producers), each a producer loop with its own
// connections; the main thread adds up their counts and histograms and reports.
import { Worker } from 'node:worker_threads';
import { readFileSync } from 'node:fs';
import { Cluster } from '../client/cluster.js';
import { resolveTargets } from './targets.js';
import { decodeHistogram, latencySummary, newHistogram } from './histogram.js';
import { Reporter, type PerfResult } from './report.js';
import type { ProduceLoopConfig } from './produce-loop.js';
import type { ProduceWorkerMessage } from './produce-worker.js';
import { workerUrl } from '../base/worker-url.js';
import type { ClientSecurity } from '../client/security.js';

const WORKER_URL = workerUrl(import.meta.url, 'perf/produce-worker.js');

interface ProducePerfOptions {
  bootstrapServer: string;
  topic: string;
  numRecords: number;
  recordSize: number;
  payloadFile?: string;
  payloadDelimiter?: string;
  throughput: number;
  producers: number;
  acks: number;
  batchBytes: number;
  lingerMs: number;
  compression: number;
  maxInFlight: number;
  partitions?: number;
  maxDurationMs: number;
  requestTimeoutMs: number;
  /** TLS and SASL of every connection (--command-config). */
  security?: ClientSecurity;
  reportingIntervalMs: number;
  json: boolean;
  quiet?: boolean;
  /** An idempotent producer per worker (InitProducerId, sequence numbers). */
  idempotent?: boolean;
  /** Bytes of batches per request (0: a batch for every partition in each). */
  maxRequestBytes?: number;
  /** Transactional producers (each worker its own transactional id, `<id>-<n>`), committing every this many records. */
  transactionalId?: string;
  transactionRecords?: number;
}

/** Lines of a payload file (kafka-producer-perf-test's --payload-file), as byte arrays. */
function readPayloads(file: string, delimiter = '\n'): Uint8Array[] {
  const text = readFileSync(file, 'utf8');
  const payloads = text.split(delimiter).filter((s) => s.length > 0).map((s) => Buffer.from(s));
  if (payloads.length === 0) throw new Error(`${file} holds no payloads`);
  return payloads;
}

/** n split into `parts` whole shares that add up to n. */
export function shares(n: number, parts: number): number[] {
  return Array.from({ length: parts }, (_, i) => Math.floor(n / parts) + (i < n % parts ? 1 : 0));
}

interface ProduceWorkerEvents {
  started(): void;
  progress(m: Extract<ProduceWorkerMessage, { type: 'progress' }>): void;
  failed(message: string): void;
}

/** Runs one producer loop in a worker thread of its own; resolves when the thread exits. */
export function runProduceWorker(config: ProduceLoopConfig, on: ProduceWorkerEvents): Promise<void> {
  return new Promise((resolve) => {
    const worker = new Worker(WORKER_URL, { workerData: config });
    worker.on('message', (m: ProduceWorkerMessage) => {
      if (m.type === 'started') on.started();
      else if (m.type === 'progress') on.progress(m);
      else if (m.type === 'error') on.failed(m.message);
    });
    worker.on('error', (e) => { on.failed(e.stack ?? String(e)); resolve(); });
    worker.on('exit', () => resolve());
  });
}

export async function producePerf(o: ProducePerfOptions): Promise<PerfResult> {
  const cluster = new Cluster(o.bootstrapServer, { clientId: 'strom-perf', requestTimeoutMs: o.requestTimeoutMs, security: o.security });
  let leaders;
  try {
    leaders = await resolveTargets(cluster, o.topic, o.partitions);
  } finally {
    cluster.close();
  }
  const payloads = o.payloadFile ? readPayloads(o.payloadFile, o.payloadDelimiter) : undefined;
  const recordSize = payloads ? Math.round(payloads.reduce((n, p) => n + p.length, 0) / payloads.length) : o.recordSize;
  const counts = shares(o.numRecords, o.producers);
  const reporter = new Reporter({ json: o.json, intervalMs: o.reportingIntervalMs, expected: o.numRecords, unit: 'records', quiet: o.quiet });
  const failures: string[] = [];
  const commitHistogram = newHistogram();
  let commits = 0;
  let started = 0;
  await Promise.all(counts.map((numRecords, i) => new Promise<void>((resolve) => {
    if (numRecords === 0) return resolve();
    const config: ProduceLoopConfig = {
      topic: o.topic, leaders, numRecords, recordSize, payloads,
      throughput: o.throughput > 0 ? o.throughput / o.producers : -1,
      acks: o.acks, batchBytes: o.batchBytes, lingerMs: o.lingerMs, compression: o.compression,
      maxInFlight: o.maxInFlight, maxDurationMs: o.maxDurationMs, requestTimeoutMs: o.requestTimeoutMs, security: o.security,
      clientId: `strom-perf-${i}`, idempotent: o.idempotent, maxRequestBytes: o.maxRequestBytes,
      transaction: o.transactionalId !== undefined ? { transactionalId: o.producers > 1 ? `${o.transactionalId}-${i}` : o.transactionalId, records: o.transactionRecords ?? o.numRecords } : undefined,
    };
    resolve(runProduceWorker(config, {
      started: () => { if (++started === 1) reporter.restart(); },
      progress: (m) => {
        reporter.add(m.records, m.bytes, decodeHistogram(m.histogram), m.errors);
        commits += m.commits;
        if (m.commits > 0) commitHistogram.add(decodeHistogram(m.commitHistogram));
      },
      failed: (message) => failures.push(message),
    }));
  })));
  const result = reporter.finish({
    producers: o.producers, partitions: leaders.reduce((n, l) => n + l.partitions.length, 0), record_size: recordSize, idempotent: Boolean(o.idempotent || o.transactionalId !== undefined),
  });
  if (o.transactionalId !== undefined) result.transactions = { commits, records_per_transaction: o.transactionRecords ?? o.numRecords, commit_latency_ms: latencySummary(commitHistogram) };
  if (failures.length) result.failures = failures;
  return result;
}
