// Idempotent producers of real clients against lost acknowledgements and a crashed broker:
// kafkajs (idempotent: true, in process) and librdkafka 2.0.2 (confluent-kafka from Debian,
// enable.idempotence=true, a child process) produce through a TCP proxy that lets requests
// through and drops some Produce responses (cutting the connection, as a network failure after
// the broker's write would), so the clients retry batches the broker already stored. Then the
// broker is killed (-9) in the middle of production, after it stored batches whose
// acknowledgements the proxy held back, and restarted on its data directory; the clients
// retry those across the restart. Every record must be in the log exactly once, in order: no
// duplicate, no gap.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Kafka, logLevel } from 'kafkajs';
import { startBroker, cleanupDirs, python, tempDir, type RunningBroker } from '../helpers/broker.js';
import { KafkaProxy } from '../helpers/kafka-proxy.js';
import { RawClient } from '../helpers/raw-client.js';
import { requireExternal } from '../helpers/external.js';
import { waitFor } from '../helpers/wait.js';
import { Core, decodeBatches } from '../../src/core/index.js';

requireExternal('python3-confluent-kafka');

const core = Core.create();
let proxy: KafkaProxy;
let broker: RunningBroker;
const dir = tempDir();
const overrides = () => ({ 'advertised.listeners': `PLAINTEXT://127.0.0.1:${proxy.port}`, 'auto.create.topics.enable': 'false' });

beforeAll(async () => {
  proxy = await KafkaProxy.start();
  broker = await startBroker({ dir, keep: true, overrides: overrides() });
  proxy.targetPort = broker.port;
});
afterAll(async () => {
  await proxy.close();
  await broker.stop();
  cleanupDirs();
});

async function createTopic(name: string, partitions: number): Promise<void> {
  const raw = await RawClient.connect(broker.port);
  try {
    const r = await raw.request(19, 7, { topics: [{ name, numPartitions: partitions, replicationFactor: 1, assignments: [], configs: [] }], timeoutMs: 5000, validateOnly: false });
    expect(r.topics[0].errorCode).toBe(0);
  } finally {
    raw.close();
  }
}

/** Every record value of a partition, read straight from the broker (not through the proxy). */
async function stored(topic: string, partition: number): Promise<string[]> {
  const raw = await RawClient.connect(broker.port);
  const values: string[] = [];
  try {
    for (let offset = 0, guard = 0; guard < 10_000; guard++) {
      const r = await raw.request(1, 11, {
        replicaId: -1, maxWaitMs: 0, minBytes: 0, maxBytes: 8 << 20, isolationLevel: 0, sessionId: 0, sessionEpoch: -1,
        topics: [{ topic, partitions: [{ partition, currentLeaderEpoch: -1, fetchOffset: offset, lastFetchedEpoch: -1, logStartOffset: -1, partitionMaxBytes: 8 << 20 }] }],
        forgottenTopicsData: [], rackId: '',
      });
      const batches = decodeBatches(core, r.responses[0].partitions[0].records ?? Buffer.alloc(0));
      if (batches.length === 0) break;
      for (const b of batches) {
        for (const rec of b.records) values.push(Buffer.from(rec.value!).toString());
        offset = b.header.lastOffset + 1;
      }
    }
  } finally {
    raw.close();
  }
  return values;
}

/** Expects `values` to be exactly `expected`, and says what is duplicated or missing when not. */
function expectExactlyOnce(values: string[], expected: string[]): void {
  const seen = new Map<string, number>();
  for (const v of values) seen.set(v, (seen.get(v) ?? 0) + 1);
  const duplicates = [...seen].filter(([, n]) => n > 1).map(([v]) => v);
  const missing = expected.filter((v) => !seen.has(v));
  expect({ duplicates: duplicates.slice(0, 10), missing: missing.slice(0, 10) }).toEqual({ duplicates: [], missing: [] });
  expect(values).toEqual(expected);
}

const LIBRDKAFKA_PRODUCER = `
import json, sys, time
from confluent_kafka import Producer
bootstrap, topic, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
pause = float(sys.argv[4]) if len(sys.argv) > 4 else 0  # seconds between every 10 records: a steady stream
p = Producer({'bootstrap.servers': bootstrap, 'enable.idempotence': True, 'linger.ms': 0, 'batch.num.messages': 10,
              'message.timeout.ms': 120000, 'request.timeout.ms': 5000, 'retry.backoff.ms': 50, 'reconnect.backoff.max.ms': 500})
errors = []
delivered = [0]
def on_delivery(err, msg):
    if err: errors.append(str(err))
    else: delivered[0] += 1
for i in range(count):
    while True:
        try:
            p.produce(topic, value=('r-%d' % i).encode(), partition=i % 2, on_delivery=on_delivery)
            break
        except BufferError:
            p.poll(0.05)
    p.poll(0)
    if pause and i % 10 == 0:
        time.sleep(pause)
left = p.flush(150)
print(json.dumps({'delivered': delivered[0], 'errors': errors[:10], 'left': left}))
`;

const expectedRd = (count: number, partition: number) => Array.from({ length: count }, (_, i) => i).filter((i) => i % 2 === partition).map((i) => `r-${i}`);

