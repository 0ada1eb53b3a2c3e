// `strom perf` as users run it (node dist/bundle/strom.cjs perf …) against a real broker and
// against the TCP sink: the --json totals, and that the records really landed.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import { startBroker, cleanupDirs, run, type RunningBroker } from '../helpers/broker.js';
import { Cluster } from '../../src/client/cluster.js';
import { listOffsets, LATEST } from '../../src/client/admin.js';
import { fetchOffsets } from '../../src/client/groups.js';
import { TcpSink } from '../../src/perf/sink.js';

const STROM = fileURLToPath(new URL('../../dist/bundle/strom.cjs', import.meta.url));
const strom = (args: string[]) => run(process.execPath, [STROM, 'perf', ...args], 60_000);

/** The last stdout line, parsed: what --json promises. */
function lastJson(stdout: string): Record<string, any> {
  const lines = stdout.trim().split('\n');
  return JSON.parse(lines[lines.length - 1]);
}

function expectResultShape(r: Record<string, any>): void {
  expect(typeof r.records_per_sec).toBe('number');
  expect(typeof r.mb_per_sec).toBe('number');
  for (const k of ['p50', 'p95', 'p99', 'p999', 'max']) expect(typeof r.latency_ms[k]).toBe('number');
  expect(r.latency_ms.p50).toBeLessThanOrEqual(r.latency_ms.p99);
  expect(r.latency_ms.p99).toBeLessThanOrEqual(r.latency_ms.max + 0.001);
  expect(r.errors).toEqual({});
}

let broker: RunningBroker;
let cluster: Cluster;
beforeAll(async () => {
  broker = await startBroker({ overrides: { 'group.initial.rebalance.delay.ms': '0' } });
  cluster = new Cluster(broker.bootstrap);
});
afterAll(async () => {
  cluster?.close();
  expect(await broker.stop()).toBe(0);
  cleanupDirs();
});

async function endOffsetsSum(topic: string): Promise<number> {
  return (await listOffsets(cluster, topic, LATEST)).reduce((n, p) => n + p.offset, 0);
}

