// `strom perf consume` (as kafka-consumer-perf-test): reads --messages records of a topic,
// from the beginning or the group's committed offsets or the end, and reports records/s,
// MB/s (record batches as fetched) and each Fetch's latency.
import { Cluster } from '../client/cluster.js';
import { listOffsets, EARLIEST, LATEST } from '../client/admin.js';
import { fetchOffsets, commitOffsets } from '../client/groups.js';
import { resolveTargets } from './targets.js';
import { newHistogram, record } from './histogram.js';
import { Reporter, type PerfResult } from './report.js';
import { runFetchLoop } from './fetch-loop.js';
import type { ClientSecurity } from '../client/security.js';

interface ConsumePerfOptions {
  bootstrapServer: string;
  topic: string;
  messages: number;
  group?: string;
  fromBeginning: boolean;
  fetchMaxBytes: number;
  partitionMaxBytes: number;
  maxWaitMs: number;
  timeoutMs: number;
  maxDurationMs: number;
  requestTimeoutMs: number;
  /** TLS and SASL of every connection (--command-config). */
  security?: ClientSecurity;
  reportingIntervalMs: number;
  json: boolean;
  quiet?: boolean;
  /** Fetch sessions (KIP-227). */
  sessions?: boolean;
  /** 0 read_uncommitted, 1 read_committed (up to the last stable offset; the offsets to start from too). */
  isolationLevel?: number;
}

export async function consumePerf(o: ConsumePerfOptions): Promise<PerfResult> {
  const cluster = new Cluster(o.bootstrapServer, { clientId: 'strom-perf', requestTimeoutMs: o.requestTimeoutMs, security: o.security });
  try {
    const leaders = await resolveTargets(cluster, o.topic, undefined);
    const partitions = leaders.flatMap((l) => l.partitions);
    const start = new Map<number, number>();
    const reset = await listOffsets(cluster, o.topic, o.fromBeginning ? EARLIEST : LATEST, partitions, o.isolationLevel ?? 0);
    for (const p of reset) start.set(p.partition, p.offset);
    if (o.group && !o.fromBeginning) {
      for (const c of await fetchOffsets(cluster, o.group, [{ topic: o.topic, partitions }])) if (c.offset >= 0) start.set(c.partition, c.offset);
    }
    const reporter = new Reporter({ json: o.json, intervalMs: o.reportingIntervalMs, expected: o.messages, unit: 'records', quiet: o.quiet });
    let fetches = 0;
    let requestBytes = 0;
    const { positions } = await runFetchLoop({
      topic: o.topic, leaders, start, maxRecords: o.messages, idleTimeoutMs: o.timeoutMs, maxDurationMs: o.maxDurationMs,
      maxWaitMs: o.maxWaitMs, minBytes: 1, fetchMaxBytes: o.fetchMaxBytes, partitionMaxBytes: o.partitionMaxBytes,
      requestTimeoutMs: o.requestTimeoutMs, sessions: o.sessions, security: o.security, isolationLevel: o.isolationLevel,
      onRequests: (_fetches, bytes) => { requestBytes += bytes; },
      onFetch: (records, bytes, latencyUs) => {
        fetches++;
        const h = newHistogram();
        record(h, latencyUs);
        reporter.add(records, bytes, h);
      },
      onError: (name) => reporter.add(0, 0, null, { [name]: 1 }),
    });
    if (o.group) await commitOffsets(cluster, o.group, [...positions].map(([partition, offset]) => ({ topic: o.topic, partition, offset })));
    return reporter.finish({
      fetches, partitions: partitions.length, fetch_sessions: Boolean(o.sessions), isolation_level: o.isolationLevel === 1 ? 'read_committed' : 'read_uncommitted',
      request_bytes_per_fetch: fetches > 0 ? Math.round(requestBytes / fetches) : 0, latency_is: 'per fetch request',
    });
  } finally {
    cluster.close();
  }
}