describe('idempotent producers against lost acknowledgements', () => {
  it('kafkajs (idempotent: true) retries the batches whose responses were dropped: each record once, in order', async () => {
    await createTopic('lost-kafkajs', 2);
    let produces = 0;
    proxy.dropResponse = (apiKey) => apiKey === 0 && ++produces % 4 === 0 && proxy.droppedProduceResponses < 8;
    const kafka = new Kafka({ brokers: [`127.0.0.1:${proxy.port}`], logLevel: logLevel.NOTHING, requestTimeout: 3000, retry: { retries: 30, initialRetryTime: 50, maxRetryTime: 500 } });
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    try {
      for (let i = 0; i < 60; i++) {
        await producer.send({ topic: 'lost-kafkajs', messages: [0, 1, 2].map((j) => ({ partition: (i + j) % 2, value: `k-${i}-${j}` })) });
      }
    } finally {
      await producer.disconnect();
      proxy.dropResponse = () => false;
    }
    expect(proxy.droppedProduceResponses).toBe(8);
    const sent = Array.from({ length: 60 }, (_, i) => [0, 1, 2].map((j) => ({ p: (i + j) % 2, v: `k-${i}-${j}` }))).flat();
    for (const p of [0, 1]) expectExactlyOnce(await stored('lost-kafkajs', p), sent.filter((s) => s.p === p).map((s) => s.v));
  });

  it('librdkafka (enable.idempotence=true) retries the batches whose responses were dropped: each record once, in order', async () => {
    await createTopic('lost-rdkafka', 2);
    let produces = 0;
    const before = proxy.droppedProduceResponses;
    proxy.dropResponse = (apiKey) => apiKey === 0 && ++produces % 4 === 0 && proxy.droppedProduceResponses - before < 10;
    const count = 3000;
    const result = await python(LIBRDKAFKA_PRODUCER, [`127.0.0.1:${proxy.port}`, 'lost-rdkafka', String(count)], 180_000);
    proxy.dropResponse = () => false;
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout.trim().split('\n').pop()!)).toEqual({ delivered: count, errors: [], left: 0 });
    expect(proxy.droppedProduceResponses - before).toBeGreaterThan(3);
    for (const p of [0, 1]) expectExactlyOnce(await stored('lost-rdkafka', p), expectedRd(count, p));
  });
});

describe('idempotent producers across a broker crash', () => {
  it('kill -9 in the middle of production, a restart, the clients\' retries: still each record once (librdkafka and kafkajs)', async () => {
    await createTopic('crash-rdkafka', 2);
    await createTopic('crash-kafkajs', 1);
    const count = 20_000;
    // About 10 s of records, so that the broker dies in the middle of them.
    const rdkafka = python(LIBRDKAFKA_PRODUCER, [`127.0.0.1:${proxy.port}`, 'crash-rdkafka', String(count), '0.005'], 240_000);
    const kafka = new Kafka({ brokers: [`127.0.0.1:${proxy.port}`], logLevel: logLevel.NOTHING, requestTimeout: 3000, retry: { retries: 60, initialRetryTime: 100, maxRetryTime: 1000 } });
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    let sent = 0;
    const kafkajs = (async () => {
      for (; sent < 400; sent++) await producer.send({ topic: 'crash-kafkajs', messages: [{ value: `k-${sent}` }] });
    })();
    // Kill once both are well under way.
    const ends = async () => {
      const raw = await RawClient.connect(broker.port);
      try {
        const r = await raw.request(2, 7, { replicaId: -1, isolationLevel: 0, topics: ['crash-rdkafka', 'crash-kafkajs'].map((name) => ({ name, partitions: [0].map((p) => ({ partitionIndex: p, currentLeaderEpoch: -1, timestamp: -1, maxNumOffsets: 1 })) })) });
        return r.topics.map((t: { partitions: { offset: number }[] }) => t.partitions[0].offset) as number[];
      } finally {
        raw.close();
      }
    };
    await waitFor('both producers under way', async () => {
      const [rd, kjs] = await ends();
      return rd > 2000 && kjs > 50;
    }, { timeoutMs: 60_000 });
    // The broker goes on storing what the clients send, and they hear nothing back; then it dies.
    proxy.holdResponses = true;
    const producesBefore = proxy.requests.get(0) ?? 0;
    await waitFor(() => `batches stored without acknowledgement (${proxy.heldProduceResponses} held, ${(proxy.requests.get(0) ?? 0) - producesBefore} sent since; ${JSON.stringify([...proxy.requests])})`,
      () => proxy.heldProduceResponses >= 2, { timeoutMs: 30_000 });
    await broker.kill();
    proxy.holdResponses = false;
    broker = await startBroker({ dir, keep: true, overrides: overrides() });
    proxy.targetPort = broker.port;
    const result = await rdkafka;
    await kafkajs;
    await producer.disconnect();
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout.trim().split('\n').pop()!)).toEqual({ delivered: count, errors: [], left: 0 });
    for (const p of [0, 1]) expectExactlyOnce(await stored('crash-rdkafka', p), expectedRd(count, p));
    expectExactlyOnce(await stored('crash-kafkajs', 0), Array.from({ length: 400 }, (_, i) => `k-${i}`));
    expect(broker.output.join('\n')).toMatch(/recovered|ready/);
  });
});