describe('strom perf', () => {
  it('produce --json: 20,000 records over 2 worker threads and 3 partitions, all of them in the log', async () => {
    const r = await strom(['produce', '--bootstrap-server', broker.bootstrap, '--topic', 'perf-p', '--num-records', '20000',
      '--record-size', '100', '--partitions', '3', '--producers', '2', '--batch-bytes', '4096', '--max-in-flight', '3', '--json', '--reporting-interval', '100']);
    expect(r.code, r.stderr).toBe(0);
    const res = lastJson(r.stdout);
    expectResultShape(res);
    expect(res.records).toBe(20000);
    expect(res.bytes).toBe(2_000_000);
    expect(res.producers).toBe(2);
    expect(res.partitions).toBe(3);
    expect(await endOffsetsSum('perf-p')).toBe(20000);
  });

  it('produce --max-request-bytes: each request takes the next partitions in turn, and every partition gets its share', async () => {
    const { stdout } = await strom(['produce', '--bootstrap-server', broker.bootstrap, '--topic', 'perf-turns', '--num-records', '12000', '--record-size', '100',
      '--partitions', '12', '--batch-bytes', '2048', '--max-request-bytes', '4096', '--json', '--quiet']);
    expect(lastJson(stdout).records).toBe(12_000);
    const ends = (await listOffsets(cluster, 'perf-turns', LATEST, Array.from({ length: 12 }, (_, i) => i))).map((p) => p.offset);
    expect(ends.reduce((a, b) => a + b, 0)).toBe(12_000);
    // Two batches per request of 12 partitions: turns spread them evenly (a fixed first partition would get them all).
    expect(Math.min(...ends)).toBeGreaterThan(500);
  });

  it('produce with a throughput cap and compression lands every record', async () => {
    const r = await strom(['produce', '--bootstrap-server', broker.bootstrap, '--topic', 'perf-capped', '--num-records', '3000',
      '--record-size', '64', '--partitions', '2', '--throughput', '20000', '--linger-ms', '5', '--compression', 'lz4', '--acks', 'all', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const res = lastJson(r.stdout);
    expectResultShape(res);
    expect(res.records).toBe(3000);
    expect(await endOffsetsSum('perf-capped')).toBe(3000);
  });

  it('produce --transactional-id commits every --transaction-records: every record committed, one marker per partition per transaction', async () => {
    const r = await strom(['produce', '--bootstrap-server', broker.bootstrap, '--topic', 'perf-txn', '--num-records', '3000', '--record-size', '50',
      '--partitions', '3', '--batch-bytes', '2048', '--transactional-id', 'perf-tx', '--transaction-records', '500', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const res = lastJson(r.stdout);
    expectResultShape(res);
    expect(res.records).toBe(3000);
    expect(res.transactions).toMatchObject({ commits: 6, records_per_transaction: 500 });
    expect(res.transactions.commit_latency_ms.p50).toBeGreaterThan(0);
    // 500 records at 2 KiB batches (~36 records each) reach all 3 partitions in every transaction: 6 markers each.
    expect(await endOffsetsSum('perf-txn')).toBe(3000 + 6 * 3);
    const committed = await listOffsets(cluster, 'perf-txn', LATEST, undefined, 1);
    expect(committed.reduce((n, p) => n + p.offset, 0)).toBe(3000 + 6 * 3); // read_committed: nothing left open
    const consumed = lastJson((await strom(['consume', '--bootstrap-server', broker.bootstrap, '--topic', 'perf-txn', '--messages', '3000', '--from-beginning',
      '--isolation-level', 'read_committed', '--json', '--timeout', '3000'])).stdout);
    expect(consumed.records).toBe(3000);
    const flags = await strom(['produce', '--topic', 'x', '--num-records', '10', '--transactional-id', 't', '--acks', '1']);
    expect([flags.code, flags.stderr]).toEqual([1, expect.stringMatching(/--transactional-id needs --acks all/)]);
  });

  it('consume --from-beginning --group reads what produce wrote and commits the group\'s offsets', async () => {
    const r = await strom(['consume', '--bootstrap-server', broker.bootstrap, '--topic', 'perf-p', '--messages', '20000', '--from-beginning', '--group', 'perf-g', '--json', '--timeout', '5000']);
    expect(r.code, r.stderr).toBe(0);
    const res = lastJson(r.stdout);
    expectResultShape(res);
    expect(res.records).toBe(20000);
    const committed = await fetchOffsets(cluster, 'perf-g', [{ topic: 'perf-p', partitions: [0, 1, 2] }]);
    expect(committed.reduce((n, c) => n + c.offset, 0)).toBe(20000);
  });

  it('e2e measures every record from send to consumer', async () => {
    const r = await strom(['e2e', '--bootstrap-server', broker.bootstrap, '--topic', 'perf-e2e', '--num-records', '5000', '--record-size', '256', '--throughput', '10000', '--partitions', '4', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const res = lastJson(r.stdout);
    expectResultShape(res);
    expect(res.records).toBe(5000);
    expect(res.produced).toBe(5000);
    expect(res.latency_ms.p50).toBeGreaterThan(0);
    // A send time lost or misread on the way would read as years (clamped at 10 minutes).
    expect(res.latency_ms.max).toBeLessThan(30_000);
    expect(res.latency_records).toBe(5000);
    expect(await endOffsetsSum('perf-e2e')).toBe(5000);
  });

  it('e2e --warmup-ms delivers every record but leaves the warm-up out of the latency figures', async () => {
    const r = await strom(['e2e', '--bootstrap-server', broker.bootstrap, '--topic', 'perf-e2e-warm', '--num-records', '4000', '--record-size', '64', '--throughput', '4000', '--partitions', '2', '--warmup-ms', '400', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const res = lastJson(r.stdout);
    expect(res.records).toBe(4000);
    // About 400 ms of a 1 s run at 4,000/s: roughly 1,600 records left out.
    expect(res.latency_records).toBeGreaterThan(1000);
    expect(res.latency_records).toBeLessThan(3400);
  });

  it('rejects bad flags with one line and exit code 1', async () => {
    const r = await strom(['produce', '--topic', 'x', '--num-records', 'many']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/--num-records must be a whole number/);
    const acks = await strom(['produce', '--topic', 'x', '--num-records', '10', '--acks', '2']);
    expect(acks.code).toBe(1);
    expect(acks.stderr).toMatch(/--acks must be 0, 1, -1 or all/);
  });

  it('runs against the TCP sink: produce then consume back what it acknowledged', async () => {
    const sink = new TcpSink();
    const port = await sink.listen();
    try {
      const p = await strom(['produce', '--bootstrap-server', `127.0.0.1:${port}`, '--topic', 's', '--num-records', '10000', '--partitions', '4', '--json']);
      expect(p.code, p.stderr).toBe(0);
      expect(lastJson(p.stdout).records).toBe(10000);
      const c = await strom(['consume', '--bootstrap-server', `127.0.0.1:${port}`, '--topic', 's', '--messages', '10000', '--from-beginning', '--json', '--timeout', '2000']);
      expect(c.code, c.stderr).toBe(0);
      expect(lastJson(c.stdout).records).toBeGreaterThanOrEqual(10000);
    } finally {
      await sink.close();
    }
  });
});
