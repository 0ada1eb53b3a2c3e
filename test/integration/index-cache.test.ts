// Indexes of inactive segments are loaded on demand into a bounded cache
// (strom.index.cache.max.bytes), end to end: a log directory of 2,000 segments across 200
// partitions, written through the broker, restarted with a cache that holds ~50 of their
// indexes; random Fetch and ListOffsets (by offset and by timestamp) across all of them must
// answer with exactly the records written, and /metrics must show the cache within its bound.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readdirSync } from 'node:fs';
import { Core, buildBatch, decodeBatches } from '../../src/core/index.js';
import { startBroker, cleanupDirs, tempDir, type RunningBroker } from '../helpers/broker.js';
import { RawClient } from '../helpers/raw-client.js';

const core = Core.create();
const TOPIC = 'wide';
const PARTITIONS = 200;
const RECORDS_PER_BATCH = 5;
/** ~420-byte batches, 9 to a 4 KiB segment: 85 batches make 10 segments per partition. */
const BATCHES = 85;
const T0 = 1_700_000_000_000;
/** Each inactive segment's two index files take a 256-byte region each: room for 50 segments'. */
const CACHE_BYTES = 50 * 512;
const PRODUCE = 0, FETCH = 1, LIST_OFFSETS = 2, CREATE_TOPICS = 19;

const value = (p: number, o: number) => `p${p}-o${o}`.padEnd(60, '.');
const timestamp = (o: number) => T0 + o * 1000;

let broker: RunningBroker;
let c: RawClient;
let dir: string;

/** xorshift: the same random reads every run. */
function random(seed: number): (n: number) => number {
  let x = seed;
  return (n) => {
    x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0;
    return x % n;
  };
}

function fetchRequest(partitions: { partition: number; offset: number }[]) {
  return {
    clusterId: null, replicaId: -1, replicaState: { replicaId: -1, replicaEpoch: -1 }, maxWaitMs: 0, minBytes: 1, maxBytes: 1 << 20,
    isolationLevel: 0, sessionId: 0, sessionEpoch: -1, forgottenTopicsData: [], rackId: '',
    topics: [{
      topic: TOPIC, topicId: 'AAAAAAAAAAAAAAAAAAAAAA',
      partitions: partitions.map(({ partition, offset }) => ({ partition, currentLeaderEpoch: -1, fetchOffset: offset, lastFetchedEpoch: -1, logStartOffset: -1, partitionMaxBytes: 1000, replicaDirectoryId: 'AAAAAAAAAAAAAAAAAAAAAA' })),
    }],
  };
}

/** Fetches the offsets and checks every record returned: its partition, offset and value, and that the first is the one asked for. */
async function fetchAndCheck(wanted: { partition: number; offset: number }[]): Promise<void> {
  const response = await c.request(FETCH, 11, fetchRequest(wanted));
  const byPartition = new Map<number, { errorCode: number; records: Buffer }>(response.responses[0].partitions.map((p: { partitionIndex: number }) => [p.partitionIndex, p]));
  for (const { partition, offset } of wanted) {
    const p = byPartition.get(partition)!;
    expect(p.errorCode).toBe(0);
    const records = decodeBatches(core, p.records).flatMap((b) => b.records).filter((r) => r.offset >= offset);
    expect(records.length).toBeGreaterThan(0);
    expect(records[0].offset).toBe(offset);
    for (const r of records) {
      expect(Buffer.from(r.value!).toString()).toBe(value(partition, r.offset));
      expect(r.timestamp).toBe(timestamp(r.offset));
    }
  }
}

async function metrics(): Promise<Map<string, number>> {
  const text = await (await fetch(`${broker.http}/metrics`)).text();
  return new Map(text.split('\n').filter((l) => l.startsWith('strom_index_')).map((l) => {
    const at = l.lastIndexOf(' ');
    return [l.slice(0, at), Number(l.slice(at + 1))];
  }));
}

