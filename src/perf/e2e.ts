// `strom perf e2e`: end-to-end latency at a fixed rate. A producer loop (in a worker thread)
// stamps every value with its send time (float64 ms, first 8 bytes) and a consumer,
// long-polling from the end of the log in the same process (one clock), measures
// now − stamp for every record.
import { Cluster } from '../client/cluster.js';
import { listOffsets, LATEST } from '../client/admin.js';
import { Core, decodeBatchAt } from '../core/index.js';
import { codecs, initCompression } from '../compression/codecs.js';
import { resolveTargets } from './targets.js';
import { newHistogram, latencySummary, decodeHistogram } from './histogram.js';
import { Reporter, type PerfResult } from './report.js';
import { runFetchLoop } from './fetch-loop.js';
import { runProduceWorker } from './produce.js';
import { ABI, at } from '../core/index.js';
import type { ClientSecurity } from '../client/security.js';

interface E2ePerfOptions {
  bootstrapServer: string;
  topic: string;
  numRecords: number;
  recordSize: number;
  throughput: number;
  acks: number;
  lingerMs: number;
  batchBytes: number;
  compression: number;
  maxInFlight: number;
  maxRequestBytes?: number;
  partitions?: number;
  maxWaitMs: number;
  /** Records sent before this many ms after the start are not in the latency figures. */
  warmupMs?: number;
  maxDurationMs: number;
  requestTimeoutMs: number;
  /** TLS and SASL of every connection (--command-config). */
  security?: ClientSecurity;
  reportingIntervalMs: number;
  json: boolean;
  quiet?: boolean;
}

export async function e2ePerf(o: E2ePerfOptions): Promise<PerfResult> {
  if (o.recordSize < 8) throw new Error('--record-size must be at least 8 for e2e (the send time is in the value)');
  const cluster = new Cluster(o.bootstrapServer, { clientId: 'strom-perf', requestTimeoutMs: o.requestTimeoutMs, security: o.security });
  let leaders;
  const start = new Map<number, number>();
  try {
    leaders = await resolveTargets(cluster, o.topic, o.partitions);
    for (const p of await listOffsets(cluster, o.topic, LATEST, leaders.flatMap((l) => l.partitions))) start.set(p.partition, p.offset);
  } finally {
    cluster.close();
  }
  await initCompression();
  const core = Core.create({ arenaBytes: 64 << 20 });
  const reporter = new Reporter({ json: o.json, intervalMs: o.reportingIntervalMs, expected: o.numRecords, unit: 'records', quiet: o.quiet });
  const produceLatency = newHistogram();
  let produced = 0;
  // The send time from which latencies count (set when the producer starts, with a warm-up).
  let measureFromMs = (o.warmupMs ?? 0) > 0 ? Infinity : -Infinity;
  const consumer = runFetchLoop({
    topic: o.topic, leaders, start, maxRecords: o.numRecords, idleTimeoutMs: 10_000, maxDurationMs: o.maxDurationMs + 10_000,
    maxWaitMs: o.maxWaitMs, minBytes: 1, fetchMaxBytes: 64 << 20, partitionMaxBytes: 8 << 20, requestTimeoutMs: o.requestTimeoutMs, security: o.security,
    onFetch: (_records, _bytes, _latency, sets) => {
      const now = performance.timeOrigin + performance.now();
      let count = 0;
      let bytes = 0;
      for (const set of sets) {
        forEachValue(core, set.records, (offset, valuePtr, valueLength, dv) => {
          if (offset < set.from || valueLength < 8) return;
          const stamp = dv.getFloat64(valuePtr, true);
          if (stamp >= measureFromMs) reporter.recordLatency((now - stamp) * 1000);
          count++;
          bytes += valueLength;
        });
      }
      reporter.add(count, bytes, null);
    },
    onError: (name) => reporter.add(0, 0, null, { [name]: 1 }),
  });
  // The producer has a thread of its own, so the consumer's work never delays a send.
  const failures: string[] = [];
  const producer = runProduceWorker({
    topic: o.topic, leaders, numRecords: o.numRecords, recordSize: o.recordSize, throughput: o.throughput,
    acks: o.acks, batchBytes: o.batchBytes, lingerMs: o.lingerMs, compression: o.compression, maxInFlight: o.maxInFlight, maxRequestBytes: o.maxRequestBytes,
    maxDurationMs: o.maxDurationMs, requestTimeoutMs: o.requestTimeoutMs, stampValues: true, clientId: 'strom-perf-e2e', security: o.security,
  }, {
    started: () => {
      reporter.restart();
      if ((o.warmupMs ?? 0) > 0) measureFromMs = performance.timeOrigin + performance.now() + o.warmupMs!;
    },
    progress: (p) => {
      produced += p.records;
      produceLatency.add(decodeHistogram(p.histogram));
      for (const [k, v] of Object.entries(p.errors)) reporter.add(0, 0, null, { [k]: v });
    },
    failed: (message) => failures.push(message),
  });
  await producer;
  await consumer;
  const result = reporter.finish({ produced, target_rate: o.throughput, produce_latency_ms: latencySummary(produceLatency), latency_is: 'end to end, send to consumer',
    warmup_ms: o.warmupMs ?? 0, latency_records: reporter.total.totalCount });
  if (failures.length) result.failures = failures;
  return result;
}

/**
 * Calls `visit` with the offset and the value's place in core memory of every record of the
 * whole batches in `records`: the send times are read where they lie, no record is copied
 * out (at 50,000 records/s copying each value cost the consumer a tenth of its thread).
 */
function forEachValue(core: Core, records: Buffer, visit: (offset: number, valuePtr: number, valueLength: number, dv: DataView) => void): void {
  core.resetArena();
  const base = core.copyIn(records);
  // A partial batch at the end of a fetch is not among the whole ones the scan returns.
  for (const b of core.scanAt(base, records.length, 0, Math.ceil(records.length / ABI.BATCH_HEADER_SIZE)).batches) {
    const { desc, count } = decodeBatchAt(core, at(base, b.position), b.size, codecs);
    const dv = core.mem.dv();
    for (let i = 0; i < count; i++) {
      const d = desc + i * ABI.DESC_SIZE;
      visit(dv.getFloat64(d + ABI.D_OFFSET, true), dv.getInt32(d + ABI.D_VALUE_PTR, true), dv.getInt32(d + ABI.D_VALUE_LEN, true), dv);
    }
  }
}