beforeAll(async () => {
  dir = tempDir();
  broker = await startBroker({ dir });
  c = await RawClient.connect(broker.port);
  const created = await c.request(CREATE_TOPICS, 5, {
    topics: [{
      name: TOPIC, numPartitions: PARTITIONS, replicationFactor: 1, assignments: [],
      configs: [{ name: 'segment.bytes', value: '4096' }, { name: 'index.interval.bytes', value: '128' }],
    }],
    timeoutMs: 10_000, validateOnly: false,
  });
  expect(created.topics[0].errorCode).toBe(0);
  for (let b = 0; b < BATCHES; b++) {
    const partitionData = Array.from({ length: PARTITIONS }, (_, p) => ({
      index: p,
      records: Buffer.from(buildBatch(core, Array.from({ length: RECORDS_PER_BATCH }, (_, i) => {
        const o = b * RECORDS_PER_BATCH + i;
        return { key: `k${i}`, value: value(p, o), timestamp: timestamp(o) };
      }))),
    }));
    const produced = await c.request(PRODUCE, 9, { transactionalId: null, acks: 1, timeoutMs: 10_000, topicData: [{ name: TOPIC, partitionData }] });
    for (const p of produced.responses[0].partitionResponses) expect([p.errorCode, p.baseOffset]).toEqual([0, b * RECORDS_PER_BATCH]);
  }
  c.close();
  expect(await broker.stop()).toBe(0);
  broker = await startBroker({ dir, overrides: { 'strom.index.cache.max.bytes': String(CACHE_BYTES) } });
  c = await RawClient.connect(broker.port);
});

afterAll(async () => {
  c?.close();
  if (broker) expect(await broker.stop()).toBe(0);
  cleanupDirs();
});

describe('index cache', () => {
  it('starts on 2,000 segments without loading their indexes', async () => {
    let segments = 0;
    for (let p = 0; p < PARTITIONS; p++) segments += readdirSync(`${dir}/${TOPIC}-${p}`).filter((f) => f.endsWith('.log')).length;
    expect(segments).toBe(2000);
    const m = await metrics();
    expect(m.get('strom_index_cache_bytes{stat="max"}')).toBe(CACHE_BYTES);
    expect(m.get('strom_index_cache_bytes{stat="current"}')).toBe(0);
    expect(m.get('strom_index_cache_lookups_total{result="miss"}')).toBe(0);
  });

  it('serves random reads by offset and by timestamp across all of them within its bound', async () => {
    const next = random(20261122);
    const end = BATCHES * RECORDS_PER_BATCH;
    // One partition per Fetch: a lookup at a time.
    for (let i = 0; i < 600; i++) await fetchAndCheck([{ partition: next(PARTITIONS), offset: next(end) }]);
    // 4 Fetches of 50 partitions each, pipelined: index loads for 200 partitions at once, four
    // times what the cache holds. They wait for room rather than overrun it.
    for (let i = 0; i < 10; i++) {
      await Promise.all(Array.from({ length: 4 }, (_, r) => fetchAndCheck(Array.from({ length: 50 }, (_, k) => ({ partition: r * 50 + k, offset: next(end) })))));
    }
    // Offsets by timestamp (the time indexes) in every partition at once.
    for (let i = 0; i < 5; i++) {
      const asked = Array.from({ length: PARTITIONS }, (_, partitionIndex) => ({ partitionIndex, offset: next(end) }));
      const response = await c.request(LIST_OFFSETS, 4, {
        replicaId: -1, isolationLevel: 0,
        topics: [{ name: TOPIC, partitions: asked.map(({ partitionIndex, offset }) => ({ partitionIndex, currentLeaderEpoch: -1, timestamp: timestamp(offset) - 500, maxNumOffsets: 1 })) }],
      });
      const answers = response.topics[0].partitions.map((p: { partitionIndex: number; errorCode: number; offset: number; timestamp: number }) => [p.partitionIndex, p.errorCode, p.offset, p.timestamp]);
      expect(answers).toEqual(asked.map(({ partitionIndex, offset }) => [partitionIndex, 0, offset, timestamp(offset)]));
    }
    const m = await metrics();
    expect(m.get('strom_index_cache_bytes{stat="peak"}')).toBeGreaterThan(CACHE_BYTES / 2);
    expect(m.get('strom_index_cache_bytes{stat="peak"}')).toBeLessThanOrEqual(CACHE_BYTES);
    expect(m.get('strom_index_cache_bytes{stat="current"}')).toBeLessThanOrEqual(CACHE_BYTES);
    expect(m.get('strom_index_cache_files')).toBeLessThanOrEqual(CACHE_BYTES / 256);
    expect(m.get('strom_index_cache_lookups_total{result="miss"}')).toBeGreaterThan(1000);
    expect(m.get('strom_index_cache_evictions_total')).toBeGreaterThan(1000);
    expect(m.get('strom_index_active_bytes')).toBeGreaterThan(0);
  });
});
